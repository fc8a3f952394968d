// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The controller's state rendered for people and programs: status and describe-target-health
 * replies as json-c objects, and Prometheus samples with the datapath's counters. Decisions
 * live in ctl.c; this file only reads them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "api.h"
#include "ctl_state.h"
#include "ctl_view.h"
#include "dpif.h"
#include "promhttp.h"

static const char *ctl_view_proto(enum model_proto p)
{
	switch (p) {
	case MODEL_PROTO_UDP:
		return "UDP";
	case MODEL_PROTO_TCP_UDP:
		return "TCP_UDP";
	case MODEL_PROTO_HTTP:
		return "HTTP";
	default:
		return "TCP";
	}
}

static void ctl_view_add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

/* One load balancer of the model, its listeners with their first target group's counts. */
static struct json_object *ctl_view_lb(struct ctl *ctl, const struct model_lb *lb)
{
	struct json_object *o = json_object_new_object();
	struct json_object *addrs = json_object_new_array();
	struct json_object *ls = json_object_new_array();
	char ip[INET6_ADDRSTRLEN];
	size_t j, k;

	ctl_view_add(o, "LoadBalancerName", json_object_new_string(lb->name));
	for (j = 0; j < lb->naddrs; j++) {
		ctl_addr_str(&lb->addrs[j], ip, sizeof(ip));
		json_object_array_add(addrs, json_object_new_string(ip));
	}
	ctl_view_add(o, "Addresses", addrs);
	for (j = 0; j < lb->nlisteners; j++) {
		const struct model_listener *l = &lb->listeners[j];
		const struct ctl_tg *tg = l->nfwd ? ctl_tg_find(ctl, l->fwd[0].tg->name) : NULL;
		struct json_object *lo = json_object_new_object();
		size_t healthy = 0;

		ctl_view_add(lo, "Port", json_object_new_int(l->port));
		ctl_view_add(lo, "Protocol", json_object_new_string(ctl_view_proto(l->protocol)));
		if (tg) {
			for (k = 0; k < tg->n; k++)
				healthy += tg->t[k]->health.state == HEALTH_HEALTHY;
			ctl_view_add(lo, "TargetGroupName", json_object_new_string(tg->name));
			ctl_view_add(lo, "HealthyTargets", json_object_new_int((int)healthy));
			ctl_view_add(lo, "Targets", json_object_new_int((int)tg->n));
			if (tg->fail_open)
				ctl_view_add(lo, "FailOpen", json_object_new_boolean(1));
		}
		json_object_array_add(ls, lo);
	}
	ctl_view_add(o, "Listeners", ls);
	return o;
}

/* One target group with its targets counted by state. */
static struct json_object *ctl_view_tg(const struct ctl_tg *tg)
{
	struct json_object *o = json_object_new_object();
	int c[HEALTH_STATE_MAX] = { 0 };
	size_t k;

	for (k = 0; k < tg->n; k++)
		c[tg->t[k]->health.state]++;
	ctl_view_add(o, "TargetGroupName", json_object_new_string(tg->name));
	ctl_view_add(o, "Protocol", json_object_new_string(ctl_view_proto(tg->protocol)));
	ctl_view_add(o, "Port", json_object_new_int(tg->port));
	ctl_view_add(o, "Healthy", json_object_new_int(c[HEALTH_HEALTHY]));
	ctl_view_add(o, "Unhealthy", json_object_new_int(c[HEALTH_UNHEALTHY]));
	ctl_view_add(o, "Initial", json_object_new_int(c[HEALTH_INITIAL]));
	ctl_view_add(o, "Draining", json_object_new_int(c[HEALTH_DRAINING]));
	ctl_view_add(o, "Total", json_object_new_int((int)tg->n));
	ctl_view_add(o, "ConnectionsTerminated",
		     json_object_new_int64((int64_t)tg->conns_terminated));
	return o;
}

int ctl_view_status(struct ctl *ctl, const struct model *m, struct json_object *data)
{
	struct json_object *lbs = json_object_new_array(), *tgs = json_object_new_array();
	size_t i;

	if (!lbs || !tgs) {
		json_object_put(lbs);
		json_object_put(tgs);
		return -ENOMEM;
	}
	for (i = 0; i < m->nlbs; i++)
		json_object_array_add(lbs, ctl_view_lb(ctl, &m->lbs[i]));
	for (i = 0; i < ctl->ntgs; i++)
		json_object_array_add(tgs, ctl_view_tg(ctl->tgs[i]));
	ctl_view_add(data, "LoadBalancers", lbs);
	ctl_view_add(data, "TargetGroups", tgs);
	return 0;
}

int ctl_view_target_health(struct ctl *ctl, const char *name, struct json_object **out)
{
	struct ctl_tg *tg = ctl_tg_find(ctl, name);
	struct json_object *data, *arr;
	char buf[512], port[8];
	size_t i;

	if (!tg)
		return -ENOENT;
	if (api_data_list("TargetHealthDescriptions", &data, &arr))
		return -ENOMEM;
	for (i = 0; i < tg->n; i++) {
		const struct ctl_target *t = tg->t[i];
		struct json_object *d = json_object_new_object();
		struct json_object *tj = json_object_new_object();
		struct json_object *h = json_object_new_object();

		ctl_view_add(tj, "Id",
			     json_object_new_string(t->instance_id[0] ? t->instance_id : t->ip));
		if (t->instance_id[0])
			ctl_view_add(tj, "PrivateIpAddress", json_object_new_string(t->ip));
		ctl_view_add(tj, "Port", json_object_new_int(t->port));
		ctl_view_add(d, "Target", tj);
		snprintf(port, sizeof(port), "%u",
			 (unsigned int)(tg->hc_port ? tg->hc_port : t->port));
		ctl_view_add(d, "HealthCheckPort", json_object_new_string(port));
		ctl_view_add(h, "State",
			     json_object_new_string(health_state_name(t->health.state)));
		if (t->health.reason != HEALTH_REASON_NONE)
			ctl_view_add(h, "Reason",
				     json_object_new_string(health_reason_name(t->health.reason)));
		health_describe(&t->health, buf, sizeof(buf));
		if (buf[0])
			ctl_view_add(h, "Description", json_object_new_string(buf));
		ctl_view_add(d, "TargetHealth", h);
		json_object_array_add(arr, d);
	}
	*out = data;
	return 0;
}

/* The datapath's counters, each a Prometheus family per service and one per target. */
struct ctl_view_counter {
	const char *svc, *svc_help, *tgt, *tgt_help;
	size_t off;
};

static const struct ctl_view_counter ctl_view_counters[] = {
	{ "xlb_service_packets_total", "Packets sent towards the service's backends",
	  "xlb_target_packets_total", "Packets sent to the target",
	  offsetof(struct xlb_counters, packets) },
	{ "xlb_service_bytes_total", "Bytes sent towards the service's backends",
	  "xlb_target_bytes_total", "Bytes sent to the target",
	  offsetof(struct xlb_counters, bytes) },
	{ "xlb_service_new_flows_total", "Flows the service began", "xlb_target_new_flows_total",
	  "Flows given to the target", offsetof(struct xlb_counters, new_flows) },
};

#define CTL_VIEW_NCOUNTERS (sizeof(ctl_view_counters) / sizeof(ctl_view_counters[0]))

static uint64_t ctl_view_counter_of(const struct xlb_counters *c, const struct ctl_view_counter *m)
{
	return *(const uint64_t *)((const char *)c + m->off);
}

static void ctl_view_svc_metrics(struct ctl *ctl, struct promhttp_buf *b)
{
	struct xlb_counters c;
	size_t i, s;

	for (s = 0; s < CTL_VIEW_NCOUNTERS; s++) {
		const struct ctl_view_counter *m = &ctl_view_counters[s];

		promhttp_family(b, m->svc, PROMHTTP_COUNTER, m->svc_help);
		for (i = 0; i < ctl->nsvcs; i++) {
			if (dpif_vip_stats(ctl->dp, ctl->svcs[i].id, &c))
				continue;
			promhttp_sample_u64(b, m->svc, ctl_view_counter_of(&c, m), "service",
					    ctl->svcs[i].name, PROMHTTP_END);
		}
	}
}

static void ctl_view_target_metrics(struct ctl *ctl, struct promhttp_buf *b)
{
	struct xlb_counters c;
	char port[8], slot[12];
	size_t i, j, s;

	for (s = 0; s < CTL_VIEW_NCOUNTERS; s++) {
		const struct ctl_view_counter *m = &ctl_view_counters[s];

		promhttp_family(b, m->tgt, PROMHTTP_COUNTER, m->tgt_help);
		for (i = 0; i < ctl->ntgs; i++) {
			for (j = 0; j < ctl->tgs[i]->n; j++) {
				const struct ctl_target *t = ctl->tgs[i]->t[j];

				if (dpif_backend_stats(ctl->dp, (uint32_t)t->slot, &c))
					continue;
				snprintf(port, sizeof(port), "%u", t->port);
				snprintf(slot, sizeof(slot), "%d", t->slot);
				promhttp_sample_u64(b, m->tgt, ctl_view_counter_of(&c, m),
						    "target_group", ctl->tgs[i]->name, "target",
						    t->ip, "port", port, "backend", slot,
						    PROMHTTP_END);
			}
		}
	}
}

void ctl_view_metrics(struct ctl *ctl, struct promhttp_buf *b)
{
	char port[8];
	size_t i, j;

	ctl_view_svc_metrics(ctl, b);
	ctl_view_target_metrics(ctl, b);
	promhttp_family(b, "xlb_target_healthy", PROMHTTP_GAUGE,
			"1 when the target passes its health checks");
	for (i = 0; i < ctl->ntgs; i++) {
		for (j = 0; j < ctl->tgs[i]->n; j++) {
			const struct ctl_target *t = ctl->tgs[i]->t[j];

			snprintf(port, sizeof(port), "%u", t->port);
			promhttp_sample(b, "xlb_target_healthy", t->health.state == HEALTH_HEALTHY,
					"target_group", ctl->tgs[i]->name, "target", t->ip, "port",
					port, "state", health_state_name(t->health.state),
					PROMHTTP_END);
		}
	}
	promhttp_family(b, "xlb_target_group_fail_open", PROMHTTP_GAUGE,
			"1 when no target is healthy and all registered ones get traffic");
	for (i = 0; i < ctl->ntgs; i++)
		promhttp_sample(b, "xlb_target_group_fail_open", ctl->tgs[i]->fail_open,
				"target_group", ctl->tgs[i]->name, PROMHTTP_END);
	promhttp_family(b, "xlb_target_group_connections_terminated_total", PROMHTTP_COUNTER,
			"Flows ended at the end of a deregistration delay "
			"(deregistration_delay.connection_termination.enabled)");
	for (i = 0; i < ctl->ntgs; i++)
		promhttp_sample_u64(b, "xlb_target_group_connections_terminated_total",
				    ctl->tgs[i]->conns_terminated, "target_group",
				    ctl->tgs[i]->name, PROMHTTP_END);
}
