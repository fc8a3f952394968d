#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: the target group algorithms with real traffic through xlbd (nat, static targets).
# One balancer, the lab's three backends, one listener per behaviour on 198.18.100.1:
#   :80 round_robin (Maglev) and :81 least_outstanding_requests, b3 slow on both (--delay):
#       least outstanding requests gives b3 a smaller share of new connections than Maglev
#       under the same load;
#   :82 stickiness source_ip, IPv4 and IPv6 (on [2001:2:0:100::1]:82): every connection of one
#       client address lands on one backend, twelve client addresses spread;
#   :83 ForwardConfig 80/20 over two target groups: the split of new connections;
#   :85 slow_start.duration_seconds 30: a registered b3's share grows over the window;
# and xlbd --check's plan names each behaviour, calling none of them without effect.
# Verdicts are counts of connections with binomial bounds, or ratios with wide margins; the
# slow start's windows are timed from xlbd's log line (xlbd's own clock, whatever the load), so
# the test shares the machine with the other timer-bound scripts.
# needs: netns
# parallel: yes
# timeout: 400
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

XLB_LOAD=${XLB_LOAD:-$E2E_BUILD/xlb-load}
INTERVAL=5
THRESHOLD=2
SLOW_MS=1000 # b3's added hold of every reply behind :80 and :81
SS_S=30      # slow start: AWS's shortest
RATE=30      # new connections a second of each load run

e2e_init
for t in "$XLBD" "$XLBCTL" "$XLB_LOAD"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done
e2e_lab_up --clients 1 --backends 3

B=("${XLB_LAB_BACKEND_NS[@]}")
IP=("${XLB_LAB_BACKEND4[@]}")
IP6=("${XLB_LAB_BACKEND6[@]}")

# Two xlb-backend processes a backend: ports 80 and 81 (b3's held SLOW_MS), 82, 83 and 85.
serve() { # backend index, name, options...
	local ready=$E2E_TMP/ready.$2.${B[$1]}
	e2e_lab spawn "${B[$1]}" "$2-${B[$1]}" "$XLB_BACKEND" --id "${B[$1]}" --quiet \
		--pidfile "$ready" "${@:3}" >/dev/null || e2e_abort setup "spawning xlb-backend"
	e2e_wait 10 test -s "$ready" || e2e_abort setup "xlb-backend $2 in ${B[$1]} did not start"
}
for i in 0 1 2; do
	delay=0
	[ "$i" -eq 2 ] && delay=$SLOW_MS
	serve "$i" algo --listen 80 --listen 81 --delay "$delay"
	serve "$i" plain --listen 82 --listen 83 --listen 85
done

STICKY='{ "Key": "stickiness.enabled", "Value": "true" },
      { "Key": "stickiness.type", "Value": "source_ip" }'

tg() { # name, port, attributes (JSON list members), target indexes...
	local name=$1 port=$2 attrs=$3 t sep='' addrs=("${IP[@]}")
	shift 3
	# a static group takes targets of either family: sticky6 the backends' IPv6 addresses
	[ "$name" = sticky6 ] && addrs=("${IP6[@]}")
	printf '{ "TargetGroupName": "%s", "Protocol": "TCP", "Port": %s, "TargetType": "ip",\n' \
		"$name" "$port"
	printf '  "HealthCheckProtocol": "HTTP", "HealthCheckPath": "/health",\n'
	printf '  "HealthCheckIntervalSeconds": %s, "HealthCheckTimeoutSeconds": 2,\n' "$INTERVAL"
	printf '  "HealthyThresholdCount": %s, "UnhealthyThresholdCount": 2,\n' "$THRESHOLD"
	printf '  "Targets": ['
	for t in "$@"; do
		printf '%s{ "Id": "%s" }' "$sep" "${addrs[t]}"
		sep=', '
	done
	printf '],\n  "Attributes": [{ "Key": "deregistration_delay.timeout_seconds", '
	printf '"Value": "5" }%s] }' "${attrs:+, $attrs}"
}

listener() { # port, target group
	printf '{ "Port": %s, "Protocol": "TCP", "DefaultActions": [{ "Type": "forward", ' "$1"
	printf '"TargetGroupArn": "%s" }] }' "$2"
}

cat >"$E2E_CONF" <<EOF
// written by test_lb_algorithms.sh
{
  "LoadBalancers": [{
    "Name": "e2e-algo", "Type": "network", "XlbAddresses": ["$XLB_LAB_VIP4"],
    "XlbForwardingMode": "nat",
    "Listeners": [
      $(listener 80 rr),
      $(listener 81 lor),
      $(listener 82 sticky),
      { "Port": 83, "Protocol": "TCP", "DefaultActions": [{ "Type": "forward",
        "ForwardConfig": { "TargetGroups": [
          { "TargetGroupArn": "heavy", "Weight": 80 },
          { "TargetGroupArn": "light", "Weight": 20 } ] } }] },
      $(listener 85 ramp)
    ]
  }, {
    "Name": "e2e-algo6", "Type": "network", "XlbAddresses": ["$XLB_LAB_VIP6"],
    "XlbForwardingMode": "nat",
    "Listeners": [$(listener 82 sticky6)]
  }],
  "TargetGroups": [
    $(tg rr 80 '' 0 1 2),
    $(tg lor 81 '{ "Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests" }' 0 1 2),
    $(tg sticky 82 "$STICKY" 0 1 2),
    $(tg sticky6 82 "$STICKY" 0 1 2),
    $(tg heavy 83 '' 0 1),
    $(tg light 83 '' 2),
    $(tg ramp 85 "{ \"Key\": \"slow_start.duration_seconds\", \"Value\": \"$SS_S\" }" 0 1)
  ]
}
EOF
if ! out=$("$XLBD" --check --config "$E2E_CONF" 2>&1); then
	echo "$out" | e2e_indent
	e2e_abort setup "xlbd --check refused the test's configuration"
fi
# the plan says what each attribute does, and calls none of them without effect
if grep -q '^    least outstanding requests: ' <<<"$out" &&
	[ "$(grep -c '^    stickiness source_ip: ' <<<"$out")" -eq 2 ] &&
	grep -q "^    slow start $SS_S s: " <<<"$out" &&
	grep -q 'target group heavy (weight 80), target group light (weight 20)$' <<<"$out" &&
	! grep -qi 'no effect\|warn' <<<"$out"; then
	e2e_pass check_plan
else
	e2e_fail check_plan "xlbd --check's plan lacks a line or warns"
	echo "$out" | e2e_indent
fi

nat_args=()
for ifname in "${XLB_LAB_LB_BACKEND_IF[@]}"; do
	nat_args+=(--nat-interface "$ifname")
done
e2e_xlbd_start "${E2E_PREFIX}i-" --metrics-address 127.0.0.1:9469 "${nat_args[@]}"
e2e_xlbd_wait_socket

healthy() { # target group: how many of its targets are healthy
	e2e_ctl --json describe-target-health --target-group-arn "$1" 2>/dev/null |
		jq '[.TargetHealthDescriptions[] | select(.TargetHealth.State == "healthy")] | length'
}

all_healthy() {
	[ "$(healthy rr)" = 3 ] && [ "$(healthy lor)" = 3 ] && [ "$(healthy sticky)" = 3 ] &&
		[ "$(healthy sticky6)" = 3 ] &&
		[ "$(healthy heavy)" = 2 ] && [ "$(healthy light)" = 1 ] && [ "$(healthy ramp)" = 2 ]
}

if e2e_wait $((INTERVAL * (THRESHOLD + 1) + 20)) all_healthy; then
	e2e_pass targets_healthy
else
	tail -n 20 "$E2E_LOG" | e2e_indent
	e2e_abort targets_healthy "not every target turned healthy"
fi

# One open-loop run of xlb-load from c1, a new connection a request; the JSON summary in out.
# To VIP_HOST, the IPv4 VIP unless set.
load() { # out file, port, seconds, rate[, source address]
	e2e_in c1 timeout $(($3 + 30)) "$XLB_LOAD" --duration "$3" --rate "$4" --timeout 10 \
		--json --quiet ${5:+--bind "$5"} \
		"http://${VIP_HOST:-$XLB_LAB_VIP4}:$2/" >"$1" 2>"$1.err"
}

ok_of() { # out file
	jq -r '.ok // 0' "$1" 2>/dev/null || echo 0
}

count_of() { # out file, instance
	jq -r --arg n "$2" '.instances[$n] // 0' "$1" 2>/dev/null || echo 0
}

spread_of() { # out file
	jq -r '[.instances | to_entries[] | "\(.key)=\(.value)"] | join(" ")' "$1" 2>/dev/null
}

# The wider of +-pct% of n*p and 4 binomial standard deviations (a false alarm about 1 in
# 16,000 for a fair draw): "lo hi".
bounds() { # n, p, pct
	awk -v n="$1" -v p="$2" -v pct="$3" 'BEGIN { m = n * p; d = 4 * sqrt(n * p * (1 - p))
		if (m * pct / 100 > d) d = m * pct / 100
		printf "%d %d\n", (m - d > 0 ? int(m - d) : 0), int(m + d + 0.999) }'
}

# 1. least outstanding requests against Maglev, b3 slow on both, the same load one after the
# other. Maglev gives b3 a third; least outstanding requests looks at two table positions and
# takes the one with fewer active flows, and b3 holds more (each of its connections lasts
# SLOW_MS, the others' a few ms): it keeps about the ninth where both positions are b3's.
load "$E2E_TMP/rr.json" 80 10 "$RATE"
load "$E2E_TMP/lor.json" 81 10 "$RATE"
rr_n=$(ok_of "$E2E_TMP/rr.json")
lor_n=$(ok_of "$E2E_TMP/lor.json")
rr_slow=$(count_of "$E2E_TMP/rr.json" "${B[2]}")
lor_slow=$(count_of "$E2E_TMP/lor.json" "${B[2]}")
e2e_log "round_robin (Maglev), $rr_n connections: $(spread_of "$E2E_TMP/rr.json")"
e2e_log "least_outstanding_requests, $lor_n connections: $(spread_of "$E2E_TMP/lor.json")"
want=$((RATE * 10 * 9 / 10))
if [ "$rr_n" -lt "$want" ] || [ "$lor_n" -lt "$want" ]; then
	e2e_fail lor_fewer_to_slow "answered: $rr_n and $lor_n, want $want each" \
		"($(jq -c .failed_by_stage "$E2E_TMP/rr.json" "$E2E_TMP/lor.json" | tr '\n' ' '))"
else
	# the slow backend's share under least outstanding requests over its share under Maglev:
	# about 0.35 expected; at most 0.7 passes
	ratio=$(awk -v a="$lor_slow" -v an="$lor_n" -v b="$rr_slow" -v bn="$rr_n" \
		'BEGIN { if (b == 0) print "inf"; else printf "%.2f\n", (a / an) / (b / bn) }')
	e2e_log "slow ${B[2]} (+$SLOW_MS ms a reply): $rr_slow of $rr_n with Maglev," \
		"$lor_slow of $lor_n with least outstanding requests: ratio of shares $ratio"
	read -r lo hi < <(bounds "$rr_n" 0.3333 0)
	if [ "$rr_slow" -lt "$lo" ] || [ "$rr_slow" -gt "$hi" ]; then
		e2e_fail lor_fewer_to_slow "Maglev gave the slow backend $rr_slow of $rr_n, not" \
			"its third ($lo..$hi): the comparison proves nothing"
	elif awk -v r="$ratio" 'BEGIN { exit !(r != "inf" && r <= 0.7) }'; then
		e2e_pass lor_fewer_to_slow
	else
		e2e_fail lor_fewer_to_slow "ratio of shares $ratio, want at most 0.7"
	fi
fi

# 2. source_ip stickiness, in each family: 40 connections from c1's address, then 5 from each
# of 12 more addresses of c1 (kernel-chosen ports all): one backend each; the addresses spread
# over more than one backend (all twelve on one: 3 x 3^-12, about 1 in 180,000)
sticky() { # case suffix, VIP host, c1's address, the 12 more addresses...
	local sfx=$1 n kinds a bad="" used=() spread
	VIP_HOST=$2
	load "$E2E_TMP/st0.json" 82 2 20 "$3"
	n=$(ok_of "$E2E_TMP/st0.json")
	kinds=$(jq '.instances | length' "$E2E_TMP/st0.json" 2>/dev/null || echo 0)
	e2e_log "source_ip, $3: $n connections: $(spread_of "$E2E_TMP/st0.json")"
	if [ "$n" -eq 40 ] && [ "$kinds" -eq 1 ]; then
		e2e_pass "sticky_one_client$sfx"
	else
		e2e_fail "sticky_one_client$sfx" "$n of 40 answered, by $kinds backends"
	fi
	for a in "${@:4}"; do
		load "$E2E_TMP/st.json" 82 1 5 "$a"
		n=$(ok_of "$E2E_TMP/st.json")
		kinds=$(jq '.instances | length' "$E2E_TMP/st.json" 2>/dev/null || echo 0)
		if [ "$n" -ne 5 ] || [ "$kinds" -ne 1 ]; then
			bad="$bad $a: $n answered by $kinds;"
		else
			used+=("$(jq -r '.instances | keys[0]' "$E2E_TMP/st.json")")
		fi
	done
	spread=$(printf '%s\n' "${used[@]}" | sort | uniq -c |
		awk '{ printf "%s%s=%s", s, $2, $1; s=" " }')
	e2e_log "source_ip, 12 more addresses (5 connections each), addresses per backend: $spread"
	if [ -n "$bad" ]; then
		e2e_fail "sticky_many_clients$sfx" "not on one backend each:$bad"
	elif [ "$(printf '%s\n' "${used[@]}" | sort -u | wc -l)" -lt 2 ]; then
		e2e_fail "sticky_many_clients$sfx" "12 addresses all on one backend: $spread"
	else
		e2e_pass "sticky_many_clients$sfx"
	fi
	VIP_HOST=
}

c1_if=$(e2e_in c1 ip -o -4 addr show | awk -v a="${XLB_LAB_CLIENT4[0]}/" \
	'index($4, a) == 1 { print $2; exit }')
net=${XLB_LAB_CLIENT4[0]%.*}
net6=${XLB_LAB_CLIENT6[0]%::*}
extra=() extra6=()
for ((i = 0; i < 12; i++)); do
	extra+=("$net.$((20 + i))")
	extra6+=("$net6::$((20 + i))")
	{ e2e_in c1 ip addr add "$net.$((20 + i))/24" dev "$c1_if" &&
		e2e_in c1 ip addr add "$net6::$((20 + i))/64" dev "$c1_if" nodad; } ||
		e2e_abort setup "cannot add $net.$((20 + i)) or $net6::$((20 + i)) to $c1_if"
done
sticky "" "$XLB_LAB_VIP4" "${XLB_LAB_CLIENT4[0]}" "${extra[@]}"
sticky _v6 "[$XLB_LAB_VIP6]" "${XLB_LAB_CLIENT6[0]}" "${extra6[@]}"

# 3. ForwardConfig 80/20: heavy (b1, b2) and light (b3); 400 new connections
load "$E2E_TMP/fwd.json" 83 10 40
n=$(ok_of "$E2E_TMP/fwd.json")
light=$(count_of "$E2E_TMP/fwd.json" "${B[2]}")
read -r lo hi < <(bounds "$n" 0.2 0)
e2e_log "ForwardConfig heavy 80 (b1, b2) / light 20 (b3), $n connections:" \
	"$(spread_of "$E2E_TMP/fwd.json"); light $light, bound $lo..$hi (4 sigma)"
if [ "$n" -ge 360 ] && [ "$light" -ge "$lo" ] && [ "$light" -le "$hi" ] &&
	[ "$(count_of "$E2E_TMP/fwd.json" "${B[0]}")" -gt 0 ] &&
	[ "$(count_of "$E2E_TMP/fwd.json" "${B[1]}")" -gt 0 ]; then
	e2e_pass weighted_split
else
	e2e_fail weighted_split "$n answered (want 360 or more), light $light (want $lo..$hi)"
fi

# 4. slow start: b1 or b2 may have ramped itself (the second to turn healthy does, as AWS's);
# once every ramp of the group ended, b3 joins; from its ramp's start, windows of a third of
# the duration, then one after it. Weights a tenth more every tenth of the duration: b3's
# expected share is about 9% of new connections in the first third, 20% and 28% in the next
# ones, and a third after.
ramps_done() {
	[ "$(grep -c 'target group ramp: target .* starts a slow start' "$E2E_LOG")" = \
		"$(grep -c 'target group ramp: target .* ends its slow start' "$E2E_LOG")" ]
}
ramp_started() {
	grep -q "target group ramp: target ${IP[2]}:85 starts a slow start" "$E2E_LOG"
}
ramp_ended() {
	grep -q "target group ramp: target ${IP[2]}:85 ends its slow start" "$E2E_LOG"
}
if ! e2e_wait $((SS_S + 15)) ramps_done; then
	e2e_abort slow_start "the group's own ramps did not end: $(grep 'slow start' "$E2E_LOG")"
fi
e2e_ctl register-targets --target-group-arn ramp --targets "Id=${IP[2]}" >/dev/null 2>&1 ||
	e2e_abort slow_start "register-targets failed"
if ! e2e_wait $((INTERVAL * (THRESHOLD + 1) + 20)) ramp_started; then
	tail -n 20 "$E2E_LOG" | e2e_indent
	e2e_abort slow_start "b3 did not start a slow start"
fi
t0=$SECONDS
shares=()
for k in 1 2 3; do
	# each window ends a second short of its third, so that a late start stays inside it
	left=$((t0 + SS_S * k / 3 - 1 - SECONDS))
	if [ "$left" -lt 3 ]; then
		e2e_log "window $k skipped: only $left s left of it (a loaded machine)"
		shares+=(-)
		continue
	fi
	load "$E2E_TMP/ss$k.json" 85 "$left" "$RATE"
	shares+=("$(count_of "$E2E_TMP/ss$k.json" "${B[2]}")/$(ok_of "$E2E_TMP/ss$k.json")")
	e2e_log "slow start, window $k ($((SS_S * (k - 1) / 3))..$((SS_S * k / 3)) s," \
		"$left s): $(spread_of "$E2E_TMP/ss$k.json")"
	while [ "$SECONDS" -lt $((t0 + SS_S * k / 3)) ]; do sleep 0.2; done
done
e2e_wait 15 ramp_ended || e2e_log "no log line of the ramp's end yet"
load "$E2E_TMP/ss4.json" 85 10 "$RATE"
shares+=("$(count_of "$E2E_TMP/ss4.json" "${B[2]}")/$(ok_of "$E2E_TMP/ss4.json")")
e2e_log "slow start, after the window: $(spread_of "$E2E_TMP/ss4.json")"
e2e_log "b3's share of new connections (of ${SS_S} s): first third ${shares[0]}," \
	"second ${shares[1]}, third ${shares[2]}, after ${shares[3]}"
if [ "${shares[0]}" = - ]; then
	e2e_skip slow_start_ramps "the first window was missed: $((SECONDS - t0)) s late"
else
	read -r f fn < <(tr / ' ' <<<"${shares[0]}")
	read -r a an < <(tr / ' ' <<<"${shares[3]}")
	read -r lo hi < <(bounds "$an" 0.3333 0)
	# first third: steps 1-3 of 10, about 9% expected; half the fair share (1/6) is the bar,
	# above 4 standard deviations at 280 connections
	if [ "$fn" -lt $((RATE * 5)) ] || [ "$an" -lt $((RATE * 9)) ]; then
		e2e_fail slow_start_ramps "too few answers: $fn and $an"
	elif [ $((f * 6)) -ge "$fn" ]; then
		e2e_fail slow_start_ramps "first third: $f of $fn, want under a sixth"
	elif [ "$a" -lt "$lo" ] || [ "$a" -gt "$hi" ]; then
		e2e_fail slow_start_ramps "after the window: $a of $an, want $lo..$hi (a third)"
	else
		e2e_pass slow_start_ramps
	fi
fi

e2e_stop "$E2E_XLBD_PID" 10
[ -n "${E2E_VERBOSE:-}" ] && e2e_indent <"$E2E_LOG"
e2e_summary
