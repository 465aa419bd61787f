/*
 * fe-nego.c — strict parsing of the backend's nodes and the frontend's
 * choices (see fe-nego.h).
 *
 * Trusts: nothing in the strings it is given; its own reader callback.
 */
#include "fe-nego.h"

#include <errno.h>
#include <stdio.h>

#include "proto.h"
#include "vgpuif.h"

/* The ring order chosen when the caller leaves it to us: 128 slots. */
#define FE_RING_ORDER_DEFAULT 2u

/* Longest node value we accept: "4294967295" plus slack to see junk. */
#define NODE_MAX 32

int fe_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	if (!s || !*s)
		return -EINVAL;
	/* "0" is the only number that may start with a zero. */
	if (s[0] == '0' && s[1] != '\0')
		return -EINVAL;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[n] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

struct node_rule {
	const char *name;
	size_t offset; /* in struct fe_backend_info */
	uint32_t min, max;
};

#define INFO_OFF(f) offsetof(struct fe_backend_info, f)

static const struct node_rule rules[] = {
    {XV_FIELD_VERSION, INFO_OFF(version), 1, UINT32_MAX},
    {XV_FIELD_FEATURES, INFO_OFF(limits.features), 0, UINT32_MAX},
    {XV_FIELD_MAX_RING_ORDER, INFO_OFF(limits.ring_order_max), 0,
     XV_RING_ORDER_MAX},
    {XV_FIELD_MAX_CONTEXTS, INFO_OFF(limits.max_contexts), 1, UINT32_MAX},
    {XV_FIELD_MAX_PINNED_PAGES, INFO_OFF(limits.max_pinned_pages), 0,
     UINT32_MAX},
    {XV_FIELD_PASID_WIDTH, INFO_OFF(limits.pasid_width), 1, XV_PASID_WIDTH_MAX},
    {XV_FIELD_MAX_PASIDS, INFO_OFF(limits.max_pasids), 1, UINT32_MAX},
    {XV_FIELD_MAX_QUEUED_BYTES, INFO_OFF(limits.max_queued_bytes), 0,
     UINT32_MAX},
    {XV_FIELD_MAX_CMD_BYTES, INFO_OFF(limits.max_cmd_bytes), 1, UINT32_MAX},
    {XV_FIELD_OOS_PAGES, INFO_OFF(limits.oos_pages), 0, UINT32_MAX},
};

int fe_read_backend(fe_read_fn *rd, void *arg, struct fe_backend_info *out,
		    char *why, size_t why_len)
{
	struct fe_backend_info info = {0};
	char buf[NODE_MAX];
	uint32_t v;
	int rc = 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct node_rule *r = &rules[i];

		buf[0] = '\0';
		rc = rd(arg, r->name, buf, sizeof(buf));
		if (rc == -ENOENT) {
			snprintf(why, why_len, "backend node %s missing",
				 r->name);
			rc = -EPROTO;
			goto out;
		}
		if (rc) {
			snprintf(why, why_len, "backend node %s unreadable",
				 r->name);
			goto out;
		}
		buf[sizeof(buf) - 1] = '\0';
		if (fe_parse_u32(buf, &v)) {
			snprintf(why, why_len,
				 "backend node %s = \"%.16s\" is not a "
				 "decimal number",
				 r->name, buf);
			rc = -EPROTO;
			goto out;
		}
		if (v < r->min || v > r->max) {
			snprintf(why, why_len,
				 "backend node %s = %u outside %u..%u", r->name,
				 v, r->min, r->max);
			rc = -EPROTO;
			goto out;
		}
		*(uint32_t *)((char *)&info + r->offset) = v;
	}
	/* sched-weight is the backend's business; the frontend gets it
	 * from QUERY_CAPS. */
	*out = info;
out:
	return rc;
}

int fe_negotiate(const struct fe_backend_info *be, int want_order,
		 uint32_t refuse, struct fe_choice *out)
{
	struct fe_choice c = {0};
	uint32_t max_order = be->limits.ring_order_max;
	int rc;

	if (be->version < 1)
		return -XV_ERR_VERSION;
	c.version = be->version < XV_PROTOCOL_VERSION_INT
			? be->version
			: XV_PROTOCOL_VERSION_INT;
	/* Unknown offered bits are a newer backend's: not acked. */
	c.features = be->limits.features & XV_FEATURE_ALL & ~refuse;
	if (!(c.features & XV_FEATURE_MULTI_PAGE_RING))
		max_order = 0;
	if (want_order < 0) {
		c.ring_order = max_order < FE_RING_ORDER_DEFAULT
				   ? max_order
				   : FE_RING_ORDER_DEFAULT;
	} else {
		c.ring_order = (uint32_t)want_order;
	}
	rc = xv_proto_check_ring_order(c.ring_order, be->limits.ring_order_max,
				       c.features);
	if (rc)
		return rc;
	rc = xv_proto_check_features(be->limits.features, c.features);
	if (rc)
		return rc;
	*out = c;
	return 0;
}
