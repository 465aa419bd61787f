# Issue 5's benchmarks on the bed (make bench-bed; bed.sh bench). Not
# tests: only a program that fails or a result that is wrong counts
# against the run. Everything below runs in ONE boot, so each figure has
# its baseline from the same machine state:
#  0. what granted pages cost the engine, with no guest: bench-gpu-direct
#     --copy-mem runs the direct COPY on dom0's own pages and on pages
#     dom0 granted to itself and mapped back through gntdev (the way
#     xenvgpud reaches a guest's), with the source and destination pages
#     16 MiB apart in that mapping or one page more, BV_MEM_PAIRS pairs,
#     alternating;
#  1. xenvgpud as in production; a domU (profile medium) runs vgbench.
#     Throughput: bench-gpu-direct --pairs in dom0 (the reference GPU
#     with the same shadow walk, GPU TLB and IOMMU model, driven by a
#     program: no ring, no grants) conducts BV_PAIRS pairs a case (COPY
#     16 MiB, SAXPY 4 Mi, MATMUL 256) of its own measurement and the
#     guest's same submissions through its vGPU, in alternating order,
#     both sides blocked on xenstore watches while the other measures;
#  2. then, in the same guest, the grant window (dom0 counts the
#     daemon's gntdev ioctls with strace attached for just that window,
#     and reads the daemon's own counters around it), then the
#     submission round trip with and without notification hold-off;
#  3. xenvgpud --no-pin-cache (every request maps and unmaps its grants):
#     a second domU runs only the grant window, counted the same way.
# The frame suite:30-vgpu/figures holds the lines the host turns into
# build/bench/bed-results.json (tests/bed/bench-report.sh).
scenario_begin 1500

. /xv/vgpu-lib.sh

BV_FIG=/run/res/$SCEN.figures
BV_FAILED=0
CTL=/xv/bin/xenvgpu-ctl
: >"$BV_FIG"

bv_say() { echo "$*" >>"$BV_FIG"; }
bv_fail() {
	bv_say "FAIL $*"
	BV_FAILED=$((BV_FAILED + 1))
}

# bv_pairs NAME: the throughput pairs. Once the guest has its buffers
# mapped, bench-gpu-direct conducts: per case BV_PAIRS pairs of a direct
# measurement in dom0 and the guest's through its vGPU, the order
# alternating (direct first, then vGPU first) so that a drift of the
# machine's speed (other QEMUs on the same host cores, Xen scrubbing)
# cancels out; the host reports the median of the per-pair ratios and
# their spread (tests/bed/bench-report.sh). While it runs, nothing else
# in dom0 polls: this shell waits for it.
BV_PAIRS=11
bv_pairs() {
	local d=/local/domain/$BV_ID/data/vgbench f=/run/res/$SCEN.pairs
	if ! bv_quiet 600 sh -c "xenstore-read $d/e2e-ready || ! xenstore-read /local/domain/$BV_ID/name" ||
		! xenstore-read "$d/e2e-ready" >/dev/null 2>&1; then
		bv_fail "$1 never mapped its buffers"
		return 1
	fi
	stage "bench: $BV_PAIRS pairs a case: direct in dom0 and $1 through its vGPU"
	timeout 1200 /xv/bin/bench-gpu-direct --pairs "$BV_PAIRS" \
		--domid "$BV_ID" --daemon-pid "$BV_PID" >"$f" 2>&1 ||
		bv_fail "bench-gpu-direct --pairs exited $?"
	grep '^XVBENCH ' "$f" >>"$BV_FIG"
	grep -v '^XVBENCH ' "$f" | sed 's/^/# /' >>"$BV_FIG"
}

# bv_daemon LOG [OPTION...]: start xenvgpud, wait until it serves.
bv_daemon() {
	local log=$1
	shift
	/xv/bin/xenvgpud -F "$@" >>"$log" 2>&1 &
	BV_PID=$!
	vg_until 60 grep -q "serving vgpu" "$log" || bv_fail "xenvgpud $* did not start"
}
bv_daemon_stop() {
	kill -TERM "$BV_PID" 2>/dev/null
	wait "$BV_PID" || bv_fail "xenvgpud did not stop cleanly"
}

# bv_guest NAME MODE: a domU with a medium vGPU running vgbench in MODE;
# 256 MiB: 32 MiB of granted buffers and a 16 MiB reference copy do not
# fit beside the kernel and initramfs in the usual 128.
bv_guest() {
	local cfg=/run/$1.cfg id
	sed -e "s|@NAME@|$1|g" -e "s|@EXTRA@|xvtest=vgbench|g" \
		-e "s|profile=small|profile=medium|" \
		-e "s|^memory = .*|memory = 256|" /xv/vgpu-domu.cfg.in >"$cfg"
	stage "bench: creating $1 ($2)"
	$CTL create "$cfg" >>"$BV_FIG.ctl" 2>&1 || {
		bv_fail "xenvgpu-ctl create $cfg"
		return 1
	}
	id=$(xl domid "$1")
	BV_ID=$id
	vg_until 120 grep -q '^XVTEST-UP' "/var/log/xen/console/guest-$1.log" || {
		bv_fail "$1 did not come up"
		return 1
	}
	# The guest's console on dom0's, so the host log shows its progress.
	tail -f "/var/log/xen/console/guest-$1.log" >/dev/console 2>&1 &
	BV_TAIL=$!
	xenstore-write "/local/domain/$id/data/vgbench/mode" "$2"
	xenstore-write "/local/domain/$id/xvtest/go" "1:vgbench" &&
		xenstore-chmod "/local/domain/$id/xvtest" n0 "r$id"
}

# While the guest measures, dom0 must stay quiet: these waits poll every
# 2 s with cheap commands only (no xl: one `xl list` costs dom0 more CPU
# under TCG than a whole vGPU round trip, and the GPU engines run here).
bv_quiet() {
	local s=$1
	shift
	vg_retry $((s / 2)) 2 "$@"
}
bv_ended() { # NAME: its vgbench ended, or the domain is gone
	grep -q '^XVTEST-END vgbench rc=' "/var/log/xen/console/guest-$1.log" ||
		! xenstore-read "/local/domain/$BV_ID/name"
}
bv_ready_or_ended() { xenstore-read "$2/ready" || bv_ended "$1"; }

# bv_window NAME LABEL: count the grant operations of the guest's steady
# window from outside the daemon (strace on its gntdev ioctls) and by the
# daemon's own counters (its status file, rewritten every 2 s).
bv_window() {
	local id=$BV_ID d=/local/domain/$BV_ID/data/vgbench st=/run/strace.$2
	local m0 u0 s0 m1 u1 s1 spid sm su
	if ! bv_quiet 600 bv_ready_or_ended "$1" "$d"; then
		bv_fail "$1 never reached its grant window"
		return 1
	fi
	if ! xenstore-read "$d/ready" >/dev/null 2>&1; then
		bv_fail "$1 never reached its grant window"
		return 1
	fi
	stage "bench: grant window of $1 ($2)"
	sleep 3 # the guest is idle: let the status file catch up
	m0=$(vg_stat "$id" grant-map-calls)
	u0=$(vg_stat "$id" grant-unmap-calls)
	s0=$(vg_stat "$id" submits)
	# -f -p: every thread of the daemon (the vGPU's ring worker maps).
	/usr/bin/strace -f -e trace=ioctl -o "$st" -p "$BV_PID" 2>"$st.err" &
	spid=$!
	vg_until 30 grep -q attached "$st.err" || bv_fail "strace did not attach"
	xenstore-write "$d/go" 1
	bv_quiet 900 sh -c "xenstore-read $d/done || ! xenstore-read /local/domain/$id/name" ||
		bv_fail "$1 never finished its window"
	kill -INT "$spid" 2>/dev/null
	wait "$spid"
	sleep 3
	m1=$(vg_stat "$id" grant-map-calls)
	u1=$(vg_stat "$id" grant-unmap-calls)
	s1=$(vg_stat "$id" submits)
	xenstore-write "$d/counted" 1
	sm=$(grep -c 'IOCTL_GNTDEV_MAP_GRANT_REF' "$st")
	su=$(grep -c 'IOCTL_GNTDEV_UNMAP_GRANT_REF' "$st")
	bv_say "XVBENCH grants $2 submits=$((s1 - s0)) strace_map=$sm strace_unmap=$su daemon_map=$((m1 - m0)) daemon_unmap=$((u1 - u0)) window=$(xenstore-read "$d/done")"
	bv_say "# strace: $(wc -l <"$st") ioctl lines; $(tr '\n' ' ' <"$st.err")"
}

# bv_result NAME: the guest's output as one suite frame (named after the
# guest, as run/20-vgpu-demo.sh does), its figures, then destroy it.
bv_result() {
	local log=/var/log/xen/console/guest-$1.log endl rcu rc=1
	local f=/run/res/$SCEN.vgbench-$1
	bv_quiet 600 bv_ended "$1"
	kill "$BV_TAIL" 2>/dev/null
	endl=$(tr -d '\r' <"$log" | grep "^XVTEST-END vgbench rc=" | head -1)
	rcu=$(echo "$endl" | sed -n 's/.* rc=\([0-9]*\).*/\1/p')
	[ "$rcu" = 0 ] && rc=0
	{
		echo "scenario=$SCEN domu=$1 domid=$(xl domid "$1" 2>/dev/null)"
		echo "status=$([ -n "$rcu" ] && echo ok || echo timeout) dom0_rc=0 domu_rc=${rcu:-none}"
		echo "---- domU side: vgbench"
		tr -d '\r' <"$log" |
			sed -n '/^XVTEST-BEGIN vgbench$/,/^XVTEST-END vgbench /p'
	} >"$f"
	BED_SUITES=$((BED_SUITES + 1))
	[ $rc -eq 0 ] || BED_FAILED=$((BED_FAILED + 1))
	emit "suite:$SCEN/vgbench@$1" $rc "$f"
	tr -d '\r' <"$log" | grep '^XVBENCH ' >>"$BV_FIG"
	tr -d '\r' <"$log" | grep '^{' | sed 's/^/XVBENCH json /' >>"$BV_FIG"
	DOMU=$1
	domu_destroy
}

# bv_gntmem: step 0 above. gntalloc's limit (1024 pages) is raised for
# the 32 MiB of buffers and put back after.
BV_MEM_PAIRS=4
bv_gntmem() {
	local lim=/sys/module/xen_gntalloc/parameters/limit f=/run/res/$SCEN.gntmem
	local old i a m
	old=$(cat "$lim" 2>/dev/null)
	echo 20000 >"$lim" 2>/dev/null || bv_fail "cannot raise gntalloc's limit"
	stage "bench: direct COPY on own vs self-granted pages, $BV_MEM_PAIRS pairs"
	i=1
	while [ $i -le $BV_MEM_PAIRS ]; do
		a="own gnt gnt-skew"
		[ $((i % 2)) = 1 ] || a="gnt-skew gnt own"
		for m in $a; do
			timeout 300 /xv/bin/bench-gpu-direct --copy-mem $m >"$f" 2>&1 ||
				bv_fail "bench-gpu-direct --copy-mem $m exited $?"
			grep '^XVBENCH ' "$f" | sed "s/\$/ pair=$i/" >>"$BV_FIG"
			grep -v '^XVBENCH ' "$f" | sed 's/^/# /' >>"$BV_FIG"
		done
		i=$((i + 1))
	done
	[ -z "$old" ] || echo "$old" >"$lim"
}

# ---- 1. granted pages, no guest --------------------------------------------
bv_gntmem

# ---- 2. the vGPU as in production ------------------------------------------
bv_daemon /run/res/xenvgpud-bench.log -v
if bv_guest bv1 full; then
	bv_pairs bv1
	bv_window bv1 pin_cache
	bv_result bv1
fi
bv_daemon_stop

# ---- 3. the per-request map/unmap baseline ---------------------------------
bv_daemon /run/res/xenvgpud-bench-nocache.log --no-pin-cache
if bv_guest bv2 grants; then
	bv_window bv2 no_pin_cache
	bv_result bv2
fi
bv_daemon_stop
emit "log:$SCEN.xenvgpud" 0 /run/res/xenvgpud-bench.log
emit "log:$SCEN.xenvgpud-nocache" 0 /run/res/xenvgpud-bench-nocache.log

DOMU=""
DOMID=""
DOMU_LOG=/dev/null
cp "$BV_FIG" "/run/res/$SCEN.figures.dom0"
suite_result figures ok "$BV_FAILED" 0 "/run/res/$SCEN.figures.dom0"
