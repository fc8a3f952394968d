// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The simulator (sim.c): traces read or refused with the line and column, and runs whose
 * scale-in follows the group's TerminationPolicies as xlbd's would (asg_plan), seen in the
 * warming count of the timeline once the newer or the older instances are gone.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "check.h"
#include "sim.h"

/* A group of 2 whose schedule adds 2 at 00:01 and goes back to 2 at 00:03; warm-up 300 s,
 * TimeScale 1: the two added at 00:01 still warm up at 00:03.
 */
#define SIM_MODEL(term)                                                                                       \
	"{\"Xlb\": {\"TimeScale\": 1, \"MetricsIntervalSeconds\": 10},"                                       \
	" \"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": \"t3.micro\"}]," \
	" \"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": \"lc\","     \
	" \"MinSize\": 1, \"MaxSize\": 6, \"DesiredCapacity\": 2, \"DefaultInstanceWarmup\": 300,"            \
	" \"TerminationPolicies\": [\"" term "\"]}],"                                                         \
	" \"ScheduledActions\": ["                                                                            \
	"{\"AutoScalingGroupName\": \"g\", \"ScheduledActionName\": \"up\","                                  \
	" \"StartTime\": \"2026-01-01T00:01:00Z\", \"DesiredCapacity\": 4},"                                  \
	"{\"AutoScalingGroupName\": \"g\", \"ScheduledActionName\": \"down\","                                \
	" \"StartTime\": \"2026-01-01T00:03:00Z\", \"DesiredCapacity\": 2}]}"

struct tmp {
	char path[64];
};

static bool tmp_write(struct tmp *t, const char *suffix, const char *text)
{
	FILE *f;
	int fd;

	snprintf(t->path, sizeof(t->path), "/tmp/xlb-test-sim.XXXXXX%s", suffix);
	fd = mkstemps(t->path, (int)strlen(suffix));
	CHECK(fd >= 0, "mkstemps: %s", strerror(errno));
	f = fdopen(fd, "w");
	CHECK(f, "fdopen: %s", strerror(errno));
	fputs(text, f);
	CHECK(fclose(f) == 0, "write %s", t->path);
	return true;
}

/* Runs the simulation as --json and returns the timeline's last row (a new reference). */
static struct json_object *run_last_row(const char *model, const char *trace, int *ret)
{
	struct json_object *doc, *tl, *row = NULL;
	struct tmp cfg, tr;
	struct sim_opts o = { .json = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	*ret = -EIO;
	if (!tmp_write(&cfg, ".json", model))
		return NULL;
	if (!tmp_write(&tr, ".csv", trace)) {
		unlink(cfg.path);
		return NULL;
	}
	o.config = cfg.path;
	o.metrics = tr.path;
	out = open_memstream(&buf, &len);
	if (out) {
		*ret = sim_run(&o, out);
		fclose(out);
	}
	doc = buf ? json_tokener_parse(buf) : NULL;
	tl = doc ? json_object_object_get(doc, "Timeline") : NULL;
	if (tl && json_object_array_length(tl))
		row = json_object_get(
			json_object_array_get_idx(tl, json_object_array_length(tl) - 1));
	json_object_put(doc);
	free(buf);
	unlink(cfg.path);
	unlink(tr.path);
	return row;
}

static int64_t row_int(struct json_object *row, const char *key)
{
	return json_object_get_int64(json_object_object_get(row, key));
}

/* Whom the scale-in takes, by policy: the newest leave the warm ones, the oldest the warming. */
static bool scale_in_by_policy(void)
{
	static const struct {
		const char *model;
		int64_t warming;
	} want[] = {
		{ SIM_MODEL("NewestInstance"), 0 },
		{ SIM_MODEL("OldestInstance"), 2 },
	};
	const char *trace = "time,ASGAverageCPUUtilization\n0,10\n200,10\n";
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct json_object *row;
		int64_t desired, in_service, warming;
		int ret;

		row = run_last_row(want[i].model, trace, &ret);
		CHECK(ret == 0 && row, "case %zu: sim_run %d, last row %p", i, ret, (void *)row);
		desired = row_int(row, "DesiredCapacity");
		in_service = row_int(row, "InService");
		warming = row_int(row, "Warming");
		json_object_put(row);
		CHECK(desired == 2 && in_service == 2 && warming == want[i].warming,
		      "case %zu: desired %lld, InService %lld, warming %lld (want 2, 2, %lld)", i,
		      (long long)desired, (long long)in_service, (long long)warming,
		      (long long)want[i].warming);
	}
	return true;
}

/* Scale-in protection holds as in xlbd: nobody goes, InService stays above desired. */
static bool scale_in_protected(void)
{
	char model[4096];
	const char *p = SIM_MODEL("Default");
	const char *at = strstr(p, "\"TerminationPolicies\"");
	struct json_object *row;
	int64_t desired, in_service;
	int ret;

	CHECK(at, "no TerminationPolicies in the model");
	snprintf(model, sizeof(model), "%.*s\"NewInstancesProtectedFromScaleIn\": true, %s",
		 (int)(at - p), p, at);
	row = run_last_row(model, "time,ASGAverageCPUUtilization\n0,10\n200,10\n", &ret);
	CHECK(ret == 0 && row, "sim_run %d", ret);
	/* every instance the group launched is protected, the starting ones too: none goes */
	desired = row_int(row, "DesiredCapacity");
	in_service = row_int(row, "InService");
	json_object_put(row);
	CHECK(desired == 2 && in_service == 4, "desired %lld, InService %lld, expected 2 and 4",
	      (long long)desired, (long long)in_service);
	return true;
}

static bool trace_good(void)
{
	struct sim_trace tr;
	struct tmp t;
	int ret;

	if (!tmp_write(
		    &t, ".csv",
		    "# a comment\ntime, CPUUtilization ,NetworkIn\n0,30,\n2.5,nan,7\n\n10,95,8\n"))
		return false;
	ret = sim_trace_read(t.path, &tr);
	unlink(t.path);
	CHECK(ret == 0, "read: %d", ret);
	CHECK(tr.ncols == 2 && tr.metric[0] == MODEL_METRIC_ASG_CPU &&
		      tr.metric[1] == MODEL_METRIC_ASG_NETWORK_IN,
	      "columns: %zu", tr.ncols);
	CHECK(tr.nrows == 3 && tr.rows[1].t_ms == 2500 && tr.rows[2].v[0] == 95 &&
		      isnan(tr.rows[0].v[1]) && isnan(tr.rows[1].v[0]) && tr.first_wall_s == -1,
	      "rows: %zu", tr.nrows);
	sim_trace_free(&tr);
	return true;
}

/* Every malformed trace is refused, none half read. */
static bool trace_bad(void)
{
	static const char *const bad[] = {
		"",					     /* nothing */
		"time\n0\n",				     /* no metric */
		"when,ASGAverageCPUUtilization\n0,1\n",	     /* no time column */
		"time,Load\n0,1\n",			     /* unknown metric */
		"time,ASGAverageCPUUtilization\n",	     /* no rows */
		"time,ASGAverageCPUUtilization\n0,1,2\n",    /* too many values */
		"time,ASGAverageCPUUtilization\n0,lots\n",   /* not a number */
		"time,ASGAverageCPUUtilization\n0,inf\n",    /* not finite */
		"time,ASGAverageCPUUtilization\n5,1\n4,1\n", /* out of order */
		"time,ASGAverageCPUUtilization\n-1,1\n",     /* before the start */
		"time,ASGAverageCPUUtilization\n2026-01-01T00:00:00Z,1\n5,1\n", /* mixed times */
		"time,ASGAverageCPUUtilization\n2026-01-01T00:00:05Z,1\n2026-01-01T00:00:00Z,1\n",
		"time,A,B,C,D,E,F,G,H,I\n0,1,1,1,1,1,1,1,1,1\n", /* too many columns */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sim_trace tr;
		struct tmp t;
		int ret;

		if (!tmp_write(&t, ".csv", bad[i]))
			return false;
		ret = sim_trace_read(t.path, &tr);
		unlink(t.path);
		CHECK(ret == -EINVAL && !tr.rows, "case %zu: read %d", i, ret);
	}
	return true;
}

/* A group that is not there, a bad --start, a missing trace: -EINVAL. */
static bool run_bad_group(void)
{
	struct sim_opts o = { .json = true, .group = "nope" };
	struct tmp cfg, tr;
	FILE *out = fopen("/dev/null", "w");
	int ret;

	CHECK(out, "/dev/null");
	if (!tmp_write(&cfg, ".json", SIM_MODEL("Default")) ||
	    !tmp_write(&tr, ".csv", "time,ASGAverageCPUUtilization\n0,1\n")) {
		fclose(out);
		return false;
	}
	o.config = cfg.path;
	o.metrics = tr.path;
	ret = sim_run(&o, out);
	o.group = "g";
	o.start = "yesterday";
	ret = ret == -EINVAL ? sim_run(&o, out) : ret;
	/* a trace that is not there is the caller's mistake too */
	o.start = NULL;
	o.metrics = "/nonexistent/trace.csv";
	ret = ret == -EINVAL ? sim_run(&o, out) : ret;
	fclose(out);
	unlink(cfg.path);
	unlink(tr.path);
	CHECK(ret == -EINVAL, "got %d", ret);
	return true;
}

/* A trace's count metric is per second, the TargetValue AWS's. The EC2 Auto Scaling guide's
 * target tracking page: ASGAverageNetworkIn is the bytes an instance receives, on one-minute
 * datapoints, so a target of 600000 is 600000 bytes per instance per minute. At TimeScale 1,
 * 15000 B/s (900000 a minute) takes 2 instances to ceil(2 x 900000 / 600000) = 3 after 3
 * minutes; 9000 B/s (540000 a minute) keeps 2.
 */
static bool network_in_per_minute(void)
{
	static const char model[] =
		"{\"Xlb\": {\"TimeScale\": 1, \"MetricsIntervalSeconds\": 10},"
		" \"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"lc\", \"InstanceType\": \"t3.micro\"}],"
		" \"AutoScalingGroups\": [{\"AutoScalingGroupName\": \"g\", \"LaunchConfigurationName\": \"lc\","
		" \"MinSize\": 1, \"MaxSize\": 6, \"DesiredCapacity\": 2, \"DefaultInstanceWarmup\": 60}],"
		" \"ScalingPolicies\": [{\"AutoScalingGroupName\": \"g\", \"PolicyName\": \"net\","
		" \"PolicyType\": \"TargetTrackingScaling\", \"TargetTrackingConfiguration\": {"
		"\"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"ASGAverageNetworkIn\"},"
		" \"TargetValue\": 600000, \"DisableScaleIn\": true}}]}";
	static const struct {
		const char *trace;
		int64_t desired;
	} cases[] = {
		{ "time,ASGAverageNetworkIn\n0,15000\n250,15000\n", 3 },
		{ "time,NetworkIn\n0,9000\n250,9000\n", 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *row;
		int64_t desired;
		int ret;

		row = run_last_row(model, cases[i].trace, &ret);
		CHECK(ret == 0 && row, "case %zu: sim_run %d", i, ret);
		desired = row_int(row, "DesiredCapacity");
		json_object_put(row);
		CHECK(desired == cases[i].desired, "case %zu: desired %lld, want %lld", i,
		      (long long)desired, (long long)cases[i].desired);
	}
	return true;
}

int main(void)
{
	RUN(trace_good);
	RUN(trace_bad);
	RUN(run_bad_group);
	RUN(scale_in_by_policy);
	RUN(scale_in_protected);
	RUN(network_in_per_minute);
	return check_summary();
}
