// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* HTTP/1.1 framing for xlb-load and xlb-backend: one reading of header blocks, field lines,
 * Content-Length and Connection for both sides of the tools' traffic, so that the client and
 * the server cannot come to disagree on where a message ends.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http.h"

size_t http_header_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

bool http_token_has(const char *v, size_t len, const char *word)
{
	size_t wl = strlen(word), i;

	for (i = 0; i + wl <= len; i++)
		if (!strncasecmp(v + i, word, wl))
			return true;
	return false;
}

int http_version(const char *s, size_t len)
{
	if (len == 8 && !memcmp(s, "HTTP/1.", 7) && (s[7] == '0' || s[7] == '1'))
		return s[7] - '0';
	if (len >= 5 && !memcmp(s, "HTTP/", 5))
		return -EPROTONOSUPPORT;
	return -EPROTO;
}

int http_field_next(const char **p, const char *end, struct http_field *f)
{
	const char *line = *p, *eol, *vend, *colon, *v;

	eol = memchr(line, '\n', end - line);
	if (!eol)
		return 0;
	vend = (eol > line && eol[-1] == '\r') ? eol - 1 : eol;
	if (vend == line)
		return 0;
	colon = memchr(line, ':', vend - line);
	if (!colon || colon == line)
		return -EPROTO;
	for (v = colon + 1; v < vend && (*v == ' ' || *v == '\t'); v++)
		;
	f->name = line;
	f->name_len = colon - line;
	f->value = v;
	f->value_len = vend - v;
	*p = eol + 1;
	return 1;
}

bool http_field_is(const struct http_field *f, const char *name)
{
	size_t len = strlen(name);

	return f->name_len == len && !strncasecmp(f->name, name, len);
}

int http_parse_length(const char *v, size_t len, size_t max_chars, uint64_t *n)
{
	const char *d = v, *end = v + len;
	uint64_t val = 0;

	if (len == 0)
		return -EINVAL;
	if (len > max_chars)
		return -EFBIG;
	for (; d < end && *d >= '0' && *d <= '9'; d++) {
		if (val > (UINT64_MAX - 9) / 10)
			return -EFBIG;
		val = val * 10 + (*d - '0');
	}
	if (d == v)
		return -EINVAL;
	while (d < end && (*d == ' ' || *d == '\t'))
		d++;
	if (d != end)
		return -EINVAL;
	*n = val;
	return 0;
}

int http_fields_parse(const char *block, size_t len, size_t len_chars, uint64_t len_max,
		      struct http_framing *fr)
{
	const char *end = block + len, *p = memchr(block, '\n', len);
	struct http_field f;
	uint64_t n;
	int err;

	fr->body_len = -1;
	fr->conn_close = false;
	fr->conn_keep = false;
	if (!p)
		return 0;
	p++;
	while ((err = http_field_next(&p, end, &f)) > 0) {
		if (http_field_is(&f, "Content-Length")) {
			err = http_parse_length(f.value, f.value_len, len_chars, &n);
			if (!err && (n > len_max || n > INT64_MAX))
				err = -EFBIG;
			if (err)
				return err;
			fr->body_len = n;
		} else if (http_field_is(&f, "Transfer-Encoding")) {
			return -ENOTSUP;
		} else if (http_field_is(&f, "Connection")) {
			fr->conn_close |= http_token_has(f.value, f.value_len, "close");
			fr->conn_keep |= http_token_has(f.value, f.value_len, "keep-alive");
		}
	}
	return err;
}

bool http_keep_alive(bool http11, const struct http_framing *fr)
{
	return !fr->conn_close && (http11 || fr->conn_keep);
}
