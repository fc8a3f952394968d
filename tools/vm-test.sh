#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make vm-test`: three QEMU machines (tools/xlb-vm: Debian's kernel, the host's userland over
# 9p) on two bridges inside a namespace of the run: client -- balancer -- backend. xlb runs in
# native XDP on the balancer's virtio NICs, installed from `make deb`; nat, dsr and ipip over
# IPv4 and IPv6 from the client VM; then, inside the balancer VM, `xlbctl doctor` and xlbd with a
# static target group and with an auto-scaling group (tests/e2e), from the package.
# --smoke: the balancer VM alone, client and backend as namespaces on the host, nat only, the
# build tree's binaries (tests/e2e/test_vm_smoke.sh). --e2e 'NAMES': the balancer VM alone, with
# no NIC, runs those tests/e2e scripts from the package (XLB_VM_DEB=no: from the build tree), to
# iterate on one in minutes. Everything is removed on exit, Ctrl-C too.
# Settings: XLB_VM_REQUESTS (40 a case), XLB_VM_TIMEOUT (s the VMs may run, 2700), XLB_VM_E2E
# (yes: test_xlbd_static and test_xlbd_asg in the balancer VM; no; or a list of tests/e2e
# names), XLB_VM_KEEP (yes: keep build/vm/run.*), and xlb-vm's (XLB_VM_ACCEL, ...).
set -uo pipefail

VIP4=198.18.0.100
VIP6=2001:2::100
CLIENT4=198.18.1.10 CLIENT6=2001:2:0:1::10
LBF4=198.18.1.1 LBF6=2001:2:0:1::1
LBB4=198.18.2.1 LBB6=2001:2:0:2::1
BACK4=(198.18.2.11 198.18.2.12)
BACK6=(2001:2:0:2::11 2001:2:0:2::12)
# a port a mode, all configured at once: nat to the backends' addresses, dsr and ipip to the VIP
PORT_NAT=80 PORT_DSR=8081 PORT_IPIP=8082
REQUESTS=${XLB_VM_REQUESTS:-40}
VM_TIMEOUT=${XLB_VM_TIMEOUT:-2700}
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
SYNC=${XLB_VM_SYNC:-/xlbrun} # the run directory as the roles see it
PIN=/sys/fs/bpf/xlb-vmtest

say() { echo "vm-test: $*"; }

# waits for a file of the run; gives up at once when a part of the run failed (SYNC/abort)
wait_file() { # file, seconds
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		[ -e "$1" ] && return 0
		[ -e "$SYNC/abort" ] && {
			say "given up waiting for $(basename "$1"): $(cat "$SYNC/abort")"
			return 1
		}
		sleep 0.2
	done
	say "no $(basename "$1") within $2 s"
	return 1
}

addrs() { # dev, ipv4/len, ipv6/len, [gw4 gw6]
	ip link set dev "$1" up
	ip addr add "$2" dev "$1"
	ip addr add "$3" dev "$1" nodad
	if [ $# -ge 5 ]; then
		ip route add default via "$4"
		ip -6 route add default via "$5"
	fi
}

# the binaries: the installed package where the run brought one, else the build tree
bins() {
	if [ -f "$SYNC/xlb.deb" ] && [ "${1:-}" = install ]; then
		dpkg -i "$SYNC/xlb.deb" >/dev/null || return 1
		say "$(dpkg-query -W -f='${Package} ${Version}' xlb) installed from the .deb"
	fi
	if [ -x /usr/bin/xlb-dp ] && dpkg-query -W xlb >/dev/null 2>&1; then
		BIN=/usr/bin
	else
		BIN=$REPO/build
	fi
}

# ---- roles (in a VM, or in a host namespace for --smoke) ----

role_backend() {
	local i vip=${1:-yes}
	# the servers write elsewhere than our output: a pipe they held open would keep the
	# guest's log reader (tee) and so the VM's exit code waiting
	bins
	addrs eth0 "${BACK4[0]}/24" "${BACK6[0]}/64" "$LBB4" "$LBB6"
	ip addr add "${BACK4[1]}/24" dev eth0
	ip addr add "${BACK6[1]}/64" dev eth0 nodad
	for i in 0 1; do
		"$BIN/xlb-backend" --quiet --id "be$((i + 1))" --listen "${BACK4[i]}:$PORT_NAT" \
			--listen "[${BACK6[i]}]:$PORT_NAT" --pidfile "$SYNC/be$((i + 1)).pid" \
			>>"$SYNC/servers.log" 2>&1 &
	done
	if [ "$vip" = yes ]; then
		# dsr and ipip: the VIP on lo; ipip's outer header stripped by xlb_decap on eth0
		ip addr add "$VIP4/32" dev lo
		ip addr add "$VIP6/128" dev lo nodad
		"$BIN/xlb-backend" --quiet --id be-vip --listen "$VIP4:$PORT_DSR" \
			--listen "[$VIP6]:$PORT_DSR" --listen "$VIP4:$PORT_IPIP" \
			--listen "[$VIP6]:$PORT_IPIP" --pidfile "$SYNC/be-vip.pid" >>"$SYNC/servers.log" 2>&1 &
		sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
		"$BIN/xlb-dp" peer eth0 --xdp-mode native || return 1
	fi
	for i in be1 be2 ${vip/yes/be-vip}; do
		[ "$i" = no ] && continue
		wait_file "$SYNC/$i.pid" 60 || return 1
	done
	say "backend: be1 on ${BACK4[0]}, be2 on ${BACK4[1]} (and IPv6), port $PORT_NAT"
	[ "$vip" = yes ] && say "backend: be-vip on the VIP, ports $PORT_DSR $PORT_IPIP"
	touch "$SYNC/backend.ready"
	[ "${2:-}" = wait ] || return 0
	wait_file "$SYNC/client.done" "$VM_TIMEOUT"
}

dp() { "$BIN/xlb-dp" --pin-dir "$PIN" "$@"; }

# sum of a virtio_net per-queue counter (rx_queue_N_NAME before 6.10, rxN_NAME since), or n/a
nic_stat() { # dev, counter name
	ethtool -S "$1" 2>/dev/null | awk -v re="^rx(_queue_)?[0-9]+_$2:\$" \
		'$1 ~ re { s += $2; n++ } END { print n ? s : "n/a" }'
}

role_lb() {
	local modes=$1 dev got rc=0 t
	bins install || return 1
	addrs eth0 "$LBF4/24" "$LBF6/64"
	addrs eth1 "$LBB4/24" "$LBB6/64"
	sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 \
		net.ipv4.conf.eth1.rp_filter=0
	for dev in eth0 eth1; do
		say "lb: $dev: $(ethtool -i "$dev" | awk '/^driver/ { print $2 }'), queues" \
			"$(ethtool -l "$dev" | awk '/^Combined/ { c[++n] = $2 } END { print c[2] " of " c[1] }')"
	done
	dp load >/dev/null || return 1
	dp attach eth0 --role vip --xdp-mode native || return 1
	dp attach eth1 --role nat --xdp-mode native || return 1
	for dev in eth0 eth1; do
		# iproute2 reports the attach mode: 1 driver (native)
		got=$(ip -j -d link show dev "$dev" | jq -r '.[0].xdp.mode // "none"')
		[ "$got" = 1 ] || {
			say "lb: $dev: XDP attach mode $got, not native"
			return 1
		}
	done
	dp backend set 1 "${BACK4[0]}" >/dev/null && dp backend set 2 "${BACK4[1]}" >/dev/null &&
		dp backend set 11 "${BACK6[0]}" >/dev/null && dp backend set 12 "${BACK6[1]}" >/dev/null &&
		dp vip add "$VIP4" "$PORT_NAT" tcp --mode nat --id 1 >/dev/null &&
		dp ring set "$VIP4" "$PORT_NAT" tcp 1 2 >/dev/null &&
		dp vip add "$VIP6" "$PORT_NAT" tcp --mode nat --id 2 >/dev/null &&
		dp ring set "$VIP6" "$PORT_NAT" tcp 11 12 >/dev/null || return 1
	if [ "$modes" = all ]; then
		for t in "dsr $PORT_DSR 3 5" "ipip $PORT_IPIP 4 6"; do
			# shellcheck disable=SC2086 # mode, port, id4, id6
			set -- $t
			dp vip add "$VIP4" "$2" tcp --mode "$1" --id "$3" >/dev/null &&
				dp ring set "$VIP4" "$2" tcp 1 >/dev/null &&
				dp vip add "$VIP6" "$2" tcp --mode "$1" --id "$4" >/dev/null &&
				dp ring set "$VIP6" "$2" tcp 11 >/dev/null || return 1
		done
	fi
	say "lb: xlb attached in native mode on eth0 (vip) and eth1 (nat); services: $modes"
	touch "$SYNC/lb.ready"
	wait_file "$SYNC/client.done" "$VM_TIMEOUT" || rc=1
	dp stats
	for dev in eth0 eth1; do
		say "lb: $dev: virtio_net counted xdp_redirects $(nic_stat "$dev" xdp_redirects)," \
			"xdp_tx $(nic_stat "$dev" xdp_tx), xdp_drops $(nic_stat "$dev" xdp_drops)"
	done
	if dmesg | grep -q 'locked tx mode'; then
		say "lb: virtio_net had too few queues for XDP (shared, locked TX queues)"
	fi
	# native mode: the driver itself counts what XDP redirected, so the path is proven here
	got=$(nic_stat eth0 xdp_redirects)
	if [ "$got" = n/a ]; then
		echo "FAIL vm_xdp_native: virtio_net on eth0 has no xdp_redirects counter:" \
			"$(ethtool -S eth0 | grep -m3 xdp | tr -s ' \n' ' ')"
		rc=1
	elif [ "$got" -lt "$REQUESTS" ]; then
		echo "FAIL vm_xdp_native: virtio_net on eth0 redirected $got frames in XDP," \
			"fewer than the $REQUESTS requests of one case"
		rc=1
	else
		echo "PASS vm_xdp_native: virtio_net on eth0 redirected $got frames in XDP"
	fi
	[ "$modes" = all ] || return $rc
	echo "== xlbctl doctor eth0 eth1 (in the balancer VM)"
	"$BIN/xlbctl" doctor eth0 eth1 || true
	"$BIN/xlbd" --check --config /etc/xlb/xlb.json || rc=1
	dp detach eth0 >/dev/null 2>&1
	dp detach eth1 >/dev/null 2>&1
	dp unload >/dev/null 2>&1
	# the datapath's cases ran across the VMs above; xlbd's run inside this one
	e2e_scripts "${XLB_VM_E2E:-yes}" || rc=1
	return $rc
}

# tests/e2e scripts in this VM with the binaries of bins: yes (xlbd's static and auto-scaling
# tests), no, or a list of names
e2e_scripts() { # names
	local t rc=0 t0
	local names=$1
	[ "$names" = no ] && return 0
	[ "$names" = yes ] && names="test_xlbd_static test_xlbd_asg"
	for t in $names; do
		echo "== $t (in the balancer VM, binaries from $BIN)"
		t0=$(date +%s)
		XLB_DP=$BIN/xlb-dp XLB_BACKEND=$BIN/xlb-backend XLBD=$BIN/xlbd \
			XLBCTL=$BIN/xlbctl timeout 600 bash "$REPO/tests/e2e/$t.sh" || rc=1
		say "lb: $t took $(($(date +%s) - t0)) s"
	done
	return $rc
}

# --e2e: the balancer VM alone, no NIC, only tests/e2e scripts (their labs are namespaces)
role_e2e() { # names (the kernel's command line splits the list into words)
	bins install || return 1
	e2e_scripts "$*"
}

# N requests to a URL; PASS when all are answered (and by every name in want)
client_case() { # name, url, names wanted...
	local name=$1 url=$2 i who answered=0 line="" n
	shift 2
	declare -A per=()
	for ((i = 0; i < REQUESTS; i++)); do
		who=$(curl -fsS -m 5 "$url" 2>/dev/null) || continue
		answered=$((answered + 1))
		per[$who]=$((${per[$who]:-0} + 1))
	done
	for n in $(printf '%s\n' "${!per[@]}" | sort); do
		line="$line $n=${per[$n]}"
	done
	for n in "$@"; do
		if [ -z "${per[$n]:-}" ]; then
			echo "FAIL $name: $answered of $REQUESTS answered, none by $n (${line# })"
			return 1
		fi
	done
	if [ "$answered" -ne "$REQUESTS" ]; then
		echo "FAIL $name: $answered of $REQUESTS answered (${line# })"
		return 1
	fi
	echo "PASS $name: $answered of $REQUESTS answered:$line"
}

role_client() {
	local modes=$1 rc=0
	addrs eth0 "$CLIENT4/24" "$CLIENT6/64" "$LBF4" "$LBF6"
	if ! wait_file "$SYNC/lb.ready" "$VM_TIMEOUT" ||
		! wait_file "$SYNC/backend.ready" "$VM_TIMEOUT"; then
		touch "$SYNC/client.done"
		return 1
	fi
	client_case vm_nat_v4 "http://$VIP4:$PORT_NAT/whoami" be1 be2 || rc=1
	client_case vm_nat_v6 "http://[$VIP6]:$PORT_NAT/whoami" be1 be2 || rc=1
	if [ "$modes" = all ]; then
		client_case vm_dsr_v4 "http://$VIP4:$PORT_DSR/whoami" be-vip || rc=1
		client_case vm_dsr_v6 "http://[$VIP6]:$PORT_DSR/whoami" be-vip || rc=1
		client_case vm_ipip_v4 "http://$VIP4:$PORT_IPIP/whoami" be-vip || rc=1
		client_case vm_ipip_v6 "http://[$VIP6]:$PORT_IPIP/whoami" be-vip || rc=1
	fi
	touch "$SYNC/client.done"
	return $rc
}

# ---- on the host ----

P=xv$$
RUN=
NETNS=$P-net
VMS=()
TAILS=()
HOSTPIDS=()

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local vm pid f
	trap - EXIT INT TERM
	for vm in "${VMS[@]}"; do
		"$REPO/tools/xlb-vm" stop "$vm" "$RUN"
	done
	for f in "$RUN"/be*.pid; do
		pid=$(cat "$f" 2>/dev/null) && [ -n "$pid" ] && kill "$pid" 2>/dev/null
	done
	for pid in "${HOSTPIDS[@]}" "${TAILS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	for f in $(ip netns list | awk -v p="$P-" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$f"
	done
	[ -n "$RUN" ] && [ "${XLB_VM_KEEP:-no}" = no ] && rm -rf "$RUN"
	say "removed the run's VMs, taps, bridges and namespaces ($P-*)"
}

tap_add() { # name, bridge
	ip -n "$NETNS" tuntap add dev "$1" mode tap multi_queue &&
		ip -n "$NETNS" link set dev "$1" master "$2" up
}

# a host namespace on a bridge, its end named eth0 (--smoke)
ns_add() { # name, bridge
	ip netns add "$1" &&
		ip -n "$NETNS" link add "$1" type veth peer name eth0 netns "$1" &&
		ip -n "$NETNS" link set dev "$1" master "$2" up &&
		ip -n "$1" link set dev lo up
}

# Until every VM has given its exit code or died: the first failure makes the others stop
# waiting (RUN/abort), and no VM runs longer than XLB_VM_TIMEOUT.
watch_vms() {
	local vm pid code left rc=0 t
	declare -A ended=()
	for ((t = 0; t < VM_TIMEOUT; t++)); do
		left=0
		for vm in "${VMS[@]}"; do
			[ -n "${ended[$vm]:-}" ] && continue
			code=$(cat "$RUN/$vm.rc" 2>/dev/null) || code=
			pid=$(cat "$RUN/$vm.pid" 2>/dev/null) || pid=
			if [ -z "$code" ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
				left=$((left + 1))
				continue
			fi
			ended[$vm]=${code:-none}
			[ "$code" = 0 ] && continue
			rc=1
			[ -e "$RUN/abort" ] || echo "$vm: exit ${code:-none}" >"$RUN/abort"
			say "$vm: exit ${code:-none (no exit code: crashed?)}; its console's end:"
			tail -n 15 "$RUN/$vm.console" | sed "s/^/  [$vm console] /"
		done
		[ $left = 0 ] && return $rc
		sleep 1
	done
	say "VMs still running after $VM_TIMEOUT s: stopped"
	return 1
}

vm_start() { # name, taps..., -- command
	local name=$1 taps=()
	shift
	while [ "$1" != -- ]; do
		taps+=(--tap "$1")
		shift
	done
	shift
	VMS+=("$name")
	: >"$RUN/$name.log"
	tail -n +1 -F "$RUN/$name.log" 2>/dev/null | sed -u "s/^/[$name] /" &
	TAILS+=($!)
	"$REPO/tools/xlb-vm" start "$name" "$RUN" --netns "$NETNS" --accel "$ACCEL" "${taps[@]}" \
		-- "$REPO/tools/vm-test.sh" --guest "$@"
}

host() { # full, smoke or e2e[, the e2e scripts]
	local what=$1 modes=all rc=0 t0 secs client=""
	t0=$(date +%s)
	[ "$(id -u)" = 0 ] || {
		say "needs root (network namespaces, taps)"
		return 2
	}
	command -v qemu-system-x86_64 >/dev/null || {
		say "qemu-system-x86_64 missing: sudo sh deps/install.sh deps/vm.txt"
		return 2
	}
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$REPO/build/vm"
	RUN=$(mktemp -d "$REPO/build/vm/run.XXXXXX")
	"$REPO/tools/xlb-vm" prepare || return 1
	ACCEL=$("$REPO/tools/xlb-vm" accel) || return 1
	if [ "$what" = full ] || { [ "$what" = e2e ] && [ "${XLB_VM_DEB:-yes}" = yes ]; }; then
		say "building the package (make deb)"
		make -s -C "$REPO" deb >"$RUN/deb.log" 2>&1 || {
			tail -n 20 "$RUN/deb.log"
			return 1
		}
		cp "$REPO"/build/xlb_*.deb "$RUN/xlb.deb"
	fi
	ip netns add "$NETNS" || return 1
	if [ "$what" = e2e ]; then
		say "the balancer VM alone, no NIC: $2"
		vm_start lb -- e2e "$2" || return 1
	else
		for b in "$P-bf" "$P-bb"; do
			ip -n "$NETNS" link add "$b" type bridge stp_state 0 &&
				ip -n "$NETNS" link set dev "$b" up || return 1
		done
		tap_add "$P-l0" "$P-bf" && tap_add "$P-l1" "$P-bb" || return 1
	fi
	if [ "$what" = smoke ]; then
		modes=nat
		ns_add "$P-c" "$P-bf" && ns_add "$P-b" "$P-bb" || return 1
		say "taps: 4 queues each for 2 vCPUs (2 in use, 2 for XDP); client and backend" \
			"in host namespaces $P-c, $P-b"
		vm_start lb "$P-l0" "$P-l1" -- lb nat || return 1
		XLB_VM_SYNC=$RUN nsenter --net="/run/netns/$P-b" "$REPO/tools/vm-test.sh" \
			--guest backend no wait >"$RUN/backend.log" 2>&1 &
		HOSTPIDS+=($!)
		XLB_VM_SYNC=$RUN nsenter --net="/run/netns/$P-c" "$REPO/tools/vm-test.sh" \
			--guest client nat >"$RUN/client.log" 2>&1 &
		HOSTPIDS+=($!)
		client=$!
		tail -n +1 -F "$RUN/client.log" 2>/dev/null | sed -u "s/^/[client] /" &
		TAILS+=($!)
	elif [ "$what" = full ]; then
		tap_add "$P-c0" "$P-bf" && tap_add "$P-b0" "$P-bb" || return 1
		say "taps: 4 queues each for 2 vCPUs (2 in use, 2 for XDP); three VMs"
		vm_start backend "$P-b0" -- backend yes wait || return 1
		vm_start lb "$P-l0" "$P-l1" -- lb all || return 1
		vm_start client "$P-c0" -- client all || return 1
	fi
	watch_vms || rc=1
	if [ -n "$client" ]; then
		wait "$client" || rc=1
	fi
	sleep 0.5 # the tails' last lines
	secs=$(($(date +%s) - t0))
	if [ $rc = 0 ]; then
		say "PASS in $secs s ($ACCEL)"
	else
		say "FAIL in $secs s ($ACCEL); XLB_VM_KEEP=yes keeps $RUN"
	fi
	return $rc
}

# one compound command, parsed whole before it runs: a run survives edits to this file
{
case ${1:-} in
--guest)
	shift
	role=$1
	shift
	case $role in
	backend) role_backend "$@" ;;
	lb) role_lb "$@" ;;
	client) role_client "$@" ;;
	e2e) role_e2e "$@" ;;
	*) exit 2 ;;
	esac
	rc=$?
	# the others stop waiting for this one
	[ $rc = 0 ] || [ -e "$SYNC/abort" ] || echo "$role failed" >"$SYNC/abort"
	exit $rc
	;;
--smoke) host smoke ;;
--e2e)
	[ $# -ge 2 ] || {
		echo "Usage: vm-test.sh --e2e 'test_NAME...'" >&2
		exit 2
	}
	host e2e "${*:2}"
	;;
"") host full ;;
-h | --help)
	echo "Usage: vm-test.sh [--smoke | --e2e 'test_NAME...']"
	sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	;;
*)
	echo "Usage: vm-test.sh [--smoke | --e2e 'test_NAME...']" >&2
	exit 2
	;;
esac
exit
}
