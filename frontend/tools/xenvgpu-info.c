/*
 * xenvgpu-info — the guest's view of one vGPU: its capabilities and
 * limits (QUERY_CAPS), and its whole virtual PCI config space read
 * through CFG_READ, printed decoded: the PCI header, the PCI Express
 * capability, the PASID extended capability and the xenvgpu DVSEC (its
 * limits and free extended ranges). --enable-pasid sets PASID Enable,
 * which the backend requires before it creates any GPU context.
 *
 *   xenvgpu-info [-d DEVID] [-t TIMEOUT_MS] [--enable-pasid] [--raw]
 *
 * Exit status: 0 all well; 1 the device could not be used or its answers
 * do not check out (a message on stderr says which); 2 bad usage.
 *
 * Trusts: nothing the backend returns; the config bytes are walked with
 * common/vcfg.c's bounded decoders, and the DVSEC's limits must agree
 * with what QUERY_CAPS said.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libxenvgpu.h"
#include "vcfg.h"
#include "vgpuif.h"

static int failures;

static void fail(const char *fmt, const char *what, int code)
{
	fprintf(stderr, "xenvgpu-info: ");
	fprintf(stderr, fmt, what);
	if (code)
		fprintf(stderr, ": %s (%d)", xenvgpu_strerror(code), code);
	fprintf(stderr, "\n");
	failures++;
}

static uint16_t le16(const uint8_t *c, uint32_t off)
{
	return (uint16_t)(c[off] | c[off + 1] << 8);
}

static uint32_t le32(const uint8_t *c, uint32_t off)
{
	return (uint32_t)c[off] | (uint32_t)c[off + 1] << 8 |
	       (uint32_t)c[off + 2] << 16 | (uint32_t)c[off + 3] << 24;
}

static void print_features(uint32_t f)
{
	static const char *const names[] = {"oos-pt", "nosnoop", "holdoff",
					    "multi-page-ring"};
	const char *sep = "";

	printf("0x%x (", f);
	for (unsigned int i = 0; i < 32; i++) {
		if (!(f & (1u << i)))
			continue;
		if (i < sizeof(names) / sizeof(names[0]))
			printf("%s%s", sep, names[i]);
		else
			printf("%sbit%u", sep, i);
		sep = " ";
	}
	printf(")\n");
}

static void print_caps(const struct xenvgpu_caps *c)
{
	printf("vGPU capabilities (QUERY_CAPS)\n");
	printf("  protocol version      %u\n", c->version);
	printf("  backend domain        %u\n", c->backend_domid);
	printf("  ring                  2^%u pages, %u slots\n", c->ring_order,
	       c->ring_slots);
	printf("  features offered      ");
	print_features(c->offered_features);
	printf("  features in use       ");
	print_features(c->features);
	printf("  max contexts          %u\n", c->max_contexts);
	printf("  max pinned pages      %u (%llu KiB)\n", c->max_pinned_pages,
	       (unsigned long long)c->max_pinned_pages * 4);
	printf("  PASID width           %u bits\n", c->pasid_width);
	printf("  max PASIDs            %u\n", c->max_pasids);
	printf("  max queued bytes      %u\n", c->max_queued_bytes);
	printf("  max command bytes     %u\n", c->max_cmd_bytes);
	printf("  max ring page order   %u\n", c->ring_order_max);
	printf("  scheduling weight     %u\n", c->sched_weight);
	printf("  out-of-sync PT pages  %u\n", c->oos_pages);
	printf("  GPU VA bits           %u\n", c->gpu_va_bits);
	printf("  reset generation      %u\n", c->generation);
}

static void print_header(const uint8_t *cfg)
{
	uint32_t class = le32(cfg, XV_PCI_REVISION_ID) >> 8;

	printf("PCI header (type %u)\n", cfg[XV_PCI_HEADER_TYPE] & 0x7f);
	printf("  vendor:device         %04x:%04x\n",
	       le16(cfg, XV_PCI_VENDOR_ID), le16(cfg, XV_PCI_DEVICE_ID));
	printf("  subsystem             %04x:%04x\n",
	       le16(cfg, XV_PCI_SUBSYS_VENDOR_ID), le16(cfg, XV_PCI_SUBSYS_ID));
	printf("  revision              0x%02x\n", cfg[XV_PCI_REVISION_ID]);
	printf("  class                 0x%06x%s\n", class,
	       (class >> 16) == 0x03 ? " (display controller)" : "");
	printf("  command               0x%04x (bus master %s)\n",
	       le16(cfg, XV_PCI_COMMAND),
	       le16(cfg, XV_PCI_COMMAND) & XV_PCI_COMMAND_MASTER ? "on"
								 : "off");
	printf("  status                0x%04x%s\n", le16(cfg, XV_PCI_STATUS),
	       le16(cfg, XV_PCI_STATUS) & XV_PCI_STATUS_CAP_LIST
		   ? " (capability list)"
		   : "");
	for (unsigned int i = 0; i < 6; i++)
		if (le32(cfg, XV_PCI_BAR0 + 4 * i))
			printf("  BAR%u                  0x%08x\n", i,
			       le32(cfg, XV_PCI_BAR0 + 4 * i));
	printf("  BARs                  %s\n",
	       le32(cfg, XV_PCI_BAR0) | le32(cfg, XV_PCI_BAR0 + 4) |
		       le32(cfg, XV_PCI_BAR0 + 8) |
		       le32(cfg, XV_PCI_BAR0 + 12) |
		       le32(cfg, XV_PCI_BAR0 + 16) | le32(cfg, XV_PCI_BAR0 + 20)
		   ? "some set (unexpected)"
		   : "none (reached through the ring)");
	printf("  capabilities pointer  0x%02x\n", cfg[XV_PCI_CAPABILITY_LIST]);
	printf("  interrupt pin         %u\n", cfg[XV_PCI_INTERRUPT_PIN]);
}

static void print_pcie(const uint8_t *cfg)
{
	static const char *const mps[] = {"128",  "256",  "512",
					  "1024", "2048", "4096"};
	uint32_t off, devcap, lnkcap;
	uint16_t flags, devctl, lnksta;
	int rc;

	rc = xv_vcfg_find_cap(cfg, XV_PCI_CAP_ID_EXP, &off);
	if (rc) {
		fail("no usable PCI Express capability%s", "", rc);
		return;
	}
	flags = le16(cfg, off + XV_PCI_EXP_FLAGS);
	devcap = le32(cfg, off + XV_PCI_EXP_DEVCAP);
	devctl = le16(cfg, off + XV_PCI_EXP_DEVCTL);
	lnkcap = le32(cfg, off + XV_PCI_EXP_LNKCAP);
	lnksta = le16(cfg, off + XV_PCI_EXP_LNKSTA);
	printf("PCI Express capability at 0x%02x\n", off);
	printf("  version %u, device/port type %u%s\n", flags & 0xf,
	       (flags >> 4) & 0xf,
	       ((flags >> 4) & 0xf) == 0 ? " (endpoint)" : "");
	printf("  device capabilities   0x%08x (max payload %s B)\n", devcap,
	       (devcap & 7) < 6 ? mps[devcap & 7] : "?");
	printf("  device control        0x%04x (relaxed ordering %s, no snoop "
	       "%s, max read request %s B)\n",
	       devctl, devctl & 0x10 ? "on" : "off",
	       devctl & 0x800 ? "on" : "off",
	       ((devctl >> 12) & 7) < 6 ? mps[(devctl >> 12) & 7] : "?");
	printf("  device status         0x%04x\n",
	       le16(cfg, off + XV_PCI_EXP_DEVSTA));
	printf("  link capabilities     0x%08x (speed %u, width x%u)\n", lnkcap,
	       lnkcap & 0xf, (lnkcap >> 4) & 0x3f);
	printf("  link status           0x%04x (speed %u, width x%u)\n", lnksta,
	       lnksta & 0xf, (lnksta >> 4) & 0x3f);
}

static void print_pasid(const uint8_t *cfg)
{
	uint32_t off, hdr;
	uint16_t cap, ctrl;
	int rc;

	rc = xv_vcfg_find_ext_cap(cfg, XV_PCI_EXT_CAP_ID_PASID, &off);
	if (rc) {
		fail("no usable PASID extended capability%s", "", rc);
		return;
	}
	hdr = le32(cfg, off);
	cap = le16(cfg, off + XV_PCI_PASID_CAP);
	ctrl = le16(cfg, off + XV_PCI_PASID_CTRL);
	printf(
	    "PASID extended capability at 0x%03x (version %u, next 0x%03x)\n",
	    off, (hdr >> 16) & 0xf, hdr >> 20);
	printf("  capability            0x%04x\n", cap);
	printf("    max PASID width     %u bits\n",
	       (cap & XV_PCI_PASID_CAP_WIDTH) >> 8);
	printf("    execute permission  %s\n",
	       cap & XV_PCI_PASID_CAP_EXEC ? "supported" : "not supported");
	printf("    privileged mode     %s\n",
	       cap & XV_PCI_PASID_CAP_PRIV ? "supported" : "not supported");
	printf("  control               0x%04x\n", ctrl);
	printf("    PASID enable        %s\n",
	       ctrl & XV_PCI_PASID_CTRL_ENABLE ? "on" : "off");
	printf("    execute permission  %s\n",
	       ctrl & XV_PCI_PASID_CTRL_EXEC ? "on" : "off");
	printf("    privileged mode     %s\n",
	       ctrl & XV_PCI_PASID_CTRL_PRIV ? "on" : "off");
}

/* The DVSEC's limits must be the ones QUERY_CAPS reported. */
static void check_limit(const char *name, uint32_t dvsec, uint32_t caps)
{
	if (dvsec != caps) {
		char what[96];

		snprintf(what, sizeof(what), "%s: DVSEC %u, QUERY_CAPS %u",
			 name, dvsec, caps);
		fail("config space and capabilities disagree on %s", what, 0);
	}
}

static void print_dvsec(const uint8_t *cfg, const struct xenvgpu_caps *c)
{
	struct xv_vcfg_range ranges[XV_DVSEC_FREE_MAX];
	struct xv_limits lim;
	unsigned int n = 0;
	uint32_t off, hdr1;
	int rc;

	rc = xv_vcfg_find_dvsec(cfg, XV_DVSEC_VENDOR_ID, XV_DVSEC_ID, &off);
	if (rc) {
		fail("no xenvgpu DVSEC%s", "", rc);
		return;
	}
	hdr1 = le32(cfg, off + XV_DVSEC_HDR1);
	printf("DVSEC at 0x%03x (vendor 0x%04x, ID 0x%04x, revision %u, "
	       "length 0x%x, next 0x%03x)\n",
	       off, hdr1 & 0xffff, le16(cfg, off + XV_DVSEC_HDR2),
	       (hdr1 >> 16) & 0xf, hdr1 >> 20, le32(cfg, off) >> 20);
	rc = xv_vcfg_decode_limits(cfg, &lim);
	if (rc) {
		fail("DVSEC limits do not decode%s", "", rc);
		return;
	}
	printf("  max contexts          %u\n", lim.max_contexts);
	printf("  max pinned pages      %u\n", lim.max_pinned_pages);
	printf("  PASID width           %u\n", lim.pasid_width);
	printf("  max PASIDs            %u\n", lim.max_pasids);
	printf("  max queued bytes      %u\n", lim.max_queued_bytes);
	printf("  max command bytes     %u\n", lim.max_cmd_bytes);
	printf("  max ring page order   %u\n", lim.ring_order_max);
	printf("  scheduling weight     %u\n", lim.sched_weight);
	printf("  features              ");
	print_features(lim.features);
	printf("  out-of-sync PT pages  %u\n", lim.oos_pages);
	rc = xv_vcfg_decode_free_ranges(cfg, ranges, XV_DVSEC_FREE_MAX, &n);
	if (rc) {
		fail("DVSEC free ranges do not decode%s", "", rc);
	} else {
		printf("  free extended ranges  %u\n", n);
		for (unsigned int i = 0; i < n; i++)
			printf("    0x%03x..0x%03x (%u octets)\n",
			       ranges[i].offset,
			       ranges[i].offset + ranges[i].length - 1,
			       ranges[i].length);
	}
	check_limit("max-contexts", lim.max_contexts, c->max_contexts);
	check_limit("max-pinned-pages", lim.max_pinned_pages,
		    c->max_pinned_pages);
	check_limit("pasid-width", lim.pasid_width, c->pasid_width);
	check_limit("max-pasids", lim.max_pasids, c->max_pasids);
	check_limit("max-queued-bytes", lim.max_queued_bytes,
		    c->max_queued_bytes);
	check_limit("max-cmd-bytes", lim.max_cmd_bytes, c->max_cmd_bytes);
	check_limit("max-ring-page-order", lim.ring_order_max,
		    c->ring_order_max);
	check_limit("sched-weight", lim.sched_weight, c->sched_weight);
	check_limit("oos-pages", lim.oos_pages, c->oos_pages);
	/* The DVSEC has the profile's offer; QUERY_CAPS the acked subset. */
	if (c->features & ~lim.features)
		fail("features in use are not all in the DVSEC's: %s",
		     "acked beyond the offer", 0);
}

static void print_raw(const uint8_t *cfg)
{
	printf("raw config space (non-zero rows)\n");
	for (uint32_t row = 0; row < XENVGPU_CFG_SPACE_SIZE; row += 16) {
		uint32_t any = 0;

		for (uint32_t i = 0; i < 16; i++)
			any |= cfg[row + i];
		if (!any)
			continue;
		printf("  %03x:", row);
		for (uint32_t i = 0; i < 16; i++)
			printf(" %02x", cfg[row + i]);
		printf("\n");
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xenvgpu-info [-d DEVID] [-t TIMEOUT_MS] "
		   "[--enable-pasid] [--raw]\n"
		   "Print the capabilities, limits and decoded config space "
		   "of vGPU DEVID (default 0).\n"
		   "  --enable-pasid  set PASID Enable first (needed before "
		   "any GPU context)\n"
		   "  --raw           also dump the raw config space\n"
		   "Exit status: 0 ok, 1 error, 2 usage.\n");
}

static int parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 0x7fffffff || s[0] == '-')
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"device", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"enable-pasid", no_argument, NULL, 'P'},
	    {"raw", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct xenvgpu_opts opts = {.ring_order = -1};
	static uint8_t cfg[XENVGPU_CFG_SPACE_SIZE];
	struct xenvgpu_caps caps;
	struct xenvgpu *h = NULL;
	bool enable_pasid = false, raw = false;
	unsigned int v;
	char why[256] = "";
	int c, rc;

	while ((c = getopt_long(argc, argv, "d:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_uint(optarg, &v)) {
				usage(stderr);
				return 2;
			}
			opts.devid = v;
			break;
		case 't':
			if (parse_uint(optarg, &v) || v == 0) {
				usage(stderr);
				return 2;
			}
			opts.timeout_ms = (int)v;
			break;
		case 'P':
			enable_pasid = true;
			break;
		case 'r':
			raw = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	opts.why = why;
	opts.why_len = sizeof(why);
	rc = xenvgpu_open_opts(&opts, &h);
	if (rc) {
		fprintf(stderr,
			"xenvgpu-info: cannot open vGPU %u: %s (%d)%s%s\n",
			opts.devid, xenvgpu_strerror(rc), rc,
			why[0] ? ": " : "", why);
		return 1;
	}
	printf("vGPU %u\n", opts.devid);
	rc = xenvgpu_query_caps(h, &caps);
	if (rc) {
		fail("QUERY_CAPS failed%s", "", rc);
		goto out;
	}
	print_caps(&caps);
	if (enable_pasid) {
		rc = xenvgpu_enable_pasid(h);
		if (rc) {
			fail("cannot enable PASID%s", "", rc);
			goto out;
		}
		printf("PASID enabled\n");
	}
	rc = xenvgpu_cfg_snapshot(h, cfg);
	if (rc) {
		fail("cannot read the config space%s", "", rc);
		goto out;
	}
	print_header(cfg);
	print_pcie(cfg);
	print_dvsec(cfg, &caps);
	print_pasid(cfg);
	if (raw)
		print_raw(cfg);
out:
	rc = xenvgpu_close(h);
	if (rc)
		fail("close: %s", xenvgpu_strerror(rc), 0);
	return failures ? 1 : 0;
}
