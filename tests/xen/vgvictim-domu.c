/*
 * vgvictim-domu.c — the victim guest of scenarios/55-gpu-guest.sh: it
 * opens its vGPU, allocates a buffer (pages granted to the backend
 * domain), fills it with a pattern and publishes the buffer's grant
 * references in data/vgguest/grefs. dom0 hands them to the attacker
 * guest (vgguest-domu), which writes them into its own GPU page tables
 * and makes its GPU context read and write through them. When dom0 says
 * data/vgguest/done, this side checks that its buffer still holds the
 * pattern, every octet: grant references name grants of the guest whose
 * tables hold them, never another guest's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "libxenvgpu.h"
#include "vgtest.h"

#define PAGES	4
#define PATTERN 0x5a17c3e9u

int main(void)
{
	struct xs_handle *xs = xs_open(0);
	struct xenvgpu *h = NULL;
	struct xenvgpu_buf *b = NULL;
	char val[128];
	uint32_t *p;
	char *done;
	int rc, bad = 0;

	if (!xs) {
		printf("FAIL xs_open: %s\n", strerror(errno));
		return 1;
	}
	rc = xenvgpu_open(0, &h);
	if (!rc)
		rc = xenvgpu_buf_alloc(h, PAGES * 4096, &b);
	if (rc) {
		printf("FAIL open / buffer: %s\n", xenvgpu_strerror(rc));
		return 1;
	}
	p = xenvgpu_buf_ptr(b);
	for (size_t i = 0; i < PAGES * 1024; i++)
		p[i] = PATTERN;
	snprintf(val, sizeof(val), "%u,%u,%u,%u", xenvgpu_buf_gref(b, 0),
		 xenvgpu_buf_gref(b, 1), xenvgpu_buf_gref(b, 2),
		 xenvgpu_buf_gref(b, 3));
	vgt_put(xs, "data/vgguest/grefs", val);
	printf("victim: buffer granted to the backend, grefs %s\n", val);
	done = vgt_wait_node(xs, "data/vgguest/done", 300);
	if (!done) {
		printf("FAIL no word from dom0 in 300 s\n");
		return 1;
	}
	free(done);
	for (size_t i = 0; i < PAGES * 1024; i++)
		if (p[i] != PATTERN) {
			if (!bad)
				printf("FAIL octet %zu changed: 0x%08x\n",
				       i * 4, p[i]);
			bad++;
		}
	printf("victim: %s (%d words changed)\n",
	       bad ? "FAIL: another guest reached this buffer"
		   : "ok: the buffer is untouched",
	       bad);
	xenvgpu_buf_free(b);
	rc = xenvgpu_close(h);
	xs_close(xs);
	return bad || rc ? 1 : 0;
}
