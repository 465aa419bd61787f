/*
 * ctl-limits.h — the limit keys a profile (and a vgpu entry's override)
 * sets, their ranges and the rules that tie them together.
 *
 * A key's name is the name of its node in the device's backend directory
 * (common/vgpuif.h), so the profiles file, the xl config entries and
 * xenstore use one vocabulary. Every key fills one field of struct
 * xv_limits (common/limits.h).
 */
#ifndef XV_CTL_LIMITS_H
#define XV_CTL_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct ctl_err;

enum ctl_limit_key {
	CTL_LIM_MAX_CONTEXTS,
	CTL_LIM_MAX_PINNED_PAGES,
	CTL_LIM_PASID_WIDTH,
	CTL_LIM_MAX_PASIDS,
	CTL_LIM_MAX_QUEUED_BYTES,
	CTL_LIM_MAX_CMD_BYTES,
	CTL_LIM_MAX_RING_PAGE_ORDER,
	CTL_LIM_SCHED_WEIGHT,
	CTL_LIM_FEATURES,
	CTL_LIM_OOS_PAGES,
	CTL_LIM_COUNT
};

/* Ranges (inclusive) the tool accepts; docs/xl-config.md lists them. */
#define CTL_MAX_CONTEXTS_MAX	 4096u
#define CTL_MAX_PINNED_PAGES_MAX (1u << 28) /* 1 TiB of 4 KiB pages */
#define CTL_QUEUED_BYTES_MIN	 4096u
#define CTL_CMD_BYTES_MIN	 64u
#define CTL_BYTES_MAX		 (1u << 30)
#define CTL_CMD_BYTES_MAX	 (256u << 20)
#define CTL_SCHED_WEIGHT_MAX	 1000u
#define CTL_OOS_PAGES_MAX	 65536u

/* The key's name ("max-contexts"), or NULL outside 0..CTL_LIM_COUNT-1. */
const char *ctl_limit_name(int key);

/* The key named name, or -1. */
int ctl_limit_find(const char *name);

/* All key names, CTL_LIM_COUNT of them, in enum order. */
const char *const *ctl_limit_names(void);

/* The built-in values of a key a profile leaves out. */
void ctl_limits_default(struct xv_limits *lim);

/*
 * Parse value for key into lim. Numbers are strict decimals; the byte
 * keys take a K/M/G suffix; "features" is a comma- or space-separated
 * list of feature names, or "none" or "all". 0 or -EINVAL/-ERANGE with
 * err naming the key, the value and the accepted range.
 */
int ctl_limit_set(struct xv_limits *lim, int key, const char *value,
		  struct ctl_err *err);

/* One field's value as xenstore holds it (decimal), and its setter. */
uint32_t ctl_limit_get(const struct xv_limits *lim, int key);
void ctl_limit_put(struct xv_limits *lim, int key, uint32_t value);

/*
 * The rules between keys: max-pasids fits the PASID width, a command
 * fits the queue, max-ring-page-order > 0 needs multi-page-ring,
 * oos-pages > 0 needs oos-pt. 0 or -EINVAL with err set.
 */
int ctl_limits_check(const struct xv_limits *lim, struct ctl_err *err);

/* Feature names ("oos-pt,holdoff") or "none", into buf; returns buf. */
const char *ctl_features_str(uint32_t features, char *buf, size_t len);

#endif /* XV_CTL_LIMITS_H */
