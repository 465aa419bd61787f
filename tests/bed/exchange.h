/*
 * exchange.h — the main job's first cross-domain exchange (make run),
 * shared by its two sides. The domU shares one page with dom0 through
 * gntshr, writes a greeting in its first half, offers an unbound event
 * channel, and publishes both under data/xvdemo/ in its xenstore home.
 * dom0 maps the grant, reads the greeting, writes a reply in the second
 * half, binds the channel and notifies. The domU wakes on the event,
 * reads the reply and writes data/xvdemo/done. Each side prints what it
 * shared and what it saw. dom0 trusts nothing in the page: it prints at
 * most the half it reads, NUL-terminated by itself.
 */
#ifndef XV_EXCHANGE_H
#define XV_EXCHANGE_H

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <xenstore.h>

#define XCHG_DIR  "data/xvdemo"
#define XCHG_HALF 2048 /* greeting in [0, 2048), reply in [2048, 4096) */

/* Seconds to wait for the peer: $XV_XTEST_TIMEOUT or 30. */
static inline unsigned xchg_timeout(void)
{
	const char *s = getenv("XV_XTEST_TIMEOUT");
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v ? (unsigned)v : 30;
}

/* Poll PATH until it holds a non-empty value; NULL (errno) on timeout. */
static inline char *xchg_wait_read(struct xs_handle *xs, const char *path)
{
	struct timespec pause = {0, 100 * 1000 * 1000};

	for (unsigned i = 0; i < xchg_timeout() * 10; i++) {
		unsigned int len = 0;
		char *v = xs_read(xs, XBT_NULL, path, &len);

		if (v && len > 0)
			return v;
		free(v);
		nanosleep(&pause, NULL);
	}
	errno = ETIMEDOUT;
	return NULL;
}

#endif /* XV_EXCHANGE_H */
