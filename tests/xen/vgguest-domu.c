/*
 * vgguest-domu.c — domU side of scenarios/55-gpu-guest.sh (issue 5,
 * frontend half): the GPU API of libxenvgpu on real Xen, against the
 * real backend, with the checks a hostile or careless guest calls for.
 * One line per check ("ok ..." / "FAIL ..."); exit status 1 if any
 * failed. Steps, in order:
 *  1. translation is used: FILL through a GPU VA, remap the VA onto
 *     another buffer, FILL again: the second buffer changes, the first
 *     keeps the first pattern;
 *  2. a PTE naming grants this guest never made (or revoked: a freed
 *     buffer) reads as the backend's scratch (zeros), and the context
 *     keeps working; dom0 reads the daemon's status file meanwhile and
 *     answers data/vgguest/scratch-seen with its scratch-entries and
 *     scratch-events: exactly "2 2" (no other entry of this guest ever
 *     went to scratch before);
 *  3. grant references another guest granted (handed over by dom0 in
 *     data/vgguest/foreign) written into this guest's tables and read
 *     through: the victim's bytes never come back; the victim
 *     (vgvictim-domu) checks its buffer is untouched;
 *  4. a GPU VA outside every mapping gives a GPU_FAULT event (context,
 *     address, reason) and the context's fence fails with CTX_FAULTED;
 *  5. PASID exhaustion (the xl config gives max-pasids=2): a clear
 *     error;
 *  6. unmapping buffers while a submission still uses them: the unmap
 *     returns, the fence completes or the context faults, nothing else;
 *  7. teardown: every context destroyed and buffer freed, then
 *     data/vgguest/idle=1; dom0 checks the daemon holds no context, no
 *     PASID and no grant mapping for this guest and answers
 *     data/vgguest/checked; then the device is closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "cmd.h"
#include "libxenvgpu.h"
#include "vgtest.h"

#define VA1	0x10000000ull
#define VA2	0x20000000ull
#define VA3	0x30000000ull
#define VA_A	0x40000000ull
#define VA_B	0x50000000ull
#define VA_C	0x60000000ull
#define VA_R	0x70000000ull
#define VA_HOLE 0x5000000000ull

static struct xs_handle *xs;
static struct xenvgpu *h;
static uint64_t fence = 0;
static uint8_t cmdbuf[4096];

static int fill(struct xenvgpu_ctx *c, uint64_t va, size_t bytes, uint32_t p)
{
	struct xv_cmd_builder b;

	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, va, bytes, p);
	return vgt_run(c, &b, &fence, 30000);
}

static int copy(struct xenvgpu_ctx *c, uint64_t src, uint64_t dst, size_t n)
{
	struct xv_cmd_builder b;

	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&b, src, dst, n);
	return vgt_run(c, &b, &fence, 30000);
}

static bool any(const void *p, size_t bytes, uint32_t v)
{
	const uint32_t *w = p;

	for (size_t i = 0; i < bytes / 4; i++)
		if (w[i] == v)
			return true;
	return false;
}

static struct xenvgpu_ctx *new_ctx(const char *why)
{
	struct xenvgpu_ctx *c = NULL;
	uint32_t vp = 0;
	int rc = xenvgpu_ctx_create(h, 0, &c, &vp);

	vgt_check(rc == 0, "context for %s: handle %u vPASID %u (%s)", why,
		  xenvgpu_ctx_handle(c), vp, xenvgpu_strerror(rc));
	return c;
}

static void step_translation(void)
{
	struct xenvgpu_ctx *c = new_ctx("translation");
	struct xenvgpu_buf *x = NULL, *y = NULL;
	int rc;

	if (!c)
		return;
	xenvgpu_buf_alloc(h, 8192, &x);
	xenvgpu_buf_alloc(h, 8192, &y);
	rc = xenvgpu_map(c, x, VA1, XENVGPU_MAP_WRITE);
	rc = rc ? rc : fill(c, VA1, 8192, 0x11111111);
	vgt_check(rc == 0 && vgt_all(xenvgpu_buf_ptr(x), 8192, 0x11111111),
		  "FILL through VA1 lands in buffer X (%s)",
		  xenvgpu_strerror(rc));
	rc = xenvgpu_unmap(c, VA1);
	rc = rc ? rc : xenvgpu_map(c, y, VA1, XENVGPU_MAP_WRITE);
	rc = rc ? rc : fill(c, VA1, 8192, 0x22222222);
	vgt_check(rc == 0 && vgt_all(xenvgpu_buf_ptr(y), 8192, 0x22222222) &&
		      vgt_all(xenvgpu_buf_ptr(x), 8192, 0x11111111),
		  "VA1 remapped onto Y: the second FILL follows the mapping, X "
		  "keeps its bytes (%s)",
		  xenvgpu_strerror(rc));
	xenvgpu_unmap(c, VA1);
	vgt_check(xenvgpu_buf_free(x) == 0 && xenvgpu_buf_free(y) == 0,
		  "buffers freed after their unmap was answered");
	vgt_check(xenvgpu_ctx_destroy(c) == 0, "context destroyed");
}

static void step_scratch(void)
{
	struct xenvgpu_ctx *c = new_ctx("scratch");
	struct xenvgpu_buf *gone = NULL, *r = NULL;
	uint32_t refs[2];
	char *v;
	int rc;

	if (!c)
		return;
	xenvgpu_buf_alloc(h, 4096, &gone);
	xenvgpu_buf_alloc(h, 8192, &r);
	memset(xenvgpu_buf_ptr(gone), 0x77, 4096);
	memset(xenvgpu_buf_ptr(r), 0xee, 8192);
	refs[0] = xenvgpu_buf_gref(gone, 0); /* revoked below */
	refs[1] = 30000;		     /* never granted */
	xenvgpu_buf_free(gone);
	rc = xenvgpu_map_grefs(c, VA2, refs, 2, 0);
	vgt_check(rc == 0,
		  "PTEs naming a revoked gref %u and a never granted "
		  "gref %u written, PT_UPDATE answered (%s)",
		  refs[0], refs[1], xenvgpu_strerror(rc));
	rc = xenvgpu_map(c, r, VA_R, XENVGPU_MAP_WRITE);
	rc = rc ? rc : copy(c, VA2, VA_R, 8192);
	vgt_check(rc == 0 && vgt_all(xenvgpu_buf_ptr(r), 8192, 0),
		  "COPY from them reads the backend's scratch (zeros), not the "
		  "revoked page's 0x77 (%s)",
		  xenvgpu_strerror(rc));
	rc = fill(c, VA_R, 4096, 0x33333333);
	vgt_check(rc == 0 && vgt_all(xenvgpu_buf_ptr(r), 4096, 0x33333333),
		  "the context keeps working afterwards (%s)",
		  xenvgpu_strerror(rc));
	/* dom0 reads the daemon's scratch counters while they are mapped */
	vgt_put(xs, "data/vgguest/scratch-ask", "1");
	v = vgt_wait_node(xs, "data/vgguest/scratch-seen", 120);
	vgt_check(v && strcmp(v, "2 2") == 0,
		  "the backend counts exactly these 2 entries on scratch "
		  "(scratch-entries, scratch-events: %s)",
		  v ? v : "no answer");
	free(v);
	xenvgpu_unmap(c, VA2);
	xenvgpu_unmap(c, VA_R);
	xenvgpu_buf_free(r);
	vgt_check(xenvgpu_ctx_destroy(c) == 0, "context destroyed");
}

static void step_foreign(void)
{
	struct xenvgpu_ctx *c = new_ctx("another guest's grefs");
	struct xenvgpu_buf *r = NULL;
	uint32_t refs[4] = {0};
	char *v;
	int rc;

	if (!c)
		return;
	v = vgt_wait_node(xs, "data/vgguest/foreign", 120);
	if (!v || sscanf(v, "%u,%u,%u,%u", &refs[0], &refs[1], &refs[2],
			 &refs[3]) != 4) {
		vgt_check(0, "dom0 handed over the victim's grefs");
		free(v);
		xenvgpu_ctx_destroy(c);
		return;
	}
	free(v);
	xenvgpu_buf_alloc(h, 4 * 4096, &r);
	rc = xenvgpu_map_grefs(c, VA3, refs, 4, 0);
	rc = rc ? rc : xenvgpu_map(c, r, VA_R, XENVGPU_MAP_WRITE);
	rc = rc ? rc : copy(c, VA3, VA_R, 4 * 4096);
	vgt_check(!any(xenvgpu_buf_ptr(r), 4 * 4096, 0x5a17c3e9u),
		  "COPY through the victim's grefs %u..%u never reads the "
		  "victim's pattern (%s)",
		  refs[0], refs[3], xenvgpu_strerror(rc));
	/*
	 * No GPU write through them: the same numbers may name this
	 * guest's own grants (its ring among them), which the backend
	 * would rightly write. The mapping path is one for reads and
	 * writes: bound to this guest's domid.
	 */
	vgt_put(xs, "data/vgguest/attacked", "1");
	xenvgpu_ctx_destroy(c);
	xenvgpu_buf_free(r);
}

static void step_fault(void)
{
	struct xenvgpu_ctx *c = new_ctx("fault");
	struct xenvgpu_fault f;
	int rc, got = -EAGAIN;

	if (!c)
		return;
	rc = fill(c, VA_HOLE, 4096, 1);
	vgt_check(
	    rc == -XENVGPU_ERR_CTX_FAULTED,
	    "FILL at an unmapped GPU VA: fence fails with CTX_FAULTED (%s)",
	    xenvgpu_strerror(rc));
	for (int i = 0; i < 50 && got == -EAGAIN; i++) {
		got = xenvgpu_fault_read(h, &f);
		if (got == -EAGAIN)
			usleep(100000);
	}
	vgt_check(
	    got == 0 && f.ctx == xenvgpu_ctx_handle(c) && f.gpu_va >= VA_HOLE &&
		f.gpu_va < VA_HOLE + 4096 && f.reason == 1 && f.access == 2,
	    "GPU_FAULT event: ctx %u va 0x%llx access %u reason %u",
	    got == 0 ? f.ctx : 0, got == 0 ? (unsigned long long)f.gpu_va : 0,
	    got == 0 ? f.access : 0, got == 0 ? f.reason : 0);
	fence++;
	rc = xenvgpu_submit(c, cmdbuf, 32, fence);
	vgt_check(rc == -XENVGPU_ERR_CTX_FAULTED,
		  "the faulted context refuses more work (%s)",
		  xenvgpu_strerror(rc));
	vgt_check(xenvgpu_ctx_destroy(c) == 0, "faulted context destroyed");
}

static void step_pasids(void)
{
	struct xenvgpu_ctx *c[3] = {NULL, NULL, NULL};
	int rc;

	c[0] = new_ctx("PASID 1 of 2");
	c[1] = new_ctx("PASID 2 of 2");
	rc = xenvgpu_ctx_create(h, 0, &c[2], NULL);
	vgt_check(rc == -XENVGPU_ERR_NO_PASID && !c[2],
		  "a third context: %d \"%s\"", rc, xenvgpu_strerror(rc));
	for (int i = 0; i < 3; i++)
		xenvgpu_ctx_destroy(c[i]);
}

static void step_unmap_busy(void)
{
	struct xenvgpu_ctx *c = new_ctx("unmap during a submission");
	struct xenvgpu_buf *a = NULL, *b = NULL, *m = NULL;
	struct xv_cmd_builder cb;
	const uint32_t d = 96; /* TCG: about a second of work */
	size_t bytes = (size_t)d * d * 4;
	int rc, rc2, rc3;

	if (!c)
		return;
	xenvgpu_buf_alloc(h, bytes, &a);
	xenvgpu_buf_alloc(h, bytes, &b);
	xenvgpu_buf_alloc(h, bytes, &m);
	rc = xenvgpu_map(c, a, VA_A, 0);
	rc = rc ? rc : xenvgpu_map(c, b, VA_B, 0);
	rc = rc ? rc : xenvgpu_map(c, m, VA_C, XENVGPU_MAP_WRITE);
	xv_cmd_builder_init(&cb, cmdbuf, sizeof(cmdbuf));
	for (int i = 0; i < 2; i++)
		xv_cmd_matmul(&cb, VA_A, VA_B, VA_C, d, d, d);
	fence++;
	rc = rc ? rc : xenvgpu_submit(c, cb.buf, cb.len, fence);
	/* no wait: pull B and C from under the running work */
	rc2 = xenvgpu_unmap(c, VA_B);
	rc3 = xenvgpu_unmap(c, VA_C);
	vgt_check(rc == 0 && rc2 == 0 && rc3 == 0,
		  "submitted, then unmapped B and C while it may run (%s / %s)",
		  xenvgpu_strerror(rc2), xenvgpu_strerror(rc3));
	vgt_check(xenvgpu_buf_free(b) == 0 && xenvgpu_buf_free(m) == 0,
		  "their pages handed back after the unmap's answer");
	rc = xenvgpu_fence_wait(c, fence, 60000);
	vgt_check(rc == 0 || rc == -XENVGPU_ERR_CTX_FAULTED,
		  "the submission finished or faulted, nothing else (%s)",
		  xenvgpu_strerror(rc));
	xenvgpu_unmap(c, VA_A);
	xenvgpu_buf_free(a);
	vgt_check(xenvgpu_ctx_destroy(c) == 0, "context destroyed");
}

int main(void)
{
	struct xenvgpu_fault f;

	if (vgt_suite_open(&xs, &h))
		return 1;
	step_translation();
	step_scratch();
	step_foreign();
	step_fault();
	step_pasids();
	step_unmap_busy();
	while (xenvgpu_fault_read(h, &f) == 0)
		;
	vgt_close_checked(xs, h, "data/vgguest");
	vgt_put(xs, "data/vgguest/closed", "1");
	xs_close(xs);
	return vgt_summary("vgguest");
}
