/*
 * be-events.c — pending events per context and their writer (see
 * be-events.h).
 *
 * Trusts the engine's reports (the device is ours) and nothing on the
 * event page (be_evt_post reads in_cons once and checks it).
 */
#include "be-events.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "proto.h"
#include "vgpuif.h"

struct pending {
	uint64_t fence; /* highest completed fence not yet posted; 0: none */
	bool fault_pending;
	struct xv_gpu_fault fault;
	uint32_t lost; /* faults dropped since the last GPU_FAULT posted */
};

/* lock guards slot[], npending and st; fd and max_ctx are read-only. */
struct be_events {
	pthread_mutex_t lock;
	uint32_t max_ctx;
	int fd;
	uint32_t npending;    /* slots with something to post */
	struct pending *slot; /* [max_ctx], context h at slot[h - 1] */
	struct be_events_stats st;
};

int be_events_new(uint32_t max_ctx, struct be_events **out)
{
	struct be_events *e;

	*out = NULL;
	if (max_ctx == 0)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->slot = calloc(max_ctx, sizeof(*e->slot));
	if (!e->slot) {
		free(e);
		return -ENOMEM;
	}
	e->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->fd < 0) {
		int rc = -errno;

		free(e->slot);
		free(e);
		return rc;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->max_ctx = max_ctx;
	*out = e;
	return 0;
}

void be_events_free(struct be_events *e)
{
	if (!e)
		return;
	close(e->fd);
	pthread_mutex_destroy(&e->lock);
	free(e->slot);
	free(e);
}

int be_events_fd(const struct be_events *e)
{
	return e->fd;
}

static bool slot_busy(const struct pending *p)
{
	return p->fence != 0 || p->fault_pending;
}

static void wake(struct be_events *e)
{
	uint64_t one = 1;

	/* fails only when the counter would overflow: already readable */
	if (write(e->fd, &one, sizeof(one)) < 0) {
	}
}

/* Called with the lock held, before and after a change of slot p. */
static void account(struct be_events *e, bool was_busy, struct pending *p)
{
	bool busy = slot_busy(p);

	if (busy && !was_busy)
		e->npending++;
	else if (!busy && was_busy)
		e->npending--;
}

void be_events_fence_done(struct be_events *e, uint32_t ctx, uint64_t fence)
{
	struct pending *p;
	bool was;

	pthread_mutex_lock(&e->lock);
	if (ctx == 0 || ctx > e->max_ctx || fence == 0) {
		e->st.bad_ctx++;
		pthread_mutex_unlock(&e->lock);
		return;
	}
	p = &e->slot[ctx - 1];
	was = slot_busy(p);
	if (p->fence)
		e->st.fences_merged++;
	if (fence > p->fence)
		p->fence = fence;
	account(e, was, p);
	pthread_mutex_unlock(&e->lock);
	wake(e);
}

void be_events_fault(struct be_events *e, uint32_t ctx,
		     const struct xv_gpu_fault *f)
{
	struct pending *p;
	bool was;

	pthread_mutex_lock(&e->lock);
	if (ctx == 0 || ctx > e->max_ctx) {
		e->st.bad_ctx++;
		pthread_mutex_unlock(&e->lock);
		return;
	}
	p = &e->slot[ctx - 1];
	was = slot_busy(p);
	if (p->fault_pending) {
		/* keep the first (the cause), count the rest */
		p->lost++;
		e->st.faults_lost++;
	} else {
		p->fault_pending = true;
		p->fault = *f;
	}
	account(e, was, p);
	pthread_mutex_unlock(&e->lock);
	wake(e);
}

void be_events_forget(struct be_events *e, uint32_t ctx)
{
	struct pending *p;
	bool was;

	if (ctx == 0 || ctx > e->max_ctx)
		return;
	pthread_mutex_lock(&e->lock);
	p = &e->slot[ctx - 1];
	was = slot_busy(p);
	memset(p, 0, sizeof(*p));
	account(e, was, p);
	pthread_mutex_unlock(&e->lock);
}

/* Fault fields as the wire allows them; the device reports only these. */
static void fault_event(uint32_t ctx, const struct pending *p,
			struct xv_evt *ev)
{
	uint64_t va = p->fault.gpu_va;

	memset(ev, 0, sizeof(*ev));
	ev->type = XV_EVT_GPU_FAULT;
	ev->ctx = ctx;
	if (va >> XV_GPU_VA_BITS)
		va = (1ull << XV_GPU_VA_BITS) - 1;
	ev->u.gpu_fault.gpu_va = va;
	ev->u.gpu_fault.access = p->fault.access == XV_FAULT_ACCESS_WRITE
				     ? XV_FAULT_ACCESS_WRITE
				     : XV_FAULT_ACCESS_READ;
	ev->u.gpu_fault.reason = p->fault.reason >= XV_FAULT_NOT_PRESENT &&
					 p->fault.reason <= XV_FAULT_BAD_ADDRESS
				     ? p->fault.reason
				     : XV_FAULT_BAD_ADDRESS;
	ev->u.gpu_fault.lost = p->lost > 65535 ? 65535 : (uint16_t)p->lost;
}

int be_events_flush(struct be_events *e, struct be_evt *page, bool *notify)
{
	uint64_t drain;
	int rc = 0;

	*notify = false;
	if (read(e->fd, &drain, sizeof(drain)) < 0) {
		/* EAGAIN: nothing was signalled; the slots decide anyway */
	}
	pthread_mutex_lock(&e->lock);
	for (uint32_t i = 0; i < e->max_ctx && e->npending; i++) {
		struct pending *p = &e->slot[i];
		struct xv_evt ev;
		bool n = false;

		if (!slot_busy(p))
			continue;
		if (p->fence) {
			memset(&ev, 0, sizeof(ev));
			ev.type = XV_EVT_FENCE_DONE;
			ev.ctx = i + 1;
			ev.u.fence_done.fence = p->fence;
			rc = be_evt_post(page, &ev, &n);
			if (rc)
				break;
			*notify |= n;
			p->fence = 0;
			e->st.fences_posted++;
		}
		if (p->fault_pending) {
			fault_event(i + 1, p, &ev);
			rc = be_evt_post(page, &ev, &n);
			if (rc)
				break;
			*notify |= n;
			p->fault_pending = false;
			p->lost = 0;
			e->st.faults_posted++;
		}
		e->npending--;
	}
	if (rc == -EAGAIN) {
		e->st.page_full++;
		rc = 1;
	} else if (rc == 0 && e->npending) {
		rc = 1; /* cannot happen: the loop ran until none was left */
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

bool be_events_pending(struct be_events *e)
{
	bool r;

	pthread_mutex_lock(&e->lock);
	r = e->npending != 0;
	pthread_mutex_unlock(&e->lock);
	return r;
}

void be_events_get_stats(struct be_events *e, struct be_events_stats *out)
{
	pthread_mutex_lock(&e->lock);
	*out = e->st;
	pthread_mutex_unlock(&e->lock);
}
