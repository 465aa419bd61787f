/*
 * test-iommu.c — the IOMMU-model interface through the software IOMMU:
 * map/translate/unmap/flush, permissions, PASIDs, the stale IOTLB that an
 * unmap without flush leaves, bounded batches, and translation from a
 * second thread while the control thread maps and unmaps.
 */
#include "iommu-soft.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "xv-test.h"

#define NPAGES 256u

static struct xv_iommu_soft *soft;
static struct xv_iommu io;
static uint8_t *pages; /* NPAGES host pages, 4 KiB aligned */

static void *pg(unsigned int i)
{
	return pages + (size_t)i * XV_PAGE_SIZE;
}

static int setup(void)
{
	if (xv_iommu_soft_new(8, &soft))
		return -1;
	io = xv_iommu_soft_iommu(soft);
	pages = aligned_alloc(XV_PAGE_SIZE, (size_t)NPAGES * XV_PAGE_SIZE);
	return pages ? 0 : -1;
}

static int teardown(void)
{
	xv_iommu_soft_free(soft);
	free(pages);
	return 0;
}

static xv_iommu_ctx_t new_ctx(void)
{
	xv_iommu_ctx_t c = ~0u;

	CU_ASSERT_EQUAL_FATAL(io.ops->ctx_alloc(io.impl, &c), 0);
	return c;
}

static int tr(uint32_t pasid, xv_iova_t iova, uint32_t acc, void **p)
{
	return io.ops->translate(io.impl, pasid, iova, acc, p);
}

static void test_map_translate_unmap_flush(void)
{
	xv_iommu_ctx_t c = new_ctx();
	struct xv_iommu_map m[3] = {
	    {0x1000, pg(0), XV_IOMMU_RW},
	    {0x2000, pg(1), XV_IOMMU_READ},
	    {0x7fff0000, pg(2), XV_IOMMU_RW},
	};
	xv_iova_t un[1] = {0x1000};
	void *p = NULL;

	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 5, c), 0);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 3), 0);
	CU_ASSERT_EQUAL(tr(5, 0x1234, XV_IOMMU_WRITE, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(0));
	CU_ASSERT_EQUAL(tr(5, 0x2fff, XV_IOMMU_READ, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(1));
	CU_ASSERT_EQUAL(tr(5, 0x7fff0008, XV_IOMMU_RW, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(2));
	CU_ASSERT_EQUAL(tr(5, 0x3000, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NOT_MAPPED);
	CU_ASSERT_EQUAL(tr(5, 1ull << 48, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NOT_MAPPED);
	/* Mapping over a live mapping is refused, nothing of the batch kept. */
	m[0].iova = 0x5000;
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 2), -EEXIST);
	CU_ASSERT_EQUAL(tr(5, 0x5000, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NOT_MAPPED);
	/* Unmap + flush: the translation is gone, the IOVA reusable. */
	CU_ASSERT_EQUAL(io.ops->unmap_batch(io.impl, c, un, 1), 0);
	CU_ASSERT_EQUAL(io.ops->unmap_batch(io.impl, c, un, 1), -ENOENT);
	CU_ASSERT_EQUAL(io.ops->flush(io.impl, c, 0x1000, 1), 0);
	CU_ASSERT_EQUAL(tr(5, 0x1000, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NOT_MAPPED);
	CU_ASSERT_EQUAL(xv_iommu_soft_page_refs(soft, pg(0)), 0);
	m[0].iova = 0x1000;
	m[0].page = pg(3);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 1), 0);
	CU_ASSERT_EQUAL(tr(5, 0x1000, XV_IOMMU_READ, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(3));
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 5), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, c), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, c), -ENOENT);
}

static void test_permission_faults(void)
{
	xv_iommu_ctx_t c = new_ctx();
	struct xv_iommu_map m = {0x10000, pg(4), XV_IOMMU_READ};
	void *p = NULL;

	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 9, c), 0);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, &m, 1), 0);
	CU_ASSERT_EQUAL(tr(9, 0x10000, XV_IOMMU_READ, &p), 0);
	/* Also when the translation is served from the IOTLB. */
	CU_ASSERT_EQUAL(tr(9, 0x10000, XV_IOMMU_WRITE, &p),
			XV_IOMMU_FAULT_PERMISSION);
	CU_ASSERT_EQUAL(tr(9, 0x10000, XV_IOMMU_RW, &p),
			XV_IOMMU_FAULT_PERMISSION);
	CU_ASSERT_EQUAL(tr(9, 0x10000, 0, &p), -EINVAL);
	CU_ASSERT_EQUAL(tr(9, 0x10000, 8, &p), -EINVAL);
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 9), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, c), 0);
}

static void test_pasids(void)
{
	xv_iommu_ctx_t a = new_ctx(), b = new_ctx();
	struct xv_iommu_map ma = {0x4000, pg(5), XV_IOMMU_RW};
	struct xv_iommu_map mb = {0x4000, pg(6), XV_IOMMU_RW};
	void *p = NULL;

	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, a, &ma, 1), 0);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, b, &mb, 1), 0);
	CU_ASSERT_EQUAL(tr(1, 0x4000, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NO_PASID);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 1, a), 0);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 2, a), 0);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 0xfffff, b), 0);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 1, b), -EBUSY);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 1u << 20, b), -ERANGE);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 3, 7), -ENOENT);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 3, 1000), -ENOENT);
	/* Same IOVA, different address spaces: isolation. */
	CU_ASSERT_EQUAL(tr(1, 0x4000, XV_IOMMU_READ, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(5));
	CU_ASSERT_EQUAL(tr(2, 0x4000, XV_IOMMU_READ, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(5));
	CU_ASSERT_EQUAL(tr(0xfffff, 0x4000, XV_IOMMU_READ, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(6));
	CU_ASSERT_EQUAL(tr(1u << 20, 0x4000, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NO_PASID);
	/* A context with PASIDs attached cannot go. */
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, a), -EBUSY);
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 1), 0);
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 1), -ENOENT);
	CU_ASSERT_EQUAL(tr(1, 0x4000, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NO_PASID);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, a), -EBUSY);
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 2), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, a), 0);
	/* ctx_free dropped a's mapping, b's stays. */
	CU_ASSERT_EQUAL(xv_iommu_soft_page_refs(soft, pg(5)), 0);
	CU_ASSERT_NOT_EQUAL(xv_iommu_soft_page_refs(soft, pg(6)), 0);
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 0xfffff), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, b), 0);
	CU_ASSERT_EQUAL(xv_iommu_soft_page_refs(soft, pg(6)), 0);
}

static void test_stale_iotlb_until_flush(void)
{
	xv_iommu_ctx_t c = new_ctx();
	struct xv_iommu_map m[2] = {{0x20000, pg(7), XV_IOMMU_RW},
				    {0x21000, pg(8), XV_IOMMU_RW}};
	xv_iova_t un[2] = {0x20000, 0x21000};
	void *p = NULL;

	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 11, c), 0);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 2), 0);
	/* The device uses the first page (now cached), not the second. */
	CU_ASSERT_EQUAL(tr(11, 0x20000, XV_IOMMU_WRITE, &p), 0);
	CU_ASSERT_EQUAL(io.ops->unmap_batch(io.impl, c, un, 2), 0);
	/* Without a flush the cached translation is still served: stale. */
	CU_ASSERT_EQUAL(tr(11, 0x20000, XV_IOMMU_WRITE, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(7));
	/* The uncached one faults at once. */
	CU_ASSERT_EQUAL(tr(11, 0x21000, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NOT_MAPPED);
	/* The model still reaches both pages: releasing them is a bug. */
	CU_ASSERT_NOT_EQUAL(xv_iommu_soft_page_refs(soft, pg(7)), 0);
	CU_ASSERT_NOT_EQUAL(xv_iommu_soft_page_refs(soft, pg(8)), 0);
	/* Reusing the IOVA before the flush is refused. */
	m[0].page = pg(9);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 1), -EBUSY);
	/* A flush of another range does not help. */
	CU_ASSERT_EQUAL(io.ops->flush(io.impl, c, 0x100000, 16), 0);
	CU_ASSERT_EQUAL(tr(11, 0x20000, XV_IOMMU_WRITE, &p), 0);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 1), -EBUSY);
	/* The flush of the range (here: all) ends it. */
	CU_ASSERT_EQUAL(io.ops->flush(io.impl, c, 0, 0), 0);
	CU_ASSERT_EQUAL(tr(11, 0x20000, XV_IOMMU_WRITE, &p),
			XV_IOMMU_FAULT_NOT_MAPPED);
	CU_ASSERT_EQUAL(xv_iommu_soft_page_refs(soft, pg(7)), 0);
	CU_ASSERT_EQUAL(xv_iommu_soft_page_refs(soft, pg(8)), 0);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 1), 0);
	CU_ASSERT_EQUAL(tr(11, 0x20000, XV_IOMMU_WRITE, &p), 0);
	CU_ASSERT_PTR_EQUAL(p, pg(9));
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 11), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, c), 0);
}

static void test_bad_batches(void)
{
	xv_iommu_ctx_t c = new_ctx();
	struct xv_iommu_map m[XV_IOMMU_BATCH_MAX + 1];
	xv_iova_t un[XV_IOMMU_BATCH_MAX + 1];
	struct xv_iommu_soft_stats st;

	for (unsigned int i = 0; i <= XV_IOMMU_BATCH_MAX; i++) {
		m[i] = (struct xv_iommu_map){(xv_iova_t)(i + 1) << 12, pg(i),
					     XV_IOMMU_RW};
		un[i] = m[i].iova;
	}
	CU_ASSERT_EQUAL(
	    io.ops->map_batch(io.impl, c, m, XV_IOMMU_BATCH_MAX + 1), -EINVAL);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 0), -EINVAL);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, 99, m, 1), -ENOENT);
	/* Each a bad entry at the end of a batch: nothing of it stays. */
	m[3].iova |= 1;
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 4), -EINVAL);
	m[3].iova &= XV_PAGE_MASK;
	m[3].page = (uint8_t *)pg(3) + 8;
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 4), -EINVAL);
	m[3].page = pg(3);
	m[3].flags = XV_IOMMU_WRITE; /* write-only is not a mapping kind */
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 4), -EINVAL);
	m[3].flags = XV_IOMMU_RW;
	m[3].iova = 1ull << 48;
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 4), -EINVAL);
	m[3].iova = m[1].iova; /* duplicate inside the batch */
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, 4), -EINVAL);
	m[3].iova = 4ull << 12;
	xv_iommu_soft_get_stats(soft, &st);
	CU_ASSERT_EQUAL(st.mapped, 0);
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, XV_IOMMU_BATCH_MAX),
			0);
	/* Unmap: one unknown IOVA or a duplicate fails the whole batch. */
	un[5] = 0x7000000;
	CU_ASSERT_EQUAL(io.ops->unmap_batch(io.impl, c, un, 6), -ENOENT);
	un[5] = un[0];
	CU_ASSERT_EQUAL(io.ops->unmap_batch(io.impl, c, un, 6), -EINVAL);
	un[5] = m[5].iova;
	CU_ASSERT_EQUAL(
	    io.ops->unmap_batch(io.impl, c, un, XV_IOMMU_BATCH_MAX + 1),
	    -EINVAL);
	xv_iommu_soft_get_stats(soft, &st);
	CU_ASSERT_EQUAL(st.mapped, XV_IOMMU_BATCH_MAX);
	CU_ASSERT_EQUAL(st.unflushed, 0);
	/* The range helpers split long runs into bounded batches. */
	CU_ASSERT_EQUAL(xv_iommu_unmap_range(&io, c, un, XV_IOMMU_BATCH_MAX),
			0);
	CU_ASSERT_EQUAL(io.ops->flush(io.impl, c, 0, 0), 0);
	xv_iommu_soft_get_stats(soft, &st);
	CU_ASSERT_EQUAL(st.mapped, 0);
	CU_ASSERT_EQUAL(st.unflushed, 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, c), 0);
}

static void test_map_range_all_or_nothing(void)
{
	enum { N = 300 };
	xv_iommu_ctx_t c = new_ctx();
	struct xv_iommu_map *m = calloc(N, sizeof(*m));
	struct xv_iommu_map extra = {(xv_iova_t)250 << 12, pg(0), XV_IOMMU_RW};
	struct xv_iommu_soft_stats st;
	void *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (unsigned int i = 0; i < N; i++)
		m[i] = (struct xv_iommu_map){(xv_iova_t)i << 12, pg(i % NPAGES),
					     XV_IOMMU_READ};
	/* Page 250 is taken: the third batch fails, the first two undone. */
	CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, &extra, 1), 0);
	CU_ASSERT_EQUAL(xv_iommu_map_range(&io, c, m, N), -EEXIST);
	xv_iommu_soft_get_stats(soft, &st);
	CU_ASSERT_EQUAL(st.mapped, 1);
	CU_ASSERT_EQUAL(st.unflushed, 0);
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 21, c), 0);
	CU_ASSERT_EQUAL(tr(21, 0, XV_IOMMU_READ, &p),
			XV_IOMMU_FAULT_NOT_MAPPED);
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 21), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, c), 0);
	free(m);
}

/* ---- a device thread translating while the control thread remaps ------ */

struct racer {
	volatile bool stop;
	unsigned long ok, faults, wrong;
};

#define RACE_PAGES 64u

static void *race_translate(void *arg)
{
	struct racer *r = arg;
	unsigned int i = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		void *p = NULL;
		xv_iova_t iova = (xv_iova_t)(i++ % RACE_PAGES) << 12;
		int rc = tr(31, iova, XV_IOMMU_READ, &p);

		if (rc == 0) {
			/* Each IOVA only ever maps its own page. */
			if (p != pg((unsigned int)(iova >> 12)))
				r->wrong++;
			__atomic_fetch_add(&r->ok, 1, __ATOMIC_RELAXED);
		} else if (rc == XV_IOMMU_FAULT_NOT_MAPPED) {
			__atomic_fetch_add(&r->faults, 1, __ATOMIC_RELAXED);
		} else {
			r->wrong++;
		}
	}
	return NULL;
}

static void test_concurrent_translate(void)
{
	xv_iommu_ctx_t c = new_ctx();
	struct xv_iommu_map m[RACE_PAGES];
	xv_iova_t un[RACE_PAGES];
	struct racer r = {0};
	pthread_t t;

	for (unsigned int i = 0; i < RACE_PAGES; i++) {
		m[i] = (struct xv_iommu_map){(xv_iova_t)i << 12, pg(i),
					     XV_IOMMU_READ};
		un[i] = m[i].iova;
	}
	CU_ASSERT_EQUAL(io.ops->pasid_attach(io.impl, 31, c), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, race_translate, &r), 0);
	/* At least 2000 rounds, and until the translator has overlapped
	 * them for a while (it may start late on a loaded machine). */
	for (unsigned int round = 0;
	     round < 2000 || (__atomic_load_n(&r.ok, __ATOMIC_RELAXED) < 5000 &&
			      round < 2000000);
	     round++) {
		unsigned int k = 1 + round % RACE_PAGES;

		CU_ASSERT_EQUAL(io.ops->map_batch(io.impl, c, m, k), 0);
		CU_ASSERT_EQUAL(io.ops->unmap_batch(io.impl, c, un, k), 0);
		CU_ASSERT_EQUAL(io.ops->flush(io.impl, c, 0, 0), 0);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(r.wrong, 0);
	CU_ASSERT(r.ok > 0);
	CU_ASSERT_EQUAL(io.ops->pasid_detach(io.impl, 31), 0);
	CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, c), 0);
}

static void test_ctx_exhaustion(void)
{
	xv_iommu_ctx_t ids[8], extra;
	struct xv_iommu_soft *other = (void *)1;
	unsigned int n = 0;

	while (n < 8 && io.ops->ctx_alloc(io.impl, &ids[n]) == 0)
		n++;
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(io.ops->ctx_alloc(io.impl, &extra), -ENOSPC);
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(io.ops->ctx_free(io.impl, ids[i]), 0);
	CU_ASSERT_EQUAL(xv_iommu_soft_new(0, &other), -EINVAL);
	CU_ASSERT_PTR_NULL(other);
}

static const struct xv_test_case iommu_cases[] = {
    {"map translate unmap flush", test_map_translate_unmap_flush},
    {"permission faults", test_permission_faults},
    {"pasid attach detach", test_pasids},
    {"stale IOTLB until flush", test_stale_iotlb_until_flush},
    {"bad and oversized batches", test_bad_batches},
    {"map_range all or nothing", test_map_range_all_or_nothing},
    {"concurrent translate", test_concurrent_translate},
    {"context exhaustion", test_ctx_exhaustion},
    {NULL, NULL},
};

static const struct xv_test_suite iommu_suite = {"iommu-soft", iommu_cases,
						 setup, teardown};

int main(void)
{
	const struct xv_test_suite *suites[] = {&iommu_suite, NULL};

	return xv_test_main(suites);
}
