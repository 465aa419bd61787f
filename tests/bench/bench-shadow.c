/*
 * bench-shadow.c — cost of keeping a shadow in sync, pins already cached.
 *
 * The pinner is the REAL map cache (common/mapcache.c) over the software
 * IOMMU, with a mapper double that hands out the guest-memory double's
 * pages (tests/lib/guest-mem.c): "pins already cached" in production means
 * the pages are entries of the map cache, so a pin is a hash hit and a
 * refcount, and that is what is timed. A second pinner, the guest-memory
 * double's own (labelled gmem_double), is kept for comparison.
 *
 * Two sets of 512 guest data pages, A and B, are cached, with IOVAs that
 * are not contiguous (except in the 2m_leaf case). In the "held"
 * setups they are also mapped elsewhere in the guest tree (at 1 GiB and
 * 2 GiB), so they stay pinned and every pin is refs++ on a live entry; in
 * the "unused" setup they are cached but unpinned (refs 0, on the cache's
 * LRU), so every pin also leaves the LRU and every unpin rejoins it. One
 * guest L1 page is flipped between A and B.
 *
 * Cases, figures per guest entry:
 *  - whole_page_all_changed: all 512 entries change to a different cached
 *    page, one notification for the 2 MiB (immediate mode). The honest
 *    worst case of an update: re-read the page, 512 checks, 512 pins,
 *    512 stores, one invalidation, 512 unpins. Target: within 10x of the
 *    raw loop.
 *  - whole_page_all_changed_oos: the same through the OOS set and
 *    xv_shadow_sync (submit time).
 *  - whole_page_all_changed_scattered: as the first, but the 512 pages of
 *    each set are mapped in a shuffled order, so no two neighbouring
 *    entries name consecutive grant references. A guest grants a
 *    buffer's pages as a run of consecutive grefs, which the engine
 *    follows without a lookup (docs/pagetable.md); this is the other
 *    case, every entry looked up in the grant index.
 *  - whole_page_all_changed_unused: as the first, pages cached but unused.
 *  - whole_page_all_changed_2m_leaf: as the first, but each set has one
 *    contiguous 2 MiB aligned IOVA run, so the shadow is a 2 MiB leaf and
 *    the update ends in one parent store (still 512 checks and pins).
 *  - whole_page_all_changed_gmem_double: as the first, over the test
 *    double pinner instead of the map cache.
 *  - whole_page_unchanged_resync: a 2 MiB notification for a page whose
 *    entries did NOT change (re-read, compare, nothing to do). A different
 *    and cheaper case than an update; reported so it is not confused with
 *    it.
 *  - single_pte_update: one entry changes, one 4 KiB notification
 *    (re-reads that VA's entry at each of the four levels); per update.
 * Baselines, measured in the same run:
 *  - raw_store_loop: stores the same 512 shadow entries into a plain array
 *    with single 64-bit stores and no checks (the baseline). Every
 *    case runs paired with it in its own setup (xv_bench_paired: RUNS
 *    pairs, the median of the per-pair ratios), because this VM's timing
 *    drifts by 2x within one process;
 *  - pin_unpin_store_loop: a 512-page pin batch through the map cache,
 *    the stores, and the unpin of the same pages by token (unpin_tokens):
 *    what the pin interface alone costs, the floor under an engine that
 *    pins through it. The engine's hit path over the map cache does not
 *    (docs/pagetable.md), so whole_page_vs_pin_floor, the all-changed
 *    case against it, is now below 1.
 *
 * `bench-shadow CASE` runs only the setup CASE needs (with its baselines),
 * e.g. to count instructions under callgrind with one setup at a time:
 *   valgrind --tool=callgrind --collect-atstart=no \
 *     --toggle-collect=run_whole_page bench-shadow whole_page_all_changed
 * and divide by (RUNS + 1) * ROUNDS * 512 entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "compiler.h"
#include "guest-mem.h"
#include "iommu-soft.h"
#include "mapcache.h"
#include "pt.h"
#include "shadow.h"

#define RUNS   15u
#define ROUNDS 200u
#define SINGLE 20000u

enum pinner { PIN_MAPCACHE, PIN_GMEM };

struct bench {
	struct xv_gmem *gm;
	struct xv_iommu_soft *iommu;
	struct xv_mapcache *mc;
	const struct xv_pin_ops *pin_ops;
	void *pin_ctx;
	struct xv_shadow_vgpu *vg;
	struct xv_shadow *sh;
	xv_gaddr_t root;
	uint64_t *l1;	      /* the guest L1 page being flipped */
	uint64_t ent[2][512]; /* guest entries: A, B */
	xv_gaddr_t g[2][512]; /* their guest addresses */
	uint64_t raw[2][512]; /* the shadow entries they become */
	uint64_t table[512] __attribute__((aligned(64)));
	unsigned int flip;
};

static uint64_t *gslot(struct bench *b, uint64_t va)
{
	uint64_t *t = xv_gmem_page(b->gm, b->root);

	for (unsigned int l = 4; l > 1; l--) {
		uint64_t *e = &t[xv_pt_index(va, l)];

		if (!(*e & XV_PTE_P))
			*e = xv_pte_guest_make(xv_gmem_alloc(b->gm), 0);
		t = xv_gmem_page(b->gm, xv_pte_guest_addr(*e));
	}
	return &t[xv_pt_index(va, 1)];
}

static void setup_pinner(struct bench *b, enum pinner pinner)
{
	struct xv_mapcache_config mcc = {0};
	xv_iommu_ctx_t ictx;

	if (pinner == PIN_GMEM) {
		xv_gmem_set_iova_mode(b->gm, XV_GMEM_IOVA_SCATTER);
		b->pin_ops = &xv_gmem_pin_ops;
		b->pin_ctx = b->gm;
		return;
	}
	if (xv_iommu_soft_new(4, &b->iommu) ||
	    xv_iommu_soft_ops.ctx_alloc(b->iommu, &ictx))
		abort();
	mcc.domid = 1;
	mcc.max_pages = 8192;
	mcc.mapper = &xv_gmem_mapper_ops;
	mcc.mapper_ctx = b->gm;
	mcc.iommu = xv_iommu_soft_iommu(b->iommu);
	mcc.iommu_ctx = ictx;
	mcc.iova_base = 1ull << 40;
	mcc.iova_size = 1ull << 32;
	if (xv_mapcache_new(&mcc, &b->mc))
		abort();
	b->pin_ops = &xv_mapcache_pin_ops;
	b->pin_ctx = b->mc;
}

/* Shuffle the 512 pages of each set (a fixed seed: splitmix64). */
static void scatter_sets(struct bench *b)
{
	uint64_t x = 0x5eed;

	for (unsigned int s = 0; s < 2; s++)
		for (unsigned int i = 511; i > 0; i--) {
			uint64_t z = (x += 0x9e3779b97f4a7c15ull);
			unsigned int j;
			xv_gaddr_t t;

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			j = (unsigned int)((z ^ (z >> 31)) % (i + 1));
			t = b->g[s][i];
			b->g[s][i] = b->g[s][j];
			b->g[s][j] = t;
			b->ent[s][i] = xv_pte_guest_make(b->g[s][i], XV_PTE_W);
			b->ent[s][j] = xv_pte_guest_make(b->g[s][j], XV_PTE_W);
		}
}

/*
 * hold: A and B also mapped elsewhere (pinned); else cached, unused.
 * contig: let the cache give each set one 2 MiB aligned IOVA run (its
 * first pin is one 512-page batch), so the shadow L1 is a 2 MiB leaf.
 * scatter: map each set's pages in a shuffled order.
 */
static void setup(struct bench *b, enum pinner pinner, bool oos, bool hold,
		  bool contig, bool scatter)
{
	struct xv_shadow_vgpu_config vc = {0};
	struct xv_shadow_config sc = {0};
	struct xv_pin pins[512];
	xv_iova_t scratch;

	b->gm = xv_gmem_new(4096);
	if (!b->gm || !xv_gmem_host_page(b->gm, &scratch))
		abort();
	setup_pinner(b, pinner);
	vc.table_ops = &xv_gmem_table_ops;
	vc.table_ctx = b->gm;
	vc.scratch_iova = scratch;
	vc.oos_pages = 64;
	sc.pin_ops = b->pin_ops;
	sc.pin_ctx = b->pin_ctx;
	sc.oos_disable = !oos;
	if (xv_shadow_vgpu_new(&vc, &b->vg))
		abort();
	sc.vgpu = b->vg;
	if (xv_shadow_new(&sc, &b->sh))
		abort();
	b->root = xv_gmem_alloc(b->gm);
	for (unsigned int s = 0; s < 2; s++) {
		for (unsigned int i = 0; i < 512; i++) {
			b->g[s][i] = xv_gmem_alloc(b->gm);
			b->ent[s][i] = xv_pte_guest_make(b->g[s][i], XV_PTE_W);
			/* Keep it pinned: mapped at 1G (A) or 2G (B) too. */
			if (hold)
				*gslot(b, (1ull + s) << 30 |
					      (uint64_t)i << 12) = b->ent[s][i];
		}
	}
	if (scatter)
		scatter_sets(b);
	for (unsigned int i = 0; i < 512; i++)
		*gslot(b, (uint64_t)i << 12) = b->ent[0][i];
	b->l1 = gslot(b, 0);
	if (b->mc && !contig) {
		/*
		 * Cache A and B one page at a time, interleaved, so that their
		 * IOVAs are not contiguous: the L1 stays a 4 KiB table and an
		 * update really stores 512 entries (no 2 MiB leaf).
		 */
		for (unsigned int i = 0; i < 512; i++)
			for (unsigned int s = 0; s < 2; s++) {
				if (xv_mapcache_pin_batch(b->mc, &b->g[s][i], 1,
							  XV_PIN_READWRITE,
							  pins))
					abort();
				xv_mapcache_unpin_batch(b->mc, &b->g[s][i], 1,
							XV_PIN_READWRITE);
			}
	}
	if (!hold && b->mc) {
		/* Cached, then unused: in the map cache with refs 0. */
		if (xv_mapcache_pin_batch(b->mc, b->g[1], 512, XV_PIN_READWRITE,
					  pins))
			abort();
		xv_mapcache_unpin_batch(b->mc, b->g[1], 512, XV_PIN_READWRITE);
	}
	/* The four table pages on the path are cached pins too. */
	{
		xv_gaddr_t t = b->root;

		for (unsigned int l = 4; l >= 1; l--) {
			*gslot(b, 3ull << 30 | (uint64_t)l << 12) =
			    xv_pte_guest_make(t, 0);
			if (l > 1)
				t = xv_pte_guest_addr(
				    xv_gmem_page(b->gm, t)[0]);
		}
	}
	if (xv_shadow_set_root(b->sh, b->root))
		abort();
	/* The shadow entries: the cache's IOVAs, or the double's. */
	for (unsigned int s = 0; s < 2; s++) {
		if (b->mc) {
			if (xv_mapcache_pin_batch(b->mc, b->g[s], 512,
						  XV_PIN_READWRITE, pins))
				abort();
			xv_mapcache_unpin_batch(b->mc, b->g[s], 512,
						XV_PIN_READWRITE);
		} else {
			for (unsigned int i = 0; i < 512; i++)
				if (!xv_gmem_iova_of(b->gm, b->g[s][i],
						     &pins[i].iova))
					abort();
		}
		for (unsigned int i = 0; i < 512; i++)
			b->raw[s][i] =
			    xv_pte_shadow_leaf(pins[i].iova, XV_PTE_W);
	}
	b->flip = 0;
}

static void teardown(struct bench *b)
{
	struct xv_mapcache_stats st;

	xv_shadow_free(b->sh);
	if (b->mc) {
		xv_mapcache_get_stats(b->mc, &st);
		if (st.pinned || st.bad_unpins)
			abort();
	} else if (xv_gmem_live_pins(b->gm)) {
		abort();
	}
	xv_shadow_vgpu_free(b->vg);
	xv_mapcache_free(b->mc);
	xv_iommu_soft_free(b->iommu);
	xv_gmem_free(b->gm);
	b->mc = NULL;
	b->iommu = NULL;
}

static void run_raw(void *arg)
{
	struct bench *b = arg;

	for (unsigned int r = 0; r < ROUNDS; r++) {
		const uint64_t *src = b->raw[r & 1];

		for (unsigned int i = 0; i < 512; i++)
			xv_pte_store(&b->table[i], src[i]);
		xv_bench_use(b->table[r & 511]);
	}
}

/* The pinner's share: pin the 512 new pages in a batch, unpin the old. */
static void run_pin_floor(void *arg)
{
	struct bench *b = arg;
	static struct xv_pin out[512];
	static uint64_t tok[512];

	for (unsigned int r = 0; r < ROUNDS; r++) {
		unsigned int s = ++b->flip & 1;

		if (b->pin_ops->pin_batch(b->pin_ctx, b->g[s], 512,
					  XV_PIN_READWRITE, out))
			abort();
		for (unsigned int i = 0; i < 512; i++)
			xv_pte_store(&b->table[i],
				     xv_pte_shadow_leaf(out[i].iova, XV_PTE_W));
		if (b->pin_ops->unpin_tokens) {
			for (unsigned int i = 0; i < 512; i++)
				tok[i] = out[i].token;
			b->pin_ops->unpin_tokens(b->pin_ctx, tok, 512,
						 XV_PIN_READWRITE);
		} else {
			b->pin_ops->unpin_batch(b->pin_ctx, b->g[s], 512,
						XV_PIN_READWRITE);
		}
	}
}

static void run_whole_page(void *arg)
{
	struct bench *b = arg;

	for (unsigned int r = 0; r < ROUNDS; r++) {
		/* The guest rewrites its page (a memcpy: its cost is the
		 * guest's, not the engine's), then notifies the 2 MiB. */
		memcpy(b->l1, b->ent[++b->flip & 1], 4096);
		if (xv_shadow_update_range(b->sh, 0, 2ull << 20))
			abort();
	}
}

static void run_unchanged(void *arg)
{
	struct bench *b = arg;

	for (unsigned int r = 0; r < ROUNDS; r++)
		if (xv_shadow_update_range(b->sh, 0, 2ull << 20))
			abort();
}

static void run_whole_page_oos(void *arg)
{
	struct bench *b = arg;

	for (unsigned int r = 0; r < ROUNDS; r++) {
		memcpy(b->l1, b->ent[++b->flip & 1], 4096);
		/* The page is tracked after the first round: no notify. */
		if (r == 0 && xv_shadow_update_range(b->sh, 0, 2ull << 20))
			abort();
		if (xv_shadow_sync(b->sh))
			abort();
	}
}

static void run_single(void *arg)
{
	struct bench *b = arg;

	for (unsigned int k = 0; k < SINGLE; k++) {
		unsigned int i = k & 511;

		b->flip++;
		b->l1[i] = b->ent[(k >> 9) & 1 ? 0 : 1][i];
		if (xv_shadow_update_range(b->sh, (uint64_t)i << 12, 4096))
			abort();
	}
}

/* The shadow maps every VA to A's or B's page: the paths did work. */
static void check_result(struct bench *b)
{
	struct xv_pt_walk_result r;

	for (unsigned int i = 0; i < 512; i++) {
		if (xv_shadow_translate(b->sh, (uint64_t)i << 12, XV_PT_READ,
					&r))
			abort();
		if (r.iova != xv_pte_shadow_addr(b->raw[0][i]) &&
		    r.iova != xv_pte_shadow_addr(b->raw[1][i]))
			abort();
	}
}

/* The case named on the command line, or NULL for all of them. */
static const char *only;

static bool want(const char *name)
{
	return !only || !strcmp(only, name);
}

static double measure(struct bench *b, void (*fn)(void *), uint64_t ops)
{
	double ns = xv_bench_median_ns(RUNS, ops, fn, b);

	check_result(b);
	return ns;
}

/* A case against the raw loop, in paired runs in the same setup. */
struct fig {
	double ns, raw, ratio;
};

static struct fig vs_raw(struct bench *b, void (*fn)(void *), uint64_t ops)
{
	struct fig f;

	f.ratio = xv_bench_paired(RUNS, ops, fn, b, ROUNDS * 512ull, run_raw, b,
				  &f.ns, &f.raw);
	check_result(b);
	return f;
}

static void report(const char *name, double ns, const char *base_name,
		   double base, double target, double paired_ratio)
{
	struct xv_bench_result res = {
	    .bench = "shadow",
	    .case_name = name,
	    .ns_per_op = ns,
	    .baseline_name = base_name,
	    .baseline_ns_per_op = base,
	    .target_ratio = target,
	    .runs = RUNS,
	    .paired_ratio = paired_ratio,
	};

	if (want(name))
		xv_bench_report(&res);
}

static void report_fig(const char *name, struct fig f, double target)
{
	report(name, f.ns, "raw_store_loop", f.raw, target, f.ratio);
}

int main(int argc, char **argv)
{
	struct bench *b = calloc(1, sizeof(*b));
	struct fig whole = {0}, whole_oos = {0}, whole_unused = {0};
	struct fig whole_scat = {0};
	struct fig whole_gmem = {0}, whole_huge = {0}, unchanged = {0};
	struct fig single = {0}, pin_floor = {0};
	double whole_ns = 0, floor_ns = 0;
	const uint64_t page_ops = ROUNDS * 512ull;

	if (!b)
		return 1;
	only = argc > 1 ? argv[1] : NULL;
	/* Every case runs paired with the raw loop (xv_bench_paired), in
	 * its own setup: its ratio is the median of per-pair ratios. */
	setup(b, PIN_MAPCACHE, false, true, false, false);
	pin_floor = vs_raw(b, run_pin_floor, page_ops);
	if (want("whole_page_all_changed") || want("whole_page_vs_pin_floor"))
		whole = vs_raw(b, run_whole_page, page_ops);
	if (want("whole_page_vs_pin_floor")) {
		floor_ns = measure(b, run_pin_floor, page_ops);
		whole_ns = measure(b, run_whole_page, page_ops);
	}
	if (want("whole_page_unchanged_resync"))
		unchanged = vs_raw(b, run_unchanged, page_ops);
	if (want("single_pte_update"))
		single = vs_raw(b, run_single, SINGLE);
	teardown(b);

	if (want("whole_page_all_changed_oos")) {
		setup(b, PIN_MAPCACHE, true, true, false, false);
		whole_oos = vs_raw(b, run_whole_page_oos, page_ops);
		teardown(b);
	}
	if (want("whole_page_all_changed_scattered")) {
		setup(b, PIN_MAPCACHE, false, true, false, true);
		whole_scat = vs_raw(b, run_whole_page, page_ops);
		teardown(b);
	}
	if (want("whole_page_all_changed_unused")) {
		setup(b, PIN_MAPCACHE, false, false, false, false);
		whole_unused = vs_raw(b, run_whole_page, page_ops);
		teardown(b);
	}
	if (want("whole_page_all_changed_2m_leaf")) {
		setup(b, PIN_MAPCACHE, false, true, true, false);
		whole_huge = vs_raw(b, run_whole_page, page_ops);
		teardown(b);
	}
	if (want("whole_page_all_changed_gmem_double")) {
		setup(b, PIN_GMEM, false, true, false, false);
		whole_gmem = vs_raw(b, run_whole_page, page_ops);
		teardown(b);
	}

	report_fig("whole_page_all_changed", whole, 10.0);
	report_fig("whole_page_all_changed_oos", whole_oos, 10.0);
	report_fig("whole_page_all_changed_scattered", whole_scat, 10.0);
	report_fig("whole_page_all_changed_unused", whole_unused, 10.0);
	report_fig("whole_page_all_changed_2m_leaf", whole_huge, 10.0);
	report_fig("whole_page_all_changed_gmem_double", whole_gmem, 10.0);
	report_fig("whole_page_unchanged_resync", unchanged, 10.0);
	/* No target in the issue: reported next to the others (bound). */
	report_fig("single_pte_update", single, 1000.0);
	/* What the pin interface alone costs, and the engine against it. */
	report_fig("pin_unpin_store_loop", pin_floor, 10.0);
	report("whole_page_vs_pin_floor", whole_ns, "pin_unpin_store_loop",
	       floor_ns, 3.0, 0);
	free(b);
	return 0;
}
