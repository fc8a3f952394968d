// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Advice (user/cfg_advise.c): a group in no target group, UserData that cannot work in an
 * instance, each said where it is.
 */
#include "test_config.h"

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
	ok = m->nwarnings == 8 && warnings_with(m, want) == 1 &&
	     warnings_with(m, "accepted, has no effect here: ") == 3 &&
	     warnings_with(m, "target group my-app-tg has no targets") == 1 &&
	     warnings_with(m, "UserData: line ") == 3;
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "pitfall warning missing or worded otherwise");
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

CONFIG_TEST_MAIN(pitfall_warning, user_data_advice)
