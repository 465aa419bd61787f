/*
 * gnt-domu.c — domU side of the grant suite: shares pages with dom0
 * (gntshr), writes patterns dom0 checks and checks dom0's replies, gives
 * dom0 a read-only grant and a revoked ref, and lets a child process that
 * shared a page with unmap notification die. Partner: gnt-dom0.c.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* xtest.h first: xenctrl.h must precede any other Xen header. */
#include "xtest.h"

#include <xengnttab.h>

#include "gnt-common.h"

static struct xt T;
static xengntshr_handle *gs;
static void *batch;
static uint32_t batch_refs[GNT_BATCH];

static void test_open(void)
{
	XT_BEGIN(&T);
	gs = xengntshr_open(NULL, 0);
	XT_REQUIRE(&T, gs != NULL, "xengntshr_open: %s (xen-gntalloc?)",
		   strerror(errno));
}

static void test_single_page(void)
{
	uint32_t ref = 0;
	char val[64];
	void *p;
	long bad;

	XT_BEGIN(&T);
	p = xengntshr_share_pages(gs, 0, 1, &ref, 1);
	XT_REQUIRE(&T, p != NULL, "share 1 page: %s", strerror(errno));
	gnt_fill(p, GNT_TAG_DOMU, 0);
	if (xt_put(&T, "single-ref", "%u", ref) == 0 &&
	    xt_get(&T, "single-reply", val, sizeof(val)) == 0) {
		bad = gnt_check(p, GNT_TAG_DOM0, 0, 0);
		XT_CHECK(bad < 0, "dom0's reply wrong at byte %ld", bad);
		if (xt_put(&T, "single-checked", "1") == 0)
			(void)xt_get(&T, "single-unmapped", val, sizeof(val));
	}
	XT_CHECK(!T.lost, "%s", T.why);
	xengntshr_unshare(gs, p, 1);
}

static void test_batch(void)
{
	char refs[GNT_BATCH * 12], val[64];
	size_t off = 0;
	uint32_t i;
	long bad;

	XT_BEGIN(&T);
	/* One call: the batch is shared or nothing is. */
	batch = xengntshr_share_pages(gs, 0, GNT_BATCH, batch_refs, 1);
	XT_REQUIRE(&T, batch != NULL, "share %u pages: %s", GNT_BATCH,
		   strerror(errno));
	for (i = 0; i < GNT_BATCH; i++) {
		gnt_fill((char *)batch + i * GNT_PAGE, GNT_TAG_DOMU, i);
		off += snprintf(refs + off, sizeof(refs) - off, "%s%u",
				i ? " " : "", batch_refs[i]);
	}
	XT_REQUIRE_RV(&T, xt_put(&T, "batch-refs", "%s", refs));
	XT_REQUIRE_RV(&T, xt_get(&T, "batch-reply", val, sizeof(val)));
	for (i = 0; i < GNT_BATCH; i++) {
		bad =
		    gnt_check((char *)batch + i * GNT_PAGE, GNT_TAG_DOM0, i, 0);
		if (!XT_CHECK(bad < 0, "reply in page %u wrong at byte %ld", i,
			      bad))
			break;
	}
	/* The batch stays shared: the bad-ref test maps it again. */
	XT_REQUIRE_RV(&T, xt_put(&T, "batch-checked", "1"));
}

static void test_read_only(void)
{
	uint32_t ref = 0;
	char val[128];
	void *p;
	long bad;

	XT_BEGIN(&T);
	p = xengntshr_share_pages(gs, 0, 1, &ref, 0);
	XT_REQUIRE(&T, p != NULL, "share 1 page read-only: %s",
		   strerror(errno));
	gnt_fill(p, GNT_TAG_DOMU, 7);
	if (xt_put(&T, "ro-ref", "%u", ref) == 0 &&
	    xt_get(&T, "ro-done", val, sizeof(val)) == 0) {
		/* Whatever dom0 tried, our page is as we wrote it. */
		bad = gnt_check(p, GNT_TAG_DOMU, 7, 0);
		XT_CHECK(bad < 0, "read-only page changed at byte %ld", bad);
	}
	XT_CHECK(!T.lost, "%s", T.why);
	xengntshr_unshare(gs, p, 1);
}

static void test_bad_refs(void)
{
	uint32_t ref = 0;
	char val[128];
	void *p;

	XT_BEGIN(&T);
	/* Share and revoke at once: the ref is no longer granted. */
	p = xengntshr_share_pages(gs, 0, 1, &ref, 1);
	XT_REQUIRE(&T, p != NULL, "share 1 page: %s", strerror(errno));
	XT_CHECK(xengntshr_unshare(gs, p, 1) == 0, "unshare: %s",
		 strerror(errno));
	XT_REQUIRE_RV(&T, xt_put(&T, "revoked-ref", "%u", ref));
	XT_REQUIRE_RV(&T, xt_get(&T, "bad-done", val, sizeof(val)));
	xengntshr_unshare(gs, batch, GNT_BATCH);
	batch = NULL;
}

/* The child: share a page whose release clears byte 0 and notifies. */
static void __attribute__((noreturn)) notify_child(int wfd)
{
	xengntshr_handle *cgs = xengntshr_open(NULL, 0);
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
	xenevtchn_port_or_error_t port = -1;
	uint32_t ref = 0;
	uint8_t *p = NULL;

	if (cgs && xce)
		port = xenevtchn_bind_unbound_port(xce, 0);
	if (port >= 0)
		p = xengntshr_share_page_notify(
		    cgs, 0, &ref, 1, GNT_NOTIFY_BYTE, (evtchn_port_t)port);
	if (!p) {
		dprintf(wfd, "error %d\n", errno);
		_exit(1);
	}
	gnt_fill(p, GNT_TAG_DOMU, 9);
	p[GNT_NOTIFY_BYTE] = 1;
	dprintf(wfd, "%u %d\n", ref, (int)port);
	close(wfd);
	for (;;)
		pause();
}

static void test_unmap_notify(void)
{
	int pfd[2] = {-1, -1}, status = 0;
	char line[64] = "", val[128];
	struct pollfd p;
	unsigned int ref = 0;
	int port = -1;
	ssize_t n = 0;
	pid_t pid;

	XT_BEGIN(&T);
	XT_REQUIRE(&T, pipe(pfd) == 0, "pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		notify_child(pfd[1]);
	}
	close(pfd[1]);
	if (!XT_CHECK(pid > 0, "fork: %s", strerror(errno))) {
		close(pfd[0]);
		xt_abort(&T, "fork failed");
		return;
	}
	p = (struct pollfd){.fd = pfd[0], .events = POLLIN};
	if (poll(&p, 1, T.timeout_ms) > 0)
		n = read(pfd[0], line, sizeof(line) - 1);
	close(pfd[0]);
	line[n > 0 ? n : 0] = '\0';
	if (!XT_CHECK(sscanf(line, "%u %d", &ref, &port) == 2,
		      "child could not share a notify page: '%s'", line)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		xt_abort(&T, "no notify page");
		return;
	}
	if (xt_put(&T, "notify-grant", "%u %d", ref, port) == 0)
		(void)xt_get(&T, "notify-armed", val, sizeof(val));
	/* Killed, not exited: the kernel's release path must notify. */
	kill(pid, SIGKILL);
	XT_CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
		 "child did not die by SIGKILL (status %#x)", status);
	if (xt_put(&T, "notify-killed", "1") == 0)
		(void)xt_get(&T, "notify-done", val, sizeof(val));
	XT_CHECK(!T.lost, "%s", T.why);
}

static void test_close(void)
{
	XT_BEGIN(&T);
	if (batch)
		xengntshr_unshare(gs, batch, GNT_BATCH);
	batch = NULL;
	XT_CHECK(xengntshr_close(gs) == 0, "xengntshr_close: %s",
		 strerror(errno));
	gs = NULL;
}

static const struct xv_test_case cases[] = {
    {"open gntshr", test_open},
    {"single page: data both ways", test_single_page},
    {"64-page batch: data both ways", test_batch},
    {"read-only grant stays unchanged", test_read_only},
    {"revoked ref for dom0's bad-map checks", test_bad_refs},
    {"unmap notify when the sharing process is killed", test_unmap_notify},
    {"close gntshr", test_close},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	return xt_run(&T, XT_DOMU, "gnt", argc, argv, cases);
}
