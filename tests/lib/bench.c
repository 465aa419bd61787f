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

static double median_of(double *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double time_per_op(uint64_t ops, void (*fn)(void *arg), void *arg)
{
	uint64_t t0 = xv_bench_now_ns();

	fn(arg);
	return (double)(xv_bench_now_ns() - t0) / (double)(ops ? ops : 1);
}

double xv_bench_median_ns(unsigned int runs, uint64_t ops,
			  void (*fn)(void *arg), void *arg)
{
	double samples[64];

	if (runs == 0)
		runs = 1;
	if (runs > 64)
		runs = 64;
	fn(arg); /* warm-up */
	for (unsigned int i = 0; i < runs; i++)
		samples[i] = time_per_op(ops, fn, arg);
	return median_of(samples, runs);
}

double xv_bench_paired(unsigned int runs, uint64_t ops_a,
		       void (*fn_a)(void *arg), void *arg_a, uint64_t ops_b,
		       void (*fn_b)(void *arg), void *arg_b, double *a_ns,
		       double *b_ns)
{
	double a[64], b[64], ratio[64];

	if (runs == 0)
		runs = 1;
	if (runs > 64)
		runs = 64;
	fn_a(arg_a); /* warm-up */
	fn_b(arg_b);
	for (unsigned int i = 0; i < runs; i++) {
		a[i] = time_per_op(ops_a, fn_a, arg_a);
		b[i] = time_per_op(ops_b, fn_b, arg_b);
		ratio[i] = a[i] / b[i];
	}
	*a_ns = median_of(a, runs);
	*b_ns = median_of(b, runs);
	return median_of(ratio, runs);
}

void xv_bench_report(const struct xv_bench_result *r)
{
	double ratio = r->paired_ratio > 0
			   ? r->paired_ratio
			   : r->ns_per_op / r->baseline_ns_per_op;
	double speedup = 1.0 / ratio;
	bool met = r->target_speedup ? speedup >= r->target_ratio
				     : ratio <= r->target_ratio;

	printf("{\"bench\":\"%s\",\"case\":\"%s\",\"ns_per_op\":%.2f,"
	       "\"baseline\":\"%s\",\"baseline_ns_per_op\":%.2f,"
	       "\"ratio\":%.3f,\"target\":\"%s %.1f\",\"target_met\":%s,"
	       "\"runs\":%u,\"paired\":%s}\n",
	       r->bench, r->case_name, r->ns_per_op, r->baseline_name,
	       r->baseline_ns_per_op, ratio,
	       r->target_speedup ? "speedup >=" : "ratio <=", r->target_ratio,
	       met ? "true" : "false", r->runs,
	       r->paired_ratio > 0 ? "true" : "false");
	if (r->target_speedup)
		printf("%s/%s: %.1f ns/op vs %s %.1f ns/op: %.1fx faster "
		       "(target >= %.1fx: %s), median of %u%s\n",
		       r->bench, r->case_name, r->ns_per_op, r->baseline_name,
		       r->baseline_ns_per_op, speedup, r->target_ratio,
		       met ? "met" : "MISSED", r->runs,
		       r->paired_ratio > 0 ? " paired runs" : "");
	else
		printf("%s/%s: %.1f ns/op vs %s %.1f ns/op: %.2fx the baseline "
		       "(target <= %.1fx: %s), median of %u%s\n",
		       r->bench, r->case_name, r->ns_per_op, r->baseline_name,
		       r->baseline_ns_per_op, ratio, r->target_ratio,
		       met ? "met" : "MISSED", r->runs,
		       r->paired_ratio > 0 ? " paired runs" : "");
	fflush(stdout);
}
