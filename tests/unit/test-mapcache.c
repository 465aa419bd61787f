/*
 * test-mapcache.c — the map cache over a mapper test double, the soft
 * IOMMU (behind a recording shim) and a borrowed IOVA space: hits,
 * one mapper call per batch, contiguous and 2 MiB-aligned IOVAs, quota
 * and LRU eviction in the flush-rule order, all-or-nothing failures,
 * refcounts, teardown, the grant index (dense grefs, grefs scattered past
 * its leaf budget, grefs past its range, non-grant addresses), and a
 * randomized run against a plain model over all of those addresses.
 */
#include "mapcache.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "iommu-soft.h"
#include "xv-test.h"

#define ARENA_PAGES 2048u
#define MiB	    (1ull << 20)
#define PASID	    77u
#define GRANT_BIT   (1ull << 63) /* grant-based guest addresses */

/* ---- event trace: what the cache asked of the mapper and the IOMMU ------ */

enum ev_kind { EV_MAP, EV_UNMAP, EV_IOMMU_MAP, EV_IOMMU_UNMAP, EV_FLUSH };

struct ev {
	enum ev_kind kind;
	unsigned int n;
	uint64_t iova_free; /* free pages of the IOVA space at that moment */
};

#define TRACE_MAX 4096u
static struct ev trace[TRACE_MAX];
static unsigned int ntrace;
static struct xv_iova_space *space; /* the cache's (borrowed) IOVA space */

static void record(enum ev_kind k, unsigned int n)
{
	if (ntrace < TRACE_MAX)
		trace[ntrace++] =
		    (struct ev){k, n, space ? xv_iova_free_pages(space) : 0};
}

/*
 * Test double for the mapper (gntdev grant mapping on Xen): hands out
 * pages of an arena, writes the guest address and access into the first
 * word of each page so a translation can be checked against it, counts
 * every map and unmap per page, fails on demand, and checks at unmap time
 * that the soft IOMMU can no longer reach the page (the flush rule).
 */
struct fake_mapper {
	uint8_t *arena;
	bool used[ARENA_PAGES];
	unsigned int maps_of[ARENA_PAGES], unmaps_of[ARENA_PAGES];
	unsigned int map_calls, unmap_calls;
	uint64_t mapped_now;
	int fail_next;		  /* -errno for the next map_batch, or 0 */
	unsigned long violations; /* released while the IOMMU reaches it */
	unsigned long bad_unmaps; /* not mapped, or not ours */
};

static struct fake_mapper fm;
static struct xv_iommu_soft *soft;

static int fake_map(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
		    unsigned int n, enum xv_pin_access access, void **pages)
{
	struct fake_mapper *m = ctx;
	unsigned int got = 0;

	(void)domid;
	record(EV_MAP, n);
	m->map_calls++;
	if (m->fail_next) {
		int rc = m->fail_next;

		m->fail_next = 0;
		return rc;
	}
	for (unsigned int slot = 0; slot < ARENA_PAGES && got < n; slot++) {
		if (m->used[slot])
			continue;
		pages[got] = m->arena + (size_t)slot * XV_PAGE_SIZE;
		*(uint64_t *)pages[got] = gaddr[got] | access;
		got++;
	}
	if (got < n)
		return -ENOMEM; /* nothing marked used yet: all-or-nothing */
	for (unsigned int i = 0; i < n; i++) {
		size_t slot = ((uint8_t *)pages[i] - m->arena) / XV_PAGE_SIZE;

		m->used[slot] = true;
		m->maps_of[slot]++;
	}
	m->mapped_now += n;
	return 0;
}

static void fake_unmap(void *ctx, void *const *pages, unsigned int n)
{
	struct fake_mapper *m = ctx;

	record(EV_UNMAP, n);
	m->unmap_calls++;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = pages[i];
		size_t slot = (size_t)(p - m->arena) / XV_PAGE_SIZE;

		if (p < m->arena || slot >= ARENA_PAGES || !m->used[slot]) {
			m->bad_unmaps++;
			continue;
		}
		if (xv_iommu_soft_page_refs(soft, p))
			m->violations++;
		m->used[slot] = false;
		m->unmaps_of[slot]++;
		m->mapped_now--;
	}
}

static const struct xv_mapper_ops fake_mapper_ops = {
    .map_batch = fake_map,
    .unmap_batch = fake_unmap,
};

/* ---- IOMMU shim: records calls, injects failures, forwards to soft ------ */

static int iommu_fail_next; /* -errno for the next map_batch, or 0 */
static unsigned int iommu_map_calls;

static int shim_map(void *impl, xv_iommu_ctx_t c, const struct xv_iommu_map *m,
		    unsigned int n)
{
	record(EV_IOMMU_MAP, n);
	iommu_map_calls++;
	if (iommu_fail_next) {
		int rc = iommu_fail_next;

		iommu_fail_next = 0;
		return rc;
	}
	return xv_iommu_soft_ops.map_batch(impl, c, m, n);
}

static int shim_unmap(void *impl, xv_iommu_ctx_t c, const xv_iova_t *iova,
		      unsigned int n)
{
	record(EV_IOMMU_UNMAP, n);
	return xv_iommu_soft_ops.unmap_batch(impl, c, iova, n);
}

static int shim_flush(void *impl, xv_iommu_ctx_t c, xv_iova_t iova,
		      uint64_t npages)
{
	record(EV_FLUSH, 0);
	return xv_iommu_soft_ops.flush(impl, c, iova, npages);
}

static struct xv_iommu_ops shim_ops;

/* ---- fixture ------------------------------------------------------------ */

static xv_iommu_ctx_t ictx;
static uint64_t space_pages = 64 * MiB / XV_PAGE_SIZE;

static struct xv_mapcache *mk_space_at(uint32_t quota, xv_iova_t base,
				       uint64_t iova_pages)
{
	struct xv_mapcache_config cfg = {0};
	struct xv_mapcache *mc = NULL;

	memset(fm.used, 0, sizeof(fm.used));
	memset(fm.maps_of, 0, sizeof(fm.maps_of));
	memset(fm.unmaps_of, 0, sizeof(fm.unmaps_of));
	fm.map_calls = fm.unmap_calls = 0;
	fm.mapped_now = 0;
	fm.fail_next = 0;
	fm.violations = fm.bad_unmaps = 0;
	iommu_fail_next = 0;
	iommu_map_calls = 0;
	ntrace = 0;

	CU_ASSERT_EQUAL_FATAL(xv_iommu_soft_new(4, &soft), 0);
	shim_ops = xv_iommu_soft_ops;
	shim_ops.map_batch = shim_map;
	shim_ops.unmap_batch = shim_unmap;
	shim_ops.flush = shim_flush;
	CU_ASSERT_EQUAL_FATAL(xv_iommu_soft_ops.ctx_alloc(soft, &ictx), 0);
	CU_ASSERT_EQUAL_FATAL(xv_iommu_soft_ops.pasid_attach(soft, PASID, ictx),
			      0);
	space_pages = iova_pages;
	CU_ASSERT_EQUAL_FATAL(
	    xv_iova_space_new(base, iova_pages * XV_PAGE_SIZE, &space), 0);

	cfg.domid = 7;
	cfg.max_pages = quota;
	cfg.mapper = &fake_mapper_ops;
	cfg.mapper_ctx = &fm;
	cfg.iommu = (struct xv_iommu){&shim_ops, soft};
	cfg.iommu_ctx = ictx;
	cfg.iova_space = space;
	CU_ASSERT_EQUAL_FATAL(xv_mapcache_new(&cfg, &mc), 0);
	return mc;
}

/* 1 MiB base: 2 MiB alignment cannot come for free. */
static struct xv_mapcache *mk_space(uint32_t quota, uint64_t iova_pages)
{
	return mk_space_at(quota, 1 * MiB, iova_pages);
}

static struct xv_mapcache *mk(uint32_t quota)
{
	return mk_space(quota, 64 * MiB / XV_PAGE_SIZE);
}

/* Free the cache and check every mapping went exactly once. */
static void done(struct xv_mapcache *mc)
{
	struct xv_iommu_soft_stats ist;

	xv_mapcache_free(mc);
	CU_ASSERT_EQUAL(fm.mapped_now, 0);
	CU_ASSERT_EQUAL(fm.bad_unmaps, 0);
	CU_ASSERT_EQUAL(fm.violations, 0);
	for (unsigned int i = 0; i < ARENA_PAGES; i++)
		CU_ASSERT_EQUAL(fm.maps_of[i], fm.unmaps_of[i]);
	xv_iommu_soft_get_stats(soft, &ist);
	CU_ASSERT_EQUAL(ist.mapped, 0);
	CU_ASSERT_EQUAL(ist.unflushed, 0);
	CU_ASSERT_EQUAL(xv_iova_free_pages(space), space_pages);
	CU_ASSERT_EQUAL(xv_iova_free_extents(space), 1);
	xv_iommu_soft_ops.pasid_detach(soft, PASID);
	xv_iommu_soft_free(soft);
	soft = NULL;
	xv_iova_space_free(space);
	space = NULL;
}

static xv_gaddr_t ga(unsigned int i)
{
	return GRANT_BIT | ((xv_gaddr_t)(i + 1) << XV_PAGE_SHIFT);
}

static void fill(xv_gaddr_t *g, unsigned int first, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		g[i] = ga(first + i);
}

/* The device's view: the IOVA reaches the page that holds this gaddr. */
static void check_translates(const struct xv_pin *p, xv_gaddr_t g,
			     enum xv_pin_access acc)
{
	void *page = NULL;
	int rc = xv_iommu_soft_ops.translate(soft, PASID, p->iova,
					     XV_IOMMU_READ, &page);

	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_EQUAL(page, p->page);
	if (!rc)
		CU_ASSERT_EQUAL(*(uint64_t *)page, g | acc);
	rc = xv_iommu_soft_ops.translate(soft, PASID, p->iova, XV_IOMMU_WRITE,
					 &page);
	CU_ASSERT_EQUAL(
	    rc, acc == XV_PIN_READWRITE ? 0 : XV_IOMMU_FAULT_PERMISSION);
}

static unsigned int refs_of(struct xv_mapcache *mc, xv_gaddr_t g,
			    enum xv_pin_access acc)
{
	struct xv_mapcache_entry_info info;

	if (xv_mapcache_lookup(mc, g, acc, &info))
		return ~0u;
	return info.refs;
}

/* ---- cases -------------------------------------------------------------- */

static void test_hits_skip_mapper(void)
{
	struct xv_mapcache *mc = mk(64);
	xv_gaddr_t g[8];
	struct xv_pin a[8], b[8];
	struct xv_mapcache_stats st;

	fill(g, 0, 8);
	CU_ASSERT_EQUAL(xv_mapcache_pin_ops.pin_batch(mc, g, 8, XV_PIN_READ, a),
			0);
	CU_ASSERT_EQUAL(fm.map_calls, 1);
	xv_mapcache_pin_ops.unpin_batch(mc, g, 8, XV_PIN_READ);
	/* Unused, still cached: the next pin is a hit with the same page. */
	CU_ASSERT_EQUAL(fm.unmap_calls, 0);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 8, XV_PIN_READ, b), 0);
	CU_ASSERT_EQUAL(fm.map_calls, 1);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	for (unsigned int i = 0; i < 8; i++)
		check_translates(&b[i], g[i], XV_PIN_READ);
	/* Same pages read-write are different entries. */
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 2, XV_PIN_READWRITE, b),
			0);
	CU_ASSERT_EQUAL(fm.map_calls, 2);
	CU_ASSERT_NOT_EQUAL(b[0].iova, a[0].iova);
	check_translates(&b[0], g[0], XV_PIN_READWRITE);
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.hits, 8);
	CU_ASSERT_EQUAL(st.misses, 10);
	CU_ASSERT_EQUAL(st.entries, 10);
	CU_ASSERT_EQUAL(st.pinned, 10);
	CU_ASSERT_EQUAL(st.mapper_calls, 2);
	CU_ASSERT_EQUAL(st.pages_mapped, 10);
	done(mc);
}

static void test_one_mapper_call_per_batch(void)
{
	struct xv_mapcache *mc = mk(64);
	xv_gaddr_t g[12];
	struct xv_pin p[12];

	fill(g, 0, 5);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 5, XV_PIN_READ, p), 0);
	/* 5 hits, 7 misses of which one appears twice. */
	fill(g + 5, 100, 6);
	g[11] = g[7];
	ntrace = 0;
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 12, XV_PIN_READ, p), 0);
	CU_ASSERT_EQUAL(fm.map_calls, 2);
	CU_ASSERT_EQUAL(trace[0].kind, EV_MAP);
	CU_ASSERT_EQUAL(trace[0].n, 6); /* distinct misses only */
	CU_ASSERT_EQUAL(fm.mapped_now, 11);
	for (unsigned int i = 6; i < 11; i++)
		CU_ASSERT_EQUAL(p[i].iova, p[5].iova + (i - 5) * XV_PAGE_SIZE);
	CU_ASSERT_EQUAL(p[11].iova, p[7].iova);
	CU_ASSERT_PTR_EQUAL(p[11].page, p[7].page);
	CU_ASSERT_EQUAL(refs_of(mc, g[7], XV_PIN_READ), 2);
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 2);
	CU_ASSERT_EQUAL(refs_of(mc, g[5], XV_PIN_READ), 1);
	for (unsigned int i = 0; i < 12; i++)
		check_translates(&p[i], g[i], XV_PIN_READ);
	done(mc);
}

static void test_512_batch_is_2mib_aligned(void)
{
	struct xv_mapcache *mc = mk(1024);
	static xv_gaddr_t g[XV_PIN_BATCH_MAX];
	static struct xv_pin p[XV_PIN_BATCH_MAX];
	struct xv_pin small[3];

	/* A small batch first, so the big one cannot start at the base. */
	fill(g, 1000, 3);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 3, XV_PIN_READ, small), 0);
	fill(g, 0, XV_PIN_BATCH_MAX);
	iommu_map_calls = 0;
	CU_ASSERT_EQUAL(
	    xv_mapcache_pin_batch(mc, g, XV_PIN_BATCH_MAX, XV_PIN_READWRITE, p),
	    0);
	CU_ASSERT_EQUAL(p[0].iova % (2 * MiB), 0);
	for (unsigned int i = 1; i < XV_PIN_BATCH_MAX; i++)
		CU_ASSERT_EQUAL(p[i].iova, p[0].iova + i * XV_PAGE_SIZE);
	/* Mapped through the IOMMU in bounded batches. */
	CU_ASSERT_EQUAL(iommu_map_calls, XV_PIN_BATCH_MAX / XV_IOMMU_BATCH_MAX);
	CU_ASSERT_EQUAL(fm.map_calls, 2);
	for (unsigned int i = 0; i < XV_PIN_BATCH_MAX; i += 37)
		check_translates(&p[i], g[i], XV_PIN_READWRITE);
	done(mc);
}

static void test_quota_lru_eviction_order(void)
{
	struct xv_mapcache *mc = mk(8);
	xv_gaddr_t a[4], b[4], c[4];
	struct xv_pin pa[4], pb[4], pc[4];
	struct xv_mapcache_stats st;
	uint64_t free0;
	unsigned int i;

	fill(a, 0, 4);
	fill(b, 10, 4);
	fill(c, 20, 4);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, a, 4, XV_PIN_READ, pa), 0);
	xv_mapcache_unpin_batch(mc, a, 4, XV_PIN_READ);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, b, 4, XV_PIN_READ, pb), 0);
	xv_mapcache_unpin_batch(mc, b, 4, XV_PIN_READ);
	/* Use A again: now B is the least recently used. */
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, a, 4, XV_PIN_READ, pa), 0);
	xv_mapcache_unpin_batch(mc, a, 4, XV_PIN_READ);
	CU_ASSERT_EQUAL(fm.map_calls, 2);

	free0 = xv_iova_free_pages(space);
	ntrace = 0;
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, c, 4, XV_PIN_READ, pc), 0);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(refs_of(mc, b[i], XV_PIN_READ), ~0u);
		CU_ASSERT_EQUAL(refs_of(mc, a[i], XV_PIN_READ), 0);
		CU_ASSERT_EQUAL(refs_of(mc, c[i], XV_PIN_READ), 1);
	}
	/*
	 * The sequence: IOMMU unmap, flush (IOVAs not yet free), mapper unmap
	 * (IOVAs free by then), then the new batch's map and IOMMU map.
	 */
	CU_ASSERT_EQUAL_FATAL(ntrace, 5);
	CU_ASSERT_EQUAL(trace[0].kind, EV_IOMMU_UNMAP);
	CU_ASSERT_EQUAL(trace[0].n, 4);
	CU_ASSERT_EQUAL(trace[0].iova_free, free0);
	CU_ASSERT_EQUAL(trace[1].kind, EV_FLUSH);
	CU_ASSERT_EQUAL(trace[1].iova_free, free0);
	CU_ASSERT_EQUAL(trace[2].kind, EV_UNMAP);
	CU_ASSERT_EQUAL(trace[2].n, 4);
	CU_ASSERT_EQUAL(trace[2].iova_free, free0 + 4);
	CU_ASSERT_EQUAL(trace[3].kind, EV_MAP);
	CU_ASSERT_EQUAL(trace[4].kind, EV_IOMMU_MAP);
	CU_ASSERT_EQUAL(fm.violations, 0);
	/* No IOVA of B reaches a page of B any more (C may reuse both). */
	for (i = 0; i < 4; i++) {
		void *page = NULL;
		int rc = xv_iommu_soft_ops.translate(soft, PASID, pb[i].iova,
						     XV_IOMMU_READ, &page);

		CU_ASSERT(rc == XV_IOMMU_FAULT_NOT_MAPPED ||
			  (rc == 0 && *(uint64_t *)page != (b[i] | 1)));
		check_translates(&pc[i], c[i], XV_PIN_READ);
	}
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.entries, 8);
	CU_ASSERT_EQUAL(st.evictions, 4);
	CU_ASSERT_EQUAL(st.iommu_flushes, 1);
	CU_ASSERT_EQUAL(st.pages_unmapped, 4);
	done(mc);
}

static void check_no_trace(struct xv_mapcache *mc,
			   const struct xv_mapcache_stats *before,
			   uint64_t iova_free, const xv_gaddr_t *fresh,
			   unsigned int nfresh)
{
	struct xv_mapcache_stats st;
	struct xv_iommu_soft_stats ist;
	struct xv_mapcache_entry_info info;

	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.entries, before->entries);
	CU_ASSERT_EQUAL(st.pinned, before->pinned);
	CU_ASSERT_EQUAL(st.failed_batches, before->failed_batches + 1);
	CU_ASSERT_EQUAL(xv_iova_free_pages(space), iova_free);
	CU_ASSERT_EQUAL(fm.mapped_now, st.entries);
	xv_iommu_soft_get_stats(soft, &ist);
	CU_ASSERT_EQUAL(ist.mapped, st.entries);
	CU_ASSERT_EQUAL(ist.unflushed, 0);
	CU_ASSERT_EQUAL(fm.violations, 0);
	for (unsigned int i = 0; i < nfresh; i++)
		CU_ASSERT_EQUAL(
		    xv_mapcache_lookup(mc, fresh[i], XV_PIN_READ, &info),
		    -ENOENT);
}

static void test_all_or_nothing(void)
{
	struct xv_mapcache *mc = mk(1024);
	static xv_gaddr_t g[300];
	static struct xv_pin p[300];
	struct xv_mapcache_stats before;
	uint64_t iova_free;

	fill(g, 0, 4);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 4, XV_PIN_READ, p), 0);
	xv_mapcache_unpin_batch(mc, g + 2, 2, XV_PIN_READ);
	/* Batch: 4 hits (2 pinned, 2 unused) + 296 misses. */
	fill(g + 4, 50, 296);

	/* 1. The mapper refuses (a bad grant). */
	xv_mapcache_get_stats(mc, &before);
	iova_free = xv_iova_free_pages(space);
	fm.fail_next = -EFAULT;
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 300, XV_PIN_READ, p),
			-EFAULT);
	check_no_trace(mc, &before, iova_free, g + 4, 296);
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 1);
	CU_ASSERT_EQUAL(refs_of(mc, g[3], XV_PIN_READ), 0);

	/* 2. The IOMMU refuses the first batch (the mid-batch case has a
	 * test of its own). */
	xv_mapcache_get_stats(mc, &before);
	fm.unmap_calls = 0;
	iommu_fail_next = -ENOMEM;
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 300, XV_PIN_READ, p),
			-ENOMEM);
	check_no_trace(mc, &before, iova_free, g + 4, 296);
	CU_ASSERT_EQUAL(fm.unmap_calls, 1); /* the fresh pages went back */
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 1);
	CU_ASSERT_EQUAL(refs_of(mc, g[3], XV_PIN_READ), 0);

	/* 3. Then it works, and the first pages are still hits. */
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 300, XV_PIN_READ, p), 0);
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 2);
	CU_ASSERT_EQUAL(refs_of(mc, g[3], XV_PIN_READ), 1);
	CU_ASSERT_EQUAL(refs_of(mc, g[299], XV_PIN_READ), 1);
	done(mc);
}

/*
 * unpin_tokens drops exactly the pins it names, without a lookup, and
 * refuses (as a bad unpin) a token used with the other access or a
 * null token. A batch mixing pinned hits, unused hits and misses gives
 * each page its entry's token.
 */
static void test_unpin_by_token(void)
{
	struct xv_mapcache *mc = mk(64);
	xv_gaddr_t g[6];
	struct xv_pin p[6], q[6];
	uint64_t tok[6], null_tok = 0;
	struct xv_mapcache_stats st;

	fill(g, 0, 6);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 4, XV_PIN_READ, p), 0);
	xv_mapcache_unpin_batch(mc, g + 2, 2, XV_PIN_READ);
	/* g0, g1 pinned; g2, g3 cached unused; g4, g5 new. */
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 6, XV_PIN_READ, q), 0);
	for (unsigned int i = 0; i < 6; i++) {
		CU_ASSERT_NOT_EQUAL(q[i].token, 0);
		for (unsigned int j = 0; j < i; j++)
			CU_ASSERT_NOT_EQUAL(q[i].token, q[j].token);
		if (i < 2)
			CU_ASSERT_EQUAL(q[i].token, p[i].token);
		check_translates(&q[i], g[i], XV_PIN_READ);
		tok[i] = q[i].token;
	}
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 2);
	CU_ASSERT_EQUAL(refs_of(mc, g[5], XV_PIN_READ), 1);

	/* The wrong access, or no entry: refused, nothing changes. */
	xv_mapcache_unpin_tokens(mc, tok, 1, XV_PIN_READWRITE);
	xv_mapcache_unpin_tokens(mc, &null_tok, 1, XV_PIN_READ);
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.bad_unpins, 2);
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 2);

	/* Through the pin ops, as the shadow engine calls it. */
	xv_mapcache_pin_ops.unpin_tokens(mc, tok, 6, XV_PIN_READ);
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 1);
	CU_ASSERT_EQUAL(refs_of(mc, g[1], XV_PIN_READ), 1);
	for (unsigned int i = 2; i < 6; i++)
		CU_ASSERT_EQUAL(refs_of(mc, g[i], XV_PIN_READ), 0);
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.pinned, 2);
	CU_ASSERT_EQUAL(st.bad_unpins, 2);
	/* Unused entries are back on the LRU: the shrink takes them. */
	CU_ASSERT_EQUAL(xv_mapcache_drop_unused(mc), 4);
	xv_mapcache_unpin_tokens(mc, tok, 2, XV_PIN_READ);
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.pinned, 0);
	CU_ASSERT_EQUAL(xv_mapcache_drop_unused(mc), 2);
	done(mc);
}

/* A shim that lets `iommu_ok_batches` map calls through, then fails. */
static unsigned int iommu_ok_batches;

static int shim_map_fail_late(void *impl, xv_iommu_ctx_t c,
			      const struct xv_iommu_map *m, unsigned int n)
{
	record(EV_IOMMU_MAP, n);
	if (iommu_ok_batches == 0)
		return -EIO;
	iommu_ok_batches--;
	return xv_iommu_soft_ops.map_batch(impl, c, m, n);
}

static void test_iommu_failure_mid_batch(void)
{
	struct xv_mapcache *mc = mk(1024);
	static xv_gaddr_t g[300];
	static struct xv_pin p[300];
	struct xv_mapcache_stats before;
	uint64_t iova_free = 0;
	unsigned int i, flush_at = 0, unmap_at = 0;

	fill(g, 0, 300);
	xv_mapcache_get_stats(mc, &before);
	iova_free = xv_iova_free_pages(space);
	shim_ops.map_batch = shim_map_fail_late;
	iommu_ok_batches = 2;
	ntrace = 0;
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 300, XV_PIN_READ, p),
			-EIO);
	shim_ops.map_batch = shim_map;
	check_no_trace(mc, &before, iova_free, g, 300);
	/* The 256 mapped pages were unmapped and flushed before the
	 * mapper got its pages back. */
	for (i = 0; i < ntrace; i++) {
		if (trace[i].kind == EV_FLUSH)
			flush_at = i;
		if (trace[i].kind == EV_UNMAP)
			unmap_at = i;
	}
	CU_ASSERT(flush_at > 0);
	CU_ASSERT(unmap_at > flush_at);
	CU_ASSERT_EQUAL(trace[unmap_at].n, 300);
	CU_ASSERT_EQUAL(trace[unmap_at].iova_free, iova_free);
	done(mc);
}

static void test_enospc_when_pinned_fill_quota(void)
{
	struct xv_mapcache *mc = mk(8);
	xv_gaddr_t g[8], h[3];
	struct xv_pin p[8];
	struct xv_mapcache_stats before;
	uint64_t iova_free;

	fill(g, 0, 8);
	fill(h, 100, 3);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 8, XV_PIN_READ, p), 0);
	xv_mapcache_unpin_batch(mc, g + 6, 2, XV_PIN_READ);
	/* 6 pinned + 2 unused: 3 new pages cannot fit even after eviction. */
	xv_mapcache_get_stats(mc, &before);
	iova_free = xv_iova_free_pages(space);
	fm.map_calls = 0;
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, h, 3, XV_PIN_READ, p),
			-ENOSPC);
	CU_ASSERT_EQUAL(fm.map_calls, 0);
	check_no_trace(mc, &before, iova_free, h, 3);
	/* Nothing was evicted for a batch that could never fit. */
	CU_ASSERT_EQUAL(refs_of(mc, g[6], XV_PIN_READ), 0);
	CU_ASSERT_EQUAL(refs_of(mc, g[7], XV_PIN_READ), 0);
	/* A batch that re-uses an unused page and adds one: still too many
	 * (the reused page is no longer evictable). */
	h[1] = g[6];
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, h, 3, XV_PIN_READ, p),
			-ENOSPC);
	/* Two new ones fit by evicting the two unused. */
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, h + 1, 2, XV_PIN_READ, p), 0);
	CU_ASSERT_EQUAL(refs_of(mc, g[7], XV_PIN_READ), ~0u);
	CU_ASSERT_EQUAL(refs_of(mc, g[6], XV_PIN_READ), 1);
	done(mc);
}

static void test_iova_pressure_evicts(void)
{
	/* The quota allows plenty, the IOVA window only 8 pages. */
	struct xv_mapcache *mc = mk_space(100, 8);
	xv_gaddr_t g[8], h[3];
	struct xv_pin p[8];
	struct xv_mapcache_stats before;
	uint64_t iova_free;

	fill(g, 0, 8);
	fill(h, 50, 3);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 8, XV_PIN_READ, p), 0);
	/* All pinned: no IOVA run, nothing to evict. */
	xv_mapcache_get_stats(mc, &before);
	iova_free = xv_iova_free_pages(space);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, h, 3, XV_PIN_READ, p),
			-ENOSPC);
	check_no_trace(mc, &before, iova_free, h, 3);
	/* Unused ones are evicted until a 3-page run is free. */
	xv_mapcache_unpin_batch(mc, g + 2, 6, XV_PIN_READ);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, h, 3, XV_PIN_READ, p), 0);
	for (unsigned int i = 0; i < 3; i++)
		check_translates(&p[i], h[i], XV_PIN_READ);
	CU_ASSERT_EQUAL(refs_of(mc, g[0], XV_PIN_READ), 1);
	CU_ASSERT_EQUAL(refs_of(mc, g[1], XV_PIN_READ), 1);
	CU_ASSERT_EQUAL(fm.violations, 0);
	done(mc);
}

/* An IOVA a shadow entry could not hold (2^52 and up) is refused. */
static void test_iova_past_shadow_limit(void)
{
	/* Small runs come from the top of the space: past the limit. */
	struct xv_mapcache *mc =
	    mk_space_at(16, (1ull << 52) - 4 * XV_PAGE_SIZE, 8);
	struct xv_mapcache_stats before;
	xv_gaddr_t g[2];
	struct xv_pin p[2];
	uint64_t iova_free;

	fill(g, 0, 2);
	xv_mapcache_get_stats(mc, &before);
	iova_free = xv_iova_free_pages(space);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 2, XV_PIN_READ, p),
			-ERANGE);
	CU_ASSERT_EQUAL(fm.map_calls, 0);
	check_no_trace(mc, &before, iova_free, g, 2);
	done(mc);
}

static void test_refcounts_exact(void)
{
	struct xv_mapcache *mc = mk(16);
	xv_gaddr_t g[3] = {ga(1), ga(1), ga(2)};
	struct xv_pin p[3];
	struct xv_mapcache_stats st;

	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 3, XV_PIN_READ, p), 0);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 1, XV_PIN_READ, p), 0);
	CU_ASSERT_EQUAL(refs_of(mc, ga(1), XV_PIN_READ), 3);
	CU_ASSERT_EQUAL(refs_of(mc, ga(2), XV_PIN_READ), 1);
	xv_mapcache_unpin_batch(mc, g, 2, XV_PIN_READ);
	CU_ASSERT_EQUAL(refs_of(mc, ga(1), XV_PIN_READ), 1);
	xv_mapcache_unpin_batch(mc, g, 1, XV_PIN_READ);
	CU_ASSERT_EQUAL(refs_of(mc, ga(1), XV_PIN_READ), 0);
	/* One unpin too many, a wrong access, an unknown page: ignored. */
	xv_mapcache_unpin_batch(mc, g, 1, XV_PIN_READ);
	xv_mapcache_unpin_batch(mc, g + 2, 1, XV_PIN_READWRITE);
	g[0] = ga(99);
	xv_mapcache_unpin_batch(mc, g, 1, XV_PIN_READ);
	g[0] = ga(2) | 1;
	xv_mapcache_unpin_batch(mc, g, 1, XV_PIN_READ);
	CU_ASSERT_EQUAL(refs_of(mc, ga(1), XV_PIN_READ), 0);
	CU_ASSERT_EQUAL(refs_of(mc, ga(2), XV_PIN_READ), 1);
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.bad_unpins, 4);
	CU_ASSERT_EQUAL(st.pinned, 1);
	CU_ASSERT_EQUAL(st.entries, 2);
	/* Bad arguments never pin anything. */
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 0, XV_PIN_READ, p),
			-EINVAL);
	CU_ASSERT_EQUAL(
	    xv_mapcache_pin_batch(mc, g, XV_PIN_BATCH_MAX + 1, XV_PIN_READ, p),
	    -EINVAL);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 1, 2, p), -EINVAL);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 1, XV_PIN_READ, p),
			-EFAULT); /* unaligned guest address */
	done(mc);
}

static void test_drop_unused_and_teardown(void)
{
	struct xv_mapcache *mc = mk(600);
	static xv_gaddr_t g[XV_PIN_BATCH_MAX];
	static struct xv_pin p[XV_PIN_BATCH_MAX];
	struct xv_mapcache_stats st;

	fill(g, 0, XV_PIN_BATCH_MAX);
	CU_ASSERT_EQUAL(
	    xv_mapcache_pin_batch(mc, g, XV_PIN_BATCH_MAX, XV_PIN_READWRITE, p),
	    0);
	fill(g, 2000, 40);
	CU_ASSERT_EQUAL(xv_mapcache_pin_batch(mc, g, 40, XV_PIN_READ, p), 0);
	xv_mapcache_unpin_batch(mc, g, 30, XV_PIN_READ);
	CU_ASSERT_EQUAL(xv_mapcache_drop_unused(mc), 30);
	CU_ASSERT_EQUAL(xv_mapcache_drop_unused(mc), 0);
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.entries, XV_PIN_BATCH_MAX + 10);
	CU_ASSERT_EQUAL(st.pinned, XV_PIN_BATCH_MAX + 10);
	CU_ASSERT_EQUAL(fm.mapped_now, XV_PIN_BATCH_MAX + 10);
	CU_ASSERT_EQUAL(fm.violations, 0);
	/* Teardown with 522 pinned pages: each released exactly once. */
	done(mc);
}

/*
 * Guest addresses of every kind the grant index sees: dense small grefs
 * (indexed), grefs one per 512-gref leaf (indexed until the leaf budget
 * is spent, then table only), grefs past the indexed range and at its
 * edge, and non-grant (GFN-style) addresses.
 */
static xv_gaddr_t addr_kind(unsigned int i)
{
	switch (i % 5) {
	case 0:
		return ga(i);
	case 1:
		return GRANT_BIT | (xv_gaddr_t)(i + 1) * 512 * 7
				       << XV_PAGE_SHIFT;
	case 2:
		return GRANT_BIT | ((1ull << 20) + i) << XV_PAGE_SHIFT;
	case 3:
		return GRANT_BIT | ((1ull << 20) - 1 - i) << XV_PAGE_SHIFT;
	default:
		return (xv_gaddr_t)(i + 1) << XV_PAGE_SHIFT;
	}
}

static void test_grant_index_kinds(void)
{
	/* Quota 512: a budget of 10 index leaves, far fewer than the 300
	 * scattered grefs below, so most of them live in the table only. */
	struct xv_mapcache *mc = mk(XV_PIN_BATCH_MAX);
	static xv_gaddr_t g[500];
	static struct xv_pin p[500], q[500];
	static uint64_t tok[500];
	struct xv_mapcache_stats st;

	for (unsigned int i = 0; i < 500; i++)
		g[i] = addr_kind(i);
	CU_ASSERT_EQUAL_FATAL(xv_mapcache_pin_batch(mc, g, 250, XV_PIN_READ, p),
			      0);
	CU_ASSERT_EQUAL_FATAL(
	    xv_mapcache_pin_batch(mc, g + 250, 250, XV_PIN_READ, p + 250), 0);
	CU_ASSERT_EQUAL(fm.map_calls, 2);
	/* Every one is a hit now, whichever structure finds it. */
	CU_ASSERT_EQUAL_FATAL(xv_mapcache_pin_batch(mc, g, 250, XV_PIN_READ, q),
			      0);
	CU_ASSERT_EQUAL_FATAL(
	    xv_mapcache_pin_batch(mc, g + 250, 250, XV_PIN_READ, q + 250), 0);
	CU_ASSERT_EQUAL(fm.map_calls, 2);
	for (unsigned int i = 0; i < 500; i++) {
		CU_ASSERT_EQUAL(p[i].iova, q[i].iova);
		CU_ASSERT_EQUAL(p[i].token, q[i].token);
		check_translates(&q[i], g[i], XV_PIN_READ);
		CU_ASSERT_EQUAL(refs_of(mc, g[i], XV_PIN_READ), 2);
		/* The other access is another entry, not cached. */
		CU_ASSERT_EQUAL(refs_of(mc, g[i], XV_PIN_READWRITE), ~0u);
		tok[i] = q[i].token;
	}
	xv_mapcache_unpin_tokens(mc, tok, 250, XV_PIN_READ);
	xv_mapcache_unpin_tokens(mc, tok + 250, 250, XV_PIN_READ);
	xv_mapcache_unpin_batch(mc, g, 250, XV_PIN_READ);
	xv_mapcache_unpin_batch(mc, g + 250, 250, XV_PIN_READ);
	for (unsigned int i = 0; i < 500; i++)
		CU_ASSERT_EQUAL(refs_of(mc, g[i], XV_PIN_READ), 0);
	/* Evicted: index leaves freed, so new grefs can have them. */
	CU_ASSERT_EQUAL(xv_mapcache_drop_unused(mc), 500);
	for (unsigned int i = 0; i < 500; i++)
		g[i] = addr_kind(i + 1000);
	CU_ASSERT_EQUAL_FATAL(
	    xv_mapcache_pin_batch(mc, g, 250, XV_PIN_READWRITE, p), 0);
	for (unsigned int i = 0; i < 250; i++) {
		check_translates(&p[i], g[i], XV_PIN_READWRITE);
		CU_ASSERT_EQUAL(refs_of(mc, g[i], XV_PIN_READWRITE), 1);
		CU_ASSERT_EQUAL(refs_of(mc, addr_kind(i), XV_PIN_READ), ~0u);
	}
	xv_mapcache_get_stats(mc, &st);
	CU_ASSERT_EQUAL(st.hits, 500);
	CU_ASSERT_EQUAL(st.misses, 750);
	CU_ASSERT_EQUAL(st.bad_unpins, 0);
	done(mc);
}

/* ---- randomized, against a plain model --------------------------------- */

#define R_PAGES 96u
#define R_QUOTA 48u

struct m_page {
	unsigned int refs;
	bool mapped;
	uint64_t stamp; /* when refs last fell to 0: LRU order */
	unsigned int in_batch;
	uint64_t token; /* of its pins, while refs > 0 */
};

/* model[access == READWRITE][page] */
static struct m_page model[2][R_PAGES];

static unsigned int m_mapped(void)
{
	unsigned int n = 0;

	for (unsigned int a = 0; a < 2; a++)
		for (unsigned int i = 0; i < R_PAGES; i++)
			n += model[a][i].mapped;
	return n;
}

static unsigned int m_pinned(void)
{
	unsigned int n = 0;

	for (unsigned int a = 0; a < 2; a++)
		for (unsigned int i = 0; i < R_PAGES; i++)
			n += model[a][i].refs > 0;
	return n;
}

/* Evict the `want` oldest unused entries not in the current batch. */
static void m_evict(unsigned int want, unsigned int batch_id)
{
	while (want--) {
		struct m_page *best = NULL;

		for (unsigned int a = 0; a < 2; a++)
			for (unsigned int i = 0; i < R_PAGES; i++) {
				struct m_page *m = &model[a][i];

				if (m->mapped && !m->refs &&
				    m->in_batch != batch_id &&
				    (!best || m->stamp < best->stamp))
					best = m;
			}
		CU_ASSERT_PTR_NOT_NULL_FATAL(best);
		best->mapped = false;
	}
}

static void test_random_vs_model(void)
{
	uint64_t seed = xv_test_seed("mapcache random");
	unsigned long steps = xv_test_steps(4000);
	struct xv_mapcache *mc = mk(R_QUOTA);
	struct xv_rng rng;
	uint64_t clock = 1;
	unsigned int batch_id = 0;

	memset(model, 0, sizeof(model));
	xv_rng_init(&rng, seed);
	for (unsigned long s = 0; s < steps; s++) {
		unsigned int op = (unsigned int)xv_rng_below(&rng, 100);
		enum xv_pin_access acc =
		    xv_rng_below(&rng, 2) ? XV_PIN_READWRITE : XV_PIN_READ;
		unsigned int ai = acc == XV_PIN_READWRITE;
		xv_gaddr_t g[40];
		struct xv_pin p[40];
		unsigned int idx[40];
		unsigned int n = 1 + (unsigned int)xv_rng_below(&rng, 40);

		if (op < 55) {
			/* Pin a random batch, duplicates allowed. */
			unsigned int misses = 0, evictable = 0, mapped;
			int inject = 0, expect = 0, rc;
			bool iommu_inject = false;

			batch_id++;
			for (unsigned int i = 0; i < n; i++) {
				idx[i] = (unsigned int)xv_rng_below(
				    &rng, op < 10 ? 8 : R_PAGES);
				g[i] = addr_kind(idx[i]);
				if (!model[ai][idx[i]].mapped &&
				    model[ai][idx[i]].in_batch != batch_id)
					misses++;
				model[ai][idx[i]].in_batch = batch_id;
			}
			if (xv_rng_below(&rng, 10) == 0)
				inject = fm.fail_next = -EFAULT;
			else if (xv_rng_below(&rng, 20) == 0)
				iommu_inject = true, iommu_fail_next = -ENOMEM;
			for (unsigned int a = 0; a < 2; a++)
				for (unsigned int i = 0; i < R_PAGES; i++)
					evictable +=
					    model[a][i].mapped &&
					    !model[a][i].refs &&
					    model[a][i].in_batch != batch_id;
			mapped = m_mapped();
			if (misses) {
				if (mapped - evictable + misses > R_QUOTA) {
					expect = -ENOSPC;
				} else {
					if (mapped + misses > R_QUOTA)
						m_evict(mapped + misses -
							    R_QUOTA,
							batch_id);
					if (inject)
						expect = inject;
					else if (iommu_inject)
						expect = -ENOMEM;
				}
			}
			rc = xv_mapcache_pin_batch(mc, g, n, acc, p);
			CU_ASSERT_EQUAL_FATAL(rc, expect);
			fm.fail_next = 0;
			iommu_fail_next = 0;
			if (!rc) {
				for (unsigned int i = 0; i < n; i++) {
					struct m_page *m = &model[ai][idx[i]];

					/* One entry, one token, while held. */
					if (m->refs)
						CU_ASSERT_EQUAL(p[i].token,
								m->token);
					m->token = p[i].token;
					m->refs++;
					m->mapped = true;
					check_translates(&p[i], g[i], acc);
				}
			}
		} else if (op < 95) {
			/* Unpin some held pins (one of each in a batch). */
			unsigned int k = 0;

			for (unsigned int i = 0; i < R_PAGES && k < n; i++) {
				unsigned int j =
				    (unsigned int)xv_rng_below(&rng, R_PAGES);

				if (model[ai][j].refs) {
					bool dup = false;

					for (unsigned int q = 0; q < k; q++)
						dup |= idx[q] == j;
					if (dup)
						continue;
					idx[k] = j;
					g[k++] = addr_kind(j);
				}
			}
			if (!k)
				continue;
			if (op < 75) {
				xv_mapcache_unpin_batch(mc, g, k, acc);
			} else {
				uint64_t tok[40];

				for (unsigned int i = 0; i < k; i++)
					tok[i] = model[ai][idx[i]].token;
				xv_mapcache_unpin_tokens(mc, tok, k, acc);
			}
			for (unsigned int i = 0; i < k; i++)
				if (--model[ai][idx[i]].refs == 0)
					model[ai][idx[i]].stamp = ++clock;
		} else if (op < 98) {
			/* An unpin that matches no pin changes nothing. */
			unsigned int j =
			    (unsigned int)xv_rng_below(&rng, R_PAGES);

			if (model[ai][j].refs)
				continue;
			g[0] = addr_kind(j);
			xv_mapcache_unpin_batch(mc, g, 1, acc);
		} else {
			CU_ASSERT_EQUAL(xv_mapcache_drop_unused(mc),
					m_mapped() - m_pinned());
			for (unsigned int a = 0; a < 2; a++)
				for (unsigned int i = 0; i < R_PAGES; i++)
					if (!model[a][i].refs)
						model[a][i].mapped = false;
		}

		/* Compare everything after every step. */
		{
			struct xv_mapcache_stats st;
			struct xv_iommu_soft_stats ist;
			unsigned int pinned = 0;

			for (unsigned int a = 0; a < 2; a++) {
				enum xv_pin_access ac =
				    a ? XV_PIN_READWRITE : XV_PIN_READ;

				for (unsigned int i = 0; i < R_PAGES; i++) {
					struct xv_mapcache_entry_info info;
					int rc = xv_mapcache_lookup(
					    mc, addr_kind(i), ac, &info);
					const struct m_page *m = &model[a][i];

					if ((rc == 0) != m->mapped)
						printf(
						    "step %lu: page %u acc %u "
						    "cached %d model %d "
						    "refs %u\n",
						    s, i, a, rc == 0, m->mapped,
						    m->refs);
					CU_ASSERT_EQUAL_FATAL(rc == 0,
							      m->mapped);
					if (rc)
						continue;
					CU_ASSERT_EQUAL_FATAL(info.refs,
							      m->refs);
					pinned += m->refs > 0;
					if (m->refs) {
						struct xv_pin pp = {
						    .page = info.page,
						    .iova = info.iova};

						check_translates(
						    &pp, addr_kind(i), ac);
					}
				}
			}
			xv_mapcache_get_stats(mc, &st);
			CU_ASSERT_EQUAL_FATAL(st.entries, m_mapped());
			CU_ASSERT_FATAL(st.entries <= R_QUOTA);
			CU_ASSERT_EQUAL_FATAL(st.pinned, pinned);
			CU_ASSERT_EQUAL_FATAL(fm.mapped_now, st.entries);
			CU_ASSERT_EQUAL_FATAL(fm.violations, 0);
			CU_ASSERT_EQUAL_FATAL(fm.bad_unmaps, 0);
			xv_iommu_soft_get_stats(soft, &ist);
			CU_ASSERT_EQUAL_FATAL(ist.mapped, st.entries);
			CU_ASSERT_EQUAL_FATAL(ist.unflushed, 0);
			CU_ASSERT_EQUAL_FATAL(xv_iova_free_pages(space),
					      space_pages - st.entries);
		}
	}
	{
		struct xv_mapcache_stats st;

		xv_mapcache_get_stats(mc, &st);
		printf("  %lu steps: %llu hits, %llu misses, %llu evictions, "
		       "%llu failed batches, %llu bad unpins\n",
		       steps, (unsigned long long)st.hits,
		       (unsigned long long)st.misses,
		       (unsigned long long)st.evictions,
		       (unsigned long long)st.failed_batches,
		       (unsigned long long)st.bad_unpins);
	}
	done(mc);
}

static const struct xv_test_case mapcache_cases[] = {
    {"hits skip the mapper", test_hits_skip_mapper},
    {"one mapper call per batch", test_one_mapper_call_per_batch},
    {"512-page batch is 2 MiB aligned", test_512_batch_is_2mib_aligned},
    {"quota, LRU and eviction order", test_quota_lru_eviction_order},
    {"all or nothing on failure", test_all_or_nothing},
    {"unpin by token", test_unpin_by_token},
    {"IOMMU failure mid-batch", test_iommu_failure_mid_batch},
    {"-ENOSPC when pins fill the quota", test_enospc_when_pinned_fill_quota},
    {"IOVA pressure evicts unused", test_iova_pressure_evicts},
    {"IOVA past the shadow entry's reach", test_iova_past_shadow_limit},
    {"refcounts exact", test_refcounts_exact},
    {"drop unused and teardown", test_drop_unused_and_teardown},
    {"grant index: every kind of address", test_grant_index_kinds},
    {"random vs model", test_random_vs_model},
    {NULL, NULL},
};

static int suite_init(void)
{
	fm.arena =
	    aligned_alloc(XV_PAGE_SIZE, (size_t)ARENA_PAGES * XV_PAGE_SIZE);
	return fm.arena ? 0 : -1;
}

static int suite_cleanup(void)
{
	free(fm.arena);
	return 0;
}

static const struct xv_test_suite mapcache_suite = {"mapcache", mapcache_cases,
						    suite_init, suite_cleanup};

int main(void)
{
	const struct xv_test_suite *suites[] = {&mapcache_suite, NULL};

	return xv_test_main(suites);
}
