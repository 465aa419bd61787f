/*
 * test-ctl-xlcfg.c — the vgpu entries of an xl domain config as
 * xenvgpu-ctl reads them (tools/ctl/vgpu-spec.c): real files parsed by
 * libxlutil, the parser xl uses; good entries, unknown and misspelt
 * keys, bad values, several entries, the list syntax, limits with
 * overrides, and devid assignment.
 */
#include "../../tools/ctl/ctl-vgpu-spec.h"
#include "vgpuif.h"
#include "xv-test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ctl_xlcfg cfg;
static struct ctl_err err;
static char path[64];

/* Write text to a fresh temporary file and read it as an xl config. */
static int read_cfg(const char *text)
{
	FILE *f;
	int fd, rc;

	snprintf(path, sizeof(path), "/tmp/test-ctl-xlcfg-XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	rc = ctl_xlcfg_read(path, &cfg, &err);
	unlink(path);
	return rc;
}

#define BAD_CFG(text, want)                                                 \
	do {                                                                \
		CU_ASSERT_NOT_EQUAL(read_cfg(text), 0);                     \
		if (!strstr(err.msg, want))                                 \
			printf("\n  got '%s', want '%s'\n", err.msg, want); \
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));              \
	} while (0)

static const char *const domain_cfg = "type = \"pv\"\n"
				      "name = \"guest1\"\n"
				      "kernel = \"/boot/vmlinux\"\n"
				      "memory = 128\n"
				      "vcpus = 1\n";

static void test_good_entries(void)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "%svgpu = [ 'profile=small', \"profile=large, devid=3, "
		 "max-contexts=8\",\n   'devid=1,profile=medium' ]\n",
		 domain_cfg);
	CU_ASSERT_EQUAL_FATAL(read_cfg(text), 0);
	CU_ASSERT_STRING_EQUAL(cfg.name, "guest1");
	CU_ASSERT_EQUAL_FATAL(cfg.n, 3);
	CU_ASSERT_STRING_EQUAL(cfg.vgpu[0].profile, "small");
	CU_ASSERT_EQUAL(cfg.vgpu[0].devid, -1);
	CU_ASSERT_EQUAL(cfg.vgpu[0].set, 0);
	CU_ASSERT_STRING_EQUAL(cfg.vgpu[1].profile, "large");
	CU_ASSERT_EQUAL(cfg.vgpu[1].devid, 3);
	CU_ASSERT_EQUAL(cfg.vgpu[1].set, 1u << CTL_LIM_MAX_CONTEXTS);
	CU_ASSERT_EQUAL(cfg.vgpu[1].over.max_contexts, 8);
	CU_ASSERT_STRING_EQUAL(cfg.vgpu[2].profile, "medium");
	CU_ASSERT_EQUAL(cfg.vgpu[2].devid, 1);

	/* No vgpu key: a domain without vGPUs. */
	CU_ASSERT_EQUAL(read_cfg(domain_cfg), 0);
	CU_ASSERT_EQUAL(cfg.n, 0);
	CU_ASSERT_STRING_EQUAL(cfg.name, "guest1");
	/* An empty list is a list. */
	CU_ASSERT_EQUAL(read_cfg("vgpu = [ ]\n"), 0);
	CU_ASSERT_EQUAL(cfg.n, 0);
	CU_ASSERT_STRING_EQUAL(cfg.name, "");
	/* A trailing comma in the list is xl syntax. */
	CU_ASSERT_EQUAL(read_cfg("vgpu = [ 'profile=a', ]\n"), 0);
	CU_ASSERT_EQUAL(cfg.n, 1);
	/* Overrides of every kind, features with '+'. */
	CU_ASSERT_EQUAL_FATAL(read_cfg("vgpu = ['max-queued-bytes=8M, "
				       "features=holdoff+nosnoop, "
				       "oos-pages=0']\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.vgpu[0].over.max_queued_bytes, 8u << 20);
	CU_ASSERT_EQUAL(cfg.vgpu[0].over.features,
			XV_FEATURE_HOLDOFF | XV_FEATURE_NOSNOOP);
	CU_ASSERT_STRING_EQUAL(ctl_vgpu_spec_profile(&cfg.vgpu[0]),
			       CTL_DEFAULT_PROFILE);
}

static void test_unknown_and_misspelt(void)
{
	BAD_CFG("vgpu = [ 'profle=small' ]\n",
		"vgpu entry 1 ('profle=small'): unknown vgpu key 'profle' "
		"(did you mean 'profile'?)");
	BAD_CFG("vgpu = [ 'profile=small', 'devld=2' ]\n",
		"vgpu entry 2 ('devld=2'): unknown vgpu key 'devld' (did you "
		"mean 'devid'?)");
	BAD_CFG("vgpu = [ 'profile=small, max-context=2' ]\n",
		"unknown vgpu key 'max-context' (did you mean "
		"'max-contexts'?)");
	BAD_CFG("vgpu = [ 'profile=small, colour=red' ]\n",
		"unknown vgpu key 'colour' (known: profile, devid");
	BAD_CFG("vgpu = [ 'profile=small, features=holdof' ]\n",
		"unknown feature 'holdof' (did you mean 'holdoff'?)");
}

static void test_bad_values(void)
{
	BAD_CFG("vgpu = [ 'devid=256' ]\n",
		"devid: 256 is out of range 0..255");
	BAD_CFG("vgpu = [ 'devid=-1' ]\n", "devid: '-1' is not a decimal");
	BAD_CFG("vgpu = [ 'devid=' ]\n", "devid: no value");
	BAD_CFG("vgpu = [ 'profile=sm all' ]\n", "profile: bad name 'sm all'");
	BAD_CFG("vgpu = [ 'profile=a, profile=b' ]\n", "profile given twice");
	BAD_CFG("vgpu = [ 'devid=1, devid=1' ]\n", "devid given twice");
	BAD_CFG("vgpu = [ 'max-contexts=1, max-contexts=2' ]\n",
		"max-contexts given twice");
	BAD_CFG("vgpu = [ 'max-contexts=lots' ]\n",
		"max-contexts: 'lots' is not a decimal number");
	BAD_CFG("vgpu = [ 'pasid-width=30' ]\n", "out of range 1..20");
	BAD_CFG("vgpu = [ 'profile' ]\n", "expected key=value, got 'profile'");
	BAD_CFG("vgpu = [ '' ]\n", "vgpu entry 1 (''): empty vgpu entry");
	BAD_CFG("vgpu = [ 'profile=a,,devid=1' ]\n", "empty item");
	BAD_CFG("vgpu = [ 'profile=a,' ]\n", "empty item");
	BAD_CFG("vgpu = [ '=3' ]\n", "missing or bad key");
	BAD_CFG("vgpu = [ 'devid=1', 'devid=1' ]\n",
		"vgpu entries 1 and 2 both use devid 1");
}

static void test_list_syntax(void)
{
	/* Not a list: xl's own keys would reject it too. */
	BAD_CFG("vgpu = 'profile=small'\n",
		"vgpu must be a list of strings, e.g. vgpu = [ "
		"'profile=small' ]");
	/* An unquoted entry is a syntax error of the whole file. */
	CU_ASSERT_NOT_EQUAL(read_cfg("vgpu = [ profile=small ]\n"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "syntax error"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
	CU_ASSERT_NOT_EQUAL(read_cfg("vgpu = [ 'profile=small'\n"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "syntax error"));
	/* A nested list is not a string. */
	BAD_CFG("vgpu = [ 'profile=a', [ 'profile=b' ] ]\n",
		"vgpu entry 2 is not a string");
	/* Too many entries. */
	{
		char text[1024] = "vgpu = [";

		for (int i = 0; i <= CTL_VGPUS_MAX; i++)
			strcat(text, "'profile=a',");
		strcat(text, "]\n");
		BAD_CFG(text, "17 vgpu entries, at most 16");
	}
	BAD_CFG("name = [ 'a' ]\n", "name must be a string");
	/* A missing file. */
	CU_ASSERT_NOT_EQUAL(
	    ctl_xlcfg_read("/nonexistent/guest.cfg", &cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "cannot read xl config "
					"/nonexistent/guest.cfg: No such file "
					"or directory");
	/* libxlutil would exit() on a directory: refused before that. */
	CU_ASSERT_NOT_EQUAL(ctl_xlcfg_read("/tmp", &cfg, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "xl config /tmp is not a regular file");
}

static void test_limits_with_overrides(void)
{
	static const char profiles[] = "[default]\n"
				       "[small]\nmax-contexts = 4\n"
				       "pasid-width = 5\nmax-pasids = 4\n";
	struct ctl_profiles ps;
	struct ctl_vgpu_spec spec;
	struct xv_limits lim, dflt;

	CU_ASSERT_EQUAL_FATAL(
	    ctl_profiles_parse(&ps, profiles, strlen(profiles), "p.conf", &err),
	    0);
	ctl_limits_default(&dflt);

	CU_ASSERT_EQUAL_FATAL(ctl_vgpu_spec_parse(&spec, "profile=small", &err),
			      0);
	CU_ASSERT_EQUAL(ctl_vgpu_spec_limits(&spec, &ps, "p.conf", &lim, &err),
			0);
	CU_ASSERT_EQUAL(lim.max_contexts, 4);
	CU_ASSERT_EQUAL(lim.max_pasids, 4);
	CU_ASSERT_EQUAL(lim.sched_weight, dflt.sched_weight);

	CU_ASSERT_EQUAL_FATAL(ctl_vgpu_spec_parse(&spec,
						  "profile=small, "
						  "max-contexts=2, "
						  "sched-weight=7",
						  &err),
			      0);
	CU_ASSERT_EQUAL(ctl_vgpu_spec_limits(&spec, &ps, "p.conf", &lim, &err),
			0);
	CU_ASSERT_EQUAL(lim.max_contexts, 2);
	CU_ASSERT_EQUAL(lim.sched_weight, 7);
	CU_ASSERT_EQUAL(lim.max_pasids, 4);
	CU_ASSERT_EQUAL(lim.pasid_width, 5);

	/* The overrides are held to the rules between keys too. */
	CU_ASSERT_EQUAL_FATAL(ctl_vgpu_spec_parse(&spec,
						  "profile=small, "
						  "max-pasids=40",
						  &err),
			      0);
	CU_ASSERT_NOT_EQUAL(
	    ctl_vgpu_spec_limits(&spec, &ps, "p.conf", &lim, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "profile 'small' with the overrides: "
					"max-pasids 40 does not fit "
					"pasid-width 5 (at most 31)");

	/* No profile named: "default". Unknown: named with a suggestion. */
	CU_ASSERT_EQUAL_FATAL(ctl_vgpu_spec_parse(&spec, "devid=2", &err), 0);
	CU_ASSERT_EQUAL(ctl_vgpu_spec_limits(&spec, &ps, "p.conf", &lim, &err),
			0);
	CU_ASSERT_EQUAL(memcmp(&lim, &dflt, sizeof(lim)), 0);
	CU_ASSERT_EQUAL_FATAL(ctl_vgpu_spec_parse(&spec, "profile=smal", &err),
			      0);
	CU_ASSERT_EQUAL(ctl_vgpu_spec_limits(&spec, &ps, "p.conf", &lim, &err),
			-ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "unknown profile 'smal' in p.conf "
					"(did you mean 'small'?)");
}

static void test_devid_assignment(void)
{
	struct ctl_vgpu_spec v[4];
	uint8_t used[CTL_DEVID_MAX + 1];

	memset(used, 0, sizeof(used));
	for (int i = 0; i < 4; i++)
		ctl_vgpu_spec_init(&v[i]);
	used[0] = 1;
	v[1].devid = 1;
	CU_ASSERT_EQUAL(ctl_vgpu_devids_assign(v, 4, used, &err), 0);
	/* 0 is in use, 1 is asked for: the others get 2, 3, 4. */
	CU_ASSERT_EQUAL(v[0].devid, 2);
	CU_ASSERT_EQUAL(v[1].devid, 1);
	CU_ASSERT_EQUAL(v[2].devid, 3);
	CU_ASSERT_EQUAL(v[3].devid, 4);

	ctl_vgpu_spec_init(&v[0]);
	v[0].devid = 0;
	CU_ASSERT_EQUAL(ctl_vgpu_devids_assign(v, 1, used, &err), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err.msg, "vgpu device 0 already exists");

	v[0].devid = 5;
	v[1].devid = 5;
	CU_ASSERT_EQUAL(ctl_vgpu_devids_assign(v, 2, used, &err), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err.msg, "devid 5 is given twice");

	memset(used, 1, sizeof(used));
	used[CTL_DEVID_MAX] = 0;
	ctl_vgpu_spec_init(&v[0]);
	ctl_vgpu_spec_init(&v[1]);
	CU_ASSERT_EQUAL(ctl_vgpu_devids_assign(v, 1, used, &err), 0);
	CU_ASSERT_EQUAL(v[0].devid, CTL_DEVID_MAX);
	ctl_vgpu_spec_init(&v[0]);
	CU_ASSERT_EQUAL(ctl_vgpu_devids_assign(v, 2, used, &err), -ENOSPC);
}

static const struct xv_test_case xlcfg_cases[] = {
    {"good entries", test_good_entries},
    {"unknown and misspelt keys", test_unknown_and_misspelt},
    {"bad values", test_bad_values},
    {"list syntax", test_list_syntax},
    {"limits with overrides", test_limits_with_overrides},
    {"devid assignment", test_devid_assignment},
    {NULL, NULL},
};

static const struct xv_test_suite xlcfg_suite = {
    .name = "ctl-xlcfg",
    .cases = xlcfg_cases,
};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&xlcfg_suite,
							     NULL};

	return xv_test_main(suites);
}
