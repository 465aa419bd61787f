/*
 * iommu-tables.c — shadow tables mapped for the device (iommu-tables.h).
 */
#include "iommu-tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int table_alloc(void *ctx, uint64_t **table, xv_iova_t *iova)
{
	struct xv_iommu_tables *t = ctx;
	struct xv_iommu_map m;
	void *p = aligned_alloc(XV_PAGE_SIZE, XV_PAGE_SIZE);
	int rc;

	if (!p)
		return -ENOMEM;
	memset(p, 0, XV_PAGE_SIZE);
	rc = xv_iova_alloc(t->iova, 1, 0, iova);
	if (rc) {
		free(p);
		return rc;
	}
	m.iova = *iova;
	m.page = p;
	m.flags = XV_IOMMU_READ;
	rc = t->io.ops->map_batch(t->io.impl, t->ctx, &m, 1);
	if (rc) {
		xv_iova_free(t->iova, *iova, 1);
		free(p);
		return rc;
	}
	*table = p;
	return 0;
}

static void table_free(void *ctx, uint64_t *table, xv_iova_t iova)
{
	struct xv_iommu_tables *t = ctx;

	/* the flush rule: unmap, flush, then reuse the IOVA and the page */
	if (t->io.ops->unmap_batch(t->io.impl, t->ctx, &iova, 1) ||
	    t->io.ops->flush(t->io.impl, t->ctx, iova, 1))
		return; /* leaked: the device might still reach it */
	xv_iova_free(t->iova, iova, 1);
	free(table);
}

const struct xv_shadow_table_ops xv_iommu_table_ops = {table_alloc, table_free};
