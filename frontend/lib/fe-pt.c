/*
 * fe-pt.c — the writer of a context's guest GPU page tables (format:
 * common/pt.h, docs/pagetable.md). Tables are allocated on demand from
 * a callback that hands out zeroed, granted pages; entries hold
 * grant-based guest addresses. Empty tables are kept until the context
 * goes (the backend may have shadowed them; dropping one would need a
 * PT_UPDATE of its whole span for nothing).
 *
 * Invariants: a parent entry is written only after its table is zero,
 * so the backend never follows an entry into garbage; every live entry
 * is written with one 64-bit store (xv_pte_store), never torn.
 * Trusts: its caller (va checked here anyway); no shared state is read
 * back except entries we wrote.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "fe-gpu.h"

static int node_new(struct fe_pt *pt, struct fe_pt_node **out)
{
	struct fe_pt_node *n;
	int rc;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	rc = pt->alloc(pt->arg, &n->pg);
	if (rc) {
		free(n);
		return rc;
	}
	if (!n->pg.e || !n->pg.gref) {
		free(n);
		return -EIO;
	}
	pt->tables++;
	*out = n;
	return 0;
}

int fe_pt_init(struct fe_pt *pt, fe_pt_alloc_fn *alloc, void *arg)
{
	memset(pt, 0, sizeof(*pt));
	pt->alloc = alloc;
	pt->arg = arg;
	return node_new(pt, &pt->root);
}

static void node_free(struct fe_pt_node *n, unsigned int level)
{
	if (!n)
		return;
	if (level > 2)
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++)
			node_free(n->child[i], level - 1);
	else
		for (unsigned int i = 0; i < XV_PT_ENTRIES; i++)
			free(n->child[i]); /* L1 nodes have no children */
	free(n);
}

void fe_pt_dispose(struct fe_pt *pt)
{
	if (!pt)
		return;
	node_free(pt->root, XV_PT_LEVELS);
	pt->root = NULL;
	pt->tables = 0;
}

int fe_pt_set(struct fe_pt *pt, uint64_t va, uint64_t pte)
{
	struct fe_pt_node *n = pt->root;
	unsigned int level, i;
	int rc;

	if (!n || (va & (XV_PAGE_SIZE - 1)) || !xv_pt_va_ok(va))
		return -EINVAL;
	for (level = XV_PT_LEVELS; level > 1; level--) {
		i = xv_pt_index(va, level);
		if (!n->child[i]) {
			if (!pte)
				return 0; /* nothing mapped there */
			rc = node_new(pt, &n->child[i]);
			if (rc)
				return rc;
			/* The table is zero; only now may the parent name it. */
			xen_wmb();
			xv_pte_store(
			    &n->pg.e[i],
			    xv_pte_guest_make(
				xv_gaddr_from_gref(n->child[i]->pg.gref), 0));
		}
		n = n->child[i];
	}
	xv_pte_store(&n->pg.e[xv_pt_index(va, 1)], pte);
	return 0;
}

uint64_t fe_pt_get(const struct fe_pt *pt, uint64_t va)
{
	const struct fe_pt_node *n = pt->root;
	unsigned int level;

	if (!n || !xv_pt_va_ok(va))
		return 0;
	for (level = XV_PT_LEVELS; level > 1; level--) {
		n = n->child[xv_pt_index(va, level)];
		if (!n)
			return 0;
	}
	return xv_pte_load(&n->pg.e[xv_pt_index(va, 1)]);
}
