/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Route health injection: this node among several balancers behind a router's ECMP. xlbd
 * writes one file that the node's BIRD includes (its BFD and BGP session to the router, and a
 * static protocol holding the VIPs it may announce) and asks BIRD to reload it over BIRD's
 * control socket (birdc's protocol: `configure`). A reload is atomic in BIRD (a file that does
 * not parse leaves the running one), keeps the session up, and announces or withdraws only
 * the routes that changed; it also survives a restart of either program, since the file on
 * disk always says what the node announces. The same socket gives the session's state
 * (`show protocols`) for `xlbctl status`.
 */
#ifndef XLB_CLUSTER_H
#define XLB_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "ctl.h"
#include "model.h"

#define CLUSTER_POLL_MS 200  /* how often the VIPs' health is looked at */
#define CLUSTER_SHOW_MS 1000 /* how often BIRD's sessions are read */
#define CLUSTER_BIRD_TIMEOUT_MS 3000
#define CLUSTER_VIPS_MAX 256
#define CLUSTER_FILE_MAX 65536

struct loop;
struct cluster;

/* ---- pure ---- */

/* The text of BIRD's include for k, announcing the addresses of vips that are serving (only
 * those of the router address's family: one BGP session, one address family), and a default
 * route when one of them is in nat mode (the router sends the backends' replies by it, ECMP
 * over the nodes that can translate them). Returns the
 * length written (< len) or -ENOSPC.
 */
int cluster_bird_text(const struct model_cluster *k, const struct ctl_vip *vips, size_t n,
		      char *buf, size_t len);

/* One protocol line of BIRD's `show protocols` reply. */
struct cluster_proto {
	char name[64];
	char proto[16]; /* BGP, BFD, Static, ... */
	char state[16]; /* up, down, start, ... */
	char info[64];	/* for BGP: Established, Active, Connect, ... and the rest */
};
/* Parses a whole `show protocols` reply (BIRD's numbered lines); fills up to max entries and
 * returns how many were found, or -EPROTO when the reply is not one.
 */
int cluster_parse_protocols(const char *reply, struct cluster_proto *out, size_t max);

/* ---- effects ---- */

/* k is copied. The first file is written at once; BIRD is told as soon as it answers. */
int cluster_new(struct loop *loop, struct ctl *ctl, const struct model_cluster *k,
		struct cluster **out);
/* A reloaded configuration's Cluster object (the session is rewritten when it changed). */
int cluster_apply(struct cluster *cl, const struct model_cluster *k);
/* SIGTERM: every VIP withdrawn, BIRD told, then WithdrawDelayMs for the router to move the
 * flows, then done(arg), while the datapath still forwards. done runs at most once; later
 * health changes are not announced any more.
 */
void cluster_withdraw(struct cluster *cl, void (*done)(void *arg), void *arg);
/* "Cluster" of xlbd's status: the node, what it announces and holds back, BIRD's sessions. */
void cluster_status(struct cluster *cl, struct json_object *data);
void cluster_free(struct cluster *cl);

#endif /* XLB_CLUSTER_H */
