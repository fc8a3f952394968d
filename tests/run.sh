#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every test by what it needs, each under a timeout, and adds up the PASS/FAIL/SKIP lines
# they print; ends with each test's duration, slowest first, and "N passed, N failed".
#   tests/unit/test_*.c    pure (no root): side by side, TEST_JOBS at a time (the CPUs), with
#                          the configuration fuzzer for FUZZ_TEST_SECONDS (20) beside them
#   tests/root/test_*.c,   need root for most of their cases: one at a time; without root
#   tests/bpf/test_*.c     they still run, and skip those cases with the reason themselves
#   tests/e2e/test_*.sh    what their "# needs:" line says: none, root, or netns (root and
#                          network namespaces); those with a "# parallel: yes" line
#                          E2E_JOBS (3) at a time, then the others one at a time (they
#                          measure time or CPU)
# An e2e script that needs root is skipped, with that reason, when the runner is not root.
# Timeouts (s): UNIT_TIMEOUT (120), ROOT_TIMEOUT (300), E2E_TIMEOUT (600) unless the script's
# "# timeout:" line says otherwise. Usage: tests/run.sh [NAME...] (only the tests named; where
# a unit binary and an e2e script share a name, KIND/NAME picks one: unit/, root/, bpf/, e2e/).
set -u
cd "$(dirname "$0")/.." || exit 2
build=${BUILD:-build}
log=$build/tests/log
mkdir -p "$log"
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
only=("$@")
pass=0 fail=0 skip=0 failed_names=() durations=()
is_root=0
[ "$(id -u)" = 0 ] && is_root=1
t_start=$(date +%s.%N)

wanted() { # kind (unit, root, bpf, e2e, fuzz), name
	local n
	[ ${#only[@]} -eq 0 ] && return 0
	for n in "${only[@]}"; do
		[ "$n" = "$2" ] || [ "$n" = "$1/$2" ] && return 0
	done
	return 1
}

count() { # name, output file
	local p f s
	p=$(grep -c '^PASS ' "$2")
	f=$(grep -c '^FAIL ' "$2")
	s=$(grep -c '^SKIP ' "$2")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	grep -E '^(FAIL|SKIP) ' "$2" | sed "s|^|  $1: |"
	[ "$f" -gt 0 ] && failed_names+=("$1")
}

# Runs one test into $log/NAME.out and writes its exit code and duration beside it.
exec_one() { # name, timeout_s, command...
	local name=$1 secs=$2 t0 rc
	shift 2
	t0=$(date +%s.%N)
	# TERM first, so that a script's traps clean up; KILL 10 s later
	timeout -k 10 "$secs" "$@" >"$log/$name.out" 2>&1
	rc=$?
	echo "$rc" >"$log/$name.rc"
	awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }' >"$log/$name.time"
}

# Reads what exec_one left and counts it.
finish() { # name, timeout_s
	local name=$1 secs=$2 out=$log/$1.out rc
	rc=$(cat "$log/$name.rc" 2>/dev/null || echo 125)
	printf '== %s (%s s)\n' "$name" "$(cat "$log/$name.time" 2>/dev/null)"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "FAIL $name: timed out after $secs s" >>"$out"
	elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $name: exited with $rc and reported no failing case" >>"$out"
	fi
	if ! grep -qE '^(PASS|FAIL|SKIP) ' "$out"; then
		echo "FAIL $name: ran no case" >>"$out"
	fi
	count "$name" "$out"
	[ "$rc" -ne 0 ] && tail -n 30 "$out" | sed 's/^/    | /'
	durations+=("$(cat "$log/$name.time" 2>/dev/null) $name")
}

run() { # name, timeout_s, command...
	exec_one "$@"
	finish "$1" "$2"
}

skip_test() { # name, why
	printf '== %s\n' "$1"
	echo "SKIP $1: $2"
	skip=$((skip + 1))
}

# What an e2e script needs, from its "# needs:" line; netns when it says nothing.
needs_of() { # script
	local n
	n=$(sed -n 's/^# needs: *\([a-z]*\).*/\1/p' "$1" | head -n 1)
	echo "${n:-netns}"
}

timeout_of() { # script
	local n
	n=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${n:-${E2E_TIMEOUT:-600}}"
}

# 1. pure: unit binaries and the configuration fuzzer, TEST_JOBS at a time
# (the fuzzer first: it takes the longest, the others share the remaining CPUs)
pure=()
fuzz_secs=${FUZZ_TEST_SECONDS:-20}
wanted fuzz fuzz_config && pure+=(fuzz_config)
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	wanted unit "$name" && [ -x "$build/tests/$name" ] && pure+=("$name")
done
for name in "${pure[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	if [ "$name" = fuzz_config ]; then
		# the configuration fuzzer for a bounded time (make fuzz runs it longer)
		exec_one fuzz_config $((fuzz_secs + 60)) tests/fuzz/run.sh "$fuzz_secs" fuzz_config &
	else
		exec_one "$name" "${UNIT_TIMEOUT:-120}" "$build/tests/$name" &
	fi
done
wait
for name in "${pure[@]}"; do
	if [ "$name" = fuzz_config ]; then
		finish "$name" $((fuzz_secs + 60))
	else
		finish "$name" "${UNIT_TIMEOUT:-120}"
	fi
done

# 2. binaries that need root, one at a time (without it they run their other cases)
for src in tests/root/test_*.c tests/bpf/test_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	if ! wanted "$(basename "$(dirname "$src")")" "$name" || [ ! -x "$build/tests/$name" ]; then
		continue
	fi
	run "$name" "${ROOT_TIMEOUT:-300}" "$build/tests/$name"
done

# Whether an e2e script shares the machine well (its "# parallel: yes" line): it waits on
# timers rather than measuring time or CPU, and touches only what its own prefix names.
parallel_of() { # script
	grep -q '^# parallel: *yes' "$1" && echo yes || echo no
}

# 3. end to end: first those that share the machine, E2E_JOBS (3) at a time; then the others
# one at a time, as they measure time or CPU
par=() ser=()
for t in tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	wanted e2e "$name" || continue
	needs=$(needs_of "$t")
	case $needs in
	none) ;;
	root | netns)
		if [ $is_root = 0 ]; then
			skip_test "$name" "needs root ($needs)"
			continue
		fi
		;;
	*)
		echo "FAIL $name: unknown '# needs: $needs' (none, root or netns)" >"$log/$name.out"
		count "$name" "$log/$name.out"
		continue
		;;
	esac
	if [ "$(parallel_of "$t")" = yes ]; then
		par+=("$t")
	else
		ser+=("$t")
	fi
done
# the longest first (those with the longest "# timeout:" lines; the short ones say none), so
# that no long one starts last alone
start_order=()
if [ ${#par[@]} -gt 0 ]; then
	mapfile -t start_order < <(for t in "${par[@]}"; do
		echo "$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$t" | head -n 1 | grep . || echo 0) $t"
	done |
		sort -k1,1rn -k2 | cut -d' ' -f2-)
fi
for t in "${start_order[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "${E2E_JOBS:-3}" ]; do
		wait -n
	done
	exec_one "$(basename "$t" .sh)" "$(timeout_of "$t")" bash "$t" &
done
wait
for t in "${par[@]}"; do
	finish "$(basename "$t" .sh)" "$(timeout_of "$t")"
done
for t in "${ser[@]}"; do
	run "$(basename "$t" .sh)" "$(timeout_of "$t")" bash "$t"
done

echo "durations (s), slowest first:"
printf '%s\n' "${durations[@]}" | sort -rn | awk '{ printf "  %7.1f  %s\n", $1, $2 }'
awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "  %7.1f  in all\n", b - a }'
if [ ${#failed_names[@]} -gt 0 ]; then
	# the failing cases again, with the lines that led to them, where the end of a long log
	# (all that a CI page may keep) shows them
	echo "failures:"
	for n in "${failed_names[@]}"; do
		grep -B 4 '^FAIL ' "$log/$n.out" | tail -n 40 | sed "s|^|  $n: |"
	done
	echo "failed in: ${failed_names[*]} (logs in $log)"
fi
line="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && line="$line, $skip skipped"
echo "$line"
[ "$fail" -eq 0 ]
