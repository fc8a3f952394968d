// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Group metrics from per-instance counters: deltas over an interval as rates per second, CPU
 * as a share of the cgroup quota, and averages over the instances that count (warm-up
 * excluded), the way CloudWatch's Auto Scaling group metrics average over InService instances.
 */
#include <math.h>
#include <string.h>

#include "metrics.h"

void metrics_interval(const struct metrics_sample *before, const struct metrics_sample *now,
		      uint64_t quota_us, uint64_t period_us, struct metrics_inst *out)
{
	uint64_t ms = now->at_ms > before->at_ms ? now->at_ms - before->at_ms : 0;
	bool counts = out->counts;

	memset(out, 0, sizeof(*out));
	out->counts = counts;
	if (!ms)
		return;
	if (before->has_cpu && now->has_cpu && now->cpu_usec >= before->cpu_usec && quota_us &&
	    period_us) {
		/* the CPU it may use in ms milliseconds: quota/period of a CPU */
		double allowed_us = (double)ms * 1000.0 * (double)quota_us / (double)period_us;

		out->cpu_pct = (double)(now->cpu_usec - before->cpu_usec) * 100.0 / allowed_us;
		out->has_cpu = true;
	}
	if (before->has_counters && now->has_counters && now->bytes_in >= before->bytes_in &&
	    now->bytes_out >= before->bytes_out && now->new_flows >= before->new_flows) {
		double per_s = 1000.0 / (double)ms;

		out->bytes_in = (double)(now->bytes_in - before->bytes_in) * per_s;
		out->bytes_out = (double)(now->bytes_out - before->bytes_out) * per_s;
		out->flows = (double)(now->new_flows - before->new_flows) * per_s;
		out->has_counters = true;
	}
}

void metrics_average(const struct metrics_inst *v, size_t n, struct metrics_group *out)
{
	double cpu = 0, in = 0, o = 0, fl = 0;
	size_t ncpu = 0, nc = 0, i;

	for (i = 0; i < n; i++) {
		if (!v[i].counts)
			continue;
		if (v[i].has_cpu) {
			cpu += v[i].cpu_pct;
			ncpu++;
		}
		if (v[i].has_counters) {
			in += v[i].bytes_in;
			o += v[i].bytes_out;
			fl += v[i].flows;
			nc++;
		}
	}
	out->cpu = ncpu ? cpu / (double)ncpu : NAN;
	out->net_in = nc ? in / (double)nc : NAN;
	out->net_out = nc ? o / (double)nc : NAN;
	out->requests_per_target = nc ? fl / (double)nc : NAN;
	out->counted = ncpu > nc ? ncpu : nc;
}
