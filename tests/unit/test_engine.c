// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The group engine (engine.c) on a fake clock: the state counted from the group's instances
 * (InService, warming, prewarmed, an activity in progress), decisions applied to the group's
 * sizes with their cause kept for the launches they bring, each consumed once, and the sizes
 * kept in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "engine.h"

#define T0_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

static const char *const model_json =
	"{\"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": \"t3.micro\"}],"
	" \"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": \"lc\","
	" \"MinSize\": 1, \"MaxSize\": 10, \"DesiredCapacity\": 2, \"DefaultInstanceWarmup\": 2}],"
	" \"ScheduledActions\": ["
	"{\"AutoScalingGroupName\": \"g\", \"ScheduledActionName\": \"launch\","
	" \"StartTime\": \"2026-01-01T00:00:30Z\", \"DesiredCapacity\": 5, \"MaxSize\": 6},"
	"{\"AutoScalingGroupName\": \"g\", \"ScheduledActionName\": \"floor\","
	" \"StartTime\": \"2026-01-01T00:00:40Z\", \"MinSize\": 6},"
	"{\"AutoScalingGroupName\": \"g\", \"ScheduledActionName\": \"shrink\","
	" \"StartTime\": \"2026-01-01T00:00:50Z\", \"MinSize\": 1, \"MaxSize\": 3}]}";

struct h {
	struct model *m;
	struct scaling_engine *se;
	struct asg_group g;
	size_t napplied;
	char last_cause[SCALING_CAUSE_LEN];
};

static bool h_load(struct h *h)
{
	struct config_error err;
	int ret;

	memset(h, 0, sizeof(*h));
	ret = config_load_buffer("test.json", model_json, strlen(model_json), &h->m, &err);
	CHECK(ret == 0, "config: %s", err.msg);
	ret = scaling_new(h->m, &h->m->asgs[0], &h->se);
	CHECK(ret == 0, "scaling_new: %d", ret);
	ret = asg_group_init(&h->g, &h->m->asgs[0], T0_MS);
	CHECK(ret == 0, "asg_group_init: %d", ret);
	return true;
}

static void h_free(struct h *h)
{
	scaling_free(h->se);
	model_free(h->m);
}

static void h_applied(void *arg, const struct scaling_decision *d)
{
	struct h *h = arg;

	h->napplied++;
	snprintf(h->last_cause, sizeof(h->last_cause), "%s", d->cause);
}

/* An instance launched at `at`, InService from `up` unless up is 0. */
static bool h_inst(struct h *h, const char *id, uint64_t at, uint64_t up, bool prewarmed)
{
	struct asg_instance *in;

	CHECK(asg_instance_add(&h->g, id, at) == 0, "add %s", id);
	in = asg_instance_find(&h->g, id);
	CHECK(in, "find %s", id);
	in->prewarmed = prewarmed;
	if (up)
		CHECK(asg_instance_in_service(&h->g, id, up) == 0, "in service %s", id);
	return true;
}

static bool state_counts(void)
{
	struct scaling_state s;
	struct h h;
	bool ok = false;

	if (!h_load(&h))
		return false;
	/* two there from the start: warm at once, though in service at 0 */
	if (!h_inst(&h, "i-1", 0, 0, true) || !h_inst(&h, "i-2", 0, 0, true))
		goto out;
	asg_instance_in_service(&h.g, "i-1", 0);
	asg_instance_in_service(&h.g, "i-2", 0);
	engine_state(&h.g, 2000, 1000, &s);
	if (s.in_service != 2 || s.warming != 0 || s.activity_in_progress) {
		printf("  at 1 s: in service %u, warming %u, activity %d\n", s.in_service,
		       s.warming, s.activity_in_progress);
		goto out;
	}
	/* then one in service at 5 s, one still pending */
	if (!h_inst(&h, "i-3", 4000, 5000, false) || !h_inst(&h, "i-4", 6000, 0, false))
		goto out;
	h.g.last_activity_end = 5000;
	engine_state(&h.g, 2000, 6000, &s);
	if (s.in_service != 3 || s.warming != 1 || !s.activity_in_progress || s.min != 1 ||
	    s.max != 10 || s.desired != 2 || s.last_activity_end_ms != 5000 ||
	    s.wall_offset_ms != T0_MS) {
		printf("  at 6 s: in service %u, warming %u, activity %d, sizes %u %u %u\n",
		       s.in_service, s.warming, s.activity_in_progress, s.min, s.max, s.desired);
		goto out;
	}
	/* the warm-up over, the pending one gone: nothing warming, no activity */
	asg_instance_terminated(&h.g, "i-4");
	engine_state(&h.g, 2000, 7000, &s);
	ok = s.in_service == 3 && s.warming == 0 && !s.activity_in_progress;
	if (!ok)
		printf("  at 7 s: in service %u, warming %u, activity %d\n", s.in_service,
		       s.warming, s.activity_in_progress);
out:
	h_free(&h);
	return ok;
}

/* Each decision lands in the group's sizes once, its cause kept for the launches. */
static bool scale_applies_once(void)
{
	struct h h;
	size_t n;
	bool ok = false;

	if (!h_load(&h))
		return false;
	n = engine_scale(h.se, &h.g, 29000, h_applied, &h);
	if (n || h.napplied || h.g.desired != 2) {
		printf("  before 30 s: %zu decisions, desired %u\n", n, h.g.desired);
		goto out;
	}
	n = engine_scale(h.se, &h.g, 30000, h_applied, &h);
	if (n != 1 || h.napplied != 1 || h.g.desired != 5 || h.g.max_size != 6 ||
	    h.g.min_size != 1 || strcmp(h.g.desired_cause, h.last_cause) ||
	    strncmp(h.g.desired_cause, "At 2026-01-01T00:00:30Z a scheduled action", 42)) {
		printf("  at 30 s: %zu decisions, sizes %u %u %u, cause \"%s\"\n", n, h.g.min_size,
		       h.g.max_size, h.g.desired, h.g.desired_cause);
		goto out;
	}
	n = engine_scale(h.se, &h.g, 30000, h_applied, &h);
	ok = n == 0 && h.napplied == 1;
	if (!ok)
		printf("  at 30 s again: %zu more decisions\n", n);
out:
	h_free(&h);
	return ok;
}

/* MinSize raised past the desired capacity takes it along; MaxSize lowered brings it down. */
static bool sizes_stay_in_order(void)
{
	struct h h;
	bool ok = false;

	if (!h_load(&h))
		return false;
	engine_scale(h.se, &h.g, 30000, h_applied, &h);
	engine_scale(h.se, &h.g, 40000, h_applied, &h);
	if (h.g.min_size != 6 || h.g.max_size != 6 || h.g.desired != 6) {
		printf("  at 40 s: sizes %u %u %u, expected 6 6 6\n", h.g.min_size, h.g.max_size,
		       h.g.desired);
		goto out;
	}
	engine_scale(h.se, &h.g, 50000, h_applied, &h);
	ok = h.g.min_size == 1 && h.g.max_size == 3 && h.g.desired == 3 && h.napplied == 3;
	if (!ok)
		printf("  at 50 s: sizes %u %u %u after %zu decisions, expected 1 3 3 after 3\n",
		       h.g.min_size, h.g.max_size, h.g.desired, h.napplied);
out:
	h_free(&h);
	return ok;
}

int main(void)
{
	RUN(state_counts);
	RUN(scale_applies_once);
	RUN(sizes_stay_in_order);
	return check_summary();
}
