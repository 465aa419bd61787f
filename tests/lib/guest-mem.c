/*
 * guest-mem.c — the guest memory / pinner / table allocator test double
 * (see guest-mem.h). Fast enough for benchmarks: a page is found by its
 * gref in an array, an IOVA by an open-addressing hash.
 */
#include "guest-mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pt.h"

#define DATA_IOVA_BASE	(1ull << 32)
#define TABLE_IOVA_BASE (1ull << 44)
#define HOST_IOVA_BASE	(1ull << 46)

enum map_kind { KIND_DATA = 1, KIND_TABLE, KIND_HOST };

struct map_slot {
	uint64_t key; /* iova >> 12; 0 = empty */
	void *host;
	uint8_t kind;
};

struct gm_page {
	uint64_t *mem;
	xv_iova_t iova; /* valid while ref[0] + ref[1] > 0 */
	uint32_t ref[2];
	bool bad;
};

struct xv_gmem {
	uint32_t max_pages;
	uint32_t npages;
	struct gm_page *pages; /* index: gref; 0 unused */
	enum xv_gmem_iova_mode mode;
	uint64_t quota;
	uint64_t live;
	uint32_t tables_left; /* allocations before failure injection */
	xv_iova_t next_data, next_table, next_host;
	struct map_slot *map;
	uint64_t map_cap, map_used;
	void **host_pages;
	uint32_t nhost;
	xv_gmem_unpin_hook hook;
	void *hook_ctx;
	struct xv_gmem_counters c;
};

/* ---- IOVA → host hash (linear probing, backward-shift deletion) ---------- */

static uint64_t map_hash(uint64_t key, uint64_t cap)
{
	return (key * 0x9e3779b97f4a7c15ull >> 17) & (cap - 1);
}

static int map_put(struct xv_gmem *gm, xv_iova_t iova, void *host,
		   uint8_t kind);

static int map_grow(struct xv_gmem *gm)
{
	struct map_slot *old = gm->map;
	uint64_t oldcap = gm->map_cap;

	gm->map_cap = oldcap ? oldcap * 2 : 1024;
	gm->map = calloc(gm->map_cap, sizeof(*gm->map));
	if (!gm->map) {
		gm->map = old;
		gm->map_cap = oldcap;
		return -ENOMEM;
	}
	gm->map_used = 0;
	for (uint64_t i = 0; i < oldcap; i++)
		if (old[i].key)
			map_put(gm, old[i].key << 12, old[i].host, old[i].kind);
	free(old);
	return 0;
}

static int map_put(struct xv_gmem *gm, xv_iova_t iova, void *host, uint8_t kind)
{
	uint64_t key = iova >> 12, i;

	if ((gm->map_used + 1) * 2 > gm->map_cap && map_grow(gm))
		return -ENOMEM;
	for (i = map_hash(key, gm->map_cap); gm->map[i].key;
	     i = (i + 1) & (gm->map_cap - 1))
		if (gm->map[i].key == key)
			break;
	if (!gm->map[i].key)
		gm->map_used++;
	gm->map[i] = (struct map_slot){key, host, kind};
	return 0;
}

static struct map_slot *map_find(const struct xv_gmem *gm, xv_iova_t iova)
{
	uint64_t key = iova >> 12;

	if (!gm->map_cap)
		return NULL;
	for (uint64_t i = map_hash(key, gm->map_cap); gm->map[i].key;
	     i = (i + 1) & (gm->map_cap - 1))
		if (gm->map[i].key == key)
			return &gm->map[i];
	return NULL;
}

static void map_del(struct xv_gmem *gm, xv_iova_t iova)
{
	struct map_slot *s = map_find(gm, iova);
	uint64_t i, j, mask = gm->map_cap - 1;

	if (!s)
		return;
	i = (uint64_t)(s - gm->map);
	gm->map[i].key = 0;
	gm->map_used--;
	/* Backward shift: move later members of the run into the hole. */
	for (j = (i + 1) & mask; gm->map[j].key; j = (j + 1) & mask) {
		uint64_t h = map_hash(gm->map[j].key, gm->map_cap);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			gm->map[i] = gm->map[j];
			gm->map[j].key = 0;
			i = j;
		}
	}
}

/* ---- pages ------------------------------------------------------------------ */

struct xv_gmem *xv_gmem_new(uint32_t max_pages)
{
	struct xv_gmem *gm = calloc(1, sizeof(*gm));

	if (!gm)
		return NULL;
	gm->pages = calloc((size_t)max_pages + 1, sizeof(*gm->pages));
	if (!gm->pages || map_grow(gm)) {
		xv_gmem_free(gm);
		return NULL;
	}
	gm->max_pages = max_pages;
	gm->mode = XV_GMEM_IOVA_CONTIG;
	gm->tables_left = UINT32_MAX;
	gm->next_data = DATA_IOVA_BASE;
	gm->next_table = TABLE_IOVA_BASE;
	gm->next_host = HOST_IOVA_BASE;
	return gm;
}

void xv_gmem_free(struct xv_gmem *gm)
{
	if (!gm)
		return;
	if (gm->pages)
		for (uint32_t i = 1; i <= gm->npages; i++)
			free(gm->pages[i].mem);
	for (uint32_t i = 0; i < gm->nhost; i++)
		free(gm->host_pages[i]);
	free(gm->host_pages);
	free(gm->pages);
	free(gm->map);
	free(gm);
}

static struct gm_page *page_of(const struct xv_gmem *gm, xv_gaddr_t g)
{
	uint64_t gref;

	if (!xv_gaddr_is_grant(g) || (g & ~XV_PTE_GUEST_ADDR_MASK))
		return NULL;
	gref = xv_gaddr_frame(g);
	if (gref == 0 || gref > gm->npages)
		return NULL;
	return &gm->pages[gref];
}

xv_gaddr_t xv_gmem_alloc(struct xv_gmem *gm)
{
	void *mem;

	if (gm->npages >= gm->max_pages)
		return 0;
	if (posix_memalign(&mem, XV_PAGE_SIZE, XV_PAGE_SIZE))
		return 0;
	memset(mem, 0, XV_PAGE_SIZE);
	gm->pages[++gm->npages].mem = mem;
	return xv_gaddr_from_gref(gm->npages);
}

uint64_t *xv_gmem_page(struct xv_gmem *gm, xv_gaddr_t g)
{
	struct gm_page *p = page_of(gm, g);

	return p ? p->mem : NULL;
}

uint32_t xv_gmem_pages(const struct xv_gmem *gm)
{
	return gm->npages;
}

xv_gaddr_t xv_gmem_addr(const struct xv_gmem *gm, uint32_t i)
{
	return i < gm->npages ? xv_gaddr_from_gref(i + 1) : 0;
}

void xv_gmem_set_bad(struct xv_gmem *gm, xv_gaddr_t g, bool bad)
{
	struct gm_page *p = page_of(gm, g);

	if (p)
		p->bad = bad;
}

bool xv_gmem_is_bad(const struct xv_gmem *gm, xv_gaddr_t g)
{
	struct gm_page *p = page_of(gm, g);

	return p && p->bad;
}

bool xv_gmem_pinnable(const struct xv_gmem *gm, xv_gaddr_t g)
{
	struct gm_page *p = page_of(gm, g);

	return p && !p->bad;
}

void xv_gmem_set_iova_mode(struct xv_gmem *gm, enum xv_gmem_iova_mode m)
{
	gm->mode = m;
}

void xv_gmem_set_pin_quota(struct xv_gmem *gm, uint64_t max_live)
{
	gm->quota = max_live;
}

void xv_gmem_fail_tables_after(struct xv_gmem *gm, uint32_t n)
{
	gm->tables_left = n;
}

static unsigned int acc_idx(enum xv_pin_access a)
{
	return a == XV_PIN_READWRITE ? 1 : 0;
}

uint32_t xv_gmem_refs(const struct xv_gmem *gm, xv_gaddr_t g,
		      enum xv_pin_access access)
{
	struct gm_page *p = page_of(gm, g);

	return p ? p->ref[acc_idx(access)] : 0;
}

uint64_t xv_gmem_live_pins(const struct xv_gmem *gm)
{
	return gm->live;
}

bool xv_gmem_iova_of(const struct xv_gmem *gm, xv_gaddr_t g, xv_iova_t *iova)
{
	struct gm_page *p = page_of(gm, g);

	if (!p || p->ref[0] + p->ref[1] == 0)
		return false;
	*iova = p->iova;
	return true;
}

void xv_gmem_get_counters(const struct xv_gmem *gm,
			  struct xv_gmem_counters *out)
{
	*out = gm->c;
}

void xv_gmem_set_unpin_hook(struct xv_gmem *gm, xv_gmem_unpin_hook fn,
			    void *ctx)
{
	gm->hook = fn;
	gm->hook_ctx = ctx;
}

/* ---- the pinner ------------------------------------------------------------- */

static void gm_unpin_batch(void *ctx, const xv_gaddr_t *gaddr, unsigned int n,
			   enum xv_pin_access access);

/*
 * Tokens: the grant reference and the access, encoded unlike a guest
 * address, so that code passing an address where a token is due (or the
 * token of the other access) gets unpin errors, not a silent success.
 */
#define TOKEN_TAG (0x5aull << 56)

static uint64_t token_make(xv_gaddr_t g, unsigned int a)
{
	return TOKEN_TAG | xv_gaddr_frame(g) << 1 | a;
}

static int gm_pin_batch(void *ctx, const xv_gaddr_t *gaddr, unsigned int n,
			enum xv_pin_access access, struct xv_pin *out)
{
	struct xv_gmem *gm = ctx;
	unsigned int a = acc_idx(access), i;
	xv_iova_t next;
	int rc = 0;

	gm->c.pin_calls++;
	if (n > 1)
		gm->c.pin_batch_calls++;
	if (n == 0 || n > XV_PIN_BATCH_MAX ||
	    (access != XV_PIN_READ && access != XV_PIN_READWRITE)) {
		rc = -EINVAL;
		goto out;
	}
	if (gm->quota && gm->live + n > gm->quota) {
		rc = -ENOSPC;
		goto out;
	}
	if (gm->mode == XV_GMEM_IOVA_CONTIG)
		gm->next_data =
		    (gm->next_data + XV_PT_HUGE_SIZE - 1) & XV_PT_HUGE_MASK;
	next = gm->next_data;
	/* One pass; a bad page rolls back what this call took. */
	for (i = 0; i < n; i++) {
		struct gm_page *p = page_of(gm, gaddr[i]);

		if (!p || p->bad) {
			rc = -EFAULT;
			break;
		}
		if (p->ref[0] + p->ref[1] == 0) {
			p->iova = next;
			/* Scattered: leave a hole so no two are adjacent. */
			next += gm->mode == XV_GMEM_IOVA_CONTIG
				    ? XV_PAGE_SIZE
				    : 2 * XV_PAGE_SIZE;
			if (map_put(gm, p->iova, p->mem, KIND_DATA))
				abort(); /* test double: out of memory */
		}
		p->ref[a]++;
		out[i].page = p->mem;
		out[i].iova = p->iova;
		out[i].token = token_make(gaddr[i], a);
	}
	gm->next_data = next;
	gm->live += i;
	if (rc) {
		xv_gmem_unpin_hook hook = gm->hook;
		struct xv_gmem_counters saved = gm->c;

		/* Silent rollback: not an unpin the code under test made. */
		gm->hook = NULL;
		gm_unpin_batch(gm, gaddr, i, access);
		gm->hook = hook;
		gm->c = saved;
		goto out;
	}
	gm->c.pages_pinned += n;
out:
	if (rc)
		gm->c.pin_failed_calls++;
	return rc;
}

static void gm_unpin_batch(void *ctx, const xv_gaddr_t *gaddr, unsigned int n,
			   enum xv_pin_access access)
{
	struct xv_gmem *gm = ctx;
	unsigned int a = acc_idx(access), done = 0;

	gm->c.unpin_calls++;
	for (unsigned int i = 0; i < n; i++) {
		struct gm_page *p = page_of(gm, gaddr[i]);
		bool last;

		if (!p || p->ref[a] == 0) {
			gm->c.unpin_errors++;
			continue;
		}
		last = p->ref[0] + p->ref[1] == 1;
		if (gm->hook)
			gm->hook(gm->hook_ctx, gaddr[i], p->iova, last);
		p->ref[a]--;
		done++;
		if (last) {
			map_del(gm, p->iova);
			p->iova = 0;
		}
	}
	/* Counted once per call: keeps the per-page loop short. */
	gm->live -= done;
	gm->c.pages_unpinned += done;
}

static void gm_unpin_tokens(void *ctx, const uint64_t *token, unsigned int n,
			    enum xv_pin_access access)
{
	xv_gaddr_t g[XV_PIN_BATCH_MAX];
	unsigned int a = acc_idx(access);

	if (n > XV_PIN_BATCH_MAX)
		n = XV_PIN_BATCH_MAX; /* test double: excess is not unpinned */
	/* A token that is not ours, or not of this access, unpins nothing
	 * and counts as an unpin error (address 0 names no page). */
	for (unsigned int i = 0; i < n; i++)
		g[i] = (token[i] & (0xffull << 56)) == TOKEN_TAG &&
			       (token[i] & 1) == a
			   ? xv_gaddr_from_gref(
				 (uint32_t)((token[i] & ~(0xffull << 56)) >> 1))
			   : 0;
	gm_unpin_batch(ctx, g, n, access);
}

const struct xv_pin_ops xv_gmem_pin_ops = {
    .pin_batch = gm_pin_batch,
    .unpin_batch = gm_unpin_batch,
    .unpin_tokens = gm_unpin_tokens,
};

/* ---- a mapper for the real map cache ---------------------------------------- */

static int gm_map_batch(void *ctx, uint32_t domid, const xv_gaddr_t *gaddr,
			unsigned int n, enum xv_pin_access access, void **pages)
{
	struct xv_gmem *gm = ctx;

	(void)domid;
	(void)access;
	for (unsigned int i = 0; i < n; i++) {
		struct gm_page *p = page_of(gm, gaddr[i]);

		if (!p || p->bad)
			return -EFAULT; /* nothing was mapped: all-or-nothing */
		pages[i] = p->mem;
	}
	return 0;
}

static void gm_unmap_batch(void *ctx, void *const *pages, unsigned int n)
{
	(void)ctx;
	(void)pages;
	(void)n;
}

const struct xv_mapper_ops xv_gmem_mapper_ops = {
    .map_batch = gm_map_batch,
    .unmap_batch = gm_unmap_batch,
};

/* ---- tables, host pages, lookup ---------------------------------------------- */

static int gm_table_alloc(void *ctx, uint64_t **table, xv_iova_t *iova)
{
	struct xv_gmem *gm = ctx;
	void *mem;

	if (gm->tables_left == 0) {
		gm->c.table_alloc_failures++;
		return -ENOMEM;
	}
	if (posix_memalign(&mem, XV_PAGE_SIZE, XV_PAGE_SIZE))
		return -ENOMEM;
	memset(mem, 0, XV_PAGE_SIZE);
	if (map_put(gm, gm->next_table, mem, KIND_TABLE)) {
		free(mem);
		return -ENOMEM;
	}
	if (gm->tables_left != UINT32_MAX)
		gm->tables_left--;
	*table = mem;
	*iova = gm->next_table;
	gm->next_table += XV_PAGE_SIZE;
	gm->c.tables_live++;
	gm->c.tables_allocated++;
	return 0;
}

static void gm_table_free(void *ctx, uint64_t *table, xv_iova_t iova)
{
	struct xv_gmem *gm = ctx;
	struct map_slot *s = map_find(gm, iova);

	if (!s || s->kind != KIND_TABLE || s->host != table)
		abort(); /* test double: the code under test freed junk */
	map_del(gm, iova);
	/* Poison before freeing so a use-after-free reads garbage. */
	memset(table, 0xa5, XV_PAGE_SIZE);
	free(table);
	gm->c.tables_live--;
}

const struct xv_shadow_table_ops xv_gmem_table_ops = {
    .alloc = gm_table_alloc,
    .free = gm_table_free,
};

void *xv_gmem_host_page(struct xv_gmem *gm, xv_iova_t *iova)
{
	void **hp = realloc(gm->host_pages, (gm->nhost + 1) * sizeof(*hp));
	void *mem;

	if (!hp)
		return NULL;
	gm->host_pages = hp;
	if (posix_memalign(&mem, XV_PAGE_SIZE, XV_PAGE_SIZE))
		return NULL;
	memset(mem, 0, XV_PAGE_SIZE);
	if (map_put(gm, gm->next_host, mem, KIND_HOST)) {
		free(mem);
		return NULL;
	}
	hp[gm->nhost++] = mem;
	*iova = gm->next_host;
	gm->next_host += XV_PAGE_SIZE;
	return mem;
}

void *xv_gmem_host(const struct xv_gmem *gm, xv_iova_t iova)
{
	struct map_slot *s = map_find(gm, iova);

	return s ? s->host : NULL;
}

const uint64_t *xv_gmem_table_fn(void *ctx, xv_iova_t iova, unsigned int level)
{
	const struct xv_gmem *gm = ctx;
	struct map_slot *s = map_find(gm, iova);

	(void)level;
	if (!s || s->kind != KIND_TABLE || (iova & ~XV_PAGE_MASK))
		return NULL;
	return s->host;
}
