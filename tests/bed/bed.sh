#!/usr/bin/env bash
# The Xen-in-QEMU test bed, host side: install the host tools, fetch and
# extract Xen and the kernel, build (or reuse) the boot images, boot Xen
# under QEMU (TCG) once, follow dom0's progress on the serial console,
# then check every result frame dom0 sent on the second serial port and
# print one line per suite.
#
# Exits non-zero if any suite failed, a frame was lost or garbled, a
# domain crashed, or a stage hung (it then says which one). QEMU is killed
# on every exit path.
#
# Usage: tests/bed/bed.sh check|run|bench PROGRAM...
#   check: the scenarios in tests/bed/scenarios/ (the bed's test suites)
#   run:   the main job, tests/bed/run/ (output printed in full)
#   bench: the benchmarks, tests/bed/bench/ (not tests): their figures go
#          to $BED_BENCH_OUT/bed-results.json (default build/bench) with
#          a human line each (tests/bed/bench-report.sh)
# Environment:
#   BED_CACHE       downloads and extracted packages
#                   (default /var/cache/xenvgpu-bed, or ~/.cache/... )
#   BED_OUT         images and logs (default build/bed)
#   BED_CPU         QEMU CPU model (default qemu64; see below)
#   BED_ACCEL       tcg (default) or kvm (only when asked: it does not
#                   work on nested-virtualisation hosts)
#   BED_FAIL=1      domUs run their suites with one deliberate failure
#   BED_KILL_DOMU=S xl destroy the domU while suite S runs
#   BED_KILL_DELAY=N     ... N seconds after S started (default 1)
#   BED_XTEST_TIMEOUT=N  the suites' peer timeout (XV_XTEST_TIMEOUT)
#   BED_ONLY="A B"       run only the scenarios named (default: all)
#   BED_BOOT_TIMEOUT=N   seconds allowed for Xen + dom0 to come up (240)
set -euo pipefail
mode=${1:?usage: bed.sh check|run|bench PROGRAM...}
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ -z "${BED_CACHE:-}" ]; then
	if [ -w /var/cache ]; then
		BED_CACHE=/var/cache/xenvgpu-bed
	else
		BED_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/xenvgpu-bed
	fi
fi
out=${BED_OUT:-$top/build/bed}
logs=$out/logs
accel=${BED_ACCEL:-tcg}
cpu=${BED_CPU:-qemu64}
boot_timeout=${BED_BOOT_TIMEOUT:-240}
t0=$(date +%s)

say() { echo "bed: $*"; }
elapsed() { echo "$(($(date +%s) - t0))s"; }

case $mode in
check) scen=scenarios ;;
run) scen=run ;;
bench) scen=bench ;;
*) echo "usage: bed.sh check|run|bench PROGRAM..." >&2; exit 2 ;;
esac

qpid=""
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		sleep 1
		kill -9 "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	qpid=""
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ---- host tools, Xen and the kernel -----------------------------------------
say "installing host tools; fetching Xen 4.17 and the kernel (cached in $BED_CACHE)"
mkdir -p "$BED_CACHE"
xentree=$("$here/fetch.sh" "$BED_CACHE")

say "building images ($(elapsed))"
img=$("$here/mkimages.sh" "$xentree" "$out/img" "$@")

# ---- boot ------------------------------------------------------------------
rm -rf "$logs"
mkdir -p "$logs/frames"
serial=$logs/serial.log   # Xen and dom0 console (com1)
results=$logs/results.log # dom0's result frames (com2)
: >"$serial"
: >"$results"

dom0_args="console=hvc0 earlyprintk=xen loglevel=4 xvbed_scenarios=$scen"
[ "${BED_FAIL:-0}" = 1 ] && dom0_args+=" xvbed_fail=1"
[ -n "${BED_KILL_DOMU:-}" ] && dom0_args+=" xvbed_kill=$BED_KILL_DOMU"
[ -n "${BED_KILL_DELAY:-}" ] && dom0_args+=" xvbed_kill_delay=$BED_KILL_DELAY"
[ -n "${BED_XTEST_TIMEOUT:-}" ] &&
	dom0_args+=" xvbed_xtest_timeout=$BED_XTEST_TIMEOUT"
# a +-separated list on the kernel command line (no spaces there, and
# commas cannot pass through -initrd)
[ -n "${BED_ONLY:-}" ] && dom0_args+=" xvbed_only=$(echo $BED_ONLY | tr ' ' +)"
case $dom0_args$img in *,*)
	echo "bed: commas cannot pass through QEMU's -initrd" >&2; exit 2 ;;
esac
# The CPU model is plain qemu64: under -cpu max, programs in dom0 and domU
# crashed now and then with corrupted TLS/heap (busybox segfaulting on an
# %fs-relative load, "malloc(): corrupted top size") even with the lab
# notes' invpcid=0. smap=0: with -cpu max dom0 dies at once otherwise.
xen_args="console=com1 com1=115200,8n1 serial_tx_buffer=256k"
xen_args+=" dom0_mem=768M,max:768M dom0_max_vcpus=2 smap=0 smep=0 invpcid=0"
xen_args+=" loglvl=all guest_loglvl=all"
case $accel in
tcg) accel_opt="tcg,thread=multi" ;;
kvm) accel_opt=kvm ;;
*) echo "bed: BED_ACCEL must be tcg or kvm" >&2; exit 2 ;;
esac

load0=$(cut -d' ' -f1-3 /proc/loadavg)
say "booting Xen in QEMU ($accel, 2 vCPUs) ($(elapsed))"
qemu-system-x86_64 -M pc -accel "$accel_opt" -cpu "$cpu" -smp 2 -m 2048 \
	-nographic -no-reboot -nodefaults -monitor none -display none \
	-serial "file:$serial" -serial "file:$results" \
	-kernel "$img/xen.elf" -append "$xen_args" \
	-initrd "$img/vmlinux $dom0_args,$img/dom0.cpio" \
	>"$logs/qemu.log" 2>&1 </dev/null &
qpid=$!

# ---- follow progress -------------------------------------------------------
stage="booting Xen and dom0"
deadline=$(($(date +%s) + boot_timeout))
seen=0
timed_out=""
# Print the progress lines dom0 wrote since the last call; move the
# current stage's deadline.
follow() {
	local n line t
	n=$(wc -l <"$serial")
	[ "$n" -gt "$seen" ] || return 0
	while IFS= read -r line; do
		# dom0's console ends lines with "\r\r\n": drop every \r, or a
		# scenario's "timeout=900" reads as "900\r" and falls back to 300.
		line=${line//$'\r'/}
		# Drop the dom0 uptime stamp: "XVBED-STAGE @12.34 text".
		[[ $line =~ ^XVBED-STAGE\ @[0-9.]+\ (.*)$ ]] &&
			line="XVBED-STAGE ${BASH_REMATCH[1]}"
		case $line in
		XVBED-STAGE\ scenario\ *timeout=*)
			stage=${line#XVBED-STAGE }
			t=${line##*timeout=}
			[[ $t =~ ^[0-9]+$ ]] || t=300
			deadline=$(($(date +%s) + t + 60))
			say "$stage ($(elapsed))"
			;;
		XVBED-STAGE\ done*)
			stage=${line#XVBED-STAGE }
			deadline=$(($(date +%s) + 120))
			say "$stage ($(elapsed))"
			;;
		XVBED-STAGE\ *)
			stage=${line#XVBED-STAGE }
			case $stage in dom0*)
				deadline=$(($(date +%s) + 120)) ;;
			esac
			say "$stage ($(elapsed))"
			;;
		XVBED-NOTE\ * | XVBED-FAIL\ *)
			say "${line#XVBED-}" ;;
		esac
	done < <(sed -n "$((seen + 1)),${n}p" "$serial")
	seen=$n
}
while kill -0 "$qpid" 2>/dev/null; do
	follow
	if [ "$(date +%s)" -ge "$deadline" ]; then
		timed_out=$stage
		break
	fi
	sleep 1
done
follow
if [ -n "$timed_out" ]; then
	say "TIMEOUT: stage '$timed_out' hung; killing QEMU ($(elapsed))"
	cleanup
else
	wait "$qpid" 2>/dev/null || true
	qpid=""
fi
t_boot=$(elapsed)

# ---- check the frames --------------------------------------------------------
fdir=$logs/frames
tr -d '\r' <"$results" | LC_ALL=C awk -v dir="$fdir" '
function fname(s) { gsub(/[^A-Za-z0-9._-]/, "_", s); return s }
/^@@XVBED-BEGIN / {
	if (open) print "unterminated " name
	name = $2; file = dir "/" fname(name); open = 1; printf "" > file
	next
}
/^@@XVBED-END / {
	if (!open || $2 != name) { print "stray " $2; open = 0; next }
	close(file); open = 0
	print "frame " name " " file " " $3 " " $4 " " $5
	next
}
open { print > file }
END { if (open) print "unterminated " name }
' >"$logs/manifest"

fail=0
bad() { say "FAIL: $*"; fail=1; }
pass_n=0
fail_n=0
declare -A frame_rc=()
suite_frames=()
failed_files=()
while read -r kind name file rc lines md5; do
	case $kind in
	unterminated) bad "result frame '$name' cut off (lost on the way)"; continue ;;
	stray) bad "result frame end '$name' without its beginning"; continue ;;
	esac
	rc=${rc#rc=}; lines=${lines#lines=}; md5=${md5#md5=}
	if [ "$(md5sum <"$file" | cut -d' ' -f1)" != "$md5" ] ||
		[ "$(wc -l <"$file")" != "$lines" ]; then
		bad "result frame '$name' garbled (checksum mismatch)"
		continue
	fi
	frame_rc[$name]=$rc
	case $name in suite:*) suite_frames+=("$name:$file") ;; esac
done <"$logs/manifest"

# Readable copies of the logs that came back.
for f in "$fdir"/*; do
	[ -f "$f" ] || continue
	case $(basename "$f") in
	console_*) cp "$f" "$logs/domu-$(basename "$f" | cut -d_ -f2-).log" ;;
	log_dom0-dmesg) cp "$f" "$logs/dom0-dmesg.log" ;;
	log_xen-dmesg) cp "$f" "$logs/xen-dmesg.log" ;;
	esac
done

# "N run, N failed" from one side's CUnit summary, else its exit code.
summary() { # file side
	awk -v side="$2" '
	NR == 2 { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	/^---- dom0 side/ { s = "dom0" } /^---- domU side/ { s = "domU" }
	s == side && /^ *tests / { r = $3 " run, " $5 " failed" }
	END {
		rc = v[side == "dom0" ? "dom0_rc" : "domu_rc"]
		print (r != "" ? r : rc == "none" ? "did not run" : "exit " rc)
	}' "$1"
}
for sf in "${suite_frames[@]}"; do
	name=${sf%:*}
	file=${sf##*:}
	name=${name#suite:}
	status=$(sed -n 's/.*status=\([^ ]*\).*/\1/p' "$file" | head -1)
	if [ "${frame_rc[suite:$name]}" = 0 ]; then
		verdict=PASS
		pass_n=$((pass_n + 1))
	else
		verdict=FAIL
		fail_n=$((fail_n + 1))
		fail=1
	fi
	extra=""
	[ "$status" = ok ] || extra=" [$status]"
	printf 'bed       %-28s %-5s dom0: %s; domU: %s%s\n' "$name" \
		"$verdict" "$(summary "$file" dom0)" "$(summary "$file" domU)" \
		"$extra"
	cp "$file" "$logs/suite-${name//\//-}.log"
	[ $verdict = PASS ] || failed_files+=("$name:$file")
done
for ff in "${failed_files[@]}"; do
	echo "---- bed/${ff%%:*}: what both sides said"
	grep -avE '^$|CUnit - A unit testing|cunit.sourceforge|^Elapsed time' \
		"${ff#*:}" | sed 's/^/    /'
done

# The closing frame: all scenarios ran and no suite frame went missing.
if [ -z "${frame_rc[done]+x}" ]; then
	bad "dom0 never sent its closing frame: the run was cut short" \
		"(last stage: $stage)"
else
	want=$(sed -n 's/^suites=\([0-9]*\).*/\1/p' "$fdir/done")
	[ "$want" = "${#suite_frames[@]}" ] ||
		bad "dom0 sent $want suite results, $((${#suite_frames[@]})) arrived intact"
	grep -q aborted=1 "$fdir/done" && bad "dom0 aborted the run"
fi
[ -f "$fdir/notes" ] && sed 's/^/bed: note: /' "$fdir/notes"

# Crashes anywhere: Xen, dom0 kernel and programs, domU kernels.
crash_re='Panic on CPU|Kernel panic|Oops[:]|BUG: |general protection fault|segfault at|Aborted|Segmentation fault|domain_crash|crashed while'
# xl's own crash during xl create is the one known TCG flake: the runner
# retried it and said so in the notes; it is not held against the run.
flake_re='^$'
grep -qs 'known TCG flake' "$fdir/notes" && flake_re=' xl\[[0-9]+\]: '
for f in "$serial" "$fdir"/log_* "$fdir"/console_*; do
	[ -f "$f" ] || continue
	if hit=$(tr -d '\r' <"$f" | grep -avE "$flake_re" |
		grep -aE -m1 "$crash_re"); then
		bad "crash in $(basename "$f"): $hit"
	fi
done
grep -qs 'crashed' "$fdir/notes" && bad "a domain crashed (see notes)"

if [ -n "$timed_out" ]; then
	bad "timeout: stage '$timed_out' made no progress"
fi

if [ "$mode" = run ]; then
	for sf in "${suite_frames[@]}"; do
		echo "==== ${sf%:*}"
		cat "${sf##*:}"
	done
fi
say "logs in ${logs#$top/} (serial.log: Xen + dom0 console; domu-*.log," \
	"dom0-dmesg.log, xen-dmesg.log, suite-*.log); QEMU ran $t_boot"
if [ ${#suite_frames[@]} -eq 0 ]; then
	bad "no suite ran"
fi
if [ "$mode" = bench ]; then
	# QEMU shares the host: its load says how much the figures may move
	say "host load average: $load0 at boot, $(cut -d' ' -f1-3 /proc/loadavg) now"
	"$here/bench-report.sh" "${BED_BENCH_OUT:-$top/build/bench}" \
		"$logs"/suite-*-figures.log || bad "no benchmark figures"
fi
echo "bed: $pass_n passed, $fail_n failed"
exit $fail
