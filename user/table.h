/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Tables for people: columns sized from their content, numbers right-aligned, cut to the
 * terminal's width when there is one (programs get JSON from the callers, not from here).
 * Used by xlbctl and by xlbd's --check plan. Errors are sticky: a table that ran out of memory says so when
 * printed, so callers may fill it without checking every call.
 */
#ifndef XLB_TABLE_H
#define XLB_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum table_align {
	TABLE_ALIGN_AUTO = 0, /* right when every non-empty cell is a number, else left */
	TABLE_ALIGN_LEFT,
	TABLE_ALIGN_RIGHT,
};

/* Columns are at least this wide before the terminal's width cuts them (or their header's). */
#define TABLE_MIN_WIDTH 8
/* Cutting to the terminal takes from columns wider than this first. */
#define TABLE_KEEP_WIDTH 24
/* Between columns. */
#define TABLE_GAP "  "

struct table;

int table_new(struct table **out);
void table_free(struct table *t);

/* Returns the column's index, or -errno. Columns come before rows. */
int table_add_column(struct table *t, const char *header, enum table_align align);
/* Starts a row; its cells are empty until set. Returns 0 or -errno. */
int table_add_row(struct table *t);
/* Set a cell of the last row; NULL or "" leaves it empty (printed "-", null in JSON). */
int table_set(struct table *t, size_t col, const char *text);
int table_setf(struct table *t, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int table_set_int(struct table *t, size_t col, int64_t value);

size_t table_rows(const struct table *t);
size_t table_columns(const struct table *t);

/* Prints the header and the rows. width 0 means no limit; otherwise the widest columns are cut
 * (ending in "..."), those over TABLE_KEEP_WIDTH first, until the line fits or every column is
 * down to its minimum. Returns 0, or the table's sticky error.
 */
int table_print(const struct table *t, FILE *f, unsigned int width);

/* The width of the terminal on fd ($COLUMNS first), or 0 when fd is not a terminal. */
unsigned int table_term_width(int fd);

#endif /* XLB_TABLE_H */
