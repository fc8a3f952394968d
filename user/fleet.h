/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The auto-scaling groups at run time: each group's capacity plan (asg.c) carried out with the
 * launcher (instances in namespaces), the controller's target groups (ctl.c: registration,
 * health, draining) and the datapath (on the instances' links, through dpif.h), every change recorded as a
 * scaling activity. Instances a previous xlbd left running are adopted, not relaunched.
 */
#ifndef XLB_FLEET_H
#define XLB_FLEET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"
#include "model.h"

struct loop;
struct json_object;
struct dpif;
struct ctl;

#define FLEET_TICK_MS 1000
#define FLEET_ACTIVITIES 200	    /* kept per group for describe-scaling-activities */
#define FLEET_LAUNCH_RETRY_MS 10000 /* after a failed launch */
#define FLEET_STOP_MS 15000	    /* SIGTERM: how long terminating every instance may take */

struct fleet_conf {
	const char *run_dir; /* instances under RUN_DIR/instances, group state in RUN_DIR/groups */
	/* Namespaces are PREFIX + instance id, host links PREFIX + slot (so at most 11 chars),
	 * the cgroup parent PREFIX without its trailing '-'.
	 */
	const char *prefix;
	struct in_addr pool4; /* instance addresses: a /30 each */
	uint8_t pool4_len;
	bool has6;
	struct in6_addr pool6;
	uint8_t pool6_len;
	enum dataplane_hook hook; /* Xlb.Hook: where the nat program goes on instances' links */
};

struct fleet;

/* Makes the launcher and reads what a previous xlbd left: its instances are adopted at the
 * first fleet_apply (or terminated when no configured group claims them).
 */
int fleet_new(struct loop *loop, struct dpif *dp, struct ctl *ctl, const struct fleet_conf *conf,
	      struct fleet **out);
/* The nat program on an instance's host end (host_ifindex, in the caller's namespace) at hook,
 * through dp; a failure is logged with the instance's id (its replies would leave untranslated)
 * and returned. *used (may be NULL) says where it went.
 */
int fleet_link_attach(struct dpif *dp, enum dataplane_hook hook, int host_ifindex, const char *id,
		      enum dataplane_hook *used);
/* Forgets everything without touching the instances (a next xlbd adopts them). */
void fleet_free(struct fleet *f);

/* Groups added, changed (sizes the file changed, target groups, launch) and removed (scaled to
 * zero, then forgotten). Call after ctl_apply with the same model.
 */
int fleet_apply(struct fleet *f, const struct model *m);

/* Terminates every instance; done() is called once the last one is gone (or at once when
 * there is none).
 */
void fleet_stop(struct fleet *f, void (*done)(void *arg), void *arg);
size_t fleet_instances(const struct fleet *f);

/* SetDesiredCapacity: -ENOENT (no group), -EINVAL (out of range: err says it as AWS does),
 * -EBUSY (honor_cooldown and the group is in its cooldown).
 */
int fleet_set_desired(struct fleet *f, const char *group, int64_t desired, bool honor_cooldown,
		      char *err, size_t errlen);
/* Attach or detach target groups (names or ARNs): -ENOENT for the group, -ESRCH for a target
 * group that does not exist (err names it).
 */
int fleet_attach(struct fleet *f, const char *group, const char *const *tgs, size_t n, bool attach,
		 char *err, size_t errlen);

struct json_object;

/* PutScalingPolicy: text is one policy object as the file's ScalingPolicies take it, naming
 * group, read by the file's own reader against m (the running model). It adds a policy, or
 * replaces the group's policy of that name (the file's or one put before), and the group's
 * scaling engine is made anew from the file's policies with those put over them. -ENOENT (no
 * group), -EINVAL (err says why, as file:line:col: path: message of text).
 */
int fleet_put_policy(struct fleet *f, const struct model *m, const char *group, const char *text,
		     char *err, size_t errlen);
/* DeletePolicy: the group's policy of that name, the file's or one put. -ENOENT (no group),
 * -ESRCH (no such policy).
 */
int fleet_delete_policy(struct fleet *f, const struct model *m, const char *group,
			const char *name);
/* DescribePolicies: {"ScalingPolicies": [...]} of group (NULL: every group), only the policies
 * named in names when n > 0. -ENOENT when group is not found.
 */
int fleet_describe_policies(struct fleet *f, const char *group, const char *const *names, size_t n,
			    struct json_object **out);

/* CompleteLifecycleAction (result "CONTINUE" or "ABANDON") or, with result NULL,
 * RecordLifecycleActionHeartbeat, for the instance named by id or token: -ESRCH (no group),
 * -EINVAL (no such hook or no such wait: err says it as AWS does).
 */
int fleet_lifecycle_action(struct fleet *f, const char *group, const char *hook, const char *id,
			   const char *token, const char *result, char *err, size_t errlen);

/* PutLifecycleHook (h read by config_hook_parse; one of that name is replaced, in place):
 * -ENOENT (no group), -ENOSPC (the group has MODEL_HOOKS_MAX hooks; err says it).
 * DeleteLifecycleHook: the instances waiting on it go on as AWS completes their wait (ABANDON at
 * launch, CONTINUE at termination); -ESRCH (no such hook; err says it as AWS does).
 * PutWarmPool (w read by config_warm_parse) replaces the group's warm pool; DeleteWarmPool
 * ends it and terminates its instances: -ESRCH when the group has none.
 * Each is kept until a reload changes the file's LifecycleHookSpecificationList (or
 * WarmPoolConfiguration), and across a restart.
 */
int fleet_hook_put(struct fleet *f, const char *group, const struct model_hook *h, char *err,
		   size_t errlen);
int fleet_hook_delete(struct fleet *f, const char *group, const char *name, char *err,
		      size_t errlen);
int fleet_warm_put(struct fleet *f, const char *group, const struct model_warm_pool *w);
int fleet_warm_delete(struct fleet *f, const char *group, char *err, size_t errlen);

/* ---- the group verbs: each returns 0, -ENOENT (no such group or instance), -EINVAL (err
 * says why, in AWS's words where AWS has some) ----
 */

/* UpdateAutoScalingGroup's fields that xlb changes at run time; -1 (NULL, 0 for nterm) leaves
 * one as it is. Kept until a reload changes that field in the file, and across a restart.
 */
struct fleet_update {
	int64_t min_size, max_size, desired;
	int64_t cooldown_s, grace_s, lifetime_s, warmup_s;
	int hc_type; /* enum model_asg_hc */
	int protect; /* NewInstancesProtectedFromScaleIn: 0 or 1 */
	const char *const *term;
	size_t nterm;
};

int fleet_update(struct fleet *f, const char *group, const struct fleet_update *u, char *err,
		 size_t errlen);
/* TerminateInstanceInAutoScalingGroup: *activity is the termination's (the caller's). */
int fleet_terminate_instance(struct fleet *f, const char *id, bool decrement,
			     struct json_object **activity, char *err, size_t errlen);
/* SetInstanceHealth: status "Healthy" or "Unhealthy". */
int fleet_set_health(struct fleet *f, const char *id, const char *status, bool respect_grace,
		     char *err, size_t errlen);
/* EnterStandby and ExitStandby of ids (all of group, or nothing is done); *activities is an
 * array, one a instance.
 */
int fleet_standby(struct fleet *f, const char *group, const char *const *ids, size_t n, bool enter,
		  bool decrement, struct json_object **activities, char *err, size_t errlen);
/* SuspendProcesses / ResumeProcesses; n 0: every process. */
int fleet_suspend(struct fleet *f, const char *group, const char *const *procs, size_t n,
		  bool suspend, char *err, size_t errlen);

/* StartInstanceRefresh's preferences as given: -1 when not. */
struct fleet_refresh_prefs {
	int64_t min_pct, max_pct, warmup_s;
	int skip_matching;
};

/* StartInstanceRefresh: -EBUSY when one runs (err says it); id gets the new one's id. */
int fleet_refresh_start(struct fleet *f, const char *group, const struct fleet_refresh_prefs *p,
			char *id, size_t idlen, char *err, size_t errlen);
/* CancelInstanceRefresh: -ESRCH when none is Pending or InProgress. */
int fleet_refresh_cancel(struct fleet *f, const char *group, char *id, size_t idlen);

#endif /* XLB_FLEET_H */
