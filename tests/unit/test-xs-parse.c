/*
 * test-xs-parse.c — strict parsing of xenstore values and of the limit
 * and frontend node sets (xenstore/xs-parse.c), and the path builders
 * (xenstore/xs-path.c).
 *
 * The node readers run over a table in memory (a struct xv_xs_reader):
 * the parsing logic stays inside one process, no xenstore is involved.
 * Values a hostile guest would write are fed in and the exact rejection
 * is asserted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "xs-parse.h"
#include "xs-path.h"
#include "xv-test.h"

static int u32(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	return xv_xs_parse_u32(s, strlen(s), min, max, v);
}

static void test_u32(void)
{
	uint32_t v = 77;

	CU_ASSERT_EQUAL(u32("0", 0, 10, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(u32("4294967295", 0, UINT32_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT32_MAX);
	CU_ASSERT_EQUAL(u32("4294967296", 0, UINT32_MAX, &v), -ERANGE);
	CU_ASSERT_EQUAL(u32("99999999999", 0, UINT32_MAX, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("+1", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("-1", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32(" 1", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("1 ", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("1\n", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("0x1", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("01", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("00", 0, 10, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("1e3", 0, 10000, &v), -EINVAL);
	CU_ASSERT_EQUAL(u32("11", 0, 10, &v), -ERANGE);
	CU_ASSERT_EQUAL(u32("4", 5, 10, &v), -ERANGE);
	CU_ASSERT_EQUAL(v, UINT32_MAX); /* untouched by failures */
	/* An embedded NUL inside the given length is garbage, not an end. */
	CU_ASSERT_EQUAL(xv_xs_parse_u32("1\0"
					"2",
					3, 0, 100, &v),
			-EINVAL);
	/* Only len bytes are read: "12" with len 1 is 1. */
	CU_ASSERT_EQUAL(xv_xs_parse_u32("12", 1, 0, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(xv_xs_parse_u32(NULL, 0, 0, 1, &v), -ENOENT);
}

static void test_state_bool_gref(void)
{
	unsigned int st = 99;
	bool b = false;
	uint32_t g = 0;

	CU_ASSERT_EQUAL(xv_xs_parse_state("4", 1, &st), 0);
	CU_ASSERT_EQUAL(st, 4);
	CU_ASSERT_EQUAL(xv_xs_parse_state("8", 1, &st), 0);
	CU_ASSERT_EQUAL(xv_xs_parse_state("9", 1, &st), -ERANGE);
	CU_ASSERT_EQUAL(xv_xs_parse_state("abc", 3, &st), -EINVAL);
	CU_ASSERT_EQUAL(xv_xs_parse_bool("1", 1, &b), 0);
	CU_ASSERT_TRUE(b);
	CU_ASSERT_EQUAL(xv_xs_parse_bool("2", 1, &b), -ERANGE);
	CU_ASSERT_EQUAL(xv_xs_parse_bool("yes", 3, &b), -EINVAL);
	CU_ASSERT_EQUAL(xv_xs_parse_gref("0", 1, &g), -ERANGE);
	CU_ASSERT_EQUAL(xv_xs_parse_gref("8", 1, &g), 0);
	CU_ASSERT_EQUAL(g, 8);
}

static void test_strings(void)
{
	char out[16];

	CU_ASSERT_EQUAL(xv_xs_parse_string("hello", 5, 10, out, sizeof(out)),
			0);
	CU_ASSERT_STRING_EQUAL(out, "hello");
	CU_ASSERT_EQUAL(xv_xs_parse_string("hello", 5, 4, out, sizeof(out)),
			-ERANGE);
	CU_ASSERT_EQUAL(xv_xs_parse_string("a\nb", 3, 10, out, sizeof(out)),
			-EINVAL);
	CU_ASSERT_EQUAL(xv_xs_parse_string("a\0b", 3, 10, out, sizeof(out)),
			-EINVAL);
	CU_ASSERT_EQUAL(
	    xv_xs_parse_string("0123456789abcdef", 16, 20, out, sizeof(out)),
	    -ERANGE); /* does not fit out with its NUL */
	CU_ASSERT_EQUAL(xv_xs_parse_profile("small", 5, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "small");
	CU_ASSERT_EQUAL(xv_xs_parse_profile("Small", 5, out, sizeof(out)),
			-EINVAL);
	CU_ASSERT_EQUAL(xv_xs_parse_profile("a/b", 3, out, sizeof(out)),
			-EINVAL);
	CU_ASSERT_EQUAL(xv_xs_parse_profile("", 0, out, sizeof(out)), -EINVAL);
}

/* ---- a node table standing in for one xenstore directory ----------------- */

struct node {
	const char *name;
	const char *value;
};

struct table {
	struct node n[40];
	unsigned int nr;
	unsigned int gets, puts;
};

static const char *tget(void *arg, const char *name, size_t *len)
{
	struct table *t = arg;

	t->gets++;
	for (unsigned int i = 0; i < t->nr; i++)
		if (strcmp(t->n[i].name, name) == 0 && t->n[i].value) {
			*len = strlen(t->n[i].value);
			return t->n[i].value;
		}
	errno = ENOENT;
	return NULL;
}

static void tput(void *arg, const char *v)
{
	struct table *t = arg;

	(void)v;
	t->puts++;
}

static void tset(struct table *t, const char *name, const char *value)
{
	for (unsigned int i = 0; i < t->nr; i++)
		if (strcmp(t->n[i].name, name) == 0) {
			t->n[i].value = value;
			return;
		}
	t->n[t->nr].name = name;
	t->n[t->nr].value = value;
	t->nr++;
}

static struct xv_xs_reader reader(struct table *t)
{
	struct xv_xs_reader r = {tget, tput, t};

	return r;
}

static void good_limits(struct table *t)
{
	memset(t, 0, sizeof(*t));
	tset(t, XV_FIELD_MAX_CONTEXTS, "16");
	tset(t, XV_FIELD_MAX_PINNED_PAGES, "65536");
	tset(t, XV_FIELD_PASID_WIDTH, "8");
	tset(t, XV_FIELD_MAX_PASIDS, "16");
	tset(t, XV_FIELD_MAX_QUEUED_BYTES, "16777216");
	tset(t, XV_FIELD_MAX_CMD_BYTES, "1048576");
	tset(t, XV_FIELD_MAX_RING_ORDER, "2");
	tset(t, XV_FIELD_SCHED_WEIGHT, "100");
	tset(t, XV_FIELD_FEATURES, "15");
	tset(t, XV_FIELD_OOS_PAGES, "64");
}

static void test_limits(void)
{
	struct table t;
	struct xv_xs_reader rd = reader(&t);
	struct xv_limits lim;
	const char *bad = NULL;

	good_limits(&t);
	CU_ASSERT_EQUAL(xv_xs_read_limits(&rd, &lim, &bad), 0);
	CU_ASSERT_EQUAL(lim.max_contexts, 16);
	CU_ASSERT_EQUAL(lim.pasid_width, 8);
	CU_ASSERT_EQUAL(lim.ring_order_max, 2);
	CU_ASSERT_EQUAL(lim.features, XV_FEATURE_ALL);
	CU_ASSERT_EQUAL(lim.oos_pages, 64);
	CU_ASSERT_EQUAL(t.gets, t.puts); /* every value released */
	CU_ASSERT_EQUAL(xv_xs_check_limits(&lim, NULL), 0);

	tset(&t, XV_FIELD_PASID_WIDTH, "21");
	CU_ASSERT_EQUAL(xv_xs_read_limits(&rd, &lim, &bad), -ERANGE);
	CU_ASSERT_STRING_EQUAL(bad, XV_FIELD_PASID_WIDTH);
	good_limits(&t);
	tset(&t, XV_FIELD_MAX_RING_ORDER, "5");
	CU_ASSERT_EQUAL(xv_xs_read_limits(&rd, &lim, &bad), -ERANGE);
	CU_ASSERT_STRING_EQUAL(bad, XV_FIELD_MAX_RING_ORDER);
	good_limits(&t);
	tset(&t, XV_FIELD_FEATURES, "16");
	CU_ASSERT_EQUAL(xv_xs_read_limits(&rd, &lim, &bad), -ERANGE);
	good_limits(&t);
	tset(&t, XV_FIELD_SCHED_WEIGHT, NULL);
	CU_ASSERT_EQUAL(xv_xs_read_limits(&rd, &lim, &bad), -ENOENT);
	CU_ASSERT_STRING_EQUAL(bad, XV_FIELD_SCHED_WEIGHT);
	good_limits(&t);
	tset(&t, XV_FIELD_MAX_CONTEXTS, "0");
	CU_ASSERT_EQUAL(xv_xs_read_limits(&rd, &lim, &bad), -ERANGE);

	/* check_limits names the field */
	good_limits(&t);
	CU_ASSERT_EQUAL(xv_xs_read_limits(&rd, &lim, NULL), 0);
	lim.max_pasids = 0;
	CU_ASSERT_EQUAL(xv_xs_check_limits(&lim, &bad), -ERANGE);
	CU_ASSERT_STRING_EQUAL(bad, XV_FIELD_MAX_PASIDS);
	CU_ASSERT_EQUAL(xv_xs_nr_limit_fields, 10);
}

static void good_front(struct table *t)
{
	memset(t, 0, sizeof(*t));
	tset(t, XV_FIELD_VERSION, "1");
	tset(t, XV_FIELD_FEATURES, "13");
	tset(t, XV_FIELD_RING_ORDER, "2");
	tset(t, "ring-ref0", "8");
	tset(t, "ring-ref1", "9");
	tset(t, "ring-ref2", "10");
	tset(t, "ring-ref3", "11");
	tset(t, XV_FIELD_EVT_RING_REF, "12");
	tset(t, XV_FIELD_EVENT_CHANNEL, "23");
}

static int front(struct table *t, uint32_t offered, uint32_t maxo,
		 struct xv_xs_front_info *fi, const char **bad)
{
	struct xv_xs_reader rd = reader(t);

	return xv_xs_read_front_info(&rd, offered, maxo, fi, bad);
}

static void test_front_info(void)
{
	struct table t;
	struct xv_xs_front_info fi;
	const char *bad = "x";

	good_front(&t);
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad), 0);
	CU_ASSERT_PTR_NULL(bad);
	CU_ASSERT_EQUAL(fi.nr_ring_refs, 4);
	CU_ASSERT_EQUAL(fi.ring_ref[3], 11);
	CU_ASSERT_EQUAL(fi.evt_ring_ref, 12);
	CU_ASSERT_EQUAL(fi.evtchn, 23);
	CU_ASSERT_EQUAL(fi.features, 13);

	/* garbage ring-ref */
	tset(&t, "ring-ref2", "8x");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad), -EINVAL);
	CU_ASSERT_STRING_EQUAL(bad, "ring-ref2");
	tset(&t, "ring-ref2", "0");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad), -ERANGE);
	tset(&t, "ring-ref2", NULL);
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad), -ENOENT);
	CU_ASSERT_STRING_EQUAL(bad, "ring-ref2");

	/* huge ring order, order above the profile's, order without feature */
	good_front(&t);
	tset(&t, XV_FIELD_RING_ORDER, "4294967295");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad),
			-XV_ERR_RING_ORDER);
	CU_ASSERT_STRING_EQUAL(bad, XV_FIELD_RING_ORDER);
	tset(&t, XV_FIELD_RING_ORDER, "3");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad),
			-XV_ERR_RING_ORDER);
	/* a profile above the protocol's maximum is clamped */
	tset(&t, XV_FIELD_RING_ORDER, "5");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 9, &fi, &bad),
			-XV_ERR_RING_ORDER);
	good_front(&t);
	tset(&t, XV_FIELD_FEATURES, "5"); /* no MULTI_PAGE_RING, order 2 */
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad),
			-XV_ERR_RING_ORDER);

	/* non-numeric / wrong version */
	good_front(&t);
	tset(&t, XV_FIELD_VERSION, "one");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad), -EINVAL);
	CU_ASSERT_STRING_EQUAL(bad, XV_FIELD_VERSION);
	tset(&t, XV_FIELD_VERSION, "2");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad),
			-XV_ERR_VERSION);

	/* feature ack: unknown bit, bit not offered */
	good_front(&t);
	tset(&t, XV_FIELD_FEATURES, "29");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad),
			-XV_ERR_FEATURE_UNKNOWN);
	tset(&t, XV_FIELD_FEATURES, "13");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_MULTI_PAGE_RING, 2, &fi, &bad),
			-XV_ERR_FEATURE_NOT_OFFERED);

	/* event channel 0 and beyond int */
	good_front(&t);
	tset(&t, XV_FIELD_EVENT_CHANNEL, "0");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad), -ERANGE);
	tset(&t, XV_FIELD_EVENT_CHANNEL, "2147483648");
	CU_ASSERT_EQUAL(front(&t, XV_FEATURE_ALL, 2, &fi, &bad), -ERANGE);
	CU_ASSERT_EQUAL(t.gets, t.puts);
}

static void test_error_text(void)
{
	char buf[96];

	xv_xs_format_error(buf, sizeof(buf), -XV_ERR_RING_REQ_OVERFLOW, NULL);
	CU_ASSERT_STRING_EQUAL(buf, "768 ring request overflow");
	xv_xs_format_error(buf, sizeof(buf), -EINVAL, "ring-ref0");
	CU_ASSERT_STRING_EQUAL(buf, "22 Invalid argument: ring-ref0");
	xv_xs_format_error(buf, 8, -XV_ERR_VERSION, "version");
	CU_ASSERT_EQUAL(strlen(buf), 7);
}

static void test_paths(void)
{
	char p[XV_XS_PATH_MAX], small[20];
	unsigned int d = 0, n = 0;
	int only;
	const char *tail;

	CU_ASSERT_EQUAL(xv_xs_backend_dir(p, sizeof(p), 0, 5, 0), 0);
	CU_ASSERT_STRING_EQUAL(p, "/local/domain/0/backend/vgpu/5/0");
	CU_ASSERT_EQUAL(xv_xs_frontend_dir(p, sizeof(p), 5, 1), 0);
	CU_ASSERT_STRING_EQUAL(p, "/local/domain/5/device/vgpu/1");
	CU_ASSERT_EQUAL(xv_xs_node(p, sizeof(p), "/a", "state"), 0);
	CU_ASSERT_STRING_EQUAL(p, "/a/state");
	CU_ASSERT_EQUAL(xv_xs_backend_dir(small, sizeof(small), 0, 5, 0),
			-ENAMETOOLONG);
	CU_ASSERT_STRING_EQUAL(small, "");
	CU_ASSERT_EQUAL(xv_xs_backend_dir(p, sizeof(p), 0, 0x7ff0, 0), -EINVAL);
	CU_ASSERT_EQUAL(xv_xs_frontend_dir(p, sizeof(p), 1, 256), -EINVAL);

	CU_ASSERT_EQUAL(xv_xs_backend_root(p, sizeof(p), 0), 0);
	CU_ASSERT_EQUAL(
	    xv_xs_split_backend_path("/local/domain/0/backend/vgpu/12/3/state",
				     p, &d, &n, &only, &tail),
	    0);
	CU_ASSERT_EQUAL(d, 12);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_FALSE(only);
	CU_ASSERT_STRING_EQUAL(tail, "/state");
	CU_ASSERT_EQUAL(
	    xv_xs_split_backend_path("/local/domain/0/backend/vgpu/7", p, &d,
				     &n, &only, &tail),
	    0);
	CU_ASSERT_TRUE(only);
	CU_ASSERT_EQUAL(d, 7);
	CU_ASSERT_EQUAL(xv_xs_split_backend_path("/local/domain/0/backend/vgpu",
						 p, &d, &n, &only, &tail),
			-ENOENT);
	CU_ASSERT_EQUAL(
	    xv_xs_split_backend_path("/local/domain/0/backend/vgpux/1/2", p, &d,
				     &n, &only, &tail),
	    -ENOENT);
	CU_ASSERT_EQUAL(
	    xv_xs_split_backend_path("/local/domain/0/backend/vgpu/01/2", p, &d,
				     &n, &only, &tail),
	    -EINVAL);
	CU_ASSERT_EQUAL(
	    xv_xs_split_backend_path("/local/domain/0/backend/vgpu/1/x", p, &d,
				     &n, &only, &tail),
	    -EINVAL);
	CU_ASSERT_EQUAL(
	    xv_xs_split_backend_path("/local/domain/0/backend/vgpu/1/", p, &d,
				     &n, &only, &tail),
	    -EINVAL);
	CU_ASSERT_EQUAL(
	    xv_xs_split_backend_path("/local/domain/0/backend/vgpu/99999/0", p,
				     &d, &n, &only, &tail),
	    -EINVAL);
}

static const struct xv_test_case cases[] = {
    {"decimal u32, strictly", test_u32},
    {"state, bool, grant reference", test_state_bool_gref},
    {"strings and profile names", test_strings},
    {"limit nodes", test_limits},
    {"hostile frontend nodes", test_front_info},
    {"error node text", test_error_text},
    {"paths", test_paths},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"xs-parse", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
