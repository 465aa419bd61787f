/*
 * be-ring.h — the backend's end of a request ring and of the event page,
 * on memory that is already mapped (no Xen calls here, so the discipline
 * is unit-tested on plain memory).
 *
 * Ring discipline (STYLE.md, XSA-155/216): req_prod is read once per pass
 * and checked (xv_proto_check_req_prod); each request is copied with
 * RING_COPY_REQUEST, a compiler barrier follows, and only the copy is
 * used; each response is built whole in a local and copied into the slot.
 * A ring whose indexes are impossible is marked bad for good: the caller
 * must never unmask its event channel again and closes the device.
 *
 * Threads: a struct be_ring / be_evt is owned by the device's worker.
 */
#ifndef XV_BE_RING_H
#define XV_BE_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "vgpuif.h"

typedef void be_ring_handler(void *arg, const struct xv_req *req,
			     struct xv_rsp *rsp);

struct be_ring {
	struct xv_vgpuif_back_ring back;
	bool holdoff; /* XV_FEATURE_HOLDOFF acked */
	int bad;      /* 0, or why the ring is dead (-XV_ERR_*) */
};

/*
 * Attach to a shared ring of 2^order pages. A new connection starts at 0;
 * a restarted daemon attaches at the rsp_prod the frontend can see (read
 * once here), so unanswered requests are answered now.
 */
void be_ring_attach(struct be_ring *r, struct xv_vgpuif_sring *s,
		    unsigned int order, bool at_rsp_prod, bool holdoff);

/*
 * Answer requests until the ring is drained, or `budget` requests were
 * answered (then it returns 1: call again before sleeping). Returns 0 when
 * drained — the final check has armed req_event, the caller may unmask —
 * or r->bad (< 0) once the ring is bad. *notify is set when the frontend
 * must be notified (always after a push without hold-off).
 */
int be_ring_drain(struct be_ring *r, unsigned int budget, be_ring_handler *fn,
		  void *arg, bool *notify);

/* ---- event page ----------------------------------------------------------- */

struct be_evt {
	struct xv_evt_page *page;
	uint32_t prod; /* private copy of in_prod */
	int bad;
};

/*
 * Attach: in_prod and in_cons read once; they must satisfy
 * xv_proto_check_evt_idx (a new page is all 0). 0 or -XV_ERR_EVT_INDEX.
 */
int be_evt_attach(struct be_evt *e, struct xv_evt_page *page);
/*
 * Post one event (copied whole). 0, -EAGAIN when the page is full (hold
 * it and retry later), or -XV_ERR_EVT_INDEX when in_cons is impossible
 * (the device must close). *notify is set when the frontend must be told.
 */
int be_evt_post(struct be_evt *e, const struct xv_evt *ev, bool *notify);

#endif /* XV_BE_RING_H */
