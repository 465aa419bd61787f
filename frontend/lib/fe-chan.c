/*
 * fe-chan.c — the frontend's end of the request ring and the event page
 * (see fe-chan.h). Copy, barrier, validate, use only the copy (XSA-155).
 *
 * Trusts: nothing the backend writes into the shared pages; the params
 * and the memory its caller hands it.
 */
#include "fe-chan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

#define SLOT_BITS 16
#define SLOT_MASK ((1u << SLOT_BITS) - 1)

_Static_assert(XV_RING_SIZE(XV_RING_ORDER_MAX) <= (1u << SLOT_BITS),
	       "slot index fits the id's low bits");

int fe_chan_init(struct fe_chan *ch, void *sring, unsigned int order,
		 struct xv_evt_page *evt, const struct xv_proto_params *p)
{
	struct xv_vgpuif_sring *s = sring;
	unsigned int slots = xv_proto_ring_size(order);

	memset(ch, 0, sizeof(*ch));
	if (!slots || !sring || !evt)
		return -EINVAL;
	ch->slots = calloc(slots, sizeof(*ch->slots));
	if (!ch->slots)
		return -ENOMEM;
	XEN_FRONT_RING_INIT(&ch->ring, s, (size_t)XV_PAGE_BYTES << order);
	ch->nr_slots = slots;
	ch->evt = evt;
	ch->params = *p;
	ch->holdoff = p->features & XV_FEATURE_HOLDOFF;
	/* Any nonzero start: a zeroed page's stale id never matches. */
	ch->seq = 1;
	return 0;
}

void fe_chan_dispose(struct fe_chan *ch)
{
	free(ch->slots);
	ch->slots = NULL;
	ch->nr_slots = 0;
	ch->busy = 0;
}

static struct fe_slot *slot_of(struct fe_chan *ch, uint64_t id)
{
	uint32_t i = (uint32_t)(id & SLOT_MASK);
	struct fe_slot *s;

	if (i >= ch->nr_slots)
		return NULL;
	s = &ch->slots[i];
	if (!s->busy || s->req.id != id)
		return NULL;
	return s;
}

static void slot_free(struct fe_chan *ch, struct fe_slot *s)
{
	memset(s, 0, sizeof(*s));
	ch->busy--;
}

int fe_chan_send(struct fe_chan *ch, const struct xv_req *req, uint64_t *id,
		 bool *notify)
{
	struct fe_slot *s = NULL;
	struct xv_req *slot_req;
	unsigned int i;
	int push_notify = 0;
	int rc;

	if (ch->broken)
		return ch->broken;
	if (ch->reset && req->op != XV_OP_QUERY_CAPS)
		return -XV_ERR_DEVICE_RESET;
	rc = xv_proto_check_req(req, &ch->params);
	if (rc)
		return rc;
	if (RING_FULL(&ch->ring) || ch->busy >= ch->nr_slots)
		return -EAGAIN;
	for (i = 0; i < ch->nr_slots; i++)
		if (!ch->slots[i].busy) {
			s = &ch->slots[i];
			break;
		}
	if (!s)
		return -EAGAIN;

	memset(s, 0, sizeof(*s));
	s->busy = true;
	s->req = *req;
	s->req.id = ((uint64_t)ch->seq << SLOT_BITS) | i;
	/* 48 bits of sequence: skip 0 so no id is ever a zeroed slot's. */
	if (++ch->seq >> (64 - SLOT_BITS))
		ch->seq = 1;
	ch->busy++;

	slot_req = RING_GET_REQUEST(&ch->ring, ch->ring.req_prod_pvt);
	memcpy(slot_req, &s->req, sizeof(*slot_req));
	ch->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ch->ring, push_notify);
	*notify = ch->holdoff ? push_notify != 0 : true;
	*id = s->req.id;
	return 0;
}

static int break_chan(struct fe_chan *ch, int code)
{
	if (!ch->broken)
		ch->broken = code;
	return ch->broken;
}

static int process_responses(struct fe_chan *ch)
{
	RING_IDX prod, cons;
	struct xv_rsp rsp;
	struct fe_slot *s;
	int rc;

	prod = XV_READ_ONCE(ch->ring.sring->rsp_prod);
	xen_rmb(); /* read the responses after the index */
	rc = xv_proto_check_rsp_prod(prod, ch->ring.rsp_cons,
				     ch->ring.req_prod_pvt);
	if (rc)
		return break_chan(ch, rc);

	for (cons = ch->ring.rsp_cons; cons != prod; cons++) {
		RING_COPY_RESPONSE(&ch->ring, cons, &rsp);
		xv_barrier();
		ch->ring.rsp_cons = cons + 1;
		s = slot_of(ch, rsp.id);
		if (!s || s->done)
			return break_chan(ch, -XV_ERR_RSP_ID);
		rc = xv_proto_check_rsp(&rsp, &s->req, &ch->params);
		if (!rc)
			rc = rsp.status;
		if (rc == -XV_ERR_DEVICE_RESET)
			ch->reset = true;
		if (s->orphan) {
			slot_free(ch, s);
			continue;
		}
		s->done = true;
		s->rc = rc;
		if (!rc)
			s->rsp = rsp;
	}
	return 0;
}

static void handle_event(struct fe_chan *ch, const struct xv_evt *evt)
{
	if (evt->type == XV_EVT_DEVICE_RESET) {
		/*
		 * The generation QUERY_CAPS already reported means this reset
		 * was acknowledged before its event was read.
		 */
		if (evt->u.device_reset.generation != ch->generation)
			ch->reset = true;
		return;
	}
	if (ch->on_event)
		ch->on_event(ch->on_event_arg, evt);
}

static int process_events(struct fe_chan *ch)
{
	struct xv_evt evt;
	uint32_t prod;
	int rc;

	prod = XV_READ_ONCE(ch->evt->in_prod);
	xen_rmb();
	rc = xv_proto_check_evt_idx(prod, ch->evt_cons);
	if (rc)
		return break_chan(ch, rc);
	while (ch->evt_cons != prod) {
		memcpy(&evt, &XV_EVT_RING_REF(ch->evt, ch->evt_cons),
		       sizeof(evt));
		xv_barrier();
		ch->evt_cons++;
		rc = xv_proto_check_evt(&evt, &ch->params);
		if (rc) {
			ch->bad_events++;
			ch->last_bad_event = rc;
			continue;
		}
		handle_event(ch, &evt);
	}
	/* Slots are read before the backend may reuse them. */
	xen_mb();
	ch->evt->in_cons = ch->evt_cons;
	return 0;
}

int fe_chan_process(struct fe_chan *ch)
{
	int rc;

	if (ch->broken)
		return ch->broken;
	rc = process_events(ch);
	if (rc)
		return rc;
	return process_responses(ch);
}

bool fe_chan_more(struct fe_chan *ch)
{
	int more;

	if (ch->broken)
		return false;
	RING_FINAL_CHECK_FOR_RESPONSES(&ch->ring, more);
	if (more)
		return true;
	return XV_READ_ONCE(ch->evt->in_prod) != ch->evt_cons;
}

int fe_chan_take(struct fe_chan *ch, uint64_t id, struct xv_rsp *rsp)
{
	struct fe_slot *s = slot_of(ch, id);
	int rc;

	if (!s || s->orphan)
		return -ENOENT;
	if (!s->done)
		return ch->broken ? ch->broken : -EAGAIN;
	rc = s->rc;
	if (rsp)
		*rsp = s->rsp;
	slot_free(ch, s);
	return rc;
}

void fe_chan_abandon(struct fe_chan *ch, uint64_t id)
{
	struct fe_slot *s = slot_of(ch, id);

	if (!s)
		return;
	if (s->done)
		slot_free(ch, s);
	else
		s->orphan = true;
}

void fe_chan_reset_ack(struct fe_chan *ch, uint32_t generation)
{
	ch->generation = generation;
	ch->reset = false;
}
