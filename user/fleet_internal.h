/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The fleet's state, shared by fleet.c (which changes it) and fleet_view.c (which renders it
 * for the API and Prometheus) and by no one else: callers go through fleet.h and fleet_view.h.
 */
#ifndef XLB_FLEET_INTERNAL_H
#define XLB_FLEET_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activity.h"
#include "asg.h"
#include "fleet.h"
#include "loop.h"
#include "metrics.h"
#include "model.h"

struct json_object;
struct launcher;
struct scaling_engine;

/* What the group needs beside asg.c's view of an instance. */
#define FLEET_LO_VIPS 16

struct fleet_inst {
	char id[ASG_ID_LEN];
	char ip[INET6_ADDRSTRLEN];
	char ip6[INET6_ADDRSTRLEN]; /* "" when the launcher gave it no IPv6 address */
	char itype[32];
	char activity[ACTIVITY_ID_LEN]; /* its launch, then its termination */
	bool registered;		/* with the group's target groups */
	bool finishing;			/* launcher_terminate called */
	bool was_healthy;		/* healthy in a target group once: its UserData works */
	uint64_t quota_us, period_us;	/* its cgroup's CPU */
	struct metrics_sample prev;	/* the last sample of its counters */
	bool has_prev;
	bool frozen;		  /* Warmed:Stopped: its cgroup frozen */
	struct json_object *tags; /* the group's PropagateAtLaunch tags at its launch */
	uint64_t launch_ms;	  /* this launch (or its leaving the warm pool), `now`'s clock */
};

/* A policy put or deleted through the control socket (put-scaling-policy, delete-policy). It
 * holds until a reload brings a file whose own policy of that name differs from the one the
 * file had when it was put or deleted.
 */
struct fleet_rt_policy {
	char name[256];
	char *raw;		/* the policy put, as JSON; NULL: deleted */
	char *file_raw;		/* the file's policy of that name then; NULL: none */
	struct model_policy *p; /* raw read against the running model */
};

struct fleet_group {
	struct fleet *f;
	struct asg_group g;
	struct activity_log log;
	bool in_config;
	char arn[320];
	char tgs[ASG_TG_MAX][ASG_NAME_LEN];
	size_t ntgs;
	/* the addresses of the dsr and ipip listeners forwarding to its target groups: its
	 * instances receive packets addressed to them, so each has them on its loopback
	 */
	struct model_addr lo_vips[FLEET_LO_VIPS];
	size_t nlo_vips;
	const struct model_instance_type *itype;
	char *user_data;
	size_t user_data_len;
	char *image; /* the launch's directory image (Xlb.Images), NULL: the host's root */
	char launch_label[ASG_NAME_LEN + 16]; /* "name" or "name:version" */
	enum model_launch_kind launch_kind;
	uint32_t launch_version;
	uint32_t cooldown_s;
	struct json_object *tags; /* [{"Key", "Value", ...}] as DescribeAutoScalingGroups shows */
	/* the sizes the file said last: a reload changes the running ones only when these do */
	uint32_t file_min, file_max, file_desired;
	/* The same for the settings update-auto-scaling-group changes (file_set: read once).
	 * lifetime_s and warmup_s are the running MaxInstanceLifetime and DefaultInstanceWarmup
	 * (-1: none) in AWS's seconds; asg.c has them in ms with TimeScale applied.
	 */
	struct {
		bool set;
		uint32_t cooldown_s, grace_s, lifetime_s;
		int64_t warmup_s;
		enum model_asg_hc hc;
		bool protect;
		enum model_termination term[8];
		size_t nterm;
	} file;
	uint32_t lifetime_s;
	int64_t warmup_s;
	int64_t suspended_at[ASG_PROC_MAX]; /* wall seconds, for SuspensionReason */
	uint64_t cooldown_until;	    /* HonorCooldown: no set-desired-capacity before */
	uint64_t launch_retry_at;
	unsigned int early_deaths; /* instances in a row that ended soon after launch */
	char backoff_note[256];	   /* said in the next launch's cause */
	bool warned_pitfall;
	int64_t created; /* wall seconds */
	struct scaling_engine *se;
	size_t npolicies;	     /* its scaling policies (the file's and those put) */
	struct fleet_rt_policy *rtp; /* put-scaling-policy and delete-policy */
	size_t nrtp;
	struct model *view;	      /* what se reads: the file's policies with rtp over them */
	struct metrics_group metrics; /* the last interval's */
	uint64_t metrics_at;	      /* when it was measured; 0: never */
	/* Hooks and warm pool put or deleted at run time (fleet_rt.c): kept while the file's are
	 * still these (unscaled, as asg_group_init makes them).
	 */
	struct asg_hook file_hooks[MODEL_HOOKS_MAX];
	size_t nfile_hooks;
	bool hooks_put;
	struct asg_warm file_warm;
	bool warm_put;
	struct fleet_saved *saved; /* the state file, between fleet_state_restore and _done */
	struct fleet_inst inst[ASG_INSTANCES_MAX];
	size_t ninst;
};

struct fleet {
	struct loop *loop;
	struct dpif *dp;	  /* NULL: nothing attached to instances' links */
	enum dataplane_hook hook; /* where the nat program goes on them */
	struct ctl *ctl;
	struct launcher *launcher;
	char run_dir[512];
	struct fleet_group **groups;
	size_t ngroups;
	bool applied;
	bool stopping;
	void (*stop_done)(void *arg);
	void *stop_arg;
	struct loop_timer tick;
	struct loop_timer soon;
	uint64_t metrics_ms; /* MetricsIntervalSeconds */
	double time_scale;   /* TimeScale: the group's cooldown runs this much faster too */
	struct in_addr pool4;
	uint8_t pool4_len;
};

/* The group of that name (or ARN); NULL when there is none. */
struct fleet_group *fleet_group_find(struct fleet *f, const char *name);
/* The group's instance of that id; NULL when there is none. */
struct fleet_inst *fleet_inst_find(struct fleet_group *fg, const char *id);
/* The address by which fi is registered in target group tg: its IPv6 one in an IPv6 target
 * group (IpAddressType ipv6) when it has one, else its IPv4 one.
 */
const char *fleet_inst_addr(struct fleet *f, const struct fleet_inst *fi, const char *tg);

/* fleet.c's, for fleet_rt.c: the next tick soon; the group's times from its settings. */
void fleet_soon(struct fleet *f);
void fleet_times(struct fleet_group *fg);

/* ---- fleet_rt.c: runtime changes kept over the file, and across restarts ---- */

/* The file's hooks and warm pool (file, from asg_group_init) into the group, but for those put
 * or deleted at run time while the file's stay what they were.
 */
void fleet_rt_settings(struct fleet_group *fg, const struct asg_group *file);
/* RUN_DIR/groups/NAME. */
void fleet_state_path(const struct fleet_group *fg, char *buf, size_t len);
/* Writes the group's state whole (temp file, rename); a failure is logged. */
void fleet_state_save(const struct fleet_group *fg);
/* A new group's saved state, for the fields the file has not changed since (file_min, file_max,
 * file_desired, file, file_hooks and file_warm set first): applied before the instances are
 * adopted; *policies when policies put or deleted were restored (make the engine again). A
 * file that is not whole is reported and ignored. fleet_state_standby says whether an instance
 * being adopted was in Standby; fleet_state_restore_done, after the adoption, brings back the
 * instance refreshes and forgets the file's contents.
 */
void fleet_state_restore(struct fleet_group *fg, bool *policies);
bool fleet_state_standby(const struct fleet_group *fg, const char *id);
void fleet_state_restore_done(struct fleet_group *fg);

#endif /* XLB_FLEET_INTERNAL_H */
