/*
 * vghostile-domu.c — domU side of the bed's vGPU scenario: a hostile
 * frontend. It writes its own frontend nodes with libxenstore (no
 * library), each time with one bad value, and goes Initialised; the
 * backend must close that device (state Closed) with the reason in its
 * "error" node, and take it back to InitWait once the frontend starts
 * over. Then it flaps its state until the backend gives up on it for
 * good ("too many restarts"). dom0 checks that the daemon lived through
 * it and that the other domU's vGPU was not disturbed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "vgtest.h"

#define FE "device/vgpu/0"

static struct xs_handle *xs;
static char be[128];
static int failures;

static void fe_write(const char *node, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), FE "/%s", node);
	if (!xs_write(xs, XBT_NULL, path, val, strlen(val)))
		printf("write %s: %s\n", path, strerror(errno));
}

/* A backend node's value ("" when missing), in buf. */
static const char *be_read(const char *node, char *buf, size_t len)
{
	char path[200];
	unsigned int l = 0;
	char *v;

	snprintf(path, sizeof(path), "%s/%s", be, node);
	v = xs_read(xs, XBT_NULL, path, &l);
	snprintf(buf, len, "%.*s", v ? (int)l : 0, v ? v : "");
	free(v);
	return buf;
}

static int wait_be_state(const char *want, int secs)
{
	char buf[32];

	for (int i = 0; i < secs * 10; i++) {
		if (strcmp(be_read("state", buf, sizeof(buf)), want) == 0)
			return 0;
		vgt_nap_ms(100);
	}
	printf("FAIL backend state %s, not %s, after %d s\n", buf, want, secs);
	failures++;
	return -1;
}

static void one_case(const char *node, const char *value, const char *code)
{
	char err[160];

	if (wait_be_state("2", 20))
		return;
	fe_write("version", "1");
	fe_write("features", "0");
	fe_write("ring-page-order", "0");
	fe_write("ring-ref0", "8");
	fe_write("evt-ring-ref", "9");
	fe_write("event-channel", "5");
	fe_write(node, value);
	if (strcmp(node, "state") != 0)
		fe_write("state", "3");
	if (wait_be_state("6", 20) == 0) {
		be_read("error", err, sizeof(err));
		if (strncmp(err, code, strlen(code)) != 0) {
			printf("FAIL %s=\"%s\": error \"%s\", expected %s...\n",
			       node, value, err, code);
			failures++;
		} else {
			printf("%s=\"%s\": Closed, error \"%s\"\n", node, value,
			       err);
		}
	}
	fe_write("state", "6"); /* start over */
}

int main(void)
{
	char buf[160];
	unsigned int l = 0;
	char *v;
	int given_up = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	xs = xs_open(0);
	if (!xs) {
		printf("FAIL xs_open: %s\n", strerror(errno));
		return 1;
	}
	v = xs_read(xs, XBT_NULL, FE "/backend", &l);
	if (!v || l >= sizeof(be)) {
		printf("FAIL no backend node\n");
		return 1;
	}
	snprintf(be, sizeof(be), "%.*s", (int)l, v);
	free(v);

	one_case("ring-ref0", "abc", "22 ");
	one_case("ring-page-order", "4294967295", "771 ");
	one_case("version", "one", "22 ");
	one_case("version", "7", "774 ");
	one_case("features", "16", "772 ");
	one_case("event-channel", " 5", "22 ");
	one_case("state", "3x", "22 ");
	/* parses, but is no grant of ours: the map fails */
	one_case("ring-ref0", "4000", "");

	/* flapping: Initialised (still hostile) and Closed, fast */
	wait_be_state("2", 20);
	fe_write("ring-ref0", "abc");
	for (int i = 0; i < 1500 && !given_up; i++) {
		fe_write("state", i % 2 ? "6" : "3");
		vgt_nap_ms(20);
		given_up = strstr(be_read("error", buf, sizeof(buf)),
				  "too many restarts") != NULL;
	}
	if (!given_up) {
		printf("FAIL the backend never gave up on the flapping\n");
		failures++;
	} else {
		fe_write("state", "6");
		vgt_nap_ms(3000);
		be_read("state", buf, sizeof(buf));
		if (strcmp(buf, "6") != 0) {
			printf("FAIL given up, but backend state %s\n", buf);
			failures++;
		} else {
			printf("flapping: backend gave up, stays Closed: %s\n",
			       be_read("error", buf, sizeof(buf)));
		}
	}
	xs_close(xs);
	printf("vghostile: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
