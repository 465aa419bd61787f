/*
 * pt.h — the GPU page-table format: guest tables and shadow tables.
 *
 * Concepts (docs/pagetable.md has the diagram):
 *  - 4 levels, 48-bit GPU VA, 512 64-bit entries per 4 KiB table, 9 VA
 *    bits a level: L4 (root) VA 47..39, L3 38..30, L2 29..21, L1 20..12.
 *    A GPU VA is valid when it is below 2^48; anything above is rejected
 *    (no sign extension: the GPU VA space is the lower half only).
 *  - GUEST tables live in guest memory and are written by the guest.
 *    Their entries hold guest addresses (xv_gaddr_t): on Xen bit 63 set
 *    and the grant reference in the frame field. Guest leaves are 4 KiB
 *    only (a grant names one page), so a guest entry never has PS.
 *    Everything the guest writes is untrusted: xv_pte_guest_check() says
 *    whether an entry is absent, valid, or invalid and why.
 *  - SHADOW tables are built by the backend and walked by the device.
 *    Their entries hold IOVAs (xv_iova_t) and may be 2 MiB leaves (PS in
 *    an L2 entry). The backend writes them; xv_pt_walk() still checks
 *    every bit, so a shadow bug shows up as a fault, not a stray access.
 *
 * Entry bits:
 *   bit 0      P   present
 *   bit 1      W   writable (guest: leaf only; shadow: ANDed over levels)
 *   bit 2      NS  no-snoop (leaf only)
 *   bit 7      PS  2 MiB leaf (shadow L2 only)
 *   bits 12-51     frame (guest: grant ref or GFN; shadow: IOVA >> 12)
 *   bit 63     G   grant-based guest address (guest entries only)
 * Every other bit is reserved and must be 0. An entry with P clear is
 * absent whatever its other bits hold.
 *
 * Header-only helpers so the frontend, the shadow engine and the device
 * agree on one definition; pt.c holds the walker and the strings.
 */
#ifndef XV_PT_H
#define XV_PT_H

#include <stdbool.h>
#include <stdint.h>

#include "pin.h"

#define XV_PT_LEVELS	 4u
#define XV_PT_ENTRIES	 512u
#define XV_PT_INDEX_BITS 9u
#define XV_GPU_VA_BITS	 48u
#define XV_GPU_VA_LIMIT	 (1ull << XV_GPU_VA_BITS)
#define XV_PT_HUGE_SHIFT 21u
#define XV_PT_HUGE_SIZE	 (1ull << XV_PT_HUGE_SHIFT)
#define XV_PT_HUGE_MASK	 (~(XV_PT_HUGE_SIZE - 1))
#define XV_PT_HUGE_LEVEL 2u

#define XV_PTE_P	  (1ull << 0)
#define XV_PTE_W	  (1ull << 1)
#define XV_PTE_NS	  (1ull << 2)
#define XV_PTE_PS	  (1ull << 7)
#define XV_PTE_G	  (1ull << 63)
#define XV_PTE_FRAME_MASK 0x000ffffffffff000ull /* bits 12..51 */

/* What a guest address may look like: G plus a frame. */
#define XV_PTE_GUEST_ADDR_MASK (XV_PTE_G | XV_PTE_FRAME_MASK)
/* Bits a present guest entry may set; all others are reserved. */
#define XV_PTE_GUEST_TABLE_BITS (XV_PTE_P | XV_PTE_GUEST_ADDR_MASK)
#define XV_PTE_GUEST_LEAF_BITS \
	(XV_PTE_P | XV_PTE_W | XV_PTE_NS | XV_PTE_GUEST_ADDR_MASK)
/* Bits a present shadow entry may set, per kind. */
#define XV_PTE_SHADOW_TABLE_BITS (XV_PTE_P | XV_PTE_W | XV_PTE_FRAME_MASK)
#define XV_PTE_SHADOW_LEAF_BITS \
	(XV_PTE_P | XV_PTE_W | XV_PTE_NS | XV_PTE_FRAME_MASK)
#define XV_PTE_SHADOW_HUGE_BITS (XV_PTE_SHADOW_LEAF_BITS | XV_PTE_PS)
/* Flags carried from a guest leaf into its shadow leaf. */
#define XV_PTE_LEAF_FLAGS (XV_PTE_P | XV_PTE_W | XV_PTE_NS)

/* ---- guest addresses ------------------------------------------------------ */

/* A grant-based guest address, as Linux's xen-grant-dma builds it. */
static inline xv_gaddr_t xv_gaddr_from_gref(uint32_t gref)
{
	return XV_PTE_G | ((uint64_t)gref << XV_PAGE_SHIFT);
}

static inline bool xv_gaddr_is_grant(xv_gaddr_t g)
{
	return (g & XV_PTE_G) != 0;
}

static inline uint64_t xv_gaddr_frame(xv_gaddr_t g)
{
	return (g & XV_PTE_FRAME_MASK) >> XV_PAGE_SHIFT;
}

/* ---- VA arithmetic --------------------------------------------------------- */

/* log2 of the VA span one entry of a table at `level` (1..4) maps. */
static inline unsigned int xv_pt_shift(unsigned int level)
{
	return XV_PAGE_SHIFT + XV_PT_INDEX_BITS * (level - 1);
}

static inline uint64_t xv_pt_span(unsigned int level)
{
	return 1ull << xv_pt_shift(level);
}

static inline unsigned int xv_pt_index(uint64_t va, unsigned int level)
{
	return (unsigned int)(va >> xv_pt_shift(level)) & (XV_PT_ENTRIES - 1);
}

static inline bool xv_pt_va_ok(uint64_t va)
{
	return va < XV_GPU_VA_LIMIT;
}

/* [va, va+len) is non-empty and inside the GPU VA space. */
static inline bool xv_pt_range_ok(uint64_t va, uint64_t len)
{
	return len != 0 && va < XV_GPU_VA_LIMIT && len <= XV_GPU_VA_LIMIT - va;
}

/* ---- guest entries --------------------------------------------------------- */

enum xv_pte_check {
	XV_PTE_VALID = 0,    /* present and well-formed */
	XV_PTE_ABSENT,	     /* P clear: maps nothing */
	XV_PTE_BAD_PS,	     /* PS set: guest leaves are 4 KiB only */
	XV_PTE_BAD_RESERVED, /* a reserved bit is set */
	XV_PTE_BAD_LEVEL,    /* level outside 1..4 (caller bug) */
};

/*
 * Check a guest entry read from a table at `level`. Non-leaf entries
 * (levels 4..2) may carry P and an address only; leaves (level 1) also W
 * and NS. When bad is not NULL it receives the offending bits.
 */
static inline enum xv_pte_check
xv_pte_guest_check(uint64_t e, unsigned int level, uint64_t *bad)
{
	uint64_t allowed, extra;

	if (bad)
		*bad = 0;
	if (level < 1 || level > XV_PT_LEVELS)
		return XV_PTE_BAD_LEVEL;
	if (!(e & XV_PTE_P))
		return XV_PTE_ABSENT;
	allowed = level == 1 ? XV_PTE_GUEST_LEAF_BITS : XV_PTE_GUEST_TABLE_BITS;
	extra = e & ~allowed;
	if (bad)
		*bad = extra;
	if (extra & XV_PTE_PS)
		return XV_PTE_BAD_PS;
	return extra ? XV_PTE_BAD_RESERVED : XV_PTE_VALID;
}

static inline xv_gaddr_t xv_pte_guest_addr(uint64_t e)
{
	return e & XV_PTE_GUEST_ADDR_MASK;
}

/* A guest entry, as the frontend writes it (flags: W/NS for leaves). */
static inline uint64_t xv_pte_guest_make(xv_gaddr_t g, uint64_t flags)
{
	return (g & XV_PTE_GUEST_ADDR_MASK) | XV_PTE_P |
	       (flags & (XV_PTE_W | XV_PTE_NS));
}

/* ---- shadow entries -------------------------------------------------------- */

static inline uint64_t xv_pte_shadow_leaf(xv_iova_t iova, uint64_t flags)
{
	return (iova & XV_PTE_FRAME_MASK) | XV_PTE_P |
	       (flags & (XV_PTE_W | XV_PTE_NS));
}

/* iova must be 2 MiB aligned; the walker rejects the entry otherwise. */
static inline uint64_t xv_pte_shadow_huge(xv_iova_t iova, uint64_t flags)
{
	return xv_pte_shadow_leaf(iova, flags) | XV_PTE_PS;
}

/* Non-leaf shadow entries grant everything; leaves restrict. */
static inline uint64_t xv_pte_shadow_table(xv_iova_t table_iova)
{
	return (table_iova & XV_PTE_FRAME_MASK) | XV_PTE_P | XV_PTE_W;
}

static inline xv_iova_t xv_pte_shadow_addr(uint64_t e)
{
	return e & XV_PTE_FRAME_MASK;
}

const char *xv_pte_check_str(enum xv_pte_check c);

/* ---- the walker ------------------------------------------------------------ */

enum xv_pt_fault {
	XV_PT_OK = 0,
	XV_PT_FAULT_VA,		 /* GPU VA not below 2^48 */
	XV_PT_FAULT_NOT_PRESENT, /* an entry on the way has P clear */
	XV_PT_FAULT_READ_ONLY,	 /* write through an entry without W */
	XV_PT_FAULT_BAD_ENTRY,	 /* reserved bits, misplaced or misaligned PS */
	XV_PT_FAULT_BAD_TABLE,	 /* the table IOVA does not translate */
};

const char *xv_pt_fault_str(enum xv_pt_fault f);

enum xv_pt_access {
	XV_PT_READ = 0,
	XV_PT_WRITE = 1,
};

struct xv_pt_walk_result {
	enum xv_pt_fault fault;
	unsigned int level; /* leaf level (1 or 2), or the level that faulted */
	xv_iova_t iova;	    /* translated address of va, offset included */
	xv_iova_t page;	    /* the leaf's frame: 4 KiB or 2 MiB aligned */
	uint64_t page_size; /* 4 KiB or 2 MiB */
	uint64_t flags;	    /* effective P/W/NS (W ANDed over the levels) */
	uint64_t entry;	    /* the entry that ended the walk */
};

/*
 * Translate the IOVA of a shadow table at `level` into a host pointer to
 * its 512 entries, or NULL if it does not translate (the reference GPU
 * passes its IOMMU model here).
 */
typedef const uint64_t *(*xv_pt_table_fn)(void *ctx, xv_iova_t table_iova,
					  unsigned int level);

/*
 * Walk the SHADOW tables rooted at root_iova for va. Each entry is read
 * once with xv_pte_load, so a walk racing with the shadow engine sees
 * each entry either old or new. Returns 0 with out filled, or -EFAULT
 * with out->fault saying why (-EINVAL if out or table is NULL).
 */
int xv_pt_walk(xv_iova_t root_iova, uint64_t va, enum xv_pt_access access,
	       xv_pt_table_fn table, void *ctx, struct xv_pt_walk_result *out);

#endif /* XV_PT_H */
