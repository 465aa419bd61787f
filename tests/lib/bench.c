/*
 * bench.c — medians and reporting for the benchmarks.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t xv_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double xv_bench_median_ns(unsigned int runs, uint64_t ops,
			  void (*fn)(void *arg), void *arg)
{
	double samples[64];
	double median;

	if (runs == 0)
		runs = 1;
	if (runs > 64)
		runs = 64;
	if (ops == 0)
		ops = 1;
	fn(arg); /* warm-up */
	for (unsigned int i = 0; i < runs; i++) {
		uint64_t t0 = xv_bench_now_ns();

		fn(arg);
		samples[i] = (double)(xv_bench_now_ns() - t0) / (double)ops;
	}
	qsort(samples, runs, sizeof(samples[0]), cmp_double);
	median = runs % 2 ? samples[runs / 2]
			  : (samples[runs / 2 - 1] + samples[runs / 2]) / 2;
	return median;
}

void xv_bench_report(const struct xv_bench_result *r)
{
	double ratio = r->ns_per_op / r->baseline_ns_per_op;
	double speedup = r->baseline_ns_per_op / r->ns_per_op;
	bool met = r->target_speedup ? speedup >= r->target_ratio
				     : ratio <= r->target_ratio;

	printf("{\"bench\":\"%s\",\"case\":\"%s\",\"ns_per_op\":%.2f,"
	       "\"baseline\":\"%s\",\"baseline_ns_per_op\":%.2f,"
	       "\"ratio\":%.3f,\"target\":\"%s %.1f\",\"target_met\":%s,"
	       "\"runs\":%u}\n",
	       r->bench, r->case_name, r->ns_per_op, r->baseline_name,
	       r->baseline_ns_per_op, ratio,
	       r->target_speedup ? "speedup >=" : "ratio <=", r->target_ratio,
	       met ? "true" : "false", r->runs);
	if (r->target_speedup)
		printf("%s/%s: %.1f ns/op vs %s %.1f ns/op: %.1fx faster "
		       "(target >= %.1fx: %s), median of %u\n",
		       r->bench, r->case_name, r->ns_per_op, r->baseline_name,
		       r->baseline_ns_per_op, speedup, r->target_ratio,
		       met ? "met" : "MISSED", r->runs);
	else
		printf("%s/%s: %.1f ns/op vs %s %.1f ns/op: %.2fx the baseline "
		       "(target <= %.1fx: %s), median of %u\n",
		       r->bench, r->case_name, r->ns_per_op, r->baseline_name,
		       r->baseline_ns_per_op, ratio, r->target_ratio,
		       met ? "met" : "MISSED", r->runs);
	fflush(stdout);
}
