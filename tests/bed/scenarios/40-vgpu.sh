# vGPU lifecycle (issue 4). One boot, two domUs:
#  * each domU gets a vGPU from the vgpu = [ 'profile=small' ] entry of
#    its xl config (xenvgpu-ctl attach -c);
#  * vga: connect, query, config space (vgbasic), a frontend killed with
#    the device open and a new one connecting; then it holds its vGPU
#    (vghold) through everything below; vgb connects meanwhile (vgconnect);
#  * the daemon is stopped and restarted under valgrind (vga: reset 1);
#    vgb turns hostile (vghostile): garbage nodes, state flapping; its
#    device must close with a reason, the daemon and vga carry on; the
#    valgrind daemon stops with no error and no leak; a service-mode
#    daemon takes over (reset 2), is SIGKILLed, and another takes over
#    (reset 3): vga reconnects each time;
#  * vga reconnects and stays (vgstay); xl destroy must free everything:
#    no dying domain, no backend nodes, no status file; detach of vgb;
#  * a status file another domain left for vgb's domid is not picked up.
# dom0's own checks are one line each in the frame suite:40-vgpu/checks.
scenario_begin 900

. /xv/vgpu-lib.sh
vg_checks_begin
VGD_VG=/run/res/xenvgpud.valgrind
CTL="/xv/bin/xenvgpu-ctl"

hold() { xenstore-read "/local/domain/$VG_A_ID/data/vghold/$1" 2>/dev/null; }
hold_is() { [ "$(hold "$1")" = "$2" ]; }
hold_above() { [ "$(hold "$1")" -gt "$2" ] 2>/dev/null; }
# The status file's counters go on over the device's life: after a
# reconnect, at least what was counted before (backend/be-status.h).
REQ_BEFORE=0
requests_kept() {
	echo "requests: $REQ_BEFORE before, $(vg_stat "$VG_A_ID" requests) now"
	[ "$REQ_BEFORE" -gt 20 ] &&
		[ "$(vg_stat "$VG_A_ID" requests)" -ge "$REQ_BEFORE" ]
}

vg_check "xenvgpud started" vgd_start

# ---- two domUs, a vGPU each from the xl config ------------------------------
if domu_create vga vgbasic,vghold,vgstay /xv/vgpu-domu.cfg.in; then
	vg_keep A
	vg_check "attach vga from its xl config" $CTL attach vga -c /run/vga.cfg
else
	vg_fail "domU vga created"
fi
if domu_create vgb vgconnect,vghostile /xv/vgpu-domu.cfg.in; then
	vg_keep B
	# A status file left for vgb's domid by another domain (one that
	# died while no daemon ran): the daemon must not take its counters.
	printf 'domid %s\ndevid 0\ndomain /vm/stale-domain\nstate 4\nprofile small\ngeneration 7\ncontexts 0\npasids 0\npinned-pages 0\nrequests 999999\nrejected 0\nlast-error -\n' \
		"$VG_B_ID" >"/run/xenvgpud/d$VG_B_ID-0"
	vg_check "attach vgb from its xl config" $CTL attach vgb -c /run/vgb.cfg
else
	vg_fail "domU vgb created"
fi
vg_check "xenvgpu-ctl list" $CTL list

# ---- vga: connect, query, killed frontend; then hold -----------------------
vg_use A
vg_go vgbasic
vg_wait vgbasic
vg_go vghold
vg_keep A
vg_check "vga holds its vGPU" vg_until 60 hold_above ok 0
vg_check "status file: vga Connected" vg_until 10 vg_status_has "$VG_A_ID" "state 4"
vg_check "xenvgpu-ctl show vga" $CTL show vga

# ---- vgb connects while vga holds --------------------------------------------
vg_use B
vg_go vgconnect
vg_wait vgconnect
vg_keep B
stale_ignored() {
	local r d
	r=$(vg_stat "$VG_B_ID" requests)
	d=$(vg_stat "$VG_B_ID" domain)
	echo "vgb: requests $r, domain $d"
	[ -n "$d" ] && [ "$d" = "$(xenstore-read "/local/domain/$VG_B_ID/vm")" ] &&
		[ "$r" -lt 999999 ] && [ "$(vg_stat "$VG_B_ID" generation)" -lt 7 ]
}
vg_check "vgb: another domain's status file is not taken over" stale_ignored

# ---- daemon restart under valgrind, with a live frontend ----------------------
# Under valgrind and TCG the daemon sees a flapping guest slower than it
# regains restarts at the default rate (one a second), so it would never
# give up; it runs with one restart regained every 30 s instead (-r).
REQ_BEFORE=$(vg_stat "$VG_A_ID" requests)
stage "vgpu: restarting xenvgpud under valgrind"
kill -TERM "$VGD_PID"
wait "$VGD_PID"
vg_check "xenvgpud stops on SIGTERM (rc 0)" test $? -eq 0
# (mkimages.sh puts it in /usr/bin, which is not in dom0's PATH)
if [ -x /usr/bin/valgrind ]; then
	vgd_start valgrind
else
	vg_fail "valgrind is in the dom0 image"
fi
if ! vgd_alive; then
	# carry on without valgrind, so the rest of the scenario still runs
	vg_fail "xenvgpud under valgrind started"
	[ -f "$VGD_VG" ] && emit "log:$SCEN.valgrind" 1 "$VGD_VG"
	vgd_start
fi
vg_check "restart: vga sees a device reset" vg_until 60 hold_is resets 1
vg_check "restart: vga queries again" vg_until 30 hold_above ok "$(hold ok)"
vg_check "restart: vga's request count goes on" requests_kept

# ---- vgb turns hostile ---------------------------------------------------------
vg_use B
errs_before=$(hold errors)
ok_before=$(hold ok)
vg_go vghostile
vg_wait vghostile
vg_keep B
vg_check "xenvgpud lived through the hostile guest" vgd_alive
vg_check "vgb's device is Closed" be_state_is "$VG_B_ID" 6
echo "vgb error node: $(xenstore-read /local/domain/0/backend/vgpu/$VG_B_ID/0/error)" \
	>>"$VG_CHECKS"
# (timeouts are counted apart: valgrind runs one daemon thread at a time)
vg_check "vga undisturbed: no failed query meanwhile" hold_is errors "$errs_before"
vg_say "vga: $(hold timeouts) query timeouts so far"
vg_check "vga undisturbed: queries went on" hold_above ok "$ok_before"

stage "vgpu: stopping the valgrind daemon"
kill -TERM "$VGD_PID"
wait "$VGD_PID"
vg_rc=$?
[ -f "$VGD_VG" ] && emit "log:$SCEN.valgrind" "$vg_rc" "$VGD_VG"
[ $vg_rc -eq 0 ] && vg_ok "valgrind: no error, no leak (rc 0)" ||
	vg_fail "valgrind: no error, no leak (rc $vg_rc)"

# ---- service mode, then SIGKILL and another restart ---------------------------
/xv/bin/xenvgpud -v
vg_check "service mode: pidfile written" vg_until 30 test -s /run/xenvgpud.pid
VGD_PID=$(cat /run/xenvgpud.pid 2>/dev/null)
/xv/bin/xenvgpud -F >/dev/null 2>&1
[ $? -eq 3 ] && vg_ok "a second instance is refused (rc 3)" ||
	vg_fail "a second instance is refused"
vg_check "service restart: vga sees a second reset" vg_until 60 hold_is resets 2
vg_check "service restart: vga queries again" vg_until 30 hold_above ok "$(hold ok)"
kill -KILL "$VGD_PID"
vg_until 10 sh -c "! kill -0 $VGD_PID"
rm -f /run/xenvgpud.pid
vgd_start
vg_check "SIGKILL + restart: vga sees a third reset" vg_until 60 hold_is resets 3
vg_check "SIGKILL + restart: vga queries again" vg_until 30 hold_above ok "$(hold ok)"

vg_use A
REQ_BEFORE=$(vg_stat "$VG_A_ID" requests)
xenstore-write "/local/domain/$VG_A_ID/data/vghold/stop" 3
vg_wait vghold

# ---- destroy a domU whose ring the daemon maps -------------------------------
vg_go vgstay
vg_keep A
vg_check "vga connected again (vgstay)" vg_until 60 be_state_is "$VG_A_ID" 4
vg_check "frontend reconnect: vga's request count goes on" \
	vg_until 10 requests_kept
vg_check "frontend reconnect: gauges are the new connection's (0 contexts)" \
	vg_idle "$VG_A_ID"
stage "vgpu: destroying vga with its vGPU connected"
xl destroy vga
vg_check "vga: no dying domain left" vg_until 30 no_dying
vg_check "vga: backend nodes removed" vg_until 30 be_gone "$VG_A_ID"
vg_check "vga: status file removed" vg_until 10 test ! -e "/run/xenvgpud/d$VG_A_ID-0"
vg_check "xenvgpud alive after the destroy" kill -0 "$VGD_PID"
[ -f "$VG_A_L" ] && emit "console:vga" 0 "$VG_A_L"

# ---- detach vgb's (closed) device, then destroy vgb -------------------------
vg_use B
vg_check "detach vgb" $CTL detach vgb
vg_check "vgb: backend nodes removed" be_gone "$VG_B_ID"
domu_destroy
vg_check "vgb: no dying domain left" vg_until 30 no_dying

vgd_stop
vg_checks_frame
