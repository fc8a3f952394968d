#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The demo (`make demo`, tools/xlb-demo) shortened (--short) and piped: it must exit 0, print
# one plain line a second, scale out, replace the instance it kills, scale back in, report
# `failed requests: 0` and how many were lost to the injected failure, leave its picture, and
# leave nothing else behind; also when interrupted by Ctrl-C.
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DEMO=$E2E_REPO/tools/xlb-demo
# prefixes of this run's own: "xtd" or "xti" and at most 5 digits fit xlb-lab's 8 characters
PREFIX=xtd$(($$ % 100000))
PREFIX_INT=xti$(($$ % 100000))

e2e_init
# whatever happens to the demo, its lab goes (a no-op when the demo cleaned up, as it should)
e2e_on_exit "'$E2E_LAB' down --prefix $PREFIX"
e2e_on_exit "'$E2E_LAB' down --prefix $PREFIX_INT"

# What a prefix may leave behind: namespaces (the lab's and the instances'), the lab's run
# directory, a pin directory, cgroups, the demo's scratch directory, processes. Prints what is
# left, returns 1 if anything.
leftovers() { # prefix
	local p=$1 left=""
	left+=$(ip netns list 2>/dev/null | awk -v p="$p" 'index($1, p) == 1 { printf "%s ", $1 }')
	[ -e "/run/xlb-lab/$p" ] && left+="/run/xlb-lab/$p "
	compgen -G "/sys/fs/bpf/xlb-$p*" >/dev/null && left+="$(echo /sys/fs/bpf/xlb-"$p"*) "
	left+=$(find /sys/fs/cgroup -maxdepth 3 -name "${p}i" 2>/dev/null | tr '\n' ' ')
	pgrep -f -- "--instance-prefix ${p}i-" >/dev/null &&
		left+="xlbd pids $(pgrep -d, -f -- "--instance-prefix ${p}i-") "
	[ -z "$left" ] && return 0
	echo "left behind: $left"
	return 1
}

# --help and a usage error, before anything is built
out=$("$DEMO" --help 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q -- '--short' <<<"$out"; then
	e2e_pass demo_help
else
	e2e_fail demo_help "exit $rc, or no --short in the usage"
fi
out=$("$DEMO" --bogus 2>&1)
rc=$?
if [ "$rc" -eq 2 ]; then
	e2e_pass demo_usage_error
else
	e2e_fail demo_usage_error "--bogus exited $rc, want 2"
fi

# The run, piped, bounded; its output is shown indented so that run.sh counts only our lines.
log=$E2E_TMP/demo.out
out_dir=$E2E_TMP/demo
XLB_DEMO_OUT=$out_dir timeout 400 "$DEMO" --short --prefix "$PREFIX" >"$log" 2>&1
rc=$?
e2e_indent <"$log"
if [ "$rc" -eq 0 ]; then
	e2e_pass demo_exit_code
else
	e2e_fail demo_exit_code "exited $rc, want 0"
fi

# the summary's lines, judged here rather than by the demo's verdict
if grep -qx '  failed requests: 0' "$log"; then
	e2e_pass demo_no_failed_requests
else
	e2e_fail demo_no_failed_requests "$(grep 'failed requests:' "$log" || echo 'no such line')"
fi
lost=$(sed -n 's/^  lost to the injected failure: \([0-9]*\) (.*)$/\1/p' "$log")
served=$(sed -n 's/^  requests served: \([0-9]*\) of \([0-9]*\)$/\1 \2/p' "$log")
if [ -n "$lost" ] && [ -n "$served" ] && [ "${served% *}" -gt 500 ]; then
	e2e_pass demo_summary_counts
	e2e_log "served $served; lost to the injected failure: $lost"
else
	e2e_fail demo_summary_counts "lost '${lost}', served '${served}'"
fi
peak=$(sed -n 's/^  peak capacity: \([0-9]*\) instances.*/\1/p' "$log")
if [ "${peak:-0}" -gt 2 ] && grep -q 'triggered policy cpu70 changing the desired capacity from 2 to' "$log"; then
	e2e_pass demo_scales_out
else
	e2e_fail demo_scales_out "peak ${peak:-?}"
fi
if grep -q '>>> injected failure: xlb-backend killed' "$log" &&
	grep -q 'in response to an unhealthy instance needing to be replaced' "$log"; then
	e2e_pass demo_replaces_killed
else
	e2e_fail demo_replaces_killed "no kill, or no replacement"
fi
if grep -q 'AlarmLow-[0-9a-f-]* in state ALARM triggered policy cpu70 changing the desired capacity from [3-9] to 2' "$log"; then
	e2e_pass demo_scales_in
else
	e2e_fail demo_scales_in "no scale-in back to 2"
fi

# One plain line a second (nothing redrawn in a pipe)
ticks=$(grep -cE '^ +[0-9]+s +desired +[0-9]+ +InService' "$log")
if grep -q $'[\r\033]' "$log"; then
	e2e_fail demo_live_lines "terminal control characters in piped output"
elif [ "$ticks" -lt 60 ]; then
	e2e_fail demo_live_lines "$ticks per-second lines, want at least 60"
else
	e2e_pass demo_live_lines
fi

# the picture: a well-formed SVG with its three panels
svg=$out_dir/timeline.svg
if [ -s "$svg" ] && grep -q '</svg>' "$svg" &&
	{ ! command -v xmllint >/dev/null || xmllint --noout "$svg" 2>/dev/null; } &&
	[ "$(grep -c '<g id="panel-' "$svg")" -eq 3 ] && grep -q 'injected\|killed' "$svg"; then
	e2e_pass demo_picture
else
	e2e_fail demo_picture "$svg missing or malformed"
fi

if why=$(leftovers "$PREFIX"); then
	e2e_pass demo_cleanup
else
	e2e_fail demo_cleanup "$why"
fi

# Ctrl-C during the spike: the whole process group gets SIGINT, as from a terminal. Job
# control gives the demo a group of its own; env resets SIGINT in case this test started with
# it ignored (a background job's), which bash could not trap.
log=$E2E_TMP/demo-int.out
set -m
XLB_DEMO_OUT=$E2E_TMP/demo-int env --default-signal=INT "$DEMO" --short --prefix "$PREFIX_INT" \
	>"$log" 2>&1 &
pid=$!
set +m
if ! e2e_wait 90 grep -q 'spike\]' "$log"; then
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	e2e_indent <"$log"
	e2e_fail demo_interrupted "the spike did not begin within 90 s"
else
	kill -INT -- "-$pid"
	if ! e2e_wait 40 eval "! kill -0 $pid 2>/dev/null"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	rc=$?
	tail -n 4 "$log" | e2e_indent
	if [ "$rc" -ne 130 ]; then
		e2e_fail demo_interrupted "exited $rc, want 130"
	elif ! why=$(leftovers "$PREFIX_INT"); then
		e2e_fail demo_interrupted "$why"
	else
		e2e_pass demo_interrupted
	fi
fi

e2e_summary
