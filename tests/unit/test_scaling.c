// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The scaling engine on a fake clock, one rule a case: target tracking out fast and in slowly,
 * DisableScaleIn, warm-up, step bounds, percent changes with MinAdjustmentMagnitude, a simple
 * policy's cooldown against a step policy that keeps acting, scheduled actions, several
 * policies together, clamping. TimeScale 60 makes every one-minute period one second.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "check.h"
#include "config.h"
#include "engine.h"
#include "scaling.h"

#define T0_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

struct h {
	struct model *m;
	struct scaling_engine *e;
	struct scaling_state s;
	uint64_t now;
	bool follow; /* in_service follows desired at once (no launch time, no warm-up) */
	struct scaling_decision last;
	uint64_t last_at; /* when the last decision came; UINT64_MAX: none yet */
	size_t ndec;
};

static double h_time_scale = 60; /* the next h_load's Xlb.TimeScale */

static const char *const group_json =
	"\"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": \"t3.micro\"}],"
	"\"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": \"lc\","
	" \"MinSize\": 1, \"MaxSize\": 10, \"DesiredCapacity\": 2, \"DefaultInstanceWarmup\": 0}],";

/* A model of group g (1..10, desired 2) with these top-level members added. */
static bool h_load(struct h *h, const char *members)
{
	char buf[8192];
	struct config_error err;
	int ret;

	memset(h, 0, sizeof(*h));
	snprintf(buf, sizeof(buf), "{\"Xlb\": {\"TimeScale\": %g}, %s %s}", h_time_scale, group_json,
		 members);
	ret = config_load_buffer("test.json", buf, strlen(buf), &h->m, &err);
	CHECK(ret == 0, "config: %s", err.msg);
	ret = scaling_new(h->m, &h->m->asgs[0], &h->e);
	CHECK(ret == 0, "scaling_new: %d", ret);
	h->s = (struct scaling_state){
		.min = 1, .max = 10, .desired = 2, .in_service = 2, .wall_offset_ms = T0_MS
	};
	h->follow = true;
	h->last_at = UINT64_MAX;
	return true;
}

static void h_free(struct h *h)
{
	scaling_free(h->e);
	model_free(h->m);
}

/* One second: the samples (NAN: no sample of that metric), then the decisions, applied by
 * the group engine as xlbd and the simulator apply them.
 */
static size_t h_step2(struct h *h, double cpu, double net)
{
	struct scaling_decision d;
	size_t n = 0;

	if (!isnan(cpu))
		scaling_feed(h->e, MODEL_METRIC_ASG_CPU, NULL, cpu, h->now);
	if (!isnan(net))
		scaling_feed(h->e, MODEL_METRIC_ASG_NETWORK_IN, NULL, net, h->now);
	while (n < ENGINE_DECISIONS && engine_decide(h->e, &h->s, h->now, &d)) {
		if (h->follow)
			h->s.in_service = h->s.desired;
		h->last = d;
		h->last_at = h->now;
		h->ndec++;
		n++;
	}
	h->now += 1000;
	return n;
}

static size_t h_step(struct h *h, double cpu)
{
	return h_step2(h, cpu, NAN);
}

/* Steps until a decision or `until` ms; true when one came. */
static bool h_until(struct h *h, double cpu, uint64_t until)
{
	while (h->now <= until)
		if (h_step(h, cpu))
			return true;
	return false;
}

#define TT_CPU(name, target, extra)                                                                     \
	"{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"" name                                     \
	"\", \"PolicyType\": \"TargetTrackingScaling\", \"TargetTrackingConfiguration\": "              \
	"{\"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"ASGAverageCPUUtilization\"}," \
	" \"TargetValue\": " #target extra "}}"

static bool tt_out_fast_in_slow(void)
{
	struct h h;
	bool ok = false;

	if (!h_load(&h, "\"ScalingPolicies\": [" TT_CPU("cpu50", 50, "") "]"))
		return false;
	/* 3 of 3 one-minute datapoints above: the third closes at 3 s */
	if (!h_until(&h, 90, 3000) || h.last_at != 3000 || h.last.desired != 4 ||
	    !h.last.set_desired || h.last.set_min || strcmp(h.last.policy, "cpu50")) {
		printf("  out: at %llu desired %u\n", (unsigned long long)h.last_at,
		       h.last.desired);
		goto out;
	}
	/* ceil(2 x 90 / 50) = 4; the cause in AWS's words */
	if (strncmp(h.last.cause,
		    "At 2026-01-01T00:00:03Z a monitor alarm TargetTracking-g-AlarmHigh-", 67) ||
	    !strstr(h.last.cause,
		    " in state ALARM triggered policy cpu50 changing the desired capacity from 2 to 4.")) {
		printf("  cause: %s\n", h.last.cause);
		goto out;
	}
	/* 20% on 4: needs ceil(4 x 20 / 50) = 2, after 15 of 15 datapoints under 45 (the
	 * first is the one of 4 s, closed at 5 s)
	 */
	if (h_until(&h, 20, 18000)) {
		printf("  scaled in early, at %llu\n", (unsigned long long)h.last_at);
		goto out;
	}
	if (!h_until(&h, 20, 19000) || h.last_at != 19000 || h.last.desired != 2 ||
	    !strstr(h.last.cause, "AlarmLow-") ||
	    !strstr(h.last.cause, "changing the desired capacity from 4 to 2.")) {
		printf("  in: at %llu desired %u: %s\n", (unsigned long long)h.last_at,
		       h.last.desired, h.last.cause);
		goto out;
	}
	/* 44% is under 45 but ceil(2 x 44 / 50) = 2: nothing to remove */
	ok = !h_until(&h, 44, 60000);
	if (!ok)
		printf("  scaled in to %u at 44%%\n", h.last.desired);
out:
	h_free(&h);
	return ok;
}

static bool tt_disable_scale_in(void)
{
	struct h h;
	bool ok = false;

	if (!h_load(&h,
		    "\"ScalingPolicies\": [" TT_CPU("cpu50", 50, ", \"DisableScaleIn\": true") "]"))
		return false;
	ENSURE(h_until(&h, 90, 3000));
	ENSURE(h.last.desired == 4);
	ok = !h_until(&h, 5, 60000) && h.s.desired == 4;
	if (!ok)
		printf("  scaled in with DisableScaleIn: desired %u at %llu\n", h.s.desired,
		       (unsigned long long)h.last_at);
out:
	h_free(&h);
	return ok;
}

/* Warming instances count as capacity already added: a scale-out is not repeated for them. */
static bool tt_warmup(void)
{
	struct h h;
	bool ok = false;

	if (!h_load(&h, "\"ScalingPolicies\": [" TT_CPU("cpu50", 50, "") "]"))
		return false;
	h.follow = false;
	ENSURE(h_until(&h, 90, 3000));
	ENSURE(h.last.desired == 4);
	/* the two new ones are in service but warming: the metric (over the two others) stays */
	h.s.in_service = 4;
	h.s.warming = 2;
	if (h_until(&h, 90, 10000)) {
		printf("  added again while warming: %u\n", h.last.desired);
		goto out;
	}
	/* warm: the metric now covers four, and is still 90: ceil(4 x 90 / 50) = 8, once the
	 * datapoints measured over four instances come
	 */
	h.s.warming = 0;
	if (!h_until(&h, 90, 14000) || h.last.desired != 8) {
		printf("  after warm-up: %u at %llu\n", h.last.desired,
		       (unsigned long long)h.last_at);
		goto out;
	}
	/* scale-in is held while instances warm up */
	h.s.in_service = 8;
	h.s.warming = 4;
	ok = !h_until(&h, 10, 40000);
	if (!ok)
		printf("  scaled in during warm-up: %u\n", h.last.desired);
out:
	h_free(&h);
	return ok;
}

#define STEP_OUT_POLICY                                                                                   \
	"{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"steps\", \"PolicyType\": \"StepScaling\", "  \
	"\"AdjustmentType\": \"ChangeInCapacity\", \"StepAdjustments\": ["                                \
	"{\"MetricIntervalLowerBound\": 0, \"MetricIntervalUpperBound\": 10, \"ScalingAdjustment\": 1},"  \
	"{\"MetricIntervalLowerBound\": 10, \"MetricIntervalUpperBound\": 20, \"ScalingAdjustment\": 2}," \
	"{\"MetricIntervalLowerBound\": 20, \"ScalingAdjustment\": 3}]}"
#define STEP_IN_POLICY                                                                                     \
	"{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"steps\", \"PolicyType\": \"StepScaling\", "   \
	"\"AdjustmentType\": \"ChangeInCapacity\", \"StepAdjustments\": ["                                 \
	"{\"MetricIntervalLowerBound\": -10, \"MetricIntervalUpperBound\": 0, \"ScalingAdjustment\": -1}," \
	"{\"MetricIntervalUpperBound\": -10, \"ScalingAdjustment\": -2}]}"
#define ALARM(cmp, threshold)                                                                      \
	"\"MetricAlarms\": [{\"AlarmName\": \"a\", \"MetricName\": \"CPUUtilization\", "           \
	"\"Namespace\": \"AWS/EC2\", \"Dimensions\": [{\"Name\": \"AutoScalingGroupName\", "       \
	"\"Value\": \"g\"}], \"Period\": 60, \"EvaluationPeriods\": 1, \"Threshold\": " #threshold \
	", \"ComparisonOperator\": \"" cmp "\", \"AlarmActions\": [\"steps\"]}]"

/* The capacity one datapoint v brings from desired, with policy and alarm; -1: none. */
static int64_t one_shot(const char *members, uint32_t desired, double v)
{
	struct h h;
	int64_t ret = -1;

	if (!h_load(&h, members))
		return -2;
	h.s.desired = h.s.in_service = desired;
	h_step(&h, v);
	if (h_step(&h, v))
		ret = h.last.desired;
	h_free(&h);
	return ret;
}

static bool step_bounds(void)
{
	static const struct {
		double v;
		int64_t want;
	} out[] = { { 49.9, -1 }, { 50, 5 }, { 59.9, 5 }, { 60, 6 },
		    { 69.99, 6 }, { 70, 7 }, { 500, 7 } };
	static const struct {
		double v;
		int64_t want;
	} in[] = { { 30, -1 }, { 29, 3 }, { 20.1, 3 }, { 20, 2 }, { 0, 2 } };
	size_t i;
	int64_t got;

	/* above the threshold: lower bounds inclusive, upper ones exclusive */
	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		got = one_shot("\"ScalingPolicies\": [" STEP_OUT_POLICY
			       "], " ALARM("GreaterThanOrEqualToThreshold", 50),
			       4, out[i].v);
		CHECK(got == out[i].want, "%.2f from 4: got %lld, want %lld", out[i].v,
		      (long long)got, (long long)out[i].want);
	}
	/* below it: upper bounds inclusive (-10 falls in the -2 step) */
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		got = one_shot("\"ScalingPolicies\": [" STEP_IN_POLICY
			       "], " ALARM("LessThanThreshold", 30),
			       4, in[i].v);
		CHECK(got == in[i].want, "%.2f from 4: got %lld, want %lld", in[i].v,
		      (long long)got, (long long)in[i].want);
	}
	return true;
}

static bool percent_rounding(void)
{
	static const struct {
		int adj, mam;
		uint32_t from;
		int64_t want;
	} cases[] = {
		{ 10, 0, 4, 5 },  /* +0.4 rounds to +1 */
		{ 50, 0, 5, 7 },  /* +2.5 rounds down to +2 */
		{ 30, 0, 9, 10 }, /* +2.7 -> +2 = 11, clamped to MaxSize 10 */
		{ -30, 0, 9, 7 }, /* -2.7 rounds toward zero: -2 */
		{ -10, 0, 5, 4 }, /* -0.5 becomes -1 */
		{ 10, 2, 4, 6 },  /* +1 raised to MinAdjustmentMagnitude 2 */
		{ 100, 2, 4, 8 }, /* +4, already past the magnitude */
		{ -25, 3, 8, 5 }, /* -2 raised to -3 */
	};
	char members[2048];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char mam[64] = "";
		int64_t got;

		if (cases[i].mam)
			snprintf(mam, sizeof(mam), "\"MinAdjustmentMagnitude\": %d, ",
				 cases[i].mam);
		snprintf(
			members, sizeof(members),
			"\"ScalingPolicies\": [{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"steps\", "
			"\"PolicyType\": \"StepScaling\", \"AdjustmentType\": \"PercentChangeInCapacity\", "
			"%s\"StepAdjustments\": [{\"MetricIntervalLowerBound\": 0, \"ScalingAdjustment\": %d}]}], " ALARM(
				"GreaterThanThreshold", 50),
			mam, cases[i].adj);
		got = one_shot(members, cases[i].from, 60);
		CHECK(got == cases[i].want, "%+d%% (magnitude %d) from %u: got %lld, want %lld",
		      cases[i].adj, cases[i].mam, cases[i].from, (long long)got,
		      (long long)cases[i].want);
	}
	return true;
}

/* A simple policy waits for the activity and its cooldown; a step policy goes on acting. */
static bool simple_cooldown_vs_step(void)
{
	struct h h;
	bool ok = false;

	if (!h_load(&h,
		    "\"ScalingPolicies\": [{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"steps\", "
		    "\"AdjustmentType\": \"ChangeInCapacity\", \"ScalingAdjustment\": 1, \"Cooldown\": 300}], " ALARM(
			    "GreaterThanThreshold", 50)))
		return false;
	h.follow = false;
	ENSURE(h_until(&h, 90, 1000));
	ENSURE(h.last.desired == 3);
	ENSURE(h.last_at == 1000);
	/* launching (2 s), then InService at 3 s: cooldown 300 s / 60 = 5 s from there */
	h.s.activity_in_progress = true;
	ENSURE(!h_until(&h, 90, 2000));
	h.s.activity_in_progress = false;
	h.s.in_service = 3;
	h.s.last_activity_end_ms = 3000;
	if (h_until(&h, 90, 7000)) {
		printf("  acted in cooldown at %llu\n", (unsigned long long)h.last_at);
		goto out;
	}
	if (!h_until(&h, 90, 8000) || h.last_at != 8000 || h.last.desired != 4) {
		printf("  after cooldown: %u at %llu\n", h.last.desired,
		       (unsigned long long)h.last_at);
		goto out;
	}
	h_free(&h);

	/* the same alarm on a step policy: a bigger breach during the activity acts at once */
	if (!h_load(&h, "\"ScalingPolicies\": [" STEP_OUT_POLICY
			"], " ALARM("GreaterThanOrEqualToThreshold", 50)))
		return false;
	h.follow = false;
	ENSURE(h_until(&h, 55, 1000));
	ENSURE(h.last.desired == 3);
	h.s.activity_in_progress = true;
	/* still +1 over the 2 that were measured: 3, already asked for */
	ENSURE(!h_until(&h, 55, 3000));
	ok = h_until(&h, 95, 5000) && h.last.desired == 5 && h.s.activity_in_progress;
	if (!ok)
		printf("  step during the activity: %u\n", h.last.desired);
out:
	h_free(&h);
	return ok;
}

static bool scheduled_actions(void)
{
	struct h h;
	bool ok = false;

	if (!h_load(&h,
		    "\"ScheduledActions\": ["
		    "{\"AutoScalingGroupName\": \"g\", \"ScheduledActionName\": \"open\", "
		    "\"Recurrence\": \"1 0 * * *\", \"MinSize\": 3},"
		    "{\"AutoScalingGroupName\": \"g\", \"ScheduledActionName\": \"launch\", "
		    "\"StartTime\": \"2026-01-01T00:00:30Z\", \"DesiredCapacity\": 5, \"MaxSize\": 6}]"))
		return false;
	/* on the wall clock, TimeScale or not: 30 s, then 60 s in */
	if (!h_until(&h, NAN, 40000) || h.last_at != 30000 || !h.last.set_desired ||
	    !h.last.set_max || h.last.set_min || h.last.desired != 5 || h.last.max != 6 ||
	    strcmp(h.last.cause, "At 2026-01-01T00:00:30Z a scheduled action update of "
				 "AutoScalingGroup constraints to min: 1, max: 6, desired: 5 "
				 "changing the desired capacity from 2 to 5.")) {
		printf("  one-time: at %llu: %s\n", (unsigned long long)h.last_at, h.last.cause);
		goto out;
	}
	h.s.desired = 2; /* say a user set it back */
	if (!h_until(&h, NAN, 70000) || h.last_at != 60000 || !h.last.set_min || h.last.min != 3 ||
	    h.last.desired != 3 ||
	    strcmp(h.last.cause, "At 2026-01-01T00:01:00Z a scheduled action update of "
				 "AutoScalingGroup constraints to min: 3, max: 6, desired: 3 "
				 "changing the desired capacity from 2 to 3.")) {
		printf("  cron: at %llu: %s\n", (unsigned long long)h.last_at, h.last.cause);
		goto out;
	}
	/* next: a day later, not again today */
	ok = !h_until(&h, NAN, 200000);
out:
	h_free(&h);
	return ok;
}

#define TT_NET(name, target)                                                                       \
	"{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"" name                                \
	"\", \"PolicyType\": \"TargetTrackingScaling\", \"TargetTrackingConfiguration\": "         \
	"{\"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"ASGAverageNetworkIn\"}," \
	" \"TargetValue\": " #target "}}"

/* Out if any says out; in only when every target tracking policy that may scale in says in. */
static bool several_policies(void)
{
	struct h h;
	bool ok = false;
	size_t i;

	if (!h_load(&h,
		    "\"ScalingPolicies\": [" TT_CPU("cpu50", 50, "") ", " TT_NET("net", 1000) "]"))
		return false;
	/* CPU wants 4, the network wants fewer: out wins */
	for (i = 0; i < 4 && !h.ndec; i++)
		h_step2(&h, 90, 100);
	ENSURE(h.ndec == 1);
	ENSURE(h.last.desired == 4);
	ENSURE(!strcmp(h.last.policy, "cpu50"));
	/* CPU low, the network at target: no scale-in however long */
	for (i = 0; i < 40; i++)
		h_step2(&h, 10, 950);
	if (h.ndec != 1) {
		printf("  scaled in while the network policy disagreed: %u\n", h.last.desired);
		goto out;
	}
	/* both low for 15 periods: in, to the larger of the two (ceil(4 x 10 / 50) = 1,
	 * ceil(4 x 300 / 1000) = 2)
	 */
	for (i = 0; i < 16 && h.ndec == 1; i++)
		h_step2(&h, 10, 300);
	ok = h.ndec == 2 && h.last.desired == 2 && !strcmp(h.last.policy, "net");
	if (!ok)
		printf("  in: %zu decisions, desired %u by %s\n", h.ndec, h.last.desired,
		       h.last.policy);
out:
	h_free(&h);
	return ok;
}

static bool clamping(void)
{
	struct h h;
	char ev[16][SCALING_EVENT_LEN];
	size_t n, i;
	bool ok = false, said = false;

	if (!h_load(&h, "\"ScalingPolicies\": [" TT_CPU("cpu50", 50, "") "]"))
		return false;
	/* ceil(2 x 400 / 50) = 16, clamped to MaxSize 10 */
	ENSURE(h_until(&h, 400, 3000));
	ENSURE(h.last.desired == 10);
	ENSURE(strstr(h.last.cause, "from 2 to 10."));
	/* at 10 already: no decision, one event saying why */
	ENSURE(!h_until(&h, 400, 10000));
	n = scaling_events(h.e, ev, 16);
	for (i = 0; i < n; i++)
		said |= strstr(ev[i], "wants") &&
			strstr(ev[i], "stays at 10 (MinSize 1, MaxSize 10)");
	/* and at the bottom, MinSize holds */
	h.s.min = 3;
	ok = said && h_until(&h, 1, 30000) && h.last.desired == 3;
	if (!ok)
		printf("  said %d, in to %u\n", said, h.last.desired);
out:
	h_free(&h);
	return ok;
}

/* Alarms: M out of N, missing data, and the JSON view. */
static bool alarm_states(void)
{
	struct h h;
	struct json_object *j;
	const char *s;
	bool ok = false;

	if (!h_load(&h,
		    "\"ScalingPolicies\": [" STEP_OUT_POLICY
		    "], \"MetricAlarms\": [{\"AlarmName\": \"a\", "
		    "\"MetricName\": \"ASGAverageCPUUtilization\", \"AlarmActions\": [\"steps\"], "
		    "\"Period\": 60, \"EvaluationPeriods\": 3, \"DatapointsToAlarm\": 2, "
		    "\"Threshold\": 50, \"ComparisonOperator\": \"GreaterThanThreshold\"}]"))
		return false;
	h.follow = false;
	h_step(&h, 90);
	h_step(&h, 10);
	ENSURE(scaling_alarm_state(h.e, 0) == SCALING_INSUFFICIENT_DATA);
	h_step(&h, 90); /* 90, 10 closed: 1 of 2 so far, one missing: could still alarm */
	ENSURE(scaling_alarm_state(h.e, 0) == SCALING_INSUFFICIENT_DATA);
	ENSURE(!h.ndec);
	h_step(&h, 10); /* 90, 10, 90: 2 of 3 */
	ENSURE(scaling_alarm_state(h.e, 0) == SCALING_ALARM);
	ENSURE(h.ndec == 1);
	h_step(&h, NAN); /* 10, 90, 10: 1 of 3 */
	ENSURE(scaling_alarm_state(h.e, 0) == SCALING_OK);
	/* no samples for 3 periods: INSUFFICIENT_DATA (TreatMissingData missing) */
	h.now += 3000;
	h_step(&h, NAN);
	ENSURE(scaling_alarm_state(h.e, 0) == SCALING_INSUFFICIENT_DATA);
	j = scaling_json(h.e);
	s = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN) : "";
	ok = strstr(s, "\"AlarmName\":\"a\"") &&
	     strstr(s, "\"StateValue\":\"INSUFFICIENT_DATA\"") &&
	     strstr(s, "\"MetricName\":\"ASGAverageCPUUtilization\"") &&
	     strstr(s, "\"AlarmActions\":[\"steps\"]");
	if (!ok)
		printf("  json: %s\n", s);
	json_object_put(j);
out:
	if (!ok)
		printf("  state %s after %zu decisions\n",
		       scaling_state_name(scaling_alarm_state(h.e, 0)), h.ndec);
	h_free(&h);
	return ok;
}


/* The newest datapoint of alarm `name` in the engine's JSON; NAN when none. */
static double h_datapoint(struct h *h, const char *name)
{
	struct json_object *j = scaling_json(h->e), *alarms, *a, *dps, *v;
	double ret = NAN;
	size_t i, n;

	if (!j || !json_object_object_get_ex(j, "MetricAlarms", &alarms))
		goto out;
	for (i = 0; i < json_object_array_length(alarms); i++) {
		a = json_object_array_get_idx(alarms, i);
		if (!json_object_object_get_ex(a, "AlarmName", &v) ||
		    strcmp(json_object_get_string(v), name) ||
		    !json_object_object_get_ex(a, "Datapoints", &dps))
			continue;
		n = json_object_array_length(dps);
		v = n ? json_object_array_get_idx(dps, n - 1) : NULL;
		if (v)
			ret = json_object_get_double(v);
	}
out:
	json_object_put(j);
	return ret;
}

#define NET_ALARM(name, stat, period)                                                           \
	"{\"AlarmName\": \"" name "\", \"MetricName\": \"NetworkIn\", \"Namespace\": \"AWS/EC2\", " \
	"\"Dimensions\": [{\"Name\": \"AutoScalingGroupName\", \"Value\": \"g\"}], "             \
	"\"Statistic\": \"" stat "\", \"Period\": " #period ", \"EvaluationPeriods\": 1, "       \
	"\"Threshold\": 1, \"ComparisonOperator\": \"GreaterThanThreshold\"}"

/* Count metrics in AWS's units. The EC2 user guide's list of instance metrics says NetworkIn is
 * the number of bytes received during the period (Bytes): with Sum over a period it is that
 * period's bytes, and with one-minute (detailed) monitoring each datapoint holds one minute's
 * bytes, so Average, Minimum and Maximum are bytes per minute. xlb samples a rate per second;
 * at TimeScale 6 a 300 s period lasts 50 s and a minute 10 s: 100 B/s gives 5000 bytes per
 * period (Sum) and 1000 bytes per minute (Average, Maximum), not 100 as a per-second value.
 * CPU, a percentage (Average), is not scaled.
 */
static bool count_metrics_per_period(void)
{
	struct h h;
	double sum, avg, max, cpu;
	int i;

	h_time_scale = 6;
	if (!h_load(&h, "\"MetricAlarms\": [" NET_ALARM("sum", "Sum", 300) ", " NET_ALARM(
				"avg", "Average", 300) ", " NET_ALARM("max", "Maximum", 60) ", "
				"{\"AlarmName\": \"cpu\", \"MetricName\": \"CPUUtilization\", "
				"\"Namespace\": \"AWS/EC2\", \"Dimensions\": [{\"Name\": "
				"\"AutoScalingGroupName\", \"Value\": \"g\"}], \"Statistic\": "
				"\"Average\", \"Period\": 60, \"EvaluationPeriods\": 1, "
				"\"Threshold\": 1, \"ComparisonOperator\": \"GreaterThanThreshold\"}]")) {
		h_time_scale = 60;
		return false;
	}
	h_time_scale = 60;
	for (i = 0; i <= 50; i++)
		h_step2(&h, 40, i < 25 ? 80 : 120); /* a mean of 100 B/s, 120 at most */
	sum = h_datapoint(&h, "sum");
	avg = h_datapoint(&h, "avg");
	max = h_datapoint(&h, "max");
	cpu = h_datapoint(&h, "cpu");
	h_free(&h);
	CHECK(fabs(sum - 5000) < 1e-6, "Sum of NetworkIn over 300 s: %g bytes, want 5000", sum);
	CHECK(fabs(avg - 1000) < 1e-6, "Average of NetworkIn: %g bytes a minute, want 1000", avg);
	CHECK(fabs(max - 1200) < 1e-6, "Maximum of NetworkIn: %g bytes a minute, want 1200", max);
	CHECK(fabs(cpu - 40) < 1e-6, "CPU stays a percentage: %g", cpu);
	CHECK(scaling_metric_counts(MODEL_METRIC_ALB_REQUESTS_PER_TARGET) &&
		      scaling_metric_counts(MODEL_METRIC_ASG_NETWORK_OUT) &&
		      !scaling_metric_counts(MODEL_METRIC_ASG_CPU),
	      "which metrics count");
	return true;
}

/* A TargetValue pasted from AWS. The EC2 Auto Scaling guide's target tracking page has
 * ASGAverageNetworkIn as the average bytes an instance receives, on one-minute datapoints:
 * a target of 60000 is 60000 bytes per instance per minute, 1000 B/s. At TimeScale 1, 1500 B/s
 * (90000 a minute) on 2 instances asks for ceil(2 x 90000 / 60000) = 3 after the three
 * minutes AlarmHigh needs, and 900 B/s (54000 a minute) for nothing.
 */
static bool tt_target_value_from_aws(void)
{
	struct h h;
	bool ok;
	int i;

	h_time_scale = 1;
	if (!h_load(&h, "\"ScalingPolicies\": [" TT_NET("net", 60000) "]")) {
		h_time_scale = 60;
		return false;
	}
	h_time_scale = 60;
	for (i = 0; i < 200; i++)
		h_step2(&h, NAN, 900);
	ok = h.ndec == 0;
	for (i = 0; i < 200 && !h.ndec; i++)
		h_step2(&h, NAN, 1500);
	ok = ok && h.ndec == 1 && h.last.desired == 3;
	if (!ok)
		printf("  %zu decisions, desired %u after %d s at 1500 B/s\n", h.ndec,
		       h.last.desired, i);
	h_free(&h);
	return ok;
}

/* A step scale-out policy whose step the capacity still warming covers holds, and says that
 * scale-OUT is held. The EC2 Auto Scaling guide's step scaling page: while instances warm up,
 * a step policy counts them as part of the capacity it adds, so it adds only what a bigger
 * step asks beyond them; nothing is removed.
 */
static bool step_out_held_while_warming(void)
{
	char ev[16][SCALING_EVENT_LEN];
	struct h h;
	bool out_said = false, in_said = false;
	size_t n, i;

	if (!h_load(&h, "\"ScalingPolicies\": [" STEP_OUT_POLICY
			"], " ALARM("GreaterThanOrEqualToThreshold", 50)))
		return false;
	h.follow = false;
	/* 4 desired, 2 of them warming: the breach, measured over 2, asks for 2 + 1 = 3 */
	h.s.desired = h.s.in_service = 4;
	h.s.warming = 2;
	for (i = 0; i < 4; i++)
		h_step(&h, 55);
	n = scaling_events(h.e, ev, 16);
	for (i = 0; i < n; i++) {
		out_said |= strstr(ev[i], "policy steps: scale out held") != NULL;
		in_said |= strstr(ev[i], "scale in") != NULL;
	}
	for (i = 0; i < n && (!out_said || in_said); i++)
		printf("  %s\n", ev[i]);
	h_free(&h);
	CHECK(!h.ndec, "%zu decisions", h.ndec);
	CHECK(out_said && !in_said, "said scale out held %d, scale in %d", out_said, in_said);
	return true;
}

int main(void)
{
	RUN(tt_out_fast_in_slow);
	RUN(tt_disable_scale_in);
	RUN(tt_warmup);
	RUN(step_bounds);
	RUN(percent_rounding);
	RUN(simple_cooldown_vs_step);
	RUN(scheduled_actions);
	RUN(several_policies);
	RUN(clamping);
	RUN(alarm_states);
	RUN(count_metrics_per_period);
	RUN(tt_target_value_from_aws);
	RUN(step_out_held_while_warming);
	return check_summary();
}
