#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: a cluster node reading Xlb.Cluster.SharedDir under hostile and unlucky files. The
# test writes the owner's files (SharedDir/<target group>.json, the format node1's xlbd writes)
# and other nodes' (SharedDir/nodes/*.json); node2's xlbd, in a namespace of the run's own,
# reads them, beside a real node1 (an xlbd in a second namespace, linked to node2's). A file
# that is not JSON, cut short, over-full, too big, a FIFO, a symlink or with hostile values
# (loopback, unspecified or malformed addresses, port 0, huge strings) is refused with one log
# line, though rewritten every second, and the targets imported so far stay; an owner that stops
# rewriting its file (killed: kill -9 leaves the file as it was, good or not) is taken for gone
# after SharedStaleMs (5 s here) and its targets leave, and come back with it. The same for
# SharedDir/nodes/: node1 SIGKILLed, its addresses leave node2's xlb_nat_peers after the
# staleness and come back when it restarts. xlb_nat_peers full (1024) while a node's file
# changes its addresses every second: what stays is never taken out and put back, the entries
# in the map are exactly what the files list; more addresses than the map holds change no peer,
# said once; nothing is left in the map when the files go; xlbd lives on through it all.
# needs: netns
# timeout: 420
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need "$XLBD" "$XLBCTL"

REFRESH_MS=1000
STALE_MS=5000
SHARED=$E2E_TMP/shared
CASES=$E2E_TMP/cases # the owner's files as the keeper writes them: TG.kind, TG.json
LIVE=$E2E_TMP/live # the fake nodes the keeper keeps writing, one spec file each
LOG=$E2E_LOG
T1=198.19.210.1
T2=198.19.210.2
T3=198.19.210.3
# the hostile files, each tried on a target group of its own ("h-" and its name), all at once
HOSTILE=(not_json truncated trailing_junk over_full loopback unspecified multicast not_an_address
	huge_id huge_node bad_node_name port_0 port_string control_chars targets_object id_number
	too_big nul_byte fifo symlink)
TGS=(fleet)
for name in "${HOSTILE[@]}"; do
	TGS+=("h-${name//_/-}")
done

# Two namespaces, node1's and node2's, linked twice (what the lab's balancers have: a
# router-facing link and one on the backends' segment); lib.sh's xlbd starters read the lab's
# variables, set here for this lab of the test's own.
N1=${E2E_PREFIX}n1
N2=${E2E_PREFIX}n2
XLB_LAB_LB_NS=$N2
XLB_LAB_LB_CLIENT_IF=("${E2E_PREFIX}2r")
XLB_LAB_LB_NS_ALL=("$N1" "$N2")
XLB_LAB_LB_ROUTER_IF=("${E2E_PREFIX}1r" "${E2E_PREFIX}2r")
XLB_LAB_LB_SEG_IF=("${E2E_PREFIX}1b" "${E2E_PREFIX}2b")
NODE1_ADDRS="198.18.205.1 198.18.206.1"
for ns in "$N1" "$N2"; do
	ip netns add "$ns" || e2e_abort setup "ip netns add $ns"
	e2e_on_exit "ip netns delete $ns"
	ip -n "$ns" link set lo up
done
for l in r:205 b:206; do
	a=${E2E_PREFIX}1${l%:*} b=${E2E_PREFIX}2${l%:*}
	ip link add "$a" netns "$N1" type veth peer name "$b" netns "$N2" ||
		e2e_abort setup "ip link add $a"
	ip -n "$N1" addr add "198.18.${l#*:}.1/24" dev "$a"
	ip -n "$N2" addr add "198.18.${l#*:}.2/24" dev "$b"
	ip -n "$N1" link set "$a" up
	ip -n "$N2" link set "$b" up
done

# node K: target groups ("fleet" and the hostile cases') that no group of its own feeds, so
# node2 reads node1's files (and node1 skips them: they name node1). No BIRD runs: the announcements fail and are retried,
# which this test does not look at.
node_conf() { # node index, file
	jq -n --arg shared "$SHARED" --arg sock "$E2E_TMP/bird$1.ctl" \
		--arg inc "$E2E_TMP/bird$1.conf" --arg node "node$1" --arg router "198.18.20$1.1" \
		--argjson refresh "$REFRESH_MS" --argjson stale "$STALE_MS" \
		--args '{
  LoadBalancers: [{ Name: "web", Type: "network", XlbAddresses: ["198.18.100.1"],
    Listeners: [{ Port: 80, Protocol: "TCP", XlbForwardingMode: "nat",
      DefaultActions: [{ Type: "forward", TargetGroupArn: "fleet" }] }] }],
  TargetGroups: [$ARGS.positional[] | { TargetGroupName: ., Protocol: "TCP", Port: 80,
    TargetType: "ip", Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }] }],
  Xlb: { Cluster: { NodeName: $node, Asn: 65001, PeerAsn: 65000,
    RouterAddress: $router, HashSecret: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    BirdSocket: $sock, BirdInclude: $inc, SharedDir: $shared,
    SharedRefreshMs: $refresh, SharedStaleMs: $stale } }
}' "${TGS[@]}" >"$2" || e2e_abort setup "writing $2"
	e2e_xlbd_check "$2"
}
node_conf 2 "$E2E_CONF"
node_conf 1 "$E2E_TMP/node1.json"
if "$XLBD" --check --config "$E2E_CONF" 2>&1 | grep -q "every $REFRESH_MS ms, .* $STALE_MS ms taken for gone"; then
	e2e_pass share_check_plan
else
	e2e_fail share_check_plan "xlbd --check's plan does not say SharedRefreshMs and SharedStaleMs"
fi

e2e_xlbd_start "${E2E_PREFIX}i-" --metrics-address none
e2e_xlbd_wait_socket
XLBD_PID=$E2E_XLBD_PID
e2e_node_start 1
e2e_wait 30 test -S "$E2E_TMP/xlbd1.sock" || e2e_abort setup "node1's xlbd did not open its socket"

imported() { # [target group, fleet by default] -> what node2 imported into it, sorted, on one line
	e2e_ctl --json status 2>/dev/null |
		jq -r --arg tg "${1:-fleet}" '[.SharedTargets.TargetGroups[] |
			select(.TargetGroup == $tg) | .Imported[]?] | sort | join(" ")'
}

imported_is() { # what, [target group]
	[ "$(imported "${2:-fleet}")" = "$1" ]
}

imported_all() { # what: every target group of the run imported it
	[ "$(e2e_ctl --json status 2>/dev/null | jq -r --arg want "$1" '[.SharedTargets.TargetGroups[] |
		select(([.Imported[]?] | sort | join(" ")) != $want)] | length')" = 0 ]
}

alive() {
	kill -0 "$XLBD_PID" 2>/dev/null && e2e_ctl --json status >/dev/null 2>&1
}

nlog() { # lines of the log matching an extended regex
	grep -cE -- "$1" "$LOG"
}

nlog_is() { # regex, count
	[ "$(nlog "$1")" -ge "$2" ]
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# The owner, alive: the keeper writes each of its files again every second, whatever it is
# (CASES/TG.kind says: "file": CASES/TG.json; "fifo"; "symlink": to elsewhere.json; "none": the
# owner is dead and its file stays as it was). All are made aside, then moved in by one mv: a
# process or two a round, whatever the count (forks are slow on a loaded machine, and a round
# slower than the staleness would make the files stale).
keeper() {
	local c tg kind stage=$SHARED/.stage
	local -a files fifos links
	mkdir -p "$stage"
	while :; do
		files=() fifos=() links=()
		for c in "$CASES"/*.kind; do
			[ -f "$c" ] || continue
			tg=${c##*/}
			tg=${tg%.kind}
			read -r kind <"$c" || kind=none
			case $kind in
			file) files+=("$CASES/$tg.json") ;;
			fifo) fifos+=("$stage/$tg.json") ;;
			symlink) links+=("$stage/$tg.json") ;;
			esac
		done
		[ ${#files[@]} -eq 0 ] || cp -f "${files[@]}" "$stage/"
		[ ${#fifos[@]} -eq 0 ] || mkfifo "${fifos[@]}"
		for c in "${links[@]}"; do
			ln -s "$E2E_TMP/elsewhere.json" "$c"
		done
		[ $((${#files[@]} + ${#fifos[@]} + ${#links[@]})) -eq 0 ] ||
			mv -f "$stage"/*.json "$SHARED/"
		sleep 1
	done
}

set_case() { # target group, kind, then (file) the text, or none to keep CASES/TG.json
	if [ "$2" = file ] && [ $# -ge 3 ]; then
		printf '%s\n' "$3" >"$CASES/.$1.json" && mv -f "$CASES/.$1.json" "$CASES/$1.json"
	fi
	echo "$2" >"$CASES/.$1.kind" && mv -f "$CASES/.$1.kind" "$CASES/$1.kind"
}

put() { # text into the target group's file, atomically, as the owner writes it, and kept so
	set_case "$1" file "$2"
	printf '%s\n' "$2" >"$SHARED/$1.t" && mv -f "$SHARED/$1.t" "$SHARED/$1.json"
}

put_last() { # the owner's last words: text into the file once, then the owner dead
	set_case "$1" none
	sleep 1.5 # the keeper's round under way, if any, is over
	printf '%s\n' "$2" >"$SHARED/$1.t" && mv -f "$SHARED/$1.t" "$SHARED/$1.json"
}

owner() { # targets... -> the owner's file listing them
	local a
	for a in "$@"; do printf '%s\n' "$a"; done |
		jq -R '{ Id: ., InstanceId: ("i-" + (. | gsub("[.]"; ""))) }' |
		jq -s '{ Node: "node1", TargetGroup: "fleet", Targets: . }'
}

GOOD=$(owner "$T1" "$T2")
e2e_wait 20 test -d "$SHARED" || e2e_abort setup "xlbd did not create $SHARED"
mkdir -p "$CASES"
for tg in "${TGS[@]}"; do
	put "$tg" "$GOOD"
done
keeper &
KEEPER_PID=$!
e2e_on_exit "kill $KEEPER_PID"
if e2e_wait 30 imported_all "$T1 $T2"; then
	e2e_pass share_import
else
	e2e_fail share_import "imported '$(imported)' into fleet, want '$T1 $T2' in every target group"
	e2e_summary
	exit 1
fi

# --- hostile files: each in its own target group's file, rewritten every second ---------------
huge=$(head -c 100000 /dev/zero | tr '\0' a)
hostile() { # case name -> the text of its file
	case $1 in
	not_json) echo '{ "Node": "node1", "Targets": [ { "Id": ' ;;
	truncated) printf '%s' "$GOOD" | head -c 40 ;;
	trailing_junk) echo '{"Node": "node1", "Targets": []} {"more": 1}' ;;
	over_full) seq 1 1001 | jq -R '{ Id: ("198.19." + ((tonumber / 250 | floor) | tostring) +
		"." + ((tonumber % 250 + 1) | tostring)) }' | jq -s '{ Node: "node1", Targets: . }' ;;
	loopback) owner "$T1" 127.0.0.1 ;;
	unspecified) owner "$T1" 0.0.0.0 ;;
	multicast) owner "$T1" ff02::1 ;;
	not_an_address) owner "$T1" "198.19.210.300" ;;
	huge_id) owner "$T1" "$huge" ;;
	huge_node) jq -n --arg n "$huge" '{ Node: $n, Targets: [] }' ;;
	bad_node_name) echo '{ "Node": "../etc", "Targets": [] }' ;;
	port_0) jq -n --arg a "$T1" '{ Node: "node1", Targets: [{ Id: $a, Port: 0 }] }' ;;
	port_string) jq -n --arg a "$T1" '{ Node: "node1", Targets: [{ Id: $a, Port: "80" }] }' ;;
	control_chars) jq -n --arg a "$T1" '{ Node: "node1", Targets: [{ Id: $a,
		InstanceId: "i-\u001b[31mred" }] }' ;;
	targets_object) echo '{ "Node": "node1", "Targets": { "Id": "198.19.210.1" } }' ;;
	id_number) echo '{ "Node": "node1", "Targets": [ { "Id": 3339752961 } ] }' ;;
	too_big)
		printf '{"Node": "node1", "Targets": ['
		head -c 2000000 /dev/zero | tr '\0' ' '
		printf ']}'
		;;
	esac
}
printf '%s\n' "$(owner "$T3")" >"$E2E_TMP/elsewhere.json"
for name in "${HOSTILE[@]}"; do
	tg=h-${name//_/-}
	case $name in
	fifo | symlink) set_case "$tg" "$name" ;;
	# a NUL byte cannot pass through a shell variable: the case file is written as it is
	nul_byte)
		printf '{"Node": "node1", "Targets": []}\0\n' >"$CASES/$tg.json"
		set_case "$tg" file
		;;
	*) set_case "$tg" file "$(hostile "$name")" ;;
	esac
done
refused() { # case name -> the regex of the line saying its file was refused
	echo "shared targets: .*/h-${1//_/-}[.]json refused"
}
all_refused() {
	local name
	for name in "${HOSTILE[@]}"; do
		nlog_is "$(refused "$name")" 1 || return 1
	done
}
e2e_wait 30 all_refused
sleep 2 # two more rounds, each file rewritten each time: said no more
alive || {
	e2e_fail share_hostile "xlbd died or stopped answering"
	tail -n 20 "$LOG" | e2e_indent
	e2e_summary
	exit 1
}
status=$(e2e_ctl --json status 2>/dev/null)
for name in "${HOSTILE[@]}"; do
	tg=h-${name//_/-}
	got=$(jq -r --arg tg "$tg" '[.SharedTargets.TargetGroups[] | select(.TargetGroup == $tg) |
		.Imported[]?] | sort | join(" ")' <<<"$status")
	n=$(nlog "$(refused "$name")")
	if [ "$n" -eq 0 ]; then
		e2e_fail "share_$name" "no line saying the file was refused"
	elif [ "$n" -ne 1 ]; then
		e2e_fail "share_$name" "refused $n times, want once"
	elif [ "$got" != "$T1 $T2" ]; then
		e2e_fail "share_$name" "imported '$got', the last good state was '$T1 $T2'"
	else
		e2e_pass "share_$name"
	fi
	grep -E -- "$(refused "$name")" "$LOG" | tail -n 1 | cut -c 1-200 | e2e_indent
done
# the good files back: taken again, nothing else changed
for tg in "${TGS[@]}"; do
	[ "$tg" = fleet ] || put "$tg" "$GOOD"
done
all_taken() {
	local name
	for name in "${HOSTILE[@]}"; do
		nlog_is "shared targets: .*/h-${name//_/-}[.]json taken again" 1 || return 1
	done
}
e2e_wait 30 all_taken
for name in "${HOSTILE[@]}"; do
	nlog_is "shared targets: .*/h-${name//_/-}[.]json taken again" 1 ||
		e2e_fail "share_${name}_after" "the good file was not taken again"
done
imported_all "$T1 $T2" || e2e_fail share_hostile_after "imported '$(imported)' into fleet after the good files came back"

# --- an owner that stops rewriting its file ---------------------------------------------------
# the targets leave no sooner than SharedStaleMs after the file's last change (xlbd sees it
# change at the earliest when it is written), and within a generous bound
stale_out() { # case name, what the owner's last words were
	local t0 ms
	t0=$(now_ms)
	if ! e2e_wait 60 imported_is ""; then
		e2e_fail "$1" "still imported 60 s after the owner's last $2: '$(imported)'"
		return 1
	fi
	ms=$(($(now_ms) - t0))
	if [ "$ms" -lt $((STALE_MS - 300)) ]; then
		e2e_fail "$1" "taken out $ms ms after the owner's last $2: sooner than $STALE_MS ms"
		return 1
	fi
	e2e_log "$1: targets out $ms ms after the owner's last $2 (SharedStaleMs $STALE_MS)"
}

put fleet "$(owner "$T1" "$T2" "$T3")"
if ! e2e_wait 20 imported_is "$T1 $T2 $T3"; then
	e2e_fail share_stale "imported '$(imported)' before the owner's end, want all three"
else
	put_last fleet "$(owner "$T1" "$T2" "$T3")"
	if stale_out share_stale "rewrite"; then
		if grep -q "fleet.json not rewritten for $STALE_MS ms: node node1 taken for gone" "$LOG"
		then
			e2e_pass share_stale
		else
			e2e_fail share_stale "no log line saying why"
		fi
	fi
	put fleet "$(owner "$T1" "$T2" "$T3")"
	if e2e_wait 20 imported_is "$T1 $T2 $T3" && grep -q "node node1 is back" "$LOG"; then
		e2e_pass share_stale_back
	else
		e2e_fail share_stale_back "imported '$(imported)' after the owner wrote again"
	fi
	# its last words garbage: refused, the targets kept, until that too is stale
	put_last fleet '{ "Node": "node1", "Targ'
	stale_out share_stale_refused "refused file" && e2e_pass share_stale_refused
fi
# from here on the owner lives: its file rewritten every second, as node1's xlbd would
put fleet "$(owner "$T1" "$T2" "$T3")"

# --- the other nodes' addresses -----------------------------------------------------------------
# node2's xlb_nat_peers, counted in the map itself: the map xlbd holds (it is not pinned) is
# found by the ids of the maps among its descriptors
NAT_PEERS_ID=
if command -v bpftool >/dev/null; then
	for f in /proc/"$XLBD_PID"/fdinfo/*; do
		id=$(awk '$1 == "map_id:" { print $2 }' "$f" 2>/dev/null)
		[ -n "$id" ] || continue
		if [ "$(bpftool -j map show id "$id" 2>/dev/null | jq -r .name)" = xlb_nat_peers ]; then
			NAT_PEERS_ID=$id
			break
		fi
	done
fi
map_peers() { # the addresses in node2's xlb_nat_peers (all IPv4 here), one a line, sorted
	bpftool -j map dump id "$NAT_PEERS_ID" 2>/dev/null | jq -r '
		def byte: ascii_downcase | ltrimstr("0x") | explode |
			reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
		.[] | .key | map(byte) | "\(.[0]).\(.[1]).\(.[2]).\(.[3])"' 2>/dev/null | sort
}
map_count() {
	bpftool -j map dump id "$NAT_PEERS_ID" 2>/dev/null | jq length
}
map_count_is() {
	[ "$(map_count)" = "$1" ]
}
peers_said() { # node2's count of xlb_nat_peers' addresses, and whether it is full
	e2e_ctl --json status 2>/dev/null | jq -r '"\(.SharedTargets.NatPeers) \(.SharedTargets.NatPeersFull)"'
}
peers_said_is() {
	[ "$(peers_said)" = "$1" ]
}
node_stale() { # node name -> its Stale in node2's status
	e2e_ctl --json status 2>/dev/null |
		jq -r --arg n "$1" '.SharedTargets.Nodes[] | select(.Node == $n) | .Stale'
}

peer_added='nat replies to .* \(another node\) pass untranslated'
peer_removed='nat replies to .* translated again'
if e2e_wait 30 peers_said_is "2 false" && [ "$(nlog "$peer_added")" -eq 2 ] &&
	[ "$(node_stale node1)" = false ]; then
	e2e_pass share_peers
else
	e2e_fail share_peers "node2 says '$(peers_said)' (want node1's 2 addresses, not full)"
	grep "shared targets" "$LOG" | tail -n 5 | e2e_indent
fi
if [ -z "$NAT_PEERS_ID" ]; then
	e2e_skip share_peers_map "bpftool missing, or node2's xlb_nat_peers not found among its descriptors"
elif e2e_wait 10 map_count_is 2; then
	e2e_pass share_peers_map
else
	e2e_fail share_peers_map "$(map_count) entries in xlb_nat_peers, want node1's 2"
fi
e2e_ctl status 2>/dev/null | grep -E '^(shared|nodes|nat peers) ' | e2e_indent

# node1 killed: its file stays as it was; after the staleness its addresses leave
kill -KILL "${E2E_NODE_PID[1]}"
wait "${E2E_NODE_PID[1]}" 2>/dev/null # reaped here: bash says nothing of the kill
t0=$(now_ms)
if ! e2e_wait 60 peers_said_is "0 false"; then
	e2e_fail share_node_killed "node2 says '$(peers_said)' 60 s after node1's kill"
elif [ $(($(now_ms) - t0)) -lt $((STALE_MS - REFRESH_MS - 500)) ]; then
	e2e_fail share_node_killed "node1's addresses out $(($(now_ms) - t0)) ms after its kill"
elif ! grep -q "nodes/node1.json not rewritten for $STALE_MS ms: node node1 taken for gone, its 2 address(es) leave xlb_nat_peers" "$LOG"; then
	e2e_fail share_node_killed "no log line saying node1 is gone"
elif [ "$(node_stale node1)" != true ]; then
	e2e_fail share_node_killed "xlbctl status does not show node1 stale"
elif [ -n "$NAT_PEERS_ID" ] && ! e2e_wait 5 map_count_is 0; then
	e2e_fail share_node_killed "$(map_count) entries left in xlb_nat_peers"
else
	e2e_pass share_node_killed
	e2e_log "node1's addresses out $(($(now_ms) - t0)) ms after its kill"
fi
e2e_ctl status 2>/dev/null | grep -E '^nodes ' | e2e_indent
e2e_node_start 1
if e2e_wait 60 peers_said_is "2 false" &&
	grep -q "nodes/node1.json rewritten again: node node1 is back" "$LOG" &&
	{ [ -z "$NAT_PEERS_ID" ] || e2e_wait 5 map_count_is 2; }; then
	e2e_pass share_node_back
else
	e2e_fail share_node_back "node2 says '$(peers_said)' after node1's restart"
fi
gone_said=$(nlog 'node node1 taken for gone, its [0-9]+ address')
back_said=$(nlog 'node node1 is back, its [0-9]+ address')
if [ "$gone_said" -eq 1 ] && [ "$back_said" -eq 1 ]; then
	e2e_pass share_node_said_once
else
	e2e_fail share_node_said_once "node1 gone and back said $gone_said and $back_said times"
fi

# a hostile node file: refused, said once
huge=$(head -c 100000 /dev/zero | tr '\0' a)
printf '{"Node": "node9", "Addresses": ["127.0.0.1", %s]}\n' "$(jq -n --arg h "$huge" '$h')" \
	>"$SHARED/nodes/.node9.t" && mv "$SHARED/nodes/.node9.t" "$SHARED/nodes/node9.json"
if e2e_wait 15 nlog_is 'file\(s\) of .*/nodes refused' 1 && sleep 2 &&
	[ "$(nlog 'file\(s\) of .*/nodes refused')" -eq 1 ] && alive; then
	e2e_pass share_peers_bad_file
else
	e2e_fail share_peers_bad_file "refused $(nlog 'file\(s\) of .*/nodes refused') times, want once"
fi
rm -f "$SHARED/nodes/node9.json"

# --- xlb_nat_peers full, under churn ------------------------------------------------------------
# Fake nodes, each a spec in LIVE: "A B N churn|stable" lists 198.A.B.1 to .N; a churning one
# moves to another B (of 3) every second. The node keeper writes each file every second (the
# nodes live), and removes the files of those whose spec is gone.
node_keeper() {
	local f name a b n mode i addrs stage=$SHARED/nodes/.stage
	mkdir -p "$stage"
	while :; do
		for f in "$LIVE"/*; do
			[ -f "$f" ] || continue
			name=${f##*/}
			read -r a b n mode <"$f" || continue
			[ "$mode" = churn ] && b=$((b + EPOCHSECONDS % 3))
			addrs=
			for ((i = 1; i <= n; i++)); do
				addrs+="${addrs:+, }\"198.$a.$b.$i\""
			done
			printf '{"Node": "%s", "Addresses": [%s]}\n' "$name" "$addrs" >"$stage/$name.json"
		done
		for f in "$stage"/*.json; do
			[ -f "$f" ] && mv -f "$stage"/*.json "$SHARED/nodes/"
			break
		done
		for f in "$SHARED"/nodes/fake*.json; do
			name=${f##*/}
			[ -f "$f" ] && [ ! -f "$LIVE/${name%.json}" ] && rm -f "$f"
		done
		sleep 1
	done
}
mkdir -p "$LIVE"
node_keeper &
NODE_KEEPER_PID=$!
e2e_on_exit "kill $NODE_KEEPER_PID"

# 15 stable nodes of 64 addresses and a churning one of 62, with node1's 2: 1024, the map full
for i in $(seq 1 15); do
	echo "19 $((100 + i)) 64 stable" >"$LIVE/fake$i"
done
echo "19 130 62 churn" >"$LIVE/fakechurn"
CHURN_RE='^198[.]19[.]13[0-2][.]'
STABLE_RE='nat replies to 198[.]19[.](10[1-9]|11[0-5])[.]'
STABLE=$( (
	printf '%s\n' "${NODE1_ADDRS% *}" "${NODE1_ADDRS#* }"
	for i in $(seq 1 15); do seq -f "198.19.$((100 + i)).%g" 1 64; done
) | sort)
FROZEN=$( (
	echo "$STABLE"
	seq -f "198.19.130.%g" 1 62
) | sort)
map_has() { # the addresses, one a line, sorted: exactly what the map holds
	[ -z "$NAT_PEERS_ID" ] || [ "$(map_peers)" = "$1" ]
}
map_stable_ok() { # in one dump: the stable addresses all there, and nothing else but churn
	[ -z "$NAT_PEERS_ID" ] && return 0
	# a dump walks the hash map key after key: when xlbd deletes the key it stands on, the walk
	# starts over, so a dump during the churn may list an address twice (never miss one that
	# stays); judged once the churn stops (map_has), the map is exact
	[ "$(map_peers | sort -u | grep -vE "$CHURN_RE")" = "$STABLE" ]
}
full_churning() {
	peers_said_is "1024 false" && map_stable_ok
}
freeze() { # the churning node stops changing: at 198.19.130.0/24
	echo "19 130 62 stable" >"$LIVE/fakechurn"
}
frozen() {
	peers_said_is "1024 false" && map_has "$FROZEN"
}
if ! e2e_wait 60 full_churning; then
	e2e_fail share_peers_full_churn "node2 says '$(peers_said)', the map holds $(map_count) (want 1024)"
else
	stable_added=$(nlog "$STABLE_RE")
	said_full=$(nlog 'peer address .*')
	churned=$(nlog 'nat replies to 198[.]19[.]13[0-2][.]')
	flapped=0
	for i in 1 2 3 4 5; do # five rounds, the churning node's addresses changed in each
		sleep 1
		map_stable_ok || flapped=$((flapped + 1))
	done
	if [ "$(nlog "$STABLE_RE")" -ne "$stable_added" ] || [ "$stable_added" -ne 960 ] ||
		[ "$flapped" -ne 0 ]; then
		e2e_fail share_peers_full_churn "the stable nodes' addresses said $stable_added times, then $(nlog "$STABLE_RE") (want 960, once each); $flapped of 5 dumps without all of them"
	elif [ "$(nlog 'nat replies to 198[.]19[.]13[0-2][.]')" -le "$churned" ]; then
		e2e_fail share_peers_full_churn "the churning node's addresses did not change in 5 s"
	elif [ "$(nlog 'peer address .*')" -ne "$said_full" ]; then
		e2e_fail share_peers_full_churn "the full map refused an address: $(grep 'peer address' "$LOG" | tail -n 1)"
	elif freeze && ! e2e_wait 20 frozen; then
		e2e_fail share_peers_full_churn "the churn stopped, the map does not hold what the files say: $(map_count) entries"
	else
		e2e_pass share_peers_full_churn
		e2e_log "$(($(nlog 'nat replies to 198[.]19[.]13[0-2][.]') - churned)) churning addresses in and out in 5 s, the map at 1024"
	fi
fi

# one more node of 64: more than xlb_nat_peers holds. Nothing added or removed, said once,
# while the churning node changes again
over='lists more than 1024 addresses of other nodes, the most xlb_nat_peers holds: none added or removed'
echo "19 130 62 churn" >"$LIVE/fakechurn"
echo "19 120 64 stable" >"$LIVE/fakeover"
if ! e2e_wait 30 nlog_is "$over" 1; then
	e2e_fail share_peers_over "no line saying nodes/ lists too many"
	grep "shared targets" "$LOG" | tail -n 3 | e2e_indent
else
	added=$(nlog "$peer_added")
	removed=$(nlog "$peer_removed")
	before=$(map_peers | md5sum)
	sleep 4
	if [ "$(nlog "$over")" -ne 1 ]; then
		e2e_fail share_peers_over "said $(nlog "$over") times, want once"
	elif [ "$(nlog "$peer_added")" -ne "$added" ] || [ "$(nlog "$peer_removed")" -ne "$removed" ]; then
		e2e_fail share_peers_over "peers changed while over: added $added, then $(nlog "$peer_added"); removed $removed, then $(nlog "$peer_removed")"
	elif [ -n "$NAT_PEERS_ID" ] && [ "$(map_peers | md5sum)" != "$before" ]; then
		e2e_fail share_peers_over "xlb_nat_peers changed while over"
	elif ! peers_said_is "1024 true" || ! alive; then
		e2e_fail share_peers_over "xlbd says '$(peers_said)', or died"
	else
		e2e_pass share_peers_over
	fi
fi
rm -f "$LIVE/fakeover"
# within bounds again: said once, the stable addresses never taken out, the map as the files say
if e2e_wait 20 nlog_is 'nodes lists [0-9]+ addresses of other nodes again' 1 && freeze &&
	e2e_wait 20 frozen && [ "$(nlog "$STABLE_RE")" -eq 960 ]; then
	e2e_pass share_peers_kept
else
	e2e_fail share_peers_kept "node2 says '$(peers_said)'; the stable addresses said $(nlog "$STABLE_RE") times (want 960)"
fi

# the churning node goes, then the others: nothing of theirs left in the map
rm -f "$LIVE/fakechurn"
ok=true
{ e2e_wait 20 peers_said_is "962 false" && e2e_wait 5 map_has "$STABLE"; } || ok=false
rm -f "$LIVE"/fake*
{ e2e_wait 20 peers_said_is "2 false" &&
	e2e_wait 5 map_has "$(printf '%s\n' "${NODE1_ADDRS% *}" "${NODE1_ADDRS#* }" | sort)"; } ||
	ok=false
if $ok; then
	e2e_pass share_peers_no_leak
else
	e2e_fail share_peers_no_leak "node2 says '$(peers_said)', the map holds $(map_count): $(map_peers | head -n 3 | paste -sd' ')..."
fi

if alive && e2e_wait 10 imported_is "$T1 $T2 $T3"; then
	e2e_pass share_alive
else
	e2e_fail share_alive "xlbd gone or its targets changed: '$(imported)'"
fi
e2e_summary
