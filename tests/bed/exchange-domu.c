/*
 * exchange-domu — domU side of the main job's first exchange (see
 * exchange.h). Exit 0 when dom0's reply arrived through the shared page
 * after an event on the offered channel.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>

#include "exchange.h"

static int wait_reply(xenevtchn_handle *xce, const volatile char *reply)
{
	struct pollfd pfd = {.fd = xenevtchn_fd(xce), .events = POLLIN};
	unsigned waited_ms = 0;

	/* The first event after binding can be spurious: re-check the page. */
	while (reply[0] == '\0') {
		int r = poll(&pfd, 1, 100);

		if (r > 0) {
			xenevtchn_port_or_error_t p = xenevtchn_pending(xce);

			if (p < 0)
				return -errno;
			printf("domU: event on port %d\n", p);
			xenevtchn_unmask(xce, (evtchn_port_t)p);
		} else if (r < 0 && errno != EINTR) {
			return -errno;
		}
		waited_ms += 100;
		if (waited_ms >= xchg_timeout() * 1000)
			return -ETIMEDOUT;
	}
	return 0;
}

int main(void)
{
	struct xs_handle *xs = xs_open(0);
	xengntshr_handle *gs = xengntshr_open(NULL, 0);
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
	uint32_t ref = 0;
	char *page = NULL, val[32];
	xenevtchn_port_or_error_t port;
	int rc = 1;

	if (!xs || !gs || !xce) {
		perror("domU: opening xenstore/gntshr/evtchn");
		goto out;
	}
	page = xengntshr_share_pages(gs, 0, 1, &ref, 1);
	if (!page) {
		perror("domU: xengntshr_share_pages");
		goto out;
	}
	memset(page, 0, 4096);
	snprintf(page, XCHG_HALF,
		 "hello dom0, this is a domU writing into "
		 "a page it granted you");
	port = xenevtchn_bind_unbound_port(xce, 0);
	if (port < 0) {
		perror("domU: xenevtchn_bind_unbound_port");
		goto out;
	}
	printf("domU: shared one page with dom0: grant ref %u\n", ref);
	printf("domU: wrote into it: \"%s\"\n", page);
	printf("domU: offered event channel port %d to dom0\n", port);
	snprintf(val, sizeof(val), "%u", ref);
	xs_write(xs, XBT_NULL, XCHG_DIR "/gref", val, strlen(val));
	snprintf(val, sizeof(val), "%d", port);
	xs_write(xs, XBT_NULL, XCHG_DIR "/port", val, strlen(val));

	if (wait_reply(xce, page + XCHG_HALF) < 0) {
		printf("domU: no reply from dom0 in %u s\n", xchg_timeout());
		goto out;
	}
	page[4095] = '\0';
	printf("domU: dom0 wrote back: \"%s\"\n", page + XCHG_HALF);
	xs_write(xs, XBT_NULL, XCHG_DIR "/done", "ok", 2);
	rc = 0;
out:
	if (page)
		xengntshr_unshare(gs, page, 1);
	if (xce)
		xenevtchn_close(xce);
	if (gs)
		xengntshr_close(gs);
	if (xs)
		xs_close(xs);
	printf("domU: exchange %s\n", rc ? "FAILED" : "done");
	return rc;
}
