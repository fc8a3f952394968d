// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd's lifecycle verbs: complete-lifecycle-action, record-lifecycle-action-heartbeat,
 * describe-, put- and delete-lifecycle-hook(s), describe-, put- and delete-warm-pool, with the AWS CLI's parameter names and
 * AWS's reply shapes (fleet.c acts, fleet_view.c renders).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api.h"
#include "config.h"
#include "fleet.h"
#include "fleet_view.h"
#include "xlbd_internal.h"

/* The optional string argument name: NULL when absent; -errno (the reply says why) when bad. */
static int xlbd_lc_opt(struct json_object *args, const char *name, const char **val,
		       struct api_reply *reply)
{
	int err = api_arg_string(args, name, false, val, reply);

	if (err == -ENOENT) {
		*val = NULL;
		return 0;
	}
	return err;
}

static int xlbd_lc_action(struct json_object *args, struct api_reply *reply, struct xlbd *d,
			  bool complete)
{
	const char *group, *hook, *id, *token, *result = NULL;
	char msg[512] = "";
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : api_arg_string(args, "LifecycleHookName", true, &hook, reply);
	err = err ? err : xlbd_lc_opt(args, "InstanceId", &id, reply);
	err = err ? err : xlbd_lc_opt(args, "LifecycleActionToken", &token, reply);
	if (!err && complete)
		err = api_arg_string(args, "LifecycleActionResult", true, &result, reply);
	if (err)
		return err;
	if (!id && !token)
		return api_error(reply, API_ERR_VALIDATION,
				 "Either InstanceId or LifecycleActionToken must be specified");
	err = fleet_lifecycle_action(d->fleet, group, hook, id, token, result, msg, sizeof(msg));
	if (err == -ESRCH)
		return xlbd_no_group(reply, group);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err;
}

int xlbd_api_complete_lifecycle_action(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_lc_action(args, reply, ctx, true);
}

int xlbd_api_record_lifecycle_action_heartbeat(struct json_object *args, struct api_reply *reply,
					       void *ctx)
{
	return xlbd_lc_action(args, reply, ctx, false);
}

/* A describe verb of one group: view renders what it has (-ENOENT for no such group). */
static int xlbd_lc_describe(struct json_object *args, struct api_reply *reply, struct xlbd *d,
			    int (*view)(struct fleet *, const char *, struct json_object **))
{
	const char *group;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	if (err)
		return err;
	err = view(d->fleet, group, &reply->data);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	return err;
}

int xlbd_api_describe_lifecycle_hooks(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_lc_describe(args, reply, ctx, fleet_view_hooks);
}

int xlbd_api_describe_warm_pool(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_lc_describe(args, reply, ctx, fleet_view_warm_pool);
}

/* Only these members of args: another one is refused by name. */
static int xlbd_lc_only(struct json_object *args, const char *const *known, const char *verb,
			struct api_reply *reply)
{
	const char *bad = api_args_known(args, known);

	return bad ? api_error(reply, API_ERR_VALIDATION, "%s: unknown parameter %s", verb, bad) :
		     0;
}

/* The request with the hook of that name as it runs now below it: a PutLifecycleHook that
 * names an existing hook changes the members it gives (LifecycleTransition may then be left
 * out, as AWS allows).
 */
static struct json_object *xlbd_lc_merged(struct xlbd *d, const char *group, const char *name,
					  struct json_object *args)
{
	struct json_object *data = NULL, *hooks = NULL, *out = NULL;
	size_t i;

	if (fleet_view_hooks(d->fleet, group, &data))
		return NULL;
	json_object_object_get_ex(data, "LifecycleHooks", &hooks);
	for (i = 0; hooks && i < json_object_array_length(hooks); i++) {
		struct json_object *h = json_object_array_get_idx(hooks, i), *n = NULL;

		json_object_object_get_ex(h, "LifecycleHookName", &n);
		if (strcmp(json_object_get_string(n), name))
			continue;
		out = json_object_get(h);
		json_object_object_del(out, "GlobalTimeout");
		break;
	}
	json_object_put(data);
	if (!out)
		return json_object_get(args);
	json_object_object_foreach(args, key, val)
	{
		json_object_object_add(out, key, json_object_get(val));
	}
	return out;
}

int xlbd_api_put_lifecycle_hook(struct json_object *args, struct api_reply *reply, void *ctx)
{
	static const char *const known[] = { "AutoScalingGroupName",
					     "LifecycleHookName",
					     "LifecycleTransition",
					     "RoleARN",
					     "NotificationTargetARN",
					     "NotificationMetadata",
					     "HeartbeatTimeout",
					     "DefaultResult",
					     NULL };
	struct xlbd *d = ctx;
	struct json_object *req;
	struct config_error cerr;
	struct model_hook h;
	const char *group, *name;
	char msg[256] = "";
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : api_arg_string(args, "LifecycleHookName", true, &name, reply);
	err = err ? err : xlbd_lc_only(args, known, "PutLifecycleHook", reply);
	if (err)
		return err;
	req = xlbd_lc_merged(d, group, name, args);
	if (!req)
		return xlbd_no_group(reply, group);
	err = config_hook_parse(
		"put-lifecycle-hook",
		json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE),
		&h, &cerr);
	json_object_put(req);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", cerr.msg);
	err = err ? err : fleet_hook_put(d->fleet, group, &h, msg, sizeof(msg));
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -ENOSPC)
		return api_error(reply, "LimitExceeded", "%s", msg);
	return err;
}

int xlbd_api_delete_lifecycle_hook(struct json_object *args, struct api_reply *reply, void *ctx)
{
	static const char *const known[] = { "AutoScalingGroupName", "LifecycleHookName", NULL };
	struct xlbd *d = ctx;
	const char *group, *name;
	char msg[512] = "";
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : api_arg_string(args, "LifecycleHookName", true, &name, reply);
	err = err ? err : xlbd_lc_only(args, known, "DeleteLifecycleHook", reply);
	if (err)
		return err;
	err = fleet_hook_delete(d->fleet, group, name, msg, sizeof(msg));
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -ESRCH)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err;
}

int xlbd_api_put_warm_pool(struct json_object *args, struct api_reply *reply, void *ctx)
{
	static const char *const known[] = { "AutoScalingGroupName",
					     "MaxGroupPreparedCapacity",
					     "MinSize",
					     "PoolState",
					     "InstanceReusePolicy",
					     NULL };
	struct xlbd *d = ctx;
	struct config_error cerr;
	struct model_warm_pool w;
	const char *group;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : xlbd_lc_only(args, known, "PutWarmPool", reply);
	if (err)
		return err;
	err = config_warm_parse(
		"put-warm-pool",
		json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE),
		&w, &cerr);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", cerr.msg);
	err = err ? err : fleet_warm_put(d->fleet, group, &w);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	return err;
}

/* ForceDelete is read and changes nothing: the pool's instances are terminated at once either
 * way (there is no slow instance shutdown to wait for here).
 */
int xlbd_api_delete_warm_pool(struct json_object *args, struct api_reply *reply, void *ctx)
{
	static const char *const known[] = { "AutoScalingGroupName", "ForceDelete", NULL };
	struct xlbd *d = ctx;
	const char *group;
	char msg[256] = "";
	bool force = false;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : xlbd_lc_only(args, known, "DeleteWarmPool", reply);
	if (err)
		return err;
	err = api_arg_bool(args, "ForceDelete", false, &force, reply);
	if (err && err != -ENOENT)
		return err;
	err = fleet_warm_delete(d->fleet, group, msg, sizeof(msg));
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -ESRCH)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	return err;
}
