/*
 * ctl-util.h — small helpers of the dom0 control tool: one-line error
 * messages, strict decimal and size parsing, and "did you mean" lookup.
 *
 * Everything here is pure (no Xen, no I/O) so the unit tests can use it.
 */
#ifndef XV_CTL_UTIL_H
#define XV_CTL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The one-line reason of a failure, printed by main() as is. */
struct ctl_err {
	char msg[512];
};

/* Set err->msg (printf format); err may be NULL. Returns -EINVAL. */
int ctl_err_set(struct ctl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Strict unsigned decimal: digits only, no sign, no blanks, no leading
 * zeros except "0" itself, at most max. 0, -EINVAL (not a number) or
 * -ERANGE (above max).
 */
int ctl_parse_u32(const char *s, uint32_t max, uint32_t *out);

/*
 * A byte count: a decimal with an optional binary suffix K, M or G
 * (KiB, MiB, GiB; upper or lower case). 0, -EINVAL or -ERANGE.
 */
int ctl_parse_size(const char *s, uint64_t max, uint64_t *out);

/* Levenshtein distance, capped at 255 (long words are never "close"). */
unsigned ctl_edit_distance(const char *a, const char *b);

/*
 * The candidate closest to word if it is close enough to be a likely
 * typo (distance <= 2, or <= 1 for short words; or one is a prefix of the
 * other), else NULL.
 */
const char *ctl_closest(const char *word, const char *const *cands,
			size_t ncands);

/* Copy s without blanks at both ends into out (size outsz); -ENAMETOOLONG. */
int ctl_strip_copy(const char *s, size_t len, char *out, size_t outsz);

#endif /* XV_CTL_UTIL_H */
