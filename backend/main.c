/*
 * main.c — xenvgpud: options, one instance (flock), service mode
 * (daemonize, pidfile, syslog) or foreground, signals; the work is in
 * be-daemon.c.
 *
 *   xenvgpud [-F] [-v] [-R run-dir] [-L lock-file] [-P pid-file]
 *            [-r refill-ms] [--no-pin-cache]
 *
 * --no-pin-cache is for benchmarks only: no persistent grant mappings,
 * every request maps and unmaps what it uses (the baseline that
 * docs/benchmarks.md compares the map cache against).
 *
 * Exit status: 0 after SIGTERM/SIGINT, 1 on an error, 3 when another
 * instance holds the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "be-ctx.h"
#include "be-daemon.h"
#include "be-log.h"
#include "be-status.h"

static volatile sig_atomic_t stop;
static struct be_daemon *the_daemon;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
	if (the_daemon)
		be_daemon_wake(the_daemon);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenvgpud [-F] [-v] [-R run-dir] "
		"[-L lock-file] [-P pid-file] [-r refill-ms] "
		"[--no-pin-cache]\n"
		"  -F  stay in the foreground, log to stderr\n"
		"  -v  log debug lines too\n"
		"  -r  a device regains one restart every refill-ms "
		"(1000..3600000, default 1000)\n"
		"  --no-pin-cache  benchmarks only: map and unmap guest "
		"pages per request\n"
		"                  (no persistent grant mappings)\n");
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct be_daemon_opts o = {
	    .be_domid = 0,
	    .run_dir = XV_BE_RUN_DIR,
	    .rescan_ms = 2000,
	    .pasid_bits = 20,
	    .restart_refill_ms = 1000,
	};
	char *end;
	unsigned long refill;
	const char *lock_path = XV_BE_LOCK_FILE, *pid_path = XV_BE_PID_FILE;
	bool foreground = false, verbose = false, pidfile = false;
	bool no_pin_cache = false;
	struct sigaction sa;
	int lock_fd = -1, opt, rc = 1;

	enum { OPT_NO_PIN_CACHE = 256 };
	static const struct option longopts[] = {
	    {"no-pin-cache", no_argument, NULL, OPT_NO_PIN_CACHE},
	    {NULL, 0, NULL, 0},
	};

	while ((opt = getopt_long(argc, argv, "FvR:L:P:r:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case OPT_NO_PIN_CACHE:
			/* before be_daemon_new: no vGPU exists yet */
			be_gpu_set_pin_cache(false);
			no_pin_cache = true;
			break;
		case 'F':
			foreground = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'R':
			o.run_dir = optarg;
			break;
		case 'L':
			lock_path = optarg;
			break;
		case 'P':
			pid_path = optarg;
			break;
		case 'r':
			errno = 0;
			refill = strtoul(optarg, &end, 10);
			if (errno || *end || refill < 1000 ||
			    refill > 3600000) {
				usage();
				return 1;
			}
			o.restart_refill_ms = (unsigned int)refill;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 1;
		}
	}
	be_log_init(false, verbose);

	/* One instance: the lock lives as long as the fd, across fork. */
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0) {
		be_log(LOG_ERR, "%s: %s", lock_path, strerror(errno));
		goto out;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		be_log(LOG_ERR, "another xenvgpud is running (%s is locked)",
		       lock_path);
		rc = 3;
		goto out;
	}
	if (!foreground) {
		if (daemon(0, 0) < 0) {
			be_log(LOG_ERR, "daemon: %s", strerror(errno));
			goto out;
		}
		be_log_init(true, verbose);
		if (write_pidfile(pid_path) < 0)
			be_log(LOG_WARNING, "%s: %s", pid_path,
			       strerror(errno));
		else
			pidfile = true;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	/* xenstore is opened after the fork (libxenstore asks for that) */
	if (be_daemon_new(&o, &the_daemon) < 0)
		goto out;
	be_log(LOG_INFO, "serving %s devices", "vgpu");
	if (no_pin_cache)
		be_log(LOG_INFO, "no pin cache: every request maps and unmaps "
				 "its grants (a benchmark baseline)");
	rc = be_daemon_run(the_daemon, &stop) < 0 ? 1 : 0;
	be_log(LOG_INFO, "stopping");
out:
	be_daemon_free(the_daemon);
	the_daemon = NULL;
	if (pidfile)
		unlink(pid_path);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}
