// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Every bad file in tests/unit/config is rejected with its exact first error,
 * "file:line:col: path: message", and only that one. The cases are a table, and a file of the
 * directory with no row fails the test, so a fixture cannot go untested.
 */
#include <dirent.h>

#include "test_config.h"

/* Fixture file and its expected first error after "<path>:". */
static const struct bad_row {
	const char *file;
	const char *want;
} bad_rows[] = {
	{ "bad_syntax.json",
	  "6:7: $.TargetGroups[0].TargetGroupName: syntax error: expected ',' or '}' after a member, got \"Protocol\"" },
	{ "bad_eof.json",
	  "4:1: $.TargetGroups[0]: syntax error: expected the rest of the JSON text (a '}' or ']' missing?), got the end of the file" },
	{ "bad_two_objects.json",
	  "2:1: $: syntax error: expected the end of the file after the top-level object (paste objects into its lists)" },
	{ "bad_lone_object.json",
	  "1:1: $: expected an object holding lists, got what looks like one entry of \"AutoScalingGroups\": write {\"AutoScalingGroups\": [ {...} ]}" },
	{ "bad_wrong_type.json",
	  "9:18: $.AutoScalingGroups[0].MinSize: expected an integer 0..10000, got \"two\"" },
	{ "bad_min_gt_max.json",
	  "9:18: $.AutoScalingGroups[0].MinSize: expected at most MaxSize (2), got 5" },
	{ "bad_desired_range.json",
	  "11:26: $.AutoScalingGroups[0].DesiredCapacity: expected an integer between MinSize and MaxSize (2..10), got 12" },
	{ "bad_unknown_tg.json",
	  "7:29: $.Listeners[0].DefaultActions[0].TargetGroupARN: expected a target group of this file (my-app-tg), got \"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-app-tgg/abcdef1234567890\"" },
	{ "bad_unknown_lc.json",
	  "8:34: $.AutoScalingGroups[0].LaunchConfigurationName: expected a launch configuration of this file (my-app-launch-config), got \"my-app-launch-cfg\"" },
	{ "bad_threshold.json",
	  "7:34: $.TargetGroups[0].UnhealthyThresholdCount: expected an integer 2..10, got 1" },
	{ "bad_timeout_interval.json",
	  "8:36: $.TargetGroups[0].HealthCheckTimeoutSeconds: expected less than HealthCheckIntervalSeconds (10), got 10" },
	{ "bad_duplicate_name.json",
	  "5:26: $.TargetGroups[2].TargetGroupName: expected a unique target group name, got \"web\" again (also $.TargetGroups[0] at line 3)" },
	{ "bad_matcher.json",
	  "7:32: $.TargetGroups[0].Matcher.HttpCode: expected HTTP codes such as \"200\", \"200-299\" or \"200-299,302\" (\"600\" is outside the allowed codes 200-499), got \"200-299,600\"" },
	{ "bad_arn.json",
	  "12:25: $.Attachments[0].TargetGroupARN: expected a target group name or an ARN like arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID, got \"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-app-lb/50dc6c495c0c9188\"" },
	{ "bad_missing_field.json",
	  "3:5: $.TargetGroups[0].Port: missing: expected the port targets serve on, 1..65535" },
	{ "bad_protocol.json",
	  "7:19: $.Listeners[0].Protocol: expected one of TCP, UDP, TCP_UDP, HTTP, got \"HTTPS\": xlb balances at layer 4 and terminates no TLS (GENEVE is for appliances)" },
	{ "bad_listener_tg_protocol.json",
	  "7:66: $.Listeners[0].DefaultActions[0].TargetGroupArn: expected a target group of protocol HTTP for this HTTP listener, got raw (TCP)" },
	{ "bad_port_conflict.json",
	  "12:19: $.LoadBalancers[0].Listeners[1].Port: expected a port that no other listener of load balancer lb takes, got 80 (also $.LoadBalancers[0].Listeners[0] at line 11)" },
	{ "bad_several_lbs.json",
	  "8:5: $.Listeners[0].LoadBalancerArn: missing: expected the load balancer of this listener: the file has several (a, b)" },
	{ "bad_dsr_port.json",
	  "7:28: $.Listeners[0].XlbForwardingMode: expected \"nat\": dsr keeps the destination port, and target group web serves on another port than 80" },
	{ "bad_instance_type.json",
	  "5:23: $.LaunchConfigurations[0].InstanceType: expected an instance type of xlb's table (t2.nano, t2.micro, t2.small, t2.medium, t3.nano, t3.micro, t3.small, t3.medium, t3.large, t3.xlarge, t3.2xlarge, m5.large, m5.xlarge, c5.large, c5.xlarge), got \"t3.mega\"" },
	{ "bad_step_gap.json",
	  "14:26: $.ScalingPolicies[0].StepAdjustments: expected step intervals that meet without overlap or gap, got one ending at 10 and the next starting at 20" },
	{ "bad_alarm_metric.json",
	  "10:21: $.MetricAlarms[0].MetricName: expected a metric xlb measures: one of CPUUtilization (AWS/EC2), NetworkIn, NetworkOut (AWS/EC2), RequestCountPerTarget (AWS/ApplicationELB), or ASGAverageCPUUtilization, ASGAverageNetworkIn, ASGAverageNetworkOut, ALBRequestCountPerTarget, got \"mem_used_percent\"" },
	{ "bad_alarm_action.json",
	  "20:25: $.MetricAlarms[0].AlarmActions[0]: expected a scaling policy of this file in group g (up), got \"upp\"" },
	{ "bad_alarm_period.json",
	  "11:17: $.MetricAlarms[0].Period: expected 10, 30 or a multiple of 60 seconds, got 45" },
	{ "bad_time_scale.json", "6:25: $.Xlb.TimeScale: expected a number 1..1e+06, got 0.5" },
	{ "bad_hook.json",
	  "6:20: $.Xlb.Hook: expected one of auto, xdp, tc, got \"TC\" (names are case-sensitive)" },
	{ "bad_pool6.json",
	  "8:29: $.Xlb.InstanceAddressPool6: expected a network inside 2001:2::/48 (the benchmarking range), got \"2001:db8::/64\"" },
	{ "bad_cluster_secret.json",
	  "5:21: $.Xlb.Cluster.HashSecret: expected 32 hex digits (16 bytes), got \"00112233445566778899aabbccddeefg\"" },
	{ "bad_cluster_router.json",
	  "5:24: $.Xlb.Cluster.RouterAddress: expected an IPv4 or IPv6 address, got \"router.example\"" },
	{ "bad_cluster_shared_dir.json",
	  "5:20: $.Xlb.Cluster.SharedDir: expected an absolute directory path, got \"run/xlb-shared\"" },
	{ "bad_cluster_shared_stale.json",
	  "5:81: $.Xlb.Cluster.SharedStaleMs: expected at least twice SharedRefreshMs (5000), or a live node's files are taken for a gone node's, got 8000" },
	{ "bad_cluster_shared_refresh.json",
	  "6:26: $.Xlb.Cluster.SharedRefreshMs: expected at most half of SharedStaleMs (30000), or a live node's files are taken for a gone node's, got 20000" },
	{ "bad_cluster_shared_stale_range.json",
	  "5:24: $.Xlb.Cluster.SharedStaleMs: expected an integer 2000..3600000, got 500" },
	{ "bad_cron.json",
	  "7:82: $.ScheduledActions[0].Recurrence: expected a cron expression: field 2 (hour): 25 is outside 0-23, got \"0 25 * * *\"" },
	{ "bad_time_zone.json",
	  "8:19: $.ScheduledActions[0].TimeZone: expected a time zone of the TZ database (such as \"Europe/Paris\"; see /usr/share/zoneinfo), got \"Europe/Pariss\"" },
	{ "bad_slow_start.json",
	  "8:58: $.TargetGroups[0].Attributes[0].Value: expected 0 (off) or 30 to 900 seconds, got 10" },
	{ "bad_lb_algorithm.json",
	  "8:60: $.TargetGroups[0].Attributes[0].Value: expected one of round_robin, least_outstanding_requests, weighted_random, got \"least_connections\"" },
	{ "bad_stickiness_type.json",
	  "8:46: $.TargetGroups[0].Attributes[0].Value: expected one of lb_cookie, app_cookie, source_ip, got \"source_ip_dest_ip\": those are a Gateway Load Balancer's, which xlb is not" },
	{ "bad_slow_start_lor.json",
	  "3:5: $.TargetGroups[0]: slow_start.duration_seconds 60 with load_balancing.algorithm.type least_outstanding_requests: AWS allows no slow start with that algorithm" },
};
#define NROWS (sizeof(bad_rows) / sizeof(bad_rows[0]))

/* A bad fixture: rejected, and its first error is exactly "<path>:<rest>". */
static bool bad_case(const char *name, const char *rest)
{
	char path[PATH_MAX + 64], want[CONFIG_MSG_LEN + PATH_MAX];
	struct config_error err;
	struct model *m = (struct model *)1;
	int ret, i;

	fixture(name, path, sizeof(path));
	ret = config_load(path, &m, &err);
	if (ret == 0)
		model_free(m);
	CHECK(ret == -EINVAL, "%s loaded (ret %d)", name, ret);
	CHECK(m == NULL, "a model was returned with an error");
	snprintf(want, sizeof(want), "%s:%s", path, rest);
	if (strcmp(err.msg, want)) {
		for (i = 0; i < err.count && i < CONFIG_ERR_MAX; i++)
			printf("  error %d: %s\n", i, err.all[i]);
	}
	CHECK(!strcmp(err.msg, want), "\n    got:  %s\n    want: %s", err.msg, want);
	CHECK(err.count == 1, "%d errors, expected 1 (cascade?)", err.count);
	CHECK(err.line > 0 && err.col > 0, "no position: %d:%d", err.line, err.col);
	return true;
}

static size_t bad_cur; /* the row bad_one checks */

static bool bad_one(void)
{
	return bad_case(bad_rows[bad_cur].file, bad_rows[bad_cur].want);
}

/* Each bad_*.json of the directory has a row, and each row names a file that is there. */
static bool every_bad_fixture_has_a_row(void)
{
	char dir[PATH_MAX + 64], path[PATH_MAX + 64];
	struct dirent *de;
	size_t i, nfiles = 0, missing = 0;
	DIR *d;

	fixture("", dir, sizeof(dir));
	d = opendir(dir);
	CHECK(d != NULL, "cannot open %s", dir);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "bad_", 4) || len < 5 ||
		    strcmp(de->d_name + len - 5, ".json"))
			continue;
		nfiles++;
		for (i = 0; i < NROWS && strcmp(bad_rows[i].file, de->d_name); i++)
			;
		if (i == NROWS) {
			printf("  %s%s has no row in bad_rows\n", dir, de->d_name);
			missing++;
		}
	}
	closedir(d);
	for (i = 0; i < NROWS; i++) {
		if (access(fixture(bad_rows[i].file, path, sizeof(path)), R_OK)) {
			printf("  row %s: no such fixture\n", bad_rows[i].file);
			missing++;
		}
	}
	CHECK(nfiles >= NROWS, "%zu bad fixtures for %zu rows", nfiles, (size_t)NROWS);
	CHECK(missing == 0, "%zu fixtures or rows unmatched", missing);
	return true;
}

int main(void)
{
	char name[64];

	if (!config_test_root())
		return check_summary() | 1;
	RUN(every_bad_fixture_has_a_row);
	for (bad_cur = 0; bad_cur < NROWS; bad_cur++) {
		snprintf(name, sizeof(name), "%.*s", (int)(strlen(bad_rows[bad_cur].file) - 5),
			 bad_rows[bad_cur].file);
		check_run(name, bad_one);
	}
	return check_summary();
}
