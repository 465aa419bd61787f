/*
 * be-submit.c — gather a SUBMIT's command buffer (see be-submit.h).
 *
 * Trusts the request's fields the validator checked (cmd_bytes within
 * max-cmd-bytes, nr_inline and the inline grefs consistent) and nothing
 * on any granted page: directory pages are copied before they are
 * checked, buffer pages are only copied from.
 */
#include "be-submit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "proto.h"

/* Pin errors as the response needs them. */
static int pin_status(int rc)
{
	switch (rc) {
	case -ENOSPC:
		return -XV_ERR_PIN_QUOTA;
	case -ENOMEM:
		return -XV_ERR_NOMEM;
	default:
		return -XV_ERR_BAD_GREF;
	}
}

/* Copy one directory page (pinned, copied, unpinned) into *dir. */
static int read_dir(struct xv_mapcache *mc, uint32_t gref,
		    struct xv_gref_dir *dir)
{
	xv_gaddr_t ga = XV_GADDR_FROM_GREF(gref);
	struct xv_pin pin;
	int rc;

	if (gref == 0)
		return -XV_ERR_DIR_GREF_ZERO;
	rc = xv_mapcache_pin_batch(mc, &ga, 1, XV_PIN_READ, &pin);
	if (rc)
		return pin_status(rc);
	memcpy(dir, pin.page, sizeof(*dir));
	xv_barrier(); /* only the copy is looked at from here */
	xv_mapcache_unpin_tokens(mc, &pin.token, 1, XV_PIN_READ);
	return 0;
}

/* The buffer's grefs, in order, into grefs[0..pages). */
static int collect_grefs(struct xv_mapcache *mc, const struct xv_req_submit *s,
			 uint32_t pages, uint32_t *grefs)
{
	struct xv_gref_dir *dir = NULL;
	uint32_t next = s->gref_directory, have = 0;
	uint32_t chain = xv_proto_dir_pages(pages);
	int rc = 0;

	if (pages <= XV_SUBMIT_INLINE_GREFS) {
		memcpy(grefs, s->gref, pages * sizeof(uint32_t));
		return 0;
	}
	dir = malloc(sizeof(*dir));
	if (!dir)
		return -XV_ERR_NOMEM;
	/* The chain has exactly `chain` pages (every page but the last is
	 * full), so this loop ends whatever the guest wrote. */
	for (uint32_t i = 0; i < chain; i++) {
		rc = read_dir(mc, next, dir);
		if (rc)
			goto out;
		rc = xv_proto_check_dir(dir, pages - have);
		if (rc)
			goto out;
		memcpy(grefs + have, dir->gref,
		       dir->num_grefs * sizeof(uint32_t));
		have += dir->num_grefs;
		next = dir->gref_dir_next_page;
	}
	/* check_dir makes next 0 exactly when nothing remains */
	if (have != pages || next != 0)
		rc = -XV_ERR_DIR_CHAIN_SHORT;
out:
	free(dir);
	return rc;
}

int be_submit_gather(struct xv_mapcache *mc, const struct xv_req_submit *s,
		     void **buf)
{
	uint32_t pages = xv_proto_submit_pages(s->cmd_bytes);
	xv_gaddr_t ga[XV_PIN_BATCH_MAX];
	struct xv_pin pin[XV_PIN_BATCH_MAX];
	uint64_t tok[XV_PIN_BATCH_MAX];
	uint32_t *grefs = NULL;
	char *out = NULL;
	int rc;

	*buf = NULL;
	if (pages == 0)
		return -XV_ERR_SUBMIT_EMPTY;
	grefs = malloc((size_t)pages * sizeof(*grefs));
	out = malloc(s->cmd_bytes);
	rc = -XV_ERR_NOMEM;
	if (!grefs || !out)
		goto out;
	rc = collect_grefs(mc, s, pages, grefs);
	if (rc)
		goto out;
	for (uint32_t done = 0; done < pages;) {
		uint32_t n = pages - done;

		if (n > XV_PIN_BATCH_MAX)
			n = XV_PIN_BATCH_MAX;
		for (uint32_t i = 0; i < n; i++) {
			if (grefs[done + i] == 0) {
				rc = -XV_ERR_DIR_GREF_ZERO;
				goto out;
			}
			ga[i] = XV_GADDR_FROM_GREF(grefs[done + i]);
		}
		rc = xv_mapcache_pin_batch(mc, ga, n, XV_PIN_READ, pin);
		if (rc) {
			rc = pin_status(rc);
			goto out;
		}
		for (uint32_t i = 0; i < n; i++) {
			size_t off = (size_t)(done + i) * XV_PAGE_SIZE;
			size_t len = s->cmd_bytes - off;

			if (len > XV_PAGE_SIZE)
				len = XV_PAGE_SIZE;
			memcpy(out + off, pin[i].page, len);
			tok[i] = pin[i].token;
		}
		/* unpinned, still mapped: the next submission of this
		 * buffer is a cache hit */
		xv_mapcache_unpin_tokens(mc, tok, n, XV_PIN_READ);
		done += n;
	}
	xv_barrier();
	*buf = out;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(grefs);
	return rc;
}
