// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Names and ARNs (user/cfg_names.c): the name inside each kind of ARN, and what is refused.
 */
#include "test_config.h"

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

CONFIG_TEST_MAIN(arn_names)
