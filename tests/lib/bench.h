/*
 * bench.h — timing helpers for the benchmarks in tests/bench.
 *
 * A benchmark measures its subject and a baseline in the same run, repeats
 * each several times, and reports medians: one JSON object per figure on
 * a line of its own (collected by tests/run-bench.sh) and a line a human
 * reads. Nothing here asserts on timing.
 */
#ifndef XV_BENCH_H
#define XV_BENCH_H

#include <stdbool.h>
#include <stdint.h>

/* Monotonic clock in nanoseconds. */
uint64_t xv_bench_now_ns(void);

/*
 * Run fn(arg) `runs` times; each call performs `ops` operations. Returns the
 * median nanoseconds per operation. A first untimed call warms caches.
 */
double xv_bench_median_ns(unsigned int runs, uint64_t ops,
			  void (*fn)(void *arg), void *arg);

/*
 * Paired runs, for a ratio that drifting machine load cannot skew: after
 * one warm-up call of each, `runs` times fn_a then fn_b, each pair giving
 * the ratio (fn_a's ns per op) / (fn_b's). Returns the median of those
 * ratios; *a_ns and *b_ns get each side's median ns per op.
 */
double xv_bench_paired(unsigned int runs, uint64_t ops_a,
		       void (*fn_a)(void *arg), void *arg_a, uint64_t ops_b,
		       void (*fn_b)(void *arg), void *arg_b, double *a_ns,
		       double *b_ns);

struct xv_bench_result {
	const char *bench;     /* e.g. "pasid" */
	const char *case_name; /* e.g. "alloc_free_99pct" */
	double ns_per_op;
	const char *baseline_name;
	double baseline_ns_per_op;
	/* Target, as "subject/baseline <= target_ratio" (or >= when
	 * target_higher_is_better): e.g. 2.0 for "hit within 2x". */
	double target_ratio;
	bool target_speedup; /* target is baseline/subject >= target_ratio */
	unsigned int runs;
	/* > 0: subject/baseline as xv_bench_paired measured it (the median
	 * of per-pair ratios), reported instead of the ratio of medians. */
	double paired_ratio;
};

/* Print the JSON line and the human line. */
void xv_bench_report(const struct xv_bench_result *r);

/* Keep the optimiser from discarding a computed value. */
#define xv_bench_use(v) __asm__ volatile("" : : "r"(v) : "memory")

#endif /* XV_BENCH_H */
