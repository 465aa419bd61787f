/*
 * be-vgpu.c — a vGPU instance and its request dispatch (see be-vgpu.h).
 *
 * Trusts its limits (checked by the caller) and nothing in a request: the
 * copy is validated first, every index is bounded by the validator's
 * range checks and checked again where it is used.
 */
#include "be-vgpu.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "proto.h"
#include "vcfg.h"

struct be_ctx {
	bool live;
	uint32_t vpasid;
	uint32_t flags;
};

/* Owned by the ring worker; the counters are also read by the main
 * thread (be_vgpu_counters) with relaxed atomics. */
struct be_vgpu {
	struct xv_proto_params params; /* limits and the acked features */
	struct xv_vcfg *cfg;
	struct xv_pasid_vgpu *pasids;
	struct be_ctx *ctx; /* [max_contexts], handle h at ctx[h - 1] */
	bool reset_pending;

	uint32_t generation;
	uint32_t nr_contexts;
	uint32_t nr_pasids;
	uint64_t requests;
	uint64_t rejected;
};

int be_vgpu_new(const struct xv_limits *limits, uint32_t features,
		struct xv_pasid_space *space, uint32_t generation,
		struct be_vgpu **out)
{
	struct be_vgpu *v = NULL;
	int rc;

	*out = NULL;
	if ((features & ~limits->features) || limits->max_contexts == 0)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->params.limits = *limits;
	v->params.features = features;
	v->generation = generation;
	rc = -ENOMEM;
	v->ctx = calloc(limits->max_contexts, sizeof(*v->ctx));
	if (!v->ctx)
		goto out;
	rc = xv_vcfg_new(limits, &v->cfg);
	if (rc)
		goto out;
	rc = xv_pasid_vgpu_new(space, limits->max_pasids, limits->pasid_width,
			       &v->pasids);
	if (rc)
		goto out;
	*out = v;
	v = NULL;
out:
	be_vgpu_free(v);
	return rc;
}

static void drop_contexts(struct be_vgpu *v)
{
	for (uint32_t i = 0; i < v->params.limits.max_contexts; i++) {
		if (!v->ctx[i].live)
			continue;
		xv_pasid_free(v->pasids, v->ctx[i].vpasid);
		v->ctx[i].live = false;
	}
	xv_pasid_release_all(v->pasids); /* belt and braces: none is left */
	__atomic_store_n(&v->nr_contexts, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&v->nr_pasids, 0, __ATOMIC_RELAXED);
}

void be_vgpu_free(struct be_vgpu *v)
{
	if (!v)
		return;
	if (v->pasids && v->ctx)
		drop_contexts(v);
	xv_pasid_vgpu_free(v->pasids);
	xv_vcfg_free(v->cfg);
	free(v->ctx);
	free(v);
}

void be_vgpu_reset(struct be_vgpu *v)
{
	drop_contexts(v);
	v->reset_pending = true;
	__atomic_store_n(&v->generation, v->generation + 1, __ATOMIC_RELAXED);
}

uint32_t be_vgpu_generation(const struct be_vgpu *v)
{
	return __atomic_load_n(&v->generation, __ATOMIC_RELAXED);
}

static int do_caps(struct be_vgpu *v, struct xv_rsp *rsp)
{
	const struct xv_limits *l = &v->params.limits;
	struct xv_rsp_caps *c = &rsp->u.caps;

	c->max_contexts = l->max_contexts;
	c->max_pinned_pages = l->max_pinned_pages;
	c->pasid_width = l->pasid_width;
	c->max_pasids = l->max_pasids;
	c->max_queued_bytes = l->max_queued_bytes;
	c->max_cmd_bytes = l->max_cmd_bytes;
	c->ring_order_max = l->ring_order_max;
	c->sched_weight = l->sched_weight;
	c->features = v->params.features;
	c->oos_pages = l->oos_pages;
	c->gpu_va_bits = XV_GPU_VA_BITS;
	c->generation = v->generation;
	v->reset_pending = false;
	return 0;
}

static int do_cfg(struct be_vgpu *v, const struct xv_req *req,
		  struct xv_rsp *rsp)
{
	uint32_t val = 0;
	int rc;

	if (req->op == XV_OP_CFG_READ) {
		rc = xv_vcfg_read(v->cfg, req->u.cfg.offset, req->u.cfg.size,
				  &val);
		if (rc == 0)
			rsp->u.cfg_read.value = val;
	} else {
		rc = xv_vcfg_write(v->cfg, req->u.cfg.offset, req->u.cfg.size,
				   req->u.cfg.value);
	}
	/* the validator checked size, alignment and range already */
	return rc ? -XV_ERR_CFG_RANGE : 0;
}

static int do_ctx_create(struct be_vgpu *v, const struct xv_req *req,
			 struct xv_rsp *rsp)
{
	enum xv_pasid_nospc why = XV_PASID_NOSPC_NONE;
	uint32_t vpasid = 0, ppasid = 0, h;
	int rc;

	/* A context is bound to a PASID: none before the guest enabled them
	 * in the PASID capability (common/vcfg.h). */
	if (!xv_vcfg_pasid_enabled(v->cfg))
		return -XV_ERR_PERM;
	for (h = 0; h < v->params.limits.max_contexts; h++)
		if (!v->ctx[h].live)
			break;
	if (h == v->params.limits.max_contexts)
		return -XV_ERR_TOO_MANY_CONTEXTS;
	rc = xv_pasid_alloc(v->pasids, &vpasid, &ppasid, &why);
	if (rc)
		return rc == -ENOSPC ? -XV_ERR_NO_PASID : -XV_ERR_NOMEM;
	v->ctx[h].live = true;
	v->ctx[h].vpasid = vpasid;
	v->ctx[h].flags = req->u.ctx_create.flags;
	__atomic_store_n(&v->nr_contexts, v->nr_contexts + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&v->nr_pasids, xv_pasid_vgpu_in_use(v->pasids),
			 __ATOMIC_RELAXED);
	rsp->u.ctx_create.ctx = h + 1;
	rsp->u.ctx_create.vpasid = vpasid;
	return 0;
}

/* The live context of a handle the validator range-checked, or NULL. */
static struct be_ctx *live_ctx(struct be_vgpu *v, uint32_t handle)
{
	if (handle == 0 || handle > v->params.limits.max_contexts)
		return NULL;
	return v->ctx[handle - 1].live ? &v->ctx[handle - 1] : NULL;
}

static int do_ctx_destroy(struct be_vgpu *v, const struct xv_req *req)
{
	struct be_ctx *c = live_ctx(v, req->ctx);

	if (!c)
		return -XV_ERR_NO_CONTEXT;
	xv_pasid_free(v->pasids, c->vpasid);
	c->live = false;
	__atomic_store_n(&v->nr_contexts, v->nr_contexts - 1, __ATOMIC_RELAXED);
	__atomic_store_n(&v->nr_pasids, xv_pasid_vgpu_in_use(v->pasids),
			 __ATOMIC_RELAXED);
	return 0;
}

static int dispatch(struct be_vgpu *v, const struct xv_req *req,
		    struct xv_rsp *rsp)
{
	int rc;

	if (v->reset_pending && req->op != XV_OP_QUERY_CAPS)
		return -XV_ERR_DEVICE_RESET;
	rc = xv_proto_check_req(req, &v->params);
	if (rc)
		return rc;
	switch (req->op) {
	case XV_OP_QUERY_CAPS:
		return do_caps(v, rsp);
	case XV_OP_CFG_READ:
	case XV_OP_CFG_WRITE:
		return do_cfg(v, req, rsp);
	case XV_OP_CTX_CREATE:
		return do_ctx_create(v, req, rsp);
	case XV_OP_CTX_DESTROY:
		return do_ctx_destroy(v, req);
	case XV_OP_CTX_SET_ROOT:
	case XV_OP_PT_UPDATE:
	case XV_OP_PT_RESYNC:
	case XV_OP_SUBMIT:
		/* The GPU path (shadowing, pinning, engines) is issue 5. */
		if (!live_ctx(v, req->ctx))
			return -XV_ERR_NO_CONTEXT;
		return -XV_ERR_NOT_SUPPORTED;
	default:
		return -XV_ERR_OP_UNKNOWN; /* the validator let none through */
	}
}

void be_vgpu_handle(struct be_vgpu *v, const struct xv_req *req,
		    struct xv_rsp *rsp)
{
	int rc;

	memset(rsp, 0, sizeof(*rsp));
	rc = dispatch(v, req, rsp);
	rsp->id = req->id;
	rsp->op = req->op;
	rsp->status = rc;
	if (rc) {
		/* on failure the payload is all 0 (vgpuif.h) */
		memset(&rsp->u, 0, sizeof(rsp->u));
		__atomic_store_n(&v->rejected, v->rejected + 1,
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&v->requests, v->requests + 1, __ATOMIC_RELAXED);
}

void be_vgpu_counters(const struct be_vgpu *v, struct be_vgpu_counters *out)
{
	out->generation = __atomic_load_n(&v->generation, __ATOMIC_RELAXED);
	out->contexts = __atomic_load_n(&v->nr_contexts, __ATOMIC_RELAXED);
	out->pasids = __atomic_load_n(&v->nr_pasids, __ATOMIC_RELAXED);
	out->pinned_pages = 0; /* nothing is pinned before the GPU path */
	out->requests = __atomic_load_n(&v->requests, __ATOMIC_RELAXED);
	out->rejected = __atomic_load_n(&v->rejected, __ATOMIC_RELAXED);
}
