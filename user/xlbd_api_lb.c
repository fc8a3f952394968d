// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd's elbv2 verbs: describe-load-balancers, describe-target-groups, describe-listeners,
 * describe-target-group-attributes and modify-target-group-attributes. The descriptions come
 * from the running model (the file as loaded) and, for attributes, from what
 * modify-target-group-attributes set over it (ctl.c); the replies are shaped as the AWS CLI
 * prints elbv2's, with xlb's own members named Xlb*.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api.h"
#include "config.h"
#include "ctl.h"
#include "tgstate.h"
#include "xlbd_internal.h"

#define XLBD_ARN_ELB "arn:aws:elasticloadbalancing:local:000000000000:"
#define XLBD_ERR_LB_NOT_FOUND "LoadBalancerNotFound"

static const char *const xlbd_protos[] = { "TCP", "UDP", "TCP_UDP", "HTTP" };
static const char *const xlbd_modes[] = { "nat", "dsr", "ipip" };

static void xlbd_lb_arn(const struct model_lb *lb, char *buf, size_t len)
{
	snprintf(buf, len, XLBD_ARN_ELB "loadbalancer/%s/%s/xlb",
		 lb->type == MODEL_LB_APPLICATION ? "app" : "net", lb->name);
}

static void xlbd_tg_arn(const struct model_tg *tg, char *buf, size_t len)
{
	snprintf(buf, len, XLBD_ARN_ELB "targetgroup/%s/xlb", tg->name);
}

static struct json_object *xlbd_str(const char *s)
{
	return json_object_new_string(s);
}

/* Whether lb has a listener forwarding to tg. */
static bool xlbd_lb_uses(const struct model_lb *lb, const struct model_tg *tg)
{
	size_t i, j;

	for (i = 0; i < lb->nlisteners; i++)
		for (j = 0; j < lb->listeners[i].nfwd; j++)
			if (!strcmp(lb->listeners[i].fwd[j].tg->name, tg->name))
				return true;
	return false;
}

/* A names filter (an array of names or ARN-shaped strings) as kind's names; NULL: no filter. */
static bool xlbd_named(struct json_object *names, enum config_arn_kind kind, const char *name)
{
	char buf[256];
	size_t i;

	if (!names)
		return true;
	for (i = 0; i < json_object_array_length(names); i++)
		if (!config_arn_name(json_object_get_string(json_object_array_get_idx(names, i)),
				     kind, buf, sizeof(buf)) &&
		    !strcmp(buf, name))
			return true;
	return false;
}

/* The first name of names that matches none of the model's objects, for AWS's NotFound. */
static const char *xlbd_unmatched(struct json_object *names, enum config_arn_kind kind,
				  const struct model *m)
{
	size_t i;

	for (i = 0; names && i < json_object_array_length(names); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(names, i));

		if (kind == CONFIG_ARN_LOAD_BALANCER ? !model_lb_find(m, s) : !model_tg_find(m, s))
			return s;
	}
	return NULL;
}

static struct json_object *xlbd_lb_json(const struct model_lb *lb)
{
	struct json_object *o = json_object_new_object(), *st, *addrs, *ifs;
	char arn[600], ip[INET6_ADDRSTRLEN];
	bool v6 = false;
	size_t i;

	if (!o)
		return NULL;
	xlbd_lb_arn(lb, arn, sizeof(arn));
	json_object_object_add(o, "LoadBalancerArn", xlbd_str(arn));
	json_object_object_add(o, "LoadBalancerName", xlbd_str(lb->name));
	json_object_object_add(o, "Scheme", xlbd_str("internet-facing"));
	json_object_object_add(
		o, "Type", xlbd_str(lb->type == MODEL_LB_APPLICATION ? "application" : "network"));
	st = json_object_new_object();
	json_object_object_add(st, "Code", xlbd_str("active"));
	json_object_object_add(o, "State", st);
	addrs = json_object_new_array();
	for (i = 0; i < lb->naddrs; i++) {
		inet_ntop(lb->addrs[i].family, lb->addrs[i].bytes, ip, sizeof(ip));
		v6 |= lb->addrs[i].family == AF_INET6;
		json_object_array_add(addrs, xlbd_str(ip));
	}
	json_object_object_add(o, "IpAddressType", xlbd_str(v6 ? "dualstack" : "ipv4"));
	json_object_object_add(o, "XlbAddresses", addrs);
	ifs = json_object_new_array();
	for (i = 0; i < lb->nifaces; i++)
		json_object_array_add(ifs, xlbd_str(lb->ifaces[i]));
	json_object_object_add(o, "XlbInterfaces", ifs);
	json_object_object_add(o, "XlbForwardingMode", xlbd_str(xlbd_modes[lb->mode]));
	if (lb->implicit)
		json_object_object_add(o, "XlbImplicit", json_object_new_boolean(true));
	return o;
}

int xlbd_api_describe_lbs(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *names = NULL, *arns = NULL, *data, *list;
	const char *bad;
	size_t i;
	int err;

	err = api_arg_string_array(args, "Names", false, &names, reply);
	if (err && err != -ENOENT)
		return err;
	err = api_arg_string_array(args, "LoadBalancerArns", false, &arns, reply);
	if (err && err != -ENOENT)
		return err;
	if ((bad = xlbd_unmatched(names, CONFIG_ARN_LOAD_BALANCER, d->model)) ||
	    (bad = xlbd_unmatched(arns, CONFIG_ARN_LOAD_BALANCER, d->model)))
		return api_error(reply, XLBD_ERR_LB_NOT_FOUND, "Load balancer '%s' not found", bad);
	data = json_object_new_object();
	list = json_object_new_array();
	if (!data || !list) {
		json_object_put(data);
		json_object_put(list);
		return -ENOMEM;
	}
	for (i = 0; i < d->model->nlbs; i++) {
		const struct model_lb *lb = &d->model->lbs[i];

		if (xlbd_named(names, CONFIG_ARN_LOAD_BALANCER, lb->name) &&
		    xlbd_named(arns, CONFIG_ARN_LOAD_BALANCER, lb->name))
			json_object_array_add(list, xlbd_lb_json(lb));
	}
	json_object_object_add(data, "LoadBalancers", list);
	reply->data = data;
	return 0;
}

static struct json_object *xlbd_tg_json(const struct model *m, const struct model_tg *tg)
{
	struct json_object *o = json_object_new_object(), *lbs, *match;
	char arn[600], port[16];
	size_t i;

	if (!o)
		return NULL;
	xlbd_tg_arn(tg, arn, sizeof(arn));
	json_object_object_add(o, "TargetGroupArn", xlbd_str(arn));
	json_object_object_add(o, "TargetGroupName", xlbd_str(tg->name));
	json_object_object_add(o, "Protocol", xlbd_str(xlbd_protos[tg->protocol]));
	json_object_object_add(o, "Port", json_object_new_int(tg->port));
	json_object_object_add(o, "HealthCheckProtocol",
			       xlbd_str(tg->hc.protocol == MODEL_HC_HTTP ? "HTTP" : "TCP"));
	snprintf(port, sizeof(port), "%u", tg->hc.port);
	json_object_object_add(o, "HealthCheckPort", xlbd_str(tg->hc.port ? port : "traffic-port"));
	json_object_object_add(o, "HealthCheckEnabled", json_object_new_boolean(true));
	json_object_object_add(o, "HealthCheckIntervalSeconds",
			       json_object_new_int((int)tg->hc.interval_s));
	json_object_object_add(o, "HealthCheckTimeoutSeconds",
			       json_object_new_int((int)tg->hc.timeout_s));
	json_object_object_add(o, "HealthyThresholdCount",
			       json_object_new_int((int)tg->hc.healthy_threshold));
	json_object_object_add(o, "UnhealthyThresholdCount",
			       json_object_new_int((int)tg->hc.unhealthy_threshold));
	if (tg->hc.protocol == MODEL_HC_HTTP) {
		json_object_object_add(o, "HealthCheckPath",
				       xlbd_str(tg->hc.path ? tg->hc.path : "/"));
		match = json_object_new_object();
		json_object_object_add(match, "HttpCode",
				       xlbd_str(tg->hc.matcher_text ? tg->hc.matcher_text : ""));
		json_object_object_add(o, "Matcher", match);
	}
	lbs = json_object_new_array();
	for (i = 0; i < m->nlbs; i++) {
		if (!xlbd_lb_uses(&m->lbs[i], tg))
			continue;
		xlbd_lb_arn(&m->lbs[i], arn, sizeof(arn));
		json_object_array_add(lbs, xlbd_str(arn));
	}
	json_object_object_add(o, "LoadBalancerArns", lbs);
	json_object_object_add(o, "TargetType",
			       xlbd_str(tg->target_type == MODEL_TARGET_IP ? "ip" : "instance"));
	return o;
}

/* tg as it runs: its health check with what modify-target-group set over the file's. */
static struct json_object *xlbd_tg_running_json(struct xlbd *d, const struct model_tg *tg)
{
	struct json_object *o;
	struct model_tg eff;

	ctl_tg_effective(d->ctl, tg, &eff);
	o = xlbd_tg_json(d->model, &eff);
	ctl_tg_effective_free(tg, &eff);
	return o;
}

int xlbd_api_describe_tgs(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *names = NULL, *arns = NULL, *data, *list;
	const struct model_lb *lb = NULL;
	const char *lbref = NULL, *bad;
	size_t i;
	int err;

	err = api_arg_string_array(args, "Names", false, &names, reply);
	if (err && err != -ENOENT)
		return err;
	err = api_arg_string_array(args, "TargetGroupArns", false, &arns, reply);
	if (err && err != -ENOENT)
		return err;
	err = api_arg_string(args, "LoadBalancerArn", false, &lbref, reply);
	if (err && err != -ENOENT)
		return err;
	if (lbref && !(lb = model_lb_find(d->model, lbref)))
		return api_error(reply, XLBD_ERR_LB_NOT_FOUND, "Load balancer '%s' not found",
				 lbref);
	if ((bad = xlbd_unmatched(names, CONFIG_ARN_TARGET_GROUP, d->model)) ||
	    (bad = xlbd_unmatched(arns, CONFIG_ARN_TARGET_GROUP, d->model)))
		return api_error(reply, API_ERR_TG_NOT_FOUND,
				 "One or more target groups not found: '%s'", bad);
	data = json_object_new_object();
	list = json_object_new_array();
	if (!data || !list) {
		json_object_put(data);
		json_object_put(list);
		return -ENOMEM;
	}
	for (i = 0; i < d->model->ntgs; i++) {
		const struct model_tg *tg = &d->model->tgs[i];

		if (xlbd_named(names, CONFIG_ARN_TARGET_GROUP, tg->name) &&
		    xlbd_named(arns, CONFIG_ARN_TARGET_GROUP, tg->name) &&
		    (!lb || xlbd_lb_uses(lb, tg)))
			json_object_array_add(list, xlbd_tg_running_json(d, tg));
	}
	json_object_object_add(data, "TargetGroups", list);
	reply->data = data;
	return 0;
}

static struct json_object *xlbd_listener_json(const struct model_lb *lb,
					      const struct model_listener *l)
{
	struct json_object *o = json_object_new_object(), *acts, *act, *fc, *tgs, *t;
	char arn[600];
	size_t i;

	if (!o)
		return NULL;
	xlbd_lb_arn(lb, arn, sizeof(arn));
	json_object_object_add(o, "LoadBalancerArn", xlbd_str(arn));
	snprintf(arn, sizeof(arn), XLBD_ARN_ELB "listener/%s/%s/xlb/%u",
		 lb->type == MODEL_LB_APPLICATION ? "app" : "net", lb->name, l->port);
	json_object_object_add(o, "ListenerArn", xlbd_str(arn));
	json_object_object_add(o, "Port", json_object_new_int(l->port));
	json_object_object_add(o, "Protocol", xlbd_str(xlbd_protos[l->protocol]));
	acts = json_object_new_array();
	act = json_object_new_object();
	json_object_object_add(act, "Type", xlbd_str("forward"));
	if (l->nfwd == 1) {
		xlbd_tg_arn(l->fwd[0].tg, arn, sizeof(arn));
		json_object_object_add(act, "TargetGroupArn", xlbd_str(arn));
	}
	fc = json_object_new_object();
	tgs = json_object_new_array();
	for (i = 0; i < l->nfwd; i++) {
		t = json_object_new_object();
		xlbd_tg_arn(l->fwd[i].tg, arn, sizeof(arn));
		json_object_object_add(t, "TargetGroupArn", xlbd_str(arn));
		json_object_object_add(t, "Weight", json_object_new_int((int)l->fwd[i].weight));
		json_object_array_add(tgs, t);
	}
	json_object_object_add(fc, "TargetGroups", tgs);
	json_object_object_add(act, "ForwardConfig", fc);
	json_object_array_add(acts, act);
	json_object_object_add(o, "DefaultActions", acts);
	json_object_object_add(o, "XlbForwardingMode", xlbd_str(xlbd_modes[l->mode]));
	return o;
}

int xlbd_api_describe_listeners(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *data, *list;
	const struct model_lb *lb;
	const char *ref;
	size_t i;
	int err;

	err = api_arg_string(args, "LoadBalancerArn", true, &ref, reply);
	if (err)
		return err;
	lb = model_lb_find(d->model, ref);
	if (!lb)
		return api_error(reply, XLBD_ERR_LB_NOT_FOUND, "Load balancer '%s' not found", ref);
	data = json_object_new_object();
	list = json_object_new_array();
	if (!data || !list) {
		json_object_put(data);
		json_object_put(list);
		return -ENOMEM;
	}
	for (i = 0; i < lb->nlisteners; i++)
		json_object_array_add(list, xlbd_listener_json(lb, &lb->listeners[i]));
	json_object_object_add(data, "Listeners", list);
	reply->data = data;
	return 0;
}

/* The attributes describe-target-group-attributes lists, with xlb's default where the file
 * gives none (AWS's, or what xlb does when it lacks the feature).
 */
static const struct {
	const char *key;
	const char *dflt_alb, *dflt_nlb;
} xlbd_attrs[] = {
	{ "deregistration_delay.timeout_seconds", "300", "300" },
	{ "deregistration_delay.connection_termination.enabled", "false", "false" },
	{ "slow_start.duration_seconds", "0", "0" },
	{ "load_balancing.algorithm.type", "round_robin", "round_robin" },
	{ "stickiness.enabled", "false", "false" },
	{ "stickiness.type", "lb_cookie", "source_ip" },
};

/* {"Attributes": [{"Key", "Value"}]}: the running values, those set at run time first. */
static struct json_object *xlbd_attrs_json(struct xlbd *d, const struct model_tg *tg)
{
	struct json_object *data = json_object_new_object(), *list = json_object_new_array();
	bool alb = tg->protocol == MODEL_PROTO_HTTP;
	char buf[256];
	size_t i;

	if (!data || !list) {
		json_object_put(data);
		json_object_put(list);
		return NULL;
	}
	for (i = 0; i < sizeof(xlbd_attrs) / sizeof(xlbd_attrs[0]); i++) {
		const char *k = xlbd_attrs[i].key, *v = ctl_tg_attribute(d->ctl, tg->name, k);
		struct json_object *a = json_object_new_object();

		if (!v && !config_tg_attribute_value(tg, k, buf, sizeof(buf)))
			v = buf;
		if (!v)
			v = alb ? xlbd_attrs[i].dflt_alb : xlbd_attrs[i].dflt_nlb;
		json_object_object_add(a, "Key", xlbd_str(k));
		json_object_object_add(a, "Value", xlbd_str(v));
		json_object_array_add(list, a);
	}
	/* and whatever else the file gave, as it gave it */
	for (i = 0; i < tg->extras.n; i++) {
		const char *k = tg->extras.v[i].key;
		struct json_object *a;
		size_t j;

		if (strncmp(k, "Attributes.", 11))
			continue;
		k += 11;
		for (j = 0; j < sizeof(xlbd_attrs) / sizeof(xlbd_attrs[0]); j++)
			if (!strcmp(xlbd_attrs[j].key, k))
				break;
		if (j < sizeof(xlbd_attrs) / sizeof(xlbd_attrs[0]) ||
		    config_tg_attribute_value(tg, k, buf, sizeof(buf)))
			continue;
		a = json_object_new_object();
		json_object_object_add(a, "Key", xlbd_str(k));
		json_object_object_add(a, "Value", xlbd_str(buf));
		json_object_array_add(list, a);
	}
	json_object_object_add(data, "Attributes", list);
	return data;
}

int xlbd_api_describe_tg_attrs(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const struct model_tg *tg;
	const char *ref;
	int err;

	err = api_arg_string(args, "TargetGroupArn", true, &ref, reply);
	if (err)
		return err;
	tg = model_tg_find(d->model, ref);
	if (!tg)
		return api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", ref);
	reply->data = xlbd_attrs_json(d, tg);
	return reply->data ? 0 : -ENOMEM;
}

/* Attributes: [{"Key": str, "Value": str or a number or a boolean}], checked before use. */
static int xlbd_arg_attrs(struct json_object *args, const char ***keys, const char ***values,
			  size_t *n, struct api_reply *reply)
{
	struct json_object *arr = NULL;
	size_t i;

	if (!json_object_object_get_ex(args, "Attributes", &arr) ||
	    !json_object_is_type(arr, json_type_array) || !json_object_array_length(arr))
		return api_error(reply, API_ERR_VALIDATION,
				 "Attributes must be a non-empty list of {\"Key\", \"Value\"}");
	*n = json_object_array_length(arr);
	*keys = calloc(*n + 1, sizeof(**keys));
	*values = calloc(*n + 1, sizeof(**values));
	if (!*keys || !*values)
		return -ENOMEM;
	for (i = 0; i < *n; i++) {
		struct json_object *a = json_object_array_get_idx(arr, i), *k = NULL, *v = NULL;

		json_object_object_get_ex(a, "Key", &k);
		json_object_object_get_ex(a, "Value", &v);
		if (!json_object_is_type(k, json_type_string) || !v ||
		    json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array) ||
		    json_object_is_type(v, json_type_null))
			return api_error(reply, API_ERR_VALIDATION,
					 "Attributes[%zu] must be {\"Key\": string, \"Value\": "
					 "string}",
					 i);
		(*keys)[i] = json_object_get_string(k);
		(*values)[i] = json_object_get_string(v);
	}
	return 0;
}

int xlbd_api_modify_tg_attrs(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char **keys = NULL, **values = NULL;
	const struct model_tg *tg;
	const char *ref;
	char msg[API_MESSAGE_MAX] = "";
	size_t n = 0;
	int err;

	err = api_arg_string(args, "TargetGroupArn", true, &ref, reply);
	if (err)
		return err;
	tg = model_tg_find(d->model, ref);
	if (!tg)
		return api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", ref);
	err = xlbd_arg_attrs(args, &keys, &values, &n, reply);
	if (!err)
		err = ctl_tg_set_attributes(d->ctl, tg, keys, values, n, msg, sizeof(msg));
	if (err == -EINVAL && msg[0])
		err = api_error(reply, API_ERR_VALIDATION, "%s", msg);
	else if (err == -ENOENT)
		err = api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", ref);
	if (!err) {
		tgstate_save(d->run_dir, d->ctl, tg->name);
		reply->data = xlbd_attrs_json(d, tg);
		err = reply->data ? 0 : -ENOMEM;
	}
	free(keys);
	free(values);
	return err;
}

/* ModifyTargetGroup: the health check members of the request, read over the running ones. */
int xlbd_api_modify_tg(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *members, *data, *list;
	const struct model_tg *tg;
	char msg[API_MESSAGE_MAX] = "";
	const char *ref;
	int err;

	err = api_arg_string(args, "TargetGroupArn", true, &ref, reply);
	if (err)
		return err;
	tg = model_tg_find(d->model, ref);
	if (!tg)
		return api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", ref);
	members = json_object_new_object();
	if (!members)
		return -ENOMEM;
	json_object_object_foreach(args, k, v)
	{
		if (strcmp(k, "TargetGroupArn"))
			json_object_object_add(members, k, json_object_get(v));
	}
	if (!json_object_object_length(members)) {
		json_object_put(members);
		return api_error(reply, API_ERR_VALIDATION,
				 "nothing to modify: give a health check setting");
	}
	err = ctl_tg_modify(d->ctl, tg, json_object_to_json_string(members), msg, sizeof(msg));
	json_object_put(members);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	if (err == -ENOENT)
		return api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", ref);
	if (err)
		return err;
	tgstate_save(d->run_dir, d->ctl, tg->name);
	data = json_object_new_object();
	list = json_object_new_array();
	if (!data || !list) {
		json_object_put(data);
		json_object_put(list);
		return -ENOMEM;
	}
	json_object_array_add(list, xlbd_tg_running_json(d, tg));
	json_object_object_add(data, "TargetGroups", list);
	reply->data = data;
	return 0;
}
