/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One auto-scaling group's engine: the scaling policies' decisions (scaling.c) applied to the
 * group's sizes (asg.c), the same for xlbd's groups (fleet.c, real time, real instances) and
 * for `xlbctl simulate` (sim.c, a trace on a virtual clock, instances on paper). Pure: the
 * group and `now` in, its sizes changed; what the new sizes bring (launches, terminations by
 * the TerminationPolicies) is asg_plan's, carried out by the caller.
 *
 * The rules:
 * - The state the policies see is counted from the group: InService instances, of those the
 *   ones that came into service less than the warm-up ago (asg_instance.in_service_at; the
 *   `prewarmed` ones never), and an activity in progress while any instance is Pending or
 *   Terminating.
 * - A decision's MinSize and MaxSize are taken first; a MaxSize below MinSize is raised to it;
 *   then the desired capacity (the decision's, else the group's) is clamped into them.
 * - The launches and terminations a decision brings quote its cause first (desired_cause).
 * - At most ENGINE_DECISIONS decisions a call: each consumes what it decided on, so fewer come.
 */
#ifndef XLB_ENGINE_H
#define XLB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "asg.h"
#include "scaling.h"

#define ENGINE_DECISIONS 8

/* The group as scaling_evaluate wants it. */
void engine_state(const struct asg_group *g, uint64_t warmup_ms, uint64_t now,
		  struct scaling_state *s);

/* One decision of se on state s, applied to s's sizes as the rules above say. Returns 1 with
 * *d filled, 0 when there is nothing to do.
 */
int engine_decide(struct scaling_engine *se, struct scaling_state *s, uint64_t now,
		  struct scaling_decision *d);

/* Evaluates and applies to g until nothing more comes. After each decision, applied(arg, d)
 * runs (it may carry out the plan, changing g's instances: the next evaluation counts them
 * again). Returns how many decisions were applied.
 */
size_t engine_scale(struct scaling_engine *se, struct asg_group *g, uint64_t now,
		    void (*applied)(void *arg, const struct scaling_decision *d), void *arg);

#endif /* XLB_ENGINE_H */
