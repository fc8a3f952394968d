// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The plan that `xlbd --check` prints: load balancers and listeners, target groups, groups,
 * policies, scheduled actions, alarms, then the warnings.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "cfg_internal.h"

static void cfg_print_extras(FILE *f, const char *indent, const struct model_extras *ex)
{
	size_t i, shown = 0;

	for (i = 0; i < ex->n; i++) {
		if (ex->v[i].unknown || ex->v[i].in_force)
			continue;
		fprintf(f, "%s%s%s", shown ? ", " : indent,
			shown ? "" : "kept, no effect here: ", ex->v[i].key);
		shown++;
	}
	if (shown)
		fprintf(f, "\n");
}

static void cfg_print_launch(FILE *f, const struct model_launch *l)
{
	if (l->kind == MODEL_LAUNCH_TEMPLATE)
		fprintf(f, "launch template %s (%s) version %u%s", l->name, l->template_id,
			l->version, l->default_version ? " (default)" : "");
	else
		fprintf(f, "launch configuration %s", l->name);
	if (l->itype) {
		fprintf(f, ": %s (%u vCPU%s, %u MiB", l->itype->name, l->itype->vcpus,
			l->itype->vcpus > 1 ? "s" : "", l->itype->memory_mib);
		if (l->itype->baseline_pct < 100)
			fprintf(f, ", burstable, baseline %u%% a vCPU", l->itype->baseline_pct);
		fprintf(f, ")");
	}
	if (l->user_data_len)
		fprintf(f, ", user data %zu bytes%s", l->user_data_len,
			l->user_data_was_base64 ? " (decoded from base64)" : "");
	else
		fprintf(f, ", no user data");
	if (l->image_id)
		fprintf(f, ", image %s (%s)", l->image_id,
			l->image_dir ? l->image_dir :
				       "not in Xlb.Images: the host's root filesystem");
	fprintf(f, "\n");
}

static const char *cfg_metric_name(enum model_metric mt)
{
	return mt >= MODEL_METRIC_ASG_CPU && mt <= MODEL_METRIC_ALB_REQUESTS_PER_TARGET ?
		       cfg_metrics[mt - MODEL_METRIC_ASG_CPU] :
	       mt == MODEL_METRIC_CUSTOM ? "a customized metric" :
					   "no metric";
}

/* What a metric counts, in what unit, per what: " (bytes ... per minute)". stat is the
 * datapoint's statistic, period_s its period (AWS time); both scaled by TimeScale.
 */
static void cfg_print_unit(FILE *f, const struct model *m, enum model_metric mt,
			   enum model_stat stat, uint32_t period_s)
{
	double ts = m->settings.time_scale >= 1 ? m->settings.time_scale : 1;
	const char *what, *per = "instance";
	uint32_t span = 60;

	switch (mt) {
	case MODEL_METRIC_ASG_CPU:
		fprintf(f, " (percent of each instance's CPU quota, averaged over the InService "
			   "instances out of warm-up)");
		return;
	case MODEL_METRIC_ASG_NETWORK_IN:
		what = "bytes the datapath sent to an instance";
		break;
	case MODEL_METRIC_ASG_NETWORK_OUT:
		what = "bytes of an instance's replies through the datapath (nat listeners only: "
		       "dsr and ipip replies bypass it)";
		break;
	case MODEL_METRIC_ALB_REQUESTS_PER_TARGET:
		what = "new connections (flows, not HTTP requests) the datapath gave a target";
		per = "target";
		break;
	default:
		return;
	}
	if (stat == MODEL_STAT_SAMPLE_COUNT) {
		fprintf(f, " (the number of samples, one every MetricsIntervalSeconds)");
		return;
	}
	if (stat == MODEL_STAT_SUM)
		span = period_s;
	if (span == 60)
		fprintf(f, " (%s, per %s per minute", what, per);
	else
		fprintf(f, " (%s, per %s per period of %u s", what, per, span);
	if (ts != 1)
		fprintf(f, ", the %s lasting %g s at TimeScale %g",
			span == 60 ? "minute" : "period", span / ts, ts);
	fprintf(f, ")");
}

static void cfg_print_policy(FILE *f, const struct model *m, const struct model_policy *p)
{
	static const char *const adj[] = { "ChangeInCapacity", "ExactCapacity",
					   "PercentChangeInCapacity" };
	size_t i;

	fprintf(f, "    scaling policy %s%s: ", p->name, p->enabled ? "" : " (disabled)");
	switch (p->type) {
	case MODEL_POLICY_SIMPLE:
		fprintf(f, "simple, %s %+d", adj[p->adjustment_type], p->scaling_adjustment);
		if (p->cooldown_s >= 0)
			fprintf(f, ", cooldown %lld s", (long long)p->cooldown_s);
		break;
	case MODEL_POLICY_STEP:
		fprintf(f, "step, %s", adj[p->adjustment_type]);
		for (i = 0; i < p->nsteps; i++) {
			const struct model_step *s = &p->steps[i];

			fprintf(f, "%s[", i ? " " : ": ");
			if (s->has_lower)
				fprintf(f, "%g", s->lower);
			else
				fprintf(f, "-inf");
			if (s->has_upper)
				fprintf(f, ", %g) %+d", s->upper, s->adjustment);
			else
				fprintf(f, ", +inf) %+d", s->adjustment);
		}
		break;
	case MODEL_POLICY_TARGET_TRACKING:
		fprintf(f, "target tracking, %s at %g", cfg_metric_name(p->tt.metric),
			p->tt.target_value);
		cfg_print_unit(f, m, p->tt.metric,
			       p->tt.metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET ?
				       MODEL_STAT_SUM :
				       MODEL_STAT_AVERAGE,
			       60);
		if (p->tt.tg)
			fprintf(f, " (target group %s)", p->tt.tg->name);
		if (p->tt.disable_scale_in)
			fprintf(f, ", never scales in");
		break;
	case MODEL_POLICY_PREDICTIVE:
		fprintf(f, "predictive (kept, inactive here)");
		break;
	}
	if (p->warmup_s >= 0)
		fprintf(f, ", warm-up %lld s", (long long)p->warmup_s);
	fprintf(f, "\n");
}

static void cfg_print_action(FILE *f, const struct model_scheduled_action *a)
{
	char when[64];
	struct tm tm;
	time_t t;

	fprintf(f, "    scheduled action %s: ", a->name);
	if (a->recurrence)
		fprintf(f, "cron \"%s\"%s%s", a->recurrence, a->time_zone ? " in " : " UTC",
			a->time_zone ? a->time_zone : "");
	if (a->start_time >= 0) {
		t = (time_t)a->start_time;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		fprintf(f, "%s%s", a->recurrence ? " from " : "at ", when);
	}
	if (a->end_time >= 0) {
		t = (time_t)a->end_time;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		fprintf(f, " until %s", when);
	}
	fprintf(f, " ->");
	if (a->min_size >= 0)
		fprintf(f, " min %lld", (long long)a->min_size);
	if (a->max_size >= 0)
		fprintf(f, " max %lld", (long long)a->max_size);
	if (a->desired >= 0)
		fprintf(f, " desired %lld", (long long)a->desired);
	fprintf(f, "\n");
}

/* The plan's lines for slow start, the algorithm and stickiness (nothing when all are off). */
static void cfg_print_tg_algo(FILE *f, const struct model_tg *tg)
{
	if (tg->slow_start_s)
		fprintf(f,
			"    slow start %u s: a target that turns healthy while another healthy one "
			"is past its own start ramps its weight linearly in 10 steps\n",
			tg->slow_start_s);
	if (tg->algo == MODEL_ALGO_LOR)
		fprintf(f, "    least outstanding requests: a new flow goes to the backend with "
			   "fewer active flows of two Maglev candidates\n");
	else if (tg->algo == MODEL_ALGO_WEIGHTED_RANDOM)
		fprintf(f,
			"    weighted_random: served as round_robin (Maglev's hash of the flow); "
			"no anomaly mitigation here\n");
	if (tg->sticky && tg->sticky_type == MODEL_STICKY_SOURCE_IP)
		fprintf(f,
			"    stickiness source_ip: the client's address alone picks the target\n");
	else if (tg->sticky)
		fprintf(f, "    stickiness %s: no effect here (xlb sees no cookies)\n",
			cfg_sticky_types[tg->sticky_type]);
}

static void cfg_print_tg(FILE *f, const struct model *m, const struct model_tg *tg)
{
	const struct model_health_check *hc = &tg->hc;
	char addr[64];
	size_t i, j, n = 0;

	fprintf(f, "target group %s: %s port %u, targets by %s\n", tg->name,
		cfg_protos[tg->protocol], tg->port,
		tg->target_type == MODEL_TARGET_IP ? "address" : "instance");
	fprintf(f, "    health check: ");
	if (hc->protocol == MODEL_HC_HTTP)
		fprintf(f, "HTTP GET %s", hc->path);
	else
		fprintf(f, "TCP connect");
	if (hc->port)
		fprintf(f, " on port %u", hc->port);
	else
		fprintf(f, " on the traffic port");
	fprintf(f, ", every %u s, timeout %u s, healthy after %u, unhealthy after %u",
		hc->interval_s, hc->timeout_s, hc->healthy_threshold, hc->unhealthy_threshold);
	if (hc->protocol == MODEL_HC_HTTP)
		fprintf(f, ", success codes %s", hc->matcher_text);
	fprintf(f, "\n    deregistration delay %u s, then %s\n", tg->dereg_delay_s,
		tg->dereg_close_connections ?
			"its flows are ended (the client's next packet is dropped or reset)" :
			"open flows keep their target until they end");
	if (tg->ipv6)
		fprintf(f, "    instances registered by their IPv6 address\n");
	cfg_print_tg_algo(f, tg);
	if (tg->ntargets) {
		fprintf(f, "    targets:");
		for (i = 0; i < tg->ntargets; i++) {
			const struct model_target *t = &tg->targets[i];
			bool v6 = t->addr.family == AF_INET6;

			fprintf(f, "%s%s%s%s:%u", i ? ", " : " ", v6 ? "[" : "",
				cfg_addr_str(&t->addr, addr, sizeof(addr)), v6 ? "]" : "",
				(unsigned int)(t->port ? t->port : tg->port));
		}
		fprintf(f, "\n");
	}
	for (i = 0; i < m->nasgs; i++)
		for (j = 0; j < m->asgs[i].ntgs; j++)
			if (m->asgs[i].tgs[j] == tg)
				fprintf(f, "%s%s",
					n++ ? ", " : "    instances of groups: ", m->asgs[i].name);
	if (n)
		fprintf(f, "\n");
	if (!n && !tg->ntargets)
		fprintf(f, "    no targets\n");
	cfg_print_extras(f, "    ", &tg->extras);
}

static void cfg_print_alarm(FILE *f, const struct model *m, const struct model_alarm *al)
{
	static const char *const ops[] = { ">=", ">", "<", "<=" };
	size_t i;

	fprintf(f, "    alarm %s: %s of %s %s %g, %u of %u periods of %u s", al->name,
		cfg_stats[al->statistic], cfg_metric_name(al->metric), ops[al->cmp], al->threshold,
		al->datapoints_to_alarm, al->evaluation_periods, al->period_s);
	cfg_print_unit(f, m, al->metric, al->statistic, al->period_s);
	for (i = 0; i < al->nactions; i++)
		fprintf(f, "%s%s", i ? ", " : " -> ", al->actions[i]->name);
	if (!al->actions_enabled)
		fprintf(f, " (actions disabled)");
	fprintf(f, "\n");
}

static void cfg_print_asg(FILE *f, const struct model *m, const struct model_asg *a)
{
	size_t i;

	fprintf(f, "auto-scaling group %s: desired %u, min %u, max %u%s\n", a->name, a->desired,
		a->min_size, a->max_size, a->desired_given ? "" : " (no DesiredCapacity: MinSize)");
	if (a->launch) {
		fprintf(f, "    launches: ");
		cfg_print_launch(f, a->launch);
	}
	fprintf(f, "    health check type %s, grace period %u s, default cooldown %u s",
		a->hc_type == MODEL_ASG_HC_ELB ? "ELB" : "EC2", a->grace_s, a->cooldown_s);
	if (a->warmup_s >= 0)
		fprintf(f, ", instance warm-up %lld s", (long long)a->warmup_s);
	if (a->max_lifetime_s && m->settings.time_scale > 1)
		fprintf(f,
			", instances live at most %u s (%g s with TimeScale; then replaced, the new "
			"one launched first)",
			a->max_lifetime_s, a->max_lifetime_s / m->settings.time_scale);
	else if (a->max_lifetime_s)
		fprintf(f,
			", instances live at most %u s (then replaced, the new one launched first)",
			a->max_lifetime_s);
	fprintf(f, "\n    target groups:");
	for (i = 0; i < a->ntgs; i++)
		fprintf(f, "%s %s", i ? "," : "", a->tgs[i]->name);
	if (!a->ntgs)
		fprintf(f, " none: its instances get no traffic");
	fprintf(f, "\n    termination policies:");
	for (i = 0; i < a->nterm; i++)
		fprintf(f, "%s %s", i ? "," : "", cfg_term_names[a->term[i]]);
	fprintf(f, "\n");
	for (i = 0; i < a->ntags; i++)
		fprintf(f, "%s%s=%s%s", i ? ", " : "    tags: ", a->tags[i].key, a->tags[i].value,
			a->tags[i].propagate_at_launch ? " (to instances)" : "");
	if (a->ntags)
		fprintf(f, "\n");
	for (i = 0; i < m->npolicies; i++)
		if (m->policies[i].asg == a)
			cfg_print_policy(f, m, &m->policies[i]);
	for (i = 0; i < m->nalarms; i++)
		if (m->alarms[i].asg == a)
			cfg_print_alarm(f, m, &m->alarms[i]);
	for (i = 0; i < m->nactions; i++)
		if (m->actions[i].asg == a)
			cfg_print_action(f, &m->actions[i]);
	cfg_print_extras(f, "    ", &a->extras);
}

void config_plan_print(const struct model *m, FILE *f)
{
	char addr[64];
	size_t i, j, k;
	bool used;

	fprintf(f, "plan for %s\n", m->file);
	fprintf(f, "instances from %s/%u", cfg_addr_str(&m->settings.pool4, addr, sizeof(addr)),
		m->settings.pool4_len);
	if (m->settings.has_pool6)
		fprintf(f, " and %s/%u", cfg_addr_str(&m->settings.pool6, addr, sizeof(addr)),
			m->settings.pool6_len);
	fprintf(f, ", metrics every %u s", m->settings.metrics_interval_s);
	fprintf(f, ", xlb attached %s",
		m->settings.hook == MODEL_ATTACH_XDP ?
			"in XDP (Hook xdp)" :
		m->settings.hook == MODEL_ATTACH_TC ?
			"at tc (Hook tc)" :
			"at tc on veth, in XDP elsewhere (Hook auto)");
	if (m->settings.time_scale != 1)
		fprintf(f, ", policy time %gx faster than AWS's", m->settings.time_scale);
	fprintf(f, "\n");
	if (m->settings.cluster.enabled) {
		const struct model_cluster *k = &m->settings.cluster;

		fprintf(f, "cluster node %s, AS %u, BGP to %s AS %u", k->node_name, k->asn,
			cfg_addr_str(&k->router, addr, sizeof(addr)), k->peer_asn);
		if (k->shared_dir[0])
			fprintf(f,
				", shared %s: its files rewritten every %u ms, another node's "
				"unchanged for %u ms taken for gone",
				k->shared_dir, k->shared_refresh_ms, k->shared_stale_ms);
		fprintf(f, "\n");
	}
	for (i = 0; i < m->nlbs; i++) {
		const struct model_lb *lb = &m->lbs[i];

		fprintf(f, "\nload balancer %s%s", lb->name,
			lb->implicit ? " (implicit: the file has no LoadBalancers)" : "");
		for (j = 0; j < lb->naddrs; j++)
			fprintf(f, "%s%s", j ? ", " : ", addresses ",
				cfg_addr_str(&lb->addrs[j], addr, sizeof(addr)));
		if (!lb->naddrs)
			fprintf(f, ", no address");
		for (j = 0; j < lb->nifaces; j++)
			fprintf(f, "%s%s", j ? ", " : ", on ", lb->ifaces[j]);
		fprintf(f, "\n");
		for (j = 0; j < lb->nlisteners; j++) {
			const struct model_listener *l = &lb->listeners[j];

			fprintf(f, "    listener %s :%u (%s) ->", cfg_protos[l->protocol], l->port,
				cfg_modes[l->mode]);
			for (k = 0; k < l->nfwd; k++) {
				fprintf(f, "%s target group %s", k ? "," : "", l->fwd[k].tg->name);
				if (l->nfwd > 1)
					fprintf(f, " (weight %u)", l->fwd[k].weight);
			}
			fprintf(f, "\n");
		}
		cfg_print_extras(f, "    ", &lb->extras);
	}
	for (i = 0; i < m->ntgs; i++) {
		fprintf(f, "\n");
		cfg_print_tg(f, m, &m->tgs[i]);
	}
	for (i = 0; i < m->nasgs; i++) {
		fprintf(f, "\n");
		cfg_print_asg(f, m, &m->asgs[i]);
	}
	for (k = 0; k < 2; k++) {
		const struct model_launch *v = k ? m->lts : m->lcs;
		size_t n = k ? m->nlts : m->nlcs;

		for (i = 0; i < n; i++) {
			used = false;
			for (j = 0; j < m->nasgs; j++)
				used |= m->asgs[j].launch == &v[i];
			fprintf(f, "\n");
			cfg_print_launch(f, &v[i]);
			if (!used)
				fprintf(f, "    used by no group\n");
			cfg_print_extras(f, "    ", &v[i].extras);
		}
	}
	if (m->nwarnings) {
		fprintf(f, "\n%zu warning%s:\n", m->nwarnings, m->nwarnings > 1 ? "s" : "");
		for (i = 0; i < m->nwarnings; i++)
			fprintf(f, "  %s\n", m->warnings[i]);
	}
}
