#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xlbctl doctor in a namespace lab of its own: a balancer namespace with a veth to a client
# namespace, set up with the traps that LAB-NOTES lists (forwarding off, strict rp_filter, no
# XDP program on the veth's peer, TX checksum offload on the peer). The doctor must name each
# with its fix, --fix must repair the safe ones (and a second look find them ok), bad
# arguments must be refused, and maps pinned by another datapath ABI must be named. (The VM
# lab runs it on virtio_net: make vm-test.)
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
XLBCTL=${XLBCTL:-$E2E_BUILD/xlbctl}
[ -x "$XLBCTL" ] || {
	echo "SKIP doctor: $XLBCTL missing (make)"
	exit 0
}

e2e_init
LB=$E2E_PREFIX-dlb
CL=$E2E_PREFIX-dcl
IF=${E2E_PREFIX}-d0
PEER=${E2E_PREFIX}-d1
ip netns add "$LB" && e2e_on_exit "ip netns del $LB"
ip netns add "$CL" && e2e_on_exit "ip netns del $CL"
ip -n "$LB" link add "$IF" type veth peer name "$PEER" netns "$CL" ||
	e2e_abort setup "veth pair"
ip -n "$LB" link set "$IF" up
ip -n "$CL" link set "$PEER" up
ip netns exec "$LB" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 \
	net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$IF.rp_filter=1"
ip netns exec "$CL" ethtool -K "$PEER" tx on >/dev/null 2>&1

doc() { # args...: the doctor in the balancer's namespace
	timeout 20 nsenter --net="/run/netns/$LB" "$XLBCTL" doctor "$@"
}

# the status of a finding in --json output (first match), "none" when absent
status_of() { # json, check, subject
	jq -r --arg c "$2" --arg s "$3" \
		'[.[] | select(.check == $c and .subject == $s)][0].status // "none"' <<<"$1"
}
fix_of() {
	jq -r --arg c "$2" --arg s "$3" \
		'[.[] | select(.check == $c and .subject == $s)][0].fix // ""' <<<"$1"
}

# 1. the traps, each with its fix
out=$(doc --json "$IF")
rc=$?
if ! jq -e 'type == "array" and length > 5' >/dev/null 2>&1 <<<"$out"; then
	e2e_fail doctor_json "not a JSON list of findings (exit $rc): $(head -c 200 <<<"$out")"
else
	e2e_pass doctor_json
fi
why=""
for want in "sysctl|ip_forward|sysctl -w net.ipv4.ip_forward=1" \
	"sysctl|ipv6 forwarding|sysctl -w net.ipv6.conf.all.forwarding=1" \
	"sysctl|$IF rp_filter|sysctl -w net.ipv4.conf.$IF.rp_filter=2" \
	"veth peer|$IF|xlb-dp peer $PEER" \
	"checksum|$IF|ethtool -K $PEER tx off"; do
	IFS='|' read -r c s f <<<"$want"
	st=$(status_of "$out" "$c" "$s")
	fx=$(fix_of "$out" "$c" "$s")
	if [ "$st" != warn ] || [[ $fx != *"$f"* ]]; then
		why+="$c/$s: status $st, fix '$fx' (want warn, '$f'); "
	fi
done
if [ -n "$why" ]; then
	e2e_fail doctor_traps "$why"
else
	e2e_pass doctor_traps
fi
st=$(status_of "$out" xdp "$IF")
# kernels from 6.3 on say it through the netdev genetlink family; older ones, the driver's name
src=by\ driver
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
[ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "${kmin%%[!0-9]*}" -ge 3 ]; } && src=from\ the\ kernel
if [ "$st" != ok ] || ! jq -e --arg s "$IF" --arg src "$src" '.[] |
	select(.check == "xdp" and .subject == $s) | .finding |
	test("driver veth; native yes") and contains($src)' >/dev/null <<<"$out"; then
	e2e_fail doctor_xdp_features "veth: status $st, want ok and native yes ($src)"
else
	e2e_pass doctor_xdp_features
fi
if [ "$rc" = 0 ]; then
	e2e_pass doctor_exit_warn
else
	e2e_fail doctor_exit_warn "exit $rc with warnings only, want 0; failing: $(jq -r '[.[] |
		select(.status == "fail") | .check + "/" + .subject + ": " + .finding] | join("; ")' \
		<<<"$out")"
fi

# 2. the table for people
table=$(doc "$IF")
if head -n 1 <<<"$table" | grep -q '^Check *Subject *Status *Finding *Fix' &&
	grep -q "xlb-dp peer $PEER" <<<"$table"; then
	e2e_pass doctor_table
else
	e2e_fail doctor_table "no header or no fix column: $(head -n 2 <<<"$table")"
fi

# 3. --fix repairs the safe ones; the checksum offload of the peer's host stays the user's call
doc --fix "$IF" >/dev/null
out=$(doc --json "$IF")
why=""
for cs in "sysctl|ip_forward" "sysctl|ipv6 forwarding" "sysctl|$IF rp_filter" "veth peer|$IF"; do
	st=$(status_of "$out" "${cs%%|*}" "${cs#*|}")
	[ "$st" = ok ] || why+="${cs/|/ }: $st after --fix; "
done
prog=$(ip -n "$CL" -j link show dev "$PEER" | jq -r '.[0].xdp.prog.id // 0')
[ "$prog" != 0 ] || why+="no XDP program on $PEER after --fix; "
[ "$(ip netns exec "$LB" sysctl -n net.ipv4.ip_forward)" = 1 ] || why+="ip_forward still 0; "
[ "$(status_of "$out" checksum "$IF")" = warn ] || why+="checksum offload changed by --fix; "
if [ -n "$why" ]; then
	e2e_fail doctor_fix "$why"
else
	e2e_pass doctor_fix
fi

# 4. hostile input: a missing interface fails its check, bad arguments are usage errors
out=$(doc --json nosuch0)
rc=$?
if [ "$rc" = 1 ] && [ "$(status_of "$out" interface nosuch0)" = fail ]; then
	e2e_pass doctor_missing_iface
else
	e2e_fail doctor_missing_iface "exit $rc, status $(status_of "$out" interface nosuch0)"
fi
doc --frobnicate >/dev/null 2>&1
rc1=$?
doc "$(printf 'x%.0s' {1..40})" >/dev/null 2>&1
rc2=$?
doc --pin-dir >/dev/null 2>&1
rc3=$?
if [ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$rc3" = 2 ]; then
	e2e_pass doctor_usage
else
	e2e_fail doctor_usage "unknown option exit $rc1, overlong name exit $rc2, --pin-dir without a" \
		"directory exit $rc3 (want 2, 2, 2)"
fi

# 5. the pinned maps' datapath ABI, in a pin directory of the run's own: none, this xlb's, then
# the same maps renamed as an xlb before versioned pins left them (v1)
PIN=$E2E_PIN_DIR
e2e_on_exit "rm -rf '$PIN'"
pins_of() { # json: "status|finding|fix" of the pins check
	jq -r '[.[] | select(.check == "pins")][0] | "\(.status)|\(.finding)|\(.fix)"' <<<"$1"
}
none=$(pins_of "$(doc --json --pin-dir "$PIN" "$IF")")
timeout 30 nsenter --net="/run/netns/$LB" "$XLB_DP" --pin-dir "$PIN" load --flows 4096 \
	--ring 251 >/dev/null 2>&1 || e2e_log "xlb-dp load failed"
own=$(pins_of "$(doc --json --pin-dir "$PIN" "$IF")")
for f in "$PIN"/*_v[0-9]*; do mv "$f" "${f%_v[0-9]*}"; done
old=$(pins_of "$(XLB_PIN_DIR=$PIN doc --json "$IF")")
if [[ $none == info\|nothing\ pinned* && $own == ok\|*"ABI v"[0-9]*", this xlb's"* &&
	$old == warn\|*"ABI v1; this xlb is v"*"refuse them|"*"rm $PIN/xlb_*"* ]]; then
	e2e_pass doctor_pins_version
else
	e2e_fail doctor_pins_version "nothing pinned: '$none'; loaded: '$own'; renamed to v1: '$old'"
fi
e2e_summary
