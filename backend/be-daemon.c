/*
 * be-daemon.c — xenvgpud's main loop and the per-device xenbus glue (see
 * be-daemon.h; the rules themselves are in xenstore/xs-xenbus.c).
 *
 * Trusts the backend directory (dom0-owned, written by the toolstack) no
 * further than its strict parsers, and the frontend directory (guest-owned)
 * not at all: every node is re-read and parsed on every look, and a bad
 * one closes only that device, with the reason in its "error" node.
 */
#include "be-daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>
#include <xenstore.h>

#include "be-conn.h"
#include "be-log.h"
#include "be-status.h"
#include "pasid.h"
#include "proto.h"
#include "xs-device.h"
#include "xs-path.h"
#include "xs-xenbus.h"

/* What this backend implements of vgpuif.h's features: all of them.
 * OOS_PT and NOSNOOP are per-context choices (be-ctx.c: the shadow's
 * out-of-sync mode; the reference GPU's no-snoop write-back cache). */
#define BE_FEATURES                                                    \
	(XV_FEATURE_OOS_PT | XV_FEATURE_NOSNOOP | XV_FEATURE_HOLDOFF | \
	 XV_FEATURE_MULTI_PAGE_RING)

/* Restarts a device may go through: a burst, then one every 2 s. */
#define RESTART_BURST	  16
#define RESTART_REFILL_MS 1000

#define TOKEN_BACKEND "b"
#define TOKEN_RELEASE "r"
#define TOKEN_FRONT   "f"

/* One device the daemon knows. Owned by the main thread; conn is shared
 * with its worker as be-conn.h says. */
struct be_device {
	struct be_device *next;
	unsigned int domid, devid;
	char be_dir[XV_XS_PATH_MAX];
	char fe_dir[XV_XS_PATH_MAX];
	char fe_state[XV_XS_PATH_MAX];
	bool watching;
	bool seen; /* found by the current scan */

	struct xv_limits limits;
	char profile[XV_XS_PROFILE_MAX + 1];
	bool limits_ok;
	/* Which domain this is (its toolstack "vm" path, "" if none): a
	 * status file of another domain with this domid is not ours. */
	char domain[XV_BE_STATUS_DOMMAX + 1];

	unsigned int state; /* our state node, as last written */
	bool failed;	    /* protocol error; cleared once Closed */
	bool given_up;	    /* restart budget spent or bad profile */
	bool published_once;
	struct xv_xb_budget budget;
	uint32_t generation;
	char last_error[XV_XS_STR_MAX + 1];
	struct be_log_limit log_limit;

	struct be_conn *conn;
	/* Counters of the device's earlier connections (and, read back from
	 * the status file, of earlier daemons): the status file shows these
	 * plus the live connection's, so they count over the device's life.
	 * Gauges (contexts, pasids, pages, scratch entries) are not kept. */
	struct be_vgpu_counters past;
	bool status_dirty;
};

struct be_daemon {
	struct be_daemon_opts o;
	struct xs_handle *xs;
	char root[XV_XS_PATH_MAX];
	struct be_device *devs;
	struct xv_pasid_space *space;
	int wake[2]; /* self-pipe: signals and workers wake the loop */
	bool domains_changed;
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull +
	       (unsigned long long)ts.tv_nsec / 1000000ull;
}

/* ---- status files ---------------------------------------------------------- */

/* The counters of a connection that ends go into d->past. */
static void add_counters(struct be_vgpu_counters *past,
			 const struct be_vgpu_counters *c)
{
	past->requests += c->requests;
	past->rejected += c->rejected;
	past->grant_map_calls += c->grant_map_calls;
	past->grant_unmap_calls += c->grant_unmap_calls;
	past->submits += c->submits;
	past->fences += c->fences;
	past->faults += c->faults;
	past->faults_lost += c->faults_lost;
	past->scratch_events += c->scratch_events;
}

static void write_status(struct be_daemon *bd, struct be_device *d)
{
	struct be_vgpu_counters now, sum = d->past;
	struct xv_be_status st;
	int rc;

	memset(&now, 0, sizeof(now));
	now.generation = d->generation;
	if (d->conn)
		be_conn_counters(d->conn, &now);
	add_counters(&sum, &now);
	memset(&st, 0, sizeof(st));
	st.domid = d->domid;
	st.devid = d->devid;
	snprintf(st.domain, sizeof(st.domain), "%s", d->domain);
	st.state = d->state;
	snprintf(st.profile, sizeof(st.profile), "%s", d->profile);
	st.generation = now.generation;
	/* gauges: the live connection's state, 0 without one */
	st.contexts = now.contexts;
	st.pasids = now.pasids;
	st.pinned_pages = now.pinned_pages;
	st.grant_mapped_pages = now.grant_mapped_pages;
	st.scratch_entries = now.scratch_entries;
	st.oos_pages = now.oos_pages;
	/* counters: over the device's life */
	st.requests = sum.requests;
	st.rejected = sum.rejected;
	st.grant_map_calls = sum.grant_map_calls;
	st.grant_unmap_calls = sum.grant_unmap_calls;
	st.submits = sum.submits;
	st.fences = sum.fences;
	st.gpu_faults = sum.faults;
	st.faults_lost = sum.faults_lost;
	st.scratch_events = sum.scratch_events;
	snprintf(st.last_error, sizeof(st.last_error), "%s", d->last_error);
	rc = xv_be_status_write(bd->o.run_dir, &st);
	if (rc)
		be_log_dev_limited(&d->log_limit, LOG_WARNING, d->domid,
				   d->devid, "status file: %s", strerror(-rc));
	d->status_dirty = false;
}

/* ---- device list --------------------------------------------------------- */

static struct be_device *find_dev(struct be_daemon *bd, unsigned int domid,
				  unsigned int devid)
{
	for (struct be_device *d = bd->devs; d; d = d->next)
		if (d->domid == domid && d->devid == devid)
			return d;
	return NULL;
}

static void release_conn(struct be_device *d)
{
	struct be_vgpu_counters c;

	if (!d->conn)
		return;
	be_conn_counters(d->conn, &c);
	d->generation = c.generation;
	/* worker joined, contexts and grant mappings gone: final counts */
	be_conn_stop(d->conn);
	be_conn_counters(d->conn, &c);
	be_conn_close(d->conn);
	d->conn = NULL;
	add_counters(&d->past, &c);
	be_log_dev(LOG_INFO, d->domid, d->devid, "released");
}

/* Record a protocol error of this device: error node, log, Closing. */
static void fail(struct be_daemon *bd, struct be_device *d, int rc,
		 const char *node)
{
	char text[XV_XS_STR_MAX + 1];

	if (d->failed)
		return;
	xv_xs_format_error(text, sizeof(text), rc, node);
	d->failed = true;
	snprintf(d->last_error, sizeof(d->last_error), "%s", text);
	xv_xs_write_error(bd->xs, d->be_dir, text);
	be_log_dev_limited(&d->log_limit, LOG_WARNING, d->domid, d->devid,
			   "closing: %s", text);
	d->status_dirty = true;
}

/* d->domain from /local/domain/<domid>/vm, which the toolstack writes
 * when it makes the domain (a dom0 node; checked all the same). */
static void read_domain(struct be_daemon *bd, struct be_device *d)
{
	char path[64];
	unsigned int len = 0;
	char *v;

	d->domain[0] = '\0';
	snprintf(path, sizeof(path), "/local/domain/%u/vm", d->domid);
	v = xs_read(bd->xs, XBT_NULL, path, &len);
	if (v && strlen(v) == len)
		xv_be_status_set_domain(d->domain, v);
	free(v);
}

static struct be_device *add_dev(struct be_daemon *bd, unsigned int domid,
				 unsigned int devid)
{
	struct be_device *d = calloc(1, sizeof(*d));
	const char *bad = NULL;
	uint32_t st = XenbusStateUnknown;
	int rc;

	if (!d)
		return NULL;
	d->domid = domid;
	d->devid = devid;
	be_log_limit_init(&d->log_limit);
	xv_xb_budget_init(&d->budget, RESTART_BURST,
			  bd->o.restart_refill_ms ? bd->o.restart_refill_ms
						  : RESTART_REFILL_MS,
			  now_ms());
	if (xv_xs_backend_dir(d->be_dir, sizeof(d->be_dir), bd->o.be_domid,
			      domid, devid) ||
	    xv_xs_frontend_dir(d->fe_dir, sizeof(d->fe_dir), domid, devid) ||
	    xv_xs_node(d->fe_state, sizeof(d->fe_state), d->fe_dir,
		       XV_FIELD_STATE)) {
		free(d);
		return NULL;
	}
	/* A restarted daemon picks up where the last one left the node. */
	rc = xv_xs_read_dir_u32(bd->xs, d->be_dir, XV_FIELD_STATE, 0, 8, &st);
	d->state = rc ? XenbusStateUnknown : st;

	rc = xv_xs_read_profile(bd->xs, d->be_dir, &d->limits, d->profile,
				sizeof(d->profile), &bad);
	if (rc == 0) {
		d->limits_ok = true;
		/* a restarted daemon finds the features it rewrote: fine,
		 * the intersection is idempotent */
		d->limits.features &= BE_FEATURES;
	} else {
		/* the toolstack's profile is bad: nothing to offer */
		fail(bd, d, rc, bad);
		d->given_up = true;
	}
	read_domain(bd, d);
	/* generation and counters of the previous daemon, if it left a
	 * status file for this very domain: the counters go on over the
	 * device's life */
	{
		struct xv_be_status old;

		if (xv_be_status_read(bd->o.run_dir, domid, devid, &old)) {
			/* none (or unreadable): a new device */
		} else if (strcmp(old.domain, d->domain) != 0) {
			be_log_dev(LOG_INFO, domid, devid,
				   "status file of domain %s, not %s: "
				   "counting from 0",
				   old.domain[0] ? old.domain : "-",
				   d->domain[0] ? d->domain : "-");
		} else {
			d->generation = old.generation;
			d->past.requests = old.requests;
			d->past.rejected = old.rejected;
			d->past.grant_map_calls = old.grant_map_calls;
			d->past.grant_unmap_calls = old.grant_unmap_calls;
			d->past.submits = old.submits;
			d->past.fences = old.fences;
			d->past.faults = old.gpu_faults;
			d->past.faults_lost = old.faults_lost;
			d->past.scratch_events = old.scratch_events;
		}
	}
	if (xs_watch(bd->xs, d->fe_state, TOKEN_FRONT))
		d->watching = true;
	d->next = bd->devs;
	bd->devs = d;
	d->status_dirty = true;
	be_log_dev(LOG_INFO, domid, devid, "found, state %s, profile %s",
		   xv_xb_state_name(d->state),
		   d->limits_ok ? d->profile : "(bad)");
	return d;
}

/* Forget a device: free what it holds; remove its nodes if asked. */
static void remove_dev(struct be_daemon *bd, struct be_device *d,
		       bool remove_nodes, const char *why)
{
	struct be_device **pp;

	release_conn(d);
	if (d->watching)
		xs_unwatch(bd->xs, d->fe_state, TOKEN_FRONT);
	if (remove_nodes)
		xv_xs_device_remove(bd->xs, bd->o.be_domid, d->domid, d->devid);
	xv_be_status_remove(bd->o.run_dir, d->domid, d->devid);
	be_log_dev(LOG_INFO, d->domid, d->devid, "removed (%s)", why);
	for (pp = &bd->devs; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	free(d);
}

/* ---- the state machine glue ---------------------------------------------- */

static int publish(struct be_daemon *bd, struct be_device *d)
{
	int rc;

	if (d->published_once && !xv_xb_budget_take(&d->budget, now_ms())) {
		fail(bd, d, -EBUSY, "too many restarts");
		d->given_up = true;
		return -EBUSY;
	}
	d->published_once = true;
	rc = xv_xs_write_str(bd->xs, d->be_dir, XV_FIELD_VERSION,
			     XV_PROTOCOL_VERSION);
	if (rc == 0)
		rc = xv_xs_write_u32(bd->xs, d->be_dir, XV_FIELD_FEATURES,
				     d->limits.features);
	return rc;
}

static int connect_dev(struct be_daemon *bd, struct be_device *d, bool reattach)
{
	struct xv_xs_dir_reader r;
	struct xv_xs_front_info fi;
	struct be_conn_params p;
	const char *bad = NULL;
	int rc;

	xv_xs_dir_reader_init(&r, bd->xs, XBT_NULL, d->fe_dir);
	rc = xv_xs_read_front_info(&r.rd, d->limits.features,
				   d->limits.ring_order_max, &fi, &bad);
	if (rc) {
		fail(bd, d, rc, bad);
		return rc;
	}
	memset(&p, 0, sizeof(p));
	p.domid = d->domid;
	p.devid = d->devid;
	p.limits = &d->limits;
	p.front = &fi;
	p.space = bd->space;
	p.generation = d->generation;
	p.reattach = reattach;
	p.wake_fd = bd->wake[1];
	rc = be_conn_open(&p, &d->conn, &bad);
	if (rc) {
		fail(bd, d, rc, bad);
		return rc;
	}
	d->last_error[0] = '\0';
	xv_xs_rm_error(bd->xs, d->be_dir);
	/* the generation a later daemon starts from: write it now */
	d->status_dirty = true;
	be_log_dev(LOG_INFO, d->domid, d->devid,
		   "%s: %u ring page(s), features %#x%s",
		   reattach ? "re-attached after restart" : "connected",
		   fi.nr_ring_refs, fi.features,
		   reattach ? ", DEVICE_RESET posted" : "");
	return 0;
}

/* Peer state as the rules want it: missing reads as Unknown; garbage is a
 * protocol error (once) and reads as Closing, which starts nothing. */
static enum xenbus_state peer_state(struct be_daemon *bd, struct be_device *d)
{
	unsigned int st;
	int rc = xv_xs_read_state(bd->xs, d->fe_dir, &st);

	if (rc == -ENOENT)
		return XenbusStateUnknown;
	if (rc) {
		if (d->state != XenbusStateClosed)
			fail(bd, d, rc, "frontend state");
		return XenbusStateClosing;
	}
	return (enum xenbus_state)st;
}

static void evaluate(struct be_daemon *bd, struct be_device *d)
{
	for (int round = 0; round < 8; round++) {
		struct xv_xb_back_in in;
		struct xv_xb_decision dec;
		bool online = false;
		int rc = 0;

		xv_xs_read_online(bd->xs, d->be_dir, &online);
		in.peer = peer_state(bd, d);
		if (d->conn && be_conn_fatal(d->conn))
			fail(bd, d, be_conn_fatal(d->conn), "ring");
		in.self = (enum xenbus_state)d->state;
		in.online = online;
		in.attached = d->conn != NULL;
		in.failed = d->failed;
		in.given_up = d->given_up;
		dec = xv_xb_back_decide(&in);
		if (dec.action == XV_XB_NONE)
			break;
		be_log_dev(LOG_DEBUG, d->domid, d->devid, "%s/%s: %s -> %s",
			   xv_xb_state_name(in.self), xv_xb_state_name(in.peer),
			   xv_xb_action_name(dec.action),
			   xv_xb_state_name(dec.next));
		switch (dec.action) {
		case XV_XB_PUBLISH:
			rc = publish(bd, d);
			break;
		case XV_XB_CONNECT:
			rc = connect_dev(bd, d, false);
			break;
		case XV_XB_REATTACH:
			rc = connect_dev(bd, d, true);
			break;
		case XV_XB_RELEASE:
			release_conn(d);
			break;
		default:
			break;
		}
		if (rc)
			continue; /* failed or given up: decide again */
		if (dec.next != d->state) {
			xv_xs_write_state(bd->xs, d->be_dir, dec.next);
			d->state = dec.next;
			d->status_dirty = true;
		}
		if (d->state == XenbusStateClosed)
			d->failed = false;
	}
	if (d->status_dirty)
		write_status(bd, d);
}

/* ---- discovery -------------------------------------------------------------- */

static void scan(struct be_daemon *bd)
{
	unsigned int nd = 0;
	char **doms;
	struct be_device *d, *next;

	for (d = bd->devs; d; d = d->next)
		d->seen = false;
	doms = xs_directory(bd->xs, XBT_NULL, bd->root, &nd);
	for (unsigned int i = 0; doms && i < nd; i++) {
		char dir[XV_XS_PATH_MAX];
		unsigned int ndev = 0;
		uint32_t domid;
		char **devs;

		if (xv_xs_parse_u32(doms[i], strlen(doms[i]), 0,
				    XV_XS_DOMID_MAX, &domid) ||
		    xv_xs_node(dir, sizeof(dir), bd->root, doms[i]))
			continue; /* not ours to judge; the toolstack's */
		devs = xs_directory(bd->xs, XBT_NULL, dir, &ndev);
		for (unsigned int j = 0; devs && j < ndev; j++) {
			uint32_t devid;

			if (xv_xs_parse_u32(devs[j], strlen(devs[j]), 0,
					    XV_XS_DEVID_MAX, &devid))
				continue;
			d = find_dev(bd, domid, devid);
			if (!d)
				d = add_dev(bd, domid, devid);
			if (d)
				d->seen = true;
		}
		free(devs);
	}
	free(doms);

	for (d = bd->devs; d; d = next) {
		bool online = true;

		next = d->next;
		if (!d->seen) {
			remove_dev(bd, d, true, "backend directory gone");
			continue;
		}
		evaluate(bd, d);
		xv_xs_read_online(bd->xs, d->be_dir, &online);
		if (!online && d->state == XenbusStateClosed && !d->conn)
			remove_dev(bd, d, true, "offline and closed");
	}
}

/* Domains that went away take their devices with them. */
static void check_domains(struct be_daemon *bd)
{
	struct be_device *d, *next;

	for (d = bd->devs; d; d = next) {
		next = d->next;
		if (!xs_is_domain_introduced(bd->xs, d->domid))
			remove_dev(bd, d, true, "domain gone");
	}
}

static void drain_watches(struct be_daemon *bd)
{
	char **ev;

	while ((ev = xs_check_watch(bd->xs)) != NULL) {
		if (strcmp(ev[XS_WATCH_TOKEN], TOKEN_RELEASE) == 0)
			bd->domains_changed = true;
		free(ev);
	}
}

/* ---- lifecycle ---------------------------------------------------------------- */

int be_daemon_new(const struct be_daemon_opts *o, struct be_daemon **out)
{
	struct be_daemon *bd;
	int rc;

	*out = NULL;
	bd = calloc(1, sizeof(*bd));
	if (!bd)
		return -ENOMEM;
	bd->o = *o;
	bd->wake[0] = bd->wake[1] = -1;
	if (pipe2(bd->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		goto out;
	}
	if (mkdir(o->run_dir, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		be_log(LOG_ERR, "%s: %s", o->run_dir, strerror(errno));
		goto out;
	}
	rc = xv_pasid_space_new(o->pasid_bits, &bd->space);
	if (rc)
		goto out;
	rc = xv_xs_backend_root(bd->root, sizeof(bd->root), o->be_domid);
	if (rc)
		goto out;
	bd->xs = xs_open(0);
	if (!bd->xs) {
		rc = errno ? -errno : -EIO;
		be_log(LOG_ERR, "cannot open xenstore: %s", strerror(-rc));
		goto out;
	}
	if (!xs_watch(bd->xs, bd->root, TOKEN_BACKEND) ||
	    !xs_watch(bd->xs, "@releaseDomain", TOKEN_RELEASE)) {
		rc = errno ? -errno : -EIO;
		be_log(LOG_ERR, "cannot watch xenstore: %s", strerror(-rc));
		goto out;
	}
	*out = bd;
	return 0;
out:
	be_daemon_free(bd);
	return rc;
}

void be_daemon_wake(struct be_daemon *d)
{
	char one = 1;

	if (write(d->wake[1], &one, 1) < 0) {
		/* the pipe is full: the loop wakes anyway */
	}
}

int be_daemon_run(struct be_daemon *bd, volatile sig_atomic_t *stop)
{
	unsigned long long last_full = 0;

	scan(bd); /* devices that exist already, Connected ones included */
	check_domains(bd);
	last_full = now_ms();
	while (!*stop) {
		struct pollfd pfd[2] = {
		    {xs_fileno(bd->xs), POLLIN, 0},
		    {bd->wake[0], POLLIN, 0},
		};
		unsigned long long now;
		char buf[64];
		int r;

		r = poll(pfd, 2, (int)bd->o.rescan_ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (*stop)
			break;
		while (read(bd->wake[0], buf, sizeof(buf)) > 0) {
		}
		if (pfd[0].revents & (POLLERR | POLLHUP)) {
			be_log(LOG_ERR, "xenstore connection lost");
			return -EPIPE;
		}
		drain_watches(bd);
		scan(bd);
		now = now_ms();
		if (bd->domains_changed || now - last_full >= bd->o.rescan_ms) {
			bd->domains_changed = false;
			check_domains(bd);
		}
		if (now - last_full >= bd->o.rescan_ms) {
			last_full = now;
			for (struct be_device *d = bd->devs; d; d = d->next)
				if (d->conn)
					write_status(bd, d);
		}
	}
	return 0;
}

void be_daemon_free(struct be_daemon *bd)
{
	if (!bd)
		return;
	while (bd->devs) {
		struct be_device *d = bd->devs;

		/* keep the nodes: the next daemon recovers the device, and
		 * the status file with the final counts */
		release_conn(d);
		write_status(bd, d);
		if (d->watching && bd->xs)
			xs_unwatch(bd->xs, d->fe_state, TOKEN_FRONT);
		bd->devs = d->next;
		free(d);
	}
	if (bd->xs)
		xs_close(bd->xs);
	xv_pasid_space_free(bd->space);
	if (bd->wake[0] >= 0)
		close(bd->wake[0]);
	if (bd->wake[1] >= 0)
		close(bd->wake[1]);
	free(bd);
}
