/*
 * xs-path.h — the xenstore paths of a vGPU device, built with bounds.
 *
 *   backend dir   /local/domain/<be>/backend/vgpu/<domid>/<devid>
 *   frontend dir  /local/domain/<domid>/device/vgpu/<devid>
 *   a node        <dir>/<name>
 *
 * Every builder returns 0, or -ENAMETOOLONG when the result would not fit
 * (buf is then an empty string), or -EINVAL for an id out of range. No
 * xenstore access here.
 */
#ifndef XV_XS_PATH_H
#define XV_XS_PATH_H

#include <stddef.h>

/* xenstore's own limit on a path is 3072; ours are far shorter. */
#define XV_XS_PATH_MAX 256

/* /local/domain/<be_domid>/backend/vgpu */
int xv_xs_backend_root(char *buf, size_t len, unsigned int be_domid);
/* /local/domain/<be_domid>/backend/vgpu/<domid>/<devid> */
int xv_xs_backend_dir(char *buf, size_t len, unsigned int be_domid,
		      unsigned int domid, unsigned int devid);
/* /local/domain/<domid>/device/vgpu/<devid> */
int xv_xs_frontend_dir(char *buf, size_t len, unsigned int domid,
		       unsigned int devid);
/* /local/domain/<domid>/device/vgpu (a guest's devices) */
int xv_xs_frontend_root(char *buf, size_t len, unsigned int domid);
/* <dir>/<node> */
int xv_xs_node(char *buf, size_t len, const char *dir, const char *node);

/*
 * Split a path under the backend root into domid and devid, strictly:
 * "<root>/<domid>/<devid>[/<anything>]". Returns 0 and sets *tail to the
 * rest after devid ("" or "/state"...), -ENOENT if path is not under root
 * or has no devid, -EINVAL for ids that are not canonical decimals.
 * *domid_only is set when the path stops after <domid>.
 */
int xv_xs_split_backend_path(const char *path, const char *root,
			     unsigned int *domid, unsigned int *devid,
			     int *domid_only, const char **tail);

#endif /* XV_XS_PATH_H */
