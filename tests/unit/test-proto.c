/*
 * test-proto.c — the wire protocol's validators (common/proto.c) and the
 * ring discipline of common/vgpuif.h.
 *
 * Every rejection is hit with a request that is valid but for the one
 * field under test, and the exact code is asserted. A ring over several
 * pages of plain memory carries requests and responses through the
 * RING_* macros with copy-then-validate at both ends.
 */
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "proto.h"
#include "xv-test.h"

static struct xv_proto_params params(void)
{
	struct xv_proto_params p = {
	    .limits = xv_test_limits(),
	    .features = XV_FEATURE_ALL,
	};
	return p;
}

/* A valid request of each op; SUBMIT is one inline page. */
static struct xv_req mkreq(uint16_t op)
{
	struct xv_req r;

	memset(&r, 0, sizeof(r));
	r.id = 0x1122334455667788ull;
	r.op = op;
	switch (op) {
	case XV_OP_CFG_READ:
		r.u.cfg.offset = 0x40;
		r.u.cfg.size = 4;
		break;
	case XV_OP_CFG_WRITE:
		r.u.cfg.offset = 0x42;
		r.u.cfg.size = 2;
		r.u.cfg.value = 0xbeef;
		break;
	case XV_OP_CTX_CREATE:
		r.u.ctx_create.flags = XV_CTX_FLAG_NOSNOOP;
		break;
	case XV_OP_CTX_DESTROY:
	case XV_OP_PT_RESYNC:
		r.ctx = 3;
		break;
	case XV_OP_CTX_SET_ROOT:
		r.ctx = 16;
		r.u.set_root.root = XV_GADDR_FROM_GREF(77);
		break;
	case XV_OP_PT_UPDATE:
		r.ctx = 1;
		r.u.pt_update.gpu_va = 0x100000;
		r.u.pt_update.length = 0x3000;
		break;
	case XV_OP_SUBMIT:
		r.ctx = 2;
		r.u.submit.fence = 1;
		r.u.submit.cmd_bytes = 100;
		r.u.submit.nr_inline = 1;
		r.u.submit.gref[0] = 9;
		break;
	default:
		break;
	}
	return r;
}

static const uint16_t all_ops[] = {
    XV_OP_QUERY_CAPS, XV_OP_CFG_READ,	 XV_OP_CFG_WRITE,
    XV_OP_CTX_CREATE, XV_OP_CTX_DESTROY, XV_OP_CTX_SET_ROOT,
    XV_OP_PT_UPDATE,  XV_OP_PT_RESYNC,	 XV_OP_SUBMIT,
};

static int check(const struct xv_req *r)
{
	struct xv_proto_params p = params();

	return xv_proto_check_req(r, &p);
}

static void set_submit(struct xv_req *r, uint32_t bytes)
{
	uint32_t pages = xv_proto_submit_pages(bytes);

	memset(&r->u.submit.gref, 0, sizeof(r->u.submit.gref));
	r->u.submit.cmd_bytes = bytes;
	r->u.submit.gref_directory = 0;
	r->u.submit.nr_inline = 0;
	if (pages > XV_SUBMIT_INLINE_GREFS) {
		r->u.submit.gref_directory = 1000;
		return;
	}
	r->u.submit.nr_inline = (uint8_t)pages;
	for (uint32_t i = 0; i < pages; i++)
		r->u.submit.gref[i] = 100 + i;
}

/* ---- requests ------------------------------------------------------------- */

static void test_valid_every_op(void)
{
	for (size_t i = 0; i < XV_ARRAY_SIZE(all_ops); i++) {
		struct xv_req r = mkreq(all_ops[i]);

		CU_ASSERT_EQUAL(check(&r), 0);
	}

	struct xv_req r = mkreq(XV_OP_SUBMIT);
	uint32_t sizes[] = {1, 4096, 4097, 7 * 4096, 7 * 4096 + 1, 1u << 20};

	for (size_t i = 0; i < XV_ARRAY_SIZE(sizes); i++) {
		set_submit(&r, sizes[i]);
		CU_ASSERT_EQUAL(check(&r), 0);
	}
}

static void test_op_ranges(void)
{
	const struct {
		uint16_t op;
		int rc;
	} cases[] = {
	    {0x0000, -XV_ERR_OP_INVALID},  {0x000a, -XV_ERR_OP_UNKNOWN},
	    {0x00ff, -XV_ERR_OP_UNKNOWN},  {0x0100, -XV_ERR_OP_RESERVED},
	    {0x7fff, -XV_ERR_OP_RESERVED}, {0x8000, -XV_ERR_OP_VENDOR},
	    {0xfffe, -XV_ERR_OP_VENDOR},   {0xffff, -XV_ERR_OP_RESERVED},
	};

	for (size_t i = 0; i < XV_ARRAY_SIZE(cases); i++) {
		struct xv_req r = mkreq(XV_OP_QUERY_CAPS);

		r.op = cases[i].op;
		CU_ASSERT_EQUAL(check(&r), cases[i].rc);
	}
}

static void test_header(void)
{
	struct xv_req r = mkreq(XV_OP_QUERY_CAPS);

	r.reserved0 = 1;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_HDR_RESERVED);

	const uint16_t no_ctx[] = {XV_OP_QUERY_CAPS, XV_OP_CFG_READ,
				   XV_OP_CFG_WRITE, XV_OP_CTX_CREATE};
	for (size_t i = 0; i < XV_ARRAY_SIZE(no_ctx); i++) {
		r = mkreq(no_ctx[i]);
		r.ctx = 1;
		CU_ASSERT_EQUAL(check(&r), -XV_ERR_CTX_NOT_ZERO);
	}
	const uint16_t with_ctx[] = {XV_OP_CTX_DESTROY, XV_OP_CTX_SET_ROOT,
				     XV_OP_PT_UPDATE, XV_OP_PT_RESYNC,
				     XV_OP_SUBMIT};
	for (size_t i = 0; i < XV_ARRAY_SIZE(with_ctx); i++) {
		r = mkreq(with_ctx[i]);
		r.ctx = 0;
		CU_ASSERT_EQUAL(check(&r), -XV_ERR_CTX_RANGE);
		r.ctx = 17;
		CU_ASSERT_EQUAL(check(&r), -XV_ERR_CTX_RANGE);
		r.ctx = UINT32_MAX;
		CU_ASSERT_EQUAL(check(&r), -XV_ERR_CTX_RANGE);
		r.ctx = 16;
		CU_ASSERT_EQUAL(check(&r), 0);
	}
}

/* Each reserved payload byte of each op, one at a time. */
static void test_payload_reserved(void)
{
	const struct {
		uint16_t op;
		size_t from, to; /* offsets in the 48-byte payload */
	} ranges[] = {
	    {XV_OP_QUERY_CAPS, 0, 48},
	    {XV_OP_CTX_DESTROY, 0, 48},
	    {XV_OP_PT_RESYNC, 0, 48},
	    {XV_OP_CFG_READ, offsetof(struct xv_req_cfg, value), 48},
	    {XV_OP_CFG_WRITE, offsetof(struct xv_req_cfg, reserved), 48},
	    {XV_OP_CTX_CREATE, offsetof(struct xv_req_ctx_create, reserved),
	     48},
	    {XV_OP_CTX_SET_ROOT, offsetof(struct xv_req_set_root, reserved),
	     48},
	    {XV_OP_PT_UPDATE, offsetof(struct xv_req_pt_update, reserved), 48},
	    {XV_OP_SUBMIT, offsetof(struct xv_req_submit, reserved),
	     offsetof(struct xv_req_submit, gref)},
	};
	unsigned int hits = 0;

	for (size_t i = 0; i < XV_ARRAY_SIZE(ranges); i++) {
		for (size_t b = ranges[i].from; b < ranges[i].to; b++) {
			struct xv_req r = mkreq(ranges[i].op);

			r.u.raw[b] = 0x80;
			CU_ASSERT_EQUAL(check(&r), -XV_ERR_PAYLOAD_RESERVED);
			hits++;
		}
	}
	CU_ASSERT(hits > 300);
}

static void test_cfg(void)
{
	const struct {
		uint16_t op;
		uint32_t offset, size, value;
		int rc;
	} cases[] = {
	    {XV_OP_CFG_READ, 0, 0, 0, -XV_ERR_CFG_SIZE},
	    {XV_OP_CFG_READ, 0, 3, 0, -XV_ERR_CFG_SIZE},
	    {XV_OP_CFG_READ, 0, 8, 0, -XV_ERR_CFG_SIZE},
	    {XV_OP_CFG_READ, 0, UINT32_MAX, 0, -XV_ERR_CFG_SIZE},
	    {XV_OP_CFG_READ, 1, 2, 0, -XV_ERR_CFG_ALIGN},
	    {XV_OP_CFG_READ, 4094, 4, 0, -XV_ERR_CFG_ALIGN},
	    {XV_OP_CFG_WRITE, 6, 4, 0, -XV_ERR_CFG_ALIGN},
	    {XV_OP_CFG_READ, 4096, 1, 0, -XV_ERR_CFG_RANGE},
	    {XV_OP_CFG_READ, 4096, 4, 0, -XV_ERR_CFG_RANGE},
	    {XV_OP_CFG_WRITE, 0xfffffffc, 4, 0, -XV_ERR_CFG_RANGE},
	    {XV_OP_CFG_WRITE, 0, 1, 0x100, -XV_ERR_CFG_VALUE_WIDTH},
	    {XV_OP_CFG_WRITE, 0, 2, 0x10000, -XV_ERR_CFG_VALUE_WIDTH},
	    {XV_OP_CFG_WRITE, 0, 1, 0xff, 0},
	    {XV_OP_CFG_WRITE, 0, 4, 0xffffffff, 0},
	    {XV_OP_CFG_READ, 4092, 4, 0, 0},
	    {XV_OP_CFG_READ, 4095, 1, 0, 0},
	    {XV_OP_CFG_READ, 4094, 2, 0, 0},
	};

	for (size_t i = 0; i < XV_ARRAY_SIZE(cases); i++) {
		struct xv_req r = mkreq(cases[i].op);

		r.u.cfg.offset = cases[i].offset;
		r.u.cfg.size = cases[i].size;
		r.u.cfg.value = cases[i].value;
		CU_ASSERT_EQUAL(check(&r), cases[i].rc);
	}
}

static void test_ctx_create_flags(void)
{
	struct xv_proto_params p = params();
	struct xv_req r = mkreq(XV_OP_CTX_CREATE);

	r.u.ctx_create.flags = 1u << 2;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_CTX_FLAGS_UNKNOWN);
	r.u.ctx_create.flags = 1u << 31 | XV_CTX_FLAG_NOSNOOP;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_CTX_FLAGS_UNKNOWN);
	r.u.ctx_create.flags = XV_CTX_FLAG_ALL;
	CU_ASSERT_EQUAL(xv_proto_check_req(&r, &p), 0);

	p.features = XV_FEATURE_ALL & ~XV_FEATURE_NOSNOOP;
	r.u.ctx_create.flags = XV_CTX_FLAG_NOSNOOP;
	CU_ASSERT_EQUAL(xv_proto_check_req(&r, &p),
			-XV_ERR_CTX_FLAGS_NOT_NEGOTIATED);
	/* a profile that enforces coherency: not permitted */
	p.limits.features = XV_FEATURE_ALL & ~XV_FEATURE_NOSNOOP;
	CU_ASSERT_EQUAL(xv_proto_check_req(&r, &p), -XV_ERR_PERM);
	p.limits.features = XV_FEATURE_ALL;
	r.u.ctx_create.flags = XV_CTX_FLAG_OOS;
	CU_ASSERT_EQUAL(xv_proto_check_req(&r, &p), 0);
	p.features = XV_FEATURE_ALL & ~XV_FEATURE_OOS_PT;
	CU_ASSERT_EQUAL(xv_proto_check_req(&r, &p),
			-XV_ERR_CTX_FLAGS_NOT_NEGOTIATED);
	r.u.ctx_create.flags = 0;
	CU_ASSERT_EQUAL(xv_proto_check_req(&r, &p), 0);
}

static void test_set_root_gaddr(void)
{
	const struct {
		uint64_t root;
		int rc;
	} cases[] = {
	    {XV_GADDR_FROM_GREF(1), 0},
	    {XV_GADDR_FROM_GREF(UINT32_MAX), 0},
	    {XV_GADDR_FROM_GREF(5) | 0x800, -XV_ERR_GADDR_ALIGN},
	    {XV_GADDR_FROM_GREF(5) | 1, -XV_ERR_GADDR_ALIGN},
	    {5ull << 12, -XV_ERR_GADDR_NOT_GRANT},
	    {0, -XV_ERR_GADDR_NOT_GRANT},
	    {XV_GADDR_FROM_GREF(5) | 1ull << 44, -XV_ERR_GADDR_RESERVED},
	    {XV_GADDR_FROM_GREF(5) | 1ull << 51, -XV_ERR_GADDR_RESERVED},
	    {XV_GADDR_FROM_GREF(5) | 1ull << 52, -XV_ERR_GADDR_RESERVED},
	    {XV_GADDR_FROM_GREF(5) | 1ull << 62, -XV_ERR_GADDR_RESERVED},
	    {XV_GADDR_GRANT, -XV_ERR_GADDR_GREF_ZERO},
	};

	for (size_t i = 0; i < XV_ARRAY_SIZE(cases); i++) {
		struct xv_req r = mkreq(XV_OP_CTX_SET_ROOT);

		r.u.set_root.root = cases[i].root;
		CU_ASSERT_EQUAL(check(&r), cases[i].rc);
		CU_ASSERT_EQUAL(xv_proto_check_gaddr(cases[i].root),
				cases[i].rc);
	}
	CU_ASSERT_EQUAL(XV_GADDR_TO_GREF(XV_GADDR_FROM_GREF(0xabcdef12u)),
			0xabcdef12u);
}

static void test_pt_update_range(void)
{
	const uint64_t top = 1ull << XV_GPU_VA_BITS;
	const struct {
		uint64_t va, len;
		int rc;
	} cases[] = {
	    {0, top, 0},
	    {top - 4096, 4096, 0},
	    {0x1001, 4096, -XV_ERR_RANGE_ALIGN},
	    {0x1000, 4095, -XV_ERR_RANGE_ALIGN},
	    {0x1000, 0, -XV_ERR_RANGE_EMPTY},
	    {UINT64_MAX - 4095, 8192, -XV_ERR_RANGE_OVERFLOW},
	    {4096, UINT64_MAX - 4095, -XV_ERR_RANGE_OVERFLOW},
	    {top - 4096, 8192, -XV_ERR_RANGE_LIMIT},
	    {top, 4096, -XV_ERR_RANGE_LIMIT},
	    {0, top + 4096, -XV_ERR_RANGE_LIMIT},
	};

	for (size_t i = 0; i < XV_ARRAY_SIZE(cases); i++) {
		struct xv_req r = mkreq(XV_OP_PT_UPDATE);

		r.u.pt_update.gpu_va = cases[i].va;
		r.u.pt_update.length = cases[i].len;
		CU_ASSERT_EQUAL(check(&r), cases[i].rc);
	}
}

static void test_submit(void)
{
	struct xv_proto_params p = params();
	struct xv_req r = mkreq(XV_OP_SUBMIT);

	r.u.submit.fence = 0;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_FENCE_ZERO);
	r = mkreq(XV_OP_SUBMIT);
	set_submit(&r, 0);
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_EMPTY);
	set_submit(&r, (1u << 20) + 1);
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_TOO_BIG);
	set_submit(&r, UINT32_MAX);
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_TOO_BIG);
	/* The largest buffer the wire can say, where pages near 2^20. */
	p.limits.max_cmd_bytes = UINT32_MAX;
	CU_ASSERT_EQUAL(xv_proto_check_req(&r, &p), 0);

	/* Inline count must match the size, both ways. */
	set_submit(&r, 4096 * 3);
	r.u.submit.nr_inline = 2;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_INLINE_COUNT);
	r.u.submit.nr_inline = 4;
	r.u.submit.gref[3] = 55;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_INLINE_COUNT);
	set_submit(&r, 4096 * 8);
	r.u.submit.nr_inline = 7;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_INLINE_COUNT);

	set_submit(&r, 4096 * 3);
	r.u.submit.gref[1] = 0;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_GREF_ZERO);
	set_submit(&r, 4096 * 3);
	r.u.submit.gref[6] = 1;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_INLINE_UNUSED);
	set_submit(&r, 4096 * 8);
	r.u.submit.gref[0] = 1;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_INLINE_UNUSED);

	set_submit(&r, 4096 * 7 + 1);
	r.u.submit.gref_directory = 0;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_DIR_MISSING);
	set_submit(&r, 4096 * 7);
	r.u.submit.gref_directory = 5;
	CU_ASSERT_EQUAL(check(&r), -XV_ERR_SUBMIT_DIR_UNEXPECTED);
}

static void test_sizes(void)
{
	CU_ASSERT_EQUAL(xv_proto_submit_pages(0), 0);
	CU_ASSERT_EQUAL(xv_proto_submit_pages(1), 1);
	CU_ASSERT_EQUAL(xv_proto_submit_pages(4096), 1);
	CU_ASSERT_EQUAL(xv_proto_submit_pages(4097), 2);
	CU_ASSERT_EQUAL(xv_proto_submit_pages(UINT32_MAX), 1u << 20);
	CU_ASSERT_EQUAL(xv_proto_dir_pages(7), 0);
	CU_ASSERT_EQUAL(xv_proto_dir_pages(8), 1);
	CU_ASSERT_EQUAL(xv_proto_dir_pages(1022), 1);
	CU_ASSERT_EQUAL(xv_proto_dir_pages(1023), 2);
	CU_ASSERT_EQUAL(xv_proto_dir_pages(1u << 20), 1027);

	const unsigned int want[] = {32, 64, 128, 256, 512};

	for (unsigned int o = 0; o <= XV_RING_ORDER_MAX; o++) {
		size_t bytes = (size_t)XV_PAGE_BYTES << o;
		xv_vgpuif_sring_t *s = aligned_alloc(XV_PAGE_BYTES, bytes);
		xv_vgpuif_front_ring_t f;

		CU_ASSERT_FATAL(s != NULL);
		XEN_FRONT_RING_INIT(&f, s, bytes);
		CU_ASSERT_EQUAL(xv_proto_ring_size(o), want[o]);
		CU_ASSERT_EQUAL(RING_SIZE(&f), want[o]);
		free(s);
	}
	CU_ASSERT_EQUAL(xv_proto_ring_size(XV_RING_ORDER_MAX + 1), 0);
	CU_ASSERT_EQUAL(xv_proto_ring_size(UINT32_MAX), 0);
}

/* ---- directory chains ----------------------------------------------------- */

/*
 * The backend's walk, over directory pages "granted" as pages[gref - 1]:
 * copy each page, check the copy, follow its next pointer. Returns the
 * first rejection, or 0 with *seen the grefs collected.
 */
static int walk_dir(const struct xv_gref_dir *pages, uint32_t npages,
		    uint32_t first, uint32_t total, uint32_t *seen)
{
	uint32_t remaining = total, gref = first, steps = 0;
	struct xv_gref_dir *copy = malloc(sizeof(*copy));
	int rc = 0;

	*seen = 0;
	while (remaining) {
		/* The chain length is fixed by total; a loop cannot go on. */
		if (gref == 0 || gref > npages ||
		    ++steps > xv_proto_dir_pages(total)) {
			rc = -1;
			goto out;
		}
		memcpy(copy, &pages[gref - 1], sizeof(*copy));
		rc = xv_proto_check_dir(copy, remaining);
		if (rc)
			goto out;
		remaining -= copy->num_grefs;
		*seen += copy->num_grefs;
		gref = copy->gref_dir_next_page;
	}
out:
	free(copy);
	return rc;
}

/* A valid chain for total pages in pages[0..], linked 1 -> 2 -> ... */
static uint32_t build_dir(struct xv_gref_dir *pages, uint32_t total)
{
	uint32_t n = xv_proto_dir_pages(total), left = total;

	memset(pages, 0, sizeof(*pages) * n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t num =
		    left < XV_DIR_GREFS_PER_PAGE ? left : XV_DIR_GREFS_PER_PAGE;

		pages[i].num_grefs = num;
		pages[i].gref_dir_next_page = i + 1 < n ? i + 2 : 0;
		for (uint32_t k = 0; k < num; k++)
			pages[i].gref[k] = 5000 + i * 2000 + k;
		left -= num;
	}
	return n;
}

static void test_dir_chain(void)
{
	struct xv_gref_dir *d = calloc(4, sizeof(*d));
	uint32_t seen, n;

	CU_ASSERT_FATAL(d != NULL);
	const uint32_t totals[] = {8, 1022, 1023, 2044, 2045, 3000};
	for (size_t i = 0; i < XV_ARRAY_SIZE(totals); i++) {
		n = build_dir(d, totals[i]);
		CU_ASSERT_EQUAL(walk_dir(d, n, 1, totals[i], &seen), 0);
		CU_ASSERT_EQUAL(seen, totals[i]);
	}

	n = build_dir(d, 100);
	d[0].num_grefs = 0;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 100, &seen), -XV_ERR_DIR_EMPTY);

	n = build_dir(d, 3000);
	d[0].num_grefs = XV_DIR_GREFS_PER_PAGE + 1;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 3000, &seen),
			-XV_ERR_DIR_NUM_OVER_PAGE);
	d[0].num_grefs = UINT32_MAX;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 3000, &seen),
			-XV_ERR_DIR_NUM_OVER_PAGE);

	/* More grefs than the buffer has pages: longer than stated. */
	n = build_dir(d, 100);
	d[0].num_grefs = 101;
	d[0].gref[100] = 77;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 100, &seen),
			-XV_ERR_DIR_NUM_OVER_REMAINING);
	n = build_dir(d, 1030);
	d[1].num_grefs = 9;
	d[1].gref[8] = 77;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 1030, &seen),
			-XV_ERR_DIR_NUM_OVER_REMAINING);

	/* Chain goes on after all grefs are accounted for. */
	n = build_dir(d, 100);
	d[0].gref_dir_next_page = 2;
	CU_ASSERT_EQUAL(walk_dir(d, 4, 1, 100, &seen), -XV_ERR_DIR_CHAIN_LONG);

	/* Chain ends too early. */
	n = build_dir(d, 2045);
	d[1].gref_dir_next_page = 0;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 2045, &seen),
			-XV_ERR_DIR_CHAIN_SHORT);

	/* A short page before the last. */
	n = build_dir(d, 2000);
	d[0].num_grefs = 1000;
	memset(&d[0].gref[1000], 0, 22 * sizeof(uint32_t));
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 2000, &seen), -XV_ERR_DIR_NOT_FULL);

	n = build_dir(d, 2000);
	d[1].gref[977] = 0;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 2000, &seen), -XV_ERR_DIR_GREF_ZERO);
	n = build_dir(d, 2000);
	d[1].gref[XV_DIR_GREFS_PER_PAGE - 1] = 3;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 2000, &seen), -XV_ERR_DIR_UNUSED);

	/*
	 * A page pointing to itself: each visit consumes a full page, so
	 * the walk ends within the chain's fixed length, on the visit that
	 * wants more than remains or that goes on after the last gref.
	 */
	n = build_dir(d, 3000);
	d[0].gref_dir_next_page = 1;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 3000, &seen),
			-XV_ERR_DIR_NUM_OVER_REMAINING);
	n = build_dir(d, 2 * XV_DIR_GREFS_PER_PAGE);
	d[0].gref_dir_next_page = 1;
	CU_ASSERT_EQUAL(walk_dir(d, n, 1, 2 * XV_DIR_GREFS_PER_PAGE, &seen),
			-XV_ERR_DIR_CHAIN_LONG);
	free(d);
}

/* ---- the ring, front and back in one process ------------------------------ */

struct ring_case {
	struct xv_req req;
	int expect; /* what the backend's validator must answer */
};

/* A random request, valid or broken in one known way. */
static struct ring_case random_case(struct xv_rng *rng)
{
	struct ring_case c;

	c.req = mkreq(all_ops[xv_rng_below(rng, XV_ARRAY_SIZE(all_ops))]);
	c.expect = 0;
	switch (xv_rng_below(rng, 6)) {
	case 0:
		c.req.reserved0 = 1;
		c.expect = -XV_ERR_HDR_RESERVED;
		break;
	case 1:
		c.req.op = (uint16_t)(0x8000 + xv_rng_below(rng, 0x7fff));
		c.expect = -XV_ERR_OP_VENDOR;
		break;
	case 2:
		if (c.req.op == XV_OP_SUBMIT) {
			c.req.u.submit.fence = 0;
			c.expect = -XV_ERR_SUBMIT_FENCE_ZERO;
		}
		break;
	default:
		break;
	}
	return c;
}

/* The backend's side: build the response in a zeroed local. */
static void back_answer(xv_vgpuif_back_ring_t *b, const struct xv_req *req,
			const struct xv_proto_params *p, uint32_t *next_ctx)
{
	struct xv_rsp rsp;
	int rc = xv_proto_check_req(req, p);

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = req->id;
	rsp.op = req->op;
	rsp.status = rc;
	if (rc == 0 && req->op == XV_OP_CTX_CREATE) {
		rsp.u.ctx_create.ctx = 1 + (*next_ctx)++ % 16;
		rsp.u.ctx_create.vpasid = rsp.u.ctx_create.ctx + 100;
	} else if (rc == 0 && req->op == XV_OP_CFG_READ) {
		rsp.u.cfg_read.value = 0x12345678;
	} else if (rc == 0 && req->op == XV_OP_QUERY_CAPS) {
		rsp.u.caps.max_contexts = p->limits.max_contexts;
		rsp.u.caps.pasid_width = p->limits.pasid_width;
		rsp.u.caps.max_pasids = p->limits.max_pasids;
		rsp.u.caps.max_cmd_bytes = p->limits.max_cmd_bytes;
		rsp.u.caps.sched_weight = p->limits.sched_weight;
		rsp.u.caps.features = p->features;
		rsp.u.caps.gpu_va_bits = XV_GPU_VA_BITS;
	}
	*RING_GET_RESPONSE(b, b->rsp_prod_pvt) = rsp;
	b->rsp_prod_pvt++;
}

static void ring_run(uint32_t start_idx)
{
	const unsigned int order = 2;
	const size_t bytes = (size_t)XV_PAGE_BYTES << order;
	struct xv_proto_params p = params();
	xv_vgpuif_sring_t *s = aligned_alloc(XV_PAGE_BYTES, bytes);
	xv_vgpuif_front_ring_t f;
	xv_vgpuif_back_ring_t b;
	struct xv_rng rng;
	unsigned long steps = xv_test_steps(3000), sent = 0, answered = 0;
	uint64_t next_id = 1;
	uint32_t next_ctx = 0;
	struct ring_case *out; /* outstanding, by id % ring size */

	CU_ASSERT_FATAL(s != NULL);
	XEN_FRONT_RING_INIT(&f, s, bytes);
	/* Start near the top of the index space to cross the wrap. */
	s->req_prod = s->rsp_prod = start_idx;
	FRONT_RING_ATTACH(&f, s, start_idx, bytes);
	BACK_RING_ATTACH(&b, s, start_idx, bytes);
	CU_ASSERT_EQUAL_FATAL(RING_SIZE(&f), xv_proto_ring_size(order));
	out = calloc(RING_SIZE(&f), sizeof(*out));
	CU_ASSERT_FATAL(out != NULL);
	xv_rng_init(&rng, xv_test_seed("ring"));

	while (answered < steps) {
		/* Front: a burst of requests, as many as fit. */
		unsigned int burst = 1 + xv_rng_below(&rng, RING_SIZE(&f));

		while (burst-- && !RING_FULL(&f) && sent < steps) {
			struct ring_case c = random_case(&rng);

			c.req.id = next_id++;
			out[c.req.id % RING_SIZE(&f)] = c;
			*RING_GET_REQUEST(&f, f.req_prod_pvt) = c.req;
			f.req_prod_pvt++;
			sent++;
		}
		RING_PUSH_REQUESTS(&f);

		/* Back: read the index once, check, copy, then validate. */
		RING_IDX prod = XV_READ_ONCE(s->req_prod);

		xen_rmb();
		CU_ASSERT_EQUAL_FATAL(xv_proto_check_req_prod(
					  prod, b.rsp_prod_pvt, RING_SIZE(&b)),
				      0);
		while (b.req_cons != prod) {
			struct xv_req copy;

			RING_COPY_REQUEST(&b, b.req_cons, &copy);
			xv_barrier();
			b.req_cons++;
			back_answer(&b, &copy, &p, &next_ctx);
		}
		RING_PUSH_RESPONSES(&b);

		/* Front: the same discipline for responses. */
		RING_IDX rprod = XV_READ_ONCE(s->rsp_prod);

		xen_rmb();
		CU_ASSERT_EQUAL_FATAL(
		    xv_proto_check_rsp_prod(rprod, f.rsp_cons, f.req_prod_pvt),
		    0);
		while (f.rsp_cons != rprod) {
			struct xv_rsp copy;
			const struct ring_case *c;

			RING_COPY_RESPONSE(&f, f.rsp_cons, &copy);
			xv_barrier();
			f.rsp_cons++;
			c = &out[copy.id % RING_SIZE(&f)];
			CU_ASSERT_EQUAL(xv_proto_check_rsp(&copy, &c->req, &p),
					0);
			CU_ASSERT_EQUAL(copy.status, c->expect);
			answered++;
		}
	}
	CU_ASSERT_EQUAL(sent, answered);
	CU_ASSERT_EQUAL(s->req_prod, start_idx + (uint32_t)sent);
	free(out);
	free(s);
}

static void test_ring_roundtrip(void)
{
	ring_run(0);
}

static void test_ring_roundtrip_wrap(void)
{
	ring_run(UINT32_MAX - 200);
}

static void test_ring_hostile_indexes(void)
{
	const unsigned int n = xv_proto_ring_size(1);

	/* Backend side: a frontend claiming more requests than slots. */
	CU_ASSERT_EQUAL(xv_proto_check_req_prod(10 + n, 10, n), 0);
	CU_ASSERT_EQUAL(xv_proto_check_req_prod(10 + n + 1, 10, n),
			-XV_ERR_RING_REQ_OVERFLOW);
	CU_ASSERT_EQUAL(xv_proto_check_req_prod(9, 10, n),
			-XV_ERR_RING_REQ_OVERFLOW);
	CU_ASSERT_EQUAL(xv_proto_check_req_prod(3, UINT32_MAX - 2, n), 0);

	/* Frontend side: more responses than requests outstanding. */
	CU_ASSERT_EQUAL(xv_proto_check_rsp_prod(15, 10, 15), 0);
	CU_ASSERT_EQUAL(xv_proto_check_rsp_prod(16, 10, 15),
			-XV_ERR_RING_RSP_OVERFLOW);
	CU_ASSERT_EQUAL(xv_proto_check_rsp_prod(9, 10, 15),
			-XV_ERR_RING_RSP_OVERFLOW);
	CU_ASSERT_EQUAL(xv_proto_check_rsp_prod(1, UINT32_MAX, 2), 0);
	CU_ASSERT_EQUAL(xv_proto_check_rsp_prod(3, UINT32_MAX, 2),
			-XV_ERR_RING_RSP_OVERFLOW);
}

static void test_negotiation(void)
{
	CU_ASSERT_EQUAL(xv_proto_check_features(XV_FEATURE_ALL, 0), 0);
	CU_ASSERT_EQUAL(xv_proto_check_features(XV_FEATURE_ALL, XV_FEATURE_ALL),
			0);
	CU_ASSERT_EQUAL(xv_proto_check_features(XV_FEATURE_ALL, 1u << 30),
			-XV_ERR_FEATURE_UNKNOWN);
	CU_ASSERT_EQUAL(
	    xv_proto_check_features(XV_FEATURE_HOLDOFF, XV_FEATURE_NOSNOOP),
	    -XV_ERR_FEATURE_NOT_OFFERED);

	CU_ASSERT_EQUAL(xv_proto_check_ring_order(0, 0, 0), 0);
	CU_ASSERT_EQUAL(
	    xv_proto_check_ring_order(2, 2, XV_FEATURE_MULTI_PAGE_RING), 0);
	CU_ASSERT_EQUAL(
	    xv_proto_check_ring_order(3, 2, XV_FEATURE_MULTI_PAGE_RING),
	    -XV_ERR_RING_ORDER);
	CU_ASSERT_EQUAL(xv_proto_check_ring_order(1, 2, 0), -XV_ERR_RING_ORDER);
	CU_ASSERT_EQUAL(
	    xv_proto_check_ring_order(5, 9, XV_FEATURE_MULTI_PAGE_RING),
	    -XV_ERR_RING_ORDER);
}

/* ---- a hostile backend ---------------------------------------------------- */

static struct xv_rsp mkrsp(const struct xv_req *req)
{
	struct xv_rsp r;

	memset(&r, 0, sizeof(r));
	r.id = req->id;
	r.op = req->op;
	return r;
}

static void test_rsp_header(void)
{
	struct xv_proto_params p = params();
	struct xv_req q = mkreq(XV_OP_SUBMIT);
	struct xv_rsp r = mkrsp(&q);

	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), 0);
	r.id++;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_ID);
	r = mkrsp(&q);
	r.op = XV_OP_PT_UPDATE;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_OP);
	r = mkrsp(&q);
	r.reserved0 = 2;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_RESERVED);

	const int32_t bad[] = {1,
			       -1,
			       -12,
			       -0xff,
			       -XV_ERR_RUNTIME_END_,
			       -XV_ERR_REQ_END_,
			       -0x300,
			       -XV_ERR_RSP_ID,
			       INT32_MIN,
			       INT32_MAX};
	for (size_t i = 0; i < XV_ARRAY_SIZE(bad); i++) {
		r = mkrsp(&q);
		r.status = bad[i];
		CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p),
				-XV_ERR_RSP_STATUS);
	}
	const int32_t good[] = {-XV_ERR_DEVICE_RESET, -XV_ERR_IO,
				-XV_ERR_OP_INVALID, -XV_ERR_DIR_UNUSED};
	for (size_t i = 0; i < XV_ARRAY_SIZE(good); i++) {
		r = mkrsp(&q);
		r.status = good[i];
		CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), 0);
		/* A failed response carries no payload at all. */
		r.u.raw[47] = 1;
		CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p),
				-XV_ERR_RSP_RESERVED);
	}

	/* Ops without response payload: every byte is reserved. */
	for (size_t b = 0; b < 48; b++) {
		r = mkrsp(&q);
		r.u.raw[b] = 1;
		CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p),
				-XV_ERR_RSP_RESERVED);
	}
}

static void test_rsp_payloads(void)
{
	struct xv_proto_params p = params();
	struct xv_req q = mkreq(XV_OP_CTX_CREATE);
	struct xv_rsp r = mkrsp(&q);

	r.u.ctx_create.ctx = 16;
	r.u.ctx_create.vpasid = 255;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), 0);
	r.u.ctx_create.ctx = 0;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_CTX_RANGE);
	r.u.ctx_create.ctx = 17;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_CTX_RANGE);
	r.u.ctx_create.ctx = 1;
	r.u.ctx_create.vpasid = 256;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_PASID);
	r.u.ctx_create.vpasid = 0;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_PASID);
	r.u.ctx_create.vpasid = UINT32_MAX;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_PASID);
	r.u.ctx_create.vpasid = 1;
	r.u.ctx_create.reserved[39] = 1;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_RESERVED);

	q = mkreq(XV_OP_CFG_READ);
	q.u.cfg.size = 2;
	r = mkrsp(&q);
	r.u.cfg_read.value = 0xffff;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), 0);
	r.u.cfg_read.value = 0x10000;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_CFG_VALUE);
	q.u.cfg.size = 4;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), 0);
	r.u.cfg_read.reserved[0] = 1;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), -XV_ERR_RSP_RESERVED);
}

static void test_rsp_caps(void)
{
	struct xv_proto_params p = params();
	struct xv_req q = mkreq(XV_OP_QUERY_CAPS);
	struct xv_rsp good = mkrsp(&q), r;

	good.u.caps.max_contexts = 16;
	good.u.caps.pasid_width = 20;
	good.u.caps.max_pasids = 16;
	good.u.caps.max_cmd_bytes = 4096;
	good.u.caps.ring_order_max = XV_RING_ORDER_MAX;
	good.u.caps.sched_weight = 1000;
	good.u.caps.features = XV_FEATURE_ALL;
	good.u.caps.gpu_va_bits = XV_GPU_VA_BITS;
	good.u.caps.generation = 7;
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&good, &q, &p), 0);

#define BAD_CAP(field, val)                                     \
	do {                                                    \
		r = good;                                       \
		r.u.caps.field = (val);                         \
		CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), \
				-XV_ERR_RSP_CAPS);              \
	} while (0)
	BAD_CAP(max_contexts, 0);
	BAD_CAP(pasid_width, 0);
	BAD_CAP(pasid_width, 21);
	BAD_CAP(max_pasids, 0);
	BAD_CAP(max_cmd_bytes, 0);
	BAD_CAP(ring_order_max, XV_RING_ORDER_MAX + 1);
	BAD_CAP(sched_weight, 0);
	BAD_CAP(sched_weight, 1001);
	BAD_CAP(features, 1u << 31);
	BAD_CAP(gpu_va_bits, 57);
#undef BAD_CAP
}

/* What a backend answers for its params is what a frontend accepts. */
static void test_caps_of_params(void)
{
	struct xv_proto_params p = params();
	struct xv_req q = mkreq(XV_OP_QUERY_CAPS);
	struct xv_rsp r = mkrsp(&q);

	p.features = XV_FEATURE_HOLDOFF;
	xv_proto_caps(&p, 9, &r.u.caps);
	CU_ASSERT_EQUAL(r.u.caps.max_contexts, 16);
	CU_ASSERT_EQUAL(r.u.caps.max_pinned_pages, 65536);
	CU_ASSERT_EQUAL(r.u.caps.pasid_width, 8);
	CU_ASSERT_EQUAL(r.u.caps.max_pasids, 16);
	CU_ASSERT_EQUAL(r.u.caps.max_queued_bytes, 16u << 20);
	CU_ASSERT_EQUAL(r.u.caps.max_cmd_bytes, 1u << 20);
	CU_ASSERT_EQUAL(r.u.caps.ring_order_max, 2);
	CU_ASSERT_EQUAL(r.u.caps.sched_weight, 100);
	/* the features offered on this connection, not the limit set's */
	CU_ASSERT_EQUAL(r.u.caps.features, XV_FEATURE_HOLDOFF);
	CU_ASSERT_EQUAL(r.u.caps.oos_pages, 64);
	CU_ASSERT_EQUAL(r.u.caps.gpu_va_bits, XV_GPU_VA_BITS);
	CU_ASSERT_EQUAL(r.u.caps.generation, 9);
	CU_ASSERT_EQUAL(xv_proto_check_rsp(&r, &q, &p), 0);
}

/* ---- events --------------------------------------------------------------- */

static struct xv_evt mkevt(uint16_t type)
{
	struct xv_evt e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	switch (type) {
	case XV_EVT_FENCE_DONE:
		e.ctx = 4;
		e.u.fence_done.fence = 99;
		break;
	case XV_EVT_GPU_FAULT:
		e.ctx = 16;
		e.u.gpu_fault.gpu_va = (1ull << XV_GPU_VA_BITS) - 1;
		e.u.gpu_fault.access = XV_FAULT_ACCESS_WRITE;
		e.u.gpu_fault.reason = XV_FAULT_BAD_ADDRESS;
		e.u.gpu_fault.lost = 65535;
		break;
	case XV_EVT_DEVICE_RESET:
		e.u.device_reset.generation = 3;
		break;
	default:
		break;
	}
	return e;
}

static void test_events(void)
{
	struct xv_proto_params p = params();
	const uint16_t types[] = {XV_EVT_FENCE_DONE, XV_EVT_GPU_FAULT,
				  XV_EVT_DEVICE_RESET};
	struct xv_evt e;

	for (size_t i = 0; i < XV_ARRAY_SIZE(types); i++) {
		e = mkevt(types[i]);
		CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), 0);
		e.reserved0 = 1;
		CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p),
				-XV_ERR_EVT_RESERVED);
	}
	const uint16_t bad_types[] = {0, 4, 0xff, 0x8000, 0xffff};
	for (size_t i = 0; i < XV_ARRAY_SIZE(bad_types); i++) {
		e = mkevt(bad_types[i]);
		CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_TYPE);
	}

	e = mkevt(XV_EVT_FENCE_DONE);
	e.ctx = 0;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_CTX_RANGE);
	e.ctx = 17;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_CTX_RANGE);
	e = mkevt(XV_EVT_DEVICE_RESET);
	e.ctx = 1;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_CTX_RANGE);
	e = mkevt(XV_EVT_FENCE_DONE);
	e.u.fence_done.fence = 0;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_FENCE_ZERO);

	e = mkevt(XV_EVT_GPU_FAULT);
	e.u.gpu_fault.access = 0;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_FAULT_ACCESS);
	e.u.gpu_fault.access = 3;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_FAULT_ACCESS);
	e = mkevt(XV_EVT_GPU_FAULT);
	e.u.gpu_fault.reason = 0;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_FAULT_REASON);
	e.u.gpu_fault.reason = 4;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_FAULT_REASON);
	e = mkevt(XV_EVT_GPU_FAULT);
	e.u.gpu_fault.gpu_va = 1ull << XV_GPU_VA_BITS;
	CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p), -XV_ERR_EVT_FAULT_VA);

	/* Every payload reserved byte of each type. */
	const struct {
		uint16_t type;
		size_t from;
	} res[] = {
	    {XV_EVT_FENCE_DONE, offsetof(struct xv_evt_fence_done, reserved)},
	    {XV_EVT_GPU_FAULT, offsetof(struct xv_evt_gpu_fault, reserved)},
	    {XV_EVT_DEVICE_RESET,
	     offsetof(struct xv_evt_device_reset, reserved)},
	};
	for (size_t i = 0; i < XV_ARRAY_SIZE(res); i++) {
		for (size_t b = res[i].from; b < 24; b++) {
			e = mkevt(res[i].type);
			e.u.raw[b] = 0x40;
			CU_ASSERT_EQUAL(xv_proto_check_evt(&e, &p),
					-XV_ERR_EVT_RESERVED);
		}
	}
}

static void test_event_page(void)
{
	struct xv_proto_params p = params();
	struct xv_evt_page *pg = aligned_alloc(XV_PAGE_BYTES, XV_PAGE_BYTES);
	uint32_t prod_pvt, cons_pvt, fence = 0, seen = 0;

	CU_ASSERT_FATAL(pg != NULL);
	memset(pg, 0, XV_PAGE_BYTES);
	/* Start just below the wrap of the free-running indexes. */
	prod_pvt = cons_pvt = pg->in_prod = pg->in_cons = UINT32_MAX - 100;

	for (int round = 0; round < 20; round++) {
		/* Backend: fill what the frontend has freed. */
		uint32_t in_cons = XV_READ_ONCE(pg->in_cons);

		CU_ASSERT_EQUAL_FATAL(xv_proto_check_evt_idx(prod_pvt, in_cons),
				      0);
		while (prod_pvt - in_cons < XV_EVT_RING_LEN) {
			struct xv_evt e = mkevt(XV_EVT_FENCE_DONE);

			e.u.fence_done.fence = ++fence;
			XV_EVT_RING_REF(pg, prod_pvt) = e;
			prod_pvt++;
		}
		xen_wmb();
		pg->in_prod = prod_pvt;

		/* Frontend: consume some. */
		uint32_t in_prod = XV_READ_ONCE(pg->in_prod);
		unsigned int take = 1 + round % XV_EVT_RING_LEN;

		xen_rmb();
		CU_ASSERT_EQUAL_FATAL(xv_proto_check_evt_idx(in_prod, cons_pvt),
				      0);
		while (take-- && cons_pvt != in_prod) {
			struct xv_evt copy = XV_EVT_RING_REF(pg, cons_pvt);

			xv_barrier();
			CU_ASSERT_EQUAL(xv_proto_check_evt(&copy, &p), 0);
			CU_ASSERT_EQUAL(copy.u.fence_done.fence, ++seen);
			cons_pvt++;
		}
		xen_mb();
		pg->in_cons = cons_pvt;
	}
	CU_ASSERT(seen > 100);

	/* A hostile backend's in_prod, and a hostile frontend's in_cons. */
	CU_ASSERT_EQUAL(
	    xv_proto_check_evt_idx(cons_pvt + XV_EVT_RING_LEN, cons_pvt), 0);
	CU_ASSERT_EQUAL(
	    xv_proto_check_evt_idx(cons_pvt + XV_EVT_RING_LEN + 1, cons_pvt),
	    -XV_ERR_EVT_INDEX);
	CU_ASSERT_EQUAL(xv_proto_check_evt_idx(prod_pvt, prod_pvt + 1),
			-XV_ERR_EVT_INDEX);
	free(pg);
}

/* ---- error codes ---------------------------------------------------------- */

static void test_strerror(void)
{
	const char *seen[0x500] = {NULL};
	unsigned int known = 0;

	for (int code = 1; code < 0x500; code++) {
		const char *t = xv_proto_strerror(code);

		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_PTR_EQUAL(xv_proto_strerror(-code), t);
		if (strcmp(t, "unknown error") == 0)
			continue;
		known++;
		/* Every code its own text. */
		for (int k = 1; k < code; k++)
			if (seen[k])
				CU_ASSERT(strcmp(seen[k], t) != 0);
		seen[code] = t;
	}
	CU_ASSERT_EQUAL(known,
			(XV_ERR_RUNTIME_END_ - XV_ERR_DEVICE_RESET) +
			    (XV_ERR_REQ_END_ - XV_ERR_OP_INVALID) +
			    (XV_ERR_TRANSPORT_END_ - XV_ERR_RING_REQ_OVERFLOW) +
			    (XV_ERR_FRONT_END_ - XV_ERR_RSP_ID));
	CU_ASSERT_STRING_EQUAL(xv_proto_strerror(0), "success");
	CU_ASSERT_STRING_EQUAL(xv_proto_strerror(INT32_MIN), "unknown error");
	CU_ASSERT_STRING_EQUAL(xv_proto_strerror(INT32_MAX), "unknown error");

	CU_ASSERT(xv_proto_status_known(0));
	CU_ASSERT(xv_proto_status_known(-XV_ERR_NO_PASID));
	CU_ASSERT(xv_proto_status_known(-XV_ERR_SUBMIT_TOO_BIG));
	CU_ASSERT(!xv_proto_status_known(-XV_ERR_RING_REQ_OVERFLOW));
	CU_ASSERT(!xv_proto_status_known(-XV_ERR_EVT_TYPE));
	CU_ASSERT(!xv_proto_status_known(XV_ERR_NO_PASID));
}

static const struct xv_test_case req_cases[] = {
    {"valid request of every op", test_valid_every_op},
    {"op ranges", test_op_ranges},
    {"header and context handle", test_header},
    {"every reserved payload byte", test_payload_reserved},
    {"config space access", test_cfg},
    {"context flags and features", test_ctx_create_flags},
    {"page-table root guest address", test_set_root_gaddr},
    {"PT_UPDATE range", test_pt_update_range},
    {"SUBMIT sizes and grefs", test_submit},
    {"ring and buffer sizes", test_sizes},
    {"directory chains", test_dir_chain},
    {"feature and ring-order negotiation", test_negotiation},
    {NULL, NULL},
};

static const struct xv_test_case ring_cases[] = {
    {"multi-page ring round trip", test_ring_roundtrip},
    {"ring round trip across index wrap", test_ring_roundtrip_wrap},
    {"hostile ring indexes", test_ring_hostile_indexes},
    {"event page round trip", test_event_page},
    {NULL, NULL},
};

static const struct xv_test_case front_cases[] = {
    {"response header and status", test_rsp_header},
    {"response payloads", test_rsp_payloads},
    {"capabilities", test_rsp_caps},
    {"capabilities of a limit set", test_caps_of_params},
    {"events", test_events},
    {"error codes and texts", test_strerror},
    {NULL, NULL},
};

static const struct xv_test_suite req_suite = {"proto-requests", req_cases,
					       NULL, NULL};
static const struct xv_test_suite ring_suite = {"proto-rings", ring_cases, NULL,
						NULL};
static const struct xv_test_suite front_suite = {"proto-hostile-backend",
						 front_cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&req_suite, &ring_suite,
						      &front_suite, NULL};

	return xv_test_main(suites);
}
