// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The datapath's parsers (bpf/parse.h) compiled on the host under ASan and UBSan: every
 * prefix of well-formed frames, and random mutations of them, must parse without reading past
 * the end, and the verdict class must follow the truncation rule of the datapath.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parse.h"

/* clang-format off */
static uint8_t frame_v4[] __attribute__((aligned(4))) = {
	0, 0, /* NET_IP_ALIGN, not part of the frame */
	/* Ethernet */
	0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
	/* IPv4, IHL 6 (one option word), total length 44, TCP */
	0x46, 0, 0, 44, 0, 1, 0x40, 0, 64, 6, 0, 0, 198, 18, 1, 2, 198, 18, 100, 1,
	0x01, 0x01, 0x01, 0x00, /* NOP NOP NOP EOL */
	/* TCP SYN 40000 -> 80 */
	0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};

static uint8_t frame_v6_vlan[] __attribute__((aligned(4))) = {
	0, 0, /* NET_IP_ALIGN, not part of the frame */
	0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x81, 0x00, 0x00, 0x07, 0x86, 0xdd,
	/* IPv6, payload 16 (8 hop-by-hop + 8 UDP), next header hop-by-hop */
	0x60, 0, 0, 0, 0, 16, 0, 64,
	0x20, 0x01, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2,
	0x20, 0x01, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	17, 0, 1, 4, 0, 0, 0, 0, /* hop-by-hop: next UDP, length 0 (8 bytes), PadN */
	0x9c, 0x41, 0, 53, 0, 8, 0, 0,
};

/* clang-format on */

/* Where the destination address ends: from there on a cut frame is "ours to judge". */
static bool check_prefixes(const uint8_t *frame, size_t len, size_t dst_end, uint8_t proto)
{
	for (size_t n = 0; n <= len; n++) {
		/* exact size, so ASan catches any overread; 2 bytes ahead so that the IP header
		 * is aligned, as drivers place frames (NET_IP_ALIGN)
		 */
		uint8_t *buf = malloc(n + 2), *copy = buf + 2;
		struct xlb_pkt p = {};
		int res;

		memcpy(copy, frame, n);
		res = xlb_parse(copy, copy + n, &p);
		free(buf);
		if (n < dst_end)
			CHECK(res == XLB_PARSE_NOT_IP, "prefix %zu: got %d, want NOT_IP", n, res);
		else if (n < len)
			CHECK(res == XLB_PARSE_TRUNCATED, "prefix %zu: got %d, want TRUNCATED", n,
			      res);
		else
			CHECK(res == XLB_PARSE_OK && p.key.proto == proto, "full frame: got %d",
			      res);
	}
	return true;
}

static bool test_v4_options_prefixes(void)
{
	return check_prefixes(frame_v4 + 2, sizeof(frame_v4) - 2, 14 + 20, 6);
}

static bool test_v6_vlan_exthdr_prefixes(void)
{
	return check_prefixes(frame_v6_vlan + 2, sizeof(frame_v6_vlan) - 2, 18 + 40, 17);
}

static bool test_v4_fields(void)
{
	struct xlb_pkt p = {};

	CHECK(xlb_parse(frame_v4 + 2, frame_v4 + sizeof(frame_v4), &p) == XLB_PARSE_OK, "parse");
	CHECK(p.l3_off == 14 && p.l4_off == 14 + 24, "offsets %u %u", p.l3_off, p.l4_off);
	CHECK(p.key.family == XLB_FAMILY_V4 && p.key.dport == xlb_htons(80) &&
		      p.key.sport == xlb_htons(40000),
	      "ports");
	CHECK(p.key.src[1] == 0 && p.key.dst[3] == 0 && p.key.pad == 0, "v4 key words zero");
	CHECK(p.tcp_flags == XLB_TCP_SYN, "flags %x", p.tcp_flags);
	return true;
}

static bool test_v4_fragment_and_bad(void)
{
	uint8_t buf[sizeof(frame_v4)] __attribute__((aligned(4)));
	uint8_t *f = buf + 2;
	size_t n = sizeof(buf) - 2;
	struct xlb_pkt p = {};

	memcpy(buf, frame_v4, sizeof(buf));
	f[14 + 6] = 0x20; /* MF */
	CHECK(xlb_parse(f, f + n, &p) == XLB_PARSE_FRAGMENT, "MF is a fragment");
	memcpy(buf, frame_v4, sizeof(buf));
	f[14 + 7] = 0x10; /* offset 16 */
	CHECK(xlb_parse(f, f + n, &p) == XLB_PARSE_FRAGMENT, "offset is a fragment");
	memcpy(buf, frame_v4, sizeof(buf));
	f[14] = 0x44; /* IHL 4 */
	CHECK(xlb_parse(f, f + n, &p) == XLB_PARSE_BAD, "IHL < 5 is bad");
	return true;
}

/* Random bytes over the valid frames: nothing may read out of bounds (ASan) or hang. */
static bool test_mutations(void)
{
	uint8_t *frames[] = { frame_v4 + 2, frame_v6_vlan + 2 };
	size_t lens[] = { sizeof(frame_v4) - 2, sizeof(frame_v6_vlan) - 2 };
	unsigned int seed = 1;

	for (int i = 0; i < 200000; i++) {
		int w = i & 1;
		size_t n = lens[w] - (rand_r(&seed) % 8);
		uint8_t *buf = malloc(n + 2), *f = buf + 2;
		struct xlb_pkt p = {}, q = {};

		memcpy(f, frames[w], n);
		for (int k = 0; k < 3; k++)
			f[rand_r(&seed) % n] = rand_r(&seed);
		if (xlb_parse(f, f + n, &p) == XLB_PARSE_OK && p.l4_off + 8 <= n)
			xlb_parse_quoted(f, f + n, p.l4_off + 8, p.key.family, &q);
		free(buf);
		CHECK(p.l4_off <= XLB_MAX_L4_OFF, "l4 offset bound");
	}
	return true;
}

int main(void)
{
	RUN(test_v4_options_prefixes);
	RUN(test_v6_vlan_exthdr_prefixes);
	RUN(test_v4_fields);
	RUN(test_v4_fragment_and_bad);
	RUN(test_mutations);
	return check_summary();
}
