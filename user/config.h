/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Loading and checking a configuration file (AWS-shaped JSON, comments allowed) into a model,
 * and printing the plan that `xlbd --check` shows. Pure: reads one file, touches nothing else.
 * Every error and warning reads "file:line:col: $.json.path: message".
 */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

#define CONFIG_ERR_MAX 16 /* errors kept; the checks go on after the first */
#define CONFIG_MSG_LEN 512
#define CONFIG_MAX_BYTES (16u << 20) /* a larger file is refused */
#define CONFIG_MAX_CAPACITY 10000    /* MinSize, MaxSize, DesiredCapacity */

struct config_error {
	int line, col;		  /* of the first error, 1-based, 0 when no position */
	char path[256];		  /* JSON path of the first error, "$" for the file itself */
	char msg[CONFIG_MSG_LEN]; /* the first error, whole: "file:line:col: path: message" */
	int count;		  /* errors found */
	char all[CONFIG_ERR_MAX][CONFIG_MSG_LEN]; /* the first CONFIG_ERR_MAX of them */
};

/* The file is one JSON object (comments allowed) holding any of these lists of AWS objects, in
 * the shapes the API takes or the describe-* calls return:
 *   LoadBalancers        {Name, Type, XlbAddresses, XlbInterfaces, XlbForwardingMode, Listeners}
 *   Listeners            listeners written outside a load balancer: each belongs to the one it
 *                        names (LoadBalancerArn or LoadBalancerName), else to the file's only
 *                        one, else to an implicit "default" one with no address (warned)
 *   TargetGroups, AutoScalingGroups, LaunchConfigurations, ScalingPolicies, ScheduledActions
 *   LaunchTemplates      one entry per version; entries with the same name are its versions
 *   Attachments          {AutoScalingGroupName, TargetGroupARNs} as the CLI's
 *                        attach-load-balancer-target-groups takes it (or one TargetGroupARN)
 * A reference is a name or an ARN holding it. Missing fields take AWS's API defaults (so
 * HealthCheckGracePeriod is 0, not the console's 300). Fields with no local meaning are kept
 * silently, unknown ones are kept with a warning; so are trailing commas and single quotes,
 * which json-c accepts and AWS's tools do not.
 */

/* Reads and checks path. On success *out owns a new model (free it with model_free) and 0 is
 * returned. On failure *out is NULL, err holds the errors and the return is -EINVAL (bad
 * content), -ENOMEM, or the -errno of reading the file.
 */
int config_load(const char *path, struct model **out, struct config_error *err);

/* The same from memory; name stands for the file in messages. buf need not end with a NUL. */
int config_load_buffer(const char *name, const char *buf, size_t len, struct model **out,
		       struct config_error *err);

/* The plan: load balancers and their listeners, where each forwards, the target groups with
 * their health checks and targets, the groups with capacities and launch specifications, the
 * policies and scheduled actions, then the warnings.
 */
void config_plan_print(const struct model *m, FILE *f);

enum config_arn_kind {
	CONFIG_ARN_TARGET_GROUP = 0, /* elasticloadbalancing:...:targetgroup/NAME/ID */
	CONFIG_ARN_LOAD_BALANCER,    /* elasticloadbalancing:...:loadbalancer/app|net/NAME/ID */
	CONFIG_ARN_ASG, /* autoscaling:...:autoScalingGroup:UUID:autoScalingGroupName/NAME */
	CONFIG_ARN_LAUNCH_CONFIG,   /* autoscaling:...:launchConfiguration:...Name/NAME */
	CONFIG_ARN_LAUNCH_TEMPLATE, /* ec2:...:launch-template/lt-ID (gives the id, not a name) */
	CONFIG_ARN_POLICY,	    /* autoscaling:...:scalingPolicy:...:policyName/NAME */
};

/* The name inside an ARN-shaped string, or the string itself when it is not an ARN. Returns 0
 * with name filled, or -EINVAL when s starts with "arn:" but is not an ARN of that kind.
 */
int config_arn_name(const char *s, enum config_arn_kind kind, char *name, size_t len);

/* ISO 8601 as AWS writes it, "2025-01-31T08:00:00Z": seconds, a fraction (ignored) and the zone
 * (Z or +hh:mm) are optional, no zone meaning UTC. Fills *out with seconds since the epoch and
 * returns true; false for anything else, a year before 1970 or a field out of range.
 */
bool config_time_parse(const char *s, int64_t *out);

/* One object as the file's own readers take it, for the control socket's verbs that change a
 * running configuration (errors read "VERB:line:col: $.path: message", the line and column
 * those of text).
 *
 * config_policy_parse: text is one ScalingPolicies object, read against m (its group and
 * target groups must be m's). 0 with *out a new policy (config_policy_free; its asg and tt.tg
 * point into m), -EINVAL with err filled, -ENOMEM.
 */
int config_policy_parse(const struct model *m, const char *verb, const char *text,
			struct model_policy **out, struct config_error *err);
void config_policy_free(struct model_policy *p);

/* config_hook_parse: text is one PutLifecycleHook request (AutoScalingGroupName and one hook of
 * LifecycleHookSpecificationList, with the API's defaults and bounds); config_warm_parse: one
 * PutWarmPool request (AutoScalingGroupName and WarmPoolConfiguration's members). 0 with *out
 * filled, -EINVAL with err filled, -ENOMEM.
 */
int config_hook_parse(const char *verb, const char *text, struct model_hook *out,
		      struct config_error *err);
int config_warm_parse(const char *verb, const char *text, struct model_warm_pool *out,
		      struct config_error *err);

/* config_tg_attribute: Key=key, Value=value of a target group's Attributes, read into tg as the
 * file's reader does (tg->extras grows for the attributes kept as written: the caller owns tg
 * and its extras). An attribute the file would warn about is refused here. 0, -EINVAL with
 * err filled, -ENOMEM.
 */
int config_tg_attribute(struct model_tg *tg, const char *verb, const char *key, const char *value,
			struct config_error *err);
/* The value tg has for attribute key, as text ("300", "true", "lb_cookie"): 0, or -ENOENT when
 * the file neither gave it nor has a default for it here.
 */
int config_tg_attribute_value(const struct model_tg *tg, const char *key, char *buf, size_t len);
/* config_tg_health_check: ModifyTargetGroup's health check members (HealthCheckProtocol,
 * HealthCheckPort, HealthCheckPath, HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds,
 * Healthy/UnhealthyThresholdCount, Matcher, HealthCheckEnabled) in text, a JSON object, over
 * tg's own health check, read as the file's reader reads a target group. On return tg->hc's
 * path and matcher_text are new (free them with config_tg_hc_free), whatever the result. 0,
 * -EINVAL with err filled (another member is refused), -ENOMEM.
 */
int config_tg_health_check(struct model_tg *tg, const char *verb, const char *text,
			   struct config_error *err);
void config_tg_hc_free(struct model_tg *tg);
/* One of those members of tg as JSON text ("30", "\"traffic-port\""); -ENOENT when tg has none
 * (a TCP check has no path or matcher).
 */
int config_tg_hc_value(const struct model_tg *tg, const char *member, char *buf, size_t len);
/* Frees the extras config_tg_attribute added to a target group the caller owns. */
void config_extras_free(struct model_extras *ex);

/* The instance type table (AWS's vCPUs, memory and burst baselines); NULL when unknown. */
const struct model_instance_type *config_instance_type(const char *name);
const struct model_instance_type *config_instance_types(size_t *n);

#endif /* XLB_CONFIG_H */
