// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The plan that `xlbd --check` prints (user/cfg_print.c): its wording.
 */
#include "test_config.h"

static bool plan_wording(void)
{
	struct model *m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (!load_fixture("good_pitfall.json", &m, false))
		return false;
	f = open_memstream(&buf, &len);
	CHECK(f, "open_memstream");
	config_plan_print(m, f);
	fclose(f);
	ok = strstr(buf, "load balancer my-app-lb, addresses 198.18.0.10\n") &&
	     strstr(buf, "    listener HTTP :80 (nat) -> target group my-app-tg\n") &&
	     strstr(buf,
		    "health check: HTTP GET / on the traffic port, every 30 s, timeout 5 s, healthy after 3, unhealthy after 2, success codes 200\n") &&
	     strstr(buf, "auto-scaling group my-app-asg: desired 2, min 2, max 10\n") &&
	     strstr(buf, "    target groups: none: its instances get no traffic\n") &&
	     strstr(buf, "kept, no effect here: SecurityGroups\n") &&
	     strstr(buf, ", image ami-0abcdef1234567890 (not in Xlb.Images: the host's root "
			 "filesystem)\n") &&
	     strstr(buf, "ASGAverageCPUUtilization at 70 (percent of each instance's CPU quota, "
			 "averaged over the InService instances out of warm-up)\n") &&
	     strstr(buf, "\n8 warnings:\n") && strstr(buf, "is attached to no target group");
	if (!ok)
		printf("%s", buf);
	free(buf);
	model_free(m);
	CHECK(ok, "plan lacks an expected line");
	return true;
}

/* What each metric counts, in what unit per what period, TimeScale included. AWS: target
 * tracking's ALBRequestCountPerTarget is requests per target per minute (EC2 Auto Scaling
 * guide, target tracking metrics), an alarm's Sum of NetworkIn is the bytes of its period (EC2
 * guide, instance metrics); xlb counts new connections, not HTTP requests.
 */
static bool plan_units(void)
{
	static const char text[] =
		"{\"Xlb\": {\"TimeScale\": 10},\n"
		" \"TargetGroups\": [{\"TargetGroupName\": \"tg\", \"Protocol\": \"TCP\", \"Port\": 80}],\n"
		" \"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": \"t3.micro\"}],\n"
		" \"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": \"lc\",\n"
		"   \"MinSize\": 1, \"MaxSize\": 4, \"TargetGroupARNs\": [\"tg\"]}],\n"
		" \"ScalingPolicies\": [{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"req\",\n"
		"   \"PolicyType\": \"TargetTrackingScaling\", \"TargetTrackingConfiguration\": {\n"
		"   \"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"ALBRequestCountPerTarget\"},\n"
		"   \"TargetValue\": 1000}},\n"
		"  {\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"up\", \"AdjustmentType\": \"ChangeInCapacity\",\n"
		"   \"ScalingAdjustment\": 1}],\n"
		" \"MetricAlarms\": [{\"AlarmName\": \"net\", \"MetricName\": \"NetworkIn\", \"Namespace\": \"AWS/EC2\",\n"
		"   \"Dimensions\": [{\"Name\": \"AutoScalingGroupName\", \"Value\": \"g\"}], \"Statistic\": \"Sum\",\n"
		"   \"Period\": 300, \"EvaluationPeriods\": 1, \"Threshold\": 5e6,\n"
		"   \"ComparisonOperator\": \"GreaterThanThreshold\", \"AlarmActions\": [\"up\"]}]}\n";
	struct config_error err;
	struct model *m = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	CHECK(!load_text(text, &m, &err) && m, "loaded: %s", err.msg);
	f = open_memstream(&buf, &len);
	CHECK(f, "open_memstream");
	config_plan_print(m, f);
	fclose(f);
	ok = strstr(buf, "ALBRequestCountPerTarget at 1000 (new connections (flows, not HTTP "
			 "requests) the datapath gave a target, per target per minute, the minute "
			 "lasting 6 s at TimeScale 10)") &&
	     strstr(buf,
		    "Sum of ASGAverageNetworkIn > 5e+06, 1 of 1 periods of 300 s (bytes the "
		    "datapath sent to an instance, per instance per period of 300 s, the period "
		    "lasting 30 s at TimeScale 10)");
	if (!ok)
		printf("%s", buf);
	free(buf);
	model_free(m);
	CHECK(ok, "plan lacks a unit");
	return true;
}

/* The target group attributes xlb builds (slow start, the algorithm, source_ip stickiness) are
 * kept to be shown back by describe-*, and the plan says what they do, not that they have no
 * effect; a cookie stickiness type (no cookies at layer 4) still has none.
 */
static bool plan_attrs_in_force(void)
{
	struct model *m;
	char *buf = NULL, *web, *app;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (!load_fixture("good_kept.json", &m, false))
		return false;
	f = open_memstream(&buf, &len);
	CHECK(f, "open_memstream");
	config_plan_print(m, f);
	fclose(f);
	web = strstr(buf, "target group web-tg: ");
	app = strstr(buf, "target group app-tg: ");
	ok = web && app && app > web && strstr(web, "    slow start 30 s: ") &&
	     strstr(web, "    stickiness source_ip: ") &&
	     strstr(web, "    kept, no effect here: Attributes.proxy_protocol_v2.enabled, "
			 "Attributes.proxy_protocol_v2.enabled, VpcId, ProtocolVersion, Tags\n") &&
	     strstr(app, "    kept, no effect here: Attributes.stickiness.type, "
			 "Attributes.stickiness.lb_cookie.duration_seconds\n");
	if (!ok)
		printf("%s", buf);
	free(buf);
	model_free(m);
	CHECK(ok, "the plan calls an attribute in force of no effect, or lacks a line");
	return true;
}

CONFIG_TEST_MAIN(plan_wording, plan_units, plan_attrs_in_force)
