/*
 * vgstay-domu.c — domU side of the bed's vGPU scenario: connect to vGPU
 * 0 and stay connected until the domain is destroyed, so that dom0 can
 * check that destroying a guest whose ring it maps frees everything (no
 * dying domain left behind). Never exits on success.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libxenvgpu.h"

int main(void)
{
	struct xenvgpu_opts o;
	struct xenvgpu_caps caps;
	struct xenvgpu *h = NULL;
	char why[256] = "";
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 30000;
	o.ring_order = -1;
	o.why = why;
	o.why_len = sizeof(why);
	rc = xenvgpu_open_opts(&o, &h);
	if (rc == 0)
		rc = xenvgpu_query_caps(h, &caps);
	if (rc) {
		printf("FAIL: %s (%d) %s\n", xenvgpu_strerror(rc), rc, why);
		return 1;
	}
	printf("connected (generation %u); staying until destroyed\n",
	       caps.generation);
	for (;;)
		pause();
}
