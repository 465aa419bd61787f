/*
 * fuzz-cmd.c — libFuzzer target for the command-buffer scanner.
 *
 * The input is the command buffer, copied into a heap buffer of exactly
 * its size so ASan sees any read past the end. The scan's verdict must
 * be a known XV_ERR_CMD_* code (and a known status for the wire) with an
 * offset inside the buffer; an accepted buffer must decode command by
 * command into ranges inside the GPU VA space, aligned and not
 * overlapping as common/cmd.h promises, within the per-buffer limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fuzz-input.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOP (1ull << XV_GPU_VA_BITS)

static void require_range(uint64_t va, uint64_t bytes, uint64_t align)
{
	xv_require(bytes > 0);
	xv_require(va < TOP && bytes <= TOP - va);
	xv_require((va & (align - 1)) == 0);
}

static void require_apart(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	xv_require(a + alen <= b || b + blen <= a);
}

static void check_accepted(const uint8_t *buf, size_t len,
			   const struct xv_cmd_scan *s)
{
	size_t off = 0, size;
	uint32_t n = 0, compute = 0;
	union xv_cmd c;

	while (off < len) {
		xv_require(xv_cmd_decode(buf, len, off, &c, &size) == 0);
		xv_require(size == xv_cmd_size(c.hdr.opcode) && size % 8 == 0);
		xv_require(c.hdr.opcode != 0 &&
			   c.hdr.opcode < XV_CMD_OP_PRIV_FIRST);
		xv_require(c.hdr.reserved == 0);
		switch (c.hdr.opcode) {
		case XV_CMD_OP_FILL:
			require_range(c.fill.va, c.fill.bytes, 4);
			xv_require(c.fill.bytes <= XV_CMD_MAX_BYTES);
			xv_require(c.fill.bytes % 4 == 0 &&
				   c.fill.reserved == 0);
			break;
		case XV_CMD_OP_COPY:
			xv_require(c.copy.bytes <= XV_CMD_MAX_BYTES);
			require_range(c.copy.src, c.copy.bytes, 1);
			require_range(c.copy.dst, c.copy.bytes, 1);
			require_apart(c.copy.src, c.copy.bytes, c.copy.dst,
				      c.copy.bytes);
			break;
		case XV_CMD_OP_SAXPY:
			xv_require(c.saxpy.n <= XV_CMD_SAXPY_MAX_N);
			require_range(c.saxpy.x, 4ull * c.saxpy.n, 4);
			require_range(c.saxpy.y, 4ull * c.saxpy.n, 4);
			require_apart(c.saxpy.x, 4ull * c.saxpy.n, c.saxpy.y,
				      4ull * c.saxpy.n);
			compute++;
			break;
		case XV_CMD_OP_MATMUL: {
			uint64_t m = c.matmul.m, nn = c.matmul.n,
				 k = c.matmul.k;

			xv_require(m <= XV_CMD_MATMUL_MAX_DIM &&
				   nn <= XV_CMD_MATMUL_MAX_DIM &&
				   k <= XV_CMD_MATMUL_MAX_DIM);
			require_range(c.matmul.a, 4 * m * k, 4);
			require_range(c.matmul.b, 4 * k * nn, 4);
			require_range(c.matmul.c, 4 * m * nn, 4);
			require_apart(c.matmul.c, 4 * m * nn, c.matmul.a,
				      4 * m * k);
			require_apart(c.matmul.c, 4 * m * nn, c.matmul.b,
				      4 * k * nn);
			xv_require(c.matmul.reserved == 0);
			compute++;
			break;
		}
		case XV_CMD_OP_FENCE_WRITE:
			require_range(c.fence_write.va, 8, 8);
			break;
		case XV_CMD_OP_TIMESTAMP:
			require_range(c.timestamp.va, 8, 8);
			break;
		case XV_CMD_OP_NOP:
		case XV_CMD_OP_FLUSH:
			break;
		default:
			xv_require(!"unknown opcode accepted");
		}
		off += size;
		n++;
	}
	xv_require(off == len);
	xv_require(n == s->commands && compute == s->compute);
	xv_require(n <= XV_CMD_MAX_COMMANDS && s->work <= XV_CMD_MAX_WORK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xv_cmd_scan s;
	uint8_t *buf;
	int rc;

	if (size > 1u << 16)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	rc = xv_cmd_scan(buf, size, &s);
	if (rc == 0) {
		check_accepted(buf, size, &s);
	} else {
		xv_require(xv_proto_status_known(rc));
		xv_require(rc == -XV_ERR_SUBMIT_EMPTY ||
			   (rc <= -XV_ERR_CMD_TRUNCATED &&
			    rc >= -XV_ERR_CMD_WORK_LIMIT));
		xv_require(size == 0 || s.offset < size);
		xv_require(s.offset % 8 == 0);
	}
	free(buf);
	return 0;
}
