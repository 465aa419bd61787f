/*
 * report.c — the text of `list`, `show` and `profiles`. Output is for
 * people and for scripts (the bed's checks grep it): columns never
 * change order, a value that is not known prints as "-".
 */
#include "ctl-report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

static const char *const state_names[] = {
    "Unknown", "Initialising", "InitWait",	"Initialised",	"Connected",
    "Closing", "Closed",       "Reconfiguring", "Reconfigured",
};

const char *ctl_state_name(int state)
{
	if (state == CTL_NODE_MISSING)
		return "-";
	if (state < 0 ||
	    state >= (int)(sizeof(state_names) / sizeof(state_names[0])))
		return "?";
	return state_names[state];
}

void ctl_print_list_header(FILE *f)
{
	fprintf(f, "%-16s %5s %4s %-12s %-10s %-8s %-15s %s\n", "DOMAIN", "ID",
		"DEV", "STATE", "PROFILE", "CONTEXTS", "PINNED", "PASIDS");
}

/* "used/max", "-/max", "used/-" or "-/-". */
static const char *ratio(char *buf, size_t len, int have_used, uint32_t used,
			 int have_max, uint32_t max)
{
	char u[16] = "-", m[16] = "-";

	if (have_used)
		snprintf(u, sizeof(u), "%" PRIu32, used);
	if (have_max)
		snprintf(m, sizeof(m), "%" PRIu32, max);
	snprintf(buf, len, "%s/%s", u, m);
	return buf;
}

void ctl_print_list_row(FILE *f, const struct ctl_devinfo *d)
{
	char ctx[40], pin[40], pas[40];
	int s = d->have_status, l = d->have_limits;

	fprintf(
	    f, "%-16s %5u %4u %-12s %-10s %-8s %-15s %s\n",
	    d->name[0] ? d->name : "-", d->domid, d->devid,
	    ctl_state_name(d->be_state), d->profile[0] ? d->profile : "-",
	    ratio(ctx, sizeof(ctx), s, d->st.contexts, l, d->lim.max_contexts),
	    ratio(pin, sizeof(pin), s, d->st.pinned_pages, l,
		  d->lim.max_pinned_pages),
	    ratio(pas, sizeof(pas), s, d->st.pasids, l, d->lim.max_pasids));
}

static void kv(FILE *f, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void kv(FILE *f, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "  %-20s ", key);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void state_line(FILE *f, const char *key, int state)
{
	if (state >= 0 && state <= 8)
		kv(f, key, "%s (%d)", ctl_state_name(state), state);
	else
		kv(f, key, "%s", state == CTL_NODE_MISSING ? "-" : "? (bad)");
}

void ctl_print_show(FILE *f, const struct ctl_devinfo *d)
{
	char feat[64];

	fprintf(f, "d%u/%u %s\n", d->domid, d->devid,
		d->name[0] ? d->name : "(domain gone)");
	state_line(f, "state", d->be_state);
	state_line(f, "frontend-state", d->fe_state);
	kv(f, "online", "%s",
	   d->online == 1   ? "1"
	   : d->online == 0 ? "0"
			    : "-");
	kv(f, "profile", "%s", d->profile[0] ? d->profile : "-");
	if (d->have_limits) {
		for (int k = 0; k < CTL_LIM_COUNT; k++) {
			if (k == CTL_LIM_FEATURES)
				kv(f, ctl_limit_name(k), "%s",
				   ctl_features_str(d->lim.features, feat,
						    sizeof(feat)));
			else
				kv(f, ctl_limit_name(k), "%" PRIu32,
				   ctl_limit_get(&d->lim, k));
		}
	} else {
		kv(f, "limits", "- (missing or out of range)");
	}
	if (d->have_status) {
		kv(f, "contexts", "%" PRIu32, d->st.contexts);
		kv(f, "pinned-pages", "%" PRIu32, d->st.pinned_pages);
		kv(f, "pasids", "%" PRIu32, d->st.pasids);
		kv(f, "grant-mapped-pages", "%" PRIu64,
		   d->st.grant_mapped_pages);
		kv(f, "grant-map-calls", "%" PRIu64, d->st.grant_map_calls);
		kv(f, "grant-unmap-calls", "%" PRIu64, d->st.grant_unmap_calls);
		kv(f, "submits", "%" PRIu64, d->st.submits);
		kv(f, "fences", "%" PRIu64, d->st.fences);
		kv(f, "gpu-faults", "%" PRIu64, d->st.gpu_faults);
		kv(f, "faults-lost", "%" PRIu64, d->st.faults_lost);
		kv(f, "scratch-entries", "%" PRIu64, d->st.scratch_entries);
		kv(f, "scratch-events", "%" PRIu64, d->st.scratch_events);
		/* The status file's oos-pages; the limit of that name is
		 * printed above. */
		kv(f, "oos-pages-tracked", "%" PRIu64, d->st.oos_pages);
		kv(f, "requests", "%" PRIu64, d->st.requests);
		kv(f, "rejected", "%" PRIu64, d->st.rejected);
		kv(f, "generation", "%" PRIu32, d->st.generation);
		kv(f, "last-error", "%s",
		   d->st.last_error[0] ? d->st.last_error : "-");
	} else {
		kv(f, "daemon", "- (xenvgpud does not serve this device)");
	}
	kv(f, "error", "%s", d->be_error[0] ? d->be_error : "-");
	kv(f, "frontend-error", "%s", d->fe_error[0] ? d->fe_error : "-");
}

void ctl_print_profiles(FILE *f, const struct ctl_profiles *ps)
{
	char feat[64];

	for (unsigned i = 0; i < ps->n; i++) {
		const struct xv_limits *l = &ps->p[i].limits;

		fprintf(f, "%s:", ps->p[i].name);
		for (int k = 0; k < CTL_LIM_COUNT; k++) {
			if (k == CTL_LIM_FEATURES)
				fprintf(f, " %s=%s", ctl_limit_name(k),
					ctl_features_str(l->features, feat,
							 sizeof(feat)));
			else
				fprintf(f, " %s=%" PRIu32, ctl_limit_name(k),
					ctl_limit_get(l, k));
		}
		fputc('\n', f);
	}
}
