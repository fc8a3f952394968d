#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every test: unit binaries, datapath binaries (root), the configuration fuzzer for 20 s
# (FUZZ_TEST_SECONDS), end-to-end scripts (root). Each
# prints PASS/FAIL/SKIP lines; this script adds them up and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
build=${BUILD:-build}
log=$build/tests/log
mkdir -p "$log"
pass=0 fail=0 skip=0 failed_names=()

count() { # name, output file
	local p f s
	p=$(grep -c '^PASS ' "$2")
	f=$(grep -c '^FAIL ' "$2")
	s=$(grep -c '^SKIP ' "$2")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	grep -E '^(FAIL|SKIP) ' "$2" | sed "s|^|  $1: |"
	[ "$f" -gt 0 ] && failed_names+=("$1")
}

run() { # name, command...
	local name=$1 out rc
	shift
	out=$log/$name.out
	printf '== %s\n' "$name"
	"$@" >"$out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $name: exited with $rc and reported no failing case" >>"$out"
	fi
	if ! grep -qE '^(PASS|FAIL|SKIP) ' "$out"; then
		echo "FAIL $name: ran no case" >>"$out"
	fi
	count "$name" "$out"
	[ $rc -ne 0 ] && tail -n 30 "$out" | sed 's/^/    | /'
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$t"
done

# the configuration fuzzer for a bounded time (make fuzz runs it longer)
run fuzz_config tests/fuzz/run.sh "${FUZZ_TEST_SECONDS:-20}" fuzz_config

for t in tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP $(basename "$t"): needs root for network namespaces"
		skip=$((skip + 1))
		continue
	fi
	run "$(basename "$t" .sh)" timeout 600 bash "$t"
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed in: ${failed_names[*]} (logs in $log)"
fi
line="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && line="$line, $skip skipped"
echo "$line"
[ "$fail" -eq 0 ]
