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

. /xv/vgpu-lib.sh
vg_checks_begin stats

vgd_start || vg_fail "xenvgpud did not start"
for g in guest1:small guest2:medium; do
	vg_create "${g%:*}" xenvgpu-demo "${g#*:}" ||
		vg_fail "xenvgpu-ctl create /run/${g%:*}.cfg"
done
# Both guests run the demo at the same time.
for g in guest1 guest2; do
	vg_start "$g" xenvgpu-demo || vg_fail "$g did not come up"
done
# Each demo holds its vGPU (context and buffers alive) at the end until
# dom0 has read the statistics.
for g in guest1 guest2; do
	vg_until 500 grep -q "^xenvgpu-demo: holding" "$(vg_log "$g")" ||
		vg_fail "$g did not reach the end of the demo"
done

vg_say "---- backend statistics: xenvgpu-ctl list"
/xv/bin/xenvgpu-ctl list >>"$VG_CHECKS" 2>&1
for g in guest1 guest2; do
	vg_say "---- xenvgpu-ctl show $g"
	/xv/bin/xenvgpu-ctl show "$g" >>"$VG_CHECKS" 2>&1
	vg_say "---- /run/xenvgpud/d$(vg_domid "$g")-0 (the daemon's counters)"
	vg_status "$(vg_domid "$g")" >>"$VG_CHECKS"
done

for g in guest1 guest2; do vg_put "$g" xvtest/release 1; done
for g in guest1 guest2; do vg_result "$g" xenvgpu-demo "xenvgpu-demo@$g"; done
vg_destroy guest1 guest2
vg_until 30 no_domu && vg_ok "both guests destroyed, no dying domain left" ||
	vg_fail "a domain lingers after destroy: $(xl list | tr '\n' ' ')"
vgd_stop
vg_checks_frame
