/*
 * test-pt.c — the page-table format: VA arithmetic, guest-entry
 * validation (every reserved bit at every level) and the walker's
 * outcomes over hand-built shadow tables.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt.h"
#include "xv-test.h"

/* ---- VA arithmetic ---------------------------------------------------------- */

static void test_index_and_span(void)
{
	uint64_t va = (0x1a5ull << 39) | (0x0f3ull << 30) | (0x1ffull << 21) |
		      (0x001ull << 12) | 0x123;

	CU_ASSERT_EQUAL(xv_pt_index(va, 4), 0x1a5);
	CU_ASSERT_EQUAL(xv_pt_index(va, 3), 0x0f3);
	CU_ASSERT_EQUAL(xv_pt_index(va, 2), 0x1ff);
	CU_ASSERT_EQUAL(xv_pt_index(va, 1), 0x001);
	CU_ASSERT_EQUAL(xv_pt_span(1), 4096);
	CU_ASSERT_EQUAL(xv_pt_span(2), 2ull << 20);
	CU_ASSERT_EQUAL(xv_pt_span(3), 1ull << 30);
	CU_ASSERT_EQUAL(xv_pt_span(4), 1ull << 39);
	CU_ASSERT_EQUAL(xv_pt_shift(4), 39);
}

static void test_va_canonical(void)
{
	CU_ASSERT_TRUE(xv_pt_va_ok(0));
	CU_ASSERT_TRUE(xv_pt_va_ok((1ull << 48) - 1));
	CU_ASSERT_FALSE(xv_pt_va_ok(1ull << 48));
	CU_ASSERT_FALSE(xv_pt_va_ok(0xffff800000000000ull));
	CU_ASSERT_TRUE(xv_pt_range_ok(0, 1ull << 48));
	CU_ASSERT_FALSE(xv_pt_range_ok(0, (1ull << 48) + 1));
	CU_ASSERT_FALSE(xv_pt_range_ok(4096, 0));
	CU_ASSERT_FALSE(xv_pt_range_ok((1ull << 48) - 4096, 8192));
	CU_ASSERT_FALSE(xv_pt_range_ok(~0ull - 10, 100)); /* wraps */
	CU_ASSERT_TRUE(xv_pt_range_ok((1ull << 48) - 4096, 4096));
}

/* ---- guest entries ------------------------------------------------------------ */

static void test_gaddr(void)
{
	xv_gaddr_t g = xv_gaddr_from_gref(0x12345);

	CU_ASSERT_TRUE(xv_gaddr_is_grant(g));
	CU_ASSERT_EQUAL(xv_gaddr_frame(g), 0x12345);
	CU_ASSERT_EQUAL(g, (1ull << 63) | (0x12345ull << 12));
	CU_ASSERT_EQUAL(xv_pte_guest_addr(xv_pte_guest_make(g, XV_PTE_W)), g);
	/* The largest grant reference the frame field holds. */
	CU_ASSERT_EQUAL(xv_gaddr_frame(xv_gaddr_from_gref(0xffffffffu)),
			0xffffffffull);
}

static void test_guest_valid_entries(void)
{
	xv_gaddr_t g = xv_gaddr_from_gref(7);
	uint64_t bad;

	for (unsigned int l = 1; l <= 4; l++) {
		CU_ASSERT_EQUAL(
		    xv_pte_guest_check(xv_pte_guest_make(g, 0), l, &bad),
		    XV_PTE_VALID);
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(xv_pte_guest_check(0, l, NULL), XV_PTE_ABSENT);
		/* P clear: absent whatever else is set. */
		CU_ASSERT_EQUAL(xv_pte_guest_check(~XV_PTE_P, l, NULL),
				XV_PTE_ABSENT);
	}
	CU_ASSERT_EQUAL(
	    xv_pte_guest_check(xv_pte_guest_make(g, XV_PTE_W | XV_PTE_NS), 1,
			       NULL),
	    XV_PTE_VALID);
	/* A GFN-style address (bit 63 clear) is well-formed too. */
	CU_ASSERT_EQUAL(xv_pte_guest_check(0x5000 | XV_PTE_P, 1, NULL),
			XV_PTE_VALID);
	CU_ASSERT_EQUAL(xv_pte_guest_check(XV_PTE_P, 0, NULL),
			XV_PTE_BAD_LEVEL);
	CU_ASSERT_EQUAL(xv_pte_guest_check(XV_PTE_P, 5, NULL),
			XV_PTE_BAD_LEVEL);
}

/* Every bit, at every level: allowed, PS, or reserved — and reported. */
static void test_guest_every_reserved_bit(void)
{
	uint64_t base = xv_pte_guest_make(xv_gaddr_from_gref(3), 0);

	for (unsigned int l = 1; l <= 4; l++) {
		for (unsigned int bit = 0; bit < 64; bit++) {
			uint64_t b = 1ull << bit, got;
			bool frame = bit >= 12 && bit <= 51;
			bool ok = bit == 0 || bit == 63 || frame ||
				  (l == 1 && (bit == 1 || bit == 2));
			enum xv_pte_check c =
			    xv_pte_guest_check(base | b, l, &got);

			if (ok) {
				CU_ASSERT_EQUAL(c, XV_PTE_VALID);
				CU_ASSERT_EQUAL(got, 0);
			} else if (bit == 7) {
				CU_ASSERT_EQUAL(c, XV_PTE_BAD_PS);
				CU_ASSERT_EQUAL(got, b);
			} else {
				CU_ASSERT_EQUAL(c, XV_PTE_BAD_RESERVED);
				CU_ASSERT_EQUAL(got, b);
			}
		}
	}
	/* W and NS are leaf-only. */
	CU_ASSERT_EQUAL(xv_pte_guest_check(base | XV_PTE_W, 2, NULL),
			XV_PTE_BAD_RESERVED);
	CU_ASSERT_EQUAL(xv_pte_guest_check(base | XV_PTE_NS, 4, NULL),
			XV_PTE_BAD_RESERVED);
	CU_ASSERT_STRING_EQUAL(xv_pte_check_str(XV_PTE_BAD_PS),
			       "PS set in a guest entry");
}

/* ---- the walker --------------------------------------------------------------- */

/* Eight tables addressed by IOVA (i + 1) << 12. */
#define NT 8
static uint64_t tables[NT][512] __attribute__((aligned(4096)));
static unsigned int lookups;

static const uint64_t *table_fn(void *ctx, xv_iova_t iova, unsigned int level)
{
	uint64_t i = (iova >> 12) - 1;

	(void)ctx;
	(void)level;
	lookups++;
	if ((iova & 0xfff) || i >= NT)
		return NULL;
	return tables[i];
}

#define TIOVA(i) ((xv_iova_t)(i + 1) << 12)

/* root(0) → L3(1) → L2(2) → L1(3); va 0 mapped RW, va 4K read-only. */
static void build(void)
{
	memset(tables, 0, sizeof(tables));
	tables[0][0] = xv_pte_shadow_table(TIOVA(1));
	tables[1][0] = xv_pte_shadow_table(TIOVA(2));
	tables[2][0] = xv_pte_shadow_table(TIOVA(3));
	tables[3][0] = xv_pte_shadow_leaf(0xabc000, XV_PTE_W | XV_PTE_NS);
	tables[3][1] = xv_pte_shadow_leaf(0xdef000, 0);
	tables[2][1] = xv_pte_shadow_huge(0x40000000, XV_PTE_W);
}

static void test_walk_leaf(void)
{
	struct xv_pt_walk_result r;

	build();
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), 0x123, XV_PT_WRITE, table_fn, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.fault, XV_PT_OK);
	CU_ASSERT_EQUAL(r.iova, 0xabc123);
	CU_ASSERT_EQUAL(r.page, 0xabc000);
	CU_ASSERT_EQUAL(r.page_size, 4096);
	CU_ASSERT_EQUAL(r.level, 1);
	CU_ASSERT_EQUAL(r.flags, XV_PTE_P | XV_PTE_W | XV_PTE_NS);

	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), 0x1008, XV_PT_READ, table_fn, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.iova, 0xdef008);
	CU_ASSERT_EQUAL(r.flags, XV_PTE_P);
}

static void test_walk_huge(void)
{
	struct xv_pt_walk_result r;
	uint64_t va = (1ull << 21) + 0x12345;

	build();
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), va, XV_PT_WRITE, table_fn, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.iova, 0x40000000 + 0x12345);
	CU_ASSERT_EQUAL(r.page_size, 2ull << 20);
	CU_ASSERT_EQUAL(r.level, 2);
	/* Misaligned 2 MiB frame: bad entry. */
	tables[2][1] = xv_pte_shadow_huge(0x40001000, 0);
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), va, XV_PT_READ, table_fn, NULL, &r), -EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_BAD_ENTRY);
	/* PS is an L2-only bit. */
	build();
	tables[1][0] |= XV_PTE_PS;
	CU_ASSERT_EQUAL(xv_pt_walk(TIOVA(0), 0, XV_PT_READ, table_fn, NULL, &r),
			-EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_BAD_ENTRY);
	CU_ASSERT_EQUAL(r.level, 3);
	build();
	tables[3][0] |= XV_PTE_PS;
	CU_ASSERT_EQUAL(xv_pt_walk(TIOVA(0), 0, XV_PT_READ, table_fn, NULL, &r),
			-EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_BAD_ENTRY);
}

static void test_walk_faults(void)
{
	struct xv_pt_walk_result r;

	build();
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), 1ull << 48, XV_PT_READ, table_fn, NULL, &r),
	    -EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_VA);
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), 0x2000, XV_PT_READ, table_fn, NULL, &r),
	    -EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_NOT_PRESENT);
	CU_ASSERT_EQUAL(r.level, 1);
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), 1ull << 39, XV_PT_READ, table_fn, NULL, &r),
	    -EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_NOT_PRESENT);
	CU_ASSERT_EQUAL(r.level, 4);
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), 0x1000, XV_PT_WRITE, table_fn, NULL, &r),
	    -EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_READ_ONLY);
	CU_ASSERT_EQUAL(r.iova, 0xdef000);
	/* W is ANDed: a read-only non-leaf entry makes the leaf read-only. */
	tables[1][0] &= ~XV_PTE_W;
	CU_ASSERT_EQUAL(
	    xv_pt_walk(TIOVA(0), 0, XV_PT_WRITE, table_fn, NULL, &r), -EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_READ_ONLY);
	CU_ASSERT_EQUAL(xv_pt_walk(TIOVA(0), 0, XV_PT_READ, table_fn, NULL, &r),
			0);
	CU_ASSERT_EQUAL(r.flags, XV_PTE_P | XV_PTE_NS);
	/* A table IOVA that does not translate. */
	build();
	tables[2][0] = xv_pte_shadow_table(0x7777000);
	CU_ASSERT_EQUAL(xv_pt_walk(TIOVA(0), 0, XV_PT_READ, table_fn, NULL, &r),
			-EFAULT);
	CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_BAD_TABLE);
	CU_ASSERT_EQUAL(r.level, 1);
	CU_ASSERT_EQUAL(xv_pt_walk(TIOVA(0), 0, XV_PT_READ, NULL, NULL, &r),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(xv_pt_fault_str(XV_PT_FAULT_READ_ONLY),
			       "write to read-only");
}

/* Every reserved bit of a shadow entry at every level faults. */
static void test_walk_shadow_reserved(void)
{
	struct xv_pt_walk_result r;

	for (unsigned int l = 1; l <= 4; l++) {
		for (unsigned int bit = 0; bit < 64; bit++) {
			uint64_t b = 1ull << bit;
			uint64_t *slot = l == 4	  ? &tables[0][0]
					 : l == 3 ? &tables[1][0]
					 : l == 2 ? &tables[2][0]
						  : &tables[3][0];
			bool frame = bit >= 12 && bit <= 51;
			bool allowed =
			    bit <= 1 || frame || (l == 1 && bit == 2);
			int rc;

			if (frame || bit == 0)
				continue; /* changes the address or P */
			build();
			*slot |= b;
			rc = xv_pt_walk(TIOVA(0), 0x10, XV_PT_READ, table_fn,
					NULL, &r);
			if (allowed) {
				CU_ASSERT_EQUAL(rc, 0);
			} else if (bit == 7 && l == 2) {
				/* PS at L2 makes a (misaligned) 2 MiB leaf */
				CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_BAD_ENTRY);
			} else {
				CU_ASSERT_EQUAL(rc, -EFAULT);
				CU_ASSERT_EQUAL(r.fault, XV_PT_FAULT_BAD_ENTRY);
				CU_ASSERT_EQUAL(r.level, l);
			}
		}
	}
}

/* A shadow table that points at itself ends after 4 levels. */
static void test_walk_self_loop(void)
{
	struct xv_pt_walk_result r;

	memset(tables, 0, sizeof(tables));
	tables[0][0] = xv_pte_shadow_table(TIOVA(0));
	lookups = 0;
	CU_ASSERT_EQUAL(xv_pt_walk(TIOVA(0), 0, XV_PT_READ, table_fn, NULL, &r),
			0);
	/* The L1 read of the same table sees a 4 KiB leaf at IOVA 4K. */
	CU_ASSERT_EQUAL(r.iova, TIOVA(0));
	CU_ASSERT_EQUAL(lookups, 4);
}

static const struct xv_test_case va_cases[] = {
    {"index_and_span", test_index_and_span},
    {"va_canonical", test_va_canonical},
    {NULL, NULL},
};

static const struct xv_test_case guest_cases[] = {
    {"gaddr", test_gaddr},
    {"valid_entries", test_guest_valid_entries},
    {"every_reserved_bit", test_guest_every_reserved_bit},
    {NULL, NULL},
};

static const struct xv_test_case walk_cases[] = {
    {"leaf", test_walk_leaf},
    {"huge", test_walk_huge},
    {"faults", test_walk_faults},
    {"shadow_reserved", test_walk_shadow_reserved},
    {"self_loop", test_walk_self_loop},
    {NULL, NULL},
};

static const struct xv_test_suite va_suite = {"pt_va", va_cases, NULL, NULL};
static const struct xv_test_suite guest_suite = {"pt_guest", guest_cases, NULL,
						 NULL};
static const struct xv_test_suite walk_suite = {"pt_walk", walk_cases, NULL,
						NULL};

int main(void)
{
	const struct xv_test_suite *suites[] = {&va_suite, &guest_suite,
						&walk_suite, NULL};

	return xv_test_main(suites);
}
