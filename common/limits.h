/*
 * limits.h — the limits a vGPU profile sets for one vGPU instance.
 *
 * The toolstack writes them to the device's backend xenstore directory;
 * the backend enforces them; the guest reads them back through the DVSEC
 * of the virtual config space (common/vcfg.h) and the capability query of
 * the wire protocol (common/vgpuif.h). One struct so the three agree.
 */
#ifndef XV_LIMITS_H
#define XV_LIMITS_H

#include <stdint.h>

struct xv_limits {
	uint32_t max_contexts;	   /* GPU contexts alive at once */
	uint32_t max_pinned_pages; /* map-cache quota, 4 KiB pages */
	uint32_t pasid_width;	   /* Max PASID Width, 1..20 */
	uint32_t max_pasids;	   /* PASID quota of this vGPU */
	uint32_t max_queued_bytes; /* submitted but not finished work */
	uint32_t max_cmd_bytes;	   /* one command buffer */
	uint32_t ring_order_max;   /* log2 of the most ring pages */
	uint32_t sched_weight;	   /* time-slice weight, 1..1000 */
	uint32_t features;	   /* XV_FEATURE_* bits (vgpuif.h) */
	uint32_t oos_pages;	   /* out-of-sync page budget */
};

#endif /* XV_LIMITS_H */
