#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End to end: a cluster node reading Xlb.Cluster.SharedDir under hostile and unlucky files. The
# test writes the owner's files (SharedDir/<target group>.json, the format node1's xlbd writes)
# and the other nodes' (SharedDir/nodes/*.json); one xlbd, node2, in a namespace of the run's
# own, reads them. A file that is not JSON, cut short, over-full, too big, a FIFO, a symlink
# or with hostile values (loopback, unspecified or malformed addresses, port 0, huge strings)
# is refused with one log line and the targets imported so far stay; an owner that stops
# rewriting its file (killed: kill -9 leaves the file as it was, good or not) is taken for
# gone after 30 s and its targets leave, and come back with it; SharedDir/nodes/ listing more
# addresses than xlb_nat_peers holds changes no peer, said once, and xlbd lives on through it.
# needs: netns
# timeout: 480
# parallel: yes
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
for t in "$XLBD" "$XLBCTL"; do
	[ -x "$t" ] || e2e_abort setup "$t is missing (make)"
done

NS=${E2E_PREFIX}s
SOCK=$E2E_TMP/xlbd.sock
CONF=$E2E_TMP/node2.json
LOG=$E2E_TMP/xlbd.log
SHARED=$E2E_TMP/shared
FILE=$SHARED/fleet.json
T1=198.19.210.1
T2=198.19.210.2
T3=198.19.210.3

# node2: a target group "fleet" that no group of its own feeds, so it reads node1's file. No
# BIRD runs: the node's announcements fail and are retried, which this test does not look at.
jq -n --arg shared "$SHARED" --arg sock "$E2E_TMP/bird.ctl" --arg inc "$E2E_TMP/bird.conf" '{
  LoadBalancers: [{ Name: "web", Type: "network", XlbAddresses: ["198.18.100.1"],
    Listeners: [{ Port: 80, Protocol: "TCP", XlbForwardingMode: "nat",
      DefaultActions: [{ Type: "forward", TargetGroupArn: "fleet" }] }] }],
  TargetGroups: [{ TargetGroupName: "fleet", Protocol: "TCP", Port: 80, TargetType: "ip",
    Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }] }],
  Xlb: { Cluster: { NodeName: "node2", Asn: 65001, PeerAsn: 65000,
    RouterAddress: "198.18.201.1", HashSecret: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    BirdSocket: $sock, BirdInclude: $inc, SharedDir: $shared } }
}' >"$CONF" || e2e_abort setup "writing the configuration"
out=$("$XLBD" --check --config "$CONF" 2>&1) || {
	echo "$out" | e2e_indent
	e2e_abort setup "xlbd --check refused the configuration"
}

ip netns add "$NS" || e2e_abort setup "ip netns add $NS"
e2e_on_exit "ip netns delete $NS"
ip -n "$NS" link set lo up
e2e_on_exit "rm -rf '$E2E_PIN_DIR'"
nsenter --net="/run/netns/$NS" "$XLBD" --config "$CONF" --pin-dir "$E2E_PIN_DIR" \
	--socket "$SOCK" --metrics-address none --run-dir "$E2E_TMP/run" \
	--instance-prefix "${E2E_PREFIX}i-" >>"$LOG" 2>&1 &
XLBD_PID=$!
e2e_on_exit "kill -KILL $XLBD_PID"
if ! e2e_wait 30 test -S "$SOCK"; then
	e2e_indent <"$LOG"
	e2e_abort setup "xlbd did not open its socket"
fi

ctl() {
	timeout 10 "$XLBCTL" --socket "$SOCK" "$@"
}

imported() { # what node2 imported into fleet, sorted, on one line
	ctl --json status 2>/dev/null |
		jq -r '[.SharedTargets.TargetGroups[] | select(.TargetGroup == "fleet") |
			.Imported[]?] | sort | join(" ")'
}

imported_is() {
	[ "$(imported)" = "$1" ]
}

alive() {
	kill -0 "$XLBD_PID" 2>/dev/null && ctl --json status >/dev/null 2>&1
}

nlog() { # lines of the log matching an extended regex
	grep -cE -- "$1" "$LOG"
}

nlog_is() { # regex, count
	[ "$(nlog "$1")" -ge "$2" ]
}

put() { # text into FILE, atomically, as the owner writes it
	printf '%s\n' "$1" >"$FILE.t" && mv -f "$FILE.t" "$FILE"
}

owner() { # targets... -> the owner's file listing them
	local a
	for a in "$@"; do printf '%s\n' "$a"; done |
		jq -R '{ Id: ., InstanceId: ("i-" + (. | gsub("[.]"; ""))) }' |
		jq -s '{ Node: "node1", TargetGroup: "fleet", Targets: . }'
}

GOOD=$(owner "$T1" "$T2")
e2e_wait 20 test -d "$SHARED" || e2e_abort setup "xlbd did not create $SHARED"
put "$GOOD"
if e2e_wait 20 imported_is "$T1 $T2"; then
	e2e_pass share_import
else
	e2e_fail share_import "imported '$(imported)', want '$T1 $T2'"
	e2e_summary
	exit 1
fi

# --- hostile files: name | how to write it ----------------------------------------------------
refused='shared targets: .*fleet.json refused'
taken='shared targets: .*fleet.json taken again'
huge=$(head -c 100000 /dev/zero | tr '\0' a)
hostile_case() { # name, then the file is written by the caller's command
	local name=$1 before=$2 tb
	if ! e2e_wait 15 nlog_is "$refused" $((before + 1)); then
		e2e_fail "share_$name" "no line saying the file was refused"
	else
		sleep 3 # three more rounds: the same file, said no more
		if [ "$(nlog "$refused")" -ne $((before + 1)) ]; then
			e2e_fail "share_$name" "refused $(($(nlog "$refused") - before)) times, want once"
		elif ! alive; then
			e2e_fail "share_$name" "xlbd died or stopped answering"
			tail -n 20 "$LOG" | e2e_indent
			e2e_summary
			exit 1
		elif ! imported_is "$T1 $T2"; then
			e2e_fail "share_$name" "imported '$(imported)', the last good state was '$T1 $T2'"
		else
			e2e_pass "share_$name"
		fi
	fi
	grep -E -- "$refused" "$LOG" | tail -n 1 | cut -c 1-200 | e2e_indent
	# the good file back: taken again, nothing else changed
	tb=$(nlog "$taken")
	put "$GOOD"
	e2e_wait 15 nlog_is "$taken" $((tb + 1)) ||
		e2e_fail "share_${name}_after" "the good file was not taken again"
}

run_case() { # name, text of the file
	local before
	before=$(nlog "$refused")
	put "$2"
	hostile_case "$1" "$before"
}

run_case not_json '{ "Node": "node1", "Targets": [ { "Id": '
run_case truncated "$(printf '%s' "$GOOD" | head -c 40)"
run_case trailing_junk '{"Node": "node1", "Targets": []} {"more": 1}'
run_case over_full "$(seq 1 1001 | jq -R '{ Id: ("198.19." + ((tonumber / 250 | floor) | tostring) +
	"." + ((tonumber % 250 + 1) | tostring)) }' | jq -s '{ Node: "node1", Targets: . }')"
run_case loopback "$(owner "$T1" 127.0.0.1)"
run_case unspecified "$(owner "$T1" 0.0.0.0)"
run_case multicast "$(owner "$T1" ff02::1)"
run_case not_an_address "$(owner "$T1" "198.19.210.300")"
run_case huge_id "$(owner "$T1" "$huge")"
run_case huge_node "$(jq -n --arg n "$huge" '{ Node: $n, Targets: [] }')"
run_case bad_node_name '{ "Node": "../etc", "Targets": [] }'
run_case port_0 "$(jq -n --arg a "$T1" '{ Node: "node1", Targets: [{ Id: $a, Port: 0 }] }')"
run_case port_string "$(jq -n --arg a "$T1" '{ Node: "node1", Targets: [{ Id: $a, Port: "80" }] }')"
run_case control_chars "$(jq -n --arg a "$T1" '{ Node: "node1", Targets: [{ Id: $a,
	InstanceId: "i-\u001b[31mred" }] }')"
run_case targets_object '{ "Node": "node1", "Targets": { "Id": "198.19.210.1" } }'
run_case id_number '{ "Node": "node1", "Targets": [ { "Id": 3339752961 } ] }'

before=$(nlog "$refused")
{ printf '{"Node": "node1", "Targets": ['; head -c 2000000 /dev/zero | tr '\0' ' '; printf ']}'; } \
	>"$FILE.t" && mv -f "$FILE.t" "$FILE"
hostile_case too_big "$before"

before=$(nlog "$refused")
printf '{"Node": "node1", "Targets": []}\0\n' >"$FILE.t" && mv -f "$FILE.t" "$FILE"
hostile_case nul_byte "$before"

before=$(nlog "$refused")
rm -f "$FILE"
mkfifo "$FILE"
hostile_case fifo "$before"

before=$(nlog "$refused")
printf '%s\n' "$(owner "$T3")" >"$E2E_TMP/elsewhere.json"
rm -f "$FILE"
ln -s "$E2E_TMP/elsewhere.json" "$FILE"
hostile_case symlink "$before"

# --- an owner that stops rewriting its file ---------------------------------------------------
put "$(owner "$T1" "$T2" "$T3")"
if ! e2e_wait 20 imported_is "$T1 $T2 $T3"; then
	e2e_fail share_stale "imported '$(imported)' before the owner's end, want all three"
else
	t0=$SECONDS
	if ! e2e_wait 90 imported_is ""; then
		e2e_fail share_stale "still imported after 90 s without a rewrite: '$(imported)'"
	elif [ $((SECONDS - t0)) -lt 20 ]; then
		e2e_fail share_stale "taken out after $((SECONDS - t0)) s: sooner than the 30 s said"
	elif ! grep -q "fleet.json not rewritten for 30 s: node node1 taken for gone" "$LOG"; then
		e2e_fail share_stale "no log line saying why"
	else
		e2e_pass share_stale
		e2e_log "stale: targets out $((SECONDS - t0)) s after the owner's last rewrite"
	fi
	put "$(owner "$T1" "$T2" "$T3")"
	if e2e_wait 20 imported_is "$T1 $T2 $T3" && grep -q "node node1 is back" "$LOG"; then
		e2e_pass share_stale_back
	else
		e2e_fail share_stale_back "imported '$(imported)' after the owner wrote again"
	fi
	# its last words garbage: refused, the targets kept, until that too is 30 s old
	put '{ "Node": "node1", "Targ'
	t0=$SECONDS
	if ! e2e_wait 90 imported_is ""; then
		e2e_fail share_stale_refused "still imported after 90 s of a refused file: '$(imported)'"
	elif [ $((SECONDS - t0)) -lt 20 ]; then
		e2e_fail share_stale_refused "taken out after $((SECONDS - t0)) s, before 30 s"
	else
		e2e_pass share_stale_refused
	fi
fi
# from here on the owner lives: its file rewritten every 5 s, as xlbd does
(while :; do
	put "$(owner "$T1" "$T2" "$T3")"
	sleep 5
done) &
REFRESH_PID=$!
e2e_on_exit "kill $REFRESH_PID"

node_file() { # name, address: SharedDir/nodes/<name>.json, atomically
	printf '{"Node": "%s", "Addresses": ["%s"]}\n' "$1" "$2" >"$SHARED/nodes/.$1.t" &&
		mv -f "$SHARED/nodes/.$1.t" "$SHARED/nodes/$1.json"
}

# --- the other nodes' addresses -----------------------------------------------------------------
peer_added='nat replies to .* \(another node\) pass untranslated'
mkdir -p "$SHARED/nodes"
for i in 1 3 4; do
	node_file "node$i" "198.18.202.$i"
done
if e2e_wait 20 nlog_is "$peer_added" 3; then
	e2e_pass share_peers
else
	e2e_fail share_peers "$(nlog "$peer_added") peers added, want 3"
fi
# a hostile node file: refused, said once
printf '{"Node": "node9", "Addresses": ["127.0.0.1", %s]}\n' "$(jq -n --arg h "$huge" '$h')" \
	>"$SHARED/nodes/.node9.t" && mv "$SHARED/nodes/.node9.t" "$SHARED/nodes/node9.json"
if e2e_wait 15 nlog_is 'file\(s\) of .*/nodes refused' 1 && sleep 3 &&
	[ "$(nlog 'file\(s\) of .*/nodes refused')" -eq 1 ] && alive; then
	e2e_pass share_peers_bad_file
else
	e2e_fail share_peers_bad_file "refused $(nlog 'file\(s\) of .*/nodes refused') times, want once"
fi
rm -f "$SHARED/nodes/node9.json"
# 1100 more nodes, each with an address of its own: more than xlb_nat_peers' 1024. Written
# aside, then moved in at once (a round of xlbd's may still see some of them first, and add
# those while they fit)
mkdir "$E2E_TMP/many"
for i in $(seq 1 1100); do
	printf '{"Node": "many%d", "Addresses": ["198.19.%d.%d"]}\n' "$i" $((i / 200 + 100)) \
		$((i % 200 + 1)) >"$E2E_TMP/many/many$i.json"
done
mv "$E2E_TMP"/many/*.json "$SHARED/nodes/"
over='lists more than 1024 addresses of other nodes, the most xlb_nat_peers holds: none added or removed'
first3='nat replies to 198[.]18[.]202[.][134] '
if ! e2e_wait 30 nlog_is "$over" 1; then
	e2e_fail share_peers_over "no line saying nodes/ lists too many"
	grep "shared targets" "$LOG" | tail -n 3 | e2e_indent
else
	added=$(nlog "$peer_added")
	sleep 3
	if [ "$(nlog "$over")" -ne 1 ]; then
		e2e_fail share_peers_over "said $(nlog "$over") times, want once"
	elif [ "$(nlog "$peer_added")" -ne "$added" ] || [ "$added" -gt 1024 ]; then
		e2e_fail share_peers_over "peers added while over: $added, then $(nlog "$peer_added")"
	elif ! alive; then
		e2e_fail share_peers_over "xlbd died or stopped answering"
	else
		e2e_pass share_peers_over
		e2e_log "$((added - 3)) of the 1100 added before the count went over"
	fi
fi
rm -f "$SHARED"/nodes/many*.json
# within bounds again: the first 3 peers were kept all along, so none of them is added anew
if e2e_wait 20 nlog_is 'nodes lists [0-9]+ addresses of other nodes again' 1 && sleep 2 &&
	[ "$(nlog "$first3")" -eq 3 ] && alive; then
	e2e_pass share_peers_kept
else
	e2e_fail share_peers_kept "the first 3 peers added $(nlog "$first3") times, want 3"
fi

if alive && e2e_wait 10 imported_is "$T1 $T2 $T3"; then
	e2e_pass share_alive
else
	e2e_fail share_alive "xlbd gone or its targets changed: '$(imported)'"
fi
e2e_summary
