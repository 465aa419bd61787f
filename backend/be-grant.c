/*
 * be-grant.c — the grant mapper on libxengnttab (see be-grant.h).
 *
 * Trusts nothing in a guest address (checked with xv_proto_check_gaddr)
 * and nothing about the domid it is asked for (compared with its own).
 * Chunks are found by address in a tree (tsearch) whose comparison treats
 * a page inside a chunk as equal to it; chunks never overlap.
 */
#include "be-grant.h"

#include <errno.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xengnttab.h>

#include "proto.h"

/* One gntdev mapping (one map call): n pages from base, live of them
 * still held by the map cache; guard: its spacer page (see spacer()),
 * or NULL. */
struct chunk {
	char *base;
	uint32_t n;
	uint32_t live;
	void *guard;
};

/* Owned by the vGPU's ring worker; the stats are read by any thread. */
struct be_grant {
	uint32_t domid;
	const struct be_grant_io *io;
	void *handle;
	void *chunks; /* tsearch root of struct chunk * */
	struct be_grant_stats st;
};

static void *xgt_map(void *h, uint32_t count, uint32_t domid, uint32_t *refs,
		     int prot)
{
	return xengnttab_map_domain_grant_refs(h, count, domid, refs, prot);
}

static int xgt_unmap(void *h, void *start, uint32_t count)
{
	return xengnttab_unmap(h, start, count);
}

const struct be_grant_io be_grant_xengnttab = {xgt_map, xgt_unmap};

/* Equal when the ranges overlap: a one-page key finds its chunk. */
static int chunk_cmp(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;

	if (x->base + (size_t)x->n * XV_PAGE_SIZE <= y->base)
		return -1;
	if (y->base + (size_t)y->n * XV_PAGE_SIZE <= x->base)
		return 1;
	return 0;
}

static void stat_add(uint64_t *field, uint64_t n)
{
	__atomic_store_n(field, *field + n, __ATOMIC_RELAXED);
}

int be_grant_new(const struct be_grant_config *cfg, struct be_grant **out)
{
	struct be_grant *g;

	*out = NULL;
	if (!cfg->io || !cfg->io->map || !cfg->io->unmap)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->domid = cfg->domid;
	g->io = cfg->io;
	g->handle = cfg->handle;
	*out = g;
	return 0;
}

/*
 * The spacer page of a chunk of n pages about to be mapped: address
 * space only (PROT_NONE), unmapped with the chunk; NULL if none could be
 * had, which costs nothing but the spacing.
 *
 * Why: the kernel places mappings top-down, each below the last, so
 * chunks of 512 grants sat exactly 2 MiB apart and the pages of two
 * guest buffers a power of two apart in our address space. A COPY reads
 * and writes such pages in turn, which a direct-mapped TLB indexed by
 * virtual page cannot hold at once; QEMU's software TLB is one. On the
 * bed, a COPY between self-granted pages 16 MiB apart ran at 0.55-0.58
 * of its speed on the program's own pages, at 0.75-0.92 with the
 * destination one page further (bench-gpu-direct --copy-mem). Harmless
 * on hardware.
 *
 * How: reserve n + 1 pages (top-down: the highest gap that fits them,
 * normally right below the lowest mapping), give back the upper n, and
 * the chunk's own mapping, asked for next, takes that hole: the chunks
 * then sit n + 1 pages apart. A lone spacer mmap'd after the chunk does
 * not work: it goes to the highest 4 KiB hole anywhere in the process.
 */
static void *spacer(unsigned int n)
{
	const size_t len = (size_t)(n + 1) * XV_PAGE_SIZE;
	char *r = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	if (munmap(r + XV_PAGE_SIZE, len - XV_PAGE_SIZE)) {
		munmap(r, len);
		return NULL;
	}
	return r;
}

static void spacer_free(void *guard)
{
	if (guard)
		munmap(guard, XV_PAGE_SIZE);
}

static void release_chunk(struct be_grant *g, struct chunk *c)
{
	tdelete(c, &g->chunks, chunk_cmp);
	spacer_free(c->guard);
	/* A failed unmap leaves the pages mapped in our address space; the
	 * guest cannot get them back until the daemon exits, but nothing
	 * else can reach them either. */
	g->io->unmap(g->handle, c->base, c->n);
	stat_add(&g->st.unmap_calls, 1);
	stat_add(&g->st.pages_unmapped, c->n);
	stat_add(&g->st.live_chunks, (uint64_t)-1);
	stat_add(&g->st.mapped_pages, (uint64_t)0 - c->n);
	free(c);
}

void be_grant_free(struct be_grant *g)
{
	if (!g)
		return;
	/* the root node's first word points at its chunk (tsearch(3)) */
	while (g->chunks) {
		struct chunk *c = *(struct chunk **)g->chunks;

		stat_add(&g->st.live_pages, (uint64_t)0 - c->live);
		release_chunk(g, c);
	}
	free(g);
}

static int grant_map(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
		     unsigned int n, enum xv_pin_access access, void **pages)
{
	struct be_grant *g = ctx;
	uint32_t refs[XV_PIN_BATCH_MAX];
	struct chunk *c = NULL;
	char *base = NULL;
	int prot = PROT_READ;
	int rc;

	if (domid != g->domid || n == 0 || n > XV_PIN_BATCH_MAX ||
	    (access != XV_PIN_READ && access != XV_PIN_READWRITE)) {
		stat_add(&g->st.refused, 1);
		return -EFAULT;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (xv_proto_check_gaddr(gaddr[i])) {
			stat_add(&g->st.refused, 1);
			return -EFAULT;
		}
		refs[i] = XV_GADDR_TO_GREF(gaddr[i]);
	}
	if (access == XV_PIN_READWRITE)
		prot |= PROT_WRITE;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->guard = spacer(n);
	base = g->io->map(g->handle, n, g->domid, refs, prot);
	if (!base) {
		/* all-or-nothing: nothing of the batch is mapped */
		rc = errno == ENOMEM ? -ENOMEM : -EFAULT;
		stat_add(&g->st.failed_maps, 1);
		spacer_free(c->guard);
		free(c);
		return rc;
	}
	c->base = base;
	c->n = n;
	c->live = n;
	if (!tsearch(c, &g->chunks, chunk_cmp)) {
		g->io->unmap(g->handle, base, n);
		stat_add(&g->st.unmap_calls, 1);
		spacer_free(c->guard);
		free(c);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++)
		pages[i] = base + (size_t)i * XV_PAGE_SIZE;
	stat_add(&g->st.map_calls, 1);
	stat_add(&g->st.pages_mapped, n);
	stat_add(&g->st.live_pages, n);
	stat_add(&g->st.live_chunks, 1);
	stat_add(&g->st.mapped_pages, n);
	return 0;
}

static void grant_unmap(void *ctx, void *const *pages, unsigned int n)
{
	struct be_grant *g = ctx;

	for (unsigned int i = 0; i < n; i++) {
		struct chunk key = {pages[i], 1, 0, NULL};
		struct chunk **found = tfind(&key, &g->chunks, chunk_cmp);
		struct chunk *c;

		if (!found ||
		    ((char *)pages[i] - (*found)->base) % XV_PAGE_SIZE) {
			stat_add(&g->st.refused, 1); /* the cache's bug */
			continue;
		}
		c = *found;
		stat_add(&g->st.live_pages, (uint64_t)-1);
		if (--c->live == 0)
			release_chunk(g, c);
	}
}

const struct xv_mapper_ops be_grant_mapper_ops = {grant_map, grant_unmap};

void be_grant_get_stats(const struct be_grant *g, struct be_grant_stats *out)
{
	const uint64_t *src = (const uint64_t *)&g->st;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
