# The GPU API of the frontend library on real Xen (issue 5, frontend
# half). Two domUs with vGPUs from their xl configs (xenvgpu-ctl create):
#  * gv (vgvictim) grants a buffer holding a pattern and publishes its
#    grant references; dom0 hands them to ga;
#  * ga (vgguest, max-pasids=2) checks translation follows its mappings,
#    revoked / never granted grefs read as scratch, gv's grefs in ga's
#    tables never reach gv's memory (gv checks its buffer), a GPU VA
#    outside every mapping faults, PASID exhaustion gives a clear error,
#    unmapping buffers under a running submission is safe;
#  * dom0 checks, while ga is idle with its device still open, that the
#    daemon holds no context, PASID or grant mapping for it; again after
#    the device closed; and that no dying domain lingers after destroy.
# dom0's checks are one line each in the frame suite:55-gpu-guest/checks.
scenario_begin 420

G55_CHECKS=/run/res/$SCEN.checks
G55_FAILED=0
G55_LOG=/run/res/xenvgpud-55.log
CTL=/xv/bin/xenvgpu-ctl
: >"$G55_CHECKS"

g55_ok() { echo "ok   $*" >>"$G55_CHECKS"; }
g55_fail() {
	echo "FAIL $*" >>"$G55_CHECKS"
	G55_FAILED=$((G55_FAILED + 1))
}
g55_check() {
	local what=$1
	shift
	if "$@" >>"$G55_CHECKS" 2>&1; then g55_ok "$what"; else g55_fail "$what"; fi
}
g55_until() {
	local n=$(($1 * 2))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		n=$((n - 1))
		sleep 0.5
	done
	return 1
}
g55_val() { awk -v k="$2" '$1 == k { print $2 }' "/run/xenvgpud/d$1-0" 2>/dev/null; }
g55_idle() {
	[ "$(g55_val "$1" contexts)" = 0 ] && [ "$(g55_val "$1" pasids)" = 0 ] &&
		[ "$(g55_val "$1" pinned-pages)" = 0 ] &&
		[ "$(g55_val "$1" grant-mapped-pages)" = 0 ]
}
g55_closed() { # the device gone from the daemon, or holding nothing
	[ ! -e "/run/xenvgpud/d$1-0" ] || g55_idle "$1"
}
g55_start() { # NAME SUITE EXTRA_PROFILE_KEYS
	local cfg=/run/$1.cfg
	sed -e "s|@NAME@|$1|g" -e "s|@EXTRA@|xvtest=$2|g" \
		-e "s|profile=small|profile=small$3|" /xv/vgpu-domu.cfg.in >"$cfg"
	$CTL create "$cfg" >>"$G55_CHECKS" 2>&1 || return 1
	id=$(xl domid "$1")
	g55_until 120 grep -q '^XVTEST-UP' "/var/log/xen/console/guest-$1.log" ||
		return 1
	xenstore-write "/local/domain/$id/xvtest/go" "1:$2" &&
		xenstore-chmod "/local/domain/$id/xvtest" n0 "r$id"
}
g55_result() { # NAME SUITE: a suite frame with the guest's output
	local log=/var/log/xen/console/guest-$1.log endl rcu
	g55_until 240 sh -c "tr -d '\r' <$log | grep -q '^XVTEST-END $2 rc='"
	endl=$(tr -d '\r' <"$log" | grep "^XVTEST-END $2 rc=" | head -1)
	rcu=$(echo "$endl" | sed -n 's/.* rc=\([0-9]*\).*/\1/p')
	DOMU=$1
	DOMID=$(xl domid "$1" 2>/dev/null)
	DOMU_LOG=$log
	: >"/run/res/$SCEN.$2.dom0"
	suite_result "$2" "$([ -n "$rcu" ] && echo ok || echo timeout)" 0 \
		"${rcu:-none}" "/run/res/$SCEN.$2.dom0"
}
g55_no_dying() {
	! xl list | awk 'NR > 1 && $2 != 0 && $5 ~ /d/ { f = 1 } END { exit !f }'
}

/xv/bin/xenvgpud -F -v >>"$G55_LOG" 2>&1 &
G55_PID=$!
g55_check "xenvgpud started" g55_until 60 grep -q "serving vgpu" "$G55_LOG"

g55_check "gv created by xenvgpu-ctl create" g55_start gv vgvictim ""
GV=$(xl domid gv 2>/dev/null)
g55_check "ga created by xenvgpu-ctl create (max-pasids=2)" \
	g55_start ga vgguest ",max-pasids=2"
GA=$(xl domid ga 2>/dev/null)

# hand gv's grant references to ga
if g55_until 120 xenstore-read "/local/domain/$GV/data/vgguest/grefs"; then
	xenstore-write "/local/domain/$GA/data/vgguest/foreign" \
		"$(xenstore-read "/local/domain/$GV/data/vgguest/grefs")"
	g55_ok "gv's grefs handed to ga: $(xenstore-read "/local/domain/$GV/data/vgguest/grefs")"
else
	g55_fail "gv published its grefs"
fi
g55_until 240 xenstore-read "/local/domain/$GA/data/vgguest/attacked"
xenstore-write "/local/domain/$GV/data/vgguest/done" 1

if g55_until 300 xenstore-read "/local/domain/$GA/data/vgguest/idle"; then
	g55_check "ga idle, device open: no context, PASID or grant mapping held" \
		g55_until 30 g55_idle "$GA"
	cat "/run/xenvgpud/d$GA-0" >>"$G55_CHECKS" 2>&1
	xenstore-write "/local/domain/$GA/data/vgguest/checked" 1
	g55_check "ga closed its device: nothing held" \
		g55_until 60 sh -c "xenstore-read /local/domain/$GA/data/vgguest/closed && \
		{ [ ! -e /run/xenvgpud/d$GA-0 ] || \
		  awk '\$1 == \"contexts\" && \$2 != 0 { f = 1 } \$1 == \"pasids\" && \$2 != 0 { f = 1 } \$1 == \"pinned-pages\" && \$2 != 0 { f = 1 } \$1 == \"grant-mapped-pages\" && \$2 != 0 { f = 1 } END { exit f }' /run/xenvgpud/d$GA-0; }"
else
	g55_fail "ga reached its idle point"
fi
echo "---- xenvgpu-ctl list" >>"$G55_CHECKS"
$CTL list >>"$G55_CHECKS" 2>&1

g55_result gv vgvictim
g55_result ga vgguest
# Both go first: domu_destroy waits until no domU is left at all.
xl destroy ga
xl destroy gv
for g in ga gv; do
	DOMU=$g
	domu_destroy
done
g55_check "no dying domain after both destroys" g55_until 30 g55_no_dying
g55_check "xenvgpud alive" kill -0 "$G55_PID"
kill -TERM "$G55_PID" 2>/dev/null
wait "$G55_PID"
g55_check "xenvgpud stops on SIGTERM (rc 0)" test $? -eq 0
emit "log:$SCEN.xenvgpud" 0 "$G55_LOG"

DOMU=""
DOMID=""
DOMU_LOG=/dev/null
cp "$G55_CHECKS" "/run/res/$SCEN.checks.dom0"
suite_result checks ok "$G55_FAILED" 0 "/run/res/$SCEN.checks.dom0"
