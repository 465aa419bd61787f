/*
 * test-shadow-mc.c — the shadow engine over the REAL map cache, as the
 * backend runs it: its hit path (mapcache-hit.h), where the engine takes
 * pins on already-pinned pages straight from the cache's grant index and
 * drops all but the last reference of an old page right after the store.
 *
 * Below the cache: the guest-memory test double's pages (its mapper), the
 * software IOMMU, one PASID. The "device" walks the shadow through the
 * IOMMU and keeps a simulated TLB that the engine's hook invalidates.
 *
 * A randomized model-based test rewrites two guest L1 pages (whole-page
 * flips between held page sets, single entries, absent, invalid and
 * unpinnable entries), takes and drops outside pins (so pages move between
 * pinned, cached-unused and evicted), evicts, resyncs and toggles OOS;
 * after every step it checks, against the guest tables alone:
 *  - every VA translates through shadow and IOMMU to the guest's page,
 *    with the guest's W/NS bits, or to scratch, or not at all;
 *  - every page's refcount in the cache equals the number of live entries
 *    naming it plus the outside pins (so every pin is dropped exactly
 *    once, early or late);
 *  - no TLB entry differs from the shadow (an invalidation was missed);
 *  - no page is unmapped from the backend (mapper unmap) while a TLB entry
 *    still holds it (a last reference dropped before the invalidation).
 * The seed is printed; XV_SEED repeats a run, XV_STEPS sets its length.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest-mem.h"
#include "iommu-soft.h"
#include "mapcache.h"
#include "pt.h"
#include "shadow.h"
#include "xv-test.h"

#define MAXP  1024u
#define NPOOL 160u
#define NBAD  6u
#define NVA   1024u /* two L1 pages: VA 0 .. 4 MiB */
#define PASID 7u
#define MB2   (2ull << 20)

struct fx {
	struct xv_gmem *gm;
	struct xv_iommu_soft *iosoft;
	struct xv_iommu io;
	xv_iommu_ctx_t ictx;
	struct xv_mapcache *mc;
	struct xv_shadow_vgpu *vg;
	struct xv_shadow *sh;
	xv_gaddr_t root, l1[2];
	xv_gaddr_t pool[NPOOL], bad[NBAD];
	uint32_t held[NPOOL][2]; /* outside pins: READ, READWRITE */
	/* The device's TLB: VA page -> the IOVA and host page it cached. */
	struct {
		void *page;
		xv_iova_t iova;
	} tlb[NVA];
	unsigned long stale_tlb, early_unmap, invalidations;
};

static struct fx F;

/* ---- the device side: mapper wrapper, TLB --------------------------------- */

static int fx_map(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
		  unsigned int n, enum xv_pin_access access, void **pages)
{
	return xv_gmem_mapper_ops.map_batch(ctx, domid, gaddr, n, access,
					    pages);
}

/*
 * A mapping leaves the backend (after its IOMMU unmap and flush): no TLB
 * entry may still hold it. A page mapped twice (READ and READWRITE are two
 * entries, two IOVAs) loses one mapping: a TLB entry whose IOVA still
 * translates holds the other.
 */
static void fx_unmap(void *ctx, void *const *pages, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int v = 0; v < NVA; v++) {
			void *p;

			if (F.tlb[v].page != pages[i] ||
			    F.io.ops->translate(F.io.impl, PASID, F.tlb[v].iova,
						XV_IOMMU_READ, &p) == 0)
				continue;
			if (F.early_unmap++ < 3)
				printf("\n  unmap of %p: the TLB of va %#x "
				       "still holds it\n",
				       pages[i], v << 12);
		}
	xv_gmem_mapper_ops.unmap_batch(ctx, pages, n);
}

static const struct xv_mapper_ops fx_mapper = {
    .map_batch = fx_map,
    .unmap_batch = fx_unmap,
};

static void fx_tlb_hook(void *ctx, uint64_t va, uint64_t len)
{
	(void)ctx;
	F.invalidations++;
	for (uint64_t v = va >> 12; v < NVA && v < (va + len) >> 12; v++)
		F.tlb[v].page = NULL;
}

/* The device's view of va: host page, or NULL (fault or scratch). */
static void *device_page_iova(uint64_t va, uint64_t *flags, xv_iova_t *iova)
{
	struct xv_pt_walk_result r;
	void *page = NULL;

	if (xv_shadow_translate(F.sh, va, XV_PT_READ, &r) ||
	    xv_shadow_is_scratch(F.sh, r.page))
		return NULL;
	if (F.io.ops->translate(F.io.impl, PASID, r.page, XV_IOMMU_READ, &page))
		return NULL;
	if (flags)
		*flags = r.flags;
	if (iova)
		*iova = r.page;
	return page;
}

static void *device_page(uint64_t va, uint64_t *flags)
{
	return device_page_iova(va, flags, NULL);
}

/* ---- fixture ------------------------------------------------------------- */

static uint64_t *guest_slot(uint64_t va)
{
	return &xv_gmem_page(F.gm, F.l1[va / MB2])[xv_pt_index(va, 1)];
}

static void fx_init(void)
{
	struct xv_shadow_vgpu_config vc = {0};
	struct xv_shadow_config sc = {0};
	struct xv_mapcache_config mcc = {0};
	xv_gaddr_t l3, l2;
	xv_iova_t scratch;

	memset(&F, 0, sizeof(F));
	F.gm = xv_gmem_new(MAXP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(F.gm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xv_gmem_host_page(F.gm, &scratch));
	CU_ASSERT_EQUAL_FATAL(xv_iommu_soft_new(2, &F.iosoft), 0);
	F.io = xv_iommu_soft_iommu(F.iosoft);
	CU_ASSERT_EQUAL_FATAL(F.io.ops->ctx_alloc(F.io.impl, &F.ictx), 0);
	CU_ASSERT_EQUAL_FATAL(F.io.ops->pasid_attach(F.io.impl, PASID, F.ictx),
			      0);
	mcc.domid = 1;
	mcc.max_pages = 2 * MAXP;
	mcc.mapper = &fx_mapper;
	mcc.mapper_ctx = F.gm;
	mcc.iommu = F.io;
	mcc.iommu_ctx = F.ictx;
	mcc.iova_base = 1ull << 32;
	mcc.iova_size = 1ull << 30;
	CU_ASSERT_EQUAL_FATAL(xv_mapcache_new(&mcc, &F.mc), 0);
	vc.table_ops = &xv_gmem_table_ops;
	vc.table_ctx = F.gm;
	vc.scratch_iova = scratch;
	vc.oos_pages = 8;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_vgpu_new(&vc, &F.vg), 0);
	sc.vgpu = F.vg;
	sc.pin_ops = &xv_mapcache_pin_ops;
	sc.pin_ctx = F.mc;
	sc.tlb_invalidate = fx_tlb_hook;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_new(&sc, &F.sh), 0);

	F.root = xv_gmem_alloc(F.gm);
	l3 = xv_gmem_alloc(F.gm);
	l2 = xv_gmem_alloc(F.gm);
	F.l1[0] = xv_gmem_alloc(F.gm);
	F.l1[1] = xv_gmem_alloc(F.gm);
	xv_gmem_page(F.gm, F.root)[0] = xv_pte_guest_make(l3, 0);
	xv_gmem_page(F.gm, l3)[0] = xv_pte_guest_make(l2, 0);
	xv_gmem_page(F.gm, l2)[0] = xv_pte_guest_make(F.l1[0], 0);
	xv_gmem_page(F.gm, l2)[1] = xv_pte_guest_make(F.l1[1], 0);
	/* The pool's grefs are consecutive and straddle a multiple of 512,
	 * where the grant index changes leaf: a flip's run of consecutive
	 * grefs (the engine's run path) must look the next leaf up. */
	while (xv_gmem_pages(F.gm) + NPOOL / 2 < 512)
		CU_ASSERT_FATAL(xv_gmem_alloc(F.gm) != 0);
	for (unsigned int i = 0; i < NPOOL; i++)
		F.pool[i] = xv_gmem_alloc(F.gm);
	/* Unpinnable: refused grants, and a gref past the grant index. */
	for (unsigned int i = 0; i + 1 < NBAD; i++) {
		F.bad[i] = xv_gmem_alloc(F.gm);
		xv_gmem_set_bad(F.gm, F.bad[i], true);
	}
	F.bad[NBAD - 1] = XV_PTE_G | (3ull << 40);
	CU_ASSERT_EQUAL_FATAL(xv_shadow_set_root(F.sh, F.root), 0);
}

static void fx_fini(void)
{
	struct xv_mapcache_stats st;

	for (unsigned int i = 0; i < NPOOL; i++)
		for (unsigned int a = 0; a < 2; a++)
			while (F.held[i][a]) {
				xv_mapcache_unpin_batch(F.mc, &F.pool[i], 1,
							a ? XV_PIN_READWRITE
							  : XV_PIN_READ);
				F.held[i][a]--;
			}
	xv_shadow_free(F.sh);
	xv_mapcache_get_stats(F.mc, &st);
	CU_ASSERT_EQUAL(st.pinned, 0);
	CU_ASSERT_EQUAL(st.bad_unpins, 0);
	xv_shadow_vgpu_free(F.vg);
	xv_mapcache_free(F.mc);
	F.io.ops->pasid_detach(F.io.impl, PASID);
	xv_iommu_soft_free(F.iosoft);
	xv_gmem_free(F.gm);
}

/* ---- the model: the guest tables say it all ------------------------------ */

static int pool_index(xv_gaddr_t g)
{
	for (unsigned int i = 0; i < NPOOL; i++)
		if (F.pool[i] == g)
			return (int)i;
	return -1;
}

static unsigned long mismatches;

static bool check_va(uint64_t va)
{
	uint64_t p = *guest_slot(va), flags = 0;
	struct xv_pt_walk_result r;
	int rc = xv_shadow_translate(F.sh, va, XV_PT_READ, &r);
	void *page = device_page(va, &flags);
	bool ok;

	if (!(p & XV_PTE_P))
		ok = rc == -EFAULT && r.fault == XV_PT_FAULT_NOT_PRESENT;
	else if (xv_pte_guest_check(p, 1, NULL) != XV_PTE_VALID ||
		 pool_index(xv_pte_guest_addr(p)) < 0)
		ok = rc == 0 && xv_shadow_is_scratch(F.sh, r.page);
	else
		ok = page == xv_gmem_page(F.gm, xv_pte_guest_addr(p)) &&
		     (flags & (XV_PTE_W | XV_PTE_NS)) ==
			 (p & (XV_PTE_W | XV_PTE_NS));
	if (!ok && mismatches++ < 5)
		printf("\n  va %#" PRIx64 ": guest %#" PRIx64 ", shadow rc %d "
		       "fault %s page %#" PRIx64 "\n",
		       va, p, rc, xv_pt_fault_str(r.fault), r.page);
	return ok;
}

/* Every page's references: live entries naming it plus outside pins. */
static bool check_refs(void)
{
	static uint32_t want[NPOOL][2];
	bool ok = true;

	memcpy(want, F.held, sizeof(want));
	for (uint64_t v = 0; v < NVA; v++) {
		uint64_t p = *guest_slot(v << 12);
		int i;

		if (xv_pte_guest_check(p, 1, NULL) != XV_PTE_VALID)
			continue;
		i = pool_index(xv_pte_guest_addr(p));
		if (i >= 0)
			want[i][(p & XV_PTE_W) ? 1 : 0]++;
	}
	for (unsigned int i = 0; i < NPOOL; i++) {
		for (unsigned int a = 0; a < 2; a++) {
			struct xv_mapcache_entry_info info = {0};
			uint32_t refs = 0;

			if (xv_mapcache_lookup(
				F.mc, F.pool[i],
				a ? XV_PIN_READWRITE : XV_PIN_READ, &info) == 0)
				refs = info.refs;
			if (refs != want[i][a]) {
				if (mismatches++ < 5)
					printf("\n  pool page %u access %u: "
					       "refs %u, want %u\n",
					       i, a, refs, want[i][a]);
				ok = false;
			}
		}
	}
	return ok;
}

/* The TLB must agree with the shadow wherever it holds something. */
static bool check_tlb(void)
{
	bool ok = true;

	for (uint64_t v = 0; v < NVA; v++) {
		if (F.tlb[v].page &&
		    F.tlb[v].page != device_page(v << 12, NULL)) {
			if (mismatches++ < 5)
				printf("\n  va %#" PRIx64
				       ": TLB %p, shadow %p, "
				       "guest %#" PRIx64 "\n",
				       v << 12, F.tlb[v].page,
				       device_page(v << 12, NULL),
				       *guest_slot(v << 12));
			F.stale_tlb++;
			ok = false;
		}
	}
	return ok;
}

/* ---- random guest behaviour ---------------------------------------------- */

static uint64_t random_entry(struct xv_rng *rng, uint64_t cur)
{
	unsigned int k = (unsigned int)xv_rng_below(rng, 100);
	uint64_t fl = (xv_rng_below(rng, 3) ? XV_PTE_W : 0) |
		      (xv_rng_below(rng, 8) ? 0 : XV_PTE_NS);

	if (k < 70)
		return xv_pte_guest_make(F.pool[xv_rng_below(rng, NPOOL)], fl);
	if (k < 78)
		return cur;
	if (k < 88)
		return 0;
	if (k < 93) /* an invalid leaf: a reserved bit */
		return xv_pte_guest_make(F.pool[xv_rng_below(rng, NPOOL)], fl) |
		       XV_PTE_PS;
	return xv_pte_guest_make(F.bad[xv_rng_below(rng, NBAD)], fl);
}

/* Point all of L1 page j at 512 consecutive pool pages (wrapped), one
 * access: with the pool held outside, the update is all cache hits. */
static void flip_page(struct xv_rng *rng, unsigned int j)
{
	unsigned int base = (unsigned int)xv_rng_below(rng, NPOOL);
	uint64_t fl = xv_rng_below(rng, 2) ? XV_PTE_W : 0;
	uint64_t *l1 = xv_gmem_page(F.gm, F.l1[j]);

	for (unsigned int i = 0; i < 512; i++)
		l1[i] = xv_pte_guest_make(F.pool[(base + i) % NPOOL], fl);
}

/* An outside READWRITE pin on each of pool[0..n). */
static void hold_pool(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct xv_pin pin;

		CU_ASSERT_EQUAL_FATAL(xv_mapcache_pin_batch(F.mc, &F.pool[i], 1,
							    XV_PIN_READWRITE,
							    &pin),
				      0);
		F.held[i][1] = 1;
	}
}

static void hold_toggle(struct xv_rng *rng)
{
	unsigned int i = (unsigned int)xv_rng_below(rng, NPOOL);
	unsigned int a = (unsigned int)xv_rng_below(rng, 2);
	enum xv_pin_access acc = a ? XV_PIN_READWRITE : XV_PIN_READ;
	struct xv_pin pin;

	if (F.held[i][a] && xv_rng_below(rng, 2)) {
		xv_mapcache_unpin_batch(F.mc, &F.pool[i], 1, acc);
		F.held[i][a]--;
	} else if (xv_mapcache_pin_batch(F.mc, &F.pool[i], 1, acc, &pin) == 0) {
		F.held[i][a]++;
	} else {
		CU_FAIL("an outside pin failed");
	}
}

/* The device runs: it caches the translation of some VAs. */
static void device_run(struct xv_rng *rng)
{
	for (unsigned int k = 0; k < 64; k++) {
		uint64_t v = xv_rng_below(rng, NVA);

		F.tlb[v].page = device_page_iova(v << 12, NULL, &F.tlb[v].iova);
	}
}

static void test_model_random(void)
{
	uint64_t seed = xv_test_seed("shadow-mc");
	unsigned long steps = xv_test_steps(3000), bad = 0;
	struct xv_mapcache_stats st;
	struct xv_rng rng;
	bool oos = true;

	xv_rng_init(&rng, seed);
	fx_init();
	mismatches = 0;
	/* Hold every page once READWRITE: flips are then all hits. */
	hold_pool(NPOOL);
	for (unsigned long step = 0; step < steps; step++) {
		unsigned int op = (unsigned int)xv_rng_below(&rng, 100);
		unsigned int j = (unsigned int)xv_rng_below(&rng, 2);

		if (op < 30) { /* rewrite a whole page, one notification */
			uint64_t *l1 = xv_gmem_page(F.gm, F.l1[j]);

			if (xv_rng_below(&rng, 2))
				flip_page(&rng, j);
			else
				for (unsigned int i = 0; i < 512; i++)
					l1[i] = random_entry(&rng, l1[i]);
			CU_ASSERT_EQUAL(
			    xv_shadow_update_range(F.sh, j * MB2, MB2), 0);
		} else if (op < 55) { /* a few entries, one notification each */
			unsigned int n =
			    1 + (unsigned int)xv_rng_below(&rng, 8);

			for (unsigned int k = 0; k < n; k++) {
				uint64_t va = xv_rng_below(&rng, NVA) << 12;
				uint64_t *s = guest_slot(va);

				*s = random_entry(&rng, *s);
				CU_ASSERT_EQUAL(
				    xv_shadow_update_range(F.sh, va, 4096), 0);
			}
		} else if (op < 75) {
			hold_toggle(&rng);
		} else if (op < 82) {
			xv_mapcache_drop_unused(F.mc);
		} else if (op < 90) { /* unnotified changes, then resync */
			uint64_t *s = guest_slot(xv_rng_below(&rng, NVA) << 12);

			*s = random_entry(&rng, *s);
			CU_ASSERT_EQUAL(xv_shadow_resync(F.sh), 0);
		} else if (op < 94) {
			oos = !oos;
			CU_ASSERT_EQUAL(xv_shadow_set_oos(F.sh, oos), 0);
		}
		/* Submit: in sync from here, then the device runs. */
		CU_ASSERT_EQUAL(xv_shadow_sync(F.sh), 0);
		if (!check_tlb())
			bad++;
		if (step % 50 == 49 || step + 1 == steps) {
			for (uint64_t v = 0; v < NVA; v++)
				if (!check_va(v << 12))
					bad++;
			if (!check_refs())
				bad++;
		}
		device_run(&rng);
		if (F.early_unmap)
			bad++;
		if (bad) {
			printf("\n  failed at step %lu op %u (seed %" PRIu64
			       ")\n",
			       step, op, seed);
			break;
		}
	}
	xv_mapcache_get_stats(F.mc, &st);
	printf("  %lu steps: %" PRIu64 " cache hits, %lu invalidations\n",
	       steps, st.hits, F.invalidations);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(F.stale_tlb, 0);
	CU_ASSERT_EQUAL(F.early_unmap, 0);
	fx_fini();
}

/*
 * Directed: a page whose only reference is a live entry keeps it until the
 * invalidation that covers the entry's change; a page others hold loses
 * the entry's reference with the store.
 */
static uint32_t refs_of(xv_gaddr_t g)
{
	struct xv_mapcache_entry_info info = {0};

	if (xv_mapcache_lookup(F.mc, g, XV_PIN_READWRITE, &info))
		return 0;
	return info.refs;
}

static uint32_t hook_refs_lone, hook_refs_held;

static void order_hook(void *ctx, uint64_t va, uint64_t len)
{
	(void)ctx;
	(void)va;
	(void)len;
	hook_refs_lone = refs_of(F.pool[0]);
	hook_refs_held = refs_of(F.pool[1]);
}

static void test_last_reference_after_invalidation(void)
{
	struct xv_shadow_config sc = {0};
	uint64_t *l1;
	struct xv_pin pin;

	fx_init();
	xv_shadow_free(F.sh);
	sc.vgpu = F.vg;
	sc.pin_ops = &xv_mapcache_pin_ops;
	sc.pin_ctx = F.mc;
	sc.tlb_invalidate = order_hook;
	sc.oos_disable = true;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_new(&sc, &F.sh), 0);
	CU_ASSERT_EQUAL_FATAL(xv_shadow_set_root(F.sh, F.root), 0);
	/* pool[2], the new page, held outside: the update is a hit. */
	CU_ASSERT_EQUAL_FATAL(
	    xv_mapcache_pin_batch(F.mc, &F.pool[2], 1, XV_PIN_READWRITE, &pin),
	    0);
	CU_ASSERT_EQUAL_FATAL(
	    xv_mapcache_pin_batch(F.mc, &F.pool[1], 1, XV_PIN_READWRITE, &pin),
	    0);
	l1 = xv_gmem_page(F.gm, F.l1[0]);
	l1[0] = xv_pte_guest_make(F.pool[0], XV_PTE_W); /* only here */
	l1[1] = xv_pte_guest_make(F.pool[1], XV_PTE_W); /* + outside pin */
	CU_ASSERT_EQUAL(xv_shadow_update_range(F.sh, 0, 2 * 4096), 0);
	CU_ASSERT_EQUAL(refs_of(F.pool[0]), 1);
	CU_ASSERT_EQUAL(refs_of(F.pool[1]), 2);
	l1[0] = l1[1] = xv_pte_guest_make(F.pool[2], XV_PTE_W);
	CU_ASSERT_EQUAL(xv_shadow_update_range(F.sh, 0, 2 * 4096), 0);
	/* At the invalidation: the lone page still pinned, the held one
	 * already down to its outside pin. */
	CU_ASSERT_EQUAL(hook_refs_lone, 1);
	CU_ASSERT_EQUAL(hook_refs_held, 1);
	CU_ASSERT_EQUAL(refs_of(F.pool[0]), 0);
	CU_ASSERT_EQUAL(refs_of(F.pool[1]), 1);
	CU_ASSERT_EQUAL(refs_of(F.pool[2]), 3);
	CU_ASSERT_PTR_EQUAL(device_page(0, NULL),
			    xv_gmem_page(F.gm, F.pool[2]));
	CU_ASSERT_PTR_EQUAL(device_page(4096, NULL),
			    xv_gmem_page(F.gm, F.pool[2]));
	F.held[1][1] = F.held[2][1] = 1;
	fx_fini();
}

/*
 * Directed: entries that match the engine's starting "last entry" (a
 * reserved bit 62 over no leaf) or follow one, around valid ones, on a
 * live page. Each hostile one goes to scratch and is counted; the valid
 * ones still map their pages; nothing reads outside a leaf (ASan).
 */
static void test_hostile_neighbours(void)
{
	const uint64_t r62 = XV_PTE_G | (1ull << 62) | XV_PTE_P;
	struct xv_shadow_stats st;
	uint64_t *l1;

	fx_init();
	hold_pool(4);
	l1 = xv_gmem_page(F.gm, F.l1[0]);
	for (unsigned int i = 0; i < 8; i++)
		l1[i] = xv_pte_guest_make(F.pool[i & 3], XV_PTE_W);
	CU_ASSERT_EQUAL(xv_shadow_update_range(F.sh, 0, MB2), 0);
	CU_ASSERT_EQUAL(xv_shadow_sync(F.sh), 0);
	l1[0] = r62 | 5ull << 12;		 /* the start pattern's leaf */
	l1[1] = r62 | 511ull << 12;		 /* its last slot */
	l1[2] = xv_pte_guest_make(F.pool[1], 0); /* valid, other flags */
	l1[3] = xv_pte_guest_make(F.pool[2], 0); /* its neighbour */
	l1[4] = r62 | XV_PTE_W | 7ull << 12;
	l1[5] = l1[4] + 4096;
	l1[6] = (xv_pte_guest_make(F.pool[3], 0) ^ 1ull << 62);
	l1[7] = xv_pte_guest_make(F.pool[0], XV_PTE_W);
	CU_ASSERT_EQUAL(xv_shadow_update_range(F.sh, 0, MB2), 0);
	CU_ASSERT_EQUAL(xv_shadow_sync(F.sh), 0);
	for (unsigned int i = 0; i < 8; i++) {
		void *want = NULL;

		if (i == 2)
			want = xv_gmem_page(F.gm, F.pool[1]);
		else if (i == 3)
			want = xv_gmem_page(F.gm, F.pool[2]);
		else if (i == 7)
			want = xv_gmem_page(F.gm, F.pool[0]);
		CU_ASSERT_PTR_EQUAL(device_page((uint64_t)i << 12, NULL), want);
	}
	xv_shadow_get_stats(F.sh, &st);
	CU_ASSERT_EQUAL(st.scratch_entries, 5);
	CU_ASSERT(check_refs());
	fx_fini();
}

static const struct xv_test_case cases[] = {
    {"last_reference_after_invalidation",
     test_last_reference_after_invalidation},
    {"hostile_neighbours", test_hostile_neighbours},
    {"random", test_model_random},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"shadow_mapcache", cases, NULL,
					   NULL};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
