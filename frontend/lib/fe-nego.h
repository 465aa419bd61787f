/*
 * fe-nego.h — what the frontend reads of the backend's xenstore
 * directory, parsed strictly, and what it chooses from it (version,
 * feature ack, ring size). Pure logic: the caller passes a reader for
 * the nodes, so the unit tests give it a table instead of xenstore.
 *
 * Trusts: nothing the backend wrote. Every node must be a plain decimal
 * number (digits only, no sign, no space, no leading zero, at most
 * 10 digits, at most UINT32_MAX) and within the protocol's bounds; a
 * missing or bad node fails with -EPROTO and a sentence saying which.
 */
#ifndef XV_FE_NEGO_H
#define XV_FE_NEGO_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* Read backend node @node into buf (NUL-terminated). 0, -ENOENT, -errno. */
typedef int fe_read_fn(void *arg, const char *node, char *buf, size_t len);

struct fe_backend_info {
	uint32_t version;	 /* highest the backend speaks */
	struct xv_limits limits; /* features: the backend's offer */
};

struct fe_choice {
	uint32_t version;
	uint32_t features; /* the ack */
	uint32_t ring_order;
};

/* Strict decimal uint32_t (see above). 0 or -EINVAL. */
int fe_parse_u32(const char *s, uint32_t *out);

/*
 * Read and check version, features and the limit nodes. 0; -EPROTO with
 * why filled (a node missing, not a number or out of range); another
 * -errno from the reader.
 */
int fe_read_backend(fe_read_fn *rd, void *arg, struct fe_backend_info *out,
		    char *why, size_t why_len);

/*
 * Choose: version min(backend's, ours) (-XV_ERR_VERSION below 1); ack
 * every offered feature we know minus @refuse; ring order @want_order
 * (< 0: the largest offered, at most 2; > 0 needs the multi-page
 * feature: -XV_ERR_RING_ORDER otherwise or above the offer).
 */
int fe_negotiate(const struct fe_backend_info *be, int want_order,
		 uint32_t refuse, struct fe_choice *out);

#endif /* XV_FE_NEGO_H */
