/*
 * fe-submit.c — submissions and fences: the command bytes go into the
 * context's reused command pages (granted read-only to the backend, once:
 * steady state makes no grant call), named inline in the SUBMIT request
 * or through a gref directory chain (vgpuif.h, displif-style); waits on
 * fences sleep on the transport until FENCE_DONE arrives.
 *
 * Reuse is safe because the backend copies a command buffer (and its
 * directory) before it answers the SUBMIT (vgpuif.h: the response says
 * the work was queued, the copy is what runs), and one thread submits
 * per handle, so no two submissions share the pages at once.
 * Trusts: nothing from the backend.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

/* fe-private.h first: xenctrl.h must come before ring.h's users. */
#include "fe-private.h"

#include "cmd.h"
#include "compiler.h"
#include "proto.h"

#define CMD_POOL_MIN 16u /* command pages shared by the first submission */

int fe_dir_build(struct xv_gref_dir *const *dir, const uint32_t *dir_refs,
		 unsigned int ndir, const uint32_t *refs, uint32_t npages)
{
	uint32_t left = npages, k = 0, n;

	if (npages <= XV_SUBMIT_INLINE_GREFS ||
	    ndir != xv_proto_dir_pages(npages))
		return -EINVAL;
	for (unsigned int d = 0; d < ndir; d++) {
		n = left < XV_DIR_GREFS_PER_PAGE ? left : XV_DIR_GREFS_PER_PAGE;
		memset(dir[d], 0, sizeof(*dir[d]));
		dir[d]->num_grefs = n;
		memcpy(dir[d]->gref, refs + k, n * sizeof(uint32_t));
		dir[d]->gref_dir_next_page = d + 1 < ndir ? dir_refs[d + 1] : 0;
		k += n;
		left -= n;
	}
	return 0;
}

static int pool_reserve(struct xenvgpu_ctx *c, struct fe_pool *p,
			unsigned int n)
{
	int rc;

	if (p->npages >= n)
		return 0;
	n -= p->npages;
	if (p->npages == 0 && n < CMD_POOL_MIN)
		n = CMD_POOL_MIN;
	rc = fe_pool_grow(c->h, p, n);
	if (!rc)
		c->grant_calls++;
	return rc;
}

int xenvgpu_submit(struct xenvgpu_ctx *c, const void *cmds, size_t bytes,
		   uint64_t fence)
{
	struct xv_gref_dir *dir[64];
	struct xv_cmd_scan scan;
	struct xv_req req;
	struct xv_rsp rsp;
	uint32_t pages, ndir = 0;
	uint64_t prev;
	size_t chunk;
	int rc;

	if (!c || !cmds)
		return -EINVAL;
	if (c->gone)
		return -XV_ERR_DEVICE_RESET;
	if (c->faulted)
		return -XV_ERR_CTX_FAULTED;
	if (!bytes)
		return -XV_ERR_SUBMIT_EMPTY;
	if (!fence)
		return -XV_ERR_SUBMIT_FENCE_ZERO;
	if (fence <= c->fence_sent)
		return -XV_ERR_FENCE_ORDER;
	if (bytes > c->h->caps.max_cmd_bytes && c->h->caps.max_cmd_bytes)
		return -XV_ERR_SUBMIT_TOO_BIG;
	if (bytes > UINT32_MAX)
		return -XV_ERR_SUBMIT_TOO_BIG;
	/* Our own mistakes never reach the backend. */
	rc = xv_cmd_scan(cmds, bytes, &scan);
	if (rc)
		return rc;
	pages = xv_proto_submit_pages((uint32_t)bytes);
	rc = pool_reserve(c, &c->cmd_pool, pages);
	if (rc)
		return rc;
	if (pages > XV_SUBMIT_INLINE_GREFS) {
		ndir = xv_proto_dir_pages(pages);
		if (ndir > XV_ARRAY_SIZE(dir))
			return -XV_ERR_SUBMIT_TOO_BIG;
		rc = pool_reserve(c, &c->dir_pool, ndir);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < pages; i++) {
		chunk = bytes - (size_t)i * XV_PAGE_BYTES;
		if (chunk > XV_PAGE_BYTES)
			chunk = XV_PAGE_BYTES;
		memcpy(c->cmd_pool.page[i],
		       (const uint8_t *)cmds + (size_t)i * XV_PAGE_BYTES,
		       chunk);
	}
	memset(&req, 0, sizeof(req));
	req.op = XV_OP_SUBMIT;
	req.ctx = c->handle;
	req.u.submit.fence = fence;
	req.u.submit.cmd_bytes = (uint32_t)bytes;
	if (ndir) {
		for (uint32_t d = 0; d < ndir; d++)
			dir[d] = c->dir_pool.page[d];
		rc = fe_dir_build(dir, c->dir_pool.ref, ndir, c->cmd_pool.ref,
				  pages);
		if (rc)
			return rc;
		req.u.submit.gref_directory = c->dir_pool.ref[0];
	} else {
		req.u.submit.nr_inline = (uint8_t)pages;
		memcpy(req.u.submit.gref, c->cmd_pool.ref,
		       pages * sizeof(uint32_t));
	}
	/* The pages are written before the request that names them. */
	xen_wmb();
	/*
	 * The FENCE_DONE may be read in the same pass as the response:
	 * the fence counts as sent from now, unless the backend refuses.
	 */
	prev = c->fence_sent;
	c->fence_sent = fence;
	rc = fe_request(c->h, &req, &rsp);
	if (rc == -XV_ERR_CTX_FAULTED)
		c->faulted = true;
	if (rc && rc != -ETIMEDOUT)
		c->fence_sent = prev;
	return rc;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int xenvgpu_fence_wait(struct xenvgpu_ctx *c, uint64_t fence, int timeout_ms)
{
	struct xenvgpu *h;
	int64_t deadline = 0;
	int64_t left;
	int rc;

	if (!c)
		return -EINVAL;
	h = c->h;
	if (c->gone)
		return -XV_ERR_DEVICE_RESET;
	if (fence > c->fence_sent)
		return -EINVAL; /* would never complete */
	for (;;) {
		rc = fe_process(h);
		if (rc)
			return rc;
		if (c->fence_done >= fence)
			return 0;
		if (c->faulted)
			return -XV_ERR_CTX_FAULTED;
		if (fe_chan_more(&h->ch))
			continue;
		/* Read the clock only when about to sleep. */
		if (!deadline)
			deadline =
			    now_ms() +
			    (timeout_ms < 0 ? h->opts.timeout_ms : timeout_ms);
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = h->ops->wait(h, (int)left);
		if (rc && rc != -ETIMEDOUT && rc != -EINTR)
			return rc;
	}
}
