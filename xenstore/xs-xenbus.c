/*
 * xs-xenbus.c — the xenbus decision functions of both ends and the
 * restart budget (see xs-xenbus.h for the rules).
 *
 * Pure: no I/O, no clock. States come from nodes a peer writes, already
 * parsed into 0..8; any value is handled.
 */
#include "xs-xenbus.h"

static struct xv_xb_decision dec(enum xv_xb_action a, enum xenbus_state next)
{
	struct xv_xb_decision d = {a, next};

	return d;
}

/* Release what is held (if anything) and go to `next`. */
static struct xv_xb_decision drop_to(bool attached, enum xenbus_state self,
				     enum xenbus_state next)
{
	if (attached)
		return dec(XV_XB_RELEASE, next);
	if (self != next)
		return dec(XV_XB_SET_STATE, next);
	return dec(XV_XB_NONE, self);
}

struct xv_xb_decision xv_xb_back_decide(const struct xv_xb_back_in *in)
{
	enum xenbus_state self = in->self, peer = in->peer;

	if (in->given_up || !in->online)
		return drop_to(in->attached, self, XenbusStateClosed);
	if (in->failed) {
		if (self == XenbusStateClosing || self == XenbusStateClosed)
			return drop_to(in->attached, self, XenbusStateClosed);
		return drop_to(in->attached, self, XenbusStateClosing);
	}

	switch (self) {
	case XenbusStateUnknown:
	case XenbusStateInitialising:
		if (in->attached) /* cannot be: never attached before InitWait */
			return dec(XV_XB_RELEASE, XenbusStateClosed);
		return dec(XV_XB_PUBLISH, XenbusStateInitWait);
	case XenbusStateInitWait:
	case XenbusStateInitialised:
		if (in->attached)
			return dec(XV_XB_RELEASE, XenbusStateClosed);
		if (peer == XenbusStateInitialised)
			return dec(XV_XB_CONNECT, XenbusStateConnected);
		if (peer == XenbusStateConnected)
			return dec(XV_XB_SET_STATE, XenbusStateClosed);
		return dec(XV_XB_NONE, self);
	case XenbusStateConnected:
		if (!in->attached) {
			if (peer == XenbusStateConnected)
				return dec(XV_XB_REATTACH,
					   XenbusStateConnected);
			return dec(XV_XB_SET_STATE, XenbusStateClosed);
		}
		if (peer == XenbusStateInitialised ||
		    peer == XenbusStateConnected)
			return dec(XV_XB_NONE, self);
		return dec(XV_XB_RELEASE, XenbusStateClosed);
	case XenbusStateClosing:
		return drop_to(in->attached, self, XenbusStateClosed);
	case XenbusStateClosed:
		if (in->attached)
			return dec(XV_XB_RELEASE, XenbusStateClosed);
		if (peer == XenbusStateUnknown ||
		    peer == XenbusStateInitialising ||
		    peer == XenbusStateClosed)
			return dec(XV_XB_PUBLISH, XenbusStateInitWait);
		return dec(XV_XB_NONE, self);
	default: /* Reconfiguring/Reconfigured: never written by us */
		return drop_to(in->attached, self, XenbusStateClosed);
	}
}

struct xv_xb_decision xv_xb_front_decide(const struct xv_xb_front_in *in)
{
	enum xenbus_state self = in->self, peer = in->peer;

	if (in->failed) {
		if (self == XenbusStateClosed)
			return drop_to(in->attached, self, XenbusStateClosed);
		/* Closing; grants go once the backend let go of them. */
		if (peer == XenbusStateClosed || peer == XenbusStateInitWait ||
		    peer == XenbusStateUnknown ||
		    peer == XenbusStateInitialising)
			return drop_to(in->attached, self, XenbusStateClosed);
		if (self != XenbusStateClosing)
			return dec(XV_XB_SET_STATE, XenbusStateClosing);
		return dec(XV_XB_NONE, self);
	}

	switch (peer) {
	case XenbusStateInitWait:
		switch (self) {
		case XenbusStateUnknown:
		case XenbusStateInitialising:
		case XenbusStateClosed:
			if (in->attached) /* stale: start clean */
				return dec(XV_XB_RELEASE,
					   XenbusStateInitialising);
			if (!in->want)
				return dec(XV_XB_NONE, self);
			return dec(XV_XB_PUBLISH, XenbusStateInitialised);
		case XenbusStateInitialised:
			if (!in->attached) /* nodes lost: publish again */
				return dec(XV_XB_PUBLISH,
					   XenbusStateInitialised);
			return dec(XV_XB_NONE, self);
		default: /* Connected/Closing: the backend started over */
			return drop_to(in->attached, self,
				       XenbusStateInitialising);
		}
	case XenbusStateConnected:
		if (self == XenbusStateInitialised && in->attached)
			return dec(XV_XB_GO_CONNECTED, XenbusStateConnected);
		if (self == XenbusStateConnected && in->attached)
			return dec(XV_XB_NONE, self);
		if (self == XenbusStateConnected ||
		    self == XenbusStateClosing ||
		    self == XenbusStateInitialised)
			/* connected (or published) but holding nothing: a
			 * killed instance's state; start over */
			return drop_to(in->attached, self, XenbusStateClosed);
		return dec(XV_XB_NONE, self);
	case XenbusStateClosing:
		/* stop using the ring; revoke only once the backend is Closed */
		if (self == XenbusStateInitialised ||
		    self == XenbusStateConnected)
			return dec(XV_XB_SET_STATE, XenbusStateClosing);
		return dec(XV_XB_NONE, self);
	case XenbusStateClosed:
		if (in->attached || self != XenbusStateClosed) {
			if (self == XenbusStateInitialising && !in->attached)
				return dec(XV_XB_NONE, self);
			return drop_to(in->attached, self, XenbusStateClosed);
		}
		if (in->want)
			return dec(XV_XB_SET_STATE, XenbusStateInitialising);
		return dec(XV_XB_NONE, self);
	default: /* Unknown, Initialising, Initialised, Reconfiguring...:
		    no backend yet, or a restarting one */
		if (self == XenbusStateUnknown && in->want)
			return dec(XV_XB_SET_STATE, XenbusStateInitialising);
		return dec(XV_XB_NONE, self);
	}
}

const char *xv_xb_state_name(unsigned int state)
{
	static const char *const name[] = {
	    "Unknown",	   "Initialising",  "InitWait",
	    "Initialised", "Connected",	    "Closing",
	    "Closed",	   "Reconfiguring", "Reconfigured",
	};

	return state < sizeof(name) / sizeof(name[0]) ? name[state] : "?";
}

const char *xv_xb_action_name(enum xv_xb_action a)
{
	switch (a) {
	case XV_XB_NONE:
		return "none";
	case XV_XB_PUBLISH:
		return "publish";
	case XV_XB_CONNECT:
		return "connect";
	case XV_XB_REATTACH:
		return "reattach";
	case XV_XB_GO_CONNECTED:
		return "go-connected";
	case XV_XB_RELEASE:
		return "release";
	case XV_XB_SET_STATE:
		return "set-state";
	}
	return "?";
}

void xv_xb_budget_init(struct xv_xb_budget *b, unsigned int burst,
		       unsigned int refill_ms, unsigned long long now_ms)
{
	b->tokens = burst;
	b->burst = burst;
	b->refill_ms = refill_ms ? refill_ms : 1;
	b->last_ms = now_ms;
}

bool xv_xb_budget_take(struct xv_xb_budget *b, unsigned long long now_ms)
{
	if (now_ms > b->last_ms) {
		unsigned long long add = (now_ms - b->last_ms) / b->refill_ms;

		if (add) {
			b->tokens = add >= b->burst - b->tokens
					? b->burst
					: b->tokens + (unsigned int)add;
			b->last_ms += add * b->refill_ms;
		}
	} else if (now_ms < b->last_ms) {
		b->last_ms = now_ms; /* clock went back: restart the period */
	}
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}
