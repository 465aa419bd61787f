/*
 * iova.c — IOVA allocator: free extents in an AVL tree keyed by start page,
 * each node also holding the largest extent length of its subtree so that
 * searches skip subtrees too small to fit.
 *
 * Trusts its caller (the map cache) for nothing but single-threaded use:
 * every range passed in is checked against the space and the free extents.
 */
#include "iova.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct iova_node {
	uint64_t start;	  /* first free page number (absolute: iova >> 12) */
	uint64_t len;	  /* pages; > 0 */
	uint64_t max_len; /* largest len in this subtree */
	struct iova_node *l, *r;
	int height;
};

/*
 * Invariants: extents are disjoint, non-adjacent (always coalesced) and
 * inside [first, end); free_pages is the sum of their lengths.
 */
struct xv_iova_space {
	struct iova_node *root;
	uint64_t first, end; /* page numbers */
	uint64_t free_pages;
	uint64_t nextents;
};

static int height(const struct iova_node *n)
{
	return n ? n->height : 0;
}

static uint64_t max_len(const struct iova_node *n)
{
	return n ? n->max_len : 0;
}

static void fix(struct iova_node *n)
{
	int hl = height(n->l), hr = height(n->r);
	uint64_t m = n->len;

	n->height = 1 + (hl > hr ? hl : hr);
	if (max_len(n->l) > m)
		m = max_len(n->l);
	if (max_len(n->r) > m)
		m = max_len(n->r);
	n->max_len = m;
}

static struct iova_node *rotate_right(struct iova_node *n)
{
	struct iova_node *l = n->l;

	n->l = l->r;
	l->r = n;
	fix(n);
	fix(l);
	return l;
}

static struct iova_node *rotate_left(struct iova_node *n)
{
	struct iova_node *r = n->r;

	n->r = r->l;
	r->l = n;
	fix(n);
	fix(r);
	return r;
}

static struct iova_node *balance(struct iova_node *n)
{
	int bf;

	fix(n);
	bf = height(n->l) - height(n->r);
	if (bf > 1) {
		if (height(n->l->l) < height(n->l->r))
			n->l = rotate_left(n->l);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->r->r) < height(n->r->l))
			n->r = rotate_right(n->r);
		return rotate_left(n);
	}
	return n;
}

static struct iova_node *insert(struct iova_node *root, struct iova_node *n)
{
	if (!root) {
		n->l = n->r = NULL;
		fix(n);
		return n;
	}
	if (n->start < root->start)
		root->l = insert(root->l, n);
	else
		root->r = insert(root->r, n);
	return balance(root);
}

/* Detach the smallest node of the subtree into *min. */
static struct iova_node *remove_min(struct iova_node *root,
				    struct iova_node **min)
{
	if (!root->l) {
		*min = root;
		return root->r;
	}
	root->l = remove_min(root->l, min);
	return balance(root);
}

/* Unlink the node with this start (it exists); the node is not freed. */
static struct iova_node *unlink_key(struct iova_node *root, uint64_t start)
{
	struct iova_node *m;

	if (start < root->start) {
		root->l = unlink_key(root->l, start);
		return balance(root);
	}
	if (start > root->start) {
		root->r = unlink_key(root->r, start);
		return balance(root);
	}
	if (!root->r)
		return root->l;
	root->r = remove_min(root->r, &m);
	m->l = root->l;
	m->r = root->r;
	return balance(m);
}

/*
 * Recompute annotations on the path to the node now keyed `start` after
 * its len (or its start, within its neighbours) changed in place.
 */
static void refix(struct iova_node *root, uint64_t start)
{
	if (!root)
		return;
	if (start < root->start)
		refix(root->l, start);
	else if (start > root->start)
		refix(root->r, start);
	fix(root);
}

/* Extent with the largest start <= pn, or NULL. */
static struct iova_node *floor_node(struct iova_node *n, uint64_t pn)
{
	struct iova_node *best = NULL;

	while (n) {
		if (n->start <= pn) {
			best = n;
			n = n->r;
		} else {
			n = n->l;
		}
	}
	return best;
}

/* Extent with the smallest start >= pn, or NULL. */
static struct iova_node *ceil_node(struct iova_node *n, uint64_t pn)
{
	struct iova_node *best = NULL;

	while (n) {
		if (n->start >= pn) {
			best = n;
			n = n->l;
		} else {
			n = n->r;
		}
	}
	return best;
}

static bool fit_low(const struct iova_node *n, uint64_t np, uint64_t al,
		    uint64_t *at)
{
	uint64_t a = (n->start + al - 1) & ~(al - 1);

	if (a < n->start || a - n->start > n->len - np)
		return false;
	*at = a;
	return true;
}

static bool fit_high(const struct iova_node *n, uint64_t np, uint64_t al,
		     uint64_t *at)
{
	uint64_t a = (n->start + n->len - np) & ~(al - 1);

	if (a < n->start)
		return false;
	*at = a;
	return true;
}

/* Lowest-address extent with an aligned fit (in-order, left first). */
static struct iova_node *search_low(struct iova_node *n, uint64_t np,
				    uint64_t al, uint64_t *at)
{
	struct iova_node *f;

	if (!n || n->max_len < np)
		return NULL;
	f = search_low(n->l, np, al, at);
	if (f)
		return f;
	if (n->len >= np && fit_low(n, np, al, at))
		return n;
	return search_low(n->r, np, al, at);
}

/* Highest-address extent with an aligned fit (reverse order). */
static struct iova_node *search_high(struct iova_node *n, uint64_t np,
				     uint64_t al, uint64_t *at)
{
	struct iova_node *f;

	if (!n || n->max_len < np)
		return NULL;
	f = search_high(n->r, np, al, at);
	if (f)
		return f;
	if (n->len >= np && fit_high(n, np, al, at))
		return n;
	return search_high(n->l, np, al, at);
}

int xv_iova_space_new(xv_iova_t base, uint64_t size, struct xv_iova_space **out)
{
	struct xv_iova_space *sp = NULL;
	struct iova_node *n = NULL;
	int rc;

	*out = NULL;
	if (size == 0 || (base | size) & ~XV_PAGE_MASK || base + size < base) {
		rc = -EINVAL;
		goto out;
	}
	sp = calloc(1, sizeof(*sp));
	n = calloc(1, sizeof(*n));
	if (!sp || !n) {
		rc = -ENOMEM;
		goto out;
	}
	sp->first = base >> XV_PAGE_SHIFT;
	sp->end = sp->first + (size >> XV_PAGE_SHIFT);
	n->start = sp->first;
	n->len = sp->end - sp->first;
	sp->root = insert(NULL, n);
	sp->free_pages = n->len;
	sp->nextents = 1;
	*out = sp;
	sp = NULL;
	n = NULL;
	rc = 0;
out:
	free(n);
	free(sp);
	return rc;
}

static void free_tree(struct iova_node *n)
{
	if (!n)
		return;
	free_tree(n->l);
	free_tree(n->r);
	free(n);
}

void xv_iova_space_free(struct xv_iova_space *sp)
{
	if (!sp)
		return;
	free_tree(sp->root);
	free(sp);
}

int xv_iova_alloc(struct xv_iova_space *sp, uint64_t npages,
		  uint64_t align_pages, xv_iova_t *iova)
{
	struct iova_node *n, *tail = NULL;
	uint64_t al = align_pages ? align_pages : 1;
	uint64_t at = 0, s, e;
	bool big;
	int rc;

	if (npages == 0 || (al & (al - 1))) {
		rc = -EINVAL;
		goto out;
	}
	big = npages >= XV_IOVA_BIG_PAGES || al >= XV_IOVA_BIG_PAGES;
	n = big ? search_low(sp->root, npages, al, &at)
		: search_high(sp->root, npages, al, &at);
	if (!n) {
		rc = -ENOSPC;
		goto out;
	}
	s = n->start;
	e = n->start + n->len;
	if (at > s && at + npages < e) {
		/* Carved from the middle: the tail needs a node of its own. */
		tail = calloc(1, sizeof(*tail));
		if (!tail) {
			rc = -ENOMEM;
			goto out;
		}
		n->len = at - s;
		refix(sp->root, n->start);
		tail->start = at + npages;
		tail->len = e - tail->start;
		sp->root = insert(sp->root, tail);
		sp->nextents++;
	} else if (at > s) {
		n->len = at - s;
		refix(sp->root, n->start);
	} else if (at + npages < e) {
		/* Start moves up but stays below the next extent: order holds. */
		n->start = at + npages;
		n->len = e - n->start;
		refix(sp->root, n->start);
	} else {
		sp->root = unlink_key(sp->root, s);
		free(n);
		sp->nextents--;
	}
	sp->free_pages -= npages;
	*iova = at << XV_PAGE_SHIFT;
	rc = 0;
out:
	return rc;
}

int xv_iova_free(struct xv_iova_space *sp, xv_iova_t iova, uint64_t npages)
{
	uint64_t pn = iova >> XV_PAGE_SHIFT, last;
	struct iova_node *pred, *succ, *n;
	bool join_pred, join_succ;
	int rc;

	if (npages == 0 || (iova & ~XV_PAGE_MASK) || pn < sp->first ||
	    pn >= sp->end || npages > sp->end - pn) {
		rc = -EINVAL;
		goto out;
	}
	last = pn + npages - 1;
	/*
	 * Extents are disjoint and sorted, so if any overlaps [pn, last] the
	 * one with the largest start <= last does.
	 */
	pred = floor_node(sp->root, last);
	if (pred && pred->start + pred->len > pn) {
		rc = -EINVAL;
		goto out;
	}
	join_pred = pred && pred->start + pred->len == pn;
	succ = last + 1 < sp->end ? ceil_node(sp->root, last + 1) : NULL;
	join_succ = succ && succ->start == last + 1;

	if (join_pred && join_succ) {
		uint64_t slen = succ->len;

		sp->root = unlink_key(sp->root, succ->start);
		free(succ);
		sp->nextents--;
		pred->len += npages + slen;
		refix(sp->root, pred->start);
	} else if (join_pred) {
		pred->len += npages;
		refix(sp->root, pred->start);
	} else if (join_succ) {
		succ->start = pn;
		succ->len += npages;
		refix(sp->root, succ->start);
	} else {
		n = calloc(1, sizeof(*n));
		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		n->start = pn;
		n->len = npages;
		sp->root = insert(sp->root, n);
		sp->nextents++;
	}
	sp->free_pages += npages;
	rc = 0;
out:
	return rc;
}

uint64_t xv_iova_free_pages(const struct xv_iova_space *sp)
{
	return sp->free_pages;
}

uint64_t xv_iova_free_extents(const struct xv_iova_space *sp)
{
	return sp->nextents;
}

uint64_t xv_iova_largest_free(const struct xv_iova_space *sp)
{
	return max_len(sp->root);
}
