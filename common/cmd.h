/*
 * cmd.h — the command-buffer format a guest writes for the GPU, the
 * scanner that checks it, and builders that append commands.
 *
 * Concepts:
 *  - A command buffer is what a SUBMIT names (common/vgpuif.h): a stream
 *    of fixed-layout commands, little-endian, each starting with an 8-octet
 *    header and a multiple of 8 octets long. Addresses are GPU VAs (u64),
 *    translated by the context's shadow page table when the GPU runs the
 *    buffer; nothing in a buffer names an IOVA, a host page or a PASID.
 *  - The buffer is guest input. The backend copies it out of the granted
 *    pages and scans the COPY (xv_cmd_scan) before anything runs; the
 *    device executes only that copy. The scanner rejects every malformed
 *    or privileged command with its own -XV_ERR_CMD_* code (vgpuif.h) and
 *    the byte offset of the culprit. Scan = validate only: it never writes.
 *  - Privileged opcodes (0x8000-0xffff) name what only the host may do:
 *    switch PASID, load a page-table root, write a device register, touch
 *    another context. A guest buffer containing one is always rejected.
 *
 * Header (8 octets):
 *         0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |              opcode             |      length (in dwords)         | 4
 * +----------------+----------------+----------------+----------------+
 * |                           reserved (0)                            | 8
 * +----------------+----------------+----------------+----------------+
 * length counts the whole command, header included, in 4-octet dwords,
 * and must be exactly the opcode's size (every command is fixed-size).
 *
 * Commands (size in octets; all other fields documented in the structs):
 *   0x0001 NOP          8   nothing
 *   0x0002 FILL        32   va, bytes, 32-bit pattern: va, bytes 4-aligned
 *   0x0003 COPY        32   src, dst, bytes; ranges must not overlap
 *   0x0010 SAXPY       32   y[i] = a * x[i] + y[i], i < n, f32, 4-aligned
 *   0x0011 MATMUL      48   C = A x B, row-major f32, A m*k, B k*n, C m*n
 *   0x0020 FENCE_WRITE 24   8-octet value written at va (8-aligned)
 *   0x0021 TIMESTAMP   16   the GPU clock (ns, u64) written at va (8-al.)
 *   0x0022 FLUSH        8   make this context's non-coherent (no-snoop)
 *                           writes visible in memory
 *   0x0000             invalid;  0x0004-0x7fff unassigned/reserved;
 *   0x8000-0xffff      privileged, never accepted from a guest
 *
 * Arithmetic (bit-exact contract with tests/lib/cpu-ref.c): SAXPY computes
 * a * x[i] in f32, then adds y[i] in f32 (never fused). MATMUL computes
 * each C[i][j] as acc = 0.0f; for p = 0..k-1: acc = acc + A[i][p]*B[p][j],
 * each product rounded to f32 before the add, p ascending. The build
 * passes -ffp-contract=off so no compiler fuses either. Results are
 * bit-exact except for NaN payloads: which operand's NaN an operation
 * propagates is not part of the contract (only that the result is NaN).
 *
 * Threads: everything here is pure; any thread may call it.
 */
#ifndef XV_CMD_H
#define XV_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"

/* ---- opcodes ---------------------------------------------------------------- */

#define XV_CMD_OP_INVALID     0x0000
#define XV_CMD_OP_NOP	      0x0001
#define XV_CMD_OP_FILL	      0x0002
#define XV_CMD_OP_COPY	      0x0003
#define XV_CMD_OP_SAXPY	      0x0010
#define XV_CMD_OP_MATMUL      0x0011
#define XV_CMD_OP_FENCE_WRITE 0x0020
#define XV_CMD_OP_TIMESTAMP   0x0021
#define XV_CMD_OP_FLUSH	      0x0022
#define XV_CMD_OP_USER_LAST   0x7fff
/* Privileged: host-only operations a guest may never issue. */
#define XV_CMD_OP_PRIV_FIRST	  0x8000
#define XV_CMD_OP_PRIV_SET_PASID  0x8001 /* bind the engine to a PASID */
#define XV_CMD_OP_PRIV_LOAD_ROOT  0x8002 /* load a page-table root */
#define XV_CMD_OP_PRIV_REG_WRITE  0x8003 /* write a device register */
#define XV_CMD_OP_PRIV_CTX_SWITCH 0x8004 /* run as another context */

/* ---- limits ------------------------------------------------------------------ */

#define XV_CMD_ALIGN	      8u	 /* every command's size */
#define XV_CMD_MAX_COMMANDS   8192u	 /* commands in one buffer */
#define XV_CMD_MAX_BYTES      (1u << 28) /* one FILL or COPY: 256 MiB */
#define XV_CMD_SAXPY_MAX_N    (1u << 24) /* elements of one SAXPY */
#define XV_CMD_MATMUL_MAX_DIM 1024u	 /* m, n, k each */
/* Work of one buffer: octets read + written, plus 2*m*n*k per MATMUL. */
#define XV_CMD_MAX_WORK (1ull << 32)

/* ---- wire layout ------------------------------------------------------------- */

struct xv_cmd_hdr {
	uint16_t opcode;
	uint16_t dwords; /* whole command, header included */
	uint32_t reserved;
};

struct xv_cmd_fill {
	struct xv_cmd_hdr hdr;
	uint64_t va;	  /* 4-aligned */
	uint64_t bytes;	  /* 4-aligned, 1..XV_CMD_MAX_BYTES */
	uint32_t pattern; /* stored little-endian at every 4-octet slot */
	uint32_t reserved;
};

struct xv_cmd_copy {
	struct xv_cmd_hdr hdr;
	uint64_t src;
	uint64_t dst;
	uint64_t bytes; /* 1..XV_CMD_MAX_BYTES */
};

struct xv_cmd_saxpy {
	struct xv_cmd_hdr hdr;
	uint64_t x;	 /* n floats, 4-aligned */
	uint64_t y;	 /* n floats, 4-aligned, not overlapping x */
	uint32_t n;	 /* 1..XV_CMD_SAXPY_MAX_N */
	uint32_t a_bits; /* a, IEEE-754 binary32 */
};

struct xv_cmd_matmul {
	struct xv_cmd_hdr hdr;
	uint64_t a; /* m*k floats, 4-aligned */
	uint64_t b; /* k*n floats, 4-aligned */
	uint64_t c; /* m*n floats, 4-aligned, overlapping neither A nor B */
	uint32_t m, n, k; /* 1..XV_CMD_MATMUL_MAX_DIM each */
	uint32_t reserved;
};

struct xv_cmd_fence_write {
	struct xv_cmd_hdr hdr;
	uint64_t va; /* 8-aligned */
	uint64_t value;
};

struct xv_cmd_timestamp {
	struct xv_cmd_hdr hdr;
	uint64_t va; /* 8-aligned */
};

/* A decoded command: hdr.opcode says which member is valid. */
union xv_cmd {
	struct xv_cmd_hdr hdr; /* NOP, FLUSH */
	struct xv_cmd_fill fill;
	struct xv_cmd_copy copy;
	struct xv_cmd_saxpy saxpy;
	struct xv_cmd_matmul matmul;
	struct xv_cmd_fence_write fence_write;
	struct xv_cmd_timestamp timestamp;
};

_Static_assert(sizeof(struct xv_cmd_hdr) == 8, "cmd hdr size");
_Static_assert(sizeof(struct xv_cmd_fill) == 32, "fill size");
_Static_assert(sizeof(struct xv_cmd_copy) == 32, "copy size");
_Static_assert(sizeof(struct xv_cmd_saxpy) == 32, "saxpy size");
_Static_assert(sizeof(struct xv_cmd_matmul) == 48, "matmul size");
_Static_assert(sizeof(struct xv_cmd_fence_write) == 24, "fence_write size");
_Static_assert(sizeof(struct xv_cmd_timestamp) == 16, "timestamp size");

/* Octets of a well-formed command of this opcode; 0 if none is defined. */
size_t xv_cmd_size(uint16_t opcode);
/* "FILL", "COPY", ...; "privileged", "unknown" otherwise. */
const char *xv_cmd_name(uint16_t opcode);
/* Compute command: needs the compute engine (SAXPY, MATMUL). */
bool xv_cmd_is_compute(uint16_t opcode);

/* ---- scanning ---------------------------------------------------------------- */

/* What the device needs to know of a scanned buffer. */
struct xv_cmd_scan {
	uint32_t commands; /* commands in the buffer */
	uint32_t compute;  /* of which compute commands */
	uint64_t work;	   /* octets read + written, + MATMUL flops */
	uint64_t flops;	   /* of which floating-point operations */
	uint32_t offset;   /* on failure: octet offset of the bad command */
};

/*
 * Check one command at buf[off] of a buffer of len octets and decode it
 * into *out (which may be NULL). 0 and *size set to its length, or
 * -XV_ERR_CMD_*. Reads only buf[off .. off + its size).
 */
int xv_cmd_decode(const void *buf, size_t len, size_t off, union xv_cmd *out,
		  size_t *size);

/*
 * Scan a private copy of a command buffer of len octets: every command
 * must decode and the whole must stay within the limits above. 0 with
 * *out filled (NULL ok), or -XV_ERR_SUBMIT_EMPTY (len 0) or the first
 * command's -XV_ERR_CMD_* with out->offset naming it.
 */
int xv_cmd_scan(const void *buf, size_t len, struct xv_cmd_scan *out);

/* ---- builders (the frontend; tests) -------------------------------------- */

/* Appends commands to buf[0..cap); len is the octets written so far. */
struct xv_cmd_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

void xv_cmd_builder_init(struct xv_cmd_builder *b, void *buf, size_t cap);

/*
 * Each appends one command as given and returns 0, or -ENOSPC when it
 * does not fit (nothing appended). They do not judge the arguments: a
 * frontend scans what it built (xv_cmd_scan) to catch its own mistakes.
 */
int xv_cmd_nop(struct xv_cmd_builder *b);
int xv_cmd_fill(struct xv_cmd_builder *b, uint64_t va, uint64_t bytes,
		uint32_t pattern);
int xv_cmd_copy(struct xv_cmd_builder *b, uint64_t src, uint64_t dst,
		uint64_t bytes);
int xv_cmd_saxpy(struct xv_cmd_builder *b, uint64_t x, uint64_t y, uint32_t n,
		 float a);
int xv_cmd_matmul(struct xv_cmd_builder *b, uint64_t a, uint64_t bm, uint64_t c,
		  uint32_t m, uint32_t n, uint32_t k);
int xv_cmd_fence_write(struct xv_cmd_builder *b, uint64_t va, uint64_t value);
int xv_cmd_timestamp(struct xv_cmd_builder *b, uint64_t va);
int xv_cmd_flush(struct xv_cmd_builder *b);
/* Any command as raw octets (size a multiple of 8): tests, extensions. */
int xv_cmd_raw(struct xv_cmd_builder *b, const void *cmd, size_t size);

/* f32 <-> its bits, for a_bits. */
float xv_cmd_f32(uint32_t bits);
uint32_t xv_cmd_f32_bits(float f);

#endif /* XV_CMD_H */
