/*
 * fake-vgpu-be.c — the in-process vgpuif backend double shared by the
 * frontend suites (see fake-vgpu-be.h). Trusts the suite that drives it;
 * the frontend on the other side is what is under test.
 */
#include <stdlib.h>
#include <string.h>

#include "../../frontend/lib/fe-private.h"
#include "compiler.h"
#include "fake-vgpu-be.h"
#include "vcfg.h"
#include "xv-test.h"

void xv_fake_be_open(struct xv_fake_be *fb, const struct xv_limits *limits,
		     unsigned int order, uint32_t features,
		     const struct fe_transport_ops *ops, void *arg,
		     struct xenvgpu **h)
{
	struct fe_backend_info info = {.version = 1, .limits = *limits};
	size_t bytes = (size_t)XV_PAGE_BYTES << order;
	int rc;

	memset(fb, 0, sizeof(*fb));
	fb->ring_mem = aligned_alloc(XV_PAGE_BYTES, bytes);
	fb->evt = aligned_alloc(XV_PAGE_BYTES, XV_PAGE_BYTES);
	CU_ASSERT_FATAL(fb->ring_mem && fb->evt);
	memset(fb->ring_mem, 0, bytes);
	memset(fb->evt, 0, XV_PAGE_BYTES);
	fb->params.limits = *limits;
	fb->params.features = features;
	CU_ASSERT_FATAL(xv_vcfg_new(limits, &fb->cfg) == 0);
	rc = fe_handle_new_local(ops, arg, fb->ring_mem, order, fb->evt, &info,
				 features, h);
	CU_ASSERT_FATAL(rc == 0);
	BACK_RING_INIT(&fb->back, (struct xv_vgpuif_sring *)fb->ring_mem,
		       bytes);
	/* As the real open does: a first QUERY_CAPS learns the generation. */
	CU_ASSERT_FATAL(fe_query_caps(*h, NULL) == 0);
}

void xv_fake_be_close(struct xv_fake_be *fb, struct xenvgpu **h)
{
	xenvgpu_close(*h);
	*h = NULL;
	xv_vcfg_free(fb->cfg);
	fb->cfg = NULL;
	free(fb->ring_mem);
	fb->ring_mem = NULL;
	free(fb->evt);
	fb->evt = NULL;
}

struct xv_rsp xv_fake_be_rsp(const struct xv_req *req)
{
	struct xv_rsp rsp;

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = req->id;
	rsp.op = req->op;
	return rsp;
}

bool xv_fake_be_common_op(uint32_t op)
{
	return op == XV_OP_QUERY_CAPS || op == XV_OP_CFG_READ ||
	       op == XV_OP_CFG_WRITE;
}

int xv_fake_be_answer(struct xv_fake_be *fb, const struct xv_req *req,
		      uint32_t generation, struct xv_rsp *rsp)
{
	switch (req->op) {
	case XV_OP_QUERY_CAPS:
		xv_proto_caps(&fb->params, generation, &rsp->u.caps);
		return 0;
	case XV_OP_CFG_READ:
		return xv_vcfg_read(fb->cfg, req->u.cfg.offset, req->u.cfg.size,
				    &rsp->u.cfg_read.value);
	case XV_OP_CFG_WRITE:
		return xv_vcfg_write(fb->cfg, req->u.cfg.offset,
				     req->u.cfg.size, req->u.cfg.value);
	default:
		return -XV_ERR_NOT_SUPPORTED;
	}
}

void xv_fake_be_fail(struct xv_rsp *rsp, int rc)
{
	memset(&rsp->u, 0, sizeof(rsp->u));
	rsp->status = rc < 0 && rc > -XV_ERR_DEVICE_RESET ? -XV_ERR_IO : rc;
}

void xv_fake_be_put(struct xv_fake_be *fb, const struct xv_rsp *rsp)
{
	*RING_GET_RESPONSE(&fb->back, fb->back.rsp_prod_pvt) = *rsp;
	fb->back.rsp_prod_pvt++;
}

void xv_fake_be_post(struct xv_fake_be *fb, const struct xv_evt *e)
{
	uint32_t prod = fb->evt->in_prod;

	XV_EVT_RING_REF(fb->evt, prod) = *e;
	xen_wmb();
	fb->evt->in_prod = prod + 1;
}

void xv_fake_be_run(struct xv_fake_be *fb, bool (*take)(void *arg),
		    void (*answer)(void *arg, const struct xv_req *req),
		    void *arg)
{
	RING_IDX prod = fb->back.sring->req_prod;
	struct xv_req req;
	int notify;

	xen_rmb();
	while (fb->back.req_cons != prod) {
		if (take && !take(arg))
			return;
		RING_COPY_REQUEST(&fb->back, fb->back.req_cons, &req);
		fb->back.req_cons++;
		answer(arg, &req);
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&fb->back, notify);
	(void)notify;
}
