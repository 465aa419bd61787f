/*
 * exchange-dom0 — dom0 side of the main job's first exchange (see
 * exchange.h). Usage: exchange-dom0 <domid>
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <xenevtchn.h>
#include <xengnttab.h>

#include "exchange.h"

static char *wait_node(struct xs_handle *xs, unsigned dom, const char *leaf)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/" XCHG_DIR "/%s", dom,
		 leaf);
	return xchg_wait_read(xs, path);
}

int main(int argc, char **argv)
{
	struct xs_handle *xs = xs_open(0);
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
	char *gref_s = NULL, *port_s = NULL, *done = NULL, *page = NULL;
	char greeting[XCHG_HALF];
	unsigned dom;
	uint32_t gref;
	evtchn_port_t remote;
	xenevtchn_port_or_error_t local;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <domid>\n", argv[0]);
		return 2;
	}
	dom = (unsigned)strtoul(argv[1], NULL, 10);
	if (!xs || !xgt || !xce) {
		perror("dom0: opening xenstore/gnttab/evtchn");
		goto out;
	}
	gref_s = wait_node(xs, dom, "gref");
	port_s = wait_node(xs, dom, "port");
	if (!gref_s || !port_s) {
		printf("dom0: domU %u published no grant/port in %u s\n", dom,
		       xchg_timeout());
		goto out;
	}
	gref = (uint32_t)strtoul(gref_s, NULL, 10);
	remote = (evtchn_port_t)strtoul(port_s, NULL, 10);
	printf("dom0: domU %u offers grant ref %u and event channel port %u\n",
	       dom, gref, remote);

	page = xengnttab_map_grant_ref(xgt, dom, gref, PROT_READ | PROT_WRITE);
	if (!page) {
		perror("dom0: xengnttab_map_grant_ref");
		goto out;
	}
	/* Copy before use: the domU can change the page under us. */
	memcpy(greeting, page, sizeof(greeting));
	greeting[sizeof(greeting) - 1] = '\0';
	printf("dom0: mapped the grant; the page says: \"%s\"\n", greeting);
	snprintf(page + XCHG_HALF, XCHG_HALF,
		 "hello domU %u, dom0 read your %zu-byte greeting through "
		 "grant ref %u",
		 dom, strlen(greeting), gref);
	printf("dom0: wrote back: \"%s\"\n", page + XCHG_HALF);

	local = xenevtchn_bind_interdomain(xce, dom, remote);
	if (local < 0) {
		perror("dom0: xenevtchn_bind_interdomain");
		goto out;
	}
	if (xenevtchn_notify(xce, (evtchn_port_t)local) < 0) {
		perror("dom0: xenevtchn_notify");
		goto out;
	}
	printf("dom0: bound local port %d to domU port %u and notified it\n",
	       local, remote);
	done = wait_node(xs, dom, "done");
	if (!done) {
		printf("dom0: domU %u did not confirm in %u s\n", dom,
		       xchg_timeout());
		goto out;
	}
	printf("dom0: domU %u confirmed it read the reply\n", dom);
	rc = 0;
out:
	if (page)
		xengnttab_unmap(xgt, page, 1);
	free(gref_s);
	free(port_s);
	free(done);
	if (xce)
		xenevtchn_close(xce);
	if (xgt)
		xengnttab_close(xgt);
	if (xs)
		xs_close(xs);
	printf("dom0: exchange %s\n", rc ? "FAILED" : "done");
	return rc;
}
