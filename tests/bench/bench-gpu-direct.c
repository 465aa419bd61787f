/*
 * bench-gpu-direct.c — the reference GPU driven directly, with the same
 * path every access takes in the vGPU: PASID -> shadow walk (tables
 * through the soft IOMMU) -> GPU TLB -> IOMMU -> host page, per 4 KiB.
 * This is the "direct" figure issue 5's end-to-end benchmark compares
 * the vGPU path (ring, grants, backend) against.
 *
 * Cases, each against a CPU baseline of the same size in the same run:
 *  - copy_16MiB: one COPY of 16 MiB vs memcpy (op = 1 MiB);
 *  - saxpy_4M: SAXPY over 4 Mi floats vs xv_ref_saxpy (op = 1 MFLOP);
 *  - matmul_256: 256x256x256 MATMUL vs xv_ref_matmul (op = 1 MFLOP).
 * The submission's end is the fence callback, waited on with
 * xv_gpu_ctx_wait; setup (pins, shadow) is outside the timing. A human
 * line gives MB/s and GFLOP/s. Targets: copy within 3x of memcpy,
 * compute within 2x of the CPU reference (the engines compute in blocks
 * copied in page by page).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cmd.h"
#include "cpu-ref.h"
#include "gpu-ref.h"
#include "guest-mem.h"
#include "iommu-soft.h"
#include "iova.h"
#include "mapcache.h"
#include "pt.h"
#include "shadow.h"

#define RUNS	  5u
#define COPY_MB	  16u
#define SAXPY_N	  (4u << 20)
#define MM	  256u
#define MAX_PAGES 16384u

static struct {
	struct xv_iommu_soft *soft;
	struct xv_iommu io;
	xv_iommu_ctx_t ictx;
	struct xv_iova_space *iova;
	struct xv_gmem *gm;
	struct xv_mapcache *mc;
	struct xv_shadow_vgpu *svg;
	struct xv_shadow *sh;
	struct xv_gpu *gpu;
	struct xv_gpu_vgpu *gv;
	struct xv_gpu_ctx *gc;
	xv_gaddr_t root;
	uint64_t fence;
	uint8_t cmd[256];
	size_t cmd_len;
	/* host copies for the baselines */
	uint8_t *src, *dst;
	float *x, *y, *a, *b, *c;
} B;

static int map_batch(void *ctx, uint32_t domid, const xv_gaddr_t *g,
		     unsigned int n, enum xv_pin_access access, void **pages)
{
	(void)ctx;
	(void)domid;
	(void)access;
	for (unsigned int i = 0; i < n; i++) {
		pages[i] = xv_gmem_page(B.gm, g[i]);
		if (!pages[i])
			return -EFAULT;
	}
	return 0;
}

static void unmap_batch(void *ctx, void *const *pages, unsigned int n)
{
	(void)ctx;
	(void)pages;
	(void)n;
}

static const struct xv_mapper_ops mapper = {map_batch, unmap_batch};

static int table_alloc(void *ctx, uint64_t **table, xv_iova_t *iova)
{
	struct xv_iommu_map m;
	void *p = aligned_alloc(XV_PAGE_SIZE, XV_PAGE_SIZE);

	(void)ctx;
	if (!p || xv_iova_alloc(B.iova, 1, 0, iova)) {
		free(p);
		return -ENOMEM;
	}
	memset(p, 0, XV_PAGE_SIZE);
	m.iova = *iova;
	m.page = p;
	m.flags = XV_IOMMU_READ;
	if (B.io.ops->map_batch(B.io.impl, B.ictx, &m, 1)) {
		free(p);
		return -ENOMEM;
	}
	*table = p;
	return 0;
}

static void table_free(void *ctx, uint64_t *table, xv_iova_t iova)
{
	(void)ctx;
	B.io.ops->unmap_batch(B.io.impl, B.ictx, &iova, 1);
	B.io.ops->flush(B.io.impl, B.ictx, iova, 1);
	xv_iova_free(B.iova, iova, 1);
	free(table);
}

static const struct xv_shadow_table_ops tables = {table_alloc, table_free};

static void tlb_forward(void *ctx, uint64_t va, uint64_t len)
{
	(void)ctx;
	if (B.gc)
		xv_gpu_tlb_invalidate(B.gc, va, len);
}

static uint64_t *guest_slot(uint64_t va)
{
	uint64_t *t = xv_gmem_page(B.gm, B.root);

	for (unsigned int l = 4; l > 1; l--) {
		uint64_t *e = &t[xv_pt_index(va, l)];

		if (!(*e & XV_PTE_P))
			*e = xv_pte_guest_make(xv_gmem_alloc(B.gm), 0);
		t = xv_gmem_page(B.gm, xv_pte_guest_addr(*e));
	}
	return &t[xv_pt_index(va, 1)];
}

/* Map bytes of fresh guest memory at va, writable, and fill it from src. */
static void guest_map(uint64_t va, size_t bytes, const void *src)
{
	for (size_t off = 0; off < bytes; off += XV_PAGE_SIZE) {
		xv_gaddr_t g = xv_gmem_alloc(B.gm);

		if (!g) {
			fprintf(stderr, "out of guest pages\n");
			exit(1);
		}
		if (src)
			memcpy(xv_gmem_page(B.gm, g),
			       (const uint8_t *)src + off, XV_PAGE_SIZE);
		*guest_slot(va + off) = xv_pte_guest_make(g, XV_PTE_W);
	}
	if (xv_shadow_update_range(B.sh, va, bytes)) {
		fprintf(stderr, "shadow update failed\n");
		exit(1);
	}
}

/* The guest writes bytes at an already mapped va. */
static void guest_write(uint64_t va, const void *src, size_t bytes)
{
	for (size_t off = 0; off < bytes; off += XV_PAGE_SIZE) {
		uint64_t e = *guest_slot(va + off);
		size_t n =
		    bytes - off < XV_PAGE_SIZE ? bytes - off : XV_PAGE_SIZE;

		memcpy(xv_gmem_page(B.gm, xv_pte_guest_addr(e)),
		       (const uint8_t *)src + off, n);
	}
}

static void setup(void)
{
	struct xv_mapcache_config mc = {0};
	struct xv_shadow_vgpu_config svc = {0};
	struct xv_shadow_config sc = {0};
	struct xv_gpu_ref_config gcfg = {0};
	struct xv_gpu_vgpu_config vc = {100, 1 << 20};
	struct xv_gpu_ctx_config cc = {0};
	struct xv_iommu_map m;
	void *scratch = aligned_alloc(XV_PAGE_SIZE, XV_PAGE_SIZE);
	xv_iova_t scratch_iova;
	int rc = 0;

	memset(scratch, 0, XV_PAGE_SIZE);
	rc |= xv_iommu_soft_new(4, &B.soft);
	B.io = xv_iommu_soft_iommu(B.soft);
	rc |= B.io.ops->ctx_alloc(B.io.impl, &B.ictx);
	rc |= B.io.ops->pasid_attach(B.io.impl, 1, B.ictx);
	rc |= xv_iova_space_new(1ull << 32, 1ull << 32, &B.iova);
	B.gm = xv_gmem_new(MAX_PAGES);
	mc.domid = 1;
	mc.max_pages = MAX_PAGES;
	mc.mapper = &mapper;
	mc.iommu = B.io;
	mc.iommu_ctx = B.ictx;
	mc.iova_space = B.iova;
	rc |= xv_mapcache_new(&mc, &B.mc);
	rc |= xv_iova_alloc(B.iova, 1, 0, &scratch_iova);
	m.iova = scratch_iova;
	m.page = scratch;
	m.flags = XV_IOMMU_READ;
	rc |= B.io.ops->map_batch(B.io.impl, B.ictx, &m, 1);
	svc.table_ops = &tables;
	svc.scratch_iova = scratch_iova;
	svc.oos_pages = 64;
	rc |= xv_shadow_vgpu_new(&svc, &B.svg);
	B.root = xv_gmem_alloc(B.gm);
	sc.vgpu = B.svg;
	sc.pin_ops = &xv_mapcache_pin_ops;
	sc.pin_ctx = B.mc;
	sc.tlb_invalidate = tlb_forward;
	sc.oos_disable = true;
	rc |= xv_shadow_new(&sc, &B.sh);
	rc |= xv_shadow_set_root(B.sh, B.root);
	gcfg.iommu = B.io;
	rc |= xv_gpu_ref_new(&gcfg, &B.gpu);
	if (rc) {
		fprintf(stderr, "setup failed\n");
		exit(1);
	}
	rc |= xv_gpu_vgpu_new(B.gpu, &vc, &B.gv);
	cc.vgpu = B.gv;
	cc.pasid = 1;
	cc.shadow_root = xv_shadow_root_iova(B.sh);
	rc |= xv_gpu_ctx_new(B.gpu, &cc, &B.gc);
	if (rc) {
		fprintf(stderr, "context setup failed\n");
		exit(1);
	}
}

static void gpu_run(void *arg)
{
	(void)arg;
	B.fence++;
	if (xv_gpu_submit(B.gc, B.cmd, B.cmd_len, B.fence) ||
	    xv_gpu_ctx_wait(B.gc, B.fence)) {
		fprintf(stderr, "submission failed\n");
		exit(1);
	}
}

static void cpu_copy(void *arg)
{
	(void)arg;
	memcpy(B.dst, B.src, COPY_MB << 20);
	xv_bench_use(B.dst[0]);
}

static void cpu_saxpy(void *arg)
{
	(void)arg;
	xv_ref_saxpy(B.y, B.x, SAXPY_N, 1.5f);
	xv_bench_use(B.y[0]);
}

static void cpu_matmul(void *arg)
{
	(void)arg;
	xv_ref_matmul(B.c, B.a, B.b, MM, MM, MM);
	xv_bench_use(B.c[0]);
}

static void report(const char *name, const char *base, double ns, double bns,
		   double target, const char *unit, double per_op)
{
	struct xv_bench_result r = {
	    .bench = "gpu-direct",
	    .case_name = name,
	    .ns_per_op = ns,
	    .baseline_name = base,
	    .baseline_ns_per_op = bns,
	    .target_ratio = target,
	    .runs = RUNS,
	};

	xv_bench_report(&r);
	/* per_op units per op, ns per op: units per second. */
	printf("gpu-direct/%s: %.1f %s (GPU) vs %.1f %s (%s)\n", name,
	       per_op * 1e9 / ns, unit, per_op * 1e9 / bns, unit, base);
}

int main(void)
{
	struct xv_cmd_builder cb;
	struct xv_gpu_stats st;
	const size_t copy_bytes = (size_t)COPY_MB << 20;
	double ns, bns;

	setup();
	B.src = malloc(copy_bytes);
	B.dst = malloc(copy_bytes);
	B.x = malloc(SAXPY_N * sizeof(float));
	B.y = malloc(SAXPY_N * sizeof(float));
	B.a = malloc(MM * MM * sizeof(float));
	B.b = malloc(MM * MM * sizeof(float));
	B.c = malloc(MM * MM * sizeof(float));
	for (size_t i = 0; i < copy_bytes; i++)
		B.src[i] = (uint8_t)(i * 131);
	memset(B.dst, 0, copy_bytes);
	for (size_t i = 0; i < SAXPY_N; i++) {
		B.x[i] = (float)(i % 1000) / 7.0f;
		B.y[i] = (float)(i % 777) / 3.0f;
	}
	for (size_t i = 0; i < MM * MM; i++) {
		B.a[i] = (float)(i % 101) / 11.0f;
		B.b[i] = (float)(i % 97) / 13.0f;
	}

	/* COPY: 16 MiB in, 16 MiB out. */
	guest_map(0x10000000, copy_bytes, B.src);
	guest_map(0x20000000, copy_bytes, NULL);
	xv_cmd_builder_init(&cb, B.cmd, sizeof(B.cmd));
	xv_cmd_copy(&cb, 0x10000000, 0x20000000, copy_bytes);
	B.cmd_len = cb.len;
	ns = xv_bench_median_ns(RUNS, COPY_MB, gpu_run, NULL);
	bns = xv_bench_median_ns(RUNS, COPY_MB, cpu_copy, NULL);
	report("copy_16MiB", "memcpy", ns, bns, 3.0, "MB/s", 1.048576);

	/* SAXPY: 2 flops an element, the same inputs as the CPU's. */
	guest_write(0x10000000, B.x, SAXPY_N * sizeof(float));
	guest_write(0x20000000, B.y, SAXPY_N * sizeof(float));
	xv_cmd_builder_init(&cb, B.cmd, sizeof(B.cmd));
	xv_cmd_saxpy(&cb, 0x10000000, 0x20000000, SAXPY_N, 1.5f);
	B.cmd_len = cb.len;
	ns = xv_bench_median_ns(RUNS, 2 * SAXPY_N / 1000000, gpu_run, NULL);
	bns = xv_bench_median_ns(RUNS, 2 * SAXPY_N / 1000000, cpu_saxpy, NULL);
	report("saxpy_4M", "cpu_ref_saxpy", ns, bns, 2.0, "MFLOP/s", 1.0);

	/* MATMUL 256^3: A, B, C at the start of the COPY buffers. */
	guest_write(0x10000000, B.a, MM * MM * sizeof(float));
	guest_write(0x10000000 + 4 * MM * MM, B.b, MM * MM * sizeof(float));
	xv_cmd_builder_init(&cb, B.cmd, sizeof(B.cmd));
	xv_cmd_matmul(&cb, 0x10000000, 0x10000000 + 4 * MM * MM, 0x20000000, MM,
		      MM, MM);
	B.cmd_len = cb.len;
	ns = xv_bench_median_ns(RUNS, 2ull * MM * MM * MM / 1000000, gpu_run,
				NULL);
	bns = xv_bench_median_ns(RUNS, 2ull * MM * MM * MM / 1000000,
				 cpu_matmul, NULL);
	report("matmul_256", "cpu_ref_matmul", ns, bns, 2.0, "MFLOP/s", 1.0);

	{
		struct xv_shadow_stats ss;

		xv_shadow_get_stats(B.sh, &ss);
		printf("gpu-direct: shadow %llu 2 MiB leaves, %llu pinned\n",
		       (unsigned long long)ss.huge_leaves,
		       (unsigned long long)ss.pinned_leaves);
	}
	xv_gpu_get_stats(B.gpu, &st);
	printf("gpu-direct: %llu submissions, engines busy %llu us, TLB hits "
	       "%llu misses %llu, walks %llu\n",
	       (unsigned long long)st.completed,
	       (unsigned long long)(st.busy_ns / 1000),
	       (unsigned long long)st.tlb_hits,
	       (unsigned long long)st.tlb_misses, (unsigned long long)st.walks);
	return 0;
}
