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
	struct model *m;
	struct model_tg *alb;
	struct model_asg *g;
	bool ok;

	if (!load_fixture("good_defaults.json", &m, false))
		return false;
	alb = tg_named(m, "alb");
	g = asg_named(m, "g");
	if (!alb || !g) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	/* the group: DesiredCapacity = MinSize, EC2 checks, grace 0 (API), cooldown 300 */
	ok = g->min_size == 3 && g->max_size == 5 && g->desired == 3 && !g->desired_given &&
	     g->hc_type == MODEL_ASG_HC_EC2 && g->grace_s == 0 && g->cooldown_s == 300 &&
	     g->warmup_s == -1 && g->max_lifetime_s == 0 && g->nterm == 1 &&
	     g->term[0] == MODEL_TERM_DEFAULT && g->ntgs == 1 && g->tgs[0] == alb && g->launch &&
	     g->launch == &m->lcs[0] && g->launch->itype && g->launch->itype->vcpus == 2 &&
	     g->launch->itype->memory_mib == 512 && !g->launch->user_data_was_base64 &&
	     !strcmp(g->launch->user_data, "#!/bin/sh\nexec xlb-backend\n");
	model_free(m);
	CHECK(ok, "group defaults wrong");
	return true;
}

static bool full_launch_templates(void)
{
	struct model *m;
	struct model_asg *fleet, *canary;
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	fleet = asg_named(m, "fleet");
	canary = asg_named(m, "canary");
	if (!fleet || !canary) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	/* three versions of "web": ids shared, version 2 is the default, 3 the latest */
	ok = m->nlts == 3 && !strcmp(m->lts[1].name, "web") && m->lts[0].version == 1 &&
	     m->lts[1].version == 2 && m->lts[2].version == 3 && m->lts[1].default_version &&
	     !m->lts[0].default_version && !strcmp(m->lts[2].template_id, "lt-0abcdef1234567890") &&
	     m->lts[0].user_data_was_base64 &&
	     !strcmp(m->lts[0].user_data, "#!/bin/sh\nexec xlb-backend --port 443\n") &&
	     fleet->launch == &m->lts[1] && !strcmp(fleet->launch_version, "$Default") &&
	     canary->launch == &m->lts[2];
	model_free(m);
	CHECK(ok, "launch templates wrong");
	return true;
}

static bool full_groups(void)
{
	struct model *m;
	struct model_tg *fleet_tg;
	struct model_asg *fleet, *canary;
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	fleet_tg = tg_named(m, "fleet-443");
	fleet = asg_named(m, "fleet");
	canary = asg_named(m, "canary");
	if (!fleet_tg || !fleet || !canary) {
		model_free(m);
		CHECK(false, "missing objects");
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
	model_free(m);
	CHECK(ok, "groups wrong");
	return true;
}

CONFIG_TEST_MAIN(defaults_group, full_launch_templates, full_groups, instance_types,
		 launch_template_versions)
