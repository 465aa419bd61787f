/*
 * bench-shadow.c — cost of keeping a shadow in sync, pins already cached.
 *
 * Two sets of 512 guest data pages, A and B, stay pinned through other
 * mappings the whole time, so every pin the measured paths take is a
 * cache hit (refcount up, same IOVA), as in the backend with a warm map
 * cache. One guest L1 page is flipped between A and B:
 *  - whole_page: all 512 entries change, one notification for the 2 MiB
 *    (re-read the page, diff, one 512-page pin batch, 512 stores, one
 *    invalidation, one 512-page unpin batch);
 *  - whole_page_oos: the same through the OOS set and xv_shadow_sync;
 *  - single_pte: one entry changes, one 4 KiB notification (re-reads the
 *    four levels' entries for that VA).
 * Baseline, same run: a raw loop storing the same 512 shadow entries into
 * a plain array with single 64-bit stores and no checks. Figures are per
 * entry. Target: whole-page within 10x of the raw loop; single-PTE has no
 * target in the brief and is reported next to it (bound 1000x).
 * A second baseline, pin_unpin_store_loop, does only what no shadow engine
 * can skip: a 512-page pin batch and unpin batch through the same pinner
 * double, plus the stores; whole_page_vs_pin_floor is the engine's own
 * overhead on top of that (target 3x). The pinner double alone costs
 * several times the raw loop, which is why the 10x target is not met.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "compiler.h"
#include "guest-mem.h"
#include "pt.h"
#include "shadow.h"

#define RUNS   9u
#define ROUNDS 200u
#define SINGLE 20000u

struct bench {
	struct xv_gmem *gm;
	struct xv_shadow_vgpu *vg;
	struct xv_shadow *sh;
	xv_gaddr_t root;
	uint64_t *l1;	      /* the guest L1 page being flipped */
	uint64_t ent[2][512]; /* guest entries: A, B */
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

static void setup(struct bench *b, bool oos)
{
	struct xv_shadow_vgpu_config vc = {0};
	struct xv_shadow_config sc = {0};
	xv_iova_t scratch;

	b->gm = xv_gmem_new(4096);
	if (!b->gm || !xv_gmem_host_page(b->gm, &scratch))
		abort();
	xv_gmem_set_iova_mode(b->gm, XV_GMEM_IOVA_SCATTER);
	vc.table_ops = &xv_gmem_table_ops;
	vc.table_ctx = b->gm;
	vc.scratch_iova = scratch;
	vc.oos_pages = 64;
	sc.pin_ops = &xv_gmem_pin_ops;
	sc.pin_ctx = b->gm;
	sc.oos_disable = !oos;
	if (xv_shadow_vgpu_new(&vc, &b->vg))
		abort();
	sc.vgpu = b->vg;
	if (xv_shadow_new(&sc, &b->sh))
		abort();
	b->root = xv_gmem_alloc(b->gm);
	for (unsigned int s = 0; s < 2; s++) {
		for (unsigned int i = 0; i < 512; i++) {
			xv_gaddr_t g = xv_gmem_alloc(b->gm);

			b->ent[s][i] = xv_pte_guest_make(g, XV_PTE_W);
			/* Keep it pinned: mapped at 1G (A) or 2G (B) too. */
			*gslot(b, (1ull + s) << 30 | (uint64_t)i << 12) =
			    b->ent[s][i];
		}
	}
	for (unsigned int i = 0; i < 512; i++)
		*gslot(b, (uint64_t)i << 12) = b->ent[0][i];
	b->l1 = gslot(b, 0);
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
	for (unsigned int s = 0; s < 2; s++)
		for (unsigned int i = 0; i < 512; i++) {
			xv_iova_t iova;

			if (!xv_gmem_iova_of(
				b->gm, xv_pte_guest_addr(b->ent[s][i]), &iova))
				abort();
			b->raw[s][i] = xv_pte_shadow_leaf(iova, XV_PTE_W);
		}
}

static void teardown(struct bench *b)
{
	xv_shadow_free(b->sh);
	if (xv_gmem_live_pins(b->gm))
		abort();
	xv_shadow_vgpu_free(b->vg);
	xv_gmem_free(b->gm);
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
	static xv_gaddr_t g[2][512];
	static struct xv_pin out[512];

	for (unsigned int s = 0; s < 2; s++)
		for (unsigned int i = 0; i < 512; i++)
			g[s][i] = xv_pte_guest_addr(b->ent[s][i]);
	for (unsigned int r = 0; r < ROUNDS; r++) {
		unsigned int s = ++b->flip & 1;

		if (xv_gmem_pin_ops.pin_batch(b->gm, g[s], 512,
					      XV_PIN_READWRITE, out))
			abort();
		for (unsigned int i = 0; i < 512; i++)
			xv_pte_store(&b->table[i],
				     xv_pte_shadow_leaf(out[i].iova, XV_PTE_W));
		xv_gmem_pin_ops.unpin_batch(b->gm, g[s], 512, XV_PIN_READWRITE);
	}
}

static void run_whole_page(void *arg)
{
	struct bench *b = arg;

	for (unsigned int r = 0; r < ROUNDS; r++) {
		const uint64_t *src = b->ent[++b->flip & 1];

		for (unsigned int i = 0; i < 512; i++)
			b->l1[i] = src[i];
		if (xv_shadow_update_range(b->sh, 0, 2ull << 20))
			abort();
	}
}

static void run_whole_page_oos(void *arg)
{
	struct bench *b = arg;

	for (unsigned int r = 0; r < ROUNDS; r++) {
		const uint64_t *src = b->ent[++b->flip & 1];

		for (unsigned int i = 0; i < 512; i++)
			b->l1[i] = src[i];
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

int main(void)
{
	struct bench *b = calloc(1, sizeof(*b));
	struct xv_bench_result res = {
	    .bench = "shadow",
	    .baseline_name = "raw_store_loop",
	    .runs = RUNS,
	};
	double raw, floor_ns, whole, whole_oos, single;

	if (!b)
		return 1;
	setup(b, false);
	raw = xv_bench_median_ns(RUNS, ROUNDS * 512ull, run_raw, b);
	floor_ns = xv_bench_median_ns(RUNS, ROUNDS * 512ull, run_pin_floor, b);
	whole = xv_bench_median_ns(RUNS, ROUNDS * 512ull, run_whole_page, b);
	check_result(b);
	single = xv_bench_median_ns(RUNS, SINGLE, run_single, b);
	check_result(b);
	teardown(b);

	setup(b, true);
	whole_oos =
	    xv_bench_median_ns(RUNS, ROUNDS * 512ull, run_whole_page_oos, b);
	check_result(b);
	teardown(b);

	res.case_name = "whole_page_per_entry";
	res.ns_per_op = whole;
	res.baseline_ns_per_op = raw;
	res.target_ratio = 10.0;
	xv_bench_report(&res);
	res.case_name = "whole_page_oos_sync_per_entry";
	res.ns_per_op = whole_oos;
	xv_bench_report(&res);
	/* The engine's own overhead over the unavoidable pin/unpin + store. */
	res.case_name = "whole_page_vs_pin_floor";
	res.baseline_name = "pin_unpin_store_loop";
	res.ns_per_op = whole;
	res.baseline_ns_per_op = floor_ns;
	res.target_ratio = 3.0;
	xv_bench_report(&res);
	res.case_name = "single_pte_update";
	res.baseline_name = "raw_store_loop";
	res.baseline_ns_per_op = raw;
	res.ns_per_op = single;
	res.target_ratio = 1000.0;
	xv_bench_report(&res);
	free(b);
	return 0;
}
