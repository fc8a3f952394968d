/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Cached next hops: what `ip route get` and `ip neigh` say about a backend (egress device,
 * gateway's or backend's MAC, device MAC), written into its slot so that the datapath skips
 * bpf_fib_lookup (about 100 ns a packet here, half of an established flow's cost).
 */
#ifndef XLB_NEXTHOP_H
#define XLB_NEXTHOP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "../bpf/xlb_shared.h"

struct dataplane;

struct nexthop {
	int ifindex; /* egress device, in the caller's network namespace */
	char ifname[IF_NAMESIZE];
	uint8_t dmac[6]; /* the gateway's MAC, or the destination's when on-link */
	uint8_t smac[6]; /* the egress device's MAC */
	int gw_family;	 /* AF_INET, AF_INET6, or AF_UNSPEC when on-link */
	uint8_t gw[16];	 /* the gateway, gw_family's length */
	int neigh_state; /* NUD_* of the neighbour entry used */
};

/* Resolves the next hop towards addr (family AF_INET or AF_INET6) in the caller's network
 * namespace, from the kernel's tables only: nothing is sent, nothing waits for ARP or ND.
 * Returns 0 with *nh filled; -EHOSTUNREACH: no unicast route (none, unreachable, blackhole,
 * prohibit, local); -EAGAIN: the neighbour is not resolved (yet), keep bpf_fib_lookup, whose
 * NO_NEIGH path lets the kernel resolve it; -EOPNOTSUPP: the egress device is not Ethernet;
 * -ETIMEDOUT: the kernel did not answer within a second; other -errno on netlink failures.
 */
int nexthop_resolve(int family, const void *addr, struct nexthop *nh);
/* The same for a backend slot's address (its family is XLB_FAMILY_V4 or XLB_FAMILY_V6). */
int nexthop_resolve_backend(const struct xlb_backend *be, struct nexthop *nh);
/* This host's address towards the backend, as the routing table picks it: ipip's outer
 * source. Nothing is sent.
 */
int nexthop_source(const struct xlb_backend *be, __be32 src[4]);

/* Sets be's next hop: nh cached (XLB_BE_F_NH_CACHED and nh_*), or with nh NULL the fib path
 * (flag and nh_* cleared). Other fields are left alone.
 */
void nexthop_apply(struct xlb_backend *be, const struct nexthop *nh);
/* Whether be's cached next hop is nh (flag set and the same device and MACs). */
bool nexthop_equal(const struct xlb_backend *be, const struct nexthop *nh);

/* Writes be to slot id like dataplane_backend_set, in steps when its next hop changes, so
 * that a packet never reads the cached flag with half of another next hop: the datapath reads
 * the slot in place while the kernel copies a new value over it.
 */
int nexthop_backend_set(struct dataplane *dp, uint32_t id, const struct xlb_backend *be);

enum nexthop_change {
	NEXTHOP_UNCHANGED = 0, /* cached, and still the same; or fib and still unresolved */
	NEXTHOP_UPDATED,       /* cached, and now another device or MAC */
	NEXTHOP_CACHED,	       /* was fib, now cached */
	NEXTHOP_FELL_BACK,     /* was cached, no longer resolves: fib */
	NEXTHOP_FIB_CHOSEN,    /* XLB_BE_F_NH_FIB: left alone */
	NEXTHOP_INACTIVE,      /* the slot holds no backend: left alone */
	NEXTHOP_RACED,	       /* the slot changed while it was looked up: left alone */
};

/* Looks backend id's next hop up again and writes the slot if it changed (through
 * nexthop_backend_set). *be gets the slot as it is now, *nh and *resolve_err the lookup's
 * result (resolve_err 0 when it resolved), *change what happened. Returns 0, or -errno when
 * the slot could not be read or written.
 */
int nexthop_refresh(struct dataplane *dp, uint32_t id, struct xlb_backend *be, struct nexthop *nh,
		    int *resolve_err, enum nexthop_change *change);

/* "aa:bb:cc:dd:ee:ff" into buf (at least 18 bytes). */
const char *nexthop_mac_str(const uint8_t mac[6], char *buf);

#endif /* XLB_NEXTHOP_H */
