// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb-bench: the datapath micro-benchmark. Runs the datapath and three floor programs through
 * BPF_PROG_TEST_RUN in a private network namespace, against a full flow table, and prints the
 * cost per packet beside the targets, with the counters that prove every iteration took the path
 * the case names. Method and caveats: man/xlb-bench.8.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <linux/bpf.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>

#include "dataplane.h"
#include "log.h"
#include "maglev.h"
#include "netns.h"
#include "opts.h"
#include "pkt.h"
#include "xlb_bench.skel.h"

#define BENCH_RUNS_DEFAULT 7
#define BENCH_RUNS_MAX 1001
#define BENCH_REPEAT_DEFAULT 200000
#define BENCH_WARMUP 1000 /* unmeasured iterations before each case: caches, the flow */
#define BENCH_PKT_MAX 256 /* bench_data[] in bpf/xlb_bench.bpf.c */
#define BENCH_OUT_MAX 512
#define BENCH_NBE 4	   /* backends per VIP */
#define BENCH_BE_PORT 8080 /* nat backends listen here, so nat rewrites the port too */
#define BENCH_VIP_PORT 80
#define BENCH_UDP_PORT 53
#define BENCH_CPORT 40000	/* the established client's port */
#define BENCH_CPORT_REPLY 40001 /* the client whose flow the nat reply case answers */

/* Addresses, all from 198.18.0.0/15 and 2001:2::/48, inside the bench's own namespace. */
#define BENCH_LB_C4 "198.18.0.1/24" /* client side */
#define BENCH_LB_C6 "2001:2::1/64"
#define BENCH_CLIENT4 "198.18.0.10"
#define BENCH_CLIENT6 "2001:2::10"
#define BENCH_LB_B4 "198.18.1.1/24" /* backend side */
#define BENCH_LB_B6 "2001:2:0:1::1/64"
#define BENCH_ENCAP_SRC4 "198.18.1.1"
#define BENCH_NON_VIP4 "198.18.50.1"
/* Prefilled flows come from 198.18.128.0/17; new flows of the SYN cases from 198.19.0.0/16
 * (bpf/xlb_bench.bpf.c), so neither meets the other nor the fixed clients above.
 */
#define BENCH_PREFILL_SRC 0xc6128000u

static const uint8_t bench_client_mac[ETH_ALEN] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x0a };
/* backend i: 02:00:c6:12:01:(0x10 + i), so an output MAC names its backend */
#define BENCH_BE_MAC_BASE 0x10

enum bench_prog {
	PROG_NOOP,
	PROG_NOOP_V4,
	PROG_NOOP_V6,
	PROG_NOOP_ADJ,
	PROG_VIP,
	PROG_VIP_V4,
	PROG_VIP_V6,
	PROG_NAT,
	PROG_FLOOR_PASS,
	PROG_FLOOR_SWAP,
	PROG_FLOOR_LOOKUP,
	PROG_BARE,
	PROG_NOOP_R4, /* the flood's: a random source and port each iteration */
	PROG_VIP_R4,
	PROG_MAX,
};

/* The services of the bench; the backends are ids be_first .. be_first + BENCH_NBE - 1. */
enum bench_vip_idx {
	VIP_TCP4,
	VIP_UDP4,
	VIP_TCP6,
	VIP_FIB4,
	VIP_DSR4,
	VIP_IPIP4,
	VIP_MAX,
};

struct bench_vip_def {
	uint8_t family;
	const char *addr;
	uint16_t port;
	uint8_t proto;
	uint8_t mode;
	uint32_t be_first;
};

/* Backends 0-3: IPv4 with cached next hops, as xlb-dp backend set leaves them (the production
 * choice); 4-7: IPv6, cached too; 8-11: the same IPv4 hosts by bpf_fib_lookup, for comparison.
 */
#define BE_V4 0
#define BE_V6 4
#define BE_FIB4 8
#define BE_MAX 12

static const struct bench_vip_def bench_vips[VIP_MAX] = {
	[VIP_TCP4] = { XLB_FAMILY_V4, "198.18.100.1", BENCH_VIP_PORT, IPPROTO_TCP, XLB_MODE_NAT,
		       BE_V4 },
	[VIP_UDP4] = { XLB_FAMILY_V4, "198.18.100.1", BENCH_UDP_PORT, IPPROTO_UDP, XLB_MODE_NAT,
		       BE_V4 },
	[VIP_TCP6] = { XLB_FAMILY_V6, "2001:2:0:100::1", BENCH_VIP_PORT, IPPROTO_TCP, XLB_MODE_NAT,
		       BE_V6 },
	[VIP_FIB4] = { XLB_FAMILY_V4, "198.18.100.2", BENCH_VIP_PORT, IPPROTO_TCP, XLB_MODE_NAT,
		       BE_FIB4 },
	[VIP_DSR4] = { XLB_FAMILY_V4, "198.18.100.3", BENCH_VIP_PORT, IPPROTO_TCP, XLB_MODE_DSR,
		       BE_V4 },
	[VIP_IPIP4] = { XLB_FAMILY_V4, "198.18.100.4", BENCH_VIP_PORT, IPPROTO_TCP, XLB_MODE_IPIP,
			BE_V4 },
};

/* What a case must show, in its counters and in the packet that comes out. */
enum bench_expect {
	EXP_FLOOR_PASS, /* untouched, XDP_PASS, datapath counters silent */
	EXP_FLOOR_TX,	/* MACs swapped, XDP_TX */
	EXP_NEW,	/* FLOW_NEW every iteration */
	EXP_HIT,	/* FLOW_HIT every iteration, always the same backend */
	EXP_PASS,	/* PASS every iteration, untouched */
	EXP_REPLY,	/* NAT_REPLY every iteration */
};

/* Which target a case is held to. */
enum bench_class {
	CLS_NONE,
	CLS_EST,
	CLS_SYN,
	CLS_NONVIP,
};

static const struct {
	const char *name;
	double target; /* x floor_lookup */
	/* Katran (unmodified), measured once on this machine by this method on 2026-12-01
	 * (LAB-NOTES.md): a reference, not a figure of this run */
	double reference;
} bench_targets[] = {
	[CLS_NONE] = { "-", 0, 0 },
	[CLS_EST] = { "established", 3.5, 3.8 },
	[CLS_SYN] = { "syn", 9.0, 41.6 },
	[CLS_NONVIP] = { "non-vip", 1.3, 1.7 },
};

static const char bench_reference[] =
	"reference_ratio: Katran built unmodified, measured once on this machine by this method "
	"(2026-12-01), not in this run";

struct bench_case {
	const char *name;
	enum bench_class cls;
	enum bench_prog prog;
	enum bench_prog base; /* the same wrapper around nothing */
	enum bench_expect expect;
	int vip; /* enum bench_vip_idx, -1 for none */
	uint8_t family;
	uint8_t proto;
	bool syn;
	const char *what;
};

static const struct bench_case bench_cases[] = {
	{ "floor_pass", CLS_NONE, PROG_FLOOR_PASS, PROG_NOOP, EXP_FLOOR_PASS, -1, 4, IPPROTO_TCP,
	  false, "returns XDP_PASS" },
	{ "floor_swap", CLS_NONE, PROG_FLOOR_SWAP, PROG_NOOP, EXP_FLOOR_TX, -1, 4, IPPROTO_TCP,
	  false, "parses Ethernet, IPv4, TCP; swaps MACs; XDP_TX" },
	{ "floor_lookup", CLS_NONE, PROG_FLOOR_LOOKUP, PROG_NOOP, EXP_FLOOR_TX, -1, 4, IPPROTO_TCP,
	  false, "floor_swap plus one hash map lookup (5-tuple)" },
	{ "v4_tcp_syn", CLS_SYN, PROG_VIP_V4, PROG_NOOP_V4, EXP_NEW, VIP_TCP4, 4, IPPROTO_TCP, true,
	  "nat, new flow every iteration, cached next hop" },
	{ "v4_tcp_established", CLS_EST, PROG_VIP, PROG_NOOP, EXP_HIT, VIP_TCP4, 4, IPPROTO_TCP,
	  false, "nat, cached next hop" },
	{ "v4_udp_established", CLS_EST, PROG_VIP, PROG_NOOP, EXP_HIT, VIP_UDP4, 4, IPPROTO_UDP,
	  false, "nat, cached next hop" },
	{ "v6_tcp_syn", CLS_SYN, PROG_VIP_V6, PROG_NOOP_V6, EXP_NEW, VIP_TCP6, 6, IPPROTO_TCP, true,
	  "nat, new flow every iteration, cached next hop" },
	{ "v6_tcp_established", CLS_EST, PROG_VIP, PROG_NOOP, EXP_HIT, VIP_TCP6, 6, IPPROTO_TCP,
	  false, "nat, cached next hop" },
	{ "v4_non_vip", CLS_NONVIP, PROG_VIP, PROG_NOOP, EXP_PASS, -1, 4, IPPROTO_TCP, false,
	  "not addressed to a VIP" },
	{ "v4_nat_reply", CLS_NONE, PROG_NAT, PROG_NOOP, EXP_REPLY, VIP_TCP4, 4, IPPROTO_TCP, false,
	  "backend's reply rewritten to come from the VIP; bpf_fib_lookup towards the client" },
	{ "v4_tcp_syn_fib", CLS_SYN, PROG_VIP_V4, PROG_NOOP_V4, EXP_NEW, VIP_FIB4, 4, IPPROTO_TCP,
	  true, "nat, new flow every iteration, bpf_fib_lookup" },
	{ "v4_tcp_established_fib", CLS_EST, PROG_VIP, PROG_NOOP, EXP_HIT, VIP_FIB4, 4, IPPROTO_TCP,
	  false, "nat, bpf_fib_lookup" },
	{ "v4_dsr_established", CLS_EST, PROG_VIP, PROG_NOOP, EXP_HIT, VIP_DSR4, 4, IPPROTO_TCP,
	  false, "dsr, cached next hop" },
	{ "v4_ipip_established", CLS_EST, PROG_VIP, PROG_NOOP_ADJ, EXP_HIT, VIP_IPIP4, 4,
	  IPPROTO_TCP, false, "ipip, cached next hop" },
};

#define BENCH_NCASES (sizeof(bench_cases) / sizeof(bench_cases[0]))
#define BENCH_FLOOR_LOOKUP 2 /* index of floor_lookup in bench_cases */

struct bench_result {
	bool measured;
	bool ok;   /* the proof held */
	double ns; /* median over runs of (case - baseline), ns per packet */
	double ns_min;
	double ns_max;
	double ratio; /* median over runs of ns / floor_lookup's ns in the same run */
	double raw;   /* median of the case alone */
	double base;  /* median of its baseline */
	uint32_t verdict;
	uint64_t iterations; /* measured iterations, counters checked against this */
	char proof[192];
};

struct bench_opts {
	const char *out;
	uint32_t runs;
	uint32_t repeat;
	uint32_t flows;
	int cpu; /* -1: the last CPU we may run on */
	bool json;
	bool verbose;
	bool only[BENCH_NCASES];
	bool any_only;
	uint32_t flood_flows; /* confirmed flows before the flood; 0: no flood section */
	uint32_t flood_syns;
};

/* The namespace's devices: c0 faces the clients, b0 the backends; c1 and b1 are their peers. */
struct bench_net {
	int c0, b0;
	uint8_t c0_mac[ETH_ALEN];
	uint8_t b0_mac[ETH_ALEN];
};

/* The flood section's findings (bench_flood). */
struct bench_flood {
	bool measured;
	uint32_t tries;	       /* keys offered to the table for the confirmed flows */
	uint32_t confirmed;    /* of them in the table, confirmed, before the flood */
	uint32_t v6_confirmed; /* of those, IPv6: the collision tuples aim at them */
	uint64_t syns;	       /* random-tuple SYNs sent */
	uint64_t collisions;   /* tuples that collide exactly under the old, folded hash */
	uint32_t kept;	       /* confirmed flows still in place, same backend, after both */
	uint32_t replies;      /* nat replies sent, one per confirmed flow */
	uint32_t reply_leaks;  /* of them, out with the backend's own address */
	uint32_t reply_drops;  /* of them, dropped (counted) rather than translated */
	double syn_ns;	       /* median over chunks of a flood SYN, baseline subtracted */
	double syn_ratio;      /* syn_ns / floor_lookup's ns of this run */
	double seconds;	       /* the flood's wall time */
};

struct bench {
	struct bench_opts o;
	struct bench_net net;
	struct dataplane *dp;
	struct xlb_bench_bpf *skel;
	int prog_fd[PROG_MAX];
	struct xlb_backend be[BE_MAX];
	__be32 vip_addr[VIP_MAX][4];
	int cpu;
	uint32_t flows_present; /* entries counted in xlb_flows after the prefill */
	double bare_ns;		/* an XDP program with no wrapper: the kernel's fixed cost */
	uint8_t floor_pkt[BENCH_PKT_MAX]; /* what floor_lookup looks up */
	uint32_t floor_len;
	struct bench_result res[BENCH_NCASES];
	struct bench_flood flood;
};

/* ---- the namespace ------------------------------------------------------------------------ */

static int bench_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Brings name up and returns its ifindex and MAC. */
static int bench_link_up(const char *name, int *ifindex, uint8_t *mac)
{
	int err = netns_link_up(-1, name);

	if (!err && ifindex) {
		*ifindex = netns_ifindex(-1, name);
		if (*ifindex < 0)
			err = *ifindex;
	}
	if (!err && mac)
		err = netns_link_mac(-1, name, mac);
	return err;
}

/* text, "ADDR" or "ADDR/PREFIX", as the bytes netns.c takes; the prefix defaults to the
 * whole address.
 */
static int bench_addr_parse(int family, const char *text, unsigned char *bin, int *prefixlen)
{
	char buf[INET6_ADDRSTRLEN + 4];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	*prefixlen = family == AF_INET ? 32 : 128;
	if (slash) {
		*slash = '\0';
		*prefixlen = atoi(slash + 1);
	}
	return inet_pton(family, buf, bin) == 1 ? 0 : -EINVAL;
}

/* Adds cidr to ifname; IPv6 without duplicate address detection, so it is usable at once. */
static int bench_addr_add(const char *ifname, int family, const char *cidr)
{
	unsigned char bin[16];
	int plen, err = bench_addr_parse(family, cidr, bin, &plen);

	return err ? err : netns_addr_add(-1, ifname, family, bin, plen);
}

/* A permanent neighbour, so that bpf_fib_lookup answers SUCCESS rather than NO_NEIGH. */
static int bench_neigh_add(const char *ifname, int family, const char *addr, const uint8_t *mac)
{
	unsigned char bin[16];
	int plen, err = bench_addr_parse(family, addr, bin, &plen);

	return err ? err : netns_neigh_add(-1, ifname, family, bin, mac);
}

static void bench_be_mac(int i, uint8_t *mac)
{
	static const uint8_t base[ETH_ALEN] = { 0x02, 0x00, 0xc6, 0x12, 0x01, BENCH_BE_MAC_BASE };

	memcpy(mac, base, ETH_ALEN);
	mac[5] += i;
}

static void bench_be_addr(int family, int i, char *buf, size_t n)
{
	if (family == AF_INET)
		snprintf(buf, n, "198.18.1.%d", 10 + i);
	else
		snprintf(buf, n, "2001:2:0:1::%x", 0x10 + i);
}

/* A private network namespace, gone with the process: two veth pairs, the balancer's addresses,
 * permanent neighbours for the client and the backends, and forwarding on (bpf_fib_lookup
 * answers FWD_DISABLED without it).
 */
static int bench_net_setup(struct bench_net *net)
{
	const char *step = "unshare(CLONE_NEWNET)";
	char c0[IFNAMSIZ], c1[IFNAMSIZ], b0[IFNAMSIZ], b1[IFNAMSIZ], addr[64];
	unsigned int tag = (unsigned int)getpid();
	uint8_t mac[ETH_ALEN];
	int err, i;

	snprintf(c0, sizeof(c0), "xb%uc0", tag);
	snprintf(c1, sizeof(c1), "xb%uc1", tag);
	snprintf(b0, sizeof(b0), "xb%ub0", tag);
	snprintf(b1, sizeof(b1), "xb%ub1", tag);

	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		goto out;
	}
	step = "veth pairs";
	err = netns_veth_create(-1, c0, -1, c1);
	if (!err)
		err = netns_veth_create(-1, b0, -1, b1);
	if (err)
		goto out;
	step = "links up";
	err = bench_link_up("lo", NULL, NULL);
	if (!err)
		err = bench_link_up(c1, NULL, NULL);
	if (!err)
		err = bench_link_up(b1, NULL, NULL);
	if (!err)
		err = bench_link_up(c0, &net->c0, net->c0_mac);
	if (!err)
		err = bench_link_up(b0, &net->b0, net->b0_mac);
	if (err)
		goto out;
	step = "addresses";
	err = bench_addr_add(c0, AF_INET, BENCH_LB_C4);
	if (!err)
		err = bench_addr_add(c0, AF_INET6, BENCH_LB_C6);
	if (!err)
		err = bench_addr_add(b0, AF_INET, BENCH_LB_B4);
	if (!err)
		err = bench_addr_add(b0, AF_INET6, BENCH_LB_B6);
	if (err)
		goto out;
	step = "neighbours";
	err = bench_neigh_add(c0, AF_INET, BENCH_CLIENT4, bench_client_mac);
	if (!err)
		err = bench_neigh_add(c0, AF_INET6, BENCH_CLIENT6, bench_client_mac);
	for (i = 0; !err && i < BENCH_NBE; i++) {
		bench_be_mac(i, mac);
		bench_be_addr(AF_INET, i, addr, sizeof(addr));
		err = bench_neigh_add(b0, AF_INET, addr, mac);
		if (err)
			break;
		bench_be_addr(AF_INET6, i, addr, sizeof(addr));
		err = bench_neigh_add(b0, AF_INET6, addr, mac);
	}
	if (err)
		goto out;
	/* the flood section's clients live beyond the client (198.19.0.0/16, 2001:2:0:200::/64):
	 * the nat replies to them are routed there
	 */
	step = "routes";
	{
		struct in_addr gw4;
		struct in6_addr gw6;

		inet_pton(AF_INET, BENCH_CLIENT4, &gw4);
		inet_pton(AF_INET6, BENCH_CLIENT6, &gw6);
		err = netns_route_add_default(-1, c0, AF_INET, &gw4);
		if (!err)
			err = netns_route_add_default(-1, c0, AF_INET6, &gw6);
	}
	if (err)
		goto out;
	/* after the devices exist: "all" is copied to each existing device */
	step = "forwarding sysctls";
	err = bench_write_file("/proc/sys/net/ipv4/ip_forward", "1");
	if (!err)
		err = bench_write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
out:
	if (err)
		log_error("network namespace: %s: %s", step, strerror(-err));
	return err;
}

/* ---- packets ------------------------------------------------------------------------------ */

struct bench_pkt_spec {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	const char *src;
	const char *dst;
	uint16_t sport;
	uint16_t dport;
	bool syn; /* TCP: SYN with the options Linux sends, else ACK with timestamps */
	const uint8_t *smac;
	const uint8_t *dmac;
};

/* Builds a frame as a Linux host would send it, checksums right (pkt.h). Returns its
 * length; the rest of pkt[BENCH_PKT_MAX] is zero.
 */
static uint32_t bench_pkt_build(const struct bench_pkt_spec *s, uint8_t *pkt)
{
	/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7 / NOP, NOP, timestamps */
	static const uint8_t syn_opts[20] = "\x02\x04\x05\xb4\x04\x02\x08\x0a\0\0\0\x01\0\0\0\0"
					    "\x01\x03\x03\x07";
	static const uint8_t ack_opts[12] = "\x01\x01\x08\x0a\0\0\0\x02\0\0\0\x01";
	int af = s->family == 4 ? AF_INET : AF_INET6;
	struct pkt_spec ps = {
		.family = s->family,
		.proto = s->proto,
		.sport = s->sport,
		.dport = s->dport,
		.df = true,
		/* sequence and acknowledgement numbers: any */
		.seq = 0x11000000,
		.ack = s->syn ? 0 : 0x22000000,
		.tcp_flags = s->syn ? PKT_TCP_SYN : PKT_TCP_ACK,
	};
	uint8_t query[32];
	struct pkt frame = { .len = 0 };

	memcpy(ps.dmac, s->dmac, ETH_ALEN);
	memcpy(ps.smac, s->smac, ETH_ALEN);
	inet_pton(af, s->src, ps.src);
	inet_pton(af, s->dst, ps.dst);
	if (s->proto == IPPROTO_TCP) {
		ps.tcp_opts = s->syn ? syn_opts : ack_opts;
		ps.tcp_opts_len = s->syn ? sizeof(syn_opts) : sizeof(ack_opts);
	} else {
		memset(query, 0x5a, sizeof(query)); /* a small query */
		ps.payload = query;
		ps.payload_len = sizeof(query);
	}
	pkt_build(&frame, &ps);
	memset(pkt, 0, BENCH_PKT_MAX);
	memcpy(pkt, frame.b, frame.len);
	return frame.len;
}

/* The packet a case sends; for the reply case the backend that serves the client's flow. */
static uint32_t bench_case_pkt(struct bench *b, const struct bench_case *c, int reply_be,
			       uint8_t *pkt)
{
	struct bench_pkt_spec s = {
		.family = c->family,
		.proto = c->proto,
		.src = c->family == 4 ? BENCH_CLIENT4 : BENCH_CLIENT6,
		.sport = BENCH_CPORT,
		.syn = c->syn,
		.smac = bench_client_mac,
		.dmac = b->net.c0_mac,
	};
	char be_addr[64];
	uint8_t be_mac[ETH_ALEN];

	if (c->vip >= 0) {
		s.dst = bench_vips[c->vip].addr;
		s.dport = bench_vips[c->vip].port;
	} else {
		s.dst = BENCH_NON_VIP4;
		s.dport = BENCH_VIP_PORT;
	}
	if (c->expect == EXP_REPLY && reply_be >= 0) {
		bench_be_addr(AF_INET, reply_be - bench_vips[c->vip].be_first, be_addr,
			      sizeof(be_addr));
		bench_be_mac(reply_be - bench_vips[c->vip].be_first, be_mac);
		s.src = be_addr;
		s.sport = BENCH_BE_PORT;
		s.dst = BENCH_CLIENT4;
		s.dport = BENCH_CPORT_REPLY;
		s.smac = be_mac;
		s.dmac = b->net.b0_mac;
	} else if (c->expect == EXP_REPLY) {
		/* the client's first packet, which creates the flow the reply answers */
		s.sport = BENCH_CPORT_REPLY;
		s.syn = true;
	}
	return bench_pkt_build(&s, pkt);
}

/* The flow key of a packet as the datapath builds it (no VLAN, no IP options here). */
static void bench_pkt_key(const uint8_t *pkt, struct xlb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	if (pkt[12] == 0x08) {
		k->family = XLB_FAMILY_V4;
		k->proto = pkt[ETH_HLEN + 9];
		memcpy(k->src, pkt + 26, 4);
		memcpy(k->dst, pkt + 30, 4);
		memcpy(&k->sport, pkt + 34, 2);
		memcpy(&k->dport, pkt + 36, 2);
	} else {
		k->family = XLB_FAMILY_V6;
		k->proto = pkt[ETH_HLEN + 6];
		memcpy(k->src, pkt + 22, 16);
		memcpy(k->dst, pkt + 38, 16);
		memcpy(&k->sport, pkt + 54, 2);
		memcpy(&k->dport, pkt + 56, 2);
	}
}

/* ---- the datapath ------------------------------------------------------------------------- */

static int bench_parse_addr(uint8_t family, const char *s, __be32 *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(family == XLB_FAMILY_V4 ? AF_INET : AF_INET6, s, addr) != 1)
		return -EINVAL;
	return 0;
}

/* Backends, services and their Maglev tables. */
static int bench_dp_config(struct bench *b)
{
	struct maglev_backend mb[BENCH_NBE];
	char addr[64];
	int err, i, v;

	for (i = 0; i < BE_MAX; i++) {
		struct xlb_backend *be = &b->be[i];
		int fam = i >= BE_V6 && i < BE_FIB4 ? AF_INET6 : AF_INET;
		int host = i % BENCH_NBE;

		memset(be, 0, sizeof(*be));
		be->family = fam == AF_INET ? XLB_FAMILY_V4 : XLB_FAMILY_V6;
		bench_be_addr(fam, host, addr, sizeof(addr));
		bench_parse_addr(be->family, addr, be->addr);
		bench_parse_addr(be->family, fam == AF_INET ? BENCH_ENCAP_SRC4 : "2001:2:0:1::1",
				 be->encap_src);
		be->port = htons(BENCH_BE_PORT);
		be->flags = XLB_BE_F_ACTIVE;
		be->gen = 1;
		if (i < BE_FIB4) {
			/* what bpf_fib_lookup would have answered */
			be->flags |= XLB_BE_F_NH_CACHED;
			be->nh_ifindex = b->net.b0;
			bench_be_mac(host, be->nh_dmac);
			memcpy(be->nh_smac, b->net.b0_mac, ETH_ALEN);
		}
		err = dataplane_backend_set(b->dp, i, be);
		if (err) {
			log_error("backend %d: %s", i, strerror(-err));
			return err;
		}
	}
	for (v = 0; v < VIP_MAX; v++) {
		const struct bench_vip_def *d = &bench_vips[v];
		struct xlb_vip_key key = { .port = htons(d->port),
					   .proto = d->proto,
					   .family = d->family };
		struct xlb_vip vip = { .id = v, .mode = d->mode };

		bench_parse_addr(d->family, d->addr, key.addr);
		memcpy(b->vip_addr[v], key.addr, sizeof(key.addr));
		for (i = 0; i < BENCH_NBE; i++) {
			const struct xlb_backend *be = &b->be[d->be_first + i];

			mb[i].id = d->be_first + i;
			mb[i].weight = 1;
			mb[i].key = maglev_key(be->addr, be->family == XLB_FAMILY_V4 ? 4 : 16,
					       ntohs(be->port));
		}
		err = dataplane_vip_set(b->dp, &key, &vip);
		if (!err)
			err = dataplane_ring_set(b->dp, v, mb, BENCH_NBE);
		if (err) {
			log_error("VIP %s port %u: %s", d->addr, d->port, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int bench_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0, i;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n;
}

static int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int bench_count_one(const struct dataplane_flow *flow, void *arg)
{
	(*(uint32_t *)arg)++;
	return 0;
}

/* Flows in xlb_flows: proves the table is full, not merely sized. */
static int bench_count_flows(struct bench *b, uint32_t *count)
{
	*count = 0;
	return dataplane_flow_walk(b->dp, bench_count_one, count);
}

/* Fills the flow table with distinct flows of VIP_TCP4, placed as the datapath places them,
 * until every way holds one: a full table, as in production, where each new flow evicts one.
 */
static int bench_prefill(struct bench *b)
{
	uint32_t cap = dataplane_flow_capacity(b->dp), filled = 0, f;
	bool tty = isatty(STDERR_FILENO);
	struct xlb_flow_key key = {};
	__be32 vip;
	int err;

	inet_pton(AF_INET, bench_vips[VIP_TCP4].addr, &vip);
	if (!tty)
		log_info("prefilling the flow table with %u flows", cap);
	dataplane_flows_clear(b->dp);
	key.dst[0] = vip;
	key.dport = htons(BENCH_VIP_PORT);
	key.proto = IPPROTO_TCP;
	key.family = XLB_FAMILY_V4;
	/* random placement fills the last free ways slowly (a coupon collector): about
	 * 20 keys a way for 1M ways
	 */
	for (f = 0; filled < cap && f < 64 * cap; f++) {
		uint32_t be = f % BENCH_NBE;

		key.src[0] = htonl(BENCH_PREFILL_SRC | (f & 0x7fff));
		key.sport = htons(1024 + (f >> 15));
		/* unconfirmed, so that a new flow takes a way as in a table that churns */
		err = dataplane_flow_set(b->dp, &key, BE_V4 + be, b->be[BE_V4 + be].gen, VIP_TCP4,
					 false);
		if (err < 0) {
			log_error("prefill: %s", strerror(-err));
			return err;
		}
		filled += err; /* 1: it took a free way */
		if (tty && (filled % 65536 == 0 || filled == cap))
			fprintf(stderr, "\rxlb-bench: prefilling the flow table: %u/%u", filled,
				cap);
	}
	if (tty)
		fprintf(stderr, "\n");
	log_info("flow table filled: %u of %u ways hold a flow", filled, cap);
	return 0;
}

static int bench_open(struct bench *b)
{
	/* no new-flow rate: the SYN cases measure taking a way, every iteration */
	struct dataplane_opts dopts = { .pin_dir = NULL,
					.flow_capacity = b->o.flows,
					.new_flow_rate = UINT32_MAX };
	struct bpf_program *progs[PROG_MAX];
	int err, i;

	err = dataplane_open(&b->dp, &dopts, NULL);
	if (err) {
		log_error("dataplane_open: %s", strerror(-err));
		return err;
	}
	err = dataplane_tx_port_add(b->dp, b->net.c0);
	if (!err)
		err = dataplane_tx_port_add(b->dp, b->net.b0);
	if (err) {
		log_error("dataplane_tx_port_add: %s", strerror(-err));
		return err;
	}

	b->skel = xlb_bench_bpf__open();
	if (!b->skel) {
		err = -errno;
		log_error("opening the bench object: %s", strerror(-err));
		return err;
	}
	b->skel->rodata->xlb_ring_size = dataplane_ring_size(b->dp);
	b->skel->rodata->xlb_flow_mask = dataplane_flow_capacity(b->dp) / XLB_FLOW_WAYS - 1;
	b->skel->rodata->xlb_new_flow_rate = UINT32_MAX; /* as the datapath opened above */
	/* the datapath's own entry points are loaded by dataplane_open already */
	bpf_program__set_autoload(b->skel->progs.xlb_rx, false);
	bpf_program__set_autoload(b->skel->progs.xlb_rx_nat, false);
	err = dataplane_reuse_maps(b->dp, b->skel->obj);
	if (err) {
		log_error("dataplane_reuse_maps: %s", strerror(-err));
		return err;
	}
	err = xlb_bench_bpf__load(b->skel);
	if (err) {
		log_error("loading the bench object: %s", strerror(-err));
		return err;
	}

	progs[PROG_NOOP] = b->skel->progs.bench_noop;
	progs[PROG_NOOP_V4] = b->skel->progs.bench_noop_v4;
	progs[PROG_NOOP_V6] = b->skel->progs.bench_noop_v6;
	progs[PROG_NOOP_ADJ] = b->skel->progs.bench_noop_adj;
	progs[PROG_VIP] = b->skel->progs.bench_vip;
	progs[PROG_VIP_V4] = b->skel->progs.bench_vip_v4;
	progs[PROG_VIP_V6] = b->skel->progs.bench_vip_v6;
	progs[PROG_NAT] = b->skel->progs.bench_nat;
	progs[PROG_FLOOR_PASS] = b->skel->progs.floor_pass;
	progs[PROG_FLOOR_SWAP] = b->skel->progs.floor_swap;
	progs[PROG_FLOOR_LOOKUP] = b->skel->progs.floor_lookup;
	progs[PROG_BARE] = b->skel->progs.bench_bare;
	progs[PROG_NOOP_R4] = b->skel->progs.bench_noop_r4;
	progs[PROG_VIP_R4] = b->skel->progs.bench_vip_r4;
	for (i = 0; i < PROG_MAX; i++)
		b->prog_fd[i] = bpf_program__fd(progs[i]);
	return 0;
}

/* ---- measuring ---------------------------------------------------------------------------- */

struct bench_run {
	uint32_t retval;
	uint32_t duration; /* ns per iteration, as the kernel averages it */
	uint32_t out_len;
	uint8_t out[BENCH_OUT_MAX];
};

/* One BPF_PROG_TEST_RUN in classic repeat mode, received on ifindex. */
static int bench_run_prog(struct bench *b, enum bench_prog prog, const uint8_t *pkt, uint32_t len,
			  int ifindex, uint32_t repeat, struct bench_run *r)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);
	int err;

	err = bpf_prog_test_run_opts(b->prog_fd[prog], &opts);
	if (err) {
		err = -errno;
		log_error("BPF_PROG_TEST_RUN: %s", strerror(errno));
		return err;
	}
	r->retval = opts.retval;
	r->duration = opts.duration;
	r->out_len = opts.data_size_out;
	return 0;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bench_median(double *v, uint32_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *bench_verdict_name(uint32_t v)
{
	static const char *names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
				       "XDP_REDIRECT" };

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

static uint32_t bench_expect_verdict(const struct bench_case *c)
{
	switch (c->expect) {
	case EXP_FLOOR_PASS:
	case EXP_PASS:
		return XDP_PASS;
	case EXP_FLOOR_TX:
		return XDP_TX;
	default:
		/* every service leaves through b0 and every reply through c0: a redirect */
		return XDP_REDIRECT;
	}
}

#define BENCH_FAIL(r, ...)                                                       \
	do {                                                                     \
		int n_ = snprintf((r)->proof, sizeof((r)->proof), "FAIL: ");     \
		snprintf((r)->proof + n_, sizeof((r)->proof) - n_, __VA_ARGS__); \
		(r)->ok = false;                                                 \
		return false;                                                    \
	} while (0)

/* The frame that came out of the last iteration: is it the rewrite the case names? be is the
 * expected backend, or -1 for any of the VIP's (a new flow's).
 */
static bool bench_check_out(struct bench *b, const struct bench_case *c, const uint8_t *in,
			    uint32_t in_len, const struct bench_run *run, int be,
			    struct bench_result *r)
{
	const struct bench_vip_def *d = c->vip >= 0 ? &bench_vips[c->vip] : NULL;
	const uint8_t *out = run->out;
	uint32_t l3 = ETH_HLEN, alen = c->family == 4 ? 4 : 16;
	uint32_t dst = c->family == 4 ? 30 : 38, src = c->family == 4 ? 26 : 22;
	uint32_t l4 = c->family == 4 ? 34 : 54, host;
	const struct xlb_backend *xb;
	uint8_t ref[BENCH_PKT_MAX];

	switch (c->expect) {
	case EXP_FLOOR_PASS:
	case EXP_PASS:
		if (run->out_len != in_len || memcmp(out, in, in_len))
			BENCH_FAIL(r, "packet changed");
		return true;
	case EXP_FLOOR_TX:
		if (run->out_len != in_len || memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6) ||
		    memcmp(out + 12, in + 12, in_len - 12))
			BENCH_FAIL(r, "MACs not swapped");
		return true;
	case EXP_REPLY:
		if (run->out_len != in_len)
			BENCH_FAIL(r, "length %u, want %u", run->out_len, in_len);
		if (memcmp(out, bench_client_mac, ETH_ALEN) ||
		    memcmp(out + 6, b->net.c0_mac, ETH_ALEN))
			BENCH_FAIL(r, "MACs are not the client's next hop");
		if (memcmp(out + src, b->vip_addr[c->vip], alen) ||
		    out[l4] != (BENCH_VIP_PORT >> 8) || out[l4 + 1] != (BENCH_VIP_PORT & 0xff))
			BENCH_FAIL(r, "source is not the VIP");
		return true;
	default:
		break;
	}
	/* towards a backend: the destination MAC names it */
	if (memcmp(out + 6, b->net.b0_mac, ETH_ALEN) || out[0] != 0x02 ||
	    out[5] < BENCH_BE_MAC_BASE || out[5] >= BENCH_BE_MAC_BASE + BENCH_NBE)
		BENCH_FAIL(r, "MACs are not a backend's next hop");
	host = out[5] - BENCH_BE_MAC_BASE;
	if (be >= 0 && d->be_first + host != (uint32_t)be)
		BENCH_FAIL(r, "went to backend %u, the flow has %d", d->be_first + host, be);
	xb = &b->be[d->be_first + host];
	/* the packet as this iteration sent it: a new flow's source came from the counter */
	memcpy(ref, in, in_len);
	if (c->syn) {
		const uint8_t *ip = out + (d->mode == XLB_MODE_IPIP ? 20 : 0);

		memcpy(ref + src, ip + src, alen);
		memcpy(ref + l4, ip + l4, 2);
	}
	switch (d->mode) {
	case XLB_MODE_NAT:
		if (run->out_len != in_len || memcmp(out + dst, xb->addr, alen) ||
		    memcmp(out + l4 + 2, &xb->port, 2))
			BENCH_FAIL(r, "destination is not the backend");
		break;
	case XLB_MODE_DSR:
		if (run->out_len != in_len || memcmp(out + l3, ref + l3, in_len - l3))
			BENCH_FAIL(r, "dsr changed the IP packet");
		break;
	case XLB_MODE_IPIP:
		if (run->out_len != in_len + 20 || out[l3 + 9] != IPPROTO_IPIP ||
		    memcmp(out + l3 + 16, xb->addr, 4) ||
		    memcmp(out + l3 + 20, ref + l3, in_len - l3))
			BENCH_FAIL(r, "not encapsulated towards the backend");
		break;
	}
	return true;
}

/* The counters after the measured runs: every iteration took the case's path and no other. */
static bool bench_check_counters(struct bench *b, const struct bench_case *c, uint64_t it, int be,
				 struct bench_result *r)
{
	const struct bench_vip_def *d = c->vip >= 0 ? &bench_vips[c->vip] : NULL;
	unsigned long long n = it;
	uint64_t want[XLB_PATH_MAX] = { 0 }, new_flows = 0;
	struct xlb_global_stats gs;
	struct xlb_counters vs, bs;
	int err, p, i;

	err = dataplane_global_stats(b->dp, &gs);
	if (err)
		BENCH_FAIL(r, "reading the counters: %s", strerror(-err));
	switch (c->expect) {
	case EXP_NEW:
		want[XLB_PATH_FLOW_NEW] = it;
		want[XLB_PATH_REDIRECT] = it;
		break;
	case EXP_HIT:
		want[XLB_PATH_FLOW_HIT] = it;
		want[XLB_PATH_REDIRECT] = it;
		break;
	case EXP_PASS:
		want[XLB_PATH_PASS] = it;
		break;
	case EXP_REPLY:
		want[XLB_PATH_NAT_REPLY] = it;
		want[XLB_PATH_REDIRECT] = it;
		break;
	default:
		break; /* floors never enter the datapath */
	}
	for (p = 0; p < XLB_PATH_MAX; p++)
		if (gs.path[p] != want[p])
			BENCH_FAIL(r, "%s=%llu, want %llu", dataplane_path_name(p),
				   (unsigned long long)gs.path[p], (unsigned long long)want[p]);
	for (p = 0; p < XLB_DROP_MAX; p++)
		if (gs.drop[p])
			BENCH_FAIL(r, "drop %s=%llu", dataplane_drop_name(p),
				   (unsigned long long)gs.drop[p]);

	switch (c->expect) {
	case EXP_FLOOR_PASS:
		snprintf(r->proof, sizeof(r->proof), "ok: datapath silent, packet unchanged");
		return true;
	case EXP_FLOOR_TX:
		snprintf(r->proof, sizeof(r->proof), "ok: datapath silent, MACs swapped");
		return true;
	case EXP_PASS:
		snprintf(r->proof, sizeof(r->proof), "ok: pass=%llu, packet unchanged", n);
		return true;
	default:
		break;
	}
	err = dataplane_vip_stats(b->dp, c->vip, &vs);
	if (err)
		BENCH_FAIL(r, "reading the VIP's counters: %s", strerror(-err));
	if (c->expect == EXP_REPLY) {
		err = dataplane_backend_stats(b->dp, be, &bs);
		if (err)
			BENCH_FAIL(r, "reading the backend's counters: %s", strerror(-err));
		if (vs.reply_packets != it || bs.reply_packets != it)
			BENCH_FAIL(r, "reply_packets vip %llu backend %llu, want %llu",
				   (unsigned long long)vs.reply_packets,
				   (unsigned long long)bs.reply_packets, n);
		snprintf(r->proof, sizeof(r->proof),
			 "ok: nat_reply=redirect=reply_packets=%llu, src=VIP", n);
		return true;
	}
	if (vs.packets != it)
		BENCH_FAIL(r, "VIP packets=%llu, want %llu", (unsigned long long)vs.packets, n);
	if (c->expect == EXP_NEW) {
		for (i = 0; i < BENCH_NBE; i++) {
			err = dataplane_backend_stats(b->dp, d->be_first + i, &bs);
			if (err)
				BENCH_FAIL(r, "reading backend counters: %s", strerror(-err));
			new_flows += bs.new_flows;
		}
		if (vs.new_flows != it || new_flows != it)
			BENCH_FAIL(r, "new_flows vip %llu backends %llu, want %llu",
				   (unsigned long long)vs.new_flows, (unsigned long long)new_flows,
				   n);
		snprintf(r->proof, sizeof(r->proof), "ok: flow_new=redirect=new_flows=%llu", n);
		return true;
	}
	err = dataplane_backend_stats(b->dp, be, &bs);
	if (err)
		BENCH_FAIL(r, "reading the backend's counters: %s", strerror(-err));
	if (vs.new_flows || bs.packets != it)
		BENCH_FAIL(r, "new_flows %llu, backend %d packets %llu, want 0 and %llu",
			   (unsigned long long)vs.new_flows, be, (unsigned long long)bs.packets, n);
	snprintf(r->proof, sizeof(r->proof), "ok: flow_hit=redirect=%llu, all to backend %d", n,
		 be);
	return true;
}

/* Every counter that moved, for --verbose and for a failed verdict. */
static void bench_counters_str(struct bench *b, char *buf, size_t n)
{
	struct xlb_global_stats gs;
	size_t off = 0;
	int k;

	buf[0] = 0;
	if (dataplane_global_stats(b->dp, &gs))
		return;
	for (k = 0; k < XLB_PATH_MAX && off < n; k++)
		if (gs.path[k])
			off += snprintf(buf + off, n - off, " %s=%llu", dataplane_path_name(k),
					(unsigned long long)gs.path[k]);
	for (k = 0; k < XLB_DROP_MAX && off < n; k++)
		if (gs.drop[k])
			off += snprintf(buf + off, n - off, " drop_%s=%llu", dataplane_drop_name(k),
					(unsigned long long)gs.drop[k]);
}

/* The backend of the flow pkt belongs to, or -1. */
static int bench_flow_backend(struct bench *b, const uint8_t *pkt)
{
	struct xlb_flow_key key;
	struct dataplane_flow fl;

	bench_pkt_key(pkt, &key);
	if (dataplane_flow_lookup(b->dp, &key, &fl))
		return -1;
	return (int)fl.backend_id;
}

static void bench_set_pkt(struct bench *b, const uint8_t *pkt, uint32_t len)
{
	b->skel->bss->bench_len = len;
	memcpy(b->skel->bss->bench_data, pkt, len);
}

/* A warm-up, then each run measures floor_lookup and its baseline, the case's baseline and the
 * case, back to back, so that what is subtracted and divided saw the same machine.
 */
static int bench_case_run(struct bench *b, size_t idx)
{
	const struct bench_case *c = &bench_cases[idx];
	struct bench_result *r = &b->res[idx];
	uint32_t want = bench_expect_verdict(c), len, i, runs = b->o.runs;
	int ifindex = c->expect == EXP_REPLY ? b->net.b0 : b->net.c0;
	double net[BENCH_RUNS_MAX], raw[BENCH_RUNS_MAX], base[BENCH_RUNS_MAX];
	double ratio[BENCH_RUNS_MAX], floor = 0, fbase;
	uint32_t nratio = 0;
	uint8_t pkt[BENCH_PKT_MAX];
	struct bench_run run;
	char counters[256];
	int be = -1, err;
	uint32_t bad_run = 0;

	r->measured = true;
	r->ok = true;
	if (c->expect == EXP_REPLY) {
		/* the client's SYN first: it creates the flow the reply answers */
		len = bench_case_pkt(b, c, -1, pkt);
		bench_set_pkt(b, pkt, len);
		err = bench_run_prog(b, PROG_VIP, pkt, len, b->net.c0, 1, &run);
		if (err)
			return err;
		be = bench_flow_backend(b, pkt);
		if (be < 0) {
			snprintf(r->proof, sizeof(r->proof), "FAIL: the client's SYN made no flow");
			r->ok = false;
			return 0;
		}
	}
	len = bench_case_pkt(b, c, be, pkt);
	bench_set_pkt(b, pkt, len);
	err = bench_run_prog(b, c->base, pkt, len, ifindex, BENCH_WARMUP, &run);
	if (!err)
		err = bench_run_prog(b, c->prog, pkt, len, ifindex, BENCH_WARMUP, &run);
	if (err)
		return err;
	if (c->expect == EXP_HIT) {
		be = bench_flow_backend(b, pkt);
		if (be < 0) {
			snprintf(r->proof, sizeof(r->proof), "FAIL: no flow after the warm-up");
			r->ok = false;
			return 0;
		}
	}

	err = dataplane_stats_reset(b->dp);
	if (err) {
		log_error("dataplane_stats_reset: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < runs; i++) {
		/* floor_lookup in every run, beside the case: the ratio then compares the two on
		 * the same machine state, which on a shared VM drifts from minute to minute
		 */
		if (idx != BENCH_FLOOR_LOOKUP) {
			bench_set_pkt(b, b->floor_pkt, b->floor_len);
			err = bench_run_prog(b, PROG_NOOP, b->floor_pkt, b->floor_len, b->net.c0,
					     b->o.repeat, &run);
			if (!err) {
				fbase = run.duration;
				err = bench_run_prog(b, PROG_FLOOR_LOOKUP, b->floor_pkt,
						     b->floor_len, b->net.c0, b->o.repeat, &run);
			}
			if (err)
				return err;
			floor = run.duration - fbase;
			bench_set_pkt(b, pkt, len);
		}
		err = bench_run_prog(b, c->base, pkt, len, ifindex, b->o.repeat, &run);
		if (err)
			return err;
		base[i] = run.duration;
		err = bench_run_prog(b, c->prog, pkt, len, ifindex, b->o.repeat, &run);
		if (err)
			return err;
		raw[i] = run.duration;
		net[i] = raw[i] - base[i];
		if (idx == BENCH_FLOOR_LOOKUP)
			floor = net[i];
		if (floor > 0)
			ratio[nratio++] = net[i] / floor;
		if (b->o.verbose)
			log_debug("%s run %u: %.0f ns, baseline %.0f ns, floor_lookup %.0f ns",
				  c->name, i + 1, raw[i], base[i], floor);
		if (run.retval != want && !bad_run) {
			bad_run = i + 1;
			r->verdict = run.retval;
		}
	}
	if (!bad_run)
		r->verdict = run.retval;
	r->iterations = (uint64_t)runs * b->o.repeat;
	r->ns = bench_median(net, runs); /* sorts net[] */
	r->ns_min = net[0];
	r->ns_max = net[runs - 1];
	r->ratio = nratio ? bench_median(ratio, nratio) : -1;
	r->raw = bench_median(raw, runs);
	r->base = bench_median(base, runs);
	bench_counters_str(b, counters, sizeof(counters));
	if (b->o.verbose)
		log_info("%s counters:%s", c->name, counters);
	if (bad_run) {
		snprintf(r->proof, sizeof(r->proof), "FAIL: %s in run %u, want %s; counters:%.120s",
			 bench_verdict_name(r->verdict), bad_run, bench_verdict_name(want),
			 counters);
		r->ok = false;
	} else if (bench_check_out(b, c, pkt, len, &run, be, r)) {
		bench_check_counters(b, c, r->iterations, be, r);
	}
	return 0;
}

/* An XDP program with no wrapper: what the kernel itself costs per packet, for reference. */
static int bench_bare(struct bench *b)
{
	uint32_t runs = b->o.runs, i, len;
	const struct bench_case *c = &bench_cases[BENCH_FLOOR_LOOKUP];
	uint8_t pkt[BENCH_PKT_MAX];
	double v[BENCH_RUNS_MAX] = { 0 };
	struct bench_run run;
	int err;

	len = bench_case_pkt(b, c, -1, pkt);
	for (i = 0; i < runs; i++) {
		err = bench_run_prog(b, PROG_BARE, pkt, len, b->net.c0, b->o.repeat, &run);
		if (err)
			return err;
		v[i] = run.duration;
	}
	b->bare_ns = bench_median(v, runs);
	return 0;
}

/* The 5-tuple of the floor packet, as floor_lookup builds it (struct bench_tuple). */
struct bench_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	uint8_t proto;
	uint8_t pad[3];
};

static int bench_floor_setup(struct bench *b)
{
	const struct bench_case *c = &bench_cases[BENCH_FLOOR_LOOKUP];
	struct bench_tuple t = { .proto = IPPROTO_TCP };
	struct bpf_map *map = b->skel->maps.floor_map;
	uint8_t pkt[BENCH_PKT_MAX];
	uint32_t one = 1;

	if (bpf_map__key_size(map) != sizeof(t))
		return -EINVAL;
	b->floor_len = bench_case_pkt(b, c, -1, pkt);
	memcpy(b->floor_pkt, pkt, b->floor_len);
	memcpy(&t.saddr, pkt + 26, 4);
	memcpy(&t.daddr, pkt + 30, 4);
	memcpy(&t.sport, pkt + 34, 2);
	memcpy(&t.dport, pkt + 36, 2);
	return bpf_map_update_elem(bpf_map__fd(map), &t, &one, BPF_ANY) ? -errno : 0;
}

/* ---- reporting ---------------------------------------------------------------------------- */

/* x floor_lookup, or a negative value when there was no floor to divide by. */
static double bench_ratio(const struct bench *b, const struct bench_result *r)
{
	return r->ratio;
}

static const char *bench_mark(const struct bench *b, size_t i)
{
	double ratio = bench_ratio(b, &b->res[i]);

	if (bench_cases[i].cls == CLS_NONE)
		return "";
	if (!b->res[i].ok)
		return "-"; /* a figure for the wrong path meets nothing */
	if (ratio < 0)
		return "?";
	return ratio <= bench_targets[bench_cases[i].cls].target ? "pass" : "MISS";
}

static void bench_print_table(const struct bench *b)
{
	size_t i;

	printf("xlb-bench: %u runs x %u iterations a case, CPU %d, flow table %u/%u entries\n",
	       b->o.runs, b->o.repeat, b->cpu, b->flows_present, b->o.flows);
	printf("ns/pkt: median over runs of (case - the same wrapper around nothing); x floor: "
	       "median over runs of ns/pkt / floor_lookup's in the same run.\nNot included: the "
	       "wrapper's restore (%.0f ns) and the kernel's cost of running any XDP program "
	       "(%.0f ns)\n\n",
	       b->res[BENCH_FLOOR_LOOKUP].base, b->bare_ns);
	printf("%-27s %7s %11s %7s %7s %5s %-13s %s\n", "case", "ns/pkt", "min..max", "x floor",
	       "target", "mark", "verdict", "proof");
	for (i = 0; i < BENCH_NCASES; i++) {
		const struct bench_result *r = &b->res[i];
		const struct bench_case *c = &bench_cases[i];
		double ratio = bench_ratio(b, r);
		char spread[32], rs[16], ts[16];

		if (!r->measured)
			continue;
		snprintf(spread, sizeof(spread), "%.0f..%.0f", r->ns_min, r->ns_max);
		if (ratio >= 0)
			snprintf(rs, sizeof(rs), "%.2f", ratio);
		else
			snprintf(rs, sizeof(rs), "-");
		if (c->cls != CLS_NONE)
			snprintf(ts, sizeof(ts), "<=%.1f", bench_targets[c->cls].target);
		else
			snprintf(ts, sizeof(ts), "-");
		printf("%-27s %7.1f %11s %7s %7s %5s %-13s %s\n", c->name, r->ns, spread, rs, ts,
		       bench_mark(b, i), bench_verdict_name(r->verdict), r->proof);
	}
	printf("\ntargets x floor_lookup: established <=3.5, SYN <=9, non-VIP <=1.3\n"
	       "for reference, not measured in this run: Katran, measured once on this machine by "
	       "this method (2026-12-01): %.1f, %.1f, %.1f\n",
	       bench_targets[CLS_EST].reference, bench_targets[CLS_SYN].reference,
	       bench_targets[CLS_NONVIP].reference);
}

static json_object *bench_json_num(double v, const char *fmt)
{
	char buf[32];

	snprintf(buf, sizeof(buf), fmt, v);
	return json_object_new_double_s(v, buf);
}

static const char bench_method[] =
	"BPF_PROG_TEST_RUN, classic repeat mode; every iteration restores the original packet, then "
	"runs the program; ns_per_pkt: median over runs of (case - the same wrapper around nothing), "
	"as the kernel times them; ratio: median over runs of ns_per_pkt / floor_lookup's, both "
	"measured in the same run";

static json_object *flood_json(const struct bench *b);

static json_object *bench_json(const struct bench *b)
{
	json_object *root = json_object_new_object(), *cases = json_object_new_array();
	struct utsname u;
	bool ok = true;
	size_t i;

	uname(&u);
	json_object_object_add(root, "tool", json_object_new_string("xlb-bench"));
	json_object_object_add(root, "kernel", json_object_new_string(u.release));
	json_object_object_add(root, "method", json_object_new_string(bench_method));
	json_object_object_add(root, "reference", json_object_new_string(bench_reference));
	json_object_object_add(root, "runs", json_object_new_int64(b->o.runs));
	json_object_object_add(root, "repeat", json_object_new_int64(b->o.repeat));
	json_object_object_add(root, "cpu", json_object_new_int(b->cpu));
	json_object_object_add(root, "flow_capacity", json_object_new_int64(b->o.flows));
	json_object_object_add(root, "flows_present", json_object_new_int64(b->flows_present));
	json_object_object_add(root, "bare_xdp_ns", bench_json_num(b->bare_ns, "%.1f"));
	for (i = 0; i < BENCH_NCASES; i++) {
		const struct bench_result *r = &b->res[i];
		const struct bench_case *c = &bench_cases[i];
		double ratio = bench_ratio(b, r);
		json_object *o;

		if (!r->measured)
			continue;
		ok = ok && r->ok;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(c->name));
		json_object_object_add(o, "description", json_object_new_string(c->what));
		json_object_object_add(o, "ns_per_pkt", bench_json_num(r->ns, "%.1f"));
		json_object_object_add(o, "ns_min", bench_json_num(r->ns_min, "%.1f"));
		json_object_object_add(o, "ns_max", bench_json_num(r->ns_max, "%.1f"));
		json_object_object_add(o, "raw_ns", bench_json_num(r->raw, "%.1f"));
		json_object_object_add(o, "baseline_ns", bench_json_num(r->base, "%.1f"));
		json_object_object_add(o, "ratio_floor_lookup",
				       ratio >= 0 ? bench_json_num(ratio, "%.2f") : NULL);
		if (c->cls != CLS_NONE) {
			double target = bench_targets[c->cls].target;

			json_object_object_add(o, "target_class",
					       json_object_new_string(bench_targets[c->cls].name));
			json_object_object_add(o, "target_ratio", bench_json_num(target, "%.1f"));
			json_object_object_add(o, "reference_ratio",
					       bench_json_num(bench_targets[c->cls].reference,
							      "%.1f"));
			json_object_object_add(o, "target_met",
					       ratio >= 0 && r->ok ?
						       json_object_new_boolean(ratio <= target) :
						       NULL);
		}
		json_object_object_add(o, "verdict",
				       json_object_new_string(bench_verdict_name(r->verdict)));
		json_object_object_add(o, "iterations", json_object_new_int64(r->iterations));
		json_object_object_add(o, "proof_ok", json_object_new_boolean(r->ok));
		json_object_object_add(o, "proof", json_object_new_string(r->proof));
		json_object_array_add(cases, o);
	}
	json_object_object_add(root, "cases", cases);
	if (b->flood.measured)
		json_object_object_add(root, "flood", flood_json(b));
	json_object_object_add(root, "ok", json_object_new_boolean(ok));
	return root;
}

/* ---- the flood ---------------------------------------------------------------------------- */

/* A table of confirmed flows, then a flood of random-tuple SYNs and of tuples aimed at those
 * flows, then every flow's nat reply: what an attacker who floods the VIP does to the clients
 * already served. The datapath runs with no new-flow rate limit here (bench_open), so that every
 * SYN tries to take a way: the worst case for the table, where only the eviction order (free,
 * closed, unconfirmed, then confirmed flows idle XLB_FLOW_IDLE_S) protects the established.
 */
#define FLOOD_CHUNK 1000000u	  /* SYNs per BPF_PROG_TEST_RUN, and per progress line */
#define FLOOD_BASE_REPEAT 100000u /* iterations of the baseline beside each chunk */
#define FLOOD_SPORT 1024
#define FLOOD_SRC4 0xc6130000u	  /* 198.19.0.0/16: the IPv4 flows' clients */
#define FLOOD_SRC6_W0 0x20010002u /* 2001:2:0:200::/64: the IPv6 flows' clients */
#define FLOOD_SRC6_W1 0x00000200u
#define FLOOD_AIMS 3 /* collision tuples aimed at each IPv6 flow, up to --flood-flows */

/* The flow of try a: even tries IPv4 to VIP_TCP4, odd ones IPv6 to VIP_TCP6, each from a client
 * of its own; its backend is the VIP's (a / 2) % BENCH_NBE.
 */
static int flood_key(const struct bench *b, uint32_t a, struct xlb_flow_key *k, int *be)
{
	uint32_t j = a >> 1;
	int vip = a & 1 ? VIP_TCP6 : VIP_TCP4;

	memset(k, 0, sizeof(*k));
	k->proto = IPPROTO_TCP;
	k->dport = htons(BENCH_VIP_PORT);
	memcpy(k->dst, b->vip_addr[vip], sizeof(k->dst));
	if (vip == VIP_TCP6) {
		k->family = XLB_FAMILY_V6;
		k->src[0] = htonl(FLOOD_SRC6_W0);
		k->src[1] = htonl(FLOOD_SRC6_W1);
		k->src[3] = htonl(j);
		k->sport = htons(FLOOD_SPORT);
	} else {
		k->family = XLB_FAMILY_V4;
		k->src[0] = htonl(FLOOD_SRC4 | (j & 0xffff));
		k->sport = htons(FLOOD_SPORT + (j >> 16));
	}
	*be = (int)bench_vips[vip].be_first + (int)(j % BENCH_NBE);
	return vip;
}

/* The try a key of flood_key's belongs to, or -1 for any other key. */
static int64_t flood_try_of(const struct xlb_flow_key *k)
{
	if (k->proto != IPPROTO_TCP || k->dport != htons(BENCH_VIP_PORT))
		return -1;
	if (k->family == XLB_FAMILY_V6)
		return k->src[0] == htonl(FLOOD_SRC6_W0) && k->src[1] == htonl(FLOOD_SRC6_W1) &&
				       !k->src[2] && k->sport == htons(FLOOD_SPORT) ?
			       2 * (int64_t)ntohl(k->src[3]) + 1 :
			       -1;
	if ((ntohl(k->src[0]) & 0xffff0000u) != FLOOD_SRC4 || ntohs(k->sport) < FLOOD_SPORT ||
	    ntohs(k->sport) >= FLOOD_SPORT + 256)
		return -1;
	return 2 * (((int64_t)(ntohs(k->sport) - FLOOD_SPORT) << 16) | (ntohl(k->src[0]) & 0xffff));
}

struct flood_walk {
	uint8_t *bits; /* one bit per try */
	uint32_t tries;
	uint32_t n, v6;
	bool check; /* count the marked ones found confirmed on their backend, else mark */
	const struct bench *b;
};

static int flood_walk_one(const struct dataplane_flow *fl, void *arg)
{
	struct flood_walk *w = arg;
	int64_t a = flood_try_of(&fl->key);
	struct xlb_flow_key k;
	int be;

	if (a < 0 || a >= w->tries || !fl->confirmed)
		return 0;
	if (!w->check) {
		w->bits[a / 8] |= (uint8_t)(1u << (a % 8));
		w->n++;
		w->v6 += (uint32_t)(a & 1);
		return 0;
	}
	flood_key(w->b, (uint32_t)a, &k, &be);
	if ((w->bits[a / 8] & (1u << (a % 8))) && fl->backend_id == (uint32_t)be)
		w->n++;
	return 0;
}

/* Confirmed flows until o.flood_flows of them hold a way (a table that can take them). */
static int flood_fill(struct bench *b, struct flood_walk *w)
{
	struct bench_flood *f = &b->flood;
	uint32_t want = b->o.flood_flows, taken = 0, a;
	struct xlb_flow_key k;
	int vip, be, err;

	dataplane_flows_clear(b->dp);
	for (a = 0; taken < want && a < w->tries; a++) {
		vip = flood_key(b, a, &k, &be);
		err = dataplane_flow_set(b->dp, &k, (uint32_t)be, b->be[be].gen, (uint32_t)vip,
					 true);
		if (err < 0) {
			log_error("flood: writing a flow: %s", strerror(-err));
			return err;
		}
		taken += (uint32_t)err;
	}
	f->tries = a;
	/* a full bucket's way was overwritten on the way: the table says which flows are in */
	w->check = false;
	err = dataplane_flow_walk(b->dp, flood_walk_one, w);
	f->confirmed = w->n;
	f->v6_confirmed = w->v6;
	log_info("flood: %u confirmed flows in the table (%u IPv6), from %u tries", f->confirmed,
		 f->v6_confirmed, f->tries);
	return err;
}

/* Random-tuple SYNs to the IPv4 VIP, in chunks, each beside its baseline. */
static int flood_syns(struct bench *b)
{
	struct bench_flood *f = &b->flood;
	const struct bench_case c = {
		.family = 4, .proto = IPPROTO_TCP, .syn = true, .vip = VIP_TCP4, .expect = EXP_NEW
	};
	uint32_t chunks = (b->o.flood_syns + FLOOD_CHUNK - 1) / FLOOD_CHUNK, i, n;
	double net[BENCH_RUNS_MAX];
	uint8_t pkt[BENCH_PKT_MAX];
	struct bench_run run;
	uint32_t len, nnet = 0;
	int err;

	len = bench_case_pkt(b, &c, -1, pkt);
	bench_set_pkt(b, pkt, len);
	for (i = 0; i < chunks; i++) {
		double base;

		n = i + 1 < chunks ? FLOOD_CHUNK : b->o.flood_syns - i * FLOOD_CHUNK;
		err = bench_run_prog(b, PROG_NOOP_R4, pkt, len, b->net.c0, FLOOD_BASE_REPEAT, &run);
		if (err)
			return err;
		base = run.duration;
		err = bench_run_prog(b, PROG_VIP_R4, pkt, len, b->net.c0, n, &run);
		if (err)
			return err;
		f->syns += n;
		if (nnet < BENCH_RUNS_MAX)
			net[nnet++] = run.duration - base;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\rxlb-bench: flood: %" PRIu64 " of %u SYNs", f->syns,
				b->o.flood_syns);
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\n");
	f->syn_ns = nnet ? bench_median(net, nnet) : 0;
	return 0;
}

/* Tuples that the old hash (IPv6 addresses folded as src0^src2, src1^src3, a public seed)
 * put exactly on a live IPv6 flow's bucket, tag and Maglev slot: the same fold, another
 * address. Each is a SYN, sent once.
 */
static int flood_aimed(struct bench *b, const struct flood_walk *w)
{
	struct bench_flood *f = &b->flood;
	struct pkt_spec ps = { .family = 6,
			       .proto = IPPROTO_TCP,
			       .df = true,
			       .tcp_flags = PKT_TCP_SYN,
			       .seq = 0x11000000 };
	uint8_t pkt[BENCH_PKT_MAX];
	struct xlb_flow_key k;
	struct bench_run run;
	struct pkt frame;
	uint32_t a, d;
	int be, err;

	memcpy(ps.smac, bench_client_mac, ETH_ALEN);
	memcpy(ps.dmac, b->net.c0_mac, ETH_ALEN);
	for (a = 1; a < f->tries && f->collisions < b->o.flood_flows; a += 2) {
		if (!(w->bits[a / 8] & (1u << (a % 8))))
			continue;
		flood_key(b, a, &k, &be);
		for (d = 1; d <= FLOOD_AIMS && f->collisions < b->o.flood_flows; d++) {
			__be32 src[4];

			memcpy(src, k.src, sizeof(src));
			src[1] ^= htonl(d); /* src1 ^ src3 stays what it was */
			src[3] ^= htonl(d);
			memcpy(ps.src, src, 16);
			memcpy(ps.dst, k.dst, 16);
			ps.sport = ntohs(k.sport);
			ps.dport = ntohs(k.dport);
			frame.len = 0;
			pkt_build(&frame, &ps);
			memset(pkt, 0, sizeof(pkt));
			memcpy(pkt, frame.b, frame.len);
			bench_set_pkt(b, pkt, frame.len);
			err = bench_run_prog(b, PROG_VIP, pkt, frame.len, b->net.c0, 1, &run);
			if (err)
				return err;
			f->collisions++;
		}
	}
	return 0;
}

/* Every confirmed flow's backend answers once: translated back to the VIP, or dropped and
 * counted, never out with its own address (a leak the client answers with a RST).
 */
static int flood_replies(struct bench *b, const struct flood_walk *w)
{
	struct bench_flood *f = &b->flood;
	uint8_t pkt[BENCH_PKT_MAX];
	struct xlb_flow_key k;
	struct bench_run run;
	uint32_t a;
	int be, vip, err;

	for (a = 0; a < f->tries; a++) {
		struct pkt_spec ps = { .proto = IPPROTO_TCP,
				       .df = true,
				       .tcp_flags = PKT_TCP_ACK,
				       .seq = 0x22000000,
				       .ack = 0x11000001 };
		const struct xlb_backend *bk;
		struct pkt frame = { .len = 0 };
		uint32_t alen, off;

		if (!(w->bits[a / 8] & (1u << (a % 8))))
			continue;
		vip = flood_key(b, a, &k, &be);
		bk = &b->be[be];
		alen = k.family == XLB_FAMILY_V4 ? 4 : 16;
		ps.family = k.family == XLB_FAMILY_V4 ? 4 : 6;
		memcpy(ps.src, bk->addr, alen);
		memcpy(ps.dst, k.src, alen);
		ps.sport = ntohs(bk->port);
		ps.dport = ntohs(k.sport);
		bench_be_mac(be - (int)bench_vips[vip].be_first, ps.smac);
		memcpy(ps.dmac, b->net.b0_mac, ETH_ALEN);
		pkt_build(&frame, &ps);
		memset(pkt, 0, sizeof(pkt));
		memcpy(pkt, frame.b, frame.len);
		bench_set_pkt(b, pkt, frame.len);
		err = bench_run_prog(b, PROG_NAT, pkt, frame.len, b->net.b0, 1, &run);
		if (err)
			return err;
		f->replies++;
		if (run.retval == XDP_DROP || run.retval == XDP_ABORTED) {
			f->reply_drops++;
			continue;
		}
		/* the IP source of what left: the VIP when translated */
		off = ETH_HLEN + (alen == 4 ? 12 : 8);
		if (run.out_len < off + alen || memcmp(run.out + off, b->vip_addr[vip], alen))
			f->reply_leaks++;
	}
	return 0;
}

static int bench_flood(struct bench *b)
{
	struct bench_flood *f = &b->flood;
	uint32_t cap = dataplane_flow_capacity(b->dp);
	struct flood_walk w = { .b = b };
	struct timespec t0, t1;
	int err;

	if (b->o.flood_flows > cap - cap / 32) {
		log_warn("flood: %u flows do not fit a table of %u ways; taking %u",
			 b->o.flood_flows, cap, cap - cap / 32);
		b->o.flood_flows = cap - cap / 32;
	}
	/* a random placement needs about three keys a way to fill 97% of the ways */
	w.tries = 8 * b->o.flood_flows;
	w.bits = calloc(w.tries / 8 + 1, 1);
	if (!w.bits)
		return -ENOMEM;
	f->measured = true;
	log_info("flood: filling the table with %u confirmed flows", b->o.flood_flows);
	err = flood_fill(b, &w);
	if (err)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	log_info("flood: %u random-tuple SYNs", b->o.flood_syns);
	err = flood_syns(b);
	if (!err) {
		log_info("flood: tuples aimed at the IPv6 flows under the old hash");
		err = flood_aimed(b, &w);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (err)
		goto out;
	w.check = true;
	w.n = 0;
	err = dataplane_flow_walk(b->dp, flood_walk_one, &w);
	f->kept = w.n;
	if (!err) {
		char counters[256];

		log_info("flood: one nat reply from each confirmed flow's backend");
		err = dataplane_stats_reset(b->dp);
		if (!err)
			err = flood_replies(b, &w);
		bench_counters_str(b, counters, sizeof(counters));
		log_info("flood: the replies' counters:%s", counters);
	}
	if (b->res[BENCH_FLOOR_LOOKUP].measured && b->res[BENCH_FLOOR_LOOKUP].ns > 0)
		f->syn_ratio = f->syn_ns / b->res[BENCH_FLOOR_LOOKUP].ns;
out:
	free(w.bits);
	return err;
}

static double flood_kept_pct(const struct bench_flood *f)
{
	return f->confirmed ? 100.0 * f->kept / f->confirmed : 0;
}

static void flood_print(const struct bench *b)
{
	const struct bench_flood *f = &b->flood;

	if (!f->measured)
		return;
	printf("\nflood: %u confirmed flows (%u IPv6), then %" PRIu64
	       " random-tuple SYNs and %" PRIu64
	       " tuples aimed at the IPv6 flows under the old hash, in %.1f s, no new-flow rate limit\n",
	       f->confirmed, f->v6_confirmed, f->syns, f->collisions, f->seconds);
	printf("  established_kept_pct  %.3f  (%u of %u still in place on their backend; target 100, at least 99.9)\n",
	       flood_kept_pct(f), f->kept, f->confirmed);
	printf("  nat_reply_leaks       %u  (of %u replies, one per confirmed flow; %u dropped and counted; target 0)\n",
	       f->reply_leaks, f->replies, f->reply_drops);
	printf("  syn_ns                %.1f  (median over chunks of %u, baseline subtracted; %.2fx floor_lookup)\n",
	       f->syn_ns, FLOOD_CHUNK, f->syn_ratio);
}

static json_object *flood_json(const struct bench *b)
{
	const struct bench_flood *f = &b->flood;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "confirmed_flows", json_object_new_int64(f->confirmed));
	json_object_object_add(o, "confirmed_flows_v6", json_object_new_int64(f->v6_confirmed));
	json_object_object_add(o, "random_syns", json_object_new_int64((int64_t)f->syns));
	json_object_object_add(o, "aimed_tuples", json_object_new_int64((int64_t)f->collisions));
	json_object_object_add(o, "new_flow_rate_limit", json_object_new_string("none"));
	json_object_object_add(o, "seconds", bench_json_num(f->seconds, "%.1f"));
	json_object_object_add(o, "established_kept", json_object_new_int64(f->kept));
	json_object_object_add(o, "established_kept_pct",
			       bench_json_num(flood_kept_pct(f), "%.3f"));
	json_object_object_add(o, "nat_replies", json_object_new_int64(f->replies));
	json_object_object_add(o, "nat_reply_leaks", json_object_new_int64(f->reply_leaks));
	json_object_object_add(o, "nat_reply_drops", json_object_new_int64(f->reply_drops));
	json_object_object_add(o, "syn_ns", bench_json_num(f->syn_ns, "%.1f"));
	json_object_object_add(o, "syn_ratio_floor_lookup",
			       f->syn_ratio > 0 ? bench_json_num(f->syn_ratio, "%.2f") : NULL);
	json_object_object_add(
		o, "ok", json_object_new_boolean(flood_kept_pct(f) >= 99.9 && !f->reply_leaks));
	return o;
}

/* ---- main --------------------------------------------------------------------------------- */

static const char bench_synopsis[] =
	"usage: xlb-bench [--out FILE] [--runs N] [--repeat N] [--flows N] [--cpu N]\n"
	"                 [--case NAME]... [--flood-flows N] [--flood-syns N] [--json]\n"
	"                 [--verbose]\n"
	"Measures the XDP datapath per packet with BPF_PROG_TEST_RUN, beside floor programs,\n"
	"in a private network namespace with a full flow table. Needs root. Then (unless\n"
	"--case or --flood-flows 0) the flood section: the table refilled with confirmed\n"
	"flows, a flood of random-tuple SYNs and of tuples aimed at those flows under the\n"
	"old hash; reports the flows kept, nat replies leaked and a SYN's cost.\n\n";

static void bench_usage_cases(FILE *f)
{
	size_t i;

	fprintf(f, "\ncases:\n");
	for (i = 0; i < BENCH_NCASES; i++)
		fprintf(f, "  %-27s %s\n", bench_cases[i].name, bench_cases[i].what);
}

static const char *bench_opt_case(const char *arg, void *target)
{
	struct bench_opts *o = target;
	size_t i;

	for (i = 0; i < BENCH_NCASES; i++)
		if (strcmp(arg, bench_cases[i].name) == 0)
			break;
	if (i == BENCH_NCASES)
		return "no such case; --help lists them";
	o->only[i] = true;
	o->any_only = true;
	return NULL;
}

/* 0 to go on, else the exit code: 2 for a usage error, 0 after --help. */
static int bench_parse_opts(int argc, char **argv, struct bench_opts *o)
{
	char runs[64], repeat[64], flows[64];
	bool cpu_seen = false;
	unsigned int cpu = 0;
	const struct opts_opt opts[] = {
		{ "out", 'o', OPTS_STRING, &o->out, "FILE", "write the results as JSON to FILE" },
		{ "runs", 'r', OPTS_UINT, &o->runs, "N", runs, 1, BENCH_RUNS_MAX },
		{ "repeat", 'n', OPTS_UINT, &o->repeat, "N", repeat, 1, 100000000 },
		{ "flows", 'f', OPTS_UINT, &o->flows, "N", flows, 1024, 1u << 28 },
		{ "cpu", 0, OPTS_UINT, &cpu, "N",
		  "CPU to measure on (default: the last one allowed)", 0, CPU_SETSIZE - 1,
		  .want = "a CPU number", .seen = &cpu_seen },
		{ "case", 'c', OPTS_CALL, o, "NAME",
		  "measure only NAME (repeatable); floor_lookup always runs",
		  .parse = bench_opt_case },
		{ "flood-flows", 0, OPTS_UINT, &o->flood_flows, "N",
		  "confirmed flows in the table before the flood section\n"
		  "(default 1000000; 0 skips the section)",
		  0, 1u << 28 },
		{ "flood-syns", 0, OPTS_UINT, &o->flood_syns, "N",
		  "random-tuple SYNs of the flood (default 10000000)", 1, 1000000000 },
		{ "json", 'j', OPTS_FLAG, &o->json, NULL,
		  "print the results as JSON instead of the table" },
		{ "verbose", 'v', OPTS_FLAG, &o->verbose, NULL,
		  "print every case's counters and libbpf's messages" },
		{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },
		{},
	};
	const struct opts_tool tool = { "xlb-bench", bench_synopsis, NULL,
					19,	     opts,	     bench_usage_cases };
	int first, rc;

	snprintf(runs, sizeof(runs), "runs per case, the median is reported (default %d)",
		 BENCH_RUNS_DEFAULT);
	snprintf(repeat, sizeof(repeat), "iterations per run (default %d)", BENCH_REPEAT_DEFAULT);
	snprintf(flows, sizeof(flows), "flow table size, filled before measuring (default %u)",
		 XLB_FLOWS_DEFAULT);
	o->runs = BENCH_RUNS_DEFAULT;
	o->repeat = BENCH_REPEAT_DEFAULT;
	o->flows = XLB_FLOWS_DEFAULT;
	o->flood_flows = 1000000;
	o->flood_syns = 10000000;
	rc = opts_parse(&tool, argc, argv, &first);
	if (rc)
		return rc == 1 ? -1 : rc;
	o->cpu = cpu_seen ? (int)cpu : -1;
	if (first < argc) {
		fprintf(stderr, "xlb-bench: unexpected argument '%s'\n", argv[first]);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	int jflags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
	int cpus[CPU_SETSIZE], ncpus, err, i, ret = 1;
	json_object *doc = NULL;
	bool ok = true;
	size_t c;

	log_set_prefix("xlb-bench");
	log_libbpf_setup();
	ret = bench_parse_opts(argc, argv, &b->o);
	if (ret)
		return ret < 0 ? 0 : ret;
	ret = 1;
	if (b->o.verbose)
		log_set_level(LOG_LEVEL_DEBUG);

	ncpus = bench_cpus(cpus, CPU_SETSIZE);
	if (ncpus <= 0) {
		log_error("sched_getaffinity: %s", strerror(ncpus ? -ncpus : ESRCH));
		return 1;
	}
	b->cpu = cpus[ncpus - 1];
	if (b->o.cpu >= 0) {
		for (i = 0; i < ncpus && cpus[i] != b->o.cpu; i++)
			;
		if (i == ncpus) {
			log_error("CPU %d is not one this process may run on", b->o.cpu);
			return 2;
		}
		b->cpu = b->o.cpu;
	}

	log_info("setting up a private network namespace");
	err = bench_net_setup(&b->net);
	if (err)
		goto out;
	log_info("loading the datapath and the bench programs");
	err = bench_open(b);
	if (!err)
		err = bench_dp_config(b);
	if (!err)
		err = bench_floor_setup(b);
	if (err)
		goto out;
	err = bench_prefill(b);
	if (!err)
		err = bench_count_flows(b, &b->flows_present);
	if (!err)
		err = bench_pin(b->cpu);
	if (err)
		goto out;
	if (b->flows_present < b->o.flows)
		log_warn("the flow table holds %u of %u flows", b->flows_present, b->o.flows);

	err = bench_bare(b);
	if (err)
		goto out;
	for (c = 0; c < BENCH_NCASES; c++) {
		if (b->o.any_only && !b->o.only[c] && c != BENCH_FLOOR_LOOKUP)
			continue;
		log_info("measuring %s (%u runs x %u)", bench_cases[c].name, b->o.runs,
			 b->o.repeat);
		err = bench_case_run(b, c);
		if (err)
			goto out;
		if (!b->res[c].ok) {
			log_error("%s: %s", bench_cases[c].name, b->res[c].proof);
			ok = false;
		}
	}

	/* last: it rewrites the flow table the cases ran on */
	if (b->o.flood_flows && !b->o.any_only) {
		err = bench_flood(b);
		if (err)
			goto out;
	}

	doc = bench_json(b);
	if (b->o.json) {
		printf("%s\n", json_object_to_json_string_ext(doc, jflags));
	} else {
		bench_print_table(b);
		flood_print(b);
	}
	if (b->o.out && json_object_to_file_ext(b->o.out, doc, jflags)) {
		log_error("writing %s: %s", b->o.out, json_util_get_last_err());
		goto out;
	}
	ret = ok ? 0 : 1;
out:
	json_object_put(doc);
	xlb_bench_bpf__destroy(b->skel);
	if (b->dp)
		dataplane_close(b->dp);
	return ret;
}
