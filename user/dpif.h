/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The datapath as the controller (ctl.c, fleet.c, xlbd.c) uses it: services, backend slots,
 * Maglev tables, counters, the flow table and the devices it is attached to, behind a table of
 * operations. dpif_bpf.c passes them to the
 * real datapath (dataplane.h, with next hops from nexthop.h); dpif_mem.c keeps the same state
 * in plain C tables, so that the controller's decisions run in unit tests without root.
 */
#ifndef XLB_DPIF_H
#define XLB_DPIF_H

#include <stddef.h>
#include <stdint.h>

#include "../bpf/xlb_shared.h"
#include "dataplane.h"
#include "maglev.h"
#include "nexthop.h"

struct dpif;

/* Every operation returns 0 or a negative errno. */
struct dpif_ops {
	/* Adds or changes a service (dataplane_vip_set). */
	int (*vip_set)(struct dpif *d, const struct xlb_vip_key *key, const struct xlb_vip *vip);
	/* Removes a service and its table (dataplane_vip_del). */
	int (*vip_del)(struct dpif *d, const struct xlb_vip_key *key);
	/* Calls fn for every service (not the address entries); stops at fn's first nonzero
	 * return and returns it.
	 */
	int (*vip_walk)(struct dpif *d,
			int (*fn)(const struct xlb_vip_key *key, const struct xlb_vip *vip,
				  void *arg),
			void *arg);
	/* Writes backend slot id. An active backend's next hop and ipip source are the
	 * implementation's: the real one resolves them from the kernel's tables.
	 */
	int (*backend_set)(struct dpif *d, uint32_t id, const struct xlb_backend *be);
	int (*backend_get)(struct dpif *d, uint32_t id, struct xlb_backend *be);
	/* Looks slot id's next hop up again (nexthop_refresh); *change says what happened and
	 * ifname (IF_NAMESIZE) names the device when one is cached.
	 */
	int (*nexthop_refresh)(struct dpif *d, uint32_t id, enum nexthop_change *change,
			       char *ifname);
	/* Swaps in the VIP's Maglev table built from bes; n == 0 removes it. */
	int (*ring_set)(struct dpif *d, uint32_t vip_id, const struct maglev_backend *bes,
			size_t n);
	int (*vip_stats)(struct dpif *d, uint32_t vip_id, struct xlb_counters *sum);
	int (*backend_stats)(struct dpif *d, uint32_t id, struct xlb_counters *sum);
	/* Calls fn for every flow; stops at fn's first nonzero return and returns it. */
	int (*flow_walk)(struct dpif *d, int (*fn)(const struct dataplane_flow *f, void *arg),
			 void *arg);
	/* Ends the flows pick returns true for (dataplane_flows_end): their ways freed, so that
	 * no packet of theirs reaches their backend any more. Returns how many, or -errno.
	 */
	int (*flows_end)(struct dpif *d, bool (*pick)(const struct dataplane_flow *f, void *arg),
			 void *arg);
	/* Rewrites the active-flow counts of least outstanding requests from the flow table
	 * (dataplane_active_resync); *fixed: how many had drifted. NULL: nothing to do.
	 */
	int (*active_resync)(struct dpif *d, uint32_t *fixed);
	/* Attaches the role's program to ifindex (in the caller's namespace) at the hook asked
	 * (dataplane_attach_hook: auto decided by the device); *used says where it went.
	 */
	int (*attach)(struct dpif *d, int ifindex, enum dataplane_role role,
		      enum dataplane_hook hook, enum dataplane_hook *used);
	/* Takes xlb off ifindex, whichever hook it is at (dataplane_detach_any). */
	int (*detach)(struct dpif *d, int ifindex);
	/* xlb_decap on the far end of a veth, ifindex in the caller's namespace (an instance's
	 * end: dataplane_peer_attach), which ipip's backends and XDP redirects need.
	 */
	int (*peer_attach)(struct dpif *d, int ifindex, const char *ifname);
	void (*free)(struct dpif *d);
};

/* An implementation's handle starts with this. */
struct dpif {
	const struct dpif_ops *ops;
};

/* The real datapath. dp stays the caller's: dpif_free leaves it open. */
int dpif_bpf_new(struct dataplane *dp, struct dpif **out);

static inline int dpif_vip_set(struct dpif *d, const struct xlb_vip_key *key,
			       const struct xlb_vip *vip)
{
	return d->ops->vip_set(d, key, vip);
}

static inline int dpif_vip_del(struct dpif *d, const struct xlb_vip_key *key)
{
	return d->ops->vip_del(d, key);
}

static inline int dpif_vip_walk(struct dpif *d,
				int (*fn)(const struct xlb_vip_key *key, const struct xlb_vip *vip,
					  void *arg),
				void *arg)
{
	return d->ops->vip_walk(d, fn, arg);
}

static inline int dpif_backend_set(struct dpif *d, uint32_t id, const struct xlb_backend *be)
{
	return d->ops->backend_set(d, id, be);
}

static inline int dpif_backend_get(struct dpif *d, uint32_t id, struct xlb_backend *be)
{
	return d->ops->backend_get(d, id, be);
}

static inline int dpif_nexthop_refresh(struct dpif *d, uint32_t id, enum nexthop_change *change,
				       char *ifname)
{
	return d->ops->nexthop_refresh(d, id, change, ifname);
}

static inline int dpif_ring_set(struct dpif *d, uint32_t vip_id, const struct maglev_backend *bes,
				size_t n)
{
	return d->ops->ring_set(d, vip_id, bes, n);
}

static inline int dpif_vip_stats(struct dpif *d, uint32_t vip_id, struct xlb_counters *sum)
{
	return d->ops->vip_stats(d, vip_id, sum);
}

static inline int dpif_backend_stats(struct dpif *d, uint32_t id, struct xlb_counters *sum)
{
	return d->ops->backend_stats(d, id, sum);
}

static inline int dpif_flow_walk(struct dpif *d,
				 int (*fn)(const struct dataplane_flow *f, void *arg), void *arg)
{
	return d->ops->flow_walk(d, fn, arg);
}

static inline int dpif_flows_end(struct dpif *d,
				 bool (*pick)(const struct dataplane_flow *f, void *arg), void *arg)
{
	return d->ops->flows_end(d, pick, arg);
}

static inline int dpif_active_resync(struct dpif *d, uint32_t *fixed)
{
	*fixed = 0;
	return d->ops->active_resync ? d->ops->active_resync(d, fixed) : 0;
}

static inline int dpif_attach(struct dpif *d, int ifindex, enum dataplane_role role,
			      enum dataplane_hook hook, enum dataplane_hook *used)
{
	return d->ops->attach(d, ifindex, role, hook, used);
}

static inline int dpif_detach(struct dpif *d, int ifindex)
{
	return d->ops->detach(d, ifindex);
}

static inline int dpif_peer_attach(struct dpif *d, int ifindex, const char *ifname)
{
	return d->ops->peer_attach(d, ifindex, ifname);
}

/* Frees the handle (NULL is fine). */
static inline void dpif_free(struct dpif *d)
{
	if (d)
		d->ops->free(d);
}

#endif /* XLB_DPIF_H */
