/*
 * ctl-args.h — the command line of xenvgpu-ctl, and matching a DOMAIN
 * argument (a name or a numeric id) against the domains that exist.
 *
 *   xenvgpu-ctl [-P PROFILES] [-t SECONDS] COMMAND [ARGS]
 *     attach DOMAIN [KEY=VALUE...]
 *     attach DOMAIN -c XLCFG
 *     detach DOMAIN [DEVID]
 *     create XLCFG
 *     list
 *     show DOMAIN [DEVID]
 *     profiles
 *     help
 *
 * Pure: no Xen, so the unit tests drive it with made-up argv and
 * domain lists.
 */
#ifndef XV_CTL_ARGS_H
#define XV_CTL_ARGS_H

#include "ctl-vgpu-spec.h"

#define CTL_TIMEOUT_DEFAULT 30 /* seconds to wait for the backend */
#define CTL_TIMEOUT_MAX	    3600

enum ctl_cmd {
	CTL_CMD_NONE,
	CTL_CMD_HELP,
	CTL_CMD_ATTACH,
	CTL_CMD_DETACH,
	CTL_CMD_CREATE,
	CTL_CMD_LIST,
	CTL_CMD_SHOW,
	CTL_CMD_PROFILES,
};

struct ctl_args {
	enum ctl_cmd cmd;
	const char *profiles_path; /* -P, else CTL_PROFILES_DEFAULT_PATH */
	unsigned timeout_s;	   /* -t */
	const char *domain;	   /* attach, detach, show */
	const char *xlcfg;	   /* create, attach -c */
	int devid;		   /* detach, show: -1 = all */
	struct ctl_vgpu_spec spec; /* attach KEY=VALUE... */
};

/* The usage text (several lines). */
const char *ctl_usage(void);

/*
 * Parse argv (argv[0] is the program). 0, or -EINVAL with err saying what
 * is wrong (a usage error: main exits 2).
 */
int ctl_args_parse(int argc, char *const *argv, struct ctl_args *a,
		   struct ctl_err *err);

/* A domain as xenstore lists it. */
struct ctl_domain {
	unsigned domid;
	char name[CTL_DOMAIN_NAME_MAX];
};

/*
 * Resolve arg, a decimal domain id or a domain name, among doms. 0 with
 * *domid set, -ENOENT (no such domain; err names it and a close name if
 * any) or -EINVAL (two domains with that name).
 */
int ctl_domain_resolve(const char *arg, const struct ctl_domain *doms,
		       unsigned n, unsigned *domid, struct ctl_err *err);

#endif /* XV_CTL_ARGS_H */
