/*
 * guest-mem.h — a TEST DOUBLE: fake guest memory, a fake pinner and a fake
 * shadow-table allocator with an IOVA → host lookup, for unit tests,
 * fuzzers and benchmarks. Nothing here talks to Xen or to a real IOMMU.
 *
 * What it models:
 *  - guest pages: 4 KiB, zeroed, keyed by a guest address that looks like
 *    a Xen grant-based address (bit 63 | gref << 12, gref >= 1), so the
 *    code under test sees what it sees on Xen. The test writes them
 *    through xv_gmem_page(), as the guest would.
 *  - a pinner (xv_gmem_pin_ops, ctx = the struct xv_gmem *): per page and
 *    per access refcounts, all-or-nothing pin_batch (an unknown or "bad"
 *    address, or the quota, fails the whole batch), an IOVA per pinned
 *    page that stays put while any pin is held and is dropped on the last
 *    unpin, counters of calls and pages, and of unpin errors (an unpin
 *    without a matching pin). IOVAs are assigned either contiguous and
 *    2 MiB aligned per batch, or scattered (never adjacent).
 *  - a table allocator (xv_gmem_table_ops) handing out zeroed 4 KiB tables
 *    with IOVAs, with failure injection.
 *  - an IOVA → host lookup (the IOMMU, for walkers): xv_gmem_host() for
 *    any mapped page, xv_gmem_table_fn() (an xv_pt_table_fn) for tables.
 */
#ifndef XV_GUEST_MEM_H
#define XV_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "mapcache.h"
#include "pin.h"
#include "shadow.h"

struct xv_gmem;

enum xv_gmem_iova_mode {
	XV_GMEM_IOVA_CONTIG,  /* each batch gets a 2 MiB aligned run */
	XV_GMEM_IOVA_SCATTER, /* pages never adjacent */
};

struct xv_gmem_counters {
	uint64_t pin_calls;	   /* pin_batch calls */
	uint64_t pin_batch_calls;  /* ... of which with n > 1 */
	uint64_t pin_failed_calls; /* ... of which failed */
	uint64_t pages_pinned;	   /* pages over successful calls */
	uint64_t unpin_calls;
	uint64_t pages_unpinned;
	uint64_t unpin_errors; /* unpins with no matching pin */
	uint64_t tables_live;
	uint64_t tables_allocated;
	uint64_t table_alloc_failures;
};

/* Room for max_pages guest pages (grefs 1..max_pages). */
struct xv_gmem *xv_gmem_new(uint32_t max_pages);
void xv_gmem_free(struct xv_gmem *gm);

/* A new zeroed guest page; 0 when full (0 is never a valid address). */
xv_gaddr_t xv_gmem_alloc(struct xv_gmem *gm);
/* The guest's view of a page, or NULL if g names none. */
uint64_t *xv_gmem_page(struct xv_gmem *gm, xv_gaddr_t g);
uint32_t xv_gmem_pages(const struct xv_gmem *gm);
/* The address of the i-th allocated page (0-based). */
xv_gaddr_t xv_gmem_addr(const struct xv_gmem *gm, uint32_t i);

/* A bad address fails every pin (a revoked or forged grant). */
void xv_gmem_set_bad(struct xv_gmem *gm, xv_gaddr_t g, bool bad);
bool xv_gmem_is_bad(const struct xv_gmem *gm, xv_gaddr_t g);
/* Pinnable: names a page and is not bad. */
bool xv_gmem_pinnable(const struct xv_gmem *gm, xv_gaddr_t g);

void xv_gmem_set_iova_mode(struct xv_gmem *gm, enum xv_gmem_iova_mode m);
/* Most pins held at once (pages, counted per pin); 0: no quota. */
void xv_gmem_set_pin_quota(struct xv_gmem *gm, uint64_t max_live);
/* Table allocations fail after `n` more succeed; UINT32_MAX: never. */
void xv_gmem_fail_tables_after(struct xv_gmem *gm, uint32_t n);

/* Pins held on g with that access; all pins held on all pages. */
uint32_t xv_gmem_refs(const struct xv_gmem *gm, xv_gaddr_t g,
		      enum xv_pin_access access);
uint64_t xv_gmem_live_pins(const struct xv_gmem *gm);
/* g's IOVA while it is pinned. */
bool xv_gmem_iova_of(const struct xv_gmem *gm, xv_gaddr_t g, xv_iova_t *iova);
void xv_gmem_get_counters(const struct xv_gmem *gm,
			  struct xv_gmem_counters *out);

/*
 * Called on every unpin of a page, before its refcount drops; last: this
 * unpin drops the page's final pin (its IOVA goes away).
 */
typedef void (*xv_gmem_unpin_hook)(void *ctx, xv_gaddr_t g, xv_iova_t iova,
				   bool last);
void xv_gmem_set_unpin_hook(struct xv_gmem *gm, xv_gmem_unpin_hook fn,
			    void *ctx);

/* A host-owned zeroed page with an IOVA (a scratch page), freed with gm. */
void *xv_gmem_host_page(struct xv_gmem *gm, xv_iova_t *iova);

/* IOVA → host: any pinned page, table or host page; NULL if unmapped. */
void *xv_gmem_host(const struct xv_gmem *gm, xv_iova_t iova);
/* An xv_pt_table_fn over tables only (ctx = gm). */
const uint64_t *xv_gmem_table_fn(void *ctx, xv_iova_t iova, unsigned int level);

extern const struct xv_pin_ops xv_gmem_pin_ops;
/*
 * A mapper (ctx = gm) for running the real map cache over this guest
 * memory: map_batch hands out the guest pages themselves (no copy, as a
 * grant mapping shares the page), -EFAULT if any page is not pinnable;
 * unmap_batch does nothing (gm owns the pages).
 */
extern const struct xv_mapper_ops xv_gmem_mapper_ops;
extern const struct xv_shadow_table_ops xv_gmem_table_ops;

#endif /* XV_GUEST_MEM_H */
