// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Scaling activities: causes word for word as Auto Scaling writes them, ids shaped as uuids,
 * status and end time, the ring's bound, and the JSON (describe-scaling-activities' shape) and
 * text forms.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "activity.h"
#include "check.h"

#define WALL0 1795820400000ULL /* 2026-11-27T23:00:00Z */

static bool test_causes(void)
{
	char b[ACTIVITY_CAUSE_LEN];

	activity_cause_set_desired(b, sizeof(b), WALL0, 2, 4);
	CHECK(strcmp(b, "At 2026-11-27T23:00:00Z a user request explicitly set group desired "
			"capacity changing the desired capacity from 2 to 4.") == 0,
	      "%s", b);
	activity_cause_update_group(b, sizeof(b), WALL0, 1, 5, 3, 2);
	CHECK(strcmp(b, "At 2026-11-27T23:00:00Z a user request update of AutoScalingGroup "
			"constraints to min: 1, max: 5, desired: 3 changing the desired capacity "
			"from 2 to 3.") == 0,
	      "%s", b);
	activity_cause_launch_difference(b, sizeof(b), WALL0 + 999, 1, 2);
	CHECK(strcmp(b, "At 2026-11-27T23:00:00Z an instance was started in response to a "
			"difference between desired and actual capacity, increasing the capacity "
			"from 1 to 2.") == 0,
	      "%s", b);
	activity_cause_launch_replace(b, sizeof(b), WALL0 + 61000);
	CHECK(strcmp(b, "At 2026-11-27T23:01:01Z an instance was launched in response to an "
			"unhealthy instance needing to be replaced.") == 0,
	      "%s", b);
	activity_cause_terminate_elb(b, sizeof(b), WALL0);
	CHECK(strcmp(b, "At 2026-11-27T23:00:00Z an instance was taken out of service in response "
			"to an ELB system health check failure.") == 0,
	      "%s", b);
	activity_cause_terminate_ec2(b, sizeof(b), WALL0);
	CHECK(strcmp(b,
		     "At 2026-11-27T23:00:00Z an instance was taken out of service in response "
		     "to an EC2 health check indicating it has been terminated or stopped.") == 0,
	      "%s", b);
	activity_cause_terminate_difference(b, sizeof(b), WALL0, 4, 3, "i-0123456789abcdef0");
	CHECK(strcmp(b,
		     "At 2026-11-27T23:00:00Z an instance was taken out of service in response "
		     "to a difference between desired and actual capacity, shrinking the "
		     "capacity from 4 to 3.  At 2026-11-27T23:00:00Z instance i-0123456789abcdef0 "
		     "was selected for termination.") == 0,
	      "%s", b);
	/* Truncation is snprintf's: the length needed comes back. */
	CHECK(activity_cause_terminate_elb(b, 10, WALL0) > 10 && strlen(b) == 9, "truncated");
	return true;
}

static bool test_time(void)
{
	char b[32];

	activity_time(WALL0 + 42, true, b, sizeof(b));
	CHECK(strcmp(b, "2026-11-27T23:00:00.042Z") == 0, "%s", b);
	activity_time(0, false, b, sizeof(b));
	CHECK(strcmp(b, "1970-01-01T00:00:00Z") == 0, "%s", b);
	return true;
}

static bool is_uuid4(const char *s)
{
	size_t i;

	if (strlen(s) != 36 || s[14] != '4' || !strchr("89ab", s[19]))
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!strchr("0123456789abcdef", s[i])) {
			return false;
		}
	}
	return true;
}

static bool test_record_and_update(void)
{
	struct activity_log log;
	struct activity *a;
	char id[ACTIVITY_ID_LEN];

	CHECK(activity_log_init(&log, 0) == -EINVAL, "cap 0");
	CHECK(activity_log_init(&log, 4) == 0, "init");
	a = activity_record(&log, "my-app-asg", true, "i-0123456789abcdef0", "because", WALL0);
	CHECK(is_uuid4(a->id), "id %s", a->id);
	CHECK(strcmp(a->description, "Launching a new EC2 instance: i-0123456789abcdef0") == 0,
	      "%s", a->description);
	CHECK(a->status == ACTIVITY_PRE_IN_SERVICE && a->end_ms == 0 && a->progress < 100, "begun");
	snprintf(id, sizeof(id), "%s", a->id);
	CHECK(activity_update(&log, id, ACTIVITY_IN_PROGRESS, 50, NULL, WALL0 + 1000) == 0, "mid");
	CHECK(a->end_ms == 0 && a->progress == 50, "no end yet");
	CHECK(activity_update(&log, id, ACTIVITY_SUCCESSFUL, 0, NULL, WALL0 + 2000) == 0, "done");
	CHECK(a->end_ms == WALL0 + 2000 && a->progress == 100, "end %llu progress %u",
	      (unsigned long long)a->end_ms, a->progress);

	a = activity_record(&log, "my-app-asg", false, "i-0123456789abcdef0", "why", WALL0 + 3000);
	CHECK(strcmp(a->description, "Terminating EC2 instance: i-0123456789abcdef0") == 0, "%s",
	      a->description);
	CHECK(a->status == ACTIVITY_IN_PROGRESS, "terminating in progress");
	CHECK(activity_update(&log, a->id, ACTIVITY_WAITING_FOR_ELB_CONNECTION_DRAINING, 50,
			      "Waiting For ELB Connection Draining", WALL0 + 3000) == 0,
	      "draining");
	CHECK(strcmp(activity_status_name(a->status), "WaitingForELBConnectionDraining") == 0, "%s",
	      activity_status_name(a->status));
	CHECK(activity_update(&log, a->id, ACTIVITY_FAILED, 50, "launcher: No such process",
			      WALL0 + 4000) == 0 &&
		      a->end_ms == WALL0 + 4000 && a->progress == 50,
	      "failed keeps its progress");
	CHECK(activity_update(&log, "nope", ACTIVITY_SUCCESSFUL, 0, NULL, 0) == -ENOENT, "unknown");
	activity_log_free(&log);
	return true;
}

static bool test_ring_bound(void)
{
	struct activity_log log;
	char first[ACTIVITY_ID_LEN], cause[32];
	size_t i;

	CHECK(activity_log_init(&log, 3) == 0, "init");
	log.rng = 42; /* repeatable ids */
	for (i = 0; i < 5; i++) {
		struct activity *a;

		snprintf(cause, sizeof(cause), "cause %zu", i);
		a = activity_record(&log, "g", true, "i-1", cause, WALL0 + i);
		if (i == 0)
			snprintf(first, sizeof(first), "%s", a->id);
	}
	CHECK(log.n == 3, "kept %zu", log.n);
	CHECK(strcmp(activity_get(&log, 0)->cause, "cause 4") == 0, "newest first");
	CHECK(strcmp(activity_get(&log, 2)->cause, "cause 2") == 0, "oldest kept");
	CHECK(activity_get(&log, 3) == NULL, "bounded");
	CHECK(activity_update(&log, first, ACTIVITY_SUCCESSFUL, 0, NULL, 0) == -ENOENT,
	      "overwritten one is gone");
	CHECK(strcmp(activity_get(&log, 0)->id, activity_get(&log, 1)->id) != 0, "distinct ids");
	activity_log_free(&log);
	return true;
}

static bool test_ids_unique(void)
{
	static char ids[512][ACTIVITY_ID_LEN];
	struct activity_log log;
	size_t i, j;

	CHECK(activity_log_init(&log, 1) == 0, "init");
	for (i = 0; i < 512; i++) {
		snprintf(ids[i], ACTIVITY_ID_LEN, "%s",
			 activity_record(&log, "g", true, NULL, "", WALL0)->id);
		CHECK(is_uuid4(ids[i]), "%s", ids[i]);
		for (j = 0; j < i; j++)
			CHECK(strcmp(ids[i], ids[j]) != 0, "duplicate %s", ids[i]);
	}
	activity_log_free(&log);
	return true;
}

static bool test_json_and_text(void)
{
	struct activity_log log;
	struct json_object *root, *arr, *a0, *v;
	struct activity *a;
	char line[1024];
	bool ok = false;

	CHECK(activity_log_init(&log, 8) == 0, "init");
	activity_record(&log, "my-app-asg", true, "i-1", "first", WALL0);
	a = activity_record(&log, "my-app-asg", false, "i-2", "second", WALL0 + 1500);
	activity_update(&log, a->id, ACTIVITY_SUCCESSFUL, 100, NULL, WALL0 + 2250);

	root = activity_log_json(&log, 0);
	CHECK(root, "json");
	/* Round-trip through text, as xlbctl --json prints and a program reads it. */
	{
		struct json_object *back = json_tokener_parse(json_object_to_json_string(root));

		json_object_put(root);
		root = back;
	}
	ENSURE(root && json_object_object_get_ex(root, "Activities", &arr));
	ENSURE_INT(json_object_array_length(arr), ==, 2);
	a0 = json_object_array_get_idx(arr, 0);
	ENSURE(json_object_object_get_ex(a0, "Description", &v));
	ENSURE_STR(json_object_get_string(v), "Terminating EC2 instance: i-2");
	ENSURE(json_object_object_get_ex(a0, "StartTime", &v));
	ENSURE_STR(json_object_get_string(v), "2026-11-27T23:00:01.500Z");
	ENSURE(json_object_object_get_ex(a0, "EndTime", &v));
	ENSURE_STR(json_object_get_string(v), "2026-11-27T23:00:02.250Z");
	ENSURE(json_object_object_get_ex(a0, "StatusCode", &v));
	ENSURE_STR(json_object_get_string(v), "Successful");
	ENSURE(json_object_object_get_ex(a0, "Progress", &v));
	ENSURE_INT(json_object_get_int(v), ==, 100);
	ENSURE(json_object_object_get_ex(a0, "AutoScalingGroupName", &v));
	ENSURE_STR(json_object_get_string(v), "my-app-asg");
	ENSURE(json_object_object_get_ex(a0, "ActivityId", &v));
	ENSURE(is_uuid4(json_object_get_string(v)), "%s", json_object_get_string(v));
	ENSURE(json_object_object_get_ex(a0, "Cause", &v));
	ENSURE_STR(json_object_get_string(v), "second");
	/* The one still running has no EndTime yet. */
	ENSURE(!json_object_object_get_ex(json_object_array_get_idx(arr, 1), "EndTime", NULL));
	json_object_put(root);
	root = activity_log_json(&log, 1);
	ENSURE(root && json_object_object_get_ex(root, "Activities", &arr));
	ENSURE_INT(json_object_array_length(arr), ==, 1);

	activity_format(activity_get(&log, 1), line, sizeof(line));
	ENSURE_STR(line, "2026-11-27T23:00:00Z PreInService Launching a new EC2 instance: i-1 -- "
			 "first");
	ok = true;
out:
	json_object_put(root);
	activity_log_free(&log);
	return ok;
}

int main(void)
{
	RUN(test_causes);
	RUN(test_time);
	RUN(test_record_and_update);
	RUN(test_ring_bound);
	RUN(test_ids_unique);
	RUN(test_json_and_text);
	return check_summary();
}
