/*
 * fuzz-xs-parse.c — libFuzzer target for the strict xenstore parsers
 * (xenstore/xs-parse.c, xenstore/xs-path.c).
 *
 * The input is split at 0xff bytes into node values; each value is copied
 * into a heap buffer of exactly its length (no NUL after it), so ASan
 * sees any read past what xs_read() would have returned. The values feed
 * the single-value parsers, then stand for the nodes of a frontend
 * directory and of a limit set. Whatever is accepted must satisfy the
 * protocol's bounds; a u32 accepted must print back to the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "fuzz-input.h"
#include "xs-parse.h"
#include "xs-path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUES 24

struct values {
	char *v[MAX_VALUES];
	size_t len[MAX_VALUES];
	unsigned int nr;
};

static const char *const front_names[] = {
    XV_FIELD_VERSION, XV_FIELD_FEATURES,     XV_FIELD_RING_ORDER,
    "ring-ref0",      "ring-ref1",	     "ring-ref2",
    "ring-ref3",      "ring-ref4",	     "ring-ref5",
    "ring-ref6",      "ring-ref7",	     "ring-ref8",
    "ring-ref9",      "ring-ref10",	     "ring-ref11",
    "ring-ref12",     "ring-ref13",	     "ring-ref14",
    "ring-ref15",     XV_FIELD_EVT_RING_REF, XV_FIELD_EVENT_CHANNEL,
};

struct dir {
	struct values *vals;
	const char *const *names;
	unsigned int nr_names;
	unsigned int out; /* values handed out and not put back */
};

static const char *dget(void *arg, const char *name, size_t *len)
{
	struct dir *d = arg;

	for (unsigned int i = 0; i < d->nr_names && i < d->vals->nr; i++)
		if (strcmp(d->names[i], name) == 0) {
			*len = d->vals->len[i];
			d->out++;
			return d->vals->v[i];
		}
	errno = ENOENT;
	return NULL;
}

static void dput(void *arg, const char *v)
{
	struct dir *d = arg;

	(void)v;
	d->out--;
}

static void check_u32(const char *s, size_t len)
{
	uint32_t v;
	char back[16];

	if (xv_xs_parse_u32(s, len, 0, UINT32_MAX, &v) == 0) {
		int n = snprintf(back, sizeof(back), "%u", v);

		xv_require((size_t)n == len && memcmp(back, s, len) == 0);
	}
}

static void check_singles(const char *s, size_t len)
{
	unsigned int st;
	bool b;
	uint32_t g;
	char out[XV_XS_STR_MAX + 1];

	check_u32(s, len);
	if (xv_xs_parse_state(s, len, &st) == 0)
		xv_require(st <= 8);
	if (xv_xs_parse_bool(s, len, &b) == 0)
		xv_require(len == 1);
	if (xv_xs_parse_gref(s, len, &g) == 0)
		xv_require(g != 0);
	if (xv_xs_parse_string(s, len, XV_XS_STR_MAX, out, sizeof(out)) == 0)
		xv_require(strlen(out) == len);
	if (xv_xs_parse_profile(s, len, out, sizeof(out)) == 0)
		xv_require(strlen(out) == len && len <= XV_XS_PROFILE_MAX);
}

static void check_paths(const char *s, size_t len)
{
	char path[XV_XS_PATH_MAX + 1], root[XV_XS_PATH_MAX];
	unsigned int d = 0, n = 0;
	int only;
	const char *tail;

	if (len > XV_XS_PATH_MAX || memchr(s, '\0', len))
		return;
	xv_xs_backend_root(root, sizeof(root), 0);
	snprintf(path, sizeof(path), "%s/%.*s", root, (int)len, s);
	if (xv_xs_split_backend_path(path, root, &d, &n, &only, &tail) == 0) {
		xv_require(d <= XV_XS_DOMID_MAX);
		xv_require(only || n <= XV_XS_DEVID_MAX);
		xv_require(tail >= path && tail <= path + strlen(path));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct values vals;
	struct dir dir;
	struct xv_xs_reader rd = {dget, dput, &dir};
	struct xv_xs_front_info fi;
	struct xv_limits lim;
	const char *bad;
	size_t start = 0;
	uint32_t offered = 0, maxo = 0;

	if (size < 2)
		return 0;
	offered = data[0] & 0x1f; /* may hold an unknown bit */
	maxo = data[1] & 0x7;	  /* may exceed the protocol's maximum */
	data += 2;
	size -= 2;

	memset(&vals, 0, sizeof(vals));
	for (size_t i = 0; i <= size && vals.nr < MAX_VALUES; i++) {
		if (i == size || data[i] == 0xff) {
			size_t len = i - start;
			char *v = malloc(len ? len : 1);

			if (!v)
				break;
			memcpy(v, data + start, len);
			vals.v[vals.nr] = v;
			vals.len[vals.nr] = len;
			vals.nr++;
			start = i + 1;
		}
	}

	for (unsigned int i = 0; i < vals.nr; i++) {
		check_singles(vals.v[i], vals.len[i]);
		check_paths(vals.v[i], vals.len[i]);
	}

	dir.vals = &vals;
	dir.names = front_names;
	dir.nr_names = XV_ARRAY_SIZE(front_names);
	dir.out = 0;
	bad = NULL;
	if (xv_xs_read_front_info(&rd, offered, maxo, &fi, &bad) == 0) {
		xv_require(fi.version == XV_PROTOCOL_VERSION_INT);
		xv_require((fi.features & ~offered) == 0);
		xv_require(fi.ring_order <= maxo &&
			   fi.ring_order <= XV_RING_ORDER_MAX);
		xv_require(fi.ring_order == 0 ||
			   (fi.features & XV_FEATURE_MULTI_PAGE_RING));
		xv_require(fi.nr_ring_refs == 1u << fi.ring_order);
		for (unsigned int i = 0; i < fi.nr_ring_refs; i++)
			xv_require(fi.ring_ref[i] != 0);
		xv_require(fi.evt_ring_ref != 0 && fi.evtchn != 0 &&
			   fi.evtchn <= INT32_MAX);
		xv_require(bad == NULL);
	} else {
		xv_require(bad != NULL);
	}
	xv_require(dir.out == 0);

	/* The same values as a limit set. */
	{
		const char *names[16];

		for (unsigned int i = 0; i < xv_xs_nr_limit_fields; i++)
			names[i] = xv_xs_limit_fields[i].name;
		dir.names = names;
		dir.nr_names = xv_xs_nr_limit_fields;
		if (xv_xs_read_limits(&rd, &lim, &bad) == 0) {
			xv_require(xv_xs_check_limits(&lim, NULL) == 0);
			xv_require(lim.pasid_width >= 1 &&
				   lim.pasid_width <= 20);
			xv_require(lim.ring_order_max <= XV_RING_ORDER_MAX);
			xv_require((lim.features & ~XV_FEATURE_ALL) == 0);
		}
		xv_require(dir.out == 0);
	}

	for (unsigned int i = 0; i < vals.nr; i++)
		free(vals.v[i]);
	return 0;
}
