/*
 * be-vgpu.h — one vGPU instance: the state behind a connected device's
 * ring, and the dispatch of requests already copied off that ring.
 *
 * Concepts:
 *  - Built from the profile's limits (backend xenstore directory) and the
 *    feature set the frontend acked: a virtual config space (common/vcfg.h)
 *    with those limits in its DVSEC, a PASID vGPU (common/pasid.h) on the
 *    device-wide PASID space, and a table of GPU contexts.
 *  - A context today is a handle and its PASID: CTX_CREATE and CTX_DESTROY
 *    are real (handles 1..max-contexts, PASIDs within max-pasids and the
 *    device's space, PASID Enable required). What needs the GPU path —
 *    CTX_SET_ROOT, PT_UPDATE, PT_RESYNC, SUBMIT on a live context — is
 *    answered -XV_ERR_NOT_SUPPORTED until that path lands (issue 5).
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

#include "limits.h"
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

void be_vgpu_counters(const struct be_vgpu *v, struct be_vgpu_counters *out);

#endif /* XV_BE_VGPU_H */
