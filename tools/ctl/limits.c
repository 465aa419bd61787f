/*
 * limits.c — the profile limit keys: names, ranges, defaults, the rules
 * between them. The table is the one place a key is defined; the profile
 * file parser and the vgpu entry parser both go through it.
 */
#include "ctl-limits.h"
#include "compiler.h"
#include "ctl-util.h"
#include "vgpuif.h"
#include "xs-parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum kind {
	K_NUM,	 /* plain decimal */
	K_BYTES, /* decimal with an optional K/M/G suffix */
	K_FEATURES,
};

struct key_desc {
	size_t offset; /* of the uint32_t field in struct xv_limits */
	enum kind kind;
	uint32_t min, max;
	uint32_t dflt;
};

static const char *const key_names[CTL_LIM_COUNT] = {
    [CTL_LIM_MAX_CONTEXTS] = XV_FIELD_MAX_CONTEXTS,
    [CTL_LIM_MAX_PINNED_PAGES] = XV_FIELD_MAX_PINNED_PAGES,
    [CTL_LIM_PASID_WIDTH] = XV_FIELD_PASID_WIDTH,
    [CTL_LIM_MAX_PASIDS] = XV_FIELD_MAX_PASIDS,
    [CTL_LIM_MAX_QUEUED_BYTES] = XV_FIELD_MAX_QUEUED_BYTES,
    [CTL_LIM_MAX_CMD_BYTES] = XV_FIELD_MAX_CMD_BYTES,
    [CTL_LIM_MAX_RING_PAGE_ORDER] = XV_FIELD_MAX_RING_ORDER,
    [CTL_LIM_SCHED_WEIGHT] = XV_FIELD_SCHED_WEIGHT,
    [CTL_LIM_FEATURES] = XV_FIELD_FEATURES,
    [CTL_LIM_OOS_PAGES] = XV_FIELD_OOS_PAGES,
};

#define F(field) offsetof(struct xv_limits, field)

/*
 * Defaults are the example profile of common/vgpuif.h. The ranges lie
 * within the ones the xenstore layer enforces (xv_xs_limit_fields), so a
 * profile this tool accepts is one the backend accepts.
 */
static const struct key_desc keys[CTL_LIM_COUNT] = {
    [CTL_LIM_MAX_CONTEXTS] = {F(max_contexts), K_NUM, 1, CTL_MAX_CONTEXTS_MAX,
			      16},
    [CTL_LIM_MAX_PINNED_PAGES] = {F(max_pinned_pages), K_NUM, 1,
				  CTL_MAX_PINNED_PAGES_MAX, 65536},
    [CTL_LIM_PASID_WIDTH] = {F(pasid_width), K_NUM, 1, XV_PASID_WIDTH_MAX, 8},
    [CTL_LIM_MAX_PASIDS] = {F(max_pasids), K_NUM, 1,
			    (1u << XV_PASID_WIDTH_MAX) - 1, 16},
    [CTL_LIM_MAX_QUEUED_BYTES] = {F(max_queued_bytes), K_BYTES,
				  CTL_QUEUED_BYTES_MIN, CTL_BYTES_MAX,
				  16u << 20},
    [CTL_LIM_MAX_CMD_BYTES] = {F(max_cmd_bytes), K_BYTES, CTL_CMD_BYTES_MIN,
			       CTL_CMD_BYTES_MAX, 1u << 20},
    [CTL_LIM_MAX_RING_PAGE_ORDER] = {F(ring_order_max), K_NUM, 0,
				     XV_RING_ORDER_MAX, 2},
    [CTL_LIM_SCHED_WEIGHT] = {F(sched_weight), K_NUM, 1, CTL_SCHED_WEIGHT_MAX,
			      100},
    [CTL_LIM_FEATURES] = {F(features), K_FEATURES, 0, XV_FEATURE_ALL,
			  XV_FEATURE_ALL},
    [CTL_LIM_OOS_PAGES] = {F(oos_pages), K_NUM, 0, CTL_OOS_PAGES_MAX, 64},
};

/* Feature names, bit i of XV_FEATURE_* is feature_names[i]. */
static const char *const feature_names[] = {
    "oos-pt",
    "nosnoop",
    "holdoff",
    "multi-page-ring",
};
_Static_assert(sizeof(feature_names) / sizeof(feature_names[0]) == 4 &&
		   XV_FEATURE_ALL == 0xfu,
	       "one name per XV_FEATURE_* bit");

static uint32_t *field(struct xv_limits *lim, int key)
{
	return (uint32_t *)((char *)lim + keys[key].offset);
}

const char *ctl_limit_name(int key)
{
	if (key < 0 || key >= CTL_LIM_COUNT)
		return NULL;
	return key_names[key];
}

int ctl_limit_find(const char *name)
{
	for (int k = 0; k < CTL_LIM_COUNT; k++)
		if (strcmp(name, key_names[k]) == 0)
			return k;
	return -1;
}

const char *const *ctl_limit_names(void)
{
	return key_names;
}

void ctl_limits_default(struct xv_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	for (int k = 0; k < CTL_LIM_COUNT; k++)
		*field(lim, k) = keys[k].dflt;
}

uint32_t ctl_limit_get(const struct xv_limits *lim, int key)
{
	if (key < 0 || key >= CTL_LIM_COUNT)
		return 0;
	return *(const uint32_t *)((const char *)lim + keys[key].offset);
}

void ctl_limit_put(struct xv_limits *lim, int key, uint32_t value)
{
	if (key >= 0 && key < CTL_LIM_COUNT)
		*field(lim, key) = value;
}

static int parse_features(const char *value, uint32_t *out, struct ctl_err *err)
{
	const char *p = value;
	uint32_t bits = 0;
	int n = 0;

	if (strcmp(value, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (strcmp(value, "all") == 0) {
		*out = XV_FEATURE_ALL;
		return 0;
	}
	while (*p) {
		char word[32];
		size_t len = strcspn(p, ", \t+");
		unsigned i;

		if (len == 0) {
			p++;
			continue;
		}
		if (len >= sizeof(word))
			len = sizeof(word) - 1;
		memcpy(word, p, len);
		word[len] = '\0';
		for (i = 0; i < XV_ARRAY_SIZE(feature_names); i++)
			if (strcmp(word, feature_names[i]) == 0)
				break;
		if (i == XV_ARRAY_SIZE(feature_names)) {
			const char *near = ctl_closest(
			    word, feature_names, XV_ARRAY_SIZE(feature_names));

			if (near)
				return ctl_err_set(err,
						   "features: unknown feature "
						   "'%s' (did you mean '%s'?)",
						   word, near);
			return ctl_err_set(err,
					   "features: unknown feature '%s' "
					   "(known: oos-pt, nosnoop, holdoff, "
					   "multi-page-ring, or none, all)",
					   word);
		}
		if (bits & (1u << i))
			return ctl_err_set(err, "features: '%s' given twice",
					   word);
		bits |= 1u << i;
		n++;
		p += strcspn(p, ", \t+");
	}
	if (n == 0)
		return ctl_err_set(err, "features: empty (write 'none' for no "
					"features)");
	*out = bits;
	return 0;
}

int ctl_limit_set(struct xv_limits *lim, int key, const char *value,
		  struct ctl_err *err)
{
	const struct key_desc *d;
	uint64_t v64;
	uint32_t v;
	int rc;

	if (key < 0 || key >= CTL_LIM_COUNT)
		return ctl_err_set(err, "no such limit key");
	d = &keys[key];
	switch (d->kind) {
	case K_FEATURES:
		rc = parse_features(value, &v, err);
		if (rc)
			return rc;
		*field(lim, key) = v;
		return 0;
	case K_BYTES:
		rc = ctl_parse_size(value, UINT32_MAX, &v64);
		v = (uint32_t)v64;
		break;
	case K_NUM:
	default:
		rc = ctl_parse_u32(value, UINT32_MAX, &v);
		break;
	}
	if (rc == -EINVAL)
		return ctl_err_set(
		    err, "%s: '%s' is not a %s", key_names[key], value,
		    d->kind == K_BYTES ? "byte count (decimal, optional K/M/G)"
				       : "decimal number");
	if (rc == -ERANGE || v < d->min || v > d->max) {
		ctl_err_set(err, "%s: %s is out of range %u..%u",
			    key_names[key], value, d->min, d->max);
		return -ERANGE;
	}
	*field(lim, key) = v;
	return 0;
}

int ctl_limits_check(const struct xv_limits *lim, struct ctl_err *err)
{
	uint32_t pasids;
	const char *bad = NULL;

	/* Per key first, so a struct built elsewhere is held to the table. */
	for (int k = 0; k < CTL_LIM_COUNT; k++) {
		uint32_t v = ctl_limit_get(lim, k);

		if (keys[k].kind == K_FEATURES
			? (v & ~XV_FEATURE_ALL) != 0
			: v < keys[k].min || v > keys[k].max) {
			ctl_err_set(err, "%s: %u is out of range %u..%u",
				    key_names[k], v, keys[k].min, keys[k].max);
			return -ERANGE;
		}
	}
	/* vPASIDs are 1..2^width-1 (common/proto.h): 0 is never handed out. */
	pasids = (1u << lim->pasid_width) - 1;
	if (lim->max_pasids > pasids)
		return ctl_err_set(err,
				   "max-pasids %u does not fit pasid-width %u "
				   "(at most %u)",
				   lim->max_pasids, lim->pasid_width, pasids);
	if (lim->max_cmd_bytes > lim->max_queued_bytes)
		return ctl_err_set(err,
				   "max-cmd-bytes %u is larger than "
				   "max-queued-bytes %u",
				   lim->max_cmd_bytes, lim->max_queued_bytes);
	if (lim->ring_order_max > 0 &&
	    !(lim->features & XV_FEATURE_MULTI_PAGE_RING))
		return ctl_err_set(err,
				   "max-ring-page-order %u needs feature "
				   "multi-page-ring",
				   lim->ring_order_max);
	if (lim->oos_pages > 0 && !(lim->features & XV_FEATURE_OOS_PT))
		return ctl_err_set(err, "oos-pages %u needs feature oos-pt",
				   lim->oos_pages);
	/* The backend's own check: it must agree with the table above. */
	if (xv_xs_check_limits(lim, &bad))
		return ctl_err_set(err, "%s: rejected by the xenstore layer",
				   bad);
	return 0;
}

const char *ctl_features_str(uint32_t features, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if ((features & XV_FEATURE_ALL) == 0) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (unsigned i = 0; i < XV_ARRAY_SIZE(feature_names); i++) {
		if (!(features & (1u << i)))
			continue;
		int r = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
				 feature_names[i]);
		if (r < 0 || (size_t)r >= len - off) {
			buf[off] = '\0'; /* drop the cut name */
			break;
		}
		off += (size_t)r;
	}
	return buf;
}
