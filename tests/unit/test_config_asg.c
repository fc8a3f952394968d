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

CONFIG_TEST_MAIN(instance_types, launch_template_versions)
