/*
 * xs-path.c — bounded builders and a strict splitter for device paths.
 *
 * Paths that come back from a watch may be written by anyone who can
 * write under the watched tree; they are split strictly (xs-parse).
 */
#include "xs-path.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vgpuif.h"
#include "xs-parse.h"

static int fmt(char *buf, size_t len, const char *f, ...)
    __attribute__((format(printf, 3, 4)));

static int fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	if (len == 0)
		return -ENAMETOOLONG;
	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int xv_xs_backend_root(char *buf, size_t len, unsigned int be_domid)
{
	if (be_domid > XV_XS_DOMID_MAX)
		return -EINVAL;
	return fmt(buf, len, "/local/domain/%u/backend/%s", be_domid,
		   XV_DRIVER_NAME);
}

int xv_xs_backend_dir(char *buf, size_t len, unsigned int be_domid,
		      unsigned int domid, unsigned int devid)
{
	if (be_domid > XV_XS_DOMID_MAX || domid > XV_XS_DOMID_MAX ||
	    devid > XV_XS_DEVID_MAX)
		return -EINVAL;
	return fmt(buf, len, "/local/domain/%u/backend/%s/%u/%u", be_domid,
		   XV_DRIVER_NAME, domid, devid);
}

int xv_xs_frontend_dir(char *buf, size_t len, unsigned int domid,
		       unsigned int devid)
{
	if (domid > XV_XS_DOMID_MAX || devid > XV_XS_DEVID_MAX)
		return -EINVAL;
	return fmt(buf, len, "/local/domain/%u/device/%s/%u", domid,
		   XV_DRIVER_NAME, devid);
}

int xv_xs_frontend_root(char *buf, size_t len, unsigned int domid)
{
	if (domid > XV_XS_DOMID_MAX)
		return -EINVAL;
	return fmt(buf, len, "/local/domain/%u/device/%s", domid,
		   XV_DRIVER_NAME);
}

int xv_xs_node(char *buf, size_t len, const char *dir, const char *node)
{
	return fmt(buf, len, "%s/%s", dir, node);
}

/* One path component as a canonical decimal id in [0, max]. */
static int split_id(const char **p, unsigned int max, unsigned int *out)
{
	const char *s = *p;
	size_t n = strcspn(s, "/");
	uint32_t v;
	int rc = xv_xs_parse_u32(s, n, 0, max, &v);

	if (rc)
		return -EINVAL;
	*out = v;
	*p = s + n;
	return 0;
}

int xv_xs_split_backend_path(const char *path, const char *root,
			     unsigned int *domid, unsigned int *devid,
			     int *domid_only, const char **tail)
{
	size_t rl = strlen(root);
	const char *p;

	*domid_only = 0;
	if (strncmp(path, root, rl) != 0 || path[rl] != '/')
		return -ENOENT;
	p = path + rl + 1;
	if (split_id(&p, XV_XS_DOMID_MAX, domid))
		return -EINVAL;
	if (*p == '\0') {
		*domid_only = 1;
		*tail = p;
		return 0;
	}
	p++; /* the '/' */
	if (split_id(&p, XV_XS_DEVID_MAX, devid))
		return -EINVAL;
	*tail = p;
	return 0;
}
