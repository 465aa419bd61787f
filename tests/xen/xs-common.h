/*
 * xs-common.h — the device directories the xs suite checks, as the vGPU
 * toolstack will create them (libxl's layout for PV devices).
 *
 *   frontend  /local/domain/<D>/device/vgpu/0        perms n<D>,r0
 *   backend   /local/domain/0/backend/vgpu/<D>/0     perms n0,r<D>
 *
 * dom0 creates both in one transaction, setting the perms on each
 * directory before writing its children, which inherit them.
 */
#ifndef XV_XS_COMMON_H
#define XV_XS_COMMON_H

#include <stdio.h>

#define XS_STATE_INITIALISING "1"
#define XS_STATE_CONNECTED    "4"

static inline void xs_suite_paths(unsigned int domid, char *fe, size_t felen,
				  char *be, size_t belen)
{
	snprintf(fe, felen, "/local/domain/%u/device/vgpu/0", domid);
	snprintf(be, belen, "/local/domain/0/backend/vgpu/%u/0", domid);
}

#endif /* XV_XS_COMMON_H */
