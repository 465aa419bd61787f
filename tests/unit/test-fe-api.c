/*
 * test-fe-api.c — libxenvgpu's calls (frontend/lib/fe-api.c,
 * fe-request.c) against a backend that runs in this process.
 *
 * TEST DOUBLE: the handle's transport (notify / wait) is replaced by an
 * in-process backend that answers on the same ring in plain memory,
 * using common/vcfg.c for the config space. This stands in for the event
 * channel and the other domain only; what is tested stays inside the
 * frontend's domain: request building, response and event checking,
 * timeouts, device-reset handling. The cross-domain path is tested on
 * real Xen (see the report / tests/xen).
 *
 * The backend can misbehave in each way the frontend must catch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../frontend/lib/fe-private.h"
#include "compiler.h"
#include "fake-vgpu-be.h"
#include "vcfg.h"
#include "xv-test.h"

enum misbehave {
	MIS_NONE,
	MIS_SILENT,	  /* never answers */
	MIS_BAD_ID,	  /* answers with an id never sent */
	MIS_BAD_OP,	  /* echoes another op */
	MIS_RESERVED,	  /* junk in a reserved byte */
	MIS_WIDE_CFG,	  /* CFG_READ value wider than the access */
	MIS_STATUS,	  /* a status no backend may send */
	MIS_EXTRA_RSP,	  /* two responses to one request */
	MIS_CAPS_FEATURE, /* QUERY_CAPS reports features not acked */
	MIS_CAPS_RANGE,	  /* QUERY_CAPS with pasid_width 0 */
	MIS_ONCE_SILENT,  /* holds the next response, answers it later */
};

struct fake_be {
	struct xv_fake_be fb;
	uint32_t generation;
	bool reset_mode; /* answers DEVICE_RESET until QUERY_CAPS */
	enum misbehave mis;
	bool lose; /* next wait: the backend left Connected */
	bool held; /* MIS_ONCE_SILENT: a request is waiting */
	unsigned int requests, notifies, waits;
};

static struct fake_be be;
static struct xenvgpu *h;

static struct xv_limits test_limits; /* xv_test_limits(), by setup_order */

static void answer(void *arg, const struct xv_req *req)
{
	struct xv_rsp rsp = xv_fake_be_rsp(req);
	int rc;

	(void)arg;
	be.requests++;
	rc = xv_proto_check_req(req, &be.fb.params);
	if (!rc && be.reset_mode && req->op != XV_OP_QUERY_CAPS)
		rc = -XV_ERR_DEVICE_RESET;
	if (!rc)
		rc = xv_fake_be_answer(&be.fb, req, be.generation, &rsp);
	if (!rc && req->op == XV_OP_QUERY_CAPS) {
		be.reset_mode = false;
		if (be.mis == MIS_CAPS_FEATURE)
			rsp.u.caps.features ^= XV_FEATURE_OOS_PT;
		if (be.mis == MIS_CAPS_RANGE)
			rsp.u.caps.pasid_width = 0;
	}
	if (!rc && req->op == XV_OP_CFG_READ && be.mis == MIS_WIDE_CFG &&
	    req->u.cfg.size < 4)
		rsp.u.cfg_read.value |= 1u << 31;
	if (rc)
		xv_fake_be_fail(&rsp, rc);
	switch (be.mis) {
	case MIS_BAD_ID:
		rsp.id ^= 0x5a5a0000ull;
		break;
	case MIS_BAD_OP:
		rsp.op = XV_OP_CFG_WRITE;
		break;
	case MIS_RESERVED:
		rsp.reserved0 = 1;
		break;
	case MIS_STATUS:
		rsp.status = -5;
		break;
	default:
		break;
	}
	xv_fake_be_put(&be.fb, &rsp);
	if (be.mis == MIS_EXTRA_RSP)
		xv_fake_be_put(&be.fb, &rsp);
}

/* Whether the backend takes the next request now (see enum misbehave). */
static bool take(void *arg)
{
	(void)arg;
	if (be.mis == MIS_SILENT)
		return false;
	if (be.mis == MIS_ONCE_SILENT && !be.held) {
		be.held = true;
		return false;
	}
	return true;
}

/* One pass of the backend: answer what is on the ring. */
static void be_run(void)
{
	xv_fake_be_run(&be.fb, take, answer, NULL);
}

static int fake_notify(struct xenvgpu *hh)
{
	(void)hh;
	be.notifies++;
	return 0;
}

static int fake_wait(struct xenvgpu *hh, int timeout_ms)
{
	RING_IDX before = be.fb.back.rsp_prod_pvt;

	(void)timeout_ms;
	be.waits++;
	if (be.lose) {
		hh->lost = true;
		return 0;
	}
	be_run();
	/* Nothing produced: the real transport would sleep to the end. */
	if (be.fb.back.rsp_prod_pvt == before)
		return -ETIMEDOUT;
	return 0;
}

static const struct fe_transport_ops fake_ops = {
    .notify = fake_notify,
    .wait = fake_wait,
};

static void setup_order(unsigned int order, uint32_t features)
{
	memset(&be, 0, sizeof(be));
	be.generation = 7;
	test_limits = xv_test_limits();
	xv_fake_be_open(&be.fb, &test_limits, order, features, &fake_ops, &be,
			&h);
}

static void setup(void)
{
	setup_order(0, XV_FEATURE_ALL);
}

static void teardown(void)
{
	xv_fake_be_close(&be.fb, &h);
}

/* ---- normal operation ------------------------------------------------------ */

static void test_query_caps(void)
{
	struct xenvgpu_caps c;

	setup_order(2, XV_FEATURE_ALL & ~XV_FEATURE_NOSNOOP);
	CU_ASSERT_EQUAL(xenvgpu_query_caps(h, &c), 0);
	CU_ASSERT_EQUAL(c.max_contexts, 16);
	CU_ASSERT_EQUAL(c.max_pinned_pages, 65536);
	CU_ASSERT_EQUAL(c.pasid_width, 8);
	CU_ASSERT_EQUAL(c.max_cmd_bytes, 1u << 20);
	CU_ASSERT_EQUAL(c.features, XV_FEATURE_ALL & ~XV_FEATURE_NOSNOOP);
	CU_ASSERT_EQUAL(c.offered_features, XV_FEATURE_ALL);
	CU_ASSERT_EQUAL(c.gpu_va_bits, XV_GPU_VA_BITS);
	CU_ASSERT_EQUAL(c.generation, 7);
	CU_ASSERT_EQUAL(c.ring_order, 2);
	CU_ASSERT_EQUAL(c.ring_slots, 128);
	teardown();
}

static void test_cfg_identity_and_snapshot(void)
{
	uint8_t got[XENVGPU_CFG_SPACE_SIZE], want[XV_VCFG_SIZE];
	struct xv_limits lim;
	uint32_t v = 0;

	setup();
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v), 0);
	CU_ASSERT_EQUAL(v, XV_VCFG_VENDOR_ID);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_DEVICE_ID, 2, &v), 0);
	CU_ASSERT_EQUAL(v, XV_VCFG_DEVICE_ID);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_REVISION_ID, 1, &v), 0);
	CU_ASSERT_EQUAL(v, XV_VCFG_REVISION);
	/* 1024 reads through a 32-slot ring: the indexes wrap 32 times. */
	CU_ASSERT_EQUAL(xenvgpu_cfg_snapshot(h, got), 0);
	xv_vcfg_snapshot(be.fb.cfg, want);
	CU_ASSERT_EQUAL(memcmp(got, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(xv_vcfg_decode_limits(got, &lim), 0);
	CU_ASSERT_EQUAL(memcmp(&lim, &test_limits, sizeof(lim)), 0);
	teardown();
}

static void test_cfg_write_and_pasid_enable(void)
{
	uint32_t v = 0;

	setup();
	CU_ASSERT_EQUAL(xenvgpu_cfg_write(h, XV_PCI_INTERRUPT_LINE, 1, 0xa5),
			0);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_INTERRUPT_LINE, 1, &v), 0);
	CU_ASSERT_EQUAL(v, 0xa5);
	/* A read-only register keeps its value. */
	CU_ASSERT_EQUAL(xenvgpu_cfg_write(h, XV_PCI_VENDOR_ID, 2, 0x1234), 0);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v), 0);
	CU_ASSERT_EQUAL(v, XV_VCFG_VENDOR_ID);

	CU_ASSERT_FALSE(xv_vcfg_pasid_enabled(be.fb.cfg));
	CU_ASSERT_EQUAL(xenvgpu_enable_pasid(h), 0);
	CU_ASSERT_TRUE(xv_vcfg_pasid_enabled(be.fb.cfg));
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(
			    h, XV_VCFG_PASID_OFFSET + XV_PCI_PASID_CTRL, 2, &v),
			0);
	CU_ASSERT_EQUAL(v, XV_PCI_PASID_CTRL_ENABLE);
	teardown();
}

/* A bad access never reaches the ring: the library refuses it. */
static void test_cfg_bad_access_refused_locally(void)
{
	uint32_t v = 0xdead;
	unsigned int before;

	setup();
	before = be.requests;
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, 0, 3, &v), -XV_ERR_CFG_SIZE);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, 2, 4, &v), -XV_ERR_CFG_ALIGN);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, 4096, 4, &v), -XV_ERR_CFG_RANGE);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, 0xfffffffc, 4, &v),
			-XV_ERR_CFG_RANGE);
	CU_ASSERT_EQUAL(xenvgpu_cfg_write(h, 0x3c, 1, 0x100),
			-XV_ERR_CFG_VALUE_WIDTH);
	CU_ASSERT_EQUAL(v, 0xdead);
	CU_ASSERT_EQUAL(be.requests, before);
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, 0, 4, NULL), -EINVAL);
	teardown();
}

/* ---- a backend that breaks the protocol ----------------------------------- */

static void expect_cfg_read(int want)
{
	uint32_t v = 0xdead;

	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v), want);
	if (want)
		CU_ASSERT_EQUAL(v, 0xdead);
}

/* One bad response fails that request; the next one works again. */
static void test_bad_response_fails_one_request(void)
{
	static const struct {
		enum misbehave mis;
		int code;
	} cases[] = {
	    {MIS_BAD_OP, -XV_ERR_RSP_OP},
	    {MIS_RESERVED, -XV_ERR_RSP_RESERVED},
	    {MIS_WIDE_CFG, -XV_ERR_RSP_CFG_VALUE},
	    {MIS_STATUS, -XV_ERR_RSP_STATUS},
	};

	for (size_t i = 0; i < XV_ARRAY_SIZE(cases); i++) {
		setup();
		be.mis = cases[i].mis;
		expect_cfg_read(cases[i].code);
		be.mis = MIS_NONE;
		expect_cfg_read(0);
		teardown();
	}
}

/* An unmatched id or extra responses break the channel for good. */
static void test_protocol_break_is_sticky(void)
{
	struct xenvgpu_caps c;

	setup();
	be.mis = MIS_BAD_ID;
	expect_cfg_read(-XV_ERR_RSP_ID);
	be.mis = MIS_NONE;
	expect_cfg_read(-XV_ERR_RSP_ID);
	CU_ASSERT_EQUAL(xenvgpu_query_caps(h, &c), -XV_ERR_RSP_ID);
	teardown();

	setup();
	be.mis = MIS_EXTRA_RSP;
	/* Two responses to one request: seen as soon as rsp_prod is read. */
	expect_cfg_read(-XV_ERR_RING_RSP_OVERFLOW);
	be.mis = MIS_NONE;
	expect_cfg_read(-XV_ERR_RING_RSP_OVERFLOW);
	teardown();
}

static void test_bad_caps(void)
{
	struct xenvgpu_caps c;

	setup();
	be.mis = MIS_CAPS_FEATURE;
	CU_ASSERT_EQUAL(xenvgpu_query_caps(h, &c), -XV_ERR_RSP_CAPS);
	be.mis = MIS_CAPS_RANGE;
	CU_ASSERT_EQUAL(xenvgpu_query_caps(h, &c), -XV_ERR_RSP_CAPS);
	be.mis = MIS_NONE;
	CU_ASSERT_EQUAL(xenvgpu_query_caps(h, &c), 0);
	teardown();
}

/* A silent backend times out; its late answer is dropped, not misread. */
static void test_timeout_and_late_response(void)
{
	uint32_t v = 0;

	setup();
	be.mis = MIS_ONCE_SILENT;
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_VENDOR_ID, 2, &v),
			-ETIMEDOUT);
	CU_ASSERT_EQUAL(h->ch.busy, 1); /* orphan kept until it is answered */
	be.mis = MIS_NONE;
	/* The held request is answered first; this one gets its own. */
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, XV_PCI_DEVICE_ID, 2, &v), 0);
	CU_ASSERT_EQUAL(v, XV_VCFG_DEVICE_ID);
	CU_ASSERT_EQUAL(h->ch.busy, 0);
	teardown();

	setup();
	be.mis = MIS_SILENT;
	CU_ASSERT_EQUAL(xenvgpu_cfg_read(h, 0, 4, &v), -ETIMEDOUT);
	teardown();
}

/* ---- device reset ----------------------------------------------------------- */

/* The daemon restarted: statuses say DEVICE_RESET until reconnect. */
static void test_reset_by_status(void)
{
	struct xenvgpu_caps c;
	unsigned int before;

	setup();
	be.reset_mode = true;
	be.generation = 8;
	expect_cfg_read(-XENVGPU_ERR_DEVICE_RESET);
	/* Sticky, and without another round trip. */
	before = be.requests;
	expect_cfg_read(-XENVGPU_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(xenvgpu_query_caps(h, &c), -XENVGPU_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), -XENVGPU_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(be.requests, before);

	CU_ASSERT_EQUAL(xenvgpu_reconnect(h), 0);
	CU_ASSERT_EQUAL(xenvgpu_query_caps(h, &c), 0);
	CU_ASSERT_EQUAL(c.generation, 8);
	expect_cfg_read(0);
	CU_ASSERT_EQUAL(xenvgpu_reconnect(h), 0); /* healthy: no-op */
	teardown();
}

static struct xv_evt reset_evt(uint32_t gen)
{
	struct xv_evt e;

	memset(&e, 0, sizeof(e));
	e.type = XV_EVT_DEVICE_RESET;
	e.u.device_reset.generation = gen;
	return e;
}

static void test_reset_by_event(void)
{
	struct xv_evt e;

	setup();
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), 0);
	/* The generation already known: nothing to do. */
	e = reset_evt(7);
	xv_fake_be_post(&be.fb, &e);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), 0);
	CU_ASSERT_EQUAL(be.fb.evt->in_cons, 1);

	be.generation = 9;
	be.reset_mode = true;
	e = reset_evt(9);
	xv_fake_be_post(&be.fb, &e);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), -XENVGPU_ERR_DEVICE_RESET);
	expect_cfg_read(-XENVGPU_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(xenvgpu_reconnect(h), 0);
	expect_cfg_read(0);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), 0);
	teardown();
}

/* Reset acknowledged before its event is read: the event is old news. */
static void test_reset_event_after_ack(void)
{
	struct xv_evt e;

	setup();
	be.generation = 10;
	be.reset_mode = true;
	expect_cfg_read(-XENVGPU_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(xenvgpu_reconnect(h), 0);
	e = reset_evt(10);
	xv_fake_be_post(&be.fb, &e);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), 0);
	expect_cfg_read(0);
	teardown();
}

/* The backend left Connected mid-request: a reset, not a hang. */
static void test_backend_gone(void)
{
	setup();
	be.lose = true;
	be.mis = MIS_SILENT;
	expect_cfg_read(-XENVGPU_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), -XENVGPU_ERR_DEVICE_RESET);
	teardown();
}

/* ---- events ----------------------------------------------------------------- */

static void test_bad_events(void)
{
	struct xv_evt e;

	setup();
	memset(&e, 0, sizeof(e));
	e.type = 0x77; /* unknown: dropped, counted */
	xv_fake_be_post(&be.fb, &e);
	e = reset_evt(7);
	e.u.device_reset.reserved[3] = 1; /* reserved byte: dropped */
	xv_fake_be_post(&be.fb, &e);
	e = reset_evt(12); /* a good one behind them still counts */
	xv_fake_be_post(&be.fb, &e);
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), -XENVGPU_ERR_DEVICE_RESET);
	CU_ASSERT_EQUAL(h->ch.bad_events, 2);
	CU_ASSERT_EQUAL(be.fb.evt->in_cons, 3);
	teardown();

	/* in_prod too far ahead: the event page is broken for good. */
	setup();
	be.fb.evt->in_prod = XV_EVT_RING_LEN + 1;
	CU_ASSERT_EQUAL(xenvgpu_poll_events(h), -XV_ERR_EVT_INDEX);
	expect_cfg_read(-XV_ERR_EVT_INDEX);
	teardown();
}

/* ---- notification hold-off ------------------------------------------------ */

static void test_notify_policy(void)
{
	unsigned int n;

	/* Without hold-off every request is notified. */
	setup_order(0, XV_FEATURE_ALL & ~XV_FEATURE_HOLDOFF);
	n = be.notifies;
	for (int i = 0; i < 10; i++)
		expect_cfg_read(0);
	CU_ASSERT_EQUAL(be.notifies, n + 10);
	teardown();

	/* With it, a backend that has asked for no event (req_event far
	 * behind) gets none. */
	setup_order(0, XV_FEATURE_ALL);
	n = be.notifies;
	be.fb.back.sring->req_event = be.fb.back.req_cons + 1000;
	expect_cfg_read(0);
	CU_ASSERT_EQUAL(be.notifies, n);
	teardown();
}

static void test_strerror(void)
{
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(0), "success");
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(-XENVGPU_ERR_DEVICE_RESET),
			       "device reset: GPU state lost");
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(-XV_ERR_RSP_ID),
			       "response id not outstanding");
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(-ETIMEDOUT),
			       strerror(ETIMEDOUT));
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(ENOENT), strerror(ENOENT));
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(-0x4ff), "unknown error");
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(INT32_MIN), "unknown error");
	CU_ASSERT_STRING_EQUAL(xenvgpu_strerror(-0x1000), "unknown error");
}

static const struct xv_test_case cases[] = {
    {"query caps", test_query_caps},
    {"cfg identity and snapshot", test_cfg_identity_and_snapshot},
    {"cfg write and PASID enable", test_cfg_write_and_pasid_enable},
    {"cfg bad access refused locally", test_cfg_bad_access_refused_locally},
    {"bad response fails one request", test_bad_response_fails_one_request},
    {"protocol break is sticky", test_protocol_break_is_sticky},
    {"bad caps", test_bad_caps},
    {"timeout and late response", test_timeout_and_late_response},
    {"reset by status", test_reset_by_status},
    {"reset by event", test_reset_by_event},
    {"reset event after ack", test_reset_event_after_ack},
    {"backend gone", test_backend_gone},
    {"bad events", test_bad_events},
    {"notify policy", test_notify_policy},
    {"strerror", test_strerror},
    {NULL, NULL},
};

static const struct xv_test_suite suite = {"fe-api", cases, NULL, NULL};

int main(void)
{
	const struct xv_test_suite *const suites[] = {&suite, NULL};

	return xv_test_main(suites);
}
