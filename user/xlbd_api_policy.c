// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd's scaling policy verbs: describe-policies, put-scaling-policy and delete-policy. A
 * policy put is the request's arguments read as one ScalingPolicies object of the file, by the
 * file's own reader; fleet.c keeps it over the file until the file's policy of that name
 * changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fleet.h"
#include "xlbd_internal.h"

int xlbd_api_describe_policies(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *names = NULL;
	const char *group = NULL, **v = NULL;
	size_t i, n = 0;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", false, &group, reply);
	if (err && err != -ENOENT)
		return err;
	err = api_arg_string_array(args, "PolicyNames", false, &names, reply);
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
	err = fleet_describe_policies(d->fleet, group, v, n, &reply->data);
	free(v);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	return err;
}

/* The request's members that PutScalingPolicy takes: the policy object the file's reader
 * reads, which names anything else as not a field of a policy.
 */
int xlbd_api_put_policy(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group, *name, *text;
	char msg[API_MESSAGE_MAX] = "";
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : api_arg_string(args, "PolicyName", true, &name, reply);
	if (err)
		return err;
	text = json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	err = fleet_put_policy(d->fleet, d->model, group, text, msg, sizeof(msg));
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -EINVAL)
		return api_error(reply, API_ERR_VALIDATION, "%s", msg);
	if (err)
		return err;
	/* AWS answers with the policy's ARN and, for target tracking, its alarms */
	err = fleet_describe_policies(d->fleet, group, &name, 1, &reply->data);
	if (!err) {
		struct json_object *list = NULL, *p;

		json_object_object_get_ex(reply->data, "ScalingPolicies", &list);
		p = json_object_array_get_idx(list, 0);
		if (p) {
			struct json_object *out = json_object_new_object(), *v = NULL;

			json_object_object_get_ex(p, "PolicyARN", &v);
			json_object_object_add(out, "PolicyARN", json_object_get(v));
			v = NULL;
			json_object_object_get_ex(p, "Alarms", &v);
			json_object_object_add(out, "Alarms", json_object_get(v));
			json_object_put(reply->data);
			reply->data = out;
		}
	}
	return err;
}

int xlbd_api_delete_policy(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	const char *group, *name;
	int err;

	err = api_arg_string(args, "AutoScalingGroupName", true, &group, reply);
	err = err ? err : api_arg_string(args, "PolicyName", true, &name, reply);
	if (err)
		return err;
	err = fleet_delete_policy(d->fleet, d->model, group, name);
	if (err == -ENOENT)
		return xlbd_no_group(reply, group);
	if (err == -ESRCH)
		return api_error(reply, API_ERR_VALIDATION,
				 "The scaling policy %s of group %s does not exist", name, group);
	return err;
}
