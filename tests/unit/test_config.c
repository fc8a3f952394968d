// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configuration loader on whole files: good files load with the right values and AWS's
 * defaults, the examples (the seed walkthrough as pasted) are accepted, errors go on past the
 * first, syntax errors and unreadable files are reported (user/config.c).
 */
#include "test_config.h"

/* good_defaults.json as a whole: each object's defaults are checked by its module's test; here
 * the warnings the file draws.
 */
static bool good_defaults(void)
{
	struct model *m;
	bool ok;

	if (!load_fixture("good_defaults.json", &m, false))
		return false;
	ok = warnings_with(m, "HealthCheckType is EC2") == 1 &&
	     warnings_with(m, "no listener forwards to target group") == 3 &&
	     warnings_with(m, "which has no address") == 1 && m->nwarnings == 5;
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "warnings wrong");
	return true;
}

/* good_full.json as a whole: every object found, and no warning; their values are checked by
 * each module's test.
 */
static bool good_full(void)
{
	struct model *m;
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	ok = tg_named(m, "static-443") && tg_named(m, "fleet-443") && tg_named(m, "dns") &&
	     asg_named(m, "fleet") && asg_named(m, "canary") && policy_named(m, "cpu") &&
	     policy_named(m, "requests") && policy_named(m, "steps") && policy_named(m, "bump") &&
	     m->nlbs == 1;
	/* only the kept fields that do nothing here (Scheme, VPCZoneIdentifier) and the ImageId
	 * that Xlb.Images does not map
	 */
	if (ok && (m->nwarnings != 3 || warnings_with(m, "accepted, has no effect here: ") != 2 ||
		   warnings_with(m, "ami-0abcdef1234567890 is not in Xlb.Images: instances of "
				    "it run on the host's own root filesystem") != 1)) {
		print_warnings(m);
		printf("  expected only the two kept fields' warnings and the ImageId's\n");
		ok = false;
	}
	model_free(m);
	CHECK(ok, "missing objects or warnings");
	return true;
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
	    (m->nwarnings != 7 || !warnings_with(m, "HealthCheckType is EC2") ||
	     warnings_with(m, "accepted, has no effect here: ") != 2 ||
	     !warnings_with(m, "seed.json:34:14: $.LaunchConfigurations[0].ImageId: "
			       "ami-0abcdef1234567890 is not in Xlb.Images") ||
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
