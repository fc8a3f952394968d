/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The controller's load balancers, target groups and targets as the API and Prometheus show
 * them: json-c objects in api.h's shapes and Prometheus samples. Reads ctl's state and the
 * model it was applied from; changes nothing.
 */
#ifndef XLB_CTL_VIEW_H
#define XLB_CTL_VIEW_H

#include <json-c/json.h>

struct ctl;
struct model;
struct promhttp_buf;

/* status: fills LoadBalancers (m's, with each listener's first target group's counts) and
 * TargetGroups (ctl's, with their targets' states) of data. 0 or -ENOMEM.
 */
int ctl_view_status(struct ctl *ctl, const struct model *m, struct json_object *data);
/* 0 with *out the DescribeTargetHealth data of group tg (name or ARN); -ENOENT when there is
 * no such group, -ENOMEM.
 */
int ctl_view_target_health(struct ctl *ctl, const char *tg, struct json_object **out);
/* Prometheus samples: per service and per target packets, bytes, new flows; target health;
 * each group's fail-open state.
 */
void ctl_view_metrics(struct ctl *ctl, struct promhttp_buf *b);

#endif /* XLB_CTL_VIEW_H */
