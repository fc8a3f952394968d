// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Matcher.HttpCode parsing into a bitmap of status codes, so that matching a probe's status is
 * one bit test. Errors quote the entry that was wrong, since a list can be long.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "matcher.h"

static void matcher_set(struct matcher *m, int code)
{
	m->bits[code / 64] |= 1ULL << (code % 64);
}

bool matcher_match(const struct matcher *m, int status)
{
	if (status < 0 || status > MATCHER_CODE_MAX)
		return false;
	return m->bits[status / 64] & (1ULL << (status % 64));
}

void matcher_default(struct matcher *m)
{
	memset(m, 0, sizeof(*m));
	matcher_set(m, 200);
}

static void __attribute__((format(printf, 3, 4)))
matcher_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Reads a run of digits as a code; *p moves past them. -1 when there is no digit or too many
 * for a status code (the caller names the entry).
 */
static int matcher_code(const char **p)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > 4)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n ? v : -1;
}

static bool matcher_space(char c)
{
	return c == ' ' || c == '\t';
}

int matcher_parse_range(const char *spec, int lo, int hi, struct matcher *m, char *err,
			size_t errlen)
{
	struct matcher out = { 0 };
	const char *p = spec, *end;

	if (lo < 100 || hi > MATCHER_CODE_MAX || lo > hi) {
		matcher_err(err, errlen, "bad allowed range %d-%d", lo, hi);
		return -EINVAL;
	}
	if (!spec || !*spec) {
		matcher_err(err, errlen,
			    "empty HttpCode: expected a code such as \"200\" or a "
			    "range such as \"200-299\"");
		return -EINVAL;
	}
	for (;;) {
		const char *start, *q;
		int len, a, b, c;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		start = p;
		while (start < end && matcher_space(*start))
			start++;
		len = (int)(end - start);
		while (len > 0 && matcher_space(start[len - 1]))
			len--;
		if (len == 0) {
			matcher_err(err, errlen,
				    "empty entry at offset %d of \"%s\": expected a code "
				    "or a range between the commas",
				    (int)(p - spec), spec);
			return -EINVAL;
		}
		q = start;
		a = matcher_code(&q);
		b = a;
		if (a >= 0 && *q == '-') {
			q++;
			b = matcher_code(&q);
			if (b < 0) {
				matcher_err(err, errlen, "\"%.*s\": expected a code after '-'", len,
					    start);
				return -EINVAL;
			}
		}
		if (a < 0 || q != start + len) {
			matcher_err(err, errlen,
				    "\"%.*s\" is not a status code or a range of them "
				    "(such as 200 or 200-299)",
				    len, start);
			return -EINVAL;
		}
		if (a < lo || a > hi || b < lo || b > hi) {
			matcher_err(err, errlen, "\"%.*s\" is outside the allowed codes %d-%d", len,
				    start, lo, hi);
			return -EINVAL;
		}
		if (a > b) {
			matcher_err(err, errlen, "\"%.*s\": the range starts above its end", len,
				    start);
			return -EINVAL;
		}
		for (c = a; c <= b; c++)
			matcher_set(&out, c);
		if (!*end)
			break;
		p = end + 1;
	}
	*m = out;
	return 0;
}

int matcher_parse(const char *spec, struct matcher *m, char *err, size_t errlen)
{
	return matcher_parse_range(spec, MATCHER_ALB_MIN, MATCHER_ALB_MAX, m, err, errlen);
}

int matcher_format(const struct matcher *m, char *buf, size_t len)
{
	int c = 0, total = 0;

	if (len)
		buf[0] = '\0';
	while (c <= MATCHER_CODE_MAX) {
		char piece[16];
		int a, n;

		if (!matcher_match(m, c)) {
			c++;
			continue;
		}
		a = c;
		while (c < MATCHER_CODE_MAX && matcher_match(m, c + 1))
			c++;
		if (a == c)
			n = snprintf(piece, sizeof(piece), "%s%d", total ? "," : "", a);
		else
			n = snprintf(piece, sizeof(piece), "%s%d-%d", total ? "," : "", a, c);
		/* only whole pieces go in, so a short buffer never ends on half a code */
		if ((size_t)(total + n) < len)
			memcpy(buf + total, piece, n + 1);
		total += n;
		c++;
	}
	return total;
}
