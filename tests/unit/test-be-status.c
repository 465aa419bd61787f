/*
 * test-be-status.c — the daemon's per-device status files
 * (backend/be-status.c): what the daemon writes, xenvgpu-ctl reads back
 * exactly; truncated or foreign files are refused. Files go to a private
 * temporary directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be-status.h"
#include "xv-test.h"

static struct xv_be_status sample(void)
{
	struct xv_be_status st;

	memset(&st, 0, sizeof(st));
	st.domid = 5;
	st.devid = 1;
	CU_ASSERT_EQUAL(
	    xv_be_status_set_domain(st.domain,
				    "/vm/6c9e3f2a-54d1-4c1b-9e0f-1b2c3d4e5f60"),
	    0);
	st.state = 4;
	snprintf(st.profile, sizeof(st.profile), "small");
	st.generation = 2;
	st.contexts = 3;
	st.pasids = 3;
	st.pinned_pages = 4096;
	st.requests = 1ull << 40;
	st.rejected = 7;
	st.scratch_entries = 2;
	st.scratch_events = 1ull << 33;
	st.oos_pages = 5;
	snprintf(st.last_error, sizeof(st.last_error),
		 "768 ring request overflow");
	return st;
}

static void test_round_trip(void)
{
	char dir[] = "/tmp/xv-status-XXXXXX";
	struct xv_be_status st = sample(), back;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL(xv_be_status_write(dir, &st), 0);
	memset(&back, 0xa5, sizeof(back));
	CU_ASSERT_EQUAL(xv_be_status_read(dir, 5, 1, &back), 0);
	CU_ASSERT_EQUAL(back.domid, 5);
	CU_ASSERT_EQUAL(back.state, 4);
	CU_ASSERT_STRING_EQUAL(back.profile, "small");
	CU_ASSERT_EQUAL(back.pinned_pages, 4096);
	CU_ASSERT_EQUAL(back.requests, 1ull << 40);
	CU_ASSERT_EQUAL(back.scratch_entries, 2);
	CU_ASSERT_EQUAL(back.scratch_events, 1ull << 33);
	CU_ASSERT_EQUAL(back.oos_pages, 5);
	CU_ASSERT_STRING_EQUAL(back.last_error, "768 ring request overflow");
	/* no last error */
	st.last_error[0] = '\0';
	CU_ASSERT_EQUAL(xv_be_status_write(dir, &st), 0);
	CU_ASSERT_EQUAL(xv_be_status_read(dir, 5, 1, &back), 0);
	CU_ASSERT_STRING_EQUAL(back.last_error, "");
	CU_ASSERT_EQUAL(xv_be_status_read(dir, 5, 2, &back), -ENOENT);
	CU_ASSERT_EQUAL(xv_be_status_remove(dir, 5, 1), 0);
	CU_ASSERT_EQUAL(xv_be_status_remove(dir, 5, 1), 0);
	CU_ASSERT_EQUAL(xv_be_status_read(dir, 5, 1, &back), -ENOENT);
	CU_ASSERT_EQUAL(rmdir(dir), 0); /* no temporary file left */
}

static void test_parse_hostile(void)
{
	struct xv_be_status st = sample(), back;
	char buf[1024];
	int n = xv_be_status_format(&st, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	/* every proper prefix misses a key */
	for (int cut = 0; cut < n - 1; cut += 7)
		CU_ASSERT_EQUAL(xv_be_status_parse(buf, (size_t)cut, &back),
				-EINVAL);
	/* an unknown key is skipped */
	{
		char more[1100];
		int m = snprintf(more, sizeof(more), "%sfuture 1\n", buf);

		CU_ASSERT_EQUAL(xv_be_status_parse(more, (size_t)m, &back), 0);
	}
	CU_ASSERT_EQUAL(xv_be_status_parse("state x\n", 8, &back), -EINVAL);
	CU_ASSERT_EQUAL(xv_be_status_format(&st, buf, 20), -ENOSPC);
	CU_ASSERT_EQUAL(xv_be_status_parse("domid 1\nstate 9\n", 16, &back),
			-EINVAL);
}

/*
 * The domain line tells a later domain that reused the domid from the
 * one that left the file: it reads back exactly, files written before it
 * existed parse as "unknown", and a value that is not one printable word
 * of at most XV_BE_STATUS_DOMMAX octets is refused.
 */
static void test_domain(void)
{
	struct xv_be_status st = sample(), back;
	char buf[1024], *line, *end;
	char long_dom[XV_BE_STATUS_DOMMAX + 2];
	int n = xv_be_status_format(&st, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(xv_be_status_parse(buf, (size_t)n, &back), 0);
	CU_ASSERT_STRING_EQUAL(back.domain,
			       "/vm/6c9e3f2a-54d1-4c1b-9e0f-1b2c3d4e5f60");
	/* without the line (an older daemon's file): unknown */
	line = strstr(buf, "domain ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	end = strchr(line, '\n');
	memmove(line, end + 1, strlen(end + 1) + 1);
	CU_ASSERT_EQUAL(xv_be_status_parse(buf, strlen(buf), &back), 0);
	CU_ASSERT_STRING_EQUAL(back.domain, "");
	/* "-": none */
	st.domain[0] = '\0';
	n = xv_be_status_format(&st, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\ndomain -\n"));
	CU_ASSERT_EQUAL(xv_be_status_parse(buf, (size_t)n, &back), 0);
	CU_ASSERT_STRING_EQUAL(back.domain, "");
	/* refused values, each leaving the field empty */
	memset(long_dom, 'a', sizeof(long_dom) - 1);
	long_dom[sizeof(long_dom) - 1] = '\0';
	CU_ASSERT_EQUAL(xv_be_status_set_domain(st.domain, long_dom), -EINVAL);
	CU_ASSERT_STRING_EQUAL(st.domain, "");
	long_dom[XV_BE_STATUS_DOMMAX] = '\0';
	CU_ASSERT_EQUAL(xv_be_status_set_domain(st.domain, long_dom), 0);
	CU_ASSERT_EQUAL(xv_be_status_set_domain(st.domain, "/vm/a b"), -EINVAL);
	CU_ASSERT_EQUAL(xv_be_status_set_domain(st.domain, "/vm/a\tb"),
			-EINVAL);
	CU_ASSERT_EQUAL(xv_be_status_set_domain(st.domain, "/vm/\x7f"),
			-EINVAL);
	CU_ASSERT_EQUAL(xv_be_status_set_domain(st.domain, ""), -EINVAL);
	CU_ASSERT_EQUAL(
	    xv_be_status_parse("domid 1\ndomain /vm/a b\n", 23, &back),
	    -EINVAL);
}

static const struct xv_test_case cases[] = {
    {"write, read back, remove", test_round_trip},
    {"the domain line", test_domain},
    {"truncated and foreign files", test_parse_hostile},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"be-status", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
