// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* HTTP/1.1 framing for xlbd and the tools: one reading of start lines, header blocks, field
 * lines, Content-Length and Connection for both sides of the traffic, so that a client and a
 * server of xlb cannot come to disagree on where a message ends.
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

/* The first line of buf[0..len) without its line end, or NULL when it has no LF. */
static const char *http_line_end(const char *buf, size_t len)
{
	const char *eol = memchr(buf, '\n', len);

	if (eol && eol > buf && eol[-1] == '\r')
		eol--;
	return eol;
}

int http_request_parse(const char *buf, size_t len, struct http_request *r)
{
	const char *eol = http_line_end(buf, len), *sp1, *sp2, *q;

	if (!eol)
		return -EPROTO;
	sp1 = memchr(buf, ' ', eol - buf);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', eol - sp1 - 1) : NULL;
	if (!sp1 || !sp2 || sp1 == buf || sp2 == sp1 + 1 || memchr(sp2 + 1, ' ', eol - sp2 - 1))
		return -EPROTO;
	r->version = http_version(sp2 + 1, eol - sp2 - 1);
	if (r->version < 0)
		return r->version;
	r->method = buf;
	r->method_len = sp1 - buf;
	r->target = sp1 + 1;
	r->target_len = sp2 - r->target;
	q = memchr(r->target, '?', r->target_len);
	r->path_len = (q ? q : sp2) - r->target;
	r->query = q ? q + 1 : "";
	r->query_len = q ? (size_t)(sp2 - q - 1) : 0;
	return 0;
}

int http_status_parse(const char *buf, size_t len, int *version)
{
	const char *eol = http_line_end(buf, len), *p, *sp;
	int status = 0, n;

	/* "HTTP/1.1 200" is the shortest status line */
	if (!eol || eol - buf < 12 || memcmp(buf, "HTTP/", 5))
		return -EPROTO;
	sp = memchr(buf, ' ', eol - buf);
	if (!sp)
		return -EPROTO;
	*version = http_version(buf, sp - buf);
	for (p = sp; p < eol && *p == ' '; p++)
		;
	for (n = 0; n < 3; n++, p++) {
		if (p == eol || *p < '0' || *p > '9')
			return -EPROTO;
		status = status * 10 + (*p - '0');
	}
	if (p < eol && *p != ' ')
		return -EPROTO;
	return status;
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
