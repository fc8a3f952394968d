// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb-load: an open-loop HTTP/1.1 load generator for the demo and the tests. Requests are due
 * on a schedule of phases (duration @ rate) whatever the server does; a cap on requests in
 * flight makes the excess queue instead of the rate quietly dropping. Per-second CSV, one CSV
 * line per failed request with monotonic times, a summary. One thread on loop.c, non-blocking.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "opts.h"

#define LOAD_MAX_PHASES 64
#define LOAD_MAX_RATE 1000000.0 /* requests a second */
#define LOAD_MAX_TOTAL_S 86400	/* a run is bounded: one day at most */
#define LOAD_IN_MAX 8192	/* reply headers and the start of the body kept per request */
#define LOAD_REQ_MAX 2048	/* the request we send */
#define LOAD_LENGTH_CHARS 15	/* longest Content-Length read: far inside int64_t */
#define LOAD_ID_MAX 64		/* instance names longer than this are cut */
#define LOAD_MAX_INSTANCES 1024 /* distinct names counted; more go to "(other)" */
#define LOAD_FD_SPARE 16	/* fds beyond the connections: epoll, timer, files */
#define LOAD_HIST_SUB 32	/* histogram: 32 buckets per power of two, about 3% wide */
#define LOAD_HIST_N (36 * LOAD_HIST_SUB) /* up to 2^40 us, beyond any timeout we accept */
#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull

/* Where a request failed; also the columns of the summary. */
enum load_stage {
	LOAD_CONNECT,
	LOAD_SEND,
	LOAD_RECV,
	LOAD_TIMEOUT,
	LOAD_HTTP,
	LOAD_QUEUE, /* waited for a free slot longer than --timeout: never sent */
	LOAD_STAGE_MAX,
};

static const char *const load_stage_names[LOAD_STAGE_MAX] = {
	[LOAD_CONNECT] = "connect", [LOAD_SEND] = "send", [LOAD_RECV] = "recv",
	[LOAD_TIMEOUT] = "timeout", [LOAD_HTTP] = "http", [LOAD_QUEUE] = "queue",
};

struct load_phase {
	uint64_t dur_ns;
	double rate; /* requests a second; 0 is a pause */
};

/* Latencies in microseconds, log-linear buckets: percentiles to about 3% without keeping
 * every sample, so a long run costs no more memory than a short one.
 */
struct load_hist {
	uint64_t n;
	uint64_t max_us;
	uint32_t b[LOAD_HIST_N];
};

struct load_counts {
	uint64_t sent; /* requests started: a connect, or a send on a kept-alive connection */
	uint64_t ok;
	uint64_t failed; /* every stage, queue included */
	uint64_t by_stage[LOAD_STAGE_MAX];
};

/* One connection and the request it carries. Busy ones are on a list in the order their
 * requests were due, which is also the order of their deadlines (one timeout for all).
 */
struct load;

struct load_conn {
	struct load *owner;
	int fd;
	struct load_conn *prev, *next;
	enum load_stage stage; /* LOAD_CONNECT, LOAD_SEND or LOAD_RECV while busy */
	bool idle;	       /* kept alive, waiting for the next request */
	bool connected;
	bool server_close; /* the reply ends the connection */
	uint32_t events;
	uint16_t lport;
	uint64_t due, start, connected_at; /* ns since the start */
	size_t out_off;
	size_t in_len;	  /* bytes kept in in[] */
	size_t hdr_len;	  /* 0 until the header block is complete */
	int status;	  /* the reply's status code */
	int64_t body_len; /* Content-Length, or -1: until the server closes */
	uint64_t body_got;
	char in[LOAD_IN_MAX];
};

struct load_instance {
	char name[LOAD_ID_MAX + 1];
	uint64_t ok;
};

struct load {
	/* settings */
	struct sockaddr_storage dst, src;
	socklen_t dst_len, src_len;
	bool bind_src;
	const char *url;
	char req[LOAD_REQ_MAX];
	size_t req_len;
	struct load_phase phases[LOAD_MAX_PHASES];
	int nphases;
	uint64_t total_ns; /* of all phases */
	unsigned int max_conns;
	uint64_t timeout_ns;
	bool keep_alive, live, json, quiet;
	FILE *stats, *failures;
	const char *stats_path, *failures_path, *start_path;

	/* clocks: every time below is ns since t0 on CLOCK_MONOTONIC */
	uint64_t t0;
	struct timespec t0_real, t0_mono;
	struct loop *loop;
	int tfd;	/* a timerfd of ns precision: requests are due at a rate, not by the ms */
	uint64_t armed; /* what tfd is armed for */

	/* the schedule */
	int phase;	      /* index of the phase next_due is in */
	uint64_t k;	      /* number of the next request within that phase */
	uint64_t phase_start; /* of phases[phase] */
	uint64_t next_due;
	bool sched_done;
	uint64_t hold_until; /* the run lasts the phases' length, unless stopped */

	/* due requests waiting for a free slot: a ring of due times */
	uint64_t *queue;
	size_t qcap, qhead, qlen;

	/* connections */
	struct load_conn *busy_head, *busy_tail, *idle;
	unsigned int nbusy, nidle;
	uint64_t conns_opened;

	/* counts */
	uint64_t scheduled, unsent, unfinished;
	struct load_counts tot, iv;
	struct load_hist hist_tot, hist_iv;
	uint64_t next_stats, last_line;
	struct load_instance *inst;
	size_t ninst;
	uint64_t other_ok;
	int signals;
	bool stop;
	int write_err; /* first failed write to the stats or failures file */
	int timer_err; /* a failed read of tfd */
};

static uint64_t load_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static uint64_t load_now(const struct load *l)
{
	return load_mono_ns() - l->t0;
}

static double load_ms(uint64_t ns)
{
	return (double)ns / NS_PER_MS;
}

static const char load_synopsis[] =
	"Usage: xlb-load [OPTIONS] URL\n"
	"Open-loop HTTP/1.1 load: requests are due at a rate, whatever the server does.\n"
	"URL is http://ADDR[:PORT][/PATH], ADDR an IPv4 address or [IPv6].\n"
	"\n";

static const char load_epilog[] =
	"\n"
	"Stats columns: t,phase,sent,ok,failed,in_flight,p50_ms,p99_ms,queued.\n"
	"Failures columns: t_start_ms,t_end_ms,local_port,stage,error,t_connected_ms.\n"
	"Exit status: 0 when the run ended (failed requests are in the counts), 1 on a\n"
	"runtime error, 2 on a usage error. See man xlb-load.\n";

/* --- latency histogram --- */

static unsigned int load_hist_index(uint64_t us)
{
	unsigned int msb, shift;

	if (us < 2 * LOAD_HIST_SUB)
		return us;
	msb = 63 - __builtin_clzll(us);
	shift = msb - 5; /* keeps the top six bits: 32..63 */
	if (shift >= LOAD_HIST_N / LOAD_HIST_SUB - 1)
		return LOAD_HIST_N - 1;
	return shift * LOAD_HIST_SUB + (us >> shift);
}

/* The middle of a bucket, in microseconds. */
static double load_hist_value(unsigned int i)
{
	unsigned int shift, mant;

	if (i < 2 * LOAD_HIST_SUB)
		return i;
	shift = i / LOAD_HIST_SUB - 1;
	mant = i % LOAD_HIST_SUB + LOAD_HIST_SUB;
	return ((double)mant + 0.5) * (double)(1ull << shift);
}

static void load_hist_add(struct load_hist *h, uint64_t us)
{
	h->b[load_hist_index(us)]++;
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
}

/* The q-quantile in ms (never above the maximum seen), or NAN without samples. */
static double load_hist_ms(const struct load_hist *h, double q)
{
	uint64_t want, seen = 0;
	unsigned int i;
	double v;

	if (!h->n)
		return NAN;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want < 1)
		want = 1;
	for (i = 0; i < LOAD_HIST_N; i++) {
		seen += h->b[i];
		if (seen >= want)
			break;
	}
	v = load_hist_value(i < LOAD_HIST_N ? i : LOAD_HIST_N - 1);
	if (v > (double)h->max_us)
		v = (double)h->max_us;
	return v / 1000.0;
}

/* --- options --- */

/* Parses "A.B.C.D" or "V6" (brackets optional) into sa with the given port. */
static int load_parse_addr(const char *s, size_t len, uint16_t port, struct sockaddr_storage *sa,
			   socklen_t *sa_len)
{
	char host[INET6_ADDRSTRLEN + 1];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	return loop_sockaddr_parse(strchr(host, ':') ? AF_INET6 : AF_INET, host, port, sa, sa_len);
}

/* http://ADDR[:PORT][/PATH]: fills the destination and builds the request. Numeric addresses
 * only: the tool runs inside namespaces where names rarely resolve, and a lookup would block.
 */
static int load_parse_url(struct load *l, const char *url, const char **why)
{
	const char *host, *end, *path, *colon = NULL, *p;
	unsigned long port = 80;
	size_t hlen;
	int n;

	*why = "want http://ADDR[:PORT][/PATH]";
	if (strncasecmp(url, "http://", 7) != 0)
		return -EINVAL;
	host = url + 7;
	end = host + strcspn(host, "/?#");
	if (host[0] == '[') {
		const char *close = memchr(host, ']', end - host);

		if (!close)
			return -EINVAL;
		if (close + 1 < end) {
			if (close[1] != ':')
				return -EINVAL;
			colon = close + 1;
		}
	} else {
		colon = memchr(host, ':', end - host);
	}
	hlen = (colon ? colon : end) - host;
	if (colon) {
		char *pend;

		errno = 0;
		port = strtoul(colon + 1, &pend, 10);
		if (errno || pend != end || colon + 1 == end || port == 0 || port > 65535) {
			*why = "bad port";
			return -EINVAL;
		}
	}
	if (load_parse_addr(host, hlen, port, &l->dst, &l->dst_len)) {
		*why = "ADDR must be an IPv4 address or [IPv6] (no names)";
		return -EINVAL;
	}
	path = *end == '\0' ? "/" : end;
	if (*path == '#')
		path = "/";
	for (p = path; *p && *p != '#'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			*why = "the path has a space or a control character";
			return -EINVAL;
		}
	n = snprintf(l->req, sizeof(l->req),
		     "GET %s%.*s HTTP/1.1\r\n"
		     "Host: %.*s\r\n"
		     "User-Agent: xlb-load\r\n"
		     "Accept: */*\r\n"
		     "Connection: %s\r\n"
		     "\r\n",
		     *path == '?' ? "/" : "", (int)(p - path), path, (int)(end - host), host,
		     l->keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof(l->req)) {
		*why = "too long";
		return -EINVAL;
	}
	l->req_len = n;
	return 0;
}

/* A decimal number of seconds with an optional unit: 10, 2.5s, 500ms, 2m. */
static int load_parse_seconds(const char *s, size_t len, uint64_t *ns)
{
	char buf[32], *end;
	double v, mult = 1;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (errno || end == buf || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		mult = 0.001;
	else if (!strcmp(end, "m"))
		mult = 60;
	else if (strcmp(end, "s") && *end)
		return -EINVAL;
	v *= mult;
	if (v > LOAD_MAX_TOTAL_S)
		return -ERANGE;
	*ns = (uint64_t)llround(v * 1e9);
	return 0;
}

static int load_parse_rate(const char *s, double *rate)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || v > LOAD_MAX_RATE)
		return -EINVAL;
	*rate = v;
	return 0;
}

/* "DURATION@RATE" */
static int load_parse_phase(struct load *l, const char *arg)
{
	const char *at = strchr(arg, '@');
	struct load_phase *p;

	if (l->nphases >= LOAD_MAX_PHASES)
		return -E2BIG;
	if (!at)
		return -EINVAL;
	p = &l->phases[l->nphases];
	if (load_parse_seconds(arg, at - arg, &p->dur_ns) || !p->dur_ns ||
	    load_parse_rate(at + 1, &p->rate))
		return -EINVAL;
	l->nphases++;
	return 0;
}

static const char *load_opt_phase(const char *arg, void *l)
{
	int err = load_parse_phase(l, arg);

	return !err	     ? NULL :
	       err == -E2BIG ? "too many phases (64 at most)" :
			       "want DURATION@RATE, e.g. 10s@50";
}

static const char *load_opt_duration(const char *arg, void *ns)
{
	return load_parse_seconds(arg, strlen(arg), ns) ? "seconds, or 500ms, 2m" : NULL;
}

static const char *load_opt_timeout(const char *arg, void *target)
{
	uint64_t *ns = target;

	if (load_parse_seconds(arg, strlen(arg), ns) || *ns < NS_PER_MS || *ns > 3600 * NS_PER_S)
		return "1ms to 3600 s";
	return NULL;
}

static const char *load_opt_bind(const char *arg, void *target)
{
	struct load *l = target;

	if (load_parse_addr(arg, strlen(arg), 0, &l->src, &l->src_len))
		return "want an IPv4 or IPv6 address";
	l->bind_src = true;
	return NULL;
}

/* --- output --- */

static const char *load_errno_name(int err, char *buf, size_t size)
{
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, size, "E%d", err);
	return buf;
}

static void load_check_write(struct load *l, FILE *f)
{
	if (!l->write_err && f && ferror(f))
		l->write_err = errno ? errno : EIO;
}

/* Instance names go into CSV comments and JSON strings: printable ASCII, no quote, backslash
 * or comma (those become '_').
 */
static void load_instance_of(const char *body, size_t len, char *out)
{
	static const char key[] = "\"instance\"";
	const char *p = memmem(body, len, key, sizeof(key) - 1), *end = body + len;
	size_t n = 0;

	strcpy(out, "-");
	if (!p)
		return;
	p += sizeof(key) - 1;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= end || *p++ != ':')
		return;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= end || *p++ != '"')
		return;
	while (p < end && *p != '"' && n < LOAD_ID_MAX) {
		unsigned char ch = *p++;

		if (ch == '\\' && p < end)
			ch = *p++;
		if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\' || ch == ',')
			ch = '_';
		out[n++] = ch;
	}
	if (n == 0)
		return;
	out[n] = '\0';
}

static void load_count_instance(struct load *l, const char *name)
{
	struct load_instance *in;
	size_t i;

	for (i = 0; i < l->ninst; i++)
		if (!strcmp(l->inst[i].name, name)) {
			l->inst[i].ok++;
			return;
		}
	if (l->ninst >= LOAD_MAX_INSTANCES) {
		l->other_ok++;
		return;
	}
	in = realloc(l->inst, (l->ninst + 1) * sizeof(*in));
	if (!in) {
		l->other_ok++;
		return;
	}
	l->inst = in;
	snprintf(in[l->ninst].name, sizeof(in[l->ninst].name), "%s", name);
	in[l->ninst].ok = 1;
	l->ninst++;
}

/* The phase (1-based) that time t is in; 0 after the last one. */
static int load_phase_at(const struct load *l, uint64_t t)
{
	uint64_t start = 0;
	int i;

	for (i = 0; i < l->nphases; i++) {
		start += l->phases[i].dur_ns;
		if (t < start)
			return i + 1;
	}
	return 0;
}

static void load_fmt_ms(char *buf, size_t size, double ms)
{
	if (isnan(ms))
		buf[0] = '\0';
	else
		snprintf(buf, size, "%.3f", ms);
}

/* One line per interval: the stats file's and the live one, then the interval's counts reset. */
static void load_interval_end(struct load *l, uint64_t now)
{
	double p50 = load_hist_ms(&l->hist_iv, 0.5), p99 = load_hist_ms(&l->hist_iv, 0.99);
	int phase = load_phase_at(l, now);

	if (l->stats) {
		char s50[32], s99[32];

		load_fmt_ms(s50, sizeof(s50), p50);
		load_fmt_ms(s99, sizeof(s99), p99);
		fprintf(l->stats, "%.3f,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%s,%s,%zu\n",
			(double)now / NS_PER_S, phase, l->iv.sent, l->iv.ok, l->iv.failed, l->nbusy,
			s50, s99, l->qlen);
		load_check_write(l, l->stats);
	}
	if (l->live)
		fprintf(stderr,
			"xlb-load: t=%.1f phase %d/%d sent %" PRIu64 " ok %" PRIu64
			" failed %" PRIu64 " in-flight %u queued %zu p50 %.2f ms p99 %.2f ms\n",
			(double)now / NS_PER_S, phase, l->nphases, l->iv.sent, l->iv.ok,
			l->iv.failed, l->nbusy, l->qlen, isnan(p50) ? 0.0 : p50,
			isnan(p99) ? 0.0 : p99);
	memset(&l->iv, 0, sizeof(l->iv));
	memset(&l->hist_iv, 0, sizeof(l->hist_iv));
	l->last_line = now;
}

static void load_record_failure(struct load *l, enum load_stage stage, const char *error,
				uint64_t start, uint64_t end, uint16_t lport, bool connected,
				uint64_t connected_at)
{
	l->tot.failed++;
	l->iv.failed++;
	l->tot.by_stage[stage]++;
	l->iv.by_stage[stage]++;
	if (!l->failures)
		return;
	fprintf(l->failures, "%.3f,%.3f,%u,%s,%s,", load_ms(start), load_ms(end), lport,
		load_stage_names[stage], error);
	if (connected)
		fprintf(l->failures, "%.3f", load_ms(connected_at));
	fputc('\n', l->failures);
	load_check_write(l, l->failures);
}

/* --- connections --- */

static void load_conn_events(struct load *l, struct load_conn *c, uint32_t events)
{
	if (c->events == events)
		return;
	if (!loop_fd_mod(l->loop, c->fd, events))
		c->events = events;
}

static void load_busy_unlink(struct load *l, struct load_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->busy_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->busy_tail = c->prev;
	c->prev = c->next = NULL;
	l->nbusy--;
}

static void load_busy_append(struct load *l, struct load_conn *c)
{
	c->prev = l->busy_tail;
	c->next = NULL;
	if (l->busy_tail)
		l->busy_tail->next = c;
	else
		l->busy_head = c;
	l->busy_tail = c;
	l->nbusy++;
}

static void load_idle_unlink(struct load *l, struct load_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->idle = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->idle = false;
	l->nidle--;
}

static void load_conn_free(struct load *l, struct load_conn *c)
{
	if (c->fd >= 0) {
		loop_fd_del(l->loop, c->fd); /* -ENOENT when it failed before being added */
		close(c->fd);
	}
	free(c);
}

/* The request on c is over: counted, then c is closed or, kept alive, parked for reuse.
 * stage is LOAD_STAGE_MAX for a success.
 */
static void load_done(struct load *l, struct load_conn *c, enum load_stage stage, const char *error,
		      uint64_t now)
{
	bool reuse = false;

	load_busy_unlink(l, c);
	if (stage == LOAD_STAGE_MAX) {
		char name[LOAD_ID_MAX + 1];
		size_t body = c->in_len - c->hdr_len;

		l->tot.ok++;
		l->iv.ok++;
		load_hist_add(&l->hist_tot, (now - c->due) / 1000);
		load_hist_add(&l->hist_iv, (now - c->due) / 1000);
		load_instance_of(c->in + c->hdr_len, body, name);
		load_count_instance(l, name);
		reuse = l->keep_alive && !c->server_close;
	} else {
		load_record_failure(l, stage, error, c->start, now, c->lport, c->connected,
				    c->connected_at);
	}
	if (!reuse) {
		load_conn_free(l, c);
		return;
	}
	c->idle = true;
	c->prev = NULL;
	c->next = l->idle;
	if (l->idle)
		l->idle->prev = c;
	l->idle = c;
	l->nidle++;
	/* an idle connection is read only to see the server close it */
	load_conn_events(l, c, EPOLLIN | EPOLLRDHUP);
}

static void load_fail_errno(struct load *l, struct load_conn *c, enum load_stage stage, int err,
			    uint64_t now)
{
	char buf[16];

	load_done(l, c, stage, load_errno_name(err, buf, sizeof(buf)), now);
}

static void load_send(struct load *l, struct load_conn *c, uint64_t now)
{
	int sent = loop_send_pending(c->fd, l->req, l->req_len, &c->out_off);

	if (sent < 0) {
		load_fail_errno(l, c, LOAD_SEND, -sent, now);
		return;
	}
	if (!sent) {
		load_conn_events(l, c, EPOLLOUT);
		return;
	}
	c->stage = LOAD_RECV;
	load_conn_events(l, c, EPOLLIN);
}

/* The status line and the headers that frame the body. Returns -EPROTO on what it cannot
 * frame: a malformed status line or header, or a chunked body (xlb-backend sends none).
 */
static int load_parse_reply(struct load_conn *c)
{
	struct http_framing fr;
	int status, version, err;

	status = http_status_parse(c->in, c->hdr_len, &version);
	if (status < 0 || version < 0)
		return -EPROTO;
	c->status = status;
	err = http_fields_parse(c->in, c->hdr_len, LOAD_LENGTH_CHARS, INT64_MAX, &fr);
	c->body_len = fr.body_len;
	if (err)
		return -EPROTO;
	if (status / 100 == 1 || status == 204 || status == 304)
		c->body_len = 0;
	c->server_close = !http_keep_alive(version == 1, &fr) || c->body_len < 0;
	return 0;
}

static void load_reply_complete(struct load *l, struct load_conn *c, uint64_t now)
{
	char code[8];

	if (c->status >= 200 && c->status <= 299) {
		load_done(l, c, LOAD_STAGE_MAX, NULL, now);
		return;
	}
	snprintf(code, sizeof(code), "%d", c->status);
	load_done(l, c, LOAD_HTTP, code, now);
}

static void load_recv(struct load *l, struct load_conn *c, uint64_t now)
{
	char scratch[4096];

	for (;;) {
		char *dst = c->in + c->in_len;
		size_t room = sizeof(c->in) - c->in_len;
		ssize_t n;

		/* past what is kept, the body is only counted */
		if (c->hdr_len && !room) {
			dst = scratch;
			room = sizeof(scratch);
		}
		if (!room) {
			load_done(l, c, LOAD_HTTP, "EPROTO", now); /* headers over 8 KiB */
			return;
		}
		n = recv(c->fd, dst, room, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				load_fail_errno(l, c, LOAD_RECV, errno, now);
			return;
		}
		if (n == 0) {
			if (c->hdr_len && c->body_len < 0)
				load_reply_complete(l, c, now);
			else
				load_done(l, c, LOAD_RECV, "EOF", now);
			return;
		}
		if (dst != scratch)
			c->in_len += n;
		if (c->hdr_len) {
			c->body_got += n;
		} else {
			c->hdr_len = http_header_end(c->in, c->in_len);
			if (!c->hdr_len)
				continue;
			if (load_parse_reply(c)) {
				load_done(l, c, LOAD_HTTP, "EPROTO", now);
				return;
			}
			c->body_got = c->in_len - c->hdr_len;
		}
		if (c->body_len >= 0 && c->body_got >= (uint64_t)c->body_len) {
			load_reply_complete(l, c, now);
			return;
		}
	}
}

static void load_on_conn(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct load_conn *c = arg;
	struct load *l = c->owner;
	uint64_t now = load_now(l);

	if (c->idle) {
		/* the server closed a kept-alive connection (or sent what nobody asked for) */
		load_idle_unlink(l, c);
		load_conn_free(l, c);
		return;
	}
	if (c->stage == LOAD_CONNECT) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
			soerr = errno;
		if (soerr) {
			load_fail_errno(l, c, LOAD_CONNECT, soerr, now);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->connected = true;
		c->connected_at = now;
		c->stage = LOAD_SEND;
	}
	if (c->stage == LOAD_SEND)
		load_send(l, c, now);
	else
		load_recv(l, c, now);
}

/* Starts the request due at `due`: on an idle kept-alive connection if there is one, else on
 * a new one. Failures to even start are counted like any other.
 */
static void load_start(struct load *l, uint64_t due, uint64_t now)
{
	struct load_conn *c = l->idle;
	int fd, one = 1, err;

	l->tot.sent++;
	l->iv.sent++;
	if (c) {
		load_idle_unlink(l, c);
		c->due = due;
		c->start = now;
		c->connected_at = now;
		c->stage = LOAD_SEND;
		c->out_off = c->in_len = c->hdr_len = 0;
		c->body_got = 0;
		c->status = 0;
		load_busy_append(l, c);
		load_send(l, c, now);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		load_record_failure(l, LOAD_CONNECT, "ENOMEM", now, now, 0, false, 0);
		return;
	}
	c->owner = l;
	c->due = due;
	c->start = now;
	c->stage = LOAD_CONNECT;
	load_busy_append(l, c);
	fd = socket(l->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->fd = fd;
	if (fd < 0) {
		load_fail_errno(l, c, LOAD_CONNECT, errno, now);
		return;
	}
	l->conns_opened++;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (l->bind_src) {
		/* the port is chosen at connect, per destination, not at bind from the
		 * smaller pool of ports free for every destination
		 */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&l->src, l->src_len)) {
			load_fail_errno(l, c, LOAD_CONNECT, errno, now);
			return;
		}
	}
	if (connect(fd, (struct sockaddr *)&l->dst, l->dst_len) && errno != EINPROGRESS) {
		load_fail_errno(l, c, LOAD_CONNECT, errno, now);
		return;
	}
	{
		struct sockaddr_storage local;
		socklen_t len = sizeof(local);

		if (!getsockname(fd, (struct sockaddr *)&local, &len))
			c->lport = ntohs(local.ss_family == AF_INET6 ?
						 ((struct sockaddr_in6 *)&local)->sin6_port :
						 ((struct sockaddr_in *)&local)->sin_port);
	}
	c->events = EPOLLOUT;
	err = loop_fd_add(l->loop, fd, c->events, load_on_conn, c);
	if (err)
		load_fail_errno(l, c, LOAD_CONNECT, -err, now);
}

/* --- the schedule and the queue --- */

/* Sets next_due from (phase, k), moving to the next phase when this one has no request left. */
static void load_sched_settle(struct load *l)
{
	while (l->phase < l->nphases) {
		const struct load_phase *p = &l->phases[l->phase];

		if (p->rate > 0) {
			uint64_t due = l->phase_start + (uint64_t)((double)l->k * 1e9 / p->rate);

			if (due < l->phase_start + p->dur_ns) {
				l->next_due = due;
				return;
			}
		}
		l->phase_start += p->dur_ns;
		l->phase++;
		l->k = 0;
	}
	l->sched_done = true;
}

static int load_queue_push(struct load *l, uint64_t due)
{
	if (l->qlen == l->qcap) {
		size_t cap = l->qcap ? 2 * l->qcap : 1024, i;
		uint64_t *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (i = 0; i < l->qlen; i++)
			q[i] = l->queue[(l->qhead + i) % l->qcap];
		free(l->queue);
		l->queue = q;
		l->qcap = cap;
		l->qhead = 0;
	}
	l->queue[(l->qhead + l->qlen) % l->qcap] = due;
	l->qlen++;
	return 0;
}

static uint64_t load_queue_pop(struct load *l)
{
	uint64_t due = l->queue[l->qhead];

	l->qhead = (l->qhead + 1) % l->qcap;
	l->qlen--;
	return due;
}

/* Fails what waited past its deadline: due + timeout, the same for every request, so the
 * oldest are first in both the queue and the busy list.
 */
static void load_expire(struct load *l, uint64_t now)
{
	while (l->qlen && l->queue[l->qhead] + l->timeout_ns <= now) {
		uint64_t due = load_queue_pop(l);

		load_record_failure(l, LOAD_QUEUE, "ETIMEDOUT", due, now, 0, false, 0);
	}
	while (l->busy_head && l->busy_head->due + l->timeout_ns <= now)
		load_done(l, l->busy_head, LOAD_TIMEOUT, "ETIMEDOUT", now);
}

/* Arms the timer for the next thing that needs time: a due request, a deadline, a stats line. */
static int load_arm(struct load *l)
{
	uint64_t next = l->next_stats;
	struct itimerspec its = { 0 };

	if (!l->sched_done && l->next_due < next)
		next = l->next_due;
	if (l->hold_until < next)
		next = l->hold_until;
	if (l->busy_head && l->busy_head->due + l->timeout_ns < next)
		next = l->busy_head->due + l->timeout_ns;
	if (l->qlen && l->queue[l->qhead] + l->timeout_ns < next)
		next = l->queue[l->qhead] + l->timeout_ns;
	if (next == l->armed)
		return 0;
	its.it_value.tv_sec = (l->t0 + next) / NS_PER_S;
	its.it_value.tv_nsec = (l->t0 + next) % NS_PER_S;
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	l->armed = next;
	return 0;
}

/* After every batch of events: deadlines, due requests, free slots, the stats line. */
static int load_pump(struct load *l)
{
	uint64_t now = load_now(l);
	int err;

	load_expire(l, now);
	while (!l->sched_done && l->next_due <= now) {
		err = load_queue_push(l, l->next_due);
		if (err)
			return err;
		l->scheduled++;
		l->k++;
		load_sched_settle(l);
	}
	while (l->qlen && l->nbusy < l->max_conns)
		load_start(l, load_queue_pop(l), now);
	if (now >= l->next_stats) {
		load_interval_end(l, now);
		l->next_stats = (now / NS_PER_S + 1) * NS_PER_S;
	}
	return load_arm(l);
}

static void load_on_signal(struct loop *loop, int signo, void *arg)
{
	struct load *l = arg;

	if (++l->signals > 1) {
		/* a second one: no waiting for what is in flight */
		l->stop = true;
		return;
	}
	fprintf(stderr,
		"xlb-load: stopping: no new requests; waiting up to %.1f s for "
		"those in flight (again to stop now)\n",
		(double)l->timeout_ns / NS_PER_S);
	l->sched_done = true;
	l->hold_until = 0;
	l->unsent += l->qlen;
	l->qlen = 0;
}

/* The timerfd fired: whatever was due is done by the pump that follows every round. */
static void load_on_timer(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct load *l = arg;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		l->timer_err = -errno;
	l->armed = UINT64_MAX;
}

/* --- setup, run, report --- */

static int load_open_out(const char *path, FILE **f)
{
	if (!strcmp(path, "-")) {
		*f = stdout;
	} else {
		*f = fopen(path, "w");
		if (!*f)
			return -errno;
	}
	/* line by line, so that a demo can follow the file while the run goes on */
	setvbuf(*f, NULL, _IOLBF, 0);
	return 0;
}

static int load_write_start_file(struct load *l)
{
	FILE *f = fopen(l->start_path, "w");
	int err = 0;

	if (!f)
		return -errno;
	fprintf(f, "realtime=%lld.%09ld\nmonotonic=%lld.%09ld\n", (long long)l->t0_real.tv_sec,
		l->t0_real.tv_nsec, (long long)l->t0_mono.tv_sec, l->t0_mono.tv_nsec);
	if (fclose(f))
		err = -errno;
	return err;
}

/* Room for every connection: raises the soft limit of open files when it is short. */
static int load_fd_limit(struct load *l)
{
	rlim_t need = (rlim_t)l->max_conns + LOAD_FD_SPARE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		fprintf(stderr,
			"xlb-load: --connections %u needs %llu open files; the hard limit is %llu\n",
			l->max_conns, (unsigned long long)need, (unsigned long long)rl.rlim_max);
		return -EMFILE;
	}
	rl.rlim_cur = need;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

static int load_setup(struct load *l)
{
	int err;

	signal(SIGPIPE, SIG_IGN);
	err = load_fd_limit(l);
	if (!err)
		err = loop_new(&l->loop);
	if (!err)
		err = loop_signal_add(l->loop, SIGTERM, load_on_signal, l);
	if (!err)
		err = loop_signal_add(l->loop, SIGINT, load_on_signal, l);
	if (err)
		return err;
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tfd < 0)
		return -errno;
	return loop_fd_add(l->loop, l->tfd, EPOLLIN, load_on_timer, l);
}

static void load_headers(struct load *l)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "# xlb-load %s: start realtime %lld.%09ld monotonic %lld.%09ld\n", l->url,
		 (long long)l->t0_real.tv_sec, l->t0_real.tv_nsec, (long long)l->t0_mono.tv_sec,
		 l->t0_mono.tv_nsec);
	if (l->stats) {
		fputs(head, l->stats);
		fputs("t,phase,sent,ok,failed,in_flight,p50_ms,p99_ms,queued\n", l->stats);
		load_check_write(l, l->stats);
	}
	if (l->failures) {
		fputs(head, l->failures);
		fputs("t_start_ms,t_end_ms,local_port,stage,error,t_connected_ms\n", l->failures);
		load_check_write(l, l->failures);
	}
}

static int load_run(struct load *l)
{
	int err;

	/* the start: the two clocks read back to back, so that other records can be aligned */
	clock_gettime(CLOCK_REALTIME, &l->t0_real);
	clock_gettime(CLOCK_MONOTONIC, &l->t0_mono);
	l->t0 = (uint64_t)l->t0_mono.tv_sec * NS_PER_S + l->t0_mono.tv_nsec;
	l->next_stats = NS_PER_S;
	l->armed = UINT64_MAX;
	l->hold_until = l->total_ns;
	if (l->start_path) {
		err = load_write_start_file(l);
		if (err) {
			fprintf(stderr, "xlb-load: %s: %s\n", l->start_path, strerror(-err));
			return err;
		}
	}
	load_headers(l);
	load_sched_settle(l);
	err = load_pump(l);
	while (!err && !l->stop &&
	       !(l->sched_done && !l->qlen && !l->nbusy && load_now(l) >= l->hold_until)) {
		/* one round of connection events, signals and the timer, then the pump */
		int n = loop_run_once(l->loop, -1);

		if (n < 0)
			err = n;
		else if (l->timer_err)
			err = l->timer_err;
		if (!err)
			err = load_pump(l);
	}
	if (l->stop) {
		l->unfinished = l->nbusy;
		l->unsent += l->qlen;
		l->qlen = 0;
	}
	if (load_now(l) - l->last_line >= NS_PER_MS)
		load_interval_end(l, load_now(l));
	return err;
}

static void load_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void load_summary_json(struct load *l, uint64_t elapsed)
{
	FILE *f = stdout;
	size_t i;
	int s;

	fprintf(f, "{\"url\":");
	load_json_string(f, l->url);
	fprintf(f,
		",\"start_realtime\":%lld.%06ld,\"duration_s\":%.3f,\"phases\":%d"
		",\"keep_alive\":%s,\"scheduled\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"ok\":%" PRIu64
		",\"failed\":%" PRIu64 ",\"unsent\":%" PRIu64 ",\"unfinished\":%" PRIu64
		",\"connections\":%" PRIu64 ",\"failed_by_stage\":{",
		(long long)l->t0_real.tv_sec, l->t0_real.tv_nsec / 1000, (double)elapsed / NS_PER_S,
		l->nphases, l->keep_alive ? "true" : "false", l->scheduled, l->tot.sent, l->tot.ok,
		l->tot.failed, l->unsent, l->unfinished, l->conns_opened);
	for (s = 0; s < LOAD_STAGE_MAX; s++)
		fprintf(f, "%s\"%s\":%" PRIu64, s ? "," : "", load_stage_names[s],
			l->tot.by_stage[s]);
	fprintf(f, "},\"instances\":{");
	for (i = 0; i < l->ninst; i++) {
		fprintf(f, "%s", i ? "," : "");
		load_json_string(f, l->inst[i].name);
		fprintf(f, ":%" PRIu64, l->inst[i].ok);
	}
	if (l->other_ok)
		fprintf(f, "%s\"(other)\":%" PRIu64, l->ninst ? "," : "", l->other_ok);
	fprintf(f, "},\"latency_ms\":");
	if (l->hist_tot.n)
		fprintf(f, "{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}",
			load_hist_ms(&l->hist_tot, 0.5), load_hist_ms(&l->hist_tot, 0.9),
			load_hist_ms(&l->hist_tot, 0.99), (double)l->hist_tot.max_us / 1000.0);
	else
		fprintf(f, "null");
	fprintf(f, "}\n");
	fflush(f);
}

static void load_summary_text(struct load *l, uint64_t elapsed)
{
	FILE *f = stderr;
	size_t i;
	int s;

	fprintf(f, "xlb-load: %s for %.3f s, %d phase%s, %s\n", l->url, (double)elapsed / NS_PER_S,
		l->nphases, l->nphases == 1 ? "" : "s",
		l->keep_alive ? "connections kept alive" : "a connection per request");
	fprintf(f,
		"  requests  scheduled %" PRIu64 "  sent %" PRIu64 "  ok %" PRIu64
		"  failed %" PRIu64 "  unsent %" PRIu64 "  unfinished %" PRIu64
		"  connections %" PRIu64 "\n",
		l->scheduled, l->tot.sent, l->tot.ok, l->tot.failed, l->unsent, l->unfinished,
		l->conns_opened);
	fprintf(f, "  failed    ");
	for (s = 0; s < LOAD_STAGE_MAX; s++)
		fprintf(f, "%s %s %" PRIu64, s ? "," : "", load_stage_names[s], l->tot.by_stage[s]);
	fprintf(f, "\n");
	if (l->hist_tot.n)
		fprintf(f, "  latency   p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n",
			load_hist_ms(&l->hist_tot, 0.5), load_hist_ms(&l->hist_tot, 0.9),
			load_hist_ms(&l->hist_tot, 0.99), (double)l->hist_tot.max_us / 1000.0);
	else
		fprintf(f, "  latency   (no request answered)\n");
	fprintf(f, "  instances");
	for (i = 0; i < l->ninst; i++)
		fprintf(f, " %s %" PRIu64 "%s", l->inst[i].name, l->inst[i].ok,
			i + 1 < l->ninst || l->other_ok ? "," : "");
	if (l->other_ok)
		fprintf(f, " (other) %" PRIu64, l->other_ok);
	fprintf(f, "%s\n", l->ninst || l->other_ok ? "" : " (none)");
}

/* The totals also close the stats file, as comments, for a reader that has only the file. */
static void load_summary_stats(struct load *l)
{
	size_t i;

	if (!l->stats)
		return;
	fprintf(l->stats,
		"# total,scheduled=%" PRIu64 ",sent=%" PRIu64 ",ok=%" PRIu64 ",failed=%" PRIu64
		",unsent=%" PRIu64 ",unfinished=%" PRIu64 "\n",
		l->scheduled, l->tot.sent, l->tot.ok, l->tot.failed, l->unsent, l->unfinished);
	for (i = 0; i < l->ninst; i++)
		fprintf(l->stats, "# instance,%s,%" PRIu64 "\n", l->inst[i].name, l->inst[i].ok);
	if (l->other_ok)
		fprintf(l->stats, "# instance,(other),%" PRIu64 "\n", l->other_ok);
	fflush(l->stats);
	load_check_write(l, l->stats);
}

static void load_cleanup(struct load *l)
{
	while (l->busy_head) {
		struct load_conn *c = l->busy_head;

		load_busy_unlink(l, c);
		load_conn_free(l, c);
	}
	while (l->idle) {
		struct load_conn *c = l->idle;

		load_idle_unlink(l, c);
		load_conn_free(l, c);
	}
	if (l->stats && l->stats != stdout)
		fclose(l->stats);
	if (l->failures && l->failures != stdout)
		fclose(l->failures);
	if (l->tfd >= 0) {
		if (l->loop)
			loop_fd_del(l->loop, l->tfd);
		close(l->tfd);
	}
	loop_free(l->loop);
	free(l->queue);
	free(l->inst);
}

/* Checks the options as a whole; prints why and returns -EINVAL when they do not fit. */
static int load_check_options(struct load *l, uint64_t dur_ns, double rate, bool has_dur,
			      bool has_rate)
{
	int i;

	if (l->nphases && (has_dur || has_rate)) {
		fprintf(stderr, "xlb-load: --phase or --duration/--rate, not both\n");
		return -EINVAL;
	}
	if (has_dur != has_rate) {
		fprintf(stderr, "xlb-load: --duration and --rate go together\n");
		return -EINVAL;
	}
	if (has_dur) {
		if (!dur_ns) {
			fprintf(stderr, "xlb-load: --duration must be more than 0\n");
			return -EINVAL;
		}
		l->phases[0].dur_ns = dur_ns;
		l->phases[0].rate = rate;
		l->nphases = 1;
	}
	if (!l->nphases) {
		fprintf(stderr, "xlb-load: no load: give --phase D@R or --duration S --rate R\n");
		return -EINVAL;
	}
	for (i = 0; i < l->nphases; i++)
		l->total_ns += l->phases[i].dur_ns;
	if (l->total_ns > (uint64_t)LOAD_MAX_TOTAL_S * NS_PER_S) {
		fprintf(stderr, "xlb-load: the phases last more than %d s\n", LOAD_MAX_TOTAL_S);
		return -EINVAL;
	}
	if (l->bind_src && l->src.ss_family != l->dst.ss_family) {
		fprintf(stderr, "xlb-load: --bind and the URL are of different address families\n");
		return -EINVAL;
	}
	if (l->stats_path && l->failures_path && !strcmp(l->stats_path, "-") &&
	    !strcmp(l->failures_path, "-")) {
		fprintf(stderr, "xlb-load: --stats and --failures cannot both go to stdout\n");
		return -EINVAL;
	}
	if (l->json && ((l->stats_path && !strcmp(l->stats_path, "-")) ||
			(l->failures_path && !strcmp(l->failures_path, "-")))) {
		fprintf(stderr, "xlb-load: --json writes to stdout: give --stats and --failures "
				"a file\n");
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct load l = {
		.tfd = -1,
		.max_conns = 512,
		.timeout_ns = 5 * NS_PER_S,
	};
	uint64_t dur_ns = 0, elapsed;
	bool has_dur = false, has_rate = false;
	const char *why;
	double rate = 0;
	const struct opts_opt opts[] = {
		{ "phase", 'p', OPTS_CALL, &l, "D@R",
		  "D seconds (or 500ms, 2m) at R requests a second;\n"
		  "repeatable, run in order (e.g. 10s@5 30s@80 20s@5)",
		  .parse = load_opt_phase },
		{ "duration", 'd', OPTS_CALL, &dur_ns, "S", "with --rate: one phase of S seconds",
		  .parse = load_opt_duration, .seen = &has_dur },
		{ "rate", 'r', OPTS_DOUBLE, &rate, "R", "with --duration: R requests a second",
		  .dmin = 0, .dmax = LOAD_MAX_RATE, .want = "0 to 1000000 a second",
		  .seen = &has_rate },
		{ "connections", 'c', OPTS_UINT, &l.max_conns, "N",
		  "requests in flight at most (default 512); due\n"
		  "requests beyond it wait in a queue",
		  1, 100000 },
		{ "timeout", 't', OPTS_CALL, &l.timeout_ns, "S",
		  "a request not answered S seconds after it was due\n"
		  "fails (default 5); the run ends at most S seconds\n"
		  "after the last phase",
		  .parse = load_opt_timeout },
		{ "keep-alive", 'k', OPTS_FLAG, &l.keep_alive, NULL,
		  "reuse connections (default: one per request)" },
		{ "bind", 'b', OPTS_CALL, &l, "ADDR", "source address (the kernel picks the port)",
		  .parse = load_opt_bind },
		{ "stats", 's', OPTS_STRING, &l.stats_path, "FILE",
		  "one CSV line a second; - for stdout" },
		{ "failures", 'f', OPTS_STRING, &l.failures_path, "FILE",
		  "one CSV line per failed request; - for stdout" },
		{ "start-file", 'S', OPTS_STRING, &l.start_path, "FILE",
		  "the start's CLOCK_REALTIME and CLOCK_MONOTONIC" },
		{ "json", 'j', OPTS_FLAG, &l.json, NULL,
		  "the summary as JSON on stdout, not text on stderr" },
		{ "live", 'l', OPTS_FLAG, &l.live, NULL, "one line a second on stderr" },
		{ "quiet", 'q', OPTS_FLAG, &l.quiet, NULL, "no text summary" },
		{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },
		{},
	};
	const struct opts_tool tool = { "xlb-load", load_synopsis, load_epilog, 27, opts };
	int first, err;

	err = opts_parse(&tool, argc, argv, &first);
	if (err)
		return err == 1 ? 0 : err;
	if (first != argc - 1) {
		fprintf(stderr, "xlb-load: %s (see --help)\n",
			first >= argc ? "no URL" : "one URL only");
		return 2;
	}
	l.url = argv[first];
	if (load_parse_url(&l, l.url, &why)) {
		fprintf(stderr, "xlb-load: bad URL '%s': %s\n", l.url, why);
		return 2;
	}
	if (load_check_options(&l, dur_ns, rate, has_dur, has_rate))
		return 2;
	if (l.stats_path && load_open_out(l.stats_path, &l.stats)) {
		fprintf(stderr, "xlb-load: --stats %s: %s\n", l.stats_path, strerror(errno));
		return 1;
	}
	if (l.failures_path && load_open_out(l.failures_path, &l.failures)) {
		fprintf(stderr, "xlb-load: --failures %s: %s\n", l.failures_path, strerror(errno));
		load_cleanup(&l);
		return 1;
	}

	err = load_setup(&l);
	if (!err)
		err = load_run(&l);
	else if (err != -EMFILE)
		fprintf(stderr, "xlb-load: setup: %s\n", strerror(-err));
	elapsed = l.t0 ? load_now(&l) : 0;
	if (l.t0 && err)
		fprintf(stderr, "xlb-load: %s\n", strerror(-err));
	if (l.t0) {
		load_summary_stats(&l);
		if (l.json)
			load_summary_json(&l, elapsed);
		else if (!l.quiet)
			load_summary_text(&l, elapsed);
	}
	if (!err && l.write_err) {
		fprintf(stderr, "xlb-load: writing the stats or failures: %s\n",
			strerror(l.write_err));
		err = -l.write_err;
	}
	load_cleanup(&l);
	return err ? 1 : 0;
}
