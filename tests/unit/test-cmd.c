/*
 * test-cmd.c — the command-buffer format: every command accepted when
 * well formed, every rejection with its own code and offset, builders
 * that round-trip through the decoder, and random corruption of valid
 * buffers never accepted as something out of bounds.
 */
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "xv-test.h"

#define TOP (1ull << XV_GPU_VA_BITS)

static uint8_t buf[4096];

/* One command alone in a buffer: the scanner's verdict. */
static int scan_one(const void *cmd, size_t size)
{
	struct xv_cmd_scan s;

	memcpy(buf, cmd, size);
	return xv_cmd_scan(buf, size, &s);
}

static void test_every_command_accepted(void)
{
	struct xv_cmd_builder b;
	struct xv_cmd_scan s;
	union xv_cmd c;
	size_t off = 0, size;
	int n = 0;

	xv_cmd_builder_init(&b, buf, sizeof(buf));
	CU_ASSERT_EQUAL(xv_cmd_nop(&b), 0);
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, 0x1000, 0x2004, 0xdeadbeef), 0);
	CU_ASSERT_EQUAL(xv_cmd_copy(&b, 0x10000, 0x20001, 77), 0);
	CU_ASSERT_EQUAL(xv_cmd_saxpy(&b, 0x30000, 0x40000, 1000, 2.5f), 0);
	CU_ASSERT_EQUAL(xv_cmd_matmul(&b, 0x50000, 0x60000, 0x70000, 3, 4, 5),
			0);
	CU_ASSERT_EQUAL(xv_cmd_fence_write(&b, 0x80008, 0x123456789ull), 0);
	CU_ASSERT_EQUAL(xv_cmd_timestamp(&b, 0x80010), 0);
	CU_ASSERT_EQUAL(xv_cmd_flush(&b), 0);
	/* The top of the VA space is reachable, not beyond. */
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, TOP - 8, 8, 1), 0);
	CU_ASSERT_EQUAL(b.len, 8 + 32 + 32 + 32 + 48 + 24 + 16 + 8 + 32);

	CU_ASSERT_EQUAL(xv_cmd_scan(buf, b.len, &s), 0);
	CU_ASSERT_EQUAL(s.commands, 9);
	CU_ASSERT_EQUAL(s.compute, 2);
	CU_ASSERT_EQUAL(s.flops, 2 * 1000 + 2 * 3 * 4 * 5);
	CU_ASSERT_EQUAL(s.work, 0x2004 + 2 * 77 + 12 * 1000 + 2000 +
				    4 * (15 + 20 + 12) + 120 + 8 + 8 + 8);

	/* Round trip: the decoder gives back what the builders took. */
	while (off < b.len) {
		CU_ASSERT_EQUAL_FATAL(xv_cmd_decode(buf, b.len, off, &c, &size),
				      0);
		switch (n++) {
		case 1:
			CU_ASSERT_EQUAL(c.hdr.opcode, XV_CMD_OP_FILL);
			CU_ASSERT_EQUAL(c.fill.va, 0x1000);
			CU_ASSERT_EQUAL(c.fill.bytes, 0x2004);
			CU_ASSERT_EQUAL(c.fill.pattern, 0xdeadbeef);
			break;
		case 2:
			CU_ASSERT_EQUAL(c.copy.src, 0x10000);
			CU_ASSERT_EQUAL(c.copy.dst, 0x20001);
			CU_ASSERT_EQUAL(c.copy.bytes, 77);
			break;
		case 3:
			CU_ASSERT_EQUAL(c.saxpy.n, 1000);
			CU_ASSERT(xv_cmd_f32(c.saxpy.a_bits) == 2.5f);
			break;
		case 4:
			CU_ASSERT_EQUAL(c.matmul.a, 0x50000);
			CU_ASSERT_EQUAL(c.matmul.b, 0x60000);
			CU_ASSERT_EQUAL(c.matmul.c, 0x70000);
			CU_ASSERT_EQUAL(c.matmul.m, 3);
			CU_ASSERT_EQUAL(c.matmul.n, 4);
			CU_ASSERT_EQUAL(c.matmul.k, 5);
			break;
		case 5:
			CU_ASSERT_EQUAL(c.fence_write.value, 0x123456789ull);
			break;
		case 6:
			CU_ASSERT_EQUAL(c.timestamp.va, 0x80010);
			break;
		case 7:
			CU_ASSERT_EQUAL(c.hdr.opcode, XV_CMD_OP_FLUSH);
			break;
		default:
			break;
		}
		CU_ASSERT_EQUAL(size, xv_cmd_size(c.hdr.opcode));
		off += size;
	}
	CU_ASSERT_EQUAL(n, 9);
	CU_ASSERT_STRING_EQUAL(xv_cmd_name(XV_CMD_OP_MATMUL), "MATMUL");
	CU_ASSERT_STRING_EQUAL(xv_cmd_name(0x8001), "privileged");
	CU_ASSERT_STRING_EQUAL(xv_cmd_name(0x0042), "unknown");
}

static void test_builder_space(void)
{
	struct xv_cmd_builder b;
	uint8_t small[40];

	xv_cmd_builder_init(&b, small, sizeof(small));
	CU_ASSERT_EQUAL(xv_cmd_fill(&b, 0, 4, 0), 0);
	CU_ASSERT_EQUAL(xv_cmd_copy(&b, 0, 64, 4), -ENOSPC);
	CU_ASSERT_EQUAL(b.len, 32);
	CU_ASSERT_EQUAL(xv_cmd_nop(&b), 0);
	CU_ASSERT_EQUAL(xv_cmd_nop(&b), -ENOSPC);
	CU_ASSERT_EQUAL(xv_cmd_raw(&b, small, 3), -EINVAL);
	xv_cmd_builder_init(&b, NULL, 100);
	CU_ASSERT_EQUAL(xv_cmd_nop(&b), -ENOSPC);
}

static void test_header_rejections(void)
{
	struct xv_cmd_fill f = {.hdr = {XV_CMD_OP_FILL, 8, 0}, .bytes = 4};
	struct xv_cmd_hdr h = {XV_CMD_OP_NOP, 2, 0};
	struct xv_cmd_scan s;

	CU_ASSERT_EQUAL(scan_one(&f, sizeof(f)), 0);
	CU_ASSERT_EQUAL(xv_cmd_scan(buf, 0, &s), -XV_ERR_SUBMIT_EMPTY);
	/* Truncated: short header, short body, tail after a good command. */
	CU_ASSERT_EQUAL(scan_one(&h, 4), -XV_ERR_CMD_TRUNCATED);
	CU_ASSERT_EQUAL(scan_one(&f, 24), -XV_ERR_CMD_TRUNCATED);
	memcpy(buf, &h, 8);
	memcpy(buf + 8, &h, 8);
	CU_ASSERT_EQUAL(xv_cmd_scan(buf, 13, &s), -XV_ERR_CMD_TRUNCATED);
	CU_ASSERT_EQUAL(s.offset, 8);
	/* Lengths other than the opcode's size, in both directions. */
	for (unsigned int dw = 0; dw < 16; dw++) {
		f.hdr.dwords = (uint16_t)dw;
		CU_ASSERT_EQUAL(scan_one(&f, sizeof(f)),
				dw == 8 ? 0 : -XV_ERR_CMD_LENGTH);
	}
	f.hdr.dwords = 0xffff;
	CU_ASSERT_EQUAL(scan_one(&f, sizeof(f)), -XV_ERR_CMD_LENGTH);
	f.hdr.dwords = 8;
	/* Opcodes: 0, unassigned, reserved range, every privileged one. */
	h.opcode = 0;
	CU_ASSERT_EQUAL(scan_one(&h, 8), -XV_ERR_CMD_OPCODE_INVALID);
	for (uint32_t op = 1; op < 0x10000; op++) {
		int want;

		h.opcode = (uint16_t)op;
		h.dwords = (uint16_t)(xv_cmd_size((uint16_t)op) / 4);
		if (op >= XV_CMD_OP_PRIV_FIRST)
			want = -XV_ERR_CMD_PRIVILEGED;
		else if (!xv_cmd_size((uint16_t)op))
			want = -XV_ERR_CMD_OPCODE_UNKNOWN;
		else
			continue;
		CU_ASSERT_EQUAL(scan_one(&h, 8), want);
	}
	{
		/* A plausible privileged command: header + root address. */
		struct xv_cmd_timestamp p = {
		    .hdr = {XV_CMD_OP_PRIV_LOAD_ROOT, 4, 0}, .va = 0x1000};

		CU_ASSERT_EQUAL(scan_one(&p, 16), -XV_ERR_CMD_PRIVILEGED);
	}
	/* Reserved bits, header and payload. */
	for (int bit = 0; bit < 32; bit++) {
		f.hdr.reserved = 1u << bit;
		CU_ASSERT_EQUAL(scan_one(&f, sizeof(f)), -XV_ERR_CMD_RESERVED);
		f.hdr.reserved = 0;
		f.reserved = 1u << bit;
		CU_ASSERT_EQUAL(scan_one(&f, sizeof(f)), -XV_ERR_CMD_RESERVED);
		f.reserved = 0;
	}
	{
		struct xv_cmd_matmul m = {.hdr = {XV_CMD_OP_MATMUL, 12, 0},
					  .a = 0x1000,
					  .b = 0x2000,
					  .c = 0x3000,
					  .m = 1,
					  .n = 1,
					  .k = 1,
					  .reserved = 0x80000000u};

		CU_ASSERT_EQUAL(scan_one(&m, sizeof(m)), -XV_ERR_CMD_RESERVED);
		m.reserved = 0;
		CU_ASSERT_EQUAL(scan_one(&m, sizeof(m)), 0);
	}
}

static void test_range_rejections(void)
{
	struct xv_cmd_fill f = {.hdr = {XV_CMD_OP_FILL, 8, 0}};
	struct xv_cmd_copy c = {.hdr = {XV_CMD_OP_COPY, 8, 0}};
	struct xv_cmd_fence_write fw = {.hdr = {XV_CMD_OP_FENCE_WRITE, 6, 0}};
	struct xv_cmd_timestamp ts = {.hdr = {XV_CMD_OP_TIMESTAMP, 4, 0}};

	f.va = 0x1000;
	f.bytes = 0;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_SIZE_ZERO);
	f.bytes = XV_CMD_MAX_BYTES;
	CU_ASSERT_EQUAL(scan_one(&f, 32), 0);
	f.bytes = XV_CMD_MAX_BYTES + 4ull;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_SIZE_LIMIT);
	f.bytes = 1ull << 63;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_SIZE_LIMIT);
	f.bytes = 6;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_ALIGN);
	f.bytes = 8;
	f.va = 0x1002;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_ALIGN);
	f.va = UINT64_MAX - 3;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_VA_WRAP);
	f.va = TOP - 4;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_VA_LIMIT);
	f.va = TOP;
	CU_ASSERT_EQUAL(scan_one(&f, 32), -XV_ERR_CMD_VA_LIMIT);

	/* COPY: any alignment, no overlap, both ends checked. */
	c.src = 0x1001;
	c.dst = 0x3003;
	c.bytes = 0x2002;
	CU_ASSERT_EQUAL(scan_one(&c, 32), 0);
	c.bytes = 0x2003;
	CU_ASSERT_EQUAL(scan_one(&c, 32), -XV_ERR_CMD_OVERLAP);
	c.dst = 0x1000;
	c.bytes = 2;
	CU_ASSERT_EQUAL(scan_one(&c, 32), -XV_ERR_CMD_OVERLAP);
	c.dst = TOP - 1;
	CU_ASSERT_EQUAL(scan_one(&c, 32), -XV_ERR_CMD_VA_LIMIT);
	c.dst = UINT64_MAX;
	CU_ASSERT_EQUAL(scan_one(&c, 32), -XV_ERR_CMD_VA_WRAP);
	c.dst = 0x5000;
	c.src = TOP;
	CU_ASSERT_EQUAL(scan_one(&c, 32), -XV_ERR_CMD_VA_LIMIT);
	c.src = 0;
	c.bytes = 0;
	CU_ASSERT_EQUAL(scan_one(&c, 32), -XV_ERR_CMD_SIZE_ZERO);

	/* 8-aligned single writes. */
	fw.va = 0x1004;
	CU_ASSERT_EQUAL(scan_one(&fw, 24), -XV_ERR_CMD_ALIGN);
	fw.va = TOP - 8;
	CU_ASSERT_EQUAL(scan_one(&fw, 24), 0);
	fw.va = TOP;
	CU_ASSERT_EQUAL(scan_one(&fw, 24), -XV_ERR_CMD_VA_LIMIT);
	ts.va = 0x2001;
	CU_ASSERT_EQUAL(scan_one(&ts, 16), -XV_ERR_CMD_ALIGN);
	ts.va = UINT64_MAX - 7;
	CU_ASSERT_EQUAL(scan_one(&ts, 16), -XV_ERR_CMD_VA_WRAP);
}

static void test_compute_rejections(void)
{
	struct xv_cmd_saxpy s = {.hdr = {XV_CMD_OP_SAXPY, 8, 0}};
	struct xv_cmd_matmul m = {.hdr = {XV_CMD_OP_MATMUL, 12, 0}};

	s.x = 0x10000;
	s.y = 0x20000;
	s.n = 0;
	CU_ASSERT_EQUAL(scan_one(&s, 32), -XV_ERR_CMD_SIZE_ZERO);
	s.n = XV_CMD_SAXPY_MAX_N + 1;
	CU_ASSERT_EQUAL(scan_one(&s, 32), -XV_ERR_CMD_SIZE_LIMIT);
	s.n = 0x4001; /* 64 KiB + 4: overlaps y by one float */
	CU_ASSERT_EQUAL(scan_one(&s, 32), -XV_ERR_CMD_OVERLAP);
	s.n = 0x1000;
	CU_ASSERT_EQUAL(scan_one(&s, 32), 0);
	s.y = 0x20002;
	CU_ASSERT_EQUAL(scan_one(&s, 32), -XV_ERR_CMD_ALIGN);
	s.y = TOP - 0x2000;
	CU_ASSERT_EQUAL(scan_one(&s, 32), -XV_ERR_CMD_VA_LIMIT);

	m.a = 0x1000000;
	m.b = 0x2000000;
	m.c = 0x3000000;
	m.m = m.n = m.k = XV_CMD_MATMUL_MAX_DIM;
	CU_ASSERT_EQUAL(scan_one(&m, 48), 0);
	m.k = XV_CMD_MATMUL_MAX_DIM + 1;
	CU_ASSERT_EQUAL(scan_one(&m, 48), -XV_ERR_CMD_SIZE_LIMIT);
	m.k = 0;
	CU_ASSERT_EQUAL(scan_one(&m, 48), -XV_ERR_CMD_SIZE_ZERO);
	m.k = 1;
	m.m = 0xffffffffu;
	CU_ASSERT_EQUAL(scan_one(&m, 48), -XV_ERR_CMD_SIZE_LIMIT);
	m.m = 16;
	m.n = 16;
	m.c = m.b + 4 * 16 - 4; /* C's first float is B's last */
	CU_ASSERT_EQUAL(scan_one(&m, 48), -XV_ERR_CMD_OVERLAP);
	m.c = m.a;
	CU_ASSERT_EQUAL(scan_one(&m, 48), -XV_ERR_CMD_OVERLAP);
	/* A and B may be the same matrix: only read. */
	m.b = m.a;
	m.k = 16;
	m.c = 0x3000000;
	CU_ASSERT_EQUAL(scan_one(&m, 48), 0);
	m.c = 0x3000001;
	CU_ASSERT_EQUAL(scan_one(&m, 48), -XV_ERR_CMD_ALIGN);
	m.c = TOP - 16;
	CU_ASSERT_EQUAL(scan_one(&m, 48), -XV_ERR_CMD_VA_LIMIT);
}

static void test_buffer_limits(void)
{
	static uint8_t big[(XV_CMD_MAX_COMMANDS + 1) * 8];
	struct xv_cmd_builder b;
	struct xv_cmd_scan s;

	xv_cmd_builder_init(&b, big, sizeof(big));
	for (unsigned int i = 0; i < XV_CMD_MAX_COMMANDS; i++)
		CU_ASSERT_EQUAL_FATAL(xv_cmd_nop(&b), 0);
	CU_ASSERT_EQUAL(xv_cmd_scan(big, b.len, &s), 0);
	CU_ASSERT_EQUAL(s.commands, XV_CMD_MAX_COMMANDS);
	CU_ASSERT_EQUAL(xv_cmd_nop(&b), 0);
	CU_ASSERT_EQUAL(xv_cmd_scan(big, b.len, &s), -XV_ERR_CMD_TOO_MANY);
	CU_ASSERT_EQUAL(s.offset, XV_CMD_MAX_COMMANDS * 8);

	/* Work: 16 full-size COPYs are 8 GiB of traffic. */
	xv_cmd_builder_init(&b, buf, sizeof(buf));
	for (unsigned int i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(
		    xv_cmd_copy(&b, 0, 1ull << 40, XV_CMD_MAX_BYTES), 0);
	CU_ASSERT_EQUAL(xv_cmd_scan(buf, b.len, &s), -XV_ERR_CMD_WORK_LIMIT);
	CU_ASSERT_EQUAL(s.offset, 8 * 32);
	CU_ASSERT_EQUAL(xv_cmd_scan(buf, 8 * 32, &s), 0);
	CU_ASSERT_EQUAL(s.work, 8ull * 2 * XV_CMD_MAX_BYTES);
}

/*
 * Random corruption of a valid buffer: whatever the scanner accepts
 * decodes into commands whose ranges are inside the VA space, aligned
 * as required and not overlapping — never anything else.
 */
static void test_random_corruption(void)
{
	struct xv_rng rng;
	unsigned long steps = xv_test_steps(20000);
	struct xv_cmd_builder b;
	uint8_t good[512], bad[512];
	size_t len;

	xv_rng_init(&rng, xv_test_seed("cmd corruption"));
	xv_cmd_builder_init(&b, good, sizeof(good));
	xv_cmd_fill(&b, 0x1000, 64, 7);
	xv_cmd_copy(&b, 0x2000, 0x3000, 100);
	xv_cmd_saxpy(&b, 0x4000, 0x5000, 16, 1.0f);
	xv_cmd_matmul(&b, 0x6000, 0x7000, 0x8000, 2, 2, 2);
	xv_cmd_fence_write(&b, 0x9000, 1);
	xv_cmd_timestamp(&b, 0x9008);
	xv_cmd_flush(&b);
	xv_cmd_nop(&b);
	len = b.len;
	CU_ASSERT_EQUAL_FATAL(xv_cmd_scan(good, len, NULL), 0);

	for (unsigned long i = 0; i < steps; i++) {
		struct xv_cmd_scan s;
		size_t blen = len, off = 0, size;
		unsigned int flips = 1 + (unsigned int)xv_rng_below(&rng, 4);
		union xv_cmd c;
		int rc;

		memcpy(bad, good, len);
		for (unsigned int f = 0; f < flips; f++) {
			uint64_t r = xv_rng_next(&rng);

			bad[r % len] ^= (uint8_t)(1u << ((r >> 32) % 8));
		}
		if (xv_rng_below(&rng, 8) == 0)
			blen = xv_rng_below(&rng, len + 1);
		rc = xv_cmd_scan(bad, blen, &s);
		if (rc) {
			CU_ASSERT(rc <= -XV_ERR_CMD_TRUNCATED ||
				  rc == -XV_ERR_SUBMIT_EMPTY);
			CU_ASSERT(rc >= -XV_ERR_CMD_WORK_LIMIT);
			CU_ASSERT(s.offset < blen || blen == 0);
			continue;
		}
		while (off < blen) {
			CU_ASSERT_EQUAL_FATAL(
			    xv_cmd_decode(bad, blen, off, &c, &size), 0);
			CU_ASSERT(c.hdr.opcode < XV_CMD_OP_PRIV_FIRST);
			if (c.hdr.opcode == XV_CMD_OP_FILL) {
				CU_ASSERT(c.fill.va + c.fill.bytes <= TOP);
				CU_ASSERT((c.fill.va & 3) == 0);
			} else if (c.hdr.opcode == XV_CMD_OP_COPY) {
				CU_ASSERT(c.copy.src + c.copy.bytes <= TOP);
				CU_ASSERT(c.copy.dst + c.copy.bytes <= TOP);
				CU_ASSERT(
				    c.copy.src + c.copy.bytes <= c.copy.dst ||
				    c.copy.dst + c.copy.bytes <= c.copy.src);
			} else if (c.hdr.opcode == XV_CMD_OP_MATMUL) {
				CU_ASSERT(c.matmul.m <= XV_CMD_MATMUL_MAX_DIM);
				CU_ASSERT(c.matmul.c +
					      4ull * c.matmul.m * c.matmul.n <=
					  TOP);
			}
			off += size;
		}
	}
}

static const struct xv_test_case cmd_cases[] = {
    {"every command accepted and round-tripped", test_every_command_accepted},
    {"builder out of space", test_builder_space},
    {"header, opcode, privileged, reserved", test_header_rejections},
    {"ranges: size, alignment, wrap, limit, overlap", test_range_rejections},
    {"SAXPY and MATMUL checks", test_compute_rejections},
    {"command count and work limits", test_buffer_limits},
    {"random corruption of a valid buffer", test_random_corruption},
    {NULL, NULL},
};

static const struct xv_test_suite cmd_suite = {"cmd", cmd_cases, NULL, NULL};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&cmd_suite, NULL};

	return xv_test_main(suites);
}
