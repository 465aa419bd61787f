/*
 * fe-gpu.h — the frontend's GPU objects: pools of granted pages, the
 * guest GPU page-table writer, gref directories, contexts and buffers.
 * Not installed.
 *
 * Concepts:
 *  - Every page the backend may read is a granted page (gntshr), shared
 *    in batches (one grant call for many pages). gntalloc hands out
 *    zeroed pages, so a page is zero before its grant exists; pages the
 *    library reuses (command pages) only ever carry our own bytes.
 *  - A page is handed back (unshared) only once the backend let go of
 *    it: buffers after the PT_UPDATE response of their last unmap,
 *    page-table and command pages after the CTX_DESTROY response, all of
 *    them at close only after the backend reached Closed.
 *  - The page-table writer (struct fe_pt) is pure: it gets zeroed table
 *    pages from a callback, so the unit tests run it over plain memory.
 *    It writes every live entry with one 64-bit store, a new table's
 *    parent entry only after the table is zero.
 *
 * Trusts: its callers' arguments; nothing the backend wrote.
 * Threads: the handle's thread owns all of it.
 */
#ifndef XV_FE_GPU_H
#define XV_FE_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt.h"
#include "vgpuif.h"

struct xenvgpu;

/* ---- the page-table writer (pure) ---------------------------------------- */

struct fe_pt_page {
	uint64_t *e;   /* 512 entries, zeroed when handed out */
	uint32_t gref; /* grant of the page, never 0 */
};

/* Hand out one zeroed, granted page: 0 or -errno. */
typedef int fe_pt_alloc_fn(void *arg, struct fe_pt_page *out);

struct fe_pt_node {
	struct fe_pt_page pg;
	struct fe_pt_node *child[XV_PT_ENTRIES]; /* levels 4..2 only */
};

struct fe_pt {
	struct fe_pt_node *root; /* level 4 */
	fe_pt_alloc_fn *alloc;
	void *arg;
	unsigned int tables; /* table pages in use, root included */
};

/* Allocates the root. 0, -ENOMEM or the allocator's code. */
int fe_pt_init(struct fe_pt *pt, fe_pt_alloc_fn *alloc, void *arg);
/* Frees the nodes (the pages belong to the allocator). Idempotent. */
void fe_pt_dispose(struct fe_pt *pt);
/*
 * Write the leaf entry of va (page aligned, below 2^48) with one 64-bit
 * store, allocating the tables on the way. pte 0 clears the entry and
 * allocates nothing. 0, -EINVAL, or the allocator's code.
 */
int fe_pt_set(struct fe_pt *pt, uint64_t va, uint64_t pte);
/* The leaf entry of va, 0 when no table on the way exists. */
uint64_t fe_pt_get(const struct fe_pt *pt, uint64_t va);

/* ---- gref directories (pure) ------------------------------------------- */

/*
 * Fill the directory chain of a buffer of npages pages (npages >
 * XV_SUBMIT_INLINE_GREFS) into dir[0..xv_proto_dir_pages(npages)), whose
 * own grants are dir_refs[]: each page but the last full, slots past
 * num_grefs zero, the last page's next 0. 0 or -EINVAL.
 */
int fe_dir_build(struct xv_gref_dir *const *dir, const uint32_t *dir_refs,
		 unsigned int ndir, const uint32_t *refs, uint32_t npages);

/* ---- pools of granted pages -------------------------------------------- */

struct fe_batch {
	void *addr; /* n contiguous pages from one share call */
	unsigned int n;
};

struct fe_pool {
	bool writable;		/* the backend may write the pages */
	struct fe_batch *batch; /* every share call, to end them */
	unsigned int nbatch;
	void **page; /* page i */
	uint32_t *ref;
	unsigned int npages;
	unsigned int used; /* pages handed out (page tables) */
};

/* ---- contexts, buffers, mappings --------------------------------------- */

struct fe_mapping {
	struct fe_mapping *next;
	uint64_t va;
	uint64_t npages;
	struct xenvgpu_buf *buf; /* NULL for raw grefs */
};

struct xenvgpu_ctx {
	struct xenvgpu *h;
	uint32_t handle; /* the backend's, 1..max-contexts */
	uint32_t vpasid;
	uint32_t flags;	     /* XV_CTX_FLAG_* */
	uint32_t generation; /* of the device when created */
	struct fe_pt pt;
	struct fe_pool pt_pool;	 /* table pages, read-only to the backend */
	struct fe_pool cmd_pool; /* command pages, reused */
	struct fe_pool dir_pool; /* directory pages, reused */
	struct fe_mapping *maps;
	uint64_t fence_sent;	       /* highest fence queued */
	uint64_t fence_done;	       /* highest FENCE_DONE seen */
	bool faulted;		       /* a GPU_FAULT arrived */
	bool gone;		       /* the backend forgot it (reset) */
	struct xenvgpu_ctx *gone_next; /* fe_gpu.gone list, when gone */
	unsigned long grant_calls;     /* share calls made for this context */
};

struct xenvgpu_buf {
	struct xenvgpu *h;
	struct xenvgpu_buf *next; /* the handle's list */
	struct fe_pool pool;	  /* one batch: contiguous */
	size_t bytes;
	unsigned int maps; /* live mappings; free only at 0 */
	bool stuck; /* an unmap was not confirmed: never end its grants */
};

#define FE_FAULT_QUEUE 64u

struct fe_fault {
	uint32_t ctx;
	uint64_t gpu_va;
	uint8_t access, reason;
	uint16_t lost;
};

struct fe_gpu {
	struct xenvgpu_ctx **ctx; /* by handle, [0..nctx) */
	unsigned int nctx;
	struct xenvgpu_buf *bufs;
	struct xenvgpu_ctx *gone; /* contexts a reset took, not destroyed */
	bool pasid_enabled;
	struct fe_fault faults[FE_FAULT_QUEUE];
	unsigned int fault_head, fault_count;
	unsigned long faults_dropped; /* queue full */
	unsigned long bad_events;     /* fence beyond what was sent, ... */
	unsigned long grant_calls;    /* share calls, all objects */
};

/* fe-ctx.c: the event hook (set on every new channel) and the teardown. */
void fe_gpu_on_event(void *arg, const struct xv_evt *evt);
/*
 * Drop every GPU object of h. end_grants: the backend let go of the
 * whole connection (it reached Closed), so the pages may be unshared;
 * otherwise they are left to the kernel.
 */
void fe_gpu_release(struct xenvgpu *h, bool end_grants);

/*
 * After a device reset was acknowledged: every context is gone in the
 * backend, with its mappings and pins (confirmed: the pages may end).
 * The objects stay for their owner to destroy (no request goes out).
 */
void fe_gpu_reset(struct xenvgpu *h);

/* fe-buffer.c: pools */
int fe_pool_grow(struct xenvgpu *h, struct fe_pool *p, unsigned int n);
void fe_pool_release(struct xenvgpu *h, struct fe_pool *p, bool end_grants);

/* fe-buffer.c: forget every mapping of ctx (after its destroy). */
void fe_ctx_drop_mappings(struct xenvgpu_ctx *c, bool confirmed);

#endif /* XV_FE_GPU_H */
