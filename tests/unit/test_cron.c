// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cron for scheduled actions: the five fields with names, ranges and steps, the errors a user
 * sees, and the next run across a day boundary, in other time zones and across both DST
 * changes of Europe/Paris (a skipped local time runs after the gap, a doubled one once).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cron.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi
	};

	return (int64_t)timegm(&tm);
}

static bool next_is(const char *expr, const char *tz, int64_t after, int64_t want)
{
	struct cron c;
	char err[160];
	int64_t got;

	CHECK(cron_parse(expr, &c, err, sizeof(err)) == 0, "%s: %s", expr, err);
	got = cron_next(&c, tz, after);
	CHECK(got == want, "%s in %s after %lld: got %lld, want %lld (off by %lld s)", expr,
	      tz ? tz : "UTC", (long long)after, (long long)got, (long long)want,
	      (long long)(got - want));
	return true;
}

static bool parse_fields(void)
{
	struct cron c;
	char err[160];

	CHECK(cron_parse("*/15 9-17 * * MON-FRI", &c, err, sizeof(err)) == 0, "%s", err);
	CHECK(c.minute == ((1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45)), "minutes");
	CHECK(c.hour == 0x3fe00, "hours %#x", c.hour);
	CHECK(c.dom_any && !c.dow_any && c.dow == 0x3e, "days %#x", c.dow);
	CHECK(cron_parse("0 0 1,15 jan,Jul 7", &c, err, sizeof(err)) == 0, "%s", err);
	CHECK(c.month == ((1u << 1) | (1u << 7)) && c.dom == ((1u << 1) | (1u << 15)) &&
		      c.dow == 1 && !c.dom_any && !c.dow_any,
	      "names, lists, 7 as Sunday");
	CHECK(cron_parse("5/20 * ? * *", &c, err, sizeof(err)) == 0, "%s", err);
	CHECK(c.minute == ((1ULL << 5) | (1ULL << 25) | (1ULL << 45)) && c.dom_any, "N/step");
	return true;
}

static bool parse_errors(void)
{
	static const struct {
		const char *expr, *msg;
	} cases[] = {
		{ "61 * * * *", "field 1 (minute): 61 is outside 0-59" },
		{ "* 24 * * *", "field 2 (hour): 24 is outside 0-23" },
		{ "* * * *",
		  "expected five fields (minute hour day-of-month month day-of-week), got 4" },
		{ "* * * * * *", "expected five fields, got more" },
		{ "* * 10-2 * *", "field 3 (day-of-month): range 10-2 runs backwards" },
		{ "* * * FOO *",
		  "field 4 (month): expected *, a number or a name, a range N-M or a step /N, got \"FOO\"" },
		{ "*/0 * * * *", "field 1 (minute): step 0 is outside 1-59" },
	};
	struct cron c;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(cron_parse(cases[i].expr, &c, err, sizeof(err)) == -EINVAL, "%s accepted",
		      cases[i].expr);
		CHECK(!strcmp(err, cases[i].msg), "%s:\n    got:  %s\n    want: %s", cases[i].expr,
		      err, cases[i].msg);
	}
	return true;
}

static bool day_boundary(void)
{
	/* 23:45 is past today's 23:30: tomorrow's */
	if (!next_is("30 23 * * *", NULL, utc(2026, 1, 1, 23, 45), utc(2026, 1, 2, 23, 30)))
		return false;
	/* midnight, from a minute before it, and over a month and a year end */
	if (!next_is("0 0 * * *", "UTC", utc(2026, 12, 31, 23, 59), utc(2027, 1, 1, 0, 0)))
		return false;
	/* strictly after: the run at exactly `after` is the previous one */
	if (!next_is("0 0 * * *", NULL, utc(2026, 1, 2, 0, 0), utc(2026, 1, 3, 0, 0)))
		return false;
	/* weekdays only: Friday 2026-01-02 18:00 -> Monday 08:00 */
	if (!next_is("0 8 * * 1-5", NULL, utc(2026, 1, 2, 18, 0), utc(2026, 1, 5, 8, 0)))
		return false;
	/* both day fields restricted: either matches (the 13th, or a Friday) */
	if (!next_is("0 0 13 * FRI", NULL, utc(2026, 2, 1, 0, 0), utc(2026, 2, 6, 0, 0)))
		return false;
	/* 29 February: the next leap year */
	return next_is("0 12 29 2 *", NULL, utc(2026, 1, 1, 0, 0), utc(2028, 2, 29, 12, 0));
}

static bool time_zones(void)
{
	if (!cron_zone_ok("Europe/Paris"))
		SKIP("no TZ database (/usr/share/zoneinfo)");
	CHECK(!cron_zone_ok("Mars/Olympus_Mons") && !cron_zone_ok("../../etc/passwd") &&
		      !cron_zone_ok("/etc/localtime"),
	      "bad zones accepted");
	/* 08:00 in Paris is 07:00Z in winter, 06:00Z in summer; in New York 13:00Z in winter */
	if (!next_is("0 8 * * *", "Europe/Paris", utc(2026, 1, 10, 0, 0), utc(2026, 1, 10, 7, 0)) ||
	    !next_is("0 8 * * *", "Europe/Paris", utc(2026, 7, 10, 0, 0), utc(2026, 7, 10, 6, 0)) ||
	    !next_is("0 8 * * *", "America/New_York", utc(2026, 1, 10, 0, 0),
		     utc(2026, 1, 10, 13, 0)))
		return false;
	/* a local day boundary that is not UTC's: 23:30 in New York is 04:30Z the next day */
	if (!next_is("30 23 * * *", "America/New_York", utc(2026, 1, 10, 12, 0),
		     utc(2026, 1, 11, 4, 30)))
		return false;
	{
		struct cron c;
		char err[160];

		CHECK(!cron_parse("* * * * *", &c, err, sizeof(err)), "%s", err);
		CHECK(cron_next(&c, "Mars/Olympus_Mons", 0) == -ENOENT, "unknown zone");
	}
	return true;
}

static bool dst_changes(void)
{
	if (!cron_zone_ok("Europe/Paris"))
		SKIP("no TZ database (/usr/share/zoneinfo)");
	/* 2026-03-29: 02:00 CET jumps to 03:00 CEST. 02:30 does not exist that day: the run is
	 * at the first minute after the gap, 03:30 CEST = 01:30Z (the day before, 02:30 CET =
	 * 01:30Z too; the day after, 02:30 CEST = 00:30Z)
	 */
	if (!next_is("30 2 * * *", "Europe/Paris", utc(2026, 3, 28, 2, 0),
		     utc(2026, 3, 29, 1, 30)) ||
	    !next_is("30 2 * * *", "Europe/Paris", utc(2026, 3, 29, 1, 30),
		     utc(2026, 3, 30, 0, 30)))
		return false;
	/* 2026-10-25: 03:00 CEST falls back to 02:00 CET, 02:30 happens twice (00:30Z and 01:30Z):
	 * it runs at the first, and next on the 26th at 02:30 CET = 01:30Z
	 */
	if (!next_is("30 2 * * *", "Europe/Paris", utc(2026, 10, 24, 12, 0),
		     utc(2026, 10, 25, 0, 30)) ||
	    !next_is("30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 0, 30),
		     utc(2026, 10, 26, 1, 30)))
		return false;
	/* 08:00 Paris either side of the spring change: 07:00Z, then 06:00Z */
	return next_is("0 8 * * *", "Europe/Paris", utc(2026, 3, 28, 7, 0), utc(2026, 3, 29, 6, 0));
}

int main(void)
{
	RUN(parse_fields);
	RUN(parse_errors);
	RUN(day_boundary);
	RUN(time_zones);
	RUN(dst_changes);
	return check_summary();
}
