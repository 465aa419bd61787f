/*
 * test-ctl-profile.c — the profiles file of xenvgpu-ctl (tools/ctl/
 * profile.c) and the limit keys it sets (tools/ctl/limits.c): good files,
 * every kind of bad line with its FILE:LINE message, ranges and the rules
 * between keys, and the shipped tools/etc/xenvgpu/profiles.conf.
 */
#include "../../tools/ctl/ctl-profile.h"
#include "vgpuif.h"
#include "xv-test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ctl_profiles ps;
static struct ctl_err err;

static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	return ctl_profiles_parse(&ps, text, strlen(text), "p.conf", &err);
}

/* The parse fails and the message contains want. */
#define BAD(text, want)                                                     \
	do {                                                                \
		CU_ASSERT_NOT_EQUAL(parse(text), 0);                        \
		if (!strstr(err.msg, want))                                 \
			printf("\n  got '%s', want '%s'\n", err.msg, want); \
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want));              \
	} while (0)

static void test_good_file(void)
{
	const char *text = "# vGPU profiles\n"
			   "\n"
			   "[small]\n"
			   "  max-contexts = 4\n"
			   "max-pinned-pages=16384\n"
			   "pasid-width = 5\r\n"
			   "max-pasids = 31\n"
			   "max-queued-bytes = 1M\n"
			   "max-cmd-bytes = 64k\n"
			   "max-ring-page-order = 0\n"
			   "sched-weight = 50\n"
			   "features = holdoff, nosnoop\n"
			   "oos-pages = 0\n"
			   "; another comment\n"
			   "[ big ]\n"
			   "features = all\n"
			   "max-queued-bytes = 1G\n"
			   "max-cmd-bytes = 1048576\n";
	const struct ctl_profile *p;
	struct xv_limits dflt;

	CU_ASSERT_EQUAL_FATAL(parse(text), 0);
	CU_ASSERT_EQUAL(ps.n, 2);
	p = ctl_profile_find(&ps, "small");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->line, 3);
	CU_ASSERT_EQUAL(p->limits.max_contexts, 4);
	CU_ASSERT_EQUAL(p->limits.max_pinned_pages, 16384);
	CU_ASSERT_EQUAL(p->limits.pasid_width, 5);
	CU_ASSERT_EQUAL(p->limits.max_pasids, 31);
	CU_ASSERT_EQUAL(p->limits.max_queued_bytes, 1u << 20);
	CU_ASSERT_EQUAL(p->limits.max_cmd_bytes, 64u << 10);
	CU_ASSERT_EQUAL(p->limits.ring_order_max, 0);
	CU_ASSERT_EQUAL(p->limits.sched_weight, 50);
	CU_ASSERT_EQUAL(p->limits.features,
			XV_FEATURE_HOLDOFF | XV_FEATURE_NOSNOOP);
	CU_ASSERT_EQUAL(p->limits.oos_pages, 0);

	/* Keys left out take the defaults. */
	ctl_limits_default(&dflt);
	p = ctl_profile_find(&ps, "big");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->limits.features, XV_FEATURE_ALL);
	CU_ASSERT_EQUAL(p->limits.max_queued_bytes, 1u << 30);
	CU_ASSERT_EQUAL(p->limits.max_contexts, dflt.max_contexts);
	CU_ASSERT_EQUAL(p->limits.pasid_width, dflt.pasid_width);
	CU_ASSERT_EQUAL(p->limits.oos_pages, dflt.oos_pages);
	CU_ASSERT_PTR_NULL(ctl_profile_find(&ps, "medium"));
	CU_ASSERT_EQUAL(ctl_limits_check(&dflt, &err), 0);
}

static void test_bad_lines(void)
{
	BAD("[a]\nmax-context = 4\n",
	    "p.conf:2: unknown key 'max-context' (did you mean "
	    "'max-contexts'?)");
	BAD("[a]\n\nsched-wieght = 4\n", "p.conf:3: unknown key "
					 "'sched-wieght' (did you mean "
					 "'sched-weight'?)");
	BAD("[a]\ncolour = blue\n", "p.conf:2: unknown key 'colour'");
	BAD("max-contexts = 4\n[a]\n", "p.conf:1: 'max-contexts' outside a "
				       "profile");
	BAD("[a]\nmax-contexts 4\n", "p.conf:2: expected '[profile]' or "
				     "'key = value'");
	BAD("[a]\nmax-contexts =\n", "p.conf:2: 'max-contexts' has no value");
	BAD("[a]\n= 4\n", "p.conf:2: bad or missing key");
	BAD("[a\n", "p.conf:1: missing ']'");
	BAD("[]\n", "p.conf:1: bad profile name");
	BAD("[a b]\n", "p.conf:1: bad profile name 'a b'");
	BAD("[-a]\n", "p.conf:1: bad profile name");
	/* The xenstore layer's rule: lower case only. */
	BAD("[Small]\n", "p.conf:1: bad profile name 'Small'");
	BAD("[a.b]\n", "p.conf:1: bad profile name 'a.b'");
	BAD("[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n", "bad profile name");
	BAD("[a]\n[b]\n[a]\n", "p.conf:3: profile 'a' defined twice (first "
			       "at line 1)");
	BAD("[a]\nmax-contexts = 4\nmax-contexts = 5\n",
	    "p.conf:3: 'max-contexts' set twice (first at line 2)");
	BAD("", "p.conf: no profiles defined");
	BAD("# only a comment\n\n", "no profiles defined");
	CU_ASSERT_NOT_EQUAL(
	    ctl_profiles_parse(&ps, "[a]\0\n", 5, "p.conf", &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "p.conf:1: NUL byte"));
	{
		char longline[1200];

		memset(longline, 'x', sizeof(longline));
		memcpy(longline, "[a]\n", 4);
		longline[sizeof(longline) - 1] = '\0';
		BAD(longline, "p.conf:2: line longer than");
	}
	/* Every key twice over a different section is fine. */
	CU_ASSERT_EQUAL(parse("[a]\nmax-contexts=1\n[b]\nmax-contexts=2\n"), 0);
	/* No trailing newline, CRLF. */
	CU_ASSERT_EQUAL(parse("[a]\r\nmax-contexts=3"), 0);
	CU_ASSERT_EQUAL(ps.p[0].limits.max_contexts, 3);
}

static void test_values_and_ranges(void)
{
	BAD("[a]\nmax-contexts = 0\n",
	    "p.conf:2: max-contexts: 0 is out of range 1..4096");
	BAD("[a]\nmax-contexts = 4097\n", "out of range 1..4096");
	BAD("[a]\nmax-contexts = -1\n", "'-1' is not a decimal number");
	BAD("[a]\nmax-contexts = 0x10\n", "is not a decimal number");
	BAD("[a]\nmax-contexts = 010\n", "is not a decimal number");
	BAD("[a]\nmax-contexts = 4 # four\n", "is not a decimal number");
	BAD("[a]\nmax-contexts = 99999999999999999999999\n", "out of range");
	BAD("[a]\npasid-width = 21\n", "pasid-width: 21 is out of range 1..20");
	BAD("[a]\nmax-ring-page-order = 5\n", "out of range 0..4");
	BAD("[a]\nsched-weight = 1001\n", "out of range 1..1000");
	BAD("[a]\nmax-queued-bytes = 4095\n", "out of range 4096..");
	BAD("[a]\nmax-queued-bytes = 2G\n", "out of range");
	BAD("[a]\nmax-cmd-bytes = 257M\n", "out of range 64..268435456");
	BAD("[a]\nmax-queued-bytes = 1T\n", "is not a byte count");
	BAD("[a]\nmax-queued-bytes = M\n", "is not a byte count");
	BAD("[a]\nmax-cmd-bytes = 99999999999999999999G\n", "out of range");
	BAD("[a]\nmax-contexts = 4K\n", "is not a decimal number");
	BAD("[a]\nfeatures = holdof\n", "unknown feature 'holdof' (did you "
					"mean 'holdoff'?)");
	BAD("[a]\nfeatures = warp-drive\n", "unknown feature 'warp-drive'");
	BAD("[a]\nfeatures = holdoff, holdoff\n", "'holdoff' given twice");
	BAD("[a]\nfeatures = ,\n", "features: empty");
	CU_ASSERT_EQUAL(parse("[a]\nfeatures = none\noos-pages = 0\n"
			      "max-ring-page-order = 0\n"),
			0);
	CU_ASSERT_EQUAL(ps.p[0].limits.features, 0);
	CU_ASSERT_EQUAL(parse("[a]\nfeatures = oos-pt+multi-page-ring\n"), 0);
	CU_ASSERT_EQUAL(ps.p[0].limits.features,
			XV_FEATURE_OOS_PT | XV_FEATURE_MULTI_PAGE_RING);
	/* Largest values of every key are accepted. */
	CU_ASSERT_EQUAL(parse("[a]\nmax-contexts = 4096\n"
			      "max-pinned-pages = 268435456\n"
			      "pasid-width = 20\nmax-pasids = 1048575\n"
			      "max-queued-bytes = 1G\nmax-cmd-bytes = 256M\n"
			      "max-ring-page-order = 4\nsched-weight = 1000\n"
			      "oos-pages = 65536\n"),
			0);
}

static void test_rules_between_keys(void)
{
	BAD("[a]\npasid-width = 4\nmax-pasids = 16\n",
	    "p.conf:1: profile 'a': max-pasids 16 does not fit pasid-width 4 "
	    "(at most 15)");
	CU_ASSERT_EQUAL(parse("[a]\npasid-width = 4\nmax-pasids = 15\n"), 0);
	BAD("[a]\nmax-queued-bytes = 64K\nmax-cmd-bytes = 128K\n",
	    "max-cmd-bytes 131072 is larger than max-queued-bytes 65536");
	BAD("[a]\nfeatures = oos-pt\nmax-ring-page-order = 1\n",
	    "max-ring-page-order 1 needs feature multi-page-ring");
	BAD("[a]\nfeatures = multi-page-ring\n",
	    "oos-pages 64 needs feature oos-pt");
	/* The error of a section is reported when the section ends. */
	BAD("[a]\nfeatures = none\n[b]\n", "p.conf:1: profile 'a'");
}

static void test_lookup_messages(void)
{
	const struct ctl_profile *p;

	CU_ASSERT_EQUAL_FATAL(parse("[small]\n[medium]\n[large]\n"), 0);
	p = ctl_profile_lookup(&ps, "medium", "p.conf", &err);
	CU_ASSERT_PTR_NOT_NULL(p);
	p = ctl_profile_lookup(&ps, "meduim", "p.conf", &err);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err.msg, "unknown profile 'meduim' in p.conf "
					"(did you mean 'medium'?)");
	p = ctl_profile_lookup(&ps, "gigantic", "p.conf", &err);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_STRING_EQUAL(err.msg, "unknown profile 'gigantic' in p.conf "
					"(known: small, medium, large)");
}

static void test_load_files(void)
{
	char path[] = "/tmp/test-ctl-profile-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("[x]\nmax-contexts = 2\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(ctl_profiles_load(&ps, path, &err), 0);
	CU_ASSERT_EQUAL(ps.p[0].limits.max_contexts, 2);
	unlink(path);
	CU_ASSERT_EQUAL(ctl_profiles_load(&ps, path, &err), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot read profiles file"));
	CU_ASSERT_NOT_EQUAL(ctl_profiles_load(&ps, "/tmp", &err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a regular file"));

	/* The file the images install as /etc/xenvgpu/profiles.conf. */
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(
	    ctl_profiles_load(&ps, "tools/etc/xenvgpu/profiles.conf", &err), 0);
	if (err.msg[0])
		printf("\n  %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL(ctl_profile_find(&ps, CTL_DEFAULT_PROFILE));
}

static void test_features_str(void)
{
	char buf[64];

	CU_ASSERT_STRING_EQUAL(ctl_features_str(0, buf, sizeof(buf)), "none");
	CU_ASSERT_STRING_EQUAL(
	    ctl_features_str(XV_FEATURE_ALL, buf, sizeof(buf)),
	    "oos-pt,nosnoop,holdoff,multi-page-ring");
	CU_ASSERT_STRING_EQUAL(
	    ctl_features_str(XV_FEATURE_HOLDOFF, buf, sizeof(buf)), "holdoff");
	/* A short buffer truncates at a name, never overflows. */
	CU_ASSERT_STRING_EQUAL(ctl_features_str(XV_FEATURE_ALL, buf, 12),
			       "oos-pt");
}

static const struct xv_test_case profile_cases[] = {
    {"good file, defaults", test_good_file},
    {"bad lines named by FILE:LINE", test_bad_lines},
    {"values and ranges", test_values_and_ranges},
    {"rules between keys", test_rules_between_keys},
    {"unknown profile messages", test_lookup_messages},
    {"load from files", test_load_files},
    {"feature names", test_features_str},
    {NULL, NULL},
};

static const struct xv_test_suite profile_suite = {
    .name = "ctl-profile",
    .cases = profile_cases,
};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&profile_suite,
							     NULL};

	return xv_test_main(suites);
}
