/*
 * vgtest.c — the helpers the vGPU scenarios' domU programs share (see
 * vgtest.h): checks and their count, the xenstore exchange with dom0's
 * scenario, opening the device, one submission to its fence.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "cmd.h"
#include "libxenvgpu.h"
#include "vgtest.h"

static int failures;

void vgt_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok   ");
	} else {
		printf("FAIL ");
		failures++;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int vgt_summary(const char *suite)
{
	printf("%s: %d failure%s\n", suite, failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}

int vgt_suite_open(struct xs_handle **xs, struct xenvgpu **h)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	*xs = xs_open(0);
	rc = *xs ? xenvgpu_open(0, h) : -errno;
	if (rc)
		printf("FAIL open: %s\n", xenvgpu_strerror(rc));
	return rc;
}

void vgt_close_checked(struct xs_handle *xs, struct xenvgpu *h, const char *dir)
{
	char path[128];
	char *v;
	int rc;

	snprintf(path, sizeof(path), "%s/idle", dir);
	vgt_put(xs, path, "1");
	snprintf(path, sizeof(path), "%s/checked", dir);
	v = vgt_wait_node(xs, path, 120);
	vgt_check(v != NULL, "dom0 checked the daemon's counters while idle");
	free(v);
	rc = xenvgpu_close(h);
	vgt_check(rc == 0, "device closed (%s)", xenvgpu_strerror(rc));
}

int vgt_put(struct xs_handle *xs, const char *path, const char *val)
{
	return xs_write(xs, XBT_NULL, path, val, strlen(val)) ? 0 : -errno;
}

char *vgt_wait_node(struct xs_handle *xs, const char *path, int seconds)
{
	/* polled every 200 ms: dom0 answers within seconds, so a watch
	 * would buy nothing for one read */
	for (int i = 0; i < seconds * 5; i++) {
		unsigned int len;
		char *v = xs_read(xs, XBT_NULL, path, &len);

		if (v)
			return v;
		usleep(200000);
	}
	return NULL;
}

void vgt_opts_init(struct xenvgpu_opts *o, int timeout_ms, char *why,
		   size_t why_len)
{
	memset(o, 0, sizeof(*o));
	o->devid = 0;
	o->timeout_ms = timeout_ms;
	o->ring_order = -1;
	o->why = why;
	o->why_len = why_len;
}

int vgt_open_dev(struct xenvgpu **h, int timeout_ms, char *why, size_t why_len)
{
	struct xenvgpu_opts o;

	vgt_opts_init(&o, timeout_ms, why, why_len);
	return xenvgpu_open_opts(&o, h);
}

int vgt_run(struct xenvgpu_ctx *c, const struct xv_cmd_builder *b,
	    uint64_t *fence, int timeout_ms)
{
	int rc;

	++*fence;
	rc = xenvgpu_submit(c, b->buf, b->len, *fence);
	if (rc)
		return rc;
	return xenvgpu_fence_wait(c, *fence, timeout_ms);
}

bool vgt_all(const void *p, size_t bytes, uint32_t v)
{
	const uint32_t *w = p;

	for (size_t i = 0; i < bytes / 4; i++)
		if (w[i] != v)
			return false;
	return true;
}

void vgt_nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}
