/*
 * pin.h — the pin interface between the shadow engine and whatever makes
 * guest pages reachable by the device.
 *
 * Concepts:
 *  - guest address (xv_gaddr_t): what a guest GPU page-table entry holds.
 *    On Xen it is a grant-based address (bit 63 set, grant reference in
 *    the frame field, as Linux's xen-grant-dma uses); other flavours may
 *    use a GFN. The core treats it as an opaque, page-aligned key.
 *  - host page: the guest page mapped into the backend's address space
 *    (on Xen, by gntdev). The shadow engine reads guest page-table pages
 *    through it, and nothing else.
 *  - IOVA (xv_iova_t): the device address of that page, allocated by the
 *    DMA-mapping layer; shadow entries hold IOVAs.
 *
 * A pin makes one 4 KiB guest page resident, gives its host mapping and
 * its IOVA, and keeps both valid until the matching unpin. Pins are
 * counted: pinning the same (gaddr, access) twice needs two unpins.
 *
 * pin_batch is all-or-nothing, as xengnttab_map_domain_grant_refs is on
 * Xen: it returns 0 with every out[i] filled, or -errno with nothing
 * pinned. Callers that want "as many as possible" retry one at a time.
 * A pin is dropped by its guest address (unpin_batch) or, when the pinner
 * offers it, by the token pin_batch returned (unpin_tokens, no lookup).
 *
 * One shortcut sits beside the interface: when the pinner is the core's
 * own map cache, the shadow engine takes pins on pages the cache already
 * has pinned straight from its grant index (mapcache-hit.h), the same
 * pins with the same tokens; everything else goes through these ops.
 *
 * The interface keeps the core hypervisor-neutral, the way GVT-g's
 * hypervisor ops table kept i915 neutral: grant pinning on Xen, a VFIO-style
 * pinner elsewhere, and test doubles all sit behind it.
 */
#ifndef XV_PIN_H
#define XV_PIN_H

#include <stdint.h>

typedef uint64_t xv_gaddr_t;
typedef uint64_t xv_iova_t;

#define XV_PAGE_SHIFT 12
#define XV_PAGE_SIZE  (1ull << XV_PAGE_SHIFT)
#define XV_PAGE_MASK  (~(XV_PAGE_SIZE - 1))

/* Access a pin grants the device (and the backend) to the page. */
enum xv_pin_access {
	XV_PIN_READ = 1,      /* read-only mapping */
	XV_PIN_READWRITE = 3, /* read-write mapping */
};

/* The most pages one pin_batch call may carry. */
#define XV_PIN_BATCH_MAX 512u

struct xv_pin {
	void *page;	/* host mapping of the 4 KiB page */
	xv_iova_t iova; /* its device address, 4 KiB aligned */
	/* Names this pin for unpin_tokens; set by pinners that have it. */
	uint64_t token;
};

struct xv_pin_ops {
	/*
	 * Pin n (1..XV_PIN_BATCH_MAX) pages with the given access.
	 * All-or-nothing: 0 with out[0..n) filled, or -errno, nothing pinned.
	 * -EFAULT: a guest address is invalid or refused (bad grant);
	 * -ENOSPC: the pin quota is exhausted; -ENOMEM: out of memory.
	 */
	int (*pin_batch)(void *ctx, const xv_gaddr_t *gaddr, unsigned int n,
			 enum xv_pin_access access, struct xv_pin *out);
	/* Drop one pin of each of n pages taken with that same access. */
	void (*unpin_batch)(void *ctx, const xv_gaddr_t *gaddr, unsigned int n,
			    enum xv_pin_access access);
	/*
	 * Optional (NULL: not provided). The same as unpin_batch, each page
	 * named by the token its pin_batch returned in out[i].token instead
	 * of by its guest address: a pinner that keeps its pins in a table
	 * (the map cache) then drops a pin without looking it up again. The
	 * shadow engine unpins every data page this way when it can, which
	 * is half of the table lookups of a page-table update.
	 */
	void (*unpin_tokens)(void *ctx, const uint64_t *token, unsigned int n,
			     enum xv_pin_access access);
};

#endif /* XV_PIN_H */
