/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The datapath as the controller, the tools and the tests see it: load or adopt the XDP
 * program and its pinned maps, attach it, and write services, backends and Maglev tables.
 * This is the only code that writes the maps.
 */
#ifndef XLB_DATAPLANE_H
#define XLB_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/xlb_shared.h"
#include "maglev.h"

struct bpf_object;
struct dataplane;

struct dataplane_opts {
	const char *pin_dir;	/* NULL: nothing pinned (tests, benchmark) */
	uint32_t flow_capacity; /* flow table entries, 0 for XLB_FLOWS_DEFAULT */
	uint32_t ring_size;	/* Maglev table size, a prime, 0 for XLB_RING_SIZE_DEFAULT */
	uint32_t new_flow_rate; /* new flows a CPU takes ways for per second, 0 for the default */
};

/* Which entry point an interface gets. */
enum dataplane_role {
	DATAPLANE_ROLE_VIP = 0, /* client-facing: VIP traffic only (xlb_rx) */
	DATAPLANE_ROLE_NAT,	/* also rewrites nat replies from backends (xlb_rx_nat) */
	DATAPLANE_ROLE_MAX,
};

/* Opens the datapath. With a pin_dir whose maps exist, they are adopted with their contents
 * (flows, services, tables); otherwise fresh maps are created and pinned there.
 * *adopted tells which (may be NULL).
 */
int dataplane_open(struct dataplane **dp, const struct dataplane_opts *opts, bool *adopted);
/* Frees the handle. Attached programs and pinned maps stay: packets keep flowing. */
void dataplane_close(struct dataplane *dp);
/* The datapath ABI version of the maps pinned in pin_dir: XLB_ABI_VERSION, another one (an xlb
 * of another version pinned them; dataplane_open refuses those), or 0 when nothing is pinned
 * there. A negative errno when the directory cannot be read.
 */
int dataplane_pins_version(const char *pin_dir);
/* Removes the pins (after detaching everything); the maps go when the last user does. */
int dataplane_unpin(struct dataplane *dp);

/* Attaches the role's program to ifindex (in the caller's namespace), replacing an xlb program
 * already there without a gap, and adds the device to xlb_tx_ports. xdp_flags: XDP_FLAGS_*
 * mode bits (0 lets the kernel choose).
 */
int dataplane_attach(struct dataplane *dp, int ifindex, enum dataplane_role role,
		     uint32_t xdp_flags);
int dataplane_detach(struct dataplane *dp, int ifindex, uint32_t xdp_flags);
/* The same datapath at tc (clsact ingress, xlb's filter), for veth and other devices where an
 * XDP redirect loses the skb's checksum state and GSO: attaching it there takes xlb's XDP
 * program off the device (never somebody else's: -EBUSY) and adds the device to xlb_tx_ports.
 */
int dataplane_attach_tc(struct dataplane *dp, int ifindex, enum dataplane_role role);
/* Removes xlb's tc filter (-ENOENT when there is none); the clsact qdisc stays. */
int dataplane_detach_tc(int ifindex);
/* The id of xlb's tc program on ifindex, 0 when none. */
int dataplane_tc_current(int ifindex, __u32 *prog_id);
/* --hook auto: tc on a virtual device without a driver (veth and the like), else XDP. */
bool dataplane_hook_auto_tc(int ifindex);

/* Where xlb's program runs on a device: auto (tc on veth and other virtual devices without a
 * bus, where an XDP redirect loses the checksum state and GSO of what the hosts send; XDP on
 * NICs and virtio, where it is fastest), XDP, or tc (clsact ingress).
 */
enum dataplane_hook {
	DATAPLANE_HOOK_AUTO = 0,
	DATAPLANE_HOOK_XDP,
	DATAPLANE_HOOK_TC,
	DATAPLANE_HOOK_MAX,
};

/* "auto", "xdp", "tc"; NULL out of range. */
const char *dataplane_hook_name(enum dataplane_hook hook);
/* The name's hook: 0, or -EINVAL. */
int dataplane_hook_parse(const char *name, enum dataplane_hook *hook);
/* The hook asked, with auto decided for ifindex (XDP or TC); why (may be NULL) gets the
 * reason in a few words ("asked", "veth", "driver virtio_net").
 */
enum dataplane_hook dataplane_hook_pick(int ifindex, enum dataplane_hook asked, char *why,
					size_t why_len);
/* Attaches the role's program at the hook (auto decided as dataplane_hook_pick does), moving
 * xlb off the other hook of the device once it is in place; *used (may be NULL) says where it
 * went. xdp_flags as for dataplane_attach.
 */
int dataplane_attach_hook(struct dataplane *dp, int ifindex, enum dataplane_role role,
			  enum dataplane_hook hook, uint32_t xdp_flags, enum dataplane_hook *used);
/* Detaches xlb from the device at either hook, and takes it out of xlb_tx_ports. */
int dataplane_detach_any(struct dataplane *dp, int ifindex);
/* Where xlb's program is on ifindex: XDP, TC, or AUTO when it is on neither. */
enum dataplane_hook dataplane_hook_current(int ifindex);
int dataplane_prog_fd_tc(const struct dataplane *dp, enum dataplane_role role);
/* Attaches xlb_decap to ifindex in the caller's namespace (or detaches it): for the far end of
 * a veth that receives redirected or XDP_TX frames (a veth delivers them only to a peer with an
 * XDP program) and for ipip backends. Replaces an xlb_decap already there, never somebody
 * else's program (-EBUSY). xdp_flags 0: native, else generic. Nothing is pinned.
 */
int dataplane_peer_attach(int ifindex, const char *ifname, uint32_t xdp_flags, bool detach);
/* The same, and xlb_decap unwraps IP-in-IP only from the outer sources it is given: the
 * gateways of the caller's namespace (the balancer, in the lab and for instances) and the n
 * entries of extra (XLB_DECAP_SRC or XLB_DECAP_DST), only to the namespace's own addresses.
 */
int dataplane_peer_attach_allow(int ifindex, const char *ifname, uint32_t xdp_flags, bool detach,
				const struct xlb_decap_key *extra, size_t n);
/* Fills the xlb_decap_allow map map_fd: every address of the caller's namespace as an outer
 * destination, every gateway of its routes (IPv4 and IPv6) as an outer source, then extra.
 * Returns the number of entries written or a negative errno.
 */
int dataplane_peer_allow_fill(int map_fd, const struct xlb_decap_key *extra, size_t n);
/* Sums the counters (enum xlb_decap_stat) of the xlb_decap attached to ifindex. */
int dataplane_peer_stats(int ifindex, uint64_t out[XLB_DECAP_STAT_MAX]);
/* Allows redirects to ifindex without attaching to it. */
int dataplane_tx_port_add(struct dataplane *dp, int ifindex);

/* Adds or changes a service, and the address entry (port 0, proto 0) that marks its address. */
int dataplane_vip_set(struct dataplane *dp, const struct xlb_vip_key *key,
		      const struct xlb_vip *vip);
/* Removes a service, its table, and the address entry when no other service uses the address. */
int dataplane_vip_del(struct dataplane *dp, const struct xlb_vip_key *key);
int dataplane_vip_get(struct dataplane *dp, const struct xlb_vip_key *key, struct xlb_vip *vip);

/* Writes the backend of an id (< XLB_MAX_BACKENDS). An id given to a different backend must
 * get a different gen so that the flows of the old one are chosen anew.
 */
int dataplane_backend_set(struct dataplane *dp, uint32_t id, const struct xlb_backend *be);
int dataplane_backend_get(struct dataplane *dp, uint32_t id, struct xlb_backend *be);

/* Maglev tables. "ring" in these names, in xlb_rings, XLB_RING_* and xlb-dp's ring command
 * and --ring, is the same thing: a table of positions, each holding a backend id.
 *
 * Builds the VIP's Maglev table from the backends with a weight and swaps it in whole. No
 * backend (n == 0) removes the table: the VIP's new flows are dropped (XLB_DROP_NO_BACKEND).
 */
int dataplane_ring_set(struct dataplane *dp, uint32_t vip_id, const struct maglev_backend *bes,
		       size_t n);
/* Reads the VIP's current table into table[0..size-1], one backend id a position. */
int dataplane_ring_get(struct dataplane *dp, uint32_t vip_id, uint32_t *table);
uint32_t dataplane_ring_size(const struct dataplane *dp);

/* Counters summed over the CPUs. */
int dataplane_vip_stats(struct dataplane *dp, uint32_t vip_id, struct xlb_counters *sum);
int dataplane_backend_stats(struct dataplane *dp, uint32_t id, struct xlb_counters *sum);
int dataplane_global_stats(struct dataplane *dp, struct xlb_global_stats *sum);
/* Zeroes every counter (tests and benchmarks). */
int dataplane_stats_reset(struct dataplane *dp);

/* Flows per backend: counts[id] for id < XLB_MAX_BACKENDS, for flows seen within max_idle_s
 * (0: all). Walks the flow table (mapped, about 1 ms per 64k flows).
 */
int dataplane_flow_counts(struct dataplane *dp, uint32_t max_idle_s, uint32_t *counts);
/* A flow as the table holds it. */
struct dataplane_flow {
	struct xlb_flow_key key;
	uint32_t backend_id;
	uint32_t backend_gen;
	uint32_t vip_id;
	uint32_t atime;	  /* the datapath's clock: CLOCK_MONOTONIC_COARSE >> 30 */
	uint64_t idle_ms; /* since its last packet, to about a second */
	bool closing;	  /* closed in both directions (XLB_FLOW_CLOSED): no longer drained */
	bool confirmed;	  /* established (XLB_FLOW_F_CONFIRMED) */
	uint32_t flags;	  /* XLB_FLOW_F_* */
};

/* Calls fn for every flow in the table; stops at the first nonzero return and returns it. */
int dataplane_flow_walk(struct dataplane *dp,
			int (*fn)(const struct dataplane_flow *flow, void *arg), void *arg);
int dataplane_flow_lookup(struct dataplane *dp, const struct xlb_flow_key *key,
			  struct dataplane_flow *flow);
/* Ends the flows pick chooses: every flow of the table is shown to it, and the ways of those
 * it returns true for are freed, so that the flow's next packet is a miss (Maglev's pick, or a
 * drop when its service has no backend). Returns how many were ended.
 */
int dataplane_flows_end(struct dataplane *dp,
			bool (*pick)(const struct dataplane_flow *flow, void *arg), void *arg);
/* Writes a flow as the datapath would (tests, the benchmark's full table, restoring flows),
 * confirmed (established: evicted after the unconfirmed) or not (a handshake under way).
 * Returns 1 when it took a free way, 0 when it replaced a flow or updated its own, or -errno.
 */
int dataplane_flow_set(struct dataplane *dp, const struct xlb_flow_key *key, uint32_t backend_id,
		       uint32_t backend_gen, uint32_t vip_id, bool confirmed);
void dataplane_flows_clear(struct dataplane *dp);
/* Least outstanding requests' count of backend id's active flows (xlb_be_active). */
int dataplane_active_get(struct dataplane *dp, uint32_t id, int64_t *n);
/* Rewrites xlb_be_active from the flow table: each backend's counted flows (XLB_FLOW_F_COUNTED)
 * seen within XLB_FLOW_IDLE_S. *fixed says how many counts had drifted.
 */
int dataplane_active_resync(struct dataplane *dp, uint32_t *fixed);

/* The flow hash's secret: 16 bytes, made at random when a datapath is first loaded and pinned
 * with the maps (adoption and restarts keep it). Nodes that must pick the same backend for a
 * flow (several balancers behind ECMP) set the same one. Setting it moves the table's flows to
 * their new buckets with their backends kept; a flow whose new bucket is full falls back to
 * Maglev's pick. An all-zero key is refused (-EINVAL): it means "not set".
 */
int dataplane_secret_set(struct dataplane *dp, const uint8_t key[16]);
int dataplane_secret_get(struct dataplane *dp, uint8_t key[16]);
/* Another cluster node's address (family XLB_FAMILY_*, addr 4 or 16 bytes) added to or taken
 * from xlb_nat_peers: a nat reply with no flow addressed to it passes untranslated (the answer
 * to that node's health check). -ENOSPC when full, -ENOENT when taking one that is not there.
 */
int dataplane_nat_peer_set(struct dataplane *dp, uint8_t family, const void *addr, bool add);
/* Flows the table holds: the capacity asked for, rounded up to whole power-of-two buckets. */
uint32_t dataplane_flow_capacity(const struct dataplane *dp);

/* For tests and the benchmark. */
int dataplane_prog_fd(const struct dataplane *dp, enum dataplane_role role);
int dataplane_map_fd(const struct dataplane *dp, const char *name);
/* Makes another object (the benchmark's) share this datapath's maps, by name, before it loads. */
int dataplane_reuse_maps(const struct dataplane *dp, struct bpf_object *obj);

const char *dataplane_mode_name(int mode);
const char *dataplane_path_name(int path);
const char *dataplane_drop_name(int drop);

#endif /* XLB_DATAPLANE_H */
