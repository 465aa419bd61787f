#!/usr/bin/env bash
# Turn the bed benchmarks' raw lines (the "figures" frames that
# tests/bed/bench/*.sh send, lines starting "XVBENCH ") into
# OUTDIR/bed-results.json — one JSON object per figure, each next to its
# same-run baseline, in the keys tests/lib/bench.h uses — and print a
# human line per figure. Benchmarks are not tests: this fails only when
# there is no figure at all.
#
# Raw lines (all measured in one boot):
#   XVBENCH pair CASE N ORDER key=value...
#                              pair N of CASE (bench-gpu-direct --pairs,
#                              ORDER dv: direct first, vd: vGPU first):
#                              d_run / v_run the median ns a run (submit
#                              to fence) direct in dom0 / through the
#                              vGPU; d_busy the direct engine's busy ns a
#                              run; d_top, v_top the CPU ns a run of the
#                              busiest thread of the direct program / of
#                              xenvgpud (its engine), d_all, v_all of all
#                              their threads; g_cpu, g_submit the guest's
#                              CPU and time in xenvgpu_submit a run. The
#                              figure is the median over pairs of
#                              d_run / v_run, with its spread
#   XVBENCH gntmem MEM run=NS busy=NS pages=N pair=P
#                              bench-gpu-direct --copy-mem in dom0: COPY
#                              16 MiB on its own pages (MEM own) or on
#                              self-granted ones mapped through gntdev
#                              (gnt: source and destination 16 MiB apart;
#                              gnt-skew: one page more), a run and its
#                              engine busy time; the figures are the
#                              medians over pairs of own/gnt, own/gnt-skew
#   XVBENCH json {json}        vgbench's round trips, final already
#   XVBENCH grants LABEL submits=N strace_map=N strace_unmap=N
#                  daemon_map=N daemon_unmap=N window=ok|failed
#
# Usage: tests/bed/bench-report.sh OUTDIR FIGURES-FILE...
set -euo pipefail
out=$1
shift
mkdir -p "$out"
json=$out/bed-results.json
cat "$@" 2>/dev/null | tr -d '\r' | grep '^XVBENCH ' >"$out/bed-raw.txt" || :
if [ ! -s "$out/bed-raw.txt" ]; then
	echo "bench: no figures came back from the bed" >&2
	exit 1
fi

LC_ALL=C awk -v json="$json.tmp" '
function field(s, k,    m) { # a number or string value of key k in JSON s
	if (match(s, "\"" k "\":\"[^\"]*\"")) {
		m = substr(s, RSTART + length(k) + 4, RLENGTH - length(k) - 5)
		return m
	}
	if (match(s, "\"" k "\":[-0-9.eE+a-z]+")) {
		return substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
	}
	return ""
}
function emit(s) { print s > json; n++ }
function median(a, k,    i, j, t, b) { # of a[1..k]
	for (i = 1; i <= k; i++)
		b[i] = a[i]
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && b[j - 1] > b[j]; j--) {
			t = b[j]; b[j] = b[j - 1]; b[j - 1] = t
		}
	return k % 2 ? b[(k + 1) / 2] : (b[k / 2] + b[k / 2 + 1]) / 2
}
function quart(a, k, q,    i, j, t, b, pos, lo) { # q/4 quantile, linear
	for (i = 1; i <= k; i++)
		b[i] = a[i]
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && b[j - 1] > b[j]; j--) {
			t = b[j]; b[j] = b[j - 1]; b[j - 1] = t
		}
	pos = 1 + (k - 1) * q / 4
	lo = int(pos)
	return lo >= k ? b[k] : b[lo] + (pos - lo) * (b[lo + 1] - b[lo])
}
BEGIN {
	# per case: ops a run (as bench-gpu-direct divides ns_per_op),
	# work a run (octets or flops), unit
	ops["copy_16MiB"] = 16; work["copy_16MiB"] = 16777216; unit["copy_16MiB"] = "MB/s"
	ops["saxpy_4M"] = 8; work["saxpy_4M"] = 8388608; unit["saxpy_4M"] = "MFLOP/s"
	ops["matmul_256"] = 33; work["matmul_256"] = 33554432; unit["matmul_256"] = "MFLOP/s"
}
# Pairs: a direct measurement in dom0 and the guest one, in either order.
$2 == "pair" {
	c = $3
	k = ++np[c]
	for (i = 6; i <= NF; i++) {
		split($i, kv, "=")
		pv[c, k, kv[1]] = kv[2] + 0
	}
	order[c, k] = $5
	runs[c] = pv[c, k, "runs"]
	next
}
$2 == "gntmem" {
	for (i = 4; i <= NF; i++) {
		split($i, kv, "=")
		gmv[kv[1]] = kv[2] + 0
	}
	gmrun[$3, gmv["pair"]] = gmv["run"]
	gmbusy[$3, gmv["pair"]] = gmv["busy"]
	if (gmv["pair"] > gmpairs)
		gmpairs = gmv["pair"]
	next
}
$2 == "json" {
	s = substr($0, index($0, "{"))
	sub(/"bench":"/, "\"bench\":\"bed-", s)
	emit(s)
	ns = field(s, "ns_per_op"); b = field(s, "baseline_ns_per_op")
	printf "%s/%s: %.0f us a submission with hold-off vs %.0f us " \
		"without (%.2fx), median of %s\n", field(s, "bench"),
		field(s, "case"), ns / 1000, b / 1000, ns / b, field(s, "runs")
	next
}
$2 == "grants" {
	g = $3
	for (i = 4; i <= NF; i++) { split($i, kv, "="); gr[g, kv[1]] = kv[2] }
	have[g] = 1
	next
}
END {
	nc = split("copy_16MiB saxpy_4M matmul_256", cases, " ")
	for (i = 1; i <= nc; i++) {
		c = cases[i]
		k = 0
		list = ""
		for (p = 1; p <= np[c]; p++) {
			if (pv[c, p, "v_run"] <= 0 || pv[c, p, "d_run"] <= 0)
				continue
			k++
			sp[k] = pv[c, p, "d_run"] / pv[c, p, "v_run"]
			vv[k] = pv[c, p, "v_run"]
			dd[k] = pv[c, p, "d_run"]
			# the engine CPU: the busiest thread on each side
			eng[k] = pv[c, p, "v_top"] > 0 ? \
				pv[c, p, "d_top"] / pv[c, p, "v_top"] : 0
			vt[k] = pv[c, p, "v_top"]; dt[k] = pv[c, p, "d_top"]
			db[k] = pv[c, p, "d_busy"]
			va[k] = pv[c, p, "v_all"]; da[k] = pv[c, p, "d_all"]
			gc[k] = pv[c, p, "g_cpu"]; gs[k] = pv[c, p, "g_submit"]
			list = list (list == "" ? "" : ",") sprintf("%.3f", sp[k])
		}
		if (!k)
			continue
		msp = median(sp, k); mv = median(vv, k); md = median(dd, k)
		q1 = quart(sp, k, 1); q3 = quart(sp, k, 3)
		lo = quart(sp, k, 0); hi = quart(sp, k, 4)
		met = msp >= 0.9 ? "true" : "false"
		emit(sprintf("{\"bench\":\"bed-vgpu-e2e\",\"case\":\"%s\"," \
			"\"ns_per_op\":%.2f,\"baseline\":\"direct_dom0\"," \
			"\"baseline_ns_per_op\":%.2f,\"ratio\":%.3f," \
			"\"throughput_ratio\":%.3f,\"pair_throughput_ratios\":" \
			"[%s],\"throughput_ratio_min\":%.3f," \
			"\"throughput_ratio_q1\":%.3f,\"throughput_ratio_q3\":" \
			"%.3f,\"throughput_ratio_max\":%.3f," \
			"\"engine_cpu_ratio\":%.3f,\"ns_per_run\":%.0f," \
			"\"baseline_ns_per_run\":%.0f,\"engine_cpu_ns_per_run\":" \
			"%.0f,\"baseline_engine_cpu_ns_per_run\":%.0f," \
			"\"baseline_engine_busy_ns_per_run\":%.0f," \
			"\"daemon_cpu_ns_per_run\":%.0f,\"baseline_cpu_ns_per_run\":" \
			"%.0f,\"guest_cpu_ns_per_run\":%.0f," \
			"\"guest_submit_ns_per_run\":%.0f," \
			"\"target\":\"speedup >= 0.9\",\"target_met\":%s," \
			"\"runs\":%s,\"pairs\":%d}", c, mv / ops[c], md / ops[c],
			mv / md, msp, list, lo, q1, q3, hi, median(eng, k), mv, md,
			median(vt, k), median(dt, k), median(db, k), median(va, k),
			median(da, k), median(gc, k), median(gs, k), met, runs[c], k))
		printf "bed-vgpu-e2e/%s: %.1f %s through the vGPU vs %.1f %s " \
			"direct in dom0: %.2f of direct (target >= 0.90: %s); " \
			"median of %d alternating pairs (quartiles %.2f-%.2f, " \
			"range %.2f-%.2f), each side a median of %s\n", c,
			work[c] * 1e3 / mv, unit[c], work[c] * 1e3 / md, unit[c],
			msp, met == "true" ? "met" : "MISSED", k, q1, q3, lo, hi,
			runs[c]
		printf "bed-vgpu-e2e/%s: per-pair ratios %s\n", c, list
		printf "bed-vgpu-e2e/%s: a run: %.1f ms through the vGPU (its " \
			"engine thread %.1f ms CPU, xenvgpud %.1f ms, the guest " \
			"%.1f ms, %.1f ms in xenvgpu_submit) vs %.1f ms direct " \
			"(engine busy %.1f ms, its thread %.1f ms CPU); engine " \
			"CPU direct/vGPU %.2f\n", c, mv / 1e6, median(vt, k) / 1e6,
			median(va, k) / 1e6, median(gc, k) / 1e6,
			median(gs, k) / 1e6, md / 1e6, median(db, k) / 1e6,
			median(dt, k) / 1e6, median(eng, k)
	}
	# own vs gnt (source and destination 16 MiB apart in one gntdev
	# mapping) and vs gnt-skew (one page more apart)
	split("gnt gnt-skew", mems, " ")
	split("copy_16MiB_granted_pages copy_16MiB_granted_pages_skewed", \
	      mcases, " ")
	for (mi = 1; mi <= 2; mi++) {
		m = mems[mi]
		k = 0
		list = ""
		for (p = 1; p <= gmpairs; p++) {
			if (gmrun["own", p] <= 0 || gmrun[m, p] <= 0)
				continue
			k++
			gr_[k] = gmrun["own", p] / gmrun[m, p]
			go_[k] = gmrun["own", p]; gg_[k] = gmrun[m, p]
			gb_[k] = gmbusy["own", p] > 0 ? \
				gmbusy[m, p] / gmbusy["own", p] : 0
			list = list (list == "" ? "" : ",") sprintf("%.3f", gr_[k])
		}
		if (!k)
			continue
		msp = median(gr_, k); mo = median(go_, k); mg = median(gg_, k)
		emit(sprintf("{\"bench\":\"bed-gpu-direct-memory\"," \
			"\"case\":\"%s\",\"ns_per_op\":%.2f," \
			"\"baseline\":\"own_pages\",\"baseline_ns_per_op\":%.2f," \
			"\"ratio\":%.3f,\"throughput_ratio\":%.3f," \
			"\"pair_throughput_ratios\":[%s],\"engine_busy_ratio\":" \
			"%.3f,\"pairs\":%d}", mcases[mi], mg / 16, mo / 16, \
			mg / mo, msp, list, median(gb_, k), k))
		printf "bed-gpu-direct-memory/%s: the direct COPY on " \
			"self-granted pages (gntdev, --copy-mem %s) runs at " \
			"%.2f of its speed on its own pages (%.1f vs %.1f ms a " \
			"run, engine busy %.2fx); median of %d pairs (%s)\n", \
			mcases[mi], m, msp, mg / 1e6, mo / 1e6, median(gb_, k), \
			k, list
	}
	if (have["pin_cache"] && have["no_pin_cache"]) {
		s = gr["pin_cache", "submits"]; bs = gr["no_pin_cache", "submits"]
		if (s > 0 && bs > 0) {
			m = gr["pin_cache", "strace_map"] * 1000 / s
			u = gr["pin_cache", "strace_unmap"] * 1000 / s
			dm = gr["pin_cache", "daemon_map"] * 1000 / s
			bm = gr["no_pin_cache", "strace_map"] * 1000 / bs
			bu = gr["no_pin_cache", "strace_unmap"] * 1000 / bs
			bdm = gr["no_pin_cache", "daemon_map"] * 1000 / bs
			met = m < 1 ? "true" : "false"
			emit(sprintf("{\"bench\":\"bed-vgpu-grants\"," \
				"\"case\":\"map_ops_per_1000_submits\"," \
				"\"map_ioctls_per_1000\":%.1f," \
				"\"unmap_ioctls_per_1000\":%.1f," \
				"\"daemon_map_calls_per_1000\":%.1f,\"submits\":%d," \
				"\"baseline\":\"no_pin_cache\"," \
				"\"baseline_map_ioctls_per_1000\":%.1f," \
				"\"baseline_unmap_ioctls_per_1000\":%.1f," \
				"\"baseline_daemon_map_calls_per_1000\":%.1f," \
				"\"baseline_submits\":%d,\"counted_by\":\"strace -e " \
				"trace=ioctl on xenvgpud\",\"target\":\"map ioctls " \
				"per 1000 < 1\",\"target_met\":%s}", m, u, dm, s, bm,
				bu, bdm, bs, met))
			printf "bed-vgpu-grants/map_ops_per_1000_submits: " \
				"%.1f map + %.1f unmap gntdev ioctls (strace; daemon " \
				"counter %.1f) vs %.1f + %.1f (daemon %.1f) with " \
				"--no-pin-cache (target ~0: %s), %d and %d " \
				"submissions\n", m, u, dm, bm, bu, bdm,
				met == "true" ? "met" : "MISSED", s, bs
		}
	}
	if (!n)
		exit 1
}
' "$out/bed-raw.txt" || {
	echo "bench: no usable figures in $out/bed-raw.txt" >&2
	rm -f "$json.tmp"
	exit 1
}
{ echo '['; sed '$!s/$/,/' "$json.tmp"; echo ']'; } >"$json"
rm -f "$json.tmp"
echo "bench: bed figures in $json"
