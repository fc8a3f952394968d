// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The datapath fuzzed through BPF_PROG_TEST_RUN: mutated frames (truncated, bits flipped, random
 * lengths, IPv4 options, IPv6 extension headers, VLAN tags, fragments, ICMP errors quoting VIP
 * flows, nat replies, checksum edges) against nat, dsr and ipip services of both families. Every
 * frame is checked on its own (verdict, the counters it moved, the bytes it left with) and every
 * epoch's totals against the per-VIP and per-backend counters. Frame i of seed S is a function
 * of (S, i) and the epoch it is in, so `--seed S --index I` replays it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "check.h"
#include "dataplane.h"
#include "pkt.h"
#include "parse.h"
#include "testnet.h"

#define EPOCH 4096 /* frames between two resets of flows and counters */
#define FRAMES_DEFAULT 204800
#define SHOW_MAX 3 /* failures printed in full per invariant */
#define NFAM 2
#define BE_PER_FAM 8
#define SVC_PER_FAM 8

static const uint8_t MAC_A[6] = { 0x02, 0x00, 0x5e, 0x00, 0x1a, 0x01 };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x5e, 0x00, 0x1b, 0x01 };
static const uint8_t MAC_NA[6] = { 0x02, 0x00, 0x5e, 0x00, 0x1a, 0xfe }; /* A's router */
static const uint8_t MAC_NB[6] = { 0x02, 0x00, 0x5e, 0x00, 0x1b, 0xfe }; /* B's router */

/* Backends of each family: test network (198.18.n.0/24, 2001:2:n::/64), host, port.
 *   net 1 via A's router (XDP_TX), 2 via B's router (XDP_REDIRECT), 3 on-link on B with no
 *   neighbour (left to the kernel), 4 unreachable (dropped).
 */
static const struct {
	int net, host;
	uint16_t port;
} be_tab[] = {
	{ 2, 10, 0 }, { 1, 10, 0 }, { 3, 10, 0 }, { 2, 20, 8080 }, { 1, 20, 8080 }, { 4, 10, 0 },
};
#define NBE (int)(sizeof(be_tab) / sizeof(be_tab[0]))

/* Services of each family: VIP 198.18.50.host / 2001:2:50::host; members index be_tab. */
static const struct {
	uint8_t mode, proto;
	uint16_t port;
	int host;
	int n;
	int be[3];
} svc_tab[] = {
	{ XLB_MODE_NAT, IPPROTO_TCP, 80, 1, 2, { 3, 4 } },
	{ XLB_MODE_NAT, IPPROTO_UDP, 53, 1, 3, { 0, 1, 2 } },
	{ XLB_MODE_DSR, IPPROTO_TCP, 80, 2, 3, { 0, 1, 5 } },
	{ XLB_MODE_DSR, IPPROTO_UDP, 53, 2, 2, { 0, 1 } },
	{ XLB_MODE_IPIP, IPPROTO_TCP, 80, 3, 3, { 0, 1, 2 } },
	{ XLB_MODE_IPIP, IPPROTO_UDP, 53, 3, 3, { 0, 1, 5 } },
	{ XLB_MODE_NAT, IPPROTO_TCP, 80, 9, 0, { 0 } }, /* no table: NO_BACKEND */
};
#define NSVC (int)(sizeof(svc_tab) / sizeof(svc_tab[0]))

static struct {
	struct dataplane *dp;
	int prog_rx, prog_nat, if_a, if_b;
	struct xlb_backend be[NFAM][BE_PER_FAM];
	uint64_t seed, frames, index; /* index: replay this frame only (with UINT64_MAX: none) */
	const char *skip;
} f = { .index = UINT64_MAX };

static uint32_t be_id(int fi, int b)
{
	return (uint32_t)(fi * BE_PER_FAM + b);
}

static uint32_t svc_id(int fi, int s)
{
	return (uint32_t)(fi * SVC_PER_FAM + s);
}

/* --- namespace, configuration ------------------------------------------------------------- */

/* A namespace of the process's own, two veth pairs, routes and static neighbours. */
static int net_setup(void)
{
	struct testnet n;
	const char *a = n.name_a, *b = n.name_b;
	char m[18];
	int err;

	err = testnet_enter(&n, "xf", MAC_A, MAC_B, true);
	if (err)
		return err;
	f.if_a = n.if_a;
	f.if_b = n.if_b;
	if (testnet_sh("ip neigh replace 198.18.0.254 lladdr %s dev %s nud permanent && "
		       "ip -6 neigh replace 2001:2::fe lladdr %s dev %s nud permanent",
		       testnet_mac_str(MAC_NA, m), a, m, a) ||
	    testnet_sh("ip neigh replace 198.18.9.254 lladdr %s dev %s nud permanent && "
		       "ip -6 neigh replace 2001:2:9::fe lladdr %s dev %s nud permanent",
		       testnet_mac_str(MAC_NB, m), b, m, b) ||
	    testnet_sh("ip route add 198.18.1.0/24 via 198.18.0.254 dev %s && "
		       "ip route add 198.18.100.0/24 via 198.18.0.254 dev %s && "
		       "ip route add 198.18.2.0/24 via 198.18.9.254 dev %s && "
		       "ip route add 198.18.3.0/24 dev %s && ip route add unreachable 198.18.4.0/24",
		       a, a, b, b) ||
	    testnet_sh(
		    "ip -6 route add 2001:2:1::/64 via 2001:2::fe dev %s && "
		    "ip -6 route add 2001:2:100::/64 via 2001:2::fe dev %s && "
		    "ip -6 route add 2001:2:2::/64 via 2001:2:9::fe dev %s && "
		    "ip -6 route add 2001:2:3::/64 dev %s && ip -6 route add unreachable 2001:2:4::/64",
		    a, a, b, b))
		return -EIO;
	return 0;
}

static int alen(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

/* Host h of test network n. */
static void net_addr(uint8_t family, int n, int h, uint8_t *out)
{
	char s[64];

	memset(out, 0, 16);
	if (family == 4)
		snprintf(s, sizeof(s), "198.18.%d.%d", n, h);
	else
		snprintf(s, sizeof(s), "2001:2:%d::%x", n, h);
	inet_pton(family == 4 ? AF_INET : AF_INET6, s, out);
}

static uint8_t fam_of(int fi)
{
	return fi ? 6 : 4;
}

static int config_load(void)
{
	int err;

	for (int fi = 0; fi < NFAM; fi++) {
		uint8_t fam = fam_of(fi);

		for (int b = 0; b < NBE; b++) {
			struct xlb_backend *be = &f.be[fi][b];

			memset(be, 0, sizeof(*be));
			net_addr(fam, be_tab[b].net, be_tab[b].host, (uint8_t *)be->addr);
			net_addr(fam, be_tab[b].net == 1 ? 0 : 9, 1, (uint8_t *)be->encap_src);
			be->port = htons(be_tab[b].port);
			be->family = fam;
			be->flags = XLB_BE_F_ACTIVE;
			be->gen = 1;
			err = dataplane_backend_set(f.dp, be_id(fi, b), be);
			if (err)
				return err;
		}
		for (int s = 0; s < NSVC; s++) {
			struct xlb_vip_key k = {};
			struct xlb_vip v = { .id = svc_id(fi, s), .mode = svc_tab[s].mode };
			struct maglev_backend mb[3];

			net_addr(fam, 50, svc_tab[s].host, (uint8_t *)k.addr);
			k.port = htons(svc_tab[s].port);
			k.proto = svc_tab[s].proto;
			k.family = fam;
			err = dataplane_vip_set(f.dp, &k, &v);
			if (err)
				return err;
			for (int i = 0; i < svc_tab[s].n; i++) {
				const struct xlb_backend *be = &f.be[fi][svc_tab[s].be[i]];

				mb[i].id = be_id(fi, svc_tab[s].be[i]);
				mb[i].weight = 1;
				mb[i].key = maglev_key(be->addr, alen(fam), ntohs(be->port));
			}
			if (svc_tab[s].n) {
				err = dataplane_ring_set(f.dp, v.id, mb, (size_t)svc_tab[s].n);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* Back to the configured state: gens as loaded, no flow, counters zero. */
static int epoch_reset(void)
{
	for (int fi = 0; fi < NFAM; fi++)
		for (int b = 0; b < NBE; b++) {
			int err = dataplane_backend_set(f.dp, be_id(fi, b), &f.be[fi][b]);

			if (err)
				return err;
		}
	dataplane_flows_clear(f.dp);
	return dataplane_stats_reset(f.dp);
}

/* Half way through an epoch one backend gets a new gen: its flows move (FLOW_MOVED). */
static int epoch_bump(uint64_t epoch)
{
	int fi = (int)(epoch & 1), b = (int)((epoch >> 1) % 2);
	struct xlb_backend be = f.be[fi][b];

	be.gen = 2;
	return dataplane_backend_set(f.dp, be_id(fi, b), &be);
}

/* --- frames ------------------------------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

enum kind {
	K_VIP,	    /* client to a service (TCP flags or UDP) */
	K_REPLY,    /* a backend's answer to a client */
	K_ICMP_ERR, /* a router's ICMP error about a packet a VIP sent */
	K_ECHO,	    /* echo request to a VIP */
	K_NON_VIP,  /* to an address that is no VIP, or another protocol to a VIP */
	K_EDGE,	    /* UDP crafted so that the rewritten checksum is 0xffff */
	K_MAX,
};

static const char *kind_name[] = { "vip", "reply", "icmp-error", "echo", "non-vip", "csum-edge" };

/* What the generator meant; the checks do not trust it, they only report it. */
struct frame {
	struct pkt in;
	enum kind kind;
	uint8_t family;
	int svc, mutations;
	bool nat_prog;
	int ifindex;
};

static uint8_t payload[1400];

static void spec_base(struct pkt_spec *s, uint8_t fam, struct rng *r)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->dmac, MAC_A, 6);
	memcpy(s->smac, MAC_NA, 6);
	s->family = fam;
	s->ttl = (uint8_t)(1 + below(r, 255));
	s->ip_id = (uint16_t)rnd(r);
	s->df = below(r, 2);
	s->tos = below(r, 4) ? 0 : (uint8_t)rnd(r);
	if (!below(r, 5)) {
		s->vlan_tpid = below(r, 2) ? PKT_ETH_8021Q : PKT_ETH_8021AD;
		s->vlan_tci = (uint16_t)below(r, 4096);
	}
	if (fam == 4 && !below(r, 5)) {
		s->ipopt_len = (uint8_t)(4 * (1 + below(r, 10)));
		for (int i = 0; i < s->ipopt_len; i++)
			s->ipopt[i] = 1; /* NOP */
		if (below(r, 2)) {
			s->ipopt[0] = 0x94; /* Router Alert */
			s->ipopt[1] = 4;
			s->ipopt[2] = s->ipopt[3] = 0;
		}
	}
	if (fam == 6 && !below(r, 5))
		s->v6_ext = (uint8_t)(1 + below(r, 3));
	if (!below(r, 16)) {
		s->mf = below(r, 2);
		s->frag_off = s->mf && below(r, 2) ? 0 : (uint16_t)(1 + below(r, 100));
		s->v6_frag = fam == 6;
	}
	s->payload = payload;
	s->payload_len = below(r, 8) ? below(r, 64) : below(r, 1200);
	for (uint32_t i = 0; i < s->payload_len; i++)
		payload[i] = (uint8_t)rnd(r);
}

static void client_of(struct pkt_spec *s, uint8_t *addr, uint16_t *port, struct rng *r)
{
	net_addr(s->family, 100, (int)(1 + below(r, 6)), addr);
	*port = (uint16_t)(40000 + below(r, 4));
}

/* Sets the last two payload bytes so that the UDP checksum of spec comes out as 0 (sent as
 * 0xffff). spec is the packet as it will look after the rewrite.
 */
static void csum_edge(struct pkt_spec *s)
{
	uint8_t buf[PKT_MAX];
	uint32_t n;
	uint16_t w;

	if (s->payload_len < 2)
		s->payload_len = 2;
	s->payload_len &= ~1u;
	payload[s->payload_len - 2] = payload[s->payload_len - 1] = 0;
	n = pkt_put_l4(buf, s);
	w = (uint16_t)(0xffff -
		       pkt_fold(pkt_sum(pkt_pseudo(s->family, s->src, s->dst, IPPROTO_UDP, n), buf,
					n)));
	pkt_put16(payload + s->payload_len - 2, w);
}

static void frame_make(struct frame *fr, uint64_t index)
{
	struct rng r = { .s = f.seed ^ (index * 0xd1342543de82ef95ull) };
	int fi = (int)below(&r, 2), s = (int)below(&r, NSVC);
	uint8_t fam = fam_of(fi), vip[16], caddr[16];
	struct pkt_spec sp;
	uint16_t cport;
	int b;

	rnd(&r);
	memset(fr, 0, sizeof(*fr));
	fr->family = fam;
	fr->svc = s;
	fr->nat_prog = below(&r, 4) != 0;
	fr->ifindex = below(&r, 3) ? f.if_a : f.if_b;
	fr->kind = (enum kind)below(&r, K_MAX);
	if (fr->kind == K_VIP && below(&r, 2))
		fr->kind = K_VIP; /* twice as likely: most traffic builds flows */
	spec_base(&sp, fam, &r);
	net_addr(fam, 50, svc_tab[s].host, vip);
	client_of(&sp, caddr, &cport, &r);
	b = svc_tab[s].n ? svc_tab[s].be[below(&r, (uint32_t)svc_tab[s].n)] : 0;

	switch (fr->kind) {
	case K_VIP:
	case K_EDGE:
		memcpy(sp.src, caddr, 16);
		memcpy(sp.dst, vip, 16);
		sp.proto = fr->kind == K_EDGE ? IPPROTO_UDP : svc_tab[s].proto;
		sp.sport = cport;
		sp.dport = below(&r, 16) ? svc_tab[s].port : (uint16_t)rnd(&r);
		{
			static const uint8_t fl[] = {
				PKT_TCP_SYN,	    PKT_TCP_ACK,
				PKT_TCP_ACK | 0x08, PKT_TCP_FIN | PKT_TCP_ACK,
				PKT_TCP_RST,	    PKT_TCP_SYN | PKT_TCP_ACK
			};
			sp.tcp_flags = fl[below(&r, sizeof(fl))];
		}
		sp.seq = (uint32_t)rnd(&r);
		if (fr->kind == K_EDGE) {
			struct pkt_spec e = sp;
			const struct xlb_backend *be = &f.be[fi][b];

			sp.dport = 53;
			sp.frag_off = 0;
			sp.mf = sp.v6_frag = false;
			e = sp;
			if (svc_tab[s].mode == XLB_MODE_NAT) {
				memcpy(e.dst, be->addr, 16);
				if (be->port)
					e.dport = ntohs(be->port);
			}
			csum_edge(&e);
			sp.payload_len = e.payload_len;
		}
		break;
	case K_REPLY: {
		const struct xlb_backend *be = &f.be[fi][b];

		memcpy(sp.src, be->addr, 16);
		memcpy(sp.dst, caddr, 16);
		memcpy(sp.dmac, MAC_B, 6);
		memcpy(sp.smac, MAC_NB, 6);
		sp.proto = svc_tab[s].proto;
		sp.sport = be->port ? ntohs(be->port) : svc_tab[s].port;
		sp.dport = cport;
		sp.tcp_flags = below(&r, 2) ? PKT_TCP_ACK : PKT_TCP_SYN | PKT_TCP_ACK;
		if (below(&r, 3) == 0 && sp.proto == IPPROTO_UDP) {
			struct pkt_spec e = sp;

			sp.frag_off = 0;
			sp.mf = sp.v6_frag = false;
			e = sp;
			memcpy(e.src, vip, 16);
			e.sport = svc_tab[s].port;
			csum_edge(&e);
			sp.payload_len = e.payload_len;
		}
		break;
	}
	case K_ICMP_ERR: {
		struct pkt_spec q;
		static uint8_t quote[PKT_MAX];
		uint32_t qn;

		/* the packet the VIP (its backend) sent to the client, as quoted */
		memset(&q, 0, sizeof(q));
		q.family = fam;
		memcpy(q.src, vip, 16);
		memcpy(q.dst, caddr, 16);
		q.proto = svc_tab[s].proto;
		q.sport = svc_tab[s].port;
		q.dport = cport;
		q.tcp_flags = PKT_TCP_ACK;
		q.ttl = 1;
		q.payload = payload;
		q.payload_len = below(&r, 64);
		qn = pkt_put_l3(quote, &q);
		if (below(&r, 2))
			qn = (uint32_t)(fam == 4 ? 20 : 40) + 8;
		net_addr(fam, 0, 254, sp.src);
		memcpy(sp.dst, vip, 16);
		sp.proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		if (fam == 4) {
			sp.icmp_type = below(&r, 4) ? 3 : 11;
			sp.icmp_code = sp.icmp_type == 3 ? 4 : 0;
		} else {
			sp.icmp_type = (uint8_t)(1 + below(&r, 3));
		}
		sp.icmp_rest = sp.icmp_type == (fam == 4 ? 3 : 2) ? 1280 : 0;
		sp.payload = quote;
		sp.payload_len = qn;
		break;
	}
	case K_ECHO:
		memcpy(sp.src, caddr, 16);
		memcpy(sp.dst, vip, 16);
		sp.proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		sp.icmp_type = fam == 4 ? 8 : 128;
		sp.icmp_rest = (uint32_t)rnd(&r);
		break;
	default:
		memcpy(sp.src, caddr, 16);
		if (below(&r, 2))
			net_addr(fam, 60, (int)(1 + below(&r, 4)), sp.dst);
		else
			memcpy(sp.dst, vip, 16);
		{
			static const uint8_t pr[] = { IPPROTO_TCP, IPPROTO_UDP, 47, IPPROTO_ICMP,
						      IPPROTO_ICMPV6 };
			sp.proto = pr[below(&r, sizeof(pr))];
			if (!memcmp(sp.dst, vip, 16) &&
			    (sp.proto == IPPROTO_TCP || sp.proto == IPPROTO_UDP))
				sp.proto = 47;
		}
		sp.sport = cport;
		sp.dport = svc_tab[s].port;
		sp.icmp_type = 8;
		break;
	}
	pkt_build(&fr->in, &sp);

	/* half the frames are mutated: one to three of these */
	if (below(&r, 2)) {
		int n = (int)(1 + below(&r, 3));
		uint32_t l3 = sp.vlan_tpid ? 18 : 14;

		for (int i = 0; i < n; i++) {
			struct pkt *p = &fr->in;
			uint32_t at;

			fr->mutations++;
			switch (below(&r, 7)) {
			case 0: /* truncated (BPF_PROG_TEST_RUN refuses less than Ethernet) */
				if (p->len > ETH_HLEN)
					p->len = ETH_HLEN + below(&r, p->len - ETH_HLEN + 1);
				break;
			case 1: /* a bit flipped in the headers */
				if (p->len) {
					at = below(&r, p->len < 96 ? p->len : 96);
					p->b[at] ^= (uint8_t)(1u << below(&r, 8));
				}
				break;
			case 2: /* a bit flipped anywhere */
				if (p->len) {
					at = below(&r, p->len);
					p->b[at] ^= (uint8_t)(1u << below(&r, 8));
				}
				break;
			case 3: /* a random byte in the headers */
				if (p->len) {
					at = below(&r, p->len < 96 ? p->len : 96);
					p->b[at] = (uint8_t)rnd(&r);
				}
				break;
			case 4: /* random bytes appended */
				at = 1 + below(&r, 64);
				for (uint32_t k = 0; k < at && p->len < PKT_MAX; k++)
					p->b[p->len++] = (uint8_t)rnd(&r);
				break;
			case 5: /* a random IP length */
				if (p->len >= l3 + 6)
					pkt_put16(p->b + l3 + (fam == 4 ? 2 : 4),
						  (uint16_t)rnd(&r));
				break;
			default: /* a random length, random bytes */
				if (!below(&r, 8)) {
					p->len = ETH_HLEN + below(&r, 256);
					for (uint32_t k = 0; k < p->len; k++)
						p->b[k] = (uint8_t)rnd(&r);
				}
				break;
			}
		}
	}
}

/* --- invariants --------------------------------------------------------------------------- */

enum inv {
	INV_VERDICT,	 /* no XDP_ABORTED, no error from the run */
	INV_COUNTERS,	 /* one frame, one path; totals match the VIP and backend counters */
	INV_CSUM,	 /* a frame with good checksums leaves with good checksums */
	INV_MALFORMED,	 /* nothing leaves that does not parse whole */
	INV_UDP_ZERO,	 /* a UDP checksum is never rewritten to 0 */
	INV_DEST,	 /* frames leave only towards a backend of the service or the client */
	INV_BYTES,	 /* nothing but the fields of the rewrite changes */
	INV_NON_VIP,	 /* what the datapath passes as not its own leaves untouched */
	INV_NAT_LEAK,	 /* a nat backend's reply never passes untranslated to be forwarded */
	INV_NAT_BACKEND, /* a reply is translated only for a flow of the backend that sends it */
	INV_EXERCISED,	 /* every path was taken */
	INV_MAX,
};

static const char *inv_name[] = {
	"fuzz_verdict",		  "fuzz_counters",	    "fuzz_out_checksums",
	"fuzz_out_wellformed",	  "fuzz_udp_csum_not_zero", "fuzz_out_destination",
	"fuzz_out_bytes",	  "fuzz_non_vip_untouched", "fuzz_nat_reply_no_leak",
	"fuzz_nat_reply_backend", "fuzz_paths_exercised",
};

static struct {
	uint64_t fails[INV_MAX];
	uint64_t first_index[INV_MAX];
	uint64_t path[XLB_PATH_MAX], drop[XLB_DROP_MAX];
	uint64_t fwd_checked[NFAM][XLB_MODE_MAX]; /* forwarded, good input, checksums verified */
	uint64_t reply_checked[NFAM], echo_checked, icmp_err_checked, edge_checked, pass_checked;
	uint64_t mutated_dropped, frames;
} st;

static void fail(enum inv i, uint64_t index, const struct frame *fr, const struct pkt *out,
		 int verdict, const char *fmt, ...)
{
	va_list ap;

	/* a replay runs the epoch up to the frame for the state, and judges that frame only */
	if (f.index != UINT64_MAX && index != f.index)
		return;
	if (st.fails[i]++ == 0)
		st.first_index[i] = index;
	if (st.fails[i] > SHOW_MAX)
		return;
	printf("  %s: frame %llu (%s, IPv%u, service %d, %d mutations, %s on %s) verdict %d: ",
	       inv_name[i], (unsigned long long)index, fr ? kind_name[fr->kind] : "-",
	       fr ? fr->family : 0, fr ? fr->svc : -1, fr ? fr->mutations : 0,
	       fr && fr->nat_prog ? "xlb_rx_nat" : "xlb_rx",
	       fr && fr->ifindex == f.if_a ? "A" : "B", verdict);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n    replay: %s --seed %llu --index %llu\n", "build/tests/test_fuzz_datapath",
	       (unsigned long long)f.seed, (unsigned long long)index);
	if (f.index != UINT64_MAX)
		return; /* the replay showed the frame already */
	if (fr)
		pkt_dump("in", &fr->in, ~0u);
	if (out)
		pkt_dump("out", out, ~0u);
}

/* Whether the kernel of the fuzzer's namespace would forward a packet from src to dst that
 * came in on ifindex: false when dst is its own (local, broadcast, multicast) or it has no
 * route (such a packet never leaves: the datapath, which cannot tell these apart with
 * bpf_fib_lookup, passes a nat reply without a flow there as one to this host).
 */
static bool kernel_forwards(uint8_t fam, const uint8_t *src, const uint8_t *dst, int ifindex)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], dev[IF_NAMESIZE], cmd[256], line[256] = "";
	int af = fam == 4 ? AF_INET : AF_INET6;
	FILE *fp;

	if (!inet_ntop(af, src, s, sizeof(s)) || !inet_ntop(af, dst, d, sizeof(d)) ||
	    !if_indextoname((unsigned int)ifindex, dev))
		return true;
	snprintf(cmd, sizeof(cmd), "ip -%u route get to %s from %s iif %s 2>&1", fam, d, s, dev);
	fp = popen(cmd, "r");
	if (!fp)
		return true;
	if (!fgets(line, sizeof(line), fp))
		line[0] = 0;
	pclose(fp);
	return strncmp(line, "local ", 6) && strncmp(line, "broadcast ", 10) &&
	       strncmp(line, "multicast ", 10) && !strstr(line, "Network is unreachable");
}

/* Checksums valid and headers whole (an IP length past the frame, an L4 header cut: not). */
static bool wellformed(const struct pkt *p, struct pkt_hdrs *h, char *why, size_t wn)
{
	if (!pkt_parse(p->b, p->len, h)) {
		snprintf(why, wn, "does not parse (or its IP length runs past the frame)");
		return false;
	}
	return pkt_check_l3(p->b, p->len, h->l3, h->family, why, wn, NULL, 0);
}

/* The UDP checksum field of the innermost UDP header, or -1. */
static int udp_csum_field(const struct pkt *p, uint8_t *family)
{
	struct pkt_hdrs h;

	if (!pkt_parse(p->b, p->len, &h) || !h.l4)
		return -1;
	if (h.proto == IPPROTO_IPIP || h.proto == IPPROTO_IPV6) {
		uint8_t fam = h.proto == IPPROTO_IPIP ? 4 : 6;

		if (!pkt_parse_l3(p->b, p->len, h.l4, fam, &h) || !h.l4)
			return -1;
	}
	if (h.proto != IPPROTO_UDP || h.l4 + 8 > p->len)
		return -1;
	*family = h.family;
	return pkt_get16(p->b + h.l4 + 6);
}

struct range {
	uint32_t off, n;
};

/* First byte where out differs from in outside the ranges, or -1. Lengths must be equal. */
static long diff_outside(const struct pkt *in, const struct pkt *out, const struct range *rg,
			 int nr)
{
	for (uint32_t i = 0; i < in->len; i++) {
		bool skip = false;

		if (in->b[i] == out->b[i])
			continue;
		for (int k = 0; k < nr && !skip; k++)
			skip = i >= rg[k].off && i < rg[k].off + rg[k].n;
		if (!skip)
			return i;
	}
	return -1;
}

static int svc_find(const struct xlb_flow_key *k, bool by_src)
{
	uint8_t a[16];

	for (int s = 0; s < NSVC; s++) {
		net_addr(k->family, 50, svc_tab[s].host, a);
		if (!memcmp(by_src ? k->src : k->dst, a, (size_t)alen(k->family)) &&
		    (by_src ? k->sport : k->dport) == htons(svc_tab[s].port) &&
		    k->proto == svc_tab[s].proto)
			return s;
	}
	return -1;
}

static bool addr_eq(const uint8_t *a, const __be32 *b, uint8_t family)
{
	return !memcmp(a, b, (size_t)alen(family));
}

/* The backend of service s (family fi) that the frame's destination (and port) names, or -1. */
static int svc_member(int fi, int s, const uint8_t *dst, uint16_t dport_be, uint16_t vport_be)
{
	for (int i = 0; i < svc_tab[s].n; i++) {
		const struct xlb_backend *be = &f.be[fi][svc_tab[s].be[i]];

		if (addr_eq(dst, be->addr, be->family) &&
		    dport_be == (be->port ? be->port : vport_be))
			return svc_tab[s].be[i];
	}
	return -1;
}

static const uint8_t *ip_src(const struct pkt *p, uint32_t l3, uint8_t fam)
{
	return p->b + l3 + (fam == 4 ? 12 : 8);
}

static const uint8_t *ip_dst(const struct pkt *p, uint32_t l3, uint8_t fam)
{
	return p->b + l3 + (fam == 4 ? 16 : 24);
}

static uint32_t l4_csum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

/* How many nat services backend b (family fi) replies for with (proto, its port or the
 * service's): the VIPs the datapath can recover a reply's source from, with no flow.
 */
static int nat_vips_of(int fi, int b, uint8_t proto)
{
	const struct xlb_backend *be = &f.be[fi][b];
	int n = 0;

	for (int k = 0; k < NSVC; k++)
		if (svc_tab[k].mode == XLB_MODE_NAT && svc_tab[k].proto == proto &&
		    svc_member(fi, k, (const uint8_t *)be->addr,
			       be->port ? be->port : htons(svc_tab[k].port),
			       htons(svc_tab[k].port)) == b)
			n++;
	return n;
}

/* Whether flow fl is backend b's (family fi) as it is now: its id, and its gen (a new gen is
 * a new backend under the old id: the flow is no longer its).
 */
static bool flow_of(int fi, int b, const struct dataplane_flow *fl)
{
	struct xlb_backend be;

	return fl->backend_id == be_id(fi, b) &&
	       !dataplane_backend_get(f.dp, fl->backend_id, &be) && be.gen == fl->backend_gen;
}

/* The nat service and backend that sent reply p (from a backend's address and port), or -1. */
static int nat_sender(int fi, const struct xlb_pkt *p, int *b)
{
	for (int k = 0; k < NSVC; k++) {
		if (svc_tab[k].mode != XLB_MODE_NAT || svc_tab[k].proto != p->key.proto)
			continue;
		*b = svc_member(fi, k, (const uint8_t *)p->key.src, p->key.sport,
				htons(svc_tab[k].port));
		if (*b >= 0)
			return k;
	}
	return -1;
}

/* A frame to backend be (index in be_tab) of a service in mode: what may differ and where. */
static void check_to_backend(uint64_t index, const struct frame *fr, const struct pkt *out,
			     int verdict, const struct xlb_pkt *p, int fi, int s, bool icmp,
			     const struct xlb_pkt *q)
{
	uint8_t fam = p->key.family, mode = svc_tab[s].mode;
	uint32_t l3 = p->l3_off, ol = fam == 4 ? 20 : 40;
	int b = -1;
	long d;

	if (mode == XLB_MODE_DSR) {
		/* the IP packet untouched; towards the next hop of a backend */
		if (out->len != fr->in.len || memcmp(out->b + 12, fr->in.b + 12, fr->in.len - 12)) {
			fail(INV_BYTES, index, fr, out, verdict, "dsr changed more than the MACs");
			return;
		}
		if (memcmp(out->b, MAC_NA, 6) && memcmp(out->b, MAC_NB, 6) &&
		    memcmp(out->b, fr->in.b, 6))
			fail(INV_DEST, index, fr, out, verdict, "dsr to a MAC of no next hop");
		return;
	}
	if (mode == XLB_MODE_IPIP) {
		if (out->len != fr->in.len + ol || memcmp(out->b + 12, fr->in.b + 12, l3 - 12) ||
		    memcmp(out->b + l3 + ol, fr->in.b + l3, fr->in.len - l3)) {
			fail(INV_BYTES, index, fr, out, verdict,
			     "ipip: not the received packet behind an outer header");
			return;
		}
		for (int i = 0; i < svc_tab[s].n; i++) {
			const struct xlb_backend *be = &f.be[fi][svc_tab[s].be[i]];

			if (addr_eq(ip_dst(out, l3, fam), be->addr, fam) &&
			    addr_eq(ip_src(out, l3, fam), be->encap_src, fam))
				b = i;
		}
		if (b < 0)
			fail(INV_DEST, index, fr, out, verdict,
			     "ipip outer header to no backend of the service, or from no source "
			     "of ours");
		return;
	}
	/* nat: destination (and port) to the backend; for an ICMP error the quote too */
	if (out->len != fr->in.len) {
		fail(INV_BYTES, index, fr, out, verdict, "nat changed the length");
		return;
	}
	{
		struct range rg[12];
		int nr = 0;
		uint32_t l4 = p->l4_off;

		rg[nr++] = (struct range){ 0, 12 };
		rg[nr++] = (struct range){ l3 + (fam == 4 ? 16 : 24), (uint32_t)alen(fam) };
		if (fam == 4)
			rg[nr++] = (struct range){ l3 + 10, 2 };
		if (!icmp) {
			rg[nr++] = (struct range){ l4 + 2, 2 };
			rg[nr++] = (struct range){ l4 + l4_csum_off(p->key.proto), 2 };
			b = svc_member(fi, s, ip_dst(out, l3, fam), *(uint16_t *)(out->b + l4 + 2),
				       htons(svc_tab[s].port));
		} else {
			rg[nr++] = (struct range){ l4 + 2, 2 };
			rg[nr++] = (struct range){ q->l3_off + (fam == 4 ? 12 : 8),
						   (uint32_t)alen(fam) };
			if (fam == 4)
				rg[nr++] = (struct range){ q->l3_off + 10, 2 };
			rg[nr++] = (struct range){ q->l4_off, 2 };
			/* the quoted segment's checksum, back to the backend's */
			rg[nr++] = (struct range){ q->l4_off + l4_csum_off(q->key.proto), 2 };
			/* the quote's source is the backend now, its source port the backend's */
			b = svc_member(fi, s, ip_src(out, q->l3_off, fam),
				       *(uint16_t *)(out->b + q->l4_off), htons(svc_tab[s].port));
			if (b >= 0 && !addr_eq(ip_dst(out, l3, fam), f.be[fi][b].addr, fam))
				b = -1;
		}
		d = diff_outside(&fr->in, out, rg, nr);
		if (d >= 0) {
			fail(INV_BYTES, index, fr, out, verdict, "nat changed byte %ld", d);
			return;
		}
	}
	if (b < 0)
		fail(INV_DEST, index, fr, out, verdict, "nat to no backend of service %d", s);
}

/* One frame out of the datapath, with the counters it moved. */
static void check_frame(uint64_t index, const struct frame *fr, int verdict, const struct pkt *out,
			const struct xlb_global_stats *dlt)
{
	int cls = -1, emit = -1, drop = -1, n = 0;
	bool stateless = false;
	struct xlb_pkt p = {}, q = {};
	struct pkt_hdrs hin, hout;
	char why[160], why_out[160];
	/* parse.h reads only, but takes the datapath's non-const pointers */
	uint8_t *in_data = (uint8_t *)(uintptr_t)fr->in.b;
	bool good_in, good_out;
	int res, s = -1, fi;
	uint8_t fam;

	st.frames++;
	if (verdict < 0 || verdict == XDP_ABORTED || verdict > XDP_REDIRECT) {
		fail(INV_VERDICT, index, fr, out, verdict, "%s",
		     verdict < 0 ? strerror(-verdict) : "XDP_ABORTED or unknown");
		return;
	}
	/* exactly one path, and for a packet that was classified, one way out */
	for (int i = 0; i < XLB_PATH_MAX; i++) {
		if (!dlt->path[i])
			continue;
		n++;
		st.path[i] += dlt->path[i];
		if (dlt->path[i] != 1)
			n += 10;
		if (i == XLB_PATH_TX || i == XLB_PATH_REDIRECT || i == XLB_PATH_FIB_PASS)
			emit = emit < 0 ? i : 99;
		else if (i == XLB_PATH_NAT_STATELESS)
			stateless = true; /* said of a NAT_REPLY, with it */
		else
			cls = cls < 0 ? i : 99;
	}
	if (stateless && cls != XLB_PATH_NAT_REPLY) {
		fail(INV_COUNTERS, index, fr, out, verdict,
		     "nat_stateless counted on path %d, not with nat_reply", cls);
		return;
	}
	for (int i = 0; i < XLB_DROP_MAX; i++) {
		if (!dlt->drop[i])
			continue;
		n++;
		st.drop[i] += dlt->drop[i];
		if (dlt->drop[i] != 1)
			n += 10;
		drop = drop < 0 ? i : 99;
	}
	{
		bool ok;
		bool emit_drop = drop == XLB_DROP_FIB || drop == XLB_DROP_NO_TX_PORT ||
				 drop == XLB_DROP_ENCAP;

		if (cls == XLB_PATH_PASS)
			ok = n == 1 && verdict == XDP_PASS;
		else if (cls >= 0 && cls != 99 && emit >= 0 && emit != 99)
			ok = n == 2 + stateless &&
			     verdict == (emit == XLB_PATH_TX	   ? XDP_TX :
					 emit == XLB_PATH_REDIRECT ? XDP_REDIRECT :
								     XDP_PASS);
		else if (cls >= 0 && cls != 99 && emit_drop)
			ok = n == 2 + stateless && verdict == XDP_DROP;
		else
			ok = n == 1 && drop >= 0 && drop != 99 && !emit_drop && verdict == XDP_DROP;
		if (!ok) {
			fail(INV_COUNTERS, index, fr, out, verdict,
			     "counters moved do not tell one path (path %d, out %d, drop %d, %d "
			     "moved)",
			     cls, emit, drop, n);
			return;
		}
	}
	if (verdict == XDP_DROP && drop == XLB_DROP_NAT_NO_FLOW) {
		struct xlb_flow_key k = {};
		struct dataplane_flow fl;
		int b = -1, ns = -1;

		/* with one VIP per nat backend here: the client's flow to it is another's */
		if (fr->nat_prog && xlb_parse(in_data, in_data + fr->in.len, &p) == XLB_PARSE_OK &&
		    (p.key.proto == IPPROTO_TCP || p.key.proto == IPPROTO_UDP))
			ns = nat_sender(p.key.family == 6, &p, &b);
		if (ns >= 0) {
			memcpy(k.src, p.key.dst, (size_t)alen(p.key.family));
			net_addr(p.key.family, 50, svc_tab[ns].host, (uint8_t *)k.dst);
			k.sport = p.key.dport;
			k.dport = htons(svc_tab[ns].port);
			k.proto = p.key.proto;
			k.family = p.key.family;
		}
		if (ns < 0 || nat_vips_of(p.key.family == 6, b, p.key.proto) != 1 ||
		    dataplane_flow_lookup(f.dp, &k, &fl) || flow_of(p.key.family == 6, b, &fl))
			fail(INV_COUNTERS, index, fr, out, verdict,
			     "dropped as nat_no_flow, but no nat backend's reply to a client with "
			     "another backend's flow");
	}
	if (verdict == XDP_DROP) {
		st.mutated_dropped += fr->mutations > 0;
		return;
	}

	good_in = wellformed(&fr->in, &hin, why, sizeof(why));
	res = xlb_parse(in_data, in_data + fr->in.len, &p);
	fam = p.key.family;
	fi = fam == 6;
	if (cls == XLB_PATH_PASS) {
		if (out->len != fr->in.len || memcmp(out->b, fr->in.b, out->len))
			fail(INV_NON_VIP, index, fr, out, verdict,
			     "passed as not ours, but changed");
		/* a nat backend's reply that passes leaves with the backend's address */
		if (fr->nat_prog && res == XLB_PARSE_OK && good_in &&
		    (p.key.proto == IPPROTO_TCP || p.key.proto == IPPROTO_UDP)) {
			for (int k = 0; k < NSVC; k++) {
				if (svc_tab[k].mode != XLB_MODE_NAT ||
				    svc_tab[k].proto != p.key.proto)
					continue;
				if (svc_member(fi, k, (uint8_t *)p.key.src, p.key.sport,
					       htons(svc_tab[k].port)) >= 0 &&
				    kernel_forwards(fam, (uint8_t *)p.key.src, (uint8_t *)p.key.dst,
						    fr->ifindex))
					fail(INV_NAT_LEAK, index, fr, out, verdict,
					     "reply of a nat backend of service %d passed "
					     "untranslated",
					     k);
			}
		}
		st.pass_checked++;
		return;
	}

	/* sent: whole, and with good checksums where they were good */
	good_out = wellformed(out, &hout, why_out, sizeof(why_out));
	if (!good_out && good_in)
		fail(INV_CSUM, index, fr, out, verdict, "%s", why_out);
	else if (!good_out && !pkt_parse(out->b, out->len, &hout))
		fail(INV_MALFORMED, index, fr, out, verdict, "sent a frame that %s", why_out);
	{
		uint8_t fo = 0, fin = 0;
		int co = udp_csum_field(out, &fo), ci = udp_csum_field(&fr->in, &fin);

		if (co == 0 && (fo == 6 || ci != 0))
			fail(INV_UDP_ZERO, index, fr, out, verdict,
			     "UDP checksum rewritten to 0 (IPv%u)", fo);
		if (fr->kind == K_EDGE || (fr->kind == K_REPLY && co == 0xffff))
			st.edge_checked += good_in && co == 0xffff;
	}
	if (res != XLB_PARSE_OK) {
		fail(INV_COUNTERS, index, fr, out, verdict, "sent, but parse.h says %d", res);
		return;
	}

	switch (cls) {
	case XLB_PATH_FLOW_HIT:
	case XLB_PATH_FLOW_NEW:
	case XLB_PATH_FLOW_MOVED:
	case XLB_PATH_FLOW_NO_WAY:
		s = svc_find(&p.key, false);
		if (s < 0) {
			fail(INV_DEST, index, fr, out, verdict, "forwarded, but for no service");
			return;
		}
		if (cls == XLB_PATH_FLOW_NO_WAY) {
			struct dataplane_flow fl;

			if (!dataplane_flow_lookup(f.dp, &p.key, &fl))
				fail(INV_COUNTERS, index, fr, out, verdict,
				     "flow_no_way, but the flow is in the table");
		}
		check_to_backend(index, fr, out, verdict, &p, fi, s, false, NULL);
		if (good_in && good_out)
			st.fwd_checked[fi][svc_tab[s].mode]++;
		break;
	case XLB_PATH_ICMP_ERROR:
		if (xlb_parse_quoted(in_data, in_data + fr->in.len, p.l4_off + 8, fam, &q) !=
			    XLB_PARSE_OK ||
		    (s = svc_find(&q.key, true)) < 0) {
			fail(INV_DEST, index, fr, out, verdict,
			     "ICMP error quoting no service sent");
			return;
		}
		check_to_backend(index, fr, out, verdict, &p, fi, s, true, &q);
		st.icmp_err_checked += good_in && good_out;
		break;
	case XLB_PATH_NAT_REPLY: {
		struct xlb_flow_key k = {};
		struct dataplane_flow fl;
		struct range rg[5];
		int nr = 0, b;
		long d;

		rg[nr++] = (struct range){ 0, 12 };
		rg[nr++] = (struct range){ p.l3_off + (fam == 4 ? 12 : 8), (uint32_t)alen(fam) };
		if (fam == 4)
			rg[nr++] = (struct range){ p.l3_off + 10, 2 };
		rg[nr++] = (struct range){ p.l4_off, 2 };
		rg[nr++] = (struct range){ p.l4_off + l4_csum_off(p.key.proto), 2 };
		d = out->len == fr->in.len ? diff_outside(&fr->in, out, rg, nr) : 0;
		if (d >= 0) {
			fail(INV_BYTES, index, fr, out, verdict, "nat reply changed byte %ld", d);
			return;
		}
		/* now from a nat service to a client that has a flow to it on this backend */
		memcpy(k.src, ip_dst(out, p.l3_off, fam), (size_t)alen(fam));
		memcpy(k.dst, ip_src(out, p.l3_off, fam), (size_t)alen(fam));
		k.sport = *(uint16_t *)(out->b + p.l4_off + 2);
		k.dport = *(uint16_t *)(out->b + p.l4_off);
		k.proto = p.key.proto;
		k.family = fam;
		s = svc_find(&k, false);
		if (s < 0 || svc_tab[s].mode != XLB_MODE_NAT) {
			fail(INV_DEST, index, fr, out, verdict, "reply from no nat service");
			return;
		}
		b = svc_member(fi, s, (uint8_t *)p.key.src, p.key.sport, htons(svc_tab[s].port));
		if (dataplane_flow_lookup(f.dp, &k, &fl)) {
			/* no flow: recovered from the sender's only VIP (the tally counts on it) */
			if (!stateless || b < 0 || nat_vips_of(fi, b, p.key.proto) != 1)
				fail(INV_NAT_BACKEND, index, fr, out, verdict,
				     "translated without a flow of that client%s",
				     stateless ? ", by a backend of more than one VIP" :
						 ", not counted stateless");
			else
				st.reply_checked[fi] += good_in && good_out;
			return;
		}
		if (stateless)
			fail(INV_COUNTERS, index, fr, out, verdict,
			     "counted stateless, but the client has a flow");
		if (b < 0 || !flow_of(fi, b, &fl))
			fail(INV_NAT_BACKEND, index, fr, out, verdict,
			     "translated for a flow of backend %u gen %u, sent by %s",
			     fl.backend_id, fl.backend_gen,
			     b < 0 ? "no backend of the service" : "another backend or gen");
		st.reply_checked[fi] += good_in && good_out;
		break;
	}
	case XLB_PATH_ICMP_ECHO: {
		struct range rg[6];
		int nr = 0;
		long d;

		rg[nr++] = (struct range){ 0, 12 };
		rg[nr++] = (struct range){ p.l3_off + (fam == 4 ? 8 : 7), 1 };
		rg[nr++] = (struct range){ p.l3_off + (fam == 4 ? 10 : 8), fam == 4 ? 10 : 32 };
		rg[nr++] = (struct range){ p.l4_off, 1 };
		rg[nr++] = (struct range){ p.l4_off + 2, 2 };
		d = out->len == fr->in.len ? diff_outside(&fr->in, out, rg, nr) : 0;
		if (d >= 0)
			fail(INV_BYTES, index, fr, out, verdict, "echo reply changed byte %ld", d);
		else if (memcmp(ip_src(out, p.l3_off, fam), p.key.dst, (size_t)alen(fam)) ||
			 memcmp(ip_dst(out, p.l3_off, fam), p.key.src, (size_t)alen(fam)) ||
			 memcmp(out->b, fr->in.b + 6, 6) || memcmp(out->b + 6, fr->in.b, 6))
			fail(INV_DEST, index, fr, out, verdict, "echo reply not to the sender");
		st.echo_checked += good_in && good_out;
		break;
	}
	default:
		fail(INV_COUNTERS, index, fr, out, verdict, "sent on path %d", cls);
	}
}

/* --- running ------------------------------------------------------------------------------ */

/* Per-epoch totals against the per-VIP and per-backend counters. */
struct tally {
	uint64_t fwd_packets, fwd_bytes, new_flows, reply_packets, reply_bytes;
	uint64_t be_reply_packets, be_reply_bytes; /* a stateless reply names no backend */
};

static void tally_add(struct tally *t, const struct frame *fr, const struct xlb_global_stats *d)
{
	uint64_t fwd = d->path[XLB_PATH_FLOW_HIT] + d->path[XLB_PATH_FLOW_NEW] +
		       d->path[XLB_PATH_FLOW_MOVED] + d->path[XLB_PATH_FLOW_NO_WAY] +
		       d->path[XLB_PATH_ICMP_ERROR];
	/* stateless here is always from the backend's only VIP (check_frame holds it to that):
	 * the datapath has no backend id to count on then
	 */
	uint64_t be_reply = d->path[XLB_PATH_NAT_REPLY] - d->path[XLB_PATH_NAT_STATELESS];

	t->fwd_packets += fwd;
	t->fwd_bytes += fwd * fr->in.len;
	t->new_flows += d->path[XLB_PATH_FLOW_NEW] + d->path[XLB_PATH_FLOW_MOVED] +
			d->path[XLB_PATH_FLOW_NO_WAY];
	t->reply_packets += d->path[XLB_PATH_NAT_REPLY];
	t->reply_bytes += d->path[XLB_PATH_NAT_REPLY] * fr->in.len;
	t->be_reply_packets += be_reply;
	t->be_reply_bytes += be_reply * fr->in.len;
}

static void tally_check(const struct tally *t, uint64_t epoch)
{
	for (int vip = 0; vip < 2; vip++) {
		struct xlb_counters sum = {}, c;

		for (int fi = 0; fi < NFAM; fi++)
			for (int i = 0; i < (vip ? NSVC : NBE); i++) {
				uint32_t id = vip ? svc_id(fi, i) : be_id(fi, i);

				if (vip ? dataplane_vip_stats(f.dp, id, &c) :
					  dataplane_backend_stats(f.dp, id, &c))
					memset(&c, 0xff, sizeof(c));
				sum.packets += c.packets;
				sum.bytes += c.bytes;
				sum.new_flows += c.new_flows;
				sum.reply_packets += c.reply_packets;
				sum.reply_bytes += c.reply_bytes;
			}
		uint64_t rp = vip ? t->reply_packets : t->be_reply_packets,
			 rb = vip ? t->reply_bytes : t->be_reply_bytes;

		if (sum.packets != t->fwd_packets || sum.bytes != t->fwd_bytes ||
		    sum.new_flows != t->new_flows || sum.reply_packets != rp ||
		    sum.reply_bytes != rb)
			fail(INV_COUNTERS, epoch * EPOCH, NULL, NULL, 0,
			     "epoch %llu: %s counters say %llu packets %llu bytes %llu new, %llu "
			     "replies %llu bytes; the frames say %llu %llu %llu, %llu %llu",
			     (unsigned long long)epoch, vip ? "VIP" : "backend",
			     (unsigned long long)sum.packets, (unsigned long long)sum.bytes,
			     (unsigned long long)sum.new_flows,
			     (unsigned long long)sum.reply_packets,
			     (unsigned long long)sum.reply_bytes,
			     (unsigned long long)t->fwd_packets, (unsigned long long)t->fwd_bytes,
			     (unsigned long long)t->new_flows, (unsigned long long)rp,
			     (unsigned long long)rb);
	}
}

static void stats_delta(const struct xlb_global_stats *a, const struct xlb_global_stats *b,
			struct xlb_global_stats *d)
{
	for (int i = 0; i < XLB_PATH_MAX; i++)
		d->path[i] = b->path[i] - a->path[i];
	for (int i = 0; i < XLB_DROP_MAX; i++)
		d->drop[i] = b->drop[i] - a->drop[i];
}

/* Frames [from, to) from epoch starts; in replay mode, only the epoch of f.index, to it. */
static int fuzz_run(uint64_t from, uint64_t to)
{
	struct xlb_global_stats before, after, dlt;
	static struct frame fr;
	static struct pkt out;
	struct tally tl = {};
	int err;

	for (uint64_t i = from; i < to; i++) {
		uint64_t epoch = i / EPOCH;

		if (i % EPOCH == 0 || i == from) {
			if (i != from)
				tally_check(&tl, epoch - 1);
			memset(&tl, 0, sizeof(tl));
			err = epoch_reset();
			if (err)
				return err;
		}
		if (i % EPOCH == EPOCH / 2 && (err = epoch_bump(epoch)))
			return err;
		frame_make(&fr, i);
		if ((err = dataplane_global_stats(f.dp, &before)))
			return err;
		memset(&out, 0, sizeof(out));
		{
			int v = testnet_xdp_run(fr.nat_prog ? f.prog_nat : f.prog_rx, fr.ifindex,
						&fr.in, &out);

			if ((err = dataplane_global_stats(f.dp, &after)))
				return err;
			stats_delta(&before, &after, &dlt);
			if (f.index == i) {
				printf("  frame %llu: %s, IPv%u, service %d, %d mutations, verdict "
				       "%d\n",
				       (unsigned long long)i, kind_name[fr.kind], fr.family, fr.svc,
				       fr.mutations, v);
				pkt_dump("in", &fr.in, ~0u);
				pkt_dump("out", &out, ~0u);
			}
			check_frame(i, &fr, v, &out, &dlt);
			tally_add(&tl, &fr, &dlt);
		}
	}
	if (from < to && (to % EPOCH == 0 || f.index == UINT64_MAX))
		tally_check(&tl, (to - 1) / EPOCH);
	return 0;
}

static bool exercised(void)
{
	static const int paths[] = { XLB_PATH_PASS,	  XLB_PATH_FLOW_HIT,  XLB_PATH_FLOW_NEW,
				     XLB_PATH_FLOW_MOVED, XLB_PATH_NAT_REPLY, XLB_PATH_ICMP_ECHO,
				     XLB_PATH_ICMP_ERROR, XLB_PATH_TX,	      XLB_PATH_REDIRECT,
				     XLB_PATH_FIB_PASS };
	static const int drops[] = { XLB_DROP_TRUNCATED,  XLB_DROP_BAD_HEADER,	 XLB_DROP_FRAGMENT,
				     XLB_DROP_NO_BACKEND, XLB_DROP_ICMP_NO_FLOW, XLB_DROP_FIB };
	bool ok = true;

	printf("  frames %llu; paths:", (unsigned long long)st.frames);
	for (int i = 0; i < XLB_PATH_MAX; i++)
		printf(" %s %llu", dataplane_path_name(i), (unsigned long long)st.path[i]);
	printf("\n  drops:");
	for (int i = 0; i < XLB_DROP_MAX; i++)
		printf(" %s %llu", dataplane_drop_name(i), (unsigned long long)st.drop[i]);
	printf("\n  checked with good checksums in and out: forwarded v4 nat %llu dsr %llu ipip "
	       "%llu, v6 nat %llu dsr %llu ipip %llu; nat replies v4 %llu v6 %llu; echo %llu; "
	       "ICMP errors %llu; UDP checksum 0xffff %llu; passed untouched %llu\n",
	       (unsigned long long)st.fwd_checked[0][0], (unsigned long long)st.fwd_checked[0][1],
	       (unsigned long long)st.fwd_checked[0][2], (unsigned long long)st.fwd_checked[1][0],
	       (unsigned long long)st.fwd_checked[1][1], (unsigned long long)st.fwd_checked[1][2],
	       (unsigned long long)st.reply_checked[0], (unsigned long long)st.reply_checked[1],
	       (unsigned long long)st.echo_checked, (unsigned long long)st.icmp_err_checked,
	       (unsigned long long)st.edge_checked, (unsigned long long)st.pass_checked);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!st.path[paths[i]]) {
			printf("  path %s never taken\n", dataplane_path_name(paths[i]));
			ok = false;
		}
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		if (!st.drop[drops[i]]) {
			printf("  drop %s never taken\n", dataplane_drop_name(drops[i]));
			ok = false;
		}
	for (int fi = 0; fi < NFAM; fi++) {
		for (int m = 0; m < XLB_MODE_MAX; m++)
			if (!st.fwd_checked[fi][m]) {
				printf("  no well-formed IPv%u %s frame forwarded\n", fam_of(fi),
				       dataplane_mode_name(m));
				ok = false;
			}
		if (!st.reply_checked[fi]) {
			printf("  no well-formed IPv%u nat reply translated\n", fam_of(fi));
			ok = false;
		}
	}
	if (!st.echo_checked || !st.icmp_err_checked || !st.edge_checked || !st.pass_checked ||
	    !st.mutated_dropped) {
		printf("  echo, ICMP error, UDP checksum edge, untouched pass or dropped mutation "
		       "never checked\n");
		ok = false;
	}
	return ok;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void usage(FILE *o)
{
	fprintf(o,
		"usage: test_fuzz_datapath [--seed S] [--frames N] [--index I]\n"
		"  --seed S    the run's seed (default: from the clock, printed)\n"
		"  --frames N  mutated frames to run (default %d)\n"
		"  --index I   replay frame I only (runs its epoch from the start to it) and "
		"show it\n",
		FRAMES_DEFAULT);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "seed", required_argument, NULL, 's' },
					      { "frames", required_argument, NULL, 'n' },
					      { "index", required_argument, NULL, 'i' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	struct dataplane_opts o = { .pin_dir = NULL, .ring_size = 251, .flow_capacity = 16384 };
	struct timespec t0, t1;
	bool seeded = false;
	int c, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_print);
	f.frames = FRAMES_DEFAULT;
	while ((c = getopt_long(argc, argv, "s:n:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			f.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			f.frames = strtoull(optarg, NULL, 0);
			break;
		case 'i':
			f.index = strtoull(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!seeded) {
		clock_gettime(CLOCK_REALTIME, &t0);
		f.seed = (uint64_t)t0.tv_nsec ^ (uint64_t)t0.tv_sec << 20 ^ (uint64_t)getpid();
	}
	if (f.index != UINT64_MAX && !seeded) {
		fprintf(stderr, "--index needs the --seed of the run\n");
		return 2;
	}
	printf("seed %llu\n", (unsigned long long)f.seed);
	if (geteuid() != 0) {
		printf("SKIP fuzz_datapath: needs root (network namespace, BPF)\n");
		return 0;
	}
	if ((err = net_setup())) {
		printf("FAIL fuzz_setup: network namespace: %s\n", strerror(-err));
		return 1;
	}
	{
		struct testnet n = { .if_a = f.if_a, .if_b = f.if_b };

		err = testnet_dp_open(&f.dp, &o, &n, &f.prog_rx, &f.prog_nat);
	}
	if (!err)
		err = config_load();
	if (err) {
		printf("FAIL fuzz_setup: datapath: %s\n", strerror(-err));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (f.index != UINT64_MAX)
		err = fuzz_run(f.index - f.index % EPOCH, f.index + 1);
	else
		err = fuzz_run(0, f.frames);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		printf("FAIL fuzz_run: %s\n", strerror(-err));
		return 1;
	}
	printf("  %llu frames in %.1f s\n", (unsigned long long)st.frames,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (f.index == UINT64_MAX && !exercised())
		st.fails[INV_EXERCISED]++;
	for (int i = 0; i < INV_MAX; i++) {
		if (f.index != UINT64_MAX && i == INV_EXERCISED)
			continue;
		if (st.fails[i]) {
			printf("FAIL %s: %llu frames, first at index %llu (seed %llu)\n",
			       inv_name[i], (unsigned long long)st.fails[i],
			       (unsigned long long)st.first_index[i], (unsigned long long)f.seed);
			check_nfail++;
		} else {
			printf("PASS %s\n", inv_name[i]);
			check_npass++;
		}
	}
	dataplane_close(f.dp);
	return check_summary();
}
