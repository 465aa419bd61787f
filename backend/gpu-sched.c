/*
 * gpu-sched.c — weighted time-slice scheduler; see gpu-sched.h for the policy.
 *
 * Trusts its caller (the device layer) for locking and for item sizes;
 * nothing here is reached by guest data other than through them.
 * Entities sit in one list in least-recently-served order; queues of an
 * entity in a ring served round robin. Counts are small (vGPUs and
 * contexts of one device), so linear scans are fine.
 */
#include "gpu-sched.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct xv_sched_queue {
	struct xv_sched_entity *e;
	struct xv_sched_queue *prev, *next; /* entity's ring of queues */
	struct xv_sched_item *head, *tail;
	bool running;
};

struct xv_sched_entity {
	struct xv_sched *s;
	struct xv_sched_entity *prev, *next; /* LRU: head served longest ago */
	struct xv_sched_queue *queues;	     /* next one to serve */
	uint32_t weight;
	uint32_t running; /* items picked, not completed */
	uint64_t max_bytes;
	struct xv_sched_entity_stats st;
};

struct xv_sched {
	uint64_t period;
	uint64_t periods;
	uint64_t total_weight;
	struct xv_sched_entity *lru_head, *lru_tail;
};

int xv_sched_new(uint64_t period, struct xv_sched **out)
{
	struct xv_sched *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->period = period ? period : XV_SCHED_DEFAULT_PERIOD;
	*out = s;
	return 0;
}

void xv_sched_free(struct xv_sched *s)
{
	free(s);
}

uint64_t xv_sched_periods(const struct xv_sched *s)
{
	return s->periods;
}

static void lru_unlink(struct xv_sched *s, struct xv_sched_entity *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_append(struct xv_sched *s, struct xv_sched_entity *e)
{
	e->prev = s->lru_tail;
	e->next = NULL;
	if (s->lru_tail)
		s->lru_tail->next = e;
	else
		s->lru_head = e;
	s->lru_tail = e;
}

/* This entity's share of one period. */
static int64_t entity_alloc(const struct xv_sched_entity *e)
{
	const struct xv_sched *s = e->s;

	return (int64_t)(s->period * e->weight / s->total_weight);
}

/* Shares changed: nobody keeps more credit than one new share. */
static void clamp_credit(struct xv_sched *s)
{
	for (struct xv_sched_entity *e = s->lru_head; e; e = e->next)
		if (e->st.left > entity_alloc(e))
			e->st.left = entity_alloc(e);
}

int xv_sched_entity_new(struct xv_sched *s, uint32_t weight,
			uint64_t max_queued_bytes, struct xv_sched_entity **out)
{
	struct xv_sched_entity *e;

	if (weight < XV_SCHED_WEIGHT_MIN || weight > XV_SCHED_WEIGHT_MAX ||
	    !max_queued_bytes)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->s = s;
	e->weight = weight;
	e->max_bytes = max_queued_bytes;
	s->total_weight += weight;
	lru_append(s, e);
	/* A newcomer starts with one share, like everyone at a period. */
	e->st.left = entity_alloc(e);
	clamp_credit(s);
	*out = e;
	return 0;
}

int xv_sched_entity_free(struct xv_sched_entity *e)
{
	if (!e)
		return 0;
	if (e->queues)
		return -EBUSY;
	lru_unlink(e->s, e);
	e->s->total_weight -= e->weight;
	clamp_credit(e->s);
	free(e);
	return 0;
}

void xv_sched_entity_get_stats(const struct xv_sched_entity *e,
			       struct xv_sched_entity_stats *out)
{
	*out = e->st;
}

int xv_sched_queue_new(struct xv_sched_entity *e, struct xv_sched_queue **out)
{
	struct xv_sched_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->e = e;
	if (e->queues) {
		q->next = e->queues;
		q->prev = e->queues->prev;
		q->prev->next = q;
		q->next->prev = q;
	} else {
		q->next = q->prev = q;
		e->queues = q;
	}
	*out = q;
	return 0;
}

int xv_sched_queue_free(struct xv_sched_queue *q)
{
	struct xv_sched_entity *e;

	if (!q)
		return 0;
	if (q->head || q->running)
		return -EBUSY;
	e = q->e;
	if (q->next == q) {
		e->queues = NULL;
	} else {
		q->prev->next = q->next;
		q->next->prev = q->prev;
		if (e->queues == q)
			e->queues = q->next;
	}
	free(q);
	return 0;
}

int xv_sched_queue_busy(const struct xv_sched_queue *q)
{
	return q->running;
}

int xv_sched_push(struct xv_sched_queue *q, struct xv_sched_item *it)
{
	struct xv_sched_entity *e = q->e;

	if (!it->bytes || !it->engines)
		return -EINVAL;
	if (it->bytes > e->max_bytes - e->st.queued_bytes) {
		e->st.rejected++;
		return -EAGAIN;
	}
	e->st.queued_bytes += it->bytes;
	e->st.queued_items++;
	it->queue = q;
	it->next = NULL;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	return 0;
}

static bool queue_runnable(const struct xv_sched_queue *q, uint32_t engines)
{
	return q->head && !q->running && (q->head->engines & engines);
}

/* The entity's next runnable queue in round-robin order, or NULL. */
static struct xv_sched_queue *entity_pick(struct xv_sched_entity *e,
					  uint32_t engines)
{
	struct xv_sched_queue *q = e->queues;

	if (!q)
		return NULL;
	do {
		if (queue_runnable(q, engines))
			return q;
		q = q->next;
	} while (q != e->queues);
	return NULL;
}

/*
 * Start n periods at once: each entity keeps its debt, not its unused
 * credit, and gets n shares, but never ends above one share (as if the
 * n periods had passed one by one).
 */
static void new_periods(struct xv_sched *s, uint64_t n)
{
	for (struct xv_sched_entity *e = s->lru_head; e; e = e->next) {
		int64_t alloc = entity_alloc(e);
		int64_t left = e->st.left > 0 ? 0 : e->st.left;

		left += (int64_t)n * alloc;
		e->st.left = left > alloc ? alloc : left;
	}
	s->periods += n;
}

/* Periods until e has time left again (e->st.left <= 0). */
static uint64_t periods_needed(const struct xv_sched_entity *e)
{
	int64_t alloc = entity_alloc(e);

	if (alloc <= 0)
		alloc = 1;
	return (uint64_t)(-e->st.left / alloc) + 1;
}

/* e has time left and work it cannot start now (queued or running). */
static bool entity_waiting_with_time(const struct xv_sched_entity *e)
{
	return e->st.left > 0 && (e->st.queued_items || e->running);
}

/* a is less indebted than b relative to weight: left_a/w_a > left_b/w_b. */
static bool less_indebted(const struct xv_sched_entity *a,
			  const struct xv_sched_entity *b)
{
	return (__int128)a->st.left * b->weight >
	       (__int128)b->st.left * a->weight;
}

struct xv_sched_item *xv_sched_next(struct xv_sched *s, uint32_t engines)
{
	struct xv_sched_entity *e, *found = NULL, *borrow = NULL;
	struct xv_sched_queue *q = NULL, *fq = NULL, *bq = NULL;
	struct xv_sched_item *it;
	uint64_t need = UINT64_MAX;
	bool blocked_with_time = false;

	for (e = s->lru_head; e; e = e->next) {
		q = entity_pick(e, engines);
		if (!q) {
			if (entity_waiting_with_time(e))
				blocked_with_time = true;
			continue;
		}
		if (e->st.left > 0) {
			found = e;
			fq = q;
			break;
		}
		if (periods_needed(e) < need)
			need = periods_needed(e);
		if (!borrow || less_indebted(e, borrow)) {
			borrow = e;
			bq = q;
		}
	}
	if (!found && borrow && blocked_with_time) {
		/*
		 * An entity still has time but its work is running or
		 * waits behind its own running items: keep the period
		 * going (its credit stays) and let the least indebted
		 * runnable entity borrow from its next share.
		 */
		found = borrow;
		fq = bq;
	}
	if (!found) {
		if (need == UINT64_MAX)
			return NULL;
		/*
		 * Runnable work, but nobody has time left: start as many
		 * periods as the least indebted runnable entity needs,
		 * then serve the least recently served one with time.
		 */
		new_periods(s, need);
		for (e = s->lru_head; e; e = e->next) {
			q = entity_pick(e, engines);
			if (q && e->st.left > 0) {
				found = e;
				fq = q;
				break;
			}
		}
		if (!found) /* unreachable: need was computed for one */
			return NULL;
	}
	e = found;
	q = fq;
	it = q->head;
	q->head = it->next;
	if (!q->head)
		q->tail = NULL;
	it->next = NULL;
	q->running = true;
	e->running++;
	e->queues = q->next; /* round robin within the entity */
	e->st.queued_items--;
	e->st.picks++;
	lru_unlink(s, e);
	lru_append(s, e);
	return it;
}

void xv_sched_complete(struct xv_sched *s, struct xv_sched_item *it,
		       uint64_t cost)
{
	struct xv_sched_queue *q = it->queue;
	struct xv_sched_entity *e = q->e;

	(void)s;
	q->running = false;
	e->running--;
	e->st.queued_bytes -= it->bytes;
	e->st.items++;
	e->st.charged += cost;
	e->st.left -= (int64_t)cost;
}

struct xv_sched_item *xv_sched_queue_cancel(struct xv_sched_queue *q)
{
	struct xv_sched_item *list = q->head;
	struct xv_sched_entity *e = q->e;

	for (struct xv_sched_item *it = list; it; it = it->next) {
		e->st.queued_bytes -= it->bytes;
		e->st.queued_items--;
	}
	q->head = q->tail = NULL;
	return list;
}
