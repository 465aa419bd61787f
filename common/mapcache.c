/*
 * mapcache.c — the per-vGPU map cache (see mapcache.h for the concepts).
 *
 * Data: an entry is split in two. Its hot part (struct xv_mc_entry,
 * mapcache-hit.h: IOVA, refcount, the index of its cold part) is all a
 * hit touches; its cold part (struct mc_cold: key, host page, LRU links)
 * is a line of the cold[] array. Neither ever moves while the entry
 * lives. An open-addressing table (linear probing, a seeded
 * multiplicative hash, backward-shift deletion) maps the key
 * gaddr|access to the hot part and keeps the key inline, so a hit costs
 * two multiplies, usually one cache line of table, and the entry's
 * lines. Unused entries (refs == 0) are on a circular LRU list of cold
 * records, oldest at the head. The cold array is address space for the
 * whole quota, committed as it is used, and per-batch scratch arrays
 * live in the cache: neither a hit nor a miss allocates, except a
 * grant-index leaf.
 *
 * Grant index: on Xen a guest address is G | gref << 12 and grant
 * references are small dense integers, so entries of grant addresses with
 * a gref below RADIX_GREFS are ALSO indexed by gref in a two-level radix
 * array (a directory of RADIX_DIR leaf pointers, a leaf holds the hot
 * parts of the entries of 512 consecutive grefs in place, one array per
 * access). A hit there is two loads and no hash, and consecutive grefs
 * have neighbouring entries. The table stays complete and authoritative:
 * the radix is an index beside it, and an empty radix slot means "ask the
 * table", never "absent" (an entry made while its leaf could not exist
 * keeps its hot part in its cold record). Leaves are allocated
 * lazily and freed when their last entry goes; at most max_leaves exist
 * (bounded by the quota), so a guest scattering its grefs gets entries
 * that live in the table only, and its memory cost stays bounded.
 *
 * Trusts: the mapper and the IOMMU to honour their contracts. Guest
 * addresses come from guest page tables and are checked (alignment) but
 * otherwise opaque keys; unpins that match no pin are counted, ignored.
 */
#include "mapcache.h"
#include "mapcache-hit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "compiler.h"

#define HASH_MUL      0x9e3779b97f4a7c15ull
#define TAB_MIN_ORDER 6u

/* The grant index (mapcache-hit.h): local names. */
#define RADIX_LEAF_BITS XV_MC_LEAF_BITS
#define RADIX_LEAF	XV_MC_LEAF
#define RADIX_GREFS	XV_MC_GREFS
#define RADIX_DIR	XV_MC_DIR
#define RADIX_ADDR_MASK XV_MC_ADDR_MASK
#define GADDR_G		XV_MC_GADDR_G
/* Leaves allowed: enough for a quota's worth of dense grefs in both
 * access classes, and a few more; past it entries live in the table. */
#define RADIX_LEAVES(quota) ((quota) / (RADIX_LEAF / 2) + 8u)
/* The largest quota: cold records are counted in 32 bits. */
#define MC_MAX_PAGES (1u << 30)
/* Entries evicted per round: scratch arrays hold one round. */
#define EVICT_CHUNK XV_PIN_BATCH_MAX

struct mc_slot {
	uint64_t key; /* 0: empty */
	struct xv_mc_entry *e;
};

/*
 * An entry's cold part: cold[e->ci], one cache line. Record 0 is the
 * LRU's sentinel. An entry with no grant-index slot keeps its hot part
 * here too (e == &hot), so a hash-table hit reads one line, not two.
 */
struct mc_cold {
	struct xv_mc_entry hot;
	uint64_t key; /* gaddr | access; never 0 since access != 0 */
	void *page;
	struct xv_mc_entry *e; /* its hot part: &hot or a leaf slot */
	uint32_t mark; /* == mc->gen: taken by the pin_batch in progress */
	uint32_t prev, next; /* LRU links; next also links free records */
	uint32_t on_lru;
	uint64_t pad;
};
_Static_assert(sizeof(struct mc_cold) == 64, "a cold record is a line");

/*
 * Owned by the ring worker thread, like every field: nothing locks.
 * Invariants between calls: every entry in the table is mapped (mapper,
 * IOVA, IOMMU); nent <= quota; an entry is on the LRU iff refs == 0.
 */
struct xv_mapcache {
	struct xv_mapcache_config cfg;
	struct xv_iova_space *iova;
	bool own_iova; /* made by us, freed with us */

	struct mc_slot *tab;
	/* The grant index: dir[gref >> 9], RADIX_DIR pointers. Invariant:
	 * a non-NULL slot is the table's entry for its key. */
	struct xv_mc_leaf **dir;
	uint32_t nleaves, max_leaves;
	uint64_t seed;	/* hash key, see hash_slot */
	uint64_t mask;	/* capacity - 1 */
	unsigned shift; /* 64 - log2(capacity) */
	uint64_t used;	/* slots in use, provisional entries included */
	uint64_t nent;	/* committed entries = pages mapped */
	uint64_t npinned;

	/* Cold records, ncold of them (a mapping of cold_len octets): 0 is
	 * the LRU's sentinel (its next is the oldest unused entry),
	 * cold_free heads the free ones (0: none but those from cold_top
	 * on). */
	struct mc_cold *cold;
	size_t cold_len;
	uint32_t ncold, cold_top, cold_free;
	uint64_t lru_count;
	uint32_t gen;

	/* Scratch for one pin_batch or one eviction round. */
	struct xv_mc_entry *pos[XV_PIN_BATCH_MAX];
	struct xv_mc_entry *fresh[XV_PIN_BATCH_MAX];
	xv_gaddr_t miss_gaddr[XV_PIN_BATCH_MAX];
	void *miss_page[XV_PIN_BATCH_MAX];
	struct xv_iommu_map maps[XV_PIN_BATCH_MAX];
	struct xv_mc_entry *victim[EVICT_CHUNK];
	xv_iova_t ev_iova[EVICT_CHUNK];
	void *ev_page[EVICT_CHUNK];

	struct xv_mapcache_stats st;
};

/* e's cold record in cold[] (len octets): e itself when its hot part
 * lives there (hot is the record's first member), which needs no load of
 * e->ci first. Loops pass the array in locals: stores through e or out
 * may alias the cache's own fields (-fno-strict-aliasing). */
static inline struct mc_cold *cold_in(struct mc_cold *cold, size_t len,
				      const struct xv_mc_entry *e)
{
	if ((uintptr_t)e - (uintptr_t)cold < len)
		return (struct mc_cold *)(uintptr_t)e;
	return &cold[e->ci];
}

static inline struct mc_cold *cold_of(const struct xv_mapcache *mc,
				      const struct xv_mc_entry *e)
{
	return cold_in(mc->cold, mc->cold_len, e);
}

/* ---- the table ----------------------------------------------------------- */

/*
 * Keys are guest-chosen (a guest picks its grant references), so the hash
 * is keyed with a per-cache seed and mixed twice: a guest cannot line its
 * keys up into one long probe chain without knowing the seed. Not a
 * cryptographic defence; it bounds the harm to the guest's own vGPU.
 */
static inline uint64_t hash_slot(uint64_t seed, uint64_t key, unsigned shift)
{
	uint64_t h = (key ^ seed) * HASH_MUL;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h >> shift;
}

static inline uint64_t home(const struct xv_mapcache *mc, uint64_t key)
{
	return hash_slot(mc->seed, key, mc->shift);
}

/* The leaf slot of key, or NULL if key has none (not a grant address
 * below RADIX_GREFS, or no leaf). Create its leaf if asked. */
static inline struct xv_mc_entry *radix_slot(struct xv_mapcache *mc,
					     uint64_t key, bool create)
{
	uint64_t off = (key & XV_PAGE_MASK) ^ GADDR_G;
	unsigned int gref = (unsigned int)(off >> XV_PAGE_SHIFT);
	struct xv_mc_leaf **lp;

	if (off & ~RADIX_ADDR_MASK)
		return NULL;
	lp = &mc->dir[gref >> RADIX_LEAF_BITS];
	if (!*lp) {
		if (!create || mc->nleaves >= mc->max_leaves)
			return NULL;
		/* Failure only costs speed: the entry lives in the table
		 * only, its hot part in its cold record. */
		*lp = calloc(1, sizeof(**lp));
		if (!*lp)
			return NULL;
		mc->nleaves++;
	}
	return &(*lp)->e[(key & ~XV_PAGE_MASK) >> 1][gref & (RADIX_LEAF - 1)];
}

static inline struct xv_mc_leaf **leaf_of(struct xv_mapcache *mc, uint64_t key)
{
	return &mc->dir[(key ^ GADDR_G) >> (XV_PAGE_SHIFT + RADIX_LEAF_BITS)];
}

static inline struct xv_mc_entry *tab_find(const struct xv_mapcache *mc,
					   uint64_t key)
{
	uint64_t i = home(mc, key);

	for (;;) {
		const struct mc_slot *s = &mc->tab[i];

		if (s->key == key)
			return s->e;
		if (!s->key)
			return NULL;
		i = (i + 1) & mc->mask;
	}
}

static void tab_put(struct mc_slot *tab, uint64_t mask, uint64_t i,
		    uint64_t key, struct xv_mc_entry *e)
{
	while (tab[i].key)
		i = (i + 1) & mask;
	tab[i].key = key;
	tab[i].e = e;
}

static void tab_insert(struct xv_mapcache *mc, struct xv_mc_entry *e)
{
	const uint64_t key = cold_of(mc, e)->key;

	tab_put(mc->tab, mc->mask, home(mc, key), key, e);
	mc->used++;
}

/*
 * Look key up: the grant index, then the table. *c gets the entry's cold
 * record with no range test: an indexed entry's hot part is in its leaf
 * slot, so one the index does not hold has it in its cold record.
 */
static inline struct xv_mc_entry *find(struct xv_mapcache *mc, uint64_t key,
				       struct mc_cold **c)
{
	struct xv_mc_entry *e = radix_slot(mc, key, false);

	if (e && e->ci) {
		*c = &mc->cold[e->ci];
		return e;
	}
	e = tab_find(mc, key);
	*c = (struct mc_cold *)(uintptr_t)e;
	return e;
}

static void tab_remove(struct xv_mapcache *mc, uint64_t key)
{
	uint64_t i = home(mc, key), j, k;

	while (mc->tab[i].key != key)
		i = (i + 1) & mc->mask;
	/* Backward shift: pull later members of the cluster into the hole
	 * when their home position allows, so no tombstones are needed. */
	for (j = i;;) {
		j = (j + 1) & mc->mask;
		if (!mc->tab[j].key)
			break;
		k = home(mc, mc->tab[j].key);
		if (((j - k) & mc->mask) >= ((j - i) & mc->mask)) {
			mc->tab[i] = mc->tab[j];
			i = j;
		}
	}
	mc->tab[i].key = 0;
	mc->tab[i].e = NULL;
	mc->used--;
}

/* Make room for `more` insertions at load <= 1/2. 0 or -ENOMEM. */
static int tab_reserve(struct xv_mapcache *mc, uint64_t more)
{
	uint64_t cap = mc->mask + 1, ncap = cap;
	unsigned int nshift = mc->shift;
	struct mc_slot *nt;

	while ((mc->used + more) * 2 > ncap) {
		ncap *= 2;
		nshift--;
	}
	if (ncap == cap)
		return 0;
	nt = calloc(ncap, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	for (uint64_t i = 0; i < cap; i++)
		if (mc->tab[i].key)
			tab_put(nt, ncap - 1,
				hash_slot(mc->seed, mc->tab[i].key, nshift),
				mc->tab[i].key, mc->tab[i].e);
	free(mc->tab);
	mc->tab = nt;
	mc->mask = ncap - 1;
	mc->shift = nshift;
	return 0;
}

/* ---- LRU and entries ----------------------------------------------------- */

static void lru_append(struct xv_mapcache *mc, struct xv_mc_entry *e)
{
	struct mc_cold *c = cold_of(mc, e), *s = &mc->cold[0];

	c->prev = s->prev;
	c->next = 0;
	mc->cold[s->prev].next = e->ci;
	s->prev = e->ci;
	c->on_lru = 1;
	mc->lru_count++;
}

static void lru_unlink(struct xv_mapcache *mc, struct xv_mc_entry *e)
{
	struct mc_cold *c = cold_of(mc, e);

	mc->cold[c->prev].next = c->next;
	mc->cold[c->next].prev = c->prev;
	c->prev = c->next = 0;
	c->on_lru = 0;
	mc->lru_count--;
}

/*
 * A new entry for key, not yet in the table: a cold record, and a hot
 * part in place in the grant index's leaf when key has a slot there (its
 * leaf exists or may be made), else in the record itself. Zeroed but for
 * the key. NULL only if the records ran out, which the quota
 * check rules out (ncold covers a full cache plus one batch).
 */
static struct xv_mc_entry *entry_get(struct xv_mapcache *mc, uint64_t key)
{
	struct xv_mc_entry *e;
	struct mc_cold *c;
	uint32_t ci = mc->cold_free;

	if (ci)
		mc->cold_free = mc->cold[ci].next;
	else if (mc->cold_top < mc->ncold)
		ci = mc->cold_top++;
	else
		return NULL;
	c = &mc->cold[ci];
	memset(c, 0, sizeof(*c));
	e = radix_slot(mc, key, true);
	/* The slot is empty: find() looked there before asking for it. */
	if (e && !e->ci)
		(*leaf_of(mc, key))->used++;
	else
		e = &c->hot;
	memset(e, 0, sizeof(*e));
	e->ci = ci;
	c->key = key;
	c->e = e;
	return e;
}

/* Give back an entry that left the table: its cold record is free again
 * and its leaf slot empty (the leaf freed with its last one, the budget
 * is in leaves). */
static void entry_put(struct xv_mapcache *mc, struct xv_mc_entry *e)
{
	const uint32_t ci = e->ci;
	struct mc_cold *c = &mc->cold[ci];

	memset(e, 0, sizeof(*e));
	if (e != &c->hot) {
		struct xv_mc_leaf **lp = leaf_of(mc, c->key);

		if (--(*lp)->used == 0) {
			free(*lp);
			*lp = NULL;
			mc->nleaves--;
		}
	}
	c->key = 0;
	c->e = NULL;
	c->next = mc->cold_free;
	mc->cold_free = ci;
}

/* ---- eviction ------------------------------------------------------------ */

/*
 * Release k (<= EVICT_CHUNK) committed entries in the order the flush rule
 * demands: IOMMU unmap, IOMMU flush, IOVA free, mapper unmap. Entries are
 * taken off the LRU (if there) and out of the table first.
 */
static void evict_entries(struct xv_mapcache *mc, struct xv_mc_entry **v,
			  unsigned int k)
{
	const struct xv_iommu *io = &mc->cfg.iommu;
	bool safe;

	if (!k)
		return;
	for (unsigned int i = 0; i < k; i++) {
		struct xv_mc_entry *e = v[i];
		const struct mc_cold *c = cold_of(mc, e);

		if (e->refs == 0)
			lru_unlink(mc, e);
		else
			mc->npinned--;
		tab_remove(mc, c->key);
		mc->ev_iova[i] = e->iova;
		mc->ev_page[i] = c->page;
	}
	mc->nent -= k;
	mc->st.evictions += k;

	safe = xv_iommu_unmap_range(io, mc->cfg.iommu_ctx, mc->ev_iova, k) == 0;
	safe = io->ops->flush(io->impl, mc->cfg.iommu_ctx, 0, 0) == 0 && safe;
	mc->st.iommu_flushes++;
	if (safe) {
		/* Only now may the device no longer reach IOVA or page. */
		for (unsigned int i = 0; i < k; i++)
			xv_iova_free(mc->iova, mc->ev_iova[i], 1);
		mc->cfg.mapper->unmap_batch(mc->cfg.mapper_ctx, mc->ev_page, k);
		mc->st.mapper_unmap_calls++;
		mc->st.pages_unmapped += k;
	} else {
		/* The device may still reach them: never reuse, never free. */
		mc->st.leaked += k;
	}
	for (unsigned int i = 0; i < k; i++)
		entry_put(mc, v[i]);
}

/*
 * Evict up to `want` unused entries, oldest first, sparing those the
 * current batch holds (mark == gen). Returns how many went.
 */
static uint64_t evict_lru(struct xv_mapcache *mc, uint64_t want)
{
	uint64_t done = 0;

	while (done < want) {
		uint32_t ci = mc->cold[0].next;
		unsigned int k = 0;

		while (ci && k < EVICT_CHUNK && done + k < want) {
			if (mc->cold[ci].mark != mc->gen)
				mc->victim[k++] = mc->cold[ci].e;
			ci = mc->cold[ci].next;
		}
		if (!k)
			break;
		evict_entries(mc, mc->victim, k);
		done += k;
	}
	return done;
}

/* ---- pin ----------------------------------------------------------------- */

static uint64_t key_of(xv_gaddr_t gaddr, enum xv_pin_access access)
{
	return gaddr | (uint64_t)access;
}

/* Drop the entries this batch created but did not commit. */
static void discard_fresh(struct xv_mapcache *mc, unsigned int nmiss)
{
	for (unsigned int i = 0; i < nmiss; i++) {
		tab_remove(mc, cold_of(mc, mc->fresh[i])->key);
		entry_put(mc, mc->fresh[i]);
	}
}

/* Map the batch's misses: quota, IOVA run, mapper, IOMMU. */
static int map_misses(struct xv_mapcache *mc, unsigned int nmiss,
		      enum xv_pin_access access, uint64_t protected_lru)
{
	const struct xv_iommu *io = &mc->cfg.iommu;
	uint64_t need, evictable = mc->lru_count - protected_lru;
	uint64_t align = nmiss >= XV_IOVA_BIG_PAGES ? XV_IOVA_BIG_PAGES : 1;
	uint32_t flags =
	    access == XV_PIN_READWRITE ? XV_IOMMU_RW : XV_IOMMU_READ;
	xv_iova_t base = 0;
	bool have_iova = false, have_pages = false;
	int rc;

	/* Refuse before touching anything if even full eviction is short. */
	if (mc->nent - evictable + nmiss > mc->cfg.max_pages) {
		rc = -ENOSPC;
		goto out;
	}
	need = mc->nent + nmiss > mc->cfg.max_pages
		   ? mc->nent + nmiss - mc->cfg.max_pages
		   : 0;
	if (evict_lru(mc, need) < need) {
		rc = -ENOSPC; /* cannot happen: counted above */
		goto out;
	}
	/* A fragmented IOVA space is relieved by evicting more. */
	while ((rc = xv_iova_alloc(mc->iova, nmiss, align, &base)) == -ENOSPC)
		if (!evict_lru(mc, nmiss))
			break;
	if (rc)
		goto out;
	have_iova = true;
	/* Every entry's IOVA fits a shadow entry (mapcache-hit.h), so the
	 * engine's hit path need not check it. A window past it is a
	 * configuration error of the backend. */
	if (base + ((uint64_t)nmiss << XV_PAGE_SHIFT) > XV_MC_IOVA_LIMIT) {
		rc = -ERANGE;
		goto out;
	}

	rc = mc->cfg.mapper->map_batch(mc->cfg.mapper_ctx, mc->cfg.domid,
				       mc->miss_gaddr, nmiss, access,
				       mc->miss_page);
	mc->st.mapper_calls++;
	if (rc)
		goto out;
	have_pages = true;
	mc->st.pages_mapped += nmiss;

	for (unsigned int i = 0; i < nmiss; i++) {
		if ((uintptr_t)mc->miss_page[i] & ~XV_PAGE_MASK ||
		    !mc->miss_page[i]) {
			rc = -EIO; /* the mapper broke its contract */
			goto out;
		}
		mc->maps[i].iova = base + ((xv_iova_t)i << XV_PAGE_SHIFT);
		mc->maps[i].page = mc->miss_page[i];
		mc->maps[i].flags = flags;
	}
	/* On failure map_range has unmapped and flushed what it mapped. */
	rc = xv_iommu_map_range(io, mc->cfg.iommu_ctx, mc->maps, nmiss);
	if (rc)
		goto out;
	for (unsigned int i = 0; i < nmiss; i++) {
		cold_of(mc, mc->fresh[i])->page = mc->miss_page[i];
		mc->fresh[i]->iova = mc->maps[i].iova;
	}
	rc = 0;
out:
	if (rc && have_iova)
		xv_iova_free(mc->iova, base, nmiss);
	if (rc && have_pages) {
		mc->cfg.mapper->unmap_batch(mc->cfg.mapper_ctx, mc->miss_page,
					    nmiss);
		mc->st.mapper_unmap_calls++;
		mc->st.pages_unmapped += nmiss;
	}
	return rc;
}

static uint64_t token_of(const struct xv_mc_entry *e)
{
	return (uint64_t)(uintptr_t)e;
}

/*
 * The hit path: take pins on entries already pinned (refs > 0) from the
 * front of the batch, committing each at once, until the first page that
 * needs more (a miss, an unused entry that must leave the LRU, a bad
 * address, a refcount near overflow). Returns how many were taken. These
 * entries are not on the LRU, so nothing the rest of the batch does
 * (eviction included) can touch them, and undoing them is refs-- alone.
 * One lookup per page, no second pass: the common case of a page-table
 * update whose pages are mapped elsewhere too.
 */
static unsigned int pin_pinned_prefix(struct xv_mapcache *mc,
				      const xv_gaddr_t *gaddr, unsigned int n,
				      enum xv_pin_access access,
				      struct xv_pin *out)
{
	const struct mc_slot *tab = mc->tab;
	struct xv_mc_leaf *const *dir = mc->dir;
	struct mc_cold *const cold = mc->cold;
	const uint64_t seed = mc->seed, mask = mc->mask;
	const unsigned int shift = mc->shift, a = access >> 1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* The grant index first: one mask test, two loads. */
		struct xv_mc_entry *e = xv_mc_index_find(dir, gaddr[i], a);
		struct mc_cold *c;

		if (e) {
			c = &cold[e->ci];
		} else {
			uint64_t key = key_of(gaddr[i], access);
			uint64_t j = hash_slot(seed, key, shift);

			if (gaddr[i] & ~XV_PAGE_MASK)
				break;
			while (tab[j].key != key) {
				if (!tab[j].key)
					return i;
				j = (j + 1) & mask;
			}
			/* Not in the index, so its hot part is in its
			 * cold record (an indexed entry's slot holds it). */
			e = tab[j].e;
			c = (struct mc_cold *)(uintptr_t)e;
		}
		if (!xv_mc_pinned_room(e))
			break;
		e->refs++;
		out[i].page = c->page;
		out[i].iova = e->iova;
		out[i].token = token_of(e);
	}
	return i;
}

/* Undo pin_pinned_prefix: refs stays > 0, the LRU is untouched. */
static void unpin_pinned_prefix(struct xv_pin *out, unsigned int k)
{
	for (unsigned int i = 0; i < k; i++)
		((struct xv_mc_entry *)(uintptr_t)out[i].token)->refs--;
}

static int pin_batch_slow(struct xv_mapcache *mc, const xv_gaddr_t *gaddr,
			  unsigned int n, enum xv_pin_access access,
			  struct xv_pin *out);

int xv_mapcache_pin_batch(struct xv_mapcache *mc, const xv_gaddr_t *gaddr,
			  unsigned int n, enum xv_pin_access access,
			  struct xv_pin *out)
{
	unsigned int k = 0;
	int rc = 0;

	if (n == 0 || n > XV_PIN_BATCH_MAX ||
	    (access != XV_PIN_READ && access != XV_PIN_READWRITE)) {
		mc->st.failed_batches++;
		return -EINVAL;
	}
	k = pin_pinned_prefix(mc, gaddr, n, access, out);
	if (k < n) {
		rc = pin_batch_slow(mc, gaddr + k, n - k, access, out + k);
		if (rc) {
			/* All-or-nothing: the prefix goes too. */
			unpin_pinned_prefix(out, k);
			return rc;
		}
	}
	mc->st.hits += k;
	return 0;
}

/* The general path: misses, unused entries, and every error. */
static int pin_batch_slow(struct xv_mapcache *mc, const xv_gaddr_t *gaddr,
			  unsigned int n, enum xv_pin_access access,
			  struct xv_pin *out)
{
	uint64_t protected_lru = 0;
	unsigned int nmiss = 0, i;
	int rc;

	for (i = 0; i < n; i++) {
		if (gaddr[i] & ~XV_PAGE_MASK) {
			rc = -EFAULT;
			goto fail;
		}
	}
	rc = tab_reserve(mc, n);
	if (rc)
		goto fail;

	/*
	 * Look every page up. Hits are marked so that eviction spares them;
	 * a miss gets a provisional entry in the table at once, so that the
	 * same page twice in the batch is mapped once.
	 */
	mc->gen++;
	for (i = 0; i < n; i++) {
		uint64_t key = key_of(gaddr[i], access);
		struct mc_cold *c;
		struct xv_mc_entry *e = find(mc, key, &c);

		if (e) {
			if (c->mark != mc->gen) {
				c->mark = mc->gen;
				if (e->refs == 0)
					protected_lru++;
			}
			if (e->refs > XV_MC_REFS_MAX) {
				rc = -ENOSPC; /* refcount would overflow */
				goto undo;
			}
		} else {
			e = entry_get(mc, key);
			if (!e) {
				rc = -ENOMEM;
				goto undo;
			}
			cold_of(mc, e)->mark = mc->gen;
			tab_insert(mc, e);
			mc->miss_gaddr[nmiss] = gaddr[i];
			mc->fresh[nmiss++] = e;
		}
		mc->pos[i] = e;
	}
	if (nmiss) {
		rc = map_misses(mc, nmiss, access, protected_lru);
		if (rc)
			goto undo;
	}

	/* Commit: nothing below can fail. */
	mc->nent += nmiss;
	for (i = 0; i < n; i++) {
		struct xv_mc_entry *e = mc->pos[i];

		if (e->refs == 0)
			xv_mapcache_pin_unused(mc, e);
		else
			e->refs++;
		out[i].page = cold_of(mc, e)->page;
		out[i].iova = e->iova;
		out[i].token = token_of(e);
	}
	mc->st.hits += n - nmiss;
	mc->st.misses += nmiss;
	return 0;

undo:
	discard_fresh(mc, nmiss);
fail:
	mc->st.failed_batches++;
	return rc;
}

/* Drop one pin of e (NULL: an unpin that matches nothing). */
static inline void unpin_entry(struct xv_mapcache *mc, struct xv_mc_entry *e)
{
	if (!e || e->refs == 0) {
		mc->st.bad_unpins++;
		return;
	}
	/* Persistent: an unused entry stays mapped, newest at tail. */
	if (--e->refs == 0) {
		lru_append(mc, e);
		mc->npinned--;
	}
}

/* An unpin call's batch size and access; bad ones unpin nothing. */
static bool unpin_args_ok(struct xv_mapcache *mc, unsigned int n,
			  enum xv_pin_access access)
{
	if (n > XV_PIN_BATCH_MAX ||
	    (access != XV_PIN_READ && access != XV_PIN_READWRITE)) {
		mc->st.bad_unpins += n;
		return false;
	}
	return true;
}

void xv_mapcache_unpin_batch(struct xv_mapcache *mc, const xv_gaddr_t *gaddr,
			     unsigned int n, enum xv_pin_access access)
{
	if (!unpin_args_ok(mc, n, access))
		return;
	for (unsigned int i = 0; i < n; i++) {
		struct xv_mc_entry *e = NULL;
		struct mc_cold *c;

		if (!(gaddr[i] & ~XV_PAGE_MASK))
			e = find(mc, key_of(gaddr[i], access), &c);
		unpin_entry(mc, e);
	}
}

void xv_mapcache_unpin_tokens(struct xv_mapcache *mc, const uint64_t *token,
			      unsigned int n, enum xv_pin_access access)
{
	struct mc_cold *const cold = mc->cold;
	const size_t cold_len = mc->cold_len;

	if (!unpin_args_ok(mc, n, access))
		return;
	/* A token is the entry, alive while it holds the pin it names; its
	 * key still says which access that pin was taken with. */
	for (unsigned int i = 0; i < n; i++) {
		struct xv_mc_entry *e =
		    (struct xv_mc_entry *)(uintptr_t)token[i];

		if (e && (cold_in(cold, cold_len, e)->key & ~XV_PAGE_MASK) !=
			     (uint64_t)access)
			e = NULL;
		unpin_entry(mc, e);
	}
}

static void unpin_tokens_op(void *ctx, const uint64_t *token, unsigned int n,
			    enum xv_pin_access access)
{
	xv_mapcache_unpin_tokens(ctx, token, n, access);
}

static int pin_batch_op(void *ctx, const xv_gaddr_t *gaddr, unsigned int n,
			enum xv_pin_access access, struct xv_pin *out)
{
	return xv_mapcache_pin_batch(ctx, gaddr, n, access, out);
}

static void unpin_batch_op(void *ctx, const xv_gaddr_t *gaddr, unsigned int n,
			   enum xv_pin_access access)
{
	xv_mapcache_unpin_batch(ctx, gaddr, n, access);
}

const struct xv_pin_ops xv_mapcache_pin_ops = {
    .pin_batch = pin_batch_op,
    .unpin_batch = unpin_batch_op,
    .unpin_tokens = unpin_tokens_op,
};

/* ---- the hit path's other half (mapcache-hit.h) ------------------------- */

void xv_mapcache_hits_init(struct xv_mapcache *mc, struct xv_mc_hits *h)
{
	h->mc = mc;
	h->dir = mc->dir;
}

void xv_mapcache_count_hits(struct xv_mapcache *mc, uint64_t n)
{
	mc->st.hits += n;
}

void xv_mapcache_unpin_last(struct xv_mapcache *mc, struct xv_mc_entry *e)
{
	unpin_entry(mc, e);
}

void xv_mapcache_pin_unused(struct xv_mapcache *mc, struct xv_mc_entry *e)
{
	/* Between calls an entry with refs 0 is mapped and on the LRU; a
	 * fresh entry of pin_batch_slow's commit is on no list yet. */
	if (cold_of(mc, e)->on_lru)
		lru_unlink(mc, e);
	e->refs = 1;
	mc->npinned++;
}

/* ---- life cycle, queries ------------------------------------------------- */

int xv_mapcache_new(const struct xv_mapcache_config *cfg,
		    struct xv_mapcache **out)
{
	struct xv_mapcache *mc = NULL;
	struct timespec ts;
	void *mem;
	int rc;

	*out = NULL;
	if (!cfg->max_pages || cfg->max_pages > MC_MAX_PAGES || !cfg->mapper ||
	    !cfg->mapper->map_batch || !cfg->mapper->unmap_batch ||
	    !cfg->iommu.ops) {
		rc = -EINVAL;
		goto out;
	}
	mc = calloc(1, sizeof(*mc));
	if (!mc) {
		rc = -ENOMEM;
		goto out;
	}
	mc->cfg = *cfg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	mc->seed = ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)mc) *
		   HASH_MUL;
	/* A full cache plus one batch of provisional entries, and record 0
	 * (the LRU's sentinel, prev = next = 0: the list is empty). */
	mc->ncold = cfg->max_pages + XV_PIN_BATCH_MAX + 1;
	mc->cold_top = 1;
	/* Address space for the quota, reserved but not committed: records
	 * are taken lowest first and reused, so only as many pages as the
	 * cache has ever held entries are ever touched (zero-filled). */
	mc->cold_len = (size_t)mc->ncold * sizeof(*mc->cold);
	mem = mmap(NULL, mc->cold_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		rc = -ENOMEM;
		goto out;
	}
	mc->cold = mem;
	if (cfg->iova_space) {
		mc->iova = cfg->iova_space;
	} else {
		rc = xv_iova_space_new(cfg->iova_base, cfg->iova_size,
				       &mc->iova);
		if (rc)
			goto out;
		mc->own_iova = true;
	}
	mc->tab = calloc(1u << TAB_MIN_ORDER, sizeof(*mc->tab));
	if (!mc->tab) {
		rc = -ENOMEM;
		goto out;
	}
	mc->mask = (1u << TAB_MIN_ORDER) - 1;
	mc->shift = 64 - TAB_MIN_ORDER;
	mc->dir = calloc(RADIX_DIR, sizeof(*mc->dir));
	if (!mc->dir) {
		rc = -ENOMEM;
		goto out;
	}
	mc->max_leaves = RADIX_LEAVES(cfg->max_pages);
	if (mc->max_leaves > RADIX_DIR)
		mc->max_leaves = RADIX_DIR;
	*out = mc;
	mc = NULL;
	rc = 0;
out:
	xv_mapcache_free(mc);
	return rc;
}

void xv_mapcache_free(struct xv_mapcache *mc)
{
	if (!mc)
		return;
	/* Pinned or not, every entry goes, in rounds of EVICT_CHUNK. */
	while (mc->tab && mc->used) {
		unsigned int k = 0;

		for (uint64_t i = 0; i <= mc->mask && k < EVICT_CHUNK; i++)
			if (mc->tab[i].key)
				mc->victim[k++] = mc->tab[i].e;
		evict_entries(mc, mc->victim, k);
	}
	if (mc->cold)
		munmap(mc->cold, mc->cold_len);
	/* Every entry left the table, so every leaf is gone already. */
	for (unsigned int i = 0; mc->dir && i < RADIX_DIR; i++)
		free(mc->dir[i]);
	free(mc->dir);
	free(mc->tab);
	if (mc->own_iova)
		xv_iova_space_free(mc->iova);
	free(mc);
}

unsigned int xv_mapcache_drop_unused(struct xv_mapcache *mc)
{
	mc->gen++; /* no entry is protected */
	return (unsigned int)evict_lru(mc, mc->lru_count);
}

int xv_mapcache_lookup(const struct xv_mapcache *mc, xv_gaddr_t gaddr,
		       enum xv_pin_access access,
		       struct xv_mapcache_entry_info *out)
{
	const struct xv_mc_entry *e = NULL;
	const struct mc_cold *c = NULL;

	if (!(gaddr & ~XV_PAGE_MASK) &&
	    (access == XV_PIN_READ || access == XV_PIN_READWRITE)) {
		/* As find(), without making anything. */
		e = xv_mc_index_find(mc->dir, gaddr, access >> 1);
		if (e) {
			c = &mc->cold[e->ci];
		} else {
			e = tab_find(mc, key_of(gaddr, access));
			c = (const struct mc_cold *)e;
		}
	}
	if (!e)
		return -ENOENT;
	out->page = c->page;
	out->iova = e->iova;
	out->refs = e->refs;
	return 0;
}

void xv_mapcache_get_stats(const struct xv_mapcache *mc,
			   struct xv_mapcache_stats *out)
{
	*out = mc->st;
	out->entries = mc->nent;
	out->pinned = mc->npinned;
}
