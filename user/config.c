// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Configuration loading: json-c parses the text (comments allowed), this file checks it against
 * AWS's shapes, fills in AWS's defaults, resolves names and ARNs, and places every problem at a
 * file:line:col and a JSON path by scanning the text again, since json-c keeps no positions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../bpf/xlb_shared.h"
#include "config.h"
#include "cron.h"

_Static_assert((int)MODEL_MODE_NAT == (int)XLB_MODE_NAT &&
		       (int)MODEL_MODE_DSR == (int)XLB_MODE_DSR &&
		       (int)MODEL_MODE_IPIP == (int)XLB_MODE_IPIP,
	       "enum model_mode follows enum xlb_mode");

#define CFG_DEPTH 24		/* JSON path components kept; the schema needs 10 */
#define CFG_MAX_WARNINGS 1000	/* past this, one line says that more were dropped */
#define CFG_USER_DATA_MAX 16384 /* AWS's limit on user data, in raw form */

/* AWS's figures. Burstable types (t2, t3) sustain baseline_pct of each vCPU; the launcher turns
 * vCPUs x baseline into a cgroup CPU quota scaled to this host.
 */
static const struct model_instance_type config_itypes[] = {
	{ "t2.nano", 1, 512, 5 },	{ "t2.micro", 1, 1024, 10 },
	{ "t2.small", 1, 2048, 20 },	{ "t2.medium", 2, 4096, 20 },
	{ "t3.nano", 2, 512, 5 },	{ "t3.micro", 2, 1024, 10 },
	{ "t3.small", 2, 2048, 20 },	{ "t3.medium", 2, 4096, 20 },
	{ "t3.large", 2, 8192, 30 },	{ "t3.xlarge", 4, 16384, 40 },
	{ "t3.2xlarge", 8, 32768, 40 }, { "m5.large", 2, 8192, 100 },
	{ "m5.xlarge", 4, 16384, 100 }, { "c5.large", 2, 4096, 100 },
	{ "c5.xlarge", 4, 8192, 100 },
};

const struct model_instance_type *config_instance_types(size_t *n)
{
	*n = sizeof(config_itypes) / sizeof(config_itypes[0]);
	return config_itypes;
}

const struct model_instance_type *config_instance_type(const char *name)
{
	size_t i, n;
	const struct model_instance_type *t = config_instance_types(&n);

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

/* ------------------------------------------------------------------------------------------
 * The position finder: scans the text as json-c read it (comments, both quote styles, escapes)
 * to find where a JSON path starts. It skips what it does not follow; it builds nothing.
 */

struct cfg_comp {
	const char *key; /* member name, or NULL for an array index */
	size_t idx;
};

struct cfg_loc {
	size_t off;
	bool exact; /* the whole path was found, not just a prefix */
};

static bool cfg_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Whitespace and comments from i; returns the next significant offset (or n). A UTF-8 byte
 * order mark counts as whitespace: json-c is given the text after it, and accepted text has one
 * nowhere else outside strings.
 */
static size_t scan_ws(const char *t, size_t n, size_t i)
{
	while (i < n) {
		if (cfg_is_space(t[i])) {
			i++;
		} else if (i + 2 < n && !memcmp(t + i, "\xef\xbb\xbf", 3)) {
			i += 3;
		} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '/') {
			while (i < n && t[i] != '\n')
				i++;
		} else if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
			i += 2;
			while (i + 1 < n && !(t[i] == '*' && t[i + 1] == '/'))
				i++;
			i = i + 1 < n ? i + 2 : n;
		} else {
			break;
		}
	}
	return i;
}

/* A string starting at its quote i (json-c takes ' as well as "); returns the offset after it. */
static size_t scan_string(const char *t, size_t n, size_t i)
{
	char q = t[i++];

	while (i < n) {
		if (t[i] == '\\')
			i += 2;
		else if (t[i++] == q)
			return i;
	}
	return n;
}

/* One value from i: a string, a container with everything in it, or a bare scalar. */
static size_t scan_value(const char *t, size_t n, size_t i)
{
	int depth = 0;

	if (i >= n)
		return n;
	if (t[i] == '"' || t[i] == '\'')
		return scan_string(t, n, i);
	if (t[i] != '{' && t[i] != '[') {
		while (i < n && !cfg_is_space(t[i]) && !strchr(",:]}", t[i]) &&
		       !(t[i] == '/' && i + 1 < n && (t[i + 1] == '/' || t[i + 1] == '*')))
			i++;
		return i;
	}
	while (i < n) {
		i = scan_ws(t, n, i);
		if (i >= n)
			break;
		if (t[i] == '"' || t[i] == '\'') {
			i = scan_string(t, n, i);
			continue;
		}
		if (t[i] == '{' || t[i] == '[') {
			depth++;
		} else if (t[i] == '}' || t[i] == ']') {
			if (--depth == 0)
				return i + 1;
		}
		i++;
	}
	return n;
}

static size_t cfg_utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool cfg_hex4(const char *t, size_t n, size_t i, uint32_t *v)
{
	size_t k;

	*v = 0;
	if (i + 4 > n)
		return false;
	for (k = i; k < i + 4; k++) {
		char ch = t[k];

		*v <<= 4;
		if (ch >= '0' && ch <= '9')
			*v |= (uint32_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			*v |= (uint32_t)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			*v |= (uint32_t)(ch - 'A' + 10);
		else
			return false;
	}
	return true;
}

/* Does the string at i decode to key? Escapes are decoded as json-c does, so that a member
 * written "Min\u0053ize" is found as MinSize.
 */
static bool scan_key_is(const char *t, size_t n, size_t i, const char *key)
{
	size_t klen = strlen(key), k = 0;
	char q = t[i++], buf[4];

	while (i < n && t[i] != q) {
		size_t blen = 1;
		uint32_t cp, lo;

		buf[0] = t[i++];
		if (buf[0] == '\\' && i < n) {
			char e = t[i++];

			switch (e) {
			case 'b':
				buf[0] = '\b';
				break;
			case 'f':
				buf[0] = '\f';
				break;
			case 'n':
				buf[0] = '\n';
				break;
			case 'r':
				buf[0] = '\r';
				break;
			case 't':
				buf[0] = '\t';
				break;
			case 'u':
				if (!cfg_hex4(t, n, i, &cp))
					return false;
				i += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < n && t[i] == '\\' &&
				    t[i + 1] == 'u' && cfg_hex4(t, n, i + 2, &lo) && lo >= 0xdc00 &&
				    lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
				blen = cfg_utf8_put(cp, buf);
				break;
			default:
				buf[0] = e;
				break;
			}
		}
		if (k + blen > klen || memcmp(key + k, buf, blen))
			return false;
		k += blen;
	}
	return i < n && k == klen;
}

/* Where the value at path[0..depth) starts (or its member name, with want_key), else the
 * deepest part of the path that exists. Duplicate members: the last one, as json-c keeps.
 */
static struct cfg_loc cfg_locate(const char *t, size_t n, const struct cfg_comp *path, int depth,
				 bool want_key)
{
	size_t i = scan_ws(t, n, 0);
	struct cfg_loc best = { i, depth == 0 };
	int k;

	for (k = 0; k < depth && k < CFG_DEPTH; k++) {
		const struct cfg_comp *p = &path[k];

		if (i >= n)
			return best;
		if (p->key) {
			size_t kpos = SIZE_MAX, vpos = 0;

			if (t[i] != '{')
				return best;
			i = scan_ws(t, n, i + 1);
			while (i < n && (t[i] == '"' || t[i] == '\'')) {
				size_t ks = i;
				bool match = scan_key_is(t, n, i, p->key);

				i = scan_ws(t, n, scan_string(t, n, i));
				if (i >= n || t[i] != ':')
					break;
				i = scan_ws(t, n, i + 1);
				if (match) {
					kpos = ks;
					vpos = i;
				}
				i = scan_ws(t, n, scan_value(t, n, i));
				if (i >= n || t[i] != ',')
					break;
				i = scan_ws(t, n, i + 1);
			}
			if (kpos == SIZE_MAX)
				return best;
			if (k == depth - 1 && want_key)
				return (struct cfg_loc){ kpos, true };
			i = vpos;
		} else {
			size_t j;

			if (t[i] != '[')
				return best;
			i = scan_ws(t, n, i + 1);
			for (j = 0; j < p->idx; j++) {
				if (i >= n || t[i] == ']')
					return best;
				i = scan_ws(t, n, scan_value(t, n, i));
				if (i >= n || t[i] != ',')
					return best;
				i = scan_ws(t, n, i + 1);
			}
			if (i >= n || t[i] == ']')
				return best;
		}
		best.off = i;
		best.exact = k == depth - 1;
	}
	return best;
}

static void cfg_linecol(const char *t, size_t n, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	i = n >= 3 && !memcmp(t, "\xef\xbb\xbf", 3) ? 3 : 0; /* editors do not show it */
	for (; i < off && i < n; i++) {
		if (t[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)t[i] & 0xc0) != 0x80) {
			(*col)++; /* columns count characters, not UTF-8 bytes */
		}
	}
}

/* A member name fit for ".name"; others are written ["name"]. */
static bool cfg_plain_key(const char *k)
{
	if (!*k || (*k >= '0' && *k <= '9'))
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

static void cfg_path_format(const struct cfg_comp *path, int depth, char *out, size_t len)
{
	size_t o;
	int k;

	o = (size_t)snprintf(out, len, "$");
	for (k = 0; k < depth && k < CFG_DEPTH && o < len; k++) {
		const char *s = path[k].key;

		if (!s) {
			o += (size_t)snprintf(out + o, len - o, "[%zu]", path[k].idx);
		} else if (cfg_plain_key(s)) {
			o += (size_t)snprintf(out + o, len - o, ".%s", s);
		} else {
			o += (size_t)snprintf(out + o, len - o, "[\"");
			for (; *s && o + 8 < len; s++) {
				if (*s == '"' || *s == '\\')
					out[o++] = '\\';
				out[o++] = (unsigned char)*s < 0x20 ? '?' : *s;
			}
			out[o] = '\0';
			o += (size_t)snprintf(out + o, len - o, "\"]");
		}
	}
}

/* The JSON path around a byte offset, for syntax errors, where json-c gives only the offset:
 * a tolerant walk that tracks objects, member names and array indices up to that point.
 */
static void cfg_path_at(const char *t, size_t len, size_t off, char *out, size_t outlen)
{
	struct {
		bool obj, value, started;
		size_t idx, ks, kl;
	} st[CFG_DEPTH];
	size_t i = 0, n = off < len ? off : len, o;
	int d = 0, over = 0, k;

	while (i < n) {
		size_t j = scan_ws(t, n, i);

		if (j != i) {
			i = j;
			continue;
		}
		switch (t[i]) {
		case '{':
		case '[':
			if (d > 0 && !st[d - 1].obj)
				st[d - 1].started = true;
			if (d < CFG_DEPTH) {
				st[d].obj = t[i] == '{';
				st[d].value = st[d].started = false;
				st[d].idx = st[d].kl = 0;
				d++;
			} else {
				over++;
			}
			i++;
			break;
		case '}':
		case ']':
			if (over)
				over--;
			else if (d > 0)
				d--;
			i++;
			break;
		case ',':
			if (d > 0 && !over) {
				if (st[d - 1].obj) {
					st[d - 1].value = false;
					st[d - 1].kl = 0;
				} else {
					st[d - 1].idx++;
					st[d - 1].started = false;
				}
			}
			i++;
			break;
		case ':':
			if (d > 0 && !over && st[d - 1].obj)
				st[d - 1].value = true;
			i++;
			break;
		case '"':
		case '\'':
			j = scan_string(t, n, i);
			if (d > 0 && !over && st[d - 1].obj && !st[d - 1].value) {
				st[d - 1].ks = i + 1;
				st[d - 1].kl = j > i + 1 ? j - i - 2 : 0;
				if (j >= n && t[j - 1] != t[i])
					st[d - 1].kl = j - i - 1;
			} else if (d > 0 && !over && !st[d - 1].obj) {
				st[d - 1].started = true;
			}
			i = j;
			break;
		default:
			if (d > 0 && !over && !st[d - 1].obj)
				st[d - 1].started = true;
			j = scan_value(t, n, i);
			i = j > i ? j : i + 1;
			break;
		}
	}
	o = (size_t)snprintf(out, outlen, "$");
	for (k = 0; k < d && o < outlen; k++) {
		if (st[k].obj && st[k].kl) {
			int kl = st[k].kl > 64 ? 64 : (int)st[k].kl;

			o += (size_t)snprintf(out + o, outlen - o, ".%.*s", kl, t + st[k].ks);
		} else if (!st[k].obj && (st[k].started || st[k].idx)) {
			o += (size_t)snprintf(out + o, outlen - o, "[%zu]", st[k].idx);
		}
	}
}

/* ------------------------------------------------------------------------------------------
 * Loading context and diagnostics
 */

struct cfg {
	const char *file; /* as named in messages */
	const char *text;
	size_t len;
	struct model *m;
	struct config_error *err;
	struct cfg_comp path[CFG_DEPTH];
	int depth; /* may exceed CFG_DEPTH; deeper parts are not named */
	bool nomem;
	bool warn_dropped;
	const char *name_key; /* member the last object's name came from, for duplicates */
	size_t nfile_lbs;     /* load balancers the file declares (not the implicit one) */
	bool proto_bad;	      /* the listener being read has no valid Protocol */
};

enum {
	CFG_BAD = -1,
	CFG_ABSENT = 0,
	CFG_OK = 1
};

static void cfg_in(struct cfg *c, const char *key)
{
	if (c->depth < CFG_DEPTH)
		c->path[c->depth] = (struct cfg_comp){ key, 0 };
	c->depth++;
}

static void cfg_at(struct cfg *c, size_t idx)
{
	if (c->depth < CFG_DEPTH)
		c->path[c->depth] = (struct cfg_comp){ NULL, idx };
	c->depth++;
}

static void cfg_out(struct cfg *c)
{
	c->depth--;
}

/* Copies what fits of src, always terminated. */
static void cfg_cpy(char *dst, size_t size, const char *src)
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
static void cfg_emit_at(struct cfg *c, bool error, size_t off, const char *path, const char *msg)
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

__attribute__((format(printf, 2, 3))) static void cfg_error(struct cfg *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(c, true, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void cfg_warn(struct cfg *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(c, false, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void cfg_warn_key(struct cfg *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(c, false, true, fmt, ap);
	va_end(ap);
}

/* An error about member key of the current object, which is missing. */
__attribute__((format(printf, 3, 4))) static void cfg_missing(struct cfg *c, const char *key,
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
static int cfg_line_of(struct cfg *c, const char *list, size_t idx)
{
	struct cfg_comp p[2] = { { list, 0 }, { NULL, idx } };
	struct cfg_loc loc = cfg_locate(c->text, c->len, p, 2, false);
	int line, col;

	cfg_linecol(c->text, c->len, loc.off, &line, &col);
	return line;
}

/* What the file has at the current path, as written there when it is a scalar. */
static const char *cfg_got(struct cfg *c, struct json_object *v, char *buf, size_t len)
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
	end = scan_value(c->text, c->len, loc.off);
	n = end - loc.off;
	if (n > 120)
		snprintf(buf, len, "%.116s...", c->text + loc.off);
	else
		snprintf(buf, len, "%.*s", (int)n, c->text + loc.off);
	return buf;
}

#define GOT(c, v) cfg_got((c), (v), (char[128]){ 0 }, 128)

static char *cfg_strdup(struct cfg *c, const char *s)
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
static void *cfg_push(struct cfg *c, void *arr, size_t *n, size_t size)
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

static bool cfg_in_list(const char *const *list, const char *s)
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

static void cfg_extra_add(struct cfg *c, struct model_extras *ex, const char *key,
			  struct json_object *v, bool unknown)
{
	struct model_extra *e = cfg_push(c, &ex->v, &ex->n, sizeof(*e));

	if (!e)
		return;
	e->key = cfg_strdup(c, key);
	e->json = cfg_strdup(
		c, v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE) :
		       "null");
	e->unknown = unknown;
}

/* After an object's typed members are read: the members in kept are stored as they are (no
 * local meaning, shown back by describe-*), any other one is stored too and warned about.
 */
static void cfg_finish(struct cfg *c, struct json_object *o, const char *const *typed,
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

/* ------------------------------------------------------------------------------------------
 * Typed members. Each returns CFG_OK (value stored), CFG_ABSENT (missing or null: the caller
 * keeps its default) or CFG_BAD (error reported, nothing stored).
 */

static struct json_object *cfg_member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static bool cfg_is_object(struct cfg *c, struct json_object *v, const char *what)
{
	if (json_object_is_type(v, json_type_object))
		return true;
	cfg_error(c, "expected %s, got %s", what, GOT(c, v));
	return false;
}

/* Integers: JSON numbers with no fraction, or digits in a string (CloudFormation's style). */
static bool cfg_as_int(struct json_object *v, int64_t *out)
{
	const char *s, *p;
	double d;

	switch (json_object_get_type(v)) {
	case json_type_int:
		*out = json_object_get_int64(v);
		return true;
	case json_type_double:
		d = json_object_get_double(v);
		if (!(d >= -9e15 && d <= 9e15) || d != (double)(int64_t)d)
			return false;
		*out = (int64_t)d;
		return true;
	case json_type_string:
		s = json_object_get_string(v);
		p = (*s == '-') ? s + 1 : s;
		if (!*p || strlen(p) > 15 || strspn(p, "0123456789") != strlen(p))
			return false;
		*out = strtoll(s, NULL, 10);
		return true;
	default:
		return false;
	}
}

static int cfg_v_int(struct cfg *c, struct json_object *v, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t x;

	if (!cfg_as_int(v, &x) || x < lo || x > hi) {
		cfg_error(c, "expected an integer %lld..%lld, got %s", (long long)lo, (long long)hi,
			  GOT(c, v));
		return CFG_BAD;
	}
	*out = x;
	return CFG_OK;
}

static int cfg_int(struct cfg *c, struct json_object *o, const char *key, int64_t lo, int64_t hi,
		   int64_t *out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_int(c, v, lo, hi, out);
	cfg_out(c);
	return ret;
}

static int cfg_u32(struct cfg *c, struct json_object *o, const char *key, uint32_t lo, uint32_t hi,
		   uint32_t *out)
{
	int64_t x;
	int ret = cfg_int(c, o, key, lo, hi, &x);

	if (ret == CFG_OK)
		*out = (uint32_t)x;
	return ret;
}

static int cfg_v_double(struct cfg *c, struct json_object *v, double lo, double hi, double *out)
{
	double d = 0;
	bool ok = false;
	char *end;

	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
		d = json_object_get_double(v);
		ok = true;
		break;
	case json_type_string:
		d = strtod(json_object_get_string(v), &end);
		ok = *json_object_get_string(v) && !*end;
		break;
	default:
		break;
	}
	if (!ok || !(d >= lo && d <= hi)) {
		cfg_error(c, "expected a number %g..%g, got %s", lo, hi, GOT(c, v));
		return CFG_BAD;
	}
	*out = d;
	return CFG_OK;
}

static int cfg_double(struct cfg *c, struct json_object *o, const char *key, double lo, double hi,
		      double *out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_double(c, v, lo, hi, out);
	cfg_out(c);
	return ret;
}

static int cfg_bool(struct cfg *c, struct json_object *o, const char *key, bool *out)
{
	struct json_object *v = cfg_member(o, key);
	const char *s;
	int ret = CFG_OK;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	s = json_object_get_string(v);
	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v);
	} else if (json_object_is_type(v, json_type_string) &&
		   (!strcmp(s, "true") || !strcmp(s, "false"))) {
		*out = !strcmp(s, "true");
	} else {
		cfg_error(c, "expected true or false, got %s", GOT(c, v));
		ret = CFG_BAD;
	}
	cfg_out(c);
	return ret;
}

/* A string of minlen..maxlen bytes without NUL; what describes it in the message. */
static int cfg_v_str(struct cfg *c, struct json_object *v, size_t minlen, size_t maxlen,
		     const char *what, const char **out)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string)) {
		cfg_error(c, "expected %s, got %s", what, GOT(c, v));
		return CFG_BAD;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len || len < minlen || len > maxlen) {
		cfg_error(c, "expected %s (%zu..%zu characters), got %s", what, minlen, maxlen,
			  GOT(c, v));
		return CFG_BAD;
	}
	*out = s;
	return CFG_OK;
}

static int cfg_str(struct cfg *c, struct json_object *o, const char *key, size_t minlen,
		   size_t maxlen, const char *what, const char **out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_str(c, v, minlen, maxlen, what, out);
	cfg_out(c);
	return ret;
}

/* One of names (an index into it); values in unsupported are AWS's but not ours, and why says
 * so in the message.
 */
struct cfg_choice {
	const char *const *names;
	const char *const *unsupported;
	const char *why;
	bool any_case;
};

static int cfg_v_enum(struct cfg *c, struct json_object *v, const struct cfg_choice *ch, int *out)
{
	char list[256] = "";
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	const char *hint = "";
	size_t o = 0;
	int i;

	for (i = 0; s && ch->names[i]; i++) {
		if (!strcmp(s, ch->names[i]) || (ch->any_case && !strcasecmp(s, ch->names[i]))) {
			*out = i;
			return CFG_OK;
		}
	}
	for (i = 0; ch->names[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
				      ch->names[i]);
	for (i = 0; s && ch->names[i]; i++)
		if (!strcasecmp(s, ch->names[i]))
			hint = " (names are case-sensitive)";
	if (s && cfg_in_list(ch->unsupported, s)) {
		cfg_error(c, "expected %s%s, got %s: %s", ch->names[1] ? "one of " : "", list,
			  GOT(c, v), ch->why);
		return CFG_BAD;
	}
	cfg_error(c, "expected %s%s, got %s%s", ch->names[1] ? "one of " : "", list, GOT(c, v),
		  hint);
	return CFG_BAD;
}

static int cfg_enum(struct cfg *c, struct json_object *o, const char *key,
		    const struct cfg_choice *ch, int *out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_enum(c, v, ch, out);
	cfg_out(c);
	return ret;
}

/* An array member; CFG_OK with *arr set. */
static int cfg_array(struct cfg *c, struct json_object *o, const char *key, const char *what,
		     struct json_object **arr)
{
	struct json_object *v = cfg_member(o, key);

	if (!v)
		return CFG_ABSENT;
	if (!json_object_is_type(v, json_type_array)) {
		cfg_in(c, key);
		cfg_error(c, "expected an array of %s, got %s", what, GOT(c, v));
		cfg_out(c);
		return CFG_BAD;
	}
	*arr = v;
	return CFG_OK;
}

static int cfg_v_addr(struct cfg *c, struct json_object *v, const char *what, struct model_addr *a)
{
	const char *s;

	if (cfg_v_str(c, v, 2, 64, what, &s) != CFG_OK)
		return CFG_BAD;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return CFG_OK;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return CFG_OK;
	}
	cfg_error(c, "expected %s, got %s", what, GOT(c, v));
	return CFG_BAD;
}

static bool cfg_addr_eq(const struct model_addr *a, const struct model_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static const char *cfg_addr_str(const struct model_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ------------------------------------------------------------------------------------------
 * Names, ARNs, user data, times
 */

enum cfg_rule {
	CFG_NAME_ELB, /* load balancers and target groups */
	CFG_NAME_ASG, /* groups, launch configurations, policies, scheduled actions */
	CFG_NAME_LT,  /* launch templates */
};

static const char *const cfg_rule_text[] = {
	[CFG_NAME_ELB] = "1..32 letters, digits or hyphens, not starting or ending with a hyphen",
	[CFG_NAME_ASG] = "1..255 characters without control characters",
	[CFG_NAME_LT] = "3..128 letters, digits or ( ) . - / _",
};

static bool cfg_name_ok(const char *s, enum cfg_rule rule)
{
	size_t len = strlen(s), i;

	switch (rule) {
	case CFG_NAME_ELB:
		if (len < 1 || len > 32 || s[0] == '-' || s[len - 1] == '-')
			return false;
		for (i = 0; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
				return false;
		return true;
	case CFG_NAME_ASG:
		if (len < 1 || len > 255)
			return false;
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return false;
		return true;
	case CFG_NAME_LT:
		if (len < 3 || len > 128)
			return false;
		for (i = 0; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') || strchr("().-/_", s[i])))
				return false;
		return true;
	}
	return false;
}

static const struct {
	const char *service;
	const char *prefix; /* what the resource part starts with */
	const char *marker; /* the name follows it (NULL: path style, see config_arn_name) */
	const char *example;
} cfg_arns[] = {
	[CONFIG_ARN_TARGET_GROUP] = { "elasticloadbalancing", "targetgroup/", NULL,
				      "arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID" },
	[CONFIG_ARN_LOAD_BALANCER] = { "elasticloadbalancing", "loadbalancer/", NULL,
				       "arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID" },
	[CONFIG_ARN_ASG] = { "autoscaling", "autoScalingGroup:", ":autoScalingGroupName/",
			     "arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME" },
	[CONFIG_ARN_LAUNCH_CONFIG] = { "autoscaling",
				       "launchConfiguration:", ":launchConfigurationName/",
				       "arn:aws:autoscaling:REGION:ACCOUNT:launchConfiguration:UUID:launchConfigurationName/NAME" },
	[CONFIG_ARN_LAUNCH_TEMPLATE] = { "ec2", "launch-template/", NULL,
					 "arn:aws:ec2:REGION:ACCOUNT:launch-template/lt-ID" },
	[CONFIG_ARN_POLICY] = { "autoscaling", "scalingPolicy:", ":policyName/",
				"arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:UUID:autoScalingGroupName/GROUP:policyName/NAME" },
};

static int cfg_copy(char *dst, size_t len, const char *src, size_t n)
{
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int config_arn_name(const char *s, enum config_arn_kind kind, char *name, size_t len)
{
	const char *f[5], *res, *p, *q, *slash;
	int i;

	if ((unsigned int)kind >= sizeof(cfg_arns) / sizeof(cfg_arns[0]))
		return -EINVAL;
	if (strncmp(s, "arn:", 4))
		return cfg_copy(name, len, s, strlen(s));
	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, the resource may hold ':' and '/' */
	p = s + 4;
	for (i = 0; i < 4; i++) {
		f[i] = p;
		q = strchr(p, ':');
		if (!q || q == p)
			return -EINVAL;
		p = q + 1;
	}
	f[4] = res = p;
	if (strncmp(f[0], "aws", 3) ||
	    (size_t)(f[2] - f[1] - 1) != strlen(cfg_arns[kind].service) ||
	    strncmp(f[1], cfg_arns[kind].service, strlen(cfg_arns[kind].service)))
		return -EINVAL;
	if (strncmp(res, cfg_arns[kind].prefix, strlen(cfg_arns[kind].prefix)))
		return -EINVAL;
	p = res + strlen(cfg_arns[kind].prefix);
	switch (kind) {
	case CONFIG_ARN_LOAD_BALANCER:
		if (strncmp(p, "app/", 4) && strncmp(p, "net/", 4))
			return -EINVAL;
		p += 4;
		/* then NAME/ID, as for target groups */
		__attribute__((fallthrough));
	case CONFIG_ARN_TARGET_GROUP:
		slash = strchr(p, '/');
		if (!slash || !slash[1] || strchr(slash + 1, '/'))
			return -EINVAL;
		return cfg_copy(name, len, p, (size_t)(slash - p));
	case CONFIG_ARN_LAUNCH_TEMPLATE:
		if (strncmp(p, "lt-", 3) || strchr(p, '/'))
			return -EINVAL;
		return cfg_copy(name, len, p, strlen(p));
	default:
		q = strstr(p, cfg_arns[kind].marker);
		if (!q)
			return -EINVAL;
		q += strlen(cfg_arns[kind].marker);
		return cfg_copy(name, len, q, strlen(q));
	}
}

/* A reference: a name, or an ARN of that kind; the name lands in buf. */
static int cfg_v_ref(struct cfg *c, struct json_object *v, enum config_arn_kind kind,
		     const char *what, char *buf, size_t len)
{
	const char *s;

	if (cfg_v_str(c, v, 1, 1600, what, &s) != CFG_OK)
		return CFG_BAD;
	if (config_arn_name(s, kind, buf, len)) {
		cfg_error(c, "expected %s name or an ARN like %s, got %s", what,
			  cfg_arns[kind].example, GOT(c, v));
		return CFG_BAD;
	}
	return CFG_OK;
}

/* The object's own name: from the first of keys that is present, else from its ARN member.
 * Returns a copy, or NULL after reporting the problem.
 */
static char *cfg_obj_name(struct cfg *c, struct json_object *o, const char *const *keys,
			  const char *arn_key, enum config_arn_kind kind, enum cfg_rule rule,
			  const char *what)
{
	char buf[512];
	const char *first = keys[0], *key = NULL, *s;
	struct json_object *v = NULL;
	bool from_arn = false;
	char *ret = NULL;

	for (; *keys && !v; keys++)
		if ((v = cfg_member(o, *keys)))
			key = *keys;
	if (!v && arn_key && (v = cfg_member(o, arn_key))) {
		key = arn_key;
		from_arn = true;
	}
	c->name_key = key;
	if (!v) {
		cfg_missing(c, first, "%s name (%s)", what, cfg_rule_text[rule]);
		return NULL;
	}
	cfg_in(c, key);
	if (cfg_v_str(c, v, 1, 1600, "a string", &s) != CFG_OK)
		goto out;
	if (from_arn && (strncmp(s, "arn:", 4) || config_arn_name(s, kind, buf, sizeof(buf)))) {
		cfg_error(c, "expected an ARN like %s, got %s", cfg_arns[kind].example, GOT(c, v));
		goto out;
	}
	if (!from_arn)
		snprintf(buf, sizeof(buf), "%s", s);
	if (!cfg_name_ok(buf, rule)) {
		cfg_error(c, "expected %s name of %s, got %s", what, cfg_rule_text[rule],
			  GOT(c, v));
		goto out;
	}
	ret = cfg_strdup(c, buf);
out:
	cfg_out(c);
	return ret;
}

static int cfg_b64(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Text a script could be: UTF-8, no control characters but tab, CR and LF. */
static bool cfg_is_text(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char ch = s[i];
		size_t more;

		if (ch < 0x80)
			more = 0;
		else if ((ch & 0xe0) == 0xc0)
			more = 1;
		else if ((ch & 0xf0) == 0xe0)
			more = 2;
		else if ((ch & 0xf8) == 0xf0)
			more = 3;
		else
			return false;
		if (i + more >= n)
			return false;
		if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
			return false;
		if (ch == 0x7f)
			return false;
		for (size_t k = 1; k <= more; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += more + 1;
	}
	return true;
}

/* User data arrives in base64 (the API's form, and what launch templates need) or as the
 * script itself (what the walkthrough pastes). It is base64 when it uses only that alphabet
 * (line breaks allowed), is padded to whole quanta, and decodes to text. Returns a new buffer.
 */
static char *cfg_user_data(struct cfg *c, const char *s, size_t *len, bool *was_b64)
{
	size_t n = strlen(s), sig = 0, i, o = 0;
	unsigned int acc = 0, bits = 0, pad = 0;
	char *out;

	*was_b64 = false;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			continue;
		if (s[i] == '=') {
			pad++;
		} else if (cfg_b64(s[i]) < 0 || pad) {
			sig = 0;
			break;
		}
		sig++;
	}
	out = malloc(n + 1);
	if (!out) {
		c->nomem = true;
		return NULL;
	}
	if (sig >= 4 && sig % 4 == 0 && pad <= 2) {
		for (i = 0; i < n; i++) {
			int v = cfg_b64(s[i]);

			if (v < 0)
				continue;
			acc = (acc << 6) | (unsigned int)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[o++] = (char)((acc >> bits) & 0xff);
			}
		}
		if (cfg_is_text((const unsigned char *)out, o)) {
			out[o] = '\0';
			*len = o;
			*was_b64 = true;
			return out;
		}
	}
	memcpy(out, s, n + 1);
	*len = n;
	return out;
}

/* ISO 8601 as AWS writes it, "2025-01-31T08:00:00Z" (seconds, fraction and zone optional,
 * UTC when no zone is given).
 */
static bool cfg_time_parse(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec = 0, n = 0, zh = 0, zm = 0, sign = 0;
	const char *p;
	struct tm tm;
	time_t t;

	if (strlen(s) < 16 || sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 ||
	    n != 16)
		return false;
	p = s + n;
	if (p[0] == ':') {
		if (p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
			return false;
		sec = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d%n", &zh, &zm, &n) != 2 || n != 5)
			return false;
		p += 6;
	}
	if (*p || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || h < 0 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 60 || zh > 23 || zm > 59)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t - sign * (zh * 3600 + zm * 60);
	return true;
}

/* Cron as scheduled actions take it: five fields (minute hour day month weekday). The
 * scheduler parses them; here only the shape is checked.
 */
static bool cfg_cron_ok(const char *s)
{
	int fields = 0;
	const char *p = s;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		fields++;
		for (; *p && *p != ' ' && *p != '\t'; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= 'a' && *p <= 'z') || strchr("*,-/?#", *p)))
				return false;
	}
	return fields == 5;
}

/* A list of the names in an array of model objects, for "this file has: ..." hints. */
static const char *cfg_known(const void *arr, size_t n, size_t size, size_t name_off, char *buf,
			     size_t len)
{
	size_t i, o = 0, shown = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		const char *name;

		memcpy(&name, (const char *)arr + i * size + name_off, sizeof(name));
		if (!name)
			continue;
		if (shown == 5) {
			o += (size_t)snprintf(buf + o, len - o, ", ...");
			break;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", shown ? ", " : "", name);
		shown++;
	}
	if (!shown)
		snprintf(buf, len, "none");
	return buf;
}

#define KNOWN(arr, n)                                                             \
	cfg_known((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), name), \
		  (char[200]){ 0 }, 200)

static struct model_tg *cfg_find_tg(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->ntgs; i++)
		if (m->tgs[i].name && !strcmp(m->tgs[i].name, name))
			return &m->tgs[i];
	return NULL;
}

static struct model_asg *cfg_find_asg(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nasgs; i++)
		if (m->asgs[i].name && !strcmp(m->asgs[i].name, name))
			return &m->asgs[i];
	return NULL;
}

static struct model_lb *cfg_find_lb(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nlbs; i++)
		if (m->lbs[i].name && !strcmp(m->lbs[i].name, name))
			return &m->lbs[i];
	return NULL;
}

/* A target group reference at the current path; NULL after reporting. */
static struct model_tg *cfg_v_tg(struct cfg *c, struct json_object *v)
{
	char name[512];
	struct model_tg *tg;

	if (cfg_v_ref(c, v, CONFIG_ARN_TARGET_GROUP, "a target group", name, sizeof(name)) !=
	    CFG_OK)
		return NULL;
	tg = cfg_find_tg(c->m, name);
	if (!tg)
		cfg_error(c, "expected a target group of this file (%s), got %s",
			  KNOWN(c->m->tgs, c->m->ntgs), GOT(c, v));
	return tg;
}

static struct model_asg *cfg_v_asg(struct cfg *c, struct json_object *v)
{
	char name[512];
	struct model_asg *asg;

	if (cfg_v_ref(c, v, CONFIG_ARN_ASG, "an auto-scaling group", name, sizeof(name)) != CFG_OK)
		return NULL;
	asg = cfg_find_asg(c->m, name);
	if (!asg)
		cfg_error(c, "expected an auto-scaling group of this file (%s), got %s",
			  KNOWN(c->m->asgs, c->m->nasgs), GOT(c, v));
	return asg;
}

/* The member key of o names an auto-scaling group: required. */
static struct model_asg *cfg_asg_member(struct cfg *c, struct json_object *o, const char *key)
{
	struct json_object *v = cfg_member(o, key);
	struct model_asg *asg;

	if (!v) {
		cfg_missing(c, key, "the name or ARN of an auto-scaling group");
		return NULL;
	}
	cfg_in(c, key);
	asg = cfg_v_asg(c, v);
	cfg_out(c);
	return asg;
}

/* ------------------------------------------------------------------------------------------
 * Target groups, load balancers, listeners
 */

static const char *const cfg_protos[] = { "TCP", "UDP", "TCP_UDP", "HTTP", NULL };
static const char *const cfg_protos_no[] = { "HTTPS", "TLS", "GENEVE", NULL };
static const struct cfg_choice cfg_proto_choice = {
	cfg_protos, cfg_protos_no,
	"xlb balances at layer 4 and terminates no TLS (GENEVE is for appliances)", false
};

static void cfg_extras_free(struct model_extras *ex)
{
	size_t i;

	for (i = 0; i < ex->n; i++) {
		free(ex->v[i].key);
		free(ex->v[i].json);
	}
	free(ex->v);
	ex->v = NULL;
	ex->n = 0;
}

/* A required member: reports it missing when absent. */
static int cfg_need(struct cfg *c, struct json_object *o, const char *key, int ret,
		    const char *expected)
{
	if (ret == CFG_ABSENT)
		cfg_missing(c, key, "%s", expected);
	return ret;
}

/* Reports name as a duplicate when an earlier element of list already has it. */
static void cfg_dup_name(struct cfg *c, const char *name, const void *arr, size_t idx, size_t size,
			 size_t name_off, const char *list, const char *what)
{
	size_t j;

	for (j = 0; name && j < idx; j++) {
		const char *other;

		memcpy(&other, (const char *)arr + j * size + name_off, sizeof(other));
		if (other && !strcmp(other, name)) {
			cfg_in(c, c->name_key ? c->name_key : "Name");
			cfg_error(
				c,
				"expected a unique %s name, got \"%s\" again (also $.%s[%zu] at line %d)",
				what, name, list, j, cfg_line_of(c, list, j));
			cfg_out(c);
			return;
		}
	}
}

#define DUP_NAME(c, nm, arr, idx, list, what)                                                     \
	cfg_dup_name((c), (nm), (arr), (idx), sizeof(*(arr)), offsetof(__typeof__(*(arr)), name), \
		     (list), (what))

static const char *const cfg_attr_kept_prefixes[] = { "stickiness.",
						      "load_balancing.",
						      "slow_start.",
						      "proxy_protocol_v2.",
						      "preserve_client_ip.",
						      "target_group_health.",
						      "target_health_state.",
						      "lambda.",
						      "target_failover.",
						      "deregistration_delay.",
						      NULL };

static void cfg_tg_attrs(struct cfg *c, struct json_object *o, const char *key, struct model_tg *tg)
{
	static const char *const typed[] = { "Key", "Value", NULL };
	struct json_object *arr, *v;
	const char *k;
	size_t i;

	if (cfg_array(c, o, key, "{\"Key\": ..., \"Value\": ...} objects", &arr) != CFG_OK)
		return;
	cfg_in(c, key);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *a = json_object_array_get_idx(arr, i);
		bool known = false;
		int64_t x;

		cfg_at(c, i);
		if (!cfg_is_object(c, a, "a {\"Key\": ..., \"Value\": ...} object"))
			goto next;
		if (cfg_need(c, a, "Key", cfg_str(c, a, "Key", 1, 256, "an attribute name", &k),
			     "an attribute name such as deregistration_delay.timeout_seconds") !=
		    CFG_OK)
			goto next;
		v = cfg_member(a, "Value");
		if (!v) {
			cfg_missing(c, "Value", "the attribute's value");
			goto next;
		}
		cfg_in(c, "Value");
		if (!strcmp(k, "deregistration_delay.timeout_seconds")) {
			if (cfg_v_int(c, v, 0, 3600, &x) == CFG_OK)
				tg->dereg_delay_s = (uint32_t)x;
			known = true;
		} else if (!strcmp(k, "deregistration_delay.connection_termination.enabled")) {
			const char *s = json_object_get_string(v);

			if (json_object_is_type(v, json_type_boolean))
				tg->dereg_close_connections = json_object_get_boolean(v);
			else if (s && (!strcmp(s, "true") || !strcmp(s, "false")))
				tg->dereg_close_connections = !strcmp(s, "true");
			else
				cfg_error(c, "expected \"true\" or \"false\", got %s", GOT(c, v));
			known = true;
		} else {
			char ekey[300];

			for (const char *const *p = cfg_attr_kept_prefixes; *p; p++)
				if (!strncmp(k, *p, strlen(*p)))
					known = true;
			snprintf(ekey, sizeof(ekey), "Attributes.%s", k);
			cfg_extra_add(c, &tg->extras, ekey, v, !known);
			if (!known) {
				cfg_out(c);
				cfg_in(c, "Key");
				cfg_warn(c, "unknown target group attribute, ignored");
			}
		}
		cfg_out(c);
		cfg_finish(c, a, typed, NULL, NULL);
next:
		cfg_out(c);
	}
	cfg_out(c);
}

static void cfg_tg_targets(struct cfg *c, struct json_object *arr, struct model_tg *tg)
{
	static const char *const typed[] = { "Id", "Port", NULL };
	static const char *const kept[] = { "AvailabilityZone", NULL };
	size_t i, j;

	cfg_in(c, "Targets");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *id;
		struct model_target t = { 0 }, *slot;
		uint32_t port = 0;
		bool ok = true;

		cfg_at(c, i);
		if (!cfg_is_object(c, o, "a target object {\"Id\": \"198.18.1.10\", \"Port\": 80}"))
			goto next;
		id = cfg_member(o, "Id");
		if (!id) {
			cfg_missing(c, "Id", "the target's IPv4 or IPv6 address");
			ok = false;
		} else {
			const char *s = json_object_get_string(id);

			cfg_in(c, "Id");
			if (s && !strncmp(s, "i-", 2) &&
			    json_object_is_type(id, json_type_string)) {
				cfg_error(
					c,
					"expected an IPv4 or IPv6 address (instances are registered by auto-scaling groups, not listed), got %s",
					GOT(c, id));
				ok = false;
			} else if (cfg_v_addr(c, id, "an IPv4 or IPv6 address", &t.addr) !=
				   CFG_OK) {
				ok = false;
			}
			cfg_out(c);
		}
		if (cfg_u32(c, o, "Port", 1, 65535, &port) == CFG_BAD)
			ok = false;
		t.port = (uint16_t)port;
		cfg_finish(c, o, typed, kept, NULL);
		if (!ok)
			goto next;
		for (j = 0; j < tg->ntargets; j++) {
			uint16_t pa = tg->targets[j].port ? tg->targets[j].port : tg->port;
			uint16_t pb = t.port ? t.port : tg->port;

			if (cfg_addr_eq(&tg->targets[j].addr, &t.addr) && pa == pb) {
				cfg_error(
					c,
					"expected each target once, got the same address and port as Targets[%zu]",
					j);
				ok = false;
				break;
			}
		}
		if (ok && (slot = cfg_push(c, &tg->targets, &tg->ntargets, sizeof(*slot))))
			*slot = t;
next:
		cfg_out(c);
	}
	cfg_out(c);
}

static void cfg_tg_matcher(struct cfg *c, struct json_object *o, struct model_tg *tg)
{
	static const char *const typed[] = { "HttpCode", "GrpcCode", NULL };
	struct json_object *mo = cfg_member(o, "Matcher");
	bool alb = tg->protocol == MODEL_PROTO_HTTP;
	int lo = alb ? MATCHER_ALB_MIN : MATCHER_NLB_MIN,
	    hi = alb ? MATCHER_ALB_MAX : MATCHER_NLB_MAX;
	const char *s, *dflt = alb ? "200" : "200-399";
	char why[160];

	/* ALB: 200..499, default 200; NLB (HTTP checks of TCP/UDP groups): 200..599, 200-399 */
	matcher_parse_range(dflt, lo, hi, &tg->hc.matcher, why, sizeof(why));
	tg->hc.matcher_text = cfg_strdup(c, dflt);
	if (!mo)
		return;
	cfg_in(c, "Matcher");
	if (!cfg_is_object(c, mo, "an object such as {\"HttpCode\": \"200-299\"}"))
		goto out;
	if (tg->hc.protocol != MODEL_HC_HTTP)
		cfg_warn_key(c, "has no effect on TCP health checks");
	if (cfg_member(mo, "GrpcCode")) {
		cfg_in(c, "GrpcCode");
		cfg_warn_key(c, "ignored: xlb's health checks are HTTP/1.1, not gRPC");
		cfg_out(c);
	}
	if (cfg_str(c, mo, "HttpCode", 1, 256, "HTTP status codes such as \"200-299,302\"", &s) ==
	    CFG_OK) {
		cfg_in(c, "HttpCode");
		if (matcher_parse_range(s, lo, hi, &tg->hc.matcher, why, sizeof(why))) {
			cfg_error(
				c,
				"expected HTTP codes such as \"200\", \"200-299\" or \"200-299,302\" (%s), got %s",
				why, GOT(c, cfg_member(mo, "HttpCode")));
		} else {
			free(tg->hc.matcher_text);
			tg->hc.matcher_text = cfg_strdup(c, s);
		}
		cfg_out(c);
	}
	cfg_finish(c, mo, typed, NULL, NULL);
out:
	cfg_out(c);
}

static const char *const cfg_tg_typed[] = { "TargetGroupName",
					    "Name",
					    "TargetGroupArn",
					    "Protocol",
					    "Port",
					    "TargetType",
					    "HealthCheckEnabled",
					    "HealthCheckProtocol",
					    "HealthCheckPort",
					    "HealthCheckPath",
					    "HealthCheckIntervalSeconds",
					    "HealthCheckTimeoutSeconds",
					    "HealthyThresholdCount",
					    "UnhealthyThresholdCount",
					    "Matcher",
					    "Targets",
					    "Attributes",
					    "TargetGroupAttributes",
					    NULL };
static const char *const cfg_tg_kept[] = { "VpcId", "ProtocolVersion",	"IpAddressType",
					   "Tags",  "LoadBalancerArns", "TargetGroupFullName",
					   NULL };

static void cfg_tg(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "TargetGroupName", "Name", NULL };
	static const char *const ttypes[] = { "instance", "ip", NULL };
	static const char *const ttypes_no[] = { "lambda", "alb", NULL };
	static const struct cfg_choice ttype_choice = {
		ttypes, ttypes_no, "xlb's targets are instances of its groups or addresses", false
	};
	static const char *const hcp[] = { "TCP", "HTTP", NULL };
	static const char *const hcp_no[] = { "HTTPS", "UDP", "TLS", "TCP_UDP", "GENEVE", NULL };
	static const struct cfg_choice hcp_choice = {
		hcp, hcp_no, "xlb probes with TCP connects and plain HTTP GETs", false
	};
	struct model *m = c->m;
	struct model_tg *tg = cfg_push(c, &m->tgs, &m->ntgs, sizeof(*tg));
	struct json_object *arr = NULL, *v;
	bool enabled = true, timeout_given;
	uint32_t port = 0;
	const char *s;
	int e, ttype;

	if (!tg || !cfg_is_object(c, o, "a target group object"))
		return;
	tg->name = cfg_obj_name(c, o, names, "TargetGroupArn", CONFIG_ARN_TARGET_GROUP,
				CFG_NAME_ELB, "a target group");
	DUP_NAME(c, tg->name, m->tgs, idx, "TargetGroups", "target group");

	if (cfg_need(c, o, "Protocol", cfg_enum(c, o, "Protocol", &cfg_proto_choice, &e),
		     "one of TCP, UDP, TCP_UDP, HTTP") == CFG_OK)
		tg->protocol = (enum model_proto)e;
	if (cfg_need(c, o, "Port", cfg_u32(c, o, "Port", 1, 65535, &port),
		     "the port targets serve on, 1..65535") == CFG_OK)
		tg->port = (uint16_t)port;

	if (cfg_array(c, o, "Targets", "target objects", &arr) == CFG_OK)
		cfg_tg_targets(c, arr, tg);
	tg->target_type = arr ? MODEL_TARGET_IP : MODEL_TARGET_INSTANCE;
	if (cfg_enum(c, o, "TargetType", &ttype_choice, &ttype) == CFG_OK) {
		tg->target_type = (enum model_target_type)ttype;
		if (ttype == MODEL_TARGET_INSTANCE && arr && json_object_array_length(arr)) {
			cfg_in(c, "TargetType");
			cfg_error(
				c,
				"expected \"ip\" for a group that lists its Targets by address (instances are registered by auto-scaling groups), got %s",
				GOT(c, cfg_member(o, "TargetType")));
			cfg_out(c);
		}
	}

	if (cfg_bool(c, o, "HealthCheckEnabled", &enabled) == CFG_OK && !enabled) {
		cfg_in(c, "HealthCheckEnabled");
		cfg_error(
			c,
			"expected true: health checks of instance and ip targets cannot be turned off (as in AWS), got false");
		cfg_out(c);
	}
	tg->hc.protocol = tg->protocol == MODEL_PROTO_HTTP ? MODEL_HC_HTTP : MODEL_HC_TCP;
	if (cfg_enum(c, o, "HealthCheckProtocol", &hcp_choice, &e) == CFG_OK) {
		tg->hc.protocol = (enum model_hc_proto)e;
		if (e == MODEL_HC_TCP && tg->protocol == MODEL_PROTO_HTTP) {
			cfg_in(c, "HealthCheckProtocol");
			cfg_error(
				c,
				"expected \"HTTP\": HTTP target groups are not health-checked with TCP (as in AWS), got \"TCP\"");
			cfg_out(c);
		}
	}
	if ((v = cfg_member(o, "HealthCheckPort"))) {
		int64_t x;

		cfg_in(c, "HealthCheckPort");
		s = json_object_get_string(v);
		if (json_object_is_type(v, json_type_string) && !strcmp(s, "traffic-port"))
			tg->hc.port = 0;
		else if (cfg_as_int(v, &x) && x >= 1 && x <= 65535)
			tg->hc.port = (uint16_t)x;
		else
			cfg_error(c, "expected \"traffic-port\" or a port 1..65535, got %s",
				  GOT(c, v));
		cfg_out(c);
	}
	tg->hc.path = cfg_strdup(c, "/");
	if (cfg_str(c, o, "HealthCheckPath", 1, 1024, "a path such as \"/health\"", &s) == CFG_OK) {
		cfg_in(c, "HealthCheckPath");
		if (s[0] != '/') {
			cfg_error(c, "expected a path starting with '/', got %s",
				  GOT(c, cfg_member(o, "HealthCheckPath")));
		} else {
			free(tg->hc.path);
			tg->hc.path = cfg_strdup(c, s);
			if (tg->hc.protocol != MODEL_HC_HTTP)
				cfg_warn_key(c, "has no effect on TCP health checks");
		}
		cfg_out(c);
	}
	/* AWS's defaults: 30 s, 5 healthy, 2 unhealthy; timeout 5 s for HTTP (ALB) groups, and
	 * for the others (NLB) 6 s with HTTP checks, 10 s with TCP checks
	 */
	tg->hc.interval_s = 30;
	tg->hc.healthy_threshold = 5;
	tg->hc.unhealthy_threshold = 2;
	tg->hc.timeout_s = tg->protocol == MODEL_PROTO_HTTP ? 5 :
			   tg->hc.protocol == MODEL_HC_HTTP ? 6 :
							      10;
	cfg_u32(c, o, "HealthCheckIntervalSeconds", 5, 300, &tg->hc.interval_s);
	timeout_given = cfg_u32(c, o, "HealthCheckTimeoutSeconds", 2, 120, &tg->hc.timeout_s) ==
			CFG_OK;
	cfg_u32(c, o, "HealthyThresholdCount", 2, 10, &tg->hc.healthy_threshold);
	cfg_u32(c, o, "UnhealthyThresholdCount", 2, 10, &tg->hc.unhealthy_threshold);
	if (tg->hc.timeout_s >= tg->hc.interval_s) {
		if (timeout_given) {
			cfg_in(c, "HealthCheckTimeoutSeconds");
			cfg_error(c, "expected less than HealthCheckIntervalSeconds (%u), got %u",
				  tg->hc.interval_s, tg->hc.timeout_s);
		} else {
			cfg_in(c, "HealthCheckIntervalSeconds");
			cfg_error(
				c,
				"expected more than HealthCheckTimeoutSeconds (%u, the default here), got %u",
				tg->hc.timeout_s, tg->hc.interval_s);
		}
		cfg_out(c);
	}
	cfg_tg_matcher(c, o, tg);

	tg->dereg_delay_s = 300;
	cfg_tg_attrs(c, o, "Attributes", tg);
	cfg_tg_attrs(c, o, "TargetGroupAttributes", tg);
	cfg_finish(c, o, cfg_tg_typed, cfg_tg_kept, &tg->extras);
}

static const char *const cfg_modes[] = { "nat", "dsr", "ipip", NULL };
static const struct cfg_choice cfg_mode_choice = { cfg_modes, NULL, NULL, true };

/* Which target group protocols a listener may forward to. */
static bool cfg_proto_fits(enum model_proto l, enum model_proto t)
{
	switch (l) {
	case MODEL_PROTO_HTTP:
		return t == MODEL_PROTO_HTTP;
	case MODEL_PROTO_TCP:
		return t == MODEL_PROTO_TCP || t == MODEL_PROTO_TCP_UDP;
	case MODEL_PROTO_UDP:
		return t == MODEL_PROTO_UDP || t == MODEL_PROTO_TCP_UDP;
	case MODEL_PROTO_TCP_UDP:
		return t == MODEL_PROTO_TCP_UDP;
	}
	return false;
}

/* Layer 4 protocols a listener takes: bit 0 TCP, bit 1 UDP. */
static unsigned int cfg_l4(enum model_proto p)
{
	return p == MODEL_PROTO_UDP ? 2u : p == MODEL_PROTO_TCP_UDP ? 3u : 1u;
}

/* One target group of a forward action at the current path. */
static void cfg_forward_add(struct cfg *c, struct model_listener *l, struct json_object *v,
			    uint32_t weight)
{
	struct model_tg *tg = cfg_v_tg(c, v);
	size_t i;

	if (!tg)
		return;
	for (i = 0; i < l->nfwd; i++) {
		if (l->fwd[i].tg == tg) {
			cfg_error(c, "expected each target group once, got %s again", tg->name);
			return;
		}
	}
	if (l->nfwd == MODEL_FORWARD_MAX) {
		cfg_error(c,
			  "expected at most %d target groups in one forward action (AWS's limit)",
			  MODEL_FORWARD_MAX);
		return;
	}
	if (!c->proto_bad && !cfg_proto_fits(l->protocol, tg->protocol)) {
		static const char *const fits[] = { "TCP or TCP_UDP", "UDP or TCP_UDP", "TCP_UDP",
						    "HTTP" };

		cfg_error(
			c,
			"expected a target group of protocol %s for this %s listener, got %s (%s)",
			fits[l->protocol], cfg_protos[l->protocol], tg->name,
			cfg_protos[tg->protocol]);
		return;
	}
	l->fwd[l->nfwd].tg = tg;
	l->fwd[l->nfwd].weight = weight;
	l->nfwd++;
}

static void cfg_forward_config(struct cfg *c, struct json_object *fc, struct model_listener *l)
{
	static const char *const typed[] = { "TargetGroups", NULL };
	static const char *const kept[] = { "TargetGroupStickinessConfig", NULL };
	static const char *const tg_typed[] = { "TargetGroupArn", "TargetGroupARN", "Weight",
						NULL };
	struct json_object *arr;
	uint32_t total = 0;
	size_t i;

	cfg_in(c, "ForwardConfig");
	if (!cfg_is_object(c, fc, "an object with \"TargetGroups\""))
		goto out;
	if (cfg_need(c, fc, "TargetGroups",
		     cfg_array(c, fc, "TargetGroups",
			       "{\"TargetGroupArn\": ..., \"Weight\": ...} objects", &arr),
		     "a list of target groups") != CFG_OK)
		goto finish;
	cfg_in(c, "TargetGroups");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *t = json_object_array_get_idx(arr, i), *ref;
		uint32_t weight = 1;

		cfg_at(c, i);
		if (!cfg_is_object(c, t, "a {\"TargetGroupArn\": ..., \"Weight\": ...} object"))
			goto next;
		cfg_u32(c, t, "Weight", 0, 999, &weight);
		ref = cfg_member(t, "TargetGroupArn");
		if (!ref)
			ref = cfg_member(t, "TargetGroupARN");
		if (!ref) {
			cfg_missing(c, "TargetGroupArn", "a target group name or ARN");
		} else {
			cfg_in(c, cfg_member(t, "TargetGroupArn") ? "TargetGroupArn" :
								    "TargetGroupARN");
			cfg_forward_add(c, l, ref, weight);
			total += weight;
			cfg_out(c);
		}
		cfg_finish(c, t, tg_typed, NULL, NULL);
next:
		cfg_out(c);
	}
	if (l->nfwd && !total)
		cfg_error(c, "expected at least one target group with a weight above 0");
	cfg_out(c);
finish:
	cfg_finish(c, fc, typed, kept, NULL);
out:
	cfg_out(c);
}

static void cfg_actions(struct cfg *c, struct json_object *o, struct model_listener *l)
{
	static const char *const typed[] = { "Type",	       "TargetGroupArn",
					     "TargetGroupARN", "TargetGroupName",
					     "ForwardConfig",  NULL };
	static const char *const kept[] = { "Order", NULL };
	static const char *const types[] = { "forward", NULL };
	static const char *const types_no[] = { "redirect", "fixed-response", "authenticate-oidc",
						"authenticate-cognito", NULL };
	static const struct cfg_choice type_choice = {
		types, types_no, "xlb forwards packets at layer 4 and answers no HTTP itself", false
	};
	struct json_object *arr;
	size_t i, forwards = 0;

	if (cfg_need(c, o, "DefaultActions",
		     cfg_array(c, o, "DefaultActions", "action objects", &arr),
		     "[{\"Type\": \"forward\", \"TargetGroupArn\": ...}]") != CFG_OK)
		return;
	cfg_in(c, "DefaultActions");
	if (!json_object_array_length(arr))
		cfg_error(c, "expected one forward action, got an empty list");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *a = json_object_array_get_idx(arr, i), *ref, *fc;
		const char *rkey = "TargetGroupArn";
		int t;

		cfg_at(c, i);
		if (!cfg_is_object(c, a, "an action object {\"Type\": \"forward\", ...}"))
			goto next;
		if (cfg_need(c, a, "Type", cfg_enum(c, a, "Type", &type_choice, &t),
			     "\"forward\"") != CFG_OK)
			goto finish;
		if (++forwards > 1) {
			cfg_error(c, "expected one forward action, got a second one");
			goto finish;
		}
		ref = cfg_member(a, rkey);
		if (!ref && (ref = cfg_member(a, "TargetGroupARN")))
			rkey = "TargetGroupARN";
		if (!ref && (ref = cfg_member(a, "TargetGroupName")))
			rkey = "TargetGroupName";
		fc = cfg_member(a, "ForwardConfig");
		if (fc) {
			cfg_forward_config(c, fc, l);
			if (ref) {
				char name[512];

				cfg_in(c, rkey);
				if (cfg_v_ref(c, ref, CONFIG_ARN_TARGET_GROUP, "a target group",
					      name, sizeof(name)) == CFG_OK &&
				    !(l->nfwd == 1 && cfg_find_tg(c->m, name) == l->fwd[0].tg))
					cfg_error(
						c,
						"expected the one target group of ForwardConfig, or no %s beside it",
						rkey);
				cfg_out(c);
			}
		} else if (ref) {
			cfg_in(c, rkey);
			cfg_forward_add(c, l, ref, 1);
			cfg_out(c);
		} else {
			cfg_missing(c, "TargetGroupArn",
				    "the target group to forward to (name or ARN)");
		}
finish:
		cfg_finish(c, a, typed, kept, NULL);
next:
		cfg_out(c);
	}
	cfg_out(c);
}

/* The load balancer a top-level listener belongs to: the one it names, else the file's only
 * one, else the implicit "default" one when the file has none.
 */
static struct model_lb *cfg_listener_lb(struct cfg *c, struct json_object *o, size_t nfile_lbs)
{
	static const char *const keys[] = { "LoadBalancerArn", "LoadBalancerARN",
					    "LoadBalancerName", NULL };
	struct model *m = c->m;
	struct model_lb *lb;
	char name[512];
	size_t i;

	for (i = 0; keys[i]; i++) {
		struct json_object *v = cfg_member(o, keys[i]);

		if (!v)
			continue;
		cfg_in(c, keys[i]);
		lb = NULL;
		if (cfg_v_ref(c, v, CONFIG_ARN_LOAD_BALANCER, "a load balancer", name,
			      sizeof(name)) == CFG_OK) {
			lb = cfg_find_lb(m, name);
			if (!lb)
				cfg_error(c, "expected a load balancer of this file (%s), got %s",
					  KNOWN(m->lbs, nfile_lbs), GOT(c, v));
		}
		cfg_out(c);
		return lb;
	}
	if (nfile_lbs == 1)
		return &m->lbs[0];
	if (nfile_lbs > 1) {
		cfg_missing(c, "LoadBalancerArn",
			    "the load balancer of this listener: the file has several (%s)",
			    KNOWN(m->lbs, nfile_lbs));
		return NULL;
	}
	lb = cfg_find_lb(m, MODEL_DEFAULT_LB);
	if (lb)
		return lb;
	lb = cfg_push(c, &m->lbs, &m->nlbs, sizeof(*lb));
	if (!lb)
		return NULL;
	lb->name = cfg_strdup(c, MODEL_DEFAULT_LB);
	lb->implicit = true;
	return lb;
}

static const char *const cfg_listener_typed[] = { "Port",
						  "Protocol",
						  "DefaultActions",
						  "XlbForwardingMode",
						  "LoadBalancerArn",
						  "LoadBalancerARN",
						  "LoadBalancerName",
						  NULL };
static const char *const cfg_listener_kept[] = {
	"Certificates",		"SslPolicy", "AlpnPolicy", "ListenerArn", "Tags",
	"MutualAuthentication", NULL
};

/* A listener object; lb is its load balancer when nested in one, NULL at the top level. */
static void cfg_listener(struct cfg *c, struct json_object *o, struct model_lb *lb,
			 size_t nfile_lbs)
{
	struct model_listener l = { 0 }, *slot;
	char path[256];
	uint32_t port = 0;
	size_t i, j;
	int e;

	if (!cfg_is_object(c, o, "a listener object"))
		return;
	cfg_path_format(c->path, c->depth, path, sizeof(path));
	l.where = cfg_strdup(c, path);
	{
		struct cfg_loc loc = cfg_locate(c->text, c->len, c->path, c->depth, false);
		int col;

		cfg_linecol(c->text, c->len, loc.off, &l.line, &col);
	}
	if (cfg_need(c, o, "Port", cfg_u32(c, o, "Port", 1, 65535, &port),
		     "the port to listen on, 1..65535") == CFG_OK)
		l.port = (uint16_t)port;
	c->proto_bad = cfg_need(c, o, "Protocol", cfg_enum(c, o, "Protocol", &cfg_proto_choice, &e),
				"one of TCP, UDP, TCP_UDP, HTTP") != CFG_OK;
	if (!c->proto_bad)
		l.protocol = (enum model_proto)e;
	if (!lb) {
		lb = cfg_listener_lb(c, o, nfile_lbs);
	} else if (cfg_member(o, "LoadBalancerArn") || cfg_member(o, "LoadBalancerName")) {
		cfg_in(c,
		       cfg_member(o, "LoadBalancerArn") ? "LoadBalancerArn" : "LoadBalancerName");
		cfg_warn_key(c, "ignored: this listener belongs to the load balancer around it");
		cfg_out(c);
	}
	l.mode = lb ? lb->mode : MODEL_MODE_NAT;
	if (cfg_enum(c, o, "XlbForwardingMode", &cfg_mode_choice, &e) == CFG_OK)
		l.mode = (enum model_mode)e;
	if (lb && lb->type != MODEL_LB_ANY && !c->proto_bad &&
	    (lb->type == MODEL_LB_APPLICATION) != (l.protocol == MODEL_PROTO_HTTP)) {
		cfg_in(c, "Protocol");
		cfg_error(c, "expected %s on %s load balancer, got %s",
			  lb->type == MODEL_LB_APPLICATION ? "HTTP" : "TCP, UDP or TCP_UDP",
			  lb->type == MODEL_LB_APPLICATION ? "an application" : "a network",
			  GOT(c, cfg_member(o, "Protocol")));
		cfg_out(c);
	}
	cfg_actions(c, o, &l);
	/* dsr and ipip deliver the packet as the client sent it: the port cannot change */
	for (i = 0; i < l.nfwd && l.mode != MODEL_MODE_NAT && port; i++) {
		const struct model_tg *tg = l.fwd[i].tg;
		bool bad = tg->port != l.port;

		for (j = 0; j < tg->ntargets; j++)
			bad |= tg->targets[j].port && tg->targets[j].port != l.port;
		if (bad) {
			cfg_in(c, "XlbForwardingMode");
			cfg_error(
				c,
				"expected \"nat\": %s keeps the destination port, and target group %s serves on another port than %u",
				cfg_modes[l.mode], tg->name, l.port);
			cfg_out(c);
		}
	}
	for (i = 0; lb && port && i < lb->nlisteners; i++) {
		const struct model_listener *p = &lb->listeners[i];

		if (p->port == l.port && (cfg_l4(p->protocol) & cfg_l4(l.protocol))) {
			cfg_in(c, "Port");
			cfg_error(
				c,
				"expected a port that no other listener of load balancer %s takes, got %u (also %s at line %d)",
				lb->name, l.port, p->where, p->line);
			cfg_out(c);
			break;
		}
	}
	cfg_finish(c, o, cfg_listener_typed, cfg_listener_kept, &l.extras);
	if (lb && (slot = cfg_push(c, &lb->listeners, &lb->nlisteners, sizeof(*slot)))) {
		*slot = l;
		return;
	}
	free(l.where);
	cfg_extras_free(&l.extras);
}

static bool cfg_ifname_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len < 1 || len > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || cfg_is_space(s[i]) || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

static void cfg_lb_addr(struct cfg *c, struct json_object *v, struct model_lb *lb)
{
	struct model_addr a, *slot;
	char buf[64];
	size_t i, j;

	if (cfg_v_addr(c, v, "an IPv4 or IPv6 address", &a) != CFG_OK)
		return;
	for (i = 0; i < c->m->nlbs; i++) {
		const struct model_lb *other = &c->m->lbs[i];

		for (j = 0; j < other->naddrs; j++) {
			if (cfg_addr_eq(&other->addrs[j], &a)) {
				cfg_error(
					c,
					"expected an address no load balancer has yet, got %s (%s has it)",
					cfg_addr_str(&a, buf, sizeof(buf)),
					other == lb ? "this one" : other->name);
				return;
			}
		}
	}
	slot = cfg_push(c, &lb->addrs, &lb->naddrs, sizeof(*slot));
	if (slot)
		*slot = a;
}

static const char *const cfg_lb_typed[] = {
	"Name",		 "LoadBalancerName",  "LoadBalancerArn", "Type",	   "XlbAddresses",
	"XlbInterfaces", "XlbForwardingMode", "Listeners",	 "SubnetMappings", NULL
};
static const char *const cfg_lb_kept[] = { "Subnets",
					   "SecurityGroups",
					   "Scheme",
					   "Tags",
					   "IpAddressType",
					   "CustomerOwnedIpv4Pool",
					   "DNSName",
					   "CanonicalHostedZoneId",
					   "AvailabilityZones",
					   "State",
					   "VpcId",
					   "CreatedTime",
					   "LoadBalancerAttributes",
					   "EnablePrefixForIpv6SourceNat",
					   NULL };

static void cfg_lb(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "Name", "LoadBalancerName", NULL };
	static const char *const types[] = { "application", "network", NULL };
	static const char *const types_no[] = { "gateway", NULL };
	static const struct cfg_choice type_choice = {
		types, types_no, "gateway load balancers front appliances over GENEVE", false
	};
	static const char *const sm_typed[] = { "PrivateIPv4Address", "IPv6Address", NULL };
	static const char *const sm_kept[] = { "SubnetId", "AllocationId", "SourceNatIpv6Prefix",
					       NULL };
	struct model *m = c->m;
	struct model_lb *lb = cfg_push(c, &m->lbs, &m->nlbs, sizeof(*lb));
	struct json_object *arr;
	size_t i;
	int e;

	if (!lb || !cfg_is_object(c, o, "a load balancer object"))
		return;
	lb->name = cfg_obj_name(c, o, names, "LoadBalancerArn", CONFIG_ARN_LOAD_BALANCER,
				CFG_NAME_ELB, "a load balancer");
	DUP_NAME(c, lb->name, m->lbs, idx, "LoadBalancers", "load balancer");
	if (cfg_enum(c, o, "Type", &type_choice, &e) == CFG_OK)
		lb->type = (enum model_lb_type)(e + 1);
	if (cfg_enum(c, o, "XlbForwardingMode", &cfg_mode_choice, &e) == CFG_OK)
		lb->mode = (enum model_mode)e;
	if (cfg_array(c, o, "XlbAddresses", "addresses", &arr) == CFG_OK) {
		cfg_in(c, "XlbAddresses");
		for (i = 0; i < json_object_array_length(arr); i++) {
			cfg_at(c, i);
			cfg_lb_addr(c, json_object_array_get_idx(arr, i), lb);
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (cfg_array(c, o, "SubnetMappings", "subnet mapping objects", &arr) == CFG_OK) {
		cfg_in(c, "SubnetMappings");
		for (i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *sm = json_object_array_get_idx(arr, i), *v;

			cfg_at(c, i);
			if (cfg_is_object(c, sm, "a subnet mapping object")) {
				for (const char *const *k = sm_typed; *k; k++) {
					if (!(v = cfg_member(sm, *k)))
						continue;
					cfg_in(c, *k);
					cfg_lb_addr(c, v, lb);
					cfg_out(c);
				}
				cfg_finish(c, sm, sm_typed, sm_kept, NULL);
			}
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (cfg_array(c, o, "XlbInterfaces", "interface names", &arr) == CFG_OK) {
		cfg_in(c, "XlbInterfaces");
		for (i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *v = json_object_array_get_idx(arr, i);
			const char *s;
			char **slot;

			cfg_at(c, i);
			if (cfg_v_str(c, v, 1, 15, "an interface name", &s) == CFG_OK) {
				if (!cfg_ifname_ok(s))
					cfg_error(
						c,
						"expected an interface name (no '/', ':' or spaces), got %s",
						GOT(c, v));
				else if ((slot = cfg_push(c, &lb->ifaces, &lb->nifaces,
							  sizeof(*slot))))
					*slot = cfg_strdup(c, s);
			}
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (cfg_array(c, o, "Listeners", "listener objects", &arr) == CFG_OK) {
		cfg_in(c, "Listeners");
		for (i = 0; i < json_object_array_length(arr); i++) {
			cfg_at(c, i);
			/* lb stays valid: a nested listener never adds a load balancer */
			cfg_listener(c, json_object_array_get_idx(arr, i), lb, 0);
			cfg_out(c);
		}
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_lb_typed, cfg_lb_kept, &lb->extras);
}

/* ------------------------------------------------------------------------------------------
 * Launch configurations and templates, auto-scaling groups, attachments
 */

static const char *cfg_itype_list(void)
{
	static char buf[256];
	size_t i, n, o = 0;
	const struct model_instance_type *t = config_instance_types(&n);

	if (!buf[0])
		for (i = 0; i < n && o < sizeof(buf); i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "",
					      t[i].name);
	return buf;
}

/* The file offset of byte `at` of a JSON string's decoded text, the string starting (its quote)
 * at off. \uXXXX counts as the bytes of its UTF-8 (a surrogate pair as one code point).
 */
static size_t cfg_str_offset(const char *t, size_t n, size_t off, size_t at)
{
	size_t i = off + 1, d = 0;

	while (i < n && t[i] != '"' && d < at) {
		if (t[i] != '\\') {
			i++;
			d++;
		} else if (i + 1 < n && t[i + 1] == 'u' && i + 5 < n) {
			unsigned long cp = strtoul(
				(char[5]){ t[i + 2], t[i + 3], t[i + 4], t[i + 5], 0 }, NULL, 16);

			d += cp < 0x80 ? 1 : cp < 0x800 ? 2 : (cp >= 0xd800 && cp < 0xdc00) ? 4 : 3;
			i += (cp >= 0xd800 && cp < 0xdc00) ? 12 : 6;
		} else {
			i += 2;
			d++;
		}
	}
	return i < n ? i : off;
}

/* Commands that cannot work in an instance, and what does. */
static const char *const cfg_pkg_cmds[] = { "apt",    "apt-get", "aptitude", "yum",  "dnf",
					    "zypper", "apk",	 "pacman",   "snap", NULL };
static const char *const cfg_svc_cmds[] = { "systemctl", "service",	"rc-service", "initctl",
					    "chkconfig", "update-rc.d", "rc-update",  NULL };

static bool cfg_word_in(const char *w, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == len && !strncmp(w, *list, len))
			return true;
	return false;
}

/* UserData that installs packages or starts services through an init system: said with the
 * line and column (in the file where the script is a plain string, else at the UserData with
 * the script's line), and what works instead. Only words in a command's place count: the
 * first of a line or after ; & | ( `, past sudo, env, exec, nohup and VAR=value.
 */
static void cfg_user_data_advice(struct cfg *c, const char *s, size_t len, bool base64)
{
	struct cfg_loc loc;
	char path[256], msg[CONFIG_MSG_LEN];
	size_t i = 0, line = 1, nwarn = 0;
	bool cmd_pos = true, comment = false;

	cfg_in(c, "UserData");
	loc = cfg_locate(c->text, c->len, c->path, c->depth, false);
	cfg_path_format(c->path, c->depth, path, sizeof(path));
	while (i < len && nwarn < 4) {
		char ch = s[i];
		size_t w, wl;
		const char *base;

		if (ch == '\n') {
			line++;
			cmd_pos = true;
			comment = false;
			i++;
			continue;
		}
		if (comment || ch == ' ' || ch == '\t') {
			i++;
			continue;
		}
		if (ch == '#' && cmd_pos) {
			comment = true;
			continue;
		}
		if (strchr(";&|(`", ch)) {
			cmd_pos = true;
			i++;
			continue;
		}
		for (w = i; i < len && s[i] && !strchr(" \t\r\n;&|()`", s[i]); i++)
			;
		wl = i - w;
		if (!wl) {
			i++; /* a ')' or a NUL: nothing starts here */
			continue;
		}
		if (!cmd_pos)
			continue;
		/* a word in a command's place: the command, or a prefix before it */
		if ((wl == 4 && !strncmp(s + w, "sudo", 4)) ||
		    (wl == 3 && !strncmp(s + w, "env", 3)) ||
		    (wl == 4 && !strncmp(s + w, "exec", 4)) ||
		    (wl == 5 && !strncmp(s + w, "nohup", 5)) ||
		    (wl == 4 && !strncmp(s + w, "then", 4)) ||
		    (wl == 2 && !strncmp(s + w, "do", 2)) || memchr(s + w, '=', wl))
			continue;
		cmd_pos = false;
		for (base = s + i; base > s + w && base[-1] != '/'; base--)
			;
		wl = (size_t)(s + i - base);
		if (cfg_word_in(base, wl, cfg_pkg_cmds))
			snprintf(
				msg, sizeof(msg),
				"line %zu of the script runs %.*s: packages cannot be installed in an "
				"instance (it reaches only the load balancer, and what it writes goes "
				"with it); use an image that already holds the server (ImageId mapped "
				"in Xlb.Images, or the host's own files) and start it from UserData",
				line, (int)wl, base);
		else if (cfg_word_in(base, wl, cfg_svc_cmds))
			snprintf(
				msg, sizeof(msg),
				"line %zu of the script runs %.*s: an instance has no init system, so "
				"no service starts through it; start the server from UserData itself, "
				"in the foreground as its last command (exec nginx -g 'daemon off;')",
				line, (int)wl, base);
		else
			continue;
		nwarn++;
		cfg_emit_at(c, false,
			    base64 || !loc.exact ?
				    loc.off :
				    cfg_str_offset(c->text, c->len, loc.off, (size_t)(base - s)),
			    path, msg);
	}
	cfg_out(c);
}

/* InstanceType and UserData, shared by launch configurations and template data. */
static void cfg_launch_spec(struct cfg *c, struct json_object *o, struct model_launch *l)
{
	struct json_object *v = cfg_member(o, "InstanceType");
	const char *s;

	if (!v) {
		cfg_missing(c, "InstanceType", "an instance type (%s)", cfg_itype_list());
	} else {
		cfg_in(c, "InstanceType");
		if (cfg_v_str(c, v, 1, 64, "an instance type", &s) == CFG_OK) {
			l->itype = config_instance_type(s);
			if (!l->itype)
				cfg_error(c,
					  "expected an instance type of xlb's table (%s), got %s",
					  cfg_itype_list(), GOT(c, v));
			else
				l->instance_type = cfg_strdup(c, s);
		}
		cfg_out(c);
	}
	if (cfg_str(c, o, "UserData", 0, 4 * CFG_USER_DATA_MAX, "a boot script, or its base64",
		    &s) == CFG_OK) {
		l->user_data = cfg_user_data(c, s, &l->user_data_len, &l->user_data_was_base64);
		if (l->user_data_len > CFG_USER_DATA_MAX) {
			cfg_in(c, "UserData");
			cfg_error(c,
				  "expected at most %d bytes of user data (AWS's limit), got %zu",
				  CFG_USER_DATA_MAX, l->user_data_len);
			cfg_out(c);
		}
		if (l->user_data)
			cfg_user_data_advice(c, l->user_data, l->user_data_len,
					     l->user_data_was_base64);
	}
}

static const char *const cfg_lc_typed[] = { "LaunchConfigurationName",
					    "LaunchConfigurationARN",
					    "InstanceType",
					    "UserData",
					    "InstanceId",
					    NULL };
static const char *const cfg_lc_kept[] = { "ImageId",
					   "KeyName",
					   "SecurityGroups",
					   "ClassicLinkVPCId",
					   "ClassicLinkVPCSecurityGroups",
					   "IamInstanceProfile",
					   "InstanceMonitoring",
					   "SpotPrice",
					   "EbsOptimized",
					   "AssociatePublicIpAddress",
					   "PlacementTenancy",
					   "BlockDeviceMappings",
					   "MetadataOptions",
					   "KernelId",
					   "RamdiskId",
					   "CreatedTime",
					   NULL };

static void cfg_lc(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "LaunchConfigurationName", NULL };
	struct model *m = c->m;
	struct model_launch *lc = cfg_push(c, &m->lcs, &m->nlcs, sizeof(*lc));

	if (!lc || !cfg_is_object(c, o, "a launch configuration object"))
		return;
	lc->kind = MODEL_LAUNCH_CONFIGURATION;
	lc->name = cfg_obj_name(c, o, names, "LaunchConfigurationARN", CONFIG_ARN_LAUNCH_CONFIG,
				CFG_NAME_ASG, "a launch configuration");
	DUP_NAME(c, lc->name, m->lcs, idx, "LaunchConfigurations", "launch configuration");
	if (cfg_member(o, "InstanceId")) {
		cfg_in(c, "InstanceId");
		cfg_error(
			c,
			"expected InstanceType and UserData: launch configurations copied from an instance are not supported here");
		cfg_out(c);
	}
	cfg_launch_spec(c, o, lc);
	cfg_finish(c, o, cfg_lc_typed, cfg_lc_kept, &lc->extras);
}

static const char *const cfg_lt_typed[] = { "LaunchTemplateName",
					    "LaunchTemplateId",
					    "VersionNumber",
					    "DefaultVersion",
					    "LaunchTemplateData",
					    "SourceVersion",
					    NULL };
static const char *const cfg_lt_kept[] = {
	"VersionDescription", "TagSpecifications", "CreatedBy", "CreateTime",
	"ClientToken",	      "Operator",	   NULL
};
static const char *const cfg_ltd_typed[] = { "InstanceType", "UserData", NULL };
static const char *const cfg_ltd_kept[] = { "ImageId",
					    "KeyName",
					    "SecurityGroupIds",
					    "SecurityGroups",
					    "NetworkInterfaces",
					    "BlockDeviceMappings",
					    "IamInstanceProfile",
					    "TagSpecifications",
					    "Monitoring",
					    "MetadataOptions",
					    "Placement",
					    "CreditSpecification",
					    "EbsOptimized",
					    "InstanceMarketOptions",
					    "CpuOptions",
					    "DisableApiTermination",
					    "DisableApiStop",
					    "InstanceInitiatedShutdownBehavior",
					    "KernelId",
					    "RamdiskId",
					    "PrivateDnsNameOptions",
					    "MaintenanceOptions",
					    "CapacityReservationSpecification",
					    "HibernationOptions",
					    "EnclaveOptions",
					    "LicenseSpecifications",
					    "ElasticGpuSpecifications",
					    "ElasticInferenceAccelerators",
					    "InstanceRequirements",
					    "NetworkPerformanceOptions",
					    "Operator",
					    NULL };

static bool cfg_lt_id_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 3 && len <= 20 && !strncmp(s, "lt-", 3) &&
	       strspn(s + 3, "0123456789abcdef") == len - 3;
}

/* One launch template version; entries with the same name are versions of one template. */
static void cfg_lt(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "LaunchTemplateName", NULL };
	struct model *m = c->m;
	struct model_launch *lt = cfg_push(c, &m->lts, &m->nlts, sizeof(*lt)), *other;
	struct json_object *data;
	uint32_t version = 0;
	const char *s;
	size_t j;

	if (!lt || !cfg_is_object(c, o, "a launch template object"))
		return;
	lt->kind = MODEL_LAUNCH_TEMPLATE;
	if (cfg_str(c, o, "LaunchTemplateId", 4, 20,
		    "a launch template id such as lt-0abcdef1234567890", &s) == CFG_OK) {
		cfg_in(c, "LaunchTemplateId");
		if (!cfg_lt_id_ok(s))
			cfg_error(c, "expected \"lt-\" and up to 17 hex digits, got %s",
				  GOT(c, cfg_member(o, "LaunchTemplateId")));
		else
			lt->template_id = cfg_strdup(c, s);
		cfg_out(c);
	}
	if (!cfg_member(o, "LaunchTemplateName") && lt->template_id) {
		/* a later version may name its template by id only */
		for (j = 0; j < idx && !lt->name; j++)
			if (m->lts[j].template_id && m->lts[j].name &&
			    !strcmp(m->lts[j].template_id, lt->template_id))
				lt->name = cfg_strdup(c, m->lts[j].name);
	}
	if (!lt->name)
		lt->name = cfg_obj_name(c, o, names, NULL, CONFIG_ARN_LAUNCH_TEMPLATE, CFG_NAME_LT,
					"a launch template");
	for (j = 0; j < idx && lt->name && lt->template_id; j++) {
		other = &m->lts[j];
		if (!other->name || !other->template_id)
			continue;
		if (!strcmp(other->name, lt->name) !=
		    !strcmp(other->template_id, lt->template_id)) {
			cfg_in(c, "LaunchTemplateId");
			cfg_error(
				c,
				"expected one id per launch template name, got %s, which $.LaunchTemplates[%zu] (line %d) pairs with %s",
				lt->template_id, j, cfg_line_of(c, "LaunchTemplates", j),
				strcmp(other->name, lt->name) ? other->name : other->template_id);
			cfg_out(c);
			break;
		}
	}
	for (j = 0; j < idx && lt->name; j++)
		if (m->lts[j].name && !strcmp(m->lts[j].name, lt->name) &&
		    m->lts[j].version > version)
			version = m->lts[j].version;
	lt->version = version + 1;
	cfg_u32(c, o, "VersionNumber", 1, 1000000, &lt->version);
	for (j = 0; j < idx && lt->name; j++) {
		other = &m->lts[j];
		if (other->name && !strcmp(other->name, lt->name) &&
		    other->version == lt->version) {
			cfg_in(c, cfg_member(o, "VersionNumber") ? "VersionNumber" :
								   "LaunchTemplateName");
			cfg_error(
				c,
				"expected a new version of launch template %s, got version %u again (also $.LaunchTemplates[%zu] at line %d)",
				lt->name, lt->version, j, cfg_line_of(c, "LaunchTemplates", j));
			cfg_out(c);
			break;
		}
	}
	if (cfg_bool(c, o, "DefaultVersion", &lt->default_version) == CFG_OK &&
	    lt->default_version) {
		for (j = 0; j < idx && lt->name; j++) {
			other = &m->lts[j];
			if (other->name && !strcmp(other->name, lt->name) &&
			    other->default_version) {
				cfg_in(c, "DefaultVersion");
				cfg_error(
					c,
					"expected one default version of launch template %s, got a second (version %u is one)",
					lt->name, other->version);
				cfg_out(c);
				break;
			}
		}
	}
	if (cfg_member(o, "SourceVersion")) {
		cfg_in(c, "SourceVersion");
		cfg_warn_key(c, "ignored: each version here is written out whole");
		cfg_out(c);
	}
	data = cfg_member(o, "LaunchTemplateData");
	if (!data) {
		cfg_missing(c, "LaunchTemplateData", "an object with InstanceType and UserData");
	} else {
		cfg_in(c, "LaunchTemplateData");
		if (cfg_is_object(c, data, "an object with InstanceType and UserData")) {
			cfg_launch_spec(c, data, lt);
			cfg_finish(c, data, cfg_ltd_typed, cfg_ltd_kept, &lt->extras);
		}
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_lt_typed, cfg_lt_kept, &lt->extras);
}

/* After all templates: ids for those that gave none, and a default version for each. */
static void cfg_lt_post(struct cfg *c)
{
	struct model *m = c->m;
	size_t i, j;

	for (i = 0; i < m->nlts; i++) {
		struct model_launch *lt = &m->lts[i], *low = NULL;
		bool has_default = false;
		uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the name: a stable made-up id */
		char id[24];

		if (!lt->name)
			continue;
		for (j = 0; j < m->nlts && !lt->template_id; j++)
			if (m->lts[j].name && m->lts[j].template_id &&
			    !strcmp(m->lts[j].name, lt->name))
				lt->template_id = cfg_strdup(c, m->lts[j].template_id);
		if (!lt->template_id) {
			for (const char *p = lt->name; *p; p++)
				h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
			snprintf(id, sizeof(id), "lt-0%016llx", (unsigned long long)h);
			lt->template_id = cfg_strdup(c, id);
		}
		for (j = 0; j < m->nlts; j++) {
			struct model_launch *o = &m->lts[j];

			if (!o->name || strcmp(o->name, lt->name))
				continue;
			has_default |= o->default_version;
			if (!low || o->version < low->version)
				low = o;
		}
		if (!has_default && low)
			low->default_version = true; /* AWS: version 1 until changed */
	}
}

static struct model_launch *cfg_find_lc(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nlcs; i++)
		if (m->lcs[i].name && !strcmp(m->lcs[i].name, name))
			return &m->lcs[i];
	return NULL;
}

static void cfg_asg_lt(struct cfg *c, struct json_object *v, struct model_asg *asg)
{
	static const char *const typed[] = { "LaunchTemplateId", "LaunchTemplateName", "Version",
					     NULL };
	struct model *m = c->m;
	struct json_object *id, *nm, *ver;
	struct model_launch *pick = NULL;
	const char *vs = "$Default";
	char name[512], vbuf[32];
	uint32_t maxv = 0;
	bool found = false;
	size_t i;

	cfg_in(c, "LaunchTemplate");
	if (!cfg_is_object(c, v, "an object {\"LaunchTemplateName\": ..., \"Version\": ...}"))
		goto out;
	id = cfg_member(v, "LaunchTemplateId");
	nm = cfg_member(v, "LaunchTemplateName");
	if (id && nm) {
		cfg_in(c, "LaunchTemplateName");
		cfg_error(c, "expected LaunchTemplateId or LaunchTemplateName, not both");
		cfg_out(c);
		goto finish;
	}
	if (!id && !nm) {
		cfg_missing(c, "LaunchTemplateName", "LaunchTemplateName or LaunchTemplateId");
		goto finish;
	}
	cfg_in(c, id ? "LaunchTemplateId" : "LaunchTemplateName");
	if (cfg_v_ref(c, id ? id : nm, CONFIG_ARN_LAUNCH_TEMPLATE, "a launch template", name,
		      sizeof(name)) == CFG_OK) {
		for (i = 0; i < m->nlts; i++) {
			const char *key = id ? m->lts[i].template_id : m->lts[i].name;

			if (key && !strcmp(key, name)) {
				found = true;
				if (m->lts[i].version > maxv)
					maxv = m->lts[i].version;
			}
		}
		if (!found)
			cfg_error(c, "expected a launch template of this file (%s), got %s",
				  KNOWN(m->lts, m->nlts), GOT(c, id ? id : nm));
	}
	cfg_out(c);
	if (!found)
		goto finish;
	if ((ver = cfg_member(v, "Version"))) {
		int64_t x;

		cfg_in(c, "Version");
		if (cfg_as_int(ver, &x) && x >= 1 && x <= 1000000) {
			snprintf(vbuf, sizeof(vbuf), "%lld", (long long)x);
			vs = vbuf;
		} else if (json_object_is_type(ver, json_type_string)) {
			vs = json_object_get_string(ver);
		} else {
			vs = "";
		}
		cfg_out(c);
	}
	for (i = 0; i < m->nlts; i++) {
		struct model_launch *lt = &m->lts[i];
		const char *key = id ? lt->template_id : lt->name;

		if (!key || strcmp(key, name))
			continue;
		if ((!strcmp(vs, "$Default") && lt->default_version) ||
		    (!strcmp(vs, "$Latest") && lt->version == maxv) ||
		    (vs == vbuf && lt->version == strtoul(vbuf, NULL, 10)))
			pick = lt;
	}
	if (!pick) {
		cfg_in(c, "Version");
		cfg_error(
			c,
			"expected \"$Default\", \"$Latest\" or a version of launch template %s (up to %u), got %s",
			name, maxv, GOT(c, ver));
		cfg_out(c);
	} else {
		asg->launch = pick;
		asg->launch_version = cfg_strdup(c, vs);
	}
finish:
	cfg_finish(c, v, typed, NULL, NULL);
out:
	cfg_out(c);
}

static void cfg_asg_add_tg(struct cfg *c, struct model_asg *asg, struct model_tg *tg)
{
	struct model_tg **slot;
	size_t i;

	for (i = 0; i < asg->ntgs; i++)
		if (asg->tgs[i] == tg)
			return;
	slot = cfg_push(c, &asg->tgs, &asg->ntgs, sizeof(*slot));
	if (slot)
		*slot = tg;
}

/* Target groups listed under key (an array of names or ARNs) join asg (which may be NULL when
 * the group itself could not be found: the references are still checked).
 */
static int cfg_tg_list(struct cfg *c, struct json_object *o, const char *key, struct model_asg *asg)
{
	struct json_object *arr;
	size_t i;

	if (cfg_array(c, o, key, "target group names or ARNs", &arr) != CFG_OK)
		return cfg_member(o, key) ? CFG_BAD : CFG_ABSENT;
	cfg_in(c, key);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct model_tg *tg;

		cfg_at(c, i);
		tg = cfg_v_tg(c, json_object_array_get_idx(arr, i));
		if (tg && asg)
			cfg_asg_add_tg(c, asg, tg);
		cfg_out(c);
	}
	cfg_out(c);
	return CFG_OK;
}

static const char *const cfg_term_names[] = { "Default",
					      "OldestInstance",
					      "NewestInstance",
					      "OldestLaunchConfiguration",
					      "OldestLaunchTemplate",
					      "ClosestToNextInstanceHour",
					      "AllocationStrategy",
					      NULL };

static void cfg_asg_tags(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	static const char *const typed[] = { "Key", "Value", "PropagateAtLaunch", NULL };
	static const char *const kept[] = { "ResourceId", "ResourceType", NULL };
	struct json_object *arr;
	size_t i, j;

	if (cfg_array(c, o, "Tags", "{\"Key\": ..., \"Value\": ...} objects", &arr) != CFG_OK)
		return;
	cfg_in(c, "Tags");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *t = json_object_array_get_idx(arr, i);
		struct model_tag tag = { 0 }, *slot;
		const char *k = NULL, *v = "";

		cfg_at(c, i);
		if (!cfg_is_object(c, t, "a {\"Key\": ..., \"Value\": ...} object"))
			goto next;
		if (cfg_need(c, t, "Key", cfg_str(c, t, "Key", 1, 128, "a tag key", &k),
			     "a tag key (1..128 characters)") != CFG_OK)
			k = NULL;
		cfg_str(c, t, "Value", 0, 256, "a tag value", &v);
		cfg_bool(c, t, "PropagateAtLaunch", &tag.propagate_at_launch);
		cfg_finish(c, t, typed, kept, NULL);
		if (!k)
			goto next;
		for (j = 0; j < asg->ntags; j++) {
			if (!strcmp(asg->tags[j].key, k)) {
				cfg_in(c, "Key");
				cfg_error(c, "expected each tag key once, got \"%s\" again", k);
				cfg_out(c);
				goto next;
			}
		}
		if ((slot = cfg_push(c, &asg->tags, &asg->ntags, sizeof(*slot)))) {
			slot->key = cfg_strdup(c, k);
			slot->value = cfg_strdup(c, v);
			slot->propagate_at_launch = tag.propagate_at_launch;
		}
next:
		cfg_out(c);
	}
	cfg_out(c);
}

static const char *const cfg_asg_typed[] = { "AutoScalingGroupName",
					     "AutoScalingGroupARN",
					     "LaunchConfigurationName",
					     "LaunchTemplate",
					     "MixedInstancesPolicy",
					     "InstanceId",
					     "MinSize",
					     "MaxSize",
					     "DesiredCapacity",
					     "DefaultCooldown",
					     "HealthCheckType",
					     "HealthCheckGracePeriod",
					     "TargetGroupARNs",
					     "TerminationPolicies",
					     "NewInstancesProtectedFromScaleIn",
					     "MaxInstanceLifetime",
					     "DefaultInstanceWarmup",
					     "Tags",
					     NULL };
static const char *const cfg_asg_kept[] = { "AvailabilityZones",
					    "VPCZoneIdentifier",
					    "LoadBalancerNames",
					    "PlacementGroup",
					    "ServiceLinkedRoleARN",
					    "CapacityRebalance",
					    "Context",
					    "DesiredCapacityType",
					    "LifecycleHookSpecificationList",
					    "TrafficSources",
					    "InstanceMaintenancePolicy",
					    "CreatedTime",
					    "Instances",
					    "SuspendedProcesses",
					    "EnabledMetrics",
					    "Status",
					    "WarmPoolConfiguration",
					    "WarmPoolSize",
					    "AvailabilityZoneDistribution",
					    "AvailabilityZoneImpairmentPolicy",
					    "SkipZonalShiftValidation",
					    "CapacityReservationSpecification",
					    "PredictedCapacity",
					    NULL };

static void cfg_asg(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "AutoScalingGroupName", NULL };
	static const char *const hct[] = { "EC2", "ELB", NULL };
	static const char *const hct_no[] = { "VPC_LATTICE", "EBS", NULL };
	static const struct cfg_choice hct_choice = {
		hct, hct_no, "xlb's instances have no EBS volumes and no VPC Lattice", false
	};
	static const struct cfg_choice term_choice = { cfg_term_names, NULL, NULL, false };
	struct model *m = c->m;
	struct model_asg *asg = cfg_push(c, &m->asgs, &m->nasgs, sizeof(*asg));
	struct json_object *v, *arr;
	bool min_ok, max_ok;
	int dres, e;
	size_t i;
	char name[512];

	if (!asg || !cfg_is_object(c, o, "an auto-scaling group object"))
		return;
	asg->name = cfg_obj_name(c, o, names, "AutoScalingGroupARN", CONFIG_ARN_ASG, CFG_NAME_ASG,
				 "an auto-scaling group");
	DUP_NAME(c, asg->name, m->asgs, idx, "AutoScalingGroups", "auto-scaling group");

	min_ok = cfg_need(c, o, "MinSize",
			  cfg_u32(c, o, "MinSize", 0, CONFIG_MAX_CAPACITY, &asg->min_size),
			  "an integer 0..10000") == CFG_OK;
	max_ok = cfg_need(c, o, "MaxSize",
			  cfg_u32(c, o, "MaxSize", 0, CONFIG_MAX_CAPACITY, &asg->max_size),
			  "an integer 0..10000") == CFG_OK;
	dres = cfg_u32(c, o, "DesiredCapacity", 0, CONFIG_MAX_CAPACITY, &asg->desired);
	if (min_ok && max_ok && asg->min_size > asg->max_size) {
		cfg_in(c, "MinSize");
		cfg_error(c, "expected at most MaxSize (%u), got %u", asg->max_size, asg->min_size);
		cfg_out(c);
	} else if (min_ok && max_ok && dres == CFG_OK &&
		   (asg->desired < asg->min_size || asg->desired > asg->max_size)) {
		cfg_in(c, "DesiredCapacity");
		cfg_error(c, "expected an integer between MinSize and MaxSize (%u..%u), got %u",
			  asg->min_size, asg->max_size, asg->desired);
		cfg_out(c);
	}
	asg->desired_given = dres == CFG_OK;
	if (!asg->desired_given)
		asg->desired = asg->min_size; /* AWS: DesiredCapacity defaults to MinSize */

	if (cfg_enum(c, o, "HealthCheckType", &hct_choice, &e) == CFG_OK)
		asg->hc_type = (enum model_asg_hc)e;
	/* the API's default grace period is 0 (the console's is 300): files hold API objects */
	cfg_u32(c, o, "HealthCheckGracePeriod", 0, 86400, &asg->grace_s);
	asg->cooldown_s = 300;
	cfg_u32(c, o, "DefaultCooldown", 0, 86400, &asg->cooldown_s);
	asg->warmup_s = -1;
	cfg_int(c, o, "DefaultInstanceWarmup", -1, 86400, &asg->warmup_s);
	if (cfg_u32(c, o, "MaxInstanceLifetime", 0, 31536000, &asg->max_lifetime_s) == CFG_OK &&
	    asg->max_lifetime_s && asg->max_lifetime_s < 86400) {
		cfg_in(c, "MaxInstanceLifetime");
		cfg_error(c, "expected 0 (no limit) or 86400..31536000 seconds, got %u",
			  asg->max_lifetime_s);
		cfg_out(c);
	}
	cfg_bool(c, o, "NewInstancesProtectedFromScaleIn", &asg->protect_from_scale_in);

	for (i = 0; i < 2; i++) {
		const char *k = i ? "InstanceId" : "MixedInstancesPolicy";

		if (!cfg_member(o, k))
			continue;
		cfg_in(c, k);
		cfg_error(c,
			  "not supported here: expected LaunchConfigurationName or LaunchTemplate");
		cfg_out(c);
	}
	if ((v = cfg_member(o, "LaunchConfigurationName"))) {
		cfg_in(c, "LaunchConfigurationName");
		if (cfg_member(o, "LaunchTemplate")) {
			cfg_error(c,
				  "expected LaunchConfigurationName or LaunchTemplate, not both");
		} else if (cfg_v_ref(c, v, CONFIG_ARN_LAUNCH_CONFIG, "a launch configuration", name,
				     sizeof(name)) == CFG_OK) {
			asg->launch = cfg_find_lc(m, name);
			if (!asg->launch)
				cfg_error(
					c,
					"expected a launch configuration of this file (%s), got %s",
					KNOWN(m->lcs, m->nlcs), GOT(c, v));
		}
		cfg_out(c);
	} else if ((v = cfg_member(o, "LaunchTemplate"))) {
		cfg_asg_lt(c, v, asg);
	} else if (!cfg_member(o, "MixedInstancesPolicy") && !cfg_member(o, "InstanceId")) {
		cfg_missing(c, "LaunchConfigurationName",
			    "LaunchConfigurationName or LaunchTemplate: what to launch");
	}

	cfg_tg_list(c, o, "TargetGroupARNs", asg);

	if (cfg_array(c, o, "TerminationPolicies", "policy names", &arr) == CFG_OK) {
		cfg_in(c, "TerminationPolicies");
		for (i = 0; i < json_object_array_length(arr); i++) {
			enum model_termination *slot;

			v = json_object_array_get_idx(arr, i);
			cfg_at(c, i);
			if (json_object_is_type(v, json_type_string) &&
			    !strncmp(json_object_get_string(v), "arn:", 4))
				cfg_error(
					c,
					"expected one of AWS's termination policies: custom (Lambda) policies are not supported here, got %s",
					GOT(c, v));
			else if (cfg_v_enum(c, v, &term_choice, &e) == CFG_OK &&
				 (slot = cfg_push(c, &asg->term, &asg->nterm, sizeof(*slot))))
				*slot = (enum model_termination)e;
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (!asg->nterm) {
		enum model_termination *slot = cfg_push(c, &asg->term, &asg->nterm, sizeof(*slot));

		if (slot)
			*slot = MODEL_TERM_DEFAULT;
	}
	cfg_asg_tags(c, o, asg);
	if ((v = cfg_member(o, "LoadBalancerNames")) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v)) {
		cfg_in(c, "LoadBalancerNames");
		cfg_warn_key(
			c,
			"ignored: Classic Load Balancers are not modelled here; attach target groups with TargetGroupARNs");
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_asg_typed, cfg_asg_kept, &asg->extras);
}

/* {"AutoScalingGroupName", "TargetGroupARNs": [...]}: attach-load-balancer-target-groups as a
 * file entry ("TargetGroupARN" with one is accepted, as the walkthrough writes it).
 */
static void cfg_attachment(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const typed[] = { "AutoScalingGroupName", "TargetGroupARN",
					     "TargetGroupArn",	     "TargetGroupARNs",
					     "TargetGroupArns",	     NULL };
	struct model_asg *asg;
	struct json_object *v;
	bool any = false;
	size_t i;

	if (!cfg_is_object(c, o,
			   "an attachment object {\"AutoScalingGroupName\": ..., "
			   "\"TargetGroupARNs\": [...]}"))
		return;
	asg = cfg_asg_member(c, o, "AutoScalingGroupName");
	for (i = 1; i < 3; i++) {
		struct model_tg *tg;

		if (!(v = cfg_member(o, typed[i])))
			continue;
		any = true;
		cfg_in(c, typed[i]);
		tg = cfg_v_tg(c, v);
		if (tg && asg)
			cfg_asg_add_tg(c, asg, tg);
		cfg_out(c);
	}
	for (i = 3; i < 5; i++)
		if (cfg_tg_list(c, o, typed[i], asg) != CFG_ABSENT)
			any = true;
	if (!any)
		cfg_missing(
			c, "TargetGroupARNs",
			"the target groups to attach (TargetGroupARNs: [...], or TargetGroupARN)");
	cfg_finish(c, o, typed, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Scaling policies and scheduled actions: checked and kept for the scaling code
 */

static const char *const cfg_policy_types[] = { "SimpleScaling", "StepScaling",
						"TargetTrackingScaling", "PredictiveScaling",
						NULL };
static const char *const cfg_metrics[] = { "ASGAverageCPUUtilization", "ASGAverageNetworkIn",
					   "ASGAverageNetworkOut", "ALBRequestCountPerTarget",
					   NULL };

static char *cfg_raw(struct cfg *c, struct json_object *o)
{
	return cfg_strdup(c, json_object_to_json_string_ext(
				     o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int cfg_step_cmp(const void *a, const void *b)
{
	const struct model_step *x = a, *y = b;

	if (!x->has_lower || !y->has_lower)
		return (int)x->has_lower - (int)y->has_lower; /* no lower bound: -infinity */
	return x->lower < y->lower ? -1 : x->lower > y->lower;
}

static void cfg_steps(struct cfg *c, struct json_object *o, struct model_policy *p)
{
	static const char *const typed[] = { "MetricIntervalLowerBound", "MetricIntervalUpperBound",
					     "ScalingAdjustment", NULL };
	struct json_object *arr;
	struct model_step *sorted;
	size_t i;
	int before = c->err->count;

	if (cfg_need(c, o, "StepAdjustments",
		     cfg_array(c, o, "StepAdjustments", "step adjustment objects", &arr),
		     "a list of step adjustments") != CFG_OK)
		return;
	cfg_in(c, "StepAdjustments");
	if (!json_object_array_length(arr))
		cfg_error(c, "expected at least one step adjustment, got an empty list");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		struct model_step st = { 0 }, *slot;
		int64_t adj;

		cfg_at(c, i);
		if (!cfg_is_object(c, s, "a step adjustment object"))
			goto next;
		st.has_lower = cfg_double(c, s, "MetricIntervalLowerBound", -1e15, 1e15,
					  &st.lower) == CFG_OK;
		st.has_upper = cfg_double(c, s, "MetricIntervalUpperBound", -1e15, 1e15,
					  &st.upper) == CFG_OK;
		if (cfg_need(c, s, "ScalingAdjustment",
			     cfg_int(c, s, "ScalingAdjustment", -CONFIG_MAX_CAPACITY,
				     CONFIG_MAX_CAPACITY, &adj),
			     "an integer -10000..10000") == CFG_OK)
			st.adjustment = (int32_t)adj;
		if (st.has_lower && st.has_upper && st.lower >= st.upper) {
			cfg_in(c, "MetricIntervalUpperBound");
			cfg_error(c, "expected more than MetricIntervalLowerBound (%g), got %g",
				  st.lower, st.upper);
			cfg_out(c);
		}
		cfg_finish(c, s, typed, NULL, NULL);
		if ((slot = cfg_push(c, &p->steps, &p->nsteps, sizeof(*slot))))
			*slot = st;
next:
		cfg_out(c);
	}
	/* AWS: the intervals neither overlap nor leave gaps; only the first may lack a lower
	 * bound and only the last an upper one
	 */
	if (c->err->count == before && p->nsteps > 1 &&
	    (sorted = malloc(p->nsteps * sizeof(*sorted)))) {
		memcpy(sorted, p->steps, p->nsteps * sizeof(*sorted));
		qsort(sorted, p->nsteps, sizeof(*sorted), cfg_step_cmp);
		for (i = 1; i < p->nsteps; i++) {
			const struct model_step *a = &sorted[i - 1], *b = &sorted[i];

			if (!a->has_upper || !b->has_lower || a->upper != b->lower) {
				cfg_error(
					c,
					"expected step intervals that meet without overlap or gap, got one ending at %s%g and the next starting at %s%g",
					a->has_upper ? "" : "+infinity ",
					a->has_upper ? a->upper : 0,
					b->has_lower ? "" : "-infinity ",
					b->has_lower ? b->lower : 0);
				break;
			}
		}
		free(sorted);
	}
	cfg_out(c);
}

/* The target group in an ALBRequestCountPerTarget ResourceLabel,
 * "app/LB/ID/targetgroup/TG/ID" (only the target group part matters here).
 */
static void cfg_tt_label(struct cfg *c, struct json_object *spec, struct model_policy *p)
{
	struct json_object *v = cfg_member(spec, "ResourceLabel");
	const char *s, *t;
	char name[64];
	size_t n;

	if (!v) {
		if (p->asg && p->asg->ntgs == 1) {
			p->tt.tg = p->asg->tgs[0]; /* the group's only target group */
			return;
		}
		cfg_missing(
			c, "ResourceLabel",
			"app/LOAD-BALANCER/ID/targetgroup/TARGET-GROUP/ID (required when the group has %s target group)",
			p->asg && p->asg->ntgs ? "more than one" : "no");
		return;
	}
	cfg_in(c, "ResourceLabel");
	if (cfg_v_str(c, v, 1, 1023, "a resource label", &s) != CFG_OK)
		goto out;
	p->tt.resource_label = cfg_strdup(c, s);
	t = strstr(s, "targetgroup/");
	n = t ? strcspn(t + 12, "/") : 0;
	if (!t || !n || n >= sizeof(name)) {
		cfg_error(c, "expected app/LOAD-BALANCER/ID/targetgroup/TARGET-GROUP/ID, got %s",
			  GOT(c, v));
		goto out;
	}
	memcpy(name, t + 12, n);
	name[n] = '\0';
	p->tt.tg = cfg_find_tg(c->m, name);
	if (!p->tt.tg)
		cfg_error(c, "expected a target group of this file (%s), got %s",
			  KNOWN(c->m->tgs, c->m->ntgs), GOT(c, v));
out:
	cfg_out(c);
}

static void cfg_tt(struct cfg *c, struct json_object *o, struct model_policy *p)
{
	static const char *const typed[] = { "PredefinedMetricSpecification",
					     "CustomizedMetricSpecification",
					     "TargetValue",
					     "DisableScaleIn",
					     "XlbScaleOutEvaluationPeriods",
					     "XlbScaleInEvaluationPeriods",
					     NULL };
	static const char *const spec_typed[] = { "PredefinedMetricType", "ResourceLabel", NULL };
	static const struct cfg_choice metric_choice = { cfg_metrics, NULL, NULL, false };
	struct json_object *tt = cfg_member(o, "TargetTrackingConfiguration"), *spec;
	size_t i;
	int e;

	if (!tt) {
		cfg_missing(c, "TargetTrackingConfiguration",
			    "an object with TargetValue and PredefinedMetricSpecification");
		return;
	}
	cfg_in(c, "TargetTrackingConfiguration");
	if (!cfg_is_object(c, tt, "an object with TargetValue and PredefinedMetricSpecification"))
		goto out;
	if (cfg_need(c, tt, "TargetValue",
		     cfg_double(c, tt, "TargetValue", 0, 1e12, &p->tt.target_value),
		     "the value to hold the metric at, a number above 0") == CFG_OK &&
	    p->tt.target_value <= 0) {
		cfg_in(c, "TargetValue");
		cfg_error(c, "expected a number above 0, got %s",
			  GOT(c, cfg_member(tt, "TargetValue")));
		cfg_out(c);
	}
	cfg_bool(c, tt, "DisableScaleIn", &p->tt.disable_scale_in);
	cfg_u32(c, tt, "XlbScaleOutEvaluationPeriods", 1, 1440, &p->tt_out_periods);
	cfg_u32(c, tt, "XlbScaleInEvaluationPeriods", 1, 1440, &p->tt_in_periods);
	if ((spec = cfg_member(tt, "PredefinedMetricSpecification"))) {
		cfg_in(c, "PredefinedMetricSpecification");
		if (cfg_is_object(c, spec, "an object with PredefinedMetricType")) {
			if (cfg_need(
				    c, spec, "PredefinedMetricType",
				    cfg_enum(c, spec, "PredefinedMetricType", &metric_choice, &e),
				    "one of ASGAverageCPUUtilization, ASGAverageNetworkIn, ASGAverageNetworkOut, ALBRequestCountPerTarget") ==
			    CFG_OK)
				p->tt.metric = (enum model_metric)(e + MODEL_METRIC_ASG_CPU);
			if (p->tt.metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET) {
				cfg_tt_label(c, spec, p);
				for (i = 0; p->tt.tg && p->asg && i < p->asg->ntgs; i++)
					if (p->asg->tgs[i] == p->tt.tg)
						break;
				if (p->tt.tg && p->asg && i == p->asg->ntgs) {
					cfg_error(
						c,
						"expected a target group attached to group %s, got %s (its requests say nothing about %s)",
						p->asg->name, p->tt.tg->name, p->asg->name);
				}
			} else if (cfg_member(spec, "ResourceLabel")) {
				cfg_in(c, "ResourceLabel");
				cfg_warn_key(
					c,
					"ignored: only ALBRequestCountPerTarget takes a resource label");
				cfg_out(c);
			}
			if (p->tt.metric == MODEL_METRIC_ASG_CPU && p->tt.target_value > 100) {
				cfg_in(c, "PredefinedMetricType");
				cfg_warn(
					c,
					"a CPU utilization target above 100%% is never reached: this policy only scales in");
				cfg_out(c);
			}
			cfg_finish(c, spec, spec_typed, NULL, NULL);
		}
		cfg_out(c);
	} else if (cfg_member(tt, "CustomizedMetricSpecification")) {
		p->tt.metric = MODEL_METRIC_CUSTOM;
		cfg_in(c, "CustomizedMetricSpecification");
		cfg_warn_key(
			c,
			"kept, but xlb has no CloudWatch to read it from: this policy never acts");
		cfg_out(c);
	} else {
		cfg_missing(
			c, "PredefinedMetricSpecification",
			"{\"PredefinedMetricType\": \"ASGAverageCPUUtilization\"} or another predefined metric");
	}
	cfg_finish(c, tt, typed, NULL, NULL);
out:
	cfg_out(c);
}

static const char *const cfg_policy_typed[] = { "AutoScalingGroupName",
						"PolicyName",
						"PolicyARN",
						"PolicyType",
						"AdjustmentType",
						"MinAdjustmentStep",
						"MinAdjustmentMagnitude",
						"ScalingAdjustment",
						"Cooldown",
						"MetricAggregationType",
						"StepAdjustments",
						"EstimatedInstanceWarmup",
						"TargetTrackingConfiguration",
						"Enabled",
						"PredictiveScalingConfiguration",
						NULL };
static const char *const cfg_policy_kept[] = { "Alarms", "AutoScalingGroupARN", NULL };

static void cfg_policy(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "PolicyName", NULL };
	static const char *const adjs[] = { "ChangeInCapacity", "ExactCapacity",
					    "PercentChangeInCapacity", NULL };
	static const char *const aggs[] = { "Average", "Minimum", "Maximum", NULL };
	static const struct cfg_choice type_choice = { cfg_policy_types, NULL, NULL, false };
	static const struct cfg_choice adj_choice = { adjs, NULL, NULL, false };
	static const struct cfg_choice agg_choice = { aggs, NULL, NULL, false };
	/* which members each type takes, as bits of 1 << enum model_policy_type */
	static const struct {
		const char *key;
		unsigned int types;
	} only[] = {
		{ "AdjustmentType", 3 },
		{ "MinAdjustmentMagnitude", 3 },
		{ "MinAdjustmentStep", 3 },
		{ "ScalingAdjustment", 1 },
		{ "Cooldown", 1 },
		{ "MetricAggregationType", 2 },
		{ "StepAdjustments", 2 },
		{ "EstimatedInstanceWarmup", 6 },
		{ "TargetTrackingConfiguration", 4 },
		{ "PredictiveScalingConfiguration", 8 },
	};
	struct model *m = c->m;
	struct model_policy *p = cfg_push(c, &m->policies, &m->npolicies, sizeof(*p));
	bool adj_given;
	int64_t x;
	size_t i, j;
	int e;

	if (!p || !cfg_is_object(c, o, "a scaling policy object"))
		return;
	p->raw = cfg_raw(c, o);
	p->name = cfg_obj_name(c, o, names, "PolicyARN", CONFIG_ARN_POLICY, CFG_NAME_ASG,
			       "a scaling policy");
	p->asg = cfg_asg_member(c, o, "AutoScalingGroupName");
	for (j = 0; j < idx && p->name && p->asg; j++) {
		if (m->policies[j].asg == p->asg && m->policies[j].name &&
		    !strcmp(m->policies[j].name, p->name)) {
			cfg_in(c, "PolicyName");
			cfg_error(
				c,
				"expected a policy name unique within group %s, got \"%s\" again (also $.ScalingPolicies[%zu] at line %d)",
				p->asg->name, p->name, j, cfg_line_of(c, "ScalingPolicies", j));
			cfg_out(c);
		}
	}
	p->type = MODEL_POLICY_SIMPLE; /* AWS's default PolicyType */
	if (cfg_enum(c, o, "PolicyType", &type_choice, &e) == CFG_OK)
		p->type = (enum model_policy_type)e;
	for (i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
		if (!cfg_member(o, only[i].key) || (only[i].types & (1u << p->type)))
			continue;
		cfg_in(c, only[i].key);
		cfg_error(c, "not used by %s policies: expected no %s here",
			  cfg_policy_types[p->type], only[i].key);
		cfg_out(c);
	}
	p->enabled = true;
	cfg_bool(c, o, "Enabled", &p->enabled);
	p->tt_out_periods = 3; /* the alarms AWS makes: 3 of 3 minutes above, 15 of 15 below */
	p->tt_in_periods = 15;
	adj_given = cfg_enum(c, o, "AdjustmentType", &adj_choice, &e) == CFG_OK;
	if (adj_given)
		p->adjustment_type = (enum model_adjustment)e;
	for (i = 0; i < 2; i++) {
		const char *k = i ? "MinAdjustmentStep" : "MinAdjustmentMagnitude";

		if (cfg_int(c, o, k, 1, CONFIG_MAX_CAPACITY, &x) != CFG_OK)
			continue;
		p->min_adjustment_magnitude = (int32_t)x;
		if (p->adjustment_type != MODEL_ADJ_PERCENT_CHANGE_IN_CAPACITY) {
			cfg_in(c, k);
			cfg_error(c, "expected no %s: it applies to PercentChangeInCapacity only",
				  k);
			cfg_out(c);
		}
	}
	p->cooldown_s = -1;
	cfg_int(c, o, "Cooldown", 0, 86400, &p->cooldown_s);
	p->warmup_s = -1;
	cfg_int(c, o, "EstimatedInstanceWarmup", 0, 86400, &p->warmup_s);
	if (cfg_enum(c, o, "MetricAggregationType", &agg_choice, &e) == CFG_OK)
		p->aggregation = (enum model_aggregation)e;
	switch (p->type) {
	case MODEL_POLICY_SIMPLE:
	case MODEL_POLICY_STEP:
		if (!adj_given && !cfg_member(o, "AdjustmentType"))
			cfg_missing(
				c, "AdjustmentType",
				"one of ChangeInCapacity, ExactCapacity, PercentChangeInCapacity");
		if (p->type == MODEL_POLICY_STEP) {
			cfg_steps(c, o, p);
		} else if (cfg_need(c, o, "ScalingAdjustment",
				    cfg_int(c, o, "ScalingAdjustment", -CONFIG_MAX_CAPACITY,
					    CONFIG_MAX_CAPACITY, &x),
				    "an integer -10000..10000") == CFG_OK) {
			p->scaling_adjustment = (int32_t)x;
		}
		break;
	case MODEL_POLICY_TARGET_TRACKING:
		cfg_tt(c, o, p);
		break;
	case MODEL_POLICY_PREDICTIVE:
		cfg_in(c, "PolicyType");
		cfg_warn_key(
			c,
			"kept, but nothing forecasts load here: this policy never changes capacity");
		cfg_out(c);
		break;
	}
	cfg_finish(c, o, cfg_policy_typed, cfg_policy_kept, NULL);
}

static const char *const cfg_action_typed[] = { "ScheduledActionName",
						"AutoScalingGroupName",
						"Recurrence",
						"StartTime",
						"EndTime",
						"Time",
						"MinSize",
						"MaxSize",
						"DesiredCapacity",
						"TimeZone",
						NULL };
static const char *const cfg_action_kept[] = { "ScheduledActionARN", NULL };

static int cfg_time(struct cfg *c, struct json_object *o, const char *key, int64_t *out)
{
	const char *s;

	if (cfg_str(c, o, key, 1, 64, "a time such as \"2025-01-31T08:00:00Z\"", &s) != CFG_OK)
		return cfg_member(o, key) ? CFG_BAD : CFG_ABSENT;
	if (cfg_time_parse(s, out))
		return CFG_OK;
	cfg_in(c, key);
	cfg_error(c, "expected a time such as \"2025-01-31T08:00:00Z\", got %s",
		  GOT(c, cfg_member(o, key)));
	cfg_out(c);
	return CFG_BAD;
}

static void cfg_action(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "ScheduledActionName", NULL };
	struct model *m = c->m;
	struct model_scheduled_action *a = cfg_push(c, &m->actions, &m->nactions, sizeof(*a));
	const char *s;
	size_t j;
	int ts, te;

	if (!a || !cfg_is_object(c, o, "a scheduled action object"))
		return;
	a->raw = cfg_raw(c, o);
	a->name =
		cfg_obj_name(c, o, names, NULL, CONFIG_ARN_ASG, CFG_NAME_ASG, "a scheduled action");
	a->asg = cfg_asg_member(c, o, "AutoScalingGroupName");
	for (j = 0; j < idx && a->name && a->asg; j++) {
		if (m->actions[j].asg == a->asg && m->actions[j].name &&
		    !strcmp(m->actions[j].name, a->name)) {
			cfg_in(c, "ScheduledActionName");
			cfg_error(
				c,
				"expected an action name unique within group %s, got \"%s\" again (also $.ScheduledActions[%zu] at line %d)",
				a->asg->name, a->name, j, cfg_line_of(c, "ScheduledActions", j));
			cfg_out(c);
		}
	}
	if (cfg_str(c, o, "Recurrence", 1, 256, "a cron expression", &s) == CFG_OK) {
		struct cron cr;
		char why[160];

		if (!cfg_cron_ok(s)) {
			cfg_in(c, "Recurrence");
			cfg_error(
				c,
				"expected a cron expression of five fields (minute hour day-of-month month day-of-week), got %s",
				GOT(c, cfg_member(o, "Recurrence")));
			cfg_out(c);
		} else if (cron_parse(s, &cr, why, sizeof(why))) {
			cfg_in(c, "Recurrence");
			cfg_error(c, "expected a cron expression: %s, got %s", why,
				  GOT(c, cfg_member(o, "Recurrence")));
			cfg_out(c);
		} else {
			a->recurrence = cfg_strdup(c, s);
		}
	}
	if (cfg_str(c, o, "TimeZone", 1, 64, "an IANA time zone such as \"Europe/Paris\"", &s) ==
	    CFG_OK) {
		if (strspn(s,
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-/") !=
			    strlen(s) ||
		    strstr(s, "..") || s[0] == '/') {
			cfg_in(c, "TimeZone");
			cfg_error(c, "expected an IANA time zone such as \"Europe/Paris\", got %s",
				  GOT(c, cfg_member(o, "TimeZone")));
			cfg_out(c);
		} else if (strcmp(s, "UTC") && strcmp(s, "Etc/UTC") && !cron_zone_ok(s)) {
			cfg_in(c, "TimeZone");
			cfg_error(
				c,
				"expected a time zone of the TZ database (such as \"Europe/Paris\"; see /usr/share/zoneinfo), got %s",
				GOT(c, cfg_member(o, "TimeZone")));
			cfg_out(c);
		} else {
			a->time_zone = cfg_strdup(c, s);
		}
	}
	a->start_time = a->end_time = -1;
	ts = cfg_time(c, o, "StartTime", &a->start_time);
	if (ts == CFG_ABSENT)
		ts = cfg_time(c, o, "Time", &a->start_time); /* the older name */
	te = cfg_time(c, o, "EndTime", &a->end_time);
	if (ts == CFG_OK && te == CFG_OK && a->end_time <= a->start_time) {
		cfg_in(c, "EndTime");
		cfg_error(c, "expected a time after StartTime, got %s",
			  GOT(c, cfg_member(o, "EndTime")));
		cfg_out(c);
	}
	if (!cfg_member(o, "Recurrence") && ts == CFG_ABSENT)
		cfg_missing(c, "StartTime", "StartTime for a one-time action, or a Recurrence");
	a->min_size = a->max_size = a->desired = -1;
	cfg_int(c, o, "MinSize", 0, CONFIG_MAX_CAPACITY, &a->min_size);
	cfg_int(c, o, "MaxSize", 0, CONFIG_MAX_CAPACITY, &a->max_size);
	cfg_int(c, o, "DesiredCapacity", 0, CONFIG_MAX_CAPACITY, &a->desired);
	if (!cfg_member(o, "MinSize") && !cfg_member(o, "MaxSize") &&
	    !cfg_member(o, "DesiredCapacity")) {
		cfg_missing(c, "DesiredCapacity",
			    "at least one of MinSize, MaxSize, DesiredCapacity");
	} else if (a->min_size >= 0 && a->max_size >= 0 && a->min_size > a->max_size) {
		cfg_in(c, "MinSize");
		cfg_error(c, "expected at most MaxSize (%lld), got %lld", (long long)a->max_size,
			  (long long)a->min_size);
		cfg_out(c);
	} else if (a->desired >= 0 && ((a->min_size >= 0 && a->desired < a->min_size) ||
				       (a->max_size >= 0 && a->desired > a->max_size))) {
		cfg_in(c, "DesiredCapacity");
		cfg_error(c,
			  "expected an integer between this action's MinSize and MaxSize, got %lld",
			  (long long)a->desired);
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_action_typed, cfg_action_kept, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Metric alarms (CloudWatch's PutMetricAlarm shape) and the "Xlb" settings
 */

static const char *const cfg_stats[] = {
	"Average", "Minimum", "Maximum", "Sum", "SampleCount", NULL
};
static const char *const cfg_cmps[] = { "GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
					"LessThanThreshold", "LessThanOrEqualToThreshold", NULL };
static const char *const cfg_cmps_no[] = { "LessThanLowerOrGreaterThanUpperThreshold",
					   "LessThanLowerThreshold", "GreaterThanUpperThreshold",
					   NULL };
static const char *const cfg_missing_names[] = { "missing", "notBreaching", "breaching", "ignore",
						 NULL };

static const char *const cfg_alarm_typed[] = {
	"AlarmName",	     "MetricName",	  "Namespace",	  "Dimensions",
	"Statistic",	     "ExtendedStatistic", "Metrics",	  "Period",
	"EvaluationPeriods", "DatapointsToAlarm", "Threshold",	  "ComparisonOperator",
	"TreatMissingData",  "ActionsEnabled",	  "AlarmActions", NULL
};
static const char *const cfg_alarm_kept[] = { "AlarmDescription",
					      "AlarmArn",
					      "AlarmARN",
					      "OKActions",
					      "InsufficientDataActions",
					      "Unit",
					      "Tags",
					      "StateValue",
					      "StateReason",
					      "EvaluateLowSampleCountPercentile",
					      NULL };

#define CFG_METRIC_LIST                                                                     \
	"CPUUtilization (AWS/EC2), NetworkIn, NetworkOut (AWS/EC2), RequestCountPerTarget " \
	"(AWS/ApplicationELB), or ASGAverageCPUUtilization, ASGAverageNetworkIn, "          \
	"ASGAverageNetworkOut, ALBRequestCountPerTarget"

/* MetricName and Namespace as a user pastes them, into the metric xlb measures. */
static void cfg_alarm_metric(struct cfg *c, struct json_object *o, struct model_alarm *al)
{
	static const struct {
		const char *name, *ns;
		enum model_metric metric;
	} known[] = {
		{ "CPUUtilization", "AWS/EC2", MODEL_METRIC_ASG_CPU },
		{ "NetworkIn", "AWS/EC2", MODEL_METRIC_ASG_NETWORK_IN },
		{ "NetworkOut", "AWS/EC2", MODEL_METRIC_ASG_NETWORK_OUT },
		{ "RequestCountPerTarget", "AWS/ApplicationELB",
		  MODEL_METRIC_ALB_REQUESTS_PER_TARGET },
		{ "ASGAverageCPUUtilization", NULL, MODEL_METRIC_ASG_CPU },
		{ "ASGAverageNetworkIn", NULL, MODEL_METRIC_ASG_NETWORK_IN },
		{ "ASGAverageNetworkOut", NULL, MODEL_METRIC_ASG_NETWORK_OUT },
		{ "ALBRequestCountPerTarget", NULL, MODEL_METRIC_ALB_REQUESTS_PER_TARGET },
	};
	const char *name, *ns = NULL;
	size_t i;

	if (cfg_member(o, "Metrics") || cfg_member(o, "ExtendedStatistic")) {
		cfg_in(c, cfg_member(o, "Metrics") ? "Metrics" : "ExtendedStatistic");
		cfg_error(
			c,
			"not supported: expected one metric (MetricName) with a Statistic, as xlb measures its metrics itself");
		cfg_out(c);
		return;
	}
	if (cfg_need(c, o, "MetricName",
		     cfg_str(c, o, "MetricName", 1, 255, "a metric name", &name),
		     "one of " CFG_METRIC_LIST) != CFG_OK)
		return;
	cfg_str(c, o, "Namespace", 1, 255, "a namespace such as \"AWS/EC2\"", &ns);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(name, known[i].name))
			continue;
		if (known[i].ns && ns && strcmp(ns, known[i].ns)) {
			cfg_in(c, "Namespace");
			cfg_error(c, "expected \"%s\" for metric %s, got %s", known[i].ns, name,
				  GOT(c, cfg_member(o, "Namespace")));
			cfg_out(c);
			return;
		}
		al->metric = known[i].metric;
		return;
	}
	cfg_in(c, "MetricName");
	cfg_error(c, "expected a metric xlb measures: one of " CFG_METRIC_LIST ", got %s",
		  GOT(c, cfg_member(o, "MetricName")));
	cfg_out(c);
}

/* Dimensions: AutoScalingGroupName names the group; TargetGroup the request count's target
 * group ("targetgroup/NAME/ID" as CloudWatch writes it, or a name).
 */
static void cfg_alarm_dims(struct cfg *c, struct json_object *o, struct model_alarm *al)
{
	static const char *const typed[] = { "Name", "Value", NULL };
	struct json_object *arr;
	const char *name, *value;
	size_t i;

	if (cfg_array(c, o, "Dimensions", "{\"Name\": ..., \"Value\": ...} objects", &arr) !=
	    CFG_OK)
		return;
	cfg_in(c, "Dimensions");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *d = json_object_array_get_idx(arr, i);

		cfg_at(c, i);
		if (!cfg_is_object(c, d, "a {\"Name\": ..., \"Value\": ...} object") ||
		    cfg_need(c, d, "Name", cfg_str(c, d, "Name", 1, 255, "a dimension name", &name),
			     "a dimension name such as \"AutoScalingGroupName\"") != CFG_OK ||
		    cfg_need(c, d, "Value",
			     cfg_str(c, d, "Value", 1, 1024, "a dimension value", &value),
			     "the dimension's value") != CFG_OK)
			goto next;
		cfg_in(c, "Value");
		if (!strcmp(name, "AutoScalingGroupName")) {
			al->asg = cfg_v_asg(c, cfg_member(d, "Value"));
		} else if (!strcmp(name, "TargetGroup")) {
			char tg[256];
			const char *p = strncmp(value, "targetgroup/", 12) ? value : value + 12;

			snprintf(tg, sizeof(tg), "%.*s", (int)strcspn(p, "/"), p);
			al->tg = cfg_find_tg(c->m, tg);
			if (!al->tg)
				cfg_error(c, "expected a target group of this file (%s), got %s",
					  KNOWN(c->m->tgs, c->m->ntgs),
					  GOT(c, cfg_member(d, "Value")));
		} else if (strcmp(name, "LoadBalancer")) {
			cfg_warn(
				c,
				"ignored: xlb's metrics are per group (AutoScalingGroupName) or per target group (TargetGroup), not per %s",
				name);
		}
		cfg_out(c);
		cfg_finish(c, d, typed, NULL, NULL);
next:
		cfg_out(c);
	}
	cfg_out(c);
}

/* The policy an AlarmActions entry names (ARN or name); NULL after reporting, or for an action
 * that is not a policy (warned).
 */
static struct model_policy *cfg_alarm_action(struct cfg *c, struct json_object *v,
					     const struct model_alarm *al)
{
	struct model *m = c->m;
	struct model_policy *found = NULL;
	char name[512], group[256] = "";
	const char *s, *g;
	size_t i, n = 0;

	if (cfg_v_str(c, v, 1, 1600, "a scaling policy's ARN or name", &s) != CFG_OK)
		return NULL;
	if (!strncmp(s, "arn:", 4) && !strstr(s, ":autoscaling:")) {
		cfg_warn(
			c,
			"ignored: xlb sends no notifications; only scaling policies act on alarms");
		return NULL;
	}
	if (config_arn_name(s, CONFIG_ARN_POLICY, name, sizeof(name))) {
		cfg_error(c, "expected a scaling policy name or an ARN like %s, got %s",
			  cfg_arns[CONFIG_ARN_POLICY].example, GOT(c, v));
		return NULL;
	}
	g = strstr(s, ":autoScalingGroupName/");
	if (!strncmp(s, "arn:", 4) && g)
		snprintf(group, sizeof(group), "%.*s", (int)strcspn(g + 22, ":"), g + 22);
	else if (al->asg)
		snprintf(group, sizeof(group), "%s", al->asg->name);
	for (i = 0; i < m->npolicies; i++) {
		const struct model_policy *p = &m->policies[i];

		if (!p->name || !p->asg || strcmp(p->name, name) ||
		    (group[0] && strcmp(p->asg->name, group)))
			continue;
		found = &m->policies[i];
		n++;
	}
	if (!found) {
		cfg_error(c, "expected a scaling policy of this file%s%s (%s), got \"%s\"",
			  group[0] ? " in group " : "", group, KNOWN(m->policies, m->npolicies),
			  name);
		return NULL;
	}
	if (n > 1) {
		cfg_error(
			c,
			"expected one scaling policy, got a name that %zu groups use: write its ARN, or the alarm's AutoScalingGroupName dimension",
			n);
		return NULL;
	}
	if (found->type == MODEL_POLICY_TARGET_TRACKING || found->type == MODEL_POLICY_PREDICTIVE) {
		cfg_error(
			c,
			"expected a step or simple scaling policy, got %s, a %s policy (it makes its own alarms)",
			found->name, cfg_policy_types[found->type]);
		return NULL;
	}
	return found;
}

static void cfg_alarm(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "AlarmName", NULL };
	static const struct cfg_choice stat_choice = { cfg_stats, NULL, NULL, false };
	static const struct cfg_choice cmp_choice = {
		cfg_cmps, cfg_cmps_no, "anomaly detection bands need CloudWatch's models", false
	};
	static const struct cfg_choice missing_choice = { cfg_missing_names, NULL, NULL, false };
	struct model *m = c->m;
	struct model_alarm *al = cfg_push(c, &m->alarms, &m->nalarms, sizeof(*al));
	struct json_object *arr;
	int64_t x;
	size_t i;
	int e;

	if (!al || !cfg_is_object(c, o, "a metric alarm object"))
		return;
	al->raw = cfg_raw(c, o);
	al->name = cfg_obj_name(c, o, names, NULL, CONFIG_ARN_ASG, CFG_NAME_ASG, "an alarm");
	DUP_NAME(c, al->name, m->alarms, idx, "MetricAlarms", "alarm");
	cfg_alarm_metric(c, o, al);
	cfg_alarm_dims(c, o, al);
	if (cfg_enum(c, o, "Statistic", &stat_choice, &e) == CFG_OK)
		al->statistic = (enum model_stat)e;
	al->period_s = 60;
	if (cfg_int(c, o, "Period", 10, 86400, &x) == CFG_OK) {
		if (x != 10 && x != 30 && x % 60) {
			cfg_in(c, "Period");
			cfg_error(c, "expected 10, 30 or a multiple of 60 seconds, got %lld",
				  (long long)x);
			cfg_out(c);
		}
		al->period_s = (uint32_t)x;
	}
	al->evaluation_periods = 1;
	if (cfg_need(c, o, "EvaluationPeriods", cfg_int(c, o, "EvaluationPeriods", 1, 1440, &x),
		     "the number of periods the alarm looks at, 1..1440") == CFG_OK)
		al->evaluation_periods = (uint32_t)x;
	al->datapoints_to_alarm = al->evaluation_periods;
	if (cfg_int(c, o, "DatapointsToAlarm", 1, 1440, &x) == CFG_OK) {
		if (x > al->evaluation_periods) {
			cfg_in(c, "DatapointsToAlarm");
			cfg_error(c, "expected at most EvaluationPeriods (%u), got %lld",
				  al->evaluation_periods, (long long)x);
			cfg_out(c);
		}
		al->datapoints_to_alarm = (uint32_t)x;
	}
	cfg_need(c, o, "Threshold", cfg_double(c, o, "Threshold", -1e15, 1e15, &al->threshold),
		 "the value the metric is compared with");
	if (cfg_need(
		    c, o, "ComparisonOperator",
		    cfg_enum(c, o, "ComparisonOperator", &cmp_choice, &e),
		    "one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold") ==
	    CFG_OK)
		al->cmp = (enum model_cmp)e;
	if (cfg_enum(c, o, "TreatMissingData", &missing_choice, &e) == CFG_OK)
		al->missing = (enum model_missing)e;
	al->actions_enabled = true;
	cfg_bool(c, o, "ActionsEnabled", &al->actions_enabled);
	if (cfg_array(c, o, "AlarmActions", "scaling policy ARNs or names", &arr) == CFG_OK) {
		cfg_in(c, "AlarmActions");
		for (i = 0; i < json_object_array_length(arr); i++) {
			struct model_policy *p, **slot;

			cfg_at(c, i);
			p = cfg_alarm_action(c, json_object_array_get_idx(arr, i), al);
			if (p && !al->asg)
				al->asg = p->asg;
			if (p && p->asg != al->asg)
				cfg_error(
					c,
					"expected a policy of group %s (the alarm's), got %s of group %s",
					al->asg->name, p->name, p->asg->name);
			else if (p &&
				 (slot = cfg_push(c, &al->actions, &al->nactions, sizeof(*slot))))
				*slot = p;
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (!al->asg && !c->err->count)
		cfg_missing(
			c, "Dimensions",
			"[{\"Name\": \"AutoScalingGroupName\", \"Value\": GROUP}], or AlarmActions naming a scaling policy: the alarm watches no group");
	if (al->metric == MODEL_METRIC_ALB_REQUESTS_PER_TARGET && !al->tg && al->asg) {
		if (al->asg->ntgs == 1)
			al->tg = al->asg->tgs[0];
		else if (!c->err->count)
			cfg_missing(
				c, "Dimensions",
				"a TargetGroup dimension (targetgroup/NAME/ID): group %s has %s target group",
				al->asg->name, al->asg->ntgs ? "more than one" : "no");
	}
	cfg_finish(c, o, cfg_alarm_typed, cfg_alarm_kept, NULL);
}

/* Step and simple policies act only when an alarm names them. */
static void cfg_alarms_post(struct cfg *c)
{
	struct model *m = c->m;
	size_t i, j, k;

	for (i = 0; i < m->npolicies; i++)
		m->policies[i].nalarms = 0;
	for (i = 0; i < m->nalarms; i++)
		for (j = 0; j < m->alarms[i].nactions; j++)
			m->alarms[i].actions[j]->nalarms++;
	if (c->err->count)
		return;
	for (k = 0; k < m->npolicies; k++) {
		const struct model_policy *p = &m->policies[k];

		if (p->nalarms || (p->type != MODEL_POLICY_SIMPLE && p->type != MODEL_POLICY_STEP))
			continue;
		cfg_in(c, "ScalingPolicies");
		cfg_at(c, k);
		cfg_warn(
			c,
			"policy %s is in no alarm's AlarmActions: it never acts. Add a MetricAlarms entry whose AlarmActions names it",
			p->name);
		cfg_out(c);
		cfg_out(c);
	}
}

static void cfg_settings_defaults(struct model_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->time_scale = 1;
	s->pool4.family = AF_INET;
	inet_pton(AF_INET, "198.18.128.0", s->pool4.bytes);
	s->pool4_len = 17;
	s->metrics_interval_s = 1;
}

/* "ADDRESS/LEN" of family af, with no host bits set. */
static int cfg_cidr(struct cfg *c, struct json_object *o, const char *key, int af,
		    struct model_addr *a, uint8_t *len)
{
	const char *s,
		*what = af == AF_INET ?
				"an IPv4 network such as \"198.18.128.0/17\"" :
				"an IPv6 network inside 2001:2::/48 such as \"2001:2:0:8000::/64\"";
	int ret = cfg_str(c, o, key, 3, 64, what, &s), maxlen = af == AF_INET ? 30 : 126, bits, i;
	struct model_addr tmp = { .family = af };
	char addr[64], *end;
	const char *slash;
	long n;

	if (ret != CFG_OK)
		return ret;
	cfg_in(c, key);
	slash = strchr(s, '/');
	ret = CFG_BAD;
	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - s), s);
	n = strtol(slash + 1, &end, 10);
	if (*end || slash[1] < '0' || slash[1] > '9' || n < 1 || n > maxlen ||
	    inet_pton(af, addr, tmp.bytes) != 1)
		goto bad;
	for (i = 0, bits = (int)n; i < 16; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		if (tmp.bytes[i] & ~mask) {
			cfg_error(c, "expected a network address with no host bits set, got %s",
				  GOT(c, cfg_member(o, key)));
			goto out;
		}
	}
	*a = tmp;
	*len = (uint8_t)n;
	ret = CFG_OK;
	goto out;
bad:
	cfg_error(c, "expected %s (a prefix of at most /%d), got %s", what, maxlen,
		  GOT(c, cfg_member(o, key)));
out:
	cfg_out(c);
	return ret;
}

/* "Cluster": this node among balancers behind ECMP (cluster.h). Defaults: PeerAsn = Asn,
 * BFD 100 ms x 3, WithdrawDelayMs 500, Debian's BIRD socket, an include under /etc/bird.
 */
static void cfg_cluster(struct cfg *c, struct json_object *o)
{
	static const char *const typed[] = {
		"NodeName",	 "Asn",		  "PeerAsn",	"RouterAddress",
		"BfdIntervalMs", "BfdMultiplier", "HashSecret", "WithdrawDelayMs",
		"BirdSocket",	 "BirdInclude",	  NULL
	};
	struct model_cluster *k = &c->m->settings.cluster;
	struct json_object *v;
	const char *s;
	size_t i;

	cfg_in(c, "Cluster");
	if (!cfg_is_object(c, o, "an object (NodeName, Asn, RouterAddress, ...)"))
		goto out;
	k->enabled = true;
	k->bfd_interval_ms = 100;
	k->bfd_multiplier = 3;
	k->withdraw_delay_ms = 500;
	snprintf(k->bird_socket, sizeof(k->bird_socket), "/run/bird/bird.ctl");
	snprintf(k->bird_include, sizeof(k->bird_include), "/etc/bird/xlb-cluster.conf");
	if (cfg_need(c, o, "NodeName",
		     cfg_str(c, o, "NodeName", 1, 32, "a node name of [A-Za-z0-9_-]", &s),
		     "a node name") == CFG_OK) {
		if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
		    strlen(s)) {
			cfg_in(c, "NodeName");
			cfg_error(c, "expected a node name of [A-Za-z0-9_-], got %s",
				  GOT(c, cfg_member(o, "NodeName")));
			cfg_out(c);
		} else {
			snprintf(k->node_name, sizeof(k->node_name), "%s", s);
		}
	}
	cfg_need(c, o, "Asn", cfg_u32(c, o, "Asn", 1, UINT32_MAX, &k->asn), "an AS number");
	if (cfg_u32(c, o, "PeerAsn", 1, UINT32_MAX, &k->peer_asn) == CFG_ABSENT)
		k->peer_asn = k->asn;
	v = cfg_member(o, "RouterAddress");
	if (!v) {
		cfg_missing(c, "RouterAddress", "%s", "the router's address (the BGP neighbour)");
	} else {
		cfg_in(c, "RouterAddress");
		cfg_v_addr(c, v, "an IPv4 or IPv6 address", &k->router);
		cfg_out(c);
	}
	cfg_u32(c, o, "BfdIntervalMs", 10, 10000, &k->bfd_interval_ms);
	cfg_u32(c, o, "BfdMultiplier", 1, 255, &k->bfd_multiplier);
	cfg_u32(c, o, "WithdrawDelayMs", 0, 30000, &k->withdraw_delay_ms);
	if (cfg_str(c, o, "HashSecret", 32, 32, "32 hex digits (16 bytes)", &s) == CFG_OK) {
		i = strspn(s, "0123456789abcdefABCDEF");
		cfg_in(c, "HashSecret");
		if (i < 32) {
			cfg_error(c, "expected 32 hex digits (16 bytes), got %s",
				  GOT(c, cfg_member(o, "HashSecret")));
		} else {
			for (i = 0; i < 16; i++)
				sscanf(s + 2 * i, "%2hhx", &k->secret[i]);
			k->has_secret = strspn(s, "0") != 32;
			if (!k->has_secret)
				cfg_error(c, "expected a secret that is not all zeros (use "
					     "`xlb-dp secret show` or `openssl rand -hex 16`)");
		}
		cfg_out(c);
	} else if (!cfg_member(o, "HashSecret")) {
		cfg_warn(c, "no HashSecret: each node hashes flows with its own secret, so a flow "
			    "that ECMP moves to another node may land on another backend");
	}
	if (cfg_str(c, o, "BirdSocket", 1, sizeof(k->bird_socket) - 1, "a path", &s) == CFG_OK)
		snprintf(k->bird_socket, sizeof(k->bird_socket), "%s", s);
	if (cfg_str(c, o, "BirdInclude", 1, sizeof(k->bird_include) - 1, "a path", &s) == CFG_OK)
		snprintf(k->bird_include, sizeof(k->bird_include), "%s", s);
	cfg_finish(c, o, typed, NULL, NULL);
out:
	cfg_out(c);
}

static void cfg_settings(struct cfg *c, struct json_object *top)
{
	static const char *const typed[] = { "TimeScale",
					     "InstanceAddressPool",
					     "InstanceAddressPool6",
					     "MetricsIntervalSeconds",
					     "Cluster",
					     NULL };
	static const uint8_t net6[6] = { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 };
	struct model_settings *s = &c->m->settings;
	struct json_object *o = cfg_member(top, "Xlb");

	if (!o)
		return;
	cfg_in(c, "Xlb");
	if (!cfg_is_object(c, o,
			   "an object of xlb's settings (TimeScale, InstanceAddressPool, ...)"))
		goto out;
	cfg_double(c, o, "TimeScale", 1, 1e6, &s->time_scale);
	cfg_u32(c, o, "MetricsIntervalSeconds", 1, 60, &s->metrics_interval_s);
	if (cfg_cidr(c, o, "InstanceAddressPool", AF_INET, &s->pool4, &s->pool4_len) == CFG_OK &&
	    (s->pool4.bytes[0] != 198 || (s->pool4.bytes[1] & 0xfe) != 18 || s->pool4_len < 15)) {
		cfg_in(c, "InstanceAddressPool");
		cfg_warn(
			c,
			"outside 198.18.0.0/15, the range set aside for benchmarks: make sure no network of yours uses it");
		cfg_out(c);
	}
	if (cfg_cidr(c, o, "InstanceAddressPool6", AF_INET6, &s->pool6, &s->pool6_len) == CFG_OK) {
		if (memcmp(s->pool6.bytes, net6, sizeof(net6)) || s->pool6_len < 48) {
			cfg_in(c, "InstanceAddressPool6");
			cfg_error(
				c,
				"expected a network inside 2001:2::/48 (the benchmarking range), got %s",
				GOT(c, cfg_member(o, "InstanceAddressPool6")));
			cfg_out(c);
		} else {
			s->has_pool6 = true;
		}
	}
	if (cfg_member(o, "Cluster"))
		cfg_cluster(c, cfg_member(o, "Cluster"));
	cfg_finish(c, o, typed, NULL, NULL);
out:
	cfg_out(c);
}

/* ------------------------------------------------------------------------------------------
 * The file as a whole
 */

static void cfg_listener_top(struct cfg *c, struct json_object *o, size_t idx)
{
	cfg_listener(c, o, NULL, c->nfile_lbs);
}

static void cfg_list(struct cfg *c, struct json_object *top, const char *key, const char *what,
		     void (*fn)(struct cfg *c, struct json_object *o, size_t idx))
{
	struct json_object *arr;
	size_t i;

	if (cfg_array(c, top, key, what, &arr) != CFG_OK)
		return;
	cfg_in(c, key);
	for (i = 0; i < json_object_array_length(arr); i++) {
		cfg_at(c, i);
		fn(c, json_object_array_get_idx(arr, i), i);
		cfg_out(c);
	}
	cfg_out(c);
}

static const char *const cfg_top_keys[] = {
	"LoadBalancers",	"Listeners",	   "TargetGroups", "AutoScalingGroups",
	"LaunchConfigurations", "LaunchTemplates", "Attachments",  "ScalingPolicies",
	"ScheduledActions",	"MetricAlarms",	   "Xlb",	   NULL
};

/* What a lone pasted object most likely is, to say which list it belongs in. */
static const char *cfg_guess_list(struct json_object *o)
{
	static const struct {
		const char *key, *list;
	} sig[] = {
		{ "MinSize", "AutoScalingGroups" },
		{ "TargetGroupName", "TargetGroups" },
		{ "LaunchTemplateData", "LaunchTemplates" },
		{ "LaunchConfigurationName", "LaunchConfigurations" },
		{ "DefaultActions", "Listeners" },
		{ "PolicyName", "ScalingPolicies" },
		{ "ScheduledActionName", "ScheduledActions" },
		{ "AlarmName", "MetricAlarms" },
		{ "TargetGroupARN", "Attachments" },
		{ "TargetGroupARNs", "Attachments" },
	};
	size_t i;

	for (i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
		if (cfg_member(o, sig[i].key))
			return sig[i].list;
	return NULL;
}

/* Where a path this file wrote ("$.LoadBalancers[0].Listeners[1]") starts in the text. */
static size_t cfg_where_off(struct cfg *c, const char *where)
{
	struct cfg_comp p[CFG_DEPTH];
	char keys[CFG_DEPTH][64];
	const char *s = where;
	char *end;
	int d = 0;

	if (*s == '$')
		s++;
	while (*s && d < CFG_DEPTH) {
		if (*s == '.') {
			size_t n = strcspn(++s, ".[");

			cfg_cpy(keys[d], n + 1 < sizeof(keys[d]) ? n + 1 : sizeof(keys[d]), s);
			p[d].key = keys[d];
			s += n;
		} else if (*s == '[') {
			p[d].key = NULL;
			p[d].idx = strtoul(s + 1, &end, 10);
			s = end + (*end == ']');
		} else {
			break;
		}
		d++;
	}
	return cfg_locate(c->text, c->len, p, d, false).off;
}

/* The datapath rewrites addresses in place and translates no family into the other: an IPv6
 * address of a listener whose target groups hold only IPv4 targets has no backend.
 */
static void cfg_advise_families(struct cfg *c, const struct model_lb *lb)
{
	char addr[64], msg[CONFIG_MSG_LEN];
	size_t i, j, k, f;

	for (i = 0; i < lb->nlisteners; i++) {
		const struct model_listener *l = &lb->listeners[i];

		for (j = 0; j < lb->naddrs; j++) {
			bool found = false, other = false, dynamic = false;

			for (f = 0; f < l->nfwd; f++) {
				const struct model_tg *tg = l->fwd[f].tg;

				for (k = 0; k < tg->ntargets; k++) {
					found |= tg->targets[k].addr.family == lb->addrs[j].family;
					other |= tg->targets[k].addr.family != lb->addrs[j].family;
				}
				for (k = 0; k < c->m->nasgs; k++)
					for (size_t t = 0; t < c->m->asgs[k].ntgs; t++)
						dynamic |= c->m->asgs[k].tgs[t] == tg;
			}
			if (found || dynamic || !other)
				continue;
			snprintf(
				msg, sizeof(msg),
				"%s gets no backend on port %u: the target groups of this listener have no %s target, and the datapath does not translate between IPv4 and IPv6",
				cfg_addr_str(&lb->addrs[j], addr, sizeof(addr)), l->port,
				lb->addrs[j].family == AF_INET ? "IPv4" : "IPv6");
			cfg_emit_at(c, false, cfg_where_off(c, l->where), l->where, msg);
		}
	}
}

/* Warnings about a file that is valid but probably not what its author wants. */
static void cfg_advise(struct cfg *c)
{
	struct model *m = c->m;
	size_t i, j, k;

	for (i = 0; i < m->nasgs; i++) {
		const struct model_asg *a = &m->asgs[i];

		if (!a->name)
			continue;
		cfg_in(c, "AutoScalingGroups");
		cfg_at(c, i);
		if (!a->ntgs)
			cfg_warn(
				c,
				"group %s is attached to no target group: it launches instances that get no traffic. Attach it with TargetGroupARNs, an Attachments entry or xlbctl attach-load-balancer-target-groups",
				a->name);
		else if (a->hc_type == MODEL_ASG_HC_EC2)
			cfg_warn(
				c,
				"HealthCheckType is EC2: an instance that fails the target group's health checks gets no traffic but is not replaced; set \"HealthCheckType\": \"ELB\" to replace it");
		if (a->launch && !a->launch->user_data_len)
			cfg_warn(
				c,
				"the instances of group %s have no UserData: nothing starts in them, so nothing answers",
				a->name);
		cfg_out(c);
		cfg_out(c);
	}
	for (i = 0; i < m->ntgs; i++) {
		const struct model_tg *tg = &m->tgs[i];
		const char *group = NULL;
		bool used = false;

		if (!tg->name)
			continue;
		for (j = 0; j < m->nlbs; j++)
			for (k = 0; k < m->lbs[j].nlisteners; k++)
				for (size_t f = 0; f < m->lbs[j].listeners[k].nfwd; f++)
					used |= m->lbs[j].listeners[k].fwd[f].tg == tg;
		for (j = 0; j < m->nasgs && !group; j++)
			for (k = 0; k < m->asgs[j].ntgs; k++)
				if (m->asgs[j].tgs[k] == tg)
					group = m->asgs[j].name;
		cfg_in(c, "TargetGroups");
		cfg_at(c, i);
		if (!used && group)
			cfg_warn(
				c,
				"no listener forwards to target group %s: the instances of group %s get no traffic",
				tg->name, group);
		else if (!used)
			cfg_warn(
				c,
				"no listener forwards to target group %s: its targets get no traffic",
				tg->name);
		else if (!group && !tg->ntargets)
			cfg_warn(
				c,
				"target group %s has no targets: list Targets or attach an auto-scaling group, else its listeners have nowhere to send traffic",
				tg->name);
		cfg_out(c);
		cfg_out(c);
	}
	for (i = 0; i < m->nlbs; i++)
		cfg_advise_families(c, &m->lbs[i]);
	/* a backend's (address, port) lists its nat services in one xlb_nat_src entry of
	 * XLB_NAT_SRC_VIPS: count a target group's (listener x address) of each family
	 */
	for (i = 0; i < m->ntgs; i++) {
		size_t n4 = 0, n6 = 0;

		for (size_t j = 0; j < m->nlbs; j++)
			for (size_t k = 0; k < m->lbs[j].nlisteners; k++) {
				const struct model_listener *l = &m->lbs[j].listeners[k];
				bool fwd = false;

				for (size_t f = 0; f < l->nfwd; f++)
					fwd |= l->fwd[f].tg == &m->tgs[i];
				if (!fwd || l->mode != MODEL_MODE_NAT)
					continue;
				for (size_t a = 0; a < m->lbs[j].naddrs; a++) {
					n4 += m->lbs[j].addrs[a].family == AF_INET;
					n6 += m->lbs[j].addrs[a].family == AF_INET6;
				}
			}
		if (n4 <= XLB_NAT_SRC_VIPS && n6 <= XLB_NAT_SRC_VIPS)
			continue;
		cfg_in(c, "TargetGroups");
		cfg_at(c, i);
		cfg_error(
			c,
			"expected at most %d nat services (listener x address, per family) forwarding to target group %s, got %zu: the datapath keeps %d for each backend port",
			XLB_NAT_SRC_VIPS, m->tgs[i].name, n4 > n6 ? n4 : n6, XLB_NAT_SRC_VIPS);
		cfg_out(c);
		cfg_out(c);
	}
	for (i = 0; i < m->nlbs; i++) {
		const struct model_lb *lb = &m->lbs[i];

		if (!lb->name || !lb->nlisteners || lb->naddrs)
			continue;
		if (lb->implicit) {
			cfg_in(c, "Listeners");
			cfg_warn(
				c,
				"these listeners belong to load balancer \"%s\" (the file has none), which has no address: they receive nothing until a LoadBalancers entry gives XlbAddresses",
				lb->name);
		} else {
			cfg_in(c, "LoadBalancers");
			cfg_at(c, i);
			cfg_warn(
				c,
				"load balancer %s has no address: its listeners receive nothing until XlbAddresses is set",
				lb->name);
			cfg_out(c);
		}
		cfg_out(c);
	}
}

/* Warnings on the text itself: what json-c accepts but AWS's tools and strict JSON do not. */
static void cfg_lint(struct cfg *c)
{
	const char *t = c->text;
	size_t n = c->len, i = 0, last = SIZE_MAX;
	bool quote_warned = false;
	char path[256];

	while (i < n) {
		size_t j = scan_ws(t, n, i);

		if (j != i) {
			i = j;
			continue;
		}
		if ((t[i] == ']' || t[i] == '}') && last != SIZE_MAX && t[last] == ',') {
			cfg_path_at(t, n, last, path, sizeof(path));
			cfg_emit_at(c, false, last, path,
				    "trailing comma, accepted (AWS's tools reject it)");
		}
		last = i;
		if (t[i] == '"' || t[i] == '\'') {
			if (t[i] == '\'' && !quote_warned) {
				cfg_path_at(t, n, i, path, sizeof(path));
				cfg_emit_at(
					c, false, i, path,
					"single-quoted string, accepted (JSON and AWS's tools want double quotes)");
				quote_warned = true;
			}
			i = scan_string(t, n, i);
		} else {
			i++;
		}
	}
}

static void cfg_syntax_error(struct cfg *c, enum json_tokener_error jerr, size_t off)
{
	const char *what;
	char got[80], path[256], msg[CONFIG_MSG_LEN];

	if (off >= c->len) {
		snprintf(got, sizeof(got), "the end of the file");
	} else {
		size_t end = scan_value(c->text, c->len, off), n = end - off;

		if (n == 0 || n > 40 || c->text[off] == '{' || c->text[off] == '[')
			n = 1;
		if ((unsigned char)c->text[off] < 0x20)
			snprintf(got, sizeof(got), "byte 0x%02x", (unsigned char)c->text[off]);
		else
			snprintf(got, sizeof(got), "%.*s", (int)n, c->text + off);
	}
	switch (jerr) {
	case json_tokener_error_depth:
		what = "nesting too deep";
		break;
	case json_tokener_continue:
	case json_tokener_error_parse_eof:
		what = "expected the rest of the JSON text (a '}' or ']' missing?)";
		break;
	case json_tokener_error_parse_unexpected:
	case json_tokener_error_parse_null:
	case json_tokener_error_parse_boolean:
		what = "expected a value (a string, number, object, array, true, false or null)";
		break;
	case json_tokener_error_parse_number:
		what = "expected a number";
		break;
	case json_tokener_error_parse_array:
		what = "expected ',' or ']' after an array element";
		break;
	case json_tokener_error_parse_object_key_name:
		what = "expected a member name in double quotes";
		break;
	case json_tokener_error_parse_object_key_sep:
		what = "expected ':' after the member name";
		break;
	case json_tokener_error_parse_object_value_sep:
		what = "expected ',' or '}' after a member";
		break;
	case json_tokener_error_parse_string:
		what = "expected a valid escape in the string";
		break;
	case json_tokener_error_parse_comment:
		what = "expected a comment after '/'";
		break;
	case json_tokener_error_parse_utf8_string:
		what = "expected UTF-8 text";
		break;
	default:
		what = json_tokener_error_desc(jerr);
		break;
	}
	if (off > c->len)
		off = c->len;
	cfg_path_at(c->text, c->len, off, path, sizeof(path));
	snprintf(msg, sizeof(msg), "syntax error: %s, got %s", what, got);
	cfg_emit_at(c, true, off, path, msg);
}

static void cfg_model(struct cfg *c, struct json_object *top)
{
	struct model *m = c->m;
	bool any = false;
	const char *guess;
	size_t i, j;

	cfg_settings_defaults(&m->settings);
	if (!json_object_is_type(top, json_type_object)) {
		cfg_error(
			c,
			"expected an object holding lists such as \"TargetGroups\": [...] and \"AutoScalingGroups\": [...], got %s",
			GOT(c, top));
		return;
	}
	for (i = 0; cfg_top_keys[i]; i++)
		any |= cfg_member(top, cfg_top_keys[i]) != NULL;
	if (!any && json_object_object_length(top)) {
		guess = cfg_guess_list(top);
		if (guess)
			cfg_error(
				c,
				"expected an object holding lists, got what looks like one entry of \"%s\": write {\"%s\": [ {...} ]}",
				guess, guess);
		else
			cfg_error(
				c,
				"expected an object holding lists such as \"TargetGroups\": [...] and \"AutoScalingGroups\": [...]");
		return;
	}
	/* references point backwards in this order, so each target exists when it is named */
	cfg_list(c, top, "TargetGroups", "target group objects", cfg_tg);
	cfg_list(c, top, "LaunchConfigurations", "launch configuration objects", cfg_lc);
	cfg_list(c, top, "LaunchTemplates", "launch template objects", cfg_lt);
	cfg_lt_post(c);
	cfg_list(c, top, "LoadBalancers", "load balancer objects", cfg_lb);
	c->nfile_lbs = m->nlbs;
	cfg_list(c, top, "Listeners", "listener objects", cfg_listener_top);
	cfg_list(c, top, "AutoScalingGroups", "auto-scaling group objects", cfg_asg);
	cfg_list(c, top, "Attachments", "attachment objects", cfg_attachment);
	cfg_list(c, top, "ScalingPolicies", "scaling policy objects", cfg_policy);
	cfg_list(c, top, "ScheduledActions", "scheduled action objects", cfg_action);
	cfg_list(c, top, "MetricAlarms", "metric alarm objects", cfg_alarm);
	cfg_alarms_post(c);
	cfg_settings(c, top);
	cfg_finish(c, top, cfg_top_keys, NULL, NULL);
	/* the arrays are final now: pointers into them hold */
	for (i = 0; i < m->nlbs; i++)
		for (j = 0; j < m->lbs[i].nlisteners; j++)
			m->lbs[i].listeners[j].lb = &m->lbs[i];
	if (c->err->count)
		return;
	if (!any)
		cfg_warn(c, "nothing configured");
	cfg_advise(c);
}

int config_load_buffer(const char *name, const char *buf, size_t len, struct model **out,
		       struct config_error *err)
{
	struct cfg c = { 0 };
	struct json_tokener *tok = NULL;
	struct json_object *top = NULL;
	enum json_tokener_error jerr;
	char *text = NULL;
	const char *nul;
	size_t end, bom;
	int ret = -EINVAL;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	c.file = name;
	c.err = err;
	c.m = calloc(1, sizeof(*c.m));
	text = malloc(len + 1);
	if (!c.m || !text || !(c.m->file = strdup(name))) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	c.text = text;
	c.len = len;
	if (len > CONFIG_MAX_BYTES) {
		cfg_emit_at(&c, true, 0, "$", "expected a configuration of at most 16 MiB");
		goto out;
	}
	nul = memchr(text, '\0', len);
	if (nul) {
		char path[256];

		cfg_path_at(text, len, (size_t)(nul - text), path, sizeof(path));
		cfg_emit_at(&c, true, (size_t)(nul - text), path,
			    "syntax error: expected text, got a NUL byte");
		goto out;
	}
	tok = json_tokener_new();
	if (!tok) {
		ret = -ENOMEM;
		goto out;
	}
	/* editors on some systems start files with a byte order mark, which json-c refuses */
	bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
	/* the terminating NUL is passed too, so that a number at the very end is complete */
	top = json_tokener_parse_ex(tok, text + bom, (int)(len - bom) + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok) + bom;
	if (!top || jerr != json_tokener_success) {
		cfg_syntax_error(&c, jerr, jerr == json_tokener_continue ? len : end);
		goto out;
	}
	end = scan_ws(text, len, end);
	if (end < len) {
		cfg_emit_at(
			&c, true, end, "$",
			"syntax error: expected the end of the file after the top-level object (paste objects into its lists)");
		goto out;
	}
	cfg_lint(&c);
	cfg_model(&c, top);
	if (c.warn_dropped)
		cfg_emit_at(&c, false, 0, "$", "more warnings were dropped");
	if (c.nomem)
		ret = -ENOMEM;
	else if (!err->count)
		ret = 0;
out:
	if (ret == -ENOMEM && !err->count) {
		err->count = 1;
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		snprintf(err->all[0], sizeof(err->all[0]), "%s", err->msg);
	}
	if (top)
		json_object_put(top);
	if (tok)
		json_tokener_free(tok);
	free(text);
	if (ret)
		model_free(c.m);
	else
		*out = c.m;
	return ret;
}

int config_load(const char *path, struct model **out, struct config_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > CONFIG_MAX_BYTES) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* the file may change size under us: read what is there, up to what was allocated */
	while (len < (size_t)st.st_size &&
	       (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		len += (size_t)n;
	}
	ret = config_load_buffer(path, buf, len, out, err);
out:
	if (ret && !err->count) {
		err->count = 1;
		snprintf(err->path, sizeof(err->path), "$");
		snprintf(err->msg, sizeof(err->msg), "%s: cannot read: %s", path,
			 ret == -EINVAL ? "not a regular file" :
			 ret == -EFBIG	? "larger than 16 MiB" :
					  strerror(-ret));
		snprintf(err->all[0], sizeof(err->all[0]), "%s", err->msg);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* ------------------------------------------------------------------------------------------
 * Freeing and printing
 */

static void cfg_launch_free(struct model_launch *l)
{
	free(l->name);
	free(l->template_id);
	free(l->instance_type);
	free(l->user_data);
	cfg_extras_free(&l->extras);
}

void model_free(struct model *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; i < m->nlbs; i++) {
		struct model_lb *lb = &m->lbs[i];

		for (j = 0; j < lb->nlisteners; j++) {
			free(lb->listeners[j].where);
			cfg_extras_free(&lb->listeners[j].extras);
		}
		for (j = 0; j < lb->nifaces; j++)
			free(lb->ifaces[j]);
		free(lb->name);
		free(lb->addrs);
		free(lb->ifaces);
		free(lb->listeners);
		cfg_extras_free(&lb->extras);
	}
	for (i = 0; i < m->ntgs; i++) {
		struct model_tg *tg = &m->tgs[i];

		free(tg->name);
		free(tg->hc.path);
		free(tg->hc.matcher_text);
		free(tg->targets);
		cfg_extras_free(&tg->extras);
	}
	for (i = 0; i < m->nasgs; i++) {
		struct model_asg *a = &m->asgs[i];

		for (j = 0; j < a->ntags; j++) {
			free(a->tags[j].key);
			free(a->tags[j].value);
		}
		free(a->name);
		free(a->launch_version);
		free(a->tgs);
		free(a->term);
		free(a->tags);
		cfg_extras_free(&a->extras);
	}
	for (i = 0; i < m->nlcs; i++)
		cfg_launch_free(&m->lcs[i]);
	for (i = 0; i < m->nlts; i++)
		cfg_launch_free(&m->lts[i]);
	for (i = 0; i < m->npolicies; i++) {
		free(m->policies[i].name);
		free(m->policies[i].steps);
		free(m->policies[i].tt.resource_label);
		free(m->policies[i].raw);
	}
	for (i = 0; i < m->nactions; i++) {
		free(m->actions[i].name);
		free(m->actions[i].recurrence);
		free(m->actions[i].time_zone);
		free(m->actions[i].raw);
	}
	for (i = 0; i < m->nalarms; i++) {
		free(m->alarms[i].name);
		free(m->alarms[i].actions);
		free(m->alarms[i].raw);
	}
	free(m->alarms);
	for (i = 0; i < m->nwarnings; i++)
		free(m->warnings[i]);
	free(m->lbs);
	free(m->tgs);
	free(m->asgs);
	free(m->lcs);
	free(m->lts);
	free(m->policies);
	free(m->actions);
	free(m->warnings);
	free(m->file);
	free(m);
}

static void cfg_print_extras(FILE *f, const char *indent, const struct model_extras *ex)
{
	size_t i, shown = 0;

	for (i = 0; i < ex->n; i++) {
		if (ex->v[i].unknown)
			continue;
		fprintf(f, "%s%s%s", shown ? ", " : indent,
			shown ? "" : "kept, no effect here: ", ex->v[i].key);
		shown++;
	}
	if (shown)
		fprintf(f, "\n");
}

static void cfg_print_launch(FILE *f, const struct model_launch *l)
{
	if (l->kind == MODEL_LAUNCH_TEMPLATE)
		fprintf(f, "launch template %s (%s) version %u%s", l->name, l->template_id,
			l->version, l->default_version ? " (default)" : "");
	else
		fprintf(f, "launch configuration %s", l->name);
	if (l->itype) {
		fprintf(f, ": %s (%u vCPU%s, %u MiB", l->itype->name, l->itype->vcpus,
			l->itype->vcpus > 1 ? "s" : "", l->itype->memory_mib);
		if (l->itype->baseline_pct < 100)
			fprintf(f, ", burstable, baseline %u%% a vCPU", l->itype->baseline_pct);
		fprintf(f, ")");
	}
	if (l->user_data_len)
		fprintf(f, ", user data %zu bytes%s", l->user_data_len,
			l->user_data_was_base64 ? " (decoded from base64)" : "");
	else
		fprintf(f, ", no user data");
	fprintf(f, "\n");
}

static const char *cfg_metric_name(enum model_metric mt)
{
	return mt >= MODEL_METRIC_ASG_CPU && mt <= MODEL_METRIC_ALB_REQUESTS_PER_TARGET ?
		       cfg_metrics[mt - MODEL_METRIC_ASG_CPU] :
	       mt == MODEL_METRIC_CUSTOM ? "a customized metric" :
					   "no metric";
}

static void cfg_print_policy(FILE *f, const struct model_policy *p)
{
	static const char *const adj[] = { "ChangeInCapacity", "ExactCapacity",
					   "PercentChangeInCapacity" };
	size_t i;

	fprintf(f, "    scaling policy %s%s: ", p->name, p->enabled ? "" : " (disabled)");
	switch (p->type) {
	case MODEL_POLICY_SIMPLE:
		fprintf(f, "simple, %s %+d", adj[p->adjustment_type], p->scaling_adjustment);
		if (p->cooldown_s >= 0)
			fprintf(f, ", cooldown %lld s", (long long)p->cooldown_s);
		break;
	case MODEL_POLICY_STEP:
		fprintf(f, "step, %s", adj[p->adjustment_type]);
		for (i = 0; i < p->nsteps; i++) {
			const struct model_step *s = &p->steps[i];

			fprintf(f, "%s[", i ? " " : ": ");
			if (s->has_lower)
				fprintf(f, "%g", s->lower);
			else
				fprintf(f, "-inf");
			if (s->has_upper)
				fprintf(f, ", %g) %+d", s->upper, s->adjustment);
			else
				fprintf(f, ", +inf) %+d", s->adjustment);
		}
		break;
	case MODEL_POLICY_TARGET_TRACKING:
		fprintf(f, "target tracking, %s at %g", cfg_metric_name(p->tt.metric),
			p->tt.target_value);
		if (p->tt.tg)
			fprintf(f, " (target group %s)", p->tt.tg->name);
		if (p->tt.disable_scale_in)
			fprintf(f, ", never scales in");
		break;
	case MODEL_POLICY_PREDICTIVE:
		fprintf(f, "predictive (kept, inactive here)");
		break;
	}
	if (p->warmup_s >= 0)
		fprintf(f, ", warm-up %lld s", (long long)p->warmup_s);
	fprintf(f, "\n");
}

static void cfg_print_action(FILE *f, const struct model_scheduled_action *a)
{
	char when[64];
	struct tm tm;
	time_t t;

	fprintf(f, "    scheduled action %s: ", a->name);
	if (a->recurrence)
		fprintf(f, "cron \"%s\"%s%s", a->recurrence, a->time_zone ? " in " : " UTC",
			a->time_zone ? a->time_zone : "");
	if (a->start_time >= 0) {
		t = (time_t)a->start_time;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		fprintf(f, "%s%s", a->recurrence ? " from " : "at ", when);
	}
	if (a->end_time >= 0) {
		t = (time_t)a->end_time;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		fprintf(f, " until %s", when);
	}
	fprintf(f, " ->");
	if (a->min_size >= 0)
		fprintf(f, " min %lld", (long long)a->min_size);
	if (a->max_size >= 0)
		fprintf(f, " max %lld", (long long)a->max_size);
	if (a->desired >= 0)
		fprintf(f, " desired %lld", (long long)a->desired);
	fprintf(f, "\n");
}

static void cfg_print_tg(FILE *f, const struct model *m, const struct model_tg *tg)
{
	const struct model_health_check *hc = &tg->hc;
	char addr[64];
	size_t i, j, n = 0;

	fprintf(f, "target group %s: %s port %u, targets by %s\n", tg->name,
		cfg_protos[tg->protocol], tg->port,
		tg->target_type == MODEL_TARGET_IP ? "address" : "instance");
	fprintf(f, "    health check: ");
	if (hc->protocol == MODEL_HC_HTTP)
		fprintf(f, "HTTP GET %s", hc->path);
	else
		fprintf(f, "TCP connect");
	if (hc->port)
		fprintf(f, " on port %u", hc->port);
	else
		fprintf(f, " on the traffic port");
	fprintf(f, ", every %u s, timeout %u s, healthy after %u, unhealthy after %u",
		hc->interval_s, hc->timeout_s, hc->healthy_threshold, hc->unhealthy_threshold);
	if (hc->protocol == MODEL_HC_HTTP)
		fprintf(f, ", success codes %s", hc->matcher_text);
	fprintf(f, "\n    deregistration delay %u s%s\n", tg->dereg_delay_s,
		tg->dereg_close_connections ? ", then connections are closed" : "");
	if (tg->ntargets) {
		fprintf(f, "    targets:");
		for (i = 0; i < tg->ntargets; i++) {
			const struct model_target *t = &tg->targets[i];
			bool v6 = t->addr.family == AF_INET6;

			fprintf(f, "%s%s%s%s:%u", i ? ", " : " ", v6 ? "[" : "",
				cfg_addr_str(&t->addr, addr, sizeof(addr)), v6 ? "]" : "",
				(unsigned int)(t->port ? t->port : tg->port));
		}
		fprintf(f, "\n");
	}
	for (i = 0; i < m->nasgs; i++)
		for (j = 0; j < m->asgs[i].ntgs; j++)
			if (m->asgs[i].tgs[j] == tg)
				fprintf(f, "%s%s",
					n++ ? ", " : "    instances of groups: ", m->asgs[i].name);
	if (n)
		fprintf(f, "\n");
	if (!n && !tg->ntargets)
		fprintf(f, "    no targets\n");
	cfg_print_extras(f, "    ", &tg->extras);
}

static void cfg_print_alarm(FILE *f, const struct model_alarm *al)
{
	static const char *const ops[] = { ">=", ">", "<", "<=" };
	size_t i;

	fprintf(f, "    alarm %s: %s of %s %s %g, %u of %u periods of %u s", al->name,
		cfg_stats[al->statistic], cfg_metric_name(al->metric), ops[al->cmp], al->threshold,
		al->datapoints_to_alarm, al->evaluation_periods, al->period_s);
	for (i = 0; i < al->nactions; i++)
		fprintf(f, "%s%s", i ? ", " : " -> ", al->actions[i]->name);
	if (!al->actions_enabled)
		fprintf(f, " (actions disabled)");
	fprintf(f, "\n");
}

static void cfg_print_asg(FILE *f, const struct model *m, const struct model_asg *a)
{
	size_t i;

	fprintf(f, "auto-scaling group %s: desired %u, min %u, max %u%s\n", a->name, a->desired,
		a->min_size, a->max_size, a->desired_given ? "" : " (no DesiredCapacity: MinSize)");
	if (a->launch) {
		fprintf(f, "    launches: ");
		cfg_print_launch(f, a->launch);
	}
	fprintf(f, "    health check type %s, grace period %u s, default cooldown %u s",
		a->hc_type == MODEL_ASG_HC_ELB ? "ELB" : "EC2", a->grace_s, a->cooldown_s);
	if (a->warmup_s >= 0)
		fprintf(f, ", instance warm-up %lld s", (long long)a->warmup_s);
	if (a->max_lifetime_s)
		fprintf(f, ", instances live at most %u s", a->max_lifetime_s);
	fprintf(f, "\n    target groups:");
	for (i = 0; i < a->ntgs; i++)
		fprintf(f, "%s %s", i ? "," : "", a->tgs[i]->name);
	if (!a->ntgs)
		fprintf(f, " none: its instances get no traffic");
	fprintf(f, "\n    termination policies:");
	for (i = 0; i < a->nterm; i++)
		fprintf(f, "%s %s", i ? "," : "", cfg_term_names[a->term[i]]);
	fprintf(f, "\n");
	for (i = 0; i < a->ntags; i++)
		fprintf(f, "%s%s=%s%s", i ? ", " : "    tags: ", a->tags[i].key, a->tags[i].value,
			a->tags[i].propagate_at_launch ? " (to instances)" : "");
	if (a->ntags)
		fprintf(f, "\n");
	for (i = 0; i < m->npolicies; i++)
		if (m->policies[i].asg == a)
			cfg_print_policy(f, &m->policies[i]);
	for (i = 0; i < m->nalarms; i++)
		if (m->alarms[i].asg == a)
			cfg_print_alarm(f, &m->alarms[i]);
	for (i = 0; i < m->nactions; i++)
		if (m->actions[i].asg == a)
			cfg_print_action(f, &m->actions[i]);
	cfg_print_extras(f, "    ", &a->extras);
}

void config_plan_print(const struct model *m, FILE *f)
{
	char addr[64];
	size_t i, j, k;
	bool used;

	fprintf(f, "plan for %s\n", m->file);
	fprintf(f, "instances from %s/%u", cfg_addr_str(&m->settings.pool4, addr, sizeof(addr)),
		m->settings.pool4_len);
	if (m->settings.has_pool6)
		fprintf(f, " and %s/%u", cfg_addr_str(&m->settings.pool6, addr, sizeof(addr)),
			m->settings.pool6_len);
	fprintf(f, ", metrics every %u s", m->settings.metrics_interval_s);
	if (m->settings.time_scale != 1)
		fprintf(f, ", policy time %gx faster than AWS's", m->settings.time_scale);
	fprintf(f, "\n");
	for (i = 0; i < m->nlbs; i++) {
		const struct model_lb *lb = &m->lbs[i];

		fprintf(f, "\nload balancer %s%s", lb->name,
			lb->implicit ? " (implicit: the file has no LoadBalancers)" : "");
		for (j = 0; j < lb->naddrs; j++)
			fprintf(f, "%s%s", j ? ", " : ", addresses ",
				cfg_addr_str(&lb->addrs[j], addr, sizeof(addr)));
		if (!lb->naddrs)
			fprintf(f, ", no address");
		for (j = 0; j < lb->nifaces; j++)
			fprintf(f, "%s%s", j ? ", " : ", on ", lb->ifaces[j]);
		fprintf(f, "\n");
		for (j = 0; j < lb->nlisteners; j++) {
			const struct model_listener *l = &lb->listeners[j];

			fprintf(f, "    listener %s :%u (%s) ->", cfg_protos[l->protocol], l->port,
				cfg_modes[l->mode]);
			for (k = 0; k < l->nfwd; k++) {
				fprintf(f, "%s target group %s", k ? "," : "", l->fwd[k].tg->name);
				if (l->nfwd > 1)
					fprintf(f, " (weight %u)", l->fwd[k].weight);
			}
			fprintf(f, "\n");
		}
		cfg_print_extras(f, "    ", &lb->extras);
	}
	for (i = 0; i < m->ntgs; i++) {
		fprintf(f, "\n");
		cfg_print_tg(f, m, &m->tgs[i]);
	}
	for (i = 0; i < m->nasgs; i++) {
		fprintf(f, "\n");
		cfg_print_asg(f, m, &m->asgs[i]);
	}
	for (k = 0; k < 2; k++) {
		const struct model_launch *v = k ? m->lts : m->lcs;
		size_t n = k ? m->nlts : m->nlcs;

		for (i = 0; i < n; i++) {
			used = false;
			for (j = 0; j < m->nasgs; j++)
				used |= m->asgs[j].launch == &v[i];
			fprintf(f, "\n");
			cfg_print_launch(f, &v[i]);
			if (!used)
				fprintf(f, "    used by no group\n");
			cfg_print_extras(f, "    ", &v[i].extras);
		}
	}
	if (m->nwarnings) {
		fprintf(f, "\n%zu warning%s:\n", m->nwarnings, m->nwarnings > 1 ? "s" : "");
		for (i = 0; i < m->nwarnings; i++)
			fprintf(f, "  %s\n", m->warnings[i]);
	}
}
