// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The auto-scaling group's capacity logic: keep DesiredCapacity instances Pending or InService,
 * replace the dead and the unhealthy, pick whom to terminate by TerminationPolicies, drain a
 * terminating instance before it goes. Pure: the group and `now` in, a plan out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "activity.h"
#include "asg.h"

#define ASG_HOUR_MS 3600000ULL

static const char *const asg_lifecycle_names[ASG_LIFECYCLE_MAX] = {
	[ASG_PENDING] = "Pending",
	[ASG_IN_SERVICE] = "InService",
	[ASG_TERMINATING] = "Terminating",
	[ASG_TERMINATED] = "Terminated",
	[ASG_PENDING_WAIT] = "Pending:Wait",
	[ASG_PENDING_PROCEED] = "Pending:Proceed",
	[ASG_TERMINATING_WAIT] = "Terminating:Wait",
	[ASG_TERMINATING_PROCEED] = "Terminating:Proceed",
	[ASG_WARMED_PENDING] = "Warmed:Pending",
	[ASG_WARMED_PENDING_WAIT] = "Warmed:Pending:Wait",
	[ASG_WARMED_PENDING_PROCEED] = "Warmed:Pending:Proceed",
	[ASG_WARMED_STOPPED] = "Warmed:Stopped",
	[ASG_WARMED_RUNNING] = "Warmed:Running",
};

const char *asg_lifecycle_name(enum asg_lifecycle s)
{
	if (s == ASG_STANDBY)
		return "Standby";
	if ((unsigned int)s >= ASG_LIFECYCLE_MAX || !asg_lifecycle_names[s])
		return "Unknown";
	return asg_lifecycle_names[s];
}

const char *asg_health_name(enum asg_health h)
{
	return h == ASG_UNHEALTHY ? "Unhealthy" : "Healthy";
}

const char *asg_termination_name(enum model_termination t)
{
	switch (t) {
	case MODEL_TERM_DEFAULT:
		return "Default";
	case MODEL_TERM_OLDEST_INSTANCE:
		return "OldestInstance";
	case MODEL_TERM_NEWEST_INSTANCE:
		return "NewestInstance";
	case MODEL_TERM_OLDEST_LAUNCH_CONFIGURATION:
		return "OldestLaunchConfiguration";
	case MODEL_TERM_OLDEST_LAUNCH_TEMPLATE:
		return "OldestLaunchTemplate";
	case MODEL_TERM_CLOSEST_TO_NEXT_INSTANCE_HOUR:
		return "ClosestToNextInstanceHour";
	case MODEL_TERM_ALLOCATION_STRATEGY:
		return "AllocationStrategy";
	}
	return "Unknown";
}

/* The hooks and the warm pool of the file, times at the API's scale (the caller divides them
 * by a TimeScale).
 */
static void asg_lifecycle_init(struct asg_group *g, const struct model_asg *m)
{
	size_t i;

	g->nhooks = 0;
	for (i = 0; i < m->nhooks && i < MODEL_HOOKS_MAX; i++) {
		struct asg_hook *h = &g->hooks[g->nhooks++];

		snprintf(h->name, sizeof(h->name), "%s", m->hooks[i].name);
		snprintf(h->metadata, sizeof(h->metadata), "%s", m->hooks[i].metadata);
		h->transition = m->hooks[i].transition;
		h->default_result = m->hooks[i].default_result;
		h->heartbeat_ms = (uint64_t)m->hooks[i].heartbeat_s * 1000;
		h->global_ms = asg_lifecycle_global_ms(h->heartbeat_ms);
	}
	g->warm.enabled = m->warm.enabled;
	g->warm.min_size = m->warm.min_size;
	g->warm.max_prepared = m->warm.max_prepared;
	g->warm.running = m->warm.state == MODEL_WARM_RUNNING;
	g->warm.reuse_on_scale_in = m->warm.reuse_on_scale_in;
}

int asg_group_init(struct asg_group *g, const struct model_asg *m, int64_t wall_offset_ms)
{
	size_t i;

	if (!g || !m || !m->name || strlen(m->name) >= sizeof(g->name))
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", m->name);
	g->min_size = m->min_size;
	g->max_size = m->max_size;
	g->desired = m->desired;
	g->hc_type = m->hc_type;
	g->grace_ms = (uint64_t)m->grace_s * 1000;
	g->protect_new = m->protect_from_scale_in;
	g->ntgs = m->ntgs;
	for (i = 0; i < m->ntgs; i++)
		if (m->tgs[i] && (uint64_t)m->tgs[i]->dereg_delay_s * 1000 > g->dereg_delay_ms)
			g->dereg_delay_ms = (uint64_t)m->tgs[i]->dereg_delay_s * 1000;
	for (i = 0; i < m->nterm && g->nterm < sizeof(g->term) / sizeof(g->term[0]); i++)
		g->term[g->nterm++] = m->term[i];
	if (m->launch) {
		g->launch.kind = m->launch->kind;
		snprintf(g->launch.name, sizeof(g->launch.name), "%s",
			 m->launch->name ? m->launch->name : "");
		g->launch.version = m->launch->version;
	}
	g->wall_offset_ms = wall_offset_ms;
	asg_lifecycle_init(g, m);
	g->max_lifetime_ms = (uint64_t)m->max_lifetime_s * 1000;
	g->warmup_ms = m->warmup_s >= 0 ? (uint64_t)m->warmup_s * 1000 : g->grace_ms;
	return 0;
}

static uint64_t asg_wall(const struct asg_group *g, uint64_t now)
{
	return (uint64_t)((int64_t)now + g->wall_offset_ms);
}

uint32_t asg_clamp(const struct asg_group *g, int64_t value)
{
	if (value < (int64_t)g->min_size)
		return g->min_size;
	if (value > (int64_t)g->max_size)
		return g->max_size;
	return (uint32_t)value;
}

/* ---- termination policies ----
 *
 * Each policy narrows the set of candidates; one that would leave none (it does not apply, say
 * OldestLaunchConfiguration when every instance came from a template) leaves the set as it is.
 * The policies run in the order the group lists them, then Default, as Auto Scaling falls back
 * to Default when the custom policies leave more than one instance. One instance is picked at a
 * time, as AWS does, so that each pick sees what the previous ones left.
 *
 * AWS's Default policy, in its order, and what each step is here:
 *  1. Availability Zones: take the zone with the most instances (and one not protected from
 *     scale in), to keep the zones balanced. xlb has one zone: nothing to do.
 *  2. Allocation strategy: terminate so that the rest match the On-Demand/Spot allocation
 *     strategy. There is no Spot here: nothing to do.
 *  3. Oldest launch template or configuration: a group on a launch template terminates
 *     instances from a launch configuration first, then those from the oldest template; a
 *     group on a launch configuration, those from the oldest configuration.
 *  4. Closest to the next billing hour (ClosestToNextInstanceHour).
 *  5. Still several: AWS picks at random. A pure planner cannot, so the lowest instance id is
 *     taken; ids are random, so the choice is as arbitrary and repeatable in tests.
 *
 * AllocationStrategy alone is treated as Default's step 2: with no Spot instances it never
 * narrows, and the following policies (at least Default) decide.
 */

typedef bool (*asg_keep_fn)(const struct asg_group *g, const struct asg_instance *in, uint64_t key,
			    uint64_t now);
typedef uint64_t (*asg_key_fn)(const struct asg_group *g, const struct asg_instance *in,
			       uint64_t now);

/* Keeps the candidates whose key is the smallest; ok(in) false excludes one from the
 * comparison. Narrows only when some candidate is eligible.
 */
static void asg_keep_min(const struct asg_group *g, bool *set, uint64_t now, asg_key_fn key,
			 bool (*ok)(const struct asg_group *g, const struct asg_instance *in))
{
	uint64_t best = UINT64_MAX;
	bool any = false;
	size_t i;

	for (i = 0; i < g->ninst; i++) {
		if (!set[i] || (ok && !ok(g, &g->inst[i])))
			continue;
		if (!any || key(g, &g->inst[i], now) < best)
			best = key(g, &g->inst[i], now);
		any = true;
	}
	if (!any)
		return;
	for (i = 0; i < g->ninst; i++)
		if (set[i])
			set[i] = (!ok || ok(g, &g->inst[i])) && key(g, &g->inst[i], now) == best;
}

static uint64_t asg_key_launched(const struct asg_group *g, const struct asg_instance *in,
				 uint64_t now)
{
	(void)g;
	(void)now;
	return in->launched_at;
}

static uint64_t asg_key_newest(const struct asg_group *g, const struct asg_instance *in,
			       uint64_t now)
{
	(void)g;
	(void)now;
	return UINT64_MAX - in->launched_at;
}

static uint64_t asg_key_created(const struct asg_group *g, const struct asg_instance *in,
				uint64_t now)
{
	(void)g;
	(void)now;
	return in->launch.created;
}

static uint64_t asg_key_version(const struct asg_group *g, const struct asg_instance *in,
				uint64_t now)
{
	(void)g;
	(void)now;
	return in->launch.version;
}

/* Instances are billed by the hour from launch: the one whose next hour starts soonest. */
static uint64_t asg_key_next_hour(const struct asg_group *g, const struct asg_instance *in,
				  uint64_t now)
{
	uint64_t age = now > in->launched_at ? now - in->launched_at : 0;

	(void)g;
	return ASG_HOUR_MS - age % ASG_HOUR_MS;
}

static bool asg_uses_lc(const struct asg_group *g, const struct asg_instance *in)
{
	(void)g;
	return in->launch.kind == MODEL_LAUNCH_CONFIGURATION;
}

static bool asg_uses_lt(const struct asg_group *g, const struct asg_instance *in)
{
	(void)g;
	return in->launch.kind == MODEL_LAUNCH_TEMPLATE;
}

static bool asg_uses_current_lt(const struct asg_group *g, const struct asg_instance *in)
{
	return in->launch.kind == MODEL_LAUNCH_TEMPLATE &&
	       g->launch.kind == MODEL_LAUNCH_TEMPLATE &&
	       strcmp(in->launch.name, g->launch.name) == 0;
}

static bool asg_uses_other_lt(const struct asg_group *g, const struct asg_instance *in)
{
	return asg_uses_lt(g, in) && !asg_uses_current_lt(g, in);
}

/* Keeps the candidates ok() accepts, when there are some. */
static void asg_keep_if(const struct asg_group *g, bool *set,
			bool (*ok)(const struct asg_group *g, const struct asg_instance *in))
{
	bool any = false;
	size_t i;

	for (i = 0; i < g->ninst; i++)
		any |= set[i] && ok(g, &g->inst[i]);
	if (!any)
		return;
	for (i = 0; i < g->ninst; i++)
		set[i] = set[i] && ok(g, &g->inst[i]);
}

/* Instances from a template other than the group's come first, then the oldest version of the
 * group's template.
 */
static void asg_oldest_template(const struct asg_group *g, bool *set, uint64_t now)
{
	bool any_other = false;
	size_t i;

	for (i = 0; i < g->ninst; i++)
		any_other |= set[i] && asg_uses_other_lt(g, &g->inst[i]);
	if (any_other)
		asg_keep_if(g, set, asg_uses_other_lt);
	else
		asg_keep_min(g, set, now, asg_key_version, asg_uses_current_lt);
}

static void asg_policy(const struct asg_group *g, enum model_termination p, bool *set, uint64_t now)
{
	switch (p) {
	case MODEL_TERM_OLDEST_INSTANCE:
		asg_keep_min(g, set, now, asg_key_launched, NULL);
		break;
	case MODEL_TERM_NEWEST_INSTANCE:
		asg_keep_min(g, set, now, asg_key_newest, NULL);
		break;
	case MODEL_TERM_OLDEST_LAUNCH_CONFIGURATION:
		asg_keep_min(g, set, now, asg_key_created, asg_uses_lc);
		break;
	case MODEL_TERM_OLDEST_LAUNCH_TEMPLATE:
		asg_oldest_template(g, set, now);
		break;
	case MODEL_TERM_CLOSEST_TO_NEXT_INSTANCE_HOUR:
		asg_keep_min(g, set, now, asg_key_next_hour, NULL);
		break;
	case MODEL_TERM_ALLOCATION_STRATEGY:
		break; /* no Spot/On-Demand mix to align to */
	case MODEL_TERM_DEFAULT:
		/* Steps 1 and 2 have nothing to do here (one zone, no Spot). */
		if (g->launch.kind == MODEL_LAUNCH_TEMPLATE) {
			bool any_lc = false;
			size_t i;

			for (i = 0; i < g->ninst; i++)
				any_lc |= set[i] && asg_uses_lc(g, &g->inst[i]);
			if (any_lc)
				asg_keep_min(g, set, now, asg_key_created, asg_uses_lc);
			else
				asg_oldest_template(g, set, now);
		} else {
			asg_keep_min(g, set, now, asg_key_created, asg_uses_lc);
		}
		asg_keep_min(g, set, now, asg_key_next_hour, NULL);
		break;
	}
}

/* Index of the instance to terminate among cand, or -1 when cand is empty. */
static int asg_pick(const struct asg_group *g, const bool *cand, uint64_t now)
{
	bool set[ASG_INSTANCES_MAX];
	int best = -1;
	size_t i;

	memcpy(set, cand, sizeof(set));
	for (i = 0; i < g->nterm; i++)
		asg_policy(g, g->term[i], set, now);
	asg_policy(g, MODEL_TERM_DEFAULT, set, now);
	for (i = 0; i < g->ninst; i++)
		if (set[i] && (best < 0 || strcmp(g->inst[i].id, g->inst[best].id) < 0))
			best = (int)i;
	return best;
}

/* ---- the plan ---- */

static bool asg_live(const struct asg_instance *in)
{
	return in->state == ASG_PENDING || in->state == ASG_IN_SERVICE ||
	       in->state == ASG_PENDING_WAIT || in->state == ASG_PENDING_PROCEED;
}

static void asg_deadline(struct asg_plan *plan, uint64_t t)
{
	if (t < plan->next_deadline)
		plan->next_deadline = t;
}

/* The cause of the group's last desired-capacity change comes first, as AWS chains them. */
static void asg_cause(const struct asg_group *g, char *buf, const char *part)
{
	if (g->desired_cause[0])
		snprintf(buf, ASG_CAUSE_LEN, "%s  %s", g->desired_cause, part);
	else
		snprintf(buf, ASG_CAUSE_LEN, "%s", part);
}

static void asg_terminate(const struct asg_group *g, struct asg_plan *plan, size_t i,
			  enum asg_term_reason reason, const char *part)
{
	struct asg_plan_term *t = &plan->terminate[plan->nterminate++];

	snprintf(t->id, sizeof(t->id), "%s", g->inst[i].id);
	t->reason = reason;
	if (reason == ASG_TERM_SCALE_IN)
		asg_cause(g, t->cause, part);
	else
		snprintf(t->cause, sizeof(t->cause), "%s", part);
}

/* HealthCheckType ELB: a target group says unhealthy and the grace period is over. During the
 * grace period an unhealthy target only sets the next deadline: the group looks again then.
 */
static bool asg_elb_unhealthy(const struct asg_group *g, const struct asg_instance *in,
			      uint64_t now, struct asg_plan *plan)
{
	size_t j;

	for (j = 0; j < in->ntargets; j++) {
		const struct health_target *t = in->targets[j];

		if (!t)
			continue;
		if (health_instance_unhealthy(t, in->launched_at, g->grace_ms, now))
			return true;
		if (t->state == HEALTH_UNHEALTHY)
			asg_deadline(plan, in->launched_at + g->grace_ms);
	}
	return false;
}

/* ---- the plan's lifecycle hooks and warm pool ---- */

static bool asg_hooks_of(const struct asg_group *g, enum model_hook_transition t)
{
	size_t i;

	for (i = 0; i < g->nhooks; i++)
		if (g->hooks[i].transition == t)
			return true;
	return false;
}

static void asg_cause_abandon(char *buf, size_t len, uint64_t wall)
{
	char when[64];

	activity_time(wall, false, when, sizeof(when));
	snprintf(buf, len,
		 "At %s an instance was taken out of service in response to a launch lifecycle "
		 "hook that ended in ABANDON.",
		 when);
}

bool asg_is_warm(enum asg_lifecycle s)
{
	return s == ASG_WARMED_PENDING || s == ASG_WARMED_PENDING_WAIT ||
	       s == ASG_WARMED_PENDING_PROCEED || s == ASG_WARMED_STOPPED ||
	       s == ASG_WARMED_RUNNING;
}

uint32_t asg_warm_size(const struct asg_group *g)
{
	int64_t prepared, size;

	if (!g->warm.enabled)
		return 0;
	prepared = g->warm.max_prepared >= 0 ? g->warm.max_prepared : (int64_t)g->max_size;
	size = prepared - (int64_t)g->desired;
	if (size < (int64_t)g->warm.min_size)
		size = g->warm.min_size;
	return size > ASG_INSTANCES_MAX ? ASG_INSTANCES_MAX : (uint32_t)size;
}

uint32_t asg_warm_count(const struct asg_group *g)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < g->ninst; i++)
		n += asg_is_warm(g->inst[i].state);
	return n;
}

/* Up to need ready warm instances into from_warm, oldest first (they have waited longest);
 * returns how many.
 */
static uint32_t asg_warm_take_plan(const struct asg_group *g, struct asg_plan *plan, bool *taken,
				   uint32_t need)
{
	uint32_t n = 0;
	size_t i;

	while (n < need) {
		int best = -1;

		for (i = 0; i < g->ninst; i++) {
			const struct asg_instance *in = &g->inst[i];

			if (taken[i] || in->ec2 == ASG_EC2_STOPPED ||
			    (in->state != ASG_WARMED_STOPPED && in->state != ASG_WARMED_RUNNING))
				continue;
			if (best < 0 || in->launched_at < g->inst[best].launched_at)
				best = (int)i;
		}
		if (best < 0)
			break;
		taken[best] = true;
		snprintf(plan->from_warm[plan->nfrom_warm++], ASG_ID_LEN, "%s", g->inst[best].id);
		n++;
	}
	return n;
}

/* The warm pool's own instances: initialised ones kept, dead or abandoned ones replaced, the
 * pool filled to asg_warm_size or trimmed (the newest first: the least prepared).
 */
static void asg_warm_plan(const struct asg_group *g, struct asg_plan *plan, bool *taken,
			  uint64_t wall)
{
	uint32_t size = asg_warm_size(g), count = 0;
	bool keep[ASG_INSTANCES_MAX] = { false };
	char part[ASG_CAUSE_LEN / 2];
	size_t i, room;

	for (i = 0; i < g->ninst; i++) {
		const struct asg_instance *in = &g->inst[i];

		if (!asg_is_warm(in->state) || taken[i])
			continue;
		if (in->ec2 == ASG_EC2_STOPPED) {
			activity_cause_terminate_ec2(part, sizeof(part), wall);
			asg_terminate(g, plan, i, ASG_TERM_EC2_HEALTH, part);
			continue;
		}
		if (in->state == ASG_WARMED_PENDING_PROCEED && in->abandoned) {
			asg_cause_abandon(part, sizeof(part), wall);
			asg_terminate(g, plan, i, ASG_TERM_ABANDON, part);
			continue;
		}
		if (in->state == ASG_WARMED_PENDING && in->ec2 == ASG_EC2_RUNNING &&
		    asg_hooks_of(g, MODEL_HOOK_LAUNCHING))
			snprintf(plan->hold[plan->nhold++], ASG_ID_LEN, "%s", in->id);
		else if ((in->state == ASG_WARMED_PENDING && in->ec2 == ASG_EC2_RUNNING) ||
			 in->state == ASG_WARMED_PENDING_PROCEED)
			snprintf(plan->warm_ready[plan->nwarm_ready++], ASG_ID_LEN, "%s", in->id);
		keep[i] = true;
		count++;
	}
	for (i = g->ninst; i-- > 0 && count > size;) {
		if (!keep[i])
			continue;
		snprintf(part, sizeof(part),
			 "an instance was taken out of the warm pool: it holds %u, its size is %u.",
			 count, size);
		asg_terminate(g, plan, i, ASG_TERM_WARM_POOL, part);
		count--;
	}
	room = ASG_INSTANCES_MAX - g->ninst;
	room = room > plan->nlaunch ? room - plan->nlaunch : 0;
	plan->nwarm_launch = count < size ? size - count : 0;
	if (plan->nwarm_launch > room)
		plan->nwarm_launch = room;
}

/* A waiting hook's end: its heartbeat timeout, bounded by the global timeout. */
static uint64_t asg_hook_end(const struct asg_group *g, const struct asg_instance *in, size_t h)
{
	uint64_t global = in->hook_since + g->hooks[h].global_ms;

	return in->hook_deadline[h] < global ? in->hook_deadline[h] : global;
}

static bool asg_waiting(const struct asg_instance *in)
{
	return in->state == ASG_PENDING_WAIT || in->state == ASG_WARMED_PENDING_WAIT ||
	       in->state == ASG_TERMINATING_WAIT;
}

static void asg_lifecycle_deadlines(const struct asg_group *g, struct asg_plan *plan)
{
	size_t i, h;

	for (i = 0; i < g->ninst; i++)
		for (h = 0; asg_waiting(&g->inst[i]) && h < g->nhooks; h++)
			if (g->inst[i].hook_pending & (1u << h))
				asg_deadline(plan, asg_hook_end(g, &g->inst[i], h));
}

static uint32_t asg_plan_replace(const struct asg_group *g, uint64_t now, struct asg_plan *plan,
				 bool *leaving, uint32_t *live);
static int asg_plan_request(const struct asg_group *g, size_t i, uint64_t now,
			    struct asg_plan *plan);
static bool asg_plan_found_unhealthy(const struct asg_group *g, size_t i, struct asg_plan *plan);

void asg_plan(const struct asg_group *g, uint64_t now, struct asg_plan *plan)
{
	uint64_t wall = asg_wall(g, now);
	bool leaving[ASG_INSTANCES_MAX] = { false }, taken[ASG_INSTANCES_MAX] = { false };
	uint32_t live = 0, nhealth = 0, nuser = 0, desired = g->desired;
	int req;
	char part[ASG_CAUSE_LEN / 2];
	size_t i;

	memset(plan, 0, sizeof(*plan));
	plan->next_deadline = UINT64_MAX;
	plan->no_target_group = g->ntgs == 0;

	for (i = 0; i < g->ninst; i++) {
		const struct asg_instance *in = &g->inst[i];

		if (in->state == ASG_STANDBY && in->user_terminate)
			asg_plan_request(g, i, now, plan);
		if (!asg_live(in))
			continue;
		live++;
		req = asg_plan_request(g, i, now, plan);
		if (req) {
			leaving[i] = true;
			nhealth += req == 2;
			nuser += req == 1;
			continue;
		}
		if (asg_suspended(g, ASG_PROC_HEALTH_CHECK)) {
			if (in->state == ASG_PENDING && in->ec2 == ASG_EC2_RUNNING)
				snprintf(plan->in_service[plan->nin_service++], ASG_ID_LEN, "%s",
					 in->id);
			continue;
		}
		/* EC2: a stopped or vanished instance is replaced at once, grace or not. */
		if (in->ec2 == ASG_EC2_STOPPED) {
			if (asg_plan_found_unhealthy(g, i, plan))
				continue;
			activity_cause_terminate_ec2(part, sizeof(part), wall);
			asg_terminate(g, plan, i, ASG_TERM_EC2_HEALTH, part);
			leaving[i] = true;
			nhealth++;
			continue;
		}
		if (g->hc_type == MODEL_ASG_HC_ELB && in->state == ASG_IN_SERVICE &&
		    asg_elb_unhealthy(g, in, now, plan)) {
			if (asg_plan_found_unhealthy(g, i, plan))
				continue;
			activity_cause_terminate_elb(part, sizeof(part), wall);
			asg_terminate(g, plan, i, ASG_TERM_ELB_HEALTH, part);
			leaving[i] = true;
			nhealth++;
			continue;
		}
		if (in->state == ASG_PENDING_PROCEED && in->abandoned) {
			asg_cause_abandon(part, sizeof(part), wall);
			asg_terminate(g, plan, i, ASG_TERM_ABANDON, part);
			leaving[i] = true;
			nhealth++;
			continue;
		}
		if (in->state == ASG_PENDING && in->ec2 == ASG_EC2_RUNNING &&
		    asg_hooks_of(g, MODEL_HOOK_LAUNCHING))
			snprintf(plan->hold[plan->nhold++], ASG_ID_LEN, "%s", in->id);
		else if ((in->state == ASG_PENDING && in->ec2 == ASG_EC2_RUNNING) ||
			 in->state == ASG_PENDING_PROCEED)
			snprintf(plan->in_service[plan->nin_service++], ASG_ID_LEN, "%s", in->id);
	}
	plan->capacity = live;
	live -= nhealth + nuser;
	plan->surge = asg_plan_replace(g, now, plan, leaving, &live);
	desired += plan->surge;

	if (live > desired && !asg_suspended(g, ASG_PROC_TERMINATE)) {
		uint32_t k = live - desired, n;
		bool cand[ASG_INSTANCES_MAX] = { false };

		for (i = 0; i < g->ninst; i++)
			cand[i] = asg_live(&g->inst[i]) && !leaving[i] &&
				  !g->inst[i].protected_from_scale_in;
		for (n = 0; n < k; n++) {
			int p = asg_pick(g, cand, now);

			if (p < 0)
				break; /* the rest are protected from scale in */
			cand[p] = false;
			activity_cause_terminate_difference(part, sizeof(part), wall, live, desired,
							    g->inst[p].id);
			asg_terminate(g, plan, (size_t)p, ASG_TERM_SCALE_IN, part);
		}
	} else if (live < desired && !asg_suspended(g, ASG_PROC_LAUNCH)) {
		size_t room = ASG_INSTANCES_MAX - g->ninst;
		uint32_t need = desired - live;

		plan->nreplace = need < nhealth ? need : nhealth;
		/* the warm pool first, as AWS takes warm instances before launching */
		need -= asg_warm_take_plan(g, plan, taken, need);
		plan->nlaunch = need;
		if (plan->nlaunch > room)
			plan->nlaunch = room; /* the rest once terminating ones are gone */
		if (plan->nreplace > plan->nlaunch)
			plan->nreplace = plan->nlaunch;
		activity_cause_launch_replace(plan->replace_cause, sizeof(plan->replace_cause),
					      wall);
		activity_cause_launch_difference(part, sizeof(part), wall,
						 live + (uint32_t)plan->nreplace, desired);
		asg_cause(g, plan->launch_cause, part);
	}
	asg_warm_plan(g, plan, taken, wall);

	/* Draining: done when the datapath reports no flow left, when the deregistration delay
	 * runs out, or at once when there is nothing to drain (no target group, or dead).
	 */
	for (i = 0; i < g->ninst; i++) {
		const struct asg_instance *in = &g->inst[i];
		uint64_t until = in->terminating_since + g->dereg_delay_ms;

		if (in->state == ASG_TERMINATING_PROCEED ||
		    (in->state == ASG_TERMINATING_WAIT && in->ec2 == ASG_EC2_STOPPED)) {
			snprintf(plan->finish[plan->nfinish++], ASG_ID_LEN, "%s", in->id);
			continue;
		}
		if (in->state != ASG_TERMINATING)
			continue;
		if (!(g->ntgs == 0 || in->ec2 == ASG_EC2_STOPPED ||
		      (in->flows_known && !in->flows) || now >= until))
			asg_deadline(plan, until);
		else if (in->to_warm && in->ec2 != ASG_EC2_STOPPED)
			snprintf(plan->warm_ready[plan->nwarm_ready++], ASG_ID_LEN, "%s", in->id);
		else if (!in->hooks_done && in->ec2 != ASG_EC2_STOPPED &&
			 asg_hooks_of(g, MODEL_HOOK_TERMINATING))
			snprintf(plan->hold[plan->nhold++], ASG_ID_LEN, "%s", in->id);
		else
			snprintf(plan->finish[plan->nfinish++], ASG_ID_LEN, "%s", in->id);
	}
	asg_lifecycle_deadlines(g, plan);
}

const char *asg_plan_cause(const struct asg_plan *plan, size_t i)
{
	return i < plan->nreplace ? plan->replace_cause : plan->launch_cause;
}

/* ---- requests ---- */

static int asg_invalid(char *err, size_t errlen, const char *fmt, long long a, long long b,
		       long long c)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a, b, c);
	return -EINVAL;
}

int asg_set_desired(struct asg_group *g, int64_t desired, uint64_t now, char *err, size_t errlen)
{
	uint32_t from = g->desired;

	/* AWS's ValidationError messages, word for word. */
	if (desired < 0)
		return asg_invalid(err, errlen,
				   "Value %lld at 'desiredCapacity' failed to satisfy constraint: "
				   "Member must have value greater than or equal to 0",
				   (long long)desired, 0, 0);
	if (desired < (int64_t)g->min_size)
		return asg_invalid(err, errlen,
				   "New SetDesiredCapacity value %lld is below min value %lld for "
				   "the AutoScalingGroup.",
				   (long long)desired, g->min_size, 0);
	if (desired > (int64_t)g->max_size)
		return asg_invalid(err, errlen,
				   "New SetDesiredCapacity value %lld is above max value %lld for "
				   "the AutoScalingGroup.",
				   (long long)desired, g->max_size, 0);
	if ((uint32_t)desired == from)
		return 0;
	g->desired = (uint32_t)desired;
	activity_cause_set_desired(g->desired_cause, sizeof(g->desired_cause), asg_wall(g, now),
				   from, g->desired);
	return 0;
}

int asg_update_sizes(struct asg_group *g, int64_t min_size, int64_t max_size, int64_t desired,
		     uint64_t now, char *err, size_t errlen)
{
	int64_t lo = min_size < 0 ? g->min_size : min_size;
	int64_t hi = max_size < 0 ? g->max_size : max_size;
	int64_t d = desired;
	uint32_t from = g->desired;

	if (min_size < -1 || max_size < -1 || desired < -1) {
		const char *field = min_size < -1 ? "minSize" :
				    max_size < -1 ? "maxSize" :
						    "desiredCapacity";
		long long v = min_size < -1 ? min_size : max_size < -1 ? max_size : desired;

		if (err && errlen)
			snprintf(
				err, errlen,
				"Value %lld at '%s' failed to satisfy constraint: Member must have "
				"value greater than or equal to 0",
				v, field);
		return -EINVAL;
	}
	if (lo > hi)
		return asg_invalid(
			err, errlen,
			"Max bound, %lld, must be greater than or equal to min bound, %lld",
			(long long)hi, (long long)lo, 0);
	if (d >= 0 && (d < lo || d > hi))
		return asg_invalid(
			err, errlen,
			"Desired capacity:%lld must be between the specified min size:%lld "
			"and max size:%lld",
			(long long)d, (long long)lo, (long long)hi);
	if (d < 0) /* not given: follows the bounds, as AWS moves it */
		d = g->desired < lo ? lo : g->desired > hi ? hi : g->desired;
	g->min_size = (uint32_t)lo;
	g->max_size = (uint32_t)hi;
	g->desired = (uint32_t)d;
	if (g->desired != from)
		activity_cause_update_group(g->desired_cause, sizeof(g->desired_cause),
					    asg_wall(g, now), g->min_size, g->max_size, g->desired,
					    from);
	return 0;
}

/* ---- reports ---- */

struct asg_instance *asg_instance_find(struct asg_group *g, const char *id)
{
	size_t i;

	for (i = 0; i < g->ninst; i++)
		if (strcmp(g->inst[i].id, id) == 0)
			return &g->inst[i];
	return NULL;
}

int asg_instance_add(struct asg_group *g, const char *id, uint64_t now)
{
	struct asg_instance *in;

	if (!id || strlen(id) >= ASG_ID_LEN)
		return -EINVAL;
	if (asg_instance_find(g, id))
		return -EEXIST;
	if (g->ninst >= ASG_INSTANCES_MAX)
		return -ENOSPC;
	in = &g->inst[g->ninst++];
	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "%s", id);
	in->state = ASG_PENDING;
	in->health = ASG_HEALTHY;
	in->ec2 = ASG_EC2_PENDING;
	in->launched_at = now;
	in->launch = g->launch;
	in->protected_from_scale_in = g->protect_new;
	g->desired_cause[0] = '\0'; /* told by this launch's activity */
	return 0;
}

int asg_instance_in_service(struct asg_group *g, const char *id, uint64_t now)
{
	struct asg_instance *in = asg_instance_find(g, id);

	if (!in)
		return -ENOENT;
	if (in->state != ASG_PENDING && in->state != ASG_PENDING_PROCEED)
		return -EINVAL;
	in->state = ASG_IN_SERVICE;
	in->in_service_at = now;
	return 0;
}

static void asg_refresh_note(struct asg_group *g, const struct asg_instance *in,
			     enum asg_term_reason reason);

int asg_instance_terminating(struct asg_group *g, const char *id, enum asg_term_reason reason,
			     uint64_t now)
{
	struct asg_instance *in = asg_instance_find(g, id);

	if (!in)
		return -ENOENT;
	if (in->state == ASG_TERMINATING || in->state == ASG_TERMINATING_WAIT ||
	    in->state == ASG_TERMINATING_PROCEED)
		return 0;
	in->state = ASG_TERMINATING;
	in->terminating_since = now;
	in->flows_known = false;
	in->hook_pending = 0;
	/* an abandoned launch ends without its termination hooks */
	in->hooks_done = reason == ASG_TERM_ABANDON;
	in->to_warm = reason == ASG_TERM_SCALE_IN && g->warm.enabled && g->warm.reuse_on_scale_in;
	if (reason == ASG_TERM_ELB_HEALTH || reason == ASG_TERM_EC2_HEALTH ||
	    reason == ASG_TERM_ABANDON || reason == ASG_TERM_USER_HEALTH)
		in->health = ASG_UNHEALTHY;
	if (reason == ASG_TERM_SCALE_IN || reason == ASG_TERM_USER)
		g->desired_cause[0] = '\0'; /* told by this termination's activity */
	asg_refresh_note(g, in, reason);
	return 0;
}

int asg_instance_terminated(struct asg_group *g, const char *id)
{
	struct asg_instance *in = asg_instance_find(g, id);
	size_t i;

	if (!in)
		return -ENOENT;
	i = (size_t)(in - g->inst);
	memmove(&g->inst[i], &g->inst[i + 1], (g->ninst - i - 1) * sizeof(g->inst[0]));
	g->ninst--;
	return 0;
}

int asg_warning(const struct asg_group *g, char *buf, size_t len)
{
	if (g->ntgs)
		return snprintf(buf, len, "%s", "");
	return snprintf(buf, len,
			"auto-scaling group %s is attached to no target group: its instances "
			"receive no traffic and ELB health checks never see them (add "
			"TargetGroupARNs, or xlbctl attach-load-balancer-target-groups)",
			g->name);
}

/* ---- lifecycle hooks ---- */

uint64_t asg_lifecycle_global_ms(uint64_t heartbeat_ms)
{
	uint64_t day2 = 48 * ASG_HOUR_MS;

	return heartbeat_ms * 100 < day2 ? heartbeat_ms * 100 : day2;
}

const char *asg_hook_transition_name(enum model_hook_transition t)
{
	return t == MODEL_HOOK_TERMINATING ? "autoscaling:EC2_INSTANCE_TERMINATING" :
					     "autoscaling:EC2_INSTANCE_LAUNCHING";
}

const char *asg_hook_result_name(enum model_hook_result r)
{
	return r == MODEL_HOOK_CONTINUE ? "CONTINUE" : "ABANDON";
}

const struct asg_hook *asg_hook_find(const struct asg_group *g, const char *name)
{
	size_t i;

	for (i = 0; name && i < g->nhooks; i++)
		if (!strcmp(g->hooks[i].name, name))
			return &g->hooks[i];
	return NULL;
}

int asg_hook_put(struct asg_group *g, const struct asg_hook *h)
{
	const struct asg_hook *old = asg_hook_find(g, h->name);

	if (old) {
		g->hooks[old - g->hooks] = *h;
		return 0;
	}
	if (g->nhooks == MODEL_HOOKS_MAX)
		return -ENOSPC;
	g->hooks[g->nhooks++] = *h;
	return 0;
}

/* A hook that ended (deleted, or gone from the list) ends its waits as AWS's
 * DeleteLifecycleHook completes them.
 */
static enum model_hook_result asg_hook_gone_result(enum model_hook_transition t)
{
	return t == MODEL_HOOK_LAUNCHING ? MODEL_HOOK_ABANDON : MODEL_HOOK_CONTINUE;
}

static void asg_lifecycle_result(const struct asg_group *g, struct asg_instance *in, size_t h,
				 enum model_hook_result r);

int asg_hook_delete(struct asg_group *g, const char *name)
{
	const struct asg_hook *hk = asg_hook_find(g, name);
	uint32_t low;
	size_t h, i;

	if (!hk)
		return -ENOENT;
	h = (size_t)(hk - g->hooks);
	for (i = 0; i < g->ninst; i++) {
		struct asg_instance *in = &g->inst[i];

		if (asg_waiting(in) && (in->hook_pending & (1u << h)))
			asg_lifecycle_result(g, in, h, asg_hook_gone_result(hk->transition));
		/* the bits and deadlines of the hooks after h move down one */
		low = in->hook_pending & ((1u << h) - 1);
		in->hook_pending = low | ((in->hook_pending >> 1) & ~((1u << h) - 1));
		memmove(&in->hook_deadline[h], &in->hook_deadline[h + 1],
			(MODEL_HOOKS_MAX - h - 1) * sizeof(in->hook_deadline[0]));
	}
	memmove(&g->hooks[h], &g->hooks[h + 1], (g->nhooks - h - 1) * sizeof(g->hooks[0]));
	g->nhooks--;
	return 0;
}

int asg_lifecycle_wait(struct asg_group *g, const char *id, const char *token, uint64_t now)
{
	struct asg_instance *in = asg_instance_find(g, id);
	enum model_hook_transition t = MODEL_HOOK_LAUNCHING;
	enum asg_lifecycle next;
	size_t h;

	if (!in)
		return -ENOENT;
	if (in->state == ASG_PENDING) {
		next = ASG_PENDING_WAIT;
	} else if (in->state == ASG_WARMED_PENDING) {
		next = ASG_WARMED_PENDING_WAIT;
	} else if (in->state == ASG_TERMINATING) {
		next = ASG_TERMINATING_WAIT;
		t = MODEL_HOOK_TERMINATING;
	} else {
		return -EINVAL;
	}
	in->hook_pending = 0;
	for (h = 0; h < g->nhooks; h++) {
		if (g->hooks[h].transition != t)
			continue;
		in->hook_pending |= 1u << h;
		in->hook_deadline[h] = now + g->hooks[h].heartbeat_ms;
	}
	if (!in->hook_pending)
		return -EINVAL;
	in->state = next;
	in->hook_since = now;
	in->abandoned = false;
	snprintf(in->token, sizeof(in->token), "%s", token ? token : "");
	return 0;
}

/* Every hook done: the transition proceeds. */
static void asg_lifecycle_proceed(struct asg_instance *in)
{
	in->hook_pending = 0;
	if (in->state == ASG_PENDING_WAIT) {
		in->state = ASG_PENDING_PROCEED;
	} else if (in->state == ASG_WARMED_PENDING_WAIT) {
		in->state = ASG_WARMED_PENDING_PROCEED;
	} else if (in->state == ASG_TERMINATING_WAIT) {
		in->state = ASG_TERMINATING_PROCEED;
		in->hooks_done = true;
	}
}

void asg_hooks_set(struct asg_group *g, const struct asg_hook *hooks, size_t n)
{
	uint64_t deadline[MODEL_HOOKS_MAX];
	uint32_t pending;
	size_t h, i, k;

	if (n > MODEL_HOOKS_MAX)
		n = MODEL_HOOKS_MAX;
	/* those gone first: their waits end, and the bits after them move down */
	for (h = 0; h < g->nhooks;) {
		for (k = 0; k < n && strcmp(hooks[k].name, g->hooks[h].name); k++)
			;
		if (k < n && hooks[k].transition == g->hooks[h].transition) {
			h++;
			continue;
		}
		asg_hook_delete(g, g->hooks[h].name);
	}
	/* every hook left is in the new list: each wait moves to its hook's new place */
	for (i = 0; i < g->ninst; i++) {
		struct asg_instance *in = &g->inst[i];

		pending = 0;
		memset(deadline, 0, sizeof(deadline));
		for (h = 0; h < g->nhooks; h++) {
			if (!(in->hook_pending & (1u << h)))
				continue;
			for (k = 0; strcmp(hooks[k].name, g->hooks[h].name); k++)
				;
			pending |= 1u << k;
			deadline[k] = in->hook_deadline[h];
		}
		in->hook_pending = pending;
		memcpy(in->hook_deadline, deadline, sizeof(deadline));
	}
	memmove(g->hooks, hooks, n * sizeof(hooks[0]));
	g->nhooks = n;
}

int asg_lifecycle_resume(struct asg_group *g, const char *id, const char *token,
			 const char *const *names, size_t n, uint64_t now)
{
	enum model_hook_transition t;
	struct asg_instance *in;
	const struct asg_hook *hk;
	uint32_t named = 0;
	bool gone = false;
	size_t j;
	int e;

	e = asg_lifecycle_wait(g, id, token, now);
	if (e || !n)
		return e;
	in = asg_instance_find(g, id);
	t = in->state == ASG_TERMINATING_WAIT ? MODEL_HOOK_TERMINATING : MODEL_HOOK_LAUNCHING;
	for (j = 0; j < n; j++) {
		hk = asg_hook_find(g, names[j]);
		if (hk && hk->transition == t)
			named |= 1u << (hk - g->hooks);
		else
			gone = true;
	}
	in->hook_pending &= named;
	if (gone && asg_hook_gone_result(t) == MODEL_HOOK_ABANDON) {
		in->abandoned = true;
		in->hook_pending = 0;
	}
	if (!in->hook_pending)
		asg_lifecycle_proceed(in);
	return 0;
}

/* One hook's result. ABANDON ends the wait at once, whatever the other hooks (at launch the
 * instance goes; at termination AWS skips the remaining actions); CONTINUE lets the others
 * finish.
 */
static void asg_lifecycle_result(const struct asg_group *g, struct asg_instance *in, size_t h,
				 enum model_hook_result r)
{
	in->hook_pending &= ~(1u << h);
	if (r == MODEL_HOOK_ABANDON) {
		if (g->hooks[h].transition == MODEL_HOOK_LAUNCHING)
			in->abandoned = true;
		in->hook_pending = 0;
	}
	if (!in->hook_pending)
		asg_lifecycle_proceed(in);
}

/* The waiting instance a request names (by id, by token, or both) and its hook's index. */
static int asg_lifecycle_target(struct asg_group *g, const char *hook, const char *id,
				const char *token, struct asg_instance **inp, size_t *hp, char *err,
				size_t errlen)
{
	const struct asg_hook *hk = asg_hook_find(g, hook);
	struct asg_instance *in = NULL;
	size_t i;

	if (!hk) {
		if (err && errlen)
			snprintf(err, errlen, "No Lifecycle Hook named %s found for the group %s",
				 hook ? hook : "", g->name);
		return -ENOENT;
	}
	for (i = 0; i < g->ninst && !in; i++) {
		struct asg_instance *c = &g->inst[i];

		if ((id && id[0] && strcmp(c->id, id)) ||
		    (token && token[0] && strcmp(c->token, token)) ||
		    (!(id && id[0]) && !(token && token[0])))
			continue;
		in = c;
	}
	*hp = (size_t)(hk - g->hooks);
	if (!in || !asg_waiting(in) || !(in->hook_pending & (1u << *hp))) {
		if (err && errlen) {
			if (id && id[0])
				snprintf(err, errlen,
					 "No active Lifecycle Action found with instance ID %s",
					 id);
			else
				snprintf(err, errlen,
					 "No active Lifecycle Action found with token %s",
					 token ? token : "");
		}
		return in ? -EINVAL : -ENOENT;
	}
	*inp = in;
	return 0;
}

int asg_lifecycle_complete(struct asg_group *g, const char *hook, const char *id, const char *token,
			   enum model_hook_result result, uint64_t now, char *err, size_t errlen)
{
	struct asg_instance *in;
	size_t h;
	int e;

	(void)now;
	e = asg_lifecycle_target(g, hook, id, token, &in, &h, err, errlen);
	if (e)
		return e;
	asg_lifecycle_result(g, in, h, result);
	return 0;
}

int asg_lifecycle_heartbeat(struct asg_group *g, const char *hook, const char *id,
			    const char *token, uint64_t now, char *err, size_t errlen)
{
	struct asg_instance *in;
	size_t h;
	int e;

	e = asg_lifecycle_target(g, hook, id, token, &in, &h, err, errlen);
	if (e)
		return e;
	/* asg_hook_end bounds it by the global timeout */
	in->hook_deadline[h] = now + g->hooks[h].heartbeat_ms;
	return 0;
}

size_t asg_lifecycle_expire(struct asg_group *g, uint64_t now)
{
	size_t i, h, n = 0;

	for (i = 0; i < g->ninst; i++) {
		struct asg_instance *in = &g->inst[i];

		for (h = 0; asg_waiting(in) && h < g->nhooks; h++) {
			if (!(in->hook_pending & (1u << h)) || now < asg_hook_end(g, in, h))
				continue;
			asg_lifecycle_result(g, in, h, g->hooks[h].default_result);
			n++;
		}
	}
	return n;
}

/* ---- warm pool ---- */

int asg_warm_add(struct asg_group *g, const char *id, uint64_t now)
{
	char cause[sizeof(g->desired_cause)];
	int e;

	/* a launch into the pool tells nothing of the group's desired capacity */
	memcpy(cause, g->desired_cause, sizeof(cause));
	e = asg_instance_add(g, id, now);
	memcpy(g->desired_cause, cause, sizeof(cause));
	if (e)
		return e;
	asg_instance_find(g, id)->state = ASG_WARMED_PENDING;
	return 0;
}

int asg_warm_ready(struct asg_group *g, const char *id, uint64_t now)
{
	struct asg_instance *in = asg_instance_find(g, id);

	(void)now;
	if (!in)
		return -ENOENT;
	if (in->state != ASG_WARMED_PENDING && in->state != ASG_WARMED_PENDING_PROCEED &&
	    !(in->state == ASG_TERMINATING && in->to_warm))
		return -EINVAL;
	in->state = g->warm.running ? ASG_WARMED_RUNNING : ASG_WARMED_STOPPED;
	in->to_warm = false;
	in->terminating_since = 0;
	in->in_service_at = 0;
	in->health = ASG_HEALTHY;
	return 0;
}

int asg_warm_take(struct asg_group *g, const char *id, uint64_t now)
{
	struct asg_instance *in = asg_instance_find(g, id);

	(void)now;
	if (!in)
		return -ENOENT;
	if (in->state != ASG_WARMED_STOPPED && in->state != ASG_WARMED_RUNNING)
		return -EINVAL;
	in->state = ASG_PENDING;
	in->from_warm = true;
	in->hooks_done = false;
	g->desired_cause[0] = '\0'; /* told by this instance's activity */
	return 0;
}

/* ---- requests, suspended processes, instance refresh, MaxInstanceLifetime ---- */

static const char *const asg_process_names[ASG_PROC_MAX] = {
	[ASG_PROC_LAUNCH] = "Launch",
	[ASG_PROC_TERMINATE] = "Terminate",
	[ASG_PROC_HEALTH_CHECK] = "HealthCheck",
	[ASG_PROC_REPLACE_UNHEALTHY] = "ReplaceUnhealthy",
	[ASG_PROC_AZ_REBALANCE] = "AZRebalance",
	[ASG_PROC_ALARM_NOTIFICATION] = "AlarmNotification",
	[ASG_PROC_SCHEDULED_ACTIONS] = "ScheduledActions",
	[ASG_PROC_ADD_TO_LOAD_BALANCER] = "AddToLoadBalancer",
	[ASG_PROC_INSTANCE_REFRESH] = "InstanceRefresh",
};

int asg_process_parse(const char *name)
{
	int i;

	for (i = 0; name && i < ASG_PROC_MAX; i++)
		if (!strcmp(name, asg_process_names[i]))
			return i;
	return -EINVAL;
}

const char *asg_process_name(enum asg_process p)
{
	return (unsigned int)p < ASG_PROC_MAX ? asg_process_names[p] : "Unknown";
}

bool asg_suspended(const struct asg_group *g, enum asg_process p)
{
	return g->suspended & (1u << p);
}

static const char *const asg_refresh_names[ASG_REFRESH_STATUS_MAX] = {
	[ASG_REFRESH_PENDING] = "Pending",	 [ASG_REFRESH_IN_PROGRESS] = "InProgress",
	[ASG_REFRESH_SUCCESSFUL] = "Successful", [ASG_REFRESH_FAILED] = "Failed",
	[ASG_REFRESH_CANCELLING] = "Cancelling", [ASG_REFRESH_CANCELLED] = "Cancelled",
};

const char *asg_refresh_status_name(enum asg_refresh_status s)
{
	return (unsigned int)s < ASG_REFRESH_STATUS_MAX ? asg_refresh_names[s] : "Unknown";
}

/* "At T " and the sentence, as the other causes are worded. */
static void asg_said(char *buf, size_t len, uint64_t wall, const char *text)
{
	char ts[32];

	activity_time(wall, false, ts, sizeof(ts));
	snprintf(buf, len, "At %s %.280s", ts, text);
}

/* A user's request on instance i: 1 TerminateInstanceInAutoScalingGroup, 2 SetInstanceHealth
 * Unhealthy (replaced as an unhealthy one is), 0 none due now.
 */
static int asg_plan_request(const struct asg_group *g, size_t i, uint64_t now,
			    struct asg_plan *plan)
{
	const struct asg_instance *in = &g->inst[i];
	uint64_t wall = asg_wall(g, now);
	char part[ASG_CAUSE_LEN / 2], text[ASG_CAUSE_LEN / 2];

	if (in->user_terminate) {
		if (in->decremented)
			snprintf(text, sizeof(text),
				 "instance %s was taken out of service in response to a user "
				 "request, shrinking the capacity from %u to %u.",
				 in->id, g->desired + 1, g->desired);
		else
			snprintf(text, sizeof(text),
				 "instance %s was taken out of service in response to a user "
				 "request.",
				 in->id);
		asg_said(part, sizeof(part), wall, text);
		asg_terminate(g, plan, i, ASG_TERM_USER, part);
		return 1;
	}
	if (in->health != ASG_UNHEALTHY || asg_suspended(g, ASG_PROC_REPLACE_UNHEALTHY) ||
	    asg_suspended(g, ASG_PROC_TERMINATE))
		return 0;
	if (in->respect_grace && now < in->launched_at + g->grace_ms) {
		asg_deadline(plan, in->launched_at + g->grace_ms);
		return 0;
	}
	asg_said(part, sizeof(part), wall,
		 "an instance was taken out of service in response to a user health-check.");
	asg_terminate(g, plan, i, ASG_TERM_USER_HEALTH, part);
	return 2;
}

/* HealthCheck found instance i unhealthy. ReplaceUnhealthy or Terminate suspended: it is only
 * marked Unhealthy and stays (true); otherwise the caller replaces it (false).
 */
static bool asg_plan_found_unhealthy(const struct asg_group *g, size_t i, struct asg_plan *plan)
{
	if (!asg_suspended(g, ASG_PROC_REPLACE_UNHEALTHY) && !asg_suspended(g, ASG_PROC_TERMINATE))
		return false;
	if (g->inst[i].health != ASG_UNHEALTHY)
		snprintf(plan->unhealthy[plan->nunhealthy++], ASG_ID_LEN, "%s", g->inst[i].id);
	return true;
}

/* Serving and warm: InService, Healthy, running, every target group says healthy, and its
 * warm-up over.
 */
static bool asg_ready(const struct asg_instance *in, uint64_t warm, uint64_t now)
{
	size_t j;

	if (in->state != ASG_IN_SERVICE || in->ec2 != ASG_EC2_RUNNING ||
	    in->health != ASG_HEALTHY || in->user_terminate)
		return false;
	if (!in->prewarmed && now < in->in_service_at + warm)
		return false;
	for (j = 0; j < in->ntargets; j++)
		if (in->targets[j] && in->targets[j]->state != HEALTH_HEALTHY)
			return false;
	return true;
}

static struct asg_refresh *asg_refresh_active(const struct asg_group *g)
{
	const struct asg_refresh *r = &g->refresh[0];

	if (!g->nrefresh ||
	    (r->status != ASG_REFRESH_PENDING && r->status != ASG_REFRESH_IN_PROGRESS &&
	     r->status != ASG_REFRESH_CANCELLING))
		return NULL;
	return (struct asg_refresh *)r;
}

static bool asg_expired(const struct asg_group *g, const struct asg_instance *in, uint64_t now)
{
	return g->max_lifetime_ms && in->state == ASG_IN_SERVICE &&
	       now >= in->launched_at + g->max_lifetime_ms;
}

/* Instances to replace, an instance refresh's or those past MaxInstanceLifetime, leave in
 * batches that keep the ready instances (asg_ready) at or above the minimum healthy share of
 * desired; the return value is how many to launch beyond desired first.
 *
 * Refresh: at least ceil(desired * MinHealthyPercentage / 100) ready instances are kept; with
 * MaxHealthyPercentage above 100, up to floor(desired * Max / 100) - desired new ones launch
 * before old ones go; at 100, old ones go first (terminate, then launch). When nothing is on
 * its way and the minimum leaves no room, one goes anyway, as AWS replaces at least one at a
 * time. MaxInstanceLifetime: launch first, a batch of a tenth of desired (at least one), and
 * an expired one goes only when desired ready ones stay.
 */
static uint32_t asg_plan_replace(const struct asg_group *g, uint64_t now, struct asg_plan *plan,
				 bool *leaving, uint32_t *live)
{
	const struct asg_refresh *r = asg_refresh_active(g);
	bool cand[ASG_INSTANCES_MAX] = { false };
	uint32_t old = 0, ready = 0, flight = 0, min_ok, cap, surge, k, n;
	uint32_t min_pct = 100, max_pct = 100;
	uint64_t warm = g->warmup_ms;
	char part[ASG_CAUSE_LEN / 2];
	bool refresh = false;
	size_t i;

	if (r) {
		if (r->status != ASG_REFRESH_IN_PROGRESS ||
		    asg_suspended(g, ASG_PROC_INSTANCE_REFRESH))
			return 0; /* MaxInstanceLifetime waits for the refresh too */
		refresh = true;
		warm = r->warmup_ms;
		min_pct = r->min_pct;
		max_pct = r->max_pct;
	}
	if (asg_suspended(g, ASG_PROC_LAUNCH) || asg_suspended(g, ASG_PROC_TERMINATE) ||
	    (!refresh && !g->max_lifetime_ms))
		return 0;
	for (i = 0; i < g->ninst; i++) {
		const struct asg_instance *in = &g->inst[i];
		bool is_old = refresh ? in->refresh_old : asg_expired(g, in, now);

		if (!asg_live(in) || leaving[i])
			continue;
		if (!refresh && !is_old && in->state == ASG_IN_SERVICE)
			asg_deadline(plan, in->launched_at + g->max_lifetime_ms);
		cand[i] = is_old;
		old += is_old;
		if (asg_ready(in, warm, now)) {
			ready++;
		} else if (!is_old) {
			flight++;
			if (in->state == ASG_IN_SERVICE)
				asg_deadline(plan, in->in_service_at + warm);
		}
	}
	if (!old)
		return 0;
	if (refresh) {
		min_ok = (uint32_t)(((uint64_t)g->desired * min_pct + 99) / 100);
		cap = (uint32_t)((uint64_t)g->desired * max_pct / 100);
		surge = cap > g->desired ? cap - g->desired : 0;
	} else {
		min_ok = g->desired;
		surge = g->desired / 10 ? g->desired / 10 : 1;
	}
	k = ready > min_ok ? ready - min_ok : 0;
	if (!k && !flight && !surge)
		k = 1;
	for (n = 0; n < k && n < old; n++) {
		int p = asg_pick(g, cand, now);

		if (p < 0)
			break;
		cand[p] = false;
		asg_said(part, sizeof(part), asg_wall(g, now),
			 refresh ? "an instance was taken out of service in response to an "
				   "instance refresh." :
				   "an instance was taken out of service in response to the "
				   "group's maximum instance lifetime.");
		asg_terminate(g, plan, (size_t)p, refresh ? ASG_TERM_REFRESH : ASG_TERM_LIFETIME,
			      part);
		leaving[p] = true;
		(*live)--;
	}
	/* the surge stands in for old ones still serving, not for those now leaving */
	return surge < old - n ? surge : old - n;
}

static bool asg_same_launch(const struct asg_launch_ref *a, const struct asg_launch_ref *b)
{
	return a->kind == b->kind && !strcmp(a->name, b->name) &&
	       (a->kind != MODEL_LAUNCH_TEMPLATE || a->version == b->version);
}

int asg_refresh_start(struct asg_group *g, const struct asg_refresh *r, uint64_t now, char *err,
		      size_t errlen)
{
	struct asg_refresh *n;
	size_t i;

	if (asg_refresh_active(g)) {
		snprintf(err, errlen,
			 "An Instance Refresh is already in progress and blocks the "
			 "execution of this Instance Refresh.");
		return -EBUSY;
	}
	if (r->min_pct > 100) {
		snprintf(err, errlen,
			 "Value %u at 'preferences.minHealthyPercentage' failed to satisfy "
			 "constraint: Member must have value less than or equal to 100",
			 r->min_pct);
		return -EINVAL;
	}
	if (r->max_pct < 100 || r->max_pct > 200) {
		snprintf(err, errlen,
			 "Value %u at 'preferences.maxHealthyPercentage' failed to satisfy "
			 "constraint: Member must have value between 100 and 200",
			 r->max_pct);
		return -EINVAL;
	}
	if (r->max_pct - r->min_pct > 100) {
		snprintf(err, errlen,
			 "The difference between MaxHealthyPercentage (%u) and "
			 "MinHealthyPercentage (%u) must not be greater than 100.",
			 r->max_pct, r->min_pct);
		return -EINVAL;
	}
	memmove(&g->refresh[1], &g->refresh[0], (ASG_REFRESH_KEEP - 1) * sizeof(g->refresh[0]));
	if (g->nrefresh < ASG_REFRESH_KEEP)
		g->nrefresh++;
	n = &g->refresh[0];
	*n = *r;
	n->status = ASG_REFRESH_PENDING;
	n->reason[0] = '\0';
	n->start = now;
	n->end = 0;
	n->failures = 0;
	n->to_update = 0;
	for (i = 0; i < g->ninst; i++) {
		struct asg_instance *in = &g->inst[i];

		in->refresh_old = asg_live(in) && !in->protected_from_scale_in &&
				  !in->user_terminate &&
				  !(r->skip_matching && asg_same_launch(&in->launch, &g->launch));
		n->to_update += in->refresh_old;
	}
	n->remaining = n->to_update;
	n->pct = 0;
	return 0;
}

static void asg_refresh_end(struct asg_group *g, struct asg_refresh *r, enum asg_refresh_status st,
			    uint64_t now)
{
	size_t i;

	for (i = 0; i < g->ninst; i++)
		g->inst[i].refresh_old = false;
	r->status = st;
	r->end = now;
}

int asg_refresh_cancel(struct asg_group *g, uint64_t now)
{
	struct asg_refresh *r = asg_refresh_active(g);

	(void)now;
	if (!r || r->status == ASG_REFRESH_CANCELLING)
		return -ENOENT;
	r->status = ASG_REFRESH_CANCELLING;
	return 0;
}

struct asg_refresh *asg_refresh_tick(struct asg_group *g, uint64_t now)
{
	struct asg_refresh *r = asg_refresh_active(g);
	uint32_t remaining = 0, flight = 0, done;
	size_t i;

	if (!r)
		return NULL;
	if (r->status == ASG_REFRESH_CANCELLING) {
		asg_refresh_end(g, r, ASG_REFRESH_CANCELLED, now);
		snprintf(r->reason, sizeof(r->reason), "%s", "Cancelled due to user request.");
		return r;
	}
	if (r->failures >= ASG_REFRESH_FAILURES) {
		asg_refresh_end(g, r, ASG_REFRESH_FAILED, now);
		snprintf(r->reason, sizeof(r->reason),
			 "%u instances it launched were taken out of service for their health.",
			 r->failures);
		return r;
	}
	if (r->status == ASG_REFRESH_PENDING)
		r->status = ASG_REFRESH_IN_PROGRESS;
	for (i = 0; i < g->ninst; i++) {
		const struct asg_instance *in = &g->inst[i];

		if (!asg_live(in))
			continue;
		if (in->refresh_old)
			remaining++;
		else if (!asg_ready(in, r->warmup_ms, now))
			flight++;
	}
	done = r->to_update - (remaining < r->to_update ? remaining : r->to_update);
	done -= flight < done ? flight : done;
	r->remaining = remaining;
	r->pct = r->to_update ? done * 100 / r->to_update : 100;
	if (!remaining && !flight) {
		asg_refresh_end(g, r, ASG_REFRESH_SUCCESSFUL, now);
		r->pct = 100;
	}
	return r;
}

/* A replacement the refresh launched, taken out for its health, counts toward its failure. */
static void asg_refresh_note(struct asg_group *g, const struct asg_instance *in,
			     enum asg_term_reason reason)
{
	struct asg_refresh *r = asg_refresh_active(g);

	if (r && r->status == ASG_REFRESH_IN_PROGRESS && !in->refresh_old &&
	    in->launched_at >= r->start &&
	    (reason == ASG_TERM_ELB_HEALTH || reason == ASG_TERM_EC2_HEALTH))
		r->failures++;
}

int asg_terminate_request(struct asg_group *g, const char *id, bool decrement, uint64_t now,
			  char *err, size_t errlen)
{
	struct asg_instance *in = asg_instance_find(g, id);

	(void)now;
	if (!in)
		return -ENOENT;
	if (in->state == ASG_TERMINATING || in->user_terminate) {
		snprintf(err, errlen, "The instance %s is already terminating.", id);
		return -EINVAL;
	}
	if (decrement) {
		if (g->desired <= g->min_size) {
			snprintf(err, errlen,
				 "Currently, desiredSize equals minSize (%u). Terminating instance "
				 "without replacement will violate group's min size constraint. "
				 "Either set shouldDecrementDesiredCapacity flag to false or lower "
				 "group's min size.",
				 g->min_size);
			return -EINVAL;
		}
		g->desired--;
		in->decremented = true;
	}
	in->user_terminate = true;
	return 0;
}

int asg_set_health(struct asg_group *g, const char *id, enum asg_health h, bool respect_grace,
		   char *err, size_t errlen)
{
	struct asg_instance *in = asg_instance_find(g, id);

	if (!in)
		return -ENOENT;
	if (in->state == ASG_TERMINATING) {
		snprintf(err, errlen, "The instance %s is terminating.", id);
		return -EINVAL;
	}
	in->health = h;
	in->respect_grace = h == ASG_UNHEALTHY && respect_grace;
	return 0;
}

int asg_standby(struct asg_group *g, const char *id, bool enter, bool decrement, uint64_t now,
		char *err, size_t errlen)
{
	struct asg_instance *in = asg_instance_find(g, id);

	(void)now;
	if (!in)
		return -ENOENT;
	if (enter && in->state != ASG_IN_SERVICE) {
		snprintf(err, errlen, "The instance %s is not in InService.", id);
		return -EINVAL;
	}
	if (!enter && in->state != ASG_STANDBY) {
		snprintf(err, errlen, "The instance %s is not in Standby.", id);
		return -EINVAL;
	}
	if (enter && decrement && g->desired <= g->min_size) {
		snprintf(err, errlen,
			 "AutoScalingGroup %s has min-size=%u, max-size=%u, and desired-size=%u. "
			 "To place into standby 1 instances, please update the AutoScalingGroup "
			 "sizes appropriately.",
			 g->name, g->min_size, g->max_size, g->desired);
		return -EINVAL;
	}
	if (!enter && g->desired >= g->max_size) {
		snprintf(err, errlen,
			 "AutoScalingGroup %s has min-size=%u, max-size=%u, and desired-size=%u. "
			 "To bring 1 instances out of standby, please update the AutoScalingGroup "
			 "sizes appropriately.",
			 g->name, g->min_size, g->max_size, g->desired);
		return -EINVAL;
	}
	if (enter) {
		in->state = ASG_STANDBY;
		in->refresh_old = false;
		g->desired -= decrement;
	} else {
		/* back through Pending: the next plan puts it in service and registers it */
		in->state = ASG_PENDING;
		in->health = ASG_HEALTHY;
		g->desired++;
	}
	return 0;
}

uint64_t asg_backoff(unsigned int *early_deaths, uint64_t *retry_at, int64_t lived_s,
		     bool was_healthy, uint64_t now)
{
	uint64_t wait;

	if (lived_s < 0 || lived_s >= ASG_EARLY_S || was_healthy) {
		*early_deaths = 0;
		return 0;
	}
	/* past 2^16 the shift would only be capped anyway */
	wait = (uint64_t)ASG_BACKOFF_MS << (*early_deaths < 16 ? *early_deaths : 16);
	if (wait > ASG_BACKOFF_MAX_MS)
		wait = ASG_BACKOFF_MAX_MS;
	(*early_deaths)++;
	if (*retry_at < now + wait)
		*retry_at = now + wait;
	return wait;
}
