// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Typed readers (user/cfg_read.c): UserData in its plain and base64 forms, ISO 8601 times.
 */
#include "test_config.h"

static bool user_data_forms(void)
{
	static const char text[] =
		"{\"LaunchConfigurations\": [\n"
		" {\"LaunchConfigurationName\": \"a\", \"InstanceType\": \"t3.micro\", \"UserData\": \"IyEvYmluL3NoCmVjaG8gaGkK\"},\n"
		" {\"LaunchConfigurationName\": \"b\", \"InstanceType\": \"t3.micro\", \"UserData\": \"true\"},\n"
		" {\"LaunchConfigurationName\": \"c\", \"InstanceType\": \"t3.micro\", \"UserData\": \"#!/bin/sh\\necho hi\\n\"}]}\n";
	struct config_error err;
	struct model *m;
	int ret = load_text(text, &m, &err);

	CHECK(ret == 0, "%s", err.msg);
	CHECK(m->lcs[0].user_data_was_base64 &&
		      !strcmp(m->lcs[0].user_data, "#!/bin/sh\necho hi\n"),
	      "base64 not decoded: %s", m->lcs[0].user_data);
	/* "true" is valid base64 but decodes to bytes that are not text: kept as written */
	CHECK(!m->lcs[1].user_data_was_base64 && !strcmp(m->lcs[1].user_data, "true"), "b: %s",
	      m->lcs[1].user_data);
	CHECK(!m->lcs[2].user_data_was_base64 && m->lcs[2].user_data_len == 18, "c: %zu",
	      m->lcs[2].user_data_len);
	model_free(m);
	return true;
}

/* ISO 8601 as scheduled actions and simulate's traces give it: the forms AWS writes are read
 * to the second, zones move the instant, and anything else is refused whole.
 */
static bool time_forms(void)
{
	static const struct {
		const char *s;
		int64_t want; /* -1: refused */
	} rows[] = {
		{ "2030-06-01T09:30:00Z", 1906536600 },
		{ "2030-06-01T09:30Z", 1906536600 },
		{ "2030-06-01T09:30:00", 1906536600 },
		{ "2030-06-01T09:30:00.999Z", 1906536600 },
		{ "2030-06-01T11:30:00+02:00", 1906536600 },
		{ "2030-06-01T04:30:00-05:00", 1906536600 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "", -1 },
		{ "2030-06-01", -1 },
		{ "2030-06-01 09:30:00Z", -1 },
		{ "2030-13-01T09:30:00Z", -1 },
		{ "2030-06-32T09:30:00Z", -1 },
		{ "2030-06-01T24:00:00Z", -1 },
		{ "2030-06-01T09:60:00Z", -1 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "2030-06-01T09:30:00ZZ", -1 },
		{ "2030-06-01T09:30:00+2", -1 },
		{ "2030-06-01T09:30:0", -1 },
		{ "2030-06-01T09:30:00 ", -1 },
	};
	size_t i;
	int64_t t;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool ok = config_time_parse(rows[i].s, &t);

		CHECK(ok == (rows[i].want >= 0), "\"%s\": %s", rows[i].s, ok ? "read" : "refused");
		CHECK(!ok || t == rows[i].want, "\"%s\": %lld, want %lld", rows[i].s, (long long)t,
		      (long long)rows[i].want);
	}
	return true;
}

CONFIG_TEST_MAIN(user_data_forms, time_forms)
