#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs libFuzzer targets of build/fuzz for a bounded time each: first the regression cases of
# tests/fuzz/regress/NAME/ (every crash found becomes one), then new inputs grown from the
# target's seeds into build/fuzz/corpus/NAME, kept between runs. Prints PASS/FAIL lines as the
# other tests do. `make test` runs fuzz_config for 20 s, `make fuzz` every target longer.
# Usage: tests/fuzz/run.sh SECONDS [NAME...]   (no NAME: every build/fuzz/fuzz_*)
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${BUILD:-build}
secs=${1:?seconds}
shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$build"/fuzz/fuzz_*; do
		[ -x "$f" ] && names+=("$(basename "$f")")
	done
fi
fail=0

seeds() { # name: the seed directories of a target
	case $1 in
	fuzz_config) echo tests/unit/config examples ;;
	*) [ -d "tests/fuzz/$1" ] && echo "tests/fuzz/$1" ;;
	esac
}

for name in "${names[@]}"; do
	bin=$build/fuzz/$name
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: $bin is missing (make $bin)"
		fail=1
		continue
	fi
	corpus=$build/fuzz/corpus/$name
	crashes=$build/fuzz/crashes/$name
	log=$build/fuzz/$name.log
	mkdir -p "$corpus" "$crashes"
	regress=(tests/fuzz/regress/"$name"/*)
	if [ -e "${regress[0]}" ]; then
		if "$bin" "${regress[@]}" >"$log" 2>&1; then
			echo "PASS ${name}_regressions (${#regress[@]} cases)"
		else
			echo "FAIL ${name}_regressions: a past crash is back (log $log)"
			tail -n 20 "$log" | sed 's/^/    | /'
			fail=1
		fi
	fi
	# shellcheck disable=SC2046 # seed directories, word-split on purpose
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$corpus" $(seeds "$name") >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "PASS $name (${secs} s, ${runs:-?} inputs)"
	else
		echo "FAIL $name: a crash, kept in $crashes/ (log $log); add it to tests/fuzz/regress/$name/"
		grep -m 1 -A 12 "ERROR: \|runtime error" "$log" | sed 's/^/    | /'
		fail=1
	fi
done
exit $fail
