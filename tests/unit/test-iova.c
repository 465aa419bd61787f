/*
 * test-iova.c — the IOVA allocator: placement, alignment, sub-range frees,
 * coalescing, exhaustion, double frees, and a randomized run against a
 * plain bitmap of pages.
 */
#include "iova.h"
#include "compiler.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xv-test.h"

#define MiB (1ull << 20)
#define PG  XV_PAGE_SIZE

static struct xv_iova_space *mk(xv_iova_t base, uint64_t size)
{
	struct xv_iova_space *sp = NULL;

	CU_ASSERT_EQUAL_FATAL(xv_iova_space_new(base, size, &sp), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
	return sp;
}

static void test_bad_space(void)
{
	struct xv_iova_space *sp = (void *)1;

	CU_ASSERT_EQUAL(xv_iova_space_new(0, 0, &sp), -EINVAL);
	CU_ASSERT_PTR_NULL(sp);
	CU_ASSERT_EQUAL(xv_iova_space_new(100, 16 * PG, &sp), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_space_new(0, 16 * PG + 1, &sp), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_space_new(~0ull & XV_PAGE_MASK, 2 * PG, &sp),
			-EINVAL);
	xv_iova_space_free(NULL);
}

static void test_placement_and_alignment(void)
{
	/* 1 MiB base: 2 MiB alignment must be absolute, not base-relative. */
	struct xv_iova_space *sp = mk(1 * MiB, 64 * MiB);
	xv_iova_t small = 0, big = 0, big2 = 0, a8 = 0;

	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 3, 1, &small), 0);
	CU_ASSERT_EQUAL(small, 65 * MiB - 3 * PG); /* top of the space */
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 512, 512, &big), 0);
	CU_ASSERT_EQUAL(big, 2 * MiB); /* lowest 2 MiB-aligned fit */
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 512, 512, &big2), 0);
	CU_ASSERT_EQUAL(big2, 4 * MiB); /* contiguous with the first */
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 5, 8, &a8), 0);
	CU_ASSERT_EQUAL(a8 % (8 * PG), 0);
	CU_ASSERT(a8 + 5 * PG <= small);
	CU_ASSERT(a8 > 6 * MiB);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 0, 1, &a8), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 1, 3, &a8), -EINVAL);
	xv_iova_space_free(sp);
}

static void test_subrange_free_and_coalesce(void)
{
	struct xv_iova_space *sp = mk(0, 4 * MiB);
	uint64_t total = xv_iova_free_pages(sp);
	xv_iova_t a = 0, again = 0;

	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 512, 512, &a), 0);
	CU_ASSERT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(xv_iova_free_extents(sp), 1);
	/* Release pages one by one in a scattered order: holes, then joins. */
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 10 * PG, 1), 0);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 12 * PG, 1), 0);
	CU_ASSERT_EQUAL(xv_iova_free_extents(sp), 3);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 11 * PG, 1), 0);
	CU_ASSERT_EQUAL(xv_iova_free_extents(sp), 2);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 13 * PG, 499), 0);
	CU_ASSERT_EQUAL(xv_iova_free_extents(sp), 1); /* joined the top */
	CU_ASSERT_EQUAL(xv_iova_free(sp, a, 10), 0);
	CU_ASSERT_EQUAL(xv_iova_free_extents(sp), 1);
	CU_ASSERT_EQUAL(xv_iova_free_pages(sp), total);
	CU_ASSERT_EQUAL(xv_iova_largest_free(sp), total);
	/* Fully coalesced: the whole space is one run again. */
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, total, 1, &again), 0);
	CU_ASSERT_EQUAL(again, 0);
	xv_iova_space_free(sp);
}

static void test_exhaustion(void)
{
	struct xv_iova_space *sp = mk(0, 64 * PG);
	xv_iova_t a = 0, b = 0;

	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 65, 1, &a), -ENOSPC);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 60, 1, &a), 0);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 5, 1, &b), -ENOSPC);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 4, 1, &b), 0);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 1, 1, &b), -ENOSPC);
	CU_ASSERT_EQUAL(xv_iova_free_pages(sp), 0);
	CU_ASSERT_EQUAL(xv_iova_free_extents(sp), 0);
	/* Enough pages in total, but no 512-aligned fit in a 64-page space
	 * starting at 0 apart from page 0 itself. */
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + PG, 8), 0);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 2, 512, &b), -ENOSPC);
	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 8, 1, &b), 0);
	CU_ASSERT_EQUAL(b, a + PG);
	xv_iova_space_free(sp);
}

static void test_double_free(void)
{
	struct xv_iova_space *sp = mk(1 * MiB, 1 * MiB);
	xv_iova_t a = 0;
	uint64_t fp;

	CU_ASSERT_EQUAL(xv_iova_alloc(sp, 16, 1, &a), 0);
	fp = xv_iova_free_pages(sp);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 4 * PG, 4), 0);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 4 * PG, 4), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 7 * PG, 2), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a, 16), -EINVAL);
	/* Never allocated: the rest of the space. */
	CU_ASSERT_EQUAL(xv_iova_free(sp, 1 * MiB, 1), -EINVAL);
	/* Outside the space, unaligned, empty. */
	CU_ASSERT_EQUAL(xv_iova_free(sp, 0, 1), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_free(sp, 2 * MiB, 1), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a, 0), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 15 * PG, ~0ull), -EINVAL);
	CU_ASSERT_EQUAL(xv_iova_free_pages(sp), fp + 4);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a, 4), 0);
	CU_ASSERT_EQUAL(xv_iova_free(sp, a + 8 * PG, 8), 0);
	CU_ASSERT_EQUAL(xv_iova_free_pages(sp), 256);
	xv_iova_space_free(sp);
}

static void test_small_runs_keep_big_region_whole(void)
{
	/* Many small runs come from the top; the bottom keeps 2 MiB runs. */
	struct xv_iova_space *sp = mk(0, 16 * MiB);
	xv_iova_t a, big;

	for (int i = 0; i < 300; i++)
		CU_ASSERT_EQUAL(xv_iova_alloc(sp, 1 + i % 7, 1, &a), 0);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(xv_iova_alloc(sp, 512, 512, &big), 0);
		CU_ASSERT_EQUAL(big, (uint64_t)i * 2 * MiB);
	}
	xv_iova_space_free(sp);
}

/* ---- randomized, against a bitmap of pages ------------------------------ */

#define R_PAGES 4096u
#define R_BASE	(1 * MiB) /* not 2 MiB aligned on purpose */

struct r_alloc {
	uint64_t pn, n; /* page number relative to the base */
};

struct r_model {
	bool used[R_PAGES];
	struct r_alloc allocs[R_PAGES];
	unsigned int nallocs;
};

static uint64_t model_free(const struct r_model *m, uint64_t *extents,
			   uint64_t *largest)
{
	uint64_t f = 0, run = 0;

	*extents = 0;
	*largest = 0;
	for (unsigned int i = 0; i < R_PAGES; i++) {
		if (m->used[i]) {
			run = 0;
			continue;
		}
		f++;
		if (run++ == 0)
			(*extents)++;
		if (run > *largest)
			*largest = run;
	}
	return f;
}

/* Is there any run of n free pages at an absolute multiple of al? */
static bool model_fits(const struct r_model *m, uint64_t n, uint64_t al)
{
	uint64_t base_pn = R_BASE / PG;

	for (uint64_t i = 0; i + n <= R_PAGES; i++) {
		bool ok = true;

		if ((base_pn + i) % al)
			continue;
		for (uint64_t j = 0; j < n && ok; j++)
			ok = !m->used[i + j];
		if (ok)
			return true;
	}
	return false;
}

static void test_random_vs_bitmap(void)
{
	static const uint64_t aligns[] = {1, 1, 1, 2, 8, 64, 512};
	uint64_t seed = xv_test_seed("iova random");
	unsigned long steps = xv_test_steps(6000);
	struct xv_iova_space *sp = mk(R_BASE, (uint64_t)R_PAGES * PG);
	struct r_model *m = calloc(1, sizeof(*m));
	struct xv_rng rng;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	xv_rng_init(&rng, seed);
	for (unsigned long s = 0; s < steps; s++) {
		unsigned int op = (unsigned int)xv_rng_below(&rng, 10);
		uint64_t ext, largest, fp;

		if (op < 5) {
			uint64_t n = xv_rng_below(&rng, 8) == 0
					 ? 1 + xv_rng_below(&rng, 600)
					 : 1 + xv_rng_below(&rng, 12);
			uint64_t al =
			    aligns[xv_rng_below(&rng, XV_ARRAY_SIZE(aligns))];
			bool fits = model_fits(m, n, al);
			xv_iova_t iova = 0;
			int rc = xv_iova_alloc(sp, n, al, &iova);

			if (!fits) {
				CU_ASSERT_EQUAL_FATAL(rc, -ENOSPC);
			} else {
				uint64_t pn;

				CU_ASSERT_EQUAL_FATAL(rc, 0);
				CU_ASSERT_EQUAL_FATAL((iova / PG) % al, 0);
				CU_ASSERT_FATAL(iova >= R_BASE);
				pn = iova / PG - R_BASE / PG;
				CU_ASSERT_FATAL(pn + n <= R_PAGES);
				for (uint64_t j = 0; j < n; j++) {
					CU_ASSERT_FATAL(!m->used[pn + j]);
					m->used[pn + j] = true;
				}
				m->allocs[m->nallocs++] =
				    (struct r_alloc){pn, n};
			}
		} else if (op < 9 && m->nallocs) {
			/* Free a random sub-range of a random allocation. */
			unsigned int k =
			    (unsigned int)xv_rng_below(&rng, m->nallocs);
			struct r_alloc a = m->allocs[k];
			uint64_t off = xv_rng_below(&rng, a.n);
			uint64_t len = 1 + xv_rng_below(&rng, a.n - off);

			CU_ASSERT_EQUAL_FATAL(
			    xv_iova_free(sp, R_BASE + (a.pn + off) * PG, len),
			    0);
			for (uint64_t j = 0; j < len; j++)
				m->used[a.pn + off + j] = false;
			/* Keep the allocation list of still-used ranges. */
			m->allocs[k] = m->allocs[--m->nallocs];
			if (off)
				m->allocs[m->nallocs++] =
				    (struct r_alloc){a.pn, off};
			if (off + len < a.n)
				m->allocs[m->nallocs++] = (struct r_alloc){
				    a.pn + off + len, a.n - off - len};
		} else {
			/* A bogus free: must be refused iff it touches a
			 * free page, and change nothing when refused. */
			uint64_t pn = xv_rng_below(&rng, R_PAGES);
			uint64_t len = 1 + xv_rng_below(&rng, 4);
			bool any_free = false;
			int rc;

			if (pn + len > R_PAGES)
				len = R_PAGES - pn;
			for (uint64_t j = 0; j < len; j++)
				any_free |= !m->used[pn + j];
			if (!any_free)
				continue; /* would be a legitimate free */
			rc = xv_iova_free(sp, R_BASE + pn * PG, len);
			CU_ASSERT_EQUAL_FATAL(rc, -EINVAL);
		}
		fp = model_free(m, &ext, &largest);
		CU_ASSERT_EQUAL_FATAL(xv_iova_free_pages(sp), fp);
		CU_ASSERT_EQUAL_FATAL(xv_iova_free_extents(sp), ext);
		CU_ASSERT_EQUAL_FATAL(xv_iova_largest_free(sp), largest);
	}
	free(m);
	xv_iova_space_free(sp);
}

static const struct xv_test_case iova_cases[] = {
    {"bad space bounds", test_bad_space},
    {"placement and alignment", test_placement_and_alignment},
    {"sub-range frees coalesce", test_subrange_free_and_coalesce},
    {"exhaustion gives -ENOSPC", test_exhaustion},
    {"double free detected", test_double_free},
    {"small runs keep big region whole", test_small_runs_keep_big_region_whole},
    {"random vs bitmap", test_random_vs_bitmap},
    {NULL, NULL},
};

static const struct xv_test_suite iova_suite = {"iova", iova_cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *suites[] = {&iova_suite, NULL};

	return xv_test_main(suites);
}
