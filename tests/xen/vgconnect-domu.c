/*
 * vgconnect-domu.c — domU side of the bed's vGPU scenario: connect to
 * vGPU 0, query it, close. Run in the second domU while the first one
 * holds its own vGPU, so two guests are connected at once.
 */
#include <stdio.h>

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
	if (rc) {
		printf("FAIL open: %s (%d) %s\n", xenvgpu_strerror(rc), rc,
		       why);
		return 1;
	}
	rc = xenvgpu_query_caps(h, &caps);
	if (rc == 0)
		printf("connected: max-contexts %u, ring of %u slots, "
		       "generation %u\n",
		       caps.max_contexts, caps.ring_slots, caps.generation);
	else
		printf("FAIL query: %s (%d)\n", xenvgpu_strerror(rc), rc);
	if (xenvgpu_close(h) != 0 && rc == 0) {
		printf("FAIL close\n");
		rc = 1;
	}
	return rc ? 1 : 0;
}
