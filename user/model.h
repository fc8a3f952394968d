/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The controller's in-memory model of a configuration file: load balancers and their listeners,
 * target groups, auto-scaling groups, launch configurations and templates, scaling policies and
 * scheduled actions, with AWS's defaults filled in and every reference resolved to a pointer.
 * config.c builds it and model_free frees it; nothing else changes it after loading. model.c
 * also finds objects in it by name or ARN.
 */
#ifndef XLB_MODEL_H
#define XLB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matcher.h"

#define MODEL_FORWARD_MAX 5	   /* target groups in one forward action (AWS's limit) */
#define MODEL_DEFAULT_LB "default" /* the load balancer of listeners that name none */

/* Listener and target group protocols. HTTP is carried as TCP by the datapath (xlb is a layer 4
 * balancer); it matters for health checks and for which target groups a listener may use.
 */
enum model_proto {
	MODEL_PROTO_TCP = 0,
	MODEL_PROTO_UDP,
	MODEL_PROTO_TCP_UDP,
	MODEL_PROTO_HTTP,
};

enum model_hc_proto {
	MODEL_HC_TCP = 0, /* a connect that completes within the timeout */
	MODEL_HC_HTTP,	  /* GET HealthCheckPath, status checked against the matcher */
};

/* Same values as enum xlb_mode in bpf/xlb_shared.h (config.c asserts it). */
enum model_mode {
	MODEL_MODE_NAT = 0,
	MODEL_MODE_DSR = 1,
	MODEL_MODE_IPIP = 2,
};

enum model_lb_type {
	MODEL_LB_ANY = 0,     /* "Type" not given: any listener protocol */
	MODEL_LB_APPLICATION, /* HTTP listeners only */
	MODEL_LB_NETWORK,     /* TCP, UDP and TCP_UDP listeners */
};

enum model_target_type {
	MODEL_TARGET_INSTANCE = 0, /* registered by auto-scaling groups at run time */
	MODEL_TARGET_IP,	   /* static targets by address */
};

enum model_asg_hc {
	MODEL_ASG_HC_EC2 = 0, /* replace instances whose processes died */
	MODEL_ASG_HC_ELB,     /* also replace those the target groups find unhealthy */
};

enum model_termination {
	MODEL_TERM_DEFAULT = 0,
	MODEL_TERM_OLDEST_INSTANCE,
	MODEL_TERM_NEWEST_INSTANCE,
	MODEL_TERM_OLDEST_LAUNCH_CONFIGURATION,
	MODEL_TERM_OLDEST_LAUNCH_TEMPLATE,
	MODEL_TERM_CLOSEST_TO_NEXT_INSTANCE_HOUR,
	MODEL_TERM_ALLOCATION_STRATEGY,
};

enum model_launch_kind {
	MODEL_LAUNCH_CONFIGURATION = 0,
	MODEL_LAUNCH_TEMPLATE,
};

enum model_policy_type {
	MODEL_POLICY_SIMPLE = 0, /* AWS's default PolicyType */
	MODEL_POLICY_STEP,
	MODEL_POLICY_TARGET_TRACKING,
	MODEL_POLICY_PREDICTIVE, /* parsed and kept; nothing acts on it here */
};

enum model_adjustment {
	MODEL_ADJ_CHANGE_IN_CAPACITY = 0,
	MODEL_ADJ_EXACT_CAPACITY,
	MODEL_ADJ_PERCENT_CHANGE_IN_CAPACITY,
};

enum model_metric {
	MODEL_METRIC_NONE = 0,
	MODEL_METRIC_ASG_CPU,		      /* ASGAverageCPUUtilization, percent */
	MODEL_METRIC_ASG_NETWORK_IN,	      /* ASGAverageNetworkIn, bytes per instance */
	MODEL_METRIC_ASG_NETWORK_OUT,	      /* ASGAverageNetworkOut */
	MODEL_METRIC_ALB_REQUESTS_PER_TARGET, /* ALBRequestCountPerTarget */
	MODEL_METRIC_CUSTOM,		      /* CustomizedMetricSpecification, kept raw */
};

enum model_aggregation {
	MODEL_AGG_AVERAGE = 0,
	MODEL_AGG_MINIMUM,
	MODEL_AGG_MAXIMUM,
};

/* A field the file gave that has no local meaning (VpcId, ImageId, ...) or that nobody knows:
 * kept as compact JSON so that describe-* can show it back.
 */
struct model_extra {
	char *key;
	char *json;
	bool unknown;  /* not an AWS field we know of; the loader warned about it */
	bool in_force; /* kept to be shown back, and also acted on: not "no effect here" */
};

struct model_extras {
	struct model_extra *v;
	size_t n;
};

struct model_addr {
	int family;	   /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* network order, IPv4 in the first 4 */
};

struct model_health_check {
	enum model_hc_proto protocol;
	uint16_t port;		      /* 0: "traffic-port", the port each target serves on */
	char *path;		      /* HTTP only, starts with '/' */
	uint32_t interval_s;	      /* 5..300 */
	uint32_t timeout_s;	      /* 2..120, less than interval_s */
	uint32_t healthy_threshold;   /* 2..10 consecutive successes */
	uint32_t unhealthy_threshold; /* 2..10 consecutive failures */
	struct matcher matcher;	      /* HTTP only: the status codes that count as healthy */
	char *matcher_text;	      /* as written, or the default ("200", "200-399") */
};

struct model_target {
	struct model_addr addr;
	uint16_t port; /* 0: the target group's port */
};

/* load_balancing.algorithm.type; the names are cfg_tg_algos'. */
enum model_tg_algo {
	MODEL_ALGO_ROUND_ROBIN = 0, /* Maglev's hash of the flow */
	MODEL_ALGO_LOR,		    /* least_outstanding_requests: the less loaded of two */
	MODEL_ALGO_WEIGHTED_RANDOM, /* Maglev's hash, as round_robin */
};

/* stickiness.type; the names are cfg_sticky_types'. */
enum model_sticky {
	MODEL_STICKY_LB_COOKIE = 0, /* ALB's default; no effect here (no cookies at layer 4) */
	MODEL_STICKY_APP_COOKIE,
	MODEL_STICKY_SOURCE_IP, /* NLB: the client's address alone picks the target */
};

struct model_tg {
	char *name;
	enum model_proto protocol;
	uint16_t port;
	enum model_target_type target_type;
	struct model_health_check hc;
	uint32_t dereg_delay_s;	      /* deregistration_delay.timeout_seconds, 0..3600 */
	bool dereg_close_connections; /* ...connection_termination.enabled */
	bool ipv6; /* IpAddressType ipv6: a group's instances register by their IPv6 address */
	uint32_t slow_start_s;	       /* slow_start.duration_seconds: 0 (off) or 30..900 */
	enum model_tg_algo algo;       /* load_balancing.algorithm.type */
	bool sticky;		       /* stickiness.enabled */
	enum model_sticky sticky_type; /* stickiness.type */
	struct model_target *targets;
	size_t ntargets;
	struct model_extras extras;
};

struct model_forward {
	struct model_tg *tg;
	uint32_t weight; /* 0..999; one target group alone has weight 1 */
};

struct model_lb;

struct model_listener {
	struct model_lb *lb;
	uint16_t port;
	enum model_proto protocol;
	enum model_mode mode; /* "XlbForwardingMode", nat unless the listener or its lb says */
	struct model_forward fwd[MODEL_FORWARD_MAX];
	size_t nfwd;
	char *where; /* JSON path of its object, for messages: "$.Listeners[0]" */
	int line;    /* where that object starts in the file */
	struct model_extras extras;
};

struct model_lb {
	char *name;
	bool implicit; /* made for listeners that name no load balancer */
	enum model_lb_type type;
	enum model_mode mode;	  /* "XlbForwardingMode": the default of its listeners */
	struct model_addr *addrs; /* "XlbAddresses" (and SubnetMappings' private addresses) */
	size_t naddrs;
	char **ifaces; /* "XlbInterfaces": client-facing interfaces */
	size_t nifaces;
	struct model_listener *listeners;
	size_t nlisteners;
	struct model_extras extras;
};

/* One row of the instance type table: AWS's figures, which the launcher scales to this host. */
struct model_instance_type {
	const char *name;
	uint32_t vcpus;
	uint32_t memory_mib;
	uint32_t baseline_pct; /* sustained CPU per vCPU for burstable types, else 100 */
};

/* A launch configuration, or one version of a launch template. */
struct model_launch {
	enum model_launch_kind kind;
	char *name;
	char *template_id;    /* templates: "lt-" and 17 hex digits, made up if not given */
	uint32_t version;     /* templates: VersionNumber, 1.. */
	bool default_version; /* templates: the version "$Default" means */
	char *instance_type;
	const struct model_instance_type *itype;
	char *user_data; /* the boot script, decoded if the file had it in base64 */
	size_t user_data_len;
	bool user_data_was_base64;
	char *image_id;	       /* ImageId as written, NULL when not given */
	const char *image_dir; /* its directory in Xlb.Images (owned there); NULL: the host's root */
	struct model_extras extras;
};

struct model_tag {
	char *key;
	char *value;
	bool propagate_at_launch;
};

/* LifecycleHookSpecificationList: one hook (PutLifecycleHook's fields). */
#define MODEL_HOOKS_MAX 8
enum model_hook_transition {
	MODEL_HOOK_LAUNCHING = 0, /* autoscaling:EC2_INSTANCE_LAUNCHING */
	MODEL_HOOK_TERMINATING,	  /* autoscaling:EC2_INSTANCE_TERMINATING */
};
enum model_hook_result {
	MODEL_HOOK_ABANDON = 0, /* AWS's DefaultResult */
	MODEL_HOOK_CONTINUE,
};
struct model_hook {
	char name[256]; /* LifecycleHookName: 1..255 of [A-Za-z0-9_./-] */
	enum model_hook_transition transition;
	uint32_t heartbeat_s; /* HeartbeatTimeout: 30..7200, 3600 by default */
	enum model_hook_result default_result;
	char metadata[1024]; /* NotificationMetadata: 0..1023 characters */
};

/* WarmPoolConfiguration (PutWarmPool's fields). */
enum model_warm_state {
	MODEL_WARM_STOPPED = 0, /* the instance's cgroup frozen */
	MODEL_WARM_RUNNING,	/* running, not registered */
	MODEL_WARM_HIBERNATED,	/* treated as Stopped: no memory image to save here */
};
struct model_warm_pool {
	bool enabled;
	uint32_t min_size;    /* MinSize, 0 by default */
	int64_t max_prepared; /* MaxGroupPreparedCapacity, -1: not given (MaxSize) */
	enum model_warm_state state;
	bool reuse_on_scale_in; /* InstanceReusePolicy.ReuseOnScaleIn */
};

struct model_asg {
	char *name;
	uint32_t min_size, max_size, desired; /* min <= desired <= max */
	bool desired_given;		      /* false: desired is MinSize, as AWS does */
	enum model_asg_hc hc_type;
	uint32_t grace_s;	     /* HealthCheckGracePeriod, AWS API default 0 */
	uint32_t cooldown_s;	     /* DefaultCooldown, 300 */
	int64_t warmup_s;	     /* DefaultInstanceWarmup, -1 when not given */
	uint32_t max_lifetime_s;     /* MaxInstanceLifetime, 0: none */
	bool protect_from_scale_in;  /* NewInstancesProtectedFromScaleIn */
	struct model_launch *launch; /* the configuration or template version used */
	char *launch_version;	     /* templates: as asked ("$Default", "$Latest", "3") */
	struct model_tg **tgs;	     /* TargetGroupARNs and attachments, no duplicates */
	size_t ntgs;
	enum model_termination *term; /* TerminationPolicies, at least "Default" */
	size_t nterm;
	struct model_tag *tags;
	size_t ntags;
	struct model_hook hooks[MODEL_HOOKS_MAX]; /* LifecycleHookSpecificationList */
	size_t nhooks;
	struct model_warm_pool warm; /* WarmPoolConfiguration */
	struct model_extras extras;
};

struct model_step {
	double lower, upper; /* MetricIntervalLower/UpperBound, relative to the alarm threshold */
	bool has_lower, has_upper;
	int32_t adjustment;
};

struct model_policy {
	char *name;
	struct model_asg *asg;
	enum model_policy_type type;
	bool enabled;
	enum model_adjustment adjustment_type;
	int32_t scaling_adjustment;	    /* SimpleScaling */
	int32_t min_adjustment_magnitude;   /* PercentChangeInCapacity, 0 when not given */
	int64_t cooldown_s;		    /* SimpleScaling, -1: the group's DefaultCooldown */
	int64_t warmup_s;		    /* EstimatedInstanceWarmup, -1 when not given */
	enum model_aggregation aggregation; /* StepScaling, Average by default */
	struct model_step *steps;
	size_t nsteps;
	struct {
		enum model_metric metric;
		char *resource_label; /* ALBRequestCountPerTarget */
		struct model_tg *tg;  /* ...its target group */
		double target_value;
		bool disable_scale_in;
	} tt;	   /* TargetTrackingScaling */
	char *raw; /* the whole object as compact JSON */
	/* TargetTrackingConfiguration's "XlbScaleOutEvaluationPeriods" and
	 * "XlbScaleInEvaluationPeriods": the one-minute datapoints its two alarms need (AWS: 3 and
	 * 15), for labs that want other speeds without a TimeScale
	 */
	uint32_t tt_out_periods, tt_in_periods;
	size_t nalarms; /* MetricAlarms whose AlarmActions name this policy */
};

struct model_scheduled_action {
	char *name;
	struct model_asg *asg;
	char *recurrence;   /* cron, five fields, NULL for a one-time action */
	char *time_zone;    /* NULL: UTC */
	int64_t start_time; /* seconds since the epoch, -1 when not given */
	int64_t end_time;
	int64_t min_size, max_size, desired; /* -1 when not given; at least one is */
	char *raw;
};

/* CloudWatch's ComparisonOperator, the four an alarm on a threshold takes. */
enum model_cmp {
	MODEL_CMP_GE = 0, /* GreaterThanOrEqualToThreshold */
	MODEL_CMP_GT,	  /* GreaterThanThreshold */
	MODEL_CMP_LT,	  /* LessThanThreshold */
	MODEL_CMP_LE,	  /* LessThanOrEqualToThreshold */
};

/* CloudWatch's Statistic: how one period's samples make its datapoint. */
enum model_stat {
	MODEL_STAT_AVERAGE = 0,
	MODEL_STAT_MINIMUM,
	MODEL_STAT_MAXIMUM,
	MODEL_STAT_SUM,
	MODEL_STAT_SAMPLE_COUNT,
};

/* TreatMissingData: what a period without a sample counts as. */
enum model_missing {
	MODEL_MISSING_MISSING = 0, /* AWS's default: it does not count either way */
	MODEL_MISSING_NOT_BREACHING,
	MODEL_MISSING_BREACHING,
	MODEL_MISSING_IGNORE, /* the alarm keeps its state */
};

/* A CloudWatch alarm (PutMetricAlarm's shape) on one of the group metrics xlb measures. */
struct model_alarm {
	char *name;
	struct model_asg *asg;	  /* the AutoScalingGroupName dimension, else its policies' group */
	enum model_metric metric; /* never NONE or CUSTOM */
	struct model_tg *tg;	  /* ALBRequestCountPerTarget: the TargetGroup dimension */
	enum model_stat statistic;    /* Average unless given */
	uint32_t period_s;	      /* 10, 30 or a multiple of 60, as CloudWatch takes */
	uint32_t evaluation_periods;  /* N of "M out of N" */
	uint32_t datapoints_to_alarm; /* M, EvaluationPeriods when not given */
	double threshold;
	enum model_cmp cmp;
	enum model_missing missing;
	bool actions_enabled;	       /* ActionsEnabled, true unless given */
	struct model_policy **actions; /* AlarmActions, resolved; SNS topics are dropped */
	size_t nactions;
	char *raw;
};

/* The top-level "Xlb" object: xlb's own settings, which AWS has no place for. */
/* "Xlb": {"Cluster": {...}}: this node in a cluster of balancers behind ECMP (cluster.h). */
struct model_cluster {
	bool enabled;		    /* the object is there */
	char node_name[33];	    /* NodeName: [A-Za-z0-9_-], 1..32 */
	uint32_t asn;		    /* Asn: this node's */
	uint32_t peer_asn;	    /* PeerAsn: the router's, Asn (iBGP) by default */
	struct model_addr router;   /* RouterAddress: the BGP neighbour */
	uint32_t bfd_interval_ms;   /* BfdIntervalMs: rx and tx, 100 by default */
	uint32_t bfd_multiplier;    /* BfdMultiplier: 3 by default */
	bool has_secret;	    /* HashSecret given */
	uint8_t secret[16];	    /* HashSecret: 32 hex digits, the same on every node */
	uint32_t withdraw_delay_ms; /* WithdrawDelayMs: SIGTERM's wait after the withdrawal */
	char bird_socket[108];	    /* BirdSocket: BIRD's control socket */
	char bird_include[256];	    /* BirdInclude: the file xlbd writes, BIRD includes */
	char shared_dir[200];	    /* SharedDir: groups' targets shared between nodes (share.h) */
	uint32_t shared_refresh_ms; /* SharedRefreshMs: this node rewrites its files, 5000 */
	uint32_t shared_stale_ms;   /* SharedStaleMs: another's file unchanged this long: gone */
};

/* "Xlb": {"Images": {"ami-...": "/srv/xlb/images/bookworm"}}: one ImageId's directory image,
 * the read-only lower layer of its instances' root filesystem.
 */
struct model_image {
	char *id;
	char *dir; /* absolute, a directory that holds bin/sh or usr/bin, checked at load */
};

/* Xlb.Hook, in the order of dataplane.h's enum dataplane_hook: auto (tc on veth and other
 * virtual devices, XDP on NICs), xdp, tc.
 */
enum model_attach {
	MODEL_ATTACH_AUTO = 0,
	MODEL_ATTACH_XDP,
	MODEL_ATTACH_TC,
};

struct model_settings {
	double time_scale;	 /* >= 1: policies' periods run this many times faster */
	struct model_addr pool4; /* InstanceAddressPool, 198.18.128.0/17 by default */
	uint8_t pool4_len;	 /* its prefix length */
	bool has_pool6;		 /* InstanceAddressPool6 given */
	struct model_addr pool6; /* inside 2001:2::/48 */
	uint8_t pool6_len;
	uint32_t metrics_interval_s;  /* MetricsIntervalSeconds, 1 by default */
	enum model_attach hook;	      /* Hook: where xlb attaches, auto by default */
	struct model_cluster cluster; /* Cluster */
	struct model_image *images;   /* Images, in the file's order */
	size_t nimages;
};

struct model {
	char *file;
	struct model_lb *lbs;
	size_t nlbs;
	struct model_tg *tgs;
	size_t ntgs;
	struct model_asg *asgs;
	size_t nasgs;
	struct model_launch *lcs; /* LaunchConfigurations */
	size_t nlcs;
	struct model_launch *lts; /* LaunchTemplates, one entry per version */
	size_t nlts;
	struct model_policy *policies;
	size_t npolicies;
	struct model_scheduled_action *actions;
	size_t nactions;
	struct model_alarm *alarms; /* MetricAlarms */
	size_t nalarms;
	struct model_settings settings; /* "Xlb", with defaults when absent */
	char **warnings;		/* "file:line:col: path: message", as found */
	size_t nwarnings;
};

void model_free(struct model *m);

/* Lookups in a loaded model. ref is a name or an ARN-shaped string of the object's kind (see
 * config_arn_name); NULL when no object of the model has that name, or ref is an ARN of another
 * kind.
 */
const struct model_lb *model_lb_find(const struct model *m, const char *ref);
const struct model_tg *model_tg_find(const struct model *m, const char *ref);
const struct model_asg *model_asg_find(const struct model *m, const char *ref);

/* The auto-scaling group whose instances target group tg takes (the first in the file when
 * several do), NULL when none does.
 */
const struct model_asg *model_tg_group(const struct model *m, const struct model_tg *tg);

#endif /* XLB_MODEL_H */
