#!/usr/bin/env bash
# Run each benchmark; collect its JSON lines into OUTDIR/results.json and
# show the human lines. Benchmarks are not tests: only a crash fails this.
# Usage: tests/run-bench.sh OUTDIR BENCH...
set -eu
out=$1; shift
mkdir -p "$out"
: >"$out/results.json.tmp"
for b in "$@"; do
	echo "== $(basename "$b")"
	"$b" | tee "$out/$(basename "$b").out" | grep -v '^{' || true
	grep '^{' "$out/$(basename "$b").out" >>"$out/results.json.tmp" || true
done
{ echo '['; sed '$!s/$/,/' "$out/results.json.tmp"; echo ']'; } >"$out/results.json"
rm -f "$out/results.json.tmp"
echo "bench: figures in $out/results.json"
