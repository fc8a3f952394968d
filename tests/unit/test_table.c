// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Tables: widths from the widest cell or header, numbers right-aligned, empty cells as "-", no
 * trailing blanks, UTF-8 measured in characters, cutting to a terminal width, and the JSON form.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "table.h"

/* Prints t into a string (the caller frees it). */
static char *render(struct table *t, unsigned int width)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	if (table_print(t, f, width)) {
		fclose(f);
		free(s);
		return NULL;
	}
	fclose(f);
	return s;
}

static struct table *sample(void)
{
	struct table *t;

	if (table_new(&t))
		return NULL;
	table_add_column(t, "InstanceId", TABLE_ALIGN_AUTO);
	table_add_column(t, "Port", TABLE_ALIGN_AUTO);
	table_add_column(t, "State", TABLE_ALIGN_AUTO);
	table_add_row(t);
	table_set(t, 0, "i-0123456789abcdef0");
	table_set_int(t, 1, 80);
	table_set(t, 2, "healthy");
	table_add_row(t);
	table_set(t, 0, "i-1");
	table_set_int(t, 1, 8080);
	table_set(t, 2, NULL);
	return t;
}

static bool test_widths_and_alignment(void)
{
	static const char want[] = "InstanceId           Port  State\n"
				   "i-0123456789abcdef0    80  healthy\n"
				   "i-1                  8080  -\n";
	struct table *t = sample();
	char *s = render(t, 0);
	bool ok = s && !strcmp(s, want);

	if (!ok)
		printf("  got:\n%s", s ? s : "(null)\n");
	free(s);
	table_free(t);
	return ok;
}

static bool test_forced_alignment_and_text_numbers(void)
{
	struct table *t;
	char *s;
	bool ok;

	if (table_new(&t))
		return false;
	table_add_column(t, "A", TABLE_ALIGN_RIGHT);
	table_add_column(t, "B", TABLE_ALIGN_AUTO); /* a text cell makes the column left */
	table_add_column(t, "C", TABLE_ALIGN_LEFT);
	table_add_row(t);
	table_set(t, 0, "x");
	table_set_int(t, 1, 5);
	table_set_int(t, 2, 7);
	table_add_row(t);
	table_set(t, 0, "yyy");
	table_setf(t, 1, "n/%d", 1);
	table_set_int(t, 2, 12345);
	s = render(t, 0);
	ok = s && !strcmp(s, "  A  B    C\n"
			     "  x  5    7\n"
			     "yyy  n/1  12345\n");
	if (!ok)
		printf("  got:\n%s", s ? s : "(null)\n");
	free(s);
	table_free(t);
	return ok;
}

static bool test_utf8_width(void)
{
	struct table *t;
	char *s;
	bool ok;

	if (table_new(&t))
		return false;
	table_add_column(t, "Name", TABLE_ALIGN_AUTO);
	table_add_column(t, "N", TABLE_ALIGN_AUTO);
	table_add_row(t);
	table_set(t, 0, "caf\xc3\xa9");
	table_set_int(t, 1, 1);
	table_add_row(t);
	table_set(t, 0, "abcd");
	table_set_int(t, 1, 22);
	s = render(t, 0);
	/* "café" is four columns wide though five bytes */
	ok = s && !strcmp(s, "Name   N\n"
			     "caf\xc3\xa9   1\n"
			     "abcd  22\n");
	if (!ok)
		printf("  got:\n%s", s ? s : "(null)\n");
	free(s);
	table_free(t);
	return ok;
}

static bool test_terminal_width(void)
{
	struct table *t;
	char *s, *line;
	bool ok = true;

	if (table_new(&t))
		return false;
	table_add_column(t, "Id", TABLE_ALIGN_AUTO);
	table_add_column(t, "Cause", TABLE_ALIGN_AUTO);
	table_add_row(t);
	table_set(t, 0, "a");
	table_set(t, 1,
		  "At 2025-01-02T03:04:05Z a user request explicitly set group desired "
		  "capacity changing the desired capacity from 2 to 4.");
	s = render(t, 40);
	CHECK(s, "render failed");
	for (line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		size_t w = strlen(line);

		if (w > 40) {
			printf("  %zu columns: %s\n", w, line);
			ok = false;
		}
	}
	free(s);
	s = render(t, 40);
	CHECK(s && strstr(s, "a   At 2025-01-02T03:04:05Z a user re...\n"), "got:\n%s", s);
	free(s);
	/* ids and times (up to TABLE_KEEP_WIDTH) stay whole while long text gives */
	table_add_row(t);
	table_set(t, 0, "2025-01-02T03:04:05Z");
	table_set(t, 1, "short");
	s = render(t, 50);
	CHECK(s && strstr(s, "\n2025-01-02T03:04:05Z  short\n") &&
		      strstr(s, "\na                     At 2025-01-02T03:04:05Z a...\n"),
	      "got:\n%s", s);
	free(s);
	/* too narrow to fit: columns stop at their minimum, headers are never cut */
	s = render(t, 5);
	CHECK(s && !strncmp(s, "Id        Cause\n", 16) && strstr(s, "\na         At 20...\n"),
	      "got:\n%s", s);
	free(s);
	table_free(t);
	return ok;
}

static bool test_misuse_is_sticky(void)
{
	struct table *t;
	char *s;

	if (table_new(&t))
		return false;
	CHECK(table_add_row(t) == -EINVAL, "a row before any column");
	table_free(t);

	if (table_new(&t))
		return false;
	CHECK(table_add_column(t, "A", TABLE_ALIGN_AUTO) == 0, "first column is 0");
	CHECK(table_set(t, 0, "x") == -EINVAL, "a cell before any row");
	CHECK(table_add_row(t) == -EINVAL, "the error sticks");
	s = render(t, 0);
	CHECK(!s, "printing a failed table must fail");
	table_free(t);

	/* many rows: the row array grows */
	if (table_new(&t))
		return false;
	table_add_column(t, "N", TABLE_ALIGN_AUTO);
	for (int i = 0; i < 1000; i++) {
		table_add_row(t);
		table_set_int(t, 0, i);
	}
	CHECK(table_rows(t) == 1000 && table_columns(t) == 1, "rows %zu", table_rows(t));
	s = render(t, 0);
	CHECK(s && strstr(s, "\n999\n") && strstr(s, "\n  0\n"), "1000 rows");
	free(s);
	table_free(t);
	return true;
}

int main(void)
{
	RUN(test_widths_and_alignment);
	RUN(test_forced_alignment_and_text_numbers);
	RUN(test_utf8_width);
	RUN(test_terminal_width);
	RUN(test_misuse_is_sticky);
	return check_summary();
}
