/*
 * fe-buffer.c — pools of granted pages, buffers, and mapping buffers into
 * a context's GPU VA space (leaf entries + PT_UPDATE).
 *
 * Invariants: a page is unshared only after the backend let go of it
 * (fe-gpu.h). A buffer counts its live mappings; it can be freed only at
 * 0, and a mapping whose removal the backend did not confirm leaves its
 * buffer "stuck": its grants are never ended by us (the kernel ends them
 * once nobody maps them).
 * Trusts: nothing from the backend; responses come checked (fe-chan.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fe-private.h"

/* ---- pools ----------------------------------------------------------------- */

int fe_pool_grow(struct xenvgpu *h, struct fe_pool *p, unsigned int n)
{
	struct fe_batch *nb = NULL;
	uint32_t *refs = NULL, *nref;
	void **npage;
	void *addr = NULL;
	int rc;

	if (!n || n > (1u << 20))
		return -EINVAL;
	if (!h->ops->share)
		return -ENOTSUP;
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	addr = h->ops->share(h, n, refs, p->writable);
	if (!addr) {
		rc = errno ? -errno : -ENOMEM;
		goto out;
	}
	h->gpu.grant_calls++;
	for (unsigned int i = 0; i < n; i++)
		if (!refs[i]) { /* reference 0 is never handed out */
			rc = -EIO;
			goto out;
		}
	nb = realloc(p->batch, (p->nbatch + 1) * sizeof(*nb));
	if (!nb) {
		rc = -ENOMEM;
		goto out;
	}
	p->batch = nb;
	npage = realloc(p->page, (p->npages + n) * sizeof(*npage));
	if (!npage) {
		rc = -ENOMEM;
		goto out;
	}
	p->page = npage;
	nref = realloc(p->ref, (p->npages + n) * sizeof(*nref));
	if (!nref) {
		rc = -ENOMEM;
		goto out;
	}
	p->ref = nref;
	p->batch[p->nbatch].addr = addr;
	p->batch[p->nbatch].n = n;
	p->nbatch++;
	for (unsigned int i = 0; i < n; i++) {
		p->page[p->npages + i] =
		    (char *)addr + (size_t)i * XV_PAGE_BYTES;
		p->ref[p->npages + i] = refs[i];
	}
	p->npages += n;
	addr = NULL;
	rc = 0;
out:
	/* Never granted to anyone but our backend, never used: end it. */
	if (addr)
		h->ops->unshare(h, addr, n);
	free(refs);
	return rc;
}

void fe_pool_release(struct xenvgpu *h, struct fe_pool *p, bool end_grants)
{
	bool writable = p->writable;

	for (unsigned int i = 0; i < p->nbatch; i++)
		if (end_grants && h->ops->unshare)
			h->ops->unshare(h, p->batch[i].addr, p->batch[i].n);
	free(p->batch);
	free(p->page);
	free(p->ref);
	memset(p, 0, sizeof(*p));
	p->writable = writable;
}

/* ---- buffers --------------------------------------------------------------- */

int xenvgpu_buf_alloc(struct xenvgpu *h, size_t bytes, struct xenvgpu_buf **out)
{
	struct xenvgpu_buf *b = NULL;
	size_t pages;
	int rc;

	if (!h || !out || !bytes || bytes > ((size_t)1 << 32))
		return -EINVAL;
	*out = NULL;
	pages = (bytes + XV_PAGE_BYTES - 1) / XV_PAGE_BYTES;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->h = h;
	b->pool.writable = true;
	/* One share call for the whole buffer: contiguous, one batch. */
	rc = fe_pool_grow(h, &b->pool, (unsigned int)pages);
	if (rc)
		goto out;
	b->bytes = pages * XV_PAGE_BYTES;
	b->next = h->gpu.bufs;
	h->gpu.bufs = b;
	*out = b;
	b = NULL;
out:
	free(b);
	return rc;
}

void *xenvgpu_buf_ptr(const struct xenvgpu_buf *b)
{
	return b && b->pool.nbatch ? b->pool.batch[0].addr : NULL;
}

size_t xenvgpu_buf_size(const struct xenvgpu_buf *b)
{
	return b ? b->bytes : 0;
}

uint32_t xenvgpu_buf_gref(const struct xenvgpu_buf *b, size_t page)
{
	if (!b || page >= b->pool.npages)
		return 0;
	return b->pool.ref[page];
}

static void buf_unlink(struct xenvgpu_buf *b)
{
	struct xenvgpu_buf **pp = &b->h->gpu.bufs;

	while (*pp && *pp != b)
		pp = &(*pp)->next;
	if (*pp)
		*pp = b->next;
}

int xenvgpu_buf_free(struct xenvgpu_buf *b)
{
	if (!b)
		return 0;
	if (b->maps)
		return -EBUSY;
	buf_unlink(b);
	fe_pool_release(b->h, &b->pool, !b->stuck);
	free(b);
	return 0;
}

/* ---- mappings -------------------------------------------------------------- */

static int pt_update(struct xenvgpu_ctx *c, uint64_t va, uint64_t len)
{
	struct xv_req req;
	struct xv_rsp rsp;

	memset(&req, 0, sizeof(req));
	req.op = XV_OP_PT_UPDATE;
	req.ctx = c->handle;
	req.u.pt_update.gpu_va = va;
	req.u.pt_update.length = len;
	return fe_request(c->h, &req, &rsp);
}

int xenvgpu_pt_resync(struct xenvgpu_ctx *c)
{
	struct xv_req req;
	struct xv_rsp rsp;

	if (!c)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.op = XV_OP_PT_RESYNC;
	req.ctx = c->handle;
	return fe_request(c->h, &req, &rsp);
}

static uint64_t leaf_flags(uint32_t flags)
{
	uint64_t f = 0;

	if (flags & XENVGPU_MAP_WRITE)
		f |= XV_PTE_W;
	if (flags & XENVGPU_MAP_NOSNOOP)
		f |= XV_PTE_NS;
	return f;
}

static int map_refs(struct xenvgpu_ctx *c, struct xenvgpu_buf *b, uint64_t va,
		    const uint32_t *refs, size_t n, uint32_t flags)
{
	struct fe_mapping *m = NULL;
	uint64_t len, done = 0;
	int rc;

	if (!c || !refs || !n || c->gone)
		return c && c->gone ? -XV_ERR_DEVICE_RESET : -EINVAL;
	if (flags & ~(XENVGPU_MAP_WRITE | XENVGPU_MAP_NOSNOOP))
		return -EINVAL;
	if (n > XV_GPU_VA_LIMIT / XV_PAGE_BYTES)
		return -EINVAL;
	len = (uint64_t)n * XV_PAGE_BYTES;
	if ((va & (XV_PAGE_BYTES - 1)) || !xv_pt_range_ok(va, len))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!refs[i])
			return -EINVAL;
		if (fe_pt_get(&c->pt, va + i * XV_PAGE_BYTES))
			return -EEXIST;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (done = 0; done < n; done++) {
		rc = fe_pt_set(&c->pt, va + done * XV_PAGE_BYTES,
			       xv_pte_guest_make(xv_gaddr_from_gref(refs[done]),
						 leaf_flags(flags)));
		if (rc)
			goto undo;
	}
	rc = pt_update(c, va, len);
	if (rc)
		goto undo;
	m->va = va;
	m->npages = n;
	m->buf = b;
	m->next = c->maps;
	c->maps = m;
	if (b)
		b->maps++;
	return 0;
undo:
	/*
	 * The entries go again. After a failed PT_UPDATE the backend may
	 * have shadowed some of them: tell it (best effort); a buffer whose
	 * removal is not confirmed never has its grants ended.
	 */
	for (uint64_t i = 0; i < done; i++)
		fe_pt_set(&c->pt, va + i * XV_PAGE_BYTES, 0);
	if (done && rc != -ENOMEM && pt_update(c, va, len) && b)
		b->stuck = true;
	free(m);
	return rc;
}

int xenvgpu_map(struct xenvgpu_ctx *c, struct xenvgpu_buf *b, uint64_t gpu_va,
		uint32_t flags)
{
	if (!c || !b || b->h != c->h)
		return -EINVAL;
	return map_refs(c, b, gpu_va, b->pool.ref, b->pool.npages, flags);
}

int xenvgpu_map_grefs(struct xenvgpu_ctx *c, uint64_t gpu_va,
		      const uint32_t *grefs, size_t n, uint32_t flags)
{
	return map_refs(c, NULL, gpu_va, grefs, n, flags);
}

int xenvgpu_unmap(struct xenvgpu_ctx *c, uint64_t gpu_va)
{
	struct fe_mapping **pp, *m;
	int rc;

	if (!c)
		return -EINVAL;
	for (pp = &c->maps; *pp && (*pp)->va != gpu_va; pp = &(*pp)->next)
		;
	m = *pp;
	if (!m)
		return -ENOENT;
	for (uint64_t i = 0; i < m->npages; i++)
		fe_pt_set(&c->pt, m->va + i * XV_PAGE_BYTES, 0);
	*pp = m->next;
	rc = c->gone ? 0 : pt_update(c, m->va, m->npages * XV_PAGE_BYTES);
	/*
	 * A device reset dropped every shadow: the pages are out of reach.
	 * Any other failure: the backend may still reach them.
	 */
	if (rc == -XV_ERR_DEVICE_RESET)
		rc = 0;
	if (m->buf) {
		m->buf->maps--;
		if (rc)
			m->buf->stuck = true;
	}
	free(m);
	return rc;
}

void fe_ctx_drop_mappings(struct xenvgpu_ctx *c, bool confirmed)
{
	struct fe_mapping *m;

	while ((m = c->maps) != NULL) {
		c->maps = m->next;
		if (m->buf) {
			m->buf->maps--;
			if (!confirmed)
				m->buf->stuck = true;
		}
		free(m);
	}
}
