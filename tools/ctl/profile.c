/*
 * profile.c — the profiles file: an INI-like list of [name] sections of
 * "key = value" lines, each key one limit of ctl-limits.h. Written by the
 * administrator, so errors are named precisely (FILE:LINE: ...), never
 * skipped: a typo in a limit must not silently become a default.
 */
#include "ctl-profile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_BYTES 1024

int ctl_profile_name_valid(const char *name)
{
	char copy[CTL_PROFILE_NAME_MAX];

	if (!isalnum((unsigned char)name[0]))
		return 0;
	return xv_xs_parse_profile(name, strlen(name), copy, sizeof(copy)) == 0;
}

const struct ctl_profile *ctl_profile_find(const struct ctl_profiles *ps,
					   const char *name)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].name, name) == 0)
			return &ps->p[i];
	return NULL;
}

const struct ctl_profile *ctl_profile_lookup(const struct ctl_profiles *ps,
					     const char *name,
					     const char *fname,
					     struct ctl_err *err)
{
	const struct ctl_profile *p = ctl_profile_find(ps, name);
	const char *names[CTL_PROFILES_MAX];
	const char *near;
	char known[256];
	size_t off = 0;

	if (p)
		return p;
	for (unsigned i = 0; i < ps->n; i++)
		names[i] = ps->p[i].name;
	near = ctl_closest(name, names, ps->n);
	if (near) {
		ctl_err_set(err,
			    "unknown profile '%s' in %s (did you mean "
			    "'%s'?)",
			    name, fname, near);
		return NULL;
	}
	known[0] = '\0';
	for (unsigned i = 0; i < ps->n && off < sizeof(known); i++) {
		int r = snprintf(known + off, sizeof(known) - off, "%s%s",
				 i ? ", " : "", names[i]);
		if (r < 0)
			break;
		off += (size_t)r;
	}
	ctl_err_set(err, "unknown profile '%s' in %s (known: %s)", name, fname,
		    ps->n ? known : "none");
	return NULL;
}

/* The section that just ended must hold a consistent set of limits. */
static int close_section(struct ctl_profiles *out, const char *fname,
			 struct ctl_err *err)
{
	struct ctl_profile *p;
	struct ctl_err why;

	if (out->n == 0)
		return 0;
	p = &out->p[out->n - 1];
	if (ctl_limits_check(&p->limits, &why))
		return ctl_err_set(err, "%s:%u: profile '%s': %s", fname,
				   p->line, p->name, why.msg);
	return 0;
}

static int parse_section(struct ctl_profiles *out, char *s, unsigned line,
			 const char *fname, struct ctl_err *err)
{
	size_t len = strlen(s);
	char name[CTL_PROFILE_NAME_MAX];
	struct ctl_profile *p;
	int rc;

	if (s[len - 1] != ']')
		return ctl_err_set(err, "%s:%u: missing ']' in section header",
				   fname, line);
	if (ctl_strip_copy(s + 1, len - 2, name, sizeof(name)) ||
	    !ctl_profile_name_valid(name))
		return ctl_err_set(err,
				   "%s:%u: bad profile name '%.*s' (1..%d of "
				   "a-z 0-9 _ -, starting with a letter or "
				   "digit)",
				   fname, line, (int)(len - 2), s + 1,
				   CTL_PROFILE_NAME_MAX - 1);
	rc = close_section(out, fname, err);
	if (rc)
		return rc;
	p = (struct ctl_profile *)ctl_profile_find(out, name);
	if (p)
		return ctl_err_set(err,
				   "%s:%u: profile '%s' defined twice (first "
				   "at line %u)",
				   fname, line, name, p->line);
	if (out->n == CTL_PROFILES_MAX)
		return ctl_err_set(err, "%s:%u: more than %d profiles", fname,
				   line, CTL_PROFILES_MAX);
	p = &out->p[out->n++];
	memset(p, 0, sizeof(*p));
	memcpy(p->name, name, strlen(name) + 1);
	ctl_limits_default(&p->limits);
	p->line = line;
	return 0;
}

/* seen: the line each key was set on in this section (0: not yet). */
static int parse_assignment(struct ctl_profiles *out, char *s, unsigned line,
			    unsigned *seen, const char *fname,
			    struct ctl_err *err)
{
	char *eq = strchr(s, '=');
	char key[64], value[LINE_MAX_BYTES];
	struct ctl_err why;
	int k;

	if (!eq)
		return ctl_err_set(err,
				   "%s:%u: expected '[profile]' or 'key "
				   "= value', got '%s'",
				   fname, line, s);
	if (ctl_strip_copy(s, (size_t)(eq - s), key, sizeof(key)) ||
	    key[0] == '\0')
		return ctl_err_set(err, "%s:%u: bad or missing key before '='",
				   fname, line);
	ctl_strip_copy(eq + 1, strlen(eq + 1), value, sizeof(value));
	k = ctl_limit_find(key);
	if (k < 0) {
		const char *near =
		    ctl_closest(key, ctl_limit_names(), CTL_LIM_COUNT);

		if (near)
			return ctl_err_set(err,
					   "%s:%u: unknown key '%s' (did "
					   "you mean '%s'?)",
					   fname, line, key, near);
		return ctl_err_set(err, "%s:%u: unknown key '%s'", fname, line,
				   key);
	}
	if (out->n == 0)
		return ctl_err_set(err,
				   "%s:%u: '%s' outside a profile (start one "
				   "with [name])",
				   fname, line, key);
	if (seen[k])
		return ctl_err_set(err,
				   "%s:%u: '%s' set twice (first at line "
				   "%u)",
				   fname, line, key, seen[k]);
	if (value[0] == '\0')
		return ctl_err_set(err, "%s:%u: '%s' has no value", fname, line,
				   key);
	if (ctl_limit_set(&out->p[out->n - 1].limits, k, value, &why))
		return ctl_err_set(err, "%s:%u: %s", fname, line, why.msg);
	seen[k] = line;
	return 0;
}

int ctl_profiles_parse(struct ctl_profiles *out, const char *text, size_t len,
		       const char *fname, struct ctl_err *err)
{
	unsigned seen[CTL_LIM_COUNT];
	unsigned line = 0;
	size_t pos = 0;
	int rc;

	out->n = 0;
	memset(seen, 0, sizeof(seen));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char buf[LINE_MAX_BYTES], *s;

		line++;
		if (memchr(text + pos, '\0', llen))
			return ctl_err_set(err, "%s:%u: NUL byte", fname, line);
		if (ctl_strip_copy(text + pos, llen, buf, sizeof(buf)))
			return ctl_err_set(err,
					   "%s:%u: line longer than %d "
					   "bytes",
					   fname, line, LINE_MAX_BYTES - 1);
		pos += llen + 1;
		s = buf;
		if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			rc = parse_section(out, s, line, fname, err);
			memset(seen, 0, sizeof(seen));
		} else {
			rc = parse_assignment(out, s, line, seen, fname, err);
		}
		if (rc)
			return rc;
	}
	rc = close_section(out, fname, err);
	if (rc)
		return rc;
	if (out->n == 0)
		return ctl_err_set(err, "%s: no profiles defined", fname);
	return 0;
}

int ctl_profiles_load(struct ctl_profiles *out, const char *path,
		      struct ctl_err *err)
{
	char *text = NULL;
	struct stat st;
	size_t got = 0;
	int fd = -1;
	int rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		ctl_err_set(err, "cannot read profiles file %s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CTL_PROFILES_FILE_MAX) {
		rc = ctl_err_set(err,
				 "%s: not a regular file of at most %u "
				 "bytes",
				 path, CTL_PROFILES_FILE_MAX);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		rc = -ENOMEM;
		ctl_err_set(err, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			ctl_err_set(err, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	rc = ctl_profiles_parse(out, text, got, path, err);
out:
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}
