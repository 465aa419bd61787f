/*
 * test-be-grant.c — the grant mapper (backend/be-grant.c).
 *
 * TEST DOUBLE of libxengnttab (struct be_grant_io): map hands out a fresh
 * page-aligned block per call and records it; unmap accepts only a whole
 * block, as libxengnttab's xengnttab_unmap does on Linux (it compares the
 * count with the mapping's), and counts anything else as an error. Then
 * the real map cache runs over the mapper with the soft IOMMU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "be-grant.h"
#include "iommu-soft.h"
#include "mapcache.h"
#include "vgpuif.h"
#include "xv-test.h"

#define MAXMAP 4096

struct fake_gnttab {
	struct {
		char *base;
		uint32_t n;
		int prot;
	} map[MAXMAP];
	unsigned int nmaps;
	unsigned int live;
	unsigned int bad_unmaps;
	uint32_t last_domid;
	uint32_t fail_gref; /* a map naming it fails (a revoked grant) */
};

static void *fake_map(void *h, uint32_t count, uint32_t domid, uint32_t *refs,
		      int prot)
{
	struct fake_gnttab *f = h;
	char *p;

	f->last_domid = domid;
	for (uint32_t i = 0; i < count; i++)
		if (refs[i] == f->fail_gref) {
			errno = EINVAL;
			return NULL;
		}
	if (f->nmaps == MAXMAP ||
	    posix_memalign((void **)&p, 4096, (size_t)count * 4096)) {
		errno = ENOMEM;
		return NULL;
	}
	/* each page holds its gref, as the guest's page would */
	for (uint32_t i = 0; i < count; i++)
		memcpy(p + (size_t)i * 4096, &refs[i], 4);
	f->map[f->nmaps].base = p;
	f->map[f->nmaps].n = count;
	f->map[f->nmaps].prot = prot;
	f->nmaps++;
	f->live++;
	return p;
}

static int fake_unmap(void *h, void *start, uint32_t count)
{
	struct fake_gnttab *f = h;

	for (unsigned int i = 0; i < f->nmaps; i++) {
		if (f->map[i].base != start)
			continue;
		if (f->map[i].n != count)
			break;
		free(f->map[i].base);
		f->map[i].base = NULL;
		f->live--;
		return 0;
	}
	f->bad_unmaps++;
	errno = EINVAL;
	return -1;
}

static const struct be_grant_io fake_io = {fake_map, fake_unmap};

/* A second double whose blocks the kernel places, as it places gntdev's
 * mappings (mmap with no address), for the spacing test. */
static void *mmap_map(void *h, uint32_t count, uint32_t domid, uint32_t *refs,
		      int prot)
{
	void *p = mmap(NULL, (size_t)count * 4096, prot,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	(void)h;
	(void)domid;
	(void)refs;
	return p == MAP_FAILED ? NULL : p;
}

static int mmap_unmap(void *h, void *start, uint32_t count)
{
	(void)h;
	return munmap(start, (size_t)count * 4096);
}

static const struct be_grant_io mmap_io = {mmap_map, mmap_unmap};

static xv_gaddr_t ga(uint32_t gref)
{
	return XV_GADDR_FROM_GREF(gref);
}

static void test_chunks(void)
{
	struct fake_gnttab *f = calloc(1, sizeof(*f));
	struct be_grant_config cfg = {5, &fake_io, f};
	const struct xv_mapper_ops *ops = &be_grant_mapper_ops;
	struct be_grant_stats st;
	struct be_grant *g;
	xv_gaddr_t a[4] = {ga(10), ga(11), ga(12), ga(13)};
	void *pages[4], *one;

	CU_ASSERT_EQUAL_FATAL(be_grant_new(&cfg, &g), 0);
	CU_ASSERT_EQUAL(ops->map_batch(g, 5, a, 4, XV_PIN_READ, pages), 0);
	CU_ASSERT_EQUAL(f->last_domid, 5);
	CU_ASSERT_EQUAL(f->map[0].prot, PROT_READ);
	for (int i = 0; i < 4; i++) {
		uint32_t r;

		memcpy(&r, pages[i], 4);
		CU_ASSERT_EQUAL(r, 10u + i);
	}
	/* pages go one at a time, out of order; the block only with the
	 * last, and whole */
	ops->unmap_batch(g, &pages[2], 1);
	ops->unmap_batch(g, &pages[0], 1);
	ops->unmap_batch(g, &pages[3], 1);
	CU_ASSERT_EQUAL(f->live, 1);
	CU_ASSERT_EQUAL(ops->map_batch(g, 5, &a[1], 1, XV_PIN_READWRITE, &one),
			0);
	CU_ASSERT_EQUAL(f->map[1].prot, PROT_READ | PROT_WRITE);
	ops->unmap_batch(g, &pages[1], 1);
	CU_ASSERT_EQUAL(f->live, 1);
	be_grant_get_stats(g, &st);
	CU_ASSERT_EQUAL(st.map_calls, 2);
	CU_ASSERT_EQUAL(st.unmap_calls, 1);
	CU_ASSERT_EQUAL(st.pages_mapped, 5);
	CU_ASSERT_EQUAL(st.pages_unmapped, 4);
	CU_ASSERT_EQUAL(st.live_pages, 1);
	CU_ASSERT_EQUAL(st.live_chunks, 1);
	CU_ASSERT_EQUAL(st.mapped_pages, 1);
	/* free releases what is left */
	be_grant_free(g);
	CU_ASSERT_EQUAL(f->live, 0);
	CU_ASSERT_EQUAL(f->bad_unmaps, 0);
	free(f);
}

static void test_refusals(void)
{
	struct fake_gnttab *f = calloc(1, sizeof(*f));
	struct be_grant_config cfg = {5, &fake_io, f};
	const struct xv_mapper_ops *ops = &be_grant_mapper_ops;
	struct be_grant_stats st;
	struct be_grant *g;
	xv_gaddr_t a[3] = {ga(10), ga(11), ga(12)};
	void *pages[3];

	CU_ASSERT_EQUAL_FATAL(be_grant_new(&cfg, &g), 0);
	/* another domain's grants: never, and Xen is not even asked */
	CU_ASSERT_EQUAL(ops->map_batch(g, 6, a, 3, XV_PIN_READ, pages),
			-EFAULT);
	CU_ASSERT_EQUAL(ops->map_batch(g, 0, a, 3, XV_PIN_READ, pages),
			-EFAULT);
	/* not grant-based, gref 0, reserved bits, misaligned */
	a[1] = 0x12000;
	CU_ASSERT_EQUAL(ops->map_batch(g, 5, a, 3, XV_PIN_READ, pages),
			-EFAULT);
	a[1] = ga(0);
	CU_ASSERT_EQUAL(ops->map_batch(g, 5, a, 3, XV_PIN_READ, pages),
			-EFAULT);
	a[1] = ga(11) | (1ull << 50);
	CU_ASSERT_EQUAL(ops->map_batch(g, 5, a, 3, XV_PIN_READ, pages),
			-EFAULT);
	a[1] = ga(11) | 8;
	CU_ASSERT_EQUAL(ops->map_batch(g, 5, a, 3, XV_PIN_READ, pages),
			-EFAULT);
	CU_ASSERT_EQUAL(f->nmaps, 0);
	/* Xen refuses one grant: the batch fails whole */
	a[1] = ga(11);
	f->fail_gref = 12;
	CU_ASSERT_EQUAL(ops->map_batch(g, 5, a, 3, XV_PIN_READ, pages),
			-EFAULT);
	be_grant_get_stats(g, &st);
	CU_ASSERT_EQUAL(st.refused, 6);
	CU_ASSERT_EQUAL(st.failed_maps, 1);
	CU_ASSERT_EQUAL(st.live_pages, 0);
	/* unmapping something never mapped is ignored, and counted */
	ops->unmap_batch(g, &(void *){(void *)0x1000}, 1);
	be_grant_get_stats(g, &st);
	CU_ASSERT_EQUAL(st.refused, 7);
	be_grant_free(g);
	CU_ASSERT_EQUAL(f->bad_unmaps, 0);
	free(f);
}

/* The real map cache over the mapper: evictions page by page, a quota
 * smaller than the working set, everything released once at the end. */
static void test_under_mapcache(void)
{
	struct fake_gnttab *f = calloc(1, sizeof(*f));
	struct be_grant_config cfg = {3, &fake_io, f};
	struct xv_mapcache_config mc = {0};
	struct xv_iommu_soft *soft;
	struct xv_mapcache *c;
	struct be_grant *g;
	struct be_grant_stats st;
	struct xv_rng rng;
	xv_iommu_ctx_t ictx;
	struct xv_iommu io;

	xv_rng_init(&rng, xv_test_seed("be-grant under mapcache"));
	CU_ASSERT_EQUAL_FATAL(be_grant_new(&cfg, &g), 0);
	CU_ASSERT_EQUAL_FATAL(xv_iommu_soft_new(4, &soft), 0);
	io = xv_iommu_soft_iommu(soft);
	CU_ASSERT_EQUAL_FATAL(io.ops->ctx_alloc(io.impl, &ictx), 0);
	mc.domid = 3;
	mc.max_pages = 64;
	mc.mapper = &be_grant_mapper_ops;
	mc.mapper_ctx = g;
	mc.iommu = io;
	mc.iommu_ctx = ictx;
	mc.iova_base = 1ull << 32;
	mc.iova_size = 1ull << 30;
	CU_ASSERT_EQUAL_FATAL(xv_mapcache_new(&mc, &c), 0);
	for (int step = 0; step < 2000; step++) {
		unsigned int n = 1 + (unsigned int)xv_rng_below(&rng, 16);
		uint32_t first = 1 + (uint32_t)xv_rng_below(&rng, 200);
		xv_gaddr_t a[16];
		struct xv_pin pin[16];
		uint64_t tok[16];

		for (unsigned int i = 0; i < n; i++)
			a[i] = ga(first + i);
		if (xv_mapcache_pin_batch(c, a, n, XV_PIN_READ, pin) != 0)
			continue;
		for (unsigned int i = 0; i < n; i++) {
			uint32_t r;

			memcpy(&r, pin[i].page, 4);
			CU_ASSERT_EQUAL(r, first + i); /* the right page */
			tok[i] = pin[i].token;
		}
		xv_mapcache_unpin_tokens(c, tok, n, XV_PIN_READ);
		be_grant_get_stats(g, &st);
		CU_ASSERT(st.live_pages <= 64);
	}
	xv_mapcache_drop_unused(c);
	be_grant_get_stats(g, &st);
	CU_ASSERT_EQUAL(st.live_pages, 0);
	CU_ASSERT_EQUAL(st.live_chunks, 0);
	CU_ASSERT_EQUAL(f->live, 0);
	CU_ASSERT_EQUAL(f->bad_unmaps, 0);
	CU_ASSERT_EQUAL(st.pages_mapped, st.pages_unmapped);
	xv_mapcache_free(c);
	io.ops->ctx_free(io.impl, ictx);
	xv_iommu_soft_free(soft);
	be_grant_free(g);
	for (unsigned int i = 0; i < f->nmaps; i++)
		free(f->map[i].base);
	free(f);
}

/*
 * Chunks of 512 grants mapped one after the other must not sit a power
 * of two apart (be-grant.c, spacer()): with the spacer they are 513
 * pages apart, without it 512. And everything goes with free.
 */
static void test_spacing(void)
{
	struct be_grant_config cfg = {5, &mmap_io, NULL};
	const struct xv_mapper_ops *ops = &be_grant_mapper_ops;
	static xv_gaddr_t a[512];
	static void *pages[8][512];
	struct be_grant_stats st;
	struct be_grant *g;
	unsigned int spaced = 0;

	CU_ASSERT_EQUAL_FATAL(be_grant_new(&cfg, &g), 0);
	for (unsigned int c = 0; c < 8; c++) {
		for (unsigned int i = 0; i < 512; i++)
			a[i] = ga(1 + c * 512 + i);
		CU_ASSERT_EQUAL_FATAL(
		    ops->map_batch(g, 5, a, 512, XV_PIN_READWRITE, pages[c]),
		    0);
		if (c) {
			uintptr_t d =
			    (uintptr_t)pages[c - 1][0] - (uintptr_t)pages[c][0];

			CU_ASSERT_NOT_EQUAL(d, 512u * 4096u);
			spaced += d == 513u * 4096u;
		}
	}
	/* the kernel's top-down placement gives the intended spacing */
	CU_ASSERT_EQUAL(spaced, 7);
	for (unsigned int c = 0; c < 8; c++)
		ops->unmap_batch(g, pages[c], 512);
	be_grant_get_stats(g, &st);
	CU_ASSERT_EQUAL(st.live_chunks, 0);
	CU_ASSERT_EQUAL(st.unmap_calls, 8);
	be_grant_free(g);
}

static const struct xv_test_case cases[] = {
    {"chunks are spaced in the address space", test_spacing},
    {"batches as chunks, unmapped whole", test_chunks},
    {"other domains and bad addresses refused", test_refusals},
    {"under the real map cache", test_under_mapcache},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"be-grant", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
