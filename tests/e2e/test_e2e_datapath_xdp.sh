#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_e2e_datapath's cases with xlb in native XDP on the balancer's veths, which needs TX
# checksum offload off on the hosts (an XDP redirect loses CHECKSUM_PARTIAL): the way xlb runs
# on NICs, kept working beside the tc hook that the lab uses by default.
# needs: netns
# timeout: 900
E2E_HOOK=xdp XLB_LAB_OFFLOADS=tx-off exec "$(dirname "$0")/test_e2e_datapath.sh" "$@"
