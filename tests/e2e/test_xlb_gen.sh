#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xlb-gen against what can go wrong: bad options are refused with the option named; frames
# reach a kernel stack with good checksums (every one counted, none a checksum error) in each
# mode and family, from both senders (the AF_PACKET one always, live frames where the kernel
# allows them); and through xlb nat, which rewrites the frames that live-frames mode hands
# back to the generator, every frame is still a VIP frame (the program restores it each run)
# and arrives at the backend's veth.
# needs: netns
set -u
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

XLB_GEN=${XLB_GEN:-$E2E_BUILD/xlb-gen}
P=$E2E_PREFIX
VIP=198.18.203.1
BE=198.18.202.2
N=200000

e2e_init
[ -x "$XLB_GEN" ] || e2e_abort setup "$XLB_GEN is missing (make)"

# --- options ------------------------------------------------------------------------------
bad_opts() { # expected text, options...
	local want=$1 out rc
	shift
	out=$("$XLB_GEN" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 2 ] || ! grep -q -- "$want" <<<"$out"; then
		echo "xlb-gen $*: exit $rc, '$(head -n 1 <<<"$out")' (want 2 and '$want')"
		return 1
	fi
}
why=""
bad_opts "are needed" -i lo || why+="no --src; "
bad_opts -- "--size" -i lo --src 198.18.0.1 --dst 198.18.0.2 --size 20 || why+="size; "
bad_opts -- "--size" -i lo --src 2001:2::1 --dst 2001:2::2 --size 64 || why+="v6 size; "
bad_opts -- "--mode" -i lo --src 198.18.0.1 --dst 198.18.0.2 --mode ping || why+="mode; "
bad_opts "one family" -i lo --src 198.18.0.1 --dst 2001:2::2 || why+="families; "
bad_opts -- "--src-bits" -i lo --src 198.18.0.1 --dst 198.18.0.2 --src-bits 17 ||
	why+="src-bits; "
bad_opts "no such device" -i "$P-none" --src 198.18.0.1 --dst 198.18.0.2 || why+="device; "
bad_opts -- "--to" -i lo --attach redirect || why+="redirect without --to; "
bad_opts -- "--sender" -i lo --src 198.18.0.1 --dst 198.18.0.2 --sender xdp || why+="sender; "
if [ -z "$why" ]; then e2e_pass gen_bad_options; else e2e_fail gen_bad_options "${why%; }"; fi

# --- namespaces: g0 <-> l0 (balancer), l1 <-> b0 (backend) ----------------------------------
for n in g lb b; do
	ip netns add "$P-$n" || e2e_abort setup "ip netns add failed"
	e2e_on_exit "ip netns del $P-$n"
done
if ! {
	ip -n "$P-g" link add "$P-g0" type veth peer name "$P-l0" netns "$P-lb" &&
		ip -n "$P-lb" link add "$P-l1" type veth peer name "$P-b0" netns "$P-b" &&
		ip -n "$P-g" link set "$P-g0" up && ip -n "$P-lb" link set "$P-l0" up &&
		ip -n "$P-lb" link set "$P-l1" up && ip -n "$P-b" link set "$P-b0" up &&
		ip -n "$P-lb" link set lo up && ip -n "$P-b" link set lo up &&
		ip -n "$P-g" addr add 198.18.201.2/24 dev "$P-g0" &&
		ip -n "$P-lb" addr add 198.18.201.1/24 dev "$P-l0" &&
		ip -n "$P-lb" addr add "$VIP/32" dev lo &&
		ip -n "$P-lb" -6 addr add 2001:2:0:203::1/128 dev lo &&
		ip -n "$P-lb" addr add 198.18.202.1/24 dev "$P-l1" &&
		ip -n "$P-b" addr add "$BE/24" dev "$P-b0"
}; then
	e2e_abort setup "veth setup failed"
fi
in_ns() { # g|lb|b, command...
	nsenter --net="/run/netns/$P-$1" "${@:2}"
}
l0_mac=$(in_ns lb ip -j link show "$P-l0" | jq -r '.[0].address')
b0_mac=$(in_ns b ip -j link show "$P-b0" | jq -r '.[0].address')

# live frames refused (EPERM where the runner lacks CAP_SYS_RESOURCE): the AF_PACKET sender only
senders="packet"
if in_ns g "$XLB_GEN" -i "$P-g0" --src 198.18.201.2 --src-bits 0 --dst "$VIP" --dport 9 \
	--mode udp --count 1 --cpus 0 --dst-mac "$l0_mac" --sender live >/dev/null \
	2>"$E2E_TMP/probe.err"; then
	senders="live packet"
else
	e2e_log "live frames refused ($(head -1 "$E2E_TMP/probe.err"); CapEff" \
		"$(awk '/^CapEff/ { print $2 }' /proc/self/status)): the packet sender only"
fi

# the frames arrive at the balancer's kernel stack (an XDP program on l0 so that XDP_TX frames
# are delivered, LAB-NOTES): counted as datagrams to no port or TCP segments, never as errors
out=$(in_ns lb "$XLB_DP" peer "$P-l0" 2>&1) ||
	e2e_abort setup "xlb-dp peer failed: $out"
snmp() { # field names...: their values in the balancer's namespace, in order
	in_ns lb cat /proc/net/snmp /proc/net/snmp6 | awk -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		/^(Udp|Tcp):/ && !h[$1]++ { for (i = 2; i <= NF; i++) col[$1 $i] = i; next }
		/^(Udp|Tcp):/ { for (k in col) if (index(k, $1) == 1) v[k] = $col[k] }
		NF == 2 { v[$1] = $2 }
		END { for (i = 1; i <= n; i++) printf "%s ", v[w[i]] + 0; print "" }'
}
why=""
# (SYN flood sources in 198.18.210.0/24: none of them an address of the balancer's, which it
# would drop as martians)
for sender in $senders; do
	for c in "udp 198.18.201.2 $VIP Udp:NoPorts Udp:InCsumErrors" \
		"syn-flood 198.18.210.1 $VIP Tcp:InSegs Tcp:InCsumErrors" \
		"tcp 198.18.201.2 $VIP Tcp:InSegs Tcp:InCsumErrors" \
		"udp 2001:2:0:201::2 2001:2:0:203::1 Udp6NoPorts Udp6InCsumErrors" \
		"syn-flood 2001:2:0:201::2 2001:2:0:203::1 Tcp:InSegs Tcp:InCsumErrors"; do
		read -r mode src dst good bad <<<"$c"
		read -r g0 b0 <<<"$(snmp "$good" "$bad")"
		if ! in_ns g "$XLB_GEN" -i "$P-g0" --src "$src" --src-bits 8 --dst "$dst" \
			--mode "$mode" --flows 5000 --count 20000 --rate 100000 --duration 5 \
			--dst-mac "$l0_mac" --sender "$sender" --json \
			>"$E2E_TMP/gen.json" 2>"$E2E_TMP/gen.err"; then
			why+="$sender $mode $dst: $(head -n 1 "$E2E_TMP/gen.err"); "
			continue
		fi
		sleep 0.3
		read -r g1 b1 <<<"$(snmp "$good" "$bad")"
		sent=$(jq -r .frames "$E2E_TMP/gen.json")
		e2e_log "$sender $mode to $dst: $sent sent, $good +$((g1 - g0)), $bad +$((b1 - b0))"
		# the kernel answers a SYN with a RST, and counts the stray RSTs of others too
		[ "$sent" -eq 20000 ] && [ $((g1 - g0)) -ge 20000 ] &&
			[ $((g1 - g0)) -le 20100 ] && [ $((b1 - b0)) -eq 0 ] ||
			why+="$sender $mode $dst: $sent sent, $((g1 - g0)) good, $((b1 - b0)) bad; "
	done
done
if [ -z "$why" ]; then e2e_pass gen_checksums; else e2e_fail gen_checksums "${why%; }"; fi
in_ns lb "$XLB_DP" peer "$P-l0" --detach >/dev/null 2>&1

# --- through xlb nat: the receiver rewrites, the generator restores ------------------------
in_ns lb ip neigh replace "$BE" lladdr "$b0_mac" dev "$P-l1" nud permanent
in_ns lb sysctl -qw net.ipv4.ip_forward=1
e2e_dp_load --flows 65536
# XDP, not the default (tc on veth): live frames reach only an XDP program on the veth's peer
e2e_dp_ok attach "$P-l0" --role vip --hook xdp --xdp-mode native
e2e_dp_ok attach "$P-l1" --role nat --hook xdp --xdp-mode native
e2e_dp_ok backend set 1 "$BE"
e2e_dp_ok vip add "$VIP" 9 udp --mode nat --id 1
e2e_dp_ok ring set "$VIP" 9 udp 1
e2e_dp stats --json >"$E2E_TMP/before.json" || e2e_abort setup "xlb-dp stats failed"
nsenter --net="/run/netns/$P-b" "$XLB_GEN" -i "$P-b0" --attach sink --duration 30 --json \
	>"$E2E_TMP/sink.json" 2>"$E2E_TMP/sink.err" &
sink=$!
e2e_on_exit "kill $sink"
sleep 0.5
in_ns g "$XLB_GEN" -i "$P-g0" --src 198.18.201.2 --src-bits 0 --dst "$VIP" --dport 9 \
	--flows 1000 --count "$N" --duration 20 --cpus 0 --dst-mac "$l0_mac" --json \
	>"$E2E_TMP/gen.json" 2>"$E2E_TMP/gen.err" || e2e_indent <"$E2E_TMP/gen.err"
sleep 0.3
kill -TERM "$sink"
wait "$sink"
e2e_dp stats --json >"$E2E_TMP/after.json" || e2e_abort setup "xlb-dp stats failed"
d() { # jq path: after - before
	echo $(($(jq -r "($1) // 0" "$E2E_TMP/after.json") - $(jq -r "($1) // 0" "$E2E_TMP/before.json")))
}
sent=$(jq -r '.frames // 0' "$E2E_TMP/gen.json")
sender=$(jq -r '.sender // "?"' "$E2E_TMP/gen.json")
got=$(jq -r '.udp // 0' "$E2E_TMP/sink.json")
fwd=$(($(d .paths.flow_hit) + $(d .paths.flow_new)))
new=$(d .paths.flow_new)
pass=$(d .paths.pass)
e2e_log "nat ($sender sender): $sent sent, $fwd forwarded by xlb ($new new flows), $pass" \
	"passed, $got at the backend's veth"
# (the packet sender builds every frame afresh: nothing comes back to restore, and the case
# checks that its frames are VIP frames all the same)
# the backend's veth may drop under a full ring; the datapath must have seen every one as VIP
if [ "$sent" -eq "$N" ] && [ "$fwd" -eq "$N" ] && [ "$new" -eq 1000 ] && [ "$pass" -lt 100 ] &&
	[ "$got" -ge $((N * 9 / 10)) ] && [ "$got" -le "$N" ]; then
	e2e_pass gen_restores_rewritten_frames
else
	e2e_fail gen_restores_rewritten_frames "$sent sent, $fwd forwarded, $new new flows (want 1000), $pass passed, $got arrived"
fi

e2e_summary
