/*
 * test-fe-nego.c — strict parsing of the backend's xenstore nodes and
 * the frontend's choices (frontend/lib/fe-nego.c). The "xenstore" is a
 * table of node values; a hostile or broken backend is a table with one
 * bad value.
 */
#include <errno.h>
#include <string.h>

#include "../../frontend/lib/fe-nego.h"
#include "vgpuif.h"
#include "xv-test.h"

struct node {
	const char *name;
	const char *value; /* NULL: missing */
};

static struct node nodes[] = {
    {XV_FIELD_VERSION, "1"},
    {XV_FIELD_FEATURES, "15"},
    {XV_FIELD_MAX_RING_ORDER, "2"},
    {XV_FIELD_MAX_CONTEXTS, "16"},
    {XV_FIELD_MAX_PINNED_PAGES, "65536"},
    {XV_FIELD_PASID_WIDTH, "8"},
    {XV_FIELD_MAX_PASIDS, "16"},
    {XV_FIELD_MAX_QUEUED_BYTES, "16777216"},
    {XV_FIELD_MAX_CMD_BYTES, "1048576"},
    {XV_FIELD_OOS_PAGES, "64"},
    {XV_FIELD_SCHED_WEIGHT, "100"},
};
#define NR_NODES (sizeof(nodes) / sizeof(nodes[0]))

static const char *table_get(void *arg, const char *name, size_t *len)
{
	(void)arg;
	for (size_t i = 0; i < NR_NODES; i++) {
		if (strcmp(nodes[i].name, name))
			continue;
		if (!nodes[i].value)
			break;
		*len = strlen(nodes[i].value);
		return nodes[i].value;
	}
	errno = ENOENT;
	return NULL;
}

static const struct xv_xs_reader table = {.get = table_get};

static struct node *node(const char *name)
{
	for (size_t i = 0; i < NR_NODES; i++)
		if (!strcmp(nodes[i].name, name))
			return &nodes[i];
	CU_FAIL_FATAL("no such node in the table");
	return NULL;
}

static int read_with(const char *name, const char *value, char *why,
		     struct fe_backend_info *info)
{
	struct node *n = node(name);
	const char *saved = n->value;
	int rc;

	n->value = value;
	why[0] = '\0';
	rc = fe_read_backend(&table, info, why, 160);
	n->value = saved;
	return rc;
}

static void test_read_good(void)
{
	struct fe_backend_info info;
	char why[160] = "";

	CU_ASSERT_EQUAL(fe_read_backend(&table, &info, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(info.version, 1);
	CU_ASSERT_EQUAL(info.limits.features, 15);
	CU_ASSERT_EQUAL(info.limits.ring_order_max, 2);
	CU_ASSERT_EQUAL(info.limits.max_contexts, 16);
	CU_ASSERT_EQUAL(info.limits.max_pinned_pages, 65536);
	CU_ASSERT_EQUAL(info.limits.pasid_width, 8);
	CU_ASSERT_EQUAL(info.limits.max_pasids, 16);
	CU_ASSERT_EQUAL(info.limits.max_queued_bytes, 16777216);
	CU_ASSERT_EQUAL(info.limits.max_cmd_bytes, 1048576);
	CU_ASSERT_EQUAL(info.limits.oos_pages, 64);
}

/* Every node: missing, junk, and each bound it has. */
static void test_read_bad_nodes(void)
{
	static const struct {
		const char *name;
		const char *value;
		const char *says;
	} cases[] = {
	    {XV_FIELD_VERSION, "0", "out of range"},
	    {XV_FIELD_MAX_RING_ORDER, "5", "out of range"},
	    {XV_FIELD_MAX_CONTEXTS, "0", "out of range"},
	    {XV_FIELD_PASID_WIDTH, "0", "out of range"},
	    {XV_FIELD_PASID_WIDTH, "21", "out of range"},
	    {XV_FIELD_MAX_PASIDS, "0", "out of range"},
	    {XV_FIELD_MAX_CMD_BYTES, "0", "out of range"},
	    {XV_FIELD_SCHED_WEIGHT, "1001", "out of range"},
	    {XV_FIELD_FEATURES, "15 ", "not a plain decimal"},
	    {XV_FIELD_FEATURES, "016", "not a plain decimal"},
	    {XV_FIELD_MAX_PINNED_PAGES, "-1", "not a plain decimal"},
	    {XV_FIELD_MAX_PINNED_PAGES, "0x10", "not a plain decimal"},
	    {XV_FIELD_VERSION, "4294967296", "out of range"},
	};
	struct fe_backend_info info;
	char why[160];

	for (size_t i = 0; i < NR_NODES; i++) {
		CU_ASSERT_EQUAL(read_with(nodes[i].name, NULL, why, &info),
				-EPROTO);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "missing"));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, nodes[i].name));
		CU_ASSERT_EQUAL(read_with(nodes[i].name, "12abc", why, &info),
				-EPROTO);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a plain decimal"));
		CU_ASSERT_EQUAL(read_with(nodes[i].name,
					  "123456789012345678901234567890123",
					  why, &info),
				-EPROTO);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(
		    read_with(cases[i].name, cases[i].value, why, &info),
		    -EPROTO);
		CU_ASSERT_PTR_NOT_NULL(strstr(why, cases[i].says));
		CU_ASSERT_PTR_NOT_NULL(strstr(why, cases[i].name));
	}
	/* Bounds themselves are fine. */
	CU_ASSERT_EQUAL(read_with(XV_FIELD_PASID_WIDTH, "20", why, &info), 0);
	CU_ASSERT_EQUAL(read_with(XV_FIELD_MAX_RING_ORDER, "4", why, &info), 0);
}

static struct fe_backend_info be_info(uint32_t version, uint32_t features,
				      uint32_t max_order)
{
	struct fe_backend_info b;

	memset(&b, 0, sizeof(b));
	b.version = version;
	b.limits.features = features;
	b.limits.ring_order_max = max_order;
	return b;
}

static void test_negotiate(void)
{
	struct fe_backend_info b;
	struct fe_choice c;

	/* Defaults: all known offered bits, ring order 2 at most. */
	b = be_info(1, XV_FEATURE_ALL, 4);
	CU_ASSERT_EQUAL(fe_negotiate(&b, -1, 0, &c), 0);
	CU_ASSERT_EQUAL(c.version, 1);
	CU_ASSERT_EQUAL(c.features, XV_FEATURE_ALL);
	CU_ASSERT_EQUAL(c.ring_order, 2);

	/* A newer backend: its version and unknown bits are not ours. */
	b = be_info(3, XV_FEATURE_ALL | (1u << 20), 1);
	CU_ASSERT_EQUAL(fe_negotiate(&b, -1, 0, &c), 0);
	CU_ASSERT_EQUAL(c.version, 1);
	CU_ASSERT_EQUAL(c.features, XV_FEATURE_ALL);
	CU_ASSERT_EQUAL(c.ring_order, 1);

	/* Refused bits are not acked. */
	b = be_info(1, XV_FEATURE_ALL, 2);
	CU_ASSERT_EQUAL(fe_negotiate(&b, -1, XV_FEATURE_HOLDOFF, &c), 0);
	CU_ASSERT_EQUAL(c.features, XV_FEATURE_ALL & ~XV_FEATURE_HOLDOFF);

	/* Without multi-page rings: order 0, and asking more fails. */
	b = be_info(1, XV_FEATURE_HOLDOFF, 3);
	CU_ASSERT_EQUAL(fe_negotiate(&b, -1, 0, &c), 0);
	CU_ASSERT_EQUAL(c.ring_order, 0);
	CU_ASSERT_EQUAL(fe_negotiate(&b, 1, 0, &c), -XV_ERR_RING_ORDER);
	b = be_info(1, XV_FEATURE_ALL, 3);
	CU_ASSERT_EQUAL(fe_negotiate(&b, 1, XV_FEATURE_MULTI_PAGE_RING, &c),
			-XV_ERR_RING_ORDER);

	/* Explicit orders: within the offer, not beyond it. */
	CU_ASSERT_EQUAL(fe_negotiate(&b, 3, 0, &c), 0);
	CU_ASSERT_EQUAL(c.ring_order, 3);
	CU_ASSERT_EQUAL(fe_negotiate(&b, 0, 0, &c), 0);
	CU_ASSERT_EQUAL(c.ring_order, 0);
	CU_ASSERT_EQUAL(fe_negotiate(&b, 4, 0, &c), -XV_ERR_RING_ORDER);

	b = be_info(0, XV_FEATURE_ALL, 2);
	CU_ASSERT_EQUAL(fe_negotiate(&b, -1, 0, &c), -XV_ERR_VERSION);
}

static const struct xv_test_case cases[] = {
    {"read good", test_read_good},
    {"read bad nodes", test_read_bad_nodes},
    {"negotiate", test_negotiate},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"fe-nego", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
