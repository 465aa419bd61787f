/*
 * test-be-vgpu.c — the vGPU instance's request dispatch (backend/be-vgpu.c):
 * capabilities, config space with PASID enable, context and PASID limits,
 * the device-reset rule, hostile requests. Pure logic of one process: the
 * requests are built here as a frontend would, no Xen is involved.
 */
#include <string.h>

#include "be-vgpu.h"
#include "proto.h"
#include "vcfg.h"
#include "xv-test.h"

static struct xv_limits limits(void)
{
	struct xv_limits l = {
	    .max_contexts = 4,
	    .max_pinned_pages = 1024,
	    .pasid_width = 4,
	    .max_pasids = 3,
	    .max_queued_bytes = 1u << 20,
	    .max_cmd_bytes = 65536,
	    .ring_order_max = 2,
	    .sched_weight = 100,
	    .features = XV_FEATURE_HOLDOFF | XV_FEATURE_MULTI_PAGE_RING,
	    .oos_pages = 0,
	};
	return l;
}

static struct xv_rsp call(struct be_vgpu *v, uint16_t op, uint32_t ctx,
			  uint64_t id)
{
	struct xv_req req;
	struct xv_rsp rsp;

	memset(&req, 0, sizeof(req));
	req.id = id;
	req.op = op;
	req.ctx = ctx;
	memset(&rsp, 0xa5, sizeof(rsp)); /* stale bytes must not survive */
	be_vgpu_handle(v, &req, &rsp);
	return rsp;
}

static struct xv_rsp cfg(struct be_vgpu *v, uint16_t op, uint32_t off,
			 uint32_t size, uint32_t val)
{
	struct xv_req req;
	struct xv_rsp rsp;

	memset(&req, 0, sizeof(req));
	req.id = 7;
	req.op = op;
	req.u.cfg.offset = off;
	req.u.cfg.size = size;
	req.u.cfg.value = val;
	be_vgpu_handle(v, &req, &rsp);
	return rsp;
}

static void enable_pasid(struct be_vgpu *v)
{
	struct xv_rsp r =
	    cfg(v, XV_OP_CFG_WRITE, XV_VCFG_PASID_OFFSET + XV_PCI_PASID_CTRL, 2,
		XV_PCI_PASID_CTRL_ENABLE);

	CU_ASSERT_EQUAL(r.status, 0);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_caps_and_cfg(void)
{
	struct xv_pasid_space *s;
	struct be_vgpu *v;
	struct xv_limits l = limits();
	struct xv_rsp r;

	CU_ASSERT_EQUAL_FATAL(xv_pasid_space_new(8, &s), 0);
	CU_ASSERT_EQUAL_FATAL(be_vgpu_new(&l, XV_FEATURE_HOLDOFF, s, 5, &v), 0);
	r = call(v, XV_OP_QUERY_CAPS, 0, 0x1234);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(r.id, 0x1234);
	CU_ASSERT_EQUAL(r.op, XV_OP_QUERY_CAPS);
	CU_ASSERT_EQUAL(r.reserved0, 0);
	CU_ASSERT_EQUAL(r.u.caps.max_contexts, 4);
	CU_ASSERT_EQUAL(r.u.caps.features, XV_FEATURE_HOLDOFF); /* the ack */
	CU_ASSERT_EQUAL(r.u.caps.gpu_va_bits, XV_GPU_VA_BITS);
	CU_ASSERT_EQUAL(r.u.caps.generation, 5);

	r = cfg(v, XV_OP_CFG_READ, 0, 2, 0);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(r.u.cfg_read.value, XV_VCFG_VENDOR_ID);
	CU_ASSERT_TRUE(
	    all_zero(r.u.cfg_read.reserved, sizeof(r.u.cfg_read.reserved)));
	r = cfg(v, XV_OP_CFG_READ, XV_VCFG_DVSEC_OFFSET + XV_DVSEC_MAX_PASIDS,
		4, 0);
	CU_ASSERT_EQUAL(r.u.cfg_read.value, 3);
	/* hostile config accesses */
	r = cfg(v, XV_OP_CFG_READ, 4095, 4, 0);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_CFG_ALIGN);
	CU_ASSERT_TRUE(all_zero(&r.u, sizeof(r.u)));
	r = cfg(v, XV_OP_CFG_WRITE, 0, 1, 0x100);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_CFG_VALUE_WIDTH);
	r = cfg(v, XV_OP_CFG_READ, 4096, 4, 0);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_CFG_RANGE);
	/* unknown and reserved ops echo the op */
	r = call(v, 0x0042, 0, 1);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_OP_UNKNOWN);
	CU_ASSERT_EQUAL(r.op, 0x0042);
	r = call(v, 0x9000, 0, 1);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_OP_VENDOR);
	r = call(v, XV_OP_QUERY_CAPS, 3, 1);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_CTX_NOT_ZERO);
	be_vgpu_free(v);
	xv_pasid_space_free(s);
}

static void test_contexts_and_limits(void)
{
	struct xv_pasid_space *s;
	struct be_vgpu *v, *w;
	struct xv_limits l = limits();
	struct be_vgpu_counters c;
	struct xv_rsp r;
	uint32_t handles[3];

	CU_ASSERT_EQUAL_FATAL(xv_pasid_space_new(2, &s), 0); /* pPASID 1..3 */
	CU_ASSERT_EQUAL_FATAL(be_vgpu_new(&l, 0, s, 0, &v), 0);
	/* no context before PASID Enable */
	r = call(v, XV_OP_CTX_CREATE, 0, 1);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_PERM);
	enable_pasid(v);
	for (int i = 0; i < 3; i++) {
		r = call(v, XV_OP_CTX_CREATE, 0, 2);
		CU_ASSERT_EQUAL(r.status, 0);
		CU_ASSERT(r.u.ctx_create.ctx >= 1 && r.u.ctx_create.ctx <= 4);
		CU_ASSERT(r.u.ctx_create.vpasid >= 1 &&
			  r.u.ctx_create.vpasid < 16);
		handles[i] = r.u.ctx_create.ctx;
	}
	/* max-pasids (3) is hit before max-contexts (4) */
	r = call(v, XV_OP_CTX_CREATE, 0, 3);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_PASID);
	be_vgpu_counters(v, &c);
	CU_ASSERT_EQUAL(c.contexts, 3);
	CU_ASSERT_EQUAL(c.pasids, 3);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 3);

	/* the device's PASID space is shared: a second vGPU gets none */
	CU_ASSERT_EQUAL_FATAL(be_vgpu_new(&l, 0, s, 0, &w), 0);
	enable_pasid(w);
	r = call(w, XV_OP_CTX_CREATE, 0, 4);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_PASID);

	/* GPU-path ops on a live context without a root: no root; on a
	 * dead one: no context; out of range: the validator's code */
	r = call(v, XV_OP_PT_RESYNC, handles[0], 5);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_ROOT);
	r = call(v, XV_OP_PT_RESYNC, 4, 5);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_CONTEXT);
	r = call(v, XV_OP_PT_RESYNC, 5, 5);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_CTX_RANGE);
	r = call(v, XV_OP_CTX_DESTROY, handles[1], 6);
	CU_ASSERT_EQUAL(r.status, 0);
	r = call(v, XV_OP_CTX_DESTROY, handles[1], 6);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_CONTEXT);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 2);
	/* now the other vGPU can have the freed pPASID */
	r = call(w, XV_OP_CTX_CREATE, 0, 4);
	CU_ASSERT_EQUAL(r.status, 0);
	be_vgpu_free(w);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 2);

	/* max-contexts: with PASIDs to spare, the 5th context fails */
	be_vgpu_free(v);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 0); /* free releases all */
	xv_pasid_space_free(s);
	CU_ASSERT_EQUAL_FATAL(xv_pasid_space_new(8, &s), 0);
	l.max_pasids = 8;
	CU_ASSERT_EQUAL_FATAL(be_vgpu_new(&l, 0, s, 0, &v), 0);
	enable_pasid(v);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(call(v, XV_OP_CTX_CREATE, 0, 1).status, 0);
	CU_ASSERT_EQUAL(call(v, XV_OP_CTX_CREATE, 0, 1).status,
			-XV_ERR_TOO_MANY_CONTEXTS);
	be_vgpu_counters(v, &c);
	CU_ASSERT_EQUAL(c.requests, 6);
	CU_ASSERT_EQUAL(c.rejected, 1);
	be_vgpu_free(v);
	xv_pasid_space_free(s);
}

static void test_reset_rule(void)
{
	struct xv_pasid_space *s;
	struct be_vgpu *v;
	struct xv_limits l = limits();
	struct xv_rsp r;

	CU_ASSERT_EQUAL_FATAL(xv_pasid_space_new(8, &s), 0);
	CU_ASSERT_EQUAL_FATAL(be_vgpu_new(&l, 0, s, 9, &v), 0);
	enable_pasid(v);
	CU_ASSERT_EQUAL(call(v, XV_OP_CTX_CREATE, 0, 1).status, 0);
	be_vgpu_reset(v);
	CU_ASSERT_EQUAL(be_vgpu_generation(v), 10);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 0); /* contexts gone */
	r = call(v, XV_OP_CFG_READ, 0, 1);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_DEVICE_RESET);
	r = call(v, XV_OP_CTX_DESTROY, 1, 1);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_DEVICE_RESET);
	r = call(v, XV_OP_QUERY_CAPS, 0, 1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(r.u.caps.generation, 10);
	/* acknowledged: normal service; the old handle means nothing */
	r = call(v, XV_OP_CTX_DESTROY, 1, 1);
	CU_ASSERT_EQUAL(r.status, -XV_ERR_NO_CONTEXT);
	be_vgpu_free(v);
	xv_pasid_space_free(s);
}

static void test_bad_params(void)
{
	struct xv_pasid_space *s;
	struct be_vgpu *v = (struct be_vgpu *)&v;
	struct xv_limits l = limits();

	CU_ASSERT_EQUAL_FATAL(xv_pasid_space_new(8, &s), 0);
	/* an ack beyond the profile's features */
	CU_ASSERT_EQUAL(be_vgpu_new(&l, XV_FEATURE_OOS_PT, s, 0, &v), -EINVAL);
	CU_ASSERT_PTR_NULL(v);
	l.pasid_width = 0;
	CU_ASSERT_EQUAL(be_vgpu_new(&l, 0, s, 0, &v), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 0);
	be_vgpu_free(NULL);
	xv_pasid_space_free(s);
}

static const struct xv_test_case cases[] = {
    {"capabilities and config space", test_caps_and_cfg},
    {"contexts, PASIDs and their limits", test_contexts_and_limits},
    {"device reset until QUERY_CAPS", test_reset_rule},
    {"bad parameters", test_bad_params},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"be-vgpu", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
