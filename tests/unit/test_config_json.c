// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Positions and diagnostics (user/cfg_json.c, user/cfg_diag.c): errors placed at the right
 * line and column in text that tries to mislead the scanner, unknown members warned about.
 */
#include "test_config.h"

/* Comments, escaped member names, "//" inside strings and UTF-8 do not throw positions off. */
static bool positions_in_tricky_text(void)
{
	static const char text[] =
		"/* a { comment ] with \"quotes\" */ {\n"
		"  // \"TargetGroups\": [ {\"Port\": \"x\"} ]\n"
		"  \"TargetGroups\": [ /* one */ {\n"
		"    \"Target\\u0047roupName\": \"w\\\"eb\",\n"
		"    \"HealthCheckPath\": \"/a//b/*c*/\", \"Protocol\": \"HTTP\",\n"
		"    \"VpcId\": \"vpc-é\", \"Port\": \"eighty\"\n"
		"  } ]\n"
		"}\n";
	struct config_error err;
	struct model *m;
	int ret = load_text(text, &m, &err);

	CHECK(ret == -EINVAL, "ret %d", ret);
	/* the name check comes first: w"eb is not a valid target group name */
	CHECK(err.count == 2, "%d errors: %s", err.count, err.msg);
	CHECK(!strcmp(err.all[0],
		      "mem.json:4:29: $.TargetGroups[0].TargetGroupName: expected a target group name of 1..32 letters, digits or hyphens, not starting or ending with a hyphen, got \"w\\\"eb\""),
	      "%s", err.all[0]);
	/* column 31 counts "é" as one character */
	CHECK(!strcmp(err.all[1],
		      "mem.json:6:31: $.TargetGroups[0].Port: expected an integer 1..65535, got \"eighty\""),
	      "%s", err.all[1]);
	return true;
}

static bool unknown_fields_warn(void)
{
	static const char text[] =
		"{\"TargetGroups\": [{\"TargetGroupName\": \"w\", \"Protocol\": \"HTTP\", \"Port\": 80,\n"
		"  \"HealthCheckIntervalSecond\": 10, \"VpcId\": \"vpc-1\", \"Matcher\": {\"GrpcCode\": \"0\"}}],\n"
		" \"Colour\": 1}\n";
	struct config_error err;
	struct model *m;
	size_t i, unknown = 0, kept = 0;
	int ret = load_text(text, &m, &err);

	CHECK(ret == 0, "%s", err.msg);
	for (i = 0; i < m->tgs[0].extras.n; i++) {
		unknown += m->tgs[0].extras.v[i].unknown;
		kept += !strcmp(m->tgs[0].extras.v[i].key, "VpcId") &&
			!strcmp(m->tgs[0].extras.v[i].json, "\"vpc-1\"");
	}
	if (!(unknown == 1 && kept == 1 &&
	      warnings_with(
		      m,
		      "mem.json:2:3: $.TargetGroups[0].HealthCheckIntervalSecond: unknown field, ignored: did you mean \"HealthCheckIntervalSeconds\"?") ==
		      1 &&
	      warnings_with(m, "mem.json:2:66: $.TargetGroups[0].Matcher.GrpcCode: ignored") == 1 &&
	      warnings_with(m, "mem.json:3:2: $.Colour: unknown field, ignored") == 1 &&
	      m->tgs[0].hc.interval_s == 30)) {
		print_warnings(m);
		model_free(m);
		CHECK(false, "unknown fields not warned as expected");
	}
	model_free(m);
	return true;
}

CONFIG_TEST_MAIN(positions_in_tricky_text, unknown_fields_warn)
