/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xlbd's control socket: a unix stream socket (mode 0600) on which each connection carries one
 * JSON request line and gets one JSON reply line. The server side runs on the event loop and
 * dispatches verbs to handlers that xlbd registers by name; the client side (xlbctl) blocks.
 */
#ifndef XLB_API_H
#define XLB_API_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct loop;

#define API_SOCKET_DEFAULT "/run/xlb/xlbd.sock"
/* A request is small (a verb and a few names); anything larger is a mistake or an attack. */
#define API_REQUEST_MAX (64 * 1024)
/* Replies carry console output and activity histories: bounded, but generously. */
#define API_REPLY_MAX (16 * 1024 * 1024)
/* From accept to the last byte of the reply; a stalled client cannot hold a slot longer. */
#define API_TIMEOUT_MS 5000
/* Connections served at once; further ones are accepted and closed straight away. */
#define API_CONN_MAX 32
#define API_VERB_MAX 64

/*
 * The wire protocol. A client connects and sends one line:
 *
 *	{"verb": "set-desired-capacity", "args": {"AutoScalingGroupName": "my-app-asg",
 *	 "DesiredCapacity": 4, "HonorCooldown": false}}\n
 *
 * ("args" may be left out: an empty object). The server answers with one line and closes:
 *
 *	{"ok": true, "data": {...}}\n
 *	{"ok": false, "error": {"code": "ValidationError", "message": "..."}}\n
 *
 * A request may also end at the client's shutdown(SHUT_WR) instead of a newline.
 *
 * The verbs are the AWS CLI's, the argument names are the AWS API's request parameters, and
 * the reply data is shaped as the AWS CLI prints the response with --output json, so that a
 * user's jq filters carry over. What xlbctl sends and renders ("?" marks optional members):
 *
 * status  args {}
 *	data {"Version", "Pid", "UptimeSeconds", "ConfigFile", "ConfigLoadedTime"?,
 *	      "LoadBalancers": [{"LoadBalancerName", "Addresses": [str], "Listeners": [{"Port",
 *	          "Protocol", "TargetGroupName", "HealthyTargets", "Targets", "FailOpen"?}]}],
 *	      "TargetGroups": [{"TargetGroupName", "Protocol", "Port", "Healthy", "Unhealthy",
 *	          "Initial", "Draining", "Total"}],
 *	      "AutoScalingGroups": [{"AutoScalingGroupName", "MinSize", "MaxSize",
 *	          "DesiredCapacity", "InService", "Pending", "Terminating"}],
 *	      "Warnings"?: [str]}
 *
 * describe-auto-scaling-groups  args {"AutoScalingGroupNames"?: [str]}
 *	data {"AutoScalingGroups": [{"AutoScalingGroupName", "AutoScalingGroupARN"?,
 *	      "LaunchConfigurationName"? | "LaunchTemplate"?: {"LaunchTemplateName", "Version"},
 *	      "MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown", "HealthCheckType",
 *	      "HealthCheckGracePeriod", "TargetGroupARNs": [str], "TerminationPolicies": [str],
 *	      "CreatedTime"?, "Instances": [{"InstanceId", "InstanceType", "LifecycleState",
 *	          "HealthStatus", "PrivateIpAddress"?, "LaunchConfigurationName"?,
 *	          "ProtectedFromScaleIn"}], "Tags"?: [{"Key", "Value"}]}],
 *	      "Warnings"?: [str]}
 *	A group whose TargetGroupARNs is empty gets a warning from xlbctl even when the daemon
 *	sends none: its instances get no traffic.
 *
 * describe-target-health  args {"TargetGroupArn": name or ARN-shaped string,
 *	                             "Targets"?: [{"Id", "Port"?}]}
 *	data {"TargetHealthDescriptions": [{"Target": {"Id", "Port"}, "HealthCheckPort": str,
 *	      "TargetHealth": {"State", "Reason"?, "Description"?}}]}
 *	State is initial|healthy|unhealthy|draining|unused; Reason as AWS names it
 *	(Target.Timeout, Elb.InitialHealthChecking, ...).
 *
 * describe-scaling-activities  args {"AutoScalingGroupName"?, "MaxRecords"?: int}
 *	data {"Activities": [{"ActivityId", "AutoScalingGroupName", "Description", "Cause",
 *	      "StartTime", "EndTime"?, "StatusCode", "StatusMessage"?, "Progress", "Details"?}]}
 *	Newest first; times in ISO 8601 UTC ("2025-01-02T03:04:05Z").
 *
 * set-desired-capacity  args {"AutoScalingGroupName", "DesiredCapacity": int,
 *	                           "HonorCooldown"?: bool}
 *	data {}
 * attach-load-balancer-target-groups, detach-load-balancer-target-groups
 *	args {"AutoScalingGroupName", "TargetGroupARNs": [str]}
 *	data {}
 * register-targets, deregister-targets
 *	args {"TargetGroupArn", "Targets": [{"Id": IP, "Port"?: int}]}
 *	data {}
 * get-console-output  args {"InstanceId"}
 *	data {"InstanceId", "Timestamp"?, "Output": str}
 *	Output is the UserData's stdout and stderr as text (AWS sends base64; there is no need).
 * reload  args {}
 *	data {"ConfigFile", "Changes"?: [str]}
 *	A file that fails to load is an error reply (ValidationError, the message naming file, line,
 *	column and JSON path); the running configuration stays.
 * metrics  args {}
 *	data {"Text": the Prometheus text exposition, as GET /metrics serves it}
 *
 * Error codes (AWS's where AWS has one):
 */
#define API_ERR_VALIDATION "ValidationError"	   /* bad or missing argument */
#define API_ERR_NOT_FOUND "ResourceNotFound"	   /* no such group, instance, ... */
#define API_ERR_TG_NOT_FOUND "TargetGroupNotFound" /* describe-target-health, register-targets */
#define API_ERR_INVALID_TARGET "InvalidTarget"	   /* register-targets */
#define API_ERR_SCALING_IN_PROGRESS "ScalingActivityInProgress" /* set-desired-capacity, cooldown */
#define API_ERR_CONTENTION "ResourceContention"
#define API_ERR_INVALID_ACTION "InvalidAction"	   /* unknown verb */
#define API_ERR_MISSING_ACTION "MissingAction"	   /* no "verb" */
#define API_ERR_MALFORMED "SerializationException" /* not JSON, or not an object */
#define API_ERR_TOO_LARGE "RequestEntityTooLarge"
#define API_ERR_TIMEOUT "RequestTimeout"
#define API_ERR_INTERNAL "InternalFailure"

#define API_CODE_MAX 64
#define API_MESSAGE_MAX 1024

/* What a handler fills in. On success it may set data (the reply takes the reference; NULL
 * sends {}). On failure it sets code and message, most simply through api_error().
 */
struct api_reply {
	struct json_object *data;
	char code[API_CODE_MAX];
	char message[API_MESSAGE_MAX];
};

/* Runs on the loop, so it must not block. args is always an object (owned by the server).
 * Returns 0 for an ok reply, or a negative errno for an error reply: the code and message in
 * reply, or when the handler left them empty, one derived from the errno (-EINVAL:
 * ValidationError, -ENOENT: ResourceNotFound, -EBUSY: ResourceContention, else
 * InternalFailure with strerror).
 */
typedef int (*api_handler_fn)(struct json_object *args, struct api_reply *reply, void *ctx);

struct api_server;

/* Listens on path. Creates the parent directory (0700) when missing. A socket file already
 * there is replaced when nothing answers on it (a crashed xlbd's), and is -EADDRINUSE when
 * something does (another xlbd); anything else at path is left alone: -EEXIST.
 */
int api_server_new(struct loop *loop, const char *path, struct api_server **out);
/* Closes every connection and the listener, and removes the socket file if it is still ours. */
void api_server_free(struct api_server *server);
/* -EEXIST for a verb registered twice, -EINVAL for an empty or too long one. */
int api_register(struct api_server *server, const char *verb, api_handler_fn fn, void *ctx);
/* For tests, and for a daemon that wants a shorter leash than API_TIMEOUT_MS. */
void api_server_set_timeout(struct api_server *server, unsigned int timeout_ms);
/* Connections open now. */
unsigned int api_server_conns(const struct api_server *server);

/* For handlers: fills reply's code and message; returns -EINVAL to be returned as is. */
int api_error(struct api_reply *reply, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* For handlers and views: a new reply data object holding an empty array under key, the array
 * in *list (data holds its reference, so one json_object_put(*data) frees both). Returns 0, or
 * -ENOMEM with nothing made.
 */
int api_data_list(const char *key, struct json_object **data, struct json_object **list);

/* Argument helpers for handlers: 0 with the value, -ENOENT when absent and not required (the
 * value untouched), or -EINVAL with a ValidationError in reply naming the argument.
 */
int api_arg_string(struct json_object *args, const char *name, bool required, const char **val,
		   struct api_reply *reply);
int api_arg_int(struct json_object *args, const char *name, bool required, int64_t min, int64_t max,
		int64_t *val, struct api_reply *reply);
int api_arg_bool(struct json_object *args, const char *name, bool required, bool *val,
		 struct api_reply *reply);
/* An array whose members are all strings; *val borrows args' reference. */
int api_arg_string_array(struct json_object *args, const char *name, bool required,
			 struct json_object **val, struct api_reply *reply);

/* The first member of args whose name is not in known (NULL-ended), or NULL when every one
 * is: a verb refuses an unknown parameter by name, as the AWS CLI does.
 */
const char *api_args_known(struct json_object *args, const char *const *known);

/* One member of a Targets argument: {"Id": non-empty string, "Port"?: 1..65535}. */
struct api_target {
	const char *id; /* borrows args' string */
	uint16_t port;	/* 0 when not given */
};
/* name's array of targets, every member type-checked before any is used: ValidationError
 * naming the first bad one ("Targets[2].Id must be a non-empty string, not null"). *out is
 * calloc'd (the caller frees it; NULL for an empty array), *n its length. An empty array is
 * -EINVAL when nonempty is set.
 */
int api_arg_targets(struct json_object *args, const char *name, bool required, bool nonempty,
		    struct api_target **out, size_t *n, struct api_reply *reply);

/* The client: connects to path, sends {"verb", "args"} (args NULL for {}; the caller keeps
 * its reference), waits at most timeout_ms in all, and returns the whole reply object in *reply
 * (the caller puts it). -ENOENT or -ECONNREFUSED when no daemon listens, -EACCES without the
 * right to the socket, -ETIMEDOUT, -EMSGSIZE for a reply over API_REPLY_MAX, -EPROTO for a
 * reply that is not a JSON object with a boolean "ok".
 */
int api_call(const char *path, const char *verb, struct json_object *args,
	     struct json_object **reply, int timeout_ms);
/* Splits a reply from api_call: true for ok with *data (borrowed; NULL when absent); false
 * with *code and *message (borrowed, never NULL).
 */
bool api_reply_ok(struct json_object *reply, struct json_object **data, const char **code,
		  const char **message);

#endif /* XLB_API_H */
