/*
 * test-ctl-args.c — the command line of xenvgpu-ctl (tools/ctl/args.c),
 * DOMAIN resolution against a domain list, and the number and typo
 * helpers (tools/ctl/util.c) they rest on.
 */
#include "../../tools/ctl/ctl-args.h"
#include "xv-test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct ctl_args a;
static struct ctl_err err;

/* Parse a NULL-terminated list of words after the program name. */
static int run(const char *w0, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	const char *w = w0;

	argv[argc++] = (char *)"xenvgpu-ctl";
	va_start(ap, w0);
	while (w && argc < 31) {
		argv[argc++] = (char *)w;
		w = va_arg(ap, const char *);
	}
	va_end(ap);
	argv[argc] = NULL;
	memset(&err, 0, sizeof(err));
	return ctl_args_parse(argc, argv, &a, &err);
}

#define BAD_ARGS(want, ...)                                                 \
	do {                                                                \
		CU_ASSERT_NOT_EQUAL(run(__VA_ARGS__, NULL), 0);             \
		if (!strstr(err.msg, want))                                 \
			printf("\n  got '%s', want '%s'\n", err.msg, want); \
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));              \
	} while (0)

static void test_commands(void)
{
	CU_ASSERT_EQUAL(run("list", NULL), 0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_LIST);
	CU_ASSERT_STRING_EQUAL(a.profiles_path, CTL_PROFILES_DEFAULT_PATH);
	CU_ASSERT_EQUAL(a.timeout_s, CTL_TIMEOUT_DEFAULT);

	CU_ASSERT_EQUAL(run("-P", "/x/p.conf", "-t", "5", "attach", "guest1",
			    "profile=small", "devid=2", "max-contexts=3", NULL),
			0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_ATTACH);
	CU_ASSERT_STRING_EQUAL(a.profiles_path, "/x/p.conf");
	CU_ASSERT_EQUAL(a.timeout_s, 5);
	CU_ASSERT_STRING_EQUAL(a.domain, "guest1");
	CU_ASSERT_PTR_NULL(a.xlcfg);
	CU_ASSERT_STRING_EQUAL(a.spec.profile, "small");
	CU_ASSERT_EQUAL(a.spec.devid, 2);
	CU_ASSERT_EQUAL(a.spec.over.max_contexts, 3);

	/* Bare attach: default profile, any devid. */
	CU_ASSERT_EQUAL(run("attach", "7", NULL), 0);
	CU_ASSERT_STRING_EQUAL(a.domain, "7");
	CU_ASSERT_EQUAL(a.spec.devid, -1);
	CU_ASSERT_EQUAL(a.spec.profile[0], '\0');

	CU_ASSERT_EQUAL(run("attach", "guest1", "-c", "/etc/xen/g.cfg", NULL),
			0);
	CU_ASSERT_STRING_EQUAL(a.xlcfg, "/etc/xen/g.cfg");
	CU_ASSERT_EQUAL(run("attach", "guest1", "--config", "g.cfg", NULL), 0);
	CU_ASSERT_STRING_EQUAL(a.xlcfg, "g.cfg");

	CU_ASSERT_EQUAL(run("create", "g.cfg", NULL), 0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_CREATE);
	CU_ASSERT_STRING_EQUAL(a.xlcfg, "g.cfg");

	CU_ASSERT_EQUAL(run("detach", "guest1", NULL), 0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_DETACH);
	CU_ASSERT_EQUAL(a.devid, -1);
	CU_ASSERT_EQUAL(run("detach", "guest1", "3", NULL), 0);
	CU_ASSERT_EQUAL(a.devid, 3);
	CU_ASSERT_EQUAL(run("show", "5", "0", NULL), 0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_SHOW);
	CU_ASSERT_EQUAL(a.devid, 0);
	CU_ASSERT_EQUAL(run("profiles", NULL), 0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_PROFILES);
	CU_ASSERT_EQUAL(run("help", NULL), 0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_HELP);
	CU_ASSERT_EQUAL(run("-h", "garbage", NULL), 0);
	CU_ASSERT_EQUAL(a.cmd, CTL_CMD_HELP);
	CU_ASSERT_PTR_NOT_NULL(strstr(ctl_usage(), "attach DOMAIN"));
}

static void test_usage_errors(void)
{
	CU_ASSERT_NOT_EQUAL(run(NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no command"));
	BAD_ARGS("unknown command 'atach' (did you mean 'attach'?)", "atach");
	BAD_ARGS("unknown command 'frobnicate'", "frobnicate");
	BAD_ARGS("unknown option '-x'", "-x", "list");
	BAD_ARGS("-P needs a value", "-P");
	BAD_ARGS("-t: '0' is not a number of seconds", "-t", "0", "list");
	BAD_ARGS("-t: '3601' is not", "-t", "3601", "list");
	BAD_ARGS("-t: 'soon' is not", "-t", "soon", "list");
	BAD_ARGS("list takes no arguments", "list", "extra");
	BAD_ARGS("usage: create XLCFG", "create");
	BAD_ARGS("usage: create XLCFG", "create", "a", "b");
	BAD_ARGS("usage: attach DOMAIN", "attach");
	BAD_ARGS("usage: attach DOMAIN", "attach", "profile=small");
	BAD_ARGS("expected KEY=VALUE, got 'small' (to read an xl config, use "
		 "-c FILE)",
		 "attach", "g", "small");
	BAD_ARGS("unknown vgpu key 'profil' (did you mean 'profile'?)",
		 "attach", "g", "profil=small");
	BAD_ARGS("devid: 300 is out of range", "attach", "g", "devid=300");
	BAD_ARGS("not both", "attach", "g", "-c", "x.cfg", "profile=a");
	BAD_ARGS("-c given twice", "attach", "g", "-c", "x", "-c", "y");
	BAD_ARGS("-c needs an xl config file", "attach", "g", "-c");
	BAD_ARGS("attach: unknown option '-f'", "attach", "g", "-f", "x");
	BAD_ARGS("usage: detach DOMAIN [DEVID]", "detach");
	BAD_ARGS("usage: detach DOMAIN [DEVID]", "detach", "g", "1", "2");
	BAD_ARGS("bad DEVID 'x' (0..255)", "detach", "g", "x");
	BAD_ARGS("bad DEVID '256'", "show", "g", "256");
}

static const struct ctl_domain doms[] = {
    {0, "Domain-0"}, {3, "guest1"}, {7, "guest2"}, {9, "twin"}, {10, "twin"},
};

static void test_domain_resolve(void)
{
	unsigned id = 99;

	CU_ASSERT_EQUAL(ctl_domain_resolve("guest1", doms, 5, &id, &err), 0);
	CU_ASSERT_EQUAL(id, 3);
	CU_ASSERT_EQUAL(ctl_domain_resolve("7", doms, 5, &id, &err), 0);
	CU_ASSERT_EQUAL(id, 7);
	CU_ASSERT_EQUAL(ctl_domain_resolve("0", doms, 5, &id, &err), 0);
	CU_ASSERT_EQUAL(id, 0);
	CU_ASSERT_EQUAL(ctl_domain_resolve("8", doms, 5, &id, &err), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "no domain with id 8");
	CU_ASSERT_EQUAL(ctl_domain_resolve("guest3", doms, 5, &id, &err),
			-ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "no domain named 'guest3' (did you "
					"mean 'guest1'?)");
	CU_ASSERT_EQUAL(ctl_domain_resolve("web", doms, 5, &id, &err), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "no domain named 'web'");
	CU_ASSERT_EQUAL(ctl_domain_resolve("twin", doms, 5, &id, &err),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "ids 9 and 10"));
	/* "07" is not an id (strict decimal), and no domain has that name. */
	CU_ASSERT_EQUAL(ctl_domain_resolve("07", doms, 5, &id, &err), -ENOENT);
	CU_ASSERT_EQUAL(ctl_domain_resolve("x", doms, 0, &id, &err), -ENOENT);
}

static void test_numbers_and_typos(void)
{
	uint32_t v;
	uint64_t s;

	CU_ASSERT_EQUAL(ctl_parse_u32("0", 10, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(ctl_parse_u32("4294967295", UINT32_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT32_MAX);
	CU_ASSERT_EQUAL(ctl_parse_u32("4294967296", UINT32_MAX, &v), -ERANGE);
	CU_ASSERT_EQUAL(ctl_parse_u32("11", 10, &v), -ERANGE);
	CU_ASSERT_EQUAL(ctl_parse_u32("", 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(ctl_parse_u32("+1", 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(ctl_parse_u32(" 1", 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(ctl_parse_u32("01", 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(ctl_parse_size("4K", UINT32_MAX, &s), 0);
	CU_ASSERT_EQUAL(s, 4096);
	CU_ASSERT_EQUAL(ctl_parse_size("3g", UINT32_MAX, &s), 0);
	CU_ASSERT_EQUAL(s, 3ull << 30);
	CU_ASSERT_EQUAL(ctl_parse_size("4G", UINT32_MAX, &s), -ERANGE);
	CU_ASSERT_EQUAL(ctl_parse_size("K", UINT32_MAX, &s), -EINVAL);
	CU_ASSERT_EQUAL(ctl_parse_size("1KB", UINT32_MAX, &s), -EINVAL);
	CU_ASSERT_EQUAL(ctl_parse_size("17179869184G", UINT64_MAX, &s),
			-ERANGE);

	CU_ASSERT_EQUAL(ctl_edit_distance("", ""), 0);
	CU_ASSERT_EQUAL(ctl_edit_distance("kitten", "sitting"), 3);
	CU_ASSERT_EQUAL(ctl_edit_distance("devid", "devld"), 1);
	CU_ASSERT_EQUAL(ctl_edit_distance("abc", ""), 3);
	{
		static const char *const c[] = {"profile", "devid",
						"max-contexts"};

		CU_ASSERT_STRING_EQUAL(ctl_closest("porfile", c, 3), "profile");
		CU_ASSERT_STRING_EQUAL(ctl_closest("max-cont", c, 3),
				       "max-contexts");
		CU_ASSERT_PTR_NULL(ctl_closest("colour", c, 3));
		/* Short words need a closer match: "dev" is not "devid". */
		CU_ASSERT_PTR_NULL(ctl_closest("id", c, 3));
		CU_ASSERT_PTR_NULL(ctl_closest("x", c, 0));
	}
}

static const struct xv_test_case args_cases[] = {
    {"commands and options", test_commands},
    {"usage errors", test_usage_errors},
    {"domain names and ids", test_domain_resolve},
    {"numbers and typo suggestions", test_numbers_and_typos},
    {NULL, NULL},
};

static const struct xv_test_suite args_suite = {
    .name = "ctl-args",
    .cases = args_cases,
};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&args_suite, NULL};

	return xv_test_main(suites);
}
