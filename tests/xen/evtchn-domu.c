/*
 * evtchn-domu.c — domU side of the event-channel suite: shares the page
 * the pings and bursts use, allocates channel A for dom0 to bind and binds
 * channel B that dom0 allocated, then pings both ways on both and runs a
 * burst each way. Partner: evtchn-dom0.c; the steps: evtchn-common.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* xtest.h first: xenctrl.h must precede any other Xen header. */
#include "xtest.h"

#include <xengnttab.h>

#include "evtchn-common.h"

static struct xt T;
static xengntshr_handle *gs;
static xenevtchn_handle *xce;
static struct evt_page *page;
/* A: we allocated it for dom0; B: dom0 allocated it, we bound it. */
static xenevtchn_port_or_error_t port_a = -1, port_b = -1;

static void test_share_page(void)
{
	uint32_t ref = 0;

	XT_BEGIN(&T);
	gs = xengntshr_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	XT_REQUIRE(&T, gs && xce, "open gntshr/evtchn: %s", strerror(errno));
	page = xengntshr_share_pages(gs, 0, 1, &ref, 1);
	XT_REQUIRE(&T, page != NULL, "share a page: %s", strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "page", "%u", ref));
}

static void test_bind_a(void)
{
	char buf[16];

	XT_BEGIN(&T);
	port_a = xenevtchn_bind_unbound_port(xce, 0);
	XT_REQUIRE(&T, port_a >= 0, "unbound port for dom0: %s",
		   strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "port-a", "%d", (int)port_a));
	XT_REQUIRE_RV(&T, xt_get(&T, "bound-a", buf, sizeof(buf)));
}

static void test_bind_b(void)
{
	uint32_t remote;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get_u32(&T, "port-b", &remote));
	port_b = xenevtchn_bind_interdomain(xce, 0, remote);
	XT_REQUIRE(&T, port_b >= 0, "bind to dom0 port %u: %s", remote,
		   strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "bound-b", "%d", (int)port_b));
}

static void test_pings(void)
{
	XT_BEGIN(&T);
	evt_ping_recv(&T, xce, port_a, &page->ping[0], "ping-a-to-domu");
	evt_ping_send(&T, xce, port_a, &page->ping[1], "ping-a-to-dom0");
	evt_ping_recv(&T, xce, port_b, &page->ping[2], "ping-b-to-domu");
	evt_ping_send(&T, xce, port_b, &page->ping[3], "ping-b-to-dom0");
}

static void test_burst_to_domu(void)
{
	XT_BEGIN(&T);
	evt_burst_recv(&T, xce, port_a, &page->burst[0], evt_burst_n(),
		       "burst-to-domu");
}

static void test_burst_to_dom0(void)
{
	XT_BEGIN(&T);
	evt_burst_send(&T, xce, port_b, &page->burst[1], evt_burst_n(),
		       "burst-to-dom0");
}

static void test_close(void)
{
	char buf[8];

	XT_BEGIN(&T);
	/* Keep the page granted until dom0 has let go of it. */
	XT_REQUIRE_RV(&T, xt_get(&T, "unmapped", buf, sizeof(buf)));
	XT_CHECK(xenevtchn_unbind(xce, port_a) == 0, "unbind A: %s",
		 strerror(errno));
	XT_CHECK(xenevtchn_unbind(xce, port_b) == 0, "unbind B: %s",
		 strerror(errno));
	XT_CHECK(xengntshr_unshare(gs, page, 1) == 0, "unshare: %s",
		 strerror(errno));
	page = NULL;
	xenevtchn_close(xce);
	xengntshr_close(gs);
	xce = NULL;
	gs = NULL;
}

static const struct xv_test_case cases[] = {
    {"share the page", test_share_page},
    {"channel A: domU allocates, dom0 binds", test_bind_a},
    {"channel B: dom0 allocates, domU binds", test_bind_b},
    {"notify both ways on both channels", test_pings},
    {"burst dom0 -> domU: coalesced, nothing lost", test_burst_to_domu},
    {"burst domU -> dom0", test_burst_to_dom0},
    {"unbind and unshare", test_close},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	return xt_run(&T, XT_DOMU, "evtchn", argc, argv, cases);
}
