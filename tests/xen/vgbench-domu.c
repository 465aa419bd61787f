/*
 * vgbench-domu.c — the domU side of the bed's benchmarks (issue 5; run by
 * tests/bed/bench/30-vgpu.sh, `make bench-bed`). Not a test: it measures,
 * checks its results are right (a wrong result is not a figure), and
 * prints; the host turns its lines into build/bench/bed-results.json.
 *
 * dom0 says what to run in data/vgbench/mode (relative to this domain's
 * xenstore home) before it starts us:
 *  "full"   1. end-to-end throughput through the vGPU of the same
 *              submissions and sizes as tests/bench/bench-gpu-direct.c,
 *              which runs in dom0 as the direct baseline and conducts:
 *              once we say "e2e-ready" (buffers allocated and mapped), it
 *              alternates its own measurement with ours, asking for each
 *              of ours in "e2e-go-<seq>" = "<case> <runs>" and reading
 *              the answer from "e2e-done-<seq>" = "ok <ns a run> <ns in
 *              xenvgpu_submit a run> <our CPU ns a run>", until
 *              "e2e-go-<seq>" = "end". Cases: COPY of 16 MiB, SAXPY over
 *              4 Mi floats, MATMUL 256^3. Each answer: one untimed
 *              submission, then the median of <runs>, each timed from
 *              xenvgpu_submit to its fence; buffers and mappings are set
 *              up outside the timing. Every case's result is checked bit
 *              for bit once dom0 moves on from it. Nothing is printed
 *              between the measurements (our console is relayed by dom0,
 *              where the direct side runs) and every wait is on a
 *              xenstore watch, not a poll.
 *           2. the steady-state grant window (below);
 *           3. submission round trip (a 4-octet FILL, submit + fence
 *              wait), one at a time and in bursts of BURST submissions
 *              waiting only for the last fence, with notification
 *              hold-off (XV_FEATURE_HOLDOFF acked) and, on a second
 *              handle opened with features_refuse = HOLDOFF, without:
 *              JSON + human lines (tests/lib/bench.h), baseline = the
 *              same loop without hold-off.
 *  "grants" only the grant window: the daemon runs with --no-pin-cache.
 *  "pairs"  only the throughput pairs (1.), for a shorter bed run.
 *
 * The grant window: WARMUP tiny submissions, then "ready"; dom0 snapshots
 * the daemon's counters and attaches strace to it, then writes "go"; we
 * run WINDOW submissions (submit + fence wait) and say "done"; dom0
 * detaches, counts the gntdev map/unmap ioctls, and writes "counted".
 *
 * Times are taken around whole loops (the clock costs tens of
 * microseconds in a PV guest), never inside one.
 * Exit status: 0 all ran and every checked result matched; 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "bench.h"
#include "cmd.h"
#include "cpu-ref.h"
#include "libxenvgpu.h"
#include "vgtest.h"

#define RUNS	  5u
#define MAX_RUNS  64u /* xv_bench_median_ns's most */
#define COPY_MB	  16u
#define SAXPY_N	  (4u << 20)
#define MM	  256u
#define RT_LOOP	  100u /* round trips in one timed run */
#define BURST	  16u  /* submissions before one fence wait */
#define WARMUP	  50u
#define WINDOW	  1000u
#define WAIT_SECS 600

/* GPU VAs: X and Y hold the COPY/SAXPY data, A B C the matrices, S the
 * round trip's target. The same roles as bench-gpu-direct's buffers. */
#define VA_X 0x0000000100000000ull
#define VA_Y 0x0000000140000000ull
#define VA_A 0x0000000180000000ull
#define VA_B 0x00000001c0000000ull
#define VA_C 0x0000000200000000ull
#define VA_S 0x0000000240000000ull

struct vgb {
	struct xenvgpu *h;
	struct xenvgpu_ctx *ctx;
	struct xenvgpu_buf *buf[6]; /* X Y A B C S */
	uint64_t fence;
	uint8_t cmd[256];
	size_t cmd_len;
	unsigned int burst; /* submissions per fence wait */
	uint64_t submit_ns; /* time inside xenvgpu_submit, summed */
	int failures;
	/* the throughput pairs (pairs()) */
	int cur_case;		 /* -1: none yet */
	unsigned int saxpy_runs; /* SAXPY submissions run since its data */
	float *ref;		 /* the CPU's result, COPY_MB MiB */
};

static struct xs_handle *xs;

static void failed(struct vgb *v, const char *what, int rc)
{
	fprintf(stderr, "vgbench: %s: %s (%d)\n", what, xenvgpu_strerror(rc),
		rc);
	v->failures++;
}

/* ---- talking to dom0 (data/vgbench/<key>, our xenstore home) ---------- */

static int put(const char *key, const char *val)
{
	char path[96];

	snprintf(path, sizeof(path), "data/vgbench/%s", key);
	return vgt_put(xs, path, val);
}

/*
 * The value of key (malloc'd) once it exists, NULL after WAIT_SECS.
 * Blocked on a watch between looks, not polling: dom0 measures while we
 * wait, and every xenstore read costs its xenstored CPU.
 */
static char *await(const char *key)
{
	uint64_t deadline = xv_bench_now_ns() + WAIT_SECS * 1000000000ull;
	char path[96];
	char *val, **w;
	unsigned int len;
	bool watched;

	snprintf(path, sizeof(path), "data/vgbench/%s", key);
	watched = xs_watch(xs, path, "vgb");
	for (;;) {
		struct pollfd pfd = {xs_fileno(xs), POLLIN, 0};

		val = xs_read(xs, XBT_NULL, path, &len);
		if (val || xv_bench_now_ns() > deadline)
			break;
		if (!watched) {
			usleep(200000);
			continue;
		}
		/* a look every 5 s anyway, should an event not come */
		if (poll(&pfd, 1, 5000) > 0)
			while ((w = xs_check_watch(xs)) != NULL)
				free(w);
	}
	if (watched)
		xs_unwatch(xs, path, "vgb");
	if (!val)
		fprintf(stderr, "vgbench: dom0 never wrote %s\n", path);
	return val;
}

/* ---- the vGPU ---------------------------------------------------------- */

static int open_vgpu(struct vgb *v, bool holdoff)
{
	struct xenvgpu_opts o;
	struct xenvgpu_caps caps;
	char why[256] = "";
	int rc;

	vgt_opts_init(&o, 60000, why, sizeof(why));
	/* The round trip's baseline: a frontend that does not ack hold-off
	 * notifies on every push and is notified on every response. */
	o.features_refuse = holdoff ? 0 : XENVGPU_FEATURE_HOLDOFF;
	rc = xenvgpu_open_opts(&o, &v->h);
	if (rc) {
		fprintf(stderr, "vgbench: open: %s %s\n", xenvgpu_strerror(rc),
			why);
		v->failures++;
		return rc;
	}
	rc = xenvgpu_query_caps(v->h, &caps);
	if (rc) {
		failed(v, "query caps", rc);
		return rc;
	}
	printf("vgbench: vGPU open, features acked 0x%x (hold-off %s), "
	       "ring %u slots, max-pinned-pages %u\n",
	       caps.features,
	       caps.features & XENVGPU_FEATURE_HOLDOFF ? "on" : "off",
	       caps.ring_slots, caps.max_pinned_pages);
	rc = xenvgpu_ctx_create(v->h, 0, &v->ctx, NULL);
	if (rc)
		failed(v, "context create", rc);
	return rc;
}

/* Allocate and map buffer i of bytes at va. */
static int add_buf(struct vgb *v, int i, size_t bytes, uint64_t va,
		   uint32_t flags)
{
	int rc = xenvgpu_buf_alloc(v->h, bytes, &v->buf[i]);

	if (rc) {
		failed(v, "buffer alloc", rc);
		return rc;
	}
	rc = xenvgpu_map(v->ctx, v->buf[i], va, flags);
	if (rc)
		failed(v, "map", rc);
	return rc;
}

static void close_vgpu(struct vgb *v)
{
	const uint64_t va[6] = {VA_X, VA_Y, VA_A, VA_B, VA_C, VA_S};
	int rc;

	for (int i = 0; i < 6; i++) {
		if (!v->buf[i])
			continue;
		rc = xenvgpu_unmap(v->ctx, va[i]);
		if (rc && rc != -ENOENT)
			failed(v, "unmap", rc);
		rc = xenvgpu_buf_free(v->buf[i]);
		if (rc)
			failed(v, "buffer free", rc);
		v->buf[i] = NULL;
	}
	rc = xenvgpu_ctx_destroy(v->ctx);
	if (rc)
		failed(v, "context destroy", rc);
	v->ctx = NULL;
	rc = xenvgpu_close(v->h);
	if (rc)
		failed(v, "close", rc);
	v->h = NULL;
}

/* v->burst submissions of v->cmd, then a wait for the last fence. */
static void submit_wait(void *arg)
{
	struct vgb *v = arg;
	int rc;

	uint64_t t0 = xv_bench_now_ns();

	if (v->failures)
		return;
	for (unsigned int i = 0; i < v->burst; i++) {
		rc = xenvgpu_submit(v->ctx, v->cmd, v->cmd_len, ++v->fence);
		if (rc) {
			failed(v, "submit", rc);
			return;
		}
	}
	/* the clock twice a burst: only the big submissions look at it */
	v->submit_ns += xv_bench_now_ns() - t0;
	rc = xenvgpu_fence_wait(v->ctx, v->fence, -1);
	if (rc)
		failed(v, "fence wait", rc);
}

/* RT_LOOP / burst rounds of submit_wait: one timed run of a round trip. */
static void round_trips(void *arg)
{
	struct vgb *v = arg;

	for (unsigned int i = 0; i < RT_LOOP / v->burst; i++)
		submit_wait(v);
}

static void set_cmd(struct vgb *v, const struct xv_cmd_builder *b)
{
	v->cmd_len = b->len;
	v->burst = 1;
}

/* The tiny submission of the round trip and grant window. */
static void tiny_cmd(struct vgb *v)
{
	struct xv_cmd_builder b;

	xv_cmd_builder_init(&b, v->cmd, sizeof(v->cmd));
	xv_cmd_fill(&b, VA_S, 4, 0x5a5a5a5au);
	set_cmd(v, &b);
}

static void check(struct vgb *v, const char *what, const void *got,
		  const void *want, size_t bytes)
{
	if (memcmp(got, want, bytes)) {
		fprintf(stderr, "vgbench: %s: result MISMATCH\n", what);
		v->failures++;
	} else {
		printf("vgbench: %s result bit-exact (%zu octets)\n", what,
		       bytes);
	}
}

static const char *const case_names[] = {"copy_16MiB", "saxpy_4M",
					 "matmul_256"};

/* The inputs of case c (the same data as bench-gpu-direct's), and its
 * command in v->cmd. */
static void case_begin(struct vgb *v, int c)
{
	const size_t copy_bytes = (size_t)COPY_MB << 20;
	struct xv_cmd_builder b;
	uint8_t *x = xenvgpu_buf_ptr(v->buf[0]),
		*y = xenvgpu_buf_ptr(v->buf[1]);
	float *a = xenvgpu_buf_ptr(v->buf[2]), *bm = xenvgpu_buf_ptr(v->buf[3]);

	xv_cmd_builder_init(&b, v->cmd, sizeof(v->cmd));
	if (c == 0) {
		for (size_t i = 0; i < copy_bytes; i++)
			x[i] = (uint8_t)(i * 131);
		xv_cmd_copy(&b, VA_X, VA_Y, copy_bytes);
	} else if (c == 1) {
		for (size_t i = 0; i < SAXPY_N; i++) {
			((float *)x)[i] = (float)(i % 1000) / 7.0f;
			((float *)y)[i] = (float)(i % 777) / 3.0f;
		}
		memcpy(v->ref, y, SAXPY_N * sizeof(float));
		v->saxpy_runs = 0;
		xv_cmd_saxpy(&b, VA_X, VA_Y, SAXPY_N, 1.5f);
	} else {
		for (size_t i = 0; i < MM * MM; i++) {
			a[i] = (float)(i % 101) / 11.0f;
			bm[i] = (float)(i % 97) / 13.0f;
		}
		xv_cmd_matmul(&b, VA_A, VA_B, VA_C, MM, MM, MM);
	}
	set_cmd(v, &b);
	v->cur_case = c;
}

/* Check the current case's result against the CPU's, bit for bit. */
static void case_end(struct vgb *v)
{
	const uint8_t *x = xenvgpu_buf_ptr(v->buf[0]),
		      *y = xenvgpu_buf_ptr(v->buf[1]);
	char what[64];

	switch (v->cur_case) {
	case 0:
		check(v, "COPY 16 MiB", y, x, (size_t)COPY_MB << 20);
		break;
	case 1:
		/* every run, untimed ones too, added 1.5 x once */
		for (unsigned int r = 0; r < v->saxpy_runs; r++)
			xv_ref_saxpy(v->ref, (const float *)x, SAXPY_N, 1.5f);
		snprintf(what, sizeof(what), "SAXPY 4 Mi (%u runs)",
			 v->saxpy_runs);
		check(v, what, y, v->ref, SAXPY_N * sizeof(float));
		break;
	case 2:
		xv_ref_matmul(v->ref, xenvgpu_buf_ptr(v->buf[2]),
			      xenvgpu_buf_ptr(v->buf[3]), MM, MM, MM);
		check(v, "MATMUL 256", xenvgpu_buf_ptr(v->buf[4]), v->ref,
		      MM * MM * sizeof(float));
		break;
	default:
		break;
	}
	v->cur_case = -1;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Our side of one pair: an untimed run, then the median of runs. */
static void pair_side(struct vgb *v, unsigned int runs, char *ans, size_t len)
{
	uint64_t c0 = cpu_ns();
	double ns;

	v->submit_ns = 0;
	ns = xv_bench_median_ns(runs, 1, submit_wait, v);
	if (v->cur_case == 1)
		v->saxpy_runs += runs + 1;
	snprintf(ans, len, "ok %.0f %.0f %.0f", ns,
		 (double)v->submit_ns / (runs + 1),
		 (double)(cpu_ns() - c0) / (runs + 1));
}

/* The throughput pairs, as bench-gpu-direct in dom0 asks for them. */
static void pairs(struct vgb *v)
{
	unsigned int seq, sides = 0;

	v->cur_case = -1;
	v->ref = malloc((size_t)COPY_MB << 20);
	if (!v->ref) {
		failed(v, "reference buffer", -ENOMEM);
		return;
	}
	printf("vgbench: throughput pairs (dom0 conducts)\n");
	fflush(stdout);
	put("e2e-ready", "1");
	for (seq = 1;; seq++) {
		char key[32], name[32], ans[96];
		unsigned int runs = 0;
		char *val;
		int c;

		snprintf(key, sizeof(key), "e2e-go-%u", seq);
		val = await(key);
		if (!val) {
			v->failures++;
			break;
		}
		if (strcmp(val, "end") == 0) {
			free(val);
			break;
		}
		name[0] = 0;
		if (sscanf(val, "%31s %u", name, &runs) != 2)
			runs = 0;
		free(val);
		for (c = 0; c < 3; c++)
			if (strcmp(name, case_names[c]) == 0)
				break;
		snprintf(key, sizeof(key), "e2e-done-%u", seq);
		if (c == 3 || runs == 0 || runs > MAX_RUNS) {
			fprintf(stderr, "vgbench: dom0 asked for '%s' x %u\n",
				name, runs);
			v->failures++;
			put(key, "failed");
			break;
		}
		if (c != v->cur_case) {
			case_end(v);
			case_begin(v, c);
		}
		pair_side(v, runs, ans, sizeof(ans));
		put(key, v->failures ? "failed" : ans);
		if (v->failures)
			break;
		sides++;
	}
	case_end(v);
	printf("vgbench: %u measurements through the vGPU for dom0\n", sides);
	free(v->ref);
	v->ref = NULL;
}

/* The steady-state window dom0 counts grant operations over. */
static void grant_window(struct vgb *v)
{
	unsigned long g0;
	char *val;

	printf("vgbench: grant window: %u warm-up submissions\n", WARMUP);
	fflush(stdout);
	tiny_cmd(v);
	for (unsigned int i = 0; i < WARMUP; i++)
		submit_wait(v);
	if (v->failures)
		return;
	put("ready", "1");
	val = await("go");
	if (!val) {
		v->failures++;
		return;
	}
	free(val);
	g0 = xenvgpu_grant_calls(v->h);
	for (unsigned int i = 0; i < WINDOW; i++)
		submit_wait(v);
	printf("XVBENCH window %u submissions, %lu frontend grant calls\n",
	       WINDOW, xenvgpu_grant_calls(v->h) - g0);
	put("done", v->failures ? "failed" : "ok");
	val = await("counted");
	if (!val)
		v->failures++;
	free(val);
}

/* Median ns of one submission, RT_LOOP of them a run, in bursts. */
static double round_trip_ns(struct vgb *v, unsigned int burst)
{
	printf("vgbench: round trips, bursts of %u\n", burst);
	fflush(stdout);
	tiny_cmd(v);
	v->burst = burst;
	return xv_bench_median_ns(RUNS, RT_LOOP, round_trips, v);
}

static void report_rt(const char *name, double ns, double base_ns)
{
	struct xv_bench_result r = {
	    .bench = "vgpu-roundtrip",
	    .case_name = name,
	    .ns_per_op = ns,
	    .baseline_name = "no_holdoff",
	    .baseline_ns_per_op = base_ns,
	    .target_ratio = 1.0, /* hold-off must cost nothing */
	    .runs = RUNS,
	};

	xv_bench_report(&r);
}

static int setup(struct vgb *v, bool holdoff, bool big)
{
	const size_t copy_bytes = (size_t)COPY_MB << 20;
	const size_t mbytes = MM * MM * sizeof(float);

	if (open_vgpu(v, holdoff))
		return -1;
	printf("vgbench: allocating and mapping buffers\n");
	fflush(stdout);
	if (big &&
	    (add_buf(v, 0, copy_bytes, VA_X, 0) ||
	     add_buf(v, 1, copy_bytes, VA_Y, XENVGPU_MAP_WRITE) ||
	     add_buf(v, 2, mbytes, VA_A, 0) || add_buf(v, 3, mbytes, VA_B, 0) ||
	     add_buf(v, 4, mbytes, VA_C, XENVGPU_MAP_WRITE)))
		return -1;
	return add_buf(v, 5, 4096, VA_S, XENVGPU_MAP_WRITE);
}

int main(void)
{
	struct vgb v;
	double rt_on = 0, rt_off = 0, burst_on = 0, burst_off = 0;
	char *mode;
	bool full, pairs_only;

	memset(&v, 0, sizeof(v));
	xs = xs_open(0);
	if (!xs) {
		perror("vgbench: xs_open");
		return 1;
	}
	mode = await("mode");
	if (!mode)
		return 1;
	full = strcmp(mode, "full") == 0;
	pairs_only = strcmp(mode, "pairs") == 0;
	printf("vgbench: mode %s\n", mode);
	free(mode);

	if (setup(&v, true, full || pairs_only) == 0) {
		if (full || pairs_only)
			pairs(&v);
		if (!v.failures && !pairs_only)
			grant_window(&v);
		if (full && !v.failures) {
			rt_on = round_trip_ns(&v, 1);
			burst_on = round_trip_ns(&v, BURST);
		}
	}
	if (v.h)
		close_vgpu(&v);
	if (full && !v.failures) {
		memset(&v, 0, sizeof(v));
		if (setup(&v, false, false) == 0) {
			rt_off = round_trip_ns(&v, 1);
			burst_off = round_trip_ns(&v, BURST);
		}
		if (v.h)
			close_vgpu(&v);
		if (!v.failures) {
			report_rt("submit_fence", rt_on, rt_off);
			report_rt("submit_fence_burst16", burst_on, burst_off);
		}
	}
	xs_close(xs);
	printf("vgbench: %s\n", v.failures ? "FAILED" : "done");
	return v.failures ? 1 : 0;
}
