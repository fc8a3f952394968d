/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The scaling engine of one auto-scaling group, pure: metric samples go in with `now`, alarms
 * turn them into datapoints and states as CloudWatch does, and policies and scheduled actions
 * turn alarm states and the clock into new sizes with AWS's rules and AWS's words for the
 * cause. xlbd feeds it measured metrics; `xlbctl simulate` feeds it a trace on a virtual clock.
 *
 * Use: scaling_new per group after loading; scaling_feed each metric once per
 * MetricsIntervalSeconds; then call scaling_evaluate with the group's state until it returns 0,
 * applying each decision before the next call (each call consumes what it decided on, so the
 * loop ends); drain scaling_events for the log or the timeline.
 *
 * Time: `now` is any monotonic clock in ms (xlbd's loop clock, or the simulation's). Every
 * period a policy uses (alarm periods, cooldowns, warm-up, target tracking's one-minute
 * datapoints) is divided by the model's TimeScale; scheduled actions run on the wall clock,
 * now + wall_offset_ms, unscaled.
 *
 * The rules, as AWS documents them, and what was chosen where it leaves room:
 * - Alarms: a datapoint per Period (aligned on multiples of the period on `now`'s clock) from
 *   the samples in it, by the alarm's Statistic, in AWS's units (scaling_feed). ALARM when DatapointsToAlarm of the last
 *   EvaluationPeriods datapoints breach; OK when they cannot (breaching plus missing below
 *   DatapointsToAlarm); otherwise the state stays. TreatMissingData as CloudWatch has it
 *   ("missing": no datapoint at all in the window gives INSUFFICIENT_DATA). While an alarm is
 *   in ALARM its policies run once per period, not only on the change, as CloudWatch invokes
 *   Auto Scaling actions.
 * - Target tracking makes two alarms, named as AWS names them with a uuid derived from the
 *   group and policy names (stable across restarts): AlarmHigh, metric > target for 3 of 3
 *   one-minute datapoints (Sum for the request count per target: requests per target per
 *   minute; Average for CPU and NetworkIn/Out: percent, bytes per instance per minute), and AlarmLow, metric < 90% of target for 15 of 15 (AWS scales in
 *   only when the metric is more than about 10% under the target). The counts are
 *   XlbScaleOut/InEvaluationPeriods. Capacity needed = ceil(ready x metric / target), where
 *   ready counts InService instances out of warm-up (those the metric averages over): AWS
 *   rounds up both ways, so that it adds enough and never removes more than the ratio says.
 * - Step: the newest datapoint's distance from the threshold picks the step (above the
 *   threshold the lower bound is inclusive, below it the upper bound is); scale-out adds to
 *   the capacity that is not warming up, so instances still warming count as already added
 *   and a second, bigger breach adds only the difference; steps keep acting during an
 *   activity.
 * - PercentChangeInCapacity: the change is rounded toward zero, except that a change between
 *   -1 and 1 becomes -1 or 1; then MinAdjustmentMagnitude raises its size.
 * - Simple: after it runs, nothing more while the activity runs and until its Cooldown (else
 *   the group's DefaultCooldown) has passed since the activity ended.
 * - Several policies: out if any says out (the largest capacity wins); in only if no one says
 *   out and every target tracking policy that may scale in (no DisableScaleIn) says in, then
 *   the largest of the smaller capacities. Scale-in is held while instances launch or warm up.
 *   Results are clamped to MinSize..MaxSize; a result equal to the current capacity is no
 *   decision.
 * - Scheduled actions: one-time at StartTime, or by Recurrence (cron.h) between StartTime and
 *   EndTime in TimeZone; occurrences missed before the engine started are not made up.
 *   Without a DesiredCapacity the desired capacity is kept, moved into the new MinSize..MaxSize.
 */
#ifndef XLB_SCALING_H
#define XLB_SCALING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct json_object;
struct scaling_engine;

#define SCALING_EVENT_LEN 256
#define SCALING_CAUSE_LEN 640

enum scaling_alarm_state {
	SCALING_INSUFFICIENT_DATA = 0,
	SCALING_OK,
	SCALING_ALARM,
};

/* The group as it stands when scaling_evaluate is called. */
struct scaling_state {
	uint32_t min, max, desired;
	uint32_t in_service;	       /* InService instances, warming ones included */
	uint32_t warming;	       /* of those, still in their warm-up */
	bool activity_in_progress;     /* launches or terminations not finished */
	uint64_t last_activity_end_ms; /* `now`'s clock; 0: none yet */
	int64_t wall_offset_ms;	       /* wall clock = now + offset, for causes and cron */
};

struct scaling_decision {
	bool set_desired, set_min, set_max;
	uint32_t desired, min, max;
	char policy[128];	       /* the policy or scheduled action that decided */
	char cause[SCALING_CAUSE_LEN]; /* AWS's words, for the activities it brings */
};

/* The engine of group g of model m (policies, alarms and scheduled actions that name g).
 * m must outlive it. Returns 0, -EINVAL or -ENOMEM.
 */
int scaling_new(const struct model *m, const struct model_asg *g, struct scaling_engine **out);
void scaling_free(struct scaling_engine *e);

/* One sample of a group metric: the group-level value, averaged over InService instances out
 * of warm-up (NAN: no data this time). label names the target group for
 * ALBRequestCountPerTarget (NULL: any alarm on that metric takes it).
 * Units: CPU in percent; the count metrics (scaling_metric_counts: NetworkIn/Out in bytes,
 * the request count in new flows) as a rate per second of `now`'s clock since the previous
 * sample. Their datapoints are AWS's units: Sum gives the count per instance (per target) over
 * the period, Average, Minimum and Maximum a count per minute (CloudWatch's one-minute
 * datapoints), both in policy time (the period, the minute, divided by TimeScale).
 */
void scaling_feed(struct scaling_engine *e, enum model_metric metric, const char *label,
		  double value, uint64_t now_ms);

/* Returns 1 with *d filled when sizes or capacity change, 0 when there is nothing to do. */
int scaling_evaluate(struct scaling_engine *e, const struct scaling_state *s, uint64_t now_ms,
		     struct scaling_decision *d);

/* Alarm state changes, and policies that could not act and why, oldest first; drained. */
size_t scaling_events(struct scaling_engine *e, char (*lines)[SCALING_EVENT_LEN], size_t max);

/* How long a new instance warms up (DefaultInstanceWarmup, else the policies' longest
 * EstimatedInstanceWarmup, else DefaultCooldown), divided by TimeScale: the caller counts
 * instances younger than this as warming.
 */
uint64_t scaling_warmup_ms(const struct scaling_engine *e);

/* The alarms, for timelines: count, and each one's name and state. */
size_t scaling_alarm_count(const struct scaling_engine *e);
const char *scaling_alarm_name(const struct scaling_engine *e, size_t i);
enum scaling_alarm_state scaling_alarm_state(const struct scaling_engine *e, size_t i);
/* "OK", "ALARM", "INSUFFICIENT_DATA" */
const char *scaling_state_name(enum scaling_alarm_state s);

/* {"AutoScalingGroupName", "Metrics": [{"MetricName", "Datapoints": [{"Timestamp",
 * "Value"}...]}...], "MetricAlarms": [{"AlarmName", "StateValue", "StateReason", "MetricName",
 * "Statistic", "Period", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
 * "ComparisonOperator", "AlarmActions", "Datapoints"}...]}: recent samples and alarm states,
 * in CloudWatch's names. NULL when out of memory.
 */
struct json_object *scaling_json(const struct scaling_engine *e);

/* "At T a monitor alarm A in state ALARM triggered policy P changing the desired capacity
 * from 2 to 4."
 */
int scaling_cause_alarm(char *buf, size_t len, uint64_t wall_ms, const char *alarm,
			const char *policy, uint32_t from, uint32_t to);
/* "At T a scheduled action update of AutoScalingGroup constraints to min: 2, max: 10,
 * desired: 4 changing the desired capacity from 2 to 4." (without the last part when the
 * desired capacity stays).
 */
int scaling_cause_scheduled(char *buf, size_t len, uint64_t wall_ms, uint32_t min, uint32_t max,
			    uint32_t desired, uint32_t from);

/* "ASGAverageCPUUtilization", ... */
const char *scaling_metric_name(enum model_metric m);

/* Whether m counts something (bytes, new flows) rather than gauges it (CPU): CloudWatch sums
 * the former per period.
 */
bool scaling_metric_counts(enum model_metric m);

/* CloudWatch's unit of m: "Percent", "Bytes", "Count", or with per_second "Bytes/Second",
 * "Count/Second" (a count metric's samples).
 */
const char *scaling_metric_unit(enum model_metric m, bool per_second);

#endif /* XLB_SCALING_H */
