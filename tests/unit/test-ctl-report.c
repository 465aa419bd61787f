/*
 * test-ctl-report.c — the exact text of `xenvgpu-ctl list`, `show` and
 * `profiles` (tools/ctl/report.c) for devices in every condition: served
 * by the daemon, not served, with garbage nodes, with errors, of a dead
 * domain. Scripts (the bed's checks) grep this output, so it is pinned.
 */
#include "../../tools/ctl/ctl-report.h"
#include "vgpuif.h"
#include "xv-test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *out;
static size_t outlen;
static FILE *f;

static void start(void)
{
	free(out);
	out = NULL;
	f = open_memstream(&out, &outlen);
	CU_ASSERT_FATAL(f != NULL);
}

static const char *finish(void)
{
	fclose(f);
	return out;
}

static void served_device(struct ctl_devinfo *d)
{
	memset(d, 0, sizeof(*d));
	d->domid = 5;
	d->devid = 0;
	strcpy(d->name, "guest1");
	d->be_state = 4;
	d->fe_state = 4;
	d->online = 1;
	strcpy(d->profile, "small");
	d->have_limits = 1;
	d->lim = (struct xv_limits){
	    4, 16384, 5, 4, 4u << 20, 256u << 10, 1, 50, XV_FEATURE_ALL, 16};
	d->have_status = 1;
	d->st.domid = 5;
	d->st.state = 4;
	d->st.contexts = 1;
	d->st.pasids = 1;
	d->st.pinned_pages = 12;
	d->st.requests = 30;
	d->st.rejected = 2;
	d->st.grant_mapped_pages = 14;
	d->st.grant_map_calls = 3;
	d->st.grant_unmap_calls = 1;
	d->st.submits = 21;
	d->st.fences = 20;
	d->st.gpu_faults = 1;
	d->st.faults_lost = 0;
	d->st.scratch_entries = 2;
	d->st.scratch_events = 5;
	d->st.oos_pages = 3;
	d->st.generation = 1;
	strcpy(d->st.last_error, "768 ring request overflow");
}

static void test_list(void)
{
	struct ctl_devinfo d;

	start();
	ctl_print_list_header(f);
	served_device(&d);
	ctl_print_list_row(f, &d);
	/* Not served by the daemon, no limits readable, domain gone. */
	memset(&d, 0, sizeof(d));
	d.domid = 12;
	d.devid = 3;
	d.be_state = CTL_NODE_MISSING;
	d.fe_state = CTL_NODE_GARBAGE;
	ctl_print_list_row(f, &d);
	/* Limits but no status: counts unknown, maxima known. */
	served_device(&d);
	d.have_status = 0;
	d.be_state = 1;
	ctl_print_list_row(f, &d);
	d.be_state = CTL_NODE_GARBAGE;
	ctl_print_list_row(f, &d);
	CU_ASSERT_STRING_EQUAL(
	    finish(),
	    "DOMAIN              ID  DEV STATE        PROFILE    CONTEXTS "
	    "PINNED          PASIDS\n"
	    "guest1               5    0 Connected    small      1/4      "
	    "12/16384        1/4\n"
	    "-                   12    3 -            -          -/-      "
	    "-/-             -/-\n"
	    "guest1               5    0 Initialising small      -/4      "
	    "-/16384         -/4\n"
	    "guest1               5    0 ?            small      -/4      "
	    "-/16384         -/4\n");
}

static void test_show(void)
{
	struct ctl_devinfo d;

	start();
	served_device(&d);
	strcpy(d.be_error, "22 bad node: ring-ref0");
	ctl_print_show(f, &d);
	CU_ASSERT_STRING_EQUAL(finish(),
			       "d5/0 guest1\n"
			       "  state                Connected (4)\n"
			       "  frontend-state       Connected (4)\n"
			       "  online               1\n"
			       "  profile              small\n"
			       "  max-contexts         4\n"
			       "  max-pinned-pages     16384\n"
			       "  pasid-width          5\n"
			       "  max-pasids           4\n"
			       "  max-queued-bytes     4194304\n"
			       "  max-cmd-bytes        262144\n"
			       "  max-ring-page-order  1\n"
			       "  sched-weight         50\n"
			       "  features             "
			       "oos-pt,nosnoop,holdoff,multi-page-ring\n"
			       "  oos-pages            16\n"
			       "  contexts             1\n"
			       "  pinned-pages         12\n"
			       "  pasids               1\n"
			       "  grant-mapped-pages   14\n"
			       "  grant-map-calls      3\n"
			       "  grant-unmap-calls    1\n"
			       "  submits              21\n"
			       "  fences               20\n"
			       "  gpu-faults           1\n"
			       "  faults-lost          0\n"
			       "  scratch-entries      2\n"
			       "  scratch-events       5\n"
			       "  oos-pages-tracked    3\n"
			       "  requests             30\n"
			       "  rejected             2\n"
			       "  generation           1\n"
			       "  last-error           768 ring request "
			       "overflow\n"
			       "  error                22 bad node: ring-ref0\n"
			       "  frontend-error       -\n");

	start();
	memset(&d, 0, sizeof(d));
	d.domid = 12;
	d.devid = 3;
	d.be_state = 6;
	d.fe_state = CTL_NODE_GARBAGE;
	d.online = CTL_NODE_MISSING;
	strcpy(d.fe_error, "front gave up");
	ctl_print_show(f, &d);
	CU_ASSERT_STRING_EQUAL(finish(),
			       "d12/3 (domain gone)\n"
			       "  state                Closed (6)\n"
			       "  frontend-state       ? (bad)\n"
			       "  online               -\n"
			       "  profile              -\n"
			       "  limits               - (missing or out of "
			       "range)\n"
			       "  daemon               - (xenvgpud does not "
			       "serve this device)\n"
			       "  error                -\n"
			       "  frontend-error       front gave up\n");
}

static void test_profiles_and_states(void)
{
	static const char text[] = "[small]\nmax-contexts = 4\n"
				   "features = none\nmax-ring-page-order = 0\n"
				   "oos-pages = 0\n";
	struct ctl_profiles ps;
	struct ctl_err err;

	CU_ASSERT_EQUAL_FATAL(
	    ctl_profiles_parse(&ps, text, strlen(text), "p", &err), 0);
	start();
	ctl_print_profiles(f, &ps);
	CU_ASSERT_STRING_EQUAL(finish(),
			       "small: max-contexts=4 max-pinned-pages=65536 "
			       "pasid-width=8 max-pasids=16 "
			       "max-queued-bytes=16777216 "
			       "max-cmd-bytes=1048576 max-ring-page-order=0 "
			       "sched-weight=100 features=none oos-pages=0\n");

	CU_ASSERT_STRING_EQUAL(ctl_state_name(0), "Unknown");
	CU_ASSERT_STRING_EQUAL(ctl_state_name(2), "InitWait");
	CU_ASSERT_STRING_EQUAL(ctl_state_name(8), "Reconfigured");
	CU_ASSERT_STRING_EQUAL(ctl_state_name(9), "?");
	CU_ASSERT_STRING_EQUAL(ctl_state_name(CTL_NODE_MISSING), "-");
	CU_ASSERT_STRING_EQUAL(ctl_state_name(CTL_NODE_GARBAGE), "?");
}

static int cleanup(void)
{
	free(out);
	out = NULL;
	return 0;
}

static const struct xv_test_case report_cases[] = {
    {"list rows", test_list},
    {"show blocks", test_show},
    {"profiles and state names", test_profiles_and_states},
    {NULL, NULL},
};

static const struct xv_test_suite report_suite = {
    .name = "ctl-report",
    .cases = report_cases,
    .cleanup = cleanup,
};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&report_suite,
							     NULL};

	return xv_test_main(suites);
}
