#!/usr/bin/env bash
# Run each libFuzzer target for a fixed time; a crash, leak or sanitizer
# report fails the run and leaves the reproducer in build/fuzz/artifacts.
# Usage: tests/run-fuzz.sh SECONDS TARGET...
set -u
secs=$1; shift
pass=0; fail=0
art=build/fuzz/artifacts
mkdir -p "$art"
for t in "$@"; do
	name=$(basename "$t")
	corpus=build/fuzz/corpus/$name
	mkdir -p "$corpus"
	log=build/fuzz/$name.log
	if "$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$art/$name-" "$corpus" >"$log" 2>&1; then
		pass=$((pass + 1))
		execs=$(awk -F: '/stat::number_of_executed_units/{gsub(/ /,"",$NF); print $NF}' "$log")
		printf 'fuzz      %-28s PASS             %s executions in %ss\n' \
			"$name" "${execs:-?}" "$secs"
	else
		fail=$((fail + 1))
		printf 'fuzz      %-28s FAIL\n' "$name"
		tail -n 40 "$log"
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
