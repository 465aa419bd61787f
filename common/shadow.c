/*
 * shadow.c — the shadow engine (see shadow.h for the concepts).
 *
 * Trusts: the pin and table ops (host components) and the caller's
 * single-thread discipline. Does not trust: a single bit of guest memory.
 * Guest table pages are copied once into node->copy and decided from the
 * copy only; every guest entry goes through xv_pte_guest_check; every
 * index is a VA index masked to 0..511; recursion depth is the fixed
 * number of levels; the number of nodes is bounded by max_tables.
 *
 * Invariants (checked by tests/unit/test-shadow.c):
 *  - node->copy[i] is the guest entry slot i was last shadowed from.
 *  - A leaf slot in SLOT_LIVE holds exactly one pin, named by
 *    u.leaf.pinned[i] (the pin's token when the pinner has unpin_tokens,
 *    else its guest address), with the access its shadow entry's W bit
 *    says; no other slot state holds a pin.
 *  - A non-leaf slot in SLOT_LIVE has a child node; in SLOT_SCRATCH_* its
 *    shadow entry points at the scratch table of the level below.
 *  - An L1 node is either huge (no table; its 512 entries are in
 *    u.leaf.sentry and its parent entry is a 2 MiB leaf built from
 *    u.leaf.sentry[0]) or has a table, which then holds its entries
 *    (u.leaf.sentry is stale: one store per changed slot, not two).
 *    leaf_ent() names whichever holds them.
 */
#include "shadow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "mapcache-hit.h"

_Static_assert(((XV_MC_IOVA_LIMIT - 1) & ~(XV_PTE_FRAME_MASK | 0xfffull)) == 0,
	       "a map cache IOVA fits the frame field of a shadow entry");

enum slot_state {
	SLOT_ABSENT = 0,    /* guest entry not present: shadow entry 0 */
	SLOT_LIVE,	    /* shadowed: pinned leaf or child node */
	SLOT_SCRATCH_BAD,   /* invalid guest entry: scratch */
	SLOT_SCRATCH_RETRY, /* pin/read failed or limit hit: scratch, retry
			     * on resync */
};

/* What a guest page that cannot be read is taken to contain: an invalid
 * entry everywhere, so its whole range resolves to scratch. */
#define POISON_ENTRY (~0ull)

struct sh_node {
	struct sh_node *parent;
	uint64_t va; /* first GPU VA this table maps */
	xv_gaddr_t gaddr;
	uint64_t *table; /* NULL for a huge L1 node */
	xv_iova_t table_iova;
	/* OOS set membership (per-level list, LRU by stamp). */
	struct sh_node *oos_prev, *oos_next;
	uint64_t stamp;
	uint32_t idle;
	bool tracked;
	bool huge;
	uint8_t level;
	uint16_t pidx;	 /* index in the parent */
	uint16_t n_live; /* leaf: pinned slots */
	uint8_t state[XV_PT_ENTRIES];
	uint64_t copy[XV_PT_ENTRIES]; /* private copy / OOS snapshot */
	union {
		struct sh_node *child[XV_PT_ENTRIES];
		struct {
			uint64_t sentry[XV_PT_ENTRIES]; /* 4 KiB entries */
			uint64_t pinned[XV_PT_ENTRIES]; /* token or gaddr */
		} leaf;
	} u;
};

struct xv_shadow_vgpu {
	const struct xv_shadow_table_ops *tops;
	void *tctx;
	xv_iova_t scratch_iova;
	/* Scratch chain: stab[1] is an L1 table whose entries all map the
	 * scratch page, stab[2] an L2 table → stab[1], stab[3] → stab[2]. */
	uint64_t *stab[XV_PT_LEVELS];
	xv_iova_t stab_iova[XV_PT_LEVELS];
	uint32_t oos_limit;
	uint32_t oos_used;
	uint32_t oos_pressure; /* refused track requests not yet repaid */
};

/*
 * Pins named as u.leaf.pinned[] names them: READ ones in v[0..nr),
 * READWRITE ones in v[512..512+nw), each in the order added; and pins
 * of the map cache taken over by leaf_scan_hits, by entry, in hit[0..nh).
 */
struct pin_list {
	uint64_t v[2 * XV_PT_ENTRIES];
	unsigned int nr, nw;
	struct xv_mc_entry *hit[XV_PT_ENTRIES];
	unsigned int nh;
};

/* pos[k] of a slot that needs no pin. */
#define POS_ABSENT 0xffffu
#define POS_BAD	   0xfffeu

/* Work buffers of leaf_apply (never nested; one thread per shadow). */
struct leaf_work {
	uint16_t idx[XV_PT_ENTRIES]; /* slots to re-shadow, ascending */
	/* Per idx[k]: where its page is in pg/pins/ok (READ pages from 0,
	 * READWRITE ones from 512, in idx order so that a batch keeps the
	 * guest's page order), or POS_ABSENT / POS_BAD. */
	uint16_t pos[XV_PT_ENTRIES];
	uint16_t defer[XV_PT_ENTRIES]; /* leaf_scan_hits: slots to queue */
	xv_gaddr_t pg[2 * XV_PT_ENTRIES];
	struct xv_pin pins[2 * XV_PT_ENTRIES];
	bool ok[2 * XV_PT_ENTRIES];
	struct pin_list old; /* pins to drop after the stores */
};

struct xv_shadow {
	struct xv_shadow_vgpu *vgpu;
	const struct xv_pin_ops *pin;
	void *pin_ctx;
	xv_tlb_invalidate_fn tlb;
	void *tlb_ctx;
	uint32_t max_tables;
	uint32_t oos_idle;
	bool oos;
	bool tokens; /* the pinner has unpin_tokens: slots keep tokens */
	/* The pinner is the core's map cache: leaf_scan_hits takes pins
	 * on already-pinned pages straight from its grant index. */
	bool mc_hits;
	struct xv_mc_hits mch;
	bool has_root;
	bool root_unreadable; /* the last read of the root page failed */
	int err;	      /* first host-side error of the current call */
	struct sh_node *root;
	struct sh_node *oos_head[XV_PT_LEVELS + 1];
	uint64_t clock;
	struct xv_shadow_stats st;
	struct leaf_work w;
};

/* ---- small helpers -------------------------------------------------------- */

static void note_err(struct xv_shadow *sh, int rc)
{
	if (rc && !sh->err)
		sh->err = rc;
}

static void tlb_flush(struct xv_shadow *sh, uint64_t va, uint64_t len)
{
	sh->st.tlb_invalidations++;
	if (sh->tlb)
		sh->tlb(sh->tlb_ctx, va, len);
}

static uint64_t scratch_entry(const struct xv_shadow *sh, unsigned int level)
{
	if (level == 1)
		return xv_pte_shadow_leaf(sh->vgpu->scratch_iova, 0);
	return xv_pte_shadow_table(sh->vgpu->stab_iova[level - 1]);
}

static uint64_t node_span(const struct sh_node *n)
{
	return xv_pt_span(n->level) * XV_PT_ENTRIES;
}

static bool is_scratch_state(uint8_t s)
{
	return s == SLOT_SCRATCH_BAD || s == SLOT_SCRATCH_RETRY;
}

static inline __attribute__((always_inline)) void
set_state(struct xv_shadow *sh, struct sh_node *n, unsigned int i, uint8_t s)
{
	uint8_t old = n->state[i];

	if (old == s)
		return;
	if (is_scratch_state(old))
		sh->st.scratch_entries--;
	if (is_scratch_state(s)) {
		sh->st.scratch_entries++;
		sh->st.scratch_events++;
	}
	if (n->level == 1) {
		if (old == SLOT_LIVE) {
			n->n_live--;
			sh->st.pinned_leaves--;
		}
		if (s == SLOT_LIVE) {
			n->n_live++;
			sh->st.pinned_leaves++;
		}
	}
	n->state[i] = s;
}

static int table_alloc(struct xv_shadow_vgpu *v, uint64_t **t, xv_iova_t *iova)
{
	int rc = v->tops->alloc(v->tctx, t, iova);

	if (rc == 0 && (!*t || (*iova & ~XV_PTE_FRAME_MASK))) {
		/* A table the device could not reach by its entry. */
		v->tops->free(v->tctx, *t, *iova);
		rc = -EINVAL;
	}
	if (rc)
		*t = NULL;
	return rc;
}

/* Drop n pins of one access, named as u.leaf.pinned[] names them. */
static void unpin_slots(struct xv_shadow *sh, const uint64_t *list,
			unsigned int n, enum xv_pin_access access)
{
	if (sh->tokens)
		sh->pin->unpin_tokens(sh->pin_ctx, list, n, access);
	else
		sh->pin->unpin_batch(sh->pin_ctx, list, n, access);
}

/*
 * Copy n entries starting at index first of guest page g into dst: pin it
 * READ, copy once, barrier, unpin. Only dst is used afterwards.
 */
static int read_guest(struct xv_shadow *sh, xv_gaddr_t g, unsigned int first,
		      unsigned int n, uint64_t *dst)
{
	struct xv_pin pin;
	int rc;

	rc = sh->pin->pin_batch(sh->pin_ctx, &g, 1, XV_PIN_READ, &pin);
	if (rc)
		return rc < 0 ? rc : -EFAULT;
	if (pin.page)
		memcpy(dst, (const uint64_t *)pin.page + first,
		       n * sizeof(*dst));
	xv_barrier();
	unpin_slots(sh, sh->tokens ? &pin.token : &g, 1, XV_PIN_READ);
	return pin.page ? 0 : -EFAULT;
}

/* ---- OOS set ------------------------------------------------------------ */

static void oos_untrack(struct xv_shadow *sh, struct sh_node *n)
{
	if (!n->tracked)
		return;
	if (n->oos_prev)
		n->oos_prev->oos_next = n->oos_next;
	else
		sh->oos_head[n->level] = n->oos_next;
	if (n->oos_next)
		n->oos_next->oos_prev = n->oos_prev;
	n->oos_prev = n->oos_next = NULL;
	n->tracked = false;
	sh->vgpu->oos_used--;
	sh->st.oos_pages--;
}

/* Put n in the OOS set or refresh it; false when the budget is spent. */
static bool oos_track(struct xv_shadow *sh, struct sh_node *n)
{
	struct xv_shadow_vgpu *v = sh->vgpu;

	if (!n->tracked) {
		if (v->oos_used >= v->oos_limit) {
			if (v->oos_pressure < v->oos_limit)
				v->oos_pressure++;
			sh->st.oos_overflows++;
			return false;
		}
		n->oos_prev = NULL;
		n->oos_next = sh->oos_head[n->level];
		if (n->oos_next)
			n->oos_next->oos_prev = n;
		sh->oos_head[n->level] = n;
		n->tracked = true;
		v->oos_used++;
		sh->st.oos_pages++;
	}
	n->stamp = ++sh->clock;
	n->idle = 0;
	return true;
}

static struct sh_node *oos_lru(struct xv_shadow *sh)
{
	struct sh_node *best = NULL;

	for (unsigned int l = 1; l <= XV_PT_LEVELS; l++)
		for (struct sh_node *n = sh->oos_head[l]; n; n = n->oos_next)
			if (!best || n->stamp < best->stamp)
				best = n;
	return best;
}

/* ---- node lifetime ----------------------------------------------------- */

/* Drop every pin of l, then empty it. */
static void unpin_list(struct xv_shadow *sh, struct pin_list *l)
{
	const unsigned int nh = l->nh;

	/* Locals: the entries' stores must not make the loop reload them. */
	for (unsigned int i = 0; i < nh; i++)
		xv_mc_unpin(&sh->mch, l->hit[i]);
	l->nh = 0;
	if (l->nr)
		unpin_slots(sh, l->v, l->nr, XV_PIN_READ);
	if (l->nw)
		unpin_slots(sh, l->v + XV_PT_ENTRIES, l->nw, XV_PIN_READWRITE);
	l->nr = l->nw = 0;
}

/* The entries of L1 node n: its table, or u.leaf.sentry when it has none
 * (huge, or being built). */
static inline uint64_t *leaf_ent(struct sh_node *n)
{
	return n->table && !n->huge ? n->table : n->u.leaf.sentry;
}

/* Add the pin of live slot i of L1 node n to l. */
static inline void pin_list_add(struct pin_list *l, struct sh_node *n,
				unsigned int i)
{
	if (leaf_ent(n)[i] & XV_PTE_W)
		l->v[XV_PT_ENTRIES + l->nw++] = n->u.leaf.pinned[i];
	else
		l->v[l->nr++] = n->u.leaf.pinned[i];
}

/*
 * Free n and its subtree: pins, tables, OOS membership. The caller has
 * already unlinked n from the live tree and invalidated its range.
 */
static void node_destroy(struct xv_shadow *sh, struct sh_node *n)
{
	if (!n)
		return;
	oos_untrack(sh, n);
	if (n->level == 1) {
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++) {
			if (n->state[i] == SLOT_LIVE)
				pin_list_add(&sh->w.old, n, i);
			set_state(sh, n, i, SLOT_ABSENT);
		}
		unpin_list(sh, &sh->w.old);
		if (n->huge)
			sh->st.huge_leaves--;
	} else {
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++) {
			struct sh_node *c = n->u.child[i];

			n->u.child[i] = NULL;
			node_destroy(sh, c);
			set_state(sh, n, i, SLOT_ABSENT);
		}
	}
	if (n->table) {
		sh->vgpu->tops->free(sh->vgpu->tctx, n->table, n->table_iova);
		sh->st.shadow_tables--;
	}
	sh->st.guest_tables--;
	free(n);
}

static uint64_t leaf_flags(uint64_t sentry)
{
	return sentry & (XV_PTE_W | XV_PTE_NS);
}

/* The 512 leaves of n can be one 2 MiB leaf. */
static bool leaf_huge_ok(struct sh_node *n)
{
	const uint64_t *s = leaf_ent(n);
	xv_iova_t base;
	uint64_t f;

	if (n->n_live != XV_PT_ENTRIES)
		return false;
	base = xv_pte_shadow_addr(s[0]);
	if (base & ~XV_PT_HUGE_MASK)
		return false;
	f = leaf_flags(s[0]);
	for (unsigned int i = 1; i < XV_PT_ENTRIES; i++)
		if (s[i] != xv_pte_shadow_leaf(base + ((uint64_t)i << 12), f))
			return false;
	return true;
}

/* The entry n's parent holds for it. */
static uint64_t node_parent_entry(const struct sh_node *n)
{
	if (n->huge)
		return xv_pte_shadow_huge(
		    xv_pte_shadow_addr(n->u.leaf.sentry[0]),
		    leaf_flags(n->u.leaf.sentry[0]));
	return xv_pte_shadow_table(n->table_iova);
}

/* Store a live shadow entry if it changes; true if it did. */
static bool slot_store(uint64_t *table, unsigned int i, uint64_t val)
{
	if (table[i] == val)
		return false;
	xv_pte_store(&table[i], val);
	return true;
}

/*
 * L1 node n cannot get the table it needs: point its parent slot at the
 * scratch chain and free n. Old pins in the work lists are dropped after
 * the invalidation, before n's own.
 */
static void leaf_detach_to_scratch(struct xv_shadow *sh, struct sh_node *n)
{
	struct sh_node *p = n->parent;

	p->u.child[n->pidx] = NULL;
	set_state(sh, p, n->pidx, SLOT_SCRATCH_RETRY);
	slot_store(p->table, n->pidx, scratch_entry(sh, p->level));
	tlb_flush(sh, n->va, XV_PT_HUGE_SIZE);
	unpin_list(sh, &sh->w.old);
	node_destroy(sh, n);
}

/*
 * Pin m pages (one access): the all-or-nothing batch first; if it fails,
 * one at a time so that only the bad ones are lost. ok[j]: page j is
 * pinned in out[j]. Returns true if the batch pinned them all.
 */
static bool pin_group(struct xv_shadow *sh, const xv_gaddr_t *g, unsigned int m,
		      enum xv_pin_access access, struct xv_pin *out, bool *ok)
{
	if (!m)
		return true;
	if (sh->pin->pin_batch(sh->pin_ctx, g, m, access, out) == 0) {
		memset(ok, 1, m * sizeof(*ok));
		return true;
	}
	for (unsigned int j = 0; j < m; j++)
		ok[j] = sh->pin->pin_batch(sh->pin_ctx, &g[j], 1, access,
					   &out[j]) == 0;
	return false;
}

/* Slots of one L1 node queued for leaf_apply (lists in sh->w). */
struct leaf_batch {
	unsigned int cnt;    /* slots in w->idx / w->pos */
	unsigned int nr, nw; /* pages to pin READ / READWRITE */
	uint64_t bad;	     /* invalid guest entries among them */
	/* Slots leaf_scan_hits already re-shadowed and stored, between
	 * hlo and hhi; their old pins are in w->old.hit. */
	unsigned int nhit, hlo, hhi;
};

/*
 * Queue slot i, whose guest entry (already in n->copy) is g: check the
 * entry and list its page for pinning by access, in slot order. Done in
 * the loop that finds the changed slots, so each entry is read once.
 */
static inline __attribute__((always_inline)) struct leaf_batch
leaf_queue(struct leaf_work *w, struct leaf_batch b, unsigned int i, uint64_t g)
{
	unsigned int k = b.cnt++, p;

	w->idx[k] = (uint16_t)i;
	/* Present with no bit outside the leaf bits: xv_pte_guest_check's
	 * XV_PTE_VALID for a leaf, in one mask test. */
	if (xv_likely((g & (XV_PTE_P | ~XV_PTE_GUEST_LEAF_BITS)) == XV_PTE_P)) {
		p = g & XV_PTE_W ? XV_PT_ENTRIES + b.nw++ : b.nr++;
		w->pos[k] = (uint16_t)p;
		w->pg[p] = xv_pte_guest_addr(g);
		return b;
	}
	switch (xv_pte_guest_check(g, 1, NULL)) {
	case XV_PTE_ABSENT:
		w->pos[k] = POS_ABSENT;
		break;
	case XV_PTE_VALID:
		p = g & XV_PTE_W ? XV_PT_ENTRIES + b.nw++ : b.nr++;
		w->pos[k] = (uint16_t)p;
		w->pg[p] = xv_pte_guest_addr(g);
		break;
	default:
		b.bad++;
		w->pos[k] = POS_BAD;
		break;
	}
	return b;
}

/*
 * leaf_apply's common case, in a function of its own so that its loop
 * gets the registers: from the first queued slot on, while each is a
 * pinned slot of a live 4 KiB table getting a new pin by token, list the
 * old pin, record the new one and store the new entry (one 64-bit store).
 * No state changes, so no gauge moves. Called only when every page of
 * the batch was pinned (no w->ok to look at), first thing (no old pin
 * listed yet). Returns how many slots it took: idx[0..k).
 *
 * Every slot taken is stored, even when its entry happens not to change
 * (a pinner may give two guest pages one IOVA): storing a live entry's
 * own value is invisible to the device, and the caller's invalidation
 * covers idx[0]..idx[k-1], a superset of the changes. That spares the
 * loop a compare and the bookkeeping of the changed range.
 */
static __attribute__((noinline)) unsigned int
leaf_commit_fast(struct leaf_work *w, struct sh_node *n, unsigned int cnt,
		 unsigned int *onr_out, unsigned int *onw_out)
{
	/* Arrays are addressed through w and n (fixed offsets): one base
	 * register each, which leaves the loop's state in registers. */
	uint64_t *table = n->table;
	unsigned int onr = 0, onw = 0;
	unsigned int k;

	for (k = 0; k < cnt; k++) {
		unsigned int i = w->idx[k], p = w->pos[k];
		xv_iova_t iova;
		uint64_t e;

		if (p >= 2 * XV_PT_ENTRIES || n->state[i] != SLOT_LIVE)
			break;
		iova = w->pins[p].iova;
		if (iova & ~XV_PTE_FRAME_MASK)
			break;
		/* xv_pte_shadow_leaf(iova, leaf_flags(copy)): the IOVA has
		 * frame bits only, and a queued valid entry has P set. */
		e = iova | (n->copy[i] & (XV_PTE_P | XV_PTE_W | XV_PTE_NS));
		if (table[i] & XV_PTE_W)
			w->old.v[XV_PT_ENTRIES + onw++] = n->u.leaf.pinned[i];
		else
			w->old.v[onr++] = n->u.leaf.pinned[i];
		n->u.leaf.pinned[i] = w->pins[p].token;
		xv_pte_store(&table[i], e);
	}
	*onr_out = onr;
	*onw_out = onw;
	return k;
}

/* The gref bits of a guest address that pick a slot within a leaf. */
#define LEAF_GREF_BITS ((uint64_t)(XV_MC_LEAF - 1) << XV_PAGE_SHIFT)
/* leaf_scan_hits's "last entry" before the first lookup: bit 62 is
 * reserved in a guest leaf, so no valid entry is its neighbour, and an
 * invalid one that is gets an empty slot of no_leaf (it is deferred to
 * leaf_queue, which refuses it). no_leaf[] is never written. */
#define NO_LEAF_G (XV_PTE_G | (1ull << 62) | XV_PTE_P)
static struct xv_mc_entry no_leaf[XV_MC_LEAF];
_Static_assert(sizeof(struct xv_mc_entry) == 1u << 4, "slots of 16 octets");

/*
 * node_sync's compare loop for a live 4 KiB L1 table when the pinner is
 * the map cache (mapcache-hit.h): for each slot a..b whose fresh guest
 * entry differs from the copy, the common case of an update is finished
 * here, in the loop that found it: a pinned slot whose new entry is a
 * valid leaf on a page the cache already has pinned takes its pin from
 * the grant index (refs++), gets its new entry with one 64-bit store, and
 * lists its old pin in w->old.hit, dropped by leaf_apply after the
 * invalidation that covers hlo..hhi. Every other changed slot is queued
 * for leaf_apply's general path, in slot order, exactly as before; the
 * rules are those of leaf_commit_fast (new pin before the store, store
 * before the invalidation, invalidation before the unpin).
 */
static inline __attribute__((always_inline)) struct leaf_batch
scan_hits(struct xv_shadow *sh, struct sh_node *n, const uint64_t *fresh,
	  unsigned int a, unsigned int b, const bool all_live)
{
	const struct xv_mc_hits h = sh->mch;
	struct leaf_work *w = &sh->w;
	struct xv_mc_entry **old = w->old.hit;
	uint16_t *defer = w->defer;
	uint64_t *copy = n->copy;
	uint64_t *pinned = n->u.leaf.pinned, *table = n->table;
	const uint8_t *state = n->state;
	struct leaf_batch lb = {0};
	/* Last references, deferred slots, unchanged slots. */
	unsigned int nh = 0, nd = 0, nsame = 0, nst;
	/* The last entry that had a grant-index slot, and that slot. It
	 * starts as NO_LEAF_G over no_leaf[]: no valid entry matches it. */
	uint64_t pg = NO_LEAF_G;
	struct xv_mc_entry *ps = no_leaf;

	/* The loop keeps to the hit path; anything else is deferred to the
	 * queue below, so that its state does not take the registers. */
	for (unsigned int i = a, end = b + 1; i < end; i++) {
		const uint64_t g = fresh[i];
		struct xv_mc_entry *e = NULL, *o;
		uint64_t ent;

		if (g == copy[i]) {
			nsame++;
			continue;
		}
		copy[i] = g;
		if (!all_live && xv_unlikely(state[i] != SLOT_LIVE)) {
			defer[nd++] = (uint16_t)i;
			continue;
		}
		/*
		 * The entry differs from the last one looked up only in the
		 * low 9 bits of its gref: same flags, same leaf of the grant
		 * index, so it is valid too and its slot is that one's plus
		 * the difference, with no check and no lookup. A guest grants
		 * a buffer's pages as consecutive grefs, so a page table's
		 * entries mostly are such neighbours.
		 */
		if (!((g ^ pg) & ~LEAF_GREF_BITS)) {
			/* (g - pg) >> 12 slots of 16 octets: one shift. */
			e = (struct xv_mc_entry *)((char *)ps +
						   ((int64_t)(g - pg) >>
						    (XV_PAGE_SHIFT - 4)));
		} else if (xv_likely((g & ~(XV_PTE_W | XV_PTE_NS |
					    XV_MC_ADDR_MASK)) ==
				     (XV_PTE_G | XV_PTE_P))) {
			/* One mask test: a valid leaf (as in leaf_queue)
			 * whose address is in the grant index's range. */
			e = xv_mc_index_slot(
			    h.dir,
			    (uint32_t)((g & XV_MC_ADDR_MASK) >> XV_PAGE_SHIFT),
			    (unsigned int)(g >> 1) & 1);
		}
		if (e) {
			pg = g;
			ps = e;
			e = xv_mc_pin_hit(&h, e);
		}
		if (xv_unlikely(!e)) {
			defer[nd++] = (uint16_t)i;
			continue;
		}
		/* The IOVA has frame bits only (XV_MC_IOVA_LIMIT). */
		ent = e->iova | (g & XV_PTE_LEAF_FLAGS);
		o = (struct xv_mc_entry *)(uintptr_t)pinned[i];
		pinned[i] = (uint64_t)(uintptr_t)e;
		xv_pte_store(&table[i], ent);
		/* The old pin, after the store: a page others still hold
		 * loses one reference now (nothing is released, and nothing
		 * runs on this thread before the invalidation); a last one
		 * is dropped after the invalidation. */
		if (xv_likely(o->refs > 1))
			o->refs--;
		else
			old[nh++] = o;
	}
	for (unsigned int k = 0; k < nd; k++)
		lb = leaf_queue(w, lb, defer[k], copy[defer[k]]);
	w->old.nh = nh;
	nst = b - a + 1 - nsame - nd;
	/* The invalidation covers a..b: a superset of the stores, as in
	 * leaf_commit_fast, and the loop keeps no range. */
	lb.nhit = nst;
	lb.hlo = a;
	lb.hhi = b;
	if (nst)
		xv_mapcache_count_hits(h.mc, nst);
	return lb;
}

/* scan_hits, its state test compiled out when every slot is live (the
 * common case: a page table whose entries are all mapped). */
static __attribute__((noinline)) struct leaf_batch
leaf_scan_hits(struct xv_shadow *sh, struct sh_node *n, const uint64_t *fresh,
	       unsigned int a, unsigned int b)
{
	if (n->n_live == XV_PT_ENTRIES)
		return scan_hits(sh, n, fresh, a, b, true);
	return scan_hits(sh, n, fresh, a, b, false);
}

/*
 * Re-shadow the slots of L1 node n that b queued (leaf_queue), from
 * n->copy. live: n is reachable by the device (publish with stores and
 * invalidations); otherwise n is being built. Returns 1 if n was freed
 * (split without memory), -ENOMEM if a new node got no table, else 0.
 */
static int leaf_apply(struct xv_shadow *sh, struct sh_node *n,
		      struct leaf_batch b, bool live)
{
	struct leaf_work *w = &sh->w;
	struct pin_list *old_pins = &w->old;
	const uint16_t *idx = w->idx, *pos = w->pos;
	const unsigned int cnt = b.cnt, nr = b.nr, nw = b.nw;
	const uint64_t *copy = n->copy;
	const uint64_t scratch = scratch_entry(sh, 1);
	const bool tokens = sh->tokens;
	/* The entries as they are (the table of a live 4 KiB node, else
	 * u.leaf.sentry); new ones go to the table when store_now, else to
	 * u.leaf.sentry. */
	uint64_t *sentry = n->u.leaf.sentry, *pinned = n->u.leaf.pinned;
	const uint64_t *ent = leaf_ent(n);
	uint64_t *table = n->table;
	uint8_t *state = n->state;
	/* The range stored so far: leaf_scan_hits's, if it stored any. */
	unsigned int lo = b.nhit ? b.hlo : XV_PT_ENTRIES,
		     hi = b.nhit ? b.hhi : 0;
	/* The old pins, listed as struct pin_list does (empty on entry). */
	uint64_t *old_v = old_pins->v;
	unsigned int onr = 0, onw = 0;
	bool was_huge = n->huge, now_huge;
	/* Store into the live 4 KiB table while committing (see below). */
	bool store_now = live && !was_huge;
	int64_t d_live = 0, d_scratch = 0;
	uint64_t failed = 0, events = 0;
	unsigned int k;
	bool all_pinned;

	if (!cnt && !b.nhit && live)
		return 0;
	sh->st.entries_reshadowed += cnt + b.nhit;
	sh->st.bad_entries += b.bad;
	/* New pins first: the old ones are dropped only after the stores. */
	all_pinned = pin_group(sh, w->pg, nr, XV_PIN_READ, w->pins, w->ok);
	all_pinned &= pin_group(sh, w->pg + XV_PT_ENTRIES, nw, XV_PIN_READWRITE,
				w->pins + XV_PT_ENTRIES, w->ok + XV_PT_ENTRIES);
	/*
	 * Commit, in one pass: the new shadow entry, the old pin to drop,
	 * the slot's state and pin, and (live 4 KiB table) the store of
	 * each changed entry with one 64-bit store. The gauges move by
	 * local deltas (set_state's accounting, unrolled for a leaf), and
	 * only when a slot's state changes. Storing here even if the node
	 * turns out to merge into a 2 MiB leaf is safe: the new entries are
	 * pinned, and the merge's invalidation of the whole 2 MiB covers
	 * them before any old pin is dropped.
	 *
	 * First the common case of a live 4 KiB table over a pinner with
	 * tokens, in a loop of its own: a pinned slot getting a new pin
	 * (state stays SLOT_LIVE, no gauge moves). The first slot that is
	 * anything else ends it, and the general loop takes over from there.
	 */
	k = 0;
	if (store_now && tokens && all_pinned) {
		k = leaf_commit_fast(w, n, cnt, &onr, &onw);
		if (k) {
			lo = idx[0] < lo ? idx[0] : lo;
			hi = idx[k - 1] > hi ? idx[k - 1] : hi;
		}
	}
	for (; k < cnt; k++) {
		unsigned int i = idx[k], p = pos[k];
		uint8_t old = state[i], ns;
		uint64_t e, pv = 0;

		if (p < 2 * XV_PT_ENTRIES) {
			const struct xv_pin *pin = &w->pins[p];

			if (w->ok[p] && !(pin->iova & ~XV_PTE_FRAME_MASK)) {
				ns = SLOT_LIVE;
				e = xv_pte_shadow_leaf(pin->iova,
						       leaf_flags(copy[i]));
				pv = tokens ? pin->token : w->pg[p];
			} else {
				/* A failed pin, or an IOVA an entry cannot
				 * hold: refuse it (never published). */
				if (w->ok[p])
					unpin_slots(
					    sh,
					    tokens ? &pin->token : &w->pg[p], 1,
					    p < XV_PT_ENTRIES
						? XV_PIN_READ
						: XV_PIN_READWRITE);
				failed++;
				ns = SLOT_SCRATCH_RETRY;
				e = scratch;
			}
		} else if (p == POS_ABSENT) {
			ns = SLOT_ABSENT;
			e = 0;
		} else {
			ns = SLOT_SCRATCH_BAD;
			e = scratch;
		}
		if (old == SLOT_LIVE) {
			if (ent[i] & XV_PTE_W)
				old_v[XV_PT_ENTRIES + onw++] = pinned[i];
			else
				old_v[onr++] = pinned[i];
		}
		if (old != ns) {
			d_live += (ns == SLOT_LIVE) - (old == SLOT_LIVE);
			d_scratch +=
			    is_scratch_state(ns) - is_scratch_state(old);
			events += is_scratch_state(ns);
			state[i] = ns;
		}
		pinned[i] = pv;
		if (!store_now)
			sentry[i] = e;
		else if (slot_store(table, i, e)) {
			/* Widen: leaf_scan_hits's range may lie past i. */
			lo = i < lo ? i : lo;
			hi = i > hi ? i : hi;
		}
	}
	n->n_live = (uint16_t)(n->n_live + d_live);
	sh->st.pinned_leaves += (uint64_t)d_live;
	sh->st.scratch_entries += (uint64_t)d_scratch;
	sh->st.scratch_events += events;
	sh->st.pin_failures += failed;
	old_pins->nr = onr;
	old_pins->nw = onw;
	now_huge = leaf_huge_ok(n);

	if (!live) {
		/* Being built: nothing can see it, no invalidations. */
		unpin_list(sh, old_pins);
		if (now_huge) {
			n->huge = true;
			sh->st.huge_leaves++;
			return 0;
		}
		if (!n->table) {
			int rc =
			    table_alloc(sh->vgpu, &n->table, &n->table_iova);

			if (rc)
				return -ENOMEM;
			sh->st.shadow_tables++;
		}
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++)
			n->table[i] = sentry[i];
		return 0;
	}

	if (!was_huge && !now_huge) {
		/* One ranged invalidation covers every store above. */
		if (lo <= hi)
			tlb_flush(sh, n->va + ((uint64_t)lo << 12),
				  (uint64_t)(hi - lo + 1) << 12);
	} else if (now_huge) {
		struct sh_node *p = n->parent;
		uint64_t *old_table = n->table;

		/* A merge: the entries leave the table for u.leaf.sentry. */
		if (!was_huge)
			memcpy(sentry, old_table,
			       XV_PT_ENTRIES * sizeof(*sentry));
		n->huge = true;
		if (slot_store(p->table, n->pidx, node_parent_entry(n)) ||
		    lo <= hi)
			tlb_flush(sh, n->va, XV_PT_HUGE_SIZE);
		if (!was_huge) {
			/* Merge: the L1 table is unreachable after the flush. */
			sh->vgpu->tops->free(sh->vgpu->tctx, old_table,
					     n->table_iova);
			n->table = NULL;
			sh->st.shadow_tables--;
			sh->st.huge_leaves++;
			sh->st.huge_merges++;
		}
	} else {
		/* Split: fill a new L1 table, then link it in one store. */
		struct sh_node *p = n->parent;

		if (table_alloc(sh->vgpu, &n->table, &n->table_iova)) {
			note_err(sh, -ENOMEM);
			n->huge = false;
			sh->st.huge_leaves--;
			leaf_detach_to_scratch(sh, n);
			return 1;
		}
		sh->st.shadow_tables++;
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++)
			n->table[i] = sentry[i];
		n->huge = false;
		sh->st.huge_leaves--;
		sh->st.huge_splits++;
		slot_store(p->table, n->pidx, node_parent_entry(n));
		tlb_flush(sh, n->va, XV_PT_HUGE_SIZE);
	}
	unpin_list(sh, old_pins);
	return 0;
}

static int node_create(struct xv_shadow *sh, struct sh_node *parent,
		       unsigned int pidx, xv_gaddr_t g, struct sh_node **out);

/*
 * Re-shadow non-leaf slot i of n from n->copy[i]: build the new child
 * (fully populated, unreachable), store the entry, invalidate, then free
 * the old subtree.
 */
static void nonleaf_replace(struct xv_shadow *sh, struct sh_node *n,
			    unsigned int i, bool live)
{
	uint64_t g = n->copy[i], entry = 0;
	struct sh_node *old = n->u.child[i], *child = NULL;
	uint8_t state = SLOT_ABSENT;
	int rc;

	sh->st.entries_reshadowed++;
	switch (xv_pte_guest_check(g, n->level, NULL)) {
	case XV_PTE_ABSENT:
		break;
	case XV_PTE_VALID:
		if (sh->st.guest_tables >= sh->max_tables) {
			sh->st.table_limit_hits++;
			state = SLOT_SCRATCH_RETRY;
			break;
		}
		rc = node_create(sh, n, i, xv_pte_guest_addr(g), &child);
		if (rc) {
			if (rc == -ENOMEM)
				note_err(sh, rc);
			else
				sh->st.pin_failures++;
			state = SLOT_SCRATCH_RETRY;
			break;
		}
		state = SLOT_LIVE;
		entry = node_parent_entry(child);
		break;
	default:
		sh->st.bad_entries++;
		state = SLOT_SCRATCH_BAD;
		break;
	}
	if (is_scratch_state(state))
		entry = scratch_entry(sh, n->level);
	n->u.child[i] = child;
	set_state(sh, n, i, state);
	if (live) {
		if (slot_store(n->table, i, entry))
			tlb_flush(sh, n->va + i * xv_pt_span(n->level),
				  xv_pt_span(n->level));
	} else {
		n->table[i] = entry;
	}
	node_destroy(sh, old);
}

/* Build the node for guest table g at slot pidx of parent. */
static int node_create(struct xv_shadow *sh, struct sh_node *parent,
		       unsigned int pidx, xv_gaddr_t g, struct sh_node **out)
{
	struct sh_node *n;
	int rc;

	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->parent = parent;
	n->pidx = (uint16_t)pidx;
	n->level = (uint8_t)(parent->level - 1);
	n->va = parent->va + pidx * xv_pt_span(parent->level);
	n->gaddr = g;
	rc = read_guest(sh, g, 0, XV_PT_ENTRIES, n->copy);
	if (rc) {
		free(n);
		return rc;
	}
	sh->st.guest_tables++;
	if (n->level > 1) {
		rc = table_alloc(sh->vgpu, &n->table, &n->table_iova);
		if (rc) {
			rc = -ENOMEM;
			goto out;
		}
		sh->st.shadow_tables++;
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++)
			if (n->copy[i] & XV_PTE_P)
				nonleaf_replace(sh, n, i, false);
	} else {
		struct leaf_batch lb = {0};

		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++)
			if (n->copy[i] & XV_PTE_P)
				lb = leaf_queue(&sh->w, lb, i, n->copy[i]);
		rc = leaf_apply(sh, n, lb, false);
	}
out:
	if (rc) {
		node_destroy(sh, n);
		return rc;
	}
	*out = n;
	return 0;
}

/*
 * Re-read the slots of n covering [s, e] (inclusive, clipped) and
 * re-shadow the ones that changed (force: also retry SLOT_SCRATCH_RETRY).
 * recurse: descend into unchanged children for the same range. *changed
 * counts re-shadowed guest entries. Returns 1 if n was freed.
 */
static int node_sync(struct xv_shadow *sh, struct sh_node *n, uint64_t s,
		     uint64_t e, bool recurse, bool force,
		     unsigned int *changed)
{
	uint64_t fresh[XV_PT_ENTRIES];
	uint64_t end = n->va + node_span(n) - 1;
	unsigned int a, b;

	if (s < n->va)
		s = n->va;
	if (e > end)
		e = end;
	if (s > e)
		return 0;
	a = xv_pt_index(s, n->level);
	b = xv_pt_index(e, n->level);
	if (read_guest(sh, n->gaddr, a, b - a + 1, fresh + a)) {
		sh->st.pin_failures++;
		for (unsigned int i = a; i <= b; i++)
			fresh[i] = POISON_ENTRY;
		if (n == sh->root)
			sh->root_unreadable = true;
	} else if (n == sh->root) {
		sh->root_unreadable = false;
	}
	/* Nothing changed and nothing below to visit: one memcmp instead of
	 * a compare per entry (an OOS sync re-reads every tracked page of
	 * the path, most of them unchanged). */
	if (!force && (!recurse || n->level == 1) &&
	    !memcmp(fresh + a, n->copy + a, (b - a + 1) * sizeof(*fresh)))
		return 0;
	if (n->level == 1) {
		struct leaf_batch lb = {0};

		/* Only entries that differ from the snapshot are re-shadowed. */
		if (sh->mc_hits && !force && n->table) {
			lb = leaf_scan_hits(sh, n, fresh, a, b);
		} else {
			for (unsigned int i = a; i <= b; i++) {
				if (fresh[i] != n->copy[i] ||
				    (force &&
				     n->state[i] == SLOT_SCRATCH_RETRY)) {
					n->copy[i] = fresh[i];
					lb =
					    leaf_queue(&sh->w, lb, i, fresh[i]);
				}
			}
		}
		*changed += lb.cnt + lb.nhit;
		return leaf_apply(sh, n, lb, true) == 1;
	}
	for (unsigned int i = a; i <= b; i++) {
		if (fresh[i] != n->copy[i] ||
		    (force && n->state[i] == SLOT_SCRATCH_RETRY)) {
			n->copy[i] = fresh[i];
			nonleaf_replace(sh, n, i, true);
			(*changed)++;
		} else if (recurse && n->u.child[i]) {
			node_sync(sh, n->u.child[i], s, e, recurse, force,
				  changed);
		}
	}
	return 0;
}

/* OOS notification: track every node covering [s, e], or sync it now. */
static void oos_notify(struct xv_shadow *sh, struct sh_node *n, uint64_t s,
		       uint64_t e)
{
	uint64_t end = n->va + node_span(n) - 1;
	unsigned int a, b, changed = 0;

	if (s < n->va)
		s = n->va;
	if (e > end)
		e = end;
	if (s > e)
		return;
	if (!oos_track(sh, n)) {
		if (node_sync(sh, n, s, e, false, false, &changed))
			return;
	}
	if (n->level == 1)
		return;
	a = xv_pt_index(s, n->level);
	b = xv_pt_index(e, n->level);
	for (unsigned int i = a; i <= b; i++)
		if (n->u.child[i])
			oos_notify(sh, n->u.child[i], s, e);
}

static int take_err(struct xv_shadow *sh)
{
	int rc = sh->err;

	sh->err = 0;
	return rc;
}

/* ---- public: vGPU --------------------------------------------------------- */

int xv_shadow_vgpu_new(const struct xv_shadow_vgpu_config *cfg,
		       struct xv_shadow_vgpu **out)
{
	struct xv_shadow_vgpu *v = NULL;
	int rc = -EINVAL;

	if (!out)
		goto out;
	*out = NULL;
	if (!cfg || !cfg->table_ops || !cfg->table_ops->alloc ||
	    !cfg->table_ops->free || (cfg->scratch_iova & ~XV_PTE_FRAME_MASK))
		goto out;
	v = calloc(1, sizeof(*v));
	if (!v) {
		rc = -ENOMEM;
		goto out;
	}
	v->tops = cfg->table_ops;
	v->tctx = cfg->table_ctx;
	v->scratch_iova = cfg->scratch_iova;
	v->oos_limit = cfg->oos_pages;
	for (unsigned int l = 1; l < XV_PT_LEVELS; l++) {
		uint64_t e = l == 1 ? xv_pte_shadow_leaf(v->scratch_iova, 0)
				    : xv_pte_shadow_table(v->stab_iova[l - 1]);

		rc = table_alloc(v, &v->stab[l], &v->stab_iova[l]);
		if (rc)
			goto out;
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++)
			v->stab[l][i] = e;
	}
	*out = v;
	v = NULL;
	rc = 0;
out:
	xv_shadow_vgpu_free(v);
	return rc;
}

void xv_shadow_vgpu_free(struct xv_shadow_vgpu *v)
{
	if (!v)
		return;
	for (unsigned int l = 1; l < XV_PT_LEVELS; l++)
		if (v->stab[l])
			v->tops->free(v->tctx, v->stab[l], v->stab_iova[l]);
	free(v);
}

uint32_t xv_shadow_vgpu_oos_used(const struct xv_shadow_vgpu *v)
{
	return v ? v->oos_used : 0;
}

/* ---- public: shadow -------------------------------------------------------- */

int xv_shadow_new(const struct xv_shadow_config *cfg, struct xv_shadow **out)
{
	struct xv_shadow *sh = NULL;
	int rc = -EINVAL;

	if (!out)
		goto out;
	*out = NULL;
	if (!cfg || !cfg->vgpu || !cfg->pin_ops || !cfg->pin_ops->pin_batch ||
	    !cfg->pin_ops->unpin_batch)
		goto out;
	rc = -ENOMEM;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		goto out;
	sh->vgpu = cfg->vgpu;
	sh->pin = cfg->pin_ops;
	sh->pin_ctx = cfg->pin_ctx;
	sh->tlb = cfg->tlb_invalidate;
	sh->tlb_ctx = cfg->tlb_ctx;
	sh->max_tables =
	    cfg->max_tables ? cfg->max_tables : XV_SHADOW_DEFAULT_MAX_TABLES;
	sh->oos_idle = cfg->oos_idle_syncs ? cfg->oos_idle_syncs
					   : XV_SHADOW_DEFAULT_OOS_IDLE;
	sh->oos = !cfg->oos_disable;
	sh->tokens = cfg->pin_ops->unpin_tokens != NULL;
	if (cfg->pin_ops == &xv_mapcache_pin_ops && cfg->pin_ctx) {
		sh->mc_hits = true;
		xv_mapcache_hits_init(cfg->pin_ctx, &sh->mch);
	}
	sh->root = calloc(1, sizeof(*sh->root));
	if (!sh->root)
		goto out;
	sh->root->level = XV_PT_LEVELS;
	sh->st.guest_tables = 1;
	if (table_alloc(sh->vgpu, &sh->root->table, &sh->root->table_iova))
		goto out;
	sh->st.shadow_tables = 1;
	*out = sh;
	sh = NULL;
	rc = 0;
out:
	xv_shadow_free(sh);
	return rc;
}

void xv_shadow_free(struct xv_shadow *sh)
{
	if (!sh)
		return;
	if (sh->root) {
		/* The device may still hold translations of this context. */
		if (sh->has_root)
			tlb_flush(sh, 0, XV_GPU_VA_LIMIT);
		node_destroy(sh, sh->root);
	}
	free(sh);
}

int xv_shadow_set_root(struct xv_shadow *sh, xv_gaddr_t root)
{
	unsigned int changed = 0;
	int rc;

	if (!sh)
		return -EINVAL;
	sh->root->gaddr = root & XV_PTE_GUEST_ADDR_MASK;
	sh->has_root = true;
	/* Compare-based: slots whose entry is unchanged keep their subtree,
	 * which is right because a subtree depends only on its entry. */
	node_sync(sh, sh->root, 0, XV_GPU_VA_LIMIT - 1, true, true, &changed);
	rc = take_err(sh);
	return !rc && sh->root_unreadable ? -EFAULT : rc;
}

int xv_shadow_update_range(struct xv_shadow *sh, uint64_t va, uint64_t len)
{
	unsigned int changed = 0;

	if (!sh || !xv_pt_range_ok(va, len))
		return -EINVAL;
	if (!sh->has_root)
		return 0;
	if (xv_shadow_oos_enabled(sh))
		oos_notify(sh, sh->root, va, va + len - 1);
	else
		node_sync(sh, sh->root, va, va + len - 1, true, false,
			  &changed);
	return take_err(sh);
}

int xv_shadow_sync(struct xv_shadow *sh)
{
	struct xv_shadow_vgpu *v;
	unsigned int changed = 0;

	if (!sh)
		return -EINVAL;
	v = sh->vgpu;
	/* Top-down: a parent's change frees stale children before they are
	 * looked at; syncing a node frees only lower levels (or itself). */
	for (unsigned int l = XV_PT_LEVELS; l >= 1; l--) {
		struct sh_node *n, *next;

		for (n = sh->oos_head[l]; n; n = next) {
			unsigned int c = 0;

			next = n->oos_next;
			if (node_sync(sh, n, n->va, n->va + node_span(n) - 1,
				      false, false, &c))
				continue;
			changed += c;
			if (c) {
				n->stamp = ++sh->clock;
				n->idle = 0;
			} else if (++n->idle >= sh->oos_idle &&
				   sh->oos_idle != ~0u) {
				oos_untrack(sh, n);
			}
		}
	}
	/* Repay contexts that were refused budget: release our least
	 * recently changed pages, which are in sync right now. */
	while (v->oos_pressure) {
		struct sh_node *n = oos_lru(sh);

		if (!n)
			break;
		oos_untrack(sh, n);
		v->oos_pressure--;
	}
	sh->st.last_sync_changed = changed;
	sh->st.syncs++;
	return take_err(sh);
}

int xv_shadow_resync(struct xv_shadow *sh)
{
	unsigned int changed = 0;

	if (!sh)
		return -EINVAL;
	if (!sh->has_root)
		return 0;
	node_sync(sh, sh->root, 0, XV_GPU_VA_LIMIT - 1, true, true, &changed);
	return take_err(sh);
}

int xv_shadow_set_oos(struct xv_shadow *sh, bool on)
{
	int rc = 0;

	if (!sh)
		return -EINVAL;
	if (!on && sh->oos) {
		rc = xv_shadow_sync(sh);
		for (unsigned int l = 1; l <= XV_PT_LEVELS; l++)
			while (sh->oos_head[l])
				oos_untrack(sh, sh->oos_head[l]);
	}
	sh->oos = on;
	return rc;
}

bool xv_shadow_oos_enabled(const struct xv_shadow *sh)
{
	return sh && sh->oos && sh->vgpu->oos_limit > 0;
}

xv_iova_t xv_shadow_root_iova(const struct xv_shadow *sh)
{
	return sh->root->table_iova;
}

const uint64_t *xv_shadow_root_table(const struct xv_shadow *sh)
{
	return sh->root->table;
}

bool xv_shadow_is_scratch(const struct xv_shadow *sh, xv_iova_t iova)
{
	return (iova & XV_PAGE_MASK) == sh->vgpu->scratch_iova;
}

struct translate_ctx {
	const struct xv_shadow *sh;
	const struct sh_node *cur; /* NULL once in the scratch chain */
	uint64_t va;
};

/* Table IOVA → host pointer from the engine's own tree; also checks that
 * the IOVA in the entry is the one the engine put there. */
static const uint64_t *translate_table(void *ctx, xv_iova_t iova,
				       unsigned int level)
{
	struct translate_ctx *t = ctx;
	const struct xv_shadow_vgpu *v = t->sh->vgpu;
	const struct sh_node *c;

	if (level == XV_PT_LEVELS) {
		t->cur = t->sh->root;
		return iova == t->cur->table_iova ? t->cur->table : NULL;
	}
	if (t->cur) {
		c = t->cur->u.child[xv_pt_index(t->va, level + 1)];
		if (c && c->table && c->table_iova == iova) {
			t->cur = c;
			return c->table;
		}
		t->cur = NULL;
	}
	return iova == v->stab_iova[level] ? v->stab[level] : NULL;
}

int xv_shadow_translate(const struct xv_shadow *sh, uint64_t va,
			enum xv_pt_access access, struct xv_pt_walk_result *out)
{
	struct translate_ctx t = {.sh = sh, .cur = NULL, .va = va};

	if (!sh)
		return -EINVAL;
	return xv_pt_walk(sh->root->table_iova, va, access, translate_table, &t,
			  out);
}

void xv_shadow_get_stats(const struct xv_shadow *sh,
			 struct xv_shadow_stats *out)
{
	*out = sh->st;
}
