/*
 * be-log.h — the daemon's one logging shim.
 *
 * Foreground (-F): lines go to stderr; service mode: to syslog (daemon
 * facility). Lines about a device start with "d<domid>/<devid>: ".
 * Messages a guest can trigger at will go through be_log_dev_once (once
 * per connection: the caller owns the flag and clears it on reconnect) or
 * be_log_dev_limited (a token bucket per device), so a hostile guest
 * cannot flood the log.
 *
 * Thread-safe: syslog and stdio lock internally; a line is formatted
 * whole before it is written.
 */
#ifndef XV_BE_LOG_H
#define XV_BE_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Where lines go; the default is stderr. */
void be_log_init(bool use_syslog, bool verbose);

void be_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void be_log_dev(int prio, unsigned int domid, unsigned int devid,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Once per *flag (set by the first call). */
void be_log_dev_once(bool *flag, int prio, unsigned int domid,
		     unsigned int devid, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A small token bucket: burst lines, then one per second. */
struct be_log_limit {
	unsigned int tokens;
	unsigned long long last_s;
	unsigned long suppressed;
};
void be_log_limit_init(struct be_log_limit *l);
void be_log_dev_limited(struct be_log_limit *l, int prio, unsigned int domid,
			unsigned int devid, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif /* XV_BE_LOG_H */
