/*
 * be-ctx.h — the GPU path of one vGPU: its IOMMU context, map cache,
 * shadow state and device scheduling entity, and its GPU contexts.
 *
 * Concepts (docs/gpu-path.md has the longer story):
 *  - Device-wide, once per process: a software IOMMU and the reference GPU
 *    (be_gpu_dev_get/put, refcounted). The PASID space is the daemon's and
 *    comes in through the vGPU's struct xv_pasid_vgpu.
 *  - Per vGPU (struct be_gpu): an IOMMU context of its own with an IOVA
 *    window, a map cache (quota = max-pinned-pages) over the vGPU's mapper
 *    (the grant mapper in the daemon, be-grant.h), a scratch page and the
 *    shadow vGPU (OOS budget = oos-pages), an xv_gpu vGPU (sched-weight,
 *    max-queued-bytes), and the event queue of its contexts (be-events.h).
 *  - Per context: vPASID/pPASID, the pPASID attached to the vGPU's IOMMU
 *    context, a shadow whose pins come from the map cache and whose TLB
 *    hook forwards to the device context, and the device context bound to
 *    the shadow's root. Teardown in reverse: device context (no DMA, no
 *    callback after it) → shadow (pins dropped after the device's TLB
 *    invalidation) → PASID detach and free.
 *  - After every context is destroyed the map cache drops its unused
 *    entries, so a vGPU without contexts holds no grant mapping; the
 *    counters (be_gpu_get_counters) let tests check that from outside.
 *
 * Every be_ctx_* function returns 0 or a -XV_ERR_* code ready for a
 * response.
 *
 * Threads: one thread (the vGPU's ring worker) calls everything here; the
 * GPU's engine threads only reach the event queue. be_gpu_get_counters
 * may be called from any thread.
 */
#ifndef XV_BE_CTX_H
#define XV_BE_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "be-events.h"
#include "limits.h"
#include "mapcache.h"
#include "pasid.h"
#include "vgpuif.h"

struct be_gpu_dev;
struct be_gpu;

/*
 * Persistent grant mappings (default on): unused map cache entries stay
 * mapped for the next pin. Off, every vGPU drops its unused entries after
 * each SUBMIT and page-table request, so each submission maps and unmaps
 * its command pages: the per-request map/unmap baseline of the bench
 * (xenvgpud --no-pin-cache, docs/benchmarks.md). Process-wide; set before
 * the first vGPU exists.
 */
void be_gpu_set_pin_cache(bool keep_unused);

/* The process's device (created on first use). -errno. */
int be_gpu_dev_get(struct be_gpu_dev **out);
/* NULL ok; the last put stops the engines. */
void be_gpu_dev_put(struct be_gpu_dev *d);

struct be_gpu_config {
	struct be_gpu_dev *dev;
	const struct xv_limits *limits; /* checked by the caller */
	uint32_t features;		/* acked */
	struct xv_pasid_vgpu *pasids;	/* borrowed, outlives the be_gpu */
};

/* 0, -EINVAL, -ENOMEM, -ENOSPC (IOMMU contexts). */
int be_gpu_new(const struct be_gpu_config *cfg, struct be_gpu **out);
/* NULL ok. Destroys every context, then the rest, in the flush order. */
void be_gpu_free(struct be_gpu *g);

/*
 * The guest and the mapper the map cache uses for its pages (not owned).
 * Until one is set every map is refused (-EFAULT, so pins fail with
 * XV_ERR_BAD_GREF). It cannot change once pages are mapped (-EBUSY).
 */
int be_gpu_set_mapper(struct be_gpu *g, uint32_t domid,
		      const struct xv_mapper_ops *ops, void *ctx);

struct be_events *be_gpu_events(struct be_gpu *g);

/* Destroy every context (device reset, frontend gone). */
void be_gpu_destroy_all(struct be_gpu *g);

int be_ctx_create(struct be_gpu *g, uint32_t flags, uint32_t *handle,
		  uint32_t *vpasid);
int be_ctx_destroy(struct be_gpu *g, uint32_t handle);
int be_ctx_set_root(struct be_gpu *g, uint32_t handle, uint64_t root);
int be_ctx_pt_update(struct be_gpu *g, uint32_t handle, uint64_t va,
		     uint64_t len);
int be_ctx_pt_resync(struct be_gpu *g, uint32_t handle);
/* A validated SUBMIT request (xv_proto_check_req). See be-submit.h. */
int be_ctx_submit(struct be_gpu *g, uint32_t handle,
		  const struct xv_req_submit *s);

struct be_gpu_counters {
	uint32_t contexts;
	uint32_t pasids;	/* PASIDs attached to the IOMMU context */
	uint64_t mapped_pages;	/* pages in the map cache (pinned or not) */
	uint64_t pinned_pages;	/* of which pinned (by shadows) */
	uint64_t map_calls;	/* map cache -> mapper map calls */
	uint64_t unmap_calls;	/* map cache -> mapper unmap calls */
	uint64_t submits;	/* SUBMITs queued on the device */
	uint64_t submit_errors; /* SUBMITs refused */
	/* the shadows' scratch use (common/shadow.h's stats), all contexts */
	uint64_t scratch_entries; /* entries on scratch now, live contexts */
	uint64_t scratch_events;  /* entries sent to scratch, destroyed
				   * contexts included */
	uint64_t oos_pages;	  /* guest table pages out of sync now */
};

/* Any thread: a snapshot the ring worker publishes after each call. */
void be_gpu_get_counters(const struct be_gpu *g, struct be_gpu_counters *out);

/* Ring worker only: the map cache (tests, be-submit). */
struct xv_mapcache *be_gpu_mapcache(struct be_gpu *g);

#endif /* XV_BE_CTX_H */
