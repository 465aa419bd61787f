/*
 * bedcheck-domu — domU side of the bed's self-check (see bedcheck.h).
 * With XV_XTEST_INJECT_FAIL=1 it adds one test that fails on purpose, so
 * the bed's failure path can be seen end to end.
 */
#include <stdio.h>

#include "bedcheck.h"
#include "xv-test.h"

static void test_token_echo(void)
{
	struct xs_handle *xs = xs_open(0);
	char *token;

	CU_ASSERT_PTR_NOT_NULL_FATAL(xs);
	/* Relative paths are relative to this domain's xenstore home. */
	token = bedcheck_wait_read(xs, BEDCHECK_TOKEN);
	if (!token)
		printf("bedcheck-domu: no token from dom0 in %u s\n",
		       bedcheck_timeout());
	CU_ASSERT_PTR_NOT_NULL(token);
	if (token)
		CU_ASSERT(xs_write(xs, XBT_NULL, BEDCHECK_ECHO, token,
				   strlen(token)));
	free(token);
	xs_close(xs);
}

static void test_injected_failure(void)
{
	CU_FAIL("deliberate failure (XV_XTEST_INJECT_FAIL=1)");
}

static struct xv_test_case cases[] = {
    {"token from dom0 is echoed back", test_token_echo},
    {NULL, NULL},
    {NULL, NULL},
};
static const struct xv_test_suite suite = {"bedcheck-domu", cases, NULL, NULL};
static const struct xv_test_suite *const suites[] = {&suite, NULL};

int main(void)
{
	const char *inject = getenv("XV_XTEST_INJECT_FAIL");

	if (inject && strcmp(inject, "1") == 0)
		cases[1] = (struct xv_test_case){"injected failure",
						 test_injected_failure};
	return xv_test_main(suites);
}
