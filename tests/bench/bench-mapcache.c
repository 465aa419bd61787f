/*
 * bench-mapcache.c — the map cache's own cost on hits and misses, against
 * a bare open-addressing table (written here, same hash, same load factor,
 * same keys) measured in the same run.
 *
 * Figures (per guest page):
 *  - pin_unpin_hit: a pin of a cached page (in batches of 512) and its
 *    unpin, vs the bare table doing what that minimally needs: find + ref++
 *    and find + ref--. Target <= 2x.
 *  - lookup: xv_mapcache_lookup vs one bare find. Target <= 2x.
 *  - pin_held_token_dense / _sparse: the shadow engine's pattern, a pin
 *    of a page already pinned elsewhere (in batches of 512) and its unpin
 *    by token, with dense grant references (1..16384: the grant index)
 *    and with random 32-bit ones (past the index: the hash); vs the bare
 *    table doing find + ref++ and a ref-- through the found slot, on the
 *    same keys. Target <= 2x.
 *  - miss_evict: a pin of an uncached page, its unpin and its eviction
 *    (drop_unused), with a mapper double that computes page addresses and
 *    a no-op IOMMU, so only the cache's own work (table, IOVA allocator,
 *    entries, LRU) is timed; vs bare insert + delete. Informational.
 */
#include "mapcache.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define NKEYS 16384u
#define BATCH XV_PIN_BATCH_MAX
#define RUNS  11u

static xv_gaddr_t keys[NKEYS];
static xv_gaddr_t dense[NKEYS]; /* grant refs 1..NKEYS */

/* splitmix64; xv_rng lives with the CUnit runner, which benches don't link. */
static uint64_t mix_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- doubles: the mapper returns made-up aligned addresses; no IOMMU ---- */

static int null_map(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
		    unsigned int n, enum xv_pin_access access, void **pages)
{
	(void)ctx;
	(void)domid;
	(void)access;
	for (unsigned int i = 0; i < n; i++)
		pages[i] = (void *)(uintptr_t)((gaddr[i] & 0xffffffffff000ull) |
					       (1ull << 44));
	return 0;
}

static void null_unmap(void *ctx, void *const *pages, unsigned int n)
{
	(void)ctx;
	(void)pages;
	(void)n;
}

static const struct xv_mapper_ops null_mapper = {null_map, null_unmap};

static int nop_map(void *impl, xv_iommu_ctx_t c, const struct xv_iommu_map *m,
		   unsigned int n)
{
	(void)impl, (void)c, (void)m, (void)n;
	return 0;
}

static int nop_unmap(void *impl, xv_iommu_ctx_t c, const xv_iova_t *iova,
		     unsigned int n)
{
	(void)impl, (void)c, (void)iova, (void)n;
	return 0;
}

static int nop_flush(void *impl, xv_iommu_ctx_t c, xv_iova_t iova,
		     uint64_t npages)
{
	(void)impl, (void)c, (void)iova, (void)npages;
	return 0;
}

static const struct xv_iommu_ops nop_iommu = {
    .map_batch = nop_map,
    .unmap_batch = nop_unmap,
    .flush = nop_flush,
};

/* ---- the baseline: a minimal open-addressing table ---------------------- */

struct bare_slot {
	uint64_t key;
	uint32_t refs;
	uint32_t val;
};

static struct bare_slot *bare;
static uint64_t bare_mask;
static unsigned int bare_shift;

static inline struct bare_slot *bare_find(uint64_t key)
{
	uint64_t i = (key * 0x9e3779b97f4a7c15ull) >> bare_shift;

	for (;;) {
		if (bare[i].key == key)
			return &bare[i];
		if (!bare[i].key)
			return NULL;
		i = (i + 1) & bare_mask;
	}
}

static inline struct bare_slot *bare_insert(uint64_t key)
{
	uint64_t i = (key * 0x9e3779b97f4a7c15ull) >> bare_shift;

	while (bare[i].key && bare[i].key != key)
		i = (i + 1) & bare_mask;
	bare[i].key = key;
	return &bare[i];
}

static inline void bare_delete(uint64_t key)
{
	uint64_t i = (key * 0x9e3779b97f4a7c15ull) >> bare_shift, j, k;

	while (bare[i].key != key)
		i = (i + 1) & bare_mask;
	for (j = i;;) {
		j = (j + 1) & bare_mask;
		if (!bare[j].key)
			break;
		k = (bare[j].key * 0x9e3779b97f4a7c15ull) >> bare_shift;
		if (((j - k) & bare_mask) >= ((j - i) & bare_mask)) {
			bare[i] = bare[j];
			i = j;
		}
	}
	bare[i].key = 0;
}

/* ---- the timed loops ---------------------------------------------------- */

static struct xv_mapcache *mc_hit, *mc_miss;
static struct xv_pin pins[BATCH];

static void run_pin_unpin_hit(void *arg)
{
	(void)arg;
	for (unsigned int b = 0; b < NKEYS; b += BATCH) {
		xv_mapcache_pin_batch(mc_hit, keys + b, BATCH, XV_PIN_READ,
				      pins);
		xv_mapcache_unpin_batch(mc_hit, keys + b, BATCH, XV_PIN_READ);
	}
}

static void run_bare_find_ref(void *arg)
{
	(void)arg;
	for (unsigned int b = 0; b < NKEYS; b += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++) {
			struct bare_slot *s = bare_find(keys[b + i] | 1);

			s->refs++;
			pins[i].iova = s->val;
		}
		for (unsigned int i = 0; i < BATCH; i++)
			bare_find(keys[b + i] | 1)->refs--;
	}
	xv_bench_use(pins[0].iova);
}

/* arg: the key set, all of it pinned once in mc_held. */
static struct xv_mapcache *mc_held;
static uint64_t toks[BATCH];
static struct bare_slot *slots[BATCH];

static void run_pin_held_token(void *arg)
{
	const xv_gaddr_t *k = arg;

	for (unsigned int b = 0; b < NKEYS; b += BATCH) {
		xv_mapcache_pin_batch(mc_held, k + b, BATCH, XV_PIN_READ, pins);
		for (unsigned int i = 0; i < BATCH; i++)
			toks[i] = pins[i].token;
		xv_mapcache_unpin_tokens(mc_held, toks, BATCH, XV_PIN_READ);
	}
}

static void run_bare_find_ref_token(void *arg)
{
	const xv_gaddr_t *k = arg;

	for (unsigned int b = 0; b < NKEYS; b += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++) {
			struct bare_slot *s = bare_find(k[b + i] | 1);

			s->refs++;
			pins[i].iova = s->val;
			slots[i] = s;
		}
		for (unsigned int i = 0; i < BATCH; i++)
			slots[i]->refs--;
	}
	xv_bench_use(pins[0].iova);
}

static void run_lookup(void *arg)
{
	struct xv_mapcache_entry_info info;
	uint64_t sum = 0;

	(void)arg;
	for (unsigned int i = 0; i < NKEYS; i++) {
		xv_mapcache_lookup(mc_hit, keys[i], XV_PIN_READ, &info);
		sum += info.iova;
	}
	xv_bench_use(sum);
}

static void run_bare_find(void *arg)
{
	uint64_t sum = 0;

	(void)arg;
	for (unsigned int i = 0; i < NKEYS; i++)
		sum += bare_find(keys[i] | 1)->val;
	xv_bench_use(sum);
}

static void run_miss_evict(void *arg)
{
	(void)arg;
	for (unsigned int b = 0; b < NKEYS; b += BATCH) {
		xv_mapcache_pin_batch(mc_miss, keys + b, BATCH, XV_PIN_READ,
				      pins);
		xv_mapcache_unpin_batch(mc_miss, keys + b, BATCH, XV_PIN_READ);
		xv_mapcache_drop_unused(mc_miss);
	}
}

static void run_bare_insert_delete(void *arg)
{
	(void)arg;
	/* A second key set, offset so it does not collide with the first. */
	for (unsigned int b = 0; b < NKEYS; b += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++)
			bare_insert((keys[b + i] | 1) + (1ull << 52))->refs = 1;
		for (unsigned int i = 0; i < BATCH; i++)
			bare_delete((keys[b + i] | 1) + (1ull << 52));
	}
}

static struct xv_mapcache *make_cache(uint32_t quota)
{
	struct xv_mapcache_config cfg = {
	    .domid = 1,
	    .max_pages = quota,
	    .mapper = &null_mapper,
	    .iommu = {&nop_iommu, NULL},
	    .iova_base = 1ull << 20,
	    .iova_size = 1ull << 36,
	};
	struct xv_mapcache *mc = NULL;

	if (xv_mapcache_new(&cfg, &mc)) {
		fprintf(stderr, "bench-mapcache: cannot make a cache\n");
		exit(1);
	}
	return mc;
}

int main(void)
{
	uint64_t rng = 42;
	unsigned int cap = 2 * NKEYS, order = 0;
	struct xv_bench_result r;

	/* Grant-based guest addresses: bit 63, a random grant reference. */
	for (unsigned int i = 0; i < NKEYS; i++)
		keys[i] =
		    (1ull << 63) | ((mix_next(&rng) & 0xffffffffull) << 12);

	/* The bare table: same load as the cache's (<= 1/2), both sets. */
	cap *= 2;
	while ((1u << order) < cap)
		order++;
	bare = calloc((size_t)1 << order, sizeof(*bare));
	if (!bare)
		return 1;
	bare_mask = ((uint64_t)1 << order) - 1;
	bare_shift = 64 - order;
	for (unsigned int i = 0; i < NKEYS; i++) {
		dense[i] = (1ull << 63) | (uint64_t)(i + 1) << 12;
		bare_insert(keys[i] | 1)->val = i;
		bare_insert(dense[i] | 1)->val = i;
	}

	mc_hit = make_cache(NKEYS);
	for (unsigned int b = 0; b < NKEYS; b += BATCH) {
		if (xv_mapcache_pin_batch(mc_hit, keys + b, BATCH, XV_PIN_READ,
					  pins))
			return 1;
		xv_mapcache_unpin_batch(mc_hit, keys + b, BATCH, XV_PIN_READ);
	}
	mc_miss = make_cache(BATCH);
	/* Both key sets pinned once and held: the engine's case. */
	mc_held = make_cache(2 * NKEYS);
	for (unsigned int b = 0; b < NKEYS; b += BATCH)
		if (xv_mapcache_pin_batch(mc_held, keys + b, BATCH, XV_PIN_READ,
					  pins) ||
		    xv_mapcache_pin_batch(mc_held, dense + b, BATCH,
					  XV_PIN_READ, pins))
			return 1;

	r = (struct xv_bench_result){
	    .bench = "mapcache",
	    .case_name = "pin_unpin_hit",
	    .ns_per_op =
		xv_bench_median_ns(RUNS, NKEYS, run_pin_unpin_hit, NULL),
	    .baseline_name = "bare_find_ref_x2",
	    .baseline_ns_per_op =
		xv_bench_median_ns(RUNS, NKEYS, run_bare_find_ref, NULL),
	    .target_ratio = 2.0,
	    .runs = RUNS,
	};
	xv_bench_report(&r);

	r.case_name = "pin_held_token_dense";
	r.ns_per_op =
	    xv_bench_median_ns(RUNS, NKEYS, run_pin_held_token, dense);
	r.baseline_name = "bare_find_ref_token";
	r.baseline_ns_per_op =
	    xv_bench_median_ns(RUNS, NKEYS, run_bare_find_ref_token, dense);
	xv_bench_report(&r);

	r.case_name = "pin_held_token_sparse";
	r.ns_per_op = xv_bench_median_ns(RUNS, NKEYS, run_pin_held_token, keys);
	r.baseline_ns_per_op =
	    xv_bench_median_ns(RUNS, NKEYS, run_bare_find_ref_token, keys);
	xv_bench_report(&r);

	r.case_name = "lookup";
	r.ns_per_op = xv_bench_median_ns(RUNS, NKEYS, run_lookup, NULL);
	r.baseline_name = "bare_find";
	r.baseline_ns_per_op =
	    xv_bench_median_ns(RUNS, NKEYS, run_bare_find, NULL);
	xv_bench_report(&r);

	r.case_name = "miss_evict";
	r.ns_per_op = xv_bench_median_ns(RUNS, NKEYS, run_miss_evict, NULL);
	r.baseline_name = "bare_insert_delete";
	r.baseline_ns_per_op =
	    xv_bench_median_ns(RUNS, NKEYS, run_bare_insert_delete, NULL);
	r.target_ratio = 10.0; /* informational: a miss maps a page */
	xv_bench_report(&r);

	xv_mapcache_free(mc_hit);
	xv_mapcache_free(mc_miss);
	xv_mapcache_free(mc_held);
	free(bare);
	return 0;
}
