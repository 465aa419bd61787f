/*
 * gpu-ref.h — the software reference GPU behind the device interface
 * (gpu.h): real engines in worker threads that run real command buffers,
 * every access translated PASID -> shadow walk -> IOVA -> IOMMU model.
 *
 * What it models:
 *  - copy engines (any command but SAXPY/MATMUL) and compute engines
 *    (every command); a buffer with a compute command needs a compute
 *    engine. Engines pull submissions from the weighted scheduler
 *    (gpu-sched.h) and charge it their busy time in nanoseconds (or the
 *    submission's work units, with charge_work).
 *  - a per-context GPU TLB of XV_GPU_REF_TLB_ENTRIES 4 KiB entries (VA
 *    page -> IOVA page and flags) and XV_GPU_REF_TLB_HUGE entries for
 *    2 MiB shadow leaves, filled by xv_pt_walk over the shadow
 *    tables, whose own IOVAs are translated through the IOMMU with the
 *    context's PASID. Cleared only by xv_gpu_tlb_invalidate: skipping an
 *    invalidation is observable, as on hardware.
 *  - access by page: no access crosses a 4 KiB page without a new
 *    translation; each page access runs under the context's MMU lock,
 *    which invalidation takes too, so it drains accesses in flight.
 *  - no-snoop: a context created nosnoop writes into a per-context
 *    write-back cache of XV_GPU_REF_WB_PAGES pages (64-octet dirty lines,
 *    read-allocate) that reaches memory only on FLUSH, on eviction, on
 *    invalidation and before the completion fence; its own reads see it.
 *    A snoop context writes straight to memory.
 */
#ifndef XV_GPU_REF_H
#define XV_GPU_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "gpu.h"
#include "iommu.h"

#define XV_GPU_REF_TLB_ENTRIES 64u
#define XV_GPU_REF_TLB_HUGE    8u
#define XV_GPU_REF_WB_PAGES    16u
#define XV_GPU_REF_MAX_ENGINES 8u

struct xv_gpu_ref_config {
	struct xv_iommu iommu; /* translate() is all the device uses */
	struct xv_gpu_events events;
	unsigned int copy_engines;    /* 0: 1 */
	unsigned int compute_engines; /* 0: 1 */
	uint64_t sched_period_ns;     /* 0: XV_SCHED_DEFAULT_PERIOD */
	/*
	 * Charge the scheduler each submission's work units (octets touched
	 * + flops, from the scan) instead of engine nanoseconds: the same
	 * policy on a deterministic clock (tests).
	 */
	bool charge_work;
	/*
	 * Test hook, NULL normally: called on the engine thread after each
	 * command (index, opcode) and once more before the completion
	 * write-back and fence (index = commands, opcode 0).
	 */
	void (*cmd_hook)(void *arg, void *ctx_priv, uint32_t index,
			 uint16_t opcode);
	/*
	 * Test hook, NULL normally: called on the engine thread for every
	 * page access, translated and about to touch the page, with the
	 * context's MMU lock held (so an invalidation waits for it).
	 */
	void (*access_hook)(void *arg, void *ctx_priv, uint64_t va, bool write);
	void *hook_arg;
};

/* Start the engines. -EINVAL (no translate, too many engines), -ENOMEM. */
int xv_gpu_ref_new(const struct xv_gpu_ref_config *cfg, struct xv_gpu **out);

/*
 * Test hook: drop the TLB clearing of every invalidation (accesses are
 * still drained and no-snoop data still written back, so a test sees
 * stale translations, not freed memory).
 */
void xv_gpu_ref_drop_invalidations(struct xv_gpu *g, bool drop);

#endif /* XV_GPU_REF_H */
