/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Scaling activities as Auto Scaling records them: an id, what was done (Description), why
 * (Cause, worded as AWS words it), times, status and progress. A bounded ring per group keeps
 * the recent ones for describe-scaling-activities, in the AWS CLI's JSON shape or one line each.
 */
#ifndef XLB_ACTIVITY_H
#define XLB_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define ACTIVITY_ID_LEN 37 /* a uuid and its NUL */
#define ACTIVITY_CAUSE_LEN 640
#define ACTIVITY_TEXT_LEN 160

/* StatusCode, the values xlb goes through. */
enum activity_status {
	ACTIVITY_PRE_IN_SERVICE = 0,		      /* launching, not yet in service */
	ACTIVITY_IN_PROGRESS,			      /* terminating, or a launch's later steps */
	ACTIVITY_WAITING_FOR_ELB_CONNECTION_DRAINING, /* terminating, flows still open */
	ACTIVITY_SUCCESSFUL,
	ACTIVITY_FAILED,
	ACTIVITY_CANCELLED,
	ACTIVITY_STATUS_MAX,
};

struct activity {
	char id[ACTIVITY_ID_LEN];
	char group[128];
	char instance_id[24];
	char description[ACTIVITY_TEXT_LEN];
	char cause[ACTIVITY_CAUSE_LEN];
	char status_message[ACTIVITY_TEXT_LEN];
	uint64_t start_ms; /* wall clock, ms since the epoch */
	uint64_t end_ms;   /* 0 while not finished */
	enum activity_status status;
	uint32_t progress; /* 0..100 */
};

/* The recent activities of one group, oldest overwritten first. */
struct activity_log {
	struct activity *v;
	size_t cap;
	size_t head; /* where the next one goes */
	size_t n;
	uint64_t rng; /* state of the ids' generator; seeded from getrandom when 0 */
};

/* cap >= 1. Returns 0, -EINVAL or -ENOMEM. */
int activity_log_init(struct activity_log *log, size_t cap);
void activity_log_free(struct activity_log *log);

/* Records a new activity (status PreInService for a launch, InProgress otherwise) and returns
 * it; valid until cap newer ones are recorded. instance_id may be NULL; launch says which
 * Description to write ("Launching a new EC2 instance: i-..." or "Terminating EC2 instance:
 * i-..."). Never fails: the oldest one makes room.
 */
struct activity *activity_record(struct activity_log *log, const char *group, bool launch,
				 const char *instance_id, const char *cause, uint64_t wall_ms);

/* Moves an activity on; a finished status (Successful, Failed, Cancelled) sets EndTime and,
 * when Successful, Progress 100. message may be NULL. -ENOENT when the id has been overwritten.
 */
int activity_update(struct activity_log *log, const char *id, enum activity_status status,
		    uint32_t progress, const char *message, uint64_t wall_ms);

/* i-th newest (0 is the latest), NULL past the end. */
const struct activity *activity_get(const struct activity_log *log, size_t i);
struct activity *activity_find(struct activity_log *log, const char *id);

/* {"Activities": [...]}, newest first as describe-scaling-activities gives them, at most max
 * (0: all). NULL on allocation failure.
 */
struct json_object *activity_log_json(const struct activity_log *log, size_t max);
struct json_object *activity_json(const struct activity *a);
/* One line: "2026-11-27T23:00:00Z Successful Launching a new EC2 instance: i-... -- cause". */
int activity_format(const struct activity *a, char *buf, size_t len);

/* "PreInService", "Successful", ... */
const char *activity_status_name(enum activity_status s);

/* ---- causes, as AWS words them; `wall_ms` is when it happened. Each returns snprintf's
 * count. ----
 */

/* "2026-11-27T23:00:00Z" (with_ms: "2026-11-27T23:00:00.000Z"). */
int activity_time(uint64_t wall_ms, bool with_ms, char *buf, size_t len);

/* "At T a user request explicitly set group desired capacity changing the desired capacity
 * from 2 to 4."
 */
int activity_cause_set_desired(char *buf, size_t len, uint64_t wall_ms, uint32_t from, uint32_t to);
/* "At T a user request update of AutoScalingGroup constraints to min: 1, max: 5, desired: 3
 * changing the desired capacity from 2 to 3."
 */
int activity_cause_update_group(char *buf, size_t len, uint64_t wall_ms, uint32_t min, uint32_t max,
				uint32_t desired, uint32_t from);
/* "At T an instance was started in response to a difference between desired and actual
 * capacity, increasing the capacity from 1 to 2."
 */
int activity_cause_launch_difference(char *buf, size_t len, uint64_t wall_ms, uint32_t from,
				     uint32_t to);
/* "At T an instance was launched in response to an unhealthy instance needing to be
 * replaced."
 */
int activity_cause_launch_replace(char *buf, size_t len, uint64_t wall_ms);
/* "At T an instance was taken out of service in response to a difference between desired and
 * actual capacity, shrinking the capacity from 4 to 3.  At T instance i-... was selected for
 * termination."
 */
int activity_cause_terminate_difference(char *buf, size_t len, uint64_t wall_ms, uint32_t from,
					uint32_t to, const char *instance_id);
/* "At T an instance was taken out of service in response to an ELB system health check
 * failure."
 */
int activity_cause_terminate_elb(char *buf, size_t len, uint64_t wall_ms);
/* "At T an instance was taken out of service in response to an EC2 health check indicating it
 * has been terminated or stopped."
 */
int activity_cause_terminate_ec2(char *buf, size_t len, uint64_t wall_ms);

#endif /* XLB_ACTIVITY_H */
