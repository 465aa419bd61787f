/*
 * test-fe-gpu.c — libxenvgpu's GPU calls (frontend/lib/fe-pt.c,
 * fe-buffer.c, fe-ctx.c, fe-submit.c): the page-table writer against a
 * model, gref directories, and contexts / buffers / submissions / fences
 * / faults against a backend that runs in this process.
 *
 * TEST DOUBLE: the handle's transport (notify / wait / share / unshare)
 * is replaced by an in-process backend in plain memory. "Granting" a
 * page here only records it in a table (gref -> page); everything stays
 * in this one domain. The double reads what the frontend put in shared
 * memory exactly as a backend would (tables through grefs, command
 * buffers through inline grefs or directory chains) and checks it. The
 * cross-domain path is tested on real Xen (tests/bed: run/20-vgpu-demo,
 * scenarios/55-gpu-guest).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontend/lib/fe-private.h"
#include "cmd.h"
#include "compiler.h"
#include "fake-vgpu-be.h"
#include "proto.h"
#include "vcfg.h"
#include "xv-test.h"

/* ---- granted pages: gref -> page ------------------------------------------- */

#define MAX_REFS 8192u

struct grant {
	uint8_t *page; /* NULL: never granted or ended */
	bool writable;
};

static struct grant grants[MAX_REFS];
static uint32_t next_ref = 1;
static unsigned long live_pages, share_calls;
static bool share_fail;
/* every batch still shared, to free what a test leaves */
static void *batches[MAX_REFS];
static unsigned int nbatches;

static void *fake_share(struct xenvgpu *hh, unsigned int n, uint32_t *refs,
			bool writable)
{
	uint8_t *mem;

	(void)hh;
	if (share_fail || next_ref + n > MAX_REFS) {
		errno = ENOSPC;
		return NULL;
	}
	mem = aligned_alloc(XV_PAGE_BYTES, (size_t)n * XV_PAGE_BYTES);
	if (!mem)
		return NULL;
	memset(mem, 0, (size_t)n * XV_PAGE_BYTES);
	for (unsigned int i = 0; i < n; i++) {
		refs[i] = next_ref++;
		grants[refs[i]].page = mem + (size_t)i * XV_PAGE_BYTES;
		grants[refs[i]].writable = writable;
	}
	live_pages += n;
	share_calls++;
	batches[nbatches++] = mem;
	return mem;
}

static void fake_unshare(struct xenvgpu *hh, void *addr, unsigned int n)
{
	(void)hh;
	for (uint32_t r = 1; r < next_ref; r++)
		if (grants[r].page >= (uint8_t *)addr &&
		    grants[r].page <
			(uint8_t *)addr + (size_t)n * XV_PAGE_BYTES)
			grants[r].page = NULL;
	live_pages -= n;
	for (unsigned int i = 0; i < nbatches; i++)
		if (batches[i] == addr) {
			batches[i] = batches[--nbatches];
			break;
		}
	free(addr);
}

static void grants_reset(void)
{
	for (unsigned int i = 0; i < nbatches; i++)
		free(batches[i]);
	nbatches = 0;
	memset(grants, 0, sizeof(grants));
	next_ref = 1;
	live_pages = 0;
	share_calls = 0;
	share_fail = false;
}

static uint8_t *page_of(uint32_t ref)
{
	return ref && ref < MAX_REFS ? grants[ref].page : NULL;
}

/* Walk a guest table as the backend would: the leaf of va, or 0. */
static uint64_t walk(uint32_t root, uint64_t va, int *bad)
{
	uint64_t *t = (uint64_t *)page_of(root), e = 0;

	for (unsigned int level = XV_PT_LEVELS; level >= 1; level--) {
		if (!t) {
			(*bad)++;
			return 0;
		}
		e = xv_pte_load(&t[xv_pt_index(va, level)]);
		if (xv_pte_guest_check(e, level, NULL) == XV_PTE_ABSENT)
			return 0;
		if (xv_pte_guest_check(e, level, NULL) != XV_PTE_VALID ||
		    xv_proto_check_gaddr(xv_pte_guest_addr(e))) {
			(*bad)++;
			return 0;
		}
		if (level == 1)
			break;
		t = (uint64_t *)page_of(XV_GADDR_TO_GREF(xv_pte_guest_addr(e)));
	}
	return e;
}

/* ---- the page-table writer against a model ------------------------------- */

static int pt_alloc(void *arg, struct fe_pt_page *out)
{
	uint32_t ref;

	(void)arg;
	out->e = fake_share(NULL, 1, &ref, false);
	out->gref = ref;
	return out->e ? 0 : -ENOMEM;
}

#define MODEL_N 256u

static void test_pt_model(void)
{
	struct xv_rng rng;
	struct fe_pt pt;
	uint64_t va[MODEL_N], pte[MODEL_N];
	unsigned long steps = xv_test_steps(4000);
	int bad = 0;

	xv_rng_init(&rng, xv_test_seed("fe-pt model"));
	/* VAs in a few clusters, so that tables are shared and split. */
	for (unsigned int i = 0; i < MODEL_N; i++) {
		uint64_t base = (xv_rng_below(&rng, 4) << 39) |
				(xv_rng_below(&rng, 3) << 30) |
				(xv_rng_below(&rng, 3) << 21);

		va[i] = base | (xv_rng_below(&rng, 512) << 12);
		pte[i] = 0;
		for (unsigned int j = 0; j < i; j++)
			if (va[j] == va[i])
				va[i] = ((uint64_t)i << 12) | (1ull << 46);
	}
	CU_ASSERT_FATAL(fe_pt_init(&pt, pt_alloc, NULL) == 0);
	for (unsigned long s = 0; s < steps; s++) {
		unsigned int i = (unsigned int)xv_rng_below(&rng, MODEL_N);
		uint64_t e = 0;

		if (xv_rng_below(&rng, 3)) {
			uint32_t ref =
			    1 + (uint32_t)xv_rng_below(&rng, 1u << 20);

			e = xv_pte_guest_make(xv_gaddr_from_gref(ref),
					      xv_rng_below(&rng, 4) << 1);
		}
		CU_ASSERT_FATAL(fe_pt_set(&pt, va[i], e) == 0);
		pte[i] = e;
		/* compare everything every 64 steps, the touched one always */
		CU_ASSERT_EQUAL(walk(pt.root->pg.gref, va[i], &bad), pte[i]);
		if (s % 64 == 0)
			for (unsigned int j = 0; j < MODEL_N; j++) {
				CU_ASSERT_EQUAL(fe_pt_get(&pt, va[j]), pte[j]);
				CU_ASSERT_EQUAL(
				    walk(pt.root->pg.gref, va[j], &bad),
				    pte[j]);
			}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Nothing mapped where the model has nothing. */
	CU_ASSERT_EQUAL(walk(pt.root->pg.gref, 1ull << 47, &bad), 0);
	CU_ASSERT_EQUAL(fe_pt_set(&pt, 1ull << 48,
				  xv_pte_guest_make(xv_gaddr_from_gref(1), 0)),
			-EINVAL);
	CU_ASSERT_EQUAL(fe_pt_set(&pt, 0x1234, 0), -EINVAL);
	fe_pt_dispose(&pt);
	fe_pt_dispose(&pt); /* idempotent */
	grants_reset();
}

/* ---- gref directories ------------------------------------------------------ */

static void test_dir_build(void)
{
	const uint32_t sizes[] = {8, 1022, 1023, 1029, 2044, 2045, 5000};
	static uint32_t refs[5000];
	struct xv_gref_dir *dir[8];
	uint32_t dir_refs[8];

	for (uint32_t i = 0; i < 5000; i++)
		refs[i] = 100 + i * 7;
	for (unsigned int d = 0; d < 8; d++) {
		dir[d] = aligned_alloc(XV_PAGE_BYTES, XV_PAGE_BYTES);
		CU_ASSERT_FATAL(dir[d] != NULL);
		memset(dir[d], 0xa5, XV_PAGE_BYTES); /* stale bytes */
		dir_refs[d] = 50 + d;
	}
	for (unsigned int t = 0; t < XV_ARRAY_SIZE(sizes); t++) {
		uint32_t n = sizes[t], ndir = xv_proto_dir_pages(n), k = 0;

		CU_ASSERT_FATAL(ndir <= 8);
		CU_ASSERT_EQUAL(fe_dir_build(dir, dir_refs, ndir, refs, n), 0);
		/* The backend's check, page by page, and the chain. */
		for (uint32_t d = 0; d < ndir; d++) {
			CU_ASSERT_EQUAL(xv_proto_check_dir(dir[d], n - k), 0);
			CU_ASSERT_EQUAL(dir[d]->gref_dir_next_page,
					d + 1 < ndir ? dir_refs[d + 1] : 0);
			for (uint32_t i = 0; i < dir[d]->num_grefs; i++)
				CU_ASSERT_EQUAL(dir[d]->gref[i], refs[k + i]);
			k += dir[d]->num_grefs;
		}
		CU_ASSERT_EQUAL(k, n);
	}
	/* Inline-sized buffers and wrong chain lengths are refused. */
	CU_ASSERT_EQUAL(fe_dir_build(dir, dir_refs, 1, refs, 7), -EINVAL);
	CU_ASSERT_EQUAL(fe_dir_build(dir, dir_refs, 1, refs, 1023), -EINVAL);
	CU_ASSERT_EQUAL(fe_dir_build(dir, dir_refs, 2, refs, 100), -EINVAL);
	for (unsigned int d = 0; d < 8; d++)
		free(dir[d]);
}

/* ---- an in-process backend ------------------------------------------------ */

/* xv_test_limits() with room for 4 contexts and 2 PASIDs */
static struct xv_limits test_limits;

struct fake_ctx {
	bool live;
	uint32_t root; /* gref of the root table, 0: none */
	uint64_t last_fence;
};

struct fake_be {
	struct xv_fake_be fb;
	struct fake_ctx ctx[5]; /* handles 1..4 */
	unsigned int pasids;
	/* checks on what the frontend wrote */
	const uint8_t *want_cmd; /* the bytes the next SUBMIT must carry */
	size_t want_len;
	int cmd_bad, pt_bad, dir_used;
	uint32_t fault_ctx; /* post a fault for this ctx's next submit */
	uint64_t update_va, update_len;
	unsigned int updates;
};

static struct fake_be be;
static struct xenvgpu *h;

/* Gather a SUBMIT's command bytes from the grants, as a backend does. */
static void check_submit(const struct xv_req *req)
{
	uint32_t pages = xv_proto_submit_pages(req->u.submit.cmd_bytes);
	uint32_t bytes = req->u.submit.cmd_bytes, got = 0, left = pages;
	uint32_t refs[1100], n = 0;

	if (pages <= XV_SUBMIT_INLINE_GREFS) {
		memcpy(refs, req->u.submit.gref, pages * sizeof(uint32_t));
		n = pages;
	} else {
		uint32_t dref = req->u.submit.gref_directory;

		be.dir_used++;
		while (dref && n < pages) {
			const struct xv_gref_dir *d = (void *)page_of(dref);

			if (!d || grants[dref].writable ||
			    xv_proto_check_dir(d, left)) {
				be.cmd_bad++;
				return;
			}
			memcpy(refs + n, d->gref,
			       d->num_grefs * sizeof(uint32_t));
			n += d->num_grefs;
			left -= d->num_grefs;
			dref = d->gref_dir_next_page;
		}
	}
	if (n != pages || bytes != be.want_len) {
		be.cmd_bad++;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c =
		    bytes - got < XV_PAGE_BYTES ? bytes - got : XV_PAGE_BYTES;
		const uint8_t *p = page_of(refs[i]);

		/* command pages are read-only to the backend */
		if (!p || grants[refs[i]].writable ||
		    memcmp(p, be.want_cmd + got, c)) {
			be.cmd_bad++;
			return;
		}
		got += c;
	}
}

static int answer_gpu(const struct xv_req *req, struct xv_rsp *rsp)
{
	struct fake_ctx *c =
	    req->ctx && req->ctx <= 4 ? &be.ctx[req->ctx] : NULL;
	struct xv_evt e;

	if (req->op != XV_OP_CTX_CREATE && (!c || !c->live))
		return -XV_ERR_NO_CONTEXT;
	switch (req->op) {
	case XV_OP_CTX_CREATE:
		if (!xv_vcfg_pasid_enabled(be.fb.cfg))
			return -XV_ERR_PERM;
		for (uint32_t i = 1; i <= 4; i++)
			if (!be.ctx[i].live) {
				if (be.pasids == test_limits.max_pasids)
					return -XV_ERR_NO_PASID;
				memset(&be.ctx[i], 0, sizeof(be.ctx[i]));
				be.ctx[i].live = true;
				be.pasids++;
				rsp->u.ctx_create.ctx = i;
				rsp->u.ctx_create.vpasid = 10 + i;
				return 0;
			}
		return -XV_ERR_TOO_MANY_CONTEXTS;
	case XV_OP_CTX_SET_ROOT:
		c->root = XV_GADDR_TO_GREF(req->u.set_root.root);
		if (!page_of(c->root) || grants[c->root].writable)
			be.pt_bad++; /* tables are read-only to the backend */
		return 0;
	case XV_OP_CTX_DESTROY:
		c->live = false;
		be.pasids--;
		return 0;
	case XV_OP_PT_UPDATE:
		be.update_va = req->u.pt_update.gpu_va;
		be.update_len = req->u.pt_update.length;
		be.updates++;
		return 0;
	case XV_OP_PT_RESYNC:
		return 0;
	case XV_OP_SUBMIT:
		if (req->u.submit.fence <= c->last_fence)
			return -XV_ERR_FENCE_ORDER;
		c->last_fence = req->u.submit.fence;
		check_submit(req);
		memset(&e, 0, sizeof(e));
		e.ctx = req->ctx;
		if (be.fault_ctx == req->ctx) {
			e.type = XV_EVT_GPU_FAULT;
			e.u.gpu_fault.gpu_va = 0xdead000;
			e.u.gpu_fault.access = XV_FAULT_ACCESS_WRITE;
			e.u.gpu_fault.reason = XV_FAULT_NOT_PRESENT;
		} else {
			e.type = XV_EVT_FENCE_DONE;
			e.u.fence_done.fence = req->u.submit.fence;
		}
		xv_fake_be_post(&be.fb, &e);
		return 0;
	default:
		return -XV_ERR_NOT_SUPPORTED;
	}
}

static void answer(void *arg, const struct xv_req *req)
{
	struct xv_rsp rsp = xv_fake_be_rsp(req);
	int rc;

	(void)arg;
	rc = xv_proto_check_req(req, &be.fb.params);
	if (!rc)
		rc = xv_fake_be_common_op(req->op)
			 ? xv_fake_be_answer(&be.fb, req, 0, &rsp)
			 : answer_gpu(req, &rsp);
	if (rc)
		xv_fake_be_fail(&rsp, rc);
	xv_fake_be_put(&be.fb, &rsp);
}

static void be_run(void)
{
	xv_fake_be_run(&be.fb, NULL, answer, NULL);
}

static int fake_notify(struct xenvgpu *hh)
{
	(void)hh;
	return 0;
}

static int fake_wait(struct xenvgpu *hh, int timeout_ms)
{
	RING_IDX before = be.fb.back.rsp_prod_pvt;
	uint32_t evts = be.fb.evt->in_prod;

	(void)hh;
	(void)timeout_ms;
	be_run();
	if (be.fb.back.rsp_prod_pvt == before && be.fb.evt->in_prod == evts)
		return -ETIMEDOUT;
	return 0;
}

static const struct fe_transport_ops fake_ops = {
    .notify = fake_notify,
    .wait = fake_wait,
    .share = fake_share,
    .unshare = fake_unshare,
};

static void api_begin(void)
{
	grants_reset();
	memset(&be, 0, sizeof(be));
	test_limits = xv_test_limits();
	test_limits.max_contexts = 4;
	test_limits.max_pasids = 2;
	xv_fake_be_open(&be.fb, &test_limits, 0, XV_FEATURE_ALL, &fake_ops, &be,
			&h);
}

static void api_end(void)
{
	xv_fake_be_close(&be.fb, &h);
	/* close handed every granted page back */
	CU_ASSERT_EQUAL(live_pages, 0);
	grants_reset();
}

/* ---- the API --------------------------------------------------------------- */

static void test_ctx_pasid_enable_and_exhaustion(void)
{
	struct xenvgpu_ctx *a = NULL, *b = NULL, *c = NULL;
	uint32_t vp = 0;

	api_begin();
	CU_ASSERT_FALSE(xv_vcfg_pasid_enabled(be.fb.cfg));
	/* PASID Enable is set by the library before the first create. */
	CU_ASSERT_EQUAL(xenvgpu_ctx_create(h, 0, &a, &vp), 0);
	CU_ASSERT_TRUE(xv_vcfg_pasid_enabled(be.fb.cfg));
	CU_ASSERT_EQUAL(vp, 10 + xenvgpu_ctx_handle(a));
	CU_ASSERT_EQUAL(be.pt_bad, 0);
	CU_ASSERT_EQUAL(xenvgpu_ctx_create(h, XENVGPU_CTX_NOSNOOP, &b, NULL),
			0);
	/* the backend's quota is 2 PASIDs: a clear code, nothing leaked */
	CU_ASSERT_EQUAL(xenvgpu_ctx_create(h, 0, &c, NULL),
			-XENVGPU_ERR_NO_PASID);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_STRING_NOT_EQUAL(xenvgpu_strerror(-XENVGPU_ERR_NO_PASID),
				   "unknown error");
	CU_ASSERT_EQUAL(xenvgpu_ctx_create(h, 1u << 7, &c, NULL), -EINVAL);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(a), 0);
	CU_ASSERT_EQUAL(be.pasids, 1);
	CU_ASSERT_EQUAL(xenvgpu_ctx_create(h, 0, &c, NULL), 0);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(b), 0);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(c), 0);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(NULL), 0);
	CU_ASSERT_EQUAL(be.pasids, 0);
	/* every table page went back once the destroys were answered */
	CU_ASSERT_EQUAL(live_pages, 0);
	api_end();
}

static void test_map_unmap(void)
{
	struct xenvgpu_ctx *c = NULL;
	struct xenvgpu_buf *b = NULL;
	const uint64_t va = 0x7f0000001000ull;
	int bad = 0;
	uint8_t *p;

	api_begin();
	CU_ASSERT_FATAL(xenvgpu_ctx_create(h, 0, &c, NULL) == 0);
	CU_ASSERT_FATAL(xenvgpu_buf_alloc(h, 5 * 4096 - 7, &b) == 0);
	CU_ASSERT_EQUAL(xenvgpu_buf_size(b), 5 * 4096);
	p = xenvgpu_buf_ptr(b);
	for (size_t i = 0; i < xenvgpu_buf_size(b); i++)
		CU_ASSERT_EQUAL_FATAL(p[i], 0);
	CU_ASSERT_EQUAL(xenvgpu_map(c, b, va + 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(xenvgpu_map(c, b, (1ull << 48) - 4096, 0), -EINVAL);
	CU_ASSERT_EQUAL(xenvgpu_map(c, b, va, XENVGPU_MAP_WRITE), 0);
	CU_ASSERT_EQUAL(be.update_va, va);
	CU_ASSERT_EQUAL(be.update_len, 5 * 4096);
	for (unsigned int i = 0; i < 5; i++) {
		uint64_t e = walk(be.ctx[xenvgpu_ctx_handle(c)].root,
				  va + i * 4096ull, &bad);

		CU_ASSERT_EQUAL(
		    e,
		    xv_pte_guest_make(
			xv_gaddr_from_gref(xenvgpu_buf_gref(b, i)), XV_PTE_W));
		CU_ASSERT_TRUE(grants[xenvgpu_buf_gref(b, i)].writable);
	}
	CU_ASSERT_EQUAL(
	    walk(be.ctx[xenvgpu_ctx_handle(c)].root, va + 5 * 4096ull, &bad),
	    0);
	CU_ASSERT_EQUAL(bad, 0);
	/* overlapping map refused; free while mapped refused */
	CU_ASSERT_EQUAL(xenvgpu_map(c, b, va + 4096, 0), -EEXIST);
	CU_ASSERT_EQUAL(xenvgpu_buf_free(b), -EBUSY);
	CU_ASSERT_EQUAL(xenvgpu_unmap(c, va + 4096), -ENOENT);
	CU_ASSERT_EQUAL(xenvgpu_unmap(c, va), 0);
	CU_ASSERT_EQUAL(be.update_va, va);
	for (unsigned int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(walk(be.ctx[xenvgpu_ctx_handle(c)].root,
				     va + i * 4096ull, &bad),
				0);
	unsigned long before = live_pages;
	CU_ASSERT_EQUAL(xenvgpu_buf_free(b), 0);
	CU_ASSERT_EQUAL(live_pages, before - 5);
	/* raw grefs: written as given */
	{
		const uint32_t foreign[2] = {4000, 4001};

		CU_ASSERT_EQUAL(xenvgpu_map_grefs(c, va, foreign, 2, 0), 0);
		CU_ASSERT_EQUAL(
		    walk(be.ctx[xenvgpu_ctx_handle(c)].root, va + 4096, &bad) &
			XV_PTE_FRAME_MASK,
		    (uint64_t)4001 << 12);
		CU_ASSERT_EQUAL(xenvgpu_pt_resync(c), 0);
	}
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(c), 0);
	api_end();
}

static void test_submit_inline_directory_reuse(void)
{
	struct xenvgpu_ctx *c = NULL;
	struct xv_cmd_builder b;
	static uint8_t cmds[40 * 1024];
	unsigned long calls;

	api_begin();
	CU_ASSERT_FATAL(xenvgpu_ctx_create(h, 0, &c, NULL) == 0);
	/* one page: inline */
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	xv_cmd_fill(&b, 0x10000, 4096, 0xabcd);
	be.want_cmd = cmds;
	be.want_len = b.len;
	CU_ASSERT_EQUAL(xenvgpu_submit(c, cmds, b.len, 1), 0);
	CU_ASSERT_EQUAL(xenvgpu_fence_wait(c, 1, 100), 0);
	CU_ASSERT_EQUAL(xenvgpu_fence_done(c), 1);
	CU_ASSERT_EQUAL(be.dir_used, 0);
	/* 36 KiB of commands: 9 pages, a directory */
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	while (xv_cmd_fill(&b, 0x10000 + b.len, 4, (uint32_t)b.len) == 0 &&
	       b.len < 36 * 1024)
		;
	be.want_len = b.len;
	CU_ASSERT_EQUAL(xenvgpu_submit(c, cmds, b.len, 2), 0);
	CU_ASSERT_EQUAL(xenvgpu_fence_wait(c, 2, 100), 0);
	CU_ASSERT_EQUAL(be.dir_used, 1);
	/* steady state: no grant call however many submissions */
	calls = xenvgpu_grant_calls(h);
	for (uint64_t f = 3; f < 103; f++) {
		size_t len = (f % 2) ? b.len : 64;

		be.want_len = len;
		CU_ASSERT_EQUAL_FATAL(xenvgpu_submit(c, cmds, len, f), 0);
	}
	CU_ASSERT_EQUAL(xenvgpu_fence_wait(c, 102, 100), 0);
	CU_ASSERT_EQUAL(xenvgpu_grant_calls(h), calls);
	CU_ASSERT_EQUAL(be.cmd_bad, 0);
	/* refused locally: order, zero fence, a malformed buffer */
	CU_ASSERT_EQUAL(xenvgpu_submit(c, cmds, 64, 102), -XV_ERR_FENCE_ORDER);
	CU_ASSERT_EQUAL(xenvgpu_submit(c, cmds, 64, 0),
			-XV_ERR_SUBMIT_FENCE_ZERO);
	memset(cmds, 0, 64);
	CU_ASSERT_EQUAL(xenvgpu_submit(c, cmds, 64, 200),
			-XV_ERR_CMD_OPCODE_INVALID);
	/* a fence never submitted cannot be waited for */
	CU_ASSERT_EQUAL(xenvgpu_fence_wait(c, 500, 100), -EINVAL);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(c), 0);
	api_end();
}

static void test_fault_event(void)
{
	struct xenvgpu_ctx *c = NULL;
	struct xenvgpu_fault f;
	struct xv_cmd_builder b;
	uint8_t cmds[64];

	api_begin();
	CU_ASSERT_FATAL(xenvgpu_ctx_create(h, 0, &c, NULL) == 0);
	CU_ASSERT_EQUAL(xenvgpu_fault_read(h, &f), -EAGAIN);
	be.fault_ctx = xenvgpu_ctx_handle(c);
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	xv_cmd_fill(&b, 0xdead000, 4, 1);
	be.want_cmd = cmds;
	be.want_len = b.len;
	CU_ASSERT_EQUAL(xenvgpu_submit(c, cmds, b.len, 1), 0);
	CU_ASSERT_EQUAL(xenvgpu_fence_wait(c, 1, 100),
			-XENVGPU_ERR_CTX_FAULTED);
	CU_ASSERT_EQUAL(xenvgpu_fault_read(h, &f), 0);
	CU_ASSERT_EQUAL(f.ctx, xenvgpu_ctx_handle(c));
	CU_ASSERT_EQUAL(f.gpu_va, 0xdead000);
	CU_ASSERT_EQUAL(f.access, XV_FAULT_ACCESS_WRITE);
	CU_ASSERT_EQUAL(f.reason, XV_FAULT_NOT_PRESENT);
	CU_ASSERT_EQUAL(xenvgpu_fault_read(h, &f), -EAGAIN);
	CU_ASSERT_EQUAL(xenvgpu_submit(c, cmds, b.len, 2),
			-XENVGPU_ERR_CTX_FAULTED);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(c), 0);
	api_end();
}

/* A FENCE_DONE above anything submitted is a lie: dropped. */
static void test_forged_fence(void)
{
	struct xenvgpu_ctx *c = NULL;
	struct xv_evt e;

	api_begin();
	CU_ASSERT_FATAL(xenvgpu_ctx_create(h, 0, &c, NULL) == 0);
	memset(&e, 0, sizeof(e));
	e.type = XV_EVT_FENCE_DONE;
	e.ctx = xenvgpu_ctx_handle(c);
	e.u.fence_done.fence = 9;
	xv_fake_be_post(&be.fb, &e);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), 0);
	CU_ASSERT_EQUAL(xenvgpu_fence_done(c), 0);
	CU_ASSERT_EQUAL(h->gpu.bad_events, 1);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(c), 0);
	api_end();
}

/* Close with everything still alive: every page goes back (teardown). */
static void test_close_releases_everything(void)
{
	struct xenvgpu_ctx *c = NULL;
	struct xenvgpu_buf *b = NULL;

	api_begin();
	CU_ASSERT_FATAL(xenvgpu_ctx_create(h, 0, &c, NULL) == 0);
	CU_ASSERT_FATAL(xenvgpu_buf_alloc(h, 3 * 4096, &b) == 0);
	CU_ASSERT_EQUAL(xenvgpu_map(c, b, 0x100000, XENVGPU_MAP_WRITE), 0);
	CU_ASSERT_TRUE(live_pages > 3);
	share_fail = true;
	CU_ASSERT_EQUAL(xenvgpu_buf_alloc(h, 4096, &b), -ENOSPC);
	share_fail = false;
	api_end();
}

/* A reset takes every context: no request for them, handles reusable. */
static void test_reset_forgets_contexts(void)
{
	struct xenvgpu_ctx *a = NULL, *b = NULL;
	struct xenvgpu_buf *buf = NULL;
	uint32_t old;

	api_begin();
	CU_ASSERT_FATAL(xenvgpu_ctx_create(h, 0, &a, NULL) == 0);
	CU_ASSERT_FATAL(xenvgpu_buf_alloc(h, 4096, &buf) == 0);
	CU_ASSERT_EQUAL(xenvgpu_map(a, buf, 0x1000, 0), 0);
	old = xenvgpu_ctx_handle(a);
	/* the backend forgot everything (its double: handles free again) */
	memset(be.ctx, 0, sizeof(be.ctx));
	be.pasids = 0;
	h->ch.reset = true;
	CU_ASSERT_EQUAL(xenvgpu_reconnect(h), 0);
	CU_ASSERT_EQUAL(xenvgpu_submit(a, "", 8, 1), -XV_ERR_DEVICE_RESET);
	/* the mapping went with the context: the buffer may be freed */
	CU_ASSERT_EQUAL(xenvgpu_buf_free(buf), 0);
	CU_ASSERT_EQUAL(xenvgpu_ctx_create(h, 0, &b, NULL), 0);
	CU_ASSERT_EQUAL(xenvgpu_ctx_handle(b), old);
	/* destroying the stale object must not destroy the new context */
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(a), 0);
	CU_ASSERT_TRUE(be.ctx[old].live);
	CU_ASSERT_EQUAL(xenvgpu_ctx_destroy(b), 0);
	CU_ASSERT_FALSE(be.ctx[old].live);
	api_end();
}

static const struct xv_test_case pure_cases[] = {
    {"page-table writer vs model", test_pt_model},
    {"gref directory chains", test_dir_build},
    {NULL, NULL},
};

static const struct xv_test_case api_cases[] = {
    {"PASID enable, exhaustion", test_ctx_pasid_enable_and_exhaustion},
    {"map and unmap", test_map_unmap},
    {"submit inline, directory, page reuse",
     test_submit_inline_directory_reuse},
    {"fault event", test_fault_event},
    {"forged fence", test_forged_fence},
    {"close releases everything", test_close_releases_everything},
    {"reset forgets contexts", test_reset_forgets_contexts},
    {NULL, NULL},
};

static const struct xv_test_suite pure = {"fe-gpu-pure", pure_cases, NULL,
					  NULL};
static const struct xv_test_suite api = {"fe-gpu-api", api_cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&pure, &api, NULL};

	return xv_test_main(suites);
}
