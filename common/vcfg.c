/*
 * vcfg.c — the vGPU's virtual PCI config space: built once from the
 * limits, then read and written by the guest through per-byte masks.
 *
 * Trusts struct xv_limits from the toolstack (already validated there)
 * except pasid_width, which must fit the 5-bit Max PASID Width field.
 * Trusts no offset, size or value of a guest access, and no byte of a
 * space it is asked to parse.
 */
#include "vcfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * bytes[] is what the guest reads. A byte's bits in rw[] take the written
 * value; its bits in w1c[] are cleared by writing 1; all others are RO.
 * Invariant: rw[i] & w1c[i] == 0.
 */
struct xv_vcfg {
	uint8_t bytes[XV_VCFG_SIZE];
	uint8_t rw[XV_VCFG_SIZE];
	uint8_t w1c[XV_VCFG_SIZE];
};

static uint32_t get_le(const uint8_t *p, uint32_t size)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint32_t le16(const uint8_t *cfg, uint32_t off)
{
	return get_le(cfg + off, 2);
}

static uint32_t le32(const uint8_t *cfg, uint32_t off)
{
	return get_le(cfg + off, 4);
}

static void put_le(uint8_t *p, uint32_t size, uint32_t v)
{
	for (uint32_t i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A register at off: initial value, RW bits, W1C bits. */
static void reg(struct xv_vcfg *c, uint32_t off, uint32_t size, uint32_t val,
		uint32_t rw, uint32_t w1c)
{
	put_le(c->bytes + off, size, val);
	put_le(c->rw + off, size, rw);
	put_le(c->w1c + off, size, w1c);
}

static uint32_t ext_header(uint32_t id, uint32_t version, uint32_t next)
{
	return id | version << 16 | next << 20;
}

static void build_header(struct xv_vcfg *c)
{
	reg(c, XV_PCI_VENDOR_ID, 2, XV_VCFG_VENDOR_ID, 0, 0);
	reg(c, XV_PCI_DEVICE_ID, 2, XV_VCFG_DEVICE_ID, 0, 0);
	/* No Memory/IO Space enable: there is nothing behind them. Bus
	 * master is the guest's to set (the GPU reads its memory); parity
	 * and SERR reporting are plain RW enables. */
	reg(c, XV_PCI_COMMAND, 2, 0,
	    XV_PCI_COMMAND_MASTER | XV_PCI_COMMAND_PARITY | XV_PCI_COMMAND_SERR,
	    0);
	reg(c, XV_PCI_STATUS, 2, XV_PCI_STATUS_CAP_LIST, 0, XV_PCI_STATUS_W1C);
	reg(c, XV_PCI_REVISION_ID, 1, XV_VCFG_REVISION, 0, 0);
	reg(c, XV_PCI_CLASS_PROG, 1, 0, 0, 0);
	reg(c, XV_PCI_CLASS_DEVICE, 2, XV_VCFG_CLASS << 8 | XV_VCFG_SUBCLASS, 0,
	    0);
	reg(c, XV_PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0); /* RW, no effect */
	reg(c, XV_PCI_HEADER_TYPE, 1, 0, 0, 0);	       /* type 0, single fn */
	/* BAR0..5 and the ROM BAR: all RO 0 = not implemented. */
	reg(c, XV_PCI_SUBSYS_VENDOR_ID, 2, XV_VCFG_SUBSYS_VENDOR, 0, 0);
	reg(c, XV_PCI_SUBSYS_ID, 2, XV_VCFG_SUBSYS_ID, 0, 0);
	reg(c, XV_PCI_CAPABILITY_LIST, 1, XV_VCFG_EXP_OFFSET, 0, 0);
	reg(c, XV_PCI_INTERRUPT_LINE, 1, 0, 0xff, 0); /* scratch for the OS */
	reg(c, XV_PCI_INTERRUPT_PIN, 1, 0, 0, 0); /* no INTx: event channel */
}

static void build_pcie_cap(struct xv_vcfg *c)
{
	uint32_t b = XV_VCFG_EXP_OFFSET;

	reg(c, b + 0, 1, XV_PCI_CAP_ID_EXP, 0, 0);
	reg(c, b + 1, 1, 0, 0, 0); /* last standard capability */
	reg(c, b + XV_PCI_EXP_FLAGS, 2, XV_PCI_EXP_FLAGS_V2, 0, 0);
	/* MPS 128, no phantom functions, no FLR; role-based error
	 * reporting (bit 15) as every PCIe 1.1+ device must */
	reg(c, b + XV_PCI_EXP_DEVCAP, 4, 0x00008000u, 0, 0);
	reg(c, b + XV_PCI_EXP_DEVCTL, 2, XV_PCI_EXP_DEVCTL_DEFAULT,
	    XV_PCI_EXP_DEVCTL_RW, 0);
	reg(c, b + XV_PCI_EXP_DEVSTA, 2, 0, 0, XV_PCI_EXP_DEVSTA_W1C);
	reg(c, b + XV_PCI_EXP_LNKCAP, 4, 0x00000011u, 0, 0); /* 2.5GT/s x1 */
	reg(c, b + XV_PCI_EXP_LNKCTL, 2, 0, XV_PCI_EXP_LNKCTL_RW, 0);
	reg(c, b + XV_PCI_EXP_LNKSTA, 2, 0x0011u, 0, 0);
	/* slot and root registers: RO 0 for an endpoint; DEVCAP2 offers
	 * nothing, so DEVCTL2 is RO 0 */
	reg(c, b + XV_PCI_EXP_LNKCAP2, 4, 0x00000002u, 0, 0); /* 2.5GT/s */
	reg(c, b + XV_PCI_EXP_LNKCTL2, 2, 0x0001u, 0, 0);     /* single speed */
}

static void build_dvsec(struct xv_vcfg *c, const struct xv_limits *lim)
{
	uint32_t b = XV_VCFG_DVSEC_OFFSET;
	uint32_t free_start = XV_VCFG_PASID_OFFSET + 8;

	reg(c, b, 4,
	    ext_header(XV_PCI_EXT_CAP_ID_DVSEC, 1, XV_VCFG_PASID_OFFSET), 0, 0);
	reg(c, b + XV_DVSEC_HDR1, 4,
	    XV_DVSEC_VENDOR_ID | XV_DVSEC_REVISION << 16 |
		(uint32_t)XV_DVSEC_LENGTH << 20,
	    0, 0);
	reg(c, b + XV_DVSEC_HDR2, 2, XV_DVSEC_ID, 0, 0);
	reg(c, b + XV_DVSEC_MAX_CONTEXTS, 4, lim->max_contexts, 0, 0);
	reg(c, b + XV_DVSEC_MAX_PINNED_PAGES, 4, lim->max_pinned_pages, 0, 0);
	reg(c, b + XV_DVSEC_PASID_WIDTH, 4, lim->pasid_width, 0, 0);
	reg(c, b + XV_DVSEC_MAX_PASIDS, 4, lim->max_pasids, 0, 0);
	reg(c, b + XV_DVSEC_MAX_QUEUED_BYTES, 4, lim->max_queued_bytes, 0, 0);
	reg(c, b + XV_DVSEC_MAX_CMD_BYTES, 4, lim->max_cmd_bytes, 0, 0);
	reg(c, b + XV_DVSEC_RING_ORDER_MAX, 4, lim->ring_order_max, 0, 0);
	reg(c, b + XV_DVSEC_SCHED_WEIGHT, 4, lim->sched_weight, 0, 0);
	reg(c, b + XV_DVSEC_FEATURES, 4, lim->features, 0, 0);
	reg(c, b + XV_DVSEC_OOS_PAGES, 4, lim->oos_pages, 0, 0);
	/* Everything after the PASID capability is unused: one range. */
	reg(c, b + XV_DVSEC_FREE_COUNT, 4, 1, 0, 0);
	reg(c, b + XV_DVSEC_FREE_RANGES, 4,
	    free_start | (XV_VCFG_SIZE - free_start) << 16, 0, 0);
}

static void build_pasid_cap(struct xv_vcfg *c, uint32_t width)
{
	uint32_t b = XV_VCFG_PASID_OFFSET;
	uint32_t ctrl_rw = XV_PCI_PASID_CTRL_ENABLE;

	/* Control bits are RW only where the Capability says supported. */
	if (XV_VCFG_PASID_SUPPORTED & XV_PCI_PASID_CAP_EXEC)
		ctrl_rw |= XV_PCI_PASID_CTRL_EXEC;
	if (XV_VCFG_PASID_SUPPORTED & XV_PCI_PASID_CAP_PRIV)
		ctrl_rw |= XV_PCI_PASID_CTRL_PRIV;
	reg(c, b, 4, ext_header(XV_PCI_EXT_CAP_ID_PASID, 1, 0), 0, 0);
	reg(c, b + XV_PCI_PASID_CAP, 2, width << 8 | XV_VCFG_PASID_SUPPORTED, 0,
	    0);
	reg(c, b + XV_PCI_PASID_CTRL, 2, 0, ctrl_rw, 0);
}

_Static_assert(XV_VCFG_PASID_OFFSET % 4 == 0, "ext caps are dword-aligned");
_Static_assert(XV_VCFG_PASID_OFFSET + 8 < XV_VCFG_SIZE, "room after PASID");
_Static_assert(XV_DVSEC_LENGTH < 0x1000, "DVSEC length is 12 bits");

int xv_vcfg_new(const struct xv_limits *limits, struct xv_vcfg **out)
{
	struct xv_vcfg *c = NULL;
	int rc = -EINVAL;

	*out = NULL;
	if (limits->pasid_width < 1 || limits->pasid_width > 20)
		goto out;
	rc = -ENOMEM;
	c = calloc(1, sizeof(*c)); /* all RO 0: unimplemented reads 0 */
	if (!c)
		goto out;
	build_header(c);
	build_pcie_cap(c);
	build_dvsec(c, limits);
	build_pasid_cap(c, limits->pasid_width);
	*out = c;
	rc = 0;
out:
	return rc;
}

void xv_vcfg_free(struct xv_vcfg *cfg)
{
	free(cfg);
}

/* Size 1/2/4, naturally aligned, inside the space. */
static int check_access(uint32_t offset, uint32_t size)
{
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (offset >= XV_VCFG_SIZE || offset % size)
		return -EINVAL;
	return 0; /* aligned and below 4096, so offset + size <= 4096 */
}

int xv_vcfg_read(const struct xv_vcfg *cfg, uint32_t offset, uint32_t size,
		 uint32_t *val)
{
	int rc = check_access(offset, size);

	if (rc)
		return rc;
	*val = get_le(cfg->bytes + offset, size);
	return 0;
}

int xv_vcfg_write(struct xv_vcfg *cfg, uint32_t offset, uint32_t size,
		  uint32_t val)
{
	int rc = check_access(offset, size);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < size; i++) {
		uint32_t o = offset + i;
		uint8_t v = (uint8_t)(val >> (8 * i));
		uint8_t b = cfg->bytes[o];

		b = (uint8_t)((b & ~cfg->rw[o]) | (v & cfg->rw[o]));
		b = (uint8_t)(b & ~(v & cfg->w1c[o]));
		cfg->bytes[o] = b;
	}
	return 0;
}

int xv_vcfg_raise(struct xv_vcfg *cfg, uint32_t offset, uint32_t size,
		  uint32_t bits)
{
	int rc = check_access(offset, size);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < size; i++) {
		uint32_t o = offset + i;

		cfg->bytes[o] |= (uint8_t)(bits >> (8 * i)) & cfg->w1c[o];
	}
	return 0;
}

bool xv_vcfg_pasid_enabled(const struct xv_vcfg *cfg)
{
	return le16(cfg->bytes, XV_VCFG_PASID_OFFSET + XV_PCI_PASID_CTRL) &
	       XV_PCI_PASID_CTRL_ENABLE;
}

void xv_vcfg_snapshot(const struct xv_vcfg *cfg, uint8_t out[XV_VCFG_SIZE])
{
	memcpy(out, cfg->bytes, XV_VCFG_SIZE);
}

/* ---- parsing --------------------------------------------------------------
 * Each walk visits a pointer at most once (a bitmap of visited dwords), so
 * it ends after at most 48 (standard) or 960 (extended) steps, and every
 * pointer is checked against its list's range before it is dereferenced.
 */

int xv_vcfg_find_cap(const uint8_t cfg[XV_VCFG_SIZE], uint8_t cap_id,
		     uint32_t *offset)
{
	uint64_t visited = 0; /* one bit a dword of 0x00..0xff */
	uint32_t ptr;

	if (!(le16(cfg, XV_PCI_STATUS) & XV_PCI_STATUS_CAP_LIST))
		return -ENOENT;
	/* the bottom two bits are reserved: software masks them */
	ptr = cfg[XV_PCI_CAPABILITY_LIST] & 0xfcu;
	while (ptr) {
		if (ptr < 0x40) /* inside the header */
			return -EINVAL;
		if (visited >> (ptr / 4) & 1)
			return -ELOOP;
		visited |= 1ull << (ptr / 4);
		if (cfg[ptr] == cap_id) {
			*offset = ptr;
			return 0;
		}
		ptr = cfg[ptr + 1] & 0xfcu; /* ptr <= 0xfc: ptr + 1 in range */
	}
	return -ENOENT;
}

/* Walk the extended list; match ID, and for a DVSEC vendor and ID too. */
static int walk_ext(const uint8_t cfg[XV_VCFG_SIZE], uint16_t cap_id,
		    bool dvsec, uint16_t vendor, uint16_t dvsec_id,
		    uint32_t *offset)
{
	uint64_t visited[(XV_VCFG_SIZE - 0x100) / 4 / 64] = {0};
	uint32_t off = 0x100;

	for (;;) {
		uint32_t hdr, slot;

		if (off < 0x100 || off > XV_VCFG_SIZE - 4)
			return -EINVAL;
		slot = (off - 0x100) / 4;
		if (visited[slot / 64] >> (slot % 64) & 1)
			return -ELOOP;
		visited[slot / 64] |= 1ull << (slot % 64);
		hdr = le32(cfg, off);
		if (off == 0x100 && (hdr == 0 || hdr == 0xffffffffu))
			return -ENOENT; /* no extended capabilities */
		if ((hdr & 0xffff) == cap_id) {
			if (!dvsec) {
				*offset = off;
				return 0;
			}
			/* a DVSEC's headers are 10 bytes: check before use */
			if (off + 0x0a <= XV_VCFG_SIZE &&
			    (le32(cfg, off + XV_DVSEC_HDR1) & 0xffff) ==
				vendor &&
			    le16(cfg, off + XV_DVSEC_HDR2) == dvsec_id) {
				*offset = off;
				return 0;
			}
		}
		off = (hdr >> 20) & 0xffcu;
		if (!off)
			return -ENOENT;
	}
}

int xv_vcfg_find_ext_cap(const uint8_t cfg[XV_VCFG_SIZE], uint16_t cap_id,
			 uint32_t *offset)
{
	return walk_ext(cfg, cap_id, false, 0, 0, offset);
}

int xv_vcfg_find_dvsec(const uint8_t cfg[XV_VCFG_SIZE], uint16_t vendor,
		       uint16_t dvsec_id, uint32_t *offset)
{
	return walk_ext(cfg, XV_PCI_EXT_CAP_ID_DVSEC, true, vendor, dvsec_id,
			offset);
}

/* Find our DVSEC and check it holds every register up to `need`. */
static int find_our_dvsec(const uint8_t cfg[XV_VCFG_SIZE], uint32_t need,
			  uint32_t *offset)
{
	uint32_t off, hdr1, len;
	int rc;

	/* extended config space means nothing without a PCIe capability */
	rc = xv_vcfg_find_cap(cfg, XV_PCI_CAP_ID_EXP, &off);
	if (rc)
		return rc;
	rc = xv_vcfg_find_dvsec(cfg, XV_DVSEC_VENDOR_ID, XV_DVSEC_ID, &off);
	if (rc)
		return rc;
	hdr1 = le32(cfg, off + XV_DVSEC_HDR1);
	len = hdr1 >> 20;
	/* revision 1 is ours; a later one may only append registers */
	if (((hdr1 >> 16) & 0xf) < XV_DVSEC_REVISION)
		return -EINVAL;
	if (len < need || off + len > XV_VCFG_SIZE)
		return -EINVAL;
	*offset = off;
	return 0;
}

int xv_vcfg_decode_limits(const uint8_t cfg[XV_VCFG_SIZE],
			  struct xv_limits *out)
{
	struct xv_limits lim;
	uint32_t d, p;
	int rc;

	rc = find_our_dvsec(cfg, XV_DVSEC_FREE_RANGES, &d);
	if (rc)
		goto out;
	lim = (struct xv_limits){
	    .max_contexts = le32(cfg, d + XV_DVSEC_MAX_CONTEXTS),
	    .max_pinned_pages = le32(cfg, d + XV_DVSEC_MAX_PINNED_PAGES),
	    .pasid_width = le32(cfg, d + XV_DVSEC_PASID_WIDTH),
	    .max_pasids = le32(cfg, d + XV_DVSEC_MAX_PASIDS),
	    .max_queued_bytes = le32(cfg, d + XV_DVSEC_MAX_QUEUED_BYTES),
	    .max_cmd_bytes = le32(cfg, d + XV_DVSEC_MAX_CMD_BYTES),
	    .ring_order_max = le32(cfg, d + XV_DVSEC_RING_ORDER_MAX),
	    .sched_weight = le32(cfg, d + XV_DVSEC_SCHED_WEIGHT),
	    .features = le32(cfg, d + XV_DVSEC_FEATURES),
	    .oos_pages = le32(cfg, d + XV_DVSEC_OOS_PAGES),
	};
	rc = -EINVAL;
	if (lim.pasid_width < 1 || lim.pasid_width > 20)
		goto out;
	/* A PASID capability, where present, must agree with the DVSEC. */
	rc = xv_vcfg_find_ext_cap(cfg, XV_PCI_EXT_CAP_ID_PASID, &p);
	if (rc == 0) {
		rc = -EINVAL;
		if (p + 8 > XV_VCFG_SIZE)
			goto out;
		if (((le16(cfg, p + XV_PCI_PASID_CAP) &
		      XV_PCI_PASID_CAP_WIDTH) >>
		     8) != lim.pasid_width)
			goto out;
	} else if (rc != -ENOENT) {
		goto out;
	}
	*out = lim;
	rc = 0;
out:
	return rc;
}

int xv_vcfg_decode_free_ranges(const uint8_t cfg[XV_VCFG_SIZE],
			       struct xv_vcfg_range *out, unsigned int max,
			       unsigned int *count)
{
	uint32_t d, n;
	int rc;

	rc = find_our_dvsec(cfg, XV_DVSEC_FREE_RANGES, &d);
	if (rc)
		goto out;
	n = le32(cfg, d + XV_DVSEC_FREE_COUNT);
	rc = -EINVAL;
	/* the entries must fit in the DVSEC's own length */
	if (n > XV_DVSEC_FREE_MAX ||
	    XV_DVSEC_FREE_RANGES + 4 * n > (le32(cfg, d + XV_DVSEC_HDR1) >> 20))
		goto out;
	rc = -ENOSPC;
	if (n > max)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t e = le32(cfg, d + XV_DVSEC_FREE_RANGES + 4 * i);
		uint32_t o = e & 0xffff, l = e >> 16;

		rc = -EINVAL;
		if (o < 0x100 || o % 4 || l == 0 || l % 4 ||
		    o + l > XV_VCFG_SIZE)
			goto out;
		out[i] = (struct xv_vcfg_range){.offset = (uint16_t)o,
						.length = (uint16_t)l};
	}
	*count = n;
	rc = 0;
out:
	return rc;
}
