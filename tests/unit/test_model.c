// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Lookups in a loaded model (user/model.c): objects by name or ARN, and the group that feeds a
 * target group, on good_full.json.
 */
#include "test_config.h"

#define ELB "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
#define ASG \
	"arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:8e1b0cd0-f005-4c92-9a6a-0123456789ab:autoScalingGroupName/"

static bool find_by_name_and_arn(void)
{
	struct full f;

	if (!load_full(&f))
		return false;
	ENSURE(model_lb_find(f.m, "front") == &f.m->lbs[0]);
	ENSURE(model_lb_find(f.m, ELB "loadbalancer/net/front/50dc6c") == &f.m->lbs[0]);
	ENSURE(model_tg_find(f.m, "fleet-443") == f.fleet_tg);
	ENSURE(model_tg_find(f.m, ELB "targetgroup/dns/1") == f.dns);
	ENSURE(model_asg_find(f.m, "canary") == f.canary);
	ENSURE(model_asg_find(f.m, ASG "fleet") == f.fleet);
	/* no such object; a name of another kind; an ARN of another kind; a malformed ARN */
	ENSURE(model_lb_find(f.m, "back") == NULL);
	ENSURE(model_tg_find(f.m, "fleet") == NULL);
	ENSURE(model_asg_find(f.m, "fleet-443") == NULL);
	ENSURE(model_tg_find(f.m, ELB "loadbalancer/net/front/50dc6c") == NULL);
	ENSURE(model_lb_find(f.m, ELB "targetgroup/front/1") == NULL);
	ENSURE(model_asg_find(f.m, "arn:aws:autoscaling:eu-west-1:1:autoScalingGroup:fleet") ==
	       NULL);
out:
	model_free(f.m);
	return true;
}

/* fleet-443 takes the instances of canary (its TargetGroupARNs) and of fleet (an Attachments
 * entry): the first group of the file, fleet, is the one named. The static target groups have
 * none.
 */
static bool tg_group(void)
{
	struct full f;

	if (!load_full(&f))
		return false;
	ENSURE(f.m->nasgs == 2 && &f.m->asgs[0] == f.fleet, "fleet is no longer the first group");
	ENSURE(model_tg_group(f.m, f.fleet_tg) == f.fleet);
	ENSURE(model_tg_group(f.m, f.st) == NULL);
	ENSURE(model_tg_group(f.m, f.dns) == NULL);
out:
	model_free(f.m);
	return true;
}

CONFIG_TEST_MAIN(find_by_name_and_arn, tg_group)
