// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Option tables (opts.h) turned into getopt_long's arguments, stored values, usage errors in
 * one wording, and the help text.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

#define OPTS_MAX 64
#define OPTS_LONG_ONLY 256 /* getopt_long's value for entry i without a letter: 256 + i */

static int opts_count(const struct opts_opt *o)
{
	int n = 0;

	while (o[n].kind != OPTS_END)
		n++;
	return n;
}

/* A decimal number without a sign, in [min, max]. */
static int opts_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

/* Stores arg as o says. Returns NULL, or what the argument should have been. */
static const char *opts_store(const struct opts_opt *o, const char *arg, char *buf, size_t size)
{
	double d;
	uint64_t v;
	char *end;

	switch (o->kind) {
	case OPTS_FLAG:
		*(bool *)o->target = true;
		return NULL;
	case OPTS_COUNT:
		(*(int *)o->target)++;
		return NULL;
	case OPTS_STRING:
		*(const char **)o->target = arg;
		return NULL;
	case OPTS_UINT:
	case OPTS_U64:
		if (!opts_parse_u64(arg, o->min, o->max, &v)) {
			if (o->kind == OPTS_UINT)
				*(unsigned int *)o->target = (unsigned int)v;
			else
				*(uint64_t *)o->target = v;
			return NULL;
		}
		if (o->want)
			return o->want;
		snprintf(buf, size, "%" PRIu64 "..%" PRIu64, o->min, o->max);
		return buf;
	case OPTS_DOUBLE:
		errno = 0;
		d = strtod(arg, &end);
		if (!errno && end != arg && !*end && d >= o->dmin && d <= o->dmax) {
			*(double *)o->target = d;
			return NULL;
		}
		if (o->want)
			return o->want;
		snprintf(buf, size, "%g..%g", o->dmin, o->dmax);
		return buf;
	case OPTS_CALL:
		return o->parse(arg, o->target);
	default:
		return NULL;
	}
}

int opts_parse(const struct opts_tool *tool, int argc, char **argv, int *first_arg)
{
	struct option lo[OPTS_MAX + 1];
	char so[3 * OPTS_MAX + 2], buf[64];
	int n = opts_count(tool->opts), i, c, len = 0;

	if (n > OPTS_MAX) {
		fprintf(stderr, "%s: %d options, more than opts.c takes (%d)\n", tool->prog, n,
			OPTS_MAX);
		return 2;
	}
	if (tool->in_order)
		so[len++] = '+';
	for (i = 0; i < n; i++) {
		const struct opts_opt *o = &tool->opts[i];
		bool has_arg = o->kind != OPTS_FLAG && o->kind != OPTS_COUNT &&
			       o->kind != OPTS_HELP;

		lo[i] = (struct option){ o->name, has_arg ? required_argument : no_argument, NULL,
					 o->short_name ? o->short_name : OPTS_LONG_ONLY + i };
		if (o->short_name) {
			so[len++] = (char)o->short_name;
			if (has_arg)
				so[len++] = ':';
		}
	}
	lo[n] = (struct option){ 0 };
	so[len] = '\0';
	optind = 0; /* a whole new scan, also when called again */
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const struct opts_opt *o = NULL;
		const char *bad;

		if (c >= OPTS_LONG_ONLY && c < OPTS_LONG_ONLY + n)
			o = &tool->opts[c - OPTS_LONG_ONLY];
		for (i = 0; !o && i < n; i++)
			if (tool->opts[i].short_name == c)
				o = &tool->opts[i];
		if (!o) {
			/* getopt_long said what it was */
			opts_usage(tool, stderr);
			return 2;
		}
		if (o->kind == OPTS_HELP) {
			opts_usage(tool, stdout);
			return 1;
		}
		bad = opts_store(o, optarg, buf, sizeof(buf));
		if (bad) {
			fprintf(stderr, "%s: bad --%s '%s': %s\n", tool->prog, o->name, optarg,
				bad);
			return 2;
		}
		if (o->seen)
			*o->seen = true;
	}
	*first_arg = optind;
	return 0;
}

void opts_usage(const struct opts_tool *tool, FILE *f)
{
	const struct opts_opt *o;

	fputs(tool->synopsis, f);
	for (o = tool->opts; o->kind != OPTS_END; o++) {
		const char *h = o->help, *nl;
		int w;

		if (o->short_name)
			w = fprintf(f, "  -%c, --%s", o->short_name, o->name);
		else
			w = fprintf(f, "      --%s", o->name);
		if (o->arg)
			w += fprintf(f, " %s", o->arg);
		do {
			nl = strchr(h, '\n');
			fprintf(f, "%*s%.*s\n", w < tool->help_col ? tool->help_col - w : 1, "",
				(int)(nl ? nl - h : (long)strlen(h)), h);
			w = 0;
			h = nl + 1;
		} while (nl);
	}
	if (tool->epilog)
		fputs(tool->epilog, f);
	if (tool->more)
		tool->more(f);
}
