// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The auto-scaling group's planner with a fake clock: launches up to desired, clamping and
 * AWS's validation messages, scale in by each termination policy, replacement of unhealthy
 * (ELB after the grace period, EC2 at once), draining before termination, and the causes of the
 * activities a run records, word for word.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "asg.h"
#include "check.h"
#include "engine.h"

#define T0 1000000ULL		 /* the fake monotonic clock at the start */
#define WALL0 (1795820400000ULL) /* 2026-11-27T23:00:00Z */
#define OFFSET ((int64_t)(WALL0 - T0))
#define AT0 "At 2026-11-27T23:00:00Z "

static struct asg_group g;
static struct asg_plan plan;
static struct activity_log alog;
static unsigned int next_id;

/* A group as config.c would load it, 1..5 instances, no instance yet. */
static void group(uint32_t min, uint32_t max, uint32_t desired, enum model_asg_hc hc, size_t ntgs)
{
	struct model_tg tg = { .name = "my-app-tg", .dereg_delay_s = 300 };
	struct model_tg *tgs[1] = { &tg };
	struct model_launch lc = { .kind = MODEL_LAUNCH_CONFIGURATION, .name = "my-app-lc" };
	enum model_termination def = MODEL_TERM_DEFAULT;
	struct model_asg m = {
		.name = "my-app-asg",
		.min_size = min,
		.max_size = max,
		.desired = desired,
		.hc_type = hc,
		.grace_s = 300,
		.launch = &lc,
		.tgs = tgs,
		.ntgs = ntgs,
		.term = &def,
		.nterm = 1,
	};

	asg_group_init(&g, &m, OFFSET);
	activity_log_free(&alog);
	activity_log_init(&alog, 32);
	next_id = 0;
}

/* What xlbd does with a plan: the launcher's ids are i- and 17 hex digits counting up. */
static void apply(uint64_t now)
{
	uint64_t wall = now + (uint64_t)OFFSET;
	char id[ASG_ID_LEN];
	size_t i;

	for (i = 0; i < plan.nin_service; i++)
		asg_instance_in_service(&g, plan.in_service[i], now);
	for (i = 0; i < plan.nterminate; i++) {
		activity_record(&alog, g.name, false, plan.terminate[i].id, plan.terminate[i].cause,
				wall);
		asg_instance_terminating(&g, plan.terminate[i].id, plan.terminate[i].reason, now);
	}
	for (i = 0; i < plan.nfinish; i++)
		asg_instance_terminated(&g, plan.finish[i]);
	for (i = 0; i < plan.nlaunch; i++) {
		snprintf(id, sizeof(id), "i-%017x", ++next_id);
		activity_record(&alog, g.name, true, id, asg_plan_cause(&plan, i), wall);
		asg_instance_add(&g, id, now);
	}
}

/* Every Pending instance boots. */
static void boot_all(void)
{
	size_t i;

	for (i = 0; i < g.ninst; i++)
		if (g.inst[i].ec2 == ASG_EC2_PENDING)
			g.inst[i].ec2 = ASG_EC2_RUNNING;
}

static size_t count(enum asg_lifecycle s)
{
	size_t i, n = 0;

	for (i = 0; i < g.ninst; i++)
		n += g.inst[i].state == s;
	return n;
}

/* A group of `n` InService instances, i-...1 launched first, one minute apart. */
static void running(size_t n, uint64_t *now)
{
	size_t i;

	g.desired = (uint32_t)n;
	for (i = 0; i < n; i++) {
		char id[ASG_ID_LEN];

		snprintf(id, sizeof(id), "i-%017x", ++next_id);
		asg_instance_add(&g, id, *now);
		*now += 60000;
	}
	boot_all();
	asg_plan(&g, *now, &plan);
	apply(*now);
}

static bool test_launch_up_to_desired(void)
{
	uint64_t now = T0;

	group(1, 5, 2, MODEL_ASG_HC_EC2, 1);
	asg_plan(&g, now, &plan);
	CHECK(plan.capacity == 0 && plan.nlaunch == 2 && plan.nreplace == 0, "launch %zu",
	      plan.nlaunch);
	CHECK(strcmp(asg_plan_cause(&plan, 1),
		     AT0 "an instance was started in response to a difference between desired and "
			 "actual capacity, increasing the capacity from 0 to 2.") == 0,
	      "%s", asg_plan_cause(&plan, 1));
	apply(now);
	CHECK(count(ASG_PENDING) == 2, "pending %zu", count(ASG_PENDING));

	/* Pending ones count toward the capacity: no second launch while they boot. */
	now += 1000;
	asg_plan(&g, now, &plan);
	CHECK(plan.nlaunch == 0 && plan.nin_service == 0 && plan.nterminate == 0, "idle");

	boot_all();
	asg_plan(&g, now, &plan);
	CHECK(plan.nin_service == 2 && plan.nlaunch == 0, "in service %zu", plan.nin_service);
	apply(now);
	CHECK(count(ASG_IN_SERVICE) == 2, "in service %zu", count(ASG_IN_SERVICE));
	asg_plan(&g, now, &plan);
	CHECK(plan.nlaunch + plan.nterminate + plan.nfinish + plan.nin_service == 0, "steady");
	CHECK(plan.next_deadline == UINT64_MAX, "deadline %llu",
	      (unsigned long long)plan.next_deadline);
	CHECK(!plan.no_target_group, "has a target group");
	return true;
}

static bool test_clamp(void)
{
	group(2, 5, 3, MODEL_ASG_HC_EC2, 1);
	CHECK(asg_clamp(&g, -3) == 2, "low");
	CHECK(asg_clamp(&g, 1) == 2, "below min");
	CHECK(asg_clamp(&g, 4) == 4, "inside");
	CHECK(asg_clamp(&g, 99) == 5, "above max");
	return true;
}

static bool test_set_desired(void)
{
	uint64_t now = T0;
	char err[256] = "";

	group(1, 5, 2, MODEL_ASG_HC_EC2, 1);
	running(2, &now);
	CHECK(asg_set_desired(&g, 6, now, err, sizeof(err)) == -EINVAL, "6");
	CHECK(strcmp(err, "New SetDesiredCapacity value 6 is above max value 5 for the "
			  "AutoScalingGroup.") == 0,
	      "%s", err);
	CHECK(asg_set_desired(&g, 0, now, err, sizeof(err)) == -EINVAL, "0");
	CHECK(strcmp(err, "New SetDesiredCapacity value 0 is below min value 1 for the "
			  "AutoScalingGroup.") == 0,
	      "%s", err);
	CHECK(asg_set_desired(&g, -1, now, err, sizeof(err)) == -EINVAL, "-1");
	CHECK(strcmp(err, "Value -1 at 'desiredCapacity' failed to satisfy constraint: Member "
			  "must have value greater than or equal to 0") == 0,
	      "%s", err);
	CHECK(g.desired == 2, "unchanged %u", g.desired);

	now = T0; /* the request at 23:00:00, the launch ten seconds later */
	CHECK(asg_set_desired(&g, 4, now, err, sizeof(err)) == 0, "4");
	now += 10000;
	asg_plan(&g, now, &plan);
	CHECK(plan.nlaunch == 2, "launch %zu", plan.nlaunch);
	CHECK(strcmp(asg_plan_cause(&plan, 0), AT0
		     "a user request explicitly set group desired capacity changing the desired "
		     "capacity from 2 to 4.  At 2026-11-27T23:00:10Z an instance was started in "
		     "response to a difference between desired and actual capacity, increasing "
		     "the capacity from 2 to 4.") == 0,
	      "%s", asg_plan_cause(&plan, 0));
	apply(now);
	/* Told once: the next change's causes do not repeat it. */
	CHECK(g.desired_cause[0] == '\0', "consumed");
	CHECK(asg_set_desired(&g, 4, now, err, sizeof(err)) == 0 && !g.desired_cause[0],
	      "same value: no cause");
	return true;
}

static bool test_update_sizes(void)
{
	uint64_t now = T0;
	char err[256] = "";

	group(1, 5, 2, MODEL_ASG_HC_EC2, 1);
	CHECK(asg_update_sizes(&g, 5, 3, -1, now, err, sizeof(err)) == -EINVAL, "min > max");
	CHECK(strcmp(err, "Max bound, 3, must be greater than or equal to min bound, 5") == 0, "%s",
	      err);
	CHECK(asg_update_sizes(&g, 1, 3, 7, now, err, sizeof(err)) == -EINVAL, "desired");
	CHECK(strcmp(err, "Desired capacity:7 must be between the specified min size:1 and max "
			  "size:3") == 0,
	      "%s", err);
	CHECK(asg_update_sizes(&g, -2, -1, -1, now, err, sizeof(err)) == -EINVAL, "negative");
	CHECK(strcmp(err, "Value -2 at 'minSize' failed to satisfy constraint: Member must have "
			  "value greater than or equal to 0") == 0,
	      "%s", err);
	CHECK(g.min_size == 1 && g.max_size == 5 && g.desired == 2, "unchanged");

	CHECK(asg_update_sizes(&g, 1, 5, 3, now, err, sizeof(err)) == 0, "ok");
	CHECK(strcmp(g.desired_cause, AT0 "a user request update of AutoScalingGroup constraints "
					  "to min: 1, max: 5, desired: 3 changing the desired "
					  "capacity from 2 to 3.") == 0,
	      "%s", g.desired_cause);
	/* Without DesiredCapacity, it follows the bounds. */
	CHECK(asg_update_sizes(&g, 4, -1, -1, now, err, sizeof(err)) == 0 && g.desired == 4,
	      "raised to min: %u", g.desired);
	CHECK(asg_update_sizes(&g, 0, 2, -1, now, err, sizeof(err)) == 0 && g.desired == 2,
	      "lowered to max: %u", g.desired);
	CHECK(strstr(g.desired_cause, "to min: 0, max: 2, desired: 2 changing the desired "
				      "capacity from 4 to 2."),
	      "%s", g.desired_cause);
	return true;
}

/* Scale a group of four down to three with `policy`; returns the chosen id's number. */
static int scale_in_one(enum model_termination policy, uint64_t now)
{
	g.term[0] = policy;
	g.nterm = 1;
	g.desired = 3;
	asg_plan(&g, now, &plan);
	if (plan.nterminate != 1 || plan.nlaunch)
		return -1;
	return (int)strtoul(plan.terminate[0].id + 2, NULL, 16);
}

static bool test_policies(void)
{
	uint64_t now = T0;
	int id;

	/* i-1..i-4 launched a minute apart; now is 4 minutes after the first. */
	group(1, 5, 4, MODEL_ASG_HC_EC2, 1);
	running(4, &now);
	CHECK(g.ninst == 4 && count(ASG_IN_SERVICE) == 4, "four");

	id = scale_in_one(MODEL_TERM_OLDEST_INSTANCE, now);
	CHECK(id == 1, "OldestInstance picked %d", id);
	id = scale_in_one(MODEL_TERM_NEWEST_INSTANCE, now);
	CHECK(id == 4, "NewestInstance picked %d", id);

	/* ClosestToNextInstanceHour: 59 minutes after i-1's launch, i-1 is 1 minute from its
	 * next hour, the others further.
	 */
	id = scale_in_one(MODEL_TERM_CLOSEST_TO_NEXT_INSTANCE_HOUR, T0 + 59 * 60000);
	CHECK(id == 1, "ClosestToNextInstanceHour picked %d", id);
	/* 60.5 minutes in: i-2 (59.5 minutes old) is 30 s from its first hour's end, i-1 has
	 * begun its second.
	 */
	id = scale_in_one(MODEL_TERM_CLOSEST_TO_NEXT_INSTANCE_HOUR, T0 + 60 * 60000 + 30000);
	CHECK(id == 2, "ClosestToNextInstanceHour after an hour picked %d", id);

	/* Launch configurations: i-3's is the oldest. */
	g.inst[0].launch.created = 200;
	g.inst[1].launch.created = 300;
	g.inst[2].launch.created = 100;
	g.inst[3].launch.created = 300;
	id = scale_in_one(MODEL_TERM_OLDEST_LAUNCH_CONFIGURATION, now);
	CHECK(id == 3, "OldestLaunchConfiguration picked %d", id);
	id = scale_in_one(MODEL_TERM_DEFAULT, now);
	CHECK(id == 3, "Default (oldest launch configuration) picked %d", id);
	/* A listed policy decides before Default's launch configuration step. */
	id = scale_in_one(MODEL_TERM_CLOSEST_TO_NEXT_INSTANCE_HOUR, T0 + 59 * 60000);
	CHECK(id == 1, "ClosestToNextInstanceHour before Default picked %d", id);

	/* Templates: the group on lt-app v3; i-2 on another template goes first, then the
	 * lowest version of the group's.
	 */
	g.launch.kind = MODEL_LAUNCH_TEMPLATE;
	snprintf(g.launch.name, sizeof(g.launch.name), "lt-app");
	g.launch.version = 3;
	for (size_t i = 0; i < 4; i++) {
		g.inst[i].launch = g.launch;
		g.inst[i].launch.version = (uint32_t)(3 - (i % 2)); /* 3, 2, 3, 2 */
	}
	snprintf(g.inst[1].launch.name, sizeof(g.inst[1].launch.name), "lt-old");
	id = scale_in_one(MODEL_TERM_OLDEST_LAUNCH_TEMPLATE, now);
	CHECK(id == 2, "OldestLaunchTemplate (other template) picked %d", id);
	snprintf(g.inst[1].launch.name, sizeof(g.inst[1].launch.name), "lt-app");
	id = scale_in_one(MODEL_TERM_OLDEST_LAUNCH_TEMPLATE, now);
	CHECK(id == 2, "OldestLaunchTemplate (lowest version, then next hour) picked %d", id);
	g.inst[1].launch.version = 3;
	id = scale_in_one(MODEL_TERM_OLDEST_LAUNCH_TEMPLATE, now);
	CHECK(id == 4, "OldestLaunchTemplate (lowest version) picked %d", id);

	/* Default, group on a template: an instance still on a launch configuration first. */
	g.inst[2].launch.kind = MODEL_LAUNCH_CONFIGURATION;
	id = scale_in_one(MODEL_TERM_DEFAULT, now);
	CHECK(id == 3, "Default (launch configuration first) picked %d", id);
	g.inst[2].launch.kind = MODEL_LAUNCH_TEMPLATE;
	id = scale_in_one(MODEL_TERM_DEFAULT, now);
	CHECK(id == 4, "Default (oldest version) picked %d", id);
	/* All alike: closest to the next hour, then the lowest id. */
	g.inst[3].launch.version = 3;
	id = scale_in_one(MODEL_TERM_DEFAULT, T0 + 60 * 60000 + 30000);
	CHECK(id == 2, "Default (next hour) picked %d", id);
	id = scale_in_one(MODEL_TERM_ALLOCATION_STRATEGY, T0 + 60 * 60000 + 30000);
	CHECK(id == 2, "AllocationStrategy (as Default) picked %d", id);

	/* A full tie (same launch, same minute): the lowest id, every time. */
	for (size_t i = 0; i < 4; i++)
		g.inst[i].launched_at = T0;
	id = scale_in_one(MODEL_TERM_DEFAULT, T0 + 59 * 60000);
	CHECK(id == 1, "Default (tie) picked %d", id);
	snprintf(g.inst[0].id, sizeof(g.inst[0].id), "i-00000000000000009");
	id = scale_in_one(MODEL_TERM_DEFAULT, T0 + 59 * 60000);
	CHECK(id == 2, "Default (tie, renamed) picked %d", id);
	snprintf(g.inst[0].id, sizeof(g.inst[0].id), "i-00000000000000001");
	for (size_t i = 0; i < 4; i++)
		g.inst[i].launched_at = T0 + i * 60000;

	/* Several policies in order: NewestInstance decides before Default. */
	g.term[0] = MODEL_TERM_NEWEST_INSTANCE;
	g.term[1] = MODEL_TERM_DEFAULT;
	g.nterm = 2;
	asg_plan(&g, T0 + 59 * 60000, &plan);
	CHECK(plan.nterminate == 1 && strcmp(plan.terminate[0].id, "i-00000000000000004") == 0,
	      "list order");

	/* Protected from scale in: never chosen, even by the policy that wants it. */
	g.inst[3].protected_from_scale_in = true;
	id = scale_in_one(MODEL_TERM_NEWEST_INSTANCE, now);
	CHECK(id == 3, "protected skipped, picked %d", id);
	return true;
}

static bool test_scale_in_cause_and_drain(void)
{
	uint64_t now = T0 - 240000, t;
	char err[256];

	group(1, 5, 4, MODEL_ASG_HC_ELB, 1);
	running(4, &now); /* now == T0 */
	CHECK(asg_set_desired(&g, 2, now, err, sizeof(err)) == 0, "%s", err);
	g.term[0] = MODEL_TERM_OLDEST_INSTANCE;
	asg_plan(&g, now, &plan);
	CHECK(plan.nterminate == 2 && plan.nlaunch == 0, "terminate %zu", plan.nterminate);
	CHECK(strcmp(plan.terminate[0].id, "i-00000000000000001") == 0 &&
		      strcmp(plan.terminate[1].id, "i-00000000000000002") == 0,
	      "oldest two");
	CHECK(strcmp(plan.terminate[1].cause, AT0
		     "a user request explicitly set group desired capacity changing the desired "
		     "capacity from 4 to 2.  " AT0 "an instance was taken out of service in "
		     "response to a difference between desired and actual capacity, shrinking "
		     "the capacity from 4 to 2.  " AT0 "instance i-00000000000000002 was selected "
		     "for termination.") == 0,
	      "%s", plan.terminate[1].cause);
	apply(now);
	CHECK(count(ASG_TERMINATING) == 2 && count(ASG_IN_SERVICE) == 2, "two draining");
	CHECK(g.inst[0].health == ASG_HEALTHY, "scale in is no health verdict");

	/* Flows still open: wait, and say until when (the 300 s deregistration delay). */
	t = now + 1000;
	g.inst[0].flows_known = g.inst[1].flows_known = true;
	g.inst[0].flows = 3;
	g.inst[1].flows = 1;
	asg_plan(&g, t, &plan);
	CHECK(plan.nfinish == 0 && plan.nlaunch == 0 && plan.nterminate == 0, "waiting");
	CHECK(plan.next_deadline == now + 300000, "deadline %llu",
	      (unsigned long long)plan.next_deadline);

	/* i-1's last flow ends: it goes; i-2 keeps one until the delay runs out. */
	g.inst[0].flows = 0;
	asg_plan(&g, t + 5000, &plan);
	CHECK(plan.nfinish == 1 && strcmp(plan.finish[0], "i-00000000000000001") == 0,
	      "drained one");
	apply(t + 5000);
	asg_plan(&g, now + 299999, &plan);
	CHECK(plan.nfinish == 0, "not yet");
	asg_plan(&g, now + 300000, &plan);
	CHECK(plan.nfinish == 1 && strcmp(plan.finish[0], "i-00000000000000002") == 0,
	      "delay ran out");
	apply(now + 300000);
	CHECK(g.ninst == 2 && count(ASG_IN_SERVICE) == 2, "two left");

	/* Flow counts not known: only the delay ends the wait. */
	CHECK(asg_set_desired(&g, 1, now, err, sizeof(err)) == 0, "%s", err);
	t = now + 400000;
	asg_plan(&g, t, &plan);
	apply(t);
	asg_plan(&g, t + 1000, &plan);
	CHECK(plan.nfinish == 0 && plan.next_deadline == t + 300000, "unknown flows wait");
	return true;
}

static bool test_no_target_group(void)
{
	uint64_t now = T0;
	char w[512];

	group(1, 5, 2, MODEL_ASG_HC_EC2, 0);
	asg_plan(&g, now, &plan);
	CHECK(plan.no_target_group, "the pitfall is flagged");
	CHECK(asg_warning(&g, w, sizeof(w)) > 0 && strstr(w, "my-app-asg") &&
		      strstr(w, "no target group"),
	      "%s", w);
	/* Nothing to drain: a terminating instance goes at once. */
	running(2, &now);
	g.desired = 1;
	asg_plan(&g, now, &plan);
	apply(now);
	asg_plan(&g, now, &plan);
	CHECK(plan.nfinish == 1, "no drain without a target group");

	group(1, 5, 2, MODEL_ASG_HC_EC2, 1);
	CHECK(asg_warning(&g, w, sizeof(w)) == 0 && w[0] == '\0', "no warning: %s", w);
	return true;
}

static bool test_replace_elb_after_grace(void)
{
	struct health_target tgt = { .state = HEALTH_UNHEALTHY };
	uint64_t now = T0, launched;

	group(1, 5, 2, MODEL_ASG_HC_ELB, 1);
	running(2, &now);
	launched = g.inst[0].launched_at;
	g.inst[0].targets[0] = &tgt;
	g.inst[0].ntargets = 1;

	/* In the 300 s grace period: kept, and looked at again when it ends. */
	asg_plan(&g, launched + 299999, &plan);
	CHECK(plan.nterminate == 0 && plan.nlaunch == 0, "kept during grace");
	CHECK(plan.next_deadline == launched + 300000, "deadline %llu",
	      (unsigned long long)plan.next_deadline);

	now = launched + 300000;
	asg_plan(&g, now, &plan);
	CHECK(plan.nterminate == 1 && plan.terminate[0].reason == ASG_TERM_ELB_HEALTH,
	      "terminate %zu", plan.nterminate);
	CHECK(strcmp(plan.terminate[0].cause,
		     "At 2026-11-27T23:05:00Z an instance was taken out of service in response to "
		     "an ELB system health check failure.") == 0,
	      "%s", plan.terminate[0].cause);
	CHECK(plan.nlaunch == 1 && plan.nreplace == 1, "replaced");
	CHECK(strcmp(asg_plan_cause(&plan, 0),
		     "At 2026-11-27T23:05:00Z an instance was launched in response to an unhealthy "
		     "instance needing to be replaced.") == 0,
	      "%s", asg_plan_cause(&plan, 0));
	apply(now);
	CHECK(g.inst[0].state == ASG_TERMINATING && g.inst[0].health == ASG_UNHEALTHY,
	      "Terminating, Unhealthy");
	CHECK(count(ASG_PENDING) == 1, "replacement pending");
	/* Taken out once: the next plan does not replace it again. */
	asg_plan(&g, now + 1, &plan);
	CHECK(plan.nterminate == 0 && plan.nlaunch == 0, "once");

	/* The same unhealthy target under HealthCheckType EC2 is no reason to replace. */
	group(1, 5, 1, MODEL_ASG_HC_EC2, 1);
	now = T0;
	running(1, &now);
	g.inst[0].targets[0] = &tgt;
	g.inst[0].ntargets = 1;
	asg_plan(&g, now + 3600000, &plan);
	CHECK(plan.nterminate == 0 && plan.nlaunch == 0, "EC2 ignores ELB health");
	return true;
}

static bool test_replace_ec2_dead_at_once(void)
{
	uint64_t now = T0;
	char err[256];

	group(1, 5, 2, MODEL_ASG_HC_ELB, 1);
	running(2, &now);
	/* Dead well inside the grace period, while the desired capacity also goes up. */
	CHECK(asg_set_desired(&g, 3, now, err, sizeof(err)) == 0, "%s", err);
	g.inst[1].ec2 = ASG_EC2_STOPPED;
	asg_plan(&g, now, &plan);
	CHECK(plan.nterminate == 1 && plan.terminate[0].reason == ASG_TERM_EC2_HEALTH, "dead");
	CHECK(strstr(plan.terminate[0].cause,
		     "an instance was taken out of service in response to an EC2 health check "
		     "indicating it has been terminated or stopped.") ==
		      plan.terminate[0].cause + 24,
	      "%s", plan.terminate[0].cause);
	/* One replaces the dead one, one follows the new desired capacity (1 + 1 -> 3). */
	CHECK(plan.nlaunch == 2 && plan.nreplace == 1, "launch %zu replace %zu", plan.nlaunch,
	      plan.nreplace);
	CHECK(strstr(asg_plan_cause(&plan, 1), "increasing the capacity from 2 to 3."), "%s",
	      asg_plan_cause(&plan, 1));
	apply(now);
	/* Dead: nothing to drain, it goes in the next round even with flows reported. */
	g.inst[1].flows_known = true;
	g.inst[1].flows = 5;
	asg_plan(&g, now + 1, &plan);
	CHECK(plan.nfinish == 1 && strcmp(plan.finish[0], "i-00000000000000002") == 0, "gone");
	/* A Pending instance that dies is replaced too. */
	apply(now + 1);
	g.inst[g.ninst - 1].ec2 = ASG_EC2_STOPPED;
	asg_plan(&g, now + 2, &plan);
	CHECK(plan.nterminate == 1 && plan.nlaunch == 1, "pending dead");
	return true;
}

static bool test_activities_of_a_run(void)
{
	uint64_t now = T0;
	const struct activity *a;

	group(1, 5, 1, MODEL_ASG_HC_EC2, 1);
	asg_plan(&g, now, &plan);
	apply(now);
	a = activity_get(&alog, 0);
	CHECK(a && strcmp(a->description, "Launching a new EC2 instance: i-00000000000000001") == 0,
	      "%s", a ? a->description : "none");
	CHECK(strcmp(a->cause, AT0 "an instance was started in response to a difference between "
				   "desired and actual capacity, increasing the capacity from 0 "
				   "to 1.") == 0,
	      "%s", a->cause);
	CHECK(a->status == ACTIVITY_PRE_IN_SERVICE && a->start_ms == WALL0, "status");
	return true;
}

static bool test_full_group(void)
{
	uint64_t now = T0;

	/* More desired than slots: launches stop at the bound, nothing overflows. */
	group(1, 100, 100, MODEL_ASG_HC_EC2, 1);
	asg_plan(&g, now, &plan);
	CHECK(plan.nlaunch == ASG_INSTANCES_MAX, "launch %zu", plan.nlaunch);
	apply(now);
	CHECK(g.ninst == ASG_INSTANCES_MAX, "full");
	CHECK(asg_instance_add(&g, "i-0fffffffffffffffff", now) == -EINVAL, "id too long");
	CHECK(asg_instance_add(&g, "i-10000000000000000", now) == -ENOSPC, "no room");
	CHECK(asg_instance_add(&g, "i-00000000000000001", now) == -EEXIST, "twice");
	CHECK(asg_instance_terminated(&g, "i-nope") == -ENOENT, "unknown");
	asg_plan(&g, now, &plan);
	CHECK(plan.nlaunch == 0, "no room, no launch");
	return true;
}

/* ---- lifecycle hooks and the warm pool ---- */

/* The group above with hooks (heartbeat seconds, default result) and maybe a warm pool. */
static void group_lc(uint32_t max, uint32_t desired, int launch_hb, enum model_hook_result ldef,
		     int term_hb, enum model_hook_result tdef, bool warm, int64_t prepared,
		     uint32_t warm_min)
{
	struct model_tg tg = { .name = "my-app-tg", .dereg_delay_s = 300 };
	struct model_tg *tgs[1] = { &tg };
	struct model_launch lc = { .kind = MODEL_LAUNCH_CONFIGURATION, .name = "my-app-lc" };
	enum model_termination def = MODEL_TERM_DEFAULT;
	struct model_asg m = {
		.name = "my-app-asg",
		.max_size = max,
		.desired = desired,
		.launch = &lc,
		.tgs = tgs,
		.ntgs = 1,
		.term = &def,
		.nterm = 1,
	};

	if (launch_hb) {
		struct model_hook *h = &m.hooks[m.nhooks++];

		snprintf(h->name, sizeof(h->name), "on-launch");
		h->transition = MODEL_HOOK_LAUNCHING;
		h->heartbeat_s = (uint32_t)launch_hb;
		h->default_result = ldef;
	}
	if (term_hb) {
		struct model_hook *h = &m.hooks[m.nhooks++];

		snprintf(h->name, sizeof(h->name), "on-terminate");
		h->transition = MODEL_HOOK_TERMINATING;
		h->heartbeat_s = (uint32_t)term_hb;
		h->default_result = tdef;
	}
	m.warm.enabled = warm;
	m.warm.max_prepared = prepared;
	m.warm.min_size = warm_min;
	asg_group_init(&g, &m, OFFSET);
	activity_log_free(&alog);
	activity_log_init(&alog, 32);
	next_id = 0;
}

/* apply() and the lifecycle parts of a plan: holds get the token "tok-" + id, warm launches
 * ids counting up too.
 */
static void apply_lc(uint64_t now)
{
	char id[ASG_ID_LEN], tok[ASG_TOKEN_LEN];
	size_t i;

	for (i = 0; i < plan.nhold; i++) {
		snprintf(tok, sizeof(tok), "tok-%s", plan.hold[i]);
		asg_lifecycle_wait(&g, plan.hold[i], tok, now);
	}
	for (i = 0; i < plan.nfrom_warm; i++)
		asg_warm_take(&g, plan.from_warm[i], now);
	for (i = 0; i < plan.nwarm_ready; i++)
		asg_warm_ready(&g, plan.warm_ready[i], now);
	apply(now);
	for (i = 0; i < plan.nwarm_launch; i++) {
		snprintf(id, sizeof(id), "i-%017x", ++next_id);
		asg_warm_add(&g, id, now);
	}
}

/* AWS, "Amazon EC2 Auto Scaling lifecycle hooks": with a launch hook an instance goes from
 * Pending to Pending:Wait and stays out of the load balancer until the action completes;
 * CompleteLifecycleAction with CONTINUE moves it to Pending:Proceed, then InService. The action
 * is named by instance id or by its LifecycleActionToken.
 */
static bool test_hook_launch_continue(void)
{
	uint64_t now = T0;
	char err[256] = "";
	const char *id;

	group_lc(5, 2, 60, MODEL_HOOK_ABANDON, 0, 0, false, -1, 0);
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	CHECK(plan.nhold == 2 && plan.nin_service == 0, "hold %zu, in service %zu", plan.nhold,
	      plan.nin_service);
	apply_lc(now);
	CHECK_INT(count(ASG_PENDING_WAIT), ==, 2);
	CHECK_STR(asg_lifecycle_name(ASG_PENDING_WAIT), "Pending:Wait");
	/* still counted: no launch while they wait; the heartbeat timeout is the next deadline */
	asg_plan(&g, now + 1000, &plan);
	CHECK(plan.nlaunch == 0 && plan.nin_service == 0 && plan.nhold == 0, "idle");
	CHECK_INT(plan.next_deadline, ==, now + 60000);
	id = g.inst[0].id;
	CHECK_INT(asg_lifecycle_complete(&g, "other-hook", id, NULL, MODEL_HOOK_CONTINUE, now, err,
					 sizeof(err)),
		  ==, -ENOENT);
	CHECK(asg_lifecycle_complete(&g, "on-launch", id, NULL, MODEL_HOOK_CONTINUE, now, err,
				     sizeof(err)) == 0,
	      "%s", err);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Proceed");
	/* completing twice: nothing waits any more */
	CHECK_INT(asg_lifecycle_complete(&g, "on-launch", id, NULL, MODEL_HOOK_CONTINUE, now, err,
					 sizeof(err)),
		  ==, -EINVAL);
	CHECK(strstr(err, "No active Lifecycle Action found with instance ID") != NULL, "%s", err);
	/* the other by its token alone */
	CHECK(asg_lifecycle_complete(&g, "on-launch", NULL, "tok-i-00000000000000002",
				     MODEL_HOOK_CONTINUE, now, err, sizeof(err)) == 0,
	      "%s", err);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nin_service, ==, 2);
	apply_lc(now);
	CHECK_INT(count(ASG_IN_SERVICE), ==, 2);
	return true;
}

/* AWS, "Complete a lifecycle action": ABANDON on a launching instance terminates it, and the
 * group launches a replacement to keep its desired capacity. Here its termination hooks do not
 * run for an instance that never was in service.
 */
static bool test_hook_launch_abandon(void)
{
	uint64_t now = T0;
	char err[256] = "";

	group_lc(5, 1, 60, MODEL_HOOK_CONTINUE, 60, MODEL_HOOK_CONTINUE, false, -1, 0);
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply_lc(now);
	CHECK(asg_lifecycle_complete(&g, "on-launch", "i-00000000000000001", NULL,
				     MODEL_HOOK_ABANDON, now, err, sizeof(err)) == 0,
	      "%s", err);
	asg_plan(&g, now, &plan);
	CHECK(plan.nterminate == 1 && plan.terminate[0].reason == ASG_TERM_ABANDON, "terminate %zu",
	      plan.nterminate);
	CHECK(strstr(plan.terminate[0].cause, "ended in ABANDON") != NULL, "%s",
	      plan.terminate[0].cause);
	CHECK(plan.nlaunch == 1 && plan.nreplace == 1, "replacement %zu", plan.nlaunch);
	apply_lc(now);
	/* never registered: nothing to drain, and no Terminating:Wait */
	g.inst[0].flows_known = true;
	asg_plan(&g, now, &plan);
	CHECK(plan.nfinish == 1 && plan.nhold == 0, "finish %zu hold %zu", plan.nfinish,
	      plan.nhold);
	return true;
}

/* AWS, "Configure a notification target / heartbeat": the instance stays in the wait state
 * until the HeartbeatTimeout runs out, then the DefaultResult applies;
 * RecordLifecycleActionHeartbeat restarts the timeout. The global timeout is 48 hours or 100
 * times the heartbeat timeout, whichever is smaller, and no heartbeat extends a wait past it.
 */
static bool test_hook_timeouts(void)
{
	uint64_t now = T0, since;
	char err[256] = "";
	int i;

	CHECK_INT(asg_lifecycle_global_ms(30000), ==, 3000000);
	CHECK_INT(asg_lifecycle_global_ms(7200000), ==, 48ULL * 3600000);
	group_lc(5, 1, 60, MODEL_HOOK_CONTINUE, 0, 0, false, -1, 0);
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply_lc(now);
	since = now;
	CHECK_INT(asg_lifecycle_expire(&g, since + 59999), ==, 0);
	CHECK(asg_lifecycle_heartbeat(&g, "on-launch", "i-00000000000000001", NULL, since + 50000,
				      err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_INT(asg_lifecycle_expire(&g, since + 100000), ==, 0);
	asg_plan(&g, since + 100000, &plan);
	CHECK_INT(plan.next_deadline, ==, since + 110000);
	CHECK_INT(asg_lifecycle_expire(&g, since + 110000), ==, 1);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Proceed");

	/* DefaultResult ABANDON at the timeout: the instance is replaced */
	group_lc(5, 1, 30, MODEL_HOOK_ABANDON, 0, 0, false, -1, 0);
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply_lc(now);
	/* heartbeats every 20 s keep it waiting, up to the global timeout (100 x 30 s) */
	for (i = 1; i < 150; i++) {
		CHECK(asg_lifecycle_heartbeat(&g, "on-launch", "i-00000000000000001", NULL,
					      now + (uint64_t)i * 20000, err, sizeof(err)) == 0,
		      "%s", err);
		CHECK_INT(asg_lifecycle_expire(&g, now + (uint64_t)i * 20000 + 1), ==, 0);
	}
	CHECK_INT(asg_lifecycle_expire(&g, now + 3000000), ==, 1);
	CHECK(g.inst[0].state == ASG_PENDING_PROCEED && g.inst[0].abandoned, "abandoned");
	asg_plan(&g, now + 3000000, &plan);
	CHECK(plan.nterminate == 1 && plan.nlaunch == 1, "replaced");
	return true;
}

/* AWS, "Amazon EC2 Auto Scaling lifecycle hooks": a terminating instance is deregistered
 * (draining) and then held in Terminating:Wait; CONTINUE or ABANDON, both let it terminate
 * (Terminating:Proceed).
 */
static bool test_hook_terminating(void)
{
	uint64_t now = T0;
	char err[256] = "";
	size_t r;

	for (r = 0; r < 2; r++) {
		group_lc(5, 2, 0, 0, 60, MODEL_HOOK_ABANDON, false, -1, 0);
		running(2, &now);
		g.desired = 1;
		asg_plan(&g, now, &plan);
		CHECK_INT(plan.nterminate, ==, 1);
		apply_lc(now);
		/* draining first: flows left */
		asg_plan(&g, now, &plan);
		CHECK(plan.nhold == 0 && plan.nfinish == 0, "draining");
		g.inst[0].flows_known = true;
		g.inst[0].flows = 0;
		g.inst[1].flows_known = true;
		g.inst[1].flows = 0;
		asg_plan(&g, now, &plan);
		CHECK(plan.nhold == 1 && plan.nfinish == 0, "hold %zu finish %zu", plan.nhold,
		      plan.nfinish);
		apply_lc(now);
		CHECK_INT(count(ASG_TERMINATING_WAIT), ==, 1);
		asg_plan(&g, now, &plan);
		CHECK(plan.nfinish == 0 && plan.nhold == 0, "waits");
		CHECK(asg_lifecycle_complete(
			      &g, "on-terminate", plan.hold[0][0] ? plan.hold[0] : NULL,
			      g.inst[0].state == ASG_TERMINATING_WAIT ? g.inst[0].token :
									g.inst[1].token,
			      r ? MODEL_HOOK_CONTINUE : MODEL_HOOK_ABANDON, now, err,
			      sizeof(err)) == 0,
		      "%s", err);
		CHECK_INT(count(ASG_TERMINATING_PROCEED), ==, 1);
		asg_plan(&g, now, &plan);
		CHECK_INT(plan.nfinish, ==, 1);
	}
	return true;
}

/* AWS, PutLifecycleHook: a hook of an existing name is changed in place, a new one is added;
 * DeleteLifecycleHook: "If there are any outstanding lifecycle actions, they are completed
 * first (ABANDON for launching instances, CONTINUE for terminating instances)". The waits on
 * the hooks after the deleted one keep waiting on them.
 */
static bool test_hook_put_delete(void)
{
	struct asg_hook h = { .transition = MODEL_HOOK_LAUNCHING, .heartbeat_ms = 30000 };
	uint64_t now = T0;
	char err[256] = "";
	size_t i;

	group_lc(5, 2, 60, MODEL_HOOK_CONTINUE, 60, MODEL_HOOK_CONTINUE, false, -1, 0);
	snprintf(h.name, sizeof(h.name), "second-launch");
	CHECK_INT(asg_hook_put(&g, &h), ==, 0);
	CHECK_INT(g.nhooks, ==, 3);
	h.heartbeat_ms = 45000;
	CHECK_INT(asg_hook_put(&g, &h), ==, 0);
	CHECK(g.nhooks == 3 && g.hooks[2].heartbeat_ms == 45000, "replaced in place");
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply_lc(now);
	CHECK_INT(count(ASG_PENDING_WAIT), ==, 2);
	CHECK_INT(g.inst[0].hook_pending, ==, 0x5); /* on-launch and second-launch */
	/* the first: its wait completed with ABANDON, the instance goes */
	CHECK_INT(asg_hook_delete(&g, "on-launch"), ==, 0);
	CHECK_INT(asg_hook_delete(&g, "on-launch"), ==, -ENOENT);
	CHECK(g.nhooks == 2 && !strcmp(g.hooks[1].name, "second-launch"), "hooks moved down");
	for (i = 0; i < 2; i++) {
		CHECK_STR(asg_lifecycle_name(g.inst[i].state), "Pending:Proceed");
		CHECK(g.inst[i].abandoned, "instance %zu abandoned", i);
	}
	/* again, deleting the other launch hook: the wait on it is found at its new index */
	group_lc(5, 1, 60, MODEL_HOOK_CONTINUE, 60, MODEL_HOOK_CONTINUE, false, -1, 0);
	snprintf(h.name, sizeof(h.name), "second-launch");
	asg_hook_put(&g, &h);
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply_lc(now);
	CHECK_INT(asg_hook_delete(&g, "on-terminate"), ==, 0);
	CHECK_INT(g.inst[0].hook_pending, ==, 0x3);
	CHECK_INT(g.inst[0].hook_deadline[1], ==, now + 45000);
	CHECK(asg_lifecycle_complete(&g, "second-launch", g.inst[0].id, NULL, MODEL_HOOK_CONTINUE,
				     now, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Wait");
	CHECK(asg_lifecycle_complete(&g, "on-launch", g.inst[0].id, NULL, MODEL_HOOK_CONTINUE, now,
				     err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Proceed");
	CHECK(!g.inst[0].abandoned, "continued");
	/* full */
	for (i = g.nhooks; i < MODEL_HOOKS_MAX; i++) {
		snprintf(h.name, sizeof(h.name), "h%zu", i);
		CHECK_INT(asg_hook_put(&g, &h), ==, 0);
	}
	snprintf(h.name, sizeof(h.name), "one-too-many");
	CHECK_INT(asg_hook_put(&g, &h), ==, -ENOSPC);
	return true;
}

/* AWS, DeleteLifecycleHook: a terminating instance waiting on the deleted hook goes on as with
 * CONTINUE (Terminating:Proceed).
 */
static bool test_hook_delete_terminating(void)
{
	uint64_t now = T0;

	group_lc(5, 2, 0, 0, 60, MODEL_HOOK_ABANDON, false, -1, 0);
	running(2, &now);
	g.desired = 1;
	asg_plan(&g, now, &plan);
	apply_lc(now);
	g.inst[0].flows_known = g.inst[1].flows_known = true;
	g.inst[0].flows = g.inst[1].flows = 0;
	asg_plan(&g, now, &plan);
	apply_lc(now);
	CHECK_INT(count(ASG_TERMINATING_WAIT), ==, 1);
	CHECK_INT(asg_hook_delete(&g, "on-terminate"), ==, 0);
	CHECK_INT(count(ASG_TERMINATING_PROCEED), ==, 1);
	CHECK_INT(g.nhooks, ==, 0);
	return true;
}

/* AWS, "Warm pools for Amazon EC2 Auto Scaling": the warm pool's size is
 * MaxGroupPreparedCapacity (the group's MaxSize when it is not set) minus the desired capacity,
 * and at least the pool's MinSize.
 */
static bool test_warm_pool_size(void)
{
	group_lc(5, 2, 0, 0, 0, 0, true, -1, 0);
	CHECK_INT(asg_warm_size(&g), ==, 3);
	group_lc(5, 2, 0, 0, 0, 0, true, 4, 0);
	CHECK_INT(asg_warm_size(&g), ==, 2);
	group_lc(5, 3, 0, 0, 0, 0, true, 2, 1);
	CHECK_INT(asg_warm_size(&g), ==, 1);
	group_lc(5, 5, 0, 0, 0, 0, true, -1, 0);
	CHECK_INT(asg_warm_size(&g), ==, 0);
	group_lc(5, 2, 0, 0, 0, 0, false, -1, 3);
	CHECK_INT(asg_warm_size(&g), ==, 0);
	return true;
}

/* AWS, "Warm pools": instances launch into the pool, run their launch hooks there
 * (Warmed:Pending:Wait), then stop (Warmed:Stopped); a scale out takes warm instances before
 * launching new ones, and those go through Pending:Wait again on their way into service.
 */
static bool test_warm_pool_taken_first(void)
{
	uint64_t now = T0;
	size_t i;

	group_lc(4, 1, 60, MODEL_HOOK_CONTINUE, 0, 0, true, -1, 0);
	asg_plan(&g, now, &plan);
	CHECK(plan.nlaunch == 1 && plan.nwarm_launch == 3, "launch %zu warm %zu", plan.nlaunch,
	      plan.nwarm_launch);
	apply_lc(now);
	CHECK_INT(count(ASG_WARMED_PENDING), ==, 3);
	boot_all();
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nhold, ==, 4);
	apply_lc(now);
	CHECK_INT(count(ASG_WARMED_PENDING_WAIT), ==, 3);
	for (i = 0; i < g.ninst; i++)
		asg_lifecycle_complete(&g, "on-launch", g.inst[i].id, NULL, MODEL_HOOK_CONTINUE,
				       now, NULL, 0);
	asg_plan(&g, now, &plan);
	CHECK(plan.nwarm_ready == 3 && plan.nin_service == 1 && plan.nwarm_launch == 0, "ready %zu",
	      plan.nwarm_ready);
	apply_lc(now);
	CHECK_INT(count(ASG_WARMED_STOPPED), ==, 3);
	CHECK_INT(asg_warm_count(&g), ==, 3);

	/* scale out by 2: both from the pool, no launch; the pool shrinks to 4 - 3 = 1 */
	g.desired = 3;
	asg_plan(&g, now, &plan);
	CHECK(plan.nfrom_warm == 2 && plan.nlaunch == 0 && plan.nwarm_launch == 0,
	      "from warm %zu launch %zu", plan.nfrom_warm, plan.nlaunch);
	apply_lc(now);
	CHECK_INT(count(ASG_PENDING), ==, 2);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nhold, ==, 2);
	apply_lc(now);
	for (i = 0; i < g.ninst; i++)
		asg_lifecycle_complete(&g, "on-launch", g.inst[i].id, NULL, MODEL_HOOK_CONTINUE,
				       now, NULL, 0);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nin_service, ==, 2);
	apply_lc(now);
	CHECK_INT(count(ASG_IN_SERVICE), ==, 3);
	CHECK_INT(asg_warm_count(&g), ==, 1);
	/* scale in: the pool grows back to 4 - 1 = 3 by launches */
	g.desired = 1;
	asg_plan(&g, now, &plan);
	CHECK(plan.nterminate == 2 && plan.nwarm_launch == 2, "terminate %zu warm %zu",
	      plan.nterminate, plan.nwarm_launch);
	return true;
}

/* AWS, "Warm pools" (instance reuse policy): with ReuseOnScaleIn an instance chosen for scale
 * in returns to the warm pool instead of being terminated.
 */
static bool test_warm_pool_reuse(void)
{
	uint64_t now = T0;

	group_lc(2, 2, 0, 0, 0, 0, true, -1, 0);
	g.warm.reuse_on_scale_in = true;
	running(2, &now);
	g.desired = 1;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 1);
	apply_lc(now);
	g.inst[0].flows_known = g.inst[1].flows_known = true;
	g.inst[0].flows = g.inst[1].flows = 0;
	asg_plan(&g, now, &plan);
	CHECK(plan.nwarm_ready == 1 && plan.nfinish == 0, "ready %zu finish %zu", plan.nwarm_ready,
	      plan.nfinish);
	apply_lc(now);
	CHECK_INT(count(ASG_WARMED_STOPPED), ==, 1);
	return true;
}

/* ---- instance refresh, MaxInstanceLifetime, requests, suspended processes ---- */

static struct asg_refresh prefs(uint32_t min_pct, uint32_t max_pct, uint64_t warmup_ms)
{
	struct asg_refresh r = { .min_pct = min_pct, .max_pct = max_pct, .warmup_ms = warmup_ms };

	snprintf(r.id, sizeof(r.id), "%s", "refresh-1");
	return r;
}

static size_t planned(enum asg_term_reason reason)
{
	size_t i, n = 0;

	for (i = 0; i < plan.nterminate; i++)
		n += plan.terminate[i].reason == reason;
	return n;
}

static size_t marked_old(void)
{
	size_t i, n = 0;

	for (i = 0; i < g.ninst; i++)
		n += g.inst[i].refresh_old && g.inst[i].state != ASG_TERMINATING;
	return n;
}

/* One tick of xlbd: the refresh's progress, the plan, carried out, the new ones booted. */
static void step(uint64_t now)
{
	asg_refresh_tick(&g, now);
	asg_plan(&g, now, &plan);
	apply(now);
	boot_all();
}

/* AWS, "Understand the default values for an instance refresh" and "Instance refresh":
 * MinHealthyPercentage (default 90) is the share of desired capacity that must stay InService
 * and healthy; instances are replaced in batches, terminated first and then launched, and the
 * next batch waits until the new ones have passed their InstanceWarmup.
 */
static bool test_refresh_terminate_first(void)
{
	struct asg_refresh r = prefs(50, 100, 0);
	char err[256];
	uint64_t now = T0;
	size_t rounds;

	group(1, 8, 4, MODEL_ASG_HC_EC2, 1);
	running(4, &now);
	CHECK_INT(count(ASG_IN_SERVICE), ==, 4);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, 0);
	CHECK_INT(g.refresh[0].status, ==, ASG_REFRESH_PENDING);
	CHECK_INT(g.refresh[0].to_update, ==, 4);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, -EBUSY);
	CHECK(strstr(err, "already in progress"), "%s", err);

	/* 50% of 4: two may go at once, then two are launched */
	asg_refresh_tick(&g, now);
	CHECK_INT(g.refresh[0].status, ==, ASG_REFRESH_IN_PROGRESS);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_REFRESH), ==, 2);
	CHECK_INT(plan.nlaunch, ==, 2);
	CHECK(strstr(plan.terminate[0].cause, "in response to an instance refresh."), "%s",
	      plan.terminate[0].cause);
	apply(now);
	/* the next batch waits for the new ones: two old are all that serve */
	asg_plan(&g, now + 1000, &plan);
	CHECK_INT(planned(ASG_TERM_REFRESH), ==, 0);
	CHECK_INT(plan.nlaunch, ==, 0);
	CHECK_INT(asg_refresh_tick(&g, now + 1000)->pct, ==, 0);
	CHECK_INT(g.refresh[0].remaining, ==, 2);
	for (rounds = 0; rounds < 10 && g.refresh[0].status == ASG_REFRESH_IN_PROGRESS; rounds++) {
		now += 1000;
		step(now);
		CHECK(count(ASG_IN_SERVICE) + count(ASG_PENDING) == 4, "capacity %zu",
		      count(ASG_IN_SERVICE) + count(ASG_PENDING));
	}
	CHECK_INT(g.refresh[0].status, ==, ASG_REFRESH_SUCCESSFUL);
	CHECK_INT(g.refresh[0].pct, ==, 100);
	CHECK_INT(g.refresh[0].remaining, ==, 0);
	CHECK_INT(marked_old(), ==, 0);
	CHECK_INT(g.refresh[0].end, ==, now);
	return true;
}

/* AWS, "Instance refresh": with MinHealthyPercentage 100 and no MaxHealthyPercentage it
 * replaces one instance at a time; with MaxHealthyPercentage above 100 it launches the new
 * instances before terminating old ones, never above Max% of desired.
 */
static bool test_refresh_one_at_a_time_and_launch_first(void)
{
	struct asg_refresh r = prefs(100, 100, 0);
	char err[256];
	uint64_t now = T0;
	size_t rounds, most = 0;

	group(1, 8, 2, MODEL_ASG_HC_EC2, 1);
	running(2, &now);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, 0);
	asg_refresh_tick(&g, now);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_REFRESH), ==, 1);
	CHECK_INT(plan.nlaunch, ==, 1);
	apply(now);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 0);

	group(1, 8, 2, MODEL_ASG_HC_EC2, 1);
	now = T0;
	running(2, &now);
	r = prefs(100, 150, 0);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, 0);
	asg_refresh_tick(&g, now);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 0);
	CHECK_INT(plan.nlaunch, ==, 1);
	CHECK_INT(plan.surge, ==, 1);
	for (rounds = 0; rounds < 12 && g.refresh[0].status == ASG_REFRESH_IN_PROGRESS; rounds++) {
		step(now);
		now += 1000;
		CHECK(count(ASG_IN_SERVICE) >= 2, "in service %zu", count(ASG_IN_SERVICE));
		if (count(ASG_IN_SERVICE) + count(ASG_PENDING) > most)
			most = count(ASG_IN_SERVICE) + count(ASG_PENDING);
	}
	CHECK_INT(g.refresh[0].status, ==, ASG_REFRESH_SUCCESSFUL);
	CHECK_INT(most, ==, 3);
	CHECK_INT(count(ASG_IN_SERVICE), ==, 2);

	/* AWS's ranges: Min 0..100, Max 100..200, at most 100 apart */
	r = prefs(101, 100, 0);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, -EINVAL);
	r = prefs(50, 201, 0);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, -EINVAL);
	r = prefs(50, 160, 0);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, -EINVAL);
	return true;
}

/* AWS, "Instance refresh" (InstanceWarmup): a new instance counts as healthy capacity only
 * when its warm-up has passed; SkipMatching skips the instances already on the desired launch
 * template or configuration; CancelInstanceRefresh stops it (Cancelling, then Cancelled) and
 * leaves the instances already replaced as they are.
 */
static bool test_refresh_warmup_skip_cancel(void)
{
	struct asg_refresh r = prefs(50, 100, 30000);
	char err[256];
	uint64_t now = T0, t;

	group(1, 8, 2, MODEL_ASG_HC_EC2, 1);
	running(2, &now);
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, 0);
	step(now); /* one goes, one launches */
	now += 1000;
	step(now); /* in service */
	CHECK_INT(count(ASG_IN_SERVICE), ==, 2);
	t = now;
	for (; now < t + 29000; now += 1000) {
		step(now);
		CHECK(planned(ASG_TERM_REFRESH) == 0, "at +%llu ms, before the warm-up ended",
		      (unsigned long long)(now - t));
	}
	now = t + 30000;
	asg_refresh_tick(&g, now);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_REFRESH), ==, 1);

	/* SkipMatching: only the instance from the old configuration is replaced */
	group(1, 8, 2, MODEL_ASG_HC_EC2, 1);
	now = T0;
	running(2, &now);
	snprintf(g.inst[0].launch.name, sizeof(g.inst[0].launch.name), "%s", "my-app-lc-old");
	r = prefs(50, 100, 0);
	r.skip_matching = true;
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, 0);
	CHECK_INT(g.refresh[0].to_update, ==, 1);
	CHECK(g.inst[0].refresh_old && !g.inst[1].refresh_old, "the old one only");

	/* cancelled: the marks go, nothing more is replaced */
	CHECK_INT(asg_refresh_cancel(&g, now), ==, 0);
	CHECK_INT(asg_refresh_cancel(&g, now), ==, -ENOENT);
	CHECK_INT(g.refresh[0].status, ==, ASG_REFRESH_CANCELLING);
	step(now);
	CHECK_INT(g.refresh[0].status, ==, ASG_REFRESH_CANCELLED);
	CHECK_INT(planned(ASG_TERM_REFRESH), ==, 0);
	CHECK_INT(marked_old(), ==, 0);
	CHECK_INT(asg_refresh_cancel(&g, now), ==, -ENOENT);
	CHECK_STR(asg_refresh_status_name(g.refresh[0].status), "Cancelled");
	return true;
}

/* AWS, "Replace Auto Scaling instances based on maximum instance lifetime": instances older
 * than MaxInstanceLifetime are replaced gradually; xlb launches the replacement first and
 * terminates the expired one only when desired capacity is in service without it.
 */
static bool test_lifetime(void)
{
	uint64_t now = T0, day = 86400000ULL;
	size_t i;

	group(1, 8, 3, MODEL_ASG_HC_EC2, 1);
	g.max_lifetime_ms = day;
	g.warmup_ms = 0;
	running(3, &now); /* launched at T0, +1 min, +2 min */
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nlaunch + plan.nterminate, ==, 0);
	CHECK_INT(plan.next_deadline, ==, T0 + day);

	now = T0 + day;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.surge, ==, 1);
	CHECK_INT(plan.nlaunch, ==, 1);
	CHECK_INT(plan.nterminate, ==, 0);
	apply(now);
	boot_all();
	asg_plan(&g, now, &plan); /* the new one goes in service */
	apply(now);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_LIFETIME), ==, 1);
	CHECK_STR(plan.terminate[0].id, "i-00000000000000001");
	CHECK(strstr(plan.terminate[0].cause, "maximum instance lifetime"), "%s",
	      plan.terminate[0].cause);
	apply(now);
	/* no more than one at a time: the second expires a minute later */
	for (i = 0; i < 8; i++) {
		now += 30000;
		asg_plan(&g, now, &plan);
		apply(now);
		boot_all();
		CHECK(count(ASG_IN_SERVICE) >= 3, "in service %zu", count(ASG_IN_SERVICE));
	}
	CHECK_INT(count(ASG_TERMINATING), ==, 3);
	CHECK_INT(count(ASG_IN_SERVICE), ==, 3);
	return true;
}

/* AWS, "Temporarily remove instances from your Auto Scaling group" (standby): a Standby
 * instance is not counted in InService capacity nor health checked; EnterStandby with
 * ShouldDecrementDesiredCapacity lowers desired (not below MinSize), without it a replacement
 * is launched; ExitStandby raises desired by one and the instance goes back via Pending.
 */
static bool test_standby(void)
{
	uint64_t now = T0;
	char err[256];

	group(1, 3, 2, MODEL_ASG_HC_EC2, 1);
	running(2, &now);
	CHECK_INT(asg_standby(&g, "i-00000000000000001", true, true, now, err, sizeof(err)), ==, 0);
	CHECK_INT(g.desired, ==, 1);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Standby");
	g.inst[0].ec2 = ASG_EC2_STOPPED; /* not health checked while in standby */
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nlaunch + plan.nterminate, ==, 0);
	g.inst[0].ec2 = ASG_EC2_RUNNING;
	CHECK_INT(asg_standby(&g, "i-00000000000000002", true, true, now, err, sizeof(err)), ==,
		  -EINVAL);
	CHECK(strstr(err, "min-size=1"), "%s", err);
	CHECK_INT(asg_standby(&g, "i-00000000000000001", true, true, now, err, sizeof(err)), ==,
		  -EINVAL);
	CHECK(strstr(err, "not in InService"), "%s", err);
	/* without decrement, a replacement comes */
	CHECK_INT(asg_standby(&g, "i-00000000000000002", true, false, now, err, sizeof(err)), ==,
		  0);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nlaunch, ==, 1);
	apply(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply(now);
	/* out of standby: desired 2, then back to 3 through Pending */
	CHECK_INT(asg_standby(&g, "i-00000000000000001", false, false, now, err, sizeof(err)), ==,
		  0);
	CHECK_INT(g.desired, ==, 2);
	CHECK_INT(asg_standby(&g, "i-00000000000000002", false, false, now, err, sizeof(err)), ==,
		  0);
	CHECK_INT(g.desired, ==, 3);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nin_service, ==, 2);
	CHECK_INT(plan.nlaunch + plan.nterminate, ==, 0);
	apply(now);
	CHECK_INT(count(ASG_IN_SERVICE), ==, 3);
	CHECK_INT(asg_standby(&g, "i-00000000000000002", true, false, now, err, sizeof(err)), ==,
		  0);
	CHECK_INT(asg_standby(&g, "i-00000000000000002", false, false, now, err, sizeof(err)), ==,
		  -EINVAL);
	CHECK(strstr(err, "max-size=3"), "%s", err);
	CHECK_INT(asg_standby(&g, "i-nope", true, false, now, err, sizeof(err)), ==, -ENOENT);
	return true;
}

/* AWS, TerminateInstanceInAutoScalingGroup: with ShouldDecrementDesiredCapacity the group
 * shrinks (not below MinSize), without it a new instance replaces the one terminated.
 * SetInstanceHealth: an Unhealthy instance is replaced; ShouldRespectGracePeriod waits for
 * the end of HealthCheckGracePeriod.
 */
static bool test_user_requests(void)
{
	uint64_t now = T0;
	char err[256];

	group(1, 4, 3, MODEL_ASG_HC_EC2, 1);
	running(3, &now);
	CHECK_INT(asg_terminate_request(&g, "i-00000000000000001", true, now, err, sizeof(err)), ==,
		  0);
	CHECK_INT(g.desired, ==, 2);
	CHECK_INT(asg_terminate_request(&g, "i-00000000000000001", true, now, err, sizeof(err)), ==,
		  -EINVAL);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_USER), ==, 1);
	CHECK_INT(plan.nlaunch, ==, 0);
	CHECK_STR(plan.terminate[0].cause,
		  "At 2026-11-27T23:03:00Z instance i-00000000000000001 was taken out of service "
		  "in response to a user request, shrinking the capacity from 3 to 2.");
	apply(now);
	CHECK_INT(asg_terminate_request(&g, "i-00000000000000002", false, now, err, sizeof(err)),
		  ==, 0);
	CHECK_INT(g.desired, ==, 2);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_USER), ==, 1);
	CHECK_INT(plan.nlaunch, ==, 1);
	apply(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply(now);
	g.min_size = 2;
	CHECK_INT(asg_terminate_request(&g, "i-00000000000000003", true, now, err, sizeof(err)), ==,
		  -EINVAL);
	CHECK(strstr(err, "desiredSize equals minSize (2)"), "%s", err);
	CHECK_INT(asg_terminate_request(&g, "i-nope", true, now, err, sizeof(err)), ==, -ENOENT);

	/* set-instance-health within the grace period (300 s from launch) */
	CHECK_INT(asg_set_health(&g, "i-00000000000000004", ASG_UNHEALTHY, true, err, sizeof(err)),
		  ==, 0);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 0);
	CHECK_INT(plan.next_deadline, ==,
		  asg_instance_find(&g, "i-00000000000000004")->launched_at + 300000);
	CHECK_INT(asg_set_health(&g, "i-00000000000000004", ASG_UNHEALTHY, false, err, sizeof(err)),
		  ==, 0);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_USER_HEALTH), ==, 1);
	CHECK_INT(plan.nreplace, ==, 1);
	CHECK(strstr(plan.terminate[0].cause, "in response to a user health-check."), "%s",
	      plan.terminate[0].cause);
	/* Healthy takes the mark back */
	CHECK_INT(asg_set_health(&g, "i-00000000000000004", ASG_HEALTHY, false, err, sizeof(err)),
		  ==, 0);
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 0);
	return true;
}

/* AWS, "Suspend and resume Amazon EC2 Auto Scaling processes": Launch suspended, no instance
 * is launched (scale out or replacement); Terminate, none is terminated for scale in;
 * HealthCheck, health is not checked; ReplaceUnhealthy, unhealthy instances are marked but
 * not replaced; AlarmNotification and ScheduledActions, the policies and the scheduled
 * actions do not act; InstanceRefresh, a refresh makes no progress.
 */
static bool test_suspend(void)
{
	struct asg_refresh r = prefs(50, 100, 0);
	struct scaling_state st;
	uint64_t now = T0;
	char err[256];

	CHECK_INT(asg_process_parse("ReplaceUnhealthy"), ==, ASG_PROC_REPLACE_UNHEALTHY);
	CHECK_INT(asg_process_parse("Launches"), ==, -EINVAL);
	CHECK_STR(asg_process_name(ASG_PROC_ADD_TO_LOAD_BALANCER), "AddToLoadBalancer");

	group(1, 4, 2, MODEL_ASG_HC_EC2, 1);
	running(2, &now);
	g.suspended = 1u << ASG_PROC_LAUNCH;
	g.desired = 3;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nlaunch, ==, 0);
	g.suspended = 0;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nlaunch, ==, 1);

	g.desired = 1;
	g.suspended = 1u << ASG_PROC_TERMINATE;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 0);
	g.suspended = 0;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 1);
	g.desired = 2;

	g.inst[0].ec2 = ASG_EC2_STOPPED;
	g.suspended = 1u << ASG_PROC_HEALTH_CHECK;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate + plan.nunhealthy, ==, 0);
	g.suspended = 1u << ASG_PROC_REPLACE_UNHEALTHY;
	asg_plan(&g, now, &plan);
	CHECK_INT(plan.nterminate, ==, 0);
	CHECK_INT(plan.nunhealthy, ==, 1);
	CHECK_STR(plan.unhealthy[0], "i-00000000000000001");
	g.suspended = 0;
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_EC2_HEALTH), ==, 1);
	g.inst[0].ec2 = ASG_EC2_RUNNING;

	g.suspended = 1u << ASG_PROC_INSTANCE_REFRESH;
	CHECK_INT(asg_refresh_start(&g, &r, now, err, sizeof(err)), ==, 0);
	asg_refresh_tick(&g, now);
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_REFRESH), ==, 0);
	g.suspended = 0;
	asg_plan(&g, now, &plan);
	CHECK_INT(planned(ASG_TERM_REFRESH), ==, 1);

	g.suspended = 1u << ASG_PROC_ALARM_NOTIFICATION | 1u << ASG_PROC_SCHEDULED_ACTIONS;
	engine_state(&g, 0, now, &st);
	CHECK(st.no_policies && st.no_scheduled, "suspended in the engine's state");
	g.suspended = 0;
	engine_state(&g, 0, now, &st);
	CHECK(!st.no_policies && !st.no_scheduled, "resumed");
	return true;
}

/* A reload that changes the hook list while instances wait. Waits are kept by hook name:
 * reordering moves each wait with its hook (and its heartbeat deadline), a hook added holds no
 * instance already waiting, a hook removed ends its waits as AWS's DeleteLifecycleHook does:
 * "If there are any outstanding lifecycle actions, they are completed first (ABANDON for
 * launching instances, CONTINUE for terminating instances)".
 */
static bool test_hooks_set_keeps_waits_by_name(void)
{
	struct asg_hook list[3];
	char err[256] = "";
	uint64_t now = T0;

	group_lc(5, 1, 60, MODEL_HOOK_CONTINUE, 60, MODEL_HOOK_CONTINUE, false, -1, 0);
	list[0] = g.hooks[0]; /* on-launch */
	list[1] = g.hooks[1]; /* on-terminate */
	list[2] = g.hooks[0];
	snprintf(list[2].name, sizeof(list[2].name), "second-launch");
	list[2].heartbeat_ms = 90000;
	asg_hook_put(&g, &list[2]);
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply_lc(now);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Wait");
	CHECK_INT(g.inst[0].hook_pending, ==, 0x5);
	/* on-launch done; second-launch still pending */
	CHECK(asg_lifecycle_complete(&g, "on-launch", g.inst[0].id, NULL, MODEL_HOOK_CONTINUE, now,
				     err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_INT(g.inst[0].hook_pending, ==, 0x4);
	/* reordered: second-launch first, a new launch hook last */
	{
		struct asg_hook re[4] = { list[2], list[1], list[0], list[0] };

		snprintf(re[3].name, sizeof(re[3].name), "added-launch");
		asg_hooks_set(&g, re, 4);
	}
	CHECK_INT(g.nhooks, ==, 4);
	CHECK_STR(g.hooks[0].name, "second-launch");
	CHECK_INT(g.inst[0].hook_pending, ==, 0x1); /* second-launch only, at its new place */
	CHECK_INT(g.inst[0].hook_deadline[0], ==, now + 90000);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Wait");
	/* the completed hook and the added one answer "not waiting" */
	CHECK_INT(asg_lifecycle_complete(&g, "on-launch", g.inst[0].id, NULL, MODEL_HOOK_CONTINUE,
					 now, err, sizeof(err)),
		  ==, -EINVAL);
	CHECK_INT(asg_lifecycle_complete(&g, "added-launch", g.inst[0].id, NULL,
					 MODEL_HOOK_CONTINUE, now, err, sizeof(err)),
		  ==, -EINVAL);
	/* the hook it waits on removed: ABANDON, the instance goes */
	{
		struct asg_hook less[2] = { list[1], list[0] };

		asg_hooks_set(&g, less, 2);
	}
	CHECK_INT(g.nhooks, ==, 2);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Proceed");
	CHECK(g.inst[0].abandoned, "a removed launch hook's wait ends in ABANDON");
	return true;
}

/* The same at termination: a removed termination hook's wait ends in CONTINUE (the instance
 * goes on terminating, its other hooks still waited for); and a hook of the same name that
 * changed transition is another hook.
 */
static bool test_hooks_set_terminating(void)
{
	struct asg_hook two[2], one[1];
	uint64_t now = T0;
	size_t i;

	group_lc(5, 1, 0, MODEL_HOOK_CONTINUE, 60, MODEL_HOOK_ABANDON, false, -1, 0);
	two[0] = g.hooks[0];
	two[1] = g.hooks[0];
	snprintf(two[1].name, sizeof(two[1].name), "second-terminate");
	asg_hooks_set(&g, two, 2);
	asg_plan(&g, now, &plan);
	apply_lc(now);
	boot_all();
	asg_plan(&g, now, &plan);
	apply_lc(now);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "InService");
	CHECK_INT(asg_instance_terminating(&g, g.inst[0].id, ASG_TERM_USER, now), ==, 0);
	CHECK_INT(asg_lifecycle_wait(&g, g.inst[0].id, "tok", now), ==, 0);
	CHECK_INT(g.inst[0].hook_pending, ==, 0x3);
	one[0] = two[1];
	asg_hooks_set(&g, one, 1);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Terminating:Wait");
	CHECK_INT(g.inst[0].hook_pending, ==, 0x1);
	/* same name, now a launch hook: the termination wait on it ends (CONTINUE) */
	one[0].transition = MODEL_HOOK_LAUNCHING;
	asg_hooks_set(&g, one, 1);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Terminating:Proceed");
	CHECK(!g.inst[0].abandoned, "continued");
	for (i = 0; i < g.ninst; i++)
		CHECK_INT(g.inst[i].hook_pending, ==, 0);
	return true;
}

/* After a restart: the wait resumes on the hooks not yet completed, by name; one the list has
 * lost since ends it as a removal does.
 */
static bool test_lifecycle_resume(void)
{
	struct asg_hook h;
	const char *names[2] = { "second-launch", "gone-launch" };
	uint64_t now = T0;

	group_lc(5, 1, 60, MODEL_HOOK_CONTINUE, 0, MODEL_HOOK_CONTINUE, false, -1, 0);
	h = g.hooks[0];
	snprintf(h.name, sizeof(h.name), "second-launch");
	asg_hook_put(&g, &h);
	CHECK_INT(asg_instance_add(&g, "i-adopted", now), ==, 0);
	CHECK_INT(asg_lifecycle_resume(&g, "i-adopted", "tok-a", names, 1, now), ==, 0);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Wait");
	CHECK_INT(g.inst[0].hook_pending, ==, 0x2);
	CHECK_STR(g.inst[0].token, "tok-a");
	/* no names: every launch hook, as before this was kept */
	group_lc(5, 1, 60, MODEL_HOOK_CONTINUE, 0, MODEL_HOOK_CONTINUE, false, -1, 0);
	asg_hook_put(&g, &h);
	CHECK_INT(asg_instance_add(&g, "i-adopted", now), ==, 0);
	CHECK_INT(asg_lifecycle_resume(&g, "i-adopted", "tok-a", NULL, 0, now), ==, 0);
	CHECK_INT(g.inst[0].hook_pending, ==, 0x3);
	/* a hook gone meanwhile: ABANDON */
	group_lc(5, 1, 60, MODEL_HOOK_CONTINUE, 0, MODEL_HOOK_CONTINUE, false, -1, 0);
	asg_hook_put(&g, &h);
	CHECK_INT(asg_instance_add(&g, "i-adopted", now), ==, 0);
	CHECK_INT(asg_lifecycle_resume(&g, "i-adopted", "tok-a", names, 2, now), ==, 0);
	CHECK_STR(asg_lifecycle_name(g.inst[0].state), "Pending:Proceed");
	CHECK(g.inst[0].abandoned, "abandoned");
	return true;
}

int main(void)
{
	RUN(test_launch_up_to_desired);
	RUN(test_clamp);
	RUN(test_set_desired);
	RUN(test_update_sizes);
	RUN(test_policies);
	RUN(test_scale_in_cause_and_drain);
	RUN(test_no_target_group);
	RUN(test_replace_elb_after_grace);
	RUN(test_replace_ec2_dead_at_once);
	RUN(test_activities_of_a_run);
	RUN(test_full_group);
	RUN(test_hook_launch_continue);
	RUN(test_hook_launch_abandon);
	RUN(test_hook_timeouts);
	RUN(test_hook_terminating);
	RUN(test_hook_put_delete);
	RUN(test_hooks_set_keeps_waits_by_name);
	RUN(test_hooks_set_terminating);
	RUN(test_lifecycle_resume);
	RUN(test_hook_delete_terminating);
	RUN(test_warm_pool_size);
	RUN(test_warm_pool_taken_first);
	RUN(test_warm_pool_reuse);
	RUN(test_refresh_terminate_first);
	RUN(test_refresh_one_at_a_time_and_launch_first);
	RUN(test_refresh_warmup_skip_cancel);
	RUN(test_lifetime);
	RUN(test_standby);
	RUN(test_user_requests);
	RUN(test_suspend);
	activity_log_free(&alog);
	return check_summary();
}
