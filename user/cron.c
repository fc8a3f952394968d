// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cron for scheduled actions: the five fields parsed into bit sets, and the next matching
 * minute found day by day in the action's time zone. Zones come from the C library's TZ
 * database reader, by setting TZ for the time of one call (xlbd has one thread).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cron.h"

#define CRON_DAYS_MAX (366 * 5) /* how far cron_next looks before it gives up */

struct cron_field {
	const char *name;
	int lo, hi;
	const char *const *names; /* names[i] stands for lo + i */
};

static const char *const cron_months[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
					   "AUG", "SEP", "OCT", "NOV", "DEC", NULL };
static const char *const cron_days[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL };

static const struct cron_field cron_fields[5] = {
	{ "minute", 0, 59, NULL },	    { "hour", 0, 23, NULL },
	{ "day-of-month", 1, 31, NULL },    { "month", 1, 12, cron_months },
	{ "day-of-week", 0, 7, cron_days },
};

/* A number or a name of field f at *p; advances *p. */
static int cron_value(const struct cron_field *f, const char **p, int *out)
{
	const char *s = *p;
	char *end;
	long v;
	int i;

	if (f->names) {
		for (i = 0; f->names[i]; i++) {
			if (!strncasecmp(s, f->names[i], 3)) {
				*out = f->lo + i;
				*p = s + 3;
				return 0;
			}
		}
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (v > 1000)
		v = 1000;
	*out = (int)v;
	*p = end;
	return 0;
}

/* One field (a comma list of *, N, N-M, each with an optional /STEP) into bits. */
static int cron_field_parse(const struct cron_field *f, int idx, const char *s, size_t n,
			    uint64_t *bits, bool *any, char *err, size_t errlen)
{
	char buf[128];
	const char *p, *item;
	int ret = -EINVAL;

	*bits = 0;
	*any = false;
	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "field %d (%s): too long", idx + 1, f->name);
		return -EINVAL;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!strcmp(buf, "*") || !strcmp(buf, "?"))
		*any = true;
	for (item = buf; item; item = p ? p + 1 : NULL) {
		int lo = f->lo, hi = f->hi, step = 1, v;

		p = item;
		if (*p == '*' || *p == '?') {
			p++;
		} else {
			if (cron_value(f, &p, &lo))
				goto bad;
			hi = lo;
			if (*p == '-') {
				p++;
				if (cron_value(f, &p, &hi))
					goto bad;
			}
		}
		if (*p == '/') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			step = (int)strtol(p, (char **)&p, 10);
			if (step < 1 || step > f->hi) {
				snprintf(err, errlen, "field %d (%s): step %d is outside 1-%d",
					 idx + 1, f->name, step, f->hi);
				return -EINVAL;
			}
			if (lo == hi && item[0] != '*')
				hi = f->hi; /* "5/15": from 5 on, as cron reads it */
		}
		if (*p && *p != ',')
			goto bad;
		if (lo < f->lo || lo > f->hi || hi < f->lo || hi > f->hi) {
			snprintf(err, errlen, "field %d (%s): %d is outside %d-%d", idx + 1,
				 f->name, lo < f->lo || lo > f->hi ? lo : hi, f->lo, f->hi);
			return -EINVAL;
		}
		if (lo > hi) {
			snprintf(err, errlen, "field %d (%s): range %d-%d runs backwards", idx + 1,
				 f->name, lo, hi);
			return -EINVAL;
		}
		for (v = lo; v <= hi; v += step)
			*bits |= 1ULL << v;
		p = *p == ',' ? p : NULL;
	}
	return 0;
bad:
	snprintf(err, errlen,
		 "field %d (%s): expected *, a number%s, a range N-M or a step /N, got \"%s\"",
		 idx + 1, f->name, f->names ? " or a name" : "", buf);
	return ret;
}

int cron_parse(const char *s, struct cron *c, char *err, size_t errlen)
{
	const char *p = s, *start[5];
	size_t len[5];
	uint64_t bits[5];
	bool any[5];
	int n = 0, i, ret;

	memset(c, 0, sizeof(*c));
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == 5) {
			snprintf(err, errlen, "expected five fields, got more");
			return -EINVAL;
		}
		start[n] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		len[n] = (size_t)(p - start[n]);
		n++;
	}
	if (n != 5) {
		snprintf(
			err, errlen,
			"expected five fields (minute hour day-of-month month day-of-week), got %d",
			n);
		return -EINVAL;
	}
	for (i = 0; i < 5; i++) {
		ret = cron_field_parse(&cron_fields[i], i, start[i], len[i], &bits[i], &any[i], err,
				       errlen);
		if (ret)
			return ret;
	}
	if (bits[4] & (1ULL << 7))
		bits[4] = (bits[4] | 1) & 0x7f; /* 7 is Sunday too */
	c->minute = bits[0];
	c->hour = (uint32_t)bits[1];
	c->dom = (uint32_t)bits[2];
	c->month = (uint16_t)bits[3];
	c->dow = (uint8_t)bits[4];
	c->dom_any = any[2];
	c->dow_any = any[4];
	return 0;
}

bool cron_zone_ok(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[512], magic[4];
	bool ok = false;
	int fd;

	if (!tz || !*tz || tz[0] == '/' || strstr(tz, "..") ||
	    strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") !=
		    strlen(tz))
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = read(fd, magic, sizeof(magic)) == sizeof(magic) && !memcmp(magic, "TZif", 4);
	close(fd);
	return ok;
}

static bool cron_utc(const char *tz)
{
	return !tz || !strcmp(tz, "UTC") || !strcmp(tz, "Etc/UTC") || !strcmp(tz, "GMT");
}

static int64_t cron_make(bool utc, struct tm *tm)
{
	return utc ? (int64_t)timegm(tm) : (int64_t)mktime(tm);
}

static void cron_break(bool utc, int64_t t, struct tm *tm)
{
	time_t x = (time_t)t;

	if (utc)
		gmtime_r(&x, tm);
	else
		localtime_r(&x, tm);
}

/* The epoch time of wall clock y-m-d h:mi in the current zone: the earlier one when the
 * wall time occurs twice, the first minute after the gap when it does not occur.
 */
static int64_t cron_wall(bool utc, const struct tm *day, int h, int mi)
{
	int64_t best = -1, t;
	struct tm tm, back;
	int dst;

	for (dst = 0; dst <= 1; dst++) {
		tm = *day;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = 0;
		tm.tm_isdst = utc ? 0 : dst;
		t = cron_make(utc, &tm);
		cron_break(utc, t, &back);
		if (back.tm_hour == h && back.tm_min == mi && back.tm_mday == day->tm_mday &&
		    (best < 0 || t < best))
			best = t;
		if (utc)
			break;
	}
	if (best < 0) {
		tm = *day;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		best = cron_make(utc, &tm);
	}
	return best;
}

static bool cron_day_ok(const struct cron *c, const struct tm *tm)
{
	bool dom = c->dom & (1u << tm->tm_mday), dow = c->dow & (1u << tm->tm_wday);

	if (!(c->month & (1u << (tm->tm_mon + 1))))
		return false;
	if (c->dom_any && c->dow_any)
		return true;
	if (c->dom_any)
		return dow;
	if (c->dow_any)
		return dom;
	return dom || dow;
}

int64_t cron_next(const struct cron *c, const char *tz, int64_t after)
{
	bool utc = cron_utc(tz);
	char *old = NULL;
	struct tm start, day;
	int64_t ret = -1, t;
	int d, h, mi;

	if (!utc) {
		if (!cron_zone_ok(tz))
			return -ENOENT;
		if (getenv("TZ")) {
			old = strdup(getenv("TZ"));
			if (!old)
				return -ENOMEM;
		}
		setenv("TZ", tz, 1);
		tzset();
	}
	cron_break(utc, after, &start);
	for (d = 0; d < CRON_DAYS_MAX && ret < 0; d++) {
		/* noon: a day's date never moves under a DST change there */
		memset(&day, 0, sizeof(day));
		day.tm_year = start.tm_year;
		day.tm_mon = start.tm_mon;
		day.tm_mday = start.tm_mday + d;
		day.tm_hour = 12;
		day.tm_isdst = -1;
		cron_make(utc, &day);
		if (!cron_day_ok(c, &day))
			continue;
		for (h = 0; h < 24 && ret < 0; h++) {
			if (!(c->hour & (1u << h)))
				continue;
			for (mi = 0; mi < 60; mi++) {
				if (!(c->minute & (1ULL << mi)))
					continue;
				t = cron_wall(utc, &day, h, mi);
				if (t > after) {
					ret = t;
					break;
				}
			}
		}
	}
	if (!utc) {
		if (old)
			setenv("TZ", old, 1);
		else
			unsetenv("TZ");
		tzset();
	}
	free(old);
	return ret;
}
