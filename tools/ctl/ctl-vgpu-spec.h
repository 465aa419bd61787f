/*
 * ctl-vgpu-spec.h — one vGPU as the administrator asks for it: the
 * "key=value, ..." string of a `vgpu = [ ... ]` entry of an xl domain
 * config, or the KEY=VALUE words of `xenvgpu-ctl attach`.
 *
 * Keys: profile, devid, and every limit key of ctl-limits.h as a
 * per-device override of the profile's value. In a vgpu entry the items
 * are separated by commas, so a features list there uses '+'
 * (features=holdoff+multi-page-ring).
 *
 * The xl config is read with libxlutil, the parser xl itself uses, so a
 * file this tool accepts is a file xl accepts (xl ignores the key).
 */
#ifndef XV_CTL_VGPU_SPEC_H
#define XV_CTL_VGPU_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "ctl-profile.h"

#define CTL_DEVID_MAX	    255
#define CTL_VGPUS_MAX	    16 /* entries in one xl config */
#define CTL_DOMAIN_NAME_MAX 64

struct ctl_vgpu_spec {
	char profile[CTL_PROFILE_NAME_MAX]; /* "" if not given */
	int devid;			    /* -1 if not given */
	uint32_t set;			    /* bit k: limit key k given */
	struct xv_limits over;		    /* the given values */
};

/* An empty spec: default profile, any devid, no overrides. */
void ctl_vgpu_spec_init(struct ctl_vgpu_spec *spec);

/* Add one "key=value" item. 0 or -EINVAL with err naming the key. */
int ctl_vgpu_spec_add(struct ctl_vgpu_spec *spec, const char *item,
		      struct ctl_err *err);

/* Parse a whole entry "key=value, key=value". */
int ctl_vgpu_spec_parse(struct ctl_vgpu_spec *spec, const char *entry,
			struct ctl_err *err);

/* The profile the spec names, or CTL_DEFAULT_PROFILE. */
const char *ctl_vgpu_spec_profile(const struct ctl_vgpu_spec *spec);

/*
 * The limits of the device: the profile's, then the overrides, then the
 * cross-key rules (ctl_limits_check). pfname labels messages. 0 or
 * -EINVAL/-ENOENT with err set.
 */
int ctl_vgpu_spec_limits(const struct ctl_vgpu_spec *spec,
			 const struct ctl_profiles *ps, const char *pfname,
			 struct xv_limits *out, struct ctl_err *err);

/*
 * Give every spec without a devid the lowest devid that is neither in
 * use (used[devid] != 0, CTL_DEVID_MAX + 1 entries) nor asked for by
 * another spec. An explicit devid already in use: -EEXIST; two specs
 * with one devid: -EINVAL; no free devid: -ENOSPC; err says which.
 */
int ctl_vgpu_devids_assign(struct ctl_vgpu_spec *specs, unsigned n,
			   const uint8_t *used, struct ctl_err *err);

/* What an xl domain config says about vGPUs. */
struct ctl_xlcfg {
	char name[CTL_DOMAIN_NAME_MAX]; /* "name = ..." or "" */
	unsigned n;
	struct ctl_vgpu_spec vgpu[CTL_VGPUS_MAX];
};

/*
 * Read the xl config at path with libxlutil: its name and every vgpu
 * entry. No vgpu key gives n = 0. A syntax error (libxlutil's message),
 * a vgpu that is not a list of strings, a bad entry or a devid used twice
 * is -EINVAL with err = "PATH: ...".
 */
int ctl_xlcfg_read(const char *path, struct ctl_xlcfg *out,
		   struct ctl_err *err);

#endif /* XV_CTL_VGPU_SPEC_H */
