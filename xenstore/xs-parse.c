/*
 * xs-parse.c — strict parsing of xenstore node values (see xs-parse.h).
 *
 * Trusts nothing it parses: every byte of a value is looked at once,
 * within the length given, and every number is range-checked before it
 * is stored.
 */
#include "xs-parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compiler.h"
#include "proto.h"

int xv_xs_parse_u32(const char *s, size_t len, uint32_t min, uint32_t max,
		    uint32_t *out)
{
	uint64_t v = 0;

	if (!s)
		return -ENOENT;
	if (len == 0 || len > XV_XS_U32_DIGITS)
		return -EINVAL;
	if (s[0] == '0' && len > 1)
		return -EINVAL; /* leading zero: octal to some readers */
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0'); /* 10 digits < 2^64 */
	}
	if (v > UINT32_MAX || v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int xv_xs_parse_state(const char *s, size_t len, unsigned int *out)
{
	uint32_t v;
	int rc = xv_xs_parse_u32(s, len, 0, 8, &v);

	if (rc == 0)
		*out = v;
	return rc;
}

int xv_xs_parse_bool(const char *s, size_t len, bool *out)
{
	uint32_t v;
	int rc = xv_xs_parse_u32(s, len, 0, 1, &v);

	if (rc == 0)
		*out = v != 0;
	return rc;
}

int xv_xs_parse_string(const char *s, size_t len, size_t max, char *out,
		       size_t outlen)
{
	if (!s)
		return -ENOENT;
	if (len > max || len >= outlen)
		return -ERANGE;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -EINVAL;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int xv_xs_parse_profile(const char *s, size_t len, char *out, size_t outlen)
{
	if (!s)
		return -ENOENT;
	if (len == 0 || len > XV_XS_PROFILE_MAX || len >= outlen)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return -EINVAL;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int xv_xs_parse_gref(const char *s, size_t len, uint32_t *out)
{
	return xv_xs_parse_u32(s, len, 1, UINT32_MAX, out);
}

int xv_xs_read_u32(const struct xv_xs_reader *rd, const char *name,
		   uint32_t min, uint32_t max, uint32_t *out)
{
	size_t len = 0;
	const char *v;
	int rc;

	errno = 0;
	v = rd->get(rd->arg, name, &len);
	if (!v)
		return errno && errno != ENOENT ? -errno : -ENOENT;
	rc = xv_xs_parse_u32(v, len, min, max, out);
	if (rd->put)
		rd->put(rd->arg, v);
	return rc;
}

/* ---- limits ---------------------------------------------------------------- */

#define LIMIT(field, node, lo, hi)                              \
	{                                                       \
		node, offsetof(struct xv_limits, field), lo, hi \
	}

/*
 * Ranges: what the protocol and the core can honour. pasid_width is the
 * PASID capability's 5-bit field (1..20); ring_order_max is the protocol's
 * largest ring; features only the bits vgpuif.h defines; a context needs a
 * PASID, so max_pasids >= 1 (QUERY_CAPS checks the same on the guest side).
 */
_Static_assert(XV_XS_RING_REFS_MAX == 16, "one name per ring page");

const struct xv_xs_limit_field xv_xs_limit_fields[] = {
    LIMIT(max_contexts, XV_FIELD_MAX_CONTEXTS, 1, 4096),
    LIMIT(max_pinned_pages, XV_FIELD_MAX_PINNED_PAGES, 1, 1u << 28),
    LIMIT(pasid_width, XV_FIELD_PASID_WIDTH, 1, XV_PASID_WIDTH_MAX),
    LIMIT(max_pasids, XV_FIELD_MAX_PASIDS, 1, (1u << 20) - 1),
    LIMIT(max_queued_bytes, XV_FIELD_MAX_QUEUED_BYTES, 1, UINT32_MAX),
    LIMIT(max_cmd_bytes, XV_FIELD_MAX_CMD_BYTES, 1, 256u << 20),
    LIMIT(ring_order_max, XV_FIELD_MAX_RING_ORDER, 0, XV_RING_ORDER_MAX),
    LIMIT(sched_weight, XV_FIELD_SCHED_WEIGHT, 1, 1000),
    LIMIT(features, XV_FIELD_FEATURES, 0, XV_FEATURE_ALL),
    LIMIT(oos_pages, XV_FIELD_OOS_PAGES, 0, 65536),
};
const unsigned int xv_xs_nr_limit_fields = XV_ARRAY_SIZE(xv_xs_limit_fields);

_Static_assert(XV_ARRAY_SIZE(xv_xs_limit_fields) * sizeof(uint32_t) ==
		   sizeof(struct xv_limits),
	       "one node for every limit");

static uint32_t *limit_ptr(struct xv_limits *lim,
			   const struct xv_xs_limit_field *f)
{
	return (uint32_t *)((char *)lim + f->offset);
}

int xv_xs_check_limits(const struct xv_limits *lim, const char **bad)
{
	for (unsigned int i = 0; i < xv_xs_nr_limit_fields; i++) {
		const struct xv_xs_limit_field *f = &xv_xs_limit_fields[i];
		uint32_t v = *limit_ptr((struct xv_limits *)lim, f);

		if (v < f->min || v > f->max ||
		    (f->offset == offsetof(struct xv_limits, features) &&
		     (v & ~XV_FEATURE_ALL))) {
			if (bad)
				*bad = f->name;
			return -ERANGE;
		}
	}
	return 0;
}

int xv_xs_read_limits(const struct xv_xs_reader *rd, struct xv_limits *out,
		      const char **bad)
{
	struct xv_limits lim;
	int rc = 0;

	memset(&lim, 0, sizeof(lim));
	for (unsigned int i = 0; i < xv_xs_nr_limit_fields; i++) {
		const struct xv_xs_limit_field *f = &xv_xs_limit_fields[i];

		rc = xv_xs_read_u32(rd, f->name, f->min, f->max,
				    limit_ptr(&lim, f));
		if (rc) {
			if (bad)
				*bad = f->name;
			goto out;
		}
	}
	rc = xv_xs_check_limits(&lim, bad);
	if (rc == 0)
		*out = lim;
out:
	return rc;
}

/* ---- frontend nodes -------------------------------------------------------- */

int xv_xs_read_front_info(const struct xv_xs_reader *rd, uint32_t offered,
			  uint32_t max_ring_order, struct xv_xs_front_info *out,
			  const char **bad)
{
	static const char *const ring_ref_name[XV_XS_RING_REFS_MAX] = {
	    "ring-ref0",  "ring-ref1",	"ring-ref2",  "ring-ref3",
	    "ring-ref4",  "ring-ref5",	"ring-ref6",  "ring-ref7",
	    "ring-ref8",  "ring-ref9",	"ring-ref10", "ring-ref11",
	    "ring-ref12", "ring-ref13", "ring-ref14", "ring-ref15",
	};
	struct xv_xs_front_info fi;
	const char *at = NULL;
	int rc;

	memset(&fi, 0, sizeof(fi));
	at = XV_FIELD_VERSION;
	rc = xv_xs_read_u32(rd, at, 0, UINT32_MAX, &fi.version);
	if (rc)
		goto out;
	if (fi.version != XV_PROTOCOL_VERSION_INT) {
		rc = -XV_ERR_VERSION;
		goto out;
	}
	at = XV_FIELD_FEATURES;
	rc = xv_xs_read_u32(rd, at, 0, UINT32_MAX, &fi.features);
	if (rc)
		goto out;
	rc = xv_proto_check_features(offered, fi.features);
	if (rc)
		goto out;
	at = XV_FIELD_RING_ORDER;
	rc = xv_xs_read_u32(rd, at, 0, UINT32_MAX, &fi.ring_order);
	if (rc)
		goto out;
	if (max_ring_order > XV_RING_ORDER_MAX)
		max_ring_order = XV_RING_ORDER_MAX;
	rc = xv_proto_check_ring_order(fi.ring_order, max_ring_order,
				       fi.features);
	if (rc)
		goto out;
	fi.nr_ring_refs = 1u << fi.ring_order;
	for (uint32_t i = 0; i < fi.nr_ring_refs; i++) {
		at = ring_ref_name[i];
		rc = xv_xs_read_u32(rd, at, 1, UINT32_MAX, &fi.ring_ref[i]);
		if (rc)
			goto out;
	}
	at = XV_FIELD_EVT_RING_REF;
	rc = xv_xs_read_u32(rd, at, 1, UINT32_MAX, &fi.evt_ring_ref);
	if (rc)
		goto out;
	/* Event channel ports are int in libxenevtchn; port 0 is never bound. */
	at = XV_FIELD_EVENT_CHANNEL;
	rc = xv_xs_read_u32(rd, at, 1, INT32_MAX, &fi.evtchn);
	if (rc)
		goto out;
	at = NULL;
	*out = fi;
out:
	if (bad)
		*bad = at;
	return rc;
}

char *xv_xs_format_error(char *out, size_t outlen, int rc, const char *node)
{
	int code = rc < 0 ? -rc : rc;
	char buf[64];
	const char *text;

	if (outlen == 0)
		return out;
	if (code >= XV_ERR_DEVICE_RESET && code < XV_ERR_FRONT_END_)
		text = xv_proto_strerror(code);
	else
		text = strerror_r(code, buf, sizeof(buf)); /* GNU: a string */
	if (node)
		snprintf(out, outlen, "%d %s: %s", code, text, node);
	else
		snprintf(out, outlen, "%d %s", code, text);
	return out;
}
