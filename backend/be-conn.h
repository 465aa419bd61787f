/*
 * be-conn.h — one connected vGPU device: the mapped ring and event page,
 * the bound event channel, the vGPU instance and the worker thread that
 * serves the ring.
 *
 * Lifetime: be_conn_open maps, binds and builds everything, then starts
 * the worker; be_conn_close stops the worker, JOINS it, and only then
 * frees, in the order vgpuif.h asks (GPU state and PASIDs first, then the
 * grant mappings, then the channel). From open to close the worker owns
 * the ring, the event page and the vGPU; the main thread only reads the
 * counters and the fatal code.
 *
 * A worker that finds the ring or event page bad stops serving (the
 * channel stays masked for good), records the reason (be_conn_fatal) and
 * writes one byte to wake_fd so the main thread closes the device.
 */
#ifndef XV_BE_CONN_H
#define XV_BE_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "be-vgpu.h"
#include "limits.h"
#include "pasid.h"
#include "xs-parse.h"

struct be_conn;

struct be_conn_params {
	unsigned int domid;
	unsigned int devid;
	const struct xv_limits *limits;
	const struct xv_xs_front_info *front; /* checked frontend nodes */
	struct xv_pasid_space *space;
	uint32_t generation; /* QUERY_CAPS.generation to start with */
	bool reattach;	     /* restarted daemon: attach at rsp_prod, post
				DEVICE_RESET, refuse until QUERY_CAPS */
	int wake_fd;	     /* written (1 byte) when the worker gives up */
};

/*
 * 0, or -errno from the Xen libraries (the failing step in *what: "ring",
 * "event page", "event channel", "vgpu", "thread"), or -XV_ERR_EVT_INDEX
 * for an event page whose indexes are impossible. Nothing is held on
 * failure.
 */
int be_conn_open(const struct be_conn_params *p, struct be_conn **out,
		 const char **what);
/*
 * Stop and join the worker, then destroy every context, which releases
 * every grant mapping of the GPU path: be_conn_counters then gives the
 * connection's final counts, teardown unmaps included. Idempotent; the
 * device serves nothing more: only be_conn_close is left to call.
 */
void be_conn_stop(struct be_conn *c);
/* NULL ok. Stop and join the worker, then free everything. */
void be_conn_close(struct be_conn *c);

/* The worker's reason for giving up (-XV_ERR_*), or 0. */
int be_conn_fatal(const struct be_conn *c);
void be_conn_counters(const struct be_conn *c, struct be_vgpu_counters *out);

#endif /* XV_BE_CONN_H */
