/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Command-line options as a table: each entry names the option (long and short), the kind of
 * its argument, where the value goes and its line of help. One table gives getopt_long its
 * arguments, checks and stores every value, words every usage error the same way
 * ("PROG: bad --NAME 'ARG': what is wanted") and prints --help, so that the text and the parser
 * cannot disagree.
 */
#ifndef XLB_OPTS_H
#define XLB_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum opts_kind {
	OPTS_END,    /* the entry that ends a table: all zero */
	OPTS_HELP,   /* prints the help on stdout; opts_parse returns 1 */
	OPTS_FLAG,   /* no argument: the bool at target becomes true */
	OPTS_COUNT,  /* no argument: the int at target grows by one each time (-v -v) */
	OPTS_STRING, /* the const char * at target points at the argument */
	OPTS_UINT,   /* a decimal number in [min, max] into the unsigned int at target */
	OPTS_U64,    /* a decimal number in [min, max] into the uint64_t at target */
	OPTS_DOUBLE, /* a number in [dmin, dmax] into the double at target */
	OPTS_CALL,   /* parse(arg, target): NULL when taken, else what is wanted */
};

struct opts_opt {
	const char *name; /* the long name, without "--" */
	int short_name;	  /* its letter, 0 for none */
	enum opts_kind kind;
	void *target;
	const char *arg;  /* the argument's name in the help ("FILE"); NULL for none */
	const char *help; /* lines after the first are indented to the help column */
	uint64_t min, max;
	double dmin, dmax;
	/* what the error says is wanted; for OPTS_UINT and OPTS_U64 "MIN..MAX" without one */
	const char *want;
	const char *(*parse)(const char *arg, void *target);
	bool *seen; /* when set, becomes true when the option is given */
};

struct opts_tool {
	const char *prog;     /* "xlb-load": the prefix of every error */
	const char *synopsis; /* the text before the table, its last line ended */
	const char *epilog;   /* the text after it, or NULL */
	int help_col;	      /* the column where help texts start */
	const struct opts_opt *opts;
	void (*more)(FILE *f); /* prints what follows the epilog (lists known at run time) */
	bool in_order;	       /* stop at the first operand: a command and its own options follow */
};

/* Parses argv. Returns 0 with *first_arg the index of the first operand, 1 after printing the
 * help (exit 0), or 2 after printing a usage error on stderr (exit 2). Operands are left to
 * the caller.
 */
int opts_parse(const struct opts_tool *tool, int argc, char **argv, int *first_arg);

/* The help: synopsis, one line (or more) per option in table order, epilog, more. */
void opts_usage(const struct opts_tool *tool, FILE *f);

#endif /* XLB_OPTS_H */
