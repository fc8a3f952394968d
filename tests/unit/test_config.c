// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configuration loader on whole files: good files load with the right values and AWS's
 * defaults, the examples (the seed walkthrough as pasted) are accepted, errors go on past the
 * first, syntax errors and unreadable files are reported (user/config.c).
 */
#include "test_config.h"

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

CONFIG_TEST_MAIN(good_defaults, good_full, seed_example, static_example, trailing_comma_accepted,
		 errors_keep_going, syntax_errors, nul_and_missing_file)
