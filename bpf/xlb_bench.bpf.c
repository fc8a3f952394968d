// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Bench-only XDP wrappers around the datapath, for tools/xlb-bench. The kernel's repeat mode
 * runs a program again on the buffer it has already rewritten, so every wrapper first puts the
 * original packet back (length and bytes), optionally makes it a new flow, then runs the
 * datapath, a floor program or nothing; the wrapper around nothing is the baseline subtracted.
 */
#include "xlb.bpf.c"

#include <bpf/bpf_endian.h>

#define BENCH_PKT_MAX 256

/* The packet every iteration starts from; written by xlb-bench before each case. Plain
 * globals, not a struct, so that the skeleton needs no type of ours.
 */
__u32 bench_len;
__u8 bench_data[BENCH_PKT_MAX];
/* Iterations that asked for a new flow, over the whole run: the source of each new flow. */
__u32 bench_ctr;

/* The 5-tuple floor_lookup looks up. */
struct bench_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

/* struct bench_tuple -> anything; xlb-bench stores the floor packet's tuple. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bench_tuple);
	__type(value, __u32);
} floor_map SEC(".maps");

/* Undoes what the last iteration did: an encapsulation grew the head, so the difference in
 * length goes back through bpf_xdp_adjust_head, then every byte is written again.
 */
static __always_inline int bench_restore(struct xdp_md *ctx)
{
	__u32 len = bench_len;
	int delta = (int)(ctx->data_end - ctx->data) - (int)len;

	if (delta && bpf_xdp_adjust_head(ctx, delta))
		return -1;
	/* The helper's size must be provably within bench_data and nonzero. A mask says so
	 * without a branch the compiler could fold into one the verifier cannot follow; it
	 * keeps len unchanged for 1..BENCH_PKT_MAX, which xlb-bench guarantees.
	 */
	len = ((len - 1) & (BENCH_PKT_MAX - 1)) + 1;
	return bpf_xdp_store_bytes(ctx, 0, bench_data, len) ? -1 : 0;
}

/* A new IPv4 flow per iteration: source 198.19.0.0/16 and source port from the counter, so
 * 2^32 iterations never repeat a flow. Checksums are left stale: the datapath does not check
 * them and updates them incrementally either way. The packet has no IP options.
 */
static __always_inline int bench_new_flow4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + sizeof(struct ethhdr);
	__be16 *ports = (void *)(iph + 1);
	__u32 c = bench_ctr++;

	if ((void *)(ports + 2) > data_end)
		return -1;
	iph->saddr = bpf_htonl(0xc6130000 | (c >> 16));
	ports[0] = bpf_htons(c & 0xffff);
	return 0;
}

/* The same for IPv6: the counter is the last word of the source address. */
static __always_inline int bench_new_flow6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6h = data + sizeof(struct ethhdr);

	if ((void *)(ip6h + 1) > data_end)
		return -1;
	ip6h->saddr.in6_u.u6_addr32[3] = bpf_htonl(bench_ctr++);
	return 0;
}

/* A random IPv4 source and source port per iteration: the flood's tuples, spread over the
 * whole address space as a spoofing attacker's are. Checksums stale, as above.
 */
static __always_inline int bench_rand_flow4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + sizeof(struct ethhdr);
	__be16 *ports = (void *)(iph + 1);

	if ((void *)(ports + 2) > data_end)
		return -1;
	iph->saddr = bpf_get_prandom_u32();
	ports[0] = (__be16)bpf_get_prandom_u32();
	return 0;
}

/* Parses Ethernet, IPv4 and TCP into t; 0 when the packet is such. */
static __always_inline int floor_parse(struct xdp_md *ctx, struct bench_tuple *t)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct tcphdr *th;

	if ((void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (iph->ihl < 5 || iph->protocol != IPPROTO_TCP)
		return -1;
	th = (void *)iph + iph->ihl * 4;
	if ((void *)(th + 1) > data_end)
		return -1;
	t->saddr = iph->saddr;
	t->daddr = iph->daddr;
	t->sport = th->source;
	t->dport = th->dest;
	t->proto = IPPROTO_TCP;
	return 0;
}

static __always_inline int floor_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	return XDP_TX;
}

/* What a wrapper does after the restore (prepare: 0 or an error) and the work it measures. */
static __always_inline int bench_none(struct xdp_md *ctx)
{
	return 0;
}

/* What undoing an encapsulation costs the ipip case: one more bpf_xdp_adjust_head. */
static __always_inline int bench_adjust(struct xdp_md *ctx)
{
	return bpf_xdp_adjust_head(ctx, 0) ? -1 : 0;
}

static __always_inline int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

static __always_inline int bench_client_side(struct xdp_md *ctx)
{
	return xlb_process(ctx, false);
}

static __always_inline int bench_backend_side(struct xdp_md *ctx)
{
	return xlb_process(ctx, true);
}

static __always_inline int floor_swap_run(struct xdp_md *ctx)
{
	struct bench_tuple t = {};

	if (floor_parse(ctx, &t))
		return XDP_PASS;
	return floor_tx(ctx);
}

static __always_inline int floor_lookup_run(struct xdp_md *ctx)
{
	struct bench_tuple t = {};

	if (floor_parse(ctx, &t) || !bpf_map_lookup_elem(&floor_map, &t))
		return XDP_PASS;
	return floor_tx(ctx);
}

/* Every measured program: put the packet back, prepare it, then the work measured. The
 * baselines (bench_noop*) do the same minus the work, and are subtracted by xlb-bench.
 */
#define BENCH_PROG(name, prepare, work)                 \
	SEC("xdp")                                      \
	int name(struct xdp_md *ctx)                    \
	{                                               \
		if (bench_restore(ctx) || prepare(ctx)) \
			return XDP_ABORTED;             \
		return work(ctx);                       \
	}

BENCH_PROG(bench_noop, bench_none, bench_pass)
BENCH_PROG(bench_noop_v4, bench_new_flow4, bench_pass)
BENCH_PROG(bench_noop_v6, bench_new_flow6, bench_pass)
BENCH_PROG(bench_noop_adj, bench_adjust, bench_pass)
BENCH_PROG(bench_noop_r4, bench_rand_flow4, bench_pass)

BENCH_PROG(bench_vip, bench_none, bench_client_side)
BENCH_PROG(bench_vip_v4, bench_new_flow4, bench_client_side)
BENCH_PROG(bench_vip_v6, bench_new_flow6, bench_client_side)
BENCH_PROG(bench_nat, bench_none, bench_backend_side)
BENCH_PROG(bench_vip_r4, bench_rand_flow4, bench_client_side)

/* Floors: what any XDP balancer must at least do. floor_pass is bench_noop under another
 * name; its figure shows how close to zero the subtraction lands.
 */
BENCH_PROG(floor_pass, bench_none, bench_pass)
BENCH_PROG(floor_swap, bench_none, floor_swap_run)
BENCH_PROG(floor_lookup, bench_none, floor_lookup_run)

/* No wrapper at all: the kernel's own cost of running an XDP program once. */
SEC("xdp")
int bench_bare(struct xdp_md *ctx)
{
	return XDP_PASS;
}
