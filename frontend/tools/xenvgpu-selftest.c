/*
 * xenvgpu-selftest — the domU side of the issue-4 cross-domain checks:
 * runs libxenvgpu against a real backend (xenvgpud in dom0) and prints
 * one line per check, "PASS <name>" or "FAIL <name>: <why>".
 *
 *   xenvgpu-selftest [-d DEVID] [-t TIMEOUT_MS] [--reset SECONDS]
 *                    [--cycles N] [--quick]
 *
 * Default: open; QUERY_CAPS; the whole config space through CFG_READ,
 * decoded and checked against QUERY_CAPS; bad accesses refused before
 * they reach the ring; RW/RO config writes; PASID Enable; close (the
 * backend reaches Closed, then the grants end); open again (reconnect
 * after close); one-page and largest multi-page rings with requests
 * wrapping the ring many times.
 *
 * --reset SECONDS: open, write "connected" to
 * data/xenvgpu-selftest/phase in this domain's xenstore home, then wait
 * for a device reset (dom0 restarts the daemon, resets the GPU or makes
 * the backend leave Connected): a call must fail with the distinct
 * DEVICE_RESET code; xenvgpu_reconnect() must then give a working
 * device again. Writes "reset-seen", then "recovered" (or "failed").
 *
 * --quick: the default checks without the ring-size runs.
 * --cycles N: open, QUERY_CAPS, one CFG_READ, close, N times (ring order
 * alternating between the default and 0).
 *
 * Exit status: 0 every check passed; 1 a check failed; 2 bad usage;
 * 3 the device could not be opened at all.
 *
 * Trusts: nothing from the backend (the library checks it); this tool
 * adds cross-checks between what QUERY_CAPS and the config space say.
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenstore.h>

#include "libxenvgpu.h"
#include "vcfg.h"
#include "vgpuif.h"

static int failed;
static int passed;

/* One check: code is the call's result, shown when it failed. */
static bool check(bool ok, const char *name, int code)
{
	if (ok) {
		printf("PASS %s\n", name);
		passed++;
	} else if (code) {
		printf("FAIL %s: %s (%d)\n", name, xenvgpu_strerror(code),
		       code);
		failed++;
	} else {
		printf("FAIL %s: unexpected value\n", name);
		failed++;
	}
	fflush(stdout);
	return ok;
}

/* A function, not a macro: the call in rc must run exactly once. */
static bool check_rc(int rc, const char *name)
{
	return check(rc == 0, name, rc);
}

static void phase(const char *val)
{
	struct xs_handle *xs = xs_open(0);

	/* Relative path: /local/domain/<me>/data/..., writable by us. */
	if (xs) {
		xs_write(xs, XBT_NULL, "data/xenvgpu-selftest/phase", val,
			 strlen(val));
		xs_close(xs);
	}
	printf("phase %s\n", val);
	fflush(stdout);
}

static int open_dev(unsigned int devid, int timeout_ms, int order,
		    struct xenvgpu **h)
{
	struct xenvgpu_opts o = {
	    .devid = devid,
	    .timeout_ms = timeout_ms,
	    .ring_order = order,
	};
	char why[256] = "";
	int rc;

	o.why = why;
	o.why_len = sizeof(why);
	rc = xenvgpu_open_opts(&o, h);
	if (rc)
		printf("open (ring order %d): %s (%d): %s\n", order,
		       xenvgpu_strerror(rc), rc, why);
	return rc;
}

static void check_config(struct xenvgpu *h, const struct xenvgpu_caps *c)
{
	static uint8_t cfg[XENVGPU_CFG_SPACE_SIZE];
	struct xv_vcfg_range ranges[XV_DVSEC_FREE_MAX];
	struct xv_limits lim;
	uint32_t off, v = 0, n = 0;
	unsigned int nr = 0;
	int rc;

	rc = xenvgpu_cfg_snapshot(h, cfg);
	if (!check_rc(rc, "config space read (1024 CFG_READs)"))
		return;
	check(cfg[0] == (XV_VCFG_VENDOR_ID & 0xff) &&
		  cfg[1] == XV_VCFG_VENDOR_ID >> 8 &&
		  cfg[2] == (XV_VCFG_DEVICE_ID & 0xff) &&
		  cfg[3] == XV_VCFG_DEVICE_ID >> 8,
	      "vendor and device id", 0);
	rc = xv_vcfg_find_cap(cfg, XV_PCI_CAP_ID_EXP, &off);
	check_rc(rc, "PCI Express capability present");
	rc = xv_vcfg_decode_limits(cfg, &lim);
	if (check_rc(rc, "DVSEC limits decode")) {
		check(lim.max_contexts == c->max_contexts &&
			  lim.max_pinned_pages == c->max_pinned_pages &&
			  lim.pasid_width == c->pasid_width &&
			  lim.max_pasids == c->max_pasids &&
			  lim.max_queued_bytes == c->max_queued_bytes &&
			  lim.max_cmd_bytes == c->max_cmd_bytes &&
			  lim.ring_order_max == c->ring_order_max &&
			  lim.sched_weight == c->sched_weight &&
			  lim.oos_pages == c->oos_pages &&
			  (c->features & ~lim.features) == 0,
		      "DVSEC limits equal QUERY_CAPS", 0);
	}
	rc = xv_vcfg_decode_free_ranges(cfg, ranges, XV_DVSEC_FREE_MAX, &nr);
	check_rc(rc, "DVSEC free ranges decode");
	rc = xv_vcfg_find_ext_cap(cfg, XV_PCI_EXT_CAP_ID_PASID, &off);
	if (check_rc(rc, "PASID capability present")) {
		uint32_t cap = (uint32_t)(cfg[off + 4] | cfg[off + 5] << 8);

		check(((cap & XV_PCI_PASID_CAP_WIDTH) >> 8) == c->pasid_width,
		      "PASID Max Width equals pasid-width", 0);
	}

	/* Refused by the library: the ring never sees them. */
	check(xenvgpu_cfg_read(h, 0, 3, &v) == -XV_ERR_CFG_SIZE &&
		  xenvgpu_cfg_read(h, 2, 4, &v) == -XV_ERR_CFG_ALIGN &&
		  xenvgpu_cfg_read(h, XENVGPU_CFG_SPACE_SIZE, 4, &v) ==
		      -XV_ERR_CFG_RANGE &&
		  xenvgpu_cfg_write(h, XV_PCI_INTERRUPT_LINE, 1, 0x100) ==
		      -XV_ERR_CFG_VALUE_WIDTH,
	      "bad config accesses refused", 0);

	rc = xenvgpu_cfg_write(h, XV_PCI_INTERRUPT_LINE, 1, 0x5a);
	if (!rc)
		rc = xenvgpu_cfg_read(h, XV_PCI_INTERRUPT_LINE, 1, &v);
	check(!rc && v == 0x5a, "RW register written and read back", rc);
	rc = xenvgpu_cfg_write(h, XV_PCI_VENDOR_ID, 2, 0x1234);
	if (!rc)
		rc = xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v);
	check(!rc && v == XV_VCFG_VENDOR_ID, "RO register keeps its value", rc);

	rc = xenvgpu_enable_pasid(h);
	check_rc(rc, "PASID Enable set");
	rc = xenvgpu_cfg_read(h, XV_VCFG_PASID_OFFSET + XV_PCI_PASID_CTRL, 2,
			      &n);
	check(!rc && (n & XV_PCI_PASID_CTRL_ENABLE), "PASID Enable reads back",
	      rc);
}

static void check_ring(unsigned int devid, int timeout_ms, int order,
		       unsigned int reads)
{
	struct xenvgpu_caps c;
	struct xenvgpu *h = NULL;
	char name[96];
	uint32_t v;
	int rc;

	snprintf(name, sizeof(name), "ring order %d: open", order);
	rc = open_dev(devid, timeout_ms, order, &h);
	if (!check_rc(rc, name))
		return;
	rc = xenvgpu_query_caps(h, &c);
	snprintf(name, sizeof(name), "ring order %d: negotiated", order);
	check(!rc && c.ring_order == (uint32_t)order &&
		  c.ring_slots == (32u << order),
	      name, rc);
	for (unsigned int i = 0; i < reads && !rc; i++) {
		rc = xenvgpu_cfg_read(h, (i * 4) % XENVGPU_CFG_SPACE_SIZE, 4,
				      &v);
		if (!rc && i % 1024 == 0 &&
		    v != (XV_VCFG_VENDOR_ID | XV_VCFG_DEVICE_ID << 16))
			rc = -EIO;
	}
	snprintf(name, sizeof(name), "ring order %d: %u requests", order,
		 reads);
	check_rc(rc, name);
	rc = xenvgpu_close(h);
	snprintf(name, sizeof(name), "ring order %d: close", order);
	check_rc(rc, name);
}

static int run_basic(unsigned int devid, int timeout_ms, bool rings)
{
	struct xenvgpu_caps c, c2;
	struct xenvgpu *h = NULL;
	int rc;

	rc = open_dev(devid, timeout_ms, -1, &h);
	if (!check_rc(rc, "open"))
		return 3;
	rc = xenvgpu_query_caps(h, &c);
	if (check_rc(rc, "QUERY_CAPS")) {
		printf("caps: contexts %u pinned %u pasid-width %u pasids %u "
		       "queued %u cmd %u ring-order-max %u weight %u "
		       "features 0x%x/0x%x oos %u va-bits %u generation %u "
		       "ring 2^%u\n",
		       c.max_contexts, c.max_pinned_pages, c.pasid_width,
		       c.max_pasids, c.max_queued_bytes, c.max_cmd_bytes,
		       c.ring_order_max, c.sched_weight, c.features,
		       c.offered_features, c.oos_pages, c.gpu_va_bits,
		       c.generation, c.ring_order);
		check_config(h, &c);
	}
	check_rc(xenvgpu_poll_events(h), "no event pending");
	check_rc(xenvgpu_reconnect(h), "reconnect on a healthy handle");
	rc = xenvgpu_close(h);
	check_rc(rc, "close: backend reached Closed, grants ended");

	rc = open_dev(devid, timeout_ms, -1, &h);
	if (check_rc(rc, "open again after close")) {
		rc = xenvgpu_query_caps(h, &c2);
		check(!rc && c2.max_contexts == c.max_contexts,
		      "QUERY_CAPS after reopen", rc);
		check_rc(xenvgpu_close(h), "close again");
	}

	if (!rings)
		return failed ? 1 : 0;
	/* One page, 32 slots: 400 requests wrap it 12 times. */
	check_ring(devid, timeout_ms, 0, 400);
	if ((c.offered_features & XENVGPU_FEATURE_MULTI_PAGE_RING) &&
	    c.ring_order_max > 0)
		check_ring(devid, timeout_ms, (int)c.ring_order_max, 400);
	return failed ? 1 : 0;
}

/* Open, use and close the device again and again: handles, grants
 * and event channels must come and go cleanly. */
static int run_cycles(unsigned int devid, int timeout_ms, int cycles)
{
	struct xenvgpu_caps c;
	struct xenvgpu *h = NULL;
	char name[64];
	uint32_t v = 0;
	int rc;

	for (int i = 0; i < cycles; i++) {
		snprintf(name, sizeof(name), "cycle %d: open, use, close", i);
		rc = open_dev(devid, timeout_ms, i % 2 ? 0 : -1, &h);
		if (rc) {
			check(false, name, rc);
			return i ? 1 : 3;
		}
		rc = xenvgpu_query_caps(h, &c);
		if (!rc)
			rc = xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v);
		if (!rc && v != XV_VCFG_VENDOR_ID)
			rc = -EIO;
		if (!rc)
			rc = xenvgpu_close(h);
		else
			xenvgpu_close(h);
		check_rc(rc, name);
	}
	return failed ? 1 : 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_reset(unsigned int devid, int timeout_ms, int seconds)
{
	struct xenvgpu_caps before, after;
	struct xenvgpu *h = NULL;
	int64_t deadline;
	uint32_t v;
	int rc;

	rc = open_dev(devid, timeout_ms, -1, &h);
	if (!check_rc(rc, "open")) {
		phase("failed");
		return 3;
	}
	rc = xenvgpu_query_caps(h, &before);
	check_rc(rc, "QUERY_CAPS before the reset");
	phase("connected");
	deadline = now_ms() + (int64_t)seconds * 1000;
	/* Keep using the device, as a guest program would, until it
	 * reports the reset. */
	for (;;) {
		rc = xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v);
		if (rc == 0)
			rc = xenvgpu_poll_events(h);
		if (rc == -XENVGPU_ERR_DEVICE_RESET)
			break;
		if (rc && rc != -ETIMEDOUT) {
			check(false,
			      "only DEVICE_RESET or success while waiting", rc);
			break;
		}
		if (now_ms() >= deadline)
			break;
		struct pollfd p = {.fd = xenvgpu_fd(h), .events = POLLIN};

		poll(&p, 1, 200);
	}
	if (!check(rc == -XENVGPU_ERR_DEVICE_RESET, "device reset reported",
		   rc)) {
		phase("failed");
		xenvgpu_close(h);
		return 1;
	}
	phase("reset-seen");
	/* The reset is sticky until reconnect. */
	rc = xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v);
	check(rc == -XENVGPU_ERR_DEVICE_RESET, "reset sticky until reconnect",
	      rc);
	deadline = now_ms() + (int64_t)seconds * 1000;
	do {
		rc = xenvgpu_reconnect(h);
	} while (rc && rc != -EPROTO && now_ms() < deadline);
	check_rc(rc, "reconnect");
	if (!rc) {
		rc = xenvgpu_query_caps(h, &after);
		check_rc(rc, "QUERY_CAPS after reconnect");
		printf("generation %u -> %u\n", before.generation,
		       after.generation);
		rc = xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v);
		check(!rc && v == XV_VCFG_VENDOR_ID, "config read after reset",
		      rc);
		check_rc(xenvgpu_enable_pasid(h), "PASID Enable after reset");
	}
	check_rc(xenvgpu_close(h), "close");
	phase(failed ? "failed" : "recovered");
	return failed ? 1 : 0;
}

/*
 * A crash in the domU must say where: print the stack and the mappings
 * (the program is position independent) so addr2line can place it.
 */
static void on_crash(int sig)
{
	void *frames[32];
	char buf[4096];
	ssize_t n;
	int fd, nr;

	nr = backtrace(frames, 32);
	dprintf(1, "xenvgpu-selftest: signal %d; backtrace:\n", sig);
	backtrace_symbols_fd(frames, nr, 1);
	fd = open("/proc/self/maps", O_RDONLY);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) < 0)
			break;
	_exit(128 + sig);
}

static void catch_crashes(void)
{
	void *warm[1];

	/* backtrace() loads libgcc_s on first use: not in the handler. */
	backtrace(warm, 1);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGABRT, on_crash);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xenvgpu-selftest [-d DEVID] [-t TIMEOUT_MS] "
		   "[--reset SECONDS] [--cycles N] [--quick]\n"
		   "Exit status: 0 pass, 1 a check failed, 2 usage, 3 no "
		   "device.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"device", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"reset", required_argument, NULL, 'R'},
	    {"cycles", required_argument, NULL, 'C'},
	    {"quick", no_argument, NULL, 'Q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned int devid = 0;
	int timeout_ms = 0, reset = 0, cycles = 0, rc;
	bool rings = true;
	char *end;
	long v;

	while ((rc = getopt_long(argc, argv, "d:t:h", longopts, NULL)) != -1) {
		switch (rc) {
		case 'd':
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 0x7fffffff) {
				usage(stderr);
				return 2;
			}
			if (rc == 'd')
				devid = (unsigned int)v;
			else
				timeout_ms = (int)v;
			break;
		case 'R':
			v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 3600) {
				usage(stderr);
				return 2;
			}
			reset = (int)v;
			break;
		case 'C':
			v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 100000) {
				usage(stderr);
				return 2;
			}
			cycles = (int)v;
			break;
		case 'Q':
			rings = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	catch_crashes();
	if (cycles)
		rc = run_cycles(devid, timeout_ms, cycles);
	else if (reset)
		rc = run_reset(devid, timeout_ms, reset);
	else
		rc = run_basic(devid, timeout_ms, rings);
	printf("xenvgpu-selftest: %d passed, %d failed, exit %d\n", passed,
	       failed, rc);
	return rc;
}
