/*
 * xenvgpu-demo — the guest workload: in a domU, open the vGPU, create a
 * context, allocate buffers, run FILL, COPY, SAXPY and MATMUL with
 * fences (and one command buffer large enough to need a gref
 * directory), check EVERY result bit for bit against the CPU reference
 * (tests/lib/cpu-ref.c: separate code, built with -ffp-contract=off),
 * then time loops of each command and print this guest's throughput.
 *
 *   xenvgpu-demo [-d DEVID] [-n ITERS] [-s KIB] [-m DIM] [-N] [-H NODE]
 *
 *   -n ITERS  submissions per timed loop (default 20)
 *   -s KIB    FILL / COPY / SAXPY buffer size in KiB (default 256)
 *   -m DIM    MATMUL dimension (default 64)
 *   -N        no-snoop context (needs the nosnoop feature; adds FLUSH)
 *   -H NODE   before tearing down, say "holding" and wait (at most 300 s)
 *             until xenstore NODE exists (relative to this domain's
 *             home), so that dom0 can read the backend's statistics of
 *             this vGPU while its context and buffers are alive
 *
 * Times are taken around a whole loop, never per operation (the clock
 * costs tens of microseconds in a PV guest). Every loop's last result is
 * checked as well.
 *
 * Exit status: 0 every result matched; 1 a mismatch or a failed call
 * (said on stderr); 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>
#include <xenstore.h>

#include "cmd.h"
#include "cpu-ref.h"
#include "libxenvgpu.h"

#define VA_X 0x0000000100000000ull
#define VA_Y 0x0000000140000000ull
#define VA_A 0x0000000180000000ull
#define VA_B 0x00000001c0000000ull
#define VA_C 0x0000000200000000ull

struct demo {
	struct xenvgpu *h;
	struct xenvgpu_ctx *ctx;
	struct xenvgpu_buf *x, *y, *a, *b, *c;
	size_t bytes; /* X and Y */
	uint32_t dim; /* MATMUL m = n = k */
	bool nosnoop;
	uint64_t fence;
	uint8_t *cmd; /* command staging, cmd_cap octets */
	size_t cmd_cap;
	uint64_t rng;
	int failures;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t rnd32(struct demo *d)
{
	/* xorshift64*: cheap, deterministic, good enough for test data */
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return (uint32_t)((d->rng * 2685821657736338717ull) >> 32);
}

/* A finite float in [-8, 8): no NaN, so results compare bit for bit. */
static float rndf(struct demo *d)
{
	return (float)((int32_t)(rnd32(d) >> 8) - (1 << 23)) / (float)(1 << 20);
}

static int call_failed(struct demo *d, const char *what, int rc)
{
	fprintf(stderr, "xenvgpu-demo: %s: %s (%d)\n", what,
		xenvgpu_strerror(rc), rc);
	d->failures++;
	return rc;
}

/* Submit what b holds with the next fence and wait for it. */
static int run(struct demo *d, struct xv_cmd_builder *b, const char *what)
{
	int rc;

	if (d->nosnoop && xv_cmd_flush(b))
		return call_failed(d, "command buffer too small", -ENOSPC);
	d->fence++;
	rc = xenvgpu_submit(d->ctx, b->buf, b->len, d->fence);
	if (rc)
		return call_failed(d, what, rc);
	rc = xenvgpu_fence_wait(d->ctx, d->fence, -1);
	if (rc)
		return call_failed(d, what, rc);
	return 0;
}

static void check(struct demo *d, const char *what, const void *got,
		  const void *want, size_t bytes)
{
	const uint8_t *g = got, *w = want;

	if (!memcmp(got, want, bytes)) {
		printf("xenvgpu-demo: %-22s ok (%zu octets bit-exact)\n", what,
		       bytes);
		return;
	}
	for (size_t i = 0; i < bytes; i++)
		if (g[i] != w[i]) {
			fprintf(stderr,
				"xenvgpu-demo: %s MISMATCH at octet %zu: "
				"got 0x%02x want 0x%02x\n",
				what, i, g[i], w[i]);
			break;
		}
	d->failures++;
}

static int setup(struct demo *d, unsigned int devid)
{
	struct xenvgpu_caps caps;
	uint32_t vpasid = 0;
	size_t mbytes = (size_t)d->dim * d->dim * sizeof(float);
	uint32_t mf = d->nosnoop ? XENVGPU_MAP_NOSNOOP : 0;
	int rc;

	rc = xenvgpu_open(devid, &d->h);
	if (rc)
		return call_failed(d, "open", rc);
	rc = xenvgpu_query_caps(d->h, &caps);
	if (rc)
		return call_failed(d, "query caps", rc);
	rc = xenvgpu_ctx_create(d->h, d->nosnoop ? XENVGPU_CTX_NOSNOOP : 0,
				&d->ctx, &vpasid);
	if (rc)
		return call_failed(d, "context create", rc);
	printf("xenvgpu-demo: context %u vPASID %u, max-cmd-bytes %u, %s\n",
	       xenvgpu_ctx_handle(d->ctx), vpasid, caps.max_cmd_bytes,
	       d->nosnoop ? "no-snoop" : "snooped");
	if ((rc = xenvgpu_buf_alloc(d->h, d->bytes, &d->x)) ||
	    (rc = xenvgpu_buf_alloc(d->h, d->bytes, &d->y)) ||
	    (rc = xenvgpu_buf_alloc(d->h, mbytes, &d->a)) ||
	    (rc = xenvgpu_buf_alloc(d->h, mbytes, &d->b)) ||
	    (rc = xenvgpu_buf_alloc(d->h, mbytes, &d->c)))
		return call_failed(d, "buffer alloc", rc);
	/* The GPU reads X, A and B: map them read-only. */
	if ((rc = xenvgpu_map(d->ctx, d->x, VA_X, mf)) ||
	    (rc = xenvgpu_map(d->ctx, d->y, VA_Y, mf | XENVGPU_MAP_WRITE)) ||
	    (rc = xenvgpu_map(d->ctx, d->a, VA_A, mf)) ||
	    (rc = xenvgpu_map(d->ctx, d->b, VA_B, mf)) ||
	    (rc = xenvgpu_map(d->ctx, d->c, VA_C, mf | XENVGPU_MAP_WRITE)))
		return call_failed(d, "map", rc);
	return 0;
}

static void teardown(struct demo *d)
{
	int rc;

	if (d->ctx) {
		const uint64_t vas[] = {VA_X, VA_Y, VA_A, VA_B, VA_C};

		for (unsigned int i = 0; i < 5; i++) {
			rc = xenvgpu_unmap(d->ctx, vas[i]);
			if (rc && rc != -ENOENT)
				call_failed(d, "unmap", rc);
		}
	}
	struct xenvgpu_buf *bufs[] = {d->x, d->y, d->a, d->b, d->c};
	for (unsigned int i = 0; i < 5; i++) {
		rc = xenvgpu_buf_free(bufs[i]);
		if (rc)
			call_failed(d, "buffer free", rc);
	}
	rc = xenvgpu_ctx_destroy(d->ctx);
	if (rc)
		call_failed(d, "context destroy", rc);
	rc = xenvgpu_close(d->h);
	if (rc)
		call_failed(d, "close", rc);
}

/* ---- the correctness pass -------------------------------------------------- */

static void test_fill(struct demo *d, uint8_t *ref)
{
	struct xv_cmd_builder b;

	xv_cmd_builder_init(&b, d->cmd, d->cmd_cap);
	xv_cmd_fill(&b, VA_Y, d->bytes, 0xdeadbeefu);
	if (run(d, &b, "FILL"))
		return;
	xv_ref_fill(ref, d->bytes, 0xdeadbeefu);
	check(d, "FILL", xenvgpu_buf_ptr(d->y), ref, d->bytes);
}

static void test_copy(struct demo *d, uint8_t *ref)
{
	struct xv_cmd_builder b;
	uint32_t *x = xenvgpu_buf_ptr(d->x);

	for (size_t i = 0; i < d->bytes / 4; i++)
		x[i] = rnd32(d);
	xv_cmd_builder_init(&b, d->cmd, d->cmd_cap);
	xv_cmd_copy(&b, VA_X, VA_Y, d->bytes);
	if (run(d, &b, "COPY"))
		return;
	xv_ref_copy(ref, x, d->bytes);
	check(d, "COPY", xenvgpu_buf_ptr(d->y), ref, d->bytes);
}

static void test_saxpy(struct demo *d, float *ref)
{
	struct xv_cmd_builder b;
	float *x = xenvgpu_buf_ptr(d->x), *y = xenvgpu_buf_ptr(d->y);
	size_t n = d->bytes / 4;
	float a = 1.625f;

	for (size_t i = 0; i < n; i++) {
		x[i] = rndf(d);
		y[i] = rndf(d);
	}
	memcpy(ref, y, d->bytes);
	xv_cmd_builder_init(&b, d->cmd, d->cmd_cap);
	xv_cmd_saxpy(&b, VA_X, VA_Y, (uint32_t)n, a);
	if (run(d, &b, "SAXPY"))
		return;
	xv_ref_saxpy(ref, x, n, a);
	check(d, "SAXPY", y, ref, d->bytes);
}

static void test_matmul(struct demo *d, float *ref)
{
	struct xv_cmd_builder b;
	float *a = xenvgpu_buf_ptr(d->a), *bm = xenvgpu_buf_ptr(d->b);
	size_t nn = (size_t)d->dim * d->dim;

	for (size_t i = 0; i < nn; i++) {
		a[i] = rndf(d);
		bm[i] = rndf(d);
	}
	xv_cmd_builder_init(&b, d->cmd, d->cmd_cap);
	xv_cmd_matmul(&b, VA_A, VA_B, VA_C, d->dim, d->dim, d->dim);
	if (run(d, &b, "MATMUL"))
		return;
	xv_ref_matmul(ref, a, bm, d->dim, d->dim, d->dim);
	check(d, "MATMUL", xenvgpu_buf_ptr(d->c), ref, nn * sizeof(float));
}

/*
 * Many small FILLs in one buffer of more than 7 pages: the submission
 * goes through a gref directory.
 */
static void test_directory(struct demo *d, uint32_t *ref)
{
	struct xv_cmd_builder b;
	size_t n = 1200; /* 1200 * 32 octets = 10 pages */

	if (n > d->bytes / 4)
		n = d->bytes / 4;
	memcpy(ref, xenvgpu_buf_ptr(d->y), d->bytes);
	xv_cmd_builder_init(&b, d->cmd, d->cmd_cap);
	for (size_t i = 0; i < n; i++) {
		uint32_t p = (uint32_t)i * 2654435761u;

		if (xv_cmd_fill(&b, VA_Y + i * 4, 4, p))
			break;
		ref[i] = p;
	}
	if (run(d, &b, "FILL x1200 (directory)"))
		return;
	check(d, "FILL x1200 (directory)", xenvgpu_buf_ptr(d->y), ref,
	      d->bytes);
}

/* ---- throughput ------------------------------------------------------------ */

/* Run one command n times, one submission + fence each; seconds taken. */
static double timed(struct demo *d, int iters, const char *what,
		    int (*emit)(struct demo *, struct xv_cmd_builder *))
{
	struct xv_cmd_builder b;
	double t0, t1;

	t0 = now_s();
	for (int i = 0; i < iters; i++) {
		xv_cmd_builder_init(&b, d->cmd, d->cmd_cap);
		emit(d, &b);
		if (run(d, &b, what))
			return -1;
	}
	t1 = now_s();
	return t1 - t0;
}

static int emit_fill(struct demo *d, struct xv_cmd_builder *b)
{
	return xv_cmd_fill(b, VA_Y, d->bytes, 0x01020304u);
}

static int emit_copy(struct demo *d, struct xv_cmd_builder *b)
{
	return xv_cmd_copy(b, VA_X, VA_Y, d->bytes);
}

static int emit_saxpy(struct demo *d, struct xv_cmd_builder *b)
{
	return xv_cmd_saxpy(b, VA_X, VA_Y, (uint32_t)(d->bytes / 4), 0.5f);
}

static int emit_matmul(struct demo *d, struct xv_cmd_builder *b)
{
	return xv_cmd_matmul(b, VA_A, VA_B, VA_C, d->dim, d->dim, d->dim);
}

static void throughput(struct demo *d, int iters, uint8_t *ref)
{
	double s, mb = (double)d->bytes / 1e6;
	double flops = 2.0 * d->dim * d->dim * d->dim;
	unsigned long g0 = xenvgpu_grant_calls(d->h);
	size_t n = d->bytes / 4;
	float *y = xenvgpu_buf_ptr(d->y);

	s = timed(d, iters, "FILL loop", emit_fill);
	if (s > 0) {
		printf("xenvgpu-demo: FILL    %4d x %7zu B: %8.2f MB/s\n",
		       iters, d->bytes, iters * mb / s);
		xv_ref_fill(ref, d->bytes, 0x01020304u);
		check(d, "FILL loop result", y, ref, d->bytes);
	}
	s = timed(d, iters, "COPY loop", emit_copy);
	if (s > 0) {
		printf("xenvgpu-demo: COPY    %4d x %7zu B: %8.2f MB/s\n",
		       iters, d->bytes, iters * mb / s);
		check(d, "COPY loop result", y, xenvgpu_buf_ptr(d->x),
		      d->bytes);
	}
	/* SAXPY accumulates: replay it on the CPU as many times. */
	memcpy(ref, y, d->bytes);
	s = timed(d, iters, "SAXPY loop", emit_saxpy);
	if (s > 0) {
		printf("xenvgpu-demo: SAXPY   %4d x %7zu n: %8.4f GFLOP/s "
		       "(%.2f MB/s)\n",
		       iters, n, iters * 2.0 * (double)n / s / 1e9,
		       iters * 3.0 * mb / s);
		for (int i = 0; i < iters; i++)
			xv_ref_saxpy((float *)ref, xenvgpu_buf_ptr(d->x), n,
				     0.5f);
		check(d, "SAXPY loop result", y, ref, d->bytes);
	}
	s = timed(d, iters, "MATMUL loop", emit_matmul);
	if (s > 0) {
		printf("xenvgpu-demo: MATMUL  %4d x %4u^3:   %8.4f GFLOP/s\n",
		       iters, d->dim, iters * flops / s / 1e9);
		xv_ref_matmul((float *)ref, xenvgpu_buf_ptr(d->a),
			      xenvgpu_buf_ptr(d->b), d->dim, d->dim, d->dim);
		check(d, "MATMUL loop result", xenvgpu_buf_ptr(d->c), ref,
		      (size_t)d->dim * d->dim * sizeof(float));
	}
	printf("xenvgpu-demo: grant calls during the timed loops: %lu "
	       "(command pages reused)\n",
	       xenvgpu_grant_calls(d->h) - g0);
}

static void hold(const char *node)
{
	struct xs_handle *xs = xs_open(0);

	printf("xenvgpu-demo: holding until %s exists\n", node);
	fflush(stdout);
	for (int i = 0; xs && i < 1500; i++) {
		unsigned int len;
		char *v = xs_read(xs, XBT_NULL, node, &len);

		if (v) {
			free(v);
			break;
		}
		usleep(200000);
	}
	if (xs)
		xs_close(xs);
}

static void usage(void)
{
	fprintf(stderr, "usage: xenvgpu-demo [-d DEVID] [-n ITERS] [-s KIB] "
			"[-m DIM] [-N] [-H NODE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct demo d;
	unsigned int devid = 0;
	int iters = 20, opt;
	uint8_t *ref = NULL;
	size_t kib = 256;
	const char *hold_node = NULL;

	memset(&d, 0, sizeof(d));
	d.dim = 64;
	d.rng = 0x9e3779b97f4a7c15ull;
	while ((opt = getopt(argc, argv, "d:n:s:m:NH:")) != -1) {
		switch (opt) {
		case 'd':
			devid = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			iters = atoi(optarg);
			break;
		case 's':
			kib = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			d.dim = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'N':
			d.nosnoop = true;
			break;
		case 'H':
			hold_node = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || iters < 1 || kib < 8 || kib > 65536 || !d.dim ||
	    d.dim > XV_CMD_MATMUL_MAX_DIM)
		usage();
	d.bytes = kib * 1024;
	d.cmd_cap = 64 * 1024;
	d.cmd = calloc(1, d.cmd_cap);
	ref = calloc(1, d.bytes > (size_t)d.dim * d.dim * 4
			    ? d.bytes
			    : (size_t)d.dim * d.dim * 4);
	if (!d.cmd || !ref) {
		fprintf(stderr, "xenvgpu-demo: out of memory\n");
		return 1;
	}
	if (setup(&d, devid) == 0) {
		test_fill(&d, ref);
		test_copy(&d, ref);
		test_saxpy(&d, (float *)ref);
		test_matmul(&d, (float *)ref);
		test_directory(&d, (uint32_t *)ref);
		if (!d.failures)
			throughput(&d, iters, ref);
	}
	if (hold_node)
		hold(hold_node);
	teardown(&d);
	free(ref);
	free(d.cmd);
	printf("xenvgpu-demo: %s (%d failure%s)\n",
	       d.failures ? "FAILED" : "all results bit-exact", d.failures,
	       d.failures == 1 ? "" : "s");
	return d.failures ? 1 : 0;
}
