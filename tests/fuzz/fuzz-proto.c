/*
 * fuzz-proto.c — libFuzzer target for the wire protocol's validators.
 *
 * The input is cut into: a few bytes of parameters, a request copy, a
 * response copy, a directory page chain and an event page. Each piece is
 * copied into a heap buffer of exactly its struct's size, so ASan sees
 * any read outside the copy. Whatever the validators accept must satisfy
 * the protocol's invariants; every code they return must be a known one.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t left;
};

/* The next n bytes into dst, zero-padded when the input runs out. */
static void take(struct input *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memset(dst, 0, n);
	memcpy(dst, in->p, k);
	in->p += k;
	in->left -= k;
}

static uint32_t take_u32(struct input *in)
{
	uint32_t v;

	take(in, &v, sizeof(v));
	return v;
}

static void check_code(int rc)
{
	xv_require(rc <= 0);
	if (rc)
		xv_require(strcmp(xv_proto_strerror(rc), "unknown error") != 0);
}

static void check_accepted_req(const struct xv_req *r,
			       const struct xv_proto_params *p)
{
	switch (r->op) {
	case XV_OP_QUERY_CAPS:
	case XV_OP_CFG_READ:
	case XV_OP_CFG_WRITE:
	case XV_OP_CTX_CREATE:
		xv_require(r->ctx == 0);
		break;
	default:
		xv_require(r->ctx >= 1 && r->ctx <= p->limits.max_contexts);
	}
	if (r->op == XV_OP_CFG_READ || r->op == XV_OP_CFG_WRITE) {
		const struct xv_req_cfg *c = &r->u.cfg;

		xv_require(c->size == 1 || c->size == 2 || c->size == 4);
		xv_require(c->offset % c->size == 0);
		xv_require((uint64_t)c->offset + c->size <= XV_CFG_SPACE_SIZE);
	}
	if (r->op == XV_OP_CTX_CREATE) {
		uint32_t f = r->u.ctx_create.flags;

		xv_require(!(f & ~XV_CTX_FLAG_ALL));
		xv_require(!(f & XV_CTX_FLAG_NOSNOOP) ||
			   (p->features & XV_FEATURE_NOSNOOP));
	}
	if (r->op == XV_OP_PT_UPDATE) {
		const struct xv_req_pt_update *u = &r->u.pt_update;

		xv_require(u->length > 0);
		xv_require(u->gpu_va < (1ull << XV_GPU_VA_BITS));
		xv_require(u->length <= (1ull << XV_GPU_VA_BITS) - u->gpu_va);
	}
	if (r->op == XV_OP_SUBMIT) {
		const struct xv_req_submit *s = &r->u.submit;
		uint32_t pages = xv_proto_submit_pages(s->cmd_bytes);

		xv_require(s->fence != 0);
		xv_require(s->cmd_bytes >= 1 &&
			   s->cmd_bytes <= p->limits.max_cmd_bytes);
		xv_require(pages >= 1 && pages <= xv_proto_submit_pages(
						      p->limits.max_cmd_bytes));
		if (pages <= XV_SUBMIT_INLINE_GREFS) {
			xv_require(s->gref_directory == 0);
			xv_require(s->nr_inline == pages);
			for (uint32_t i = 0; i < XV_SUBMIT_INLINE_GREFS; i++)
				xv_require((s->gref[i] != 0) == (i < pages));
		} else {
			xv_require(s->gref_directory != 0);
			xv_require(s->nr_inline == 0);
		}
	}
}

/*
 * Shaping: random bytes rarely make a valid op, context and SUBMIT size,
 * so some inputs get those fixed up and leave the rest to the fuzzer.
 */
static void shape_req(struct xv_req *r, const struct xv_proto_params *p,
		      bool submit)
{
	static const uint16_t ops[] = {
	    XV_OP_QUERY_CAPS, XV_OP_CFG_READ,	 XV_OP_CFG_WRITE,
	    XV_OP_CTX_CREATE, XV_OP_CTX_DESTROY, XV_OP_CTX_SET_ROOT,
	    XV_OP_PT_UPDATE,  XV_OP_PT_RESYNC,	 XV_OP_SUBMIT,
	};

	r->op = submit ? XV_OP_SUBMIT : ops[r->op % 9];
	r->reserved0 = 0;
	if (r->op <= XV_OP_CTX_CREATE)
		r->ctx = 0;
	else
		r->ctx = 1 + r->ctx % p->limits.max_contexts;
	if (r->op == XV_OP_SUBMIT) {
		struct xv_req_submit *s = &r->u.submit;
		uint32_t pages;

		memset(s->reserved, 0, sizeof(s->reserved));
		s->fence |= 1;
		s->cmd_bytes = 1 + s->cmd_bytes % p->limits.max_cmd_bytes;
		pages = xv_proto_submit_pages(s->cmd_bytes);
		if (pages > XV_SUBMIT_INLINE_GREFS) {
			s->nr_inline = 0;
			s->gref_directory |= 1;
			memset(s->gref, 0, sizeof(s->gref));
		} else {
			s->nr_inline = (uint8_t)pages;
			s->gref_directory = 0;
		}
	}
}

/* Fix a directory page's count and link; leave the grefs to the fuzzer. */
static void shape_dir(struct xv_gref_dir *d, uint32_t remaining)
{
	uint32_t num = remaining < XV_DIR_GREFS_PER_PAGE
			   ? remaining
			   : XV_DIR_GREFS_PER_PAGE;

	d->num_grefs = num;
	d->gref_dir_next_page =
	    remaining > num ? (d->gref_dir_next_page | 1) : 0;
	memset(&d->gref[num], 0, (XV_DIR_GREFS_PER_PAGE - num) * 4);
}

/*
 * Walk a directory chain made of the next input pages, as the backend
 * does: copy, check, follow. Accepted pages must account for the buffer
 * exactly, within the chain's fixed length.
 */
static void walk_dir(struct input *in, uint32_t total, bool shape)
{
	struct xv_gref_dir *page = malloc(sizeof(*page));
	uint32_t remaining = total, visited = 0;

	if (!page)
		abort();
	while (remaining && in->left) {
		int rc;

		take(in, page, sizeof(*page));
		if (shape)
			shape_dir(page, remaining);
		rc = xv_proto_check_dir(page, remaining);
		check_code(rc);
		if (rc) {
			xv_require(xv_proto_status_known(rc));
			break;
		}
		visited++;
		xv_require(page->num_grefs >= 1 &&
			   page->num_grefs <= XV_DIR_GREFS_PER_PAGE);
		xv_require(page->num_grefs <= remaining);
		remaining -= page->num_grefs;
		xv_require((page->gref_dir_next_page == 0) == (remaining == 0));
		xv_require(remaining == 0 ||
			   page->num_grefs == XV_DIR_GREFS_PER_PAGE);
		xv_require(visited <= xv_proto_dir_pages(total) ||
			   total <= XV_SUBMIT_INLINE_GREFS);
	}
	free(page);
}

static void check_rsp(struct input *in, const struct xv_req *sent,
		      const struct xv_proto_params *p, bool shape)
{
	struct xv_rsp *r = malloc(sizeof(*r));
	int rc;

	if (!r)
		abort();
	take(in, r, sizeof(*r));
	if (shape) {
		/* Echo the request, so the payload checks are reached. */
		r->id = sent->id;
		r->op = sent->op;
		r->reserved0 = 0;
		r->status = r->status < 0 ? r->status : 0;
	}
	rc = xv_proto_check_rsp(r, sent, p);
	check_code(rc);
	if (rc == 0) {
		xv_require(r->id == sent->id && r->op == sent->op);
		xv_require(xv_proto_status_known(r->status));
		if (r->status == 0 && r->op == XV_OP_CTX_CREATE) {
			xv_require(r->u.ctx_create.ctx >= 1 &&
				   r->u.ctx_create.ctx <=
				       p->limits.max_contexts);
			xv_require(r->u.ctx_create.vpasid >= 1 &&
				   r->u.ctx_create.vpasid <
				       (1u << p->limits.pasid_width));
		}
	}
	free(r);
}

static void check_evt_page(struct input *in, const struct xv_proto_params *p)
{
	struct xv_evt_page *pg = malloc(sizeof(*pg));
	uint32_t cons = take_u32(in);
	uint32_t prod;

	if (!pg)
		abort();
	take(in, pg, sizeof(*pg));
	prod = pg->in_prod; /* read once: this is the frontend's copy */
	if (xv_proto_check_evt_idx(prod, cons) == 0) {
		xv_require(prod - cons <= XV_EVT_RING_LEN);
		for (; cons != prod; cons++) {
			struct xv_evt *e = malloc(sizeof(*e));
			int rc;

			if (!e)
				abort();
			*e = XV_EVT_RING_REF(pg, cons);
			rc = xv_proto_check_evt(e, p);
			check_code(rc);
			if (rc == 0 && e->type != XV_EVT_DEVICE_RESET)
				xv_require(e->ctx >= 1 &&
					   e->ctx <= p->limits.max_contexts);
			if (rc == 0 && e->type == XV_EVT_GPU_FAULT)
				xv_require(e->u.gpu_fault.gpu_va <
					   (1ull << XV_GPU_VA_BITS));
			free(e);
		}
	}
	free(pg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct xv_proto_params p;
	struct xv_req *req = malloc(sizeof(*req));
	uint8_t knobs[4];
	int rc;

	if (!req)
		abort();
	take(&in, knobs, sizeof(knobs));
	memset(&p, 0, sizeof(p));
	p.limits.max_contexts = 1 + knobs[0];
	p.limits.pasid_width = 1 + knobs[1] % XV_PASID_WIDTH_MAX;
	p.limits.max_cmd_bytes =
	    knobs[2] == 255 ? UINT32_MAX : (1u + knobs[2]) << 14;
	p.limits.features = XV_FEATURE_ALL;
	p.features = knobs[3] & XV_FEATURE_ALL;

	take(&in, req, sizeof(*req));
	if (knobs[3] & 0x80)
		shape_req(req, &p, knobs[3] & 0x40);
	rc = xv_proto_check_req(req, &p);
	check_code(rc);
	if (rc == 0)
		check_accepted_req(req, &p);
	else
		xv_require(xv_proto_status_known(rc));

	check_rsp(&in, req, &p, knobs[3] & 0x10);

	/* Directory chain: an accepted SUBMIT's, else any stated size. */
	if (rc == 0 && req->op == XV_OP_SUBMIT &&
	    req->u.submit.gref_directory != 0)
		walk_dir(&in, xv_proto_submit_pages(req->u.submit.cmd_bytes),
			 knobs[3] & 0x20);
	else
		walk_dir(&in, take_u32(&in), knobs[3] & 0x20);

	check_evt_page(&in, &p);

	/* Transport checks: no input makes them misbehave. */
	check_code(xv_proto_check_req_prod(take_u32(&in), take_u32(&in),
					   xv_proto_ring_size(knobs[0] % 8)));
	check_code(xv_proto_check_rsp_prod(take_u32(&in), take_u32(&in),
					   take_u32(&in)));
	check_code(xv_proto_check_features(take_u32(&in), take_u32(&in)));
	check_code(
	    xv_proto_check_ring_order(take_u32(&in), knobs[1] % 8, p.features));
	free(req);
	return 0;
}
