/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The controller's state as ctl.c keeps it, for ctl.c and the code that renders it
 * (ctl_view.c) only: target groups and their targets, services, backend slots. Nothing else
 * includes this; everyone else goes through ctl.h.
 */
#ifndef XLB_CTL_STATE_H
#define XLB_CTL_STATE_H

#include <netinet/in.h>

#include "ctl.h"
#include "health.h"
#include "loop.h"
#include "matcher.h"
#include "model.h"

struct dpif;

struct ctl_tg;

struct ctl_target {
	struct ctl_tg *tg;
	struct model_addr addr;
	uint16_t port; /* traffic port, resolved */
	bool from_config;
	bool from_api;
	bool from_group;      /* registered by an auto-scaling group (fleet.c) */
	char instance_id[24]; /* instance targets: the id describe-target-health shows */
	bool seen;	      /* during ctl_apply */
	int slot;
	bool checking;
	uint64_t ss_since_ms; /* slow start: when it began (loop_now), 0 when not in it */
	struct health_target health;
	struct health_check check;
	char ip[INET6_ADDRSTRLEN];
};

/* An attribute set by modify-target-group-attributes, or a health check setting set by
 * modify-target-group: it overrides the file's value until a reload brings a file whose value
 * of it differs from the one it had when set.
 */
struct ctl_tg {
	struct ctl *ctl;
	char *name;
	enum model_proto protocol;
	uint16_t port;
	bool in_config;
	bool fail_open;
	struct health_config hcfg;
	bool ipv6;		   /* IpAddressType ipv6: instances register by IPv6 */
	bool dereg_close;	   /* deregistration_delay.connection_termination.enabled */
	uint64_t conns_terminated; /* flows ended at the end of a deregistration delay */
	enum health_protocol hc_proto;
	uint16_t hc_port; /* 0: the traffic port */
	char hc_path[1024];
	struct matcher matcher;
	uint32_t slow_start_s;	 /* slow_start.duration_seconds, 0 off */
	enum model_tg_algo algo; /* load_balancing.algorithm.type */
	bool sticky_src;	 /* stickiness source_ip */
	struct ctl_target **t;
	size_t n, cap;
	struct ctl_tg_attr *attrs; /* modify-target-group-attributes */
	size_t nattrs;
};

struct ctl_svc {
	struct xlb_vip_key key;
	uint32_t id;
	uint8_t mode;
	char name[80]; /* "198.18.100.1:80/tcp" */
	struct ctl_tg *tg[MODEL_FORWARD_MAX];
	uint32_t weight[MODEL_FORWARD_MAX];
	size_t nfwd;
	size_t nbackends;
	/* adopted from an earlier xlbd: its table stays until a target's first verdict, so a
	 * restart does not send flows to a target that the old xlbd knew to be down
	 */
	bool keep_table;
};

struct ctl_adopted {
	struct xlb_vip_key key;
	uint32_t id;
};

struct ctl {
	struct loop *loop;
	struct dpif *dp;
	struct ctl_slot slots[XLB_MAX_BACKENDS];
	bool slot_adopted[XLB_MAX_BACKENDS]; /* active when we started, no target claimed it yet */
	uint32_t counts[XLB_MAX_BACKENDS];
	struct ctl_tg **tgs;
	size_t ntgs;
	struct ctl_svc *svcs;
	size_t nsvcs;
	struct ctl_adopted *adopted; /* services found in the datapath, until the first apply */
	size_t nadopted;
	bool applied;
	struct loop_timer tick;
	unsigned int ticks;
};

/* A target group by name or ARN; NULL when there is none. */
struct ctl_tg *ctl_tg_find(struct ctl *ctl, const char *name);
/* An address as text ("?" when it cannot be written). */
void ctl_addr_str(const struct model_addr *a, char *buf, size_t len);

#endif /* XLB_CTL_STATE_H */
