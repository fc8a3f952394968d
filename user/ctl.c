// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The controller's load balancers, listeners and target groups: services and backend slots in
 * the datapath computed from the model, one health check per target, the Maglev tables rebuilt
 * from the healthy targets on every health transition, and deregistered targets drained.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "ctl.h"
#include "ctl_state.h"
#include "dpif.h"
#include "log.h"
#include "loop.h"
#include "maglev.h"

#define CTL_KEYS_MAX 64 /* services of one listener: addresses x protocols */

static uint8_t ctl_family(const struct model_addr *a)
{
	return a->family == AF_INET6 ? XLB_FAMILY_V6 : XLB_FAMILY_V4;
}

static size_t ctl_addr_len(uint8_t family)
{
	return family == XLB_FAMILY_V6 ? 16 : 4;
}

void ctl_addr_str(const struct model_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->bytes, buf, len))
		snprintf(buf, len, "?");
}

static bool ctl_addr_eq(const struct model_addr *a, const struct model_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET6 ? 16 : 4);
}

static void ctl_key_str(const struct xlb_vip_key *k, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(k->family == XLB_FAMILY_V6 ? AF_INET6 : AF_INET, k->addr, ip, sizeof(ip));
	snprintf(buf, len, k->family == XLB_FAMILY_V6 ? "[%s]:%u/%s" : "%s:%u/%s", ip,
		 ntohs(k->port), k->proto == IPPROTO_UDP ? "udp" : "tcp");
}

/* ---- pure decisions ---- */

size_t ctl_select(const enum health_state *states, size_t n, bool *pick, bool *fail_open)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		pick[i] = states[i] == HEALTH_HEALTHY;
		k += pick[i];
	}
	if (fail_open)
		*fail_open = false;
	if (k)
		return k;
	for (i = 0; i < n; i++) {
		pick[i] = states[i] == HEALTH_INITIAL || states[i] == HEALTH_UNHEALTHY;
		k += pick[i];
	}
	if (fail_open && k)
		*fail_open = true;
	return k;
}

uint32_t ctl_slow_start_weight(uint32_t full, uint64_t since_ms, uint64_t now_ms,
			       uint32_t duration_s)
{
	uint64_t dur = (uint64_t)duration_s * 1000, k;
	uint32_t w;

	if (!since_ms || !duration_s || now_ms < since_ms || now_ms - since_ms >= dur)
		return full;
	k = (now_ms - since_ms) * CTL_SLOW_START_STEPS / dur + 1;
	w = (uint32_t)((uint64_t)full * k / CTL_SLOW_START_STEPS);
	return w ? w : 1;
}

size_t ctl_listener_keys(const struct model_listener *l, struct xlb_vip_key *keys, size_t max)
{
	uint8_t protos[2];
	size_t np = 0, i, j, n = 0;

	if (l->protocol == MODEL_PROTO_UDP || l->protocol == MODEL_PROTO_TCP_UDP)
		protos[np++] = IPPROTO_UDP;
	if (l->protocol != MODEL_PROTO_UDP)
		protos[np++] = IPPROTO_TCP;
	for (i = 0; i < l->lb->naddrs; i++) {
		for (j = 0; j < np && n < max; j++) {
			const struct model_addr *a = &l->lb->addrs[i];
			struct xlb_vip_key *k = &keys[n++];

			memset(k, 0, sizeof(*k));
			k->family = ctl_family(a);
			memcpy(k->addr, a->bytes, ctl_addr_len(k->family));
			k->port = htons(l->port);
			k->proto = protos[j];
		}
	}
	return n;
}

int ctl_slot_pick(const struct ctl_slot *slots, size_t n, uint8_t family, const uint8_t *addr,
		  uint16_t port)
{
	size_t len = ctl_addr_len(family), i;
	int never = -1, freed = -1;

	for (i = 1; i < n; i++) {
		const struct ctl_slot *s = &slots[i];

		if (s->known && s->family == family && s->port == port &&
		    !memcmp(s->addr, addr, len))
			return (int)i;
		if (!s->used && !s->known && never < 0)
			never = (int)i;
		if (!s->used && s->known && freed < 0)
			freed = (int)i;
	}
	/* slots that never held anything first: a freed one may still be named by old flows */
	if (never >= 0)
		return never;
	return freed >= 0 ? freed : -ENOSPC;
}

enum ctl_dereg_end ctl_dereg_end(bool close_connections, long flows)
{
	if (!flows)
		return CTL_DEREG_GONE;
	return close_connections ? CTL_DEREG_TERMINATE : CTL_DEREG_LINGER;
}

bool ctl_flow_terminates(const struct dataplane_flow *f, uint32_t slot, uint32_t gen,
			 const uint32_t *vips, size_t n)
{
	size_t i;

	if (f->backend_id != slot || f->backend_gen != gen)
		return false;
	if (!vips)
		return true;
	for (i = 0; i < n; i++)
		if (vips[i] == f->vip_id)
			return true;
	return false;
}

/* ---- backend slots ---- */

/* Writes slot id from its targets: active while one of them is not draining, draining while
 * they all are, cleared when none is left.
 */
static int ctl_slot_flush(struct ctl *ctl, int id)
{
	struct ctl_slot *s = &ctl->slots[id];
	struct xlb_backend be = {};
	bool any = false, live = false;
	size_t i, j;

	for (i = 0; i < ctl->ntgs; i++) {
		for (j = 0; j < ctl->tgs[i]->n; j++) {
			const struct ctl_target *t = ctl->tgs[i]->t[j];

			if (t->slot != id)
				continue;
			any = true;
			live |= t->health.state != HEALTH_DRAINING;
		}
	}
	s->used = any || s->linger;
	memcpy(be.addr, s->addr, ctl_addr_len(s->family));
	be.family = s->family;
	be.port = htons(s->port);
	be.gen = s->gen;
	if (any || s->linger)
		be.flags = XLB_BE_F_ACTIVE | (live ? 0 : XLB_BE_F_DRAINING);
	return dpif_backend_set(ctl->dp, (uint32_t)id, &be);
}

static int ctl_slot_claim(struct ctl *ctl, const struct model_addr *a, uint16_t port)
{
	uint8_t family = ctl_family(a);
	struct ctl_slot *s;
	int id;

	id = ctl_slot_pick(ctl->slots, XLB_MAX_BACKENDS, family, a->bytes, port);
	if (id < 0)
		return id;
	s = &ctl->slots[id];
	if (!s->known || s->family != family || s->port != port ||
	    memcmp(s->addr, a->bytes, ctl_addr_len(family))) {
		/* another backend in this slot: its flows must be chosen anew */
		if (s->known)
			s->gen++;
		s->known = true;
		s->family = family;
		memset(s->addr, 0, sizeof(s->addr));
		memcpy(s->addr, a->bytes, ctl_addr_len(family));
		s->port = port;
	}
	s->used = true;
	s->linger = false;
	s->refs++;
	ctl->slot_adopted[id] = false;
	return id;
}

/* ---- tables ---- */

/* The service's VIP flags: source_ip stickiness when every group of it has it, least
 * outstanding requests when every group uses it (the pick is over the service's one table).
 */
static uint8_t ctl_svc_flags(const struct ctl_svc *s)
{
	bool src = s->nfwd > 0, lor = s->nfwd > 0;
	size_t i;

	for (i = 0; i < s->nfwd; i++) {
		src &= s->tg[i]->sticky_src;
		lor &= s->tg[i]->algo == MODEL_ALGO_LOR;
	}
	return (src ? XLB_VIP_F_SRC_IP : 0) | (lor ? XLB_VIP_F_LOR : 0);
}

/* AWS's slow start: a target entering the healthy state ramps up, but only when the group
 * has another healthy target past its own ramp (the first targets of an empty group start
 * at full share); leaving the healthy state ends it.
 */
static void ctl_slow_start_mark(struct ctl_target *t)
{
	struct ctl_tg *tg = t->tg;
	size_t i;

	if (t->health.state != HEALTH_HEALTHY) {
		t->ss_since_ms = 0;
		return;
	}
	if (!tg->slow_start_s || t->ss_since_ms)
		return;
	for (i = 0; i < tg->n; i++) {
		const struct ctl_target *o = tg->t[i];

		if (o != t && o->health.state == HEALTH_HEALTHY && !o->ss_since_ms) {
			t->ss_since_ms = loop_now() ? loop_now() : 1;
			log_info("target group %s: target %s:%u starts a slow start of %u s",
				 tg->name, t->ip, t->port, tg->slow_start_s);
			return;
		}
	}
}

static int ctl_svc_sync(struct ctl *ctl, struct ctl_svc *svc)
{
	struct maglev_backend *bes = NULL;
	size_t i, j, k, n = 0, max = 0;
	bool *seen = NULL;
	int err = 0;

	for (i = 0; i < svc->nfwd; i++) {
		max += svc->tg[i]->n;
		for (j = 0; j < svc->tg[i]->n; j++)
			if (svc->tg[i]->t[j]->health.state != HEALTH_INITIAL)
				svc->keep_table = false;
	}
	if (svc->keep_table) {
		log_debug("service %s: keeping the adopted table until the first checks end",
			  svc->name);
		return 0;
	}
	bes = calloc(max + 1, sizeof(*bes));
	seen = calloc(XLB_MAX_BACKENDS, sizeof(*seen));
	if (!bes || !seen) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < svc->nfwd; i++) {
		struct ctl_tg *tg = svc->tg[i];
		enum health_state *st = calloc(tg->n + 1, sizeof(*st));
		bool *pick = calloc(tg->n + 1, sizeof(*pick));
		size_t npick;
		uint32_t w;

		if (!st || !pick) {
			free(st);
			free(pick);
			err = -ENOMEM;
			goto out;
		}
		for (j = 0; j < tg->n; j++)
			st[j] = tg->t[j]->health.state;
		npick = ctl_select(st, tg->n, pick, NULL);
		/* a group's weight is its share of the service, split over its backends */
		w = svc->nfwd == 1 ? CTL_SLOW_START_STEPS :
				     svc->weight[i] * 1000 / (npick ? npick : 1);
		if (svc->nfwd > 1 && svc->weight[i] && !w)
			w = 1;
		for (j = 0; j < tg->n && w; j++) {
			const struct ctl_target *t = tg->t[j];

			if (!pick[j] || t->slot <= 0 || seen[t->slot] ||
			    ctl_family(&t->addr) != svc->key.family)
				continue;
			seen[t->slot] = true;
			k = n++;
			bes[k].id = (uint32_t)t->slot;
			bes[k].weight = ctl_slow_start_weight(w, t->ss_since_ms, loop_now(),
							      tg->slow_start_s);
			bes[k].key =
				maglev_key(t->addr.bytes, ctl_addr_len(svc->key.family), t->port);
		}
		free(st);
		free(pick);
	}
	if (!n && svc->nbackends)
		log_warn("service %s: no target to send to; its new flows are dropped", svc->name);
	svc->nbackends = n;
	err = dpif_ring_set(ctl->dp, svc->id, bes, n);
out:
	free(bes);
	free(seen);
	return err;
}

/* A group's targets changed health: its fail-open state, then every service using it. */
static void ctl_tg_sync(struct ctl *ctl, struct ctl_tg *tg)
{
	enum health_state *st = calloc(tg->n + 1, sizeof(*st));
	bool *pick = calloc(tg->n + 1, sizeof(*pick));
	bool fail_open = false;
	size_t i, j, npick = 0, initial = 0;

	if (st && pick) {
		for (i = 0; i < tg->n; i++) {
			st[i] = tg->t[i]->health.state;
			initial += st[i] == HEALTH_INITIAL;
		}
		npick = ctl_select(st, tg->n, pick, &fail_open);
	}
	if (fail_open && !tg->fail_open)
		log_warn("target group %s: no healthy target (%zu initial, %zu unhealthy); failing "
			 "open: traffic goes to all %zu registered targets",
			 tg->name, initial, npick - initial, npick);
	else if (!fail_open && tg->fail_open && npick)
		log_info("target group %s: healthy targets again; fail-open ends", tg->name);
	else if (!fail_open && tg->fail_open)
		log_info("target group %s: no registered target left; fail-open ends", tg->name);
	tg->fail_open = fail_open;
	free(st);
	free(pick);
	for (i = 0; i < ctl->nsvcs; i++)
		for (j = 0; j < ctl->svcs[i].nfwd; j++)
			if (ctl->svcs[i].tg[j] == tg) {
				ctl_svc_sync(ctl, &ctl->svcs[i]);
				break;
			}
}

/* ---- targets ---- */

static void ctl_log_change(const struct ctl_target *t, const struct health_change *chg)
{
	if (chg->state_changed)
		log_info("target group %s: target %s:%u %s -> %s (%s)", t->tg->name, t->ip, t->port,
			 health_state_name(chg->from), health_state_name(chg->to), chg->cause);
}

static void ctl_on_health(struct health_check *hc, const struct health_change *chg,
			  const struct health_result *res, void *arg)
{
	struct ctl_target *t = arg;
	char buf[128];

	(void)hc;
	if (res) {
		health_result_format(res, buf, sizeof(buf));
		log_debug("target group %s: probe of %s:%u: %s", t->tg->name, t->ip, t->port, buf);
	}
	ctl_log_change(t, chg);
	if (chg->state_changed)
		ctl_slow_start_mark(t);
	if (chg->membership || chg->state_changed)
		ctl_tg_sync(t->tg->ctl, t->tg);
}

static int ctl_check_start(struct ctl_target *t, size_t i)
{
	struct ctl_tg *tg = t->tg;
	struct health_probe_spec spec = {};
	uint16_t port = tg->hc_port ? tg->hc_port : t->port;
	int err;

	spec.protocol = tg->hc_proto;
	loop_sockaddr(t->addr.family == AF_INET6 ? AF_INET6 : AF_INET, t->addr.bytes, port,
		      &spec.addr, &spec.addrlen);
	snprintf(spec.path, sizeof(spec.path), "%s", tg->hc_path);
	spec.matcher = tg->matcher;
	spec.timeout_ms = tg->hcfg.timeout_ms;
	if (t->checking)
		health_check_stop(&t->check);
	memset(&t->check, 0, sizeof(t->check));
	/* spread a group's probes over the interval */
	err = health_check_start(&t->check, tg->ctl->loop, &t->health, &tg->hcfg, &spec,
				 tg->hcfg.interval_ms * (i % 8) / 8 + 100, ctl_on_health, t);
	t->checking = !err;
	if (err)
		log_error("target group %s: starting health checks of %s:%u: %s", tg->name, t->ip,
			  t->port, strerror(-err));
	return err;
}

static struct ctl_target *ctl_target_find(struct ctl_tg *tg, const struct model_addr *a,
					  uint16_t port)
{
	size_t i;

	for (i = 0; i < tg->n; i++)
		if (tg->t[i]->port == port && ctl_addr_eq(&tg->t[i]->addr, a))
			return tg->t[i];
	return NULL;
}

static int ctl_target_add(struct ctl *ctl, struct ctl_tg *tg, const struct model_addr *a,
			  uint16_t port, struct ctl_target **out)
{
	struct ctl_target *t = NULL, **v;
	struct health_change chg;
	int err;

	if (tg->n == tg->cap) {
		v = realloc(tg->t, (tg->cap * 2 + 4) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		tg->t = v;
		tg->cap = tg->cap * 2 + 4;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->tg = tg;
	t->addr = *a;
	t->port = port;
	ctl_addr_str(a, t->ip, sizeof(t->ip));
	err = ctl_slot_claim(ctl, a, port);
	if (err < 0) {
		log_error("target group %s: no free backend slot for %s:%u", tg->name, t->ip, port);
		free(t);
		return err;
	}
	t->slot = err;
	health_target_init(&t->health, loop_now());
	health_register(&t->health, loop_now(), &chg);
	tg->t[tg->n++] = t;
	ctl_log_change(t, &chg);
	err = ctl_slot_flush(ctl, t->slot);
	if (err)
		log_error("target group %s: writing backend %d (%s:%u): %s", tg->name, t->slot,
			  t->ip, port, strerror(-err));
	ctl_check_start(t, tg->n - 1);
	*out = t;
	return 0;
}

/* Takes a target out of its group for good and frees it. */
static void ctl_target_remove(struct ctl *ctl, struct ctl_target *t)
{
	struct ctl_tg *tg = t->tg;
	int slot = t->slot;
	size_t i;

	if (t->checking)
		health_check_stop(&t->check);
	for (i = 0; i < tg->n; i++) {
		if (tg->t[i] == t) {
			memmove(&tg->t[i], &tg->t[i + 1], (tg->n - i - 1) * sizeof(*tg->t));
			tg->n--;
			break;
		}
	}
	log_info("target group %s: target %s:%u removed (backend %d)", tg->name, t->ip, t->port,
		 slot);
	free(t);
	if (slot > 0) {
		ctl->slots[slot].refs--;
		ctl_slot_flush(ctl, slot);
	}
}

static void ctl_dereg_expired(struct ctl *ctl, struct ctl_target *t);

static void ctl_target_deregister(struct ctl *ctl, struct ctl_target *t)
{
	struct health_change chg;

	health_deregister(&t->health, &t->tg->hcfg, loop_now(), &chg);
	ctl_log_change(t, &chg);
	if (t->checking) {
		health_check_stop(&t->check);
		t->checking = false;
	}
	ctl_tg_sync(ctl, t->tg);
	if (t->health.state == HEALTH_UNUSED) {
		ctl_dereg_expired(ctl, t);
		ctl_target_remove(ctl, t);
	} else {
		ctl_slot_flush(ctl, t->slot);
	}
}

static void ctl_tg_free(struct ctl_tg *tg)
{
	size_t i;

	for (i = 0; i < tg->n; i++) {
		if (tg->t[i]->checking)
			health_check_stop(&tg->t[i]->check);
		free(tg->t[i]);
	}
	free(tg->t);
	free(tg->attrs);
	free(tg->name);
	free(tg);
}

struct ctl_tg *ctl_tg_find(struct ctl *ctl, const char *name)
{
	char buf[256];
	size_t i;

	if (config_arn_name(name, CONFIG_ARN_TARGET_GROUP, buf, sizeof(buf)))
		return NULL;
	for (i = 0; i < ctl->ntgs; i++)
		if (!strcmp(ctl->tgs[i]->name, buf))
			return ctl->tgs[i];
	return NULL;
}

/* ---- draining ---- */

static int ctl_count_flow(const struct dataplane_flow *f, void *arg)
{
	uint32_t *counts = arg;

	if (!f->closing && f->idle_ms < CTL_FLOW_IDLE_MS && f->backend_id < XLB_MAX_BACKENDS)
		counts[f->backend_id]++;
	return 0;
}

/* The flows of one slot that hold it (as ctl_count_flow counts them). */
struct ctl_slot_count {
	uint32_t slot;
	long n;
};

static int ctl_count_slot(const struct dataplane_flow *f, void *arg)
{
	struct ctl_slot_count *c = arg;

	if (f->backend_id == c->slot && !f->closing && f->idle_ms < CTL_FLOW_IDLE_MS)
		c->n++;
	return 0;
}

struct ctl_term {
	uint32_t slot, gen;
	uint32_t *vips; /* NULL: through any service */
	size_t n;
	long live; /* ended flows that were not closed already */
};

static bool ctl_term_pick(const struct dataplane_flow *f, void *arg)
{
	struct ctl_term *c = arg;

	if (!ctl_flow_terminates(f, c->slot, c->gen, c->vips, c->n))
		return false;
	c->live += !f->closing;
	return true;
}

/* Ends the flows of target t through its group's services (another group's target may share
 * its slot and keep its own), or through any when no service forwards to its group any more.
 * Returns how many live ones were ended, or -errno.
 */
static long ctl_flows_terminate(struct ctl *ctl, struct ctl_target *t)
{
	struct ctl_term c = { .slot = (uint32_t)t->slot, .gen = ctl->slots[t->slot].gen };
	size_t i, j;
	int err;

	c.vips = calloc(ctl->nsvcs + 1, sizeof(*c.vips));
	if (!c.vips)
		return -ENOMEM;
	for (i = 0; i < ctl->nsvcs; i++)
		for (j = 0; j < ctl->svcs[i].nfwd; j++)
			if (ctl->svcs[i].tg[j] == t->tg) {
				c.vips[c.n++] = ctl->svcs[i].id;
				break;
			}
	if (!c.n) {
		free(c.vips);
		c.vips = NULL;
	}
	err = dpif_flows_end(ctl->dp, ctl_term_pick, &c);
	free(c.vips);
	return err < 0 ? err : c.live;
}

/* Target t's deregistration delay ran out (or it had none) and it leaves: its flows are ended
 * (connection termination on), or keep its slot until they end (off).
 */
static void ctl_dereg_expired(struct ctl *ctl, struct ctl_target *t)
{
	struct ctl_slot_count c = { .slot = (uint32_t)t->slot };
	struct ctl_tg *tg = t->tg;
	long n;

	if (t->slot <= 0)
		return;
	if (dpif_flow_walk(ctl->dp, ctl_count_slot, &c))
		c.n = -1;
	switch (ctl_dereg_end(tg->dereg_close, c.n)) {
	case CTL_DEREG_TERMINATE:
		n = ctl_flows_terminate(ctl, t);
		if (n < 0) {
			log_error("target group %s: target %s:%u: ending its connections: %s",
				  tg->name, t->ip, t->port, strerror((int)-n));
			break;
		}
		tg->conns_terminated += (uint64_t)n;
		log_info("target group %s: target %s:%u: deregistration delay over, %ld "
			 "connection%s terminated (connection_termination.enabled)",
			 tg->name, t->ip, t->port, n, n == 1 ? "" : "s");
		break;
	case CTL_DEREG_LINGER:
		ctl->slots[t->slot].linger = true;
		log_info("target group %s: target %s:%u: deregistration delay over; its open flows "
			 "(%ld) keep it until they end",
			 tg->name, t->ip, t->port, c.n);
		break;
	case CTL_DEREG_GONE:
		break;
	}
}

/* Slots kept for flows that outlived a deregistration delay go when the last one ended. */
static void ctl_linger(struct ctl *ctl, bool counted)
{
	int id;

	for (id = 1; id < XLB_MAX_BACKENDS && counted; id++) {
		struct ctl_slot *s = &ctl->slots[id];

		if (!s->linger || ctl->counts[id])
			continue;
		s->linger = false;
		log_info("backend %d: the flows that outlived its deregistration delay ended", id);
		ctl_slot_flush(ctl, id);
	}
}

static void ctl_drain(struct ctl *ctl)
{
	struct health_change chg;
	bool any = false, counted = false;
	size_t i, j;
	int id;

	for (i = 0; i < ctl->ntgs && !any; i++)
		for (j = 0; j < ctl->tgs[i]->n && !any; j++)
			any = ctl->tgs[i]->t[j]->health.state == HEALTH_DRAINING;
	for (id = 1; id < XLB_MAX_BACKENDS && !any; id++)
		any = ctl->slots[id].linger;
	if (any) {
		memset(ctl->counts, 0, sizeof(ctl->counts));
		counted = !dpif_flow_walk(ctl->dp, ctl_count_flow, ctl->counts);
	}
	for (i = 0; i < ctl->ntgs; i++) {
		struct ctl_tg *tg = ctl->tgs[i];

		for (j = 0; j < tg->n;) {
			struct ctl_target *t = tg->t[j];

			if (t->health.state != HEALTH_DRAINING) {
				j++;
				continue;
			}
			health_tick(&t->health, loop_now(), &chg);
			if (t->health.state == HEALTH_UNUSED)
				ctl_dereg_expired(ctl, t);
			if (t->health.state == HEALTH_DRAINING && counted &&
			    !ctl->counts[t->slot]) {
				health_drained(&t->health, loop_now(), &chg);
				if (chg.state_changed)
					log_info("target group %s: target %s:%u has no flow left",
						 tg->name, t->ip, t->port);
			} else {
				ctl_log_change(t, &chg);
			}
			if (t->health.state == HEALTH_UNUSED)
				ctl_target_remove(ctl, t);
			else
				j++;
		}
	}
	ctl_linger(ctl, counted);
	/* groups gone from the configuration leave once their last target drained */
	for (i = 0; i < ctl->ntgs;) {
		if (!ctl->tgs[i]->in_config && !ctl->tgs[i]->n) {
			ctl_tg_free(ctl->tgs[i]);
			memmove(&ctl->tgs[i], &ctl->tgs[i + 1],
				(ctl->ntgs - i - 1) * sizeof(*ctl->tgs));
			ctl->ntgs--;
		} else {
			i++;
		}
	}
}

static void ctl_nexthops(struct ctl *ctl)
{
	enum nexthop_change change;
	char ifname[IF_NAMESIZE];
	int id;

	for (id = 1; id < XLB_MAX_BACKENDS; id++) {
		if (!ctl->slots[id].used)
			continue;
		if (dpif_nexthop_refresh(ctl->dp, (uint32_t)id, &change, ifname))
			continue;
		if (change == NEXTHOP_UPDATED || change == NEXTHOP_CACHED ||
		    change == NEXTHOP_FELL_BACK)
			log_debug("backend %d: next hop %s", id,
				  change == NEXTHOP_FELL_BACK ? "back to the fib" : ifname);
	}
}

/* Slow start's steps: the groups with a target whose weight step changed get new tables. */
static void ctl_slow_start_tick(struct ctl *ctl)
{
	uint64_t now = loop_now();
	size_t i, j;

	for (i = 0; i < ctl->ntgs; i++) {
		struct ctl_tg *tg = ctl->tgs[i];
		bool step = false;

		for (j = 0; j < tg->n; j++) {
			struct ctl_target *t = tg->t[j];
			uint32_t before, after;

			if (!t->ss_since_ms)
				continue;
			before = ctl_slow_start_weight(CTL_SLOW_START_STEPS, t->ss_since_ms,
						       now - CTL_TICK_MS, tg->slow_start_s);
			after = ctl_slow_start_weight(CTL_SLOW_START_STEPS, t->ss_since_ms, now,
						      tg->slow_start_s);
			if (after == CTL_SLOW_START_STEPS &&
			    now - t->ss_since_ms >= (uint64_t)tg->slow_start_s * 1000) {
				log_info("target group %s: target %s:%u ends its slow start",
					 tg->name, t->ip, t->port);
				t->ss_since_ms = 0;
			}
			step |= before != after;
		}
		if (step)
			ctl_tg_sync(ctl, tg);
	}
}

/* Least outstanding requests' counts drift (lost races, flows that ended unseen): rewritten
 * from the flow table when a service uses the algorithm.
 */
static void ctl_active_resync(struct ctl *ctl)
{
	uint32_t fixed = 0;
	size_t i;
	int err;

	for (i = 0; i < ctl->nsvcs; i++)
		if (ctl_svc_flags(&ctl->svcs[i]) & XLB_VIP_F_LOR)
			break;
	if (i == ctl->nsvcs)
		return;
	err = dpif_active_resync(ctl->dp, &fixed);
	if (err)
		log_warn("least outstanding requests: resync of the flow counts: %s",
			 strerror(-err));
	else if (fixed)
		log_debug("least outstanding requests: %u backends' flow counts resynced", fixed);
}

void ctl_tick(struct ctl *ctl)
{
	ctl_slow_start_tick(ctl);
	ctl_drain(ctl);
	if (++ctl->ticks % CTL_NEXTHOP_EVERY == 0)
		ctl_nexthops(ctl);
	if (ctl->ticks % CTL_RESYNC_EVERY == 0)
		ctl_active_resync(ctl);
}

static void ctl_on_tick(struct loop *loop, struct loop_timer *timer, void *arg)
{
	(void)loop;
	(void)timer;
	ctl_tick(arg);
}

/* ---- adoption ---- */

static int ctl_adopt_vip(const struct xlb_vip_key *key, const struct xlb_vip *vip, void *arg)
{
	struct ctl *ctl = arg;
	struct ctl_adopted *v = realloc(ctl->adopted, (ctl->nadopted + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	ctl->adopted = v;
	v[ctl->nadopted].key = *key;
	v[ctl->nadopted].id = vip->id;
	ctl->nadopted++;
	return 0;
}

static int ctl_adopt(struct ctl *ctl)
{
	struct xlb_backend be;
	int err, id;

	for (id = 1; id < XLB_MAX_BACKENDS; id++) {
		struct ctl_slot *s = &ctl->slots[id];

		if (dpif_backend_get(ctl->dp, (uint32_t)id, &be))
			continue;
		if (!be.family && !be.gen && !(be.flags & XLB_BE_F_ACTIVE))
			continue;
		s->known = true;
		s->family = be.family;
		memcpy(s->addr, be.addr, ctl_addr_len(be.family));
		s->port = ntohs(be.port);
		s->gen = be.gen;
		ctl->slot_adopted[id] = be.flags & XLB_BE_F_ACTIVE;
	}
	err = dpif_vip_walk(ctl->dp, ctl_adopt_vip, ctl);
	if (err)
		return err;
	if (ctl->nadopted)
		log_info("adopted %zu services from the running datapath", ctl->nadopted);
	return 0;
}

int ctl_new(struct loop *loop, struct dpif *dp, struct ctl **out)
{
	struct ctl *ctl;
	int err;

	if (!dp)
		return -EINVAL;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->loop = loop;
	ctl->dp = dp;
	err = ctl_adopt(ctl);
	if (err)
		goto fail;
	err = loop_timer_arm(loop, &ctl->tick, CTL_TICK_MS, CTL_TICK_MS, ctl_on_tick, ctl);
	if (err)
		goto fail;
	*out = ctl;
	return 0;
fail:
	free(ctl->adopted);
	free(ctl);
	return err;
}

void ctl_free(struct ctl *ctl)
{
	size_t i;

	if (!ctl)
		return;
	loop_timer_disarm(ctl->loop, &ctl->tick);
	for (i = 0; i < ctl->ntgs; i++)
		ctl_tg_free(ctl->tgs[i]);
	free(ctl->tgs);
	free(ctl->svcs);
	free(ctl->adopted);
	free(ctl);
}

/* ---- applying a model ---- */

static bool ctl_hc_same(const struct ctl_tg *a, const struct ctl_tg *b)
{
	return !memcmp(&a->hcfg, &b->hcfg, sizeof(a->hcfg)) && a->hc_proto == b->hc_proto &&
	       a->hc_port == b->hc_port && !strcmp(a->hc_path, b->hc_path) &&
	       !memcmp(&a->matcher, &b->matcher, sizeof(a->matcher));
}

static void ctl_tg_settings(struct ctl_tg *tg, const struct model_tg *m)
{
	tg->protocol = m->protocol;
	tg->port = m->port;
	tg->hcfg.interval_ms = m->hc.interval_s * 1000;
	tg->hcfg.timeout_ms = m->hc.timeout_s * 1000;
	tg->hcfg.healthy_threshold = m->hc.healthy_threshold;
	tg->hcfg.unhealthy_threshold = m->hc.unhealthy_threshold;
	tg->hcfg.dereg_delay_ms = m->dereg_delay_s * 1000;
	tg->dereg_close = m->dereg_close_connections;
	tg->ipv6 = m->ipv6;
	tg->hc_proto = m->hc.protocol == MODEL_HC_HTTP ? HEALTH_PROTO_HTTP : HEALTH_PROTO_TCP;
	tg->hc_port = m->hc.port;
	snprintf(tg->hc_path, sizeof(tg->hc_path), "%s", m->hc.path ? m->hc.path : "/");
	tg->matcher = m->hc.matcher;
	tg->slow_start_s = m->slow_start_s;
	tg->algo = m->algo;
	tg->sticky_src = m->sticky && m->sticky_type == MODEL_STICKY_SOURCE_IP;
}

/* The file's targets of tg: new ones added, those registered again while draining back in
 * service, those gone from the file deregistered unless the API or a group holds them.
 */
static int ctl_apply_targets(struct ctl *ctl, struct ctl_tg *tg, const struct model_tg *m)
{
	struct ctl_target *t;
	size_t i;
	int err = 0, e;

	for (i = 0; i < tg->n; i++)
		tg->t[i]->seen = false;
	for (i = 0; i < m->ntargets; i++) {
		uint16_t port = m->targets[i].port ? m->targets[i].port : m->port;

		t = ctl_target_find(tg, &m->targets[i].addr, port);
		if (t && t->health.state == HEALTH_DRAINING) {
			/* registered again before it drained: checks start over */
			struct health_change chg;

			health_register(&t->health, loop_now(), &chg);
			ctl_log_change(t, &chg);
			ctl_slot_flush(ctl, t->slot);
			ctl_check_start(t, i);
		} else if (!t) {
			e = ctl_target_add(ctl, tg, &m->targets[i].addr, port, &t);
			if (e) {
				err = err ? err : e;
				continue;
			}
		}
		t->seen = true;
		t->from_config = true;
	}
	for (i = 0; i < tg->n; i++) {
		t = tg->t[i];
		if (t->from_config && !t->seen) {
			t->from_config = false;
			if (!t->from_api && !t->from_group && t->health.state != HEALTH_DRAINING) {
				ctl_target_deregister(ctl, t);
				i = (size_t)-1; /* the list may have changed: start over */
			}
		}
	}
	return err;
}

/* One target group of the file: created or its settings changed (health checks restart when
 * theirs did), then its targets.
 */
static int ctl_tg_overlay(struct ctl_tg *tg, const struct model_tg *file, struct model_tg *eff);

static int ctl_apply_tg(struct ctl *ctl, const struct model_tg *file)
{
	struct ctl_tg *tg = NULL, fresh = {};
	struct model_tg eff;
	const struct model_tg *m = file;
	bool restart;
	size_t i;
	int err;

	for (i = 0; i < ctl->ntgs; i++)
		if (!strcmp(ctl->tgs[i]->name, m->name))
			tg = ctl->tgs[i];
	if (!tg) {
		struct ctl_tg **v = realloc(ctl->tgs, (ctl->ntgs + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ctl->tgs = v;
		tg = calloc(1, sizeof(*tg));
		if (!tg || !(tg->name = strdup(m->name))) {
			free(tg);
			return -ENOMEM;
		}
		tg->ctl = ctl;
		ctl->tgs[ctl->ntgs++] = tg;
		ctl_tg_settings(tg, m);
	}
	/* the attributes modify-target-group-attributes set, over the file's */
	if (!ctl_tg_overlay(tg, file, &eff))
		m = &eff;
	fresh = *tg;
	ctl_tg_settings(&fresh, m);
	restart = !ctl_hc_same(tg, &fresh);
	ctl_tg_settings(tg, m);
	tg->in_config = true;
	for (i = 0; i < tg->n; i++)
		if (restart && tg->t[i]->checking)
			ctl_check_start(tg->t[i], i);
	err = ctl_apply_targets(ctl, tg, file);
	if (m == &eff)
		ctl_tg_effective_free(file, &eff);
	return err;
}

static int ctl_svc_id(struct ctl *ctl, const struct ctl_svc *nsv, size_t nn,
		      const struct xlb_vip_key *key, uint32_t *id, bool *adopted)
{
	bool *taken;
	size_t i;
	uint32_t j;

	for (i = 0; i < ctl->nsvcs; i++)
		if (!memcmp(&ctl->svcs[i].key, key, sizeof(*key))) {
			*id = ctl->svcs[i].id;
			return 0;
		}
	for (i = 0; i < ctl->nadopted; i++)
		if (!memcmp(&ctl->adopted[i].key, key, sizeof(*key))) {
			*id = ctl->adopted[i].id;
			*adopted = true;
			return 0;
		}
	taken = calloc(XLB_MAX_VIPS, sizeof(*taken));
	if (!taken)
		return -ENOMEM;
	for (i = 0; i < ctl->nsvcs; i++)
		taken[ctl->svcs[i].id] = true;
	for (i = 0; i < ctl->nadopted; i++)
		taken[ctl->adopted[i].id % XLB_MAX_VIPS] = true;
	for (i = 0; i < nn; i++)
		taken[nsv[i].id] = true;
	for (j = 1; j < XLB_MAX_VIPS && taken[j]; j++)
		;
	free(taken);
	if (j >= XLB_MAX_VIPS)
		return -ENOSPC;
	*id = j;
	return 0;
}

/* The file's target groups: each one's settings and targets; groups no longer in the file have
 * their targets drained, and leave once the last one did (ctl_drain).
 */
static int ctl_apply_tgs(struct ctl *ctl, const struct model *m)
{
	size_t i, j;
	int err = 0, e;

	for (i = 0; i < ctl->ntgs; i++)
		ctl->tgs[i]->in_config = false;
	for (i = 0; i < m->ntgs; i++) {
		e = ctl_apply_tg(ctl, &m->tgs[i]);
		err = err ? err : e;
	}
	for (i = 0; i < ctl->ntgs; i++) {
		struct ctl_tg *tg = ctl->tgs[i];

		if (tg->in_config)
			continue;
		for (j = 0; j < tg->n;) {
			size_t before = tg->n;

			if (tg->t[j]->health.state != HEALTH_DRAINING)
				ctl_target_deregister(ctl, tg->t[j]);
			if (tg->n == before)
				j++;
		}
	}
	return err;
}

/* Appends listener l's services (one per address and protocol) to *nsv, each with its target
 * groups, weights and an id: the one it has (or had in an adopted datapath), else a free one.
 * A service without an id is left out and its error kept in *err (the first one); the return
 * is -ENOMEM when the list cannot grow, else 0.
 */
static int ctl_plan_listener(struct ctl *ctl, const struct model_listener *l, struct ctl_svc **nsv,
			     size_t *nn, size_t *cap, int *err)
{
	struct xlb_vip_key keys[CTL_KEYS_MAX];
	size_t k, f, nk = ctl_listener_keys(l, keys, CTL_KEYS_MAX);
	int e;

	for (k = 0; k < nk; k++) {
		struct ctl_svc *s;

		if (*nn == *cap) {
			struct ctl_svc *v = realloc(*nsv, (*cap * 2 + 8) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			*nsv = v;
			*cap = *cap * 2 + 8;
		}
		s = &(*nsv)[*nn];
		memset(s, 0, sizeof(*s));
		s->key = keys[k];
		s->mode = (uint8_t)l->mode;
		ctl_key_str(&s->key, s->name, sizeof(s->name));
		for (f = 0; f < l->nfwd; f++) {
			s->tg[s->nfwd] = ctl_tg_find(ctl, l->fwd[f].tg->name);
			s->weight[s->nfwd] = l->fwd[f].weight;
			if (s->tg[s->nfwd])
				s->nfwd++;
		}
		e = ctl_svc_id(ctl, *nsv, *nn, &s->key, &s->id, &s->keep_table);
		if (e) {
			log_error("service %s: no free service id", s->name);
			*err = *err ? *err : e;
			continue;
		}
		(*nn)++;
	}
	return 0;
}

/* The services every listener of m needs, into *out (*nout of them); errors as
 * ctl_plan_listener's.
 */
static int ctl_plan_services(struct ctl *ctl, const struct model *m, struct ctl_svc **out,
			     size_t *nout, int *err)
{
	size_t i, j, cap = 0;
	int e;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < m->nlbs; i++) {
		const struct model_lb *lb = &m->lbs[i];

		if (!lb->naddrs && lb->nlisteners)
			log_warn("load balancer %s: no XlbAddresses; its listeners serve nothing",
				 lb->name);
		for (j = 0; j < lb->nlisteners; j++) {
			e = ctl_plan_listener(ctl, &lb->listeners[j], out, nout, &cap, err);
			if (e)
				return e;
		}
	}
	return 0;
}

static bool ctl_svc_planned(const struct ctl_svc *nsv, size_t nn, const struct xlb_vip_key *key)
{
	size_t j;

	for (j = 0; j < nn; j++)
		if (!memcmp(&nsv[j].key, key, sizeof(*key)))
			return true;
	return false;
}

/* Removes the services that are not planned any more: ours, and on the first apply those an
 * earlier xlbd left.
 */
static void ctl_remove_services(struct ctl *ctl, const struct ctl_svc *nsv, size_t nn)
{
	char name[80];
	size_t i;

	for (i = 0; i < ctl->nsvcs; i++) {
		if (ctl_svc_planned(nsv, nn, &ctl->svcs[i].key))
			continue;
		log_info("service %s: removed", ctl->svcs[i].name);
		dpif_vip_del(ctl->dp, &ctl->svcs[i].key);
	}
	for (i = 0; i < ctl->nadopted && !ctl->applied; i++) {
		if (ctl_svc_planned(nsv, nn, &ctl->adopted[i].key))
			continue;
		ctl_key_str(&ctl->adopted[i].key, name, sizeof(name));
		log_info("service %s: not in the configuration; removed", name);
		dpif_vip_del(ctl->dp, &ctl->adopted[i].key);
	}
}

/* Writes every service and its table. */
static int ctl_write_services(struct ctl *ctl)
{
	size_t i;
	int err = 0, e;

	for (i = 0; i < ctl->nsvcs; i++) {
		struct ctl_svc *s = &ctl->svcs[i];
		struct xlb_vip vip = { .id = s->id, .mode = s->mode, .flags = ctl_svc_flags(s) };

		e = dpif_vip_set(ctl->dp, &s->key, &vip);
		if (e) {
			log_error("service %s: %s", s->name, strerror(-e));
			err = err ? err : e;
			continue;
		}
		e = ctl_svc_sync(ctl, s);
		if (e)
			err = err ? err : e;
		if (s->keep_table)
			log_info("service %s: id %u, %s, its table kept from the running datapath "
				 "until the first health checks end",
				 s->name, s->id, dataplane_mode_name(s->mode));
		else
			log_info("service %s: id %u, %s, %zu backends", s->name, s->id,
				 dataplane_mode_name(s->mode), s->nbackends);
	}
	return err;
}

/* After the first apply: what an earlier xlbd left and no target claimed goes. */
static void ctl_adoption_end(struct ctl *ctl)
{
	size_t i;

	if (!ctl->applied) {
		for (i = 1; i < XLB_MAX_BACKENDS; i++) {
			if (ctl->slot_adopted[i] && !ctl->slots[i].used) {
				ctl->slot_adopted[i] = false;
				ctl_slot_flush(ctl, (int)i);
			}
		}
	}
	ctl->applied = true;
	free(ctl->adopted);
	ctl->adopted = NULL;
	ctl->nadopted = 0;
}

int ctl_apply(struct ctl *ctl, const struct model *m)
{
	struct ctl_svc *nsv = NULL;
	size_t i, nn = 0;
	int err, e;

	err = ctl_apply_tgs(ctl, m);
	e = ctl_plan_services(ctl, m, &nsv, &nn, &err);
	if (e) {
		free(nsv);
		return e;
	}
	/* old services that are gone, then the new ones, each with its table */
	ctl_remove_services(ctl, nsv, nn);
	free(ctl->svcs);
	ctl->svcs = nsv;
	ctl->nsvcs = nn;
	e = ctl_write_services(ctl);
	err = err ? err : e;
	for (i = 0; i < ctl->ntgs; i++)
		ctl_tg_sync(ctl, ctl->tgs[i]);
	ctl_adoption_end(ctl);
	return err;
}

/* ---- the API's operations ---- */

static int ctl_parse_addr(const char *s, struct model_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Registers addr:port (port 0: the group's) for its owner: the API or an auto-scaling group. */
static int ctl_register_as(struct ctl *ctl, const char *name, const char *addr, uint16_t port,
			   const char *instance_id)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, name);
	struct model_addr a;
	struct ctl_target *t;
	int err;

	if (!tg)
		return -ENOENT;
	if (ctl_parse_addr(addr, &a))
		return -EINVAL;
	if (!port)
		port = tg->port;
	t = ctl_target_find(tg, &a, port);
	if (!t) {
		err = ctl_target_add(ctl, tg, &a, port, &t);
		if (err)
			return err;
		ctl_tg_sync(ctl, tg);
	} else if (t->health.state == HEALTH_DRAINING) {
		struct health_change chg;

		health_register(&t->health, loop_now(), &chg);
		ctl_log_change(t, &chg);
		ctl_slot_flush(ctl, t->slot);
		ctl_check_start(t, 0);
	}
	if (instance_id) {
		t->from_group = true;
		snprintf(t->instance_id, sizeof(t->instance_id), "%s", instance_id);
	} else {
		t->from_api = true;
	}
	return 0;
}

int ctl_register(struct ctl *ctl, const char *name, const char *addr, uint16_t port)
{
	return ctl_register_as(ctl, name, addr, port, NULL);
}

/* A registered target by group name (or ARN), address text and port (0: the group's):
 * -ENOENT (no such group), -EINVAL (bad address), -ESRCH (not registered).
 */
static int ctl_target_lookup(struct ctl *ctl, const char *name, const char *addr, uint16_t port,
			     struct ctl_target **out)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, name);
	struct model_addr a;

	*out = NULL;
	if (!tg)
		return -ENOENT;
	if (ctl_parse_addr(addr, &a))
		return -EINVAL;
	*out = ctl_target_find(tg, &a, port ? port : tg->port);
	return *out ? 0 : -ESRCH;
}

int ctl_deregister(struct ctl *ctl, const char *name, const char *addr, uint16_t port)
{
	struct ctl_target *t;
	int err = ctl_target_lookup(ctl, name, addr, port, &t);

	if (err)
		return err;
	t->from_api = false;
	t->from_config = false;
	t->from_group = false;
	if (t->health.state != HEALTH_DRAINING)
		ctl_target_deregister(ctl, t);
	return 0;
}

/* Whether every target of a batch can be registered in tg: each address parses, and each new
 * one finds a backend slot in the slots as they would be after the ones before it. 0, or the
 * error with *bad the index of the target at fault.
 */
static int ctl_batch_check(struct ctl *ctl, struct ctl_tg *tg, const struct ctl_target_ref *v,
			   size_t n, size_t *bad)
{
	struct ctl_slot *slots = malloc(sizeof(ctl->slots)), *sl;
	struct model_addr a;
	size_t i;
	int err = 0, id;

	if (!slots)
		return -ENOMEM;
	memcpy(slots, ctl->slots, sizeof(ctl->slots));
	for (i = 0; i < n && !err; i++) {
		uint16_t port = v[i].port ? v[i].port : tg->port;

		if (ctl_parse_addr(v[i].addr, &a)) {
			err = -EINVAL;
			break;
		}
		if (ctl_target_find(tg, &a, port))
			continue;
		id = ctl_slot_pick(slots, XLB_MAX_BACKENDS, ctl_family(&a), a.bytes, port);
		if (id < 0) {
			err = id;
			break;
		}
		sl = &slots[id];
		sl->used = sl->known = true;
		sl->family = ctl_family(&a);
		memset(sl->addr, 0, sizeof(sl->addr));
		memcpy(sl->addr, a.bytes, ctl_addr_len(sl->family));
		sl->port = port;
	}
	if (err)
		*bad = i;
	free(slots);
	return err;
}

int ctl_register_batch(struct ctl *ctl, const char *name, const struct ctl_target_ref *v, size_t n,
		       size_t *bad)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, name);
	struct ctl_target **added = NULL, *t, **tv;
	struct model_addr a;
	size_t i, nadded = 0;
	int err;

	*bad = n;
	if (!tg)
		return -ENOENT;
	err = ctl_batch_check(ctl, tg, v, n, bad);
	if (err)
		return err;
	/* room for them all, so that adding cannot fail half-way for want of it */
	added = calloc(n ? n : 1, sizeof(*added));
	if (!added)
		return -ENOMEM;
	if (tg->cap < tg->n + n) {
		tv = realloc(tg->t, (tg->n + n) * sizeof(*tv));
		if (!tv) {
			err = -ENOMEM;
			goto out;
		}
		tg->t = tv;
		tg->cap = tg->n + n;
	}
	for (i = 0; i < n; i++) {
		uint16_t port = v[i].port ? v[i].port : tg->port;

		ctl_parse_addr(v[i].addr, &a);
		if (ctl_target_find(tg, &a, port))
			continue;
		err = ctl_target_add(ctl, tg, &a, port, &t);
		if (err) {
			*bad = i;
			while (nadded)
				ctl_target_remove(ctl, added[--nadded]);
			ctl_tg_sync(ctl, tg);
			goto out;
		}
		added[nadded++] = t;
	}
	if (nadded)
		ctl_tg_sync(ctl, tg);
	/* all are there now: what is left cannot fail (draining ones come back, owners set) */
	for (i = 0; i < n; i++)
		ctl_register_as(ctl, name, v[i].addr, v[i].port, NULL);
out:
	free(added);
	return err;
}

int ctl_deregister_batch(struct ctl *ctl, const char *name, const struct ctl_target_ref *v,
			 size_t n, size_t *bad)
{
	struct ctl_target *t;
	size_t i;
	int err;

	*bad = n;
	if (!ctl_tg_find(ctl, name))
		return -ENOENT;
	for (i = 0; i < n; i++) {
		err = ctl_target_lookup(ctl, name, v[i].addr, v[i].port, &t);
		if (err) {
			*bad = i;
			return err;
		}
	}
	/* a target named twice is gone (or draining) after the first: not an error then */
	for (i = 0; i < n; i++)
		ctl_deregister(ctl, name, v[i].addr, v[i].port);
	return 0;
}

int ctl_instance_register(struct ctl *ctl, const char *tg, const char *addr,
			  const char *instance_id)
{
	return ctl_register_as(ctl, tg, addr, 0, instance_id);
}

int ctl_instance_deregister(struct ctl *ctl, const char *name, const char *addr)
{
	struct ctl_target *t;
	int err = ctl_target_lookup(ctl, name, addr, 0, &t);

	if (err)
		return err;
	if (!t->from_group)
		return -ESRCH;
	t->from_group = false;
	if (!t->from_api && !t->from_config && t->health.state != HEALTH_DRAINING)
		ctl_target_deregister(ctl, t);
	return 0;
}

static struct ctl_target *ctl_target_named(struct ctl *ctl, const char *name, const char *addr)
{
	struct ctl_target *t;

	return ctl_target_lookup(ctl, name, addr, 0, &t) ? NULL : t;
}

const struct health_target *ctl_target_health(struct ctl *ctl, const char *tg, const char *addr)
{
	struct ctl_target *t = ctl_target_named(ctl, tg, addr);

	return t ? &t->health : NULL;
}

bool ctl_tg_ipv6(struct ctl *ctl, const char *name)
{
	const struct ctl_tg *tg = ctl_tg_find(ctl, name);

	return tg && tg->ipv6;
}

bool ctl_has_target_group(struct ctl *ctl, const char *tg)
{
	return ctl_tg_find(ctl, tg) != NULL;
}

int ctl_target_counters(struct ctl *ctl, const char *tg, const char *addr, struct xlb_counters *c)
{
	struct ctl_target *t = ctl_target_named(ctl, tg, addr);

	if (!t || t->slot <= 0)
		return -ENOENT;
	return dpif_backend_stats(ctl->dp, (uint32_t)t->slot, c);
}

size_t ctl_vips(struct ctl *ctl, struct ctl_vip *out, size_t max)
{
	size_t i, j, k, n = 0;

	for (i = 0; i < ctl->nsvcs; i++) {
		const struct ctl_svc *svc = &ctl->svcs[i];

		for (j = 0; j < n; j++)
			if (out[j].family == svc->key.family &&
			    !memcmp(out[j].addr, svc->key.addr, sizeof(out[j].addr)))
				break;
		if (j == n) {
			if (n == max)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].family = svc->key.family;
			memcpy(out[n].addr, svc->key.addr, sizeof(out[n].addr));
			n++;
		}
		out[j].nat |= svc->mode == XLB_MODE_NAT;
		/* an adopted table forwards until the first verdict: a restarted node stays in */
		if (svc->keep_table) {
			out[j].serving = true;
			continue;
		}
		if (!svc->nbackends)
			continue;
		for (k = 0; k < svc->nfwd; k++) {
			const struct ctl_tg *tg = svc->tg[k];
			size_t healthy = 0, judged = 0, t;

			for (t = 0; tg && t < tg->n; t++) {
				healthy += tg->t[t]->health.state == HEALTH_HEALTHY;
				judged += tg->t[t]->health.state != HEALTH_INITIAL;
			}
			if (tg && (healthy || (tg->n && !judged)))
				out[j].serving = true;
		}
	}
	return n;
}

/* ---- target group attributes at run time ---- */

#define CTL_ATTR_VERB "modify-target-group-attributes"

/* file with tg's runtime attributes read over it, into *eff (its extras are new: the caller
 * frees them with config_extras_free). Attributes whose value the file changed since they were
 * set are dropped first. 0, or -ENOENT when tg has none (eff untouched).
 */
/* The health check members set at run time, with those of extra (a JSON object) over them. */
static struct json_object *ctl_tg_hc_members(const struct ctl_tg *tg, struct json_object *extra)
{
	struct json_object *o = json_object_new_object(), *v;
	size_t i;

	for (i = 0; o && i < tg->nattrs; i++)
		if (tg->attrs[i].hc && (v = json_tokener_parse(tg->attrs[i].value)))
			json_object_object_add(o, tg->attrs[i].key, v);
	if (o && extra) {
		json_object_object_foreach(extra, k, x)
		{
			json_object_object_add(o, k, json_object_get(x));
		}
	}
	return o;
}

static int ctl_tg_overlay(struct ctl_tg *tg, const struct model_tg *file, struct model_tg *eff)
{
	struct json_object *members;
	struct config_error cerr;
	char now[256];
	size_t i;
	bool had;

	for (i = 0; i < tg->nattrs;) {
		struct ctl_tg_attr *a = &tg->attrs[i];

		had = a->hc ? !config_tg_hc_value(file, a->key, now, sizeof(now)) :
			      !config_tg_attribute_value(file, a->key, now, sizeof(now));
		if (had == a->file_had && (!had || !strcmp(now, a->file_value))) {
			i++;
			continue;
		}
		log_info("target group %s: the file changed %s (to %s): its value replaces %s, set "
			 "at run time",
			 tg->name, a->key, had ? now : "none", a->value);
		memmove(a, a + 1, (tg->nattrs - i - 1) * sizeof(*a));
		tg->nattrs--;
	}
	if (!tg->nattrs)
		return -ENOENT;
	*eff = *file;
	eff->extras = (struct model_extras){ 0 };
	for (i = 0; i < tg->nattrs; i++)
		if (!tg->attrs[i].hc &&
		    config_tg_attribute(eff, tg->name, tg->attrs[i].key, tg->attrs[i].value, &cerr))
			log_error("target group %s: %s", tg->name, cerr.msg);
	members = ctl_tg_hc_members(tg, NULL);
	if (members && json_object_object_length(members) &&
	    config_tg_health_check(eff, tg->name,
				   json_object_to_json_string_ext(members, JSON_C_TO_STRING_PLAIN),
				   &cerr))
		log_error("target group %s: %s", tg->name, cerr.msg);
	json_object_put(members);
	return 0;
}

void ctl_tg_effective(struct ctl *ctl, const struct model_tg *file, struct model_tg *eff)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, file->name);

	if (!tg || ctl_tg_overlay(tg, file, eff))
		*eff = *file;
}

void ctl_tg_effective_free(const struct model_tg *file, struct model_tg *eff)
{
	if (eff->extras.v != file->extras.v)
		config_extras_free(&eff->extras);
	if (eff->hc.path != file->hc.path)
		config_tg_hc_free(eff);
}

int ctl_tg_modify(struct ctl *ctl, const struct model_tg *m, const char *members, char *err,
		  size_t errlen)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, m->name);
	struct json_object *req = json_tokener_parse(members), *all = NULL;
	struct model_tg probe = *m;
	struct config_error cerr;
	struct ctl_tg_attr *v;
	size_t j;
	int e;

	if (!tg) {
		json_object_put(req);
		return -ENOENT;
	}
	if (!req || !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		snprintf(err, errlen, "expected an object of health check settings");
		return -EINVAL;
	}
	/* read with what was set before: the request is checked against the whole */
	all = ctl_tg_hc_members(tg, req);
	e = all ? config_tg_health_check(
			  &probe, "modify-target-group",
			  json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN), &cerr) :
		  -ENOMEM;
	config_tg_hc_free(&probe);
	json_object_put(all);
	if (e) {
		snprintf(err, errlen, "%s", cerr.count ? cerr.msg : strerror(-e));
		json_object_put(req);
		return e;
	}
	json_object_object_foreach(req, k, x)
	{
		const char *val = json_object_to_json_string_ext(x, JSON_C_TO_STRING_PLAIN);

		if (strlen(k) >= sizeof(v->key) || strlen(val) >= sizeof(v->value))
			continue;
		for (j = 0; j < tg->nattrs && !(tg->attrs[j].hc && !strcmp(tg->attrs[j].key, k));
		     j++)
			;
		if (j == tg->nattrs) {
			v = realloc(tg->attrs, (tg->nattrs + 1) * sizeof(*v));
			if (!v) {
				json_object_put(req);
				return -ENOMEM;
			}
			tg->attrs = v;
			memset(&v[j], 0, sizeof(v[j]));
			v[j].hc = true;
			snprintf(v[j].key, sizeof(v[j].key), "%s", k);
			v[j].file_had =
				!config_tg_hc_value(m, k, v[j].file_value, sizeof(v[j].file_value));
			tg->nattrs++;
		}
		snprintf(tg->attrs[j].value, sizeof(tg->attrs[j].value), "%s", val);
		log_info("target group %s: %s set to %s (a user request)", tg->name, k, val);
	}
	json_object_put(req);
	e = ctl_apply_tg(ctl, m);
	ctl_tg_sync(ctl, tg);
	return e;
}

int ctl_tg_set_attributes(struct ctl *ctl, const struct model_tg *m, const char *const *keys,
			  const char *const *values, size_t n, char *err, size_t errlen)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, m->name);
	struct model_tg probe = *m;
	struct config_error cerr;
	struct ctl_tg_attr *v;
	size_t i, j;
	int e = 0;

	if (!tg)
		return -ENOENT;
	probe.extras = (struct model_extras){ 0 };
	for (i = 0; i < n && !e; i++) {
		if (strlen(keys[i]) >= sizeof(v->key) || strlen(values[i]) >= sizeof(v->value)) {
			snprintf(err, errlen,
				 "Attributes[%zu]: a key of at most %zu characters and "
				 "a value of at most %zu",
				 i, sizeof(v->key) - 1, sizeof(v->value) - 1);
			e = -EINVAL;
		} else if ((e = config_tg_attribute(&probe, CTL_ATTR_VERB, keys[i], values[i],
						    &cerr))) {
			snprintf(err, errlen, "Attributes[%zu]: %s", i,
				 cerr.count ? cerr.msg : strerror(-e));
		}
	}
	config_extras_free(&probe.extras);
	if (e)
		return e;
	for (i = 0; i < n; i++) {
		for (j = 0;
		     j < tg->nattrs && (tg->attrs[j].hc || strcmp(tg->attrs[j].key, keys[i])); j++)
			;
		if (j == tg->nattrs) {
			v = realloc(tg->attrs, (tg->nattrs + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			tg->attrs = v;
			memset(&v[j], 0, sizeof(v[j]));
			snprintf(v[j].key, sizeof(v[j].key), "%s", keys[i]);
			v[j].file_had = !config_tg_attribute_value(m, keys[i], v[j].file_value,
								   sizeof(v[j].file_value));
			tg->nattrs++;
		}
		snprintf(tg->attrs[j].value, sizeof(tg->attrs[j].value), "%s", values[i]);
		log_info("target group %s: %s set to %s (a user request)", tg->name, keys[i],
			 values[i]);
	}
	e = ctl_apply_tg(ctl, m);
	ctl_tg_sync(ctl, tg);
	return e;
}

const struct ctl_tg_attr *ctl_tg_runtime(struct ctl *ctl, const char *name, size_t *n)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, name);

	*n = tg ? tg->nattrs : 0;
	return *n ? tg->attrs : NULL;
}

int ctl_tg_runtime_restore(struct ctl *ctl, const struct model_tg *m, const struct ctl_tg_attr *v,
			   size_t n, char *err, size_t errlen)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, m->name);
	struct json_object *hc = json_object_new_object(), *x;
	struct model_tg probe = *m;
	struct config_error cerr;
	struct ctl_tg_attr *copy = NULL;
	size_t i;
	int e = 0;

	if (!tg || !hc) {
		json_object_put(hc);
		return tg ? -ENOMEM : -ENOENT;
	}
	/* every value read as the verbs read it, before any is kept */
	probe.extras = (struct model_extras){ 0 };
	for (i = 0; i < n && !e; i++) {
		if (!v[i].hc) {
			e = config_tg_attribute(&probe, "state file", v[i].key, v[i].value, &cerr);
		} else if (!(x = json_tokener_parse(v[i].value))) {
			snprintf(cerr.msg, sizeof(cerr.msg), "%s: not a JSON value", v[i].key);
			cerr.count = 1;
			e = -EINVAL;
		} else {
			json_object_object_add(hc, v[i].key, x);
		}
		if (e)
			snprintf(err, errlen, "%s: %s", v[i].key,
				 cerr.count ? cerr.msg : strerror(-e));
	}
	config_extras_free(&probe.extras);
	if (!e && json_object_object_length(hc)) {
		probe = *m;
		e = config_tg_health_check(
			&probe, "state file",
			json_object_to_json_string_ext(hc, JSON_C_TO_STRING_PLAIN), &cerr);
		config_tg_hc_free(&probe);
		if (e)
			snprintf(err, errlen, "%s", cerr.count ? cerr.msg : strerror(-e));
	}
	json_object_put(hc);
	if (e)
		return e;
	if (n && !(copy = calloc(n, sizeof(*copy))))
		return -ENOMEM;
	if (n)
		memcpy(copy, v, n * sizeof(*copy));
	free(tg->attrs);
	tg->attrs = copy;
	tg->nattrs = n;
	e = ctl_apply_tg(ctl, m);
	ctl_tg_sync(ctl, tg);
	return e;
}

const char *ctl_tg_attribute(struct ctl *ctl, const char *name, const char *key)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, name);
	size_t i;

	for (i = 0; tg && i < tg->nattrs; i++)
		if (!tg->attrs[i].hc && !strcmp(tg->attrs[i].key, key))
			return tg->attrs[i].value;
	return NULL;
}
