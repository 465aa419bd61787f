/*
 * cpu-ref.c — CPU reference of the GPU's commands; see cpu-ref.h for the
 * operation order that makes the comparison bit-exact.
 */
#include "cpu-ref.h"

#include <string.h>

void xv_ref_fill(void *dst, size_t bytes, uint32_t pattern)
{
	uint8_t *p = dst;
	uint8_t le[4] = {(uint8_t)pattern, (uint8_t)(pattern >> 8),
			 (uint8_t)(pattern >> 16), (uint8_t)(pattern >> 24)};

	for (size_t i = 0; i + 4 <= bytes; i += 4)
		memcpy(p + i, le, 4);
}

void xv_ref_copy(void *dst, const void *src, size_t bytes)
{
	memmove(dst, src, bytes);
}

void xv_ref_saxpy(float *y, const float *x, size_t n, float a)
{
	for (size_t i = 0; i < n; i++) {
		float t = a * x[i];

		y[i] = t + y[i];
	}
}

void xv_ref_matmul(float *c, const float *a, const float *b, size_t m, size_t n,
		   size_t k)
{
	/* i, j, p order: one accumulator per element, p ascending. */
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			float acc = 0.0f;

			for (size_t p = 0; p < k; p++) {
				float prod = a[i * k + p] * b[p * n + j];

				acc = acc + prod;
			}
			c[i * n + j] = acc;
		}
}
