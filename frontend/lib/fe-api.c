/*
 * fe-api.c — the calls of libxenvgpu.h that are requests on an open
 * handle: capabilities, config space, PASID enable, events, error texts.
 *
 * Trusts: nothing from the backend; config bytes it walks (PASID
 * capability) are parsed by common/vcfg.c's bounded finders.
 */
#include <errno.h>
#include <string.h>

#include "fe-private.h"
#include "vcfg.h"

_Static_assert(XENVGPU_CFG_SPACE_SIZE == XV_VCFG_SIZE &&
		   XV_VCFG_SIZE == XV_CFG_SPACE_SIZE,
	       "config space size");
_Static_assert(XENVGPU_ERR_DEVICE_RESET == XV_ERR_DEVICE_RESET, "reset code");
_Static_assert(XENVGPU_ERR_NOT_SUPPORTED == XV_ERR_NOT_SUPPORTED,
	       "not supported code");
_Static_assert(XENVGPU_FEATURE_OOS_PT == XV_FEATURE_OOS_PT &&
		   XENVGPU_FEATURE_NOSNOOP == XV_FEATURE_NOSNOOP &&
		   XENVGPU_FEATURE_HOLDOFF == XV_FEATURE_HOLDOFF &&
		   XENVGPU_FEATURE_MULTI_PAGE_RING ==
		       XV_FEATURE_MULTI_PAGE_RING,
	       "feature bits");

int xenvgpu_query_caps(struct xenvgpu *h, struct xenvgpu_caps *caps)
{
	struct xv_rsp_caps c;
	int rc;

	if (!h || !caps)
		return -EINVAL;
	/* After a reset only xenvgpu_reconnect acknowledges it. */
	if (h->ch_live && h->ch.reset)
		return -XV_ERR_DEVICE_RESET;
	rc = fe_query_caps(h, &c);
	if (rc)
		return rc;
	memset(caps, 0, sizeof(*caps));
	caps->max_contexts = c.max_contexts;
	caps->max_pinned_pages = c.max_pinned_pages;
	caps->pasid_width = c.pasid_width;
	caps->max_pasids = c.max_pasids;
	caps->max_queued_bytes = c.max_queued_bytes;
	caps->max_cmd_bytes = c.max_cmd_bytes;
	caps->ring_order_max = c.ring_order_max;
	caps->sched_weight = c.sched_weight;
	caps->features = c.features;
	caps->oos_pages = c.oos_pages;
	caps->gpu_va_bits = c.gpu_va_bits;
	caps->generation = c.generation;
	caps->offered_features = h->be.limits.features;
	caps->version = h->choice.version;
	caps->ring_order = h->choice.ring_order;
	caps->ring_slots = h->ch.nr_slots;
	caps->backend_domid = h->be_domid;
	return 0;
}

static void cfg_req(struct xv_req *req, uint16_t op, uint32_t offset,
		    uint32_t size, uint32_t val)
{
	memset(req, 0, sizeof(*req));
	req->op = op;
	req->u.cfg.offset = offset;
	req->u.cfg.size = size;
	req->u.cfg.value = val;
}

int xenvgpu_cfg_read(struct xenvgpu *h, uint32_t offset, uint32_t size,
		     uint32_t *val)
{
	struct xv_req req;
	struct xv_rsp rsp;
	int rc;

	if (!h || !val)
		return -EINVAL;
	cfg_req(&req, XV_OP_CFG_READ, offset, size, 0);
	rc = fe_request(h, &req, &rsp);
	if (rc)
		return rc;
	*val = rsp.u.cfg_read.value;
	return 0;
}

int xenvgpu_cfg_write(struct xenvgpu *h, uint32_t offset, uint32_t size,
		      uint32_t val)
{
	struct xv_req req;

	if (!h)
		return -EINVAL;
	cfg_req(&req, XV_OP_CFG_WRITE, offset, size, val);
	return fe_request(h, &req, NULL);
}

int xenvgpu_cfg_snapshot(struct xenvgpu *h, uint8_t out[XENVGPU_CFG_SPACE_SIZE])
{
	uint32_t off, v;
	int rc;

	if (!h || !out)
		return -EINVAL;
	for (off = 0; off < XENVGPU_CFG_SPACE_SIZE; off += 4) {
		rc = xenvgpu_cfg_read(h, off, 4, &v);
		if (rc)
			return rc;
		/* Config space is little-endian, as PCI's. */
		out[off] = (uint8_t)v;
		out[off + 1] = (uint8_t)(v >> 8);
		out[off + 2] = (uint8_t)(v >> 16);
		out[off + 3] = (uint8_t)(v >> 24);
	}
	return 0;
}

/*
 * Read only the extended capability headers (a few requests, not 1024):
 * follow the chain from 0x100 into a zeroed image, then let vcfg.c's
 * bounded walker find the capability in it. The walk here stops at a
 * pointer out of range or after as many headers as the space can hold,
 * so a looping chain costs at most that; vcfg.c reports the loop.
 */
static int read_ext_headers(struct xenvgpu *h, uint8_t cfg[XV_VCFG_SIZE])
{
	uint32_t off = 0x100, hdr;
	unsigned int n;
	int rc;

	memset(cfg, 0, XV_VCFG_SIZE);
	for (n = 0; n < (XV_VCFG_SIZE - 0x100) / 4; n++) {
		if (off < 0x100 || off > XV_VCFG_SIZE - 4)
			break;
		rc = xenvgpu_cfg_read(h, off, 4, &hdr);
		if (rc)
			return rc;
		if (cfg[off] | cfg[off + 1] | cfg[off + 2] | cfg[off + 3])
			break; /* seen: a loop */
		cfg[off] = (uint8_t)hdr;
		cfg[off + 1] = (uint8_t)(hdr >> 8);
		cfg[off + 2] = (uint8_t)(hdr >> 16);
		cfg[off + 3] = (uint8_t)(hdr >> 24);
		off = (hdr >> 20) & 0xffcu;
		if (!off || !hdr)
			break;
	}
	return 0;
}

int xenvgpu_enable_pasid(struct xenvgpu *h)
{
	uint8_t cfg[XV_VCFG_SIZE];
	uint32_t off, ctrl;
	int rc;

	if (!h)
		return -EINVAL;
	rc = read_ext_headers(h, cfg);
	if (rc)
		return rc;
	rc = xv_vcfg_find_ext_cap(cfg, XV_PCI_EXT_CAP_ID_PASID, &off);
	if (rc)
		return rc;
	rc = xenvgpu_cfg_read(h, off + XV_PCI_PASID_CTRL, 2, &ctrl);
	if (rc)
		return rc;
	rc = xenvgpu_cfg_write(h, off + XV_PCI_PASID_CTRL, 2,
			       ctrl | XV_PCI_PASID_CTRL_ENABLE);
	if (rc)
		return rc;
	/* Read back: a backend that ignored the write must not pass. */
	rc = xenvgpu_cfg_read(h, off + XV_PCI_PASID_CTRL, 2, &ctrl);
	if (rc)
		return rc;
	return (ctrl & XV_PCI_PASID_CTRL_ENABLE) ? 0 : -EIO;
}

int xenvgpu_poll_events(struct xenvgpu *h)
{
	if (!h)
		return -EINVAL;
	if (h->lost)
		return -XV_ERR_DEVICE_RESET;
	return fe_process(h);
}

int xenvgpu_fd(const struct xenvgpu *h)
{
	if (!h || !h->xce)
		return -EBADF;
	return xenevtchn_fd(h->xce);
}

const char *xenvgpu_strerror(int code)
{
	int c;

	if (code == INT32_MIN)
		return "unknown error";
	c = code < 0 ? -code : code;
	if (code == 0)
		return "success";
	if (c >= XV_ERR_DEVICE_RESET && c < XV_ERR_FRONT_END_)
		return xv_proto_strerror(c);
	if (c > 0 && c < XV_ERR_DEVICE_RESET)
		return strerror(c);
	return "unknown error";
}
