/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Every map of the datapath. user/dataplane.c is the only writer; all maps are pinned by name
 * under XLB_PIN_DIR so that they outlive xlbd and a new xlbd adopts them.
 */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

#include "xlb_shared.h"

/* struct xlb_vip_key -> struct xlb_vip. Written on configuration changes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * XLB_MAX_VIPS);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_vip);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_vips SEC(".maps");

/* backend id -> struct xlb_backend. An id is given to another backend only with a new gen. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_backends SEC(".maps");

/* One Maglev table: position -> backend id, XLB_RING_LANES 16-bit ids to an element, so that a
 * table of 65537 positions takes 128 KiB and stays in the CPU's caches. Tables are built whole in a
 * fresh map (mmap) and then swapped into xlb_rings, so a packet sees the old table or the new
 * one, never a mix. max_entries is XLB_RING_ELEMS(table size), set before load.
 */
struct xlb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_RING_ELEMS(XLB_RING_SIZE_DEFAULT));
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
};

/* vip id -> that VIP's table. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct xlb_ring);
} xlb_rings SEC(".maps");

/* bucket -> struct xlb_flow_bucket: the flow table, set-associative (see struct xlb_flow).
 * Written by the datapath on a new flow; user space reads it through mmap to count flows.
 * max_entries (a power of two) is set before load: flows / XLB_FLOW_WAYS.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_FLOWS_DEFAULT / XLB_FLOW_WAYS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xlb_flow_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_flows SEC(".maps");

/* 0 -> struct xlb_secret: the flow hash's key. Written by user space at first load and by
 * `xlb-dp secret set`; pinned, so that adoption and restarts keep every flow on its way;
 * mapped, so that user space always hashes with the key the datapath uses.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_secret);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_secret SEC(".maps");

/* struct xlb_vip_key (a backend's address, port, protocol) -> struct xlb_nat_src: the nat VIPs
 * a backend answers for. Written with the tables; read on the backend-facing side.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_nat_src);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_nat_src SEC(".maps");

/* struct xlb_vip_key (an address; port and protocol 0) -> __u8: the other cluster nodes'
 * addresses (Xlb.Cluster.SharedDir). A nat reply with no flow addressed to one of them answers
 * that node's health check of a target this node routes (an instance of one of its groups): it
 * passes untranslated, as the answers to this host's own checks do. Written by xlbd (share.c);
 * not pinned: xlbd fills it again at every start.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xlb_vip_key);
	__type(value, __u8);
} xlb_nat_peers SEC(".maps");

/* ifindex -> ifindex: the devices a redirect may leave through. Filled from inside the
 * balancer's namespace, since the kernel resolves the ifindex in the writer's namespace.
 */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_tx_ports SEC(".maps");

/* vip id -> per-CPU counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_vip_stats SEC(".maps");

/* backend id -> per-CPU counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_be_stats SEC(".maps");

/* backend id -> its active flows (__s64) of VIPs with XLB_VIP_F_LOR: shared by every CPU,
 * changed by atomic adds (a flow counted, its end or eviction), rewritten by user space from
 * the flow table when it drifts (dataplane_active_resync). A map of its own, so that the
 * layouts of the others stay what ABI v2 says.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, __s64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_be_active SEC(".maps");

/* 0 -> per-CPU struct xlb_rate: the new-flow budget of the current second. Datapath only, not
 * pinned (a reload starts a new second anyway).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_rate);
} xlb_rate SEC(".maps");

/* 0 -> per-CPU paths and drops by reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_global_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_stats SEC(".maps");

#endif /* XLB_MAPS_H */
