// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd's group verbs beside set-desired-capacity: update-auto-scaling-group, instance
 * termination, health, standby, suspended processes and instance refreshes. Each reads the
 * AWS CLI's parameters, refuses what xlb does not do by name, acts through fleet.h and replies
 * in AWS's shape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api.h"
#include "fleet.h"
#include "fleet_view.h"
#include "xlbd_internal.h"

/* AWS's error codes of these operations that api.h has no name for. */
#define XLBD_ERR_REFRESH_IN_PROGRESS "InstanceRefreshInProgress"
#define XLBD_ERR_NO_ACTIVE_REFRESH "ActiveInstanceRefreshNotFound"

/* What a fleet call on an instance returned, as the reply says it: no such instance (-ENOENT),
 * a request fleet refused with msg (-EINVAL), or err as it is.
 */
static int xlbd_instance_result(struct api_reply *reply, int err, const char *id, const char *msg)
{
	if (err == -ENOENT)
		return api_error(reply, API_ERR_VALIDATION,
				 "Instance Id not found - No managed instance found for instance "
				 "ID: %s",
				 id);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err;
}

/* The strings of an array argument, borrowed from args; *v is the caller's to free. */
static int xlbd_strings(struct json_object *args, const char *name, bool required, const char ***v,
			size_t *n, struct api_reply *reply)
{
	struct json_object *arr = NULL;
	size_t i;
	int err;

	*v = NULL;
	*n = 0;
	err = api_arg_string_array(args, name, required, &arr, reply);
	if (err)
		return err;
	*n = json_object_array_length(arr);
	*v = calloc(*n + 1, sizeof(**v));
	if (!*v)
		return -ENOMEM;
	for (i = 0; i < *n; i++)
		(*v)[i] = json_object_get_string(json_object_array_get_idx(arr, i));
	return 0;
}

/* Only these members of args: another one is refused by name, with what xlb changes here. */
static int xlbd_only(struct json_object *args, const char *const *known, const char *what,
		     struct api_reply *reply)
{
	const char *bad = api_args_known(args, known);

	if (!bad)
		return 0;
	return api_error(reply, API_ERR_VALIDATION,
			 "%s: xlb does not change %s here (it changes: "
			 "MinSize, MaxSize, DesiredCapacity, DefaultCooldown, "
			 "HealthCheckType, HealthCheckGracePeriod, "
			 "MaxInstanceLifetime, DefaultInstanceWarmup, "
			 "TerminationPolicies, NewInstancesProtectedFromScaleIn; the "
			 "rest comes from the configuration file)",
			 what, bad);
}

static int xlbd_opt_int(struct json_object *args, const char *name, int64_t min, int64_t max,
			int64_t *val, struct api_reply *reply)
{
	int err = api_arg_int(args, name, false, min, max, val, reply);

	if (err == -ENOENT) {
		*val = -1;
		return 0;
	}
	return err;
}

int xlbd_api_update_group(struct json_object *args, struct api_reply *reply, void *ctx)
{
	static const char *const known[] = { "AutoScalingGroupName",
					     "MinSize",
					     "MaxSize",
					     "DesiredCapacity",
					     "DefaultCooldown",
					     "HealthCheckType",
					     "HealthCheckGracePeriod",
					     "MaxInstanceLifetime",
					     "DefaultInstanceWarmup",
					     "TerminationPolicies",
					     "NewInstancesProtectedFromScaleIn",
					     NULL };
	struct fleet_update u = { .hc_type = -1, .protect = -1 };
	struct xlbd *d = ctx;
	const char *group, *hc = NULL, **term = NULL;
	char msg[512] = "";
	bool protect;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : xlbd_only(args, known, "UpdateAutoScalingGroup", reply);
	err = err ? err : xlbd_opt_int(args, "MinSize", 0, 100000, &u.min_size, reply);
	err = err ? err : xlbd_opt_int(args, "MaxSize", 0, 100000, &u.max_size, reply);
	err = err ? err : xlbd_opt_int(args, "DesiredCapacity", 0, 100000, &u.desired, reply);
	err = err ? err :
		    xlbd_opt_int(args, "DefaultCooldown", 0, 86400 * 365, &u.cooldown_s, reply);
	err = err ? err :
		    xlbd_opt_int(args, "HealthCheckGracePeriod", 0, 86400 * 365, &u.grace_s, reply);
	err = err ? err :
		    xlbd_opt_int(args, "MaxInstanceLifetime", 0, 31536000, &u.lifetime_s, reply);
	err = err ? err :
		    xlbd_opt_int(args, "DefaultInstanceWarmup", 0, 86400 * 365, &u.warmup_s, reply);
	if (err)
		return err;
	err = api_arg_string(args, "HealthCheckType", false, &hc, reply);
	if (err && err != -ENOENT)
		return err;
	if (hc && strcmp(hc, "EC2") && strcmp(hc, "ELB"))
		return api_error(reply, API_ERR_VALIDATION,
				 "HealthCheckType: 'EC2' or 'ELB' here, not '%s' (xlb has no "
				 "VPC_LATTICE or EBS health checks)",
				 hc);
	if (hc)
		u.hc_type = strcmp(hc, "ELB") ? MODEL_ASG_HC_EC2 : MODEL_ASG_HC_ELB;
	err = api_arg_bool(args, "NewInstancesProtectedFromScaleIn", false, &protect, reply);
	if (err && err != -ENOENT)
		return err;
	if (!err)
		u.protect = protect;
	err = xlbd_strings(args, "TerminationPolicies", false, &term, &u.nterm, reply);
	if (err && err != -ENOENT)
		return err;
	u.term = term;
	err = fleet_update(d->fleet, group, &u, msg, sizeof(msg));
	free(term);
	return xlbd_group_result(reply, err, group, msg);
}

int xlbd_api_terminate(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *act = NULL;
	const char *id;
	char msg[512] = "";
	bool decrement;
	int err;

	err = api_arg_string(args, "InstanceId", true, &id, reply);
	err = err ? err :
		    api_arg_bool(args, "ShouldDecrementDesiredCapacity", true, &decrement, reply);
	if (err)
		return err;
	err = fleet_terminate_instance(d->fleet, id, decrement, &act, msg, sizeof(msg));
	if (err == -ENOENT || err == -EINVAL)
		return xlbd_instance_result(reply, err, id, msg);
	if (err)
		return err;
	reply->data = json_object_new_object();
	if (reply->data && act)
		json_object_object_add(reply->data, "Activity", act);
	else
		json_object_put(act);
	return 0;
}

int xlbd_api_set_health(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *id, *status;
	char msg[256] = "";
	bool respect = true; /* AWS's default: the grace period is respected */
	int err;

	err = api_arg_string(args, "InstanceId", true, &id, reply);
	err = err ? err : api_arg_string(args, "HealthStatus", true, &status, reply);
	if (err)
		return err;
	err = api_arg_bool(args, "ShouldRespectGracePeriod", false, &respect, reply);
	if (err && err != -ENOENT)
		return err;
	err = fleet_set_health(d->fleet, id, status, respect, msg, sizeof(msg));
	return xlbd_instance_result(reply, err, id, msg);
}

static int xlbd_api_standby(struct json_object *args, struct api_reply *reply, void *ctx,
			    bool enter)
{
	struct xlbd *d = ctx;
	struct json_object *acts = NULL;
	const char *group, **ids = NULL;
	char msg[512] = "";
	bool decrement = false;
	size_t n;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	if (err)
		return err;
	if (enter)
		err = api_arg_bool(args, "ShouldDecrementDesiredCapacity", true, &decrement, reply);
	err = err ? err : xlbd_strings(args, "InstanceIds", true, &ids, &n, reply);
	if (err)
		goto out;
	err = fleet_standby(d->fleet, group, ids, n, enter, decrement, &acts, msg, sizeof(msg));
	err = xlbd_group_result(reply, err, group, msg);
	if (err)
		goto out;
	reply->data = json_object_new_object();
	if (reply->data)
		json_object_object_add(reply->data, "Activities", acts);
	else
		json_object_put(acts);
out:
	free(ids);
	return err;
}

int xlbd_api_enter_standby(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_standby(args, reply, ctx, true);
}

int xlbd_api_exit_standby(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_standby(args, reply, ctx, false);
}

static int xlbd_api_processes(struct json_object *args, struct api_reply *reply, void *ctx,
			      bool suspend)
{
	struct xlbd *d = ctx;
	const char *group, **procs = NULL;
	char msg[512] = "";
	size_t n = 0;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	if (err)
		return err;
	err = xlbd_strings(args, "ScalingProcesses", false, &procs, &n, reply);
	if (err && err != -ENOENT)
		return err;
	err = fleet_suspend(d->fleet, group, procs, n, suspend, msg, sizeof(msg));
	free(procs);
	return xlbd_group_result(reply, err, group, msg);
}

int xlbd_api_suspend(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_processes(args, reply, ctx, true);
}

int xlbd_api_resume(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_processes(args, reply, ctx, false);
}

/* Preferences: the ones xlb follows; AWS's defaults for the others are taken as they are
 * ("Ignore"), any other value refused by name.
 */
static int xlbd_prefs(struct json_object *args, struct fleet_refresh_prefs *p,
		      struct api_reply *reply)
{
	struct json_object *o = NULL;
	bool skip;
	int err;

	p->min_pct = p->max_pct = p->warmup_s = -1;
	p->skip_matching = -1;
	if (!json_object_object_get_ex(args, "Preferences", &o) || !o)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return api_error(reply, API_ERR_VALIDATION, "Preferences must be an object");
	json_object_object_foreach(o, key, val)
	{
		const char *s = json_object_get_string(val);

		if (!strcmp(key, "MinHealthyPercentage") || !strcmp(key, "MaxHealthyPercentage") ||
		    !strcmp(key, "InstanceWarmup") || !strcmp(key, "SkipMatching"))
			continue;
		if ((!strcmp(key, "ScaleInProtectedInstances") ||
		     !strcmp(key, "StandbyInstances")) &&
		    s && !strcmp(s, "Ignore"))
			continue;
		return api_error(reply, API_ERR_VALIDATION,
				 "Preferences.%s: xlb does not do this (it follows "
				 "MinHealthyPercentage, MaxHealthyPercentage, InstanceWarmup and "
				 "SkipMatching; ScaleInProtectedInstances and StandbyInstances are "
				 "Ignore)",
				 key);
	}
	err = xlbd_opt_int(o, "MinHealthyPercentage", 0, 100, &p->min_pct, reply);
	err = err ? err : xlbd_opt_int(o, "MaxHealthyPercentage", 100, 200, &p->max_pct, reply);
	err = err ? err : xlbd_opt_int(o, "InstanceWarmup", 0, 86400 * 365, &p->warmup_s, reply);
	if (err)
		return err;
	err = api_arg_bool(o, "SkipMatching", false, &skip, reply);
	if (err && err != -ENOENT)
		return err;
	if (!err)
		p->skip_matching = skip;
	return 0;
}

/* The reply of start- and cancel-instance-refresh: {"InstanceRefreshId": id}. */
static int xlbd_refresh_id_reply(struct api_reply *reply, const char *id)
{
	reply->data = json_object_new_object();
	if (reply->data) /* else {} is sent */
		json_object_object_add(reply->data, "InstanceRefreshId",
				       json_object_new_string(id));
	return 0;
}

int xlbd_api_start_refresh(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct fleet_refresh_prefs p;
	const char *group, *strategy = NULL;
	char msg[512] = "", id[64];
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : xlbd_prefs(args, &p, reply);
	if (err)
		return err;
	err = api_arg_string(args, "Strategy", false, &strategy, reply);
	if (err && err != -ENOENT)
		return err;
	if (strategy && strcmp(strategy, "Rolling"))
		return api_error(reply, API_ERR_VALIDATION,
				 "Strategy: xlb does 'Rolling' only, not '%s'", strategy);
	if (json_object_object_get_ex(args, "DesiredConfiguration", NULL))
		return api_error(reply, API_ERR_VALIDATION,
				 "DesiredConfiguration: xlb refreshes to the group's launch "
				 "configuration or template as the file sets it (reload first)");
	err = fleet_refresh_start(d->fleet, group, &p, id, sizeof(id), msg, sizeof(msg));
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -EBUSY)
		return api_error(reply, XLBD_ERR_REFRESH_IN_PROGRESS, "%s", msg);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err ? err : xlbd_refresh_id_reply(reply, id);
}

int xlbd_api_describe_refreshes(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group, **ids = NULL;
	int64_t max = 0;
	size_t n = 0;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	if (err)
		return err;
	err = api_arg_int(args, "MaxRecords", false, 1, 100, &max, reply);
	if (err && err != -ENOENT)
		return err;
	err = xlbd_strings(args, "InstanceRefreshIds", false, &ids, &n, reply);
	if (err && err != -ENOENT)
		return err;
	err = fleet_view_refreshes(d->fleet, group, ids, n, (size_t)max, &reply->data);
	free(ids);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	return err;
}

int xlbd_api_cancel_refresh(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group;
	char id[64];
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	if (err)
		return err;
	err = fleet_refresh_cancel(d->fleet, group, id, sizeof(id));
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -ESRCH)
		return api_error(reply, XLBD_ERR_NO_ACTIVE_REFRESH,
				 "No in progress or pending Instance Refresh found for Auto "
				 "Scaling group %s",
				 group);
	return err ? err : xlbd_refresh_id_reply(reply, id);
}
