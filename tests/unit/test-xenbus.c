/*
 * test-xenbus.c — the xenbus decision functions of both ends and the
 * restart budget (xenstore/xs-xenbus.c).
 *
 * Directed cases check each rule of vgpuif.h's state diagrams. Then both
 * ends run against each other in a simulated xenstore (two state nodes in
 * memory, level-triggered evaluation in a random order), with random
 * disturbances: the frontend process restarting, the backend daemon
 * restarting (losing what it held), online toggled, protocol errors. After
 * the disturbances stop, both ends must settle Connected/Connected, and at
 * no point may the backend hold a mapping of a ring the frontend does not
 * hold (it would map freed grants). Pure logic in one process: no Xen.
 */
#include <string.h>

#include "xs-xenbus.h"
#include "xv-test.h"

static struct xv_xb_decision back(enum xenbus_state self,
				  enum xenbus_state peer, bool online,
				  bool attached, bool failed)
{
	struct xv_xb_back_in in = {self, peer, online, attached, failed, false};

	return xv_xb_back_decide(&in);
}

#define EXPECT(d, a, n)                          \
	do {                                     \
		struct xv_xb_decision d_ = (d);  \
		CU_ASSERT_EQUAL(d_.action, (a)); \
		CU_ASSERT_EQUAL(d_.next, (n));   \
	} while (0)

static void test_back_normal(void)
{
	EXPECT(back(XenbusStateInitialising, XenbusStateInitialising, true,
		    false, false),
	       XV_XB_PUBLISH, XenbusStateInitWait);
	EXPECT(back(XenbusStateInitWait, XenbusStateInitialising, true, false,
		    false),
	       XV_XB_NONE, XenbusStateInitWait);
	EXPECT(back(XenbusStateInitWait, XenbusStateInitialised, true, false,
		    false),
	       XV_XB_CONNECT, XenbusStateConnected);
	EXPECT(back(XenbusStateConnected, XenbusStateInitialised, true, true,
		    false),
	       XV_XB_NONE, XenbusStateConnected);
	EXPECT(
	    back(XenbusStateConnected, XenbusStateConnected, true, true, false),
	    XV_XB_NONE, XenbusStateConnected);
}

static void test_back_recovery(void)
{
	/* frontend restart: it left Connected */
	EXPECT(back(XenbusStateConnected, XenbusStateClosed, true, true, false),
	       XV_XB_RELEASE, XenbusStateClosed);
	EXPECT(back(XenbusStateConnected, XenbusStateInitialising, true, true,
		    false),
	       XV_XB_RELEASE, XenbusStateClosed);
	EXPECT(back(XenbusStateClosed, XenbusStateInitialising, true, false,
		    false),
	       XV_XB_PUBLISH, XenbusStateInitWait);
	EXPECT(back(XenbusStateClosed, XenbusStateClosed, true, false, false),
	       XV_XB_PUBLISH, XenbusStateInitWait);
	/* a stale Initialised (e.g. hostile nodes) is not a new attempt */
	EXPECT(
	    back(XenbusStateClosed, XenbusStateInitialised, true, false, false),
	    XV_XB_NONE, XenbusStateClosed);
	/* unexpected jump: Connected before the backend was */
	EXPECT(
	    back(XenbusStateInitWait, XenbusStateConnected, true, false, false),
	    XV_XB_SET_STATE, XenbusStateClosed);
	/* daemon restart: Connected with nothing held */
	EXPECT(back(XenbusStateConnected, XenbusStateConnected, true, false,
		    false),
	       XV_XB_REATTACH, XenbusStateConnected);
	EXPECT(back(XenbusStateConnected, XenbusStateInitialised, true, false,
		    false),
	       XV_XB_SET_STATE, XenbusStateClosed);
	EXPECT(
	    back(XenbusStateClosing, XenbusStateConnected, true, false, false),
	    XV_XB_SET_STATE, XenbusStateClosed);
}

static void test_back_online_failed(void)
{
	EXPECT(back(XenbusStateConnected, XenbusStateConnected, false, true,
		    false),
	       XV_XB_RELEASE, XenbusStateClosed);
	EXPECT(back(XenbusStateInitWait, XenbusStateInitialising, false, false,
		    false),
	       XV_XB_SET_STATE, XenbusStateClosed);
	EXPECT(back(XenbusStateClosed, XenbusStateInitialising, false, false,
		    false),
	       XV_XB_NONE, XenbusStateClosed);
	/* protocol error: Closing first (with the error node), then Closed */
	EXPECT(
	    back(XenbusStateConnected, XenbusStateConnected, true, true, true),
	    XV_XB_RELEASE, XenbusStateClosing);
	EXPECT(back(XenbusStateInitWait, XenbusStateInitialised, true, false,
		    true),
	       XV_XB_SET_STATE, XenbusStateClosing);
	EXPECT(
	    back(XenbusStateClosing, XenbusStateInitialised, true, false, true),
	    XV_XB_SET_STATE, XenbusStateClosed);
	EXPECT(
	    back(XenbusStateClosed, XenbusStateInitialised, true, false, true),
	    XV_XB_NONE, XenbusStateClosed);
	/* given up: stays Closed whatever the guest does */
	for (unsigned int p = 0; p <= 8; p++) {
		struct xv_xb_back_in in = {
		    XenbusStateClosed, p, true, false, false, true};

		EXPECT(xv_xb_back_decide(&in), XV_XB_NONE, XenbusStateClosed);
	}
}

static struct xv_xb_decision front(enum xenbus_state self,
				   enum xenbus_state peer, bool attached,
				   bool failed)
{
	struct xv_xb_front_in in = {self, peer, attached, failed, true};

	return xv_xb_front_decide(&in);
}

static void test_front(void)
{
	EXPECT(front(XenbusStateInitialising, XenbusStateInitialising, false,
		     false),
	       XV_XB_NONE, XenbusStateInitialising);
	EXPECT(
	    front(XenbusStateInitialising, XenbusStateInitWait, false, false),
	    XV_XB_PUBLISH, XenbusStateInitialised);
	EXPECT(front(XenbusStateInitialised, XenbusStateInitWait, true, false),
	       XV_XB_NONE, XenbusStateInitialised);
	EXPECT(front(XenbusStateInitialised, XenbusStateConnected, true, false),
	       XV_XB_GO_CONNECTED, XenbusStateConnected);
	EXPECT(front(XenbusStateConnected, XenbusStateConnected, true, false),
	       XV_XB_NONE, XenbusStateConnected);
	/* backend closing: stop, revoke only once it is Closed */
	EXPECT(front(XenbusStateConnected, XenbusStateClosing, true, false),
	       XV_XB_SET_STATE, XenbusStateClosing);
	EXPECT(front(XenbusStateClosing, XenbusStateClosing, true, false),
	       XV_XB_NONE, XenbusStateClosing);
	EXPECT(front(XenbusStateClosing, XenbusStateClosed, true, false),
	       XV_XB_RELEASE, XenbusStateClosed);
	EXPECT(front(XenbusStateClosed, XenbusStateClosed, false, false),
	       XV_XB_SET_STATE, XenbusStateInitialising);
	/* backend went back to InitWait under a connected frontend */
	EXPECT(front(XenbusStateConnected, XenbusStateInitWait, true, false),
	       XV_XB_RELEASE, XenbusStateInitialising);
	/* a new instance after a SIGKILL finds the old one's state node
	 * and holds nothing: it starts over through Closed, so the
	 * backend lets go of the old pages, and never waits for a
	 * Connected it cannot take part in */
	EXPECT(front(XenbusStateConnected, XenbusStateConnected, false, false),
	       XV_XB_SET_STATE, XenbusStateClosed);
	EXPECT(
	    front(XenbusStateInitialised, XenbusStateConnected, false, false),
	    XV_XB_SET_STATE, XenbusStateClosed);
	EXPECT(front(XenbusStateClosed, XenbusStateConnected, false, false),
	       XV_XB_NONE, XenbusStateClosed);
	/* frontend's own protocol error */
	EXPECT(front(XenbusStateConnected, XenbusStateConnected, true, true),
	       XV_XB_SET_STATE, XenbusStateClosing);
	EXPECT(front(XenbusStateClosing, XenbusStateClosed, true, true),
	       XV_XB_RELEASE, XenbusStateClosed);
	/* not wanted: never publishes */
	{
		struct xv_xb_front_in in = {XenbusStateClosed,
					    XenbusStateInitWait, false, false,
					    false};

		EXPECT(xv_xb_front_decide(&in), XV_XB_NONE, XenbusStateClosed);
	}
}

static void test_budget(void)
{
	struct xv_xb_budget b;

	xv_xb_budget_init(&b, 3, 1000, 5000);
	CU_ASSERT_TRUE(xv_xb_budget_take(&b, 5000));
	CU_ASSERT_TRUE(xv_xb_budget_take(&b, 5001));
	CU_ASSERT_TRUE(xv_xb_budget_take(&b, 5002));
	CU_ASSERT_FALSE(xv_xb_budget_take(&b, 5003));
	CU_ASSERT_FALSE(xv_xb_budget_take(&b, 5999));
	CU_ASSERT_TRUE(xv_xb_budget_take(&b, 6000));
	CU_ASSERT_FALSE(xv_xb_budget_take(&b, 6001));
	/* a long pause refills to the burst, not beyond */
	CU_ASSERT_TRUE(xv_xb_budget_take(&b, 100000));
	CU_ASSERT_TRUE(xv_xb_budget_take(&b, 100000));
	CU_ASSERT_TRUE(xv_xb_budget_take(&b, 100000));
	CU_ASSERT_FALSE(xv_xb_budget_take(&b, 100000));
	/* the clock going back does not refill */
	CU_ASSERT_FALSE(xv_xb_budget_take(&b, 10));
}

/* ---- both ends against each other ---------------------------------------- */

struct sim {
	enum xenbus_state bstate, fstate; /* the two state nodes */
	bool online;
	bool b_attached, b_failed;
	bool f_attached, f_failed;
	unsigned int f_generation; /* bumps on every publish */
	unsigned int b_mapped_gen; /* generation the backend mapped */
};

static bool sim_back(struct sim *s)
{
	struct xv_xb_back_in in = {s->bstate,	  s->fstate,   s->online,
				   s->b_attached, s->b_failed, false};
	struct xv_xb_decision d = xv_xb_back_decide(&in);

	switch (d.action) {
	case XV_XB_NONE:
		CU_ASSERT_EQUAL(d.next, s->bstate);
		return false;
	case XV_XB_PUBLISH:
	case XV_XB_SET_STATE:
		break;
	case XV_XB_CONNECT:
	case XV_XB_REATTACH:
		/* maps what the frontend published; nodes a killed frontend
		 * left behind name grants its kernel ended: the map fails,
		 * which is a protocol error (be-daemon.c: fail, decide
		 * again) */
		if (!s->f_attached) {
			s->b_failed = true;
			return true;
		}
		s->b_attached = true;
		s->b_mapped_gen = s->f_generation;
		break;
	case XV_XB_RELEASE:
		s->b_attached = false;
		break;
	default:
		CU_FAIL("backend asked for a frontend action");
	}
	s->bstate = d.next;
	if (d.next == XenbusStateClosed)
		s->b_failed = false; /* the glue clears it once Closed */
	return true;
}

static bool sim_front(struct sim *s)
{
	struct xv_xb_front_in in = {s->fstate, s->bstate, s->f_attached,
				    s->f_failed, true};
	struct xv_xb_decision d = xv_xb_front_decide(&in);

	switch (d.action) {
	case XV_XB_NONE:
		CU_ASSERT_EQUAL(d.next, s->fstate);
		return false;
	case XV_XB_PUBLISH:
		s->f_attached = true;
		s->f_generation++;
		break;
	case XV_XB_GO_CONNECTED:
	case XV_XB_SET_STATE:
		break;
	case XV_XB_RELEASE:
		/* revoking grants the backend still maps would be the bug */
		CU_ASSERT_FALSE(s->b_attached);
		s->f_attached = false;
		break;
	default:
		CU_FAIL("frontend asked for a backend action");
	}
	s->fstate = d.next;
	if (d.next == XenbusStateClosed)
		s->f_failed = false;
	return true;
}

static void disturb(struct sim *s, struct xv_rng *rng)
{
	switch (xv_rng_below(rng, 7)) {
	case 0: /* frontend process killed: kernel revokes nothing while
		   mapped (gntalloc keeps pages until unmapped); a new
		   instance starts from Initialising, holding nothing */
		if (!s->b_attached) {
			s->f_attached = false;
			s->fstate = XenbusStateInitialising;
		}
		break;
	case 1: /* daemon killed: it held everything, the kernel unmaps */
		s->b_attached = false;
		s->b_failed = false;
		break;
	case 2:
		s->online = !s->online;
		break;
	case 3:
		if (s->b_attached || s->bstate == XenbusStateInitWait)
			s->b_failed = true;
		break;
	case 4:
		if (s->f_attached)
			s->f_failed = true;
		break;
	case 5: /* frontend process SIGKILLed in any state: the new one
		   finds the state node as the old one left it (Connected,
		   say) and holds nothing; the backend may still map the old
		   pages, which the kernel keeps until it unmaps them */
		s->f_attached = false;
		s->f_failed = false;
		break;
	default:
		break;
	}
}

static void test_two_ends(void)
{
	struct xv_rng rng;
	unsigned long steps = xv_test_steps(20000);

	xv_rng_init(&rng, xv_test_seed("xenbus two ends"));
	for (unsigned long run = 0; run < steps / 100; run++) {
		struct sim s;

		memset(&s, 0, sizeof(s));
		s.bstate = XenbusStateInitialising;
		s.fstate = XenbusStateInitialising;
		s.online = true;
		for (int i = 0; i < 100; i++) {
			if (xv_rng_below(&rng, 4) == 0)
				disturb(&s, &rng);
			if (xv_rng_below(&rng, 2))
				sim_back(&s);
			else
				sim_front(&s);
		}
		/* quiet: the toolstack wants it online; both must settle */
		s.online = true;
		for (int i = 0; i < 64; i++) {
			bool moved = sim_back(&s);

			moved |= sim_front(&s);
			if (!moved)
				break;
		}
		CU_ASSERT_EQUAL(s.bstate, XenbusStateConnected);
		CU_ASSERT_EQUAL(s.fstate, XenbusStateConnected);
		CU_ASSERT_TRUE(s.b_attached && s.f_attached);
		/* the backend maps the frontend's current publication */
		CU_ASSERT_EQUAL(s.b_mapped_gen, s.f_generation);
		if (s.bstate != XenbusStateConnected ||
		    s.fstate != XenbusStateConnected)
			break;
	}
}

static const struct xv_test_case cases[] = {
    {"backend: normal flow", test_back_normal},
    {"backend: restarts of either end", test_back_recovery},
    {"backend: online and protocol errors", test_back_online_failed},
    {"frontend rules", test_front},
    {"restart budget", test_budget},
    {"both ends under random disturbances settle", test_two_ends},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"xenbus", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
