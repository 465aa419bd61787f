#!/usr/bin/env bash
# Turn the bed benchmarks' raw lines (the "figures" frames that
# tests/bed/bench/*.sh send, lines starting "XVBENCH ") into
# OUTDIR/bed-results.json — one JSON object per figure, each next to its
# same-run baseline, in the keys tests/lib/bench.h uses — and print a
# human line per figure. Benchmarks are not tests: this fails only when
# there is no figure at all.
#
# Raw lines (all measured in one boot):
#   XVBENCH direct-WHEN {json} bench-gpu-direct in dom0 (vs the CPU),
#                              WHEN = before / after the guest's loops
#   XVBENCH e2e CASE NS RUNS   vgbench in a domU: median ns per op of the
#                              same submission through the vGPU
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
BEGIN {
	# per case: ops a run (as bench-gpu-direct divides), work a run, unit
	ops["copy_16MiB"] = 16; work["copy_16MiB"] = 16777216; unit["copy_16MiB"] = "MB/s"
	ops["saxpy_4M"] = 8; work["saxpy_4M"] = 8388608; unit["saxpy_4M"] = "MFLOP/s"
	ops["matmul_256"] = 33; work["matmul_256"] = 33554432; unit["matmul_256"] = "MFLOP/s"
}
# The direct runs before and after the guest loops: the baseline is
# the faster of the two (the figure least favourable to the vGPU).
$2 ~ /^direct-/ {
	when = substr($2, 8)
	s = substr($0, index($0, "{"))
	c = field(s, "case")
	ns = field(s, "ns_per_op") + 0
	dir[c, when] = ns
	if (!(c in direct) || ns < direct[c] + 0)
		direct[c] = ns
	sub(/"bench":"gpu-direct"/, "\"bench\":\"bed-gpu-direct-dom0-" when "\"", s)
	emit(s)
	printf "bed-gpu-direct-dom0-%s/%s: %.1f ns/op vs %s %.1f ns/op " \
		"(%.2fx)\n", when, c, ns, field(s, "baseline"),
		field(s, "baseline_ns_per_op"), field(s, "ratio")
	next
}
$2 == "e2e" { vgpu[$3] = $4; runs[$3] = $5; next }
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
		if (!(c in vgpu) || !(c in direct) || vgpu[c] <= 0 || direct[c] <= 0)
			continue
		r = vgpu[c] / direct[c]; sp = direct[c] / vgpu[c]
		met = sp >= 0.9 ? "true" : "false"
		emit(sprintf("{\"bench\":\"bed-vgpu-e2e\",\"case\":\"%s\"," \
			"\"ns_per_op\":%.2f,\"baseline\":\"direct_dom0\"," \
			"\"baseline_ns_per_op\":%.2f,\"ratio\":%.3f," \
			"\"throughput_ratio\":%.3f,\"direct_before_ns_per_op\":%.2f," \
			"\"direct_after_ns_per_op\":%.2f," \
			"\"target\":\"speedup >= 0.9\"," \
			"\"target_met\":%s,\"runs\":%s}", c, vgpu[c], direct[c], r,
			sp, dir[c, "before"] + 0, dir[c, "after"] + 0, met, runs[c]))
		printf "bed-vgpu-e2e/%s: %.1f %s through the vGPU vs %.1f %s " \
			"direct in dom0: %.2f of direct (target >= 0.90: %s), " \
			"median of %s\n", c,
			work[c] * 1e3 / (vgpu[c] * ops[c]), unit[c],
			work[c] * 1e3 / (direct[c] * ops[c]), unit[c], sp,
			met == "true" ? "met" : "MISSED", runs[c]
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
