#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The VM lab's smoke test: one balancer VM under QEMU (tools/vm-test.sh --smoke), xlb attached
# in native XDP on its two virtio_net NICs, requests over IPv4 and IPv6 from a client namespace
# to a backend namespace through it (nat). Skipped, with the reason, where QEMU cannot run here:
# no qemu-system-x86_64, no static busybox, no kernel package to be had. 20 requests a case;
# bounded at 190 s (about 70-90 s on an idle 2-core host, more under load: TCG).
# needs: netns
set -u
cd "$(dirname "$0")/../.." || exit 2

skip() {
	echo "SKIP vm_smoke: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, taps)"
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 missing (sudo sh deps/install.sh deps/vm.txt)"
command -v busybox >/dev/null || skip "busybox missing (busybox-static: deps/vm.txt)"
[ -e /dev/net/tun ] || skip "no /dev/net/tun for the VM's taps"
for t in jq curl ethtool depmod; do
	command -v "$t" >/dev/null || skip "$t missing (deps/packages.txt, deps/vm.txt)"
done
if ! out=$(timeout 300 tools/xlb-vm prepare 2>&1); then
	skip "no guest kernel: $(tail -n 1 <<<"$out")"
fi

out=$(XLB_VM_REQUESTS=20 XLB_VM_TIMEOUT=170 timeout 190 tools/vm-test.sh --smoke 2>&1)
rc=$?
# the cases' own lines, without the "[host] " prefix that vm-test.sh gives them
sed -nE 's/^\[[a-z]+\] ((PASS|FAIL|SKIP) .*)/\1/p' <<<"$out" >/tmp/xlb-vm-smoke.$$
cat /tmp/xlb-vm-smoke.$$
npass=$(grep -c '^PASS' /tmp/xlb-vm-smoke.$$)
nfail=$(grep -c '^FAIL' /tmp/xlb-vm-smoke.$$)
rm -f /tmp/xlb-vm-smoke.$$
grep -vE '^\[[a-z]+\] (PASS|FAIL) ' <<<"$out" | sed 's/^/    | /'
if [ "$rc" != 0 ] && [ "$nfail" = 0 ]; then
	echo "FAIL vm_smoke: tools/vm-test.sh --smoke exited $rc ($(tail -n 1 <<<"$out"))"
	nfail=$((nfail + 1))
elif [ "$npass" -lt 3 ]; then
	echo "FAIL vm_smoke: $npass cases passed, want nat v4, nat v6 and native XDP"
	nfail=$((nfail + 1))
fi
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
