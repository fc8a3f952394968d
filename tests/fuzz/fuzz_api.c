// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* libFuzzer target for the control socket's argument checks: any bytes that parse as JSON go,
 * as a request's args, through every typed accessor xlbd's handlers use (strings, integers,
 * booleans, string lists, Targets), under the names the verbs read. Whatever the types, each
 * must return 0, -ENOENT or -EINVAL with a ValidationError, and what it returns must be usable.
 * Seeds: tests/fuzz/fuzz_api/; `make fuzz` runs it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static const char *const names[] = { "TargetGroupArn",	     "Targets",
				     "AutoScalingGroupName", "AutoScalingGroupNames",
				     "TargetGroupARNs",	     "InstanceId",
				     "DesiredCapacity",	     "HonorCooldown",
				     "MaxRecords",	     NULL };

static void fuzz_check(int err, const struct api_reply *r)
{
	if (err && err != -ENOENT && err != -EINVAL && err != -ENOMEM)
		abort();
	if (err == -EINVAL && (strcmp(r->code, API_ERR_VALIDATION) || !r->message[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *args, *arr;
	struct api_target *v;
	struct api_reply r;
	const char *s;
	int64_t i64;
	size_t i, n, k;
	bool b;
	int err;

	if (!tok)
		return 0;
	args = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!json_object_is_type(args, json_type_object)) {
		json_object_put(args);
		return 0;
	}
	for (i = 0; names[i]; i++) {
		memset(&r, 0, sizeof(r));
		err = api_arg_string(args, names[i], i % 2, &s, &r);
		fuzz_check(err, &r);
		if (!err && !strlen(s))
			abort();
		memset(&r, 0, sizeof(r));
		err = api_arg_int(args, names[i], false, 0, 100000, &i64, &r);
		fuzz_check(err, &r);
		if (!err && (i64 < 0 || i64 > 100000))
			abort();
		memset(&r, 0, sizeof(r));
		fuzz_check(api_arg_bool(args, names[i], true, &b, &r), &r);
		memset(&r, 0, sizeof(r));
		err = api_arg_string_array(args, names[i], false, &arr, &r);
		fuzz_check(err, &r);
		for (k = 0; !err && k < json_object_array_length(arr); k++)
			if (!strlen(json_object_get_string(json_object_array_get_idx(arr, k))))
				abort();
		memset(&r, 0, sizeof(r));
		err = api_arg_targets(args, names[i], i % 2, i % 3, &v, &n, &r);
		fuzz_check(err, &r);
		for (k = 0; !err && k < n; k++)
			if (!v[k].id || !strlen(v[k].id))
				abort();
		free(v);
	}
	json_object_put(args);
	return 0;
}
