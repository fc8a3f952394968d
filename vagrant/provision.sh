#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Provisions one machine of the VM lab (vagrant/Vagrantfile). "setup" installs the packages of
# deps/packages.txt through deps/install.sh (the same step as `make deps`) and builds xlb;
# "net" (every boot) sets routes, sysctls and, on lb, what native XDP on virtio_net needs.
# Usage: provision.sh client|lb|backend [setup|net] [--dry-run]
set -euo pipefail

role=${1:?usage: provision.sh client|lb|backend [setup|net] [--dry-run]}
step=${2:-setup}
dry=0
[ "${3:-}" = --dry-run ] && dry=1
src=${XLB_SRC:-/vagrant}

# The lab's plan, shared with tools/vagrant-test.sh: two /24 segments and a VIP range behind lb.
FRONT=198.18.1		# client .10, lb .2 (libvirt keeps .1 for the host's bridge)
BACK=198.18.2		# lb .2, backend .10, and the backend instances .11-.13
VIPS=198.18.0.0/24	# VIPs live here; only lb's XDP program answers for them
LB_FRONT=$FRONT.2
LB_BACK=$BACK.2

run() {
	if [ "$dry" = 1 ]; then
		echo "would run: $*"
	else
		"$@"
	fi
}

# Names differ between boxes (eth1, ens6, enp0s8): find the NIC by the address Vagrant gave it.
nic_of() {
	# no early exit in awk: under pipefail, ip dying of SIGPIPE would fail the caller
	ip -o -4 addr show | awk -v net="$1." '!n && index($4, net) == 1 { print $2; n = 1 }'
}

setup() {
	run sh "$src/deps/install.sh" "$src/deps/packages.txt"
	case $role in
	lb) run make -C "$src" -j"$(nproc)" all ;;
	backend) run make -C "$src" -j"$(nproc)" build/xlb-backend ;;
	client) ;;	# curl comes with the packages
	esac
}

# "Combined:" of `ethtool -l`: section 1 the maximum, 2 the current setting; empty if none
channels() {
	ethtool -l "$1" 2>/dev/null |
		awk -v want="$2" '/^(Pre-set|Current)/ { n++ }
			n == want && $1 == "Combined:" { print $2 }' |
		grep -E '^[0-9]+$'
}

# What native XDP on a virtio_net NIC needs, as drivers/net/virtio_net.c checks it.
lb_nic() {
	local dev=$1 cpus max cur mtu
	cpus=$(nproc --all)	# possible CPUs: virtio_net wants a TX queue for each
	# Queues: virtio_net gives XDP_TX and XDP_REDIRECT a TX queue of their own per CPU, taken
	# from the queue pairs the stack does not use. The Vagrantfile asks libvirt for 2 x CPUs
	# pairs; the stack keeps one per CPU. With fewer, XDP still loads but transmits through
	# shared, locked queues (kernel log: "XDP request N queues but max is M ... locked tx
	# mode"). Channels cannot change while XDP is attached, hence here, at boot.
	max=$(channels "$dev" 1) || max=1
	cur=$(channels "$dev" 2) || cur=1
	if [ "$max" -lt $((2 * cpus)) ]; then
		echo "provision: $dev: $max queue pairs for $cpus CPUs: XDP_TX and XDP_REDIRECT" \
			"will use shared, locked queues (libvirt: driver queues >= $((2 * cpus)))"
	elif [ "$cur" -ne "$cpus" ]; then
		run ethtool -L "$dev" combined "$cpus" ||
			echo "provision: $dev: channels unchanged (is XDP attached?)"
	fi
	# Receive offloads: the host may hand the guest merged (GUEST_TSO/UFO, shown as rx-gro-hw,
	# "lro" on older kernels) or partially checksummed (GUEST_CSUM) frames: the first do not
	# fit a single-buffer program, the second break its rewrites. virtio_net turns them off
	# itself when a program is attached, but only when the host offers the control to do so
	# (QEMU does, VirtualBox does not: there the attach fails with "Can't set XDP while host
	# is implementing GRO_HW/CSUM").
	# Software GRO runs after native XDP but before generic XDP: off, so that a generic-mode
	# program sees wire frames, not 64 KiB aggregates.
	run ethtool -K "$dev" rx-gro-hw off 2>/dev/null || true
	run ethtool -K "$dev" lro off 2>/dev/null || true
	run ethtool -K "$dev" gro off
	# MTU: a native XDP frame must fit one page with the driver's headroom (about 3.5 KiB);
	# larger MTUs need multi-buffer programs. The lab runs the usual 1500.
	mtu=$(ip -o link show dev "$dev" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") print $(i + 1) }')
	if [ "$mtu" -gt 3000 ]; then
		run ip link set dev "$dev" mtu 1500
	fi
	# Reverse-path filtering would drop what the datapath passes to the kernel already
	# rewritten (source = VIP) while a neighbour is being resolved.
	run sysctl -qw "net.ipv4.conf.$dev.rp_filter=0"
}

net() {
	local front back dev
	front=$(nic_of "$FRONT")
	back=$(nic_of "$BACK")
	case $role in
	client)
		[ -n "$front" ] || { echo "provision: no NIC in $FRONT.0/24" >&2; exit 1; }
		run ip route replace "$VIPS" via "$LB_FRONT" dev "$front"
		run ip route replace "$BACK.0/24" via "$LB_FRONT" dev "$front"
		;;
	backend)
		[ -n "$back" ] || { echo "provision: no NIC in $BACK.0/24" >&2; exit 1; }
		# nat mode: replies to clients must cross lb, where XDP rewrites them to the VIP
		run ip route replace "$FRONT.0/24" via "$LB_BACK" dev "$back"
		for i in 11 12 13; do
			run ip addr replace "$BACK.$i/24" dev "$back"
		done
		;;
	lb)
		if [ -z "$front" ] || [ -z "$back" ]; then
			echo "provision: lb lacks a NIC in $FRONT.0/24 or $BACK.0/24" >&2
			exit 1
		fi
		# bpf_fib_lookup answers FWD_DISABLED without forwarding on
		run sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		run sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		# VIP traffic that XDP does not take must die here, not leave by the management NIC
		run ip route replace unreachable "$VIPS"
		for dev in "$front" "$back"; do
			lb_nic "$dev"
		done
		;;
	esac
	# VirtualBox's virtio-net offers checksum offload to guests and may pass partially
	# checksummed frames between them, which lb's generic XDP cannot rewrite correctly:
	# senders compute full checksums there, as on veth.
	if [ "$role" != lb ] && [ "$(systemd-detect-virt 2>/dev/null || true)" = oracle ]; then
		for dev in $front $back; do
			run ethtool -K "$dev" tx off
		done
	fi
}

case $role in
client | lb | backend) ;;
*) echo "provision: unknown machine '$role'" >&2; exit 2 ;;
esac
case $step in
setup) setup ;;
net) net ;;
*) echo "provision: unknown step '$step'" >&2; exit 2 ;;
esac
