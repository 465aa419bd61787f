/*
 * test-shadow.c — the shadow engine against the guest-memory test double:
 * populate, update, resync, out-of-sync mode and its budget, ordering of
 * pins, stores and invalidations, scratch handling, 2 MiB leaves,
 * teardown, hostile tables, and a randomized model-based test comparing
 * the engine with a direct walk of the guest tables after every step.
 *
 * The "device" in these tests walks the shadow tables by IOVA through the
 * test double's table lookup, and keeps a small simulated TLB that the
 * engine's tlb_invalidate hook flushes: a missed invalidation shows up as
 * a stale TLB entry, a pin dropped too early as an unpin of an IOVA that
 * a shadow entry or TLB entry still holds.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "guest-mem.h"
#include "pt.h"
#include "shadow.h"
#include "xv-test.h"

#define MAXP 6144u
#define GB   (1ull << 30)
#define MB2  (2ull << 20)

/* ---- fixture ------------------------------------------------------------------ */

struct tlb_entry {
	uint64_t va; /* page */
	xv_iova_t iova;
	uint64_t flags;
	bool valid;
};

struct fx {
	struct xv_gmem *gm;
	struct xv_shadow_vgpu *vg;
	struct xv_shadow *sh;
	xv_iova_t scratch;
	xv_gaddr_t root;
	/* invalidations seen */
	unsigned long nflush;
	struct {
		uint64_t va, len;
	} log[256];
	unsigned int nlog;
	/* simulated device TLB */
	struct tlb_entry tlb[64];
	/* ordering checks at unpin time */
	bool check_unpin;
	unsigned long unpin_checked;
	unsigned long stale_shadow; /* unpinned IOVA still in a shadow entry */
	unsigned long stale_tlb;    /* unpinned IOVA still in the TLB */
};

static struct fx F;

struct fx_opts {
	uint32_t oos_pages;
	bool oos_off;
	uint32_t max_tables;
	enum xv_gmem_iova_mode iova_mode;
	uint32_t oos_idle;
	/* A pinner without unpin_tokens: the engine unpins by address. */
	bool addr_unpins;
};

static struct xv_pin_ops gmem_addr_pin_ops;

static void tlb_hook(void *ctx, uint64_t va, uint64_t len)
{
	struct fx *f = ctx;

	f->nflush++;
	if (f->nlog < XV_ARRAY_SIZE(f->log)) {
		f->log[f->nlog].va = va;
		f->log[f->nlog].len = len;
		f->nlog++;
	}
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(f->tlb); i++)
		if (f->tlb[i].valid && f->tlb[i].va >= va &&
		    f->tlb[i].va - va < len)
			f->tlb[i].valid = false;
}

/* Does any device-visible shadow entry map iova? Walks by IOVA. */
struct scan {
	xv_iova_t iova;
	xv_iova_t seen[512];
	unsigned int nseen;
	bool found;
};

static void scan_table(struct fx *f, struct scan *s, xv_iova_t tiova,
		       unsigned int level)
{
	const uint64_t *t = xv_gmem_table_fn(f->gm, tiova, level);

	if (!t || s->found)
		return;
	for (unsigned int i = 0; i < s->nseen; i++)
		if (s->seen[i] == tiova)
			return; /* shared (scratch chain): once is enough */
	if (s->nseen < XV_ARRAY_SIZE(s->seen))
		s->seen[s->nseen++] = tiova;
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		xv_iova_t a = xv_pte_shadow_addr(e);

		if (!(e & XV_PTE_P))
			continue;
		if (level == 1 || (e & XV_PTE_PS)) {
			uint64_t size = level == 1 ? 4096 : MB2;

			if (s->iova >= a && s->iova - a < size)
				s->found = true;
		} else {
			scan_table(f, s, a, level - 1);
		}
	}
}

static bool shadow_maps(struct fx *f, xv_iova_t iova)
{
	struct scan s = {.iova = iova};

	scan_table(f, &s, xv_shadow_root_iova(f->sh), 4);
	return s.found;
}

static void unpin_hook(void *ctx, xv_gaddr_t g, xv_iova_t iova, bool last)
{
	struct fx *f = ctx;

	(void)g;
	if (!last || !f->check_unpin)
		return;
	f->unpin_checked++;
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(f->tlb); i++)
		if (f->tlb[i].valid && f->tlb[i].iova == iova)
			f->stale_tlb++;
	if (shadow_maps(f, iova))
		f->stale_shadow++;
}

static void fx_init(struct fx *f, const struct fx_opts *o)
{
	struct xv_shadow_vgpu_config vc = {0};
	struct xv_shadow_config sc = {0};

	memset(f, 0, sizeof(*f));
	f->gm = xv_gmem_new(MAXP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->gm);
	xv_gmem_set_iova_mode(f->gm, o->iova_mode);
	xv_gmem_set_unpin_hook(f->gm, unpin_hook, f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xv_gmem_host_page(f->gm, &f->scratch));
	vc.table_ops = &xv_gmem_table_ops;
	vc.table_ctx = f->gm;
	vc.scratch_iova = f->scratch;
	vc.oos_pages = o->oos_pages;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_vgpu_new(&vc, &f->vg), 0);
	sc.vgpu = f->vg;
	gmem_addr_pin_ops = xv_gmem_pin_ops;
	gmem_addr_pin_ops.unpin_tokens = NULL;
	sc.pin_ops = o->addr_unpins ? &gmem_addr_pin_ops : &xv_gmem_pin_ops;
	sc.pin_ctx = f->gm;
	sc.tlb_invalidate = tlb_hook;
	sc.tlb_ctx = f;
	sc.max_tables = o->max_tables;
	sc.oos_disable = o->oos_off;
	sc.oos_idle_syncs = o->oos_idle;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_new(&sc, &f->sh), 0);
	f->root = xv_gmem_alloc(f->gm);
}

static struct xv_shadow_stats stats(struct fx *f)
{
	struct xv_shadow_stats st;

	xv_shadow_get_stats(f->sh, &st);
	return st;
}

static struct xv_gmem_counters counters(struct fx *f)
{
	struct xv_gmem_counters c;

	xv_gmem_get_counters(f->gm, &c);
	return c;
}

/* Teardown: every pin released exactly once, every table freed. */
static void fx_fini(struct fx *f)
{
	struct xv_gmem_counters c;

	f->check_unpin = false;
	xv_shadow_free(f->sh);
	c = counters(f);
	CU_ASSERT_EQUAL(xv_gmem_live_pins(f->gm), 0);
	CU_ASSERT_EQUAL(c.pages_pinned, c.pages_unpinned);
	CU_ASSERT_EQUAL(c.unpin_errors, 0);
	for (uint32_t i = 0; i < xv_gmem_pages(f->gm); i++) {
		xv_gaddr_t g = xv_gmem_addr(f->gm, i);

		CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, g, XV_PIN_READ), 0);
		CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, g, XV_PIN_READWRITE), 0);
	}
	CU_ASSERT_EQUAL(c.tables_live, 3); /* the vGPU's scratch chain */
	CU_ASSERT_EQUAL(xv_shadow_vgpu_oos_used(f->vg), 0);
	xv_shadow_vgpu_free(f->vg);
	CU_ASSERT_EQUAL(counters(f).tables_live, 0);
	xv_gmem_free(f->gm);
	memset(f, 0, sizeof(*f));
}

/* ---- the guest side ---------------------------------------------------------- */

/* The guest entry at `level` for va, creating the tables above it. */
static uint64_t *gslot(struct fx *f, xv_gaddr_t root, uint64_t va,
		       unsigned int level)
{
	uint64_t *t = xv_gmem_page(f->gm, root);

	for (unsigned int l = 4; l > level && t; l--) {
		uint64_t *e = &t[xv_pt_index(va, l)];

		/* Absent or broken: give it a fresh table. */
		if (xv_pte_guest_check(*e, l, NULL) != XV_PTE_VALID ||
		    !xv_gmem_page(f->gm, xv_pte_guest_addr(*e))) {
			xv_gaddr_t g = xv_gmem_alloc(f->gm);

			CU_ASSERT_FATAL(g != 0);
			*e = xv_pte_guest_make(g, 0);
		}
		t = xv_gmem_page(f->gm, xv_pte_guest_addr(*e));
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return &t[xv_pt_index(va, level)];
}

static void gmap(struct fx *f, uint64_t va, xv_gaddr_t g, uint64_t flags)
{
	*gslot(f, f->root, va, 1) = xv_pte_guest_make(g, flags);
}

static xv_gaddr_t gdata(struct fx *f)
{
	xv_gaddr_t g = xv_gmem_alloc(f->gm);

	CU_ASSERT_FATAL(g != 0);
	return g;
}

/* ---- the reference model: a direct walk of the guest tables --------------- */

enum mkind { M_NONE, M_SCRATCH, M_MAP, M_UNPINNED };

struct mres {
	enum mkind k;
	xv_iova_t iova;
	uint64_t flags;
};

static struct mres model(struct fx *f, uint64_t va)
{
	xv_gaddr_t tg = f->root;
	struct mres m = {M_NONE, 0, 0};

	for (unsigned int l = 4; l >= 1; l--) {
		const uint64_t *t;
		uint64_t e;
		enum xv_pte_check c;
		xv_gaddr_t g;

		if (!xv_gmem_pinnable(f->gm, tg)) {
			m.k = M_SCRATCH;
			return m;
		}
		t = xv_gmem_page(f->gm, tg);
		e = t[xv_pt_index(va, l)];
		c = xv_pte_guest_check(e, l, NULL);
		if (c == XV_PTE_ABSENT)
			return m;
		if (c != XV_PTE_VALID) {
			m.k = M_SCRATCH;
			return m;
		}
		g = xv_pte_guest_addr(e);
		if (l > 1) {
			tg = g;
			continue;
		}
		if (!xv_gmem_pinnable(f->gm, g)) {
			m.k = M_SCRATCH;
		} else if (!xv_gmem_iova_of(f->gm, g, &m.iova)) {
			m.k = M_UNPINNED;
		} else {
			m.k = M_MAP;
			m.iova |= va & 0xfff;
			m.flags = XV_PTE_P | (e & (XV_PTE_W | XV_PTE_NS));
		}
	}
	return m;
}

static unsigned long mismatches;

/* Engine translation == device walk == model, for one VA. */
static bool check_va(struct fx *f, uint64_t va)
{
	struct mres m = model(f, va);
	struct xv_pt_walk_result r, d;
	int rc = xv_shadow_translate(f->sh, va, XV_PT_READ, &r);
	int rd = xv_pt_walk(xv_shadow_root_iova(f->sh), va, XV_PT_READ,
			    xv_gmem_table_fn, f->gm, &d);
	bool ok = rc == rd && r.fault == d.fault && r.iova == d.iova &&
		  r.flags == d.flags;

	switch (m.k) {
	case M_NONE:
		ok = ok && rc == -EFAULT && r.fault == XV_PT_FAULT_NOT_PRESENT;
		break;
	case M_SCRATCH:
		ok = ok && rc == 0 && xv_shadow_is_scratch(f->sh, r.iova) &&
		     r.flags == XV_PTE_P;
		break;
	case M_MAP:
		ok = ok && rc == 0 && r.iova == m.iova && r.flags == m.flags;
		break;
	case M_UNPINNED:
		ok = false;
		break;
	}
	if (!ok && mismatches++ < 5)
		printf("\n  va %#" PRIx64 ": model %d iova %#" PRIx64
		       " flags %#" PRIx64
		       "; engine rc %d fault %s iova %#" PRIx64
		       " flags %#" PRIx64 "; device rc %d fault %s\n",
		       va, m.k, m.iova, m.flags, rc, xv_pt_fault_str(r.fault),
		       r.iova, r.flags, rd, xv_pt_fault_str(d.fault));
	return ok;
}

/*
 * Expected state from the guest tables: pins per page and access, scratch
 * entries, 2 MiB leaves; `used` marks every page a valid entry names.
 * Only for loop-free guest trees.
 */
struct menum {
	uint32_t ref[2][MAXP + 1];
	bool used[MAXP + 1];
	uint64_t scratch, huge, leaves;
};

static void mark_used(struct menum *me, xv_gaddr_t g)
{
	uint64_t fr = xv_gaddr_frame(g);

	if (xv_gaddr_is_grant(g) && fr <= MAXP)
		me->used[fr] = true;
}

static void model_enum(struct fx *f, xv_gaddr_t tg, unsigned int level,
		       struct menum *me)
{
	const uint64_t *t = xv_gmem_page(f->gm, tg);
	unsigned int live = 0;
	xv_iova_t base = 0;
	uint64_t flags = 0;
	bool huge = level == 1;

	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		enum xv_pte_check c = xv_pte_guest_check(e, level, NULL);
		xv_gaddr_t g = xv_pte_guest_addr(e);
		xv_iova_t iova;

		if (c == XV_PTE_ABSENT) {
			huge = false;
			continue;
		}
		if (c != XV_PTE_VALID) {
			me->scratch++;
			huge = false;
			continue;
		}
		mark_used(me, g);
		if (!xv_gmem_pinnable(f->gm, g)) {
			me->scratch++;
			huge = false;
			continue;
		}
		if (level > 1) {
			model_enum(f, g, level - 1, me);
			continue;
		}
		me->ref[!!(e & XV_PTE_W)][xv_gaddr_frame(g)]++;
		me->leaves++;
		if (!xv_gmem_iova_of(f->gm, g, &iova)) {
			huge = false;
			continue;
		}
		if (live++ == 0) {
			base = iova;
			flags = e & (XV_PTE_W | XV_PTE_NS);
			huge = huge && !(base & (MB2 - 1));
		} else if (iova != base + i * 4096ull ||
			   (e & (XV_PTE_W | XV_PTE_NS)) != flags) {
			huge = false;
		}
	}
	if (huge && live == 512)
		me->huge++;
}

static void model_state(struct fx *f, struct menum *me)
{
	memset(me, 0, sizeof(*me));
	mark_used(me, f->root);
	if (!xv_gmem_pinnable(f->gm, f->root))
		me->scratch += 512;
	else
		model_enum(f, f->root, 4, me);
}

/* Pins and gauges equal the model's. */
static bool check_state(struct fx *f, struct menum *me)
{
	struct xv_shadow_stats st = stats(f);
	bool ok = true;

	model_state(f, me);
	for (uint32_t i = 0; i < xv_gmem_pages(f->gm); i++) {
		xv_gaddr_t g = xv_gmem_addr(f->gm, i);
		uint32_t fr = (uint32_t)xv_gaddr_frame(g);

		if (xv_gmem_refs(f->gm, g, XV_PIN_READ) != me->ref[0][fr] ||
		    xv_gmem_refs(f->gm, g, XV_PIN_READWRITE) !=
			me->ref[1][fr]) {
			if (ok && mismatches++ < 5)
				printf("\n  gref %u: pins r%u/rw%u, model "
				       "r%u/rw%u\n",
				       fr, xv_gmem_refs(f->gm, g, XV_PIN_READ),
				       xv_gmem_refs(f->gm, g, XV_PIN_READWRITE),
				       me->ref[0][fr], me->ref[1][fr]);
			ok = false;
		}
	}
	if (st.pinned_leaves != me->leaves ||
	    st.scratch_entries != me->scratch || st.huge_leaves != me->huge ||
	    xv_gmem_live_pins(f->gm) != me->leaves) {
		if (mismatches++ < 5)
			printf("\n  stats: leaves %" PRIu64 "/%" PRIu64
			       " scratch %" PRIu64 "/%" PRIu64 " huge %" PRIu64
			       "/%" PRIu64 "\n",
			       st.pinned_leaves, me->leaves, st.scratch_entries,
			       me->scratch, st.huge_leaves, me->huge);
		ok = false;
	}
	return ok;
}

static struct menum ME;

/* The engine still shows something other than the guest tables. */
static bool stale(struct fx *f, uint64_t va)
{
	unsigned long m = mismatches;
	bool ok;

	mismatches = 100; /* quiet: a mismatch is what we expect */
	ok = check_va(f, va);
	mismatches = m;
	return !ok;
}

/* ---- directed tests ----------------------------------------------------------- */

static const struct fx_opts OOS_OFF = {.oos_off = true,
				       .iova_mode = XV_GMEM_IOVA_SCATTER};

static const uint64_t some_vas[] = {
    0x0,
    0x1000,
    0x5000,
    0x200000,
    0x40000000,
    (5ull << 39) | (7ull << 30) | (9ull << 21) | (11ull << 12),
    (1ull << 48) - 4096,
};

static void test_populate(void)
{
	struct fx *f = &F;
	struct xv_gmem_counters c0;
	struct xv_shadow_stats st;

	fx_init(f, &OOS_OFF);
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(some_vas); i++)
		gmap(f, some_vas[i], gdata(f), i & 1 ? XV_PTE_W : 0);
	c0 = counters(f);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(some_vas); i++) {
		CU_ASSERT_TRUE(check_va(f, some_vas[i]));
		CU_ASSERT_TRUE(check_va(f, some_vas[i] + 0xabc));
	}
	CU_ASSERT_TRUE(check_va(f, 0x2000)); /* not mapped */
	CU_ASSERT_TRUE(check_va(f, 1ull << 47));
	CU_ASSERT_TRUE(check_state(f, &ME));
	st = stats(f);
	CU_ASSERT_EQUAL(st.pinned_leaves, XV_ARRAY_SIZE(some_vas));
	CU_ASSERT_EQUAL(st.scratch_entries, 0);
	/* Tables: root; L3 for root slots 0, 5, 511; L2 x3 (+1 at 1G);
	 * L1 for 0-2M, 2M-4M, 1G, the 5/7/9 one, the top one. */
	CU_ASSERT_EQUAL(st.guest_tables, 1 + 3 + 4 + 5);
	CU_ASSERT_EQUAL(st.shadow_tables, st.guest_tables);
	/* One batch per L1 with several leaves (0, 4K, 20K: same access
	 * split: 0 and 20K read, 4K write) and the read/write split. */
	CU_ASSERT_EQUAL(counters(f).pin_batch_calls - c0.pin_batch_calls, 1);
	/* Writes through a read-only leaf fault. */
	{
		struct xv_pt_walk_result r;

		CU_ASSERT_EQUAL(xv_shadow_translate(f->sh, 0, XV_PT_WRITE, &r),
				-EFAULT);
		CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_READ_ONLY);
		CU_ASSERT_EQUAL(
		    xv_shadow_translate(f->sh, 0x1000, XV_PT_WRITE, &r), 0);
		CU_ASSERT_EQUAL(
		    xv_shadow_translate(f->sh, 1ull << 48, XV_PT_READ, &r),
		    -EFAULT);
		CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_VA);
	}
	/* Data pins carry the access the guest entry asks for. */
	{
		uint64_t e = *gslot(f, f->root, 0x1000, 1);

		CU_ASSERT_EQUAL(
		    xv_gmem_refs(f->gm, xv_pte_guest_addr(e), XV_PIN_READWRITE),
		    1);
		CU_ASSERT_EQUAL(
		    xv_gmem_refs(f->gm, xv_pte_guest_addr(e), XV_PIN_READ), 0);
	}
	fx_fini(f);
}

/* One leaf batch per access per guest L1 page, up to 512 entries. */
static void test_populate_batches(void)
{
	struct fx *f = &F;
	struct xv_gmem_counters c0, c1;

	fx_init(f, &OOS_OFF);
	for (unsigned int i = 0; i < 512; i++)
		gmap(f, 0x600000 + i * 4096ull, gdata(f), 0);
	c0 = counters(f);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	c1 = counters(f);
	/* 4 table reads and one 512-page batch. */
	CU_ASSERT_EQUAL(c1.pin_batch_calls - c0.pin_batch_calls, 1);
	CU_ASSERT_EQUAL(c1.pin_calls - c0.pin_calls, 4 + 1);
	CU_ASSERT_EQUAL(c1.pin_failed_calls, 0);
	CU_ASSERT_EQUAL(stats(f).pinned_leaves, 512);
	fx_fini(f);
}

static void test_update_range(void)
{
	struct fx *f = &F;
	xv_gaddr_t a, b;
	struct xv_shadow_stats st;
	uint64_t va = 0x40201000;

	fx_init(f, &OOS_OFF);
	a = gdata(f);
	b = gdata(f);
	gmap(f, va, a, 0);
	gmap(f, va + 4096, gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_TRUE(check_va(f, va));
	/* Remap: the old page is released, the new one pinned RW. */
	gmap(f, va, b, XV_PTE_W);
	f->nlog = 0;
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, va, 4096), 0);
	CU_ASSERT_TRUE(check_va(f, va));
	CU_ASSERT_TRUE(check_va(f, va + 4096));
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, a, XV_PIN_READ), 0);
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, b, XV_PIN_READWRITE), 1);
	CU_ASSERT_EQUAL(f->nlog, 1);
	CU_ASSERT_EQUAL(f->log[0].va, va);
	CU_ASSERT_EQUAL(f->log[0].len, 4096);
	/* Unmap. */
	*gslot(f, f->root, va, 1) = 0;
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, va, 4096), 0);
	CU_ASSERT_TRUE(check_va(f, va));
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, b, XV_PIN_READWRITE), 0);
	/* A notification with nothing changed changes nothing. */
	f->nlog = 0;
	st = stats(f);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, 1ull << 48), 0);
	CU_ASSERT_EQUAL(f->nlog, 0);
	CU_ASSERT_EQUAL(stats(f).entries_reshadowed, st.entries_reshadowed);
	/* Ranges outside 48 bits are refused. */
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 1ull << 48, 4096),
			-EINVAL);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, 0), -EINVAL);
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* A whole new subtree appears under a notified range; one disappears. */
static void test_update_subtree(void)
{
	struct fx *f = &F;
	uint64_t va = (3ull << 39) | (2ull << 30);

	fx_init(f, &OOS_OFF);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	for (unsigned int i = 0; i < 8; i++)
		gmap(f, va + i * MB2, gdata(f), XV_PTE_NS);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, va, 16 * MB2), 0);
	for (unsigned int i = 0; i < 8; i++)
		CU_ASSERT_TRUE(check_va(f, va + i * MB2));
	CU_ASSERT_EQUAL(stats(f).pinned_leaves, 8);
	/* Drop the L4 entry: the whole subtree goes, pins released. */
	xv_gmem_page(f->gm, f->root)[3] = 0;
	f->nlog = 0;
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 3ull << 39, 4096), 0);
	CU_ASSERT_EQUAL(stats(f).pinned_leaves, 0);
	CU_ASSERT_EQUAL(stats(f).shadow_tables, 1);
	CU_ASSERT_EQUAL(f->nlog, 1);
	CU_ASSERT_EQUAL(f->log[0].va, 3ull << 39);
	CU_ASSERT_EQUAL(f->log[0].len, 1ull << 39);
	CU_ASSERT_EQUAL(xv_gmem_live_pins(f->gm), 0);
	fx_fini(f);
}

static void test_resync(void)
{
	struct fx *f = &F;
	xv_gaddr_t g[4];

	fx_init(f, &OOS_OFF);
	for (unsigned int i = 0; i < 4; i++) {
		g[i] = gdata(f);
		gmap(f, i * GB, g[i], 0);
	}
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	/* Change without notifying: the shadow keeps the old mapping... */
	gmap(f, 0, g[1], 0);
	*gslot(f, f->root, 2 * GB, 1) = 0;
	gmap(f, 5 * GB, g[3], XV_PTE_W);
	CU_ASSERT_TRUE(stale(f, 0));
	CU_ASSERT_EQUAL(stats(f).pinned_leaves, 4);
	/* ...until a full resync. */
	CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
	for (unsigned int i = 0; i < 6; i++)
		CU_ASSERT_TRUE(check_va(f, i * GB));
	CU_ASSERT_TRUE(check_state(f, &ME));
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, g[0], XV_PIN_READ), 0);
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, g[1], XV_PIN_READ), 2);
	fx_fini(f);
}

/* Replacing the root re-shadows from the new one. */
static void test_set_root_replace(void)
{
	struct fx *f = &F;
	xv_gaddr_t a, b, root2;

	fx_init(f, &OOS_OFF);
	a = gdata(f);
	b = gdata(f);
	gmap(f, 0x1000, a, 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	root2 = xv_gmem_alloc(f->gm);
	*gslot(f, root2, 0x3000, 1) = xv_pte_guest_make(b, XV_PTE_W);
	f->root = root2;
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, root2), 0);
	CU_ASSERT_TRUE(check_va(f, 0x1000));
	CU_ASSERT_TRUE(check_va(f, 0x3000));
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, a, XV_PIN_READ), 0);
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, b, XV_PIN_READWRITE), 1);
	/* An unreadable root: -EFAULT, everything resolves to scratch. */
	xv_gmem_set_bad(f->gm, root2, true);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, root2), -EFAULT);
	CU_ASSERT_TRUE(check_va(f, 0x3000));
	CU_ASSERT_TRUE(check_va(f, 1ull << 40));
	CU_ASSERT_TRUE(check_state(f, &ME));
	CU_ASSERT_EQUAL(stats(f).scratch_entries, 512);
	xv_gmem_set_bad(f->gm, root2, false);
	CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
	CU_ASSERT_TRUE(check_va(f, 0x3000));
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* ---- out-of-sync mode -------------------------------------------------------- */

static void test_oos_sync(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_pages = 16, .iova_mode = XV_GMEM_IOVA_SCATTER};
	xv_gaddr_t g[8];
	uint64_t va = 0x80000000;

	fx_init(f, &o);
	CU_ASSERT_TRUE(xv_shadow_oos_enabled(f->sh));
	for (unsigned int i = 0; i < 8; i++) {
		g[i] = gdata(f);
		gmap(f, va + i * 4096ull, g[i], 0);
	}
	for (unsigned int i = 8; i < 512; i++)
		gmap(f, va + i * 4096ull, gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 0);

	/* Notified: deferred until the sync. */
	gmap(f, va, g[7], XV_PTE_W);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, va, 4096), 0);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 4); /* L4, L3, L2, L1 */
	CU_ASSERT_TRUE(stale(f, va));		/* still the old mapping */
	CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
	CU_ASSERT_TRUE(check_va(f, va));
	CU_ASSERT_EQUAL(stats(f).last_sync_changed, 1);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 4); /* stays tracked */

	/* Not notified: a tracked page is checked at each sync anyway, and
	 * only the changed entries are re-shadowed. */
	gmap(f, va + 4096, g[6], 0);
	*gslot(f, f->root, va + 2 * 4096, 1) = 0;
	gmap(f, va + 3 * 4096, g[5], XV_PTE_NS);
	CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
	CU_ASSERT_EQUAL(stats(f).last_sync_changed, 3);
	for (unsigned int i = 0; i < 8; i++)
		CU_ASSERT_TRUE(check_va(f, va + i * 4096ull));
	CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
	CU_ASSERT_EQUAL(stats(f).last_sync_changed, 0);
	CU_ASSERT_TRUE(check_state(f, &ME));

	/* Switching OOS off syncs and releases the set. */
	gmap(f, va + 5 * 4096, g[0], 0);
	CU_ASSERT_EQUAL(xv_shadow_set_oos(f->sh, false), 0);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 0);
	CU_ASSERT_EQUAL(xv_shadow_vgpu_oos_used(f->vg), 0);
	CU_ASSERT_TRUE(check_va(f, va + 5 * 4096));
	CU_ASSERT_FALSE(xv_shadow_oos_enabled(f->sh));
	/* Now notifications apply at once. */
	gmap(f, va + 6 * 4096, g[0], 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, va + 6 * 4096, 4096), 0);
	CU_ASSERT_TRUE(check_va(f, va + 6 * 4096));
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* A page freed by its parent's change leaves the OOS set. */
static void test_oos_parent_change(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_pages = 16};

	fx_init(f, &o);
	gmap(f, 0x1000, gdata(f), 0);
	gmap(f, GB + 0x1000, gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	gmap(f, 0x2000, gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0x2000, 4096), 0);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 4);
	/* Now replace the L3 entry for 0..1G with a fresh empty L2. */
	*gslot(f, f->root, 0, 3) = xv_pte_guest_make(xv_gmem_alloc(f->gm), 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, GB), 0);
	CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
	CU_ASSERT_TRUE(check_va(f, 0x1000));
	CU_ASSERT_TRUE(check_va(f, GB + 0x1000));
	CU_ASSERT_EQUAL(stats(f).oos_pages, 2); /* L4 and L3 remain */
	CU_ASSERT_EQUAL(xv_shadow_vgpu_oos_used(f->vg), 2);
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* Two contexts share a budget of 4 pages. */
static void test_oos_budget(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_pages = 4, .oos_idle = ~0u};
	struct xv_shadow_config sc = {0};
	struct xv_shadow *sh2;
	xv_gaddr_t root2, g = 0;
	struct xv_pt_walk_result r;
	xv_iova_t iova;

	fx_init(f, &o);
	gmap(f, 0x1000, gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	sc.vgpu = f->vg;
	sc.pin_ops = &xv_gmem_pin_ops;
	sc.pin_ctx = f->gm;
	sc.oos_idle_syncs = ~0u;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_new(&sc, &sh2), 0);
	root2 = xv_gmem_alloc(f->gm);
	CU_ASSERT_EQUAL(xv_shadow_set_root(sh2, root2), 0);

	/* Context 1 fills the budget. */
	gmap(f, 0x2000, gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0x2000, 4096), 0);
	CU_ASSERT_EQUAL(xv_shadow_vgpu_oos_used(f->vg), 4);

	/* Context 2 is over budget: its notification applies at once. */
	g = gdata(f);
	*gslot(f, root2, 0x5000, 1) = xv_pte_guest_make(g, 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(sh2, 0, 1ull << 48), 0);
	CU_ASSERT_EQUAL(xv_shadow_translate(sh2, 0x5000, XV_PT_READ, &r), 0);
	CU_ASSERT_TRUE(xv_gmem_iova_of(f->gm, g, &iova));
	CU_ASSERT_EQUAL(r.iova, iova);
	{
		struct xv_shadow_stats s2;

		xv_shadow_get_stats(sh2, &s2);
		CU_ASSERT_EQUAL(s2.oos_pages, 0);
		CU_ASSERT(s2.oos_overflows >= 1);
	}
	/* Context 1's next sync gives budget back (its LRU pages). */
	CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
	CU_ASSERT(xv_shadow_vgpu_oos_used(f->vg) < 4);
	/* And context 2 gets tracked now. */
	*gslot(f, root2, 0x6000, 1) = xv_pte_guest_make(gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(sh2, 0x6000, 4096), 0);
	{
		struct xv_shadow_stats s2;

		xv_shadow_get_stats(sh2, &s2);
		CU_ASSERT(s2.oos_pages >= 1);
	}
	CU_ASSERT_EQUAL(xv_shadow_sync(sh2), 0);
	CU_ASSERT_EQUAL(xv_shadow_translate(sh2, 0x6000, XV_PT_READ, &r), 0);
	xv_shadow_free(sh2);
	CU_ASSERT(xv_shadow_vgpu_oos_used(f->vg) <= 4);
	fx_fini(f);
}

/* Pages unchanged for oos_idle syncs leave the set. */
static void test_oos_idle(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_pages = 8, .oos_idle = 3};

	fx_init(f, &o);
	gmap(f, 0x1000, gdata(f), 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0x1000, 4096), 0);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 4);
	for (unsigned int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 4);
	CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
	CU_ASSERT_EQUAL(stats(f).oos_pages, 0);
	CU_ASSERT_EQUAL(stats(f).syncs, 3);
	fx_fini(f);
}

/* ---- ordering --------------------------------------------------------------- */

static void tlb_fill(struct fx *f, const uint64_t *vas, unsigned int n)
{
	memset(f->tlb, 0, sizeof(f->tlb));
	for (unsigned int i = 0; i < n && i < XV_ARRAY_SIZE(f->tlb); i++) {
		struct xv_pt_walk_result d;

		if (xv_pt_walk(xv_shadow_root_iova(f->sh), vas[i], XV_PT_READ,
			       xv_gmem_table_fn, f->gm, &d))
			continue;
		f->tlb[i] =
		    (struct tlb_entry){vas[i] & XV_PAGE_MASK,
				       d.iova & XV_PAGE_MASK, d.flags, true};
	}
}

/* Every TLB entry that survived the invalidations is still right. */
static bool tlb_consistent(struct fx *f)
{
	bool ok = true;

	for (unsigned int i = 0; i < XV_ARRAY_SIZE(f->tlb); i++) {
		struct xv_pt_walk_result d;
		struct tlb_entry *t = &f->tlb[i];

		if (!t->valid)
			continue;
		if (xv_pt_walk(xv_shadow_root_iova(f->sh), t->va, XV_PT_READ,
			       xv_gmem_table_fn, f->gm, &d) ||
		    (d.iova & XV_PAGE_MASK) != t->iova || d.flags != t->flags) {
			if (mismatches++ < 5)
				printf("\n  stale TLB entry va %#" PRIx64 "\n",
				       t->va);
			ok = false;
		}
	}
	return ok;
}

/*
 * New entry before old pin dropped, invalidation in between: at the last
 * unpin of a page, no shadow entry and no TLB entry may still hold it.
 */
static void test_order_new_before_old(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_off = true, .iova_mode = XV_GMEM_IOVA_CONTIG};
	uint64_t vas[64];
	xv_gaddr_t spare[4];

	fx_init(f, &o);
	for (unsigned int i = 0; i < 512; i++)
		gmap(f, MB2 + i * 4096ull, gdata(f), XV_PTE_W);
	for (unsigned int i = 0; i < 16; i++)
		gmap(f, GB + i * 4096ull, gdata(f), 0);
	for (unsigned int i = 0; i < 4; i++)
		spare[i] = gdata(f);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 1);
	for (unsigned int i = 0; i < 32; i++) {
		vas[i] = MB2 + i * 16 * 4096ull;
		vas[32 + i] = GB + (i % 16) * 4096ull;
	}
	f->check_unpin = true;

	/* Remap a 4 KiB leaf. */
	tlb_fill(f, vas, 64);
	gmap(f, GB, spare[0], 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, GB, 4096), 0);
	CU_ASSERT_TRUE(tlb_consistent(f));
	/* Split the 2 MiB leaf by remapping one of its pages. */
	tlb_fill(f, vas, 64);
	gmap(f, MB2 + 5 * 4096, spare[1], XV_PTE_W);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, MB2 + 5 * 4096, 4096), 0);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 0);
	CU_ASSERT_EQUAL(stats(f).huge_splits, 1);
	CU_ASSERT_TRUE(tlb_consistent(f));
	/* Drop a whole L2 subtree. */
	tlb_fill(f, vas, 64);
	*gslot(f, f->root, GB, 3) = 0;
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, GB, 4096), 0);
	CU_ASSERT_TRUE(tlb_consistent(f));
	/* Unmap everything in the 2M range. */
	tlb_fill(f, vas, 64);
	for (unsigned int i = 0; i < 512; i++)
		*gslot(f, f->root, MB2 + i * 4096ull, 1) = 0;
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, MB2, MB2), 0);
	CU_ASSERT_TRUE(tlb_consistent(f));
	CU_ASSERT(f->unpin_checked >= 512 + 16);
	CU_ASSERT_EQUAL(f->stale_shadow, 0);
	CU_ASSERT_EQUAL(f->stale_tlb, 0);
	fx_fini(f);
}

/* Every change of a shadow entry is covered by an invalidation. */
static void test_tlb_every_change(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_pages = 64, .iova_mode = XV_GMEM_IOVA_CONTIG};
	uint64_t vas[64];
	xv_gaddr_t other = 0;

	fx_init(f, &o);
	for (unsigned int i = 0; i < 512; i++)
		gmap(f, i * 4096ull, gdata(f), 0);
	other = gdata(f);
	gmap(f, 3 * GB, other, 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 1);
	for (unsigned int i = 0; i < 64; i++)
		vas[i] = (i & 1) ? 3 * GB : i * 8 * 4096ull;
	for (unsigned int round = 0; round < 4; round++) {
		uint64_t before = stats(f).tlb_invalidations;

		tlb_fill(f, vas, 64);
		f->nlog = 0;
		switch (round) {
		case 0: /* split, through OOS */
			gmap(f, 8 * 4096, other, XV_PTE_W);
			CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, MB2),
					0);
			break;
		case 1: /* flags only, no notification: tracked page */
			gmap(
			    f, 16 * 4096,
			    xv_pte_guest_addr(*gslot(f, f->root, 16 * 4096, 1)),
			    XV_PTE_NS);
			break;
		case 2: /* an invalid leaf */
			*gslot(f, f->root, 3 * GB, 1) |= 1ull << 9;
			CU_ASSERT_EQUAL(
			    xv_shadow_update_range(f->sh, 3 * GB, 4096), 0);
			break;
		case 3: /* an invalid non-leaf */
			*gslot(f, f->root, 0, 2) |= XV_PTE_W;
			CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, 4096),
					0);
			break;
		}
		CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
		CU_ASSERT(stats(f).tlb_invalidations > before);
		CU_ASSERT_EQUAL(stats(f).tlb_invalidations - before, f->nlog);
		CU_ASSERT_TRUE(tlb_consistent(f));
		for (unsigned int i = 0; i < 64; i++)
			CU_ASSERT_TRUE(check_va(f, vas[i]));
	}
	fx_fini(f);
}

/* ---- scratch --------------------------------------------------------------- */

static void test_bad_grants_batch_fallback(void)
{
	struct fx *f = &F;
	xv_gaddr_t g[10];
	struct xv_gmem_counters c0, c1;
	struct xv_shadow_stats st;

	fx_init(f, &OOS_OFF);
	for (unsigned int i = 0; i < 10; i++) {
		g[i] = gdata(f);
		gmap(f, i * 4096ull, g[i], 0);
	}
	xv_gmem_set_bad(f->gm, g[3], true);
	xv_gmem_set_bad(f->gm, g[7], true);
	c0 = counters(f);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	c1 = counters(f);
	/* The batch failed; ten single pins followed, two of them failed. */
	CU_ASSERT_EQUAL(c1.pin_failed_calls - c0.pin_failed_calls, 1 + 2);
	st = stats(f);
	CU_ASSERT_EQUAL(st.pinned_leaves, 8);
	CU_ASSERT_EQUAL(st.scratch_entries, 2);
	CU_ASSERT_EQUAL(st.pin_failures, 2);
	for (unsigned int i = 0; i < 10; i++)
		CU_ASSERT_TRUE(check_va(f, i * 4096ull));
	CU_ASSERT_TRUE(check_state(f, &ME));
	/* The grant comes good: a resync retries it. */
	xv_gmem_set_bad(f->gm, g[3], false);
	CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
	CU_ASSERT_TRUE(check_va(f, 3 * 4096));
	CU_ASSERT_EQUAL(stats(f).scratch_entries, 1);
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

static void test_bad_entries(void)
{
	struct fx *f = &F;
	struct xv_shadow_stats st;
	xv_gaddr_t unreadable;
	struct xv_pt_walk_result r;

	fx_init(f, &OOS_OFF);
	gmap(f, 0x1000, gdata(f), 0);
	*gslot(f, f->root, 0x2000, 1) =
	    xv_pte_guest_make(gdata(f), 0) | (1ull << 55); /* reserved */
	*gslot(f, f->root, 0x3000, 1) =
	    xv_pte_guest_make(gdata(f), 0) | XV_PTE_PS;
	*gslot(f, f->root, 0x4000, 1) = XV_PTE_P | 0x9000; /* unknown gaddr */
	/* Invalid non-leaf entries: W at L3 covers 1G..2G, PS at L2. */
	gmap(f, GB + 0x5000, gdata(f), 0);
	*gslot(f, f->root, GB, 2) |= XV_PTE_W;
	gmap(f, 2 * GB + MB2, gdata(f), 0);
	*gslot(f, f->root, 2 * GB + MB2, 2) |= XV_PTE_PS;
	/* An L1 page the guest cannot grant. */
	gmap(f, 3 * GB, gdata(f), 0);
	unreadable = xv_pte_guest_addr(*gslot(f, f->root, 3 * GB, 2));
	xv_gmem_set_bad(f->gm, unreadable, true);

	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	st = stats(f);
	CU_ASSERT_EQUAL(st.scratch_entries, 6);
	CU_ASSERT_EQUAL(st.bad_entries, 4);
	CU_ASSERT_EQUAL(st.pin_failures, 2);
	CU_ASSERT_EQUAL(st.pinned_leaves, 1);
	CU_ASSERT_TRUE(check_va(f, 0x1000));
	for (uint64_t va = 0x2000; va <= 0x4000; va += 0x1000)
		CU_ASSERT_TRUE(check_va(f, va));
	/* Every VA under a bad non-leaf entry resolves to scratch. */
	for (uint64_t va = GB; va < 2 * GB; va += 0x3ff3000)
		CU_ASSERT_TRUE(check_va(f, va));
	CU_ASSERT_EQUAL(xv_shadow_translate(f->sh, GB + 0x5123, XV_PT_READ, &r),
			0);
	CU_ASSERT_TRUE(xv_shadow_is_scratch(f->sh, r.iova));
	CU_ASSERT_EQUAL(r.iova & 0xfff, 0x123);
	/* Scratch is read-only. */
	CU_ASSERT_EQUAL(xv_shadow_translate(f->sh, GB, XV_PT_WRITE, &r),
			-EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_READ_ONLY);
	CU_ASSERT_TRUE(check_va(f, 2 * GB + MB2 + 0x7000));
	CU_ASSERT_TRUE(check_va(f, 3 * GB));
	CU_ASSERT_TRUE(check_va(f, 3 * GB + MB2 - 1));
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

static void test_pin_quota(void)
{
	struct fx *f = &F;

	fx_init(f, &OOS_OFF);
	for (unsigned int i = 0; i < 8; i++)
		gmap(f, i * 4096ull, gdata(f), 0);
	/* Room for the table read and 5 data pins. */
	xv_gmem_set_pin_quota(f->gm, 5);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(stats(f).pinned_leaves, 5);
	CU_ASSERT_EQUAL(stats(f).scratch_entries, 3);
	xv_gmem_set_pin_quota(f->gm, 0);
	CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
	CU_ASSERT_EQUAL(stats(f).pinned_leaves, 8);
	CU_ASSERT_EQUAL(stats(f).scratch_entries, 0);
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* Out of table memory: entries go to scratch, nothing leaks. */
static void test_table_alloc_failure(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_off = true, .iova_mode = XV_GMEM_IOVA_CONTIG};

	fx_init(f, &o);
	for (unsigned int i = 0; i < 512; i++)
		gmap(f, i * 4096ull, gdata(f), 0);
	gmap(f, GB, gdata(f), 0);
	xv_gmem_fail_tables_after(f->gm, 2); /* L3 and L2, then fail */
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), -ENOMEM);
	/* The huge one needs no table; the one at 1G does. */
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 1);
	CU_ASSERT_EQUAL(stats(f).scratch_entries, 1);
	CU_ASSERT_TRUE(check_va(f, 0x5000));
	/* Splitting the 2 MiB leaf without memory: the 2M goes to scratch. */
	gmap(f, 0x5000, xv_pte_guest_addr(*gslot(f, f->root, GB, 1)), 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0x5000, 4096), -ENOMEM);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 0);
	{
		struct xv_pt_walk_result r;

		CU_ASSERT_EQUAL(
		    xv_shadow_translate(f->sh, 0x7000, XV_PT_READ, &r), 0);
		CU_ASSERT_TRUE(xv_shadow_is_scratch(f->sh, r.iova));
	}
	/* Memory is back: resync recovers everything. */
	xv_gmem_fail_tables_after(f->gm, UINT32_MAX);
	CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
	for (unsigned int i = 0; i < 512; i += 17)
		CU_ASSERT_TRUE(check_va(f, i * 4096ull));
	CU_ASSERT_TRUE(check_va(f, GB));
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* ---- 2 MiB leaves ---------------------------------------------------------- */

static void map_run(struct fx *f, uint64_t va, xv_gaddr_t *g, uint64_t flags)
{
	for (unsigned int i = 0; i < 512; i++) {
		g[i] = gdata(f);
		gmap(f, va + i * 4096ull, g[i], flags);
	}
}

static void test_huge_forms(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_off = true, .iova_mode = XV_GMEM_IOVA_CONTIG};
	static xv_gaddr_t g[4][512];
	struct xv_pt_walk_result r;
	struct xv_shadow_stats st;

	fx_init(f, &o);
	map_run(f, 0, g[0], XV_PTE_W);	 /* huge */
	map_run(f, MB2, g[1], XV_PTE_W); /* one flag differs */
	gmap(f, MB2 + 77 * 4096, g[1][77], XV_PTE_W | XV_PTE_NS);
	map_run(f, 2 * MB2, g[2], 0); /* one entry absent */
	*gslot(f, f->root, 2 * MB2 + 4096, 1) = 0;
	map_run(f, 3 * MB2, g[3], 0); /* one bad grant */
	xv_gmem_set_bad(f->gm, g[3][100], true);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	st = stats(f);
	CU_ASSERT_EQUAL(st.huge_leaves, 1);
	/* root, L3, L2, three L1 tables; the huge one has none. */
	CU_ASSERT_EQUAL(st.shadow_tables, 6);
	CU_ASSERT_EQUAL(st.guest_tables, 7);
	CU_ASSERT_EQUAL(xv_shadow_translate(f->sh, 0x12345, XV_PT_WRITE, &r),
			0);
	CU_ASSERT_EQUAL(r.page_size, MB2);
	CU_ASSERT_EQUAL(r.level, 2);
	CU_ASSERT_EQUAL(xv_shadow_translate(f->sh, MB2, XV_PT_READ, &r), 0);
	CU_ASSERT_EQUAL(r.page_size, 4096);
	for (uint64_t va = 0; va < 4 * MB2; va += 0x3000)
		CU_ASSERT_TRUE(check_va(f, va));
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);

	/* Scattered IOVAs never form a 2 MiB leaf. */
	fx_init(f, &OOS_OFF);
	map_run(f, 0, g[0], 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 0);
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

static void test_huge_split_merge(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_off = true, .iova_mode = XV_GMEM_IOVA_CONTIG};
	static xv_gaddr_t g[512];
	xv_gaddr_t other;

	fx_init(f, &o);
	map_run(f, 0, g, 0);
	/* Keep g[9] pinned elsewhere so its IOVA survives the split. */
	gmap(f, GB, g[9], 0);
	other = gdata(f);
	gmap(f, GB + 4096, other, 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 1);
	/* Split. */
	gmap(f, 9 * 4096, other, 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 9 * 4096, 4096), 0);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 0);
	CU_ASSERT_EQUAL(stats(f).huge_splits, 1);
	for (uint64_t va = 0; va < MB2; va += 0x1000)
		CU_ASSERT_TRUE(check_va(f, va));
	/* Back as it was: merged again, the L1 table freed. */
	gmap(f, 9 * 4096, g[9], 0);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 9 * 4096, 4096), 0);
	CU_ASSERT_EQUAL(stats(f).huge_leaves, 1);
	CU_ASSERT_EQUAL(stats(f).huge_merges, 1);
	/* root, L3, L2@0, L2@1G, L1@1G */
	CU_ASSERT_EQUAL(stats(f).shadow_tables, 5);
	for (uint64_t va = 0; va < MB2; va += 0x1000)
		CU_ASSERT_TRUE(check_va(f, va));
	/* All read-write at once: stays huge, flags follow. */
	for (unsigned int i = 0; i < 512; i++)
		gmap(f, i * 4096ull, g[i], XV_PTE_W);
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, MB2), 0);
	CU_ASSERT_TRUE(check_va(f, 0x1234));
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* ---- hostile tables ------------------------------------------------------ */

/* Loops: a table pointing at itself and at its ancestors. */
static void test_hostile_loops(void)
{
	struct fx *f = &F;
	uint64_t *root;
	xv_gaddr_t l3, data;

	fx_init(f, &OOS_OFF);
	root = xv_gmem_page(f->gm, f->root);
	l3 = xv_gmem_alloc(f->gm);
	data = gdata(f);
	root[0] = xv_pte_guest_make(f->root, 0); /* root → root */
	root[1] = xv_pte_guest_make(l3, 0);
	xv_gmem_page(f->gm, l3)[0] = xv_pte_guest_make(f->root, 0);
	xv_gmem_page(f->gm, l3)[1] = xv_pte_guest_make(l3, 0);
	xv_gmem_page(f->gm, l3)[2] = xv_pte_guest_make(data, 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	/* Bounded: each position is a node and the tree is 4 deep. */
	CU_ASSERT(stats(f).guest_tables < 64);
	for (unsigned int a = 0; a < 3; a++)
		for (unsigned int b = 0; b < 3; b++)
			for (unsigned int c = 0; c < 3; c++)
				CU_ASSERT_TRUE(
				    check_va(f, ((uint64_t)a << 39) |
						    ((uint64_t)b << 30) |
						    ((uint64_t)c << 21) |
						    ((uint64_t)(a + b) << 12)));
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, 1ull << 48), 0);
	CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
	fx_fini(f);
}

/* A fan-out bomb: 512 x 512 x 512 positions; the table limit holds. */
static void test_hostile_fanout_limit(void)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_off = true, .max_tables = 40};
	xv_gaddr_t l3, l2, l1, data;
	struct xv_shadow_stats st;

	fx_init(f, &o);
	l3 = xv_gmem_alloc(f->gm);
	l2 = xv_gmem_alloc(f->gm);
	l1 = xv_gmem_alloc(f->gm);
	data = gdata(f);
	for (unsigned int i = 0; i < 512; i++) {
		xv_gmem_page(f->gm, f->root)[i] = xv_pte_guest_make(l3, 0);
		xv_gmem_page(f->gm, l3)[i] = xv_pte_guest_make(l2, 0);
		xv_gmem_page(f->gm, l2)[i] = xv_pte_guest_make(l1, 0);
		xv_gmem_page(f->gm, l1)[i] = xv_pte_guest_make(data, 0);
	}
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	st = stats(f);
	CU_ASSERT_EQUAL(st.guest_tables, 40);
	CU_ASSERT(st.table_limit_hits > 0);
	CU_ASSERT(st.scratch_entries > 0);
	/* The same data page under one L1 page: 512 pins a node. */
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, data, XV_PIN_READ),
			st.pinned_leaves);
	/* The first VA is shadowed; the last resolves to scratch. */
	{
		struct xv_pt_walk_result r;
		xv_iova_t iova;

		CU_ASSERT_TRUE(xv_gmem_iova_of(f->gm, data, &iova));
		CU_ASSERT_EQUAL(xv_shadow_translate(f->sh, 0, XV_PT_READ, &r),
				0);
		CU_ASSERT_EQUAL(r.iova, iova);
		CU_ASSERT_EQUAL(xv_shadow_translate(f->sh, (1ull << 48) - 1,
						    XV_PT_READ, &r),
				0);
		CU_ASSERT_TRUE(xv_shadow_is_scratch(f->sh, r.iova));
	}
	/* Notifications and resyncs stay bounded too. */
	CU_ASSERT_EQUAL(xv_shadow_update_range(f->sh, 0, 1ull << 48), 0);
	CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
	CU_ASSERT_EQUAL(stats(f).guest_tables, 40);
	fx_fini(f);
}

/* One guest page at several places and levels. */
static void test_shared_pages(void)
{
	struct fx *f = &F;
	xv_gaddr_t l1, d;

	fx_init(f, &OOS_OFF);
	d = gdata(f);
	gmap(f, 0x3000, d, 0);
	l1 = xv_pte_guest_addr(*gslot(f, f->root, 0, 2));
	*gslot(f, f->root, 5 * MB2, 2) = xv_pte_guest_make(l1, 0);
	*gslot(f, f->root, 7 * GB, 2) = xv_pte_guest_make(l1, 0);
	/* The L1 page also appears as a leaf. */
	gmap(f, 0x4000, l1, XV_PTE_W);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, d, XV_PIN_READ), 3);
	CU_ASSERT_EQUAL(xv_gmem_refs(f->gm, l1, XV_PIN_READWRITE), 3);
	CU_ASSERT_TRUE(check_va(f, 0x3000));
	CU_ASSERT_TRUE(check_va(f, 5 * MB2 + 0x3000));
	CU_ASSERT_TRUE(check_va(f, 7 * GB + 0x4000));
	CU_ASSERT_TRUE(check_state(f, &ME));
	fx_fini(f);
}

/* ---- randomized model-based test ----------------------------------------- */

/* The VA universe: root slots 0-1, L3 0-1, L2 0-3, every L1 slot. */
static uint64_t uva(unsigned int a, unsigned int b, unsigned int c,
		    unsigned int d)
{
	return ((uint64_t)a << 39) | ((uint64_t)b << 30) | ((uint64_t)c << 21) |
	       ((uint64_t)d << 12);
}

static uint64_t rand_va(struct xv_rng *r)
{
	return uva((unsigned int)xv_rng_below(r, 2),
		   (unsigned int)xv_rng_below(r, 2),
		   (unsigned int)xv_rng_below(r, 4),
		   (unsigned int)xv_rng_below(r, 512));
}

#define NDATA 1200u
#define NRUNS 4u
static xv_gaddr_t pool[NDATA];
static xv_gaddr_t runs[NRUNS][512]; /* pages for 2 MiB runs */

#define WHOLE 512u

/*
 * Notify every place guest page tg is used as a `level` table: slot i, or
 * the whole table for i == WHOLE.
 */
static void notify_slot_at(struct fx *f, xv_gaddr_t cur, unsigned int l,
			   uint64_t va, xv_gaddr_t tg, unsigned int level,
			   unsigned int i)
{
	const uint64_t *t;

	if (!xv_gmem_pinnable(f->gm, cur))
		return;
	if (l == level && cur == tg)
		CU_ASSERT_EQUAL(xv_shadow_update_range(
				    f->sh,
				    va + (i == WHOLE ? 0 : i) * xv_pt_span(l),
				    xv_pt_span(l) * (i == WHOLE ? 512 : 1)),
				0);
	if (l == level)
		return;
	t = xv_gmem_page(f->gm, cur);
	for (unsigned int k = 0; k < 512; k++)
		if (xv_pte_guest_check(t[k], l, NULL) == XV_PTE_VALID)
			notify_slot_at(f, xv_pte_guest_addr(t[k]), l - 1,
				       va + k * xv_pt_span(l), tg, level, i);
}

/* The guest table at `level` covering va (NULL if absent/invalid). */
static xv_gaddr_t gtable(struct fx *f, uint64_t va, unsigned int level)
{
	xv_gaddr_t tg = f->root;

	for (unsigned int l = 4; l > level; l--) {
		const uint64_t *t = xv_gmem_page(f->gm, tg);
		uint64_t e;

		if (!t)
			return 0;
		e = t[xv_pt_index(va, l)];
		if (xv_pte_guest_check(e, l, NULL) != XV_PTE_VALID)
			return 0;
		tg = xv_pte_guest_addr(e);
	}
	return xv_gmem_page(f->gm, tg) ? tg : 0;
}

static void rnd_write(struct fx *f, uint64_t va, unsigned int level, uint64_t e,
		      bool notify)
{
	xv_gaddr_t tg = gtable(f, va, level);

	if (!tg)
		return;
	xv_gmem_page(f->gm, tg)[xv_pt_index(va, level)] = e;
	if (notify)
		notify_slot_at(f, f->root, 4, 0, tg, level,
			       xv_pt_index(va, level));
}

/* Guest pages left for new tables (long runs use them up). */
static bool room(struct fx *f)
{
	return xv_gmem_pages(f->gm) + 8 < MAXP;
}

static uint64_t rand_flags(struct xv_rng *r)
{
	return xv_rng_below(r, 4) == 0
		   ? 0
		   : (xv_rng_next(r) & (XV_PTE_W | XV_PTE_NS));
}

static void model_random(bool addr_unpins)
{
	struct fx *f = &F;
	struct fx_opts o = {.oos_pages = 12,
			    .iova_mode = XV_GMEM_IOVA_CONTIG,
			    .addr_unpins = addr_unpins};
	struct xv_rng rng;
	unsigned long steps = xv_test_steps(3000), bad = 0;
	uint64_t seed = xv_test_seed(addr_unpins ? "shadow model (address "
						   "unpins)"
						 : "shadow model");
	struct menum *me = &ME;

	xv_rng_init(&rng, seed);
	mismatches = 0;
	fx_init(f, &o);
	for (unsigned int i = 0; i < NDATA; i++)
		pool[i] = gdata(f);
	for (unsigned int r = 0; r < NRUNS; r++)
		for (unsigned int i = 0; i < 512; i++)
			runs[r][i] = gdata(f);
	gmap(f, 0, pool[0], 0);
	CU_ASSERT_EQUAL(xv_shadow_set_root(f->sh, f->root), 0);
	f->check_unpin = false;
	for (unsigned long step = 0; step < steps && !bad; step++) {
		unsigned int op = (unsigned int)xv_rng_below(&rng, 100);
		uint64_t va = rand_va(&rng), tlbva[64];
		bool oos = xv_shadow_oos_enabled(f->sh);

		for (unsigned int i = 0; i < 64; i++)
			tlbva[i] = i < 4 ? va + i * 4096 : rand_va(&rng);
		tlb_fill(f, tlbva, 64);
		f->check_unpin = true;
		if (op < 30) { /* map a leaf */
			xv_gaddr_t g = pool[xv_rng_below(&rng, NDATA)];

			if (!gtable(f, va, 1) && room(f))
				gmap(f, va, g, 0);
			rnd_write(f, va, 1,
				  xv_pte_guest_make(g, rand_flags(&rng)), true);
		} else if (op < 40) { /* unmap a leaf */
			rnd_write(f, va, 1, 0, true);
		} else if (op <
			   48) { /* several leaves of one page, one notify */
			xv_gaddr_t tg = gtable(f, va, 1);
			unsigned int n = (unsigned int)xv_rng_below(&rng, 40);

			if (tg) {
				for (unsigned int k = 0; k < n; k++) {
					unsigned int i =
					    (unsigned int)xv_rng_below(&rng,
								       512);

					xv_gmem_page(f->gm, tg)[i] =
					    xv_rng_below(&rng, 5)
						? xv_pte_guest_make(
						      pool[xv_rng_below(&rng,
									NDATA)],
						      0)
						: 0;
				}
				notify_slot_at(f, f->root, 4, 0, tg, 1, WHOLE);
			}
		} else if (op < 52) { /* a fresh 2M run of unpinned pages */
			xv_gaddr_t *run = runs[xv_rng_below(&rng, NRUNS)];
			uint64_t fl = rand_flags(&rng);
			bool free_run = true;
			xv_iova_t dummy;

			va &= ~(MB2 - 1);
			for (unsigned int k = 0; k < 512 && free_run; k++)
				free_run =
				    !xv_gmem_iova_of(f->gm, run[k], &dummy);
			if (free_run) {
				xv_gaddr_t tg = gtable(f, va, 1);

				if (!tg && room(f)) {
					gmap(f, va, run[0], fl);
					tg = gtable(f, va, 1);
				}
				for (unsigned int k = 0; k < 512 && tg; k++)
					xv_gmem_page(f->gm, tg)[k] =
					    xv_pte_guest_make(run[k], fl);
				if (tg)
					notify_slot_at(f, f->root, 4, 0, tg, 1,
						       WHOLE);
			}
		} else if (op < 60) { /* replace a table page */
			unsigned int level =
			    1 + (unsigned int)xv_rng_below(&rng, 3);
			xv_gaddr_t old = gtable(f, va, level), ng;

			if (old && room(f) && (ng = xv_gmem_alloc(f->gm))) {
				memcpy(xv_gmem_page(f->gm, ng),
				       xv_gmem_page(f->gm, old), 4096);
				if (xv_rng_below(&rng, 2))
					xv_gmem_page(
					    f->gm,
					    ng)[xv_rng_below(&rng, 512)] = 0;
				rnd_write(f, va, level + 1,
					  xv_pte_guest_make(ng, 0), true);
			}
		} else if (op < 63) { /* drop a subtree */
			rnd_write(f, va,
				  2 + (unsigned int)xv_rng_below(&rng, 3), 0,
				  true);
		} else if (op < 66) { /* share an L1 page at another L2 slot */
			xv_gaddr_t tg = gtable(f, rand_va(&rng), 1);

			if (tg)
				rnd_write(f, va, 2, xv_pte_guest_make(tg, 0),
					  true);
		} else if (op < 72) { /* an invalid entry */
			unsigned int level =
			    1 + (unsigned int)xv_rng_below(&rng, 4);
			uint64_t bits[] = {XV_PTE_PS,  1ull << 5, 1ull << 10,
					   1ull << 55, XV_PTE_W,  XV_PTE_NS};
			xv_gaddr_t tg = gtable(f, va, level);

			if (tg)
				rnd_write(
				    f, va, level,
				    xv_gmem_page(f->gm,
						 tg)[xv_pt_index(va, level)] |
					XV_PTE_P | bits[xv_rng_below(&rng, 6)],
				    true);
		} else if (op < 78) { /* a grant goes bad or good */
			xv_gaddr_t g = pool[xv_rng_below(&rng, NDATA)];

			model_state(f, me);
			if (!me->used[xv_gaddr_frame(g)])
				xv_gmem_set_bad(f->gm, g,
						!xv_gmem_is_bad(f->gm, g));
		} else if (op < 84) { /* unnotified changes, then resync */
			for (unsigned int k = 0; k < 4; k++)
				rnd_write(f, rand_va(&rng), 1,
					  xv_pte_guest_make(
					      pool[xv_rng_below(&rng, NDATA)],
					      rand_flags(&rng)),
					  false);
			CU_ASSERT_EQUAL(xv_shadow_resync(f->sh), 0);
		} else if (op < 86) { /* OOS on/off */
			CU_ASSERT_EQUAL(xv_shadow_set_oos(f->sh, !oos), 0);
		} else { /* remap, notify aliases and a wide range */
			rnd_write(
			    f, va, 1,
			    xv_pte_guest_make(pool[xv_rng_below(&rng, NDATA)],
					      rand_flags(&rng)),
			    true);
			CU_ASSERT_EQUAL(
			    xv_shadow_update_range(f->sh, va & ~(GB - 1), GB),
			    0);
		}
		/* Submit. */
		CU_ASSERT_EQUAL(xv_shadow_sync(f->sh), 0);
		f->check_unpin = false;
		if (!tlb_consistent(f))
			bad++;
		for (unsigned int i = 0; i < 64; i++)
			if (!check_va(f, tlbva[i]))
				bad++;
		if (step % 200 == 199 || step + 1 == steps) {
			for (unsigned int a = 0; a < 2; a++)
				for (unsigned int b = 0; b < 2; b++)
					for (unsigned int c = 0; c < 4; c++)
						for (unsigned int d = 0;
						     d < 512; d += 1)
							if (!check_va(
								f, uva(a, b, c,
								       d)))
								bad++;
			if (!check_state(f, me))
				bad++;
		}
		if (f->stale_shadow || f->stale_tlb)
			bad++;
		if (bad)
			printf("\n  failed at step %lu op %u (seed %" PRIu64
			       ")\n",
			       step, op, seed);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(f->stale_shadow, 0);
	CU_ASSERT_EQUAL(f->stale_tlb, 0);
	{
		struct xv_shadow_stats st = stats(f);

		printf("  %lu steps: %" PRIu64 " splits, %" PRIu64
		       " merges, %" PRIu64 " scratch events, %" PRIu64
		       " OOS overflows, %lu unpins checked\n",
		       steps, st.huge_splits, st.huge_merges, st.scratch_events,
		       st.oos_overflows, f->unpin_checked);
	}
	fx_fini(f);
}

/* The pinner has unpin_tokens (the map cache's shape): slots keep tokens. */
static void test_model_random(void)
{
	model_random(false);
}

/* A pinner with unpin_batch only: slots keep guest addresses. */
static void test_model_random_addr(void)
{
	model_random(true);
}

static const struct xv_test_case basic_cases[] = {
    {"populate", test_populate},
    {"populate_batches", test_populate_batches},
    {"update_range", test_update_range},
    {"update_subtree", test_update_subtree},
    {"resync", test_resync},
    {"set_root_replace", test_set_root_replace},
    {NULL, NULL},
};

static const struct xv_test_case oos_cases[] = {
    {"sync", test_oos_sync},
    {"parent_change", test_oos_parent_change},
    {"budget", test_oos_budget},
    {"idle", test_oos_idle},
    {NULL, NULL},
};

static const struct xv_test_case order_cases[] = {
    {"new_before_old", test_order_new_before_old},
    {"tlb_every_change", test_tlb_every_change},
    {NULL, NULL},
};

static const struct xv_test_case scratch_cases[] = {
    {"bad_grants_batch_fallback", test_bad_grants_batch_fallback},
    {"bad_entries", test_bad_entries},
    {"pin_quota", test_pin_quota},
    {"table_alloc_failure", test_table_alloc_failure},
    {NULL, NULL},
};

static const struct xv_test_case huge_cases[] = {
    {"forms", test_huge_forms},
    {"split_merge", test_huge_split_merge},
    {NULL, NULL},
};

static const struct xv_test_case hostile_cases[] = {
    {"loops", test_hostile_loops},
    {"fanout_limit", test_hostile_fanout_limit},
    {"shared_pages", test_shared_pages},
    {NULL, NULL},
};

static const struct xv_test_case model_cases[] = {
    {"random", test_model_random},
    {"random, address unpins", test_model_random_addr},
    {NULL, NULL},
};

static const struct xv_test_suite s_basic = {"shadow", basic_cases, NULL, NULL};
static const struct xv_test_suite s_oos = {"shadow_oos", oos_cases, NULL, NULL};
static const struct xv_test_suite s_order = {"shadow_order", order_cases, NULL,
					     NULL};
static const struct xv_test_suite s_scratch = {"shadow_scratch", scratch_cases,
					       NULL, NULL};
static const struct xv_test_suite s_huge = {"shadow_huge", huge_cases, NULL,
					    NULL};
static const struct xv_test_suite s_hostile = {"shadow_hostile", hostile_cases,
					       NULL, NULL};
static const struct xv_test_suite s_model = {"shadow_model", model_cases, NULL,
					     NULL};

int main(void)
{
	const struct xv_test_suite *suites[] = {&s_basic,   &s_oos,  &s_order,
						&s_scratch, &s_huge, &s_hostile,
						&s_model,   NULL};

	return xv_test_main(suites);
}
