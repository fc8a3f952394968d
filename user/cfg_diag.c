// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The loading context and its diagnostics: the JSON path being read, errors and warnings as
 * "file:line:col: $.path: message", what a value looked like, the model's allocations, and the
 * check that every member of an object was read or is known, and an API request read with the
 * same readers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg_internal.h"

void cfg_in(struct cfg *c, const char *key)
{
	if (c->depth < CFG_DEPTH)
		c->path[c->depth] = (struct cfg_comp){ key, 0 };
	c->depth++;
}

void cfg_at(struct cfg *c, size_t idx)
{
	if (c->depth < CFG_DEPTH)
		c->path[c->depth] = (struct cfg_comp){ NULL, idx };
	c->depth++;
}

void cfg_out(struct cfg *c)
{
	c->depth--;
}

/* Copies what fits of src, always terminated. */
void cfg_cpy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void cfg_add_error(struct cfg *c, int line, int col, const char *path, const char *text)
{
	struct config_error *e = c->err;

	if (e->count == 0) {
		e->line = line;
		e->col = col;
		cfg_cpy(e->path, sizeof(e->path), path);
		cfg_cpy(e->msg, sizeof(e->msg), text);
	}
	if (e->count < CONFIG_ERR_MAX)
		cfg_cpy(e->all[e->count], sizeof(e->all[0]), text);
	e->count++;
}

static void cfg_add_warning(struct cfg *c, const char *text)
{
	struct model *m = c->m;
	char **v;

	if (m->nwarnings >= CFG_MAX_WARNINGS) {
		c->warn_dropped = true;
		return;
	}
	v = realloc(m->warnings, (m->nwarnings + 1) * sizeof(*v));
	if (!v) {
		c->nomem = true;
		return;
	}
	m->warnings = v;
	v[m->nwarnings] = strdup(text);
	if (!v[m->nwarnings])
		c->nomem = true;
	else
		m->nwarnings++;
}

/* One diagnostic at byte offset off for the path given as text. */
void cfg_emit_at(struct cfg *c, bool error, size_t off, const char *path, const char *msg)
{
	char text[CONFIG_MSG_LEN + 512];
	int line, col;

	cfg_linecol(c->text, c->len, off, &line, &col);
	snprintf(text, sizeof(text), "%s:%d:%d: %s: %s", c->file, line, col, path, msg);
	if (error)
		cfg_add_error(c, line, col, path, text);
	else
		cfg_add_warning(c, text);
}

/* One diagnostic about the current path: at its value, or at its member name. */
static void cfg_vreport(struct cfg *c, bool error, bool at_key, const char *fmt, va_list ap)
{
	struct cfg_loc loc = cfg_locate(c->text, c->len, c->path, c->depth, at_key);
	char msg[CONFIG_MSG_LEN], path[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	cfg_path_format(c->path, c->depth, path, sizeof(path));
	cfg_emit_at(c, error, loc.off, path, msg);
}

__attribute__((format(printf, 2, 3))) void cfg_error(struct cfg *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(c, true, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) void cfg_warn(struct cfg *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(c, false, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) void cfg_warn_key(struct cfg *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(c, false, true, fmt, ap);
	va_end(ap);
}

/* An error about member key of the current object, which is missing. */
__attribute__((format(printf, 3, 4))) void cfg_missing(struct cfg *c, const char *key,
						       const char *fmt, ...)
{
	char msg[CONFIG_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_in(c, key);
	cfg_error(c, "missing: expected %s", msg);
	cfg_out(c);
}

/* The line where list[idx] starts, for "also at line N" in messages. */
int cfg_line_of(struct cfg *c, const char *list, size_t idx)
{
	struct cfg_comp p[2] = { { list, 0 }, { NULL, idx } };
	struct cfg_loc loc = cfg_locate(c->text, c->len, p, 2, false);
	int line, col;

	cfg_linecol(c->text, c->len, loc.off, &line, &col);
	return line;
}

/* What the file has at the current path, as written there when it is a scalar. */
const char *cfg_got(struct cfg *c, struct json_object *v, char *buf, size_t len)
{
	struct cfg_loc loc;
	size_t end, n;

	if (!v)
		return "null";
	if (json_object_is_type(v, json_type_object))
		return "an object";
	if (json_object_is_type(v, json_type_array))
		return "an array";
	loc = cfg_locate(c->text, c->len, c->path, c->depth, false);
	if (!loc.exact) {
		snprintf(buf, len, "%s",
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		return buf;
	}
	end = cfg_scan_value(c->text, c->len, loc.off);
	n = end - loc.off;
	if (n > 120)
		snprintf(buf, len, "%.116s...", c->text + loc.off);
	else
		snprintf(buf, len, "%.*s", (int)n, c->text + loc.off);
	return buf;
}

char *cfg_strdup(struct cfg *c, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		c->nomem = true;
	return d;
}

/* Appends one zeroed element to *arr (of *n elements of size bytes); NULL when out of memory. */
void *cfg_push(struct cfg *c, void *arr, size_t *n, size_t size)
{
	void *old;
	char *v;

	if (c->nomem)
		return NULL;
	/* arr points at a typed pointer: go through memcpy rather than a void ** alias */
	memcpy(&old, arr, sizeof(old));
	v = realloc(old, (*n + 1) * size);
	if (!v) {
		c->nomem = true;
		return NULL;
	}
	memset(v + *n * size, 0, size);
	memcpy(arr, &v, sizeof(v));
	return v + (*n)++ * size;
}

bool cfg_in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* Edit distance, case folded, for "did you mean" hints; long names are not compared. */
static size_t cfg_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best;
			int ca = a[i - 1], cb = b[j - 1];

			ca = (ca >= 'A' && ca <= 'Z') ? ca + 32 : ca;
			cb = (cb >= 'A' && cb <= 'Z') ? cb + 32 : cb;
			best = diag + (ca != cb);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const char *cfg_closest(const char *key, const char *const *a, const char *const *b)
{
	const char *const *lists[2] = { a, b }, *best = NULL;
	size_t bestd = 3, d;
	int k;

	for (k = 0; k < 2; k++)
		for (const char *const *p = lists[k]; p && *p; p++) {
			d = cfg_distance(key, *p);
			if (d < bestd) {
				bestd = d;
				best = *p;
			}
		}
	return best;
}

struct model_extra *cfg_extra_add(struct cfg *c, struct model_extras *ex, const char *key,
				  struct json_object *v, bool unknown)
{
	struct model_extra *e = cfg_push(c, &ex->v, &ex->n, sizeof(*e));

	if (!e)
		return NULL;
	e->key = cfg_strdup(c, key);
	e->json = cfg_strdup(
		c, v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE) :
		       "null");
	e->unknown = unknown;
	return e;
}

/* After an object's typed members are read: the members in kept are stored as they are (no
 * local meaning, shown back by describe-*), any other one is stored too and warned about.
 */
void cfg_finish(struct cfg *c, struct json_object *o, const char *const *typed,
		const char *const *kept, struct model_extras *ex)
{
	json_object_object_foreach(o, key, val)
	{
		bool known;
		const char *hint;

		if (cfg_in_list(typed, key))
			continue;
		known = cfg_in_list(kept, key);
		if (ex)
			cfg_extra_add(c, ex, key, val, !known);
		if (known)
			continue;
		hint = cfg_closest(key, typed, kept);
		cfg_in(c, key);
		if (hint)
			cfg_warn_key(c, "unknown field, ignored: did you mean \"%s\"?", hint);
		else
			cfg_warn_key(c, "unknown field, ignored");
		cfg_out(c);
	}
}

int cfg_request(struct model *m, const char *verb, const char *text, const char *what,
		void (*fn)(struct cfg *c, struct json_object *o, void *out), void *out,
		struct config_error *err)
{
	struct json_object *o;
	struct cfg c = { 0 };
	char msg[128];
	size_t i;
	int ret = -ENOMEM;

	memset(err, 0, sizeof(*err));
	c.file = verb;
	c.text = text;
	c.len = strlen(text);
	c.m = m;
	c.err = err;
	o = json_tokener_parse(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(msg, sizeof(msg), "expected %s", what);
		cfg_emit_at(&c, true, 0, "$", msg);
		ret = -EINVAL;
		goto out;
	}
	fn(&c, o, out);
	if (!c.nomem)
		ret = err->count ? -EINVAL : 0;
out:
	json_object_put(o);
	for (i = 0; i < m->nwarnings; i++)
		free(m->warnings[i]);
	free(m->warnings);
	m->warnings = NULL;
	m->nwarnings = 0;
	return ret;
}
