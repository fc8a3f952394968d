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
	     warnings_with(m, "accepted, has no effect here: ") == 2 &&
	     warnings_with(m, "is not in Xlb.Images") == 1 &&
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
 * groups, IP address type) has an IPv6 listener reach only IPv6 targets: a group's instances
 * reach it through a target group of IpAddressType ipv6 (group_family_advice), static targets
 * by their own family. EC2 Auto Scaling takes any MaxSize within the account's quotas; this host
 * holds 64 instances a group and 256 in all. Each warning names the field with its line and
 * column.
 */
static bool no_backend_and_limits(void)
{
	char path[PATH_MAX + 64], want[PATH_MAX + 512];
	struct model *m;
	bool ok;

	if (!load_fixture("good_no_backend.json", &m, false))
		return false;
	fixture("good_no_backend.json", path, sizeof(path));
	snprintf(
		want, sizeof(want),
		"%s:13:9: $.LoadBalancers[0].Listeners[0]: 2001:2::10 gets no instance of group big on port 80: target group web-tg registers instances by their IPv4 address",
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

/* AWS, "Target groups for your Network Load Balancers" (IP address type): a target group's
 * IpAddressType is ipv4 unless it says ipv6, and an IPv6 target group takes the instances'
 * IPv6 addresses. xlb registers a group's instances by that family alone and translates none,
 * so an address of the other family gets no instance, and an ipv6 target group needs an IPv6
 * pool for them: both said at the listener. A dual-stack setup (one target group per family)
 * says nothing.
 */
static bool group_family_advice(void)
{
#define ADV_TG(n, t)                 \
	"{\"TargetGroupName\": \"" n \
	"\", \"Protocol\": \"TCP\", \"Port\": 80, \"IpAddressType\": \"" t "\"}"
#define ADV_L(port, tg)                                                                 \
	"{\"Port\": " #port ", \"Protocol\": \"TCP\", \"DefaultActions\": [{\"Type\": " \
	"\"forward\", \"TargetGroupArn\": \"" tg "\"}]}"
	static const char bad[] =
		"{\"LoadBalancers\": [{\"Name\": \"lb\", \"XlbAddresses\": [\"198.18.100.1\", "
		"\"2001:2:0:100::1\"], \"Listeners\": [" ADV_L(80, "t4") "," ADV_L(
			81,
			"t6") "]}],\n"
			      "\"TargetGroups\": [" ADV_TG("t4", "ipv4") "," ADV_TG(
				      "t6",
				      "ipv6") "],\n"
					      "\"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": "
					      "\"t3.micro\", \"UserData\": \"#!/bin/sh\\nexec xlb-backend\\n\"}],\n"
					      "\"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": "
					      "\"lc\", \"MinSize\": 1, \"MaxSize\": 1, \"TargetGroupARNs\": [\"t4\", \"t6\"]}]}\n";
	static const char good[] =
		"{\"Xlb\": {\"InstanceAddressPool6\": \"2001:2:0:e00::/112\"},\n"
		"\"LoadBalancers\": [{\"Name\": \"a\", \"XlbAddresses\": [\"198.18.100.1\"], "
		"\"Listeners\": [" ADV_L(
			80,
			"t4") "]}, {\"Name\": \"b\", \"XlbAddresses\": "
			      "[\"2001:2:0:100::1\"], \"Listeners\": [" ADV_L(
				      80,
				      "t6") "]}],\n"
					    "\"TargetGroups\": [" ADV_TG("t4", "ipv4") "," ADV_TG(
						    "t6",
						    "ipv6") "],\n"
							    "\"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": "
							    "\"t3.micro\", \"UserData\": \"#!/bin/sh\\nexec xlb-backend\\n\"}],\n"
							    "\"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": "
							    "\"lc\", \"MinSize\": 1, \"MaxSize\": 1, \"TargetGroupARNs\": [\"t4\", \"t6\"]}]}\n";
	struct config_error err;
	struct model *m = NULL;
	int ret = load_text(bad, &m, &err);
	bool ok;

	CHECK(!ret && m, "loaded: %s", ret ? err.msg : "");
	ok = warnings_with(m, "2001:2:0:100::1 gets no instance of group g on port 80: target "
			      "group t4 registers instances by their IPv4 address") == 1 &&
	     warnings_with(m, "198.18.100.1 gets no instance of group g on port 81: target group "
			      "t6 registers instances by their IPv6 address") == 1 &&
	     warnings_with(m, "$.TargetGroups[1]: target group t6 (IpAddressType ipv6) takes "
			      "the instances of group g, which get no IPv6 address without "
			      "Xlb.InstanceAddressPool6") == 1 &&
	     warnings_with(m, "$.LoadBalancers[0].Listeners[1]: 198.18.100.1 gets no") == 1;
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "family advice missing or worded otherwise");
	m = NULL;
	ret = load_text(good, &m, &err);
	CHECK(!ret && m, "loaded: %s", ret ? err.msg : "");
	ok = !warnings_with(m, "gets no instance") && !warnings_with(m, "InstanceAddressPool6");
	if (!ok)
		print_warnings(m);
	model_free(m);
	CHECK(ok, "a dual-stack setup warned about");
	return true;
#undef ADV_TG
#undef ADV_L
}

CONFIG_TEST_MAIN(pitfall_warning, user_data_advice, no_backend_and_limits, kept_no_effect,
		 group_family_advice)
