// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Target health: the state machine with a fake clock (thresholds, reasons, draining, fail
 * open, grace), then the probes against real sockets on 127.0.0.1: a listener, a closed port,
 * an HTTP server thread answering 200 or 500 or garbage, a silent server, and the periodic
 * checker taking a target from initial to healthy to unhealthy.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"
#include "health.h"

static const struct health_config cfg = {
	.interval_ms = 10000,
	.timeout_ms = 5000,
	.healthy_threshold = 3,
	.unhealthy_threshold = 2,
	.dereg_delay_ms = 300000,
};

static const struct health_result ok = { .outcome = HEALTH_PROBE_OK, .status = 200 };
static const struct health_result code500 = { .outcome = HEALTH_PROBE_CODE_MISMATCH,
					      .status = 500 };
static const struct health_result timeout = { .outcome = HEALTH_PROBE_TIMEOUT, .err = ETIMEDOUT };
static const struct health_result refused = { .outcome = HEALTH_PROBE_FAILED, .err = ECONNREFUSED };
static const struct health_result internal = { .outcome = HEALTH_PROBE_INTERNAL, .err = EMFILE };

/* A target registered at 1000 and made healthy by three successes, one interval apart. */
static void make_healthy(struct health_target *t, uint64_t *now)
{
	struct health_change chg;
	int i;

	*now = 1000;
	health_target_init(t, *now);
	health_register(t, *now, &chg);
	for (i = 0; i < 3; i++) {
		*now += cfg.interval_ms;
		health_probe_result(t, &cfg, &ok, *now, &chg);
	}
}

static bool test_initial_to_healthy(void)
{
	struct health_target t;
	struct health_change chg;
	uint64_t now = 1000;

	health_target_init(&t, now);
	CHECK(t.state == HEALTH_UNUSED && t.reason == HEALTH_REASON_NOT_REGISTERED,
	      "a new target is unused, not registered");
	health_register(&t, now, &chg);
	CHECK(chg.state_changed && chg.from == HEALTH_UNUSED && chg.to == HEALTH_INITIAL,
	      "registered: unused -> initial");
	CHECK(!chg.membership, "initial targets are no backends");
	CHECK(t.reason == HEALTH_REASON_REGISTRATION_IN_PROGRESS, "reason %s",
	      health_reason_name(t.reason));

	now += cfg.interval_ms;
	health_probe_result(&t, &cfg, &ok, now, &chg);
	CHECK(t.state == HEALTH_INITIAL && t.reason == HEALTH_REASON_INITIAL_HEALTH_CHECKING,
	      "after one success: %s %s", health_state_name(t.state), health_reason_name(t.reason));
	CHECK(!chg.state_changed && chg.reason_changed, "a reason change, no transition");

	now += cfg.interval_ms;
	health_probe_result(&t, &cfg, &ok, now, &chg);
	CHECK(t.state == HEALTH_INITIAL && !chg.state_changed && !chg.reason_changed,
	      "2 of 3 successes: still initial");

	now += cfg.interval_ms;
	health_probe_result(&t, &cfg, &ok, now, &chg);
	CHECK(t.state == HEALTH_HEALTHY && t.reason == HEALTH_REASON_NONE, "healthy after 3");
	CHECK(chg.state_changed && chg.membership && chg.from == HEALTH_INITIAL &&
		      chg.to == HEALTH_HEALTHY,
	      "a transition that changes membership");
	CHECK(strstr(chg.cause, "3 consecutive health checks succeeded"), "cause: %s", chg.cause);
	CHECK(t.since == now, "since %llu", (unsigned long long)t.since);

	/* registering again changes nothing */
	health_register(&t, now, &chg);
	CHECK(!chg.state_changed && t.state == HEALTH_HEALTHY, "re-register of a healthy target");
	return true;
}

static bool test_healthy_to_unhealthy(void)
{
	struct health_target t;
	struct health_change chg;
	char desc[128];
	uint64_t now;

	make_healthy(&t, &now);
	CHECK(t.state == HEALTH_HEALTHY, "setup");

	/* a failure, a success, a failure: not consecutive, still healthy */
	health_probe_result(&t, &cfg, &code500, now += cfg.interval_ms, &chg);
	health_probe_result(&t, &cfg, &ok, now += cfg.interval_ms, &chg);
	health_probe_result(&t, &cfg, &code500, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_HEALTHY && !chg.state_changed, "interrupted failures count anew");

	health_probe_result(&t, &cfg, &code500, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY, "unhealthy after 2 consecutive failures");
	CHECK(t.reason == HEALTH_REASON_RESPONSE_CODE_MISMATCH, "reason %s",
	      health_reason_name(t.reason));
	CHECK(chg.state_changed && chg.membership && chg.from == HEALTH_HEALTHY, "transition");
	CHECK(strcmp(health_reason_name(t.reason), "Target.ResponseCodeMismatch") == 0, "name");
	health_describe(&t, desc, sizeof(desc));
	CHECK(strcmp(desc, "Health checks failed with these codes: [500]") == 0, "desc: %s", desc);
	CHECK(strstr(chg.cause, "2 consecutive health checks failed") && strstr(chg.cause, "[500]"),
	      "cause: %s", chg.cause);
	return true;
}

static bool test_timeout_is_target_timeout(void)
{
	struct health_target t;
	struct health_change chg;
	char desc[128];
	uint64_t now;

	make_healthy(&t, &now);
	health_probe_result(&t, &cfg, &timeout, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_HEALTHY, "one timeout is below the threshold");
	health_probe_result(&t, &cfg, &timeout, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY && t.reason == HEALTH_REASON_TIMEOUT, "%s %s",
	      health_state_name(t.state), health_reason_name(t.reason));
	CHECK(strcmp(health_reason_name(t.reason), "Target.Timeout") == 0, "name");
	health_describe(&t, desc, sizeof(desc));
	CHECK(strcmp(desc, "Request timed out") == 0, "desc: %s", desc);

	/* still unhealthy, a different failure: the reason follows, no transition */
	health_probe_result(&t, &cfg, &refused, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY && t.reason == HEALTH_REASON_FAILED_HEALTH_CHECKS,
	      "reason %s", health_reason_name(t.reason));
	CHECK(!chg.state_changed && chg.reason_changed && !chg.membership, "a reason change");
	health_describe(&t, desc, sizeof(desc));
	CHECK(strstr(desc, "Health checks failed") && strstr(desc, strerror(ECONNREFUSED)),
	      "desc: %s", desc);

	health_probe_result(&t, &cfg, &internal, now += cfg.interval_ms, &chg);
	CHECK(t.reason == HEALTH_REASON_INTERNAL_ERROR &&
		      strcmp(health_reason_name(t.reason), "Elb.InternalError") == 0,
	      "internal: %s", health_reason_name(t.reason));
	return true;
}

static bool test_unhealthy_recovers(void)
{
	struct health_target t;
	struct health_change chg;
	uint64_t now;

	make_healthy(&t, &now);
	health_probe_result(&t, &cfg, &timeout, now += cfg.interval_ms, &chg);
	health_probe_result(&t, &cfg, &timeout, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY, "setup");
	health_probe_result(&t, &cfg, &ok, now += cfg.interval_ms, &chg);
	health_probe_result(&t, &cfg, &ok, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY && t.reason == HEALTH_REASON_TIMEOUT,
	      "2 of 3 successes: still unhealthy, reason kept");
	health_probe_result(&t, &cfg, &ok, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_HEALTHY && chg.membership && chg.from == HEALTH_UNHEALTHY,
	      "healthy again after 3");
	return true;
}

static bool test_initial_to_unhealthy(void)
{
	struct health_target t;
	struct health_change chg;
	uint64_t now = 0;

	health_target_init(&t, now);
	health_register(&t, now, &chg);
	health_probe_result(&t, &cfg, &refused, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_INITIAL && t.reason == HEALTH_REASON_INITIAL_HEALTH_CHECKING,
	      "one failure: still initial, %s", health_reason_name(t.reason));
	health_probe_result(&t, &cfg, &refused, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY && t.reason == HEALTH_REASON_FAILED_HEALTH_CHECKS,
	      "%s %s", health_state_name(t.state), health_reason_name(t.reason));
	CHECK(chg.membership, "initial -> unhealthy matters for fail open");
	return true;
}

static bool test_draining_then_unused(void)
{
	struct health_target t;
	struct health_change chg;
	char desc[128];
	uint64_t now, dereg;

	make_healthy(&t, &now);
	dereg = now += 500;
	health_deregister(&t, &cfg, now, &chg);
	CHECK(t.state == HEALTH_DRAINING && t.reason == HEALTH_REASON_DEREGISTRATION_IN_PROGRESS,
	      "%s %s", health_state_name(t.state), health_reason_name(t.reason));
	CHECK(chg.state_changed && chg.membership, "healthy -> draining leaves the backends");
	CHECK(strcmp(health_reason_name(t.reason), "Target.DeregistrationInProgress") == 0, "name");
	CHECK(health_next_deadline(&t) == dereg + cfg.dereg_delay_ms, "deadline");
	health_describe(&t, desc, sizeof(desc));
	CHECK(strcmp(desc, "Target deregistration is in progress") == 0, "desc: %s", desc);

	/* AWS stops checking a draining target: results change nothing */
	health_probe_result(&t, &cfg, &ok, now += 1000, &chg);
	health_probe_result(&t, &cfg, &timeout, now += 1000, &chg);
	health_probe_result(&t, &cfg, &timeout, now += 1000, &chg);
	CHECK(t.state == HEALTH_DRAINING && !chg.state_changed, "probes ignored while draining");
	health_deregister(&t, &cfg, now, &chg);
	CHECK(!chg.state_changed && health_next_deadline(&t) == dereg + cfg.dereg_delay_ms,
	      "deregistering twice keeps the first deadline");

	health_tick(&t, dereg + cfg.dereg_delay_ms - 1, &chg);
	CHECK(t.state == HEALTH_DRAINING && !chg.state_changed, "1 ms before the delay");
	health_tick(&t, dereg + cfg.dereg_delay_ms, &chg);
	CHECK(t.state == HEALTH_UNUSED && t.reason == HEALTH_REASON_NOT_REGISTERED, "%s %s",
	      health_state_name(t.state), health_reason_name(t.reason));
	CHECK(chg.state_changed && !chg.membership, "draining -> unused: no backend either way");
	CHECK(strstr(chg.cause, "300 s"), "cause: %s", chg.cause);
	CHECK(health_next_deadline(&t) == UINT64_MAX, "no deadline left");
	health_describe(&t, desc, sizeof(desc));
	CHECK(strcmp(desc, "Target is not registered to the target group") == 0, "desc: %s", desc);

	/* registered again: starts over */
	health_register(&t, now, &chg);
	CHECK(t.state == HEALTH_INITIAL && t.successes == 0 && t.failures == 0, "fresh start");
	return true;
}

static bool test_drained_early_and_no_delay(void)
{
	struct health_target t;
	struct health_change chg;
	struct health_config nodelay = cfg;
	uint64_t now;

	make_healthy(&t, &now);
	health_deregister(&t, &cfg, now, &chg);
	health_drained(&t, now + 2000, &chg);
	CHECK(t.state == HEALTH_UNUSED && chg.state_changed, "last flow gone: unused at once");
	CHECK(strstr(chg.cause, "no flow left"), "cause: %s", chg.cause);
	health_drained(&t, now + 3000, &chg);
	CHECK(!chg.state_changed, "drained twice");

	make_healthy(&t, &now);
	nodelay.dereg_delay_ms = 0;
	health_deregister(&t, &nodelay, now, &chg);
	CHECK(t.state == HEALTH_UNUSED && chg.from == HEALTH_HEALTHY && chg.membership,
	      "no delay: straight to unused");

	/* a draining target registered again goes back to initial */
	make_healthy(&t, &now);
	health_deregister(&t, &cfg, now, &chg);
	health_register(&t, now + 10, &chg);
	CHECK(t.state == HEALTH_INITIAL && t.reason == HEALTH_REASON_REGISTRATION_IN_PROGRESS &&
		      health_next_deadline(&t) == UINT64_MAX,
	      "re-registered while draining");
	return true;
}

static bool test_fail_open_selection(void)
{
	struct health_target t[4];
	const struct health_target *p[4] = { &t[0], &t[1], &t[2], &t[3] };
	bool backend[4], fail_open;
	size_t n;

	memset(t, 0, sizeof(t));
	t[0].state = HEALTH_HEALTHY;
	t[1].state = HEALTH_UNHEALTHY;
	t[2].state = HEALTH_INITIAL;
	t[3].state = HEALTH_DRAINING;
	n = health_select(p, 4, backend, &fail_open);
	CHECK(n == 1 && backend[0] && !backend[1] && !backend[2] && !backend[3] && !fail_open,
	      "only the healthy one: n=%zu", n);

	t[0].state = HEALTH_HEALTHY;
	t[1].state = HEALTH_HEALTHY;
	n = health_select(p, 4, backend, &fail_open);
	CHECK(n == 2 && backend[0] && backend[1] && !fail_open, "two healthy: n=%zu", n);

	/* none healthy: every unhealthy target gets traffic, never initial or draining ones */
	t[0].state = HEALTH_UNHEALTHY;
	t[1].state = HEALTH_UNHEALTHY;
	n = health_select(p, 4, backend, &fail_open);
	CHECK(n == 2 && backend[0] && backend[1] && !backend[2] && !backend[3] && fail_open,
	      "fail open: n=%zu fail_open=%d", n, fail_open);

	t[0].state = HEALTH_INITIAL;
	t[1].state = HEALTH_INITIAL;
	n = health_select(p, 4, backend, &fail_open);
	CHECK(n == 0 && !fail_open, "all initial: no backend yet, not fail open");

	n = health_select(p, 0, backend, NULL);
	CHECK(n == 0, "empty group");
	return true;
}

static bool test_grace_period(void)
{
	struct health_target t;
	struct health_change chg;
	uint64_t now = 0, launched = 0, grace = 300000;

	health_target_init(&t, now);
	health_register(&t, now, &chg);
	health_probe_result(&t, &cfg, &refused, now += cfg.interval_ms, &chg);
	health_probe_result(&t, &cfg, &refused, now += cfg.interval_ms, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY, "setup");
	CHECK(!health_instance_unhealthy(&t, launched, grace, now), "within the grace period");
	CHECK(!health_instance_unhealthy(&t, launched, grace, launched + grace - 1), "1 ms before");
	CHECK(health_instance_unhealthy(&t, launched, grace, launched + grace), "grace over");
	make_healthy(&t, &now);
	CHECK(!health_instance_unhealthy(&t, launched, grace, now + grace), "healthy");
	return true;
}

static bool test_names(void)
{
	static const char *const states[] = { "unused",	   "initial",  "healthy",
					      "unhealthy", "draining", "unavailable" };
	int i;

	for (i = 0; i < HEALTH_STATE_MAX; i++)
		CHECK(strcmp(health_state_name(i), states[i]) == 0, "state %d: %s", i,
		      health_state_name(i));
	for (i = 1; i < HEALTH_REASON_MAX; i++) {
		const char *name = health_reason_name(i);

		CHECK(!strncmp(name, "Elb.", 4) || !strncmp(name, "Target.", 7), "reason %d: %s", i,
		      name);
		CHECK(strlen(health_reason_doc(i)) > 20, "%s has no description", name);
	}
	CHECK(strcmp(health_reason_name(HEALTH_REASON_INITIAL_HEALTH_CHECKING),
		     "Elb.InitialHealthChecking") == 0,
	      "spelling");
	CHECK(strcmp(health_reason_name(HEALTH_REASON_NONE), "") == 0, "none");
	return true;
}

/* ---- probes against real sockets on loopback ---- */

struct probe_wait {
	struct health_result res;
	int calls;
};

static void probe_done(const struct health_result *res, void *arg)
{
	struct probe_wait *w = arg;

	w->res = *res;
	w->calls++;
}

static void guard_fire(struct loop *loop, struct loop_timer *timer, void *arg)
{
	*(bool *)arg = true;
}

/* Runs the loop until *calls moves or 3 s pass; false on the latter. */
static bool run_until(struct loop *loop, const int *calls, int want)
{
	struct loop_timer guard;
	bool fired = false;

	loop_timer_init(&guard);
	loop_timer_arm(loop, &guard, 3000, 0, guard_fire, &fired);
	while (*calls < want && !fired)
		if (loop_run_once(loop, -1) < 0)
			break;
	loop_timer_disarm(loop, &guard);
	return *calls >= want;
}

/* A TCP socket on 127.0.0.1 with a kernel-chosen port; listening when backlog > 0. */
static int tcp_socket(int backlog, uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (backlog && listen(fd, backlog) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static void spec_init(struct health_probe_spec *spec, enum health_protocol proto, uint16_t port,
		      uint32_t timeout_ms)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&spec->addr;

	memset(spec, 0, sizeof(*spec));
	spec->protocol = proto;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	spec->addrlen = sizeof(*sin);
	spec->timeout_ms = timeout_ms;
	matcher_default(&spec->matcher);
}

static bool probe_once(const struct health_probe_spec *spec, struct health_result *res)
{
	struct probe_wait w = { .calls = 0 };
	struct loop *loop;
	bool done;

	if (loop_new(&loop))
		return false;
	if (health_probe_start(loop, spec, probe_done, &w, NULL)) {
		loop_free(loop);
		return false;
	}
	done = run_until(loop, &w.calls, 1);
	/* one callback, never two: give a stray second one the chance to show */
	loop_run_once(loop, 20);
	loop_free(loop);
	*res = w.res;
	return done && w.calls == 1;
}

/* One probe of proto with timeout_ms to a socket of ours on 127.0.0.1, listening with backlog
 * (bound only when 0); the socket closed after it.
 */
static bool probe_socket(int backlog, enum health_protocol proto, uint32_t timeout_ms,
			 struct health_result *res)
{
	struct health_probe_spec spec;
	uint16_t port;
	int fd = tcp_socket(backlog, &port);
	bool done;

	CHECK(fd >= 0, "socket");
	spec_init(&spec, proto, port, timeout_ms);
	done = probe_once(&spec, res);
	close(fd);
	CHECK(done, "probe did not complete once");
	return true;
}

static bool test_probe_tcp_listening(void)
{
	struct health_result res;

	CHECK(probe_socket(16, HEALTH_PROTO_TCP, 1000, &res), "probe");
	CHECK(res.outcome == HEALTH_PROBE_OK, "outcome %d err %d", res.outcome, res.err);
	return true;
}

static bool test_probe_tcp_refused(void)
{
	struct health_result res;

	/* bound but not listening: the port is ours, and connecting to it is refused */
	CHECK(probe_socket(0, HEALTH_PROTO_TCP, 1000, &res), "probe");
	CHECK(res.outcome == HEALTH_PROBE_FAILED && res.err == ECONNREFUSED, "outcome %d err %d",
	      res.outcome, res.err);
	return true;
}

/* A small HTTP server on its own thread, so the prober's loop is the only one under test. */
struct http_server {
	int fd;
	uint16_t port;
	pthread_t thread;
	pthread_mutex_t lock;
	int status; /* what to answer; 0: a garbage line, -1: a line without end */
	bool stop;
	int served;
	char last_req[1024];
};

static void *http_serve(void *arg)
{
	struct http_server *s = arg;

	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		struct timeval tv = { .tv_sec = 1 };
		char req[1024], resp[128];
		size_t len = 0;
		int c, i, status;
		bool stop;

		pthread_mutex_lock(&s->lock);
		stop = s->stop;
		status = s->status;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (len < sizeof(req) - 1) {
			ssize_t n = recv(c, req + len, sizeof(req) - 1 - len, 0);

			if (n <= 0)
				break;
			len += n;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[len] = '\0';
		if (status > 0) {
			snprintf(resp, sizeof(resp),
				 "HTTP/1.1 %d Whatever\r\nContent-Length: 2\r\n"
				 "Connection: close\r\n\r\nhi",
				 status);
		} else if (status == 0) {
			snprintf(resp, sizeof(resp), "SSH-2.0-OpenSSH_9.2\r\n");
		} else {
			memset(resp, 'A', sizeof(resp) - 1);
			resp[sizeof(resp) - 1] = '\0';
		}
		/* the endless line goes out as 1 KiB, twice what the prober reads */
		for (i = 0; i < (status < 0 ? 8 : 1); i++) {
			if (send(c, resp, strlen(resp), MSG_NOSIGNAL) < 0)
				break; /* the prober may be gone */
		}
		close(c);
		pthread_mutex_lock(&s->lock);
		snprintf(s->last_req, sizeof(s->last_req), "%s", req);
		s->served++;
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static bool http_start(struct http_server *s, int status)
{
	memset(s, 0, sizeof(*s));
	s->status = status;
	pthread_mutex_init(&s->lock, NULL);
	s->fd = tcp_socket(16, &s->port);
	if (s->fd < 0)
		return false;
	if (pthread_create(&s->thread, NULL, http_serve, s)) {
		close(s->fd);
		return false;
	}
	return true;
}

static void http_set_status(struct http_server *s, int status)
{
	pthread_mutex_lock(&s->lock);
	s->status = status;
	pthread_mutex_unlock(&s->lock);
}

static void http_stop(struct http_server *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	close(s->fd);
	pthread_mutex_destroy(&s->lock);
}

/* One HTTP probe, 1000 ms, to server s answering status (http_start's), stopped after it; the
 * probe's path, Host and matcher when not NULL.
 */
static bool probe_http(struct http_server *s, int status, const char *path, const char *host,
		       const char *matcher, struct health_result *res)
{
	struct health_probe_spec spec;
	bool done;

	CHECK(http_start(s, status), "server");
	spec_init(&spec, HEALTH_PROTO_HTTP, s->port, 1000);
	if (path)
		snprintf(spec.path, sizeof(spec.path), "%s", path);
	if (host)
		snprintf(spec.host, sizeof(spec.host), "%s", host);
	if (matcher && matcher_parse(matcher, &spec.matcher, NULL, 0)) {
		http_stop(s);
		CHECK(false, "matcher %s", matcher);
	}
	done = probe_once(&spec, res);
	http_stop(s);
	CHECK(done, "probe did not complete once");
	return true;
}

static bool test_probe_http_200(void)
{
	struct health_result res;
	struct http_server s;
	char req[1024], host[64];

	CHECK(probe_http(&s, 200, "/healthz?x=1", NULL, NULL, &res), "probe");
	memcpy(req, s.last_req, sizeof(req));
	CHECK(res.outcome == HEALTH_PROBE_OK && res.status == 200, "outcome %d status %d err %d",
	      res.outcome, res.status, res.err);
	CHECK(strncmp(req, "GET /healthz?x=1 HTTP/1.1\r\n", 27) == 0, "request line: %s", req);
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%u\r\n", s.port);
	CHECK(strstr(req, host), "Host header: %s", req);
	return true;
}

static bool test_probe_http_500_mismatch(void)
{
	struct health_result res;
	struct http_server s;

	CHECK(probe_http(&s, 500, NULL, "app.example", NULL, &res), "probe");
	CHECK(res.outcome == HEALTH_PROBE_CODE_MISMATCH && res.status == 500,
	      "outcome %d status %d", res.outcome, res.status);
	CHECK(strstr(s.last_req, "\r\nHost: app.example\r\n"), "Host header: %s", s.last_req);
	return true;
}

static bool test_probe_http_matcher_range(void)
{
	struct health_result res;
	struct http_server s;

	CHECK(probe_http(&s, 302, NULL, NULL, "200-299,302", &res), "probe");
	CHECK(res.outcome == HEALTH_PROBE_OK && res.status == 302, "outcome %d status %d",
	      res.outcome, res.status);
	return true;
}

static bool test_probe_http_malformed(void)
{
	struct health_result res;
	struct http_server s;

	CHECK(probe_http(&s, 0, NULL, NULL, NULL, &res), "probe");
	CHECK(res.outcome == HEALTH_PROBE_FAILED && res.status == 0, "outcome %d status %d",
	      res.outcome, res.status);
	return true;
}

/* A first line longer than any status line, never ended: malformed, not a hang. */
static bool test_probe_http_endless_line(void)
{
	struct health_result res;
	struct http_server s;

	CHECK(probe_http(&s, -1, NULL, NULL, NULL, &res), "probe");
	CHECK(res.outcome == HEALTH_PROBE_FAILED && res.elapsed_ms < 1000, "outcome %d after %u ms",
	      res.outcome, res.elapsed_ms);
	return true;
}

/* The kernel accepts the connection, nobody ever answers: Target.Timeout. */
static bool test_probe_http_silent_timeout(void)
{
	struct health_result res;
	struct health_target t;
	struct health_change chg;

	CHECK(probe_socket(16, HEALTH_PROTO_HTTP, 150, &res), "probe");
	CHECK(res.outcome == HEALTH_PROBE_TIMEOUT, "outcome %d", res.outcome);
	CHECK(res.elapsed_ms >= 150 && res.elapsed_ms < 1000, "elapsed %u ms", res.elapsed_ms);
	/* fed to a healthy target twice, it names the reason */
	t = (struct health_target){ .state = HEALTH_HEALTHY };
	health_probe_result(&t, &cfg, &res, 1, &chg);
	health_probe_result(&t, &cfg, &res, 2, &chg);
	CHECK(t.state == HEALTH_UNHEALTHY && t.reason == HEALTH_REASON_TIMEOUT, "%s",
	      health_reason_name(t.reason));
	return true;
}

static bool test_probe_missing_netns_internal(void)
{
	struct health_probe_spec spec;
	struct health_result res;
	uint16_t port;
	int fd = tcp_socket(16, &port);

	CHECK(fd >= 0, "listener");
	spec_init(&spec, HEALTH_PROTO_TCP, port, 1000);
	snprintf(spec.netns, sizeof(spec.netns), "xlb-test-none-%d", (int)getpid());
	CHECK(probe_once(&spec, &res), "probe did not complete once");
	CHECK(res.outcome == HEALTH_PROBE_INTERNAL && res.err == ENOENT, "outcome %d err %d",
	      res.outcome, res.err);
	snprintf(spec.netns, sizeof(spec.netns), "../../etc");
	CHECK(probe_once(&spec, &res), "probe did not complete once");
	close(fd);
	CHECK(res.outcome == HEALTH_PROBE_INTERNAL && res.err == EINVAL, "a path is no name");
	return true;
}

static bool test_probe_bad_spec(void)
{
	struct health_probe_spec spec;
	struct loop *loop;
	int dummy = 0;

	CHECK(loop_new(&loop) == 0, "loop");
	spec_init(&spec, HEALTH_PROTO_HTTP, 80, 1000);
	snprintf(spec.path, sizeof(spec.path), "/a\r\nX-Injected: 1");
	CHECK(health_probe_start(loop, &spec, probe_done, &dummy, NULL) == -EINVAL,
	      "a path with CRLF");
	spec_init(&spec, HEALTH_PROTO_TCP, 80, 1000);
	spec.addr.ss_family = AF_UNIX;
	CHECK(health_probe_start(loop, &spec, probe_done, &dummy, NULL) == -EINVAL, "AF_UNIX");
	loop_free(loop);
	return true;
}

static bool test_probe_cancel(void)
{
	struct probe_wait w = { .calls = 0 };
	struct health_probe_spec spec;
	struct health_probe *p = NULL;
	struct loop *loop;
	uint16_t port;
	int fd = tcp_socket(16, &port);

	CHECK(fd >= 0, "listener");
	CHECK(loop_new(&loop) == 0, "loop");
	spec_init(&spec, HEALTH_PROTO_HTTP, port, 50);
	CHECK(health_probe_start(loop, &spec, probe_done, &w, &p) == 0 && p, "start");
	loop_run_once(loop, 10);
	health_probe_cancel(p);
	loop_run_once(loop, 100);
	loop_run_once(loop, 10);
	loop_free(loop);
	close(fd);
	CHECK(w.calls == 0, "a cancelled probe called back");
	return true;
}

/* ---- the checker: probes on a period feeding the machine ---- */

struct check_log {
	int probes;
	int transitions;
	enum health_state last_to;
	uint64_t healthy_at, unhealthy_at;
	bool stop_at_unhealthy;
};

static void on_check(struct health_check *hc, const struct health_change *chg,
		     const struct health_result *res, void *arg)
{
	struct check_log *l = arg;

	l->probes++;
	if (!chg->state_changed)
		return;
	l->transitions++;
	l->last_to = chg->to;
	if (chg->to == HEALTH_HEALTHY)
		l->healthy_at = loop_now();
	if (chg->to == HEALTH_UNHEALTHY) {
		l->unhealthy_at = loop_now();
		if (l->stop_at_unhealthy)
			health_check_stop(hc);
	}
}

static bool test_checker_healthy_then_unhealthy(void)
{
	struct health_config c = {
		.interval_ms = 40,
		.timeout_ms = 30,
		.healthy_threshold = 2,
		.unhealthy_threshold = 2,
		.dereg_delay_ms = 1000,
	};
	struct check_log l = { .stop_at_unhealthy = true };
	struct health_probe_spec spec;
	struct health_target t;
	struct health_change chg;
	struct health_check hc;
	struct http_server s;
	struct loop *loop;
	uint64_t start, switched;
	int seen;

	CHECK(http_start(&s, 200), "server");
	CHECK(loop_new(&loop) == 0, "loop");
	spec_init(&spec, HEALTH_PROTO_HTTP, s.port, 0);
	health_target_init(&t, loop_now());
	health_register(&t, loop_now(), &chg);
	start = loop_now();
	CHECK(health_check_start(&hc, loop, &t, &c, &spec, 0, on_check, &l) == 0, "start");
	CHECK(run_until(loop, &l.transitions, 1), "never became healthy (%d probes)", l.probes);
	CHECK(t.state == HEALTH_HEALTHY && l.probes == 2, "healthy after %d probes", l.probes);
	CHECK(l.healthy_at - start < 2 * c.interval_ms + 200, "healthy after %llu ms",
	      (unsigned long long)(l.healthy_at - start));

	http_set_status(&s, 500);
	switched = loop_now();
	seen = l.probes;
	CHECK(run_until(loop, &l.transitions, 2), "never became unhealthy");
	CHECK(t.state == HEALTH_UNHEALTHY && t.reason == HEALTH_REASON_RESPONSE_CODE_MISMATCH,
	      "%s %s", health_state_name(t.state), health_reason_name(t.reason));
	/* a failing target is out within interval x threshold, plus one interval */
	CHECK(l.unhealthy_at - switched <= (uint64_t)c.interval_ms * 3 + 50,
	      "unhealthy %llu ms after the switch",
	      (unsigned long long)(l.unhealthy_at - switched));
	CHECK(l.probes - seen >= 2, "%d probes", l.probes - seen);
	/* stopped from the callback: quiet from now on */
	seen = l.probes;
	loop_run_once(loop, 100);
	loop_run_once(loop, 100);
	CHECK(l.probes == seen, "probes after stop");
	health_check_stop(&hc); /* idempotent */
	loop_free(loop);
	http_stop(&s);
	return true;
}

/* A draining target is not probed; stopping with a probe in flight cancels it. */
static bool test_checker_skips_draining(void)
{
	struct health_config c = {
		.interval_ms = 20,
		.timeout_ms = 500,
		.healthy_threshold = 2,
		.unhealthy_threshold = 2,
		.dereg_delay_ms = 1000,
	};
	struct check_log l = { .probes = 0 };
	struct health_probe_spec spec;
	struct health_target t;
	struct health_change chg;
	struct health_check hc;
	struct loop *loop;
	uint16_t port;
	int fd = tcp_socket(16, &port);

	CHECK(fd >= 0, "listener");
	CHECK(loop_new(&loop) == 0, "loop");
	spec_init(&spec, HEALTH_PROTO_HTTP, port, 0); /* silent: each probe waits 500 ms */
	health_target_init(&t, loop_now());
	health_register(&t, loop_now(), &chg);
	health_deregister(&t, &c, loop_now(), &chg);
	CHECK(health_check_start(&hc, loop, &t, &c, &spec, 0, on_check, &l) == 0, "start");
	loop_run_once(loop, 100);
	loop_run_once(loop, 100);
	CHECK(hc.probe == NULL && l.probes == 0, "a draining target was probed");
	health_register(&t, loop_now(), &chg);
	loop_run_once(loop, 100);
	CHECK(hc.probe != NULL, "no probe in flight once registered again");
	health_check_stop(&hc);
	CHECK(hc.probe == NULL, "probe still set");
	loop_run_once(loop, 50);
	loop_free(loop); /* ASan: the cancelled probe was freed */
	close(fd);
	CHECK(l.probes == 0, "%d results", l.probes);
	return true;
}

int main(void)
{
	RUN(test_initial_to_healthy);
	RUN(test_healthy_to_unhealthy);
	RUN(test_timeout_is_target_timeout);
	RUN(test_unhealthy_recovers);
	RUN(test_initial_to_unhealthy);
	RUN(test_draining_then_unused);
	RUN(test_drained_early_and_no_delay);
	RUN(test_fail_open_selection);
	RUN(test_grace_period);
	RUN(test_names);
	RUN(test_probe_tcp_listening);
	RUN(test_probe_tcp_refused);
	RUN(test_probe_http_200);
	RUN(test_probe_http_500_mismatch);
	RUN(test_probe_http_matcher_range);
	RUN(test_probe_http_malformed);
	RUN(test_probe_http_endless_line);
	RUN(test_probe_http_silent_timeout);
	RUN(test_probe_missing_netns_internal);
	RUN(test_probe_bad_spec);
	RUN(test_probe_cancel);
	RUN(test_checker_healthy_then_unhealthy);
	RUN(test_checker_skips_draining);
	return check_summary();
}
