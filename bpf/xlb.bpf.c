// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb's XDP datapath. Every packet: parse -> classify (VIP, nat reply, ICMP, or not ours) ->
 * select a backend (flow table, else the VIP's Maglev table) -> rewrite (nat, dsr or ipip) ->
 * count -> verdict (XDP_TX, XDP_REDIRECT, XDP_PASS, XDP_DROP). Maps in xlb_maps.h, ABI in
 * xlb_shared.h; user/dataplane.c is the only writer of the maps.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb_maps.h"
#include "parse.h"
#include "csum.h"
#include "hash.h"

/* The same datapath at two hooks: XDP (xlb.bpf.o), or tc clsact ingress when built with XLB_TC
 * (xlb_tc.bpf.o), where the skb keeps its checksum state and GSO (a veth's locally sent TCP is
 * CHECKSUM_PARTIAL, which an XDP redirect loses). The difference stays in the few helpers
 * below: context, verdicts, sending (xlb_tx, xlb_emit_nh), room for new headers (xlb_grow,
 * xlb_trim) and the L4 checksum update (xlb_l4_csum). Everything else is common.
 */
#ifdef XLB_TC
#include <linux/pkt_cls.h>
#define xlb_md __sk_buff
#define XLB_PASS TC_ACT_OK
#define XLB_DROP TC_ACT_SHOT
#define XLB_ABORTED TC_ACT_SHOT /* tc has no verdict for a broken program */
#define XLB_SEC "tc"
#else
#define xlb_md xdp_md
#define XLB_PASS XDP_PASS
#define XLB_DROP XDP_DROP
#define XLB_ABORTED XDP_ABORTED
#define XLB_SEC "xdp"
#endif

#define XLB_AF_INET 2
#define XLB_AF_INET6 10
#define XLB_OUTER_TTL 64
#define XLB_IP_DF 0x4000

/* Maglev table size (positions), the same for every table in xlb_rings; set before load. */
const volatile __u32 xlb_ring_size = XLB_RING_SIZE_DEFAULT;
/* Buckets of xlb_flows minus one (their number is a power of two); set before load. */
const volatile __u32 xlb_flow_mask = XLB_FLOWS_DEFAULT / XLB_FLOW_WAYS - 1;
/* New flows a CPU takes ways for per second (2^30 ns); set before load. */
const volatile __u32 xlb_new_flow_rate = XLB_NEW_FLOW_RATE_DEFAULT;

struct xlb_ctx {
	struct xlb_md *xdp; /* the program's context: xdp_md, or __sk_buff at tc */
	struct xlb_global_stats *gs;
	const struct xlb_secret *secret; /* the flow hash's key */
	struct xlb_pkt p;
	__u64 len; /* frame length as received */
};

static __always_inline void xlb_count(void *map, __u32 id, __u64 bytes, bool new_flow)
{
	struct xlb_counters *c = bpf_map_lookup_elem(map, &id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
		c->new_flows += new_flow;
	}
}

static __always_inline void xlb_count_reply(void *map, __u32 id, __u64 bytes)
{
	struct xlb_counters *c = bpf_map_lookup_elem(map, &id);

	if (c) {
		c->reply_packets++;
		c->reply_bytes += bytes;
	}
}

static __always_inline int xlb_drop(struct xlb_ctx *x, enum xlb_drop reason)
{
	if (reason < XLB_DROP_MAX)
		x->gs->drop[reason]++;
	return XLB_DROP;
}

static __always_inline int xlb_pass(struct xlb_ctx *x)
{
	x->gs->path[XLB_PATH_PASS]++;
	return XLB_PASS;
}

static __always_inline void xlb_addr_copy(__be32 *to, const __be32 *from, __u8 family)
{
	to[0] = from[0];
	if (family == XLB_FAMILY_V6) {
		to[1] = from[1];
		to[2] = from[2];
		to[3] = from[3];
	}
}

/* The service key of one end of a flow: the destination's address and port (dst), else the
 * source's, with the flow's protocol and family; the rest of *k stays as the caller zeroed it.
 */
static __always_inline void xlb_service_key(struct xlb_vip_key *k, const struct xlb_flow_key *f,
					    bool dst)
{
	xlb_addr_copy(k->addr, dst ? f->dst : f->src, f->family);
	k->port = dst ? f->dport : f->sport;
	k->proto = f->proto;
	k->family = f->family;
}

/* The address entry of the packet's destination, or NULL when it is no VIP address. */
static __always_inline struct xlb_vip *xlb_vip_addr(const struct xlb_flow_key *k)
{
	struct xlb_vip_key vk = {};

	xlb_addr_copy(vk.addr, k->dst, k->family);
	vk.family = k->family;
	return bpf_map_lookup_elem(&xlb_vips, &vk);
}

/* A packet we could not fully parse: ours to drop only if it was sent to a VIP address. */
static __always_inline int xlb_reject(struct xlb_ctx *x, enum xlb_drop reason)
{
	if (xlb_vip_addr(&x->p.key))
		return xlb_drop(x, reason);
	return xlb_pass(x);
}

static __always_inline bool xlb_flow_key_eq(const struct xlb_flow_key *a,
					    const struct xlb_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/* The bucket of a flow hash, with the lines of its four ways already asked for. In a full 1M
 * table the bucket is a cache and TLB miss; a new flow then writes the way it chose, a miss
 * again, and a hit reads its way's key, which the header's tag pointed to: each after the
 * header's line came. Loads of the way lines here (volatile, so that they are kept although
 * unused) go out beside the header's, on the page walk already under way, so that the second
 * miss overlaps the first. xlb-bench, interleaved A/B at load 8-17: a new flow 10-19% less,
 * established unchanged; but a flood SYN that finds every way confirmed (no write follows) pays
 * for the four lines: its flood figure about 15% more (median 20.5x against 17.3x).
 */
static __always_inline struct xlb_flow_bucket *xlb_flow_bucket(__u32 hash)
{
	__u32 idx = hash & xlb_flow_mask;
	struct xlb_flow_bucket *b = bpf_map_lookup_elem(&xlb_flows, &idx);

	if (b) {
		XLB_UNROLL
		for (int i = 0; i < XLB_FLOW_WAYS; i++)
			(void)*(volatile __u32 *)&b->way[i].check;
	}
	return b;
}

/* The way of bucket b that holds the flow, or -1. Tags first: one cache line for a miss. */
static __always_inline int xlb_flow_find(struct xlb_flow_bucket *b, const struct xlb_flow_key *k,
					 __u32 hash)
{
	__u32 tag = xlb_flow_tag(hash);

	XLB_UNROLL
	for (int i = 0; i < XLB_FLOW_WAYS; i++) {
		struct xlb_flow *f = &b->way[i];

		if (b->tag[i] == tag && (b->flags[i] & XLB_FLOW_F_VALID) &&
		    xlb_flow_key_eq(&f->key, k) &&
		    f->check == xlb_flow_check(hash, f->backend_id, f->backend_gen))
			return i;
	}
	return -1;
}

/* The way a new flow may take, or -1: a free one, else a closed flow's, else the unconfirmed
 * flow idle longest; a confirmed flow only when may_evict (a SYN or a UDP datagram, never
 * another kind of miss) and it has been idle XLB_FLOW_IDLE_S. So a flood of new tuples churns
 * the unconfirmed ways and leaves established flows alone.
 */
static __always_inline int xlb_flow_victim(struct xlb_flow_bucket *b, __u32 now, bool may_evict)
{
	__u64 best = ~0ull;
	int victim = 0;

	XLB_UNROLL
	for (int i = 0; i < XLB_FLOW_WAYS; i++) {
		__u32 fl = b->flags[i];
		__u64 rank;

		if (!(fl & XLB_FLOW_F_VALID))
			return i;
		if (XLB_FLOW_CLOSED(fl))
			rank = 0;
		else
			rank = (fl & XLB_FLOW_F_CONFIRMED ? 2ull << 32 : 1ull << 32) | b->atime[i];
		if (rank < best) {
			best = rank;
			victim = i;
		}
	}
	if (best >> 32 == 2 && (!may_evict || (__s32)(now - (__u32)best) * 1073741824ll <
						      XLB_FLOW_IDLE_S * 1000000000ll))
		return -1;
	return victim;
}

/* One more new flow on this CPU in second now: false once the budget is spent. */
static __always_inline bool xlb_rate_take(__u32 now)
{
	__u32 zero = 0;
	struct xlb_rate *r = bpf_map_lookup_elem(&xlb_rate, &zero);

	if (!r)
		return false;
	if (r->second != now) {
		r->second = now;
		r->n = 0;
	}
	if (r->n >= xlb_new_flow_rate)
		return false;
	r->n++;
	return true;
}

/* Where a packet leaves: the egress device and both MACs, or why it cannot. */
enum xlb_nh_res {
	XLB_NH_OK = 0,
	XLB_NH_NO_NEIGH, /* routed, the neighbour unresolved: the kernel must forward it */
	XLB_NH_TOO_BIG,	 /* larger than the route's MTU (mtu says it) */
	XLB_NH_UNREACH,	 /* no route, or one the datapath cannot take */
};

struct xlb_nh {
	__u32 ifindex;
	__u32 mtu; /* XLB_NH_TOO_BIG: the MTU of the route */
	__u8 dmac[ETH_ALEN];
	__u8 smac[ETH_ALEN];
};

/* Next hop of a packet of l3_len bytes from src to dst. A backend with a cached next hop skips
 * the FIB (and its MTU check: the caller checks the device where it matters); otherwise
 * bpf_fib_lookup gives the egress device and both MACs, and checks l3_len against the MTU.
 */
static __always_inline enum xlb_nh_res xlb_nexthop(struct xlb_ctx *x, const struct xlb_backend *be,
						   __u8 family, const __be32 *src,
						   const __be32 *dst, __u32 l3_len,
						   struct xlb_nh *nh)
{
	struct bpf_fib_lookup fib = {};
	long ret;

	if (be && (be->flags & XLB_BE_F_NH_CACHED)) {
		__builtin_memcpy(nh->dmac, be->nh_dmac, ETH_ALEN);
		__builtin_memcpy(nh->smac, be->nh_smac, ETH_ALEN);
		nh->ifindex = be->nh_ifindex;
		return XLB_NH_OK;
	}
	fib.ifindex = x->xdp->ingress_ifindex;
#ifdef XLB_TC
	/* a GSO packet (up to 64 KiB) leaves as segments that GSO sizes: no MTU check on it */
	if (x->xdp->gso_segs > 1)
		l3_len = 0;
#endif
	/* 16 bits here: a longer packet still exceeds every MTU the lookup can report */
	fib.tot_len = l3_len > 0xffff ? 0xffff : l3_len;
	if (family == XLB_FAMILY_V4) {
		fib.family = XLB_AF_INET;
		fib.tos = x->p.tos;
		fib.ipv4_src = src[0];
		fib.ipv4_dst = dst[0];
	} else {
		fib.family = XLB_AF_INET6;
		__builtin_memcpy(fib.ipv6_src, src, 16);
		__builtin_memcpy(fib.ipv6_dst, dst, 16);
	}
	/* DIRECT: the main table (or the ingress device's VRF) without policy rules, about 20 ns
	 * less a packet; backends behind ip rules need a cached next hop
	 */
	ret = bpf_fib_lookup(x->xdp, &fib, sizeof(fib), BPF_FIB_LOOKUP_DIRECT);
	if (ret == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XLB_NH_NO_NEIGH;
	if (ret == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		nh->mtu = fib.mtu_result;
		return XLB_NH_TOO_BIG;
	}
	if (ret != BPF_FIB_LKUP_RET_SUCCESS)
		return XLB_NH_UNREACH;
	__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
	__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
	nh->ifindex = fib.ifindex;
	return XLB_NH_OK;
}

/* Back out of the device it came in by. */
static __always_inline int xlb_tx(struct xlb_ctx *x)
{
	x->gs->path[XLB_PATH_TX]++;
#ifdef XLB_TC
	return bpf_redirect(x->xdp->ingress_ifindex, 0);
#else
	return XDP_TX;
#endif
}

/* Sends the frame to next hop nh: back out when it leaves where it came in, else a redirect to
 * a device of xlb_tx_ports (at tc the map only says which devices are allowed).
 */
static __always_inline int xlb_emit_nh(struct xlb_ctx *x, const struct xlb_nh *nh)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct ethhdr *eth = data;
	long ret;

	if ((void *)(eth + 1) > data_end)
		return XLB_ABORTED; /* parsed before: cannot happen */
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	if (nh->ifindex == x->xdp->ingress_ifindex)
		return xlb_tx(x);
#ifdef XLB_TC
	{
		__u32 ifindex = nh->ifindex;

		if (!bpf_map_lookup_elem(&xlb_tx_ports, &ifindex))
			return xlb_drop(x, XLB_DROP_NO_TX_PORT);
		ret = bpf_redirect(ifindex, 0);
	}
	if (ret != TC_ACT_REDIRECT)
		return xlb_drop(x, XLB_DROP_NO_TX_PORT);
#else
	ret = bpf_redirect_map(&xlb_tx_ports, nh->ifindex, XDP_DROP);
	if (ret != XDP_REDIRECT)
		return xlb_drop(x, XLB_DROP_NO_TX_PORT);
#endif
	x->gs->path[XLB_PATH_REDIRECT]++;
	return ret;
}

/* The L2 header (with its VLAN tag, if any) of a frame whose front moved by delta bytes: copied
 * from where it was to the new front. delta is at least the L2 header's length, so the regions
 * do not overlap.
 */
static __always_inline int xlb_l2_move(void *data, void *data_end, __u32 l3_off, __u32 delta)
{
	void *from = data + (delta & XLB_OFF_MASK);

	if (from + 18 > data_end)
		return -1;
	if (l3_off == sizeof(struct ethhdr))
		__builtin_memcpy(data, from, sizeof(struct ethhdr));
	else
		__builtin_memcpy(data, from, sizeof(struct ethhdr) + 4);
	return 0;
}

/* Room for len bytes of new headers between the L2 header (at the front, l3_off long) and the
 * IP packet; the L2 header keeps its bytes. encap: the family of an outer IP header to come,
 * or 0. 0 or -1.
 */
static __always_inline int xlb_grow(struct xlb_ctx *x, __u32 len, __u32 l3_off, __u8 encap)
{
#ifdef XLB_TC
	/* an outer header: GSO then segments the inner packet and repeats the outer one */
	__u64 flags = encap == XLB_FAMILY_V4 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 :
		      encap == XLB_FAMILY_V6 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 :
					       0;

	(void)l3_off;
	if (bpf_skb_adjust_room(x->xdp, len, BPF_ADJ_ROOM_MAC, flags))
		return -1;
	return 0;
#else
	(void)encap;
	if (bpf_xdp_adjust_head(x->xdp, -(int)len))
		return -1;
	return xlb_l2_move((void *)(long)x->xdp->data, (void *)(long)x->xdp->data_end, l3_off, len);
#endif
}

/* The frame cut to len bytes (at tc all of them in the linear part, where they can be read). */
static __always_inline int xlb_trim(struct xlb_ctx *x, __u32 len)
{
#ifdef XLB_TC
	if (bpf_skb_change_tail(x->xdp, len, 0))
		return -1;
	return bpf_skb_pull_data(x->xdp, len) ? -1 : 0;
#else
	return bpf_xdp_adjust_tail(x->xdp, (int)len - (int)x->len) ? -1 : 0;
#endif
}

/* The TCP or UDP checksum at csum after a rewrite: pseudo is the difference of the words the
 * pseudo-header covers (addresses), other that of the rest (ports). At tc the kernel's helper
 * does it, since a CHECKSUM_PARTIAL skb holds only the pseudo-header sum there (and the offload
 * adds the rest); UDP's zero stays zero and a computed zero becomes 0xffff either way.
 */
static __always_inline void xlb_l4_csum(struct xlb_ctx *x, __u16 *csum, __u64 other, __u64 pseudo,
					__u8 proto)
{
#ifdef XLB_TC
	__u32 off = (__u32)((void *)csum - (void *)(long)x->xdp->data);
	__u64 mm = proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	bpf_l4_csum_replace(x->xdp, off, 0, xlb_csum_fold(pseudo), BPF_F_PSEUDO_HDR | mm);
	if (other)
		bpf_l4_csum_replace(x->xdp, off, 0, xlb_csum_fold(other), mm);
#else
	xlb_csum_apply_l4(csum, other + pseudo, proto);
#endif
}

/* The kernel forwards it (and resolves the neighbour); the next packets take the fast path.
 * Dropping instead would never resolve it.
 */
static __always_inline int xlb_fib_pass(struct xlb_ctx *x)
{
	x->gs->path[XLB_PATH_FIB_PASS]++;
	return XLB_PASS;
}

/* Next hop and verdict for a rewritten packet headed to dst. */
static __always_inline int xlb_emit(struct xlb_ctx *x, const struct xlb_backend *be, __u8 family,
				    const __be32 *src, const __be32 *dst, __u32 l3_len)
{
	struct xlb_nh nh = {};

	switch (xlb_nexthop(x, be, family, src, dst, l3_len, &nh)) {
	case XLB_NH_OK:
		return xlb_emit_nh(x, &nh);
	case XLB_NH_NO_NEIGH:
		return xlb_fib_pass(x);
	default:
		return xlb_drop(x, XLB_DROP_FIB);
	}
}

/* nat: destination address (and port) to the backend's; the L4 checksum covers both through
 * the pseudo-header.
 */
static __always_inline int xlb_nat_rewrite_dst(struct xlb_ctx *x, const struct xlb_backend *be)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct xlb_pkt *p = &x->p;
	void *l4 = xlb_at(data, p->l4_off);
	__u64 l4_diff = 0, port_diff = 0; /* pseudo-header (addresses), and the rest */
	__u16 *l4_csum;
	__be16 *dport;

	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return -1;
		l4_csum = &th->check;
		dport = &th->dest;
	} else {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return -1;
		l4_csum = &uh->check;
		dport = &uh->dest;
	}
	if (be->port && be->port != *dport) {
		port_diff = xlb_csum_diff16(*dport, be->port);
		*dport = be->port;
	}

	if (p->key.family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, p->l3_off);
		__u64 d;

		if ((void *)(iph + 1) > data_end)
			return -1;
		d = xlb_csum_diff32(iph->daddr, be->addr[0]);
		iph->daddr = be->addr[0];
		xlb_csum_apply(&iph->check, d);
		l4_diff += d;
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, p->l3_off);

		if ((void *)(ip6h + 1) > data_end)
			return -1;
		l4_diff += xlb_csum_diff_addr6((__u32 *)&ip6h->daddr, be->addr);
		__builtin_memcpy(&ip6h->daddr, be->addr, 16);
	}
	xlb_l4_csum(x, l4_csum, port_diff, l4_diff, p->key.proto);
	return 0;
}

/* ipip: push an outer IPv4 or IPv6 header between the L2 header and the packet. */
static __always_inline int xlb_encap(struct xlb_ctx *x, const struct xlb_backend *be)
{
	struct xlb_pkt *p = &x->p;
	int outer = p->key.family == XLB_FAMILY_V4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	void *data, *data_end;

	if (xlb_grow(x, outer, p->l3_off, p->key.family))
		return -1;
	data = (void *)(long)x->xdp->data;
	data_end = (void *)(long)x->xdp->data_end;

	if (p->key.family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, p->l3_off);
		struct iphdr *inner = (void *)(iph + 1);

		if ((void *)(inner + 1) > data_end)
			return -1;
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = p->tos;
		iph->tot_len = xlb_htons(p->l3_len + sizeof(*iph));
		iph->id = 0;
		iph->frag_off = inner->frag_off & xlb_htons(XLB_IP_DF);
		iph->ttl = XLB_OUTER_TTL;
		iph->protocol = IPPROTO_IPIP;
		iph->check = 0;
		iph->saddr = be->encap_src[0];
		iph->daddr = be->addr[0];
		iph->check = xlb_csum_ipv4_hdr((__u16 *)iph);
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, p->l3_off);

		if ((void *)(ip6h + 1) > data_end)
			return -1;
		*(__be32 *)ip6h = xlb_htonl(0x60000000 | ((__u32)p->tos << 20));
		ip6h->payload_len = xlb_htons(p->l3_len);
		ip6h->nexthdr = IPPROTO_IPV6;
		ip6h->hop_limit = XLB_OUTER_TTL;
		__builtin_memcpy(&ip6h->saddr, be->encap_src, 16);
		__builtin_memcpy(&ip6h->daddr, be->addr, 16);
	}
	return outer;
}

/* Bytes of the offending packet an ICMP error generated here quotes: its headers and more
 * than the 8 bytes of L4 header the client needs to find its socket (RFC 792, RFC 4443).
 */
#define XLB_ICMP_QUOTE 128
#define XLB_ICMP_TOO_BIG 2     /* ICMPv6 packet too big */
#define XLB_ICMP_FRAG_NEEDED 4 /* code of ICMP destination unreachable */

/* The packet does not fit the egress MTU once encapsulated: it becomes an ICMP
 * fragmentation-needed (IPv4) or packet-too-big (IPv6) from the VIP to the client, quoting its
 * first bytes and saying mtu, and goes back out of the device it came in by.
 */
static __always_inline int xlb_icmp_too_big(struct xlb_ctx *x, __u32 mtu)
{
	struct xlb_pkt *p = &x->p;
	__u32 l3 = p->l3_off & 0x1f; /* 14 or 18 */
	__u32 hdr = p->key.family == XLB_FAMILY_V4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	/* even, so that the checksum sums whole words */
	__u32 quote = (p->l3_len < XLB_ICMP_QUOTE ? p->l3_len : XLB_ICMP_QUOTE) & ~1u;
	void *data, *data_end;
	struct ethhdr *eth;
	__u8 *icmp;
	__u8 mac[ETH_ALEN];
	__u64 sum;

	/* the frame ends where the quote does, then grows the new headers in front */
	if (xlb_trim(x, l3 + quote) || xlb_grow(x, hdr + 8, l3, 0))
		return xlb_drop(x, XLB_DROP_ENCAP);
	data = (void *)(long)x->xdp->data;
	data_end = (void *)(long)x->xdp->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return xlb_drop(x, XLB_DROP_ENCAP);
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	icmp = xlb_at(data, l3 + hdr);
	if ((void *)(icmp + 8) > data_end)
		return xlb_drop(x, XLB_DROP_ENCAP);
	if (p->key.family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, l3);

		if ((void *)(iph + 1) > data_end)
			return xlb_drop(x, XLB_DROP_ENCAP);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = 0;
		iph->tot_len = xlb_htons(hdr + 8 + quote);
		iph->id = 0;
		iph->frag_off = 0;
		iph->ttl = XLB_OUTER_TTL;
		iph->protocol = IPPROTO_ICMP;
		iph->check = 0;
		iph->saddr = p->key.dst[0];
		iph->daddr = p->key.src[0];
		iph->check = xlb_csum_ipv4_hdr((__u16 *)iph);
		icmp[0] = XLB_ICMP_DEST_UNREACH;
		icmp[1] = XLB_ICMP_FRAG_NEEDED;
		*(__be16 *)(icmp + 4) = 0;
		*(__be16 *)(icmp + 6) = xlb_htons(mtu > 0xffff ? 0xffff : mtu);
		sum = 0;
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, l3);

		if ((void *)(ip6h + 1) > data_end)
			return xlb_drop(x, XLB_DROP_ENCAP);
		*(__be32 *)ip6h = xlb_htonl(0x60000000);
		ip6h->payload_len = xlb_htons(8 + quote);
		ip6h->nexthdr = IPPROTO_ICMPV6;
		ip6h->hop_limit = XLB_OUTER_TTL;
		__builtin_memcpy(&ip6h->saddr, p->key.dst, 16);
		__builtin_memcpy(&ip6h->daddr, p->key.src, 16);
		icmp[0] = XLB_ICMP_TOO_BIG;
		icmp[1] = 0;
		*(__be32 *)(icmp + 4) = xlb_htonl(mtu);
		/* pseudo-header: both addresses, the 32-bit length, the next header */
		sum = xlb_htons(8 + quote) + xlb_htons(IPPROTO_ICMPV6);
		XLB_UNROLL
		for (int i = 0; i < 4; i++)
			sum += (__u64)p->key.src[i] + p->key.dst[i];
	}
	*(__be16 *)(icmp + 2) = 0;
	sum += xlb_csum_bytes(icmp, data_end, 8 + quote);
	*(__u16 *)(icmp + 2) = (__u16)~xlb_csum_fold(sum);
	x->gs->path[XLB_PATH_TOO_BIG]++;
	return xlb_tx(x);
}

/* ipip: the outer header is pushed only when the result fits the egress MTU (the route's, or
 * the cached next hop's device). When it does not, the client hears of it by ICMP; an IPv4
 * packet without DF may be fragmented on the way, which XDP cannot do: it goes encapsulated to
 * the kernel, which fragments the outer packet (the backend reassembles before decapsulating).
 */
static __always_inline int xlb_ipip(struct xlb_ctx *x, const struct xlb_backend *be)
{
	struct xlb_pkt *p = &x->p;
	__u32 outer = p->key.family == XLB_FAMILY_V4 ? sizeof(struct iphdr) :
						       sizeof(struct ipv6hdr);
	__u32 len = p->l3_len + outer;
	struct xlb_nh nh = {};
	enum xlb_nh_res res;
	bool df = true;

	if (p->key.family == XLB_FAMILY_V4) {
		void *data = (void *)(long)x->xdp->data;
		void *data_end = (void *)(long)x->xdp->data_end;
		struct iphdr *iph = xlb_at(data, p->l3_off);

		if ((void *)(iph + 1) > data_end)
			return XLB_ABORTED; /* parsed before: cannot happen */
		df = iph->frag_off & xlb_htons(XLB_IP_DF);
	}
	/* the outer length field has 16 bits (IPv6: the payload, which is the inner packet) */
	if (len - (p->key.family == XLB_FAMILY_V6 ? outer : 0) > 0xffff)
		return xlb_drop(x, XLB_DROP_ENCAP);
#ifdef XLB_TC
	/* a GSO packet leaves as segments, each of which the kernel's GSO sizes */
	if (x->xdp->gso_segs > 1)
		len = 0;
#endif
	res = xlb_nexthop(x, be, p->key.family, be->encap_src, be->addr, len, &nh);
	if (len && res == XLB_NH_OK && (be->flags & XLB_BE_F_NH_CACHED)) {
		__u32 mtu = len;

		if (bpf_check_mtu(x->xdp, nh.ifindex, &mtu, 0, 0) == BPF_MTU_CHK_RET_FRAG_NEEDED) {
			nh.mtu = mtu;
			res = XLB_NH_TOO_BIG;
		}
	}
	if (res == XLB_NH_TOO_BIG && df)
		return xlb_icmp_too_big(x, nh.mtu > outer ? nh.mtu - outer : 0);
	if (res == XLB_NH_UNREACH)
		return xlb_drop(x, XLB_DROP_FIB);
	if (xlb_encap(x, be) < 0)
		return xlb_drop(x, XLB_DROP_ENCAP);
	if (res == XLB_NH_TOO_BIG) {
		x->gs->path[XLB_PATH_IPIP_FRAG]++;
		return XLB_PASS;
	}
	if (res == XLB_NH_NO_NEIGH)
		return xlb_fib_pass(x);
	return xlb_emit_nh(x, &nh);
}

/* Sends the packet to backend be by the VIP's mode. The packet's own addresses are in x->p. */
static __always_inline int xlb_to_backend(struct xlb_ctx *x, const struct xlb_vip *vip,
					  const struct xlb_backend *be)
{
	struct xlb_pkt *p = &x->p;

	switch (vip->mode) {
	case XLB_MODE_NAT:
		if (xlb_nat_rewrite_dst(x, be))
			return XLB_ABORTED; /* parsed before: cannot happen */
		return xlb_emit(x, be, p->key.family, p->key.src, be->addr, p->l3_len);
	case XLB_MODE_DSR:
		return xlb_emit(x, be, p->key.family, p->key.src, be->addr, p->l3_len);
	case XLB_MODE_IPIP:
		return xlb_ipip(x, be);
	}
	return XLB_ABORTED;
}

/* TCP payload bytes of the packet (0 when the header runs to the end of the IP packet). */
static __always_inline __u32 xlb_tcp_payload(struct xlb_ctx *x)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct xlb_pkt *p = &x->p;
	struct tcphdr *th = xlb_at(data, p->l4_off);
	__u32 hdrs;

	if ((void *)(th + 1) > data_end)
		return 0;
	hdrs = (p->l4_off - p->l3_off) + th->doff * 4;
	return p->l3_len > hdrs ? p->l3_len - hdrs : 0;
}

/* A client packet on its flow: what it says of the flow's state. Marks of an end are undone by
 * what a closed side no longer sends (data after a FIN, anything but RST after a RST); a flow
 * is confirmed by the handshake's last ACK (nat: once the backend answered too), or for UDP by
 * a second datagram where the backend's side is not seen.
 */
static __always_inline __u32 xlb_flow_client_flags(struct xlb_ctx *x, __u32 fl, __u8 mode)
{
	__u8 tf = x->p.tcp_flags;

	if (x->p.key.proto != IPPROTO_TCP) {
		if (mode != XLB_MODE_NAT)
			fl |= XLB_FLOW_F_CONFIRMED;
		return fl;
	}
	if (tf & XLB_TCP_RST)
		return fl | XLB_FLOW_F_RST_C;
	fl &= ~XLB_FLOW_F_RST_C;
	if (tf & XLB_TCP_FIN)
		fl |= XLB_FLOW_F_FIN_C;
	else if ((fl & XLB_FLOW_F_FIN_C) && xlb_tcp_payload(x))
		fl &= ~XLB_FLOW_F_FIN_C;
	if ((tf & (XLB_TCP_ACK | XLB_TCP_SYN)) == XLB_TCP_ACK) {
		fl |= XLB_FLOW_F_ACKED;
		if (mode != XLB_MODE_NAT || (fl & XLB_FLOW_F_REPLIED))
			fl |= XLB_FLOW_F_CONFIRMED;
	}
	return fl;
}

/* The backend id at a flow's position in VIP vip_id's Maglev table, or -1 when it has no
 * table. XLB_RING_LANES 16-bit ids share one element.
 */
static __always_inline int xlb_table_pick(__u32 vip_id, __u32 hash)
{
	__u32 pos = xlb_table_pos(hash, xlb_ring_size);
	__u32 elem = pos / XLB_RING_LANES;
	__u64 *lanes;
	void *table;

	table = bpf_map_lookup_elem(&xlb_rings, &vip_id);
	if (!table)
		return -1;
	lanes = bpf_map_lookup_elem(table, &elem);
	if (!lanes)
		return -1;
	return (*lanes >> ((pos % XLB_RING_LANES) * 16)) & 0xffff;
}

/* Backend id's active flows in xlb_be_active, moved by d: an atomic add, every CPU shares it. */
static __always_inline void xlb_active_add(__u32 id, __s64 d)
{
	__s64 *a = bpf_map_lookup_elem(&xlb_be_active, &id);

	if (a)
		__sync_fetch_and_add(a, d);
}

static __always_inline __s64 xlb_active_of(__u32 id)
{
	__s64 *a = bpf_map_lookup_elem(&xlb_be_active, &id);

	return a && *a > 0 ? *a : 0;
}

/* A way's new flags nf: a counted flow that begins to end leaves its backend's count. */
static __always_inline __u32 xlb_flow_uncount(__u32 nf, __u32 be_id)
{
	if ((nf & XLB_FLOW_F_COUNTED) && XLB_FLOW_ENDING(nf)) {
		xlb_active_add(be_id, -1);
		nf &= ~XLB_FLOW_F_COUNTED;
	}
	return nf;
}

/* Least outstanding requests: of the backend at the flow's position (first) and the one at a
 * second position, the one with fewer active flows; first on a tie, so that with no load the
 * choice is Maglev's own.
 */
static __always_inline int xlb_lor_pick(__u32 vip_id, __u32 pick_hash, int first)
{
	int second = xlb_table_pick(vip_id, xlb_pick_hash2(pick_hash));
	struct xlb_backend *be;
	__u32 b;

	if (second < 0 || second == first)
		return first;
	b = (__u32)second;
	be = bpf_map_lookup_elem(&xlb_backends, &b);
	if (!be || !(be->flags & XLB_BE_F_ACTIVE))
		return first;
	return xlb_active_of(b) < xlb_active_of((__u32)first) ? second : first;
}

/* The pick of a VIP with an algorithm flag: the table position of the client's address alone
 * (XLB_VIP_F_SRC_IP) or of the flow hash, then least outstanding requests' choice of two
 * (XLB_VIP_F_LOR); -1 when there is no table. A function of its own (global: verified once,
 * its stack apart from its caller's), called only for such VIPs.
 */
__noinline int xlb_algo_pick(const struct xlb_flow_key *k, const struct xlb_secret *s, __u32 hash,
			     __u32 vip_id, __u32 vip_flags)
{
	__u32 ph;
	int picked;

	if (!k || !s)
		return -1;
	ph = xlb_pick_hash(k, s, hash, (__u8)vip_flags);
	picked = xlb_table_pick(vip_id, ph);
	if (picked >= 0 && (vip_flags & XLB_VIP_F_LOR))
		picked = xlb_lor_pick(vip_id, ph, picked);
	return picked;
}

/* A packet for a VIP service: the flow's backend if it still has one, else Maglev's pick. */
static __always_inline int xlb_forward(struct xlb_ctx *x, const struct xlb_vip *vip)
{
	struct xlb_pkt *p = &x->p;
	__u32 now = bpf_ktime_get_coarse_ns() >> 30;
	__u32 hash = xlb_flow_hash(&p->key, x->secret);
	enum xlb_path path = XLB_PATH_FLOW_NEW;
	bool syn = (p->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
	struct xlb_flow_bucket *bucket;
	struct xlb_backend *be;
	struct xlb_flow *fl;
	__u32 be_id, flags;
	int w, picked;

	bucket = xlb_flow_bucket(hash);
	if (!bucket)
		return XLB_ABORTED; /* the index is masked to the array: cannot happen */
	w = xlb_flow_find(bucket, &p->key, hash);
	/* A pure SYN on a live 5-tuple is a client reusing a port only when that flow is closed,
	 * not yet confirmed (a retransmitted SYN: same pick unless the table changed) or long
	 * idle; then it takes the same way with a new pick, so that it lands on no draining or
	 * departed backend. Otherwise it is a retransmission or spoofed, and changes nothing.
	 */
	if (w >= 0) {
		w &= XLB_FLOW_WAYS - 1;
		flags = bucket->flags[w];
		if (syn && (XLB_FLOW_CLOSED(flags) || !(flags & XLB_FLOW_F_CONFIRMED) ||
			    (__s32)(now - bucket->atime[w]) * 1073741824ll >=
				    XLB_FLOW_IDLE_S * 1000000000ll))
			goto pick;
		fl = &bucket->way[w];
		be_id = fl->backend_id;
		be = bpf_map_lookup_elem(&xlb_backends, &be_id);
		if (be && (be->flags & XLB_BE_F_ACTIVE) && be->gen == fl->backend_gen) {
			__u32 nf = syn ? flags : xlb_flow_client_flags(x, flags, vip->mode);

			if (bucket->atime[w] != now)
				bucket->atime[w] = now;
			if (nf != flags)
				bucket->flags[w] = xlb_flow_uncount(nf, be_id);
			x->gs->path[XLB_PATH_FLOW_HIT]++;
			xlb_count(&xlb_vip_stats, vip->id, x->len, false);
			xlb_count(&xlb_be_stats, be_id, x->len, false);
			return xlb_to_backend(x, vip, be);
		}
		path = XLB_PATH_FLOW_MOVED; /* its backend is gone for good: same way, new pick */
	} else {
		/* A miss that is no SYN (nor UDP) belongs to a flow another node or an earlier
		 * table served: Maglev's backend, a way only if one is free or unconfirmed.
		 */
		w = xlb_flow_victim(bucket, now, syn || p->key.proto == IPPROTO_UDP);
		if (w >= 0 && !xlb_rate_take(now))
			w = -1;
		if (w < 0)
			path = XLB_PATH_FLOW_NO_WAY;
	}
pick:
	/* the VIP's flags are read here only: a flow hit never looks at them */
	if (vip->flags & (XLB_VIP_F_SRC_IP | XLB_VIP_F_LOR))
		picked = xlb_algo_pick(&p->key, x->secret, hash, vip->id, vip->flags);
	else
		picked = xlb_table_pick(vip->id, hash);
	if (picked < 0)
		return xlb_drop(x, XLB_DROP_NO_BACKEND);
	be_id = picked;
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be || !(be->flags & XLB_BE_F_ACTIVE))
		return xlb_drop(x, XLB_DROP_NO_BACKEND);

	if (w >= 0) {
		w &= XLB_FLOW_WAYS - 1;
		/* the tag last: a reader that matches it finds the rest, or a check that fails */
		fl = &bucket->way[w];
		/* the flow this way held leaves its backend's count */
		if (bucket->flags[w] & XLB_FLOW_F_COUNTED)
			xlb_active_add(fl->backend_id, -1);
		fl->key = p->key;
		fl->backend_id = be_id;
		fl->backend_gen = be->gen;
		fl->vip_id = vip->id;
		fl->check = xlb_flow_check(hash, be_id, be->gen);
		bucket->atime[w] = now;
		/* a flow met in the middle (no SYN) starts as if its handshake were under way */
		flags = syn ? XLB_FLOW_F_VALID :
			      xlb_flow_client_flags(x, XLB_FLOW_F_VALID, XLB_MODE_NAT) &
					~XLB_FLOW_F_CONFIRMED;
		if ((vip->flags & XLB_VIP_F_LOR) && !XLB_FLOW_ENDING(flags)) {
			flags |= XLB_FLOW_F_COUNTED;
			xlb_active_add(be_id, 1);
		}
		bucket->flags[w] = flags;
		bucket->tag[w] = xlb_flow_tag(hash);
	}

	x->gs->path[path]++;
	xlb_count(&xlb_vip_stats, vip->id, x->len, true);
	xlb_count(&xlb_be_stats, be_id, x->len, true);
	return xlb_to_backend(x, vip, be);
}

/* Where flow k is: bucket * XLB_FLOW_WAYS + way, or -1. */
static __always_inline int xlb_flow_locate(const struct xlb_flow_key *k, const struct xlb_secret *s)
{
	__u32 h = xlb_flow_hash(k, s), idx = h & xlb_flow_mask;
	struct xlb_flow_bucket *b = xlb_flow_bucket(h);
	int w;

	if (!b)
		return -1;
	w = xlb_flow_find(b, k, h);
	return w < 0 ? -1 : (int)(idx * XLB_FLOW_WAYS + w);
}

/* Whether backend be is the one that sent a reply from sk (its address, port, family): its
 * port after nat's rewrite is be->port, or the VIP's port where the backend keeps it.
 */
static __always_inline bool xlb_nat_from(const struct xlb_vip_key *sk, const struct xlb_backend *be,
					 __be16 vip_port)
{
	if (be->family != sk->family || be->addr[0] != sk->addr[0] ||
	    (be->port ? be->port : vip_port) != sk->port)
		return false;
	return sk->family == XLB_FAMILY_V4 ||
	       (be->addr[1] == sk->addr[1] && be->addr[2] == sk->addr[2] &&
		be->addr[3] == sk->addr[3]);
}

/* The flow fk (client -> one VIP of the backend sk) as the backend's reply sees it: its place
 * (bucket * XLB_FLOW_WAYS + way) when its backend is sk, -2 when it is another backend's, -1
 * when there is none. Functions of their own (global: the verifier checks each once, not at
 * every turn of the loops over a backend's VIPs).
 */
__noinline int xlb_nat_flow(const struct xlb_flow_key *fk, const struct xlb_vip_key *sk,
			    const struct xlb_secret *s)
{
	struct xlb_flow_bucket *b;
	struct xlb_backend *be;
	struct xlb_flow *fl;
	__u32 idx, id;
	int loc;

	if (!fk || !sk || !s)
		return -1;
	loc = xlb_flow_locate(fk, s);
	if (loc < 0)
		return -1;
	idx = (__u32)loc / XLB_FLOW_WAYS;
	b = bpf_map_lookup_elem(&xlb_flows, &idx);
	if (!b)
		return -1;
	fl = &b->way[loc & (XLB_FLOW_WAYS - 1)];
	id = fl->backend_id;
	be = bpf_map_lookup_elem(&xlb_backends, &id);
	if (!be || be->gen != fl->backend_gen || !xlb_nat_from(sk, be, fk->dport))
		return -2;
	return loc;
}

/* With no flow fk: the backend id Maglev gives fk in VIP vip_id's table if it is sk, else -1.
 * The position is the one xlb_forward picks by (the client's address alone for a source_ip
 * VIP); for least outstanding requests either of the two candidates may have been taken.
 */
/* The flags of flow fk's VIP (its destination), 0 when there is none. A function of its own:
 * its key stays off the stack of its caller, which the verifier's limit leaves no room for.
 */
__noinline int xlb_vip_flags_of(const struct xlb_flow_key *fk)
{
	struct xlb_vip_key vk = {};
	struct xlb_vip *vip;

	if (!fk)
		return 0;
	xlb_service_key(&vk, fk, true);
	vip = bpf_map_lookup_elem(&xlb_vips, &vk);
	return vip ? vip->flags : 0;
}

/* The backend of VIP vip_id a new flow fk was given if it is sk, else -1 (see xlb_nat_maglev).
 * Apart from xlb_nat_maglev so that the deepest chain of calls keeps within the stack limit.
 */
__noinline int xlb_nat_pick(const struct xlb_flow_key *fk, const struct xlb_vip_key *sk,
			    const struct xlb_secret *s, __u32 vip_id)
{
	struct xlb_backend *be;
	__u32 be_id, h;
	__u8 vflags;
	int picked, second;

	if (!fk || !sk || !s)
		return -1;
	vflags = (__u8)xlb_vip_flags_of(fk);
	h = xlb_pick_hash(fk, s, xlb_flow_hash(fk, s), vflags);
	picked = xlb_table_pick(vip_id, h);
	if (picked < 0)
		return -1;
	be_id = picked;
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (be && (be->flags & XLB_BE_F_ACTIVE) && xlb_nat_from(sk, be, fk->dport))
		return (int)be_id;
	if (!(vflags & XLB_VIP_F_LOR))
		return -1;
	second = xlb_table_pick(vip_id, xlb_pick_hash2(h));
	if (second < 0)
		return -1;
	be_id = second;
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (be && (be->flags & XLB_BE_F_ACTIVE) && xlb_nat_from(sk, be, fk->dport))
		return (int)be_id;
	return -1;
}

__noinline int xlb_nat_maglev(const struct xlb_flow_key *fk, const struct xlb_vip_key *sk,
			      const struct xlb_secret *s, __u32 vip_id)
{
	if (!fk || !sk || !s || xlb_nat_flow(fk, sk, s) != -1)
		return -1;
	return xlb_nat_pick(fk, sk, s, vip_id);
}

/* Whether the packet is addressed to this host (the kernel's routes say local). */
static __always_inline bool xlb_to_host(struct xlb_ctx *x)
{
	struct bpf_fib_lookup fib = {};
	struct xlb_pkt *p = &x->p;

	fib.ifindex = x->xdp->ingress_ifindex;
	fib.tot_len = p->l3_len;
	if (p->key.family == XLB_FAMILY_V4) {
		fib.family = XLB_AF_INET;
		fib.ipv4_src = p->key.src[0];
		fib.ipv4_dst = p->key.dst[0];
	} else {
		fib.family = XLB_AF_INET6;
		__builtin_memcpy(fib.ipv6_src, p->key.src, 16);
		__builtin_memcpy(fib.ipv6_dst, p->key.dst, 16);
	}
	return bpf_fib_lookup(x->xdp, &fib, sizeof(fib), 0) == BPF_FIB_LKUP_RET_NOT_FWDED;
}

/* Whether the packet is addressed to another node of the cluster (xlb_nat_peers). */
static __always_inline bool xlb_to_peer(const struct xlb_pkt *p)
{
	struct xlb_vip_key k = { .family = p->key.family };

	xlb_addr_copy(k.addr, p->key.dst, p->key.family);
	return bpf_map_lookup_elem(&xlb_nat_peers, &k) != NULL;
}

/* nat, backend-facing side: a reply from a backend to a client leaves as the VIP. Whose reply
 * it is: the flow it answers (client -> one of the VIPs the backend serves), if that flow's
 * backend is the sender; else, with no flow (evicted, or served by another balancer node),
 * the VIP recovered statelessly: the backend's only VIP on that port, or the one candidate
 * for which Maglev gives this backend for this client. Anything else is dropped and counted,
 * never sent on with the backend's own address, except what goes to this host itself (the
 * answers to xlbd's health checks).
 */
static __always_inline int xlb_nat_reply(struct xlb_ctx *x)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct xlb_pkt *p = &x->p;
	void *l4 = xlb_at(data, p->l4_off);
	struct xlb_flow_key fk = {};
	struct xlb_vip_key sk = {};
	struct xlb_nat_src *ns;
	int found = -1, loc = -1, n;
	__be32 *vip_addr = NULL;
	__be16 vip_port = 0;
	__u32 vip_id = 0, be_id = 0;
	bool be_known = true; /* false: recovered from the only VIP, no backend id at hand */
	__u64 l4_diff = 0, port_diff = 0; /* pseudo-header (addresses), and the rest */
	__u16 *l4_csum;
	__be16 *sport;

	xlb_service_key(&sk, &p->key, false);
	ns = bpf_map_lookup_elem(&xlb_nat_src, &sk);
	if (!ns)
		return xlb_pass(x);
	n = ns->n;

	xlb_addr_copy(fk.src, p->key.dst, p->key.family);
	fk.sport = p->key.dport;
	fk.proto = p->key.proto;
	fk.family = p->key.family;
	for (int i = 0; i < XLB_NAT_SRC_VIPS; i++) {
		if (i >= n)
			break;
		xlb_addr_copy(fk.dst, ns->vip[i].addr, p->key.family);
		fk.dport = ns->vip[i].port;
		loc = xlb_nat_flow(&fk, &sk, x->secret);
		if (loc >= 0) {
			found = i;
			break;
		}
		/* the only VIP, served by another backend for this client: a forgery, unless it
		 * answers another node's health check
		 */
		if (loc == -2 && n == 1)
			return xlb_to_peer(p) ? xlb_pass(x) : xlb_drop(x, XLB_DROP_NAT_NO_FLOW);
	}
	/* no flow, and addressed to this host or to another cluster node (the answer to a
	 * health check): not a client's
	 */
	if (loc < 0 && (xlb_to_peer(p) || xlb_to_host(x)))
		return xlb_pass(x);
	if (loc >= 0) {
		__u32 idx = (__u32)loc / XLB_FLOW_WAYS, f, nf;
		struct xlb_flow_bucket *b = bpf_map_lookup_elem(&xlb_flows, &idx);
		int w = loc & (XLB_FLOW_WAYS - 1);

		if (!b)
			return XLB_ABORTED; /* found there just now: cannot happen */
		be_id = b->way[w].backend_id;
		/* the backend's side of the flow: it answered, and maybe ends it */
		f = b->flags[w];
		nf = f | XLB_FLOW_F_REPLIED;
		if (p->tcp_flags & XLB_TCP_RST)
			nf |= XLB_FLOW_F_RST_S;
		if (p->tcp_flags & XLB_TCP_FIN)
			nf |= XLB_FLOW_F_FIN_S;
		if (p->key.proto != IPPROTO_TCP || (nf & XLB_FLOW_F_ACKED))
			nf |= XLB_FLOW_F_CONFIRMED;
		if (nf != f)
			b->flags[w] = xlb_flow_uncount(nf, be_id);
		idx = bpf_ktime_get_coarse_ns() >> 30;
		if (b->atime[w] != idx)
			b->atime[w] = idx;
	} else if (n == 1) {
		/* no flow: the backend's only VIP on that port is whose reply it is */
		found = 0;
		be_known = false;
		x->gs->path[XLB_PATH_NAT_STATELESS]++;
	} else {
		/* no flow: the one VIP for which Maglev gives this backend for this client */
		int cands = 0;

		for (int i = 0; i < XLB_NAT_SRC_VIPS; i++) {
			int id;

			if (i >= n)
				break;
			xlb_addr_copy(fk.dst, ns->vip[i].addr, p->key.family);
			fk.dport = ns->vip[i].port;
			id = xlb_nat_maglev(&fk, &sk, x->secret, ns->vip[i].id);
			if (id < 0)
				continue;
			if (++cands > 1)
				break;
			found = i;
			be_id = (__u32)id;
		}
		if (cands != 1)
			return xlb_drop(x, XLB_DROP_NAT_NO_FLOW);
		x->gs->path[XLB_PATH_NAT_STATELESS]++;
	}
	found &= XLB_NAT_SRC_VIPS - 1;
	vip_addr = ns->vip[found].addr;
	vip_port = ns->vip[found].port;
	vip_id = ns->vip[found].id;

	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return XLB_ABORTED;
		l4_csum = &th->check;
		sport = &th->source;
	} else {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return XLB_ABORTED;
		l4_csum = &uh->check;
		sport = &uh->source;
	}
	if (*sport != vip_port) {
		port_diff = xlb_csum_diff16(*sport, vip_port);
		*sport = vip_port;
	}
	if (p->key.family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, p->l3_off);
		__u64 d;

		if ((void *)(iph + 1) > data_end)
			return XLB_ABORTED;
		d = xlb_csum_diff32(iph->saddr, vip_addr[0]);
		iph->saddr = vip_addr[0];
		xlb_csum_apply(&iph->check, d);
		l4_diff += d;
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, p->l3_off);

		if ((void *)(ip6h + 1) > data_end)
			return XLB_ABORTED;
		l4_diff += xlb_csum_diff_addr6((__u32 *)&ip6h->saddr, vip_addr);
		__builtin_memcpy(&ip6h->saddr, vip_addr, 16);
	}
	xlb_l4_csum(x, l4_csum, port_diff, l4_diff, p->key.proto);
	x->gs->path[XLB_PATH_NAT_REPLY]++;
	xlb_count_reply(&xlb_vip_stats, vip_id, x->len);
	if (be_known)
		xlb_count_reply(&xlb_be_stats, be_id, x->len);
	return xlb_emit(x, NULL, p->key.family, vip_addr, p->key.dst, p->l3_len);
}

/* The packet's source is a unicast address: no IPv4 broadcast, multicast or 0.0.0.0 (nor
 * class E), no IPv6 multicast or ::.
 */
static __always_inline bool xlb_ip_unicast(const struct xlb_pkt *p)
{
	const __u8 *a = (const __u8 *)p->key.src;

	if (p->key.family == XLB_FAMILY_V4)
		return a[0] < 224 && p->key.src[0] != 0;
	return a[0] != 0xff && (p->key.src[0] | p->key.src[1] | p->key.src[2] | p->key.src[3]);
}

/* Echo request to a VIP address: answered in place, back out of the ingress device. */
static __always_inline int xlb_icmp_echo(struct xlb_ctx *x)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct xlb_pkt *p = &x->p;
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];
	__u16 *ic = xlb_at(data, p->l4_off);
	__u16 old;

	if ((void *)(eth + 1) > data_end || (void *)(ic + 2) > data_end)
		return XLB_ABORTED;
	/* a request sent to a group (broadcast or multicast MAC), or from one (a group source
	 * MAC or IP is forged), gets no answer here: the reply would come from a group address
	 */
	if ((eth->h_dest[0] & 1) || (eth->h_source[0] & 1) || !xlb_ip_unicast(p))
		return xlb_pass(x);
	/* type 8 -> 0 (v4), 128 -> 129 (v6); swapping the addresses changes no checksum */
	old = ic[0];
	((__u8 *)ic)[0] = p->key.family == XLB_FAMILY_V4 ? XLB_ICMP_ECHOREPLY :
							   XLB_ICMP6_ECHO_REPLY;
	xlb_csum_apply(&ic[1], xlb_csum_diff16(old, ic[0]));
	/* ICMPv4 has no pseudo-header: a reply all zero (type 0, code 0, id, sequence and data
	 * zero) sums to 0 and needs 0xffff, which the update cannot tell from 0x0000 (it gives
	 * 0x0000). 0xffff is right for any message whose sum is zero, so it is always sent.
	 */
	if (p->key.family == XLB_FAMILY_V4 && ic[1] == 0)
		ic[1] = 0xffff;

	if (p->key.family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, p->l3_off);
		__u16 *ttl_word;

		if ((void *)(iph + 1) > data_end)
			return XLB_ABORTED;
		iph->saddr = p->key.dst[0];
		iph->daddr = p->key.src[0];
		ttl_word = (__u16 *)&iph->ttl;
		old = *ttl_word;
		iph->ttl = XLB_OUTER_TTL;
		xlb_csum_apply(&iph->check, xlb_csum_diff16(old, *ttl_word));
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, p->l3_off);

		if ((void *)(ip6h + 1) > data_end)
			return XLB_ABORTED;
		__builtin_memcpy(&ip6h->saddr, p->key.dst, 16);
		__builtin_memcpy(&ip6h->daddr, p->key.src, 16);
		ip6h->hop_limit = XLB_OUTER_TTL;
	}
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	x->gs->path[XLB_PATH_ICMP_ECHO]++;
	return xlb_tx(x);
}

/* nat: the error must reach the backend as if about its own packet, so the quoted source
 * (the VIP) becomes the backend too. Every word changed inside the ICMP message goes into its
 * checksum; for ICMPv6 the outer destination does as well (pseudo-header).
 */
static __always_inline int xlb_icmp_error_nat(struct xlb_ctx *x, const struct xlb_pkt *q,
					      const struct xlb_backend *be)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct xlb_pkt *p = &x->p;
	__u16 *ic = xlb_at(data, p->l4_off);
	__be16 *qports = xlb_at(data, q->l4_off);
	/* the quoted TCP or UDP checksum, when the quote holds it (it may be cut): inside the
	 * ICMP message as its IP length says, not in padding after it
	 */
	__u32 qcsum_off = q->l4_off + (q->key.proto == IPPROTO_TCP ? 16 : 6);
	__u16 *qcsum = xlb_at(data, qcsum_off);
	__u64 diff = 0, qdiff = 0;

	if ((void *)(ic + 2) > data_end || (void *)(qports + 2) > data_end)
		return -1;
	if (be->port && qports[0] != be->port) {
		qdiff += xlb_csum_diff16(qports[0], be->port);
		qports[0] = be->port;
	}
	if (p->key.family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, p->l3_off);
		struct iphdr *qiph = xlb_at(data, q->l3_off);
		__u64 d;
		__u16 old;

		if ((void *)(iph + 1) > data_end || (void *)(qiph + 1) > data_end)
			return -1;
		d = xlb_csum_diff32(iph->daddr, be->addr[0]);
		iph->daddr = be->addr[0];
		xlb_csum_apply(&iph->check, d);

		d = xlb_csum_diff32(qiph->saddr, be->addr[0]);
		qiph->saddr = be->addr[0];
		old = qiph->check;
		xlb_csum_apply(&qiph->check, d);
		diff += xlb_csum_diff16(old, qiph->check);
		qdiff += d;
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, p->l3_off);
		struct ipv6hdr *qip6h = xlb_at(data, q->l3_off);

		if ((void *)(ip6h + 1) > data_end || (void *)(qip6h + 1) > data_end)
			return -1;
		diff += xlb_csum_diff_addr6((__u32 *)&ip6h->daddr, be->addr);
		__builtin_memcpy(&ip6h->daddr, be->addr, 16);
		qdiff += xlb_csum_diff_addr6((__u32 *)&qip6h->saddr, be->addr);
		__builtin_memcpy(&qip6h->saddr, be->addr, 16);
	}
	/* qdiff: the quote's address and port, in the ICMP checksum; and the quoted segment's
	 * own checksum back to what the backend sent (its pseudo-header and port changed), a
	 * word of the ICMP message too
	 */
	diff += qdiff;
	if ((q->key.proto == IPPROTO_TCP || q->key.proto == IPPROTO_UDP) &&
	    qcsum_off + 2 <= p->l3_off + p->l3_len && (void *)(qcsum + 1) <= data_end) {
		__u16 old = *qcsum;

		xlb_csum_apply_l4(qcsum, qdiff, q->key.proto);
		diff += xlb_csum_diff16(old, *qcsum);
	}
	xlb_csum_apply(&ic[1], diff);
	return 0;
}

/* An ICMP error about a packet a VIP sent (fragmentation needed, packet too big, ...): it
 * belongs to the backend that serves the quoted flow.
 */
static __always_inline int xlb_icmp_error(struct xlb_ctx *x)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct xlb_pkt *p = &x->p;
	struct xlb_pkt q = {};
	struct xlb_flow_key fk = {};
	struct xlb_vip_key vk = {};
	struct xlb_backend *be;
	struct xlb_flow *fl;
	struct xlb_vip *vip;
	__u32 be_id;
	int res;

	res = xlb_parse_quoted(data, data_end, p->l4_off + 8, p->key.family, &q);
	if (res == XLB_PARSE_TRUNCATED)
		return xlb_drop(x, XLB_DROP_TRUNCATED);
	if (res != XLB_PARSE_OK)
		return xlb_pass(x);

	xlb_service_key(&vk, &q.key, false); /* the quoted packet came from the VIP */
	vip = bpf_map_lookup_elem(&xlb_vips, &vk);
	if (!vip)
		return xlb_pass(x);

	/* the flow as the client sent it: the quoted packet reversed */
	xlb_addr_copy(fk.src, q.key.dst, q.key.family);
	xlb_addr_copy(fk.dst, q.key.src, q.key.family);
	fk.sport = q.key.dport;
	fk.dport = q.key.sport;
	fk.proto = q.key.proto;
	fk.family = q.key.family;
	{
		__u32 hash = xlb_flow_hash(&fk, x->secret);
		struct xlb_flow_bucket *b = xlb_flow_bucket(hash);
		int w = b ? xlb_flow_find(b, &fk, hash) : -1;

		if (w < 0)
			return xlb_drop(x, XLB_DROP_ICMP_NO_FLOW);
		fl = &b->way[w & (XLB_FLOW_WAYS - 1)];
	}
	be_id = fl->backend_id;
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be || !(be->flags & XLB_BE_F_ACTIVE) || be->gen != fl->backend_gen)
		return xlb_drop(x, XLB_DROP_ICMP_NO_FLOW);

	x->gs->path[XLB_PATH_ICMP_ERROR]++;
	xlb_count(&xlb_vip_stats, vip->id, x->len, false);
	xlb_count(&xlb_be_stats, be_id, x->len, false);
	switch (vip->mode) {
	case XLB_MODE_NAT:
		if (xlb_icmp_error_nat(x, &q, be))
			return XLB_ABORTED;
		return xlb_emit(x, be, p->key.family, p->key.src, be->addr, p->l3_len);
	case XLB_MODE_DSR:
	case XLB_MODE_IPIP:
		return xlb_to_backend(x, vip, be);
	}
	return XLB_ABORTED;
}

static __always_inline bool xlb_icmp_is_error(const struct xlb_pkt *p)
{
	if (p->key.family == XLB_FAMILY_V4)
		return p->icmp_type == XLB_ICMP_DEST_UNREACH ||
		       p->icmp_type == XLB_ICMP_TIME_EXCEEDED;
	return p->icmp_type >= XLB_ICMP6_DEST_UNREACH && p->icmp_type <= XLB_ICMP6_TIME_EXCEEDED;
}

/* nat, backend-facing side: an ICMP error (port unreachable, fragmentation needed, packet too
 * big...) that a backend, or a router on its side, sends to a client about a packet of a nat
 * flow. It leaves as if the VIP had sent it: outer source, and in the quoted packet the
 * destination address and port, with the quoted IPv4 header checksum, the quoted L4 checksum
 * (where the quote holds it) and the ICMP checksum. A quote of a nat backend's service that
 * matches no flow of that backend is dropped, never passed with the backend's address in it.
 */
static __always_inline int xlb_nat_icmp(struct xlb_ctx *x)
{
	void *data = (void *)(long)x->xdp->data;
	void *data_end = (void *)(long)x->xdp->data_end;
	struct xlb_pkt *p = &x->p;
	struct xlb_pkt q = {};
	struct xlb_vip_key sk = {};
	struct xlb_flow_key fk = {};
	struct xlb_backend *be = NULL;
	struct xlb_nat_src *ns;
	__be32 *vip_addr = NULL;
	__be16 vip_port = 0;
	__u32 vip_id = 0, be_id = 0;
	__u64 diff = 0, l4_diff = 0;
	__u16 *ic, *qcsum = NULL;
	__be16 *qports;

	if (!xlb_icmp_is_error(p))
		return xlb_pass(x);
	if (xlb_parse_quoted(data, data_end, p->l4_off + 8, p->key.family, &q) != XLB_PARSE_OK)
		return xlb_pass(x);
	/* the quoted packet went client -> backend: its destination is the nat source */
	xlb_service_key(&sk, &q.key, true);
	ns = bpf_map_lookup_elem(&xlb_nat_src, &sk);
	if (!ns)
		return xlb_pass(x);

	xlb_addr_copy(fk.src, q.key.src, q.key.family);
	fk.sport = q.key.sport;
	fk.proto = q.key.proto;
	fk.family = q.key.family;
	for (int i = 0; i < XLB_NAT_SRC_VIPS; i++) {
		struct xlb_flow_bucket *b;
		struct xlb_flow *fl;
		__u32 hash;
		int w;

		if (i >= ns->n)
			break;
		xlb_addr_copy(fk.dst, ns->vip[i].addr, q.key.family);
		fk.dport = ns->vip[i].port;
		hash = xlb_flow_hash(&fk, x->secret);
		b = xlb_flow_bucket(hash);
		if (!b)
			break;
		w = xlb_flow_find(b, &fk, hash);
		if (w < 0)
			continue;
		/* only the flow's own backend speaks for it */
		fl = &b->way[w & (XLB_FLOW_WAYS - 1)];
		be_id = fl->backend_id;
		be = bpf_map_lookup_elem(&xlb_backends, &be_id);
		if (be && be->gen == fl->backend_gen && be->addr[0] == q.key.dst[0] &&
		    (q.key.family == XLB_FAMILY_V4 ||
		     (be->addr[1] == q.key.dst[1] && be->addr[2] == q.key.dst[2] &&
		      be->addr[3] == q.key.dst[3]))) {
			vip_addr = ns->vip[i].addr;
			vip_port = ns->vip[i].port;
			vip_id = ns->vip[i].id;
			break;
		}
	}
	if (!vip_addr)
		return xlb_drop(x, XLB_DROP_ICMP_NO_FLOW);

	ic = xlb_at(data, p->l4_off);
	qports = xlb_at(data, q.l4_off);
	if ((void *)(ic + 4) > data_end || (void *)(qports + 4) > data_end)
		return XLB_ABORTED; /* parsed before: cannot happen */
	if (q.key.proto == IPPROTO_UDP) {
		qcsum = &qports[3];
	} else {
		__u16 *th = (__u16 *)qports;

		if ((void *)(th + 9) <= data_end)
			qcsum = &th[8];
	}
	if (qports[1] != vip_port) {
		l4_diff += xlb_csum_diff16(qports[1], vip_port);
		qports[1] = vip_port;
	}
	diff += l4_diff; /* the port is in the ICMP message as well */
	if (p->key.family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, p->l3_off);
		struct iphdr *qiph = xlb_at(data, q.l3_off);
		__u64 d;
		__u16 old;

		if ((void *)(iph + 1) > data_end || (void *)(qiph + 1) > data_end)
			return XLB_ABORTED;
		d = xlb_csum_diff32(iph->saddr, vip_addr[0]);
		iph->saddr = vip_addr[0];
		xlb_csum_apply(&iph->check, d);
		d = xlb_csum_diff32(qiph->daddr, vip_addr[0]);
		qiph->daddr = vip_addr[0];
		old = qiph->check;
		xlb_csum_apply(&qiph->check, d);
		l4_diff += d;
		diff += d + xlb_csum_diff16(old, qiph->check);
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, p->l3_off);
		struct ipv6hdr *qip6h = xlb_at(data, q.l3_off);
		__u64 d;

		if ((void *)(ip6h + 1) > data_end || (void *)(qip6h + 1) > data_end)
			return XLB_ABORTED;
		/* ICMPv6 covers the outer addresses through its pseudo-header */
		diff += xlb_csum_diff_addr6((__u32 *)&ip6h->saddr, vip_addr);
		__builtin_memcpy(&ip6h->saddr, vip_addr, 16);
		d = xlb_csum_diff_addr6((__u32 *)&qip6h->daddr, vip_addr);
		__builtin_memcpy(&qip6h->daddr, vip_addr, 16);
		l4_diff += d;
		diff += d;
	}
	if (qcsum) {
		__u16 old = *qcsum;

		xlb_csum_apply_l4(qcsum, l4_diff, q.key.proto);
		diff += xlb_csum_diff16(old, *qcsum);
	}
	xlb_csum_apply(&ic[1], diff);
	x->gs->path[XLB_PATH_NAT_ICMP]++;
	xlb_count_reply(&xlb_vip_stats, vip_id, x->len);
	xlb_count_reply(&xlb_be_stats, be_id, x->len);
	return xlb_emit(x, NULL, p->key.family, vip_addr, p->key.dst, p->l3_len);
}

static __always_inline int xlb_icmp(struct xlb_ctx *x, bool nat_side)
{
	struct xlb_pkt *p = &x->p;
	struct xlb_vip *av = xlb_vip_addr(&p->key);

	if (!av)
		return nat_side ? xlb_nat_icmp(x) : xlb_pass(x);
	if (p->key.family == XLB_FAMILY_V4) {
		if (p->icmp_type == XLB_ICMP_ECHO)
			return (av->flags & XLB_VIP_F_NO_ECHO) ? xlb_pass(x) : xlb_icmp_echo(x);
		if (p->icmp_type == XLB_ICMP_DEST_UNREACH || p->icmp_type == XLB_ICMP_TIME_EXCEEDED)
			return xlb_icmp_error(x);
	} else {
		if (p->icmp_type == XLB_ICMP6_ECHO_REQUEST)
			return (av->flags & XLB_VIP_F_NO_ECHO) ? xlb_pass(x) : xlb_icmp_echo(x);
		if (p->icmp_type >= XLB_ICMP6_DEST_UNREACH &&
		    p->icmp_type <= XLB_ICMP6_TIME_EXCEEDED)
			return xlb_icmp_error(x);
	}
	return xlb_pass(x);
}

static __always_inline int xlb_process(struct xlb_md *ctx, bool nat_side)
{
	void *data, *data_end;
	struct xlb_ctx x = { .xdp = ctx };
	struct xlb_vip_key vk = {};
	struct xlb_vip *vip;
	__u32 zero = 0;
	int res = XLB_PARSE_TRUNCATED;

#ifdef XLB_TC
	x.len = ctx->len; /* with the pages a GSO packet has beyond the linear part */
#endif
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
#ifndef XLB_TC
	x.len = data_end - data;
#endif

	x.gs = bpf_map_lookup_elem(&xlb_stats, &zero);
	x.secret = bpf_map_lookup_elem(&xlb_secret, &zero);
	if (!x.gs || !x.secret)
		return XLB_ABORTED;

#pragma clang loop unroll(disable)
	/* At tc only the linear part of an skb can be read. A sender's headers are there
	 * already, its payload in pages: pulling on every packet copied payload out of the pages
	 * and reallocated the head of every 64 KiB GSO packet of a bulk transfer. So the headers
	 * are pulled in only when the parse fell short of them, and an ICMP error's quote, read
	 * further in, when the packet has more than the linear part; then parsed again. A loop,
	 * not a second call: one inlined parse keeps the frame within the combined stack limit.
	 */
	for (int pass = 0; pass < 2; pass++) {
		res = xlb_parse(data, data_end, &x.p);
#ifdef XLB_TC
		if (pass == 0 && (__u64)(data_end - data) < ctx->len &&
		    (res == XLB_PARSE_TRUNCATED ||
		     (res == XLB_PARSE_OK &&
		      (x.p.key.proto == IPPROTO_ICMP || x.p.key.proto == IPPROTO_ICMPV6)))) {
			bpf_skb_pull_data(ctx, ctx->len < 256 ? ctx->len : 256);
			data = (void *)(long)ctx->data;
			data_end = (void *)(long)ctx->data_end;
			__builtin_memset(&x.p, 0, sizeof(x.p));
			continue;
		}
#endif
		break;
	}
	switch (res) {
	case XLB_PARSE_OK:
		break;
	case XLB_PARSE_TRUNCATED:
		return xlb_reject(&x, XLB_DROP_TRUNCATED);
	case XLB_PARSE_BAD:
		return xlb_reject(&x, XLB_DROP_BAD_HEADER);
	case XLB_PARSE_FRAGMENT:
		return xlb_reject(&x, XLB_DROP_FRAGMENT);
	default:
		return xlb_pass(&x);
	}
	/* an IP length beyond the frame: cut, or a lie that rewrites would carry further */
	if (x.p.l3_off + x.p.l3_len > x.len)
		return xlb_reject(&x, XLB_DROP_TRUNCATED);
	if (x.p.key.proto == IPPROTO_ICMP || x.p.key.proto == IPPROTO_ICMPV6)
		return xlb_icmp(&x, nat_side);

	xlb_service_key(&vk, &x.p.key, true);
	vip = bpf_map_lookup_elem(&xlb_vips, &vk);
	if (vip)
		return xlb_forward(&x, vip);
	if (nat_side)
		return xlb_nat_reply(&x);
	return xlb_pass(&x);
}

/* Client-facing devices: VIP traffic only. */
SEC(XLB_SEC)
int xlb_rx(struct xlb_md *ctx)
{
	return xlb_process(ctx, false);
}

/* Devices that also carry the backends' nat replies. */
SEC(XLB_SEC)
int xlb_rx_nat(struct xlb_md *ctx)
{
	return xlb_process(ctx, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
