/*
 * vggpu-domu.c — domU side of the bed's GPU scenario (issue 5, backend
 * half), a CUnit program: the backend's GPU path driven through the raw
 * ring with the frontend library's request helper (fe_request), before
 * the frontend's GPU API exists.
 *
 * It grants a handful of pages to dom0 (gntshr), writes a GPU page table
 * into them by hand (entries hold grant-based addresses), creates a
 * context, sets its root, submits FILL + COPY + FENCE_WRITE from a
 * granted command buffer and checks the bytes the GPU wrote into the
 * guest's pages; submits the same buffer again (the backend's persistent
 * mappings); makes the context fault and sees SUBMIT answer CTX_FAULTED;
 * destroys the context and holds the device a few seconds so that dom0
 * can read the status file (tests/bed/scenarios/50-gpu.sh checks there
 * are no contexts, PASIDs or mapped pages left, and the counters).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xengnttab.h>

#include "cmd.h"
#include "compiler.h"
#include "libxenvgpu.h"
#include "pt.h"
#include "vgpuif.h"
#include "vgtest.h"
#include "xv-test.h"

/*
 * The library's own request helper (frontend/lib/fe-private.h, in
 * libxenvgpu.a): one request on the ring, its checked response. Declared
 * here because that header drags in xenctrl.h's tools-only types.
 */
int fe_request(struct xenvgpu *h, const struct xv_req *req, struct xv_rsp *rsp);

enum {
	P_L4,
	P_L3,
	P_L2,
	P_L1,
	P_FILL0,
	P_FILL1,
	P_COPY0,
	P_COPY1,
	P_FENCE,
	P_CMD,
	P_CMD_FAULT,
	NPAGES
};

#define VA_FILL	 0x100000ull
#define VA_COPY	 0x102000ull
#define VA_FENCE 0x104000ull
#define VA_HOLE	 0x700000ull
#define PATTERN	 0xc0ffee11u

static struct {
	struct xenvgpu *h;
	xengntshr_handle *xgs;
	uint8_t *mem;
	uint32_t ref[NPAGES];
	uint32_t ctx;
	uint64_t id;
} G;

static uint8_t *page(int i)
{
	return G.mem + (size_t)i * XV_PAGE_BYTES;
}

static uint64_t gaddr(int i)
{
	return XV_GADDR_FROM_GREF(G.ref[i]);
}

static int request(uint16_t op, uint32_t ctx, struct xv_req *q,
		   struct xv_rsp *r)
{
	int rc;

	q->id = ++G.id;
	q->op = op;
	q->ctx = ctx;
	rc = fe_request(G.h, q, r);
	return rc ? rc : r->status;
}

static void test_open_and_share(void)
{
	char why[256] = "";
	int rc;

	rc = vgt_open_dev(&G.h, 30000, why, sizeof(why));
	if (rc)
		printf("open: %s %s\n", xenvgpu_strerror(rc), why);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(xenvgpu_enable_pasid(G.h), 0);
	G.xgs = xengntshr_open(NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(G.xgs);
	G.mem = xengntshr_share_pages(G.xgs, 0, NPAGES, G.ref, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(G.mem);
	memset(G.mem, 0, (size_t)NPAGES * XV_PAGE_BYTES);
}

/* Hand-built page table: L4[0] -> L3[0] -> L2[0] -> L1, leaves below. */
static void build_tables(void)
{
	uint64_t *l4 = (uint64_t *)page(P_L4), *l3 = (uint64_t *)page(P_L3);
	uint64_t *l2 = (uint64_t *)page(P_L2), *l1 = (uint64_t *)page(P_L1);
	const struct {
		uint64_t va;
		int pg;
	} leaf[] = {{VA_FILL, P_FILL0},
		    {VA_FILL + 4096, P_FILL1},
		    {VA_COPY, P_COPY0},
		    {VA_COPY + 4096, P_COPY1},
		    {VA_FENCE, P_FENCE}};

	l4[xv_pt_index(VA_FILL, 4)] = xv_pte_guest_make(gaddr(P_L3), 0);
	l3[xv_pt_index(VA_FILL, 3)] = xv_pte_guest_make(gaddr(P_L2), 0);
	l2[xv_pt_index(VA_FILL, 2)] = xv_pte_guest_make(gaddr(P_L1), 0);
	for (size_t i = 0; i < XV_ARRAY_SIZE(leaf); i++)
		l1[xv_pt_index(leaf[i].va, 1)] =
		    xv_pte_guest_make(gaddr(leaf[i].pg), XV_PTE_W);
}

static void test_context(void)
{
	struct xv_req q;
	struct xv_rsp r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(G.mem);
	build_tables();
	memset(&q, 0, sizeof(q));
	CU_ASSERT_EQUAL_FATAL(request(XV_OP_CTX_CREATE, 0, &q, &r), 0);
	G.ctx = r.u.ctx_create.ctx;
	printf("context %u, vPASID %u\n", G.ctx, r.u.ctx_create.vpasid);
	memset(&q, 0, sizeof(q));
	q.u.set_root.root = gaddr(P_L4);
	CU_ASSERT_EQUAL_FATAL(request(XV_OP_CTX_SET_ROOT, G.ctx, &q, &r), 0);
}

static int submit(int cmd_page, size_t len, uint64_t fence)
{
	struct xv_req q;
	struct xv_rsp r;

	memset(&q, 0, sizeof(q));
	q.u.submit.fence = fence;
	q.u.submit.cmd_bytes = (uint32_t)len;
	q.u.submit.nr_inline = 1;
	q.u.submit.gref[0] = G.ref[cmd_page];
	return request(XV_OP_SUBMIT, G.ctx, &q, &r);
}

/* Wait for the GPU's FENCE_WRITE in the guest's page (20 s at most). */
static bool wait_value(uint64_t want)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n((uint64_t *)page(P_FENCE),
				    __ATOMIC_ACQUIRE) == want)
			return true;
		xenvgpu_poll_events(G.h);
		usleep(10000);
	}
	return false;
}

static unsigned int wrong_words(void)
{
	unsigned int bad = 0;

	for (int p = P_COPY0; p <= P_COPY1; p++)
		for (size_t off = 0; off < XV_PAGE_BYTES; off += 4) {
			uint32_t w;

			memcpy(&w, page(p) + off, 4);
			bad += w != PATTERN;
		}
	return bad;
}

static void test_fill_copy(void)
{
	struct xv_cmd_builder b;

	CU_ASSERT_FATAL(G.ctx != 0);
	xv_cmd_builder_init(&b, page(P_CMD), XV_PAGE_BYTES);
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, VA_FILL, 8192, PATTERN), 0);
	CU_ASSERT_EQUAL(xv_cmd_copy(&b, VA_FILL, VA_COPY, 8192), 0);
	CU_ASSERT_EQUAL(xv_cmd_fence_write(&b, VA_FENCE, 0x5eed1), 0);
	CU_ASSERT_EQUAL(submit(P_CMD, b.len, 1), 0);
	CU_ASSERT_FATAL(wait_value(0x5eed1));
	CU_ASSERT_EQUAL(wrong_words(), 0);
	printf("FILL + COPY + fence 1 done, bytes checked\n");

	/* the same buffer again, new fence value in the buffer */
	memset(page(P_COPY0), 0, 2 * XV_PAGE_BYTES);
	xv_cmd_builder_init(&b, page(P_CMD), XV_PAGE_BYTES);
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, VA_FILL, 8192, PATTERN), 0);
	CU_ASSERT_EQUAL(xv_cmd_copy(&b, VA_FILL, VA_COPY, 8192), 0);
	CU_ASSERT_EQUAL(xv_cmd_fence_write(&b, VA_FENCE, 0x5eed2), 0);
	CU_ASSERT_EQUAL(submit(P_CMD, b.len, 2), 0);
	CU_ASSERT_FATAL(wait_value(0x5eed2));
	CU_ASSERT_EQUAL(wrong_words(), 0);
	/* fences only go up */
	CU_ASSERT_EQUAL(submit(P_CMD, b.len, 2), -XV_ERR_FENCE_ORDER);
	printf("second submission of the same buffer done\n");
}

static void test_fault(void)
{
	struct xv_cmd_builder b;
	int rc = 0;

	CU_ASSERT_FATAL(G.ctx != 0);
	xv_cmd_builder_init(&b, page(P_CMD_FAULT), XV_PAGE_BYTES);
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, VA_HOLE, 4096, 1), 0);
	CU_ASSERT_EQUAL(submit(P_CMD_FAULT, b.len, 3), 0);
	/* the fault is asynchronous: the context is in error soon after */
	for (uint64_t f = 4; f < 2004; f++) {
		rc = submit(P_CMD_FAULT, b.len, f);
		if (rc == -XV_ERR_CTX_FAULTED)
			break;
		xenvgpu_poll_events(G.h);
		usleep(10000);
	}
	CU_ASSERT_EQUAL(rc, -XV_ERR_CTX_FAULTED);
	printf("fault: SUBMIT answered %s\n", xenvgpu_strerror(rc));
}

static void test_destroy_and_hold(void)
{
	struct xv_req q;
	struct xv_rsp r;

	CU_ASSERT_FATAL(G.ctx != 0);
	memset(&q, 0, sizeof(q));
	CU_ASSERT_EQUAL(request(XV_OP_CTX_DESTROY, G.ctx, &q, &r), 0);
	memset(&q, 0, sizeof(q));
	CU_ASSERT_EQUAL(request(XV_OP_PT_RESYNC, G.ctx, &q, &r),
			-XV_ERR_NO_CONTEXT);
	printf("context destroyed; holding the device for dom0's checks\n");
	/* dom0 rewrites the status file every 2 s */
	sleep(5);
	CU_ASSERT_EQUAL(xenvgpu_close(G.h), 0);
	G.h = NULL;
	/* the backend let go of every grant: ending them is safe now */
	CU_ASSERT_EQUAL(xengntshr_unshare(G.xgs, G.mem, NPAGES), 0);
	xengntshr_close(G.xgs);
}

static const struct xv_test_case cases[] = {
    {"open, PASID enable, share pages", test_open_and_share},
    {"context with a hand-built page table", test_context},
    {"FILL + COPY + fence, twice", test_fill_copy},
    {"fault, then CTX_FAULTED", test_fault},
    {"destroy: nothing left (dom0 checks)", test_destroy_and_hold},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"vggpu", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return xv_test_main(suites);
}
