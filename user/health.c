// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Target health: first the pure state machine (counters and thresholds, as ELB keeps them),
 * then the probes that feed it: non-blocking TCP connects and HTTP GETs on the event loop, with
 * sockets made inside the instances' network namespace, and the periodic checker.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "health.h"
#include "http.h"
#include "log.h"

/* ---- names and descriptions ---- */

static const char *const health_state_names[HEALTH_STATE_MAX] = {
	[HEALTH_UNUSED] = "unused",	[HEALTH_INITIAL] = "initial",
	[HEALTH_HEALTHY] = "healthy",	[HEALTH_UNHEALTHY] = "unhealthy",
	[HEALTH_DRAINING] = "draining", [HEALTH_UNAVAILABLE] = "unavailable",
};

static const struct {
	const char *name;
	const char *doc;
} health_reasons[HEALTH_REASON_MAX] = {
	[HEALTH_REASON_NONE] = {
		.name = "",
		.doc = "",
	},
	[HEALTH_REASON_REGISTRATION_IN_PROGRESS] = {
		.name = "Elb.RegistrationInProgress",
		.doc = "The load balancer is still registering the target.",
	},
	[HEALTH_REASON_INITIAL_HEALTH_CHECKING] = {
		.name = "Elb.InitialHealthChecking",
		.doc = "The target has not yet answered enough health checks for the load balancer "
		       "to decide on its health.",
	},
	[HEALTH_REASON_RESPONSE_CODE_MISMATCH] = {
		.name = "Target.ResponseCodeMismatch",
		.doc = "The health checks got an HTTP status code outside the matcher.",
	},
	[HEALTH_REASON_TIMEOUT] = {
		.name = "Target.Timeout",
		.doc = "The health check requests got no answer in time.",
	},
	[HEALTH_REASON_FAILED_HEALTH_CHECKS] = {
		.name = "Target.FailedHealthChecks",
		.doc = "Connecting to the target failed, or its answer to the health check was "
		       "malformed.",
	},
	[HEALTH_REASON_NOT_REGISTERED] = {
		.name = "Target.NotRegistered",
		.doc = "The target group has no such registered target.",
	},
	[HEALTH_REASON_NOT_IN_USE] = {
		.name = "Target.NotInUse",
		.doc = "No load balancer uses the target group, or the target's Availability Zone "
		       "is not enabled for it.",
	},
	[HEALTH_REASON_DEREGISTRATION_IN_PROGRESS] = {
		.name = "Target.DeregistrationInProgress",
		.doc = "The target is being deregistered and its deregistration delay has not run "
		       "out yet.",
	},
	[HEALTH_REASON_INVALID_STATE] = {
		.name = "Target.InvalidState",
		.doc = "The target is stopped or terminated.",
	},
	[HEALTH_REASON_IP_UNUSABLE] = {
		.name = "Target.IpUnusable",
		.doc = "The target's IP address is one a load balancer reserves for itself.",
	},
	[HEALTH_REASON_HEALTH_CHECK_DISABLED] = {
		.name = "Target.HealthCheckDisabled",
		.doc = "The target group has health checks turned off.",
	},
	[HEALTH_REASON_INTERNAL_ERROR] = {
		.name = "Elb.InternalError",
		.doc = "The health checks failed on the load balancer's side (an internal error).",
	},
};

const char *health_state_name(enum health_state state)
{
	return state < HEALTH_STATE_MAX ? health_state_names[state] : "?";
}

const char *health_reason_name(enum health_reason reason)
{
	return reason < HEALTH_REASON_MAX ? health_reasons[reason].name : "?";
}

const char *health_reason_doc(enum health_reason reason)
{
	return reason < HEALTH_REASON_MAX ? health_reasons[reason].doc : "";
}

static int health_reason_text(enum health_reason reason, int status, int err, char *buf, size_t len)
{
	switch (reason) {
	case HEALTH_REASON_NONE:
		return snprintf(buf, len, "%s", "");
	case HEALTH_REASON_REGISTRATION_IN_PROGRESS:
		return snprintf(buf, len, "Target registration is in progress");
	case HEALTH_REASON_INITIAL_HEALTH_CHECKING:
		return snprintf(buf, len, "Initial health checks in progress");
	case HEALTH_REASON_RESPONSE_CODE_MISMATCH:
		return snprintf(buf, len, "Health checks failed with these codes: [%d]", status);
	case HEALTH_REASON_TIMEOUT:
		return snprintf(buf, len, "Request timed out");
	case HEALTH_REASON_FAILED_HEALTH_CHECKS:
		/* AWS stops at "Health checks failed"; the errno is what a user needs next */
		if (err)
			return snprintf(buf, len, "Health checks failed: %s", strerror(err));
		return snprintf(buf, len, "Health checks failed");
	case HEALTH_REASON_INTERNAL_ERROR:
		if (err)
			return snprintf(buf, len,
					"Health checks failed due to an internal error: %s",
					strerror(err));
		return snprintf(buf, len, "Health checks failed due to an internal error");
	case HEALTH_REASON_DEREGISTRATION_IN_PROGRESS:
		return snprintf(buf, len, "Target deregistration is in progress");
	case HEALTH_REASON_NOT_REGISTERED:
		return snprintf(buf, len, "Target is not registered to the target group");
	case HEALTH_REASON_NOT_IN_USE:
		return snprintf(buf, len,
				"Target group is not configured to receive traffic from "
				"the load balancer");
	case HEALTH_REASON_HEALTH_CHECK_DISABLED:
		return snprintf(buf, len, "Health checks disabled");
	default:
		return snprintf(buf, len, "%s", health_reason_doc(reason));
	}
}

int health_describe(const struct health_target *t, char *buf, size_t len)
{
	return health_reason_text(t->reason, t->last_status, t->last_err, buf, len);
}

int health_result_format(const struct health_result *res, char *buf, size_t len)
{
	switch (res->outcome) {
	case HEALTH_PROBE_OK:
		if (res->status)
			return snprintf(buf, len, "ok, status %d in %u ms", res->status,
					res->elapsed_ms);
		return snprintf(buf, len, "ok in %u ms", res->elapsed_ms);
	case HEALTH_PROBE_CODE_MISMATCH:
		return snprintf(buf, len, "status %d not matched, in %u ms", res->status,
				res->elapsed_ms);
	case HEALTH_PROBE_TIMEOUT:
		return snprintf(buf, len, "timed out after %u ms", res->elapsed_ms);
	case HEALTH_PROBE_FAILED:
		if (res->err)
			return snprintf(buf, len, "failed: %s, after %u ms", strerror(res->err),
					res->elapsed_ms);
		return snprintf(buf, len, "failed: malformed response, after %u ms",
				res->elapsed_ms);
	default:
		return snprintf(buf, len, "internal error: %s",
				strerror(res->err ? res->err : EIO));
	}
}

/* ---- the state machine ---- */

/* Which side of health_select a state puts a target on: 1 healthy, 2 unhealthy, 0 neither. */
static int health_class(enum health_state state)
{
	return state == HEALTH_HEALTHY ? 1 : state == HEALTH_UNHEALTHY ? 2 : 0;
}

static void health_begin(const struct health_target *t, struct health_change *chg)
{
	memset(chg, 0, sizeof(*chg));
	chg->from = chg->to = t->state;
	chg->reason = t->reason;
}

static void __attribute__((format(printf, 6, 7)))
health_set(struct health_target *t, enum health_state state, enum health_reason reason,
	   uint64_t now, struct health_change *chg, const char *fmt, ...)
{
	va_list ap;

	if (state != t->state) {
		chg->state_changed = true;
		if (health_class(state) != health_class(t->state))
			chg->membership = true;
		t->since = now;
	}
	if (reason != t->reason)
		chg->reason_changed = true;
	t->state = state;
	t->reason = reason;
	chg->to = state;
	chg->reason = reason;
	va_start(ap, fmt);
	vsnprintf(chg->cause, sizeof(chg->cause), fmt, ap);
	va_end(ap);
}

void health_target_init(struct health_target *t, uint64_t now)
{
	memset(t, 0, sizeof(*t));
	t->state = HEALTH_UNUSED;
	t->reason = HEALTH_REASON_NOT_REGISTERED;
	t->since = now;
}

static void health_reset_counters(struct health_target *t)
{
	t->successes = 0;
	t->failures = 0;
	t->last_status = 0;
	t->last_err = 0;
	t->drain_deadline = 0;
}

void health_register(struct health_target *t, uint64_t now, struct health_change *chg)
{
	health_begin(t, chg);
	if (t->state == HEALTH_INITIAL || t->state == HEALTH_HEALTHY ||
	    t->state == HEALTH_UNHEALTHY)
		return;
	/* registering a draining target again starts over, as ELB does */
	health_reset_counters(t);
	health_set(t, HEALTH_INITIAL, HEALTH_REASON_REGISTRATION_IN_PROGRESS, now, chg,
		   "Target registered");
}

static enum health_reason health_failure_reason(enum health_outcome outcome)
{
	switch (outcome) {
	case HEALTH_PROBE_CODE_MISMATCH:
		return HEALTH_REASON_RESPONSE_CODE_MISMATCH;
	case HEALTH_PROBE_TIMEOUT:
		return HEALTH_REASON_TIMEOUT;
	case HEALTH_PROBE_INTERNAL:
		return HEALTH_REASON_INTERNAL_ERROR;
	default:
		return HEALTH_REASON_FAILED_HEALTH_CHECKS;
	}
}

static uint32_t health_at_least_1(uint32_t v)
{
	return v ? v : 1;
}

void health_probe_result(struct health_target *t, const struct health_config *cfg,
			 const struct health_result *res, uint64_t now, struct health_change *chg)
{
	uint32_t healthy = health_at_least_1(cfg->healthy_threshold);
	uint32_t unhealthy = health_at_least_1(cfg->unhealthy_threshold);
	enum health_reason reason;
	char desc[128];

	health_begin(t, chg);
	if (t->state != HEALTH_INITIAL && t->state != HEALTH_HEALTHY &&
	    t->state != HEALTH_UNHEALTHY)
		return;

	if (res->outcome == HEALTH_PROBE_OK) {
		t->failures = 0;
		if (t->successes < UINT32_MAX)
			t->successes++;
		if (t->state != HEALTH_HEALTHY && t->successes >= healthy)
			health_set(t, HEALTH_HEALTHY, HEALTH_REASON_NONE, now, chg,
				   "%u consecutive health checks succeeded", t->successes);
		else if (t->reason == HEALTH_REASON_REGISTRATION_IN_PROGRESS)
			health_set(t, HEALTH_INITIAL, HEALTH_REASON_INITIAL_HEALTH_CHECKING, now,
				   chg, "Initial health checks in progress");
		return;
	}

	t->successes = 0;
	if (t->failures < UINT32_MAX)
		t->failures++;
	t->last_status = res->status;
	t->last_err = res->err;
	reason = health_failure_reason(res->outcome);
	if (t->state == HEALTH_INITIAL && t->failures < unhealthy) {
		if (t->reason == HEALTH_REASON_REGISTRATION_IN_PROGRESS)
			health_set(t, HEALTH_INITIAL, HEALTH_REASON_INITIAL_HEALTH_CHECKING, now,
				   chg, "Initial health checks in progress");
		return;
	}
	if (t->state == HEALTH_HEALTHY && t->failures < unhealthy)
		return;
	/* unhealthy now, or already: the reason follows the latest failure */
	health_reason_text(reason, t->last_status, t->last_err, desc, sizeof(desc));
	health_set(t, HEALTH_UNHEALTHY, reason, now, chg, "%u consecutive health checks failed: %s",
		   t->failures, desc);
}

void health_deregister(struct health_target *t, const struct health_config *cfg, uint64_t now,
		       struct health_change *chg)
{
	health_begin(t, chg);
	if (t->state == HEALTH_UNUSED || t->state == HEALTH_DRAINING)
		return;
	if (!cfg->dereg_delay_ms) {
		health_set(t, HEALTH_UNUSED, HEALTH_REASON_NOT_REGISTERED, now, chg,
			   "Target deregistered, no deregistration delay");
		return;
	}
	t->drain_deadline = now + cfg->dereg_delay_ms;
	health_set(t, HEALTH_DRAINING, HEALTH_REASON_DEREGISTRATION_IN_PROGRESS, now, chg,
		   "Target deregistered, draining for up to %u s",
		   (cfg->dereg_delay_ms + 999) / 1000);
}

void health_drained(struct health_target *t, uint64_t now, struct health_change *chg)
{
	health_begin(t, chg);
	if (t->state != HEALTH_DRAINING)
		return;
	t->drain_deadline = 0;
	health_set(t, HEALTH_UNUSED, HEALTH_REASON_NOT_REGISTERED, now, chg,
		   "Deregistration complete: no flow left after %llu ms",
		   (unsigned long long)(now - t->since));
}

void health_tick(struct health_target *t, uint64_t now, struct health_change *chg)
{
	uint64_t delay;

	health_begin(t, chg);
	if (t->state != HEALTH_DRAINING || now < t->drain_deadline)
		return;
	delay = t->drain_deadline - t->since;
	t->drain_deadline = 0;
	health_set(t, HEALTH_UNUSED, HEALTH_REASON_NOT_REGISTERED, now, chg,
		   "Deregistration complete: the deregistration delay of %llu s expired",
		   (unsigned long long)(delay + 999) / 1000);
}

uint64_t health_next_deadline(const struct health_target *t)
{
	return t->state == HEALTH_DRAINING ? t->drain_deadline : UINT64_MAX;
}

bool health_instance_unhealthy(const struct health_target *t, uint64_t launched_at,
			       uint64_t grace_ms, uint64_t now)
{
	return t->state == HEALTH_UNHEALTHY && now >= launched_at + grace_ms;
}

size_t health_select(const struct health_target *const *targets, size_t n, bool *backend,
		     bool *fail_open)
{
	size_t i, nhealthy = 0, nunhealthy = 0, nb = 0;
	enum health_state want;

	for (i = 0; i < n; i++) {
		if (targets[i]->state == HEALTH_HEALTHY)
			nhealthy++;
		else if (targets[i]->state == HEALTH_UNHEALTHY)
			nunhealthy++;
	}
	/* no healthy target left: sending to all the unhealthy ones beats sending nowhere */
	want = !nhealthy && nunhealthy ? HEALTH_UNHEALTHY : HEALTH_HEALTHY;
	for (i = 0; i < n; i++) {
		backend[i] = targets[i]->state == want;
		nb += backend[i];
	}
	if (fail_open)
		*fail_open = want == HEALTH_UNHEALTHY;
	return nb;
}

/* ---- probes ---- */

#define HEALTH_RESP_MAX 512 /* a status line longer than this is malformed */

enum health_phase {
	HEALTH_CONNECTING,
	HEALTH_SENDING,
	HEALTH_READING,
};

struct health_probe {
	struct loop *loop;
	int fd;
	bool in_loop; /* fd added to the loop */
	enum health_phase phase;
	enum health_protocol protocol;
	struct matcher matcher;
	uint64_t start;
	struct loop_timer timer; /* the timeout, or the delivery of an early result */
	struct health_result early;
	health_probe_cb cb;
	void *arg;
	size_t req_len, req_off;
	size_t resp_len;
	char resp[HEALTH_RESP_MAX];
	char req[]; /* the HTTP request */
};

static void health_probe_free(struct health_probe *p)
{
	loop_timer_disarm(p->loop, &p->timer);
	if (p->fd >= 0) {
		if (p->in_loop)
			loop_fd_del(p->loop, p->fd);
		close(p->fd);
	}
	free(p);
}

void health_probe_cancel(struct health_probe *p)
{
	if (p)
		health_probe_free(p);
}

/* Ends the probe and then tells the owner, so that the callback may start the next one. */
static void health_probe_finish(struct health_probe *p, enum health_outcome outcome, int status,
				int err)
{
	struct health_result res = {
		.outcome = outcome,
		.status = status,
		.err = err,
		.elapsed_ms = (uint32_t)(loop_now() - p->start),
	};
	health_probe_cb cb = p->cb;
	void *arg = p->arg;

	health_probe_free(p);
	cb(&res, arg);
}

static void health_probe_on_timeout(struct loop *loop, struct loop_timer *timer, void *arg)
{
	health_probe_finish(arg, HEALTH_PROBE_TIMEOUT, 0, ETIMEDOUT);
}

static void health_probe_on_early(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct health_probe *p = arg;

	health_probe_finish(p, p->early.outcome, 0, p->early.err);
}

static void health_probe_read(struct health_probe *p)
{
	for (;;) {
		ssize_t n = recv(p->fd, p->resp + p->resp_len, sizeof(p->resp) - p->resp_len, 0);
		int status, version;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			health_probe_finish(p, HEALTH_PROBE_FAILED, 0, errno);
			return;
		}
		if (n == 0) {
			/* closed before a whole status line: a malformed response */
			health_probe_finish(p, HEALTH_PROBE_FAILED, 0, 0);
			return;
		}
		p->resp_len += n;
		if (!memchr(p->resp, '\n', p->resp_len)) {
			if (p->resp_len < sizeof(p->resp))
				continue;
			health_probe_finish(p, HEALTH_PROBE_FAILED, 0, 0);
			return;
		}
		/* any version will do: the probe wants only the status */
		status = http_status_parse(p->resp, p->resp_len, &version);
		if (status < 0)
			health_probe_finish(p, HEALTH_PROBE_FAILED, 0, 0);
		else if (matcher_match(&p->matcher, status))
			health_probe_finish(p, HEALTH_PROBE_OK, status, 0);
		else
			health_probe_finish(p, HEALTH_PROBE_CODE_MISMATCH, status, 0);
		return;
	}
}

static void health_probe_send(struct health_probe *p)
{
	while (p->req_off < p->req_len) {
		ssize_t n = send(p->fd, p->req + p->req_off, p->req_len - p->req_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return; /* EPOLLOUT brings us back */
			health_probe_finish(p, HEALTH_PROBE_FAILED, 0, errno);
			return;
		}
		p->req_off += n;
	}
	p->phase = HEALTH_READING;
	if (loop_fd_mod(p->loop, p->fd, EPOLLIN) < 0)
		health_probe_finish(p, HEALTH_PROBE_INTERNAL, 0, errno ? errno : EIO);
}

static void health_probe_on_fd(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct health_probe *p = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	switch (p->phase) {
	case HEALTH_CONNECTING:
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			health_probe_finish(p, HEALTH_PROBE_FAILED, 0, err);
			return;
		}
		if (p->protocol == HEALTH_PROTO_TCP) {
			health_probe_finish(p, HEALTH_PROBE_OK, 0, 0);
			return;
		}
		p->phase = HEALTH_SENDING;
		health_probe_send(p);
		return;
	case HEALTH_SENDING:
		health_probe_send(p);
		return;
	case HEALTH_READING:
		health_probe_read(p);
		return;
	}
}

/* A non-blocking stream socket in the named network namespace: enter it around socket() only,
 * then come back, as keepalived does; the socket keeps its namespace for its whole life.
 */
static int health_socket(const char *netns, int family, int *out)
{
	int nsfd = -1, selffd = -1, fd = -1, err = 0;
	char path[128];

	if (netns[0]) {
		if (strchr(netns, '/') || !strcmp(netns, ".") || !strcmp(netns, "..")) {
			err = -EINVAL;
			goto out;
		}
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			err = -errno;
			goto out;
		}
		/* thread-self: setns moves the calling thread only */
		selffd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (selffd < 0) {
			err = -errno;
			goto out;
		}
		if (setns(nsfd, CLONE_NEWNET) < 0) {
			err = -errno;
			goto out;
		}
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	if (selffd >= 0 && setns(selffd, CLONE_NEWNET) < 0) {
		/* every later socket, map and link of xlbd would land in the wrong namespace */
		log_error("health: cannot return from network namespace %s: %s", netns,
			  strerror(errno));
		abort();
	}
out:
	if (selffd >= 0)
		close(selffd);
	if (nsfd >= 0)
		close(nsfd);
	if (!err)
		*out = fd;
	return err;
}

/* The Host header ELB sends by default: the target's address and port. */
static void health_default_host(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(s4->sin_port));
	}
}

/* Keeps the probe's early failure for delivery from the loop, never from inside start. */
static int health_probe_defer(struct health_probe *p, enum health_outcome outcome, int err)
{
	p->early.outcome = outcome;
	p->early.err = err;
	return loop_timer_arm(p->loop, &p->timer, 0, 0, health_probe_on_early, p);
}

int health_probe_start(struct loop *loop, const struct health_probe_spec *spec, health_probe_cb cb,
		       void *arg, struct health_probe **out)
{
	char host[300];
	struct health_probe *p = NULL;
	const char *path;
	size_t reqmax = 0;
	int err, n;

	if (!cb || (spec->addr.ss_family != AF_INET && spec->addr.ss_family != AF_INET6) ||
	    !spec->addrlen)
		return -EINVAL;
	path = spec->path[0] ? spec->path : "/";
	if (spec->protocol == HEALTH_PROTO_HTTP) {
		if (spec->host[0])
			snprintf(host, sizeof(host), "%s", spec->host);
		else
			health_default_host(&spec->addr, host, sizeof(host));
		if (strpbrk(path, "\r\n ") || strpbrk(host, "\r\n"))
			return -EINVAL;
		reqmax = strlen(path) + strlen(host) + 128;
	}
	p = calloc(1, sizeof(*p) + reqmax + 1);
	if (!p)
		return -ENOMEM;
	p->loop = loop;
	p->fd = -1;
	p->protocol = spec->protocol;
	p->matcher = spec->matcher;
	p->cb = cb;
	p->arg = arg;
	p->start = loop_now();
	loop_timer_init(&p->timer);
	if (spec->protocol == HEALTH_PROTO_HTTP) {
		/* the User-Agent ELB uses, which applications already leave out of their logs */
		n = snprintf(p->req, reqmax + 1,
			     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ELB-HealthChecker/2.0\r\n"
			     "Accept: */*\r\nConnection: close\r\n\r\n",
			     path, host);
		p->req_len = (size_t)n;
	}

	err = health_socket(spec->netns, spec->addr.ss_family, &p->fd);
	if (err) {
		err = health_probe_defer(p, HEALTH_PROBE_INTERNAL, -err);
		goto out;
	}
	if (spec->protocol == HEALTH_PROTO_TCP) {
		/* close with a reset: thousands of probes leave no TIME_WAIT sockets behind */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (spec->srclen && bind(p->fd, (const struct sockaddr *)&spec->src, spec->srclen) < 0) {
		err = health_probe_defer(p, HEALTH_PROBE_INTERNAL, errno);
		goto out;
	}
	if (connect(p->fd, (const struct sockaddr *)&spec->addr, spec->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		/* loopback refuses at once; a remote target's refusal comes through SO_ERROR */
		err = health_probe_defer(
			p, errno == EAGAIN ? HEALTH_PROBE_INTERNAL : HEALTH_PROBE_FAILED, errno);
		goto out;
	}
	/* writable means connected, or failed: SO_ERROR tells which */
	err = loop_fd_add(loop, p->fd, EPOLLOUT, health_probe_on_fd, p);
	if (err)
		goto out;
	p->in_loop = true;
	err = loop_timer_arm(loop, &p->timer, spec->timeout_ms, 0, health_probe_on_timeout, p);
out:
	if (err) {
		health_probe_free(p);
		return err;
	}
	if (out)
		*out = p;
	return 0;
}

/* ---- the periodic checker ---- */

static void health_check_on_result(const struct health_result *res, void *arg)
{
	struct health_check *hc = arg;
	struct health_change chg;

	hc->probe = NULL;
	health_probe_result(hc->target, hc->cfg, res, loop_now(), &chg);
	if (hc->cb)
		hc->cb(hc, &chg, res, hc->arg);
}

static void health_check_on_timer(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct health_check *hc = arg;
	struct health_result res = { .outcome = HEALTH_PROBE_INTERNAL };
	int err;

	/* a reload may have changed the interval */
	if (timer->period != hc->cfg->interval_ms && hc->cfg->interval_ms)
		loop_timer_arm(loop, timer, hc->cfg->interval_ms, hc->cfg->interval_ms,
			       health_check_on_timer, hc);
	if (hc->probe)
		return;
	if (hc->target->state != HEALTH_INITIAL && hc->target->state != HEALTH_HEALTHY &&
	    hc->target->state != HEALTH_UNHEALTHY)
		return;
	hc->spec.timeout_ms = hc->cfg->timeout_ms;
	err = health_probe_start(loop, &hc->spec, health_check_on_result, hc, &hc->probe);
	if (err) {
		/* nothing went out: the check failed on our side, as Elb.InternalError says */
		hc->probe = NULL;
		res.err = -err;
		health_check_on_result(&res, hc);
	}
}

int health_check_start(struct health_check *hc, struct loop *loop, struct health_target *t,
		       const struct health_config *cfg, const struct health_probe_spec *spec,
		       uint64_t first_ms, health_check_cb cb, void *arg)
{
	if (!cfg->interval_ms)
		return -EINVAL;
	memset(hc, 0, sizeof(*hc));
	hc->loop = loop;
	hc->target = t;
	hc->cfg = cfg;
	hc->spec = *spec;
	hc->cb = cb;
	hc->arg = arg;
	loop_timer_init(&hc->timer);
	return loop_timer_arm(loop, &hc->timer, first_ms, cfg->interval_ms, health_check_on_timer,
			      hc);
}

void health_check_stop(struct health_check *hc)
{
	if (!hc->loop)
		return;
	loop_timer_disarm(hc->loop, &hc->timer);
	health_probe_cancel(hc->probe);
	hc->probe = NULL;
}
