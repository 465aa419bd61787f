/*
 * xv-test.c — CUnit runner and the seeded generator used by the suites.
 */
#include "xv-test.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <CUnit/Basic.h>

#include "vgpuif.h"

int xv_test_main(const struct xv_test_suite *const *suites)
{
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return 2;
	}
	for (; *suites; suites++) {
		const struct xv_test_suite *s = *suites;
		CU_pSuite cs = CU_add_suite(s->name, s->init, s->cleanup);

		if (!cs)
			goto cunit_error;
		for (const struct xv_test_case *c = s->cases; c->name; c++)
			if (!CU_add_test(cs, c->name, c->fn))
				goto cunit_error;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto cunit_error;
	failures =
	    CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;

cunit_error:
	fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 2;
}

uint64_t xv_test_seed(const char *what)
{
	const char *env = getenv("XV_SEED");
	uint64_t seed;

	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007u + (uint64_t)ts.tv_nsec;
	}
	printf("\n  %s: seed %" PRIu64 " (rerun with XV_SEED=%" PRIu64 ")\n",
	       what, seed, seed);
	return seed;
}

void xv_rng_init(struct xv_rng *rng, uint64_t seed)
{
	rng->state = seed;
}

uint64_t xv_rng_next(struct xv_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t xv_rng_below(struct xv_rng *rng, uint64_t bound)
{
	/* Lemire's multiply-shift; the tiny bias is irrelevant for tests. */
	return (uint64_t)(((unsigned __int128)xv_rng_next(rng) * bound) >> 64);
}

unsigned long xv_test_steps(unsigned long dflt)
{
	const char *env = getenv("XV_STEPS");

	return env && *env ? strtoul(env, NULL, 0) : dflt;
}

struct xv_limits xv_test_limits(void)
{
	struct xv_limits l = {
	    .max_contexts = 16,
	    .max_pinned_pages = 65536,
	    .pasid_width = 8,
	    .max_pasids = 16,
	    .max_queued_bytes = 16u << 20,
	    .max_cmd_bytes = 1u << 20,
	    .ring_order_max = 2,
	    .sched_weight = 100,
	    .features = XV_FEATURE_ALL,
	    .oos_pages = 64,
	};
	return l;
}
