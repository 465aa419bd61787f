/*
 * fe-request.c — synchronous requests over the handle's channel and
 * transport: send, notify when the ring asks for it, then sleep on the
 * transport until the response is there, the backend goes away, or the
 * handle's timeout passes. Waits are level-triggered: a wake-up only
 * means "look again" (the first event after binding may be spurious).
 *
 * Trusts: nothing from the backend (fe-chan.c checks it all).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fe-private.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

int fe_process(struct xenvgpu *h)
{
	int rc;

	if (!h->ch_live)
		return -XV_ERR_DEVICE_RESET;
	rc = fe_chan_process(&h->ch);
	if (rc)
		return rc;
	if (h->lost || h->ch.reset)
		return -XV_ERR_DEVICE_RESET;
	return 0;
}

/* Sleep until something may have changed; -ETIMEDOUT at the deadline. */
static int wait_until(struct xenvgpu *h, int64_t deadline)
{
	int left;

	/* Ask for the next notification, and skip the sleep if it's here. */
	if (fe_chan_more(&h->ch))
		return 0;
	left = left_ms(deadline);
	if (left == 0)
		return -ETIMEDOUT;
	return h->ops->wait(h, left);
}

int fe_request(struct xenvgpu *h, const struct xv_req *req, struct xv_rsp *rsp)
{
	int64_t deadline = now_ms() + h->opts.timeout_ms;
	bool notify = false;
	bool sent = false;
	uint64_t id = 0;
	int rc;

	if (!h->ch_live || h->lost) {
		rc = -XV_ERR_DEVICE_RESET;
		goto out;
	}
	/* A full ring drains as responses come: wait for a free slot. */
	for (;;) {
		rc = fe_chan_process(&h->ch);
		if (rc)
			goto out;
		rc = fe_chan_send(&h->ch, req, &id, &notify);
		if (rc != -EAGAIN)
			break;
		rc = wait_until(h, deadline);
		if (rc)
			goto out;
	}
	if (rc)
		goto out;
	sent = true;
	if (notify) {
		rc = h->ops->notify(h);
		if (rc)
			goto out;
	}
	for (;;) {
		rc = fe_chan_process(&h->ch);
		if (rc)
			goto out;
		rc = fe_chan_take(&h->ch, id, rsp);
		if (rc != -EAGAIN) {
			sent = false; /* taken: the slot is free */
			goto out;
		}
		if (h->lost) {
			rc = -XV_ERR_DEVICE_RESET;
			goto out;
		}
		rc = wait_until(h, deadline);
		if (rc && rc != -EINTR)
			goto out;
	}
out:
	if (sent)
		fe_chan_abandon(&h->ch, id);
	return rc;
}

int fe_query_caps(struct xenvgpu *h, struct xv_rsp_caps *caps)
{
	struct xv_req req;
	struct xv_rsp rsp;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = XV_OP_QUERY_CAPS;
	rc = fe_request(h, &req, &rsp);
	if (rc)
		return rc;
	/*
	 * The acked set is what we negotiated; a backend that reports
	 * another one is not to be believed.
	 */
	if (rsp.u.caps.features != h->choice.features)
		return -XV_ERR_RSP_CAPS;
	h->caps = rsp.u.caps;
	fe_chan_reset_ack(&h->ch, rsp.u.caps.generation);
	if (caps)
		*caps = rsp.u.caps;
	return 0;
}
