/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Scheduled actions' Recurrence: five-field cron (minute hour day-of-month month day-of-week,
 * with * , - / and JAN..DEC, SUN..SAT names) evaluated in an IANA time zone from the TZ
 * database, as Auto Scaling evaluates it. Pure apart from the zone files it reads.
 */
#ifndef XLB_CRON_H
#define XLB_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cron {
	uint64_t minute; /* bit i: minute i, 0..59 */
	uint32_t hour;	 /* 0..23 */
	uint32_t dom;	 /* 1..31 */
	uint16_t month;	 /* 1..12 */
	uint8_t dow;	 /* 0..6, Sunday 0 (7 is read as Sunday too) */
	/* cron's rule: when both day fields are restricted, a day matching either one runs */
	bool dom_any, dow_any;
};

/* Parses s. Returns 0, or -EINVAL with a message in err such as "field 2 (hour): 24 is
 * outside 0-23". "?" is read as "*", as AWS's cron also takes it.
 */
int cron_parse(const char *s, struct cron *c, char *err, size_t errlen);

/* The first time strictly after `after` (seconds since the epoch) that c matches, read as wall
 * clock time in zone tz (NULL or "UTC": UTC). A local time that a DST change skips runs at the
 * first minute after the gap; one that occurs twice runs once. Returns -1 when nothing
 * matches within five years (a 30 February), or -ENOENT for an unknown zone.
 */
int64_t cron_next(const struct cron *c, const char *tz, int64_t after);

/* tz names a zone of the TZ database ($TZDIR or /usr/share/zoneinfo). */
bool cron_zone_ok(const char *tz);

#endif /* XLB_CRON_H */
