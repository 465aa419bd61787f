/*
 * mapcache-hit.h — the map cache's hit path, shared with the shadow engine.
 *
 * Internal to the core: only common/mapcache.c and common/shadow.c include
 * it. Everyone else uses the map cache through mapcache.h and pin.h.
 *
 * Why it exists: when a guest rewrites a whole page-table page, each changed
 * entry costs a pin of its new page and an unpin of its old one. Through
 * the pin interface (pin.h) that is a staged batch: gather the addresses,
 * one pin_batch call that looks each one up and fills a struct xv_pin,
 * a commit pass, then one unpin_tokens call. Per entry that was about 110
 * instructions, 18x a plain store loop (docs/pagetable.md, "Cost of an
 * update"). Most of that is staging, not work. When the pinner is this map
 * cache, the engine instead takes the common case, a page the cache has
 * mapped and finds in its grant index, in the same loop that compares and
 * stores the entry: for a pinned page two loads and a refcount increment,
 * no call; for a cached but unused one, a call that takes it off the LRU.
 * Whatever is not that case (a miss, an address only the hash table has,
 * a refcount at its limit) goes through pin_batch as before.
 *
 * The pin contract is unchanged: a pin taken here is an ordinary pin of
 * the cache, named by the same token (the entry's address) and dropped by
 * xv_mc_unpin or by unpin_tokens. Taking a reference on an entry that is
 * already referenced changes no other state of the cache (it is not on the
 * LRU, nothing is mapped), which is why that part can be inline here; the
 * LRU stays mapcache.c's. Threads: the ring worker's, as for every cache
 * call.
 */
#ifndef XV_MAPCACHE_HIT_H
#define XV_MAPCACHE_HIT_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "mapcache.h"
#include "pin.h"

/* The grant index: grefs below XV_MC_GREFS, 512 a leaf. */
#define XV_MC_LEAF_BITS 9u
#define XV_MC_LEAF	(1u << XV_MC_LEAF_BITS)
#define XV_MC_GREFS	(1u << 20)
#define XV_MC_DIR	(XV_MC_GREFS / XV_MC_LEAF)
/* Bit 63 of a guest address: grant-based (pt.h's XV_PTE_G). */
#define XV_MC_GADDR_G (1ull << 63)
/* gaddr ^ XV_MC_GADDR_G of an indexed address has no bit outside this
 * mask: frame bits of a gref below XV_MC_GREFS, page offset zero. */
#define XV_MC_ADDR_MASK \
	(((uint64_t)XV_MC_GREFS << XV_PAGE_SHIFT) - XV_PAGE_SIZE)
/* Every entry's IOVA is 4 KiB aligned and below this: the frame field of a
 * shadow entry (pt.h, bits 12..51). The cache refuses a miss whose IOVA
 * would not fit, so a hit needs no check. */
#define XV_MC_IOVA_LIMIT (1ull << 52)
/* The most references an entry may hold: refs in [1, XV_MC_REFS_MAX]
 * leaves room for one more batch. */
#define XV_MC_REFS_MAX (UINT32_MAX - XV_PIN_BATCH_MAX)

struct xv_mc_entry {
	uint64_t key; /* gaddr | access; never 0 since access != 0 */
	void *page;
	xv_iova_t iova;
	uint32_t refs;
	uint32_t mark; /* == mc->gen: taken by the pin_batch in progress */
	struct xv_mc_entry *prev, *next; /* LRU links, valid iff refs == 0 */
};

/* Entries of 512 consecutive grefs; e[access >> 1]: READ 0, READWRITE 1. */
struct xv_mc_leaf {
	struct xv_mc_entry *e[2][XV_MC_LEAF];
	uint32_t used; /* non-NULL slots */
};

/* What the engine keeps of a cache to take hits on it. */
struct xv_mc_hits {
	struct xv_mapcache *mc;
	struct xv_mc_leaf *const *dir; /* XV_MC_DIR leaf pointers */
};

/* Fill h for mc (the directory never moves during mc's life). */
void xv_mapcache_hits_init(struct xv_mapcache *mc, struct xv_mc_hits *h);
/* Count n pins taken with xv_mc_pin_hit_gref in the cache's statistics. */
void xv_mapcache_count_hits(struct xv_mapcache *mc, uint64_t n);
/* Take the first pin on e, a cached but unused entry (refs 0): it leaves
 * the LRU. Out of line: it touches the list. */
void xv_mapcache_pin_unused(struct xv_mapcache *mc, struct xv_mc_entry *e);

/* The grant index's entry for gref (< XV_MC_GREFS), access index a
 * (READ 0, READWRITE 1), or NULL: then only the hash table may know. */
static inline struct xv_mc_entry *
xv_mc_index_gref(struct xv_mc_leaf *const *dir, uint32_t gref, unsigned int a)
{
	const struct xv_mc_leaf *l = dir[gref >> XV_MC_LEAF_BITS];

	return l ? l->e[a][gref & (XV_MC_LEAF - 1)] : NULL;
}

/* The same by guest address: NULL too for one outside the index. */
static inline struct xv_mc_entry *
xv_mc_index_find(struct xv_mc_leaf *const *dir, xv_gaddr_t g, unsigned int a)
{
	const uint64_t off = g ^ XV_MC_GADDR_G;

	if (xv_unlikely(off & ~XV_MC_ADDR_MASK))
		return NULL;
	return xv_mc_index_gref(dir, (uint32_t)(off >> XV_PAGE_SHIFT), a);
}

/* e is pinned (so not on the LRU) and can take one more pin: refs in
 * [1, XV_MC_REFS_MAX], in one test. */
static inline bool xv_mc_pinned_room(const struct xv_mc_entry *e)
{
	return e->refs - 1u < XV_MC_REFS_MAX;
}

/*
 * Take one pin on the page of grant reference gref (< XV_MC_GREFS) with
 * access index a if the grant index has its entry: pinned already (one
 * more reference, inline) or cached but unused (off the LRU); else NULL
 * and nothing changed (not in the index, or a refcount at its limit).
 * Between calls every entry is mapped, so either is a hit: no mapper
 * call, no eviction. The pin's token is the entry.
 */
static inline struct xv_mc_entry *
xv_mc_pin_hit_gref(const struct xv_mc_hits *h, uint32_t gref, unsigned int a)
{
	struct xv_mc_entry *e = xv_mc_index_gref(h->dir, gref, a);

	if (!e)
		return NULL;
	if (xv_likely(xv_mc_pinned_room(e))) {
		e->refs++;
		return e;
	}
	if (e->refs)
		return NULL; /* at the limit */
	xv_mapcache_pin_unused(h->mc, e);
	return e;
}

/*
 * Drop one pin of e (a token of this cache). All but the last reference
 * go here; the last one goes through xv_mapcache_unpin_tokens, which puts
 * the entry on the LRU.
 */
static inline void xv_mc_unpin(const struct xv_mc_hits *h,
			       struct xv_mc_entry *e)
{
	if (xv_likely(e->refs > 1)) {
		e->refs--;
	} else {
		uint64_t token = (uint64_t)(uintptr_t)e;

		xv_mapcache_unpin_tokens(
		    h->mc, &token, 1,
		    (enum xv_pin_access)(e->key & ~XV_PAGE_MASK));
	}
}

#endif /* XV_MAPCACHE_HIT_H */
