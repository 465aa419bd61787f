# The main job (make run): two guests share the vGPU.
#  1. start the backend daemon (xenvgpud) in dom0;
#  2. start TWO PV domUs with `xenvgpu-ctl create CFG`: ordinary xl
#     configs whose vgpu = [ 'profile=...' ] entry gives each its vGPU;
#  3. each domU runs xenvgpu-demo at the same time (FILL, COPY, SAXPY,
#     MATMUL with fences, every result checked bit for bit against the
#     CPU reference, then its throughput);
#  4. print the backend's per-vGPU statistics (xenvgpu-ctl list / show,
#     and the daemon's status files), destroy both guests and check that
#     the daemon let go of everything (no dying domain).
# Each guest's output is one suite frame; the statistics are another.
scenario_begin 600

RUN_OUT=/run/res/$SCEN.stats
RUN_FAILED=0
RUN_LOG=/run/res/xenvgpud-run.log
CTL=/xv/bin/xenvgpu-ctl
: >"$RUN_OUT"
say_run() { echo "$*" >>"$RUN_OUT"; }
run_fail() {
	say_run "FAIL $*"
	RUN_FAILED=$((RUN_FAILED + 1))
}
run_until() {
	local n=$(($1 * 2))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		n=$((n - 1))
		sleep 0.5
	done
	return 1
}

/xv/bin/xenvgpud -F -v >>"$RUN_LOG" 2>&1 &
RUN_PID=$!
run_until 60 grep -q "serving vgpu" "$RUN_LOG" || run_fail "xenvgpud did not start"

# demo_start NAME PROFILE: the guest's xl config, created by xenvgpu-ctl.
demo_start() {
	local cfg=/run/$1.cfg
	sed -e "s|@NAME@|$1|g" -e "s|@EXTRA@|xvtest=xenvgpu-demo|g" \
		-e "s|profile=small|profile=$2|" /xv/vgpu-domu.cfg.in >"$cfg"
	stage "creating $1 with xenvgpu-ctl create $cfg (profile $2)"
	say_run "---- $1: xl config $cfg"
	grep -v '^#' "$cfg" >>"$RUN_OUT"
	if ! $CTL create "$cfg" >>"$RUN_OUT" 2>&1; then
		run_fail "xenvgpu-ctl create $cfg"
		return 1
	fi
}
# demo_go NAME: wait for its init, then tell it to run the demo.
demo_go() {
	local id log=/var/log/xen/console/guest-$1.log
	id=$(xl domid "$1" 2>/dev/null) || return 1
	run_until 120 grep -q '^XVTEST-UP' "$log" || {
		run_fail "$1 did not come up"
		return 1
	}
	xenstore-write "/local/domain/$id/xvtest/go" "1:xenvgpu-demo" &&
		xenstore-chmod "/local/domain/$id/xvtest" n0 "r$id"
}
demo_wait() {
	local log=/var/log/xen/console/guest-$1.log
	while [ "$(remaining)" -gt 1 ]; do
		tr -d '\r' <"$log" | grep -q "^XVTEST-END xenvgpu-demo rc=" &&
			return 0
		[ "$(domu_state "$1")" = running ] || return 1
		sleep 1
	done
	return 1
}
# demo_result NAME: one suite frame with the guest's demo output (as
# runner.sh's suite_result, named after the guest).
demo_result() {
	local endl rcu log=/var/log/xen/console/guest-$1.log rc=1
	local f=/run/res/$SCEN.demo-$1
	endl=$(tr -d '\r' <"$log" | grep "^XVTEST-END xenvgpu-demo rc=" | head -1)
	rcu=$(echo "$endl" | sed -n 's/.* rc=\([0-9]*\).*/\1/p')
	[ "$rcu" = 0 ] && rc=0
	{
		echo "scenario=$SCEN domu=$1 domid=$(xl domid "$1" 2>/dev/null)"
		echo "status=$([ -n "$rcu" ] && echo ok || echo timeout) dom0_rc=0 domu_rc=${rcu:-none}"
		echo "---- domU side: xenvgpu-demo"
		tr -d '\r' <"$log" |
			sed -n '/^XVTEST-BEGIN xenvgpu-demo$/,/^XVTEST-END xenvgpu-demo /p'
	} >"$f"
	BED_SUITES=$((BED_SUITES + 1))
	[ $rc -eq 0 ] || BED_FAILED=$((BED_FAILED + 1))
	emit "suite:$SCEN/xenvgpu-demo@$1" $rc "$f"
}

demo_start guest1 small && demo_start guest2 medium
# Both guests run the demo at the same time.
demo_go guest1
demo_go guest2
# Each demo holds its vGPU (context and buffers alive) at the end until
# dom0 has read the statistics.
for g in guest1 guest2; do
	run_until 500 grep -q "^xenvgpu-demo: holding" \
		"/var/log/xen/console/guest-$g.log" ||
		run_fail "$g did not reach the end of the demo"
done

say_run "---- backend statistics: xenvgpu-ctl list"
$CTL list >>"$RUN_OUT" 2>&1
for g in guest1 guest2; do
	id=$(xl domid "$g" 2>/dev/null)
	say_run "---- xenvgpu-ctl show $g"
	$CTL show "$g" >>"$RUN_OUT" 2>&1
	say_run "---- /run/xenvgpud/d$id-0 (the daemon's counters)"
	cat "/run/xenvgpud/d$id-0" >>"$RUN_OUT" 2>&1
done

for g in guest1 guest2; do
	xenstore-write "/local/domain/$(xl domid "$g")/xvtest/release" 1
done
demo_wait guest1 || run_fail "guest1 did not finish the demo"
demo_wait guest2 || run_fail "guest2 did not finish the demo"
for g in guest1 guest2; do demo_result "$g"; done
# Both go first: domu_destroy waits until no domU is left at all.
xl destroy guest1
xl destroy guest2
for g in guest1 guest2; do
	DOMU=$g
	domu_destroy
done
run_until 30 sh -c "! xl list | awk 'NR > 1 && \$2 != 0 { f = 1 } END { exit !f }'" &&
	say_run "ok   both guests destroyed, no dying domain left" ||
	run_fail "a domain lingers after destroy: $(xl list | tr '\n' ' ')"
kill -TERM "$RUN_PID" 2>/dev/null
wait "$RUN_PID" || run_fail "xenvgpud did not stop cleanly"
emit "log:$SCEN.xenvgpud" 0 "$RUN_LOG"

DOMU=""
DOMID=""
DOMU_LOG=/dev/null
cp "$RUN_OUT" "/run/res/$SCEN.stats.dom0"
suite_result stats ok "$RUN_FAILED" 0 "/run/res/$SCEN.stats.dom0"
