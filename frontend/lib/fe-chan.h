/*
 * fe-chan.h — the frontend's end of one vGPU channel: the request ring
 * and the event page, as plain memory. No Xen library here: the caller
 * grants the memory and does the notifying and the waiting, so this part
 * runs unchanged over plain memory in the unit tests.
 *
 * Concepts:
 *  - Each request sent takes a slot of the outstanding table (one per
 *    ring entry, so the table never fills before the ring does). Its id
 *    is (sequence << 16 | slot): a response names its slot directly, and
 *    a stale or forged id (wrong sequence, idle slot) is caught.
 *  - fe_chan_process() reads what the backend produced: responses (the
 *    producer index read once and checked, each slot copied, then
 *    validated with xv_proto_check_rsp against the kept copy of its
 *    request) and events (in_prod read once and checked against our
 *    private cons, each copied and validated with xv_proto_check_evt).
 *  - A response whose id names no outstanding request, or a producer
 *    index beyond what was sent, breaks the channel: the error sticks
 *    (ch->broken) and every later call returns it. A response that is
 *    matched but fails its checks fails that one request with the check's
 *    code. An invalid event is counted and dropped.
 *  - Device reset: a -XV_ERR_DEVICE_RESET status, or a DEVICE_RESET
 *    event with a generation other than the one QUERY_CAPS last
 *    reported, sets ch->reset. Until fe_chan_reset_ack() (after a
 *    successful QUERY_CAPS) only QUERY_CAPS may be sent.
 *
 * Trusts: nothing in the shared pages. Trusts its caller's params.
 * Threads: one caller at a time (the handle's thread).
 */
#ifndef XV_FE_CHAN_H
#define XV_FE_CHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "vgpuif.h"

struct fe_slot {
	bool busy;	   /* sent, response not yet taken */
	bool done;	   /* response arrived (rc, rsp valid) */
	bool orphan;	   /* the waiter gave up: free it on arrival */
	int rc;		   /* 0, status, or the check's code */
	struct xv_req req; /* the copy sent */
	struct xv_rsp rsp; /* the validated copy received */
};

/* Hook for events a later layer handles (fences, faults); may be NULL. */
typedef void fe_evt_fn(void *arg, const struct xv_evt *evt);

struct fe_chan {
	struct xv_vgpuif_front_ring ring;
	unsigned int nr_slots;
	struct fe_slot *slots;
	uint64_t seq;	   /* sequence part of the next id, 48 bits */
	unsigned int busy; /* slots in use */
	struct xv_evt_page *evt;
	uint32_t evt_cons; /* private copy of in_cons */
	struct xv_proto_params params;
	bool holdoff;	     /* XV_FEATURE_HOLDOFF acked */
	int broken;	     /* sticky: 0 or the protocol break seen */
	bool reset;	     /* device reset seen, not acknowledged */
	uint32_t generation; /* as QUERY_CAPS last said */
	unsigned long bad_events;
	int last_bad_event; /* code of the last dropped event */
	fe_evt_fn *on_event;
	void *on_event_arg;
};

/*
 * Attach to a ring of 2^order pages at sring and the event page evt,
 * both already zeroed by the caller; initialises the shared ring header
 * (XEN_FRONT_RING_INIT). 0, -EINVAL (order), -ENOMEM.
 */
int fe_chan_init(struct fe_chan *ch, void *sring, unsigned int order,
		 struct xv_evt_page *evt, const struct xv_proto_params *p);
void fe_chan_dispose(struct fe_chan *ch); /* idempotent */

/*
 * Put a copy of req on the ring with a fresh id (*id), push it, and say
 * whether the backend must be notified. The request is checked with
 * xv_proto_check_req first: the library never sends one the backend
 * would reject for its form. -EAGAIN (ring full), -XV_ERR_DEVICE_RESET
 * (reset not acknowledged, and req is not QUERY_CAPS), ch->broken, or
 * the request's check code.
 */
int fe_chan_send(struct fe_chan *ch, const struct xv_req *req, uint64_t *id,
		 bool *notify);

/* Consume responses and events; 0, or ch->broken once it is set. */
int fe_chan_process(struct fe_chan *ch);

/*
 * Before sleeping: ask for a notification on the next response or event
 * (RING_FINAL_CHECK_FOR_RESPONSES) and say whether something is already
 * there, in which case the caller processes instead of sleeping.
 */
bool fe_chan_more(struct fe_chan *ch);

/*
 * The outcome of request id: -EAGAIN while not answered; otherwise the
 * slot is freed and the result is its rc (0 and *rsp filled, a status,
 * or a check's code). -ENOENT for an id not outstanding.
 */
int fe_chan_take(struct fe_chan *ch, uint64_t id, struct xv_rsp *rsp);

/* The waiter of id gives up: its late response is dropped on arrival. */
void fe_chan_abandon(struct fe_chan *ch, uint64_t id);

/* A successful QUERY_CAPS said generation: the reset is acknowledged. */
void fe_chan_reset_ack(struct fe_chan *ch, uint32_t generation);

#endif /* XV_FE_CHAN_H */
