/*
 * be-conn.c — map, bind, serve and free one device's connection (see
 * be-conn.h).
 *
 * Trusts the frontend nodes it is given (checked by xs-parse); trusts
 * nothing on the mapped pages (be-ring). Uses libxengnttab and
 * libxenevtchn only — no libxenctrl, so the daemon runs under valgrind.
 */
#include "be-conn.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>

#include "be-log.h"
#include "be-ring.h"
#include "proto.h"

/* Requests served before the worker looks at its stop fd again. */
#define DRAIN_BUDGET 256
/* How soon the worker retries events held by a full event page. */
#define EVT_RETRY_MS 10

struct be_conn {
	/* read-only after open */
	unsigned int domid, devid;
	uint32_t nr_ring_pages;
	evtchn_port_t port;
	int wake_fd;

	/* Xen handles and mappings: set up by open, freed by close after
	 * the worker has joined */
	xengnttab_handle *xgt;
	xenevtchn_handle *xce;
	void *ring_map;
	void *evt_map;
	int stop_fd;
	pthread_t worker;
	bool worker_started;

	/* owned by the worker while it runs */
	struct be_ring ring;
	struct be_evt evt;
	struct be_vgpu *vgpu;
	bool reset_event_pending;
	struct be_log_limit log_limit;

	int fatal; /* written by the worker, read by main (atomic) */
};

static void handle(void *arg, const struct xv_req *req, struct xv_rsp *rsp)
{
	struct be_conn *c = arg;

	be_vgpu_handle(c->vgpu, req, rsp);
	if (rsp->status && rsp->status != -XV_ERR_DEVICE_RESET &&
	    rsp->status != -XV_ERR_NOT_SUPPORTED)
		be_log_dev_limited(&c->log_limit, LOG_INFO, c->domid, c->devid,
				   "op %#x refused: %d %s", req->op,
				   -rsp->status,
				   xv_proto_strerror(rsp->status));
}

/* Post the pending DEVICE_RESET if the event page has room. */
static int post_reset(struct be_conn *c, bool *notify)
{
	struct xv_evt ev;
	int rc;

	*notify = false;
	if (!c->reset_event_pending)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.type = XV_EVT_DEVICE_RESET;
	ev.u.device_reset.generation = be_vgpu_generation(c->vgpu);
	rc = be_evt_post(&c->evt, &ev, notify);
	if (rc == 0)
		c->reset_event_pending = false;
	return rc == -EAGAIN ? 0 : rc;
}

static void give_up(struct be_conn *c, int rc)
{
	char one = 1;

	__atomic_store_n(&c->fatal, rc, __ATOMIC_RELEASE);
	be_log_dev(LOG_WARNING, c->domid, c->devid,
		   "ring stopped: %d %s; the event channel stays masked", -rc,
		   xv_proto_strerror(rc));
	if (write(c->wake_fd, &one, 1) < 0) {
		/* the main loop's periodic rescan notices it anyway */
	}
}

static void *worker(void *arg)
{
	struct be_conn *c = arg;
	bool masked = false; /* the port fired and awaits our unmask */

	for (;;) {
		struct pollfd pfd[3];
		bool notify = false, n2 = false;
		int timeout;
		int rc;

		rc = post_reset(c, &n2);
		if (rc < 0) {
			give_up(c, rc);
			break;
		}
		/* FENCE_DONE / GPU_FAULT from the engines (be-events.h) */
		rc = be_events_flush(be_vgpu_events(c->vgpu), &c->evt, &notify);
		if (rc < 0) {
			give_up(c, rc);
			break;
		}
		n2 |= notify;
		/* a full page: look again soon, the guest does not notify us
		 * when it consumes events */
		timeout = rc == 1 ? EVT_RETRY_MS : -1;
		do {
			rc = be_ring_drain(&c->ring, DRAIN_BUDGET, handle, c,
					   &notify);
			if (notify || n2)
				xenevtchn_notify(c->xce, c->port);
			n2 = false;
			if (rc == 1) {
				struct pollfd s = {c->stop_fd, POLLIN, 0};

				if (poll(&s, 1, 0) > 0)
					goto out;
			}
		} while (rc == 1);
		if (rc < 0) {
			give_up(c, rc); /* never unmask a bad ring */
			break;
		}
		/* drained, and req_event armed: now we may sleep */
		if (masked) {
			xenevtchn_unmask(c->xce, c->port);
			masked = false;
		}
		pfd[0].fd = xenevtchn_fd(c->xce);
		pfd[0].events = POLLIN;
		pfd[1].fd = c->stop_fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = be_events_fd(be_vgpu_events(c->vgpu));
		pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if (poll(pfd, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			give_up(c, -XV_ERR_IO);
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents) {
			xenevtchn_port_or_error_t p = xenevtchn_pending(c->xce);

			/* the first event after a bind may be spurious: we
			 * always just re-check the ring */
			if (p >= 0)
				masked = true;
		}
	}
out:
	return NULL;
}

int be_conn_open(const struct be_conn_params *p, struct be_conn **out,
		 const char **what)
{
	const struct xv_xs_front_info *fi = p->front;
	struct be_conn *c = NULL;
	xenevtchn_port_or_error_t port;
	uint32_t refs[XV_XS_RING_REFS_MAX];
	int rc;

	*out = NULL;
	*what = "vgpu";
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->domid = p->domid;
	c->devid = p->devid;
	c->wake_fd = p->wake_fd;
	c->stop_fd = -1;
	c->nr_ring_pages = fi->nr_ring_refs;
	be_log_limit_init(&c->log_limit);

	rc = be_vgpu_new(p->limits, fi->features, p->space, p->generation,
			 &c->vgpu);
	if (rc)
		goto out;

	*what = "gnttab";
	c->xgt = xengnttab_open(NULL, 0);
	if (!c->xgt) {
		rc = -errno;
		goto out;
	}
	/* the GPU path maps this guest's grants, and only its (be-grant.h) */
	rc = be_vgpu_attach_grants(c->vgpu, p->domid, c->xgt);
	if (rc)
		goto out;
	*what = XV_FIELD_RING_ORDER "/ring-ref";
	memcpy(refs, fi->ring_ref, sizeof(uint32_t) * fi->nr_ring_refs);
	c->ring_map = xengnttab_map_domain_grant_refs(
	    c->xgt, fi->nr_ring_refs, p->domid, refs, PROT_READ | PROT_WRITE);
	if (!c->ring_map) {
		rc = errno ? -errno : -EIO;
		goto out;
	}
	*what = XV_FIELD_EVT_RING_REF;
	c->evt_map = xengnttab_map_grant_ref(c->xgt, p->domid, fi->evt_ring_ref,
					     PROT_READ | PROT_WRITE);
	if (!c->evt_map) {
		rc = errno ? -errno : -EIO;
		goto out;
	}
	rc = be_evt_attach(&c->evt, c->evt_map);
	if (rc)
		goto out;
	be_ring_attach(&c->ring, c->ring_map, fi->ring_order, p->reattach,
		       (fi->features & XV_FEATURE_HOLDOFF) != 0);

	*what = XV_FIELD_EVENT_CHANNEL;
	c->xce = xenevtchn_open(NULL, 0);
	if (!c->xce) {
		rc = -errno;
		goto out;
	}
	port = xenevtchn_bind_interdomain(c->xce, p->domid, fi->evtchn);
	if (port < 0) {
		rc = errno ? -errno : -EIO;
		goto out;
	}
	c->port = (evtchn_port_t)port;

	if (p->reattach) {
		/* GPU state is gone: tell the guest, refuse until QUERY_CAPS */
		be_vgpu_reset(c->vgpu);
		c->reset_event_pending = true;
	}

	*what = "thread";
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = -pthread_create(&c->worker, NULL, worker, c);
	if (rc)
		goto out;
	c->worker_started = true;
	*what = NULL;
	*out = c;
	c = NULL;
out:
	be_conn_close(c);
	return rc;
}

void be_conn_stop(struct be_conn *c)
{
	if (c->worker_started) {
		uint64_t one = 1;

		if (write(c->stop_fd, &one, sizeof(one)) < 0) {
			/* an eventfd write fails only on overflow: already
			 * signalled */
		}
		pthread_join(c->worker, NULL);
		c->worker_started = false;
	}
	/* the worker is gone: this thread owns the vGPU now; a reset
	 * destroys every context, and the map cache then drops every
	 * grant mapping (be-ctx.h) */
	if (c->vgpu)
		be_vgpu_reset(c->vgpu);
}

void be_conn_close(struct be_conn *c)
{
	if (!c)
		return;
	be_conn_stop(c);
	/* GPU state first: contexts and PASIDs (nothing reaches the guest's
	 * pages any more), then the mappings, then the channel. */
	be_vgpu_free(c->vgpu);
	c->vgpu = NULL;
	if (c->evt_map)
		xengnttab_unmap(c->xgt, c->evt_map, 1);
	if (c->ring_map)
		xengnttab_unmap(c->xgt, c->ring_map, c->nr_ring_pages);
	if (c->xce) {
		if (c->port)
			xenevtchn_unbind(c->xce, c->port);
		xenevtchn_close(c->xce);
	}
	if (c->xgt)
		xengnttab_close(c->xgt);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	free(c);
}

int be_conn_fatal(const struct be_conn *c)
{
	return __atomic_load_n(&c->fatal, __ATOMIC_ACQUIRE);
}

void be_conn_counters(const struct be_conn *c, struct be_vgpu_counters *out)
{
	be_vgpu_counters(c->vgpu, out);
}
