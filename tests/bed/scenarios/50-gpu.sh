# The backend's GPU path (issue 5), before the frontend's GPU API: one
# domU with a vGPU drives contexts, a hand-built page table, SUBMIT and
# fences through the raw ring (vggpu-domu); dom0 checks, from the
# daemon's status file, that a destroyed context leaves no context, PASID
# or grant mapping behind, and that fences and the fault were posted.
# dom0's checks are one line each in the frame suite:50-gpu/checks.
scenario_begin 300

G5_CHECKS=/run/res/$SCEN.checks
G5_FAILED=0
G5_LOG=/run/res/xenvgpud-gpu.log
G5_PID=""
: >"$G5_CHECKS"

g5_ok() { echo "ok   $*" >>"$G5_CHECKS"; }
g5_fail() {
	echo "FAIL $*" >>"$G5_CHECKS"
	G5_FAILED=$((G5_FAILED + 1))
}
g5_check() {
	local what=$1
	shift
	if "$@" >>"$G5_CHECKS" 2>&1; then g5_ok "$what"; else g5_fail "$what"; fi
}
g5_until() {
	local n=$(($1 * 2))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		n=$((n - 1))
		sleep 0.5
	done
	return 1
}
g5_status() { cat "/run/xenvgpud/d$DOMID-0" 2>/dev/null; }
g5_val() { g5_status | awk -v k="$1" '$1 == k { print $2 }'; }
# After the destroy: nothing held, and the GPU work was seen.
g5_released() {
	[ "$(g5_val contexts)" = 0 ] && [ "$(g5_val pasids)" = 0 ] &&
		[ "$(g5_val pinned-pages)" = 0 ] &&
		[ "$(g5_val grant-mapped-pages)" = 0 ] &&
		[ "$(g5_val grant-map-calls)" = "$(g5_val grant-unmap-calls)" ] &&
		[ "$(g5_val fences)" -ge 2 ] 2>/dev/null &&
		[ "$(g5_val gpu-faults)" -ge 1 ] 2>/dev/null
}

/xv/bin/xenvgpud -F -v >>"$G5_LOG" 2>&1 &
G5_PID=$!
g5_check "xenvgpud started" g5_until 120 grep -q "serving vgpu" "$G5_LOG"

if domu_create gpu vggpu /xv/vgpu-domu.cfg.in; then
	g5_check "attach gpu from its xl config" \
		/xv/bin/xenvgpu-ctl attach gpu -c /run/gpu.cfg
	DOMU_NEXT=$((DOMU_NEXT + 1))
	stage "suite vggpu running ($SCEN, domU $DOMU)"
	xenstore-write "/local/domain/$DOMID/xvtest/go" "$DOMU_NEXT:vggpu"
	# the domU holds the device 5 s after its destroy: catch that window
	g5_check "after destroy: no context, PASID or grant mapping; fences and fault posted" \
		g5_until 120 g5_released
	g5_status >>"$G5_CHECKS"
	endl=""
	while [ -z "$endl" ] && [ "$(remaining)" -gt 1 ] &&
		[ "$(domu_state "$DOMU")" = running ]; do
		endl=$(tr -d '\r' <"$DOMU_LOG" | grep "^XVTEST-END vggpu rc=" | head -1)
		[ -n "$endl" ] || sleep 0.5
	done
	rcu=$(echo "$endl" | sed -n 's/.* rc=\([0-9]*\).*/\1/p')
	: >"/run/res/$SCEN.vggpu.dom0"
	suite_result vggpu "$([ -n "$rcu" ] && echo ok || echo timeout)" 0 \
		"${rcu:-none}" "/run/res/$SCEN.vggpu.dom0"
	g5_check "xenvgpud alive" kill -0 "$G5_PID"
	domu_destroy
	g5_check "no dying domain after the destroy" g5_until 30 sh -c \
		"! xl list | awk 'NR > 1 && \$2 != 0 && \$5 ~ /d/ { f = 1 } END { exit !f }'"
else
	g5_fail "domU gpu created"
fi

kill -TERM "$G5_PID" 2>/dev/null
wait "$G5_PID"
g5_check "xenvgpud stops on SIGTERM (rc 0)" test $? -eq 0
emit "log:$SCEN.xenvgpud" 0 "$G5_LOG"

DOMU=""
DOMID=""
DOMU_LOG=/dev/null
cp "$G5_CHECKS" "/run/res/$SCEN.checks.dom0"
suite_result checks ok "$G5_FAILED" 0 "/run/res/$SCEN.checks.dom0"
