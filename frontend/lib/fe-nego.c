/*
 * fe-nego.c — the backend's nodes as the frontend reads them, and the
 * frontend's choices (see fe-nego.h). Parsing is xenstore/xs-parse.c's.
 *
 * Trusts: nothing in the node values; its own reader callback.
 */
#include "fe-nego.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "vgpuif.h"

/* The ring order chosen when the caller leaves it to us: 128 slots. */
#define FE_RING_ORDER_DEFAULT 2u

int fe_read_backend(const struct xv_xs_reader *rd, struct fe_backend_info *out,
		    char *why, size_t why_len)
{
	struct fe_backend_info info;
	const char *bad = XV_FIELD_VERSION;
	const char *what;
	int rc;

	memset(&info, 0, sizeof(info));
	rc = xv_xs_read_u32(rd, XV_FIELD_VERSION, 1, UINT32_MAX, &info.version);
	if (!rc)
		rc = xv_xs_read_limits(rd, &info.limits, &bad);
	if (!rc) {
		*out = info;
		return 0;
	}
	switch (rc) {
	case -ENOENT:
		what = "missing";
		break;
	case -EINVAL:
		what = "malformed (not a plain decimal)";
		break;
	case -ERANGE:
		what = "out of range";
		break;
	default:
		what = strerror(-rc);
	}
	snprintf(why, why_len, "backend node %s %s", bad ? bad : "?", what);
	if (rc == -ENOENT || rc == -EINVAL || rc == -ERANGE)
		rc = -EPROTO;
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
	/* Unknown offered bits would be a newer backend's: not acked. */
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
