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
	uint32_t capacity;	/* Pending + InService before the plan */
	bool no_target_group;	/* the group feeds no target group: warn (asg_warning) */
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

/* The pitfall in plain words, for xlbd's and xlbctl's warnings; "" when the group has a
 * target group. Returns the length needed, as snprintf does.
 */
int asg_warning(const struct asg_group *g, char *buf, size_t len);

/* "Pending", "InService", "Terminating", "Terminated". */
const char *asg_lifecycle_name(enum asg_lifecycle s);
/* "Healthy", "Unhealthy". */
const char *asg_health_name(enum asg_health h);
/* "Default", "OldestInstance", ...: the TerminationPolicies value. */
const char *asg_termination_name(enum model_termination t);

#endif /* XLB_ASG_H */
