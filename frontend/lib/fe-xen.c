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

#include <xen/io/xenbus.h>

#include "fe-private.h"

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

static int be_reader(void *arg, const char *node, char *buf, size_t len)
{
	struct xenvgpu *h = arg;

	return xs_get(h, h->be_path, node, buf, len);
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

/* The backend's state; -errno if it cannot be read or is no number. */
static int be_state(struct xenvgpu *h)
{
	char buf[16];
	uint32_t v;
	int rc;

	rc = xs_get(h, h->be_path, XV_FIELD_STATE, buf, sizeof(buf));
	if (rc)
		return rc;
	if (fe_parse_u32(buf, &v) || v > XenbusStateReconfigured)
		return -EPROTO;
	return (int)v;
}

static int set_state(struct xenvgpu *h, int state)
{
	return xs_put_u32(h, XBT_NULL, XV_FIELD_STATE, (uint32_t)state);
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
		/* Drain; the state itself is read below (level, not edge). */
		while ((w = xs_check_watch(h->xs)) != NULL)
			free(w);
	}
	if (h->connected && be_state(h) != XenbusStateConnected)
		h->lost = true;
	return 0;
}

static const struct fe_transport_ops xen_ops = {
    .notify = xen_notify,
    .wait = xen_wait,
};

/*
 * Wait until the backend's state is one of want (a bitmask of 1 << state)
 * or the deadline. A backend that gives up (Closing/Closed not wanted,
 * with an error node) ends the wait early when stop says so.
 */
static int wait_be_state(struct xenvgpu *h, unsigned int want,
			 unsigned int stop, int64_t deadline, int *seen)
{
	int st, rc;

	for (;;) {
		st = be_state(h);
		*seen = st;
		if (st >= 0 && (want & (1u << st)))
			return 0;
		if (st >= 0 && (stop & (1u << st)))
			return -ECONNREFUSED;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		rc = xen_wait(h, (int)(deadline - now_ms()));
		if (rc && rc != -ETIMEDOUT)
			return rc;
	}
}

static void why_backend(struct xenvgpu *h, const char *what, int st)
{
	char err[96] = "";
	char line[48];

	xs_get(h, h->be_path, XV_FIELD_ERROR, err, sizeof(err));
	snprintf(line, sizeof(line), "%s (backend state %d)", what, st);
	if (err[0])
		say(h, "%s; backend error: %s", line, err);
	else
		say(h, "%s", line);
}

/* ---- one connection ------------------------------------------------------ */

static void release_pages(struct xenvgpu *h)
{
	if (h->ring)
		xengntshr_unshare(h->gs, h->ring, h->ring_pages);
	if (h->evt)
		xengntshr_unshare(h->gs, h->evt, 1);
	h->ring = NULL;
	h->evt = NULL;
	h->ring_pages = 0;
}

/* Forget the pages without ending their grants (backend may map them). */
static void abandon_pages(struct xenvgpu *h)
{
	h->ring = NULL;
	h->evt = NULL;
	h->ring_pages = 0;
}

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
	for (unsigned int i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", h->fe_path, nodes[i]);
		xs_rm(h->xs, XBT_NULL, path);
	}
}

/*
 * Tear the connection down and leave our state at final_state. Grants
 * end only after the backend reached Closed (or, once it was Connected
 * with us, any state it can only reach after its teardown).
 */
static int disconnect(struct xenvgpu *h, int final_state)
{
	int64_t deadline = now_ms() + h->opts.timeout_ms;
	unsigned int released = 1u << XenbusStateClosed;
	int rc = 0;
	int st = -1;

	if (h->published) {
		if (h->connected)
			released |= (1u << XenbusStateInitWait) |
				    (1u << XenbusStateInitialising);
		h->connected = false;
		set_state(h, XenbusStateClosing);
		rc = wait_be_state(h, released, 0, deadline, &st);
		if (rc)
			why_backend(h, "backend did not reach Closed", st);
	}
	h->connected = false;
	remove_conn_nodes(h);
	if (rc)
		abandon_pages(h);
	else
		release_pages(h);
	h->published = false;
	if (h->port >= 0)
		xenevtchn_unbind(h->xce, (evtchn_port_t)h->port);
	h->port = -1;
	if (h->ch_live)
		fe_chan_dispose(&h->ch);
	h->ch_live = false;
	h->lost = false;
	set_state(h, final_state);
	return rc;
}

static int publish(struct xenvgpu *h)
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
		if (xs_transaction_end(h->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
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

static int connect_backend(struct xenvgpu *h)
{
	int64_t deadline = now_ms() + h->opts.timeout_ms;
	unsigned int gone =
	    (1u << XenbusStateClosing) | (1u << XenbusStateClosed);
	struct xv_proto_params params;
	xenevtchn_port_or_error_t port;
	int st = -1;
	int rc;

	rc = set_state(h, XenbusStateInitialising);
	if (rc)
		goto out;
	/* A Closed backend comes back to InitWait when online = 1. */
	rc = wait_be_state(h, 1u << XenbusStateInitWait, 0, deadline, &st);
	if (rc) {
		why_backend(h, "backend not in InitWait", st);
		goto out;
	}
	rc = fe_read_backend(be_reader, h, &h->be, h->why, sizeof(h->why));
	if (rc)
		goto out;
	rc = fe_negotiate(&h->be, h->opts.ring_order, h->opts.features_refuse,
			  &h->choice);
	if (rc) {
		say(h, "negotiation: %s", xv_proto_strerror(rc));
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
	rc = publish(h);
	if (rc)
		goto out;
	h->published = true;
	rc = wait_be_state(h, 1u << XenbusStateConnected, gone, deadline, &st);
	if (rc) {
		why_backend(h, "backend did not connect", st);
		goto out;
	}
	h->connected = true;
	rc = fe_query_caps(h, NULL);
	if (rc) {
		say(h, "first QUERY_CAPS failed: %s", xenvgpu_strerror(rc));
		goto out;
	}
	rc = set_state(h, XenbusStateConnected);
out:
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
	snprintf(buf, sizeof(buf), "%.*s", (int)n, v);
	free(v);
	if (fe_parse_u32(buf, &self)) {
		say(h, "my domid \"%.16s\" is not a number", buf);
		return -EPROTO;
	}
	snprintf(h->fe_path, sizeof(h->fe_path),
		 "/local/domain/%u/device/" XV_DRIVER_NAME "/%u", self,
		 h->opts.devid);
	rc = xs_get(h, h->fe_path, XV_FIELD_BACKEND, h->be_path,
		    sizeof(h->be_path) - 32);
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
	if (rc || fe_parse_u32(buf, &be_id) || be_id >= 0x7ff0) {
		say(h, "bad or missing backend-id in %s", h->fe_path);
		return rc ? rc : -EPROTO;
	}
	h->be_domid = be_id;
	snprintf(h->be_state_path, sizeof(h->be_state_path), "%s/%s",
		 h->be_path, XV_FIELD_STATE);
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
	int prev, rc;
	char buf[16];
	uint32_t v;

	if (!opts || !out)
		return -EINVAL;
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->port = -1;
	h->ops = &xen_ops;
	h->opts = *opts;
	if (h->opts.timeout_ms <= 0)
		h->opts.timeout_ms = XENVGPU_TIMEOUT_MS_DEFAULT;
	if (opts->why && opts->why_len)
		opts->why[0] = '\0';

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

	/*
	 * A previous instance may have left the device half set up (it
	 * died Connected or after publishing): restart it as vgpuif.h's
	 * "frontend restart" flow, by Closed first, and let the backend
	 * tear down before we hand it new pages.
	 */
	prev = XenbusStateUnknown;
	if (!xs_get(h, h->fe_path, XV_FIELD_STATE, buf, sizeof(buf)) &&
	    !fe_parse_u32(buf, &v))
		prev = (int)v;
	if (prev == XenbusStateInitialised || prev == XenbusStateConnected ||
	    prev == XenbusStateClosing) {
		int st;

		remove_conn_nodes(h);
		set_state(h, XenbusStateClosed);
		wait_be_state(
		    h, (1u << XenbusStateClosed) | (1u << XenbusStateInitWait),
		    0, now_ms() + h->opts.timeout_ms, &st);
	}
	rc = connect_backend(h);
	if (rc) {
		disconnect(h, XenbusStateClosed);
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
		rc = disconnect(h, XenbusStateClosed);
	handle_free(h);
	return rc;
}

int xenvgpu_reconnect(struct xenvgpu *h)
{
	int rc;

	if (!h)
		return -EINVAL;
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
	rc = disconnect(h, XenbusStateInitialising);
	if (rc)
		return rc;
	rc = connect_backend(h);
	if (rc)
		disconnect(h, XenbusStateClosed);
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
	h->ch_live = true;
	h->connected = true;
	*out = h;
	return 0;
}
