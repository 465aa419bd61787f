/*
 * gpu-sched.h — weighted time-slice scheduler of GPU work across vGPUs.
 *
 * Concepts (after GVT-g's sched_policy.c):
 *  - an ENTITY is one vGPU, with a weight (1..1000, from its profile) and
 *    a limit on queued bytes (max-queued-bytes: submitted, not finished);
 *  - a QUEUE is one GPU context of an entity: a FIFO of items, at most one
 *    of which runs at a time, so a context's work finishes in order;
 *  - an ITEM is one submission: its size in bytes (counted against the
 *    limit from push until complete) and the engine classes that may run
 *    it;
 *  - time is whatever the caller charges at completion (the reference GPU
 *    charges engine busy nanoseconds; tests charge counted work units).
 *
 * Policy: a period of `period` units is shared among the entities in
 * proportion to their weights (each gets period * weight / total weight).
 * An engine asking for work gets the head item of the least recently
 * served entity that has runnable work and time left in this period;
 * when no entity with runnable work has time left, a new period starts:
 * each entity keeps its debt (overrun) but not unused credit, so over
 * many periods each saturating entity's share of the charged time tends
 * to weight / total weight. Within an entity, queues are served round
 * robin. The scheduler is work-conserving: an engine is never left idle
 * while some runnable item exists. When an entity still has time but
 * cannot use it now (its work waits behind its own running items), the
 * period goes on and the runnable entity least in debt relative to its
 * weight borrows from its next share, so the blocked entity keeps its
 * credit and the borrower pays it back.
 *
 * Backpressure: push fails with -EAGAIN when the entity's queued bytes
 * would exceed its limit, so no queue grows without bound (XSA-392).
 *
 * Named gpu-sched.h, not sched.h: with -Ibackend that would hide the
 * system <sched.h> that <pthread.h> includes.
 *
 * Threads: nothing here locks. The caller (backend/gpu-ref.c) holds one
 * lock around every call on a scheduler and its entities and queues.
 */
#ifndef XV_GPU_SCHED_H
#define XV_GPU_SCHED_H

#include <stdint.h>

#define XV_SCHED_WEIGHT_MIN	1u
#define XV_SCHED_WEIGHT_MAX	1000u
#define XV_SCHED_DEFAULT_PERIOD 10000000ull /* 10 ms in ns */

/* Engine classes, as bits of xv_sched_item.engines and of next()'s mask. */
#define XV_SCHED_ENGINE_COPY	(1u << 0)
#define XV_SCHED_ENGINE_COMPUTE (1u << 1)

struct xv_sched;
struct xv_sched_entity;
struct xv_sched_queue;

/* Embedded in the caller's submission; the scheduler owns the links. */
struct xv_sched_item {
	struct xv_sched_item *next;   /* scheduler's */
	struct xv_sched_queue *queue; /* scheduler's: set by push */
	uint64_t bytes;		      /* counted against the limit */
	uint32_t engines;	      /* XV_SCHED_ENGINE_* that may run it */
};

struct xv_sched_entity_stats {
	uint64_t charged;      /* units charged, ever */
	uint64_t items;	       /* items completed */
	uint64_t picks;	       /* items handed to engines */
	uint64_t queued_bytes; /* gauge: pushed, not completed */
	uint64_t queued_items; /* gauge: waiting, not running */
	uint64_t rejected;     /* pushes refused by the limit */
	int64_t left;	       /* time left in the current period */
};

/* period: units per balance period, 0 for the default. -ENOMEM. */
int xv_sched_new(uint64_t period, struct xv_sched **out);
/* Every entity must have been freed. NULL ok. */
void xv_sched_free(struct xv_sched *s);
/* Periods started so far. */
uint64_t xv_sched_periods(const struct xv_sched *s);

/* weight 1..1000, max_queued_bytes > 0. -EINVAL, -ENOMEM. */
int xv_sched_entity_new(struct xv_sched *s, uint32_t weight,
			uint64_t max_queued_bytes,
			struct xv_sched_entity **out);
/* -EBUSY while it still has queues. NULL ok (returns 0). */
int xv_sched_entity_free(struct xv_sched_entity *e);
void xv_sched_entity_get_stats(const struct xv_sched_entity *e,
			       struct xv_sched_entity_stats *out);

int xv_sched_queue_new(struct xv_sched_entity *e, struct xv_sched_queue **out);
/* -EBUSY while it has queued or running items. NULL ok (returns 0). */
int xv_sched_queue_free(struct xv_sched_queue *q);

/*
 * Queue an item (bytes > 0, engines != 0): 0, -EINVAL, or -EAGAIN when
 * the entity's queued bytes would pass its limit (nothing queued).
 */
int xv_sched_push(struct xv_sched_queue *q, struct xv_sched_item *it);

/*
 * The next item for an engine of the classes in `engines`, or NULL when
 * nothing runnable is waiting. The item leaves its queue, which stays
 * blocked until xv_sched_complete.
 */
struct xv_sched_item *xv_sched_next(struct xv_sched *s, uint32_t engines);

/* The engine is done with it (run, failed or aborted): charge `cost`. */
void xv_sched_complete(struct xv_sched *s, struct xv_sched_item *it,
		       uint64_t cost);

/*
 * Remove every waiting item of a queue (not the running one) and return
 * them as a list linked by ->next, bytes released; NULL if none.
 */
struct xv_sched_item *xv_sched_queue_cancel(struct xv_sched_queue *q);

/* The queue has an item running (picked, not completed). */
int xv_sched_queue_busy(const struct xv_sched_queue *q);

#endif /* XV_GPU_SCHED_H */
