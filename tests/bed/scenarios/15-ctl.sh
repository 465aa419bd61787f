# xenvgpu-ctl (tools/ctl, docs/xl-config.md) against real xenstore and
# xl: create with vgpu entries, attach, list, show, detach, the error
# messages. Where no xenvgpud runs, the backend's state changes are
# played by hand (xenstore-write); when one runs, it answers itself and
# the checks that need a silent backend are skipped.
scenario_begin 300
CTL=/xv/bin/xenvgpu-ctl
R=/run/res/$SCEN.ctl
: >"$R"
ctl_fail=0
BE=/local/domain/0/backend/vgpu
DAEMON=""
pidof xenvgpud >/dev/null 2>&1 && DAEMON=1

# ck WANT_RC CMD...: run, log output and rc, compare the rc.
ck() {
	local want=$1 rc
	shift
	echo "\$ $*" >>"$R"
	"$@" >>"$R" 2>&1
	rc=$?
	echo "[rc=$rc]" >>"$R"
	if [ "$rc" != "$want" ]; then
		echo "FAIL: wanted rc=$want" >>"$R"
		ctl_fail=$((ctl_fail + 1))
	fi
}
# has TEXT: the last command's output contains TEXT.
has() {
	if ! tail -n 40 "$R" | grep -qF -- "$1"; then
		echo "FAIL: output lacks '$1'" >>"$R"
		ctl_fail=$((ctl_fail + 1))
	fi
}
# play_backend DOMID DEVID STATE: once the node exists, write the state
# (what xenvgpud would do).
play_backend() {
	local n=0
	[ -n "$DAEMON" ] && return 0
	while ! xenstore-read "$BE/$1/$2/state" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -gt 200 ] && return 1
		sleep 0.1
	done
	xenstore-write "$BE/$1/$2/state" "$3"
}
# close_on_offline DOMID DEVID: answer online=0 with Closed.
close_on_offline() {
	local n=0
	[ -n "$DAEMON" ] && return 0
	while [ "$(xenstore-read "$BE/$1/$2/online" 2>/dev/null)" != 0 ]; do
		n=$((n + 1))
		[ $n -gt 200 ] && return 1
		sleep 0.1
	done
	xenstore-write "$BE/$1/$2/state" 6
}

sed -e "s|@NAME@|ctl1|g" -e "s|@EXTRA@||g" /xv/domu.cfg.in >/run/ctl1.cfg
echo "vgpu = [ 'profile=small', 'profile=large, devid=3, max-contexts=8' ]" \
	>>/run/ctl1.cfg
sed -e "s|@NAME@|ctl2|g" -e "s|@EXTRA@||g" /xv/domu.cfg.in >/run/ctl2.cfg
echo "vgpu = [ 'profle=small' ]" >>/run/ctl2.cfg

ck 0 $CTL profiles
has "small: max-contexts=4"
ck 2 $CTL atach x
has "did you mean 'attach'?"
ck 1 $CTL create /run/ctl2.cfg
has "unknown vgpu key 'profle' (did you mean 'profile'?)"
ck 1 $CTL attach nosuchdomain
has "no domain named 'nosuchdomain'"

# No backend answers: create fails, removes the devices, destroys the domain.
if [ -z "$DAEMON" ]; then
	ck 1 $CTL -t 3 create /run/ctl1.cfg
	has "still Initialising after 3 s (is xenvgpud running?)"
	has "destroyed"
	sleep 1
	echo "\$ xl list" >>"$R"
	xl list >>"$R" 2>&1
	if xl list | grep -q '^ctl1 '; then
		echo "FAIL: ctl1 still exists" >>"$R"
		ctl_fail=$((ctl_fail + 1))
	fi
	xenstore-ls "$BE" 2>/dev/null | grep -q . &&
		{ echo "FAIL: nodes left under $BE" >>"$R"
		  ctl_fail=$((ctl_fail + 1)); }
fi

# A played backend: create succeeds and the domain runs.
(
	for i in $(seq 1 300); do
		d=$(xl domid ctl1 2>/dev/null) && break
		sleep 0.1
	done
	play_backend "$d" 0 2 && play_backend "$d" 3 2
) &
ck 0 $CTL -t 30 create /run/ctl1.cfg
has "attached d"
has "unpaused ctl1"
wait
D=$(xl domid ctl1)
echo "domid of ctl1: $D" >>"$R"
echo "\$ xl list" >>"$R"
xl list >>"$R" 2>&1
echo "\$ xenstore-ls -p $BE/$D" >>"$R"
xenstore-ls -p "$BE/$D" >>"$R" 2>&1
echo "\$ xenstore-ls -p /local/domain/$D/device/vgpu" >>"$R"
xenstore-ls -p "/local/domain/$D/device/vgpu" >>"$R" 2>&1
[ "$(xenstore-read "$BE/$D/3/max-contexts")" = 8 ] ||
	{ echo "FAIL: override max-contexts" >>"$R"; ctl_fail=$((ctl_fail + 1)); }
[ "$(xenstore-read "$BE/$D/0/profile")" = small ] ||
	{ echo "FAIL: profile node" >>"$R"; ctl_fail=$((ctl_fail + 1)); }

ck 0 $CTL list
has "InitWait"
ck 0 $CTL show ctl1 3
has "max-contexts         8"
ck 1 $CTL attach ctl1 devid=0
has "vgpu device 0 already exists"
ck 1 $CTL attach ctl1 profile=smal
has "did you mean 'small'?"

# attach by id with the next free devid (1), backend played.
play_backend "$D" 1 2 &
ck 0 $CTL -t 20 attach "$D" profile=medium
has "attached d$D/1 (ctl1) profile=medium"
wait

# detach: online=0, Closed played, nodes gone.
close_on_offline "$D" 1 &
ck 0 $CTL -t 20 detach ctl1 1
has "detached d$D/1 (ctl1)"
wait
xenstore-read "$BE/$D/1/state" >/dev/null 2>&1 &&
	{ echo "FAIL: d$D/1 nodes left" >>"$R"; ctl_fail=$((ctl_fail + 1)); }
# no Closed: the tool waits, then leaves the nodes and says so.
if [ -z "$DAEMON" ]; then
	ck 1 $CTL -t 2 detach ctl1 0
	has "did not close within 2 s (still InitWait); nodes left in place"
fi
close_on_offline "$D" 0 &
close_on_offline "$D" 3 &
ck 0 $CTL -t 20 detach ctl1
wait
xenstore-read "$BE/$D" >/dev/null 2>&1 &&
	{ echo "FAIL: $BE/$D left behind" >>"$R"; ctl_fail=$((ctl_fail + 1)); }
ck 0 $CTL list
ck 1 $CTL show ctl1
has "has no vgpu devices"
xl destroy ctl1

echo "failures: $ctl_fail" >>"$R"
BED_SUITES=$((BED_SUITES + 1))
[ $ctl_fail -eq 0 ] || BED_FAILED=$((BED_FAILED + 1))
emit "suite:$SCEN/ctl" "$([ $ctl_fail -eq 0 ] && echo 0 || echo 1)" "$R"
