/*
 * vgbasic-domu.c — domU side of the bed's vGPU scenario (issue 4):
 * open vGPU 0 through libxenvgpu, check QUERY_CAPS against the config
 * space (PASID capability and DVSEC decoded with common/vcfg.c), set PASID
 * Enable; then a frontend process is killed with the device open
 * (SIGKILL, no close) and a new process must connect again.
 *
 * Run by domu-init.sh when dom0's scenario says go; prints what it saw
 * and exits 0 when everything checked out. dom0 checks its own side
 * (states, status files) in tests/bed/scenarios/40-vgpu.sh.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libxenvgpu.h"
#include "vcfg.h"
#include "vgtest.h"

static int failures;
static double t_last;

/* Seconds on the monotonic clock: a step's duration, not wall time. */
static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "step: N.NN s" since the previous step, so a slow one shows. */
static void step(const char *what)
{
	double t = mono_s();

	printf("step %s: %.2f s\n", what, t - t_last);
	t_last = t;
}

#define CHECK(cond, ...)                            \
	do {                                        \
		if (!(cond)) {                      \
			printf("FAIL %s: ", #cond); \
			printf(__VA_ARGS__);        \
			printf("\n");               \
			failures++;                 \
		}                                   \
	} while (0)

static void check_device(void)
{
	static uint8_t cfg[XENVGPU_CFG_SPACE_SIZE];
	struct xenvgpu_caps caps;
	struct xv_limits lim;
	struct xenvgpu *h = NULL;
	char why[256] = "";
	uint32_t off = 0;
	int rc;

	rc = vgt_open_dev(&h, 30000, why, sizeof(why));
	step("open");
	CHECK(rc == 0, "open: %s (%d) %s", xenvgpu_strerror(rc), rc, why);
	if (rc)
		return;
	rc = xenvgpu_query_caps(h, &caps);
	CHECK(rc == 0, "query caps: %s", xenvgpu_strerror(rc));
	printf("caps: max-contexts %u max-pasids %u pasid-width %u "
	       "ring-order %u/%u features %#x (offered %#x) generation %u\n",
	       caps.max_contexts, caps.max_pasids, caps.pasid_width,
	       caps.ring_order, caps.ring_order_max, caps.features,
	       caps.offered_features, caps.generation);
	rc = xenvgpu_cfg_snapshot(h, cfg);
	CHECK(rc == 0, "cfg snapshot: %s", xenvgpu_strerror(rc));
	rc = xv_vcfg_find_ext_cap(cfg, XV_PCI_EXT_CAP_ID_PASID, &off);
	CHECK(rc == 0, "no PASID capability (%d)", rc);
	printf("PASID capability at %#x\n", off);
	rc = xv_vcfg_decode_limits(cfg, &lim);
	CHECK(rc == 0, "DVSEC does not decode (%d)", rc);
	CHECK(lim.max_contexts == caps.max_contexts &&
		  lim.max_pasids == caps.max_pasids &&
		  lim.pasid_width == caps.pasid_width,
	      "DVSEC limits disagree with QUERY_CAPS");
	rc = xenvgpu_enable_pasid(h);
	CHECK(rc == 0, "enable PASID: %s", xenvgpu_strerror(rc));
	step("query, config space, PASID");
	rc = xenvgpu_close(h);
	step("close");
	CHECK(rc == 0, "close: %s", xenvgpu_strerror(rc));
	printf("device checked and closed\n");
}

/* A frontend process killed with the device open; then a new one. */
static void killed_frontend(void)
{
	struct xenvgpu_caps caps;
	struct xenvgpu *h = NULL;
	char why[256] = "";
	int p[2], status = 0, rc;
	char ok = 0;
	pid_t pid;

	if (pipe(p) < 0) {
		CHECK(0, "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (vgt_open_dev(&h, 30000, why, sizeof(why)) == 0 &&
		    xenvgpu_query_caps(h, &caps) == 0) {
			ok = 1;
			if (write(p[1], &ok, 1) != 1)
				_exit(2);
		}
		raise(SIGKILL); /* no close: the backend sees it leave */
		_exit(3);
	}
	close(p[1]);
	if (read(p[0], &ok, 1) != 1)
		ok = 0;
	close(p[0]);
	step("child: open, query");
	waitpid(pid, &status, 0);
	step("child killed and reaped");
	CHECK(ok == 1, "the first frontend did not connect");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "the first frontend was not killed");
	printf("first frontend connected, then killed\n");

	rc = vgt_open_dev(&h, 30000, why, sizeof(why));
	step("reopen after the kill");
	CHECK(rc == 0, "reopen after the kill: %s (%d) %s",
	      xenvgpu_strerror(rc), rc, why);
	if (rc)
		return;
	rc = xenvgpu_query_caps(h, &caps);
	CHECK(rc == 0, "query after reopen: %s", xenvgpu_strerror(rc));
	printf("new frontend connected (generation %u)\n", caps.generation);
	step("query after reopen");
	rc = xenvgpu_close(h);
	step("close after reopen");
	CHECK(rc == 0, "close: %s", xenvgpu_strerror(rc));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_last = mono_s();
	setenv("XENVGPU_TRACE", "1", 1); /* the handshake, step by step */
	check_device();
	killed_frontend();
	printf("vgbasic: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
