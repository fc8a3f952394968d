// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Target groups, load balancers and listeners (user/cfg_lb.c): AWS's defaults and every field
 * of a full file.
 */
#include "test_config.h"

static bool defaults_alb_target_group(void)
{
	struct defaults d;
	bool ok;

	if (!load_defaults(&d))
		return false;
	/* ALB-style (HTTP) group: HTTP GET / every 30 s, timeout 5, 5 up, 2 down, 200 */
	ok = d.alb->protocol == MODEL_PROTO_HTTP && d.alb->port == 80 &&
	     d.alb->target_type == MODEL_TARGET_INSTANCE && d.alb->hc.protocol == MODEL_HC_HTTP &&
	     d.alb->hc.port == 0 && !strcmp(d.alb->hc.path, "/") && d.alb->hc.interval_s == 30 &&
	     d.alb->hc.timeout_s == 5 && d.alb->hc.healthy_threshold == 5 &&
	     d.alb->hc.unhealthy_threshold == 2 && matcher_match(&d.alb->hc.matcher, 200) &&
	     !matcher_match(&d.alb->hc.matcher, 201) && !matcher_match(&d.alb->hc.matcher, 199) &&
	     !strcmp(d.alb->hc.matcher_text, "200") && d.alb->dereg_delay_s == 300 &&
	     !d.alb->dereg_close_connections;
	model_free(d.m);
	CHECK(ok, "alb defaults wrong");
	return true;
}

static bool defaults_nlb_target_groups(void)
{
	struct defaults d;
	bool ok;

	if (!load_defaults(&d))
		return false;
	/* NLB-style groups: TCP checks time out after 10 s, HTTP ones after 6, codes 200-399 */
	ok = d.nlb->hc.protocol == MODEL_HC_TCP && d.nlb->hc.timeout_s == 10 &&
	     d.nlb->hc.interval_s == 30 && !strcmp(d.nlb->hc.matcher_text, "200-399") &&
	     d.nlbh->hc.protocol == MODEL_HC_HTTP && d.nlbh->hc.timeout_s == 6 &&
	     matcher_match(&d.nlbh->hc.matcher, 302) && matcher_match(&d.nlbh->hc.matcher, 200) &&
	     !matcher_match(&d.nlbh->hc.matcher, 404) && d.udp->hc.protocol == MODEL_HC_TCP &&
	     d.udp->target_type == MODEL_TARGET_IP && d.udp->ntargets == 1 &&
	     d.udp->targets[0].addr.family == AF_INET && d.udp->targets[0].port == 0;
	model_free(d.m);
	CHECK(ok, "nlb defaults wrong");
	return true;
}

static bool defaults_implicit_load_balancer(void)
{
	struct defaults d;
	struct model_lb *lb;
	bool ok;

	if (!load_defaults(&d))
		return false;
	/* the listener names no load balancer and the file has none: the implicit "default" */
	lb = &d.m->lbs[0];
	ok = d.m->nlbs == 1 && lb->implicit && !strcmp(lb->name, MODEL_DEFAULT_LB) &&
	     lb->naddrs == 0 && lb->nlisteners == 1 && lb->listeners[0].lb == lb &&
	     lb->listeners[0].mode == MODEL_MODE_NAT && lb->listeners[0].port == 80 &&
	     lb->listeners[0].nfwd == 1 && lb->listeners[0].fwd[0].tg == d.alb &&
	     lb->listeners[0].fwd[0].weight == 1;
	model_free(d.m);
	CHECK(ok, "implicit load balancer wrong");
	return true;
}

static bool full_load_balancer(void)
{
	struct full f;
	struct model_lb *lb;
	bool ok;

	if (!load_full(&f))
		return false;
	lb = &f.m->lbs[0];
	ok = f.m->nlbs == 1 && !lb->implicit && lb->type == MODEL_LB_NETWORK && lb->naddrs == 2 &&
	     lb->addrs[0].family == AF_INET && lb->addrs[0].bytes[0] == 198 &&
	     lb->addrs[0].bytes[3] == 10 && lb->addrs[1].family == AF_INET6 && lb->nifaces == 2 &&
	     !strcmp(lb->ifaces[1], "xlb-c1") && lb->mode == MODEL_MODE_IPIP &&
	     lb->nlisteners == 2 && lb->listeners[0].mode == MODEL_MODE_IPIP &&
	     lb->listeners[0].nfwd == 2 && lb->listeners[0].fwd[0].tg == f.st &&
	     lb->listeners[0].fwd[0].weight == 3 && lb->listeners[0].fwd[1].tg == f.fleet_tg &&
	     lb->listeners[0].fwd[1].weight == 1 && lb->listeners[1].mode == MODEL_MODE_NAT &&
	     lb->listeners[1].protocol == MODEL_PROTO_UDP && lb->listeners[1].fwd[0].tg == f.dns;
	model_free(f.m);
	CHECK(ok, "load balancer wrong");
	return true;
}

static bool full_target_groups(void)
{
	struct full f;
	size_t i, stick = 0;
	bool ok;

	if (!load_full(&f))
		return false;
	for (i = 0; i < f.st->extras.n; i++)
		stick += !strcmp(f.st->extras.v[i].key, "Attributes.stickiness.enabled") &&
			 !strcmp(f.st->extras.v[i].json, "\"false\"") && !f.st->extras.v[i].unknown;
	ok = f.st->target_type == MODEL_TARGET_IP && f.st->hc.protocol == MODEL_HC_HTTP &&
	     f.st->hc.port == 8081 && !strcmp(f.st->hc.path, "/health?full=1") &&
	     f.st->hc.interval_s == 10 && f.st->hc.timeout_s == 3 &&
	     f.st->hc.healthy_threshold == 3 && f.st->hc.unhealthy_threshold == 4 &&
	     matcher_match(&f.st->hc.matcher, 200) && matcher_match(&f.st->hc.matcher, 299) &&
	     !matcher_match(&f.st->hc.matcher, 301) && matcher_match(&f.st->hc.matcher, 302) &&
	     !strcmp(f.st->hc.matcher_text, "200-299,302") && f.st->dereg_delay_s == 30 &&
	     f.st->dereg_close_connections && f.st->ntargets == 3 && f.st->targets[1].port == 443 &&
	     f.st->targets[2].addr.family == AF_INET6 && stick == 1 && f.fleet_tg->hc.port == 443 &&
	     f.fleet_tg->dereg_delay_s == 0 && f.dns->hc.port == 5354;
	model_free(f.m);
	CHECK(ok, "target groups wrong");
	return true;
}

/* modify-target-group-attributes reads each attribute with the file's reader. AWS's
 * "ModifyTargetGroupAttributes" (Elastic Load Balancing API Reference) and "Target group
 * attributes" (the NLB and ALB user guides): deregistration_delay.timeout_seconds is 0 to 3600,
 * connection_termination.enabled is true or false, and a value out of range or an unknown key
 * is a ValidationError that names it.
 */
static bool one_attribute(void)
{
	struct model *m = NULL;
	struct model_tg tg;
	struct config_error err;
	char buf[64];
	bool ok = false;

	CHECK(!load_text("{\"TargetGroups\": [{\"TargetGroupName\": \"a\", \"Protocol\": "
			 "\"TCP\", \"Port\": 80}]}",
			 &m, &err),
	      "%s", err.msg);
	tg = m->tgs[0];
	tg.extras = (struct model_extras){ 0 };
	ENSURE(!config_tg_attribute_value(&tg, "deregistration_delay.timeout_seconds", buf,
					  sizeof(buf)) &&
		       !strcmp(buf, "300"),
	       "AWS's default delay, 300 s");
	ENSURE(!config_tg_attribute(&tg, "verb", "deregistration_delay.timeout_seconds", "30",
				    &err),
	       "%s", err.msg);
	ENSURE_INT(tg.dereg_delay_s, ==, 30);
	ENSURE(!config_tg_attribute(&tg, "verb",
				    "deregistration_delay.connection_termination.enabled", "true",
				    &err) &&
		       tg.dereg_close_connections,
	       "%s", err.msg);
	ENSURE(config_tg_attribute(&tg, "verb", "deregistration_delay.timeout_seconds", "3601",
				   &err) == -EINVAL &&
		       strstr(err.msg, "verb:1:") && strstr(err.msg, "$.Attributes[0].Value") &&
		       tg.dereg_delay_s == 30,
	       "out of range, named, and nothing changed: %s", err.msg);
	ENSURE(config_tg_attribute(&tg, "verb",
				   "deregistration_delay.connection_termination.enabled", "yes",
				   &err) == -EINVAL,
	       "not a boolean");
	ENSURE(config_tg_attribute(&tg, "verb", "no_such.attribute", "1", &err) == -EINVAL &&
		       strstr(err.msg, "unknown target group attribute"),
	       "an unknown key is refused, not ignored: %s", err.msg);
	ENSURE(!config_tg_attribute(&tg, "verb", "stickiness.enabled", "true", &err), "%s",
	       err.msg);
	ENSURE(!config_tg_attribute_value(&tg, "stickiness.enabled", buf, sizeof(buf)) &&
		       !strcmp(buf, "true"),
	       "kept as written and read back: %s", buf);
	ENSURE(config_tg_attribute_value(&tg, "slow_start.duration_seconds", buf, sizeof(buf)) ==
		       -ENOENT,
	       "not given");
	ok = true;
out:
	config_extras_free(&tg.extras);
	model_free(m);
	return ok;
}

/* The attributes of target group algorithms, as the ELB guides document them: slow start
 * ("slow_start.duration_seconds", 30-900 s, 0 off; Application Load Balancer guide, "Slow start
 * mode"), the routing algorithm ("load_balancing.algorithm.type": round_robin,
 * least_outstanding_requests or weighted_random; "Routing algorithm"), and NLB's sticky
 * sessions by source address ("stickiness.enabled" true, "stickiness.type" source_ip; Network
 * Load Balancer guide, "Sticky sessions"). Strings and JSON values both read; a cookie type
 * draws a warning that it has no effect; everything is kept for describe-* as written.
 */
static bool algorithm_attributes(void)
{
	static const char text[] =
		"{\"TargetGroups\": ["
		"{\"TargetGroupName\": \"a\", \"Protocol\": \"TCP\", \"Port\": 80, \"Attributes\": ["
		"{\"Key\": \"slow_start.duration_seconds\", \"Value\": \"120\"},"
		"{\"Key\": \"stickiness.enabled\", \"Value\": \"true\"},"
		"{\"Key\": \"stickiness.type\", \"Value\": \"source_ip\"}]},"
		"{\"TargetGroupName\": \"b\", \"Protocol\": \"HTTP\", \"Port\": 80, \"Attributes\": ["
		"{\"Key\": \"load_balancing.algorithm.type\", \"Value\": \"least_outstanding_requests\"},"
		"{\"Key\": \"stickiness.enabled\", \"Value\": true},"
		"{\"Key\": \"stickiness.type\", \"Value\": \"lb_cookie\"}]},"
		"{\"TargetGroupName\": \"c\", \"Protocol\": \"TCP\", \"Port\": 80}]}";
	struct config_error err;
	struct model *m = NULL;
	struct model_tg *a, *b, *c;
	size_t kept = 0;

	CHECK(!load_text(text, &m, &err), "load: %s", err.msg);
	a = tg_named(m, "a");
	b = tg_named(m, "b");
	c = tg_named(m, "c");
	CHECK(a && b && c, "groups");
	CHECK(a->slow_start_s == 120 && a->algo == MODEL_ALGO_ROUND_ROBIN && a->sticky &&
		      a->sticky_type == MODEL_STICKY_SOURCE_IP,
	      "group a: slow start %u, algo %d, sticky %d type %d", a->slow_start_s, a->algo,
	      a->sticky, a->sticky_type);
	CHECK(b->slow_start_s == 0 && b->algo == MODEL_ALGO_LOR && b->sticky &&
		      b->sticky_type == MODEL_STICKY_LB_COOKIE,
	      "group b");
	CHECK(!c->slow_start_s && c->algo == MODEL_ALGO_ROUND_ROBIN && !c->sticky, "defaults");
	for (size_t i = 0; i < a->extras.n; i++)
		kept += !strncmp(a->extras.v[i].key, "Attributes.", 11);
	CHECK(kept == 3, "%zu attributes of group a kept for describe-*", kept);
	CHECK(warnings_with(m, "lb_cookie has no effect") == 1, "cookie warning");
	model_free(m);
	return true;
}

CONFIG_TEST_MAIN(one_attribute, defaults_alb_target_group, defaults_nlb_target_groups,
		 defaults_implicit_load_balancer, full_load_balancer, full_target_groups,
		 algorithm_attributes)
