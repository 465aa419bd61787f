/*
 * xs-domu.c — domU side of the xenstore suite: the domU may write in its
 * frontend dir, may read but not write the backend dir, may not write in
 * another domain's tree, and sees dom0's writes through a watch.
 * Its partner is xs-dom0.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs-common.h"
#include "xtest.h"

static struct xt T;
static char fe[XT_PATH_MAX], be[XT_PATH_MAX];

static void sub(char *buf, size_t len, const char *dir, const char *key)
{
	snprintf(buf, len, "%s/%s", dir, key);
}

/* A write that must be refused with EACCES. */
static void check_write_refused(const char *path)
{
	bool ok = xs_write(T.xs, XBT_NULL, path, "x", 1);
	int err = errno;

	XT_CHECK(!ok && err == EACCES, "write %s: %s, want EACCES", path,
		 ok ? "succeeded" : strerror(err));
}

static void test_dirs_visible(void)
{
	struct xs_permissions *p;
	char path[XT_PATH_MAX + 32], val[2 * XT_PATH_MAX + 2];
	char want[2 * XT_PATH_MAX + 2];
	unsigned int n = 0;
	int rc;

	XT_BEGIN(&T);
	xs_suite_paths(T.domid, fe, sizeof(fe), be, sizeof(be));
	XT_REQUIRE_RV(&T, xt_get(&T, "dirs", val, sizeof(val)));
	snprintf(want, sizeof(want), "%s %s", fe, be);
	XT_CHECK(strcmp(val, want) == 0, "dom0 used '%s', we expect '%s'", val,
		 want);

	sub(path, sizeof(path), be, "state");
	rc = xt_read(&T, path, val, sizeof(val));
	XT_CHECK(rc == 0 && strcmp(val, XS_STATE_INITIALISING) == 0,
		 "read %s: rc %d '%s'", path, rc, rc ? "" : val);
	sub(path, sizeof(path), fe, "backend");
	rc = xt_read(&T, path, val, sizeof(val));
	XT_CHECK(rc == 0 && strcmp(val, be) == 0, "read %s: rc %d '%s'", path,
		 rc, rc ? "" : val);

	p = xs_get_permissions(T.xs, XBT_NULL, fe, &n);
	XT_CHECK(p && n >= 1 && p[0].id == T.domid,
		 "frontend dir %s is not owned by us (%s)", fe,
		 p ? "other owner" : strerror(errno));
	free(p);
}

static void test_frontend_writable(void)
{
	char path[XT_PATH_MAX + 32], hello[64];

	XT_BEGIN(&T);
	sub(path, sizeof(path), fe, "state");
	XT_CHECK(xt_write(&T, path, XS_STATE_INITIALISING) == 0, "write %s: %s",
		 path, strerror(errno));
	snprintf(hello, sizeof(hello), "hello from domU %u", T.domid);
	sub(path, sizeof(path), fe, "hello");
	XT_CHECK(xt_write(&T, path, hello) == 0, "write %s: %s", path,
		 strerror(errno));
}

static void test_backend_read_only(void)
{
	struct xs_permissions mine[1] = {
	    {.id = T.domid, .perms = XS_PERM_NONE},
	};
	char path[XT_PATH_MAX + 32], val[16];
	bool ok;
	int err, rc;

	XT_BEGIN(&T);
	sub(path, sizeof(path), be, "state");
	check_write_refused(path);
	rc = xt_read(&T, path, val, sizeof(val));
	XT_CHECK(rc == 0 && strcmp(val, XS_STATE_INITIALISING) == 0,
		 "backend state after refused write: rc %d '%s'", rc,
		 rc ? "" : val);
	sub(path, sizeof(path), be, "intrude");
	check_write_refused(path);

	ok = xs_set_permissions(T.xs, XBT_NULL, be, mine, 1);
	err = errno;
	XT_CHECK(!ok && err == EACCES, "chmod %s: %s, want EACCES", be,
		 ok ? "succeeded" : strerror(err));
	ok = xs_rm(T.xs, XBT_NULL, be);
	err = errno;
	XT_CHECK(!ok && err == EACCES, "rm %s: %s, want EACCES", be,
		 ok ? "succeeded" : strerror(err));
}

static void test_other_trees_closed(void)
{
	char path[XT_PATH_MAX];

	XT_BEGIN(&T);
	check_write_refused("/local/domain/0/xvtest-intrude");
	/* Our own device/ belongs to dom0: only the vgpu/0 chmod opened it. */
	snprintf(path, sizeof(path), "/local/domain/%u/device/xvtest-intrude",
		 T.domid);
	check_write_refused(path);
	XT_REQUIRE_RV(&T, xt_put(&T, "fe-written", "1"));
}

static void test_backend_watch(void)
{
	char path[XT_PATH_MAX + 32], val[16];
	int rc;

	XT_BEGIN(&T);
	sub(path, sizeof(path), be, "state");
	rc = xt_watch_until(&T, path, "watching-be", XS_STATE_CONNECTED, val,
			    sizeof(val));
	if (!XT_CHECK(rc == 0, "no watch event with %s = %s (last '%s'): %s",
		      path, XS_STATE_CONNECTED, val, strerror(-rc))) {
		xt_abort(&T, "backend watch never fired");
		return;
	}
	XT_REQUIRE_RV(&T, xt_put(&T, "saw-be", "%s", val));
}

static void test_frontend_state_for_dom0(void)
{
	char path[XT_PATH_MAX + 32], val[8];

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get(&T, "watching-fe", val, sizeof(val)));
	sub(path, sizeof(path), fe, "state");
	XT_CHECK(xt_write(&T, path, XS_STATE_CONNECTED) == 0, "write %s", path);
}

static void test_dirs_removed(void)
{
	char path[XT_PATH_MAX + 32], val[8];
	int rc;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_sync(&T, "xs-checks-done"));
	XT_REQUIRE_RV(&T, xt_get(&T, "removed", val, sizeof(val)));
	sub(path, sizeof(path), fe, "state");
	rc = xt_read(&T, path, val, sizeof(val));
	XT_CHECK(rc == -ENOENT || rc == -EACCES,
		 "%s still readable after removal (rc %d)", path, rc);
	/* Recreating it would create vgpu/ under dom0's device/: refused. */
	check_write_refused(path);
}

static const struct xv_test_case cases[] = {
    {"device dirs visible with the intended perms", test_dirs_visible},
    {"frontend dir writable by the domU", test_frontend_writable},
    {"backend dir readable, not writable (EACCES)", test_backend_read_only},
    {"other domains' trees not writable", test_other_trees_closed},
    {"dom0's backend state write fires our watch", test_backend_watch},
    {"our frontend state write for dom0's watch", test_frontend_state_for_dom0},
    {"device dirs gone after dom0 removed them", test_dirs_removed},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	return xt_run(&T, XT_DOMU, "xs", argc, argv, cases);
}
