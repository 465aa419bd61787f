/*
 * vcfg.h — the virtual PCI configuration space of one vGPU.
 *
 * Concepts:
 *  - The space is 4 KiB, as a PCIe function's: a type-0 header, a
 *    standard capability list (a PCI Express capability, which is what
 *    makes the extended space from 0x100 meaningful), and an extended
 *    capability list with the PASID capability (ID 0x1B) and a DVSEC
 *    (ID 0x23) that carries the vGPU's limits. docs/config-space.md has
 *    the full layout, every register and its mask.
 *  - Each byte has a kind: read-only, read-write, or write-1-to-clear. A
 *    write changes only RW bits, and clears only W1C bits written as 1;
 *    RO bits (including everything unimplemented, which reads 0) never
 *    change through xv_vcfg_write.
 *  - The backend (device model) raises W1C error bits with
 *    xv_vcfg_raise; the guest clears them by writing 1s.
 *  - There are no BARs: the vGPU is reached through its shared ring and
 *    event channel, never through MMIO or I/O ports, so every BAR reads 0
 *    (unimplemented) and the Memory/IO Space enables stay 0.
 *
 * Threads: a struct xv_vcfg is owned by its vGPU's ring worker; calls on
 * one struct must be serialised by the caller.
 *
 * Trust: offsets, sizes and values of read/write come from the guest and
 * are all checked. xv_vcfg_decode_limits and the finders parse raw bytes
 * that came from the other side (the guest tool runs them on bytes from
 * the backend): every pointer is bounded, loops are detected, nothing
 * outside the 4 KiB is read.
 */
#ifndef XV_VCFG_H
#define XV_VCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"

#define XV_VCFG_SIZE 4096u

/* ---- identity ------------------------------------------------------------ */
#define XV_VCFG_VENDOR_ID     0x5853u /* XenSource, as Xen's PV devices */
#define XV_VCFG_DEVICE_ID     0x5647u /* "VG": xenvgpu vGPU */
#define XV_VCFG_REVISION      0x01u
#define XV_VCFG_CLASS	      0x03u /* display controller */
#define XV_VCFG_SUBCLASS      0x80u /* other */
#define XV_VCFG_SUBSYS_VENDOR 0x5853u
#define XV_VCFG_SUBSYS_ID     0x0001u

/* ---- standard config space ------------------------------------------------ */
#define XV_PCI_VENDOR_ID	0x00
#define XV_PCI_DEVICE_ID	0x02
#define XV_PCI_COMMAND		0x04
#define XV_PCI_STATUS		0x06
#define XV_PCI_REVISION_ID	0x08
#define XV_PCI_CLASS_PROG	0x09
#define XV_PCI_CLASS_DEVICE	0x0a
#define XV_PCI_CACHE_LINE_SIZE	0x0c
#define XV_PCI_HEADER_TYPE	0x0e
#define XV_PCI_BAR0		0x10
#define XV_PCI_SUBSYS_VENDOR_ID 0x2c
#define XV_PCI_SUBSYS_ID	0x2e
#define XV_PCI_ROM_ADDRESS	0x30
#define XV_PCI_CAPABILITY_LIST	0x34
#define XV_PCI_INTERRUPT_LINE	0x3c
#define XV_PCI_INTERRUPT_PIN	0x3d

#define XV_PCI_COMMAND_MASTER  0x0004u /* bus master: the GPU DMAs */
#define XV_PCI_COMMAND_PARITY  0x0040u
#define XV_PCI_COMMAND_SERR    0x0100u
#define XV_PCI_STATUS_CAP_LIST 0x0010u
#define XV_PCI_STATUS_W1C      0xf900u /* the error bits, RW1C */

#define XV_PCI_CAP_ID_EXP 0x10

/* The PCI Express capability (version 2) and its registers. */
#define XV_VCFG_EXP_OFFSET 0x40
#define XV_VCFG_EXP_SIZE   0x3c
#define XV_PCI_EXP_FLAGS   0x02 /* PCIe Capabilities register */
#define XV_PCI_EXP_DEVCAP  0x04
#define XV_PCI_EXP_DEVCTL  0x08
#define XV_PCI_EXP_DEVSTA  0x0a
#define XV_PCI_EXP_LNKCAP  0x0c
#define XV_PCI_EXP_LNKCTL  0x10
#define XV_PCI_EXP_LNKSTA  0x12
#define XV_PCI_EXP_DEVCAP2 0x24
#define XV_PCI_EXP_DEVCTL2 0x28
#define XV_PCI_EXP_LNKCAP2 0x2c
#define XV_PCI_EXP_LNKCTL2 0x30

#define XV_PCI_EXP_FLAGS_V2	  0x0002u /* version 2, endpoint (type 0) */
#define XV_PCI_EXP_DEVCTL_RW	  0x79ffu
#define XV_PCI_EXP_DEVCTL_DEFAULT 0x2810u /* RO+NoSnoop on, MRRS 512 */
#define XV_PCI_EXP_DEVSTA_W1C	  0x000fu /* CED NFED FED URD */
#define XV_PCI_EXP_LNKCTL_RW	  0x00cbu

/* ---- extended config space ----------------------------------------------- */
#define XV_PCI_EXT_CAP_ID_PASID 0x1b
#define XV_PCI_EXT_CAP_ID_DVSEC 0x23

/* The DVSEC: first in the extended list. */
#define XV_VCFG_DVSEC_OFFSET 0x100
#define XV_DVSEC_VENDOR_ID   0x5853u
#define XV_DVSEC_ID	     0x0001u /* xenvgpu limits */
#define XV_DVSEC_REVISION    0x1u
/* Register offsets inside the DVSEC; all RO, all 32-bit little-endian. */
#define XV_DVSEC_HDR1		  0x04 /* vendor, revision, length */
#define XV_DVSEC_HDR2		  0x08 /* DVSEC ID (16 bits) */
#define XV_DVSEC_MAX_CONTEXTS	  0x0c
#define XV_DVSEC_MAX_PINNED_PAGES 0x10 /* 4 KiB pages */
#define XV_DVSEC_PASID_WIDTH	  0x14
#define XV_DVSEC_MAX_PASIDS	  0x18
#define XV_DVSEC_MAX_QUEUED_BYTES 0x1c
#define XV_DVSEC_MAX_CMD_BYTES	  0x20
#define XV_DVSEC_RING_ORDER_MAX	  0x24
#define XV_DVSEC_SCHED_WEIGHT	  0x28
#define XV_DVSEC_FEATURES	  0x2c
#define XV_DVSEC_OOS_PAGES	  0x30
#define XV_DVSEC_FREE_COUNT	  0x34 /* number of free-range entries */
#define XV_DVSEC_FREE_RANGES	  0x38 /* entries: offset[15:0] len[31:16] */
#define XV_DVSEC_FREE_MAX	  4
#define XV_DVSEC_LENGTH		  (XV_DVSEC_FREE_RANGES + 4 * XV_DVSEC_FREE_MAX)

/* The PASID capability: right after the DVSEC. */
#define XV_VCFG_PASID_OFFSET	 (XV_VCFG_DVSEC_OFFSET + XV_DVSEC_LENGTH)
#define XV_PCI_PASID_CAP	 0x04 /* 16-bit PASID Capability register */
#define XV_PCI_PASID_CTRL	 0x06 /* 16-bit PASID Control register */
#define XV_PCI_PASID_CAP_EXEC	 0x0002u
#define XV_PCI_PASID_CAP_PRIV	 0x0004u
#define XV_PCI_PASID_CAP_WIDTH	 0x1f00u /* Max PASID Width, bits 12:8 */
#define XV_PCI_PASID_CTRL_ENABLE 0x0001u
#define XV_PCI_PASID_CTRL_EXEC	 0x0002u
#define XV_PCI_PASID_CTRL_PRIV	 0x0004u

/*
 * What the vGPU supports of the PASID TLP prefix: neither Execute nor
 * Privileged Mode. The GPU page-table format has no execute permission
 * to request, and guest GPU work always runs unprivileged: a guest must
 * never make the device issue supervisor-mode requests to the host's
 * IOMMU. The matching Control bits are therefore RO 0.
 */
#define XV_VCFG_PASID_SUPPORTED 0u

/* ---- the config space object --------------------------------------------- */
struct xv_vcfg;

/* Build the space of a vGPU with these limits. 0, -EINVAL (pasid_width
 * not in 1..20), -ENOMEM. */
int xv_vcfg_new(const struct xv_limits *limits, struct xv_vcfg **out);
void xv_vcfg_free(struct xv_vcfg *cfg); /* NULL ok */

/*
 * Guest access: size 1, 2 or 4, offset naturally aligned and the access
 * inside the 4 KiB; else -EINVAL and nothing changes (*val untouched).
 * Values are little-endian, as PCI's.
 */
int xv_vcfg_read(const struct xv_vcfg *cfg, uint32_t offset, uint32_t size,
		 uint32_t *val);
int xv_vcfg_write(struct xv_vcfg *cfg, uint32_t offset, uint32_t size,
		  uint32_t val);

/* Device side: set W1C status bits (an error the device saw). Only bits
 * that are W1C are set; others are ignored. Same checks as a write. */
int xv_vcfg_raise(struct xv_vcfg *cfg, uint32_t offset, uint32_t size,
		  uint32_t bits);

/* Has the guest set PASID Enable? No GPU context before it has. */
bool xv_vcfg_pasid_enabled(const struct xv_vcfg *cfg);

/* The raw bytes, as the guest reads them (for the guest tool, tests). */
void xv_vcfg_snapshot(const struct xv_vcfg *cfg, uint8_t out[XV_VCFG_SIZE]);

/* ---- parsing raw bytes (both sides) ---------------------------------------
 * Each returns 0, -ENOENT (not there), -ELOOP (a pointer loop), -EINVAL
 * (a pointer outside its list's range, a bad length or a bad value). */

/* Offset of the first standard capability with this ID. */
int xv_vcfg_find_cap(const uint8_t cfg[XV_VCFG_SIZE], uint8_t cap_id,
		     uint32_t *offset);
/* Offset of the first extended capability with this ID. */
int xv_vcfg_find_ext_cap(const uint8_t cfg[XV_VCFG_SIZE], uint16_t cap_id,
			 uint32_t *offset);
/* Offset of the DVSEC with this vendor and DVSEC ID. */
int xv_vcfg_find_dvsec(const uint8_t cfg[XV_VCFG_SIZE], uint16_t vendor,
		       uint16_t dvsec_id, uint32_t *offset);

/*
 * Recover the limits from our DVSEC; checks it is ours (vendor, ID, a
 * revision we know, a length that holds every register), that a PCIe
 * capability is present, that pasid_width is 1..20 and equals the PASID
 * capability's Max PASID Width when there is one.
 */
int xv_vcfg_decode_limits(const uint8_t cfg[XV_VCFG_SIZE],
			  struct xv_limits *out);

/* One unused range of extended config space, as the DVSEC lists it. */
struct xv_vcfg_range {
	uint16_t offset;
	uint16_t length;
};

/* The free ranges the DVSEC lists (at most XV_DVSEC_FREE_MAX); each is
 * checked to lie in 0x100..0xfff, dword-aligned. -ENOSPC when there are
 * more than max. */
int xv_vcfg_decode_free_ranges(const uint8_t cfg[XV_VCFG_SIZE],
			       struct xv_vcfg_range *out, unsigned int max,
			       unsigned int *count);

#endif /* XV_VCFG_H */
