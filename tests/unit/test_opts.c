// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The option tables the tools share: every kind stores its value, bad values and unknown
 * options are usage errors (2) that name the option, --help prints the table (1), operands
 * are left to the caller, and the help lines up with continuation lines indented.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "opts.h"

struct t_vals {
	bool flag, seen_n;
	const char *name;
	unsigned int n;
	uint64_t big;
	double ratio;
	int calls;
	int verbose;
};

static const char *t_even(const char *arg, void *target)
{
	struct t_vals *v = target;

	v->calls++;
	return atoi(arg) % 2 ? "an even number" : NULL;
}

#define T_TABLE(v)                                                                                    \
	{                                                                                             \
		{ "flag", 'f', OPTS_FLAG, &(v).flag, NULL, "a flag" },                                \
			{ "name", 'n', OPTS_STRING, &(v).name, "NAME", "a name\nover two lines" },    \
			{ "num", 0, OPTS_UINT, &(v).n, "N", "a number", 1, 10, .seen = &(v).seen_n }, \
			{ "big", 'b', OPTS_U64, &(v).big, "N", "a big one", 0, UINT64_MAX },          \
			{ "ratio",   'r',	OPTS_DOUBLE, &(v).ratio,      "R",                    \
			  "a ratio", .dmin = 0, .dmax = 1,   .want = "0 to 1" },                      \
			{ "even", 'e', OPTS_CALL, &(v), "N", "even, repeatable", .parse = t_even },   \
			{ "verbose", 'v', OPTS_COUNT, &(v).verbose, NULL, "more, repeatable" },       \
			{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },                          \
		{                                                                                     \
		}                                                                                     \
	}

static int t_parse(struct t_vals *v, int argc, char **argv, int *first)
{
	const struct opts_opt opts[] = T_TABLE(*v);
	const struct opts_tool tool = { "test_opts", "Usage: test_opts\n", "end\n", 20, opts };

	memset(v, 0, sizeof(*v));
	return opts_parse(&tool, argc, argv, first);
}

static bool test_kinds(void)
{
	char *argv[] = {
		"t",	     "-f",   "--name", "x", "--num=7", "-b", "18446744073709551615",
		"-r",	     "0.25", "-e",     "2", "--even",  "4",  "-vv",
		"--verbose", "rest", "more",   NULL
	};
	struct t_vals v;
	int first = -1;

	CHECK(t_parse(&v, 17, argv, &first) == 0, "parses");
	CHECK(v.flag && v.name && !strcmp(v.name, "x"), "flag and string");
	CHECK(v.n == 7 && v.seen_n, "uint %u, seen", v.n);
	CHECK(v.big == UINT64_MAX, "u64 at its maximum");
	CHECK(v.ratio == 0.25, "double %g", v.ratio);
	CHECK(v.calls == 2, "the callback twice: %d", v.calls);
	CHECK(v.verbose == 3, "counted three times: %d", v.verbose);
	CHECK(first == 15 && !strcmp(argv[first], "rest"), "operands left: %d", first);
	return true;
}

/* in_order: the options before the first operand (a command) only; the command's own, after
 * it, are left for the command's table.
 */
static bool test_in_order(void)
{
	char *argv[] = { "t", "-f", "cmd", "--flag", "-x", NULL };
	struct t_vals v = { 0 };
	const struct opts_opt opts[] = T_TABLE(v);
	const struct opts_tool tool = {
		.prog = "test_opts",
		.synopsis = "Usage: test_opts\n",
		.epilog = "end\n",
		.help_col = 20,
		.opts = opts,
		.in_order = true,
	};
	int first = -1;

	CHECK(opts_parse(&tool, 5, argv, &first) == 0, "parses up to the command");
	CHECK(v.flag, "the option before it");
	CHECK(first == 2 && !strcmp(argv[first], "cmd") && !strcmp(argv[3], "--flag"),
	      "the command and its options left in order: %d", first);
	return true;
}

static bool test_bad_values(void)
{
	char *num0[] = { "t", "--num", "0", NULL }, *num11[] = { "t", "--num", "11", NULL };
	char *neg[] = { "t", "--num", "-1", NULL }, *junk[] = { "t", "--num", "5x", NULL };
	char *empty[] = { "t", "--num", "", NULL },
	     *over[] = { "t", "-b", "18446744073709551616", NULL };
	char *ratio[] = { "t", "-r", "1.5", NULL }, *nan[] = { "t", "-r", "nan", NULL };
	char *odd[] = { "t", "-e", "3", NULL }, *unknown[] = { "t", "--nope", NULL };
	char *missing[] = { "t", "--name", NULL };
	struct t_vals v;
	int first;

	CHECK(t_parse(&v, 3, num0, &first) == 2, "below min");
	CHECK(t_parse(&v, 3, num11, &first) == 2, "above max");
	CHECK(t_parse(&v, 3, neg, &first) == 2 && !v.seen_n, "a sign, and not seen");
	CHECK(t_parse(&v, 3, junk, &first) == 2, "trailing junk");
	CHECK(t_parse(&v, 3, empty, &first) == 2, "empty");
	CHECK(t_parse(&v, 3, over, &first) == 2, "past 64 bits");
	CHECK(t_parse(&v, 3, ratio, &first) == 2 && t_parse(&v, 3, nan, &first) == 2,
	      "double out of range, NaN");
	CHECK(t_parse(&v, 3, odd, &first) == 2 && v.calls == 1, "refused by the callback");
	CHECK(t_parse(&v, 2, unknown, &first) == 2, "unknown option");
	CHECK(t_parse(&v, 2, missing, &first) == 2, "missing argument");
	return true;
}

static bool test_help(void)
{
	char *argv[] = { "t", "--flag", "-h", "--num", "0", NULL };
	struct t_vals v;
	int first;

	/* --help wins over what follows, even a bad value */
	CHECK(t_parse(&v, 5, argv, &first) == 1, "--help returns 1");
	return true;
}

static bool test_usage_text(void)
{
	static const char want[] = "Usage: test_opts\n"
				   "  -f, --flag        a flag\n"
				   "  -n, --name NAME   a name\n"
				   "                    over two lines\n"
				   "      --num N       a number\n"
				   "  -b, --big N       a big one\n"
				   "  -r, --ratio R     a ratio\n"
				   "  -e, --even N      even, repeatable\n"
				   "  -v, --verbose     more, repeatable\n"
				   "  -h, --help        this text\n"
				   "end\n";
	struct t_vals v;
	const struct opts_opt opts[] = T_TABLE(v);
	const struct opts_tool tool = { "test_opts", "Usage: test_opts\n", "end\n", 20, opts };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool same;

	CHECK(f, "open_memstream");
	opts_usage(&tool, f);
	fclose(f);
	same = !strcmp(buf, want);
	if (!same)
		fprintf(stderr, "got:\n%s", buf);
	free(buf);
	CHECK(same, "the help as the table says");
	return true;
}

int main(void)
{
	RUN(test_kinds);
	RUN(test_in_order);
	RUN(test_bad_values);
	RUN(test_help);
	RUN(test_usage_text);
	return check_summary();
}
