// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The controller's datapath interface over the real one: each operation is dataplane.c's,
 * and a backend slot written for an active backend gets its next hop and ipip source
 * from the kernel's tables (nexthop.c) on the way.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dpif.h"
#include "log.h"

struct dpif_bpf {
	struct dpif base;
	struct dataplane *dp;
};

static struct dataplane *dpif_bpf_dp(struct dpif *d)
{
	return ((struct dpif_bpf *)d)->dp;
}

static int dpif_bpf_vip_set(struct dpif *d, const struct xlb_vip_key *key,
			    const struct xlb_vip *vip)
{
	return dataplane_vip_set(dpif_bpf_dp(d), key, vip);
}

static int dpif_bpf_vip_del(struct dpif *d, const struct xlb_vip_key *key)
{
	return dataplane_vip_del(dpif_bpf_dp(d), key);
}

static int dpif_bpf_vip_walk(struct dpif *d,
			     int (*fn)(const struct xlb_vip_key *key, const struct xlb_vip *vip,
				       void *arg),
			     void *arg)
{
	struct xlb_vip_key key, next, *prev = NULL;
	struct xlb_vip vip;
	int fd = dataplane_map_fd(dpif_bpf_dp(d), "xlb_vips"), err;

	if (fd < 0)
		return 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		/* port 0, proto 0: the entry that marks an address, not a service */
		if (!key.proto || bpf_map_lookup_elem(fd, &key, &vip))
			continue;
		err = fn(&key, &vip, arg);
		if (err)
			return err;
	}
	return 0;
}

static int dpif_bpf_backend_set(struct dpif *d, uint32_t id, const struct xlb_backend *be)
{
	struct xlb_backend w = *be;
	struct nexthop nh;

	if (w.flags & XLB_BE_F_ACTIVE) {
		/* ipip's outer source: our address towards it (nat and dsr ignore it) */
		if (nexthop_source(&w, w.encap_src))
			log_debug("backend %u: no route to it for an ipip source address", id);
		/* the kernel's tables only: an unresolved neighbour stays with the fib path */
		if (!nexthop_resolve_backend(&w, &nh))
			nexthop_apply(&w, &nh);
	}
	return nexthop_backend_set(dpif_bpf_dp(d), id, &w);
}

static int dpif_bpf_backend_get(struct dpif *d, uint32_t id, struct xlb_backend *be)
{
	return dataplane_backend_get(dpif_bpf_dp(d), id, be);
}

static int dpif_bpf_nexthop_refresh(struct dpif *d, uint32_t id, enum nexthop_change *change,
				    char *ifname)
{
	struct xlb_backend be;
	struct nexthop nh;
	int rerr, err;

	err = nexthop_refresh(dpif_bpf_dp(d), id, &be, &nh, &rerr, change);
	if (!err)
		memcpy(ifname, nh.ifname, IF_NAMESIZE);
	return err;
}

static int dpif_bpf_ring_set(struct dpif *d, uint32_t vip_id, const struct maglev_backend *bes,
			     size_t n)
{
	return dataplane_ring_set(dpif_bpf_dp(d), vip_id, bes, n);
}

static int dpif_bpf_vip_stats(struct dpif *d, uint32_t vip_id, struct xlb_counters *sum)
{
	return dataplane_vip_stats(dpif_bpf_dp(d), vip_id, sum);
}

static int dpif_bpf_backend_stats(struct dpif *d, uint32_t id, struct xlb_counters *sum)
{
	return dataplane_backend_stats(dpif_bpf_dp(d), id, sum);
}

static int dpif_bpf_active_resync(struct dpif *d, uint32_t *fixed)
{
	return dataplane_active_resync(dpif_bpf_dp(d), fixed);
}

static int dpif_bpf_flow_walk(struct dpif *d, int (*fn)(const struct dataplane_flow *f, void *arg),
			      void *arg)
{
	return dataplane_flow_walk(dpif_bpf_dp(d), fn, arg);
}

static int dpif_bpf_flows_end(struct dpif *d,
			      bool (*pick)(const struct dataplane_flow *f, void *arg), void *arg)
{
	return dataplane_flows_end(dpif_bpf_dp(d), pick, arg);
}

static int dpif_bpf_attach(struct dpif *d, int ifindex, enum dataplane_role role,
			   enum dataplane_hook hook, enum dataplane_hook *used)
{
	return dataplane_attach_hook(dpif_bpf_dp(d), ifindex, role, hook, 0, used);
}

static int dpif_bpf_detach(struct dpif *d, int ifindex)
{
	return dataplane_detach_any(dpif_bpf_dp(d), ifindex);
}

static int dpif_bpf_peer_attach(struct dpif *d, int ifindex, const char *ifname)
{
	(void)d;
	return dataplane_peer_attach(ifindex, ifname, 0, false);
}

static void dpif_bpf_free(struct dpif *d)
{
	free(d);
}

static const struct dpif_ops dpif_bpf_ops = {
	.vip_set = dpif_bpf_vip_set,
	.vip_del = dpif_bpf_vip_del,
	.vip_walk = dpif_bpf_vip_walk,
	.backend_set = dpif_bpf_backend_set,
	.backend_get = dpif_bpf_backend_get,
	.nexthop_refresh = dpif_bpf_nexthop_refresh,
	.ring_set = dpif_bpf_ring_set,
	.vip_stats = dpif_bpf_vip_stats,
	.backend_stats = dpif_bpf_backend_stats,
	.flow_walk = dpif_bpf_flow_walk,
	.flows_end = dpif_bpf_flows_end,
	.active_resync = dpif_bpf_active_resync,
	.attach = dpif_bpf_attach,
	.detach = dpif_bpf_detach,
	.peer_attach = dpif_bpf_peer_attach,
	.free = dpif_bpf_free,
};

int dpif_bpf_new(struct dataplane *dp, struct dpif **out)
{
	struct dpif_bpf *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base.ops = &dpif_bpf_ops;
	b->dp = dp;
	*out = &b->base;
	return 0;
}
