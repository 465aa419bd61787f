/*
 * iommu.h — the IOMMU-model interface: what the backend's DMA-mapping layer
 * asks of an IOMMU, and what the device side asks when it walks memory.
 *
 * Shaped after the Xen PV-IOMMU proposals (no Xen release has one yet):
 *  - a context is one IOVA address space (an identifier, not a pointer);
 *  - map and unmap go in batches of at most XV_IOMMU_BATCH_MAX entries,
 *    each batch all-or-nothing;
 *  - unmap does not invalidate the IOTLB: a flush does. Until the flush,
 *    the device may still reach the page through a cached translation.
 *    Hence the rule every caller keeps: release an IOVA (for reuse) or a
 *    host page (unmap its grant) only AFTER the flush that covers its
 *    unmap (XSA-346's lesson). Implementations may refuse to map an IOVA
 *    whose unmap is not yet flushed (-EBUSY);
 *  - PASIDs are attached to a context; the device translates
 *    (PASID, IOVA, access) to a host page or a fault.
 *
 * Concepts (see docs/iommu-and-mapcache.md):
 *  - IOVA: the device address a shadow PTE holds; 4 KiB pages, below
 *    2^XV_IOMMU_IOVA_BITS.
 *  - host page: a 4 KiB-aligned mapping of a guest page in the backend.
 *
 * Errors are -errno. Translate faults are spelt XV_IOMMU_FAULT_*.
 */
#ifndef XV_IOMMU_H
#define XV_IOMMU_H

#include <errno.h>
#include <stdint.h>

#include "pin.h"

/* Most entries of one map or unmap batch. */
#define XV_IOMMU_BATCH_MAX 128u
/* IOVAs of a context are below 2^48 (a 4-level table of 4 KiB pages). */
#define XV_IOMMU_IOVA_BITS 48u
/* PASIDs are 20 bits (PCIe). */
#define XV_IOMMU_PASID_BITS 20u

/* Access rights of a mapping, and access kinds of a translation. */
#define XV_IOMMU_READ  1u
#define XV_IOMMU_WRITE 2u
#define XV_IOMMU_RW    (XV_IOMMU_READ | XV_IOMMU_WRITE)

/* Faults translate reports (negative, like every error). */
#define XV_IOMMU_FAULT_NOT_MAPPED (-ENOENT) /* no translation for the IOVA */
#define XV_IOMMU_FAULT_PERMISSION (-EACCES) /* mapped, access not allowed */
#define XV_IOMMU_FAULT_NO_PASID	  (-ESRCH)  /* PASID attached to nothing */

typedef uint32_t xv_iommu_ctx_t;

struct xv_iommu_map {
	xv_iova_t iova; /* 4 KiB aligned */
	void *page;	/* host page, 4 KiB aligned */
	uint32_t flags; /* XV_IOMMU_READ, or XV_IOMMU_RW */
};

struct xv_iommu_ops {
	/* A new, empty context: -ENOSPC when the IOMMU has no more. */
	int (*ctx_alloc)(void *iommu, xv_iommu_ctx_t *ctx);
	/*
	 * Destroy a context and every mapping in it (its IOTLB goes with it).
	 * -EBUSY while a PASID is attached; -ENOENT for an unknown context.
	 */
	int (*ctx_free)(void *iommu, xv_iommu_ctx_t ctx);
	/*
	 * Map n (1..XV_IOMMU_BATCH_MAX) pages, all-or-nothing.
	 * -EINVAL: bad n, flags, alignment, range or duplicate IOVA in the
	 * batch; -EEXIST: an IOVA is mapped; -EBUSY: an IOVA's unmap is not
	 * flushed yet; -ENOENT: no such context; -ENOMEM.
	 */
	int (*map_batch)(void *iommu, xv_iommu_ctx_t ctx,
			 const struct xv_iommu_map *m, unsigned int n);
	/*
	 * Unmap n (1..XV_IOMMU_BATCH_MAX) IOVAs, all-or-nothing. The IOTLB
	 * may keep translating them until a flush. -ENOENT: an IOVA (or the
	 * context) is not mapped; -EINVAL: bad n or duplicate; -ENOMEM.
	 */
	int (*unmap_batch)(void *iommu, xv_iommu_ctx_t ctx,
			   const xv_iova_t *iova, unsigned int n);
	/*
	 * Invalidate the IOTLB of a context for [iova, iova + npages pages),
	 * or all of it when npages is 0. After it returns, no translation of
	 * an IOVA unmapped before the call can be served.
	 */
	int (*flush)(void *iommu, xv_iommu_ctx_t ctx, xv_iova_t iova,
		     uint64_t npages);
	/* -EBUSY: PASID already attached; -ERANGE: PASID too wide. */
	int (*pasid_attach)(void *iommu, uint32_t pasid, xv_iommu_ctx_t ctx);
	/*
	 * -ENOENT: not attached. From its return on, translations for the
	 * PASID fault with XV_IOMMU_FAULT_NO_PASID.
	 */
	int (*pasid_detach)(void *iommu, uint32_t pasid);
	/*
	 * Device side, any thread: the host page holding iova (add
	 * iova & ~XV_PAGE_MASK for the byte), for an access of
	 * XV_IOMMU_READ and/or XV_IOMMU_WRITE; or an XV_IOMMU_FAULT_*.
	 */
	int (*translate)(void *iommu, uint32_t pasid, xv_iova_t iova,
			 uint32_t access, void **page);
};

/* An IOMMU instance: its ops and the opaque object they act on. */
struct xv_iommu {
	const struct xv_iommu_ops *ops;
	void *impl;
};

/*
 * Map any number of pages in batches of XV_IOMMU_BATCH_MAX; on failure
 * the batches already mapped are unmapped and flushed again, so it stays
 * all-or-nothing. Returns 0 or the failing batch's -errno.
 */
int xv_iommu_map_range(const struct xv_iommu *io, xv_iommu_ctx_t ctx,
		       const struct xv_iommu_map *m, unsigned int n);

/* Unmap any number of IOVAs in bounded batches (no flush). Stops at the
 * first failure, whose -errno it returns; earlier batches stay unmapped. */
int xv_iommu_unmap_range(const struct xv_iommu *io, xv_iommu_ctx_t ctx,
			 const xv_iova_t *iova, unsigned int n);

#endif /* XV_IOMMU_H */
