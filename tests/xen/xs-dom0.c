/*
 * xs-dom0.c — dom0 side of the xenstore suite: creates the vGPU device
 * directories with the permissions the toolstack will use, checks what
 * the domU wrote, and checks that watches fire across domains both ways.
 * Its partner is xs-domu.c; steps pair up by test order and xt keys.
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

static bool perms_are(struct xs_handle *xs, const char *path,
		      unsigned int owner, unsigned int reader,
		      unsigned int reader_perms)
{
	struct xs_permissions *p;
	unsigned int n = 0;
	bool ok;

	p = xs_get_permissions(xs, XBT_NULL, path, &n);
	if (!p)
		return false;
	ok = n == 2 && p[0].id == owner && p[0].perms == XS_PERM_NONE &&
	     p[1].id == reader && p[1].perms == reader_perms;
	free(p);
	return ok;
}

static void test_create_dirs(void)
{
	struct xs_permissions fe_perms[2] = {
	    {.id = T.domid, .perms = XS_PERM_NONE},
	    {.id = 0, .perms = XS_PERM_READ},
	};
	struct xs_permissions be_perms[2] = {
	    {.id = 0, .perms = XS_PERM_NONE},
	    {.id = T.domid, .perms = XS_PERM_READ},
	};
	char path[XT_PATH_MAX + 32], id[16];
	int tries, err = 0;
	bool committed = false;

	XT_BEGIN(&T);
	xs_suite_paths(T.domid, fe, sizeof(fe), be, sizeof(be));
	for (tries = 0; tries < 20 && !committed; tries++) {
		xs_transaction_t tx = xs_transaction_start(T.xs);
		bool ok;

		XT_REQUIRE(&T, tx != 0, "transaction_start: %s",
			   strerror(errno));
		/* Perms on each directory first: the children inherit. */
		ok = xs_mkdir(T.xs, tx, fe) &&
		     xs_set_permissions(T.xs, tx, fe, fe_perms, 2) &&
		     xs_mkdir(T.xs, tx, be) &&
		     xs_set_permissions(T.xs, tx, be, be_perms, 2);
		sub(path, sizeof(path), be, "state");
		ok = ok && xs_write(T.xs, tx, path, XS_STATE_INITIALISING, 1);
		sub(path, sizeof(path), be, "frontend");
		ok = ok && xs_write(T.xs, tx, path, fe, strlen(fe));
		snprintf(id, sizeof(id), "%u", T.domid);
		sub(path, sizeof(path), be, "frontend-id");
		ok = ok && xs_write(T.xs, tx, path, id, strlen(id));
		sub(path, sizeof(path), fe, "backend");
		ok = ok && xs_write(T.xs, tx, path, be, strlen(be));
		sub(path, sizeof(path), fe, "backend-id");
		ok = ok && xs_write(T.xs, tx, path, "0", 1);
		if (!ok) {
			err = errno;
			xs_transaction_end(T.xs, tx, true);
			break;
		}
		committed = xs_transaction_end(T.xs, tx, false);
		if (!committed && errno != EAGAIN) {
			err = errno;
			break;
		}
	}
	XT_REQUIRE(&T, committed, "creating %s and %s: %s", fe, be,
		   strerror(err ? err : EAGAIN));

	XT_CHECK(perms_are(T.xs, fe, T.domid, 0, XS_PERM_READ),
		 "%s perms are not n%u,r0", fe, T.domid);
	XT_CHECK(perms_are(T.xs, be, 0, T.domid, XS_PERM_READ),
		 "%s perms are not n0,r%u", be, T.domid);
	sub(path, sizeof(path), be, "state");
	XT_CHECK(perms_are(T.xs, path, 0, T.domid, XS_PERM_READ),
		 "%s did not inherit n0,r%u", path, T.domid);
	sub(path, sizeof(path), fe, "backend");
	XT_CHECK(perms_are(T.xs, path, T.domid, 0, XS_PERM_READ),
		 "%s did not inherit n%u,r0", path, T.domid);
	XT_REQUIRE_RV(&T, xt_put(&T, "dirs", "%s %s", fe, be));
}

static void test_domu_writes_seen(void)
{
	char path[XT_PATH_MAX + 32], want[64], val[64];
	int rc;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get(&T, "fe-written", val, sizeof(val)));

	snprintf(want, sizeof(want), "hello from domU %u", T.domid);
	sub(path, sizeof(path), fe, "hello");
	rc = xt_read(&T, path, val, sizeof(val));
	XT_CHECK(rc == 0 && strcmp(val, want) == 0,
		 "%s: rc %d value '%s', want '%s'", path, rc, rc ? "" : val,
		 want);
	sub(path, sizeof(path), fe, "state");
	rc = xt_read(&T, path, val, sizeof(val));
	XT_CHECK(rc == 0 && strcmp(val, XS_STATE_INITIALISING) == 0,
		 "%s: rc %d value '%s'", path, rc, rc ? "" : val);
	/* What the domU was refused must really not have happened. */
	sub(path, sizeof(path), be, "state");
	rc = xt_read(&T, path, val, sizeof(val));
	XT_CHECK(rc == 0 && strcmp(val, XS_STATE_INITIALISING) == 0,
		 "backend state changed by the domU: rc %d '%s'", rc,
		 rc ? "" : val);
	sub(path, sizeof(path), be, "intrude");
	XT_CHECK(xt_read(&T, path, val, sizeof(val)) == -ENOENT,
		 "the domU created %s", path);
	XT_CHECK(xt_read(&T, "/local/domain/0/xvtest-intrude", val,
			 sizeof(val)) == -ENOENT,
		 "the domU created /local/domain/0/xvtest-intrude");
}

/* dom0 writes the backend state; the domU's watch must fire. */
static void test_backend_watch_in_domu(void)
{
	char path[XT_PATH_MAX + 32], val[16];

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get(&T, "watching-be", val, sizeof(val)));
	sub(path, sizeof(path), be, "state");
	XT_REQUIRE(&T, xt_write(&T, path, XS_STATE_CONNECTED) == 0, "write %s",
		   path);
	/* The domU reports what it saw; its own asserts judge it. */
	XT_REQUIRE_RV(&T, xt_get(&T, "saw-be", val, sizeof(val)));
	XT_CHECK(strcmp(val, XS_STATE_CONNECTED) == 0,
		 "domU saw backend state '%s'", val);
}

/* The domU writes the frontend state; our watch must fire. */
static void test_frontend_watch_in_dom0(void)
{
	char path[XT_PATH_MAX + 32], val[16];
	int rc;

	XT_BEGIN(&T);
	sub(path, sizeof(path), fe, "state");
	rc = xt_watch_until(&T, path, "watching-fe", XS_STATE_CONNECTED, val,
			    sizeof(val));
	if (!XT_CHECK(rc == 0, "no watch event with %s = %s (last '%s'): %s",
		      path, XS_STATE_CONNECTED, val, strerror(-rc)))
		xt_abort(&T, "frontend watch never fired");
}

static void test_remove_dirs(void)
{
	char path[XT_PATH_MAX];

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_sync(&T, "xs-checks-done"));
	snprintf(path, sizeof(path), "/local/domain/%u/device/vgpu", T.domid);
	XT_CHECK(xs_rm(T.xs, XBT_NULL, path), "rm %s: %s", path,
		 strerror(errno));
	snprintf(path, sizeof(path), "/local/domain/0/backend/vgpu/%u",
		 T.domid);
	XT_CHECK(xs_rm(T.xs, XBT_NULL, path), "rm %s: %s", path,
		 strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "removed", "1"));
}

static const struct xv_test_case cases[] = {
    {"device dirs created in one transaction", test_create_dirs},
    {"domU writes in its frontend dir reach dom0", test_domu_writes_seen},
    {"backend state write wakes the domU's watch", test_backend_watch_in_domu},
    {"frontend state write wakes dom0's watch", test_frontend_watch_in_dom0},
    {"device dirs removed", test_remove_dirs},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	return xt_run(&T, XT_DOM0, "xs", argc, argv, cases);
}
