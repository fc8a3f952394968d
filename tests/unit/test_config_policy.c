// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Scaling policies and scheduled actions (user/cfg_policy.c): every field of a full file.
 */
#include "test_config.h"

static bool full_policies(void)
{
	struct model *m;
	struct model_tg *fleet_tg;
	struct model_asg *fleet, *canary;
	struct model_policy *cpu, *req, *steps, *bump;
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	fleet_tg = tg_named(m, "fleet-443");
	fleet = asg_named(m, "fleet");
	canary = asg_named(m, "canary");
	cpu = policy_named(m, "cpu");
	req = policy_named(m, "requests");
	steps = policy_named(m, "steps");
	bump = policy_named(m, "bump");
	if (!fleet_tg || !fleet || !canary || !cpu || !req || !steps || !bump) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	ok = cpu->asg == fleet && cpu->type == MODEL_POLICY_TARGET_TRACKING &&
	     cpu->tt.metric == MODEL_METRIC_ASG_CPU && cpu->tt.target_value == 50 &&
	     cpu->tt.disable_scale_in && cpu->warmup_s == 45 && cpu->enabled &&
	     req->tt.metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET && req->tt.tg == fleet_tg &&
	     req->tt.target_value == 1000.5 && steps->type == MODEL_POLICY_STEP &&
	     steps->adjustment_type == MODEL_ADJ_PERCENT_CHANGE_IN_CAPACITY &&
	     steps->min_adjustment_magnitude == 1 && steps->aggregation == MODEL_AGG_MAXIMUM &&
	     steps->nsteps == 3 && !steps->steps[0].has_lower && steps->steps[0].upper == 0 &&
	     steps->steps[0].adjustment == -10 && !steps->steps[2].has_upper &&
	     bump->type == MODEL_POLICY_SIMPLE &&
	     bump->adjustment_type == MODEL_ADJ_EXACT_CAPACITY && bump->scaling_adjustment == 1 &&
	     bump->cooldown_s == 600 && bump->asg == canary &&
	     strstr(bump->raw, "\"PolicyName\":\"bump\"");
	model_free(m);
	CHECK(ok, "policies wrong");
	return true;
}

static bool full_scheduled_actions(void)
{
	struct model *m;
	struct model_asg *fleet;
	struct tm tm = { .tm_year = 130, .tm_mon = 5, .tm_mday = 1, .tm_hour = 9, .tm_min = 30 };
	int64_t start = (int64_t)timegm(&tm);
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	fleet = asg_named(m, "fleet");
	if (!fleet) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	ok = m->nactions == 2 && !strcmp(m->actions[0].recurrence, "0 8 * * 1-5") &&
	     !strcmp(m->actions[0].time_zone, "Europe/Paris") && m->actions[0].min_size == 2 &&
	     m->actions[0].max_size == -1 && m->actions[0].desired == 4 &&
	     m->actions[0].start_time == -1 && m->actions[1].start_time == start &&
	     m->actions[1].end_time == start + 3600 && !m->actions[1].recurrence &&
	     m->actions[1].asg == fleet;
	model_free(m);
	CHECK(ok, "scheduled actions wrong");
	return true;
}

CONFIG_TEST_MAIN(full_policies, full_scheduled_actions)
