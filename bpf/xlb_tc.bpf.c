// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb's datapath at tc (clsact ingress): the same source as the XDP one, built with XLB_TC, for
 * veth and other devices where an XDP redirect loses the skb's checksum state and GSO. It
 * shares every map with xlb.bpf.o (user/dataplane.c reuses them), so counters and flows are one.
 */
#define XLB_TC 1
#include "xlb.bpf.c"
