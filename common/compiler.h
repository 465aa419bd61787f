/*
 * compiler.h — small compiler and memory-ordering helpers for the core.
 *
 * The core is shared by dom0 (backend) and domU (frontend) and never calls
 * a Xen library; what it needs of barriers and single-copy atomicity is
 * spelt here with the compiler's builtins.
 */
#ifndef XV_COMPILER_H
#define XV_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#define XV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define xv_container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define xv_likely(x)   __builtin_expect(!!(x), 1)
#define xv_unlikely(x) __builtin_expect(!!(x), 0)

/* A compiler barrier: after copying a request out of shared memory. */
#define xv_barrier() __asm__ __volatile__("" ::: "memory")

/*
 * A live page-table entry is read and written with one 64-bit access, so
 * a concurrent walker sees the old entry or the new one, never a mix
 * (XSA-347). Release on store publishes the table it may point to.
 */
static inline void xv_pte_store(uint64_t *slot, uint64_t val)
{
	__atomic_store_n(slot, val, __ATOMIC_RELEASE);
}

static inline uint64_t xv_pte_load(const uint64_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* Read a word of guest-shared memory exactly once. */
#define XV_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

#endif /* XV_COMPILER_H */
