/*
 * fuzz-input.h — what the libFuzzer targets (tests/fuzz/) share: an
 * invariant check that aborts (libFuzzer then keeps the input), and a
 * cursor that takes fixed-width values off the input, zeros once it runs
 * out, so every input is a complete case and short inputs stay cheap.
 */
#ifndef XV_FUZZ_INPUT_H
#define XV_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant of the code under test; its failure is the finding. */
#define xv_require(cond)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);               \
			abort();                                          \
		}                                                         \
	} while (0)

struct xv_fuzz_in {
	const uint8_t *p;
	size_t left;
};

void xv_fuzz_in_init(struct xv_fuzz_in *in, const uint8_t *data, size_t size);
/* The next n octets into out; what the input lacks reads as zero. */
void xv_fuzz_bytes(struct xv_fuzz_in *in, void *out, size_t n);
uint8_t xv_fuzz_u8(struct xv_fuzz_in *in);
uint16_t xv_fuzz_u16(struct xv_fuzz_in *in); /* little-endian */
uint32_t xv_fuzz_u32(struct xv_fuzz_in *in); /* little-endian */

#endif /* XV_FUZZ_INPUT_H */
