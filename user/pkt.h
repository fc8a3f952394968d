/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Frames built and checked from scratch, the one packet builder of xlb: for the datapath
 * tests (tests/bpf) and the tools that send frames (xlb-gen, xlb-bench). Builders (Ethernet
 * with one optional VLAN tag, IPv4 with options or fragment bits, IPv6 with an optional
 * fragment header, TCP with options, UDP, ICMP, ICMPv6) compute every checksum from scratch;
 * checkers parse a frame on their own (nothing shared with bpf/parse.h) and recompute its
 * checksums, so that a wrong incremental update in the datapath cannot hide behind the same
 * mistake in the test. Header only: the tools and the tests include it through -Iuser.
 */
#ifndef XLB_PKT_H
#define XLB_PKT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PKT_MAX 2048
#define PKT_ETH_IP 0x0800
#define PKT_ETH_IPV6 0x86dd
#define PKT_ETH_8021Q 0x8100
#define PKT_ETH_8021AD 0x88a8

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

/* Everything a builder needs; ports and ids in host order, addresses as raw bytes. */
struct pkt_spec {
	uint8_t dmac[6];
	uint8_t smac[6];
	uint16_t vlan_tpid; /* 0: untagged, else 0x8100 or 0x88a8 */
	uint16_t vlan_tci;
	uint8_t family;	 /* 4 or 6 */
	uint8_t src[16]; /* IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint8_t proto; /* IPPROTO_TCP/UDP/ICMP/ICMPV6; anything else: payload only */
	uint8_t tos;   /* IPv4 TOS or IPv6 traffic class */
	uint8_t ttl;   /* TTL or hop limit, 0 means 64 */
	uint16_t ip_id;
	bool df;
	bool mf;	   /* more fragments (IPv4 flag or IPv6 fragment header) */
	uint16_t frag_off; /* in 8-byte units; nonzero: no L4 header, payload only */
	bool v6_frag;	   /* IPv6: add a fragment header */
	uint8_t v6_ext;	   /* IPv6: destination options headers (8, 16, 8... bytes) before it */
	uint8_t ipopt[40];
	uint8_t ipopt_len; /* IPv4 options, a multiple of 4 */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	const uint8_t *tcp_opts; /* TCP options after the fixed header */
	uint8_t tcp_opts_len;	 /* a multiple of 4, at most 40 */
	bool udp_no_csum;	 /* IPv4 UDP sent with checksum 0 */
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_rest; /* the word after the checksum: id << 16 | seq, or the MTU */
	const uint8_t *payload;
	uint32_t payload_len;
};

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_ACK 0x10

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void pkt_put32(uint8_t *p, uint32_t v)
{
	pkt_put16(p, v >> 16);
	pkt_put16(p + 2, v);
}

static inline uint16_t pkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's complement sum of big-endian 16-bit words; an odd last byte is padded with zero. */
static inline uint64_t pkt_sum(uint64_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t pkt_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline uint64_t pkt_pseudo(uint8_t family, const uint8_t *src, const uint8_t *dst,
				  uint8_t proto, uint32_t len)
{
	size_t alen = family == 4 ? 4 : 16;
	uint64_t s = pkt_sum(0, src, alen);

	s = pkt_sum(s, dst, alen);
	return s + proto + (len >> 16) + (len & 0xffff);
}

/* Writes the L4 header and payload at p, checksum field 0; returns the length. */
static inline uint32_t pkt_put_l4(uint8_t *p, const struct pkt_spec *s)
{
	uint32_t n = 0;

	switch (s->proto) {
	case IPPROTO_TCP:
		memset(p, 0, 20);
		pkt_put16(p, s->sport);
		pkt_put16(p + 2, s->dport);
		pkt_put32(p + 4, s->seq);
		pkt_put32(p + 8, s->ack);
		p[12] = (uint8_t)((20 + s->tcp_opts_len) / 4 << 4);
		p[13] = s->tcp_flags;
		pkt_put16(p + 14, 64240);
		if (s->tcp_opts_len)
			memcpy(p + 20, s->tcp_opts, s->tcp_opts_len);
		n = 20 + s->tcp_opts_len;
		break;
	case IPPROTO_UDP:
		pkt_put16(p, s->sport);
		pkt_put16(p + 2, s->dport);
		pkt_put16(p + 4, 8 + s->payload_len);
		pkt_put16(p + 6, 0);
		n = 8;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		p[0] = s->icmp_type;
		p[1] = s->icmp_code;
		pkt_put16(p + 2, 0);
		pkt_put32(p + 4, s->icmp_rest);
		n = 8;
		break;
	}
	if (s->payload_len)
		memcpy(p + n, s->payload, s->payload_len);
	return n + s->payload_len;
}

/* Fills the checksum of the L4 message of n bytes at p, from scratch. */
static inline void pkt_put_l4_csum(uint8_t *p, uint32_t n, const struct pkt_spec *s)
{
	uint64_t sum;
	uint16_t c;
	int off;

	switch (s->proto) {
	case IPPROTO_TCP:
		off = 16;
		sum = pkt_pseudo(s->family, s->src, s->dst, s->proto, n);
		break;
	case IPPROTO_UDP:
		if (s->family == 4 && s->udp_no_csum)
			return;
		off = 6;
		sum = pkt_pseudo(s->family, s->src, s->dst, s->proto, n);
		break;
	case IPPROTO_ICMP:
		off = 2;
		sum = 0;
		break;
	case IPPROTO_ICMPV6:
		off = 2;
		sum = pkt_pseudo(s->family, s->src, s->dst, s->proto, n);
		break;
	default:
		return;
	}
	c = (uint16_t)~pkt_fold(pkt_sum(sum, p, n));
	if (s->proto == IPPROTO_UDP && c == 0)
		c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	pkt_put16(p + off, c);
}

/* The IP packet (header, options or fragment header, L4, payload) at p; returns its length. */
static inline uint32_t pkt_put_l3(uint8_t *p, const struct pkt_spec *s)
{
	bool l4hdr = s->frag_off == 0; /* a later fragment carries payload only */
	uint8_t ttl = s->ttl ? s->ttl : 64;
	uint32_t hl, n;

	if (s->family == 4) {
		hl = 20 + s->ipopt_len;
		if (l4hdr) {
			n = pkt_put_l4(p + hl, s);
		} else {
			memcpy(p + hl, s->payload, s->payload_len);
			n = s->payload_len;
		}
		p[0] = 0x40 | hl / 4;
		p[1] = s->tos;
		pkt_put16(p + 2, hl + n);
		pkt_put16(p + 4, s->ip_id);
		pkt_put16(p + 6, (s->df ? 0x4000 : 0) | (s->mf ? 0x2000 : 0) | s->frag_off);
		p[8] = ttl;
		p[9] = s->proto;
		pkt_put16(p + 10, 0);
		memcpy(p + 12, s->src, 4);
		memcpy(p + 16, s->dst, 4);
		memcpy(p + 20, s->ipopt, s->ipopt_len);
		pkt_put16(p + 10, (uint16_t)~pkt_fold(pkt_sum(0, p, hl)));
	} else {
		uint8_t after_ext = s->v6_frag ? IPPROTO_FRAGMENT : s->proto;
		uint32_t fo = 40;

		for (int i = 0; i < s->v6_ext; i++) {
			uint8_t *e = p + fo;
			uint8_t units = (uint8_t)(i & 1); /* 8 and 16 bytes, taking turns */

			/* next header, length, then a PadN option filling the rest */
			e[0] = i + 1 < s->v6_ext ? IPPROTO_DSTOPTS : after_ext;
			e[1] = units;
			e[2] = 1;
			e[3] = (uint8_t)(8 * units + 4);
			memset(e + 4, 0, 8u * units + 4);
			fo += 8u * (units + 1);
		}
		hl = fo + (s->v6_frag ? 8 : 0);
		if (l4hdr) {
			n = pkt_put_l4(p + hl, s);
		} else {
			memcpy(p + hl, s->payload, s->payload_len);
			n = s->payload_len;
		}
		pkt_put32(p, 0x60000000u | (uint32_t)s->tos << 20);
		pkt_put16(p + 4, hl - 40 + n);
		p[6] = s->v6_ext ? IPPROTO_DSTOPTS : after_ext;
		p[7] = ttl;
		memcpy(p + 8, s->src, 16);
		memcpy(p + 24, s->dst, 16);
		if (s->v6_frag) {
			p[fo] = s->proto;
			p[fo + 1] = 0;
			pkt_put16(p + fo + 2, (uint16_t)(s->frag_off << 3 | (s->mf ? 1 : 0)));
			pkt_put32(p + fo + 4, 0x1234u + s->ip_id);
		}
	}
	if (l4hdr)
		pkt_put_l4_csum(p + hl, n, s);
	return hl + n;
}

static inline void pkt_build(struct pkt *pk, const struct pkt_spec *s)
{
	uint8_t *p = pk->b;
	uint32_t off = 12;

	memcpy(p, s->dmac, 6);
	memcpy(p + 6, s->smac, 6);
	if (s->vlan_tpid) {
		pkt_put16(p + 12, s->vlan_tpid);
		pkt_put16(p + 14, s->vlan_tci);
		off = 16;
	}
	pkt_put16(p + off, s->family == 4 ? PKT_ETH_IP : PKT_ETH_IPV6);
	pk->len = off + 2 + pkt_put_l3(p + off + 2, s);
}

/* Byte ranges that a comparison skips: checksum fields (checked by recomputation instead,
 * since 0x0000 and 0xffff are the same one's complement value) and fields that the contract
 * leaves to the datapath.
 */
struct pkt_mask {
	uint32_t off[32];
	uint8_t n[32];
	int cnt;
};

static inline void pkt_mask_add(struct pkt_mask *m, uint32_t off, uint8_t n)
{
	if (m && m->cnt < 32) {
		m->off[m->cnt] = off;
		m->n[m->cnt] = n;
		m->cnt++;
	}
}

static inline bool pkt_masked(const struct pkt_mask *m, uint32_t i)
{
	for (int k = 0; m && k < m->cnt; k++)
		if (i >= m->off[k] && i < m->off[k] + m->n[k])
			return true;
	return false;
}

/* Where the layers of a frame are. */
struct pkt_hdrs {
	uint32_t l3; /* IP header */
	uint8_t family;
	uint32_t l4; /* L4 header; 0 for a non-first fragment */
	uint8_t proto;
	uint32_t end; /* l3 + IP length */
};

/* Parses the IP packet at off. Returns false when a header runs past len. */
static inline bool pkt_parse_l3(const uint8_t *b, uint32_t len, uint32_t off, uint8_t family,
				struct pkt_hdrs *h)
{
	memset(h, 0, sizeof(*h));
	h->l3 = off;
	h->family = family;
	if (family == 4) {
		uint32_t hl;

		if (off + 20 > len || b[off] >> 4 != 4)
			return false;
		hl = (b[off] & 0xf) * 4;
		h->end = off + pkt_get16(b + off + 2);
		h->proto = b[off + 9];
		if (hl < 20 || off + hl > len || h->end > len || h->end < off + hl)
			return false;
		if (!(pkt_get16(b + off + 6) & 0x1fff))
			h->l4 = off + hl;
		return true;
	}
	if (off + 40 > len || b[off] >> 4 != 6)
		return false;
	h->end = off + 40 + pkt_get16(b + off + 4);
	h->proto = b[off + 6];
	if (h->end > len)
		return false;
	h->l4 = off + 40;
	while (h->proto == IPPROTO_HOPOPTS || h->proto == IPPROTO_ROUTING ||
	       h->proto == IPPROTO_DSTOPTS) {
		if (h->l4 + 8 > len)
			return false;
		h->proto = b[h->l4];
		h->l4 += 8u * (b[h->l4 + 1] + 1u);
	}
	if (h->proto == IPPROTO_FRAGMENT) {
		uint32_t fo = h->l4;

		if (fo + 8 > len)
			return false;
		h->proto = b[fo];
		h->l4 = (pkt_get16(b + fo + 2) & 0xfff8) ? 0 : fo + 8;
	}
	return h->l4 <= h->end;
}

static inline bool pkt_parse(const uint8_t *b, uint32_t len, struct pkt_hdrs *h)
{
	uint32_t off = 12;
	uint16_t type;

	if (len < 14)
		return false;
	type = pkt_get16(b + 12);
	if (type == PKT_ETH_8021Q || type == PKT_ETH_8021AD) {
		if (len < 18)
			return false;
		off = 16;
		type = pkt_get16(b + 16);
	}
	if (type != PKT_ETH_IP && type != PKT_ETH_IPV6)
		return false;
	return pkt_parse_l3(b, len, off + 2, type == PKT_ETH_IP ? 4 : 6, h);
}

static inline bool pkt_icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == 4)
		return type == 3 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/* Recomputes every checksum of the IP packet at off, through IPIP and IP6IP6 and into the
 * header quoted by an ICMP error. Writes what is wrong into why (when false is returned) and
 * the checksum fields into m. The quoted L4 checksum is not checked (the quote may be cut).
 */
static inline bool pkt_check_l3(const uint8_t *b, uint32_t len, uint32_t off, uint8_t family,
				char *why, size_t wn, struct pkt_mask *m, int depth)
{
	struct pkt_hdrs h;
	uint32_t l4n;
	uint64_t s;
	int coff;

	if (!pkt_parse_l3(b, len, off, family, &h)) {
		snprintf(why, wn, "IPv%u header at %u does not parse", family, off);
		return false;
	}
	if (family == 4) {
		pkt_mask_add(m, off + 10, 2);
		if (pkt_fold(pkt_sum(0, b + off, (b[off] & 0xf) * 4)) != 0xffff) {
			snprintf(why, wn, "IPv4 header checksum at %u wrong (0x%04x)", off + 10,
				 pkt_get16(b + off + 10));
			return false;
		}
	}
	if (!h.l4)
		return true; /* a later fragment: no L4 header to check */
	if (depth < 2 && (h.proto == IPPROTO_IPIP || h.proto == IPPROTO_IPV6))
		return pkt_check_l3(b, len, h.l4, h.proto == IPPROTO_IPIP ? 4 : 6, why, wn, m,
				    depth + 1);
	l4n = h.end - h.l4;
	switch (h.proto) {
	case IPPROTO_TCP:
		coff = 16;
		break;
	case IPPROTO_UDP:
		coff = 6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		coff = 2;
		break;
	default:
		return true;
	}
	if (l4n < (uint32_t)coff + 2) {
		snprintf(why, wn, "L4 header at %u cut", h.l4);
		return false;
	}
	pkt_mask_add(m, h.l4 + coff, 2);
	if (h.proto == IPPROTO_UDP && family == 4 && pkt_get16(b + h.l4 + 6) == 0)
		return true; /* no checksum */
	/* ICMP for IPv4 has no pseudo-header */
	s = 0;
	if (h.proto != IPPROTO_ICMP)
		s = pkt_pseudo(family, b + off + (family == 4 ? 12 : 8),
			       b + off + (family == 4 ? 16 : 24), h.proto, l4n);
	if (pkt_fold(pkt_sum(s, b + h.l4, l4n)) != 0xffff) {
		snprintf(why, wn, "proto %u checksum at %u wrong (0x%04x)", h.proto, h.l4 + coff,
			 pkt_get16(b + h.l4 + coff));
		return false;
	}
	if ((h.proto == IPPROTO_ICMP || h.proto == IPPROTO_ICMPV6) &&
	    pkt_icmp_is_error(family, b[h.l4]) && l4n >= 8 + (family == 4 ? 20u : 40u)) {
		uint32_t q = h.l4 + 8, ql4;
		uint8_t qproto;

		if (family == 4) {
			pkt_mask_add(m, q + 10, 2);
			if (pkt_fold(pkt_sum(0, b + q, (b[q] & 0xf) * 4)) != 0xffff) {
				snprintf(why, wn,
					 "quoted IPv4 header checksum at %u wrong (0x%04x)", q + 10,
					 pkt_get16(b + q + 10));
				return false;
			}
			ql4 = q + (b[q] & 0xf) * 4;
			qproto = b[q + 9];
		} else {
			ql4 = q + 40;
			qproto = b[q + 6];
		}
		if (qproto == IPPROTO_TCP && ql4 + 18 <= h.end)
			pkt_mask_add(m, ql4 + 16, 2);
		if (qproto == IPPROTO_UDP && ql4 + 8 <= h.end)
			pkt_mask_add(m, ql4 + 6, 2);
	}
	return true;
}

/* Checks the checksums of a frame; m (may be NULL) receives the checksum fields. */
static inline bool pkt_check(const struct pkt *p, char *why, size_t wn, struct pkt_mask *m)
{
	struct pkt_hdrs h;

	if (!pkt_parse(p->b, p->len, &h)) {
		snprintf(why, wn, "frame does not parse as Ethernet/IP");
		return false;
	}
	if (h.end != p->len) {
		snprintf(why, wn, "IP length says the frame ends at %u, it is %u long", h.end,
			 p->len);
		return false;
	}
	return pkt_check_l3(p->b, p->len, h.l3, h.family, why, wn, m, 0);
}

static inline void pkt_dump(const char *tag, const struct pkt *p, uint32_t mark)
{
	printf("    %s (%u bytes):", tag, p->len);
	for (uint32_t i = 0; i < p->len && i < 192; i++) {
		if (i % 16 == 0)
			printf("\n      %04x:", i);
		printf(i == mark ? "[%02x]" : " %02x", p->b[i]);
	}
	printf("\n");
}

/* got must carry valid checksums and equal exp everywhere but the checksum fields of exp and
 * the ranges of extra. Prints the difference and returns false otherwise.
 */
static inline bool pkt_same(const struct pkt *got, const struct pkt *exp,
			    const struct pkt_mask *extra)
{
	struct pkt_mask m = { .cnt = 0 };
	char why[160];
	uint32_t i;

	if (!pkt_check(exp, why, sizeof(why), &m)) {
		printf("  test bug: expected frame invalid: %s\n", why);
		return false;
	}
	if (extra)
		for (int k = 0; k < extra->cnt; k++)
			pkt_mask_add(&m, extra->off[k], extra->n[k]);
	if (got->len != exp->len) {
		printf("  length %u, want %u\n", got->len, exp->len);
		pkt_dump("got", got, ~0u);
		pkt_dump("want", exp, ~0u);
		return false;
	}
	if (!pkt_check(got, why, sizeof(why), NULL)) {
		printf("  output: %s\n", why);
		pkt_dump("got", got, ~0u);
		pkt_dump("want", exp, ~0u);
		return false;
	}
	for (i = 0; i < got->len; i++) {
		if (got->b[i] != exp->b[i] && !pkt_masked(&m, i)) {
			printf("  byte %u is 0x%02x, want 0x%02x\n", i, got->b[i], exp->b[i]);
			pkt_dump("got", got, i);
			pkt_dump("want", exp, i);
			return false;
		}
	}
	return true;
}

/* Byte-for-byte identity (frames that must pass untouched). */
static inline bool pkt_identical(const struct pkt *got, const struct pkt *exp)
{
	uint32_t i;

	if (got->len != exp->len) {
		printf("  length %u, want %u\n", got->len, exp->len);
		return false;
	}
	for (i = 0; i < got->len; i++) {
		if (got->b[i] != exp->b[i]) {
			printf("  byte %u is 0x%02x, want 0x%02x\n", i, got->b[i], exp->b[i]);
			pkt_dump("got", got, i);
			pkt_dump("want", exp, i);
			return false;
		}
	}
	return true;
}

#endif /* XLB_PKT_H */
