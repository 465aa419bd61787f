/*
 * be-events.h — FENCE_DONE and GPU_FAULT events, from the GPU's engine
 * threads to the vGPU's event page.
 *
 * Concepts:
 *  - The engines report through be_events_fence_done / be_events_fault
 *    (any thread, never blocking beyond a short mutex): the report is
 *    merged into the context's pending slot and the writer is woken
 *    through an eventfd (be_events_fd).
 *  - One writer, the ring worker, moves pending events onto the event
 *    page with be_events_flush (be_evt_post: event, xen_wmb, in_prod) and
 *    notifies the frontend once per flush that posted anything.
 *  - The page never overflows and nothing unconsumed is overwritten:
 *    what does not fit stays pending. The pending state per context is
 *    bounded — FENCE_DONE carries the highest completed fence, so pending
 *    fences merge; a fault pending is kept and later faults of that
 *    context are counted, and the GPU_FAULT finally posted carries the
 *    count in "lost" (vgpuif.h). Nothing is queued without bound
 *    (XSA-392).
 *  - A context's pending fence is posted before its pending fault: the
 *    device completes a context's work in order and stops it at a fault.
 *
 * Threads: report functions from any thread; flush, forget and free from
 * the ring worker; stats from any thread.
 */
#ifndef XV_BE_EVENTS_H
#define XV_BE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "be-ring.h"
#include "gpu.h"

struct be_events;

/* Contexts 1..max_ctx. -EINVAL, -ENOMEM, or eventfd's -errno. */
int be_events_new(uint32_t max_ctx, struct be_events **out);
void be_events_free(struct be_events *e); /* NULL ok */

/* Readable while reports wait for the writer; be_events_flush drains it. */
int be_events_fd(const struct be_events *e);

/* Engine threads. Out-of-range ctx is ignored (counted). */
void be_events_fence_done(struct be_events *e, uint32_t ctx, uint64_t fence);
void be_events_fault(struct be_events *e, uint32_t ctx,
		     const struct xv_gpu_fault *f);

/* The context is gone (its device context freed: no report follows). */
void be_events_forget(struct be_events *e, uint32_t ctx);

/*
 * Writer: post what is pending onto the page. 0 when nothing is left
 * pending, 1 when the page is full and events wait (call again later),
 * or the page's fatal code (< 0, -XV_ERR_EVT_INDEX). *notify is set when
 * something was posted.
 */
int be_events_flush(struct be_events *e, struct be_evt *page, bool *notify);

/* Something is pending (the writer should retry on a timer). */
bool be_events_pending(struct be_events *e);

struct be_events_stats {
	uint64_t fences_posted;
	uint64_t faults_posted;
	uint64_t fences_merged; /* reports folded into a pending fence */
	uint64_t faults_lost;	/* faults dropped while one was pending */
	uint64_t page_full;	/* flushes that stopped at a full page */
	uint64_t bad_ctx;	/* reports for a context out of range */
};

void be_events_get_stats(struct be_events *e, struct be_events_stats *out);

#endif /* XV_BE_EVENTS_H */
