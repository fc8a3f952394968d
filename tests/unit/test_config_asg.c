// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Instance types, launch templates and their versions (user/cfg_asg.c).
 */
#include "test_config.h"

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

static bool defaults_group(void)
{
	struct defaults d;
	bool ok;

	if (!load_defaults(&d))
		return false;
	/* the group: DesiredCapacity = MinSize, EC2 checks, grace 0 (API), cooldown 300 */
	ok = d.g->min_size == 3 && d.g->max_size == 5 && d.g->desired == 3 && !d.g->desired_given &&
	     d.g->hc_type == MODEL_ASG_HC_EC2 && d.g->grace_s == 0 && d.g->cooldown_s == 300 &&
	     d.g->warmup_s == -1 && d.g->max_lifetime_s == 0 && d.g->nterm == 1 &&
	     d.g->term[0] == MODEL_TERM_DEFAULT && d.g->ntgs == 1 && d.g->tgs[0] == d.alb &&
	     d.g->launch && d.g->launch == &d.m->lcs[0] && d.g->launch->itype &&
	     d.g->launch->itype->vcpus == 2 && d.g->launch->itype->memory_mib == 512 &&
	     !d.g->launch->user_data_was_base64 &&
	     !strcmp(d.g->launch->user_data, "#!/bin/sh\nexec xlb-backend\n");
	model_free(d.m);
	CHECK(ok, "group defaults wrong");
	return true;
}

static bool full_launch_templates(void)
{
	struct full f;
	bool ok;

	if (!load_full(&f))
		return false;
	/* three versions of "web": ids shared, version 2 is the default, 3 the latest */
	ok = f.m->nlts == 3 && !strcmp(f.m->lts[1].name, "web") && f.m->lts[0].version == 1 &&
	     f.m->lts[1].version == 2 && f.m->lts[2].version == 3 && f.m->lts[1].default_version &&
	     !f.m->lts[0].default_version &&
	     !strcmp(f.m->lts[2].template_id, "lt-0abcdef1234567890") &&
	     f.m->lts[0].user_data_was_base64 &&
	     !strcmp(f.m->lts[0].user_data, "#!/bin/sh\nexec xlb-backend --port 443\n") &&
	     f.fleet->launch == &f.m->lts[1] && !strcmp(f.fleet->launch_version, "$Default") &&
	     f.canary->launch == &f.m->lts[2];
	model_free(f.m);
	CHECK(ok, "launch templates wrong");
	return true;
}

static bool full_groups(void)
{
	struct full f;
	bool ok;

	if (!load_full(&f))
		return false;
	ok = f.fleet->min_size == 1 && f.fleet->max_size == 8 && f.fleet->desired == 2 &&
	     f.fleet->desired_given && f.fleet->hc_type == MODEL_ASG_HC_ELB &&
	     f.fleet->grace_s == 60 && f.fleet->cooldown_s == 120 && f.fleet->warmup_s == 30 &&
	     f.fleet->max_lifetime_s == 86400 && f.fleet->nterm == 2 &&
	     f.fleet->term[0] == MODEL_TERM_OLDEST_LAUNCH_TEMPLATE &&
	     f.fleet->term[1] == MODEL_TERM_OLDEST_INSTANCE && f.fleet->ntags == 2 &&
	     f.fleet->tags[0].propagate_at_launch && !f.fleet->tags[1].propagate_at_launch &&
	     !strcmp(f.fleet->tags[1].value, "net") && f.fleet->ntgs == 1 &&
	     f.fleet->tgs[0] == f.fleet_tg && f.canary->desired == 0 && f.canary->ntgs == 1 &&
	     f.canary->tgs[0] == f.fleet_tg;
	model_free(f.m);
	CHECK(ok, "groups wrong");
	return true;
}

/* LifecycleHookSpecificationList and WarmPoolConfiguration: AWS's defaults (PutLifecycleHook:
 * HeartbeatTimeout 3600, DefaultResult ABANDON; PutWarmPool: MinSize 0, MaxGroupPreparedCapacity
 * unset, PoolState Stopped), its bounds (HeartbeatTimeout 30..7200), Hibernated kept as Stopped
 * with a warning, and the notification target named as having no effect.
 */
static bool hooks_and_warm_pool(void)
{
	static const char head[] =
		"{\"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": \"t3.micro\"}],\n"
		" \"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"MinSize\": 0, \"MaxSize\": 4,\n"
		"  \"LaunchConfigurationName\": \"lc\",\n"
		"  \"LifecycleHookSpecificationList\": [%s]%s}]}\n";
	char text[2048];
	struct config_error err;
	struct model *m;
	const struct model_asg *a;

	snprintf(text, sizeof(text), head,
		 "{\"LifecycleHookName\": \"in\", \"LifecycleTransition\": "
		 "\"autoscaling:EC2_INSTANCE_LAUNCHING\"},\n"
		 "   {\"LifecycleHookName\": \"out\", \"LifecycleTransition\": "
		 "\"autoscaling:EC2_INSTANCE_TERMINATING\", \"HeartbeatTimeout\": 30, "
		 "\"DefaultResult\": \"CONTINUE\", \"NotificationMetadata\": \"md\", "
		 "\"NotificationTargetARN\": \"arn:aws:sns:us-east-1:1:t\"}",
		 ",\n  \"WarmPoolConfiguration\": {\"MaxGroupPreparedCapacity\": 3, \"PoolState\": "
		 "\"Hibernated\", \"InstanceReusePolicy\": {\"ReuseOnScaleIn\": true}}");
	CHECK(load_text(text, &m, &err) == 0, "%s", err.msg);
	a = &m->asgs[0];
	CHECK(a->nhooks == 2 && !strcmp(a->hooks[0].name, "in") &&
		      a->hooks[0].transition == MODEL_HOOK_LAUNCHING &&
		      a->hooks[0].heartbeat_s == 3600 &&
		      a->hooks[0].default_result == MODEL_HOOK_ABANDON &&
		      a->hooks[1].transition == MODEL_HOOK_TERMINATING &&
		      a->hooks[1].heartbeat_s == 30 &&
		      a->hooks[1].default_result == MODEL_HOOK_CONTINUE &&
		      !strcmp(a->hooks[1].metadata, "md"),
	      "hooks wrong");
	CHECK(a->warm.enabled && a->warm.min_size == 0 && a->warm.max_prepared == 3 &&
		      a->warm.state == MODEL_WARM_HIBERNATED && a->warm.reuse_on_scale_in,
	      "warm pool wrong");
	CHECK(warnings_with(m, "Hibernated is kept as Stopped") == 1, "no Hibernated warning");
	CHECK(warnings_with(m, "NotificationTargetARN: no effect here") == 1,
	      "no notification warning");
	model_free(m);

	/* out of AWS's bounds, a transition AWS does not have, a name twice */
	snprintf(text, sizeof(text), head,
		 "{\"LifecycleHookName\": \"in\", \"LifecycleTransition\": "
		 "\"autoscaling:EC2_INSTANCE_LAUNCHING\", \"HeartbeatTimeout\": 29}",
		 "");
	CHECK(load_text(text, &m, &err) == -EINVAL && strstr(err.msg, "HeartbeatTimeout"), "%s",
	      err.msg);
	snprintf(text, sizeof(text), head,
		 "{\"LifecycleHookName\": \"in\", \"LifecycleTransition\": "
		 "\"autoscaling:EC2_INSTANCE_REBOOTING\"}",
		 "");
	CHECK(load_text(text, &m, &err) == -EINVAL && strstr(err.msg, "LifecycleTransition"), "%s",
	      err.msg);
	snprintf(text, sizeof(text), head,
		 "{\"LifecycleHookName\": \"in\", \"LifecycleTransition\": "
		 "\"autoscaling:EC2_INSTANCE_LAUNCHING\"}, {\"LifecycleHookName\": \"in\", "
		 "\"LifecycleTransition\": \"autoscaling:EC2_INSTANCE_TERMINATING\"}",
		 "");
	CHECK(load_text(text, &m, &err) == -EINVAL && strstr(err.msg, "each hook name once"), "%s",
	      err.msg);
	return true;
}

/* PutLifecycleHook and PutWarmPool requests, read as the file's hooks and warm pool are (AWS
 * API reference: LifecycleHookName 1..255 of [A-Za-z0-9\-_\/] (xlb also takes '.'),
 * LifecycleTransition one of the two EC2_INSTANCE_ ones, HeartbeatTimeout 30..7200 (3600 by
 * default), DefaultResult CONTINUE or ABANDON (ABANDON by default); PutWarmPool's
 * MaxGroupPreparedCapacity -1 or more, MinSize 0 or more, PoolState Stopped, Running or
 * Hibernated). Each error names the field.
 */
static bool hook_and_warm_requests(void)
{
	static const struct {
		const char *text, *field;
	} bad_hooks[] = {
		{ "{\"AutoScalingGroupName\": \"g\", \"LifecycleTransition\": "
		  "\"autoscaling:EC2_INSTANCE_LAUNCHING\"}",
		  "$.LifecycleHookName" },
		{ "{\"LifecycleHookName\": \"h\"}", "$.LifecycleTransition" },
		{ "{\"LifecycleHookName\": \"a b\", \"LifecycleTransition\": "
		  "\"autoscaling:EC2_INSTANCE_LAUNCHING\"}",
		  "$.LifecycleHookName" },
		{ "{\"LifecycleHookName\": \"h\", \"LifecycleTransition\": "
		  "\"autoscaling:EC2_INSTANCE_LAUNCHING\", \"HeartbeatTimeout\": 7201}",
		  "$.HeartbeatTimeout" },
		{ "{\"LifecycleHookName\": \"h\", \"LifecycleTransition\": "
		  "\"autoscaling:EC2_INSTANCE_LAUNCHING\", \"DefaultResult\": \"RETRY\"}",
		  "$.DefaultResult" },
		{ "[1]", "$" },
	};
	static const struct {
		const char *text, *field;
	} bad_warm[] = {
		{ "{\"MinSize\": -1}", "$.MinSize" },
		{ "{\"MaxGroupPreparedCapacity\": -2}", "$.MaxGroupPreparedCapacity" },
		{ "{\"PoolState\": \"Frozen\"}", "$.PoolState" },
		{ "{\"InstanceReusePolicy\": {\"ReuseOnScaleIn\": \"yes\"}}",
		  "$.InstanceReusePolicy.ReuseOnScaleIn" },
	};
	struct config_error err;
	struct model_warm_pool w;
	struct model_hook h;
	size_t i;

	CHECK(!config_hook_parse(
		      "put-lifecycle-hook",
		      "{\"AutoScalingGroupName\": \"g\", \"LifecycleHookName\": "
		      "\"on/launch.1\", \"LifecycleTransition\": "
		      "\"autoscaling:EC2_INSTANCE_TERMINATING\", \"NotificationMetadata\": "
		      "\"md\", \"RoleARN\": \"arn:aws:iam::1:role/r\"}",
		      &h, &err),
	      "%s", err.msg);
	CHECK(!strcmp(h.name, "on/launch.1") && h.transition == MODEL_HOOK_TERMINATING &&
		      h.heartbeat_s == 3600 && h.default_result == MODEL_HOOK_ABANDON &&
		      !strcmp(h.metadata, "md"),
	      "hook defaults wrong");
	for (i = 0; i < sizeof(bad_hooks) / sizeof(bad_hooks[0]); i++) {
		CHECK(config_hook_parse("put-lifecycle-hook", bad_hooks[i].text, &h, &err) ==
				      -EINVAL &&
			      !strncmp(err.msg, "put-lifecycle-hook:1:", 21) &&
			      strstr(err.msg, bad_hooks[i].field),
		      "case %zu: %s", i, err.msg);
	}
	CHECK(!config_warm_parse("put-warm-pool", "{\"AutoScalingGroupName\": \"g\"}", &w, &err),
	      "%s", err.msg);
	CHECK(w.enabled && w.min_size == 0 && w.max_prepared == -1 &&
		      w.state == MODEL_WARM_STOPPED && !w.reuse_on_scale_in,
	      "warm defaults wrong");
	CHECK(!config_warm_parse("put-warm-pool",
				 "{\"MinSize\": 2, \"MaxGroupPreparedCapacity\": 5, \"PoolState\": "
				 "\"Running\", \"InstanceReusePolicy\": {\"ReuseOnScaleIn\": true}}",
				 &w, &err),
	      "%s", err.msg);
	CHECK(w.min_size == 2 && w.max_prepared == 5 && w.state == MODEL_WARM_RUNNING &&
		      w.reuse_on_scale_in,
	      "warm pool wrong");
	for (i = 0; i < sizeof(bad_warm) / sizeof(bad_warm[0]); i++) {
		CHECK(config_warm_parse("put-warm-pool", bad_warm[i].text, &w, &err) == -EINVAL &&
			      strstr(err.msg, bad_warm[i].field),
		      "case %zu: %s", i, err.msg);
	}
	return true;
}

CONFIG_TEST_MAIN(defaults_group, full_launch_templates, full_groups, instance_types,
		 launch_template_versions, hooks_and_warm_pool, hook_and_warm_requests)
