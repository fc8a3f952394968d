// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Matcher.HttpCode: AWS's forms parse and match what they say, bad specs are refused with the
 * offending entry named, and the canonical text round-trips.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "matcher.h"

static bool test_single(void)
{
	struct matcher m;
	char err[128] = "";

	CHECK(matcher_parse("200", &m, err, sizeof(err)) == 0, "%s", err);
	CHECK(matcher_match(&m, 200), "200 matches");
	CHECK(!matcher_match(&m, 201), "201 does not");
	CHECK(!matcher_match(&m, 199), "199 does not");
	CHECK(!matcher_match(&m, 0), "0 does not");
	CHECK(!matcher_match(&m, -1), "-1 does not");
	CHECK(!matcher_match(&m, 100000), "100000 does not");
	return true;
}

static bool test_range(void)
{
	struct matcher m;
	char err[128] = "";
	int c;

	CHECK(matcher_parse("200-299", &m, err, sizeof(err)) == 0, "%s", err);
	for (c = 100; c < 600; c++)
		CHECK(matcher_match(&m, c) == (c >= 200 && c <= 299), "code %d", c);
	return true;
}

static bool test_list(void)
{
	struct matcher m;
	char err[128] = "";

	CHECK(matcher_parse("200,302", &m, err, sizeof(err)) == 0, "%s", err);
	CHECK(matcher_match(&m, 200) && matcher_match(&m, 302), "200 and 302");
	CHECK(!matcher_match(&m, 301) && !matcher_match(&m, 201), "nothing else");
	return true;
}

static bool test_range_and_list(void)
{
	struct matcher m;
	char err[128] = "";
	int c;

	CHECK(matcher_parse("200-299,302", &m, err, sizeof(err)) == 0, "%s", err);
	for (c = 100; c < 600; c++)
		CHECK(matcher_match(&m, c) == ((c >= 200 && c <= 299) || c == 302), "code %d", c);
	/* overlapping entries and a one-code range are fine */
	CHECK(matcher_parse("200-250,240-260,404-404", &m, err, sizeof(err)) == 0, "%s", err);
	CHECK(matcher_match(&m, 260) && matcher_match(&m, 404) && !matcher_match(&m, 261),
	      "overlap");
	return true;
}

static bool test_spaces_tolerated(void)
{
	struct matcher m;
	char err[128] = "";

	CHECK(matcher_parse(" 200 , 302 ", &m, err, sizeof(err)) == 0, "%s", err);
	CHECK(matcher_match(&m, 302), "302");
	return true;
}

static bool test_alb_bounds(void)
{
	struct matcher m;
	char err[128] = "";

	CHECK(matcher_parse("200-499", &m, err, sizeof(err)) == 0, "%s", err);
	CHECK(matcher_parse("500", &m, err, sizeof(err)) == -EINVAL, "500 is outside ALB's range");
	CHECK(strstr(err, "\"500\"") && strstr(err, "200-499"), "error names it: %s", err);
	CHECK(matcher_parse("199", &m, err, sizeof(err)) == -EINVAL, "199");
	CHECK(matcher_parse("200-500", &m, err, sizeof(err)) == -EINVAL, "200-500");
	CHECK(strstr(err, "\"200-500\""), "error names the range: %s", err);
	/* NLB's range is wider */
	CHECK(matcher_parse_range("200-599", MATCHER_NLB_MIN, MATCHER_NLB_MAX, &m, err,
				  sizeof(err)) == 0,
	      "%s", err);
	CHECK(matcher_match(&m, 503), "503 under NLB's range");
	return true;
}

struct bad_case {
	const char *spec;
	const char *part; /* what the message must quote */
};

static bool test_errors_name_the_part(void)
{
	static const struct bad_case cases[] = {
		{ "", "empty" },
		{ "abc", "\"abc\"" },
		{ "200,abc", "\"abc\"" },
		{ "2x0", "\"2x0\"" },
		{ "200,", "empty entry" },
		{ ",200", "empty entry" },
		{ "200,,302", "empty entry" },
		{ "200-", "\"200-\"" },
		{ "-200", "\"-200\"" },
		{ "299-200", "\"299-200\"" },
		{ "200-299-300", "\"200-299-300\"" },
		{ "20000", "\"20000\"" },
		{ "200 302", "\"200 302\"" },
		{ "+200", "\"+200\"" },
	};
	struct matcher m, before;
	char err[160];
	size_t i;

	matcher_default(&m);
	before = m;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CHECK(matcher_parse(cases[i].spec, &m, err, sizeof(err)) == -EINVAL,
		      "\"%s\" accepted", cases[i].spec);
		CHECK(strstr(err, cases[i].part), "\"%s\": message \"%s\" lacks %s", cases[i].spec,
		      err, cases[i].part);
		CHECK(memcmp(&m, &before, sizeof(m)) == 0, "\"%s\": matcher written on error",
		      cases[i].spec);
	}
	CHECK(matcher_parse(NULL, &m, err, sizeof(err)) == -EINVAL, "NULL");
	/* no buffer: still refused, nothing written */
	CHECK(matcher_parse("abc", &m, NULL, 0) == -EINVAL, "without a buffer");
	/* a short buffer is cut, not overrun (ASan watches) */
	CHECK(matcher_parse("299-200", &m, err, 8) == -EINVAL && strlen(err) == 7, "short buffer");
	return true;
}

static bool test_format_round_trip(void)
{
	static const char *const specs[] = { "200", "200-299", "200,302", "200-299,302",
					     "200-202,204,300-499" };
	struct matcher m, again;
	char buf[64], err[128] = "";
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		CHECK(matcher_parse(specs[i], &m, err, sizeof(err)) == 0, "%s", err);
		CHECK(matcher_format(&m, buf, sizeof(buf)) == (int)strlen(specs[i]), "length");
		CHECK(strcmp(buf, specs[i]) == 0, "\"%s\" formats as \"%s\"", specs[i], buf);
		CHECK(matcher_parse(buf, &again, err, sizeof(err)) == 0, "%s", err);
		CHECK(memcmp(&m, &again, sizeof(m)) == 0, "round trip of %s", specs[i]);
	}
	/* canonical: adjacent entries merge */
	CHECK(matcher_parse("200,201,202-203", &m, err, sizeof(err)) == 0, "%s", err);
	matcher_format(&m, buf, sizeof(buf));
	CHECK(strcmp(buf, "200-203") == 0, "merged: %s", buf);
	/* a short buffer holds whole entries only, and the needed length comes back */
	CHECK(matcher_parse("200-299,302", &m, err, sizeof(err)) == 0, "%s", err);
	CHECK(matcher_format(&m, buf, 10) == 11, "needed length");
	CHECK(strcmp(buf, "200-299") == 0, "cut at an entry: %s", buf);
	matcher_default(&m);
	matcher_format(&m, buf, sizeof(buf));
	CHECK(strcmp(buf, "200") == 0, "default is 200: %s", buf);
	return true;
}

int main(void)
{
	RUN(test_single);
	RUN(test_range);
	RUN(test_list);
	RUN(test_range_and_list);
	RUN(test_spaces_tolerated);
	RUN(test_alb_bounds);
	RUN(test_errors_name_the_part);
	RUN(test_format_round_trip);
	return check_summary();
}
