/*
 * evtchn-common.h — the steps of the event-channel suite, the same code on
 * both sides with the roles swapped: a ping (one notification, a flag in
 * a shared page) and a burst (N notifications, each after bumping a
 * counter in the shared page). The receiver arms (drains stale events,
 * then says so in xenstore) before the sender starts, and judges only by
 * what it reads right after an event: events are level hints, may be
 * spurious and coalesce.
 */
#ifndef XV_EVTCHN_COMMON_H
#define XV_EVTCHN_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtest.h"

#define EVT_BURST_DEFAULT 1000u

/* The page the domU shares; dom0 maps it. Zeroed by gntalloc. */
struct evt_page {
	uint32_t ping[4];  /* one per ping step */
	uint32_t burst[2]; /* [0] dom0 -> domU, [1] domU -> dom0 */
};

static inline unsigned int evt_burst_n(void)
{
	const char *env = getenv("XV_XTEST_BURST");
	unsigned long n = env && *env ? strtoul(env, NULL, 0) : 0;

	return n >= 2 && n <= 1000000 ? (unsigned int)n : EVT_BURST_DEFAULT;
}

static inline void evt_ping_send(struct xt *t, xenevtchn_handle *xce,
				 evtchn_port_t port, uint32_t *word,
				 const char *key)
{
	char buf[8];

	XT_REQUIRE_RV(t, xt_get(t, key, buf, sizeof(buf)));
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	XT_CHECK(xenevtchn_notify(xce, port) == 0, "%s: notify port %u: %s",
		 key, port, strerror(errno));
}

static inline void evt_ping_recv(struct xt *t, xenevtchn_handle *xce,
				 evtchn_port_t port, uint32_t *word,
				 const char *key)
{
	unsigned int events = 0;
	uint32_t last = 0;
	int rc;

	xt_evtchn_drain(t, xce);
	XT_CHECK(__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0,
		 "%s: flag set before the notification", key);
	XT_REQUIRE_RV(t, xt_put(t, key, "1"));
	rc = xt_evtchn_wait_word(t, xce, port, word, 1, t->timeout_ms, &events,
				 &last);
	XT_REQUIRE(t, rc == 0,
		   "%s: no event on port %u after which the flag was set "
		   "(%u events, flag %u): %s",
		   key, port, events, last,
		   rc == -ETIMEDOUT ? "timeout" : t->why);
}

static inline void evt_burst_send(struct xt *t, xenevtchn_handle *xce,
				  evtchn_port_t port, uint32_t *counter,
				  unsigned int n, const char *key)
{
	char k[64], buf[32];
	unsigned int i, failed = 0;

	snprintf(k, sizeof(k), "%s-armed", key);
	XT_REQUIRE_RV(t, xt_get(t, k, buf, sizeof(buf)));
	for (i = 1; i <= n; i++) {
		__atomic_store_n(counter, i, __ATOMIC_RELEASE);
		if (xenevtchn_notify(xce, port) != 0)
			failed++;
	}
	XT_CHECK(failed == 0, "%s: %u of %u notifications failed", key, failed,
		 n);
	snprintf(k, sizeof(k), "%s-sent", key);
	XT_REQUIRE_RV(t, xt_put(t, k, "%u", n));
	snprintf(k, sizeof(k), "%s-result", key);
	XT_REQUIRE_RV(t, xt_get(t, k, buf, sizeof(buf)));
	printf("\n    %s: %u notifications arrived as %s events\n", key, n,
	       buf);
}

static inline void evt_burst_recv(struct xt *t, xenevtchn_handle *xce,
				  evtchn_port_t port, uint32_t *counter,
				  unsigned int n, const char *key)
{
	unsigned int events = 0, late;
	uint32_t last = 0;
	char k[64], buf[32];
	int rc;

	xt_evtchn_drain(t, xce);
	snprintf(k, sizeof(k), "%s-armed", key);
	XT_REQUIRE_RV(t, xt_put(t, k, "1"));
	rc = xt_evtchn_wait_word(t, xce, port, counter, n, t->timeout_ms,
				 &events, &last);
	/* Only values read after an event count: a lost wake-up shows. */
	XT_REQUIRE(t, rc == 0,
		   "%s: after the last of %u events the counter read %u of "
		   "%u: %s",
		   key, events, last, n, rc == -ETIMEDOUT ? "timeout" : t->why);
	snprintf(k, sizeof(k), "%s-sent", key);
	XT_REQUIRE_RV(t, xt_get(t, k, buf, sizeof(buf)));
	/* The sender is done: whatever is still pending changes nothing. */
	late = xt_evtchn_drain(t, xce);
	last = __atomic_load_n(counter, __ATOMIC_ACQUIRE);
	XT_CHECK(last == n, "%s: counter %u after the burst, want %u", key,
		 last, n);
	XT_CHECK(events >= 1 && events < n,
		 "%s: %u notifications gave %u events: not coalesced", key, n,
		 events);
	printf("\n    %s: %u notifications, %u events (+%u late)\n", key, n,
	       events, late);
	snprintf(k, sizeof(k), "%s-result", key);
	XT_REQUIRE_RV(t, xt_put(t, k, "%u", events));
}

#endif /* XV_EVTCHN_COMMON_H */
