/*
 * shadow.h — the shadow engine: guest GPU page tables (entries hold guest
 * addresses) turned into shadow tables the device walks (entries hold
 * IOVAs), one struct xv_shadow per GPU context.
 *
 * Concepts:
 *  - The guest's tables are shared memory the guest may change at any
 *    time. Each guest table page is pinned READ just long enough to copy
 *    it (or the part being synced) into private memory; the engine only
 *    ever decides from that copy (double-fetch rule, XSA-155). The copy is
 *    also the out-of-sync snapshot.
 *  - The engine keeps one node per guest table *position* in the tree
 *    (root, then by VA), not per guest page: a page used at several places
 *    gets several nodes, and the fixed depth of 4 means a table that points
 *    at itself or an ancestor can never make a walk loop. Work is bounded
 *    by max_tables nodes per context; past it entries go to scratch.
 *  - Data pages are pinned per guest leaf (READ, or READWRITE when the
 *    guest entry has W), all present leaves of one guest L1 page in one
 *    batch per access. When the 512 leaves of a guest L1 page are pinned to
 *    contiguous, 2 MiB aligned IOVAs with equal flags, the shadow L2 entry
 *    is one 2 MiB leaf and no shadow L1 table exists; a change splits it.
 *  - Bad entries (reserved bits, PS, failed pin, table limit) point at the
 *    per-vGPU scratch page (leaves, read-only) or at the scratch table
 *    chain (non-leaf entries), so the whole subtree resolves to scratch;
 *    they are counted in the stats. Never anything else.
 *  - Order of a change: new pins taken, new entry stored with one 64-bit
 *    store (xv_pte_store), tlb_invalidate for its VA range, then old pins
 *    dropped and old shadow tables freed.
 *  - Out-of-sync (OOS) mode, on by default: an update notification puts
 *    the guest table pages covering the range into the context's OOS set
 *    instead of re-shadowing them. xv_shadow_sync() (call it at submit)
 *    re-reads every page of the set and re-shadows only entries that
 *    differ from the snapshot. Pages stay in the set (hot pages are checked
 *    at each sync without a notification) while the per-vGPU budget has
 *    room; over budget a notified page is synced at once, and the next
 *    syncs release the least recently changed pages to make room.
 *
 * Thread model: one thread (the vGPU's ring worker) calls every function
 * of a given xv_shadow and of its xv_shadow_vgpu; nothing here locks. The
 * device's engines may walk the shadow tables concurrently at any time:
 * live entries change only by single 64-bit release stores, a new table is
 * filled before the store that links it, and a table or pin is released
 * only after tlb_invalidate returned for its range. tlb_invalidate must
 * therefore wait until the device no longer uses stale translations.
 */
#ifndef XV_SHADOW_H
#define XV_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "pin.h"
#include "pt.h"

/*
 * Memory for shadow tables: a zeroed, 4 KiB aligned 4 KiB table, its host
 * pointer and its IOVA (the device walks shadow tables by IOVA through the
 * IOMMU). The engine keeps its own host pointers and never translates.
 */
struct xv_shadow_table_ops {
	int (*alloc)(void *ctx, uint64_t **table, xv_iova_t *iova);
	void (*free)(void *ctx, uint64_t *table, xv_iova_t iova);
};

/* ---- per-vGPU state shared by the shadows of its contexts --------------- */

struct xv_shadow_vgpu;

struct xv_shadow_vgpu_config {
	const struct xv_shadow_table_ops *table_ops;
	void *table_ctx;
	xv_iova_t scratch_iova; /* the vGPU's scratch page, 4 KiB aligned */
	uint32_t oos_pages;	/* OOS budget in pages (xv_limits.oos_pages) */
};

/*
 * Allocates the scratch table chain (L1 → scratch page, L2 → L1, L3 → L2)
 * through table_ops. Free it after every shadow that uses it.
 */
int xv_shadow_vgpu_new(const struct xv_shadow_vgpu_config *cfg,
		       struct xv_shadow_vgpu **out);
void xv_shadow_vgpu_free(struct xv_shadow_vgpu *v);
/* Pages currently held in OOS sets by all contexts of the vGPU. */
uint32_t xv_shadow_vgpu_oos_used(const struct xv_shadow_vgpu *v);

/* ---- one shadow per GPU context ------------------------------------------ */

struct xv_shadow;

typedef void (*xv_tlb_invalidate_fn)(void *ctx, uint64_t va, uint64_t len);

struct xv_shadow_config {
	struct xv_shadow_vgpu *vgpu;
	/*
	 * Data pins are dropped by token when pin_ops has unpin_tokens. When
	 * pin_ops is &xv_mapcache_pin_ops (pin_ctx the cache), updates take
	 * pins on pages the cache already has pinned straight from its grant
	 * index (mapcache-hit.h): the same pins, no call per page.
	 */
	const struct xv_pin_ops *pin_ops;
	void *pin_ctx;
	/* Fires on every change of a live shadow entry, before old pins are
	 * dropped and old tables freed. */
	xv_tlb_invalidate_fn tlb_invalidate;
	void *tlb_ctx;
	uint32_t max_tables;	 /* guest tables shadowed; 0: default */
	uint32_t oos_idle_syncs; /* drop an unchanged OOS page after this
				  * many syncs; 0: default, ~0u: never */
	bool oos_disable;	 /* start with OOS mode off */
};

#define XV_SHADOW_DEFAULT_MAX_TABLES 16384u
#define XV_SHADOW_DEFAULT_OOS_IDLE   64u

struct xv_shadow_stats {
	/* Gauges: the state now. */
	uint64_t pinned_leaves; /* data pins held (one per 4 KiB guest leaf) */
	uint64_t scratch_entries;   /* shadow entries pointing at scratch */
	uint64_t huge_leaves;	    /* 2 MiB shadow leaves */
	uint64_t shadow_tables;	    /* shadow tables allocated, root included */
	uint64_t guest_tables;	    /* guest table positions shadowed (nodes) */
	uint64_t oos_pages;	    /* pages in this context's OOS set */
	uint64_t last_sync_changed; /* entries re-shadowed by the last sync */
	/* Counters since creation. */
	uint64_t tlb_invalidations;
	uint64_t entries_reshadowed; /* guest entries re-shadowed, all paths */
	uint64_t scratch_events;     /* times an entry was sent to scratch */
	uint64_t bad_entries;	     /* ... because the entry was invalid */
	uint64_t pin_failures;	     /* ... because a pin or read failed */
	uint64_t table_limit_hits;   /* ... because of max_tables */
	uint64_t huge_splits;
	uint64_t huge_merges;
	uint64_t syncs;
	uint64_t oos_overflows; /* notifications synced at once: no budget */
};

int xv_shadow_new(const struct xv_shadow_config *cfg, struct xv_shadow **out);
/* Releases every pin exactly once and every table; NULL is fine. */
void xv_shadow_free(struct xv_shadow *sh);

/*
 * Register (or replace) the context's guest root table and populate the
 * shadow from it. -EFAULT if the root page cannot be read (every entry
 * then resolves to scratch); bad entries below are counted, not errors.
 */
int xv_shadow_set_root(struct xv_shadow *sh, xv_gaddr_t root);

/*
 * The guest changed entries mapping [va, va+len). Immediate mode: re-read
 * the tables covering the range and re-shadow changed entries. OOS mode:
 * track those pages until the next xv_shadow_sync (or sync now when the
 * budget is spent). -EINVAL for a range outside 48 bits.
 */
int xv_shadow_update_range(struct xv_shadow *sh, uint64_t va, uint64_t len);

/* Submit time: bring every OOS page back in sync; no-op without OOS. */
int xv_shadow_sync(struct xv_shadow *sh);

/*
 * Re-read every guest table, re-shadow what changed and retry entries that
 * went to scratch because a pin failed or a limit was hit.
 */
int xv_shadow_resync(struct xv_shadow *sh);

/* Switch OOS mode; switching it off syncs and releases the OOS set. */
int xv_shadow_set_oos(struct xv_shadow *sh, bool on);
bool xv_shadow_oos_enabled(const struct xv_shadow *sh);

/* The shadow root the device is bound to (stable for the shadow's life). */
xv_iova_t xv_shadow_root_iova(const struct xv_shadow *sh);
const uint64_t *xv_shadow_root_table(const struct xv_shadow *sh);

/*
 * Translate va through the shadow's own tree of host pointers, exactly as
 * the device would walk it (same xv_pt_walk checks). 0 or -EFAULT with
 * out->fault. Also checks that every table IOVA met is the one the engine
 * allocated there (BAD_TABLE otherwise).
 */
int xv_shadow_translate(const struct xv_shadow *sh, uint64_t va,
			enum xv_pt_access access,
			struct xv_pt_walk_result *out);

/* True if iova is the vGPU's scratch page. */
bool xv_shadow_is_scratch(const struct xv_shadow *sh, xv_iova_t iova);

void xv_shadow_get_stats(const struct xv_shadow *sh,
			 struct xv_shadow_stats *out);

#endif /* XV_SHADOW_H */
