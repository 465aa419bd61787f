/*
 * xs-xenbus.h — the xenbus state machine of both ends of a vGPU, as pure
 * decision functions (vgpuif.h, "STATE DIAGRAMS").
 *
 * Concepts:
 *  - Level-triggered: a watch only says "something under here changed"
 *    (and fires once at registration). The caller always re-reads the
 *    states and asks the decision function what to do NOW, given its own
 *    state, the peer's, the toolstack's online node and what it holds.
 *    Asking twice with the same inputs after the action is done gives
 *    XV_XB_NONE, so spurious watch events are harmless.
 *  - The functions never look at xenstore; the glue (xs-device.h, the
 *    daemon, the frontend library) reads the nodes, calls them, performs
 *    the action and writes the next state.
 *  - A peer state node that does not parse is a protocol error of the
 *    peer: the caller records it (error node) and passes failed = true.
 *
 * Backend rules (self = backend's state, peer = frontend's):
 *  - given_up (too many restarts, see below), !online → release, Closed.
 *  - failed (a protocol error) → release, Closing (error written); then
 *    Closing → Closed.
 *  - Unknown/Initialising → publish version and features, InitWait.
 *  - InitWait/Initialised: peer Initialised → connect (map, bind),
 *    Connected; peer Connected (it cannot be yet) → treated as a restart:
 *    Closed.
 *  - Connected and attached: peer Initialised/Connected → nothing; any
 *    other peer state (it left) → release, Closed.
 *  - Connected and NOT attached: a restarted daemon. Peer Connected →
 *    re-attach (map again, post DEVICE_RESET), stay Connected; else Closed.
 *  - Closed: peer Unknown/Initialising/Closed (it let go of the old
 *    connection) → InitWait again (reconnect); else wait.
 *
 * Frontend rules (self = frontend's state, peer = backend's):
 *  - failed → release, Closing; Closing with peer Closed/InitWait... see
 *    xv_xb_front_decide.
 *  - peer InitWait: self Unknown/Initialising/Closed (and want) → publish
 *    (grant ring, write nodes), Initialised; self Connected/Closing → the
 *    backend started over: release, Initialising.
 *  - peer Connected: self Initialised → Connected.
 *  - peer Closing/Closed/Unknown while self Initialised/Connected/Closing
 *    → release (revoke only now), Closed.
 *  - self Closed, peer Closed, want → Initialising (ask again).
 */
#ifndef XV_XS_XENBUS_H
#define XV_XS_XENBUS_H

#include <stdbool.h>

#include <xen/io/xenbus.h>

/* What the caller must do; then write `next` as its state (if it differs). */
enum xv_xb_action {
	XV_XB_NONE = 0,	    /* nothing; state stays */
	XV_XB_PUBLISH,	    /* back: version/features; front: ring, nodes */
	XV_XB_CONNECT,	    /* back: read front nodes, map, bind */
	XV_XB_REATTACH,	    /* back after a restart: map, DEVICE_RESET */
	XV_XB_GO_CONNECTED, /* front: the backend connected; start */
	XV_XB_RELEASE,	    /* free what is held, then write next */
	XV_XB_SET_STATE,    /* only write next (nothing held) */
};

struct xv_xb_decision {
	enum xv_xb_action action;
	enum xenbus_state next;
};

struct xv_xb_back_in {
	enum xenbus_state self; /* backend state node as last written */
	enum xenbus_state peer; /* frontend state node, parsed */
	bool online;		/* toolstack's online node is "1" */
	bool attached;		/* ring/event page mapped, channel bound */
	bool failed;		/* protocol error recorded; the caller clears
				   it once it has written Closed */
	bool given_up;		/* restart budget spent: stay Closed */
};

struct xv_xb_front_in {
	enum xenbus_state self; /* frontend state node */
	enum xenbus_state peer; /* backend state node, parsed */
	bool attached;		/* ring granted and nodes published */
	bool failed;		/* protocol error recorded */
	bool want;		/* the user wants the device connected */
};

struct xv_xb_decision xv_xb_back_decide(const struct xv_xb_back_in *in);
struct xv_xb_decision xv_xb_front_decide(const struct xv_xb_front_in *in);

/* Name of a state for logs ("Connected"); "?" for others. */
const char *xv_xb_state_name(unsigned int state);
/* Name of an action for logs. */
const char *xv_xb_action_name(enum xv_xb_action a);

/*
 * Restart budget: a guest that flaps its state makes the backend cycle
 * through InitWait/Connected/Closed, each costing xenstore writes and
 * grant maps. At most `burst` restarts are allowed, one more token comes
 * back every `refill_ms`; the caller sets given_up when take() fails.
 */
struct xv_xb_budget {
	unsigned int tokens;
	unsigned int burst;
	unsigned int refill_ms;
	unsigned long long last_ms; /* time of the last refill */
};

void xv_xb_budget_init(struct xv_xb_budget *b, unsigned int burst,
		       unsigned int refill_ms, unsigned long long now_ms);
/* Take a token at now_ms; false when none is left. */
bool xv_xb_budget_take(struct xv_xb_budget *b, unsigned long long now_ms);

#endif /* XV_XS_XENBUS_H */
