/*
 * fe-xen.c — libxenvgpu's Xen side: the xenbus handshake of vgpuif.h
 * (open, close, reconnect), the shared pages (gntshr), the event channel
 * and the transport that sleeps on it and on a watch of the backend's
 * state.
 *
 * Order rules (vgpuif.h; XSA-396): the pages are zeroed before they are
 * granted (gntalloc hands out zeroed pages: the kernel allocates them
 * with __GFP_ZERO before it writes the grant entry; the ring header is
 * then initialised before any grant reference is published), and a grant
 * is ended only once the backend has reached Closed, i.e. it no longer
 * maps the page. If it never gets there the pages are left to the kernel,
 * which ends the grants when the backend unmaps them.
 *
 * Trusts: nothing the backend writes to xenstore (fe-nego.c parses it);
 * its own frontend directory only as far as the toolstack wrote it
 * ("backend", "backend-id"), parsed strictly too.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fe-private.h"
#include "compiler.h"
#include "xs-path.h"
#include "xs-xenbus.h"

#define WATCH_TOKEN "xenvgpu-be-state"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(struct xenvgpu *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct xenvgpu *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
	va_end(ap);
}

/* ---- xenstore helpers --------------------------------------------------- */

static int xs_get(struct xenvgpu *h, const char *dir, const char *node,
		  char *buf, size_t len)
{
	char path[FE_PATH_MAX + 64];
	unsigned int n = 0;
	char *v;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	v = xs_read(h->xs, XBT_NULL, path, &n);
	if (!v) {
		rc = -errno;
		goto out;
	}
	if (n >= len) {
		rc = -E2BIG;
		goto out;
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
out:
	free(v);
	return rc;
}

/* The xenstore layer's reader over the backend directory. */
static const char *be_get(void *arg, const char *name, size_t *len)
{
	struct xenvgpu *h = arg;
	char path[FE_PATH_MAX + 64];
	unsigned int n = 0;
	char *v;

	snprintf(path, sizeof(path), "%s/%s", h->be_path, name);
	v = xs_read(h->xs, XBT_NULL, path, &n);
	*len = n;
	return v;
}

static void be_put(void *arg, const char *value)
{
	(void)arg;
	free((void *)value);
}

static int xs_put(struct xenvgpu *h, xs_transaction_t t, const char *node,
		  const char *val)
{
	char path[FE_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", h->fe_path, node);
	if (!xs_write(h->xs, t, path, val, strlen(val)))
		return -errno;
	return 0;
}

static int xs_put_u32(struct xenvgpu *h, xs_transaction_t t, const char *node,
		      uint32_t v)
{
	char val[16];

	snprintf(val, sizeof(val), "%u", v);
	return xs_put(h, t, node, val);
}

/* A state node: the state, or -ENOENT / -EINVAL (not a state). */
static int read_state(struct xenvgpu *h, const char *dir)
{
	char buf[16];
	unsigned int st;
	int rc;

	rc = xs_get(h, dir, XV_FIELD_STATE, buf, sizeof(buf));
	if (rc)
		return rc == -E2BIG ? -EINVAL : rc;
	rc = xv_xs_parse_state(buf, strlen(buf), &st);
	return rc ? rc : (int)st;
}

static int set_state(struct xenvgpu *h, int state)
{
	int rc = xs_put_u32(h, XBT_NULL, XV_FIELD_STATE, (uint32_t)state);

	if (!rc)
		h->self = state;
	return rc;
}

/* ---- transport ------------------------------------------------------------ */

static int xen_notify(struct xenvgpu *h)
{
	if (xenevtchn_notify(h->xce, (evtchn_port_t)h->port) < 0)
		return -errno;
	return 0;
}

static int xen_wait(struct xenvgpu *h, int timeout_ms)
{
	struct pollfd pfd[2];
	char **w;
	int r;

	pfd[0].fd = xs_fileno(h->xs);
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = xenevtchn_fd(h->xce);
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	r = poll(pfd, 2, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return -ETIMEDOUT;
	if (pfd[1].revents & POLLIN) {
		xenevtchn_port_or_error_t port = xenevtchn_pending(h->xce);

		if (port >= 0)
			xenevtchn_unmask(h->xce, (evtchn_port_t)port);
	}
	if (pfd[0].revents & POLLIN) {
		/*
		 * Drain, then read the state itself (level, not edge). Only
		 * here: every change of it fires the watch, and an xenstore
		 * round trip per ring notification would cost more than the
		 * request.
		 */
		while ((w = xs_check_watch(h->xs)) != NULL)
			free(w);
		if (h->connected &&
		    read_state(h, h->be_path) != XenbusStateConnected)
			h->lost = true;
	}
	return 0;
}

static void *xen_share(struct xenvgpu *h, unsigned int n, uint32_t *refs,
		       bool writable)
{
	/* gntalloc allocates zeroed pages: zero before the grant exists. */
	return xengntshr_share_pages(h->gs, h->be_domid, (int)n, refs,
				     writable ? 1 : 0);
}

static void xen_unshare(struct xenvgpu *h, void *addr, unsigned int n)
{
	xengntshr_unshare(h->gs, addr, n);
}

static const struct fe_transport_ops xen_ops = {
    .notify = xen_notify,
    .wait = xen_wait,
    .share = xen_share,
    .unshare = xen_unshare,
};

/* ---- one connection ------------------------------------------------------ */

static void remove_conn_nodes(struct xenvgpu *h)
{
	char path[FE_PATH_MAX + 64];
	const char *nodes[] = {XV_FIELD_EVT_RING_REF, XV_FIELD_EVENT_CHANNEL,
			       XV_FIELD_RING_ORDER};

	for (unsigned int i = 0; i < FE_RING_PAGES_MAX; i++) {
		snprintf(path, sizeof(path), "%s/" XV_FIELD_RING_REF_FMT,
			 h->fe_path, i);
		xs_rm(h->xs, XBT_NULL, path);
	}
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(nodes); i++) {
		snprintf(path, sizeof(path), "%s/%s", h->fe_path, nodes[i]);
		xs_rm(h->xs, XBT_NULL, path);
	}
}

/*
 * Drop the connection. end_grants: the backend has let go (the xenstore
 * layer said RELEASE), so the grants may end; otherwise the pages are
 * forgotten without ending them and gntalloc ends each grant once the
 * backend unmaps it.
 */
static void release(struct xenvgpu *h, bool end_grants)
{
	if (h->published)
		remove_conn_nodes(h);
	h->published = false;
	h->connected = false;
	if (h->ch_live)
		fe_chan_dispose(&h->ch);
	h->ch_live = false;
	if (end_grants && h->ring)
		xengntshr_unshare(h->gs, h->ring, h->ring_pages);
	if (end_grants && h->evt)
		xengntshr_unshare(h->gs, h->evt, 1);
	h->ring = NULL;
	h->evt = NULL;
	h->ring_pages = 0;
	if (h->port >= 0)
		xenevtchn_unbind(h->xce, (evtchn_port_t)h->port);
	h->port = -1;
}

static int share_pages(struct xenvgpu *h)
{
	unsigned int n = 1u << h->choice.ring_order;

	h->ring =
	    xengntshr_share_pages(h->gs, h->be_domid, (int)n, h->ring_refs, 1);
	if (!h->ring)
		return -errno;
	h->ring_pages = n;
	h->evt = xengntshr_share_pages(h->gs, h->be_domid, 1, &h->evt_ref, 1);
	if (!h->evt)
		return -errno;
	/* Reference 0 is never handed out (vgpuif.h); be sure of it. */
	for (unsigned int i = 0; i < n; i++)
		if (!h->ring_refs[i])
			return -EIO;
	if (!h->evt_ref)
		return -EIO;
	return 0;
}

/* Write every connection node and state Initialised, atomically. */
static int write_nodes(struct xenvgpu *h)
{
	xs_transaction_t t;
	char node[32];
	int rc;

	for (;;) {
		t = xs_transaction_start(h->xs);
		if (t == XBT_NULL)
			return -errno;
		rc = xs_put_u32(h, t, XV_FIELD_VERSION, h->choice.version);
		if (!rc)
			rc = xs_put_u32(h, t, XV_FIELD_FEATURES,
					h->choice.features);
		if (!rc)
			rc = xs_put_u32(h, t, XV_FIELD_RING_ORDER,
					h->choice.ring_order);
		for (unsigned int i = 0; !rc && i < h->ring_pages; i++) {
			snprintf(node, sizeof(node), XV_FIELD_RING_REF_FMT, i);
			rc = xs_put_u32(h, t, node, h->ring_refs[i]);
		}
		if (!rc)
			rc =
			    xs_put_u32(h, t, XV_FIELD_EVT_RING_REF, h->evt_ref);
		if (!rc)
			rc = xs_put_u32(h, t, XV_FIELD_EVENT_CHANNEL,
					(uint32_t)h->port);
		if (!rc)
			rc = xs_put_u32(h, t, XV_FIELD_STATE,
					XenbusStateInitialised);
		if (rc) {
			xs_transaction_end(h->xs, t, true);
			return rc;
		}
		if (xs_transaction_end(h->xs, t, false)) {
			h->self = XenbusStateInitialised;
			return 0;
		}
		if (errno != EAGAIN)
			return -errno;
	}
}

/*
 * The xenstore layer's PUBLISH: read what the backend offers, choose,
 * grant the ring and event page (zeroed by gntalloc before the grant;
 * the ring header initialised before its reference is published), bind
 * an unbound event channel for the backend, publish. On failure nothing
 * was published and everything is given back.
 */
static int publish(struct xenvgpu *h)
{
	const struct xv_xs_reader rd = {.get = be_get, .put = be_put, .arg = h};
	struct xv_proto_params params;
	xenevtchn_port_or_error_t port;
	int rc;

	rc = fe_read_backend(&rd, &h->be, h->why, sizeof(h->why));
	if (rc)
		goto out;
	rc = fe_negotiate(&h->be, h->opts.ring_order, h->opts.features_refuse,
			  &h->choice);
	if (rc) {
		say(h, "negotiation with the backend: %s",
		    xv_proto_strerror(rc));
		goto out;
	}
	rc = share_pages(h);
	if (rc) {
		say(h, "cannot grant the ring pages: %s", strerror(-rc));
		goto out;
	}
	params.limits = h->be.limits;
	params.features = h->choice.features;
	rc = fe_chan_init(&h->ch, h->ring, h->choice.ring_order, h->evt,
			  &params);
	h->ch.on_event = fe_gpu_on_event;
	h->ch.on_event_arg = h;
	if (rc)
		goto out;
	h->ch_live = true;
	port = xenevtchn_bind_unbound_port(h->xce, h->be_domid);
	if (port < 0) {
		rc = -errno;
		say(h, "cannot allocate an event channel: %s", strerror(errno));
		goto out;
	}
	h->port = port;
	rc = write_nodes(h);
	if (rc) {
		say(h, "cannot write the connection nodes: %s", strerror(-rc));
		goto out;
	}
	h->published = true;
out:
	if (rc)
		release(h, true);
	return rc;
}

enum goal {
	GOAL_CONNECTED,
	GOAL_CLOSED,
};

static bool goal_reached(const struct xenvgpu *h, enum goal goal)
{
	if (goal == GOAL_CONNECTED)
		return h->self == XenbusStateConnected && h->connected;
	return h->self == XenbusStateClosed && !h->published;
}

static void why_backend(struct xenvgpu *h, const char *what, int st)
{
	char err[XV_XS_STR_MAX + 1] = "";

	xs_get(h, h->be_path, XV_FIELD_ERROR, err, sizeof(err));
	say(h, "%s (backend %s%s%s)", what,
	    st >= 0 ? xv_xb_state_name((unsigned int)st) : "state unreadable",
	    err[0] ? ", its error: " : "", err);
}

/*
 * Drive the xenbus handshake with the xenstore layer's frontend rules
 * (xv_xb_front_decide) until the goal: connected (want, not failed) or
 * closed with everything given back (failed: the rules then go Closing,
 * wait for the backend to let go, release, Closed). Level-triggered:
 * every wake-up re-reads the backend's state and asks again.
 */
static int drive(struct xenvgpu *h, enum goal goal)
{
	int64_t deadline = now_ms() + h->opts.timeout_ms;
	struct xv_xb_front_in in;
	struct xv_xb_decision d;
	int peer, rc;

	for (;;) {
		peer = read_state(h, h->be_path);
		if (peer == -EINVAL) {
			say(h, "backend state node is not a xenbus state");
			return -EPROTO;
		}
		in = (struct xv_xb_front_in){
		    .self = (enum xenbus_state)h->self,
		    .peer =
			peer < 0 ? XenbusStateUnknown : (enum xenbus_state)peer,
		    .attached = h->published,
		    .failed = goal == GOAL_CLOSED,
		    .want = goal == GOAL_CONNECTED,
		};
		d = xv_xb_front_decide(&in);
		/* XENVGPU_TRACE set: one line per decision on stderr, with
		 * the time left, for finding where a handshake waits. */
		if (h->trace)
			fprintf(stderr,
				"xenvgpu: %s/%s: %s -> %s (%lld ms left)\n",
				xv_xb_state_name(in.self),
				xv_xb_state_name(in.peer),
				xv_xb_action_name(d.action),
				xv_xb_state_name(d.next),
				(long long)(deadline - now_ms()));
		switch (d.action) {
		case XV_XB_PUBLISH:
			rc = publish(h);
			if (rc)
				return rc;
			continue;
		case XV_XB_GO_CONNECTED:
			h->connected = true;
			h->lost = false;
			rc = fe_query_caps(h, NULL);
			if (rc) {
				say(h, "first QUERY_CAPS failed: %s",
				    xenvgpu_strerror(rc));
				h->connected = false;
				return rc;
			}
			rc = set_state(h, XenbusStateConnected);
			if (rc)
				return rc;
			continue;
		case XV_XB_RELEASE:
			release(h, true);
			set_state(h, (int)d.next);
			continue;
		case XV_XB_SET_STATE:
			rc = set_state(h, (int)d.next);
			if (rc)
				return rc;
			continue;
		default:
			break;
		}
		if (goal_reached(h, goal))
			return 0;
		if (now_ms() >= deadline) {
			why_backend(h,
				    goal == GOAL_CONNECTED
					? "the backend did not connect in time"
					: "the backend did not let go in time",
				    peer);
			return -ETIMEDOUT;
		}
		rc = xen_wait(h, (int)(deadline - now_ms()));
		if (rc && rc != -ETIMEDOUT)
			return rc;
	}
}

/* Close this end; grants end only once the backend let go of them. */
static int disconnect(struct xenvgpu *h)
{
	int rc = drive(h, GOAL_CLOSED);

	if (rc) {
		/* Never end a grant the backend may still map. */
		release(h, false);
		set_state(h, XenbusStateClosed);
	}
	return rc;
}

/* ---- the handle ------------------------------------------------------------ */

static int find_device(struct xenvgpu *h)
{
	char buf[FE_PATH_MAX];
	uint32_t self, be_id;
	unsigned int n = 0;
	char *v;
	int rc;

	/* A relative path: this domain's own home, /local/domain/<me>. */
	v = xs_read(h->xs, XBT_NULL, "domid", &n);
	if (!v) {
		say(h, "cannot read my domid from xenstore");
		return -errno;
	}
	rc = xv_xs_parse_u32(v, n, 0, XV_XS_DOMID_MAX, &self);
	free(v);
	if (rc) {
		say(h, "my domid in xenstore is not a domain id");
		return -EPROTO;
	}
	if (h->opts.devid > XV_XS_DEVID_MAX) {
		say(h, "device id %u above %u", h->opts.devid, XV_XS_DEVID_MAX);
		return -EINVAL;
	}
	rc = xv_xs_frontend_dir(h->fe_path, sizeof(h->fe_path), self,
				h->opts.devid);
	if (rc)
		return rc;
	rc =
	    xs_get(h, h->fe_path, XV_FIELD_BACKEND, h->be_path, XV_XS_PATH_MAX);
	if (rc) {
		say(h, "no vgpu device at %s (%s)", h->fe_path,
		    rc == -ENOENT ? "no backend node" : strerror(-rc));
		return rc == -E2BIG ? -EPROTO : rc;
	}
	if (strncmp(h->be_path, "/local/domain/", 14) != 0) {
		say(h, "backend path \"%.64s\" is not under /local/domain",
		    h->be_path);
		return -EPROTO;
	}
	rc = xs_get(h, h->fe_path, XV_FIELD_BACKEND_ID, buf, sizeof(buf));
	if (!rc)
		rc = xv_xs_parse_u32(buf, strlen(buf), 0, XV_XS_DOMID_MAX,
				     &be_id);
	if (rc) {
		say(h, "bad or missing backend-id in %s", h->fe_path);
		return rc == -ENOENT ? rc : -EPROTO;
	}
	h->be_domid = be_id;
	snprintf(h->be_state_path, sizeof(h->be_state_path), "%s/%s",
		 h->be_path, XV_FIELD_STATE);
	/* Where our state stands now (a previous instance may have left
	 * it anywhere); the xenbus rules take it from there. */
	rc = read_state(h, h->fe_path);
	h->self = rc < 0 ? XenbusStateUnknown : rc;
	return 0;
}

static void handle_free(struct xenvgpu *h)
{
	if (!h)
		return;
	if (h->watching)
		xs_unwatch(h->xs, h->be_state_path, WATCH_TOKEN);
	if (h->ch_live)
		fe_chan_dispose(&h->ch);
	if (h->port >= 0 && h->xce)
		xenevtchn_unbind(h->xce, (evtchn_port_t)h->port);
	if (h->xce)
		xenevtchn_close(h->xce);
	if (h->gs)
		xengntshr_close(h->gs);
	if (h->xs)
		xs_close(h->xs);
	free(h);
}

int xenvgpu_open_opts(const struct xenvgpu_opts *opts, struct xenvgpu **out)
{
	struct xenvgpu *h = NULL;
	int rc;

	if (!opts || !out)
		return -EINVAL;
	*out = NULL;
	if (opts->why && opts->why_len)
		opts->why[0] = '\0';
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->port = -1;
	h->ops = &xen_ops;
	h->opts = *opts;
	h->trace = getenv("XENVGPU_TRACE") != NULL;
	if (h->opts.timeout_ms <= 0)
		h->opts.timeout_ms = XENVGPU_TIMEOUT_MS_DEFAULT;

	h->xs = xs_open(0);
	if (!h->xs) {
		rc = -errno;
		say(h, "cannot open xenstore: %s", strerror(errno));
		goto out;
	}
	h->gs = xengntshr_open(NULL, 0);
	if (!h->gs) {
		rc = -errno;
		say(h, "cannot open gntshr (is xen-gntalloc loaded?): %s",
		    strerror(errno));
		goto out;
	}
	h->xce = xenevtchn_open(NULL, 0);
	if (!h->xce) {
		rc = -errno;
		say(h, "cannot open evtchn (is xen-evtchn loaded?): %s",
		    strerror(errno));
		goto out;
	}
	rc = find_device(h);
	if (rc)
		goto out;
	if (!xs_watch(h->xs, h->be_state_path, WATCH_TOKEN)) {
		rc = -errno;
		say(h, "cannot watch %s", h->be_state_path);
		goto out;
	}
	h->watching = true;
	rc = drive(h, GOAL_CONNECTED);
	if (rc) {
		char why[sizeof(h->why)];

		/* Keep the first reason, not the teardown's. */
		memcpy(why, h->why, sizeof(why));
		disconnect(h);
		memcpy(h->why, why, sizeof(why));
		goto out;
	}
	*out = h;
	h = NULL;
out:
	if (h && opts->why && opts->why_len)
		snprintf(opts->why, opts->why_len, "%s", h->why);
	handle_free(h);
	return rc;
}

int xenvgpu_open(unsigned int devid, struct xenvgpu **out)
{
	struct xenvgpu_opts o = {
	    .devid = devid,
	    .ring_order = -1,
	};

	return xenvgpu_open_opts(&o, out);
}

int xenvgpu_close(struct xenvgpu *h)
{
	int rc = 0;

	if (!h)
		return 0;
	if (h->ops == &xen_ops)
		rc = disconnect(h);
	/* GPU pages end only once the backend reached Closed. */
	fe_gpu_release(h, rc == 0);
	handle_free(h);
	return rc;
}

static int reconnect(struct xenvgpu *h)
{
	int rc;

	if (h->ch_live && !h->lost && !h->ch.broken) {
		/* The backend kept the connection: acknowledge the reset. */
		if (!h->ch.reset)
			return 0;
		rc = fe_query_caps(h, NULL);
		if (rc != -XV_ERR_DEVICE_RESET || !h->lost)
			return rc;
	}
	if (h->ops != &xen_ops)
		return -XV_ERR_DEVICE_RESET;
	/*
	 * The backend left Connected (or broke the protocol): hand the old
	 * pages back once it let go, then connect afresh. When it came back
	 * Connected on the same pages (a restarted daemon re-attached) the
	 * rules keep the connection and QUERY_CAPS acknowledges the reset.
	 */
	if (h->ch_live && h->ch.broken) {
		rc = disconnect(h);
		if (rc)
			return rc;
	}
	h->lost = false;
	rc = drive(h, GOAL_CONNECTED);
	if (!rc && h->ch_live && h->ch.reset)
		rc = fe_query_caps(h, NULL);
	return rc;
}

int xenvgpu_reconnect(struct xenvgpu *h)
{
	bool was_reset;
	int rc;

	if (!h)
		return -EINVAL;
	was_reset = h->lost || !h->ch_live || h->ch.reset || h->ch.broken;
	rc = reconnect(h);
	/* The backend dropped every context: their handles mean nothing. */
	if (!rc && was_reset)
		fe_gpu_reset(h);
	return rc;
}

const char *xenvgpu_why(const struct xenvgpu *h)
{
	return h ? h->why : "";
}

/* ---- a handle over plain memory, for the unit tests ---------------------- */

int fe_handle_new_local(const struct fe_transport_ops *ops, void *arg,
			void *ring, unsigned int order, struct xv_evt_page *evt,
			const struct fe_backend_info *be, uint32_t features,
			struct xenvgpu **out)
{
	struct xv_proto_params params;
	struct xenvgpu *h;
	int rc;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->port = -1;
	h->ops = ops;
	h->test_arg = arg;
	h->opts.timeout_ms = 2000;
	h->be = *be;
	h->choice.version = XV_PROTOCOL_VERSION_INT;
	h->choice.features = features;
	h->choice.ring_order = order;
	params.limits = be->limits;
	params.features = features;
	rc = fe_chan_init(&h->ch, ring, order, evt, &params);
	if (rc) {
		free(h);
		return rc;
	}
	h->ch.on_event = fe_gpu_on_event;
	h->ch.on_event_arg = h;
	h->ch_live = true;
	h->connected = true;
	*out = h;
	return 0;
}
