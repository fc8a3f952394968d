// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configuration loader: good files load with the right values and AWS's defaults, the seed
 * walkthrough is accepted as pasted, and each bad file in tests/unit/config is rejected with the
 * exact "file:line:col: path: message". Also ARN parsing and the plan's wording (matcher
 * parsing has its own test, test_matcher).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static char root[PATH_MAX]; /* the source tree: fixtures and examples are found from it */

static bool find_root(void)
{
	const char *env = getenv("XLB_SRCDIR");
	char exe[PATH_MAX], *p;
	ssize_t n;
	int up;

	if (env) {
		snprintf(root, sizeof(root), "%s", env);
		return true;
	}
	if (!access("tests/unit/config", R_OK)) {
		snprintf(root, sizeof(root), ".");
		return true;
	}
	/* build/tests/test_config: the tree is two levels above the binary's directory */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (up = 0; up < 3; up++) {
		p = strrchr(exe, '/');
		if (!p)
			return false;
		*p = '\0';
	}
	snprintf(root, sizeof(root), "%s", exe);
	return true;
}

static const char *fixture(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/tests/unit/config/%s", root, name);
	return buf;
}

static const char *example(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/examples/%s", root, name);
	return buf;
}

static struct model_tg *tg_named(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->ntgs; i++)
		if (!strcmp(m->tgs[i].name, name))
			return &m->tgs[i];
	return NULL;
}

static struct model_asg *asg_named(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nasgs; i++)
		if (!strcmp(m->asgs[i].name, name))
			return &m->asgs[i];
	return NULL;
}

static struct model_policy *policy_named(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->npolicies; i++)
		if (!strcmp(m->policies[i].name, name))
			return &m->policies[i];
	return NULL;
}

static size_t warnings_with(const struct model *m, const char *needle)
{
	size_t i, n = 0;

	for (i = 0; i < m->nwarnings; i++)
		n += strstr(m->warnings[i], needle) != NULL;
	return n;
}

static void print_warnings(const struct model *m)
{
	size_t i;

	for (i = 0; i < m->nwarnings; i++)
		printf("  warning: %s\n", m->warnings[i]);
}

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

#define BAD(fn, file, rest)                      \
	static bool fn(void)                     \
	{                                        \
		return bad_case((file), (rest)); \
	}

BAD(bad_syntax, "bad_syntax.json",
    "6:7: $.TargetGroups[0].TargetGroupName: syntax error: expected ',' or '}' after a member, got \"Protocol\"")
BAD(bad_eof, "bad_eof.json",
    "4:1: $.TargetGroups[0]: syntax error: expected the rest of the JSON text (a '}' or ']' missing?), got the end of the file")
BAD(bad_two_objects, "bad_two_objects.json",
    "2:1: $: syntax error: expected the end of the file after the top-level object (paste objects into its lists)")
BAD(bad_lone_object, "bad_lone_object.json",
    "1:1: $: expected an object holding lists, got what looks like one entry of \"AutoScalingGroups\": write {\"AutoScalingGroups\": [ {...} ]}")
BAD(bad_wrong_type, "bad_wrong_type.json",
    "9:18: $.AutoScalingGroups[0].MinSize: expected an integer 0..10000, got \"two\"")
BAD(bad_min_gt_max, "bad_min_gt_max.json",
    "9:18: $.AutoScalingGroups[0].MinSize: expected at most MaxSize (2), got 5")
BAD(bad_desired_range, "bad_desired_range.json",
    "11:26: $.AutoScalingGroups[0].DesiredCapacity: expected an integer between MinSize and MaxSize (2..10), got 12")
BAD(bad_unknown_tg, "bad_unknown_tg.json",
    "7:29: $.Listeners[0].DefaultActions[0].TargetGroupARN: expected a target group of this file (my-app-tg), got \"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-app-tgg/abcdef1234567890\"")
BAD(bad_unknown_lc, "bad_unknown_lc.json",
    "8:34: $.AutoScalingGroups[0].LaunchConfigurationName: expected a launch configuration of this file (my-app-launch-config), got \"my-app-launch-cfg\"")
BAD(bad_threshold, "bad_threshold.json",
    "7:34: $.TargetGroups[0].UnhealthyThresholdCount: expected an integer 2..10, got 1")
BAD(bad_timeout_interval, "bad_timeout_interval.json",
    "8:36: $.TargetGroups[0].HealthCheckTimeoutSeconds: expected less than HealthCheckIntervalSeconds (10), got 10")
BAD(bad_duplicate_name, "bad_duplicate_name.json",
    "5:26: $.TargetGroups[2].TargetGroupName: expected a unique target group name, got \"web\" again (also $.TargetGroups[0] at line 3)")
BAD(bad_matcher, "bad_matcher.json",
    "7:32: $.TargetGroups[0].Matcher.HttpCode: expected HTTP codes such as \"200\", \"200-299\" or \"200-299,302\" (\"600\" is outside the allowed codes 200-499), got \"200-299,600\"")
BAD(bad_arn, "bad_arn.json",
    "12:25: $.Attachments[0].TargetGroupARN: expected a target group name or an ARN like arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID, got \"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-app-lb/50dc6c495c0c9188\"")
BAD(bad_missing_field, "bad_missing_field.json",
    "3:5: $.TargetGroups[0].Port: missing: expected the port targets serve on, 1..65535")
BAD(bad_protocol, "bad_protocol.json",
    "7:19: $.Listeners[0].Protocol: expected one of TCP, UDP, TCP_UDP, HTTP, got \"HTTPS\": xlb balances at layer 4 and terminates no TLS (GENEVE is for appliances)")
BAD(bad_listener_tg_protocol, "bad_listener_tg_protocol.json",
    "7:66: $.Listeners[0].DefaultActions[0].TargetGroupArn: expected a target group of protocol HTTP for this HTTP listener, got raw (TCP)")
BAD(bad_port_conflict, "bad_port_conflict.json",
    "12:19: $.LoadBalancers[0].Listeners[1].Port: expected a port that no other listener of load balancer lb takes, got 80 (also $.LoadBalancers[0].Listeners[0] at line 11)")
BAD(bad_several_lbs, "bad_several_lbs.json",
    "8:5: $.Listeners[0].LoadBalancerArn: missing: expected the load balancer of this listener: the file has several (a, b)")
BAD(bad_dsr_port, "bad_dsr_port.json",
    "7:28: $.Listeners[0].XlbForwardingMode: expected \"nat\": dsr keeps the destination port, and target group web serves on another port than 80")
BAD(bad_instance_type, "bad_instance_type.json",
    "5:23: $.LaunchConfigurations[0].InstanceType: expected an instance type of xlb's table (t2.nano, t2.micro, t2.small, t2.medium, t3.nano, t3.micro, t3.small, t3.medium, t3.large, t3.xlarge, t3.2xlarge, m5.large, m5.xlarge, c5.large, c5.xlarge), got \"t3.mega\"")
BAD(bad_step_gap, "bad_step_gap.json",
    "14:26: $.ScalingPolicies[0].StepAdjustments: expected step intervals that meet without overlap or gap, got one ending at 10 and the next starting at 20")

BAD(bad_alarm_metric, "bad_alarm_metric.json",
    "10:21: $.MetricAlarms[0].MetricName: expected a metric xlb measures: one of CPUUtilization (AWS/EC2), NetworkIn, NetworkOut (AWS/EC2), RequestCountPerTarget (AWS/ApplicationELB), or ASGAverageCPUUtilization, ASGAverageNetworkIn, ASGAverageNetworkOut, ALBRequestCountPerTarget, got \"mem_used_percent\"")
BAD(bad_alarm_action, "bad_alarm_action.json",
    "20:25: $.MetricAlarms[0].AlarmActions[0]: expected a scaling policy of this file in group g (up), got \"upp\"")
BAD(bad_alarm_period, "bad_alarm_period.json",
    "11:17: $.MetricAlarms[0].Period: expected 10, 30 or a multiple of 60 seconds, got 45")
BAD(bad_time_scale, "bad_time_scale.json",
    "6:25: $.Xlb.TimeScale: expected a number 1..1e+06, got 0.5")
BAD(bad_pool6, "bad_pool6.json",
    "8:29: $.Xlb.InstanceAddressPool6: expected a network inside 2001:2::/48 (the benchmarking range), got \"2001:db8::/64\"")
BAD(bad_cluster_secret, "bad_cluster_secret.json",
    "5:21: $.Xlb.Cluster.HashSecret: expected 32 hex digits (16 bytes), got \"00112233445566778899aabbccddeefg\"")
BAD(bad_cluster_router, "bad_cluster_router.json",
    "5:24: $.Xlb.Cluster.RouterAddress: expected an IPv4 or IPv6 address, got \"router.example\"")
BAD(bad_cron, "bad_cron.json",
    "7:82: $.ScheduledActions[0].Recurrence: expected a cron expression: field 2 (hour): 25 is outside 0-23, got \"0 25 * * *\"")
BAD(bad_time_zone, "bad_time_zone.json",
    "8:19: $.ScheduledActions[0].TimeZone: expected a time zone of the TZ database (such as \"Europe/Paris\"; see /usr/share/zoneinfo), got \"Europe/Pariss\"")

static bool load_fixture(const char *name, struct model **m, bool is_example)
{
	char path[PATH_MAX + 64];
	struct config_error err;
	int ret, i;

	if (is_example)
		example(name, path, sizeof(path));
	else
		fixture(name, path, sizeof(path));
	ret = config_load(path, m, &err);
	for (i = 0; ret && i < err.count && i < CONFIG_ERR_MAX; i++)
		printf("  error: %s\n", err.all[i]);
	CHECK(ret == 0, "%s: ret %d", name, ret);
	CHECK(*m != NULL, "no model");
	return true;
}

static bool good_defaults(void)
{
	struct model *m;
	struct model_tg *alb, *nlb, *nlbh, *udp;
	struct model_asg *g;
	struct model_lb *lb;
	bool ok = false;

	if (!load_fixture("good_defaults.json", &m, false))
		return false;
	alb = tg_named(m, "alb");
	nlb = tg_named(m, "nlb");
	nlbh = tg_named(m, "nlb-http");
	udp = tg_named(m, "udp");
	g = asg_named(m, "g");
	if (!alb || !nlb || !nlbh || !udp || !g) {
		printf("  missing objects\n");
		goto out;
	}
	/* ALB-style (HTTP) group: HTTP GET / every 30 s, timeout 5, 5 up, 2 down, 200 */
	ok = alb->protocol == MODEL_PROTO_HTTP && alb->port == 80 &&
	     alb->target_type == MODEL_TARGET_INSTANCE && alb->hc.protocol == MODEL_HC_HTTP &&
	     alb->hc.port == 0 && !strcmp(alb->hc.path, "/") && alb->hc.interval_s == 30 &&
	     alb->hc.timeout_s == 5 && alb->hc.healthy_threshold == 5 &&
	     alb->hc.unhealthy_threshold == 2 && matcher_match(&alb->hc.matcher, 200) &&
	     !matcher_match(&alb->hc.matcher, 201) && !matcher_match(&alb->hc.matcher, 199) &&
	     !strcmp(alb->hc.matcher_text, "200") && alb->dereg_delay_s == 300 &&
	     !alb->dereg_close_connections;
	if (!ok) {
		printf("  alb defaults wrong\n");
		goto out;
	}
	/* NLB-style groups: TCP checks time out after 10 s, HTTP ones after 6, codes 200-399 */
	ok = nlb->hc.protocol == MODEL_HC_TCP && nlb->hc.timeout_s == 10 &&
	     nlb->hc.interval_s == 30 && !strcmp(nlb->hc.matcher_text, "200-399") &&
	     nlbh->hc.protocol == MODEL_HC_HTTP && nlbh->hc.timeout_s == 6 &&
	     matcher_match(&nlbh->hc.matcher, 302) && matcher_match(&nlbh->hc.matcher, 200) &&
	     !matcher_match(&nlbh->hc.matcher, 404) && udp->hc.protocol == MODEL_HC_TCP &&
	     udp->target_type == MODEL_TARGET_IP && udp->ntargets == 1 &&
	     udp->targets[0].addr.family == AF_INET && udp->targets[0].port == 0;
	if (!ok) {
		printf("  nlb defaults wrong\n");
		goto out;
	}
	/* the group: DesiredCapacity = MinSize, EC2 checks, grace 0 (API), cooldown 300 */
	ok = g->min_size == 3 && g->max_size == 5 && g->desired == 3 && !g->desired_given &&
	     g->hc_type == MODEL_ASG_HC_EC2 && g->grace_s == 0 && g->cooldown_s == 300 &&
	     g->warmup_s == -1 && g->max_lifetime_s == 0 && g->nterm == 1 &&
	     g->term[0] == MODEL_TERM_DEFAULT && g->ntgs == 1 && g->tgs[0] == alb && g->launch &&
	     g->launch == &m->lcs[0] && g->launch->itype && g->launch->itype->vcpus == 2 &&
	     g->launch->itype->memory_mib == 512 && !g->launch->user_data_was_base64 &&
	     !strcmp(g->launch->user_data, "#!/bin/sh\nexec xlb-backend\n");
	if (!ok) {
		printf("  group defaults wrong\n");
		goto out;
	}
	/* the listener names no load balancer and the file has none: the implicit "default" */
	lb = &m->lbs[0];
	ok = m->nlbs == 1 && lb->implicit && !strcmp(lb->name, MODEL_DEFAULT_LB) &&
	     lb->naddrs == 0 && lb->nlisteners == 1 && lb->listeners[0].lb == lb &&
	     lb->listeners[0].mode == MODEL_MODE_NAT && lb->listeners[0].port == 80 &&
	     lb->listeners[0].nfwd == 1 && lb->listeners[0].fwd[0].tg == alb &&
	     lb->listeners[0].fwd[0].weight == 1;
	if (!ok) {
		printf("  implicit load balancer wrong\n");
		goto out;
	}
	/* no "Xlb": the defaults */
	ok = m->settings.time_scale == 1 && m->settings.pool4.family == AF_INET &&
	     m->settings.pool4.bytes[0] == 198 && m->settings.pool4.bytes[1] == 18 &&
	     m->settings.pool4.bytes[2] == 128 && m->settings.pool4_len == 17 &&
	     !m->settings.has_pool6 && m->settings.metrics_interval_s == 1 && m->nalarms == 0;
	if (!ok) {
		printf("  default settings wrong\n");
		goto out;
	}
	ok = warnings_with(m, "HealthCheckType is EC2") == 1 &&
	     warnings_with(m, "no listener forwards to target group") == 3 &&
	     warnings_with(m, "which has no address") == 1 && m->nwarnings == 5;
	if (!ok) {
		print_warnings(m);
		printf("  warnings wrong\n");
	}
out:
	model_free(m);
	return ok;
}

static bool good_full(void)
{
	struct model *m;
	struct model_tg *st, *fleet_tg, *dns;
	struct model_asg *fleet, *canary;
	struct model_policy *cpu, *req, *steps, *bump;
	struct model_lb *lb;
	struct tm tm = { .tm_year = 130, .tm_mon = 5, .tm_mday = 1, .tm_hour = 9, .tm_min = 30 };
	int64_t start = (int64_t)timegm(&tm);
	bool ok = false;
	size_t i, stick = 0;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	st = tg_named(m, "static-443");
	fleet_tg = tg_named(m, "fleet-443");
	dns = tg_named(m, "dns");
	fleet = asg_named(m, "fleet");
	canary = asg_named(m, "canary");
	cpu = policy_named(m, "cpu");
	req = policy_named(m, "requests");
	steps = policy_named(m, "steps");
	bump = policy_named(m, "bump");
	if (!st || !fleet_tg || !dns || !fleet || !canary || !cpu || !req || !steps || !bump ||
	    m->nlbs != 1) {
		printf("  missing objects\n");
		goto out;
	}
	if (m->nwarnings) {
		print_warnings(m);
		printf("  expected no warning\n");
		goto out;
	}
	lb = &m->lbs[0];
	ok = !lb->implicit && lb->type == MODEL_LB_NETWORK && lb->naddrs == 2 &&
	     lb->addrs[0].family == AF_INET && lb->addrs[0].bytes[0] == 198 &&
	     lb->addrs[0].bytes[3] == 10 && lb->addrs[1].family == AF_INET6 && lb->nifaces == 2 &&
	     !strcmp(lb->ifaces[1], "xlb-c1") && lb->mode == MODEL_MODE_IPIP &&
	     lb->nlisteners == 2 && lb->listeners[0].mode == MODEL_MODE_IPIP &&
	     lb->listeners[0].nfwd == 2 && lb->listeners[0].fwd[0].tg == st &&
	     lb->listeners[0].fwd[0].weight == 3 && lb->listeners[0].fwd[1].tg == fleet_tg &&
	     lb->listeners[0].fwd[1].weight == 1 && lb->listeners[1].mode == MODEL_MODE_NAT &&
	     lb->listeners[1].protocol == MODEL_PROTO_UDP && lb->listeners[1].fwd[0].tg == dns;
	if (!ok) {
		printf("  load balancer wrong\n");
		goto out;
	}
	for (i = 0; i < st->extras.n; i++)
		stick += !strcmp(st->extras.v[i].key, "Attributes.stickiness.enabled") &&
			 !strcmp(st->extras.v[i].json, "\"false\"") && !st->extras.v[i].unknown;
	ok = st->target_type == MODEL_TARGET_IP && st->hc.protocol == MODEL_HC_HTTP &&
	     st->hc.port == 8081 && !strcmp(st->hc.path, "/health?full=1") &&
	     st->hc.interval_s == 10 && st->hc.timeout_s == 3 && st->hc.healthy_threshold == 3 &&
	     st->hc.unhealthy_threshold == 4 && matcher_match(&st->hc.matcher, 200) &&
	     matcher_match(&st->hc.matcher, 299) && !matcher_match(&st->hc.matcher, 301) &&
	     matcher_match(&st->hc.matcher, 302) && !strcmp(st->hc.matcher_text, "200-299,302") &&
	     st->dereg_delay_s == 30 && st->dereg_close_connections && st->ntargets == 3 &&
	     st->targets[1].port == 443 && st->targets[2].addr.family == AF_INET6 && stick == 1 &&
	     fleet_tg->hc.port == 443 && fleet_tg->dereg_delay_s == 0 && dns->hc.port == 5354;
	if (!ok) {
		printf("  target groups wrong\n");
		goto out;
	}
	/* three versions of "web": ids shared, version 2 is the default, 3 the latest */
	ok = m->nlts == 3 && !strcmp(m->lts[1].name, "web") && m->lts[0].version == 1 &&
	     m->lts[1].version == 2 && m->lts[2].version == 3 && m->lts[1].default_version &&
	     !m->lts[0].default_version && !strcmp(m->lts[2].template_id, "lt-0abcdef1234567890") &&
	     m->lts[0].user_data_was_base64 &&
	     !strcmp(m->lts[0].user_data, "#!/bin/sh\nexec xlb-backend --port 443\n") &&
	     fleet->launch == &m->lts[1] && !strcmp(fleet->launch_version, "$Default") &&
	     canary->launch == &m->lts[2];
	if (!ok) {
		printf("  launch templates wrong\n");
		goto out;
	}
	ok = fleet->min_size == 1 && fleet->max_size == 8 && fleet->desired == 2 &&
	     fleet->desired_given && fleet->hc_type == MODEL_ASG_HC_ELB && fleet->grace_s == 60 &&
	     fleet->cooldown_s == 120 && fleet->warmup_s == 30 && fleet->max_lifetime_s == 86400 &&
	     fleet->nterm == 2 && fleet->term[0] == MODEL_TERM_OLDEST_LAUNCH_TEMPLATE &&
	     fleet->term[1] == MODEL_TERM_OLDEST_INSTANCE && fleet->ntags == 2 &&
	     fleet->tags[0].propagate_at_launch && !fleet->tags[1].propagate_at_launch &&
	     !strcmp(fleet->tags[1].value, "net") && fleet->ntgs == 1 &&
	     fleet->tgs[0] == fleet_tg && canary->desired == 0 && canary->ntgs == 1 &&
	     canary->tgs[0] == fleet_tg;
	if (!ok) {
		printf("  groups wrong\n");
		goto out;
	}
	ok = cpu->asg == fleet && cpu->type == MODEL_POLICY_TARGET_TRACKING &&
	     cpu->tt.metric == MODEL_METRIC_ASG_CPU && cpu->tt.target_value == 50 &&
	     cpu->tt.disable_scale_in && cpu->warmup_s == 45 && cpu->enabled &&
	     req->tt.metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET && req->tt.tg == fleet_tg &&
	     req->tt.target_value == 1000.5 && steps->type == MODEL_POLICY_STEP &&
	     steps->adjustment_type == MODEL_ADJ_PERCENT_CHANGE_IN_CAPACITY &&
	     steps->min_adjustment_magnitude == 1 && steps->aggregation == MODEL_AGG_MAXIMUM &&
	     steps->nsteps == 3 && !steps->steps[0].has_lower && steps->steps[0].upper == 0 &&
	     steps->steps[0].adjustment == -10 && !steps->steps[2].has_upper &&
	     bump->type == MODEL_POLICY_SIMPLE &&
	     bump->adjustment_type == MODEL_ADJ_EXACT_CAPACITY && bump->scaling_adjustment == 1 &&
	     bump->cooldown_s == 600 && bump->asg == canary &&
	     strstr(bump->raw, "\"PolicyName\":\"bump\"");
	if (!ok) {
		printf("  policies wrong\n");
		goto out;
	}
	ok = m->nalarms == 2 && m->alarms[0].asg == fleet &&
	     m->alarms[0].metric == MODEL_METRIC_ASG_CPU &&
	     m->alarms[0].statistic == MODEL_STAT_MAXIMUM && m->alarms[0].period_s == 60 &&
	     m->alarms[0].evaluation_periods == 3 && m->alarms[0].datapoints_to_alarm == 2 &&
	     m->alarms[0].threshold == 60 && m->alarms[0].cmp == MODEL_CMP_GE &&
	     m->alarms[0].missing == MODEL_MISSING_NOT_BREACHING && m->alarms[0].nactions == 1 &&
	     m->alarms[0].actions[0] == steps && steps->nalarms == 1 &&
	     m->alarms[1].asg == canary &&
	     m->alarms[1].metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET &&
	     m->alarms[1].tg == fleet_tg && m->alarms[1].datapoints_to_alarm == 2 &&
	     m->alarms[1].cmp == MODEL_CMP_LT && m->alarms[1].actions[0] == bump &&
	     m->alarms[1].actions_enabled && cpu->tt_out_periods == 3 && cpu->tt_in_periods == 15;
	if (!ok) {
		printf("  alarms wrong\n");
		goto out;
	}
	ok = m->settings.time_scale == 60 && m->settings.pool4.family == AF_INET &&
	     m->settings.pool4.bytes[0] == 198 && m->settings.pool4.bytes[1] == 19 &&
	     m->settings.pool4_len == 16 && m->settings.has_pool6 &&
	     m->settings.pool6.family == AF_INET6 && m->settings.pool6.bytes[1] == 0x01 &&
	     m->settings.pool6.bytes[7] == 0x00 && m->settings.pool6.bytes[6] == 0x80 &&
	     m->settings.pool6_len == 64 && m->settings.metrics_interval_s == 2;
	if (!ok) {
		printf("  settings wrong\n");
		goto out;
	}
	ok = m->nactions == 2 && !strcmp(m->actions[0].recurrence, "0 8 * * 1-5") &&
	     !strcmp(m->actions[0].time_zone, "Europe/Paris") && m->actions[0].min_size == 2 &&
	     m->actions[0].max_size == -1 && m->actions[0].desired == 4 &&
	     m->actions[0].start_time == -1 && m->actions[1].start_time == start &&
	     m->actions[1].end_time == start + 3600 && !m->actions[1].recurrence &&
	     m->actions[1].asg == fleet;
	if (!ok)
		printf("  scheduled actions wrong\n");
out:
	model_free(m);
	return ok;
}

/* The walkthrough's objects, pasted as they are, comments included. */
static bool seed_example(void)
{
	struct model *m;
	struct model_asg *g;
	struct model_tg *tg;
	bool ok;

	if (!load_fixture("seed.json", &m, true))
		return false;
	g = asg_named(m, "my-app-asg");
	tg = tg_named(m, "my-app-tg");
	ok = g && tg && g->min_size == 2 && g->max_size == 10 && g->desired == 2 &&
	     g->grace_s == 300 && g->ntgs == 1 && g->tgs[0] == tg && g->launch &&
	     !strcmp(g->launch->name, "my-app-launch-config") &&
	     !strcmp(g->launch->instance_type, "t3.medium") &&
	     !strncmp(g->launch->user_data, "#!/bin/bash\n# Install", 21) && g->ntags == 1 &&
	     g->tags[0].propagate_at_launch && tg->hc.healthy_threshold == 3 &&
	     tg->hc.unhealthy_threshold == 2 && tg->hc.timeout_s == 5 && m->nlbs == 1 &&
	     m->lbs[0].nlisteners == 1 && m->lbs[0].listeners[0].fwd[0].tg == tg &&
	     m->npolicies == 1 && m->policies[0].asg == g &&
	     m->policies[0].tt.metric == MODEL_METRIC_ASG_CPU &&
	     m->policies[0].tt.target_value == 70.0;
	/* and its UserData said up front not to work here, where it says so */
	if (ok &&
	    (m->nwarnings != 4 || !warnings_with(m, "HealthCheckType is EC2") ||
	     !warnings_with(m, "seed.json:37:71: $.LaunchConfigurations[0].UserData: line 3 "
			       "of the script runs apt-get: packages cannot be installed") ||
	     !warnings_with(m, "seed.json:37:90: $.LaunchConfigurations[0].UserData: line 4 "
			       "of the script runs apt-get") ||
	     !warnings_with(m, "seed.json:37:116: $.LaunchConfigurations[0].UserData: line 5 "
			       "of the script runs systemctl: an instance has no init system"))) {
		print_warnings(m);
		ok = false;
	}
	model_free(m);
	CHECK(ok, "seed model wrong");
	return true;
}

static bool static_example(void)
{
	struct model *m;
	struct model_tg *tg;
	bool ok;

	if (!load_fixture("static.json", &m, true))
		return false;
	tg = tg_named(m, "static-web");
	ok = tg && tg->ntargets == 3 && tg->target_type == MODEL_TARGET_IP && tg->port == 8080 &&
	     tg->dereg_delay_s == 30 && tg->hc.protocol == MODEL_HC_HTTP && m->nlbs == 1 &&
	     m->lbs[0].nlisteners == 1 && m->lbs[0].listeners[0].port == 80 && !m->nwarnings;
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "static model wrong");
	return true;
}

/* A group in no target group: accepted, with the pitfall said plainly. */
static bool pitfall_warning(void)
{
	char path[PATH_MAX + 64], want[PATH_MAX + 512];
	struct model *m;
	bool ok;

	if (!load_fixture("good_pitfall.json", &m, false))
		return false;
	fixture("good_pitfall.json", path, sizeof(path));
	snprintf(
		want, sizeof(want),
		"%s:12:1: $.AutoScalingGroups[0]: group my-app-asg is attached to no target group: it launches instances that get no traffic. Attach it with TargetGroupARNs, an Attachments entry or xlbctl attach-load-balancer-target-groups",
		path);
	ok = m->nwarnings == 5 && warnings_with(m, want) == 1 &&
	     warnings_with(m, "target group my-app-tg has no targets") == 1 &&
	     warnings_with(m, "UserData: line ") == 3;
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "pitfall warning missing or worded otherwise");
	return true;
}

/* json-c takes trailing commas and single quotes; the loader accepts and warns. */
static bool trailing_comma_accepted(void)
{
	struct model *m;
	bool ok;

	if (!load_fixture("good_trailing_comma.json", &m, false))
		return false;
	ok = warnings_with(m, "trailing comma, accepted") == 3 &&
	     warnings_with(m, "single-quoted string") == 1 && !strcmp(m->tgs[0].name, "web");
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "lint warnings wrong");
	return true;
}

/* Loads text from memory as "mem.json"; returns the result and fills err. */
static int load_text(const char *text, struct model **m, struct config_error *err)
{
	return config_load_buffer("mem.json", text, strlen(text), m, err);
}

static bool errors_keep_going(void)
{
	static const char text[] =
		"{\"TargetGroups\": [\n"
		"  {\"TargetGroupName\": \"a\", \"Protocol\": \"HTTP\", \"Port\": 70000},\n"
		"  {\"TargetGroupName\": \"b\", \"Protocol\": \"HTTP\", \"Port\": 80,\n"
		"   \"HealthCheckIntervalSeconds\": 4}\n"
		"], \"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"MinSize\": -1}]}\n";
	struct config_error err;
	struct model *m;
	int ret = load_text(text, &m, &err);

	CHECK(ret == -EINVAL && !m, "ret %d", ret);
	CHECK(err.count == 5, "%d errors", err.count);
	CHECK(!strcmp(err.all[0],
		      "mem.json:2:56: $.TargetGroups[0].Port: expected an integer 1..65535, got 70000"),
	      "%s", err.all[0]);
	CHECK(!strcmp(err.all[1],
		      "mem.json:4:34: $.TargetGroups[1].HealthCheckIntervalSeconds: expected an integer 5..300, got 4"),
	      "%s", err.all[1]);
	CHECK(!strcmp(err.all[2],
		      "mem.json:5:67: $.AutoScalingGroups[0].MinSize: expected an integer 0..10000, got -1"),
	      "%s", err.all[2]);
	CHECK(!strcmp(err.all[3],
		      "mem.json:5:26: $.AutoScalingGroups[0].MaxSize: missing: expected an integer 0..10000"),
	      "%s", err.all[3]);
	CHECK(strstr(err.all[4], "LaunchConfigurationName: missing"), "%s", err.all[4]);
	CHECK(!strcmp(err.msg, err.all[0]) && err.line == 2 && err.col == 56 &&
		      !strcmp(err.path, "$.TargetGroups[0].Port"),
	      "first error fields: %d:%d %s", err.line, err.col, err.path);
	return true;
}

/* Comments, escaped member names, "//" inside strings and UTF-8 do not throw positions off. */
static bool positions_in_tricky_text(void)
{
	static const char text[] =
		"/* a { comment ] with \"quotes\" */ {\n"
		"  // \"TargetGroups\": [ {\"Port\": \"x\"} ]\n"
		"  \"TargetGroups\": [ /* one */ {\n"
		"    \"Target\\u0047roupName\": \"w\\\"eb\",\n"
		"    \"HealthCheckPath\": \"/a//b/*c*/\", \"Protocol\": \"HTTP\",\n"
		"    \"VpcId\": \"vpc-é\", \"Port\": \"eighty\"\n"
		"  } ]\n"
		"}\n";
	struct config_error err;
	struct model *m;
	int ret = load_text(text, &m, &err);

	CHECK(ret == -EINVAL, "ret %d", ret);
	/* the name check comes first: w"eb is not a valid target group name */
	CHECK(err.count == 2, "%d errors: %s", err.count, err.msg);
	CHECK(!strcmp(err.all[0],
		      "mem.json:4:29: $.TargetGroups[0].TargetGroupName: expected a target group name of 1..32 letters, digits or hyphens, not starting or ending with a hyphen, got \"w\\\"eb\""),
	      "%s", err.all[0]);
	/* column 31 counts "é" as one character */
	CHECK(!strcmp(err.all[1],
		      "mem.json:6:31: $.TargetGroups[0].Port: expected an integer 1..65535, got \"eighty\""),
	      "%s", err.all[1]);
	return true;
}

static bool syntax_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "",
		  "mem.json:1:1: $: syntax error: expected the rest of the JSON text (a '}' or ']' missing?), got the end of the file" },
		{ "{\"TargetGroups\": [1 2]}",
		  "mem.json:1:21: $.TargetGroups[0]: syntax error: expected ',' or ']' after an array element, got 2" },
		{ "{\"TargetGroups\" []}",
		  "mem.json:1:17: $.TargetGroups: syntax error: expected ':' after the member name, got [" },
		{ "{TargetGroups: []}",
		  "mem.json:1:2: $: syntax error: expected a member name in double quotes, got TargetGroups" },
		{ "{\"A\": tru}",
		  "mem.json:1:10: $.A: syntax error: expected a value (a string, number, object, array, true, false or null), got }" },
		{ "[]",
		  "mem.json:1:1: $: expected an object holding lists such as \"TargetGroups\": [...] and \"AutoScalingGroups\": [...], got an array" },
		{ "{\"TargetGroups\": {}}",
		  "mem.json:1:18: $.TargetGroups: expected an array of target group objects, got an object" },
		{ "{\"TargetGroups\": [42]}",
		  "mem.json:1:19: $.TargetGroups[0]: expected a target group object, got 42" },
	};
	struct config_error err;
	struct model *m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = load_text(cases[i].text, &m, &err);

		CHECK(ret == -EINVAL, "case %zu loaded", i);
		CHECK(!strcmp(err.msg, cases[i].want), "case %zu:\n    got:  %s\n    want: %s", i,
		      err.msg, cases[i].want);
	}
	return true;
}

static bool nul_and_missing_file(void)
{
	static const char text[] = "{\"TargetGroups\": []}\0junk";
	char path[PATH_MAX + 64];
	struct config_error err;
	struct model *m;
	int ret;

	ret = config_load_buffer("mem.json", text, sizeof(text) - 1, &m, &err);
	CHECK(ret == -EINVAL, "ret %d", ret);
	CHECK(!strcmp(err.msg, "mem.json:1:21: $: syntax error: expected text, got a NUL byte"),
	      "%s", err.msg);
	fixture("no-such-file.json", path, sizeof(path));
	ret = config_load(path, &m, &err);
	CHECK(ret == -ENOENT && !m, "ret %d", ret);
	CHECK(strstr(err.msg, "no-such-file.json: cannot read: No such file or directory"), "%s",
	      err.msg);
	fixture("", path, sizeof(path));
	ret = config_load(path, &m, &err);
	CHECK(ret == -EINVAL && strstr(err.msg, "not a regular file"), "directory: %d %s", ret,
	      err.msg);
	return true;
}

static bool unknown_fields_warn(void)
{
	static const char text[] =
		"{\"TargetGroups\": [{\"TargetGroupName\": \"w\", \"Protocol\": \"HTTP\", \"Port\": 80,\n"
		"  \"HealthCheckIntervalSecond\": 10, \"VpcId\": \"vpc-1\", \"Matcher\": {\"GrpcCode\": \"0\"}}],\n"
		" \"Colour\": 1}\n";
	struct config_error err;
	struct model *m;
	size_t i, unknown = 0, kept = 0;
	int ret = load_text(text, &m, &err);

	CHECK(ret == 0, "%s", err.msg);
	for (i = 0; i < m->tgs[0].extras.n; i++) {
		unknown += m->tgs[0].extras.v[i].unknown;
		kept += !strcmp(m->tgs[0].extras.v[i].key, "VpcId") &&
			!strcmp(m->tgs[0].extras.v[i].json, "\"vpc-1\"");
	}
	if (!(unknown == 1 && kept == 1 &&
	      warnings_with(
		      m,
		      "mem.json:2:3: $.TargetGroups[0].HealthCheckIntervalSecond: unknown field, ignored: did you mean \"HealthCheckIntervalSeconds\"?") ==
		      1 &&
	      warnings_with(m, "mem.json:2:66: $.TargetGroups[0].Matcher.GrpcCode: ignored") == 1 &&
	      warnings_with(m, "mem.json:3:2: $.Colour: unknown field, ignored") == 1 &&
	      m->tgs[0].hc.interval_s == 30)) {
		print_warnings(m);
		model_free(m);
		CHECK(false, "unknown fields not warned as expected");
	}
	model_free(m);
	return true;
}

static bool arn_names(void)
{
	static const struct {
		const char *s;
		enum config_arn_kind kind;
		const char *name; /* NULL: rejected */
	} cases[] = {
		{ "my-app-tg", CONFIG_ARN_TARGET_GROUP, "my-app-tg" },
		{ "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-app-tg/abcdef1234567890",
		  CONFIG_ARN_TARGET_GROUP, "my-app-tg" },
		{ "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/t/1",
		  CONFIG_ARN_TARGET_GROUP, "t" },
		{ "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/1",
		  CONFIG_ARN_TARGET_GROUP, NULL },
		{ "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-app-tg",
		  CONFIG_ARN_TARGET_GROUP, NULL },
		{ "arn:aws:elasticloadbalancing::123456789012:targetgroup/x/1",
		  CONFIG_ARN_TARGET_GROUP, NULL },
		{ "arn:aws:autoscaling:us-east-1:123456789012:targetgroup/x/1",
		  CONFIG_ARN_TARGET_GROUP, NULL },
		{ "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/front/50dc6c",
		  CONFIG_ARN_LOAD_BALANCER, "front" },
		{ "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:8e1b0cd0-f005-4c92-9a6a-0123456789ab:autoScalingGroupName/my-app-asg",
		  CONFIG_ARN_ASG, "my-app-asg" },
		{ "arn:aws:autoscaling:us-east-1:123456789012:launchConfiguration:8e1b0cd0-f005-4c92-9a6a-0123456789ab:launchConfigurationName/my-lc",
		  CONFIG_ARN_LAUNCH_CONFIG, "my-lc" },
		{ "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0abcdef1234567890",
		  CONFIG_ARN_LAUNCH_TEMPLATE, "lt-0abcdef1234567890" },
		{ "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:8e1b0cd0-f005-4c92-9a6a-0123456789ab:autoScalingGroupName/g:policyName/ScaleUpCPU",
		  CONFIG_ARN_POLICY, "ScaleUpCPU" },
		{ "arn:", CONFIG_ARN_ASG, NULL },
		{ "", CONFIG_ARN_ASG, NULL },
	};
	char name[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = config_arn_name(cases[i].s, cases[i].kind, name, sizeof(name));

		if (!cases[i].name) {
			CHECK(ret == -EINVAL, "accepted %s (as %s)", cases[i].s, name);
			continue;
		}
		CHECK(ret == 0 && !strcmp(name, cases[i].name), "%s: ret %d name %s", cases[i].s,
		      ret, ret ? "" : name);
	}
	return true;
}

static bool instance_types(void)
{
	const struct model_instance_type *t = config_instance_type("c5.xlarge");
	size_t n;

	CHECK(t && t->vcpus == 4 && t->memory_mib == 8192 && t->baseline_pct == 100, "c5.xlarge");
	t = config_instance_type("t3.nano");
	CHECK(t && t->vcpus == 2 && t->memory_mib == 512 && t->baseline_pct == 5, "t3.nano");
	CHECK(!config_instance_type("t3.mega"), "unknown type found");
	CHECK(config_instance_types(&n) && n >= 10, "table of %zu", n);
	return true;
}

/* Launch template references: $Default, $Latest, a number, an unknown version. */
static bool launch_template_versions(void)
{
	static const char head[] =
		"{\"LaunchTemplates\": [\n"
		" {\"LaunchTemplateName\": \"web\", \"LaunchTemplateData\": {\"InstanceType\": \"t3.micro\"}},\n"
		" {\"LaunchTemplateName\": \"web\", \"LaunchTemplateData\": {\"InstanceType\": \"t3.small\"}},\n"
		" {\"LaunchTemplateName\": \"web\", \"VersionNumber\": 7, \"LaunchTemplateData\": {\"InstanceType\": \"t3.large\"}}],\n"
		" \"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"MinSize\": 0, \"MaxSize\": 1,\n"
		"  \"LaunchTemplate\": {\"LaunchTemplateName\": \"web\"%s}}]}\n";
	static const struct {
		const char *version;
		const char *itype; /* NULL: rejected */
	} cases[] = {
		{ "", "t3.micro" },
		{ ", \"Version\": \"$Default\"", "t3.micro" },
		{ ", \"Version\": \"$Latest\"", "t3.large" },
		{ ", \"Version\": \"2\"", "t3.small" },
		{ ", \"Version\": 7", "t3.large" },
		{ ", \"Version\": \"3\"", NULL },
		{ ", \"Version\": \"latest\"", NULL },
	};
	char text[1024];
	struct config_error err;
	struct model *m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		snprintf(text, sizeof(text), head, cases[i].version);
		ret = load_text(text, &m, &err);
		if (!cases[i].itype) {
			CHECK(ret == -EINVAL &&
				      strstr(err.msg,
					     "LaunchTemplate.Version: expected \"$Default\", \"$Latest\" or a version of launch template web (up to 7)"),
			      "case %zu: %s", i, err.msg);
			continue;
		}
		CHECK(ret == 0, "case %zu: %s", i, err.msg);
		CHECK(m->asgs[0].launch &&
			      !strcmp(m->asgs[0].launch->instance_type, cases[i].itype),
		      "case %zu picked %s", i,
		      m->asgs[0].launch ? m->asgs[0].launch->instance_type : "nothing");
		model_free(m);
	}
	return true;
}

static bool user_data_forms(void)
{
	static const char text[] =
		"{\"LaunchConfigurations\": [\n"
		" {\"LaunchConfigurationName\": \"a\", \"InstanceType\": \"t3.micro\", \"UserData\": \"IyEvYmluL3NoCmVjaG8gaGkK\"},\n"
		" {\"LaunchConfigurationName\": \"b\", \"InstanceType\": \"t3.micro\", \"UserData\": \"true\"},\n"
		" {\"LaunchConfigurationName\": \"c\", \"InstanceType\": \"t3.micro\", \"UserData\": \"#!/bin/sh\\necho hi\\n\"}]}\n";
	struct config_error err;
	struct model *m;
	int ret = load_text(text, &m, &err);

	CHECK(ret == 0, "%s", err.msg);
	CHECK(m->lcs[0].user_data_was_base64 &&
		      !strcmp(m->lcs[0].user_data, "#!/bin/sh\necho hi\n"),
	      "base64 not decoded: %s", m->lcs[0].user_data);
	/* "true" is valid base64 but decodes to bytes that are not text: kept as written */
	CHECK(!m->lcs[1].user_data_was_base64 && !strcmp(m->lcs[1].user_data, "true"), "b: %s",
	      m->lcs[1].user_data);
	CHECK(!m->lcs[2].user_data_was_base64 && m->lcs[2].user_data_len == 18, "c: %zu",
	      m->lcs[2].user_data_len);
	model_free(m);
	return true;
}

/* UserData that cannot work in an instance: only commands count (not words in an echo or a
 * comment), past sudo and a path; escapes before the word keep the column right; base64 is
 * said at the UserData with the script's line.
 */
static bool user_data_advice(void)
{
	static const char text[] =
		"{\"LaunchConfigurations\": [\n"
		"  {\"LaunchConfigurationName\": \"a\", \"InstanceType\": \"t3.micro\",\n"
		"   \"UserData\": \"#!/bin/sh\\n# apt-get here is a comment\\necho \\\"yum\\\" $(ls) x; "
		"sudo /usr/bin/systemctl start web\\nexec xlb-backend\\n\"},\n"
		"  {\"LaunchConfigurationName\": \"b\", \"InstanceType\": \"t3.micro\",\n"
		"   \"UserData\": \"IyEvYmluL3NoCmRuZiBpbnN0YWxsIC15IGh0dHBkCg==\"}]}\n";
	struct config_error err;
	struct model *m = NULL;
	int ret = load_text(text, &m, &err);

	CHECK(!ret && m, "loaded: %s", ret ? err.msg : "");
	if (m->nwarnings != 2)
		print_warnings(m);
	CHECK(m->nwarnings == 2, "%zu warnings", m->nwarnings);
	CHECK(strstr(m->warnings[0], "mem.json:3:93: $.LaunchConfigurations[0].UserData: line 3 of "
				     "the script runs systemctl: an instance has no init system"),
	      "%s", m->warnings[0]);
	CHECK(strstr(m->warnings[1], "mem.json:5:16: $.LaunchConfigurations[1].UserData: line 2 of "
				     "the script runs dnf: packages cannot be installed"),
	      "%s", m->warnings[1]);
	model_free(m);
	return true;
}

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
	     strstr(buf, "kept, no effect here: ImageId, SecurityGroups\n") &&
	     strstr(buf, "\n5 warnings:\n") && strstr(buf, "is attached to no target group");
	if (!ok)
		printf("%s", buf);
	free(buf);
	model_free(m);
	CHECK(ok, "plan lacks an expected line");
	return true;
}

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

/* Xlb.Cluster: values, defaults, and the secret as bytes whatever the hex digits' case. */
static bool cluster_node(void)
{
	static const uint8_t secret[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	char path[PATH_MAX + 64];
	struct config_error err;
	struct model *m = NULL;
	const struct model_cluster *k;
	int ret;

	fixture("cluster.json", path, sizeof(path));
	ret = config_load(path, &m, &err);
	CHECK(ret == 0, "cluster.json: %s", err.msg);
	k = &m->settings.cluster;
	CHECK(k->enabled && !strcmp(k->node_name, "node2"), "node %s", k->node_name);
	CHECK(k->asn == 65001 && k->peer_asn == 65000, "AS %u/%u", k->asn, k->peer_asn);
	CHECK(k->router.family == AF_INET && k->router.bytes[2] == 202, "router address");
	CHECK(k->bfd_interval_ms == 50 && k->bfd_multiplier == 3, "bfd %u x %u", k->bfd_interval_ms,
	      k->bfd_multiplier);
	CHECK(k->has_secret && !memcmp(k->secret, secret, 16), "secret");
	CHECK(k->withdraw_delay_ms == 500, "withdraw delay %u", k->withdraw_delay_ms);
	CHECK(!strcmp(k->bird_socket, "/tmp/b.ctl") && !strcmp(k->bird_include, "/tmp/xlb.conf"),
	      "bird paths");
	CHECK(m->nwarnings == 0, "%zu warnings", m->nwarnings);
	model_free(m);
	return true;
}

int main(void)
{
	if (!find_root()) {
		printf("FAIL find_root: cannot find tests/unit/config (set XLB_SRCDIR)\n");
		return check_summary() | 1;
	}
	RUN(good_defaults);
	RUN(good_full);
	RUN(seed_example);
	RUN(static_example);
	RUN(pitfall_warning);
	RUN(trailing_comma_accepted);
	RUN(bad_syntax);
	RUN(bad_eof);
	RUN(bad_two_objects);
	RUN(bad_lone_object);
	RUN(bad_wrong_type);
	RUN(bad_min_gt_max);
	RUN(bad_desired_range);
	RUN(bad_unknown_tg);
	RUN(bad_unknown_lc);
	RUN(bad_threshold);
	RUN(bad_timeout_interval);
	RUN(bad_duplicate_name);
	RUN(bad_matcher);
	RUN(bad_arn);
	RUN(bad_missing_field);
	RUN(bad_protocol);
	RUN(bad_listener_tg_protocol);
	RUN(bad_port_conflict);
	RUN(bad_several_lbs);
	RUN(bad_dsr_port);
	RUN(bad_instance_type);
	RUN(bad_step_gap);
	RUN(bad_alarm_metric);
	RUN(bad_alarm_action);
	RUN(bad_alarm_period);
	RUN(bad_time_scale);
	RUN(bad_pool6);
	RUN(bad_cron);
	RUN(bad_time_zone);
	RUN(alarms_and_settings);
	RUN(errors_keep_going);
	RUN(positions_in_tricky_text);
	RUN(syntax_errors);
	RUN(nul_and_missing_file);
	RUN(unknown_fields_warn);
	RUN(arn_names);
	RUN(instance_types);
	RUN(launch_template_versions);
	RUN(user_data_forms);
	RUN(user_data_advice);
	RUN(plan_wording);
	RUN(bad_cluster_secret);
	RUN(bad_cluster_router);
	RUN(cluster_node);
	return check_summary();
}
