/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A target group's Matcher.HttpCode: which HTTP status codes count as a successful health
 * check. AWS's syntax: single codes and ranges, comma-separated ("200", "200-299",
 * "200,302", "200-299,302"). Pure: parsing, matching and formatting only.
 */
#ifndef XLB_MATCHER_H
#define XLB_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What AWS accepts: 200-499 for Application Load Balancers, 200-599 for Network and Gateway
 * Load Balancers; the default matcher is "200".
 */
#define MATCHER_ALB_MIN 200
#define MATCHER_ALB_MAX 499
#define MATCHER_NLB_MIN 200
#define MATCHER_NLB_MAX 599
#define MATCHER_CODE_MAX 599

struct matcher {
	/* bit c set: status code c matches */
	uint64_t bits[(MATCHER_CODE_MAX + 64) / 64];
};

/* Parses spec with codes allowed in lo..hi (lo >= 100, hi <= MATCHER_CODE_MAX). Spaces around
 * a code are tolerated. On error returns -EINVAL and writes what was wrong, naming the
 * offending part, into err (errlen bytes, may be 0). m is only written on success.
 */
int matcher_parse_range(const char *spec, int lo, int hi, struct matcher *m, char *err,
			size_t errlen);
/* The ALB range, 200-499. */
int matcher_parse(const char *spec, struct matcher *m, char *err, size_t errlen);

/* "200": what a target group has when it names no matcher. */
void matcher_default(struct matcher *m);

bool matcher_match(const struct matcher *m, int status);

/* Canonical text ("200-299,302"); returns the length it needed, as snprintf does. */
int matcher_format(const struct matcher *m, char *buf, size_t len);

#endif /* XLB_MATCHER_H */
