/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* An auto-scaling group's capacity logic, pure: the group's observed instances and settings go
 * in with `now`, a plan comes out (launch k, start terminating these, finish terminating those,
 * put these in service). The caller carries the plan out (launcher, dataplane) and reports back
 * through the asg_instance_* calls. Causes are worded as AWS's scaling activities word them.
 */
#ifndef XLB_ASG_H
#define XLB_ASG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "model.h"

#define ASG_ID_LEN 20 /* "i-" + 17 hex digits + NUL */
/* Instances one group tracks, terminating ones included: a namespace per instance on one
 * host makes more than this a mistake; launches beyond it wait for a free slot.
 */
#define ASG_INSTANCES_MAX 64
#define ASG_TG_MAX 8	  /* target groups one instance is registered with */
#define ASG_CAUSE_LEN 640 /* a desired-capacity change, then the launch or termination */
#define ASG_NAME_LEN 128

/* LifecycleState as DescribeAutoScalingInstances names it (the states xlb goes through). */
enum asg_lifecycle {
	ASG_PENDING = 0,
	ASG_IN_SERVICE,
	ASG_TERMINATING, /* deregistered from its target groups, draining its flows */
	ASG_TERMINATED,
	/* lifecycle hooks (asg_lifecycle_*): held until each hook of the transition completes */
	ASG_PENDING_WAIT,	 /* running, UserData started, not registered */
	ASG_PENDING_PROCEED,	 /* every launch hook completed: registered next */
	ASG_TERMINATING_WAIT,	 /* drained and deregistered, its processes still running */
	ASG_TERMINATING_PROCEED, /* every termination hook completed: ended next */
	/* the warm pool (asg_warm_*): launched and initialised, not counted in the capacity */
	ASG_WARMED_PENDING,
	ASG_WARMED_PENDING_WAIT,
	ASG_WARMED_PENDING_PROCEED,
	ASG_WARMED_STOPPED, /* its cgroup frozen */
	ASG_WARMED_RUNNING, /* running, not registered */
	ASG_STANDBY,	    /* EnterStandby: deregistered, not counted, not health checked */
	ASG_LIFECYCLE_MAX,
};

/* HealthStatus: what Auto Scaling thinks, not what the target group says. */
enum asg_health {
	ASG_HEALTHY = 0,
	ASG_UNHEALTHY,
};

/* The EC2 view the launcher reports: the instance's state as EC2 would show it. */
enum asg_ec2 {
	ASG_EC2_PENDING = 0, /* namespace made, boot script not started yet */
	ASG_EC2_RUNNING,
	ASG_EC2_STOPPED, /* its processes are gone: EC2 health check says "terminated or stopped" */
};

/* Why an instance leaves service, for its activity's cause. */
enum asg_term_reason {
	ASG_TERM_SCALE_IN = 0, /* above desired, chosen by the termination policies */
	ASG_TERM_ELB_HEALTH,   /* HealthCheckType ELB: a target group found it unhealthy */
	ASG_TERM_EC2_HEALTH,   /* its processes died */
	ASG_TERM_ABANDON,      /* a launch lifecycle hook said ABANDON (or timed out so) */
	ASG_TERM_WARM_POOL,    /* the warm pool holds more than its size */
	ASG_TERM_USER,	       /* TerminateInstanceInAutoScalingGroup */
	ASG_TERM_USER_HEALTH,  /* SetInstanceHealth Unhealthy */
	ASG_TERM_REFRESH,      /* an instance refresh replaces it */
	ASG_TERM_LIFETIME,     /* older than MaxInstanceLifetime */
};

#define ASG_TOKEN_LEN 40 /* LifecycleActionToken: a UUID, 36 characters */

/* A lifecycle hook as the group runs it. Times are already divided by Xlb.TimeScale. */
struct asg_hook {
	char name[256];
	enum model_hook_transition transition;
	enum model_hook_result default_result;
	uint64_t heartbeat_ms; /* HeartbeatTimeout */
	uint64_t global_ms;    /* AWS's global timeout: 48 hours or 100 x heartbeat, the smaller */
	char metadata[1024];   /* NotificationMetadata, handed to the instance */
};

/* WarmPoolConfiguration as the group runs it. */
struct asg_warm {
	bool enabled;
	uint32_t min_size;
	int64_t max_prepared; /* -1: MaxSize */
	bool running;	      /* PoolState Running; else Stopped (Hibernated is Stopped here) */
	bool reuse_on_scale_in;
};

/* The processes SuspendProcesses names, in AWS's order; a bit each in asg_group.suspended. */
enum asg_process {
	ASG_PROC_LAUNCH = 0,
	ASG_PROC_TERMINATE,
	ASG_PROC_HEALTH_CHECK,
	ASG_PROC_REPLACE_UNHEALTHY,
	ASG_PROC_AZ_REBALANCE,
	ASG_PROC_ALARM_NOTIFICATION,
	ASG_PROC_SCHEDULED_ACTIONS,
	ASG_PROC_ADD_TO_LOAD_BALANCER,
	ASG_PROC_INSTANCE_REFRESH,
	ASG_PROC_MAX,
};

/* An instance refresh's Status, as DescribeInstanceRefreshes names it. */
enum asg_refresh_status {
	ASG_REFRESH_PENDING = 0,
	ASG_REFRESH_IN_PROGRESS,
	ASG_REFRESH_SUCCESSFUL,
	ASG_REFRESH_FAILED,
	ASG_REFRESH_CANCELLING,
	ASG_REFRESH_CANCELLED,
	ASG_REFRESH_STATUS_MAX,
};

#define ASG_REFRESH_KEEP 8     /* refreshes a group remembers, the newest first */
#define ASG_REFRESH_FAILURES 3 /* replacements that die unhealthy before a refresh fails */

/* StartInstanceRefresh's Preferences that xlb follows, and the refresh's progress. */
struct asg_refresh {
	char id[40];
	enum asg_refresh_status status;
	char reason[160];      /* StatusReason */
	uint32_t min_pct;      /* MinHealthyPercentage, 0..100, AWS's default 90 */
	uint32_t max_pct;      /* MaxHealthyPercentage, 100..200; above 100: launch first */
	uint64_t warmup_ms;    /* InstanceWarmup, TimeScale applied */
	uint32_t warmup_s;     /* ...as given, for the reply */
	bool skip_matching;    /* SkipMatching */
	uint64_t start, end;   /* `now`'s clock; end 0 while it runs */
	uint32_t to_update;    /* instances marked at the start */
	uint32_t remaining;    /* InstancesToUpdate */
	uint32_t pct;	       /* PercentageComplete */
	unsigned int failures; /* replacements taken out for their health */
};

/* Which launch configuration or template version an instance came from, for the Oldest*
 * termination policies. `created` orders configurations (ms, any clock, bigger is newer).
 */
struct asg_launch_ref {
	enum model_launch_kind kind;
	char name[ASG_NAME_LEN]; /* configuration name, or the template's name or id */
	uint32_t version;	 /* templates only */
	uint64_t created;
};

struct asg_instance {
	char id[ASG_ID_LEN];
	enum asg_lifecycle state;
	enum asg_health health;
	enum asg_ec2 ec2;
	uint64_t launched_at;	/* ms, `now`'s clock */
	uint64_t in_service_at; /* ms, `now`'s clock; 0: not yet */
	/* Warm from the start, whatever in_service_at says: a simulation's starting capacity. */
	bool prewarmed;
	struct asg_launch_ref launch;
	bool protected_from_scale_in;
	/* Its targets in the group's target groups (owned by the target groups, may be NULL);
	 * only read with HealthCheckType ELB.
	 */
	const struct health_target *targets[ASG_TG_MAX];
	size_t ntargets;
	/* Terminating: when deregistration began, and the datapath's established flows to it. */
	uint64_t terminating_since;
	uint64_t flows;
	bool flows_known; /* false: wait for the delay, never guess "no flows" */
	/* A lifecycle hook's wait: bit i set while hooks[i] has not completed. */
	uint32_t hook_pending;
	uint64_t hook_since;			 /* the wait began */
	uint64_t hook_deadline[MODEL_HOOKS_MAX]; /* heartbeat timeouts, `now`'s clock */
	char token[ASG_TOKEN_LEN];		 /* LifecycleActionToken of the wait */
	bool abandoned;				 /* a launch hook ended in ABANDON */
	bool hooks_done;			 /* the termination hooks ran (or never apply) */
	bool to_warm;				 /* scale in returns it to the warm pool */
	bool from_warm;				 /* it came out of the warm pool */
	/* Requests (asg_terminate_request, asg_set_health) and refreshes. */
	bool user_terminate; /* TerminateInstanceInAutoScalingGroup: leave at the next plan */
	bool respect_grace;  /* SetInstanceHealth Unhealthy with ShouldRespectGracePeriod */
	bool decremented;    /* ...with ShouldDecrementDesiredCapacity: its cause says so */
	bool refresh_old;    /* the running refresh replaces it */
};

struct asg_group {
	char name[ASG_NAME_LEN];
	uint32_t min_size, max_size, desired;
	enum model_asg_hc hc_type;
	uint64_t grace_ms;	 /* HealthCheckGracePeriod */
	uint64_t dereg_delay_ms; /* the longest deregistration delay of its target groups */
	size_t ntgs;		 /* target groups attached; 0 is the classic pitfall */
	enum model_termination term[8];
	size_t nterm;		      /* 0 means Default */
	struct asg_launch_ref launch; /* what new instances launch from */
	bool protect_new;	      /* NewInstancesProtectedFromScaleIn */
	/* CLOCK_REALTIME minus `now`'s clock, ms: causes give wall-clock times. */
	int64_t wall_offset_ms;
	/* The last change of desired capacity, worded for the causes of the launches or
	 * terminations it brings ("At ... a user request explicitly set ..."); "" when consumed.
	 */
	char desired_cause[300];
	uint64_t last_activity_end; /* a launch or termination finished, `now`'s clock; 0: none */
	struct asg_hook hooks[MODEL_HOOKS_MAX]; /* LifecycleHookSpecificationList */
	size_t nhooks;
	struct asg_warm warm;	  /* WarmPoolConfiguration */
	uint32_t suspended;	  /* 1 << enum asg_process: SuspendProcesses */
	uint64_t max_lifetime_ms; /* MaxInstanceLifetime, TimeScale applied; 0: none */
	uint64_t warmup_ms;	  /* DefaultInstanceWarmup, else HealthCheckGracePeriod */
	struct asg_refresh refresh[ASG_REFRESH_KEEP]; /* the newest first */
	size_t nrefresh;
	struct asg_instance inst[ASG_INSTANCES_MAX];
	size_t ninst;
};

struct asg_plan_term {
	char id[ASG_ID_LEN];
	enum asg_term_reason reason;
	char cause[ASG_CAUSE_LEN];
};

struct asg_plan {
	/* Pending instances whose EC2 state is running: register with the target groups, then
	 * asg_instance_in_service.
	 */
	char in_service[ASG_INSTANCES_MAX][ASG_ID_LEN];
	size_t nin_service;
	/* Leave service: deregister from the target groups (draining), then
	 * asg_instance_terminating. Those for health are also marked Unhealthy there.
	 */
	struct asg_plan_term terminate[ASG_INSTANCES_MAX];
	size_t nterminate;
	/* Terminating instances done draining (no flows left, the delay ran out, no target
	 * group, or dead): destroy them, then asg_instance_terminated.
	 */
	char finish[ASG_INSTANCES_MAX][ASG_ID_LEN];
	size_t nfinish;
	/* Launch nlaunch instances (each its own activity), then asg_instance_add each; the first
	 * nreplace replace instances taken out of service for their health. asg_plan_cause gives
	 * the cause of the i-th.
	 */
	size_t nlaunch;
	size_t nreplace;
	char replace_cause[ASG_CAUSE_LEN];
	char launch_cause[ASG_CAUSE_LEN];
	/* Lifecycle hooks: instances whose transition a hook holds (running after launch, or
	 * drained): asg_lifecycle_wait with a fresh token, then tell the instance.
	 */
	char hold[ASG_INSTANCES_MAX][ASG_ID_LEN];
	size_t nhold;
	/* Warm pool: instances taken for the capacity first (thaw, then asg_warm_take), ones
	 * ready to be kept (freeze when the pool is Stopped, then asg_warm_ready), and launches
	 * into the pool (asg_warm_add for each).
	 */
	char from_warm[ASG_INSTANCES_MAX][ASG_ID_LEN];
	size_t nfrom_warm;
	char warm_ready[ASG_INSTANCES_MAX][ASG_ID_LEN];
	size_t nwarm_ready;
	size_t nwarm_launch;
	uint32_t capacity;    /* Pending + InService before the plan */
	bool no_target_group; /* the group feeds no target group: warn (asg_warning) */
	/* ReplaceUnhealthy suspended: these are found unhealthy and stay; mark them Unhealthy */
	char unhealthy[ASG_INSTANCES_MAX][ASG_ID_LEN];
	size_t nunhealthy;
	uint32_t surge;		/* launched beyond desired for a refresh or MaxInstanceLifetime */
	uint64_t next_deadline; /* call again by then (grace or drain ends); UINT64_MAX: none */
};

/* From the loaded model: sizes, health check, policies, launch; no instances. dereg_delay_ms
 * and ntgs come from its target groups. Returns 0 or -EINVAL (NULL, or a name too long).
 */
int asg_group_init(struct asg_group *g, const struct model_asg *m, int64_t wall_offset_ms);

/* What to do now. Pure: reads the group, fills the plan. */
void asg_plan(const struct asg_group *g, uint64_t now, struct asg_plan *plan);

/* The cause of the plan's i-th launch. */
const char *asg_plan_cause(const struct asg_plan *plan, size_t i);

/* MinSize <= value <= MaxSize, as scaling policies' results are clamped. */
uint32_t asg_clamp(const struct asg_group *g, int64_t value);

/* SetDesiredCapacity from a user: out of range is -EINVAL with AWS's ValidationError message
 * in err ("New SetDesiredCapacity value 6 is above max value 5 for the AutoScalingGroup.");
 * otherwise desired is set and the cause for the activities it brings is remembered.
 */
int asg_set_desired(struct asg_group *g, int64_t desired, uint64_t now, char *err, size_t errlen);

/* UpdateAutoScalingGroup's sizes; -1 leaves a field as it is. Without a desired capacity, it
 * follows MinSize up and MaxSize down, as AWS does. -EINVAL with AWS's message when the sizes
 * do not fit together.
 */
int asg_update_sizes(struct asg_group *g, int64_t min_size, int64_t max_size, int64_t desired,
		     uint64_t now, char *err, size_t errlen);

/* Reports from the caller, after carrying out a plan. -ENOENT for an unknown id, -ENOSPC when
 * the group is full, -EEXIST for an id already there.
 */
int asg_instance_add(struct asg_group *g, const char *id, uint64_t now);
int asg_instance_in_service(struct asg_group *g, const char *id, uint64_t now);
int asg_instance_terminating(struct asg_group *g, const char *id, enum asg_term_reason reason,
			     uint64_t now);
/* Gone: the instance leaves the group (DescribeAutoScalingGroups no longer lists it). */
int asg_instance_terminated(struct asg_group *g, const char *id);
struct asg_instance *asg_instance_find(struct asg_group *g, const char *id);

/* ---- lifecycle hooks ----
 *
 * A group with an autoscaling:EC2_INSTANCE_LAUNCHING hook holds a new instance, once it runs,
 * in Pending:Wait (Warmed:Pending:Wait on its way into the warm pool, and again in Pending:Wait
 * on its way out of it); one with an autoscaling:EC2_INSTANCE_TERMINATING hook holds a leaving
 * instance in Terminating:Wait once it is drained. Each hook of the transition must complete:
 * by CompleteLifecycleAction, or when its heartbeat timeout (restarted by
 * RecordLifecycleActionHeartbeat) or the global timeout (48 hours or 100 heartbeat timeouts,
 * the smaller) runs out, with its DefaultResult. One ABANDON at launch terminates the instance
 * (its termination hooks do not run) and the group launches another; at termination both
 * results end it. The wait then proceeds (Pending:Proceed, Terminating:Proceed) and asg_plan
 * carries on.
 */

/* Enter the wait asg_plan's hold[] asked for: Pending:Wait, Warmed:Pending:Wait or
 * Terminating:Wait, with the caller's token. -ENOENT, or -EINVAL when not in a state to hold.
 */
int asg_lifecycle_wait(struct asg_group *g, const char *id, const char *token, uint64_t now);
/* A wait of before a restart: id enters the wait asg_lifecycle_wait enters, with token, but
 * on the hooks named in names[0..n) only (those it had not completed; n == 0: every hook of
 * the transition). A named hook no longer in the list, or of the other transition, ends as
 * asg_hooks_set ends a removed hook's waits. Errors as asg_lifecycle_wait's.
 */
int asg_lifecycle_resume(struct asg_group *g, const char *id, const char *token,
			 const char *const *names, size_t n, uint64_t now);
/* CompleteLifecycleAction for hook on the instance named by id or by token (either may be
 * NULL). -ENOENT (no such hook or instance: err says which, as AWS does), -EINVAL (not waiting
 * for that hook).
 */
int asg_lifecycle_complete(struct asg_group *g, const char *hook, const char *id, const char *token,
			   enum model_hook_result result, uint64_t now, char *err, size_t errlen);
/* RecordLifecycleActionHeartbeat: the hook's heartbeat timeout starts again (never beyond
 * the global timeout). Errors as asg_lifecycle_complete.
 */
int asg_lifecycle_heartbeat(struct asg_group *g, const char *hook, const char *id,
			    const char *token, uint64_t now, char *err, size_t errlen);
/* The hooks whose heartbeat or global timeout ran out take their DefaultResult. Returns how
 * many did. Pure in (group, now): call before asg_plan.
 */
size_t asg_lifecycle_expire(struct asg_group *g, uint64_t now);
/* AWS's global timeout of a hook: min(48 h, 100 x heartbeat). */
uint64_t asg_lifecycle_global_ms(uint64_t heartbeat_ms);
/* The hook of that name; NULL when none. */
const struct asg_hook *asg_hook_find(const struct asg_group *g, const char *name);
/* PutLifecycleHook: h replaces the hook of its name (instances waiting on it keep waiting, on
 * its new times from the next heartbeat) or is added; -ENOSPC when the group has
 * MODEL_HOOKS_MAX already.
 */
int asg_hook_put(struct asg_group *g, const struct asg_hook *h);
/* DeleteLifecycleHook: the waits on it end first, as AWS completes them (ABANDON for a launch,
 * CONTINUE for a termination); -ENOENT when the group has no hook of that name.
 */
int asg_hook_delete(struct asg_group *g, const char *name);
/* The hook list becomes hooks[0..n) (a reload, or the state file at a restart). Waits are kept
 * by hook name, not position, so that removing, adding or reordering hooks moves no wait onto
 * another hook: a hook gone from the list (or now of the other transition) ends its waits as
 * DeleteLifecycleHook does (ABANDON for a launch, CONTINUE for a termination); a hook kept
 * keeps its waits and their heartbeat deadlines; a hook new to the list holds no instance
 * already waiting (its lifecycle action began before the hook existed). n beyond
 * MODEL_HOOKS_MAX is cut there.
 */
void asg_hooks_set(struct asg_group *g, const struct asg_hook *hooks, size_t n);
/* "autoscaling:EC2_INSTANCE_LAUNCHING", "...TERMINATING"; "CONTINUE", "ABANDON". */
const char *asg_hook_transition_name(enum model_hook_transition t);
const char *asg_hook_result_name(enum model_hook_result r);

/* ---- warm pool ----
 *
 * The pool's size, as AWS computes it: MaxGroupPreparedCapacity (MaxSize when not set) minus
 * DesiredCapacity, at least the pool's MinSize. Scale out takes ready warm instances (Warmed:
 * Stopped or Warmed:Running) before launching cold ones; the pool is refilled to its size and
 * trimmed when above it. With ReuseOnScaleIn, scale in returns drained instances to the pool.
 */
uint32_t asg_warm_size(const struct asg_group *g);
/* Instances in the warm pool (not leaving it). */
uint32_t asg_warm_count(const struct asg_group *g);
/* A launch into the warm pool: Warmed:Pending. Errors as asg_instance_add. */
int asg_warm_add(struct asg_group *g, const char *id, uint64_t now);
/* Initialised (or drained and reused): Warmed:Stopped or Warmed:Running. */
int asg_warm_ready(struct asg_group *g, const char *id, uint64_t now);
/* Taken for the group's capacity: Pending again, running already, its launch hooks next. */
int asg_warm_take(struct asg_group *g, const char *id, uint64_t now);
/* Warmed:* */
bool asg_is_warm(enum asg_lifecycle s);

/* The pitfall in plain words, for xlbd's and xlbctl's warnings; "" when the group has a
 * target group. Returns the length needed, as snprintf does.
 */
int asg_warning(const struct asg_group *g, char *buf, size_t len);

/* "Pending", "InService", "Terminating", "Terminated", "Pending:Wait", "Warmed:Stopped"... */
const char *asg_lifecycle_name(enum asg_lifecycle s);
/* "Healthy", "Unhealthy". */
const char *asg_health_name(enum asg_health h);
/* "Default", "OldestInstance", ...: the TerminationPolicies value. */
const char *asg_termination_name(enum model_termination t);

/* ---- requests beside the sizes: each returns 0, or -EINVAL with AWS's message in err, or
 * -ENOENT when the instance is not the group's ----
 */

/* TerminateInstanceInAutoScalingGroup: the instance leaves at the next plan; decrement lowers
 * desired by one (not below MinSize: -EINVAL), otherwise a new one replaces it.
 */
int asg_terminate_request(struct asg_group *g, const char *id, bool decrement, uint64_t now,
			  char *err, size_t errlen);
/* SetInstanceHealth: Unhealthy is replaced at the next plan (after the grace period when
 * respect_grace); Healthy takes a mark back.
 */
int asg_set_health(struct asg_group *g, const char *id, enum asg_health h, bool respect_grace,
		   char *err, size_t errlen);
/* EnterStandby (an InService instance; decrement lowers desired, not below MinSize) and
 * ExitStandby (a Standby one: back to Pending, desired one higher, not above MaxSize).
 */
int asg_standby(struct asg_group *g, const char *id, bool enter, bool decrement, uint64_t now,
		char *err, size_t errlen);

/* SuspendProcesses' names: "Launch" ... "InstanceRefresh"; -EINVAL for another. */
int asg_process_parse(const char *name);
const char *asg_process_name(enum asg_process p);
bool asg_suspended(const struct asg_group *g, enum asg_process p);

/* StartInstanceRefresh with r's preferences and id (the caller's): -EBUSY when one is Pending,
 * InProgress or Cancelling; -EINVAL for preferences out of AWS's ranges. Marks the live
 * instances to replace (SkipMatching: not those on the group's launch; never those in
 * Standby or protected from scale in, AWS's "Ignore").
 */
int asg_refresh_start(struct asg_group *g, const struct asg_refresh *r, uint64_t now, char *err,
		      size_t errlen);
/* CancelInstanceRefresh: -ENOENT when none is Pending or InProgress. */
int asg_refresh_cancel(struct asg_group *g, uint64_t now);
/* The running refresh (NULL: none): Pending becomes InProgress, progress is counted, the end
 * is seen. Call before asg_plan.
 */
struct asg_refresh *asg_refresh_tick(struct asg_group *g, uint64_t now);
/* "Pending", "InProgress", ... */
const char *asg_refresh_status_name(enum asg_refresh_status s);

/* The launch backoff. An instance that ends within ASG_EARLY_S of its launch, never healthy in
 * a target group, makes the group wait before its next launch: ASG_BACKOFF_MS, doubled with
 * each such instance in a row, at most ASG_BACKOFF_MAX_MS. One that lived longer, or was
 * healthy, ended for another reason than its UserData: the count goes back to 0. So a broken
 * UserData costs a launch every few minutes rather than a churn.
 * *early_deaths is the count in a row, *retry_at the time (ms of the caller's clock, as now)
 * before which no launch starts: it only moves later. lived_s is the instance's life in
 * seconds (negative: unknown, as for a clock stepped back, which resets). Returns the wait
 * added, 0 when none.
 */
#define ASG_EARLY_S 60
#define ASG_BACKOFF_MS 5000
#define ASG_BACKOFF_MAX_MS 300000
uint64_t asg_backoff(unsigned int *early_deaths, uint64_t *retry_at, int64_t lived_s,
		     bool was_healthy, uint64_t now);

#endif /* XLB_ASG_H */
