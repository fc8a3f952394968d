// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What the pieces of the configuration loader share (config.c and user/cfg_*.c); not for use
 * outside them: config.h is the contract. Each group below is one file's exports.
 */
#ifndef XLB_CFG_INTERNAL_H
#define XLB_CFG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "config.h"
#include "model.h"

#define CFG_DEPTH 24 /* JSON path components kept; the schema needs 10 */

#define CFG_MAX_WARNINGS 1000	/* past this, one line says that more were dropped */
#define CFG_USER_DATA_MAX 16384 /* AWS's limit on user data, in raw form */
#define CFG_IMAGE_ID_MAX 128	/* an ImageId, and a key of Xlb.Images */
#define CFG_IMAGE_DIR_MAX 1024	/* a directory image's path (it goes into overlayfs's options) */

struct cfg_comp {
	const char *key; /* member name, or NULL for an array index */
	size_t idx;
};

struct cfg_loc {
	size_t off;
	bool exact; /* the whole path was found, not just a prefix */
};

struct cfg {
	const char *file; /* as named in messages */
	const char *text;
	size_t len;
	struct model *m;
	struct config_error *err;
	struct cfg_comp path[CFG_DEPTH];
	int depth; /* may exceed CFG_DEPTH; deeper parts are not named */
	bool nomem;
	bool warn_dropped;
	const char *name_key; /* member the last object's name came from, for duplicates */
	size_t nfile_lbs;     /* load balancers the file declares (not the implicit one) */
	bool proto_bad;	      /* the listener being read has no valid Protocol */
};

/* What the typed readers return: error reported and nothing stored, member missing or null (the
 * caller keeps its default), value stored.
 */
enum {
	CFG_BAD = -1,
	CFG_ABSENT = 0,
	CFG_OK = 1
};

/* One of names (an index into it); values in unsupported are AWS's but not ours, and why says
 * so in the message.
 */
struct cfg_choice {
	const char *const *names;
	const char *const *unsupported;
	const char *why;
	bool any_case;
};

enum cfg_rule {
	CFG_NAME_ELB, /* load balancers and target groups */
	CFG_NAME_ASG, /* groups, launch configurations, policies, scheduled actions */
	CFG_NAME_LT,  /* launch templates */
};

#define GOT(c, v) cfg_got((c), (v), (char[128]){ 0 }, 128)

#define KNOWN(arr, n)                                                             \
	cfg_known((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), name), \
		  (char[200]){ 0 }, 200)

/* The element of an array of model objects named name, or NULL: FIND(m->tgs, m->ntgs, name) */
#define FIND(arr, n, nm) \
	cfg_find((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), name), (nm))

#define DUP_NAME(c, nm, arr, idx, list, what)                                                     \
	cfg_dup_name((c), (nm), (arr), (idx), sizeof(*(arr)), offsetof(__typeof__(*(arr)), name), \
		     (list), (what))

/* cfg_json.c: where a JSON path starts in the text, and the path at an offset */
bool cfg_is_space(char ch);
size_t cfg_scan_ws(const char *t, size_t n, size_t i);
size_t cfg_scan_string(const char *t, size_t n, size_t i);
size_t cfg_scan_value(const char *t, size_t n, size_t i);
struct cfg_loc cfg_locate(const char *t, size_t n, const struct cfg_comp *path, int depth,
			  bool want_key);
void cfg_linecol(const char *t, size_t n, size_t off, int *line, int *col);
void cfg_path_format(const struct cfg_comp *path, int depth, char *out, size_t len);
void cfg_path_at(const char *t, size_t len, size_t off, char *out, size_t outlen);

/* cfg_diag.c: the path being read, errors and warnings placed at it, allocations */
void cfg_in(struct cfg *c, const char *key);
void cfg_at(struct cfg *c, size_t idx);
void cfg_out(struct cfg *c);
void cfg_cpy(char *dst, size_t size, const char *src);
void cfg_emit_at(struct cfg *c, bool error, size_t off, const char *path, const char *msg);
__attribute__((format(printf, 2, 3))) void cfg_error(struct cfg *c, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void cfg_warn(struct cfg *c, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void cfg_warn_key(struct cfg *c, const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void cfg_missing(struct cfg *c, const char *key,
						       const char *fmt, ...);
int cfg_line_of(struct cfg *c, const char *list, size_t idx);
const char *cfg_got(struct cfg *c, struct json_object *v, char *buf, size_t len);
char *cfg_strdup(struct cfg *c, const char *s);
void *cfg_push(struct cfg *c, void *arr, size_t *n, size_t size);
bool cfg_in_list(const char *const *list, const char *s);
struct model_extra *cfg_extra_add(struct cfg *c, struct model_extras *ex, const char *key,
				  struct json_object *v, bool unknown);
void cfg_finish(struct cfg *c, struct json_object *o, const char *const *typed,
		const char *const *kept, struct model_extras *ex);
/* An API request's JSON text read with the file's readers: it must be an object (else the
 * error "$: expected " what), which fn reads into out with m as the model being built (the
 * caller's scratch one). verb stands for the file in messages. Warnings left on m (fields
 * without effect here) are dropped; errors fill err. Returns 0, -EINVAL or -ENOMEM.
 */
int cfg_request(struct model *m, const char *verb, const char *text, const char *what,
		void (*fn)(struct cfg *c, struct json_object *o, void *out), void *out,
		struct config_error *err);

/* cfg_read.c: typed members, each returning CFG_OK, CFG_ABSENT or CFG_BAD */
struct json_object *cfg_member(struct json_object *o, const char *key);
bool cfg_is_object(struct cfg *c, struct json_object *v, const char *what);
bool cfg_as_int(struct json_object *v, int64_t *out);
int cfg_v_int(struct cfg *c, struct json_object *v, int64_t lo, int64_t hi, int64_t *out);
int cfg_int(struct cfg *c, struct json_object *o, const char *key, int64_t lo, int64_t hi,
	    int64_t *out);
int cfg_u32(struct cfg *c, struct json_object *o, const char *key, uint32_t lo, uint32_t hi,
	    uint32_t *out);
int cfg_double(struct cfg *c, struct json_object *o, const char *key, double lo, double hi,
	       double *out);
int cfg_bool(struct cfg *c, struct json_object *o, const char *key, bool *out);
int cfg_v_str(struct cfg *c, struct json_object *v, size_t minlen, size_t maxlen, const char *what,
	      const char **out);
int cfg_str(struct cfg *c, struct json_object *o, const char *key, size_t minlen, size_t maxlen,
	    const char *what, const char **out);
int cfg_v_enum(struct cfg *c, struct json_object *v, const struct cfg_choice *ch, int *out);
int cfg_enum(struct cfg *c, struct json_object *o, const char *key, const struct cfg_choice *ch,
	     int *out);
int cfg_array(struct cfg *c, struct json_object *o, const char *key, const char *what,
	      struct json_object **arr);
int cfg_v_addr(struct cfg *c, struct json_object *v, const char *what, struct model_addr *a);
bool cfg_addr_eq(const struct model_addr *a, const struct model_addr *b);
const char *cfg_addr_str(const struct model_addr *a, char *buf, size_t len);
char *cfg_user_data(struct cfg *c, const char *s, size_t *len, bool *was_b64);
bool cfg_cron_ok(const char *s);
void cfg_extras_free(struct model_extras *ex);
/* model.c: frees what a policy holds, not the policy itself */
void cfg_policy_clear(struct model_policy *p);
int cfg_need(struct cfg *c, struct json_object *o, const char *key, int ret, const char *expected);
void cfg_dup_name(struct cfg *c, const char *name, const void *arr, size_t idx, size_t size,
		  size_t name_off, const char *list, const char *what);

/* cfg_names.c: naming rules, ARNs, references to other objects of the file */
const char *cfg_arn_example(enum config_arn_kind kind); /* "arn:aws:...NAME" */
int cfg_v_ref(struct cfg *c, struct json_object *v, enum config_arn_kind kind, const char *what,
	      char *buf, size_t len);
char *cfg_obj_name(struct cfg *c, struct json_object *o, const char *const *keys,
		   const char *arn_key, enum config_arn_kind kind, enum cfg_rule rule,
		   const char *what);
void *cfg_find(void *arr, size_t n, size_t size, size_t name_off, const char *name);
const char *cfg_known(const void *arr, size_t n, size_t size, size_t name_off, char *buf,
		      size_t len);
struct model_tg *cfg_v_tg(struct cfg *c, struct json_object *v);
struct model_asg *cfg_v_asg(struct cfg *c, struct json_object *v);
struct model_asg *cfg_asg_member(struct cfg *c, struct json_object *o, const char *key);

/* cfg_lb.c: one element of TargetGroups, Listeners, LoadBalancers */
extern const char *const cfg_protos[];
extern const char *const cfg_tg_algos[];
extern const char *const cfg_sticky_types[];
void cfg_tg(struct cfg *c, struct json_object *o, size_t idx);
extern const char *const cfg_modes[];
void cfg_listener(struct cfg *c, struct json_object *o, struct model_lb *lb, size_t nfile_lbs);
void cfg_lb(struct cfg *c, struct json_object *o, size_t idx);

/* cfg_asg.c: LaunchConfigurations, LaunchTemplates, AutoScalingGroups, Attachments */
void cfg_lc(struct cfg *c, struct json_object *o, size_t idx);
void cfg_lt(struct cfg *c, struct json_object *o, size_t idx);
void cfg_lt_post(struct cfg *c);
extern const char *const cfg_term_names[];
void cfg_asg(struct cfg *c, struct json_object *o, size_t idx);
void cfg_attachment(struct cfg *c, struct json_object *o, size_t idx);

/* cfg_policy.c: ScalingPolicies, ScheduledActions */
extern const char *const cfg_policy_types[];
extern const char *const cfg_metrics[];
char *cfg_raw(struct cfg *c, struct json_object *o);
void cfg_policy(struct cfg *c, struct json_object *o, size_t idx);
void cfg_action(struct cfg *c, struct json_object *o, size_t idx);

/* cfg_alarm.c: MetricAlarms; cfg_alarms_post links them once the policies are read */
extern const char *const cfg_stats[];
void cfg_alarm(struct cfg *c, struct json_object *o, size_t idx);
void cfg_alarms_post(struct cfg *c);

/* cfg_settings.c: the "Xlb" object; then each launch's ImageId resolved to its image */
void cfg_settings_defaults(struct model_settings *s);
void cfg_settings(struct cfg *c, struct json_object *top);

/* cfg_advise.c: warnings that need the whole file */
void cfg_user_data_advice(struct cfg *c, const char *s, size_t len, bool base64);
void cfg_advise(struct cfg *c);
void cfg_lint(struct cfg *c);

#endif /* XLB_CFG_INTERNAL_H */
