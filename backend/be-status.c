/*
 * be-status.c — format, parse, write and read the per-device status
 * files (see be-status.h).
 *
 * The files are written by the daemon only (root, /run); readers still
 * parse them strictly so a truncated or foreign file gives -EINVAL, not
 * garbage.
 */
#include "be-status.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int xv_be_status_path(char *buf, size_t len, const char *dir,
		      unsigned int domid, unsigned int devid)
{
	int n = snprintf(buf, len, "%s/d%u-%u", dir, domid, devid);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xv_be_status_format(const struct xv_be_status *st, char *buf, size_t len)
{
	int n = snprintf(
	    buf, len,
	    "domid %u\ndevid %u\ndomain %s\nstate %u\nprofile %s\n"
	    "generation %" PRIu32 "\ncontexts %" PRIu32 "\npasids %" PRIu32
	    "\npinned-pages %" PRIu32 "\nrequests %" PRIu64
	    "\nrejected %" PRIu64 "\ngrant-map-calls %" PRIu64
	    "\ngrant-unmap-calls %" PRIu64 "\ngrant-mapped-pages %" PRIu64
	    "\nsubmits %" PRIu64 "\nfences %" PRIu64 "\ngpu-faults %" PRIu64
	    "\nfaults-lost %" PRIu64 "\nscratch-entries %" PRIu64
	    "\nscratch-events %" PRIu64 "\noos-pages %" PRIu64
	    "\nlast-error %s\n",
	    st->domid, st->devid, st->domain[0] ? st->domain : "-", st->state,
	    st->profile[0] ? st->profile : "-", st->generation, st->contexts,
	    st->pasids, st->pinned_pages, st->requests, st->rejected,
	    st->grant_map_calls, st->grant_unmap_calls, st->grant_mapped_pages,
	    st->submits, st->fences, st->gpu_faults, st->faults_lost,
	    st->scratch_entries, st->scratch_events, st->oos_pages,
	    st->last_error[0] ? st->last_error : "-");

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static int num(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

int xv_be_status_parse(const char *text, size_t len, struct xv_be_status *out)
{
	struct xv_be_status st;
	char line[256];
	size_t pos = 0;
	unsigned int seen = 0;

	memset(&st, 0, sizeof(st));
	/* a complete file ends with a newline; a cut one may not be seen
	   as whole even when its last line still parses */
	if (len == 0 || text[len - 1] != '\n')
		return -EINVAL;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *sp, *key, *val;
		uint64_t v = 0;

		if (l >= sizeof(line))
			return -EINVAL;
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos += l + 1;
		if (l == 0)
			continue;
		sp = strchr(line, ' ');
		if (!sp)
			return -EINVAL;
		*sp = '\0';
		key = line;
		val = sp + 1;
		if (strcmp(key, "profile") == 0) {
			snprintf(st.profile, sizeof(st.profile), "%s",
				 strcmp(val, "-") ? val : "");
			seen |= 1u << 3;
			continue;
		}
		if (strcmp(key, "domain") == 0) {
			/* optional: older files lack it */
			if (strcmp(val, "-") &&
			    xv_be_status_set_domain(st.domain, val))
				return -EINVAL;
			continue;
		}
		if (strcmp(key, "last-error") == 0) {
			snprintf(st.last_error, sizeof(st.last_error), "%s",
				 strcmp(val, "-") ? val : "");
			seen |= 1u << 10;
			continue;
		}
#define KEY(name, bit, field, max)                  \
	if (strcmp(key, name) == 0) {               \
		if (num(val, max, &v))              \
			return -EINVAL;             \
		st.field = (__typeof__(st.field))v; \
		seen |= 1u << (bit);                \
		continue;                           \
	}
		KEY("domid", 0, domid, 0xffff)
		KEY("devid", 1, devid, 0xffff)
		KEY("state", 2, state, 8)
		KEY("generation", 4, generation, UINT32_MAX)
		KEY("contexts", 5, contexts, UINT32_MAX)
		KEY("pasids", 6, pasids, UINT32_MAX)
		KEY("pinned-pages", 7, pinned_pages, UINT32_MAX)
		KEY("requests", 8, requests, UINT64_MAX)
		KEY("rejected", 9, rejected, UINT64_MAX)
		/* the GPU path's counters: optional (older files lack them) */
		KEY("grant-map-calls", 11, grant_map_calls, UINT64_MAX)
		KEY("grant-unmap-calls", 11, grant_unmap_calls, UINT64_MAX)
		KEY("grant-mapped-pages", 11, grant_mapped_pages, UINT64_MAX)
		KEY("submits", 11, submits, UINT64_MAX)
		KEY("fences", 11, fences, UINT64_MAX)
		KEY("gpu-faults", 11, gpu_faults, UINT64_MAX)
		KEY("faults-lost", 11, faults_lost, UINT64_MAX)
		KEY("scratch-entries", 11, scratch_entries, UINT64_MAX)
		KEY("scratch-events", 11, scratch_events, UINT64_MAX)
		KEY("oos-pages", 11, oos_pages, UINT64_MAX)
#undef KEY
		/* unknown key: skipped, later versions add some */
	}
	if ((seen & ((1u << 11) - 1)) != (1u << 11) - 1)
		return -EINVAL;
	*out = st;
	return 0;
}

int xv_be_status_write(const char *dir, const struct xv_be_status *st)
{
	char path[256], tmp[272], buf[1024];
	int fd = -1, n, rc = 0;

	rc = xv_be_status_path(path, sizeof(path), dir, st->domid, st->devid);
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = xv_be_status_format(st, buf, sizeof(buf));
	if (n < 0)
		return n;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n) {
		rc = errno ? -errno : -EIO;
		goto out;
	}
	if (rename(tmp, path) < 0)
		rc = -errno;
out:
	close(fd);
	if (rc)
		unlink(tmp);
	return rc;
}

int xv_be_status_read(const char *dir, unsigned int domid, unsigned int devid,
		      struct xv_be_status *out)
{
	char path[256], buf[1024];
	ssize_t n;
	int fd, rc;

	rc = xv_be_status_path(path, sizeof(path), dir, domid, devid);
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	if ((size_t)n == sizeof(buf))
		return -EINVAL;
	return xv_be_status_parse(buf, (size_t)n, out);
}

int xv_be_status_set_domain(char dom[XV_BE_STATUS_DOMMAX + 1], const char *s)
{
	size_t n = strlen(s);

	dom[0] = '\0';
	if (n == 0 || n > XV_BE_STATUS_DOMMAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return -EINVAL;
	memcpy(dom, s, n + 1);
	return 0;
}

int xv_be_status_remove(const char *dir, unsigned int domid, unsigned int devid)
{
	char path[256];
	int rc = xv_be_status_path(path, sizeof(path), dir, domid, devid);

	if (rc)
		return rc;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
