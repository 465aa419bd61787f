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

. /xv/vgpu-lib.sh
vg_checks_begin

vg_check "xenvgpud started" vgd_start
vg_check "gv created by xenvgpu-ctl create" vg_create gv vgvictim small
vg_check "gv runs vgvictim" vg_start gv vgvictim
vg_check "ga created by xenvgpu-ctl create (max-pasids=2)" \
	vg_create ga vgguest small,max-pasids=2
vg_check "ga runs vgguest" vg_start ga vgguest
GA=$(vg_domid ga)

# hand gv's grant references to ga
if vg_until 120 vg_node gv data/vgguest/grefs; then
	vg_put ga data/vgguest/foreign "$(vg_node gv data/vgguest/grefs)"
	vg_ok "gv's grefs handed to ga: $(vg_node gv data/vgguest/grefs)"
else
	vg_fail "gv published its grefs"
fi
# ga's two PTEs naming a revoked and a never granted gref: exactly two
# shadow entries on scratch while mapped, two sent there so far
if vg_until 240 vg_node ga data/vgguest/scratch-ask; then
	vg_check "ga's revoked + never granted grefs: scratch-entries 2" \
		vg_until 10 vg_stat_is "$GA" scratch-entries 2
	vg_check "ga's revoked + never granted grefs: scratch-events 2" \
		vg_stat_is "$GA" scratch-events 2
	vg_status "$GA" >>"$VG_CHECKS"
	vg_put ga data/vgguest/scratch-seen \
		"$(vg_stat "$GA" scratch-entries) $(vg_stat "$GA" scratch-events)"
else
	vg_fail "ga reached its scratch step"
fi
vg_until 240 vg_node ga data/vgguest/attacked
vg_put gv data/vgguest/done 1

if vg_until 300 vg_node ga data/vgguest/idle; then
	vg_check "ga idle, device open: no context, PASID or grant mapping held" \
		vg_until 30 vg_idle "$GA"
	vg_status "$GA" >>"$VG_CHECKS"
	vg_put ga data/vgguest/checked 1
	vg_check "ga closed its device: nothing held" \
		vg_until 60 eval "vg_node ga data/vgguest/closed && vg_closed $GA"
else
	vg_fail "ga reached its idle point"
fi
vg_say "---- xenvgpu-ctl list"
/xv/bin/xenvgpu-ctl list >>"$VG_CHECKS" 2>&1

vg_result gv vgvictim
vg_result ga vgguest
vg_destroy ga gv
vg_check "no dying domain after both destroys" vg_until 30 no_dying
vg_check "xenvgpud alive" vgd_alive
vgd_stop
vg_checks_frame
