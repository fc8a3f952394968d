/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A simulation's state, shared by sim.c (which runs it) and sim_view.c (which prints its
 * timeline as a table or JSON) and by no one else: callers go through sim.h.
 */
#ifndef XLB_SIM_INTERNAL_H
#define XLB_SIM_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "asg.h"
#include "engine.h"
#include "scaling.h"
#include "sim.h"

struct json_object;

struct sim {
	const struct sim_opts *o;
	FILE *out;
	struct scaling_engine *e;
	const struct model_asg *mg;
	struct asg_group *g;
	uint64_t warmup_ms;
	uint32_t base; /* the starting capacity, for --spread */
	unsigned int next_id;
	struct scaling_decision dec[ENGINE_DECISIONS]; /* applied at this sample */
	size_t ndec;
	int err;		      /* of a plan carried out during engine_scale */
	struct json_object *timeline; /* --json: the rows so far */
	char last_key[512];
};

/* The table's header (nothing with --json): the run's settings, the alarms, the columns. */
void sim_view_header(const struct sim *s, const struct sim_trace *tr, double scale,
		     uint32_t interval_s);

/* One sample at now: a row of the table, or an element of the JSON timeline. vals are the
 * trace's values fed (one a column, NAN for no data), st the group's sizes, ev the engine's
 * events; the decisions are s->dec.
 */
void sim_view_row(struct sim *s, const struct sim_trace *tr, uint64_t now, const double *vals,
		  const struct scaling_state *st, char (*ev)[SCALING_EVENT_LEN], size_t nev);

/* --json: the whole document (AutoScalingGroupName, Timeline, Engine) to out. */
int sim_view_json(struct sim *s, FILE *out);

#endif /* XLB_SIM_INTERNAL_H */
