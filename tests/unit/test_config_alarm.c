// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Metric alarms and the settings they depend on (user/cfg_alarm.c, user/cfg_settings.c).
 */
#include "test_config.h"

/* MetricAlarms as a user pastes them: the alarm's group from its dimension or from its
 * policies, SNS actions dropped with a warning, a step policy without an alarm warned about,
 * target tracking's periods; and the alarm's own errors.
 */
static bool alarms_and_settings(void)
{
	static const char *const base =
		"{\"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": \"t3.micro\"}],\n"
		"\"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": \"lc\", \"MinSize\": 1, \"MaxSize\": 4}],\n"
		"\"ScalingPolicies\": [{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"up\", \"AdjustmentType\": \"ChangeInCapacity\", \"ScalingAdjustment\": 1},\n"
		" {\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"down\", \"AdjustmentType\": \"ChangeInCapacity\", \"ScalingAdjustment\": -1},\n"
		" {\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"tt\", \"PolicyType\": \"TargetTrackingScaling\", \"TargetTrackingConfiguration\": {\"TargetValue\": 50, \"XlbScaleInEvaluationPeriods\": 5, \"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"ASGAverageNetworkOut\"}}}],\n"
		"\"MetricAlarms\": [%s]}";
	static const struct {
		const char *alarm, *err;
	} bad[] = {
		{ "{\"AlarmName\": \"a\", \"MetricName\": \"CPUUtilization\", \"Namespace\": \"AWS/RDS\", \"EvaluationPeriods\": 1, \"Threshold\": 1, \"ComparisonOperator\": \"LessThanThreshold\", \"AlarmActions\": [\"down\"]}",
		  "t.json:6:82: $.MetricAlarms[0].Namespace: expected \"AWS/EC2\" for metric CPUUtilization, got \"AWS/RDS\"" },
		{ "{\"AlarmName\": \"a\", \"MetricName\": \"NetworkIn\", \"EvaluationPeriods\": 2, \"DatapointsToAlarm\": 3, \"Threshold\": 1, \"ComparisonOperator\": \"LessThanThreshold\", \"AlarmActions\": [\"down\"]}",
		  "t.json:6:109: $.MetricAlarms[0].DatapointsToAlarm: expected at most EvaluationPeriods (2), got 3" },
		{ "{\"AlarmName\": \"a\", \"MetricName\": \"NetworkIn\", \"EvaluationPeriods\": 2, \"Threshold\": 1, \"ComparisonOperator\": \"LessThanThreshold\", \"AlarmActions\": [\"tt\"]}",
		  "t.json:6:164: $.MetricAlarms[0].AlarmActions[0]: expected a step or simple scaling policy, got tt, a TargetTrackingScaling policy (it makes its own alarms)" },
		{ "{\"AlarmName\": \"a\", \"MetricName\": \"NetworkIn\", \"EvaluationPeriods\": 2, \"Threshold\": 1}",
		  "t.json:6:18: $.MetricAlarms[0].ComparisonOperator: missing: expected one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold" },
		{ "{\"AlarmName\": \"a\", \"MetricName\": \"NetworkIn\", \"EvaluationPeriods\": 2, \"Threshold\": 1, \"ComparisonOperator\": \"LessThanLowerThreshold\", \"AlarmActions\": [\"down\"]}",
		  "t.json:6:126: $.MetricAlarms[0].ComparisonOperator: expected one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, got \"LessThanLowerThreshold\": anomaly detection bands need CloudWatch's models" },
	};
	char buf[4096];
	struct config_error err;
	struct model *m;
	size_t i;
	int ret;

	snprintf(
		buf, sizeof(buf), base,
		"{\"AlarmName\": \"hi\", \"MetricName\": \"ASGAverageNetworkIn\", \"Period\": 30, \"EvaluationPeriods\": 4,"
		" \"Threshold\": 1e6, \"ComparisonOperator\": \"GreaterThanThreshold\", \"Statistic\": \"Sum\","
		" \"AlarmActions\": [\"up\", \"arn:aws:sns:us-east-1:123456789012:ops\"]}");
	ret = config_load_buffer("t.json", buf, strlen(buf), &m, &err);
	CHECK(ret == 0, "%s", err.msg);
	ret = m->nalarms == 1 && m->alarms[0].asg == &m->asgs[0] &&
	      m->alarms[0].metric == MODEL_METRIC_ASG_NETWORK_IN && m->alarms[0].period_s == 30 &&
	      m->alarms[0].datapoints_to_alarm == 4 && m->alarms[0].statistic == MODEL_STAT_SUM &&
	      m->alarms[0].nactions == 1 && m->alarms[0].actions[0] == policy_named(m, "up") &&
	      policy_named(m, "tt")->tt_in_periods == 5 &&
	      policy_named(m, "tt")->tt_out_periods == 3 &&
	      warnings_with(m, "ignored: xlb sends no notifications") == 1 &&
	      warnings_with(
		      m,
		      "$.ScalingPolicies[1]: policy down is in no alarm's AlarmActions: it never acts") ==
		      1;
	if (!ret)
		print_warnings(m);
	model_free(m);
	CHECK(ret, "alarm or warnings wrong");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), base, bad[i].alarm);
		ret = config_load_buffer("t.json", buf, strlen(buf), &m, &err);
		CHECK(ret == -EINVAL, "bad alarm %zu loaded", i);
		CHECK(!strcmp(err.msg, bad[i].err), "\n    got:  %s\n    want: %s", err.msg,
		      bad[i].err);
	}
	return true;
}

static bool full_alarms(void)
{
	struct full f;
	bool ok;

	if (!load_full(&f))
		return false;
	ok = f.m->nalarms == 2 && f.m->alarms[0].asg == f.fleet &&
	     f.m->alarms[0].metric == MODEL_METRIC_ASG_CPU &&
	     f.m->alarms[0].statistic == MODEL_STAT_MAXIMUM && f.m->alarms[0].period_s == 60 &&
	     f.m->alarms[0].evaluation_periods == 3 && f.m->alarms[0].datapoints_to_alarm == 2 &&
	     f.m->alarms[0].threshold == 60 && f.m->alarms[0].cmp == MODEL_CMP_GE &&
	     f.m->alarms[0].missing == MODEL_MISSING_NOT_BREACHING &&
	     f.m->alarms[0].nactions == 1 && f.m->alarms[0].actions[0] == f.steps &&
	     f.steps->nalarms == 1 && f.m->alarms[1].asg == f.canary &&
	     f.m->alarms[1].metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET &&
	     f.m->alarms[1].tg == f.fleet_tg && f.m->alarms[1].datapoints_to_alarm == 2 &&
	     f.m->alarms[1].cmp == MODEL_CMP_LT && f.m->alarms[1].actions[0] == f.bump &&
	     f.m->alarms[1].actions_enabled && f.cpu->tt_out_periods == 3 &&
	     f.cpu->tt_in_periods == 15;
	model_free(f.m);
	CHECK(ok, "alarms wrong");
	return true;
}

CONFIG_TEST_MAIN(full_alarms, alarms_and_settings)
