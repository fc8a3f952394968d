// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xlbctl simulate`'s timeline rendered: a table for people, one row per sample that changes
 * something, or one JSON document. Reads the simulation's state (sim_internal.h), changes
 * nothing of it.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include "activity.h"
#include "sim_internal.h"

static void sim_row_json(struct sim *s, const struct sim_trace *tr, uint64_t now, const char *wall,
			 const double *vals, const struct scaling_state *st,
			 char (*ev)[SCALING_EVENT_LEN], size_t nev)
{
	struct json_object *o = json_object_new_object(), *m, *a, *evs, *ds;
	size_t i, na = scaling_alarm_count(s->e);

	if (!o)
		return;
	json_object_object_add(o, "Seconds", json_object_new_double((double)now / 1000));
	json_object_object_add(o, "Time", json_object_new_string(wall));
	m = json_object_new_object();
	for (i = 0; m && i < tr->ncols; i++)
		json_object_object_add(m, scaling_metric_name(tr->metric[i]),
				       isnan(vals[i]) ? NULL : json_object_new_double(vals[i]));
	json_object_object_add(o, "Metrics", m);
	a = json_object_new_object();
	for (i = 0; a && i < na; i++)
		json_object_object_add(
			a, scaling_alarm_name(s->e, i),
			json_object_new_string(scaling_state_name(scaling_alarm_state(s->e, i))));
	json_object_object_add(o, "Alarms", a);
	json_object_object_add(o, "MinSize", json_object_new_int64(st->min));
	json_object_object_add(o, "MaxSize", json_object_new_int64(st->max));
	json_object_object_add(o, "DesiredCapacity", json_object_new_int64(st->desired));
	json_object_object_add(o, "InService", json_object_new_int64(st->in_service));
	json_object_object_add(o, "Warming", json_object_new_int64(st->warming));
	evs = json_object_new_array();
	for (i = 0; evs && i < nev; i++)
		json_object_array_add(evs, json_object_new_string(ev[i]));
	json_object_object_add(o, "Events", evs);
	ds = json_object_new_array();
	for (i = 0; ds && i < s->ndec; i++) {
		const struct scaling_decision *dec = &s->dec[i];
		struct json_object *d = json_object_new_object();

		if (!d)
			break;
		json_object_object_add(d, "Policy", json_object_new_string(dec->policy));
		if (dec->set_min)
			json_object_object_add(d, "MinSize", json_object_new_int64(dec->min));
		if (dec->set_max)
			json_object_object_add(d, "MaxSize", json_object_new_int64(dec->max));
		if (dec->set_desired)
			json_object_object_add(d, "DesiredCapacity",
					       json_object_new_int64(dec->desired));
		json_object_object_add(d, "Cause", json_object_new_string(dec->cause));
		json_object_array_add(ds, d);
	}
	json_object_object_add(o, "Decisions", ds);
	json_object_array_add(s->timeline, o);
}

void sim_view_row(struct sim *s, const struct sim_trace *tr, uint64_t now, const double *vals,
		  const struct scaling_state *st, char (*ev)[SCALING_EVENT_LEN], size_t nev)
{
	size_t i, na = scaling_alarm_count(s->e);
	char wall[40];

	activity_time((uint64_t)((int64_t)now + s->g->wall_offset_ms), false, wall, sizeof(wall));
	if (s->o->json) {
		sim_row_json(s, tr, now, wall, vals, st, ev, nev);
		return;
	}
	fprintf(s->out, "%7.1f  %s", (double)now / 1000, wall + 11);
	for (i = 0; i < tr->ncols; i++) {
		if (isnan(vals[i]))
			fprintf(s->out, " %10s", "-");
		else
			fprintf(s->out, " %10.1f", vals[i]);
	}
	for (i = 0; i < na; i++) {
		enum scaling_alarm_state a = scaling_alarm_state(s->e, i);

		fprintf(s->out, " %5s",
			a == SCALING_ALARM ? "ALARM" :
			a == SCALING_OK	   ? "OK" :
					     "-");
	}
	fprintf(s->out, " %3u %3u %7u %9u %7u\n", st->min, st->max, st->desired, st->in_service,
		st->warming);
	for (i = 0; i < nev; i++)
		fprintf(s->out, "         %s\n", ev[i]);
	for (i = 0; i < s->ndec; i++)
		fprintf(s->out, "         %s: %s\n", s->dec[i].policy, s->dec[i].cause);
}

void sim_view_header(const struct sim *s, const struct sim_trace *tr, double scale,
		     uint32_t interval_s)
{
	size_t i, na = scaling_alarm_count(s->e);
	bool counts = false;

	if (s->o->json)
		return;
	fprintf(s->out, "# simulate %s with %s: group %s, min %u, max %u, desired %u\n",
		s->o->config, s->o->metrics, s->mg->name, s->g->min_size, s->g->max_size,
		s->g->desired);
	fprintf(s->out, "# TimeScale %g, a sample every %u s, launch %.1f s, warm-up %.1f s%s\n",
		scale, interval_s, (double)s->o->launch_ms / 1000, (double)s->warmup_ms / 1000,
		s->o->spread ? ", metrics spread over the ready instances" : "");
	for (i = 0; i < tr->ncols; i++)
		counts |= scaling_metric_counts(tr->metric[i]);
	if (counts)
		fprintf(s->out,
			"# the trace's NetworkIn/Out and Requests are per second per instance; alarm "
			"datapoints are AWS's: counts per minute (Average, target tracking) or per "
			"period (Sum), the minute lasting %g s\n",
			60 / (scale >= 1 ? scale : 1));
	for (i = 0; i < na; i++)
		fprintf(s->out, "# A%zu = %s\n", i + 1, scaling_alarm_name(s->e, i));
	fprintf(s->out, "%7s  %-8s", "seconds", "time");
	for (i = 0; i < tr->ncols; i++) {
		static const char *const short_names[] = {
			[MODEL_METRIC_ASG_CPU] = "CPU",
			[MODEL_METRIC_ASG_NETWORK_IN] = "NetworkIn",
			[MODEL_METRIC_ASG_NETWORK_OUT] = "NetworkOut",
			[MODEL_METRIC_ALB_REQUESTS_PER_TARGET] = "Requests",
		};

		fprintf(s->out, " %10s", short_names[tr->metric[i]]);
	}
	for (i = 0; i < na; i++)
		fprintf(s->out, " %4s%zu", "A", i + 1);
	fprintf(s->out, " %3s %3s %7s %9s %7s\n", "min", "max", "desired", "InService", "warming");
}

int sim_view_json(struct sim *s, FILE *out)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "AutoScalingGroupName", json_object_new_string(s->mg->name));
	json_object_object_add(o, "Timeline", json_object_get(s->timeline));
	json_object_object_add(o, "Engine", scaling_json(s->e));
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
