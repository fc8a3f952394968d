// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The metrics endpoint: the exposition writer (HELP/TYPE, label escaping, name checks, values),
 * and the server on 127.0.0.1 with a kernel-picked port, run on the loop in a thread: GET and
 * HEAD /metrics, 404 for other paths, 405 for other methods, 400 for garbage, 431 for a flood.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "check.h"
#include "exchange.h"
#include "loop.h"
#include "promhttp.h"

static bool test_writer(void)
{
	static const char want[] =
		"# HELP xlb_vip_packets_total Packets to a VIP, \\\\ and \\n escaped\n"
		"# TYPE xlb_vip_packets_total counter\n"
		"xlb_vip_packets_total{vip=\"198.18.0.1:80\",proto=\"tcp\"} 12\n"
		"xlb_vip_packets_total{vip=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n"
		"# TYPE xlb_up gauge\n"
		"xlb_up 1\n"
		"xlb_up{target=\"t\"} 0.5\n"
		"xlb_up NaN\n"
		"xlb_up -Inf\n";
	struct promhttp_buf b;
	bool ok;

	promhttp_buf_init(&b);
	promhttp_family(&b, "xlb_vip_packets_total", PROMHTTP_COUNTER,
			"Packets to a VIP, \\ and \n escaped");
	promhttp_sample_u64(&b, "xlb_vip_packets_total", 12, "vip", "198.18.0.1:80", "proto", "tcp",
			    NULL);
	promhttp_sample_u64(&b, "xlb_vip_packets_total", UINT64_MAX, "vip", "a\"b\\c\nd", NULL);
	promhttp_family(&b, "xlb_up", PROMHTTP_GAUGE, NULL);
	promhttp_sample(&b, "xlb_up", 1.0, NULL);
	promhttp_sample(&b, "xlb_up", 0.5, "target", "t", "skipped", NULL, NULL);
	promhttp_sample(&b, "xlb_up", NAN, NULL);
	promhttp_sample(&b, "xlb_up", -INFINITY, NULL);
	ok = !b.err && b.data && !strcmp(b.data, want);
	if (!ok)
		printf("  err %d, got:\n%s", b.err, b.data ? b.data : "(null)\n");
	promhttp_buf_free(&b);
	return ok;
}

static bool test_writer_rejects_bad_names(void)
{
	struct promhttp_buf b;

	promhttp_buf_init(&b);
	promhttp_family(&b, "9lives", PROMHTTP_GAUGE, "x");
	CHECK(b.err == -EINVAL, "metric name starting with a digit");
	promhttp_buf_free(&b);
	promhttp_sample(&b, "ok_name", 1, "bad-label", "v", NULL);
	CHECK(b.err == -EINVAL, "label with a dash");
	promhttp_buf_free(&b);
	promhttp_sample(&b, "ok_name", 1, "__reserved", "v", NULL);
	CHECK(b.err == -EINVAL, "reserved label");
	promhttp_buf_free(&b);
	promhttp_sample(&b, "ns:sub_total", 1, "le", "v", NULL);
	CHECK(!b.err, "colons are fine in metric names");
	promhttp_buf_free(&b);
	return true;
}

static bool test_parse_address(void)
{
	char addr[64];
	uint16_t port;

	CHECK(!promhttp_parse_address("127.0.0.1:9469", addr, sizeof(addr), &port) &&
		      !strcmp(addr, "127.0.0.1") && port == 9469,
	      "v4");
	CHECK(!promhttp_parse_address("[::1]:80", addr, sizeof(addr), &port) &&
		      !strcmp(addr, "::1") && port == 80,
	      "v6");
	CHECK(!promhttp_parse_address(":1234", addr, sizeof(addr), &port) &&
		      !strcmp(addr, PROMHTTP_ADDR_DEFAULT) && port == 1234,
	      "port only");
	CHECK(promhttp_parse_address("127.0.0.1", addr, sizeof(addr), &port) == -EINVAL, "no port");
	CHECK(promhttp_parse_address("127.0.0.1:70000", addr, sizeof(addr), &port) == -EINVAL,
	      "port range");
	CHECK(promhttp_parse_address("host:80", addr, sizeof(addr), &port) == -EINVAL,
	      "names are not resolved");
	CHECK(promhttp_parse_address("::1:80", addr, sizeof(addr), &port) == -EINVAL,
	      "IPv6 without brackets is ambiguous");
	return true;
}

struct server {
	struct loop *loop;
	struct promhttp_server *http;
	pthread_t thread;
	atomic_bool stop;
	atomic_int scrapes;
};

static void *server_thread(void *arg)
{
	struct server *s = arg;

	while (!atomic_load(&s->stop))
		loop_run_once(s->loop, 20);
	return NULL;
}

static void collect(struct promhttp_buf *b, void *ctx)
{
	struct server *s = ctx;

	atomic_fetch_add(&s->scrapes, 1);
	promhttp_family(b, "xlb_target_healthy", PROMHTTP_GAUGE, "1 when the target is healthy");
	promhttp_sample(b, "xlb_target_healthy", 1, "target_group", "my-app-tg", "target",
			"198.18.1.2:80", NULL);
}

static bool server_start(struct server *s)
{
	memset(s, 0, sizeof(*s));
	if (loop_new(&s->loop))
		return false;
	if (promhttp_server_new(s->loop, "127.0.0.1", 0, collect, s, &s->http)) {
		loop_free(s->loop);
		return false;
	}
	return pthread_create(&s->thread, NULL, server_thread, s) == 0;
}

static void server_stop(struct server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	promhttp_server_free(s->http);
	loop_free(s->loop);
}

/* Sends req to 127.0.0.1:port and reads the response to EOF into out. */
static bool http(uint16_t port, const char *req, size_t len, char *out, size_t out_len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return exchange((struct sockaddr *)&sin, sizeof(sin), req, len, out, out_len) > 0;
}

static bool status_is(const char *resp, int status)
{
	char want[32];

	snprintf(want, sizeof(want), "HTTP/1.1 %d ", status);
	if (!strncmp(resp, want, strlen(want)))
		return true;
	printf("  expected %d, got: %.200s\n", status, resp);
	return false;
}

static bool test_server(void)
{
	char out[8192], *body;
	struct server s;
	uint16_t port;
	bool ok = false;

	if (!server_start(&s))
		return false;
	port = promhttp_server_port(s.http);
	ENSURE(port);

	ENSURE(http(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 35, out, sizeof(out)));
	ENSURE(status_is(out, 200));
	body = strstr(out, "\r\n\r\n");
	if (!body || !strstr(out, "Content-Type: " PROMHTTP_CONTENT_TYPE "\r\n") ||
	    !strstr(out, "Connection: close\r\n") ||
	    strcmp(body + 4, "# HELP xlb_target_healthy 1 when the target is healthy\n"
			     "# TYPE xlb_target_healthy gauge\n"
			     "xlb_target_healthy{target_group=\"my-app-tg\","
			     "target=\"198.18.1.2:80\"} 1\n")) {
		printf("  got: %s\n", out);
		goto out;
	}
	{
		char cl[64];

		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body + 4));
		if (!strstr(out, cl)) {
			printf("  no \"%s\" in %s\n", cl, out);
			goto out;
		}
	}
	/* a query string and HTTP/1.0 are fine; HEAD has headers only; the request line is read
	 * by http.c: another HTTP version, and bare LF line ends
	 */
	{
		static const struct {
			const char *req;
			int status;
			const char *has; /* in the response, when not NULL */
			bool no_body;
		} reqs[] = {
			{ "GET /metrics?x=1 HTTP/1.0\r\n\r\n", 200 },
			{ "HEAD /metrics HTTP/1.1\r\n\r\n", 200, NULL, true },
			{ "GET / HTTP/1.1\r\n\r\n", 404 },
			{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
			{ "POST /metrics HTTP/1.1\r\n\r\n", 405, "Allow: GET, HEAD\r\n" },
			{ "garbage\r\n\r\n", 400 },
			{ "GET /metrics HTTP/2.0\r\n\r\n", 505 },
			{ "GET /metrics HTTP/1.1\nHost: x\n\n", 200 },
		};

		for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
			ENSURE(http(port, reqs[i].req, strlen(reqs[i].req), out, sizeof(out)),
			       "request %zu", i);
			ENSURE(status_is(out, reqs[i].status), "request %zu", i);
			ENSURE(!reqs[i].has || strstr(out, reqs[i].has), "request %zu", i);
			ENSURE(!reqs[i].no_body || !strcmp(strstr(out, "\r\n\r\n"), "\r\n\r\n"),
			       "request %zu", i);
		}
	}
	{
		size_t len = PROMHTTP_REQUEST_MAX + 100;
		char *flood = malloc(len);

		ENSURE(flood);
		memset(flood, 'a', len);
		memcpy(flood, "GET /metrics HTTP/1.1\r\nX: ", 26);
		ok = http(port, flood, len, out, sizeof(out)) && status_is(out, 431);
		free(flood);
		ENSURE(ok);
		ok = false;
	}
	/* HEAD and GET scrapes ran the collector (bare LF too); 404s and errors did not */
	if (atomic_load(&s.scrapes) != 4) {
		printf("  %d scrapes\n", atomic_load(&s.scrapes));
		goto out;
	}
	ok = true;
out:
	server_stop(&s);
	return ok;
}

static void collect_bad(struct promhttp_buf *b, void *ctx)
{
	promhttp_family(b, "bad name", PROMHTTP_GAUGE, NULL);
}

static bool test_collector_error_is_500(void)
{
	struct server s;
	char out[4096];
	bool ok;

	memset(&s, 0, sizeof(s));
	if (loop_new(&s.loop))
		return false;
	if (promhttp_server_new(s.loop, "127.0.0.1", 0, collect_bad, NULL, &s.http)) {
		loop_free(s.loop);
		return false;
	}
	if (pthread_create(&s.thread, NULL, server_thread, &s)) {
		promhttp_server_free(s.http);
		loop_free(s.loop);
		return false;
	}
	ok = http(promhttp_server_port(s.http), "GET /metrics HTTP/1.1\r\n\r\n", 25, out,
		  sizeof(out)) &&
	     status_is(out, 500);
	server_stop(&s);
	return ok;
}

/* Any local user can open connections and send nothing, or half a request: with every slot
 * so held (twice over), scrapes are still answered at once, and a silent connection is closed
 * after the header timeout.
 */
static bool test_slots_held(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int held[2 * PROMHTTP_CONN_MAX], i, n = 0;
	struct timeval tv = { .tv_sec = 4 };
	char out[4096];
	struct server s;
	uint64_t t0;
	bool ok = false;

	if (!server_start(&s))
		return false;
	sin.sin_port = htons(promhttp_server_port(s.http));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 2 * PROMHTTP_CONN_MAX; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		ENSURE(fd >= 0);
		held[n++] = fd;
		ENSURE(!connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
		/* half of them trickle the start of a request, the others say nothing */
		if (i % 2)
			send(fd, "GET /metrics HTTP/1.1\r\n", 23, MSG_NOSIGNAL);
		usleep(2000);
	}
	usleep(100000);
	for (i = 0; i < 3; i++) {
		t0 = loop_now();
		if (!http(promhttp_server_port(s.http), "GET /metrics HTTP/1.1\r\n\r\n", 25, out,
			  sizeof(out)) ||
		    !status_is(out, 200)) {
			printf("  scrape %d refused with every slot held\n", i);
			goto out;
		}
		if (loop_now() - t0 > 1000) {
			printf("  scrape %d took %llu ms\n", i,
			       (unsigned long long)(loop_now() - t0));
			goto out;
		}
	}
	/* the oldest held ones were closed to make room, the last ones at the header timeout */
	setsockopt(held[n - 1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t0 = loop_now();
	if (recv(held[n - 1], out, sizeof(out), 0) != 0 ||
	    loop_now() - t0 > PROMHTTP_HEADER_TIMEOUT_MS + 1000) {
		printf("  a silent connection not closed within the header timeout\n");
		goto out;
	}
	ok = true;
out:
	while (n)
		close(held[--n]);
	server_stop(&s);
	return ok;
}

static bool test_bad_address(void)
{
	struct promhttp_server *http;
	struct loop *loop;
	bool ok;

	if (loop_new(&loop))
		return false;
	ok = promhttp_server_new(loop, "localhost", 0, collect, NULL, &http) == -EINVAL && !http &&
	     promhttp_server_new(loop, NULL, 0, NULL, NULL, &http) == -EINVAL;
	loop_free(loop);
	return ok;
}

int main(void)
{
	RUN(test_writer);
	RUN(test_writer_rejects_bad_names);
	RUN(test_parse_address);
	RUN(test_server);
	RUN(test_collector_error_is_500);
	RUN(test_bad_address);
	RUN(test_slots_held);
	return check_summary();
}
