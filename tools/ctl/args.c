/*
 * args.c — command-line parsing of xenvgpu-ctl and DOMAIN resolution.
 * Global options come before the command; everything after the command
 * belongs to it (so a KEY=VALUE can never be taken for an option).
 */
#include "ctl-args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum ctl_cmd cmd;
} commands[] = {
    {"attach", CTL_CMD_ATTACH}, {"detach", CTL_CMD_DETACH},
    {"create", CTL_CMD_CREATE}, {"list", CTL_CMD_LIST},
    {"show", CTL_CMD_SHOW},	{"profiles", CTL_CMD_PROFILES},
    {"help", CTL_CMD_HELP},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *ctl_usage(void)
{
	return "usage: xenvgpu-ctl [-P PROFILES] [-t SECONDS] COMMAND "
	       "[ARGS]\n"
	       "  attach DOMAIN [KEY=VALUE...]  attach one vGPU (keys: "
	       "profile, devid,\n"
	       "                                and any profile key as an "
	       "override)\n"
	       "  attach DOMAIN -c XLCFG        attach the vgpu entries of "
	       "an xl config\n"
	       "  detach DOMAIN [DEVID]         detach one vGPU, or all of "
	       "the domain's\n"
	       "  create XLCFG                  xl create -p, attach the vgpu "
	       "entries,\n"
	       "                                wait for the backend, xl "
	       "unpause\n"
	       "  list                          every vGPU, one line each\n"
	       "  show DOMAIN [DEVID]           details and the last error\n"
	       "  profiles                      the profiles of the profiles "
	       "file\n"
	       "options:\n"
	       "  -P FILE     profiles file (default " CTL_PROFILES_DEFAULT_PATH
	       ")\n"
	       "  -t SECONDS  how long to wait for the backend (default 30)\n"
	       "environment: XENVGPU_XL is the xl binary "
	       "(default /usr/lib/xen-4.17/bin/xl, then xl in PATH)\n";
}

static int want_devid(const char *s, int *devid, struct ctl_err *err)
{
	uint32_t v;

	if (ctl_parse_u32(s, CTL_DEVID_MAX, &v))
		return ctl_err_set(err, "bad DEVID '%s' (0..%d)", s,
				   CTL_DEVID_MAX);
	*devid = (int)v;
	return 0;
}

static int parse_attach(int argc, char *const *argv, int i, struct ctl_args *a,
			struct ctl_err *err)
{
	int nkv = 0;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) {
			if (a->xlcfg)
				return ctl_err_set(err, "-c given twice");
			if (i + 1 >= argc)
				return ctl_err_set(err, "-c needs an xl config "
							"file");
			a->xlcfg = argv[++i];
			continue;
		}
		if (argv[i][0] == '-')
			return ctl_err_set(err, "attach: unknown option '%s'",
					   argv[i]);
		if (!strchr(argv[i], '='))
			return ctl_err_set(err,
					   "attach: expected KEY=VALUE, got "
					   "'%s' (to read an xl config, use "
					   "-c FILE)",
					   argv[i]);
		if (ctl_vgpu_spec_add(&a->spec, argv[i], err))
			return -EINVAL;
		nkv++;
	}
	if (a->xlcfg && nkv)
		return ctl_err_set(err, "attach: give KEY=VALUE words or -c "
					"XLCFG, not both");
	return 0;
}

int ctl_args_parse(int argc, char *const *argv, struct ctl_args *a,
		   struct ctl_err *err)
{
	const char *names[NCOMMANDS];
	int i = 1;
	uint32_t t;

	memset(a, 0, sizeof(*a));
	a->profiles_path = CTL_PROFILES_DEFAULT_PATH;
	a->timeout_s = CTL_TIMEOUT_DEFAULT;
	a->devid = -1;
	ctl_vgpu_spec_init(&a->spec);

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			a->cmd = CTL_CMD_HELP;
			return 0;
		}
		if (strcmp(o, "-P") != 0 && strcmp(o, "-t") != 0)
			return ctl_err_set(err, "unknown option '%s'", o);
		if (i + 1 >= argc)
			return ctl_err_set(err, "%s needs a value", o);
		if (strcmp(o, "-P") == 0) {
			a->profiles_path = argv[++i];
			continue;
		}
		if (ctl_parse_u32(argv[++i], CTL_TIMEOUT_MAX, &t) || t == 0)
			return ctl_err_set(err,
					   "-t: '%s' is not a number of "
					   "seconds 1..%d",
					   argv[i], CTL_TIMEOUT_MAX);
		a->timeout_s = t;
	}
	if (i >= argc)
		return ctl_err_set(err, "no command (try: xenvgpu-ctl help)");
	for (unsigned c = 0; c < NCOMMANDS; c++) {
		names[c] = commands[c].name;
		if (strcmp(argv[i], commands[c].name) == 0)
			a->cmd = commands[c].cmd;
	}
	if (a->cmd == CTL_CMD_NONE) {
		const char *near = ctl_closest(argv[i], names, NCOMMANDS);

		if (near)
			return ctl_err_set(err,
					   "unknown command '%s' (did you "
					   "mean '%s'?)",
					   argv[i], near);
		return ctl_err_set(err,
				   "unknown command '%s' (try: "
				   "xenvgpu-ctl help)",
				   argv[i]);
	}
	i++;

	switch (a->cmd) {
	case CTL_CMD_HELP:
	case CTL_CMD_LIST:
	case CTL_CMD_PROFILES:
		if (i < argc)
			return ctl_err_set(err, "%s takes no arguments",
					   argv[i - 1]);
		return 0;
	case CTL_CMD_CREATE:
		if (argc - i != 1)
			return ctl_err_set(err, "usage: create XLCFG");
		a->xlcfg = argv[i];
		return 0;
	case CTL_CMD_ATTACH:
		if (i >= argc || argv[i][0] == '-' || strchr(argv[i], '='))
			return ctl_err_set(err, "usage: attach DOMAIN "
						"[KEY=VALUE...] | attach "
						"DOMAIN -c XLCFG");
		a->domain = argv[i];
		return parse_attach(argc, argv, i + 1, a, err);
	case CTL_CMD_DETACH:
	case CTL_CMD_SHOW:
		if (i >= argc || argc - i > 2)
			return ctl_err_set(err, "usage: %s DOMAIN [DEVID]",
					   argv[i - 1]);
		a->domain = argv[i];
		if (argc - i == 2)
			return want_devid(argv[i + 1], &a->devid, err);
		return 0;
	case CTL_CMD_NONE:
		break;
	}
	return ctl_err_set(err, "no command");
}

int ctl_domain_resolve(const char *arg, const struct ctl_domain *doms,
		       unsigned n, unsigned *domid, struct ctl_err *err)
{
	const char *names[64];
	unsigned nnames = 0;
	int found = -1;
	uint32_t id;

	if (ctl_parse_u32(arg, UINT32_MAX, &id) == 0) {
		for (unsigned i = 0; i < n; i++)
			if (doms[i].domid == id) {
				*domid = id;
				return 0;
			}
		ctl_err_set(err, "no domain with id %s", arg);
		return -ENOENT;
	}
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(doms[i].name, arg) != 0)
			continue;
		if (found >= 0)
			return ctl_err_set(err,
					   "two domains are named '%s' (ids "
					   "%u and %u): use the id",
					   arg, doms[found].domid,
					   doms[i].domid);
		found = (int)i;
	}
	if (found >= 0) {
		*domid = doms[found].domid;
		return 0;
	}
	for (unsigned i = 0; i < n && nnames < 64; i++)
		if (doms[i].name[0])
			names[nnames++] = doms[i].name;
	{
		const char *near = ctl_closest(arg, names, nnames);

		if (near)
			ctl_err_set(err,
				    "no domain named '%s' (did you mean "
				    "'%s'?)",
				    arg, near);
		else
			ctl_err_set(err, "no domain named '%s'", arg);
	}
	return -ENOENT;
}
