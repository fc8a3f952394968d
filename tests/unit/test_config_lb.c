// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Target groups, load balancers and listeners (user/cfg_lb.c): AWS's defaults and every field
 * of a full file.
 */
#include "test_config.h"

static bool defaults_alb_target_group(void)
{
	struct model *m;
	struct model_tg *alb;
	bool ok;

	if (!load_fixture("good_defaults.json", &m, false))
		return false;
	alb = tg_named(m, "alb");
	if (!alb) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	/* ALB-style (HTTP) group: HTTP GET / every 30 s, timeout 5, 5 up, 2 down, 200 */
	ok = alb->protocol == MODEL_PROTO_HTTP && alb->port == 80 &&
	     alb->target_type == MODEL_TARGET_INSTANCE && alb->hc.protocol == MODEL_HC_HTTP &&
	     alb->hc.port == 0 && !strcmp(alb->hc.path, "/") && alb->hc.interval_s == 30 &&
	     alb->hc.timeout_s == 5 && alb->hc.healthy_threshold == 5 &&
	     alb->hc.unhealthy_threshold == 2 && matcher_match(&alb->hc.matcher, 200) &&
	     !matcher_match(&alb->hc.matcher, 201) && !matcher_match(&alb->hc.matcher, 199) &&
	     !strcmp(alb->hc.matcher_text, "200") && alb->dereg_delay_s == 300 &&
	     !alb->dereg_close_connections;
	model_free(m);
	CHECK(ok, "alb defaults wrong");
	return true;
}

static bool defaults_nlb_target_groups(void)
{
	struct model *m;
	struct model_tg *nlb, *nlbh, *udp;
	bool ok;

	if (!load_fixture("good_defaults.json", &m, false))
		return false;
	nlb = tg_named(m, "nlb");
	nlbh = tg_named(m, "nlb-http");
	udp = tg_named(m, "udp");
	if (!nlb || !nlbh || !udp) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	/* NLB-style groups: TCP checks time out after 10 s, HTTP ones after 6, codes 200-399 */
	ok = nlb->hc.protocol == MODEL_HC_TCP && nlb->hc.timeout_s == 10 &&
	     nlb->hc.interval_s == 30 && !strcmp(nlb->hc.matcher_text, "200-399") &&
	     nlbh->hc.protocol == MODEL_HC_HTTP && nlbh->hc.timeout_s == 6 &&
	     matcher_match(&nlbh->hc.matcher, 302) && matcher_match(&nlbh->hc.matcher, 200) &&
	     !matcher_match(&nlbh->hc.matcher, 404) && udp->hc.protocol == MODEL_HC_TCP &&
	     udp->target_type == MODEL_TARGET_IP && udp->ntargets == 1 &&
	     udp->targets[0].addr.family == AF_INET && udp->targets[0].port == 0;
	model_free(m);
	CHECK(ok, "nlb defaults wrong");
	return true;
}

static bool defaults_implicit_load_balancer(void)
{
	struct model *m;
	struct model_tg *alb;
	struct model_lb *lb;
	bool ok;

	if (!load_fixture("good_defaults.json", &m, false))
		return false;
	alb = tg_named(m, "alb");
	if (!alb) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	/* the listener names no load balancer and the file has none: the implicit "default" */
	lb = &m->lbs[0];
	ok = m->nlbs == 1 && lb->implicit && !strcmp(lb->name, MODEL_DEFAULT_LB) &&
	     lb->naddrs == 0 && lb->nlisteners == 1 && lb->listeners[0].lb == lb &&
	     lb->listeners[0].mode == MODEL_MODE_NAT && lb->listeners[0].port == 80 &&
	     lb->listeners[0].nfwd == 1 && lb->listeners[0].fwd[0].tg == alb &&
	     lb->listeners[0].fwd[0].weight == 1;
	model_free(m);
	CHECK(ok, "implicit load balancer wrong");
	return true;
}

static bool full_load_balancer(void)
{
	struct model *m;
	struct model_tg *st, *fleet_tg, *dns;
	struct model_lb *lb;
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	st = tg_named(m, "static-443");
	fleet_tg = tg_named(m, "fleet-443");
	dns = tg_named(m, "dns");
	if (!st || !fleet_tg || !dns) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	lb = &m->lbs[0];
	ok = m->nlbs == 1 && !lb->implicit && lb->type == MODEL_LB_NETWORK && lb->naddrs == 2 &&
	     lb->addrs[0].family == AF_INET && lb->addrs[0].bytes[0] == 198 &&
	     lb->addrs[0].bytes[3] == 10 && lb->addrs[1].family == AF_INET6 && lb->nifaces == 2 &&
	     !strcmp(lb->ifaces[1], "xlb-c1") && lb->mode == MODEL_MODE_IPIP &&
	     lb->nlisteners == 2 && lb->listeners[0].mode == MODEL_MODE_IPIP &&
	     lb->listeners[0].nfwd == 2 && lb->listeners[0].fwd[0].tg == st &&
	     lb->listeners[0].fwd[0].weight == 3 && lb->listeners[0].fwd[1].tg == fleet_tg &&
	     lb->listeners[0].fwd[1].weight == 1 && lb->listeners[1].mode == MODEL_MODE_NAT &&
	     lb->listeners[1].protocol == MODEL_PROTO_UDP && lb->listeners[1].fwd[0].tg == dns;
	model_free(m);
	CHECK(ok, "load balancer wrong");
	return true;
}

static bool full_target_groups(void)
{
	struct model *m;
	struct model_tg *st, *fleet_tg, *dns;
	size_t i, stick = 0;
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	st = tg_named(m, "static-443");
	fleet_tg = tg_named(m, "fleet-443");
	dns = tg_named(m, "dns");
	if (!st || !fleet_tg || !dns) {
		model_free(m);
		CHECK(false, "missing objects");
	}
	for (i = 0; i < st->extras.n; i++)
		stick += !strcmp(st->extras.v[i].key, "Attributes.stickiness.enabled") &&
			 !strcmp(st->extras.v[i].json, "\"false\"") && !st->extras.v[i].unknown;
	ok = st->target_type == MODEL_TARGET_IP && st->hc.protocol == MODEL_HC_HTTP &&
	     st->hc.port == 8081 && !strcmp(st->hc.path, "/health?full=1") &&
	     st->hc.interval_s == 10 && st->hc.timeout_s == 3 && st->hc.healthy_threshold == 3 &&
	     st->hc.unhealthy_threshold == 4 && matcher_match(&st->hc.matcher, 200) &&
	     matcher_match(&st->hc.matcher, 299) && !matcher_match(&st->hc.matcher, 301) &&
	     matcher_match(&st->hc.matcher, 302) && !strcmp(st->hc.matcher_text, "200-299,302") &&
	     st->dereg_delay_s == 30 && st->dereg_close_connections && st->ntargets == 3 &&
	     st->targets[1].port == 443 && st->targets[2].addr.family == AF_INET6 && stick == 1 &&
	     fleet_tg->hc.port == 443 && fleet_tg->dereg_delay_s == 0 && dns->hc.port == 5354;
	model_free(m);
	CHECK(ok, "target groups wrong");
	return true;
}

CONFIG_TEST_MAIN(defaults_alb_target_group, defaults_nlb_target_groups,
		 defaults_implicit_load_balancer, full_load_balancer, full_target_groups)
