#!/usr/bin/env bash
# Run CUnit programs; print one line per suite and a closing
# "N passed, N failed" line; exit non-zero when any program failed.
# Usage: tests/run-suites.sh LABEL PROGRAM...
set -u
label=$1; shift
pass=0; fail=0; failed=()
logdir=build/logs/$label
mkdir -p "$logdir"
for prog in "$@"; do
	name=$(basename "$prog")
	log=$logdir/$name.log
	start=$(date +%s)
	if "$prog" >"$log" 2>&1; then
		pass=$((pass + 1)); verdict=PASS
	else
		rc=$?
		fail=$((fail + 1)); verdict="FAIL (exit $rc)"; failed+=("$name")
	fi
	tests=$(awk '/^ *tests /{print $3" run, "$5" failed"}' "$log")
	printf '%-9s %-28s %-16s %s (%ss)\n' "$label" "$name" "$verdict" \
		"${tests:-no summary}" "$(( $(date +%s) - start ))"
done
for name in "${failed[@]}"; do
	echo "---- $label/$name: last lines of $logdir/$name.log"
	tail -n 40 "$logdir/$name.log"
done
echo "$label: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
