// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xlbctl simulate`: a metric trace through the group engine on a virtual clock. The engine
 * (engine.c) decides and asg_plan picks whom to launch and terminate, as in xlbd; here the plan
 * is carried out on paper, and each sample becomes a row of the timeline (sim_view.c prints
 * it).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "asg.h"
#include "config.h"
#include "engine.h"
#include "scaling.h"
#include "sim.h"
#include "sim_internal.h"

/* Rounds of plan-and-carry-out a moment may take: launch, in service, terminate, finish. */
#define SIM_PLAN_ROUNDS 8

static enum model_metric sim_metric(const char *name)
{
	static const struct {
		const char *name;
		enum model_metric m;
	} alias[] = {
		{ "CPUUtilization", MODEL_METRIC_ASG_CPU },
		{ "NetworkIn", MODEL_METRIC_ASG_NETWORK_IN },
		{ "NetworkOut", MODEL_METRIC_ASG_NETWORK_OUT },
		{ "RequestCountPerTarget", MODEL_METRIC_ALB_REQUESTS_PER_TARGET },
	};
	size_t i;

	for (i = MODEL_METRIC_ASG_CPU; i < MODEL_METRIC_CUSTOM; i++)
		if (!strcmp(name, scaling_metric_name((enum model_metric)i)))
			return (enum model_metric)i;
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(name, alias[i].name))
			return alias[i].m;
	return MODEL_METRIC_NONE;
}

/* Splits line at commas in place (no quoting: metric traces need none); trims blanks. */
static size_t sim_split(char *line, char **cells, size_t max)
{
	size_t n = 0;
	char *p = line, *end;

	while (n < max) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && strchr(" \t\r\n", end[-1]))
			*--end = '\0';
		cells[n++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

/* The header's metric columns. */
static int sim_trace_header(struct sim_trace *tr, char **cells, size_t n, const char *path,
			    size_t lineno)
{
	size_t i;

	if (strcasecmp(cells[0], "time") || n < 2 || n > SIM_COLS + 1) {
		fprintf(stderr,
			"xlbctl: simulate: %s:%zu: expected a header \"time,METRIC[,METRIC...]\" with 1 to %d metrics\n",
			path, lineno, SIM_COLS);
		return -EINVAL;
	}
	for (i = 1; i < n; i++) {
		tr->metric[i - 1] = sim_metric(cells[i]);
		if (tr->metric[i - 1] == MODEL_METRIC_NONE) {
			fprintf(stderr,
				"xlbctl: simulate: %s:%zu: column %zu: expected ASGAverageCPUUtilization, ASGAverageNetworkIn, ASGAverageNetworkOut or ALBRequestCountPerTarget, got \"%s\"\n",
				path, lineno, i + 1, cells[i]);
			return -EINVAL;
		}
	}
	tr->ncols = n - 1;
	return 0;
}

/* A row's time in seconds from the start: ISO 8601 throughout, or seconds throughout. */
static int sim_trace_time(struct sim_trace *tr, const char *cell, const char *path, size_t lineno,
			  double *t)
{
	int64_t wall;
	char *end;

	if (config_time_parse(cell, &wall)) {
		if (tr->first_wall_s < 0 && !tr->nrows)
			tr->first_wall_s = wall;
		if (tr->first_wall_s < 0 || wall < tr->first_wall_s) {
			fprintf(stderr,
				"xlbctl: simulate: %s:%zu: time: expected ISO 8601 times throughout, from the first row's on, got \"%s\"\n",
				path, lineno, cell);
			return -EINVAL;
		}
		*t = (double)(wall - tr->first_wall_s);
	} else {
		*t = strtod(cell, &end);
		if (!*cell || *end || !(*t >= 0 && *t < 1e9) || tr->first_wall_s >= 0) {
			fprintf(stderr,
				"xlbctl: simulate: %s:%zu: time: expected seconds from the start (or ISO 8601 throughout), got \"%s\"\n",
				path, lineno, cell);
			return -EINVAL;
		}
	}
	if (tr->nrows && (uint64_t)(*t * 1000) < tr->rows[tr->nrows - 1].t_ms) {
		fprintf(stderr,
			"xlbctl: simulate: %s:%zu: time: expected rows in time order, got %s after a later time\n",
			path, lineno, cell);
		return -EINVAL;
	}
	return 0;
}

/* One row of values after the header. */
static int sim_trace_row(struct sim_trace *tr, char **cells, size_t n, const char *path,
			 size_t lineno)
{
	struct sim_row *row;
	char *end;
	double t;
	size_t i;

	if (n != tr->ncols + 1) {
		fprintf(stderr, "xlbctl: simulate: %s:%zu: expected %zu values, got %zu\n", path,
			lineno, tr->ncols + 1, n);
		return -EINVAL;
	}
	if (sim_trace_time(tr, cells[0], path, lineno, &t))
		return -EINVAL;
	row = realloc(tr->rows, (tr->nrows + 1) * sizeof(*row));
	if (!row)
		return -ENOMEM;
	tr->rows = row;
	row = &tr->rows[tr->nrows++];
	row->t_ms = (uint64_t)(t * 1000 + 0.5);
	for (i = 0; i < tr->ncols; i++) {
		const char *c = cells[i + 1];

		row->v[i] = strtod(c, &end);
		if (!*c || !strcasecmp(c, "nan")) {
			row->v[i] = NAN;
		} else if (*end || !isfinite(row->v[i])) {
			fprintf(stderr,
				"xlbctl: simulate: %s:%zu: column %zu: expected a number (or nothing for no data), got \"%s\"\n",
				path, lineno, i + 2, c);
			return -EINVAL;
		}
	}
	return 0;
}

int sim_trace_read(const char *path, struct sim_trace *tr)
{
	char *line = NULL, *cells[SIM_COLS + 2];
	size_t cap = 0, n, lineno = 0;
	int ret = 0;
	FILE *f = fopen(path, "r");

	memset(tr, 0, sizeof(*tr));
	tr->first_wall_s = -1;
	if (!f) {
		ret = -errno;
		fprintf(stderr, "xlbctl: simulate: %s: %s\n", path, strerror(errno));
		return ret;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		n = sim_split(line, cells, SIM_COLS + 2);
		if (!tr->ncols)
			ret = sim_trace_header(tr, cells, n, path, lineno);
		else
			ret = sim_trace_row(tr, cells, n, path, lineno);
	}
	if (!ret && !tr->nrows) {
		fprintf(stderr, "xlbctl: simulate: %s: expected a header and at least one row\n",
			path);
		ret = -EINVAL;
	}
	free(line);
	fclose(f);
	if (ret)
		sim_trace_free(tr);
	return ret;
}

void sim_trace_free(struct sim_trace *tr)
{
	free(tr->rows);
	tr->rows = NULL;
	tr->nrows = 0;
}

/* ---- the group on paper ---- */

static int sim_launch(struct sim *s, uint64_t now)
{
	char id[ASG_ID_LEN];

	snprintf(id, sizeof(id), "i-%017x", ++s->next_id);
	return asg_instance_add(s->g, id, now);
}

/* One round of asg_plan carried out; true when it changed something. */
static bool sim_plan_round(struct sim *s, uint64_t now, struct asg_plan *plan)
{
	struct asg_group *g = s->g;
	bool changed = false;
	size_t i;

	/* a launch is running once its launch time has passed */
	for (i = 0; i < g->ninst; i++) {
		struct asg_instance *in = &g->inst[i];

		if (in->state == ASG_PENDING && in->ec2 == ASG_EC2_PENDING &&
		    in->launched_at + s->o->launch_ms <= now)
			in->ec2 = ASG_EC2_RUNNING;
	}
	asg_plan(g, now, plan);
	for (i = 0; i < plan->nin_service; i++) {
		struct asg_instance *in = asg_instance_find(g, plan->in_service[i]);
		/* its launch's activity ended when it came up, maybe between two samples */
		uint64_t up = in ? in->launched_at + s->o->launch_ms : now;

		if (!asg_instance_in_service(g, plan->in_service[i], up)) {
			if (up > g->last_activity_end)
				g->last_activity_end = up;
			changed = true;
		}
	}
	for (i = 0; i < plan->nterminate; i++) {
		struct asg_instance *in = asg_instance_find(g, plan->terminate[i].id);

		if (!in || asg_instance_terminating(g, in->id, plan->terminate[i].reason, now))
			continue;
		/* nothing to drain on paper: it can finish at once */
		in->flows_known = true;
		in->flows = 0;
		changed = true;
	}
	for (i = 0; i < plan->nfinish; i++) {
		if (asg_instance_terminated(g, plan->finish[i]))
			continue;
		g->last_activity_end = now;
		changed = true;
	}
	for (i = 0; i < plan->nlaunch; i++) {
		if (sim_launch(s, now))
			break;
		changed = true;
	}
	return changed;
}

/* Carries out asg_plan until the group is where its desired capacity wants it for now. */
static int sim_reconcile(struct sim *s, uint64_t now)
{
	struct asg_plan *plan = malloc(sizeof(*plan));
	int n;

	if (!plan)
		return -ENOMEM;
	for (n = 0; n < SIM_PLAN_ROUNDS && sim_plan_round(s, now, plan); n++)
		;
	free(plan);
	return 0;
}

struct sim_now {
	struct sim *s;
	uint64_t now;
};

/* A decision the engine applied: kept for the row, and carried out before the next one. */
static void sim_applied(void *arg, const struct scaling_decision *d)
{
	struct sim_now *sn = arg;
	struct sim *s = sn->s;
	int ret;

	if (s->ndec < ENGINE_DECISIONS)
		s->dec[s->ndec++] = *d;
	ret = sim_reconcile(s, sn->now);
	if (ret && !s->err)
		s->err = ret;
}

/* The starting capacity: InService and warm. */
static int sim_start(struct sim *s)
{
	uint32_t i;
	int ret;

	for (i = 0; i < s->g->desired; i++) {
		struct asg_instance *in;

		ret = sim_launch(s, 0);
		if (ret)
			return ret;
		in = &s->g->inst[s->g->ninst - 1];
		in->ec2 = ASG_EC2_RUNNING;
		asg_instance_in_service(s->g, in->id, 0);
		in->prewarmed = true;
	}
	return 0;
}

/* The trace's values at now into the engine; vals gets what was fed. */
static void sim_feed(struct sim *s, const struct sim_trace *tr, size_t row, uint64_t now,
		     double *vals)
{
	struct scaling_state st;
	uint32_t ready;
	size_t i;

	engine_state(s->g, s->warmup_ms, now, &st);
	ready = st.in_service - st.warming;
	for (i = 0; i < tr->ncols; i++) {
		double x = tr->rows[row].t_ms <= now ? tr->rows[row].v[i] : NAN;

		if (s->o->spread && !isnan(x))
			x = ready ? x * s->base / ready : NAN;
		if (s->o->spread && tr->metric[i] == MODEL_METRIC_ASG_CPU && x > 100)
			x = 100;
		vals[i] = x;
		scaling_feed(s->e, tr->metric[i], NULL, x, now);
	}
}

/* One sample: the plan, the trace's values, the engine's decisions, a row when asked for. */
static int sim_step(struct sim *s, const struct sim_trace *tr, size_t row, uint64_t now, bool last)
{
	char ev[64][SCALING_EVENT_LEN], key[512];
	struct sim_now sn = { s, now };
	struct scaling_state st;
	double vals[SIM_COLS];
	size_t i, nev;
	int ret;

	ret = sim_reconcile(s, now);
	if (ret)
		return ret;
	sim_feed(s, tr, row, now, vals);
	s->ndec = 0;
	engine_scale(s->e, s->g, now, sim_applied, &sn);
	if (s->err)
		return s->err;
	nev = scaling_events(s->e, ev, sizeof(ev) / sizeof(ev[0]));
	engine_state(s->g, s->warmup_ms, now, &st);
	snprintf(key, sizeof(key), "%u %u %u %u %u", st.min, st.max, st.desired, st.in_service,
		 st.warming);
	for (i = 0; i < scaling_alarm_count(s->e); i++)
		snprintf(key + strlen(key), sizeof(key) - strlen(key), " %d",
			 (int)scaling_alarm_state(s->e, i));
	if (s->o->all || nev || s->ndec || now == 0 || last || strcmp(key, s->last_key))
		sim_view_row(s, tr, now, vals, &st, ev, nev);
	snprintf(s->last_key, sizeof(s->last_key), "%s", key);
	return 0;
}

/* The group to simulate: the one named, or the file's only one. */
static int sim_group(const struct sim_opts *o, const struct model *m, const struct model_asg **out)
{
	*out = o->group ? model_asg_find(m, o->group) : m->nasgs ? &m->asgs[0] : NULL;
	if (!o->group && m->nasgs > 1) {
		fprintf(stderr, "xlbctl: simulate: %s has %zu groups: name one with --group\n",
			o->config, m->nasgs);
		return -EINVAL;
	}
	if (!*out) {
		fprintf(stderr, "xlbctl: simulate: %s: %s\n", o->config,
			o->group ? "no such group" : "no auto-scaling group to simulate");
		return -EINVAL;
	}
	return 0;
}

static int sim_load(const struct sim_opts *o, struct model **m)
{
	struct config_error err;
	int k;

	if (!config_load(o->config, m, &err))
		return 0;
	for (k = 0; k < err.count && k < CONFIG_ERR_MAX; k++)
		fprintf(stderr, "%s\n", err.all[k]);
	if (err.count > CONFIG_ERR_MAX)
		fprintf(stderr, "(%d more errors)\n", err.count - CONFIG_ERR_MAX);
	return -EINVAL;
}

int sim_run(const struct sim_opts *o, FILE *out)
{
	struct model *m = NULL;
	struct sim_trace tr = { 0 };
	struct sim s = { .o = o, .out = out };
	uint64_t step, end, now;
	int64_t start_s;
	size_t row = 0;
	int ret;

	ret = sim_load(o, &m);
	if (!ret)
		ret = sim_group(o, m, &s.mg);
	/* a trace that cannot be read, whatever the reason, is the caller's to fix */
	if (!ret && sim_trace_read(o->metrics, &tr))
		ret = -EINVAL;
	if (ret)
		goto out;
	start_s = tr.first_wall_s;
	if ((o->start || start_s < 0) &&
	    !config_time_parse(o->start ? o->start : SIM_START, &start_s)) {
		fprintf(stderr,
			"xlbctl: simulate: --start: expected a time such as %s, got \"%s\"\n",
			SIM_START, o->start);
		ret = -EINVAL;
		goto out;
	}
	ret = -ENOMEM;
	s.g = calloc(1, sizeof(*s.g));
	if (!s.g || (o->json && !(s.timeline = json_object_new_array())))
		goto out;
	ret = asg_group_init(s.g, s.mg, start_s * 1000);
	if (!ret)
		ret = scaling_new(m, s.mg, &s.e);
	if (!ret)
		ret = sim_start(&s);
	if (ret) {
		fprintf(stderr, "xlbctl: simulate: %s\n", strerror(-ret));
		goto out;
	}
	s.base = s.g->desired;
	s.warmup_ms = scaling_warmup_ms(s.e);
	sim_view_header(&s, &tr, m->settings.time_scale, m->settings.metrics_interval_s);
	step = (uint64_t)(m->settings.metrics_interval_s ? m->settings.metrics_interval_s : 1) *
	       1000;
	end = tr.rows[tr.nrows - 1].t_ms;
	for (now = 0; now <= end; now += step) {
		while (row + 1 < tr.nrows && tr.rows[row + 1].t_ms <= now)
			row++;
		ret = sim_step(&s, &tr, row, now, now + step > end);
		if (ret)
			goto out;
	}
	if (o->json)
		ret = sim_view_json(&s, out);
out:
	json_object_put(s.timeline);
	free(s.g);
	sim_trace_free(&tr);
	scaling_free(s.e);
	model_free(m);
	return ret;
}
