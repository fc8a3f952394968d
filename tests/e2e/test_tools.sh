#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The demo's two tools. xlb-timeline: the sample series and events render to a well-formed SVG
# with three panels and the events' labels, bad input is refused with file, line and field,
# and --png without a converter says so and succeeds. xlb-load (root): in a namespace pair of
# the test's own, 50 requests a second for 3 s against xlb-backend all succeed and add up in
# the per-second stats; then the backend is killed mid-run and every failure is recorded with
# its stage and times, none before the kill. xlb-backend: out of file descriptors it pauses its
# accepts; with --delay it holds replies concurrently, without CPU, and not /health's.
# needs: none
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

XLB_LOAD=${XLB_LOAD:-$E2E_BUILD/xlb-load}
XLB_TIMELINE=${XLB_TIMELINE:-$E2E_BUILD/xlb-timeline}
FIXTURES=$E2E_REPO/tests/timeline
# names of this run's own: "xtt" and at most 5 digits, so that "P-vc" fits 15 characters
PREFIX=xtt$(($$ % 100000))
NS_C=$PREFIX-c
NS_S=$PREFIX-s
ADDR_C=198.18.250.1
ADDR_S=198.18.250.2
ADDR6_C=2001:2:0:fa::1
ADDR6_S=2001:2:0:fa::2
PORT=8080

# The timeline half needs no root: e2e_init (which skips without it) comes later.
trap e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
E2E_TMP=$(mktemp -d "/tmp/xlb-e2e.$PREFIX.XXXXXX")
for t in "$XLB_LOAD" "$XLB_TIMELINE"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done

# --- xlb-timeline ---

# Tags balanced and nested, one root <svg>; a check of its own where xmllint is missing.
# Prints what is wrong; returns 1 then.
svg_structure() { # file
	awk '
		{ doc = doc $0 "\n" }
		END {
			s = doc
			while (match(s, /<[^>]*>/)) {
				tag = substr(s, RSTART, RLENGTH)
				s = substr(s, RSTART + RLENGTH)
				if (tag ~ /^<[?!]/ || tag ~ /\/>$/)
					continue
				name = tag
				sub(/^<\/?/, "", name)
				sub(/[ \t\n>].*$/, "", name)
				if (tag ~ /^<\//) {
					if (n == 0 || stack[n] != name) {
						print "</" name "> closes <" stack[n] ">"
						exit 1
					}
					n--
					if (n == 0)
						roots++
				} else {
					if (n == 0 && name != "svg") {
						print "root element <" name ">, want <svg>"
						exit 1
					}
					stack[++n] = name
				}
			}
			if (n != 0) {
				print n " element(s) left open, the last <" stack[n] ">"
				exit 1
			}
			if (roots != 1) {
				print roots + 0 " root elements, want 1"
				exit 1
			}
		}' "$1"
}

svg=$E2E_TMP/timeline.svg
out=$("$XLB_TIMELINE" --events "$FIXTURES/sample.events" --target 70 --title "test <&> title" \
	--output "$svg" "$FIXTURES/sample.csv" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$svg" ] && [ ! -e "$svg.tmp" ]; then
	e2e_pass timeline_render
else
	echo "$out" | e2e_indent
	e2e_fail timeline_render "exit $rc, or no SVG, or its temporary file left"
fi

if command -v xmllint >/dev/null; then
	if out=$(xmllint --noout "$svg" 2>&1); then
		e2e_pass timeline_xmllint
	else
		echo "$out" | head -n 5 | e2e_indent
		e2e_fail timeline_xmllint "not well-formed"
	fi
else
	e2e_skip timeline_xmllint "xmllint not installed (libxml2-utils); the structural check stands in"
fi
if why=$(svg_structure "$svg"); then
	e2e_pass timeline_structure
else
	e2e_fail timeline_structure "$why"
fi

missing=""
for want in 'id="panel-capacity"' 'id="panel-cpu"' 'id="panel-rps"' 'class="series-desired"' \
	'class="series-in_service"' 'class="series-healthy"' 'class="series-cpu"' \
	'class="series-rps"' 'class="series-errors"' 'class="target"' 'id="events"' \
	'test &lt;&amp;&gt; title' 'width="1000" height="700"'; do
	grep -qF -- "$want" "$svg" || missing+="$want "
done
if [ -z "$missing" ]; then
	e2e_pass timeline_panels
else
	e2e_fail timeline_panels "missing: $missing"
fi

# Every event in a marker's tooltip; the labels that matter most (failure, alarms, capacity)
# in the band; text escaped, not dropped.
nev=$(grep -cv '^#' "$FIXTURES/sample.events")
ntip=$(awk '/class="event event-/' RS='</g>' "$svg" | grep -o 't=[0-9.]* s [a-z]*:' | wc -l)
missing=""
for want in '>xlb-backend killed on i' '>desired 2 -&gt; 5<' '>desired 5 -&gt; 2<' \
	'>i-0003 launched (+2)<' '>CPU 92% &gt; 70% for 3 per' \
	'&lt;on purpose&gt; &amp; watched</title>'; do
	grep -qF -- "$want" "$svg" || missing+="'$want' "
done
if [ "$ntip" -eq "$nev" ] && [ -z "$missing" ]; then
	e2e_pass timeline_events
else
	e2e_fail timeline_events "$ntip of $nev events in tooltips; missing: ${missing:-none}"
fi

# Bad input: exit 2, and the message names file, line and field.
printf 't,desired,in_service,healthy,cpu,rps,errors\n0,2,2,2,10,5,0\n1,2,2,2,ten,5,0\n' \
	>"$E2E_TMP/bad.csv"
printf '1\tlaunch\tok\n2\tBad Kind\tx\n' >"$E2E_TMP/bad.events"
printf 't,desired,healthy,cpu,rps,errors\n' >"$E2E_TMP/nohead.csv"
# xlb-timeline with these arguments exits 2 with the message; otherwise logs what it did
timeline_refuses() { # bad file, message, xlb-timeline arguments...
	local out rc
	out=$("$XLB_TIMELINE" "${@:3}" 2>&1)
	rc=$?
	if [ "$rc" -ne 2 ] || ! grep -qF "$2" <<<"$out"; then
		e2e_log "$1: exit $rc: $out"
		return 1
	fi
}
bad_ok=1
timeline_refuses bad.csv "bad.csv:3: field 'cpu': not a number: 'ten'" \
	-o "$E2E_TMP/x.svg" "$E2E_TMP/bad.csv" || bad_ok=0
timeline_refuses bad.events "bad.events:2: field 'kind'" \
	-e "$E2E_TMP/bad.events" -o "$E2E_TMP/x.svg" "$FIXTURES/sample.csv" || bad_ok=0
timeline_refuses nohead.csv "nohead.csv:1: the header has no column 'in_service'" \
	-o "$E2E_TMP/x.svg" "$E2E_TMP/nohead.csv" || bad_ok=0
if [ "$bad_ok" = 1 ] && [ ! -e "$E2E_TMP/x.svg" ]; then
	e2e_pass timeline_bad_input
else
	e2e_fail timeline_bad_input "want exit 2 with FILE:LINE: field, and no SVG written"
fi

# --png: with no converter on PATH it says so and exits 0; with one, it runs it on the SVG.
bin=$E2E_TMP/bin
mkdir -p "$bin"
out=$(PATH=$bin "$XLB_TIMELINE" -e "$FIXTURES/sample.events" -o "$E2E_TMP/p.svg" \
	--png "$E2E_TMP/p.png" "$FIXTURES/sample.csv" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && grep -q 'no PNG' <<<"$out" && [ -s "$E2E_TMP/p.svg" ]; then
	e2e_pass timeline_png_none
else
	e2e_fail timeline_png_none "exit $rc (want 0), output: $out"
fi
cat >"$bin/rsvg-convert" <<-'EOF'
	#!/bin/sh
	# a stand-in that records its arguments and writes the file --output names
	echo "$@" >"${0%/*}/args"
	while [ $# -gt 1 ]; do [ "$1" = --output ] && echo PNG >"$2"; shift; done
EOF
chmod +x "$bin/rsvg-convert"
out=$(PATH=$bin "$XLB_TIMELINE" -o "$E2E_TMP/p.svg" --png "$E2E_TMP/p.png" \
	"$FIXTURES/sample.csv" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$E2E_TMP/p.png" ] &&
	[ "$(cat "$bin/args")" = "--format png --output $E2E_TMP/p.png $E2E_TMP/p.svg" ]; then
	e2e_pass timeline_png_converter
else
	e2e_fail timeline_png_converter "exit $rc, args '$(cat "$bin/args" 2>/dev/null)': $out"
fi

# --- xlb-load: usage, then real traffic in namespaces ---

"$XLB_LOAD" --help >/dev/null 2>&1
rc_help=$?
"$XLB_LOAD" --phase 10x@5 http://198.18.250.2/ >/dev/null 2>&1
rc_phase=$?
"$XLB_LOAD" --duration 1 --rate 5 http://example.com/ >/dev/null 2>&1
rc_url=$?
if [ "$rc_help" -eq 0 ] && [ "$rc_phase" -eq 2 ] && [ "$rc_url" -eq 2 ]; then
	e2e_pass load_usage
else
	e2e_fail load_usage "--help $rc_help (want 0), bad phase $rc_phase, bad URL $rc_url (want 2)"
fi

if [ "$(id -u)" != 0 ]; then
	e2e_skip load "needs root for network namespaces"
	e2e_summary
	exit
fi
for t in ip nsenter jq timeout; do
	command -v "$t" >/dev/null || e2e_abort setup "'$t' is missing (make deps)"
done
[ -x "$XLB_BACKEND" ] || e2e_abort setup "$XLB_BACKEND is missing (make)"

in_c() { nsenter --net="/run/netns/$NS_C" "$@"; }
in_s() { nsenter --net="/run/netns/$NS_S" "$@"; }

# Two namespaces and a veth between them, a /30 of 198.18.250.0/24 and a /64 of 2001:2::/48.
e2e_on_exit "ip netns del $NS_C"
e2e_on_exit "ip netns del $NS_S"
{
	ip netns add "$NS_C" && ip netns add "$NS_S" &&
		ip link add "$PREFIX-vc" netns "$NS_C" type veth peer name "$PREFIX-vs" netns "$NS_S" &&
		in_c ip addr add "$ADDR_C/30" dev "$PREFIX-vc" &&
		in_s ip addr add "$ADDR_S/30" dev "$PREFIX-vs" &&
		in_c ip addr add "$ADDR6_C/64" dev "$PREFIX-vc" nodad &&
		in_s ip addr add "$ADDR6_S/64" dev "$PREFIX-vs" nodad &&
		in_c ip link set lo up && in_s ip link set lo up &&
		in_c ip link set "$PREFIX-vc" up && in_s ip link set "$PREFIX-vs" up
} >"$E2E_TMP/setup.log" 2>&1 || {
	e2e_indent <"$E2E_TMP/setup.log"
	e2e_abort setup "the namespace pair could not be made"
}

BACKEND_PID=
start_backend() {
	rm -f "$E2E_TMP/backend.pid"
	# nsenter itself, not a function (that would be a subshell): it execs in place, so $!
	# is the backend's own pid
	nsenter --net="/run/netns/$NS_S" "$XLB_BACKEND" --id tb1 --listen "$ADDR_S:$PORT" \
		--listen "[$ADDR6_S]:$PORT" --pidfile "$E2E_TMP/backend.pid" --quiet \
		>>"$E2E_TMP/backend.log" 2>&1 &
	BACKEND_PID=$!
	e2e_on_exit "kill -KILL $BACKEND_PID"
	e2e_wait 5 test -s "$E2E_TMP/backend.pid" || {
		e2e_indent <"$E2E_TMP/backend.log"
		e2e_abort setup "xlb-backend did not start"
	}
	[ "$(cat "$E2E_TMP/backend.pid")" = "$BACKEND_PID" ] ||
		e2e_abort setup "xlb-backend's pid is not the one started"
}

# Sums of a stats file's columns (data lines only): sent ok failed, and the number of lines.
stats_sums() { # file
	awk -F, '/^[0-9]/ { s += $3; o += $4; f += $5; n++ } END { print s + 0, o + 0, f + 0, n + 0 }' "$1"
}

start_backend
run=$E2E_TMP/ok
mkdir -p "$run"
in_c timeout 30 "$XLB_LOAD" --duration 3 --rate 50 --stats "$run/stats.csv" \
	--failures "$run/failures.csv" --start-file "$run/start" --json \
	"http://$ADDR_S:$PORT/" >"$run/summary.json" 2>"$run/stderr"
rc=$?
read -r sent ok failed inst < <(jq -r '"\(.sent) \(.ok) \(.failed) \(.instances.tb1 // 0)"' \
	"$run/summary.json" 2>/dev/null)
if [ "$rc" -eq 0 ] && [ "${sent:-}" = 150 ] && [ "$ok" = 150 ] && [ "$failed" = 0 ] &&
	[ "$inst" = 150 ]; then
	e2e_pass load_all_ok
else
	e2e_indent <"$run/stderr"
	e2e_fail load_all_ok "exit $rc; sent ${sent:-?} ok ${ok:-?} failed ${failed:-?}" \
		"tb1 ${inst:-?}; want 150 150 0 150"
fi

read -r s o f n < <(stats_sums "$run/stats.csv")
header=$(grep -v '^#' "$run/stats.csv" | head -n 1)
if [ "$header" = "t,phase,sent,ok,failed,in_flight,p50_ms,p99_ms,queued" ] && [ "$n" -ge 3 ] &&
	[ "$n" -le 4 ] && [ "$s" = 150 ] && [ "$o" = 150 ] && [ "$f" = 0 ] &&
	grep -q '^# total,scheduled=150,sent=150,ok=150,failed=0,' "$run/stats.csv" &&
	grep -q '^# instance,tb1,150$' "$run/stats.csv" &&
	awk -F, '/^[0-9]/ && $2 == 1 && $7 == "" { bad = 1 } END { exit bad }' "$run/stats.csv"; then
	e2e_pass load_stats
else
	e2e_indent <"$run/stats.csv"
	e2e_fail load_stats "$n lines summing to sent $s ok $o failed $f; want 3-4 lines, 150 150 0"
fi

if [ "$(grep -cv '^#' "$run/failures.csv")" = 1 ] &&
	grep -qE '^realtime=[0-9]+\.[0-9]{9}$' "$run/start" &&
	grep -qE '^monotonic=[0-9]+\.[0-9]{9}$' "$run/start"; then
	e2e_pass load_no_failures
else
	e2e_fail load_no_failures "failures other than the header, or a malformed start file"
fi

# IPv6, from a given source address
out=$(in_c timeout 20 "$XLB_LOAD" --duration 1 --rate 20 --bind "$ADDR6_C" --json \
	"http://[$ADDR6_S]:$PORT/" 2>&1 >"$E2E_TMP/v6.json")
rc=$?
if [ "$rc" -eq 0 ] && [ "$(jq -r '"\(.sent) \(.ok)"' "$E2E_TMP/v6.json")" = "20 20" ]; then
	e2e_pass load_ipv6_bind
else
	echo "$out" | e2e_indent
	e2e_fail load_ipv6_bind "exit $rc, or not 20 of 20 answered"
fi

# Out of file descriptors: a second backend with 16 of them and 24 clients holding connections
# open. accept4 fails with EMFILE while the clients stay queued and the listener readable; the
# backend must pause its accepts (not spin on them) and serve again once the clients are gone.
PORT2=8081
nsenter --net="/run/netns/$NS_S" prlimit --nofile=16 -- "$XLB_BACKEND" --id tb2 \
	--listen "$ADDR_S:$PORT2" --pidfile "$E2E_TMP/tb2.pid" >"$E2E_TMP/tb2.log" 2>&1 &
tb2=$!
e2e_on_exit "kill -KILL $tb2"
e2e_wait 5 test -s "$E2E_TMP/tb2.pid" || e2e_abort setup "the second xlb-backend did not start"
# shellcheck disable=SC2016 # expanded by the inner shell
in_c timeout 10 bash -c 'for i in $(seq 24); do exec {fd}<>"/dev/tcp/$1/$2" || exit 1; done
	sleep 2.5' holder "$ADDR_S" "$PORT2" &
holder=$!
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$tb2/stat"; }
sleep 0.7
t1=$(cpu_ticks)
sleep 1
t2=$(cpu_ticks)
wait "$holder"
hrc=$?
out=$(in_c timeout 5 curl -s "http://$ADDR_S:$PORT2/whoami" 2>&1)
spent=$((t2 - t1))
if [ "$hrc" -eq 0 ] && grep -q 'Too many open files' "$E2E_TMP/tb2.log" && [ "$spent" -lt 10 ] &&
	[[ $out == *tb2* ]]; then
	echo "  $spent CPU ticks in 1 s at EMFILE"
	e2e_pass backend_emfile
else
	e2e_indent <"$E2E_TMP/tb2.log"
	e2e_fail backend_emfile "holders exit $hrc; $spent CPU ticks in 1 s at EMFILE (want < 10);" \
		"then: ${out:-no answer}"
fi
kill -TERM "$tb2"

# --delay: a third backend holds every reply 2 s without CPU. Six requests at once each take the
# 2 s and end together (held one after the other they would take 12 s; the bar is 8), /health is
# not held (the bar is 1.5 s), and the backend burnt no work for them.
PORT3=8082
nsenter --net="/run/netns/$NS_S" "$XLB_BACKEND" --id tb3 --delay 2000 --quiet \
	--listen "$ADDR_S:$PORT3" --pidfile "$E2E_TMP/tb3.pid" >"$E2E_TMP/tb3.log" 2>&1 &
tb3=$!
e2e_on_exit "kill -KILL $tb3"
e2e_wait 5 test -s "$E2E_TMP/tb3.pid" || e2e_abort setup "the third xlb-backend did not start"
urls=()
for i in 1 2 3 4 5 6; do
	urls+=(-o /dev/null "http://$ADDR_S:$PORT3/whoami?n=$i")
done
t0=$EPOCHREALTIME
times=$(in_c timeout 20 curl -s --parallel --parallel-immediate --parallel-max 6 \
	-w '%{http_code} %{time_total}\n' "${urls[@]}" 2>/dev/null)
wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
health=$(in_c timeout 10 curl -s -o /dev/null -w '%{http_code} %{time_total}' \
	"http://$ADDR_S:$PORT3/health")
stats=$(in_c timeout 10 curl -s "http://$ADDR_S:$PORT3/stats")
e2e_log "--delay 2000: six at once in $wall s, each $(awk '{ printf "%s%s", s, $2; s=" " }' \
	<<<"$times") s; /health in ${health#* } s"
if [ "$(awk '$1 == 200 && $2 >= 1.99' <<<"$times" | wc -l)" -eq 6 ] &&
	awk -v w="$wall" 'BEGIN { exit !(w < 8) }' &&
	awk -v h="$health" 'BEGIN { split(h, f, " "); exit !(f[1] == 200 && f[2] < 1.5) }' &&
	[ "$(jq -r '"\(.served) \(.work_ms)"' <<<"$stats")" = "6 0" ]; then
	e2e_pass backend_delay
else
	e2e_fail backend_delay "replies: $(tr '\n' ' ' <<<"$times"); $wall s in all;" \
		"/health: $health; stats: $stats"
fi
kill -TERM "$tb3"

# The backend killed 1.5 s into a 3 s run. Each request asks for 25 ms of CPU at 50 a second,
# more than the one-threaded backend serves, so that requests are in flight when it dies.
run=$E2E_TMP/kill
mkdir -p "$run"
nsenter --net="/run/netns/$NS_C" timeout 30 "$XLB_LOAD" --duration 3 --rate 50 \
	--stats "$run/stats.csv" --failures "$run/failures.csv" --start-file "$run/start" --json \
	"http://$ADDR_S:$PORT/?work=25" >"$run/summary.json" 2>"$run/stderr" &
load_pid=$!
e2e_on_exit "kill -KILL $load_pid"
sleep 1.5
kill_rt=$EPOCHREALTIME
kill -KILL "$BACKEND_PID"
wait "$BACKEND_PID" 2>/dev/null # reaped here, so that bash does not report the kill
wait "$load_pid"
rc=$?
start_rt=$(sed -n 's/^realtime=//p' "$run/start")
kill_ms=$(awk -v k="$kill_rt" -v s="$start_rt" 'BEGIN { printf "%.3f", (k - s) * 1000 }')
read -r sent ok failed < <(jq -r '"\(.sent) \(.ok) \(.failed)"' "$run/summary.json" 2>/dev/null)
read -r s o f n < <(stats_sums "$run/stats.csv")
nfail=$(grep -cv '^#' "$run/failures.csv")
nfail=$((nfail - 1))
e2e_log "killed at ${kill_ms} ms: sent ${sent:-?} ok ${ok:-?} failed ${failed:-?}," \
	"$nfail failure lines"
if [ "$rc" -eq 0 ] && [ "${failed:-0}" -gt 0 ] && [ "$((ok + failed))" = "$sent" ] &&
	[ "$s" = "$sent" ] && [ "$o" = "$ok" ] && [ "$f" = "$failed" ] &&
	[ "$nfail" = "$failed" ]; then
	e2e_pass load_kill_counts
else
	e2e_indent <"$run/stderr"
	e2e_fail load_kill_counts "exit $rc; json sent ${sent:-?} ok ${ok:-?} failed ${failed:-?};" \
		"stats $s $o $f; $nfail failure lines"
fi

# Every failure line: a known stage, an error, times in order, nothing before the kill (5 ms
# for the signal to be sent); some were in flight at the kill (connected before it) and those
# started after the death was first seen (the earliest failure: on a loaded machine the kill
# lands some ms after the signal) are refused connections.
if why=$(awk -F, -v k="$kill_ms" '
	/^#/ || /^t_start/ { next }
	NR == FNR { if (land == "" || $2 + 0 < land) land = $2 + 0; next }
	NF != 6 { print "line " FNR ": " NF " fields"; exit 1 }
	$4 !~ /^(connect|send|recv|timeout|http|queue)$/ { print "line " FNR ": stage " $4; exit 1 }
	$5 == "" { print "line " FNR ": no error"; exit 1 }
	$1 + 0 > $2 + 0 { print "line " FNR ": ends before it starts"; exit 1 }
	$2 + 0 < k - 5 { print "line " FNR ": failed at " $2 " ms, before the kill"; exit 1 }
	$6 != "" && $1 + 0 < k { cut++ }
	$1 + 0 > land { after++; if ($4 != "connect" || $5 != "ECONNREFUSED") late++ }
	END {
		if (!cut) { print "no request cut at the kill"; exit 1 }
		if (!after) { print "no failed request after the kill"; exit 1 }
		if (late) { print late " requests after the kill failed other than refused"; exit 1 }
		printf "%d cut at the kill, %d refused after it (death seen %.1f ms after the signal)\n",
			cut, after, land - k
	}' "$run/failures.csv" "$run/failures.csv"); then
	e2e_log "$why"
	e2e_pass load_kill_failures
else
	e2e_indent <"$run/failures.csv" | head -n 20
	e2e_fail load_kill_failures "$why"
fi

e2e_summary
