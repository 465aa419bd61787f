/*
 * test-be-events.c — the event writer (backend/be-events.c) on an event
 * page in plain memory: order, merging of fences, a full page (nothing
 * overwritten, nothing blocks, lost faults counted), index wrap-around,
 * reports from several threads, and a hostile in_cons.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "be-events.h"
#include "be-ring.h"
#include "proto.h"
#include "xv-test.h"

struct page {
	struct xv_evt_page *p;
	struct be_evt evt;
	uint32_t cons;
};

static void page_init(struct page *pg, uint32_t start)
{
	pg->p = calloc(1, XV_PAGE_BYTES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pg->p);
	/* a page that starts anywhere: indexes are free-running */
	pg->p->in_prod = pg->p->in_cons = start;
	pg->cons = start;
	CU_ASSERT_EQUAL_FATAL(be_evt_attach(&pg->evt, pg->p), 0);
}

/* The frontend consumes one event (0 when none). */
static int take(struct page *pg, struct xv_evt *out)
{
	if (pg->p->in_prod == pg->cons)
		return 0;
	*out = XV_EVT_RING_REF(pg->p, pg->cons);
	pg->cons++;
	pg->p->in_cons = pg->cons;
	return 1;
}

static struct xv_gpu_fault fault_at(uint64_t va)
{
	struct xv_gpu_fault f = {va, 1, XV_FAULT_ACCESS_WRITE,
				 XV_FAULT_NOT_PRESENT, 0};
	return f;
}

static void test_order_and_merge(void)
{
	struct be_events *e;
	struct page pg;
	struct xv_gpu_fault f = fault_at(0x5000);
	struct xv_evt ev;
	bool notify;

	page_init(&pg, 0);
	CU_ASSERT_EQUAL_FATAL(be_events_new(4, &e), 0);
	CU_ASSERT_EQUAL(be_events_flush(e, &pg.evt, &notify), 0);
	CU_ASSERT(!notify);
	be_events_fence_done(e, 2, 5);
	be_events_fence_done(e, 2, 7); /* merges: the highest fence wins */
	be_events_fence_done(e, 1, 1);
	be_events_fault(e, 2, &f);
	be_events_fence_done(e, 9, 1); /* out of range: ignored */
	CU_ASSERT(be_events_pending(e));
	CU_ASSERT_EQUAL(be_events_flush(e, &pg.evt, &notify), 0);
	CU_ASSERT(notify);
	CU_ASSERT(!be_events_pending(e));
	CU_ASSERT_EQUAL(take(&pg, &ev), 1);
	CU_ASSERT_EQUAL(ev.type, XV_EVT_FENCE_DONE);
	CU_ASSERT_EQUAL(ev.ctx, 1);
	CU_ASSERT_EQUAL(take(&pg, &ev), 1);
	CU_ASSERT_EQUAL(ev.ctx, 2);
	CU_ASSERT_EQUAL(ev.u.fence_done.fence, 7);
	/* the fence before the fault of the same context */
	CU_ASSERT_EQUAL(take(&pg, &ev), 1);
	CU_ASSERT_EQUAL(ev.type, XV_EVT_GPU_FAULT);
	CU_ASSERT_EQUAL(ev.u.gpu_fault.gpu_va, 0x5000);
	CU_ASSERT_EQUAL(ev.u.gpu_fault.lost, 0);
	CU_ASSERT_EQUAL(take(&pg, &ev), 0);
	{
		struct be_events_stats st;

		be_events_get_stats(e, &st);
		CU_ASSERT_EQUAL(st.fences_posted, 2);
		CU_ASSERT_EQUAL(st.faults_posted, 1);
		CU_ASSERT_EQUAL(st.fences_merged, 1);
		CU_ASSERT_EQUAL(st.bad_ctx, 1);
	}
	/* a forgotten context posts nothing */
	be_events_fence_done(e, 3, 4);
	be_events_forget(e, 3);
	CU_ASSERT(!be_events_pending(e));
	CU_ASSERT_EQUAL(be_events_flush(e, &pg.evt, &notify), 0);
	CU_ASSERT_EQUAL(take(&pg, &ev), 0);
	be_events_free(e);
	free(pg.p);
}

/* A page the frontend does not drain: held, never overwritten. */
static void test_full_page_and_lost(void)
{
	enum { CTX = 80 };
	struct be_events *e;
	struct page pg;
	struct xv_evt ev, snap[XV_EVT_RING_LEN];
	bool notify;
	uint32_t seen = 0;

	page_init(&pg, 0xfffffff0u); /* wraps while we are at it */
	CU_ASSERT_EQUAL_FATAL(be_events_new(CTX, &e), 0);
	for (uint32_t c = 1; c <= CTX; c++)
		be_events_fence_done(e, c, c);
	CU_ASSERT_EQUAL(be_events_flush(e, &pg.evt, &notify), 1);
	CU_ASSERT_EQUAL(pg.p->in_prod - pg.p->in_cons, XV_EVT_RING_LEN);
	memcpy(snap, pg.p->ring, sizeof(snap));
	/* more reports while full: a fault on a held context, three lost */
	for (int i = 0; i < 4; i++) {
		struct xv_gpu_fault f = fault_at(0x1000 * (i + 1));

		be_events_fault(e, CTX, &f);
	}
	CU_ASSERT_EQUAL(be_events_flush(e, &pg.evt, &notify), 1);
	CU_ASSERT(!notify);
	CU_ASSERT(memcmp(snap, pg.p->ring, sizeof(snap)) == 0);
	/* the guest drains; everything arrives once, in context order */
	for (int round = 0; round < 4; round++) {
		while (take(&pg, &ev)) {
			if (ev.type == XV_EVT_FENCE_DONE) {
				CU_ASSERT_EQUAL(ev.ctx, seen + 1);
				CU_ASSERT_EQUAL(ev.u.fence_done.fence,
						seen + 1);
				seen++;
			} else {
				CU_ASSERT_EQUAL(ev.type, XV_EVT_GPU_FAULT);
				CU_ASSERT_EQUAL(ev.ctx, CTX);
				CU_ASSERT_EQUAL(ev.u.gpu_fault.gpu_va, 0x1000);
				CU_ASSERT_EQUAL(ev.u.gpu_fault.lost, 3);
				CU_ASSERT_EQUAL(seen, CTX);
				seen++;
			}
		}
		be_events_flush(e, &pg.evt, &notify);
	}
	CU_ASSERT_EQUAL(seen, CTX + 1);
	CU_ASSERT(!be_events_pending(e));
	{
		struct be_events_stats st;

		be_events_get_stats(e, &st);
		CU_ASSERT_EQUAL(st.faults_lost, 3);
		CU_ASSERT(st.page_full >= 1);
	}
	be_events_free(e);
	free(pg.p);
}

/* A hostile in_cons kills the page: the flush says so, never crashes. */
static void test_hostile_cons(void)
{
	struct be_events *e;
	struct page pg;
	bool notify;

	page_init(&pg, 0);
	CU_ASSERT_EQUAL_FATAL(be_events_new(2, &e), 0);
	pg.p->in_cons = 1000; /* ahead of in_prod */
	be_events_fence_done(e, 1, 1);
	CU_ASSERT_EQUAL(be_events_flush(e, &pg.evt, &notify),
			-XV_ERR_EVT_INDEX);
	CU_ASSERT_EQUAL(pg.p->in_prod, 0);
	be_events_free(e);
	free(pg.p);
}

struct shooter {
	struct be_events *e;
	uint32_t ctx;
	uint64_t n;
};

static void *shoot(void *arg)
{
	struct shooter *s = arg;

	for (uint64_t f = 1; f <= s->n; f++)
		be_events_fence_done(s->e, s->ctx, f);
	return NULL;
}

/* Engines report from their threads while the writer flushes: the last
 * fence of each context always arrives, fences only go up. */
static void test_threads(void)
{
	enum { T = 3, N = 20000 };
	struct shooter s[T];
	pthread_t th[T];
	uint64_t last[T + 1] = {0};
	struct be_events *e;
	struct page pg;
	struct xv_evt ev;
	bool notify;
	int done = 0;

	page_init(&pg, 0);
	CU_ASSERT_EQUAL_FATAL(be_events_new(T, &e), 0);
	for (int i = 0; i < T; i++) {
		s[i] = (struct shooter){e, (uint32_t)i + 1, N};
		pthread_create(&th[i], NULL, shoot, &s[i]);
	}
	for (;;) {
		int r = be_events_flush(e, &pg.evt, &notify);

		CU_ASSERT(r >= 0);
		while (take(&pg, &ev)) {
			CU_ASSERT(ev.ctx >= 1 && ev.ctx <= T);
			if (ev.ctx < 1 || ev.ctx > T)
				continue;
			CU_ASSERT(ev.u.fence_done.fence > last[ev.ctx]);
			last[ev.ctx] = ev.u.fence_done.fence;
		}
		if (done == T && !be_events_pending(e))
			break;
		if (done < T) {
			done = 0;
			for (int i = 1; i <= T; i++)
				done += last[i] == N;
		}
		if (done == T)
			continue;
	}
	for (int i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	for (int i = 1; i <= T; i++)
		CU_ASSERT_EQUAL(last[i], N);
	be_events_free(e);
	free(pg.p);
}

static const struct xv_test_case cases[] = {
    {"order, merged fences, forgotten contexts", test_order_and_merge},
    {"full page: held, not overwritten, lost faults", test_full_page_and_lost},
    {"hostile in_cons", test_hostile_cons},
    {"reports from engine threads", test_threads},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"be-events", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
