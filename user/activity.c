// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Scaling activities: the ring that keeps a group's recent ones, their JSON and text forms, and
 * the causes worded as Auto Scaling words them, so that a user who knows AWS's activity history
 * reads xlb's the same way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <json-c/json.h>

#include "activity.h"

static const char *const activity_status_names[ACTIVITY_STATUS_MAX] = {
	[ACTIVITY_PRE_IN_SERVICE] = "PreInService",
	[ACTIVITY_IN_PROGRESS] = "InProgress",
	[ACTIVITY_WAITING_FOR_ELB_CONNECTION_DRAINING] = "WaitingForELBConnectionDraining",
	[ACTIVITY_SUCCESSFUL] = "Successful",
	[ACTIVITY_FAILED] = "Failed",
	[ACTIVITY_CANCELLED] = "Cancelled",
};

const char *activity_status_name(enum activity_status s)
{
	if ((unsigned int)s >= ACTIVITY_STATUS_MAX)
		return "Unknown";
	return activity_status_names[s];
}

int activity_log_init(struct activity_log *log, size_t cap)
{
	if (!log || cap == 0)
		return -EINVAL;
	memset(log, 0, sizeof(*log));
	log->v = calloc(cap, sizeof(*log->v));
	if (!log->v)
		return -ENOMEM;
	log->cap = cap;
	return 0;
}

void activity_log_free(struct activity_log *log)
{
	if (!log)
		return;
	free(log->v);
	memset(log, 0, sizeof(*log));
}

/* splitmix64: ids need to be unique, not secret, and a seeded generator keeps tests exact. */
static uint64_t activity_next(struct activity_log *log)
{
	uint64_t z;

	if (log->rng == 0 && getrandom(&log->rng, sizeof(log->rng), 0) != sizeof(log->rng))
		log->rng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)log;
	z = (log->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A version 4 uuid, as AWS's ActivityId is. */
static void activity_uuid(struct activity_log *log, char *out)
{
	uint64_t hi = activity_next(log), lo = activity_next(log);

	hi = (hi & ~0xf000ULL) | 0x4000ULL;	  /* version 4 */
	lo = (lo & ~(3ULL << 62)) | (2ULL << 62); /* variant 10 */
	snprintf(out, ACTIVITY_ID_LEN,
		 "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64, hi >> 32,
		 (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & (uint64_t)0xffffffffffff);
}

static void activity_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

struct activity *activity_record(struct activity_log *log, const char *group, bool launch,
				 const char *instance_id, const char *cause, uint64_t wall_ms)
{
	struct activity *a = &log->v[log->head];

	memset(a, 0, sizeof(*a));
	activity_uuid(log, a->id);
	activity_copy(a->group, sizeof(a->group), group);
	activity_copy(a->instance_id, sizeof(a->instance_id), instance_id);
	snprintf(a->description, sizeof(a->description),
		 launch ? "Launching a new EC2 instance: %s" : "Terminating EC2 instance: %s",
		 a->instance_id);
	activity_copy(a->cause, sizeof(a->cause), cause);
	a->start_ms = wall_ms;
	a->status = launch ? ACTIVITY_PRE_IN_SERVICE : ACTIVITY_IN_PROGRESS;
	a->progress = launch ? 30 : 50; /* begun, not done: the figures AWS's records show */
	log->head = (log->head + 1) % log->cap;
	if (log->n < log->cap)
		log->n++;
	return a;
}

const struct activity *activity_get(const struct activity_log *log, size_t i)
{
	if (i >= log->n)
		return NULL;
	return &log->v[(log->head + log->cap - 1 - i) % log->cap];
}

struct activity *activity_find(struct activity_log *log, const char *id)
{
	size_t i;

	for (i = 0; i < log->n; i++) {
		struct activity *a = (struct activity *)activity_get(log, i);

		if (strcmp(a->id, id) == 0)
			return a;
	}
	return NULL;
}

int activity_update(struct activity_log *log, const char *id, enum activity_status status,
		    uint32_t progress, const char *message, uint64_t wall_ms)
{
	struct activity *a = activity_find(log, id);

	if (!a)
		return -ENOENT;
	if ((unsigned int)status >= ACTIVITY_STATUS_MAX)
		return -EINVAL;
	a->status = status;
	a->progress = progress > 100 ? 100 : progress;
	if (message)
		activity_copy(a->status_message, sizeof(a->status_message), message);
	if (status == ACTIVITY_SUCCESSFUL || status == ACTIVITY_FAILED ||
	    status == ACTIVITY_CANCELLED) {
		a->end_ms = wall_ms;
		if (status == ACTIVITY_SUCCESSFUL)
			a->progress = 100;
	}
	return 0;
}

int activity_time(uint64_t wall_ms, bool with_ms, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return snprintf(buf, len, "?");
	if (with_ms)
		return snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
				tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
				(unsigned int)(wall_ms % 1000));
	return snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int activity_json_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

struct json_object *activity_json(const struct activity *a)
{
	struct json_object *o = json_object_new_object();
	char ts[32];
	int err = 0;

	if (!o)
		return NULL;
	/* Members in the order the AWS CLI prints them. */
	err |= activity_json_add(o, "ActivityId", json_object_new_string(a->id));
	err |= activity_json_add(o, "AutoScalingGroupName", json_object_new_string(a->group));
	err |= activity_json_add(o, "Description", json_object_new_string(a->description));
	err |= activity_json_add(o, "Cause", json_object_new_string(a->cause));
	activity_time(a->start_ms, true, ts, sizeof(ts));
	err |= activity_json_add(o, "StartTime", json_object_new_string(ts));
	if (a->end_ms) {
		activity_time(a->end_ms, true, ts, sizeof(ts));
		err |= activity_json_add(o, "EndTime", json_object_new_string(ts));
	}
	err |= activity_json_add(o, "StatusCode",
				 json_object_new_string(activity_status_name(a->status)));
	if (a->status_message[0])
		err |= activity_json_add(o, "StatusMessage",
					 json_object_new_string(a->status_message));
	err |= activity_json_add(o, "Progress", json_object_new_int((int32_t)a->progress));
	err |= activity_json_add(o, "Details", json_object_new_string("{}"));
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *activity_log_json(const struct activity_log *log, size_t max)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	size_t i;

	if (!root || !arr)
		goto fail;
	for (i = 0; i < log->n && (max == 0 || i < max); i++) {
		struct json_object *a = activity_json(activity_get(log, i));

		if (!a || json_object_array_add(arr, a) < 0) {
			json_object_put(a);
			goto fail;
		}
	}
	if (json_object_object_add(root, "Activities", arr) < 0)
		goto fail;
	return root;
fail:
	json_object_put(arr);
	json_object_put(root);
	return NULL;
}

int activity_format(const struct activity *a, char *buf, size_t len)
{
	char ts[32];

	activity_time(a->start_ms, false, ts, sizeof(ts));
	return snprintf(buf, len, "%s %s %s -- %s", ts, activity_status_name(a->status),
			a->description, a->cause);
}

/* ---- causes ---- */

/* Every cause opens with "At TIME " (wall_ms, UTC); fmt is the rest. Returns what snprintf
 * returns for the whole text.
 */
__attribute__((format(printf, 4, 5))) static int
activity_cause(char *buf, size_t len, uint64_t wall_ms, const char *fmt, ...)
{
	char ts[32];
	size_t off;
	va_list ap;
	int n, m;

	activity_time(wall_ms, false, ts, sizeof(ts));
	n = snprintf(buf, len, "At %s ", ts);
	if (n < 0)
		return n;
	/* a prefix cut short leaves only the terminator's byte for the rest */
	off = !len ? 0 : (size_t)n < len ? (size_t)n : len - 1;
	va_start(ap, fmt);
	m = vsnprintf(len ? buf + off : buf, len - off, fmt, ap);
	va_end(ap);
	return m < 0 ? m : n + m;
}

int activity_cause_set_desired(char *buf, size_t len, uint64_t wall_ms, uint32_t from, uint32_t to)
{
	return activity_cause(buf, len, wall_ms,
			      "a user request explicitly set group desired capacity changing the "
			      "desired capacity from %u to %u.",
			      from, to);
}

int activity_cause_update_group(char *buf, size_t len, uint64_t wall_ms, uint32_t min, uint32_t max,
				uint32_t desired, uint32_t from)
{
	return activity_cause(buf, len, wall_ms,
			      "a user request update of AutoScalingGroup constraints to min: %u, "
			      "max: %u, desired: %u changing the desired capacity from %u to %u.",
			      min, max, desired, from, desired);
}

int activity_cause_launch_difference(char *buf, size_t len, uint64_t wall_ms, uint32_t from,
				     uint32_t to)
{
	return activity_cause(buf, len, wall_ms,
			      "an instance was started in response to a difference between desired "
			      "and actual capacity, increasing the capacity from %u to %u.",
			      from, to);
}

int activity_cause_launch_replace(char *buf, size_t len, uint64_t wall_ms)
{
	return activity_cause(buf, len, wall_ms,
			      "an instance was launched in response to an unhealthy instance "
			      "needing to be replaced.");
}

int activity_cause_terminate_difference(char *buf, size_t len, uint64_t wall_ms, uint32_t from,
					uint32_t to, const char *instance_id)
{
	char ts[32];

	activity_time(wall_ms, false, ts, sizeof(ts));
	/* AWS separates the sentences of a cause with two spaces. */
	return activity_cause(
		buf, len, wall_ms,
		"an instance was taken out of service in response to a difference "
		"between desired and actual capacity, shrinking the capacity from %u to %u.  "
		"At %s instance %s was selected for termination.",
		from, to, ts, instance_id);
}

int activity_cause_terminate_elb(char *buf, size_t len, uint64_t wall_ms)
{
	return activity_cause(buf, len, wall_ms,
			      "an instance was taken out of service in response to an ELB system "
			      "health check failure.");
}

int activity_cause_terminate_ec2(char *buf, size_t len, uint64_t wall_ms)
{
	return activity_cause(buf, len, wall_ms,
			      "an instance was taken out of service in response to an EC2 health "
			      "check indicating it has been terminated or stopped.");
}
