/*
 * vghold-domu.c — domU side of the bed's vGPU scenario: a frontend that
 * stays connected while dom0 restarts (and kills) the backend daemon.
 *
 * Every 200 ms it handles pending events (xenvgpu_poll_events) and reads
 * the config space's vendor ID, then asks QUERY_CAPS for the generation. -XENVGPU_ERR_DEVICE_RESET from any call is a device
 * reset: counted (reset_errors), then
 * xenvgpu_reconnect(); other failures are counted as errors and retried,
 * timeouts apart (the daemon is down, or slow: under valgrind it runs
 * one thread at a time, so a busy main thread delays our answers). "resets" is how far QUERY_CAPS's
 * generation moved since the first query: one per reset the backend went
 * through. Progress goes to this domain's data/vghold/{ok,errors,timeouts,resets,
 * generation} so that dom0 can wait on it; dom0 ends the run by writing
 * data/vghold/stop with the number of resets it expects. Exit 0 when the
 * last query worked, the generation moved by exactly that many, and the
 * library reported the reset to us at least that many times.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "libxenvgpu.h"
#include "vgtest.h"

static void put(struct xs_handle *xs, const char *key, unsigned long v)
{
	char path[64], val[24];

	snprintf(path, sizeof(path), "data/vghold/%s", key);
	snprintf(val, sizeof(val), "%lu", v);
	vgt_put(xs, path, val);
}

int main(void)
{
	struct xs_handle *xs = xs_open(0);
	struct xenvgpu_caps caps;
	struct xenvgpu *h = NULL;
	unsigned long ok = 0, errors = 0, timeouts = 0, resets = 0, expect = 0;
	unsigned long reset_errors = 0;
	long gen0 = -1;
	char why[256] = "";
	int rc, last = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!xs) {
		printf("FAIL xs_open: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 10; i++) {
		/* a short timeout: the daemon goes away on purpose */
		rc = vgt_open_dev(&h, 3000, why, sizeof(why));
		if (rc == 0)
			break;
		printf("open: %s %s; retrying\n", xenvgpu_strerror(rc), why);
		vgt_nap_ms(1000);
	}
	if (!h) {
		printf("FAIL could not open the device\n");
		return 1;
	}
	printf("holding the device\n");
	for (;;) {
		unsigned int len = 0;
		char *stop = xs_read(xs, XBT_NULL, "data/vghold/stop", &len);

		if (stop) {
			expect = strtoul(stop, NULL, 10);
			free(stop);
			break;
		}
		rc = xenvgpu_poll_events(h);
		if (rc == 0) {
			uint32_t vid = 0;

			/* not QUERY_CAPS: refused while a reset is pending */
			rc = xenvgpu_cfg_read(h, 0, 2, &vid);
		}
		if (rc == 0)
			rc = xenvgpu_query_caps(h, &caps);
		if (rc == 0) {
			ok++;
			if (gen0 < 0)
				gen0 = caps.generation;
			if (caps.generation - (unsigned long)gen0 != resets) {
				resets = caps.generation - (unsigned long)gen0;
				printf("generation %u: %lu reset(s) so far\n",
				       caps.generation, resets);
			}
			put(xs, "generation", caps.generation);
		} else if (rc == -XENVGPU_ERR_DEVICE_RESET) {
			reset_errors++;
			printf("device reset reported (%lu)\n", reset_errors);
			rc = xenvgpu_reconnect(h);
			printf("reconnect: %s\n", xenvgpu_strerror(rc));
		} else {
			if (rc == -ETIMEDOUT)
				timeouts++;
			else
				errors++;
			if (rc != last)
				printf("query: %s (%d)\n", xenvgpu_strerror(rc),
				       rc);
			/* the backend may have left Connected: rejoin */
			rc = xenvgpu_reconnect(h);
			if (rc == -XENVGPU_ERR_DEVICE_RESET) {
				reset_errors++;
				printf("device reset reported (%lu)\n",
				       reset_errors);
				rc = xenvgpu_reconnect(h);
			}
		}
		last = rc;
		put(xs, "ok", ok);
		put(xs, "errors", errors);
		put(xs, "timeouts", timeouts);
		put(xs, "resets", resets);
		vgt_nap_ms(200);
	}
	rc = xenvgpu_query_caps(h, &caps);
	printf("final query: %s; ok %lu errors %lu timeouts %lu resets %lu "
	       "(expected %lu) "
	       "reported %lu generation %u\n",
	       xenvgpu_strerror(rc), ok, errors, timeouts, resets, expect,
	       reset_errors, rc == 0 ? caps.generation : 0);
	xenvgpu_close(h);
	xs_close(xs);
	return rc == 0 && resets == expect && reset_errors >= expect ? 0 : 1;
}
