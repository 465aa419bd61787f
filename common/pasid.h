/*
 * pasid.h — the device-wide PASID allocator and each vGPU's PASID table.
 *
 * Concepts:
 *  - pPASID: the PASID the device and the IOMMU see. One space per
 *    physical device (struct xv_pasid_space), 1..2^bits-1; PASID 0 is
 *    reserved (it means "no PASID" on the wire of many devices) and is
 *    never handed out.
 *  - vPASID: the PASID a guest sees, in its vGPU's own space. It stays
 *    below 2^width, width being the Max PASID Width the vGPU's PASID
 *    capability advertises (common/vcfg.h); vPASID 0 is reserved too.
 *  - owner: every allocated pPASID records the vGPU that holds it, so a
 *    free by the wrong vGPU or a second free is detected and refused; it
 *    never corrupts the allocator.
 *
 * Allocation is lowest-free first in both spaces, found through a 64-ary
 * bitmap tree whose upper levels mark full words: O(log64 n) per
 * alloc/free (4 levels for 2^20 PASIDs). A vGPU's vPASIDs are lowest-free
 * too, so with at most `quota` alive they stay <= quota: the vPASID table
 * is sized min(2^width, quota + 1), not 2^width.
 *
 * Threads: the backend calls these from several ring worker threads. One
 * mutex in the space guards the space and every vGPU attached to it; each
 * function below takes it. A vGPU must not be used after its _free, and
 * every vGPU must be freed before its space.
 *
 * Trust: vPASIDs and pPASIDs passed in may come from a guest; any value
 * is checked, none reaches an unchecked index.
 */
#ifndef XV_PASID_H
#define XV_PASID_H

#include <stdint.h>

#define XV_PASID_MAX_BITS 20 /* PCIe PASID: 20 bits */
#define XV_PASID_RESERVED 0  /* never allocated, in either space */

struct xv_pasid_space;
struct xv_pasid_vgpu;

/* Why an allocation failed with -ENOSPC. */
enum xv_pasid_nospc {
	XV_PASID_NOSPC_NONE = 0,
	XV_PASID_NOSPC_QUOTA,  /* the vGPU holds max_pasids already */
	XV_PASID_NOSPC_WIDTH,  /* every vPASID below 2^width is in use */
	XV_PASID_NOSPC_DEVICE, /* every pPASID of the device is in use */
};

/* A device with PASIDs 1..2^bits-1; bits in 1..20. 0 or -EINVAL/-ENOMEM. */
int xv_pasid_space_new(unsigned int bits, struct xv_pasid_space **out);
/* NULL ok. Every vGPU of the space must have been freed. */
void xv_pasid_space_free(struct xv_pasid_space *space);
/* pPASIDs allocated across all vGPUs. */
uint32_t xv_pasid_space_in_use(struct xv_pasid_space *space);
/* Highest pPASID of the space: 2^bits - 1. */
uint32_t xv_pasid_space_max(const struct xv_pasid_space *space);

/*
 * A vGPU that may hold up to `quota` PASIDs (0 allowed: it gets none),
 * with Max PASID Width `width` (1..20). 0 or -EINVAL/-ENOMEM.
 */
int xv_pasid_vgpu_new(struct xv_pasid_space *space, uint32_t quota,
		      unsigned int width, struct xv_pasid_vgpu **out);
/* NULL ok. Frees every PASID the vGPU still holds, then the vGPU. */
void xv_pasid_vgpu_free(struct xv_pasid_vgpu *vgpu);
/* PASIDs the vGPU holds now. */
uint32_t xv_pasid_vgpu_in_use(struct xv_pasid_vgpu *vgpu);

/*
 * Allocate the lowest free vPASID of the vGPU and the lowest free pPASID
 * of the device, and map one to the other. 0, or -ENOSPC with *why (NULL
 * ok) saying which limit was hit; nothing changes on failure.
 */
int xv_pasid_alloc(struct xv_pasid_vgpu *vgpu, uint32_t *vpasid,
		   uint32_t *ppasid, enum xv_pasid_nospc *why);

/* vPASID -> pPASID. 0, -EINVAL (0 or >= 2^width), -ENOENT (not mapped). */
int xv_pasid_lookup(struct xv_pasid_vgpu *vgpu, uint32_t vpasid,
		    uint32_t *ppasid);

/*
 * pPASID -> vPASID, only for a pPASID this vGPU holds (fault routing).
 * 0, -EINVAL (reserved/out of range/free), -EPERM (another vGPU's).
 */
int xv_pasid_reverse(struct xv_pasid_vgpu *vgpu, uint32_t ppasid,
		     uint32_t *vpasid);

/* Free by vPASID. 0, or -EINVAL (reserved, out of range, not allocated). */
int xv_pasid_free(struct xv_pasid_vgpu *vgpu, uint32_t vpasid);

/*
 * Free by pPASID. 0, -EINVAL (reserved, out of range, already free),
 * -EPERM (held by another vGPU: left as it is).
 */
int xv_pasid_free_ppasid(struct xv_pasid_vgpu *vgpu, uint32_t ppasid);

/* Teardown: free every PASID the vGPU holds; returns how many (>= 0). */
int xv_pasid_release_all(struct xv_pasid_vgpu *vgpu);

#endif /* XV_PASID_H */
