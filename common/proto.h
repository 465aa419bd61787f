/*
 * proto.h — validators of the vGPU wire protocol (common/vgpuif.h).
 *
 * Every function here looks at a private copy: a request, response,
 * directory page or event already copied off shared memory (after a
 * compiler barrier), never at the shared page itself, so what is checked
 * is what is used (XSA-155). They check every field, reserved bytes
 * included, and read nothing outside the struct they are given.
 *
 * Return values: 0 when the structure is acceptable, else -XV_ERR_* with
 * one distinct code for each rejection (enum xv_err in vgpuif.h). The
 * backend puts a request's code straight into the response's status.
 * Nothing here allocates, logs or aborts.
 */
#ifndef XV_PROTO_H
#define XV_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "vgpuif.h"

/*
 * What the validators measure a structure against: the vGPU's profile
 * limits and the negotiated feature set (the frontend's ack, a subset of
 * limits.features). Context handles are valid in 1..limits.max_contexts,
 * vPASIDs in 1..2^limits.pasid_width - 1.
 */
struct xv_proto_params {
	struct xv_limits limits;
	uint32_t features;
};

/* Text for an XV_ERR_* code, given as code or -code; never NULL. */
const char *xv_proto_strerror(int code);

/* Whether status (0 or -XV_ERR_*) is one a backend may put in a response. */
bool xv_proto_status_known(int32_t status);

/* ---- sizes ---------------------------------------------------------------- */

/* Slots of a request ring of 2^order pages; 0 if order > XV_RING_ORDER_MAX. */
unsigned int xv_proto_ring_size(unsigned int order);

/* Pages of a command buffer of cmd_bytes bytes (no overflow for any u32). */
uint32_t xv_proto_submit_pages(uint32_t cmd_bytes);

/* Directory pages a buffer of nr_grefs pages needs (0 if inline). */
uint32_t xv_proto_dir_pages(uint32_t nr_grefs);

/* ---- transport and negotiation ------------------------------------------- */

/*
 * Backend: req_prod read once from the shared ring, against its private
 * rsp_prod_pvt; as RING_REQUEST_PROD_OVERFLOW. -XV_ERR_RING_REQ_OVERFLOW.
 */
int xv_proto_check_req_prod(uint32_t req_prod, uint32_t rsp_prod_pvt,
			    unsigned int nr_ents);

/*
 * Frontend: rsp_prod read once, against its private rsp_cons and
 * req_prod_pvt: no more responses than requests outstanding (which also
 * bounds them by the ring size). -XV_ERR_RING_RSP_OVERFLOW.
 */
int xv_proto_check_rsp_prod(uint32_t rsp_prod, uint32_t rsp_cons,
			    uint32_t req_prod_pvt);

/*
 * Event page indexes, prod - cons <= XV_EVT_RING_LEN: the frontend passes
 * in_prod read once with its private cons, the backend its private prod
 * with in_cons read once. -XV_ERR_EVT_INDEX.
 */
int xv_proto_check_evt_idx(uint32_t prod, uint32_t cons);

/* Frontend's feature ack against the backend's offer. */
int xv_proto_check_features(uint32_t offered, uint32_t acked);

/* Frontend's ring-page-order against max-ring-page-order and the ack. */
int xv_proto_check_ring_order(uint32_t order, uint32_t max_order,
			      uint32_t features);

/* A grant-based guest address (vgpuif.h): bit 63, gref != 0, rest 0. */
int xv_proto_check_gaddr(uint64_t gaddr);

/* ---- backend: requests from a possibly hostile frontend ------------------ */

/* A request copied off the ring. */
int xv_proto_check_req(const struct xv_req *req,
		       const struct xv_proto_params *p);

/*
 * One copied directory page of an accepted SUBMIT, given how many buffer
 * pages are still unaccounted for (remaining > 0: the pages of the buffer
 * minus the grefs of the directory pages before this one). On success the
 * caller subtracts dir->num_grefs and follows dir->gref_dir_next_page,
 * which is 0 exactly when nothing remains.
 */
int xv_proto_check_dir(const struct xv_gref_dir *dir, uint32_t remaining);

/* The QUERY_CAPS answer for these params and device generation. */
void xv_proto_caps(const struct xv_proto_params *p, uint32_t generation,
		   struct xv_rsp_caps *c);

/* ---- frontend: output of a possibly hostile backend ---------------------- */

/*
 * A response copied off the ring, against the copy of the request that is
 * outstanding under its id (the frontend keeps it): id and op echo it,
 * status is known, payload reserved bytes are 0 (all of it on failure),
 * a CTX_CREATE handle and vPASID are in range, a CFG_READ value fits its
 * size, QUERY_CAPS values are within the protocol's bounds.
 */
int xv_proto_check_rsp(const struct xv_rsp *rsp, const struct xv_req *sent,
		       const struct xv_proto_params *p);

/* An event copied off the event page. */
int xv_proto_check_evt(const struct xv_evt *evt,
		       const struct xv_proto_params *p);

#endif /* XV_PROTO_H */
