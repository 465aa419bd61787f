/*
 * iommu.c — helpers over struct xv_iommu_ops that split long runs into
 * the bounded batches the interface takes.
 *
 * Trusts the ops table to honour its contract (all-or-nothing batches).
 */
#include "iommu.h"

int xv_iommu_map_range(const struct xv_iommu *io, xv_iommu_ctx_t ctx,
		       const struct xv_iommu_map *m, unsigned int n)
{
	unsigned int done = 0, k;
	xv_iova_t undo[XV_IOMMU_BATCH_MAX];
	int rc = 0;

	if (n == 0) {
		rc = -EINVAL;
		goto out;
	}
	while (done < n) {
		k = n - done < XV_IOMMU_BATCH_MAX ? n - done
						  : XV_IOMMU_BATCH_MAX;
		rc = io->ops->map_batch(io->impl, ctx, m + done, k);
		if (rc)
			break;
		done += k;
	}
	if (rc && done) {
		/*
		 * Roll back what was mapped. The flush matters: the device may
		 * have cached a translation in between, and the caller will
		 * reuse these IOVAs and release these pages.
		 */
		for (unsigned int i = 0; i < done; i += k) {
			k = done - i < XV_IOMMU_BATCH_MAX ? done - i
							  : XV_IOMMU_BATCH_MAX;
			for (unsigned int j = 0; j < k; j++)
				undo[j] = m[i + j].iova;
			io->ops->unmap_batch(io->impl, ctx, undo, k);
		}
		io->ops->flush(io->impl, ctx, 0, 0);
	}
out:
	return rc;
}

int xv_iommu_unmap_range(const struct xv_iommu *io, xv_iommu_ctx_t ctx,
			 const xv_iova_t *iova, unsigned int n)
{
	unsigned int k;
	int rc = 0;

	for (unsigned int i = 0; i < n && !rc; i += k) {
		k = n - i < XV_IOMMU_BATCH_MAX ? n - i : XV_IOMMU_BATCH_MAX;
		rc = io->ops->unmap_batch(io->impl, ctx, iova + i, k);
	}
	return rc;
}
