/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The group metrics that drive scaling, from what xlb measures itself: each instance's CPU time
 * over its cgroup quota, and the datapath's per-backend counters (bytes in, nat reply bytes
 * out, new flows). Pure: counters sampled by the caller go in, values over the interval come
 * out (CPU in percent, the counters as rates per second), averaged over the instances that
 * count (InService and out of warm-up), as CloudWatch's ASGAverage* and
 * ALBRequestCountPerTarget are. The scaling engine turns the rates into AWS's units, counts
 * per period (scaling_feed).
 */
#ifndef XLB_METRICS_H
#define XLB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Cumulative counters of one instance at one moment. */
struct metrics_sample {
	uint64_t at_ms;
	uint64_t cpu_usec;  /* its cgroup's CPU time */
	uint64_t bytes_in;  /* sent to it by the datapath */
	uint64_t bytes_out; /* its nat replies, rewritten by the datapath */
	uint64_t new_flows; /* flows the datapath gave it: connections, not HTTP requests */
	bool has_cpu;	    /* its cgroup could be read */
	bool has_counters;  /* its backend slot could be read */
};

/* One instance over one interval. */
struct metrics_inst {
	bool counts;	 /* InService and out of warm-up: it enters the group's averages */
	double cpu_pct;	 /* of its CPU quota, 0..100 (more only by accounting jitter) */
	double bytes_in; /* per second over the interval; CloudWatch's NetworkIn is their sum */
	double bytes_out;
	double flows; /* new flows per second */
	bool has_cpu, has_counters;
};

/* The group over one interval; NAN where no instance counted. */
struct metrics_group {
	double cpu;		    /* ASGAverageCPUUtilization, percent */
	double net_in, net_out;	    /* ASGAverageNetworkIn/Out: bytes/s per instance */
	double requests_per_target; /* ALBRequestCountPerTarget: new flows/s per instance */
	size_t counted;		    /* instances that entered the averages */
};

/* The interval between two samples of one instance; a counter that went back (a restarted
 * cgroup, a reused slot) gives no value rather than a huge one.
 */
void metrics_interval(const struct metrics_sample *before, const struct metrics_sample *now,
		      uint64_t quota_us, uint64_t period_us, struct metrics_inst *out);

/* The group's averages over the instances that count. */
void metrics_average(const struct metrics_inst *v, size_t n, struct metrics_group *out);

#endif /* XLB_METRICS_H */
