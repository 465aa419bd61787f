/*
 * iova.h — allocator of device addresses (IOVAs) in one IOMMU context.
 *
 * Concepts:
 *  - an IOVA space is the window [base, base + size) of one IOMMU context
 *    (common/iommu.h) that the backend hands out, in 4 KiB pages. Each
 *    vGPU has its own; nothing is shared between guests.
 *  - an allocation is a run of contiguous pages, optionally aligned (in
 *    absolute IOVA terms) to a power-of-two number of pages.
 *  - a free may cover any sub-range of earlier allocations: the map cache
 *    allocates one run per batch of misses and later releases the pages
 *    one by one as they are evicted. Free extents are coalesced.
 *
 * Placement: runs of XV_IOVA_BIG_PAGES (2 MiB) or more, or aligned to that,
 * are taken from the bottom of the space upwards at the lowest aligned fit;
 * smaller runs from the top downwards. Small, short-lived runs therefore do
 * not punch holes in the region where 2 MiB-aligned runs live, and a batch
 * of 512 pages usually becomes one 2 MiB leaf in the shadow table.
 *
 * The free extents sit in a balanced (AVL) tree keyed by start page and
 * annotated with the largest extent of each subtree: alloc, free and the
 * double-free check are O(log n) in the number of extents (an aligned
 * search may visit more nodes when alignment, not size, is what fails).
 *
 * Every page of the space that is not in a free extent is allocated, so a
 * free that overlaps a free extent is a double free or a free of something
 * never allocated: -EINVAL, nothing changes.
 *
 * Not thread-safe: one owner thread (the vGPU's ring worker) calls it.
 */
#ifndef XV_IOVA_H
#define XV_IOVA_H

#include <stdint.h>

#include "pin.h"

/* 2 MiB in pages: one leaf of the level above 4 KiB in the shadow table. */
#define XV_IOVA_BIG_PAGES 512u

struct xv_iova_space;

/*
 * A space of [base, base + size) bytes; both 4 KiB aligned, size > 0,
 * no wrap-around. -EINVAL on bad bounds, -ENOMEM.
 */
int xv_iova_space_new(xv_iova_t base, uint64_t size,
		      struct xv_iova_space **out);
void xv_iova_space_free(struct xv_iova_space *sp); /* NULL ok */

/*
 * Allocate npages (> 0) contiguous pages whose first IOVA is a multiple
 * of align_pages * 4 KiB (align_pages: 0 or 1 = none, else a power of
 * two). 0 and *iova set; -EINVAL on bad arguments; -ENOSPC when no free
 * run fits; -ENOMEM (nothing changed).
 */
int xv_iova_alloc(struct xv_iova_space *sp, uint64_t npages,
		  uint64_t align_pages, xv_iova_t *iova);

/*
 * Release npages pages from iova, which must all be allocated (any
 * sub-range of earlier allocations). -EINVAL when the range is not page
 * aligned, leaves the space, or overlaps free pages (double free): nothing
 * changes. -ENOMEM when a new extent could not be recorded: the range
 * stays allocated (leaked, never handed out twice).
 */
int xv_iova_free(struct xv_iova_space *sp, xv_iova_t iova, uint64_t npages);

/* Pages currently free, and the number of free extents (fragmentation). */
uint64_t xv_iova_free_pages(const struct xv_iova_space *sp);
uint64_t xv_iova_free_extents(const struct xv_iova_space *sp);
/* Largest free run, in pages. */
uint64_t xv_iova_largest_free(const struct xv_iova_space *sp);

#endif /* XV_IOVA_H */
