// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The controller's datapath interface kept in memory, for unit tests: the same state the
 * maps hold (services, backend slots, tables, counters, flows) in plain arrays, with the
 * real datapath's limits, and failures a test can switch on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dpif_mem.h"

struct dpif_mem_vip {
	bool used;
	struct xlb_vip_key key;
	struct xlb_vip vip;
};

struct dpif_mem_ring {
	struct maglev_backend *bes;
	size_t n;
};

struct dpif_mem {
	struct dpif base;
	struct dpif_mem_vip vips[XLB_MAX_VIPS];
	struct dpif_mem_ring rings[XLB_MAX_VIPS]; /* by service id */
	struct xlb_backend backends[XLB_MAX_BACKENDS];
	struct xlb_counters vip_stats[XLB_MAX_VIPS];
	struct xlb_counters backend_stats[XLB_MAX_BACKENDS];
	struct dataplane_flow *flows;
	size_t nflows;
	int fail[DPIF_MEM_OP_MAX];
	unsigned int calls[DPIF_MEM_OP_MAX];
	struct dpif_mem_attach attached[DPIF_MEM_ATTACH_MAX]; /* devices, in order of attach */
	size_t nattached;
	enum dataplane_hook auto_hook; /* what auto becomes here */
};

static struct dpif_mem *dpif_mem_of(struct dpif *d)
{
	return (struct dpif_mem *)d;
}

/* Counts the call; nonzero when the test made op fail. */
static int dpif_mem_enter(struct dpif_mem *m, enum dpif_mem_op op)
{
	m->calls[op]++;
	return m->fail[op];
}

static struct dpif_mem_vip *dpif_mem_vip_find(struct dpif_mem *m, const struct xlb_vip_key *key)
{
	size_t i;

	for (i = 0; i < XLB_MAX_VIPS; i++)
		if (m->vips[i].used && !memcmp(&m->vips[i].key, key, sizeof(*key)))
			return &m->vips[i];
	return NULL;
}

static void dpif_mem_ring_clear(struct dpif_mem *m, uint32_t vip_id)
{
	free(m->rings[vip_id].bes);
	m->rings[vip_id].bes = NULL;
	m->rings[vip_id].n = 0;
}

static int dpif_mem_vip_set(struct dpif *d, const struct xlb_vip_key *key,
			    const struct xlb_vip *vip)
{
	struct dpif_mem *m = dpif_mem_of(d);
	struct dpif_mem_vip *v;
	size_t i;
	int err = dpif_mem_enter(m, DPIF_MEM_VIP_SET);

	if (err)
		return err;
	if (!key->proto || vip->id >= XLB_MAX_VIPS)
		return -EINVAL;
	v = dpif_mem_vip_find(m, key);
	for (i = 0; !v && i < XLB_MAX_VIPS; i++)
		if (!m->vips[i].used)
			v = &m->vips[i];
	if (!v)
		return -ENOSPC;
	v->used = true;
	v->key = *key;
	v->vip = *vip;
	return 0;
}

static int dpif_mem_vip_del(struct dpif *d, const struct xlb_vip_key *key)
{
	struct dpif_mem *m = dpif_mem_of(d);
	struct dpif_mem_vip *v;
	int err = dpif_mem_enter(m, DPIF_MEM_VIP_DEL);

	if (err)
		return err;
	v = dpif_mem_vip_find(m, key);
	if (!v)
		return -ENOENT;
	v->used = false;
	/* as the maps: the table goes with the service, and its id starts from zero */
	dpif_mem_ring_clear(m, v->vip.id);
	memset(&m->vip_stats[v->vip.id], 0, sizeof(m->vip_stats[0]));
	return 0;
}

static int dpif_mem_vip_walk(struct dpif *d,
			     int (*fn)(const struct xlb_vip_key *key, const struct xlb_vip *vip,
				       void *arg),
			     void *arg)
{
	struct dpif_mem *m = dpif_mem_of(d);
	size_t i;
	int err;

	for (i = 0; i < XLB_MAX_VIPS; i++) {
		if (!m->vips[i].used)
			continue;
		err = fn(&m->vips[i].key, &m->vips[i].vip, arg);
		if (err)
			return err;
	}
	return 0;
}

static int dpif_mem_backend_set(struct dpif *d, uint32_t id, const struct xlb_backend *be)
{
	struct dpif_mem *m = dpif_mem_of(d);
	int err = dpif_mem_enter(m, DPIF_MEM_BACKEND_SET);

	if (err)
		return err;
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	m->backends[id] = *be;
	return 0;
}

static int dpif_mem_backend_get(struct dpif *d, uint32_t id, struct xlb_backend *be)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	*be = dpif_mem_of(d)->backends[id];
	return 0;
}

/* No kernel tables here: every backend goes the fib path, as an unresolved one would. */
static int dpif_mem_nexthop_refresh(struct dpif *d, uint32_t id, enum nexthop_change *change,
				    char *ifname)
{
	struct xlb_backend be;
	int err = dpif_mem_backend_get(d, id, &be);

	if (err)
		return err;
	*change = be.flags & XLB_BE_F_ACTIVE ? NEXTHOP_UNCHANGED : NEXTHOP_INACTIVE;
	ifname[0] = '\0';
	return 0;
}

static int dpif_mem_ring_set(struct dpif *d, uint32_t vip_id, const struct maglev_backend *bes,
			     size_t n)
{
	struct dpif_mem *m = dpif_mem_of(d);
	struct maglev_backend *copy = NULL;
	size_t i, k = 0;
	int err = dpif_mem_enter(m, DPIF_MEM_RING_SET);

	if (err)
		return err;
	if (vip_id >= XLB_MAX_VIPS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (bes[i].id >= XLB_MAX_BACKENDS)
			return -EINVAL;
	if (n) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
	}
	/* as maglev_build: a backend without a weight is left out */
	for (i = 0; i < n; i++)
		if (bes[i].weight)
			copy[k++] = bes[i];
	dpif_mem_ring_clear(m, vip_id);
	if (!k)
		free(copy);
	else
		m->rings[vip_id] = (struct dpif_mem_ring){ .bes = copy, .n = k };
	return 0;
}

static int dpif_mem_vip_stats(struct dpif *d, uint32_t vip_id, struct xlb_counters *sum)
{
	if (vip_id >= XLB_MAX_VIPS)
		return -EINVAL;
	*sum = dpif_mem_of(d)->vip_stats[vip_id];
	return 0;
}

static int dpif_mem_backend_stats(struct dpif *d, uint32_t id, struct xlb_counters *sum)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	*sum = dpif_mem_of(d)->backend_stats[id];
	return 0;
}

static int dpif_mem_flow_walk(struct dpif *d, int (*fn)(const struct dataplane_flow *f, void *arg),
			      void *arg)
{
	struct dpif_mem *m = dpif_mem_of(d);
	size_t i;
	int err = dpif_mem_enter(m, DPIF_MEM_FLOW_WALK);

	for (i = 0; !err && i < m->nflows; i++)
		err = fn(&m->flows[i], arg);
	return err;
}

static int dpif_mem_flows_end(struct dpif *d,
			      bool (*pick)(const struct dataplane_flow *f, void *arg), void *arg)
{
	struct dpif_mem *m = dpif_mem_of(d);
	size_t i, k = 0;
	int err = dpif_mem_enter(m, DPIF_MEM_FLOWS_END);

	if (err)
		return err;
	for (i = 0; i < m->nflows; i++)
		if (!pick(&m->flows[i], arg))
			m->flows[k++] = m->flows[i];
	err = (int)(m->nflows - k);
	m->nflows = k;
	return err;
}

static void dpif_mem_free(struct dpif *d)
{
	struct dpif_mem *m = dpif_mem_of(d);
	uint32_t i;

	for (i = 0; i < XLB_MAX_VIPS; i++)
		dpif_mem_ring_clear(m, i);
	free(m->flows);
	free(m);
}

/* The device's entry, or NULL. */
static struct dpif_mem_attach *dpif_mem_attach_find(struct dpif_mem *m, int ifindex)
{
	for (size_t i = 0; i < m->nattached; i++)
		if (m->attached[i].ifindex == ifindex)
			return &m->attached[i];
	return NULL;
}

static int dpif_mem_attach(struct dpif *d, int ifindex, enum dataplane_role role,
			   enum dataplane_hook hook, enum dataplane_hook *used)
{
	struct dpif_mem *m = dpif_mem_of(d);
	struct dpif_mem_attach *a;
	int err = dpif_mem_enter(m, DPIF_MEM_ATTACH);

	if (err)
		return err;
	if (ifindex <= 0 || role >= DATAPLANE_ROLE_MAX || hook >= DATAPLANE_HOOK_MAX)
		return -EINVAL;
	a = dpif_mem_attach_find(m, ifindex);
	if (!a) {
		if (m->nattached == DPIF_MEM_ATTACH_MAX)
			return -E2BIG;
		a = &m->attached[m->nattached++];
	}
	a->ifindex = ifindex;
	a->role = role;
	a->asked = hook;
	a->used = hook == DATAPLANE_HOOK_AUTO ? m->auto_hook : hook;
	a->peer = false;
	if (used)
		*used = a->used;
	return 0;
}

static int dpif_mem_detach(struct dpif *d, int ifindex)
{
	struct dpif_mem *m = dpif_mem_of(d);
	struct dpif_mem_attach *a = dpif_mem_attach_find(m, ifindex);

	if (!a || a->peer)
		return -ENOENT;
	*a = m->attached[--m->nattached];
	return 0;
}

static int dpif_mem_peer_attach(struct dpif *d, int ifindex, const char *ifname)
{
	struct dpif_mem *m = dpif_mem_of(d);
	struct dpif_mem_attach *a;
	int err = dpif_mem_enter(m, DPIF_MEM_PEER_ATTACH);

	(void)ifname;
	if (err)
		return err;
	if (m->nattached == DPIF_MEM_ATTACH_MAX)
		return -E2BIG;
	/* an instance's end lives in its own namespace: its ifindex may repeat another's */
	a = &m->attached[m->nattached++];
	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->peer = true;
	a->used = DATAPLANE_HOOK_XDP;
	return 0;
}

size_t dpif_mem_attached(struct dpif *d, struct dpif_mem_attach *out, size_t max)
{
	struct dpif_mem *m = dpif_mem_of(d);

	for (size_t i = 0; i < m->nattached && i < max; i++)
		out[i] = m->attached[i];
	return m->nattached;
}

void dpif_mem_set_auto(struct dpif *d, enum dataplane_hook hook)
{
	dpif_mem_of(d)->auto_hook = hook;
}

static const struct dpif_ops dpif_mem_ops = {
	.vip_set = dpif_mem_vip_set,
	.vip_del = dpif_mem_vip_del,
	.vip_walk = dpif_mem_vip_walk,
	.backend_set = dpif_mem_backend_set,
	.backend_get = dpif_mem_backend_get,
	.nexthop_refresh = dpif_mem_nexthop_refresh,
	.ring_set = dpif_mem_ring_set,
	.vip_stats = dpif_mem_vip_stats,
	.backend_stats = dpif_mem_backend_stats,
	.flow_walk = dpif_mem_flow_walk,
	.flows_end = dpif_mem_flows_end,
	.attach = dpif_mem_attach,
	.detach = dpif_mem_detach,
	.peer_attach = dpif_mem_peer_attach,
	.free = dpif_mem_free,
};

int dpif_mem_new(struct dpif **out)
{
	struct dpif_mem *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->base.ops = &dpif_mem_ops;
	m->auto_hook = DATAPLANE_HOOK_TC;
	*out = &m->base;
	return 0;
}

void dpif_mem_fail(struct dpif *d, enum dpif_mem_op op, int err)
{
	dpif_mem_of(d)->fail[op] = err;
}

unsigned int dpif_mem_calls(struct dpif *d, enum dpif_mem_op op)
{
	return dpif_mem_of(d)->calls[op];
}

int dpif_mem_vip_get(struct dpif *d, const struct xlb_vip_key *key, struct xlb_vip *vip)
{
	struct dpif_mem_vip *v = dpif_mem_vip_find(dpif_mem_of(d), key);

	if (!v)
		return -ENOENT;
	*vip = v->vip;
	return 0;
}

size_t dpif_mem_vip_count(struct dpif *d)
{
	struct dpif_mem *m = dpif_mem_of(d);
	size_t i, n = 0;

	for (i = 0; i < XLB_MAX_VIPS; i++)
		n += m->vips[i].used;
	return n;
}

size_t dpif_mem_ring_get(struct dpif *d, uint32_t vip_id, struct maglev_backend *bes, size_t max)
{
	const struct dpif_mem_ring *r;

	if (vip_id >= XLB_MAX_VIPS)
		return 0;
	r = &dpif_mem_of(d)->rings[vip_id];
	if (max && r->n)
		memcpy(bes, r->bes, (r->n < max ? r->n : max) * sizeof(*bes));
	return r->n;
}

int dpif_mem_flow_add(struct dpif *d, uint32_t backend_id, uint32_t vip_id, uint64_t idle_ms,
		      bool closing)
{
	struct dpif_mem *m = dpif_mem_of(d);
	struct dataplane_flow *v = realloc(m->flows, (m->nflows + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	m->flows = v;
	v = &m->flows[m->nflows++];
	memset(v, 0, sizeof(*v));
	/* a distinct 5-tuple per flow: the source port counts them */
	v->key.sport = htons((uint16_t)m->nflows);
	v->backend_id = backend_id;
	v->backend_gen = m->backends[backend_id % XLB_MAX_BACKENDS].gen;
	v->vip_id = vip_id;
	v->idle_ms = idle_ms;
	v->closing = closing;
	v->confirmed = true;
	return 0;
}

void dpif_mem_flows_clear(struct dpif *d)
{
	struct dpif_mem *m = dpif_mem_of(d);

	free(m->flows);
	m->flows = NULL;
	m->nflows = 0;
}

void dpif_mem_count(struct dpif *d, uint32_t vip_id, uint32_t backend_id, uint64_t packets,
		    uint64_t bytes)
{
	struct dpif_mem *m = dpif_mem_of(d);

	if (vip_id < XLB_MAX_VIPS) {
		m->vip_stats[vip_id].packets += packets;
		m->vip_stats[vip_id].bytes += bytes;
	}
	if (backend_id < XLB_MAX_BACKENDS) {
		m->backend_stats[backend_id].packets += packets;
		m->backend_stats[backend_id].bytes += bytes;
	}
}

size_t dpif_mem_flow_count(struct dpif *d)
{
	return dpif_mem_of(d)->nflows;
}
