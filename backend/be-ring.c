/*
 * be-ring.c — request ring and event page, backend side (see be-ring.h).
 *
 * Trusts nothing on the shared pages: each index is read once into a
 * local, checked, and the frontend may change the page at any time after.
 */
#include "be-ring.h"

#include <errno.h>
#include <string.h>

#include "compiler.h"
#include "proto.h"

void be_ring_attach(struct be_ring *r, struct xv_vgpuif_sring *s,
		    unsigned int order, bool at_rsp_prod, bool holdoff)
{
	RING_IDX start = 0;

	if (at_rsp_prod)
		start = XV_READ_ONCE(s->rsp_prod);
	memset(r, 0, sizeof(*r));
	BACK_RING_ATTACH(&r->back, s, start, (size_t)XV_PAGE_BYTES << order);
	r->holdoff = holdoff;
}

int be_ring_drain(struct be_ring *r, unsigned int budget, be_ring_handler *fn,
		  void *arg, bool *notify)
{
	unsigned int done = 0;

	*notify = false;
	if (r->bad)
		return r->bad;
	for (;;) {
		RING_IDX rp = XV_READ_ONCE(r->back.sring->req_prod);
		bool pushed = false;
		int more = 0;

		xen_rmb(); /* read requests only after req_prod */
		if (xv_proto_check_req_prod(rp, r->back.rsp_prod_pvt,
					    RING_SIZE(&r->back))) {
			r->bad = -XV_ERR_RING_REQ_OVERFLOW;
			return r->bad;
		}
		while (r->back.req_cons != rp) {
			struct xv_req req;
			struct xv_rsp rsp;

			RING_COPY_REQUEST(&r->back, r->back.req_cons, &req);
			xv_barrier(); /* nothing below reads the slot again */
			r->back.req_cons++;
			fn(arg, &req, &rsp);
			memcpy(
			    RING_GET_RESPONSE(&r->back, r->back.rsp_prod_pvt),
			    &rsp, sizeof(rsp));
			r->back.rsp_prod_pvt++;
			pushed = true;
			if (++done >= budget)
				break;
		}
		if (pushed) {
			bool n = true;

			if (r->holdoff)
				RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->back,
								     n);
			else
				RING_PUSH_RESPONSES(&r->back);
			*notify |= n;
		}
		if (done >= budget)
			return 1;
		RING_FINAL_CHECK_FOR_REQUESTS(&r->back, more);
		if (!more)
			return 0;
	}
}

int be_evt_attach(struct be_evt *e, struct xv_evt_page *page)
{
	uint32_t prod = XV_READ_ONCE(page->in_prod);
	uint32_t cons = XV_READ_ONCE(page->in_cons);

	memset(e, 0, sizeof(*e));
	e->page = page;
	e->prod = prod;
	if (xv_proto_check_evt_idx(prod, cons))
		e->bad = -XV_ERR_EVT_INDEX;
	return e->bad;
}

int be_evt_post(struct be_evt *e, const struct xv_evt *ev, bool *notify)
{
	uint32_t cons;

	*notify = false;
	if (e->bad)
		return e->bad;
	cons = XV_READ_ONCE(e->page->in_cons);
	if (xv_proto_check_evt_idx(e->prod, cons)) {
		e->bad = -XV_ERR_EVT_INDEX;
		return e->bad;
	}
	if (e->prod - cons == XV_EVT_RING_LEN)
		return -EAGAIN;
	xen_mb(); /* the slot is free (in_cons read) before we write it */
	memcpy(&XV_EVT_RING_REF(e->page, e->prod), ev, sizeof(*ev));
	xen_wmb(); /* the event before the index */
	e->prod++;
	*(volatile uint32_t *)&e->page->in_prod = e->prod;
	*notify = true;
	return 0;
}
