/*
 * xtest.c — rendezvous, waits with deadlines and domain-gone detection for
 * the cross-domain test pairs (see xtest.h for the protocol).
 */
#include "xtest.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "compiler.h"

#define RELEASE_TOKEN "xt-release"
/* The peer is checked at least this often while waiting. */
#define TICK_MS		  1000
#define DEFAULT_TIMEOUT_S 30

/* The context of the running program, for the built-in tests. */
static struct xt *xt_self;

static const char *side_name(enum xt_side side)
{
	return side == XT_DOM0 ? "dom0" : "domu";
}

static const char *peer_name(enum xt_side side)
{
	return side == XT_DOM0 ? "domu" : "dom0";
}

int64_t xt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int timeout_from_env(void)
{
	const char *env = getenv("XV_XTEST_TIMEOUT");
	long s = env && *env ? strtol(env, NULL, 0) : DEFAULT_TIMEOUT_S;

	if (s <= 0 || s > 3600)
		s = DEFAULT_TIMEOUT_S;
	return (int)s * 1000;
}

/* ---- reporting ------------------------------------------------------------ */

static void report(bool ok, const char *file, unsigned int line,
		   const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* CUnit's verbose mode prints it at once; it copies the condition string into its failure record. */
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, line, msg, file, "",
				CU_FALSE);
}

void xt_fail_at(const char *file, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(false, file, line, fmt, ap);
	va_end(ap);
}

bool xt_check_at(bool ok, const char *file, unsigned int line, const char *fmt,
		 ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ok, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

/* ---- xenstore helpers ----------------------------------------------------- */

int xt_read(struct xt *t, const char *path, char *buf, size_t len)
{
	unsigned int n = 0;
	char *v;

	if (!t->xs)
		return -ENOTCONN;
	v = xs_read(t->xs, XBT_NULL, path, &n);
	if (!v)
		return errno ? -errno : -EIO;
	if (len) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(buf, v, c);
		buf[c] = '\0';
	}
	free(v);
	return 0;
}

int xt_write(struct xt *t, const char *path, const char *val)
{
	int tries;

	if (!t->xs)
		return -ENOTCONN;
	for (tries = 0; tries < 10; tries++) {
		if (xs_write(t->xs, XBT_NULL, path, val, strlen(val)))
			return 0;
		if (errno != EAGAIN)
			break;
	}
	return errno ? -errno : -EIO;
}

static void node_path(const struct xt *t, char *buf, size_t len,
		      const char *side, const char *key)
{
	snprintf(buf, len, "%s/%s/%s", t->base, side, key);
}

/* Break the pair: keep the first reason, tell the peer. Returns @rc. */
static int xt_lost(struct xt *t, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int xt_lost(struct xt *t, int rc, const char *fmt, ...)
{
	char path[XT_PATH_MAX + 32];
	va_list ap;

	if (t->lost)
		return rc;
	t->lost = true;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	printf("\n    xtest %s-%s: pair broken: %s\n", t->suite,
	       side_name(t->side), t->why);
	fflush(stdout);
	/* A gone domU's tree is gone: writing would recreate it. */
	if (t->xs && t->base[0] && rc != -ESRCH) {
		node_path(t, path, sizeof(path), side_name(t->side), "abort");
		(void)xt_write(t, path, t->why);
	}
	return rc;
}

int xt_abort(struct xt *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xt_lost(t, -ECONNABORTED, "%s side gave up: %s",
		       side_name(t->side), msg);
}

/* ---- liveness ------------------------------------------------------------- */

static bool domu_alive(struct xt *t)
{
	xc_dominfo_t info;

	if (!xs_is_domain_introduced(t->xs, t->domid))
		return false;
	if (t->xc) {
		/* getinfo enumerates from domid on: check it is ours. */
		if (xc_domain_getinfo(t->xc, t->domid, 1, &info) != 1 ||
		    info.domid != t->domid || info.dying || info.shutdown)
			return false;
	}
	return true;
}

int xt_check_peer(struct xt *t)
{
	char path[XT_PATH_MAX + 32];
	char why[200];

	if (t->lost)
		return -ECONNABORTED;
	if (!t->xs)
		return xt_lost(t, -ENOTCONN, "no xenstore connection");
	if (t->side == XT_DOM0 && !domu_alive(t))
		return xt_lost(t, -ESRCH, "domU %u went away during %s",
			       t->domid, t->suite);
	node_path(t, path, sizeof(path), peer_name(t->side), "abort");
	if (xt_read(t, path, why, sizeof(why)) == 0)
		return xt_lost(t, -ECONNABORTED, "peer aborted %s: %s",
			       t->suite, why);
	return 0;
}

/* ---- waiting -------------------------------------------------------------- */

static void drain_watches(struct xt *t)
{
	char **ev;
	int id;

	while ((ev = xs_check_watch(t->xs))) {
		if (sscanf(ev[XS_WATCH_TOKEN], "xtw%d", &id) == 1 && id >= 0 &&
		    id < XT_MAX_WATCHES && t->watch_used[id])
			t->watch_fired[id] = true;
		/* @releaseDomain needs no flag: every wake-up checks. */
		free(ev);
	}
}

int xt_poll(struct xt *t, int fd, int timeout_ms)
{
	int64_t deadline = xt_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd[2];
		int64_t left;
		int n = 0, xsfd, r, rc;

		rc = xt_check_peer(t);
		if (rc)
			return rc;
		left = deadline - xt_now_ms();
		if (left < 0)
			left = 0;
		xsfd = xs_fileno(t->xs);
		if (xsfd >= 0)
			pfd[n++] =
			    (struct pollfd){.fd = xsfd, .events = POLLIN};
		if (fd >= 0)
			pfd[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
		r = poll(pfd, n, left < TICK_MS ? (int)left : TICK_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0) {
			if (xsfd >= 0 && pfd[0].revents) {
				drain_watches(t);
				rc = 1;
			}
			if (fd >= 0 && pfd[n - 1].revents)
				rc = 1;
			if (rc)
				return xt_check_peer(t) ?: 1;
		}
		if (xt_now_ms() >= deadline)
			return xt_check_peer(t);
	}
}

int xt_evtchn_next(struct xt *t, xenevtchn_handle *xce, evtchn_port_t *port,
		   int timeout_ms)
{
	int64_t deadline = xt_now_ms() + timeout_ms;
	int fd = xenevtchn_fd(xce);

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		xenevtchn_port_or_error_t got;
		int64_t left;
		int r;

		/* xenevtchn_pending may block even on a non-blocking fd. */
		if (poll(&p, 1, 0) > 0) {
			got = xenevtchn_pending(xce);
			if (got < 0)
				return -errno;
			/* Unmask before the caller re-checks: nothing lost. */
			if (xenevtchn_unmask(xce, (evtchn_port_t)got) < 0)
				return -errno;
			*port = (evtchn_port_t)got;
			return 0;
		}
		left = deadline - xt_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = xt_poll(t, fd, (int)left);
		if (r < 0)
			return r;
	}
}

int xt_evtchn_wait_word(struct xt *t, xenevtchn_handle *xce, evtchn_port_t port,
			const uint32_t *word, uint32_t want, int timeout_ms,
			unsigned int *events, uint32_t *last)
{
	int64_t deadline = xt_now_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - xt_now_ms();
		evtchn_port_t got;
		int rc;

		rc = xt_evtchn_next(t, xce, &got, left > 0 ? (int)left : 0);
		if (rc)
			return rc;
		if (got != port)
			continue;
		(*events)++;
		/* The port is unmasked again: a later update brings an event. */
		*last = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		if (*last == want)
			return 0;
	}
}

unsigned int xt_evtchn_drain(struct xt *t, xenevtchn_handle *xce)
{
	unsigned int n = 0;
	evtchn_port_t got;

	while (xt_evtchn_next(t, xce, &got, 0) == 0)
		n++;
	return n;
}

static int watch_register(struct xt *t, const char *path, int *id)
{
	char token[16];
	int i;

	for (i = 0; i < XT_MAX_WATCHES; i++)
		if (!t->watch_used[i])
			break;
	if (i == XT_MAX_WATCHES)
		return -ENOSPC;
	snprintf(token, sizeof(token), "xtw%d", i);
	if (!xs_watch(t->xs, path, token))
		return errno ? -errno : -EIO;
	t->watch_used[i] = true;
	t->watch_fired[i] = false;
	*id = i;
	return 0;
}

void xt_unwatch(struct xt *t, const char *path, int id)
{
	char token[16];

	if (id < 0 || id >= XT_MAX_WATCHES || !t->watch_used[id] || !t->xs)
		return;
	snprintf(token, sizeof(token), "xtw%d", id);
	/* XS_UNWATCH_FILTER: no stale event for this token after this. */
	(void)xs_unwatch(t->xs, path, token);
	t->watch_used[id] = false;
	t->watch_fired[id] = false;
}

int xt_wait_watch(struct xt *t, int id, int timeout_ms)
{
	int64_t deadline = xt_now_ms() + timeout_ms;

	if (id < 0 || id >= XT_MAX_WATCHES || !t->watch_used[id])
		return -EINVAL;
	for (;;) {
		int64_t left;
		int r;

		drain_watches(t);
		if (t->watch_fired[id]) {
			t->watch_fired[id] = false;
			return 0;
		}
		left = deadline - xt_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = xt_poll(t, -1, (int)left);
		if (r < 0)
			return r;
	}
}

int xt_watch(struct xt *t, const char *path, int *id)
{
	int rc;

	if (!t->xs)
		return -ENOTCONN;
	rc = watch_register(t, path, id);
	if (rc)
		return rc;
	/* xenstored fires every new watch once: swallow that one. */
	rc = xt_wait_watch(t, *id, t->timeout_ms);
	if (rc) {
		xt_unwatch(t, path, *id);
		*id = -1;
	}
	return rc;
}

int xt_watch_until(struct xt *t, const char *path, const char *announce,
		   const char *want, char *val, size_t len)
{
	int64_t deadline;
	int id = -1, rc;

	val[0] = '\0';
	rc = xt_watch(t, path, &id);
	if (rc)
		return rc;
	rc = xt_put(t, announce, "1");
	deadline = xt_now_ms() + t->timeout_ms;
	/*
	 * Read only after an event: the point is that the watch fires.
	 * Level-triggered: an event only says "read again".
	 */
	while (rc == 0 && xt_now_ms() < deadline) {
		rc = xt_wait_watch(t, id, (int)(deadline - xt_now_ms()));
		if (rc == 0 && xt_read(t, path, val, len) == 0 &&
		    strcmp(val, want) == 0)
			break;
	}
	if (rc == 0 && strcmp(val, want) != 0)
		rc = -ETIMEDOUT;
	xt_unwatch(t, path, id);
	return rc;
}

/* ---- rendezvous ----------------------------------------------------------- */

int xt_put(struct xt *t, const char *key, const char *fmt, ...)
{
	char path[XT_PATH_MAX + 64];
	char val[XT_VALUE_MAX];
	va_list ap;
	int rc;

	if (t->lost)
		return -ECONNABORTED;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	node_path(t, path, sizeof(path), side_name(t->side), key);
	rc = xt_write(t, path, val);
	if (rc)
		return xt_lost(t, rc, "cannot write %s: %s", path,
			       strerror(-rc));
	return 0;
}

int xt_get(struct xt *t, const char *key, char *buf, size_t len)
{
	char path[XT_PATH_MAX + 64];
	int64_t deadline = xt_now_ms() + t->timeout_ms;
	int id = -1, rc;

	if (t->lost)
		return -ECONNABORTED;
	node_path(t, path, sizeof(path), peer_name(t->side), key);
	/* Without the watch we still look once a tick: it only speeds up. */
	(void)watch_register(t, path, &id);
	for (;;) {
		int64_t left;

		rc = xt_read(t, path, buf, len);
		if (rc == 0)
			break;
		/* A missing node under an unreadable parent reads as EACCES. */
		if (rc != -ENOENT && rc != -EACCES) {
			rc = xt_lost(t, rc, "cannot read %s: %s", path,
				     strerror(-rc));
			break;
		}
		left = deadline - xt_now_ms();
		if (left <= 0) {
			rc = xt_lost(t, -ETIMEDOUT,
				     "timeout (%d s) waiting for the %s side "
				     "of %s to write '%s'",
				     t->timeout_ms / 1000, peer_name(t->side),
				     t->suite, key);
			break;
		}
		rc = xt_poll(t, -1, (int)left);
		if (rc < 0)
			break;
	}
	xt_unwatch(t, path, id);
	return rc < 0 ? rc : 0;
}

int xt_get_u32(struct xt *t, const char *key, uint32_t *val)
{
	char buf[32], *end;
	unsigned long v;
	int rc;

	rc = xt_get(t, key, buf, sizeof(buf));
	if (rc)
		return rc;
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || end == buf || *end || v > UINT32_MAX)
		return xt_lost(t, -EPROTO, "peer wrote '%s' for %s: not a u32",
			       buf, key);
	*val = (uint32_t)v;
	return 0;
}

int xt_sync(struct xt *t, const char *step)
{
	char buf[8];
	int rc;

	rc = xt_put(t, step, "1");
	if (rc)
		return rc;
	return xt_get(t, step, buf, sizeof(buf));
}

/* ---- set-up and the built-in tests ----------------------------------------- */

static int parse_domid(const char *s, unsigned int *domid)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	/* A domU: not dom0, below DOMID_FIRST_RESERVED (0x7ff0). */
	if (errno || *end || v == 0 || v >= 0x7ff0)
		return -EINVAL;
	*domid = (unsigned int)v;
	return 0;
}

/* dom0: a clean base owned by the domU, then "ready", then the hello. */
static int setup_dom0(struct xt *t)
{
	struct xs_permissions perms[1];
	char path[XT_PATH_MAX + 32], buf[32];
	int tries, rc;

	snprintf(t->base, sizeof(t->base), "/local/domain/%u/data/xvtest/%s",
		 t->domid, t->suite);
	t->xc = xc_interface_open(NULL, NULL, 0);
	if (!t->xc)
		return xt_lost(t, -errno, "xc_interface_open: %s",
			       strerror(errno));
	if (!xs_watch(t->xs, "@releaseDomain", RELEASE_TOKEN))
		return xt_lost(t, -errno, "watch @releaseDomain: %s",
			       strerror(errno));
	if (!domu_alive(t))
		return xt_lost(t, -ESRCH, "domU %u is not running", t->domid);

	perms[0] =
	    (struct xs_permissions){.id = t->domid, .perms = XS_PERM_NONE};
	for (tries = 0; tries < 20; tries++) {
		xs_transaction_t tx = xs_transaction_start(t->xs);
		bool ok;

		if (!tx)
			return xt_lost(t, -errno, "transaction_start: %s",
				       strerror(errno));
		/* A stale base can only be ours: the domU waits for ready. */
		xs_rm(t->xs, tx, t->base);
		ok = xs_mkdir(t->xs, tx, t->base) &&
		     xs_set_permissions(t->xs, tx, t->base, perms, 1);
		node_path(t, path, sizeof(path), "dom0", "ready");
		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		ok = ok && xs_write(t->xs, tx, path, buf, strlen(buf));
		if (!ok) {
			rc = -errno;
			xs_transaction_end(t->xs, tx, true);
			return xt_lost(t, rc, "creating %s: %s", t->base,
				       strerror(-rc));
		}
		if (xs_transaction_end(t->xs, tx, false))
			break;
		if (errno != EAGAIN)
			return xt_lost(t, -errno, "commit %s: %s", t->base,
				       strerror(errno));
	}
	return xt_get(t, "hello", buf, sizeof(buf));
}

/* domU: who am I, then wait for dom0's "ready", then say hello. */
static int setup_domu(struct xt *t)
{
	char buf[32];
	int rc;

	/* Relative paths are under /local/domain/<me>; libxl writes domid. */
	rc = xt_read(t, "domid", buf, sizeof(buf));
	if (rc)
		return xt_lost(t, rc, "cannot read my domid: %s",
			       strerror(-rc));
	if (parse_domid(buf, &t->domid))
		return xt_lost(t, -EPROTO, "bad domid node '%s'", buf);
	snprintf(t->base, sizeof(t->base), "/local/domain/%u/data/xvtest/%s",
		 t->domid, t->suite);
	rc = xt_get(t, "ready", buf, sizeof(buf));
	if (rc)
		return rc;
	return xt_put(t, "hello", "%d", (int)getpid());
}

static void test_rendezvous(void)
{
	struct xt *t = xt_self;
	int rc;

	/* XS_UNWATCH_FILTER: see xt_unwatch. The other flags are ignored. */
	t->xs = xs_open(XS_UNWATCH_FILTER);
	if (t->side == XT_DOM0 &&
	    (t->argc < 2 || parse_domid(t->argv[1], &t->domid))) {
		rc = xt_lost(t, -EINVAL, "usage: %s-dom0 <domU id>", t->suite);
	} else if (!t->xs) {
		rc = xt_lost(t, -errno, "xs_open: %s", strerror(errno));
	} else {
		rc = t->side == XT_DOM0 ? setup_dom0(t) : setup_domu(t);
	}
	XT_CHECK(rc == 0, "rendezvous of %s with domU %u: %s", t->suite,
		 t->domid, t->why);
	if (rc == 0)
		printf("\n    %s-%s: domU %u, base %s, timeout %d s\n",
		       t->suite, side_name(t->side), t->domid, t->base,
		       t->timeout_ms / 1000);
}

static void test_finish(void)
{
	struct xt *t = xt_self;
	char buf[8];
	int rc;

	if (t->lost) {
		XT_FAIL("pair broken: %s", t->why);
		return;
	}
	if (t->side == XT_DOMU) {
		rc = xt_put(t, "done", "1");
		XT_CHECK(rc == 0, "%s", t->why);
		return;
	}
	rc = xt_get(t, "done", buf, sizeof(buf));
	if (!XT_CHECK(rc == 0, "%s", t->why))
		return;
	/* The domU no longer reads the base: clean up for the next suite. */
	XT_CHECK(xs_rm(t->xs, XBT_NULL, t->base), "rm %s: %s", t->base,
		 strerror(errno));
}

static void test_injected_failure(void)
{
	CU_FAIL("deliberate failure requested by XV_XTEST_INJECT_FAIL");
}

static void xt_dispose(struct xt *t)
{
	/*
	 * No xs_close: it cancels libxenstore's reader thread while holding
	 * the watch lock, and a watch event (@releaseDomain when a domU dies)
	 * arriving then may leave it waiting forever. We are about to exit,
	 * which closes the connection anyway.
	 */
	t->xs = NULL;
	if (t->xc) {
		xc_interface_close(t->xc);
		t->xc = NULL;
	}
}

int xt_run(struct xt *t, enum xt_side side, const char *suite, int argc,
	   char **argv, const struct xv_test_case *cases)
{
	static struct xv_test_case all[64];
	const char *inject = getenv("XV_XTEST_INJECT_FAIL");
	const struct xv_test_suite *suites[2];
	struct xv_test_suite s;
	char name[64];
	size_t n = 0;
	int rc;

	/* Line by line: a side killed by a harness timeout still shows
	 * how far it got. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(t, 0, sizeof(*t));
	t->side = side;
	t->suite = suite;
	t->timeout_ms = timeout_from_env();
	t->argc = argc;
	t->argv = argv;
	xt_self = t;

	all[n++] = (struct xv_test_case){"rendezvous", test_rendezvous};
	for (; cases->name && n < XV_ARRAY_SIZE(all) - 3; cases++)
		all[n++] = *cases;
	all[n++] = (struct xv_test_case){"finish", test_finish};
	if (side == XT_DOMU && inject && strcmp(inject, "1") == 0)
		all[n++] = (struct xv_test_case){
		    "deliberate failure (XV_XTEST_INJECT_FAIL)",
		    test_injected_failure};
	all[n] = (struct xv_test_case){NULL, NULL};

	snprintf(name, sizeof(name), "%s-%s", suite, side_name(side));
	s = (struct xv_test_suite){.name = name, .cases = all};
	suites[0] = &s;
	suites[1] = NULL;
	rc = xv_test_main(suites);
	xt_dispose(t);
	return rc;
}
