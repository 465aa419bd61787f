/*
 * be-log.c — syslog or stderr, one whole line at a time (see be-log.h).
 */
#include "be-log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#define LIMIT_BURST 10

static bool log_syslog;
static bool log_verbose;

void be_log_init(bool use_syslog, bool verbose)
{
	log_syslog = use_syslog;
	log_verbose = verbose;
	if (use_syslog)
		openlog("xenvgpud", LOG_PID, LOG_DAEMON);
}

static void emit(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	n = snprintf(line, sizeof(line), "%s", prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (log_syslog)
		syslog(prio, "%s", line);
	else
		fprintf(stderr, "xenvgpud: %s\n", line);
}

void be_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(prio, "", fmt, ap);
	va_end(ap);
}

static void dev_prefix(char *p, size_t len, unsigned int domid,
		       unsigned int devid)
{
	snprintf(p, len, "d%u/%u: ", domid, devid);
}

void be_log_dev(int prio, unsigned int domid, unsigned int devid,
		const char *fmt, ...)
{
	char p[32];
	va_list ap;

	dev_prefix(p, sizeof(p), domid, devid);
	va_start(ap, fmt);
	emit(prio, p, fmt, ap);
	va_end(ap);
}

void be_log_dev_once(bool *flag, int prio, unsigned int domid,
		     unsigned int devid, const char *fmt, ...)
{
	char p[32];
	va_list ap;

	if (*flag)
		return;
	*flag = true;
	dev_prefix(p, sizeof(p), domid, devid);
	va_start(ap, fmt);
	emit(prio, p, fmt, ap);
	va_end(ap);
}

void be_log_limit_init(struct be_log_limit *l)
{
	l->tokens = LIMIT_BURST;
	l->last_s = 0;
	l->suppressed = 0;
}

void be_log_dev_limited(struct be_log_limit *l, int prio, unsigned int domid,
			unsigned int devid, const char *fmt, ...)
{
	struct timespec ts;
	unsigned long long now;
	char p[32];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (unsigned long long)ts.tv_sec;
	if (now > l->last_s) {
		unsigned long long add = now - l->last_s;

		l->tokens = add >= LIMIT_BURST ? LIMIT_BURST
					       : l->tokens + (unsigned int)add;
		if (l->tokens > LIMIT_BURST)
			l->tokens = LIMIT_BURST;
		l->last_s = now;
	}
	if (l->tokens == 0) {
		l->suppressed++;
		return;
	}
	l->tokens--;
	if (l->suppressed) {
		be_log_dev(LOG_WARNING, domid, devid, "%lu messages suppressed",
			   l->suppressed);
		l->suppressed = 0;
	}
	dev_prefix(p, sizeof(p), domid, devid);
	va_start(ap, fmt);
	emit(prio, p, fmt, ap);
	va_end(ap);
}
