/*
 * be-status.h — the daemon's per-device status files, for xenvgpu-ctl.
 *
 * The daemon keeps one small text file per device it serves:
 *
 *   /run/xenvgpud/d<domid>-<devid>
 *
 * written whole to a temporary name and renamed over the old one, so a
 * reader never sees half a file. It is rewritten on every xenbus state
 * change and at most once a second while requests flow; it is removed
 * when the daemon lets go of the device. One "key value" line each, in
 * this order (value of last-error runs to the end of the line; "-" when
 * there is none):
 *
 *   domid 5
 *   devid 0
 *   domain /vm/6c9e...       which domain: its toolstack path (xenstore
 *                            /local/domain/<domid>/vm, "/vm/<uuid>"),
 *                            "-" if it has none
 *   state 4                  backend's xenbus state (xen/io/xenbus.h)
 *   profile small
 *   generation 1             device resets seen (QUERY_CAPS.generation)
 *   contexts 0               GPU contexts alive
 *   pasids 0                 PASIDs held
 *   pinned-pages 0           guest pages pinned (grant-mapped)
 *   requests 12              requests answered
 *   rejected 1               of those, answered with an error status
 *   grant-map-calls 3        grant map calls (gntdev batches) of the
 *                            GPU path
 *   grant-unmap-calls 1      grant unmap calls of the GPU path
 *   grant-mapped-pages 0     guest pages grant-mapped by the GPU path now
 *   submits 2                SUBMITs queued on the GPU
 *   fences 2                 FENCE_DONE events posted
 *   gpu-faults 0             GPU_FAULT events posted
 *   faults-lost 0            faults dropped while one was held
 *   scratch-entries 0        shadow entries on the scratch page now
 *   scratch-events 2         times a shadow entry was sent to scratch
 *   oos-pages 0              guest table pages out of sync now (OOS
 *                            contexts: synced at their next SUBMIT)
 *   last-error 768 ring request overflow
 *
 * Gauges (the state now: contexts, pasids, pinned-pages,
 * grant-mapped-pages, scratch-entries, oos-pages) are 0 while no frontend is
 * connected. Every other number is a counter over the device's life: it
 * survives frontend reconnects and, through this file, daemon restarts
 * (a SIGKILLed daemon loses at most its last rewrite interval). A file
 * whose domain is not the device's (a domain that died while no daemon
 * ran, its domid since reused) is not picked up.
 *
 * A reader must accept unknown keys (later versions add some) and may
 * rely on the keys above. The daemon's pid is in /run/xenvgpud.pid.
 */
#ifndef XV_BE_STATUS_H
#define XV_BE_STATUS_H

#include <stddef.h>
#include <stdint.h>

#define XV_BE_RUN_DIR	    "/run/xenvgpud"
#define XV_BE_PID_FILE	    "/run/xenvgpud.pid"
#define XV_BE_LOCK_FILE	    "/run/xenvgpud.lock"
#define XV_BE_STATUS_ERRMAX 128
#define XV_BE_STATUS_DOMMAX 64

struct xv_be_status {
	unsigned int domid;
	unsigned int devid;
	char domain[XV_BE_STATUS_DOMMAX + 1]; /* "" when unknown */
	unsigned int state;
	char profile[33];
	uint32_t generation;
	uint32_t contexts;
	uint32_t pasids;
	uint32_t pinned_pages;
	uint64_t requests;
	uint64_t rejected;
	uint64_t grant_map_calls;
	uint64_t grant_unmap_calls;
	uint64_t grant_mapped_pages;
	uint64_t submits;
	uint64_t fences;
	uint64_t gpu_faults;
	uint64_t faults_lost;
	uint64_t scratch_entries;
	uint64_t scratch_events;
	uint64_t oos_pages;
	char last_error[XV_BE_STATUS_ERRMAX + 1]; /* "" when none */
};

/* <dir>/d<domid>-<devid>; 0 or -ENAMETOOLONG. */
int xv_be_status_path(char *buf, size_t len, const char *dir,
		      unsigned int domid, unsigned int devid);
/* The text of a status file; returns its length or -ENOSPC. */
int xv_be_status_format(const struct xv_be_status *st, char *buf, size_t len);
/* Parse the text (unknown keys skipped); 0 or -EINVAL. */
int xv_be_status_parse(const char *text, size_t len, struct xv_be_status *out);
/* Write atomically (tmp + rename) into dir; 0 or -errno. */
int xv_be_status_write(const char *dir, const struct xv_be_status *st);
/* Read and parse dir's file of one device; 0, -ENOENT or -errno. */
int xv_be_status_read(const char *dir, unsigned int domid, unsigned int devid,
		      struct xv_be_status *out);
/* Copy s into dom (a status file's domain field) if it is one: printable,
 * no space, at most XV_BE_STATUS_DOMMAX octets; otherwise dom is ""
 * (unknown). 0 if s was taken, else -EINVAL. */
int xv_be_status_set_domain(char dom[XV_BE_STATUS_DOMMAX + 1], const char *s);
/* Remove the file of one device (missing is fine). */
int xv_be_status_remove(const char *dir, unsigned int domid,
			unsigned int devid);

#endif /* XV_BE_STATUS_H */
