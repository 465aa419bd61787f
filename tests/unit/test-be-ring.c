/*
 * test-be-ring.c — the backend's end of the request ring and event page
 * (backend/be-ring.c) on plain memory standing in for the granted pages:
 * the frontend side is driven here with ring.h's FRONT_* macros. The ring
 * and page logic stays inside one process; mapping and event channels are
 * not involved.
 */
#include <stdlib.h>
#include <string.h>

#include "be-ring.h"
#include "proto.h"
#include "xv-test.h"

struct ring_pair {
	void *mem;
	struct xv_vgpuif_sring *s;
	struct xv_vgpuif_front_ring front;
	struct be_ring back;
	unsigned int order;
	unsigned int handled;
};

static void echo(void *arg, const struct xv_req *req, struct xv_rsp *rsp)
{
	struct ring_pair *rp = arg;

	memset(rsp, 0, sizeof(*rsp));
	rsp->id = req->id;
	rsp->op = req->op;
	rsp->status = req->ctx == 0 ? 0 : -XV_ERR_CTX_NOT_ZERO;
	rp->handled++;
}

static void pair_init(struct ring_pair *rp, unsigned int order, bool holdoff)
{
	size_t bytes = (size_t)XV_PAGE_BYTES << order;

	memset(rp, 0, sizeof(*rp));
	rp->order = order;
	rp->mem = aligned_alloc(XV_PAGE_BYTES, bytes);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rp->mem);
	memset(rp->mem, 0xcc, bytes);
	rp->s = rp->mem;
	XEN_FRONT_RING_INIT(&rp->front, rp->s, bytes);
	be_ring_attach(&rp->back, rp->s, order, false, holdoff);
}

static void push(struct ring_pair *rp, unsigned int n, uint64_t first_id)
{
	for (unsigned int i = 0; i < n; i++) {
		struct xv_req *req =
		    RING_GET_REQUEST(&rp->front, rp->front.req_prod_pvt);

		memset(req, 0, sizeof(*req));
		req->id = first_id + i;
		req->op = XV_OP_QUERY_CAPS;
		rp->front.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS(&rp->front);
}

static unsigned int collect(struct ring_pair *rp, uint64_t first_id)
{
	unsigned int n = 0;
	RING_IDX prod = rp->s->rsp_prod;

	CU_ASSERT_EQUAL(xv_proto_check_rsp_prod(prod, rp->front.rsp_cons,
						rp->front.req_prod_pvt),
			0);
	while (rp->front.rsp_cons != prod) {
		struct xv_rsp rsp;

		RING_COPY_RESPONSE(&rp->front, rp->front.rsp_cons, &rsp);
		CU_ASSERT_EQUAL(rsp.id, first_id + n);
		CU_ASSERT_EQUAL(rsp.status, 0);
		rp->front.rsp_cons++;
		n++;
	}
	return n;
}

static void test_drain(void)
{
	struct ring_pair rp;
	bool notify;
	int rc;

	pair_init(&rp, 2, false);
	CU_ASSERT_EQUAL(RING_SIZE(&rp.back.back), 128);
	push(&rp, 100, 1000);
	rc = be_ring_drain(&rp.back, 1000, echo, &rp, &notify);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(notify); /* no hold-off: always notify */
	CU_ASSERT_EQUAL(collect(&rp, 1000), 100);
	/* budget: stops early and says "more" */
	push(&rp, 50, 2000);
	rc = be_ring_drain(&rp.back, 20, echo, &rp, &notify);
	CU_ASSERT_EQUAL(rc, 1);
	rc = be_ring_drain(&rp.back, 20, echo, &rp, &notify);
	CU_ASSERT_EQUAL(rc, 1);
	rc = be_ring_drain(&rp.back, 20, echo, &rp, &notify);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(collect(&rp, 2000), 50);
	/* drained: the final check armed req_event for the next request */
	CU_ASSERT_EQUAL(rp.s->req_event, rp.back.back.req_cons + 1);
	/* many wraps of the indexes */
	for (unsigned int round = 0; round < 300; round++) {
		push(&rp, 128, 10000 + round * 128);
		CU_ASSERT_EQUAL(
		    be_ring_drain(&rp.back, 1000, echo, &rp, &notify), 0);
		CU_ASSERT_EQUAL(collect(&rp, 10000 + round * 128), 128);
	}
	free(rp.mem);
}

static void test_holdoff(void)
{
	struct ring_pair rp;
	bool notify;

	pair_init(&rp, 0, true);
	push(&rp, 3, 1);
	/* the frontend waits for responses: rsp_event = rsp_cons + 1 */
	rp.s->rsp_event = rp.front.rsp_cons + 1;
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify), 0);
	CU_ASSERT_TRUE(notify);
	CU_ASSERT_EQUAL(collect(&rp, 1), 3);
	/* frontend busy polling, rsp_event far behind: no notification */
	rp.s->rsp_event = rp.front.rsp_cons + 1000;
	push(&rp, 2, 4);
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify), 0);
	CU_ASSERT_FALSE(notify);
	CU_ASSERT_EQUAL(collect(&rp, 4), 2);
	free(rp.mem);
}

static void test_hostile_indexes(void)
{
	struct ring_pair rp;
	bool notify;
	unsigned int before;

	pair_init(&rp, 0, false);
	push(&rp, 5, 1);
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify), 0);
	/* req_prod more than a ring ahead of the responses */
	rp.s->req_prod = rp.back.back.rsp_prod_pvt + 33;
	before = rp.handled;
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify),
			-XV_ERR_RING_REQ_OVERFLOW);
	CU_ASSERT_EQUAL(rp.handled, before); /* nothing was consumed */
	/* a bad ring stays bad, even once the index looks sane again */
	rp.s->req_prod = rp.back.back.rsp_prod_pvt;
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify),
			-XV_ERR_RING_REQ_OVERFLOW);
	/* req_prod going backwards is the same overflow (unsigned) */
	free(rp.mem);
	pair_init(&rp, 0, false);
	push(&rp, 2, 1);
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify), 0);
	rp.s->req_prod -= 1;
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify),
			-XV_ERR_RING_REQ_OVERFLOW);
	free(rp.mem);
}

static void test_reattach(void)
{
	struct ring_pair rp;
	struct be_ring fresh;
	bool notify;

	pair_init(&rp, 1, false);
	push(&rp, 10, 1);
	CU_ASSERT_EQUAL(be_ring_drain(&rp.back, 100, echo, &rp, &notify), 0);
	CU_ASSERT_EQUAL(collect(&rp, 1), 10);
	/* the daemon dies after consuming 3 of 5 more, answering none */
	push(&rp, 5, 11);
	rp.back.back.req_cons += 3;
	/* a new daemon attaches at the published rsp_prod: all 5 are
	 * answered, exactly once each */
	be_ring_attach(&fresh, rp.s, 1, true, false);
	CU_ASSERT_EQUAL(fresh.back.req_cons, 10);
	rp.handled = 0;
	CU_ASSERT_EQUAL(be_ring_drain(&fresh, 100, echo, &rp, &notify), 0);
	CU_ASSERT_EQUAL(rp.handled, 5);
	CU_ASSERT_EQUAL(collect(&rp, 11), 5);
	free(rp.mem);
}

static void test_event_page(void)
{
	struct xv_evt_page *page = calloc(1, XV_PAGE_BYTES);
	struct be_evt e;
	struct xv_evt ev;
	bool notify;

	CU_ASSERT_PTR_NOT_NULL_FATAL(page);
	CU_ASSERT_EQUAL(be_evt_attach(&e, page), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = XV_EVT_DEVICE_RESET;
	for (uint32_t i = 0; i < XV_EVT_RING_LEN; i++) {
		ev.u.device_reset.generation = i;
		CU_ASSERT_EQUAL(be_evt_post(&e, &ev, &notify), 0);
		CU_ASSERT_TRUE(notify);
	}
	CU_ASSERT_EQUAL(page->in_prod, XV_EVT_RING_LEN);
	/* full: held, not overwritten */
	CU_ASSERT_EQUAL(be_evt_post(&e, &ev, &notify), -EAGAIN);
	CU_ASSERT_EQUAL(page->ring[0].u.device_reset.generation, 0);
	page->in_cons = 1;
	ev.u.device_reset.generation = 99;
	CU_ASSERT_EQUAL(be_evt_post(&e, &ev, &notify), 0);
	CU_ASSERT_EQUAL(page->ring[0].u.device_reset.generation, 99);
	/* hostile in_cons (ahead of in_prod) kills the page for good */
	page->in_cons = page->in_prod + 5;
	CU_ASSERT_EQUAL(be_evt_post(&e, &ev, &notify), -XV_ERR_EVT_INDEX);
	page->in_cons = page->in_prod;
	CU_ASSERT_EQUAL(be_evt_post(&e, &ev, &notify), -XV_ERR_EVT_INDEX);
	/* attaching to a page with impossible indexes fails */
	page->in_prod = 1000;
	page->in_cons = 0;
	CU_ASSERT_EQUAL(be_evt_attach(&e, page), -XV_ERR_EVT_INDEX);
	/* a restarted daemon continues at the published in_prod */
	page->in_prod = 70;
	page->in_cons = 60;
	CU_ASSERT_EQUAL(be_evt_attach(&e, page), 0);
	CU_ASSERT_EQUAL(be_evt_post(&e, &ev, &notify), 0);
	CU_ASSERT_EQUAL(page->in_prod, 71);
	CU_ASSERT_EQUAL(XV_EVT_RING_REF(page, 70).u.device_reset.generation,
			99);
	free(page);
}

static const struct xv_test_case cases[] = {
    {"drain, budget, index wrap", test_drain},
    {"notification hold-off", test_holdoff},
    {"hostile ring indexes", test_hostile_indexes},
    {"restarted daemon attaches at rsp_prod", test_reattach},
    {"event page", test_event_page},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"be-ring", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
