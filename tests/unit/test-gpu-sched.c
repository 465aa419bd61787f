/*
 * test-gpu-sched.c — the weighted time-slice scheduler: argument checks,
 * backpressure, per-queue order, engine classes, cancel, and fairness
 * measured in charged work units over a simulated run (deterministic: no
 * wall clock anywhere).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu-sched.h"
#include "xv-test.h"

struct item {
	struct xv_sched_item it; /* first: the cast below relies on it */
	int owner;
	int seq;
};

static struct item *mkitem(int owner, int seq, uint64_t bytes, uint32_t engines)
{
	struct item *i = calloc(1, sizeof(*i));

	i->owner = owner;
	i->seq = seq;
	i->it.bytes = bytes;
	i->it.engines = engines;
	return i;
}

#define ANY (XV_SCHED_ENGINE_COPY | XV_SCHED_ENGINE_COMPUTE)

static void test_arguments(void)
{
	struct xv_sched *s;
	struct xv_sched_entity *e;
	struct xv_sched_queue *q;
	struct xv_sched_item bad = {.bytes = 0, .engines = ANY};

	CU_ASSERT_EQUAL_FATAL(xv_sched_new(0, &s), 0);
	CU_ASSERT_EQUAL(xv_sched_entity_new(s, 0, 100, &e), -EINVAL);
	CU_ASSERT_EQUAL(xv_sched_entity_new(s, 1001, 100, &e), -EINVAL);
	CU_ASSERT_EQUAL(xv_sched_entity_new(s, 1, 0, &e), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(xv_sched_entity_new(s, 1000, 100, &e), 0);
	CU_ASSERT_EQUAL_FATAL(xv_sched_queue_new(e, &q), 0);
	CU_ASSERT_EQUAL(xv_sched_push(q, &bad), -EINVAL);
	bad.bytes = 1;
	bad.engines = 0;
	CU_ASSERT_EQUAL(xv_sched_push(q, &bad), -EINVAL);
	CU_ASSERT_PTR_NULL(xv_sched_next(s, ANY));
	CU_ASSERT_EQUAL(xv_sched_entity_free(e), -EBUSY);
	CU_ASSERT_EQUAL(xv_sched_queue_free(q), 0);
	CU_ASSERT_EQUAL(xv_sched_entity_free(e), 0);
	CU_ASSERT_EQUAL(xv_sched_entity_free(NULL), 0);
	CU_ASSERT_EQUAL(xv_sched_queue_free(NULL), 0);
	xv_sched_free(s);
	xv_sched_free(NULL);
}

static void test_backpressure(void)
{
	struct xv_sched *s;
	struct xv_sched_entity *e;
	struct xv_sched_queue *q1, *q2;
	struct xv_sched_entity_stats st;
	struct xv_sched_item a = {.bytes = 60, .engines = ANY};
	struct xv_sched_item b = {.bytes = 50, .engines = ANY};
	struct xv_sched_item c = {.bytes = 40, .engines = ANY};
	struct xv_sched_item d = {.bytes = 61, .engines = ANY};

	xv_sched_new(0, &s);
	xv_sched_entity_new(s, 10, 100, &e);
	xv_sched_queue_new(e, &q1);
	xv_sched_queue_new(e, &q2);
	CU_ASSERT_EQUAL(xv_sched_push(q1, &a), 0);
	/* The limit is per vGPU, over all its contexts. */
	CU_ASSERT_EQUAL(xv_sched_push(q2, &b), -EAGAIN);
	CU_ASSERT_EQUAL(xv_sched_push(q2, &c), 0);
	xv_sched_entity_get_stats(e, &st);
	CU_ASSERT_EQUAL(st.queued_bytes, 100);
	CU_ASSERT_EQUAL(st.rejected, 1);
	/* Running work still counts: bytes go only at completion. */
	CU_ASSERT_PTR_EQUAL(xv_sched_next(s, ANY), &a);
	CU_ASSERT_EQUAL(xv_sched_push(q1, &b), -EAGAIN);
	CU_ASSERT_EQUAL(xv_sched_queue_free(q1), -EBUSY);
	xv_sched_complete(s, &a, 5);
	CU_ASSERT_EQUAL(xv_sched_push(q1, &d), -EAGAIN);
	CU_ASSERT_EQUAL(xv_sched_push(q1, &b), 0);
	xv_sched_entity_get_stats(e, &st);
	CU_ASSERT_EQUAL(st.queued_bytes, 90);
	CU_ASSERT_EQUAL(st.queued_items, 2);
	CU_ASSERT_EQUAL(st.rejected, 3);
	CU_ASSERT_EQUAL(st.charged, 5);
	/* Cancel releases waiting items' bytes. */
	CU_ASSERT_PTR_EQUAL(xv_sched_queue_cancel(q1), &b);
	CU_ASSERT_PTR_NULL(xv_sched_queue_cancel(q1));
	CU_ASSERT_PTR_EQUAL(xv_sched_next(s, ANY), &c);
	CU_ASSERT(xv_sched_queue_busy(q2));
	CU_ASSERT_EQUAL(xv_sched_queue_cancel(q2), NULL);
	xv_sched_entity_get_stats(e, &st);
	CU_ASSERT_EQUAL(st.queued_bytes, 40);
	xv_sched_complete(s, &c, 1);
	CU_ASSERT_EQUAL(xv_sched_queue_free(q1), 0);
	CU_ASSERT_EQUAL(xv_sched_queue_free(q2), 0);
	CU_ASSERT_EQUAL(xv_sched_entity_free(e), 0);
	xv_sched_free(s);
}

static void test_queue_order_and_classes(void)
{
	struct xv_sched *s;
	struct xv_sched_entity *e;
	struct xv_sched_queue *q1, *q2;
	struct item *it[6];
	struct xv_sched_item *x, *y;

	xv_sched_new(1000, &s);
	xv_sched_entity_new(s, 1, 1 << 20, &e);
	xv_sched_queue_new(e, &q1);
	xv_sched_queue_new(e, &q2);
	for (int i = 0; i < 3; i++) {
		it[i] = mkitem(1, i, 8, ANY);
		CU_ASSERT_EQUAL(xv_sched_push(q1, &it[i]->it), 0);
	}
	it[3] = mkitem(2, 0, 8, XV_SCHED_ENGINE_COMPUTE);
	it[4] = mkitem(2, 1, 8, ANY);
	CU_ASSERT_EQUAL(xv_sched_push(q2, &it[3]->it), 0);
	CU_ASSERT_EQUAL(xv_sched_push(q2, &it[4]->it), 0);

	/* One item of a queue runs at a time; queues alternate. */
	x = xv_sched_next(s, ANY);
	CU_ASSERT_PTR_EQUAL(x, &it[0]->it);
	/* q1 is blocked and q2's head needs compute: nothing for copy. */
	CU_ASSERT_PTR_NULL(xv_sched_next(s, XV_SCHED_ENGINE_COPY));
	y = xv_sched_next(s, XV_SCHED_ENGINE_COMPUTE);
	CU_ASSERT_PTR_EQUAL(y, &it[3]->it);
	CU_ASSERT_PTR_NULL(xv_sched_next(s, ANY));
	xv_sched_complete(s, x, 10);
	CU_ASSERT_PTR_EQUAL(xv_sched_next(s, XV_SCHED_ENGINE_COPY), &it[1]->it);
	xv_sched_complete(s, y, 10);
	CU_ASSERT_PTR_EQUAL(xv_sched_next(s, XV_SCHED_ENGINE_COPY), &it[4]->it);
	xv_sched_complete(s, &it[1]->it, 1);
	xv_sched_complete(s, &it[4]->it, 1);
	CU_ASSERT_PTR_EQUAL(xv_sched_next(s, ANY), &it[2]->it);
	xv_sched_complete(s, &it[2]->it, 1);
	CU_ASSERT_PTR_NULL(xv_sched_next(s, ANY));
	for (int i = 0; i < 5; i++)
		free(it[i]);
	xv_sched_queue_free(q1);
	xv_sched_queue_free(q2);
	xv_sched_entity_free(e);
	xv_sched_free(s);
}

/*
 * A simulated device: `engines` engines pull from the scheduler and each
 * item takes `cost` units; the engine whose item ends first completes
 * next. Every entity is kept saturated (refilled up to its byte limit)
 * while `active[i]`. Returns total units charged to each entity in
 * charged[] (over the run, stats included).
 */
struct sim {
	struct xv_sched *s;
	unsigned int n;
	struct xv_sched_entity *e[4];
	struct xv_sched_queue *q[4][2];
	int active[4];
	int next_q[4];
	struct xv_rng rng;
	uint64_t max_cost; /* costs uniform in 1..max_cost; 0: all 10 */
	int seq;
};

static void sim_refill(struct sim *sm)
{
	/* Alternate between an entity's two contexts, so both stay fed. */
	for (unsigned int i = 0; i < sm->n; i++) {
		while (sm->active[i]) {
			struct item *it = mkitem((int)i, sm->seq++, 64, ANY);

			if (xv_sched_push(sm->q[i][sm->next_q[i]], &it->it)) {
				free(it);
				break;
			}
			sm->next_q[i] ^= 1;
		}
	}
}

static uint64_t sim_cost(struct sim *sm)
{
	return sm->max_cost ? 1 + xv_rng_below(&sm->rng, sm->max_cost) : 10;
}

/* Run until `items` items completed on `engines` engines. */
static void sim_run(struct sim *sm, unsigned int engines, unsigned long items)
{
	struct xv_sched_item *run[4] = {NULL};
	uint64_t start[4] = {0}, end[4] = {0}, now = 0;

	for (unsigned long done = 0; done < items;) {
		unsigned int first = 0;
		int any = 0;

		sim_refill(sm);
		for (unsigned int g = 0; g < engines; g++)
			if (!run[g]) {
				run[g] = xv_sched_next(sm->s, ANY);
				if (run[g]) {
					start[g] = now;
					end[g] = now + sim_cost(sm);
				}
			}
		for (unsigned int g = 0; g < engines; g++)
			if (run[g] && (!any || end[g] < end[first])) {
				first = g;
				any = 1;
			}
		if (!any)
			break;
		now = end[first];
		/* Charge the item's own cost: what its engine was busy. */
		xv_sched_complete(sm->s, run[first], end[first] - start[first]);
		free(run[first]);
		run[first] = NULL;
		done++;
	}
	for (unsigned int g = 0; g < engines; g++)
		if (run[g]) {
			xv_sched_complete(sm->s, run[g], 0);
			free(run[g]);
		}
}

static void sim_init(struct sim *sm, unsigned int n, const uint32_t *weights,
		     uint64_t period, uint64_t max_cost, const char *what)
{
	memset(sm, 0, sizeof(*sm));
	xv_rng_init(&sm->rng, xv_test_seed(what));
	sm->n = n;
	sm->max_cost = max_cost;
	CU_ASSERT_EQUAL_FATAL(xv_sched_new(period, &sm->s), 0);
	for (unsigned int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(
		    xv_sched_entity_new(sm->s, weights[i], 64 * 8, &sm->e[i]),
		    0);
		xv_sched_queue_new(sm->e[i], &sm->q[i][0]);
		xv_sched_queue_new(sm->e[i], &sm->q[i][1]);
		sm->active[i] = 1;
	}
}

static void sim_fini(struct sim *sm)
{
	for (unsigned int i = 0; i < sm->n; i++) {
		for (int k = 0; k < 2; k++) {
			struct xv_sched_item *l =
			    xv_sched_queue_cancel(sm->q[i][k]);

			while (l) {
				struct xv_sched_item *nx = l->next;

				free(l);
				l = nx;
			}
			CU_ASSERT_EQUAL(xv_sched_queue_free(sm->q[i][k]), 0);
		}
		CU_ASSERT_EQUAL(xv_sched_entity_free(sm->e[i]), 0);
	}
	xv_sched_free(sm->s);
}

static uint64_t charged(struct sim *sm, unsigned int i)
{
	struct xv_sched_entity_stats st;

	xv_sched_entity_get_stats(sm->e[i], &st);
	return st.charged;
}

static void check_shares(struct sim *sm, const uint32_t *w, double tol)
{
	uint64_t total = 0, wsum = 0;

	for (unsigned int i = 0; i < sm->n; i++) {
		total += charged(sm, i);
		wsum += w[i];
	}
	for (unsigned int i = 0; i < sm->n; i++) {
		double share = (double)charged(sm, i) / (double)total;
		double want = (double)w[i] / (double)wsum;

		if (share < want - tol || share > want + tol)
			fprintf(stderr, "\n  entity %u: share %.4f, want %.4f",
				i, share, want);
		CU_ASSERT(share >= want - tol && share <= want + tol);
	}
}

static void test_fairness_1_3(void)
{
	static const uint32_t w[2] = {1, 3};
	struct sim sm;

	/* Equal costs, one engine: exact shares, period after period. */
	sim_init(&sm, 2, w, 1000, 0, "sched 1:3 fixed");
	sim_run(&sm, 1, 4000);
	CU_ASSERT_EQUAL(charged(&sm, 0) + charged(&sm, 1), 40000);
	check_shares(&sm, w, 0.005);
	CU_ASSERT(xv_sched_periods(sm.s) >= 39);
	sim_fini(&sm);

	/* Random costs, two engines: within 2 points over 20000 items. */
	sim_init(&sm, 2, w, 10000, 1000, "sched 1:3 random");
	sim_run(&sm, 2, 20000);
	check_shares(&sm, w, 0.02);
	sim_fini(&sm);
}

static void test_fairness_three_and_alone(void)
{
	static const uint32_t w[3] = {1, 2, 5};
	static const uint32_t one[1] = {7};
	struct sim sm;

	sim_init(&sm, 3, w, 8000, 400, "sched 1:2:5");
	sim_run(&sm, 2, 20000);
	check_shares(&sm, w, 0.02);
	sim_fini(&sm);

	/* Work-conserving: a lone low-weight vGPU gets the whole device. */
	sim_init(&sm, 1, one, 100000, 0, "sched alone");
	sim_run(&sm, 2, 1000);
	CU_ASSERT_EQUAL(charged(&sm, 0), 10000);
	sim_fini(&sm);
}

/*
 * Idle time is not banked: a vGPU idle for many periods gets no burst
 * when it comes back, only its share (plus at most one period's worth).
 */
static void test_no_banking(void)
{
	static const uint32_t w[2] = {1, 1};
	struct sim sm;
	uint64_t a0, b0, a1, b1;

	sim_init(&sm, 2, w, 1000, 0, "sched banking");
	sm.active[0] = 0;
	sim_run(&sm, 1, 2000); /* B alone: 200 periods of 1000 */
	a0 = charged(&sm, 0);
	b0 = charged(&sm, 1);
	CU_ASSERT_EQUAL(a0, 0);
	sm.active[0] = 1;
	sim_run(&sm, 1, 1000);
	a1 = charged(&sm, 0) - a0;
	b1 = charged(&sm, 1) - b0;
	CU_ASSERT(a1 <= b1 + 1000);
	CU_ASSERT(a1 + 1000 >= b1);
	sim_fini(&sm);
}

static const struct xv_test_case sched_cases[] = {
    {"argument checks", test_arguments},
    {"backpressure on queued bytes", test_backpressure},
    {"queue order, one running per queue, classes",
     test_queue_order_and_classes},
    {"fairness 1:3 by charged units", test_fairness_1_3},
    {"fairness 1:2:5, work conserving alone", test_fairness_three_and_alone},
    {"idle time is not banked", test_no_banking},
    {NULL, NULL},
};

static const struct xv_test_suite sched_suite = {"sched", sched_cases, NULL,
						 NULL};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&sched_suite,
							     NULL};

	return xv_test_main(suites);
}
