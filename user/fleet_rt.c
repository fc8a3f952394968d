// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Runtime changes of a group and the state file that keeps them across a restart of xlbd:
 * put-lifecycle-hook, delete-lifecycle-hook, put-warm-pool and delete-warm-pool (each kept until
 * a reload changes that field of the file, as set-desired-capacity is), and RUN_DIR/groups/NAME,
 * which holds every runtime change (sizes, update-auto-scaling-group's settings, suspended
 * processes, policies put or deleted, hooks, the warm pool, standby instances, instance
 * refreshes) beside what the file said when it was made, so that a restarted xlbd applies only
 * what the file has not changed since. The file is written whole to a temporary name and
 * renamed; its last line is a checksum of the others, so a truncated or garbled file is
 * reported and ignored whole (statefile.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "asg.h"
#include "config.h"
#include "fleet.h"
#include "fleet_internal.h"
#include "log.h"
#include "loop.h"
#include "statefile.h"

#define FLEET_STATE_MAGIC "xlb-group-state 2"

/* ---- hooks and the warm pool ---- */

/* A hook as PutLifecycleHook gave it (the API's seconds), as the group runs it: its times
 * TimeScale faster, as the file's hooks' are.
 */
static void fleet_hook_run(const struct fleet *f, const struct model_hook *mh, struct asg_hook *h)
{
	double ts = f->time_scale >= 1 ? f->time_scale : 1;

	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", mh->name);
	snprintf(h->metadata, sizeof(h->metadata), "%s", mh->metadata);
	h->transition = mh->transition;
	h->default_result = mh->default_result;
	h->heartbeat_ms = (uint64_t)((double)mh->heartbeat_s * 1000 / ts);
	h->global_ms =
		(uint64_t)((double)asg_lifecycle_global_ms((uint64_t)mh->heartbeat_s * 1000) / ts);
}

static void fleet_warm_run(const struct model_warm_pool *w, struct asg_warm *out)
{
	memset(out, 0, sizeof(*out));
	out->enabled = w->enabled;
	out->min_size = w->min_size;
	out->max_prepared = w->max_prepared;
	out->running = w->state == MODEL_WARM_RUNNING;
	out->reuse_on_scale_in = w->reuse_on_scale_in;
}

int fleet_hook_put(struct fleet *f, const char *group, const struct model_hook *mh, char *err,
		   size_t errlen)
{
	struct fleet_group *fg = fleet_group_find(f, group);
	struct asg_hook h;

	if (!fg)
		return -ENOENT;
	fleet_hook_run(f, mh, &h);
	if (asg_hook_put(&fg->g, &h)) {
		snprintf(err, errlen,
			 "Unable to create lifecycle hook %s: group %s has %d already, the most "
			 "xlb keeps.",
			 mh->name, fg->g.name, MODEL_HOOKS_MAX);
		return -ENOSPC;
	}
	fg->hooks_put = true;
	log_info("auto-scaling group %s: lifecycle hook %s put (a user request)", fg->g.name,
		 mh->name);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

int fleet_hook_delete(struct fleet *f, const char *group, const char *name, char *err,
		      size_t errlen)
{
	struct fleet_group *fg = fleet_group_find(f, group);

	if (!fg)
		return -ENOENT;
	if (asg_hook_delete(&fg->g, name)) {
		snprintf(err, errlen, "No Lifecycle Hook named %s found for the group %s", name,
			 fg->g.name);
		return -ESRCH;
	}
	fg->hooks_put = true;
	log_info("auto-scaling group %s: lifecycle hook %s deleted (a user request); its waits "
		 "completed",
		 fg->g.name, name);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

int fleet_warm_put(struct fleet *f, const char *group, const struct model_warm_pool *w)
{
	struct fleet_group *fg = fleet_group_find(f, group);

	if (!fg)
		return -ENOENT;
	fleet_warm_run(w, &fg->g.warm);
	fg->warm_put = true;
	log_info("auto-scaling group %s: warm pool put (a user request): MinSize %u, "
		 "MaxGroupPreparedCapacity %" PRId64 ", %s",
		 fg->g.name, w->min_size, w->max_prepared,
		 w->state == MODEL_WARM_RUNNING ? "Running" : "Stopped");
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

int fleet_warm_delete(struct fleet *f, const char *group, char *err, size_t errlen)
{
	struct fleet_group *fg = fleet_group_find(f, group);

	if (!fg)
		return -ENOENT;
	if (!fg->g.warm.enabled) {
		snprintf(err, errlen, "No warm pool found for Auto Scaling group %s.", fg->g.name);
		return -ESRCH;
	}
	/* asg_plan terminates the pool's instances once the pool is gone */
	memset(&fg->g.warm, 0, sizeof(fg->g.warm));
	fg->warm_put = true;
	log_info("auto-scaling group %s: warm pool deleted (a user request); its instances are "
		 "terminated",
		 fg->g.name);
	fleet_state_save(fg);
	fleet_soon(f);
	return 0;
}

static bool fleet_hooks_equal(const struct asg_hook *a, size_t na, const struct asg_hook *b,
			      size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) || a[i].transition != b[i].transition ||
		    a[i].default_result != b[i].default_result ||
		    a[i].heartbeat_ms != b[i].heartbeat_ms || strcmp(a[i].metadata, b[i].metadata))
			return false;
	return true;
}

static bool fleet_warm_equal(const struct asg_warm *a, const struct asg_warm *b)
{
	return a->enabled == b->enabled && a->min_size == b->min_size &&
	       a->max_prepared == b->max_prepared && a->running == b->running &&
	       a->reuse_on_scale_in == b->reuse_on_scale_in;
}

void fleet_rt_settings(struct fleet_group *fg, const struct asg_group *file)
{
	double ts = fg->f->time_scale >= 1 ? fg->f->time_scale : 1;
	struct asg_hook hooks[MODEL_HOOKS_MAX];
	size_t i;

	if (fg->hooks_put &&
	    !fleet_hooks_equal(fg->file_hooks, fg->nfile_hooks, file->hooks, file->nhooks)) {
		log_info(
			"auto-scaling group %s: the file's LifecycleHookSpecificationList changed: "
			"it replaces the hooks put or deleted at run time",
			fg->g.name);
		fg->hooks_put = false;
	}
	if (!fg->hooks_put) {
		memcpy(hooks, file->hooks, sizeof(file->hooks));
		for (i = 0; i < file->nhooks; i++) {
			hooks[i].heartbeat_ms = (uint64_t)((double)hooks[i].heartbeat_ms / ts);
			hooks[i].global_ms = (uint64_t)((double)hooks[i].global_ms / ts);
		}
		/* instances waiting keep their waits by hook name: see asg_hooks_set */
		asg_hooks_set(&fg->g, hooks, file->nhooks);
	}
	memcpy(fg->file_hooks, file->hooks, sizeof(file->hooks));
	fg->nfile_hooks = file->nhooks;
	if (fg->warm_put && !fleet_warm_equal(&fg->file_warm, &file->warm)) {
		log_info("auto-scaling group %s: the file's WarmPoolConfiguration changed: it "
			 "replaces the warm pool put or deleted at run time",
			 fg->g.name);
		fg->warm_put = false;
	}
	if (!fg->warm_put)
		fg->g.warm = file->warm;
	fg->file_warm = file->warm;
}

/* ---- the state file ---- */

void fleet_state_path(const struct fleet_group *fg, char *buf, size_t len)
{
	snprintf(buf, len, "%s/groups/%s", fg->f->run_dir, fg->g.name);
}

static uint64_t fleet_hooks_hash(const struct asg_hook *h, size_t n)
{
	char buf[1400];
	uint64_t x = STATEFILE_FNV_INIT;
	size_t i;
	int len;

	for (i = 0; i < n; i++) {
		len = snprintf(buf, sizeof(buf), "%s\t%d\t%d\t%" PRIu64 "\t%s\n", h[i].name,
			       (int)h[i].transition, (int)h[i].default_result, h[i].heartbeat_ms,
			       h[i].metadata);
		x = statefile_fnv(x, buf, len > 0 ? (size_t)len : 0);
	}
	return x;
}

static uint64_t fleet_warm_hash(const struct asg_warm *w)
{
	char buf[128];
	int len = snprintf(buf, sizeof(buf), "%d %u %" PRId64 " %d %d", w->enabled, w->min_size,
			   w->max_prepared, w->running, w->reuse_on_scale_in);

	return statefile_fnv(STATEFILE_FNV_INIT, buf, len > 0 ? (size_t)len : 0);
}

/* One JSON value on one line (json-c escapes the newlines of strings). */
static void fleet_state_json(FILE *file, const char *key, struct json_object *o)
{
	fprintf(file, "%s=%s\n", key,
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static struct json_object *fleet_hook_json(const struct fleet *f, const struct asg_hook *h)
{
	double ts = f->time_scale >= 1 ? f->time_scale : 1;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "LifecycleHookName", json_object_new_string(h->name));
	json_object_object_add(o, "LifecycleTransition",
			       json_object_new_string(asg_hook_transition_name(h->transition)));
	json_object_object_add(
		o, "HeartbeatTimeout",
		json_object_new_int64((int64_t)((double)h->heartbeat_ms * ts / 1000 + 0.5)));
	json_object_object_add(o, "DefaultResult",
			       json_object_new_string(asg_hook_result_name(h->default_result)));
	json_object_object_add(o, "NotificationMetadata", json_object_new_string(h->metadata));
	return o;
}

static struct json_object *fleet_warm_json(const struct asg_warm *w)
{
	struct json_object *o = json_object_new_object(), *r = json_object_new_object();

	json_object_object_add(o, "MinSize", json_object_new_int64(w->min_size));
	json_object_object_add(o, "MaxGroupPreparedCapacity",
			       json_object_new_int64(w->max_prepared));
	json_object_object_add(o, "PoolState",
			       json_object_new_string(w->running ? "Running" : "Stopped"));
	json_object_object_add(r, "ReuseOnScaleIn", json_object_new_boolean(w->reuse_on_scale_in));
	json_object_object_add(o, "InstanceReusePolicy", r);
	return o;
}

static struct json_object *fleet_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* A refresh with its times on the wall clock (ms) and, while it runs, the instances it has
 * yet to replace.
 */
static struct json_object *fleet_refresh_json(const struct fleet_group *fg,
					      const struct asg_refresh *r, bool active)
{
	struct json_object *o = json_object_new_object(), *old = json_object_new_array();
	int64_t off = fg->g.wall_offset_ms;
	size_t i;

	json_object_object_add(o, "Id", json_object_new_string(r->id));
	json_object_object_add(o, "Status", json_object_new_int((int)r->status));
	json_object_object_add(o, "Reason", json_object_new_string(r->reason));
	json_object_object_add(o, "Min", json_object_new_int64(r->min_pct));
	json_object_object_add(o, "Max", json_object_new_int64(r->max_pct));
	json_object_object_add(o, "Warmup", json_object_new_int64(r->warmup_s));
	json_object_object_add(o, "Skip", json_object_new_boolean(r->skip_matching));
	json_object_object_add(o, "Start", json_object_new_int64((int64_t)r->start + off));
	json_object_object_add(o, "End", json_object_new_int64(r->end ? (int64_t)r->end + off : 0));
	json_object_object_add(o, "ToUpdate", json_object_new_int64(r->to_update));
	json_object_object_add(o, "Remaining", json_object_new_int64(r->remaining));
	json_object_object_add(o, "Pct", json_object_new_int64(r->pct));
	json_object_object_add(o, "Failures", json_object_new_int64(r->failures));
	for (i = 0; active && i < fg->g.ninst; i++)
		if (fg->g.inst[i].refresh_old)
			json_object_array_add(old, json_object_new_string(fg->g.inst[i].id));
	json_object_object_add(o, "Old", old);
	return o;
}

static bool fleet_refresh_running(enum asg_refresh_status s)
{
	return s == ASG_REFRESH_PENDING || s == ASG_REFRESH_IN_PROGRESS ||
	       s == ASG_REFRESH_CANCELLING;
}

static void fleet_state_write(const struct fleet_group *fg, FILE *file)
{
	const struct asg_group *g = &fg->g;
	struct json_object *o;
	size_t i;
	bool first = true;

	fprintf(file, FLEET_STATE_MAGIC "\n");
	fprintf(file, "min=%u\nmax=%u\ndesired=%u\nfile_min=%u\nfile_max=%u\nfile_desired=%u\n",
		g->min_size, g->max_size, g->desired, fg->file_min, fg->file_max, fg->file_desired);
	fprintf(file,
		"cooldown=%u\nfile_cooldown=%u\ngrace=%" PRIu64 "\nfile_grace=%u\nhc=%d\n"
		"file_hc=%d\nlifetime=%u\nfile_lifetime=%u\nwarmup=%" PRId64
		"\nfile_warmup=%" PRId64 "\nprotect=%d\nfile_protect=%d\nsuspended=%u\nterm=",
		fg->cooldown_s, fg->file.cooldown_s, g->grace_ms / 1000, fg->file.grace_s,
		(int)g->hc_type, (int)fg->file.hc, fg->lifetime_s, fg->file.lifetime_s,
		fg->warmup_s, fg->file.warmup_s, g->protect_new, fg->file.protect, g->suspended);
	for (i = 0; i < g->nterm; i++)
		fprintf(file, "%s%d", i ? "," : "", (int)g->term[i]);
	fprintf(file, "\nfile_term=");
	for (i = 0; i < fg->file.nterm; i++)
		fprintf(file, "%s%d", i ? "," : "", (int)fg->file.term[i]);
	fprintf(file, "\nhooks_put=%d\nfile_hooks=%016" PRIx64 "\n", fg->hooks_put,
		fleet_hooks_hash(fg->file_hooks, fg->nfile_hooks));
	for (i = 0; fg->hooks_put && i < g->nhooks; i++)
		fleet_state_json(file, "hook", fleet_hook_json(fg->f, &g->hooks[i]));
	fprintf(file, "warm_put=%d\nfile_warm=%016" PRIx64 "\n", fg->warm_put,
		fleet_warm_hash(&fg->file_warm));
	if (fg->warm_put && g->warm.enabled)
		fleet_state_json(file, "warm", fleet_warm_json(&g->warm));
	for (i = 0; i < fg->nrtp; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "PolicyName", json_object_new_string(fg->rtp[i].name));
		json_object_object_add(o, "Raw", fleet_str_or_null(fg->rtp[i].raw));
		json_object_object_add(o, "FileRaw", fleet_str_or_null(fg->rtp[i].file_raw));
		fleet_state_json(file, "policy", o);
	}
	fprintf(file, "standby=");
	for (i = 0; i < g->ninst; i++) {
		if (g->inst[i].state != ASG_STANDBY)
			continue;
		fprintf(file, "%s%s", first ? "" : ",", g->inst[i].id);
		first = false;
	}
	fprintf(file, "\n");
	/* the oldest first, so that reading them back pushes them in their order */
	for (i = g->nrefresh; i-- > 0;)
		fleet_state_json(
			file, "refresh",
			fleet_refresh_json(fg, &g->refresh[i],
					   i == 0 && fleet_refresh_running(g->refresh[i].status)));
}

void fleet_state_save(const struct fleet_group *fg)
{
	char path[800], what[160], *text = NULL;
	size_t len = 0;
	FILE *mem;

	mem = open_memstream(&text, &len);
	if (!mem)
		return;
	fleet_state_write(fg, mem);
	if (!fclose(mem) && text) {
		fleet_state_path(fg, path, sizeof(path));
		snprintf(what, sizeof(what), "auto-scaling group %s", fg->g.name);
		statefile_save(path, text, len, what);
	}
	free(text);
}

/* "1,3" into policies; the count. */
static size_t fleet_terms(const char *s, enum model_termination *v, size_t max)
{
	size_t n = 0;
	char *end;

	while (*s && n < max) {
		long t = strtol(s, &end, 10);

		if (end == s || t < MODEL_TERM_DEFAULT || t > MODEL_TERM_ALLOCATION_STRATEGY)
			break;
		v[n++] = (enum model_termination)t;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* Everything the file holds, read before anything is applied. */
struct fleet_saved {
	long long v[32];
	bool has[32];
	enum model_termination term[8], fterm[8];
	size_t nterm, nfterm;
	bool has_term;
	struct json_object *hooks, *warm, *policies, *refreshes; /* arrays */
	char *standby;
	bool bad;
};

static const char *const fleet_saved_keys[] = {
	"min",	     "max",	      "desired",    "file_min",	   "file_max",	"file_desired",
	"cooldown",  "file_cooldown", "grace",	    "file_grace",  "hc",	"file_hc",
	"lifetime",  "file_lifetime", "warmup",	    "file_warmup", "protect",	"file_protect",
	"suspended", "hooks_put",     "file_hooks", "warm_put",	   "file_warm", NULL
};

enum {
	FS_MIN,
	FS_MAX,
	FS_DESIRED,
	FS_FILE_MIN,
	FS_FILE_MAX,
	FS_FILE_DESIRED,
	FS_COOLDOWN,
	FS_FILE_COOLDOWN,
	FS_GRACE,
	FS_FILE_GRACE,
	FS_HC,
	FS_FILE_HC,
	FS_LIFETIME,
	FS_FILE_LIFETIME,
	FS_WARMUP,
	FS_FILE_WARMUP,
	FS_PROTECT,
	FS_FILE_PROTECT,
	FS_SUSPENDED,
	FS_HOOKS_PUT,
	FS_FILE_HOOKS,
	FS_WARM_PUT,
	FS_FILE_WARM,
};

static void fleet_saved_free(struct fleet_saved *s)
{
	json_object_put(s->hooks);
	json_object_put(s->warm);
	json_object_put(s->policies);
	json_object_put(s->refreshes);
	free(s->standby);
	memset(s, 0, sizeof(*s));
}

static int fleet_saved_json(struct json_object **arr, const char *val)
{
	struct json_object *o = json_tokener_parse(val);

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EINVAL;
	}
	if (!*arr)
		*arr = json_object_new_array();
	json_object_array_add(*arr, o);
	return 0;
}

/* Parses text (a whole file); false, with s->bad, when a line does not read. */
static bool fleet_saved_parse(char *text, struct fleet_saved *s)
{
	char *cursor = strchr(text, '\n'), *line, *eq, *end;
	size_t k;
	int e;

	memset(s, 0, sizeof(*s));
	cursor = cursor ? cursor + 1 : NULL;
	while ((e = statefile_next(&cursor, &line, &eq)) > 0) {
		if (!strcmp(line, "term")) {
			s->nterm = fleet_terms(eq, s->term, 8);
			s->has_term = true;
		} else if (!strcmp(line, "file_term")) {
			s->nfterm = fleet_terms(eq, s->fterm, 8);
		} else if (!strcmp(line, "hook")) {
			if (fleet_saved_json(&s->hooks, eq))
				goto bad;
		} else if (!strcmp(line, "warm")) {
			if (fleet_saved_json(&s->warm, eq))
				goto bad;
		} else if (!strcmp(line, "policy")) {
			if (fleet_saved_json(&s->policies, eq))
				goto bad;
		} else if (!strcmp(line, "refresh")) {
			if (fleet_saved_json(&s->refreshes, eq))
				goto bad;
		} else if (!strcmp(line, "standby")) {
			free(s->standby);
			s->standby = strdup(eq);
		} else {
			for (k = 0; fleet_saved_keys[k] && strcmp(line, fleet_saved_keys[k]); k++)
				;
			if (!fleet_saved_keys[k])
				goto bad;
			errno = 0;
			s->v[k] = k == FS_FILE_HOOKS || k == FS_FILE_WARM ?
					  (long long)strtoull(eq, &end, 16) :
					  strtoll(eq, &end, 10);
			if (end == eq || *end || errno)
				goto bad;
			s->has[k] = true;
		}
	}
	if (e)
		goto bad;
	for (k = FS_MIN; k <= FS_SUSPENDED; k++)
		if (!s->has[k])
			goto bad;
	return true;
bad:
	s->bad = true;
	return false;
}

static size_t fleet_alen(struct json_object *a)
{
	return a ? json_object_array_length(a) : 0;
}

static int64_t fleet_json_int(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return json_object_get_int64(v);
}

static const char *fleet_json_str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Hooks and the warm pool put at run time, when the file's are still the ones they were put
 * over; the policies (fleet_engine reads them again, dropping those whose file policy changed).
 */
static void fleet_saved_apply_rt(struct fleet_group *fg, const struct fleet_saved *s)
{
	const char *const verb[] = { "state file hook", "state file warm pool" };
	struct asg_hook hooks[MODEL_HOOKS_MAX];
	struct config_error cerr;
	struct model_warm_pool w;
	struct model_hook mh;
	size_t i, n = 0;

	if (s->v[FS_HOOKS_PUT] &&
	    (uint64_t)s->v[FS_FILE_HOOKS] == fleet_hooks_hash(fg->file_hooks, fg->nfile_hooks)) {
		for (i = 0; i < fleet_alen(s->hooks) && n < MODEL_HOOKS_MAX; i++) {
			const char *t =
				json_object_to_json_string(json_object_array_get_idx(s->hooks, i));

			if (config_hook_parse(verb[0], t, &mh, &cerr))
				break;
			fleet_hook_run(fg->f, &mh, &hooks[n++]);
		}
		if (i == fleet_alen(s->hooks)) {
			asg_hooks_set(&fg->g, hooks, n);
			fg->hooks_put = true;
		} else {
			log_warn(
				"auto-scaling group %s: a lifecycle hook of its state file does not "
				"read (%s): the file's hooks are used",
				fg->g.name, cerr.msg);
		}
	}
	if (s->v[FS_WARM_PUT] && (uint64_t)s->v[FS_FILE_WARM] == fleet_warm_hash(&fg->file_warm)) {
		struct json_object *o =
			fleet_alen(s->warm) ? json_object_array_get_idx(s->warm, 0) : NULL;

		if (!o) {
			memset(&fg->g.warm, 0, sizeof(fg->g.warm));
			fg->warm_put = true;
		} else if (!config_warm_parse(verb[1], json_object_to_json_string(o), &w, &cerr)) {
			fleet_warm_run(&w, &fg->g.warm);
			fg->warm_put = true;
		} else {
			log_warn(
				"auto-scaling group %s: the warm pool of its state file does not read "
				"(%s): the file's warm pool is used",
				fg->g.name, cerr.msg);
		}
	}
	for (i = 0; i < fleet_alen(s->policies); i++) {
		struct json_object *o = json_object_array_get_idx(s->policies, i);
		const char *name = fleet_json_str(o, "PolicyName"), *raw = fleet_json_str(o, "Raw"),
			   *file_raw = fleet_json_str(o, "FileRaw");
		struct fleet_rt_policy *v;

		if (!name || strlen(name) >= sizeof(v->name))
			continue;
		v = realloc(fg->rtp, (fg->nrtp + 1) * sizeof(*v));
		if (!v)
			break;
		fg->rtp = v;
		v = &fg->rtp[fg->nrtp++];
		memset(v, 0, sizeof(*v));
		snprintf(v->name, sizeof(v->name), "%s", name);
		v->raw = raw ? strdup(raw) : NULL;
		v->file_raw = file_raw ? strdup(file_raw) : NULL;
	}
}

static void fleet_saved_apply(struct fleet_group *fg, const struct fleet_saved *s)
{
	const long long *v = s->v;
	size_t k;

	/* the sizes together, when the file's three are what they were */
	if (v[FS_FILE_MIN] == fg->file_min && v[FS_FILE_MAX] == fg->file_max &&
	    v[FS_FILE_DESIRED] == fg->file_desired && v[FS_MIN] >= 0 &&
	    v[FS_MIN] <= v[FS_DESIRED] && v[FS_DESIRED] <= v[FS_MAX] && v[FS_MAX] <= 100000) {
		fg->g.min_size = (uint32_t)v[FS_MIN];
		fg->g.max_size = (uint32_t)v[FS_MAX];
		fg->g.desired = (uint32_t)v[FS_DESIRED];
	}
	if (v[FS_FILE_COOLDOWN] == fg->file.cooldown_s && v[FS_COOLDOWN] >= 0)
		fg->cooldown_s = (uint32_t)v[FS_COOLDOWN];
	if (v[FS_FILE_GRACE] == fg->file.grace_s && v[FS_GRACE] >= 0)
		fg->g.grace_ms = (uint64_t)v[FS_GRACE] * 1000;
	if (v[FS_FILE_HC] == (long long)fg->file.hc)
		fg->g.hc_type = v[FS_HC] ? MODEL_ASG_HC_ELB : MODEL_ASG_HC_EC2;
	if (v[FS_FILE_LIFETIME] == fg->file.lifetime_s && v[FS_LIFETIME] >= 0)
		fg->lifetime_s = (uint32_t)v[FS_LIFETIME];
	if (v[FS_FILE_WARMUP] == fg->file.warmup_s)
		fg->warmup_s = v[FS_WARMUP];
	if (v[FS_FILE_PROTECT] == fg->file.protect)
		fg->g.protect_new = v[FS_PROTECT] != 0;
	fg->g.suspended = (uint32_t)v[FS_SUSPENDED] & ((1u << ASG_PROC_MAX) - 1);
	if (s->has_term && s->nterm && s->nfterm == fg->file.nterm &&
	    !memcmp(s->fterm, fg->file.term, s->nfterm * sizeof(s->fterm[0]))) {
		memcpy(fg->g.term, s->term, s->nterm * sizeof(s->term[0]));
		fg->g.nterm = s->nterm;
	}
	for (k = 0; k < ASG_PROC_MAX; k++)
		if (fg->g.suspended & (1u << k))
			fg->suspended_at[k] = (int64_t)time(NULL);
	fleet_saved_apply_rt(fg, s);
	fleet_times(fg);
}

/* The refreshes, the newest last in the file; a running one carries on with the instances it
 * had yet to replace (those adopted: the others are gone).
 */
static void fleet_saved_refreshes(struct fleet_group *fg, const struct fleet_saved *s)
{
	double ts = fg->f->time_scale >= 1 ? fg->f->time_scale : 1;
	int64_t off = fg->g.wall_offset_ms;
	struct asg_group *g = &fg->g;
	size_t i, j, n = fleet_alen(s->refreshes);

	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(s->refreshes, i), *old = NULL;
		struct asg_refresh *r;
		const char *id = fleet_json_str(o, "Id"), *why = fleet_json_str(o, "Reason");
		int64_t st = fleet_json_int(o, "Status"), t;

		if (!id || st < 0 || st >= ASG_REFRESH_STATUS_MAX)
			continue;
		memmove(&g->refresh[1], &g->refresh[0],
			(ASG_REFRESH_KEEP - 1) * sizeof(g->refresh[0]));
		if (g->nrefresh < ASG_REFRESH_KEEP)
			g->nrefresh++;
		r = &g->refresh[0];
		memset(r, 0, sizeof(*r));
		snprintf(r->id, sizeof(r->id), "%s", id);
		snprintf(r->reason, sizeof(r->reason), "%s", why ? why : "");
		r->status = (enum asg_refresh_status)st;
		r->min_pct = (uint32_t)fleet_json_int(o, "Min");
		r->max_pct = (uint32_t)fleet_json_int(o, "Max");
		r->warmup_s = (uint32_t)fleet_json_int(o, "Warmup");
		r->warmup_ms = (uint64_t)((double)r->warmup_s * 1000 / ts);
		r->skip_matching = fleet_json_int(o, "Skip") != 0;
		t = fleet_json_int(o, "Start") - off;
		r->start = t > 0 ? (uint64_t)t : 0;
		t = fleet_json_int(o, "End");
		r->end = t ? (t - off > 0 ? (uint64_t)(t - off) : 1) : 0;
		r->to_update = (uint32_t)fleet_json_int(o, "ToUpdate");
		r->remaining = (uint32_t)fleet_json_int(o, "Remaining");
		r->pct = (uint32_t)fleet_json_int(o, "Pct");
		r->failures = (unsigned int)fleet_json_int(o, "Failures");
		if (i + 1 < n || !fleet_refresh_running(r->status))
			continue;
		json_object_object_get_ex(o, "Old", &old);
		for (j = 0; j < fleet_alen(old); j++) {
			struct asg_instance *in = asg_instance_find(
				g, json_object_get_string(json_object_array_get_idx(old, j)));

			if (in)
				in->refresh_old = true;
		}
		log_info("auto-scaling group %s: instance refresh %s carries on after the restart "
			 "(%u instances left to replace)",
			 g->name, r->id, r->remaining);
	}
}

void fleet_state_restore(struct fleet_group *fg, bool *policies)
{
	struct fleet_saved *s = calloc(1, sizeof(*s));
	char path[800], what[160], *text;

	fleet_state_path(fg, path, sizeof(path));
	snprintf(what, sizeof(what), "auto-scaling group %s", fg->g.name);
	text = statefile_load(path, FLEET_STATE_MAGIC, what);
	*policies = false;
	if (!s || !text)
		goto out;
	if (!fleet_saved_parse(text, s)) {
		log_warn("auto-scaling group %s: state file %s ignored (a line does not read): "
			 "the configuration's values are used",
			 fg->g.name, path);
		goto out;
	}
	fleet_saved_apply(fg, s);
	*policies = fg->nrtp > 0;
	fg->saved = s;
	s = NULL;
out:
	if (s)
		fleet_saved_free(s);
	free(s);
	free(text);
}

bool fleet_state_standby(const struct fleet_group *fg, const char *id)
{
	const char *p = fg->saved ? fg->saved->standby : NULL;
	size_t n = strlen(id);

	for (; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, id, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

void fleet_state_restore_done(struct fleet_group *fg)
{
	if (!fg->saved)
		return;
	fleet_saved_refreshes(fg, fg->saved);
	fleet_saved_free(fg->saved);
	free(fg->saved);
	fg->saved = NULL;
}
