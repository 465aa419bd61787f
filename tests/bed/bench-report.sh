#!/usr/bin/env bash
# Turn the bed benchmarks' raw lines (the "figures" frames that
# tests/bed/bench/*.sh send, lines starting "XVBENCH ") into
# OUTDIR/bed-results.json — one JSON object per figure, each next to its
# same-run baseline, in the keys tests/lib/bench.h uses — and print a
# human line per figure. Benchmarks are not tests: this fails only when
# there is no figure at all.
#
# Raw lines (all measured in one boot):
#   XVBENCH direct-R {json}    round R: bench-gpu-direct in dom0 (its own
#                              figures are against the CPU)
#   XVBENCH e2e R CASE NS RUNS round R, right after: vgbench in a domU,
#                              median ns per op of the same submission
#                              through the vGPU; the figure is the median
#                              over rounds of direct/vGPU
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
BEGIN {
	# per case: ops a run (as bench-gpu-direct divides), work a run, unit
	ops["copy_16MiB"] = 16; work["copy_16MiB"] = 16777216; unit["copy_16MiB"] = "MB/s"
	ops["saxpy_4M"] = 8; work["saxpy_4M"] = 8388608; unit["saxpy_4M"] = "MFLOP/s"
	ops["matmul_256"] = 33; work["matmul_256"] = 33554432; unit["matmul_256"] = "MFLOP/s"
}
# Rounds: a direct run in dom0, then the same loops through the vGPU.
$2 ~ /^direct-/ {
	r = substr($2, 8) + 0
	s = substr($0, index($0, "{"))
	c = field(s, "case")
	direct[c, r] = field(s, "ns_per_op") + 0
	if (r > rounds)
		rounds = r
	sub(/"bench":"gpu-direct"/, "\"bench\":\"bed-gpu-direct-dom0\"", s)
	sub(/}$/, ",\"round\":" r "}", s)
	emit(s)
	printf "bed-gpu-direct-dom0/%s round %d: %.1f ns/op vs %s %.1f ns/op " \
		"(%.2fx)\n", c, r, direct[c, r], field(s, "baseline"),
		field(s, "baseline_ns_per_op"), field(s, "ratio")
	next
}
$2 == "e2e" { vgpu[$4, $3 + 0] = $5 + 0; runs[$4] = $6; next }
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
		for (r = 1; r <= rounds; r++) {
			if (!((c, r) in vgpu) || !((c, r) in direct) ||
			    vgpu[c, r] <= 0)
				continue
			k++
			sp[k] = direct[c, r] / vgpu[c, r]
			vv[k] = vgpu[c, r]
			dd[k] = direct[c, r]
			list = list (list == "" ? "" : ",") sprintf("%.3f", sp[k])
		}
		if (!k)
			continue
		msp = median(sp, k); mv = median(vv, k); md = median(dd, k)
		met = msp >= 0.9 ? "true" : "false"
		emit(sprintf("{\"bench\":\"bed-vgpu-e2e\",\"case\":\"%s\"," \
			"\"ns_per_op\":%.2f,\"baseline\":\"direct_dom0\"," \
			"\"baseline_ns_per_op\":%.2f,\"ratio\":%.3f," \
			"\"throughput_ratio\":%.3f,\"round_throughput_ratios\":" \
			"[%s],\"target\":\"speedup >= 0.9\"," \
			"\"target_met\":%s,\"runs\":%s,\"rounds\":%d}", c, mv, md,
			mv / md, msp, list, met, runs[c], k))
		printf "bed-vgpu-e2e/%s: %.1f %s through the vGPU vs %.1f %s " \
			"direct in dom0: %.2f of direct (target >= 0.90: %s); " \
			"median of %d rounds (ratios %s), each a median of %s\n", c,
			work[c] * 1e3 / (mv * ops[c]), unit[c],
			work[c] * 1e3 / (md * ops[c]), unit[c], msp,
			met == "true" ? "met" : "MISSED", k, list, runs[c]
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
