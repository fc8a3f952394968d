// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb-timeline: draws the demo's recorded series (capacity, CPU, requests) and its events
 * (launches, terminations, alarms, failures) as one SVG picture with three panels on a shared
 * time axis. The SVG is written by hand, so nothing beyond libc is needed; a PNG is made only
 * when a converter happens to be installed.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opts.h"

/* the picture: about 1000x700, three panels under a title, a legend and a band of labels */
#define TL_W 1000
#define TL_H 700
#define TL_ML 70 /* left margin: tick labels and the panels' names */
#define TL_MR 30
#define TL_BAND_Y 62   /* first row of event labels (baseline) */
#define TL_BAND_ROWS 4 /* rows of event labels */
#define TL_BAND_DY 14
#define TL_PANEL_Y 122
#define TL_PANEL_H 155
#define TL_PANEL_GAP 28
#define TL_FONT_W 6.6	/* width of a character of the 11 px labels, estimated */
#define TL_LABEL_MAX 24 /* characters of an event's label; the full text is its tooltip */
#define TL_KIND_MAX 15
#define TL_TEXT_MAX 200
#define TL_MAX_ROWS 1000000 /* a day at ten samples a second */
#define TL_MAX_EVENTS 10000

enum tl_col {
	TL_T,
	TL_DESIRED,
	TL_IN_SERVICE,
	TL_HEALTHY,
	TL_CPU,
	TL_RPS,
	TL_ERRORS,
	TL_COL_MAX,
};

static const char *const tl_col_names[TL_COL_MAX] = {
	[TL_T] = "t",
	[TL_DESIRED] = "desired",
	[TL_IN_SERVICE] = "in_service",
	[TL_HEALTHY] = "healthy",
	[TL_CPU] = "cpu",
	[TL_RPS] = "rps",
	[TL_ERRORS] = "errors",
};

struct tl_row {
	double v[TL_COL_MAX]; /* NAN where the field was empty: a gap in the line */
};

struct tl_event {
	double t;
	char kind[TL_KIND_MAX + 1];
	char text[TL_TEXT_MAX + 1];
};

struct tl_data {
	struct tl_row *rows;
	size_t nrows;
	struct tl_event *events;
	size_t nevents;
};

/* One panel's frame and scale. */
struct tl_panel {
	const char *id;
	const char *name;
	double top, height;
	double ymax, ystep;
};

/* The time axis, shared by the panels. */
struct tl_axis {
	double t0, t1;
	double x0, width;
};

/* Colours of event kinds; other kinds are grey. */
static const struct {
	const char *kind;
	const char *color;
} tl_kinds[] = {
	{ "launch", "#2ca02c" },  { "terminate", "#8c564b" }, { "alarm", "#9467bd" },
	{ "failure", "#d62728" }, { "scale", "#1f77b4" },     { "activity", "#17becf" },
};

static const char tl_synopsis[] =
	"Usage: xlb-timeline [OPTIONS] SERIES.csv\n"
	"Draws the demo's series and events as an SVG: capacity, CPU and requests on\n"
	"one time axis, the events marked across the three panels.\n"
	"\n";

static const char tl_epilog[] =
	"\n"
	"SERIES.csv has the header t,desired,in_service,healthy,cpu,rps,errors (any\n"
	"order; other columns are ignored): t in seconds, cpu in percent, rps and\n"
	"errors a second; an empty field is a gap. Lines starting with # are comments.\n"
	"Exit status: 0 done (also when no PNG converter is installed), 1 a file could\n"
	"not be read or written or the converter failed, 2 a usage error or a\n"
	"malformed input line.\n";

/* --- input --- */

static char *tl_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/* A finite number, or NAN for an empty field or "nan". Returns -EINVAL otherwise. */
static int tl_number(const char *s, double *v)
{
	char *end;

	if (*s == '\0' || !strcasecmp(s, "nan")) {
		*v = NAN;
		return 0;
	}
	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*v))
		return -EINVAL;
	return 0;
}

/* Maps the header's names to columns: map[i] is the column of field i, or -1. */
static int tl_parse_header(const char *path, unsigned int lineno, char *line, int *map,
			   int *nfields)
{
	bool seen[TL_COL_MAX] = { false };
	char *save = NULL, *f;
	int i = 0, c;

	for (f = strtok_r(line, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (i >= 64) {
			fprintf(stderr, "%s:%u: more than 64 columns\n", path, lineno);
			return -EINVAL;
		}
		f = tl_trim(f);
		map[i] = -1;
		for (c = 0; c < TL_COL_MAX; c++)
			if (!strcasecmp(f, tl_col_names[c])) {
				if (seen[c]) {
					fprintf(stderr, "%s:%u: column '%s' twice\n", path, lineno,
						f);
					return -EINVAL;
				}
				seen[c] = true;
				map[i] = c;
			}
		i++;
	}
	for (c = 0; c < TL_COL_MAX; c++)
		if (!seen[c]) {
			fprintf(stderr,
				"%s:%u: the header has no column '%s' (want "
				"t,desired,in_service,healthy,cpu,rps,errors)\n",
				path, lineno, tl_col_names[c]);
			return -EINVAL;
		}
	*nfields = i;
	return 0;
}

/* Splits on commas without strtok's merging of empty fields: ",," is a gap. */
static int tl_parse_row(const char *path, unsigned int lineno, char *line, const int *map,
			int nfields, struct tl_row *row)
{
	char *p = line;
	int i, c;

	for (c = 0; c < TL_COL_MAX; c++)
		row->v[c] = NAN;
	for (i = 0; i < nfields; i++) {
		char *comma = strchr(p, ',');
		char *f;

		if (!comma && i < nfields - 1) {
			fprintf(stderr, "%s:%u: %d fields, the header has %d\n", path, lineno,
				i + 1, nfields);
			return -EINVAL;
		}
		if (comma)
			*comma = '\0';
		f = tl_trim(p);
		if (map[i] >= 0 && tl_number(f, &row->v[map[i]])) {
			fprintf(stderr, "%s:%u: field '%s': not a number: '%s'\n", path, lineno,
				tl_col_names[map[i]], f);
			return -EINVAL;
		}
		p = comma ? comma + 1 : p + strlen(p);
	}
	if (*tl_trim(p)) {
		fprintf(stderr, "%s:%u: more fields than the header's %d\n", path, lineno, nfields);
		return -EINVAL;
	}
	if (isnan(row->v[TL_T])) {
		fprintf(stderr, "%s:%u: field 't': empty\n", path, lineno);
		return -EINVAL;
	}
	return 0;
}

/* One input file read line by line, for messages that name the file and the line. */
struct tl_lines {
	const char *path;
	FILE *f;
	char *line;
	size_t size;
	unsigned int lineno;
};

static int tl_lines_open(struct tl_lines *in, const char *path)
{
	int err;

	memset(in, 0, sizeof(*in));
	in->path = path;
	in->f = fopen(path, "r");
	if (!in->f) {
		err = -errno;
		fprintf(stderr, "xlb-timeline: %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}

/* The next line, its end kept; NULL at the end of the file or on a read error. */
static char *tl_lines_next(struct tl_lines *in)
{
	if (getline(&in->line, &in->size, in->f) <= 0)
		return NULL;
	in->lineno++;
	return in->line;
}

/* After the last line: -EIO, said, when the reading stopped on an error rather than the end. */
static int tl_lines_error(const struct tl_lines *in)
{
	if (!ferror(in->f))
		return 0;
	fprintf(stderr, "xlb-timeline: %s: read error\n", in->path);
	return -EIO;
}

static void tl_lines_close(struct tl_lines *in)
{
	free(in->line);
	fclose(in->f);
}

/* Room for one more item in the full array arr of *cap items of size bytes: doubled, from
 * first items, up to max. Returns the array, moved or not, or NULL with *err set (-E2BIG,
 * said with the file and line, or -ENOMEM); arr is still valid then.
 */
static void *tl_grow(const struct tl_lines *in, void *arr, size_t *cap, size_t size, size_t first,
		     size_t max, const char *what, int *err)
{
	size_t ncap = *cap ? 2 * *cap : first;
	void *p;

	if (*cap >= max) {
		fprintf(stderr, "%s:%u: more than %zu %s\n", in->path, in->lineno, max, what);
		*err = -E2BIG;
		return NULL;
	}
	p = realloc(arr, ncap * size);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	*cap = ncap;
	return p;
}

static int tl_read_series(const char *path, struct tl_data *d)
{
	int map[64], nfields = 0, err;
	bool have_header = false;
	struct tl_lines in;
	size_t cap = 0;
	char *line;

	err = tl_lines_open(&in, path);
	if (err)
		return err;
	while ((line = tl_lines_next(&in))) {
		char *s = tl_trim(line);
		struct tl_row row;

		if (*s == '\0' || *s == '#')
			continue;
		if (!have_header) {
			err = tl_parse_header(path, in.lineno, s, map, &nfields);
			if (err)
				goto out;
			have_header = true;
			continue;
		}
		err = tl_parse_row(path, in.lineno, s, map, nfields, &row);
		if (err)
			goto out;
		if (d->nrows && row.v[TL_T] < d->rows[d->nrows - 1].v[TL_T]) {
			fprintf(stderr, "%s:%u: field 't': %g comes before the line above's %g\n",
				path, in.lineno, row.v[TL_T], d->rows[d->nrows - 1].v[TL_T]);
			err = -EINVAL;
			goto out;
		}
		if (d->nrows == cap) {
			struct tl_row *r = tl_grow(&in, d->rows, &cap, sizeof(*r), 256, TL_MAX_ROWS,
						   "rows", &err);

			if (!r)
				goto out;
			d->rows = r;
		}
		d->rows[d->nrows++] = row;
	}
	err = tl_lines_error(&in);
	if (!err && !have_header) {
		fprintf(stderr,
			"%s: no header line (t,desired,in_service,healthy,cpu,rps,errors)\n", path);
		err = -EINVAL;
	}
out:
	tl_lines_close(&in);
	return err;
}

static int tl_event_cmp(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

/* t<TAB>kind<TAB>text; the text may be missing. */
static int tl_read_events(const char *path, struct tl_data *d)
{
	struct tl_lines in;
	size_t cap = 0;
	char *s;
	int err;

	err = tl_lines_open(&in, path);
	if (err)
		return err;
	while ((s = tl_lines_next(&in))) {
		char *t, *kind, *text, *tab, *k;
		struct tl_event ev;

		s[strcspn(s, "\r\n")] = '\0';
		if (*tl_trim(s) == '\0' || *tl_trim(s) == '#')
			continue;
		t = s;
		tab = strchr(t, '\t');
		if (!tab) {
			fprintf(stderr, "%s:%u: want t<TAB>kind<TAB>text\n", path, in.lineno);
			err = -EINVAL;
			goto out;
		}
		*tab = '\0';
		kind = tab + 1;
		tab = strchr(kind, '\t');
		text = "";
		if (tab) {
			*tab = '\0';
			text = tab + 1;
		}
		t = tl_trim(t);
		kind = tl_trim(kind);
		if (tl_number(t, &ev.t) || isnan(ev.t)) {
			fprintf(stderr, "%s:%u: field 't': not a number: '%s'\n", path, in.lineno,
				t);
			err = -EINVAL;
			goto out;
		}
		for (k = kind; *k; k++)
			if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-' ||
			      *k == '_'))
				break;
		if (*kind == '\0' || *k || strlen(kind) > TL_KIND_MAX) {
			fprintf(stderr, "%s:%u: field 'kind': '%s' is not 1-%d of [a-z0-9_-]\n",
				path, in.lineno, kind, TL_KIND_MAX);
			err = -EINVAL;
			goto out;
		}
		strcpy(ev.kind, kind);
		snprintf(ev.text, sizeof(ev.text), "%s", tl_trim(text));
		if (d->nevents == cap) {
			struct tl_event *e = tl_grow(&in, d->events, &cap, sizeof(*e), 64,
						     TL_MAX_EVENTS, "events", &err);

			if (!e)
				goto out;
			d->events = e;
		}
		d->events[d->nevents++] = ev;
	}
	err = tl_lines_error(&in);
	/* stable enough: equal times keep no particular order, and need none */
	if (!err && d->nevents)
		qsort(d->events, d->nevents, sizeof(*d->events), tl_event_cmp);
out:
	tl_lines_close(&in);
	return err;
}

/* --- SVG --- */

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t tl_utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Text as XML character data: escaped, control characters and broken UTF-8 replaced, at most
 * max characters (0: no limit), an ellipsis where it was cut. Returns the characters written.
 */
static size_t tl_xml_text(FILE *f, const char *text, size_t max)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t chars = 0;

	while (*s) {
		size_t n = tl_utf8_len(s);

		if (max && chars == max - 1 && s[n ? n : 1]) {
			fputs("\xe2\x80\xa6", f); /* U+2026 */
			return chars + 1;
		}
		chars++;
		if (!n) {
			fputc('?', f);
			s++;
			continue;
		}
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f)
				fputc(' ', f);
			else
				fwrite(s, 1, n, f);
		}
		s += n;
	}
	return chars;
}

/* Characters text shows as, at most max, as tl_xml_text counts them. */
static size_t tl_text_chars(const char *text, size_t max)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t chars = 0;

	while (*s && (!max || chars < max)) {
		size_t n = tl_utf8_len(s);

		s += n ? n : 1;
		chars++;
	}
	return chars;
}

/* 1, 2 or 5 times a power of ten, so that range / step is about n. */
static double tl_nice_step(double range, int n)
{
	double raw = range / n, mag, norm;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	if (norm < 1.5)
		return mag;
	if (norm < 3)
		return 2 * mag;
	if (norm < 7)
		return 5 * mag;
	return 10 * mag;
}

static void tl_scale(struct tl_panel *p, double max, double floor_max, bool integer)
{
	if (!(max > floor_max))
		max = floor_max;
	p->ystep = tl_nice_step(max * 1.08, 4);
	if (integer && p->ystep < 1)
		p->ystep = 1;
	p->ymax = ceil(max * 1.08 / p->ystep) * p->ystep;
	if (p->ymax <= 0)
		p->ymax = p->ystep;
}

static double tl_x(const struct tl_axis *a, double t)
{
	return a->x0 + (t - a->t0) / (a->t1 - a->t0) * a->width;
}

static double tl_y(const struct tl_panel *p, double v)
{
	if (v < 0)
		v = 0;
	if (v > p->ymax)
		v = p->ymax;
	return p->top + p->height - v / p->ymax * p->height;
}

static const char *tl_kind_color(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(tl_kinds) / sizeof(tl_kinds[0]); i++)
		if (!strcmp(kind, tl_kinds[i].kind))
			return tl_kinds[i].color;
	return "#7f7f7f";
}

/* Numbers for axes: no trailing zeros, no "-0". */
static void tl_fmt(char *buf, size_t size, double v)
{
	if (fabs(v) < 1e-9)
		v = 0;
	snprintf(buf, size, "%g", v);
}

/* The frame, grid, ticks and name of a panel; x labels only under the last one. */
static void tl_panel_frame(FILE *f, const struct tl_axis *a, const struct tl_panel *p,
			   bool x_labels)
{
	double step = tl_nice_step(a->t1 - a->t0, 10), t, v;
	double bottom = p->top + p->height;
	char num[32];

	fprintf(f,
		"<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"#fcfcfc\" stroke=\"#999\"/>\n",
		a->x0, p->top, a->width, p->height);
	for (t = ceil(a->t0 / step) * step; t <= a->t1 + step * 1e-6; t += step) {
		double x = tl_x(a, t);

		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
			x, p->top, x, bottom);
		if (x_labels) {
			tl_fmt(num, sizeof(num), t);
			fprintf(f,
				"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
				"fill=\"#444\">%s</text>\n",
				x, bottom + 15, num);
		}
	}
	for (v = 0; v <= p->ymax + p->ystep * 1e-6; v += p->ystep) {
		double y = tl_y(p, v);

		if (v > 0)
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#e4e4e4\"/>\n",
				a->x0, y, a->x0 + a->width, y);
		tl_fmt(num, sizeof(num), v);
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%s</text>\n",
			a->x0 - 6, y + 4, num);
	}
	/* the panel's name, upright along its left edge */
	fprintf(f,
		"<text class=\"panel-name\" x=\"18\" y=\"%.1f\" text-anchor=\"middle\" "
		"font-weight=\"bold\" transform=\"rotate(-90 18 %.1f)\">%s</text>\n",
		p->top + p->height / 2, p->top + p->height / 2, p->name);
}

/* One series: a step line (a count holds until the next sample) or a straight one. Empty
 * fields break the line.
 */
static void tl_series(FILE *f, const struct tl_axis *a, const struct tl_panel *p,
		      const struct tl_data *d, enum tl_col col, const char *color, double width,
		      const char *dash, bool step)
{
	bool open = false;
	size_t i;

	fprintf(f,
		"<path class=\"series-%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s d=\"",
		tl_col_names[col], color, width, dash ? " stroke-dasharray=\"" : "",
		dash ? dash : "", dash ? "\"" : "");
	for (i = 0; i < d->nrows; i++) {
		double v = d->rows[i].v[col], x = tl_x(a, d->rows[i].v[TL_T]);

		if (isnan(v)) {
			open = false;
			continue;
		}
		if (!open)
			fprintf(f, "M%.1f %.1f", x, tl_y(p, v));
		else if (step)
			fprintf(f, "H%.1f V%.1f", x, tl_y(p, v));
		else
			fprintf(f, "L%.1f %.1f", x, tl_y(p, v));
		fputc(' ', f);
		open = true;
	}
	fprintf(f, "\"/>\n");
}

/* A panel's legend, right-aligned in its top corner, on a white ground. */
static void tl_legend(FILE *f, const struct tl_axis *a, const struct tl_panel *p,
		      const char *const *names, const char *const *colors,
		      const char *const *dashes, int n)
{
	double w = 0, x, y = p->top + 6;
	int i;

	for (i = 0; i < n; i++)
		w += 28 + TL_FONT_W * strlen(names[i]) + 10;
	x = a->x0 + a->width - w - 6;
	fprintf(f,
		"<g class=\"legend\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" "
		"fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n",
		x - 4, y, w + 4);
	for (i = 0; i < n; i++) {
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"%s%s%s/>",
			x, y + 9, x + 22, y + 9, colors[i], dashes[i] ? " stroke-dasharray=\"" : "",
			dashes[i] ? dashes[i] : "", dashes[i] ? "\"" : "");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text>\n", x + 26,
			y + 13, names[i]);
		x += 28 + TL_FONT_W * strlen(names[i]) + 10;
	}
	fprintf(f, "</g>\n");
}

static double tl_col_max(const struct tl_data *d, enum tl_col col)
{
	double m = 0;
	size_t i;

	for (i = 0; i < d->nrows; i++)
		if (d->rows[i].v[col] > m)
			m = d->rows[i].v[col];
	return m;
}

/* Events close together (same kind, a few pixels apart) share one label: "first (+N)". */
struct tl_group {
	size_t first, n;
	double x;
	int prio;
	int row; /* of the label; -1: no room for it, the marker stays */
	double lx, w;
	bool end_anchor;
	size_t max;	  /* characters of the text shown, the suffix not included */
	const char *text; /* the first event's */
	char suffix[16];  /* " (+N)" for a group of N + 1 events */
};

/* Which labels win the room in the band: failures, then alarms, then capacity changes. */
static int tl_kind_prio(const char *kind)
{
	static const char *const order[] = { "failure", "alarm", "scale", "launch", "terminate" };
	int i;

	for (i = 0; i < 5; i++)
		if (!strcmp(kind, order[i]))
			return i;
	return 5;
}

static int tl_group_cmp(const void *a, const void *b)
{
	const struct tl_group *const *x = a, *const *y = b;

	if ((*x)->prio != (*y)->prio)
		return (*x)->prio - (*y)->prio;
	return ((*x)->first > (*y)->first) - ((*x)->first < (*y)->first);
}

/* Whether [lx, lx + w] is clear of the labels already placed in row r. */
static bool tl_row_free(struct tl_group **placed, size_t n, int r, double lx, double w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (placed[i]->row == r && lx < placed[i]->lx + placed[i]->w + 6 &&
		    placed[i]->lx < lx + w + 6)
			return false;
	return true;
}

/* Finds a row for g's label, full or shortened; leaves g->row at -1 when none has room. */
static void tl_place(struct tl_group *g, struct tl_group **placed, size_t nplaced)
{
	static const size_t tries[] = { TL_LABEL_MAX, 10 };
	size_t t;
	int r;

	g->row = -1;
	for (t = 0; t < 2; t++) {
		g->max = tries[t] - strlen(g->suffix);
		g->w = TL_FONT_W * (tl_text_chars(g->text, g->max) + strlen(g->suffix));
		g->end_anchor = g->x + 3 + g->w > TL_W - 4;
		g->lx = g->end_anchor ? g->x - 3 - g->w : g->x + 3;
		for (r = 0; r < TL_BAND_ROWS; r++)
			if (tl_row_free(placed, nplaced, r, g->lx, g->w)) {
				g->row = r;
				return;
			}
	}
}

/* Event markers: a line across the three panels and a short label in the band above them;
 * the full text of every event is in its marker's tooltip.
 */
static int tl_events(FILE *f, const struct tl_axis *a, const struct tl_data *d, double bottom)
{
	struct tl_group *groups = NULL, **order = NULL;
	size_t i, j, ng = 0;
	int err = 0, pass;

	fprintf(f, "<g id=\"events\">\n");
	if (!d->nevents)
		goto out;
	groups = calloc(d->nevents, sizeof(*groups));
	order = calloc(d->nevents, sizeof(*order));
	if (!groups || !order) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < d->nevents; i++) {
		const struct tl_event *e = &d->events[i];
		double x = tl_x(a, e->t);
		struct tl_group *g = ng ? &groups[ng - 1] : NULL;

		if (g && !strcmp(d->events[g->first].kind, e->kind) && x - g->x <= 12) {
			g->n++;
			continue;
		}
		g = &groups[ng++];
		g->first = i;
		g->n = 1;
		g->x = x;
		g->prio = tl_kind_prio(e->kind);
	}
	for (i = 0; i < ng; i++) {
		const struct tl_event *e = &d->events[groups[i].first];

		groups[i].text = *e->text ? e->text : e->kind;
		if (groups[i].n > 1)
			snprintf(groups[i].suffix, sizeof(groups[i].suffix), " (+%u)",
				 (unsigned int)(groups[i].n - 1) % 100000);
		order[i] = &groups[i];
	}
	qsort(order, ng, sizeof(*order), tl_group_cmp);
	for (i = 0; i < ng; i++)
		tl_place(order[i], order, i);

	/* the lines first, then the labels over them, so that no line crosses a label */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < ng; i++) {
			const struct tl_group *g = &groups[i];
			const struct tl_event *e0 = &d->events[g->first];
			const char *color = tl_kind_color(e0->kind);
			double y =
				TL_BAND_Y + (g->row < 0 ? TL_BAND_ROWS - 1 : g->row) * TL_BAND_DY;

			fprintf(f, "<g class=\"%s event-%s\"><title>",
				pass ? "event" : "event-line", e0->kind);
			for (j = g->first; j < g->first + g->n; j++) {
				fprintf(f, "%st=%g s %s: ", j > g->first ? "\n" : "",
					d->events[j].t, d->events[j].kind);
				tl_xml_text(f, d->events[j].text, 0);
			}
			fprintf(f, "</title>\n");
			for (j = g->first; !pass && j < g->first + g->n; j++)
				fprintf(f,
					"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
					"stroke=\"%s\" stroke-width=\"1.2\" "
					"stroke-dasharray=\"4 3\" opacity=\"0.8\"/>\n",
					tl_x(a, d->events[j].t), y + 3, tl_x(a, d->events[j].t),
					bottom, color);
			if (pass)
				fprintf(f,
					"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
					g->x, y + 3, color);
			if (pass && g->row >= 0) {
				fprintf(f,
					"<text class=\"event-label\" x=\"%.1f\" y=\"%.1f\" "
					"font-size=\"11\" fill=\"%s\" stroke=\"white\" "
					"stroke-width=\"3\" paint-order=\"stroke\"%s>",
					g->end_anchor ? g->x - 3 : g->x + 3, y, color,
					g->end_anchor ? " text-anchor=\"end\"" : "");
				tl_xml_text(f, g->text, g->max);
				fprintf(f, "%s</text>", g->suffix);
			}
			fprintf(f, "</g>\n");
		}
out:
	fprintf(f, "</g>\n");
	free(groups);
	free(order);
	return err;
}

/* The title and, beside it, the kinds of events the picture shows. */
static void tl_header(FILE *f, const char *title, const struct tl_data *d)
{
	const char *seen[32];
	size_t i, j, nseen = 0;
	double x;

	fprintf(f, "<text id=\"title\" x=\"%d\" y=\"26\" font-size=\"18\" font-weight=\"bold\">",
		TL_ML);
	tl_xml_text(f, title, 0);
	fprintf(f, "</text>\n<g id=\"event-legend\" font-size=\"11\">\n");
	for (i = 0; i < d->nevents && nseen < 32; i++) {
		for (j = 0; j < nseen; j++)
			if (!strcmp(seen[j], d->events[i].kind))
				break;
		if (j == nseen)
			seen[nseen++] = d->events[i].kind;
	}
	x = TL_ML;
	if (nseen)
		fprintf(f, "<text x=\"%.1f\" y=\"44\" fill=\"#444\">events:</text>\n", x);
	x += 50;
	for (j = 0; j < nseen; j++) {
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"34\" x2=\"%.1f\" y2=\"47\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"4 3\"/>"
			"<text x=\"%.1f\" y=\"44\">%s</text>\n",
			x, x, tl_kind_color(seen[j]), x + 5, seen[j]);
		x += 16 + TL_FONT_W * strlen(seen[j]);
	}
	fprintf(f, "</g>\n");
}

static int tl_draw(FILE *f, const struct tl_data *d, const char *title, double target,
		   bool has_target)
{
	static const char *const cap_names[] = { "desired", "InService", "healthy" };
	static const char *const cap_colors[] = { "#222222", "#1f77b4", "#2ca02c" };
	static const char *const cap_dashes[] = { NULL, NULL, "5 3" };
	static const char *const cpu_names[] = { "CPU % (average)", "target" };
	static const char *const cpu_colors[] = { "#ff7f0e", "#555555" };
	static const char *const cpu_dashes[] = { NULL, "6 4" };
	static const char *const rps_names[] = { "requests/s", "errors/s" };
	static const char *const rps_colors[] = { "#1f77b4", "#d62728" };
	static const char *const rps_dashes[] = { NULL, NULL };
	struct tl_panel cap = { "panel-capacity", "capacity", TL_PANEL_Y, TL_PANEL_H, 0, 0 };
	struct tl_panel cpu = { "panel-cpu", "CPU %", cap.top + TL_PANEL_H + TL_PANEL_GAP,
				TL_PANEL_H,  0,	      0 };
	struct tl_panel rps = {
		"panel-rps", "requests/s", cpu.top + TL_PANEL_H + TL_PANEL_GAP, TL_PANEL_H, 0, 0
	};
	struct tl_axis a = { 0, 1, TL_ML, TL_W - TL_ML - TL_MR };
	double m;
	size_t i;
	int err;

	/* the time axis covers the series and the events */
	if (d->nrows) {
		a.t0 = d->rows[0].v[TL_T];
		a.t1 = d->rows[d->nrows - 1].v[TL_T];
	} else {
		a.t0 = a.t1 = d->events[0].t;
	}
	if (d->nevents) {
		a.t0 = fmin(a.t0, d->events[0].t);
		a.t1 = fmax(a.t1, d->events[d->nevents - 1].t);
	}
	if (a.t1 - a.t0 < 1e-9)
		a.t1 = a.t0 + 1;

	m = fmax(tl_col_max(d, TL_DESIRED),
		 fmax(tl_col_max(d, TL_IN_SERVICE), tl_col_max(d, TL_HEALTHY)));
	tl_scale(&cap, m, 1, true);
	tl_scale(&cpu, fmax(tl_col_max(d, TL_CPU), has_target ? target : 0), 100, false);
	m = fmax(tl_col_max(d, TL_RPS), tl_col_max(d, TL_ERRORS));
	tl_scale(&rps, m, 1, false);

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, "
		"sans-serif\" font-size=\"12\">\n<title>",
		TL_W, TL_H, TL_W, TL_H);
	tl_xml_text(f, title, 0);
	fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", TL_W, TL_H);
	tl_header(f, title, d);

	fprintf(f, "<g id=\"%s\">\n", cap.id);
	tl_panel_frame(f, &a, &cap, false);
	tl_series(f, &a, &cap, d, TL_DESIRED, cap_colors[0], 3, NULL, true);
	tl_series(f, &a, &cap, d, TL_IN_SERVICE, cap_colors[1], 1.8, NULL, true);
	tl_series(f, &a, &cap, d, TL_HEALTHY, cap_colors[2], 1.6, cap_dashes[2], true);
	tl_legend(f, &a, &cap, cap_names, cap_colors, cap_dashes, 3);
	fprintf(f, "</g>\n<g id=\"%s\">\n", cpu.id);
	tl_panel_frame(f, &a, &cpu, false);
	if (has_target)
		fprintf(f,
			"<line class=\"target\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"%s\"/>\n",
			a.x0, tl_y(&cpu, target), a.x0 + a.width, tl_y(&cpu, target), cpu_colors[1],
			cpu_dashes[1]);
	tl_series(f, &a, &cpu, d, TL_CPU, cpu_colors[0], 1.8, NULL, false);
	tl_legend(f, &a, &cpu, cpu_names, cpu_colors, cpu_dashes, has_target ? 2 : 1);
	fprintf(f, "</g>\n<g id=\"%s\">\n", rps.id);
	tl_panel_frame(f, &a, &rps, true);
	tl_series(f, &a, &rps, d, TL_RPS, rps_colors[0], 1.8, NULL, false);
	tl_series(f, &a, &rps, d, TL_ERRORS, rps_colors[1], 1.5, NULL, false);
	/* a dot on every second with errors, so that a few stay visible next to many requests */
	for (i = 0; i < d->nrows; i++)
		if (d->rows[i].v[TL_ERRORS] > 0)
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
				tl_x(&a, d->rows[i].v[TL_T]), tl_y(&rps, d->rows[i].v[TL_ERRORS]),
				rps_colors[1]);
	tl_legend(f, &a, &rps, rps_names, rps_colors, rps_dashes, 2);
	fprintf(f,
		"</g>\n<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">time "
		"(s)</text>\n",
		a.x0 + a.width / 2, TL_H - 14);
	err = tl_events(f, &a, d, rps.top + rps.height);
	fprintf(f, "</svg>\n");
	return err;
}

/* --- output --- */

/* Writes through a temporary file renamed into place, so a reader never sees half a picture. */
static int tl_write(const char *path, const struct tl_data *d, const char *title, double target,
		    bool has_target)
{
	char tmp[4096];
	FILE *f;
	int err = 0;

	if (!path || !strcmp(path, "-")) {
		err = tl_draw(stdout, d, title, target, has_target);
		return fflush(stdout) && !err ? -errno : err;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	err = tl_draw(f, d, title, target, has_target);
	if (ferror(f) && !err)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* The first of names found as an executable on $PATH, or NULL. */
static const char *tl_find_tool(const char *const *names, int n)
{
	const char *path = getenv("PATH");
	char buf[4096];
	int i;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (i = 0; i < n; i++) {
		const char *p = path;

		while (*p) {
			size_t len = strcspn(p, ":");

			if (len &&
			    snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, names[i]) <
				    (int)sizeof(buf) &&
			    access(buf, X_OK) == 0)
				return names[i];
			p += len;
			if (*p == ':')
				p++;
		}
	}
	return NULL;
}

/* Returns 0 when made, 1 when no converter is installed, -errno when the converter failed. */
static int tl_png(const char *svg, const char *png)
{
	static const char *const tools[] = { "rsvg-convert", "convert" };
	const char *tool = tl_find_tool(tools, 2);
	int status;
	pid_t pid;

	if (!tool)
		return 1;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!strcmp(tool, "rsvg-convert"))
			execlp(tool, tool, "--format", "png", "--output", png, svg, (char *)NULL);
		else
			execlp(tool, tool, svg, png, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "xlb-timeline: %s failed (%s %d)\n", tool,
			WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *events = NULL, *output = NULL, *png = NULL;
	const char *title = "xlb: capacity, CPU and requests";
	struct tl_data d = { 0 };
	bool has_target = false;
	double target = 0;
	const struct opts_opt opts[] = {
		{ "events", 'e', OPTS_STRING, &events, "FILE",
		  "events, one a line: t<TAB>kind<TAB>text" },
		{ "output", 'o', OPTS_STRING, &output, "FILE", "the SVG (default: stdout)" },
		{ "target", 't', OPTS_DOUBLE, &target, "PCT",
		  "a dashed line at PCT on the CPU panel", .dmin = 0, .dmax = 1000,
		  .want = "0..1000 %", .seen = &has_target },
		{ "title", 'T', OPTS_STRING, &title, "TEXT",
		  "the title (default: \"xlb: capacity, CPU and requests\")" },
		{ "png", 'p', OPTS_STRING, &png, "FILE",
		  "also a PNG, with rsvg-convert or ImageMagick's convert\n"
		  "when one is installed (needs --output)" },
		{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },
		{},
	};
	const struct opts_tool tool = { "xlb-timeline", tl_synopsis, tl_epilog, 22, opts };
	int first, err, rc = 0;

	err = opts_parse(&tool, argc, argv, &first);
	if (err)
		return err == 1 ? 0 : err;
	if (first != argc - 1) {
		fprintf(stderr, "xlb-timeline: %s (see --help)\n",
			first >= argc ? "no SERIES.csv" : "one SERIES.csv only");
		return 2;
	}
	if (png && (!output || !strcmp(output, "-"))) {
		fprintf(stderr, "xlb-timeline: --png needs --output FILE (the SVG it converts)\n");
		return 2;
	}

	err = tl_read_series(argv[first], &d);
	if (!err && events)
		err = tl_read_events(events, &d);
	if (err) {
		rc = err == -EINVAL || err == -E2BIG ? 2 : 1;
		goto out;
	}
	if (!d.nrows && !d.nevents) {
		fprintf(stderr, "xlb-timeline: %s: no data lines and no events: nothing to draw\n",
			argv[first]);
		rc = 2;
		goto out;
	}
	err = tl_write(output, &d, title, target, has_target);
	if (err) {
		fprintf(stderr, "xlb-timeline: %s: %s\n", output ? output : "stdout",
			strerror(-err));
		rc = 1;
		goto out;
	}
	if (png) {
		err = tl_png(output, png);
		if (err == 1) {
			fprintf(stderr, "xlb-timeline: no PNG: neither rsvg-convert (librsvg2-bin) "
					"nor convert (ImageMagick) is installed\n");
		} else if (err) {
			fprintf(stderr, "xlb-timeline: %s: %s\n", png, strerror(-err));
			rc = 1;
		}
	}
out:
	free(d.rows);
	free(d.events);
	return rc;
}
