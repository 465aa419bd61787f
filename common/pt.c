/*
 * pt.c — the shadow page-table walker and the format's strings.
 *
 * Trusts nothing it reads: the table callback may return NULL and any
 * entry may carry any bits; both end in a fault, never a stray access.
 */
#include "pt.h"

#include <errno.h>
#include <stddef.h>

#include "compiler.h"

const char *xv_pte_check_str(enum xv_pte_check c)
{
	switch (c) {
	case XV_PTE_VALID:
		return "valid";
	case XV_PTE_ABSENT:
		return "absent";
	case XV_PTE_BAD_PS:
		return "PS set in a guest entry";
	case XV_PTE_BAD_RESERVED:
		return "reserved bit set";
	case XV_PTE_BAD_LEVEL:
		return "bad level";
	}
	return "unknown";
}

const char *xv_pt_fault_str(enum xv_pt_fault f)
{
	switch (f) {
	case XV_PT_OK:
		return "ok";
	case XV_PT_FAULT_VA:
		return "VA outside 48 bits";
	case XV_PT_FAULT_NOT_PRESENT:
		return "not present";
	case XV_PT_FAULT_READ_ONLY:
		return "write to read-only";
	case XV_PT_FAULT_BAD_ENTRY:
		return "bad entry";
	case XV_PT_FAULT_BAD_TABLE:
		return "table does not translate";
	}
	return "unknown";
}

/* Is e, read at `level`, a well-formed present shadow entry? */
static bool shadow_entry_ok(uint64_t e, unsigned int level, bool *leaf)
{
	if (level == 1) {
		*leaf = true;
		return !(e & ~XV_PTE_SHADOW_LEAF_BITS);
	}
	if (e & XV_PTE_PS) {
		*leaf = true;
		/* A 2 MiB leaf lives in L2 only and is 2 MiB aligned. */
		return level == XV_PT_HUGE_LEVEL &&
		       !(e & ~XV_PTE_SHADOW_HUGE_BITS) &&
		       !(xv_pte_shadow_addr(e) & ~XV_PT_HUGE_MASK);
	}
	*leaf = false;
	return !(e & ~XV_PTE_SHADOW_TABLE_BITS);
}

int xv_pt_walk(xv_iova_t root_iova, uint64_t va, enum xv_pt_access access,
	       xv_pt_table_fn table, void *ctx, struct xv_pt_walk_result *out)
{
	xv_iova_t tiova = root_iova;
	uint64_t w = XV_PTE_W;
	unsigned int level;

	if (!out || !table)
		return -EINVAL;
	*out = (struct xv_pt_walk_result){0};
	if (!xv_pt_va_ok(va)) {
		out->fault = XV_PT_FAULT_VA;
		out->level = XV_PT_LEVELS;
		return -EFAULT;
	}
	for (level = XV_PT_LEVELS; level >= 1; level--) {
		const uint64_t *t = table(ctx, tiova, level);
		uint64_t e;
		bool leaf;

		out->level = level;
		if (!t) {
			out->fault = XV_PT_FAULT_BAD_TABLE;
			return -EFAULT;
		}
		e = xv_pte_load(&t[xv_pt_index(va, level)]);
		out->entry = e;
		if (!(e & XV_PTE_P)) {
			out->fault = XV_PT_FAULT_NOT_PRESENT;
			return -EFAULT;
		}
		if (!shadow_entry_ok(e, level, &leaf)) {
			out->fault = XV_PT_FAULT_BAD_ENTRY;
			return -EFAULT;
		}
		w &= e;
		if (leaf) {
			uint64_t size = xv_pt_span(level);

			out->page = xv_pte_shadow_addr(e);
			out->page_size = size;
			out->iova = out->page | (va & (size - 1));
			out->flags = XV_PTE_P | w | (e & XV_PTE_NS);
			if (access == XV_PT_WRITE && !(w & XV_PTE_W)) {
				out->fault = XV_PT_FAULT_READ_ONLY;
				return -EFAULT;
			}
			return 0;
		}
		tiova = xv_pte_shadow_addr(e);
	}
	/* Unreachable: level 1 entries are always leaves. */
	out->fault = XV_PT_FAULT_BAD_ENTRY;
	return -EFAULT;
}
