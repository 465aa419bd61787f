/*
 * util.c — error messages, strict number parsing and typo suggestions for
 * xenvgpu-ctl. Input here is the administrator's (command line, config
 * files): it is not hostile, but a mistake must be named, never guessed.
 */
#include "ctl-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ctl_err_set(struct ctl_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Digits only, at most max; no sign, no leading zero. */
static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		/* Saturate instead of wrapping: the range check follows. */
		if (v > (UINT64_MAX - 9) / 10)
			v = UINT64_MAX;
		else
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ctl_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int rc = parse_u64(s, strlen(s), max, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int ctl_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	size_t len = strlen(s);
	unsigned shift = 0;
	uint64_t v;
	int rc;

	if (len > 1) {
		switch (s[len - 1]) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		}
		if (shift)
			len--;
	}
	rc = parse_u64(s, len, UINT64_MAX >> shift, &v);
	if (rc == -ERANGE || (rc == 0 && (v << shift) > max))
		return -ERANGE;
	if (rc)
		return rc;
	*out = v << shift;
	return 0;
}

unsigned ctl_edit_distance(const char *a, const char *b)
{
	enum { N = 64 };
	unsigned row[N + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > N || lb > N)
		return 255;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb] > 255 ? 255 : row[lb];
}

const char *ctl_closest(const char *word, const char *const *cands,
			size_t ncands)
{
	const char *best = NULL;
	unsigned best_d = 255;
	size_t wl = strlen(word);

	for (size_t i = 0; i < ncands; i++) {
		unsigned d = ctl_edit_distance(word, cands[i]);
		size_t cl = strlen(cands[i]);

		/* "max-ctx" for "max-contexts": a prefix counts as close. */
		if (wl >= 3 && cl > wl && strncmp(word, cands[i], wl) == 0 &&
		    d > 1)
			d = 2;
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	if (!best || best_d > (wl <= 4 ? 1u : 2u))
		return NULL;
	return best;
}

int ctl_strip_copy(const char *s, size_t len, char *out, size_t outsz)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= outsz)
		return -ENAMETOOLONG;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}
