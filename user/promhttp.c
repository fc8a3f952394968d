// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* GET /metrics on the event loop: one request per connection (Connection: close keeps the
 * server small and a scraper does not mind), a deadline and a size cap per connection, and the
 * text exposition format written through promhttp_buf.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "http.h"
#include "log.h"
#include "loop.h"
#include "promhttp.h"

void promhttp_buf_init(struct promhttp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void promhttp_buf_free(struct promhttp_buf *b)
{
	free(b->data);
	promhttp_buf_init(b);
}

static void promhttp_reserve(struct promhttp_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *d;

	if (b->err || b->len + more + 1 <= b->cap)
		return;
	while (cap < b->len + more + 1)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d) {
		b->err = -ENOMEM;
		return;
	}
	b->data = d;
	b->cap = cap;
}

static void promhttp_vprintf(struct promhttp_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->err = b->err ? b->err : -EINVAL;
		return;
	}
	promhttp_reserve(b, n);
	if (b->err)
		return;
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += n;
}

void promhttp_printf(struct promhttp_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	promhttp_vprintf(b, fmt, ap);
	va_end(ap);
}

static void promhttp_putc(struct promhttp_buf *b, char c)
{
	promhttp_reserve(b, 1);
	if (b->err)
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; labels allow no colon. */
static bool promhttp_valid_name(const char *s, bool metric)
{
	size_t i;

	if (!s || !*s)
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');

		if (!ok)
			return false;
	}
	return true;
}

/* Label values escape backslash, double quote and newline; HELP text only the first and last. */
static void promhttp_escaped(struct promhttp_buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			promhttp_printf(b, "\\\\");
		else if (*s == '\n')
			promhttp_printf(b, "\\n");
		else if (*s == '"' && quote)
			promhttp_printf(b, "\\\"");
		else
			promhttp_putc(b, *s);
	}
}

void promhttp_family(struct promhttp_buf *b, const char *name, enum promhttp_type type,
		     const char *help)
{
	static const char *const types[] = { "counter", "gauge", "untyped" };

	if (!promhttp_valid_name(name, true) || (unsigned int)type > PROMHTTP_UNTYPED) {
		b->err = b->err ? b->err : -EINVAL;
		return;
	}
	if (help && *help) {
		promhttp_printf(b, "# HELP %s ", name);
		promhttp_escaped(b, help, false);
		promhttp_putc(b, '\n');
	}
	promhttp_printf(b, "# TYPE %s %s\n", name, types[type]);
}

/* name{labels}: the shared part of both sample writers. */
static void promhttp_series(struct promhttp_buf *b, const char *name, va_list ap)
{
	const char *lname;
	bool first = true;

	if (!promhttp_valid_name(name, true)) {
		b->err = b->err ? b->err : -EINVAL;
		return;
	}
	promhttp_printf(b, "%s", name);
	while ((lname = va_arg(ap, const char *))) {
		const char *lvalue = va_arg(ap, const char *);

		if (!promhttp_valid_name(lname, false) || !strncmp(lname, "__", 2)) {
			b->err = b->err ? b->err : -EINVAL;
			return;
		}
		if (!lvalue)
			continue;
		promhttp_printf(b, "%c%s=\"", first ? '{' : ',', lname);
		promhttp_escaped(b, lvalue, true);
		promhttp_putc(b, '"');
		first = false;
	}
	if (!first)
		promhttp_putc(b, '}');
}

void promhttp_sample(struct promhttp_buf *b, const char *name, double value, ...)
{
	va_list ap;

	va_start(ap, value);
	promhttp_series(b, name, ap);
	va_end(ap);
	if (isnan(value))
		promhttp_printf(b, " NaN\n");
	else if (isinf(value))
		promhttp_printf(b, " %sInf\n", value > 0 ? "+" : "-");
	else if (value == (double)(int64_t)value && fabs(value) < 9007199254740992.0)
		promhttp_printf(b, " %lld\n", (long long)value);
	else
		promhttp_printf(b, " %.17g\n", value);
}

void promhttp_sample_u64(struct promhttp_buf *b, const char *name, uint64_t value, ...)
{
	va_list ap;

	va_start(ap, value);
	promhttp_series(b, name, ap);
	va_end(ap);
	promhttp_printf(b, " %llu\n", (unsigned long long)value);
}

/* The server. */

struct promhttp_conn {
	struct promhttp_server *server;
	struct promhttp_conn *next;
	int fd;
	struct loop_timer timer;
	char in[PROMHTTP_REQUEST_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
};

struct promhttp_server {
	struct loop *loop;
	int fd;
	uint16_t port;
	promhttp_collect_fn collect;
	void *ctx;
	struct promhttp_conn *conns; /* newest first */
	unsigned int nconns;
	unsigned long fd_short; /* accepts paused for want of a file descriptor, this burst */
	unsigned long evicted;	/* connections closed to make room, ever */
};

static void promhttp_conn_timeout(struct loop *loop, struct loop_timer *timer, void *arg);

static void promhttp_conn_close(struct promhttp_conn *c)
{
	struct promhttp_server *s = c->server;
	struct promhttp_conn **pp;

	for (pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->nconns--;
	loop_timer_disarm(s->loop, &c->timer);
	loop_fd_del(s->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void promhttp_conn_flush(struct promhttp_conn *c)
{
	if (loop_send_pending(c->fd, c->out, c->out_len, &c->out_off))
		promhttp_conn_close(c);
}

/* Queues a whole response (body NULL for none, as for HEAD, or the status text); closes after. */
static void promhttp_respond(struct promhttp_conn *c, int status, const char *reason,
			     const char *type, const char *body, size_t body_len, bool head,
			     const char *extra)
{
	struct promhttp_buf b;

	promhttp_buf_init(&b);
	if (!body) {
		body = reason;
		body_len = strlen(reason);
		type = "text/plain; charset=utf-8";
	}
	promhttp_printf(&b,
			"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			"Connection: close\r\n%s\r\n",
			status, reason, type, body_len + (body == reason), extra ? extra : "");
	if (!head) {
		promhttp_reserve(&b, body_len + 1);
		if (!b.err) {
			memcpy(b.data + b.len, body, body_len);
			b.len += body_len;
			if (body == reason)
				b.data[b.len++] = '\n';
		}
	}
	if (b.err) {
		promhttp_buf_free(&b);
		promhttp_conn_close(c);
		return;
	}
	c->out = b.data;
	c->out_len = b.len;
	/* the request is in: the reply gets the whole timeout of its own */
	loop_timer_arm(c->server->loop, &c->timer, PROMHTTP_TIMEOUT_MS, 0, promhttp_conn_timeout,
		       c);
	if (loop_fd_mod(c->server->loop, c->fd, EPOLLOUT)) {
		promhttp_conn_close(c);
		return;
	}
	promhttp_conn_flush(c);
}

static void promhttp_handle(struct promhttp_conn *c)
{
	struct http_request r;
	struct promhttp_buf b;
	bool head;
	int err;

	err = http_request_parse(c->in, c->in_len, &r);
	if (err) {
		if (err == -EPROTONOSUPPORT)
			promhttp_respond(c, 505, "HTTP Version Not Supported", NULL, NULL, 0, false,
					 NULL);
		else
			promhttp_respond(c, 400, "Bad Request", NULL, NULL, 0, false, NULL);
		return;
	}
	head = r.method_len == 4 && !memcmp(r.method, "HEAD", 4);
	if (!head && !(r.method_len == 3 && !memcmp(r.method, "GET", 3))) {
		promhttp_respond(c, 405, "Method Not Allowed", NULL, NULL, 0, false,
				 "Allow: GET, HEAD\r\n");
		return;
	}
	/* the query string (Prometheus may add one) does not select anything here */
	if (r.path_len != strlen("/metrics") || memcmp(r.target, "/metrics", r.path_len)) {
		promhttp_respond(c, 404, "Not Found", NULL, NULL, 0, head, NULL);
		return;
	}
	promhttp_buf_init(&b);
	c->server->collect(&b, c->server->ctx);
	if (b.err) {
		log_warn("promhttp: collecting metrics failed: %s", strerror(-b.err));
		promhttp_buf_free(&b);
		promhttp_respond(c, 500, "Internal Server Error", NULL, NULL, 0, head, NULL);
		return;
	}
	promhttp_respond(c, 200, "OK", PROMHTTP_CONTENT_TYPE, b.data ? b.data : "", b.len, head,
			 NULL);
	promhttp_buf_free(&b);
}

static void promhttp_conn_read(struct promhttp_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_len == PROMHTTP_REQUEST_MAX) {
			promhttp_respond(c, 431, "Request Header Fields Too Large", NULL, NULL, 0,
					 false, NULL);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, PROMHTTP_REQUEST_MAX - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			promhttp_conn_close(c);
			return;
		}
		c->in_len += n;
		/* a GET has no body: the blank line ends the request */
		if (http_header_end(c->in, c->in_len)) {
			promhttp_handle(c);
			return;
		}
	}
}

static void promhttp_conn_event(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct promhttp_conn *c = arg;

	if (c->out)
		promhttp_conn_flush(c);
	else
		promhttp_conn_read(c);
}

static void promhttp_conn_timeout(struct loop *loop, struct loop_timer *timer, void *arg)
{
	promhttp_conn_close(arg);
}

/* All slots taken and a client knocking: the oldest connection that has not sent its whole
 * request goes (a scraper sends it at once; a slot held by a silent or trickling client is
 * the attack). Returns false when every slot is busy sending a reply.
 */
static bool promhttp_evict(struct promhttp_server *s)
{
	struct promhttp_conn *c, *oldest = NULL;

	for (c = s->conns; c; c = c->next)
		if (!c->out)
			oldest = c;
	if (!oldest)
		return false;
	if (!s->evicted++ || !(s->evicted % 1000))
		log_warn("promhttp: all %d connections taken; closing the oldest with no complete "
			 "request (%lu so far)",
			 PROMHTTP_CONN_MAX, s->evicted);
	promhttp_conn_close(oldest);
	return true;
}

static void promhttp_accept(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct promhttp_server *s = arg;

	for (;;) {
		struct promhttp_conn *c;
		int cfd = loop_accept_logged(loop, fd, "promhttp: accept", &s->fd_short);

		if (cfd < 0)
			return;
		if (s->nconns >= PROMHTTP_CONN_MAX && !promhttp_evict(s)) {
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->server = s;
		c->fd = cfd;
		loop_timer_init(&c->timer);
		if (loop_fd_add(loop, cfd, EPOLLIN, promhttp_conn_event, c) ||
		    loop_timer_arm(loop, &c->timer, PROMHTTP_HEADER_TIMEOUT_MS, 0,
				   promhttp_conn_timeout, c)) {
			loop_fd_del(loop, cfd);
			close(cfd);
			free(c);
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
	}
}

int promhttp_server_new(struct loop *loop, const char *addr, uint16_t port,
			promhttp_collect_fn collect, void *ctx, struct promhttp_server **out)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct promhttp_server *s;
	socklen_t len;
	int one = 1, err;

	*out = NULL;
	if (!collect)
		return -EINVAL;
	if (!addr)
		addr = PROMHTTP_ADDR_DEFAULT;
	if (loop_sockaddr_parse(AF_INET, addr, port, &ss, &len) &&
	    loop_sockaddr_parse(AF_INET6, addr, port, &ss, &len))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->collect = collect;
	s->ctx = ctx;
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		err = -errno;
		goto fail;
	}
	/* a restarted xlbd rebinds while the old connections sit in TIME_WAIT */
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&ss, len) || listen(s->fd, PROMHTTP_CONN_MAX) ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &len)) {
		err = -errno;
		log_error("promhttp: listen on %s port %u: %s", addr, port, strerror(-err));
		goto fail;
	}
	s->port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
	err = loop_fd_add(loop, s->fd, EPOLLIN, promhttp_accept, s);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return err;
}

void promhttp_server_free(struct promhttp_server *s)
{
	if (!s)
		return;
	while (s->conns)
		promhttp_conn_close(s->conns);
	loop_fd_del(s->loop, s->fd);
	close(s->fd);
	free(s);
}

uint16_t promhttp_server_port(const struct promhttp_server *s)
{
	return s->port;
}

int promhttp_parse_address(const char *s, char *addr, size_t addr_len, uint16_t *port)
{
	const char *colon, *host = s;
	size_t hlen;
	char *end;
	unsigned long p;
	unsigned char tmp[sizeof(struct in6_addr)];

	if (!s)
		return -EINVAL;
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		host = s + 1;
		hlen = rb - host;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = colon - s;
		/* "::1:80" could be read two ways: IPv6 takes brackets */
		if (memchr(s, ':', hlen))
			return -EINVAL;
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p > 65535)
		return -EINVAL;
	if (hlen == 0) {
		host = PROMHTTP_ADDR_DEFAULT;
		hlen = strlen(host);
	}
	if (hlen >= addr_len)
		return -ENAMETOOLONG;
	memcpy(addr, host, hlen);
	addr[hlen] = '\0';
	if (inet_pton(AF_INET, addr, tmp) != 1 && inet_pton(AF_INET6, addr, tmp) != 1)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}
