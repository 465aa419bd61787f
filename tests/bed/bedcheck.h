/*
 * bedcheck.h — the bed's own cross-domain self-check, shared by its two
 * sides: dom0 (bedcheck-dom0.c) offers a random token in the domU's
 * xenstore home, the domU (bedcheck-domu.c) echoes it into its data/
 * directory, and dom0 waits for the echo. It proves the bed wiring (the
 * images, xl create, the go signal, the result frames), not Xen itself.
 * Trusts nothing the peer writes beyond comparing it with the token.
 */
#ifndef XV_BEDCHECK_H
#define XV_BEDCHECK_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenstore.h>

#define BEDCHECK_TOKEN "xvtest/bedcheck/token" /* dom0 writes, domU reads */
#define BEDCHECK_ECHO  "data/bedcheck-echo"    /* domU writes, dom0 reads */

/* Seconds to wait for the peer: $XV_XTEST_TIMEOUT or 30. */
static inline unsigned bedcheck_timeout(void)
{
	const char *s = getenv("XV_XTEST_TIMEOUT");
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v ? (unsigned)v : 30;
}

/*
 * Poll PATH until it reads as a non-empty string or the timeout passes;
 * returns the malloc'd value or NULL (errno set) on timeout.
 */
static inline char *bedcheck_wait_read(struct xs_handle *xs, const char *path)
{
	struct timespec pause = {0, 100 * 1000 * 1000};
	unsigned tries = bedcheck_timeout() * 10;

	for (unsigned i = 0; i < tries; i++) {
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

#endif /* XV_BEDCHECK_H */
