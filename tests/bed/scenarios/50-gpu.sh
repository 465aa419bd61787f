# The backend's GPU path (issue 5), before the frontend's GPU API: one
# domU with a vGPU drives contexts, a hand-built page table, SUBMIT and
# fences through the raw ring (vggpu-domu); dom0 checks, from the
# daemon's status file, that a destroyed context leaves no context, PASID
# or grant mapping behind, and that fences and the fault were posted.
# dom0's checks are one line each in the frame suite:50-gpu/checks.
scenario_begin 300

. /xv/vgpu-lib.sh
vg_checks_begin

# After the destroy: nothing held, and the GPU work was seen.
g5_released() {
	vg_idle "$DOMID" &&
		[ "$(vg_stat "$DOMID" grant-map-calls)" = \
			"$(vg_stat "$DOMID" grant-unmap-calls)" ] &&
		[ "$(vg_stat "$DOMID" fences)" -ge 2 ] 2>/dev/null &&
		[ "$(vg_stat "$DOMID" gpu-faults)" -ge 1 ] 2>/dev/null
}

vg_check "xenvgpud started" vgd_start

if domu_create gpu vggpu /xv/vgpu-domu.cfg.in; then
	vg_check "attach gpu from its xl config" \
		/xv/bin/xenvgpu-ctl attach gpu -c /run/gpu.cfg
	vg_go vggpu
	# the domU holds the device 5 s after its destroy: catch that window
	vg_check "after destroy: no context, PASID or grant mapping; fences and fault posted" \
		vg_until 120 g5_released
	vg_status "$DOMID" >>"$VG_CHECKS"
	vg_wait vggpu
	vg_check "xenvgpud alive" vgd_alive
	domu_destroy
	vg_check "no dying domain after the destroy" vg_until 30 no_dying
else
	vg_fail "domU gpu created"
fi

vgd_stop
vg_checks_frame
