/*
 * mapcache.h — the map cache: {domain, guest address, access} ↔ mapped
 * host page ↔ IOVA, one per vGPU, shared by the GPU contexts of that vGPU.
 *
 * Concepts (docs/iommu-and-mapcache.md has the longer story):
 *  - the cache implements the pin interface (common/pin.h) on top of a
 *    *mapper* (what makes a guest page reachable by the backend: grant
 *    mapping through gntdev on Xen), an IOVA space (common/iova.h) and an
 *    IOMMU context (common/iommu.h) where each page is mapped at its IOVA;
 *  - an entry is refcounted by pins. When its count drops to 0 it stays
 *    mapped (a persistent pin, as blkif's persistent grants): the next pin
 *    of that page is a hit and costs no mapper call. Unused entries sit on
 *    an LRU list and are evicted when the quota (most pages mapped) would
 *    be exceeded, or by xv_mapcache_drop_unused();
 *  - the domain is fixed per cache (one vGPU serves one guest), so the
 *    lookup key is {guest address, access}: a page pinned read-only and
 *    read-write is two entries with two IOVAs.
 *
 * Order of operations (the flush rule, XSA-346):
 *    evict:  IOMMU unmap → IOMMU flush → IOVA free → mapper unmap
 *    a page is released, and its IOVA reused, only after its flush.
 *
 * pin_batch: hits take a reference without calling the mapper; the
 * distinct misses of one batch are mapped with ONE mapper call, get ONE
 * contiguous IOVA run (2 MiB aligned when there are 512 of them, so the
 * shadow engine can use a 2 MiB leaf), and are mapped in the IOMMU in
 * batches of XV_IOMMU_BATCH_MAX. All-or-nothing: on failure no pin, no
 * entry, no IOVA and no mapping of the batch remains. (Unused entries the
 * batch evicted to make room stay evicted; that changes no pin.)
 *
 * Threads: every call on a cache comes from one thread, the vGPU's ring
 * worker; nothing here locks. Device threads never touch the cache: they
 * translate through the IOMMU, which is thread-safe on its own.
 */
#ifndef XV_MAPCACHE_H
#define XV_MAPCACHE_H

#include <stdint.h>

#include "iommu.h"
#include "iova.h"
#include "pin.h"

/*
 * The lower interface: how guest pages are made reachable. On Xen:
 * xengnttab_map_domain_grant_refs / xengnttab_unmap. Test doubles too.
 */
struct xv_mapper_ops {
	/*
	 * Map n (1..XV_PIN_BATCH_MAX) guest pages of domid, all-or-nothing:
	 * 0 with pages[0..n) set to 4 KiB-aligned host mappings, or -errno
	 * with nothing mapped (-EFAULT for a refused guest address).
	 */
	int (*map_batch)(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
			 unsigned int n, enum xv_pin_access access,
			 void **pages);
	/*
	 * Unmap n (1..XV_PIN_BATCH_MAX) pages. They may come from different
	 * map_batch calls and be a part of one: a mapper on gntdev must be
	 * able to release single pages of a batch.
	 */
	void (*unmap_batch)(void *ctx, void *const *pages, unsigned int n);
};

struct xv_mapcache_config {
	uint32_t domid;	    /* the guest whose pages are cached */
	uint32_t max_pages; /* quota: most pages mapped at once, 1..2^30 */
	const struct xv_mapper_ops *mapper;
	void *mapper_ctx;
	struct xv_iommu iommu;	  /* where pages get their IOVA mapped */
	xv_iommu_ctx_t iommu_ctx; /* the vGPU's IOMMU context */
	/*
	 * The IOVA window of that context: an existing space the cache then
	 * borrows (not freed with the cache), or NULL and a window
	 * [iova_base, iova_base + iova_size) the cache makes and owns.
	 */
	struct xv_iova_space *iova_space;
	xv_iova_t iova_base;
	uint64_t iova_size;
};

struct xv_mapcache;

/* The pin interface; the ctx to pass with it is the struct xv_mapcache *. */
extern const struct xv_pin_ops xv_mapcache_pin_ops;

/* -EINVAL (bad config), -ENOMEM. */
int xv_mapcache_new(const struct xv_mapcache_config *cfg,
		    struct xv_mapcache **out);
/*
 * Release everything, pinned or not, in the eviction order, each mapping
 * exactly once. The caller has stopped the device (no PASID may still use
 * these IOVAs). NULL ok.
 */
void xv_mapcache_free(struct xv_mapcache *mc);

/*
 * The same operations as xv_mapcache_pin_ops, typed. pin_batch fails as
 * pin.h says, and also with -ERANGE when a miss would get an IOVA of 2^52
 * or more, which no shadow entry can hold (a window configured past it),
 * and -EIO when the mapper broke its contract.
 */
int xv_mapcache_pin_batch(struct xv_mapcache *mc, const xv_gaddr_t *gaddr,
			  unsigned int n, enum xv_pin_access access,
			  struct xv_pin *out);
void xv_mapcache_unpin_batch(struct xv_mapcache *mc, const xv_gaddr_t *gaddr,
			     unsigned int n, enum xv_pin_access access);
/* A token is the pin's entry: valid from its pin to its unpin. */
void xv_mapcache_unpin_tokens(struct xv_mapcache *mc, const uint64_t *token,
			      unsigned int n, enum xv_pin_access access);

/* Evict every unused entry (shrink). Returns how many were evicted. */
unsigned int xv_mapcache_drop_unused(struct xv_mapcache *mc);

struct xv_mapcache_entry_info {
	void *page;
	xv_iova_t iova;
	uint32_t refs; /* 0: cached, unused */
};

/* Look an entry up without touching it (tests, debug). 0 or -ENOENT. */
int xv_mapcache_lookup(const struct xv_mapcache *mc, xv_gaddr_t gaddr,
		       enum xv_pin_access access,
		       struct xv_mapcache_entry_info *out);

struct xv_mapcache_stats {
	uint64_t entries;      /* pages mapped now (<= quota) */
	uint64_t pinned;       /* entries with refs > 0 */
	uint64_t hits;	       /* pins served from the cache */
	uint64_t misses;       /* pins that needed a mapping */
	uint64_t evictions;    /* entries evicted (quota, shrink, free) */
	uint64_t mapper_calls; /* map_batch calls */
	uint64_t mapper_unmap_calls;
	uint64_t pages_mapped; /* pages mapped by the mapper, ever */
	uint64_t pages_unmapped;
	uint64_t iommu_flushes;	 /* flushes of eviction rounds */
	uint64_t failed_batches; /* pin_batch calls that failed */
	uint64_t bad_unpins;	 /* unpins of pages not pinned (ignored) */
	uint64_t leaked;	 /* never released: the IOMMU refused an
				  * unmap or flush, the device may reach them */
};

void xv_mapcache_get_stats(const struct xv_mapcache *mc,
			   struct xv_mapcache_stats *out);

#endif /* XV_MAPCACHE_H */
