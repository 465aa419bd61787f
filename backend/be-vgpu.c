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

#include "be-ctx.h"
#include "be-grant.h"
#include "compiler.h"
#include "proto.h"
#include "vcfg.h"

/* Owned by the ring worker; the counters are also read by the main
 * thread (be_vgpu_counters) with relaxed atomics. */
struct be_vgpu {
	struct xv_proto_params params; /* limits and the acked features */
	struct xv_vcfg *cfg;
	struct xv_pasid_vgpu *pasids;
	struct be_gpu_dev *dev; /* the process's GPU and IOMMU */
	struct be_gpu *gpu;	/* contexts, shadows, map cache (be-ctx.h) */
	struct be_grant *grant; /* the grant mapper, once attached */
	bool reset_pending;

	uint32_t generation;
	uint64_t requests;
	uint64_t rejected;
};

int be_vgpu_new(const struct xv_limits *limits, uint32_t features,
		struct xv_pasid_space *space, uint32_t generation,
		struct be_vgpu **out)
{
	struct be_gpu_config gc = {0};
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
	rc = xv_vcfg_new(limits, &v->cfg);
	if (rc)
		goto out;
	rc = xv_pasid_vgpu_new(space, limits->max_pasids, limits->pasid_width,
			       &v->pasids);
	if (rc)
		goto out;
	rc = be_gpu_dev_get(&v->dev);
	if (rc)
		goto out;
	gc.dev = v->dev;
	gc.limits = limits;
	gc.features = features;
	gc.pasids = v->pasids;
	rc = be_gpu_new(&gc, &v->gpu);
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
	/* device contexts, shadows, PASIDs, then unused grant mappings */
	be_gpu_destroy_all(v->gpu);
	xv_pasid_release_all(v->pasids); /* belt and braces: none is left */
}

void be_vgpu_free(struct be_vgpu *v)
{
	if (!v)
		return;
	/* GPU state first (no DMA), then the map cache's grant mappings
	 * (inside be_gpu_free), then the mapper and the PASIDs */
	be_gpu_free(v->gpu);
	be_grant_free(v->grant);
	be_gpu_dev_put(v->dev);
	xv_pasid_vgpu_free(v->pasids);
	xv_vcfg_free(v->cfg);
	free(v);
}

int be_vgpu_attach_grants(struct be_vgpu *v, uint32_t domid, void *xgt)
{
	struct be_grant_config gc = {domid, &be_grant_xengnttab, xgt};
	int rc;

	if (v->grant)
		return -EBUSY;
	rc = be_grant_new(&gc, &v->grant);
	if (rc)
		return rc;
	rc = be_gpu_set_mapper(v->gpu, domid, &be_grant_mapper_ops, v->grant);
	if (rc) {
		be_grant_free(v->grant);
		v->grant = NULL;
	}
	return rc;
}

int be_vgpu_set_mapper(struct be_vgpu *v, uint32_t domid,
		       const struct xv_mapper_ops *ops, void *ctx)
{
	return be_gpu_set_mapper(v->gpu, domid, ops, ctx);
}

struct be_events *be_vgpu_events(struct be_vgpu *v)
{
	return be_gpu_events(v->gpu);
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
	xv_proto_caps(&v->params, v->generation, &rsp->u.caps);
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
	uint32_t h = 0, vpasid = 0;
	int rc;

	/* A context is bound to a PASID: none before the guest enabled them
	 * in the PASID capability (common/vcfg.h). */
	if (!xv_vcfg_pasid_enabled(v->cfg))
		return -XV_ERR_PERM;
	rc = be_ctx_create(v->gpu, req->u.ctx_create.flags, &h, &vpasid);
	if (rc)
		return rc;
	rsp->u.ctx_create.ctx = h;
	rsp->u.ctx_create.vpasid = vpasid;
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
		return be_ctx_destroy(v->gpu, req->ctx);
	case XV_OP_CTX_SET_ROOT:
		return be_ctx_set_root(v->gpu, req->ctx, req->u.set_root.root);
	case XV_OP_PT_UPDATE:
		return be_ctx_pt_update(v->gpu, req->ctx,
					req->u.pt_update.gpu_va,
					req->u.pt_update.length);
	case XV_OP_PT_RESYNC:
		return be_ctx_pt_resync(v->gpu, req->ctx);
	case XV_OP_SUBMIT:
		return be_ctx_submit(v->gpu, req->ctx, &req->u.submit);
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
	struct be_gpu_counters gc;
	struct be_events_stats es;

	memset(out, 0, sizeof(*out));
	be_gpu_get_counters(v->gpu, &gc);
	be_events_get_stats(be_gpu_events(v->gpu), &es);
	out->generation = __atomic_load_n(&v->generation, __ATOMIC_RELAXED);
	out->contexts = gc.contexts;
	out->pasids = gc.pasids;
	/* guest pages grant-mapped now, pinned by a shadow or cached */
	out->pinned_pages = (uint32_t)gc.mapped_pages;
	out->requests = __atomic_load_n(&v->requests, __ATOMIC_RELAXED);
	out->rejected = __atomic_load_n(&v->rejected, __ATOMIC_RELAXED);
	out->grant_map_calls = gc.map_calls;
	out->grant_unmap_calls = gc.unmap_calls;
	if (v->grant) {
		struct be_grant_stats gs;

		/* what gntdev saw: one map ioctl a batch (failed ones too),
		 * one unmap a chunk — the numbers strace counts */
		be_grant_get_stats(v->grant, &gs);
		out->grant_map_calls = gs.map_calls + gs.failed_maps;
		out->grant_unmap_calls = gs.unmap_calls;
		out->grant_mapped_pages = gs.mapped_pages;
	} else {
		out->grant_mapped_pages = gc.mapped_pages;
	}
	out->submits = gc.submits;
	out->fences = es.fences_posted;
	out->faults = es.faults_posted;
	out->faults_lost = es.faults_lost;
	out->scratch_entries = gc.scratch_entries;
	out->scratch_events = gc.scratch_events;
	out->oos_pages = gc.oos_pages;
}
