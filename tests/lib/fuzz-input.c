/*
 * fuzz-input.c — the input cursor of the fuzz targets (fuzz-input.h).
 */
#include "fuzz-input.h"

#include <string.h>

void xv_fuzz_in_init(struct xv_fuzz_in *in, const uint8_t *data, size_t size)
{
	in->p = data;
	in->left = size;
}

void xv_fuzz_bytes(struct xv_fuzz_in *in, void *out, size_t n)
{
	size_t take = n < in->left ? n : in->left;

	if (take)
		memcpy(out, in->p, take);
	memset((uint8_t *)out + take, 0, n - take);
	in->p += take;
	in->left -= take;
}

uint8_t xv_fuzz_u8(struct xv_fuzz_in *in)
{
	uint8_t b[1];

	xv_fuzz_bytes(in, b, sizeof(b));
	return b[0];
}

uint16_t xv_fuzz_u16(struct xv_fuzz_in *in)
{
	uint8_t b[2];

	xv_fuzz_bytes(in, b, sizeof(b));
	return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t xv_fuzz_u32(struct xv_fuzz_in *in)
{
	uint8_t b[4];

	xv_fuzz_bytes(in, b, sizeof(b));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}
