// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Group metrics from instance counters: CPU as a share of the quota, deltas as rates per second,
 * counters that went back, and averages that leave out instances in warm-up.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "metrics.h"

static bool cpu_share_of_quota(void)
{
	struct metrics_sample a = { .at_ms = 1000, .cpu_usec = 0, .has_cpu = true };
	struct metrics_sample b = { .at_ms = 2000, .cpu_usec = 125000, .has_cpu = true };
	struct metrics_inst r = { .counts = true };

	/* a quarter of a CPU (25 ms per 100 ms) for one second allows 250 ms: 125 ms is half */
	metrics_interval(&a, &b, 25000, 100000, &r);
	CHECK(r.has_cpu && fabs(r.cpu_pct - 50.0) < 1e-9, "cpu %.3f", r.cpu_pct);
	CHECK(r.counts, "counts kept");
	/* two CPUs for half a second allow 1 s */
	b.at_ms = 1500;
	b.cpu_usec = 1000000;
	metrics_interval(&a, &b, 200000, 100000, &r);
	CHECK(fabs(r.cpu_pct - 100.0) < 1e-9, "cpu %.3f", r.cpu_pct);
	return true;
}

static bool deltas_and_resets(void)
{
	struct metrics_sample a = {
		.at_ms = 0, .bytes_in = 1000, .bytes_out = 50, .new_flows = 7, .has_counters = true
	};
	struct metrics_sample b = { .at_ms = 1000,
				    .bytes_in = 3000,
				    .bytes_out = 450,
				    .new_flows = 10,
				    .has_counters = true };
	struct metrics_inst r = { .counts = true };

	metrics_interval(&a, &b, 0, 0, &r);
	CHECK(r.has_counters && r.bytes_in == 2000 && r.bytes_out == 400 && r.flows == 3,
	      "deltas %.0f %.0f %.0f", r.bytes_in, r.bytes_out, r.flows);
	/* the same deltas over 4 s: rates per second, whatever MetricsIntervalSeconds is (the
	 * engine makes AWS's counts per period from them)
	 */
	b.at_ms = 4000;
	metrics_interval(&a, &b, 0, 0, &r);
	CHECK(r.has_counters && r.bytes_in == 500 && r.bytes_out == 100 && r.flows == 0.75,
	      "rates %.2f %.2f %.2f", r.bytes_in, r.bytes_out, r.flows);
	b.at_ms = 1000;
	CHECK(!r.has_cpu, "no quota: no CPU figure");
	b.new_flows = 2; /* the slot was given to another backend */
	metrics_interval(&a, &b, 0, 0, &r);
	CHECK(!r.has_counters, "a counter going back gives nothing");
	metrics_interval(&a, &a, 0, 0, &r);
	CHECK(!r.has_counters && !r.has_cpu, "no time, no value");
	return true;
}

static bool average_skips_warmup(void)
{
	struct metrics_inst v[3] = {
		{ .counts = true,
		  .cpu_pct = 80,
		  .bytes_in = 100,
		  .flows = 10,
		  .has_cpu = true,
		  .has_counters = true },
		{ .counts = true,
		  .cpu_pct = 40,
		  .bytes_in = 300,
		  .flows = 30,
		  .has_cpu = true,
		  .has_counters = true },
		/* warming up: idle so far, it would drag the average down */
		{ .counts = false,
		  .cpu_pct = 0,
		  .bytes_in = 0,
		  .flows = 0,
		  .has_cpu = true,
		  .has_counters = true },
	};
	struct metrics_group g;

	metrics_average(v, 3, &g);
	CHECK(g.counted == 2, "two counted: %zu", g.counted);
	CHECK(g.cpu == 60 && g.net_in == 200 && g.requests_per_target == 20,
	      "averages %.1f %.1f %.1f", g.cpu, g.net_in, g.requests_per_target);
	v[0].counts = v[1].counts = false;
	metrics_average(v, 3, &g);
	CHECK(isnan(g.cpu) && isnan(g.net_in) && !g.counted, "nobody counts: no data");
	return true;
}

int main(void)
{
	RUN(cpu_share_of_quota);
	RUN(deltas_and_resets);
	RUN(average_skips_warmup);
	return check_summary();
}
