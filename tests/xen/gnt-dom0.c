/*
 * gnt-dom0.c — dom0 side of the grant suite: maps the domU's grants
 * (gnttab), one page and a 64-page batch, checks and answers their
 * patterns, maps a read-only grant read-only (and is refused a writable
 * mapping of it), checks that a batch with one bad ref maps nothing, and
 * sees the unmap notification when the domU's sharing process is killed.
 * Partner: gnt-domu.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* xtest.h first: xenctrl.h must precede any other Xen header. */
#include "xtest.h"

#include <xengnttab.h>

#include "gnt-common.h"

static struct xt T;
static xengnttab_handle *gt;
static uint32_t batch_refs[GNT_BATCH];
static bool have_batch;

static void test_open(void)
{
	XT_BEGIN(&T);
	gt = xengnttab_open(NULL, 0);
	XT_REQUIRE(&T, gt != NULL, "xengnttab_open: %s (xen-gntdev?)",
		   strerror(errno));
}

static void test_single_page(void)
{
	char val[16];
	uint32_t ref;
	void *p;
	long bad;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get_u32(&T, "single-ref", &ref));
	p = xengnttab_map_grant_ref(gt, T.domid, ref, PROT_READ | PROT_WRITE);
	XT_REQUIRE(&T, p != NULL, "map ref %u of d%u: %s", ref, T.domid,
		   strerror(errno));
	bad = gnt_check(p, GNT_TAG_DOMU, 0, 0);
	XT_CHECK(bad < 0, "domU's pattern wrong at byte %ld", bad);
	gnt_fill(p, GNT_TAG_DOM0, 0);
	if (xt_put(&T, "single-reply", "1") == 0)
		(void)xt_get(&T, "single-checked", val, sizeof(val));
	XT_CHECK(xengnttab_unmap(gt, p, 1) == 0, "unmap: %s", strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "single-unmapped", "1"));
}

static int parse_refs(const char *s, uint32_t *refs, unsigned int n)
{
	char *end;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v > UINT32_MAX)
			return -EPROTO;
		refs[i] = (uint32_t)v;
		s = end;
	}
	return *s ? -EPROTO : 0;
}

static void test_batch(void)
{
	char val[GNT_BATCH * 12];
	uint32_t i;
	void *p;
	long bad;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get(&T, "batch-refs", val, sizeof(val)));
	XT_REQUIRE(&T, parse_refs(val, batch_refs, GNT_BATCH) == 0,
		   "bad ref list '%s'", val);
	have_batch = true;
	p = xengnttab_map_domain_grant_refs(gt, GNT_BATCH, T.domid, batch_refs,
					    PROT_READ | PROT_WRITE);
	XT_REQUIRE(&T, p != NULL, "map %u refs of d%u in one call: %s",
		   GNT_BATCH, T.domid, strerror(errno));
	for (i = 0; i < GNT_BATCH; i++) {
		char *page = (char *)p + i * GNT_PAGE;

		bad = gnt_check(page, GNT_TAG_DOMU, i, 0);
		XT_CHECK(bad < 0, "page %u (ref %u) wrong at byte %ld", i,
			 batch_refs[i], bad);
		gnt_fill(page, GNT_TAG_DOM0, i);
	}
	if (xt_put(&T, "batch-reply", "1") == 0)
		(void)xt_get(&T, "batch-checked", val, sizeof(val));
	XT_CHECK(xengnttab_unmap(gt, p, GNT_BATCH) == 0, "unmap: %s",
		 strerror(errno));
}

static void test_read_only(void)
{
	uint32_t ref;
	void *p;
	long bad;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get_u32(&T, "ro-ref", &ref));
	p = xengnttab_map_grant_ref(gt, T.domid, ref, PROT_READ | PROT_WRITE);
	XT_CHECK(p == NULL, "read-only ref %u mapped writable", ref);
	if (p)
		xengnttab_unmap(gt, p, 1);
	p = xengnttab_map_grant_ref(gt, T.domid, ref, PROT_READ);
	if (XT_CHECK(p != NULL, "map read-only ref %u read-only: %s", ref,
		     strerror(errno))) {
		bad = gnt_check(p, GNT_TAG_DOMU, 7, 0);
		XT_CHECK(bad < 0, "read-only page wrong at byte %ld", bad);
		XT_CHECK(xengnttab_unmap(gt, p, 1) == 0, "unmap: %s",
			 strerror(errno));
	}
	XT_REQUIRE_RV(&T, xt_put(&T, "ro-done", "1"));
}

/* Map @refs; must fail and leave nothing mapped. */
static void check_batch_refused(uint32_t *refs, unsigned int n,
				const char *what)
{
	void *p = xengnttab_map_domain_grant_refs(gt, n, T.domid, refs,
						  PROT_READ | PROT_WRITE);

	XT_CHECK(p == NULL, "%s: mapped, should have failed", what);
	if (p)
		xengnttab_unmap(gt, p, n);
}

static void test_bad_refs(void)
{
	uint32_t refs[GNT_BATCH], revoked, i;
	void *p;
	long bad;

	XT_BEGIN(&T);
	XT_REQUIRE(&T, have_batch, "no batch from the previous test");
	XT_REQUIRE_RV(&T, xt_get_u32(&T, "revoked-ref", &revoked));

	check_batch_refused(&revoked, 1, "revoked ref alone");
	refs[0] = GNT_BAD_REF;
	check_batch_refused(refs, 1, "out-of-range ref alone");
	/* All or nothing: one bad ref in the middle or at the end. */
	memcpy(refs, batch_refs, sizeof(refs));
	refs[GNT_BATCH / 2] = revoked;
	check_batch_refused(refs, GNT_BATCH, "batch with a revoked ref");
	memcpy(refs, batch_refs, sizeof(refs));
	refs[GNT_BATCH - 1] = GNT_BAD_REF;
	check_batch_refused(refs, GNT_BATCH, "batch with an out-of-range ref");

	/* The good refs are untouched by the failed batches. */
	p = xengnttab_map_domain_grant_refs(gt, GNT_BATCH, T.domid, batch_refs,
					    PROT_READ | PROT_WRITE);
	if (XT_CHECK(p != NULL, "good batch after failed ones: %s",
		     strerror(errno))) {
		for (i = 0; i < GNT_BATCH; i++) {
			bad = gnt_check((char *)p + i * GNT_PAGE, GNT_TAG_DOM0,
					i, 0);
			if (!XT_CHECK(bad < 0, "page %u wrong at byte %ld", i,
				      bad))
				break;
		}
		XT_CHECK(xengnttab_unmap(gt, p, GNT_BATCH) == 0, "unmap: %s",
			 strerror(errno));
	}
	XT_REQUIRE_RV(&T, xt_put(&T, "bad-done", "1"));
}

static void test_unmap_notify(void)
{
	xenevtchn_handle *xce = NULL;
	xenevtchn_port_or_error_t local = -1;
	volatile uint8_t *page = NULL;
	unsigned int ref = 0;
	int port = -1, rc = 0;
	bool cleared = false, event = false;
	char val[64];
	int64_t deadline;
	evtchn_port_t got;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get(&T, "notify-grant", val, sizeof(val)));
	XT_REQUIRE(&T, sscanf(val, "%u %d", &ref, &port) == 2 && port > 0,
		   "bad notify-grant '%s'", val);
	page =
	    xengnttab_map_grant_ref(gt, T.domid, ref, PROT_READ | PROT_WRITE);
	XT_REQUIRE(&T, page != NULL, "map notify ref %u: %s", ref,
		   strerror(errno));
	XT_CHECK(page[GNT_NOTIFY_BYTE] == 1, "notify byte is %u, want 1",
		 page[GNT_NOTIFY_BYTE]);
	XT_CHECK(gnt_check((const void *)page, GNT_TAG_DOMU, 9, 1) < 0,
		 "notify page pattern wrong");
	xce = xenevtchn_open(NULL, 0);
	if (xce)
		local = xenevtchn_bind_interdomain(xce, T.domid,
						   (evtchn_port_t)port);
	if (!XT_CHECK(local >= 0, "bind to d%u port %d: %s", T.domid, port,
		      strerror(errno))) {
		xt_abort(&T, "cannot bind the notify port");
		goto out;
	}
	/* A fresh binding may come with a spurious event: drop it now. */
	while (xt_evtchn_next(&T, xce, &got, 200) == 0)
		;
	if (xt_put(&T, "notify-armed", "1"))
		goto out;

	deadline = xt_now_ms() + T.timeout_ms;
	while (!(cleared && event) && xt_now_ms() < deadline) {
		rc = xt_evtchn_next(&T, xce, &got, 200);
		if (rc == 0 && got == (evtchn_port_t)local)
			event = true;
		else if (rc && rc != -ETIMEDOUT)
			break;
		cleared = page[GNT_NOTIFY_BYTE] == 0;
	}
	XT_CHECK(cleared,
		 "notify byte not cleared after the domU process "
		 "died (%s)",
		 rc && rc != -ETIMEDOUT ? T.why : "timeout");
	XT_CHECK(event, "no unmap-notify event on port %d (%s)", (int)local,
		 rc && rc != -ETIMEDOUT ? T.why : "timeout");
	if (xt_get(&T, "notify-killed", val, sizeof(val)) == 0)
		(void)xt_put(&T, "notify-done", "1");
out:
	if (local >= 0)
		xenevtchn_unbind(xce, (evtchn_port_t)local);
	if (xce)
		xenevtchn_close(xce);
	if (page)
		xengnttab_unmap(gt, (void *)page, 1);
}

static void test_close(void)
{
	XT_BEGIN(&T);
	XT_CHECK(xengnttab_close(gt) == 0, "xengnttab_close: %s",
		 strerror(errno));
	gt = NULL;
}

static const struct xv_test_case cases[] = {
    {"open gnttab", test_open},
    {"single page: data both ways", test_single_page},
    {"64 pages in one map call: data both ways", test_batch},
    {"read-only grant maps read-only, not writable", test_read_only},
    {"bad refs fail, and fail the whole batch", test_bad_refs},
    {"unmap notify when the domU's sharing process is killed",
     test_unmap_notify},
    {"close gnttab", test_close},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	return xt_run(&T, XT_DOM0, "gnt", argc, argv, cases);
}
