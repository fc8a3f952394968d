#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: long-lived nat connections keep working through a SYN flood. Client c1 holds
# keep-alive HTTP connections to the VIP (xlb-load) while client c2 floods the same service
# with SYNs from random tuples (xlb-gen) into a small flow table. Every request must be
# answered, no connection reset or reopened, and the datapath's counters must show that the
# flood reached it: every SYN a new flow, and at least 50 of them for every way of the table
# (judged by counts, not by the rate: live frames send faster than the AF_PACKET socket that
# xlb-gen falls back to where the kernel refuses them, and both meet it here).
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# the flood comes from xlb-gen's live XDP frames, which a veth hands only to an XDP program:
# xlb in native XDP, so the hosts with TX checksum offload off (what XDP on veth needs)
E2E_HOOK=xdp
export XLB_LAB_OFFLOADS=tx-off

PORT=80
FLOOD_S=${E2E_FLOOD_SECONDS:-6}
FLOOD_PPS=${E2E_FLOOD_PPS:-200000}
# xlb-gen's sender: auto (live frames where the kernel allows them), live or packet
FLOOD_SENDER=${E2E_FLOOD_SENDER:-auto}
# A full table is the hostile setting: 256 buckets of 4 ways, each taking a few hundred new
# flows a second from the flood, so a way lasts some milliseconds, about a request's round trip
FLOWS=1024
CONNS=4
RATE=40
XLB_GEN=${XLB_GEN:-$E2E_BUILD/xlb-gen}
XLB_LOAD=${XLB_LOAD:-$E2E_BUILD/xlb-load}

e2e_init
for t in "$XLB_GEN" "$XLB_LOAD"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done

e2e_lab_up --clients 2 --backends 2
e2e_dp_load --flows "$FLOWS"
e2e_dp_attach_lab
e2e_lab_serve "$PORT"
for i in 0 1; do
	e2e_dp_ok backend set $((i + 1)) "${XLB_LAB_BACKEND4[i]}"
done
e2e_dp_ok vip add "$XLB_LAB_VIP4" "$PORT" tcp --mode nat --id 1
e2e_dp_ok ring set "$XLB_LAB_VIP4" "$PORT" tcp 1 2

# TCP counters of a host's namespace: "EstabResets OutRsts" from /proc/net/snmp.
tcp_resets() { # host
	e2e_in "$1" cat /proc/net/snmp | awk '
		$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "Tcp:" { print $col["EstabResets"], $col["OutRsts"] }'
}

stat_of() { # json file, jq path
	jq -r "($2) // 0" "$1" 2>/dev/null || echo 0
}

lb_mac=$(e2e_in lb ip -j link show "${XLB_LAB_LB_CLIENT_IF[1]}" | jq -r '.[0].address')
c2_if=${XLB_LAB_CLIENT_NS[1]} # the lab names a host's end of its veth after the host
declare -A rst_before
for h in c1 b1 b2; do
	rst_before[$h]=$(tcp_resets "$h")
done
e2e_dp stats --json >"$E2E_TMP/before.json" 2>/dev/null ||
	e2e_abort setup "xlb-dp stats --json failed"

# the connections: CONNS keep-alive connections, RATE requests a second, from before the flood
# to after it; the load on CPU 1, the flood (and the datapath in its softirq) on CPU 0
load_s=$((FLOOD_S + 4))
e2e_in c1 taskset -c 1 timeout $((load_s + 20)) "$XLB_LOAD" --keep-alive \
	--connections "$CONNS" --rate "$RATE" --duration "$load_s" --timeout 3 --json \
	--failures "$E2E_TMP/failures.csv" "http://$XLB_LAB_VIP4:$PORT/whoami" \
	>"$E2E_TMP/load.json" 2>"$E2E_TMP/load.err" &
load_pid=$!
e2e_on_exit "kill $load_pid"
sleep 2

# the flood: random sources in 198.19.128.0/17, clear of every address of the lab
if ! e2e_in c2 timeout $((FLOOD_S + 20)) "$XLB_GEN" -i "$c2_if" --src 198.19.128.1 \
	--src-bits 15 --dst "$XLB_LAB_VIP4" --dport "$PORT" --mode syn-flood \
	--sender "$FLOOD_SENDER" --rate "$FLOOD_PPS" --duration "$FLOOD_S" --cpus 0 \
	--dst-mac "$lb_mac" --json \
	>"$E2E_TMP/gen.json" 2>"$E2E_TMP/gen.err"; then
	e2e_indent <"$E2E_TMP/gen.err"
	e2e_fail flood_sent "xlb-gen failed"
fi
wait "$load_pid"
load_rc=$?
e2e_dp stats --json >"$E2E_TMP/after.json" 2>/dev/null || e2e_log "xlb-dp stats --json failed"

# the flood happened and reached the datapath as new flows
frames=$(stat_of "$E2E_TMP/gen.json" .frames)
pps=$(stat_of "$E2E_TMP/gen.json" .pps)
sender=$(jq -r '.sender // "?"' "$E2E_TMP/gen.json" 2>/dev/null)
new=$(($(stat_of "$E2E_TMP/after.json" .paths.flow_new) -
	$(stat_of "$E2E_TMP/before.json" .paths.flow_new)))
e2e_log "flood: $frames SYNs in ${FLOOD_S} s from c2 ($pps pps, $FLOOD_PPS asked, $sender" \
	"sender), $new new flows in the datapath"
# the rate reached depends on the machine and the sender (the datapath and the backends' SYN
# handling run in the flood's softirq): what makes it a flood is the table's turnover, each
# way taken over by new flows 50 times on average while the connections live
min=$((50 * FLOWS))
if [ "$frames" -ge "$min" ] && [ "$new" -ge $((frames * 9 / 10)) ]; then
	e2e_pass flood_reached_datapath
else
	e2e_fail flood_reached_datapath "$frames SYNs sent, $new new flows counted (want at least $min sent and 90% of them counted)"
fi

# the connections: every request answered, none reopened, no reset anywhere
if [ "$load_rc" -ne 0 ] || ! [ -s "$E2E_TMP/load.json" ]; then
	e2e_indent <"$E2E_TMP/load.err"
	e2e_fail connections_kept "xlb-load exited with $load_rc"
else
	ok=$(stat_of "$E2E_TMP/load.json" .ok)
	failed=$(stat_of "$E2E_TMP/load.json" .failed)
	sched=$(stat_of "$E2E_TMP/load.json" .scheduled)
	conns=$(stat_of "$E2E_TMP/load.json" .connections)
	p99=$(stat_of "$E2E_TMP/load.json" .latency_ms.p99)
	e2e_log "load: $ok of $sched requests answered, $failed failed, $conns connections" \
		"opened, p99 $p99 ms"
	if [ "$failed" -eq 0 ] && [ "$ok" -eq "$sched" ] && [ "$ok" -ge $((RATE * load_s * 9 / 10)) ] &&
		[ "$conns" -le "$CONNS" ]; then
		e2e_pass connections_kept
	else
		e2e_fail connections_kept "$ok of $sched answered, $failed failed, $conns connections opened for $CONNS slots"
		head -n 5 "$E2E_TMP/failures.csv" 2>/dev/null | e2e_indent
	fi
fi
resets=""
for h in c1 b1 b2; do
	read -r e0 o0 <<<"${rst_before[$h]}"
	read -r e1 o1 <<<"$(tcp_resets "$h")"
	# c1 resets nothing: an untranslated reply would make it send a RST to the backend
	if [ $((e1 - e0)) -ne 0 ] || { [ "$h" = c1 ] && [ $((o1 - o0)) -ne 0 ]; }; then
		resets+="$h: $((e1 - e0)) connections reset, $((o1 - o0)) RSTs sent; "
	fi
done
if [ -z "$resets" ]; then
	e2e_pass no_resets
else
	e2e_fail no_resets "${resets%; }"
fi
e2e_summary
