/*
 * test-be-ctx.c — the backend's GPU path (backend/be-ctx.c, be-submit.c,
 * be-events.c) driven through the real request dispatch (be-vgpu.c):
 * context lifecycle, page tables, SUBMIT with inline grefs and gref
 * directories, fences and faults on the event page, teardown leaving no
 * mapping and no PASID behind.
 *
 * TEST DOUBLE: guest memory and its "grant mapper" are tests/lib/guest-mem
 * (wrapped here to count live mappings), standing in for libxengnttab;
 * everything else is real — the soft IOMMU, the map cache, the shadow
 * engine and the reference GPU's engine threads. All of it stays in one
 * process; the cross-domain path is the bed's job.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "be-ctx.h"
#include "be-grant.h"
#include "be-ring.h"
#include "be-vgpu.h"
#include "cmd.h"
#include "guest-mem.h"
#include "proto.h"
#include "pt.h"
#include "vcfg.h"
#include "xv-test.h"

#define DOMID	  7u
#define GM_PAGES  2048u
#define FILL_VA	  0x100000ull
#define COPY_VA	  0x200000ull
#define HOLE_VA	  0x700000ull /* never mapped */
#define BUF_PAGES 2u

/* The mapper double: guest-mem's, counting what is mapped now. */
struct cmapper {
	struct xv_gmem *gm;
	uint32_t domid_seen;
	int64_t live; /* pages mapped and not unmapped */
	uint64_t map_calls;
};

static int cm_map(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
		  unsigned int n, enum xv_pin_access access, void **pages)
{
	struct cmapper *m = ctx;
	int rc =
	    xv_gmem_mapper_ops.map_batch(m->gm, domid, gaddr, n, access, pages);

	m->domid_seen = domid;
	if (rc == 0) {
		m->live += n;
		m->map_calls++;
	}
	return rc;
}

static void cm_unmap(void *ctx, void *const *pages, unsigned int n)
{
	struct cmapper *m = ctx;

	(void)pages; /* guest-mem owns them */
	m->live -= n;
}

static const struct xv_mapper_ops cm_ops = {cm_map, cm_unmap};

/* One guest with one vGPU, the event page in plain memory. */
struct guest {
	struct xv_pasid_space *space;
	struct be_vgpu *v;
	struct cmapper m;
	struct xv_evt_page *page;
	struct be_evt evt;
	uint32_t evt_cons;
	uint64_t id;
};

static struct xv_limits limits(void)
{
	struct xv_limits l = {
	    .max_contexts = 4,
	    .max_pinned_pages = 1024,
	    .pasid_width = 8,
	    .max_pasids = 4,
	    .max_queued_bytes = 1u << 20,
	    .max_cmd_bytes = 8u << 20,
	    .ring_order_max = 2,
	    .sched_weight = 100,
	    .features = XV_FEATURE_HOLDOFF | XV_FEATURE_OOS_PT,
	    .oos_pages = 16,
	};
	return l;
}

static struct xv_rsp req(struct guest *g, struct xv_req *q)
{
	struct xv_rsp r;

	q->id = ++g->id;
	memset(&r, 0xa5, sizeof(r));
	be_vgpu_handle(g->v, q, &r);
	CU_ASSERT_EQUAL(r.id, q->id);
	return r;
}

static struct xv_rsp simple(struct guest *g, uint16_t op, uint32_t ctx)
{
	struct xv_req q;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.ctx = ctx;
	return req(g, &q);
}

static void enable_pasid(struct guest *g)
{
	struct xv_req q;

	memset(&q, 0, sizeof(q));
	q.op = XV_OP_CFG_WRITE;
	q.u.cfg.offset = XV_VCFG_PASID_OFFSET + XV_PCI_PASID_CTRL;
	q.u.cfg.size = 2;
	q.u.cfg.value = XV_PCI_PASID_CTRL_ENABLE;
	CU_ASSERT_EQUAL(req(g, &q).status, 0);
}

static void guest_init(struct guest *g, uint32_t features)
{
	struct xv_limits l = limits();

	memset(g, 0, sizeof(*g));
	CU_ASSERT_EQUAL_FATAL(xv_pasid_space_new(10, &g->space), 0);
	CU_ASSERT_EQUAL_FATAL(be_vgpu_new(&l, features, g->space, 1, &g->v), 0);
	g->m.gm = xv_gmem_new(GM_PAGES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->m.gm);
	CU_ASSERT_EQUAL_FATAL(be_vgpu_set_mapper(g->v, DOMID, &cm_ops, &g->m),
			      0);
	g->page = calloc(1, XV_PAGE_BYTES);
	CU_ASSERT_EQUAL_FATAL(be_evt_attach(&g->evt, g->page), 0);
}

/* Teardown must leave nothing mapped and no PASID held. */
static void guest_fini(struct guest *g)
{
	be_vgpu_free(g->v);
	CU_ASSERT_EQUAL(g->m.live, 0);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(g->space), 0);
	xv_pasid_space_free(g->space);
	xv_gmem_free(g->m.gm);
	free(g->page);
}

static uint32_t ctx_create(struct guest *g, uint32_t flags)
{
	struct xv_req q;
	struct xv_rsp r;

	memset(&q, 0, sizeof(q));
	q.op = XV_OP_CTX_CREATE;
	q.u.ctx_create.flags = flags;
	r = req(g, &q);
	CU_ASSERT_EQUAL(r.status, 0);
	return r.u.ctx_create.ctx;
}

static uint32_t gref_of(xv_gaddr_t ga)
{
	return XV_GADDR_TO_GREF(ga);
}

/* ---- guest page tables (the frontend's job) -------------------------------- */

static uint64_t *l1_slot(struct guest *g, xv_gaddr_t root, uint64_t va)
{
	uint64_t *t = xv_gmem_page(g->m.gm, root);

	for (unsigned int level = 4; level > 1; level--) {
		uint64_t *e = &t[xv_pt_index(va, level)];

		if (!(*e & XV_PTE_P)) {
			xv_gaddr_t n = xv_gmem_alloc(g->m.gm);

			CU_ASSERT_FATAL(n != 0);
			*e = xv_pte_guest_make(n, 0);
		}
		t = xv_gmem_page(g->m.gm, xv_pte_guest_addr(*e));
	}
	return &t[xv_pt_index(va, 1)];
}

/* Fresh pages at [va, va + pages), announced with PT_UPDATE. */
static void map_range(struct guest *g, uint32_t ctx, xv_gaddr_t root,
		      uint64_t va, unsigned int pages)
{
	struct xv_req q;

	for (unsigned int i = 0; i < pages; i++) {
		xv_gaddr_t p = xv_gmem_alloc(g->m.gm);

		CU_ASSERT_FATAL(p != 0);
		*l1_slot(g, root, va + i * XV_PAGE_SIZE) =
		    xv_pte_guest_make(p, XV_PTE_W);
	}
	memset(&q, 0, sizeof(q));
	q.op = XV_OP_PT_UPDATE;
	q.ctx = ctx;
	q.u.pt_update.gpu_va = va;
	q.u.pt_update.length = (uint64_t)pages * XV_PAGE_SIZE;
	CU_ASSERT_EQUAL(req(g, &q).status, 0);
}

static uint8_t *guest_va(struct guest *g, xv_gaddr_t root, uint64_t va)
{
	uint64_t e = *l1_slot(g, root, va);

	return (uint8_t *)xv_gmem_page(g->m.gm, xv_pte_guest_addr(e)) +
	       (va & ~XV_PAGE_MASK);
}

static xv_gaddr_t set_root(struct guest *g, uint32_t ctx)
{
	xv_gaddr_t root = xv_gmem_alloc(g->m.gm);
	struct xv_req q;

	memset(&q, 0, sizeof(q));
	q.op = XV_OP_CTX_SET_ROOT;
	q.ctx = ctx;
	q.u.set_root.root = root;
	CU_ASSERT_EQUAL(req(g, &q).status, 0);
	return root;
}

/* A command buffer written into fresh guest pages; returns the SUBMIT. */
static void build_submit(struct guest *g, const void *cmds, size_t len,
			 uint64_t fence, struct xv_req *q, xv_gaddr_t *pages)
{
	uint32_t n = xv_proto_submit_pages((uint32_t)len);

	memset(q, 0, sizeof(*q));
	q->op = XV_OP_SUBMIT;
	q->u.submit.fence = fence;
	q->u.submit.cmd_bytes = (uint32_t)len;
	for (uint32_t i = 0; i < n; i++) {
		size_t off = (size_t)i * XV_PAGE_SIZE;
		size_t k = len - off < XV_PAGE_SIZE ? len - off : XV_PAGE_SIZE;

		pages[i] = xv_gmem_alloc(g->m.gm);
		CU_ASSERT_FATAL(pages[i] != 0);
		memcpy(xv_gmem_page(g->m.gm, pages[i]),
		       (const char *)cmds + off, k);
	}
	if (n <= XV_SUBMIT_INLINE_GREFS) {
		q->u.submit.nr_inline = (uint8_t)n;
		for (uint32_t i = 0; i < n; i++)
			q->u.submit.gref[i] = gref_of(pages[i]);
	}
}

/* Flush events to the page until one arrives (engines are threads). */
static bool next_event(struct guest *g, struct xv_evt *out)
{
	struct be_events *e = be_vgpu_events(g->v);

	for (int tries = 0; tries < 500; tries++) {
		struct pollfd p = {be_events_fd(e), POLLIN, 0};
		bool notify;

		if (g->page->in_prod != g->evt_cons) {
			*out = g->page->ring[g->evt_cons % XV_EVT_RING_LEN];
			g->evt_cons++;
			g->page->in_cons = g->evt_cons;
			return true;
		}
		poll(&p, 1, 10);
		CU_ASSERT(be_events_flush(e, &g->evt, &notify) >= 0);
	}
	return false;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_fill_copy_fence(void)
{
	struct guest g;
	struct xv_cmd_builder b;
	uint8_t cmds[256];
	xv_gaddr_t pages[8];
	struct be_vgpu_counters c;
	struct xv_evt ev;
	struct xv_req q;
	xv_gaddr_t root;
	uint32_t ctx;
	uint64_t calls;

	guest_init(&g, XV_FEATURE_HOLDOFF | XV_FEATURE_OOS_PT);
	/* no context before PASID Enable */
	CU_ASSERT_EQUAL(simple(&g, XV_OP_CTX_CREATE, 0).status, -XV_ERR_PERM);
	enable_pasid(&g);
	ctx = ctx_create(&g, XV_CTX_FLAG_OOS);
	CU_ASSERT_FATAL(ctx >= 1 && ctx <= 4);
	root = set_root(&g, ctx);
	map_range(&g, ctx, root, FILL_VA, BUF_PAGES);
	map_range(&g, ctx, root, COPY_VA, BUF_PAGES);

	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, FILL_VA, BUF_PAGES * 4096, 0x5a5aa5a5),
			0);
	CU_ASSERT_EQUAL(xv_cmd_copy(&b, FILL_VA, COPY_VA, BUF_PAGES * 4096), 0);
	build_submit(&g, cmds, b.len, 1, &q, pages);
	q.ctx = ctx;
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	CU_ASSERT_FATAL(next_event(&g, &ev));
	CU_ASSERT_EQUAL(ev.type, XV_EVT_FENCE_DONE);
	CU_ASSERT_EQUAL(ev.ctx, ctx);
	CU_ASSERT_EQUAL(ev.u.fence_done.fence, 1);
	for (uint64_t off = 0; off < BUF_PAGES * 4096; off += 4093) {
		uint32_t w;

		memcpy(&w, guest_va(&g, root, COPY_VA + (off & ~3ull)), 4);
		CU_ASSERT_EQUAL(w, 0x5a5aa5a5);
	}
	CU_ASSERT_EQUAL(g.m.domid_seen, DOMID);

	/* The same buffer again: persistent mappings, no new map call. */
	calls = g.m.map_calls;
	q.u.submit.fence = 2;
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	CU_ASSERT_EQUAL(g.m.map_calls, calls);
	CU_ASSERT_FATAL(next_event(&g, &ev));
	CU_ASSERT_EQUAL(ev.u.fence_done.fence, 2);
	/* fences only go up */
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_FENCE_ORDER);

	be_vgpu_counters(g.v, &c);
	CU_ASSERT_EQUAL(c.contexts, 1);
	CU_ASSERT_EQUAL(c.pasids, 1);
	CU_ASSERT(c.pinned_pages > 0);
	CU_ASSERT_EQUAL(c.submits, 2);
	CU_ASSERT_EQUAL(c.fences, 2);

	/* Destroy: no PASID, no grant mapping is left for the guest. */
	CU_ASSERT_EQUAL(simple(&g, XV_OP_CTX_DESTROY, ctx).status, 0);
	be_vgpu_counters(g.v, &c);
	CU_ASSERT_EQUAL(c.contexts, 0);
	CU_ASSERT_EQUAL(c.pasids, 0);
	CU_ASSERT_EQUAL(c.pinned_pages, 0);
	CU_ASSERT_EQUAL(g.m.live, 0);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(g.space), 0);
	CU_ASSERT_EQUAL(simple(&g, XV_OP_PT_RESYNC, ctx).status,
			-XV_ERR_NO_CONTEXT);
	guest_fini(&g);
}

static void test_fault_then_faulted(void)
{
	struct guest g;
	struct xv_cmd_builder b;
	uint8_t cmds[64];
	xv_gaddr_t pages[2];
	struct be_vgpu_counters c;
	struct xv_evt ev;
	struct xv_req q;
	uint32_t ctx;

	guest_init(&g, 0);
	enable_pasid(&g);
	ctx = ctx_create(&g, 0);
	/* SUBMIT before a root: refused */
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, HOLE_VA, 4096, 1), 0);
	build_submit(&g, cmds, b.len, 1, &q, pages);
	q.ctx = ctx;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_NO_ROOT);
	set_root(&g, ctx);
	/* a FILL of a hole: GPU_FAULT, then the context is in error */
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	CU_ASSERT_FATAL(next_event(&g, &ev));
	CU_ASSERT_EQUAL(ev.type, XV_EVT_GPU_FAULT);
	CU_ASSERT_EQUAL(ev.ctx, ctx);
	CU_ASSERT_EQUAL(ev.u.gpu_fault.gpu_va, HOLE_VA);
	CU_ASSERT_EQUAL(ev.u.gpu_fault.access, XV_FAULT_ACCESS_WRITE);
	CU_ASSERT_EQUAL(ev.u.gpu_fault.reason, XV_FAULT_NOT_PRESENT);
	CU_ASSERT_EQUAL(ev.u.gpu_fault.lost, 0);
	{
		struct xv_proto_params pp = {.limits = limits()};

		CU_ASSERT_EQUAL(xv_proto_check_evt(&ev, &pp), 0);
	}
	q.u.submit.fence = 2;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_CTX_FAULTED);
	be_vgpu_counters(g.v, &c);
	CU_ASSERT_EQUAL(c.faults, 1);
	/* a new context works; teardown with a live context is clean */
	ctx = ctx_create(&g, 0);
	CU_ASSERT(ctx != 0);
	guest_fini(&g);
}

static void test_bad_grants(void)
{
	struct guest g;
	struct xv_req q;
	xv_gaddr_t bad;
	uint32_t ctx;

	guest_init(&g, 0);
	enable_pasid(&g);
	ctx = ctx_create(&g, 0);
	/* a root the guest never granted */
	bad = xv_gmem_alloc(g.m.gm);
	xv_gmem_set_bad(g.m.gm, bad, true);
	memset(&q, 0, sizeof(q));
	q.op = XV_OP_CTX_SET_ROOT;
	q.ctx = ctx;
	q.u.set_root.root = bad;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_BAD_GREF);
	/* not a grant address at all: the validator's code */
	q.u.set_root.root = 0x1000;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_GADDR_NOT_GRANT);
	set_root(&g, ctx);
	/* a command buffer on a bad grant */
	memset(&q, 0, sizeof(q));
	q.op = XV_OP_SUBMIT;
	q.ctx = ctx;
	q.u.submit.fence = 1;
	q.u.submit.cmd_bytes = 8;
	q.u.submit.nr_inline = 1;
	q.u.submit.gref[0] = gref_of(bad);
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_BAD_GREF);
	CU_ASSERT_EQUAL(g.m.live >= 0, 1);
	guest_fini(&g);
}

/* NOPs over `pages` pages, then a FILL: a buffer that needs a directory. */
static size_t big_buffer(uint8_t *buf, size_t cap, uint64_t fill_va)
{
	struct xv_cmd_builder b;

	xv_cmd_builder_init(&b, buf, cap);
	while (b.len + 64 < cap)
		CU_ASSERT_EQUAL_FATAL(xv_cmd_nop(&b), 0);
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, fill_va, 4096, 0x11223344), 0);
	return b.len;
}

static void test_directory(void)
{
	enum { PAGES = 9 };
	static uint8_t buf[PAGES * 4096];
	xv_gaddr_t pages[PAGES], dirg, dir2;
	struct xv_gref_dir *dir;
	struct guest g;
	struct xv_evt ev;
	struct xv_req q;
	xv_gaddr_t root;
	size_t len;
	uint32_t ctx, w;

	guest_init(&g, 0);
	enable_pasid(&g);
	ctx = ctx_create(&g, 0);
	root = set_root(&g, ctx);
	map_range(&g, ctx, root, FILL_VA, 1);
	len = big_buffer(buf, sizeof(buf), FILL_VA);
	CU_ASSERT_EQUAL_FATAL(xv_proto_submit_pages((uint32_t)len), PAGES);
	build_submit(&g, buf, len, 1, &q, pages);
	q.ctx = ctx;
	dirg = xv_gmem_alloc(g.m.gm);
	dir = (struct xv_gref_dir *)xv_gmem_page(g.m.gm, dirg);
	dir->num_grefs = PAGES;
	for (int i = 0; i < PAGES; i++)
		dir->gref[i] = gref_of(pages[i]);
	q.u.submit.gref_directory = gref_of(dirg);
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	CU_ASSERT_FATAL(next_event(&g, &ev));
	CU_ASSERT_EQUAL(ev.type, XV_EVT_FENCE_DONE);
	memcpy(&w, guest_va(&g, root, FILL_VA), 4);
	CU_ASSERT_EQUAL(w, 0x11223344);

	/* hostile directories: each refused with its own code */
	q.u.submit.fence = 2;
	dir->num_grefs = PAGES - 1;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_DIR_CHAIN_SHORT);
	dir->num_grefs = PAGES + 1;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_DIR_NUM_OVER_REMAINING);
	dir->num_grefs = PAGES;
	dir->gref_dir_next_page = gref_of(dirg); /* a loop */
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_DIR_CHAIN_LONG);
	dir->gref_dir_next_page = 0;
	dir->gref[PAGES] = 5; /* an unused slot not 0 */
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_DIR_UNUSED);
	dir->gref[PAGES] = 0;
	dir->gref[3] = 0;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_DIR_GREF_ZERO);
	dir->gref[3] = gref_of(pages[3]);

	/* A chain of two pages whose second points back at the first: the
	 * walk stops after the two pages the length allows. */
	dir2 = xv_gmem_alloc(g.m.gm);
	{
		struct xv_gref_dir *d1 = dir, *d2;

		d2 = (struct xv_gref_dir *)xv_gmem_page(g.m.gm, dir2);
		d1->num_grefs = XV_DIR_GREFS_PER_PAGE;
		for (uint32_t i = 0; i < XV_DIR_GREFS_PER_PAGE; i++)
			d1->gref[i] = gref_of(pages[0]);
		d1->gref_dir_next_page = gref_of(dir2);
		d2->num_grefs = XV_DIR_GREFS_PER_PAGE; /* 1 remains */
		d2->gref_dir_next_page = gref_of(dirg);
		for (uint32_t i = 0; i < XV_DIR_GREFS_PER_PAGE; i++)
			d2->gref[i] = gref_of(pages[0]);
		q.u.submit.cmd_bytes = (XV_DIR_GREFS_PER_PAGE + 1) * 4096;
		CU_ASSERT_EQUAL(req(&g, &q).status,
				-XV_ERR_DIR_NUM_OVER_REMAINING);
		/* the right count, the same page 1023 times: NOPs to the end,
		 * but too many of them for the scanner */
		d2->num_grefs = 1;
		d2->gref_dir_next_page = 0;
		for (uint32_t i = 1; i < XV_DIR_GREFS_PER_PAGE; i++)
			d2->gref[i] = 0;
		/* gathered (duplicates pin fine), then the scanner says no */
		CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_CMD_TOO_MANY);
	}
	guest_fini(&g);
}

static void test_queue_full(void)
{
	struct guest g;
	struct xv_cmd_builder b;
	static uint8_t cmds[8192];
	xv_gaddr_t pages[2];
	struct xv_req q;
	xv_gaddr_t root;
	uint32_t ctx;
	int st = 0;

	guest_init(&g, 0);
	enable_pasid(&g);
	ctx = ctx_create(&g, 0);
	root = set_root(&g, ctx);
	map_range(&g, ctx, root, FILL_VA, 1);
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	while (b.len + 32 < sizeof(cmds))
		CU_ASSERT_EQUAL_FATAL(xv_cmd_fill(&b, FILL_VA, 4096, 7), 0);
	build_submit(&g, cmds, b.len, 1, &q, pages);
	q.ctx = ctx;
	/* max-queued-bytes is 1 MiB: 8 KiB buffers fill it before the
	 * engine drains them (each FILLs 4 KiB hundreds of times) */
	for (uint64_t f = 1; f <= 400 && st == 0; f++) {
		q.u.submit.fence = f;
		st = req(&g, &q).status;
	}
	CU_ASSERT_EQUAL(st, -XV_ERR_QUEUE_FULL);
	guest_fini(&g);
}

/*
 * Scratch use and OOS pages reach the counters (the status file's
 * scratch-entries, scratch-events, oos-pages): two PTEs naming grants the
 * guest never made are exactly two entries on scratch while mapped; the
 * events outlive the context; an OOS context's notified table page is
 * counted until the context goes.
 */
static void test_scratch_and_oos_counters(void)
{
	struct be_vgpu_counters c;
	struct guest g;
	xv_gaddr_t root;
	uint32_t ctx;
	struct xv_req q;
	const uint64_t va = 0x200000;

	guest_init(&g, XV_FEATURE_OOS_PT);
	enable_pasid(&g);
	ctx = ctx_create(&g, 0);
	root = set_root(&g, ctx);
	for (unsigned int i = 0; i < 2; i++)
		*l1_slot(&g, root, va + i * XV_PAGE_SIZE) = xv_pte_guest_make(
		    XV_GADDR_FROM_GREF(GM_PAGES + 100 + i), 0);
	memset(&q, 0, sizeof(q));
	q.op = XV_OP_PT_UPDATE;
	q.ctx = ctx;
	q.u.pt_update.gpu_va = va;
	q.u.pt_update.length = 2 * XV_PAGE_SIZE;
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	be_vgpu_counters(g.v, &c);
	CU_ASSERT_EQUAL(c.scratch_entries, 2);
	CU_ASSERT_EQUAL(c.scratch_events, 2);
	CU_ASSERT_EQUAL(c.oos_pages, 0);
	CU_ASSERT_EQUAL(simple(&g, XV_OP_CTX_DESTROY, ctx).status, 0);
	be_vgpu_counters(g.v, &c);
	CU_ASSERT_EQUAL(c.scratch_entries, 0);
	CU_ASSERT_EQUAL(c.scratch_events, 2);

	/* OOS: the update is noted, the page held out of sync */
	ctx = ctx_create(&g, XV_CTX_FLAG_OOS);
	root = set_root(&g, ctx);
	map_range(&g, ctx, root, va, 1);
	be_vgpu_counters(g.v, &c);
	CU_ASSERT(c.oos_pages >= 1);
	CU_ASSERT_EQUAL(c.scratch_entries, 0);
	CU_ASSERT_EQUAL(simple(&g, XV_OP_CTX_DESTROY, ctx).status, 0);
	be_vgpu_counters(g.v, &c);
	CU_ASSERT_EQUAL(c.oos_pages, 0);
	CU_ASSERT_EQUAL(c.scratch_events, 2);
	guest_fini(&g);
}

/* The profile decides about no-snoop: without its bit, PERM. */
static void test_nosnoop(void)
{
	struct xv_limits l = limits();
	struct be_gpu_config cfg = {0};
	struct xv_pasid_space *sp;
	struct xv_pasid_vgpu *pv;
	struct be_gpu_dev *dev;
	struct be_gpu *g;
	uint32_t h, vp;
	struct guest gg;
	struct xv_req q;

	CU_ASSERT_EQUAL_FATAL(xv_pasid_space_new(8, &sp), 0);
	CU_ASSERT_EQUAL_FATAL(xv_pasid_vgpu_new(sp, 4, 8, &pv), 0);
	CU_ASSERT_EQUAL_FATAL(be_gpu_dev_get(&dev), 0);
	cfg.dev = dev;
	cfg.limits = &l;
	cfg.pasids = pv;
	/* acked but not in the profile (a caller bug): still refused */
	l.features = XV_FEATURE_HOLDOFF;
	cfg.features = XV_FEATURE_NOSNOOP;
	CU_ASSERT_EQUAL_FATAL(be_gpu_new(&cfg, &g), 0);
	CU_ASSERT_EQUAL(be_ctx_create(g, XV_CTX_FLAG_NOSNOOP, &h, &vp),
			-XV_ERR_PERM);
	CU_ASSERT_EQUAL(xv_pasid_vgpu_in_use(pv), 0);
	CU_ASSERT_EQUAL(be_ctx_create(g, 0, &h, &vp), 0);
	be_gpu_free(g);
	/* offered and acked: a no-snoop context */
	l.features = XV_FEATURE_NOSNOOP;
	CU_ASSERT_EQUAL_FATAL(be_gpu_new(&cfg, &g), 0);
	CU_ASSERT_EQUAL(be_ctx_create(g, XV_CTX_FLAG_NOSNOOP, &h, &vp), 0);
	be_gpu_free(g);
	CU_ASSERT_EQUAL(xv_pasid_vgpu_in_use(pv), 0);
	be_gpu_dev_put(dev);
	xv_pasid_vgpu_free(pv);
	xv_pasid_space_free(sp);

	/* through the wire: the profile (no nosnoop) refuses it */
	guest_init(&gg, 0);
	enable_pasid(&gg);
	memset(&q, 0, sizeof(q));
	q.op = XV_OP_CTX_CREATE;
	q.u.ctx_create.flags = XV_CTX_FLAG_NOSNOOP;
	CU_ASSERT_EQUAL(req(&gg, &q).status, -XV_ERR_PERM);
	guest_fini(&gg);
}

/*
 * Random context lifecycles against a model (live handles): after every
 * step the vGPU's counters, the device's PASIDs and the live grant
 * mappings agree with it; with no context alive nothing stays mapped.
 */
static void test_random_lifecycle(void)
{
	struct guest g;
	struct xv_rng rng;
	bool live[5] = {false};
	bool rooted[5] = {false};
	xv_gaddr_t root[5] = {0};
	uint64_t fence[5] = {0};
	unsigned long steps = xv_test_steps(400);
	uint8_t cmds[64];
	struct xv_cmd_builder b;
	xv_gaddr_t cmdpage[1];
	struct xv_req sq;

	xv_rng_init(&rng, xv_test_seed("be-ctx random lifecycle"));
	guest_init(&g, XV_FEATURE_OOS_PT);
	enable_pasid(&g);
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, FILL_VA, 4096, 3), 0);
	build_submit(&g, cmds, b.len, 1, &sq, cmdpage);
	for (unsigned long i = 0; i < steps; i++) {
		uint32_t h = 1 + (uint32_t)xv_rng_below(&rng, 4);
		unsigned int n = 0;
		struct be_vgpu_counters c;
		struct xv_rsp r;

		switch (xv_rng_below(&rng, 5)) {
		case 0: { /* create */
			struct xv_req q;

			memset(&q, 0, sizeof(q));
			q.op = XV_OP_CTX_CREATE;
			q.u.ctx_create.flags =
			    xv_rng_below(&rng, 2) ? XV_CTX_FLAG_OOS : 0;
			r = req(&g, &q);
			for (int k = 1; k <= 4; k++)
				n += live[k];
			if (n == 4) {
				CU_ASSERT_EQUAL(r.status,
						-XV_ERR_TOO_MANY_CONTEXTS);
			} else {
				CU_ASSERT_EQUAL_FATAL(r.status, 0);
				h = r.u.ctx_create.ctx;
				CU_ASSERT_FATAL(h >= 1 && h <= 4 && !live[h]);
				live[h] = true;
				rooted[h] = false;
				fence[h] = 0;
			}
			break;
		}
		case 1: /* destroy */
			r = simple(&g, XV_OP_CTX_DESTROY, h);
			CU_ASSERT_EQUAL(r.status,
					live[h] ? 0 : -XV_ERR_NO_CONTEXT);
			live[h] = false;
			break;
		case 2: /* root and a page at FILL_VA, or a resync */
			if (!live[h]) {
				CU_ASSERT_EQUAL(
				    simple(&g, XV_OP_PT_RESYNC, h).status,
				    -XV_ERR_NO_CONTEXT);
				break;
			}
			if (rooted[h]) {
				/* (a new root under running work would make
				 * it fault, rightly: not what this checks) */
				CU_ASSERT_EQUAL(
				    simple(&g, XV_OP_PT_RESYNC, h).status, 0);
				break;
			}
			root[h] = set_root(&g, h);
			map_range(&g, h, root[h], FILL_VA, 1);
			rooted[h] = true;
			break;
		default: /* submit */
			sq.ctx = h;
			sq.u.submit.fence = fence[h] + 1;
			r = req(&g, &sq);
			if (!live[h]) {
				CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_CONTEXT);
			} else if (!rooted[h]) {
				CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_ROOT);
			} else {
				CU_ASSERT(r.status == 0 ||
					  r.status == -XV_ERR_QUEUE_FULL);
			}
			if (r.status == 0)
				fence[h]++;
			break;
		}
		n = 0;
		for (int k = 1; k <= 4; k++)
			n += live[k];
		be_vgpu_counters(g.v, &c);
		CU_ASSERT_EQUAL(c.contexts, n);
		CU_ASSERT_EQUAL(c.pasids, n);
		CU_ASSERT_EQUAL(xv_pasid_space_in_use(g.space), n);
		if (n == 0) {
			CU_ASSERT_EQUAL(g.m.live, 0);
			CU_ASSERT_EQUAL(c.pinned_pages, 0);
		}
		CU_ASSERT_EQUAL((uint64_t)g.m.live, c.pinned_pages);
	}
	guest_fini(&g);
}

/*
 * TEST DOUBLE of libxengnttab under the real grant mapper (be-grant.c):
 * a map copies the guest pages into a fresh block (a snapshot: enough for
 * tables and command buffers), an unmap must name a whole block.
 */
struct copy_gnttab {
	struct xv_gmem *gm;
	int live_blocks;
	int bad_unmaps;
};

static void *copy_map(void *h, uint32_t count, uint32_t domid, uint32_t *refs,
		      int prot)
{
	struct copy_gnttab *f = h;
	uint8_t *p;

	(void)prot;
	if (domid != DOMID) {
		errno = EINVAL;
		return NULL;
	}
	for (uint32_t i = 0; i < count; i++)
		if (!xv_gmem_pinnable(f->gm, XV_GADDR_FROM_GREF(refs[i]))) {
			errno = EINVAL;
			return NULL;
		}
	if (posix_memalign((void **)&p, 4096, (size_t)count * 4096)) {
		errno = ENOMEM;
		return NULL;
	}
	/* first word: the block's size, for the unmap check */
	for (uint32_t i = 0; i < count; i++)
		memcpy(p + (size_t)i * 4096,
		       xv_gmem_page(f->gm, XV_GADDR_FROM_GREF(refs[i])), 4096);
	f->live_blocks++;
	return p;
}

static int copy_unmap(void *h, void *start, uint32_t count)
{
	struct copy_gnttab *f = h;

	(void)count;
	free(start);
	f->live_blocks--;
	return 0;
}

static const struct be_grant_io copy_io = {copy_map, copy_unmap};

static void test_through_grant_mapper(void)
{
	struct copy_gnttab f = {0};
	struct be_grant_config gc = {DOMID, &copy_io, &f};
	struct be_grant_stats st;
	struct be_grant *gr;
	struct xv_cmd_builder b;
	uint8_t cmds[64];
	xv_gaddr_t pages[1];
	struct guest g;
	struct xv_req q;
	xv_gaddr_t root;
	uint32_t ctx;

	guest_init(&g, 0);
	f.gm = g.m.gm;
	CU_ASSERT_EQUAL_FATAL(be_grant_new(&gc, &gr), 0);
	CU_ASSERT_EQUAL_FATAL(
	    be_vgpu_set_mapper(g.v, DOMID, &be_grant_mapper_ops, gr), 0);
	enable_pasid(&g);
	ctx = ctx_create(&g, 0);
	/* the tables first, then SET_ROOT: as a frontend does */
	root = xv_gmem_alloc(g.m.gm);
	for (int i = 0; i < 5; i++)
		*l1_slot(&g, root, FILL_VA + i * 4096ull) =
		    xv_pte_guest_make(xv_gmem_alloc(g.m.gm), XV_PTE_W);
	memset(&q, 0, sizeof(q));
	q.op = XV_OP_CTX_SET_ROOT;
	q.ctx = ctx;
	q.u.set_root.root = root;
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	CU_ASSERT_EQUAL(xv_cmd_nop(&b), 0);
	build_submit(&g, cmds, b.len, 1, &q, pages);
	q.ctx = ctx;
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	q.u.submit.fence = 2;
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	be_grant_get_stats(gr, &st);
	/* L4, L3, L2, L1, the leaves in one batch, the command page */
	CU_ASSERT_EQUAL(st.map_calls, 6);
	/* a fault, as the bed's guest does: the context is in error */
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, HOLE_VA, 4096, 1), 0);
	build_submit(&g, cmds, b.len, 3, &q, pages);
	q.ctx = ctx;
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	{
		struct xv_evt ev = {0};

		/* fences 1 and 2 (merged or not), then the fault */
		for (int k = 0; k < 3 && ev.type != XV_EVT_GPU_FAULT; k++)
			CU_ASSERT(next_event(&g, &ev));
		CU_ASSERT_EQUAL(ev.type, XV_EVT_GPU_FAULT);
	}
	q.u.submit.fence = 4;
	CU_ASSERT_EQUAL(req(&g, &q).status, -XV_ERR_CTX_FAULTED);
	CU_ASSERT(st.live_chunks > 0);
	CU_ASSERT_EQUAL(simple(&g, XV_OP_CTX_DESTROY, ctx).status, 0);
	be_grant_get_stats(gr, &st);
	CU_ASSERT_EQUAL(st.live_chunks, 0);
	CU_ASSERT_EQUAL(st.live_pages, 0);
	CU_ASSERT_EQUAL(st.mapped_pages, 0);
	CU_ASSERT_EQUAL(st.unmap_calls, st.map_calls);
	CU_ASSERT_EQUAL(f.live_blocks, 0);
	guest_fini(&g);
	be_grant_free(gr);
}

/*
 * xenvgpud --no-pin-cache (the bench's per-request baseline): each
 * submission maps its command page and unmaps it when done, while the
 * buffers the shadow pins stay mapped; with the cache back on, a repeated
 * submission maps nothing.
 */
static void test_no_pin_cache(void)
{
	struct guest g;
	struct xv_cmd_builder b;
	uint8_t cmds[64];
	xv_gaddr_t pages[1];
	struct xv_evt ev;
	struct xv_req q;
	xv_gaddr_t root;
	uint32_t ctx, w;
	uint64_t calls;
	int64_t live;

	guest_init(&g, XV_FEATURE_HOLDOFF);
	enable_pasid(&g);
	ctx = ctx_create(&g, 0);
	CU_ASSERT_FATAL(ctx >= 1);
	root = set_root(&g, ctx);
	map_range(&g, ctx, root, FILL_VA, BUF_PAGES);
	xv_cmd_builder_init(&b, cmds, sizeof(cmds));
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, FILL_VA, 4, 0x600dcafe), 0);
	build_submit(&g, cmds, b.len, 1, &q, pages);
	q.ctx = ctx;

	be_gpu_set_pin_cache(false);
	/* the first one also drops what earlier requests left unused */
	CU_ASSERT_EQUAL(req(&g, &q).status, 0);
	CU_ASSERT_FATAL(next_event(&g, &ev));
	live = g.m.live;
	calls = g.m.map_calls;
	for (uint64_t f = 2; f <= 3; f++) {
		q.u.submit.fence = f;
		CU_ASSERT_EQUAL(req(&g, &q).status, 0);
		CU_ASSERT_EQUAL(g.m.map_calls, calls + f - 1);
		CU_ASSERT_EQUAL(g.m.live, live); /* unmapped again */
		CU_ASSERT_FATAL(next_event(&g, &ev));
		CU_ASSERT_EQUAL(ev.u.fence_done.fence, f);
	}
	memcpy(&w, guest_va(&g, root, FILL_VA), 4);
	CU_ASSERT_EQUAL(w, 0x600dcafe);
	CU_ASSERT(live > 0); /* the buffer stays pinned by the shadow */

	be_gpu_set_pin_cache(true);
	for (uint64_t f = 4; f <= 5; f++) {
		q.u.submit.fence = f;
		CU_ASSERT_EQUAL(req(&g, &q).status, 0);
		/* the second is a cache hit */
		CU_ASSERT_EQUAL(g.m.map_calls, calls + 3);
		CU_ASSERT_EQUAL(g.m.live, live + 1);
		CU_ASSERT_FATAL(next_event(&g, &ev));
		CU_ASSERT_EQUAL(ev.u.fence_done.fence, f);
	}
	CU_ASSERT_EQUAL(simple(&g, XV_OP_CTX_DESTROY, ctx).status, 0);
	CU_ASSERT_EQUAL(g.m.live, 0);
	guest_fini(&g);
}

static const struct xv_test_case cases[] = {
    {"FILL + COPY + fence, persistent maps, clean destroy",
     test_fill_copy_fence},
    {"GPU fault event, then CTX_FAULTED", test_fault_then_faulted},
    {"bad grants: root and command buffer", test_bad_grants},
    {"gref directories, good and hostile", test_directory},
    {"queue full is backpressure", test_queue_full},
    {"no-snoop only where the profile allows it", test_nosnoop},
    {"scratch and OOS counters", test_scratch_and_oos_counters},
    {"random lifecycles against a model", test_random_lifecycle},
    {"through the grant mapper: every chunk unmapped on destroy",
     test_through_grant_mapper},
    {"--no-pin-cache: a map and an unmap per submission", test_no_pin_cache},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"be-ctx", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
