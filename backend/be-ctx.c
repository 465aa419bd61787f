/*
 * be-ctx.c — the GPU path of a vGPU and its contexts (see be-ctx.h).
 *
 * Trusts its configuration (limits checked by the caller) and requests
 * the validator passed; every handle is range-checked again here. Guest
 * memory is only reached through the shadow engine and be-submit, which
 * copy before they look.
 */
#include "be-ctx.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "be-log.h"
#include "be-submit.h"
#include "gpu-ref.h"
#include "iommu-soft.h"
#include "iommu-tables.h"
#include "iova.h"
#include "proto.h"
#include "shadow.h"

/* IOMMU contexts of the process's device: one a vGPU. */
#define DEV_IOMMU_CTX 256u
/* Each vGPU's IOVA window in its own IOMMU context (64 GiB). */
#define VGPU_IOVA_BASE (1ull << 32)
#define VGPU_IOVA_SIZE (1ull << 36)

/* ---- the device, once per process ---------------------------------------- */

struct be_gpu_dev {
	unsigned int refs;
	struct xv_iommu_soft *soft;
	struct xv_iommu io;
	struct xv_gpu *gpu;
};

static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
/* Written by main() before any ring worker starts, read-only after. */
static bool pin_cache_keep_unused = true;

void be_gpu_set_pin_cache(bool keep_unused)
{
	pin_cache_keep_unused = keep_unused;
}
static struct be_gpu_dev *dev_single;

struct ctx_slot;
static void on_fence(void *arg, void *priv, uint64_t fence);
static void on_fault(void *arg, void *priv, const struct xv_gpu_fault *f);

static void dev_destroy(struct be_gpu_dev *d)
{
	xv_gpu_free(d->gpu);
	xv_iommu_soft_free(d->soft);
	free(d);
}

int be_gpu_dev_get(struct be_gpu_dev **out)
{
	struct xv_gpu_ref_config cfg = {0};
	struct be_gpu_dev *d = NULL;
	int rc = 0;

	pthread_mutex_lock(&dev_lock);
	if (dev_single) {
		dev_single->refs++;
		*out = dev_single;
		goto out;
	}
	rc = -ENOMEM;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto out;
	rc = xv_iommu_soft_new(DEV_IOMMU_CTX, &d->soft);
	if (rc)
		goto out;
	d->io = xv_iommu_soft_iommu(d->soft);
	cfg.iommu = d->io;
	cfg.events.fence_done = on_fence;
	cfg.events.fault = on_fault;
	rc = xv_gpu_ref_new(&cfg, &d->gpu);
	if (rc)
		goto out;
	d->refs = 1;
	dev_single = d;
	*out = d;
	d = NULL;
out:
	if (d)
		dev_destroy(d);
	pthread_mutex_unlock(&dev_lock);
	return rc;
}

void be_gpu_dev_put(struct be_gpu_dev *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&dev_lock);
	if (--d->refs == 0) {
		dev_single = NULL;
		dev_destroy(d);
	}
	pthread_mutex_unlock(&dev_lock);
}

/* ---- a vGPU -------------------------------------------------------------- */

struct ctx_slot {
	struct be_gpu *g; /* read-only after be_gpu_new */
	uint32_t handle;  /* read-only after be_gpu_new */
	bool live;
	bool root_set;
	uint32_t flags;
	uint32_t vpasid, ppasid;
	bool attached; /* ppasid attached to the IOMMU context */
	struct xv_shadow *sh;
	struct xv_gpu_ctx *gc;
};

/*
 * Owned by the ring worker. Engine threads reach only events (through a
 * slot's g and handle, both fixed). cnt is published with relaxed atomics.
 */
struct be_gpu {
	struct be_gpu_dev *dev;
	struct xv_limits limits;
	uint32_t features;
	uint32_t domid;
	struct xv_pasid_vgpu *pasids;

	xv_iommu_ctx_t ictx;
	bool have_ictx;
	struct xv_iova_space *iova;
	struct xv_iommu_tables tables; /* shadow tables: io, ictx, iova */
	struct xv_mapcache *mc;
	const struct xv_mapper_ops *mapper;
	void *mapper_ctx;
	void *scratch;
	xv_iova_t scratch_iova;
	bool scratch_mapped;
	struct xv_shadow_vgpu *svg;
	struct xv_gpu_vgpu *gv;
	struct be_events *events;
	struct ctx_slot *slot; /* [max_contexts], handle h at slot[h - 1] */

	struct be_gpu_counters cnt;
	uint64_t scratch_events_gone; /* of contexts already destroyed */
	struct be_log_limit log_limit;
};

static void on_fence(void *arg, void *priv, uint64_t fence)
{
	struct ctx_slot *s = priv;

	(void)arg;
	be_events_fence_done(s->g->events, s->handle, fence);
}

static void on_fault(void *arg, void *priv, const struct xv_gpu_fault *f)
{
	struct ctx_slot *s = priv;

	(void)arg;
	be_events_fault(s->g->events, s->handle, f);
}

/* The map cache's mapper: forwards to the one set, refuses before. */
static int fwd_map(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
		   unsigned int n, enum xv_pin_access access, void **pages)
{
	struct be_gpu *g = ctx;

	(void)domid; /* the cache's placeholder: the guest is g->domid */
	if (!g->mapper)
		return -EFAULT;
	return g->mapper->map_batch(g->mapper_ctx, g->domid, gaddr, n, access,
				    pages);
}

static void fwd_unmap(void *ctx, void *const *pages, unsigned int n)
{
	struct be_gpu *g = ctx;

	if (g->mapper)
		g->mapper->unmap_batch(g->mapper_ctx, pages, n);
}

static const struct xv_mapper_ops fwd_mapper = {fwd_map, fwd_unmap};

static void publish(struct be_gpu *g)
{
	struct xv_mapcache_stats ms;
	uint32_t live = 0, att = 0;
	uint64_t sc_entries = 0, sc_events = g->scratch_events_gone;

	for (uint32_t i = 0; i < g->limits.max_contexts; i++) {
		live += g->slot[i].live;
		att += g->slot[i].attached;
		if (g->slot[i].sh) {
			struct xv_shadow_stats st;

			xv_shadow_get_stats(g->slot[i].sh, &st);
			sc_entries += st.scratch_entries;
			sc_events += st.scratch_events;
		}
	}
	__atomic_store_n(&g->cnt.contexts, live, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cnt.pasids, att, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cnt.scratch_entries, sc_entries, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cnt.scratch_events, sc_events, __ATOMIC_RELAXED);
	if (g->svg)
		__atomic_store_n(&g->cnt.oos_pages,
				 xv_shadow_vgpu_oos_used(g->svg),
				 __ATOMIC_RELAXED);
	if (!g->mc)
		return;
	xv_mapcache_get_stats(g->mc, &ms);
	__atomic_store_n(&g->cnt.mapped_pages, ms.entries, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cnt.pinned_pages, ms.pinned, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cnt.map_calls, ms.mapper_calls, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cnt.unmap_calls, ms.mapper_unmap_calls,
			 __ATOMIC_RELAXED);
}

int be_gpu_new(const struct be_gpu_config *cfg, struct be_gpu **out)
{
	const struct xv_limits *l = cfg->limits;
	struct xv_mapcache_config mc = {0};
	struct xv_shadow_vgpu_config sc = {0};
	struct xv_gpu_vgpu_config gc = {0};
	struct xv_iommu_map m;
	struct be_gpu *g = NULL;
	const struct xv_iommu *io;
	int rc;

	*out = NULL;
	if (!cfg->dev || !cfg->pasids || l->max_contexts == 0 ||
	    l->max_pinned_pages == 0)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->dev = cfg->dev;
	io = &g->dev->io;
	g->limits = *l;
	g->features = cfg->features;
	g->pasids = cfg->pasids;
	rc = -ENOMEM;
	be_log_limit_init(&g->log_limit);
	g->slot = calloc(l->max_contexts, sizeof(*g->slot));
	if (!g->slot)
		goto out;
	for (uint32_t i = 0; i < l->max_contexts; i++) {
		g->slot[i].g = g;
		g->slot[i].handle = i + 1;
	}
	rc = be_events_new(l->max_contexts, &g->events);
	if (rc)
		goto out;
	rc = io->ops->ctx_alloc(io->impl, &g->ictx);
	if (rc)
		goto out;
	g->have_ictx = true;
	rc = xv_iova_space_new(VGPU_IOVA_BASE, VGPU_IOVA_SIZE, &g->iova);
	if (rc)
		goto out;
	mc.domid = 0; /* fwd_map names the guest set by be_gpu_set_mapper */
	mc.max_pages = l->max_pinned_pages;
	mc.mapper = &fwd_mapper;
	mc.mapper_ctx = g;
	mc.iommu = *io;
	mc.iommu_ctx = g->ictx;
	mc.iova_space = g->iova;
	rc = xv_mapcache_new(&mc, &g->mc);
	if (rc)
		goto out;
	/* The scratch page: zeroed, read-only to the device. */
	rc = -ENOMEM;
	g->scratch = aligned_alloc(XV_PAGE_SIZE, XV_PAGE_SIZE);
	if (!g->scratch)
		goto out;
	memset(g->scratch, 0, XV_PAGE_SIZE);
	rc = xv_iova_alloc(g->iova, 1, 0, &g->scratch_iova);
	if (rc)
		goto out;
	m.iova = g->scratch_iova;
	m.page = g->scratch;
	m.flags = XV_IOMMU_READ;
	rc = io->ops->map_batch(io->impl, g->ictx, &m, 1);
	if (rc)
		goto out;
	g->scratch_mapped = true;
	g->tables.io = *io;
	g->tables.ctx = g->ictx;
	g->tables.iova = g->iova;
	sc.table_ops = &xv_iommu_table_ops;
	sc.table_ctx = &g->tables;
	sc.scratch_iova = g->scratch_iova;
	sc.oos_pages = l->oos_pages;
	rc = xv_shadow_vgpu_new(&sc, &g->svg);
	if (rc)
		goto out;
	gc.weight = l->sched_weight;
	gc.max_queued_bytes = l->max_queued_bytes;
	rc = xv_gpu_vgpu_new(g->dev->gpu, &gc, &g->gv);
	if (rc)
		goto out;
	publish(g);
	*out = g;
	g = NULL;
out:
	be_gpu_free(g);
	return rc;
}

/* Reverse of create; works on a half-built slot. */
static void ctx_teardown(struct be_gpu *g, struct ctx_slot *s)
{
	const struct xv_iommu *io = &g->dev->io;

	/* no DMA and no callback for this context after this */
	xv_gpu_ctx_free(s->gc);
	s->gc = NULL;
	be_events_forget(g->events, s->handle);
	/* the shadow's pins go after its invalidations (none reach a device
	 * context any more) */
	if (s->sh) {
		struct xv_shadow_stats st;

		xv_shadow_get_stats(s->sh, &st);
		g->scratch_events_gone += st.scratch_events;
	}
	xv_shadow_free(s->sh);
	s->sh = NULL;
	if (s->attached) {
		io->ops->pasid_detach(io->impl, s->ppasid);
		s->attached = false;
	}
	if (s->vpasid)
		xv_pasid_free(g->pasids, s->vpasid);
	s->vpasid = s->ppasid = 0;
	s->live = false;
	s->root_set = false;
	s->flags = 0;
}

/* The bench baseline (be_gpu_set_pin_cache(false)): no persistent
 * mappings, so what a request pinned and let go is unmapped at once. */
static void drop_unused_if_uncached(struct be_gpu *g)
{
	if (!pin_cache_keep_unused)
		xv_mapcache_drop_unused(g->mc);
}

static void drop_unused_if_idle(struct be_gpu *g)
{
	for (uint32_t i = 0; i < g->limits.max_contexts; i++)
		if (g->slot[i].live)
			return;
	/* no context left: let go of every grant mapping of the guest */
	xv_mapcache_drop_unused(g->mc);
}

void be_gpu_destroy_all(struct be_gpu *g)
{
	for (uint32_t i = 0; i < g->limits.max_contexts; i++)
		if (g->slot[i].live)
			ctx_teardown(g, &g->slot[i]);
	xv_mapcache_drop_unused(g->mc);
	publish(g);
}

void be_gpu_free(struct be_gpu *g)
{
	const struct xv_iommu *io;

	if (!g)
		return;
	io = &g->dev->io;
	if (g->slot)
		for (uint32_t i = 0; i < g->limits.max_contexts; i++)
			if (g->slot[i].live)
				ctx_teardown(g, &g->slot[i]);
	xv_gpu_vgpu_free(g->gv);
	xv_shadow_vgpu_free(g->svg);
	/* every mapping of the guest: IOMMU unmap, flush, then grant unmap */
	xv_mapcache_free(g->mc);
	if (g->scratch_mapped) {
		io->ops->unmap_batch(io->impl, g->ictx, &g->scratch_iova, 1);
		io->ops->flush(io->impl, g->ictx, 0, 0);
	}
	if (g->have_ictx)
		io->ops->ctx_free(io->impl, g->ictx);
	xv_iova_space_free(g->iova);
	free(g->scratch);
	be_events_free(g->events);
	free(g->slot);
	free(g);
}

int be_gpu_set_mapper(struct be_gpu *g, uint32_t domid,
		      const struct xv_mapper_ops *ops, void *ctx)
{
	struct xv_mapcache_stats ms;

	xv_mapcache_get_stats(g->mc, &ms);
	if (ms.entries)
		return -EBUSY;
	g->domid = domid;
	g->mapper = ops;
	g->mapper_ctx = ctx;
	return 0;
}

struct be_events *be_gpu_events(struct be_gpu *g)
{
	return g->events;
}

struct xv_mapcache *be_gpu_mapcache(struct be_gpu *g)
{
	return g->mc;
}

static void tlb_forward(void *ctx, uint64_t va, uint64_t len)
{
	struct ctx_slot *s = ctx;

	/* before the device context exists nothing can cache the shadow */
	if (s->gc)
		xv_gpu_tlb_invalidate(s->gc, va, len);
}

static struct ctx_slot *live_slot(struct be_gpu *g, uint32_t handle)
{
	if (handle == 0 || handle > g->limits.max_contexts)
		return NULL;
	return g->slot[handle - 1].live ? &g->slot[handle - 1] : NULL;
}

/* A live context with a root table: 0, -XV_ERR_NO_CONTEXT, -XV_ERR_NO_ROOT. */
static int rooted_slot(struct be_gpu *g, uint32_t handle, struct ctx_slot **out)
{
	*out = live_slot(g, handle);
	if (!*out)
		return -XV_ERR_NO_CONTEXT;
	return (*out)->root_set ? 0 : -XV_ERR_NO_ROOT;
}

static int errno_status(int rc)
{
	if (rc == -ENOMEM)
		return -XV_ERR_NOMEM;
	if (rc <= -XV_ERR_DEVICE_RESET)
		return rc; /* already a wire code */
	return -XV_ERR_IO;
}

int be_ctx_create(struct be_gpu *g, uint32_t flags, uint32_t *handle,
		  uint32_t *vpasid)
{
	const struct xv_iommu *io = &g->dev->io;
	struct xv_shadow_config shc = {0};
	struct xv_gpu_ctx_config gcc = {0};
	struct ctx_slot *s = NULL;
	uint32_t h;
	int rc;

	/* The profile enforces coherency unless it offers NOSNOOP (the
	 * validator already refused a flag the frontend did not ack). */
	if ((flags & XV_CTX_FLAG_NOSNOOP) &&
	    !(g->limits.features & g->features & XV_FEATURE_NOSNOOP))
		return -XV_ERR_PERM;
	for (h = 0; h < g->limits.max_contexts; h++)
		if (!g->slot[h].live)
			break;
	if (h == g->limits.max_contexts)
		return -XV_ERR_TOO_MANY_CONTEXTS;
	s = &g->slot[h];
	s->live = true;
	s->flags = flags;
	rc = xv_pasid_alloc(g->pasids, &s->vpasid, &s->ppasid, NULL);
	if (rc) {
		s->vpasid = 0;
		rc = rc == -ENOSPC ? -XV_ERR_NO_PASID : -XV_ERR_NOMEM;
		goto out;
	}
	rc = io->ops->pasid_attach(io->impl, s->ppasid, g->ictx);
	if (rc) {
		rc = errno_status(rc);
		goto out;
	}
	s->attached = true;
	shc.vgpu = g->svg;
	shc.pin_ops = &xv_mapcache_pin_ops;
	shc.pin_ctx = g->mc;
	shc.tlb_invalidate = tlb_forward;
	shc.tlb_ctx = s;
	shc.oos_disable =
	    !((flags & XV_CTX_FLAG_OOS) && (g->features & XV_FEATURE_OOS_PT));
	rc = xv_shadow_new(&shc, &s->sh);
	if (rc) {
		rc = errno_status(rc);
		goto out;
	}
	gcc.vgpu = g->gv;
	gcc.pasid = s->ppasid;
	gcc.shadow_root = xv_shadow_root_iova(s->sh);
	gcc.nosnoop = (flags & XV_CTX_FLAG_NOSNOOP) != 0;
	gcc.priv = s;
	rc = xv_gpu_ctx_new(g->dev->gpu, &gcc, &s->gc);
	if (rc) {
		rc = errno_status(rc);
		goto out;
	}
	*handle = h + 1;
	*vpasid = s->vpasid;
	s = NULL;
out:
	if (s)
		ctx_teardown(g, s);
	publish(g);
	return rc;
}

/* Where the GPU time went (xenvgpud -v; docs/benchmarks.md). A guest
 * decides how often contexts go: the line is rate-limited. */
static void log_ctx_stats(struct be_gpu *g, const struct ctx_slot *s)
{
	struct xv_gpu_stats gs;

	xv_gpu_get_stats(g->dev->gpu, &gs);
	/* be_gpu does not know its devid; the guest's domid says enough */
	be_log_dev_limited(
	    &g->log_limit, LOG_DEBUG, g->domid, 0,
	    "context %u destroyed; device so far: %llu submissions, engines "
	    "busy %llu us, GPU TLB %llu hits %llu misses, %llu walks",
	    s->handle, (unsigned long long)gs.completed,
	    (unsigned long long)(gs.busy_ns / 1000),
	    (unsigned long long)gs.tlb_hits, (unsigned long long)gs.tlb_misses,
	    (unsigned long long)gs.walks);
}

int be_ctx_destroy(struct be_gpu *g, uint32_t handle)
{
	struct ctx_slot *s = live_slot(g, handle);

	if (!s)
		return -XV_ERR_NO_CONTEXT;
	log_ctx_stats(g, s);
	ctx_teardown(g, s);
	drop_unused_if_idle(g);
	publish(g);
	return 0;
}

int be_ctx_set_root(struct be_gpu *g, uint32_t handle, uint64_t root)
{
	struct ctx_slot *s = live_slot(g, handle);
	int rc;

	if (!s)
		return -XV_ERR_NO_CONTEXT;
	rc = xv_shadow_set_root(s->sh, root);
	/* -EFAULT: the root cannot be read; the context walks scratch */
	s->root_set = rc == 0;
	publish(g);
	if (rc == -EFAULT)
		return -XV_ERR_BAD_GREF;
	return rc ? errno_status(rc) : 0;
}

int be_ctx_pt_update(struct be_gpu *g, uint32_t handle, uint64_t va,
		     uint64_t len)
{
	struct ctx_slot *s;
	int rc = rooted_slot(g, handle, &s);

	if (rc)
		return rc;
	rc = xv_shadow_update_range(s->sh, va, len);
	drop_unused_if_uncached(g);
	publish(g);
	if (rc == -EINVAL)
		return -XV_ERR_RANGE_LIMIT;
	return rc ? errno_status(rc) : 0;
}

int be_ctx_pt_resync(struct be_gpu *g, uint32_t handle)
{
	struct ctx_slot *s;
	int rc = rooted_slot(g, handle, &s);

	if (rc)
		return rc;
	rc = xv_shadow_resync(s->sh);
	drop_unused_if_uncached(g);
	publish(g);
	return rc ? errno_status(rc) : 0;
}

int be_ctx_submit(struct be_gpu *g, uint32_t handle,
		  const struct xv_req_submit *sub)
{
	struct ctx_slot *s;
	void *buf = NULL;
	int rc = rooted_slot(g, handle, &s);

	if (rc == -XV_ERR_NO_CONTEXT)
		return rc; /* the counters count submissions to live contexts */
	if (rc)
		goto out;
	rc = be_submit_gather(g->mc, sub, &buf);
	if (rc)
		goto out;
	/* out-of-sync page tables are brought in sync before anything runs */
	rc = xv_shadow_sync(s->sh);
	if (rc) {
		rc = errno_status(rc);
		goto out;
	}
	rc = xv_gpu_submit(s->gc, buf, sub->cmd_bytes, sub->fence);
	if (rc == -EPIPE)
		rc = -XV_ERR_CTX_FAULTED;
	else if (rc)
		rc = errno_status(rc);
out:
	free(buf); /* the device copied it */
	drop_unused_if_uncached(g);
	if (rc)
		__atomic_store_n(&g->cnt.submit_errors,
				 g->cnt.submit_errors + 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&g->cnt.submits, g->cnt.submits + 1,
				 __ATOMIC_RELAXED);
	publish(g);
	return rc;
}

void be_gpu_get_counters(const struct be_gpu *g, struct be_gpu_counters *out)
{
	out->contexts = __atomic_load_n(&g->cnt.contexts, __ATOMIC_RELAXED);
	out->pasids = __atomic_load_n(&g->cnt.pasids, __ATOMIC_RELAXED);
	out->mapped_pages =
	    __atomic_load_n(&g->cnt.mapped_pages, __ATOMIC_RELAXED);
	out->pinned_pages =
	    __atomic_load_n(&g->cnt.pinned_pages, __ATOMIC_RELAXED);
	out->map_calls = __atomic_load_n(&g->cnt.map_calls, __ATOMIC_RELAXED);
	out->unmap_calls =
	    __atomic_load_n(&g->cnt.unmap_calls, __ATOMIC_RELAXED);
	out->submits = __atomic_load_n(&g->cnt.submits, __ATOMIC_RELAXED);
	out->submit_errors =
	    __atomic_load_n(&g->cnt.submit_errors, __ATOMIC_RELAXED);
	out->scratch_entries =
	    __atomic_load_n(&g->cnt.scratch_entries, __ATOMIC_RELAXED);
	out->scratch_events =
	    __atomic_load_n(&g->cnt.scratch_events, __ATOMIC_RELAXED);
	out->oos_pages = __atomic_load_n(&g->cnt.oos_pages, __ATOMIC_RELAXED);
}
