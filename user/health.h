/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Target health as an ELB target group has it. The state machine (states, reason codes,
 * thresholds, draining) is pure: probe results and events go in with `now`, changes come out.
 * The probe engine (TCP connect and HTTP GET, non-blocking, on the event loop, optionally in
 * another network namespace) and the periodic checker that feeds the machine are its side.
 */
#ifndef XLB_HEALTH_H
#define XLB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"
#include "matcher.h"

/* ---- the state machine (pure) ---- */

/* TargetHealth.State. A zeroed target is unused: not registered. */
enum health_state {
	HEALTH_UNUSED = 0,
	HEALTH_INITIAL,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
	HEALTH_DRAINING,
	HEALTH_UNAVAILABLE,
	HEALTH_STATE_MAX,
};

/* TargetHealth.Reason, all of AWS's codes; the machine itself sets the ones marked (*), the
 * others are known only to be named (health_reason_name, health_reason_doc).
 */
enum health_reason {
	HEALTH_REASON_NONE = 0,			  /* healthy targets have no reason */
	HEALTH_REASON_REGISTRATION_IN_PROGRESS,	  /* (*) Elb.RegistrationInProgress */
	HEALTH_REASON_INITIAL_HEALTH_CHECKING,	  /* (*) Elb.InitialHealthChecking */
	HEALTH_REASON_RESPONSE_CODE_MISMATCH,	  /* (*) Target.ResponseCodeMismatch */
	HEALTH_REASON_TIMEOUT,			  /* (*) Target.Timeout */
	HEALTH_REASON_FAILED_HEALTH_CHECKS,	  /* (*) Target.FailedHealthChecks */
	HEALTH_REASON_NOT_REGISTERED,		  /* (*) Target.NotRegistered */
	HEALTH_REASON_NOT_IN_USE,		  /* Target.NotInUse */
	HEALTH_REASON_DEREGISTRATION_IN_PROGRESS, /* (*) Target.DeregistrationInProgress */
	HEALTH_REASON_INVALID_STATE,		  /* Target.InvalidState */
	HEALTH_REASON_IP_UNUSABLE,		  /* Target.IpUnusable */
	HEALTH_REASON_HEALTH_CHECK_DISABLED,	  /* Target.HealthCheckDisabled */
	HEALTH_REASON_INTERNAL_ERROR,		  /* (*) Elb.InternalError */
	HEALTH_REASON_MAX,
};

/* How one probe ended. */
enum health_outcome {
	HEALTH_PROBE_OK = 0,
	HEALTH_PROBE_CODE_MISMATCH, /* HTTP status outside the matcher */
	HEALTH_PROBE_TIMEOUT,	    /* no connection or no status line within the timeout */
	HEALTH_PROBE_FAILED,	    /* refused, reset, unreachable, malformed response */
	HEALTH_PROBE_INTERNAL,	    /* our side failed: namespace, socket, memory */
	HEALTH_OUTCOME_MAX,
};

struct health_result {
	enum health_outcome outcome;
	int status;	     /* HTTP status read, 0 when none */
	int err;	     /* errno behind FAILED or INTERNAL, 0 when none */
	uint32_t elapsed_ms; /* from the start of the probe to its end */
};

/* A target group's HealthCheck* and deregistration settings, in ms. The config module checks
 * AWS's ranges; the machine only needs thresholds of at least 1.
 */
struct health_config {
	uint32_t interval_ms;	      /* HealthCheckIntervalSeconds */
	uint32_t timeout_ms;	      /* HealthCheckTimeoutSeconds */
	uint32_t healthy_threshold;   /* HealthyThresholdCount */
	uint32_t unhealthy_threshold; /* UnhealthyThresholdCount */
	uint32_t dereg_delay_ms;      /* deregistration_delay.timeout_seconds */
};

struct health_target {
	enum health_state state;
	enum health_reason reason;
	uint32_t successes;	 /* consecutive, reset by a failure */
	uint32_t failures;	 /* consecutive, reset by a success */
	uint64_t since;		 /* when the state was entered */
	uint64_t drain_deadline; /* draining: when the deregistration delay runs out */
	int last_status;	 /* the last failing probe's HTTP status, for the description */
	int last_err;		 /* the last failing probe's errno */
};

/* What an event did. Transitions (state_changed) are worth an info line with `cause`. */
struct health_change {
	bool state_changed;
	bool reason_changed;
	/* The target entered or left the healthy or the unhealthy state: whether it is a backend
	 * may have changed, recompute the group's selection (health_select).
	 */
	bool membership;
	enum health_state from, to;
	enum health_reason reason;
	char cause[192];
};

/* Unused, Target.NotRegistered. */
void health_target_init(struct health_target *t, uint64_t now);

/* RegisterTargets: initial, Elb.RegistrationInProgress; health checks start. A no-op for a
 * target already registered (initial, healthy, unhealthy).
 */
void health_register(struct health_target *t, uint64_t now, struct health_change *chg);

/* One probe's result. Consecutive successes reaching HealthyThresholdCount make an initial or
 * unhealthy target healthy; consecutive failures reaching UnhealthyThresholdCount make an
 * initial or healthy one unhealthy, the reason naming the last failure (a timeout is
 * Target.Timeout). Ignored while draining or unused: AWS stops checking those.
 */
void health_probe_result(struct health_target *t, const struct health_config *cfg,
			 const struct health_result *res, uint64_t now, struct health_change *chg);

/* DeregisterTargets: draining, Target.DeregistrationInProgress, until now + the delay; with a
 * delay of 0 straight to unused.
 */
void health_deregister(struct health_target *t, const struct health_config *cfg, uint64_t now,
		       struct health_change *chg);

/* The datapath reports no flow left on a draining target: deregistration completes at once,
 * as ELB does when a deregistering target has no in-flight requests.
 */
void health_drained(struct health_target *t, uint64_t now, struct health_change *chg);

/* Time passes: a draining target whose delay ran out becomes unused. */
void health_tick(struct health_target *t, uint64_t now, struct health_change *chg);

/* The next `now` at which health_tick has something to do; UINT64_MAX for never. */
uint64_t health_next_deadline(const struct health_target *t);

/* Auto Scaling's view with HealthCheckType ELB: the instance counts as unhealthy when its
 * target is unhealthy and its HealthCheckGracePeriod (from launched_at) is over.
 */
bool health_instance_unhealthy(const struct health_target *t, uint64_t launched_at,
			       uint64_t grace_ms, uint64_t now);

/* Which targets of a group are backends: the healthy ones; when none is healthy and some are
 * unhealthy, every unhealthy one (fail open, as ALB and NLB do). Initial, draining and unused
 * targets never are. Fills backend[i], sets *fail_open (may be NULL) when the second rule
 * applied, returns the number of backends.
 */
size_t health_select(const struct health_target *const *targets, size_t n, bool *backend,
		     bool *fail_open);

/* "initial", "healthy", ...: TargetHealth.State as the API spells it. */
const char *health_state_name(enum health_state state);
/* "Elb.InitialHealthChecking", ...; "" for none. */
const char *health_reason_name(enum health_reason reason);
/* What the reason code means, after AWS's TargetHealth documentation. */
const char *health_reason_doc(enum health_reason reason);
/* TargetHealth.Description as DescribeTargetHealth gives it, with the target's details
 * ("Health checks failed with these codes: [500]"); "" for a healthy target. Returns the
 * length it needed, as snprintf does.
 */
int health_describe(const struct health_target *t, char *buf, size_t len);
/* One probe's result for debug lines: "ok 200 in 3 ms", "timeout after 5000 ms". */
int health_result_format(const struct health_result *res, char *buf, size_t len);

/* ---- probes (side effects) ---- */

enum health_protocol {
	HEALTH_PROTO_TCP = 0,
	HEALTH_PROTO_HTTP,
};

struct health_probe_spec {
	enum health_protocol protocol;
	struct sockaddr_storage addr; /* the target's address and health check port */
	socklen_t addrlen;
	struct sockaddr_storage src; /* bound before connecting when srclen > 0 */
	socklen_t srclen;
	char netns[64];		/* socket made in /run/netns/NAME when not "" */
	char host[256];		/* HTTP Host header; "" for the target's address:port */
	char path[1024];	/* HealthCheckPath; "" for "/" */
	struct matcher matcher; /* HTTP only */
	uint32_t timeout_ms;
};

struct health_probe;
typedef void (*health_probe_cb)(const struct health_result *res, void *arg);

/* Starts one probe; cb runs once, from the loop, never from inside this call, after which the
 * probe is gone. Failures of the probe itself (namespace, socket, refused) come through cb;
 * the return is -EINVAL or -ENOMEM when nothing could be started.
 */
int health_probe_start(struct loop *loop, const struct health_probe_spec *spec, health_probe_cb cb,
		       void *arg, struct health_probe **out);
/* Stops a probe before its callback ran; cb will not run. */
void health_probe_cancel(struct health_probe *probe);

/* One target's periodic checking: a probe every interval, each result fed to the target's
 * state machine, then cb with the change (log transitions, recompute the selection when
 * chg->membership). Target and config belong to the caller and must outlive the check.
 */
struct health_check;
typedef void (*health_check_cb)(struct health_check *hc, const struct health_change *chg,
				const struct health_result *res, void *arg);

struct health_check {
	struct loop *loop;
	struct health_target *target;
	const struct health_config *cfg;
	struct health_probe_spec spec;
	struct loop_timer timer;
	struct health_probe *probe; /* in flight, or NULL */
	health_check_cb cb;
	void *arg;
};

/* hc must not be running (zeroed, or stopped). First probe after first_ms (spread the targets
 * of a group), then every cfg->interval_ms;
 * a tick that finds the previous probe still running skips. No probes while the target is
 * draining or unused. cb may call health_check_stop.
 */
int health_check_start(struct health_check *hc, struct loop *loop, struct health_target *t,
		       const struct health_config *cfg, const struct health_probe_spec *spec,
		       uint64_t first_ms, health_check_cb cb, void *arg);
/* Idempotent; cancels a probe in flight. */
void health_check_stop(struct health_check *hc);

#endif /* XLB_HEALTH_H */
