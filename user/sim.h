/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The simulator behind `xlbctl simulate`: a metric trace through one group's engine (engine.c)
 * on a virtual clock, instances on paper: launches come into service after launch_ms,
 * terminations are chosen by asg_plan with the group's TerminationPolicies and end at once (a
 * simulated instance has no flows to drain). No xlbd, no root, the same output every run.
 *
 * The trace is a CSV: a header "time,METRIC[,METRIC...]" (scaling_metric_name's names or
 * CloudWatch's short ones), then rows of seconds from the start (or ISO 8601 times
 * throughout) in time order, a value holding until the next row; an empty cell or "nan" is no
 * data. Units, as xlbd measures them each interval: CPU in percent; NetworkIn/Out in bytes and
 * the request count in new connections, per second per instance (per target). The engine makes
 * AWS's counts per minute or per period of them, as it does in xlbd (scaling_feed).
 */
#ifndef XLB_SIM_H
#define XLB_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

#define SIM_COLS 8			 /* metric columns a trace may have */
#define SIM_START "2026-01-01T00:00:00Z" /* the virtual wall clock's start by default */

struct sim_row {
	uint64_t t_ms;
	double v[SIM_COLS];
};

struct sim_trace {
	enum model_metric metric[SIM_COLS];
	size_t ncols;
	struct sim_row *rows;
	size_t nrows;
	int64_t first_wall_s; /* the first row's time when the trace gives ISO 8601, else -1 */
};

struct sim_opts {
	const char *config;  /* the configuration file, as xlbd takes it */
	const char *metrics; /* the trace */
	const char *group;   /* NULL: the file's only group */
	const char *start;   /* the virtual wall clock's start; NULL: the trace's, else SIM_START */
	uint64_t launch_ms;  /* from launch to InService */
	bool spread;	     /* values are for the starting capacity: spread over the ready ones */
	bool all;	     /* a row for every sample, not only when something changes */
	bool json;	     /* one JSON document (Timeline, Engine) instead of the table */
};

/* Reads a trace. -EINVAL with "xlbctl: simulate: FILE:LINE: ..." on stderr, -ENOMEM, or the
 * errno of opening it. sim_trace_free frees the rows.
 */
int sim_trace_read(const char *path, struct sim_trace *tr);
void sim_trace_free(struct sim_trace *tr);

/* Runs the simulation and prints it to out. -EINVAL for a bad configuration, trace or option
 * (said on stderr, with the file, line and column where there is one); another negative errno
 * for a failure of the run itself.
 */
int sim_run(const struct sim_opts *o, FILE *out);

#endif /* XLB_SIM_H */
