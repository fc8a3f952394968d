/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Auto-scaling groups' instances as targets on every cluster node (Xlb.Cluster.SharedDir): the
 * node whose file has a group writes, for each target group the group feeds, its InService
 * instances' addresses into SharedDir/<target group>.json (replaced atomically when they
 * change); every other node with a target group of that name registers those addresses, checks
 * their health itself and deregisters (drains) the ones the owner no longer lists. Across hosts
 * the directory is whatever both see (a shared filesystem, or a copy kept in step).
 */
#ifndef XLB_SHARE_H
#define XLB_SHARE_H

#include <json-c/json.h>

#include "config.h"
#include "loop.h"

#define SHARE_NAME_LEN 64

struct ctl;
struct dataplane;
struct fleet;
struct share;

int share_new(struct loop *loop, struct ctl *ctl, struct fleet *fleet, struct dataplane *dp,
	      struct share **out);
/* Takes the model's target groups and Xlb.Cluster.SharedDir (none: sharing stops; what was
 * imported stays registered until a reload drops its target group). Runs one round at once,
 * then one a second.
 */
int share_apply(struct share *s, const struct model *m);
/* "SharedTargets": the directory and, per target group, this node's role and what it imported;
 * the other nodes' files (stale or not) and the addresses put in xlb_nat_peers.
 */
void share_status(struct share *s, struct json_object *data);
void share_free(struct share *s);

#endif /* XLB_SHARE_H */
