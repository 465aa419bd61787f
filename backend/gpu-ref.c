/*
 * gpu-ref.c — the software reference GPU (see gpu-ref.h for the model).
 *
 * Trusts: its caller for the PASID/IOMMU binding and the shadow root; the
 * IOMMU model for translations. Trusts nothing in a command buffer: it is
 * copied and scanned on submit, and the engine decodes it again from that
 * private copy. Every guest VA goes through the shadow walk and the IOMMU
 * before a byte is touched, one page at a time.
 *
 * Locks, outermost first:
 *   g->lock  the scheduler, every context's queue state (error, running,
 *            fences), the context list, stop; engines sleep on g->work,
 *            waiters on g->idle.
 *   c->mmu   a context's GPU TLB and write-back cache, and every page
 *            access of that context (so invalidation drains them).
 * Engines never hold g->lock while they touch memory or call back.
 * Statistics are atomics.
 *
 * Bit-exactness: SAXPY and MATMUL use the operation order that
 * tests/lib/cpu-ref.c uses (see common/cmd.h), in f32, unfused.
 */
#include "gpu-ref.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "pt.h"
#include "gpu-sched.h"

#define PAGE	  XV_PAGE_SIZE
#define LINE	  64u
#define SAXPY_BLK 1024u

struct ref_gpu;

struct ref_vgpu {
	struct xv_gpu_vgpu base;
	struct ref_gpu *g;
	struct xv_sched_entity *ent;
	unsigned int nctx; /* g->lock */
};

struct tlb_entry {
	uint64_t vpage;
	xv_iova_t iova; /* page */
	uint64_t flags;
	bool valid;
};

struct wb_page {
	uint8_t *host;	/* NULL: free slot */
	uint64_t dirty; /* one bit per 64-octet line */
	uint64_t age;
	uint8_t data[XV_PAGE_SIZE];
};

struct ref_ctx {
	struct xv_gpu_ctx base;
	struct ref_gpu *g;
	struct ref_vgpu *v;
	uint32_t pasid;
	xv_iova_t root;
	bool nosnoop;
	void *priv;
	int abort; /* atomic: stop the running submission */

	pthread_mutex_t mmu; /* guards the TLB, the WB cache, page accesses */
	struct tlb_entry tlb[XV_GPU_REF_TLB_ENTRIES];
	struct tlb_entry tlb_huge[XV_GPU_REF_TLB_HUGE]; /* 2 MiB leaves */
	struct wb_page *wb; /* XV_GPU_REF_WB_PAGES, nosnoop only */
	uint64_t wb_clock;

	/* g->lock */
	struct ref_ctx *next;
	struct xv_sched_queue *q;
	bool error, running;
	uint64_t last_fence, done_fence;

	struct xv_gpu_stats st; /* atomics */
};

struct sub {
	struct xv_sched_item item; /* first */
	struct ref_ctx *c;
	uint64_t fence;
	uint64_t work; /* from the scan */
	size_t bytes;
	uint8_t cmds[];
};

struct engine {
	struct ref_gpu *g;
	pthread_t th;
	bool started;
	uint32_t cls;
	/* compute scratch: B whole, a row of A and of C */
	float *bmat, *arow, *crow;
	float xb[SAXPY_BLK], yb[SAXPY_BLK];
	uint8_t bounce[XV_PAGE_SIZE];
	uint8_t pat[XV_PAGE_SIZE];
};

struct ref_gpu {
	struct xv_gpu base;
	struct xv_gpu_ref_config cfg;
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	struct xv_sched *sched;
	struct engine eng[XV_GPU_REF_MAX_ENGINES];
	unsigned int neng;
	struct ref_ctx *ctxs;
	bool stop;
	int drop_inval; /* atomic */
	uint64_t t0;
	struct xv_gpu_stats st; /* atomics */
};

static const struct xv_gpu_ops ref_ops;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void stat_add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

/* Count on the context and the device at once. */
#define STAT(c, field, v)                         \
	do {                                      \
		stat_add(&(c)->st.field, (v));    \
		stat_add(&(c)->g->st.field, (v)); \
	} while (0)

static void stats_copy(const struct xv_gpu_stats *from, struct xv_gpu_stats *to)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;

	for (size_t i = 0; i < sizeof(*to) / sizeof(uint64_t); i++)
		t[i] = __atomic_load_n(&f[i], __ATOMIC_RELAXED);
}

/* ---- translation ------------------------------------------------------------ */

static const uint64_t *table_fn(void *arg, xv_iova_t iova, unsigned int level)
{
	struct ref_ctx *c = arg;
	const struct xv_iommu *io = &c->g->cfg.iommu;
	void *page = NULL;

	(void)level;
	if (io->ops->translate(io->impl, c->pasid, iova, XV_IOMMU_READ, &page))
		return NULL;
	return page;
}

static void set_fault(struct xv_gpu_fault *f, uint64_t va, bool write,
		      uint8_t reason, int detail)
{
	f->gpu_va = va;
	f->access = write ? XV_FAULT_ACCESS_WRITE : XV_FAULT_ACCESS_READ;
	f->reason = reason;
	f->detail = detail;
}

static uint8_t walk_reason(enum xv_pt_fault pf)
{
	switch (pf) {
	case XV_PT_FAULT_READ_ONLY:
		return XV_FAULT_PROTECTION;
	case XV_PT_FAULT_BAD_ENTRY:
	case XV_PT_FAULT_BAD_TABLE:
		return XV_FAULT_BAD_ADDRESS;
	default:
		return XV_FAULT_NOT_PRESENT;
	}
}

/* Direct-mapped, hashed so that buffers 2^n pages apart do not collide. */
static unsigned int tlb_slot(uint64_t vpage)
{
	return (unsigned int)((vpage * 0x9e3779b97f4a7c15ull) >> 58) %
	       XV_GPU_REF_TLB_ENTRIES;
}

/*
 * The host page holding va for a read or write: GPU TLB, else a shadow
 * walk; then the IOMMU. Called with c->mmu held; the page is usable until
 * it is released.
 */
static int translate(struct ref_ctx *c, uint64_t va, bool write, uint8_t **host,
		     struct xv_gpu_fault *f)
{
	const struct xv_iommu *io = &c->g->cfg.iommu;
	uint64_t vpage = va >> XV_PAGE_SHIFT;
	uint64_t hpage = va >> XV_PT_HUGE_SHIFT;
	struct tlb_entry *h =
	    &c->tlb_huge[(unsigned int)((hpage * 0x9e3779b97f4a7c15ull) >> 61) %
			 XV_GPU_REF_TLB_HUGE];
	struct tlb_entry *t = &c->tlb[tlb_slot(vpage)];
	struct xv_pt_walk_result r;
	xv_iova_t iova;
	void *page = NULL;
	int rc;

	if (h->valid && h->vpage == hpage &&
	    (!write || (h->flags & XV_PTE_W))) {
		STAT(c, tlb_hits, 1);
		iova = h->iova + (va & (XV_PT_HUGE_SIZE - 1) & XV_PAGE_MASK);
	} else if (t->valid && t->vpage == vpage &&
		   (!write || (t->flags & XV_PTE_W))) {
		STAT(c, tlb_hits, 1);
		iova = t->iova;
	} else {
		STAT(c, tlb_misses, 1);
		STAT(c, walks, 1);
		rc = xv_pt_walk(c->root, va & XV_PAGE_MASK,
				write ? XV_PT_WRITE : XV_PT_READ, table_fn, c,
				&r);
		if (rc) {
			set_fault(f, va, write, walk_reason(r.fault),
				  (int)r.fault);
			return -EFAULT;
		}
		iova = r.iova & XV_PAGE_MASK;
		/* A 2 MiB shadow leaf fills one entry for all of it. */
		if (r.page_size == XV_PT_HUGE_SIZE)
			t = h;
		t->vpage = r.page_size == XV_PT_HUGE_SIZE ? hpage : vpage;
		t->iova = r.page;
		t->flags = r.flags;
		t->valid = true;
	}
	rc = io->ops->translate(io->impl, c->pasid, iova,
				write ? XV_IOMMU_WRITE : XV_IOMMU_READ, &page);
	if (rc) {
		set_fault(f, va, write,
			  rc == XV_IOMMU_FAULT_PERMISSION
			      ? XV_FAULT_PROTECTION
			      : XV_FAULT_BAD_ADDRESS,
			  rc);
		return -EFAULT;
	}
	*host = page;
	return 0;
}

static void access_hook(struct ref_ctx *c, uint64_t va, bool write)
{
	const struct xv_gpu_ref_config *cfg = &c->g->cfg;

	if (cfg->access_hook)
		cfg->access_hook(cfg->hook_arg, c->priv, va, write);
}

/* ---- the no-snoop write-back cache (c->mmu held) ---------------------------- */

static struct wb_page *wb_find(struct ref_ctx *c, const uint8_t *host)
{
	for (unsigned int i = 0; i < XV_GPU_REF_WB_PAGES; i++)
		if (c->wb[i].host == host)
			return &c->wb[i];
	return NULL;
}

static void wb_writeback(struct ref_ctx *c, struct wb_page *w)
{
	uint64_t lines = 0;

	for (unsigned int l = 0; l < PAGE / LINE; l++)
		if (w->dirty & (1ull << l)) {
			memcpy(w->host + l * LINE, w->data + l * LINE, LINE);
			lines++;
		}
	if (lines)
		STAT(c, wb_writebacks, lines);
	w->host = NULL;
	w->dirty = 0;
}

static void wb_writeback_all(struct ref_ctx *c)
{
	if (!c->wb)
		return;
	for (unsigned int i = 0; i < XV_GPU_REF_WB_PAGES; i++)
		if (c->wb[i].host)
			wb_writeback(c, &c->wb[i]);
}

static void wb_discard_all(struct ref_ctx *c)
{
	if (!c->wb)
		return;
	for (unsigned int i = 0; i < XV_GPU_REF_WB_PAGES; i++) {
		c->wb[i].host = NULL;
		c->wb[i].dirty = 0;
	}
}

/* A line of the page, read-allocated on first write (the oldest evicted). */
static struct wb_page *wb_get(struct ref_ctx *c, uint8_t *host)
{
	struct wb_page *w = wb_find(c, host), *old = NULL;

	if (w)
		goto out;
	for (unsigned int i = 0; i < XV_GPU_REF_WB_PAGES; i++) {
		if (!c->wb[i].host) {
			w = &c->wb[i];
			break;
		}
		if (!old || c->wb[i].age < old->age)
			old = &c->wb[i];
	}
	if (!w) {
		wb_writeback(c, old);
		w = old;
	}
	memcpy(w->data, host, PAGE);
	w->host = host;
	w->dirty = 0;
out:
	w->age = ++c->wb_clock;
	return w;
}

static void page_read(struct ref_ctx *c, const uint8_t *host, size_t off,
		      void *dst, size_t len)
{
	struct wb_page *w = c->wb ? wb_find(c, host) : NULL;

	memcpy(dst, (w ? w->data : host) + off, len);
}

static void page_write(struct ref_ctx *c, uint8_t *host, size_t off,
		       const void *src, size_t len)
{
	struct wb_page *w;

	if (!c->nosnoop) {
		memcpy(host + off, src, len);
		return;
	}
	w = wb_get(c, host);
	memcpy(w->data + off, src, len);
	for (size_t l = off / LINE; l <= (off + len - 1) / LINE; l++)
		w->dirty |= 1ull << l;
}

/* ---- page-by-page access ---------------------------------------------------- */

static bool aborted(struct ref_ctx *c)
{
	return __atomic_load_n(&c->abort, __ATOMIC_ACQUIRE) != 0;
}

static size_t page_left(uint64_t va)
{
	return PAGE - (size_t)(va & (PAGE - 1));
}

/*
 * Copy len bytes between GPU VA va and dst (a read) or src (write), one
 * page a time under the MMU lock, so an unmap between pages is seen.
 */
static int gpu_access(struct ref_ctx *c, uint64_t va, bool write, uint8_t *dst,
		      const uint8_t *src, size_t len, struct xv_gpu_fault *f)
{
	uint8_t *host;
	int rc = 0;

	while (len) {
		size_t n = len < page_left(va) ? len : page_left(va);

		if (aborted(c))
			return -ECANCELED;
		pthread_mutex_lock(&c->mmu);
		rc = translate(c, va, write, &host, f);
		if (!rc) {
			access_hook(c, va, write);
			if (write)
				page_write(c, host, va & (PAGE - 1), src, n);
			else
				page_read(c, host, va & (PAGE - 1), dst, n);
		}
		pthread_mutex_unlock(&c->mmu);
		if (rc)
			return rc;
		if (write) {
			STAT(c, bytes_written, n);
			src += n;
		} else {
			STAT(c, bytes_read, n);
			dst += n;
		}
		va += n;
		len -= n;
	}
	return 0;
}

static int gpu_read(struct ref_ctx *c, uint64_t va, void *dst, size_t len,
		    struct xv_gpu_fault *f)
{
	return gpu_access(c, va, false, dst, NULL, len, f);
}

static int gpu_write(struct ref_ctx *c, uint64_t va, const void *src,
		     size_t len, struct xv_gpu_fault *f)
{
	return gpu_access(c, va, true, NULL, src, len, f);
}

/* ---- commands --------------------------------------------------------------- */

static int run_fill(struct engine *en, struct ref_ctx *c,
		    const struct xv_cmd_fill *cmd, struct xv_gpu_fault *f)
{
	uint8_t le[4] = {(uint8_t)cmd->pattern, (uint8_t)(cmd->pattern >> 8),
			 (uint8_t)(cmd->pattern >> 16),
			 (uint8_t)(cmd->pattern >> 24)};
	uint64_t va = cmd->va, left = cmd->bytes;
	int rc = 0;

	for (size_t i = 0; i < PAGE; i += 4)
		memcpy(en->pat + i, le, 4);
	/* va is 4-aligned, so the page offset keeps the pattern's phase. */
	while (left && !rc) {
		size_t n = left < page_left(va) ? left : page_left(va);

		rc = gpu_write(c, va, en->pat + (va & (PAGE - 1)), n, f);
		va += n;
		left -= n;
	}
	return rc;
}

static int run_copy(struct engine *en, struct ref_ctx *c,
		    const struct xv_cmd_copy *cmd, struct xv_gpu_fault *f)
{
	uint64_t src = cmd->src, dst = cmd->dst, left = cmd->bytes;
	uint8_t *hs, *hd;
	int rc = 0;

	while (left) {
		size_t n = left < page_left(src) ? left : page_left(src);

		if (n > page_left(dst))
			n = page_left(dst);
		if (c->nosnoop) {
			/* Through the write-back cache: read, then write. */
			rc = gpu_read(c, src, en->bounce, n, f);
			if (!rc)
				rc = gpu_write(c, dst, en->bounce, n, f);
			if (rc)
				return rc;
		} else {
			if (aborted(c))
				return -ECANCELED;
			pthread_mutex_lock(&c->mmu);
			rc = translate(c, src, false, &hs, f);
			if (!rc)
				rc = translate(c, dst, true, &hd, f);
			if (!rc) {
				access_hook(c, src, false);
				access_hook(c, dst, true);
				memmove(hd + (dst & (PAGE - 1)),
					hs + (src & (PAGE - 1)), n);
			}
			pthread_mutex_unlock(&c->mmu);
			if (rc)
				return rc;
			STAT(c, bytes_read, n);
			STAT(c, bytes_written, n);
		}
		src += n;
		dst += n;
		left -= n;
	}
	return 0;
}

/* restrict locals: the compiler may vectorise over j (not over p). */
static void saxpy_block(float *restrict y, const float *restrict x, size_t n,
			float a)
{
	for (size_t j = 0; j < n; j++) {
		float t = a * x[j]; /* rounded, then added */

		y[j] = t + y[j];
	}
}

/*
 * One row of C: each C[i][j] accumulates p = 0..k-1 in order, the
 * product rounded first: per element, the order of xv_ref_matmul.
 */
static void matmul_row(float *restrict crow, const float *restrict arow,
		       const float *restrict bmat, size_t n, size_t k)
{
	for (size_t j = 0; j < n; j++)
		crow[j] = 0.0f;
	for (size_t p = 0; p < k; p++) {
		const float aip = arow[p];
		const float *restrict brow = bmat + p * n;

		for (size_t j = 0; j < n; j++) {
			float prod = aip * brow[j];

			crow[j] = crow[j] + prod;
		}
	}
}

static int run_saxpy(struct engine *en, struct ref_ctx *c,
		     const struct xv_cmd_saxpy *cmd, struct xv_gpu_fault *f)
{
	const float a = xv_cmd_f32(cmd->a_bits);
	int rc;

	for (uint64_t i = 0; i < cmd->n; i += SAXPY_BLK) {
		size_t n = cmd->n - i < SAXPY_BLK ? cmd->n - i : SAXPY_BLK;

		rc = gpu_read(c, cmd->x + 4 * i, en->xb, 4 * n, f);
		if (!rc)
			rc = gpu_read(c, cmd->y + 4 * i, en->yb, 4 * n, f);
		if (rc)
			return rc;
		saxpy_block(en->yb, en->xb, n, a);
		rc = gpu_write(c, cmd->y + 4 * i, en->yb, 4 * n, f);
		if (rc)
			return rc;
		STAT(c, flops, 2 * n);
	}
	return 0;
}

static int run_matmul(struct engine *en, struct ref_ctx *c,
		      const struct xv_cmd_matmul *cmd, struct xv_gpu_fault *f)
{
	const size_t m = cmd->m, n = cmd->n, k = cmd->k;
	int rc;

	/* B whole into engine memory, then C row by row. */
	rc = gpu_read(c, cmd->b, en->bmat, 4 * k * n, f);
	if (rc)
		return rc;
	for (size_t i = 0; i < m; i++) {
		rc = gpu_read(c, cmd->a + 4 * i * k, en->arow, 4 * k, f);
		if (rc)
			return rc;
		matmul_row(en->crow, en->arow, en->bmat, n, k);
		rc = gpu_write(c, cmd->c + 4 * i * n, en->crow, 4 * n, f);
		if (rc)
			return rc;
		STAT(c, flops, 2 * n * k);
	}
	return 0;
}

static int run_cmd(struct engine *en, struct ref_ctx *c,
		   const union xv_cmd *cmd, struct xv_gpu_fault *f)
{
	uint64_t v;

	switch (cmd->hdr.opcode) {
	case XV_CMD_OP_NOP:
		return 0;
	case XV_CMD_OP_FILL:
		return run_fill(en, c, &cmd->fill, f);
	case XV_CMD_OP_COPY:
		return run_copy(en, c, &cmd->copy, f);
	case XV_CMD_OP_SAXPY:
		return run_saxpy(en, c, &cmd->saxpy, f);
	case XV_CMD_OP_MATMUL:
		return run_matmul(en, c, &cmd->matmul, f);
	case XV_CMD_OP_FENCE_WRITE:
		v = cmd->fence_write.value;
		return gpu_write(c, cmd->fence_write.va, &v, 8, f);
	case XV_CMD_OP_TIMESTAMP:
		v = now_ns() - c->g->t0;
		return gpu_write(c, cmd->timestamp.va, &v, 8, f);
	case XV_CMD_OP_FLUSH:
		pthread_mutex_lock(&c->mmu);
		wb_writeback_all(c);
		pthread_mutex_unlock(&c->mmu);
		return 0;
	default:
		/* The scanner let nothing else through; refuse anyway. */
		return -EINVAL;
	}
}

static void hook(struct ref_ctx *c, uint32_t index, uint16_t opcode)
{
	const struct xv_gpu_ref_config *cfg = &c->g->cfg;

	if (cfg->cmd_hook)
		cfg->cmd_hook(cfg->hook_arg, c->priv, index, opcode);
}

/* 0, -EFAULT (f filled), -ECANCELED, -EINVAL (cannot decode: a bug). */
static int run_sub(struct engine *en, struct sub *s, struct xv_gpu_fault *f)
{
	struct ref_ctx *c = s->c;
	size_t off = 0, size;
	uint32_t index = 0;
	union xv_cmd cmd;
	int rc;

	while (off < s->bytes) {
		if (aborted(c))
			return -ECANCELED;
		rc = xv_cmd_decode(s->cmds, s->bytes, off, &cmd, &size);
		if (rc)
			return -EINVAL;
		if (xv_cmd_is_compute(cmd.hdr.opcode) &&
		    !(en->cls & XV_SCHED_ENGINE_COMPUTE))
			return -EINVAL;
		rc = run_cmd(en, c, &cmd, f);
		if (rc)
			return rc;
		STAT(c, commands, 1);
		hook(c, index++, cmd.hdr.opcode);
		off += size;
	}
	hook(c, index, XV_CMD_OP_INVALID);
	/* Everything the submission wrote is in memory before its fence. */
	pthread_mutex_lock(&c->mmu);
	wb_writeback_all(c);
	pthread_mutex_unlock(&c->mmu);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

static void free_list(struct xv_sched_item *it)
{
	while (it) {
		struct xv_sched_item *next = it->next;

		free(it); /* the item is the first member of struct sub */
		it = next;
	}
}

static void *engine_main(void *arg)
{
	struct engine *en = arg;
	struct ref_gpu *g = en->g;
	const struct xv_gpu_events *ev = &g->cfg.events;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		struct xv_sched_item *it = NULL, *dropped = NULL;
		struct xv_gpu_fault f;
		struct ref_ctx *c;
		struct sub *s;
		uint64_t t0, busy;
		int rc;

		while (!g->stop && !(it = xv_sched_next(g->sched, en->cls)))
			pthread_cond_wait(&g->work, &g->lock);
		if (g->stop) {
			if (it)
				xv_sched_complete(g->sched, it, 0);
			break;
		}
		s = (struct sub *)it;
		c = s->c;
		c->running = true;
		pthread_mutex_unlock(&g->lock);

		memset(&f, 0, sizeof(f));
		t0 = now_ns();
		rc = run_sub(en, s, &f);
		busy = now_ns() - t0;
		STAT(c, busy_ns, busy);
		if (rc == 0) {
			if (ev->fence_done)
				ev->fence_done(ev->arg, c->priv, s->fence);
		} else if (rc == -EFAULT || rc == -EINVAL) {
			/* The context goes into error before anyone hears. */
			pthread_mutex_lock(&g->lock);
			c->error = true;
			dropped = xv_sched_queue_cancel(c->q);
			pthread_mutex_unlock(&g->lock);
			/* Non-coherent data of the failed work is lost. */
			pthread_mutex_lock(&c->mmu);
			wb_discard_all(c);
			pthread_mutex_unlock(&c->mmu);
			if (rc == -EINVAL)
				set_fault(&f, 0, false, XV_FAULT_BAD_ADDRESS,
					  -EINVAL);
			f.fence = s->fence;
			STAT(c, faulted, 1);
			if (ev->fault)
				ev->fault(ev->arg, c->priv, &f);
		}

		pthread_mutex_lock(&g->lock);
		xv_sched_complete(g->sched, it,
				  g->cfg.charge_work ? s->work : busy);
		if (rc == 0) {
			c->done_fence = s->fence;
			STAT(c, completed, 1);
		} else if (rc == -ECANCELED) {
			STAT(c, cancelled, 1);
		}
		c->running = false;
		pthread_cond_broadcast(&g->idle);
		/* Its queue is free again: another engine may want it. */
		pthread_cond_broadcast(&g->work);
		free(s);
		if (dropped) {
			pthread_mutex_unlock(&g->lock);
			for (struct xv_sched_item *d = dropped; d; d = d->next)
				STAT(c, cancelled, 1);
			free_list(dropped);
			pthread_mutex_lock(&g->lock);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* ---- the interface ---------------------------------------------------------- */

static void ref_free(struct xv_gpu *base)
{
	struct ref_gpu *g = (struct ref_gpu *)base;

	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_broadcast(&g->work);
	pthread_mutex_unlock(&g->lock);
	for (unsigned int i = 0; i < g->neng; i++) {
		if (g->eng[i].started)
			pthread_join(g->eng[i].th, NULL);
		free(g->eng[i].bmat);
		free(g->eng[i].arow);
		free(g->eng[i].crow);
	}
	xv_sched_free(g->sched);
	pthread_cond_destroy(&g->work);
	pthread_cond_destroy(&g->idle);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static int ref_vgpu_new(struct xv_gpu *base,
			const struct xv_gpu_vgpu_config *cfg,
			struct xv_gpu_vgpu **out)
{
	struct ref_gpu *g = (struct ref_gpu *)base;
	struct ref_vgpu *v;
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->base.gpu = base;
	v->g = g;
	pthread_mutex_lock(&g->lock);
	rc = xv_sched_entity_new(g->sched, cfg->weight, cfg->max_queued_bytes,
				 &v->ent);
	pthread_mutex_unlock(&g->lock);
	if (rc) {
		free(v);
		return rc;
	}
	*out = &v->base;
	return 0;
}

static int ref_vgpu_free(struct xv_gpu_vgpu *base)
{
	struct ref_vgpu *v = (struct ref_vgpu *)base;
	struct ref_gpu *g = v->g;
	int rc;

	pthread_mutex_lock(&g->lock);
	rc = v->nctx ? -EBUSY : xv_sched_entity_free(v->ent);
	pthread_mutex_unlock(&g->lock);
	if (!rc)
		free(v);
	return rc;
}

static void ref_vgpu_get_stats(struct xv_gpu_vgpu *base,
			       struct xv_gpu_vgpu_stats *out)
{
	struct ref_vgpu *v = (struct ref_vgpu *)base;
	struct xv_sched_entity_stats st;

	pthread_mutex_lock(&v->g->lock);
	xv_sched_entity_get_stats(v->ent, &st);
	pthread_mutex_unlock(&v->g->lock);
	out->charged = st.charged;
	out->completed = st.items;
	out->queued_bytes = st.queued_bytes;
	out->rejected = st.rejected;
}

static int ref_ctx_new(struct xv_gpu *base, const struct xv_gpu_ctx_config *cfg,
		       struct xv_gpu_ctx **out)
{
	struct ref_gpu *g = (struct ref_gpu *)base;
	struct ref_ctx *c = NULL;
	int rc;

	if (!cfg->vgpu || cfg->vgpu->gpu != base || cfg->pasid == 0 ||
	    cfg->pasid >> XV_IOMMU_PASID_BITS ||
	    (cfg->shadow_root & ~XV_PAGE_MASK)) {
		rc = -EINVAL;
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = -ENOMEM;
		goto out;
	}
	if (cfg->nosnoop) {
		c->wb = calloc(XV_GPU_REF_WB_PAGES, sizeof(*c->wb));
		if (!c->wb) {
			rc = -ENOMEM;
			goto out;
		}
	}
	c->base.gpu = base;
	c->g = g;
	c->v = (struct ref_vgpu *)cfg->vgpu;
	c->pasid = cfg->pasid;
	c->root = cfg->shadow_root;
	c->nosnoop = cfg->nosnoop;
	c->priv = cfg->priv;
	pthread_mutex_init(&c->mmu, NULL);
	pthread_mutex_lock(&g->lock);
	rc = xv_sched_queue_new(c->v->ent, &c->q);
	if (!rc) {
		c->v->nctx++;
		c->next = g->ctxs;
		g->ctxs = c;
	}
	pthread_mutex_unlock(&g->lock);
	if (rc) {
		pthread_mutex_destroy(&c->mmu);
		goto out;
	}
	*out = &c->base;
	c = NULL;
out:
	if (c)
		free(c->wb);
	free(c);
	return rc;
}

/* g->lock held: stop c's work and wait until no engine runs it. */
static struct xv_sched_item *ctx_stop(struct ref_gpu *g, struct ref_ctx *c)
{
	struct xv_sched_item *dropped;

	__atomic_store_n(&c->abort, 1, __ATOMIC_RELEASE);
	c->error = true;
	dropped = xv_sched_queue_cancel(c->q);
	while (c->running)
		pthread_cond_wait(&g->idle, &g->lock);
	pthread_cond_broadcast(&g->idle); /* ctx_wait callers: error now */
	return dropped;
}

static void ref_ctx_free(struct xv_gpu_ctx *base)
{
	struct ref_ctx *c = (struct ref_ctx *)base;
	struct ref_gpu *g = c->g;
	struct xv_sched_item *dropped;

	pthread_mutex_lock(&g->lock);
	dropped = ctx_stop(g, c);
	xv_sched_queue_free(c->q);
	c->v->nctx--;
	for (struct ref_ctx **p = &g->ctxs; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	pthread_mutex_unlock(&g->lock);
	free_list(dropped);
	pthread_mutex_destroy(&c->mmu);
	free(c->wb);
	free(c);
}

static int ref_submit(struct xv_gpu_ctx *base, const void *cmds, size_t bytes,
		      uint64_t fence)
{
	struct ref_ctx *c = (struct ref_ctx *)base;
	struct ref_gpu *g = c->g;
	struct xv_cmd_scan scan;
	struct sub *s = NULL;
	int rc;

	if (!cmds || !bytes) {
		rc = -XV_ERR_SUBMIT_EMPTY;
		goto out;
	}
	s = malloc(sizeof(*s) + bytes);
	if (!s) {
		rc = -ENOMEM;
		goto out;
	}
	/* Scan our own copy: what runs is exactly what was checked. */
	memcpy(s->cmds, cmds, bytes);
	rc = xv_cmd_scan(s->cmds, bytes, &scan);
	if (rc)
		goto out;
	memset(&s->item, 0, sizeof(s->item));
	s->item.bytes = bytes;
	s->item.engines = scan.compute
			      ? XV_SCHED_ENGINE_COMPUTE
			      : XV_SCHED_ENGINE_COPY | XV_SCHED_ENGINE_COMPUTE;
	s->c = c;
	s->fence = fence;
	s->work = scan.work ? scan.work : 1;
	s->bytes = bytes;

	pthread_mutex_lock(&g->lock);
	if (c->error)
		rc = -EPIPE;
	else if (fence <= c->last_fence)
		rc = -XV_ERR_FENCE_ORDER;
	else if (xv_sched_push(c->q, &s->item))
		rc = -XV_ERR_QUEUE_FULL;
	if (!rc) {
		c->last_fence = fence;
		pthread_cond_broadcast(&g->work);
	}
	pthread_mutex_unlock(&g->lock);
	if (!rc) {
		STAT(c, submitted, 1);
		s = NULL;
	}
out:
	if (rc && rc != -ENOMEM) {
		STAT(c, rejected, 1);
	}
	free(s);
	return rc;
}

static void ref_tlb_invalidate(struct xv_gpu_ctx *base, uint64_t va,
			       uint64_t len)
{
	struct ref_ctx *c = (struct ref_ctx *)base;
	uint64_t first = va >> XV_PAGE_SHIFT;
	uint64_t last = len ? (va + len - 1) >> XV_PAGE_SHIFT : first;

	/* Taking the lock waits for the page access in flight, if any. */
	pthread_mutex_lock(&c->mmu);
	STAT(c, tlb_invalidations, 1);
	if (!__atomic_load_n(&c->g->drop_inval, __ATOMIC_RELAXED))
		for (unsigned int i = 0; i < XV_GPU_REF_TLB_ENTRIES; i++) {
			struct tlb_entry *t = &c->tlb[i];

			if (t->valid && t->vpage >= first && t->vpage <= last)
				t->valid = false;
		}
	if (!__atomic_load_n(&c->g->drop_inval, __ATOMIC_RELAXED))
		for (unsigned int i = 0; i < XV_GPU_REF_TLB_HUGE; i++) {
			struct tlb_entry *t = &c->tlb_huge[i];
			uint64_t hf = first >> 9, hl = last >> 9;

			if (t->valid && t->vpage >= hf && t->vpage <= hl)
				t->valid = false;
		}
	/* Pages may be released after this: their lines go home first. */
	wb_writeback_all(c);
	pthread_mutex_unlock(&c->mmu);
}

static int ref_ctx_wait(struct xv_gpu_ctx *base, uint64_t fence)
{
	struct ref_ctx *c = (struct ref_ctx *)base;
	struct ref_gpu *g = c->g;
	int rc;

	pthread_mutex_lock(&g->lock);
	while (c->done_fence < fence && !c->error)
		pthread_cond_wait(&g->idle, &g->lock);
	rc = c->done_fence >= fence ? 0 : -EPIPE;
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static int ref_reset(struct xv_gpu *base)
{
	struct ref_gpu *g = (struct ref_gpu *)base;
	struct xv_sched_item *all = NULL;

	pthread_mutex_lock(&g->lock);
	for (struct ref_ctx *c = g->ctxs; c; c = c->next) {
		struct xv_sched_item *d = ctx_stop(g, c), *tail = d;

		while (tail && tail->next)
			tail = tail->next;
		if (tail) {
			tail->next = all;
			all = d;
		}
		pthread_mutex_lock(&c->mmu);
		wb_discard_all(c);
		memset(c->tlb, 0, sizeof(c->tlb));
		memset(c->tlb_huge, 0, sizeof(c->tlb_huge));
		pthread_mutex_unlock(&c->mmu);
	}
	pthread_mutex_unlock(&g->lock);
	free_list(all);
	return 0;
}

static void ref_get_stats(struct xv_gpu *base, struct xv_gpu_stats *out)
{
	stats_copy(&((struct ref_gpu *)base)->st, out);
}

static void ref_ctx_get_stats(struct xv_gpu_ctx *base, struct xv_gpu_stats *out)
{
	stats_copy(&((struct ref_ctx *)base)->st, out);
}

static const struct xv_gpu_ops ref_ops = {
    .free = ref_free,
    .vgpu_new = ref_vgpu_new,
    .vgpu_free = ref_vgpu_free,
    .vgpu_get_stats = ref_vgpu_get_stats,
    .ctx_new = ref_ctx_new,
    .ctx_free = ref_ctx_free,
    .submit = ref_submit,
    .tlb_invalidate = ref_tlb_invalidate,
    .ctx_wait = ref_ctx_wait,
    .reset = ref_reset,
    .get_stats = ref_get_stats,
    .ctx_get_stats = ref_ctx_get_stats,
};

int xv_gpu_ref_new(const struct xv_gpu_ref_config *cfg, struct xv_gpu **out)
{
	struct ref_gpu *g;
	unsigned int ncopy, ncomp;
	const size_t dim = XV_CMD_MATMUL_MAX_DIM;
	int rc = 0;

	if (!cfg || !cfg->iommu.ops || !cfg->iommu.ops->translate)
		return -EINVAL;
	ncopy = cfg->copy_engines ? cfg->copy_engines : 1;
	ncomp = cfg->compute_engines ? cfg->compute_engines : 1;
	if (ncopy + ncomp > XV_GPU_REF_MAX_ENGINES)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->base.ops = &ref_ops;
	g->cfg = *cfg;
	g->t0 = now_ns();
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->idle, NULL);
	rc = xv_sched_new(cfg->sched_period_ns, &g->sched);
	if (rc) {
		g->sched = NULL;
		goto out;
	}
	g->neng = ncopy + ncomp;
	for (unsigned int i = 0; i < g->neng; i++) {
		struct engine *en = &g->eng[i];

		en->g = g;
		if (i < ncopy) {
			en->cls = XV_SCHED_ENGINE_COPY;
		} else {
			en->cls = XV_SCHED_ENGINE_COMPUTE;
			en->bmat = malloc(dim * dim * sizeof(float));
			en->arow = malloc(dim * sizeof(float));
			en->crow = malloc(dim * sizeof(float));
			if (!en->bmat || !en->arow || !en->crow) {
				rc = -ENOMEM;
				goto out;
			}
		}
	}
	for (unsigned int i = 0; i < g->neng; i++) {
		if (pthread_create(&g->eng[i].th, NULL, engine_main,
				   &g->eng[i])) {
			rc = -EAGAIN;
			goto out;
		}
		g->eng[i].started = true;
	}
	*out = &g->base;
	g = NULL;
out:
	if (g)
		ref_free(&g->base);
	return rc;
}

void xv_gpu_ref_drop_invalidations(struct xv_gpu *base, bool drop)
{
	struct ref_gpu *g = (struct ref_gpu *)base;

	__atomic_store_n(&g->drop_inval, drop ? 1 : 0, __ATOMIC_RELAXED);
}
