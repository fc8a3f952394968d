// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The fleet rendered: DescribeAutoScalingGroups, DescribeScalingActivities, console output,
 * status, get-metric-statistics in the API's JSON (api.h) and the groups' Prometheus series.
 * Reads the fleet's state (fleet_internal.h), changes nothing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "activity.h"
#include "api.h"
#include "asg.h"
#include "ctl.h"
#include "fleet_internal.h"
#include "fleet_view.h"
#include "launcher.h"
#include "promhttp.h"
#include "scaling.h"

static void fleet_add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static void fleet_iso(int64_t sec, char *buf, size_t len)
{
	activity_time((uint64_t)sec * 1000, false, buf, len);
}

static struct json_object *fleet_inst_json(struct fleet_group *fg, const struct asg_instance *in,
					   struct fleet_inst *fi);

/* WarmPoolConfiguration as DescribeWarmPool shows it. */
static struct json_object *fleet_warm_json(struct fleet_group *fg)
{
	struct json_object *w = json_object_new_object(), *r = json_object_new_object();

	fleet_add(w, "MinSize", json_object_new_int((int)fg->g.warm.min_size));
	if (fg->g.warm.max_prepared >= 0)
		fleet_add(w, "MaxGroupPreparedCapacity",
			  json_object_new_int((int)fg->g.warm.max_prepared));
	fleet_add(w, "PoolState",
		  json_object_new_string(fg->g.warm.running ? "Running" : "Stopped"));
	fleet_add(r, "ReuseOnScaleIn", json_object_new_boolean(fg->g.warm.reuse_on_scale_in));
	fleet_add(w, "InstanceReusePolicy", r);
	/* an xlb addition: the size the pool is kept at now */
	fleet_add(w, "XlbTargetSize", json_object_new_int((int)asg_warm_size(&fg->g)));
	return w;
}

int fleet_view_warm_pool(struct fleet *f, const char *group, struct json_object **out)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	struct json_object *data, *a;
	size_t i;

	if (!fg)
		return -ENOENT;
	data = json_object_new_object();
	a = json_object_new_array();
	if (fg->g.warm.enabled)
		fleet_add(data, "WarmPoolConfiguration", fleet_warm_json(fg));
	for (i = 0; i < fg->g.ninst; i++) {
		const struct asg_instance *in = &fg->g.inst[i];

		if (asg_is_warm(in->state))
			json_object_array_add(a,
					      fleet_inst_json(fg, in, fleet_inst_find(fg, in->id)));
	}
	fleet_add(data, "Instances", a);
	*out = data;
	return 0;
}

int fleet_view_hooks(struct fleet *f, const char *group, struct json_object **out)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	struct json_object *data, *a;
	size_t i;

	if (!fg)
		return -ENOENT;
	data = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < fg->g.nhooks; i++) {
		const struct asg_hook *h = &fg->g.hooks[i];
		struct json_object *o = json_object_new_object();

		fleet_add(o, "LifecycleHookName", json_object_new_string(h->name));
		fleet_add(o, "AutoScalingGroupName", json_object_new_string(fg->g.name));
		fleet_add(o, "LifecycleTransition",
			  json_object_new_string(asg_hook_transition_name(h->transition)));
		if (h->metadata[0])
			fleet_add(o, "NotificationMetadata", json_object_new_string(h->metadata));
		/* the file's seconds; the running timeouts are these over Xlb.TimeScale */
		fleet_add(o, "HeartbeatTimeout",
			  json_object_new_int64(
				  (int64_t)((double)h->heartbeat_ms * f->time_scale / 1000 + 0.5)));
		fleet_add(o, "GlobalTimeout",
			  json_object_new_int64(
				  (int64_t)((double)h->global_ms * f->time_scale / 1000 + 0.5)));
		fleet_add(o, "DefaultResult",
			  json_object_new_string(asg_hook_result_name(h->default_result)));
		json_object_array_add(a, o);
	}
	fleet_add(data, "LifecycleHooks", a);
	*out = data;
	return 0;
}

/* SuspendedProcesses, MaxInstanceLifetime, DefaultInstanceWarmup. */
static void fleet_group_more_json(struct fleet_group *fg, struct json_object *o)
{
	struct json_object *a = json_object_new_array(), *p;
	char when[64], reason[96];
	size_t i;

	for (i = 0; a && i < ASG_PROC_MAX; i++) {
		if (!asg_suspended(&fg->g, (enum asg_process)i))
			continue;
		p = json_object_new_object();
		fleet_add(p, "ProcessName", json_object_new_string(asg_process_name(i)));
		fleet_iso(fg->suspended_at[i], when, sizeof(when));
		snprintf(reason, sizeof(reason), "User suspended at %s", when);
		fleet_add(p, "SuspensionReason", json_object_new_string(reason));
		json_object_array_add(a, p);
	}
	fleet_add(o, "SuspendedProcesses", a);
	if (fg->lifetime_s)
		fleet_add(o, "MaxInstanceLifetime", json_object_new_int64(fg->lifetime_s));
	if (fg->warmup_s >= 0)
		fleet_add(o, "DefaultInstanceWarmup", json_object_new_int64(fg->warmup_s));
	fleet_add(o, "NewInstancesProtectedFromScaleIn",
		  json_object_new_boolean(fg->g.protect_new));
}

static struct json_object *fleet_group_json(struct fleet_group *fg)
{
	struct json_object *o = json_object_new_object(), *a, *lt;
	char buf[64];
	size_t i;

	if (!o)
		return NULL;
	fleet_add(o, "AutoScalingGroupName", json_object_new_string(fg->g.name));
	fleet_add(o, "AutoScalingGroupARN", json_object_new_string(fg->arn));
	if (fg->launch_kind == MODEL_LAUNCH_TEMPLATE) {
		lt = json_object_new_object();
		fleet_add(lt, "LaunchTemplateName", json_object_new_string(fg->g.launch.name));
		snprintf(buf, sizeof(buf), "%u", fg->launch_version);
		fleet_add(lt, "Version", json_object_new_string(buf));
		fleet_add(o, "LaunchTemplate", lt);
	} else {
		fleet_add(o, "LaunchConfigurationName", json_object_new_string(fg->launch_label));
	}
	fleet_add(o, "MinSize", json_object_new_int((int)fg->g.min_size));
	fleet_add(o, "MaxSize", json_object_new_int((int)fg->g.max_size));
	fleet_add(o, "DesiredCapacity", json_object_new_int((int)fg->g.desired));
	fleet_add(o, "DefaultCooldown", json_object_new_int((int)fg->cooldown_s));
	fleet_add(o, "HealthCheckType",
		  json_object_new_string(fg->g.hc_type == MODEL_ASG_HC_ELB ? "ELB" : "EC2"));
	fleet_add(o, "HealthCheckGracePeriod", json_object_new_int((int)(fg->g.grace_ms / 1000)));
	a = json_object_new_array();
	for (i = 0; i < fg->ntgs; i++)
		json_object_array_add(a, json_object_new_string(fg->tgs[i]));
	fleet_add(o, "TargetGroupARNs", a);
	a = json_object_new_array();
	for (i = 0; i < fg->g.nterm; i++)
		json_object_array_add(a,
				      json_object_new_string(asg_termination_name(fg->g.term[i])));
	if (!fg->g.nterm)
		json_object_array_add(a, json_object_new_string("Default"));
	fleet_add(o, "TerminationPolicies", a);
	fleet_iso(fg->created, buf, sizeof(buf));
	fleet_add(o, "CreatedTime", json_object_new_string(buf));
	a = json_object_new_array();
	for (i = 0; i < fg->g.ninst; i++) {
		const struct asg_instance *in = &fg->g.inst[i];
		struct fleet_inst *fi = fleet_inst_find(fg, in->id);
		struct json_object *io;

		if (asg_is_warm(in->state))
			continue; /* describe-warm-pool lists those, as AWS does */
		io = fleet_inst_json(fg, in, fi);
		json_object_array_add(a, io);
	}
	fleet_add(o, "Instances", a);
	fleet_add(o, "Tags", json_object_get(fg->tags));
	if (fg->g.warm.enabled) {
		fleet_add(o, "WarmPoolConfiguration", fleet_warm_json(fg));
		fleet_add(o, "WarmPoolSize", json_object_new_int((int)asg_warm_count(&fg->g)));
	}
	fleet_group_more_json(fg, o);
	return o;
}

static struct json_object *fleet_inst_json(struct fleet_group *fg, const struct asg_instance *in,
					   struct fleet_inst *fi)
{
	struct json_object *io = json_object_new_object();

	(void)fg;
	fleet_add(io, "InstanceId", json_object_new_string(in->id));
	fleet_add(io, "InstanceType", json_object_new_string(fi ? fi->itype : ""));
	fleet_add(io, "LifecycleState", json_object_new_string(asg_lifecycle_name(in->state)));
	fleet_add(io, "HealthStatus", json_object_new_string(asg_health_name(in->health)));
	if (fi)
		fleet_add(io, "PrivateIpAddress", json_object_new_string(fi->ip));
	if (fi && fi->ip6[0])
		fleet_add(io, "Ipv6Address", json_object_new_string(fi->ip6));
	fleet_add(io, "LaunchConfigurationName", json_object_new_string(in->launch.name));
	fleet_add(io, "ProtectedFromScaleIn", json_object_new_boolean(in->protected_from_scale_in));
	/* an xlb addition: the tags it got at launch (PropagateAtLaunch), as
	 * describe-instances shows them on EC2
	 */
	if (fi && fi->tags)
		fleet_add(io, "Tags", json_object_get(fi->tags));
	return io;
}

int fleet_view_describe(struct fleet *f, const char *const *names, size_t n,
			struct json_object **out)
{
	struct json_object *data = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *warn = json_object_new_array();
	char buf[512];
	size_t i;

	if (!data || !arr || !warn) {
		json_object_put(data);
		json_object_put(arr);
		json_object_put(warn);
		return -ENOMEM;
	}
	for (i = 0; names && i < n; i++) {
		if (!fleet_group_find(f, names[i])) {
			json_object_put(data);
			json_object_put(arr);
			json_object_put(warn);
			return -ENOENT;
		}
	}
	for (i = 0; i < f->ngroups; i++) {
		struct fleet_group *fg = f->groups[i];
		size_t j;

		for (j = 0; names && j < n && fleet_group_find(f, names[j]) != fg; j++)
			;
		if (names && j == n)
			continue;
		json_object_array_add(arr, fleet_group_json(fg));
		if (asg_warning(&fg->g, buf, sizeof(buf)) > 0)
			json_object_array_add(warn, json_object_new_string(buf));
	}
	fleet_add(data, "AutoScalingGroups", arr);
	if (json_object_array_length(warn))
		fleet_add(data, "Warnings", warn);
	else
		json_object_put(warn);
	*out = data;
	return 0;
}

int fleet_view_activities(struct fleet *f, const char *group, size_t max, struct json_object **out)
{
	struct json_object *data, *all, *acts;
	const struct activity **v;
	size_t i, j, n = 0, total = 0;

	if (group && group[0]) {
		struct fleet_group *fg = fleet_group_find(f, group);

		if (!fg)
			return -ENOENT;
		*out = activity_log_json(&fg->log, max);
		return *out ? 0 : -ENOMEM;
	}
	/* every group's, newest first */
	for (i = 0; i < f->ngroups; i++)
		total += f->groups[i]->log.n;
	v = calloc(total + 1, sizeof(*v));
	data = json_object_new_object();
	all = json_object_new_array();
	if (!v || !data || !all) {
		free(v);
		json_object_put(data);
		json_object_put(all);
		return -ENOMEM;
	}
	for (i = 0; i < f->ngroups; i++)
		for (j = 0; j < f->groups[i]->log.n; j++)
			v[n++] = activity_get(&f->groups[i]->log, j);
	for (i = 1; i < n; i++) {
		const struct activity *a = v[i];

		for (j = i; j > 0 && v[j - 1]->start_ms < a->start_ms; j--)
			v[j] = v[j - 1];
		v[j] = a;
	}
	for (i = 0; i < n && (!max || i < max); i++)
		json_object_array_add(all, activity_json(v[i]));
	free(v);
	acts = all;
	fleet_add(data, "Activities", acts);
	*out = data;
	return 0;
}

int fleet_view_console(struct fleet *f, const char *id, struct json_object **out)
{
	struct json_object *data;
	char when[64], *buf;
	size_t len = 0;
	int err;

	buf = malloc(LAUNCHER_CONSOLE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	err = launcher_console(f->launcher, id, buf, LAUNCHER_CONSOLE_MAX + 1, &len);
	if (err) {
		free(buf);
		return err;
	}
	data = json_object_new_object();
	if (!data) {
		free(buf);
		return -ENOMEM;
	}
	fleet_add(data, "InstanceId", json_object_new_string(id));
	fleet_iso((int64_t)time(NULL), when, sizeof(when));
	fleet_add(data, "Timestamp", json_object_new_string(when));
	fleet_add(data, "Output", json_object_new_string_len(buf, (int)len));
	free(buf);
	*out = data;
	return 0;
}

static void fleet_counts(const struct fleet_group *fg, uint32_t c[ASG_LIFECYCLE_MAX])
{
	size_t i;

	memset(c, 0, sizeof(uint32_t) * ASG_LIFECYCLE_MAX);
	for (i = 0; i < fg->g.ninst; i++)
		c[fg->g.inst[i].state]++;
	/* a lifecycle hook's wait is still Pending or Terminating for these counts */
	c[ASG_PENDING] += c[ASG_PENDING_WAIT] + c[ASG_PENDING_PROCEED];
	c[ASG_TERMINATING] += c[ASG_TERMINATING_WAIT] + c[ASG_TERMINATING_PROCEED];
}

void fleet_view_status(struct fleet *f, struct json_object *groups, struct json_object *warnings)
{
	uint32_t c[ASG_LIFECYCLE_MAX];
	char buf[512];
	size_t i;

	for (i = 0; i < f->ngroups; i++) {
		struct fleet_group *fg = f->groups[i];
		struct json_object *o = json_object_new_object();

		fleet_counts(fg, c);
		fleet_add(o, "AutoScalingGroupName", json_object_new_string(fg->g.name));
		fleet_add(o, "MinSize", json_object_new_int((int)fg->g.min_size));
		fleet_add(o, "MaxSize", json_object_new_int((int)fg->g.max_size));
		fleet_add(o, "DesiredCapacity", json_object_new_int((int)fg->g.desired));
		fleet_add(o, "InService", json_object_new_int((int)c[ASG_IN_SERVICE]));
		fleet_add(o, "Pending", json_object_new_int((int)c[ASG_PENDING]));
		fleet_add(o, "Terminating", json_object_new_int((int)c[ASG_TERMINATING]));
		if (fg->g.warm.enabled)
			fleet_add(o, "WarmPoolSize",
				  json_object_new_int((int)asg_warm_count(&fg->g)));
		fleet_add(o, "Standby", json_object_new_int((int)c[ASG_STANDBY]));
		json_object_array_add(groups, o);
		if (warnings && asg_warning(&fg->g, buf, sizeof(buf)) > 0)
			json_object_array_add(warnings, json_object_new_string(buf));
	}
}

void fleet_view_metrics(struct fleet *f, struct promhttp_buf *b)
{
	static const struct {
		const char *name, *help;
	} m[] = {
		{ "xlb_asg_min_size", "The group's MinSize" },
		{ "xlb_asg_max_size", "The group's MaxSize" },
		{ "xlb_asg_desired_capacity", "The group's DesiredCapacity" },
		{ "xlb_asg_in_service_instances", "Instances InService" },
		{ "xlb_asg_pending_instances", "Instances Pending" },
		{ "xlb_asg_terminating_instances",
		  "Instances Terminating (draining, then removed)" },
	};
	static const struct {
		const char *name, *help;
	} gm[] = {
		/* the samples as metrics.c gives them: CPU in percent, the counts per second (the
		 * alarms turn them into AWS's counts per period, which these are not)
		 */
		{ "xlb_asg_cpu_utilization_percent",
		  "ASGAverageCPUUtilization: percent of the cgroup CPU quota used over the last "
		  "MetricsIntervalSeconds, averaged over InService instances out of warm-up" },
		{ "xlb_asg_network_in_bytes",
		  "ASGAverageNetworkIn: bytes per second the datapath sent to an instance over the "
		  "last MetricsIntervalSeconds, averaged over the instances (not per period)" },
		{ "xlb_asg_network_out_bytes",
		  "ASGAverageNetworkOut: nat reply bytes per second from an instance over the last "
		  "MetricsIntervalSeconds, averaged over the instances (not per period)" },
		{ "xlb_asg_request_count_per_target",
		  "ALBRequestCountPerTarget: new flows (connections, not HTTP requests) per second "
		  "per instance over the last MetricsIntervalSeconds (not per minute)" },
	};
	uint32_t c[ASG_LIFECYCLE_MAX];
	size_t i, k;

	for (k = 0; k < sizeof(gm) / sizeof(gm[0]); k++) {
		promhttp_family(b, gm[k].name, PROMHTTP_GAUGE, gm[k].help);
		for (i = 0; i < f->ngroups; i++) {
			const struct fleet_group *fg = f->groups[i];
			const struct metrics_group *mg = &fg->metrics;
			double v = k == 0 ? mg->cpu :
				   k == 1 ? mg->net_in :
				   k == 2 ? mg->net_out :
					    mg->requests_per_target;

			if (fg->metrics_at && !isnan(v))
				promhttp_sample(b, gm[k].name, v, "group", fg->g.name,
						PROMHTTP_END);
		}
	}
	promhttp_family(b, "xlb_scaling_alarm", PROMHTTP_GAUGE,
			"1 when the alarm is in state ALARM (its state as a label)");
	for (i = 0; i < f->ngroups; i++) {
		const struct fleet_group *fg = f->groups[i];

		for (k = 0; fg->se && k < scaling_alarm_count(fg->se); k++) {
			enum scaling_alarm_state st = scaling_alarm_state(fg->se, k);

			promhttp_sample(b, "xlb_scaling_alarm", st == SCALING_ALARM, "group",
					fg->g.name, "alarm", scaling_alarm_name(fg->se, k), "state",
					scaling_state_name(st), PROMHTTP_END);
		}
	}
	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		promhttp_family(b, m[k].name, PROMHTTP_GAUGE, m[k].help);
		for (i = 0; i < f->ngroups; i++) {
			const struct fleet_group *fg = f->groups[i];
			uint32_t v[] = { fg->g.min_size, fg->g.max_size, fg->g.desired, 0, 0, 0 };

			fleet_counts(fg, c);
			v[3] = c[ASG_IN_SERVICE];
			v[4] = c[ASG_PENDING];
			v[5] = c[ASG_TERMINATING];
			promhttp_sample(b, m[k].name, v[k], "group", fg->g.name, PROMHTTP_END);
		}
	}
}

int fleet_view_metric_stats(struct fleet *f, const char *group, struct json_object **out)
{
	struct json_object *data = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	if (!data || !arr) {
		json_object_put(data);
		json_object_put(arr);
		return -ENOMEM;
	}
	if (group && group[0] && !fleet_group_find(f, group)) {
		json_object_put(data);
		json_object_put(arr);
		return -ENOENT;
	}
	for (i = 0; i < f->ngroups; i++) {
		struct fleet_group *fg = f->groups[i];
		struct json_object *o = fg->se ? scaling_json(fg->se) : NULL, *cur;
		const struct metrics_group *mg = &fg->metrics;
		uint32_t c[ASG_LIFECYCLE_MAX];
		size_t healthy = 0, j, k;

		if (group && group[0] && fleet_group_find(f, group) != fg)
			continue;
		if (!o)
			o = json_object_new_object();
		fleet_counts(fg, c);
		for (j = 0; j < fg->ninst; j++) {
			for (k = 0; k < fg->ntgs; k++) {
				const struct health_target *h = ctl_target_health(
					f->ctl, fg->tgs[k],
					fleet_inst_addr(f, &fg->inst[j], fg->tgs[k]));

				if (h && h->state == HEALTH_HEALTHY) {
					healthy++;
					break;
				}
			}
		}
		fleet_add(o, "AutoScalingGroupName", json_object_new_string(fg->g.name));
		cur = json_object_new_object();
		fleet_add(cur, "DesiredCapacity", json_object_new_int((int)fg->g.desired));
		fleet_add(cur, "MinSize", json_object_new_int((int)fg->g.min_size));
		fleet_add(cur, "MaxSize", json_object_new_int((int)fg->g.max_size));
		fleet_add(cur, "InService", json_object_new_int((int)c[ASG_IN_SERVICE]));
		fleet_add(cur, "Pending", json_object_new_int((int)c[ASG_PENDING]));
		fleet_add(cur, "Terminating", json_object_new_int((int)c[ASG_TERMINATING]));
		fleet_add(cur, "Healthy", json_object_new_int((int)healthy));
		fleet_add(cur, "InstancesCounted", json_object_new_int((int)mg->counted));
		if (fg->metrics_at && !isnan(mg->cpu))
			fleet_add(cur, "ASGAverageCPUUtilization", json_object_new_double(mg->cpu));
		if (fg->metrics_at && !isnan(mg->net_in))
			fleet_add(cur, "ASGAverageNetworkIn", json_object_new_double(mg->net_in));
		if (fg->metrics_at && !isnan(mg->net_out))
			fleet_add(cur, "ASGAverageNetworkOut", json_object_new_double(mg->net_out));
		if (fg->metrics_at && !isnan(mg->requests_per_target))
			fleet_add(cur, "ALBRequestCountPerTarget",
				  json_object_new_double(mg->requests_per_target));
		fleet_add(cur, "IntervalSeconds",
			  json_object_new_double((double)f->metrics_ms / 1000));
		fleet_add(o, "Current", cur);
		json_object_array_add(arr, o);
	}
	fleet_add(data, "Groups", arr);
	*out = data;
	return 0;
}

/* A time of `now`'s clock on the wall clock, ISO. */
static void fleet_view_when(const struct fleet_group *fg, uint64_t t, char *buf, size_t len)
{
	activity_time((uint64_t)((int64_t)t + fg->g.wall_offset_ms), false, buf, len);
}

static struct json_object *fleet_refresh_json(const struct fleet_group *fg,
					      const struct asg_refresh *r)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();
	char buf[64];

	if (!o || !p) {
		json_object_put(o);
		json_object_put(p);
		return NULL;
	}
	fleet_add(o, "InstanceRefreshId", json_object_new_string(r->id));
	fleet_add(o, "AutoScalingGroupName", json_object_new_string(fg->g.name));
	fleet_add(o, "Status", json_object_new_string(asg_refresh_status_name(r->status)));
	if (r->reason[0])
		fleet_add(o, "StatusReason", json_object_new_string(r->reason));
	fleet_view_when(fg, r->start, buf, sizeof(buf));
	fleet_add(o, "StartTime", json_object_new_string(buf));
	if (r->end) {
		fleet_view_when(fg, r->end, buf, sizeof(buf));
		fleet_add(o, "EndTime", json_object_new_string(buf));
	}
	fleet_add(o, "PercentageComplete", json_object_new_int((int)r->pct));
	fleet_add(o, "InstancesToUpdate", json_object_new_int((int)r->remaining));
	fleet_add(p, "MinHealthyPercentage", json_object_new_int((int)r->min_pct));
	fleet_add(p, "MaxHealthyPercentage", json_object_new_int((int)r->max_pct));
	fleet_add(p, "InstanceWarmup", json_object_new_int((int)r->warmup_s));
	fleet_add(p, "SkipMatching", json_object_new_boolean(r->skip_matching));
	fleet_add(p, "ScaleInProtectedInstances", json_object_new_string("Ignore"));
	fleet_add(p, "StandbyInstances", json_object_new_string("Ignore"));
	fleet_add(o, "Preferences", p);
	fleet_add(o, "Strategy", json_object_new_string("Rolling"));
	return o;
}

int fleet_view_refreshes(struct fleet *f, const char *group, const char *const *ids, size_t nids,
			 size_t max, struct json_object **out)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	struct json_object *data, *arr;
	size_t i, j;

	if (!fg)
		return -ENOENT;
	if (api_data_list("InstanceRefreshes", &data, &arr))
		return -ENOMEM;
	for (i = 0; i < fg->g.nrefresh && (!max || json_object_array_length(arr) < max); i++) {
		for (j = 0; j < nids && strcmp(ids[j], fg->g.refresh[i].id); j++)
			;
		if (nids && j == nids)
			continue;
		json_object_array_add(arr, fleet_refresh_json(fg, &fg->g.refresh[i]));
	}
	*out = data;
	return 0;
}
