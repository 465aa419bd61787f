/*
 * iommu-soft.h — a software IOMMU behind struct xv_iommu_ops, used by the
 * software reference GPU and by tests.
 *
 * What it models:
 *  - per context, IOVA → host page in a 4-level radix table (like a real
 *    second-stage table), and a small direct-mapped IOTLB that caches
 *    translations. unmap_batch clears the table entry but NOT the IOTLB,
 *    so a translation cached before the unmap keeps being served until
 *    flush: forgetting a flush is observable, as on hardware;
 *  - the flush rule: an IOVA unmapped but not yet flushed cannot be mapped
 *    again (-EBUSY), and xv_iommu_soft_page_refs() tells a test whether
 *    the model can still reach a host page (mapping, unflushed unmap or
 *    IOTLB entry), i.e. whether releasing it now would be a bug;
 *  - a PASID table (20-bit PASIDs) pointing at contexts.
 *
 * Threads: any number of device threads call translate while one control
 * thread maps, unmaps, flushes and attaches. One writer-preferring rwlock
 * guards the tables: translate holds it shared, everything else holds it
 * exclusive, so a translation sees a batch entirely or not at all and a
 * context is never freed under a walker. Translators fill a context's
 * IOTLB concurrently under a per-context spinlock (an entry is two words).
 */
#ifndef XV_IOMMU_SOFT_H
#define XV_IOMMU_SOFT_H

#include <stdint.h>

#include "iommu.h"

/* IOTLB entries of one context (direct-mapped on the IOVA page number). */
#define XV_IOMMU_SOFT_IOTLB 64u

struct xv_iommu_soft;

extern const struct xv_iommu_ops xv_iommu_soft_ops;

/* An IOMMU with up to max_ctx (1..4096) contexts. -EINVAL, -ENOMEM. */
int xv_iommu_soft_new(unsigned int max_ctx, struct xv_iommu_soft **out);
/* Frees every context and mapping; no translate may run. NULL ok. */
void xv_iommu_soft_free(struct xv_iommu_soft *s);

/* The instance as a struct xv_iommu (ops = &xv_iommu_soft_ops). */
struct xv_iommu xv_iommu_soft_iommu(struct xv_iommu_soft *s);

struct xv_iommu_soft_stats {
	uint64_t mapped;       /* pages mapped now, all contexts */
	uint64_t unflushed;    /* pages unmapped, awaiting a flush */
	uint64_t map_calls;    /* successful map_batch calls */
	uint64_t unmap_calls;  /* successful unmap_batch calls */
	uint64_t flushes;      /* flush calls (and detach flushes) */
	uint64_t translations; /* translate calls */
	uint64_t iotlb_hits;   /* of which served by the IOTLB */
	uint64_t faults;       /* of which faulted */
};

void xv_iommu_soft_get_stats(struct xv_iommu_soft *s,
			     struct xv_iommu_soft_stats *out);

/*
 * Test hook: the number of ways the model can still reach this host page
 * (live mappings + unflushed unmaps + IOTLB entries, all contexts). Zero
 * means the page may be released. O(table size).
 */
unsigned long xv_iommu_soft_page_refs(struct xv_iommu_soft *s,
				      const void *page);

#endif /* XV_IOMMU_SOFT_H */
