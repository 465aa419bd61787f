/* SPDX-License-Identifier: MIT */
/*
 * vgpuif.h — mediated vGPU I/O interface between a Xen guest (frontend)
 * and the dom0 vGPU backend (xenvgpud).
 *
 * This is the one wire-protocol header of xenvgpu, written in the manner
 * of Xen's public io/displif.h and io/blkif.h. Everything that crosses a
 * domain boundary is defined here: the xenstore tree, the xenbus state
 * flows, the request/response ring, the event page and the error codes.
 * The validators of every structure below are in common/proto.h.
 *
 * Trust: each side trusts nothing the other writes. The backend copies a
 * request off the ring before it looks at it, and validates the copy; the
 * frontend does the same with responses and events.
 */

#ifndef XV_VGPUIF_H
#define XV_VGPUIF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * xen/io/ring.h expands to xen_mb()/xen_rmb()/xen_wmb(). Left undefined it
 * falls back to mb()/rmb()/wmb(), which nothing defines in userspace. A
 * sequentially consistent fence orders both directions; release/acquire
 * would do for wmb/rmb, but a full fence costs little next to a hypercall
 * and keeps the ring macros' reasoning intact. A user that already
 * defines them (a kernel, a test) wins.
 */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#ifndef xen_rmb
#define xen_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#ifndef xen_wmb
#define xen_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#include <xen/io/ring.h>

/*
 * Below interface version 0x00030208 (the default of a guest that names
 * none) ring.h itself redefines xen_mb() and friends to mb()/rmb()/wmb()
 * without asking, and as a system header it does so silently. Where no
 * mb() macro exists to back that, put the fences back.
 */
#if __XEN_INTERFACE_VERSION__ < 0x00030208 && !defined(mb)
#undef xen_mb
#undef xen_rmb
#undef xen_wmb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

/*
 ******************************************************************************
 *                           Protocol version
 ******************************************************************************
 * The backend writes the highest version it speaks to its "version" node;
 * the frontend writes the version it chose (<= the backend's) to its own
 * "version" node. This document describes version 1.
 */
#define XV_PROTOCOL_VERSION	"1"
#define XV_PROTOCOL_VERSION_INT 1

/*
 ******************************************************************************
 *                               Features
 ******************************************************************************
 * The backend advertises a bitmap of XV_FEATURE_* in its "features" node
 * (decimal). The frontend acknowledges the subset it will use in its own
 * "features" node before it goes to XenbusStateInitialised. Only acked
 * bits are in effect. Acking a bit the backend did not offer, or an
 * unknown bit, is a protocol error: the backend fails the connection and
 * writes the reason to its "error" node.
 *
 * XV_FEATURE_OOS_PT
 *      Out-of-sync GPU page tables. Without it the backend reshadows the
 *      range named by PT_UPDATE before it answers, so on the response the
 *      GPU sees the new entries. With it, a context created with
 *      XV_CTX_FLAG_OOS may have up to "oos-pages" page-table pages whose
 *      shadow is stale: PT_UPDATE only marks them, and the backend
 *      resyncs them at the latest before it runs that context's next
 *      SUBMIT. Removal of a mapping is never deferred (see PT_UPDATE).
 * XV_FEATURE_NOSNOOP
 *      Contexts may be created with XV_CTX_FLAG_NOSNOOP: the device may
 *      access the context's memory without snooping CPU caches; the
 *      guest takes care of coherency itself.
 * XV_FEATURE_HOLDOFF
 *      Notification hold-off: both ends honour req_event/rsp_event of
 *      the ring (RING_PUSH_*_AND_CHECK_NOTIFY, RING_FINAL_CHECK_FOR_*)
 *      and in_cons of the event page. Without it, every push is
 *      followed by a notification.
 * XV_FEATURE_MULTI_PAGE_RING
 *      The request ring may span 2^ring-page-order pages
 *      (ring-page-order > 0). Without it ring-page-order must be 0.
 */
#define XV_FEATURE_OOS_PT	   (1u << 0)
#define XV_FEATURE_NOSNOOP	   (1u << 1)
#define XV_FEATURE_HOLDOFF	   (1u << 2)
#define XV_FEATURE_MULTI_PAGE_RING (1u << 3)
#define XV_FEATURE_ALL                                                 \
	(XV_FEATURE_OOS_PT | XV_FEATURE_NOSNOOP | XV_FEATURE_HOLDOFF | \
	 XV_FEATURE_MULTI_PAGE_RING)

/*
 ******************************************************************************
 *                        Example configuration
 ******************************************************************************
 * All data in xenstore is stored as strings; numbers are decimal. A guest
 * domain 5 with one vGPU, device id 0, profile "small", a 4-page ring:
 *
 *--------------------------------- Backend -----------------------------------
 *
 * /local/domain/0/backend/vgpu/5/0/frontend = "/local/domain/5/device/vgpu/0"
 * /local/domain/0/backend/vgpu/5/0/frontend-id = "5"
 * /local/domain/0/backend/vgpu/5/0/online = "1"
 * /local/domain/0/backend/vgpu/5/0/state = "4"
 * /local/domain/0/backend/vgpu/5/0/version = "1"
 * /local/domain/0/backend/vgpu/5/0/profile = "small"
 * /local/domain/0/backend/vgpu/5/0/max-ring-page-order = "2"
 * /local/domain/0/backend/vgpu/5/0/max-contexts = "16"
 * /local/domain/0/backend/vgpu/5/0/max-pinned-pages = "65536"
 * /local/domain/0/backend/vgpu/5/0/pasid-width = "8"
 * /local/domain/0/backend/vgpu/5/0/max-pasids = "16"
 * /local/domain/0/backend/vgpu/5/0/max-queued-bytes = "16777216"
 * /local/domain/0/backend/vgpu/5/0/max-cmd-bytes = "1048576"
 * /local/domain/0/backend/vgpu/5/0/sched-weight = "100"
 * /local/domain/0/backend/vgpu/5/0/features = "15"
 * /local/domain/0/backend/vgpu/5/0/oos-pages = "64"
 *
 *--------------------------------- Frontend ----------------------------------
 *
 * /local/domain/5/device/vgpu/0/backend = "/local/domain/0/backend/vgpu/5/0"
 * /local/domain/5/device/vgpu/0/backend-id = "0"
 * /local/domain/5/device/vgpu/0/state = "4"
 * /local/domain/5/device/vgpu/0/version = "1"
 * /local/domain/5/device/vgpu/0/features = "13"
 * /local/domain/5/device/vgpu/0/ring-page-order = "2"
 * /local/domain/5/device/vgpu/0/ring-ref0 = "8"
 * /local/domain/5/device/vgpu/0/ring-ref1 = "9"
 * /local/domain/5/device/vgpu/0/ring-ref2 = "10"
 * /local/domain/5/device/vgpu/0/ring-ref3 = "11"
 * /local/domain/5/device/vgpu/0/evt-ring-ref = "12"
 * /local/domain/5/device/vgpu/0/event-channel = "23"
 *
 ******************************************************************************
 *                   Who writes what, and who may not
 ******************************************************************************
 * The toolstack creates both directories. The backend directory is owned
 * by dom0 and readable by the guest; THE GUEST MAY NOT WRITE ANY NODE IN
 * IT. The frontend directory is owned by the guest, so the guest can
 * write every node there, including the ones the toolstack wrote: the
 * backend therefore never takes "backend"/"backend-id" from the frontend
 * directory, only its own "frontend"/"frontend-id", and parses every
 * frontend node as hostile input (bounded length, decimal, in range).
 *
 *                          writer          read by
 * Backend directory /local/domain/0/backend/vgpu/<domid>/<devid>/
 *   frontend               toolstack       backend
 *   frontend-id            toolstack       backend
 *   online                 toolstack       backend ("0": tear down)
 *   state                  backend         frontend, toolstack
 *   version                backend         frontend
 *   profile                toolstack       backend, tools (name only)
 *   max-ring-page-order    toolstack       backend, frontend
 *   max-contexts           toolstack       backend, frontend
 *   max-pinned-pages       toolstack       backend, frontend
 *   pasid-width            toolstack       backend, frontend
 *   max-pasids             toolstack       backend, frontend
 *   max-queued-bytes       toolstack       backend, frontend
 *   max-cmd-bytes          toolstack       backend, frontend
 *   sched-weight           toolstack       backend
 *   features               toolstack, then backend (see below)
 *   oos-pages              toolstack       backend, frontend
 *   error                  backend         toolstack, frontend
 *
 * The limit nodes are the fields of struct xv_limits (common/limits.h):
 * max-ring-page-order is xv_limits.ring_order_max, the others map by
 * name. The toolstack writes the profile's "features"; before it enters
 * XenbusStateInitWait the backend rewrites it to the intersection of the
 * profile's bits and the bits it implements. The frontend reads the
 * backend directory only once the backend is in InitWait or later.
 *
 * Frontend directory /local/domain/<domid>/device/vgpu/<devid>/
 *   backend                toolstack       frontend
 *   backend-id             toolstack       frontend
 *   state                  frontend        backend, toolstack
 *   version                frontend        backend
 *   features               frontend        backend (the ack)
 *   ring-page-order        frontend        backend
 *   ring-ref0..N-1         frontend        backend (N = 2^ring-page-order)
 *   evt-ring-ref           frontend        backend
 *   event-channel          frontend        backend
 *   error                  frontend        toolstack, backend
 *
 * Node meanings:
 *
 * version              <uint32_t>  protocol version (above).
 * max-ring-page-order  <uint32_t>  0..XV_RING_ORDER_MAX, the largest ring.
 * ring-page-order      <uint32_t>  0..max-ring-page-order; > 0 requires
 *                                  XV_FEATURE_MULTI_PAGE_RING.
 * ring-ref<i>          <uint32_t>  grant reference of page i of the
 *                                  request ring; ring-ref0 holds the ring
 *                                  header (struct xv_vgpuif_sring).
 * evt-ring-ref         <uint32_t>  grant reference of the event page
 *                                  (struct xv_evt_page).
 * event-channel        <uint32_t>  the one interdomain event channel,
 *                                  used for the ring in both directions
 *                                  and for the event page.
 * features             <uint32_t>  XV_FEATURE_* bitmap.
 * error                <string>    why this end gave up on the device,
 *                                  e.g. "768 ring request overflow" (the
 *                                  XV_ERR_* number and its text).
 *
 ******************************************************************************
 *                    Ring size and multi-page rings
 ******************************************************************************
 * The request ring is a standard xen/io/ring.h shared ring of
 * N = 2^ring-page-order pages, granted as ring-ref0..ring-ref(N-1) and
 * mapped virtually contiguous by the backend. Requests and responses are
 * 64 octets each, the ring header is 64 octets, and the number of slots
 * is the number that fits rounded down to a power of two:
 *
 *   slots(order) = __CONST_RING_SIZE(xv_vgpuif, XV_PAGE_BYTES << order)
 *                = 2^floor(log2((4096 * 2^order - 64) / 64))
 *
 *   order 0: 32 slots, 1: 64, 2: 128, 3: 256, 4: 512.
 *
 ******************************************************************************
 *                     Grant-based guest addresses
 ******************************************************************************
 * On Xen a guest address (xv_gaddr_t, common/pin.h) is grant-based, as
 * Linux's xen-grant-dma uses them: bit 63 set, the grant reference in the
 * frame field (bits 12..51), everything else zero. Grant references are
 * 32-bit, so bits 44..51 are zero too, and reference 0 is never used (it
 * belongs to the console). Page-table entries of the guest's GPU page
 * tables hold such addresses; their format is docs/pagetable.md.
 *
 *   63 62       52 51     44 43                     12 11          0
 *  +--+-----------+---------+-------------------------+-------------+
 *  |1 |  0 ... 0  | 0 ... 0 |   grant reference       |  0 ... 0    |
 *  +--+-----------+---------+-------------------------+-------------+
 */
#define XV_PAGE_BYTES 4096u

#define XV_GADDR_GRANT	    (1ull << 63)
#define XV_GADDR_FRAME_MASK 0x000ffffffffff000ull /* bits 12..51 */
#define XV_GADDR_GREF_SHIFT 12
#define XV_GADDR_FROM_GREF(gref) \
	(XV_GADDR_GRANT | ((uint64_t)(uint32_t)(gref) << XV_GADDR_GREF_SHIFT))
#define XV_GADDR_TO_GREF(ga) \
	((uint32_t)(((ga)&XV_GADDR_FRAME_MASK) >> XV_GADDR_GREF_SHIFT))

/*
 * GPU virtual addresses are XV_GPU_VA_BITS wide (must agree with
 * docs/pagetable.md); PT_UPDATE ranges and fault addresses lie below
 * 2^XV_GPU_VA_BITS.
 */
#define XV_GPU_VA_BITS 48u /* token-identical to pt.h: both may be included */

/* Size of the virtual PCI (express) configuration space. */
#define XV_CFG_SPACE_SIZE 4096u

/* The protocol's largest ring, whatever a profile says. */
#define XV_RING_ORDER_MAX 4u

/* Max PASID Width of the PASID capability: 1..20 bits. */
#define XV_PASID_WIDTH_MAX 20u

/*
 ******************************************************************************
 *                              STATE DIAGRAMS
 ******************************************************************************
 * The toolstack creates both directories with state XenbusStateInitialising
 * (1) and writes the backend's profile nodes and online = "1".
 *
 *-------------------------------- Normal flow --------------------------------
 *
 * Front                                Back
 * =================================    =====================================
 * XenbusStateInitialising              XenbusStateInitialising
 *                                       o read and check the profile nodes
 *                                       o write version, rewrite features
 *                                                |
 *                                                V
 *                                      XenbusStateInitWait
 * o read version, features, limits
 * o allocate, grant and init the ring
 *   (XEN_FRONT_RING_INIT over N
 *   pages) and the event page (zero)
 * o allocate the event channel
 * o write version, features (ack),
 *   ring-page-order, ring-ref*,
 *   evt-ring-ref, event-channel
 *              |
 *              V
 * XenbusStateInitialised
 *                                       o read and check every frontend node
 *                                       o map ring and event page, bind the
 *                                         event channel
 *                                                |
 *                                                V
 *                                      XenbusStateConnected
 * o QUERY_CAPS, then normal operation
 *              |
 *              V
 * XenbusStateConnected
 *
 *                                      XenbusStateClosing (online = "0")
 * o fail new requests, drain
 * o revoke grants once the backend
 *   is Closed
 *              |
 *              V
 * XenbusStateClosed
 *
 *--------------------------- Recovery: frontend restart ----------------------
 *
 * Front (new instance)                 Back
 * =================================    =====================================
 * XenbusStateClosed or
 * XenbusStateInitialising
 *                                       o frontend left Connected: destroy all
 *                                         contexts (stop engines, drop shadows
 *                                         and PASIDs, flush IOTLB, THEN unpin
 *                                         and unmap grants), unmap ring and
 *                                         event page, unbind the channel
 *                                                |
 *                                                V
 *                                      XenbusStateClosed
 *                                                |  (online = "1")
 *                                                V
 *                                      XenbusStateInitWait
 * normal flow from here; the old
 * context handles mean nothing.
 *
 * A frontend state the backend did not expect (Connected before it was
 * InitWait, any other jump) is handled as a restart.
 *
 *---------------- Recovery: backend daemon restart (GPU state lost) ----------
 *
 * Front                                Back (new daemon)
 * =================================    =====================================
 * XenbusStateConnected                 finds state = Connected, no instance
 * (requests may sit on the ring)        o re-read and check frontend nodes,
 *                                         re-map ring and event page, re-bind
 *                                         the channel (the guest's port is
 *                                         unbound, not closed)
 *                                       o attach the back ring at the
 *                                         published rsp_prod
 *                                         (BACK_RING_ATTACH)
 *                                       o post XV_EVT_DEVICE_RESET with a new
 *                                         generation, notify
 *                                       o answer every request with
 *                                         -XV_ERR_DEVICE_RESET until it has
 *                                         answered a QUERY_CAPS
 * o on XV_EVT_DEVICE_RESET or status
 *   -XV_ERR_DEVICE_RESET: every
 *   context handle, vPASID and
 *   in-flight fence is gone
 * o QUERY_CAPS (acknowledges reset)
 * o CTX_CREATE, CTX_SET_ROOT for each
 *   context again, resubmit
 *
 * Each request gets exactly one response: requests consumed by the dead
 * daemon but not answered lie between rsp_prod and req_prod, and are
 * answered with -XV_ERR_DEVICE_RESET. If the backend cannot re-attach
 * (frontend not Connected, a node does not check out) it goes to
 * XenbusStateClosing and the normal teardown and reconnection follow;
 * the frontend treats that as a device reset too. A GPU reset while
 * connected follows the same rule without the reattach: XV_EVT_DEVICE_RESET,
 * then -XV_ERR_DEVICE_RESET until QUERY_CAPS.
 *
 *--------------------------- Recovery: domain death --------------------------
 *
 * Front                                Back
 * =================================    =====================================
 * (domain dying or gone; the           o @releaseDomain watch or frontend
 *  toolstack writes online = "0")        directory gone
 *                                       o stop the engines of every context;
 *                                         no DMA into guest pages after this
 *                                       o drop shadows, PASIDs, flush IOTLB
 *                                       o unpin and unmap grants, ring, event
 *                                         page; unbind the channel
 *                                                |
 *                                                V
 *                                      XenbusStateClosed
 *                                       (the toolstack removes the directory)
 *
 * The order matters (XSA-346, XSA-396): grants are unmapped only after the
 * device can no longer reach the pages through any IOVA.
 */

/*
 ******************************************************************************
 *                              REQUEST CODES
 ******************************************************************************
 * op is a uint16_t:
 *   0x0000            invalid, never used
 *   0x0001 - 0x00ff   core operations (the ones below; the rest unassigned)
 *   0x0100 - 0x7fff   reserved for future core operations
 *   0x8000 - 0xfffe   vendor operations (none in this version)
 *   0xffff            reserved
 */
#define XV_OP_INVALID	    0x0000
#define XV_OP_QUERY_CAPS    0x0001
#define XV_OP_CFG_READ	    0x0002
#define XV_OP_CFG_WRITE	    0x0003
#define XV_OP_CTX_CREATE    0x0004
#define XV_OP_CTX_DESTROY   0x0005
#define XV_OP_CTX_SET_ROOT  0x0006
#define XV_OP_PT_UPDATE	    0x0007
#define XV_OP_PT_RESYNC	    0x0008
#define XV_OP_SUBMIT	    0x0009
#define XV_OP_CORE_LAST	    0x00ff
#define XV_OP_RESERVED_LAST 0x7fff
#define XV_OP_VENDOR_FIRST  0x8000
#define XV_OP_VENDOR_LAST   0xfffe

/*
 ******************************************************************************
 *                               EVENT CODES
 ******************************************************************************
 * type is a uint16_t with the same ranges as op.
 */
#define XV_EVT_INVALID	    0x0000
#define XV_EVT_FENCE_DONE   0x0001
#define XV_EVT_GPU_FAULT    0x0002
#define XV_EVT_DEVICE_RESET 0x0003

/*
 ******************************************************************************
 *                              STATUS AND ERROR CODES
 ******************************************************************************
 * A response's status is 0 on success and -XV_ERR_* on failure. Codes sit
 * above errno's range so that an internal -errno never passes for one.
 *
 *   0x100 - 0x1ff  runtime errors: the request was well formed
 *   0x200 - 0x2ff  a request (or directory page) failed validation; each
 *                  check has its own code. XV_ERR_CMD_* are the checks of
 *                  a SUBMIT's command buffer (format in common/cmd.h)
 *   0x300 - 0x3ff  transport and negotiation errors; never in a response,
 *                  they close the device and go to the "error" node
 *   0x400 - 0x4ff  the frontend's checks of the backend's output; never on
 *                  the wire either
 *
 * The backend sends only codes of the first two ranges.
 */
enum xv_err {
	/* runtime */
	XV_ERR_DEVICE_RESET = 0x100,	  /* GPU state lost: recreate all */
	XV_ERR_NO_PASID = 0x101,	  /* no PASID left for the context */
	XV_ERR_PERM = 0x102,		  /* not permitted (profile, access) */
	XV_ERR_NOMEM = 0x103,		  /* backend out of memory */
	XV_ERR_PIN_QUOTA = 0x104,	  /* max-pinned-pages reached */
	XV_ERR_QUEUE_FULL = 0x105,	  /* max-queued-bytes reached */
	XV_ERR_TOO_MANY_CONTEXTS = 0x106, /* max-contexts reached */
	XV_ERR_NO_CONTEXT = 0x107,	  /* handle in range but not alive */
	XV_ERR_NO_ROOT = 0x108,		  /* context has no page-table root */
	XV_ERR_BAD_GREF = 0x109,	  /* a grant could not be mapped */
	XV_ERR_BAD_PT = 0x10a,		  /* a guest page-table entry is bad */
	XV_ERR_FENCE_ORDER = 0x10b,	  /* fence not above the last one */
	XV_ERR_BUSY = 0x10c,	      /* context busy (destroy while running) */
	XV_ERR_NOT_SUPPORTED = 0x10d, /* well formed, not implemented */
	XV_ERR_IO = 0x10e,	      /* backend internal failure */
	XV_ERR_CTX_FAULTED = 0x10f,   /* context in error after a GPU fault
				     * or reset: destroy and recreate it */
	XV_ERR_RUNTIME_END_,

	/* request validation */
	XV_ERR_OP_INVALID = 0x200,	 /* op is 0 */
	XV_ERR_OP_UNKNOWN = 0x201,	 /* unassigned core op */
	XV_ERR_OP_RESERVED = 0x202,	 /* op in a reserved range */
	XV_ERR_OP_VENDOR = 0x203,	 /* vendor op, none supported */
	XV_ERR_HDR_RESERVED = 0x204,	 /* header reserved field not 0 */
	XV_ERR_PAYLOAD_RESERVED = 0x205, /* op payload reserved bytes not 0 */
	XV_ERR_CTX_NOT_ZERO = 0x206,	 /* ctx set on an op without context */
	XV_ERR_CTX_RANGE = 0x207,	 /* ctx 0 or above max-contexts */
	XV_ERR_CFG_SIZE = 0x208,	 /* size not 1, 2 or 4 */
	XV_ERR_CFG_ALIGN = 0x209,	 /* offset not aligned to size */
	XV_ERR_CFG_RANGE = 0x20a,	 /* offset + size beyond config space */
	XV_ERR_CFG_VALUE_WIDTH = 0x20b,	 /* CFG_WRITE value wider than size */
	XV_ERR_CTX_FLAGS_UNKNOWN = 0x20c, /* unknown CTX_CREATE flag bits */
	XV_ERR_CTX_FLAGS_NOT_NEGOTIATED = 0x20d, /* flag's feature not acked */
	XV_ERR_GADDR_ALIGN = 0x20e,	/* guest address bits 0..11 not 0 */
	XV_ERR_GADDR_NOT_GRANT = 0x20f, /* bit 63 clear */
	XV_ERR_GADDR_RESERVED = 0x210,	/* bits 44..62 not 0 */
	XV_ERR_GADDR_GREF_ZERO = 0x211, /* grant reference 0 */
	XV_ERR_RANGE_ALIGN = 0x212,	/* GPU VA or length not page aligned */
	XV_ERR_RANGE_EMPTY = 0x213,	/* length 0 */
	XV_ERR_RANGE_OVERFLOW = 0x214,	/* start + length wraps */
	XV_ERR_RANGE_LIMIT = 0x215,	/* range beyond 2^XV_GPU_VA_BITS */
	XV_ERR_SUBMIT_FENCE_ZERO = 0x216,    /* fence value 0 */
	XV_ERR_SUBMIT_EMPTY = 0x217,	     /* cmd_bytes 0 */
	XV_ERR_SUBMIT_TOO_BIG = 0x218,	     /* cmd_bytes above max-cmd-bytes */
	XV_ERR_SUBMIT_INLINE_COUNT = 0x219,  /* nr_inline != pages of cmd */
	XV_ERR_SUBMIT_GREF_ZERO = 0x21a,     /* used inline gref is 0 */
	XV_ERR_SUBMIT_INLINE_UNUSED = 0x21b, /* unused inline gref not 0 */
	XV_ERR_SUBMIT_DIR_MISSING = 0x21c,   /* large buffer, no directory */
	XV_ERR_SUBMIT_DIR_UNEXPECTED = 0x21d, /* small buffer with directory */
	XV_ERR_DIR_EMPTY = 0x21e, /* directory page with num_grefs 0 */
	XV_ERR_DIR_NUM_OVER_PAGE =
	    0x21f, /* num_grefs > XV_DIR_GREFS_PER_PAGE */
	XV_ERR_DIR_NUM_OVER_REMAINING =
	    0x220,			/* more grefs than buffer pages */
	XV_ERR_DIR_NOT_FULL = 0x221,	/* a non-last page not full */
	XV_ERR_DIR_CHAIN_LONG = 0x222,	/* next page after the last gref */
	XV_ERR_DIR_CHAIN_SHORT = 0x223, /* chain ends, grefs remain */
	XV_ERR_DIR_GREF_ZERO = 0x224,	/* a used directory gref is 0 */
	XV_ERR_DIR_UNUSED = 0x225,	/* a slot past num_grefs not 0 */
	/* the command buffer of a SUBMIT, scanned by common/cmd.h */
	XV_ERR_CMD_TRUNCATED = 0x226,	   /* command runs past the buffer */
	XV_ERR_CMD_LENGTH = 0x227,	   /* length not the opcode's size */
	XV_ERR_CMD_OPCODE_INVALID = 0x228, /* opcode 0 */
	XV_ERR_CMD_OPCODE_UNKNOWN = 0x229, /* unassigned or reserved opcode */
	XV_ERR_CMD_PRIVILEGED = 0x22a,	   /* privileged opcode */
	XV_ERR_CMD_RESERVED = 0x22b,	   /* reserved field not 0 */
	XV_ERR_CMD_SIZE_ZERO = 0x22c,	   /* length or dimension 0 */
	XV_ERR_CMD_SIZE_LIMIT = 0x22d,	   /* length or dimension too big */
	XV_ERR_CMD_ALIGN = 0x22e,	   /* VA or length misaligned */
	XV_ERR_CMD_VA_WRAP = 0x22f,	   /* va + length wraps */
	XV_ERR_CMD_VA_LIMIT = 0x230,	   /* range beyond 2^XV_GPU_VA_BITS */
	XV_ERR_CMD_OVERLAP = 0x231,	   /* destination overlaps a source */
	XV_ERR_CMD_TOO_MANY = 0x232,	   /* more commands than allowed */
	XV_ERR_CMD_WORK_LIMIT = 0x233,	   /* buffer's total work too big */
	XV_ERR_REQ_END_,

	/* transport and negotiation */
	XV_ERR_RING_REQ_OVERFLOW = 0x300, /* req_prod beyond the ring */
	XV_ERR_RING_RSP_OVERFLOW = 0x301, /* more responses than requests */
	XV_ERR_EVT_INDEX = 0x302,	/* event page in_prod - in_cons > len */
	XV_ERR_RING_ORDER = 0x303,	/* ring-page-order too large */
	XV_ERR_FEATURE_UNKNOWN = 0x304, /* unknown feature bit */
	XV_ERR_FEATURE_NOT_OFFERED = 0x305, /* acked bit not offered */
	XV_ERR_VERSION = 0x306,		    /* protocol version not supported */
	XV_ERR_TRANSPORT_END_,

	/* frontend's checks of the backend */
	XV_ERR_RSP_ID = 0x400,		 /* id is not the outstanding one */
	XV_ERR_RSP_OP = 0x401,		 /* op does not echo the request */
	XV_ERR_RSP_STATUS = 0x402,	 /* status not 0 or a known code */
	XV_ERR_RSP_RESERVED = 0x403,	 /* reserved or unused bytes not 0 */
	XV_ERR_RSP_CTX_RANGE = 0x404,	 /* returned handle out of range */
	XV_ERR_RSP_PASID = 0x405,	 /* vPASID 0 or beyond pasid-width */
	XV_ERR_RSP_CAPS = 0x406,	 /* capabilities out of range */
	XV_ERR_RSP_CFG_VALUE = 0x407,	 /* config value wider than size */
	XV_ERR_EVT_TYPE = 0x408,	 /* unknown event type */
	XV_ERR_EVT_RESERVED = 0x409,	 /* event reserved bytes not 0 */
	XV_ERR_EVT_CTX_RANGE = 0x40a,	 /* event context out of range */
	XV_ERR_EVT_FENCE_ZERO = 0x40b,	 /* FENCE_DONE with fence 0 */
	XV_ERR_EVT_FAULT_ACCESS = 0x40c, /* unknown fault access */
	XV_ERR_EVT_FAULT_REASON = 0x40d, /* unknown fault reason */
	XV_ERR_EVT_FAULT_VA = 0x40e,	 /* fault address beyond VA width */
	XV_ERR_FRONT_END_,
};

/*
 ******************************************************************************
 *                  Description of the ring protocol
 ******************************************************************************
 * All fields are little-endian, as the machines Xen runs on. All reserved
 * fields and bits must be 0; the receiver rejects anything else. A
 * context handle (ctx) of 0 is invalid; the backend hands out handles in
 * 1..max-contexts. Grant reference 0 is invalid.
 *
 * Copy discipline (XSA-155): the receiver reads the producer index once,
 * checks it (xv_proto_check_req_prod / xv_proto_check_rsp_prod), copies
 * each slot with RING_COPY_REQUEST / RING_COPY_RESPONSE, puts a compiler
 * barrier after the copy, validates the copy and uses nothing else. The
 * backend builds each response in a zeroed local and copies it whole
 * (XSA-216: no stale bytes in padding, and there is none).
 *
 *---------------------------------- Requests ---------------------------------
 *
 * All requests are 64 octets and share this header:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                            id low 32                              | 4
 * +----------------+----------------+----------------+----------------+
 * |                            id high 32                             | 8
 * +----------------+----------------+----------------+----------------+
 * |               op                |            reserved             | 12
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 16
 * +----------------+----------------+----------------+----------------+
 * |                     op payload (48 octets)                        | 64
 * +----------------+----------------+----------------+----------------+
 *
 * id  - uint64_t, chosen by the frontend, echoed in the response
 * op  - uint16_t, XV_OP_*
 * ctx - uint32_t, context handle for context operations, else 0
 *
 * QUERY_CAPS - capabilities and limits of this vGPU. Acknowledges a
 * device reset. ctx 0, payload reserved.
 *
 * CTX_DESTROY - destroy context ctx, its PASID and shadow. Its in-flight
 * work completes or is cancelled first. Payload reserved.
 *
 * PT_RESYNC - reshadow the whole page table of context ctx from its
 * root. Payload reserved.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                           id (8 octets)                           | 8
 * +----------------+----------------+----------------+----------------+
 * | _OP_QUERY_CAPS / _CTX_DESTROY / _PT_RESYNC   |    reserved        | 12
 * +----------------+----------------+----------------+----------------+
 * |                       ctx (0 for QUERY_CAPS)                      | 16
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 20
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * CFG_READ / CFG_WRITE - access the virtual PCI configuration space.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                           id (8 octets)                           | 8
 * +----------------+----------------+----------------+----------------+
 * |     _OP_CFG_READ / _OP_CFG_WRITE  |            reserved           | 12
 * +----------------+----------------+----------------+----------------+
 * |                             ctx = 0                               | 16
 * +----------------+----------------+----------------+----------------+
 * |                              offset                               | 20
 * +----------------+----------------+----------------+----------------+
 * |                               size                                | 24
 * +----------------+----------------+----------------+----------------+
 * |                     value (CFG_WRITE; CFG_READ: 0)                | 28
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 32
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * offset - uint32_t, octet offset, < XV_CFG_SPACE_SIZE, aligned to size
 * size   - uint32_t, 1, 2 or 4
 * value  - uint32_t, value to write; bits at and above 8*size must be 0
 */
struct xv_req_cfg {
	uint32_t offset;
	uint32_t size;
	uint32_t value;
	uint8_t reserved[36];
};

/*
 * CTX_CREATE - create a GPU context with its own PASID. The response
 * carries the handle and the vPASID.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                           id (8 octets)                           | 8
 * +----------------+----------------+----------------+----------------+
 * |            _OP_CTX_CREATE         |            reserved           | 12
 * +----------------+----------------+----------------+----------------+
 * |                             ctx = 0                               | 16
 * +----------------+----------------+----------------+----------------+
 * |                              flags                                | 20
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 24
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * flags - uint32_t:
 *   XV_CTX_FLAG_NOSNOOP - device accesses need not snoop; requires
 *     XV_FEATURE_NOSNOOP. A backend that does not offer it (its profile
 *     enforces coherency) answers XV_ERR_PERM; offered but not acked:
 *     XV_ERR_CTX_FLAGS_NOT_NEGOTIATED.
 *   XV_CTX_FLAG_OOS - page-table shadow may run out of sync; requires
 *     XV_FEATURE_OOS_PT.
 */
#define XV_CTX_FLAG_NOSNOOP (1u << 0)
#define XV_CTX_FLAG_OOS	    (1u << 1)
#define XV_CTX_FLAG_ALL	    (XV_CTX_FLAG_NOSNOOP | XV_CTX_FLAG_OOS)

struct xv_req_ctx_create {
	uint32_t flags;
	uint8_t reserved[44];
};

/*
 * CTX_SET_ROOT - register the root page of context ctx's GPU page table
 * (format: docs/pagetable.md). Replaces any previous root; the backend
 * shadows the new table before it answers.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                           id (8 octets)                           | 8
 * +----------------+----------------+----------------+----------------+
 * |           _OP_CTX_SET_ROOT        |            reserved           | 12
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 16
 * +----------------+----------------+----------------+----------------+
 * |                            root low 32                            | 20
 * +----------------+----------------+----------------+----------------+
 * |                            root high 32                           | 24
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 28
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * root - uint64_t, grant-based guest address of the root page (above).
 */
struct xv_req_set_root {
	uint64_t root;
	uint8_t reserved[40];
};

/*
 * PT_UPDATE - the guest changed the entries mapping GPU VA range
 * [gpu_va, gpu_va + length) of context ctx.
 *
 * Removal is never deferred: once the response arrives, the device no
 * longer reaches pages that were unmapped in the range (the backend has
 * dropped the shadow entries and flushed), so the guest may then revoke
 * or reuse those grants, and not before. Without XV_FEATURE_OOS_PT (or on
 * a context without XV_CTX_FLAG_OOS) new entries are in effect on the
 * response too.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                           id (8 octets)                           | 8
 * +----------------+----------------+----------------+----------------+
 * |            _OP_PT_UPDATE          |            reserved           | 12
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 16
 * +----------------+----------------+----------------+----------------+
 * |                           gpu_va low 32                           | 20
 * +----------------+----------------+----------------+----------------+
 * |                           gpu_va high 32                          | 24
 * +----------------+----------------+----------------+----------------+
 * |                           length low 32                           | 28
 * +----------------+----------------+----------------+----------------+
 * |                           length high 32                          | 32
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 36
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * gpu_va - uint64_t, page aligned
 * length - uint64_t, page aligned, > 0, gpu_va + length <= 2^XV_GPU_VA_BITS
 */
struct xv_req_pt_update {
	uint64_t gpu_va;
	uint64_t length;
	uint8_t reserved[32];
};

/*
 * SUBMIT - run a command buffer on context ctx; when it has finished the
 * backend posts XV_EVT_FENCE_DONE with this fence value. The response
 * only says the work was queued.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                           id (8 octets)                           | 8
 * +----------------+----------------+----------------+----------------+
 * |             _OP_SUBMIT            |            reserved           | 12
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 16
 * +----------------+----------------+----------------+----------------+
 * |                           fence low 32                            | 20
 * +----------------+----------------+----------------+----------------+
 * |                           fence high 32                           | 24
 * +----------------+----------------+----------------+----------------+
 * |                             cmd_bytes                             | 28
 * +----------------+----------------+----------------+----------------+
 * |                          gref_directory                           | 32
 * +----------------+----------------+----------------+----------------+
 * |   nr_inline    |                   reserved                       | 36
 * +----------------+----------------+----------------+----------------+
 * |                              gref[0]                              | 40
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                              gref[6]                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * fence          - uint64_t, > 0, above the context's previous fence
 * cmd_bytes      - uint32_t, 1..max-cmd-bytes; the buffer starts at
 *                  offset 0 of its first page and spans
 *                  pages = ceil(cmd_bytes / 4096) pages
 * gref_directory - grant_ref_t, 0 if pages <= XV_SUBMIT_INLINE_GREFS,
 *                  else the first directory page (struct xv_gref_dir)
 * nr_inline      - uint8_t, = pages if pages <= XV_SUBMIT_INLINE_GREFS,
 *                  else 0
 * gref[i]        - grant_ref_t, the buffer's pages in order; slots past
 *                  nr_inline are 0
 *
 * The buffer's pages are granted read-only to the backend. Its content is
 * a stream of commands in the format of common/cmd.h; the backend copies
 * it and scans the copy (xv_cmd_scan) before anything runs, and answers
 * a rejected buffer with its -XV_ERR_CMD_* code.
 */
#define XV_SUBMIT_INLINE_GREFS 7u

struct xv_req_submit {
	uint64_t fence;
	uint32_t cmd_bytes;
	uint32_t gref_directory;
	uint8_t nr_inline;
	uint8_t reserved[3];
	uint32_t gref[XV_SUBMIT_INLINE_GREFS];
};

/*
 * Directory page of a SUBMIT whose buffer has more than
 * XV_SUBMIT_INLINE_GREFS pages, as displif's gref_directory, with the
 * count of each page written down:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                        gref_dir_next_page                         | 4
 * +----------------+----------------+----------------+----------------+
 * |                            num_grefs                              | 8
 * +----------------+----------------+----------------+----------------+
 * |                              gref[0]                              | 12
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                            gref[1021]                             | 4096
 * +----------------+----------------+----------------+----------------+
 *
 * gref_dir_next_page - grant_ref_t, next directory page, 0 on the last
 * num_grefs          - uint32_t, used slots of gref[], 1..1022
 * gref[i]            - grant_ref_t, next buffer pages in order; slots
 *                      from num_grefs on are 0
 *
 * Every page but the last is full (num_grefs = XV_DIR_GREFS_PER_PAGE), so
 * a chain of a buffer with P pages has exactly ceil(P / 1022) pages: its
 * length is known before the first page is mapped and a loop cannot go
 * on. The backend copies each directory page before it checks it
 * (xv_proto_check_dir) and uses only the copy.
 */
#define XV_DIR_GREFS_PER_PAGE 1022u

struct xv_gref_dir {
	uint32_t gref_dir_next_page;
	uint32_t num_grefs;
	uint32_t gref[XV_DIR_GREFS_PER_PAGE];
};

struct xv_req {
	uint64_t id;
	uint16_t op;
	uint16_t reserved0;
	uint32_t ctx;
	union {
		struct xv_req_cfg cfg; /* CFG_READ, CFG_WRITE */
		struct xv_req_ctx_create ctx_create;
		struct xv_req_set_root set_root;
		struct xv_req_pt_update pt_update;
		struct xv_req_submit submit;
		uint8_t raw[48]; /* other ops: all reserved */
	} u;
};

/*
 *---------------------------------- Responses --------------------------------
 *
 * All responses are 64 octets and share this header:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                            id low 32                              | 4
 * +----------------+----------------+----------------+----------------+
 * |                            id high 32                             | 8
 * +----------------+----------------+----------------+----------------+
 * |               op                |            reserved             | 12
 * +----------------+----------------+----------------+----------------+
 * |                              status                               | 16
 * +----------------+----------------+----------------+----------------+
 * |                     op payload (48 octets)                        | 64
 * +----------------+----------------+----------------+----------------+
 *
 * id     - uint64_t, echoed from the request
 * op     - uint16_t, echoed from the request
 * status - int32_t, 0 or -XV_ERR_* (runtime or request validation codes).
 *          On failure the payload is all 0. A response to a request
 *          whose op was not understood still echoes that op.
 *
 * Responses to CFG_WRITE, CTX_DESTROY, CTX_SET_ROOT, PT_UPDATE,
 * PT_RESYNC and SUBMIT carry no payload (all reserved).
 *
 * QUERY_CAPS response:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                       header (16 octets)                          | 16
 * +----------------+----------------+----------------+----------------+
 * |                           max_contexts                            | 20
 * +----------------+----------------+----------------+----------------+
 * |                         max_pinned_pages                          | 24
 * +----------------+----------------+----------------+----------------+
 * |                            pasid_width                            | 28
 * +----------------+----------------+----------------+----------------+
 * |                            max_pasids                             | 32
 * +----------------+----------------+----------------+----------------+
 * |                         max_queued_bytes                          | 36
 * +----------------+----------------+----------------+----------------+
 * |                           max_cmd_bytes                           | 40
 * +----------------+----------------+----------------+----------------+
 * |                          ring_order_max                           | 44
 * +----------------+----------------+----------------+----------------+
 * |                           sched_weight                            | 48
 * +----------------+----------------+----------------+----------------+
 * |                             features                              | 52
 * +----------------+----------------+----------------+----------------+
 * |                             oos_pages                             | 56
 * +----------------+----------------+----------------+----------------+
 * |                            gpu_va_bits                            | 60
 * +----------------+----------------+----------------+----------------+
 * |                            generation                             | 64
 * +----------------+----------------+----------------+----------------+
 *
 * The first ten fields are struct xv_limits in order, features being
 * the negotiated (acked) set. gpu_va_bits = XV_GPU_VA_BITS. generation
 * counts the device resets this vGPU has seen.
 */
struct xv_rsp_caps {
	uint32_t max_contexts;
	uint32_t max_pinned_pages;
	uint32_t pasid_width;
	uint32_t max_pasids;
	uint32_t max_queued_bytes;
	uint32_t max_cmd_bytes;
	uint32_t ring_order_max;
	uint32_t sched_weight;
	uint32_t features;
	uint32_t oos_pages;
	uint32_t gpu_va_bits;
	uint32_t generation;
};

/*
 * CFG_READ response:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                       header (16 octets)                          | 16
 * +----------------+----------------+----------------+----------------+
 * |                               value                               | 20
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 24
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * value - uint32_t, the value read; bits at and above 8*size are 0.
 */
struct xv_rsp_cfg_read {
	uint32_t value;
	uint8_t reserved[44];
};

/*
 * CTX_CREATE response:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                       header (16 octets)                          | 16
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 20
 * +----------------+----------------+----------------+----------------+
 * |                              vpasid                               | 24
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 28
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 *
 * ctx    - uint32_t, the new handle, 1..max-contexts
 * vpasid - uint32_t, the PASID the guest sees, 1..2^pasid-width - 1
 *          (PASID 0 is not handed out)
 */
struct xv_rsp_ctx_create {
	uint32_t ctx;
	uint32_t vpasid;
	uint8_t reserved[40];
};

struct xv_rsp {
	uint64_t id;
	uint16_t op;
	uint16_t reserved0;
	int32_t status;
	union {
		struct xv_rsp_caps caps;
		struct xv_rsp_cfg_read cfg_read;
		struct xv_rsp_ctx_create ctx_create;
		uint8_t raw[48];
	} u;
};

DEFINE_RING_TYPES(xv_vgpuif, struct xv_req, struct xv_rsp);

/* Slots of a ring of 2^order pages (see "Ring size" above). */
#define XV_RING_SIZE(order) \
	__CONST_RING_SIZE(xv_vgpuif, (size_t)XV_PAGE_BYTES << (order))

/*
 *----------------------------------- Events ----------------------------------
 *
 * Events go from backend to frontend on the event page (evt-ring-ref), as
 * displif's event page: a 64-octet header and a ring of XV_EVT_RING_LEN
 * events of 32 octets. The backend produces (in_prod), the frontend
 * consumes (in_cons); both are free-running uint32_t, the slot of index i
 * is ring[i % XV_EVT_RING_LEN]. XV_EVT_RING_LEN is a power of two (64
 * of the 126 that would fit) so that the indexes wrap cleanly. The
 * backend writes the event, then xen_wmb(), then in_prod, then notifies.
 *
 * The page never overflows: with in_prod - in_cons = XV_EVT_RING_LEN the
 * backend holds further events. FENCE_DONE carries the highest fence
 * completed, so held FENCE_DONEs of one context merge into one; held
 * GPU_FAULTs of one context are counted, and the next GPU_FAULT posted
 * for it carries that count in "lost". Both ends check
 * in_prod - in_cons <= XV_EVT_RING_LEN (xv_proto_check_evt_idx) with
 * their own private copy of the index they own.
 *
 * Event page:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                              in_cons                              | 4
 * +----------------+----------------+----------------+----------------+
 * |                              in_prod                              | 8
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 12
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 64
 * +----------------+----------------+----------------+----------------+
 * |                      ring[0] (32 octets)                          | 96
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                      ring[63] (32 octets)                         | 2112
 * +----------------+----------------+----------------+----------------+
 * |                      unused (rest of the page)                    | 4096
 * +----------------+----------------+----------------+----------------+
 *
 * All events share this header:
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |              type               |            reserved             | 4
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 8
 * +----------------+----------------+----------------+----------------+
 * |                     event payload (24 octets)                     | 32
 * +----------------+----------------+----------------+----------------+
 *
 * type - uint16_t, XV_EVT_*
 * ctx  - uint32_t, the context the event is about; 0 for DEVICE_RESET
 *
 * FENCE_DONE - the work of context ctx up to fence has finished.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |          _EVT_FENCE_DONE          |            reserved           | 4
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 8
 * +----------------+----------------+----------------+----------------+
 * |                           fence low 32                            | 12
 * +----------------+----------------+----------------+----------------+
 * |                           fence high 32                           | 16
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 20
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 32
 * +----------------+----------------+----------------+----------------+
 *
 * fence - uint64_t, > 0, the highest completed fence of ctx
 */
struct xv_evt_fence_done {
	uint64_t fence;
	uint8_t reserved[16];
};

/*
 * GPU_FAULT - an access of context ctx could not be translated.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |           _EVT_GPU_FAULT          |            reserved           | 4
 * +----------------+----------------+----------------+----------------+
 * |                               ctx                                 | 8
 * +----------------+----------------+----------------+----------------+
 * |                           gpu_va low 32                           | 12
 * +----------------+----------------+----------------+----------------+
 * |                           gpu_va high 32                          | 16
 * +----------------+----------------+----------------+----------------+
 * |     access     |     reason     |               lost              | 20
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 24
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 32
 * +----------------+----------------+----------------+----------------+
 *
 * gpu_va - uint64_t, faulting GPU VA, < 2^XV_GPU_VA_BITS
 * access - uint8_t, XV_FAULT_ACCESS_READ or XV_FAULT_ACCESS_WRITE
 * reason - uint8_t, XV_FAULT_*
 * lost   - uint16_t, faults of ctx dropped since the last GPU_FAULT
 *          (saturates at 65535)
 */
#define XV_FAULT_ACCESS_READ  1
#define XV_FAULT_ACCESS_WRITE 2

#define XV_FAULT_NOT_PRESENT 1 /* no valid entry at some level */
#define XV_FAULT_PROTECTION  2 /* write through a read-only entry */
#define XV_FAULT_BAD_ADDRESS 3 /* entry's guest address not usable */

struct xv_evt_gpu_fault {
	uint64_t gpu_va;
	uint8_t access;
	uint8_t reason;
	uint16_t lost;
	uint8_t reserved[12];
};

/*
 * DEVICE_RESET - all GPU state of this vGPU is gone (GPU reset, backend
 * restart): every context, vPASID and pending fence. ctx is 0.
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |         _EVT_DEVICE_RESET         |            reserved           | 4
 * +----------------+----------------+----------------+----------------+
 * |                             ctx = 0                               | 8
 * +----------------+----------------+----------------+----------------+
 * |                            generation                             | 12
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 16
 * +----------------+----------------+----------------+----------------+
 * |/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/\/|
 * +----------------+----------------+----------------+----------------+
 * |                             reserved                              | 32
 * +----------------+----------------+----------------+----------------+
 *
 * generation - uint32_t, as QUERY_CAPS will report from now on
 */
struct xv_evt_device_reset {
	uint32_t generation;
	uint8_t reserved[20];
};

struct xv_evt {
	uint16_t type;
	uint16_t reserved0;
	uint32_t ctx;
	union {
		struct xv_evt_fence_done fence_done;
		struct xv_evt_gpu_fault gpu_fault;
		struct xv_evt_device_reset device_reset;
		uint8_t raw[24];
	} u;
};

#define XV_EVT_RING_LEN 64u

struct xv_evt_page {
	uint32_t in_cons;
	uint32_t in_prod;
	uint8_t reserved[56];
	struct xv_evt ring[XV_EVT_RING_LEN];
};

#define XV_EVT_RING_REF(page, idx) ((page)->ring[(idx) % XV_EVT_RING_LEN])

/*
 ******************************************************************************
 *                    XENSTORE NODE NAMES
 ******************************************************************************
 */
#define XV_DRIVER_NAME "vgpu"

#define XV_FIELD_FRONTEND	  "frontend"
#define XV_FIELD_FRONTEND_ID	  "frontend-id"
#define XV_FIELD_BACKEND	  "backend"
#define XV_FIELD_BACKEND_ID	  "backend-id"
#define XV_FIELD_ONLINE		  "online"
#define XV_FIELD_STATE		  "state"
#define XV_FIELD_VERSION	  "version"
#define XV_FIELD_PROFILE	  "profile"
#define XV_FIELD_MAX_RING_ORDER	  "max-ring-page-order"
#define XV_FIELD_MAX_CONTEXTS	  "max-contexts"
#define XV_FIELD_MAX_PINNED_PAGES "max-pinned-pages"
#define XV_FIELD_PASID_WIDTH	  "pasid-width"
#define XV_FIELD_MAX_PASIDS	  "max-pasids"
#define XV_FIELD_MAX_QUEUED_BYTES "max-queued-bytes"
#define XV_FIELD_MAX_CMD_BYTES	  "max-cmd-bytes"
#define XV_FIELD_SCHED_WEIGHT	  "sched-weight"
#define XV_FIELD_FEATURES	  "features"
#define XV_FIELD_OOS_PAGES	  "oos-pages"
#define XV_FIELD_ERROR		  "error"
#define XV_FIELD_RING_ORDER	  "ring-page-order"
#define XV_FIELD_RING_REF_FMT	  "ring-ref%u"
#define XV_FIELD_EVT_RING_REF	  "evt-ring-ref"
#define XV_FIELD_EVENT_CHANNEL	  "event-channel"

/*
 ******************************************************************************
 *                    Size and layout checks
 ******************************************************************************
 */
_Static_assert(sizeof(struct xv_req_cfg) == 48, "xv_req_cfg size");
_Static_assert(sizeof(struct xv_req_ctx_create) == 48, "ctx_create size");
_Static_assert(sizeof(struct xv_req_set_root) == 48, "set_root size");
_Static_assert(sizeof(struct xv_req_pt_update) == 48, "pt_update size");
_Static_assert(sizeof(struct xv_req_submit) == 48, "submit size");
_Static_assert(sizeof(struct xv_req) == 64, "xv_req size");
_Static_assert(offsetof(struct xv_req, op) == 8, "xv_req.op");
_Static_assert(offsetof(struct xv_req, ctx) == 12, "xv_req.ctx");
_Static_assert(offsetof(struct xv_req, u) == 16, "xv_req.u");
_Static_assert(offsetof(struct xv_req, u.submit.cmd_bytes) == 24,
	       "submit.cmd_bytes");
_Static_assert(offsetof(struct xv_req, u.submit.gref_directory) == 28,
	       "submit.gref_directory");
_Static_assert(offsetof(struct xv_req, u.submit.nr_inline) == 32,
	       "submit.nr_inline");
_Static_assert(offsetof(struct xv_req, u.submit.gref) == 36, "submit.gref");
_Static_assert(offsetof(struct xv_req, u.cfg.value) == 24, "cfg.value");
_Static_assert(offsetof(struct xv_req, u.pt_update.length) == 24,
	       "pt_update.length");

_Static_assert(sizeof(struct xv_gref_dir) == XV_PAGE_BYTES, "dir page");
_Static_assert(offsetof(struct xv_gref_dir, gref) == 8, "dir.gref");

_Static_assert(sizeof(struct xv_rsp_caps) == 48, "caps size");
_Static_assert(sizeof(struct xv_rsp_cfg_read) == 48, "cfg_read size");
_Static_assert(sizeof(struct xv_rsp_ctx_create) == 48, "ctx_create rsp");
_Static_assert(sizeof(struct xv_rsp) == 64, "xv_rsp size");
_Static_assert(offsetof(struct xv_rsp, status) == 12, "xv_rsp.status");
_Static_assert(offsetof(struct xv_rsp, u) == 16, "xv_rsp.u");
_Static_assert(offsetof(struct xv_rsp, u.caps.generation) == 60,
	       "caps.generation");

_Static_assert(sizeof(struct xv_evt_fence_done) == 24, "fence_done size");
_Static_assert(sizeof(struct xv_evt_gpu_fault) == 24, "gpu_fault size");
_Static_assert(sizeof(struct xv_evt_device_reset) == 24, "reset size");
_Static_assert(sizeof(struct xv_evt) == 32, "xv_evt size");
_Static_assert(offsetof(struct xv_evt, u) == 8, "xv_evt.u");
_Static_assert(offsetof(struct xv_evt, u.gpu_fault.lost) == 18,
	       "gpu_fault.lost");
_Static_assert(offsetof(struct xv_evt_page, ring) == 64, "evt page header");
_Static_assert(sizeof(struct xv_evt_page) <= XV_PAGE_BYTES, "evt page");
_Static_assert((XV_EVT_RING_LEN & (XV_EVT_RING_LEN - 1)) == 0,
	       "event ring length is a power of two");

_Static_assert(sizeof(union xv_vgpuif_sring_entry) == 64, "ring entry");
_Static_assert(offsetof(struct xv_vgpuif_sring, ring) == 64, "ring header");
_Static_assert(XV_RING_SIZE(0) == 32, "one-page ring");
_Static_assert(XV_RING_SIZE(XV_RING_ORDER_MAX) == 512, "largest ring");

#endif /* XV_VGPUIF_H */
