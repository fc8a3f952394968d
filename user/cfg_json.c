// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The position finder: scans the text as json-c read it (comments, both quote styles, escapes)
 * to find where a JSON path starts, and names the path at an offset. It builds nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg_internal.h"

bool cfg_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Whitespace and comments from i; returns the next significant offset (or n). A UTF-8 byte
 * order mark counts as whitespace: json-c is given the text after it, and accepted text has one
 * nowhere else outside strings.
 */
size_t cfg_scan_ws(const char *t, size_t n, size_t i)
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
size_t cfg_scan_string(const char *t, size_t n, size_t i)
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
size_t cfg_scan_value(const char *t, size_t n, size_t i)
{
	int depth = 0;

	if (i >= n)
		return n;
	if (t[i] == '"' || t[i] == '\'')
		return cfg_scan_string(t, n, i);
	if (t[i] != '{' && t[i] != '[') {
		while (i < n && !cfg_is_space(t[i]) && !strchr(",:]}", t[i]) &&
		       !(t[i] == '/' && i + 1 < n && (t[i + 1] == '/' || t[i + 1] == '*')))
			i++;
		return i;
	}
	while (i < n) {
		i = cfg_scan_ws(t, n, i);
		if (i >= n)
			break;
		if (t[i] == '"' || t[i] == '\'') {
			i = cfg_scan_string(t, n, i);
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
static bool cfg_scan_key_is(const char *t, size_t n, size_t i, const char *key)
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
struct cfg_loc cfg_locate(const char *t, size_t n, const struct cfg_comp *path, int depth,
			  bool want_key)
{
	size_t i = cfg_scan_ws(t, n, 0);
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
			i = cfg_scan_ws(t, n, i + 1);
			while (i < n && (t[i] == '"' || t[i] == '\'')) {
				size_t ks = i;
				bool match = cfg_scan_key_is(t, n, i, p->key);

				i = cfg_scan_ws(t, n, cfg_scan_string(t, n, i));
				if (i >= n || t[i] != ':')
					break;
				i = cfg_scan_ws(t, n, i + 1);
				if (match) {
					kpos = ks;
					vpos = i;
				}
				i = cfg_scan_ws(t, n, cfg_scan_value(t, n, i));
				if (i >= n || t[i] != ',')
					break;
				i = cfg_scan_ws(t, n, i + 1);
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
			i = cfg_scan_ws(t, n, i + 1);
			for (j = 0; j < p->idx; j++) {
				if (i >= n || t[i] == ']')
					return best;
				i = cfg_scan_ws(t, n, cfg_scan_value(t, n, i));
				if (i >= n || t[i] != ',')
					return best;
				i = cfg_scan_ws(t, n, i + 1);
			}
			if (i >= n || t[i] == ']')
				return best;
		}
		best.off = i;
		best.exact = k == depth - 1;
	}
	return best;
}

void cfg_linecol(const char *t, size_t n, size_t off, int *line, int *col)
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

void cfg_path_format(const struct cfg_comp *path, int depth, char *out, size_t len)
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
void cfg_path_at(const char *t, size_t len, size_t off, char *out, size_t outlen)
{
	struct {
		bool obj, value, started;
		size_t idx, ks, kl;
	} st[CFG_DEPTH];
	size_t i = 0, n = off < len ? off : len, o;
	int d = 0, over = 0, k;

	while (i < n) {
		size_t j = cfg_scan_ws(t, n, i);

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
			j = cfg_scan_string(t, n, i);
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
			j = cfg_scan_value(t, n, i);
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
