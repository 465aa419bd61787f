/*
 * xl.c — run xl and wait for it (see ctl-xl.h).
 */
#include "ctl-xl.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *ctl_xl_path(void)
{
	const char *env = getenv(CTL_XL_ENV);

	if (env && env[0])
		return env;
	if (access(CTL_XL_DEFAULT, X_OK) == 0)
		return CTL_XL_DEFAULT;
	return "xl";
}

int ctl_xl_run(const char *const *args, struct ctl_err *err)
{
	const char *argv[16];
	char cmd[256];
	size_t off = 0;
	pid_t pid;
	int n = 0, r, status;

	argv[n++] = ctl_xl_path();
	for (; args[n - 1] && n < (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	     n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	/* "xl create -p g.cfg" for the messages. */
	cmd[0] = '\0';
	for (int i = 0; i < n && off < sizeof(cmd); i++) {
		int w = snprintf(cmd + off, sizeof(cmd) - off, "%s%s",
				 i ? " " : "", i ? argv[i] : "xl");
		if (w < 0)
			break;
		off += (size_t)w;
	}

	/* posix_spawnp: a bare "xl" is looked up in PATH, a path is used
	 * as is. */
	r = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv,
			 environ);
	if (r) {
		ctl_err_set(err, "cannot run %s: %s", argv[0], strerror(r));
		return -r;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ctl_err_set(err, "waiting for %s: %s", cmd,
				    strerror(errno));
			return -EIO;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		ctl_err_set(err, "%s failed (exit %d)", cmd,
			    WEXITSTATUS(status));
	else
		ctl_err_set(err, "%s killed by signal %d", cmd,
			    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -EIO;
}
