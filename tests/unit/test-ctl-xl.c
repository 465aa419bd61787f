/*
 * test-ctl-xl.c — running xl as a subprocess (tools/ctl/xl.c): which
 * binary is chosen, the exit status and the messages when it fails, is
 * killed, or cannot run. XENVGPU_XL points at stand-ins: /bin/true,
 * /bin/false, a script that checks its arguments.
 */
#include "../../tools/ctl/ctl-xl.h"
#include "xv-test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct ctl_err err;

static void test_path_choice(void)
{
	setenv(CTL_XL_ENV, "/opt/my/xl", 1);
	CU_ASSERT_STRING_EQUAL(ctl_xl_path(), "/opt/my/xl");
	/* Empty means unset. */
	setenv(CTL_XL_ENV, "", 1);
	if (access(CTL_XL_DEFAULT, X_OK) == 0) {
		CU_ASSERT_STRING_EQUAL(ctl_xl_path(), CTL_XL_DEFAULT);
	} else {
		CU_ASSERT_STRING_EQUAL(ctl_xl_path(), "xl");
	}
	unsetenv(CTL_XL_ENV);
}

static void test_exit_status(void)
{
	const char *create[] = {"create", "-p", "g.cfg", NULL};

	setenv(CTL_XL_ENV, "/bin/true", 1);
	CU_ASSERT_EQUAL(ctl_xl_run(create, &err), 0);

	setenv(CTL_XL_ENV, "/bin/false", 1);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(ctl_xl_run(create, &err), -EIO);
	CU_ASSERT_STRING_EQUAL(err.msg, "xl create -p g.cfg failed (exit 1)");

	setenv(CTL_XL_ENV, "/nonexistent/xl", 1);
	CU_ASSERT_EQUAL(ctl_xl_run(create, &err), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err.msg, "cannot run /nonexistent/xl: No such "
					"file or directory");
	unsetenv(CTL_XL_ENV);
}

/* A stand-in xl that exits 0 only for the exact argument list. */
static void test_arguments_and_signals(void)
{
	char path[] = "/tmp/test-ctl-xl-XXXXXX";
	const char *good[] = {"unpause", "7", NULL};
	const char *bad[] = {"unpause", "8", NULL};
	const char *kill[] = {"kill", NULL};
	int fd = mkstemp(path);
	FILE *f;

	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("#!/bin/sh\n"
	      "[ \"$1\" = kill ] && kill -9 $$\n"
	      "[ $# -eq 2 ] && [ \"$1\" = unpause ] && [ \"$2\" = 7 ]\n",
	      f);
	fclose(f);
	chmod(path, 0700);
	setenv(CTL_XL_ENV, path, 1);
	CU_ASSERT_EQUAL(ctl_xl_run(good, &err), 0);
	CU_ASSERT_EQUAL(ctl_xl_run(bad, &err), -EIO);
	CU_ASSERT_STRING_EQUAL(err.msg, "xl unpause 8 failed (exit 1)");
	CU_ASSERT_EQUAL(ctl_xl_run(kill, &err), -EIO);
	CU_ASSERT_STRING_EQUAL(err.msg, "xl kill killed by signal 9");
	unsetenv(CTL_XL_ENV);
	unlink(path);
}

static const struct xv_test_case xl_cases[] = {
    {"which xl", test_path_choice},
    {"exit status and messages", test_exit_status},
    {"arguments and signals", test_arguments_and_signals},
    {NULL, NULL},
};

static const struct xv_test_suite xl_suite = {
    .name = "ctl-xl",
    .cases = xl_cases,
};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&xl_suite, NULL};

	return xv_test_main(suites);
}
