/*
 * evtchn-dom0.c — dom0 side of the event-channel suite: maps the domU's
 * page, binds channel A the domU allocated and allocates channel B for
 * the domU, pings both ways on both and runs a burst each way.
 * Partner: evtchn-domu.c; the steps: evtchn-common.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* xtest.h first: xenctrl.h must precede any other Xen header. */
#include "xtest.h"

#include <xengnttab.h>

#include "evtchn-common.h"

static struct xt T;
static xengnttab_handle *gt;
static xenevtchn_handle *xce;
static struct evt_page *page;
/* A: the domU allocated it, we bound it; B: we allocated it for the domU. */
static xenevtchn_port_or_error_t port_a = -1, port_b = -1;

static void test_map_page(void)
{
	uint32_t ref;

	XT_BEGIN(&T);
	gt = xengnttab_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	XT_REQUIRE(&T, gt && xce, "open gnttab/evtchn: %s", strerror(errno));
	XT_REQUIRE_RV(&T, xt_get_u32(&T, "page", &ref));
	page =
	    xengnttab_map_grant_ref(gt, T.domid, ref, PROT_READ | PROT_WRITE);
	XT_REQUIRE(&T, page != NULL, "map ref %u: %s", ref, strerror(errno));
}

static void test_bind_a(void)
{
	uint32_t remote;

	XT_BEGIN(&T);
	XT_REQUIRE_RV(&T, xt_get_u32(&T, "port-a", &remote));
	port_a = xenevtchn_bind_interdomain(xce, T.domid, remote);
	XT_REQUIRE(&T, port_a >= 0, "bind to d%u port %u: %s", T.domid, remote,
		   strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "bound-a", "%d", (int)port_a));
}

static void test_bind_b(void)
{
	char buf[16];

	XT_BEGIN(&T);
	port_b = xenevtchn_bind_unbound_port(xce, T.domid);
	XT_REQUIRE(&T, port_b >= 0, "unbound port for d%u: %s", T.domid,
		   strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "port-b", "%d", (int)port_b));
	XT_REQUIRE_RV(&T, xt_get(&T, "bound-b", buf, sizeof(buf)));
}

static void test_pings(void)
{
	XT_BEGIN(&T);
	evt_ping_send(&T, xce, port_a, &page->ping[0], "ping-a-to-domu");
	evt_ping_recv(&T, xce, port_a, &page->ping[1], "ping-a-to-dom0");
	evt_ping_send(&T, xce, port_b, &page->ping[2], "ping-b-to-domu");
	evt_ping_recv(&T, xce, port_b, &page->ping[3], "ping-b-to-dom0");
}

static void test_burst_to_domu(void)
{
	XT_BEGIN(&T);
	evt_burst_send(&T, xce, port_a, &page->burst[0], evt_burst_n(),
		       "burst-to-domu");
}

static void test_burst_to_dom0(void)
{
	XT_BEGIN(&T);
	evt_burst_recv(&T, xce, port_b, &page->burst[1], evt_burst_n(),
		       "burst-to-dom0");
}

static void test_close(void)
{
	XT_BEGIN(&T);
	XT_CHECK(xenevtchn_unbind(xce, port_a) == 0, "unbind A: %s",
		 strerror(errno));
	XT_CHECK(xenevtchn_unbind(xce, port_b) == 0, "unbind B: %s",
		 strerror(errno));
	XT_CHECK(xengnttab_unmap(gt, page, 1) == 0, "unmap: %s",
		 strerror(errno));
	page = NULL;
	xenevtchn_close(xce);
	xengnttab_close(gt);
	xce = NULL;
	gt = NULL;
	XT_REQUIRE_RV(&T, xt_put(&T, "unmapped", "1"));
}

static const struct xv_test_case cases[] = {
    {"map the domU's page", test_map_page},
    {"channel A: domU allocates, dom0 binds", test_bind_a},
    {"channel B: dom0 allocates, domU binds", test_bind_b},
    {"notify both ways on both channels", test_pings},
    {"burst dom0 -> domU", test_burst_to_domu},
    {"burst domU -> dom0: coalesced, nothing lost", test_burst_to_dom0},
    {"unbind and unmap", test_close},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	return xt_run(&T, XT_DOM0, "evtchn", argc, argv, cases);
}
