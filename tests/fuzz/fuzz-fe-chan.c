/*
 * fuzz-fe-chan.c — libFuzzer target for the frontend's end of the
 * channel (frontend/lib/fe-chan.c) facing a hostile backend: the input is
 * a script of frontend calls and of backend writes into the shared
 * response ring and event page (slots with any bytes, producer indexes
 * anywhere, ids forged or copied from requests outstanding).
 *
 * Input (cursor, zeros past the end): u8 order (ring of 1 or 2 pages),
 * u32 start (every ring index starts there: the 2^32 wrap is near), then
 * steps of a u8 action and its operands (see run_step).
 *
 * Invariants: a call never crashes or reads past the pages; a broken
 * channel stays broken with its first code; take hands back only a
 * response that answers that very request and passes
 * xv_proto_check_rsp, once; an id taken or abandoned is never found
 * again; the table of outstanding requests never counts more than it
 * holds; events reach the hook only valid and never a DEVICE_RESET;
 * in_cons is only ever set to where the frontend read up to.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontend/lib/fe-chan.h"
#include "compiler.h"
#include "fuzz-input.h"
#include "proto.h"
#include "xv-test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SENT  64u
#define MAX_STEPS 256u

static struct xv_proto_params params; /* xv_test_limits(), every feature */

/* The model: what was sent and what became of it. */
enum sent_state { SENT_OUT, SENT_ABANDONED, SENT_TAKEN };

struct sent {
	uint64_t id;
	struct xv_req req;
	enum sent_state state;
};

struct run {
	struct fe_chan ch;
	void *ring;
	struct xv_evt_page *evt;
	struct xv_fuzz_in in;
	struct sent sent[MAX_SENT];
	unsigned int nsent;
	unsigned long events; /* delivered to the hook */
};

static void on_event(void *arg, const struct xv_evt *e)
{
	struct run *r = arg;

	xv_require(xv_proto_check_evt(e, &params) == 0);
	xv_require(e->type != XV_EVT_DEVICE_RESET);
	r->events++;
}

/* A request the frontend may send, shaped by the input. */
static struct xv_req make_req(struct xv_fuzz_in *in)
{
	static const uint8_t sizes[] = {1, 2, 4, 4};
	uint8_t kind = xv_fuzz_u8(in);
	struct xv_req q;

	memset(&q, 0, sizeof(q));
	switch (kind % 4) {
	case 0:
		q.op = XV_OP_QUERY_CAPS;
		break;
	case 1:
		q.op = XV_OP_CFG_READ;
		q.u.cfg.size = sizes[(kind >> 2) & 3];
		q.u.cfg.offset =
		    (uint32_t)(xv_fuzz_u8(in) * 4) % XV_CFG_SPACE_SIZE;
		break;
	case 2:
		q.op = XV_OP_CTX_CREATE;
		break;
	default:
		q.op = XV_OP_CTX_DESTROY;
		q.ctx = 1 + (kind >> 2) % 16;
		break;
	}
	return q;
}

static struct sent *pick_sent(struct run *r)
{
	uint8_t k = xv_fuzz_u8(&r->in);

	return r->nsent ? &r->sent[k % r->nsent] : NULL;
}

static void do_send(struct run *r)
{
	struct xv_req q = make_req(&r->in);
	bool notify;
	uint64_t id;
	int rc = fe_chan_send(&r->ch, &q, &id, &notify);

	if (r->ch.broken)
		xv_require(rc == r->ch.broken);
	if (rc || r->nsent == MAX_SENT)
		return;
	for (unsigned int i = 0; i < r->nsent; i++)
		xv_require(r->sent[i].id != id);
	q.id = id;
	r->sent[r->nsent++] = (struct sent){id, q, SENT_OUT};
}

/*
 * The backend writes a response slot: at the next free index or any,
 * with an id and op copied from an outstanding request or raw, a status
 * and payload clean or raw.
 */
static void do_write_rsp(struct run *r)
{
	struct xv_vgpuif_front_ring *fr = &r->ch.ring;
	uint8_t how = xv_fuzz_u8(&r->in);
	uint32_t at = fr->rsp_cons + xv_fuzz_u8(&r->in) % 8;
	struct sent *s = pick_sent(r);
	struct xv_rsp rsp;

	xv_fuzz_bytes(&r->in, &rsp, sizeof(rsp));
	if (s && !(how & 1)) {
		rsp.id = s->id;
		rsp.op = s->req.op;
	}
	if (!(how & 2)) {
		rsp.reserved0 = 0;
		rsp.status = how & 4 ? -(int32_t)(rsp.status & 0x1ff) : 0;
		if (rsp.status || !s || s->req.op != XV_OP_QUERY_CAPS)
			memset(&rsp.u, 0, sizeof(rsp.u));
		if (s && !rsp.status && s->req.op == XV_OP_CFG_READ)
			rsp.u.cfg_read.value = xv_fuzz_u8(&r->in);
		if (s && !rsp.status && s->req.op == XV_OP_CTX_CREATE) {
			rsp.u.ctx_create.ctx = 1 + xv_fuzz_u8(&r->in) % 16;
			rsp.u.ctx_create.vpasid = 1 + xv_fuzz_u8(&r->in) % 255;
		}
	}
	*RING_GET_RESPONSE(fr, at) = rsp;
}

static void do_rsp_prod(struct run *r)
{
	struct xv_vgpuif_front_ring *fr = &r->ch.ring;
	uint8_t how = xv_fuzz_u8(&r->in);
	uint32_t v = xv_fuzz_u32(&r->in);

	fr->sring->rsp_prod = how & 1 ? v : fr->rsp_cons + v % 8;
}

/* The backend writes an event slot and, maybe, moves in_prod. */
static void do_write_evt(struct run *r)
{
	uint8_t how = xv_fuzz_u8(&r->in);
	uint32_t v = xv_fuzz_u32(&r->in);
	uint32_t at = r->ch.evt_cons + xv_fuzz_u8(&r->in) % 8;
	struct xv_evt e;

	xv_fuzz_bytes(&r->in, &e, sizeof(e));
	if (!(how & 1)) {
		e.type = (uint16_t)(e.type % 4);
		e.reserved0 = 0;
	}
	XV_EVT_RING_REF(r->evt, at) = e;
	if (how & 2)
		r->evt->in_prod = how & 4 ? v : r->ch.evt_cons + v % 8;
}

static void do_process(struct run *r)
{
	int broken = r->ch.broken;
	int rc = fe_chan_process(&r->ch);

	if (broken)
		xv_require(rc == broken && r->ch.broken == broken);
	xv_require(rc == r->ch.broken);
	/* Only what the channel documents breaks it. */
	xv_require(rc == 0 || rc == -XV_ERR_RING_RSP_OVERFLOW ||
		   rc == -XV_ERR_EVT_INDEX || rc == -XV_ERR_RSP_ID);
	/* in_cons is where we read up to, never the backend's word. */
	if (!rc)
		xv_require(r->evt->in_cons == r->ch.evt_cons);
	xv_require(r->ch.busy <= r->ch.nr_slots);
}

static void do_take(struct run *r)
{
	struct sent *s = pick_sent(r);
	struct xv_rsp rsp;
	int rc;

	if (!s)
		return;
	memset(&rsp, 0xa5, sizeof(rsp));
	rc = fe_chan_take(&r->ch, s->id, &rsp);
	if (s->state != SENT_OUT) {
		xv_require(rc == -ENOENT);
		return;
	}
	xv_require(rc != -ENOENT);
	if (rc == -EAGAIN || (r->ch.broken && rc == r->ch.broken &&
			      fe_chan_take(&r->ch, s->id, NULL) != -ENOENT))
		return; /* not answered yet */
	s->state = SENT_TAKEN;
	if (rc == 0) {
		xv_require(rsp.id == s->id && rsp.op == s->req.op);
		xv_require(rsp.status == 0);
		xv_require(xv_proto_check_rsp(&rsp, &s->req, &params) == 0);
	}
	xv_require(fe_chan_take(&r->ch, s->id, NULL) == -ENOENT);
}

static void do_abandon(struct run *r)
{
	struct sent *s = pick_sent(r);

	if (!s)
		return;
	fe_chan_abandon(&r->ch, s->id);
	if (s->state == SENT_OUT)
		s->state = SENT_ABANDONED;
	xv_require(fe_chan_take(&r->ch, s->id, NULL) == -ENOENT);
}

static void run_step(struct run *r, uint8_t action)
{
	switch (action % 9) {
	case 0:
		do_send(r);
		break;
	case 1:
		do_write_rsp(r);
		break;
	case 2:
		do_rsp_prod(r);
		break;
	case 3:
		do_write_evt(r);
		break;
	case 4:
	case 5:
		do_process(r);
		break;
	case 6:
		do_take(r);
		break;
	case 7:
		do_abandon(r);
		break;
	default:
		(void)fe_chan_more(&r->ch);
		fe_chan_reset_ack(&r->ch, xv_fuzz_u8(&r->in));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	unsigned int order;
	size_t bytes;
	uint32_t start;

	params.limits = xv_test_limits();
	params.features = XV_FEATURE_ALL;
	memset(&r, 0, sizeof(r));
	xv_fuzz_in_init(&r.in, data, size);
	order = xv_fuzz_u8(&r.in) & 1;
	start = xv_fuzz_u32(&r.in);
	bytes = (size_t)XV_PAGE_BYTES << order;
	r.ring = calloc(1, bytes);
	r.evt = calloc(1, XV_PAGE_BYTES);
	xv_require(r.ring && r.evt);
	xv_require(fe_chan_init(&r.ch, r.ring, order, r.evt, &params) == 0);
	r.ch.on_event = on_event;
	r.ch.on_event_arg = &r;
	/* Every index at start, as if that many had gone by. */
	r.ch.ring.req_prod_pvt = r.ch.ring.rsp_cons = start;
	r.ch.ring.sring->req_prod = r.ch.ring.sring->rsp_prod = start;
	r.ch.ring.sring->req_event = r.ch.ring.sring->rsp_event = start + 1;
	r.ch.evt_cons = r.evt->in_cons = r.evt->in_prod = start;

	for (unsigned int i = 0; i < MAX_STEPS && r.in.left; i++)
		run_step(&r, xv_fuzz_u8(&r.in));

	fe_chan_dispose(&r.ch);
	free(r.ring);
	free(r.evt);
	return 0;
}
