/*
 * test-vcfg.c — the vGPU's config space: what a guest reads, what its
 * writes may change, the PASID Enable gate, and decoding the limits back
 * from raw bytes, including bytes a hostile peer crafted.
 */
#include "compiler.h"
#include "vcfg.h"
#include "xv-test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct xv_limits profile_small = {
    .max_contexts = 4,
    .max_pinned_pages = 16384,
    .pasid_width = 5,
    .max_pasids = 8,
    .max_queued_bytes = 1u << 20,
    .max_cmd_bytes = 65536,
    .ring_order_max = 2,
    .sched_weight = 100,
    .features = 0x3,
    .oos_pages = 16,
};

static const struct xv_limits profiles[] = {
    {4, 16384, 5, 8, 1u << 20, 65536, 2, 100, 0x3, 16},
    {64, 1u << 20, 20, 1024, 64u << 20, 1u << 20, 5, 1000, 0xff, 256},
    {1, 1, 1, 1, 4096, 4096, 0, 1, 0, 0},
    {UINT32_MAX, UINT32_MAX, 20, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
     UINT32_MAX, UINT32_MAX, UINT32_MAX},
    {0, 0, 12, 0, 0, 0, 0, 0, 0x80000001u, 0},
};

#define PASID XV_VCFG_PASID_OFFSET
#define EXP   XV_VCFG_EXP_OFFSET
#define DVSEC XV_VCFG_DVSEC_OFFSET

static struct xv_vcfg *new_cfg(const struct xv_limits *lim)
{
	struct xv_vcfg *cfg = NULL;

	CU_ASSERT_FATAL(xv_vcfg_new(lim, &cfg) == 0);
	CU_ASSERT_FATAL(cfg != NULL);
	return cfg;
}

static uint32_t rd(const struct xv_vcfg *cfg, uint32_t off, uint32_t size)
{
	uint32_t v = 0xdeadbeef;

	CU_ASSERT_EQUAL(xv_vcfg_read(cfg, off, size, &v), 0);
	return v;
}

static void test_bad_limits(void)
{
	struct xv_limits lim = profile_small;
	struct xv_vcfg *cfg = (void *)1;

	lim.pasid_width = 0;
	CU_ASSERT_EQUAL(xv_vcfg_new(&lim, &cfg), -EINVAL);
	CU_ASSERT_PTR_NULL(cfg);
	lim.pasid_width = 21;
	CU_ASSERT_EQUAL(xv_vcfg_new(&lim, &cfg), -EINVAL);
	xv_vcfg_free(NULL);
}

static void test_header(void)
{
	struct xv_vcfg *cfg = new_cfg(&profile_small);

	CU_ASSERT_EQUAL(rd(cfg, 0x00, 4), 0x56475853u);
	CU_ASSERT_EQUAL(rd(cfg, 0x00, 2), 0x5853);
	CU_ASSERT_EQUAL(rd(cfg, 0x02, 2), XV_VCFG_DEVICE_ID);
	CU_ASSERT_EQUAL(rd(cfg, 0x04, 2), 0); /* nothing enabled at reset */
	CU_ASSERT_EQUAL(rd(cfg, 0x06, 2), 0x0010);	/* capabilities list */
	CU_ASSERT_EQUAL(rd(cfg, 0x08, 4), 0x03800001u); /* class, rev 1 */
	CU_ASSERT_EQUAL(rd(cfg, 0x0e, 1), 0x00); /* type 0, single function */
	CU_ASSERT_EQUAL(rd(cfg, 0x2c, 4), 0x00015853u);
	CU_ASSERT_EQUAL(rd(cfg, 0x34, 1), 0x40);
	CU_ASSERT_EQUAL(rd(cfg, 0x3d, 1), 0); /* no INTx pin */
	/* BAR sizing: all-ones written, 0 read back = no BAR */
	for (uint32_t bar = 0x10; bar <= 0x24; bar += 4) {
		CU_ASSERT_EQUAL(xv_vcfg_write(cfg, bar, 4, 0xffffffffu), 0);
		CU_ASSERT_EQUAL(rd(cfg, bar, 4), 0);
	}
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, 0x30, 4, 0xfffff801u), 0);
	CU_ASSERT_EQUAL(rd(cfg, 0x30, 4), 0);
	/* memory / IO space enables cannot be turned on */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, 0x04, 2, 0x0003), 0);
	CU_ASSERT_EQUAL(rd(cfg, 0x04, 2), 0);
	/* reserved space inside the function reads 0 */
	CU_ASSERT_EQUAL(rd(cfg, 0x80, 4), 0);
	CU_ASSERT_EQUAL(rd(cfg, 0xffc, 4), 0);
	xv_vcfg_free(cfg);
}

static void test_capability_chains(void)
{
	struct xv_vcfg *cfg = new_cfg(&profile_small);
	uint8_t b[XV_VCFG_SIZE];
	uint32_t off = 0, n = 0;

	xv_vcfg_snapshot(cfg, b);
	CU_ASSERT_EQUAL(xv_vcfg_find_cap(b, XV_PCI_CAP_ID_EXP, &off), 0);
	CU_ASSERT_EQUAL(off, 0x40);
	CU_ASSERT_EQUAL(rd(cfg, off + 2, 2) & 0xf, 2);	      /* version */
	CU_ASSERT_EQUAL((rd(cfg, off + 2, 2) >> 4) & 0xf, 0); /* endpoint */
	CU_ASSERT_EQUAL(xv_vcfg_find_cap(b, 0x05, &off), -ENOENT); /* MSI */
	CU_ASSERT_EQUAL(xv_vcfg_find_ext_cap(b, XV_PCI_EXT_CAP_ID_PASID, &off),
			0);
	CU_ASSERT_EQUAL(off, PASID);
	CU_ASSERT_EQUAL(off % 4, 0);
	CU_ASSERT_EQUAL(xv_vcfg_find_ext_cap(b, XV_PCI_EXT_CAP_ID_DVSEC, &off),
			0);
	CU_ASSERT_EQUAL(off, 0x100);
	CU_ASSERT_EQUAL(xv_vcfg_find_dvsec(b, 0x5853, XV_DVSEC_ID, &off), 0);
	CU_ASSERT_EQUAL(xv_vcfg_find_dvsec(b, 0x8086, XV_DVSEC_ID, &off),
			-ENOENT);
	CU_ASSERT_EQUAL(xv_vcfg_find_ext_cap(b, 0x0001, &off), -ENOENT);
	/* walk by hand: two caps, both version 1, list ends */
	for (uint32_t p = 0x100; p; p = (rd(cfg, p, 4) >> 20) & 0xffc) {
		CU_ASSERT_EQUAL((rd(cfg, p, 4) >> 16) & 0xf, 1);
		CU_ASSERT_FATAL(++n <= 2);
	}
	CU_ASSERT_EQUAL(n, 2);
	/* DVSEC headers */
	CU_ASSERT_EQUAL(rd(cfg, DVSEC + 4, 4) & 0xffff, 0x5853);
	CU_ASSERT_EQUAL((rd(cfg, DVSEC + 4, 4) >> 16) & 0xf, XV_DVSEC_REVISION);
	CU_ASSERT_EQUAL(rd(cfg, DVSEC + 4, 4) >> 20, XV_DVSEC_LENGTH);
	CU_ASSERT_EQUAL(rd(cfg, DVSEC + 8, 2), XV_DVSEC_ID);
	xv_vcfg_free(cfg);
}

static void test_free_ranges(void)
{
	struct xv_vcfg *cfg = new_cfg(&profile_small);
	struct xv_vcfg_range r[XV_DVSEC_FREE_MAX];
	uint8_t b[XV_VCFG_SIZE];
	unsigned int n = 0;
	int nonzero = 0;

	xv_vcfg_snapshot(cfg, b);
	CU_ASSERT_EQUAL_FATAL(xv_vcfg_decode_free_ranges(b, r, 4, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(r[0].offset, PASID + 8);
	CU_ASSERT_EQUAL(r[0].offset + r[0].length, XV_VCFG_SIZE);
	CU_ASSERT_EQUAL(xv_vcfg_decode_free_ranges(b, r, 0, &n), -ENOSPC);
	/* the range is really unused: zero, and no capability inside it */
	for (uint32_t o = r[0].offset; o < XV_VCFG_SIZE; o++)
		nonzero += b[o] != 0;
	CU_ASSERT_EQUAL(nonzero, 0);
	for (uint32_t p = 0x100; p; p = (rd(cfg, p, 4) >> 20) & 0xffc)
		CU_ASSERT(p < r[0].offset);
	/* and a guest cannot put anything there */
	for (uint32_t o = r[0].offset; o < XV_VCFG_SIZE; o += 4)
		CU_ASSERT_EQUAL(xv_vcfg_write(cfg, o, 4, 0xffffffffu), 0);
	xv_vcfg_snapshot(cfg, b);
	for (uint32_t o = r[0].offset; o < XV_VCFG_SIZE; o++)
		nonzero += b[o] != 0;
	CU_ASSERT_EQUAL(nonzero, 0);
	xv_vcfg_free(cfg);
}

static void test_pasid_cap_fields(void)
{
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(profiles); i++) {
		struct xv_vcfg *cfg = new_cfg(&profiles[i]);
		uint32_t cap = rd(cfg, PASID + 4, 2);

		CU_ASSERT_EQUAL(rd(cfg, PASID, 4) & 0xfffff, 0x1001b);
		CU_ASSERT_EQUAL((cap >> 8) & 0x1f, profiles[i].pasid_width);
		CU_ASSERT_EQUAL(cap & XV_PCI_PASID_CAP_EXEC, 0);
		CU_ASSERT_EQUAL(cap & XV_PCI_PASID_CAP_PRIV, 0);
		CU_ASSERT_EQUAL(rd(cfg, PASID + 6, 2), 0); /* off at reset */
		xv_vcfg_free(cfg);
	}
}

/*
 * Every register a guest may change, written from the spec rather than
 * from vcfg.c: everything else in the 4 KiB must be read-only.
 */
struct writable {
	uint32_t off, size, rw, w1c;
};

static const struct writable writables[] = {
    {0x04, 2, 0x0144, 0},	/* command: master, parity, SERR */
    {0x06, 2, 0, 0xf900},	/* status error bits */
    {0x0c, 1, 0xff, 0},		/* cache line size */
    {0x3c, 1, 0xff, 0},		/* interrupt line */
    {EXP + 0x08, 2, 0x79ff, 0}, /* device control */
    {EXP + 0x0a, 2, 0, 0x000f}, /* device status errors */
    {EXP + 0x10, 2, 0x00cb, 0}, /* link control */
    {PASID + 6, 2, 0x0001, 0},	/* PASID Enable only */
};

static void expected_masks(uint32_t o, uint8_t *rw, uint8_t *w1c)
{
	*rw = *w1c = 0;
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(writables); i++) {
		const struct writable *w = &writables[i];

		if (o >= w->off && o < w->off + w->size) {
			*rw = (uint8_t)(w->rw >> (8 * (o - w->off)));
			*w1c = (uint8_t)(w->w1c >> (8 * (o - w->off)));
		}
	}
}

static void test_masks_every_byte(void)
{
	struct xv_vcfg *cfg = new_cfg(&profile_small);
	uint8_t before[XV_VCFG_SIZE], after[XV_VCFG_SIZE];
	int wrong = 0;

	/* the device raises every W1C bit there is */
	for (uint32_t o = 0; o < XV_VCFG_SIZE; o++)
		CU_ASSERT_EQUAL(xv_vcfg_raise(cfg, o, 1, 0xff), 0);
	for (uint32_t o = 0; o < XV_VCFG_SIZE; o++) {
		uint8_t rw, w1c;

		expected_masks(o, &rw, &w1c);
		xv_vcfg_snapshot(cfg, before);
		if (w1c && (before[o] & w1c) != w1c)
			wrong++; /* raise did not set a W1C bit */
		/* 0s: RW bits drop, W1C bits stay */
		xv_vcfg_write(cfg, o, 1, 0x00);
		xv_vcfg_snapshot(cfg, after);
		if (after[o] != (before[o] & ~rw))
			wrong++;
		/* 1s: RW bits rise, W1C bits clear */
		xv_vcfg_write(cfg, o, 1, 0xff);
		xv_vcfg_snapshot(cfg, after);
		if (after[o] != ((before[o] | rw) & ~w1c))
			wrong++;
		/* no other byte moved */
		after[o] = before[o];
		if (memcmp(before, after, sizeof(before)))
			wrong++;
		if (wrong) {
			printf("  byte 0x%03x: before %02x after %02x\n", o,
			       before[o], after[o]);
			break;
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	xv_vcfg_free(cfg);
}

static void test_register_kinds(void)
{
	struct xv_vcfg *cfg = new_cfg(&profile_small);

	/* RW: bus master on and off */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, 0x04, 2, 0x0004), 0);
	CU_ASSERT_EQUAL(rd(cfg, 0x04, 2), 0x0004);
	/* a 32-bit write of command with 0 in the status half clears
	 * nothing: W1C only reacts to 1s */
	CU_ASSERT_EQUAL(xv_vcfg_raise(cfg, 0x06, 2, 0x2000), 0); /* RMA */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, 0x04, 4, 0x00000000), 0);
	CU_ASSERT_EQUAL(rd(cfg, 0x04, 4), 0x20100000u);
	/* raising a non-W1C bit does nothing; capability bit stays */
	CU_ASSERT_EQUAL(xv_vcfg_raise(cfg, 0x06, 2, 0x0007), 0);
	CU_ASSERT_EQUAL(xv_vcfg_raise(cfg, 0x00, 2, 0xffff), 0);
	CU_ASSERT_EQUAL(rd(cfg, 0x00, 4), 0x56475853u);
	/* W1C: writing 1 to the bit clears it, CAP_LIST survives */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, 0x06, 2, 0xffff), 0);
	CU_ASSERT_EQUAL(rd(cfg, 0x06, 2), 0x0010);
	/* PCIe device control and status */
	CU_ASSERT_EQUAL(rd(cfg, EXP + 8, 2), XV_PCI_EXP_DEVCTL_DEFAULT);
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, EXP + 8, 2, 0xffff), 0);
	CU_ASSERT_EQUAL(rd(cfg, EXP + 8, 2), 0x79ff); /* no FLR, no phantom */
	CU_ASSERT_EQUAL(xv_vcfg_raise(cfg, EXP + 0xa, 2, 0xffff), 0);
	CU_ASSERT_EQUAL(rd(cfg, EXP + 0xa, 2), 0x000f);
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, EXP + 0x8, 4, 0x00040000), 0);
	CU_ASSERT_EQUAL(rd(cfg, EXP + 0xa, 2), 0x000b); /* fatal cleared */
	CU_ASSERT_EQUAL(rd(cfg, EXP + 8, 2), 0);
	/* RO: PCIe flags, DVSEC limits, PASID capability */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, EXP, 4, 0xffffffffu), 0);
	CU_ASSERT_EQUAL(rd(cfg, EXP, 4), 0x00020010u);
	CU_ASSERT_EQUAL(
	    xv_vcfg_write(cfg, DVSEC + XV_DVSEC_MAX_CONTEXTS, 4, 1000), 0);
	CU_ASSERT_EQUAL(rd(cfg, DVSEC + XV_DVSEC_MAX_CONTEXTS, 4), 4);
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 4, 2, 0xffff), 0);
	CU_ASSERT_EQUAL(rd(cfg, PASID + 4, 2), 5 << 8);
	/* PASID control: Execute and Privileged are unsupported: RO 0 */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 6, 2, 0x0006), 0);
	CU_ASSERT_EQUAL(rd(cfg, PASID + 6, 2), 0);
	xv_vcfg_free(cfg);
}

static void test_bad_access(void)
{
	static const struct {
		uint32_t off, size;
	} bad[] = {
	    {1, 2},    {2, 4},		{3, 4},	   {0, 3},
	    {0, 0},    {0, 8},		{4096, 1}, {4094, 4},
	    {4095, 2}, {UINT32_MAX, 1}, {4096, 4}, {0x7fffffff, 1},
	};
	struct xv_vcfg *cfg = new_cfg(&profile_small);
	uint8_t before[XV_VCFG_SIZE], after[XV_VCFG_SIZE];

	xv_vcfg_snapshot(cfg, before);
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(bad); i++) {
		uint32_t v = 0x12345678;

		CU_ASSERT_EQUAL(xv_vcfg_read(cfg, bad[i].off, bad[i].size, &v),
				-EINVAL);
		CU_ASSERT_EQUAL(v, 0x12345678);
		CU_ASSERT_EQUAL(
		    xv_vcfg_write(cfg, bad[i].off, bad[i].size, 0xffffffffu),
		    -EINVAL);
		CU_ASSERT_EQUAL(
		    xv_vcfg_raise(cfg, bad[i].off, bad[i].size, 0xffffffffu),
		    -EINVAL);
	}
	/* a misaligned write that would have enabled PASID changed nothing */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 5, 2, 0x0101), -EINVAL);
	CU_ASSERT_FALSE(xv_vcfg_pasid_enabled(cfg));
	xv_vcfg_snapshot(cfg, after);
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof(before)), 0);
	/* the last byte, word and dword are fine */
	CU_ASSERT_EQUAL(rd(cfg, 4095, 1), 0);
	CU_ASSERT_EQUAL(rd(cfg, 4094, 2), 0);
	CU_ASSERT_EQUAL(rd(cfg, 4092, 4), 0);
	xv_vcfg_free(cfg);
}

static void test_pasid_enable_gate(void)
{
	struct xv_vcfg *cfg = new_cfg(&profile_small);

	CU_ASSERT_FALSE(xv_vcfg_pasid_enabled(cfg));
	/* bits that are not Enable do not enable */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 6, 2, 0xfffe), 0);
	CU_ASSERT_FALSE(xv_vcfg_pasid_enabled(cfg));
	/* a write to the capability register does not either */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 4, 2, 0x0001), 0);
	CU_ASSERT_FALSE(xv_vcfg_pasid_enabled(cfg));
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 6, 2, 0x0001), 0);
	CU_ASSERT_TRUE(xv_vcfg_pasid_enabled(cfg));
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 6, 1, 0x00), 0);
	CU_ASSERT_FALSE(xv_vcfg_pasid_enabled(cfg));
	/* a dword write covering capability and control */
	CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 4, 4, 0x0001ffffu), 0);
	CU_ASSERT_TRUE(xv_vcfg_pasid_enabled(cfg));
	CU_ASSERT_EQUAL(rd(cfg, PASID + 4, 4), 0x00010500u);
	xv_vcfg_free(cfg);
}

static void test_decode_round_trip(void)
{
	for (unsigned int i = 0; i < XV_ARRAY_SIZE(profiles); i++) {
		struct xv_vcfg *cfg = new_cfg(&profiles[i]);
		uint8_t b[XV_VCFG_SIZE];
		struct xv_limits got;

		/* the guest has used the device a little first */
		CU_ASSERT_EQUAL(xv_vcfg_write(cfg, PASID + 6, 2, 1), 0);
		CU_ASSERT_EQUAL(xv_vcfg_write(cfg, 0x04, 2, 0xffff), 0);
		xv_vcfg_snapshot(cfg, b);
		memset(&got, 0xa5, sizeof(got));
		CU_ASSERT_EQUAL(xv_vcfg_decode_limits(b, &got), 0);
		CU_ASSERT_EQUAL(memcmp(&got, &profiles[i], sizeof(got)), 0);
		xv_vcfg_free(cfg);
	}
}

/* ---- hostile bytes --------------------------------------------------------*/
static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static void good_bytes(uint8_t b[XV_VCFG_SIZE])
{
	struct xv_vcfg *cfg = new_cfg(&profile_small);

	xv_vcfg_snapshot(cfg, b);
	xv_vcfg_free(cfg);
}

static int decode(const uint8_t *b)
{
	struct xv_limits lim;

	return xv_vcfg_decode_limits(b, &lim);
}

static void test_decode_hostile(void)
{
	static uint8_t b[XV_VCFG_SIZE];
	uint32_t off;

	memset(b, 0, sizeof(b));
	CU_ASSERT_EQUAL(decode(b), -ENOENT);
	memset(b, 0xff, sizeof(b)); /* a missing device reads all-ones */
	CU_ASSERT_EQUAL(decode(b), -ELOOP); /* cap ptr 0xfc -> 0xfc */

	/* standard list: a loop, a pointer into the header */
	good_bytes(b);
	b[0x34] = 0x50;
	b[0x50] = 0x01;
	b[0x51] = 0x60;
	b[0x60] = 0x05;
	b[0x61] = 0x50;
	CU_ASSERT_EQUAL(xv_vcfg_find_cap(b, XV_PCI_CAP_ID_EXP, &off), -ELOOP);
	CU_ASSERT_EQUAL(decode(b), -ELOOP);
	b[0x61] = 0x10;
	CU_ASSERT_EQUAL(decode(b), -EINVAL);
	good_bytes(b);
	b[0x41] = 0x40; /* PCIe cap points to itself, after it was found */
	CU_ASSERT_EQUAL(xv_vcfg_find_cap(b, XV_PCI_CAP_ID_EXP, &off), 0);
	CU_ASSERT_EQUAL(xv_vcfg_find_cap(b, 0x05, &off), -ELOOP);
	good_bytes(b);
	b[0x06] = 0; /* no capabilities list */
	CU_ASSERT_EQUAL(decode(b), -ENOENT);

	/* extended list: loops, back into standard space, off the end */
	good_bytes(b);
	put32(b, PASID, 0x1001b | 0x100u << 20); /* PASID -> DVSEC */
	CU_ASSERT_EQUAL(xv_vcfg_find_ext_cap(b, 0x0001, &off), -ELOOP);
	CU_ASSERT_EQUAL(xv_vcfg_find_dvsec(b, 1, 1, &off), -ELOOP);
	put32(b, 0x100, 0x10023 | 0x100u << 20); /* DVSEC -> itself */
	CU_ASSERT_EQUAL(xv_vcfg_find_ext_cap(b, 0x001b, &off), -ELOOP);
	put32(b, 0x100, 0x10023 | 0x040u << 20); /* into the header */
	CU_ASSERT_EQUAL(xv_vcfg_find_ext_cap(b, 0x001b, &off), -EINVAL);

	/* a DVSEC that claims more than the space has */
	good_bytes(b);
	put32(b, DVSEC + 4, 0x5853 | 1u << 16 | 0xfffu << 20);
	CU_ASSERT_EQUAL(decode(b), -EINVAL);
	put32(b, DVSEC + 4, 0x5853 | 1u << 16 | 0x20u << 20); /* too short */
	CU_ASSERT_EQUAL(decode(b), -EINVAL);
	put32(b, DVSEC + 4, 0x5853 | 0u << 16 | XV_DVSEC_LENGTH << 20);
	CU_ASSERT_EQUAL(decode(b), -EINVAL); /* revision 0 */
	put32(b, DVSEC + 4, 0x8086 | 1u << 16 | XV_DVSEC_LENGTH << 20);
	CU_ASSERT_EQUAL(decode(b), -ENOENT); /* not ours */

	/* our DVSEC moved to the last dword: its header would run off */
	good_bytes(b);
	put32(b, 0x100, 0x1001b | 0xffcu << 20); /* a PASID cap first... */
	put32(b, 0xffc, 0x10023);		 /* ...then a DVSEC at 0xffc */
	CU_ASSERT_EQUAL(decode(b), -ENOENT);
	/* a PASID capability at 0xffc: its registers would run off */
	good_bytes(b);
	put32(b, DVSEC, 0x10023 | 0xffcu << 20);
	put32(b, 0xffc, 0x1001b);
	CU_ASSERT_EQUAL(decode(b), -EINVAL);

	/* limits that make no sense, or disagree with the PASID cap */
	good_bytes(b);
	put32(b, DVSEC + XV_DVSEC_PASID_WIDTH, 0);
	CU_ASSERT_EQUAL(decode(b), -EINVAL);
	put32(b, DVSEC + XV_DVSEC_PASID_WIDTH, 21);
	CU_ASSERT_EQUAL(decode(b), -EINVAL);
	put32(b, DVSEC + XV_DVSEC_PASID_WIDTH, 6); /* cap says 5 */
	CU_ASSERT_EQUAL(decode(b), -EINVAL);
	/* no PASID cap at all is fine: a VMM may add one */
	good_bytes(b);
	put32(b, DVSEC, 0x10023);
	CU_ASSERT_EQUAL(decode(b), 0);

	/* free ranges: too many, or outside extended space */
	good_bytes(b);
	struct xv_vcfg_range r[XV_DVSEC_FREE_MAX];
	unsigned int n;
	put32(b, DVSEC + XV_DVSEC_FREE_COUNT, 5);
	CU_ASSERT_EQUAL(xv_vcfg_decode_free_ranges(b, r, 4, &n), -EINVAL);
	put32(b, DVSEC + XV_DVSEC_FREE_COUNT, 1);
	put32(b, DVSEC + XV_DVSEC_FREE_RANGES, 0x40 | 0x10u << 16);
	CU_ASSERT_EQUAL(xv_vcfg_decode_free_ranges(b, r, 4, &n), -EINVAL);
	put32(b, DVSEC + XV_DVSEC_FREE_RANGES, 0xff0 | 0x20u << 16);
	CU_ASSERT_EQUAL(xv_vcfg_decode_free_ranges(b, r, 4, &n), -EINVAL);
}

/*
 * Mutate a good space at random (pointers, headers, lengths, random
 * bytes) and decode: it must return an expected code and, when it
 * succeeds, give limits whose width is valid. ASan catches any read
 * outside the 4 KiB.
 */
static void test_decode_random_mutations(void)
{
	static const uint32_t hot[] = {
	    0x06,  0x34,  0x40,	 0x41,	    0x100,     0x102,
	    0x103, 0x104, 0x106, 0x107,	    0x108,     0x114,
	    0x134, 0x138, PASID, PASID + 2, PASID + 3, PASID + 5};
	static uint8_t good[XV_VCFG_SIZE], b[XV_VCFG_SIZE];
	unsigned long steps = xv_test_steps(20000);
	struct xv_rng rng;
	unsigned long bad = 0, ok = 0;

	xv_rng_init(&rng, xv_test_seed("vcfg mutations"));
	good_bytes(good);
	for (unsigned long s = 0; s < steps; s++) {
		struct xv_limits lim;
		struct xv_vcfg_range r[XV_DVSEC_FREE_MAX];
		unsigned int n;
		uint32_t off;
		int rc, flips = 1 + (int)xv_rng_below(&rng, 4);

		memcpy(b, good, sizeof(b));
		for (int f = 0; f < flips; f++) {
			uint32_t at =
			    xv_rng_below(&rng, 2)
				? hot[xv_rng_below(&rng, XV_ARRAY_SIZE(hot))]
				: (uint32_t)xv_rng_below(&rng, XV_VCFG_SIZE);
			b[at] = (uint8_t)xv_rng_next(&rng);
		}
		rc = xv_vcfg_decode_limits(b, &lim);
		if (rc == 0) {
			ok++;
			if (lim.pasid_width < 1 || lim.pasid_width > 20)
				bad++;
		} else if (rc != -EINVAL && rc != -ENOENT && rc != -ELOOP) {
			bad++;
		}
		rc = xv_vcfg_decode_free_ranges(b, r, XV_DVSEC_FREE_MAX, &n);
		if (rc == 0) {
			for (unsigned int i = 0; i < n; i++)
				if (r[i].offset < 0x100 ||
				    r[i].offset + r[i].length > XV_VCFG_SIZE)
					bad++;
		}
		rc = xv_vcfg_find_ext_cap(b, (uint16_t)xv_rng_next(&rng), &off);
		if (rc == 0 && (off < 0x100 || off > XV_VCFG_SIZE - 4))
			bad++;
		rc = xv_vcfg_find_cap(b, (uint8_t)xv_rng_next(&rng), &off);
		if (rc == 0 && (off < 0x40 || off > 0xfc))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(ok > 0); /* some mutations are harmless */
}

static const struct xv_test_case vcfg_cases[] = {
    {"bad limits rejected", test_bad_limits},
    {"type-0 header, no BARs", test_header},
    {"capability chains walkable", test_capability_chains},
    {"free ranges listed and unused", test_free_ranges},
    {"PASID capability fields", test_pasid_cap_fields},
    {"RO/RW/W1C masks on every byte", test_masks_every_byte},
    {"register kinds", test_register_kinds},
    {"misaligned and out-of-range rejected", test_bad_access},
    {"PASID Enable gate", test_pasid_enable_gate},
    {"decode_limits round trip", test_decode_round_trip},
    {"decode rejects hostile bytes", test_decode_hostile},
    {"decode survives random mutations", test_decode_random_mutations},
    {NULL, NULL},
};

static const struct xv_test_suite vcfg_suite = {
    .name = "vcfg",
    .cases = vcfg_cases,
};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&vcfg_suite, NULL};

	return xv_test_main(suites);
}
