// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb-gen's frame source for BPF_PROG_TEST_RUN live frames: every run writes the template's
 * headers into the frame again (the pages come back from the receiver with whatever it
 * rewrote), gives it the tuple of its turn (a fixed set cycled through, or a random one for a
 * SYN flood), fixes both checksums incrementally and sends it with XDP_TX.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "csum.h"

#define GEN_HDR_MAX 128	    /* template bytes written back each run: every header */
#define GEN_PORT_FIRST 1024 /* source ports 1024..65535 */
#define GEN_PORTS (65536 - GEN_PORT_FIRST)
#define GEN_TCP_SYN 0x02

/* Set by xlb-gen before the runs. Plain globals in .data (not const: clang would fold a const
 * template into stores of its initial bytes); the template is the frame with the first tuple.
 */
__u8 gen_tmpl[GEN_HDR_MAX] = { 1 };
__u32 gen_hdr_len = 1;	     /* bytes of gen_tmpl written back, 1..GEN_HDR_MAX */
__u32 gen_flows = 1;	     /* tuples of the fixed set; 0: a random tuple every frame */
__u32 gen_l3_off = 14;	     /* IP header */
__u32 gen_l4_off = 34;	     /* TCP or UDP header */
__u32 gen_v6;		     /* IPv6 rather than IPv4 (.bss) */
__u32 gen_udp = 1;	     /* UDP rather than TCP */
__u32 gen_src_mask = 0xffff; /* low bits of the source address that tuples vary */

struct gen_cpu {
	__u64 runs;
	__u64 next;   /* the next tuple of the fixed set, per CPU */
	__u64 errors; /* frames the program could not rebuild (XDP_ABORTED) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_cpu);
} gen_stats SEC(".maps");

SEC("xdp")
int xlb_gen(struct xdp_md *ctx)
{
	__u32 zero = 0, len = gen_hdr_len, f, l3 = gen_l3_off & 0x7f, l4 = gen_l4_off & 0x7f;
	struct gen_cpu *c = bpf_map_lookup_elem(&gen_stats, &zero);
	void *data, *data_end;
	__u16 *csum, *ip_csum = 0, *sport;
	__u32 *saddr, old_addr, new_addr;
	__u16 new_port;
	__u64 diff;

	if (!c)
		return XDP_ABORTED;
	c->runs++;
	/* the mask proves the size to the verifier and keeps 1..GEN_HDR_MAX as it is */
	len = ((len - 1) & (GEN_HDR_MAX - 1)) + 1;
	if (bpf_xdp_store_bytes(ctx, 0, gen_tmpl, len))
		goto err;
	if (gen_flows == 1)
		return XDP_TX;
	f = gen_flows ? (__u32)(c->next++ % gen_flows) : bpf_get_prandom_u32();

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + l4 + 20 > data_end || data + l3 + 40 > data_end)
		goto err;
	sport = data + l4;
	csum = data + l4 + (gen_udp ? 6 : 16);
	if (gen_v6) {
		saddr = data + l3 + 8 + 12; /* the last word of the source */
	} else {
		saddr = data + l3 + 12;
		ip_csum = data + l3 + 10;
	}
	/* tuple f: source port from f, the source address's low bits moved by the rest */
	new_port = __builtin_bswap16((__u16)(GEN_PORT_FIRST + f % GEN_PORTS));
	old_addr = *saddr;
	{
		/* the low bits wrap: the source stays in the prefix of the template's */
		__u32 a = __builtin_bswap32(old_addr), m = gen_src_mask;

		new_addr = __builtin_bswap32((a & ~m) | ((a + f / GEN_PORTS) & m));
	}
	diff = xlb_csum_diff16(*sport, new_port) + xlb_csum_diff32(old_addr, new_addr);
	*sport = new_port;
	*saddr = new_addr;
	if (ip_csum)
		xlb_csum_apply(ip_csum, xlb_csum_diff32(old_addr, new_addr));
	if (!gen_udp && !gen_flows) {
		/* a SYN flood: a random sequence number too */
		__u32 *seq = data + l4 + 4;
		__u32 s = bpf_get_prandom_u32();

		diff += xlb_csum_diff32(*seq, s);
		*seq = s;
	}
	xlb_csum_apply(csum, diff);
	if (gen_udp && *csum == 0)
		*csum = 0xffff; /* a computed zero is sent as all ones */
	return XDP_TX;
err:
	c->errors++;
	return XDP_ABORTED;
}

/* The far ends of a packet-rate measurement (xlb-gen --attach): a sink that counts what
 * arrives, and the two ceilings a forwarding XDP program is compared with on the same veth.
 */
enum gen_sink_class {
	GEN_SINK_UDP = 0,
	GEN_SINK_TCP,
	GEN_SINK_OTHER,
	GEN_SINK_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GEN_SINK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} gen_sink_count SEC(".maps");

/* the egress device of gen_redirect */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} gen_ports SEC(".maps");

/* Counts frames by protocol (IPv4 or IPv6 without extension headers, as xlb-gen sends them)
 * and drops them.
 */
SEC("xdp")
int gen_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	__u32 cls = GEN_SINK_OTHER;
	__u64 *c;

	if (data + 54 <= data_end) {
		__u8 proto = 0;

		if (p[12] == 0x08 && p[13] == 0x00)
			proto = p[14 + 9];
		else if (p[12] == 0x86 && p[13] == 0xdd)
			proto = p[14 + 6];
		if (proto == 17)
			cls = GEN_SINK_UDP;
		else if (proto == 6)
			cls = GEN_SINK_TCP;
	}
	c = bpf_map_lookup_elem(&gen_sink_count, &cls);
	if (c)
		(*c)++;
	return XDP_DROP;
}

static __always_inline int gen_swap_macs(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u16 *m = data, t0, t1, t2;

	if (data + 12 > data_end)
		return -1;
	t0 = m[0];
	t1 = m[1];
	t2 = m[2];
	m[0] = m[3];
	m[1] = m[4];
	m[2] = m[5];
	m[3] = t0;
	m[4] = t1;
	m[5] = t2;
	return 0;
}

/* The XDP_TX ceiling: MACs swapped, back out of the device it came in on. */
SEC("xdp")
int gen_tx(struct xdp_md *ctx)
{
	return gen_swap_macs(ctx) ? XDP_DROP : XDP_TX;
}

/* The redirect ceiling: MACs swapped, out of the device in gen_ports. */
SEC("xdp")
int gen_redirect(struct xdp_md *ctx)
{
	if (gen_swap_macs(ctx))
		return XDP_DROP;
	return bpf_redirect_map(&gen_ports, 0, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
