/*
 * be-grant.h — the grant mapper: the map cache's lower interface
 * (struct xv_mapper_ops, common/mapcache.h) on libxengnttab.
 *
 * Concepts:
 *  - One mapper per vGPU, bound to ONE guest domain for life: map_batch
 *    maps only grants of that domain (xengnttab_map_domain_grant_refs
 *    with the frontend's domid) and refuses a call naming any other
 *    domain, so a grant another guest gave dom0 is never mapped for this
 *    one.
 *  - Guest addresses are grant-based (vgpuif.h: bit 63, gref in bits
 *    12..51); anything else is refused with -EFAULT before any call.
 *  - A batch is mapped with one gntdev call, all-or-nothing, read-only for
 *    XV_PIN_READ. gntdev maps a batch as one VMA, and libxengnttab's
 *    xengnttab_unmap refuses any count but the whole mapping's (it checks
 *    the count IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR reports), so the map
 *    cache's page-by-page unmaps are absorbed here: each batch is a chunk
 *    counting its live pages, and the chunk is unmapped when its last page
 *    goes. A page the cache evicted is therefore released for the cache
 *    (its IOVA was flushed and freed before) even though the host mapping
 *    may live on until its chunk-mates go.
 *  - The Xen calls sit behind struct be_grant_io, so the chunk logic is
 *    unit-tested with a test double; the daemon uses be_grant_xengnttab.
 *
 * Counters (be_grant_get_stats, any thread): gntdev map and unmap calls,
 * pages, live chunks and pages, refused calls. They are the numbers the
 * bench checks with strace (one map ioctl per counted map call).
 *
 * Threads: the mapper calls come from the vGPU's ring worker only; stats
 * may be read from any thread (relaxed atomics).
 */
#ifndef XV_BE_GRANT_H
#define XV_BE_GRANT_H

#include <stdint.h>

#include "mapcache.h"

/* The two libxengnttab calls the mapper makes (a seam for test doubles). */
struct be_grant_io {
	/* As xengnttab_map_domain_grant_refs: NULL with errno set. */
	void *(*map)(void *handle, uint32_t count, uint32_t domid,
		     uint32_t *refs, int prot);
	/* As xengnttab_unmap: 0 or -1 with errno set. */
	int (*unmap)(void *handle, void *start, uint32_t count);
};

/* handle = a xengnttab_handle *. */
extern const struct be_grant_io be_grant_xengnttab;

struct be_grant_config {
	uint32_t domid; /* the frontend's domain; the only one mapped */
	const struct be_grant_io *io;
	void *handle;
};

struct be_grant;

/* The mapper ops; ctx = the struct be_grant *. */
extern const struct xv_mapper_ops be_grant_mapper_ops;

/* -EINVAL (no io), -ENOMEM. */
int be_grant_new(const struct be_grant_config *cfg, struct be_grant **out);
/*
 * NULL ok. Unmaps every chunk still mapped (the map cache normally
 * released every page before: free the cache first).
 */
void be_grant_free(struct be_grant *g);

struct be_grant_stats {
	uint64_t map_calls;   /* successful gntdev map calls (one a batch) */
	uint64_t unmap_calls; /* gntdev unmap calls (one a chunk) */
	uint64_t pages_mapped;
	uint64_t pages_unmapped;
	uint64_t failed_maps;  /* map calls Xen refused (bad grant) */
	uint64_t refused;      /* calls refused before Xen: domid, address */
	uint64_t live_chunks;  /* batches mapped now */
	uint64_t mapped_pages; /* pages of those batches: grant mappings */
	uint64_t live_pages;   /* of which the cache still holds */
};

void be_grant_get_stats(const struct be_grant *g, struct be_grant_stats *out);

#endif /* XV_BE_GRANT_H */
