/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A datapath in memory for the controller's unit tests: services, backend slots, the
 * backends each table was built from, counters and flows in plain C tables, checked as the
 * real datapath checks them (ids in range, a full service table). A test reads what the
 * controller wrote, adds flows and counters the way traffic would, and makes operations fail.
 */
#ifndef XLB_DPIF_MEM_H
#define XLB_DPIF_MEM_H

#include <stdbool.h>

#include "dpif.h"

/* The operations a test can make fail. */
enum dpif_mem_op {
	DPIF_MEM_VIP_SET = 0,
	DPIF_MEM_VIP_DEL,
	DPIF_MEM_BACKEND_SET,
	DPIF_MEM_RING_SET,
	DPIF_MEM_FLOW_WALK,
	DPIF_MEM_FLOWS_END,
	DPIF_MEM_ATTACH,
	DPIF_MEM_PEER_ATTACH,
	DPIF_MEM_OP_MAX,
};

#define DPIF_MEM_ATTACH_MAX 64

/* A device the controller attached xlb to (or, peer, xlb_decap on an instance's end). */
struct dpif_mem_attach {
	int ifindex;
	enum dataplane_role role;
	enum dataplane_hook asked; /* the hook the controller asked for */
	enum dataplane_hook used;  /* where it went: auto is dpif_mem_set_auto's hook */
	bool peer;
};

/* An empty datapath: no service, every slot zero, no flow, attached nowhere. */
int dpif_mem_new(struct dpif **out);
/* The devices attached now, in order of attach, up to max of them into out; returns how many
 * there are.
 */
size_t dpif_mem_attached(struct dpif *d, struct dpif_mem_attach *out, size_t max);
/* What a hook of auto becomes (DATAPLANE_HOOK_TC at first, as on veth). */
void dpif_mem_set_auto(struct dpif *d, enum dataplane_hook hook);

/* From now on op returns err (a negative errno) without changing anything; 0 ends that. */
void dpif_mem_fail(struct dpif *d, enum dpif_mem_op op, int err);
/* Calls of op so far (failed ones included). */
unsigned int dpif_mem_calls(struct dpif *d, enum dpif_mem_op op);

/* A service as written: 0, or -ENOENT. */
int dpif_mem_vip_get(struct dpif *d, const struct xlb_vip_key *key, struct xlb_vip *vip);
size_t dpif_mem_vip_count(struct dpif *d);
/* The backends VIP vip_id's table was last built from, up to max of them into bes; returns
 * how many there are (0: no table, its new flows are dropped).
 */
size_t dpif_mem_ring_get(struct dpif *d, uint32_t vip_id, struct maglev_backend *bes, size_t max);

/* Adds a flow to backend_id as the datapath would record it. */
int dpif_mem_flow_add(struct dpif *d, uint32_t backend_id, uint32_t vip_id, uint64_t idle_ms,
		      bool closing);
void dpif_mem_flows_clear(struct dpif *d);
/* Flows the table holds. */
size_t dpif_mem_flow_count(struct dpif *d);
/* Adds to a service's or a backend's counters, as traffic would. */
void dpif_mem_count(struct dpif *d, uint32_t vip_id, uint32_t backend_id, uint64_t packets,
		    uint64_t bytes);

#endif /* XLB_DPIF_MEM_H */
