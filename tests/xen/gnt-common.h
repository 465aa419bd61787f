/*
 * gnt-common.h — what both sides of the grant suite agree on: page
 * patterns (who wrote a page, which page of a batch) and batch size.
 */
#ifndef XV_GNT_COMMON_H
#define XV_GNT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define GNT_PAGE  4096u
#define GNT_BATCH 64u
/* Out of range for any grant table a domU gets (v1: 512 refs a frame). */
#define GNT_BAD_REF	(1u << 24)
#define GNT_TAG_DOMU	0xd0d0u /* written by the domU */
#define GNT_TAG_DOM0	0x0d0du /* reply written by dom0 */
#define GNT_NOTIFY_BYTE 0	/* offset gntalloc clears on release */

static inline uint32_t gnt_word(uint32_t tag, uint32_t page, uint32_t i)
{
	return (tag << 16) ^ (page * 0x9e3779b9u) ^ (i * 0x85ebca6bu);
}

static inline void gnt_fill(void *p, uint32_t tag, uint32_t page)
{
	uint32_t *w = p;

	for (uint32_t i = 0; i < GNT_PAGE / 4; i++)
		w[i] = gnt_word(tag, page, i);
}

/* Offset of the first word that differs from the pattern, or -1. */
static inline long gnt_check(const void *p, uint32_t tag, uint32_t page,
			     uint32_t from_word)
{
	const volatile uint32_t *w = p;

	for (uint32_t i = from_word; i < GNT_PAGE / 4; i++)
		if (w[i] != gnt_word(tag, page, i))
			return (long)i * 4;
	return -1;
}

#endif /* XV_GNT_COMMON_H */
