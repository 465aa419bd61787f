# Shell helpers the vGPU scenarios share (scenarios/40-vgpu.sh, 50-gpu.sh,
# 55-gpu-guest.sh, 60-*.sh, run/20-vgpu-demo.sh and bench/30-vgpu.sh). mkimages.sh stages
# it as /xv/vgpu-lib.sh; a scenario sources it after runner.sh (which
# dom0's /init already sourced) and uses runner.sh's stage, emit,
# suite_result, remaining, domu_state and DOMU/DOMID/DOMU_LOG.
#
# Names: vg_* for checks, guests and status files, vgd_* for the daemon.
# Every wait is bounded, by its own limit and by the scenario's clock.

# ---- checks: one line each into a file, sent as one suite frame ------------
# vg_checks_begin [FRAME]: start the list (frame name "checks" by default).
vg_checks_begin() {
	VG_FRAME=${1:-checks}
	VG_CHECKS=/run/res/$SCEN.$VG_FRAME
	VG_FAILED=0
	: >"$VG_CHECKS"
}
vg_say() { echo "$*" >>"$VG_CHECKS"; }
vg_ok() { vg_say "ok   $*"; }
vg_fail() {
	vg_say "FAIL $*"
	VG_FAILED=$((VG_FAILED + 1))
}
# vg_check WHAT CMD...: run CMD (output into the checks), judge by its rc.
vg_check() {
	local what=$1
	shift
	if "$@" >>"$VG_CHECKS" 2>&1; then vg_ok "$what"; else vg_fail "$what"; fi
}
# vg_retry TRIES STEP CMD...: run CMD (output dropped) until it succeeds,
# at most TRIES times STEP seconds apart, never past the scenario's
# deadline.
vg_retry() {
	local n=$1 step=$2
	shift 2
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(remaining)" -le 1 ] && return 1
		n=$((n - 1))
		sleep "$step"
	done
	return 1
}
# vg_until SECONDS CMD...: retry CMD every 0.5 s for at most SECONDS.
vg_until() {
	local s=$1
	shift
	vg_retry $((s * 2)) 0.5 "$@"
}
# vg_checks_frame: the checks as a suite of their own, failed when any
# check failed.
vg_checks_frame() {
	DOMU=""
	DOMID=""
	DOMU_LOG=/dev/null
	cp "$VG_CHECKS" "$VG_CHECKS.dom0"
	suite_result "$VG_FRAME" ok "$VG_FAILED" 0 "$VG_CHECKS.dom0"
}

# ---- the daemon ------------------------------------------------------------
VGD_LOG=/run/res/xenvgpud-$SCEN.log
VGD_PID=""
VGD_STARTS=0
# vgd_start [valgrind]: start xenvgpud in the foreground (its log in
# VGD_LOG, its pid in VGD_PID); 0 once it serves, 1 if it died or hung.
vgd_start() {
	VGD_STARTS=$(grep -c 'serving vgpu' "$VGD_LOG" 2>/dev/null)
	VGD_STARTS=${VGD_STARTS:-0}
	if [ "$1" = valgrind ]; then
		/usr/bin/valgrind -q --leak-check=full --error-exitcode=1 \
			--suppressions=/xv/valgrind-xenvgpud.supp \
			--log-file="$VGD_VG" /xv/bin/xenvgpud -F -v -r 30000 \
			>>"$VGD_LOG" 2>&1 &
	else
		/xv/bin/xenvgpud -F -v >>"$VGD_LOG" 2>&1 &
	fi
	VGD_PID=$!
	vg_until 120 vgd_serving "$VGD_PID" && vgd_alive
}
# up when it logged "serving" after this start, or died
vgd_serving() {
	! kill -0 "$1" || [ "$(grep -c 'serving vgpu' "$VGD_LOG")" -gt "$VGD_STARTS" ]
}
vgd_alive() { kill -0 "$VGD_PID" 2>/dev/null; }
# vgd_stop: SIGTERM, wait; a check that it stopped cleanly; send its log.
vgd_stop() {
	local rc
	kill -TERM "$VGD_PID" 2>/dev/null
	wait "$VGD_PID"
	rc=$?
	[ $rc -eq 0 ] && vg_ok "xenvgpud stops on SIGTERM (rc 0)" ||
		vg_fail "xenvgpud stops on SIGTERM (rc $rc)"
	emit "log:$SCEN.xenvgpud" 0 "$VGD_LOG"
}

# ---- the daemon's status file of a device (backend/be-status.h) ------------
vg_status() { cat "/run/xenvgpud/d$1-${2:-0}" 2>/dev/null; }
# vg_stat DOMID KEY: one value ("" when there is no file or key)
vg_stat() { awk -v k="$2" '$1 == k { print $2 }' "/run/xenvgpud/d$1-0" 2>/dev/null; }
vg_stat_is() { [ "$(vg_stat "$1" "$2")" = "$3" ]; }
vg_status_has() { grep -q "^$2\$" "/run/xenvgpud/d$1-0"; }
# holds no context, PASID or guest page (every gauge 0)
vg_idle() {
	vg_stat_is "$1" contexts 0 && vg_stat_is "$1" pasids 0 &&
		vg_stat_is "$1" pinned-pages 0 &&
		vg_stat_is "$1" grant-mapped-pages 0 &&
		vg_stat_is "$1" scratch-entries 0 && vg_stat_is "$1" oos-pages 0
}
# the device gone from the daemon, or holding nothing
vg_closed() { [ ! -e "/run/xenvgpud/d$1-0" ] || vg_idle "$1"; }

# ---- xenstore and xl -------------------------------------------------------
be_state() { xenstore-read "/local/domain/0/backend/vgpu/$1/0/state"; }
be_state_is() { [ "$(be_state "$1")" = "$2" ]; }
be_gone() { ! xenstore-exists "/local/domain/0/backend/vgpu/$1"; }
# no domain (but dom0) dying: one would mean dom0 still maps its pages
no_dying() { ! xl list | awk 'NR > 1 && $2 != 0 && $5 ~ /d/ { f = 1 } END { exit !f }'; }
no_domu() { ! xl list | awk 'NR > 1 && $2 != 0 { f = 1 } END { exit !f }'; }

# ---- domUs the runner created (domu_create), several at once ----------------
# Keep each one's runner variables under a letter and switch between them.
vg_keep() { eval "VG_${1}_N=\$DOMU VG_${1}_ID=\$DOMID VG_${1}_L=\$DOMU_LOG VG_${1}_X=\$DOMU_NEXT"; }
vg_use() { eval "DOMU=\$VG_${1}_N DOMID=\$VG_${1}_ID DOMU_LOG=\$VG_${1}_L DOMU_NEXT=\$VG_${1}_X"; }
# vg_go SUITE: start the current domU's next suite without waiting.
vg_go() {
	DOMU_NEXT=$((DOMU_NEXT + 1))
	stage "suite $1 running ($SCEN, domU $DOMU)"
	xenstore-write "/local/domain/$DOMID/xvtest/go" "$DOMU_NEXT:$1"
}
# vg_wait SUITE [DOM0RC]: wait for its end; send its frame.
vg_wait() {
	local s=$1 rc0=${2:-0} endl rcu=none status=ok
	while :; do
		endl=$(tr -d '\r' <"$DOMU_LOG" | grep "^XVTEST-END $s rc=" | head -1)
		if [ -n "$endl" ]; then
			rcu=$(echo "$endl" | sed 's/.* rc=\([0-9]*\).*/\1/')
			break
		fi
		if [ "$(domu_state "$DOMU")" != running ]; then
			status="domu-$(domu_state "$DOMU")-mid-suite"
			break
		fi
		if [ "$(remaining)" -le 1 ]; then
			status=timeout
			break
		fi
		sleep 0.5
	done
	: >"/run/res/$SCEN.$s.dom0"
	suite_result "$s" "$status" "$rc0" "$rcu" "/run/res/$SCEN.$s.dom0"
}

# ---- guests made by xenvgpu-ctl create from an xl config --------------------
vg_log() { echo "/var/log/xen/console/guest-$1.log"; }
vg_domid() { xl domid "$1" 2>/dev/null; }
# vg_node NAME PATH: read /local/domain/<NAME's domid>/PATH
vg_node() { xenstore-read "/local/domain/$(vg_domid "$1")/$2" 2>/dev/null; }
vg_put() { xenstore-write "/local/domain/$(vg_domid "$1")/$2" "$3"; }
# vg_serve SECONDS NODE FUNC NAME...: as each guest writes NODE (under
# its home), call FUNC NAME, once each, in the order they ask; a failed
# check for each guest that did not ask within SECONDS.
vg_serve() {
	local n=$(($1 * 2)) node=$2 fn=$3 g left
	shift 3
	while [ $# -gt 0 ] && [ $n -gt 0 ] && [ "$(remaining)" -gt 1 ]; do
		left=""
		for g in "$@"; do
			if vg_node "$g" "$node" >/dev/null; then
				"$fn" "$g"
			else
				left="$left $g"
			fi
		done
		# shellcheck disable=SC2086 # split into names on purpose
		set -- $left
		n=$((n - 1))
		[ $# -gt 0 ] && sleep 0.5
	done
	for g in "$@"; do vg_fail "$g never wrote $node"; done
}
# vg_create NAME SUITE PROFILE: the guest's xl config (vgpu-domu.cfg.in
# with vgpu = [ 'profile=PROFILE' ], PROFILE may carry overrides such as
# "small,max-pasids=2"), created by xenvgpu-ctl create; the config goes
# into the checks.
vg_create() {
	local cfg=/run/$1.cfg
	sed -e "s|@NAME@|$1|g" -e "s|@EXTRA@|xvtest=$2|g" \
		-e "s|profile=small|profile=$3|" /xv/vgpu-domu.cfg.in >"$cfg"
	stage "creating $1 with xenvgpu-ctl create $cfg (profile $3)"
	vg_say "---- $1: xl config $cfg"
	grep -v '^#' "$cfg" >>"$VG_CHECKS"
	/xv/bin/xenvgpu-ctl create "$cfg" >>"$VG_CHECKS" 2>&1
}
# vg_start NAME SUITE: wait for its init, then tell it to run SUITE.
vg_start() {
	local id
	id=$(vg_domid "$1") || return 1
	vg_until 120 grep -q '^XVTEST-UP' "$(vg_log "$1")" || return 1
	stage "suite $2 running ($SCEN, domU $1)"
	xenstore-write "/local/domain/$id/xvtest/go" "1:$2" &&
		xenstore-chmod "/local/domain/$id/xvtest" n0 "r$id"
}
vg_ended() { tr -d '\r' <"$(vg_log "$1")" | grep -q "^XVTEST-END $2 rc="; }
# vg_end NAME SUITE: wait until SUITE ended, the guest died, or time ran out.
vg_end() {
	while ! vg_ended "$1" "$2"; do
		[ "$(domu_state "$1")" = running ] || return 1
		[ "$(remaining)" -le 1 ] && return 1
		sleep 0.5
	done
}
# vg_result NAME SUITE [FRAME]: wait for SUITE's end; one suite frame
# (suite:$SCEN/FRAME, FRAME defaults to SUITE) with the guest's output.
vg_result() {
	local name=$1 s=$2 frame=${3:-$2} log endl rcu status=ok rc=1 f
	log=$(vg_log "$name")
	f=/run/res/$SCEN.$frame
	vg_end "$name" "$s" ||
		status=$( [ "$(domu_state "$name")" = running ] && echo timeout ||
			echo "domu-$(domu_state "$name")-mid-suite")
	endl=$(tr -d '\r' <"$log" | grep "^XVTEST-END $s rc=" | head -1)
	rcu=$(echo "$endl" | sed -n 's/.* rc=\([0-9]*\).*/\1/p')
	[ "$status" = ok ] && [ "$rcu" = 0 ] && rc=0
	{
		echo "scenario=$SCEN domu=$name domid=$(vg_domid "$name")"
		echo "status=$status dom0_rc=0 domu_rc=${rcu:-none}"
		echo "---- dom0 side: none"
		echo "---- domU side: $s"
		tr -d '\r' <"$log" | sed -n "/^XVTEST-BEGIN $s\$/,/^XVTEST-END $s /p"
	} >"$f"
	BED_SUITES=$((BED_SUITES + 1))
	[ $rc -eq 0 ] || BED_FAILED=$((BED_FAILED + 1))
	emit "suite:$SCEN/$frame" $rc "$f"
}
# vg_destroy NAME...: destroy them all first (the runner's domu_destroy
# waits until no domU is left), then send each console log.
vg_destroy() {
	local g
	for g in "$@"; do xl destroy "$g" >/dev/null 2>&1; done
	for g in "$@"; do
		DOMU=$g
		DOMU_LOG=$(vg_log "$g")
		domu_destroy
	done
}
