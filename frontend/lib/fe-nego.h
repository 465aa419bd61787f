/*
 * fe-nego.h — what the frontend reads of the backend's xenstore
 * directory and what it chooses from it (version, feature ack, ring
 * size). Pure logic: nodes come through a struct xv_xs_reader
 * (xenstore/xs-parse.h), so the unit tests give it a table.
 *
 * Trusts: nothing the backend wrote. Parsing is the xenstore layer's
 * (strict decimals, each node in its protocol range); a missing or bad
 * node fails with -EPROTO and a sentence naming it.
 */
#ifndef XV_FE_NEGO_H
#define XV_FE_NEGO_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "xs-parse.h"

struct fe_backend_info {
	uint32_t version;	 /* highest the backend speaks */
	struct xv_limits limits; /* features: the backend's offer */
};

struct fe_choice {
	uint32_t version;
	uint32_t features; /* the ack */
	uint32_t ring_order;
};

/*
 * Read and check version and the limit nodes. 0; -EPROTO with why
 * filled (a node missing, malformed or out of range); another -errno
 * from the reader (why filled too).
 */
int fe_read_backend(const struct xv_xs_reader *rd, struct fe_backend_info *out,
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
