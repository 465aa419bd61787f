/*
 * libxenvgpu.h — the domU library of xenvgpu: open a vGPU that the
 * toolstack gave this guest, talk to the dom0 backend (xenvgpud) over its
 * shared ring, and read and write the vGPU's virtual PCI config space.
 *
 * Concepts:
 *  - A handle (struct xenvgpu) is one connected vGPU device, named by its
 *    device id under /local/domain/<self>/device/vgpu/<devid>. Opening it
 *    runs the xenbus handshake of common/vgpuif.h: the library grants the
 *    request ring and the event page to the backend, gives it an event
 *    channel and waits until both ends are Connected.
 *  - Every call is a request on the ring and waits (with the handle's
 *    timeout) for its response. The library checks every response and
 *    every event the backend writes before it believes it; a backend
 *    that breaks the protocol gets a -XV_ERR_RSP_* / -XV_ERR_EVT_* code,
 *    never a crash.
 *  - Device reset: when the backend loses the vGPU's state (daemon
 *    restart, GPU reset, backend leaving Connected), every call on the
 *    handle returns -XENVGPU_ERR_DEVICE_RESET until the caller calls
 *    xenvgpu_reconnect(). Contexts, vPASIDs and fences made before are
 *    gone; the caller recreates them after the reconnect.
 *
 * Return values: 0 on success, else a negative code: -errno (-ETIMEDOUT
 * when the backend did not answer in time, -ENOENT when there is no such
 * device, ...) or -XV_ERR_* of the wire protocol (vgpuif.h: 0x100..0x4ff,
 * above errno's range). xenvgpu_strerror() names either kind.
 *
 * Threads: a handle belongs to one thread at a time; calls on one handle
 * must not overlap (the library takes no lock). Different handles may be
 * used from different threads at once: each has its own xenstore,
 * grant-sharing and event-channel handles.
 *
 * Issue 5 adds contexts, buffers, submissions, fences and faults
 * (below "GPU contexts"); xenvgpu_poll_events() also takes FENCE_DONE and
 * GPU_FAULT events, so a caller may poll xenvgpu_fd() instead of
 * blocking in xenvgpu_fence_wait().
 */
#ifndef LIBXENVGPU_H
#define LIBXENVGPU_H

#include <stddef.h>
#include <stdint.h>

struct xenvgpu;

/* Codes a caller tests for by name (the values are vgpuif.h's). */
#define XENVGPU_ERR_DEVICE_RESET  0x100 /* GPU state lost: reconnect */
#define XENVGPU_ERR_NOT_SUPPORTED 0x10d

/* Feature bits (vgpuif.h's XV_FEATURE_*). */
#define XENVGPU_FEATURE_OOS_PT		(1u << 0)
#define XENVGPU_FEATURE_NOSNOOP		(1u << 1)
#define XENVGPU_FEATURE_HOLDOFF		(1u << 2)
#define XENVGPU_FEATURE_MULTI_PAGE_RING (1u << 3)

/* Default wait for any one step of the backend, in milliseconds. */
#define XENVGPU_TIMEOUT_MS_DEFAULT 10000

struct xenvgpu_opts {
	unsigned int devid;
	/* Longest wait for the backend in one step; 0: the default. */
	int timeout_ms;
	/* Ring of 2^ring_order pages; -1: the largest the backend offers,
	 * at most 2 (128 slots). Above the offer: -XV_ERR_RING_ORDER. */
	int ring_order;
	/* Feature bits not to acknowledge even when offered. */
	uint32_t features_refuse;
	/* Optional: on failure, a sentence saying what went wrong (which
	 * node, which state the backend was in, its "error" node). */
	char *why;
	size_t why_len;
};

/* What QUERY_CAPS said, plus what the connection negotiated. */
struct xenvgpu_caps {
	/* struct xv_limits, in order; features is the acked set */
	uint32_t max_contexts;
	uint32_t max_pinned_pages; /* 4 KiB pages */
	uint32_t pasid_width;
	uint32_t max_pasids;
	uint32_t max_queued_bytes;
	uint32_t max_cmd_bytes;
	uint32_t ring_order_max;
	uint32_t sched_weight;
	uint32_t features;
	uint32_t oos_pages;
	uint32_t gpu_va_bits;
	uint32_t generation; /* device resets this vGPU has seen */
	/* the connection */
	uint32_t offered_features; /* the backend's "features" node */
	uint32_t version;	   /* protocol version in use */
	uint32_t ring_order;	   /* log2 of the ring's pages */
	uint32_t ring_slots;	   /* requests the ring holds */
	uint32_t backend_domid;
};

/* Open device devid with the default options. */
int xenvgpu_open(unsigned int devid, struct xenvgpu **out);
int xenvgpu_open_opts(const struct xenvgpu_opts *opts, struct xenvgpu **out);

/*
 * Disconnect and free (NULL ok). Goes Closing, waits for the backend to
 * reach Closed, and only then ends the grants of the ring and event page:
 * a grant is never ended while the backend may still map it. If the
 * backend does not let go in time the grants are left to the kernel
 * (gntalloc ends them once unmapped) and -ETIMEDOUT is returned; the
 * handle is freed either way, with every context and buffer made on it
 * (their pages follow the same rule).
 */
int xenvgpu_close(struct xenvgpu *h);

/*
 * After -XENVGPU_ERR_DEVICE_RESET: acknowledge the reset (QUERY_CAPS)
 * or, when the backend left Connected, run the whole handshake again on
 * fresh pages. Also a no-op check on a healthy handle (0).
 */
int xenvgpu_reconnect(struct xenvgpu *h);

/* Capabilities and limits (a QUERY_CAPS round trip). */
int xenvgpu_query_caps(struct xenvgpu *h, struct xenvgpu_caps *caps);

/*
 * Virtual PCI config space: size 1, 2 or 4, offset aligned to size,
 * inside 4 KiB; values little-endian as PCI's. A bad access is refused
 * by the library (-XV_ERR_CFG_*) before it goes on the ring.
 */
int xenvgpu_cfg_read(struct xenvgpu *h, uint32_t offset, uint32_t size,
		     uint32_t *val);
int xenvgpu_cfg_write(struct xenvgpu *h, uint32_t offset, uint32_t size,
		      uint32_t val);

/* The whole 4 KiB config space, read 4 octets at a time. */
#define XENVGPU_CFG_SPACE_SIZE 4096u
int xenvgpu_cfg_snapshot(struct xenvgpu *h,
			 uint8_t out[XENVGPU_CFG_SPACE_SIZE]);

/*
 * Set PASID Enable in the PASID extended capability (needed before any
 * context can be created). Finds the capability by walking the config
 * space the backend serves; -ENOENT when there is none.
 */
int xenvgpu_enable_pasid(struct xenvgpu *h);

/*
 * Handle events the backend posted (device reset now; fences and faults
 * in issue 5) without waiting. 0, -XENVGPU_ERR_DEVICE_RESET, or the code
 * of a broken backend.
 */
int xenvgpu_poll_events(struct xenvgpu *h);

/* A file descriptor that becomes readable when the backend notifies;
 * then call xenvgpu_poll_events(). */
int xenvgpu_fd(const struct xenvgpu *h);

/* ---- GPU contexts, buffers, submissions (issue 5) ------------------------
 *
 * A context (struct xenvgpu_ctx) is a GPU address space with its own
 * vPASID. Its page tables live in pages granted read-only to the
 * backend; the library writes them. A buffer (struct xenvgpu_buf) is
 * memory granted to the backend (writable), zero when allocated, mapped
 * at a GPU VA of one or more contexts. A submission is a command buffer
 * (common/cmd.h format; build it with xv_cmd_* builders) copied into the
 * context's reused command pages, with a fence value: the fence is done
 * when the GPU finished the work (xenvgpu_fence_wait). A GPU fault puts
 * the context in error: its later fences never complete, its later
 * submissions fail with -XENVGPU_ERR_CTX_FAULTED; destroy it.
 *
 * Pages are handed back to the kernel only once the backend let go of
 * them: a buffer after its last unmap was answered, page-table and
 * command pages after the context's destroy was answered, all of them at
 * xenvgpu_close() only once the backend reached Closed.
 */
struct xenvgpu_ctx;
struct xenvgpu_buf;

#define XENVGPU_ERR_NO_PASID	0x101 /* no PASID left */
#define XENVGPU_ERR_PERM	0x102
#define XENVGPU_ERR_CTX_FAULTED 0x10f /* context hit a GPU fault */

/* Context flags. */
#define XENVGPU_CTX_NOSNOOP (1u << 0) /* needs XENVGPU_FEATURE_NOSNOOP */
#define XENVGPU_CTX_OOS	    (1u << 1) /* needs XENVGPU_FEATURE_OOS_PT */

/*
 * Create a context. Sets PASID Enable in the config space first if this
 * handle has not (no context exists without it). *vpasid (NULL ok) gets
 * the PASID the guest sees. -XENVGPU_ERR_NO_PASID when none is left.
 */
int xenvgpu_ctx_create(struct xenvgpu *h, uint32_t flags,
		       struct xenvgpu_ctx **out, uint32_t *vpasid);
/*
 * Destroy (NULL ok): CTX_DESTROY, then, once answered, every mapping of
 * the context is gone (its buffers may be freed) and its table and
 * command pages are handed back. Returns the request's outcome; the
 * object is freed either way.
 */
int xenvgpu_ctx_destroy(struct xenvgpu_ctx *c);
uint32_t xenvgpu_ctx_handle(const struct xenvgpu_ctx *c);
uint32_t xenvgpu_ctx_vpasid(const struct xenvgpu_ctx *c);

/* A buffer of at least bytes (rounded up to 4 KiB pages), zeroed. */
int xenvgpu_buf_alloc(struct xenvgpu *h, size_t bytes,
		      struct xenvgpu_buf **out);
void *xenvgpu_buf_ptr(const struct xenvgpu_buf *b);
size_t xenvgpu_buf_size(const struct xenvgpu_buf *b);
/* Grant reference of page i (0 when out of range): tests, tools. */
uint32_t xenvgpu_buf_gref(const struct xenvgpu_buf *b, size_t page);
/* Free (NULL ok); -EBUSY while mapped in any context. */
int xenvgpu_buf_free(struct xenvgpu_buf *b);

/* Mapping flags. */
#define XENVGPU_MAP_WRITE   (1u << 0) /* the GPU may write */
#define XENVGPU_MAP_NOSNOOP (1u << 1) /* no-snoop leaf entries */

/*
 * Map the whole buffer at gpu_va (4 KiB aligned) of context c: writes
 * the leaf entries (allocating tables), then PT_UPDATE for the range.
 * -EEXIST when a page of the range is mapped already.
 */
int xenvgpu_map(struct xenvgpu_ctx *c, struct xenvgpu_buf *b, uint64_t gpu_va,
		uint32_t flags);
/*
 * Map n raw grant references at gpu_va: whatever they name (a test of
 * the backend's isolation writes references this guest never granted).
 */
int xenvgpu_map_grefs(struct xenvgpu_ctx *c, uint64_t gpu_va,
		      const uint32_t *grefs, size_t n, uint32_t flags);
/*
 * Remove the mapping that starts at gpu_va: clears its entries, then
 * PT_UPDATE; on the response the GPU no longer reaches the pages.
 * -ENOENT when no mapping starts there.
 */
int xenvgpu_unmap(struct xenvgpu_ctx *c, uint64_t gpu_va);
/* Reshadow the whole table of c (PT_RESYNC). */
int xenvgpu_pt_resync(struct xenvgpu_ctx *c);

/*
 * Submit bytes of commands with a fence above every earlier fence of c.
 * The library scans the buffer first (a malformed one never goes out:
 * -XV_ERR_CMD_* of common/vgpuif.h) and returns once the backend queued
 * it. Steady state makes no grant call: command pages are reused.
 */
int xenvgpu_submit(struct xenvgpu_ctx *c, const void *cmds, size_t bytes,
		   uint64_t fence);
/*
 * Wait until fence of c is done: 0; -ETIMEDOUT after timeout_ms (< 0:
 * the handle's timeout); -XENVGPU_ERR_CTX_FAULTED after a fault of c;
 * -XENVGPU_ERR_DEVICE_RESET.
 */
int xenvgpu_fence_wait(struct xenvgpu_ctx *c, uint64_t fence, int timeout_ms);
/* Highest fence of c known done (after xenvgpu_poll_events). */
uint64_t xenvgpu_fence_done(const struct xenvgpu_ctx *c);

/* One GPU fault event, as the backend reported it. */
struct xenvgpu_fault {
	uint32_t ctx;	 /* xenvgpu_ctx_handle() of the context */
	uint64_t gpu_va; /* faulting address */
	uint8_t access;	 /* 1 read, 2 write */
	uint8_t reason;	 /* 1 not present, 2 protection, 3 bad address */
	uint16_t lost;	 /* faults of ctx the backend dropped before */
};

/* Take the oldest fault not read yet: 0, or -EAGAIN when none. */
int xenvgpu_fault_read(struct xenvgpu *h, struct xenvgpu_fault *f);

/* Grant calls (share batches) this handle made: steady-state checks. */
unsigned long xenvgpu_grant_calls(const struct xenvgpu *h);

/* What the last handshake step that failed on h said ("" if none). */
const char *xenvgpu_why(const struct xenvgpu *h);

/* Text for 0, -errno or -XV_ERR_* (either sign); never NULL. */
const char *xenvgpu_strerror(int code);

#endif /* LIBXENVGPU_H */
