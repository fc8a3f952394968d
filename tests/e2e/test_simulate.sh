#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `xlbctl simulate` against its goldens: three traces (a spike, a slow ramp, a sawtooth)
# through tests/sim/policy.json, and a request count through tests/sim/requests.json, must
# print exactly tests/sim/NAME.golden. Also its JSON form
# and its errors. Needs no root, no xlbd, no namespace. After a deliberate change of the
# engine, make new goldens with: tests/e2e/test_simulate.sh --update
# needs: none
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

XLBCTL=${XLBCTL:-$E2E_BUILD/xlbctl}
OPTS=(--spread --launch-seconds 3)
update=0
[ "${1:-}" = --update ] && update=1

cd "$E2E_REPO" || exit 2
[ -x "$XLBCTL" ] || e2e_abort setup "$XLBCTL is missing (make)"
tmp=$(mktemp -d /tmp/xlb-sim.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# paths relative to the tree, as the goldens' headers show them; requests: a request count
# per target in the trace's unit (per second), against a TargetValue in AWS's (per minute)
for name in spike ramp sawtooth requests; do
	golden=tests/sim/$name.golden
	config=tests/sim/policy.json
	[ -f "tests/sim/$name.json" ] && config=tests/sim/$name.json
	if ! timeout 60 "$XLBCTL" simulate --config "$config" \
		--metrics "tests/sim/$name.csv" "${OPTS[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
		e2e_fail "simulate $name" "exited with an error"
		e2e_indent <"$tmp/$name.err"
		continue
	fi
	if [ $update = 1 ]; then
		cp "$tmp/$name.out" "$golden"
		e2e_log "updated $golden"
	fi
	if diff -u "$golden" "$tmp/$name.out" >"$tmp/$name.diff"; then
		e2e_pass "simulate $name"
	else
		e2e_fail "simulate $name" "differs from $golden"
		head -n 40 "$tmp/$name.diff" | e2e_indent
	fi
done

# the same run as JSON: well-formed, the same decisions as the table
if "$XLBCTL" --json simulate --config tests/sim/policy.json --metrics tests/sim/spike.csv \
	"${OPTS[@]}" >"$tmp/spike.json" 2>&1 &&
	want=$(grep -c ': At ' tests/sim/spike.golden) &&
	got=$(jq '[.Timeline[].Decisions[]] | length' "$tmp/spike.json") &&
	[ "$got" = "$want" ] && [ "$got" -gt 0 ]; then
	e2e_pass "simulate --json"
else
	e2e_fail "simulate --json" "expected ${want:-?} decisions as JSON, got ${got:-none}"
	head -n 20 "$tmp/spike.json" | e2e_indent
fi

# a bad trace: exit 2, the file and line named
printf 'time,ASGAverageCPUUtilization\n0,30\n5,lots\n' >"$tmp/bad.csv"
"$XLBCTL" simulate --config tests/sim/policy.json --metrics "$tmp/bad.csv" >/dev/null \
	2>"$tmp/bad.err"
rc=$?
if [ $rc = 2 ] && grep -q "bad.csv:3: column 2: expected a number" "$tmp/bad.err"; then
	e2e_pass "simulate bad trace"
else
	e2e_fail "simulate bad trace" "exit $rc: $(cat "$tmp/bad.err")"
fi

# a bad configuration: exit 2, file:line:col and the JSON path
printf '{"Xlb": {"TimeScale": 0.5}}\n' >"$tmp/bad.json"
"$XLBCTL" simulate --config "$tmp/bad.json" --metrics tests/sim/spike.csv >/dev/null \
	2>"$tmp/badcfg.err"
rc=$?
if [ $rc = 2 ] && grep -q "bad.json:1:23: \$.Xlb.TimeScale: expected a number 1..1e+06, got 0.5" \
	"$tmp/badcfg.err"; then
	e2e_pass "simulate bad configuration"
else
	e2e_fail "simulate bad configuration" "exit $rc: $(cat "$tmp/badcfg.err")"
fi
e2e_summary
