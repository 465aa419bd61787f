/*
 * xv-test.h — shared helpers for the CUnit suites and the benchmarks.
 *
 * xv_test_main() registers the suites, runs them and exits non-zero when
 * any assertion or test failed: CU_basic_run_tests() alone returns
 * CUE_SUCCESS even when tests failed, so we ask CU_get_number_of_failures().
 *
 * Randomized tests draw from xv_rng, seeded from $XV_SEED when set and
 * from the clock otherwise; the seed is printed so a failure can be rerun
 * with the same sequence.
 */
#ifndef XV_TEST_H
#define XV_TEST_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include "limits.h"

struct xv_test_case {
	const char *name;
	void (*fn)(void);
};

struct xv_test_suite {
	const char *name;
	const struct xv_test_case *cases; /* terminated by { NULL, NULL } */
	int (*init)(void);		  /* may be NULL */
	int (*cleanup)(void);		  /* may be NULL */
};

/* Run the NULL-terminated list of suites; returns the process exit code. */
int xv_test_main(const struct xv_test_suite *const *suites);

/*
 * A mid-range limit set every check accepts (xv_proto, xenstore): 16
 * contexts and PASIDs of 8 bits, 64 Ki pinned pages, 1 MiB command
 * buffers, rings up to order 2, every feature. Suites start from it and
 * change the fields they test.
 */
struct xv_limits xv_test_limits(void);

/* ---- deterministic random numbers (splitmix64) ---------------------------- */
struct xv_rng {
	uint64_t state;
};

/* Seed from $XV_SEED or the clock; prints "seed: N (rerun with XV_SEED=N)". */
uint64_t xv_test_seed(const char *what);
void xv_rng_init(struct xv_rng *rng, uint64_t seed);
uint64_t xv_rng_next(struct xv_rng *rng);
/* Uniform in [0, bound); bound > 0. */
uint64_t xv_rng_below(struct xv_rng *rng, uint64_t bound);

/* Number of steps for randomized tests: $XV_STEPS or the given default. */
unsigned long xv_test_steps(unsigned long dflt);

#endif /* XV_TEST_H */
