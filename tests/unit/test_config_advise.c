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

/* A VIP that gets no backend, and sizes past what the host holds. NLB's documentation (target
 * groups, IP address type) has an IPv6 listener reach only IPv6 targets; here a group's
 * instances get IPv6 addresses only from Xlb.InstanceAddressPool6. EC2 Auto Scaling takes any
 * MaxSize within the account's quotas; this host holds 64 instances a group and 256 in all.
 * Each warning names the field with its line and column.
 */
static bool no_backend_and_limits(void)
{
	char path[PATH_MAX + 64], want[PATH_MAX + 512], *text = NULL, *mod;
	struct config_error err;
	struct model *m;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (!load_fixture("good_no_backend.json", &m, false))
		return false;
	fixture("good_no_backend.json", path, sizeof(path));
	snprintf(
		want, sizeof(want),
		"%s:13:9: $.LoadBalancers[0].Listeners[0]: 2001:2::10 gets no backend on port 80: the instances of group big get IPv4 addresses only (no Xlb.InstanceAddressPool6)",
		path);
	ok = m->nwarnings == 5 && warnings_with(m, want) == 1 &&
	     warnings_with(m, "2001:2::10 gets no backend on port 81: the target groups of this "
			      "listener have no IPv6 target") == 1 &&
	     warnings_with(m, "good_no_backend.json:26:56: $.AutoScalingGroups[0].DesiredCapacity: "
			      "DesiredCapacity 70 is more than a group holds here: 64 instances") ==
		     1 &&
	     warnings_with(m, "good_no_backend.json:26:32: $.AutoScalingGroups[0].MaxSize: MaxSize "
			      "200 is more than a group holds here: 64 instances") == 1 &&
	     warnings_with(m, "good_no_backend.json:34:32: $.AutoScalingGroups[4].MaxSize: the "
			      "groups' MaxSize add up to 266 here (each at most 64), more than the "
			      "256 instances") == 1;
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "no-backend or limit warnings missing or worded otherwise");

	/* with an IPv6 pool the groups' instances can take the v6 VIP: port 80 is fine */
	f = fopen(path, "r");
	CHECK(f, "open %s", path);
	CHECK(getdelim(&text, &len, '\0', f) > 0, "read %s", path);
	fclose(f);
	mod = malloc(strlen(text) + 128);
	CHECK(mod && strchr(text, '{'), "memory");
	snprintf(mod, strlen(text) + 128,
		 "{\"Xlb\": {\"InstanceAddressPool6\": \"2001:2:0:1::/64\"},%s",
		 strchr(text, '{') + 1);
	free(text);
	ok = !load_text(mod, &m, &err) && m;
	free(mod);
	CHECK(ok, "loaded: %s", err.msg);
	ok = !warnings_with(m, "port 80:") && warnings_with(m, "port 81:") == 1;
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "an IPv6 pool still warned about port 80, or no longer about port 81");
	return true;
}

/* Kept fields that change nothing here: one warning each at the key, with why; none for
 * identity fields (VpcId, Tags of a target group or load balancer, AlarmDescription), an
 * attribute at its AWS default ("false"), or what other parts of xlb act on: stickiness.type
 * source_ip, least_outstanding_requests, slow start, connection termination,
 * MaxInstanceLifetime, PropagateAtLaunch tags. The target group attributes page of the ELB
 * guide has lb_cookie and app_cookie stickiness for HTTP only, and weighted_random for
 * application load balancers: nothing a layer-4 balancer does.
 */
static bool kept_no_effect(void)
{
	static const char *const want[] = {
		"good_kept.json:36:68: $.LaunchConfigurations[0].KeyName: accepted, has no effect here: ",
		"good_kept.json:8:7: $.TargetGroups[0].ProtocolVersion: accepted, has no effect here: ",
		"good_kept.json:27:7: $.LoadBalancers[0].Scheme: accepted, has no effect here: ",
		"good_kept.json:31:44: $.LoadBalancers[0].Listeners[1].SslPolicy: accepted, has no effect here: ",
		"good_kept.json:42:7: $.AutoScalingGroups[0].VPCZoneIdentifier: accepted, has no effect here: ",
		"good_kept.json:54:7: $.MetricAlarms[0].OKActions: accepted, has no effect here: ",
		"good_kept.json:16:18: $.TargetGroups[0].Attributes[6].Key: proxy_protocol_v2.enabled: accepted, has no effect here: ",
		"good_kept.json:20:18: $.TargetGroups[1].Attributes[0].Key: stickiness.type: accepted, has no effect here: only source_ip",
		"good_kept.json:21:18: $.TargetGroups[1].Attributes[1].Key: stickiness.lb_cookie.duration_seconds: accepted, has no effect here: ",
		"good_kept.json:22:18: $.TargetGroups[1].Attributes[2].Key: load_balancing.algorithm.type: accepted, has no effect here: ",
	};
	struct model *m;
	size_t i;
	bool ok;

	if (!load_fixture("good_kept.json", &m, false))
		return false;
	ok = m->nwarnings == sizeof(want) / sizeof(want[0]);
	for (i = 0; ok && i < sizeof(want) / sizeof(want[0]); i++)
		if (warnings_with(m, want[i]) != 1) {
			printf("  missing: %s\n", want[i]);
			ok = false;
		}
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "kept-field warnings wrong");
	return true;
}

CONFIG_TEST_MAIN(pitfall_warning, user_data_advice, no_backend_and_limits, kept_no_effect)
