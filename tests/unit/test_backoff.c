// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The launch backoff (asg_backoff): instances that end soon after their launch make their
 * group wait longer each time, up to a ceiling; one that lived, or was healthy, resets it.
 * Driven by a fake clock.
 */
#include <stdint.h>

#include "asg.h"
#include "check.h"

/* 5 s, doubled each time in a row, capped at 300 s; retry_at follows now. */
static bool doubles_to_the_cap(void)
{
	static const uint64_t want[] = { 5000,	 10000,	 20000,	 40000,	 80000,
					 160000, 300000, 300000, 300000, 300000 };
	unsigned int deaths = 0, i;
	uint64_t retry_at = 0, now = 1000000, w;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		w = asg_backoff(&deaths, &retry_at, 3, false, now);
		CHECK_INT(w, ==, want[i]);
		CHECK_INT(deaths, ==, i + 1);
		CHECK_INT(retry_at, ==, now + want[i]);
		now = retry_at + 3000; /* launched then, ended 3 s later */
	}
	/* long runs of failures: the shift never overflows, the wait stays at the cap */
	for (i = 0; i < 100; i++)
		w = asg_backoff(&deaths, &retry_at, 0, false, now);
	CHECK_INT(w, ==, ASG_BACKOFF_MAX_MS);
	CHECK_INT(deaths, ==, 110);
	return true;
}

/* One that lived ASG_EARLY_S or more, or was healthy, or whose life is unknown: no wait, the
 * count back to 0, retry_at untouched; the next early one waits the first step again.
 */
static bool resets(void)
{
	static const struct {
		int64_t lived;
		bool healthy;
	} cases[] = { { ASG_EARLY_S, false }, { 3600, false }, { 2, true }, { -1, false } };
	unsigned int deaths, i;
	uint64_t retry_at, w;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		deaths = 4;
		retry_at = 7;
		w = asg_backoff(&deaths, &retry_at, cases[i].lived, cases[i].healthy, 50000);
		CHECK(w == 0 && deaths == 0 && retry_at == 7, "case %u: wait %llu, %u in a row", i,
		      (unsigned long long)w, deaths);
		w = asg_backoff(&deaths, &retry_at, 1, false, 50000);
		CHECK(w == ASG_BACKOFF_MS && deaths == 1, "case %u: then %llu", i,
		      (unsigned long long)w);
	}
	/* the boundary: a second short of ASG_EARLY_S still counts */
	deaths = 0;
	retry_at = 0;
	CHECK_INT(asg_backoff(&deaths, &retry_at, ASG_EARLY_S - 1, false, 0), ==, ASG_BACKOFF_MS);
	return true;
}

/* A later retry already set (a failed launch's retry, say) is kept: retry_at only moves
 * later.
 */
static bool retry_only_later(void)
{
	unsigned int deaths = 0;
	uint64_t retry_at = 900000;

	CHECK_INT(asg_backoff(&deaths, &retry_at, 1, false, 100000), ==, ASG_BACKOFF_MS);
	CHECK_INT(retry_at, ==, 900000);
	CHECK_INT(asg_backoff(&deaths, &retry_at, 1, false, 895000), ==, 2 * ASG_BACKOFF_MS);
	CHECK_INT(retry_at, ==, 905000);
	return true;
}

int main(void)
{
	RUN(doubles_to_the_cap);
	RUN(resets);
	RUN(retry_only_later);
	return check_summary();
}
