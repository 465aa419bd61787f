/*
 * fe-private.h — the handle of libxenvgpu (struct xenvgpu) and the
 * library's internal interfaces. Not installed.
 *
 * The handle has three layers:
 *  - the channel (fe-chan.h): ring and event page as plain memory;
 *  - the transport (struct fe_transport_ops): notify the backend, and
 *    sleep until it notifies or its xenstore state changes. fe-xen.c is
 *    the real one (event channel + xenstore watch); the unit tests plug
 *    in a backend that runs in the same process instead;
 *  - the Xen resources of a connection (fe-xen.c): xenstore, the shared
 *    pages, the event channel, the xenbus handshake.
 *
 * Threads: a handle has one user thread at a time; it owns every field.
 */
#ifndef XV_FE_PRIVATE_H
#define XV_FE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "fe-chan.h"
#include "fe-gpu.h"
#include "fe-nego.h"
#include "libxenvgpu.h"

struct xenvgpu;

struct fe_transport_ops {
	/* Tell the backend there are requests. 0 or -errno. */
	int (*notify)(struct xenvgpu *h);
	/*
	 * Sleep until the backend notified, its state changed (set h->lost
	 * when it left Connected) or timeout_ms passed. 0 after a wake-up
	 * (maybe spurious: the caller re-checks), -ETIMEDOUT, -errno.
	 */
	int (*wait)(struct xenvgpu *h, int timeout_ms);
	/*
	 * Grant n zeroed pages to the backend in one call (writable: the
	 * backend may write them); NULL and errno on failure. refs[] gets
	 * the references. unshare ends the grants of one such batch.
	 */
	void *(*share)(struct xenvgpu *h, unsigned int n, uint32_t *refs,
		       bool writable);
	void (*unshare)(struct xenvgpu *h, void *addr, unsigned int n);
};

#define FE_PATH_MAX	  256
#define FE_RING_PAGES_MAX (1u << XV_RING_ORDER_MAX)

struct xenvgpu {
	const struct fe_transport_ops *ops;
	void *test_arg; /* the unit tests' in-process backend */
	struct xenvgpu_opts opts;

	/* Xen handles, for the life of the handle */
	struct xs_handle *xs;
	xengntshr_handle *gs;
	xenevtchn_handle *xce;
	unsigned int be_domid;
	char fe_path[FE_PATH_MAX];
	char be_path[FE_PATH_MAX];
	char be_state_path[FE_PATH_MAX + 16];
	bool watching;

	/* one connection: shared pages, event channel */
	void *ring;
	uint32_t ring_refs[FE_RING_PAGES_MAX];
	unsigned int ring_pages;
	struct xv_evt_page *evt;
	uint32_t evt_ref;
	int port;	/* -1: none */
	bool published; /* grant refs written to xenstore */
	bool connected; /* both ends reached Connected */
	bool trace;	/* XENVGPU_TRACE: log each xenbus decision */
	bool lost;	/* the backend left Connected: full reconnect */
	int self;	/* our xenbus state as last written */

	struct fe_backend_info be;
	struct fe_choice choice;
	struct fe_chan ch;
	bool ch_live;
	struct xv_rsp_caps caps; /* last QUERY_CAPS */
	char why[160];		 /* last negotiation failure, for tools */
	struct fe_gpu gpu;	 /* contexts, buffers, faults (issue 5) */
};

/* ---- fe-request.c ----------------------------------------------------------
 * One request, sent and waited for (h->opts.timeout_ms); the response is
 * validated (fe-chan.c). 0 and *rsp, or the request's outcome. */
int fe_request(struct xenvgpu *h, const struct xv_req *req, struct xv_rsp *rsp);

/* Process what the backend posted; 0 or the sticky break / reset code. */
int fe_process(struct xenvgpu *h);

/* QUERY_CAPS; acknowledges a device reset on success. */
int fe_query_caps(struct xenvgpu *h, struct xv_rsp_caps *caps);

/* ---- for the unit tests: a handle over plain memory -------------------- */

/*
 * A connected handle whose ring (2^order pages at ring, zeroed) and event
 * page (zeroed) are plain memory and whose transport is ops. No Xen.
 */
int fe_handle_new_local(const struct fe_transport_ops *ops, void *arg,
			void *ring, unsigned int order, struct xv_evt_page *evt,
			const struct fe_backend_info *be, uint32_t features,
			struct xenvgpu **out);

#endif /* XV_FE_PRIVATE_H */
