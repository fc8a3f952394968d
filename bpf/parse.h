/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Header parsers for the datapath: Ethernet (one VLAN tag), IPv4 with options, IPv6 with its
 * extension headers, TCP, UDP, ICMP and ICMPv6. Each read is bounds-checked against data_end
 * first (the verifier demands it), and no helper is called, so the same code builds on the host
 * for the fuzzer.
 */
#ifndef XLB_PARSE_H
#define XLB_PARSE_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "xlb_shared.h"
#include "csum.h"

/* Older verifiers (6.1 to 6.12) know no bounds of a byte swap's result and refuse packet-pointer
 * math with it; clang drops a plain mask as redundant, so the mask comes after an empty asm that
 * hides the value from the optimiser.
 */
#define XLB_BOUND16(v)                      \
	do {                                \
		asm volatile("" : "+r"(v)); \
		(v) &= 0xffff;              \
	} while (0)

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define XLB_ETH_P_IP 0x0800
#define XLB_ETH_P_IPV6 0x86DD
#define XLB_ETH_P_8021Q 0x8100
#define XLB_ETH_P_8021AD 0x88A8
#define XLB_IPV6_MAX_EXT 4 /* extension headers walked before giving up */
/* Offsets kept in struct xlb_pkt are reloaded from the stack as plain scalars; masking them on
 * use gives the verifier a bound. The parsers refuse an L4 header that starts later than
 * XLB_MAX_L4_OFF, so the mask never changes a value (quoted headers end below 2048 too).
 */
#define XLB_MAX_L4_OFF 1024
#define XLB_OFF_MASK 0x7ff
#define xlb_at(data, off) ((void *)(data) + ((off)&XLB_OFF_MASK))

/* ICMP types (linux/icmp.h would drag in libc's socket headers) */
#define XLB_ICMP_ECHOREPLY 0
#define XLB_ICMP_DEST_UNREACH 3
#define XLB_ICMP_ECHO 8
#define XLB_ICMP_TIME_EXCEEDED 11
#define XLB_ICMP6_DEST_UNREACH 1
#define XLB_ICMP6_TIME_EXCEEDED 3
#define XLB_ICMP6_ECHO_REQUEST 128
#define XLB_ICMP6_ECHO_REPLY 129

/* Byte order without libc or bpf_endian.h, so both builds agree. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define xlb_htons(x) ((__be16)__builtin_bswap16(x))
#define xlb_ntohs(x) ((__u16)__builtin_bswap16(x))
#define xlb_htonl(x) ((__be32)__builtin_bswap32(x))
#else
#define xlb_htons(x) ((__be16)(x))
#define xlb_ntohs(x) ((__u16)(x))
#define xlb_htonl(x) ((__be32)(x))
#endif

enum xlb_parse_res {
	XLB_PARSE_OK = 0,
	XLB_PARSE_NOT_IP,    /* not IPv4/IPv6, or too short to read the destination address */
	XLB_PARSE_OTHER_L4,  /* IP, but not a protocol we balance */
	XLB_PARSE_TRUNCATED, /* destination address known, a later header is cut */
	XLB_PARSE_BAD,	     /* destination address known, a header makes no sense */
	XLB_PARSE_FRAGMENT,  /* destination address known, the packet is a fragment */
};

/* What the datapath needs to know about a packet. Offsets are from data. */
struct xlb_pkt {
	struct xlb_flow_key key; /* as received: src = client, dst = address it was sent to */
	__u32 l3_off;
	__u32 l4_off;
	__u32 l3_len;	/* IP header to the end of the IP payload, as its header says: 32 bits,
			 * since 40 + an IPv6 payload length (or an outer header) passes 65535 */
	__u8 tcp_flags; /* FIN, SYN, RST... of TCP, else 0 */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 tos;
};

#define XLB_TCP_FIN 0x01
#define XLB_TCP_SYN 0x02
#define XLB_TCP_RST 0x04
#define XLB_TCP_ACK 0x10

/* Ports (and for TCP the flags; ICMP: type and code) of the L4 header at off. The whole fixed
 * header must be present, since nat rewrites its checksum field.
 */
static __always_inline int xlb_parse_l4(void *data, void *data_end, struct xlb_pkt *p)
{
	void *l4 = xlb_at(data, p->l4_off);
	__u32 hdr = p->key.proto == IPPROTO_TCP ? sizeof(struct tcphdr) : 8;

	/* the fixed L4 header inside the IP length, not in the padding after it */
	if ((p->key.proto == IPPROTO_TCP || p->key.proto == IPPROTO_UDP ||
	     p->key.proto == IPPROTO_ICMP || p->key.proto == IPPROTO_ICMPV6) &&
	    p->l4_off + hdr > p->l3_off + p->l3_len)
		return XLB_PARSE_BAD;

	switch (p->key.proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return XLB_PARSE_TRUNCATED;
		if (th->doff < 5)
			return XLB_PARSE_BAD;
		p->key.sport = th->source;
		p->key.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		return XLB_PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return XLB_PARSE_TRUNCATED;
		p->key.sport = uh->source;
		p->key.dport = uh->dest;
		return XLB_PARSE_OK;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *ic = l4;

		/* type, code, checksum and the 4 bytes that echo's id and sequence use */
		if ((void *)(ic + 8) > data_end)
			return XLB_PARSE_TRUNCATED;
		p->icmp_type = ic[0];
		p->icmp_code = ic[1];
		return XLB_PARSE_OK;
	}
	}
	return XLB_PARSE_OTHER_L4;
}

static __always_inline int xlb_parse_ipv4(void *data, void *data_end, struct xlb_pkt *p)
{
	struct iphdr *iph = xlb_at(data, p->l3_off);
	__u32 ihl, tot;

	if ((void *)(iph + 1) > data_end)
		return XLB_PARSE_NOT_IP;
	p->key.family = XLB_FAMILY_V4;
	p->key.src[0] = iph->saddr;
	p->key.dst[0] = iph->daddr;
	p->key.proto = iph->protocol;
	p->tos = iph->tos;
	ihl = iph->ihl;
	if (iph->version != 4 || ihl < 5 || xlb_ntohs(iph->tot_len) < ihl * 4)
		return XLB_PARSE_BAD;
	/* options are skipped and kept; the verifier sees ihl bounded by the 4-bit field */
	if ((void *)iph + ihl * 4 > data_end)
		return XLB_PARSE_TRUNCATED;
	if (iph->frag_off & xlb_htons(0x3fff)) /* MF set or a nonzero offset */
		return XLB_PARSE_FRAGMENT;
	p->l4_off = p->l3_off + ihl * 4;
	tot = xlb_ntohs(iph->tot_len);
	XLB_BOUND16(tot);
	p->l3_len = tot;
	/* the IP length must fit in the frame (padding after it is fine). At tc data_end is the
	 * end of the skb's linear part, the rest in pages: the caller checks against skb->len.
	 */
#ifndef XLB_TC
	if ((void *)iph + tot > data_end)
		return XLB_PARSE_TRUNCATED;
#endif
	return xlb_parse_l4(data, data_end, p);
}

static __always_inline int xlb_parse_ipv6(void *data, void *data_end, struct xlb_pkt *p)
{
	struct ipv6hdr *ip6h = xlb_at(data, p->l3_off);
	__u32 off = p->l3_off + sizeof(*ip6h);
	__u32 plen;
	__u8 nexthdr;

	if ((void *)(ip6h + 1) > data_end)
		return XLB_PARSE_NOT_IP;
	p->key.family = XLB_FAMILY_V6;
	__builtin_memcpy(p->key.src, &ip6h->saddr, 16);
	__builtin_memcpy(p->key.dst, &ip6h->daddr, 16);
	p->tos = (ip6h->priority << 4) | (ip6h->flow_lbl[0] >> 4);
	plen = xlb_ntohs(ip6h->payload_len);
	XLB_BOUND16(plen);
	p->l3_len = sizeof(*ip6h) + plen;
	if (ip6h->version != 6)
		return XLB_PARSE_BAD;
#ifndef XLB_TC /* as for IPv4: at tc the caller checks the length against skb->len */
	if ((void *)(ip6h + 1) + plen > data_end)
		return XLB_PARSE_TRUNCATED;
#endif
	nexthdr = ip6h->nexthdr;

	XLB_UNROLL
	for (int i = 0; i < XLB_IPV6_MAX_EXT; i++) {
		__u8 *ext = data + off;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(ext + 2) > data_end)
				return XLB_PARSE_TRUNCATED;
			nexthdr = ext[0];
			off += (ext[1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			return XLB_PARSE_FRAGMENT;
		default:
			if (off > XLB_MAX_L4_OFF)
				return XLB_PARSE_BAD;
			p->key.proto = nexthdr;
			p->l4_off = off;
			return xlb_parse_l4(data, data_end, p);
		}
	}
	return XLB_PARSE_BAD;
}

/* Fills p from the frame. Anything but XLB_PARSE_OK leaves the caller to decide, from whether
 * key.dst is a VIP address, between passing and dropping.
 */
static __always_inline int xlb_parse(void *data, void *data_end, struct xlb_pkt *p)
{
	struct ethhdr *eth = data;
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return XLB_PARSE_NOT_IP;
	proto = eth->h_proto;
	p->l3_off = sizeof(*eth);
	if (proto == xlb_htons(XLB_ETH_P_8021Q) || proto == xlb_htons(XLB_ETH_P_8021AD)) {
		__be16 *tag = data + sizeof(*eth);

		if ((void *)(tag + 2) > data_end)
			return XLB_PARSE_NOT_IP;
		proto = tag[1];
		p->l3_off += 4;
	}
	if (proto == xlb_htons(XLB_ETH_P_IP))
		return xlb_parse_ipv4(data, data_end, p);
	if (proto == xlb_htons(XLB_ETH_P_IPV6))
		return xlb_parse_ipv6(data, data_end, p);
	return XLB_PARSE_NOT_IP;
}

/* The packet an ICMP error quotes, from the sender's view: inner src is the VIP when the error
 * is about a packet the VIP (its backend) sent. Needs the inner IP header and the first 8 bytes
 * of its L4 header; off is where the inner IP header starts.
 */
static __always_inline int xlb_parse_quoted(void *data, void *data_end, __u32 off, __u8 family,
					    struct xlb_pkt *q)
{
	q->l3_off = off;
	if (family == XLB_FAMILY_V4) {
		struct iphdr *iph = xlb_at(data, off);

		if ((void *)(iph + 1) > data_end)
			return XLB_PARSE_TRUNCATED;
		if (iph->ihl < 5)
			return XLB_PARSE_BAD;
		q->key.family = XLB_FAMILY_V4;
		q->key.src[0] = iph->saddr;
		q->key.dst[0] = iph->daddr;
		q->key.proto = iph->protocol;
		q->l4_off = off + iph->ihl * 4;
	} else {
		struct ipv6hdr *ip6h = xlb_at(data, off);

		if ((void *)(ip6h + 1) > data_end)
			return XLB_PARSE_TRUNCATED;
		q->key.family = XLB_FAMILY_V6;
		__builtin_memcpy(q->key.src, &ip6h->saddr, 16);
		__builtin_memcpy(q->key.dst, &ip6h->daddr, 16);
		q->key.proto = ip6h->nexthdr;
		q->l4_off = off + sizeof(*ip6h);
	}
	if (q->key.proto != IPPROTO_TCP && q->key.proto != IPPROTO_UDP)
		return XLB_PARSE_OTHER_L4;
	{
		__be16 *ports = xlb_at(data, q->l4_off);

		if ((void *)(ports + 4) > data_end)
			return XLB_PARSE_TRUNCATED;
		q->key.sport = ports[0];
		q->key.dport = ports[1];
	}
	return XLB_PARSE_OK;
}

#endif /* XLB_PARSE_H */
