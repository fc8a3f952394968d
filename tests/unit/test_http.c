// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The HTTP/1.1 framing that xlbd and the tools share: header block ends with CRLF and bare
 * LF, incomplete blocks, request and status lines, versions, field lines, Content-Length
 * limits and the Connection tokens that decide whether a connection stays open.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "http.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static bool test_header_end_crlf(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\nbody";

	CHECK(http_header_end(S(req)) == sizeof(req) - 1 - 4, "end before the body: %zu",
	      http_header_end(S(req)));
	CHECK(http_header_end(S("GET / HTTP/1.1\r\n\r\n")) == 18, "no fields");
	return true;
}

static bool test_header_end_bare_lf(void)
{
	CHECK(http_header_end(S("GET / HTTP/1.1\nHost: a\n\nrest")) == 24, "LF LF");
	/* mixed: a bare LF line, then a CRLF empty line, and the other way round */
	CHECK(http_header_end(S("GET / HTTP/1.1\nHost: a\n\r\n")) == 25, "LF CRLF");
	CHECK(http_header_end(S("GET / HTTP/1.1\r\nHost: a\r\n\n")) == 26, "CRLF LF");
	return true;
}

static bool test_header_end_incomplete(void)
{
	CHECK(http_header_end(S("")) == 0, "empty");
	CHECK(http_header_end(S("GET / HTTP/1.1")) == 0, "no line end");
	CHECK(http_header_end(S("GET / HTTP/1.1\r\nHost: a\r\n")) == 0, "no empty line");
	CHECK(http_header_end(S("GET / HTTP/1.1\r\nHost: a\r\n\r")) == 0, "CR without its LF");
	CHECK(http_header_end(S("GET / HTTP/1.1\r\nHost: a\r\r\n")) == 0, "CR CR LF is no end");
	CHECK(http_header_end(S("GET / HTTP/1.1\n")) == 0, "one line");
	/* the length given is what counts, not a NUL */
	CHECK(http_header_end("a\n\n", 2) == 0, "cut before the second LF");
	return true;
}

static bool test_token_case_insensitive(void)
{
	CHECK(http_token_has(S("close"), "close"), "exact");
	CHECK(http_token_has(S("Close"), "close"), "capital");
	CHECK(http_token_has(S("KEEP-ALIVE"), "keep-alive"), "upper case");
	CHECK(http_token_has(S("Upgrade, Keep-Alive"), "keep-alive"), "second of a list");
	CHECK(!http_token_has(S("keep-alive"), "close"), "another token");
	CHECK(!http_token_has(S("clos"), "close"), "shorter than the word");
	CHECK(!http_token_has(S(""), "close"), "empty value");
	/* the length bounds the search even when more text follows */
	CHECK(!http_token_has("xclose", 4, "close"), "cut by the length");
	return true;
}

static bool test_version(void)
{
	CHECK(http_version(S("HTTP/1.1")) == 1, "1.1");
	CHECK(http_version(S("HTTP/1.0")) == 0, "1.0");
	CHECK(http_version(S("HTTP/1.2")) == -EPROTONOSUPPORT, "1.2");
	CHECK(http_version(S("HTTP/2")) == -EPROTONOSUPPORT, "2");
	CHECK(http_version(S("HTTP/1.10")) == -EPROTONOSUPPORT, "1.10");
	CHECK(http_version(S("HTTP/")) == -EPROTONOSUPPORT, "no number");
	CHECK(http_version(S("HTTP")) == -EPROTO, "no slash");
	CHECK(http_version(S("http/1.1")) == -EPROTO, "lower case");
	CHECK(http_version(S("")) == -EPROTO, "empty");
	/* a status line's start: the caller gives the version's 8 characters */
	CHECK(http_version("HTTP/1.1 200 OK", 8) == 1, "prefix of a status line");
	return true;
}

static bool test_field_next(void)
{
	static const char block[] = "Host:  example\r\nX-Empty:\nX-Tab:\tv \r\n\r\nafter";
	const char *p = block, *end = block + sizeof(block) - 1;
	struct http_field f;

	CHECK(http_field_next(&p, end, &f) == 1, "first field");
	CHECK(f.name_len == 4 && !memcmp(f.name, "Host", 4), "name");
	CHECK(f.value_len == 7 && !memcmp(f.value, "example", 7), "value without leading space");
	CHECK(http_field_next(&p, end, &f) == 1, "second field, bare LF");
	CHECK(f.name_len == 7 && f.value_len == 0, "empty value");
	CHECK(http_field_next(&p, end, &f) == 1, "third field");
	CHECK(f.value_len == 2 && !memcmp(f.value, "v ", 2), "trailing space kept, CR not");
	CHECK(http_field_next(&p, end, &f) == 0, "the empty line ends the block");
	CHECK(http_field_next(&p, p, &f) == 0, "nothing left");
	return true;
}

static bool test_field_malformed(void)
{
	const char *p;
	struct http_field f;

	p = "no colon\r\n\r\n";
	CHECK(http_field_next(&p, p + strlen(p), &f) == -EPROTO, "no colon");
	p = ": v\r\n\r\n";
	CHECK(http_field_next(&p, p + strlen(p), &f) == -EPROTO, "no name");
	p = "Half: line";
	CHECK(http_field_next(&p, p + strlen(p), &f) == 0, "no line end: nothing read");
	return true;
}

static bool test_field_is(void)
{
	struct http_field f = { .name = "content-LENGTH", .name_len = 14 };

	CHECK(http_field_is(&f, "Content-Length"), "any case");
	CHECK(!http_field_is(&f, "Content-Len"), "a prefix is another name");
	f.name_len = 11;
	CHECK(!http_field_is(&f, "Content-Length"), "the length counts");
	CHECK(http_field_is(&f, "Content-Len"), "the name is the length given");
	return true;
}

static bool test_parse_length(void)
{
	uint64_t n = 7;

	CHECK(http_parse_length(S("0"), 12, &n) == 0 && n == 0, "zero");
	CHECK(http_parse_length(S("1234 \t"), 12, &n) == 0 && n == 1234, "trailing whitespace");
	CHECK(http_parse_length(S("999999999999"), 12, &n) == 0 && n == 999999999999ull,
	      "at the limit of characters");
	CHECK(http_parse_length(S("1000000000000"), 12, &n) == -EFBIG, "one character more");
	CHECK(http_parse_length(S("abcdefghijklmnop"), 12, &n) == -EFBIG,
	      "length is checked before the digits");
	CHECK(http_parse_length(S(""), 12, &n) == -EINVAL, "empty");
	CHECK(http_parse_length(S("12a"), 12, &n) == -EINVAL, "letter");
	CHECK(http_parse_length(S("1 2"), 12, &n) == -EINVAL, "space inside");
	CHECK(http_parse_length(S("-1"), 12, &n) == -EINVAL, "sign");
	CHECK(http_parse_length(S(" "), 12, &n) == -EINVAL, "no digit");
	CHECK(http_parse_length(S("99999999999999999999999"), 100, &n) == -EFBIG,
	      "overflow refused whatever the limit");
	return true;
}

static bool test_fields_parse(void)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\n"
				    "content-length: 42\r\n"
				    "Connection: Keep-Alive\r\n"
				    "\r\n";
	struct http_framing fr;

	CHECK(http_fields_parse(S(reply), 15, INT64_MAX, &fr) == 0, "parsed");
	CHECK(fr.body_len == 42, "length %lld", (long long)fr.body_len);
	CHECK(fr.conn_keep && !fr.conn_close, "keep-alive seen");
	CHECK(http_fields_parse(S("GET / HTTP/1.1\n\n"), 12, 100, &fr) == 0, "no fields, LF");
	CHECK(fr.body_len == -1 && !fr.conn_keep && !fr.conn_close, "defaults");
	CHECK(http_fields_parse(S("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
				  "\r\n"),
				12, 100, &fr) == 0 &&
		      fr.body_len == 2,
	      "the last length wins");
	/* the start line is not a field, even with a colon in it */
	CHECK(http_fields_parse(S("GET /a:b HTTP/1.1\r\n\r\n"), 12, 100, &fr) == 0, "start line");
	return true;
}

static bool test_fields_errors(void)
{
	struct http_framing fr;

	CHECK(http_fields_parse(S("GET / HTTP/1.1\r\nbad line\r\n\r\n"), 12, 100, &fr) == -EPROTO,
	      "malformed line");
	CHECK(http_fields_parse(S("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"), 12, 100, &fr) ==
		      -EINVAL,
	      "malformed length");
	CHECK(http_fields_parse(S("GET / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"), 12, 100, &fr) ==
		      -EFBIG,
	      "above len_max");
	CHECK(http_fields_parse(S("GET / HTTP/1.1\r\nContent-Length: 1234\r\n\r\n"), 3, 10000,
				&fr) == -EFBIG,
	      "longer than len_chars");
	CHECK(http_fields_parse(S("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 12, 100,
				&fr) == -ENOTSUP,
	      "chunked");
	/* the first problem is the one reported, and what came before it is kept */
	CHECK(http_fields_parse(S("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 200\r\n"
				  "bad\r\n\r\n"),
				12, 100, &fr) == -EFBIG,
	      "first error");
	CHECK(fr.body_len == 5, "length before the error: %lld", (long long)fr.body_len);
	return true;
}

static bool test_request_line(void)
{
	struct http_request r;

	CHECK(http_request_parse(S("GET /metrics?x=1&y HTTP/1.0\r\nHost: a\r\n\r\n"), &r) == 0,
	      "a GET with a query");
	CHECK(r.method_len == 3 && !memcmp(r.method, "GET", 3), "method");
	CHECK(r.target_len == 14 && !memcmp(r.target, "/metrics?x=1&y", 14), "target");
	CHECK(r.path_len == 8, "path before the query: %zu", r.path_len);
	CHECK(r.query_len == 5 && !memcmp(r.query, "x=1&y", 5), "query");
	CHECK(r.version == 0, "HTTP/1.0");
	CHECK(http_request_parse(S("HEAD / HTTP/1.1\n"), &r) == 0, "bare LF");
	CHECK(r.version == 1 && r.path_len == 1 && r.query_len == 0 && !strcmp(r.query, ""),
	      "no query");
	return true;
}

static bool test_request_line_bad(void)
{
	struct http_request r;

	CHECK(http_request_parse(S("GET / HTTP/1.1"), &r) == -EPROTO, "no line end");
	CHECK(http_request_parse(S("GET /\r\n"), &r) == -EPROTO, "two parts");
	CHECK(http_request_parse(S(" / HTTP/1.1\r\n"), &r) == -EPROTO, "empty method");
	CHECK(http_request_parse(S("GET  HTTP/1.1\r\n"), &r) == -EPROTO, "empty target");
	CHECK(http_request_parse(S("GET / HTTP/1.1 x\r\n"), &r) == -EPROTO, "four parts");
	CHECK(http_request_parse(S("GET / FTP/1.1\r\n"), &r) == -EPROTO, "not HTTP");
	CHECK(http_request_parse(S("GET / HTTP/2.0\r\n"), &r) == -EPROTONOSUPPORT, "HTTP/2.0");
	CHECK(http_request_parse(S("GET / HTTP/1.2\r\n"), &r) == -EPROTONOSUPPORT, "HTTP/1.2");
	/* the length given bounds the line, not a NUL */
	CHECK(http_request_parse("GET / HTTP/1.1\r\n", 10, &r) == -EPROTO, "cut");
	return true;
}

static bool test_status_line(void)
{
	int v = -1;

	CHECK(http_status_parse(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), &v) == 200 &&
		      v == 1,
	      "200 over 1.1");
	CHECK(http_status_parse(S("HTTP/1.0 404\n"), &v) == 404 && v == 0, "no reason phrase");
	CHECK(http_status_parse(S("HTTP/1.1  503 Busy\r\n"), &v) == 503, "two spaces");
	/* a version the caller may not speak is said, not refused */
	CHECK(http_status_parse(S("HTTP/2.0 204 No\r\n"), &v) == 204 && v == -EPROTONOSUPPORT,
	      "HTTP/2.0: %d", v);
	return true;
}

static bool test_status_line_bad(void)
{
	int v;

	CHECK(http_status_parse(S("HTTP/1.1 200 OK"), &v) == -EPROTO, "no line end");
	CHECK(http_status_parse(S("HTTP/1.1 20\r\n"), &v) == -EPROTO, "short line");
	CHECK(http_status_parse(S("HTTP/1.1 20x OK\r\n"), &v) == -EPROTO, "not digits");
	CHECK(http_status_parse(S("HTTP/1.1 2000 OK\r\n"), &v) == -EPROTO, "four digits");
	CHECK(http_status_parse(S("HTTP/1.1_200_OK\r\n"), &v) == -EPROTO, "no space");
	CHECK(http_status_parse(S("SMTP/1.1 200 OK\r\n"), &v) == -EPROTO, "not HTTP");
	CHECK(http_status_parse(S("HTTP/1.1       \r\n"), &v) == -EPROTO, "spaces only");
	return true;
}

static bool test_keep_alive(void)
{
	struct http_framing fr = { .body_len = -1 };

	CHECK(http_keep_alive(true, &fr), "1.1 by default");
	CHECK(!http_keep_alive(false, &fr), "1.0 by default");
	fr.conn_keep = true;
	CHECK(http_keep_alive(false, &fr), "1.0 with keep-alive");
	fr.conn_close = true;
	CHECK(!http_keep_alive(false, &fr), "close wins over keep-alive");
	CHECK(!http_keep_alive(true, &fr), "1.1 with close");
	return true;
}

int main(void)
{
	RUN(test_header_end_crlf);
	RUN(test_header_end_bare_lf);
	RUN(test_header_end_incomplete);
	RUN(test_token_case_insensitive);
	RUN(test_version);
	RUN(test_field_next);
	RUN(test_field_malformed);
	RUN(test_field_is);
	RUN(test_parse_length);
	RUN(test_fields_parse);
	RUN(test_fields_errors);
	RUN(test_request_line);
	RUN(test_request_line_bad);
	RUN(test_status_line);
	RUN(test_status_line_bad);
	RUN(test_keep_alive);
	return check_summary();
}
