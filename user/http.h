/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* HTTP/1.1 message framing, the one reading of it for every client and server in xlb (xlbd's
 * health probes and metrics endpoint, xlb-load, xlb-backend): where a header block ends, its
 * request or status line, version and field lines, Content-Length, and the Connection tokens
 * that decide whether a connection stays open. Functions over buffers only: nothing here reads
 * a socket or allocates, so each side keeps its own limits and error answers.
 */
#ifndef XLB_HTTP_H
#define XLB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One field line of a header block. The value starts after the colon and its optional
 * whitespace and runs to the line end (a CR before the LF excluded); trailing whitespace is
 * kept, the callers that care skip it.
 */
struct http_field {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* What the field lines of a message say about its body and its connection. */
struct http_framing {
	int64_t body_len; /* Content-Length, the last one when repeated; -1 without one */
	bool conn_close;  /* Connection names "close" */
	bool conn_keep;	  /* Connection names "keep-alive" */
};

/* Where the header block that ends in an empty line stops (the offset just past that line),
 * or 0 while it is incomplete. Bare LF line ends are accepted, as RFC 9112 allows.
 */
size_t http_header_end(const char *buf, size_t len);

/* Whether word appears in v[0..len), compared without regard to case. A substring search:
 * enough for the Connection values these tools exchange ("close", "keep-alive").
 */
bool http_token_has(const char *v, size_t len, const char *word);

/* The version s[0..len) names: 1 for "HTTP/1.1", 0 for "HTTP/1.0", -EPROTONOSUPPORT for any
 * other text that starts with "HTTP/", -EPROTO for the rest.
 */
int http_version(const char *s, size_t len);

/* The parts of a request line "METHOD TARGET HTTP/1.x", pointing into the caller's buffer. */
struct http_request {
	const char *method;
	size_t method_len;
	const char *target; /* the whole request target, query included */
	size_t target_len;
	size_t path_len;   /* of target, up to the '?' of a query or its end */
	const char *query; /* after the '?', "" without one */
	size_t query_len;
	int version; /* 1 for HTTP/1.1, 0 for HTTP/1.0 */
};

/* Reads the request line that starts buf[0..len) (up to its LF, a CR before it excluded):
 * three non-empty parts separated by single spaces. Returns 0 with *r set, -EPROTO when the
 * line is incomplete or not of that shape or its version is not "HTTP/...",
 * -EPROTONOSUPPORT when the version is HTTP but neither 1.0 nor 1.1.
 */
int http_request_parse(const char *buf, size_t len, struct http_request *r);

/* Reads the status line that starts buf[0..len): "HTTP/", the rest of the version, spaces,
 * three digits, then a space or the line end. Returns the status code with *version set to
 * what http_version says of the version (a negative errno for an unknown one, which a caller
 * may accept), or -EPROTO when the line is incomplete or not a status line.
 */
int http_status_parse(const char *buf, size_t len, int *version);

/* Reads the field line at *p, before end, and moves *p past it. Returns 1 with *f set, 0 at
 * the empty line that ends the block (or when no line end is left), -EPROTO on a line
 * without a name before a colon.
 */
int http_field_next(const char **p, const char *end, struct http_field *f);

/* Whether the field is called name, compared without regard to case. */
bool http_field_is(const struct http_field *f, const char *name);

/* A Content-Length value: digits, then optional whitespace. Returns 0 with *n set, -EINVAL
 * when it is empty or not a number, -EFBIG when it is longer than max_chars (checked first,
 * so that no number overflows).
 */
int http_parse_length(const char *v, size_t len, size_t max_chars, uint64_t *n);

/* Reads the field lines of block[0..len), a header block as http_header_end measured it,
 * start line first (skipped). Stops at the first problem and returns: -EPROTO a malformed
 * field line, -EINVAL a malformed Content-Length, -EFBIG a Content-Length longer than
 * len_chars characters or above len_max, -ENOTSUP a Transfer-Encoding (chunked bodies are
 * not read). *fr holds what was read up to there.
 */
int http_fields_parse(const char *block, size_t len, size_t len_chars, uint64_t len_max,
		      struct http_framing *fr);

/* Whether the connection stays open after the message (RFC 9112 section 9.3): for HTTP/1.1
 * unless it says "close", for HTTP/1.0 only when it says "keep-alive" and not "close".
 */
bool http_keep_alive(bool http11, const struct http_framing *fr);

#endif /* XLB_HTTP_H */
