/*
 * dom.c — xenstore reads of xenvgpu-ctl: domains, a domain's vGPUs, a
 * device snapshot, and the bounded wait for a backend state.
 *
 * Nodes under a guest's directory are the guest's to write: they are
 * parsed with the xenstore layer's strict parsers and shown, never
 * trusted (a garbage frontend state prints as "?").
 */
#include "ctl-dom.h"
#include "xs-device.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/io/xenbus.h>

/* A directory listing; NULL with *n = 0 when missing. Caller frees. */
static char **list_dir(struct xs_handle *xs, const char *path, unsigned *n)
{
	char **ents = xs_directory(xs, XBT_NULL, path, n);

	if (!ents)
		*n = 0;
	return ents;
}

static int parse_id(const char *s, uint32_t max, uint32_t *out)
{
	return xv_xs_parse_u32(s, strlen(s), 0, max, out);
}

/* A string node, strictly parsed; "" when missing or garbage. */
static void read_str(struct xs_handle *xs, const char *dir, const char *name,
		     char *out, size_t outlen)
{
	char path[XV_XS_PATH_MAX];
	unsigned len = 0;
	char *v = NULL;

	out[0] = '\0';
	if (xv_xs_node(path, sizeof(path), dir, name))
		return;
	v = xs_read(xs, XBT_NULL, path, &len);
	if (v && xv_xs_parse_string(v, len, outlen - 1, out, outlen))
		out[0] = '\0';
	free(v);
}

int ctl_dom_list(struct xs_handle *xs, struct ctl_domain *doms, unsigned max,
		 unsigned *n, struct ctl_err *err)
{
	unsigned nents = 0;
	char **ents = list_dir(xs, "/local/domain", &nents);

	*n = 0;
	if (!ents) {
		ctl_err_set(err, "cannot list /local/domain in xenstore: %s",
			    strerror(errno));
		return -EIO;
	}
	for (unsigned i = 0; i < nents && *n < max; i++) {
		char dir[64];
		uint32_t id;

		if (parse_id(ents[i], XV_XS_DOMID_MAX, &id))
			continue;
		doms[*n].domid = id;
		snprintf(dir, sizeof(dir), "/local/domain/%u", id);
		read_str(xs, dir, "name", doms[*n].name, sizeof(doms[*n].name));
		(*n)++;
	}
	free(ents);
	return 0;
}

int ctl_dom_resolve(struct xs_handle *xs, const char *arg, bool allow_gone,
		    unsigned *domid, char *name, size_t namelen,
		    struct ctl_err *err)
{
	static struct ctl_domain doms[CTL_DOMAINS_MAX];
	struct ctl_err why;
	unsigned n = 0;
	uint32_t id;
	int rc;

	rc = ctl_dom_list(xs, doms, CTL_DOMAINS_MAX, &n, err);
	if (rc)
		return rc;
	rc = ctl_domain_resolve(arg, doms, n, domid, &why);
	if (rc == 0) {
		for (unsigned i = 0; i < n; i++)
			if (doms[i].domid == *domid)
				snprintf(name, namelen, "%s", doms[i].name);
		return 0;
	}
	if (rc == -ENOENT && allow_gone &&
	    ctl_parse_u32(arg, XV_XS_DOMID_MAX, &id) == 0) {
		uint8_t used[CTL_DEVID_MAX + 1];
		unsigned count = 0;

		if (ctl_dom_devids(xs, id, used, &count) == 0 && count) {
			*domid = id;
			name[0] = '\0';
			return 0;
		}
	}
	*err = why;
	return rc;
}

static void mark_devids(struct xs_handle *xs, const char *dir, uint8_t *used,
			unsigned *count)
{
	unsigned nents = 0;
	char **ents = list_dir(xs, dir, &nents);

	for (unsigned i = 0; i < nents; i++) {
		uint32_t d;

		if (parse_id(ents[i], CTL_DEVID_MAX, &d))
			continue;
		if (!used[d])
			(*count)++;
		used[d] = 1;
	}
	free(ents);
}

int ctl_dom_devids(struct xs_handle *xs, unsigned domid, uint8_t *used,
		   unsigned *count)
{
	char be_root[XV_XS_PATH_MAX], dir[XV_XS_PATH_MAX];
	unsigned c = 0;
	int rc;

	memset(used, 0, CTL_DEVID_MAX + 1);
	rc = xv_xs_backend_root(be_root, sizeof(be_root), CTL_BACKEND_DOMID);
	if (rc)
		return rc;
	if (snprintf(dir, sizeof(dir), "%s/%u", be_root, domid) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	mark_devids(xs, dir, used, &c);
	rc = xv_xs_frontend_root(dir, sizeof(dir), domid);
	if (rc)
		return rc;
	mark_devids(xs, dir, used, &c);
	if (count)
		*count = c;
	return 0;
}

int ctl_dom_vgpu_domids(struct xs_handle *xs, unsigned *ids, unsigned max,
			unsigned *n)
{
	char root[XV_XS_PATH_MAX];
	unsigned nents = 0;
	char **ents;
	int rc;

	*n = 0;
	rc = xv_xs_backend_root(root, sizeof(root), CTL_BACKEND_DOMID);
	if (rc)
		return rc;
	ents = list_dir(xs, root, &nents);
	for (unsigned i = 0; i < nents && *n < max; i++) {
		uint32_t id;

		if (parse_id(ents[i], XV_XS_DOMID_MAX, &id) == 0)
			ids[(*n)++] = id;
	}
	free(ents);
	/* xenstore lists in no promised order; list sorts by domid. */
	for (unsigned i = 1; i < *n; i++)
		for (unsigned j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			unsigned t = ids[j];

			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	return 0;
}

static int read_state(struct xs_handle *xs, const char *dir)
{
	unsigned state;
	int rc = xv_xs_read_state(xs, dir, &state);

	if (rc == -ENOENT)
		return CTL_NODE_MISSING;
	if (rc)
		return CTL_NODE_GARBAGE;
	return (int)state;
}

void ctl_dom_devinfo(struct xs_handle *xs, unsigned domid, unsigned devid,
		     const char *name, struct ctl_devinfo *d)
{
	char be[XV_XS_PATH_MAX], fe[XV_XS_PATH_MAX];
	bool online = false;
	int rc;

	memset(d, 0, sizeof(*d));
	d->domid = domid;
	d->devid = devid;
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "");
	d->be_state = d->fe_state = d->online = CTL_NODE_MISSING;
	if (xv_xs_backend_dir(be, sizeof(be), CTL_BACKEND_DOMID, domid,
			      devid) ||
	    xv_xs_frontend_dir(fe, sizeof(fe), domid, devid))
		return;
	d->be_state = read_state(xs, be);
	d->fe_state = read_state(xs, fe);
	rc = xv_xs_read_online(xs, be, &online);
	d->online = rc == 0	    ? (online ? 1 : 0)
		    : rc == -ENOENT ? CTL_NODE_MISSING
				    : CTL_NODE_GARBAGE;
	d->have_limits = xv_xs_read_profile(xs, be, &d->lim, d->profile,
					    sizeof(d->profile), NULL) == 0;
	if (!d->have_limits) {
		/* The name alone may still be readable. */
		read_str(xs, be, XV_FIELD_PROFILE, d->profile,
			 sizeof(d->profile));
	}
	read_str(xs, be, XV_FIELD_ERROR, d->be_error, sizeof(d->be_error));
	read_str(xs, fe, XV_FIELD_ERROR, d->fe_error, sizeof(d->fe_error));
	d->have_status =
	    xv_be_status_read(XV_BE_RUN_DIR, domid, devid, &d->st) == 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1: reached, 0: keep waiting, -1: went elsewhere. */
static int judge(enum ctl_wait_for what, int state)
{
	if (what == CTL_WAIT_CLOSED)
		return state == XenbusStateClosed || state == CTL_NODE_MISSING;
	if (state == XenbusStateInitWait || state == XenbusStateInitialised ||
	    state == XenbusStateConnected)
		return 1;
	if (state == XenbusStateClosing || state == XenbusStateClosed ||
	    state == CTL_NODE_MISSING)
		return -1;
	return 0;
}

int ctl_dom_wait(struct xs_handle *xs, unsigned domid, unsigned devid,
		 enum ctl_wait_for what, unsigned timeout_ms, int *last,
		 struct ctl_err *err)
{
	char be[XV_XS_PATH_MAX], errtext[XV_XS_STR_MAX + 1];
	static const char token[] = "xenvgpu-ctl-wait";
	long long deadline = now_ms() + timeout_ms;
	bool watching = false;
	int state = CTL_NODE_MISSING;
	int rc;

	rc = xv_xs_backend_dir(be, sizeof(be), CTL_BACKEND_DOMID, domid, devid);
	if (rc)
		goto out;
	/* Watch the directory: its removal fires too. */
	watching = xs_watch(xs, be, token);
	for (;;) {
		struct pollfd pfd = {.fd = xs_fileno(xs), .events = POLLIN};
		long long left;
		int v;

		state = read_state(xs, be);
		v = judge(what, state);
		if (v > 0) {
			rc = 0;
			goto out;
		}
		if (v < 0) {
			read_str(xs, be, XV_FIELD_ERROR, errtext,
				 sizeof(errtext));
			if (state == CTL_NODE_MISSING)
				ctl_err_set(err,
					    "backend d%u/%u: its "
					    "directory was removed",
					    domid, devid);
			else
				ctl_err_set(err,
					    "backend d%u/%u went to %s%s%s",
					    domid, devid, ctl_state_name(state),
					    errtext[0] ? ": " : "", errtext);
			rc = -EIO;
			goto out;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			goto out;
		}
		/* Without a watch, poll the node every 100 ms. */
		if (!watching) {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
			continue;
		}
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) > 0) {
			unsigned nv;
			char **ev = xs_read_watch(xs, &nv);

			free(ev); /* level-triggered: just re-read */
		}
	}
out:
	if (rc == -ETIMEDOUT)
		ctl_err_set(err,
			    "backend d%u/%u still %s after %u s (is xenvgpud "
			    "running?)",
			    domid, devid, ctl_state_name(state),
			    timeout_ms / 1000);
	if (watching)
		xs_unwatch(xs, be, token);
	if (last)
		*last = state;
	return rc;
}
