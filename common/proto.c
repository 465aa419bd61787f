/*
 * proto.c — validators of the vGPU wire protocol.
 *
 * Trusts: the params given by its own side (limits from the toolstack's
 * profile, the negotiated features). Trusts nothing in the structures it
 * checks; they are private copies, so each field is read as often as
 * convenient without a double-fetch hazard.
 */
#include "proto.h"

#include <stddef.h>

#include "compiler.h"

/* ---- error texts ---------------------------------------------------------- */

struct err_text {
	int code;
	const char *text;
};

static const struct err_text err_texts[] = {
    {XV_ERR_DEVICE_RESET, "device reset: GPU state lost"},
    {XV_ERR_NO_PASID, "no PASID available"},
    {XV_ERR_PERM, "permission denied"},
    {XV_ERR_NOMEM, "backend out of memory"},
    {XV_ERR_PIN_QUOTA, "pinned page quota exceeded"},
    {XV_ERR_QUEUE_FULL, "queued work limit reached"},
    {XV_ERR_TOO_MANY_CONTEXTS, "too many contexts"},
    {XV_ERR_NO_CONTEXT, "no such context"},
    {XV_ERR_NO_ROOT, "context has no page-table root"},
    {XV_ERR_BAD_GREF, "grant reference cannot be mapped"},
    {XV_ERR_BAD_PT, "bad guest page-table entry"},
    {XV_ERR_FENCE_ORDER, "fence not above the previous one"},
    {XV_ERR_BUSY, "context busy"},
    {XV_ERR_NOT_SUPPORTED, "operation not supported"},
    {XV_ERR_IO, "backend I/O error"},
    {XV_ERR_CTX_FAULTED, "context faulted"},

    {XV_ERR_OP_INVALID, "request op 0"},
    {XV_ERR_OP_UNKNOWN, "unknown core op"},
    {XV_ERR_OP_RESERVED, "op in reserved range"},
    {XV_ERR_OP_VENDOR, "vendor op not supported"},
    {XV_ERR_HDR_RESERVED, "request header reserved field not zero"},
    {XV_ERR_PAYLOAD_RESERVED, "request payload reserved bytes not zero"},
    {XV_ERR_CTX_NOT_ZERO, "context handle on an op without context"},
    {XV_ERR_CTX_RANGE, "context handle out of range"},
    {XV_ERR_CFG_SIZE, "config access size not 1, 2 or 4"},
    {XV_ERR_CFG_ALIGN, "config offset not aligned to size"},
    {XV_ERR_CFG_RANGE, "config access beyond config space"},
    {XV_ERR_CFG_VALUE_WIDTH, "config write value wider than size"},
    {XV_ERR_CTX_FLAGS_UNKNOWN, "unknown context flags"},
    {XV_ERR_CTX_FLAGS_NOT_NEGOTIATED, "context flag's feature not acked"},
    {XV_ERR_GADDR_ALIGN, "guest address not page aligned"},
    {XV_ERR_GADDR_NOT_GRANT, "guest address not grant-based"},
    {XV_ERR_GADDR_RESERVED, "guest address reserved bits set"},
    {XV_ERR_GADDR_GREF_ZERO, "guest address with grant reference 0"},
    {XV_ERR_RANGE_ALIGN, "GPU VA range not page aligned"},
    {XV_ERR_RANGE_EMPTY, "GPU VA range empty"},
    {XV_ERR_RANGE_OVERFLOW, "GPU VA range wraps"},
    {XV_ERR_RANGE_LIMIT, "GPU VA range beyond address width"},
    {XV_ERR_SUBMIT_FENCE_ZERO, "submit fence 0"},
    {XV_ERR_SUBMIT_EMPTY, "submit of 0 bytes"},
    {XV_ERR_SUBMIT_TOO_BIG, "command buffer above max-cmd-bytes"},
    {XV_ERR_SUBMIT_INLINE_COUNT, "inline gref count does not match size"},
    {XV_ERR_SUBMIT_GREF_ZERO, "inline grant reference 0"},
    {XV_ERR_SUBMIT_INLINE_UNUSED, "unused inline gref not zero"},
    {XV_ERR_SUBMIT_DIR_MISSING, "large buffer without directory"},
    {XV_ERR_SUBMIT_DIR_UNEXPECTED, "small buffer with directory"},
    {XV_ERR_DIR_EMPTY, "directory page with no grefs"},
    {XV_ERR_DIR_NUM_OVER_PAGE, "directory num_grefs above page capacity"},
    {XV_ERR_DIR_NUM_OVER_REMAINING, "directory longer than the buffer"},
    {XV_ERR_DIR_NOT_FULL, "directory page before the last not full"},
    {XV_ERR_DIR_CHAIN_LONG, "directory chain goes on after last gref"},
    {XV_ERR_DIR_CHAIN_SHORT, "directory chain ends too early"},
    {XV_ERR_DIR_GREF_ZERO, "directory grant reference 0"},
    {XV_ERR_DIR_UNUSED, "unused directory slot not zero"},
    {XV_ERR_CMD_TRUNCATED, "command runs past the buffer end"},
    {XV_ERR_CMD_LENGTH, "command length not its opcode's size"},
    {XV_ERR_CMD_OPCODE_INVALID, "command opcode 0"},
    {XV_ERR_CMD_OPCODE_UNKNOWN, "unknown command opcode"},
    {XV_ERR_CMD_PRIVILEGED, "privileged command"},
    {XV_ERR_CMD_RESERVED, "command reserved field not zero"},
    {XV_ERR_CMD_SIZE_ZERO, "command length or dimension 0"},
    {XV_ERR_CMD_SIZE_LIMIT, "command length or dimension above limit"},
    {XV_ERR_CMD_ALIGN, "command address or length misaligned"},
    {XV_ERR_CMD_VA_WRAP, "command GPU VA range wraps"},
    {XV_ERR_CMD_VA_LIMIT, "command GPU VA range beyond address width"},
    {XV_ERR_CMD_OVERLAP, "command destination overlaps a source"},
    {XV_ERR_CMD_TOO_MANY, "too many commands in one buffer"},
    {XV_ERR_CMD_WORK_LIMIT, "command buffer work above limit"},

    {XV_ERR_RING_REQ_OVERFLOW, "ring request overflow"},
    {XV_ERR_RING_RSP_OVERFLOW, "ring response overflow"},
    {XV_ERR_EVT_INDEX, "event page indexes out of bounds"},
    {XV_ERR_RING_ORDER, "ring page order not allowed"},
    {XV_ERR_FEATURE_UNKNOWN, "unknown feature bit"},
    {XV_ERR_FEATURE_NOT_OFFERED, "feature acked but not offered"},
    {XV_ERR_VERSION, "protocol version not supported"},

    {XV_ERR_RSP_ID, "response id not outstanding"},
    {XV_ERR_RSP_OP, "response op does not match request"},
    {XV_ERR_RSP_STATUS, "response status unknown"},
    {XV_ERR_RSP_RESERVED, "response reserved bytes not zero"},
    {XV_ERR_RSP_CTX_RANGE, "response context handle out of range"},
    {XV_ERR_RSP_PASID, "response vPASID out of range"},
    {XV_ERR_RSP_CAPS, "capabilities out of range"},
    {XV_ERR_RSP_CFG_VALUE, "config read value wider than size"},
    {XV_ERR_EVT_TYPE, "unknown event type"},
    {XV_ERR_EVT_RESERVED, "event reserved bytes not zero"},
    {XV_ERR_EVT_CTX_RANGE, "event context handle out of range"},
    {XV_ERR_EVT_FENCE_ZERO, "fence event with fence 0"},
    {XV_ERR_EVT_FAULT_ACCESS, "fault event access unknown"},
    {XV_ERR_EVT_FAULT_REASON, "fault event reason unknown"},
    {XV_ERR_EVT_FAULT_VA, "fault address beyond address width"},
};

static const char *err_lookup(int code)
{
	for (size_t i = 0; i < XV_ARRAY_SIZE(err_texts); i++)
		if (err_texts[i].code == code)
			return err_texts[i].text;
	return NULL;
}

const char *xv_proto_strerror(int code)
{
	const char *text;

	if (code == 0)
		return "success";
	/* -INT_MIN overflows; no code lives there anyway. */
	if (code < 0 && code != INT32_MIN)
		code = -code;
	text = err_lookup(code);
	return text ? text : "unknown error";
}

bool xv_proto_status_known(int32_t status)
{
	int code;

	if (status == 0)
		return true;
	if (status > 0 || status == INT32_MIN)
		return false;
	code = -status;
	/* Only runtime and request-validation codes travel in a response. */
	if (code >= XV_ERR_DEVICE_RESET && code < XV_ERR_RUNTIME_END_)
		return true;
	return code >= XV_ERR_OP_INVALID && code < XV_ERR_REQ_END_;
}

/* ---- sizes ---------------------------------------------------------------- */

unsigned int xv_proto_ring_size(unsigned int order)
{
	/* The table is computed by ring.h itself, so it cannot drift. */
	static const unsigned int slots[XV_RING_ORDER_MAX + 1] = {
	    XV_RING_SIZE(0), XV_RING_SIZE(1), XV_RING_SIZE(2),
	    XV_RING_SIZE(3), XV_RING_SIZE(4),
	};

	if (order > XV_RING_ORDER_MAX)
		return 0;
	return slots[order];
}

uint32_t xv_proto_submit_pages(uint32_t cmd_bytes)
{
	/* In 64 bits: cmd_bytes + 4095 overflows a u32 near 4 GiB. */
	return (uint32_t)(((uint64_t)cmd_bytes + XV_PAGE_BYTES - 1) /
			  XV_PAGE_BYTES);
}

uint32_t xv_proto_dir_pages(uint32_t nr_grefs)
{
	if (nr_grefs <= XV_SUBMIT_INLINE_GREFS)
		return 0;
	return (uint32_t)(((uint64_t)nr_grefs + XV_DIR_GREFS_PER_PAGE - 1) /
			  XV_DIR_GREFS_PER_PAGE);
}

/* ---- transport and negotiation ------------------------------------------- */

int xv_proto_check_req_prod(uint32_t req_prod, uint32_t rsp_prod_pvt,
			    unsigned int nr_ents)
{
	/* Unsigned difference: correct across index wrap-around. */
	if ((uint32_t)(req_prod - rsp_prod_pvt) > nr_ents)
		return -XV_ERR_RING_REQ_OVERFLOW;
	return 0;
}

int xv_proto_check_rsp_prod(uint32_t rsp_prod, uint32_t rsp_cons,
			    uint32_t req_prod_pvt)
{
	if ((uint32_t)(rsp_prod - rsp_cons) >
	    (uint32_t)(req_prod_pvt - rsp_cons))
		return -XV_ERR_RING_RSP_OVERFLOW;
	return 0;
}

int xv_proto_check_evt_idx(uint32_t prod, uint32_t cons)
{
	if ((uint32_t)(prod - cons) > XV_EVT_RING_LEN)
		return -XV_ERR_EVT_INDEX;
	return 0;
}

int xv_proto_check_features(uint32_t offered, uint32_t acked)
{
	if (acked & ~XV_FEATURE_ALL)
		return -XV_ERR_FEATURE_UNKNOWN;
	if (acked & ~offered)
		return -XV_ERR_FEATURE_NOT_OFFERED;
	return 0;
}

int xv_proto_check_ring_order(uint32_t order, uint32_t max_order,
			      uint32_t features)
{
	if (order > XV_RING_ORDER_MAX || order > max_order)
		return -XV_ERR_RING_ORDER;
	if (order > 0 && !(features & XV_FEATURE_MULTI_PAGE_RING))
		return -XV_ERR_RING_ORDER;
	return 0;
}

int xv_proto_check_gaddr(uint64_t gaddr)
{
	if (gaddr & (XV_PAGE_BYTES - 1))
		return -XV_ERR_GADDR_ALIGN;
	if (!(gaddr & XV_GADDR_GRANT))
		return -XV_ERR_GADDR_NOT_GRANT;
	/* Bits 44..62: frame-field bits above a 32-bit gref, and 52..62. */
	if (gaddr & ~(XV_GADDR_GRANT | ((uint64_t)UINT32_MAX << 12)))
		return -XV_ERR_GADDR_RESERVED;
	if (XV_GADDR_TO_GREF(gaddr) == 0)
		return -XV_ERR_GADDR_GREF_ZERO;
	return 0;
}

/* ---- requests ------------------------------------------------------------- */

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int check_ctx(uint32_t ctx, const struct xv_proto_params *p)
{
	if (ctx == 0 || ctx > p->limits.max_contexts)
		return -XV_ERR_CTX_RANGE;
	return 0;
}

static int check_op_range(uint16_t op)
{
	if (op == XV_OP_INVALID)
		return -XV_ERR_OP_INVALID;
	if (op <= XV_OP_CORE_LAST)
		return -XV_ERR_OP_UNKNOWN;
	if (op >= XV_OP_VENDOR_FIRST && op <= XV_OP_VENDOR_LAST)
		return -XV_ERR_OP_VENDOR;
	return -XV_ERR_OP_RESERVED;
}

static int check_cfg(const struct xv_req *req)
{
	const struct xv_req_cfg *c = &req->u.cfg;

	if (!all_zero(c->reserved, sizeof(c->reserved)))
		return -XV_ERR_PAYLOAD_RESERVED;
	if (c->size != 1 && c->size != 2 && c->size != 4)
		return -XV_ERR_CFG_SIZE;
	if (c->offset & (c->size - 1))
		return -XV_ERR_CFG_ALIGN;
	/* offset < size of space first, so offset + size cannot wrap. */
	if (c->offset >= XV_CFG_SPACE_SIZE ||
	    c->offset + c->size > XV_CFG_SPACE_SIZE)
		return -XV_ERR_CFG_RANGE;
	if (req->op == XV_OP_CFG_READ) {
		if (c->value)
			return -XV_ERR_PAYLOAD_RESERVED;
	} else if (c->size < 4 && (c->value >> (8 * c->size))) {
		return -XV_ERR_CFG_VALUE_WIDTH;
	}
	return 0;
}

static int check_ctx_create(const struct xv_req *req,
			    const struct xv_proto_params *p)
{
	const struct xv_req_ctx_create *c = &req->u.ctx_create;

	if (!all_zero(c->reserved, sizeof(c->reserved)))
		return -XV_ERR_PAYLOAD_RESERVED;
	if (c->flags & ~XV_CTX_FLAG_ALL)
		return -XV_ERR_CTX_FLAGS_UNKNOWN;
	/* A profile without the flag's feature refuses it (no-snoop: the
	 * profile enforces coherency); offered but not acked: the
	 * frontend's mistake. */
	if (c->flags & XV_CTX_FLAG_NOSNOOP) {
		if (!(p->limits.features & XV_FEATURE_NOSNOOP))
			return -XV_ERR_PERM;
		if (!(p->features & XV_FEATURE_NOSNOOP))
			return -XV_ERR_CTX_FLAGS_NOT_NEGOTIATED;
	}
	if ((c->flags & XV_CTX_FLAG_OOS) && !(p->features & XV_FEATURE_OOS_PT))
		return -XV_ERR_CTX_FLAGS_NOT_NEGOTIATED;
	return 0;
}

static int check_set_root(const struct xv_req *req)
{
	const struct xv_req_set_root *r = &req->u.set_root;

	if (!all_zero(r->reserved, sizeof(r->reserved)))
		return -XV_ERR_PAYLOAD_RESERVED;
	return xv_proto_check_gaddr(r->root);
}

static int check_pt_update(const struct xv_req *req)
{
	const struct xv_req_pt_update *u = &req->u.pt_update;
	const uint64_t va_end = 1ull << XV_GPU_VA_BITS;

	if (!all_zero(u->reserved, sizeof(u->reserved)))
		return -XV_ERR_PAYLOAD_RESERVED;
	if ((u->gpu_va | u->length) & (XV_PAGE_BYTES - 1))
		return -XV_ERR_RANGE_ALIGN;
	if (u->length == 0)
		return -XV_ERR_RANGE_EMPTY;
	if (u->gpu_va + u->length < u->gpu_va)
		return -XV_ERR_RANGE_OVERFLOW;
	if (u->gpu_va + u->length > va_end)
		return -XV_ERR_RANGE_LIMIT;
	return 0;
}

static int check_submit(const struct xv_req *req,
			const struct xv_proto_params *p)
{
	const struct xv_req_submit *s = &req->u.submit;
	uint32_t pages;

	if (!all_zero(s->reserved, sizeof(s->reserved)))
		return -XV_ERR_PAYLOAD_RESERVED;
	if (s->fence == 0)
		return -XV_ERR_SUBMIT_FENCE_ZERO;
	if (s->cmd_bytes == 0)
		return -XV_ERR_SUBMIT_EMPTY;
	if (s->cmd_bytes > p->limits.max_cmd_bytes)
		return -XV_ERR_SUBMIT_TOO_BIG;
	pages = xv_proto_submit_pages(s->cmd_bytes);

	if (pages > XV_SUBMIT_INLINE_GREFS) {
		if (s->gref_directory == 0)
			return -XV_ERR_SUBMIT_DIR_MISSING;
		if (s->nr_inline != 0)
			return -XV_ERR_SUBMIT_INLINE_COUNT;
		if (!all_zero(s->gref, sizeof(s->gref)))
			return -XV_ERR_SUBMIT_INLINE_UNUSED;
		return 0;
	}
	if (s->gref_directory != 0)
		return -XV_ERR_SUBMIT_DIR_UNEXPECTED;
	if (s->nr_inline != pages)
		return -XV_ERR_SUBMIT_INLINE_COUNT;
	for (uint32_t i = 0; i < pages; i++)
		if (s->gref[i] == 0)
			return -XV_ERR_SUBMIT_GREF_ZERO;
	for (uint32_t i = pages; i < XV_SUBMIT_INLINE_GREFS; i++)
		if (s->gref[i] != 0)
			return -XV_ERR_SUBMIT_INLINE_UNUSED;
	return 0;
}

int xv_proto_check_req(const struct xv_req *req,
		       const struct xv_proto_params *p)
{
	int rc;

	if (req->reserved0)
		return -XV_ERR_HDR_RESERVED;

	switch (req->op) {
	case XV_OP_QUERY_CAPS:
	case XV_OP_CFG_READ:
	case XV_OP_CFG_WRITE:
	case XV_OP_CTX_CREATE:
		if (req->ctx)
			return -XV_ERR_CTX_NOT_ZERO;
		break;
	case XV_OP_CTX_DESTROY:
	case XV_OP_CTX_SET_ROOT:
	case XV_OP_PT_UPDATE:
	case XV_OP_PT_RESYNC:
	case XV_OP_SUBMIT:
		rc = check_ctx(req->ctx, p);
		if (rc)
			return rc;
		break;
	default:
		return check_op_range(req->op);
	}

	switch (req->op) {
	case XV_OP_CFG_READ:
	case XV_OP_CFG_WRITE:
		return check_cfg(req);
	case XV_OP_CTX_CREATE:
		return check_ctx_create(req, p);
	case XV_OP_CTX_SET_ROOT:
		return check_set_root(req);
	case XV_OP_PT_UPDATE:
		return check_pt_update(req);
	case XV_OP_SUBMIT:
		return check_submit(req, p);
	default: /* QUERY_CAPS, CTX_DESTROY, PT_RESYNC: no payload */
		if (!all_zero(req->u.raw, sizeof(req->u.raw)))
			return -XV_ERR_PAYLOAD_RESERVED;
		return 0;
	}
}

int xv_proto_check_dir(const struct xv_gref_dir *dir, uint32_t remaining)
{
	uint32_t num = dir->num_grefs;
	uint32_t left;

	if (num == 0)
		return -XV_ERR_DIR_EMPTY;
	if (num > XV_DIR_GREFS_PER_PAGE)
		return -XV_ERR_DIR_NUM_OVER_PAGE;
	if (num > remaining)
		return -XV_ERR_DIR_NUM_OVER_REMAINING;
	left = remaining - num;
	if (left == 0 && dir->gref_dir_next_page != 0)
		return -XV_ERR_DIR_CHAIN_LONG;
	if (left != 0 && dir->gref_dir_next_page == 0)
		return -XV_ERR_DIR_CHAIN_SHORT;
	/* Fixed chain length: only the last page may be partly used. */
	if (left != 0 && num != XV_DIR_GREFS_PER_PAGE)
		return -XV_ERR_DIR_NOT_FULL;
	for (uint32_t i = 0; i < num; i++)
		if (dir->gref[i] == 0)
			return -XV_ERR_DIR_GREF_ZERO;
	for (uint32_t i = num; i < XV_DIR_GREFS_PER_PAGE; i++)
		if (dir->gref[i] != 0)
			return -XV_ERR_DIR_UNUSED;
	return 0;
}

void xv_proto_caps(const struct xv_proto_params *p, uint32_t generation,
		   struct xv_rsp_caps *c)
{
	const struct xv_limits *l = &p->limits;

	c->max_contexts = l->max_contexts;
	c->max_pinned_pages = l->max_pinned_pages;
	c->pasid_width = l->pasid_width;
	c->max_pasids = l->max_pasids;
	c->max_queued_bytes = l->max_queued_bytes;
	c->max_cmd_bytes = l->max_cmd_bytes;
	c->ring_order_max = l->ring_order_max;
	c->sched_weight = l->sched_weight;
	c->features = p->features;
	c->oos_pages = l->oos_pages;
	c->gpu_va_bits = XV_GPU_VA_BITS;
	c->generation = generation;
}

/* ---- responses and events ------------------------------------------------- */

static int check_caps(const struct xv_rsp_caps *c)
{
	if (c->max_contexts == 0 || c->pasid_width == 0 ||
	    c->pasid_width > XV_PASID_WIDTH_MAX || c->max_pasids == 0 ||
	    c->max_cmd_bytes == 0 || c->ring_order_max > XV_RING_ORDER_MAX ||
	    c->sched_weight == 0 || c->sched_weight > 1000 ||
	    (c->features & ~XV_FEATURE_ALL) || c->gpu_va_bits != XV_GPU_VA_BITS)
		return -XV_ERR_RSP_CAPS;
	return 0;
}

int xv_proto_check_rsp(const struct xv_rsp *rsp, const struct xv_req *sent,
		       const struct xv_proto_params *p)
{
	if (rsp->id != sent->id)
		return -XV_ERR_RSP_ID;
	if (rsp->op != sent->op)
		return -XV_ERR_RSP_OP;
	if (rsp->reserved0)
		return -XV_ERR_RSP_RESERVED;
	if (!xv_proto_status_known(rsp->status))
		return -XV_ERR_RSP_STATUS;
	if (rsp->status != 0) {
		if (!all_zero(rsp->u.raw, sizeof(rsp->u.raw)))
			return -XV_ERR_RSP_RESERVED;
		return 0;
	}

	switch (rsp->op) {
	case XV_OP_QUERY_CAPS:
		return check_caps(&rsp->u.caps);
	case XV_OP_CFG_READ: {
		const struct xv_rsp_cfg_read *c = &rsp->u.cfg_read;
		uint32_t size = sent->u.cfg.size;

		if (!all_zero(c->reserved, sizeof(c->reserved)))
			return -XV_ERR_RSP_RESERVED;
		/* sent was validated, so size is 1, 2 or 4. */
		if (size < 4 && (c->value >> (8 * size)))
			return -XV_ERR_RSP_CFG_VALUE;
		return 0;
	}
	case XV_OP_CTX_CREATE: {
		const struct xv_rsp_ctx_create *c = &rsp->u.ctx_create;
		uint32_t width = p->limits.pasid_width;

		if (!all_zero(c->reserved, sizeof(c->reserved)))
			return -XV_ERR_RSP_RESERVED;
		if (c->ctx == 0 || c->ctx > p->limits.max_contexts)
			return -XV_ERR_RSP_CTX_RANGE;
		if (width > XV_PASID_WIDTH_MAX)
			width = XV_PASID_WIDTH_MAX;
		if (c->vpasid == 0 || (uint64_t)c->vpasid >= (1ull << width))
			return -XV_ERR_RSP_PASID;
		return 0;
	}
	default:
		if (!all_zero(rsp->u.raw, sizeof(rsp->u.raw)))
			return -XV_ERR_RSP_RESERVED;
		return 0;
	}
}

int xv_proto_check_evt(const struct xv_evt *evt,
		       const struct xv_proto_params *p)
{
	switch (evt->type) {
	case XV_EVT_FENCE_DONE:
	case XV_EVT_GPU_FAULT:
	case XV_EVT_DEVICE_RESET:
		break;
	default:
		return -XV_ERR_EVT_TYPE;
	}
	if (evt->reserved0)
		return -XV_ERR_EVT_RESERVED;

	if (evt->type == XV_EVT_DEVICE_RESET) {
		const struct xv_evt_device_reset *r = &evt->u.device_reset;

		if (evt->ctx != 0)
			return -XV_ERR_EVT_CTX_RANGE;
		if (!all_zero(r->reserved, sizeof(r->reserved)))
			return -XV_ERR_EVT_RESERVED;
		return 0;
	}
	if (evt->ctx == 0 || evt->ctx > p->limits.max_contexts)
		return -XV_ERR_EVT_CTX_RANGE;

	if (evt->type == XV_EVT_FENCE_DONE) {
		const struct xv_evt_fence_done *f = &evt->u.fence_done;

		if (!all_zero(f->reserved, sizeof(f->reserved)))
			return -XV_ERR_EVT_RESERVED;
		if (f->fence == 0)
			return -XV_ERR_EVT_FENCE_ZERO;
		return 0;
	}

	const struct xv_evt_gpu_fault *g = &evt->u.gpu_fault;

	if (!all_zero(g->reserved, sizeof(g->reserved)))
		return -XV_ERR_EVT_RESERVED;
	if (g->access != XV_FAULT_ACCESS_READ &&
	    g->access != XV_FAULT_ACCESS_WRITE)
		return -XV_ERR_EVT_FAULT_ACCESS;
	if (g->reason < XV_FAULT_NOT_PRESENT ||
	    g->reason > XV_FAULT_BAD_ADDRESS)
		return -XV_ERR_EVT_FAULT_REASON;
	if (g->gpu_va >> XV_GPU_VA_BITS)
		return -XV_ERR_EVT_FAULT_VA;
	return 0;
}
