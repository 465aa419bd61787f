/*
 * bench-pasid.c — PASID churn: free a random allocated PASID, allocate the
 * lowest free one, at 50 % and 99 % occupancy of a 20-bit space.
 *
 * Subject: the real allocator (xv_pasid_alloc/xv_pasid_free on one vGPU,
 * with its lock, vPASID table and owner tables). Baseline: a plain bitmap
 * whose lowest free bit is found by a linear scan from PASID 1, a word at
 * a time. Both start from the same pre-filled state and see the same
 * random frees; both allocate lowest-free, so they make identical choices
 * and stay in the same state across runs.
 *
 * Steady state of this churn: holes near the bottom are refilled at once
 * and new ones appear uniformly, so the lowest hole climbs towards the top
 * of the allocated range, where a scan has to walk most of the bitmap.
 */
#include "bench.h"
#include "pasid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BITS	  20
#define NPASIDS	  (1u << BITS)
#define RUNS	  7
#define OPS_A_RUN 20000u

/*
 * Benchmarks link without CUnit, and xv-test.o (which holds xv_rng) needs
 * it: a local splitmix64 instead. Fixed seed: runs are comparable.
 */
struct bench_rng {
	uint64_t state;
};

static uint32_t rng_below(struct bench_rng *r, uint32_t bound)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (uint32_t)(((z >> 32) * bound) >> 32);
}

struct scan_alloc {
	uint64_t words[NPASIDS / 64];
};

static int scan_alloc_get(struct scan_alloc *a, uint32_t *out)
{
	/* start at PASID 1: bit 0 is reserved and stays set */
	for (uint32_t w = 0; w < NPASIDS / 64; w++) {
		if (a->words[w] == ~0ull)
			continue;
		uint32_t b = (uint32_t)__builtin_ctzll(~a->words[w]);
		a->words[w] |= 1ull << b;
		*out = w * 64 + b;
		return 0;
	}
	return -1;
}

static void scan_alloc_put(struct scan_alloc *a, uint32_t p)
{
	a->words[p / 64] &= ~(1ull << (p % 64));
}

struct churn {
	uint32_t *held; /* the allocated PASIDs, in any order */
	uint32_t nheld;
	struct bench_rng rng;
	/* subject */
	struct xv_pasid_space *space;
	struct xv_pasid_vgpu *vgpu;
	/* baseline */
	struct scan_alloc *scan;
	int errors;
};

static void churn_subject(void *arg)
{
	struct churn *c = arg;
	uint32_t vp = 0, pp;

	for (uint32_t i = 0; i < OPS_A_RUN; i++) {
		uint32_t k = rng_below(&c->rng, c->nheld);

		if (xv_pasid_free(c->vgpu, c->held[k]) ||
		    xv_pasid_alloc(c->vgpu, &vp, &pp, NULL))
			c->errors++;
		c->held[k] = vp;
	}
}

static void churn_baseline(void *arg)
{
	struct churn *c = arg;
	uint32_t p = 0;

	for (uint32_t i = 0; i < OPS_A_RUN; i++) {
		uint32_t k = rng_below(&c->rng, c->nheld);

		scan_alloc_put(c->scan, c->held[k]);
		if (scan_alloc_get(c->scan, &p))
			c->errors++;
		c->held[k] = p;
	}
}

static int run_case(const char *name, double occupancy, uint64_t seed)
{
	struct churn subj = {0}, base = {0};
	uint32_t n = (uint32_t)((double)(NPASIDS - 1) * occupancy);
	uint32_t vp, pp;
	double ns, base_ns;
	int rc = 1;

	subj.held = calloc(n, sizeof(uint32_t));
	base.held = calloc(n, sizeof(uint32_t));
	base.scan = calloc(1, sizeof(*base.scan));
	if (!subj.held || !base.held || !base.scan)
		goto out;
	if (xv_pasid_space_new(BITS, &subj.space) ||
	    xv_pasid_vgpu_new(subj.space, NPASIDS - 1, BITS, &subj.vgpu))
		goto out;
	base.scan->words[0] = 1; /* PASID 0 reserved */
	for (uint32_t i = 0; i < n; i++) {
		/* lowest-free from empty hands out 1..n in order; set the
		 * baseline's bits directly (scanning here would be O(n^2)) */
		if (xv_pasid_alloc(subj.vgpu, &vp, &pp, NULL) || vp != i + 1)
			goto out;
		subj.held[i] = base.held[i] = vp;
		base.scan->words[vp / 64] |= 1ull << (vp % 64);
	}
	subj.nheld = base.nheld = n;
	subj.rng.state = base.rng.state = seed;

	ns = xv_bench_median_ns(RUNS, OPS_A_RUN, churn_subject, &subj);
	base_ns = xv_bench_median_ns(RUNS, OPS_A_RUN, churn_baseline, &base);
	/* same choices, same state: a cheap check the two did the same work */
	if (subj.errors || base.errors ||
	    memcmp(subj.held, base.held, n * sizeof(uint32_t))) {
		fprintf(stderr, "%s: allocators diverged\n", name);
		goto out;
	}
	xv_bench_report(&(struct xv_bench_result){
	    .bench = "pasid",
	    .case_name = name,
	    .ns_per_op = ns,
	    .baseline_name = "linear_bitmap_scan",
	    .baseline_ns_per_op = base_ns,
	    .target_ratio = 10.0,
	    .target_speedup = true,
	    .runs = RUNS,
	});
	rc = 0;
out:
	xv_pasid_vgpu_free(subj.vgpu);
	xv_pasid_space_free(subj.space);
	free(subj.held);
	free(base.held);
	free(base.scan);
	return rc;
}

int main(void)
{
	uint64_t seed = 0x5853; /* fixed: the same churn every time */
	int rc = 0;

	printf("one op = free a random allocated PASID + allocate lowest "
	       "free, 2^%d space\n",
	       BITS);
	rc |= run_case("churn_50pct", 0.50, seed);
	rc |= run_case("churn_99pct", 0.99, seed);
	return rc;
}
