// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* For backends and for the far ends of the lab's veth pairs. It strips the outer header that
 * ipip mode pushes (IPv4-in-IPv4, IPv6-in-IPv6), since many kernels have no ipip devices, and
 * passes everything else untouched. Being attached at all is half its job: a veth delivers
 * XDP_TX and redirected frames only to a peer that has an XDP program.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr l2;
	int outer;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == xlb_htons(XLB_ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end || iph->protocol != IPPROTO_IPIP ||
		    iph->ihl != 5 || (iph->frag_off & xlb_htons(0x3fff)))
			return XDP_PASS;
		outer = sizeof(*iph);
	} else if (eth->h_proto == xlb_htons(XLB_ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > data_end || ip6h->nexthdr != IPPROTO_IPV6)
			return XDP_PASS;
		outer = sizeof(*ip6h);
	} else {
		return XDP_PASS;
	}
	/* the inner packet is of the outer's family, so the EtherType stays as it is */
	__builtin_memcpy(&l2, eth, sizeof(l2));
	if (bpf_xdp_adjust_head(ctx, outer))
		return XDP_PASS;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth, &l2, sizeof(l2));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
