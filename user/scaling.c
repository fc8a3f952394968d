// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Scaling policies with AWS's semantics: CloudWatch-style alarms over the group's metrics,
 * target tracking, step and simple policies, scheduled actions, and the rules that combine
 * them (see scaling.h). Pure: the clock and the group's state come in as arguments.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "activity.h"
#include "cron.h"
#include "scaling.h"

#define SCALING_DATAPOINTS 64 /* per alarm; EvaluationPeriods beyond this look at these */
#define SCALING_SAMPLES 120   /* per metric, for scaling_json */
#define SCALING_EVENTS 64     /* undrained; the oldest are dropped */
#define SCALING_NAME_LEN 320
#define SCALING_TT_LOW 0.9 /* AlarmLow's threshold, as a share of the target */

struct scaling_alarm {
	char name[SCALING_NAME_LEN];
	enum model_metric metric;
	const char *label; /* target group name for the request count; NULL: any */
	enum model_stat stat;
	uint64_t period_ms;
	/* a count metric's samples are rates per second: times per_sum for Sum (a count per
	 * period), times per_minute for Average, Minimum and Maximum (a count per minute, as
	 * CloudWatch's one-minute datapoints hold); 1 for a gauge (CPU)
	 */
	double per_sum, per_minute;
	uint32_t n, m; /* EvaluationPeriods, DatapointsToAlarm */
	double threshold;
	enum model_cmp cmp;
	enum model_missing missing;
	bool actions_enabled;
	/* the period being filled */
	bool started;
	uint64_t bucket; /* now / period_ms */
	double sum, min, max;
	uint32_t count;
	double ready_sum; /* ready instances seen by the period's evaluations */
	uint32_t ready_n;
	uint64_t ready_at; /* the last evaluation counted: its first call at a `now` */
	/* closed datapoints, a ring, NAN for a period without samples, with the ready capacity
	 * they were measured over
	 */
	double dp[SCALING_DATAPOINTS];
	double dp_ready[SCALING_DATAPOINTS];
	size_t head, ndp;
	enum scaling_alarm_state state;
	char reason[SCALING_EVENT_LEN];
	bool fire; /* closed a datapoint in ALARM: its policies run once */
	bool said; /* why its policies could not act was said in this ALARM episode */
	/* who it triggers: policy indices; target tracking alarms have one */
	size_t *pol;
	size_t npol;
	bool tt_low; /* a target tracking AlarmLow */
};

struct scaling_pol {
	const struct model_policy *p;
	size_t high, low; /* target tracking: its alarms */
	bool tt;	  /* target tracking with a metric xlb has */
};

struct scaling_sched {
	const struct model_scheduled_action *a;
	struct cron cron;
	bool primed;
	int64_t next_s; /* wall clock, -1: never again */
};

struct scaling_series {
	double v[SCALING_SAMPLES];
	uint64_t t[SCALING_SAMPLES];
	size_t head, n;
};

struct scaling_engine {
	char group[128];
	double time_scale;
	uint64_t cooldown_ms; /* DefaultCooldown, scaled */
	uint64_t warmup_ms;
	struct scaling_pol *pol;
	size_t npol;
	struct scaling_alarm *al;
	size_t nal;
	struct scaling_sched *sch;
	size_t nsch;
	struct scaling_series series[MODEL_METRIC_CUSTOM];
	char events[SCALING_EVENTS][SCALING_EVENT_LEN];
	size_t ev_head, nev;
	bool simple_ran; /* a simple policy ran: its cooldown counts from simple_end_ms */
	uint64_t simple_at_ms;
	int64_t wall_offset_ms; /* the last state's, for scaling_json's timestamps */
};

static const char *const scaling_metric_names[] = {
	[MODEL_METRIC_NONE] = "None",
	[MODEL_METRIC_ASG_CPU] = "ASGAverageCPUUtilization",
	[MODEL_METRIC_ASG_NETWORK_IN] = "ASGAverageNetworkIn",
	[MODEL_METRIC_ASG_NETWORK_OUT] = "ASGAverageNetworkOut",
	[MODEL_METRIC_ALB_REQUESTS_PER_TARGET] = "ALBRequestCountPerTarget",
	[MODEL_METRIC_CUSTOM] = "Custom",
};
static const char *const scaling_cmp_names[] = { "GreaterThanOrEqualToThreshold",
						 "GreaterThanThreshold", "LessThanThreshold",
						 "LessThanOrEqualToThreshold" };
static const char *const scaling_cmp_words[] = { "greater than or equal to", "greater than",
						 "less than", "less than or equal to" };
static const char *const scaling_stat_names[] = { "Average", "Minimum", "Maximum", "Sum",
						  "SampleCount" };

const char *scaling_metric_name(enum model_metric m)
{
	if ((unsigned int)m > MODEL_METRIC_CUSTOM)
		return "Unknown";
	return scaling_metric_names[m];
}

bool scaling_metric_counts(enum model_metric m)
{
	return m == MODEL_METRIC_ASG_NETWORK_IN || m == MODEL_METRIC_ASG_NETWORK_OUT ||
	       m == MODEL_METRIC_ALB_REQUESTS_PER_TARGET;
}

const char *scaling_metric_unit(enum model_metric m, bool per_second)
{
	if (m == MODEL_METRIC_ASG_CPU)
		return "Percent";
	if (m == MODEL_METRIC_ASG_NETWORK_IN || m == MODEL_METRIC_ASG_NETWORK_OUT)
		return per_second ? "Bytes/Second" : "Bytes";
	if (m == MODEL_METRIC_ALB_REQUESTS_PER_TARGET)
		return per_second ? "Count/Second" : "Count";
	return "None";
}

const char *scaling_state_name(enum scaling_alarm_state s)
{
	return s == SCALING_OK ? "OK" : s == SCALING_ALARM ? "ALARM" : "INSUFFICIENT_DATA";
}

__attribute__((format(printf, 2, 3))) static void scaling_event(struct scaling_engine *e,
								const char *fmt, ...)
{
	size_t slot = (e->ev_head + e->nev) % SCALING_EVENTS;
	va_list ap;

	if (e->nev == SCALING_EVENTS) {
		e->ev_head = (e->ev_head + 1) % SCALING_EVENTS;
		e->nev--;
	}
	va_start(ap, fmt);
	vsnprintf(e->events[slot], SCALING_EVENT_LEN, fmt, ap);
	va_end(ap);
	e->nev++;
}

size_t scaling_events(struct scaling_engine *e, char (*lines)[SCALING_EVENT_LEN], size_t max)
{
	size_t n = 0;

	while (e->nev && n < max) {
		memcpy(lines[n++], e->events[e->ev_head], SCALING_EVENT_LEN);
		e->ev_head = (e->ev_head + 1) % SCALING_EVENTS;
		e->nev--;
	}
	return n;
}

/* ---- causes ---- */

int scaling_cause_alarm(char *buf, size_t len, uint64_t wall_ms, const char *alarm,
			const char *policy, uint32_t from, uint32_t to)
{
	char t[32];

	activity_time(wall_ms, false, t, sizeof(t));
	return snprintf(buf, len,
			"At %s a monitor alarm %s in state ALARM triggered policy %s changing the "
			"desired capacity from %u to %u.",
			t, alarm, policy, from, to);
}

int scaling_cause_scheduled(char *buf, size_t len, uint64_t wall_ms, uint32_t min, uint32_t max,
			    uint32_t desired, uint32_t from)
{
	char t[32];

	activity_time(wall_ms, false, t, sizeof(t));
	if (desired == from)
		return snprintf(buf, len,
				"At %s a scheduled action update of AutoScalingGroup constraints "
				"to min: %u, max: %u, desired: %u.",
				t, min, max, desired);
	return snprintf(buf, len,
			"At %s a scheduled action update of AutoScalingGroup constraints to min: "
			"%u, max: %u, desired: %u changing the desired capacity from %u to %u.",
			t, min, max, desired, from, desired);
}

/* ---- building ---- */

static uint64_t scaling_ms(const struct scaling_engine *e, double seconds)
{
	double ms = seconds * 1000.0 / e->time_scale;

	/* a period never shrinks to nothing, but a cooldown of 0 is none */
	if (seconds <= 0)
		return 0;
	return ms < 1 ? 1 : (uint64_t)(ms + 0.5);
}

/* FNV-1a: a uuid-shaped suffix that is the same for the same group and policy every time. */
static uint64_t scaling_hash(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

static void scaling_tt_name(char *out, const char *group, const char *policy, bool high)
{
	uint64_t a = scaling_hash(scaling_hash(0xcbf29ce484222325ULL, group), policy);
	uint64_t b = scaling_hash(a, high ? "AlarmHigh" : "AlarmLow");

	a = scaling_hash(b, "uuid");
	snprintf(out, SCALING_NAME_LEN, "TargetTracking-%s-%s-%08llx-%04llx-4%03llx-%04llx-%012llx",
		 group, high ? "AlarmHigh" : "AlarmLow", (unsigned long long)(a >> 32),
		 (unsigned long long)((a >> 16) & 0xffff), (unsigned long long)(a & 0xfff),
		 (unsigned long long)(0x8000 | ((b >> 48) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffULL));
}

static int scaling_add_pol(struct scaling_alarm *al, size_t idx)
{
	size_t *v = realloc(al->pol, (al->npol + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	al->pol = v;
	v[al->npol++] = idx;
	return 0;
}

/* The alarm's metric, statistic and period (seconds of AWS time): a count metric's rates
 * become counts over the period in policy time (the period divided by TimeScale).
 */
static void scaling_alarm_init(struct scaling_engine *e, struct scaling_alarm *al,
			       enum model_metric metric, enum model_stat stat, uint32_t period_s)
{
	size_t i;

	al->metric = metric;
	al->stat = stat;
	al->period_ms = scaling_ms(e, period_s);
	al->per_sum = al->per_minute = 1;
	if (scaling_metric_counts(metric)) {
		al->per_sum = (double)period_s / e->time_scale;
		al->per_minute = 60.0 / e->time_scale;
	}
	for (i = 0; i < SCALING_DATAPOINTS; i++)
		al->dp[i] = NAN;
	al->state = SCALING_INSUFFICIENT_DATA;
	snprintf(al->reason, sizeof(al->reason), "Unchecked: Initial alarm creation");
}

int scaling_new(const struct model *m, const struct model_asg *g, struct scaling_engine **out)
{
	struct scaling_engine *e;
	size_t i, j, nal = 0;
	int64_t warm = -1;
	int ret = -ENOMEM;

	*out = NULL;
	if (!m || !g || !g->name)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	snprintf(e->group, sizeof(e->group), "%s", g->name);
	e->time_scale = m->settings.time_scale >= 1 ? m->settings.time_scale : 1;
	e->cooldown_ms = scaling_ms(e, g->cooldown_s);
	for (i = 0; i < m->npolicies; i++)
		e->npol += m->policies[i].asg == g;
	for (i = 0; i < m->nalarms; i++)
		nal += m->alarms[i].asg == g;
	e->pol = calloc(e->npol + 1, sizeof(*e->pol));
	e->al = calloc(nal + 2 * e->npol + 1, sizeof(*e->al));
	e->sch = calloc(m->nactions + 1, sizeof(*e->sch));
	if (!e->pol || !e->al || !e->sch)
		goto out;
	/* policies, and the two alarms of each target tracking one */
	for (i = 0, j = 0; i < m->npolicies; i++) {
		const struct model_policy *p = &m->policies[i];
		struct scaling_pol *sp;

		if (p->asg != g)
			continue;
		sp = &e->pol[j];
		sp->p = p;
		if (p->warmup_s > warm && p->type != MODEL_POLICY_SIMPLE)
			warm = p->warmup_s;
		if (p->type == MODEL_POLICY_TARGET_TRACKING && p->enabled &&
		    p->tt.metric != MODEL_METRIC_NONE && p->tt.metric != MODEL_METRIC_CUSTOM &&
		    p->tt.target_value > 0) {
			int k;

			sp->tt = true;
			for (k = 0; k < 2; k++) {
				struct scaling_alarm *al = &e->al[e->nal];

				/* one-minute datapoints: the predefined metric's statistic,
				 * Sum of the request count per target (requests per target per
				 * minute), the group's Average of CPU and of NetworkIn/Out, whose
				 * one-minute datapoints are bytes per minute
				 */
				scaling_alarm_init(e, al, p->tt.metric,
						   p->tt.metric ==
								   MODEL_METRIC_ALB_REQUESTS_PER_TARGET ?
							   MODEL_STAT_SUM :
							   MODEL_STAT_AVERAGE,
						   60);
				scaling_tt_name(al->name, g->name, p->name, k == 0);
				al->label = p->tt.tg ? p->tt.tg->name : NULL;
				al->n = al->m = k == 0 ? p->tt_out_periods : p->tt_in_periods;
				if (!al->n)
					al->n = al->m = k == 0 ? 3 : 15;
				al->threshold = k == 0 ? p->tt.target_value :
							 p->tt.target_value * SCALING_TT_LOW;
				al->cmp = k == 0 ? MODEL_CMP_GT : MODEL_CMP_LT;
				al->missing = MODEL_MISSING_MISSING;
				al->actions_enabled = true;
				al->tt_low = k == 1;
				if (scaling_add_pol(al, j))
					goto out;
				if (k == 0)
					sp->high = e->nal;
				else
					sp->low = e->nal;
				e->nal++;
			}
		}
		j++;
	}
	/* the file's alarms on this group */
	for (i = 0; i < m->nalarms; i++) {
		const struct model_alarm *ma = &m->alarms[i];
		struct scaling_alarm *al;

		if (ma->asg != g)
			continue;
		al = &e->al[e->nal++];
		scaling_alarm_init(e, al, ma->metric, ma->statistic, ma->period_s);
		snprintf(al->name, sizeof(al->name), "%s", ma->name);
		al->label = ma->tg ? ma->tg->name : NULL;
		al->n = ma->evaluation_periods ? ma->evaluation_periods : 1;
		al->m = ma->datapoints_to_alarm ? ma->datapoints_to_alarm : al->n;
		al->threshold = ma->threshold;
		al->cmp = ma->cmp;
		al->missing = ma->missing;
		al->actions_enabled = ma->actions_enabled;
		for (j = 0; j < ma->nactions; j++) {
			size_t k;

			for (k = 0; k < e->npol; k++)
				if (e->pol[k].p == ma->actions[j] && scaling_add_pol(al, k))
					goto out;
		}
	}
	for (i = 0; i < m->nactions; i++) {
		const struct model_scheduled_action *a = &m->actions[i];
		struct scaling_sched *s;
		char err[160];

		if (a->asg != g)
			continue;
		s = &e->sch[e->nsch];
		s->a = a;
		s->next_s = -1;
		if (a->recurrence && cron_parse(a->recurrence, &s->cron, err, sizeof(err))) {
			ret = -EINVAL;
			goto out;
		}
		e->nsch++;
	}
	if (g->warmup_s >= 0)
		warm = g->warmup_s;
	else if (warm < 0)
		warm = g->cooldown_s;
	e->warmup_ms = scaling_ms(e, (double)warm);
	*out = e;
	ret = 0;
out:
	if (ret)
		scaling_free(e);
	return ret;
}

void scaling_free(struct scaling_engine *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; e->al && i < e->nal; i++)
		free(e->al[i].pol);
	free(e->al);
	free(e->pol);
	free(e->sch);
	free(e);
}

uint64_t scaling_warmup_ms(const struct scaling_engine *e)
{
	return e->warmup_ms;
}

size_t scaling_alarm_count(const struct scaling_engine *e)
{
	return e->nal;
}

const char *scaling_alarm_name(const struct scaling_engine *e, size_t i)
{
	return i < e->nal ? e->al[i].name : NULL;
}

enum scaling_alarm_state scaling_alarm_state(const struct scaling_engine *e, size_t i)
{
	return i < e->nal ? e->al[i].state : SCALING_INSUFFICIENT_DATA;
}

/* ---- alarms ---- */

static double scaling_dp(const struct scaling_alarm *al, size_t back)
{
	if (back >= al->ndp)
		return NAN;
	return al->dp[(al->head + SCALING_DATAPOINTS - 1 - back) % SCALING_DATAPOINTS];
}

static bool scaling_breaches(const struct scaling_alarm *al, double v)
{
	switch (al->cmp) {
	case MODEL_CMP_GE:
		return v >= al->threshold;
	case MODEL_CMP_GT:
		return v > al->threshold;
	case MODEL_CMP_LT:
		return v < al->threshold;
	case MODEL_CMP_LE:
		return v <= al->threshold;
	}
	return false;
}

/* The state the last EvaluationPeriods datapoints give ("M out of N"). */
static void scaling_alarm_check(struct scaling_engine *e, struct scaling_alarm *al)
{
	enum scaling_alarm_state next = al->state;
	uint32_t n = al->n < SCALING_DATAPOINTS ? al->n : SCALING_DATAPOINTS, i;
	uint32_t breach = 0, missing = 0;
	char list[160];
	size_t o = 0;

	list[0] = '\0';
	for (i = 0; i < n; i++) {
		double v = scaling_dp(al, i);

		if (isnan(v)) {
			if (al->missing == MODEL_MISSING_BREACHING)
				breach++;
			else if (al->missing != MODEL_MISSING_NOT_BREACHING)
				missing++;
			continue;
		}
		breach += scaling_breaches(al, v);
		if (o < sizeof(list) - 16)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%.4g", o ? ", " : "",
					      v);
	}
	if (missing == n) {
		if (al->missing == MODEL_MISSING_MISSING)
			next = SCALING_INSUFFICIENT_DATA;
	} else if (breach >= al->m) {
		next = SCALING_ALARM;
	} else if (breach + missing < al->m) {
		next = SCALING_OK;
	}
	if (next != al->state) {
		if (next == SCALING_INSUFFICIENT_DATA)
			snprintf(al->reason, sizeof(al->reason),
				 "Insufficient Data: %u datapoints were unknown.", n);
		else
			snprintf(
				al->reason, sizeof(al->reason),
				"Threshold Crossed: %u out of the last %u datapoints [%s] %s %s the "
				"threshold (%g).",
				next == SCALING_ALARM ? breach : n - breach - missing, n, list,
				next == SCALING_ALARM ? "were" : "were not",
				scaling_cmp_words[al->cmp], al->threshold);
		scaling_event(e, "alarm %s: %s -> %s: %s", al->name, scaling_state_name(al->state),
			      scaling_state_name(next), al->reason);
		al->state = next;
		al->said = false;
	}
	al->fire = al->state == SCALING_ALARM && al->actions_enabled && al->npol;
}

static void scaling_alarm_close(struct scaling_engine *e, struct scaling_alarm *al)
{
	double v = NAN;

	if (al->count) {
		switch (al->stat) {
		case MODEL_STAT_AVERAGE:
			v = al->sum / al->count * al->per_minute;
			break;
		case MODEL_STAT_MINIMUM:
			v = al->min * al->per_minute;
			break;
		case MODEL_STAT_MAXIMUM:
			v = al->max * al->per_minute;
			break;
		case MODEL_STAT_SUM:
			/* a count: the mean rate over the whole period, whatever part of it
			 * was sampled; a gauge: its samples added up, as CloudWatch does
			 */
			v = scaling_metric_counts(al->metric) ? al->sum / al->count * al->per_sum :
								al->sum;
			break;
		case MODEL_STAT_SAMPLE_COUNT:
			v = al->count;
			break;
		}
	}
	al->dp[al->head] = v;
	al->dp_ready[al->head] = al->ready_n ? al->ready_sum / al->ready_n : -1;
	al->ready_sum = 0;
	al->ready_n = 0;
	al->head = (al->head + 1) % SCALING_DATAPOINTS;
	if (al->ndp < SCALING_DATAPOINTS)
		al->ndp++;
	al->sum = al->min = al->max = 0;
	al->count = 0;
	scaling_alarm_check(e, al);
}

/* Closes the periods that ended by now. */
static void scaling_alarm_roll(struct scaling_engine *e, struct scaling_alarm *al, uint64_t now)
{
	uint64_t b = now / al->period_ms;

	if (!al->started) {
		al->started = true;
		al->bucket = b;
		return;
	}
	if (b > al->bucket + SCALING_DATAPOINTS)
		al->bucket = b - SCALING_DATAPOINTS; /* a long gap: its end is all that counts */
	while (al->bucket < b) {
		scaling_alarm_close(e, al);
		al->bucket++;
	}
}

void scaling_feed(struct scaling_engine *e, enum model_metric metric, const char *label,
		  double value, uint64_t now_ms)
{
	struct scaling_series *s;
	size_t i;

	if ((unsigned int)metric >= MODEL_METRIC_CUSTOM || metric == MODEL_METRIC_NONE)
		return;
	s = &e->series[metric];
	s->v[s->head] = value;
	s->t[s->head] = now_ms;
	s->head = (s->head + 1) % SCALING_SAMPLES;
	if (s->n < SCALING_SAMPLES)
		s->n++;
	for (i = 0; i < e->nal; i++) {
		struct scaling_alarm *al = &e->al[i];

		if (al->metric != metric || (label && al->label && strcmp(label, al->label)))
			continue;
		scaling_alarm_roll(e, al, now_ms);
		if (isnan(value))
			continue;
		if (!al->count || value < al->min)
			al->min = value;
		if (!al->count || value > al->max)
			al->max = value;
		al->sum += value;
		al->count++;
	}
}

/* ---- policies ---- */

/* PercentChangeInCapacity's rounding and MinAdjustmentMagnitude, then the new capacity. */
static int64_t scaling_adjust(enum model_adjustment type, int64_t base, int32_t adj,
			      int32_t min_magnitude)
{
	double pct;
	int64_t delta;

	switch (type) {
	case MODEL_ADJ_EXACT_CAPACITY:
		return adj;
	case MODEL_ADJ_PERCENT_CHANGE_IN_CAPACITY:
		pct = (double)base * adj / 100.0;
		if (pct > 0 && pct < 1)
			delta = 1;
		else if (pct < 0 && pct > -1)
			delta = -1;
		else
			delta = (int64_t)pct; /* toward zero */
		if (min_magnitude > 0 && delta && llabs(delta) < min_magnitude)
			delta = delta > 0 ? min_magnitude : -min_magnitude;
		return base + delta;
	case MODEL_ADJ_CHANGE_IN_CAPACITY:
	default:
		return base + adj;
	}
}

/* The ready capacity the newest datapoint of al was measured over, else ready now. */
static double scaling_dp_ready(const struct scaling_alarm *al, uint32_t ready)
{
	size_t i = (al->head + SCALING_DATAPOINTS - 1) % SCALING_DATAPOINTS;

	return al->ndp && al->dp_ready[i] >= 0 ? al->dp_ready[i] : ready;
}

/* Target tracking's capacity for the newest datapoint of al: the capacity it was measured
 * over times its ratio to the target.
 */
static int64_t scaling_tt_needed(const struct model_policy *p, const struct scaling_alarm *al,
				 uint32_t ready)
{
	double x = scaling_dp_ready(al, ready) * scaling_dp(al, 0) / p->tt.target_value;

	/* a hair under an integer is that integer: 3 x 50 / 50 must not become 4 */
	return (int64_t)ceil(x - 1e-9);
}

/* The step for the newest datapoint v of alarm al; NULL when none covers it. */
static const struct model_step *scaling_step(const struct model_policy *p,
					     const struct scaling_alarm *al, double v)
{
	double d = v - al->threshold;
	size_t i;

	for (i = 0; i < p->nsteps; i++) {
		const struct model_step *s = &p->steps[i];
		bool lo, hi;

		if (d >= 0) {
			lo = !s->has_lower || d >= s->lower;
			hi = !s->has_upper || d < s->upper;
		} else {
			lo = !s->has_lower || d > s->lower;
			hi = !s->has_upper || d <= s->upper;
		}
		if (lo && hi)
			return s;
	}
	return NULL;
}

struct scaling_pick {
	bool any;
	int64_t value;
	struct scaling_alarm *al;
	const struct model_policy *p;
};

/* Keeps the largest capacity, as AWS picks among policies. */
static void scaling_pick(struct scaling_pick *k, int64_t v, struct scaling_alarm *al,
			 const struct model_policy *p)
{
	if (k->any && v <= k->value)
		return;
	k->any = true;
	k->value = v;
	k->al = al;
	k->p = p;
}

static uint32_t scaling_clamp(const struct scaling_state *s, int64_t v)
{
	if (v < (int64_t)s->min)
		return s->min;
	if (v > (int64_t)s->max)
		return s->max;
	return (uint32_t)v;
}

/* Why an alarm's policy does not act: said once while the alarm stays in ALARM, since it fires
 * every period.
 */
__attribute__((format(printf, 3, 4))) static void
scaling_hold(struct scaling_engine *e, struct scaling_alarm *al, const char *fmt, ...)
{
	char line[SCALING_EVENT_LEN];
	va_list ap;

	if (al->said)
		return;
	al->said = true;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	scaling_event(e, "%s", line);
}

/* "out" or "in": which way a capacity moves the group. */
static const char *scaling_way(int64_t want, int64_t desired)
{
	return want < desired ? "in" : "out";
}

/* A step or simple policy's capacity: above desired it joins out, below it in. */
static void scaling_propose(struct scaling_pick *out, struct scaling_pick *in, int64_t want,
			    int64_t desired, struct scaling_alarm *al, const struct model_policy *p)
{
	if (want > desired)
		scaling_pick(out, want, al, p);
	else if (want < desired)
		scaling_pick(in, want, al, p);
}

/* One firing alarm's policies: their proposals join out or in. */
static void scaling_alarm_act(struct scaling_engine *e, struct scaling_alarm *al,
			      const struct scaling_state *s, uint64_t now, struct scaling_pick *out,
			      struct scaling_pick *in)
{
	uint32_t ready = s->in_service > s->warming ? s->in_service - s->warming : 0;
	double v = scaling_dp(al, 0);
	size_t i;

	for (i = 0; i < al->npol; i++) {
		const struct model_policy *p = e->pol[al->pol[i]].p;
		const struct model_step *st;
		uint64_t cool;
		int64_t want, base;

		if (!p->enabled || isnan(v))
			continue;
		switch (p->type) {
		case MODEL_POLICY_TARGET_TRACKING:
			if (!ready)
				break;
			want = scaling_tt_needed(p, al, ready);
			if (!al->tt_low && want > s->desired)
				scaling_pick(out, want, al, p);
			else if (al->tt_low && !p->tt.disable_scale_in && want < s->desired)
				scaling_pick(in, want, al, p);
			break;
		case MODEL_POLICY_STEP:
			st = scaling_step(p, al, v);
			if (!st || !st->adjustment)
				break;
			/* warming and launching capacity counts as added already: out from
			 * what the breach was measured on
			 */
			base = s->desired;
			if (st->adjustment > 0 && scaling_dp_ready(al, ready) < s->desired)
				base = (int64_t)(scaling_dp_ready(al, ready) + 0.5);
			want = scaling_adjust(p->adjustment_type, base, st->adjustment,
					      p->min_adjustment_magnitude);
			if (st->adjustment > 0 && p->adjustment_type != MODEL_ADJ_EXACT_CAPACITY &&
			    want <= s->desired) {
				/* a step out that the capacity still warming covers: no scale-in */
				scaling_hold(e, al,
					     "policy %s: scale out held: its step asks for %lld, the "
					     "%u instances launching or warming up already give %u",
					     p->name, (long long)want, s->desired - (uint32_t)base,
					     s->desired);
				break;
			}
			scaling_propose(out, in, want, s->desired, al, p);
			break;
		case MODEL_POLICY_SIMPLE:
			cool = p->cooldown_s >= 0 ? scaling_ms(e, (double)p->cooldown_s) :
						    e->cooldown_ms;
			want = scaling_adjust(p->adjustment_type, s->desired, p->scaling_adjustment,
					      p->min_adjustment_magnitude);
			if (s->activity_in_progress) {
				scaling_hold(e, al,
					     "policy %s: scale %s held while a scaling activity is "
					     "in progress",
					     p->name, scaling_way(want, s->desired));
				break;
			}
			if ((s->last_activity_end_ms && now < s->last_activity_end_ms + cool) ||
			    (e->simple_ran && now < e->simple_at_ms + cool)) {
				scaling_hold(e, al, "policy %s: scale %s held in cooldown", p->name,
					     scaling_way(want, s->desired));
				break;
			}
			scaling_propose(out, in, want, s->desired, al, p);
			break;
		case MODEL_POLICY_PREDICTIVE:
			break;
		}
	}
}

/* Whether every target tracking policy that may scale in says in now. */
static const struct model_policy *scaling_in_blocker(const struct scaling_engine *e,
						     const struct scaling_state *s)
{
	uint32_t ready = s->in_service > s->warming ? s->in_service - s->warming : 0;
	size_t i;

	for (i = 0; i < e->npol; i++) {
		const struct scaling_pol *sp = &e->pol[i];
		const struct scaling_alarm *low;
		double v;

		if (!sp->tt || sp->p->tt.disable_scale_in)
			continue;
		low = &e->al[sp->low];
		v = scaling_dp(low, 0);
		if (low->state != SCALING_ALARM || isnan(v) || !ready ||
		    scaling_tt_needed(sp->p, low, ready) >= s->desired)
			return sp->p;
	}
	return NULL;
}

static int scaling_policies(struct scaling_engine *e, const struct scaling_state *s, uint64_t now,
			    struct scaling_decision *d)
{
	struct scaling_pick out = { 0 }, in = { 0 }, *k;
	const struct model_policy *blocker;
	bool any = false;
	uint32_t to;
	size_t i;

	for (i = 0; i < e->nal; i++) {
		if (!e->al[i].fire)
			continue;
		e->al[i].fire = false;
		any = true;
		scaling_alarm_act(e, &e->al[i], s, now, &out, &in);
	}
	if (!any)
		return 0;
	k = &out;
	if (!out.any) {
		if (!in.any)
			return 0;
		if (s->warming || s->in_service < s->desired || s->activity_in_progress) {
			scaling_hold(e, in.al,
				     "policy %s: scale in held while instances launch or warm up",
				     in.p->name);
			return 0;
		}
		blocker = scaling_in_blocker(e, s);
		if (blocker) {
			scaling_hold(e, in.al, "policy %s: scale in held, policy %s does not agree",
				     in.p->name, blocker->name);
			return 0;
		}
		k = &in;
	}
	to = scaling_clamp(s, k->value);
	if (to == s->desired) {
		scaling_hold(e, k->al,
			     "policy %s: scale %s held: wants %lld, the group stays at %u "
			     "(MinSize %u, MaxSize %u)",
			     k->p->name, k == &out ? "out" : "in", (long long)k->value, to, s->min,
			     s->max);
		return 0;
	}
	memset(d, 0, sizeof(*d));
	d->set_desired = true;
	d->desired = to;
	d->min = s->min;
	d->max = s->max;
	snprintf(d->policy, sizeof(d->policy), "%s", k->p->name);
	scaling_cause_alarm(d->cause, sizeof(d->cause),
			    (uint64_t)((int64_t)now + s->wall_offset_ms), k->al->name, k->p->name,
			    s->desired, to);
	k->al->said = false;
	if (k->p->type == MODEL_POLICY_SIMPLE) {
		e->simple_ran = true;
		e->simple_at_ms = now;
	}
	return 1;
}

/* ---- scheduled actions ---- */

static int64_t scaling_sched_next(struct scaling_sched *sc, int64_t after)
{
	const struct model_scheduled_action *a = sc->a;
	int64_t t;

	if (!a->recurrence)
		return a->start_time > after ? a->start_time : -1;
	if (a->start_time > after)
		after = a->start_time - 1;
	t = cron_next(&sc->cron, a->time_zone, after);
	if (t < 0 || (a->end_time >= 0 && t > a->end_time))
		return -1;
	return t;
}

static int scaling_scheduled(struct scaling_engine *e, const struct scaling_state *s, uint64_t now,
			     struct scaling_decision *d)
{
	int64_t wall_ms = (int64_t)now + s->wall_offset_ms, wall = wall_ms / 1000;
	size_t i;

	for (i = 0; i < e->nsch; i++) {
		struct scaling_sched *sc = &e->sch[i];
		const struct model_scheduled_action *a = sc->a;
		int64_t min, max, desired;

		if (!sc->primed) {
			/* what is due this very second runs; what was due before does not */
			sc->next_s = scaling_sched_next(sc, wall - 1);
			sc->primed = true;
		}
		if (sc->next_s < 0 || wall < sc->next_s)
			continue;
		sc->next_s = scaling_sched_next(sc, sc->next_s);
		min = a->min_size >= 0 ? a->min_size : s->min;
		max = a->max_size >= 0 ? a->max_size : s->max;
		desired = a->desired >= 0 ? a->desired : s->desired;
		if (min > max) {
			scaling_event(
				e,
				"scheduled action %s failed: MinSize %lld would be above MaxSize %lld",
				a->name, (long long)min, (long long)max);
			continue;
		}
		desired = desired < min ? min : desired > max ? max : desired;
		if (min == s->min && max == s->max && desired == s->desired) {
			scaling_event(e, "scheduled action %s: nothing to change", a->name);
			continue;
		}
		memset(d, 0, sizeof(*d));
		d->set_min = min != s->min;
		d->set_max = max != s->max;
		d->set_desired = desired != s->desired;
		d->min = (uint32_t)min;
		d->max = (uint32_t)max;
		d->desired = (uint32_t)desired;
		snprintf(d->policy, sizeof(d->policy), "%s", a->name);
		scaling_cause_scheduled(d->cause, sizeof(d->cause), (uint64_t)wall_ms, d->min,
					d->max, d->desired, s->desired);
		return 1;
	}
	return 0;
}

int scaling_evaluate(struct scaling_engine *e, const struct scaling_state *s, uint64_t now_ms,
		     struct scaling_decision *d)
{
	size_t i;

	e->wall_offset_ms = s->wall_offset_ms;
	for (i = 0; i < e->nal; i++) {
		struct scaling_alarm *al = &e->al[i];

		if (!al->started)
			continue;
		scaling_alarm_roll(e, al, now_ms);
		if (al->ready_n && al->ready_at == now_ms)
			continue; /* a repeated call at the same time, after a decision */
		al->ready_sum += s->in_service > s->warming ? s->in_service - s->warming : 0;
		al->ready_n++;
		al->ready_at = now_ms;
	}
	if (scaling_scheduled(e, s, now_ms, d))
		return 1;
	return scaling_policies(e, s, now_ms, d);
}

/* ---- JSON ---- */

static struct json_object *scaling_time_json(const struct scaling_engine *e, uint64_t t)
{
	char buf[40];

	activity_time((uint64_t)((int64_t)t + e->wall_offset_ms), true, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static struct json_object *scaling_double(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

struct json_object *scaling_json(const struct scaling_engine *e)
{
	struct json_object *o = json_object_new_object(), *metrics = json_object_new_array();
	struct json_object *alarms = json_object_new_array();
	size_t i, j;

	if (!o || !metrics || !alarms)
		goto fail;
	json_object_object_add(o, "AutoScalingGroupName", json_object_new_string(e->group));
	json_object_object_add(o, "Metrics", metrics);
	json_object_object_add(o, "MetricAlarms", alarms);
	for (i = MODEL_METRIC_ASG_CPU; i < MODEL_METRIC_CUSTOM; i++) {
		const struct scaling_series *s = &e->series[i];
		struct json_object *m, *dps;

		if (!s->n)
			continue;
		m = json_object_new_object();
		dps = json_object_new_array();
		if (!m || !dps) {
			json_object_put(m);
			json_object_put(dps);
			return o;
		}
		json_object_object_add(m, "MetricName",
				       json_object_new_string(scaling_metric_name(i)));
		json_object_object_add(m, "Unit", json_object_new_string(scaling_metric_unit(i, true)));
		json_object_object_add(m, "Datapoints", dps);
		json_object_array_add(metrics, m);
		for (j = 0; j < s->n; j++) {
			size_t k = (s->head + SCALING_SAMPLES - s->n + j) % SCALING_SAMPLES;
			struct json_object *p = json_object_new_object();

			if (!p)
				return o;
			json_object_object_add(p, "Timestamp", scaling_time_json(e, s->t[k]));
			json_object_object_add(p, "Value", scaling_double(s->v[k]));
			json_object_array_add(dps, p);
		}
	}
	for (i = 0; i < e->nal; i++) {
		const struct scaling_alarm *al = &e->al[i];
		struct json_object *a = json_object_new_object(), *acts = json_object_new_array();
		struct json_object *dps = json_object_new_array();

		if (!a || !acts || !dps) {
			json_object_put(a);
			json_object_put(acts);
			json_object_put(dps);
			return o;
		}
		json_object_object_add(a, "AlarmName", json_object_new_string(al->name));
		json_object_object_add(a, "StateValue",
				       json_object_new_string(scaling_state_name(al->state)));
		json_object_object_add(a, "StateReason", json_object_new_string(al->reason));
		json_object_object_add(a, "MetricName",
				       json_object_new_string(scaling_metric_name(al->metric)));
		json_object_object_add(a, "Statistic",
				       json_object_new_string(scaling_stat_names[al->stat]));
		json_object_object_add(a, "Unit",
				       json_object_new_string(
					       al->stat == MODEL_STAT_SAMPLE_COUNT ?
						       "Count" :
						       scaling_metric_unit(al->metric, false)));
		json_object_object_add(a, "PeriodMilliseconds",
				       json_object_new_int64((int64_t)al->period_ms));
		json_object_object_add(a, "EvaluationPeriods", json_object_new_int64(al->n));
		json_object_object_add(a, "DatapointsToAlarm", json_object_new_int64(al->m));
		json_object_object_add(a, "Threshold", json_object_new_double(al->threshold));
		json_object_object_add(a, "ComparisonOperator",
				       json_object_new_string(scaling_cmp_names[al->cmp]));
		json_object_object_add(a, "AlarmActions", acts);
		for (j = 0; j < al->npol; j++)
			json_object_array_add(acts,
					      json_object_new_string(e->pol[al->pol[j]].p->name));
		json_object_object_add(a, "Datapoints", dps);
		for (j = al->ndp; j > 0; j--)
			json_object_array_add(dps, scaling_double(scaling_dp(al, j - 1)));
		json_object_array_add(alarms, a);
	}
	return o;
fail:
	json_object_put(o);
	json_object_put(metrics);
	json_object_put(alarms);
	return NULL;
}
