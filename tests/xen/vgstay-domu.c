/*
 * vgstay-domu.c — domU side of the bed's vGPU scenario: connect to vGPU
 * 0 and stay connected until the domain is destroyed, so that dom0 can
 * check that destroying a guest whose ring it maps frees everything (no
 * dying domain left behind). Never exits on success.
 */
#include <stdio.h>
#include <unistd.h>

#include "libxenvgpu.h"
#include "vgtest.h"

int main(void)
{
	struct xenvgpu_caps caps;
	struct xenvgpu *h = NULL;
	char why[256] = "";
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = vgt_open_dev(&h, 30000, why, sizeof(why));
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
