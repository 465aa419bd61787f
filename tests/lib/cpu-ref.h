/*
 * cpu-ref.h — CPU reference computations of the GPU commands (FILL, COPY,
 * SAXPY, MATMUL) that tests and benchmarks check the GPU's results
 * against, bit for bit.
 *
 * Bit-exact means the same IEEE-754 f32 operations in the same order as
 * the reference GPU (backend/gpu-ref.c) and the contract in common/cmd.h:
 *  - SAXPY: t = a * x[i] rounded to f32, then y[i] = t + y[i];
 *  - MATMUL: acc = 0.0f, then for p = 0..k-1 ascending
 *    acc = acc + A[i][p] * B[p][j], the product rounded first.
 * The build uses -ffp-contract=off, so neither side is fused into an FMA.
 * NaN payloads may differ (a vectorised loop may swap the operands of a
 * commutative operation); a NaN stays a NaN.
 * The code here is written independently of the GPU's (plain loops over
 * flat host arrays, no paging) so that a shared bug does not hide.
 */
#ifndef XV_CPU_REF_H
#define XV_CPU_REF_H

#include <stddef.h>
#include <stdint.h>

/* bytes is a multiple of 4; the pattern is stored little-endian. */
void xv_ref_fill(void *dst, size_t bytes, uint32_t pattern);
void xv_ref_copy(void *dst, const void *src, size_t bytes);
void xv_ref_saxpy(float *y, const float *x, size_t n, float a);
/* C (m x n) = A (m x k) x B (k x n), all row-major. */
void xv_ref_matmul(float *c, const float *a, const float *b, size_t m, size_t n,
		   size_t k);

#endif /* XV_CPU_REF_H */
