/*
 * vgtest.h — what the domU programs of the bed's vGPU scenarios
 * (tests/xen/vg*-domu.c) share, linked into each of them by xen.mk.
 *
 * Those programs are plain programs, not xtest pairs: dom0's scenario
 * (tests/bed/scenarios/NN-*.sh) talks to them through nodes under the
 * guest's own xenstore home ("data/<suite>/<key>", relative paths), and
 * reads their exit status. The suites that report check by check print
 * one line a check, "ok   <what>" or "FAIL <what>", and end with
 * "<suite>: N failure(s)"; the lines are part of what a bed run shows,
 * so their shape stays as it is.
 *
 * Single-threaded: the failure count is a plain static.
 * Trusts: dom0 is the cooperating scenario; a missing answer is a
 * failure after a bounded wait, never a hang.
 */
#ifndef XV_VGTEST_H
#define XV_VGTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xenvgpu;
struct xenvgpu_ctx;
struct xenvgpu_opts;
struct xs_handle;
struct xv_cmd_builder;

/*
 * One line: "ok   " or "FAIL " then fmt's message, flushed at once (the
 * console log is all dom0 sees of a guest that dies mid-suite). A false
 * ok counts as a failure.
 */
void vgt_check(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "<suite>: N failure(s)" and the exit status: 1 when any check failed. */
int vgt_summary(const char *suite);

/*
 * Stdout line-buffered, xenstore and vGPU 0 opened (the library's
 * defaults); "FAIL open: <reason>" and -errno when either fails.
 */
int vgt_suite_open(struct xs_handle **xs, struct xenvgpu **h);

/*
 * The end of a suite whose guest dom0 inspects while idle: writes
 * <dir>/idle, waits (120 s) for dom0's <dir>/checked, then closes h.
 * One check for each.
 */
void vgt_close_checked(struct xs_handle *xs, struct xenvgpu *h,
		       const char *dir);

/* Write val at path (relative: under this domain's home): 0 or -errno. */
int vgt_put(struct xs_handle *xs, const char *path, const char *val);

/* path's value (malloc'd) once dom0 wrote it, or NULL after seconds. */
char *vgt_wait_node(struct xs_handle *xs, const char *path, int seconds);

/*
 * Options for xenvgpu_open_opts: vGPU 0, the library's ring order, the
 * given timeout, and why (why_len octets) for the reason of a failure.
 */
void vgt_opts_init(struct xenvgpu_opts *o, int timeout_ms, char *why,
		   size_t why_len);

/* xenvgpu_open_opts with those options: 0 or the library's error. */
int vgt_open_dev(struct xenvgpu **h, int timeout_ms, char *why, size_t why_len);

/*
 * Submit what b holds on c with the next fence (++*fence); the fence's
 * outcome within timeout_ms: 0 or a negative XENVGPU_ERR_* / -errno.
 */
int vgt_run(struct xenvgpu_ctx *c, const struct xv_cmd_builder *b,
	    uint64_t *fence, int timeout_ms);

/* Whether every 32-bit word of p's bytes (a multiple of 4) equals v. */
bool vgt_all(const void *p, size_t bytes, uint32_t v);

/* Sleep ms milliseconds (a retry's or a poll's pause). */
void vgt_nap_ms(long ms);

#endif /* XV_VGTEST_H */
