/*
 * cmd.c — decoding, scanning and building of GPU command buffers.
 *
 * Trusts nothing in a buffer: every field is checked before it is used,
 * all arithmetic on guest values is done in u64 after the size limits are
 * checked, so nothing overflows. The buffer given must be a private copy
 * (the scanner's verdict is about the octets it read, XSA-155).
 */
#include "cmd.h"

#include <errno.h>
#include <string.h>

#include "pt.h"

struct cmd_desc {
	uint16_t opcode;
	uint16_t size;
	bool compute;
	const char *name;
};

static const struct cmd_desc cmd_descs[] = {
    {XV_CMD_OP_NOP, sizeof(struct xv_cmd_hdr), false, "NOP"},
    {XV_CMD_OP_FILL, sizeof(struct xv_cmd_fill), false, "FILL"},
    {XV_CMD_OP_COPY, sizeof(struct xv_cmd_copy), false, "COPY"},
    {XV_CMD_OP_SAXPY, sizeof(struct xv_cmd_saxpy), true, "SAXPY"},
    {XV_CMD_OP_MATMUL, sizeof(struct xv_cmd_matmul), true, "MATMUL"},
    {XV_CMD_OP_FENCE_WRITE, sizeof(struct xv_cmd_fence_write), false,
     "FENCE_WRITE"},
    {XV_CMD_OP_TIMESTAMP, sizeof(struct xv_cmd_timestamp), false, "TIMESTAMP"},
    {XV_CMD_OP_FLUSH, sizeof(struct xv_cmd_hdr), false, "FLUSH"},
};

static const struct cmd_desc *cmd_desc(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof(cmd_descs) / sizeof(cmd_descs[0]); i++)
		if (cmd_descs[i].opcode == opcode)
			return &cmd_descs[i];
	return NULL;
}

size_t xv_cmd_size(uint16_t opcode)
{
	const struct cmd_desc *d = cmd_desc(opcode);

	return d ? d->size : 0;
}

const char *xv_cmd_name(uint16_t opcode)
{
	const struct cmd_desc *d = cmd_desc(opcode);

	if (d)
		return d->name;
	return opcode >= XV_CMD_OP_PRIV_FIRST ? "privileged" : "unknown";
}

bool xv_cmd_is_compute(uint16_t opcode)
{
	const struct cmd_desc *d = cmd_desc(opcode);

	return d && d->compute;
}

/* ---- checks ------------------------------------------------------------------ */

/*
 * [va, va + bytes) with bytes already known to be in 1..limit: no wrap,
 * below 2^48, va aligned to align (a power of two).
 */
static int check_range(uint64_t va, uint64_t bytes, uint64_t align)
{
	if (va & (align - 1))
		return -XV_ERR_CMD_ALIGN;
	if (bytes > UINT64_MAX - va)
		return -XV_ERR_CMD_VA_WRAP;
	if (!xv_pt_range_ok(va, bytes))
		return -XV_ERR_CMD_VA_LIMIT;
	return 0;
}

/* Both ranges already checked, so neither end wraps. */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_fill(const struct xv_cmd_fill *c)
{
	if (c->reserved)
		return -XV_ERR_CMD_RESERVED;
	if (c->bytes == 0)
		return -XV_ERR_CMD_SIZE_ZERO;
	if (c->bytes > XV_CMD_MAX_BYTES)
		return -XV_ERR_CMD_SIZE_LIMIT;
	if (c->bytes & 3)
		return -XV_ERR_CMD_ALIGN;
	return check_range(c->va, c->bytes, 4);
}

static int check_copy(const struct xv_cmd_copy *c)
{
	int rc;

	if (c->bytes == 0)
		return -XV_ERR_CMD_SIZE_ZERO;
	if (c->bytes > XV_CMD_MAX_BYTES)
		return -XV_ERR_CMD_SIZE_LIMIT;
	rc = check_range(c->src, c->bytes, 1);
	if (!rc)
		rc = check_range(c->dst, c->bytes, 1);
	if (!rc && overlaps(c->src, c->bytes, c->dst, c->bytes))
		rc = -XV_ERR_CMD_OVERLAP;
	return rc;
}

static int check_saxpy(const struct xv_cmd_saxpy *c)
{
	uint64_t bytes = (uint64_t)c->n * 4;
	int rc;

	if (c->n == 0)
		return -XV_ERR_CMD_SIZE_ZERO;
	if (c->n > XV_CMD_SAXPY_MAX_N)
		return -XV_ERR_CMD_SIZE_LIMIT;
	rc = check_range(c->x, bytes, 4);
	if (!rc)
		rc = check_range(c->y, bytes, 4);
	if (!rc && overlaps(c->x, bytes, c->y, bytes))
		rc = -XV_ERR_CMD_OVERLAP;
	return rc;
}

static int check_matmul(const struct xv_cmd_matmul *c)
{
	uint64_t abytes, bbytes, cbytes;
	int rc;

	if (c->reserved)
		return -XV_ERR_CMD_RESERVED;
	if (c->m == 0 || c->n == 0 || c->k == 0)
		return -XV_ERR_CMD_SIZE_ZERO;
	if (c->m > XV_CMD_MATMUL_MAX_DIM || c->n > XV_CMD_MATMUL_MAX_DIM ||
	    c->k > XV_CMD_MATMUL_MAX_DIM)
		return -XV_ERR_CMD_SIZE_LIMIT;
	abytes = (uint64_t)c->m * c->k * 4;
	bbytes = (uint64_t)c->k * c->n * 4;
	cbytes = (uint64_t)c->m * c->n * 4;
	rc = check_range(c->a, abytes, 4);
	if (!rc)
		rc = check_range(c->b, bbytes, 4);
	if (!rc)
		rc = check_range(c->c, cbytes, 4);
	if (!rc && (overlaps(c->c, cbytes, c->a, abytes) ||
		    overlaps(c->c, cbytes, c->b, bbytes)))
		rc = -XV_ERR_CMD_OVERLAP;
	return rc;
}

int xv_cmd_decode(const void *buf, size_t len, size_t off, union xv_cmd *out,
		  size_t *size)
{
	const uint8_t *p = buf;
	const struct cmd_desc *d;
	union xv_cmd c;
	int rc;

	if (!buf || off > len || len - off < sizeof(struct xv_cmd_hdr))
		return -XV_ERR_CMD_TRUNCATED;
	memset(&c, 0, sizeof(c));
	memcpy(&c.hdr, p + off, sizeof(c.hdr));
	if (c.hdr.opcode == XV_CMD_OP_INVALID)
		return -XV_ERR_CMD_OPCODE_INVALID;
	if (c.hdr.opcode >= XV_CMD_OP_PRIV_FIRST)
		return -XV_ERR_CMD_PRIVILEGED;
	d = cmd_desc(c.hdr.opcode);
	if (!d)
		return -XV_ERR_CMD_OPCODE_UNKNOWN;
	if ((size_t)c.hdr.dwords * 4 != d->size)
		return -XV_ERR_CMD_LENGTH;
	if (len - off < d->size)
		return -XV_ERR_CMD_TRUNCATED;
	if (c.hdr.reserved)
		return -XV_ERR_CMD_RESERVED;
	memcpy(&c, p + off, d->size);

	switch (c.hdr.opcode) {
	case XV_CMD_OP_FILL:
		rc = check_fill(&c.fill);
		break;
	case XV_CMD_OP_COPY:
		rc = check_copy(&c.copy);
		break;
	case XV_CMD_OP_SAXPY:
		rc = check_saxpy(&c.saxpy);
		break;
	case XV_CMD_OP_MATMUL:
		rc = check_matmul(&c.matmul);
		break;
	case XV_CMD_OP_FENCE_WRITE:
		rc = check_range(c.fence_write.va, 8, 8);
		break;
	case XV_CMD_OP_TIMESTAMP:
		rc = check_range(c.timestamp.va, 8, 8);
		break;
	default: /* NOP, FLUSH: the header is all */
		rc = 0;
		break;
	}
	if (rc)
		return rc;
	if (out)
		*out = c;
	if (size)
		*size = d->size;
	return 0;
}

/* Octets touched and flops of one decoded, valid command. */
static void cmd_work(const union xv_cmd *c, uint64_t *bytes, uint64_t *flops)
{
	uint64_t m, n, k;

	*bytes = 0;
	*flops = 0;
	switch (c->hdr.opcode) {
	case XV_CMD_OP_FILL:
		*bytes = c->fill.bytes;
		break;
	case XV_CMD_OP_COPY:
		*bytes = 2 * c->copy.bytes;
		break;
	case XV_CMD_OP_SAXPY:
		*bytes = 12ull * c->saxpy.n;
		*flops = 2ull * c->saxpy.n;
		break;
	case XV_CMD_OP_MATMUL:
		m = c->matmul.m;
		n = c->matmul.n;
		k = c->matmul.k;
		*bytes = 4 * (m * k + k * n + m * n);
		*flops = 2 * m * n * k;
		break;
	case XV_CMD_OP_FENCE_WRITE:
	case XV_CMD_OP_TIMESTAMP:
		*bytes = 8;
		break;
	default:
		break;
	}
}

int xv_cmd_scan(const void *buf, size_t len, struct xv_cmd_scan *out)
{
	struct xv_cmd_scan s;
	union xv_cmd c;
	size_t off = 0, size;
	uint64_t bytes, flops;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	if (len == 0) {
		rc = -XV_ERR_SUBMIT_EMPTY;
		goto out;
	}
	while (off < len) {
		s.offset = (uint32_t)off;
		if (s.commands == XV_CMD_MAX_COMMANDS) {
			rc = -XV_ERR_CMD_TOO_MANY;
			goto out;
		}
		rc = xv_cmd_decode(buf, len, off, &c, &size);
		if (rc)
			goto out;
		cmd_work(&c, &bytes, &flops);
		/* Each term is below 2^34, the sum checked on every step. */
		s.work += bytes + flops;
		s.flops += flops;
		if (s.work > XV_CMD_MAX_WORK) {
			rc = -XV_ERR_CMD_WORK_LIMIT;
			goto out;
		}
		s.commands++;
		if (xv_cmd_is_compute(c.hdr.opcode))
			s.compute++;
		off += size;
	}
	s.offset = 0;
out:
	if (out)
		*out = s;
	return rc;
}

/* ---- builders ---------------------------------------------------------------- */

void xv_cmd_builder_init(struct xv_cmd_builder *b, void *buf, size_t cap)
{
	b->buf = buf;
	b->cap = buf ? cap : 0;
	b->len = 0;
}

int xv_cmd_raw(struct xv_cmd_builder *b, const void *cmd, size_t size)
{
	if (size == 0 || size % XV_CMD_ALIGN)
		return -EINVAL;
	if (b->cap - b->len < size)
		return -ENOSPC;
	memcpy(b->buf + b->len, cmd, size);
	b->len += size;
	return 0;
}

static struct xv_cmd_hdr hdr_of(uint16_t opcode, size_t size)
{
	struct xv_cmd_hdr h = {.opcode = opcode,
			       .dwords = (uint16_t)(size / 4)};

	return h;
}

int xv_cmd_nop(struct xv_cmd_builder *b)
{
	struct xv_cmd_hdr h = hdr_of(XV_CMD_OP_NOP, sizeof(h));

	return xv_cmd_raw(b, &h, sizeof(h));
}

int xv_cmd_flush(struct xv_cmd_builder *b)
{
	struct xv_cmd_hdr h = hdr_of(XV_CMD_OP_FLUSH, sizeof(h));

	return xv_cmd_raw(b, &h, sizeof(h));
}

int xv_cmd_fill(struct xv_cmd_builder *b, uint64_t va, uint64_t bytes,
		uint32_t pattern)
{
	struct xv_cmd_fill c = {
	    .hdr = hdr_of(XV_CMD_OP_FILL, sizeof(c)),
	    .va = va,
	    .bytes = bytes,
	    .pattern = pattern,
	};

	return xv_cmd_raw(b, &c, sizeof(c));
}

int xv_cmd_copy(struct xv_cmd_builder *b, uint64_t src, uint64_t dst,
		uint64_t bytes)
{
	struct xv_cmd_copy c = {
	    .hdr = hdr_of(XV_CMD_OP_COPY, sizeof(c)),
	    .src = src,
	    .dst = dst,
	    .bytes = bytes,
	};

	return xv_cmd_raw(b, &c, sizeof(c));
}

int xv_cmd_saxpy(struct xv_cmd_builder *b, uint64_t x, uint64_t y, uint32_t n,
		 float a)
{
	struct xv_cmd_saxpy c = {
	    .hdr = hdr_of(XV_CMD_OP_SAXPY, sizeof(c)),
	    .x = x,
	    .y = y,
	    .n = n,
	    .a_bits = xv_cmd_f32_bits(a),
	};

	return xv_cmd_raw(b, &c, sizeof(c));
}

int xv_cmd_matmul(struct xv_cmd_builder *b, uint64_t a, uint64_t bm, uint64_t c,
		  uint32_t m, uint32_t n, uint32_t k)
{
	struct xv_cmd_matmul cmd = {
	    .hdr = hdr_of(XV_CMD_OP_MATMUL, sizeof(cmd)),
	    .a = a,
	    .b = bm,
	    .c = c,
	    .m = m,
	    .n = n,
	    .k = k,
	};

	return xv_cmd_raw(b, &cmd, sizeof(cmd));
}

int xv_cmd_fence_write(struct xv_cmd_builder *b, uint64_t va, uint64_t value)
{
	struct xv_cmd_fence_write c = {
	    .hdr = hdr_of(XV_CMD_OP_FENCE_WRITE, sizeof(c)),
	    .va = va,
	    .value = value,
	};

	return xv_cmd_raw(b, &c, sizeof(c));
}

int xv_cmd_timestamp(struct xv_cmd_builder *b, uint64_t va)
{
	struct xv_cmd_timestamp c = {
	    .hdr = hdr_of(XV_CMD_OP_TIMESTAMP, sizeof(c)),
	    .va = va,
	};

	return xv_cmd_raw(b, &c, sizeof(c));
}

float xv_cmd_f32(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

uint32_t xv_cmd_f32_bits(float f)
{
	uint32_t bits;

	memcpy(&bits, &f, sizeof(bits));
	return bits;
}
