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
 *
 * With --pairs N --domid D --daemon-pid P (dom0 of the bed only:
 * tests/bed/bench/30-vgpu.sh) it is instead the direct half of issue 5's
 * end-to-end benchmark and its conductor: for each case, N pairs of one
 * direct measurement here and the same measurement by the guest D
 * through its vGPU (tests/xen/vgbench-domu.c, asked over xenstore: its
 * data/vgbench/e2e-go-<seq> = "<case> <runs>", answered in
 * e2e-done-<seq>), the order alternating from pair to pair (direct
 * first, then vGPU first) so that a drift of the machine's speed
 * weighs on both sides alike. Each side: one untimed submission, then
 * the median of PAIR_RUNS, submit to fence. Both sides wait for each
 * other blocked on a xenstore watch, never polling. Next to the times it
 * reports where the CPU went: the engine time of the direct GPU, the CPU
 * time of the busiest thread of this program and of xenvgpud (P) over
 * each side (from /proc, in clock ticks), and what the guest says of its
 * own. One line a pair: "XVBENCH pair <case> <n> <dv|vd> key=value...".
 *
 * With --copy-mem own|gnt|gnt-skew (dom0 of the bed only) it runs the
 * COPY case alone (one untimed run, then the median of RUNS) with its
 * 32 MiB of buffers either in its own memory or in pages dom0 granted to
 * itself (gntalloc) and mapped back through gntdev in one mapping, the
 * way xenvgpud reaches a guest's pages: "XVBENCH gntmem <mem> run=<ns>
 * busy=<ns>". In "gnt" the source and destination pages are exactly
 * 16 MiB apart in the mapping, in "gnt-skew" one page more: it tells
 * what granted pages cost the engine from what that alignment costs.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>

#include <xengnttab.h>
#include <xenstore.h>

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
#define PAIR_RUNS 3u
#define PAIR_WAIT 900 /* seconds the guest may take for one side */

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

/*
 * --copy-mem gnt, gnt-skew: the data pages guest_map hands out come from
 * a pool of self-granted pages instead of the fake guest memory (tables
 * stay there); host_page[] says which, by guest frame. The pool has one
 * page more than the buffers, for gnt-skew.
 */
#define GNT_PAGES (2u * (COPY_MB << 20) / XV_PAGE_SIZE)
static struct {
	uint8_t *pool;
	uint32_t used;
	bool skew; /* leave one pool page between the source and destination */
	void *host_page[MAX_PAGES + 1];
} G;

/* The host page behind guest address g. */
static void *host_page(xv_gaddr_t g)
{
	uint64_t f = xv_gaddr_frame(g);

	if (f <= MAX_PAGES && G.host_page[f])
		return G.host_page[f];
	return xv_gmem_page(B.gm, g);
}

static int map_batch(void *ctx, uint32_t domid, const xv_gaddr_t *g,
		     unsigned int n, enum xv_pin_access access, void **pages)
{
	(void)ctx;
	(void)domid;
	(void)access;
	for (unsigned int i = 0; i < n; i++) {
		pages[i] = host_page(g[i]);
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
		if (G.skew && G.used == GNT_PAGES / 2)
			G.used++;
		if (G.pool && G.used < GNT_PAGES + 1 &&
		    xv_gaddr_frame(g) <= MAX_PAGES)
			G.host_page[xv_gaddr_frame(g)] =
			    G.pool + (size_t)XV_PAGE_SIZE * G.used++;
		if (src)
			memcpy(host_page(g), (const uint8_t *)src + off,
			       XV_PAGE_SIZE);
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

		memcpy(host_page(xv_pte_guest_addr(e)),
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

enum bench_case { CASE_COPY, CASE_SAXPY, CASE_MATMUL, CASES };

static const struct {
	const char *name;
	uint64_t ops; /* op units a run: MiB or MFLOP */
} case_info[CASES] = {
    {"copy_16MiB", COPY_MB},
    {"saxpy_4M", 2 * SAXPY_N / 1000000},
    {"matmul_256", 2ull * MM *MM *MM / 1000000},
};

/* The inputs of case c in guest memory, and its command in B.cmd. */
static void set_case(enum bench_case c)
{
	struct xv_cmd_builder cb;

	xv_cmd_builder_init(&cb, B.cmd, sizeof(B.cmd));
	switch (c) {
	case CASE_COPY: /* 16 MiB in (B.src, mapped so), 16 MiB out */
		xv_cmd_copy(&cb, 0x10000000, 0x20000000, (size_t)COPY_MB << 20);
		break;
	case CASE_SAXPY: /* 2 flops an element, the CPU's inputs */
		guest_write(0x10000000, B.x, SAXPY_N * sizeof(float));
		guest_write(0x20000000, B.y, SAXPY_N * sizeof(float));
		xv_cmd_saxpy(&cb, 0x10000000, 0x20000000, SAXPY_N, 1.5f);
		break;
	default: /* MATMUL 256^3: A, B, C at the start of the COPY buffers */
		guest_write(0x10000000, B.a, MM * MM * sizeof(float));
		guest_write(0x10000000 + 4 * MM * MM, B.b,
			    MM * MM * sizeof(float));
		xv_cmd_matmul(&cb, 0x10000000, 0x10000000 + 4 * MM * MM,
			      0x20000000, MM, MM, MM);
		break;
	}
	B.cmd_len = cb.len;
}

/* ---- pairs with the vGPU (--pairs) --------------------------------------- */

#define MAX_THREADS 64u

/* CPU time (user + system) of each thread of a process, from /proc. */
struct thread_cpu {
	unsigned int n;
	long tid[MAX_THREADS];
	uint64_t ns[MAX_THREADS];
};

static void thread_cpu_read(int pid, struct thread_cpu *t)
{
	const double tick_ns = 1e9 / (double)sysconf(_SC_CLK_TCK);
	char path[64], buf[512];
	struct dirent *de;
	DIR *d;

	t->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL && t->n < MAX_THREADS) {
		unsigned long ut, st;
		const char *p;
		size_t len;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", pid,
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = 0;
		/* the name may hold anything: fields count from its ')' */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1,
				 " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
				 "%*u %lu %lu",
				 &ut, &st) != 2)
			continue;
		t->tid[t->n] = atol(de->d_name);
		t->ns[t->n] = (uint64_t)((double)(ut + st) * tick_ns);
		t->n++;
	}
	closedir(d);
}

/*
 * CPU between two readings: the busiest thread's, all threads', and each
 * thread's as "<tid - pid>:<ms a run>,..." into list (runs: the divisor).
 */
static void thread_cpu_delta(const struct thread_cpu *a,
			     const struct thread_cpu *b, int pid,
			     unsigned int runs, uint64_t *top, uint64_t *all,
			     char *list, size_t len)
{
	size_t off = 0;

	*top = *all = 0;
	list[0] = 0;
	for (unsigned int i = 0; i < b->n; i++) {
		uint64_t was = 0, d;
		int n;

		for (unsigned int j = 0; j < a->n; j++)
			if (a->tid[j] == b->tid[i])
				was = a->ns[j];
		d = b->ns[i] > was ? b->ns[i] - was : 0;
		*all += d;
		if (d > *top)
			*top = d;
		n = snprintf(list + off, len - off, "%s%ld:%.1f",
			     off ? "," : "", b->tid[i] - pid,
			     (double)d / runs / 1e6);
		if (n > 0 && (size_t)n < len - off)
			off += (size_t)n;
	}
}

static struct {
	struct xs_handle *xs;
	unsigned int domid;
	int daemon_pid;
	char base[64]; /* the guest's data/vgbench */
	unsigned int seq;
} P;

/* The value at base/key once it exists (malloc'd); NULL if the guest is
 * gone or PAIR_WAIT seconds pass. Blocks on a watch between looks. */
static char *pair_await(const char *key)
{
	char path[128], dom[64];
	uint64_t deadline = xv_bench_now_ns() + PAIR_WAIT * 1000000000ull;
	char *v = NULL, **w;
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", P.base, key);
	snprintf(dom, sizeof(dom), "/local/domain/%u/name", P.domid);
	if (!xs_watch(P.xs, path, "vgb"))
		return NULL;
	for (;;) {
		struct pollfd pfd = {xs_fileno(P.xs), POLLIN, 0};

		v = xs_read(P.xs, XBT_NULL, path, &len);
		if (v || xv_bench_now_ns() > deadline)
			break;
		w = xs_read(P.xs, XBT_NULL, dom, &len);
		if (!w) {
			fprintf(stderr, "gpu-direct: domain %u is gone\n",
				P.domid);
			break;
		}
		free(w);
		/* the domain check above runs at least every 5 s */
		if (poll(&pfd, 1, 5000) > 0)
			while ((w = xs_check_watch(P.xs)) != NULL)
				free(w);
	}
	xs_unwatch(P.xs, path, "vgb");
	if (!v)
		fprintf(stderr, "gpu-direct: no %s from the guest\n", path);
	return v;
}

static int pair_put(const char *key, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", P.base, key);
	return xs_write(P.xs, XBT_NULL, path, val, strlen(val)) ? 0 : -EIO;
}

struct side {
	double run_ns;	   /* median of PAIR_RUNS, a whole run */
	double busy_ns;	   /* direct: the engine's busy time a run */
	double top_ns;	   /* CPU of the busiest thread a run */
	double all_ns;	   /* CPU of all threads a run */
	double guest_cpu;  /* vGPU: the guest process's CPU a run */
	double submit_ns;  /* vGPU: time inside xenvgpu_submit a run */
	char threads[256]; /* each thread's CPU a run (thread_cpu_delta) */
};

static void direct_side(struct side *s)
{
	struct thread_cpu t0, t1;
	struct xv_gpu_stats g0, g1;
	uint64_t top, all;

	thread_cpu_read(getpid(), &t0);
	xv_gpu_ctx_get_stats(B.gc, &g0);
	s->run_ns = xv_bench_median_ns(PAIR_RUNS, 1, gpu_run, NULL);
	xv_gpu_ctx_get_stats(B.gc, &g1);
	thread_cpu_read(getpid(), &t1);
	thread_cpu_delta(&t0, &t1, getpid(), PAIR_RUNS + 1, &top, &all,
			 s->threads, sizeof(s->threads));
	/* the untimed first run is in the counters too */
	s->busy_ns = (double)(g1.busy_ns - g0.busy_ns) / (PAIR_RUNS + 1);
	s->top_ns = (double)top / (PAIR_RUNS + 1);
	s->all_ns = (double)all / (PAIR_RUNS + 1);
}

static int vgpu_side(enum bench_case c, struct side *s)
{
	struct thread_cpu t0, t1;
	char key[32], val[64], *r;
	uint64_t top, all;
	int rc = 0;

	snprintf(key, sizeof(key), "e2e-go-%u", ++P.seq);
	snprintf(val, sizeof(val), "%s %u", case_info[c].name, PAIR_RUNS);
	thread_cpu_read(P.daemon_pid, &t0);
	if (pair_put(key, val))
		return -EIO;
	snprintf(key, sizeof(key), "e2e-done-%u", P.seq);
	r = pair_await(key);
	thread_cpu_read(P.daemon_pid, &t1);
	if (!r)
		return -ETIMEDOUT;
	if (sscanf(r, "ok %lf %lf %lf", &s->run_ns, &s->submit_ns,
		   &s->guest_cpu) != 3) {
		fprintf(stderr, "gpu-direct: the guest says: %s\n", r);
		rc = -EIO;
	}
	free(r);
	thread_cpu_delta(&t0, &t1, P.daemon_pid, PAIR_RUNS + 1, &top, &all,
			 s->threads, sizeof(s->threads));
	s->top_ns = (double)top / (PAIR_RUNS + 1);
	s->all_ns = (double)all / (PAIR_RUNS + 1);
	s->busy_ns = 0;
	return rc;
}

static int run_pairs(unsigned int pairs)
{
	char key[32];
	int rc = 0;

	P.xs = xs_open(0);
	if (!P.xs) {
		perror("gpu-direct: xs_open");
		return -EIO;
	}
	snprintf(P.base, sizeof(P.base), "/local/domain/%u/data/vgbench",
		 P.domid);
	for (int c = 0; c < CASES && !rc; c++) {
		set_case((enum bench_case)c);
		for (unsigned int p = 1; p <= pairs && !rc; p++) {
			/* odd pairs direct first, even ones vGPU first */
			bool direct_first = p % 2;
			struct side d, v;

			if (direct_first)
				direct_side(&d);
			rc = vgpu_side((enum bench_case)c, &v);
			if (!direct_first)
				direct_side(&d);
			if (rc)
				break;
			printf("XVBENCH pair %s %u %s ops=%llu runs=%u "
			       "d_run=%.0f v_run=%.0f d_busy=%.0f d_top=%.0f "
			       "d_all=%.0f v_top=%.0f v_all=%.0f g_cpu=%.0f "
			       "g_submit=%.0f d_thr=%s v_thr=%s\n",
			       case_info[c].name, p, direct_first ? "dv" : "vd",
			       (unsigned long long)case_info[c].ops, PAIR_RUNS,
			       d.run_ns, v.run_ns, d.busy_ns, d.top_ns,
			       d.all_ns, v.top_ns, v.all_ns, v.guest_cpu,
			       v.submit_ns, d.threads, v.threads);
			printf("gpu-direct: pair %u %s: direct %.1f ms, vGPU "
			       "%.1f ms a run: %.2f of direct\n",
			       p, case_info[c].name, d.run_ns / 1e6,
			       v.run_ns / 1e6, d.run_ns / v.run_ns);
			fflush(stdout);
		}
	}
	/* the guest goes on to its next part whatever happened here */
	snprintf(key, sizeof(key), "e2e-go-%u", ++P.seq);
	pair_put(key, "end");
	xs_close(P.xs);
	return rc;
}

/* GNT_PAGES pages granted to ourselves and mapped back: G.pool. */
static int gnt_pool(void)
{
	xengntshr_handle *xs = xengntshr_open(NULL, 0);
	xengnttab_handle *xg = xengnttab_open(NULL, 0);
	uint32_t *refs = calloc(GNT_PAGES + 1, sizeof(*refs));

	/* the handles and the shared pages live until we exit */
	if (!xs || !xg || !refs ||
	    !xengntshr_share_pages(xs, 0, GNT_PAGES + 1, refs, 1)) {
		perror("gpu-direct: gntalloc");
		return -1;
	}
	G.pool = xengnttab_map_domain_grant_refs(xg, GNT_PAGES + 1, 0, refs,
						 PROT_READ | PROT_WRITE);
	if (!G.pool) {
		perror("gpu-direct: gntdev map of our own grants");
		return -1;
	}
	free(refs);
	return 0;
}

/* --copy-mem own|gnt|gnt-skew: COPY 16 MiB alone, in the memory named. */
static int copy_mem(const char *mem)
{
	const size_t copy_bytes = (size_t)COPY_MB << 20;
	struct xv_gpu_stats g0, g1;
	double ns;

	G.skew = strcmp(mem, "gnt-skew") == 0;
	if (strcmp(mem, "gnt") == 0 || G.skew ? gnt_pool() : strcmp(mem, "own"))
		return 2;
	setup();
	B.src = malloc(copy_bytes);
	if (!B.src)
		return 1;
	for (size_t i = 0; i < copy_bytes; i++)
		B.src[i] = (uint8_t)(i * 131);
	guest_map(0x10000000, copy_bytes, B.src);
	guest_map(0x20000000, copy_bytes, NULL);
	set_case(CASE_COPY);
	xv_gpu_ctx_get_stats(B.gc, &g0);
	ns = xv_bench_median_ns(RUNS, 1, gpu_run, NULL);
	xv_gpu_ctx_get_stats(B.gc, &g1);
	printf("XVBENCH gntmem %s run=%.0f busy=%.0f pages=%u\n", mem, ns,
	       (double)(g1.busy_ns - g0.busy_ns) / (RUNS + 1), G.used);
	return 0;
}

int main(int argc, char **argv)
{
	struct xv_gpu_stats st;
	const size_t copy_bytes = (size_t)COPY_MB << 20;
	unsigned int pairs = 0;
	double ns, bns;

	if (argc == 3 && strcmp(argv[1], "--copy-mem") == 0)
		return copy_mem(argv[2]);
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pairs") == 0)
			pairs = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--domid") == 0)
			P.domid = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--daemon-pid") == 0)
			P.daemon_pid = atoi(argv[i + 1]);
	}
	if (argc > 1 && (!pairs || !P.domid || P.daemon_pid <= 0)) {
		fprintf(stderr,
			"usage: bench-gpu-direct [--pairs N --domid D "
			"--daemon-pid P | --copy-mem own|gnt|gnt-skew]\n");
		return 2;
	}

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
	guest_map(0x10000000, copy_bytes, B.src);
	guest_map(0x20000000, copy_bytes, NULL);
	if (pairs) {
		int rc = run_pairs(pairs);

		xv_gpu_get_stats(B.gpu, &st);
		printf("gpu-direct: %llu submissions, TLB hits %llu misses "
		       "%llu, walks %llu\n",
		       (unsigned long long)st.completed,
		       (unsigned long long)st.tlb_hits,
		       (unsigned long long)st.tlb_misses,
		       (unsigned long long)st.walks);
		return rc ? 1 : 0;
	}

	/* COPY: 16 MiB in, 16 MiB out. */
	set_case(CASE_COPY);
	ns = xv_bench_median_ns(RUNS, COPY_MB, gpu_run, NULL);
	bns = xv_bench_median_ns(RUNS, COPY_MB, cpu_copy, NULL);
	report("copy_16MiB", "memcpy", ns, bns, 3.0, "MB/s", 1.048576);

	set_case(CASE_SAXPY);
	ns = xv_bench_median_ns(RUNS, 2 * SAXPY_N / 1000000, gpu_run, NULL);
	bns = xv_bench_median_ns(RUNS, 2 * SAXPY_N / 1000000, cpu_saxpy, NULL);
	report("saxpy_4M", "cpu_ref_saxpy", ns, bns, 2.0, "MFLOP/s", 1.0);

	set_case(CASE_MATMUL);
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
