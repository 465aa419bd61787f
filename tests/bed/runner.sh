# The bed's dom0 runner (sourced by dom0's /init): small functions that
# scenario files (scenarios/NN-name.sh, sourced in order) call, and the
# framing of results for the host.
#
# Results channel: every result is a frame
#   @@XVBED-BEGIN <name>
#   <content lines>
#   @@XVBED-END <name> rc=<n> lines=<n> md5=<md5 of content>
# written to the second serial port (/dev/ttyS1, driven only by dom0, so
# Xen's console cannot drop or interleave characters); if that port is
# missing, to the console. The host checks every frame; the last frame,
# "done", carries the number of suite frames sent, so a truncated run is
# detected. A lost or garbled frame is a failure.
#
# Knobs (dom0 kernel command line, set by the host): xvbed_fail=1 makes
# domUs run with xvtest_fail=1; xvbed_kill=<suite> destroys the domU
# xvbed_kill_delay seconds (default 1) after that suite started (0: right
# after its dom0 side started, before the domU side is told to go).

BED_SUITES=0        # suite frames emitted
BED_FAILED=0        # suites that did not pass
BED_NOTES=/run/bed-notes
BED_KILL=""
BED_KILL_DELAY=1
BED_FAIL=""
BED_XTEST_TIMEOUT=""
BED_SCEN_DIR=scenarios
BED_ONLY=""          # ,name,name, : only these scenarios (empty: all)
SCEN=""             # current scenario
SCEN_DEADLINE=0     # uptime (s) at which the current scenario times out
DOMU=""             # name of the current domU ("" when none)
DOMU_UP=""          # 1 once its init said it is up
DOMID=""
DOMU_LOG=""         # its console log (xenconsoled --log=guest)
DOMU_SUITES=""      # suites its command line names, in order
DOMU_NEXT=0         # how many of them were started

for arg in $(cat /proc/cmdline); do
	case $arg in
	xvbed_kill=*) BED_KILL=${arg#xvbed_kill=} ;;
	xvbed_kill_delay=*) BED_KILL_DELAY=${arg#xvbed_kill_delay=} ;;
	xvbed_fail=1) BED_FAIL=1 ;;
	xvbed_xtest_timeout=*) BED_XTEST_TIMEOUT=${arg#xvbed_xtest_timeout=} ;;
	xvbed_scenarios=*) BED_SCEN_DIR=${arg#xvbed_scenarios=} ;;
	xvbed_only=*) BED_ONLY=,$(echo "${arg#xvbed_only=}" | tr + ,), ;;
	esac
done

[ -n "$BED_XTEST_TIMEOUT" ] && export XV_XTEST_TIMEOUT=$BED_XTEST_TIMEOUT

RES=/dev/console
if [ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null &&
	printf '@@XVBED-CHANNEL\n' >/dev/ttyS1 2>/dev/null; then
	RES=/dev/ttyS1
fi
mkdir -p /run/res
: >"$BED_NOTES"

uptime_s() { cut -d. -f1 /proc/uptime; }
# Progress lines carry dom0's uptime, so the host's logs show where time goes.
stage() { echo "XVBED-STAGE @$(cut -d' ' -f1 /proc/uptime) $*"; }
note() {
	echo "XVBED-NOTE $*"
	echo "$SCEN: $*" >>"$BED_NOTES"
}

# emit NAME RC FILE: send FILE as one checksummed frame.
emit() {
	local f=$3 lines md5
	tr -d '\r' <"$f" >"$f.tx"
	# Frames hold whole lines: end the content with a newline.
	if [ -s "$f.tx" ] && [ -n "$(tail -c 1 "$f.tx")" ]; then
		echo >>"$f.tx"
	fi
	lines=$(wc -l <"$f.tx")
	md5=$(md5sum <"$f.tx" | cut -d' ' -f1)
	{
		echo "@@XVBED-BEGIN $1"
		cat "$f.tx"
		echo "@@XVBED-END $1 rc=$2 lines=$lines md5=$md5"
	} >"$RES"
	rm -f "$f.tx"
}

# scenario_begin TIMEOUT: start the current scenario's clock; the host
# allows the same time (plus a margin) before it declares the stage hung.
scenario_begin() {
	SCEN_DEADLINE=$(($(uptime_s) + $1))
	stage "scenario $SCEN timeout=$1"
}

remaining() {
	local r=$((SCEN_DEADLINE - $(uptime_s)))
	[ $r -gt 0 ] || r=1
	echo $r
}

domu_state() { # prints: gone, crashed, dying or running
	local st
	st=$(xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }')
	case $st in
	"") echo gone ;;
	*c*) echo crashed ;;
	*d*) echo dying ;;
	*) echo running ;;
	esac
}

# domu_create NAME SUITES [TEMPLATE] [EXTRA...]: create a PV domU with xl
# from an ordinary xl config (TEMPLATE, default /xv/domu.cfg.in) whose
# command line asks it to run SUITES (comma-separated); wait until its
# init says it is up. xl's own process crashing during create is a known
# TCG flake: retried once, and said so. Returns non-zero on failure.
domu_create() {
	local name=$1 suites=$2 tmpl=${3:-/xv/domu.cfg.in} cfg extra try rc
	shift 2
	[ $# -gt 0 ] && shift
	extra="xvtest=$suites $*"
	[ -n "$BED_FAIL" ] && extra="$extra xvtest_fail=1"
	[ -n "$BED_XTEST_TIMEOUT" ] &&
		extra="$extra xvtest_timeout=$BED_XTEST_TIMEOUT"
	cfg=/run/$name.cfg
	sed -e "s|@NAME@|$name|g" -e "s|@EXTRA@|$extra|g" "$tmpl" >"$cfg"
	DOMU=$name
	DOMU_UP=""
	DOMID=""
	DOMU_SUITES=$(echo "$suites" | tr , ' ')
	DOMU_NEXT=0
	DOMU_LOG=/var/log/xen/console/guest-$name.log
	stage "creating domU $name ($suites)"
	for try in 1 2; do
		# An inner shell, so that its "Segmentation fault" lands in the
		# log file, not on the console.
		sh -c 'xl create "$1"; exit $?' sh "$cfg" \
			>"/run/res/$SCEN.xl-create.$try" 2>&1
		rc=$?
		[ $rc -eq 0 ] && break
		xl destroy "$name" >/dev/null 2>&1
		if [ $try -eq 1 ] && [ $rc -gt 128 ]; then
			note "xl create crashed (signal $((rc - 128)), the known" \
				"TCG flake): retried once"
			continue
		fi
		note "xl create $name failed (rc=$rc)"
		emit "log:$SCEN.xl-create" $rc "/run/res/$SCEN.xl-create.$try"
		DOMU=""
		return 1
	done
	DOMID=$(xl domid "$name" 2>/dev/null)
	stage "domU $name created (domid $DOMID), waiting for its init"
	while ! grep -q '^XVTEST-UP' "$DOMU_LOG" 2>/dev/null; do
		if [ "$(domu_state "$name")" != running ]; then
			note "domU $name $(domu_state "$name") while booting"
			return 1
		fi
		if [ "$(remaining)" -le 1 ]; then
			note "timeout: domU $name did not come up"
			return 1
		fi
		sleep 0.5
	done
	xenstore-write "/local/domain/$DOMID/xvtest/go" "0:" &&
		xenstore-chmod "/local/domain/$DOMID/xvtest" n0 "r$DOMID" ||
		note "cannot write xvtest/go for $name"
	DOMU_UP=1
	stage "domU $name up (domid $DOMID)"
}

# suite_result SUITE STATUS DOM0RC DOMURC OUT0: one frame per suite.
suite_result() {
	local s=$1 status=$2 rc0=$3 rcu=$4 out0=$5 f=/run/res/$SCEN.$1 rc=1
	[ "$status" = ok ] && [ "$rc0" = 0 ] && [ "$rcu" = 0 ] && rc=0
	{
		echo "scenario=$SCEN domu=$DOMU domid=$DOMID"
		echo "status=$status dom0_rc=$rc0 domu_rc=$rcu"
		echo "---- dom0 side: $s-dom0 $DOMID"
		[ -f "$out0" ] && cat "$out0"
		echo "---- domU side: $s-domu"
		[ -f "$DOMU_LOG" ] && tr -d '\r' <"$DOMU_LOG" |
			sed -n "/^XVTEST-BEGIN $s\$/,/^XVTEST-END $s /p"
	} >"$f"
	BED_SUITES=$((BED_SUITES + 1))
	[ $rc -eq 0 ] || BED_FAILED=$((BED_FAILED + 1))
	emit "suite:$SCEN/$s" $rc "$f"
}

# run_suites [SUITE...]: run the next suites of the current domU's list
# (all remaining ones by default): the dom0 side here as
# `<suite>-dom0 <domid>`, the domU side started by writing xvtest/go.
run_suites() {
	local s want rc0 rcu status pid out0 endl t
	want=$*
	[ -n "$want" ] || want=$(echo "$DOMU_SUITES" |
		awk -v n="$DOMU_NEXT" '{ for (i = n + 1; i <= NF; i++) print $i }')
	for s in $want; do
		out0=/run/res/$SCEN.$s.dom0
		: >"$out0"
		rcu=none
		rc0=none
		if [ -z "$DOMU" ] || [ -z "$DOMU_UP" ]; then
			suite_result "$s" domu-not-up none none "$out0"
			continue
		fi
		if [ -z "$DOMID" ]; then
			suite_result "$s" domu-gone-earlier none none "$out0"
			continue
		fi
		DOMU_NEXT=$((DOMU_NEXT + 1))
		stage "suite $s running ($SCEN, domU $DOMU)"
		if [ ! -x "/xv/bin/$s-dom0" ]; then
			echo "no program /xv/bin/$s-dom0 in the dom0 image" >"$out0"
			status=missing-program
		else
			status=ok
		fi
		t=$(remaining)
		if [ $status = ok ]; then
			timeout "$t" "/xv/bin/$s-dom0" "$DOMID" >"$out0" 2>&1 &
			pid=$!
		else
			pid=""
		fi
		# Kill knob with delay 0: before the domU side even starts.
		if [ "$BED_KILL" = "$s" ] && [ "$BED_KILL_DELAY" = 0 ]; then
			note "killing domU $DOMU during suite $s (knob, before its go)"
			xl destroy "$DOMU"
		fi
		xenstore-write "/local/domain/$DOMID/xvtest/go" "$DOMU_NEXT:$s" \
			2>/dev/null
		if [ "$BED_KILL" = "$s" ] && [ "$BED_KILL_DELAY" != 0 ]; then
			sleep "$BED_KILL_DELAY"
			if tr -d '\r' <"$DOMU_LOG" | grep -q "^XVTEST-END $s rc="; then
				note "domU $DOMU finished $s before the kill"
			else
				note "killing domU $DOMU during suite $s (knob)"
				xl destroy "$DOMU"
			fi
		fi
		# Wait for the domU side to finish, the domU to die, or time.
		while :; do
			endl=$(tr -d '\r' <"$DOMU_LOG" 2>/dev/null |
				grep "^XVTEST-END $s rc=" | head -1)
			if [ -n "$endl" ]; then
				rcu=$(echo "$endl" | sed 's/.* rc=\([0-9]*\).*/\1/')
				break
			fi
			case $(domu_state "$DOMU") in
			running) ;;
			*)
				status="domu-$(domu_state "$DOMU")-mid-suite"
				break
				;;
			esac
			if [ "$(remaining)" -le 1 ]; then
				status=timeout
				break
			fi
			sleep 0.5
		done
		if [ -n "$pid" ]; then
			wait "$pid"
			rc0=$?
			[ $rc0 -eq 124 ] && [ $status = ok ] && status=dom0-timeout
		fi
		case $status in
		ok | missing-program | dom0-timeout) ;;
		*) note "suite $s: $status (domU $DOMU)" ;;
		esac
		suite_result "$s" "$status" "$rc0" "$rcu" "$out0"
		if [ "$(domu_state "$DOMU")" != running ]; then
			DOMID=""
		fi
	done
}

# domu_destroy: destroy the current domU, send its console log, and check
# that no dying domain lingers (one would mean dom0 still maps its pages).
domu_destroy() {
	local name=$DOMU n=0
	[ -n "$name" ] || return 0
	xl destroy "$name" >/dev/null 2>&1
	while xl list | awk 'NR > 1 && $2 != 0 { f = 1 } END { exit !f }'; do
		n=$((n + 1))
		if [ $n -ge 20 ]; then
			note "a domain lingers after xl destroy $name:" \
				"$(xl list | awk 'NR > 1 && $2 != 0' | tr '\n' ' ')"
			break
		fi
		sleep 0.5
	done
	[ -f "$DOMU_LOG" ] && emit "console:$name" 0 "$DOMU_LOG"
	DOMU=""
	DOMID=""
}

bed_run_scenarios() {
	local f
	for f in /xv/$BED_SCEN_DIR/*.sh; do
		SCEN=$(basename "$f" .sh)
		case $BED_ONLY in
		"" | *",$SCEN,"*) ;;
		*) continue ;; # BED_ONLY names others
		esac
		SCEN_DEADLINE=$(($(uptime_s) + 300))
		. "$f"
		# A scenario that forgot: never leave a domU behind.
		domu_destroy
	done
	SCEN=end
}

# Hand the host dom0's and Xen's logs, the notes, then the closing frame.
bed_send_logs() {
	dmesg >/run/res/dmesg 2>&1
	emit "log:dom0-dmesg" 0 /run/res/dmesg
	xl dmesg >/run/res/xl-dmesg 2>&1
	emit "log:xen-dmesg" 0 /run/res/xl-dmesg
	[ -s "$BED_NOTES" ] && emit notes 0 "$BED_NOTES"
}

bed_finish() {
	bed_send_logs
	echo "suites=$BED_SUITES failed=$BED_FAILED" >/run/res/done
	emit done "$BED_FAILED" /run/res/done
	stage "done: $BED_SUITES suites, $BED_FAILED failed"
}

bed_abort() {
	note "aborted: $*"
	bed_send_logs
	echo "suites=$BED_SUITES failed=$BED_FAILED aborted=1" >/run/res/done
	emit done 1 /run/res/done
}
