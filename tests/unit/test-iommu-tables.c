/*
 * test-iommu-tables.c — shadow tables mapped for the device
 * (common/iommu-tables.c) on the software IOMMU: what the device can
 * reach and when, and that nothing is reused or freed while it may
 * still be reached.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu-soft.h"
#include "iommu-tables.h"
#include "xv-test.h"

#define PASID 3u
#define BASE  (1ull << 32)

static struct xv_iommu_soft *soft;
static struct xv_iommu_tables t;

/* A context with PASID attached and an IOVA space of pages pages. */
static void setup(uint64_t pages)
{
	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL_FATAL(xv_iommu_soft_new(2, &soft), 0);
	t.io = xv_iommu_soft_iommu(soft);
	CU_ASSERT_EQUAL_FATAL(t.io.ops->ctx_alloc(t.io.impl, &t.ctx), 0);
	CU_ASSERT_EQUAL_FATAL(t.io.ops->pasid_attach(t.io.impl, PASID, t.ctx),
			      0);
	CU_ASSERT_EQUAL_FATAL(
	    xv_iova_space_new(BASE, pages * XV_PAGE_SIZE, &t.iova), 0);
}

static void teardown(void)
{
	t.io.ops->pasid_detach(t.io.impl, PASID);
	xv_iova_space_free(t.iova);
	xv_iommu_soft_free(soft);
}

static int device_reads(xv_iova_t iova, uint32_t access, void **page)
{
	return t.io.ops->translate(t.io.impl, PASID, iova, access, page);
}

static void test_alloc_maps_zeroed_read_only(void)
{
	const struct xv_shadow_table_ops *ops = &xv_iommu_table_ops;
	static const uint64_t zero[512];
	uint64_t *tab = NULL;
	xv_iova_t iova = 0;
	void *page = NULL;

	setup(4);
	CU_ASSERT_EQUAL_FATAL(ops->alloc(&t, &tab, &iova), 0);
	CU_ASSERT(iova >= BASE && iova < BASE + 4 * XV_PAGE_SIZE);
	CU_ASSERT_EQUAL(memcmp(tab, zero, sizeof(zero)), 0);
	/* The device reads the table, never writes it. */
	CU_ASSERT_EQUAL(device_reads(iova, XV_IOMMU_READ, &page), 0);
	CU_ASSERT_PTR_EQUAL(page, tab);
	CU_ASSERT_NOT_EQUAL(device_reads(iova, XV_IOMMU_WRITE, &page), 0);
	CU_ASSERT_EQUAL(xv_iova_free_pages(t.iova), 3);

	ops->free(&t, tab, iova);
	CU_ASSERT_NOT_EQUAL(device_reads(iova, XV_IOMMU_READ, &page), 0);
	/* flushed before its IOVA went back: no stale translation left */
	CU_ASSERT_EQUAL(xv_iommu_soft_page_refs(soft, tab), 0);
	CU_ASSERT_EQUAL(xv_iova_free_pages(t.iova), 4);
	teardown();
}

/* A failed alloc gives back what it took. */
static void test_alloc_failures(void)
{
	const struct xv_shadow_table_ops *ops = &xv_iommu_table_ops;
	uint64_t *a = NULL, *b = NULL;
	xv_iova_t ia = 0, ib = 0;

	setup(1);
	CU_ASSERT_EQUAL_FATAL(ops->alloc(&t, &a, &ia), 0);
	/* the space is full */
	CU_ASSERT_NOT_EQUAL(ops->alloc(&t, &b, &ib), 0);
	CU_ASSERT_PTR_NULL(b);
	ops->free(&t, a, ia);
	/* a context the IOMMU does not know: the IOVA comes back */
	t.ctx += 100;
	CU_ASSERT_EQUAL(ops->alloc(&t, &b, &ib), -ENOENT);
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT_EQUAL(xv_iova_free_pages(t.iova), 1);
	t.ctx -= 100;
	teardown();
}

/* A table the IOMMU will not unmap is leaked, never reused. */
static void test_free_refused_leaks(void)
{
	const struct xv_shadow_table_ops *ops = &xv_iommu_table_ops;
	uint64_t *tab = NULL;
	xv_iova_t iova = 0;
	void *page = NULL;

	setup(2);
	CU_ASSERT_EQUAL_FATAL(ops->alloc(&t, &tab, &iova), 0);
	t.ctx += 100;
	ops->free(&t, tab, iova);
	t.ctx -= 100;
	CU_ASSERT_EQUAL(xv_iova_free_pages(t.iova), 1);
	CU_ASSERT_EQUAL(device_reads(iova, XV_IOMMU_READ, &page), 0);
	CU_ASSERT_PTR_EQUAL(page, tab);
	/* the test cleans up what the code under test rightly left */
	ops->free(&t, tab, iova);
	CU_ASSERT_EQUAL(xv_iova_free_pages(t.iova), 2);
	teardown();
}

static const struct xv_test_case cases[] = {
    {"alloc maps a zeroed table read-only", test_alloc_maps_zeroed_read_only},
    {"a failed alloc gives everything back", test_alloc_failures},
    {"a table the IOMMU keeps is leaked", test_free_refused_leaks},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"iommu-tables", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
