/*
 * ctl-report.h — what `list`, `show` and `profiles` print, from a
 * snapshot of one device (struct ctl_devinfo). Pure formatting: the
 * snapshot is taken by ctl-dom.h, the unit tests build their own.
 *
 * list (one header line, then one line a device):
 *   DOMAIN           ID  DEV STATE        PROFILE    CONTEXTS PINNED          PASIDS
 *   guest1            5    0 Connected    small      1/4      12/16384        1/4
 * "-" for a count the daemon does not publish (no status file).
 *
 * show: a "d<domid>/<devid> <name>" line, then "  key<pad>value" lines.
 */
#ifndef XV_CTL_REPORT_H
#define XV_CTL_REPORT_H

#include <stdio.h>

#include "be-status.h"
#include "ctl-profile.h"
#include "ctl-vgpu-spec.h"
#include "xs-parse.h"

/* Node readings: a state or online value that is missing or garbage. */
#define CTL_NODE_MISSING (-1)
#define CTL_NODE_GARBAGE (-2)

struct ctl_devinfo {
	unsigned domid, devid;
	char name[CTL_DOMAIN_NAME_MAX];	    /* "" when the domain is gone */
	int be_state;			    /* 0..8 or CTL_NODE_* */
	int fe_state;			    /* 0..8 or CTL_NODE_* */
	int online;			    /* 0, 1 or CTL_NODE_* */
	char profile[CTL_PROFILE_NAME_MAX]; /* "" if missing or garbage */
	int have_limits;		    /* lim read and in range */
	struct xv_limits lim;
	int have_status; /* the daemon's status file was read */
	struct xv_be_status st;
	char be_error[XV_XS_STR_MAX + 1]; /* backend's error node, or "" */
	char fe_error[XV_XS_STR_MAX + 1]; /* frontend's error node, or "" */
};

/* "Connected", ..., "-" (missing), "?" (garbage or out of range). */
const char *ctl_state_name(int state);

void ctl_print_list_header(FILE *f);
void ctl_print_list_row(FILE *f, const struct ctl_devinfo *d);
void ctl_print_show(FILE *f, const struct ctl_devinfo *d);

/* `profiles`: one line a profile with all its keys. */
void ctl_print_profiles(FILE *f, const struct ctl_profiles *ps);

#endif /* XV_CTL_REPORT_H */
