/*
 * fuzz-vcfg.c — the config-space parsers and the guest access path.
 *
 * The first input byte picks a mode (mod 3):
 *  0: the rest (zero-padded to 4 KiB) is a config space from a hostile
 *     peer; every parser must return without reading outside it, and
 *     what it returns must be in range;
 *  1: the rest is a list of guest accesses (8 bytes each: offset u16,
 *     size u8, op u8, value u32) applied to a real space; the identity
 *     and the limits must survive them;
 *  2: the rest patches a good space (3 bytes each: offset u16 & 0xfff,
 *     byte), which reaches deep into the lists sooner than raw bytes.
 */
#include "vcfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct xv_limits fuzz_limits = {
    .max_contexts = 8,
    .max_pinned_pages = 65536,
    .pasid_width = 9,
    .max_pasids = 32,
    .max_queued_bytes = 1u << 22,
    .max_cmd_bytes = 1u << 16,
    .ring_order_max = 3,
    .sched_weight = 200,
    .features = 0x5,
    .oos_pages = 32,
};

static void parse(const uint8_t b[XV_VCFG_SIZE])
{
	struct xv_vcfg_range r[XV_DVSEC_FREE_MAX];
	struct xv_limits lim;
	unsigned int n;
	uint32_t off;

	if (xv_vcfg_decode_limits(b, &lim) == 0 &&
	    (lim.pasid_width < 1 || lim.pasid_width > 20))
		abort();
	if (xv_vcfg_decode_free_ranges(b, r, XV_DVSEC_FREE_MAX, &n) == 0)
		for (unsigned int i = 0; i < n; i++)
			if (r[i].offset < 0x100 ||
			    r[i].offset + r[i].length > XV_VCFG_SIZE)
				abort();
	if (xv_vcfg_find_cap(b, b[0x40], &off) == 0 &&
	    (off < 0x40 || off > 0xfc))
		abort();
	if (xv_vcfg_find_ext_cap(b, (uint16_t)(b[0x100] | b[0x101] << 8),
				 &off) == 0 &&
	    (off < 0x100 || off > XV_VCFG_SIZE - 4))
		abort();
}

static void parse_bytes(const uint8_t *data, size_t size)
{
	static uint8_t b[XV_VCFG_SIZE];

	memset(b, 0, sizeof(b));
	memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
	parse(b);
}

static void patch_good(const uint8_t *data, size_t size)
{
	static uint8_t b[XV_VCFG_SIZE];
	struct xv_vcfg *cfg = NULL;

	if (xv_vcfg_new(&fuzz_limits, &cfg))
		abort();
	xv_vcfg_snapshot(cfg, b);
	xv_vcfg_free(cfg);
	for (; size >= 3; data += 3, size -= 3)
		b[(data[0] | data[1] << 8) & 0xfff] = data[2];
	parse(b);
}

static void guest_accesses(const uint8_t *data, size_t size)
{
	static uint8_t b[XV_VCFG_SIZE];
	struct xv_vcfg *cfg = NULL;
	struct xv_limits lim;
	uint32_t v;

	if (xv_vcfg_new(&fuzz_limits, &cfg))
		abort();
	for (; size >= 8; data += 8, size -= 8) {
		uint32_t off = (uint32_t)(data[0] | data[1] << 8);
		uint32_t sz = data[2];
		uint32_t val = (uint32_t)data[4] | (uint32_t)data[5] << 8 |
			       (uint32_t)data[6] << 16 |
			       (uint32_t)data[7] << 24;

		switch (data[3] % 3) {
		case 0:
			xv_vcfg_read(cfg, off, sz, &v);
			break;
		case 1:
			xv_vcfg_write(cfg, off, sz, val);
			break;
		default:
			xv_vcfg_raise(cfg, off, sz, val);
			break;
		}
	}
	xv_vcfg_snapshot(cfg, b);
	if (xv_vcfg_decode_limits(b, &lim) ||
	    memcmp(&lim, &fuzz_limits, sizeof(lim)))
		abort();
	if (xv_vcfg_read(cfg, 0, 4, &v) || v != 0x56475853u)
		abort();
	xv_vcfg_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		parse_bytes(data + 1, size - 1);
		break;
	case 1:
		guest_accesses(data + 1, size - 1);
		break;
	default:
		patch_good(data + 1, size - 1);
		break;
	}
	return 0;
}
