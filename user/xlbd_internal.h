// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd's state, shared between its main (xlbd.c) and its control-socket verbs (xlbd_api*.c).
 * Private to xlbd: nothing in the library includes it.
 */
#ifndef XLB_XLBD_INTERNAL_H
#define XLB_XLBD_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "dataplane.h"
#include "loop.h"
#include "promhttp.h"

struct json_object;
struct api_reply;

#define XLBD_IF_MAX 64
#define XLBD_VERSION "0.1"

struct xlbd_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	enum dataplane_role role;
	enum dataplane_hook hook; /* where it went (xdp or tc) once attached */
	bool attached;
};

struct xlbd {
	const char *config_path;
	const char *pin_dir;
	const char *socket_path;
	const char *metrics_addr;
	const char *run_dir;
	const char *prefix;
	bool keep_datapath;
	struct xlbd_iface ifs[XLBD_IF_MAX];
	size_t nifs;
	struct model *model;
	time_t loaded_at;
	time_t started_at;
	uint64_t started_ms;
	struct loop *loop;
	struct dataplane *dp;
	struct dpif *dpif; /* dp as the controller uses it */
	struct ctl *ctl;
	struct fleet *fleet;
	struct cluster *cluster; /* Xlb.Cluster: route health injection through BIRD */
	struct share *share;	 /* Xlb.Cluster.SharedDir: groups' targets on every node */
	struct loop_timer stop_timer;
	bool stopping; /* SIGTERM seen, the VIPs being withdrawn */
	struct api_server *api;
	struct promhttp_server *prom;
};

/* Loads the configuration file again; only a file that loads replaces the running model
 * (xlbd.c). */
int xlbd_reload(struct xlbd *d, struct config_error *cerr);

/* The Prometheus text of the datapath's and the fleet's metrics (xlbd_api.c). */
void xlbd_collect(struct promhttp_buf *b, void *ctx);

/* The elbv2 verbs (xlbd_api_lb.c). */
int xlbd_api_describe_lbs(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_describe_tgs(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_describe_listeners(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_describe_tg_attrs(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_modify_tg_attrs(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_modify_tg(struct json_object *args, struct api_reply *reply, void *ctx);

/* The scaling policy verbs (xlbd_api_policy.c). */
int xlbd_api_describe_policies(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_put_policy(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_delete_policy(struct json_object *args, struct api_reply *reply, void *ctx);

/* The lifecycle verbs (xlbd_api_lifecycle.c). */
struct json_object;
struct api_reply;
int xlbd_api_complete_lifecycle_action(struct json_object *args, struct api_reply *reply,
				       void *ctx);
int xlbd_api_record_lifecycle_action_heartbeat(struct json_object *args, struct api_reply *reply,
					       void *ctx);
int xlbd_api_describe_lifecycle_hooks(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_describe_warm_pool(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_put_lifecycle_hook(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_delete_lifecycle_hook(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_put_warm_pool(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_delete_warm_pool(struct json_object *args, struct api_reply *reply, void *ctx);

/* Opens the control socket and registers every verb (xlbd_api.c). */
int xlbd_api_setup(struct xlbd *d);

/* For the verbs (xlbd_api.c): AWS's ValidationError for a group that is not there; and what a
 * fleet call on a group returned, as the reply says it: no such group (-ENOENT), a request
 * fleet refused with msg (-EINVAL), or err as it is.
 */
int xlbd_no_group(struct api_reply *reply, const char *group);
int xlbd_group_result(struct api_reply *reply, int err, const char *group, const char *msg);

/* The group verbs (xlbd_api_asg.c), api_handler_fn each. */
struct api_reply;
struct json_object;
int xlbd_api_update_group(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_terminate(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_set_health(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_enter_standby(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_exit_standby(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_suspend(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_resume(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_start_refresh(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_describe_refreshes(struct json_object *args, struct api_reply *reply, void *ctx);
int xlbd_api_cancel_refresh(struct json_object *args, struct api_reply *reply, void *ctx);

#endif
