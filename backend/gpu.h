/*
 * gpu.h — the GPU device interface the backend drives: vGPUs (scheduling
 * entities), contexts bound to a pPASID and a shadow root, submissions
 * with fences, GPU-TLB invalidation, reset, faults and statistics.
 *
 * Concepts:
 *  - A device is an ops table and an opaque implementation, as GVT-g's
 *    hypervisor ops kept i915 neutral: the software reference GPU
 *    (gpu-ref.h) today, a device for real hardware later.
 *  - A context is what the guest calls a GPU context: the pPASID the
 *    device tags its accesses with (attached to the vGPU's IOMMU context
 *    by the caller) and the IOVA of its shadow L4 table (xv_shadow). Every
 *    GPU VA it uses is translated PASID -> shadow walk -> IOVA -> IOMMU.
 *  - A submission is a command buffer (common/cmd.h) and a fence value.
 *    The device copies the buffer and scans the copy itself, so nothing
 *    unscanned ever runs. A context's submissions run and complete in
 *    order; fence_done fires after every write of that submission is
 *    visible in memory (no-snoop write-back included).
 *  - A fault (translation or IOMMU) stops the submission, puts only that
 *    context in error (its queued work is dropped, later submits fail
 *    with -EPIPE) and fires the fault callback. Other contexts carry on.
 *
 * Threads: every function may be called from any thread, but the
 * functions of one context from one thread at a time (the vGPU's ring
 * worker). The callbacks run on device threads with no device lock
 * held; they may call xv_gpu_submit (of any context) but must not call
 * xv_gpu_ctx_free on the context they report on, nor xv_gpu_reset or
 * xv_gpu_free (those wait for the callback's engine: deadlock).
 *
 * Lifetimes: the pages a context reaches stay pinned by its shadow; the
 * shadow engine calls xv_gpu_tlb_invalidate before it drops a pin or
 * frees a table, and that call returns only when the device no longer
 * uses (or will use) the old translation and has written back any
 * non-coherent data for the range. Free a GPU context before its shadow
 * and before the PASID is detached.
 */
#ifndef XV_GPU_H
#define XV_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pin.h"

struct xv_gpu;
struct xv_gpu_vgpu;
struct xv_gpu_ctx;

/* A fault, as GPU_FAULT reports it (common/vgpuif.h). */
struct xv_gpu_fault {
	uint64_t gpu_va; /* the first byte that could not be reached */
	uint64_t fence;	 /* the submission that faulted */
	uint8_t access;	 /* XV_FAULT_ACCESS_READ / _WRITE */
	uint8_t reason;	 /* XV_FAULT_NOT_PRESENT / _PROTECTION / _BAD_ADDRESS */
	int detail;	 /* enum xv_pt_fault, or the IOMMU's -errno */
};

/* Called on device threads; arg is xv_gpu_events.arg. */
struct xv_gpu_events {
	void (*fence_done)(void *arg, void *ctx_priv, uint64_t fence);
	void (*fault)(void *arg, void *ctx_priv, const struct xv_gpu_fault *f);
	void *arg;
};

struct xv_gpu_vgpu_config {
	uint32_t weight;	   /* 1..1000 (xv_limits.sched_weight) */
	uint64_t max_queued_bytes; /* > 0 (xv_limits.max_queued_bytes) */
};

struct xv_gpu_ctx_config {
	struct xv_gpu_vgpu *vgpu;
	uint32_t pasid;	       /* pPASID, attached to the vGPU's IOMMU ctx */
	xv_iova_t shadow_root; /* IOVA of the shadow L4 (xv_shadow_root_iova) */
	bool nosnoop;	       /* writes are non-coherent until FLUSH/fence */
	void *priv;	       /* handed back in callbacks */
};

struct xv_gpu_stats {
	uint64_t submitted, completed, faulted, cancelled, rejected;
	uint64_t commands;
	uint64_t bytes_read, bytes_written, flops;
	uint64_t tlb_hits, tlb_misses, tlb_invalidations, walks;
	uint64_t wb_writebacks; /* no-snoop lines written back */
	uint64_t busy_ns;	/* engine busy time, all engines */
};

/* Per vGPU: what the scheduler saw. */
struct xv_gpu_vgpu_stats {
	uint64_t charged;      /* engine time charged (ns, or work units) */
	uint64_t completed;    /* submissions finished (any outcome) */
	uint64_t queued_bytes; /* submitted, not finished */
	uint64_t rejected;     /* submits refused for max_queued_bytes */
};

struct xv_gpu_ops {
	void (*free)(struct xv_gpu *g);
	int (*vgpu_new)(struct xv_gpu *g, const struct xv_gpu_vgpu_config *cfg,
			struct xv_gpu_vgpu **out);
	int (*vgpu_free)(struct xv_gpu_vgpu *v);
	void (*vgpu_get_stats)(struct xv_gpu_vgpu *v,
			       struct xv_gpu_vgpu_stats *out);
	int (*ctx_new)(struct xv_gpu *g, const struct xv_gpu_ctx_config *cfg,
		       struct xv_gpu_ctx **out);
	void (*ctx_free)(struct xv_gpu_ctx *c);
	int (*submit)(struct xv_gpu_ctx *c, const void *cmds, size_t bytes,
		      uint64_t fence);
	void (*tlb_invalidate)(struct xv_gpu_ctx *c, uint64_t va, uint64_t len);
	int (*ctx_wait)(struct xv_gpu_ctx *c, uint64_t fence);
	int (*reset)(struct xv_gpu *g);
	void (*get_stats)(struct xv_gpu *g, struct xv_gpu_stats *out);
	void (*ctx_get_stats)(struct xv_gpu_ctx *c, struct xv_gpu_stats *out);
};

/* Every implementation's device, vGPU and context structs start so. */
struct xv_gpu {
	const struct xv_gpu_ops *ops;
};

struct xv_gpu_vgpu {
	struct xv_gpu *gpu;
};

struct xv_gpu_ctx {
	struct xv_gpu *gpu;
};

/* Stop the engines (joined), drop all work. Contexts first. NULL ok. */
static inline void xv_gpu_free(struct xv_gpu *g)
{
	if (g)
		g->ops->free(g);
}

/* A scheduling entity per vGPU. -EINVAL (weight, limit), -ENOMEM. */
static inline int xv_gpu_vgpu_new(struct xv_gpu *g,
				  const struct xv_gpu_vgpu_config *cfg,
				  struct xv_gpu_vgpu **out)
{
	return g->ops->vgpu_new(g, cfg, out);
}
/* -EBUSY while it has contexts. NULL ok. */
static inline int xv_gpu_vgpu_free(struct xv_gpu_vgpu *v)
{
	return v ? v->gpu->ops->vgpu_free(v) : 0;
}

static inline void xv_gpu_vgpu_get_stats(struct xv_gpu_vgpu *v,
					 struct xv_gpu_vgpu_stats *out)
{
	v->gpu->ops->vgpu_get_stats(v, out);
}

/* -EINVAL (no vGPU, PASID 0 or wider than 20 bits, root misaligned). */
static inline int xv_gpu_ctx_new(struct xv_gpu *g,
				 const struct xv_gpu_ctx_config *cfg,
				 struct xv_gpu_ctx **out)
{
	return g->ops->ctx_new(g, cfg, out);
}
/*
 * Drop queued work, stop the running submission at its next access and
 * wait for it; no callback for the context runs after it returns, and the
 * device touches none of its memory. Non-coherent data not yet written
 * back is discarded. NULL ok.
 */
static inline void xv_gpu_ctx_free(struct xv_gpu_ctx *c)
{
	if (c)
		c->gpu->ops->ctx_free(c);
}

/*
 * Queue a command buffer (copied and scanned here) to run with `fence`,
 * which must be above the context's previous one. 0 (queued); or, ready
 * for the response: -XV_ERR_CMD_* / -XV_ERR_SUBMIT_EMPTY (scan),
 * -XV_ERR_FENCE_ORDER, -XV_ERR_QUEUE_FULL (the vGPU's queued bytes would
 * pass max_queued_bytes); or -EPIPE (context in error after a fault or
 * reset), -ENOMEM.
 */
static inline int xv_gpu_submit(struct xv_gpu_ctx *c, const void *cmds,
				size_t bytes, uint64_t fence)
{
	return c->gpu->ops->submit(c, cmds, bytes, fence);
}

/*
 * The shadow changed [va, va + len): forget cached translations, write
 * back non-coherent data, and return once no access in flight uses an
 * old translation.
 */
static inline void xv_gpu_tlb_invalidate(struct xv_gpu_ctx *c, uint64_t va,
					 uint64_t len)
{
	c->gpu->ops->tlb_invalidate(c, va, len);
}

/* As xv_tlb_invalidate_fn (common/shadow.h), ctx = struct xv_gpu_ctx *. */
static inline void xv_gpu_tlb_invalidate_hook(void *ctx, uint64_t va,
					      uint64_t len)
{
	xv_gpu_tlb_invalidate(ctx, va, len);
}

/*
 * Wait until `fence` has completed (0) or the context is in error
 * (-EPIPE). Tests and teardown; the backend uses the callback.
 */
static inline int xv_gpu_ctx_wait(struct xv_gpu_ctx *c, uint64_t fence)
{
	return c->gpu->ops->ctx_wait(c, fence);
}

/*
 * Stop every engine, drop all queued and running work (no fence fires),
 * and put every context in error. New contexts work afterwards.
 */
static inline int xv_gpu_reset(struct xv_gpu *g)
{
	return g->ops->reset(g);
}

static inline void xv_gpu_get_stats(struct xv_gpu *g, struct xv_gpu_stats *out)
{
	g->ops->get_stats(g, out);
}

static inline void xv_gpu_ctx_get_stats(struct xv_gpu_ctx *c,
					struct xv_gpu_stats *out)
{
	c->gpu->ops->ctx_get_stats(c, out);
}

#endif /* XV_GPU_H */
