/*
 * bedcheck-dom0 — dom0 side of the bed's self-check (see bedcheck.h).
 * Usage: bedcheck-dom0 <domid>
 */
#include <stdio.h>

#include "bedcheck.h"
#include "xv-test.h"

static unsigned int peer;

static void test_token_echoed(void)
{
	struct xs_handle *xs = xs_open(0);
	char home[64], path[128], token[64], *echo = NULL;
	struct xs_permissions perms[2] = {
	    {.id = 0, .perms = XS_PERM_NONE},
	    {.id = peer, .perms = XS_PERM_READ},
	};

	CU_ASSERT_PTR_NOT_NULL_FATAL(xs);
	snprintf(home, sizeof(home), "/local/domain/%u", peer);
	snprintf(token, sizeof(token), "bed-%ld-%u", (long)time(NULL), peer);
	snprintf(path, sizeof(path), "%s/%s", home, BEDCHECK_TOKEN);
	CU_ASSERT_FATAL(xs_write(xs, XBT_NULL, path, token, strlen(token)));
	CU_ASSERT_FATAL(xs_set_permissions(xs, XBT_NULL, path, perms, 2));

	snprintf(path, sizeof(path), "%s/%s", home, BEDCHECK_ECHO);
	echo = bedcheck_wait_read(xs, path);
	if (!echo)
		printf("bedcheck-dom0: no echo from domain %u in %u s\n", peer,
		       bedcheck_timeout());
	CU_ASSERT_PTR_NOT_NULL(echo);
	if (echo)
		CU_ASSERT_STRING_EQUAL(echo, token);
	free(echo);
	xs_close(xs);
}

static const struct xv_test_case cases[] = {
    {"token offered by dom0 comes back from the domU", test_token_echoed},
    {NULL, NULL},
};
static const struct xv_test_suite suite = {"bedcheck-dom0", cases, NULL, NULL};
static const struct xv_test_suite *const suites[] = {&suite, NULL};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <domid>\n", argv[0]);
		return 2;
	}
	peer = (unsigned int)strtoul(argv[1], NULL, 10);
	return xv_test_main(suites);
}
