/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The ABI between the XDP datapath and user space: every map key and value, the forwarding
 * modes, the counters and the drop reasons. Both sides include this file for them, so a layout
 * change is one edit and the static asserts catch a mismatch at build time. (User space also
 * includes hash.h, the flow hash it must compute alike; the tests, parse.h.)
 */
#ifndef XLB_SHARED_H
#define XLB_SHARED_H

#include <linux/types.h>

#define XLB_MAX_VIPS 512	    /* services (address, port, protocol) */
#define XLB_MAX_BACKENDS 4096	    /* backend ids, shared by all VIPs */
#define XLB_RING_SIZE_DEFAULT 65537 /* Maglev lookup table size, a prime */
#define XLB_RING_LANES 4	    /* backend ids (16 bits) in one table element */
#define XLB_RING_ELEMS(size) (((size) + XLB_RING_LANES - 1) / XLB_RING_LANES)
#define XLB_FLOWS_DEFAULT (1u << 20) /* flow table entries (ways) */
#define XLB_PIN_DIR "/sys/fs/bpf/xlb"

/* The version of this ABI. Every pinned map's name carries it (xlb_vips_v2), and a run adopts
 * only pins of its own version: a change of a pinned map's key, value or meaning that keeps the
 * sizes would otherwise be adopted silently. Raise it with every such change. Pins named without
 * a suffix are version 1.
 */
#define XLB_ABI_VERSION 2

/* Address families as stored in keys; addresses are always 16 bytes, IPv4 in addr[0]. */
enum xlb_family {
	XLB_FAMILY_V4 = 4,
	XLB_FAMILY_V6 = 6,
};

enum xlb_mode {
	XLB_MODE_NAT = 0,  /* destination rewritten, replies rewritten back on the way out */
	XLB_MODE_DSR = 1,  /* layer 2: destination MAC rewritten, IP packet untouched */
	XLB_MODE_IPIP = 2, /* IPv4-in-IPv4 or IPv6-in-IPv6 towards the backend */
	XLB_MODE_MAX,
};

/* Key of xlb_vips, and of xlb_nat_src (a backend's address, port and protocol). A service is
 * (address, port, protocol); an address that carries at least one service also has an entry
 * with port 0 and proto 0 (XLB_VIP_F_ADDR), which the datapath uses for ICMP echo, fragments
 * and truncated packets, where no port can be read.
 */
struct xlb_vip_key {
	__be32 addr[4];
	__be16 port;
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, or 0 for the address entry */
	__u8 family; /* enum xlb_family */
};
_Static_assert(sizeof(struct xlb_vip_key) == 20, "xlb_vip_key layout");

#define XLB_VIP_F_ADDR (1u << 0)    /* address entry, not a service */
#define XLB_VIP_F_NO_ECHO (1u << 1) /* do not answer ICMP echo for this address */
/* The client's address alone picks the table position (stickiness.type source_ip): every flow
 * of one client goes to one backend, whatever its ports.
 */
#define XLB_VIP_F_SRC_IP (1u << 2)
/* Least outstanding requests: a new flow looks at two table positions (xlb_pick_hash2) and
 * takes the backend with fewer active flows in xlb_be_active; flows are counted there.
 */
#define XLB_VIP_F_LOR (1u << 3)

struct xlb_vip {
	__u32 id;   /* index into xlb_rings and xlb_vip_stats, < XLB_MAX_VIPS */
	__u8 mode;  /* enum xlb_mode */
	__u8 flags; /* XLB_VIP_F_* */
	__u16 pad;
};
_Static_assert(sizeof(struct xlb_vip) == 8, "xlb_vip layout");

#define XLB_BE_F_ACTIVE (1u << 0)    /* id in use; clear it to remove the backend for good */
#define XLB_BE_F_DRAINING (1u << 1)  /* keeps its flows, gets no new ones */
#define XLB_BE_F_NH_CACHED (1u << 2) /* nh_* hold the next hop; else bpf_fib_lookup */
/* Control plane only, the datapath ignores it: the next hop stays with bpf_fib_lookup by choice
 * (xlb-dp backend set --nexthop fib), so that refreshing cached next hops leaves it alone.
 */
#define XLB_BE_F_NH_FIB (1u << 3)

/* Value of xlb_backends, indexed by backend id. */
struct xlb_backend {
	__be32 addr[4];
	__be32 encap_src[4]; /* ipip: outer source, the balancer's address towards it */
	__be16 port;	     /* nat: destination port, 0 keeps the VIP's port */
	__u8 family;	     /* enum xlb_family */
	__u8 flags;	     /* XLB_BE_F_* */
	__u32 gen;	     /* changes whenever the id is given to another backend */
	__u32 nh_ifindex;    /* XLB_BE_F_NH_CACHED: egress device */
	__u8 nh_dmac[6];
	__u8 nh_smac[6];
};
_Static_assert(sizeof(struct xlb_backend) == 56, "xlb_backend layout");

/* A flow as the client sends it (client -> VIP). Ports in network order. */
struct xlb_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;	       /* always zero */
} __attribute__((aligned(8))); /* compared as five 64-bit words */
_Static_assert(sizeof(struct xlb_flow_key) == 40, "xlb_flow_key layout");

/* Value of xlb_secret (one entry): the key of the flow hash, 128 random bits made when a
 * datapath is first loaded (k[0] = bytes 0-7 of the key, little-endian, k[1] = bytes 8-15).
 * Nodes that must pick the same backends for the same flows share it. All zero: not set yet.
 */
struct xlb_secret {
	__u64 k[2];
};
_Static_assert(sizeof(struct xlb_secret) == 16, "xlb_secret layout");

/* A way's flags. The client's side is seen on every packet; the backend's only in nat mode
 * (its replies cross the balancer). No single packet from the client closes a flow or puts
 * it first in line for eviction: that needs the backend's side too.
 */
#define XLB_FLOW_F_VALID (1u << 0)     /* the way holds a flow */
#define XLB_FLOW_F_FIN_C (1u << 1)     /* the client sent a FIN (cleared by its later data) */
#define XLB_FLOW_F_RST_C (1u << 2)     /* the client sent a RST (cleared by its later packets) */
#define XLB_FLOW_F_FIN_S (1u << 3)     /* nat: the backend sent a FIN */
#define XLB_FLOW_F_RST_S (1u << 4)     /* nat: the backend sent a RST */
#define XLB_FLOW_F_ACKED (1u << 5)     /* TCP: the client acknowledged after the flow began */
#define XLB_FLOW_F_REPLIED (1u << 6)   /* nat: the flow's backend answered */
#define XLB_FLOW_F_CONFIRMED (1u << 7) /* established: evicted only after the others */
/* Counted in xlb_be_active (a VIP with XLB_VIP_F_LOR): taken back, once, when either side
 * begins to close the flow (XLB_FLOW_ENDING) or its way is given to another flow.
 */
#define XLB_FLOW_F_COUNTED (1u << 8)
#define XLB_FLOW_ENDING(f) \
	((f) & (XLB_FLOW_F_FIN_C | XLB_FLOW_F_RST_C | XLB_FLOW_F_FIN_S | XLB_FLOW_F_RST_S))
/* Closed in both directions: the backend reset it, or both sides ended it. */
#define XLB_FLOW_CLOSED(f)         \
	(((f)&XLB_FLOW_F_RST_S) || \
	 (((f)&XLB_FLOW_F_FIN_S) && ((f) & (XLB_FLOW_F_FIN_C | XLB_FLOW_F_RST_C))))
/* A flow idle this long (seconds) may give its way to a new flow although it is confirmed,
 * and a pure SYN on its 5-tuple picks a backend anew; the controller's drain count uses the
 * same timeout.
 */
#define XLB_FLOW_IDLE_S 120
/* New flows a CPU takes ways for per second (about: 2^30 ns) by default; above it, misses are
 * forwarded by Maglev without a way, so a flood cannot churn the table.
 */
#define XLB_NEW_FLOW_RATE_DEFAULT 262144
#define XLB_FLOW_WAYS 4

/* The flow table (xlb_flows) is set-associative: bucket = xlb_flow_hash(key) & (buckets - 1),
 * XLB_FLOW_WAYS ways a bucket. The bucket's first cache line says what its ways hold (a tag
 * from the hash, age, flags), so that a new flow reads one line to find its way is free or
 * whom to evict (a free way, else a closed flow, else the one idle longest). Lock-free: two
 * CPUs writing one way at once may leave a mix of two flows, which `check` exposes and the
 * reader treats as a miss.
 */
struct xlb_flow {
	struct xlb_flow_key key;
	__u32 backend_id;
	__u32 backend_gen; /* the flow moves when its backend id's gen no longer matches */
	__u32 vip_id;
	__u32 check; /* xlb_flow_check(hash, backend_id, backend_gen) */
	__u32 pad[2];
};
_Static_assert(sizeof(struct xlb_flow) == 64, "xlb_flow layout");

struct xlb_flow_bucket {
	__u32 tag[XLB_FLOW_WAYS];   /* xlb_flow_tag(hash) of the way's flow */
	__u32 atime[XLB_FLOW_WAYS]; /* last packet, bpf_ktime_get_coarse_ns() >> 30 (~ s) */
	__u32 flags[XLB_FLOW_WAYS]; /* XLB_FLOW_F_* */
	__u32 pad[XLB_FLOW_WAYS];
	struct xlb_flow way[XLB_FLOW_WAYS];
};
_Static_assert(sizeof(struct xlb_flow_bucket) == 64 * (1 + XLB_FLOW_WAYS), "bucket layout");

/* Key of xlb_nat_src: a backend's address, port and protocol as its replies show them. The value
 * lists the nat VIPs it serves; a reply is rewritten only if the flow it answers is in the flow
 * table, which also tells which of them (usually one) it belongs to.
 */
#define XLB_NAT_SRC_VIPS 8 /* a power of two (masks), and what --check allows */

struct xlb_nat_src {
	__u32 n; /* entries used in vip[] */
	__u32 pad;
	struct {
		__be32 addr[4];
		__be16 port;
		__u16 pad;
		__u32 id;
	} vip[XLB_NAT_SRC_VIPS];
};
_Static_assert(sizeof(struct xlb_nat_src) == 8 + 24 * XLB_NAT_SRC_VIPS, "xlb_nat_src layout");

/* Per-CPU, per VIP (xlb_vip_stats) and per backend (xlb_backend_stats). */
struct xlb_counters {
	__u64 packets; /* towards the backends */
	__u64 bytes;
	__u64 new_flows;
	__u64 reply_packets; /* nat replies rewritten back */
	__u64 reply_bytes;
};
_Static_assert(sizeof(struct xlb_counters) == 40, "xlb_counters layout");

/* Which way each packet went; the tests and the benchmark read these to prove the path. */
enum xlb_path {
	XLB_PATH_PASS = 0,    /* not ours */
	XLB_PATH_FLOW_HIT,    /* established flow, backend kept */
	XLB_PATH_FLOW_NEW,    /* new flow, backend chosen by Maglev */
	XLB_PATH_FLOW_MOVED,  /* flow whose backend is gone, chosen anew */
	XLB_PATH_NAT_REPLY,   /* backend reply rewritten to come from the VIP */
	XLB_PATH_ICMP_ECHO,   /* echo request to a VIP answered */
	XLB_PATH_ICMP_ERROR,  /* ICMP error about a VIP flow sent to its backend */
	XLB_PATH_TX,	      /* XDP_TX */
	XLB_PATH_REDIRECT,    /* XDP_REDIRECT through xlb_tx_ports */
	XLB_PATH_FIB_PASS,    /* rewritten, left to the kernel to resolve the neighbour */
	XLB_PATH_FLOW_NO_WAY, /* miss forwarded by Maglev without a way (rate, or all confirmed) */
	XLB_PATH_NAT_STATELESS, /* nat reply with no flow, VIP recovered from the configuration */
	XLB_PATH_TOO_BIG,	/* ipip: too big once encapsulated, ICMP error sent to the client */
	XLB_PATH_IPIP_FRAG,	/* ipip: too big, IPv4 without DF: to the kernel to fragment */
	XLB_PATH_NAT_ICMP,	/* ICMP error from a nat backend rewritten to come from the VIP */
	XLB_PATH_MAX,
};

enum xlb_drop {
	XLB_DROP_TRUNCATED = 0, /* for a VIP, but a header runs past the end of the frame */
	XLB_DROP_BAD_HEADER,	/* IPv4 IHL < 5, total length too small, bad extension chain */
	XLB_DROP_FRAGMENT,	/* IP fragment to a VIP: no port to balance on */
	XLB_DROP_NO_BACKEND,	/* service with an empty table */
	XLB_DROP_ICMP_NO_FLOW,	/* ICMP error quoting a flow we do not know */
	XLB_DROP_FIB,		/* no route to the backend */
	XLB_DROP_ENCAP,		/* no room to add the outer header */
	XLB_DROP_NO_TX_PORT,	/* egress device missing from xlb_tx_ports */
	XLB_DROP_NAT_NO_FLOW,	/* nat reply from a backend that serves no flow of that client */
	XLB_DROP_MAX,
};

/* Value of xlb_rate (per CPU, not pinned): new flows that took a way in the current second. */
struct xlb_rate {
	__u32 second; /* bpf_ktime_get_coarse_ns() >> 30 */
	__u32 n;
};
_Static_assert(sizeof(struct xlb_rate) == 8, "xlb_rate layout");

struct xlb_global_stats {
	__u64 path[XLB_PATH_MAX];
	__u64 drop[XLB_DROP_MAX];
};

/* xlb_decap (backends, veth peers) unwraps only what a balancer sent to this host: key of its
 * map xlb_decap_allow, filled by user/dataplane.c when it attaches the program.
 */
enum xlb_decap_kind {
	XLB_DECAP_SRC = 1, /* an outer source allowed: a balancer's address */
	XLB_DECAP_DST = 2, /* an outer destination allowed: an address of this host */
};

struct xlb_decap_key {
	__be32 addr[4];
	__u8 family; /* enum xlb_family */
	__u8 kind;   /* enum xlb_decap_kind */
	__u16 pad;   /* always zero */
};
_Static_assert(sizeof(struct xlb_decap_key) == 20, "xlb_decap_key layout");

/* Per-CPU counters of xlb_decap (its map xlb_decap_stats), by index. */
enum xlb_decap_stat {
	XLB_DECAP_STRIPPED = 0, /* outer header removed */
	XLB_DECAP_DROP_SRC,	/* IPIP from an outer source no balancer has */
	XLB_DECAP_DROP_DST,	/* IPIP to an outer destination that is not this host's */
	XLB_DECAP_STAT_MAX,
};

#endif /* XLB_SHARED_H */
