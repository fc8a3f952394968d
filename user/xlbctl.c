// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbctl: the AWS CLI's verbs and options, spoken to xlbd over its unix socket. Options become
 * the AWS API's request parameters; replies print as tables for people or, with --json, as the
 * JSON the daemon sent (shaped as the AWS CLI's output, see api.h). Exit: 0 ok, 1 runtime
 * failure (daemon unreachable or an error reply), 2 usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "doctor.h"
#include "sim.h"
#include "table.h"

#define XLBCTL_TIMEOUT_S 30
#define EXIT_USAGE 2

enum ctl_kind {
	CTL_STR,
	CTL_INT,
	CTL_BOOL,    /* --name and --no-name */
	CTL_LIST,    /* values up to the next --option, as the AWS CLI takes lists */
	CTL_TARGETS, /* Id=IP,Port=N ... or a JSON array */
	CTL_JSON,    /* one JSON object, or file://PATH holding it */
	CTL_OBJECTS, /* Key=V,Key=V ... (the AWS CLI's shorthand) or a JSON array */
	CTL_MAP,     /* Key=Value,Key=Value or a JSON object, as the AWS CLI's shorthand */
};

struct ctl_opt {
	const char *name; /* without the dashes */
	const char *key;  /* the API's parameter */
	enum ctl_kind kind;
	bool required;
	long long min, max;
	const char *help;
};

struct xlbctl_opts {
	const char *socket;
	bool json;
	unsigned int width;
};

struct ctl_verb {
	const char *name;
	const char *summary;
	const struct ctl_opt *opts;
	void (*render)(const struct xlbctl_opts *opts, struct json_object *data);
};

/* Small readers of reply data: absent or mistyped members read as nothing. */
static struct json_object *ctl_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o && json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *ctl_str(struct json_object *o, const char *key)
{
	struct json_object *v = ctl_get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static size_t ctl_len(struct json_object *arr)
{
	return arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

/* Any JSON value into a cell: numbers right-aligned, lists joined by commas. */
static void ctl_cell(struct table *t, size_t col, struct json_object *v)
{
	switch (v ? json_object_get_type(v) : json_type_null) {
	case json_type_null:
		break;
	case json_type_int:
		table_set_int(t, col, json_object_get_int64(v));
		break;
	case json_type_double:
		table_setf(t, col, "%.1f", json_object_get_double(v));
		break;
	case json_type_string:
		table_set(t, col, json_object_get_string(v));
		break;
	case json_type_array: {
		size_t i, n = json_object_array_length(v);
		char *s = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&s, &len);

		if (!f)
			break;
		for (i = 0; i < n; i++) {
			struct json_object *m = json_object_array_get_idx(v, i);

			fprintf(f, "%s%s", i ? "," : "",
				json_object_is_type(m, json_type_string) ?
					json_object_get_string(m) :
					json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
		}
		fclose(f);
		table_set(t, col, s);
		free(s);
		break;
	}
	default:
		table_set(t, col, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		break;
	}
}

/* One table from an array of objects: a column per key path ("TargetHealth.State"). */
static void ctl_table(const struct xlbctl_opts *opts, struct json_object *arr,
		      const char *const *keys, const char *const *headers)
{
	struct table *t;
	size_t i, c, n;

	if (table_new(&t))
		return;
	for (c = 0; keys[c]; c++)
		table_add_column(t, headers && headers[c] ? headers[c] : keys[c], TABLE_ALIGN_AUTO);
	n = ctl_len(arr);
	for (i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(arr, i);

		table_add_row(t);
		for (c = 0; keys[c]; c++) {
			char path[128], *tok, *save = NULL;
			struct json_object *v = row;

			snprintf(path, sizeof(path), "%s", keys[c]);
			for (tok = strtok_r(path, ".", &save); tok && v;
			     tok = strtok_r(NULL, ".", &save))
				v = ctl_get(v, tok);
			ctl_cell(t, c, v);
		}
	}
	if (table_print(t, stdout, opts->width))
		fprintf(stderr, "xlbctl: out of memory printing a table\n");
	table_free(t);
}

static void ctl_title(const char *title, bool *first)
{
	printf("%s%s\n", *first ? "" : "\n", title);
	*first = false;
}

static void ctl_warnings(struct json_object *data)
{
	struct json_object *w = ctl_get(data, "Warnings");
	size_t i, n = ctl_len(w);

	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(w, i);

		if (json_object_is_type(m, json_type_string))
			fprintf(stderr, "warning: %s\n", json_object_get_string(m));
	}
}

/* A cluster node's part of status: what it announces, what BIRD says of its session. */
static const char *ctl_str_or(struct json_object *o, const char *key)
{
	return ctl_str(o, key) ? ctl_str(o, key) : "-";
}

static void ctl_render_cluster(const struct xlbctl_opts *opts, struct json_object *c, bool *first)
{
	static const char *const keys[] = { "Name", "Protocol", "State", "Info", NULL };
	const char *const lists[] = { "Announced", "Withheld" };
	struct json_object *v;
	size_t i, j;

	if (!c)
		return;
	ctl_title("Cluster", first);
	printf("node %s, AS %lld, BGP to %s AS %lld: %s%s\n", ctl_str_or(c, "NodeName"),
	       (long long)json_object_get_int64(ctl_get(c, "Asn")), ctl_str_or(c, "RouterAddress"),
	       (long long)json_object_get_int64(ctl_get(c, "PeerAsn")), ctl_str_or(c, "BgpSession"),
	       json_object_get_boolean(ctl_get(c, "Withdrawing")) ? " (withdrawing)" : "");
	printf("BIRD %s (%s), include %s%s\n", ctl_str_or(c, "BirdSocket"),
	       json_object_get_boolean(ctl_get(c, "BirdReachable")) ? "reachable" : "unreachable",
	       ctl_str_or(c, "BirdInclude"),
	       json_object_get_boolean(ctl_get(c, "BirdConfigured")) ? "" : " (not yet taken)");
	for (i = 0; i < 2; i++) {
		v = ctl_get(c, lists[i]);
		printf("%-9s ", lists[i]);
		for (j = 0; j < ctl_len(v); j++)
			printf("%s%s", j ? " " : "",
			       json_object_get_string(json_object_array_get_idx(v, j)));
		printf("%s\n", ctl_len(v) ? "" : "-");
	}
	if (ctl_str(c, "LastError"))
		printf("last error: %s\n", ctl_str_or(c, "LastError"));
	if (ctl_len(ctl_get(c, "BirdProtocols")))
		ctl_table(opts, ctl_get(c, "BirdProtocols"), keys, NULL);
}

/* SharedDir's part: its timings, the other nodes' files (the first 16), gone or not, and what
 * xlb_nat_peers holds.
 */
static void ctl_render_shared(struct json_object *sh)
{
	struct json_object *nodes = ctl_get(sh, "Nodes");
	size_t i;

	if (!sh)
		return;
	printf("shared %s: files rewritten every %lld ms; unchanged for %lld ms, a node is gone\n",
	       ctl_str_or(sh, "Dir"), (long long)json_object_get_int64(ctl_get(sh, "RefreshMs")),
	       (long long)json_object_get_int64(ctl_get(sh, "StaleMs")));
	printf("nodes     ");
	for (i = 0; i < ctl_len(nodes) && i < 16; i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i);
		bool stale = json_object_get_boolean(ctl_get(n, "Stale"));

		printf("%s%s (%lld addresses%s", i ? ", " : "", ctl_str_or(n, "Node"),
		       (long long)json_object_get_int64(ctl_get(n, "Addresses")),
		       stale ? ", gone: unchanged " : ")");
		if (stale)
			printf("%lld s)",
			       (long long)json_object_get_int64(ctl_get(n, "UnchangedMs")) / 1000);
	}
	if (ctl_len(nodes) > 16)
		printf(" and %zu more", ctl_len(nodes) - 16);
	printf("%s\n", ctl_len(nodes) ? "" : "-");
	printf("nat peers %lld in xlb_nat_peers%s\n",
	       (long long)json_object_get_int64(ctl_get(sh, "NatPeers")),
	       json_object_get_boolean(ctl_get(sh, "NatPeersFull")) ?
		       " (kept: nodes/ lists more than the map holds)" :
		       "");
}

static void ctl_render_status(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const lb_keys[] = {
		"LoadBalancerName", "Protocol", "Port", "TargetGroupName",
		"HealthyTargets",   "Targets",	NULL
	};
	static const char *const tg_keys[] = { "TargetGroupName", "Protocol",  "Port",
					       "Healthy",	  "Unhealthy", "Initial",
					       "Draining",	  "Total",     NULL };
	static const char *const asg_keys[] = { "AutoScalingGroupName", "MinSize",   "MaxSize",
						"DesiredCapacity",	"InService", "Pending",
						"Terminating",		NULL };
	struct json_object *lbs = ctl_get(data, "LoadBalancers"), *listeners;
	struct json_object *v;
	bool first = false;
	size_t i, j;

	printf("xlbd %s", ctl_str(data, "Version") ? ctl_str(data, "Version") : "");
	if ((v = ctl_get(data, "Pid")) && json_object_is_type(v, json_type_int))
		printf(" pid %lld", (long long)json_object_get_int64(v));
	if ((v = ctl_get(data, "UptimeSeconds")) && json_object_is_type(v, json_type_int)) {
		long long up = json_object_get_int64(v);

		printf(", up %lldd %02lld:%02lld:%02lld", up / 86400, up / 3600 % 24, up / 60 % 60,
		       up % 60);
	}
	printf("\n");
	if (ctl_str(data, "ConfigFile"))
		printf("configuration %s%s%s\n", ctl_str(data, "ConfigFile"),
		       ctl_str(data, "ConfigLoadedTime") ? ", loaded " : "",
		       ctl_str(data, "ConfigLoadedTime") ? ctl_str(data, "ConfigLoadedTime") : "");
	v = ctl_get(data, "Interfaces");
	if (ctl_len(v)) {
		printf("attached (Hook %s):", ctl_str(data, "Hook") ? ctl_str(data, "Hook") : "?");
		for (i = 0; i < ctl_len(v); i++) {
			struct json_object *o = json_object_array_get_idx(v, i);

			printf(" %s %s %s%s", ctl_str(o, "Name") ? ctl_str(o, "Name") : "?",
			       ctl_str(o, "Role") ? ctl_str(o, "Role") : "?",
			       ctl_str(o, "Hook") ? ctl_str(o, "Hook") : "?",
			       i + 1 < ctl_len(v) ? "," : "");
		}
		printf("\n");
	}

	/* flatten load balancers x listeners into one table */
	listeners = json_object_new_array();
	for (i = 0; listeners && i < ctl_len(lbs); i++) {
		struct json_object *lb = json_object_array_get_idx(lbs, i);
		struct json_object *ls = ctl_get(lb, "Listeners");

		for (j = 0; j < ctl_len(ls); j++) {
			struct json_object *l = json_object_array_get_idx(ls, j);

			if (!json_object_is_type(l, json_type_object))
				continue;
			json_object_get(l);
			json_object_object_add(l, "LoadBalancerName",
					       json_object_get(ctl_get(lb, "LoadBalancerName")));
			json_object_array_add(listeners, l);
		}
	}
	if (ctl_len(listeners)) {
		ctl_title("Listeners", &first);
		ctl_table(opts, listeners, lb_keys, NULL);
	}
	json_object_put(listeners);
	if (ctl_len(ctl_get(data, "TargetGroups"))) {
		ctl_title("TargetGroups", &first);
		ctl_table(opts, ctl_get(data, "TargetGroups"), tg_keys, NULL);
	}
	if (ctl_len(ctl_get(data, "AutoScalingGroups"))) {
		ctl_title("AutoScalingGroups", &first);
		ctl_table(opts, ctl_get(data, "AutoScalingGroups"), asg_keys, NULL);
	}
	ctl_render_cluster(opts, ctl_get(data, "Cluster"), &first);
	if (ctl_get(data, "Cluster"))
		ctl_render_shared(ctl_get(data, "SharedTargets"));
}

/* For each group whose field (an array) is not empty, a table of it titled "WHAT of GROUP". */
static void ctl_render_per_group(const struct xlbctl_opts *opts, struct json_object *groups,
				 const char *field, const char *what, const char *const *keys,
				 bool *first)
{
	size_t i;

	for (i = 0; i < ctl_len(groups); i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);
		const char *name = ctl_str(g, "AutoScalingGroupName");
		char title[256];

		if (!ctl_len(ctl_get(g, field)))
			continue;
		snprintf(title, sizeof(title), "%s of %s", what, name ? name : "?");
		ctl_title(title, first);
		ctl_table(opts, ctl_get(g, field), keys, NULL);
	}
}

static void ctl_render_asgs(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "AutoScalingGroupName",
					    "Launch",
					    "MinSize",
					    "MaxSize",
					    "DesiredCapacity",
					    "InstanceCount",
					    "HealthCheckType",
					    "TargetGroupARNs",
					    NULL };
	static const char *const headers[] = {
		"AutoScalingGroupName", "Launch",	   "Min", "Max", "Desired", "Instances",
		"HealthCheckType",	"TargetGroupARNs", NULL
	};
	static const char *const ikeys[] = { "InstanceId",
					     "InstanceType",
					     "LifecycleState",
					     "HealthStatus",
					     "PrivateIpAddress",
					     "ProtectedFromScaleIn",
					     NULL };
	static const char *const pkeys[] = { "ProcessName", "SuspensionReason", NULL };
	struct json_object *groups = ctl_get(data, "AutoScalingGroups"), *rows;
	bool first = true, warned = ctl_len(ctl_get(data, "Warnings")) > 0;
	size_t i, n = ctl_len(groups);

	rows = json_object_new_array();
	for (i = 0; rows && i < n; i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);
		struct json_object *r = NULL;
		const char *launch = ctl_str(g, "LaunchConfigurationName");

		/* a copy with the two derived columns added */
		if (!json_object_is_type(g, json_type_object))
			continue;
		if (json_object_deep_copy(g, &r, NULL))
			break;
		if (!launch)
			launch = ctl_str(ctl_get(g, "LaunchTemplate"), "LaunchTemplateName");
		if (launch)
			json_object_object_add(r, "Launch", json_object_new_string(launch));
		json_object_object_add(r, "InstanceCount",
				       json_object_new_int64(ctl_len(ctl_get(g, "Instances"))));
		json_object_array_add(rows, r);
		/* the classic pitfall, said even by a daemon that forgot to */
		if (!warned && !ctl_len(ctl_get(g, "TargetGroupARNs")))
			fprintf(stderr,
				"warning: auto-scaling group %s is attached to no target group: its "
				"instances get no traffic (attach-load-balancer-target-groups)\n",
				ctl_str(g, "AutoScalingGroupName") ?
					ctl_str(g, "AutoScalingGroupName") :
					"?");
	}
	ctl_title("AutoScalingGroups", &first);
	ctl_table(opts, rows, keys, headers);
	json_object_put(rows);
	ctl_render_per_group(opts, groups, "Instances", "Instances", ikeys, &first);
	ctl_render_per_group(opts, groups, "SuspendedProcesses", "SuspendedProcesses", pkeys,
			     &first);
}

static void ctl_render_health(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "Target.Id",
					    "Target.Port",
					    "HealthCheckPort",
					    "TargetHealth.State",
					    "TargetHealth.Reason",
					    "TargetHealth.Description",
					    NULL };
	static const char *const headers[] = { "Id",	"Port",	  "HealthCheckPort",
					       "State", "Reason", "Description",
					       NULL };

	ctl_table(opts, ctl_get(data, "TargetHealthDescriptions"), keys, headers);
}

static void ctl_render_activities(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "StartTime",   "StatusCode", "AutoScalingGroupName",
					    "Description", "Cause",	 NULL };

	ctl_table(opts, ctl_get(data, "Activities"), keys, NULL);
}

/* The group verbs' replies. */
static void ctl_render_activity(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "StartTime", "StatusCode", "Description", "Cause",
					    NULL };
	struct json_object *arr = json_object_new_array();

	if (!arr || !ctl_get(data, "Activity"))
		goto out;
	json_object_array_add(arr, json_object_get(ctl_get(data, "Activity")));
	ctl_table(opts, arr, keys, NULL);
out:
	json_object_put(arr);
}

static void ctl_render_refresh_id(const struct xlbctl_opts *opts, struct json_object *data)
{
	(void)opts;
	if (ctl_str(data, "InstanceRefreshId"))
		printf("%s\n", ctl_str(data, "InstanceRefreshId"));
}

static void ctl_render_refreshes(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "InstanceRefreshId",
					    "Status",
					    "PercentageComplete",
					    "InstancesToUpdate",
					    "StartTime",
					    "EndTime",
					    "Preferences.MinHealthyPercentage",
					    "Preferences.MaxHealthyPercentage",
					    "StatusReason",
					    NULL };
	static const char *const headers[] = {
		"InstanceRefreshId", "Status",	   "Percent",	 "ToUpdate",	 "StartTime",
		"EndTime",	     "MinHealthy", "MaxHealthy", "StatusReason", NULL
	};

	ctl_table(opts, ctl_get(data, "InstanceRefreshes"), keys, headers);
}

static void ctl_render_console(const struct xlbctl_opts *opts, struct json_object *data)
{
	const char *out = ctl_str(data, "Output");
	size_t len = out ? strlen(out) : 0;

	if (len) {
		fwrite(out, 1, len, stdout);
		if (out[len - 1] != '\n')
			putchar('\n');
	}
}

static void ctl_render_metric_stats(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "AutoScalingGroupName",
					    "Current.DesiredCapacity",
					    "Current.InService",
					    "Current.Healthy",
					    "Current.ASGAverageCPUUtilization",
					    "Current.ALBRequestCountPerTarget",
					    "Current.ASGAverageNetworkIn",
					    "Current.ASGAverageNetworkOut",
					    NULL };
	static const char *const headers[] = { "Group",	    "Desired",	  "InService",
					       "Healthy",   "CPU%",	  "Requests/target",
					       "NetworkIn", "NetworkOut", NULL };
	static const char *const akeys[] = { "AlarmName", "StateValue", "MetricName", "Threshold",
					     NULL };
	struct json_object *groups = ctl_get(data, "Groups");
	bool first = true;

	ctl_title("Metrics (the last interval; CPU in percent of the quota, the others per "
		  "second, averaged over InService instances out of warm-up)",
		  &first);
	ctl_table(opts, groups, keys, headers);
	ctl_render_per_group(opts, groups, "MetricAlarms", "Alarms", akeys, &first);
}

static void ctl_render_reload(const struct xlbctl_opts *opts, struct json_object *data)
{
	struct json_object *changes = ctl_get(data, "Changes");
	size_t i;

	printf("reloaded %s\n", ctl_str(data, "ConfigFile") ? ctl_str(data, "ConfigFile") : "");
	for (i = 0; i < ctl_len(changes); i++) {
		struct json_object *m = json_object_array_get_idx(changes, i);

		if (json_object_is_type(m, json_type_string))
			printf("  %s\n", json_object_get_string(m));
	}
}

static void ctl_render_metrics(const struct xlbctl_opts *opts, struct json_object *data)
{
	const char *text = ctl_str(data, "Text");

	if (text)
		fputs(text, stdout);
}

static void ctl_render_lbs(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = {
		"LoadBalancerName", "Type", "XlbAddresses", "XlbForwardingMode", "XlbInterfaces",
		"State.Code",	    NULL
	};
	static const char *const headers[] = { "LoadBalancerName", "Type",  "Addresses", "Mode",
					       "Interfaces",	   "State", NULL };

	ctl_table(opts, ctl_get(data, "LoadBalancers"), keys, headers);
}

static void ctl_render_tgs(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "TargetGroupName",
					    "Protocol",
					    "Port",
					    "TargetType",
					    "HealthCheckProtocol",
					    "HealthCheckPort",
					    "HealthCheckIntervalSeconds",
					    "HealthCheckTimeoutSeconds",
					    "HealthyThresholdCount",
					    "UnhealthyThresholdCount",
					    NULL };
	static const char *const headers[] = { "TargetGroupName", "Protocol", "Port",
					       "TargetType",	  "Check",    "CheckPort",
					       "Interval",	  "Timeout",  "Healthy",
					       "Unhealthy",	  NULL };

	ctl_table(opts, ctl_get(data, "TargetGroups"), keys, headers);
}

/* The last part of a target group's ARN-shaped name: "targetgroup/web/xlb" -> "web". */
static void ctl_tg_short(const char *arn, char *buf, size_t len)
{
	const char *p = arn ? strstr(arn, "targetgroup/") : NULL;

	if (!p) {
		snprintf(buf, len, "%s", arn ? arn : "?");
		return;
	}
	p += strlen("targetgroup/");
	snprintf(buf, len, "%.*s", (int)strcspn(p, "/"), p);
}

static void ctl_render_listeners(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "Port", "Protocol", "XlbForwardingMode", "ForwardTo",
					    NULL };
	static const char *const headers[] = { "Port", "Protocol", "Mode", "ForwardTo (weight)",
					       NULL };
	struct json_object *ls = ctl_get(data, "Listeners"), *rows = json_object_new_array();
	size_t i, j;

	for (i = 0; rows && i < ctl_len(ls); i++) {
		struct json_object *l = json_object_array_get_idx(ls, i), *r = NULL, *tgs;
		char *s = NULL, name[256];
		size_t len = 0;
		FILE *f;

		if (json_object_deep_copy(l, &r, NULL))
			break;
		tgs = ctl_get(ctl_get(json_object_array_get_idx(ctl_get(l, "DefaultActions"), 0),
				      "ForwardConfig"),
			      "TargetGroups");
		f = open_memstream(&s, &len);
		for (j = 0; f && j < ctl_len(tgs); j++) {
			struct json_object *t = json_object_array_get_idx(tgs, j);

			ctl_tg_short(ctl_str(t, "TargetGroupArn"), name, sizeof(name));
			fprintf(f, "%s%s (%d)", j ? ", " : "", name,
				json_object_get_int(ctl_get(t, "Weight")));
		}
		if (f)
			fclose(f);
		json_object_object_add(r, "ForwardTo", json_object_new_string(s ? s : ""));
		free(s);
		json_object_array_add(rows, r);
	}
	ctl_table(opts, rows, keys, headers);
	json_object_put(rows);
}

static void ctl_render_attrs(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "Key", "Value", NULL };

	ctl_table(opts, ctl_get(data, "Attributes"), keys, NULL);
}

static void ctl_render_policies(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = {
		"AutoScalingGroupName", "PolicyName", "PolicyType", "Enabled", "XlbSource",
		"AlarmNames",		NULL
	};
	static const char *const headers[] = { "AutoScalingGroupName",
					       "PolicyName",
					       "PolicyType",
					       "Enabled",
					       "Source",
					       "Alarms",
					       NULL };
	struct json_object *ps = ctl_get(data, "ScalingPolicies"), *rows = json_object_new_array();
	size_t i, j;

	for (i = 0; rows && i < ctl_len(ps); i++) {
		struct json_object *p = json_object_array_get_idx(ps, i), *r = NULL;
		struct json_object *al = ctl_get(p, "Alarms"), *names = json_object_new_array();

		if (json_object_deep_copy(p, &r, NULL)) {
			json_object_put(names);
			break;
		}
		for (j = 0; names && j < ctl_len(al); j++)
			json_object_array_add(
				names, json_object_get(ctl_get(json_object_array_get_idx(al, j),
							       "AlarmName")));
		json_object_object_add(r, "AlarmNames", names);
		json_object_array_add(rows, r);
	}
	ctl_table(opts, rows, keys, headers);
	json_object_put(rows);
}

static void ctl_render_put_policy(const struct xlbctl_opts *opts, struct json_object *data)
{
	struct json_object *al = ctl_get(data, "Alarms");
	size_t i;

	(void)opts;
	printf("%s\n", ctl_str(data, "PolicyARN") ? ctl_str(data, "PolicyARN") : "");
	for (i = 0; i < ctl_len(al); i++)
		printf("  alarm %s\n",
		       ctl_str(json_object_array_get_idx(al, i), "AlarmName") ?
			       ctl_str(json_object_array_get_idx(al, i), "AlarmName") :
			       "?");
}

/* simulate: the command line of the simulator (sim.c), no xlbd needed. */
static int ctl_simulate(struct json_object *args, bool json)
{
	struct json_object *v;
	struct sim_opts o = {
		.config = ctl_str(args, "Config"),
		.metrics = ctl_str(args, "Metrics"),
		.group = ctl_str(args, "Group"),
		.start = ctl_str(args, "Start"),
		/* json-c reads an absent member (NULL) as false */
		.spread = json_object_get_boolean(ctl_get(args, "Spread")),
		.all = json_object_get_boolean(ctl_get(args, "All")),
		.json = json,
	};
	int ret;

	if ((v = ctl_get(args, "LaunchSeconds")))
		o.launch_ms = (uint64_t)json_object_get_int64(v) * 1000;
	ret = sim_run(&o, stdout);
	if (ret == -EINVAL)
		return EXIT_USAGE;
	return ret || fflush(stdout) ? 1 : 0;
}

#define ASG_NAME(req)                                                                  \
	{                                                                              \
		"auto-scaling-group-name", "AutoScalingGroupName", CTL_STR, req, 0, 0, \
			"the group's name"                                             \
	}

static const struct ctl_opt opts_none[] = { { NULL } };
static const struct ctl_opt opts_describe_asgs[] = {
	{ "auto-scaling-group-names", "AutoScalingGroupNames", CTL_LIST, false, 0, 0,
	  "only these groups (default: all)" },
	{ NULL },
};
static const struct ctl_opt opts_health[] = {
	{ "target-group-arn", "TargetGroupArn", CTL_STR, false, 0, 0,
	  "the target group, by ARN-shaped string or name" },
	{ "target-group-name", "TargetGroupArn", CTL_STR, false, 0, 0,
	  "the same, by name (an xlbctl addition)" },
	{ "targets", "Targets", CTL_TARGETS, false, 0, 0,
	  "only these targets: Id=IP[,Port=N] ..." },
	{ NULL },
};
static const struct ctl_opt opts_activities[] = {
	ASG_NAME(false),
	{ "max-items", "MaxRecords", CTL_INT, false, 1, 100000, "at most this many, newest first" },
	{ NULL },
};
static const struct ctl_opt opts_desired[] = {
	ASG_NAME(true),
	{ "desired-capacity", "DesiredCapacity", CTL_INT, true, 0, 1000000,
	  "the number of instances to keep InService" },
	{ "honor-cooldown", "HonorCooldown", CTL_BOOL, false, 0, 0,
	  "refuse while the group's cooldown runs (--no-honor-cooldown: the default)" },
	{ NULL },
};
static const struct ctl_opt opts_attach[] = {
	ASG_NAME(true),
	{ "target-group-arns", "TargetGroupARNs", CTL_LIST, true, 0, 0,
	  "target groups, by ARN-shaped string or name" },
	{ NULL },
};
static const struct ctl_opt opts_register[] = {
	{ "target-group-arn", "TargetGroupArn", CTL_STR, true, 0, 0,
	  "the target group, by ARN-shaped string or name" },
	{ "targets", "Targets", CTL_TARGETS, true, 0, 0,
	  "Id=IP[,Port=N] ... (Port defaults to the group's)" },
	{ NULL },
};
/* ---- the group verbs (xlbd_api_asg.c) ---- */
static const struct ctl_opt opts_update_asg[] = {
	ASG_NAME(true),
	{ "min-size", "MinSize", CTL_INT, false, 0, 1000000, "the group's MinSize" },
	{ "max-size", "MaxSize", CTL_INT, false, 0, 1000000, "the group's MaxSize" },
	{ "desired-capacity", "DesiredCapacity", CTL_INT, false, 0, 1000000,
	  "the group's DesiredCapacity" },
	{ "default-cooldown", "DefaultCooldown", CTL_INT, false, 0, 31536000, "seconds" },
	{ "health-check-type", "HealthCheckType", CTL_STR, false, 0, 0, "EC2 or ELB" },
	{ "health-check-grace-period", "HealthCheckGracePeriod", CTL_INT, false, 0, 31536000,
	  "seconds" },
	{ "max-instance-lifetime", "MaxInstanceLifetime", CTL_INT, false, 0, 31536000,
	  "seconds: 0 (none) or 86400 to 31536000 (TimeScale shortens it)" },
	{ "default-instance-warmup", "DefaultInstanceWarmup", CTL_INT, false, 0, 31536000,
	  "seconds" },
	{ "termination-policies", "TerminationPolicies", CTL_LIST, false, 0, 0,
	  "Default, OldestInstance, NewestInstance, ..." },
	{ "new-instances-protected-from-scale-in", "NewInstancesProtectedFromScaleIn", CTL_BOOL,
	  false, 0, 0, "protect the instances launched from now on" },
	/* sent, so that xlbd refuses them by name */
	{ "launch-configuration-name", "LaunchConfigurationName", CTL_STR, false, 0, 0,
	  "refused: the launch comes from the configuration file" },
	{ "launch-template", "LaunchTemplate", CTL_STR, false, 0, 0,
	  "refused: the launch comes from the configuration file" },
	{ "vpc-zone-identifier", "VPCZoneIdentifier", CTL_STR, false, 0, 0,
	  "refused: one host, one zone" },
	{ "availability-zones", "AvailabilityZones", CTL_LIST, false, 0, 0,
	  "refused: one host, one zone" },
	{ "capacity-rebalance", "CapacityRebalance", CTL_BOOL, false, 0, 0,
	  "refused: there is no Spot here" },
	{ NULL },
};
static const struct ctl_opt opts_terminate_instance[] = {
	{ "instance-id", "InstanceId", CTL_STR, true, 0, 0, "the instance (i-...)" },
	{ "should-decrement-desired-capacity", "ShouldDecrementDesiredCapacity", CTL_BOOL, true, 0,
	  0, "lower desired capacity by one (--no-...: launch a replacement)" },
	{ NULL },
};
static const struct ctl_opt opts_set_health[] = {
	{ "instance-id", "InstanceId", CTL_STR, true, 0, 0, "the instance (i-...)" },
	{ "health-status", "HealthStatus", CTL_STR, true, 0, 0, "Healthy or Unhealthy" },
	{ "should-respect-grace-period", "ShouldRespectGracePeriod", CTL_BOOL, false, 0, 0,
	  "replace it only after HealthCheckGracePeriod (the default)" },
	{ NULL },
};
static const struct ctl_opt opts_enter_standby[] = {
	{ "instance-ids", "InstanceIds", CTL_LIST, true, 0, 0, "the instances (i-...)" },
	ASG_NAME(true),
	{ "should-decrement-desired-capacity", "ShouldDecrementDesiredCapacity", CTL_BOOL, true, 0,
	  0, "lower desired capacity (--no-...: launch replacements)" },
	{ NULL },
};
static const struct ctl_opt opts_exit_standby[] = {
	{ "instance-ids", "InstanceIds", CTL_LIST, true, 0, 0, "the instances (i-...)" },
	ASG_NAME(true),
	{ NULL },
};
static const struct ctl_opt opts_processes[] = {
	ASG_NAME(true),
	{ "scaling-processes", "ScalingProcesses", CTL_LIST, false, 0, 0,
	  "Launch Terminate HealthCheck ReplaceUnhealthy AZRebalance AlarmNotification "
	  "ScheduledActions AddToLoadBalancer InstanceRefresh (default: all)" },
	{ NULL },
};
static const struct ctl_opt opts_start_refresh[] = {
	ASG_NAME(true),
	{ "preferences", "Preferences", CTL_MAP, false, 0, 0,
	  "MinHealthyPercentage=N,MaxHealthyPercentage=N,InstanceWarmup=S,SkipMatching=true" },
	{ "strategy", "Strategy", CTL_STR, false, 0, 0, "Rolling (the only one)" },
	{ NULL },
};
static const struct ctl_opt opts_describe_refreshes[] = {
	ASG_NAME(true),
	{ "instance-refresh-ids", "InstanceRefreshIds", CTL_LIST, false, 0, 0, "only these" },
	{ "max-records", "MaxRecords", CTL_INT, false, 1, 100, "at most this many, newest first" },
	{ NULL },
};
static const struct ctl_opt opts_cancel_refresh[] = {
	ASG_NAME(true),
	{ NULL },
};

static const struct ctl_opt opts_console[] = {
	{ "instance-id", "InstanceId", CTL_STR, true, 0, 0, "the instance (i-...)" },
	{ NULL },
};

static const struct ctl_opt opts_metric_stats[] = {
	{ "auto-scaling-group-name", "AutoScalingGroupName", CTL_STR, false, 0, 0,
	  "only this group (default: all)" },
	{ NULL },
};

/* elbv2 describes and attributes, scaling policies */
#define TG_ARN(req)                                                       \
	{                                                                 \
		"target-group-arn", "TargetGroupArn", CTL_STR, req, 0, 0, \
			"the target group, by ARN-shaped string or name"  \
	}
static const struct ctl_opt opts_describe_lbs[] = {
	{ "names", "Names", CTL_LIST, false, 0, 0, "only these load balancers (default: all)" },
	{ "load-balancer-arns", "LoadBalancerArns", CTL_LIST, false, 0, 0,
	  "only these, by ARN-shaped string or name" },
	{ NULL },
};
static const struct ctl_opt opts_describe_tgs[] = {
	{ "names", "Names", CTL_LIST, false, 0, 0, "only these target groups (default: all)" },
	{ "target-group-arns", "TargetGroupArns", CTL_LIST, false, 0, 0,
	  "only these, by ARN-shaped string or name" },
	{ "load-balancer-arn", "LoadBalancerArn", CTL_STR, false, 0, 0,
	  "only those this load balancer forwards to (ARN-shaped string or name)" },
	{ NULL },
};
static const struct ctl_opt opts_describe_listeners[] = {
	{ "load-balancer-arn", "LoadBalancerArn", CTL_STR, true, 0, 0,
	  "the load balancer, by ARN-shaped string or name" },
	{ NULL },
};
static const struct ctl_opt opts_tg_attrs[] = {
	TG_ARN(true),
	{ NULL },
};
static const struct ctl_opt opts_modify_tg_attrs[] = {
	TG_ARN(true),
	{ "attributes", "Attributes", CTL_OBJECTS, true, 0, 0,
	  "Key=NAME,Value=VALUE ... (or a JSON list)" },
	{ NULL },
};
static const struct ctl_opt opts_modify_tg[] = {
	TG_ARN(true),
	{ "health-check-protocol", "HealthCheckProtocol", CTL_STR, false, 0, 0, "TCP or HTTP" },
	{ "health-check-port", "HealthCheckPort", CTL_STR, false, 0, 0, "traffic-port or a port" },
	{ "health-check-path", "HealthCheckPath", CTL_STR, false, 0, 0, "HTTP checks' path" },
	{ "health-check-interval-seconds", "HealthCheckIntervalSeconds", CTL_INT, false, 5, 300,
	  "seconds between checks" },
	{ "health-check-timeout-seconds", "HealthCheckTimeoutSeconds", CTL_INT, false, 2, 120,
	  "seconds a check may take" },
	{ "healthy-threshold-count", "HealthyThresholdCount", CTL_INT, false, 2, 10,
	  "successes in a row to turn healthy" },
	{ "unhealthy-threshold-count", "UnhealthyThresholdCount", CTL_INT, false, 2, 10,
	  "failures in a row to turn unhealthy" },
	{ "matcher", "Matcher", CTL_JSON, false, 0, 0, "{\"HttpCode\": \"200-299\"}" },
	{ NULL },
};
static const struct ctl_opt opts_describe_policies[] = {
	ASG_NAME(false),
	{ "policy-names", "PolicyNames", CTL_LIST, false, 0, 0, "only these policies" },
	{ NULL },
};
static const struct ctl_opt opts_put_policy[] = {
	ASG_NAME(true),
	{ "policy-name", "PolicyName", CTL_STR, true, 0, 0, "the policy's name in the group" },
	{ "policy-type", "PolicyType", CTL_STR, false, 0, 0,
	  "SimpleScaling (the default), StepScaling or TargetTrackingScaling" },
	{ "adjustment-type", "AdjustmentType", CTL_STR, false, 0, 0,
	  "ChangeInCapacity, ExactCapacity or PercentChangeInCapacity" },
	{ "scaling-adjustment", "ScalingAdjustment", CTL_INT, false, -10000, 10000,
	  "SimpleScaling: the change" },
	{ "cooldown", "Cooldown", CTL_INT, false, 0, 86400, "SimpleScaling: seconds" },
	{ "min-adjustment-magnitude", "MinAdjustmentMagnitude", CTL_INT, false, 1, 10000,
	  "PercentChangeInCapacity: the least change" },
	{ "metric-aggregation-type", "MetricAggregationType", CTL_STR, false, 0, 0,
	  "StepScaling: Average, Minimum or Maximum" },
	{ "step-adjustments", "StepAdjustments", CTL_OBJECTS, false, 0, 0,
	  "StepScaling: MetricIntervalLowerBound=N,MetricIntervalUpperBound=N,"
	  "ScalingAdjustment=N ..." },
	{ "estimated-instance-warmup", "EstimatedInstanceWarmup", CTL_INT, false, 0, 86400,
	  "seconds a new instance needs before its metrics count" },
	{ "target-tracking-configuration", "TargetTrackingConfiguration", CTL_JSON, false, 0, 0,
	  "TargetTrackingScaling: JSON or file://PATH" },
	{ "enabled", "Enabled", CTL_BOOL, false, 0, 0, "whether the policy acts (default yes)" },
	{ NULL },
};
static const struct ctl_opt opts_delete_policy[] = {
	ASG_NAME(true),
	{ "policy-name", "PolicyName", CTL_STR, true, 0, 0, "the policy, by name or ARN" },
	{ NULL },
};

static const struct ctl_opt opts_simulate[] = {
	{ "config", "Config", CTL_STR, true, 0, 0, "the configuration file (as xlbd takes it)" },
	{ "metrics", "Metrics", CTL_STR, true, 0, 0,
	  "the trace: a CSV with a header time,METRIC[,METRIC...]; CPU in percent, NetworkIn/Out "
	  "(bytes) and requests (new connections) per second per instance, as xlbd samples them "
	  "(alarms turn them into AWS's per-minute or per-period counts)" },
	{ "group", "Group", CTL_STR, false, 0, 0,
	  "the auto-scaling group (needed when the file has several)" },
	{ "launch-seconds", "LaunchSeconds", CTL_INT, false, 0, 86400,
	  "from launch to InService, in xlb's seconds (default 0)" },
	{ "start", "Start", CTL_STR, false, 0, 0,
	  "the virtual wall clock's start (default the trace's first ISO time, else " SIM_START
	  ")" },
	{ "spread", "Spread", CTL_BOOL, false, 0, 0,
	  "values are for the starting capacity: spread them over the ready instances" },
	{ "all", "All", CTL_BOOL, false, 0, 0,
	  "a row for every sample, not only when something changes" },
	{ NULL },
};

/* lifecycle hooks and warm pools */
static const struct ctl_opt opts_complete_lifecycle[] = {
	ASG_NAME(true),
	{ "lifecycle-hook-name", "LifecycleHookName", CTL_STR, true, 0, 0, "the hook" },
	{ "lifecycle-action-result", "LifecycleActionResult", CTL_STR, true, 0, 0,
	  "CONTINUE or ABANDON" },
	{ "instance-id", "InstanceId", CTL_STR, false, 0, 0, "the waiting instance (i-...)" },
	{ "lifecycle-action-token", "LifecycleActionToken", CTL_STR, false, 0, 0,
	  "or the wait's token (in the instance's /var/lib/xlb/lifecycle-action)" },
	{ NULL },
};
static const struct ctl_opt opts_heartbeat_lifecycle[] = {
	ASG_NAME(true),
	{ "lifecycle-hook-name", "LifecycleHookName", CTL_STR, true, 0, 0, "the hook" },
	{ "instance-id", "InstanceId", CTL_STR, false, 0, 0, "the waiting instance (i-...)" },
	{ "lifecycle-action-token", "LifecycleActionToken", CTL_STR, false, 0, 0,
	  "or the wait's token" },
	{ NULL },
};
static const struct ctl_opt opts_group_only[] = {
	ASG_NAME(true),
	{ NULL },
};
/* the daemon checks the values (AWS's bounds, in the file reader's words) */
static const struct ctl_opt opts_put_hook[] = {
	ASG_NAME(true),
	{ "lifecycle-hook-name", "LifecycleHookName", CTL_STR, true, 0, 0,
	  "the hook (an existing one is changed)" },
	{ "lifecycle-transition", "LifecycleTransition", CTL_STR, false, 0, 0,
	  "autoscaling:EC2_INSTANCE_LAUNCHING or autoscaling:EC2_INSTANCE_TERMINATING (needed "
	  "for a new hook)" },
	{ "heartbeat-timeout", "HeartbeatTimeout", CTL_INT, false, INT32_MIN, INT32_MAX,
	  "seconds the wait lasts without a heartbeat, 30..7200 (default 3600)" },
	{ "default-result", "DefaultResult", CTL_STR, false, 0, 0,
	  "CONTINUE or ABANDON (the default) when the wait times out" },
	{ "notification-metadata", "NotificationMetadata", CTL_STR, false, 0, 0,
	  "text handed to the instance with its wait" },
	{ "notification-target-arn", "NotificationTargetARN", CTL_STR, false, 0, 0,
	  "accepted, no effect here (no notifications are sent)" },
	{ "role-arn", "RoleARN", CTL_STR, false, 0, 0, "accepted, no effect here" },
	{ NULL },
};
static const struct ctl_opt opts_delete_hook[] = {
	ASG_NAME(true),
	{ "lifecycle-hook-name", "LifecycleHookName", CTL_STR, true, 0, 0, "the hook" },
	{ NULL },
};
static const struct ctl_opt opts_put_warm_pool[] = {
	ASG_NAME(true),
	{ "min-size", "MinSize", CTL_INT, false, INT32_MIN, INT32_MAX,
	  "instances the pool keeps at least (default 0)" },
	{ "max-group-prepared-capacity", "MaxGroupPreparedCapacity", CTL_INT, false, INT32_MIN,
	  INT32_MAX, "the group and its pool together at most (default, or -1: MaxSize)" },
	{ "pool-state", "PoolState", CTL_STR, false, 0, 0,
	  "Stopped (the default: cgroup frozen), Running, or Hibernated (kept as Stopped)" },
	{ "instance-reuse-policy", "InstanceReusePolicy", CTL_MAP, false, 0, 0,
	  "ReuseOnScaleIn=true: scale in returns instances to the pool" },
	{ NULL },
};
static const struct ctl_opt opts_delete_warm_pool[] = {
	ASG_NAME(true),
	{ "force-delete", "ForceDelete", CTL_BOOL, false, 0, 0,
	  "accepted; the pool's instances are terminated at once either way" },
	{ NULL },
};

static void ctl_render_hooks(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const keys[] = { "LifecycleHookName", "LifecycleTransition",
					    "HeartbeatTimeout",	 "GlobalTimeout",
					    "DefaultResult",	 NULL };

	ctl_table(opts, ctl_get(data, "LifecycleHooks"), keys, NULL);
}

static void ctl_render_warm_pool(const struct xlbctl_opts *opts, struct json_object *data)
{
	static const char *const wkeys[] = { "MinSize",	      "MaxGroupPreparedCapacity",
					     "PoolState",     "InstanceReusePolicy.ReuseOnScaleIn",
					     "XlbTargetSize", NULL };
	static const char *const ikeys[] = { "InstanceId", "LifecycleState", "HealthStatus",
					     "PrivateIpAddress", NULL };
	struct json_object *w = ctl_get(data, "WarmPoolConfiguration"), *arr;

	if (!w) {
		printf("no warm pool\n");
		return;
	}
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_get(w));
	ctl_table(opts, arr, wkeys, NULL);
	json_object_put(arr);
	printf("\n");
	ctl_table(opts, ctl_get(data, "Instances"), ikeys, NULL);
}

static const struct ctl_verb ctl_verbs[] = {
	{ "status", "the daemon, its listeners, target groups and groups at a glance", opts_none,
	  ctl_render_status },
	{ "describe-auto-scaling-groups", "groups, their capacity and their instances",
	  opts_describe_asgs, ctl_render_asgs },
	{ "describe-target-health", "the health of a target group's targets", opts_health,
	  ctl_render_health },
	{ "describe-scaling-activities", "what changed capacity, and why", opts_activities,
	  ctl_render_activities },
	{ "set-desired-capacity", "change a group's desired capacity", opts_desired, NULL },
	{ "attach-load-balancer-target-groups", "put a group's instances into target groups",
	  opts_attach, NULL },
	{ "detach-load-balancer-target-groups", "take a group's instances out of target groups",
	  opts_attach, NULL },
	{ "register-targets", "add targets to a target group by IP", opts_register, NULL },
	{ "deregister-targets", "drain and remove targets from a target group", opts_register,
	  NULL },
	{ "get-console-output", "an instance's UserData output", opts_console, ctl_render_console },
	{ "complete-lifecycle-action", "end a lifecycle hook's wait: CONTINUE or ABANDON",
	  opts_complete_lifecycle, NULL },
	{ "record-lifecycle-action-heartbeat", "restart a lifecycle hook's heartbeat timeout",
	  opts_heartbeat_lifecycle, NULL },
	{ "describe-lifecycle-hooks", "a group's lifecycle hooks", opts_group_only,
	  ctl_render_hooks },
	{ "put-lifecycle-hook",
	  "add or change a group's lifecycle hook (kept until the file's hooks change)",
	  opts_put_hook, NULL },
	{ "delete-lifecycle-hook",
	  "remove a group's lifecycle hook, completing its waits (until the file's hooks change)",
	  opts_delete_hook, NULL },
	{ "describe-warm-pool", "a group's warm pool and its instances", opts_group_only,
	  ctl_render_warm_pool },
	{ "put-warm-pool",
	  "add or replace a group's warm pool (kept until the file's WarmPoolConfiguration changes)",
	  opts_put_warm_pool, NULL },
	{ "delete-warm-pool", "remove a group's warm pool and terminate its instances",
	  opts_delete_warm_pool, NULL },
	{ "reload", "load the configuration file again, atomically", opts_none, ctl_render_reload },
	{ "metrics", "the Prometheus metrics, as GET /metrics serves them", opts_none,
	  ctl_render_metrics },
	{ "get-metric-statistics", "the groups' scaling metrics and alarms, as measured now",
	  opts_metric_stats, ctl_render_metric_stats },
	{ "describe-load-balancers", "load balancers, their addresses and forwarding mode",
	  opts_describe_lbs, ctl_render_lbs },
	{ "describe-target-groups", "target groups and their health check settings",
	  opts_describe_tgs, ctl_render_tgs },
	{ "describe-listeners", "a load balancer's listeners and where each forwards",
	  opts_describe_listeners, ctl_render_listeners },
	{ "describe-target-group-attributes", "a target group's attributes, as they run",
	  opts_tg_attrs, ctl_render_attrs },
	{ "modify-target-group-attributes",
	  "change target group attributes at run time (kept until the file changes them)",
	  opts_modify_tg_attrs, ctl_render_attrs },
	{ "modify-target-group",
	  "change a target group's health check at run time (kept until the file changes it)",
	  opts_modify_tg, ctl_render_tgs },
	{ "describe-policies", "the groups' scaling policies and their alarms",
	  opts_describe_policies, ctl_render_policies },
	{ "put-scaling-policy",
	  "add or replace a group's scaling policy (kept until the file's policy changes)",
	  opts_put_policy, ctl_render_put_policy },
	{ "delete-policy", "remove a group's scaling policy (until the file's policy changes)",
	  opts_delete_policy, NULL },
	{ "update-auto-scaling-group", "change a group's sizes and settings at run time",
	  opts_update_asg, NULL },
	{ "terminate-instance-in-auto-scaling-group", "terminate one instance of a group",
	  opts_terminate_instance, ctl_render_activity },
	{ "set-instance-health", "mark an instance Healthy or Unhealthy", opts_set_health, NULL },
	{ "enter-standby", "take instances out of service, kept running", opts_enter_standby,
	  ctl_render_activities },
	{ "exit-standby", "put Standby instances back in service", opts_exit_standby,
	  ctl_render_activities },
	{ "suspend-processes", "stop some of a group's processes", opts_processes, NULL },
	{ "resume-processes", "start suspended processes again", opts_processes, NULL },
	{ "start-instance-refresh", "replace a group's instances in batches", opts_start_refresh,
	  ctl_render_refresh_id },
	{ "describe-instance-refreshes", "a group's instance refreshes and their progress",
	  opts_describe_refreshes, ctl_render_refreshes },
	{ "cancel-instance-refresh", "stop a group's running instance refresh", opts_cancel_refresh,
	  ctl_render_refresh_id },
	{ "simulate", "replay a metric trace through a file's policies (no xlbd needed)",
	  opts_simulate, NULL },
	{ "doctor", "this machine and its interfaces for xlb, each finding with its fix (no xlbd)",
	  opts_none, NULL },
};

static void ctl_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: xlbctl [--socket PATH] [--json] [--cli-read-timeout S] VERB "
		"[OPTIONS]\n"
		"       xlbctl VERB --help\n\n"
		"Talks to xlbd over its unix socket (default %s, or $XLB_SOCKET);\n"
		"simulate works on files alone.\n\n"
		"verbs:\n",
		API_SOCKET_DEFAULT);
	for (i = 0; i < sizeof(ctl_verbs) / sizeof(ctl_verbs[0]); i++)
		fprintf(f, "  %-36s %s\n", ctl_verbs[i].name, ctl_verbs[i].summary);
	fprintf(f,
		"\nglobal options:\n"
		"  --socket PATH            xlbd's control socket\n"
		"  --json, --output json    print the reply as JSON (--output table: tables)\n"
		"  --cli-read-timeout S     seconds to wait for xlbd (default %d)\n"
		"  -h, --help               this text; after a verb, the verb's options\n\n"
		"exit status: 0 ok, 1 failure (xlbd unreachable or an error reply), 2 usage\n",
		XLBCTL_TIMEOUT_S);
}

static void ctl_verb_usage(FILE *f, const struct ctl_verb *v)
{
	const struct ctl_opt *o;

	fprintf(f, "usage: xlbctl %s", v->name);
	for (o = v->opts; o->name; o++) {
		const char *arg = o->kind == CTL_INT	 ? " N" :
				  o->kind == CTL_MAP	 ? " Key=Value,..." :
				  o->kind == CTL_LIST	 ? " VALUE ..." :
				  o->kind == CTL_TARGETS ? " Id=IP,Port=N ..." :
				  o->kind == CTL_OBJECTS ? " Name=V,Name=V ..." :
				  o->kind == CTL_JSON	 ? " JSON" :
				  o->kind == CTL_BOOL	 ? "" :
							   " VALUE";

		if (o->kind == CTL_BOOL)
			fprintf(f, " [--%s | --no-%s]", o->name, o->name);
		else
			fprintf(f, " %s--%s%s%s", o->required ? "" : "[", o->name, arg,
				o->required ? "" : "]");
	}
	fprintf(f, "\n\n%s.\n", v->summary);
	if (v->opts->name)
		fprintf(f, "\noptions:\n");
	for (o = v->opts; o->name; o++)
		fprintf(f, "  --%-28s %s%s\n", o->name, o->help, o->required ? " (required)" : "");
	fprintf(f, "\nglobal options: --socket PATH, --json, --cli-read-timeout S; see xlbctl "
		   "--help\n");
}

/* "Id=198.18.1.2,Port=80" into {"Id": ..., "Port": 80}; NULL when malformed. */
static struct json_object *ctl_parse_target(const char *s)
{
	struct json_object *t = json_object_new_object();
	char *copy = strdup(s), *tok, *save = NULL;
	bool id = false;

	if (!t || !copy)
		goto fail;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		long port;

		if (!eq || eq[1] == '\0')
			goto fail;
		*eq = '\0';
		if (!strcmp(tok, "Id")) {
			json_object_object_add(t, "Id", json_object_new_string(eq + 1));
			id = true;
		} else if (!strcmp(tok, "Port")) {
			errno = 0;
			port = strtol(eq + 1, &end, 10);
			if (*end || errno || port < 1 || port > 65535)
				goto fail;
			json_object_object_add(t, "Port", json_object_new_int(port));
		} else if (!strcmp(tok, "AvailabilityZone")) {
			json_object_object_add(t, "AvailabilityZone",
					       json_object_new_string(eq + 1));
		} else {
			goto fail;
		}
	}
	if (!id)
		goto fail;
	free(copy);
	return t;
fail:
	free(copy);
	json_object_put(t);
	return NULL;
}

/* "MinHealthyPercentage=50,SkipMatching=true" (integers and true/false typed, the rest
 * strings) or '{"MinHealthyPercentage": 50}' into an object; NULL when malformed.
 */
static struct json_object *ctl_parse_map(const char *s)
{
	struct json_object *m;
	char *copy, *tok, *save = NULL, *end;
	long long n;

	if (s[0] == '{') {
		m = json_tokener_parse(s);
		if (m && !json_object_is_type(m, json_type_object)) {
			json_object_put(m);
			m = NULL;
		}
		return m;
	}
	m = json_object_new_object();
	copy = strdup(s);
	if (!m || !copy)
		goto fail;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || !eq[1])
			goto fail;
		*eq++ = '\0';
		errno = 0;
		n = strtoll(eq, &end, 10);
		if (!*end && !errno)
			json_object_object_add(m, tok, json_object_new_int64(n));
		else if (!strcmp(eq, "true") || !strcmp(eq, "false"))
			json_object_object_add(m, tok, json_object_new_boolean(eq[0] == 't'));
		else
			json_object_object_add(m, tok, json_object_new_string(eq));
	}
	free(copy);
	return m;
fail:
	free(copy);
	json_object_put(m);
	return NULL;
}

static int ctl_bad(const struct ctl_verb *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A usage error about verb v's options: one line, a pointer to --help; -EINVAL. */
static int ctl_bad(const struct ctl_verb *v, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xlbctl: %s: ", v->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee: xlbctl %s --help\n", v->name);
	return -EINVAL;
}

/* The AWS CLI's shorthand "MetricIntervalLowerBound=0,ScalingAdjustment=1" into an object:
 * numbers and true/false become JSON's, the rest strings. NULL when malformed.
 */
static struct json_object *ctl_parse_shorthand(const char *s)
{
	struct json_object *o = json_object_new_object();
	char *copy = strdup(s), *tok, *save = NULL;

	if (!o || !copy)
		goto fail;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		struct json_object *v;
		double d;

		if (!eq || eq == tok)
			goto fail;
		*eq++ = '\0';
		errno = 0;
		d = strtod(eq, &end);
		if (*eq && !*end && !errno && strcmp(tok, "Key") && strcmp(tok, "Value"))
			v = d == (double)(long long)d && !strchr(eq, '.') ?
				    json_object_new_int64((long long)d) :
				    json_object_new_double(d);
		else if (strcmp(tok, "Value") && (!strcmp(eq, "true") || !strcmp(eq, "false")))
			v = json_object_new_boolean(!strcmp(eq, "true"));
		else
			v = json_object_new_string(eq);
		json_object_object_add(o, tok, v);
	}
	free(copy);
	return o;
fail:
	free(copy);
	json_object_put(o);
	return NULL;
}

/* A JSON value from an argument, or from the file a file:// argument names. */
static struct json_object *ctl_parse_json(const char *s)
{
	struct json_object *v;
	FILE *f;
	char *buf;
	size_t n;

	if (strncmp(s, "file://", 7))
		return json_tokener_parse(s);
	f = fopen(s + 7, "re");
	if (!f)
		return NULL;
	buf = calloc(1, API_REQUEST_MAX + 1);
	n = buf ? fread(buf, 1, API_REQUEST_MAX, f) : 0;
	fclose(f);
	v = n ? json_tokener_parse(buf) : NULL;
	free(buf);
	return v;
}

/* One option's values (argv[*i] is the option; values follow) into args. */
static int ctl_parse_opt(const struct ctl_verb *v, const struct ctl_opt *o, const char *inline_val,
			 bool negated, int argc, char **argv, int *i, struct json_object *args)
{
	struct json_object *val = NULL;
	const char *s;
	char *end;
	long long n;

	if (o->kind == CTL_BOOL) {
		if (inline_val)
			return ctl_bad(v, "--%s takes no value", o->name);
		json_object_object_add(args, o->key, json_object_new_boolean(!negated));
		return 0;
	}
	if (negated)
		return ctl_bad(v, "unknown option --no-%s", o->name);
	if (o->kind == CTL_JSON) {
		s = inline_val;
		if (!s && *i + 1 >= argc)
			return ctl_bad(v, "--%s needs a value", o->name);
		if (!s)
			s = argv[++(*i)];
		val = ctl_parse_json(s);
		if (!val || !json_object_is_type(val, json_type_object)) {
			json_object_put(val);
			return ctl_bad(v, "--%s: expected a JSON object (or file://PATH), got %s",
				       o->name, s);
		}
		json_object_object_add(args, o->key, val);
		return 0;
	}
	if (o->kind == CTL_MAP) {
		if (!inline_val && *i + 1 >= argc)
			return ctl_bad(v, "--%s needs a value", o->name);
		s = inline_val ? inline_val : argv[++(*i)];
		val = ctl_parse_map(s);
		if (!val)
			return ctl_bad(v,
				       "--%s: expected Key=Value,... or a JSON object, got \"%s\"",
				       o->name, s);
		json_object_object_add(args, o->key, val);
		return 0;
	}
	if (o->kind == CTL_LIST || o->kind == CTL_TARGETS || o->kind == CTL_OBJECTS) {
		int first = *i + 1;

		val = json_object_new_array();
		if (!val)
			return -ENOMEM;
		if (inline_val) {
			first = *i;
		} else {
			while (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2))
				(*i)++;
		}
		for (int k = first; k <= *i; k++) {
			struct json_object *m;

			s = k == first && inline_val ? inline_val : argv[k];
			if (o->kind == CTL_LIST) {
				m = json_object_new_string(s);
			} else if (s[0] == '[' || !strncmp(s, "file://", 7)) {
				/* the AWS CLI's JSON form: a whole list in one argument */
				json_object_put(val);
				val = ctl_parse_json(s);
				if (!val || !json_object_is_type(val, json_type_array)) {
					json_object_put(val);
					return ctl_bad(v, "--%s: not a JSON list: %s", o->name, s);
				}
				continue;
			} else if (o->kind == CTL_OBJECTS) {
				m = ctl_parse_shorthand(s);
				if (!m) {
					json_object_put(val);
					return ctl_bad(
						v,
						"--%s: expected Name=Value[,Name=Value...], got "
						"\"%s\"",
						o->name, s);
				}
			} else {
				m = ctl_parse_target(s);
				if (!m) {
					json_object_put(val);
					return ctl_bad(
						v, "--targets: expected Id=IP[,Port=N], got \"%s\"",
						s);
				}
			}
			json_object_array_add(val, m);
		}
		if (!json_object_array_length(val)) {
			json_object_put(val);
			return ctl_bad(v, "--%s needs at least one value", o->name);
		}
		json_object_object_add(args, o->key, val);
		return 0;
	}
	if (inline_val) {
		s = inline_val;
	} else {
		if (*i + 1 >= argc)
			return ctl_bad(v, "--%s needs a value", o->name);
		s = argv[++(*i)];
	}
	if (o->kind == CTL_STR) {
		if (!*s)
			return ctl_bad(v, "--%s needs a non-empty value", o->name);
		json_object_object_add(args, o->key, json_object_new_string(s));
		return 0;
	}
	errno = 0;
	n = strtoll(s, &end, 10);
	if (!*s || *end || errno || n < o->min || n > o->max) {
		fprintf(stderr,
			"xlbctl: %s: --%s: expected an integer from %lld to %lld, got \"%s\"\n",
			v->name, o->name, o->min, o->max, s);
		return -EINVAL;
	}
	json_object_object_add(args, o->key, json_object_new_int64(n));
	return 0;
}

static const struct ctl_verb *ctl_find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_verbs) / sizeof(ctl_verbs[0]); i++)
		if (!strcmp(ctl_verbs[i].name, name))
			return &ctl_verbs[i];
	return NULL;
}

/* AWS's operation name for the AWS CLI's error wording: set-desired-capacity ->
 * SetDesiredCapacity.
 */
static void ctl_operation(const char *verb, char *out, size_t len)
{
	size_t o = 0;
	bool up = true;

	for (; *verb && o + 1 < len; verb++) {
		if (*verb == '-') {
			up = true;
			continue;
		}
		out[o++] = up && *verb >= 'a' && *verb <= 'z' ? *verb - 'a' + 'A' : *verb;
		up = false;
	}
	out[o] = '\0';
}

/* The same cap the AWS CLI's --max-items puts on what it prints. */
static void ctl_trim(struct json_object *data, const char *key, struct json_object *args,
		     const char *limit_key)
{
	struct json_object *arr = ctl_get(data, key), *lim = ctl_get(args, limit_key);
	size_t n = ctl_len(arr);
	int64_t max;

	if (!lim || !n)
		return;
	max = json_object_get_int64(lim);
	if (max >= 0 && (size_t)max < n)
		json_object_array_del_idx(arr, max, n - max);
}

static int ctl_call(const struct xlbctl_opts *opts, const struct ctl_verb *v,
		    struct json_object *args, int timeout_ms)
{
	struct json_object *reply = NULL, *data;
	const char *code, *message;
	char op[128];
	int err;

	err = api_call(opts->socket, v->name, args, &reply, timeout_ms);
	if (err == -ENOENT || err == -ECONNREFUSED) {
		fprintf(stderr,
			"xlbctl: cannot reach xlbd at %s: %s\n"
			"Is xlbd running? Start it with `xlbd --config FILE`, or point xlbctl at "
			"its socket with --socket PATH (or XLB_SOCKET).\n",
			opts->socket, strerror(-err));
		return 1;
	}
	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr,
			"xlbctl: cannot reach xlbd at %s: %s\n"
			"The socket is mode 0600, owned by the user xlbd runs as (root): run "
			"xlbctl as that user.\n",
			opts->socket, strerror(-err));
		return 1;
	}
	if (err) {
		fprintf(stderr, "xlbctl: %s: talking to xlbd at %s: %s\n", v->name, opts->socket,
			err == -EPROTO ? "the reply is not xlbd's protocol" : strerror(-err));
		return 1;
	}
	if (!api_reply_ok(reply, &data, &code, &message)) {
		ctl_operation(v->name, op, sizeof(op));
		fprintf(stderr,
			"xlbctl: An error occurred (%s) when calling the %s operation: %s\n", code,
			op, message);
		json_object_put(reply);
		return 1;
	}
	ctl_trim(data, "Activities", args, "MaxRecords");
	ctl_warnings(data);
	if (opts->json) {
		/* the AWS CLI prints nothing for operations that return nothing */
		if (data && !(json_object_is_type(data, json_type_object) &&
			      !json_object_object_length(data)))
			printf("%s\n",
			       json_object_to_json_string_ext(
				       data, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (v->render) {
		v->render(opts, data);
	}
	json_object_put(reply);
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct xlbctl_opts opts = { .socket = getenv("XLB_SOCKET") };
	const struct ctl_verb *v = NULL;
	struct json_object *args = NULL;
	int timeout_s = XLBCTL_TIMEOUT_S, i, rc = EXIT_USAGE;
	bool help = false;

	if (!opts.socket || !*opts.socket)
		opts.socket = API_SOCKET_DEFAULT;
	args = json_object_new_object();
	if (!args) {
		fprintf(stderr, "xlbctl: out of memory\n");
		return 1;
	}
	/* global options go anywhere, as with the AWS CLI; the first bare word is the verb */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *name;
		char optname[64];
		const struct ctl_opt *o;
		bool negated = false;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help = true;
			continue;
		}
		if (!strcmp(a, "--json")) {
			opts.json = true;
			continue;
		}
		if (!strcmp(a, "--socket") || !strcmp(a, "--output") ||
		    !strcmp(a, "--cli-read-timeout")) {
			const char *val = i + 1 < argc ? argv[++i] : NULL;
			char *end;

			if (!val) {
				fprintf(stderr, "xlbctl: %s needs a value\n", a);
				goto out;
			}
			if (!strcmp(a, "--socket")) {
				opts.socket = val;
			} else if (!strcmp(a, "--output")) {
				if (strcmp(val, "json") && strcmp(val, "table")) {
					fprintf(stderr, "xlbctl: --output: json or table\n");
					goto out;
				}
				opts.json = !strcmp(val, "json");
			} else {
				errno = 0;
				timeout_s = (int)strtol(val, &end, 10);
				if (*end || errno || timeout_s < 1 || timeout_s > 3600) {
					fprintf(stderr, "xlbctl: --cli-read-timeout: 1 to 3600 "
							"seconds\n");
					goto out;
				}
			}
			continue;
		}
		if (strncmp(a, "--", 2)) {
			if (v) {
				fprintf(stderr, "xlbctl: %s: unexpected argument \"%s\"\n", v->name,
					a);
				goto out;
			}
			if (!strcmp(a, "help")) {
				help = true;
				continue;
			}
			v = ctl_find_verb(a);
			if (!v) {
				fprintf(stderr, "xlbctl: unknown verb \"%s\"; see xlbctl --help\n",
					a);
				goto out;
			}
			if (!strcmp(v->name, "doctor")) {
				rc = doctor_main(argc, argv);
				goto out;
			}
			continue;
		}
		if (!v) {
			fprintf(stderr,
				"xlbctl: unknown option %s before a verb; see xlbctl --help\n", a);
			goto out;
		}
		name = a + 2;
		eq = strchr(name, '=');
		snprintf(optname, sizeof(optname), "%.*s",
			 eq ? (int)(eq - name) : (int)strlen(name), name);
		for (o = v->opts; o->name; o++)
			if (!strcmp(o->name, optname))
				break;
		if (!o->name && !strncmp(optname, "no-", 3)) {
			for (o = v->opts; o->name; o++)
				if (o->kind == CTL_BOOL && !strcmp(o->name, optname + 3))
					break;
			negated = true;
		}
		if (!o->name) {
			fprintf(stderr, "xlbctl: %s: unknown option %s\nsee: xlbctl %s --help\n",
				v->name, a, v->name);
			goto out;
		}
		if (ctl_parse_opt(v, o, eq ? eq + 1 : NULL, negated, argc, argv, &i, args))
			goto out;
	}
	if (help) {
		if (v)
			ctl_verb_usage(stdout, v);
		else
			ctl_usage(stdout);
		rc = 0;
		goto out;
	}
	if (!v) {
		ctl_usage(stderr);
		goto out;
	}
	for (const struct ctl_opt *o = v->opts; o->name; o++) {
		if (o->required && !ctl_get(args, o->key)) {
			ctl_bad(v, "--%s is required", o->name);
			goto out;
		}
	}
	if (!strcmp(v->name, "describe-target-health") && !ctl_get(args, "TargetGroupArn")) {
		ctl_bad(v, "--target-group-arn (or --target-group-name) is required");
		goto out;
	}
	if (!strcmp(v->name, "simulate")) {
		rc = ctl_simulate(args, opts.json);
		goto out;
	}
	opts.width = opts.json ? 0 : table_term_width(STDOUT_FILENO);
	rc = ctl_call(&opts, v, args, timeout_s * 1000);
out:
	json_object_put(args);
	return rc;
}
