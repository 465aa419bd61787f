/*
 * vgpu-spec.c — parse the administrator's description of one vGPU (a
 * vgpu entry of an xl config, or attach's KEY=VALUE words) and read the
 * vgpu list of an xl config with libxlutil.
 *
 * Trusts nothing in the strings; trusts libxlutil to parse the file the
 * way xl does.
 */
#include "ctl-vgpu-spec.h"

#include <errno.h>
#include <libxlutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The keys an entry knows besides the limit keys. */
static const char *const own_keys[] = {"profile", "devid"};

void ctl_vgpu_spec_init(struct ctl_vgpu_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->devid = -1;
}

static int unknown_key(const char *key, struct ctl_err *err)
{
	const char *cands[2 + CTL_LIM_COUNT];
	const char *near;

	cands[0] = own_keys[0];
	cands[1] = own_keys[1];
	memcpy(cands + 2, ctl_limit_names(), sizeof(char *) * CTL_LIM_COUNT);
	near = ctl_closest(key, cands, 2 + CTL_LIM_COUNT);
	if (near)
		return ctl_err_set(err,
				   "unknown vgpu key '%s' (did you mean "
				   "'%s'?)",
				   key, near);
	return ctl_err_set(err,
			   "unknown vgpu key '%s' (known: profile, "
			   "devid and the profile keys, e.g. "
			   "max-contexts)",
			   key);
}

int ctl_vgpu_spec_add(struct ctl_vgpu_spec *spec, const char *item,
		      struct ctl_err *err)
{
	const char *eq = strchr(item, '=');
	char key[64], value[256];
	uint32_t v;
	int k;

	if (!eq)
		return ctl_err_set(err, "expected key=value, got '%s'", item);
	if (ctl_strip_copy(item, (size_t)(eq - item), key, sizeof(key)) ||
	    key[0] == '\0')
		return ctl_err_set(err, "missing or bad key in '%s'", item);
	if (ctl_strip_copy(eq + 1, strlen(eq + 1), value, sizeof(value)))
		return ctl_err_set(err, "%s: value too long", key);
	if (value[0] == '\0')
		return ctl_err_set(err, "%s: no value", key);

	if (strcmp(key, "profile") == 0) {
		if (spec->profile[0])
			return ctl_err_set(err, "profile given twice");
		if (!ctl_profile_name_valid(value))
			return ctl_err_set(err, "profile: bad name '%s'",
					   value);
		memcpy(spec->profile, value, strlen(value) + 1);
		return 0;
	}
	if (strcmp(key, "devid") == 0) {
		if (spec->devid >= 0)
			return ctl_err_set(err, "devid given twice");
		switch (ctl_parse_u32(value, CTL_DEVID_MAX, &v)) {
		case 0:
			spec->devid = (int)v;
			return 0;
		case -ERANGE:
			return ctl_err_set(err,
					   "devid: %s is out of range "
					   "0..%d",
					   value, CTL_DEVID_MAX);
		default:
			return ctl_err_set(err,
					   "devid: '%s' is not a decimal "
					   "number",
					   value);
		}
	}
	k = ctl_limit_find(key);
	if (k < 0)
		return unknown_key(key, err);
	if (spec->set & (1u << k))
		return ctl_err_set(err, "%s given twice", key);
	if (ctl_limit_set(&spec->over, k, value, err))
		return -EINVAL;
	spec->set |= 1u << k;
	return 0;
}

int ctl_vgpu_spec_parse(struct ctl_vgpu_spec *spec, const char *entry,
			struct ctl_err *err)
{
	const char *p = entry;
	char item[320];
	int rc;

	ctl_vgpu_spec_init(spec);
	if (strspn(entry, " \t") == strlen(entry))
		return ctl_err_set(err, "empty vgpu entry (write at least "
					"profile=NAME)");
	for (;;) {
		size_t len = strcspn(p, ",");

		if (ctl_strip_copy(p, len, item, sizeof(item)))
			return ctl_err_set(err, "item too long: '%.40s...'", p);
		if (item[0] == '\0')
			return ctl_err_set(err,
					   "empty item in '%s' (stray "
					   "comma?)",
					   entry);
		rc = ctl_vgpu_spec_add(spec, item, err);
		if (rc)
			return rc;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return 0;
}

const char *ctl_vgpu_spec_profile(const struct ctl_vgpu_spec *spec)
{
	return spec->profile[0] ? spec->profile : CTL_DEFAULT_PROFILE;
}

int ctl_vgpu_spec_limits(const struct ctl_vgpu_spec *spec,
			 const struct ctl_profiles *ps, const char *pfname,
			 struct xv_limits *out, struct ctl_err *err)
{
	const struct ctl_profile *prof;
	struct ctl_err why;
	struct xv_limits lim;

	prof = ctl_profile_lookup(ps, ctl_vgpu_spec_profile(spec), pfname, err);
	if (!prof)
		return -ENOENT;
	lim = prof->limits;
	for (int k = 0; k < CTL_LIM_COUNT; k++)
		if (spec->set & (1u << k))
			ctl_limit_put(&lim, k, ctl_limit_get(&spec->over, k));
	if (ctl_limits_check(&lim, &why))
		return ctl_err_set(err, "profile '%s' with the overrides: %s",
				   prof->name, why.msg);
	*out = lim;
	return 0;
}

int ctl_vgpu_devids_assign(struct ctl_vgpu_spec *specs, unsigned n,
			   const uint8_t *used, struct ctl_err *err)
{
	uint8_t taken[CTL_DEVID_MAX + 1];
	int next = 0;

	memcpy(taken, used, sizeof(taken));
	for (unsigned i = 0; i < n; i++) {
		int d = specs[i].devid;

		if (d < 0)
			continue;
		if (used[d]) {
			ctl_err_set(err, "vgpu device %d already exists", d);
			return -EEXIST;
		}
		if (taken[d])
			return ctl_err_set(err, "devid %d is given twice", d);
		taken[d] = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (specs[i].devid >= 0)
			continue;
		while (next <= CTL_DEVID_MAX && taken[next])
			next++;
		if (next > CTL_DEVID_MAX) {
			ctl_err_set(err, "no free vgpu devid (0..%d in use)",
				    CTL_DEVID_MAX);
			return -ENOSPC;
		}
		specs[i].devid = next;
		taken[next] = 1;
	}
	return 0;
}

/* The first line libxlutil wrote to its report, without the newline. */
static void first_line(const char *report, char *out, size_t outsz)
{
	size_t len = report ? strcspn(report, "\n") : 0;

	if (len >= outsz)
		len = outsz - 1;
	if (len)
		memcpy(out, report, len);
	out[len] = '\0';
}

int ctl_xlcfg_read(const char *path, struct ctl_xlcfg *out, struct ctl_err *err)
{
	XLU_Config *cfg = NULL;
	XLU_ConfigList *list = NULL;
	char *report = NULL;
	size_t report_len = 0;
	FILE *rep = NULL;
	const char *name = NULL;
	char line[400];
	struct stat st;
	int entries = 0;
	int rc, r;

	memset(out, 0, sizeof(*out));
	/* libxlutil's scanner exit()s on a read error (a directory): only
	 * hand it a regular file we can open. */
	if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
		rc = -errno;
		ctl_err_set(err, "cannot read xl config %s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ctl_err_set(err, "xl config %s is not a regular file",
				 path);
		goto out;
	}
	rep = open_memstream(&report, &report_len);
	if (!rep) {
		rc = -errno;
		ctl_err_set(err, "open_memstream: %s", strerror(errno));
		goto out;
	}
	cfg = xlu_cfg_init(rep, path);
	if (!cfg) {
		rc = -ENOMEM;
		ctl_err_set(err, "out of memory");
		goto out;
	}
	r = xlu_cfg_readfile(cfg, path);
	if (r) {
		fflush(rep);
		first_line(report, line, sizeof(line));
		rc = -r;
		/* libxlutil's own line for a syntax error; for a file it
		 * cannot open it prints a stale errno, so say it here. */
		if (r == EINVAL && line[0])
			ctl_err_set(err, "%s", line);
		else
			ctl_err_set(err, "cannot read xl config %s: %s", path,
				    strerror(r));
		goto out;
	}

	r = xlu_cfg_get_string(cfg, "name", &name, 1);
	if (r == 0) {
		if (strlen(name) >= sizeof(out->name) || name[0] == '\0') {
			rc = ctl_err_set(err, "%s: bad domain name '%s'", path,
					 name);
			goto out;
		}
		memcpy(out->name, name, strlen(name) + 1);
	} else if (r != ESRCH) {
		rc = ctl_err_set(err, "%s: name must be a string", path);
		goto out;
	}

	r = xlu_cfg_get_list(cfg, "vgpu", &list, &entries, 1);
	if (r == ESRCH) {
		rc = 0;
		goto out;
	}
	if (r) {
		rc = ctl_err_set(err,
				 "%s: vgpu must be a list of strings, e.g. "
				 "vgpu = [ 'profile=small' ]",
				 path);
		goto out;
	}
	if (entries > CTL_VGPUS_MAX) {
		rc = ctl_err_set(err, "%s: %d vgpu entries, at most %d", path,
				 entries, CTL_VGPUS_MAX);
		goto out;
	}
	for (int i = 0; i < entries; i++) {
		const char *entry = xlu_cfg_get_listitem(list, i);
		struct ctl_err why;

		if (!entry) {
			rc = ctl_err_set(err,
					 "%s: vgpu entry %d is not a string",
					 path, i + 1);
			goto out;
		}
		if (ctl_vgpu_spec_parse(&out->vgpu[i], entry, &why)) {
			rc = ctl_err_set(err, "%s: vgpu entry %d ('%s'): %s",
					 path, i + 1, entry, why.msg);
			goto out;
		}
		for (int j = 0; j < i; j++)
			if (out->vgpu[i].devid >= 0 &&
			    out->vgpu[i].devid == out->vgpu[j].devid) {
				rc = ctl_err_set(err,
						 "%s: vgpu entries %d and %d "
						 "both use devid %d",
						 path, j + 1, i + 1,
						 out->vgpu[i].devid);
				goto out;
			}
		out->n++;
	}
	rc = 0;
out:
	if (cfg)
		xlu_cfg_destroy(cfg);
	if (rep)
		fclose(rep);
	free(report);
	return rc;
}
