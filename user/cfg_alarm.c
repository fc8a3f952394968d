// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Metric alarms in CloudWatch's PutMetricAlarm shape: the metric xlb measures for them, their
 * dimensions and the scaling policies they act on.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg_internal.h"

const char *const cfg_stats[] = { "Average", "Minimum", "Maximum", "Sum", "SampleCount", NULL };
static const char *const cfg_cmps[] = { "GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
					"LessThanThreshold", "LessThanOrEqualToThreshold", NULL };
static const char *const cfg_cmps_no[] = { "LessThanLowerOrGreaterThanUpperThreshold",
					   "LessThanLowerThreshold", "GreaterThanUpperThreshold",
					   NULL };
static const char *const cfg_missing_names[] = { "missing", "notBreaching", "breaching", "ignore",
						 NULL };

static const char *const cfg_alarm_typed[] = {
	"AlarmName",	     "MetricName",	  "Namespace",	  "Dimensions",
	"Statistic",	     "ExtendedStatistic", "Metrics",	  "Period",
	"EvaluationPeriods", "DatapointsToAlarm", "Threshold",	  "ComparisonOperator",
	"TreatMissingData",  "ActionsEnabled",	  "AlarmActions", NULL
};
static const char *const cfg_alarm_kept[] = { "AlarmDescription",
					      "AlarmArn",
					      "AlarmARN",
					      "OKActions",
					      "InsufficientDataActions",
					      "Unit",
					      "Tags",
					      "StateValue",
					      "StateReason",
					      "EvaluateLowSampleCountPercentile",
					      NULL };

#define CFG_METRIC_LIST                                                                     \
	"CPUUtilization (AWS/EC2), NetworkIn, NetworkOut (AWS/EC2), RequestCountPerTarget " \
	"(AWS/ApplicationELB), or ASGAverageCPUUtilization, ASGAverageNetworkIn, "          \
	"ASGAverageNetworkOut, ALBRequestCountPerTarget"

/* MetricName and Namespace as a user pastes them, into the metric xlb measures. */
static void cfg_alarm_metric(struct cfg *c, struct json_object *o, struct model_alarm *al)
{
	static const struct {
		const char *name, *ns;
		enum model_metric metric;
	} known[] = {
		{ "CPUUtilization", "AWS/EC2", MODEL_METRIC_ASG_CPU },
		{ "NetworkIn", "AWS/EC2", MODEL_METRIC_ASG_NETWORK_IN },
		{ "NetworkOut", "AWS/EC2", MODEL_METRIC_ASG_NETWORK_OUT },
		{ "RequestCountPerTarget", "AWS/ApplicationELB",
		  MODEL_METRIC_ALB_REQUESTS_PER_TARGET },
		{ "ASGAverageCPUUtilization", NULL, MODEL_METRIC_ASG_CPU },
		{ "ASGAverageNetworkIn", NULL, MODEL_METRIC_ASG_NETWORK_IN },
		{ "ASGAverageNetworkOut", NULL, MODEL_METRIC_ASG_NETWORK_OUT },
		{ "ALBRequestCountPerTarget", NULL, MODEL_METRIC_ALB_REQUESTS_PER_TARGET },
	};
	const char *name, *ns = NULL;
	size_t i;

	if (cfg_member(o, "Metrics") || cfg_member(o, "ExtendedStatistic")) {
		cfg_in(c, cfg_member(o, "Metrics") ? "Metrics" : "ExtendedStatistic");
		cfg_error(
			c,
			"not supported: expected one metric (MetricName) with a Statistic, as xlb measures its metrics itself");
		cfg_out(c);
		return;
	}
	if (cfg_need(c, o, "MetricName",
		     cfg_str(c, o, "MetricName", 1, 255, "a metric name", &name),
		     "one of " CFG_METRIC_LIST) != CFG_OK)
		return;
	cfg_str(c, o, "Namespace", 1, 255, "a namespace such as \"AWS/EC2\"", &ns);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(name, known[i].name))
			continue;
		if (known[i].ns && ns && strcmp(ns, known[i].ns)) {
			cfg_in(c, "Namespace");
			cfg_error(c, "expected \"%s\" for metric %s, got %s", known[i].ns, name,
				  GOT(c, cfg_member(o, "Namespace")));
			cfg_out(c);
			return;
		}
		al->metric = known[i].metric;
		return;
	}
	cfg_in(c, "MetricName");
	cfg_error(c, "expected a metric xlb measures: one of " CFG_METRIC_LIST ", got %s",
		  GOT(c, cfg_member(o, "MetricName")));
	cfg_out(c);
}

/* Dimensions: AutoScalingGroupName names the group; TargetGroup the request count's target
 * group ("targetgroup/NAME/ID" as CloudWatch writes it, or a name).
 */
static void cfg_alarm_dims(struct cfg *c, struct json_object *o, struct model_alarm *al)
{
	static const char *const typed[] = { "Name", "Value", NULL };
	struct json_object *arr;
	const char *name, *value;
	size_t i;

	if (cfg_array(c, o, "Dimensions", "{\"Name\": ..., \"Value\": ...} objects", &arr) !=
	    CFG_OK)
		return;
	cfg_in(c, "Dimensions");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);

		cfg_at(c, i);
		if (!cfg_is_object(c, d, "a {\"Name\": ..., \"Value\": ...} object") ||
		    cfg_need(c, d, "Name", cfg_str(c, d, "Name", 1, 255, "a dimension name", &name),
			     "a dimension name such as \"AutoScalingGroupName\"") != CFG_OK ||
		    cfg_need(c, d, "Value",
			     cfg_str(c, d, "Value", 1, 1024, "a dimension value", &value),
			     "the dimension's value") != CFG_OK)
			goto next;
		cfg_in(c, "Value");
		if (!strcmp(name, "AutoScalingGroupName")) {
			al->asg = cfg_v_asg(c, cfg_member(d, "Value"));
		} else if (!strcmp(name, "TargetGroup")) {
			char tg[256];
			const char *p = strncmp(value, "targetgroup/", 12) ? value : value + 12;

			snprintf(tg, sizeof(tg), "%.*s", (int)strcspn(p, "/"), p);
			al->tg = FIND(c->m->tgs, c->m->ntgs, tg);
			if (!al->tg)
				cfg_error(c, "expected a target group of this file (%s), got %s",
					  KNOWN(c->m->tgs, c->m->ntgs),
					  GOT(c, cfg_member(d, "Value")));
		} else if (strcmp(name, "LoadBalancer")) {
			cfg_warn(
				c,
				"ignored: xlb's metrics are per group (AutoScalingGroupName) or per target group (TargetGroup), not per %s",
				name);
		}
		cfg_out(c);
		cfg_finish(c, d, typed, NULL, NULL);
next:
		cfg_out(c);
	}
	cfg_out(c);
}

/* The policy an AlarmActions entry names (ARN or name); NULL after reporting, or for an action
 * that is not a policy (warned).
 */
static struct model_policy *cfg_alarm_action(struct cfg *c, struct json_object *v,
					     const struct model_alarm *al)
{
	struct model *m = c->m;
	struct model_policy *found = NULL;
	char name[512], group[256] = "";
	const char *s, *g;
	size_t i, n = 0;

	if (cfg_v_str(c, v, 1, 1600, "a scaling policy's ARN or name", &s) != CFG_OK)
		return NULL;
	if (!strncmp(s, "arn:", 4) && !strstr(s, ":autoscaling:")) {
		cfg_warn(
			c,
			"ignored: xlb sends no notifications; only scaling policies act on alarms");
		return NULL;
	}
	if (config_arn_name(s, CONFIG_ARN_POLICY, name, sizeof(name))) {
		cfg_error(c, "expected a scaling policy name or an ARN like %s, got %s",
			  cfg_arn_example(CONFIG_ARN_POLICY), GOT(c, v));
		return NULL;
	}
	g = strstr(s, ":autoScalingGroupName/");
	if (!strncmp(s, "arn:", 4) && g)
		snprintf(group, sizeof(group), "%.*s", (int)strcspn(g + 22, ":"), g + 22);
	else if (al->asg)
		snprintf(group, sizeof(group), "%s", al->asg->name);
	for (i = 0; i < m->npolicies; i++) {
		const struct model_policy *p = &m->policies[i];

		if (!p->name || !p->asg || strcmp(p->name, name) ||
		    (group[0] && strcmp(p->asg->name, group)))
			continue;
		found = &m->policies[i];
		n++;
	}
	if (!found) {
		cfg_error(c, "expected a scaling policy of this file%s%s (%s), got \"%s\"",
			  group[0] ? " in group " : "", group, KNOWN(m->policies, m->npolicies),
			  name);
		return NULL;
	}
	if (n > 1) {
		cfg_error(
			c,
			"expected one scaling policy, got a name that %zu groups use: write its ARN, or the alarm's AutoScalingGroupName dimension",
			n);
		return NULL;
	}
	if (found->type == MODEL_POLICY_TARGET_TRACKING || found->type == MODEL_POLICY_PREDICTIVE) {
		cfg_error(
			c,
			"expected a step or simple scaling policy, got %s, a %s policy (it makes its own alarms)",
			found->name, cfg_policy_types[found->type]);
		return NULL;
	}
	return found;
}

void cfg_alarm(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "AlarmName", NULL };
	static const struct cfg_choice stat_choice = { cfg_stats, NULL, NULL, false };
	static const struct cfg_choice cmp_choice = {
		cfg_cmps, cfg_cmps_no, "anomaly detection bands need CloudWatch's models", false
	};
	static const struct cfg_choice missing_choice = { cfg_missing_names, NULL, NULL, false };
	struct model *m = c->m;
	struct model_alarm *al = cfg_push(c, &m->alarms, &m->nalarms, sizeof(*al));
	struct json_object *arr;
	int64_t x;
	size_t i;
	int e;

	if (!al || !cfg_is_object(c, o, "a metric alarm object"))
		return;
	al->raw = cfg_raw(c, o);
	al->name = cfg_obj_name(c, o, names, NULL, CONFIG_ARN_ASG, CFG_NAME_ASG, "an alarm");
	DUP_NAME(c, al->name, m->alarms, idx, "MetricAlarms", "alarm");
	cfg_alarm_metric(c, o, al);
	cfg_alarm_dims(c, o, al);
	if (cfg_enum(c, o, "Statistic", &stat_choice, &e) == CFG_OK)
		al->statistic = (enum model_stat)e;
	al->period_s = 60;
	if (cfg_int(c, o, "Period", 10, 86400, &x) == CFG_OK) {
		if (x != 10 && x != 30 && x % 60) {
			cfg_in(c, "Period");
			cfg_error(c, "expected 10, 30 or a multiple of 60 seconds, got %lld",
				  (long long)x);
			cfg_out(c);
		}
		al->period_s = (uint32_t)x;
	}
	al->evaluation_periods = 1;
	if (cfg_need(c, o, "EvaluationPeriods", cfg_int(c, o, "EvaluationPeriods", 1, 1440, &x),
		     "the number of periods the alarm looks at, 1..1440") == CFG_OK)
		al->evaluation_periods = (uint32_t)x;
	al->datapoints_to_alarm = al->evaluation_periods;
	if (cfg_int(c, o, "DatapointsToAlarm", 1, 1440, &x) == CFG_OK) {
		if (x > al->evaluation_periods) {
			cfg_in(c, "DatapointsToAlarm");
			cfg_error(c, "expected at most EvaluationPeriods (%u), got %lld",
				  al->evaluation_periods, (long long)x);
			cfg_out(c);
		}
		al->datapoints_to_alarm = (uint32_t)x;
	}
	cfg_need(c, o, "Threshold", cfg_double(c, o, "Threshold", -1e15, 1e15, &al->threshold),
		 "the value the metric is compared with");
	if (cfg_need(
		    c, o, "ComparisonOperator",
		    cfg_enum(c, o, "ComparisonOperator", &cmp_choice, &e),
		    "one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold") ==
	    CFG_OK)
		al->cmp = (enum model_cmp)e;
	if (cfg_enum(c, o, "TreatMissingData", &missing_choice, &e) == CFG_OK)
		al->missing = (enum model_missing)e;
	al->actions_enabled = true;
	cfg_bool(c, o, "ActionsEnabled", &al->actions_enabled);
	if (cfg_array(c, o, "AlarmActions", "scaling policy ARNs or names", &arr) == CFG_OK) {
		cfg_in(c, "AlarmActions");
		for (i = 0; i < json_object_array_length(arr); i++) {
			struct model_policy *p, **slot;

			cfg_at(c, i);
			p = cfg_alarm_action(c, json_object_array_get_idx(arr, i), al);
			if (p && !al->asg)
				al->asg = p->asg;
			if (p && p->asg != al->asg)
				cfg_error(
					c,
					"expected a policy of group %s (the alarm's), got %s of group %s",
					al->asg->name, p->name, p->asg->name);
			else if (p &&
				 (slot = cfg_push(c, &al->actions, &al->nactions, sizeof(*slot))))
				*slot = p;
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (!al->asg && !c->err->count)
		cfg_missing(
			c, "Dimensions",
			"[{\"Name\": \"AutoScalingGroupName\", \"Value\": GROUP}], or AlarmActions naming a scaling policy: the alarm watches no group");
	if (al->metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET && !al->tg && al->asg) {
		if (al->asg->ntgs == 1)
			al->tg = al->asg->tgs[0];
		else if (!c->err->count)
			cfg_missing(
				c, "Dimensions",
				"a TargetGroup dimension (targetgroup/NAME/ID): group %s has %s target group",
				al->asg->name, al->asg->ntgs ? "more than one" : "no");
	}
	cfg_finish(c, o, cfg_alarm_typed, cfg_alarm_kept, NULL);
}

/* Step and simple policies act only when an alarm names them. */
void cfg_alarms_post(struct cfg *c)
{
	struct model *m = c->m;
	size_t i, j, k;

	for (i = 0; i < m->npolicies; i++)
		m->policies[i].nalarms = 0;
	for (i = 0; i < m->nalarms; i++)
		for (j = 0; j < m->alarms[i].nactions; j++)
			m->alarms[i].actions[j]->nalarms++;
	if (c->err->count)
		return;
	for (k = 0; k < m->npolicies; k++) {
		const struct model_policy *p = &m->policies[k];

		if (p->nalarms || (p->type != MODEL_POLICY_SIMPLE && p->type != MODEL_POLICY_STEP))
			continue;
		cfg_in(c, "ScalingPolicies");
		cfg_at(c, k);
		cfg_warn(
			c,
			"policy %s is in no alarm's AlarmActions: it never acts. Add a MetricAlarms entry whose AlarmActions names it",
			p->name);
		cfg_out(c);
		cfg_out(c);
	}
}
