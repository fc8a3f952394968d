// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* For backends and for the far ends of the lab's veth pairs. It strips the outer header that
 * ipip mode pushes (IPv4-in-IPv4, IPv6-in-IPv6), since many kernels have no ipip devices, and
 * passes everything else untouched. Being attached at all is half its job: a veth delivers
 * XDP_TX and redirected frames only to a peer that has an XDP program. It unwraps only what a
 * balancer sent to this host (xlb_decap_allow, filled by user/dataplane.c); other IP-in-IP is
 * dropped and counted, since its inner source could be anything.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"

/* struct xlb_decap_key -> 1: the balancers' addresses (outer sources) and this host's
 * (outer destinations). Written by dataplane_peer_attach before the program is attached; not
 * pinned, it lives as long as the attached program.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct xlb_decap_key);
	__type(value, __u8);
} xlb_decap_allow SEC(".maps");

/* enum xlb_decap_stat -> per-CPU count. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_DECAP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xlb_decap_stats SEC(".maps");

static __always_inline void xlb_decap_count(__u32 stat)
{
	__u64 *c = bpf_map_lookup_elem(&xlb_decap_stats, &stat);

	if (c)
		(*c)++;
}

static __always_inline bool xlb_decap_allowed(const void *addr, __u8 family, __u8 kind)
{
	struct xlb_decap_key k = {};

	__builtin_memcpy(k.addr, addr, family == XLB_FAMILY_V4 ? 4 : 16);
	k.family = family;
	k.kind = kind;
	return bpf_map_lookup_elem(&xlb_decap_allow, &k) != NULL;
}

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
		if (!xlb_decap_allowed(&iph->saddr, XLB_FAMILY_V4, XLB_DECAP_SRC)) {
			xlb_decap_count(XLB_DECAP_DROP_SRC);
			return XDP_DROP;
		}
		if (!xlb_decap_allowed(&iph->daddr, XLB_FAMILY_V4, XLB_DECAP_DST)) {
			xlb_decap_count(XLB_DECAP_DROP_DST);
			return XDP_DROP;
		}
		outer = sizeof(*iph);
	} else if (eth->h_proto == xlb_htons(XLB_ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > data_end || ip6h->nexthdr != IPPROTO_IPV6)
			return XDP_PASS;
		if (!xlb_decap_allowed(&ip6h->saddr, XLB_FAMILY_V6, XLB_DECAP_SRC)) {
			xlb_decap_count(XLB_DECAP_DROP_SRC);
			return XDP_DROP;
		}
		if (!xlb_decap_allowed(&ip6h->daddr, XLB_FAMILY_V6, XLB_DECAP_DST)) {
			xlb_decap_count(XLB_DECAP_DROP_DST);
			return XDP_DROP;
		}
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
	xlb_decap_count(XLB_DECAP_STRIPPED);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
