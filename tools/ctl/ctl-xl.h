/*
 * ctl-xl.h — running xl as a subprocess (create -p, unpause, destroy):
 * simpler and sturdier than linking libxl's event machinery into a
 * short-lived tool, and it is exactly what the administrator would type.
 */
#ifndef XV_CTL_XL_H
#define XV_CTL_XL_H

#include "ctl-util.h"

#define CTL_XL_ENV     "XENVGPU_XL"
#define CTL_XL_DEFAULT "/usr/lib/xen-4.17/bin/xl"

/*
 * The xl to run: $XENVGPU_XL if set and not empty, else CTL_XL_DEFAULT
 * if it is executable, else "xl" (looked up in PATH).
 */
const char *ctl_xl_path(void);

/*
 * Run xl with args (NULL-terminated, without argv[0]) and wait for it.
 * xl's own output goes to ours. 0 when it exits 0; else -EIO with err
 * = "xl ARGS failed (exit N)" or why it could not run.
 */
int ctl_xl_run(const char *const *args, struct ctl_err *err);

#endif /* XV_CTL_XL_H */
