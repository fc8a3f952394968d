#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make vagrant-test`, for hosts with a real hypervisor: brings up the Vagrant lab (vagrant/:
# client, lb, backend), runs xlb in native XDP mode on lb's virtio NICs with three xlb-backend
# instances on the backend machine, sends HTTP requests from the client to the VIP through lb,
# prints the result and offers `vagrant destroy`.
# The same script runs inside the VMs as `vagrant-test.sh --guest ROLE` (the tree is at /vagrant).
# Settings: XLB_VM_PROVIDER (libvirt|virtualbox), XLB_VM_XDP_MODE (native; generic on
# VirtualBox), XLB_VM_REQUESTS (300), XLB_VM_DESTROY (yes|no: do not ask), and the
# Vagrantfile's XLB_BOX, XLB_VM_CPUS, XLB_VM_MEMORY.
set -euo pipefail

VIP=198.18.0.100
PORT=80
BACKENDS=(198.18.2.11 198.18.2.12 198.18.2.13)	# added on the backend by provision.sh
REQUESTS=${XLB_VM_REQUESTS:-300}
GUEST_SRC=/vagrant			# the tree inside the machines (rsync)
SRC=${XLB_SRC:-$GUEST_SRC}		# guest steps: where this tree is
PIN=${XLB_VM_PIN_DIR:-/sys/fs/bpf/xlb}	# guest steps: xlb's pin directory

nic_of() {
	# no early exit in awk: under pipefail, ip dying of SIGPIPE would fail the caller
	ip -o -4 addr show | awk -v net="$1." '!n && index($4, net) == 1 { print $2; n = 1 }'
}

wait_http() { # url, seconds
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		curl -fsS -m 1 -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "vm-test: $1 did not answer within $2 s" >&2
	return 1
}

# backend: one xlb-backend per address, as transient systemd units so a rerun replaces them
guest_backend() {
	local i unit
	make -s -C "$SRC" build/xlb-backend
	for i in "${!BACKENDS[@]}"; do
		unit=xlb-vmtest-be$((i + 1))
		systemctl stop "$unit" 2>/dev/null || true
		systemd-run --quiet --collect --unit="$unit" "$SRC/build/xlb-backend" \
			--listen "${BACKENDS[i]}:$PORT" --id "be$((i + 1))" --quiet
	done
	for i in "${!BACKENDS[@]}"; do
		wait_http "http://${BACKENDS[i]}:$PORT/health" 10
	done
	echo "backend: ${#BACKENDS[@]} instances listening on port $PORT"
}

dp() { "$SRC/build/xlb-dp" --pin-dir "$PIN" "$@"; }

# lb: the datapath on both lab NICs, xlb_rx towards clients and xlb_rx_nat towards backends
guest_lb() {
	local mode=$1 front back dev i ids=() want got
	make -s -C "$SRC" -j"$(nproc)" build/xlb-dp
	front=$(nic_of 198.18.1)
	back=$(nic_of 198.18.2)
	# what an earlier run left: xlb and its pinned maps, then any other program still there
	dp unload >/dev/null 2>&1 || true
	for dev in "$front" "$back"; do
		ip link set dev "$dev" xdpdrv off 2>/dev/null || true
		ip link set dev "$dev" xdpgeneric off 2>/dev/null || true
	done
	rm -rf "$PIN"
	# queues and offloads can only change while no program is attached
	bash "$SRC/vagrant/provision.sh" lb net
	dp load
	dp attach "$front" --role vip --xdp-mode "$mode"
	dp attach "$back" --role nat --xdp-mode "$mode"
	dp vip add "$VIP" "$PORT" tcp --mode nat
	for i in "${!BACKENDS[@]}"; do
		dp backend set $((i + 1)) "${BACKENDS[i]}" --port "$PORT"
		ids+=($((i + 1)))
	done
	dp ring set "$VIP" "$PORT" tcp "${ids[@]}"
	# iproute2 reports the attach mode: 1 driver (native), 2 generic (skb)
	want=1
	[ "$mode" = generic ] && want=2
	for dev in "$front" "$back"; do
		got=$(ip -j -d link show dev "$dev" | jq -r '.[0].xdp.mode // "none"')
		if [ "$got" != "$want" ]; then
			echo "lb: $dev: XDP attach mode $got, wanted $want ($mode)" >&2
			return 1
		fi
	done
	echo "lb: xlb attached in $mode mode on $front (vip) and $back (nat), VIP $VIP:$PORT"
}

# sum of a virtio_net per-queue counter, or "n/a" when the driver names it otherwise
nic_stat() {
	ethtool -S "$1" 2>/dev/null |
		awk -v re="$2" '$1 ~ re { s += $2; n++ } END { print n ? s : "n/a" }'
}

guest_lb_report() {
	local mode=$1 front back redirects rc=0
	front=$(nic_of 198.18.1)
	back=$(nic_of 198.18.2)
	dp stats || rc=1
	for dev in "$front" "$back"; do
		echo "lb: $dev:" \
			"xdp_redirects $(nic_stat "$dev" '^rx_queue_[0-9]+_xdp_redirects:$')," \
			"xdp_tx $(nic_stat "$dev" '^rx_queue_[0-9]+_xdp_tx:$')," \
			"xdp_drops $(nic_stat "$dev" '^rx_queue_[0-9]+_xdp_drops:$')"
	done
	if dmesg 2>/dev/null | grep 'locked tx mode' >/dev/null; then
		echo "lb: note: virtio_net had too few queues for XDP: shared, locked TX queues"
	fi
	# native mode: the driver itself counts what XDP sent on, so the path is proven here
	redirects=$(nic_stat "$front" '^rx_queue_[0-9]+_xdp_redirects:$')
	if [ "$mode" = native ] && [ "$redirects" != n/a ] &&
		[ "$redirects" -lt "$REQUESTS" ]; then
		echo "lb: XDP redirected only $redirects frames on $front, $REQUESTS requests" >&2
		rc=1
	fi
	return $rc
}

guest_client() {
	local i name answered=0 line=""
	declare -A per=()
	wait_http "http://$VIP:$PORT/health" 20
	for ((i = 0; i < REQUESTS; i++)); do
		name=$(curl -fsS -m 3 "http://$VIP:$PORT/whoami" 2>/dev/null) || continue
		answered=$((answered + 1))
		per[$name]=$((${per[$name]:-0} + 1))
	done
	for name in $(printf '%s\n' "${!per[@]}" | sort); do
		line="$line $name=${per[$name]}"
	done
	echo "client: $answered of $REQUESTS requests to $VIP:$PORT answered; per backend:$line"
	[ "$answered" -eq "$REQUESTS" ] && [ ${#per[@]} -eq ${#BACKENDS[@]} ]
}

guest() {
	case $1 in
	backend) guest_backend ;;
	lb) guest_lb "$2" ;;
	lb-report) guest_lb_report "$2" ;;
	client) guest_client ;;
	*) echo "vm-test: unknown guest step '$1'" >&2; return 2 ;;
	esac
}

# --- on the host ---

offer_destroy() {
	local ans=${XLB_VM_DESTROY:-}
	if [ -z "$ans" ] && [ -t 0 ] && [ -t 1 ]; then
		read -r -p "vm-test: destroy the three VMs now? [y/N] " ans || ans=no
	fi
	case $ans in
	y | Y | yes)
		vagrant destroy -f
		;;
	*)
		echo "vm-test: the VMs keep running (a rerun takes about a minute); remove them:"
		echo "    (cd vagrant && vagrant destroy -f)"
		;;
	esac
}

host() {
	local provider mode rc=0 up=()
	if ! command -v vagrant >/dev/null; then
		echo "vm-test: vagrant is not installed (apt-get install vagrant, plus libvirt" \
			"or VirtualBox); see the README's VM lab section" >&2
		exit 2
	fi
	export VAGRANT_CWD=$PWD/vagrant
	[ -n "${XLB_VM_PROVIDER:-}" ] && up=(--provider "$XLB_VM_PROVIDER")
	echo "vm-test: vagrant up (first time: box import, packages and build, 10-20 minutes)"
	if ! vagrant up "${up[@]}"; then
		echo "vm-test: vagrant up failed" >&2
		offer_destroy
		exit 1
	fi
	vagrant rsync	# the tree as it is now, also into machines created earlier
	provider=$(vagrant status lb --machine-readable |
		awk -F, '$3 == "provider-name" { p = $4 } END { print p }')
	mode=${XLB_VM_XDP_MODE:-native}
	if [ -z "${XLB_VM_XDP_MODE:-}" ] && [ "$provider" = virtualbox ]; then
		# VirtualBox's virtio-net offers guest offloads without the control to turn them
		# off, so virtio_net refuses native XDP (see vagrant/provision.sh)
		mode=generic
		echo "vm-test: VirtualBox: its virtio-net refuses native XDP; using generic mode"
	fi

	# runs a step of this script inside a machine, as root
	on() {
		local m=$1
		shift
		vagrant ssh "$m" -c "sudo env XLB_VM_REQUESTS=$REQUESTS \
			bash $GUEST_SRC/tools/vagrant-test.sh --guest $*"
	}
	on backend backend || rc=1
	[ $rc = 0 ] && { on lb lb "$mode" || rc=1; }
	[ $rc = 0 ] && { on client client || rc=1; }
	on lb lb-report "$mode" || rc=1

	if [ $rc = 0 ]; then
		echo "vm-test: PASS: $REQUESTS requests crossed lb's virtio NICs through xlb" \
			"($mode XDP, $provider)"
	else
		echo "vm-test: FAIL (see above; look around with: (cd vagrant && vagrant ssh lb))"
	fi
	offer_destroy
	return $rc
}

cd "$(dirname "$0")/.."
if [ "${1:-}" = --guest ]; then
	shift
	guest "$@"
else
	host
fi
