// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* One auto-scaling group's engine: policies evaluated, their decisions applied and clamped to
 * the group's sizes, for the live groups and the simulator alike (engine.h has the rules).
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"

void engine_state(const struct asg_group *g, uint64_t warmup_ms, uint64_t now,
		  struct scaling_state *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->min = g->min_size;
	s->max = g->max_size;
	s->desired = g->desired;
	s->last_activity_end_ms = g->last_activity_end;
	s->wall_offset_ms = g->wall_offset_ms;
	s->no_policies = asg_suspended(g, ASG_PROC_ALARM_NOTIFICATION);
	s->no_scheduled = asg_suspended(g, ASG_PROC_SCHEDULED_ACTIONS);
	for (i = 0; i < g->ninst; i++) {
		const struct asg_instance *in = &g->inst[i];

		if (in->state == ASG_STANDBY)
			continue; /* out of the group's capacity until ExitStandby */
		if (in->state != ASG_IN_SERVICE) {
			s->activity_in_progress = true;
			continue;
		}
		s->in_service++;
		s->warming += !in->prewarmed && now - in->in_service_at < warmup_ms;
	}
}

int engine_decide(struct scaling_engine *se, struct scaling_state *s, uint64_t now,
		  struct scaling_decision *d)
{
	uint32_t want;

	if (scaling_evaluate(se, s, now, d) != 1)
		return 0;
	if (d->set_min)
		s->min = d->min;
	if (d->set_max)
		s->max = d->max;
	if (s->max < s->min)
		s->max = s->min;
	want = d->set_desired ? d->desired : s->desired;
	s->desired = want < s->min ? s->min : want > s->max ? s->max : want;
	return 1;
}

size_t engine_scale(struct scaling_engine *se, struct asg_group *g, uint64_t now,
		    void (*applied)(void *arg, const struct scaling_decision *d), void *arg)
{
	uint64_t warm = scaling_warmup_ms(se);
	struct scaling_decision d;
	struct scaling_state s;
	size_t n;

	for (n = 0; n < ENGINE_DECISIONS; n++) {
		engine_state(g, warm, now, &s);
		if (!engine_decide(se, &s, now, &d))
			break;
		g->min_size = s.min;
		g->max_size = s.max;
		g->desired = s.desired;
		snprintf(g->desired_cause, sizeof(g->desired_cause), "%.*s",
			 (int)sizeof(g->desired_cause) - 1, d.cause);
		if (applied)
			applied(arg, &d);
	}
	return n;
}
