// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Target groups (health checks, matchers, targets), load balancers (addresses, interfaces,
 * forwarding mode) and their listeners (default actions, where each forwards).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg_internal.h"

const char *const cfg_protos[] = { "TCP", "UDP", "TCP_UDP", "HTTP", NULL };
static const char *const cfg_protos_no[] = { "HTTPS", "TLS", "GENEVE", NULL };
static const struct cfg_choice cfg_proto_choice = {
	cfg_protos, cfg_protos_no,
	"xlb balances at layer 4 and terminates no TLS (GENEVE is for appliances)", false
};

const char *const cfg_tg_algos[] = { "round_robin", "least_outstanding_requests", "weighted_random",
				     NULL };
static const struct cfg_choice cfg_algo_choice = { cfg_tg_algos, NULL, NULL, false };
const char *const cfg_sticky_types[] = { "lb_cookie", "app_cookie", "source_ip", NULL };
static const char *const cfg_sticky_no[] = { "source_ip_dest_ip", "source_ip_dest_ip_proto", NULL };
static const struct cfg_choice cfg_sticky_choice = {
	cfg_sticky_types, cfg_sticky_no, "those are a Gateway Load Balancer's, which xlb is not",
	false
};

static const char *const cfg_attr_kept_prefixes[] = { "stickiness.",
						      "load_balancing.",
						      "proxy_protocol_v2.",
						      "preserve_client_ip.",
						      "target_group_health.",
						      "target_health_state.",
						      "lambda.",
						      "target_failover.",
						      "deregistration_delay.",
						      NULL };

/* slow_start.duration_seconds, load_balancing.algorithm.type, stickiness.enabled and .type. */
static void cfg_tg_algo_attr(struct cfg *c, const char *k, struct json_object *v,
			     struct model_tg *tg)
{
	int64_t x;
	int e;

	if (!strcmp(k, "slow_start.duration_seconds")) {
		/* AWS: 30-900 seconds, 0 turns it off */
		if (cfg_v_int(c, v, 0, 900, &x) != CFG_OK)
			return;
		if (x && x < 30)
			cfg_error(c, "expected 0 (off) or 30 to 900 seconds, got %lld",
				  (long long)x);
		else
			tg->slow_start_s = (uint32_t)x;
	} else if (!strcmp(k, "load_balancing.algorithm.type")) {
		if (cfg_v_enum(c, v, &cfg_algo_choice, &e) == CFG_OK)
			tg->algo = (enum model_tg_algo)e;
	} else if (!strcmp(k, "stickiness.enabled")) {
		const char *s = json_object_get_string(v);

		if (json_object_is_type(v, json_type_boolean))
			tg->sticky = json_object_get_boolean(v);
		else if (s && (!strcmp(s, "true") || !strcmp(s, "false")))
			tg->sticky = !strcmp(s, "true");
		else
			cfg_error(c, "expected \"true\" or \"false\", got %s", GOT(c, v));
	} else if (cfg_v_enum(c, v, &cfg_sticky_choice, &e) == CFG_OK) {
		tg->sticky_type = (enum model_sticky)e;
	}
}

static void cfg_tg_attrs(struct cfg *c, struct json_object *o, const char *key, struct model_tg *tg)
{
	static const char *const typed[] = { "Key", "Value", NULL };
	struct json_object *arr, *v;
	const char *k;
	size_t i;

	if (cfg_array(c, o, key, "{\"Key\": ..., \"Value\": ...} objects", &arr) != CFG_OK)
		return;
	cfg_in(c, key);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *a = json_object_array_get_idx(arr, i);
		bool known = false;
		int64_t x;

		cfg_at(c, i);
		if (!cfg_is_object(c, a, "a {\"Key\": ..., \"Value\": ...} object"))
			goto next;
		if (cfg_need(c, a, "Key", cfg_str(c, a, "Key", 1, 256, "an attribute name", &k),
			     "an attribute name such as deregistration_delay.timeout_seconds") !=
		    CFG_OK)
			goto next;
		v = cfg_member(a, "Value");
		if (!v) {
			cfg_missing(c, "Value", "the attribute's value");
			goto next;
		}
		cfg_in(c, "Value");
		if (!strcmp(k, "deregistration_delay.timeout_seconds")) {
			if (cfg_v_int(c, v, 0, 3600, &x) == CFG_OK)
				tg->dereg_delay_s = (uint32_t)x;
			known = true;
		} else if (!strcmp(k, "deregistration_delay.connection_termination.enabled")) {
			const char *s = json_object_get_string(v);

			if (json_object_is_type(v, json_type_boolean))
				tg->dereg_close_connections = json_object_get_boolean(v);
			else if (s && (!strcmp(s, "true") || !strcmp(s, "false")))
				tg->dereg_close_connections = !strcmp(s, "true");
			else
				cfg_error(c, "expected \"true\" or \"false\", got %s", GOT(c, v));
			known = true;
		} else if (!strcmp(k, "slow_start.duration_seconds") ||
			   !strcmp(k, "load_balancing.algorithm.type") ||
			   !strcmp(k, "stickiness.enabled") || !strcmp(k, "stickiness.type")) {
			struct model_extra *e;
			char ekey[300];

			/* kept as written too, for describe-* to show back; in force but for a
			 * cookie stickiness type (warned about below)
			 */
			snprintf(ekey, sizeof(ekey), "Attributes.%s", k);
			e = cfg_extra_add(c, &tg->extras, ekey, v, false);
			cfg_tg_algo_attr(c, k, v, tg);
			if (e)
				e->in_force = strcmp(k, "stickiness.type") ||
					      tg->sticky_type == MODEL_STICKY_SOURCE_IP;
			known = true;
		} else {
			char ekey[300];

			for (const char *const *p = cfg_attr_kept_prefixes; *p; p++)
				if (!strncmp(k, *p, strlen(*p)))
					known = true;
			snprintf(ekey, sizeof(ekey), "Attributes.%s", k);
			cfg_extra_add(c, &tg->extras, ekey, v, !known);
			if (!known) {
				cfg_out(c);
				cfg_in(c, "Key");
				cfg_warn(c, "unknown target group attribute, ignored");
			}
		}
		cfg_out(c);
		cfg_finish(c, a, typed, NULL, NULL);
next:
		cfg_out(c);
	}
	cfg_out(c);
}

/* A scratch reader over text, whose diagnostics land in err and in scratch's warnings. */
static void cfg_lb_scratch(struct cfg *c, struct model *scratch, const char *verb, const char *text,
			   struct config_error *err)
{
	memset(err, 0, sizeof(*err));
	memset(scratch, 0, sizeof(*scratch));
	memset(c, 0, sizeof(*c));
	c->file = verb;
	c->text = text;
	c->len = strlen(text);
	c->m = scratch;
	c->err = err;
}

int config_tg_attribute(struct model_tg *tg, const char *verb, const char *key, const char *value,
			struct config_error *err)
{
	struct json_object *top = json_object_new_object(), *arr = json_object_new_array(),
			   *a = json_object_new_object();
	struct model scratch;
	struct cfg c;
	size_t i;
	int ret = -ENOMEM;

	if (!top || !arr || !a) {
		json_object_put(top);
		json_object_put(arr);
		json_object_put(a);
		return -ENOMEM;
	}
	json_object_object_add(a, "Key", json_object_new_string(key));
	json_object_object_add(a, "Value", json_object_new_string(value));
	json_object_array_add(arr, a);
	json_object_object_add(top, "Attributes", arr);
	cfg_lb_scratch(&c, &scratch, verb,
		       json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE),
		       err);
	cfg_tg_attrs(&c, top, "Attributes", tg);
	if (!c.nomem)
		ret = err->count ? -EINVAL : 0;
	/* what the file is warned about (an unknown attribute) a request is refused for */
	if (!ret && scratch.nwarnings) {
		err->count = 1;
		snprintf(err->msg, sizeof(err->msg), "%s", scratch.warnings[0]);
		snprintf(err->all[0], sizeof(err->all[0]), "%s", err->msg);
		ret = -EINVAL;
	}
	for (i = 0; i < scratch.nwarnings; i++)
		free(scratch.warnings[i]);
	free(scratch.warnings);
	json_object_put(top);
	return ret;
}

int config_tg_attribute_value(const struct model_tg *tg, const char *key, char *buf, size_t len)
{
	char ekey[300];
	size_t i;

	/* the attributes the reader above turns into fields, then those it keeps as written */
	if (!strcmp(key, "deregistration_delay.timeout_seconds")) {
		snprintf(buf, len, "%u", tg->dereg_delay_s);
		return 0;
	}
	if (!strcmp(key, "deregistration_delay.connection_termination.enabled")) {
		snprintf(buf, len, "%s", tg->dereg_close_connections ? "true" : "false");
		return 0;
	}
	snprintf(ekey, sizeof(ekey), "Attributes.%s", key);
	for (i = tg->extras.n; i > 0; i--) {
		const struct model_extra *x = &tg->extras.v[i - 1];
		struct json_object *v;

		if (strcmp(x->key, ekey))
			continue;
		v = json_tokener_parse(x->json);
		snprintf(buf, len, "%s", v ? json_object_get_string(v) : x->json);
		json_object_put(v);
		return 0;
	}
	return -ENOENT;
}

void config_extras_free(struct model_extras *ex)
{
	cfg_extras_free(ex);
}

static void cfg_tg_targets(struct cfg *c, struct json_object *arr, struct model_tg *tg)
{
	static const char *const typed[] = { "Id", "Port", NULL };
	static const char *const kept[] = { "AvailabilityZone", NULL };
	size_t i, j;

	cfg_in(c, "Targets");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *id;
		struct model_target t = { 0 }, *slot;
		uint32_t port = 0;
		bool ok = true;

		cfg_at(c, i);
		if (!cfg_is_object(c, o, "a target object {\"Id\": \"198.18.1.10\", \"Port\": 80}"))
			goto next;
		id = cfg_member(o, "Id");
		if (!id) {
			cfg_missing(c, "Id", "the target's IPv4 or IPv6 address");
			ok = false;
		} else {
			const char *s = json_object_get_string(id);

			cfg_in(c, "Id");
			if (s && !strncmp(s, "i-", 2) &&
			    json_object_is_type(id, json_type_string)) {
				cfg_error(
					c,
					"expected an IPv4 or IPv6 address (instances are registered by auto-scaling groups, not listed), got %s",
					GOT(c, id));
				ok = false;
			} else if (cfg_v_addr(c, id, "an IPv4 or IPv6 address", &t.addr) !=
				   CFG_OK) {
				ok = false;
			}
			cfg_out(c);
		}
		if (cfg_u32(c, o, "Port", 1, 65535, &port) == CFG_BAD)
			ok = false;
		t.port = (uint16_t)port;
		cfg_finish(c, o, typed, kept, NULL);
		if (!ok)
			goto next;
		for (j = 0; j < tg->ntargets; j++) {
			uint16_t pa = tg->targets[j].port ? tg->targets[j].port : tg->port;
			uint16_t pb = t.port ? t.port : tg->port;

			if (cfg_addr_eq(&tg->targets[j].addr, &t.addr) && pa == pb) {
				cfg_error(
					c,
					"expected each target once, got the same address and port as Targets[%zu]",
					j);
				ok = false;
				break;
			}
		}
		if (ok && (slot = cfg_push(c, &tg->targets, &tg->ntargets, sizeof(*slot))))
			*slot = t;
next:
		cfg_out(c);
	}
	cfg_out(c);
}

static void cfg_tg_matcher(struct cfg *c, struct json_object *o, struct model_tg *tg)
{
	static const char *const typed[] = { "HttpCode", "GrpcCode", NULL };
	struct json_object *mo = cfg_member(o, "Matcher");
	bool alb = tg->protocol == MODEL_PROTO_HTTP;
	int lo = alb ? MATCHER_ALB_MIN : MATCHER_NLB_MIN,
	    hi = alb ? MATCHER_ALB_MAX : MATCHER_NLB_MAX;
	const char *s, *dflt = alb ? "200" : "200-399";
	char why[160];

	/* ALB: 200..499, default 200; NLB (HTTP checks of TCP/UDP groups): 200..599, 200-399 */
	matcher_parse_range(dflt, lo, hi, &tg->hc.matcher, why, sizeof(why));
	tg->hc.matcher_text = cfg_strdup(c, dflt);
	if (!mo)
		return;
	cfg_in(c, "Matcher");
	if (!cfg_is_object(c, mo, "an object such as {\"HttpCode\": \"200-299\"}"))
		goto out;
	if (tg->hc.protocol != MODEL_HC_HTTP)
		cfg_warn_key(c, "has no effect on TCP health checks");
	if (cfg_member(mo, "GrpcCode")) {
		cfg_in(c, "GrpcCode");
		cfg_warn_key(c, "ignored: xlb's health checks are HTTP/1.1, not gRPC");
		cfg_out(c);
	}
	if (cfg_str(c, mo, "HttpCode", 1, 256, "HTTP status codes such as \"200-299,302\"", &s) ==
	    CFG_OK) {
		cfg_in(c, "HttpCode");
		if (matcher_parse_range(s, lo, hi, &tg->hc.matcher, why, sizeof(why))) {
			cfg_error(
				c,
				"expected HTTP codes such as \"200\", \"200-299\" or \"200-299,302\" (%s), got %s",
				why, GOT(c, cfg_member(mo, "HttpCode")));
		} else {
			free(tg->hc.matcher_text);
			tg->hc.matcher_text = cfg_strdup(c, s);
		}
		cfg_out(c);
	}
	cfg_finish(c, mo, typed, NULL, NULL);
out:
	cfg_out(c);
}

static const char *const cfg_tg_typed[] = { "TargetGroupName",
					    "Name",
					    "TargetGroupArn",
					    "Protocol",
					    "Port",
					    "TargetType",
					    "IpAddressType",
					    "HealthCheckEnabled",
					    "HealthCheckProtocol",
					    "HealthCheckPort",
					    "HealthCheckPath",
					    "HealthCheckIntervalSeconds",
					    "HealthCheckTimeoutSeconds",
					    "HealthyThresholdCount",
					    "UnhealthyThresholdCount",
					    "Matcher",
					    "Targets",
					    "Attributes",
					    "TargetGroupAttributes",
					    NULL };
static const char *const cfg_tg_kept[] = {
	"VpcId", "ProtocolVersion", "Tags", "LoadBalancerArns", "TargetGroupFullName", NULL
};

/* IpAddressType: the family by which the instances of a group are registered (AWS: ipv4
 * unless it says ipv6; an IPv6 target group's instance targets use their IPv6 address).
 */
static void cfg_tg_family(struct cfg *c, struct json_object *o, struct model_tg *tg)
{
	static const char *const types[] = { "ipv4", "ipv6", NULL };
	static const struct cfg_choice type_choice = { types, NULL, NULL, false };
	int e;

	if (cfg_enum(c, o, "IpAddressType", &type_choice, &e) == CFG_OK)
		tg->ipv6 = e == 1;
}

/* Targets listed by address, and TargetType (ip when Targets is given, else instance). */
static void cfg_tg_type(struct cfg *c, struct json_object *o, struct model_tg *tg)
{
	static const char *const ttypes[] = { "instance", "ip", NULL };
	static const char *const ttypes_no[] = { "lambda", "alb", NULL };
	static const struct cfg_choice ttype_choice = {
		ttypes, ttypes_no, "xlb's targets are instances of its groups or addresses", false
	};
	struct json_object *arr = NULL;
	int ttype;

	if (cfg_array(c, o, "Targets", "target objects", &arr) == CFG_OK)
		cfg_tg_targets(c, arr, tg);
	tg->target_type = arr ? MODEL_TARGET_IP : MODEL_TARGET_INSTANCE;
	if (cfg_enum(c, o, "TargetType", &ttype_choice, &ttype) == CFG_OK) {
		tg->target_type = (enum model_target_type)ttype;
		if (ttype == MODEL_TARGET_INSTANCE && arr && json_object_array_length(arr)) {
			cfg_in(c, "TargetType");
			cfg_error(
				c,
				"expected \"ip\" for a group that lists its Targets by address (instances are registered by auto-scaling groups), got %s",
				GOT(c, cfg_member(o, "TargetType")));
			cfg_out(c);
		}
	}
}

/* How targets are probed: HealthCheckEnabled, HealthCheckProtocol, HealthCheckPort and
 * HealthCheckPath.
 */
static void cfg_tg_probe(struct cfg *c, struct json_object *o, struct model_tg *tg)
{
	static const char *const hcp[] = { "TCP", "HTTP", NULL };
	static const char *const hcp_no[] = { "HTTPS", "UDP", "TLS", "TCP_UDP", "GENEVE", NULL };
	static const struct cfg_choice hcp_choice = {
		hcp, hcp_no, "xlb probes with TCP connects and plain HTTP GETs", false
	};
	struct json_object *v;
	bool enabled = true;
	const char *s;
	int e;

	if (cfg_bool(c, o, "HealthCheckEnabled", &enabled) == CFG_OK && !enabled) {
		cfg_in(c, "HealthCheckEnabled");
		cfg_error(
			c,
			"expected true: health checks of instance and ip targets cannot be turned off (as in AWS), got false");
		cfg_out(c);
	}
	tg->hc.protocol = tg->protocol == MODEL_PROTO_HTTP ? MODEL_HC_HTTP : MODEL_HC_TCP;
	if (cfg_enum(c, o, "HealthCheckProtocol", &hcp_choice, &e) == CFG_OK) {
		tg->hc.protocol = (enum model_hc_proto)e;
		if (e == MODEL_HC_TCP && tg->protocol == MODEL_PROTO_HTTP) {
			cfg_in(c, "HealthCheckProtocol");
			cfg_error(
				c,
				"expected \"HTTP\": HTTP target groups are not health-checked with TCP (as in AWS), got \"TCP\"");
			cfg_out(c);
		}
	}
	if ((v = cfg_member(o, "HealthCheckPort"))) {
		int64_t x;

		cfg_in(c, "HealthCheckPort");
		s = json_object_get_string(v);
		if (json_object_is_type(v, json_type_string) && !strcmp(s, "traffic-port"))
			tg->hc.port = 0;
		else if (cfg_as_int(v, &x) && x >= 1 && x <= 65535)
			tg->hc.port = (uint16_t)x;
		else
			cfg_error(c, "expected \"traffic-port\" or a port 1..65535, got %s",
				  GOT(c, v));
		cfg_out(c);
	}
	tg->hc.path = cfg_strdup(c, "/");
	if (cfg_str(c, o, "HealthCheckPath", 1, 1024, "a path such as \"/health\"", &s) == CFG_OK) {
		cfg_in(c, "HealthCheckPath");
		if (s[0] != '/') {
			cfg_error(c, "expected a path starting with '/', got %s",
				  GOT(c, cfg_member(o, "HealthCheckPath")));
		} else {
			free(tg->hc.path);
			tg->hc.path = cfg_strdup(c, s);
			if (tg->hc.protocol != MODEL_HC_HTTP)
				cfg_warn_key(c, "has no effect on TCP health checks");
		}
		cfg_out(c);
	}
}

/* When targets are probed and how many results turn them: interval, timeout, thresholds. */
static void cfg_tg_timing(struct cfg *c, struct json_object *o, struct model_tg *tg)
{
	bool timeout_given;

	/* AWS's defaults: 30 s, 5 healthy, 2 unhealthy; timeout 5 s for HTTP (ALB) groups, and
	 * for the others (NLB) 6 s with HTTP checks, 10 s with TCP checks
	 */
	tg->hc.interval_s = 30;
	tg->hc.healthy_threshold = 5;
	tg->hc.unhealthy_threshold = 2;
	tg->hc.timeout_s = tg->protocol == MODEL_PROTO_HTTP ? 5 :
			   tg->hc.protocol == MODEL_HC_HTTP ? 6 :
							      10;
	cfg_u32(c, o, "HealthCheckIntervalSeconds", 5, 300, &tg->hc.interval_s);
	timeout_given = cfg_u32(c, o, "HealthCheckTimeoutSeconds", 2, 120, &tg->hc.timeout_s) ==
			CFG_OK;
	cfg_u32(c, o, "HealthyThresholdCount", 2, 10, &tg->hc.healthy_threshold);
	cfg_u32(c, o, "UnhealthyThresholdCount", 2, 10, &tg->hc.unhealthy_threshold);
	if (tg->hc.timeout_s >= tg->hc.interval_s) {
		if (timeout_given) {
			cfg_in(c, "HealthCheckTimeoutSeconds");
			cfg_error(c, "expected less than HealthCheckIntervalSeconds (%u), got %u",
				  tg->hc.interval_s, tg->hc.timeout_s);
		} else {
			cfg_in(c, "HealthCheckIntervalSeconds");
			cfg_error(
				c,
				"expected more than HealthCheckTimeoutSeconds (%u, the default here), got %u",
				tg->hc.timeout_s, tg->hc.interval_s);
		}
		cfg_out(c);
	}
}

/* The members of ModifyTargetGroup that xlb takes: a target group's health check. */
static const char *const cfg_tg_hc_members[] = {
	"HealthCheckProtocol",	     "HealthCheckPort",
	"HealthCheckPath",	     "HealthCheckIntervalSeconds",
	"HealthCheckTimeoutSeconds", "HealthyThresholdCount",
	"UnhealthyThresholdCount",   "Matcher",
	"HealthCheckEnabled",	     NULL
};

/* tg's health check as the file would write it. */
static struct json_object *cfg_tg_hc_json(const struct model_tg *tg)
{
	struct json_object *o = json_object_new_object(), *m;
	bool http = tg->hc.protocol == MODEL_HC_HTTP;

	if (!o)
		return NULL;
	json_object_object_add(o, "HealthCheckProtocol",
			       json_object_new_string(http ? "HTTP" : "TCP"));
	if (tg->hc.port)
		json_object_object_add(o, "HealthCheckPort", json_object_new_int(tg->hc.port));
	else
		json_object_object_add(o, "HealthCheckPort",
				       json_object_new_string("traffic-port"));
	json_object_object_add(o, "HealthCheckIntervalSeconds",
			       json_object_new_int((int)tg->hc.interval_s));
	json_object_object_add(o, "HealthCheckTimeoutSeconds",
			       json_object_new_int((int)tg->hc.timeout_s));
	json_object_object_add(o, "HealthyThresholdCount",
			       json_object_new_int((int)tg->hc.healthy_threshold));
	json_object_object_add(o, "UnhealthyThresholdCount",
			       json_object_new_int((int)tg->hc.unhealthy_threshold));
	if (http) {
		json_object_object_add(o, "HealthCheckPath",
				       json_object_new_string(tg->hc.path ? tg->hc.path : "/"));
		m = json_object_new_object();
		json_object_object_add(
			m, "HttpCode",
			json_object_new_string(tg->hc.matcher_text ? tg->hc.matcher_text : "200"));
		json_object_object_add(o, "Matcher", m);
	}
	return o;
}

int config_tg_hc_value(const struct model_tg *tg, const char *member, char *buf, size_t len)
{
	struct json_object *o = cfg_tg_hc_json(tg), *v = NULL;
	int ret = -ENOENT;

	if (o && json_object_object_get_ex(o, member, &v)) {
		snprintf(buf, len, "%s",
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		ret = 0;
	}
	json_object_put(o);
	return ret;
}

int config_tg_health_check(struct model_tg *tg, const char *verb, const char *text,
			   struct config_error *err)
{
	struct json_object *req = json_tokener_parse(text), *o = cfg_tg_hc_json(tg);
	struct model scratch;
	struct cfg c;
	size_t i;
	int ret = -ENOMEM;

	memset(err, 0, sizeof(*err));
	/* o holds copies of them: from here on tg's are its own */
	tg->hc.path = NULL;
	tg->hc.matcher_text = NULL;
	if (!o || !req || !json_object_is_type(req, json_type_object)) {
		ret = o && req ? -EINVAL : -ENOMEM;
		goto out;
	}
	/* the request's members over the group's own: the reader then sees a whole health check */
	json_object_object_foreach(req, k, v)
	{
		if (!cfg_in_list(cfg_tg_hc_members, k)) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s: %s is not a health check setting of a target group", verb, k);
			err->count = 1;
			ret = -EINVAL;
			goto out;
		}
		json_object_object_add(o, k, json_object_get(v));
	}
	cfg_lb_scratch(&c, &scratch, verb,
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE),
		       err);
	cfg_tg_probe(&c, o, tg);
	cfg_tg_timing(&c, o, tg);
	cfg_tg_matcher(&c, o, tg);
	ret = c.nomem ? -ENOMEM : err->count ? -EINVAL : 0;
	for (i = 0; i < scratch.nwarnings; i++)
		free(scratch.warnings[i]);
	free(scratch.warnings);
out:
	json_object_put(req);
	json_object_put(o);
	return ret;
}

void config_tg_hc_free(struct model_tg *tg)
{
	free(tg->hc.path);
	free(tg->hc.matcher_text);
	tg->hc.path = NULL;
	tg->hc.matcher_text = NULL;
}

void cfg_tg(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "TargetGroupName", "Name", NULL };
	struct model *m = c->m;
	struct model_tg *tg = cfg_push(c, &m->tgs, &m->ntgs, sizeof(*tg));
	uint32_t port = 0;
	int e;

	if (!tg || !cfg_is_object(c, o, "a target group object"))
		return;
	tg->name = cfg_obj_name(c, o, names, "TargetGroupArn", CONFIG_ARN_TARGET_GROUP,
				CFG_NAME_ELB, "a target group");
	DUP_NAME(c, tg->name, m->tgs, idx, "TargetGroups", "target group");

	if (cfg_need(c, o, "Protocol", cfg_enum(c, o, "Protocol", &cfg_proto_choice, &e),
		     "one of TCP, UDP, TCP_UDP, HTTP") == CFG_OK)
		tg->protocol = (enum model_proto)e;
	if (cfg_need(c, o, "Port", cfg_u32(c, o, "Port", 1, 65535, &port),
		     "the port targets serve on, 1..65535") == CFG_OK)
		tg->port = (uint16_t)port;
	cfg_tg_type(c, o, tg);
	cfg_tg_family(c, o, tg);
	cfg_tg_probe(c, o, tg);
	cfg_tg_timing(c, o, tg);
	cfg_tg_matcher(c, o, tg);

	tg->dereg_delay_s = 300;
	cfg_tg_attrs(c, o, "Attributes", tg);
	cfg_tg_attrs(c, o, "TargetGroupAttributes", tg);
	/* AWS: no slow start with the least outstanding requests algorithm */
	if (tg->slow_start_s && tg->algo == MODEL_ALGO_LOR)
		cfg_error(
			c,
			"slow_start.duration_seconds %u with load_balancing.algorithm.type "
			"least_outstanding_requests: AWS allows no slow start with that algorithm",
			tg->slow_start_s);
	if (tg->sticky && tg->sticky_type != MODEL_STICKY_SOURCE_IP)
		cfg_warn(c,
			 "stickiness.type %s has no effect here: xlb sees no HTTP cookies "
			 "(source_ip works)",
			 cfg_sticky_types[tg->sticky_type]);
	cfg_finish(c, o, cfg_tg_typed, cfg_tg_kept, &tg->extras);
}

const char *const cfg_modes[] = { "nat", "dsr", "ipip", NULL };
static const struct cfg_choice cfg_mode_choice = { cfg_modes, NULL, NULL, true };

/* Which target group protocols a listener may forward to. */
static bool cfg_proto_fits(enum model_proto l, enum model_proto t)
{
	switch (l) {
	case MODEL_PROTO_HTTP:
		return t == MODEL_PROTO_HTTP;
	case MODEL_PROTO_TCP:
		return t == MODEL_PROTO_TCP || t == MODEL_PROTO_TCP_UDP;
	case MODEL_PROTO_UDP:
		return t == MODEL_PROTO_UDP || t == MODEL_PROTO_TCP_UDP;
	case MODEL_PROTO_TCP_UDP:
		return t == MODEL_PROTO_TCP_UDP;
	}
	return false;
}

/* Layer 4 protocols a listener takes: bit 0 TCP, bit 1 UDP. */
static unsigned int cfg_l4(enum model_proto p)
{
	return p == MODEL_PROTO_UDP ? 2u : p == MODEL_PROTO_TCP_UDP ? 3u : 1u;
}

/* One target group of a forward action at the current path. */
static void cfg_forward_add(struct cfg *c, struct model_listener *l, struct json_object *v,
			    uint32_t weight)
{
	struct model_tg *tg = cfg_v_tg(c, v);
	size_t i;

	if (!tg)
		return;
	for (i = 0; i < l->nfwd; i++) {
		if (l->fwd[i].tg == tg) {
			cfg_error(c, "expected each target group once, got %s again", tg->name);
			return;
		}
	}
	if (l->nfwd == MODEL_FORWARD_MAX) {
		cfg_error(c,
			  "expected at most %d target groups in one forward action (AWS's limit)",
			  MODEL_FORWARD_MAX);
		return;
	}
	if (!c->proto_bad && !cfg_proto_fits(l->protocol, tg->protocol)) {
		static const char *const fits[] = { "TCP or TCP_UDP", "UDP or TCP_UDP", "TCP_UDP",
						    "HTTP" };

		cfg_error(
			c,
			"expected a target group of protocol %s for this %s listener, got %s (%s)",
			fits[l->protocol], cfg_protos[l->protocol], tg->name,
			cfg_protos[tg->protocol]);
		return;
	}
	l->fwd[l->nfwd].tg = tg;
	l->fwd[l->nfwd].weight = weight;
	l->nfwd++;
}

static void cfg_forward_config(struct cfg *c, struct json_object *fc, struct model_listener *l)
{
	static const char *const typed[] = { "TargetGroups", NULL };
	static const char *const kept[] = { "TargetGroupStickinessConfig", NULL };
	static const char *const tg_typed[] = { "TargetGroupArn", "TargetGroupARN", "Weight",
						NULL };
	struct json_object *arr;
	uint32_t total = 0;
	size_t i;

	cfg_in(c, "ForwardConfig");
	if (!cfg_is_object(c, fc, "an object with \"TargetGroups\""))
		goto out;
	if (cfg_need(c, fc, "TargetGroups",
		     cfg_array(c, fc, "TargetGroups",
			       "{\"TargetGroupArn\": ..., \"Weight\": ...} objects", &arr),
		     "a list of target groups") != CFG_OK)
		goto finish;
	cfg_in(c, "TargetGroups");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *t = json_object_array_get_idx(arr, i), *ref;
		uint32_t weight = 1;

		cfg_at(c, i);
		if (!cfg_is_object(c, t, "a {\"TargetGroupArn\": ..., \"Weight\": ...} object"))
			goto next;
		cfg_u32(c, t, "Weight", 0, 999, &weight);
		ref = cfg_member(t, "TargetGroupArn");
		if (!ref)
			ref = cfg_member(t, "TargetGroupARN");
		if (!ref) {
			cfg_missing(c, "TargetGroupArn", "a target group name or ARN");
		} else {
			cfg_in(c, cfg_member(t, "TargetGroupArn") ? "TargetGroupArn" :
								    "TargetGroupARN");
			cfg_forward_add(c, l, ref, weight);
			total += weight;
			cfg_out(c);
		}
		cfg_finish(c, t, tg_typed, NULL, NULL);
next:
		cfg_out(c);
	}
	if (l->nfwd && !total)
		cfg_error(c, "expected at least one target group with a weight above 0");
	cfg_out(c);
finish:
	cfg_finish(c, fc, typed, kept, NULL);
out:
	cfg_out(c);
}

static void cfg_actions(struct cfg *c, struct json_object *o, struct model_listener *l)
{
	static const char *const typed[] = { "Type",	       "TargetGroupArn",
					     "TargetGroupARN", "TargetGroupName",
					     "ForwardConfig",  NULL };
	static const char *const kept[] = { "Order", NULL };
	static const char *const types[] = { "forward", NULL };
	static const char *const types_no[] = { "redirect", "fixed-response", "authenticate-oidc",
						"authenticate-cognito", NULL };
	static const struct cfg_choice type_choice = {
		types, types_no, "xlb forwards packets at layer 4 and answers no HTTP itself", false
	};
	struct json_object *arr;
	size_t i, forwards = 0;

	if (cfg_need(c, o, "DefaultActions",
		     cfg_array(c, o, "DefaultActions", "action objects", &arr),
		     "[{\"Type\": \"forward\", \"TargetGroupArn\": ...}]") != CFG_OK)
		return;
	cfg_in(c, "DefaultActions");
	if (!json_object_array_length(arr))
		cfg_error(c, "expected one forward action, got an empty list");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *a = json_object_array_get_idx(arr, i), *ref, *fc;
		const char *rkey = "TargetGroupArn";
		int t;

		cfg_at(c, i);
		if (!cfg_is_object(c, a, "an action object {\"Type\": \"forward\", ...}"))
			goto next;
		if (cfg_need(c, a, "Type", cfg_enum(c, a, "Type", &type_choice, &t),
			     "\"forward\"") != CFG_OK)
			goto finish;
		if (++forwards > 1) {
			cfg_error(c, "expected one forward action, got a second one");
			goto finish;
		}
		ref = cfg_member(a, rkey);
		if (!ref && (ref = cfg_member(a, "TargetGroupARN")))
			rkey = "TargetGroupARN";
		if (!ref && (ref = cfg_member(a, "TargetGroupName")))
			rkey = "TargetGroupName";
		fc = cfg_member(a, "ForwardConfig");
		if (fc) {
			cfg_forward_config(c, fc, l);
			if (ref) {
				char name[512];

				cfg_in(c, rkey);
				if (cfg_v_ref(c, ref, CONFIG_ARN_TARGET_GROUP, "a target group",
					      name, sizeof(name)) == CFG_OK &&
				    !(l->nfwd == 1 &&
				      FIND(c->m->tgs, c->m->ntgs, name) == l->fwd[0].tg))
					cfg_error(
						c,
						"expected the one target group of ForwardConfig, or no %s beside it",
						rkey);
				cfg_out(c);
			}
		} else if (ref) {
			cfg_in(c, rkey);
			cfg_forward_add(c, l, ref, 1);
			cfg_out(c);
		} else {
			cfg_missing(c, "TargetGroupArn",
				    "the target group to forward to (name or ARN)");
		}
finish:
		cfg_finish(c, a, typed, kept, NULL);
next:
		cfg_out(c);
	}
	cfg_out(c);
}

/* The load balancer a top-level listener belongs to: the one it names, else the file's only
 * one, else the implicit "default" one when the file has none.
 */
static struct model_lb *cfg_listener_lb(struct cfg *c, struct json_object *o, size_t nfile_lbs)
{
	static const char *const keys[] = { "LoadBalancerArn", "LoadBalancerARN",
					    "LoadBalancerName", NULL };
	struct model *m = c->m;
	struct model_lb *lb;
	char name[512];
	size_t i;

	for (i = 0; keys[i]; i++) {
		struct json_object *v = cfg_member(o, keys[i]);

		if (!v)
			continue;
		cfg_in(c, keys[i]);
		lb = NULL;
		if (cfg_v_ref(c, v, CONFIG_ARN_LOAD_BALANCER, "a load balancer", name,
			      sizeof(name)) == CFG_OK) {
			lb = FIND(m->lbs, m->nlbs, name);
			if (!lb)
				cfg_error(c, "expected a load balancer of this file (%s), got %s",
					  KNOWN(m->lbs, nfile_lbs), GOT(c, v));
		}
		cfg_out(c);
		return lb;
	}
	if (nfile_lbs == 1)
		return &m->lbs[0];
	if (nfile_lbs > 1) {
		cfg_missing(c, "LoadBalancerArn",
			    "the load balancer of this listener: the file has several (%s)",
			    KNOWN(m->lbs, nfile_lbs));
		return NULL;
	}
	lb = FIND(m->lbs, m->nlbs, MODEL_DEFAULT_LB);
	if (lb)
		return lb;
	lb = cfg_push(c, &m->lbs, &m->nlbs, sizeof(*lb));
	if (!lb)
		return NULL;
	lb->name = cfg_strdup(c, MODEL_DEFAULT_LB);
	lb->implicit = true;
	return lb;
}

static const char *const cfg_listener_typed[] = { "Port",
						  "Protocol",
						  "DefaultActions",
						  "XlbForwardingMode",
						  "LoadBalancerArn",
						  "LoadBalancerARN",
						  "LoadBalancerName",
						  NULL };
static const char *const cfg_listener_kept[] = {
	"Certificates",		"SslPolicy", "AlpnPolicy", "ListenerArn", "Tags",
	"MutualAuthentication", NULL
};

/* A listener object; lb is its load balancer when nested in one, NULL at the top level. */
void cfg_listener(struct cfg *c, struct json_object *o, struct model_lb *lb, size_t nfile_lbs)
{
	struct model_listener l = { 0 }, *slot;
	char path[256];
	uint32_t port = 0;
	size_t i, j;
	int e;

	if (!cfg_is_object(c, o, "a listener object"))
		return;
	cfg_path_format(c->path, c->depth, path, sizeof(path));
	l.where = cfg_strdup(c, path);
	{
		struct cfg_loc loc = cfg_locate(c->text, c->len, c->path, c->depth, false);
		int col;

		cfg_linecol(c->text, c->len, loc.off, &l.line, &col);
	}
	if (cfg_need(c, o, "Port", cfg_u32(c, o, "Port", 1, 65535, &port),
		     "the port to listen on, 1..65535") == CFG_OK)
		l.port = (uint16_t)port;
	c->proto_bad = cfg_need(c, o, "Protocol", cfg_enum(c, o, "Protocol", &cfg_proto_choice, &e),
				"one of TCP, UDP, TCP_UDP, HTTP") != CFG_OK;
	if (!c->proto_bad)
		l.protocol = (enum model_proto)e;
	if (!lb) {
		lb = cfg_listener_lb(c, o, nfile_lbs);
	} else if (cfg_member(o, "LoadBalancerArn") || cfg_member(o, "LoadBalancerName")) {
		cfg_in(c,
		       cfg_member(o, "LoadBalancerArn") ? "LoadBalancerArn" : "LoadBalancerName");
		cfg_warn_key(c, "ignored: this listener belongs to the load balancer around it");
		cfg_out(c);
	}
	l.mode = lb ? lb->mode : MODEL_MODE_NAT;
	if (cfg_enum(c, o, "XlbForwardingMode", &cfg_mode_choice, &e) == CFG_OK)
		l.mode = (enum model_mode)e;
	if (lb && lb->type != MODEL_LB_ANY && !c->proto_bad &&
	    (lb->type == MODEL_LB_APPLICATION) != (l.protocol == MODEL_PROTO_HTTP)) {
		cfg_in(c, "Protocol");
		cfg_error(c, "expected %s on %s load balancer, got %s",
			  lb->type == MODEL_LB_APPLICATION ? "HTTP" : "TCP, UDP or TCP_UDP",
			  lb->type == MODEL_LB_APPLICATION ? "an application" : "a network",
			  GOT(c, cfg_member(o, "Protocol")));
		cfg_out(c);
	}
	cfg_actions(c, o, &l);
	/* dsr and ipip deliver the packet as the client sent it: the port cannot change */
	for (i = 0; i < l.nfwd && l.mode != MODEL_MODE_NAT && port; i++) {
		const struct model_tg *tg = l.fwd[i].tg;
		bool bad = tg->port != l.port;

		for (j = 0; j < tg->ntargets; j++)
			bad |= tg->targets[j].port && tg->targets[j].port != l.port;
		if (bad) {
			cfg_in(c, "XlbForwardingMode");
			cfg_error(
				c,
				"expected \"nat\": %s keeps the destination port, and target group %s serves on another port than %u",
				cfg_modes[l.mode], tg->name, l.port);
			cfg_out(c);
		}
	}
	for (i = 0; lb && port && i < lb->nlisteners; i++) {
		const struct model_listener *p = &lb->listeners[i];

		if (p->port == l.port && (cfg_l4(p->protocol) & cfg_l4(l.protocol))) {
			cfg_in(c, "Port");
			cfg_error(
				c,
				"expected a port that no other listener of load balancer %s takes, got %u (also %s at line %d)",
				lb->name, l.port, p->where, p->line);
			cfg_out(c);
			break;
		}
	}
	cfg_finish(c, o, cfg_listener_typed, cfg_listener_kept, &l.extras);
	if (lb && (slot = cfg_push(c, &lb->listeners, &lb->nlisteners, sizeof(*slot)))) {
		*slot = l;
		return;
	}
	free(l.where);
	cfg_extras_free(&l.extras);
}

static bool cfg_ifname_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len < 1 || len > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || cfg_is_space(s[i]) || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

static void cfg_lb_addr(struct cfg *c, struct json_object *v, struct model_lb *lb)
{
	struct model_addr a, *slot;
	char buf[64];
	size_t i, j;

	if (cfg_v_addr(c, v, "an IPv4 or IPv6 address", &a) != CFG_OK)
		return;
	for (i = 0; i < c->m->nlbs; i++) {
		const struct model_lb *other = &c->m->lbs[i];

		for (j = 0; j < other->naddrs; j++) {
			if (cfg_addr_eq(&other->addrs[j], &a)) {
				cfg_error(
					c,
					"expected an address no load balancer has yet, got %s (%s has it)",
					cfg_addr_str(&a, buf, sizeof(buf)),
					other == lb ? "this one" : other->name);
				return;
			}
		}
	}
	slot = cfg_push(c, &lb->addrs, &lb->naddrs, sizeof(*slot));
	if (slot)
		*slot = a;
}

static const char *const cfg_lb_typed[] = {
	"Name",		 "LoadBalancerName",  "LoadBalancerArn", "Type",	   "XlbAddresses",
	"XlbInterfaces", "XlbForwardingMode", "Listeners",	 "SubnetMappings", NULL
};
static const char *const cfg_lb_kept[] = { "Subnets",
					   "SecurityGroups",
					   "Scheme",
					   "Tags",
					   "IpAddressType",
					   "CustomerOwnedIpv4Pool",
					   "DNSName",
					   "CanonicalHostedZoneId",
					   "AvailabilityZones",
					   "State",
					   "VpcId",
					   "CreatedTime",
					   "LoadBalancerAttributes",
					   "EnablePrefixForIpv6SourceNat",
					   NULL };

void cfg_lb(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "Name", "LoadBalancerName", NULL };
	static const char *const types[] = { "application", "network", NULL };
	static const char *const types_no[] = { "gateway", NULL };
	static const struct cfg_choice type_choice = {
		types, types_no, "gateway load balancers front appliances over GENEVE", false
	};
	static const char *const sm_typed[] = { "PrivateIPv4Address", "IPv6Address", NULL };
	static const char *const sm_kept[] = { "SubnetId", "AllocationId", "SourceNatIpv6Prefix",
					       NULL };
	struct model *m = c->m;
	struct model_lb *lb = cfg_push(c, &m->lbs, &m->nlbs, sizeof(*lb));
	struct json_object *arr;
	size_t i;
	int e;

	if (!lb || !cfg_is_object(c, o, "a load balancer object"))
		return;
	lb->name = cfg_obj_name(c, o, names, "LoadBalancerArn", CONFIG_ARN_LOAD_BALANCER,
				CFG_NAME_ELB, "a load balancer");
	DUP_NAME(c, lb->name, m->lbs, idx, "LoadBalancers", "load balancer");
	if (cfg_enum(c, o, "Type", &type_choice, &e) == CFG_OK)
		lb->type = (enum model_lb_type)(e + 1);
	if (cfg_enum(c, o, "XlbForwardingMode", &cfg_mode_choice, &e) == CFG_OK)
		lb->mode = (enum model_mode)e;
	if (cfg_array(c, o, "XlbAddresses", "addresses", &arr) == CFG_OK) {
		cfg_in(c, "XlbAddresses");
		for (i = 0; i < json_object_array_length(arr); i++) {
			cfg_at(c, i);
			cfg_lb_addr(c, json_object_array_get_idx(arr, i), lb);
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (cfg_array(c, o, "SubnetMappings", "subnet mapping objects", &arr) == CFG_OK) {
		cfg_in(c, "SubnetMappings");
		for (i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *sm = json_object_array_get_idx(arr, i), *v;

			cfg_at(c, i);
			if (cfg_is_object(c, sm, "a subnet mapping object")) {
				for (const char *const *k = sm_typed; *k; k++) {
					if (!(v = cfg_member(sm, *k)))
						continue;
					cfg_in(c, *k);
					cfg_lb_addr(c, v, lb);
					cfg_out(c);
				}
				cfg_finish(c, sm, sm_typed, sm_kept, NULL);
			}
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (cfg_array(c, o, "XlbInterfaces", "interface names", &arr) == CFG_OK) {
		cfg_in(c, "XlbInterfaces");
		for (i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *v = json_object_array_get_idx(arr, i);
			const char *s;
			char **slot;

			cfg_at(c, i);
			if (cfg_v_str(c, v, 1, 15, "an interface name", &s) == CFG_OK) {
				if (!cfg_ifname_ok(s))
					cfg_error(
						c,
						"expected an interface name (no '/', ':' or spaces), got %s",
						GOT(c, v));
				else if ((slot = cfg_push(c, &lb->ifaces, &lb->nifaces,
							  sizeof(*slot))))
					*slot = cfg_strdup(c, s);
			}
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (cfg_array(c, o, "Listeners", "listener objects", &arr) == CFG_OK) {
		cfg_in(c, "Listeners");
		for (i = 0; i < json_object_array_length(arr); i++) {
			cfg_at(c, i);
			/* lb stays valid: a nested listener never adds a load balancer */
			cfg_listener(c, json_object_array_get_idx(arr, i), lb, 0);
			cfg_out(c);
		}
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_lb_typed, cfg_lb_kept, &lb->extras);
}
