/*
 * vgall-domu.c — domU side of scenarios/60-gpu-two.sh: every command of
 * the GPU, from two guests at once, bit-exact against the CPU reference,
 * and the context features on real Xen. One line per check ("ok ..." /
 * "FAIL ..."); exit status 1 if any failed. Small sizes: TCG is slow.
 *
 * dom0 writes data/vgall/nosnoop ("allowed" or "refused": what this
 * guest's profile says) before the suite starts. Steps:
 *  1. every command (FILL, COPY, SAXPY, MATMUL, FENCE_WRITE, TIMESTAMP),
 *     one submission each and then all in one, checked against
 *     tests/lib/cpu-ref.c (a separate implementation built with
 *     -ffp-contract=off: bit-exact means bit-exact), in a plain context,
 *     an out-of-sync (OOS) context and, where allowed, a no-snoop one;
 *  2. GPU TLB: a submission warms the TLB with VA -> X, the guest remaps
 *     VA onto Y in its page tables (PT_UPDATE), the next submission must
 *     land in Y and leave X alone. Skipping the backend's TLB
 *     invalidation makes it fail (the engine keeps using X's IOVA);
 *  3. OOS: in an OOS context the remap is only noted at PT_UPDATE and
 *     synced at the next SUBMIT: the result follows the remap, and dom0
 *     sees the context's page in the daemon's oos-pages gauge
 *     (data/vgall/oos-ask, answered in data/vgall/oos-seen);
 *  4. no-snoop: where the profile enforces coherency, a no-snoop context
 *     is refused with PERM; where it allows it, a submission that writes
 *     then faults tells the two apart: the snoop context's write is in
 *     memory, the no-snoop context's write was still in its write-back
 *     cache and is lost with the fault (visible only after a FLUSH or at
 *     the fence, and FLUSH before the fault keeps it).
 * Everything is destroyed and freed at the end; dom0 checks the daemon
 * holds nothing for this guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "cmd.h"
#include "cpu-ref.h"
#include "libxenvgpu.h"
#include "vgtest.h"

#define VA_X	0x10000000ull
#define VA_Y	0x20000000ull
#define VA_A	0x30000000ull
#define VA_B	0x40000000ull
#define VA_C	0x50000000ull
#define VA_T	0x60000000ull
#define VA_M	0x70000000ull
#define VA_HOLE 0x5000000000ull

#define BYTES	16384u /* X and Y */
#define SAXPY_N 1000u
#define MM_M	12u
#define MM_N	20u
#define MM_K	16u

static struct xs_handle *xs;
static struct xenvgpu *h;
static uint64_t fence;
static uint8_t cmdbuf[4096];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Finite floats of mixed sign and magnitude: rounding matters. */
static void random_floats(float *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f[i] = (float)((int32_t)next32() % 100000) / 997.0f;
}

static void drain_faults(void)
{
	struct xenvgpu_fault f;

	xenvgpu_poll_events(h);
	while (xenvgpu_fault_read(h, &f) == 0)
		;
}

/* The buffers of step 1, mapped into one context. */
struct bufs {
	struct xenvgpu_buf *x, *y, *a, *b, *c, *t;
};

static int bufs_map(struct xenvgpu_ctx *ctx, struct bufs *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = xenvgpu_buf_alloc(h, BYTES, &s->x);
	rc = rc ? rc : xenvgpu_buf_alloc(h, BYTES, &s->y);
	rc = rc ? rc : xenvgpu_buf_alloc(h, 4 * MM_M * MM_K, &s->a);
	rc = rc ? rc : xenvgpu_buf_alloc(h, 4 * MM_K * MM_N, &s->b);
	rc = rc ? rc : xenvgpu_buf_alloc(h, 4 * MM_M * MM_N, &s->c);
	rc = rc ? rc : xenvgpu_buf_alloc(h, 4096, &s->t);
	rc = rc ? rc : xenvgpu_map(ctx, s->x, VA_X, XENVGPU_MAP_WRITE);
	rc = rc ? rc : xenvgpu_map(ctx, s->y, VA_Y, XENVGPU_MAP_WRITE);
	rc = rc ? rc : xenvgpu_map(ctx, s->a, VA_A, 0);
	rc = rc ? rc : xenvgpu_map(ctx, s->b, VA_B, 0);
	rc = rc ? rc : xenvgpu_map(ctx, s->c, VA_C, XENVGPU_MAP_WRITE);
	rc = rc ? rc : xenvgpu_map(ctx, s->t, VA_T, XENVGPU_MAP_WRITE);
	return rc;
}

static void bufs_free(struct xenvgpu_ctx *ctx, struct bufs *s)
{
	const uint64_t va[] = {VA_X, VA_Y, VA_A, VA_B, VA_C, VA_T};
	struct xenvgpu_buf *b[] = {s->x, s->y, s->a, s->b, s->c, s->t};

	for (size_t i = 0; i < 6; i++) {
		xenvgpu_unmap(ctx, va[i]);
		xenvgpu_buf_free(b[i]);
	}
}

/*
 * Every command on ctx, one submission each (with all=false) or all in
 * one (all=true); each result against the CPU reference. Returns the
 * number of mismatches and failed calls.
 */
static int commands(struct xenvgpu_ctx *ctx, struct bufs *s, bool one,
		    const char *what)
{
	static float x[SAXPY_N], y[SAXPY_N], yref[SAXPY_N];
	static float a[MM_M * MM_K], bm[MM_K * MM_N], cref[MM_M * MM_N];
	static uint8_t src[BYTES], xref[BYTES], yb[BYTES];
	struct xv_cmd_builder b;
	const uint32_t pat = next32();
	const size_t cbytes = BYTES - 4096 + 36; /* odd size, page-crossing */
	const float alpha = -1.25f + (float)(next32() % 64) / 8.0f;
	const uint64_t fval = ((uint64_t)next32() << 32) | next32();
	uint64_t *t = xenvgpu_buf_ptr(s->t);
	int bad = 0, rc = 0;

	/* inputs by the CPU, references by the CPU reference */
	for (size_t i = 0; i < BYTES; i++)
		src[i] = (uint8_t)next32();
	random_floats(x, SAXPY_N);
	random_floats(y, SAXPY_N);
	random_floats(a, MM_M * MM_K);
	random_floats(bm, MM_K * MM_N);
	memcpy(xenvgpu_buf_ptr(s->a), a, sizeof(a));
	memcpy(xenvgpu_buf_ptr(s->b), bm, sizeof(bm));
	memset(xenvgpu_buf_ptr(s->c), 0, sizeof(cref));
	memset(t, 0, 4096);
	/*
	 * X: FILL, then COPY Y -> X over most of it. Y also holds the
	 * SAXPY vectors, x at Y+8K and y at Y+12K, which the COPY reads
	 * before the SAXPY changes y.
	 */
	memcpy(src + 8192, x, sizeof(x));
	memcpy(src + 12288, y, sizeof(y));
	memcpy(xenvgpu_buf_ptr(s->y), src, BYTES);
	xv_ref_fill(xref, BYTES, pat);
	xv_ref_copy(xref, src, cbytes);
	memcpy(yref, y, sizeof(y));
	xv_ref_saxpy(yref, x, SAXPY_N, alpha);
	xv_ref_matmul(cref, a, bm, MM_M, MM_N, MM_K);

	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, VA_X, BYTES, pat);
	if (!one) {
		rc = vgt_run(ctx, &b, &fence, 60000);
		vgt_check(rc == 0 && vgt_all(xenvgpu_buf_ptr(s->x), BYTES, pat),
			  "%s: FILL of 16 KiB with %#x (%s)", what, pat,
			  xenvgpu_strerror(rc));
		bad += rc != 0;
		xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	}
	xv_cmd_copy(&b, VA_Y, VA_X, cbytes);
	if (!one) {
		rc = vgt_run(ctx, &b, &fence, 60000);
		vgt_check(
		    rc == 0 && !memcmp(xenvgpu_buf_ptr(s->x), xref, BYTES),
		    "%s: COPY of %zu octets over the FILL, bit-exact (%s)",
		    what, cbytes, xenvgpu_strerror(rc));
		bad += rc != 0 || memcmp(xenvgpu_buf_ptr(s->x), xref, BYTES);
		xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	}
	xv_cmd_saxpy(&b, VA_Y + 8192, VA_Y + 12288, SAXPY_N, alpha);
	if (!one) {
		rc = vgt_run(ctx, &b, &fence, 60000);
		memcpy(yb, (uint8_t *)xenvgpu_buf_ptr(s->y) + 12288, sizeof(y));
		vgt_check(rc == 0 && !memcmp(yb, yref, sizeof(y)),
			  "%s: SAXPY n=%u a=%g bit-exact (%s)", what, SAXPY_N,
			  (double)alpha, xenvgpu_strerror(rc));
		bad += rc != 0 || memcmp(yb, yref, sizeof(y));
		xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	}
	xv_cmd_matmul(&b, VA_A, VA_B, VA_C, MM_M, MM_N, MM_K);
	if (!one) {
		rc = vgt_run(ctx, &b, &fence, 60000);
		vgt_check(rc == 0 && !memcmp(xenvgpu_buf_ptr(s->c), cref,
					     sizeof(cref)),
			  "%s: MATMUL %ux%ux%u bit-exact (%s)", what, MM_M,
			  MM_N, MM_K, xenvgpu_strerror(rc));
		bad += rc != 0 ||
		       memcmp(xenvgpu_buf_ptr(s->c), cref, sizeof(cref));
		xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	}
	xv_cmd_timestamp(&b, VA_T + 8);
	xv_cmd_fence_write(&b, VA_T, fval);
	xv_cmd_timestamp(&b, VA_T + 16);
	rc = vgt_run(ctx, &b, &fence, 60000);
	vgt_check(rc == 0 && t[0] == fval && t[1] != 0 && t[2] >= t[1] &&
		      xenvgpu_fence_done(ctx) >= fence,
		  "%s: FENCE_WRITE %#llx, TIMESTAMPs %llu <= %llu, fence %llu "
		  "done (%s)",
		  what, (unsigned long long)t[0], (unsigned long long)t[1],
		  (unsigned long long)t[2], (unsigned long long)fence,
		  xenvgpu_strerror(rc));
	bad += rc != 0 || t[0] != fval || t[1] == 0 || t[2] < t[1];
	if (one) {
		memcpy(yb, (uint8_t *)xenvgpu_buf_ptr(s->y) + 12288, sizeof(y));
		vgt_check(
		    rc == 0 && !memcmp(xenvgpu_buf_ptr(s->x), xref, BYTES) &&
			!memcmp(yb, yref, sizeof(y)) &&
			!memcmp(xenvgpu_buf_ptr(s->c), cref, sizeof(cref)),
		    "%s: FILL, COPY, SAXPY, MATMUL in one submission, "
		    "bit-exact (%s)",
		    what, xenvgpu_strerror(rc));
		bad += memcmp(xenvgpu_buf_ptr(s->x), xref, BYTES) != 0 ||
		       memcmp(yb, yref, sizeof(y)) != 0 ||
		       memcmp(xenvgpu_buf_ptr(s->c), cref, sizeof(cref)) != 0;
	}
	return bad;
}

static struct xenvgpu_ctx *new_ctx(uint32_t flags, const char *why)
{
	struct xenvgpu_ctx *c = NULL;
	int rc = xenvgpu_ctx_create(h, flags, &c, NULL);

	vgt_check(rc == 0, "%s context (flags %#x): handle %u (%s)", why, flags,
		  xenvgpu_ctx_handle(c), xenvgpu_strerror(rc));
	return c;
}

static void step_commands(uint32_t flags, const char *what)
{
	struct xenvgpu_ctx *c = new_ctx(flags, what);
	struct bufs s;
	int rc;

	if (!c)
		return;
	rc = bufs_map(c, &s);
	vgt_check(rc == 0, "%s: buffers mapped (%s)", what,
		  xenvgpu_strerror(rc));
	if (rc == 0) {
		commands(c, &s, false, what);
		commands(c, &s, true, what);
	}
	bufs_free(c, &s);
	vgt_check(xenvgpu_ctx_destroy(c) == 0, "%s: context destroyed", what);
}

/*
 * VA_M onto X, a FILL (the GPU TLB now holds VA_M -> X), VA_M onto Y,
 * another FILL: it must land in Y. With OOS the remap waits for the
 * SUBMIT's sync; then dom0 looks at oos-pages while c is alive.
 */
static void step_remap(uint32_t flags, const char *what)
{
	struct xenvgpu_ctx *c = new_ctx(flags, what);
	struct xenvgpu_buf *x = NULL, *y = NULL;
	struct xv_cmd_builder b;
	int rc;

	if (!c)
		return;
	xenvgpu_buf_alloc(h, 8192, &x);
	xenvgpu_buf_alloc(h, 8192, &y);
	rc = xenvgpu_map(c, x, VA_M, XENVGPU_MAP_WRITE);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, VA_M, 8192, 0x5eed0001);
	rc = rc ? rc : vgt_run(c, &b, &fence, 60000);
	vgt_check(rc == 0 && vgt_all(xenvgpu_buf_ptr(x), 8192, 0x5eed0001),
		  "%s: FILL through VA_M lands in X (TLB warm) (%s)", what,
		  xenvgpu_strerror(rc));
	rc = xenvgpu_unmap(c, VA_M);
	rc = rc ? rc : xenvgpu_map(c, y, VA_M, XENVGPU_MAP_WRITE);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, VA_M, 8192, 0x5eed0002);
	rc = rc ? rc : vgt_run(c, &b, &fence, 60000);
	vgt_check(
	    rc == 0 && vgt_all(xenvgpu_buf_ptr(y), 8192, 0x5eed0002) &&
		vgt_all(xenvgpu_buf_ptr(x), 8192, 0x5eed0001),
	    "%s: VA_M remapped onto Y (PT_UPDATE): the next FILL lands in "
	    "Y, X keeps its bytes (no stale GPU TLB entry) (%s)",
	    what, xenvgpu_strerror(rc));
	if (flags & XENVGPU_CTX_OOS) {
		char *v;

		vgt_put(xs, "data/vgall/oos-ask", "1");
		v = vgt_wait_node(xs, "data/vgall/oos-seen", 120);
		vgt_check(v && atoi(v) >= 1,
			  "%s: dom0 saw the context's table page out of sync "
			  "(oos-pages %s)",
			  what, v ? v : "(no answer)");
		free(v);
	}
	xenvgpu_unmap(c, VA_M);
	xenvgpu_buf_free(x);
	xenvgpu_buf_free(y);
	vgt_check(xenvgpu_ctx_destroy(c) == 0, "%s: context destroyed", what);
}

/* FILL X, [FLUSH,] FILL at a hole: X's content after the fault. */
static void write_then_fault(uint32_t flags, bool flush, uint32_t pat,
			     bool want_kept, const char *what)
{
	struct xenvgpu_ctx *c = new_ctx(flags, what);
	struct xenvgpu_buf *x = NULL;
	struct xv_cmd_builder b;
	int rc;

	if (!c)
		return;
	xenvgpu_buf_alloc(h, 4096, &x);
	rc = xenvgpu_map(c, x, VA_X, XENVGPU_MAP_WRITE);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, VA_X, 4096, pat);
	if (flush)
		xv_cmd_flush(&b);
	xv_cmd_fill(&b, VA_HOLE, 64, 1);
	rc = rc ? rc : vgt_run(c, &b, &fence, 60000);
	vgt_check(rc == -XENVGPU_ERR_CTX_FAULTED &&
		      vgt_all(xenvgpu_buf_ptr(x), 4096, want_kept ? pat : 0),
		  "%s: FILL X%s then a fault: X holds %s (%s)", what,
		  flush ? ", FLUSH" : "", want_kept ? "the FILL" : "zeros",
		  xenvgpu_strerror(rc));
	drain_faults();
	xenvgpu_unmap(c, VA_X);
	xenvgpu_buf_free(x);
	xenvgpu_ctx_destroy(c);
}

static void step_nosnoop(bool allowed)
{
	struct xenvgpu_ctx *c = NULL;
	int rc;

	if (!allowed) {
		rc = xenvgpu_ctx_create(h, XENVGPU_CTX_NOSNOOP, &c, NULL);
		vgt_check(rc == -XENVGPU_ERR_PERM && !c,
			  "no-snoop context under a profile that enforces "
			  "coherency: %d \"%s\"",
			  rc, xenvgpu_strerror(rc));
		xenvgpu_ctx_destroy(c);
		return;
	}
	write_then_fault(0, false, 0xc04e0001, true, "snoop");
	write_then_fault(XENVGPU_CTX_NOSNOOP, false, 0xc04e0002, false,
			 "no-snoop");
	write_then_fault(XENVGPU_CTX_NOSNOOP, true, 0xc04e0003, true,
			 "no-snoop");
}

int main(void)
{
	struct xenvgpu_caps caps;
	char *v;
	bool nosnoop;
	int rc;

	if (vgt_suite_open(&xs, &h))
		return 1;
	v = vgt_wait_node(xs, "data/vgall/nosnoop", 60);
	nosnoop = v && strcmp(v, "allowed") == 0;
	vgt_check(v != NULL, "dom0 says the profile's no-snoop: %s",
		  v ? v : "(nothing)");
	free(v);
	rc = xenvgpu_query_caps(h, &caps);
	vgt_check(rc == 0 && (caps.features & XENVGPU_FEATURE_OOS_PT) &&
		      !!(caps.features & XENVGPU_FEATURE_NOSNOOP) == nosnoop,
		  "features offered %#x, in use %#x: oos-pt, and nosnoop only "
		  "where the profile has it (%s)",
		  caps.offered_features, caps.features, xenvgpu_strerror(rc));
	rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	printf("vgall: data seed %#llx\n", (unsigned long long)rng);

	step_commands(0, "plain");
	step_commands(XENVGPU_CTX_OOS, "OOS");
	if (nosnoop)
		step_commands(XENVGPU_CTX_NOSNOOP, "no-snoop");
	step_remap(0, "TLB");
	step_remap(XENVGPU_CTX_OOS, "OOS remap");
	step_nosnoop(nosnoop);

	drain_faults();
	vgt_close_checked(xs, h, "data/vgall");
	xs_close(xs);
	return vgt_summary("vgall");
}
