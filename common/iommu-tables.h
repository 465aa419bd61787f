/*
 * iommu-tables.h — shadow page tables in memory the device reads through
 * its IOMMU: the struct xv_shadow_table_ops a backend hands the shadow
 * engine (shadow.h) when its tables live behind a real IOMMU context.
 *
 * Each table is a private zeroed 4 KiB page (never a guest page), given
 * one IOVA from the vGPU's space and mapped READ in the vGPU's IOMMU
 * context: the device walks it, only the engine writes it. Freeing keeps
 * the flush rule: unmap, flush, and only then reuse the IOVA and the
 * page; a table the IOMMU refuses to unmap or flush is leaked, as the
 * device might still reach it.
 *
 * Trusts its caller: the context and space stay valid while tables live.
 */
#ifndef XV_IOMMU_TABLES_H
#define XV_IOMMU_TABLES_H

#include "iommu.h"
#include "iova.h"
#include "shadow.h"

/* What table_ops act on: pass a pointer to one as the table_ctx. */
struct xv_iommu_tables {
	struct xv_iommu io;
	xv_iommu_ctx_t ctx;
	struct xv_iova_space *iova;
};

/* alloc: 0, -ENOMEM, or the IOVA space's or IOMMU's -errno. */
extern const struct xv_shadow_table_ops xv_iommu_table_ops;

#endif /* XV_IOMMU_TABLES_H */
