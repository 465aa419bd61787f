/*
 * fake-vgpu-be.h — a TEST DOUBLE: the backend half of a vgpuif device in
 * this process, for the frontend library's unit suites (test-fe-api.c,
 * test-fe-gpu.c).
 *
 * It stands in for the other domain only: the shared ring and event page
 * are plain memory, and the suite's transport (struct fe_transport_ops)
 * runs this backend instead of kicking an event channel. A suite decides
 * how (and how badly) to answer; this holds what every such double
 * shares: the pages and the back ring, a config space, the answers to the
 * ops every backend serves, given as backend/be-vgpu.c gives them, and a
 * pump that answers what the frontend queued.
 */
#ifndef XV_FAKE_VGPU_BE_H
#define XV_FAKE_VGPU_BE_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"
#include "proto.h"
#include "vgpuif.h"

struct fe_transport_ops;
struct xenvgpu;
struct xv_vcfg;

struct xv_fake_be {
	struct xv_vgpuif_back_ring back;
	void *ring_mem;		 /* 2^order pages */
	struct xv_evt_page *evt; /* one page */
	struct xv_vcfg *cfg;
	struct xv_proto_params params;
};

/*
 * Zero fb, give it a ring of 2^order pages and an event page, a config
 * space for limits, then open a frontend handle on them through ops/arg
 * (features acked) and send the first QUERY_CAPS as the real open does.
 * A failure fails the running test (CU_ASSERT_FATAL). ops already run
 * here: what they answer with must be set up before.
 */
void xv_fake_be_open(struct xv_fake_be *fb, const struct xv_limits *limits,
		     unsigned int order, uint32_t features,
		     const struct fe_transport_ops *ops, void *arg,
		     struct xenvgpu **h);

/* Close *h (NULL after) and free what open made. */
void xv_fake_be_close(struct xv_fake_be *fb, struct xenvgpu **h);

/* A response to req: zeroed, with req's id and op. */
struct xv_rsp xv_fake_be_rsp(const struct xv_req *req);

/* Whether op is one every backend serves: QUERY_CAPS, CFG_READ, CFG_WRITE. */
bool xv_fake_be_common_op(uint32_t op);

/*
 * A common op (QUERY_CAPS carrying generation, CFG_READ, CFG_WRITE)
 * answered into rsp: 0 or -XV_ERR_*; -XV_ERR_NOT_SUPPORTED for any
 * other op.
 */
int xv_fake_be_answer(struct xv_fake_be *fb, const struct xv_req *req,
		      uint32_t generation, struct xv_rsp *rsp);

/*
 * Make rsp a failure: payload cleared, status rc, or -XV_ERR_IO for an rc
 * outside the protocol's error range (as the real backend maps errno).
 */
void xv_fake_be_fail(struct xv_rsp *rsp, int rc);

/* Queue rsp on the ring (made visible by the next push). */
void xv_fake_be_put(struct xv_fake_be *fb, const struct xv_rsp *rsp);

/* Post an event on the event page. */
void xv_fake_be_post(struct xv_fake_be *fb, const struct xv_evt *e);

/*
 * One pass of the backend: for each request on the ring, take(arg)
 * (NULL: always) says whether to take it now; false ends the pass with
 * nothing more consumed or pushed. A request taken is copied off the ring
 * and handed to answer(arg, copy); at the end the responses are pushed.
 */
void xv_fake_be_run(struct xv_fake_be *fb, bool (*take)(void *arg),
		    void (*answer)(void *arg, const struct xv_req *req),
		    void *arg);

#endif /* XV_FAKE_VGPU_BE_H */
