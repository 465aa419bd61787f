/*
 * test-fe-chan.c — the frontend's ring and event-page logic
 * (frontend/lib/fe-chan.c) over plain memory; the test plays the backend
 * with the ring.h BACK_RING macros. No Xen, no transport.
 *
 * Directed cases for each rule, then a randomized model-based test: many
 * requests outstanding, the backend answers them in a random order, the
 * frontend takes them in another, some waiters give up; a dead-simple
 * model (which ids are out, which answered, with what value) is compared
 * after every step, with indexes starting near the 2^32 wrap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontend/lib/fe-chan.h"
#include "compiler.h"
#include "xv-test.h"

static struct xv_proto_params params = {
    .limits =
	{
	    .max_contexts = 16,
	    .max_pinned_pages = 1024,
	    .pasid_width = 8,
	    .max_pasids = 16,
	    .max_queued_bytes = 1u << 20,
	    .max_cmd_bytes = 1u << 16,
	    .ring_order_max = 1,
	    .sched_weight = 100,
	    .features = XV_FEATURE_ALL,
	    .oos_pages = 8,
	},
    .features = XV_FEATURE_ALL,
};

static void *ring_mem;
static struct xv_evt_page *evt;
static struct fe_chan ch;
static struct xv_vgpuif_back_ring back;

static void open_chan(unsigned int order, RING_IDX start)
{
	size_t bytes = (size_t)XV_PAGE_BYTES << order;

	ring_mem = calloc(1, bytes);
	evt = calloc(1, XV_PAGE_BYTES);
	CU_ASSERT_FATAL(ring_mem && evt);
	CU_ASSERT_FATAL(fe_chan_init(&ch, ring_mem, order, evt, &params) == 0);
	BACK_RING_INIT(&back, (struct xv_vgpuif_sring *)ring_mem, bytes);
	/* Move every index to start, as if that many had gone by. */
	ch.ring.req_prod_pvt = ch.ring.rsp_cons = start;
	ch.ring.sring->req_prod = ch.ring.sring->rsp_prod = start;
	ch.ring.sring->req_event = ch.ring.sring->rsp_event = start + 1;
	back.req_cons = back.rsp_prod_pvt = start;
}

static void close_chan(void)
{
	fe_chan_dispose(&ch);
	fe_chan_dispose(&ch); /* idempotent */
	free(ring_mem);
	free(evt);
}

static struct xv_req cfg_read_req(uint32_t offset)
{
	struct xv_req r;

	memset(&r, 0, sizeof(r));
	r.op = XV_OP_CFG_READ;
	r.u.cfg.offset = offset;
	r.u.cfg.size = 4;
	return r;
}

/* The backend: take the next request off the ring (copy). */
static bool back_take(struct xv_req *req)
{
	if (back.req_cons == back.sring->req_prod)
		return false;
	RING_COPY_REQUEST(&back, back.req_cons, req);
	back.req_cons++;
	return true;
}

static void back_answer(const struct xv_req *req, int32_t status,
			uint32_t value)
{
	struct xv_rsp rsp;
	int notify;

	memset(&rsp, 0, sizeof(rsp));
	rsp.id = req->id;
	rsp.op = req->op;
	rsp.status = status;
	if (!status && req->op == XV_OP_CFG_READ)
		rsp.u.cfg_read.value = value;
	*RING_GET_RESPONSE(&back, back.rsp_prod_pvt) = rsp;
	back.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
	(void)notify;
}

static uint32_t value_of(uint32_t offset)
{
	return offset * 2654435761u;
}

/* ---- directed ---------------------------------------------------------- */

static void test_init_checks(void)
{
	void *mem = calloc(1, XV_PAGE_BYTES);
	struct xv_evt_page *e = calloc(1, XV_PAGE_BYTES);
	struct fe_chan c;

	CU_ASSERT_EQUAL(
	    fe_chan_init(&c, mem, XV_RING_ORDER_MAX + 1, e, &params), -EINVAL);
	CU_ASSERT_EQUAL(fe_chan_init(&c, NULL, 0, e, &params), -EINVAL);
	CU_ASSERT_EQUAL(fe_chan_init(&c, mem, 0, NULL, &params), -EINVAL);
	CU_ASSERT_EQUAL(fe_chan_init(&c, mem, 0, e, &params), 0);
	CU_ASSERT_EQUAL(c.nr_slots, 32);
	fe_chan_dispose(&c);
	free(mem);
	free(e);
}

static void test_round_trip(void)
{
	struct xv_req req = cfg_read_req(0x40), got;
	struct xv_rsp rsp;
	uint64_t id = 0;
	bool notify = false;

	open_chan(0, 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	CU_ASSERT_TRUE(notify);
	CU_ASSERT_EQUAL(fe_chan_take(&ch, id, &rsp), -EAGAIN);
	CU_ASSERT_TRUE_FATAL(back_take(&got));
	CU_ASSERT_EQUAL(got.id, id);
	CU_ASSERT_EQUAL(got.u.cfg.offset, 0x40);
	CU_ASSERT_FALSE(fe_chan_more(&ch));
	back_answer(&got, 0, 0x1234);
	CU_ASSERT_TRUE(fe_chan_more(&ch));
	CU_ASSERT_EQUAL(fe_chan_process(&ch), 0);
	CU_ASSERT_EQUAL(fe_chan_take(&ch, id, &rsp), 0);
	CU_ASSERT_EQUAL(rsp.u.cfg_read.value, 0x1234);
	/* Taken once only. */
	CU_ASSERT_EQUAL(fe_chan_take(&ch, id, &rsp), -ENOENT);
	CU_ASSERT_EQUAL(ch.busy, 0);
	close_chan();
}

static void test_full_ring(void)
{
	struct xv_req req = cfg_read_req(0), got;
	uint64_t id;
	bool notify;

	open_chan(0, 0);
	for (unsigned int i = 0; i < 32; i++)
		CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), -EAGAIN);
	/* One answered and taken: one slot free again. */
	CU_ASSERT_TRUE_FATAL(back_take(&got));
	back_answer(&got, 0, 1);
	CU_ASSERT_EQUAL(fe_chan_process(&ch), 0);
	CU_ASSERT_EQUAL(fe_chan_take(&ch, got.id, NULL), 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	close_chan();
}

static void test_invalid_request_not_sent(void)
{
	struct xv_req req = cfg_read_req(0), got;
	uint64_t id;
	bool notify;

	open_chan(0, 0);
	req.u.cfg.size = 8;
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify),
			-XV_ERR_CFG_SIZE);
	req = cfg_read_req(0);
	req.ctx = 3;
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify),
			-XV_ERR_CTX_NOT_ZERO);
	CU_ASSERT_FALSE(back_take(&got));
	CU_ASSERT_EQUAL(ch.busy, 0);
	close_chan();
}

/* A response for a slot that is idle, or with an old sequence, breaks. */
static void test_forged_ids(void)
{
	struct xv_req req = cfg_read_req(0), got;
	uint64_t id;
	bool notify;

	open_chan(0, 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	CU_ASSERT_TRUE_FATAL(back_take(&got));
	got.id += 1ull << 16; /* same slot, other sequence */
	back_answer(&got, 0, 0);
	CU_ASSERT_EQUAL(fe_chan_process(&ch), -XV_ERR_RSP_ID);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), -XV_ERR_RSP_ID);
	CU_ASSERT_FALSE(fe_chan_more(&ch));
	close_chan();

	open_chan(0, 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	CU_ASSERT_TRUE_FATAL(back_take(&got));
	got.id = (got.id & ~0xffffull) | 31; /* an idle slot */
	back_answer(&got, 0, 0);
	CU_ASSERT_EQUAL(fe_chan_process(&ch), -XV_ERR_RSP_ID);
	close_chan();

	/* Answering the same id twice. */
	open_chan(0, 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	CU_ASSERT_TRUE_FATAL(back_take(&got));
	back_answer(&got, 0, 0);
	back_answer(&got, 0, 0);
	CU_ASSERT_EQUAL(fe_chan_process(&ch), -XV_ERR_RSP_ID);
	close_chan();
}

/* rsp_prod beyond what was sent, also across the 2^32 wrap. */
static void test_rsp_prod_overflow(void)
{
	struct xv_req req = cfg_read_req(0);
	uint64_t id;
	bool notify;

	open_chan(0, 0xfffffffe);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	ch.ring.sring->rsp_prod = 0xfffffffe + 2;
	CU_ASSERT_EQUAL(fe_chan_process(&ch), -XV_ERR_RING_RSP_OVERFLOW);
	close_chan();
}

static void test_reset_gate(void)
{
	struct xv_req req = cfg_read_req(0), caps, got;
	uint64_t id;
	bool notify;

	open_chan(0, 0);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	CU_ASSERT_TRUE_FATAL(back_take(&got));
	back_answer(&got, -XV_ERR_DEVICE_RESET, 0);
	CU_ASSERT_EQUAL(fe_chan_process(&ch), 0);
	CU_ASSERT_TRUE(ch.reset);
	CU_ASSERT_EQUAL(fe_chan_take(&ch, id, NULL), -XV_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify),
			-XV_ERR_DEVICE_RESET);
	memset(&caps, 0, sizeof(caps));
	caps.op = XV_OP_QUERY_CAPS;
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &caps, &id, &notify), 0);
	fe_chan_reset_ack(&ch, 3);
	CU_ASSERT_FALSE(ch.reset);
	CU_ASSERT_EQUAL(ch.generation, 3);
	CU_ASSERT_EQUAL(fe_chan_send(&ch, &req, &id, &notify), 0);
	close_chan();
}

static unsigned int fences_seen;
static uint64_t last_fence;

static void count_event(void *arg, const struct xv_evt *e)
{
	(void)arg;
	if (e->type == XV_EVT_FENCE_DONE) {
		fences_seen++;
		last_fence = e->u.fence_done.fence;
	}
}

/* Events reach the hook in order, across the event ring's wrap. */
static void test_events_wrap(void)
{
	struct xv_evt e;
	uint32_t prod = 0xffffffc0u;

	open_chan(0, 0);
	ch.on_event = count_event;
	ch.evt_cons = prod;
	evt->in_cons = evt->in_prod = prod;
	fences_seen = 0;
	for (unsigned int round = 0; round < 5; round++) {
		for (unsigned int i = 0; i < XV_EVT_RING_LEN; i++) {
			memset(&e, 0, sizeof(e));
			e.type = XV_EVT_FENCE_DONE;
			e.ctx = 1 + i % 16;
			e.u.fence_done.fence = (uint64_t)round * 1000 + i + 1;
			XV_EVT_RING_REF(evt, prod) = e;
			prod++;
		}
		evt->in_prod = prod;
		CU_ASSERT_TRUE(fe_chan_more(&ch));
		CU_ASSERT_EQUAL(fe_chan_process(&ch), 0);
		CU_ASSERT_EQUAL(evt->in_cons, prod);
		CU_ASSERT_EQUAL(last_fence, (uint64_t)round * 1000 + 64);
	}
	CU_ASSERT_EQUAL(fences_seen, 5 * XV_EVT_RING_LEN);
	CU_ASSERT_EQUAL(ch.bad_events, 0);

	/* A fence event for context 0 or beyond max-contexts is dropped. */
	memset(&e, 0, sizeof(e));
	e.type = XV_EVT_FENCE_DONE;
	e.ctx = 17;
	e.u.fence_done.fence = 1;
	XV_EVT_RING_REF(evt, prod) = e;
	evt->in_prod = ++prod;
	CU_ASSERT_EQUAL(fe_chan_process(&ch), 0);
	CU_ASSERT_EQUAL(ch.bad_events, 1);
	CU_ASSERT_EQUAL(ch.last_bad_event, -XV_ERR_EVT_CTX_RANGE);
	close_chan();
}

/* ---- randomized, against a model --------------------------------------- */

#define MAX_OUT 256

struct model_req {
	uint64_t id;
	uint32_t offset;
	bool answered;	/* the backend pushed its response */
	bool abandoned; /* the waiter gave up */
};

static void test_model_random(void)
{
	struct model_req out[MAX_OUT];
	struct xv_req pend[MAX_OUT]; /* taken by the backend, not answered */
	unsigned int n_out = 0, n_pend = 0;
	unsigned long steps = xv_test_steps(20000);
	struct xv_rng rng;
	unsigned int order;

	xv_rng_init(&rng, xv_test_seed("fe-chan model"));
	order = (unsigned int)xv_rng_below(&rng, 2);
	open_chan(order, 0xffffffffu - (RING_IDX)xv_rng_below(&rng, 300));

	for (unsigned long s = 0; s < steps; s++) {
		unsigned int act = (unsigned int)xv_rng_below(&rng, 100);

		if (act < 35) { /* send */
			uint32_t off = (uint32_t)xv_rng_below(&rng, 1024) * 4;
			struct xv_req req = cfg_read_req(off);
			uint64_t id;
			bool notify;
			int rc = fe_chan_send(&ch, &req, &id, &notify);

			if (ch.busy - (rc == 0) >= ch.nr_slots) {
				CU_ASSERT_EQUAL_FATAL(rc, -EAGAIN);
				continue;
			}
			CU_ASSERT_EQUAL_FATAL(rc, 0);
			CU_ASSERT_FATAL(n_out < MAX_OUT);
			out[n_out++] =
			    (struct model_req){.id = id, .offset = off};
		} else if (act < 55) { /* the backend takes what is there */
			struct xv_req r;

			while (back_take(&r)) {
				CU_ASSERT_FATAL(n_pend < MAX_OUT);
				pend[n_pend++] = r;
			}
		} else if (act < 75 && n_pend) { /* answer one, any order */
			unsigned int i =
			    (unsigned int)xv_rng_below(&rng, n_pend);

			back_answer(&pend[i], 0,
				    value_of(pend[i].u.cfg.offset));
			for (unsigned int k = 0; k < n_out; k++)
				if (out[k].id == pend[i].id)
					out[k].answered = true;
			pend[i] = pend[--n_pend];
		} else if (act < 80) {
			CU_ASSERT_EQUAL_FATAL(fe_chan_process(&ch), 0);
		} else if (act < 97 && n_out) { /* take one */
			unsigned int k =
			    (unsigned int)xv_rng_below(&rng, n_out);
			struct xv_rsp rsp;
			int rc;

			CU_ASSERT_EQUAL_FATAL(fe_chan_process(&ch), 0);
			rc = fe_chan_take(&ch, out[k].id, &rsp);
			if (out[k].abandoned) {
				CU_ASSERT_EQUAL_FATAL(rc, -ENOENT);
			} else if (!out[k].answered) {
				CU_ASSERT_EQUAL_FATAL(rc, -EAGAIN);
				continue;
			} else {
				CU_ASSERT_EQUAL_FATAL(rc, 0);
				CU_ASSERT_EQUAL_FATAL(rsp.u.cfg_read.value,
						      value_of(out[k].offset));
			}
			if (out[k].abandoned && !out[k].answered)
				continue; /* its slot lives until the answer */
			out[k] = out[--n_out];
		} else if (n_out) { /* a waiter gives up */
			unsigned int k =
			    (unsigned int)xv_rng_below(&rng, n_out);

			fe_chan_abandon(&ch, out[k].id);
			out[k].abandoned = true;
			CU_ASSERT_EQUAL_FATAL(
			    fe_chan_take(&ch, out[k].id, NULL), -ENOENT);
		}
		/* Abandoned and answered: gone from both once processed. */
		CU_ASSERT_EQUAL_FATAL(fe_chan_process(&ch), 0);
		for (unsigned int k = 0; k < n_out;) {
			if (out[k].abandoned && out[k].answered)
				out[k] = out[--n_out];
			else
				k++;
		}
		CU_ASSERT_EQUAL_FATAL(ch.busy, n_out);
		CU_ASSERT_EQUAL_FATAL(ch.broken, 0);
	}
	close_chan();
}

static const struct xv_test_case cases[] = {
    {"init checks", test_init_checks},
    {"round trip", test_round_trip},
    {"full ring", test_full_ring},
    {"invalid request not sent", test_invalid_request_not_sent},
    {"forged ids", test_forged_ids},
    {"rsp_prod overflow", test_rsp_prod_overflow},
    {"reset gate", test_reset_gate},
    {"events wrap", test_events_wrap},
    {"model random", test_model_random},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"fe-chan", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
