/*
 * ctl-profile.h — vGPU profiles: named sets of limits, read from
 * /etc/xenvgpu/profiles.conf (docs/xl-config.md describes the format).
 *
 *   # comment
 *   [small]
 *   max-contexts = 4
 *   features = holdoff, multi-page-ring
 *
 * Parsing is strict: an unknown key, a bad value, a duplicate key or
 * profile, a key outside a section are errors reported as FILE:LINE.
 * Keys a profile leaves out take the built-in defaults (ctl-limits.h).
 */
#ifndef XV_CTL_PROFILE_H
#define XV_CTL_PROFILE_H

#include <stddef.h>

#include "ctl-limits.h"
#include "ctl-util.h"
#include "xs-parse.h"

#define CTL_PROFILES_DEFAULT_PATH "/etc/xenvgpu/profiles.conf"
#define CTL_PROFILE_NAME_MAX	  (XV_XS_PROFILE_MAX + 1) /* with the NUL */
#define CTL_PROFILES_MAX	  64
#define CTL_DEFAULT_PROFILE	  "default" /* for entries naming none */
#define CTL_PROFILES_FILE_MAX	  (1u << 20)

struct ctl_profile {
	char name[CTL_PROFILE_NAME_MAX];
	struct xv_limits limits;
	unsigned line; /* of its [name] header */
};

struct ctl_profiles {
	unsigned n;
	struct ctl_profile p[CTL_PROFILES_MAX];
};

/*
 * A profile name: what the xenstore layer accepts in the profile node
 * (1..XV_XS_PROFILE_MAX of [a-z0-9_-]), starting with a letter or digit.
 * Returns 1 if valid.
 */
int ctl_profile_name_valid(const char *name);

/*
 * Parse len bytes of text; fname only labels the messages. 0, or -EINVAL
 * with err = "FNAME:LINE: reason".
 */
int ctl_profiles_parse(struct ctl_profiles *out, const char *text, size_t len,
		       const char *fname, struct ctl_err *err);

/* Read and parse the file at path. 0, -errno with err set. */
int ctl_profiles_load(struct ctl_profiles *out, const char *path,
		      struct ctl_err *err);

/* The profile called name, or NULL. */
const struct ctl_profile *ctl_profile_find(const struct ctl_profiles *ps,
					   const char *name);

/*
 * As ctl_profile_find, but a miss sets err to "unknown profile 'x' in
 * FNAME (did you mean 'y'? | known: a, b, c)" and returns NULL.
 */
const struct ctl_profile *ctl_profile_lookup(const struct ctl_profiles *ps,
					     const char *name,
					     const char *fname,
					     struct ctl_err *err);

#endif /* XV_CTL_PROFILE_H */
