#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The demo (`make demo`, tools/xlb-demo) shortened and piped: it must exit 0, print one plain
# line a second, report no failed request, shares per phase that fit the phase (judged here
# with bounds of the test's own, not by the demo's verdict), its keep-alive connection kept on
# the draining backend, no drops, and leave nothing behind; also when interrupted by Ctrl-C.
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DEMO=$E2E_REPO/tools/xlb-demo
DURATION=${DEMO_DURATION:-8}
# prefixes of this run's own: "xtd" or "xti" and at most 5 digits fit xlb-lab's 8 characters
PREFIX=xtd$(($$ % 100000))
PREFIX_INT=xti$(($$ % 100000))

e2e_init
# whatever happens to the demo, its lab goes (a no-op when the demo cleaned up, as it should)
e2e_on_exit "'$E2E_LAB' down --prefix $PREFIX"
e2e_on_exit "'$E2E_LAB' down --prefix $PREFIX_INT"

# What a prefix may leave behind: namespaces, the lab's run directory, a pin directory, a
# backend process, the demo's scratch directory. Prints what is left, returns 1 if anything.
leftovers() { # prefix
	local p=$1 left=""
	left+=$(ip netns list 2>/dev/null | awk -v p="$p-" 'index($1, p) == 1 { printf "%s ", $1 }')
	[ -e "/run/xlb-lab/$p" ] && left+="/run/xlb-lab/$p "
	[ -e "/sys/fs/bpf/xlb-$p" ] && left+="/sys/fs/bpf/xlb-$p "
	compgen -G "/tmp/xlb-demo.$p.*" >/dev/null && left+="$(echo /tmp/xlb-demo."$p".*) "
	pgrep -f -- "--id $p-b" >/dev/null && left+="xlb-backend pids $(pgrep -d, -f -- "--id $p-b") "
	[ -z "$left" ] && return 0
	echo "left behind: $left"
	return 1
}

# --help and a usage error, before anything is built
out=$("$DEMO" --help 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q -- '--duration' <<<"$out"; then
	e2e_pass demo_help
else
	e2e_fail demo_help "exit $rc, or no --duration in the usage"
fi
out=$("$DEMO" --duration 3 2>&1)
rc=$?
if [ "$rc" -eq 2 ]; then
	e2e_pass demo_usage_error
else
	e2e_fail demo_usage_error "--duration 3 exited $rc, want 2"
fi

# The run, piped, bounded; its output is shown indented so that run.sh counts only our lines.
log=$E2E_TMP/demo.out
timeout 300 "$DEMO" --duration "$DURATION" --prefix "$PREFIX" >"$log" 2>&1
rc=$?
e2e_indent <"$log"
if [ "$rc" -eq 0 ]; then
	e2e_pass demo_exit_code
else
	e2e_fail demo_exit_code "exited $rc, want 0"
fi

if grep -qx 'failed requests: 0' "$log"; then
	e2e_pass demo_no_failed_requests
else
	e2e_fail demo_no_failed_requests "$(grep '^failed requests:' "$log" || echo 'no such line')"
fi

# One plain line a second (nothing redrawn in a pipe) and the four phases announced.
ticks=$(grep -cE '^ +[0-9]+s +[1-4] ' "$log")
phases=$(grep -cE '^== phase [1-4]/4 ' "$log")
if grep -q $'[\r\033]' "$log"; then
	e2e_fail demo_live_lines "terminal control characters in piped output"
elif [ "$ticks" -ne "$DURATION" ] || [ "$phases" -ne 4 ]; then
	e2e_fail demo_live_lines "$ticks per-second lines (want $DURATION), $phases phases (want 4)"
else
	e2e_pass demo_live_lines
fi

# The summary's rows: "  K  NAME  REQUESTS FAILED FLOWS  B1% B2% B3%  EXPECTED  CHECK".
# Bounds of our own, wide enough for a binomial draw of a few hundred flows: balanced within
# 20-47%; draining and removed: b3 exactly none, b1 and b2 35-65%; 1:1:2: b3 38-62%.
if why=$(awk '
	/^  [1-4]  / {
		k = $1
		n = 0
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9.]+%$/) {
				if (!n)
					flows = $(i - 1)
				s[k, ++n] = $i + 0
			}
		if (n != 3) { print "phase " k ": no shares in: " $0; bad = 1; next }
		seen[k] = 1
		if (flows + 0 < 20) { print "phase " k ": " flows " new flows"; bad = 1 }
		lo1 = lo2 = lo3 = 20; hi1 = hi2 = hi3 = 47
		if (k == 2 || k == 3) { lo1 = lo2 = 35; hi1 = hi2 = 65; lo3 = hi3 = 0 }
		if (k == 4) { lo1 = lo2 = 13; hi1 = hi2 = 37; lo3 = 38; hi3 = 62 }
		for (b = 1; b <= 3; b++) {
			lo = b == 1 ? lo1 : b == 2 ? lo2 : lo3
			hi = b == 1 ? hi1 : b == 2 ? hi2 : hi3
			if (s[k, b] < lo || s[k, b] > hi) {
				printf "phase %d: b%d %.1f%%, want %d-%d%%\n", k, b, s[k, b], lo, hi
				bad = 1
			}
		}
	}
	END {
		for (k = 1; k <= 4; k++)
			if (!seen[k]) { print "phase " k ": no row in the summary"; bad = 1 }
		exit bad
	}' "$log"); then
	e2e_pass demo_phase_shares
else
	e2e_fail demo_phase_shares "$(echo "$why" | head -n 3 | tr '\n' ';')"
fi

# The long-lived connection stayed on b3 and saw b3 draining.
ka=$(grep '^keep-alive connection' "$log")
drained=$(sed -n 's/.*all answered by b3, \([0-9]*\) of them while b3 was draining: ok$/\1/p' \
	<<<"$ka")
if [ -n "$drained" ] && [ "$drained" -ge 1 ]; then
	e2e_pass demo_keepalive
else
	e2e_fail demo_keepalive "${ka:-no keep-alive line}"
fi

# the demo's own line, and every counter of the "drops:" line of xlb-dp stats
if grep -qx 'datapath drops: 0: ok' "$log" && awk '/^ +drops: / {
		found = 1
		for (i = 3; i <= NF; i += 2)
			if ($i != 0) bad = 1
	}
	END { exit !found || bad }' "$log"; then
	e2e_pass demo_no_drops
else
	e2e_fail demo_no_drops "$(grep -E 'drops' "$log" | tr -s ' ' | tr '\n' ';')"
fi

if grep -qx 'checks: [0-9]* passed, 0 failed' "$log"; then
	e2e_pass demo_checks
else
	e2e_fail demo_checks "$(grep '^checks:' "$log" || echo 'no checks line')"
fi

if why=$(leftovers "$PREFIX"); then
	e2e_pass demo_cleanup
else
	e2e_fail demo_cleanup "$why"
fi

# Ctrl-C in phase 2: the whole process group gets SIGINT, as from a terminal. Job control
# gives the demo a group of its own; env resets SIGINT in case this test started with it
# ignored (a background job's), which bash could not trap.
log=$E2E_TMP/demo-int.out
set -m
env --default-signal=INT "$DEMO" --duration 16 --prefix "$PREFIX_INT" >"$log" 2>&1 &
pid=$!
set +m
if ! e2e_wait 60 grep -q '^== phase 2/4' "$log"; then
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	e2e_indent <"$log"
	e2e_fail demo_interrupted "phase 2 did not begin within 60 s"
else
	kill -INT -- "-$pid"
	if ! e2e_wait 30 eval "! kill -0 $pid 2>/dev/null"; then
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
