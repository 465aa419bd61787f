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
 * stores the entry: for a pinned page a slot address (the index's leaf
 * holds the entries' hot parts in place, so a neighbouring gref's slot is
 * the neighbouring slot) and a refcount increment, no call; for a cached
 * but unused one, a call that takes it off the LRU. Whatever is not that
 * case (a miss, an empty slot, an address only the hash table has, a
 * refcount at its limit) goes through pin_batch as before.
 *
 * The pin contract is unchanged: a pin taken here is an ordinary pin of
 * the cache, named by the same token (the entry's hot part) and dropped by
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

/*
 * An entry's hot part: all that a hit reads or writes. 16 bytes, so the
 * entries of a run of consecutive grefs sit four to a cache line (a page
 * table's worth of them is 8 KiB); the rest of the entry (key, host page,
 * LRU links) is its cold record in the cache, cold[ci].
 */
struct xv_mc_entry {
	xv_iova_t iova;
	uint32_t refs;
	uint32_t ci; /* its cold record; 0: an empty grant-index slot */
};
_Static_assert(sizeof(struct xv_mc_entry) == 16, "four entries a line");

/*
 * The entries (hot parts) of 512 consecutive grefs live here, in place,
 * by access: e[access >> 1], READ 0, READWRITE 1. A slot is in use iff
 * its ci is not 0; an empty one is all zero (refs 0 too). Dense on
 * purpose: a page table maps runs of consecutive grefs, and their entries
 * are then consecutive in memory, not scattered over the heap.
 */
struct xv_mc_leaf {
	struct xv_mc_entry e[2][XV_MC_LEAF];
	uint32_t used; /* slots in use */
};

/* What the engine keeps of a cache to take hits on it. */
struct xv_mc_hits {
	struct xv_mapcache *mc;
	struct xv_mc_leaf *const *dir; /* XV_MC_DIR leaf pointers */
};

/* Fill h for mc (the directory never moves during mc's life). */
void xv_mapcache_hits_init(struct xv_mapcache *mc, struct xv_mc_hits *h);
/* Count n pins taken with xv_mc_pin_hit in the cache's statistics. */
void xv_mapcache_count_hits(struct xv_mapcache *mc, uint64_t n);
/* Take the first pin on e, a cached but unused entry (refs 0): it leaves
 * the LRU. Out of line: it touches the list. */
void xv_mapcache_pin_unused(struct xv_mapcache *mc, struct xv_mc_entry *e);

/* The grant index's slot for gref (< XV_MC_GREFS), access index a
 * (READ 0, READWRITE 1), in use or empty; NULL if it has no leaf. */
static inline struct xv_mc_entry *
xv_mc_index_slot(struct xv_mc_leaf *const *dir, uint32_t gref, unsigned int a)
{
	struct xv_mc_leaf *l = dir[gref >> XV_MC_LEAF_BITS];

	return l ? &l->e[a][gref & (XV_MC_LEAF - 1)] : NULL;
}

/* The grant index's entry for guest address g with access index a, or
 * NULL: then only the hash table may know (an address outside the index,
 * no leaf, or an empty slot). */
static inline struct xv_mc_entry *
xv_mc_index_find(struct xv_mc_leaf *const *dir, xv_gaddr_t g, unsigned int a)
{
	const uint64_t off = g ^ XV_MC_GADDR_G;
	struct xv_mc_entry *e;

	if (xv_unlikely(off & ~XV_MC_ADDR_MASK))
		return NULL;
	e = xv_mc_index_slot(dir, (uint32_t)(off >> XV_PAGE_SHIFT), a);
	return e && e->ci ? e : NULL;
}

/* e is pinned (so not on the LRU) and can take one more pin: refs in
 * [1, XV_MC_REFS_MAX], in one test. */
static inline bool xv_mc_pinned_room(const struct xv_mc_entry *e)
{
	return e->refs - 1u < XV_MC_REFS_MAX;
}

/*
 * Take one pin on the entry in grant-index slot e if it has one: pinned
 * already (one more reference, inline) or cached but unused (off the
 * LRU); else NULL and nothing changed (an empty slot, or a refcount at
 * its limit). Between calls every entry is mapped, so either is a hit:
 * no mapper call, no eviction. The pin's token is the entry.
 */
static inline struct xv_mc_entry *xv_mc_pin_hit(const struct xv_mc_hits *h,
						struct xv_mc_entry *e)
{
	/* refs first: a pinned entry needs no other field. */
	if (xv_likely(xv_mc_pinned_room(e))) {
		e->refs++;
		return e;
	}
	if (e->refs || !e->ci)
		return NULL; /* at the limit, or an empty slot */
	xv_mapcache_pin_unused(h->mc, e);
	return e;
}

/* Drop the last pin of e (a token of this cache): it joins the LRU. */
void xv_mapcache_unpin_last(struct xv_mapcache *mc, struct xv_mc_entry *e);

/*
 * Drop one pin of e (a token of this cache). All but the last reference
 * go here inline; the last one puts the entry on the LRU, out of line.
 */
static inline void xv_mc_unpin(const struct xv_mc_hits *h,
			       struct xv_mc_entry *e)
{
	if (xv_likely(e->refs > 1))
		e->refs--;
	else
		xv_mapcache_unpin_last(h->mc, e);
}

#endif /* XV_MAPCACHE_HIT_H */
