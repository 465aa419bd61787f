/*
 * main.c — xenvgpu-ctl, the dom0 control tool of xenvgpu: attach, detach,
 * list and show vGPUs, and start a domain with its vGPUs in place.
 *
 * Everything a user types is parsed in args.c, vgpu-spec.c and profile.c
 * (unit-tested); the xenstore nodes are created and removed by the
 * xenstore layer (xs-device.h); this file strings them together. Exit
 * status: 0 ok, 1 failed, 2 usage error; one line on stderr says why.
 */
#include "ctl-args.h"
#include "ctl-dom.h"
#include "ctl-report.h"
#include "ctl-xl.h"
#include "xs-device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#define EXIT_USAGE 2

/* One vGPU to add: what was asked and the limits that result. */
struct plan {
	struct ctl_vgpu_spec spec;
	struct xv_limits lim;
	bool created;
};

struct ctl {
	struct ctl_args a;
	struct xs_handle *xs;
	struct ctl_profiles ps;
	struct plan plans[CTL_VGPUS_MAX];
	unsigned nplans;
};

static int open_xs(struct ctl *c, struct ctl_err *err)
{
	c->xs = xs_open(0);
	if (!c->xs)
		return ctl_err_set(err,
				   "cannot open xenstore: %s (is xenstored "
				   "running, and are you root?)",
				   strerror(errno));
	return 0;
}

/* Resolve every spec's limits before anything is created. */
static int make_plans(struct ctl *c, const struct ctl_vgpu_spec *specs,
		      unsigned n, bool from_cfg, struct ctl_err *err)
{
	struct ctl_err why;
	int rc;

	rc = ctl_profiles_load(&c->ps, c->a.profiles_path, err);
	if (rc)
		return rc;
	c->nplans = n;
	for (unsigned i = 0; i < n; i++) {
		c->plans[i].spec = specs[i];
		c->plans[i].created = false;
		rc = ctl_vgpu_spec_limits(&specs[i], &c->ps, c->a.profiles_path,
					  &c->plans[i].lim, &why);
		if (rc) {
			if (from_cfg)
				ctl_err_set(err, "%s: vgpu entry %u: %s",
					    c->a.xlcfg, i + 1, why.msg);
			else
				*err = why;
			return rc;
		}
	}
	return 0;
}

/*
 * Take a device away: online = 0, wait for the backend to be Closed (or
 * to have removed the directory itself), then remove what is left. A
 * backend still Initialising (or no state at all) has mapped nothing, so
 * its nodes go at once.
 */
static int remove_device(struct ctl *c, unsigned domid, unsigned devid,
			 struct ctl_err *err)
{
	char be[XV_XS_PATH_MAX];
	unsigned state;
	int rc;

	rc = xv_xs_backend_dir(be, sizeof(be), CTL_BACKEND_DOMID, domid, devid);
	if (rc)
		return ctl_err_set(err, "bad device d%u/%u", domid, devid);
	rc = xv_xs_read_state(c->xs, be, &state);
	if (rc == 0 && state != XenbusStateUnknown &&
	    state != XenbusStateInitialising && state != XenbusStateClosed) {
		rc = xv_xs_device_set_online(c->xs, CTL_BACKEND_DOMID, domid,
					     devid, false);
		if (rc && rc != -ENOENT)
			return ctl_err_set(err,
					   "d%u/%u: cannot write online: "
					   "%s",
					   domid, devid, strerror(-rc));
		rc = ctl_dom_wait(c->xs, domid, devid, CTL_WAIT_CLOSED,
				  c->a.timeout_s * 1000u, NULL, err);
		if (rc) {
			size_t l = strlen(err->msg);

			snprintf(err->msg + l, sizeof(err->msg) - l,
				 "; nodes left in place");
			return rc;
		}
	}
	/*
	 * xenvgpud removes a closed device's nodes itself (xl's teardown
	 * skips kinds it does not know), so our transaction can race with
	 * its removal and fail; what matters is that the nodes are gone.
	 */
	rc = xv_xs_device_remove(c->xs, CTL_BACKEND_DOMID, domid, devid);
	if (rc &&
	    xv_xs_device_exists(c->xs, CTL_BACKEND_DOMID, domid, devid) == 0)
		rc =
		    xv_xs_device_remove(c->xs, CTL_BACKEND_DOMID, domid, devid);
	if (rc)
		return ctl_err_set(err, "d%u/%u: cannot remove nodes: %s",
				   domid, devid, strerror(-rc));
	return 0;
}

/* Remove what this run created (after a failure); keep the first error. */
static void roll_back(struct ctl *c, unsigned domid)
{
	for (unsigned i = 0; i < c->nplans; i++) {
		struct ctl_err ignored;

		if (c->plans[i].created &&
		    remove_device(c, domid, (unsigned)c->plans[i].spec.devid,
				  &ignored) == 0)
			c->plans[i].created = false;
	}
}

/*
 * The lowest devid free in xenstore now and not taken by this run's
 * other plans; -ENOSPC when none.
 */
static int next_free_devid(struct ctl *c, unsigned domid, const struct plan *me)
{
	uint8_t used[CTL_DEVID_MAX + 1];

	if (ctl_dom_devids(c->xs, domid, used, NULL))
		return -EIO;
	for (unsigned i = 0; i < c->nplans; i++)
		if (&c->plans[i] != me && c->plans[i].spec.devid >= 0)
			used[c->plans[i].spec.devid] = 1;
	for (int d = 0; d <= CTL_DEVID_MAX; d++)
		if (!used[d])
			return d;
	return -ENOSPC;
}

/*
 * Create one device. A devid the tool chose itself (any) that another
 * toolstack run took meanwhile is replaced by the next free one; a devid
 * the user named is not.
 */
static int create_one(struct ctl *c, unsigned domid, const char *name,
		      struct plan *p, bool any, struct ctl_err *err)
{
	struct xv_xs_dev_spec ds;
	const char *bad = NULL;
	int rc = -EEXIST;

	for (int tries = 0; tries < 8 && rc == -EEXIST; tries++) {
		if (tries > 0) {
			int d = next_free_devid(c, domid, p);

			if (d < 0)
				break;
			p->spec.devid = d;
		}
		memset(&ds, 0, sizeof(ds));
		ds.be_domid = CTL_BACKEND_DOMID;
		ds.domid = domid;
		ds.devid = (unsigned)p->spec.devid;
		snprintf(ds.profile, sizeof(ds.profile), "%s",
			 ctl_vgpu_spec_profile(&p->spec));
		ds.limits = p->lim;
		rc = xv_xs_device_create(c->xs, &ds, &bad);
		if (!any)
			break;
	}
	if (rc == -EEXIST)
		ctl_err_set(err, "%s (d%u): vgpu device %u already exists",
			    name[0] ? name : "-", domid, ds.devid);
	else if (rc == -EINVAL && bad)
		ctl_err_set(err, "d%u/%u: %s rejected by the xenstore layer",
			    domid, ds.devid, bad);
	else if (rc)
		ctl_err_set(err, "d%u/%u: cannot create nodes: %s", domid,
			    ds.devid, strerror(-rc));
	return rc;
}

/*
 * Create the planned devices of domid and wait for the backend to take
 * each (InitWait or later). All or nothing: on a failure the ones
 * created are removed again.
 */
static int add_devices(struct ctl *c, unsigned domid, const char *name,
		       struct ctl_err *err)
{
	struct ctl_vgpu_spec specs[CTL_VGPUS_MAX];
	uint8_t used[CTL_DEVID_MAX + 1];
	bool any[CTL_VGPUS_MAX];
	int rc;

	rc = ctl_dom_devids(c->xs, domid, used, NULL);
	if (rc)
		return ctl_err_set(err, "d%u: cannot list its devices: %s",
				   domid, strerror(-rc));
	for (unsigned i = 0; i < c->nplans; i++)
		specs[i] = c->plans[i].spec;
	rc = ctl_vgpu_devids_assign(specs, c->nplans, used, err);
	if (rc) {
		if (rc == -EEXIST) {
			struct ctl_err why = *err;

			ctl_err_set(err, "%s (d%u): %.400s", name, domid,
				    why.msg);
		}
		return rc;
	}
	/* All devids in the plans first: a retry must not take a later
	 * plan's. */
	for (unsigned i = 0; i < c->nplans; i++) {
		any[i] = c->plans[i].spec.devid < 0;
		c->plans[i].spec.devid = specs[i].devid;
	}
	for (unsigned i = 0; i < c->nplans; i++) {
		rc = create_one(c, domid, name, &c->plans[i], any[i], err);
		if (rc)
			goto out;
		c->plans[i].created = true;
	}
	for (unsigned i = 0; i < c->nplans; i++) {
		rc = ctl_dom_wait(
		    c->xs, domid, (unsigned)c->plans[i].spec.devid,
		    CTL_WAIT_READY, c->a.timeout_s * 1000u, NULL, err);
		if (rc)
			goto out;
	}
	for (unsigned i = 0; i < c->nplans; i++)
		printf("attached d%u/%d (%s) profile=%s\n", domid,
		       c->plans[i].spec.devid, name[0] ? name : "-",
		       ctl_vgpu_spec_profile(&c->plans[i].spec));
out:
	if (rc)
		roll_back(c, domid);
	return rc;
}

static int cmd_attach(struct ctl *c, struct ctl_err *err)
{
	static struct ctl_xlcfg cfg;
	char name[CTL_DOMAIN_NAME_MAX];
	unsigned domid;
	int rc;

	if (c->a.xlcfg) {
		rc = ctl_xlcfg_read(c->a.xlcfg, &cfg, err);
		if (rc)
			return rc;
		if (cfg.n == 0)
			return ctl_err_set(err, "%s: no vgpu entries",
					   c->a.xlcfg);
		rc = make_plans(c, cfg.vgpu, cfg.n, true, err);
	} else {
		rc = make_plans(c, &c->a.spec, 1, false, err);
	}
	if (rc)
		return rc;
	rc = open_xs(c, err);
	if (rc)
		return rc;
	rc = ctl_dom_resolve(c->xs, c->a.domain, false, &domid, name,
			     sizeof(name), err);
	if (rc)
		return rc;
	return add_devices(c, domid, name, err);
}

/*
 * The domain DOMAIN names (a gone one too, for what is left of it) and
 * which of its vgpu devices exist (used[devid]); an error when the devid
 * asked for is not one of them or it has none.
 * name must hold CTL_DOMAIN_NAME_MAX bytes.
 */
static int find_devices(struct ctl *c, unsigned *domid, char *name,
			uint8_t used[CTL_DEVID_MAX + 1], struct ctl_err *err)
{
	unsigned count = 0;
	int rc;

	rc = open_xs(c, err);
	if (rc)
		return rc;
	rc = ctl_dom_resolve(c->xs, c->a.domain, true, domid, name,
			     CTL_DOMAIN_NAME_MAX, err);
	if (rc)
		return rc;
	rc = ctl_dom_devids(c->xs, *domid, used, &count);
	if (rc)
		return ctl_err_set(err, "d%u: cannot list its devices: %s",
				   *domid, strerror(-rc));
	if (c->a.devid >= 0 && !used[c->a.devid])
		return ctl_err_set(err, "no vgpu device d%u/%d", *domid,
				   c->a.devid);
	if (count == 0)
		return ctl_err_set(err, "%s (d%u) has no vgpu devices",
				   name[0] ? name : "-", *domid);
	return 0;
}

static int cmd_detach(struct ctl *c, struct ctl_err *err)
{
	char name[CTL_DOMAIN_NAME_MAX];
	uint8_t used[CTL_DEVID_MAX + 1];
	unsigned domid;
	int rc;

	rc = find_devices(c, &domid, name, used, err);
	if (rc)
		return rc;
	for (int d = 0; d <= CTL_DEVID_MAX; d++) {
		if (!used[d] || (c->a.devid >= 0 && d != c->a.devid))
			continue;
		rc = remove_device(c, domid, (unsigned)d, err);
		if (rc)
			return rc;
		printf("detached d%u/%d (%s)\n", domid, d,
		       name[0] ? name : "-");
	}
	return 0;
}

static int cmd_create(struct ctl *c, struct ctl_err *err)
{
	static struct ctl_xlcfg cfg;
	static struct ctl_domain doms[CTL_DOMAINS_MAX];
	const char *create[] = {"create", "-p", c->a.xlcfg, NULL};
	char name[CTL_DOMAIN_NAME_MAX], id[16];
	const char *unpause[] = {"unpause", id, NULL};
	const char *destroy[] = {"destroy", id, NULL};
	unsigned domid, n = 0;
	struct ctl_err why;
	int rc;

	rc = ctl_xlcfg_read(c->a.xlcfg, &cfg, err);
	if (rc)
		return rc;
	if (!cfg.name[0])
		return ctl_err_set(err, "%s: no name = \"...\" (xl needs one)",
				   c->a.xlcfg);
	/* Every entry checked out before a domain exists. */
	rc = make_plans(c, cfg.vgpu, cfg.n, true, err);
	if (rc)
		return rc;
	rc = open_xs(c, err);
	if (rc)
		return rc;
	rc = ctl_dom_list(c->xs, doms, CTL_DOMAINS_MAX, &n, err);
	if (rc)
		return rc;
	for (unsigned i = 0; i < n; i++)
		if (strcmp(doms[i].name, cfg.name) == 0)
			return ctl_err_set(err,
					   "a domain named '%s' exists "
					   "already (d%u)",
					   cfg.name, doms[i].domid);

	rc = ctl_xl_run(create, err);
	if (rc)
		return rc;
	rc = ctl_dom_resolve(c->xs, cfg.name, false, &domid, name, sizeof(name),
			     err);
	if (rc) {
		size_t l = strlen(err->msg);

		snprintf(err->msg + l, sizeof(err->msg) - l,
			 " after xl create -p; the paused domain, if any, is "
			 "left for you to destroy");
		return rc;
	}
	snprintf(id, sizeof(id), "%u", domid);
	printf("created %s (d%u), paused\n", name, domid);
	rc = add_devices(c, domid, name, err);
	if (rc == 0)
		rc = ctl_xl_run(unpause, err);
	if (rc) {
		/* Say the first reason; the destroy is cleanup. */
		size_t l = strlen(err->msg);

		roll_back(c, domid);
		if (ctl_xl_run(destroy, &why) == 0)
			snprintf(err->msg + l, sizeof(err->msg) - l,
				 "; domain %s (d%u) destroyed", name, domid);
		else
			snprintf(err->msg + l, sizeof(err->msg) - l,
				 "; destroying d%u failed too: %.200s", domid,
				 why.msg);
		return rc;
	}
	printf("unpaused %s (d%u)\n", name, domid);
	return 0;
}

/* The name of a live domain, or "" when it is gone. */
static void domain_name(struct ctl_domain *doms, unsigned n, unsigned domid,
			char *out, size_t len)
{
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		if (doms[i].domid == domid)
			snprintf(out, len, "%s", doms[i].name);
}

static int cmd_list(struct ctl *c, struct ctl_err *err)
{
	static struct ctl_domain doms[CTL_DOMAINS_MAX];
	static unsigned ids[CTL_DOMAINS_MAX];
	unsigned n = 0, nids = 0;
	int rc;

	rc = open_xs(c, err);
	if (rc)
		return rc;
	rc = ctl_dom_list(c->xs, doms, CTL_DOMAINS_MAX, &n, err);
	if (rc)
		return rc;
	rc = ctl_dom_vgpu_domids(c->xs, ids, CTL_DOMAINS_MAX, &nids);
	if (rc)
		return ctl_err_set(err, "cannot list vgpu backends: %s",
				   strerror(-rc));
	ctl_print_list_header(stdout);
	for (unsigned i = 0; i < nids; i++) {
		uint8_t used[CTL_DEVID_MAX + 1];
		char name[CTL_DOMAIN_NAME_MAX];
		struct ctl_devinfo d;

		if (ctl_dom_devids(c->xs, ids[i], used, NULL))
			continue;
		domain_name(doms, n, ids[i], name, sizeof(name));
		for (unsigned dev = 0; dev <= CTL_DEVID_MAX; dev++) {
			if (!used[dev])
				continue;
			ctl_dom_devinfo(c->xs, ids[i], dev, name, &d);
			ctl_print_list_row(stdout, &d);
		}
	}
	return 0;
}

static int cmd_show(struct ctl *c, struct ctl_err *err)
{
	char name[CTL_DOMAIN_NAME_MAX];
	uint8_t used[CTL_DEVID_MAX + 1];
	unsigned domid;
	bool first = true;
	int rc;

	rc = find_devices(c, &domid, name, used, err);
	if (rc)
		return rc;
	for (int dev = 0; dev <= CTL_DEVID_MAX; dev++) {
		struct ctl_devinfo d;

		if (!used[dev] || (c->a.devid >= 0 && dev != c->a.devid))
			continue;
		if (!first)
			putchar('\n');
		first = false;
		ctl_dom_devinfo(c->xs, domid, (unsigned)dev, name, &d);
		ctl_print_show(stdout, &d);
	}
	return 0;
}

static int cmd_profiles(struct ctl *c, struct ctl_err *err)
{
	int rc = ctl_profiles_load(&c->ps, c->a.profiles_path, err);

	if (rc == 0)
		ctl_print_profiles(stdout, &c->ps);
	return rc;
}

int main(int argc, char **argv)
{
	static struct ctl c;
	struct ctl_err err;
	int rc = 0;

	memset(&err, 0, sizeof(err));
	if (ctl_args_parse(argc, argv, &c.a, &err)) {
		fprintf(stderr, "xenvgpu-ctl: %s\n", err.msg);
		return EXIT_USAGE;
	}
	switch (c.a.cmd) {
	case CTL_CMD_HELP:
		fputs(ctl_usage(), stdout);
		break;
	case CTL_CMD_ATTACH:
		rc = cmd_attach(&c, &err);
		break;
	case CTL_CMD_DETACH:
		rc = cmd_detach(&c, &err);
		break;
	case CTL_CMD_CREATE:
		rc = cmd_create(&c, &err);
		break;
	case CTL_CMD_LIST:
		rc = cmd_list(&c, &err);
		break;
	case CTL_CMD_SHOW:
		rc = cmd_show(&c, &err);
		break;
	case CTL_CMD_PROFILES:
		rc = cmd_profiles(&c, &err);
		break;
	case CTL_CMD_NONE:
		break;
	}
	if (c.xs)
		xs_close(c.xs);
	fflush(stdout);
	if (rc) {
		fprintf(stderr, "xenvgpu-ctl: %s\n",
			err.msg[0] ? err.msg : strerror(-rc));
		return EXIT_FAILURE;
	}
	return 0;
}
