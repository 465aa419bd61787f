/*
 * be-daemon.h — xenvgpud's main loop: device discovery through xenstore
 * watches and a periodic rescan, each device's xenbus state machine
 * (xenstore/xs-xenbus.h), domain-death handling, status files.
 *
 * Threads: everything here runs on the main thread, which owns the
 * xenstore handle and the device list; each connected device has one
 * worker thread (be-conn.h) that this thread starts and joins.
 */
#ifndef XV_BE_DAEMON_H
#define XV_BE_DAEMON_H

#include <signal.h>
#include <stdbool.h>

struct be_daemon_opts {
	unsigned int be_domid;	 /* our domain id (0) */
	const char *run_dir;	 /* status files (XV_BE_RUN_DIR) */
	unsigned int rescan_ms;	 /* periodic rescan (2000) */
	unsigned int pasid_bits; /* the device's PASID space (20) */
	/* A device's restart budget regains one restart every this many ms
	 * (1000): a frontend that flaps faster is given up on. */
	unsigned int restart_refill_ms;
};

struct be_daemon;

int be_daemon_new(const struct be_daemon_opts *o, struct be_daemon **out);
/*
 * Serve until *stop becomes non-zero (a signal handler sets it and calls
 * be_daemon_wake). 0 or -errno (xenstore connection lost).
 */
int be_daemon_run(struct be_daemon *d, volatile sig_atomic_t *stop);
/* Async-signal-safe: wake the main loop. */
void be_daemon_wake(struct be_daemon *d);
/*
 * NULL ok. Releases every device (workers joined, grants unmapped) but
 * leaves its xenstore nodes as they are: a daemon started later finds the
 * Connected ones and recovers them (vgpuif.h, backend restart).
 */
void be_daemon_free(struct be_daemon *d);

#endif /* XV_BE_DAEMON_H */
