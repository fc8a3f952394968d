/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The controller's state for load balancers, listeners and target groups with static targets:
 * which services the datapath has, which backend slot each target holds, each target's health,
 * and the Maglev tables built from the healthy ones. Auto-scaling groups
 * register their instances here (fleet.c).
 */
#ifndef XLB_CTL_H
#define XLB_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/xlb_shared.h"
#include "dataplane.h"
#include "health.h"
#include "model.h"

struct loop;
struct dpif;

#define CTL_TICK_MS 1000	/* draining checks */
#define CTL_NEXTHOP_EVERY 5	/* ticks between next hop refreshes */
#define CTL_RESYNC_EVERY 10	/* ticks between resyncs of least outstanding requests' counts */
#define CTL_FLOW_IDLE_MS 120000 /* a flow idle longer no longer holds a draining target */

struct ctl;

/* ---- pure decisions ---- */

/* Which targets get traffic: the healthy ones; when none is healthy, every registered one
 * (initial, healthy or unhealthy; never draining or unused): fail open, as ALB and NLB do, and
 * what keeps an adopted datapath forwarding while the first checks run. Fills pick[i], sets
 * *fail_open when the second rule applied, returns how many were picked.
 */
size_t ctl_select(const enum health_state *states, size_t n, bool *pick, bool *fail_open);

#define CTL_SLOW_START_STEPS 10 /* table rebuilds over a slow start's duration */
/* Slow start's weight of a target that turned healthy at since_ms (0: not in slow start) out
 * of full, at now_ms, over duration_s: full * k / CTL_SLOW_START_STEPS in step k = 1..10 (the
 * share grows linearly by steps), at least 1; full once the duration has passed.
 */
uint32_t ctl_slow_start_weight(uint32_t full, uint64_t since_ms, uint64_t now_ms,
			       uint32_t duration_s);

/* The datapath services of a listener: one per address of its load balancer and per transport
 * protocol (TCP_UDP gives two). Fills keys (room for max) and returns how many there are.
 */
size_t ctl_listener_keys(const struct model_listener *l, struct xlb_vip_key *keys, size_t max);

/* One backend slot as the controller tracks it (index = backend id; id 0 is never used). */
struct ctl_slot {
	bool used;	/* a target holds it (active or draining) */
	bool known;	/* it held a backend once: addr, port and gen are meaningful */
	uint8_t family; /* XLB_FAMILY_* */
	uint8_t addr[16];
	uint16_t port;
	uint32_t gen;
	uint32_t refs; /* targets (of any group) using it */
	bool linger;   /* no target left, but flows that outlived a deregistration delay */
};
/* The slot for a backend: the one that holds or held this address and port (same id across
 * reloads and restarts), else the first that never held anything, else the first free one.
 * Returns the id or -ENOSPC.
 */
int ctl_slot_pick(const struct ctl_slot *slots, size_t n, uint8_t family, const uint8_t *addr,
		  uint16_t port);

/* What a target's remaining flows become when its deregistration delay runs out (or at once,
 * with no delay).
 */
enum ctl_dereg_end {
	CTL_DEREG_GONE = 0,  /* no flow left: the slot is freed */
	CTL_DEREG_LINGER,    /* they keep their target until they end (idle or closed) */
	CTL_DEREG_TERMINATE, /* they are ended now: connection_termination.enabled */
};
/* flows: the target's flows counted (-1: the table could not be read, taken for some). */
enum ctl_dereg_end ctl_dereg_end(bool close_connections, long flows);
/* Whether flow f is one a deregistered target's connection termination ends: its backend
 * (slot, and gen: the same backend, not an earlier one the slot held), through one of the
 * services vips[0..n) that forward to the target's group, closed or not.
 */
bool ctl_flow_terminates(const struct dataplane_flow *f, uint32_t slot, uint32_t gen,
			 const uint32_t *vips, size_t n);

/* ---- the controller ---- */

/* dp is the datapath (dpif.h: the real one, or one in memory for tests); it stays the
 * caller's and must outlive ctl. On start the backend slots and services an earlier xlbd left
 * in an adopted datapath are read back, so the same target keeps its slot and the same
 * service its id.
 */
int ctl_new(struct loop *loop, struct dpif *dp, struct ctl **out);
/* Stops every check and frees the state; the datapath is left as it is. */
void ctl_free(struct ctl *ctl);
/* What the controller's timer runs every CTL_TICK_MS: draining targets whose flows ended (or
 * whose delay ran out) leave, and every CTL_NEXTHOP_EVERY ticks the backends' next hops are
 * looked up again. Tests call it to step time without running the loop.
 */
void ctl_tick(struct ctl *ctl);

/* Makes the datapath serve m: services added, changed and removed, targets registered (their
 * checks start) and deregistered (draining), tables rebuilt. Targets a user registered through
 * the API stay. m is only read during the call. Returns 0 or -errno (a map write failed: the
 * state is what could be applied, and the next apply retries).
 */
int ctl_apply(struct ctl *ctl, const struct model *m);

/* RegisterTargets / DeregisterTargets on a group by name (or ARN). addr as text. port 0: the
 * group's port. Returns 0, -ENOENT (no such group), -EINVAL (bad address), -ENOSPC.
 */
int ctl_register(struct ctl *ctl, const char *tg, const char *addr, uint16_t port);
int ctl_deregister(struct ctl *ctl, const char *tg, const char *addr, uint16_t port);

/* RegisterTargets / DeregisterTargets of a batch, whole or not at all: every target is
 * checked (the group, each address, a backend slot for each new one; for deregistering, that
 * each is registered) before the first is applied, and targets added before a failure to
 * allocate are taken out again. port 0: the group's. On error *bad is the index of the target
 * at fault (n when none is). Errors as ctl_register's and ctl_deregister's.
 */
struct ctl_target_ref {
	const char *addr;
	uint16_t port;
};
int ctl_register_batch(struct ctl *ctl, const char *tg, const struct ctl_target_ref *v, size_t n,
		       size_t *bad);
int ctl_deregister_batch(struct ctl *ctl, const char *tg, const struct ctl_target_ref *v, size_t n,
			 size_t *bad);
/* Whether target group tg registers the instances of groups by their IPv6 address
 * (IpAddressType ipv6); false for an unknown one.
 */
bool ctl_tg_ipv6(struct ctl *ctl, const char *tg);

/* An auto-scaling group's instance in a target group, at the group's port: registered (its
 * checks start; describe-target-health shows instance_id) and deregistered (draining). The
 * target stays while any owner (file, API, group) holds it. -ENOENT (no such group), -EINVAL
 * (bad address), -ESRCH (not registered by a group).
 */
int ctl_instance_register(struct ctl *ctl, const char *tg, const char *addr,
			  const char *instance_id);
int ctl_instance_deregister(struct ctl *ctl, const char *tg, const char *addr);
/* The health of addr at the group's port; NULL once it has left the group (drained). Valid
 * until the next call into ctl.
 */
const struct health_target *ctl_target_health(struct ctl *ctl, const char *tg, const char *addr);
bool ctl_has_target_group(struct ctl *ctl, const char *tg);

/* A target group attribute or health check setting set at run time, with what the file said
 * of it then (a reload or restart whose file says otherwise drops it).
 */
struct ctl_tg_attr {
	bool hc; /* a ModifyTargetGroup member ("HealthCheckIntervalSeconds"), value as JSON */
	char key[128];
	char value[256];
	char file_value[256]; /* the file's value when it was set */
	bool file_had;	      /* the file had one (given or by default) */
};

/* ModifyTargetGroupAttributes on the running target group of m (the running model's object
 * of that name): every Key=keys[i], Value=values[i] is read by the file's own reader
 * (config_tg_attribute) before any is kept, so the request applies whole or not at all. A kept
 * attribute overrides the file's value, from now on and at every ctl_apply, until a reload
 * brings a file whose value of that attribute differs from the one it had when it was set.
 * Returns 0, -ENOENT (no such target group), -EINVAL (err says why, naming the attribute),
 * -ENOMEM.
 */
int ctl_tg_set_attributes(struct ctl *ctl, const struct model_tg *m, const char *const *keys,
			  const char *const *values, size_t n, char *err, size_t errlen);
/* ModifyTargetGroup's health check members (config_tg_health_check), members a JSON object:
 * read over the group's running health check, then kept as the attributes above are. Checks
 * restart when their settings change. 0, -ENOENT, -EINVAL (err says why), -ENOMEM.
 */
int ctl_tg_modify(struct ctl *ctl, const struct model_tg *m, const char *members, char *err,
		  size_t errlen);
/* file as it runs: with what the two calls above set over it, into *eff; released with
 * ctl_tg_effective_free(file, eff).
 */
void ctl_tg_effective(struct ctl *ctl, const struct model_tg *file, struct model_tg *eff);
void ctl_tg_effective_free(const struct model_tg *file, struct model_tg *eff);
/* Everything set at run time on target group tg (the two calls above), *n of them; NULL when
 * none. Valid until the next call into ctl.
 */
const struct ctl_tg_attr *ctl_tg_runtime(struct ctl *ctl, const char *tg, size_t *n);
/* Sets back what ctl_tg_runtime gave before a restart on the running target group of m, as a
 * whole: each value is read again by the file's readers first, and one that does not read
 * refuses them all (-EINVAL, err says which). Those whose file value changed since are then
 * dropped as a reload drops them. 0, -ENOENT, -EINVAL, -ENOMEM.
 */
int ctl_tg_runtime_restore(struct ctl *ctl, const struct model_tg *m, const struct ctl_tg_attr *v,
			   size_t n, char *err, size_t errlen);
/* The value set at run time for attribute key of group tg; NULL when none is. */
const char *ctl_tg_attribute(struct ctl *ctl, const char *tg, const char *key);
/* The datapath's counters of addr's backend slot. */
int ctl_target_counters(struct ctl *ctl, const char *tg, const char *addr, struct xlb_counters *c);

/* A service address and whether a cluster node may announce it (cluster.h): serving when one
 * of its services has a target to send to and either one of them is healthy or none has had
 * a verdict yet (fail-open at start or adoption). A group that fails open because every
 * target was judged unhealthy still forwards, but is not serving: its node withdraws, and
 * ECMP sends the flows to nodes whose checks pass. nat when one of them is in nat mode. Fills up to max, one entry per
 * address, and returns how many there are.
 */
struct ctl_vip {
	uint8_t family; /* XLB_FAMILY_* */
	uint8_t addr[16];
	bool serving;
	bool nat;
};
size_t ctl_vips(struct ctl *ctl, struct ctl_vip *out, size_t max);

#endif /* XLB_CTL_H */
