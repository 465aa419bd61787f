/*
 * fuzz-shadow.c — libFuzzer target for the shadow engine.
 *
 * The input builds a hostile guest table set in a few guest pages (loops,
 * pages shared across levels, reserved bits, PS, unknown and bad grants,
 * raw 64-bit junk) and then drives a sequence of operations: entry
 * writes, notifications of arbitrary ranges, syncs, resyncs, OOS on/off,
 * root changes, table-allocation failures. After every operation the
 * engine must keep its invariants (pins held == pinned leaves, no unpin
 * without a pin, OOS budget respected, its own translation == the
 * device's walk by IOVA, and every translation lands on the scratch page
 * or on a page it holds pinned); after a resync with no limit or
 * allocation failure in play, it must equal a direct walk of the guest
 * tables; teardown must release every pin and every table.
 *
 * The pinner is the guest-memory double's, or (a bit of the first byte)
 * the real map cache over the double's pages and the software IOMMU, as
 * the backend runs it: then the engine's hit path (mapcache-hit.h) is in
 * play, translations are checked through the IOMMU, and the cache must
 * end with no pin held and no bad unpin.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "guest-mem.h"
#include "iommu-soft.h"
#include "mapcache.h"
#include "pt.h"
#include "shadow.h"

#define NPAGES 12u /* guest pages: 0..5 used as tables, all as data */
#define PASID  3u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t byte(struct xv_fuzz_in *in)
{
	return xv_fuzz_u8(in);
}

static uint64_t u64(struct xv_fuzz_in *in)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v = v << 8 | byte(in);
	return v;
}

struct fz {
	struct xv_gmem *gm;
	struct xv_shadow_vgpu *vg;
	struct xv_shadow *sh;
	struct xv_iommu_soft *iosoft; /* map cache mode */
	struct xv_iommu io;
	struct xv_mapcache *mc;
	uint32_t held[2]; /* pinned from outside, READ / READWRITE (bit i:
			   * page i) */
	xv_gaddr_t page[NPAGES];
	xv_gaddr_t root;
	xv_iova_t scratch;
	uint32_t budget;
	uint64_t rng; /* picks the VAs check() looks at (no input bytes) */
	bool exact;   /* no limit hit / alloc failure: model comparison valid */
};

/* A few indexes so that VAs and pages collide a lot. */
static unsigned int pick_index(uint8_t b)
{
	static const unsigned int idx[8] = {0, 1, 2, 3, 255, 256, 510, 511};

	return idx[b & 7];
}

static uint64_t pick_entry(struct fz *z, struct xv_fuzz_in *in)
{
	uint8_t d = byte(in);
	xv_gaddr_t g = z->page[(d >> 3) % NPAGES];

	switch (d & 7) {
	case 0:
		return 0;
	case 1:
	case 2:
		return xv_pte_guest_make(g, 0);
	case 3:
		return xv_pte_guest_make(g, byte(in) & (XV_PTE_W | XV_PTE_NS));
	case 4: /* a reserved bit */
		return xv_pte_guest_make(g, 0) | 1ull << (3 + byte(in) % 9);
	case 5:
		return xv_pte_guest_make(g, 0) | XV_PTE_PS;
	case 6: /* a grant nobody has */
		return xv_pte_guest_make(xv_gaddr_from_gref(1000 + d), 0);
	default:
		return u64(in);
	}
}

static uint64_t pick_va(struct xv_fuzz_in *in)
{
	uint64_t va = 0;

	for (unsigned int l = 4; l >= 1; l--)
		va |= (uint64_t)pick_index(byte(in)) << xv_pt_shift(l);
	return va;
}

/*
 * Can the engine pin g with this access? The double: g is not bad. The map
 * cache also serves a page it still has mapped after it went bad (a grant
 * cannot be revoked while it is mapped): an entry of that access.
 */
static bool usable(struct fz *z, xv_gaddr_t g, enum xv_pin_access access)
{
	struct xv_mapcache_entry_info info;

	return xv_gmem_pinnable(z->gm, g) ||
	       (z->mc && xv_mapcache_lookup(z->mc, g, access, &info) == 0);
}

/* Model: a direct walk of the guest tables (bad → scratch). */
static int model(struct fz *z, uint64_t va, xv_iova_t *iova, uint64_t *fl)
{
	xv_gaddr_t tg = z->root;
	uint64_t e = 0;

	for (unsigned int l = 4; l >= 1; l--) {
		const uint64_t *t;
		enum xv_pte_check c;

		if (!usable(z, tg, XV_PIN_READ))
			return 1;
		t = xv_gmem_page(z->gm, tg);
		e = t[xv_pt_index(va, l)];
		c = xv_pte_guest_check(e, l, NULL);
		if (c == XV_PTE_ABSENT)
			return 0;
		if (c != XV_PTE_VALID)
			return 1;
		tg = xv_pte_guest_addr(e);
	}
	if (!usable(z, tg, e & XV_PTE_W ? XV_PIN_READWRITE : XV_PIN_READ))
		return 1;
	if (z->mc) /* the page itself: IOVAs are the cache's */
		*iova = (xv_iova_t)(uintptr_t)xv_gmem_page(z->gm, tg);
	else
		xv_require(xv_gmem_iova_of(z->gm, tg, iova));
	*fl = 0;
	return 2;
}

/* Map cache mode: the host page the IOMMU gives for iova, or NULL. */
static void *iommu_page(struct fz *z, xv_iova_t iova)
{
	void *page = NULL;

	if (z->io.ops->translate(z->io.impl, PASID, iova & XV_PAGE_MASK,
				 XV_IOMMU_READ, &page))
		return NULL;
	return page;
}

static void check(struct fz *z, bool compare)
{
	struct xv_shadow_stats st;
	struct xv_gmem_counters c;

	xv_shadow_get_stats(z->sh, &st);
	xv_gmem_get_counters(z->gm, &c);
	if (z->mc) {
		struct xv_mapcache_stats ms;

		xv_mapcache_get_stats(z->mc, &ms);
		xv_require(ms.bad_unpins == 0);
		xv_require(ms.pinned <=
			   st.pinned_leaves +
			       (uint64_t)__builtin_popcount(z->held[0]) +
			       (uint64_t)__builtin_popcount(z->held[1]));
	} else {
		xv_require(st.pinned_leaves == xv_gmem_live_pins(z->gm));
	}
	xv_require(c.unpin_errors == 0);
	xv_require(xv_shadow_vgpu_oos_used(z->vg) <= z->budget);
	xv_require(st.oos_pages <= z->budget);
	if (st.table_limit_hits || c.table_alloc_failures)
		z->exact = false;
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t va = 0;

		/* A few bits of xorshift per level, as pick_va does. */
		z->rng ^= z->rng << 13;
		z->rng ^= z->rng >> 7;
		z->rng ^= z->rng << 17;
		for (unsigned int l = 4; l >= 1; l--)
			va |= (uint64_t)pick_index((uint8_t)(z->rng >> (8 * l)))
			      << xv_pt_shift(l);
		va |= z->rng & 0xff;
		struct xv_pt_walk_result r, d;
		int rc = xv_shadow_translate(z->sh, va, XV_PT_READ, &r);
		int rd = xv_pt_walk(xv_shadow_root_iova(z->sh), va, XV_PT_READ,
				    xv_gmem_table_fn, z->gm, &d);
		xv_iova_t miova = 0;
		uint64_t mfl;
		int m;

		xv_require(rc == rd && r.fault == d.fault && r.iova == d.iova &&
			   r.flags == d.flags);
		xv_require(rc == 0 || r.fault == XV_PT_FAULT_NOT_PRESENT);
		if (rc == 0)
			xv_require(xv_shadow_is_scratch(z->sh, r.iova) ||
				   (z->mc
					? iommu_page(z, r.iova) != NULL
					: xv_gmem_host(z->gm, r.iova) != NULL));
		if (!compare || !z->exact)
			continue;
		m = model(z, va, &miova, &mfl);
		if (m == 0)
			xv_require(rc != 0);
		else if (m == 1)
			xv_require(rc == 0 &&
				   xv_shadow_is_scratch(z->sh, r.iova));
		else if (z->mc)
			xv_require(rc == 0 && (xv_iova_t)(uintptr_t)iommu_page(
						  z, r.iova) == miova);
		else
			xv_require(rc == 0 && r.iova == (miova | (va & 0xfff)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xv_fuzz_in in;
	struct xv_shadow_vgpu_config vc = {0};
	struct xv_shadow_config sc = {0};
	struct fz z = {0};
	struct xv_gmem_counters c;
	uint8_t cfg;

	xv_fuzz_in_init(&in, data, size);
	cfg = byte(&in);

	z.gm = xv_gmem_new(NPAGES);
	if (!z.gm || !xv_gmem_host_page(z.gm, &z.scratch))
		abort();
	for (unsigned int i = 0; i < NPAGES; i++)
		z.page[i] = xv_gmem_alloc(z.gm);
	xv_gmem_set_iova_mode(z.gm, cfg & 1 ? XV_GMEM_IOVA_SCATTER
					    : XV_GMEM_IOVA_CONTIG);
	z.budget = (cfg >> 1) & 7;
	z.exact = true;
	z.rng = 0x9e3779b97f4a7c15ull ^ cfg;
	vc.table_ops = &xv_gmem_table_ops;
	vc.table_ctx = z.gm;
	vc.scratch_iova = z.scratch;
	vc.oos_pages = z.budget;
	if (xv_shadow_vgpu_new(&vc, &z.vg))
		abort();
	sc.vgpu = z.vg;
	sc.pin_ops = &xv_gmem_pin_ops;
	sc.pin_ctx = z.gm;
	if (cfg & 0x80) { /* the real map cache, as the backend runs it */
		struct xv_mapcache_config mcc = {0};
		xv_iommu_ctx_t ictx;

		if (xv_iommu_soft_new(1, &z.iosoft))
			abort();
		z.io = xv_iommu_soft_iommu(z.iosoft);
		if (z.io.ops->ctx_alloc(z.io.impl, &ictx) ||
		    z.io.ops->pasid_attach(z.io.impl, PASID, ictx))
			abort();
		mcc.domid = 1;
		mcc.max_pages = 4 * NPAGES;
		mcc.mapper = &xv_gmem_mapper_ops;
		mcc.mapper_ctx = z.gm;
		mcc.iommu = z.io;
		mcc.iommu_ctx = ictx;
		mcc.iova_base = 1ull << 32;
		mcc.iova_size = 1ull << 24;
		if (xv_mapcache_new(&mcc, &z.mc))
			abort();
		sc.pin_ops = &xv_mapcache_pin_ops;
		sc.pin_ctx = z.mc;
		/* Outside pins, both accesses, on the pages whose bit of
		 * the second byte is clear: updates to them are the hit
		 * path's case. */
		for (unsigned int i = 0, m = byte(&in); i < NPAGES; i++) {
			struct xv_pin pin;

			for (unsigned int a = 0; a < 2; a++)
				if (!(m >> (i % 8) & 1) &&
				    xv_mapcache_pin_batch(z.mc, &z.page[i], 1,
							  a ? XV_PIN_READWRITE
							    : XV_PIN_READ,
							  &pin) == 0)
					z.held[a] |= 1u << i;
		}
	}
	sc.max_tables = 2 + byte(&in) % 64;
	sc.oos_disable = cfg & 0x10;
	sc.oos_idle_syncs = 1 + (cfg >> 5);
	if (xv_shadow_new(&sc, &z.sh))
		abort();

	/* Map cache mode starts from a valid path to a live L1 (pages 0-3,
	 * data 6-11), which the input then rewrites: the hit path needs
	 * live slots changing to pinned pages. */
	if (z.mc) {
		for (unsigned int l = 0; l < 3; l++)
			xv_gmem_page(z.gm, z.page[l])[0] =
			    xv_pte_guest_make(z.page[l + 1], 0);
		for (unsigned int i = 0; i < 8; i++)
			xv_gmem_page(z.gm, z.page[3])[pick_index((uint8_t)i)] =
			    xv_pte_guest_make(z.page[6 + i % 6],
					      i & 1 ? XV_PTE_W : 0);
	}
	/* The initial table set: n entries written anywhere. */
	for (unsigned int n = byte(&in) % 64; n; n--) {
		uint8_t p = byte(&in);

		xv_gmem_page(z.gm, z.page[p % 6])[pick_index(p >> 3)] =
		    pick_entry(&z, &in);
	}
	for (uint8_t bad = byte(&in); bad; bad &= (uint8_t)(bad - 1))
		xv_gmem_set_bad(z.gm, z.page[(unsigned)__builtin_ctz(bad) + 4],
				true);
	z.root = z.page[0];
	xv_shadow_set_root(z.sh, z.root);
	check(&z, true);

	for (unsigned int steps = 0; in.left && steps < 64; steps++) {
		uint8_t op = byte(&in);
		bool compare = false;

		switch (op % 10) {
		case 0:
		case 1: { /* write an entry, notify its VA */
			uint8_t p = byte(&in);
			unsigned int i = pick_index(p >> 3);

			xv_gmem_page(z.gm, z.page[p % 6])[i] =
			    pick_entry(&z, &in);
			xv_shadow_update_range(z.sh, pick_va(&in), 4096);
			break;
		}
		case 2: { /* fill a whole page: fan-out */
			uint64_t e = pick_entry(&z, &in);
			uint64_t *t = xv_gmem_page(z.gm, z.page[byte(&in) % 6]);

			for (unsigned int i = 0; i < 512; i++)
				t[i] = e;
			break;
		}
		case 3: { /* notify an arbitrary range */
			uint64_t va = pick_va(&in);
			uint64_t len = 1ull << (byte(&in) % 49);

			xv_shadow_update_range(z.sh, va, len);
			break;
		}
		case 4:
			xv_shadow_sync(z.sh);
			break;
		case 5:
			xv_shadow_resync(z.sh);
			compare = true;
			break;
		case 6:
			xv_shadow_set_oos(z.sh, byte(&in) & 1);
			break;
		case 7:
			z.root = z.page[byte(&in) % NPAGES];
			xv_shadow_set_root(z.sh, z.root);
			compare = true;
			break;
		case 8:
			xv_gmem_fail_tables_after(z.gm, byte(&in) % 4);
			xv_shadow_update_range(z.sh, 0, XV_GPU_VA_LIMIT);
			xv_gmem_fail_tables_after(z.gm, UINT32_MAX);
			break;
		default: /* write without notifying */
			xv_gmem_page(
			    z.gm,
			    z.page[byte(&in) % 6])[pick_index(byte(&in))] =
			    pick_entry(&z, &in);
			break;
		}
		check(&z, compare);
	}

	xv_shadow_free(z.sh);
	if (z.mc) {
		struct xv_mapcache_stats ms;

		for (unsigned int i = 0; i < NPAGES; i++)
			for (unsigned int a = 0; a < 2; a++)
				if (z.held[a] & 1u << i)
					xv_mapcache_unpin_batch(
					    z.mc, &z.page[i], 1,
					    a ? XV_PIN_READWRITE : XV_PIN_READ);
		xv_mapcache_get_stats(z.mc, &ms);
		xv_require(ms.pinned == 0 && ms.bad_unpins == 0);
		xv_mapcache_free(z.mc);
		z.io.ops->pasid_detach(z.io.impl, PASID);
		xv_iommu_soft_free(z.iosoft);
	}
	xv_gmem_get_counters(z.gm, &c);
	xv_require(xv_gmem_live_pins(z.gm) == 0);
	xv_require(c.pages_pinned == c.pages_unpinned);
	xv_require(c.unpin_errors == 0);
	xv_require(c.tables_live == 3);
	xv_require(xv_shadow_vgpu_oos_used(z.vg) == 0);
	xv_shadow_vgpu_free(z.vg);
	xv_gmem_get_counters(z.gm, &c);
	xv_require(c.tables_live == 0);
	xv_gmem_free(z.gm);
	return 0;
}
