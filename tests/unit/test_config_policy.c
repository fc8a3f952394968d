// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Scaling policies and scheduled actions (user/cfg_policy.c): every field of a full file.
 */
#include "test_config.h"

static bool full_policies(void)
{
	struct full f;
	bool ok;

	if (!load_full(&f))
		return false;
	ok = f.cpu->asg == f.fleet && f.cpu->type == MODEL_POLICY_TARGET_TRACKING &&
	     f.cpu->tt.metric == MODEL_METRIC_ASG_CPU && f.cpu->tt.target_value == 50 &&
	     f.cpu->tt.disable_scale_in && f.cpu->warmup_s == 45 && f.cpu->enabled &&
	     f.req->tt.metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET &&
	     f.req->tt.tg == f.fleet_tg && f.req->tt.target_value == 1000.5 &&
	     f.steps->type == MODEL_POLICY_STEP &&
	     f.steps->adjustment_type == MODEL_ADJ_PERCENT_CHANGE_IN_CAPACITY &&
	     f.steps->min_adjustment_magnitude == 1 && f.steps->aggregation == MODEL_AGG_MAXIMUM &&
	     f.steps->nsteps == 3 && !f.steps->steps[0].has_lower && f.steps->steps[0].upper == 0 &&
	     f.steps->steps[0].adjustment == -10 && !f.steps->steps[2].has_upper &&
	     f.bump->type == MODEL_POLICY_SIMPLE &&
	     f.bump->adjustment_type == MODEL_ADJ_EXACT_CAPACITY &&
	     f.bump->scaling_adjustment == 1 && f.bump->cooldown_s == 600 &&
	     f.bump->asg == f.canary && strstr(f.bump->raw, "\"PolicyName\":\"bump\"");
	model_free(f.m);
	CHECK(ok, "policies wrong");
	return true;
}

static bool full_scheduled_actions(void)
{
	struct full f;
	struct tm tm = { .tm_year = 130, .tm_mon = 5, .tm_mday = 1, .tm_hour = 9, .tm_min = 30 };
	int64_t start = (int64_t)timegm(&tm);
	bool ok;

	if (!load_full(&f))
		return false;
	ok = f.m->nactions == 2 && !strcmp(f.m->actions[0].recurrence, "0 8 * * 1-5") &&
	     !strcmp(f.m->actions[0].time_zone, "Europe/Paris") && f.m->actions[0].min_size == 2 &&
	     f.m->actions[0].max_size == -1 && f.m->actions[0].desired == 4 &&
	     f.m->actions[0].start_time == -1 && f.m->actions[1].start_time == start &&
	     f.m->actions[1].end_time == start + 3600 && !f.m->actions[1].recurrence &&
	     f.m->actions[1].asg == f.fleet;
	model_free(f.m);
	CHECK(ok, "scheduled actions wrong");
	return true;
}

/* put-scaling-policy reads its request with the file's reader. AWS's "PutScalingPolicy"
 * (Amazon EC2 Auto Scaling API Reference): the request carries AutoScalingGroupName,
 * PolicyName, PolicyType and the members of that type (TargetTrackingConfiguration with a
 * TargetValue, or StepAdjustments, or ScalingAdjustment); a bad one is a ValidationError. The
 * group must exist ("AutoScalingGroup name not found").
 */
static bool one_policy(void)
{
	struct full f;
	struct model_policy *p = NULL;
	struct config_error err;
	bool ok = false;

	if (!load_full(&f))
		return false;
	ENSURE(!config_policy_parse(
		       f.m, "put-scaling-policy",
		       "{\"AutoScalingGroupName\": \"fleet\", \"PolicyName\": \"cpu2\", "
		       "\"PolicyType\": \"TargetTrackingScaling\", "
		       "\"TargetTrackingConfiguration\": {\"TargetValue\": 40, "
		       "\"PredefinedMetricSpecification\": {\"PredefinedMetricType\": "
		       "\"ASGAverageCPUUtilization\"}}}",
		       &p, &err),
	       "%s", err.msg);
	ENSURE(p->asg == f.fleet && p->type == MODEL_POLICY_TARGET_TRACKING &&
		       p->tt.metric == MODEL_METRIC_ASG_CPU && p->tt.target_value == 40 &&
		       p->enabled && !strcmp(p->name, "cpu2") && strstr(p->raw, "\"cpu2\""),
	       "read as the file would");
	config_policy_free(p);
	p = NULL;
	ENSURE(config_policy_parse(f.m, "put-scaling-policy",
				   "{\"AutoScalingGroupName\": \"fleet\", \"PolicyName\": \"s\", "
				   "\"PolicyType\": \"StepScaling\", \"AdjustmentType\": "
				   "\"ChangeInCapacity\", \"StepAdjustments\": "
				   "[{\"MetricIntervalLowerBound\": 0, \"ScalingAdjustment\": 1},"
				   "{\"MetricIntervalLowerBound\": 5, \"ScalingAdjustment\": 2}]}",
				   &p, &err) == -EINVAL &&
		       strstr(err.msg, "put-scaling-policy:1:") &&
		       strstr(err.msg, "StepAdjustments") && !p,
	       "a gap between steps, named: %s", err.msg);
	ENSURE(config_policy_parse(f.m, "put-scaling-policy",
				   "{\"AutoScalingGroupName\": \"nope\", \"PolicyName\": \"x\", "
				   "\"AdjustmentType\": \"ChangeInCapacity\", "
				   "\"ScalingAdjustment\": 1}",
				   &p, &err) == -EINVAL &&
		       strstr(err.msg, "$.AutoScalingGroupName"),
	       "an unknown group: %s", err.msg);
	ENSURE(config_policy_parse(f.m, "put-scaling-policy",
				   "{\"AutoScalingGroupName\": \"fleet\", \"PolicyName\": \"x\", "
				   "\"PolicyType\": \"TargetTrackingScaling\", "
				   "\"ScalingAdjustment\": 1}",
				   &p, &err) == -EINVAL,
	       "a member of another type, and no TargetTrackingConfiguration");
	ENSURE(config_policy_parse(f.m, "put-scaling-policy", "[1]", &p, &err) == -EINVAL,
	       "not an object");
	ok = true;
out:
	config_policy_free(p);
	model_free(f.m);
	return ok;
}

CONFIG_TEST_MAIN(one_policy, full_policies, full_scheduled_actions)
