# Every GPU command from two guests at once, and the context features on
# real Xen (issue 5, "Tests on real Xen"). Two domUs with vGPUs from
# their xl configs (xenvgpu-ctl create) run vgall-domu side by side:
#  * g1 (profile small: no-snoop allowed) and g2 (small with features
#    oos-pt, holdoff, multi-page-ring: its profile enforces coherency);
#  * each runs FILL, COPY, SAXPY, MATMUL, FENCE_WRITE and TIMESTAMP,
#    one submission each and all in one, bit-exact against the CPU
#    reference, in a plain, an OOS and (g1) a no-snoop context;
#  * a GPU TLB test (warm, remap, the next submission follows the remap)
#    in a plain and an OOS context; dom0 sees the OOS context's table
#    page in the daemon's oos-pages gauge (data/vgall/oos-ask);
#  * g1 tells snoop and no-snoop contexts apart (a write lost with a
#    fault unless flushed); g2's no-snoop context is refused with PERM;
#  * dom0 checks the daemon holds nothing for either guest once idle,
#    and no dying domain after both destroys.
# dom0's checks are one line each in the frame suite:60-gpu-two/checks.
scenario_begin 420

. /xv/vgpu-lib.sh
vg_checks_begin

oos_seen() { [ "$(vg_stat "$(vg_domid "$1")" oos-pages)" -ge 1 ] 2>/dev/null; }

vg_check "xenvgpud started" vgd_start
vg_check "g1 created (profile small: no-snoop allowed)" \
	vg_create g1 vgall small
vg_check "g2 created (profile small without nosnoop: coherent)" \
	vg_create g2 vgall small,features=oos-pt+holdoff+multi-page-ring
vg_put g1 data/vgall/nosnoop allowed
vg_put g2 data/vgall/nosnoop refused
vg_check "g1 runs vgall" vg_start g1 vgall
vg_check "g2 runs vgall" vg_start g2 vgall

# what a guest asks for, served in the order the two ask
answer_oos() {
	vg_check "$1: its OOS context's table page is out of sync" \
		vg_until 10 oos_seen "$1"
	vg_put "$1" data/vgall/oos-seen "$(vg_stat "$(vg_domid "$1")" oos-pages)"
}
answer_idle() {
	vg_check "$1 idle, device open: nothing held" \
		vg_until 30 vg_idle "$(vg_domid "$1")"
	vg_status "$(vg_domid "$1")" >>"$VG_CHECKS"
	vg_put "$1" data/vgall/checked 1
}
vg_serve 300 data/vgall/oos-ask answer_oos g1 g2
vg_serve 300 data/vgall/idle answer_idle g1 g2

vg_result g1 vgall vgall@g1
vg_result g2 vgall vgall@g2
vg_destroy g1 g2
vg_check "no dying domain after both destroys" vg_until 30 no_dying
vg_check "xenvgpud alive" vgd_alive
vgd_stop
vg_checks_frame
