/*
 * xs-device.h — a vGPU device's xenstore nodes through libxenstore: the
 * toolstack side (create, remove, online) and the small helpers both ends
 * use to read and write state, error and checked numbers.
 *
 * Layout and permissions (vgpuif.h, as libxl does for PV devices):
 *   frontend dir /local/domain/<D>/device/vgpu/<N>           n<D>,r<be>
 *   backend dir  /local/domain/<be>/backend/vgpu/<D>/<N>     n<be>,r<D>
 * Both are created in one transaction, perms set on each directory before
 * its children are written so the children inherit them: the guest can
 * write its frontend dir and only read the backend dir, which holds the
 * profile's limit nodes. Transactions are retried on EAGAIN.
 *
 * Trust: values read here with the _u32/_state helpers are parsed strictly
 * (xs-parse.h); nothing read is used unchecked.
 */
#ifndef XV_XS_DEVICE_H
#define XV_XS_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenstore.h>

#include "limits.h"
#include "xs-parse.h"
#include "xs-path.h"

/* What the toolstack knows of a device before it creates it. */
struct xv_xs_dev_spec {
	unsigned int be_domid; /* backend domain, normally 0 */
	unsigned int domid;    /* the guest */
	unsigned int devid;    /* 0..XV_XS_DEVID_MAX */
	char profile[XV_XS_PROFILE_MAX + 1];
	struct xv_limits limits; /* checked with xv_xs_check_limits */
};

/*
 * Create both directories with their nodes (state Initialising, online 1,
 * the link nodes, profile, limits) in one transaction. -EEXIST when either
 * directory exists already, -EINVAL for a bad spec (bad limit: *bad names
 * the node, NULL ok), -EAGAIN after too many transaction conflicts, else
 * -errno from libxenstore.
 */
int xv_xs_device_create(struct xs_handle *xs, const struct xv_xs_dev_spec *spec,
			const char **bad);

/* Remove both directories (one transaction), and the guest's
 * backend/vgpu/<domid> directory once it is empty. Missing ones are fine. */
int xv_xs_device_remove(struct xs_handle *xs, unsigned int be_domid,
			unsigned int domid, unsigned int devid);

/* Write the toolstack's online node ("0" asks the backend to tear down). */
int xv_xs_device_set_online(struct xs_handle *xs, unsigned int be_domid,
			    unsigned int domid, unsigned int devid,
			    bool online);

/* Does the backend directory exist? 1, 0, or -errno. */
int xv_xs_device_exists(struct xs_handle *xs, unsigned int be_domid,
			unsigned int domid, unsigned int devid);

/* ---- helpers on one directory (both ends) -------------------------------- */

/* dir/name as a strictly parsed u32 in [min, max] (xs-parse rules). */
int xv_xs_read_dir_u32(struct xs_handle *xs, const char *dir, const char *name,
		       uint32_t min, uint32_t max, uint32_t *out);
/* dir/state, 0..8. -ENOENT when missing, -EINVAL/-ERANGE when garbage. */
int xv_xs_read_state(struct xs_handle *xs, const char *dir,
		     unsigned int *state);
/* dir/online as a bool; missing or garbage reads as false (rc says which). */
int xv_xs_read_online(struct xs_handle *xs, const char *dir, bool *online);
/* Write dir/name = decimal v, or a string. */
int xv_xs_write_u32(struct xs_handle *xs, const char *dir, const char *name,
		    uint32_t v);
int xv_xs_write_str(struct xs_handle *xs, const char *dir, const char *name,
		    const char *v);
int xv_xs_write_state(struct xs_handle *xs, const char *dir,
		      unsigned int state);
/* dir/error = text (bounded to XV_XS_STR_MAX); rm_error removes it. */
int xv_xs_write_error(struct xs_handle *xs, const char *dir, const char *text);
int xv_xs_rm_error(struct xs_handle *xs, const char *dir);

/*
 * A struct xv_xs_reader over one xenstore directory (for
 * xv_xs_read_limits / xv_xs_read_front_info). Values are read outside a
 * transaction; a value changed between two reads is caught by the state
 * machine's re-check, not here.
 */
struct xv_xs_dir_reader {
	struct xv_xs_reader rd;
	struct xs_handle *xs;
	xs_transaction_t t;
	const char *dir;
};
void xv_xs_dir_reader_init(struct xv_xs_dir_reader *r, struct xs_handle *xs,
			   xs_transaction_t t, const char *dir);

/* Read the backend directory's limit nodes and profile name. */
int xv_xs_read_profile(struct xs_handle *xs, const char *be_dir,
		       struct xv_limits *lim, char *profile, size_t len,
		       const char **bad);

#endif /* XV_XS_DEVICE_H */
