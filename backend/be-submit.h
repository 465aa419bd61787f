/*
 * be-submit.h — a SUBMIT's command buffer, from granted pages to a
 * private copy the device scans.
 *
 * The pages are named inline (up to XV_SUBMIT_INLINE_GREFS) or by a chain
 * of directory pages (vgpuif.h, struct xv_gref_dir). Each directory page
 * is pinned, copied whole and unpinned before it is checked
 * (xv_proto_check_dir) and only the copy is used; the chain's length is
 * known from cmd_bytes before the first page is read, so it is bounded.
 * Buffer and directory pages are pinned READ through the vGPU's map
 * cache, which keeps them mapped after the unpin: a guest that reuses its
 * command buffers costs no grant map after the first submission.
 *
 * Threads: the vGPU's ring worker.
 */
#ifndef XV_BE_SUBMIT_H
#define XV_BE_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "mapcache.h"
#include "vgpuif.h"

/*
 * Copy the command buffer of a validated SUBMIT into *buf (malloc'ed,
 * cmd_bytes octets; the caller frees it). 0 or a -XV_ERR_* code:
 * XV_ERR_DIR_* for a bad directory page, BAD_GREF for a grant that cannot
 * be mapped, PIN_QUOTA, NOMEM.
 */
int be_submit_gather(struct xv_mapcache *mc, const struct xv_req_submit *s,
		     void **buf);

#endif /* XV_BE_SUBMIT_H */
