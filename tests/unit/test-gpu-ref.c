/*
 * test-gpu-ref.c — the reference GPU on the real core pieces: the soft
 * IOMMU, an IOVA space and a map cache per vGPU (over guest memory from
 * the guest-mem double), a shadow per context, PASIDs from the allocator
 * attached in the IOMMU. Guest page tables are written in guest memory
 * and shadowed by the shadow engine, whose tlb_invalidate hook calls the
 * device. Nothing is faked between a GPU VA and the byte it reaches.
 *
 * Checks: every command bit-exact against tests/lib/cpu-ref.c; isolation
 * between PASIDs and vGPUs; faults with the right VA, access and reason
 * that put only their context in error; read-only mappings; that
 * translation and GPU-TLB invalidation are really used; fence order;
 * backpressure; no-snoop visibility; unmapping under a running
 * submission (with a mapper that frees host pages, so ASan would see a
 * stale access); scratch entries; reset.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cpu-ref.h"
#include "gpu-ref.h"
#include "guest-mem.h"
#include "iommu-soft.h"
#include "iommu-tables.h"
#include "iova.h"
#include "mapcache.h"
#include "pasid.h"
#include "pt.h"
#include "shadow.h"
#include "xv-test.h"

#define GMEM_PAGES 4096u
#define IOVA_SIZE  (1ull << 30)

/* ---- a mapper over guest memory ------------------------------------------- */

/*
 * Maps a guest page by handing out the guest page itself (as gntdev
 * shares the frame), or, in bounce mode and for read-write pins, a fresh
 * heap copy that unmap frees: then any device access after the unmap is
 * a heap use-after-free that ASan reports. (Guest tables are pinned
 * read-only and stay shared, so the shadow engine sees guest updates.)
 */
struct mapper {
	struct xv_gmem *gm;
	bool bounce; /* read-write pins only; tables are read-only pins */
	uint64_t maps, unmaps, freed;
};

static bool is_guest_page(struct xv_gmem *gm, const void *p)
{
	for (uint32_t i = 0; i < xv_gmem_pages(gm); i++)
		if (xv_gmem_page(gm, xv_gmem_addr(gm, i)) == p)
			return true;
	return false;
}

static int mapper_map(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
		      unsigned int n, enum xv_pin_access access, void **pages)
{
	struct mapper *m = ctx;

	(void)domid;
	for (unsigned int i = 0; i < n; i++)
		if (!xv_gmem_pinnable(m->gm, gaddr[i]))
			return -EFAULT;
	for (unsigned int i = 0; i < n; i++) {
		void *g = xv_gmem_page(m->gm, gaddr[i]);

		if (m->bounce && access == XV_PIN_READWRITE) {
			pages[i] = aligned_alloc(XV_PAGE_SIZE, XV_PAGE_SIZE);
			memcpy(pages[i], g, XV_PAGE_SIZE);
		} else {
			pages[i] = g;
		}
	}
	m->maps += n;
	return 0;
}

static void mapper_unmap(void *ctx, void *const *pages, unsigned int n)
{
	struct mapper *m = ctx;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = pages[i];

		/* Not a guest page: one of ours, a bounce copy. */
		if (m->bounce && !is_guest_page(m->gm, p)) {
			free(p);
			m->freed++;
		}
	}
	m->unmaps += n;
}

static const struct xv_mapper_ops mapper_ops = {mapper_map, mapper_unmap};

/* ---- the device-wide pieces ------------------------------------------------- */

struct tctx;

static struct {
	struct xv_iommu_soft *soft;
	struct xv_iommu io;
	struct xv_pasid_space *pasids;
	struct xv_gpu *gpu;
	/* test hook */
	pthread_mutex_t lock;
	pthread_cond_t cv;
	void (*hook)(struct tctx *t, uint32_t index, uint16_t opcode);
	unsigned int ncompl; /* completions seen, all contexts */
} D;

/* ---- one vGPU: guest memory, IOMMU context, IOVA space, map cache ---------- */

struct tvgpu {
	struct xv_gmem *gm;
	struct mapper mapper;
	xv_iommu_ctx_t ictx;
	struct xv_iova_space *iova;
	struct xv_iommu_tables tables;
	struct xv_mapcache *mc;
	struct xv_shadow_vgpu *svg;
	struct xv_pasid_vgpu *pv;
	struct xv_gpu_vgpu *gv;
	void *scratch;
	xv_iova_t scratch_iova;
};

static void vgpu_init(struct tvgpu *v, unsigned int slot, uint32_t weight,
		      uint64_t max_queued, bool bounce)
{
	struct xv_mapcache_config mc = {0};
	struct xv_shadow_vgpu_config sc = {0};
	struct xv_gpu_vgpu_config gc = {weight, max_queued};
	struct xv_iommu_map m;
	xv_iova_t base = (1ull + slot) << 32; /* windows apart per vGPU */

	memset(v, 0, sizeof(*v));
	v->gm = xv_gmem_new(GMEM_PAGES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v->gm);
	v->mapper.gm = v->gm;
	v->mapper.bounce = bounce;
	CU_ASSERT_EQUAL_FATAL(D.io.ops->ctx_alloc(D.io.impl, &v->ictx), 0);
	CU_ASSERT_EQUAL_FATAL(xv_iova_space_new(base, IOVA_SIZE, &v->iova), 0);
	mc.domid = 1 + slot;
	mc.max_pages = GMEM_PAGES;
	mc.mapper = &mapper_ops;
	mc.mapper_ctx = &v->mapper;
	mc.iommu = D.io;
	mc.iommu_ctx = v->ictx;
	mc.iova_space = v->iova;
	CU_ASSERT_EQUAL_FATAL(xv_mapcache_new(&mc, &v->mc), 0);
	/* The scratch page: zeroed, read-only to the device. */
	v->scratch = aligned_alloc(XV_PAGE_SIZE, XV_PAGE_SIZE);
	memset(v->scratch, 0, XV_PAGE_SIZE);
	CU_ASSERT_EQUAL_FATAL(xv_iova_alloc(v->iova, 1, 0, &v->scratch_iova),
			      0);
	m.iova = v->scratch_iova;
	m.page = v->scratch;
	m.flags = XV_IOMMU_READ;
	CU_ASSERT_EQUAL_FATAL(D.io.ops->map_batch(D.io.impl, v->ictx, &m, 1),
			      0);
	v->tables.io = D.io;
	v->tables.ctx = v->ictx;
	v->tables.iova = v->iova;
	sc.table_ops = &xv_iommu_table_ops;
	sc.table_ctx = &v->tables;
	sc.scratch_iova = v->scratch_iova;
	sc.oos_pages = 64;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_vgpu_new(&sc, &v->svg), 0);
	CU_ASSERT_EQUAL_FATAL(xv_pasid_vgpu_new(D.pasids, 16, 8, &v->pv), 0);
	CU_ASSERT_EQUAL_FATAL(xv_gpu_vgpu_new(D.gpu, &gc, &v->gv), 0);
}

static void vgpu_fini(struct tvgpu *v)
{
	CU_ASSERT_EQUAL(xv_gpu_vgpu_free(v->gv), 0);
	xv_pasid_vgpu_free(v->pv);
	xv_shadow_vgpu_free(v->svg);
	xv_mapcache_free(v->mc);
	D.io.ops->unmap_batch(D.io.impl, v->ictx, &v->scratch_iova, 1);
	D.io.ops->flush(D.io.impl, v->ictx, 0, 0);
	CU_ASSERT_EQUAL(D.io.ops->ctx_free(D.io.impl, v->ictx), 0);
	xv_iova_space_free(v->iova);
	free(v->scratch);
	xv_gmem_free(v->gm);
}

/* ---- one GPU context: PASID, guest tables, shadow, device context --------- */

#define MAXFENCES 256

struct tctx {
	struct tvgpu *v;
	uint32_t vpasid, ppasid;
	xv_gaddr_t root;
	struct xv_shadow *sh;
	struct xv_gpu_ctx *gc;
	/* callbacks (D.lock) */
	uint64_t fences[MAXFENCES];
	unsigned int order[MAXFENCES]; /* device-wide completion index */
	unsigned int nfences;
	bool fence_order_bad;
	struct xv_gpu_fault fault;
	unsigned int nfaults;
};

static void tlb_forward(void *ctx, uint64_t va, uint64_t len)
{
	struct tctx *t = ctx;

	/* The shadow exists before the device context it serves. */
	if (t->gc)
		xv_gpu_tlb_invalidate(t->gc, va, len);
}

static void ctx_init(struct tctx *t, struct tvgpu *v, bool nosnoop)
{
	struct xv_shadow_config sc = {0};
	struct xv_gpu_ctx_config gc = {0};

	memset(t, 0, sizeof(*t));
	t->v = v;
	CU_ASSERT_EQUAL_FATAL(
	    xv_pasid_alloc(v->pv, &t->vpasid, &t->ppasid, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(
	    D.io.ops->pasid_attach(D.io.impl, t->ppasid, v->ictx), 0);
	t->root = xv_gmem_alloc(v->gm);
	sc.vgpu = v->svg;
	sc.pin_ops = &xv_mapcache_pin_ops;
	sc.pin_ctx = v->mc;
	sc.tlb_invalidate = tlb_forward;
	sc.tlb_ctx = t;
	sc.oos_disable = true;
	CU_ASSERT_EQUAL_FATAL(xv_shadow_new(&sc, &t->sh), 0);
	CU_ASSERT_EQUAL_FATAL(xv_shadow_set_root(t->sh, t->root), 0);
	gc.vgpu = v->gv;
	gc.pasid = t->ppasid;
	gc.shadow_root = xv_shadow_root_iova(t->sh);
	gc.nosnoop = nosnoop;
	gc.priv = t;
	CU_ASSERT_EQUAL_FATAL(xv_gpu_ctx_new(D.gpu, &gc, &t->gc), 0);
}

/* Teardown in the order the backend must keep. */
static void ctx_fini(struct tctx *t)
{
	xv_gpu_ctx_free(t->gc);
	t->gc = NULL;
	xv_shadow_free(t->sh);
	D.io.ops->pasid_detach(D.io.impl, t->ppasid);
	xv_pasid_free(t->v->pv, t->vpasid);
}

/* Guest side: the L1 slot for va, making tables on the way. */
static uint64_t *guest_l1_slot(struct tctx *t, uint64_t va)
{
	uint64_t *table = xv_gmem_page(t->v->gm, t->root);

	for (unsigned int level = 4; level > 1; level--) {
		uint64_t *e = &table[xv_pt_index(va, level)];

		if (!(*e & XV_PTE_P)) {
			xv_gaddr_t g = xv_gmem_alloc(t->v->gm);

			CU_ASSERT_FATAL(g != 0);
			*e = xv_pte_guest_make(g, 0);
		}
		table = xv_gmem_page(t->v->gm, xv_pte_guest_addr(*e));
	}
	return &table[xv_pt_index(va, 1)];
}

/* The guest writes a leaf entry and tells the backend (PT_UPDATE). */
static void guest_set(struct tctx *t, uint64_t va, uint64_t entry)
{
	*guest_l1_slot(t, va) = entry;
	CU_ASSERT_EQUAL(
	    xv_shadow_update_range(t->sh, va & XV_PAGE_MASK, XV_PAGE_SIZE), 0);
}

/* Fresh guest pages mapped at [va, va + pages * 4 KiB). */
static void guest_map(struct tctx *t, uint64_t va, unsigned int pages,
		      bool writable)
{
	for (unsigned int i = 0; i < pages; i++) {
		xv_gaddr_t g = xv_gmem_alloc(t->v->gm);

		CU_ASSERT_FATAL(g != 0);
		guest_set(t, va + i * XV_PAGE_SIZE,
			  xv_pte_guest_make(g, writable ? XV_PTE_W : 0));
	}
}

/* The guest CPU's view of its mapped VA (through its own tables). */
static uint8_t *guest_ptr(struct tctx *t, uint64_t va)
{
	uint64_t e = *guest_l1_slot(t, va);
	uint8_t *p = (uint8_t *)xv_gmem_page(t->v->gm, xv_pte_guest_addr(e));

	return p + (va & ~XV_PAGE_MASK);
}

static void guest_put(struct tctx *t, uint64_t va, const void *src, size_t n)
{
	const uint8_t *s = src;

	while (n) {
		size_t k = XV_PAGE_SIZE - (va & ~XV_PAGE_MASK);

		k = k < n ? k : n;
		memcpy(guest_ptr(t, va), s, k);
		va += k;
		s += k;
		n -= k;
	}
}

static void guest_get(struct tctx *t, uint64_t va, void *dst, size_t n)
{
	uint8_t *d = dst;

	while (n) {
		size_t k = XV_PAGE_SIZE - (va & ~XV_PAGE_MASK);

		k = k < n ? k : n;
		memcpy(d, guest_ptr(t, va), k);
		va += k;
		d += k;
		n -= k;
	}
}

/* ---- callbacks ------------------------------------------------------------------ */

static void on_fence(void *arg, void *ctx_priv, uint64_t fence)
{
	struct tctx *t = ctx_priv;

	(void)arg;
	pthread_mutex_lock(&D.lock);
	if (t->nfences && fence <= t->fences[t->nfences - 1])
		t->fence_order_bad = true;
	if (t->nfences < MAXFENCES) {
		t->order[t->nfences] = D.ncompl;
		t->fences[t->nfences++] = fence;
	}
	D.ncompl++;
	pthread_mutex_unlock(&D.lock);
}

static void on_fault(void *arg, void *ctx_priv, const struct xv_gpu_fault *f)
{
	struct tctx *t = ctx_priv;

	(void)arg;
	pthread_mutex_lock(&D.lock);
	t->fault = *f;
	t->nfaults++;
	pthread_mutex_unlock(&D.lock);
}

static void on_cmd(void *arg, void *ctx_priv, uint32_t index, uint16_t opcode)
{
	(void)arg;
	if (D.hook)
		D.hook(ctx_priv, index, opcode);
}

static struct {
	struct tctx *who;
	uint64_t va;
	bool parked, release;
} AP;

/* Parks the engine inside a page access (MMU lock held). */
static void on_access(void *arg, void *ctx_priv, uint64_t va, bool write)
{
	(void)arg;
	if (ctx_priv != AP.who || va != AP.va || write)
		return;
	pthread_mutex_lock(&D.lock);
	AP.parked = true;
	pthread_cond_broadcast(&D.cv);
	while (!AP.release)
		pthread_cond_wait(&D.cv, &D.lock);
	AP.who = NULL;
	pthread_mutex_unlock(&D.lock);
}

static int suite_init(void)
{
	struct xv_gpu_ref_config cfg = {0};

	pthread_mutex_init(&D.lock, NULL);
	pthread_cond_init(&D.cv, NULL);
	if (xv_iommu_soft_new(16, &D.soft))
		return -1;
	D.io = xv_iommu_soft_iommu(D.soft);
	if (xv_pasid_space_new(20, &D.pasids))
		return -1;
	cfg.iommu = D.io;
	cfg.events.fence_done = on_fence;
	cfg.events.fault = on_fault;
	cfg.copy_engines = 1;
	cfg.compute_engines = 1;
	cfg.cmd_hook = on_cmd;
	cfg.access_hook = on_access;
	return xv_gpu_ref_new(&cfg, &D.gpu) ? -1 : 0;
}

static int suite_cleanup(void)
{
	xv_gpu_free(D.gpu);
	xv_pasid_space_free(D.pasids);
	xv_iommu_soft_free(D.soft);
	return 0;
}

/* Submit a built buffer and wait for its fence: 0 or -EPIPE. */
static int run(struct tctx *t, struct xv_cmd_builder *b, uint64_t fence)
{
	int rc = xv_gpu_submit(t->gc, b->buf, b->len, fence);

	if (rc)
		return rc;
	return xv_gpu_ctx_wait(t->gc, fence);
}

static void fill_random(struct xv_rng *rng, void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)xv_rng_next(rng);
}

static void fill_floats(struct xv_rng *rng, float *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f[i] = (float)((int64_t)xv_rng_below(rng, 2000001) - 1000000) /
		       4096.0f;
}

/* ---- tests ------------------------------------------------------------------------ */

static uint8_t cmdbuf[4096];

static void test_bit_exact(void)
{
	enum { M = 33, N = 47, K = 65, SN = 3000 };
	struct tvgpu v;
	struct tctx t;
	struct xv_rng rng;
	struct xv_cmd_builder b;
	static uint8_t src[3 * 4096], fill[3 * 4096], dst[3 * 4096];
	static float x[SN], y[SN], A[M * K], B[K * N], C[M * N];
	static uint8_t got[3 * 4096];
	uint64_t ts[2], fv;

	xv_rng_init(&rng, xv_test_seed("gpu bit-exact"));
	vgpu_init(&v, 0, 100, 1 << 20, false);
	ctx_init(&t, &v, false);
	guest_map(&t, 0x100000, 3, true); /* COPY source */
	guest_map(&t, 0x200000, 3, true); /* COPY destination */
	guest_map(&t, 0x300000, 3, true); /* FILL */
	guest_map(&t, 0x400000, 3, true); /* x */
	guest_map(&t, 0x500000, 3, true); /* y */
	guest_map(&t, 0x600000, 3, true); /* A */
	guest_map(&t, 0x700000, 4, true); /* B */
	guest_map(&t, 0x800000, 2, true); /* C */
	guest_map(&t, 0x900000, 1, true); /* fence + timestamps */
	fill_random(&rng, src, sizeof(src));
	fill_random(&rng, dst, sizeof(dst));
	fill_random(&rng, fill, sizeof(fill));
	fill_floats(&rng, x, SN);
	fill_floats(&rng, y, SN);
	fill_floats(&rng, A, M * K);
	fill_floats(&rng, B, K * N);
	guest_put(&t, 0x100000, src, sizeof(src));
	guest_put(&t, 0x200000, dst, sizeof(dst));
	guest_put(&t, 0x300000, fill, sizeof(fill));
	guest_put(&t, 0x400000, x, sizeof(x));
	guest_put(&t, 0x500000, y, sizeof(y));
	guest_put(&t, 0x600000, A, sizeof(A));
	guest_put(&t, 0x700000, B, sizeof(B));

	/* Copy engine: FILL, COPY, FENCE_WRITE, TIMESTAMP. */
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_timestamp(&b, 0x900000);
	xv_cmd_fill(&b, 0x300000 + 12, 2 * 4096 + 100, 0xa1b2c3d4);
	xv_cmd_copy(&b, 0x100000 + 5, 0x200000 + 1001, 9000);
	xv_cmd_fence_write(&b, 0x900010, 0x1122334455667788ull);
	xv_cmd_nop(&b);
	xv_cmd_flush(&b);
	xv_cmd_timestamp(&b, 0x900008);
	CU_ASSERT_EQUAL(run(&t, &b, 1), 0);

	xv_ref_fill(fill + 12, 2 * 4096 + 100, 0xa1b2c3d4);
	xv_ref_copy(dst + 1001, src + 5, 9000);
	guest_get(&t, 0x300000, got, sizeof(fill));
	CU_ASSERT(memcmp(got, fill, sizeof(fill)) == 0);
	guest_get(&t, 0x200000, got, sizeof(dst));
	CU_ASSERT(memcmp(got, dst, sizeof(dst)) == 0);
	guest_get(&t, 0x900010, &fv, 8);
	CU_ASSERT_EQUAL(fv, 0x1122334455667788ull);
	guest_get(&t, 0x900000, ts, 16);
	CU_ASSERT(ts[1] >= ts[0]);
	CU_ASSERT(ts[1] != 0);

	/* Compute engine: SAXPY and MATMUL, bit for bit. */
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_saxpy(&b, 0x400000, 0x500000, SN, -1.75f);
	xv_cmd_matmul(&b, 0x600000, 0x700000, 0x800000, M, N, K);
	CU_ASSERT_EQUAL(run(&t, &b, 2), 0);
	xv_ref_saxpy(y, x, SN, -1.75f);
	xv_ref_matmul(C, A, B, M, N, K);
	guest_get(&t, 0x500000, got, sizeof(y));
	CU_ASSERT(memcmp(got, y, sizeof(y)) == 0);
	guest_get(&t, 0x800000, got, sizeof(C));
	CU_ASSERT(memcmp(got, C, sizeof(C)) == 0);
	CU_ASSERT_EQUAL(t.nfaults, 0);
	CU_ASSERT_EQUAL(t.nfences, 2);
	ctx_fini(&t);
	vgpu_fini(&v);
}

/* A hand-built shadow chain in vGPU b's IOMMU context for one VA. */
static xv_iova_t forge_chain(struct tvgpu *b, uint64_t va, xv_iova_t leaf,
			     uint64_t **tables)
{
	xv_iova_t iova[4];

	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(
		    xv_iommu_table_ops.alloc(&b->tables, &tables[i], &iova[i]),
		    0);
	/* tables[0] = L4 ... tables[3] = L1 */
	for (int i = 0; i < 3; i++)
		tables[i][xv_pt_index(va, 4 - (unsigned int)i)] =
		    xv_pte_shadow_table(iova[i + 1]);
	tables[3][xv_pt_index(va, 1)] =
	    xv_pte_shadow_leaf(leaf, XV_PTE_W | XV_PTE_P);
	return iova[0];
}

static void test_isolation(void)
{
	struct tvgpu a, b;
	struct tctx ta, tb, ta2;
	struct xv_cmd_builder cb;
	struct xv_mapcache_entry_info info;
	uint8_t secret[64], got[64];
	uint64_t *tables[4];
	xv_iova_t root;
	struct xv_gpu_ctx *forged;
	struct xv_gpu_ctx_config gc = {0};
	uint32_t vp, pp;

	vgpu_init(&a, 0, 100, 1 << 20, false);
	vgpu_init(&b, 1, 100, 1 << 20, false);
	ctx_init(&ta, &a, false);
	ctx_init(&ta2, &a, false);
	ctx_init(&tb, &b, false);
	CU_ASSERT(ta.ppasid != tb.ppasid && ta.ppasid != ta2.ppasid);
	guest_map(&ta, 0x100000, 1, true);
	memset(secret, 0x5a, sizeof(secret));
	guest_put(&ta, 0x100000, secret, sizeof(secret));
	guest_map(&tb, 0x200000, 1, true);
	guest_map(&ta2, 0x200000, 1, true);

	/* Same VA in another context of the same vGPU: not mapped there. */
	xv_cmd_builder_init(&cb, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&cb, 0x100000, 0x200000, 64);
	CU_ASSERT_EQUAL(run(&ta2, &cb, 1), -EPIPE);
	CU_ASSERT_EQUAL(ta2.nfaults, 1);
	CU_ASSERT_EQUAL(ta2.fault.gpu_va, 0x100000);
	CU_ASSERT_EQUAL(ta2.fault.reason, XV_FAULT_NOT_PRESENT);
	CU_ASSERT_EQUAL(ta2.fault.access, XV_FAULT_ACCESS_READ);
	/* Another vGPU: the same. */
	CU_ASSERT_EQUAL(run(&tb, &cb, 1), -EPIPE);
	CU_ASSERT_EQUAL(tb.fault.gpu_va, 0x100000);
	guest_get(&tb, 0x200000, got, sizeof(got));
	CU_ASSERT(memcmp(got, secret, sizeof(got)) != 0);

	/*
	 * Even a shadow entry holding the IOVA of a's page (a shadow bug,
	 * forged here) does not reach it with a PASID of vGPU b: b's IOMMU
	 * context does not map that IOVA.
	 */
	CU_ASSERT_EQUAL_FATAL(
	    xv_mapcache_lookup(a.mc,
			       xv_pte_guest_addr(*guest_l1_slot(&ta, 0x100000)),
			       XV_PIN_READWRITE, &info),
	    0);
	root = forge_chain(&b, 0x300000, info.iova, tables);
	CU_ASSERT_EQUAL_FATAL(xv_pasid_alloc(b.pv, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(D.io.ops->pasid_attach(D.io.impl, pp, b.ictx), 0);
	gc.vgpu = b.gv;
	gc.pasid = pp;
	gc.shadow_root = root;
	gc.priv = &tb;
	tb.nfaults = 0;
	CU_ASSERT_EQUAL_FATAL(xv_gpu_ctx_new(D.gpu, &gc, &forged), 0);
	xv_cmd_builder_init(&cb, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&cb, 0x300000, 64, 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(forged, cb.buf, cb.len, 1), 0);
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(forged, 1), -EPIPE);
	CU_ASSERT_EQUAL(tb.fault.reason, XV_FAULT_BAD_ADDRESS);
	CU_ASSERT_EQUAL(tb.fault.detail, XV_IOMMU_FAULT_NOT_MAPPED);
	CU_ASSERT_EQUAL(tb.fault.gpu_va, 0x300000);
	guest_get(&ta, 0x100000, got, sizeof(got));
	CU_ASSERT(memcmp(got, secret, sizeof(got)) == 0);
	xv_gpu_ctx_free(forged);
	/* With a's PASID the forged chain's tables do not even translate. */
	gc.vgpu = a.gv;
	gc.pasid = ta.ppasid;
	gc.priv = &ta2;
	ta2.nfaults = 0;
	CU_ASSERT_EQUAL_FATAL(xv_gpu_ctx_new(D.gpu, &gc, &forged), 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(forged, cb.buf, cb.len, 1), 0);
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(forged, 1), -EPIPE);
	CU_ASSERT_EQUAL(ta2.fault.reason, XV_FAULT_BAD_ADDRESS);
	CU_ASSERT_EQUAL(ta2.fault.detail, XV_PT_FAULT_BAD_TABLE);
	xv_gpu_ctx_free(forged);
	D.io.ops->pasid_detach(D.io.impl, pp);
	xv_pasid_free(b.pv, vp);
	/* Free the forged tables through b's allocator. */
	{
		xv_iova_t iova[4];

		iova[0] = root;
		for (int i = 0; i < 3; i++)
			iova[i + 1] = xv_pte_shadow_addr(
			    tables[i][xv_pt_index(0x300000, 4 - (unsigned)i)]);
		for (int i = 0; i < 4; i++)
			xv_iommu_table_ops.free(&b.tables, tables[i], iova[i]);
	}

	/* The owner of the memory carries on. */
	xv_cmd_builder_init(&cb, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&cb, 0x100000 + 64, 64, 0x01010101);
	CU_ASSERT_EQUAL(run(&ta, &cb, 7), 0);
	CU_ASSERT_EQUAL(ta.nfaults, 0);
	ctx_fini(&tb);
	ctx_fini(&ta2);
	ctx_fini(&ta);
	vgpu_fini(&b);
	vgpu_fini(&a);
}

static void test_faults(void)
{
	struct tvgpu v;
	struct tctx t, u;
	struct xv_cmd_builder b;
	uint32_t word;

	vgpu_init(&v, 0, 100, 1 << 20, false);
	ctx_init(&t, &v, false);
	ctx_init(&u, &v, false);
	guest_map(&t, 0x100000, 1, true);
	guest_map(&t, 0x200000, 1, false); /* read-only */
	guest_map(&u, 0x100000, 1, true);

	/* A FILL running off its mapping faults at the first missing byte. */
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, 0x100000 + 4000, 200, 0x77777777);
	CU_ASSERT_EQUAL(run(&t, &b, 1), -EPIPE);
	CU_ASSERT_EQUAL(t.nfaults, 1);
	CU_ASSERT_EQUAL(t.fault.gpu_va, 0x101000);
	CU_ASSERT_EQUAL(t.fault.access, XV_FAULT_ACCESS_WRITE);
	CU_ASSERT_EQUAL(t.fault.reason, XV_FAULT_NOT_PRESENT);
	CU_ASSERT_EQUAL(t.fault.fence, 1);
	CU_ASSERT_EQUAL(t.nfences, 0);
	guest_get(&t, 0x100000 + 4000, &word, 4);
	CU_ASSERT_EQUAL(word, 0x77777777); /* the part before the fault */
	/* The context is in error now; the other one is not. */
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_nop(&b);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, b.buf, b.len, 2), -EPIPE);
	CU_ASSERT_EQUAL(run(&u, &b, 1), 0);
	CU_ASSERT_EQUAL(u.nfaults, 0);
	ctx_fini(&t);

	/* Read-only: reading is fine, writing faults with PROTECTION. */
	ctx_init(&t, &v, false);
	guest_map(&t, 0x100000, 1, true);
	guest_map(&t, 0x200000, 1, false);
	guest_put(&t, 0x200000, "abcdefgh", 8);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&b, 0x200000, 0x100000, 8);
	CU_ASSERT_EQUAL(run(&t, &b, 1), 0);
	CU_ASSERT(memcmp(guest_ptr(&t, 0x100000), "abcdefgh", 8) == 0);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fence_write(&b, 0x200008, 42);
	xv_cmd_fence_write(&b, 0x100008, 43); /* never runs */
	CU_ASSERT_EQUAL(run(&t, &b, 2), -EPIPE);
	CU_ASSERT_EQUAL(t.fault.gpu_va, 0x200008);
	CU_ASSERT_EQUAL(t.fault.access, XV_FAULT_ACCESS_WRITE);
	CU_ASSERT_EQUAL(t.fault.reason, XV_FAULT_PROTECTION);
	CU_ASSERT(memcmp(guest_ptr(&t, 0x200000), "abcdefgh\0", 9) == 0);
	guest_get(&t, 0x100008, &word, 4);
	CU_ASSERT_EQUAL(word, 0);
	ctx_fini(&t);
	ctx_fini(&u);
	vgpu_fini(&v);
}

static void test_translation_and_invalidation(void)
{
	struct tvgpu v;
	struct tctx t;
	struct xv_cmd_builder b;
	xv_gaddr_t pages[4];
	uint32_t word;
	uint64_t fence = 0;
	struct xv_gpu_stats st;

	vgpu_init(&v, 0, 100, 1 << 20, false);
	ctx_init(&t, &v, false);
	guest_map(&t, 0x200000, 1, true); /* destination */
	for (int i = 0; i < 4; i++) {
		pages[i] = xv_gmem_alloc(v.gm);
		memset(xv_gmem_page(v.gm, pages[i]), 0x11 * (i + 1), 4096);
	}
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&b, 0x100000, 0x200000, 4);

	/* The result follows the mapping. */
	guest_set(&t, 0x100000, xv_pte_guest_make(pages[0], 0));
	CU_ASSERT_EQUAL(run(&t, &b, ++fence), 0);
	guest_get(&t, 0x200000, &word, 4);
	CU_ASSERT_EQUAL(word, 0x11111111);
	guest_set(&t, 0x100000, xv_pte_guest_make(pages[1], 0));
	CU_ASSERT_EQUAL(run(&t, &b, ++fence), 0);
	guest_get(&t, 0x200000, &word, 4);
	CU_ASSERT_EQUAL(word, 0x22222222);

	/* Without invalidations the GPU TLB serves the old page. */
	xv_gpu_ref_drop_invalidations(D.gpu, true);
	guest_set(&t, 0x100000, xv_pte_guest_make(pages[2], 0));
	CU_ASSERT_EQUAL(run(&t, &b, ++fence), 0);
	guest_get(&t, 0x200000, &word, 4);
	CU_ASSERT_EQUAL(word, 0x22222222); /* stale */
	/* With them, the new one. */
	xv_gpu_ref_drop_invalidations(D.gpu, false);
	guest_set(&t, 0x100000, xv_pte_guest_make(pages[3], 0));
	CU_ASSERT_EQUAL(run(&t, &b, ++fence), 0);
	guest_get(&t, 0x200000, &word, 4);
	CU_ASSERT_EQUAL(word, 0x44444444);
	/* Removing the mapping: a fault, not the old page. */
	guest_set(&t, 0x100000, 0);
	CU_ASSERT_EQUAL(run(&t, &b, ++fence), -EPIPE);
	CU_ASSERT_EQUAL(t.fault.gpu_va, 0x100000);
	xv_gpu_ctx_get_stats(t.gc, &st);
	CU_ASSERT(st.tlb_hits > 0);
	CU_ASSERT(st.walks >= 5);
	CU_ASSERT(st.tlb_invalidations >= 4);
	ctx_fini(&t);

	/*
	 * A 2 MiB shadow leaf (512 pages shadowed in one batch) fills one
	 * TLB entry; changing one page splits the leaf, and the device must
	 * drop the whole 2 MiB entry.
	 */
	ctx_init(&t, &v, false);
	guest_map(&t, 0x200000, 1, true);
	for (unsigned int i = 0; i < 512; i++) {
		xv_gaddr_t g = xv_gmem_alloc(v.gm);

		memset(xv_gmem_page(v.gm, g), 0x30 + (i & 0xf), 4096);
		*guest_l1_slot(&t, 0x400000 + i * XV_PAGE_SIZE) =
		    xv_pte_guest_make(g, XV_PTE_W);
	}
	CU_ASSERT_EQUAL(xv_shadow_update_range(t.sh, 0x400000, 2 << 20), 0);
	{
		struct xv_shadow_stats ss;

		xv_shadow_get_stats(t.sh, &ss);
		CU_ASSERT_EQUAL(ss.huge_leaves, 1);
	}
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&b, 0x400000 + 5 * XV_PAGE_SIZE, 0x200000, 4);
	fence = 0;
	CU_ASSERT_EQUAL(run(&t, &b, ++fence), 0);
	guest_get(&t, 0x200000, &word, 4);
	CU_ASSERT_EQUAL(word, 0x35353535);
	for (int drop = 1; drop >= 0; drop--) {
		xv_gpu_ref_drop_invalidations(D.gpu, drop);
		guest_set(&t, 0x400000 + 5 * XV_PAGE_SIZE,
			  xv_pte_guest_make(pages[drop], 0));
		CU_ASSERT_EQUAL(run(&t, &b, ++fence), 0);
		guest_get(&t, 0x200000, &word, 4);
		CU_ASSERT_EQUAL(word, drop ? 0x35353535 : 0x11111111);
	}
	ctx_fini(&t);
	vgpu_fini(&v);
}

/* ---- a hook that parks the engine until the test lets it go ----------- */

static struct {
	struct tctx *who;
	uint32_t at;
	bool parked, release;
} P;

static void park_hook(struct tctx *t, uint32_t index, uint16_t opcode)
{
	(void)opcode;
	if (t != P.who || index != P.at)
		return;
	pthread_mutex_lock(&D.lock);
	P.parked = true;
	pthread_cond_broadcast(&D.cv);
	while (!P.release)
		pthread_cond_wait(&D.cv, &D.lock);
	pthread_mutex_unlock(&D.lock);
}

static void park_arm(struct tctx *t, uint32_t at)
{
	P.who = t;
	P.at = at;
	P.parked = P.release = false;
	D.hook = park_hook;
}

static void park_wait(void)
{
	pthread_mutex_lock(&D.lock);
	while (!P.parked)
		pthread_cond_wait(&D.cv, &D.lock);
	pthread_mutex_unlock(&D.lock);
}

static void park_release(void)
{
	pthread_mutex_lock(&D.lock);
	P.release = true;
	pthread_cond_broadcast(&D.cv);
	pthread_mutex_unlock(&D.lock);
}

static void test_fences_and_backpressure(void)
{
	struct tvgpu v;
	struct tctx t;
	struct xv_cmd_builder b;
	uint64_t last = 0;
	uint8_t copy_buf[64], comp_buf[64];
	size_t copy_len, comp_len;

	vgpu_init(&v, 0, 100, 4 * 32, false);
	ctx_init(&t, &v, false);
	guest_map(&t, 0x100000, 2, true);
	xv_cmd_builder_init(&b, copy_buf, sizeof(copy_buf));
	xv_cmd_fill(&b, 0x100000, 256, 1);
	copy_len = b.len;
	xv_cmd_builder_init(&b, comp_buf, sizeof(comp_buf));
	xv_cmd_saxpy(&b, 0x100000, 0x101000, 64, 2.0f);
	comp_len = b.len;

	/* Alternate engines; completion stays in submission order. */
	for (uint64_t f = 1; f <= 120; f++) {
		bool comp = f % 3 == 0;
		int rc;

		do {
			rc = xv_gpu_submit(t.gc, comp ? comp_buf : copy_buf,
					   comp ? comp_len : copy_len, f * 10);
		} while (rc == -XV_ERR_QUEUE_FULL);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		last = f * 10;
	}
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(t.gc, last), 0);
	CU_ASSERT_EQUAL(t.nfences, 120);
	CU_ASSERT(!t.fence_order_bad);
	CU_ASSERT_EQUAL(t.fences[119], 1200);
	/* Fences must grow. */
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 1200),
			-XV_ERR_FENCE_ORDER);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 5),
			-XV_ERR_FENCE_ORDER);
	/* Scan errors come back as they are. */
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len - 8, 2000),
			-XV_ERR_CMD_TRUNCATED);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, 0, 2000),
			-XV_ERR_SUBMIT_EMPTY);

	/* Backpressure: park the engine, fill the vGPU's 256 bytes. */
	park_arm(&t, 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 2001), 0);
	park_wait();
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 2002), 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 2003), 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 2004), 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 2005),
			-XV_ERR_QUEUE_FULL);
	park_release();
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(t.gc, 2004), 0);
	D.hook = NULL;
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, copy_buf, copy_len, 2005), 0);
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(t.gc, 2005), 0);
	CU_ASSERT(!t.fence_order_bad);
	ctx_fini(&t);
	vgpu_fini(&v);
}

/* ---- no-snoop ---------------------------------------------------------------- */

static struct {
	struct tctx *t;
	uint32_t seen[4];
	unsigned int n;
} S;

static void snoop_hook(struct tctx *t, uint32_t index, uint16_t opcode)
{
	(void)index;
	(void)opcode;
	if (t != S.t || S.n >= 4)
		return;
	/* A CPU read of the guest page while the submission runs. */
	memcpy(&S.seen[S.n++], guest_ptr(t, 0x100000), 4);
}

static void check_snoop(bool nosnoop)
{
	struct tvgpu v;
	struct tctx t;
	struct xv_cmd_builder b;
	uint32_t word;

	vgpu_init(&v, 0, 100, 1 << 20, false);
	ctx_init(&t, &v, nosnoop);
	guest_map(&t, 0x100000, 1, true);
	memset(&S, 0, sizeof(S));
	S.t = &t;
	D.hook = snoop_hook;
	/* FILL, FLUSH, end: the CPU looks after each. */
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, 0x100000, 64, 0xabababab);
	xv_cmd_flush(&b);
	CU_ASSERT_EQUAL(run(&t, &b, 1), 0);
	CU_ASSERT_EQUAL(S.n, 3);
	CU_ASSERT_EQUAL(S.seen[0], nosnoop ? 0 : 0xabababab);
	CU_ASSERT_EQUAL(S.seen[1], 0xabababab);
	CU_ASSERT_EQUAL(S.seen[2], 0xabababab);
	/* No FLUSH: visible only at the fence. And the GPU's own reads
	 * see its own writes either way. */
	memset(&S, 0, sizeof(S));
	S.t = &t;
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, 0x100000, 64, 0xcdcdcdcd);
	xv_cmd_copy(&b, 0x100000, 0x100800, 4);
	CU_ASSERT_EQUAL(run(&t, &b, 2), 0);
	CU_ASSERT_EQUAL(S.n, 3);
	CU_ASSERT_EQUAL(S.seen[0], nosnoop ? 0xabababab : 0xcdcdcdcd);
	CU_ASSERT_EQUAL(S.seen[2], nosnoop ? 0xabababab : 0xcdcdcdcd);
	guest_get(&t, 0x100000, &word, 4);
	CU_ASSERT_EQUAL(word, 0xcdcdcdcd);
	guest_get(&t, 0x100800, &word, 4);
	CU_ASSERT_EQUAL(word, 0xcdcdcdcd);
	D.hook = NULL;
	ctx_fini(&t);
	vgpu_fini(&v);
}

static void test_nosnoop(void)
{
	struct xv_gpu_stats st;

	check_snoop(false);
	check_snoop(true);
	xv_gpu_get_stats(D.gpu, &st);
	CU_ASSERT(st.wb_writebacks > 0);
}

/* ---- unmapping under a running submission ---------------------------------- */

static struct {
	struct tctx *t;
	bool done;
} U;

static void unmap_hook(struct tctx *t, uint32_t index, uint16_t opcode)
{
	(void)opcode;
	if (t != U.t || index != 0 || U.done)
		return;
	U.done = true;
	/*
	 * The ring worker handles a PT_UPDATE that removes the source's
	 * second page while the engine is between commands; the cache then
	 * evicts it: IOMMU unmap, flush, and the mapper frees the host page.
	 */
	guest_set(t, 0x101000, 0);
	CU_ASSERT(xv_mapcache_drop_unused(t->v->mc) >= 1);
}

static struct {
	struct tctx *t;
	int done;
} UT;

static void *unmap_thread(void *arg)
{
	(void)arg;
	guest_set(UT.t, 0x100000, 0);
	xv_mapcache_drop_unused(UT.t->v->mc);
	__atomic_store_n(&UT.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_unmap_in_flight(void)
{
	struct tvgpu v;
	struct tctx t;
	struct xv_cmd_builder b;
	pthread_t th;
	uint64_t freed_before;
	vgpu_init(&v, 0, 100, 1 << 20, true); /* bounce: freed on unmap */
	ctx_init(&t, &v, false);
	guest_map(&t, 0x100000, 2, true);
	guest_map(&t, 0x200000, 2, true);
	memset(&U, 0, sizeof(U));
	U.t = &t;
	D.hook = unmap_hook;
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&b, 0x100000, 0x200000, 4096);
	xv_cmd_copy(&b, 0x101000, 0x201000, 4096);
	CU_ASSERT_EQUAL(run(&t, &b, 1), -EPIPE);
	CU_ASSERT(U.done);
	if (t.fault.gpu_va != 0x101000)
		fprintf(stderr, "fault va %llx reason %d detail %d access %d\n",
			(unsigned long long)t.fault.gpu_va, t.fault.reason,
			t.fault.detail, t.fault.access);
	CU_ASSERT_EQUAL(t.fault.gpu_va, 0x101000);
	CU_ASSERT_EQUAL(t.fault.reason, XV_FAULT_NOT_PRESENT);
	CU_ASSERT_EQUAL(v.mapper.freed, 1);
	D.hook = NULL;
	ctx_fini(&t);

	/*
	 * The engine is inside an access to a page (translated, about to
	 * copy from it) when the guest unmaps it and the cache evicts it:
	 * the invalidation waits for the access, and only then may the
	 * host page go. Without that wait the copy would read a freed page.
	 */
	xv_mapcache_drop_unused(v.mc);
	ctx_init(&t, &v, false);
	guest_map(&t, 0x100000, 1, true);
	guest_map(&t, 0x200000, 1, true);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&b, 0x100000, 0x200000, 4096);
	freed_before = v.mapper.freed;
	pthread_mutex_lock(&D.lock);
	AP.who = &t;
	AP.va = 0x100000;
	AP.parked = AP.release = false;
	pthread_mutex_unlock(&D.lock);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, b.buf, b.len, 1), 0);
	pthread_mutex_lock(&D.lock);
	while (!AP.parked)
		pthread_cond_wait(&D.cv, &D.lock);
	pthread_mutex_unlock(&D.lock);
	UT.t = &t;
	UT.done = 0;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, unmap_thread, NULL), 0);
	/* Not a timing assertion on success: a correct device never lets
	 * it finish while parked; a broken one finishes within this. */
	usleep(50 * 1000);
	CU_ASSERT_EQUAL(__atomic_load_n(&UT.done, __ATOMIC_ACQUIRE), 0);
	CU_ASSERT_EQUAL(v.mapper.freed, freed_before);
	pthread_mutex_lock(&D.lock);
	AP.release = true;
	pthread_cond_broadcast(&D.cv);
	pthread_mutex_unlock(&D.lock);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(UT.done, 1);
	CU_ASSERT_EQUAL(v.mapper.freed, freed_before + 1);
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(t.gc, 1), 0);
	ctx_fini(&t);

	/*
	 * A race without a hook: copies over 32 pages run while this
	 * thread unmaps the source pages one by one and evicts them. Any
	 * outcome is fine (complete, or a fault) except touching a freed
	 * page, which ASan would report.
	 */
	for (int round = 0; round < 8; round++) {
		int rc;

		ctx_init(&t, &v, round & 1);
		guest_map(&t, 0x400000, 32, true);
		guest_map(&t, 0x600000, 32, true);
		xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
		for (int i = 0; i < 8; i++)
			xv_cmd_copy(&b, 0x400000, 0x600000, 32 * 4096);
		CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, b.buf, b.len, 1), 0);
		for (unsigned int p = 0; p < 32; p++) {
			unsigned int k = (p * 7 + (unsigned int)round) % 32;

			guest_set(&t, 0x400000 + k * XV_PAGE_SIZE, 0);
			xv_mapcache_drop_unused(v.mc);
		}
		rc = xv_gpu_ctx_wait(t.gc, 1);
		CU_ASSERT(rc == 0 || rc == -EPIPE);
		if (rc)
			CU_ASSERT(t.fault.gpu_va >= 0x400000 &&
				  t.fault.gpu_va < 0x420000);
		ctx_fini(&t);
		xv_mapcache_drop_unused(v.mc);
	}
	vgpu_fini(&v);
}

/* ---- scratch ---------------------------------------------------------------------- */

static void test_scratch(void)
{
	struct tvgpu v;
	struct tctx t;
	struct xv_cmd_builder b;
	xv_gaddr_t victim;
	uint8_t got[4096], zero[4096] = {0};
	struct xv_shadow_stats ss;

	vgpu_init(&v, 0, 100, 1 << 20, false);
	ctx_init(&t, &v, false);
	guest_map(&t, 0x200000, 1, true);
	victim = xv_gmem_alloc(v.gm);
	memset(xv_gmem_page(v.gm, victim), 0xee, 4096);
	/* A leaf with a reserved bit, pointing at a real page. */
	guest_set(&t, 0x100000,
		  xv_pte_guest_make(victim, XV_PTE_W) | (1ull << 9));
	xv_shadow_get_stats(t.sh, &ss);
	CU_ASSERT(ss.scratch_entries >= 1);
	guest_put(&t, 0x200000, "\x01\x02\x03\x04", 4);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_copy(&b, 0x100000, 0x200000, 4096);
	CU_ASSERT_EQUAL(run(&t, &b, 1), 0);
	guest_get(&t, 0x200000, got, sizeof(got));
	CU_ASSERT(memcmp(got, zero, sizeof(got)) == 0); /* scratch, not 0xee */
	/* Writes to scratch fault; scratch and the victim stay as they were. */
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, 0x100000, 4096, 0x99999999);
	CU_ASSERT_EQUAL(run(&t, &b, 2), -EPIPE);
	CU_ASSERT_EQUAL(t.fault.reason, XV_FAULT_PROTECTION);
	CU_ASSERT(memcmp(v.scratch, zero, 4096) == 0);
	CU_ASSERT_EQUAL(((uint8_t *)xv_gmem_page(v.gm, victim))[0], 0xee);
	ctx_fini(&t);
	vgpu_fini(&v);
}

static void test_reset_and_teardown(void)
{
	struct tvgpu v;
	struct tctx t, u;
	struct xv_cmd_builder b;

	vgpu_init(&v, 0, 100, 1 << 20, false);
	ctx_init(&t, &v, false);
	ctx_init(&u, &v, true);
	guest_map(&t, 0x100000, 1, true);
	guest_map(&u, 0x100000, 1, true);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_fill(&b, 0x100000, 64, 5);
	xv_cmd_fill(&b, 0x100040, 64, 6);
	park_arm(&t, 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, b.buf, b.len, 1), 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, b.buf, b.len, 2), 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(u.gc, b.buf, b.len, 1), 0);
	park_wait();
	/* Reset from another thread would wait for the parked engine:
	 * release it and reset while work is still queued. */
	park_release();
	CU_ASSERT_EQUAL(xv_gpu_reset(D.gpu), 0);
	D.hook = NULL;
	CU_ASSERT(xv_gpu_ctx_wait(t.gc, 2) == -EPIPE || t.nfences == 2);
	CU_ASSERT_EQUAL(xv_gpu_submit(t.gc, b.buf, b.len, 3), -EPIPE);
	CU_ASSERT_EQUAL(xv_gpu_submit(u.gc, b.buf, b.len, 3), -EPIPE);
	CU_ASSERT_EQUAL(xv_gpu_vgpu_free(v.gv), -EBUSY);
	ctx_fini(&t);
	ctx_fini(&u);
	/* A new context works after the reset. */
	ctx_init(&t, &v, false);
	guest_map(&t, 0x100000, 1, true);
	CU_ASSERT_EQUAL(run(&t, &b, 1), 0);
	ctx_fini(&t);
	vgpu_fini(&v);
}

/*
 * Weighted sharing on the real engines, on the deterministic clock
 * (charge_work): the only compute engine is parked on a blocker while
 * vGPUs of weight 1 and 3 queue 200 SAXPYs each; once released, whole
 * periods of completions split 1:3 while both stay saturated.
 */
static void test_fairness_on_engines(void)
{
	struct xv_gpu_ref_config cfg = {0};
	struct xv_gpu *saved = D.gpu;
	struct tvgpu vc, va, vb;
	struct tctx tc, ta, tb;
	struct xv_cmd_builder b;
	struct xv_gpu_vgpu_stats sa, sb;
	unsigned int a_first = 0, b_first = 0;
	uint64_t work = 12 * 1024 + 2 * 1024;

	cfg.iommu = D.io;
	cfg.events.fence_done = on_fence;
	cfg.events.fault = on_fault;
	cfg.cmd_hook = on_cmd;
	cfg.charge_work = true;
	cfg.sched_period_ns = 100 * work;
	CU_ASSERT_EQUAL_FATAL(xv_gpu_ref_new(&cfg, &D.gpu), 0);
	vgpu_init(&vc, 0, 1, 1 << 20, false);
	vgpu_init(&va, 1, 1, 200 * 32, false);
	vgpu_init(&vb, 2, 3, 200 * 32, false);
	ctx_init(&tc, &vc, false);
	ctx_init(&ta, &va, false);
	ctx_init(&tb, &vb, false);
	guest_map(&tc, 0x100000, 2, true);
	guest_map(&ta, 0x100000, 2, true);
	guest_map(&tb, 0x100000, 2, true);
	xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
	xv_cmd_saxpy(&b, 0x100000, 0x101000, 1024, 0.5f);

	park_arm(&tc, 0);
	CU_ASSERT_EQUAL(xv_gpu_submit(tc.gc, b.buf, b.len, 1), 0);
	park_wait();
	D.ncompl = 0;
	for (uint64_t f = 1; f <= 200; f++) {
		CU_ASSERT_EQUAL(xv_gpu_submit(ta.gc, b.buf, b.len, f), 0);
		CU_ASSERT_EQUAL(xv_gpu_submit(tb.gc, b.buf, b.len, f), 0);
	}
	CU_ASSERT_EQUAL(xv_gpu_submit(ta.gc, b.buf, b.len, 201),
			-XV_ERR_QUEUE_FULL);
	park_release();
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(ta.gc, 200), 0);
	CU_ASSERT_EQUAL(xv_gpu_ctx_wait(tb.gc, 200), 0);
	D.hook = NULL;
	/*
	 * The blocker was completion 0. A period is 100 SAXPYs' work, of
	 * which A and B together get 80 (the idle blocker vGPU's share is
	 * not banked): count the next two periods, 160 completions.
	 */
	for (unsigned int i = 0; i < ta.nfences; i++)
		a_first += ta.order[i] >= 1 && ta.order[i] <= 160;
	for (unsigned int i = 0; i < tb.nfences; i++)
		b_first += tb.order[i] >= 1 && tb.order[i] <= 160;
	CU_ASSERT_EQUAL(a_first + b_first, 160);
	if (a_first < 36 || a_first > 44)
		fprintf(stderr, "\n  weight 1 got %u of 160\n", a_first);
	CU_ASSERT(a_first >= 36 && a_first <= 44);
	xv_gpu_vgpu_get_stats(va.gv, &sa);
	xv_gpu_vgpu_get_stats(vb.gv, &sb);
	CU_ASSERT_EQUAL(sa.completed, 200);
	CU_ASSERT_EQUAL(sa.charged, 200 * work);
	CU_ASSERT_EQUAL(sb.charged, 200 * work);
	CU_ASSERT_EQUAL(sa.rejected, 1);
	CU_ASSERT_EQUAL(sa.queued_bytes, 0);
	ctx_fini(&tc);
	ctx_fini(&ta);
	ctx_fini(&tb);
	vgpu_fini(&vc);
	vgpu_fini(&va);
	vgpu_fini(&vb);
	xv_gpu_free(D.gpu);
	D.gpu = saved;
}

/*
 * Model-based: random commands over a 16-page window whose pages are
 * scattered guest pages (so every page boundary is a new translation),
 * against a flat byte array updated with the CPU reference. Pages are
 * remapped to fresh pages between submissions. The window is compared
 * byte for byte after every step; scanner rejections must leave it alone.
 */
#define MW_PAGES 16u
#define MW_BASE	 0x1000000ull
#define MW_SIZE	 (MW_PAGES * XV_PAGE_SIZE)

static uint64_t mw_pick(struct xv_rng *rng, uint64_t len, uint64_t align)
{
	return xv_rng_below(rng, (MW_SIZE - len) / align + 1) * align;
}

static void mw_floats(uint8_t *model, uint64_t off, float *f, size_t n,
		      bool store)
{
	if (store)
		memcpy(model + off, f, n * 4);
	else
		memcpy(f, model + off, n * 4);
}

/*
 * Bit-exact, except that where both sides hold a NaN its payload may
 * differ: which operand's NaN an add or multiply propagates is not part
 * of the contract (a vectorised loop may swap commutative operands), and
 * unaligned COPYs and FILL patterns make NaNs out of arbitrary bits. The
 * model then takes the GPU's payload, so that a later unaligned COPY of
 * those bytes compares equal too.
 */
static bool same_but_nan_payloads(const uint8_t *got, uint8_t *model, size_t n)
{
	for (size_t i = 0; i < n; i += 4) {
		float fg, fm;

		if (memcmp(got + i, model + i, 4) == 0)
			continue;
		memcpy(&fg, got + i, 4);
		memcpy(&fm, model + i, 4);
		if (fg != fg && fm != fm) {
			memcpy(model + i, got + i, 4);
			continue;
		}
		fprintf(stderr, "\n  offset %zu: %08x vs model %08x", i,
			*(const uint32_t *)(got + i),
			*(const uint32_t *)(model + i));
		return false;
	}
	return true;
}

static void test_model_random(void)
{
	static uint8_t model[MW_SIZE], got[MW_SIZE];
	static float fa[64 * 64], fb[64 * 64], fc[64 * 64];
	struct tvgpu v;
	struct tctx t;
	struct xv_rng rng;
	struct xv_cmd_builder b;
	unsigned long steps = xv_test_steps(1000);
	uint64_t fence = 0;
	unsigned int rejected = 0;
	int dbg_nosnoop;

	xv_rng_init(&rng, xv_test_seed("gpu model"));
	vgpu_init(&v, 0, 100, 1 << 20, false);
	dbg_nosnoop = (int)xv_rng_below(&rng, 2);
	ctx_init(&t, &v, dbg_nosnoop);
	/* Scattered pages: mapped one by one, in a shuffled order. */
	for (unsigned int i = 0; i < MW_PAGES; i++) {
		unsigned int k = (i * 5 + 3) % MW_PAGES;

		guest_map(&t, MW_BASE + k * XV_PAGE_SIZE, 1, true);
	}
	for (size_t i = 0; i < MW_SIZE; i += 4) {
		/* Small integers as floats: finite, exact sums stay exact. */
		float f = (float)((int)xv_rng_below(&rng, 64) - 32) / 8.0f;

		memcpy(model + i, &f, 4);
	}
	guest_put(&t, MW_BASE, model, MW_SIZE);

	for (unsigned long step = 0; step < steps; step++) {
		unsigned int kind = (unsigned int)xv_rng_below(&rng, 6);
		uint64_t len = 0, off = 0, off2 = 0, off3;
		int rc, want = 0;

		if (kind == 5) {
			/* Remap a page to a fresh one with new content. */
			unsigned int pg =
			    (unsigned int)xv_rng_below(&rng, MW_PAGES);
			xv_gaddr_t g = xv_gmem_alloc(v.gm);
			uint8_t *p;

			if (!g)
				continue;
			p = (uint8_t *)xv_gmem_page(v.gm, g);
			for (unsigned int i = 0; i < XV_PAGE_SIZE; i += 4) {
				float f = (float)(int)xv_rng_below(&rng, 16);

				memcpy(p + i, &f, 4);
			}
			guest_set(&t, MW_BASE + pg * XV_PAGE_SIZE,
				  xv_pte_guest_make(g, XV_PTE_W));
			memcpy(model + pg * XV_PAGE_SIZE, p, XV_PAGE_SIZE);
			continue;
		}
		xv_cmd_builder_init(&b, cmdbuf, sizeof(cmdbuf));
		switch (kind) {
		case 0: { /* FILL, sometimes misaligned (rejected) */
			uint32_t pat = (uint32_t)xv_rng_next(&rng);

			len = 4 * (1 + xv_rng_below(&rng, MW_SIZE / 8));
			off = mw_pick(&rng, len, 4);
			if (xv_rng_below(&rng, 8) == 0) {
				off |= 2;
				want = -XV_ERR_CMD_ALIGN;
			}
			xv_cmd_fill(&b, MW_BASE + off, len, pat);
			if (!want)
				xv_ref_fill(model + off, len, pat);
			break;
		}
		case 1: /* COPY, any alignment; overlapping ones rejected */
			len = 1 + xv_rng_below(&rng, MW_SIZE / 3);
			off = mw_pick(&rng, len, 1);
			off2 = mw_pick(&rng, len, 1);
			xv_cmd_copy(&b, MW_BASE + off, MW_BASE + off2, len);
			if (off < off2 + len && off2 < off + len)
				want = -XV_ERR_CMD_OVERLAP;
			else
				xv_ref_copy(model + off2, model + off, len);
			break;
		case 2: { /* SAXPY over two disjoint halves */
			uint32_t n = 1 + (uint32_t)xv_rng_below(&rng, 4000);
			float a =
			    (float)((int)xv_rng_below(&rng, 9) - 4) / 2.0f;

			off = 4 * xv_rng_below(
				      &rng, (MW_SIZE / 2 - 4ull * n) / 4 + 1);
			off2 = MW_SIZE / 2 +
			       4 * xv_rng_below(
				       &rng, (MW_SIZE / 2 - 4ull * n) / 4 + 1);
			if (xv_rng_below(&rng, 2)) {
				uint64_t tmp = off;

				off = off2;
				off2 = tmp;
			}
			xv_cmd_saxpy(&b, MW_BASE + off, MW_BASE + off2, n, a);
			{
				static float xs[4000], ys[4000];

				mw_floats(model, off, xs, n, false);
				mw_floats(model, off2, ys, n, false);
				xv_ref_saxpy(ys, xs, n, a);
				mw_floats(model, off2, ys, n, true);
			}
			break;
		}
		case 3:
		case 4: { /* MATMUL, C in the top quarter, A and B below */
			uint32_t m = 1 + (uint32_t)xv_rng_below(&rng, 40);
			uint32_t n = 1 + (uint32_t)xv_rng_below(&rng, 40);
			uint32_t k = 1 + (uint32_t)xv_rng_below(&rng, 40);

			off = 4 * xv_rng_below(&rng, 1000);
			off2 = 4 * xv_rng_below(&rng, 1000) + MW_SIZE / 4;
			off3 = 3 * MW_SIZE / 4 + 4 * xv_rng_below(&rng, 200);
			xv_cmd_matmul(&b, MW_BASE + off, MW_BASE + off2,
				      MW_BASE + off3, m, n, k);
			mw_floats(model, off, fa, (size_t)m * k, false);
			mw_floats(model, off2, fb, (size_t)k * n, false);
			xv_ref_matmul(fc, fa, fb, m, n, k);
			mw_floats(model, off3, fc, (size_t)m * n, true);
			break;
		}
		}
		rc = xv_gpu_submit(t.gc, b.buf, b.len, fence + 1);
		CU_ASSERT_EQUAL_FATAL(rc, want);
		if (rc) {
			rejected++;
		} else {
			fence++;
			CU_ASSERT_EQUAL_FATAL(xv_gpu_ctx_wait(t.gc, fence), 0);
		}
		guest_get(&t, MW_BASE, got, MW_SIZE);
		if (!same_but_nan_payloads(got, model, MW_SIZE)) {
			fprintf(
			    stderr,
			    "\n  step %lu kind %u (nosnoop %d, len %llu, "
			    "off %llu, off2 %llu): window differs\n",
			    step, kind, dbg_nosnoop, (unsigned long long)len,
			    (unsigned long long)off, (unsigned long long)off2);
			for (unsigned int pg = 0; pg < MW_PAGES; pg++) {
				uint64_t va = MW_BASE + pg * XV_PAGE_SIZE;
				struct xv_pt_walk_result r;
				struct xv_mapcache_entry_info info;
				xv_gaddr_t g =
				    xv_pte_guest_addr(*guest_l1_slot(&t, va));
				int lrc = xv_mapcache_lookup(
				    v.mc, g, XV_PIN_READWRITE, &info);

				void *hp = NULL;

				xv_shadow_translate(t.sh, va, XV_PT_READ, &r);
				D.io.ops->translate(D.io.impl, t.ppasid, r.iova,
						    XV_IOMMU_READ, &hp);
				fprintf(stderr,
					"  page %2u: shadow iova %llx, cache "
					"%d iova %llx refs %u host-ok %d "
					"same-bytes %d\n",
					pg, (unsigned long long)r.iova, lrc,
					(unsigned long long)info.iova,
					info.refs, hp == xv_gmem_page(v.gm, g),
					memcmp(got + pg * 4096,
					       model + pg * 4096, 4096) == 0);
			}
			CU_FAIL_FATAL("GPU and model differ");
		}
	}
	CU_ASSERT(rejected > 0);
	CU_ASSERT_EQUAL(t.nfaults, 0);
	ctx_fini(&t);
	vgpu_fini(&v);
}

static const struct xv_test_case gpu_cases[] = {
    {"every command bit-exact against the CPU reference", test_bit_exact},
    {"isolation between contexts, PASIDs and vGPUs", test_isolation},
    {"faults: VA, access, reason, only that context", test_faults},
    {"translation followed, invalidation needed",
     test_translation_and_invalidation},
    {"fences in order, fence order, backpressure",
     test_fences_and_backpressure},
    {"no-snoop vs snoop visibility", test_nosnoop},
    {"unmap while a submission runs", test_unmap_in_flight},
    {"scratch entries stay in scratch", test_scratch},
    {"reset and teardown", test_reset_and_teardown},
    {"weights 1:3 on the engines, counted work", test_fairness_on_engines},
    {"random commands against a flat model", test_model_random},
    {NULL, NULL},
};

static const struct xv_test_suite gpu_suite = {"gpu-ref", gpu_cases, suite_init,
					       suite_cleanup};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&gpu_suite, NULL};

	return xv_test_main(suites);
}
