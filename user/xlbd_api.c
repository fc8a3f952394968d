// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd's control-socket verbs: each reads its arguments as the AWS CLI names them, acts on the
 * running controller (ctl.c) or fleet (fleet.c), and replies in AWS's shapes (api.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "cluster.h"
#include "ctl.h"
#include "ctl_view.h"
#include "dpif.h"
#include "fleet.h"
#include "fleet_view.h"
#include "log.h"
#include "share.h"
#include "xlbd_internal.h"

int xlbd_no_group(struct api_reply *reply, const char *group)
{
	return api_error(reply, API_ERR_VALIDATION, "AutoScalingGroup name not found - %s", group);
}

int xlbd_group_result(struct api_reply *reply, int err, const char *group, const char *msg)
{
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err;
}

static void xlbd_iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int xlbd_api_status(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *data = json_object_new_object(), *w, *groups;
	char when[32];
	size_t i;
	int err;

	(void)args;
	if (!data)
		return -ENOMEM;
	json_object_object_add(data, "Version", json_object_new_string(XLBD_VERSION));
	json_object_object_add(data, "Pid", json_object_new_int(getpid()));
	json_object_object_add(data, "UptimeSeconds",
			       json_object_new_int64((int64_t)(loop_now() - d->started_ms) / 1000));
	json_object_object_add(data, "ConfigFile", json_object_new_string(d->config_path));
	xlbd_iso_time(d->loaded_at, when, sizeof(when));
	json_object_object_add(data, "ConfigLoadedTime", json_object_new_string(when));
	/* where xlbd attached the datapath: the hook asked (Xlb.Hook) and the one each got */
	json_object_object_add(data, "Hook",
			       json_object_new_string(dataplane_hook_name(
				       (enum dataplane_hook)d->model->settings.hook)));
	w = json_object_new_array();
	for (i = 0; w && i < d->nifs; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Name", json_object_new_string(d->ifs[i].name));
		json_object_object_add(o, "Role",
				       json_object_new_string(d->ifs[i].role == DATAPLANE_ROLE_NAT ?
								      "nat" :
								      "vip"));
		json_object_object_add(
			o, "Hook",
			json_object_new_string(!d->ifs[i].attached ?
						       "none" :
						       dataplane_hook_name(d->ifs[i].hook)));
		json_object_array_add(w, o);
	}
	if (w)
		json_object_object_add(data, "Interfaces", w);
	err = ctl_view_status(d->ctl, d->model, data);
	if (err) {
		json_object_put(data);
		return err;
	}
	groups = json_object_new_array();
	w = json_object_new_array();
	for (i = 0; i < d->model->nwarnings; i++)
		json_object_array_add(w, json_object_new_string(d->model->warnings[i]));
	fleet_view_status(d->fleet, groups, w);
	if (d->cluster)
		cluster_status(d->cluster, data);
	share_status(d->share, data);
	json_object_object_add(data, "AutoScalingGroups", groups);
	if (json_object_array_length(w))
		json_object_object_add(data, "Warnings", w);
	else
		json_object_put(w);
	reply->data = data;
	return 0;
}

/* A Targets filter entry matches t (a description ctl built) when its Id is t's and its Port,
 * if given, too.
 */
static bool xlbd_target_wanted(const struct api_target *want, size_t nwant, struct json_object *t)
{
	struct json_object *id = NULL, *port = NULL;
	const char *tid;
	size_t i;

	json_object_object_get_ex(t, "Id", &id);
	json_object_object_get_ex(t, "Port", &port);
	tid = json_object_get_string(id);
	for (i = 0; tid && i < nwant; i++) {
		if (strcmp(want[i].id, tid))
			continue;
		if (want[i].port && want[i].port != json_object_get_int(port))
			continue;
		return true;
	}
	return false;
}

static int xlbd_api_health(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *data = NULL, *all = NULL, *keep, *t;
	struct api_target *want = NULL;
	size_t i, nwant = 0;
	bool filter;
	const char *tg;
	int err;

	err = api_arg_string(args, "TargetGroupArn", true, &tg, reply);
	if (err)
		return err;
	err = api_arg_targets(args, "Targets", false, false, &want, &nwant, reply);
	if (err && err != -ENOENT)
		return err;
	filter = !err;
	err = ctl_view_target_health(d->ctl, tg, &data);
	if (err == -ENOENT)
		err = api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", tg);
	if (err)
		goto out;
	if (filter) {
		json_object_object_get_ex(data, "TargetHealthDescriptions", &all);
		keep = json_object_new_array();
		if (!keep) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < json_object_array_length(all); i++) {
			struct json_object *o = json_object_array_get_idx(all, i);

			t = NULL;
			json_object_object_get_ex(o, "Target", &t);
			if (xlbd_target_wanted(want, nwant, t))
				json_object_array_add(keep, json_object_get(o));
		}
		json_object_object_add(data, "TargetHealthDescriptions", keep);
	}
	reply->data = data;
	data = NULL;
out:
	json_object_put(data);
	free(want);
	return err;
}

/* A batch applies whole or not at all (ctl_register_batch): an error names the target. */
static int xlbd_api_targets(struct json_object *args, struct api_reply *reply, void *ctx, bool reg)
{
	struct xlbd *d = ctx;
	struct ctl_target_ref *refs = NULL;
	struct api_target *v = NULL;
	const char *tg, *ip = "";
	size_t i, n = 0, bad = 0;
	int err;

	err = api_arg_string(args, "TargetGroupArn", true, &tg, reply);
	err = err ? err : api_arg_targets(args, "Targets", true, true, &v, &n, reply);
	if (err)
		return err;
	refs = calloc(n, sizeof(*refs));
	if (!refs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		refs[i] = (struct ctl_target_ref){ .addr = v[i].id, .port = v[i].port };
	err = reg ? ctl_register_batch(d->ctl, tg, refs, n, &bad) :
		    ctl_deregister_batch(d->ctl, tg, refs, n, &bad);
	if (bad < n)
		ip = v[bad].id;
	if (err == -ENOENT)
		err = api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", tg);
	else if (err == -EINVAL)
		err = api_error(reply, API_ERR_INVALID_TARGET,
				"Targets[%zu]: '%s' is not an IP address (this xlbd registers "
				"targets by IP; instance ids need auto-scaling groups); no target "
				"of the request was %s",
				bad, ip, reg ? "registered" : "deregistered");
	else if (err == -ESRCH)
		err = api_error(reply, API_ERR_INVALID_TARGET,
				"Targets[%zu]: %s is not registered in target group '%s'; no "
				"target of the request was deregistered",
				bad, ip, tg);
	else if (err == -ENOSPC)
		err = api_error(reply, API_ERR_INVALID_TARGET,
				"Targets[%zu]: %s: no free backend slot (at most %d backends); no "
				"target of the request was registered",
				bad, ip, XLB_MAX_BACKENDS - 1);
out:
	free(refs);
	free(v);
	return err;
}

static int xlbd_api_register(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_targets(args, reply, ctx, true);
}

static int xlbd_api_deregister(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_targets(args, reply, ctx, false);
}

static int xlbd_api_reload(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct config_error cerr;
	struct json_object *data;
	int err;

	(void)args;
	err = xlbd_reload(d, &cerr);
	if (err == -EINVAL && cerr.count)
		return api_error(reply, API_ERR_VALIDATION, "%s%s", cerr.msg,
				 cerr.count > 1 ? " (and more errors: see xlbd --check)" : "");
	if (err && cerr.msg[0])
		return api_error(reply, API_ERR_VALIDATION, "%s", cerr.msg);
	if (err)
		return api_error(reply, API_ERR_INTERNAL, "applying %s: %s", d->config_path,
				 strerror(-err));
	data = json_object_new_object();
	if (data)
		json_object_object_add(data, "ConfigFile", json_object_new_string(d->config_path));
	reply->data = data;
	return 0;
}

void xlbd_collect(struct promhttp_buf *b, void *ctx)
{
	struct xlbd *d = ctx;

	ctl_view_metrics(d->ctl, b);
	fleet_view_metrics(d->fleet, b);
}

static int xlbd_api_metrics(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct promhttp_buf b;
	int err;

	(void)args;
	promhttp_buf_init(&b);
	xlbd_collect(&b, ctx);
	err = b.err;
	if (!err) {
		reply->data = json_object_new_object();
		if (reply->data)
			json_object_object_add(reply->data, "Text",
					       json_object_new_string_len(b.data ? b.data : "",
									  (int)b.len));
	}
	promhttp_buf_free(&b);
	return err;
}

static int xlbd_api_groups(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *names = NULL;
	const char **v = NULL;
	size_t i, n = 0;
	int err;

	err = api_arg_string_array(args, "AutoScalingGroupNames", false, &names, reply);
	if (err && err != -ENOENT)
		return err;
	if (names) {
		n = json_object_array_length(names);
		v = calloc(n + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			v[i] = json_object_get_string(json_object_array_get_idx(names, i));
	}
	err = fleet_view_describe(d->fleet, names ? v : NULL, n, &reply->data);
	free(v);
	if (err == -ENOENT)
		return api_error(reply, API_ERR_VALIDATION,
				 "AutoScalingGroupNames: a group named there is not found");
	return err;
}

static int xlbd_api_activities(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group = NULL;
	int64_t max = 0;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", false, &group, reply);
	if (err && err != -ENOENT)
		return err;
	err = api_arg_int(args, "MaxRecords", false, 1, 100000, &max, reply);
	if (err && err != -ENOENT)
		return err;
	err = fleet_view_activities(d->fleet, group, (size_t)max, &reply->data);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	return err;
}

static int xlbd_api_set_desired(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group;
	char msg[256] = "";
	int64_t desired;
	bool honor = false;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : api_arg_int(args, "DesiredCapacity", true, 0, 100000, &desired, reply);
	if (err)
		return err;
	err = api_arg_bool(args, "HonorCooldown", false, &honor, reply);
	if (err && err != -ENOENT)
		return err;
	err = fleet_set_desired(d->fleet, group, desired, honor, msg, sizeof(msg));
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -EBUSY)
		return api_error(reply, API_ERR_SCALING_IN_PROGRESS, "%s", msg);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err;
}

static int xlbd_api_attach_tgs(struct json_object *args, struct api_reply *reply, void *ctx,
			       bool attach)
{
	struct xlbd *d = ctx;
	struct json_object *tgs;
	const char *group, **v;
	char msg[256] = "";
	size_t i, n;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : api_arg_string_array(args, "TargetGroupARNs", true, &tgs, reply);
	if (err)
		return err;
	n = json_object_array_length(tgs);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = json_object_get_string(json_object_array_get_idx(tgs, i));
	err = fleet_attach(d->fleet, group, v, n, attach, msg, sizeof(msg));
	free(v);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -ESRCH || err == -E2BIG)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err;
}

static int xlbd_api_attach(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_attach_tgs(args, reply, ctx, true);
}

static int xlbd_api_detach(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_attach_tgs(args, reply, ctx, false);
}

static int xlbd_api_metric_stats(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group = NULL;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", false, &group, reply);
	if (err && err != -ENOENT)
		return err;
	err = fleet_view_metric_stats(d->fleet, group, &reply->data);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	return err;
}

static int xlbd_api_console(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *id;
	int err;

	err = api_arg_string(args, "InstanceId", true, &id, reply);
	if (err)
		return err;
	err = fleet_view_console(d->fleet, id, &reply->data);
	if (err == -ENOENT)
		return api_error(reply, API_ERR_NOT_FOUND, "The instance ID '%s' does not exist",
				 id);
	return err;
}

/* Every verb the control socket answers, by the name xlbctl sends. */
static const struct {
	const char *verb;
	api_handler_fn fn;
} xlbd_verbs[] = {
	{ "status", xlbd_api_status },
	{ "describe-target-health", xlbd_api_health },
	{ "register-targets", xlbd_api_register },
	{ "deregister-targets", xlbd_api_deregister },
	{ "reload", xlbd_api_reload },
	{ "metrics", xlbd_api_metrics },
	{ "describe-auto-scaling-groups", xlbd_api_groups },
	{ "describe-scaling-activities", xlbd_api_activities },
	{ "set-desired-capacity", xlbd_api_set_desired },
	{ "attach-load-balancer-target-groups", xlbd_api_attach },
	{ "detach-load-balancer-target-groups", xlbd_api_detach },
	{ "get-console-output", xlbd_api_console },
	{ "get-metric-statistics", xlbd_api_metric_stats },
	/* elbv2 describes and attributes (xlbd_api_lb.c), scaling policies (xlbd_api_policy.c) */
	{ "describe-load-balancers", xlbd_api_describe_lbs },
	{ "describe-target-groups", xlbd_api_describe_tgs },
	{ "describe-listeners", xlbd_api_describe_listeners },
	{ "describe-target-group-attributes", xlbd_api_describe_tg_attrs },
	{ "modify-target-group-attributes", xlbd_api_modify_tg_attrs },
	{ "modify-target-group", xlbd_api_modify_tg },
	{ "describe-policies", xlbd_api_describe_policies },
	{ "put-scaling-policy", xlbd_api_put_policy },
	{ "delete-policy", xlbd_api_delete_policy },
	/* lifecycle hooks and warm pools (xlbd_api_lifecycle.c) */
	{ "complete-lifecycle-action", xlbd_api_complete_lifecycle_action },
	{ "record-lifecycle-action-heartbeat", xlbd_api_record_lifecycle_action_heartbeat },
	{ "describe-lifecycle-hooks", xlbd_api_describe_lifecycle_hooks },
	{ "put-lifecycle-hook", xlbd_api_put_lifecycle_hook },
	{ "delete-lifecycle-hook", xlbd_api_delete_lifecycle_hook },
	{ "describe-warm-pool", xlbd_api_describe_warm_pool },
	{ "put-warm-pool", xlbd_api_put_warm_pool },
	{ "delete-warm-pool", xlbd_api_delete_warm_pool },
	/* the group verbs (xlbd_api_asg.c) */
	{ "update-auto-scaling-group", xlbd_api_update_group },
	{ "terminate-instance-in-auto-scaling-group", xlbd_api_terminate },
	{ "set-instance-health", xlbd_api_set_health },
	{ "enter-standby", xlbd_api_enter_standby },
	{ "exit-standby", xlbd_api_exit_standby },
	{ "suspend-processes", xlbd_api_suspend },
	{ "resume-processes", xlbd_api_resume },
	{ "start-instance-refresh", xlbd_api_start_refresh },
	{ "describe-instance-refreshes", xlbd_api_describe_refreshes },
	{ "cancel-instance-refresh", xlbd_api_cancel_refresh },
};

int xlbd_api_setup(struct xlbd *d)
{
	size_t i;
	int err;

	err = api_server_new(d->loop, d->socket_path, &d->api);
	if (err) {
		log_error("control socket %s: %s", d->socket_path,
			  err == -EADDRINUSE ? "another xlbd answers on it" : strerror(-err));
		return err;
	}
	for (i = 0; i < sizeof(xlbd_verbs) / sizeof(xlbd_verbs[0]) && !err; i++)
		err = api_register(d->api, xlbd_verbs[i].verb, xlbd_verbs[i].fn, d);
	return err;
}
