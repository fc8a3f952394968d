// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Scaling policies (simple, step, target tracking) and scheduled actions: checked and kept for
 * the scaling code.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cron.h"
#include "cfg_internal.h"

const char *const cfg_policy_types[] = { "SimpleScaling", "StepScaling", "TargetTrackingScaling",
					 "PredictiveScaling", NULL };
const char *const cfg_metrics[] = { "ASGAverageCPUUtilization", "ASGAverageNetworkIn",
				    "ASGAverageNetworkOut", "ALBRequestCountPerTarget", NULL };

char *cfg_raw(struct cfg *c, struct json_object *o)
{
	return cfg_strdup(c, json_object_to_json_string_ext(
				     o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int cfg_step_cmp(const void *a, const void *b)
{
	const struct model_step *x = a, *y = b;

	if (!x->has_lower || !y->has_lower)
		return (int)x->has_lower - (int)y->has_lower; /* no lower bound: -infinity */
	return x->lower < y->lower ? -1 : x->lower > y->lower;
}

static void cfg_steps(struct cfg *c, struct json_object *o, struct model_policy *p)
{
	static const char *const typed[] = { "MetricIntervalLowerBound", "MetricIntervalUpperBound",
					     "ScalingAdjustment", NULL };
	struct json_object *arr;
	struct model_step *sorted;
	size_t i;
	int before = c->err->count;

	if (cfg_need(c, o, "StepAdjustments",
		     cfg_array(c, o, "StepAdjustments", "step adjustment objects", &arr),
		     "a list of step adjustments") != CFG_OK)
		return;
	cfg_in(c, "StepAdjustments");
	if (!json_object_array_length(arr))
		cfg_error(c, "expected at least one step adjustment, got an empty list");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		struct model_step st = { 0 }, *slot;
		int64_t adj;

		cfg_at(c, i);
		if (!cfg_is_object(c, s, "a step adjustment object"))
			goto next;
		st.has_lower = cfg_double(c, s, "MetricIntervalLowerBound", -1e15, 1e15,
					  &st.lower) == CFG_OK;
		st.has_upper = cfg_double(c, s, "MetricIntervalUpperBound", -1e15, 1e15,
					  &st.upper) == CFG_OK;
		if (cfg_need(c, s, "ScalingAdjustment",
			     cfg_int(c, s, "ScalingAdjustment", -CONFIG_MAX_CAPACITY,
				     CONFIG_MAX_CAPACITY, &adj),
			     "an integer -10000..10000") == CFG_OK)
			st.adjustment = (int32_t)adj;
		if (st.has_lower && st.has_upper && st.lower >= st.upper) {
			cfg_in(c, "MetricIntervalUpperBound");
			cfg_error(c, "expected more than MetricIntervalLowerBound (%g), got %g",
				  st.lower, st.upper);
			cfg_out(c);
		}
		cfg_finish(c, s, typed, NULL, NULL);
		if ((slot = cfg_push(c, &p->steps, &p->nsteps, sizeof(*slot))))
			*slot = st;
next:
		cfg_out(c);
	}
	/* AWS: the intervals neither overlap nor leave gaps; only the first may lack a lower
	 * bound and only the last an upper one
	 */
	if (c->err->count == before && p->nsteps > 1 &&
	    (sorted = malloc(p->nsteps * sizeof(*sorted)))) {
		memcpy(sorted, p->steps, p->nsteps * sizeof(*sorted));
		qsort(sorted, p->nsteps, sizeof(*sorted), cfg_step_cmp);
		for (i = 1; i < p->nsteps; i++) {
			const struct model_step *a = &sorted[i - 1], *b = &sorted[i];

			if (!a->has_upper || !b->has_lower || a->upper != b->lower) {
				cfg_error(
					c,
					"expected step intervals that meet without overlap or gap, got one ending at %s%g and the next starting at %s%g",
					a->has_upper ? "" : "+infinity ",
					a->has_upper ? a->upper : 0,
					b->has_lower ? "" : "-infinity ",
					b->has_lower ? b->lower : 0);
				break;
			}
		}
		free(sorted);
	}
	cfg_out(c);
}

/* The target group in an ALBRequestCountPerTarget ResourceLabel,
 * "app/LB/ID/targetgroup/TG/ID" (only the target group part matters here).
 */
static void cfg_tt_label(struct cfg *c, struct json_object *spec, struct model_policy *p)
{
	struct json_object *v = cfg_member(spec, "ResourceLabel");
	const char *s, *t;
	char name[64];
	size_t n;

	if (!v) {
		if (p->asg && p->asg->ntgs == 1) {
			p->tt.tg = p->asg->tgs[0]; /* the group's only target group */
			return;
		}
		cfg_missing(
			c, "ResourceLabel",
			"app/LOAD-BALANCER/ID/targetgroup/TARGET-GROUP/ID (required when the group has %s target group)",
			p->asg && p->asg->ntgs ? "more than one" : "no");
		return;
	}
	cfg_in(c, "ResourceLabel");
	if (cfg_v_str(c, v, 1, 1023, "a resource label", &s) != CFG_OK)
		goto out;
	p->tt.resource_label = cfg_strdup(c, s);
	t = strstr(s, "targetgroup/");
	n = t ? strcspn(t + 12, "/") : 0;
	if (!t || !n || n >= sizeof(name)) {
		cfg_error(c, "expected app/LOAD-BALANCER/ID/targetgroup/TARGET-GROUP/ID, got %s",
			  GOT(c, v));
		goto out;
	}
	memcpy(name, t + 12, n);
	name[n] = '\0';
	p->tt.tg = FIND(c->m->tgs, c->m->ntgs, name);
	if (!p->tt.tg)
		cfg_error(c, "expected a target group of this file (%s), got %s",
			  KNOWN(c->m->tgs, c->m->ntgs), GOT(c, v));
out:
	cfg_out(c);
}

static void cfg_tt(struct cfg *c, struct json_object *o, struct model_policy *p)
{
	static const char *const typed[] = { "PredefinedMetricSpecification",
					     "CustomizedMetricSpecification",
					     "TargetValue",
					     "DisableScaleIn",
					     "XlbScaleOutEvaluationPeriods",
					     "XlbScaleInEvaluationPeriods",
					     NULL };
	static const char *const spec_typed[] = { "PredefinedMetricType", "ResourceLabel", NULL };
	static const struct cfg_choice metric_choice = { cfg_metrics, NULL, NULL, false };
	struct json_object *tt = cfg_member(o, "TargetTrackingConfiguration"), *spec;
	size_t i;
	int e;

	if (!tt) {
		cfg_missing(c, "TargetTrackingConfiguration",
			    "an object with TargetValue and PredefinedMetricSpecification");
		return;
	}
	cfg_in(c, "TargetTrackingConfiguration");
	if (!cfg_is_object(c, tt, "an object with TargetValue and PredefinedMetricSpecification"))
		goto out;
	if (cfg_need(c, tt, "TargetValue",
		     cfg_double(c, tt, "TargetValue", 0, 1e12, &p->tt.target_value),
		     "the value to hold the metric at, a number above 0") == CFG_OK &&
	    p->tt.target_value <= 0) {
		cfg_in(c, "TargetValue");
		cfg_error(c, "expected a number above 0, got %s",
			  GOT(c, cfg_member(tt, "TargetValue")));
		cfg_out(c);
	}
	cfg_bool(c, tt, "DisableScaleIn", &p->tt.disable_scale_in);
	cfg_u32(c, tt, "XlbScaleOutEvaluationPeriods", 1, 1440, &p->tt_out_periods);
	cfg_u32(c, tt, "XlbScaleInEvaluationPeriods", 1, 1440, &p->tt_in_periods);
	if ((spec = cfg_member(tt, "PredefinedMetricSpecification"))) {
		cfg_in(c, "PredefinedMetricSpecification");
		if (cfg_is_object(c, spec, "an object with PredefinedMetricType")) {
			if (cfg_need(
				    c, spec, "PredefinedMetricType",
				    cfg_enum(c, spec, "PredefinedMetricType", &metric_choice, &e),
				    "one of ASGAverageCPUUtilization, ASGAverageNetworkIn, ASGAverageNetworkOut, ALBRequestCountPerTarget") ==
			    CFG_OK)
				p->tt.metric = (enum model_metric)(e + MODEL_METRIC_ASG_CPU);
			if (p->tt.metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET) {
				cfg_tt_label(c, spec, p);
				for (i = 0; p->tt.tg && p->asg && i < p->asg->ntgs; i++)
					if (p->asg->tgs[i] == p->tt.tg)
						break;
				if (p->tt.tg && p->asg && i == p->asg->ntgs) {
					cfg_error(
						c,
						"expected a target group attached to group %s, got %s (its requests say nothing about %s)",
						p->asg->name, p->tt.tg->name, p->asg->name);
				}
			} else if (cfg_member(spec, "ResourceLabel")) {
				cfg_in(c, "ResourceLabel");
				cfg_warn_key(
					c,
					"ignored: only ALBRequestCountPerTarget takes a resource label");
				cfg_out(c);
			}
			if (p->tt.metric == MODEL_METRIC_ASG_CPU && p->tt.target_value > 100) {
				cfg_in(c, "PredefinedMetricType");
				cfg_warn(
					c,
					"a CPU utilization target above 100%% is never reached: this policy only scales in");
				cfg_out(c);
			}
			cfg_finish(c, spec, spec_typed, NULL, NULL);
		}
		cfg_out(c);
	} else if (cfg_member(tt, "CustomizedMetricSpecification")) {
		p->tt.metric = MODEL_METRIC_CUSTOM;
		cfg_in(c, "CustomizedMetricSpecification");
		cfg_warn_key(
			c,
			"kept, but xlb has no CloudWatch to read it from: this policy never acts");
		cfg_out(c);
	} else {
		cfg_missing(
			c, "PredefinedMetricSpecification",
			"{\"PredefinedMetricType\": \"ASGAverageCPUUtilization\"} or another predefined metric");
	}
	cfg_finish(c, tt, typed, NULL, NULL);
out:
	cfg_out(c);
}

static const char *const cfg_policy_typed[] = { "AutoScalingGroupName",
						"PolicyName",
						"PolicyARN",
						"PolicyType",
						"AdjustmentType",
						"MinAdjustmentStep",
						"MinAdjustmentMagnitude",
						"ScalingAdjustment",
						"Cooldown",
						"MetricAggregationType",
						"StepAdjustments",
						"EstimatedInstanceWarmup",
						"TargetTrackingConfiguration",
						"Enabled",
						"PredictiveScalingConfiguration",
						NULL };
static const char *const cfg_policy_kept[] = { "Alarms", "AutoScalingGroupARN", NULL };

/* A policy's name is unique within its group. */
static void cfg_policy_unique(struct cfg *c, const struct model_policy *p, size_t idx)
{
	struct model *m = c->m;
	size_t j;

	for (j = 0; j < idx && p->name && p->asg; j++) {
		if (m->policies[j].asg == p->asg && m->policies[j].name &&
		    !strcmp(m->policies[j].name, p->name)) {
			cfg_in(c, "PolicyName");
			cfg_error(
				c,
				"expected a policy name unique within group %s, got \"%s\" again (also $.ScalingPolicies[%zu] at line %d)",
				p->asg->name, p->name, j, cfg_line_of(c, "ScalingPolicies", j));
			cfg_out(c);
		}
	}
}

/* PolicyType (SimpleScaling by default), and no member that another type takes. */
static void cfg_policy_type(struct cfg *c, struct json_object *o, struct model_policy *p)
{
	static const struct cfg_choice type_choice = { cfg_policy_types, NULL, NULL, false };
	/* which members each type takes, as bits of 1 << enum model_policy_type */
	static const struct {
		const char *key;
		unsigned int types;
	} only[] = {
		{ "AdjustmentType", 3 },
		{ "MinAdjustmentMagnitude", 3 },
		{ "MinAdjustmentStep", 3 },
		{ "ScalingAdjustment", 1 },
		{ "Cooldown", 1 },
		{ "MetricAggregationType", 2 },
		{ "StepAdjustments", 2 },
		{ "EstimatedInstanceWarmup", 6 },
		{ "TargetTrackingConfiguration", 4 },
		{ "PredictiveScalingConfiguration", 8 },
	};
	size_t i;
	int e;

	p->type = MODEL_POLICY_SIMPLE; /* AWS's default PolicyType */
	if (cfg_enum(c, o, "PolicyType", &type_choice, &e) == CFG_OK)
		p->type = (enum model_policy_type)e;
	for (i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
		if (!cfg_member(o, only[i].key) || (only[i].types & (1u << p->type)))
			continue;
		cfg_in(c, only[i].key);
		cfg_error(c, "not used by %s policies: expected no %s here",
			  cfg_policy_types[p->type], only[i].key);
		cfg_out(c);
	}
}

/* AdjustmentType and MinAdjustmentMagnitude (or its old name MinAdjustmentStep); returns whether
 * AdjustmentType was given and valid.
 */
static bool cfg_policy_adjustment(struct cfg *c, struct json_object *o, struct model_policy *p)
{
	static const char *const adjs[] = { "ChangeInCapacity", "ExactCapacity",
					    "PercentChangeInCapacity", NULL };
	static const struct cfg_choice adj_choice = { adjs, NULL, NULL, false };
	bool adj_given;
	int64_t x;
	size_t i;
	int e;

	adj_given = cfg_enum(c, o, "AdjustmentType", &adj_choice, &e) == CFG_OK;
	if (adj_given)
		p->adjustment_type = (enum model_adjustment)e;
	for (i = 0; i < 2; i++) {
		const char *k = i ? "MinAdjustmentStep" : "MinAdjustmentMagnitude";

		if (cfg_int(c, o, k, 1, CONFIG_MAX_CAPACITY, &x) != CFG_OK)
			continue;
		p->min_adjustment_magnitude = (int32_t)x;
		if (p->adjustment_type != MODEL_ADJ_PERCENT_CHANGE_IN_CAPACITY) {
			cfg_in(c, k);
			cfg_error(c, "expected no %s: it applies to PercentChangeInCapacity only",
				  k);
			cfg_out(c);
		}
	}
	return adj_given;
}

/* What only one type takes: the adjustment of simple and step policies, the target tracking
 * configuration, the warning that predictive policies do nothing here.
 */
static void cfg_policy_by_type(struct cfg *c, struct json_object *o, struct model_policy *p,
			       bool adj_given)
{
	int64_t x;

	switch (p->type) {
	case MODEL_POLICY_SIMPLE:
	case MODEL_POLICY_STEP:
		if (!adj_given && !cfg_member(o, "AdjustmentType"))
			cfg_missing(
				c, "AdjustmentType",
				"one of ChangeInCapacity, ExactCapacity, PercentChangeInCapacity");
		if (p->type == MODEL_POLICY_STEP) {
			cfg_steps(c, o, p);
		} else if (cfg_need(c, o, "ScalingAdjustment",
				    cfg_int(c, o, "ScalingAdjustment", -CONFIG_MAX_CAPACITY,
					    CONFIG_MAX_CAPACITY, &x),
				    "an integer -10000..10000") == CFG_OK) {
			p->scaling_adjustment = (int32_t)x;
		}
		break;
	case MODEL_POLICY_TARGET_TRACKING:
		cfg_tt(c, o, p);
		break;
	case MODEL_POLICY_PREDICTIVE:
		cfg_in(c, "PolicyType");
		cfg_warn_key(
			c,
			"kept, but nothing forecasts load here: this policy never changes capacity");
		cfg_out(c);
		break;
	}
}

void cfg_policy(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "PolicyName", NULL };
	static const char *const aggs[] = { "Average", "Minimum", "Maximum", NULL };
	static const struct cfg_choice agg_choice = { aggs, NULL, NULL, false };
	struct model *m = c->m;
	struct model_policy *p = cfg_push(c, &m->policies, &m->npolicies, sizeof(*p));
	bool adj_given;
	int e;

	if (!p || !cfg_is_object(c, o, "a scaling policy object"))
		return;
	p->raw = cfg_raw(c, o);
	p->name = cfg_obj_name(c, o, names, "PolicyARN", CONFIG_ARN_POLICY, CFG_NAME_ASG,
			       "a scaling policy");
	p->asg = cfg_asg_member(c, o, "AutoScalingGroupName");
	cfg_policy_unique(c, p, idx);
	cfg_policy_type(c, o, p);
	p->enabled = true;
	cfg_bool(c, o, "Enabled", &p->enabled);
	p->tt_out_periods = 3; /* the alarms AWS makes: 3 of 3 minutes above, 15 of 15 below */
	p->tt_in_periods = 15;
	adj_given = cfg_policy_adjustment(c, o, p);
	p->cooldown_s = -1;
	cfg_int(c, o, "Cooldown", 0, 86400, &p->cooldown_s);
	p->warmup_s = -1;
	cfg_int(c, o, "EstimatedInstanceWarmup", 0, 86400, &p->warmup_s);
	if (cfg_enum(c, o, "MetricAggregationType", &agg_choice, &e) == CFG_OK)
		p->aggregation = (enum model_aggregation)e;
	cfg_policy_by_type(c, o, p, adj_given);
	cfg_finish(c, o, cfg_policy_typed, cfg_policy_kept, NULL);
}

static void cfg_policy_request(struct cfg *c, struct json_object *o, void *out)
{
	(void)out; /* the policy lands in the scratch model's list */
	cfg_policy(c, o, 0);
}

int config_policy_parse(const struct model *m, const char *verb, const char *text,
			struct model_policy **out, struct config_error *err)
{
	struct model scratch = *m;
	size_t i;
	int ret;

	*out = NULL;
	/* m's groups and target groups, read only; the policy lands in a list of its own */
	scratch.policies = NULL;
	scratch.npolicies = 0;
	scratch.warnings = NULL;
	scratch.nwarnings = 0;
	ret = cfg_request(&scratch, verb, text, "a scaling policy object", cfg_policy_request, NULL,
			  err);
	if (!ret && scratch.npolicies == 1) {
		*out = scratch.policies;
		return 0;
	}
	for (i = 0; i < scratch.npolicies; i++)
		cfg_policy_clear(&scratch.policies[i]);
	free(scratch.policies);
	return ret ? ret : -ENOMEM;
}

void config_policy_free(struct model_policy *p)
{
	if (!p)
		return;
	cfg_policy_clear(p);
	free(p);
}

static const char *const cfg_action_typed[] = { "ScheduledActionName",
						"AutoScalingGroupName",
						"Recurrence",
						"StartTime",
						"EndTime",
						"Time",
						"MinSize",
						"MaxSize",
						"DesiredCapacity",
						"TimeZone",
						NULL };
static const char *const cfg_action_kept[] = { "ScheduledActionARN", NULL };

static int cfg_time(struct cfg *c, struct json_object *o, const char *key, int64_t *out)
{
	const char *s;

	if (cfg_str(c, o, key, 1, 64, "a time such as \"2025-01-31T08:00:00Z\"", &s) != CFG_OK)
		return cfg_member(o, key) ? CFG_BAD : CFG_ABSENT;
	if (config_time_parse(s, out))
		return CFG_OK;
	cfg_in(c, key);
	cfg_error(c, "expected a time such as \"2025-01-31T08:00:00Z\", got %s",
		  GOT(c, cfg_member(o, key)));
	cfg_out(c);
	return CFG_BAD;
}

void cfg_action(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "ScheduledActionName", NULL };
	struct model *m = c->m;
	struct model_scheduled_action *a = cfg_push(c, &m->actions, &m->nactions, sizeof(*a));
	const char *s;
	size_t j;
	int ts, te;

	if (!a || !cfg_is_object(c, o, "a scheduled action object"))
		return;
	a->raw = cfg_raw(c, o);
	a->name =
		cfg_obj_name(c, o, names, NULL, CONFIG_ARN_ASG, CFG_NAME_ASG, "a scheduled action");
	a->asg = cfg_asg_member(c, o, "AutoScalingGroupName");
	for (j = 0; j < idx && a->name && a->asg; j++) {
		if (m->actions[j].asg == a->asg && m->actions[j].name &&
		    !strcmp(m->actions[j].name, a->name)) {
			cfg_in(c, "ScheduledActionName");
			cfg_error(
				c,
				"expected an action name unique within group %s, got \"%s\" again (also $.ScheduledActions[%zu] at line %d)",
				a->asg->name, a->name, j, cfg_line_of(c, "ScheduledActions", j));
			cfg_out(c);
		}
	}
	if (cfg_str(c, o, "Recurrence", 1, 256, "a cron expression", &s) == CFG_OK) {
		struct cron cr;
		char why[160];

		if (!cfg_cron_ok(s)) {
			cfg_in(c, "Recurrence");
			cfg_error(
				c,
				"expected a cron expression of five fields (minute hour day-of-month month day-of-week), got %s",
				GOT(c, cfg_member(o, "Recurrence")));
			cfg_out(c);
		} else if (cron_parse(s, &cr, why, sizeof(why))) {
			cfg_in(c, "Recurrence");
			cfg_error(c, "expected a cron expression: %s, got %s", why,
				  GOT(c, cfg_member(o, "Recurrence")));
			cfg_out(c);
		} else {
			a->recurrence = cfg_strdup(c, s);
		}
	}
	if (cfg_str(c, o, "TimeZone", 1, 64, "an IANA time zone such as \"Europe/Paris\"", &s) ==
	    CFG_OK) {
		if (strspn(s,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") !=
			    strlen(s) ||
		    strstr(s, "..") || s[0] == '/') {
			cfg_in(c, "TimeZone");
			cfg_error(c, "expected an IANA time zone such as \"Europe/Paris\", got %s",
				  GOT(c, cfg_member(o, "TimeZone")));
			cfg_out(c);
		} else if (strcmp(s, "UTC") && strcmp(s, "Etc/UTC") && !cron_zone_ok(s)) {
			cfg_in(c, "TimeZone");
			cfg_error(
				c,
				"expected a time zone of the TZ database (such as \"Europe/Paris\"; see /usr/share/zoneinfo), got %s",
				GOT(c, cfg_member(o, "TimeZone")));
			cfg_out(c);
		} else {
			a->time_zone = cfg_strdup(c, s);
		}
	}
	a->start_time = a->end_time = -1;
	ts = cfg_time(c, o, "StartTime", &a->start_time);
	if (ts == CFG_ABSENT)
		ts = cfg_time(c, o, "Time", &a->start_time); /* the older name */
	te = cfg_time(c, o, "EndTime", &a->end_time);
	if (ts == CFG_OK && te == CFG_OK && a->end_time <= a->start_time) {
		cfg_in(c, "EndTime");
		cfg_error(c, "expected a time after StartTime, got %s",
			  GOT(c, cfg_member(o, "EndTime")));
		cfg_out(c);
	}
	if (!cfg_member(o, "Recurrence") && ts == CFG_ABSENT)
		cfg_missing(c, "StartTime", "StartTime for a one-time action, or a Recurrence");
	a->min_size = a->max_size = a->desired = -1;
	cfg_int(c, o, "MinSize", 0, CONFIG_MAX_CAPACITY, &a->min_size);
	cfg_int(c, o, "MaxSize", 0, CONFIG_MAX_CAPACITY, &a->max_size);
	cfg_int(c, o, "DesiredCapacity", 0, CONFIG_MAX_CAPACITY, &a->desired);
	if (!cfg_member(o, "MinSize") && !cfg_member(o, "MaxSize") &&
	    !cfg_member(o, "DesiredCapacity")) {
		cfg_missing(c, "DesiredCapacity",
			    "at least one of MinSize, MaxSize, DesiredCapacity");
	} else if (a->min_size >= 0 && a->max_size >= 0 && a->min_size > a->max_size) {
		cfg_in(c, "MinSize");
		cfg_error(c, "expected at most MaxSize (%lld), got %lld", (long long)a->max_size,
			  (long long)a->min_size);
		cfg_out(c);
	} else if (a->desired >= 0 && ((a->min_size >= 0 && a->desired < a->min_size) ||
				       (a->max_size >= 0 && a->desired > a->max_size))) {
		cfg_in(c, "DesiredCapacity");
		cfg_error(c,
			  "expected an integer between this action's MinSize and MaxSize, got %lld",
			  (long long)a->desired);
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_action_typed, cfg_action_kept, NULL);
}
