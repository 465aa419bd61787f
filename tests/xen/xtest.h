/*
 * xtest.h — shared mechanics of the cross-domain test pairs.
 *
 * A suite <S> is two CUnit programs: <S>-dom0 (run in dom0 as
 * "<S>-dom0 <domid>") and <S>-domu (run in that domU). They meet in
 * xenstore under one per-suite directory, the "base":
 *
 *   /local/domain/<D>/data/xvtest/<S>/dom0/<key>   written by dom0
 *   /local/domain/<D>/data/xvtest/<S>/domu/<key>   written by the domU
 *
 * Each side only writes its own half and only waits on the peer's half,
 * so either may start first. dom0 owns the set-up: it removes a stale
 * base, creates it owned by the domU (perms n<D>) and writes dom0/ready;
 * the domU waits for dom0/ready before writing anything, answers with
 * domu/hello, and ends with domu/done, after which dom0 removes the base.
 * A value is a short string; a step that must wait for the peer is one
 * xt_get() on a key the peer xt_put()s.
 *
 * Every wait has a deadline ($XV_XTEST_TIMEOUT seconds, default 30) and is
 * level-triggered: a watch event only means "look again". dom0 also watches
 * @releaseDomain and, at least once a second, asks xenstored and Xen
 * whether the domU still lives, so an "xl destroy" mid-suite fails the
 * waiting test with "domU <D> went away during <S>" within about a second.
 *
 * A broken rendezvous is sticky: once a wait fails (timeout, peer gone,
 * peer aborted) or a test gives up with XT_REQUIRE, the side writes its
 * <side>/abort node and every later wait on either side fails at once
 * with the first reason, so one failure never costs one timeout per test.
 *
 * Trusts: the peer is a cooperating test program; values it writes are
 * still parsed with bounds (a confused peer gives a failure, not a crash).
 */
#ifndef XV_XTEST_H
#define XV_XTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* xenctrl.h first: it defines __XEN_TOOLS__, which the other Xen headers
 * need; so programs include xtest.h before any other Xen header. */
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenstore.h>

#include "xv-test.h"

enum xt_side {
	XT_DOM0,
	XT_DOMU,
};

#define XT_MAX_WATCHES 8
#define XT_PATH_MAX    160
#define XT_VALUE_MAX   2048

/*
 * One per program; single-threaded (libxenstore's own reader thread is
 * hidden behind xs_check_watch). Fields are read-only for tests except
 * through the functions below.
 */
struct xt {
	enum xt_side side;
	const char *suite;  /* "xs", "gnt", ... */
	unsigned int domid; /* the domU's id, on both sides */
	struct xs_handle *xs;
	xc_interface *xc;	/* dom0 only */
	char base[XT_PATH_MAX]; /* /local/domain/<D>/data/xvtest/<suite> */
	int timeout_ms;		/* per wait */
	bool watch_used[XT_MAX_WATCHES];
	bool watch_fired[XT_MAX_WATCHES];
	bool lost;     /* sticky: the pair is broken */
	char why[256]; /* first reason it broke */
	int argc;
	char **argv;
};

/*
 * Run one side of suite @suite: the CUnit suite "<suite>-dom0|domu" made of
 * a "rendezvous" test, @cases (terminated by { NULL, NULL }), a "finish"
 * test and, in a domU with XV_XTEST_INJECT_FAIL=1, a deliberately failing
 * test. Returns the exit code.
 */
int xt_run(struct xt *t, enum xt_side side, const char *suite, int argc,
	   char **argv, const struct xv_test_case *cases);

/* ---- rendezvous ---------------------------------------------------------- */

/* Write <base>/<my side>/<key> = formatted value (retries EAGAIN). */
int xt_put(struct xt *t, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Wait until the peer has written <base>/<peer side>/<key>; copy its value
 * (NUL-terminated, truncated to @len) to @buf. 0, or -ETIMEDOUT, -ESRCH
 * (domU gone), -ECONNABORTED (pair broken); t->why says which.
 */
int xt_get(struct xt *t, const char *key, char *buf, size_t len);

/* xt_get and parse one unsigned number. -EPROTO if it is not one. */
int xt_get_u32(struct xt *t, const char *key, uint32_t *val);

/* Both sides call it with the same @step: neither returns before both came. */
int xt_sync(struct xt *t, const char *step);

/*
 * Mark the pair broken with a reason (printf-like), write our abort node so
 * the peer stops waiting. Keeps the first reason. Returns -ECONNABORTED.
 */
int xt_abort(struct xt *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- waiting ------------------------------------------------------------- */

/* Monotonic milliseconds. */
int64_t xt_now_ms(void);

/* 0 while the peer may still answer; -ESRCH (domU gone, dom0 side only) or
 * -ECONNABORTED (the pair is broken / the peer wrote its abort node). */
int xt_check_peer(struct xt *t);

/*
 * Wait until @fd (may be -1: just service xenstore) is readable or
 * @timeout_ms passed, servicing xenstore watch events meanwhile and
 * checking the peer at least once a second. 1 readable, 0 timed out,
 * -ESRCH / -ECONNABORTED as xt_check_peer, -errno.
 */
int xt_poll(struct xt *t, int fd, int timeout_ms);

/*
 * Wait up to @timeout_ms for the next event on @xce; on success *port is
 * the port and it has been unmasked again (the caller re-checks its
 * condition: events are level hints and may be spurious). 0, -ETIMEDOUT,
 * -ESRCH, -ECONNABORTED, -errno.
 */
int xt_evtchn_next(struct xt *t, xenevtchn_handle *xce, evtchn_port_t *port,
		   int timeout_ms);

/*
 * The level-triggered wait of every event-driven consumer: wait until,
 * right after an event on @port, *@word (shared memory, read with acquire)
 * equals @want. Events on other ports are ignored; events after which the
 * word is not yet @want (spurious, or coalesced ones) only count. *events
 * counts the events seen on @port (not reset), *last is the last value
 * read. 0, -ETIMEDOUT, -ESRCH, -ECONNABORTED, -errno.
 */
int xt_evtchn_wait_word(struct xt *t, xenevtchn_handle *xce, evtchn_port_t port,
			const uint32_t *word, uint32_t want, int timeout_ms,
			unsigned int *events, uint32_t *last);

/* Consume the events already pending on @xce; returns how many. */
unsigned int xt_evtchn_drain(struct xt *t, xenevtchn_handle *xce);

/*
 * Register a watch on @path and consume the event xenstored sends at
 * registration, so that xt_wait_watch(*id) then waits for a real change.
 * 0, or -errno / a wait error (no registration event within the timeout).
 */
int xt_watch(struct xt *t, const char *path, int *id);
void xt_unwatch(struct xt *t, const char *path, int id);

/* Wait for watch @id to fire (consumes the flag). 0, -ETIMEDOUT, ... */
int xt_wait_watch(struct xt *t, int id, int timeout_ms);

/*
 * Watch @path, xt_put(@announce, "1") so the peer knows the watch is set,
 * then wait up to the timeout, level-triggered, until @path reads @want.
 * 0 when it does; else the watch's or the announcement's error, a wait
 * error or -ETIMEDOUT. @val (@len bytes) holds the last value read, ""
 * if none.
 */
int xt_watch_until(struct xt *t, const char *path, const char *announce,
		   const char *want, char *val, size_t len);

/* ---- xenstore helpers ---------------------------------------------------- */

/* Read @path into @buf (NUL-terminated). 0 or -errno (-ENOENT, -EACCES). */
int xt_read(struct xt *t, const char *path, char *buf, size_t len);

/* Write @path = @val outside a transaction, retrying EAGAIN. 0 or -errno. */
int xt_write(struct xt *t, const char *path, const char *val);

/* ---- reporting ----------------------------------------------------------- */

/* Record a CUnit failure with a formatted message (also echoed on stdout). */
void xt_fail_at(const char *file, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record a pass, or a failure with the message; returns @ok. */
bool xt_check_at(bool ok, const char *file, unsigned int line, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

#define XT_FAIL(...) xt_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define XT_CHECK(cond, ...) \
	xt_check_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/*
 * A step the rest of the suite depends on: on failure record it, break the
 * pair (so the peer stops waiting) and return from the calling test.
 */
#define XT_REQUIRE(t, cond, ...)                                               \
	do {                                                                   \
		if (!XT_CHECK(cond, __VA_ARGS__)) {                            \
			xt_abort((t), "%s:%d: %s", __FILE__, __LINE__, #cond); \
			return;                                                \
		}                                                              \
	} while (0)

/* First line of every test: a broken pair fails the test without waiting. */
#define XT_BEGIN(t)                                                            \
	do {                                                                   \
		if ((t)->lost) {                                               \
			XT_FAIL("skipped: pair broken earlier: %s", (t)->why); \
			return;                                                \
		}                                                              \
	} while (0)

/* Require a rendezvous call's rc == 0; the message is t->why. */
#define XT_REQUIRE_RV(t, rc) \
	XT_REQUIRE((t), (rc) == 0, "%s", (t)->why[0] ? (t)->why : "failed")

#endif /* XV_XTEST_H */
