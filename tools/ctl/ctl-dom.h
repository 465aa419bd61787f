/*
 * ctl-dom.h — what xenvgpu-ctl asks xenstore: the domains (names and
 * ids, from /local/domain/<id>/name, so no libxenctrl is involved), the
 * vGPU devices of a domain, a snapshot of one device for list/show, and
 * waiting for a backend state with a time limit.
 *
 * Node creation and removal are the xenstore layer's (xs-device.h).
 */
#ifndef XV_CTL_DOM_H
#define XV_CTL_DOM_H

#include <stdint.h>
#include <xenstore.h>

#include "ctl-args.h"
#include "ctl-report.h"

#define CTL_DOMAINS_MAX	  1024
#define CTL_BACKEND_DOMID 0 /* xenvgpud runs in dom0 */

/*
 * The live domains: every /local/domain/<id> with a canonical decimal
 * id; name "" when it has no name node. 0 or -errno (err set).
 */
int ctl_dom_list(struct xs_handle *xs, struct ctl_domain *doms, unsigned max,
		 unsigned *n, struct ctl_err *err);

/*
 * DOMAIN (name or id) to a domid. A numeric id that is no live domain but
 * still has vGPU backend nodes resolves too when allow_gone (to detach or
 * show what is left of a dead domain). 0, -ENOENT, -EINVAL (err set).
 */
int ctl_dom_resolve(struct xs_handle *xs, const char *arg, bool allow_gone,
		    unsigned *domid, char *name, size_t namelen,
		    struct ctl_err *err);

/*
 * The devids of a domain's vGPUs: entries of the backend directory and
 * of the guest's device/vgpu directory (either makes a devid taken).
 * used has CTL_DEVID_MAX + 1 entries; *count (NULL ok) the devids found.
 */
int ctl_dom_devids(struct xs_handle *xs, unsigned domid, uint8_t *used,
		   unsigned *count);

/* Domids under the backend root (each has or had vGPUs). */
int ctl_dom_vgpu_domids(struct xs_handle *xs, unsigned *ids, unsigned max,
			unsigned *n);

/* Read everything list/show print about one device. */
void ctl_dom_devinfo(struct xs_handle *xs, unsigned domid, unsigned devid,
		     const char *name, struct ctl_devinfo *d);

/* What a wait for a backend state is waiting for. */
enum ctl_wait_for {
	CTL_WAIT_READY,	 /* InitWait, Initialised or Connected */
	CTL_WAIT_CLOSED, /* Closed, or the directory gone */
};

/*
 * Wait until the backend of domid/devid is where `what` says, at most
 * timeout_ms. 0; -ETIMEDOUT; -EIO when it went elsewhere (READY: Closing,
 * Closed or the directory removed). *last (NULL ok) is the last state
 * read (CTL_NODE_MISSING when the directory is gone). err explains,
 * with the backend's error node when it has one.
 */
int ctl_dom_wait(struct xs_handle *xs, unsigned domid, unsigned devid,
		 enum ctl_wait_for what, unsigned timeout_ms, int *last,
		 struct ctl_err *err);

#endif /* XV_CTL_DOM_H */
