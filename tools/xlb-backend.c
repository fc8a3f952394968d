// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb-backend: the small HTTP/1.1 server that instances and test backends run. Every reply
 * names the instance, a query parameter asks for CPU work (so that CPU-based scaling can be
 * shown on one machine), /health answers the probes, and the counts are printed on exit.
 * One thread on the event loop xlbd also runs (user/loop.c), non-blocking sockets, bounded
 * buffers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "opts.h"

#define BACKEND_MAX_LISTEN 16
#define BACKEND_REQ_MAX 8192	    /* request line and headers; more is a 431 */
#define BACKEND_BODY_MAX (1u << 20) /* request bodies are read and thrown away */
#define BACKEND_LENGTH_CHARS 12	    /* a longer Content-Length is a 413 before it is read */
#define BACKEND_OUT_MAX 16384	    /* replies queued per connection */
#define BACKEND_REPLY_MAX 1024	    /* room one reply needs; ids are short */
#define BACKEND_ID_MAX 64
#define BACKEND_LINGER_S 2	   /* after an error reply, wait this long for the client's FIN */
#define BACKEND_WORK_CAP_MS 60000  /* upper bound of --max-work */
#define BACKEND_DELAY_CAP_MS 60000 /* upper bound of --delay */

enum backend_status {
	ST_200,
	ST_400,
	ST_404,
	ST_405,
	ST_413,
	ST_431,
	ST_501,
	ST_505,
	ST_MAX,
};

static const struct {
	int code;
	const char *reason;
} backend_statuses[ST_MAX] = {
	[ST_200] = { 200, "OK" },
	[ST_400] = { 400, "Bad Request" },
	[ST_404] = { 404, "Not Found" },
	[ST_405] = { 405, "Method Not Allowed" },
	[ST_413] = { 413, "Content Too Large" },
	[ST_431] = { 431, "Request Header Fields Too Large" },
	[ST_501] = { 501, "Not Implemented" },
	[ST_505] = { 505, "HTTP Version Not Supported" },
};

struct backend;

struct backend_conn {
	struct backend *owner;
	int fd;
	struct backend_conn *prev, *next;
	time_t last_active; /* CLOCK_MONOTONIC seconds */
	uint32_t events;    /* what epoll watches now */
	size_t in_len;
	size_t body_left; /* bytes of a request body still to discard */
	size_t out_len, out_off;
	bool close_after; /* close once out is flushed */
	bool lingering;	  /* write side shut, waiting for the client to close */
	bool held;	  /* --delay: the queued reply waits for the hold timer */
	struct loop_timer hold;
	char in[BACKEND_REQ_MAX];
	char out[BACKEND_OUT_MAX];
};

struct backend_listen {
	struct backend *owner;
	int fd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool optional; /* a default address: may fail when the family is missing */
	char text[64];
};

struct backend {
	char id[BACKEND_ID_MAX + 1];
	char id_json[2 * BACKEND_ID_MAX + 1];
	struct loop *loop;
	struct loop_timer tick; /* every second: idle connections, paused accepts */
	struct backend_listen listen[BACKEND_MAX_LISTEN];
	int nlisten;
	bool accept_paused;
	time_t accept_err_logged;
	struct backend_conn *conns;
	unsigned int nconns, max_conns;
	unsigned int idle_timeout_s;
	unsigned int max_work_ms;
	unsigned int delay_ms; /* --delay: wall time every served reply is held */
	const char *pidfile;
	bool pidfile_written;
	bool quiet;
	/* counts, printed on exit and served by /stats */
	uint64_t requests;
	uint64_t served; /* replies of /, /work and /whoami */
	uint64_t status_count[ST_MAX];
	uint64_t conns_total;
	uint64_t work_ms_total;
};

/* The parts of a request the server acts on. */
struct backend_req {
	bool head;
	bool keep_alive;
	enum backend_status status; /* ST_200 unless the request itself is bad */
	const char *path;
	size_t path_len;
	const char *query;
	size_t query_len;
	size_t body_len;
};

static time_t backend_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static const char backend_synopsis[] = "Usage: xlb-backend [OPTIONS]\n"
				       "A small HTTP/1.1 server whose replies name the instance.\n"
				       "\n";

static const char backend_epilog[] =
	"\n"
	"Paths: /health -> \"ok\"; /whoami -> the name; / and /work -> JSON\n"
	"{\"instance\":NAME,\"served\":N,\"work_ms\":MS}; /stats -> the counts as JSON.\n"
	"?work=MS (or ?ms=MS) burns about MS ms of CPU before the reply; --delay holds\n"
	"every reply of those three paths MS ms more, without CPU.\n"
	"SIGTERM or SIGINT stops it; SIGUSR1 prints the counts.\n";

/* Parses "A.B.C.D:PORT", "[V6]:PORT" or "PORT". A bare port adds two listeners. */
static int backend_parse_listen(struct backend *b, const char *arg, bool optional)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s;
	char *end;
	unsigned long port;
	size_t hlen;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = close - arg - 1;
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, arg + 1, hlen);
		host[hlen] = '\0';
		port_s = close + 2;
	} else {
		const char *colon = strrchr(arg, ':');

		if (!colon) {
			host[0] = '\0';
			port_s = arg;
		} else {
			hlen = colon - arg;
			if (hlen >= sizeof(host) || memchr(arg, ':', hlen))
				return -EINVAL;
			memcpy(host, arg, hlen);
			host[hlen] = '\0';
			port_s = colon + 1;
		}
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || *port_s == '\0' || *end != '\0' || port > 65535)
		return -EINVAL;

	if (host[0] == '\0' && !strchr(arg, ':')) {
		/* bare port: both families; the IPv6 one may be missing in a namespace */
		char v4[16], v6[16];
		int err;

		snprintf(v4, sizeof(v4), "0.0.0.0:%lu", port);
		snprintf(v6, sizeof(v6), "[::]:%lu", port);
		err = backend_parse_listen(b, v4, optional);
		return err ? err : backend_parse_listen(b, v6, true);
	}

	if (b->nlisten >= BACKEND_MAX_LISTEN)
		return -E2BIG;
	struct backend_listen *l = &b->listen[b->nlisten];

	memset(l, 0, sizeof(*l));
	if (host[0] == '\0' || strcmp(host, "*") == 0)
		strcpy(host, "0.0.0.0");
	if (loop_sockaddr_parse(arg[0] == '[' ? AF_INET6 : AF_INET, host, (uint16_t)port, &l->addr,
				&l->addrlen))
		return -EINVAL;
	snprintf(l->text, sizeof(l->text), arg[0] == '[' ? "[%s]:%lu" : "%s:%lu", host, port);
	l->optional = optional;
	l->owner = b;
	l->fd = -1;
	b->nlisten++;
	return 0;
}

/* The name goes into a header and a JSON string: printable ASCII only, quotes escaped. */
static int backend_set_id(struct backend *b, const char *id)
{
	size_t i, j = 0, len = strlen(id);

	if (len == 0 || len > BACKEND_ID_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char ch = id[i];

		if (ch < 0x21 || ch > 0x7e)
			return -EINVAL;
		if (ch == '"' || ch == '\\')
			b->id_json[j++] = '\\';
		b->id_json[j++] = ch;
	}
	b->id_json[j] = '\0';
	memcpy(b->id, id, len + 1);
	return 0;
}

static void backend_on_accept(struct loop *loop, int fd, uint32_t events, void *arg);
static void backend_on_conn(struct loop *loop, int fd, uint32_t events, void *arg);

static int backend_listen_open(struct backend *b, struct backend_listen *l)
{
	int one = 1, fd, err;

	fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* v6 sockets take only v6, so that 0.0.0.0:P and [::]:P can both be bound */
	if (l->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&l->addr, l->addrlen) || listen(fd, 1024)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = loop_fd_add(b->loop, fd, EPOLLIN, backend_on_accept, l);
	if (err)
		close(fd);
	else
		l->fd = fd;
	return err;
}

/* Stops accepting while max_conns connections are open, and starts again below that. */
static void backend_accept_pause(struct backend *b, bool pause)
{
	int i;

	if (b->accept_paused == pause)
		return;
	for (i = 0; i < b->nlisten; i++)
		if (b->listen[i].fd >= 0)
			loop_fd_mod(b->loop, b->listen[i].fd, pause ? 0 : EPOLLIN);
	b->accept_paused = pause;
}

static void backend_conn_close(struct backend *b, struct backend_conn *c)
{
	loop_timer_disarm(b->loop, &c->hold);
	loop_fd_del(b->loop, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		b->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	b->nconns--;
	if (b->nconns < b->max_conns)
		backend_accept_pause(b, false);
}

static void backend_on_accept(struct loop *loop, int lfd, uint32_t events, void *arg)
{
	struct backend_listen *l = arg;
	struct backend *b = l->owner;
	int one = 1;

	for (;;) {
		struct backend_conn *c;
		int fd = loop_accept(loop, lfd);

		if (fd == -EAGAIN)
			return;
		if (fd < 0) {
			/* out of fds or memory, loop_accept paused the listener; errors are
			 * said once in a while, not on every retry
			 */
			if (backend_now() - b->accept_err_logged >= 10) {
				fprintf(stderr, "xlb-backend %s: accept on %s: %s\n", b->id,
					l->text, strerror(-fd));
				b->accept_err_logged = backend_now();
			}
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			loop_fd_pause(loop, lfd, LOOP_ACCEPT_PAUSE_MS);
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->owner = b;
		c->fd = fd;
		c->events = EPOLLIN;
		c->last_active = backend_now();
		if (loop_fd_add(loop, fd, c->events, backend_on_conn, c)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = b->conns;
		if (b->conns)
			b->conns->prev = c;
		b->conns = c;
		b->nconns++;
		b->conns_total++;
		if (b->nconns >= b->max_conns) {
			backend_accept_pause(b, true);
			return;
		}
	}
}

/* Burns about ms milliseconds of this thread's CPU time (not wall time: under a cgroup quota
 * the same request costs the same CPU, it just takes longer). Gives up early when SIGTERM or
 * SIGINT is pending, so that a stop is not held up by work. Returns the ms burnt.
 */
static unsigned int backend_burn(unsigned int ms)
{
	const uint64_t target = (uint64_t)ms * 1000000;
	volatile uint64_t x = 1;
	struct timespec t0, t;
	uint64_t spent = 0;
	sigset_t pending;
	int i;

	if (!ms)
		return 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	while (spent < target) {
		for (i = 0; i < 20000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		spent = (uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000 + t.tv_nsec - t0.tv_nsec;
		if (sigpending(&pending) == 0 &&
		    (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
			break;
	}
	return spent / 1000000;
}

/* Appends one reply to c->out. Errors other than 404/405 close the connection after it. */
static void backend_reply(struct backend *b, struct backend_conn *c, const struct backend_req *r,
			  enum backend_status st, const char *type, const char *body)
{
	size_t room = sizeof(c->out) - c->out_len, blen = strlen(body);
	bool keep = r->keep_alive && (st == ST_200 || st == ST_404 || st == ST_405);
	int n;

	n = snprintf(c->out + c->out_len, room,
		     "HTTP/1.1 %d %s\r\n"
		     "Server: xlb-backend\r\n"
		     "X-Instance: %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "%s"
		     "Connection: %s\r\n"
		     "\r\n"
		     "%s",
		     backend_statuses[st].code, backend_statuses[st].reason, b->id, type, blen,
		     st == ST_405 ? "Allow: GET, HEAD\r\n" : "", keep ? "keep-alive" : "close",
		     r->head ? "" : body);
	if (n < 0 || (size_t)n >= room) {
		/* cannot happen: a reply is started only with BACKEND_REPLY_MAX of room */
		c->close_after = true;
		return;
	}
	c->out_len += n;
	b->requests++;
	b->status_count[st]++;
	if (!keep)
		c->close_after = true;
}

static void backend_stats_json(struct backend *b, char *buf, size_t size)
{
	size_t off;
	int i;

	off = snprintf(buf, size,
		       "{\"instance\":\"%s\",\"requests\":%" PRIu64 ",\"served\":%" PRIu64
		       ",\"connections\":%" PRIu64 ",\"open\":%u,\"work_ms\":%" PRIu64
		       ",\"status\":{",
		       b->id_json, b->requests, b->served, b->conns_total, b->nconns,
		       b->work_ms_total);
	for (i = 0; i < ST_MAX && off < size; i++)
		off += snprintf(buf + off, size - off, "%s\"%d\":%" PRIu64, i ? "," : "",
				backend_statuses[i].code, b->status_count[i]);
	if (off < size)
		snprintf(buf + off, size - off, "}}\n");
}

/* Reads ?work=MS or ?ms=MS. Returns -EINVAL on a malformed number. */
static int backend_query_work(const char *q, size_t len, unsigned int *ms)
{
	const char *end = q + len;

	*ms = 0;
	while (q < end) {
		const char *amp = memchr(q, '&', end - q), *eq;
		size_t plen = (amp ? amp : end) - q;

		eq = memchr(q, '=', plen);
		if (eq && ((eq - q == 4 && !memcmp(q, "work", 4)) ||
			   (eq - q == 2 && !memcmp(q, "ms", 2)))) {
			const char *v = eq + 1, *vend = q + plen;
			unsigned long val = 0;

			if (v == vend || vend - v > 9)
				return -EINVAL;
			for (; v < vend; v++) {
				if (*v < '0' || *v > '9')
					return -EINVAL;
				val = val * 10 + (*v - '0');
			}
			*ms = val > UINT_MAX ? UINT_MAX : val;
		}
		q += plen + (amp ? 1 : 0);
	}
	return 0;
}

static bool backend_path_is(const struct backend_req *r, const char *path)
{
	return r->path_len == strlen(path) && !memcmp(r->path, path, r->path_len);
}

static void backend_route(struct backend *b, struct backend_conn *c, struct backend_req *r)
{
	char body[BACKEND_REPLY_MAX / 2];
	unsigned int ms;

	if (r->status != ST_200) {
		snprintf(body, sizeof(body), "{\"instance\":\"%s\",\"error\":\"%s\"}\n", b->id_json,
			 backend_statuses[r->status].reason);
		backend_reply(b, c, r, r->status, "application/json", body);
		return;
	}
	if (backend_path_is(r, "/health")) {
		backend_reply(b, c, r, ST_200, "text/plain", "ok\n");
		return;
	}
	if (backend_path_is(r, "/stats")) {
		backend_stats_json(b, body, sizeof(body));
		backend_reply(b, c, r, ST_200, "application/json", body);
		return;
	}
	if (!backend_path_is(r, "/") && !backend_path_is(r, "/work") &&
	    !backend_path_is(r, "/whoami")) {
		snprintf(body, sizeof(body), "{\"instance\":\"%s\",\"error\":\"not found\"}\n",
			 b->id_json);
		backend_reply(b, c, r, ST_404, "application/json", body);
		return;
	}
	if (backend_query_work(r->query, r->query_len, &ms)) {
		snprintf(body, sizeof(body), "{\"instance\":\"%s\",\"error\":\"bad work value\"}\n",
			 b->id_json);
		backend_reply(b, c, r, ST_400, "application/json", body);
		return;
	}
	if (ms > b->max_work_ms)
		ms = b->max_work_ms;
	ms = backend_burn(ms);
	b->work_ms_total += ms;
	b->served++;
	c->held = b->delay_ms > 0;
	if (backend_path_is(r, "/whoami")) {
		snprintf(body, sizeof(body), "%s\n", b->id);
		backend_reply(b, c, r, ST_200, "text/plain", body);
	} else {
		snprintf(body, sizeof(body),
			 "{\"instance\":\"%s\",\"served\":%" PRIu64 ",\"work_ms\":%u}\n",
			 b->id_json, b->served, ms);
		backend_reply(b, c, r, ST_200, "application/json", body);
	}
}

/* Parses the request in buf[0..len), which ends with the empty line. Sets r->status to the
 * error to answer when the request is bad.
 */
static void backend_parse(const char *buf, size_t len, struct backend_req *r)
{
	struct http_request rl;
	struct http_framing fr;
	int err;

	memset(r, 0, sizeof(*r));
	r->path = "";
	r->query = "";
	err = http_request_parse(buf, len, &rl);
	if (!err && rl.target[0] != '/')
		err = -EPROTO;
	if (err) {
		r->status = err == -EPROTONOSUPPORT ? ST_505 : ST_400;
		return;
	}
	r->path = rl.target;
	r->path_len = rl.path_len;
	r->query = rl.query;
	r->query_len = rl.query_len;
	r->head = rl.method_len == 4 && !memcmp(rl.method, "HEAD", 4);
	if (!r->head && !(rl.method_len == 3 && !memcmp(rl.method, "GET", 3)))
		r->status = ST_405;

	err = http_fields_parse(buf, len, BACKEND_LENGTH_CHARS, BACKEND_BODY_MAX, &fr);
	r->body_len = fr.body_len < 0 ? 0 : fr.body_len;
	if (err) {
		/* -ENOTSUP is a Transfer-Encoding: no chunked bodies, nothing here needs them */
		r->status = err == -EFBIG ? ST_413 : err == -ENOTSUP ? ST_501 : ST_400;
		return;
	}
	r->keep_alive = http_keep_alive(rl.version == 1, &fr);
}

static void backend_conn_set_events(struct backend *b, struct backend_conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	c->events = events;
	loop_fd_mod(b->loop, c->fd, events);
}

/* Handles the complete requests in c->in, as long as replies fit in c->out. Returns true
 * when it stopped for lack of room in c->out, with requests possibly left to handle.
 */
static bool backend_conn_process(struct backend *b, struct backend_conn *c)
{
	while (!c->close_after && !c->held) {
		struct backend_req r;
		size_t hlen;

		if (c->body_left) {
			size_t n = c->body_left < c->in_len ? c->body_left : c->in_len;

			memmove(c->in, c->in + n, c->in_len - n);
			c->in_len -= n;
			c->body_left -= n;
			if (c->body_left)
				return false;
		}
		if (sizeof(c->out) - c->out_len < BACKEND_REPLY_MAX)
			return true; /* pipelined requests wait until the replies drain */
		hlen = http_header_end(c->in, c->in_len);
		if (!hlen) {
			if (c->in_len == sizeof(c->in)) {
				memset(&r, 0, sizeof(r));
				r.status = ST_431;
				backend_route(b, c, &r);
			}
			return false;
		}
		backend_parse(c->in, hlen, &r);
		backend_route(b, c, &r);
		memmove(c->in, c->in + hlen, c->in_len - hlen);
		c->in_len -= hlen;
		c->body_left = r.body_len;
	}
	return false;
}

static void backend_on_hold(struct loop *loop, struct loop_timer *timer, void *arg);

/* Sends what is queued, unless a reply is held (--delay): then the connection is left alone,
 * not even read, until the hold timer ends it. Returns false when the connection was closed.
 */
static bool backend_conn_flush(struct backend *b, struct backend_conn *c)
{
	int sent;

	if (c->held) {
		if (!loop_timer_armed(&c->hold) &&
		    loop_timer_arm(b->loop, &c->hold, b->delay_ms, 0, backend_on_hold, c)) {
			backend_conn_close(b, c);
			return false;
		}
		backend_conn_set_events(b, c, 0);
		return true;
	}
	sent = loop_send_pending(c->fd, c->out, c->out_len, &c->out_off);
	if (sent < 0) {
		backend_conn_close(b, c);
		return false;
	}
	if (!sent) {
		backend_conn_set_events(b, c, EPOLLOUT);
		return true;
	}
	c->out_off = c->out_len = 0;
	if (c->close_after && !c->lingering) {
		/* Half-close and wait for the client's FIN: closing with unread input would
		 * send an RST that can destroy the reply before the client reads it.
		 */
		shutdown(c->fd, SHUT_WR);
		c->lingering = true;
		c->last_active = backend_now();
	}
	backend_conn_set_events(b, c, EPOLLIN);
	return true;
}

/* Handles what was read and sends the replies, as long as there is room and nothing held. */
static void backend_conn_run(struct backend *b, struct backend_conn *c)
{
	bool more;

	/* Pipelined requests already read wait for no new input: handle them as soon as the
	 * replies before them are sent.
	 */
	do {
		more = !c->lingering && backend_conn_process(b, c);
		if (!backend_conn_flush(b, c))
			return;
	} while (more && c->out_len == 0);
}

static void backend_on_hold(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct backend_conn *c = arg;

	(void)loop;
	(void)timer;
	c->held = false;
	c->last_active = backend_now();
	/* the held reply leaves first, then the requests read meanwhile are handled */
	if (backend_conn_flush(c->owner, c))
		backend_conn_run(c->owner, c);
}

static void backend_on_conn(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct backend_conn *c = arg;
	struct backend *b = c->owner;

	if (events & EPOLLIN) {
		char *dst = c->in + c->in_len;
		size_t room = sizeof(c->in) - c->in_len;
		char scratch[4096];
		ssize_t n = 1;

		/* after the reply of a closing request, input is read only to see the FIN */
		if (c->lingering) {
			dst = scratch;
			room = sizeof(scratch);
		}
		if (room)
			n = recv(c->fd, dst, room, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			backend_conn_close(b, c);
			return;
		}
		if (n > 0 && dst != scratch) {
			c->in_len += n;
			c->last_active = backend_now();
		}
	} else if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLOUT)) {
		backend_conn_close(b, c);
		return;
	}
	backend_conn_run(b, c);
}

static void backend_print_counts(struct backend *b)
{
	int i;

	fprintf(stderr,
		"xlb-backend %s: requests=%" PRIu64 " served=%" PRIu64 " connections=%" PRIu64
		" open=%u work_ms=%" PRIu64,
		b->id, b->requests, b->served, b->conns_total, b->nconns, b->work_ms_total);
	for (i = 0; i < ST_MAX; i++)
		if (b->status_count[i])
			fprintf(stderr, " status_%d=%" PRIu64, backend_statuses[i].code,
				b->status_count[i]);
	fprintf(stderr, "\n");
}

static void backend_on_tick(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct backend *b = arg;
	struct backend_conn *c, *next;
	time_t now = backend_now();

	for (c = b->conns; c; c = next) {
		next = c->next;
		if (c->held)
			continue;
		if (now - c->last_active >= (c->lingering ? BACKEND_LINGER_S : b->idle_timeout_s))
			backend_conn_close(b, c);
	}
	if (b->nconns < b->max_conns)
		backend_accept_pause(b, false);
}

static void backend_on_signal(struct loop *loop, int signo, void *arg)
{
	if (signo == SIGUSR1)
		backend_print_counts(arg);
	else
		loop_stop(loop);
}

static int backend_write_pidfile(struct backend *b)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", b->pidfile) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", getpid());
	if (fclose(f))
		err = -errno;
	/* rename, so that a reader never sees an empty file */
	if (!err && rename(tmp, b->pidfile))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		b->pidfile_written = true;
	return err;
}

static int backend_setup(struct backend *b)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGUSR1 };
	int i, n = 0, err;

	signal(SIGPIPE, SIG_IGN);
	err = loop_new(&b->loop);
	for (i = 0; !err && i < (int)(sizeof(signals) / sizeof(signals[0])); i++)
		err = loop_signal_add(b->loop, signals[i], backend_on_signal, b);
	if (!err)
		err = loop_timer_arm(b->loop, &b->tick, 1000, 1000, backend_on_tick, b);
	if (err)
		return err;

	for (i = 0; i < b->nlisten; i++) {
		struct backend_listen *l = &b->listen[i];

		err = backend_listen_open(b, l);
		if (err && l->optional && (err == -EAFNOSUPPORT || err == -EADDRNOTAVAIL)) {
			if (!b->quiet)
				fprintf(stderr, "xlb-backend %s: skipping %s: %s\n", b->id, l->text,
					strerror(-err));
			continue;
		}
		if (err) {
			fprintf(stderr, "xlb-backend %s: listen on %s: %s\n", b->id, l->text,
				strerror(-err));
			return err;
		}
		n++;
	}
	if (!n) {
		fprintf(stderr, "xlb-backend %s: no address to listen on\n", b->id);
		return -EADDRNOTAVAIL;
	}
	if (b->pidfile) {
		err = backend_write_pidfile(b);
		if (err) {
			fprintf(stderr, "xlb-backend %s: pidfile %s: %s\n", b->id, b->pidfile,
				strerror(-err));
			return err;
		}
	}
	if (!b->quiet) {
		fprintf(stderr, "xlb-backend %s: listening on", b->id);
		for (i = 0; i < b->nlisten; i++)
			if (b->listen[i].fd >= 0)
				fprintf(stderr, " %s", b->listen[i].text);
		fprintf(stderr, "\n");
	}
	return 0;
}

static void backend_cleanup(struct backend *b)
{
	int i;

	while (b->conns)
		backend_conn_close(b, b->conns);
	for (i = 0; i < b->nlisten; i++)
		if (b->listen[i].fd >= 0) {
			loop_fd_del(b->loop, b->listen[i].fd);
			close(b->listen[i].fd);
		}
	if (b->loop) {
		loop_timer_disarm(b->loop, &b->tick);
		loop_free(b->loop);
	}
	if (b->pidfile_written)
		unlink(b->pidfile);
}

static const char *backend_opt_listen(const char *arg, void *target)
{
	int err = backend_parse_listen(target, arg, false);

	return !err ? NULL : err == -E2BIG ? "too many addresses" : "want ADDR:PORT";
}

int main(int argc, char **argv)
{
	static struct backend b = {
		.max_conns = 4096,
		.idle_timeout_s = 30,
		.max_work_ms = 1000,
		.accept_err_logged = -3600,
	};
	const char *id = NULL;
	const struct opts_opt opts[] = {
		{ "listen", 'l', OPTS_CALL, &b, "ADDR:PORT",
		  "listen there; repeatable; [IPv6]:PORT, or PORT alone\n"
		  "for 0.0.0.0:PORT and [::]:PORT (default: port 80)",
		  .parse = backend_opt_listen },
		{ "id", 'i', OPTS_STRING, &id, "NAME",
		  "instance name (default: $XLB_INSTANCE_ID, else the\nhostname)" },
		{ "pidfile", 'p', OPTS_STRING, &b.pidfile, "FILE",
		  "write the pid there once listening; removed on exit" },
		{ "max-work", 'w', OPTS_UINT, &b.max_work_ms, "MS",
		  "cap of the work a request may ask for (default 1000)", 0, BACKEND_WORK_CAP_MS },
		{ "delay", 'd', OPTS_UINT, &b.delay_ms, "MS",
		  "hold every reply of /, /work and /whoami MS ms\n"
		  "(wall time, no CPU; other connections go on): a\nslow backend (default 0)",
		  0, BACKEND_DELAY_CAP_MS },
		{ "idle-timeout", 't', OPTS_UINT, &b.idle_timeout_s, "S",
		  "close connections idle this long (default 30)", 1, 86400 },
		{ "max-conns", 'c', OPTS_UINT, &b.max_conns, "N",
		  "open connections at most (default 4096)", 1, 1000000 },
		{ "quiet", 'q', OPTS_FLAG, &b.quiet, NULL,
		  "print nothing but errors and the counts on exit" },
		{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },
		{},
	};
	const struct opts_tool tool = { "xlb-backend", backend_synopsis, backend_epilog, 27, opts };
	char host[256];
	int first, err;

	err = opts_parse(&tool, argc, argv, &first);
	if (err)
		return err == 1 ? 0 : err;
	if (first < argc) {
		fprintf(stderr, "xlb-backend: unexpected argument '%s'\n", argv[first]);
		return 2;
	}
	if (!id || !*id)
		id = getenv("XLB_INSTANCE_ID");
	if (!id || !*id) {
		if (gethostname(host, sizeof(host)))
			strcpy(host, "xlb-backend");
		host[sizeof(host) - 1] = '\0';
		id = host;
	}
	if (backend_set_id(&b, id)) {
		fprintf(stderr,
			"xlb-backend: bad instance name '%s' (1..%d printable characters)\n", id,
			BACKEND_ID_MAX);
		return 2;
	}
	if (!b.nlisten)
		backend_parse_listen(&b, "80", true);

	err = backend_setup(&b);
	if (!err)
		err = loop_run(b.loop);
	if (err && err != -EADDRNOTAVAIL)
		fprintf(stderr, "xlb-backend %s: %s\n", b.id, strerror(-err));
	backend_print_counts(&b);
	backend_cleanup(&b);
	return err ? 1 : 0;
}
