/*
 * fe-ctx.c — GPU contexts: create (PASID Enable first, CTX_CREATE, root
 * table, CTX_SET_ROOT), destroy, the FENCE_DONE / GPU_FAULT event hook,
 * the fault queue, and the teardown of every GPU object at close.
 *
 * Trusts: nothing from the backend. An event naming a context we do not
 * have, or a fence above the highest one sent, is counted and dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fe-private.h"

#define PT_POOL_BATCH 16u /* table pages shared per grant call */

static int pt_page_alloc(void *arg, struct fe_pt_page *out)
{
	struct xenvgpu_ctx *c = arg;
	int rc;

	if (c->pt_pool.used == c->pt_pool.npages) {
		rc = fe_pool_grow(c->h, &c->pt_pool, PT_POOL_BATCH);
		if (rc)
			return rc;
		c->grant_calls++;
	}
	out->e = c->pt_pool.page[c->pt_pool.used];
	out->gref = c->pt_pool.ref[c->pt_pool.used];
	c->pt_pool.used++;
	/* Never used before; gntalloc zeroed it before the grant existed. */
	memset(out->e, 0, XV_PAGE_BYTES);
	return 0;
}

static int ctx_table_set(struct xenvgpu *h, uint32_t handle,
			 struct xenvgpu_ctx *c)
{
	struct xenvgpu_ctx **t;
	unsigned int n;

	if (handle >= h->gpu.nctx) {
		n = handle + 1 > 16 ? handle + 1 : 16;
		t = realloc(h->gpu.ctx, n * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + h->gpu.nctx, 0, (n - h->gpu.nctx) * sizeof(*t));
		h->gpu.ctx = t;
		h->gpu.nctx = n;
	}
	h->gpu.ctx[handle] = c;
	return 0;
}

static struct xenvgpu_ctx *ctx_lookup(struct xenvgpu *h, uint32_t handle)
{
	return handle < h->gpu.nctx ? h->gpu.ctx[handle] : NULL;
}

static int ctx_create_req(struct xenvgpu *h, uint32_t flags, struct xv_rsp *rsp)
{
	struct xv_req req;

	memset(&req, 0, sizeof(req));
	req.op = XV_OP_CTX_CREATE;
	req.u.ctx_create.flags = flags;
	return fe_request(h, &req, rsp);
}

static int ctx_destroy_req(struct xenvgpu *h, uint32_t handle)
{
	struct xv_req req;
	struct xv_rsp rsp;

	memset(&req, 0, sizeof(req));
	req.op = XV_OP_CTX_DESTROY;
	req.ctx = handle;
	return fe_request(h, &req, &rsp);
}

static void ctx_free(struct xenvgpu_ctx *c, bool end_grants)
{
	struct xenvgpu *h = c->h;

	struct xenvgpu_ctx **pp;

	if (ctx_lookup(h, c->handle) == c)
		h->gpu.ctx[c->handle] = NULL;
	for (pp = &h->gpu.gone; *pp; pp = &(*pp)->gone_next)
		if (*pp == c) {
			*pp = c->gone_next;
			break;
		}
	fe_ctx_drop_mappings(c, end_grants);
	fe_pt_dispose(&c->pt);
	fe_pool_release(h, &c->pt_pool, end_grants);
	fe_pool_release(h, &c->cmd_pool, end_grants);
	fe_pool_release(h, &c->dir_pool, end_grants);
	free(c);
}

int xenvgpu_ctx_create(struct xenvgpu *h, uint32_t flags,
		       struct xenvgpu_ctx **out, uint32_t *vpasid)
{
	struct xenvgpu_ctx *c = NULL;
	struct xv_rsp rsp;
	struct xv_req req;
	bool created = false;
	uint32_t wire = 0;
	int rc;

	if (!h || !out)
		return -EINVAL;
	*out = NULL;
	if (flags & ~(XENVGPU_CTX_NOSNOOP | XENVGPU_CTX_OOS))
		return -EINVAL;
	if (flags & XENVGPU_CTX_NOSNOOP)
		wire |= XV_CTX_FLAG_NOSNOOP;
	if (flags & XENVGPU_CTX_OOS)
		wire |= XV_CTX_FLAG_OOS;
	/* No context exists before PASID Enable (the backend says PERM). */
	if (!h->gpu.pasid_enabled) {
		rc = xenvgpu_enable_pasid(h);
		if (rc)
			return rc;
		h->gpu.pasid_enabled = true;
	}
	rc = ctx_create_req(h, wire, &rsp);
	if (rc == -XV_ERR_PERM) {
		/* A backend restart lost the config space: enable again. */
		rc = xenvgpu_enable_pasid(h);
		if (!rc)
			rc = ctx_create_req(h, wire, &rsp);
	}
	if (rc)
		return rc;
	created = true;
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		goto out;
	}
	c->h = h;
	c->handle = rsp.u.ctx_create.ctx;
	c->vpasid = rsp.u.ctx_create.vpasid;
	c->flags = wire;
	c->generation = h->ch.generation;
	c->cmd_pool.writable = false;
	c->dir_pool.writable = false;
	c->pt_pool.writable = false;
	if (ctx_lookup(h, c->handle)) {
		/* The backend handed out a live handle twice. */
		rc = -XV_ERR_RSP_CTX_RANGE;
		created = false; /* not ours to destroy */
		goto out;
	}
	rc = fe_pt_init(&c->pt, pt_page_alloc, c);
	if (rc)
		goto out;
	memset(&req, 0, sizeof(req));
	req.op = XV_OP_CTX_SET_ROOT;
	req.ctx = c->handle;
	req.u.set_root.root = xv_gaddr_from_gref(c->pt.root->pg.gref);
	rc = fe_request(h, &req, &rsp);
	if (rc)
		goto out;
	rc = ctx_table_set(h, c->handle, c);
	if (rc)
		goto out;
	if (vpasid)
		*vpasid = c->vpasid;
	*out = c;
	c = NULL;
	created = false;
out:
	if (created) {
		int drc =
		    ctx_destroy_req(h, c ? c->handle : rsp.u.ctx_create.ctx);

		if (c)
			ctx_free(c, drc == 0 || drc == -XV_ERR_DEVICE_RESET);
	} else if (c) {
		ctx_free(c, false);
	}
	return rc;
}

int xenvgpu_ctx_destroy(struct xenvgpu_ctx *c)
{
	int rc;

	if (!c)
		return 0;
	rc = c->gone ? 0 : ctx_destroy_req(c->h, c->handle);
	/*
	 * Pages are handed back only when the backend confirmed; a reset
	 * dropped everything of ours, which counts as confirmed.
	 */
	if (rc == -XV_ERR_DEVICE_RESET)
		rc = 0;
	ctx_free(c, rc == 0);
	return rc;
}

uint32_t xenvgpu_ctx_handle(const struct xenvgpu_ctx *c)
{
	return c ? c->handle : 0;
}

uint32_t xenvgpu_ctx_vpasid(const struct xenvgpu_ctx *c)
{
	return c ? c->vpasid : 0;
}

uint64_t xenvgpu_fence_done(const struct xenvgpu_ctx *c)
{
	return c ? c->fence_done : 0;
}

unsigned long xenvgpu_grant_calls(const struct xenvgpu *h)
{
	return h ? h->gpu.grant_calls : 0;
}

/* ---- events ---------------------------------------------------------------- */

void fe_gpu_on_event(void *arg, const struct xv_evt *evt)
{
	struct xenvgpu *h = arg;
	struct xenvgpu_ctx *c = ctx_lookup(h, evt->ctx);
	struct fe_fault *f;

	if (!c) {
		/* A context destroyed while its event was on the page. */
		return;
	}
	switch (evt->type) {
	case XV_EVT_FENCE_DONE:
		if (evt->u.fence_done.fence > c->fence_sent) {
			h->gpu.bad_events++; /* never submitted */
			return;
		}
		if (evt->u.fence_done.fence > c->fence_done)
			c->fence_done = evt->u.fence_done.fence;
		return;
	case XV_EVT_GPU_FAULT:
		c->faulted = true;
		if (h->gpu.fault_count == FE_FAULT_QUEUE) {
			h->gpu.faults_dropped++;
			return;
		}
		f = &h->gpu.faults[(h->gpu.fault_head + h->gpu.fault_count) %
				   FE_FAULT_QUEUE];
		f->ctx = evt->ctx;
		f->gpu_va = evt->u.gpu_fault.gpu_va;
		f->access = evt->u.gpu_fault.access;
		f->reason = evt->u.gpu_fault.reason;
		f->lost = evt->u.gpu_fault.lost;
		h->gpu.fault_count++;
		return;
	default:
		return;
	}
}

int xenvgpu_fault_read(struct xenvgpu *h, struct xenvgpu_fault *out)
{
	struct fe_fault *f;
	int rc;

	if (!h || !out)
		return -EINVAL;
	rc = fe_process(h);
	if (rc && !h->gpu.fault_count)
		return rc;
	if (!h->gpu.fault_count)
		return -EAGAIN;
	f = &h->gpu.faults[h->gpu.fault_head];
	memset(out, 0, sizeof(*out));
	out->ctx = f->ctx;
	out->gpu_va = f->gpu_va;
	out->access = f->access;
	out->reason = f->reason;
	out->lost = f->lost;
	h->gpu.fault_head = (h->gpu.fault_head + 1) % FE_FAULT_QUEUE;
	h->gpu.fault_count--;
	return 0;
}

void fe_gpu_reset(struct xenvgpu *h)
{
	for (unsigned int i = 0; i < h->gpu.nctx; i++) {
		struct xenvgpu_ctx *c = h->gpu.ctx[i];

		if (!c)
			continue;
		c->gone = true;
		fe_ctx_drop_mappings(c, true);
		h->gpu.ctx[i] = NULL;
		c->gone_next = h->gpu.gone;
		h->gpu.gone = c;
	}
	/* A restarted backend has a fresh config space. */
	h->gpu.pasid_enabled = false;
}

void fe_gpu_release(struct xenvgpu *h, bool end_grants)
{
	struct xenvgpu_buf *b;

	for (unsigned int i = 0; i < h->gpu.nctx; i++)
		if (h->gpu.ctx[i])
			ctx_free(h->gpu.ctx[i], end_grants);
	while (h->gpu.gone)
		ctx_free(h->gpu.gone, end_grants);
	free(h->gpu.ctx);
	h->gpu.ctx = NULL;
	h->gpu.nctx = 0;
	while ((b = h->gpu.bufs) != NULL) {
		h->gpu.bufs = b->next;
		fe_pool_release(h, &b->pool, end_grants && !b->stuck);
		free(b);
	}
}
