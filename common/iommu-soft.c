/*
 * iommu-soft.c — the software IOMMU: radix tables per context, a small
 * IOTLB per context that unmap leaves stale until a flush, a PASID table.
 *
 * Trusts its callers for arguments no more than a PV-IOMMU hypervisor
 * would: every context id, PASID, IOVA, page pointer and batch size is
 * checked. Locking is described in iommu-soft.h.
 */
#include "iommu-soft.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "compiler.h"

#define RADIX_BITS   9u
#define RADIX_SLOTS  (1u << RADIX_BITS)
#define RADIX_LEVELS 4u /* 4 x 9 bits of page number = 48-bit IOVAs */

/*
 * A leaf slot holds the host page address (4 KiB aligned) ORed with its
 * XV_IOMMU_READ/WRITE flags, or with SLOT_STALE (and no access flag) once
 * unmapped and until flushed; 0 when empty. An interior slot holds the
 * address of the next-level table, or 0.
 */
#define SLOT_STALE 4u

#define PASID_DIR_BITS	10u
#define PASID_DIR_SIZE	(1u << PASID_DIR_BITS)
#define PASID_LEAF_SIZE (1u << (XV_IOMMU_PASID_BITS - PASID_DIR_BITS))

struct iotlb_entry {
	uint64_t tag; /* IOVA page number + 1; 0 = invalid */
	uint64_t val; /* the leaf slot value that was cached */
};

/*
 * Control-thread fields are written only under the exclusive lock; the
 * IOTLB is written by translators under tlb_lock while the lock is shared,
 * and by the control thread under the exclusive lock.
 */
struct soft_ctx {
	bool live;
	uint64_t *root; /* top-level table, allocated on first map */
	uint64_t mapped;
	xv_iova_t *pending; /* unmapped, not yet flushed */
	size_t npending, cap;
	unsigned int npasids;
	pthread_spinlock_t tlb_lock;
	struct iotlb_entry tlb[XV_IOMMU_SOFT_IOTLB];
};

struct xv_iommu_soft {
	pthread_rwlock_t lock;
	unsigned int max_ctx;
	struct soft_ctx *ctx;
	/* PASID → ctx + 1 (0 = unattached), a two-level table. */
	uint32_t *pasid_dir[PASID_DIR_SIZE];
	/* Statistics: relaxed atomics, translators bump them concurrently. */
	uint64_t n_mapped, n_unflushed, n_map_calls, n_unmap_calls, n_flushes,
	    n_translations, n_iotlb_hits, n_faults;
};

static void stat_add(uint64_t *c, uint64_t v)
{
	__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

static uint64_t stat_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static unsigned int radix_index(uint64_t pn, unsigned int level)
{
	return (unsigned int)(pn >> (RADIX_BITS * (RADIX_LEVELS - 1 - level))) &
	       (RADIX_SLOTS - 1);
}

/* The leaf slot of page number pn, creating tables on the way if asked. */
static uint64_t *radix_slot(struct soft_ctx *c, uint64_t pn, bool create)
{
	uint64_t *t;

	if (!c->root) {
		if (!create)
			return NULL;
		c->root = calloc(RADIX_SLOTS, sizeof(uint64_t));
		if (!c->root)
			return NULL;
	}
	t = c->root;
	for (unsigned int level = 0; level < RADIX_LEVELS - 1; level++) {
		uint64_t *s = &t[radix_index(pn, level)];

		if (!*s) {
			uint64_t *n;

			if (!create)
				return NULL;
			n = calloc(RADIX_SLOTS, sizeof(uint64_t));
			if (!n)
				return NULL;
			*s = (uint64_t)(uintptr_t)n;
		}
		t = (uint64_t *)(uintptr_t)*s;
	}
	return &t[radix_index(pn, RADIX_LEVELS - 1)];
}

static void radix_free(uint64_t *t, unsigned int level)
{
	if (!t)
		return;
	if (level < RADIX_LEVELS - 1)
		for (unsigned int i = 0; i < RADIX_SLOTS; i++)
			radix_free((uint64_t *)(uintptr_t)t[i], level + 1);
	free(t);
}

static unsigned long radix_count(const uint64_t *t, unsigned int level,
				 uint64_t page)
{
	unsigned long n = 0;

	if (!t)
		return 0;
	for (unsigned int i = 0; i < RADIX_SLOTS; i++) {
		if (level < RADIX_LEVELS - 1)
			n += radix_count((const uint64_t *)(uintptr_t)t[i],
					 level + 1, page);
		else if (t[i] && (t[i] & XV_PAGE_MASK) == page)
			n++;
	}
	return n;
}

static struct soft_ctx *ctx_get(struct xv_iommu_soft *s, xv_iommu_ctx_t id)
{
	if (id >= s->max_ctx || !s->ctx[id].live)
		return NULL;
	return &s->ctx[id];
}

static bool iova_ok(xv_iova_t iova)
{
	return !(iova & ~XV_PAGE_MASK) && iova >> XV_IOMMU_IOVA_BITS == 0;
}

static void iotlb_clear(struct soft_ctx *c)
{
	for (unsigned int i = 0; i < XV_IOMMU_SOFT_IOTLB; i++)
		c->tlb[i].tag = 0;
}

static void ctx_dispose(struct xv_iommu_soft *s, struct soft_ctx *c)
{
	radix_free(c->root, 0);
	c->root = NULL;
	free(c->pending);
	c->pending = NULL;
	stat_add(&s->n_mapped, -c->mapped);
	stat_add(&s->n_unflushed, -(uint64_t)c->npending);
	c->mapped = 0;
	c->npending = c->cap = 0;
	c->npasids = 0;
	iotlb_clear(c);
	c->live = false;
}

int xv_iommu_soft_new(unsigned int max_ctx, struct xv_iommu_soft **out)
{
	struct xv_iommu_soft *s = NULL;
	pthread_rwlockattr_t attr;
	unsigned int i;
	int rc;

	*out = NULL;
	if (max_ctx == 0 || max_ctx > 4096) {
		rc = -EINVAL;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->ctx = calloc(max_ctx, sizeof(*s->ctx)))) {
		rc = -ENOMEM;
		goto out;
	}
	s->max_ctx = max_ctx;
	for (i = 0; i < max_ctx; i++)
		pthread_spin_init(&s->ctx[i].tlb_lock, PTHREAD_PROCESS_PRIVATE);
	/* Writers first: busy device threads must not starve the mapper. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (s)
		free(s->ctx);
	free(s);
	return rc;
}

void xv_iommu_soft_free(struct xv_iommu_soft *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->max_ctx; i++) {
		ctx_dispose(s, &s->ctx[i]);
		pthread_spin_destroy(&s->ctx[i].tlb_lock);
	}
	for (unsigned int i = 0; i < PASID_DIR_SIZE; i++)
		free(s->pasid_dir[i]);
	pthread_rwlock_destroy(&s->lock);
	free(s->ctx);
	free(s);
}

struct xv_iommu xv_iommu_soft_iommu(struct xv_iommu_soft *s)
{
	return (struct xv_iommu){.ops = &xv_iommu_soft_ops, .impl = s};
}

static int soft_ctx_alloc(void *iommu, xv_iommu_ctx_t *id)
{
	struct xv_iommu_soft *s = iommu;
	int rc = -ENOSPC;

	pthread_rwlock_wrlock(&s->lock);
	for (unsigned int i = 0; i < s->max_ctx; i++) {
		if (!s->ctx[i].live) {
			s->ctx[i].live = true;
			*id = i;
			rc = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

static int soft_ctx_free(void *iommu, xv_iommu_ctx_t id)
{
	struct xv_iommu_soft *s = iommu;
	struct soft_ctx *c;
	int rc;

	pthread_rwlock_wrlock(&s->lock);
	c = ctx_get(s, id);
	if (!c) {
		rc = -ENOENT;
		goto out;
	}
	if (c->npasids) {
		rc = -EBUSY;
		goto out;
	}
	ctx_dispose(s, c);
	rc = 0;
out:
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

/* The context a map/unmap batch names, and its size checked; lock held. */
static int batch_ctx(struct xv_iommu_soft *s, xv_iommu_ctx_t id, unsigned int n,
		     struct soft_ctx **c)
{
	*c = ctx_get(s, id);
	if (!*c)
		return -ENOENT;
	if (n == 0 || n > XV_IOMMU_BATCH_MAX)
		return -EINVAL;
	return 0;
}

static int soft_map_batch(void *iommu, xv_iommu_ctx_t id,
			  const struct xv_iommu_map *m, unsigned int n)
{
	struct xv_iommu_soft *s = iommu;
	struct soft_ctx *c;
	uint64_t *slot;
	unsigned int i;
	int rc;

	pthread_rwlock_wrlock(&s->lock);
	rc = batch_ctx(s, id, n, &c);
	if (rc)
		goto out;
	/* Check everything before changing anything: all-or-nothing. */
	for (i = 0; i < n; i++) {
		uintptr_t pg = (uintptr_t)m[i].page;

		if (!iova_ok(m[i].iova) || !pg || (pg & ~XV_PAGE_MASK) ||
		    (m[i].flags != XV_IOMMU_READ &&
		     m[i].flags != XV_IOMMU_RW)) {
			rc = -EINVAL;
			goto out;
		}
		/* Tables created here and left empty on failure are harmless. */
		slot = radix_slot(c, m[i].iova >> XV_PAGE_SHIFT, true);
		if (!slot) {
			rc = -ENOMEM;
			goto out;
		}
		if (*slot & SLOT_STALE) {
			rc = -EBUSY; /* unmapped, not flushed: not reusable */
			goto out;
		}
		if (*slot) {
			rc = -EEXIST;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		slot = radix_slot(c, m[i].iova >> XV_PAGE_SHIFT, false);
		if (*slot) {
			/* The same IOVA twice in the batch: undo. */
			while (i--)
				*radix_slot(c, m[i].iova >> XV_PAGE_SHIFT,
					    false) = 0;
			rc = -EINVAL;
			goto out;
		}
		*slot = (uint64_t)(uintptr_t)m[i].page | m[i].flags;
	}
	c->mapped += n;
	stat_add(&s->n_mapped, n);
	stat_add(&s->n_map_calls, 1);
	rc = 0;
out:
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

static int soft_unmap_batch(void *iommu, xv_iommu_ctx_t id,
			    const xv_iova_t *iova, unsigned int n)
{
	struct xv_iommu_soft *s = iommu;
	uint64_t saved[XV_IOMMU_BATCH_MAX];
	struct soft_ctx *c;
	uint64_t *slot;
	unsigned int i;
	int rc;

	pthread_rwlock_wrlock(&s->lock);
	rc = batch_ctx(s, id, n, &c);
	if (rc)
		goto out;
	for (i = 0; i < n; i++) {
		if (iova[i] & ~XV_PAGE_MASK) {
			rc = -EINVAL;
			goto out;
		}
		slot = iova_ok(iova[i])
			   ? radix_slot(c, iova[i] >> XV_PAGE_SHIFT, false)
			   : NULL;
		if (!slot || !(*slot & XV_IOMMU_RW)) {
			rc = -ENOENT;
			goto out;
		}
	}
	if (c->npending + n > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		xv_iova_t *p;

		while (cap < c->npending + n)
			cap *= 2;
		p = realloc(c->pending, cap * sizeof(*p));
		if (!p) {
			rc = -ENOMEM;
			goto out;
		}
		c->pending = p;
		c->cap = cap;
	}
	for (i = 0; i < n; i++) {
		slot = radix_slot(c, iova[i] >> XV_PAGE_SHIFT, false);
		if (*slot & SLOT_STALE) {
			/* Duplicate in the batch: put the earlier ones back. */
			while (i--) {
				*radix_slot(c, iova[i] >> XV_PAGE_SHIFT,
					    false) = saved[i];
				c->npending--;
			}
			rc = -EINVAL;
			goto out;
		}
		saved[i] = *slot;
		/* Keep the page: the IOTLB may still point at it. */
		*slot = (*slot & XV_PAGE_MASK) | SLOT_STALE;
		c->pending[c->npending++] = iova[i];
	}
	c->mapped -= n;
	stat_add(&s->n_mapped, -(uint64_t)n);
	stat_add(&s->n_unflushed, n);
	stat_add(&s->n_unmap_calls, 1);
	rc = 0;
out:
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

static int soft_flush(void *iommu, xv_iommu_ctx_t id, xv_iova_t iova,
		      uint64_t npages)
{
	struct xv_iommu_soft *s = iommu;
	uint64_t first = iova >> XV_PAGE_SHIFT, end;
	struct soft_ctx *c;
	size_t i, kept = 0;
	int rc;

	pthread_rwlock_wrlock(&s->lock);
	c = ctx_get(s, id);
	if (!c) {
		rc = -ENOENT;
		goto out;
	}
	if ((iova & ~XV_PAGE_MASK) || (npages && first + npages < first)) {
		rc = -EINVAL;
		goto out;
	}
	end = npages ? first + npages : UINT64_MAX;
	if (!npages)
		first = 0;
	for (i = 0; i < XV_IOMMU_SOFT_IOTLB; i++) {
		uint64_t pn = c->tlb[i].tag - 1;

		if (c->tlb[i].tag && pn >= first && pn < end)
			c->tlb[i].tag = 0;
	}
	/* The unmaps in range are now complete: their IOVAs are free. */
	for (i = 0; i < c->npending; i++) {
		uint64_t pn = c->pending[i] >> XV_PAGE_SHIFT;

		if (pn >= first && pn < end)
			*radix_slot(c, pn, false) = 0;
		else
			c->pending[kept++] = c->pending[i];
	}
	stat_add(&s->n_unflushed, -(uint64_t)(c->npending - kept));
	c->npending = kept;
	stat_add(&s->n_flushes, 1);
	rc = 0;
out:
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

static uint32_t *pasid_entry(struct xv_iommu_soft *s, uint32_t pasid,
			     bool create)
{
	uint32_t **leaf =
	    &s->pasid_dir[pasid >> (XV_IOMMU_PASID_BITS - PASID_DIR_BITS)];

	if (!*leaf) {
		if (!create)
			return NULL;
		*leaf = calloc(PASID_LEAF_SIZE, sizeof(uint32_t));
		if (!*leaf)
			return NULL;
	}
	return &(*leaf)[pasid & (PASID_LEAF_SIZE - 1)];
}

static int soft_pasid_attach(void *iommu, uint32_t pasid, xv_iommu_ctx_t id)
{
	struct xv_iommu_soft *s = iommu;
	struct soft_ctx *c;
	uint32_t *e;
	int rc;

	pthread_rwlock_wrlock(&s->lock);
	if (pasid >> XV_IOMMU_PASID_BITS) {
		rc = -ERANGE;
		goto out;
	}
	c = ctx_get(s, id);
	if (!c) {
		rc = -ENOENT;
		goto out;
	}
	e = pasid_entry(s, pasid, true);
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	if (*e) {
		rc = -EBUSY;
		goto out;
	}
	*e = id + 1;
	c->npasids++;
	rc = 0;
out:
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

static int soft_pasid_detach(void *iommu, uint32_t pasid)
{
	struct xv_iommu_soft *s = iommu;
	uint32_t *e;
	int rc;

	pthread_rwlock_wrlock(&s->lock);
	if (pasid >> XV_IOMMU_PASID_BITS) {
		rc = -ERANGE;
		goto out;
	}
	e = pasid_entry(s, pasid, false);
	if (!e || !*e) {
		rc = -ENOENT;
		goto out;
	}
	s->ctx[*e - 1].npasids--;
	*e = 0;
	rc = 0;
out:
	pthread_rwlock_unlock(&s->lock);
	return rc;
}

static int soft_translate(void *iommu, uint32_t pasid, xv_iova_t iova,
			  uint32_t access, void **page)
{
	struct xv_iommu_soft *s = iommu;
	uint64_t pn = iova >> XV_PAGE_SHIFT, val = 0;
	struct iotlb_entry *te;
	struct soft_ctx *c;
	uint32_t *e;
	uint64_t *slot;
	int rc;

	stat_add(&s->n_translations, 1);
	if (access == 0 || (access & ~XV_IOMMU_RW))
		return -EINVAL;
	pthread_rwlock_rdlock(&s->lock);
	e = pasid >> XV_IOMMU_PASID_BITS ? NULL : pasid_entry(s, pasid, false);
	if (!e || !*e) {
		rc = XV_IOMMU_FAULT_NO_PASID;
		goto out;
	}
	c = &s->ctx[*e - 1];
	if (iova >> XV_IOMMU_IOVA_BITS) {
		rc = XV_IOMMU_FAULT_NOT_MAPPED;
		goto out;
	}
	te = &c->tlb[pn % XV_IOMMU_SOFT_IOTLB];
	pthread_spin_lock(&c->tlb_lock);
	if (te->tag == pn + 1)
		val = te->val;
	pthread_spin_unlock(&c->tlb_lock);
	if (val) {
		stat_add(&s->n_iotlb_hits, 1);
	} else {
		/* Writers are excluded: the table walk needs no more. */
		slot = radix_slot(c, pn, false);
		if (!slot || !(*slot & XV_IOMMU_RW)) {
			rc = XV_IOMMU_FAULT_NOT_MAPPED;
			goto out;
		}
		val = *slot;
		pthread_spin_lock(&c->tlb_lock);
		te->tag = pn + 1;
		te->val = val;
		pthread_spin_unlock(&c->tlb_lock);
	}
	if ((val & access) != access) {
		rc = XV_IOMMU_FAULT_PERMISSION;
		goto out;
	}
	*page = (void *)(uintptr_t)(val & XV_PAGE_MASK);
	rc = 0;
out:
	pthread_rwlock_unlock(&s->lock);
	if (rc)
		stat_add(&s->n_faults, 1);
	return rc;
}

void xv_iommu_soft_get_stats(struct xv_iommu_soft *s,
			     struct xv_iommu_soft_stats *out)
{
	out->mapped = stat_get(&s->n_mapped);
	out->unflushed = stat_get(&s->n_unflushed);
	out->map_calls = stat_get(&s->n_map_calls);
	out->unmap_calls = stat_get(&s->n_unmap_calls);
	out->flushes = stat_get(&s->n_flushes);
	out->translations = stat_get(&s->n_translations);
	out->iotlb_hits = stat_get(&s->n_iotlb_hits);
	out->faults = stat_get(&s->n_faults);
}

unsigned long xv_iommu_soft_page_refs(struct xv_iommu_soft *s, const void *page)
{
	uint64_t pg = (uint64_t)(uintptr_t)page;
	unsigned long n = 0;

	pthread_rwlock_wrlock(&s->lock);
	for (unsigned int i = 0; i < s->max_ctx; i++) {
		struct soft_ctx *c = &s->ctx[i];

		if (!c->live)
			continue;
		n += radix_count(c->root, 0, pg);
		for (unsigned int j = 0; j < XV_IOMMU_SOFT_IOTLB; j++)
			if (c->tlb[j].tag &&
			    (c->tlb[j].val & XV_PAGE_MASK) == pg)
				n++;
	}
	pthread_rwlock_unlock(&s->lock);
	return n;
}

const struct xv_iommu_ops xv_iommu_soft_ops = {
    .ctx_alloc = soft_ctx_alloc,
    .ctx_free = soft_ctx_free,
    .map_batch = soft_map_batch,
    .unmap_batch = soft_unmap_batch,
    .flush = soft_flush,
    .pasid_attach = soft_pasid_attach,
    .pasid_detach = soft_pasid_detach,
    .translate = soft_translate,
};
