// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Auto-scaling groups at run time. Once a second (and soon after any event) each group's
 * observed state is refreshed from the launcher and the target groups, asg_plan says what to
 * do, and this file does it: launches, registrations, deregistrations (draining), terminations,
 * each one a scaling activity. The decisions stay in asg.c; only side effects live here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "activity.h"
#include "api.h"
#include "asg.h"
#include "config.h"
#include "ctl.h"
#include "dataplane.h"
#include "dpif.h"
#include "engine.h"
#include "fleet_internal.h"
#include "launcher.h"
#include "log.h"
#include "metrics.h"
#include "loop.h"
#include "netns.h"
#include "scaling.h"

static int64_t fleet_wall_offset(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - (int64_t)loop_now();
}

static uint64_t fleet_wall_ms(void)
{
	return (uint64_t)((int64_t)loop_now() + fleet_wall_offset());
}

/* ---- lookups ---- */

struct fleet_group *fleet_group_find(struct fleet *f, const char *name)
{
	char buf[ASG_NAME_LEN];
	size_t i;

	if (config_arn_name(name, CONFIG_ARN_ASG, buf, sizeof(buf)))
		return NULL;
	for (i = 0; i < f->ngroups; i++)
		if (!strcmp(f->groups[i]->g.name, buf))
			return f->groups[i];
	return NULL;
}

struct fleet_inst *fleet_inst_find(struct fleet_group *fg, const char *id)
{
	size_t i;

	for (i = 0; i < fg->ninst; i++)
		if (!strcmp(fg->inst[i].id, id))
			return &fg->inst[i];
	return NULL;
}

static struct fleet_group *fleet_owner(struct fleet *f, const char *id, struct fleet_inst **fi)
{
	size_t i;

	for (i = 0; i < f->ngroups; i++) {
		*fi = fleet_inst_find(f->groups[i], id);
		if (*fi)
			return f->groups[i];
	}
	return NULL;
}

/* The group's record of a launcher instance (asg.c has its own). */
static struct fleet_inst *fleet_inst_new(struct fleet_group *fg, const struct launcher_instance *li)
{
	struct fleet_inst *fi = &fg->inst[fg->ninst++];

	memset(fi, 0, sizeof(*fi));
	snprintf(fi->id, sizeof(fi->id), "%s", li->id);
	snprintf(fi->ip, sizeof(fi->ip), "%s", li->ip4_str);
	if (!li->has6 || !inet_ntop(AF_INET6, &li->ip6, fi->ip6, sizeof(fi->ip6)))
		fi->ip6[0] = '\0';
	snprintf(fi->itype, sizeof(fi->itype), "%s", li->itype);
	fi->quota_us = li->quota_us;
	fi->period_us = li->period_us;
	return fi;
}

static void fleet_inst_forget(struct fleet_group *fg, struct fleet_inst *fi)
{
	size_t i = (size_t)(fi - fg->inst);

	json_object_put(fi->tags);
	memmove(&fg->inst[i], &fg->inst[i + 1], (fg->ninst - i - 1) * sizeof(fg->inst[0]));
	fg->ninst--;
}

static void fleet_policies_free(struct fleet_group *fg);
static void fleet_engine(struct fleet_group *fg, const struct model *model,
			 const struct model_asg *m);

/* ---- carrying out a plan ---- */

static void fleet_activity(struct fleet_group *fg, struct fleet_inst *fi, enum activity_status st,
			   uint32_t progress, const char *msg)
{
	if (fi && fi->activity[0])
		activity_update(&fg->log, fi->activity, st, progress, msg, fleet_wall_ms());
}

int fleet_link_attach(struct dpif *dp, enum dataplane_hook hook, int host_ifindex, const char *id,
		      enum dataplane_hook *used)
{
	int err = host_ifindex > 0 ? dpif_attach(dp, host_ifindex, DATAPLANE_ROLE_NAT, hook, used) :
				     -ENODEV;

	if (err)
		log_warn("instance %s: cannot attach the datapath (hook %s) to its link: its "
			 "replies are not rewritten (%s)",
			 id, dataplane_hook_name(hook), strerror(-err));
	return err;
}

/* The instance's link: the nat program on the load balancer's end at the configured hook (it
 * rewrites the replies), xlb_decap on the instance's end (ipip's decapsulation; and a veth
 * delivers XDP-redirected frames only to a peer with an XDP program).
 */
static void fleet_wire(struct fleet *f, const struct launcher_instance *li)
{
	int ifindex, nsfd, saved = -1;

	if (!f->dp)
		return;
	fleet_link_attach(f->dp, f->hook, (int)if_nametoindex(li->host_if), li->id, NULL);
	nsfd = netns_open(li->netns);
	if (nsfd < 0 || netns_enter(nsfd, &saved)) {
		log_warn("instance %s: cannot enter %s to attach its peer program", li->id,
			 li->netns);
	} else {
		ifindex = (int)if_nametoindex(LAUNCHER_INST_IF);
		if (!ifindex || dpif_peer_attach(f->dp, ifindex, LAUNCHER_INST_IF))
			log_warn("instance %s: no XDP program on its %s: redirected frames may "
				 "not arrive",
				 li->id, LAUNCHER_INST_IF);
		netns_leave(saved);
	}
	if (nsfd >= 0)
		close(nsfd);
}

const char *fleet_inst_addr(struct fleet *f, const struct fleet_inst *fi, const char *tg)
{
	return fi->ip6[0] && ctl_tg_ipv6(f->ctl, tg) ? fi->ip6 : fi->ip;
}

/* Puts the group's dsr and ipip VIPs on the instance's loopback (those already there stay). */
static void fleet_lo_vips(struct fleet_group *fg, const struct launcher_instance *li)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i;
	int nsfd, err;

	if (!fg->nlo_vips)
		return;
	nsfd = netns_open(li->netns);
	if (nsfd < 0) {
		log_warn("instance %s: cannot open its namespace %s: %s", li->id, li->netns,
			 strerror(-nsfd));
		return;
	}
	for (i = 0; i < fg->nlo_vips; i++) {
		const struct model_addr *a = &fg->lo_vips[i];

		err = netns_addr_add(nsfd, "lo", a->family, a->bytes,
				     a->family == AF_INET6 ? 128 : 32);
		if (err && err != -EEXIST)
			log_warn("instance %s: putting %s on its loopback: %s", li->id,
				 inet_ntop(a->family, a->bytes, ip, sizeof(ip)) ? ip : "?",
				 strerror(-err));
	}
	close(nsfd);
}

/* The addresses of the dsr and ipip listeners that forward to one of m's target groups. */
static void fleet_lo_vips_find(struct fleet_group *fg, const struct model *model,
			       const struct model_asg *m)
{
	size_t i, j, k, t, a, v;

	fg->nlo_vips = 0;
	for (i = 0; i < model->nlbs; i++) {
		const struct model_lb *lb = &model->lbs[i];

		for (j = 0; j < lb->nlisteners; j++) {
			const struct model_listener *l = &lb->listeners[j];
			bool ours = false;

			for (k = 0; k < l->nfwd && l->mode != MODEL_MODE_NAT; k++)
				for (t = 0; t < m->ntgs; t++)
					ours |= l->fwd[k].tg == m->tgs[t];
			for (a = 0; ours && a < lb->naddrs; a++) {
				for (v = 0; v < fg->nlo_vips; v++)
					if (fg->lo_vips[v].family == lb->addrs[a].family &&
					    !memcmp(fg->lo_vips[v].bytes, lb->addrs[a].bytes, 16))
						break;
				if (v == fg->nlo_vips && v < FLEET_LO_VIPS)
					fg->lo_vips[fg->nlo_vips++] = lb->addrs[a];
			}
		}
	}
}

static void fleet_register(struct fleet_group *fg, struct fleet_inst *fi, bool reg)
{
	struct fleet *f = fg->f;
	const char *ip;
	size_t i;
	int err;

	for (i = 0; i < fg->ntgs; i++) {
		ip = fleet_inst_addr(f, fi, fg->tgs[i]);
		err = reg ? ctl_instance_register(f->ctl, fg->tgs[i], ip, fi->id) :
			    ctl_instance_deregister(f->ctl, fg->tgs[i], ip);
		if (err && err != -ESRCH)
			log_warn("auto-scaling group %s: %sregistering %s (%s) %s target group %s: "
				 "%s",
				 fg->g.name, reg ? "" : "de", fi->id, ip, reg ? "with" : "from",
				 fg->tgs[i], strerror(-err));
	}
	fi->registered = reg;
}

/* The group's PropagateAtLaunch tags: XLB_TAG_<KEY>=value strings for the boot script (the
 * key with every character but [A-Za-z0-9_] made '_'), NULL-ended, in one allocation; and the
 * tags as the instance keeps them. NULL when there is none.
 */
static char **fleet_tag_env(const struct fleet_group *fg, struct json_object **tags)
{
	size_t n = fg->tags ? json_object_array_length(fg->tags) : 0, i, k = 0, size = 0;
	char **env, *p;

	*tags = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(fg->tags, i), *v;

		if (json_object_object_get_ex(t, "PropagateAtLaunch", &v) &&
		    json_object_get_boolean(v)) {
			struct json_object *c = json_object_new_object();

			json_object_object_get_ex(t, "Key", &v);
			json_object_object_add(c, "Key", json_object_get(v));
			json_object_object_get_ex(t, "Value", &v);
			json_object_object_add(c, "Value", json_object_get(v));
			json_object_array_add(*tags, c);
		}
	}
	n = json_object_array_length(*tags);
	if (n > LAUNCHER_ENV_MAX)
		n = LAUNCHER_ENV_MAX;
	if (!n)
		return NULL;
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(*tags, i), *kv, *vv;

		json_object_object_get_ex(t, "Key", &kv);
		json_object_object_get_ex(t, "Value", &vv);
		size += strlen("XLB_TAG_=") + strlen(json_object_get_string(kv)) +
			strlen(json_object_get_string(vv)) + 1;
	}
	env = malloc((n + 1) * sizeof(*env) + size);
	if (!env)
		return NULL;
	p = (char *)(env + n + 1);
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(*tags, i), *kv, *vv;
		char *q;

		json_object_object_get_ex(t, "Key", &kv);
		json_object_object_get_ex(t, "Value", &vv);
		env[k++] = p;
		p += sprintf(p, "XLB_TAG_%s=", json_object_get_string(kv));
		for (q = env[k - 1] + 8; q < p - 1; q++)
			if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
			      (*q >= '0' && *q <= '9') || *q == '_'))
				*q = '_';
		p += sprintf(p, "%s", json_object_get_string(vv)) + 1;
	}
	env[k] = NULL;
	return env;
}

static int fleet_launch(struct fleet_group *fg, const char *cause, uint64_t now, bool warm)
{
	struct fleet *f = fg->f;
	const struct launcher_instance *li = NULL;
	struct json_object *tags = NULL;
	struct fleet_inst *fi;
	struct activity *a;
	char **env;
	int err;

	if (!fg->itype) {
		log_error(
			"auto-scaling group %s: no launch configuration or template to launch from",
			fg->g.name);
		fg->launch_retry_at = now + FLEET_LAUNCH_RETRY_MS;
		return -EINVAL;
	}
	env = fleet_tag_env(fg, &tags);
	err = launcher_launch_env(f->launcher, fg->g.name, fg->launch_label, fg->itype, fg->image,
				  fg->user_data, fg->user_data_len, (const char *const *)env, &li);
	free(env);
	if (!err)
		err = warm ? asg_warm_add(&fg->g, li->id, now) :
			     asg_instance_add(&fg->g, li->id, now);
	if (err) {
		json_object_put(tags);
		char msg[ACTIVITY_TEXT_LEN];

		a = activity_record(&fg->log, fg->g.name, true, NULL, cause, fleet_wall_ms());
		snprintf(msg, sizeof(msg), "Launching a new instance failed: %s", strerror(-err));
		activity_update(&fg->log, a->id, ACTIVITY_FAILED, 0, msg, fleet_wall_ms());
		log_error("auto-scaling group %s: %s; retrying in %d s", fg->g.name, msg,
			  FLEET_LAUNCH_RETRY_MS / 1000);
		if (li && !asg_instance_find(&fg->g, li->id))
			launcher_terminate(f->launcher, li->id);
		fg->launch_retry_at = now + FLEET_LAUNCH_RETRY_MS;
		return err;
	}
	fi = fleet_inst_new(fg, li);
	fi->tags = tags;
	fi->launch_ms = now;
	if (fg->backoff_note[0]) {
		char full[ACTIVITY_CAUSE_LEN];

		snprintf(full, sizeof(full), "%s%s", cause, fg->backoff_note);
		a = activity_record(&fg->log, fg->g.name, true, li->id, full, fleet_wall_ms());
		fg->backoff_note[0] = '\0';
	} else {
		a = activity_record(&fg->log, fg->g.name, true, li->id, cause, fleet_wall_ms());
	}
	snprintf(fi->activity, sizeof(fi->activity), "%s", a->id);
	log_info("auto-scaling group %s: launching %s (%s)%s: %s", fg->g.name, li->id, li->ip4_str,
		 warm ? " into the warm pool" : "", cause);
	fleet_wire(f, li);
	fleet_lo_vips(fg, li);
	return 0;
}

/* The launcher's and the target groups' view, into asg.c's instances. */
static void fleet_observe(struct fleet_group *fg)
{
	struct fleet *f = fg->f;
	size_t i, j;

	for (i = 0; i < fg->g.ninst; i++) {
		struct asg_instance *in = &fg->g.inst[i];
		const struct launcher_instance *li = launcher_find(f->launcher, in->id);
		struct fleet_inst *fi = fleet_inst_find(fg, in->id);
		bool left = true;

		if (!li)
			in->ec2 = ASG_EC2_STOPPED;
		else if (li->state == LAUNCHER_RUNNING)
			in->ec2 = ASG_EC2_RUNNING;
		else if (li->state == LAUNCHER_STOPPED)
			in->ec2 = ASG_EC2_STOPPED;
		in->ntargets = 0;
		for (j = 0; fi && j < fg->ntgs && in->ntargets < ASG_TG_MAX; j++) {
			const struct health_target *h = ctl_target_health(
				f->ctl, fg->tgs[j], fleet_inst_addr(f, fi, fg->tgs[j]));

			if (!h)
				continue;
			left = false;
			if (h->state == HEALTH_HEALTHY)
				fi->was_healthy = true;
			if (in->state != ASG_TERMINATING)
				in->targets[in->ntargets++] = h;
		}
		/* ctl drains a deregistered target and lets it go when its flows end or the
		 * delay runs out: its leaving is the "no flow left" asg.c waits for
		 */
		if (in->state == ASG_TERMINATING) {
			in->flows_known = true;
			in->flows = left ? 0 : 1;
		}
	}
}

/* ---- lifecycle hooks and the warm pool: the effects ----
 *
 * The instance learns of its wait through two files in its XLB_STATE_DIR (/var/lib/xlb),
 * written by xlbd from outside (launcher_state_write): target-lifecycle-state holds the state
 * it is headed for, one word, as the instance metadata's autoscaling/target-lifecycle-state
 * gives it on EC2 (InService, Warmed:Stopped, Warmed:Running, Terminated); lifecycle-action,
 * while a hook holds it, holds the hooks' names, the transition, the token, the state and each
 * hook's NotificationMetadata as KEY=value lines. The instance completes the action itself by
 * writing complete-lifecycle-action ("CONTINUE" or "ABANDON", then optionally a hook name) or
 * asks for more time with record-lifecycle-action-heartbeat (optionally a hook name); xlbd
 * reads and removes those files each second. No socket or host path enters the instance.
 */

static void fleet_tell(struct fleet_group *fg, struct fleet_inst *fi, const char *target,
		       const struct asg_instance *in)
{
	struct fleet *f = fg->f;
	char buf[16384];
	size_t h, o = 0;
	int err;

	snprintf(buf, sizeof(buf), "%s\n", target);
	err = launcher_state_write(f->launcher, fi->id, "target-lifecycle-state", buf, strlen(buf));
	if (!in || !in->hook_pending) {
		launcher_state_remove(f->launcher, fi->id, "lifecycle-action");
	} else {
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "LifecycleState=%s\nLifecycleActionToken=%s\n",
				      asg_lifecycle_name(in->state), in->token);
		for (h = 0; h < fg->g.nhooks && o < sizeof(buf); h++)
			if (in->hook_pending & (1u << h))
				o += (size_t)snprintf(
					buf + o, sizeof(buf) - o,
					"LifecycleHookName=%s\nLifecycleTransition=%s\n"
					"NotificationMetadata=%s\n",
					fg->g.hooks[h].name,
					asg_hook_transition_name(fg->g.hooks[h].transition),
					fg->g.hooks[h].metadata);
		if (o >= sizeof(buf))
			o = sizeof(buf) - 1;
		if (!err)
			err = launcher_state_write(f->launcher, fi->id, "lifecycle-action", buf, o);
	}
	if (err && err != -ESRCH)
		log_warn("instance %s: cannot tell it its lifecycle state: %s", fi->id,
			 strerror(-err));
}

static bool fleet_waiting(enum asg_lifecycle s)
{
	return s == ASG_PENDING_WAIT || s == ASG_WARMED_PENDING_WAIT || s == ASG_TERMINATING_WAIT;
}

/* A result or heartbeat for one named hook, or for every pending one when hook is "". */
static int fleet_lifecycle_apply(struct fleet_group *fg, struct asg_instance *in, const char *hook,
				 int result, char *err, size_t errlen)
{
	uint64_t now = loop_now();
	size_t h;
	int e = -ENOENT;

	if (hook[0]) {
		if (result < 0)
			return asg_lifecycle_heartbeat(&fg->g, hook, in->id, NULL, now, err,
						       errlen);
		return asg_lifecycle_complete(&fg->g, hook, in->id, NULL,
					      (enum model_hook_result)result, now, err, errlen);
	}
	for (h = 0; h < fg->g.nhooks && fleet_waiting(in->state); h++) {
		if (!(in->hook_pending & (1u << h)))
			continue;
		if (result < 0)
			e = asg_lifecycle_heartbeat(&fg->g, fg->g.hooks[h].name, in->id, NULL, now,
						    err, errlen);
		else
			e = asg_lifecycle_complete(&fg->g, fg->g.hooks[h].name, in->id, NULL,
						   (enum model_hook_result)result, now, err,
						   errlen);
	}
	return e;
}

/* An instance's answer file as taken (launcher_state_take's err, len bytes in buf): true when
 * it is one to read, text without NUL bytes; else false, logged once (the file is gone) unless
 * there was none. Bytes that are not printable are shown as '?' in what is logged after.
 */
static bool fleet_answer_ok(const char *id, const char *name, int err, char *buf, size_t len)
{
	size_t i;

	if (err == -ENOENT || err == -ESRCH)
		return false;
	if (!err && strlen(buf) != len)
		err = -EILSEQ;
	if (err) {
		log_warn("instance %s: %s ignored: %s", id, name,
			 err == -EINVAL ? "not a regular file" :
			 err == -EFBIG	? "too large for an answer" :
			 err == -EILSEQ ? "binary bytes" :
					  strerror(-err));
		return false;
	}
	for (i = 0; i < len; i++)
		if (!isprint((unsigned char)buf[i]) && !isspace((unsigned char)buf[i]))
			buf[i] = '?';
	return true;
}

/* What the waiting instances wrote, then the timeouts: a wait that ends is logged. */
static void fleet_lifecycle_poll(struct fleet_group *fg, uint64_t now)
{
	struct fleet *f = fg->f;
	enum asg_lifecycle before[ASG_INSTANCES_MAX];
	char buf[512], word[16], hook[256], err[256];
	size_t i, len;

	for (i = 0; i < fg->g.ninst; i++) {
		struct asg_instance *in = &fg->g.inst[i];
		int result, err_take;

		before[i] = in->state;
		if (!fleet_waiting(in->state))
			continue;
		err_take = launcher_state_take(f->launcher, in->id,
					       "record-lifecycle-action-heartbeat", buf,
					       sizeof(buf), &len);
		if (fleet_answer_ok(in->id, "record-lifecycle-action-heartbeat", err_take, buf,
				    len)) {
			hook[0] = '\0';
			sscanf(buf, "%255s", hook);
			if (fleet_lifecycle_apply(fg, in, hook, -1, err, sizeof(err)))
				log_warn("instance %s: record-lifecycle-action-heartbeat: %s",
					 in->id, err);
		}
		err_take = launcher_state_take(f->launcher, in->id, "complete-lifecycle-action",
					       buf, sizeof(buf), &len);
		if (!fleet_answer_ok(in->id, "complete-lifecycle-action", err_take, buf, len))
			continue;
		word[0] = hook[0] = '\0';
		sscanf(buf, "%15s %255s", word, hook);
		result = !strcmp(word, "CONTINUE") ? MODEL_HOOK_CONTINUE :
			 !strcmp(word, "ABANDON")  ? MODEL_HOOK_ABANDON :
						     -1;
		if (result < 0) {
			log_warn("instance %s: complete-lifecycle-action: expected CONTINUE or "
				 "ABANDON, got \"%s\"",
				 in->id, word);
			continue;
		}
		if (fleet_lifecycle_apply(fg, in, hook, result, err, sizeof(err)))
			log_warn("instance %s: complete-lifecycle-action: %s", in->id, err);
		else
			log_info("auto-scaling group %s: %s completed its lifecycle action: %s",
				 fg->g.name, in->id, word);
	}
	if (asg_lifecycle_expire(&fg->g, now))
		for (i = 0; i < fg->g.ninst; i++)
			if (fleet_waiting(before[i]) && fg->g.inst[i].state != before[i])
				log_info("auto-scaling group %s: %s: a lifecycle hook timed out, "
					 "its DefaultResult applies: %s%s",
					 fg->g.name, fg->g.inst[i].id,
					 asg_lifecycle_name(fg->g.inst[i].state),
					 fg->g.inst[i].abandoned ? " (ABANDON)" : "");
}

static void fleet_token(char *out, size_t len)
{
	unsigned char r[16];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0x5a, sizeof(r));
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (i = 0; i < 16 && len > 37; i++)
		out += sprintf(out, "%02x%s", r[i],
			       (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
}

/* The plan's holds, warm instances taken, kept or launched. */
static void fleet_lifecycle_carry(struct fleet_group *fg, const struct asg_plan *plan, uint64_t now)
{
	struct fleet *f = fg->f;
	char token[ASG_TOKEN_LEN];
	struct asg_instance *in;
	struct fleet_inst *fi;
	size_t i;

	for (i = 0; i < plan->nhold; i++) {
		fi = fleet_inst_find(fg, plan->hold[i]);
		fleet_token(token, sizeof(token));
		if (!fi || asg_lifecycle_wait(&fg->g, plan->hold[i], token, now))
			continue;
		in = asg_instance_find(&fg->g, fi->id);
		fleet_tell(fg, fi,
			   in->state == ASG_TERMINATING_WAIT ? "Terminated" :
			   in->state == ASG_PENDING_WAIT     ? "InService" :
			   fg->g.warm.running		     ? "Warmed:Running" :
							       "Warmed:Stopped",
			   in);
		fleet_activity(fg, fi, ACTIVITY_IN_PROGRESS, 30, "Waiting for a lifecycle action");
		log_info("auto-scaling group %s: %s is %s (token %s)", fg->g.name, fi->id,
			 asg_lifecycle_name(in->state), token);
	}
	for (i = 0; i < plan->nfrom_warm; i++) {
		struct activity *a;

		fi = fleet_inst_find(fg, plan->from_warm[i]);
		if (!fi)
			continue;
		if (fi->frozen && launcher_freeze(f->launcher, fi->id, false)) {
			log_warn("instance %s: cannot thaw it: left in the warm pool", fi->id);
			continue;
		}
		fi->frozen = false;
		if (asg_warm_take(&fg->g, fi->id, now))
			continue;
		fi->launch_ms = now;
		a = activity_record(&fg->log, fg->g.name, true, fi->id, plan->launch_cause,
				    fleet_wall_ms());
		snprintf(fi->activity, sizeof(fi->activity), "%s", a->id);
		activity_update(&fg->log, a->id, ACTIVITY_PRE_IN_SERVICE, 20,
				"Instance taken from the warm pool", fleet_wall_ms());
		log_info("auto-scaling group %s: %s taken from the warm pool", fg->g.name, fi->id);
	}
	for (i = 0; i < plan->nwarm_ready; i++) {
		bool reused;

		fi = fleet_inst_find(fg, plan->warm_ready[i]);
		in = asg_instance_find(&fg->g, plan->warm_ready[i]);
		if (!fi || !in)
			continue;
		reused = in->state == ASG_TERMINATING;
		if (!fg->g.warm.running) {
			int e = launcher_freeze(f->launcher, fi->id, true);

			if (e)
				log_warn("instance %s: cannot freeze it: %s; kept running", fi->id,
					 strerror(-e));
			fi->frozen = !e;
		}
		if (asg_warm_ready(&fg->g, fi->id, now))
			continue;
		fleet_activity(fg, fi, ACTIVITY_SUCCESSFUL, 100,
			       reused ? "Returned to the warm pool (ReuseOnScaleIn)" : NULL);
		fleet_tell(fg, fi, asg_lifecycle_name(in->state), NULL);
		log_info("auto-scaling group %s: %s is %s%s", fg->g.name, fi->id,
			 asg_lifecycle_name(in->state), reused ? " (reused on scale in)" : "");
	}
	for (i = 0; i < plan->nwarm_launch && now >= fg->launch_retry_at && !f->stopping; i++)
		if (fleet_launch(fg,
				 "An instance was launched into the warm pool to keep it at its "
				 "size (MaxGroupPreparedCapacity minus DesiredCapacity, at least "
				 "MinSize).",
				 now, true))
			break;
}

/* ---- the API's lifecycle operations ---- */

int fleet_lifecycle_action(struct fleet *f, const char *group, const char *hook, const char *id,
			   const char *token, const char *result, char *err, size_t errlen)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	int r = -1, e;

	if (!fg)
		return -ESRCH;
	if (result) {
		r = !strcmp(result, "CONTINUE") ? MODEL_HOOK_CONTINUE :
		    !strcmp(result, "ABANDON")	? MODEL_HOOK_ABANDON :
						  -2;
		if (r == -2) {
			snprintf(err, errlen,
				 "Value '%s' at 'lifecycleActionResult' failed to satisfy "
				 "constraint: Member must be CONTINUE or ABANDON",
				 result);
			return -EINVAL;
		}
	}
	if (r < 0)
		e = asg_lifecycle_heartbeat(&fg->g, hook, id, token, loop_now(), err, errlen);
	else
		e = asg_lifecycle_complete(&fg->g, hook, id, token, (enum model_hook_result)r,
					   loop_now(), err, errlen);
	if (!e) {
		log_info("auto-scaling group %s: lifecycle hook %s on %s: %s (a user request)",
			 fg->g.name, hook, id && id[0] ? id : token, r < 0 ? "heartbeat" : result);
		fleet_soon(f);
	}
	return e == -ENOENT || e == -EINVAL ? -EINVAL : e;
}

static void fleet_refresh_tick(struct fleet_group *fg, uint64_t now);
static void fleet_mark_unhealthy(struct fleet_group *fg, const struct asg_plan *plan);

static void fleet_reconcile(struct fleet_group *fg)
{
	struct fleet *f = fg->f;
	uint64_t now = loop_now();
	struct asg_plan *plan;
	struct fleet_inst *fi;
	size_t i;
	char warn[512];

	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return;
	fleet_observe(fg);
	fleet_lifecycle_poll(fg, now);
	fleet_refresh_tick(fg, now);
	asg_plan(&fg->g, now, plan);
	fleet_mark_unhealthy(fg, plan);
	if (plan->no_target_group && !fg->warned_pitfall) {
		asg_warning(&fg->g, warn, sizeof(warn));
		log_warn("%s", warn);
		fg->warned_pitfall = true;
	} else if (!plan->no_target_group) {
		fg->warned_pitfall = false;
	}
	for (i = 0; i < plan->nin_service; i++) {
		fi = fleet_inst_find(fg, plan->in_service[i]);
		if (!fi || asg_instance_in_service(&fg->g, fi->id, now))
			continue;
		if (!asg_suspended(&fg->g, ASG_PROC_ADD_TO_LOAD_BALANCER))
			fleet_register(fg, fi, true);
		fg->g.last_activity_end = now;
		fleet_activity(fg, fi, ACTIVITY_SUCCESSFUL, 100, NULL);
		fleet_tell(fg, fi, "InService", NULL);
		log_info("auto-scaling group %s: %s (%s) is InService, %" PRIu64 " ms after its %s",
			 fg->g.name, fi->id, fi->ip, now - fi->launch_ms,
			 asg_instance_find(&fg->g, fi->id)->from_warm ? "leaving the warm pool" :
									"launch");
	}
	for (i = 0; i < plan->nterminate; i++) {
		const struct asg_plan_term *t = &plan->terminate[i];
		struct activity *a;

		fi = fleet_inst_find(fg, t->id);
		if (!fi || asg_instance_terminating(&fg->g, t->id, t->reason, now))
			continue;
		/* out of the warm pool: thawed, so that it can answer its termination hooks */
		if (fi->frozen && !launcher_freeze(f->launcher, fi->id, false))
			fi->frozen = false;
		fleet_register(fg, fi, false);
		a = activity_record(&fg->log, fg->g.name, false, t->id, t->cause, fleet_wall_ms());
		snprintf(fi->activity, sizeof(fi->activity), "%s", a->id);
		activity_update(&fg->log, a->id,
				fg->ntgs ? ACTIVITY_WAITING_FOR_ELB_CONNECTION_DRAINING :
					   ACTIVITY_IN_PROGRESS,
				10, NULL, fleet_wall_ms());
		log_info("auto-scaling group %s: terminating %s (%s): %s", fg->g.name, t->id,
			 fi->ip, t->cause);
	}
	for (i = 0; i < plan->nfinish; i++) {
		fi = fleet_inst_find(fg, plan->finish[i]);
		if (!fi || fi->finishing)
			continue;
		fi->finishing = true;
		if (fi->frozen && !launcher_freeze(f->launcher, fi->id, false))
			fi->frozen = false; /* a frozen process would not see its SIGTERM */
		fleet_activity(fg, fi, ACTIVITY_IN_PROGRESS, 50, NULL);
		if (launcher_terminate(f->launcher, fi->id) == -ENOENT) {
			/* already gone: nothing left to remove */
			fleet_activity(fg, fi, ACTIVITY_SUCCESSFUL, 100, NULL);
			asg_instance_terminated(&fg->g, fi->id);
			fleet_inst_forget(fg, fi);
		}
	}
	for (i = 0; i < plan->nlaunch && now >= fg->launch_retry_at && !f->stopping; i++)
		if (fleet_launch(fg, asg_plan_cause(plan, i), now, false))
			break;
	fleet_lifecycle_carry(fg, plan, now);
	free(plan);
}

/* Each counting instance's counters since the last interval, into the group's averages. */
static void fleet_measure(struct fleet_group *fg, uint64_t now)
{
	struct fleet *f = fg->f;
	struct metrics_inst *v;
	/* warm-up only matters to policies: without one, every InService instance counts */
	uint64_t warm = fg->se && fg->npolicies ? scaling_warmup_ms(fg->se) : 0;
	size_t i, j, n = 0;

	v = calloc(fg->g.ninst + 1, sizeof(*v));
	if (!v)
		return;
	for (i = 0; i < fg->g.ninst; i++) {
		const struct asg_instance *in = &fg->g.inst[i];
		struct fleet_inst *fi = fleet_inst_find(fg, in->id);
		struct metrics_sample cur = { .at_ms = now };
		struct xlb_counters c;

		if (!fi || in->state != ASG_IN_SERVICE) {
			if (fi)
				fi->has_prev = false;
			continue;
		}
		cur.has_cpu = !launcher_cpu_usage(f->launcher, fi->id, &cur.cpu_usec);
		/* one backend slot per address: the first target group that has it */
		for (j = 0; j < fg->ntgs && !cur.has_counters; j++) {
			if (ctl_target_counters(f->ctl, fg->tgs[j],
						fleet_inst_addr(f, fi, fg->tgs[j]), &c))
				continue;
			cur.bytes_in = c.bytes;
			cur.bytes_out = c.reply_bytes;
			cur.new_flows = c.new_flows;
			cur.has_counters = true;
		}
		if (fi->has_prev) {
			v[n].counts = now - in->in_service_at >= warm;
			metrics_interval(&fi->prev, &cur, fi->quota_us, fi->period_us, &v[n]);
			n++;
		}
		fi->prev = cur;
		fi->has_prev = true;
	}
	metrics_average(v, n, &fg->metrics);
	fg->metrics_at = now;
	free(v);
	if (!fg->se)
		return;
	scaling_feed(fg->se, MODEL_METRIC_ASG_CPU, NULL, fg->metrics.cpu, now);
	scaling_feed(fg->se, MODEL_METRIC_ASG_NETWORK_IN, NULL, fg->metrics.net_in, now);
	scaling_feed(fg->se, MODEL_METRIC_ASG_NETWORK_OUT, NULL, fg->metrics.net_out, now);
	for (j = 0; j < fg->ntgs; j++)
		scaling_feed(fg->se, MODEL_METRIC_ALB_REQUESTS_PER_TARGET, fg->tgs[j],
			     fg->metrics.requests_per_target, now);
}

/* A decision the engine applied: logged, and the sizes kept for the next xlbd. */
static void fleet_scaled(void *arg, const struct scaling_decision *d)
{
	struct fleet_group *fg = arg;

	log_info("auto-scaling group %s: %s (min %u, max %u, desired %u)", fg->g.name, d->cause,
		 fg->g.min_size, fg->g.max_size, fg->g.desired);
	fleet_state_save(fg);
}

/* The policies' and scheduled actions' decisions, applied one after the other. */
static void fleet_scale(struct fleet_group *fg, uint64_t now)
{
	char ev[8][SCALING_EVENT_LEN];
	size_t i, n;

	fg->g.wall_offset_ms = fleet_wall_offset();
	engine_scale(fg->se, &fg->g, now, fleet_scaled, fg);
	while ((n = scaling_events(fg->se, ev, 8)))
		for (i = 0; i < n; i++)
			log_info("auto-scaling group %s: %s", fg->g.name, ev[i]);
}

static void fleet_reconcile_all(struct fleet *f)
{
	uint64_t now = loop_now();
	size_t i;

	for (i = 0; i < f->ngroups; i++) {
		struct fleet_group *fg = f->groups[i];

		if (fg->in_config && !f->stopping && now >= fg->metrics_at + f->metrics_ms) {
			fleet_measure(fg, now);
			if (fg->se)
				fleet_scale(fg, now);
		}
		fleet_reconcile(fg);
	}
	/* groups gone from the file leave once their last instance did */
	for (i = 0; i < f->ngroups;) {
		struct fleet_group *fg = f->groups[i];

		if (fg->in_config || fg->g.ninst) {
			i++;
			continue;
		}
		log_info("auto-scaling group %s: deleted", fg->g.name);
		fleet_policies_free(fg);
		activity_log_free(&fg->log);
		json_object_put(fg->tags);
		free(fg->user_data);
		free(fg->image);
		free(fg);
		memmove(&f->groups[i], &f->groups[i + 1],
			(f->ngroups - i - 1) * sizeof(*f->groups));
		f->ngroups--;
	}
}

static void fleet_on_tick(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	fleet_reconcile_all(arg);
}

void fleet_soon(struct fleet *f)
{
	if (!loop_timer_armed(&f->soon))
		loop_timer_arm(f->loop, &f->soon, 10, 0, fleet_on_tick, f);
}

/* ---- the launcher's events ---- */

/* Every instance gone: what xlbd made for them goes too (cgroup parents, run directories,
 * the groups' saved sizes).
 */
static void fleet_stop_done(struct fleet *f)
{
	void (*done)(void *) = f->stop_done;
	char path[800];
	size_t i;

	if (!done)
		return;
	f->stop_done = NULL;
	cgroup_remove_parent(launcher_cgroup(f->launcher));
	for (i = 0; i < f->ngroups; i++) {
		fleet_state_path(f->groups[i], path, sizeof(path));
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/groups", f->run_dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/instances", f->run_dir);
	rmdir(path);
	done(f->stop_arg);
}

/* The last lines of an instance's console into the log: the instance and its console go
 * at its termination, which comes soon.
 */
static void fleet_console_tail(struct fleet *f, const char *id)
{
	char buf[1024], *line[64], *save = NULL, *p;
	size_t len = 0, n = 0, i;

	if (launcher_console(f->launcher, id, buf, sizeof(buf), &len) || !len)
		return;
	for (p = strtok_r(buf, "\n", &save); p && n < 64; p = strtok_r(NULL, "\n", &save))
		line[n++] = p;
	/* the first may be cut: the ring read starts anywhere */
	for (i = n > 8 ? n - 8 : (len == sizeof(buf) - 1 && n > 1); i < n; i++)
		log_warn("instance %s: console: %s", id, line[i]);
}

/* An instance that ended soon after its launch: the group backs off, says so in the launch's
 * activity (Failed, if it never was in service) and in the next launch's cause; one that
 * lived longer resets the backoff.
 */
static void fleet_ended(struct fleet_group *fg, struct fleet_inst *fi,
			const struct launcher_instance *li)
{
	int64_t lived = (int64_t)time(NULL) - li->launched;
	struct asg_instance *in;
	char msg[ACTIVITY_TEXT_LEN], why[64];
	uint64_t wait;

	/* the decision (asg_backoff): one that lived, or that a target group found healthy, was
	 * killed by something else than its UserData
	 */
	wait = asg_backoff(&fg->early_deaths, &fg->launch_retry_at, lived, fi->was_healthy,
			   loop_now());
	if (!wait)
		return;
	if (li->boot_status < 0)
		snprintf(why, sizeof(why), "its processes ended");
	else if (WIFEXITED(li->boot_status))
		snprintf(why, sizeof(why), "its UserData exited with status %d",
			 WEXITSTATUS(li->boot_status));
	else
		snprintf(why, sizeof(why), "its UserData was killed by signal %d",
			 li->boot_status & 0x7f);
	snprintf(fg->backoff_note, sizeof(fg->backoff_note),
		 " The launch was held back %" PRIu64 " s (backoff): instance %s ended %" PRId64
		 " s after its launch, %s; %u in a row.",
		 wait / 1000, li->id, lived, why, fg->early_deaths);
	/* StatusMessage is short: the console is one command away */
	snprintf(msg, sizeof(msg),
		 "Ended %" PRId64 " s after launch: %.48s (see its console). Backoff: next launch "
		 "in %" PRIu64 " s (%u in a row)",
		 lived, why, wait / 1000, fg->early_deaths);
	log_warn("auto-scaling group %s: instance %s: %s (xlbctl get-console-output %s)",
		 fg->g.name, li->id, msg, li->id);
	fleet_console_tail(fg->f, li->id);
	/* its launch failed, if it never was in service */
	in = asg_instance_find(&fg->g, fi->id);
	if (!in || !in->in_service_at)
		fleet_activity(fg, fi, ACTIVITY_FAILED, 100, msg);
}

static void fleet_on_instance(struct launcher *l, const struct launcher_instance *li,
			      enum launcher_event ev, void *arg)
{
	struct fleet *f = arg;
	struct fleet_inst *fi = NULL;
	struct fleet_group *fg = fleet_owner(f, li->id, &fi);

	(void)l;
	switch (ev) {
	case LAUNCHER_EV_BOOT_EXITED:
		if (li->boot_status > 0 && WIFEXITED(li->boot_status))
			log_warn("instance %s: its UserData exited with status %d (xlbctl "
				 "get-console-output %s)",
				 li->id, WEXITSTATUS(li->boot_status), li->id);
		else if (li->boot_status > 0)
			log_warn("instance %s: ended by signal %d (xlbctl get-console-output %s)",
				 li->id, li->boot_status & 0x7f, li->id);
		break;
	case LAUNCHER_EV_STOPPED:
		/* out of the tables now: every new flow until the plan runs would be refused */
		if (fg && fi && fi->registered)
			fleet_register(fg, fi, false);
		if (fg && fi)
			fleet_ended(fg, fi, li);
		fleet_soon(f);
		break;
	case LAUNCHER_EV_TERMINATED:
		if (fg) {
			fg->g.last_activity_end = loop_now();
			fleet_activity(fg, fi, ACTIVITY_SUCCESSFUL, 100, NULL);
			asg_instance_terminated(&fg->g, li->id);
			fleet_inst_forget(fg, fi);
			log_info("auto-scaling group %s: %s terminated", fg->g.name, li->id);
		}
		/* the launcher still lists this one until the callback returns */
		if (f->stopping && fleet_instances(f) <= 1)
			fleet_stop_done(f);
		fleet_soon(f);
		break;
	}
}

/* Every launcher instance, in an array the caller frees; NULL when out of memory. */
static const struct launcher_instance **fleet_list(const struct fleet *f, size_t *n)
{
	const struct launcher_instance **v;

	*n = fleet_instances(f);
	v = calloc(*n + 1, sizeof(*v));
	if (v)
		*n = launcher_list(f->launcher, v, *n);
	return v;
}

size_t fleet_instances(const struct fleet *f)
{
	const struct launcher_instance *v[1];

	return launcher_list(f->launcher, v, 0);
}

/* ---- life ---- */

int fleet_new(struct loop *loop, struct dpif *dp, struct ctl *ctl, const struct fleet_conf *conf,
	      struct fleet **out)
{
	struct launcher_conf lc = {};
	char inst_dir[600], groups_dir[600], cg[64];
	struct fleet *f;
	int err;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->loop = loop;
	f->dp = dp;
	f->hook = conf->hook;
	f->ctl = ctl;
	loop_timer_init(&f->tick);
	loop_timer_init(&f->soon);
	snprintf(f->run_dir, sizeof(f->run_dir), "%s", conf->run_dir);
	snprintf(inst_dir, sizeof(inst_dir), "%s/instances", conf->run_dir);
	snprintf(groups_dir, sizeof(groups_dir), "%s/groups", conf->run_dir);
	if ((mkdir(conf->run_dir, 0700) && errno != EEXIST) ||
	    (mkdir(groups_dir, 0700) && errno != EEXIST)) {
		err = -errno;
		log_error("run directory %s: %s", conf->run_dir, strerror(-err));
		goto fail;
	}
	snprintf(cg, sizeof(cg), "%s", conf->prefix);
	if (cg[0] && cg[strlen(cg) - 1] == '-')
		cg[strlen(cg) - 1] = '\0';
	lc.run_dir = inst_dir;
	lc.ns_prefix = conf->prefix;
	lc.if_prefix = conf->prefix;
	lc.cgroup_parent = cg[0] ? cg : NULL;
	lc.lb_nsfd = -1;
	lc.hide_dir = conf->run_dir; /* its control socket may be there too */
	/* the host ends are veths: auto puts xlb at tc there, where the instance's offloads stay */
	lc.tx_csum_off = conf->hook == DATAPLANE_HOOK_XDP;
	lc.pool4 = conf->pool4;
	lc.pool4_len = conf->pool4_len;
	f->pool4 = conf->pool4;
	f->pool4_len = conf->pool4_len;
	f->time_scale = 1;
	lc.block4_len = 30;
	/* a UserData that forks its server is seen dead only by this poll: keep it short */
	lc.poll_ms = 250;
	lc.has6 = conf->has6;
	lc.pool6 = conf->pool6;
	lc.pool6_len = conf->pool6_len;
	err = launcher_new(loop, &lc, fleet_on_instance, f, &f->launcher);
	if (err) {
		log_error("instances: %s", strerror(-err));
		goto fail;
	}
	err = launcher_scan(f->launcher);
	if (err < 0)
		log_warn("instances left by a previous run: %s", strerror(-err));
	else if (err)
		log_info("found %d instances left running by a previous xlbd", err);
	err = loop_timer_arm(loop, &f->tick, FLEET_TICK_MS, FLEET_TICK_MS, fleet_on_tick, f);
	if (err)
		goto fail;
	*out = f;
	return 0;
fail:
	if (f->launcher)
		launcher_free(f->launcher);
	free(f);
	return err;
}

void fleet_free(struct fleet *f)
{
	size_t i;

	if (!f)
		return;
	loop_timer_disarm(f->loop, &f->tick);
	loop_timer_disarm(f->loop, &f->soon);
	for (i = 0; i < f->ngroups; i++) {
		for (size_t j = 0; j < f->groups[i]->ninst; j++)
			json_object_put(f->groups[i]->inst[j].tags);
		fleet_policies_free(f->groups[i]);
		activity_log_free(&f->groups[i]->log);
		json_object_put(f->groups[i]->tags);
		free(f->groups[i]->user_data);
		free(f->groups[i]->image);
		free(f->groups[i]);
	}
	free(f->groups);
	launcher_free(f->launcher);
	free(f);
}

void fleet_stop(struct fleet *f, void (*done)(void *arg), void *arg)
{
	const struct launcher_instance **v;
	size_t n, i;

	f->stopping = true;
	f->stop_done = done;
	f->stop_arg = arg;
	n = fleet_instances(f);
	if (!n) {
		fleet_stop_done(f);
		return;
	}
	v = fleet_list(f, &n);
	if (!v)
		return;
	log_info("terminating %zu instances", n);
	for (i = 0; i < n; i++)
		if (v[i]->state != LAUNCHER_TERMINATING)
			launcher_terminate(f->launcher, v[i]->id);
	free(v);
}

/* ---- applying a model ---- */

/* Each field update-auto-scaling-group changes takes the file's value the first time, and
 * later only when the file's value changed.
 */
static void fleet_settings_kept(struct fleet_group *fg, const struct model_asg *m,
				const struct asg_group *tmp)
{
	bool first = !fg->file.set;

	if (first || m->hc_type != fg->file.hc)
		fg->g.hc_type = tmp->hc_type;
	if (first || m->grace_s != fg->file.grace_s)
		fg->g.grace_ms = tmp->grace_ms;
	if (first || tmp->nterm != fg->file.nterm ||
	    memcmp(tmp->term, fg->file.term, tmp->nterm * sizeof(tmp->term[0]))) {
		memcpy(fg->g.term, tmp->term, sizeof(tmp->term));
		fg->g.nterm = tmp->nterm;
	}
	if (first || m->protect_from_scale_in != fg->file.protect)
		fg->g.protect_new = tmp->protect_new;
	if (first || m->cooldown_s != fg->file.cooldown_s)
		fg->cooldown_s = m->cooldown_s;
	if (first || m->max_lifetime_s != fg->file.lifetime_s)
		fg->lifetime_s = m->max_lifetime_s;
	if (first || m->warmup_s != fg->file.warmup_s)
		fg->warmup_s = m->warmup_s;
	fg->file.set = true;
	fg->file.hc = m->hc_type;
	fg->file.grace_s = m->grace_s;
	memcpy(fg->file.term, tmp->term, sizeof(tmp->term));
	fg->file.nterm = tmp->nterm;
	fg->file.protect = m->protect_from_scale_in;
	fg->file.cooldown_s = m->cooldown_s;
	fg->file.lifetime_s = m->max_lifetime_s;
	fg->file.warmup_s = m->warmup_s;
	fleet_times(fg);
}

static int fleet_settings(struct fleet_group *fg, const struct model_asg *m)
{
	struct asg_group *tmp;
	char *ud = NULL, *image = NULL;
	size_t i, ud_len = 0;

	tmp = calloc(1, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	if (asg_group_init(tmp, m, fleet_wall_offset())) {
		free(tmp);
		return -EINVAL;
	}
	/* never the host's root for want of memory where the file named an image */
	if (m->launch && m->launch->image_dir) {
		image = strdup(m->launch->image_dir);
		if (!image) {
			free(tmp);
			return -ENOMEM;
		}
	}
	if (m->launch && m->launch->user_data_len) {
		ud = malloc(m->launch->user_data_len);
		if (!ud) {
			free(image);
			free(tmp);
			return -ENOMEM;
		}
		memcpy(ud, m->launch->user_data, m->launch->user_data_len);
		ud_len = m->launch->user_data_len;
	}
	/* everything but the sizes, the instances and the pending cause; what
	 * update-auto-scaling-group changed stays until the file changes that field
	 */
	fleet_settings_kept(fg, m, tmp);
	fg->g.dereg_delay_ms = tmp->dereg_delay_ms;
	fg->g.launch = tmp->launch;
	fg->g.wall_offset_ms = tmp->wall_offset_ms;
	/* hooks and warm pool (their times TimeScale times faster, as the policies' are), unless
	 * put or deleted at run time since the file last changed them
	 */
	fleet_rt_settings(fg, tmp);
	free(tmp);
	free(fg->user_data);
	fg->user_data = ud;
	fg->user_data_len = ud_len;
	free(fg->image);
	fg->image = image;
	fg->itype = m->launch ? m->launch->itype : NULL;
	fg->launch_kind = m->launch ? m->launch->kind : MODEL_LAUNCH_CONFIGURATION;
	fg->launch_version = m->launch ? m->launch->version : 0;
	if (m->launch && m->launch->kind == MODEL_LAUNCH_TEMPLATE)
		snprintf(fg->launch_label, sizeof(fg->launch_label), "%s:%u", m->launch->name,
			 m->launch->version);
	else
		snprintf(fg->launch_label, sizeof(fg->launch_label), "%s",
			 m->launch && m->launch->name ? m->launch->name : "");
	json_object_put(fg->tags);
	fg->tags = json_object_new_array();
	for (i = 0; i < m->ntags && fg->tags; i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "ResourceId", json_object_new_string(m->name));
		json_object_object_add(t, "ResourceType",
				       json_object_new_string("auto-scaling-group"));
		json_object_object_add(t, "Key", json_object_new_string(m->tags[i].key));
		json_object_object_add(t, "Value", json_object_new_string(m->tags[i].value));
		json_object_object_add(t, "PropagateAtLaunch",
				       json_object_new_boolean(m->tags[i].propagate_at_launch));
		json_object_array_add(fg->tags, t);
	}
	snprintf(fg->arn, sizeof(fg->arn),
		 "arn:aws:autoscaling:local:000000000000:autoScalingGroup:xlb:"
		 "autoScalingGroupName/%s",
		 m->name);
	return 0;
}

/* The group's target groups become want[]: instances in service registered with the new,
 * deregistered (draining) from the ones left.
 */
static void fleet_set_tgs(struct fleet_group *fg, char (*want)[ASG_NAME_LEN], size_t n)
{
	struct fleet *f = fg->f;
	size_t i, j, k;

	for (i = 0; i < fg->ntgs; i++) {
		for (j = 0; j < n && strcmp(want[j], fg->tgs[i]); j++)
			;
		if (j < n)
			continue;
		for (k = 0; k < fg->ninst; k++)
			if (fg->inst[k].registered)
				ctl_instance_deregister(f->ctl, fg->tgs[i],
							fleet_inst_addr(f, &fg->inst[k],
									fg->tgs[i]));
		log_info("auto-scaling group %s: detached from target group %s", fg->g.name,
			 fg->tgs[i]);
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < fg->ntgs && strcmp(want[j], fg->tgs[i]); i++)
			;
		if (i < fg->ntgs)
			continue;
		for (k = 0; k < fg->ninst; k++)
			if (fg->inst[k].registered)
				ctl_instance_register(f->ctl, want[j],
						      fleet_inst_addr(f, &fg->inst[k], want[j]),
						      fg->inst[k].id);
		if (f->applied)
			log_info("auto-scaling group %s: attached to target group %s", fg->g.name,
				 want[j]);
	}
	memmove(fg->tgs, want, n * sizeof(*want));
	fg->ntgs = n;
	fg->g.ntgs = n;
}

/* An adopted instance that a lifecycle hook held when the previous xlbd stopped (its
 * lifecycle-action file says Pending:Wait or Terminating:Wait): held again, out of its target
 * groups, with the same token, on the hooks it had not completed (the file's LifecycleHookName lines), until
 * complete-lifecycle-action or a heartbeat timeout counted anew from now (the time it had
 * waited is not kept: it waits longer, never less). A hook of the file that the configuration
 * no longer has ends as a reload ends it (asg_lifecycle_resume). True when it waits.
 */
static bool fleet_adopt_wait(struct fleet_group *fg, struct fleet_inst *fi, struct asg_instance *in,
			     uint64_t now)
{
	char buf[4096], token[sizeof(in->token)] = "", *names[MODEL_HOOKS_MAX], *q;
	const char *p, *kind;
	size_t len, n = 0, nnames = 0;
	bool term;

	if (launcher_state_take(fg->f->launcher, in->id, "lifecycle-action", buf, sizeof(buf),
				&len) ||
	    strlen(buf) != len)
		return false;
	term = strstr(buf, "LifecycleState=Terminating:Wait\n") != NULL;
	if (!term && !strstr(buf, "LifecycleState=Pending:Wait\n"))
		return false;
	kind = term ? "termination" : "launch";
	p = strstr(buf, "LifecycleActionToken=");
	if (p)
		for (p += strlen("LifecycleActionToken="); n + 1 < sizeof(token) && p[n] != '\n';
		     n++)
			token[n] = p[n];
	/* the hooks it waited on, cut out of buf in place: "LifecycleHookName=NAME\n" */
	for (q = strstr(buf, "LifecycleHookName="); q && nnames < MODEL_HOOKS_MAX;
	     q = strstr(q, "LifecycleHookName=")) {
		q += strlen("LifecycleHookName=");
		names[nnames++] = q;
		q += strcspn(q, "\n");
		if (*q)
			*q++ = '\0';
	}
	/* leaving already (deregistered and drained before the restart): it stays out of its
	 * target groups and ends once its termination hooks complete
	 */
	if (term) {
		asg_instance_terminating(&fg->g, in->id, ASG_TERM_SCALE_IN, now);
		in->to_warm = false;
	}
	if (asg_lifecycle_resume(&fg->g, in->id, token, (const char *const *)names, nnames, now))
		return term;
	if (!fleet_waiting(in->state)) {
		log_info("auto-scaling group %s: %s was held by a %s hook before the restart that "
			 "the configuration no longer has: its wait ends as delete-lifecycle-hook "
			 "ends it (%s)",
			 fg->g.name, in->id, kind, in->abandoned ? "ABANDON" : "CONTINUE");
		return true;
	}
	fleet_tell(fg, fi, term ? "Terminated" : "InService", in);
	log_info("auto-scaling group %s: %s was held by a %s hook before the restart: held "
		 "again in %s, its heartbeat timeout counted from now",
		 fg->g.name, in->id, kind, asg_lifecycle_name(in->state));
	return true;
}

/* Instances a previous xlbd launched for this group: back in service as they were. */
static void fleet_adopt(struct fleet_group *fg)
{
	struct fleet *f = fg->f;
	const struct launcher_instance **v;
	size_t n, i;
	uint64_t now = loop_now();
	int64_t age;

	v = fleet_list(f, &n);
	if (!v)
		return;
	for (i = 0; i < n; i++) {
		const struct launcher_instance *li = v[i];
		struct fleet_inst *fi;
		struct asg_instance *in;

		if (strcmp(li->group, fg->g.name) || li->state == LAUNCHER_TERMINATING ||
		    fleet_inst_find(fg, li->id) || asg_instance_add(&fg->g, li->id, now))
			continue;
		in = asg_instance_find(&fg->g, li->id);
		age = (int64_t)time(NULL) - li->launched;
		if (age > 0 && (uint64_t)age * 1000 < now)
			in->launched_at = now - (uint64_t)age * 1000;
		snprintf(in->launch.name, sizeof(in->launch.name), "%s", li->launch);
		fi = fleet_inst_new(fg, li);
		if (li->state == LAUNCHER_RUNNING && fleet_adopt_wait(fg, fi, in, now)) {
			in->ec2 = ASG_EC2_RUNNING;
		} else if (li->state == LAUNCHER_RUNNING) {
			in->ec2 = ASG_EC2_RUNNING;
			asg_instance_in_service(&fg->g, li->id, in->launched_at);
			/* in Standby before the restart: it stays there, out of its target groups */
			if (!fleet_state_standby(fg, li->id) ||
			    asg_standby(&fg->g, li->id, true, false, now, NULL, 0))
				fleet_register(fg, fi, true);
		}
		fleet_wire(f, li);
		fleet_lo_vips(fg, li);
		log_info("auto-scaling group %s: adopted %s (%s)", fg->g.name, li->id, li->ip4_str);
	}
	free(v);
}

/* Instances no configured group claims: whoever launched them is gone. */
static void fleet_orphans(struct fleet *f)
{
	const struct launcher_instance **v;
	size_t n, i;

	v = fleet_list(f, &n);
	if (!v)
		return;
	for (i = 0; i < n; i++) {
		struct fleet_inst *fi;

		if (v[i]->state == LAUNCHER_TERMINATING || fleet_owner(f, v[i]->id, &fi))
			continue;
		log_info("instance %s: its group %s is not in the configuration: terminating it",
			 v[i]->id, v[i]->group[0] ? v[i]->group : "(none)");
		launcher_terminate(f->launcher, v[i]->id);
	}
	free(v);
}

static int fleet_apply_group(struct fleet *f, const struct model *model, const struct model_asg *m)
{
	struct fleet_group *fg = fleet_group_find(f, m->name);
	char want[ASG_TG_MAX][ASG_NAME_LEN], err[256];
	size_t i, n = 0;
	bool fresh = !fg, policies;
	int e;

	if (!fg) {
		struct fleet_group **v = realloc(f->groups, (f->ngroups + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->groups = v;
		fg = calloc(1, sizeof(*fg));
		if (!fg)
			return -ENOMEM;
		fg->f = f;
		if (activity_log_init(&fg->log, FLEET_ACTIVITIES) ||
		    asg_group_init(&fg->g, m, fleet_wall_offset())) {
			activity_log_free(&fg->log);
			free(fg);
			return -EINVAL;
		}
		fg->created = (int64_t)time(NULL);
		f->groups[f->ngroups++] = fg;
	}
	fg->in_config = true;
	e = fleet_settings(fg, m);
	if (e)
		return e;
	/* the engine reads the model it was made from: a new one with each file */
	fleet_engine(fg, model, m);
	for (i = 0; i < m->ntgs && n < ASG_TG_MAX; i++)
		snprintf(want[n++], ASG_NAME_LEN, "%s", m->tgs[i]->name);
	fleet_lo_vips_find(fg, model, m);
	for (i = 0; i < fg->ninst; i++) {
		const struct launcher_instance *li = launcher_find(f->launcher, fg->inst[i].id);

		if (li && li->state != LAUNCHER_TERMINATING)
			fleet_lo_vips(fg, li);
	}
	if (fresh) {
		/* a restart keeps the runtime changes, but for the fields the file changed since */
		fg->file_min = m->min_size;
		fg->file_max = m->max_size;
		fg->file_desired = m->desired;
		fleet_state_restore(fg, &policies);
		if (policies)
			fleet_engine(fg, model, m);
		fleet_set_tgs(fg, want, n);
		if (!f->applied)
			fleet_adopt(fg);
		fleet_state_restore_done(fg);
		log_info(
			"auto-scaling group %s: min %u, max %u, desired %u, %zu target groups, %zu "
			"instances",
			fg->g.name, fg->g.min_size, fg->g.max_size, fg->g.desired, fg->ntgs,
			fg->g.ninst);
	} else {
		fleet_set_tgs(fg, want, n);
		if (m->min_size != fg->file_min || m->max_size != fg->file_max ||
		    m->desired != fg->file_desired) {
			e = asg_update_sizes(&fg->g, m->min_size, m->max_size,
					     m->desired_given ? (int64_t)m->desired : -1,
					     loop_now(), err, sizeof(err));
			if (e)
				log_error("auto-scaling group %s: %s", fg->g.name, err);
			else
				log_info("auto-scaling group %s: the file sets min %u, max %u, "
					 "desired %u",
					 fg->g.name, fg->g.min_size, fg->g.max_size, fg->g.desired);
			fg->file_min = m->min_size;
			fg->file_max = m->max_size;
			fg->file_desired = m->desired;
		}
	}
	fleet_state_save(fg);
	return 0;
}

int fleet_apply(struct fleet *f, const struct model *m)
{
	char err[256], path[800];
	size_t i;
	int ret = 0, e;

	for (i = 0; i < f->ngroups; i++)
		f->groups[i]->in_config = false;
	f->metrics_ms =
		(uint64_t)(m->settings.metrics_interval_s ? m->settings.metrics_interval_s : 1) *
		1000;
	f->time_scale = m->settings.time_scale >= 1 ? m->settings.time_scale : 1;
	if (f->applied && (memcmp(&f->pool4, m->settings.pool4.bytes, 4) ||
			   f->pool4_len != m->settings.pool4_len))
		log_warn("Xlb.InstanceAddressPool changed: it takes effect when xlbd restarts "
			 "(instances keep their addresses)");
	for (i = 0; i < m->nasgs; i++) {
		e = fleet_apply_group(f, m, &m->asgs[i]);
		if (e) {
			log_error("auto-scaling group %s: %s", m->asgs[i].name, strerror(-e));
			ret = ret ? ret : e;
		}
	}
	for (i = 0; i < f->ngroups; i++) {
		struct fleet_group *fg = f->groups[i];

		if (fg->in_config || (!fg->g.min_size && !fg->g.max_size))
			continue;
		log_info("auto-scaling group %s: no longer in the configuration: deleting it",
			 fg->g.name);
		asg_update_sizes(&fg->g, 0, 0, 0, loop_now(), err, sizeof(err));
		fleet_state_path(fg, path, sizeof(path));
		unlink(path);
	}
	if (!f->applied)
		fleet_orphans(f);
	f->applied = true;
	fleet_soon(f);
	return ret;
}

/* ---- the API's operations ---- */

int fleet_set_desired(struct fleet *f, const char *group, int64_t desired, bool honor_cooldown,
		      char *err, size_t errlen)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	int e;

	if (!fg)
		return -ENOENT;
	if (honor_cooldown && loop_now() < fg->cooldown_until) {
		snprintf(err, errlen,
			 "Scaling activity is in progress and blocks this action (the group's "
			 "cooldown ends in %" PRIu64 " s).",
			 (fg->cooldown_until - loop_now() + 999) / 1000);
		return -EBUSY;
	}
	e = asg_set_desired(&fg->g, desired, loop_now(), err, errlen);
	if (e)
		return e;
	fg->cooldown_until = loop_now() + (uint64_t)((double)fg->cooldown_s * 1000 / f->time_scale);
	log_info("auto-scaling group %s: desired capacity %u (a user request)", fg->g.name,
		 fg->g.desired);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

int fleet_attach(struct fleet *f, const char *group, const char *const *tgs, size_t n, bool attach,
		 char *err, size_t errlen)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	char want[ASG_TG_MAX][ASG_NAME_LEN], name[ASG_NAME_LEN];
	size_t i, j, k = 0;

	if (!fg)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		if (config_arn_name(tgs[i], CONFIG_ARN_TARGET_GROUP, name, sizeof(name)) ||
		    !ctl_has_target_group(f->ctl, name)) {
			snprintf(err, errlen, "target group '%s' not found", tgs[i]);
			return -ESRCH;
		}
	}
	if (attach) {
		memcpy(want, fg->tgs, fg->ntgs * sizeof(want[0]));
		k = fg->ntgs;
	}
	for (i = 0; attach && i < n; i++) {
		config_arn_name(tgs[i], CONFIG_ARN_TARGET_GROUP, name, sizeof(name));
		for (j = 0; j < k && strcmp(want[j], name); j++)
			;
		if (j < k)
			continue;
		if (k == ASG_TG_MAX) {
			snprintf(err, errlen, "a group feeds at most %d target groups", ASG_TG_MAX);
			return -E2BIG;
		}
		snprintf(want[k++], ASG_NAME_LEN, "%s", name);
	}
	for (i = 0; !attach && i < fg->ntgs; i++) {
		for (j = 0; j < n; j++) {
			config_arn_name(tgs[j], CONFIG_ARN_TARGET_GROUP, name, sizeof(name));
			if (!strcmp(name, fg->tgs[i]))
				break;
		}
		if (j == n)
			snprintf(want[k++], ASG_NAME_LEN, "%s", fg->tgs[i]);
	}
	fleet_set_tgs(fg, want, k);
	fleet_soon(f);
	return 0;
}

/* ---- scaling policies put and deleted at run time ---- */

static void fleet_view_free(struct model *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->nalarms; i++)
		free(v->alarms[i].actions);
	free(v->alarms);
	free(v->policies);
	free(v);
}

static void fleet_rtp_clear(struct fleet_rt_policy *r)
{
	free(r->raw);
	free(r->file_raw);
	config_policy_free(r->p);
}

static void fleet_policies_free(struct fleet_group *fg)
{
	size_t i;

	scaling_free(fg->se);
	fg->se = NULL;
	fleet_view_free(fg->view);
	fg->view = NULL;
	for (i = 0; i < fg->nrtp; i++)
		fleet_rtp_clear(&fg->rtp[i]);
	free(fg->rtp);
	fg->rtp = NULL;
	fg->nrtp = 0;
}

static const struct model_policy *fleet_file_policy(const struct model *model,
						    const struct model_asg *m, const char *name)
{
	size_t i;

	for (i = 0; i < model->npolicies; i++)
		if (model->policies[i].asg == m && !strcmp(model->policies[i].name, name))
			return &model->policies[i];
	return NULL;
}

static const struct fleet_rt_policy *fleet_rtp_find(const struct fleet_group *fg, const char *name)
{
	size_t i;

	for (i = 0; i < fg->nrtp; i++)
		if (!strcmp(fg->rtp[i].name, name))
			return &fg->rtp[i];
	return NULL;
}

static bool fleet_same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The policies put and deleted that still hold against model: those whose file policy changed
 * go, the others are read again against this model (its groups and target groups).
 */
static void fleet_rtp_refresh(struct fleet_group *fg, const struct model *model,
			      const struct model_asg *m)
{
	struct config_error cerr;
	size_t i;

	for (i = 0; i < fg->nrtp;) {
		struct fleet_rt_policy *r = &fg->rtp[i];
		const struct model_policy *fp = fleet_file_policy(model, m, r->name);
		struct model_policy *p = NULL;
		bool keep = fleet_same_text(fp ? fp->raw : NULL, r->file_raw);

		if (!keep)
			log_info("auto-scaling group %s: the file's policy %s changed: it replaces "
				 "the one %s at run time",
				 fg->g.name, r->name, r->raw ? "put" : "deleted");
		if (keep && r->raw &&
		    config_policy_parse(model, "put-scaling-policy", r->raw, &p, &cerr)) {
			log_error("auto-scaling group %s: policy %s, put at run time, no longer "
				  "fits the configuration: %s",
				  fg->g.name, r->name, cerr.msg);
			keep = false;
		}
		if (keep) {
			config_policy_free(r->p);
			r->p = p;
			i++;
			continue;
		}
		fleet_rtp_clear(r);
		memmove(r, r + 1, (fg->nrtp - i - 1) * sizeof(*r));
		fg->nrtp--;
	}
}

/* The model the group's engine reads: model as it is, but for the group's policies (the
 * file's, less those put over or deleted, then those put) and its alarms (their actions
 * following the policies by name, as an alarm follows a policy's ARN when it is replaced).
 */
static struct model *fleet_view_make(const struct fleet_group *fg, const struct model *model,
				     const struct model_asg *m)
{
	struct model *v = calloc(1, sizeof(*v));
	size_t i, j, k, np = 0;

	if (!v)
		return NULL;
	*v = *model;
	v->policies = calloc(model->npolicies + fg->nrtp + 1, sizeof(*v->policies));
	v->alarms = calloc(model->nalarms + 1, sizeof(*v->alarms));
	v->nalarms = 0;
	if (!v->policies || !v->alarms) {
		free(v->policies);
		free(v->alarms);
		free(v);
		return NULL;
	}
	for (i = 0; i < model->npolicies; i++)
		if (model->policies[i].asg == m && !fleet_rtp_find(fg, model->policies[i].name))
			v->policies[np++] = model->policies[i];
	for (i = 0; i < fg->nrtp; i++)
		if (fg->rtp[i].p)
			v->policies[np++] = *fg->rtp[i].p;
	v->npolicies = np;
	for (i = 0; i < model->nalarms; i++) {
		const struct model_alarm *a = &model->alarms[i];
		struct model_alarm *c;

		if (a->asg != m)
			continue;
		c = &v->alarms[v->nalarms++];
		*c = *a;
		c->nactions = 0;
		c->actions = calloc(a->nactions + 1, sizeof(*c->actions));
		for (j = 0; c->actions && j < a->nactions; j++)
			for (k = 0; k < np; k++)
				if (!strcmp(v->policies[k].name, a->actions[j]->name))
					c->actions[c->nactions++] = &v->policies[k];
	}
	return v;
}

static void fleet_engine(struct fleet_group *fg, const struct model *model,
			 const struct model_asg *m)
{
	int e;

	scaling_free(fg->se);
	fg->se = NULL;
	fleet_view_free(fg->view);
	fleet_rtp_refresh(fg, model, m);
	fg->view = fleet_view_make(fg, model, m);
	fg->npolicies = fg->view ? fg->view->npolicies : 0;
	e = fg->view ? scaling_new(fg->view, m, &fg->se) : -ENOMEM;
	if (e)
		log_error("auto-scaling group %s: its scaling policies: %s", m->name, strerror(-e));
}

/* The group's record for policy name, made when missing with the file's policy of that name
 * as it is now; NULL when out of memory.
 */
static struct fleet_rt_policy *fleet_rtp_get(struct fleet_group *fg, const struct model *model,
					     const struct model_asg *m, const char *name)
{
	const struct model_policy *fp;
	struct fleet_rt_policy *v;
	size_t i;

	for (i = 0; i < fg->nrtp; i++)
		if (!strcmp(fg->rtp[i].name, name))
			return &fg->rtp[i];
	v = realloc(fg->rtp, (fg->nrtp + 1) * sizeof(*v));
	if (!v)
		return NULL;
	fg->rtp = v;
	v = &fg->rtp[fg->nrtp];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	fp = fleet_file_policy(model, m, name);
	if (fp && fp->raw && !(v->file_raw = strdup(fp->raw)))
		return NULL;
	fg->nrtp++;
	return v;
}

int fleet_put_policy(struct fleet *f, const struct model *model, const char *group,
		     const char *text, char *err, size_t errlen)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	const struct model_asg *m = fg ? model_asg_find(model, fg->g.name) : NULL;
	struct fleet_rt_policy *r;
	struct config_error cerr;
	struct model_policy *p;
	char *raw;
	int e;

	if (!fg || !m || !fg->in_config)
		return -ENOENT;
	e = config_policy_parse(model, "put-scaling-policy", text, &p, &cerr);
	if (e) {
		snprintf(err, errlen, "%s", cerr.count ? cerr.msg : strerror(-e));
		return e;
	}
	if (p->asg != m) {
		snprintf(err, errlen, "the policy names group %s, not %s",
			 p->asg ? p->asg->name : "?", m->name);
		config_policy_free(p);
		return -EINVAL;
	}
	raw = strdup(p->raw);
	r = raw ? fleet_rtp_get(fg, model, m, p->name) : NULL;
	if (!r) {
		free(raw);
		config_policy_free(p);
		return -ENOMEM;
	}
	free(r->raw);
	r->raw = raw;
	log_info("auto-scaling group %s: policy %s put (a user request)", fg->g.name, p->name);
	config_policy_free(p);
	fleet_engine(fg, model, m);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

int fleet_delete_policy(struct fleet *f, const struct model *model, const char *group,
			const char *name)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	const struct model_asg *m = fg ? model_asg_find(model, fg->g.name) : NULL;
	const struct fleet_rt_policy *had;
	struct fleet_rt_policy *r;
	char buf[256];

	if (!fg || !m || !fg->in_config)
		return -ENOENT;
	if (config_arn_name(name, CONFIG_ARN_POLICY, buf, sizeof(buf)))
		return -ESRCH;
	had = fleet_rtp_find(fg, buf);
	if (had ? !had->raw : !fleet_file_policy(model, m, buf))
		return -ESRCH;
	r = fleet_rtp_get(fg, model, m, buf);
	if (!r)
		return -ENOMEM;
	free(r->raw);
	r->raw = NULL;
	config_policy_free(r->p);
	r->p = NULL;
	log_info("auto-scaling group %s: policy %s deleted (a user request)", fg->g.name, buf);
	fleet_engine(fg, model, m);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

static const char *const fleet_policy_types[] = { "SimpleScaling", "StepScaling",
						  "TargetTrackingScaling", "PredictiveScaling" };

/* One DescribePolicies entry: the policy as written, with what AWS adds to it. */
static struct json_object *fleet_policy_json(const struct fleet_group *fg,
					     const struct model_policy *p,
					     struct json_object *alarms)
{
	struct json_object *o = p->raw ? json_tokener_parse(p->raw) : NULL, *al, *a;
	char arn[700];
	size_t i;

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
		if (!o)
			return NULL;
	}
	snprintf(arn, sizeof(arn),
		 "arn:aws:autoscaling:local:000000000000:scalingPolicy:xlb:"
		 "autoScalingGroupName/%s:policyName/%s",
		 fg->g.name, p->name);
	json_object_object_add(o, "AutoScalingGroupName", json_object_new_string(fg->g.name));
	json_object_object_add(o, "PolicyName", json_object_new_string(p->name));
	json_object_object_add(o, "PolicyARN", json_object_new_string(arn));
	json_object_object_add(o, "PolicyType",
			       json_object_new_string(fleet_policy_types[p->type]));
	json_object_object_add(o, "Enabled", json_object_new_boolean(p->enabled));
	al = json_object_new_array();
	/* the alarms that trigger it, as the engine made and linked them */
	for (i = 0; al && i < json_object_array_length(alarms); i++) {
		struct json_object *x = json_object_array_get_idx(alarms, i), *acts = NULL, *nm;
		size_t j;

		json_object_object_get_ex(x, "AlarmActions", &acts);
		for (j = 0; j < json_object_array_length(acts); j++) {
			if (strcmp(json_object_get_string(json_object_array_get_idx(acts, j)),
				   p->name))
				continue;
			a = json_object_new_object();
			if (!a)
				break;
			nm = NULL;
			json_object_object_get_ex(x, "AlarmName", &nm);
			snprintf(arn, sizeof(arn), "arn:aws:cloudwatch:local:000000000000:alarm:%s",
				 json_object_get_string(nm));
			json_object_object_add(a, "AlarmName", json_object_get(nm));
			json_object_object_add(a, "AlarmARN", json_object_new_string(arn));
			json_object_array_add(al, a);
			break;
		}
	}
	json_object_object_add(o, "Alarms", al);
	json_object_object_add(o, "XlbSource",
			       json_object_new_string(fleet_rtp_find(fg, p->name) ?
							      "put-scaling-policy" :
							      "file"));
	return o;
}

int fleet_describe_policies(struct fleet *f, const char *group, const char *const *names, size_t n,
			    struct json_object **out)
{
	struct json_object *data, *list;
	size_t i, j, k;

	if (group && (!fleet_group_find(f, group) || !fleet_group_find(f, group)->in_config))
		return -ENOENT;
	if (api_data_list("ScalingPolicies", &data, &list))
		return -ENOMEM;
	for (i = 0; i < f->ngroups; i++) {
		struct fleet_group *fg = f->groups[i];
		struct json_object *sj, *alarms = NULL;

		if (!fg->in_config || !fg->view || (group && fg != fleet_group_find(f, group)))
			continue;
		sj = fg->se ? scaling_json(fg->se) : NULL;
		json_object_object_get_ex(sj, "MetricAlarms", &alarms);
		for (j = 0; j < fg->view->npolicies; j++) {
			const struct model_policy *p = &fg->view->policies[j];
			char buf[256];
			struct json_object *o;

			for (k = 0; k < n; k++)
				if (!config_arn_name(names[k], CONFIG_ARN_POLICY, buf,
						     sizeof(buf)) &&
				    !strcmp(buf, p->name))
					break;
			if (n && k == n)
				continue;
			o = fleet_policy_json(fg, p, alarms);
			if (o)
				json_object_array_add(list, o);
		}
		json_object_put(sj);
	}
	*out = data;
	return 0;
}

/* ---- instance refresh, MaxInstanceLifetime, and the group verbs ---- */

/* MaxInstanceLifetime and the warm-up in asg.c's ms: TimeScale shortens them as it does the
 * policies' times; without DefaultInstanceWarmup, HealthCheckGracePeriod, as AWS takes it.
 */
void fleet_times(struct fleet_group *fg)
{
	double ts = fg->f->time_scale >= 1 ? fg->f->time_scale : 1;

	fg->g.max_lifetime_ms = (uint64_t)((double)fg->lifetime_s * 1000 / ts);
	fg->g.warmup_ms = fg->warmup_s >= 0 ? (uint64_t)((double)fg->warmup_s * 1000 / ts) :
					      fg->g.grace_ms;
}

/* The refresh moves on (asg.c decides); its status changes are logged. */
static void fleet_refresh_tick(struct fleet_group *fg, uint64_t now)
{
	enum asg_refresh_status before = fg->g.nrefresh ? fg->g.refresh[0].status : 0;
	uint32_t left = fg->g.nrefresh ? fg->g.refresh[0].remaining : 0;
	struct asg_refresh *r = asg_refresh_tick(&fg->g, now);

	if (r && r->status != before)
		log_info("auto-scaling group %s: instance refresh %s is %s%s%s", fg->g.name, r->id,
			 asg_refresh_status_name(r->status), r->reason[0] ? ": " : "", r->reason);
	/* a restart carries on from here */
	if (r && (r->status != before || r->remaining != left))
		fleet_state_save(fg);
}

/* ReplaceUnhealthy suspended: what the health checks found is only marked. */
static void fleet_mark_unhealthy(struct fleet_group *fg, const struct asg_plan *plan)
{
	struct asg_instance *in;
	size_t i;

	for (i = 0; i < plan->nunhealthy; i++) {
		in = asg_instance_find(&fg->g, plan->unhealthy[i]);
		if (!in)
			continue;
		in->health = ASG_UNHEALTHY;
		log_info("auto-scaling group %s: %s is Unhealthy; ReplaceUnhealthy is suspended: "
			 "it stays",
			 fg->g.name, in->id);
	}
}

static int fleet_group_or(struct fleet *f, const char *group, struct fleet_group **fg)
{
	*fg = fleet_group_find(f, group);
	return *fg ? 0 : -ENOENT;
}

int fleet_update(struct fleet *f, const char *group, const struct fleet_update *u, char *err,
		 size_t errlen)
{
	enum model_termination term[8];
	struct fleet_group *fg;
	size_t i, j;
	int e = fleet_group_or(f, group, &fg);

	if (e)
		return e;
	if (u->lifetime_s > 0 && (u->lifetime_s < 86400 || u->lifetime_s > 31536000)) {
		snprintf(err, errlen,
			 "The maximum instance lifetime must be equal to 0 or between 86400 and "
			 "31536000 seconds (xlb: %lld).",
			 (long long)u->lifetime_s);
		return -EINVAL;
	}
	if (u->nterm > 8) {
		snprintf(err, errlen, "TerminationPolicies: at most 8");
		return -EINVAL;
	}
	for (i = 0; i < u->nterm; i++) {
		for (j = MODEL_TERM_DEFAULT; j <= MODEL_TERM_ALLOCATION_STRATEGY; j++)
			if (!strcmp(u->term[i], asg_termination_name((enum model_termination)j)))
				break;
		if (j > MODEL_TERM_ALLOCATION_STRATEGY) {
			snprintf(err, errlen,
				 "TerminationPolicies[%zu]: '%s' is not a termination policy "
				 "(Default, OldestInstance, NewestInstance, "
				 "OldestLaunchConfiguration, OldestLaunchTemplate, "
				 "ClosestToNextInstanceHour, AllocationStrategy)",
				 i, u->term[i]);
			return -EINVAL;
		}
		term[i] = (enum model_termination)j;
	}
	if (u->min_size >= 0 || u->max_size >= 0 || u->desired >= 0) {
		e = asg_update_sizes(&fg->g, u->min_size, u->max_size, u->desired, loop_now(), err,
				     errlen);
		if (e)
			return e;
	}
	if (u->cooldown_s >= 0)
		fg->cooldown_s = (uint32_t)u->cooldown_s;
	if (u->grace_s >= 0)
		fg->g.grace_ms = (uint64_t)u->grace_s * 1000;
	if (u->hc_type >= 0)
		fg->g.hc_type = (enum model_asg_hc)u->hc_type;
	if (u->lifetime_s >= 0)
		fg->lifetime_s = (uint32_t)u->lifetime_s;
	if (u->warmup_s >= 0)
		fg->warmup_s = u->warmup_s;
	if (u->protect >= 0)
		fg->g.protect_new = u->protect;
	if (u->nterm) {
		memcpy(fg->g.term, term, u->nterm * sizeof(term[0]));
		fg->g.nterm = u->nterm;
	}
	fleet_times(fg);
	log_info("auto-scaling group %s: updated by a user request (min %u, max %u, desired %u)",
		 fg->g.name, fg->g.min_size, fg->g.max_size, fg->g.desired);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

int fleet_terminate_instance(struct fleet *f, const char *id, bool decrement,
			     struct json_object **activity, char *err, size_t errlen)
{
	struct fleet_inst *fi = NULL;
	struct fleet_group *fg = fleet_owner(f, id, &fi);
	struct activity *a;
	int e;

	if (!fg)
		return -ENOENT;
	e = asg_terminate_request(&fg->g, id, decrement, loop_now(), err, errlen);
	if (e)
		return e;
	fleet_state_save(fg);
	fleet_reconcile(fg); /* its termination starts now: the reply shows its activity */
	fi = fleet_inst_find(fg, id);
	a = fi ? activity_find(&fg->log, fi->activity) : NULL;
	*activity = a ? activity_json(a) : NULL;
	fleet_soon(f);
	return 0;
}

int fleet_set_health(struct fleet *f, const char *id, const char *status, bool respect_grace,
		     char *err, size_t errlen)
{
	struct fleet_inst *fi = NULL;
	struct fleet_group *fg = fleet_owner(f, id, &fi);
	enum asg_health h;
	int e;

	if (!fg)
		return -ENOENT;
	if (!strcmp(status, "Healthy")) {
		h = ASG_HEALTHY;
	} else if (!strcmp(status, "Unhealthy")) {
		h = ASG_UNHEALTHY;
	} else {
		snprintf(err, errlen, "HealthStatus: 'Healthy' or 'Unhealthy', not '%s'", status);
		return -EINVAL;
	}
	e = asg_set_health(&fg->g, id, h, respect_grace, err, errlen);
	if (e)
		return e;
	log_info("auto-scaling group %s: %s set %s by a user request%s", fg->g.name, id, status,
		 h == ASG_UNHEALTHY && respect_grace ? " (after its grace period)" : "");
	fleet_soon(f);
	return 0;
}

int fleet_standby(struct fleet *f, const char *group, const char *const *ids, size_t n, bool enter,
		  bool decrement, struct json_object **activities, char *err, size_t errlen)
{
	char cause[ACTIVITY_CAUSE_LEN], ts[32];
	struct fleet_group *fg;
	struct fleet_inst *fi;
	struct activity *a;
	uint32_t from;
	size_t i;
	int e = fleet_group_or(f, group, &fg);

	if (e)
		return e;
	for (i = 0; i < n; i++) {
		if (!fleet_inst_find(fg, ids[i])) {
			snprintf(err, errlen,
				 "The instance %s is not part of Auto Scaling group %s.", ids[i],
				 fg->g.name);
			return -EINVAL;
		}
	}
	*activities = json_object_new_array();
	if (!*activities)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		fi = fleet_inst_find(fg, ids[i]);
		from = fg->g.desired;
		e = asg_standby(&fg->g, ids[i], enter, decrement, loop_now(), err, errlen);
		if (e)
			break;
		activity_time(fleet_wall_ms(), false, ts, sizeof(ts));
		if (fg->g.desired != from)
			snprintf(cause, sizeof(cause),
				 "At %s an instance was %s in response to a user request, %s the "
				 "capacity from %u to %u.",
				 ts, enter ? "moved to standby" : "removed from standby",
				 enter ? "shrinking" : "increasing", from, fg->g.desired);
		else
			snprintf(cause, sizeof(cause),
				 "At %s an instance was moved to standby in response to a user "
				 "request.",
				 ts);
		a = activity_record(&fg->log, fg->g.name, false, ids[i], cause, fleet_wall_ms());
		snprintf(a->description, sizeof(a->description), "Moving EC2 instance %s: %s",
			 enter ? "to Standby" : "out of Standby", ids[i]);
		activity_update(&fg->log, a->id, ACTIVITY_SUCCESSFUL, 100, NULL, fleet_wall_ms());
		json_object_array_add(*activities, activity_json(a));
		/* in standby it takes no traffic; out of it, the plan registers it again */
		if (enter && fi->registered)
			fleet_register(fg, fi, false);
		log_info("auto-scaling group %s: %s %s (desired %u)", fg->g.name, ids[i],
			 enter ? "entered Standby" : "left Standby", fg->g.desired);
	}
	fleet_state_save(fg);
	fleet_soon(f);
	if (e) {
		json_object_put(*activities);
		*activities = NULL;
	}
	return e;
}

int fleet_suspend(struct fleet *f, const char *group, const char *const *procs, size_t n,
		  bool suspend, char *err, size_t errlen)
{
	struct fleet_group *fg;
	uint32_t mask = 0;
	size_t i;
	int p, e = fleet_group_or(f, group, &fg);

	if (e)
		return e;
	for (i = 0; i < n; i++) {
		p = asg_process_parse(procs[i]);
		if (p < 0) {
			snprintf(err, errlen,
				 "ScalingProcesses[%zu]: '%s' is not a process (Launch, Terminate, "
				 "HealthCheck, ReplaceUnhealthy, AZRebalance, AlarmNotification, "
				 "ScheduledActions, AddToLoadBalancer, InstanceRefresh)",
				 i, procs[i]);
			return -EINVAL;
		}
		mask |= 1u << p;
	}
	if (!n)
		mask = (1u << ASG_PROC_MAX) - 1;
	for (i = 0; i < ASG_PROC_MAX; i++)
		if ((mask & (1u << i)) && suspend && !asg_suspended(&fg->g, (enum asg_process)i))
			fg->suspended_at[i] = (int64_t)time(NULL);
	if (suspend)
		fg->g.suspended |= mask;
	else
		fg->g.suspended &= ~mask;
	log_info("auto-scaling group %s: processes %s by a user request (suspended now: %#x)",
		 fg->g.name, suspend ? "suspended" : "resumed", fg->g.suspended);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

/* A version 4 uuid, as InstanceRefreshId is. */
static void fleet_uuid(char *out, size_t len)
{
	unsigned char b[16] = { 0 };
	ssize_t got = getrandom(b, sizeof(b), 0);

	if (got != (ssize_t)sizeof(b)) {
		uint64_t t = loop_now() ^ (uint64_t)getpid() << 32;

		memcpy(b, &t, sizeof(t));
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

int fleet_refresh_start(struct fleet *f, const char *group, const struct fleet_refresh_prefs *p,
			char *id, size_t idlen, char *err, size_t errlen)
{
	struct asg_refresh r = { .min_pct = 90, .max_pct = 100 };
	double ts = f->time_scale >= 1 ? f->time_scale : 1;
	struct fleet_group *fg;
	int e = fleet_group_or(f, group, &fg);

	if (e)
		return e;
	if (p->min_pct >= 0)
		r.min_pct = (uint32_t)p->min_pct;
	if (p->max_pct >= 0)
		r.max_pct = (uint32_t)p->max_pct;
	if (p->warmup_s >= 0) {
		r.warmup_s = (uint32_t)p->warmup_s;
		r.warmup_ms = (uint64_t)((double)p->warmup_s * 1000 / ts);
	} else {
		/* DefaultInstanceWarmup, else HealthCheckGracePeriod */
		r.warmup_s = fg->warmup_s >= 0 ? (uint32_t)fg->warmup_s :
						 (uint32_t)(fg->g.grace_ms / 1000);
		r.warmup_ms = fg->g.warmup_ms;
	}
	r.skip_matching = p->skip_matching > 0;
	fleet_uuid(r.id, sizeof(r.id));
	e = asg_refresh_start(&fg->g, &r, loop_now(), err, errlen);
	if (e)
		return e;
	snprintf(id, idlen, "%s", r.id);
	log_info("auto-scaling group %s: instance refresh %s started: %u instances to replace, "
		 "MinHealthyPercentage %u, MaxHealthyPercentage %u, InstanceWarmup %u s",
		 fg->g.name, r.id, fg->g.refresh[0].to_update, r.min_pct, r.max_pct, r.warmup_s);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

int fleet_refresh_cancel(struct fleet *f, const char *group, char *id, size_t idlen)
{
	struct fleet_group *fg;
	int e = fleet_group_or(f, group, &fg);

	if (e)
		return e;
	if (asg_refresh_cancel(&fg->g, loop_now()))
		return -ESRCH;
	snprintf(id, idlen, "%s", fg->g.refresh[0].id);
	log_info("auto-scaling group %s: instance refresh %s is Cancelling", fg->g.name, id);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}
