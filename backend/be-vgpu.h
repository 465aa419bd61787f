/*
 * be-vgpu.h — one vGPU instance: the state behind a connected device's
 * ring, and the dispatch of requests already copied off that ring.
 *
 * Concepts:
 *  - Built from the profile's limits (backend xenstore directory) and the
 *    feature set the frontend acked: a virtual config space (common/vcfg.h)
 *    with those limits in its DVSEC, a PASID vGPU (common/pasid.h) on the
 *    device-wide PASID space, and a table of GPU contexts.
 *  - Contexts and everything behind them (PASID attach, shadow, map
 *    cache, device context, SUBMIT, events) are the GPU path of
 *    be-ctx.h; this file checks the request and the PASID Enable bit and
 *    dispatches.
 *  - generation counts device resets. After be_vgpu_reset every request
 *    but QUERY_CAPS is answered -XV_ERR_DEVICE_RESET until a QUERY_CAPS
 *    has been answered (vgpuif.h, "Recovery: backend daemon restart").
 *
 * Threads: an instance is owned by its device's ring worker; only
 * be_vgpu_counters may be called from another thread (relaxed atomics).
 *
 * Trust: be_vgpu_handle takes a private copy of a request and validates it
 * (xv_proto_check_req) before anything else; the response it builds is
 * complete (no stale bytes) and carries 0 or a -XV_ERR_* status a backend
 * may send.
 */
#ifndef XV_BE_VGPU_H
#define XV_BE_VGPU_H

#include <stdint.h>

#include "be-events.h"
#include "limits.h"
#include "mapcache.h"
#include "pasid.h"
#include "vgpuif.h"

struct be_vgpu;

struct be_vgpu_counters {
	uint32_t generation;
	uint32_t contexts;
	uint32_t pasids;
	uint32_t pinned_pages;
	uint64_t requests;
	uint64_t rejected;
	/* the GPU path (be-ctx.h, be-events.h) */
	uint64_t grant_map_calls;    /* gntdev map calls (one per batch) */
	uint64_t grant_unmap_calls;  /* gntdev unmap calls (one per chunk) */
	uint64_t grant_mapped_pages; /* guest pages grant-mapped now */
	uint64_t submits;	     /* SUBMITs queued on the device */
	uint64_t fences;	     /* FENCE_DONE events posted */
	uint64_t faults;	     /* GPU_FAULT events posted */
	uint64_t faults_lost;	     /* faults dropped while one was pending */
	uint64_t scratch_entries;    /* shadow entries on scratch now */
	uint64_t scratch_events;     /* shadow entries sent to scratch */
	uint64_t oos_pages;	     /* guest table pages out of sync now */
};

/*
 * limits: checked by the caller (xv_xs_check_limits); features: the ack,
 * a subset of limits->features. 0, -EINVAL, -ENOMEM.
 */
int be_vgpu_new(const struct xv_limits *limits, uint32_t features,
		struct xv_pasid_space *space, uint32_t generation,
		struct be_vgpu **out);
/* NULL ok. Destroys every context and releases every PASID first. */
void be_vgpu_free(struct be_vgpu *v);

/* All GPU state lost: contexts and PASIDs gone, generation bumped, every
 * request but QUERY_CAPS refused until one is answered. */
void be_vgpu_reset(struct be_vgpu *v);
uint32_t be_vgpu_generation(const struct be_vgpu *v);

/* Answer one request (a private copy). rsp is filled whole. */
void be_vgpu_handle(struct be_vgpu *v, const struct xv_req *req,
		    struct xv_rsp *rsp);

/*
 * Map the guest's pages with libxengnttab (xgt: a xengnttab_handle *),
 * grants of domid only (be-grant.h). Before this, or with a test mapper
 * set by be_vgpu_set_mapper, no grant is mapped. 0, -EBUSY, -ENOMEM.
 */
int be_vgpu_attach_grants(struct be_vgpu *v, uint32_t domid, void *xgt);
int be_vgpu_set_mapper(struct be_vgpu *v, uint32_t domid,
		       const struct xv_mapper_ops *ops, void *ctx);

/* The events of its contexts: the ring worker flushes them (be-events.h). */
struct be_events *be_vgpu_events(struct be_vgpu *v);

void be_vgpu_counters(const struct be_vgpu *v, struct be_vgpu_counters *out);

#endif /* XV_BE_VGPU_H */
