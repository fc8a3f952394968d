// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Plain-text tables: a header line and rows, columns two spaces apart, widths measured in
 * characters (UTF-8 aware, so names with accents line up), and the same rows as JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "table.h"

enum table_kind {
	TABLE_EMPTY = 0,
	TABLE_TEXT,
	TABLE_INT,
};

struct table_cell {
	enum table_kind kind;
	char *text; /* the printed form, also for numbers */
	int64_t value;
};

struct table_column {
	char *header;
	enum table_align align;
};

struct table {
	struct table_column *cols;
	size_t ncols;
	struct table_cell *cells; /* nrows * ncols, row-major */
	size_t nrows, cap_rows;
	int err;
};

int table_new(struct table **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i].header);
	free(t->cells);
	free(t->cols);
	free(t);
}

static int table_fail(struct table *t, int err)
{
	if (!t->err)
		t->err = err;
	return err;
}

int table_add_column(struct table *t, const char *header, enum table_align align)
{
	struct table_column *cols;
	char *h;

	if (t->err)
		return t->err;
	if (t->nrows)
		return table_fail(t, -EINVAL);
	h = strdup(header ? header : "");
	cols = h ? realloc(t->cols, (t->ncols + 1) * sizeof(*cols)) : NULL;
	if (!cols) {
		free(h);
		return table_fail(t, -ENOMEM);
	}
	t->cols = cols;
	cols[t->ncols].header = h;
	cols[t->ncols].align = align;
	return (int)t->ncols++;
}

int table_add_row(struct table *t)
{
	struct table_cell *cells;

	if (t->err)
		return t->err;
	if (!t->ncols)
		return table_fail(t, -EINVAL);
	if (t->nrows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;

		cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));
		if (!cells)
			return table_fail(t, -ENOMEM);
		t->cells = cells;
		t->cap_rows = cap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->nrows++;
	return 0;
}

static struct table_cell *table_cell(struct table *t, size_t col)
{
	struct table_cell *c;

	if (t->err)
		return NULL;
	if (!t->nrows || col >= t->ncols) {
		table_fail(t, -EINVAL);
		return NULL;
	}
	c = &t->cells[(t->nrows - 1) * t->ncols + col];
	free(c->text);
	c->text = NULL;
	c->kind = TABLE_EMPTY;
	return c;
}

int table_set(struct table *t, size_t col, const char *text)
{
	struct table_cell *c = table_cell(t, col);

	if (!c)
		return t->err;
	if (!text || !*text)
		return 0;
	c->text = strdup(text);
	if (!c->text)
		return table_fail(t, -ENOMEM);
	c->kind = TABLE_TEXT;
	return 0;
}

int table_setf(struct table *t, size_t col, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return table_fail(t, -ENOMEM);
	err = table_set(t, col, text);
	free(text);
	return err;
}

int table_set_int(struct table *t, size_t col, int64_t value)
{
	struct table_cell *c = table_cell(t, col);

	if (!c)
		return t->err;
	if (asprintf(&c->text, "%lld", (long long)value) < 0) {
		c->text = NULL;
		return table_fail(t, -ENOMEM);
	}
	c->kind = TABLE_INT;
	c->value = value;
	return 0;
}

size_t table_rows(const struct table *t)
{
	return t->nrows;
}

size_t table_columns(const struct table *t)
{
	return t->ncols;
}

/* Characters, not bytes: UTF-8 continuation bytes do not take a column. */
static size_t table_strwidth(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Bytes of s that make its first n characters. */
static size_t table_prefix_bytes(const char *s, size_t n)
{
	size_t i = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (n == 0)
				break;
			n--;
		}
		i++;
	}
	return i;
}

static const char *table_text(const struct table_cell *c)
{
	return c->kind == TABLE_EMPTY ? "-" : c->text;
}

static bool table_right(const struct table *t, size_t col)
{
	bool any = false;
	size_t r;

	if (t->cols[col].align != TABLE_ALIGN_AUTO)
		return t->cols[col].align == TABLE_ALIGN_RIGHT;
	for (r = 0; r < t->nrows; r++) {
		const struct table_cell *c = &t->cells[r * t->ncols + col];

		if (c->kind == TABLE_TEXT)
			return false;
		any |= c->kind == TABLE_INT;
	}
	return any;
}

/* One cell in a field of width w; the last column's left-aligned text gets no padding. */
static void table_put(FILE *f, const char *s, size_t w, bool right, bool last)
{
	size_t sw = table_strwidth(s), pad;

	if (sw > w) {
		/* cut: the first w - 3 characters and "...", or just w characters if tiny */
		size_t keep = w > 3 ? w - 3 : w;

		fwrite(s, 1, table_prefix_bytes(s, keep), f);
		if (w > 3)
			fputs("...", f);
		return;
	}
	pad = w - sw;
	if (right)
		fprintf(f, "%*s", (int)pad, "");
	fputs(s, f);
	if (!right && !last)
		fprintf(f, "%*s", (int)pad, "");
}

int table_print(const struct table *t, FILE *f, unsigned int width)
{
	size_t *w, *minw, total, c, r;
	bool *right;
	int pass;

	if (t->err)
		return t->err;
	if (!t->ncols)
		return 0;
	w = calloc(t->ncols, sizeof(*w));
	minw = calloc(t->ncols, sizeof(*minw));
	right = calloc(t->ncols, sizeof(*right));
	if (!w || !minw || !right) {
		free(w);
		free(minw);
		free(right);
		return -ENOMEM;
	}
	total = (t->ncols - 1) * strlen(TABLE_GAP);
	for (c = 0; c < t->ncols; c++) {
		w[c] = table_strwidth(t->cols[c].header);
		minw[c] = w[c] > TABLE_MIN_WIDTH ? w[c] : TABLE_MIN_WIDTH;
		for (r = 0; r < t->nrows; r++) {
			size_t cw = table_strwidth(table_text(&t->cells[r * t->ncols + c]));

			if (cw > w[c])
				w[c] = cw;
		}
		if (minw[c] > w[c])
			minw[c] = w[c];
		right[c] = table_right(t, c);
		total += w[c];
	}
	/* Shave the widest column that can still give, one character at a time: first down to
	 * TABLE_KEEP_WIDTH, so that ids and times stay whole while long text gives, then down to
	 * each column's minimum.
	 */
	for (pass = 0; pass < 2 && width && total > width; pass++) {
		while (total > width) {
			size_t best = t->ncols, floor;

			for (c = 0; c < t->ncols; c++) {
				floor = minw[c];
				if (pass == 0 && floor < TABLE_KEEP_WIDTH)
					floor = TABLE_KEEP_WIDTH;
				if (w[c] > floor && (best == t->ncols || w[c] > w[best]))
					best = c;
			}
			if (best == t->ncols)
				break;
			w[best]--;
			total--;
		}
	}
	for (c = 0; c < t->ncols; c++) {
		table_put(f, t->cols[c].header, w[c], right[c], c + 1 == t->ncols);
		fputs(c + 1 == t->ncols ? "\n" : TABLE_GAP, f);
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			table_put(f, table_text(&t->cells[r * t->ncols + c]), w[c], right[c],
				  c + 1 == t->ncols);
			fputs(c + 1 == t->ncols ? "\n" : TABLE_GAP, f);
		}
	}
	free(w);
	free(minw);
	free(right);
	return ferror(f) ? -EIO : 0;
}

unsigned int table_term_width(int fd)
{
	struct winsize ws;
	const char *env;
	long n;

	if (!isatty(fd))
		return 0;
	env = getenv("COLUMNS");
	if (env && *env) {
		char *end;

		n = strtol(env, &end, 10);
		if (!*end && n > 0 && n < 100000)
			return (unsigned int)n;
	}
	if (!ioctl(fd, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return 0;
}
