#!/usr/bin/env bash
# Run each libFuzzer target for a fixed time, as many at once as there are
# cores; a crash, leak or sanitizer report fails the run and leaves the
# reproducer in build/fuzz/artifacts.
# Usage: tests/run-fuzz.sh SECONDS TARGET...
set -u
secs=$1; shift
jobs=$(nproc 2>/dev/null || echo 2)
art=build/fuzz/artifacts
mkdir -p "$art"

run_one() { # target -> exit status of the fuzzer; output in its log
	local t=$1 name corpus
	name=$(basename "$t")
	corpus=build/fuzz/corpus/$name
	mkdir -p "$corpus"
	"$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$art/$name-" "$corpus" >"build/fuzz/$name.log" 2>&1
	echo $? >"build/fuzz/$name.rc"
}

running=0
for t in "$@"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0; fail=0
for t in "$@"; do
	name=$(basename "$t")
	log=build/fuzz/$name.log
	if [ "$(cat "build/fuzz/$name.rc" 2>/dev/null)" = 0 ]; then
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
