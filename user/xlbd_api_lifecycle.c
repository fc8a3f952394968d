// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd's lifecycle verbs: complete-lifecycle-action, record-lifecycle-action-heartbeat,
 * describe-lifecycle-hooks and describe-warm-pool, with the AWS CLI's parameter names and
 * AWS's reply shapes (fleet.c acts, fleet_view.c renders).
 */
#include <errno.h>
#include <stdlib.h>

#include "api.h"
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
		return api_error(reply, API_ERR_VALIDATION, "AutoScalingGroup name not found - %s",
				 group);
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

int xlbd_api_describe_lifecycle_hooks(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	if (err)
		return err;
	err = fleet_view_hooks(d->fleet, group, &reply->data);
	if (err == -ENOENT)
		return api_error(reply, API_ERR_VALIDATION, "AutoScalingGroup name not found - %s",
				 group);
	return err;
}

int xlbd_api_describe_warm_pool(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	if (err)
		return err;
	err = fleet_view_warm_pool(d->fleet, group, &reply->data);
	if (err == -ENOENT)
		return api_error(reply, API_ERR_VALIDATION, "AutoScalingGroup name not found - %s",
				 group);
	return err;
}
