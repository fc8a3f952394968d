/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The fleet (fleet.h) rendered for the API (api.h's shapes, json-c) and for Prometheus
 * (promhttp.h). The fleet itself exports no writer.
 */
#ifndef XLB_FLEET_VIEW_H
#define XLB_FLEET_VIEW_H

#include <stddef.h>

struct fleet;
struct json_object;
struct promhttp_buf;

/* API data, in api.h's shapes. names: NULL for all. -ENOENT when a named group is unknown. */
int fleet_view_describe(struct fleet *f, const char *const *names, size_t n,
			struct json_object **out);
int fleet_view_activities(struct fleet *f, const char *group, size_t max, struct json_object **out);
int fleet_view_console(struct fleet *f, const char *instance_id, struct json_object **out);
/* Adds status's AutoScalingGroups entries and the pitfall warnings. */
/* DescribeLifecycleHooks and DescribeWarmPool of one group: -ENOENT when there is none. */
int fleet_view_hooks(struct fleet *f, const char *group, struct json_object **out);
int fleet_view_warm_pool(struct fleet *f, const char *group, struct json_object **out);
void fleet_view_status(struct fleet *f, struct json_object *groups, struct json_object *warnings);
void fleet_view_metrics(struct fleet *f, struct promhttp_buf *b);
/* get-metric-statistics: per group, the current capacity and metric values ("Current") and
 * the scaling engine's recent datapoints and alarms (scaling_json). -ENOENT: no such group.
 */
/* DescribeInstanceRefreshes: {"InstanceRefreshes": [...]}, the newest first, those of ids
 * only when nids, at most max (0: all). -ENOENT: no such group.
 */
int fleet_view_refreshes(struct fleet *f, const char *group, const char *const *ids, size_t nids,
			 size_t max, struct json_object **out);
int fleet_view_metric_stats(struct fleet *f, const char *group, struct json_object **out);

#endif /* XLB_FLEET_VIEW_H */
