/*
 * fuzz-be-submit.c — libFuzzer target for the backend's SUBMIT gathering
 * (backend/be-submit.c) facing a hostile guest: the request's length,
 * inline grefs and directory gref, and every directory page of the chain
 * come from the input.
 *
 * TEST DOUBLE: guest memory and grant mapping are tests/lib/guest-mem's
 * (gref 1..NPAGES each name one fake page; the input marks some "bad",
 * as a revoked grant, which fails its mapping), behind the real map cache
 * on the software IOMMU, as in test-be-ctx. Nothing else is faked.
 *
 * Input (cursor, zeros past the end):
 *   u8  mode      bit 0: an inline-sized buffer; bits 1-2: directory
 *                 pages written (at grefs 1..n); bit 3: the header's
 *                 counts as given (else nr_inline and the unused grefs
 *                 are made to agree with the length); bit 4: the
 *                 directory pages' next and num_grefs as given (else
 *                 as an honest frontend chains them from gref 1)
 *   u32 length    cmd_bytes, reduced into the size mode picks
 *   u8  nr_inline, then 7 x u32 inline grefs, u32 gref_directory
 *   u64 bad       bit i: gref i+1 fails to map
 *   per directory page written: u32 next, u16 num_grefs, u8 base,
 *                 u8 stride (gref[i] = 1 + (base + i * stride) % NPAGES
 *                 for i < num), u8 k, then k x (u16 index, u32 gref) raw
 *                 overrides (zeros, grefs past num, unmappable grefs)
 * A gref taken from the input is 0..NPAGES, or itself when >= 0xffffff00.
 * Every other page holds a pattern of its own gref.
 *
 * Invariants: an accepted SUBMIT (xv_proto_check_req, as be_vgpu_handle
 * does first) gathers to exactly the bytes of the pages a plain reading
 * of the request and chain names, or fails with a known directory or
 * grant status exactly when that reading finds the chain or a page bad;
 * nothing stays pinned afterwards.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "be-submit.h"
#include "fuzz-input.h"
#include "guest-mem.h"
#include "iommu-soft.h"
#include "mapcache.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPAGES 64u
/*
 * Room for a chain of two directory pages (the second one short): every
 * link of a chain, at half the copying a third page would cost.
 */
#define MAX_PAGES     (XV_DIR_GREFS_PER_PAGE + 8)
#define MAX_CMD_BYTES (MAX_PAGES * XV_PAGE_SIZE)

static struct xv_gmem *gm;
static uint8_t *pages_of[NPAGES + 1]; /* gref -> its page */
static struct xv_iommu_soft *soft;
static xv_iommu_ctx_t ictx;

/* A page's pattern: its own bytes, so a page copied for another shows. */
static uint8_t pattern(uint32_t gref, uint32_t i)
{
	return (uint8_t)(gref * 31 + i);
}

static void init_once(void)
{
	if (gm)
		return;
	gm = xv_gmem_new(NPAGES);
	xv_require(gm);
	for (uint32_t g = 1; g <= NPAGES; g++) {
		xv_require(xv_gmem_alloc(gm) == XV_GADDR_FROM_GREF(g));
		pages_of[g] =
		    (uint8_t *)xv_gmem_page(gm, XV_GADDR_FROM_GREF(g));
		for (uint32_t i = 0; i < XV_PAGE_SIZE; i++)
			pages_of[g][i] = pattern(g, i);
	}
	xv_require(xv_iommu_soft_new(1, &soft) == 0);
	xv_require(xv_iommu_soft_ops.ctx_alloc(soft, &ictx) == 0);
}

static uint8_t *page(uint32_t gref)
{
	return pages_of[gref];
}

static uint32_t pick_gref(uint32_t raw)
{
	return raw >= 0xffffff00u ? raw : raw % (NPAGES + 1);
}

/*
 * Directory page g of a chain. honest: its next and count as a correct
 * frontend writes them for a buffer that still needs *left grefs; else
 * as the input says. Either way the input then overrides single grefs.
 */
static void write_dir(struct xv_fuzz_in *in, uint32_t g, bool honest,
		      uint32_t *left)
{
	struct xv_gref_dir *d = (struct xv_gref_dir *)page(g);
	uint32_t num, base, stride, k;

	memset(d, 0, XV_PAGE_SIZE);
	d->gref_dir_next_page = pick_gref(xv_fuzz_u32(in));
	/* Mostly near the page's capacity, sometimes far over it. */
	num = xv_fuzz_u16(in);
	d->num_grefs =
	    num < 0xff00 ? num % (XV_DIR_GREFS_PER_PAGE + 2) : num << 8;
	if (honest) {
		d->num_grefs = *left < XV_DIR_GREFS_PER_PAGE
				   ? *left
				   : XV_DIR_GREFS_PER_PAGE;
		*left -= d->num_grefs;
		d->gref_dir_next_page = *left ? g + 1 : 0;
	}
	base = xv_fuzz_u8(in);
	stride = xv_fuzz_u8(in);
	for (uint32_t i = 0; i < d->num_grefs && i < XV_DIR_GREFS_PER_PAGE; i++)
		d->gref[i] = 1 + (base + i * stride) % NPAGES;
	k = xv_fuzz_u8(in);
	for (uint32_t i = 0; i < k; i++) {
		uint32_t at = xv_fuzz_u16(in) % XV_DIR_GREFS_PER_PAGE;

		d->gref[at] = pick_gref(xv_fuzz_u32(in));
	}
}

static bool mappable(uint32_t gref)
{
	return gref != 0 && xv_gmem_pinnable(gm, XV_GADDR_FROM_GREF(gref));
}

/*
 * The buffer's grefs as a plain reading of the request finds them, or
 * false where the chain or a page is bad: the reference for the gather.
 */
static bool model_grefs(const struct xv_req_submit *s, uint32_t pages,
			uint32_t *grefs)
{
	uint32_t have = 0, next = s->gref_directory;

	if (pages <= XV_SUBMIT_INLINE_GREFS) {
		memcpy(grefs, s->gref, pages * sizeof(*grefs));
	} else {
		while (have < pages) {
			const struct xv_gref_dir *d;

			if (!mappable(next))
				return false;
			d = (const void *)page(next);
			if (xv_proto_check_dir(d, pages - have))
				return false;
			memcpy(grefs + have, d->gref,
			       d->num_grefs * sizeof(*grefs));
			have += d->num_grefs;
			next = d->gref_dir_next_page;
		}
	}
	for (uint32_t i = 0; i < pages; i++)
		if (!mappable(grefs[i]))
			return false;
	return true;
}

static bool gather_status(int rc)
{
	switch (rc) {
	case -XV_ERR_DIR_GREF_ZERO:
	case -XV_ERR_DIR_EMPTY:
	case -XV_ERR_DIR_NUM_OVER_PAGE:
	case -XV_ERR_DIR_NUM_OVER_REMAINING:
	case -XV_ERR_DIR_CHAIN_LONG:
	case -XV_ERR_DIR_CHAIN_SHORT:
	case -XV_ERR_DIR_NOT_FULL:
	case -XV_ERR_DIR_UNUSED:
	case -XV_ERR_BAD_GREF:
		return true;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t want[MAX_PAGES];
	struct xv_proto_params params = {
	    .limits = {.max_contexts = 4, .max_cmd_bytes = MAX_CMD_BYTES},
	};
	struct xv_mapcache_config cfg = {
	    .domid = 7,
	    .max_pages = NPAGES,
	    .mapper = &xv_gmem_mapper_ops,
	    .iova_base = 1ull << 20,
	    .iova_size = 64ull << 20,
	};
	struct xv_mapcache_stats st;
	struct xv_mapcache *mc = NULL;
	struct xv_fuzz_in in;
	struct xv_req req;
	struct xv_req_submit *s = &req.u.submit;
	uint32_t pages, ndirs, raw, left;
	uint64_t bad;
	void *buf = NULL;
	uint8_t mode;
	bool ok;
	int rc;

	init_once();
	xv_fuzz_in_init(&in, data, size);
	memset(&req, 0, sizeof(req));
	req.op = XV_OP_SUBMIT;
	req.ctx = 1;
	s->fence = 1;
	mode = xv_fuzz_u8(&in);
	raw = xv_fuzz_u32(&in);
	s->cmd_bytes = mode & 1
			   ? raw % (XV_SUBMIT_INLINE_GREFS * XV_PAGE_SIZE + 1)
			   : raw % (MAX_CMD_BYTES + 1);
	s->nr_inline = xv_fuzz_u8(&in);
	for (uint32_t i = 0; i < XV_SUBMIT_INLINE_GREFS; i++)
		s->gref[i] = pick_gref(xv_fuzz_u32(&in));
	s->gref_directory = pick_gref(xv_fuzz_u32(&in));
	bad = (uint64_t)xv_fuzz_u32(&in) | (uint64_t)xv_fuzz_u32(&in) << 32;
	pages = xv_proto_submit_pages(s->cmd_bytes);
	if (!(mode & 8)) {
		/* Mostly a header the validator passes, so the gather runs:
		 * the counts match the length, unused slots are 0, and an
		 * honest chain starts at gref 1. */
		s->nr_inline = pages <= XV_SUBMIT_INLINE_GREFS ? pages : 0;
		for (uint32_t i = s->nr_inline; i < XV_SUBMIT_INLINE_GREFS; i++)
			s->gref[i] = 0;
		if (pages <= XV_SUBMIT_INLINE_GREFS)
			s->gref_directory = 0;
		else if (!(mode & 16))
			s->gref_directory = 1;
	}

	/* The guest's pages: each holds its pattern but the first ndirs,
	 * which hold the directory pages the input writes (restored after
	 * the run). */
	for (uint32_t g = 1; g <= NPAGES; g++)
		xv_gmem_set_bad(gm, XV_GADDR_FROM_GREF(g), bad >> (g - 1) & 1);
	ndirs = (mode >> 1) & 3;
	left = pages;
	for (uint32_t g = 1; g <= ndirs; g++)
		write_dir(&in, g, !(mode & 16), &left);

	/* be_vgpu_handle validates the request before anything runs. */
	if (xv_proto_check_req(&req, &params))
		goto out;
	xv_require(pages >= 1 && pages <= MAX_PAGES);
	ok = model_grefs(s, pages, want);

	cfg.mapper_ctx = gm;
	cfg.iommu = xv_iommu_soft_iommu(soft);
	cfg.iommu_ctx = ictx;
	xv_require(xv_mapcache_new(&cfg, &mc) == 0);
	rc = be_submit_gather(mc, s, &buf);
	xv_mapcache_get_stats(mc, &st);
	xv_require(st.pinned == 0 && st.bad_unpins == 0 && st.leaked == 0);
	xv_mapcache_free(mc);

	if (rc == 0) {
		xv_require(ok);
		xv_require(buf);
		for (uint32_t i = 0; i < pages; i++) {
			size_t off = (size_t)i * XV_PAGE_SIZE;
			size_t len = s->cmd_bytes - off < XV_PAGE_SIZE
					 ? s->cmd_bytes - off
					 : XV_PAGE_SIZE;

			xv_require(memcmp((uint8_t *)buf + off, page(want[i]),
					  len) == 0);
		}
	} else {
		xv_require(!ok);
		xv_require(buf == NULL);
		xv_require(gather_status(rc));
	}
out:
	free(buf);
	for (uint32_t g = 1; g <= ndirs; g++)
		for (uint32_t i = 0; i < XV_PAGE_SIZE; i++)
			page(g)[i] = pattern(g, i);
	return 0;
}
