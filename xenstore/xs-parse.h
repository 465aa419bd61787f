/*
 * xs-parse.h — strict parsing of xenstore node values, and the limit
 * nodes of a vGPU profile.
 *
 * Every node a peer can write is hostile input: the guest owns its whole
 * frontend directory (vgpuif.h, "Who writes what"). A value is accepted
 * only when it is exactly what the protocol says: decimal digits, no
 * sign, no leading zeros (so "010" is not silently ten or eight), no
 * spaces, no trailing garbage, no embedded NUL, within a bounded length
 * and a given range. Values from xs_read() arrive with a length and need
 * not be NUL-terminated; nothing here reads past that length.
 *
 * Nothing here talks to xenstore: the frontend-node and limit readers
 * take a callback that returns a node's raw bytes, so the same code runs
 * against libxenstore (xs-device.c, the daemon, the frontend) and against
 * a table in a unit test or a fuzzer.
 *
 * Return values: 0, or -EINVAL (malformed), -ERANGE (well formed, out of
 * range), -ENOENT (node missing, from the callback), or a protocol code
 * -XV_ERR_* where vgpuif.h defines one (version, ring order, features).
 */
#ifndef XV_XS_PARSE_H
#define XV_XS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "vgpuif.h"

/* Longest decimal uint32: 4294967295. */
#define XV_XS_U32_DIGITS 10
/* Longest string node we accept from a peer (error text, profile name). */
#define XV_XS_STR_MAX 128
/* Longest profile name; [a-z0-9_-] only. */
#define XV_XS_PROFILE_MAX 32
/* Domain ids a guest can have: 0 .. DOMID_FIRST_RESERVED - 1. */
#define XV_XS_DOMID_MAX 0x7fefu
/* Device ids of one guest. */
#define XV_XS_DEVID_MAX 255u
/* Most ring pages: 2^XV_RING_ORDER_MAX. */
#define XV_XS_RING_REFS_MAX (1u << XV_RING_ORDER_MAX)

/* ---- single values --------------------------------------------------------
 * s/len as xs_read() returns them (s may be NULL: -ENOENT). */

/* A decimal in [min, max]. */
int xv_xs_parse_u32(const char *s, size_t len, uint32_t min, uint32_t max,
		    uint32_t *out);
/* A xenbus state, 0..8 (XenbusStateUnknown .. Reconfigured). */
int xv_xs_parse_state(const char *s, size_t len, unsigned int *out);
/* "0" or "1". */
int xv_xs_parse_bool(const char *s, size_t len, bool *out);
/*
 * A printable-ASCII string of at most max (< outlen) bytes, copied to out
 * and NUL-terminated. No control characters, no NUL inside.
 */
int xv_xs_parse_string(const char *s, size_t len, size_t max, char *out,
		       size_t outlen);
/* A profile name: 1..XV_XS_PROFILE_MAX bytes of [a-z0-9_-]. */
int xv_xs_parse_profile(const char *s, size_t len, char *out, size_t outlen);
/* A grant reference: 1..UINT32_MAX (0 belongs to the console). */
int xv_xs_parse_gref(const char *s, size_t len, uint32_t *out);

/* ---- node readers ----------------------------------------------------------
 * get() returns the raw value of node `name` in the directory being read
 * (len set), or NULL with errno set (ENOENT when missing). The returned
 * buffer is owned by the callback (it is released with put(), NULL ok). */
struct xv_xs_reader {
	const char *(*get)(void *arg, const char *name, size_t *len);
	void (*put)(void *arg, const char *value);
	void *arg;
};

/* Read one u32 node through a reader. */
int xv_xs_read_u32(const struct xv_xs_reader *rd, const char *name,
		   uint32_t min, uint32_t max, uint32_t *out);

/* ---- the profile's limit nodes ------------------------------------------- */

/* One limit node: its name (XV_FIELD_*), its field and its range. */
struct xv_xs_limit_field {
	const char *name;
	size_t offset; /* offsetof(struct xv_limits, ...) */
	uint32_t min;
	uint32_t max;
};

/* The ten limit nodes, in struct xv_limits order. */
extern const struct xv_xs_limit_field xv_xs_limit_fields[];
extern const unsigned int xv_xs_nr_limit_fields;

/* Check every field of a struct xv_limits against its range. On failure
 * *bad (NULL ok) names the first bad node. 0 or -ERANGE. */
int xv_xs_check_limits(const struct xv_limits *lim, const char **bad);

/* Read the ten limit nodes; on failure *bad (NULL ok) names the node. */
int xv_xs_read_limits(const struct xv_xs_reader *rd, struct xv_limits *out,
		      const char **bad);

/* ---- the frontend's connection nodes ------------------------------------- */

/* What the backend takes from a frontend directory, all checked. */
struct xv_xs_front_info {
	uint32_t version;
	uint32_t features; /* the ack */
	uint32_t ring_order;
	uint32_t nr_ring_refs; /* 2^ring_order */
	uint32_t ring_ref[XV_XS_RING_REFS_MAX];
	uint32_t evt_ring_ref;
	uint32_t evtchn;
};

/*
 * Read and check the frontend's version, features, ring-page-order,
 * ring-ref0..N-1, evt-ring-ref and event-channel against what the backend
 * offered (features) and allows (max ring order). On failure *bad (NULL
 * ok) names the node at fault. Returns 0, -EINVAL/-ERANGE/-ENOENT for a
 * malformed or missing node, -XV_ERR_VERSION, -XV_ERR_FEATURE_UNKNOWN,
 * -XV_ERR_FEATURE_NOT_OFFERED, -XV_ERR_RING_ORDER.
 */
int xv_xs_read_front_info(const struct xv_xs_reader *rd, uint32_t offered,
			  uint32_t max_ring_order, struct xv_xs_front_info *out,
			  const char **bad);

/*
 * The text for an "error" node: "<code> <text>: <node>" where code is the
 * positive XV_ERR_* or errno value, as vgpuif.h asks. rc is the negative
 * code; node may be NULL. Always NUL-terminates; returns out.
 */
char *xv_xs_format_error(char *out, size_t outlen, int rc, const char *node);

#endif /* XV_XS_PARSE_H */
