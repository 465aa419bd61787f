/*
 * xs-device.c — create and remove a vGPU device's xenstore nodes; read
 * and write single nodes strictly (see xs-device.h).
 *
 * Trusts libxenstore for transport; trusts no value it reads.
 */
#include "xs-device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "vgpuif.h"

/* Conflicting transactions are retried; this bounds a livelock. */
#define TX_RETRIES 32

static int write_node(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		      const char *name, const char *val)
{
	char path[XV_XS_PATH_MAX];
	int rc = xv_xs_node(path, sizeof(path), dir, name);

	if (rc)
		return rc;
	if (!xs_write(xs, t, path, val, strlen(val)))
		return errno ? -errno : -EIO;
	return 0;
}

static int write_u32(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		     const char *name, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	return write_node(xs, t, dir, name, buf);
}

static bool node_exists(struct xs_handle *xs, xs_transaction_t t,
			const char *path)
{
	unsigned int len;
	char *v = xs_read(xs, t, path, &len);

	free(v);
	return v != NULL;
}

/* mkdir + perms; the children written after inherit the perms. */
static int make_dir(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		    unsigned int owner, unsigned int reader)
{
	struct xs_permissions perms[2] = {
	    {.id = owner, .perms = XS_PERM_NONE},
	    {.id = reader, .perms = XS_PERM_READ},
	};

	if (!xs_mkdir(xs, t, dir))
		return errno ? -errno : -EIO;
	if (!xs_set_permissions(xs, t, dir, perms, 2))
		return errno ? -errno : -EIO;
	return 0;
}

static int create_once(struct xs_handle *xs, const struct xv_xs_dev_spec *s,
		       const char *be, const char *fe, const char *fe_root)
{
	xs_transaction_t t;
	int rc = 0;

	t = xs_transaction_start(xs);
	if (t == XBT_NULL)
		return errno ? -errno : -EIO;
	if (node_exists(xs, t, be) || node_exists(xs, t, fe)) {
		rc = -EEXIST;
		goto out;
	}
	/* The guest lists device/vgpu to find its devices: it must read it. */
	if (!node_exists(xs, t, fe_root)) {
		rc = make_dir(xs, t, fe_root, s->domid, s->be_domid);
		if (rc)
			goto out;
	}
	rc = make_dir(xs, t, fe, s->domid, s->be_domid);
	if (rc)
		goto out;
	rc = make_dir(xs, t, be, s->be_domid, s->domid);
	if (rc)
		goto out;

	if ((rc = write_node(xs, t, fe, XV_FIELD_BACKEND, be)) ||
	    (rc = write_u32(xs, t, fe, XV_FIELD_BACKEND_ID, s->be_domid)) ||
	    (rc =
		 write_u32(xs, t, fe, XV_FIELD_STATE, XenbusStateInitialising)))
		goto out;
	if ((rc = write_node(xs, t, be, XV_FIELD_FRONTEND, fe)) ||
	    (rc = write_u32(xs, t, be, XV_FIELD_FRONTEND_ID, s->domid)) ||
	    (rc = write_u32(xs, t, be, XV_FIELD_STATE,
			    XenbusStateInitialising)) ||
	    (rc = write_node(xs, t, be, XV_FIELD_PROFILE, s->profile)))
		goto out;
	for (unsigned int i = 0; i < xv_xs_nr_limit_fields; i++) {
		const struct xv_xs_limit_field *f = &xv_xs_limit_fields[i];
		uint32_t v;

		memcpy(&v, (const char *)&s->limits + f->offset, sizeof(v));
		rc = write_u32(xs, t, be, f->name, v);
		if (rc)
			goto out;
	}
	/* online last: the backend acts on a complete directory */
	rc = write_u32(xs, t, be, XV_FIELD_ONLINE, 1);
out:
	if (rc) {
		xs_transaction_end(xs, t, true);
		return rc;
	}
	if (!xs_transaction_end(xs, t, false))
		return errno == EAGAIN ? -EAGAIN : (errno ? -errno : -EIO);
	return 0;
}

int xv_xs_device_create(struct xs_handle *xs, const struct xv_xs_dev_spec *spec,
			const char **bad)
{
	char be[XV_XS_PATH_MAX], fe[XV_XS_PATH_MAX], fe_root[XV_XS_PATH_MAX];
	char prof[XV_XS_PROFILE_MAX + 1];
	int rc;

	if (bad)
		*bad = NULL;
	rc = xv_xs_check_limits(&spec->limits, bad);
	if (rc)
		return -EINVAL;
	if (xv_xs_parse_profile(spec->profile,
				strnlen(spec->profile, sizeof(spec->profile)),
				prof, sizeof(prof))) {
		if (bad)
			*bad = XV_FIELD_PROFILE;
		return -EINVAL;
	}
	if ((rc = xv_xs_backend_dir(be, sizeof(be), spec->be_domid, spec->domid,
				    spec->devid)) ||
	    (rc = xv_xs_frontend_dir(fe, sizeof(fe), spec->domid,
				     spec->devid)) ||
	    (rc = xv_xs_frontend_root(fe_root, sizeof(fe_root), spec->domid)))
		return rc == -ENAMETOOLONG ? rc : -EINVAL;
	for (int i = 0; i < TX_RETRIES; i++) {
		rc = create_once(xs, spec, be, fe, fe_root);
		if (rc != -EAGAIN)
			break;
	}
	return rc;
}

/* Remove dir if it has no children left (the guest's backend/vgpu/<D>). */
static int rm_if_empty(struct xs_handle *xs, xs_transaction_t t,
		       const char *dir)
{
	unsigned int n = 0;
	char **list = xs_directory(xs, t, dir, &n);

	if (!list)
		return errno == ENOENT ? 0 : (errno ? -errno : -EIO);
	free(list);
	if (n == 0 && !xs_rm(xs, t, dir) && errno != ENOENT)
		return errno ? -errno : -EIO;
	return 0;
}

int xv_xs_device_remove(struct xs_handle *xs, unsigned int be_domid,
			unsigned int domid, unsigned int devid)
{
	char be[XV_XS_PATH_MAX], fe[XV_XS_PATH_MAX], be_parent[XV_XS_PATH_MAX];
	int rc;

	if ((rc = xv_xs_backend_dir(be, sizeof(be), be_domid, domid, devid)) ||
	    (rc = xv_xs_frontend_dir(fe, sizeof(fe), domid, devid)))
		return rc;
	snprintf(be_parent, sizeof(be_parent), "%s", be);
	*strrchr(be_parent, '/') = '\0'; /* .../backend/vgpu/<domid> */
	for (int i = 0; i < TX_RETRIES; i++) {
		xs_transaction_t t = xs_transaction_start(xs);

		if (t == XBT_NULL)
			return errno ? -errno : -EIO;
		/* xs_rm of a missing node fails with ENOENT: that is fine */
		if ((!xs_rm(xs, t, fe) && errno != ENOENT) ||
		    (!xs_rm(xs, t, be) && errno != ENOENT)) {
			rc = errno ? -errno : -EIO;
			xs_transaction_end(xs, t, true);
			return rc;
		}
		rc = rm_if_empty(xs, t, be_parent);
		if (rc) {
			xs_transaction_end(xs, t, true);
			return rc;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return errno ? -errno : -EIO;
	}
	return -EAGAIN;
}

int xv_xs_device_set_online(struct xs_handle *xs, unsigned int be_domid,
			    unsigned int domid, unsigned int devid, bool online)
{
	char be[XV_XS_PATH_MAX];
	int rc = xv_xs_backend_dir(be, sizeof(be), be_domid, domid, devid);

	if (rc)
		return rc;
	return write_u32(xs, XBT_NULL, be, XV_FIELD_ONLINE, online ? 1 : 0);
}

int xv_xs_device_exists(struct xs_handle *xs, unsigned int be_domid,
			unsigned int domid, unsigned int devid)
{
	char be[XV_XS_PATH_MAX];
	int rc = xv_xs_backend_dir(be, sizeof(be), be_domid, domid, devid);
	unsigned int len;
	char *v;

	if (rc)
		return rc;
	v = xs_read(xs, XBT_NULL, be, &len);
	if (v) {
		free(v);
		return 1;
	}
	return errno == ENOENT ? 0 : (errno ? -errno : -EIO);
}

/* ---- single nodes ----------------------------------------------------------- */

static const char *dir_get(void *arg, const char *name, size_t *len)
{
	struct xv_xs_dir_reader *r = arg;
	char path[XV_XS_PATH_MAX];
	unsigned int l = 0;
	char *v;

	if (xv_xs_node(path, sizeof(path), r->dir, name)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	v = xs_read(r->xs, r->t, path, &l);
	*len = l;
	return v;
}

static void dir_put(void *arg, const char *value)
{
	(void)arg;
	free((void *)value);
}

void xv_xs_dir_reader_init(struct xv_xs_dir_reader *r, struct xs_handle *xs,
			   xs_transaction_t t, const char *dir)
{
	r->rd.get = dir_get;
	r->rd.put = dir_put;
	r->rd.arg = r;
	r->xs = xs;
	r->t = t;
	r->dir = dir;
}

int xv_xs_read_dir_u32(struct xs_handle *xs, const char *dir, const char *name,
		       uint32_t min, uint32_t max, uint32_t *out)
{
	struct xv_xs_dir_reader r;

	xv_xs_dir_reader_init(&r, xs, XBT_NULL, dir);
	return xv_xs_read_u32(&r.rd, name, min, max, out);
}

int xv_xs_read_state(struct xs_handle *xs, const char *dir, unsigned int *state)
{
	uint32_t v;
	int rc = xv_xs_read_dir_u32(xs, dir, XV_FIELD_STATE, 0, 8, &v);

	if (rc == 0)
		*state = v;
	return rc;
}

int xv_xs_read_online(struct xs_handle *xs, const char *dir, bool *online)
{
	uint32_t v = 0;
	int rc = xv_xs_read_dir_u32(xs, dir, XV_FIELD_ONLINE, 0, 1, &v);

	*online = rc == 0 && v == 1;
	return rc;
}

int xv_xs_write_u32(struct xs_handle *xs, const char *dir, const char *name,
		    uint32_t v)
{
	return write_u32(xs, XBT_NULL, dir, name, v);
}

int xv_xs_write_str(struct xs_handle *xs, const char *dir, const char *name,
		    const char *v)
{
	return write_node(xs, XBT_NULL, dir, name, v);
}

int xv_xs_write_state(struct xs_handle *xs, const char *dir, unsigned int state)
{
	return write_u32(xs, XBT_NULL, dir, XV_FIELD_STATE, state);
}

int xv_xs_write_error(struct xs_handle *xs, const char *dir, const char *text)
{
	char buf[XV_XS_STR_MAX + 1];

	snprintf(buf, sizeof(buf), "%s", text);
	return write_node(xs, XBT_NULL, dir, XV_FIELD_ERROR, buf);
}

int xv_xs_rm_error(struct xs_handle *xs, const char *dir)
{
	char path[XV_XS_PATH_MAX];
	int rc = xv_xs_node(path, sizeof(path), dir, XV_FIELD_ERROR);

	if (rc)
		return rc;
	if (!xs_rm(xs, XBT_NULL, path) && errno != ENOENT)
		return errno ? -errno : -EIO;
	return 0;
}

int xv_xs_read_profile(struct xs_handle *xs, const char *be_dir,
		       struct xv_limits *lim, char *profile, size_t len,
		       const char **bad)
{
	struct xv_xs_dir_reader r;
	size_t plen = 0;
	const char *v;
	int rc;

	xv_xs_dir_reader_init(&r, xs, XBT_NULL, be_dir);
	rc = xv_xs_read_limits(&r.rd, lim, bad);
	if (rc)
		return rc;
	errno = 0;
	v = dir_get(&r, XV_FIELD_PROFILE, &plen);
	if (!v) {
		if (bad)
			*bad = XV_FIELD_PROFILE;
		return errno && errno != ENOENT ? -errno : -ENOENT;
	}
	rc = xv_xs_parse_profile(v, plen, profile, len);
	free((void *)v);
	if (rc && bad)
		*bad = XV_FIELD_PROFILE;
	return rc;
}
