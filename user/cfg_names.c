// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Names and references: AWS's naming rules, ARNs and the name inside them, an object's name
 * from its name or ARN member, and the lookup of a referenced target group, group or load
 * balancer with a "this file has: ..." hint when it is not there.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg_internal.h"

static const char *const cfg_rule_text[] = {
	[CFG_NAME_ELB] = "1..32 letters, digits or hyphens, not starting or ending with a hyphen",
	[CFG_NAME_ASG] = "1..255 characters without control characters",
	[CFG_NAME_LT] = "3..128 letters, digits or ( ) . - / _",
};

static bool cfg_name_ok(const char *s, enum cfg_rule rule)
{
	size_t len = strlen(s), i;

	switch (rule) {
	case CFG_NAME_ELB:
		if (len < 1 || len > 32 || s[0] == '-' || s[len - 1] == '-')
			return false;
		for (i = 0; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
				return false;
		return true;
	case CFG_NAME_ASG:
		if (len < 1 || len > 255)
			return false;
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return false;
		return true;
	case CFG_NAME_LT:
		if (len < 3 || len > 128)
			return false;
		for (i = 0; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') || strchr("().-/_", s[i])))
				return false;
		return true;
	}
	return false;
}

static const struct {
	const char *service;
	const char *prefix; /* what the resource part starts with */
	const char *marker; /* the name follows it (NULL: path style, see config_arn_name) */
	const char *example;
} cfg_arns[] = {
	[CONFIG_ARN_TARGET_GROUP] = { "elasticloadbalancing", "targetgroup/", NULL,
				      "arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID" },
	[CONFIG_ARN_LOAD_BALANCER] = { "elasticloadbalancing", "loadbalancer/", NULL,
				       "arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID" },
	[CONFIG_ARN_ASG] = { "autoscaling", "autoScalingGroup:", ":autoScalingGroupName/",
			     "arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME" },
	[CONFIG_ARN_LAUNCH_CONFIG] = { "autoscaling",
				       "launchConfiguration:", ":launchConfigurationName/",
				       "arn:aws:autoscaling:REGION:ACCOUNT:launchConfiguration:UUID:launchConfigurationName/NAME" },
	[CONFIG_ARN_LAUNCH_TEMPLATE] = { "ec2", "launch-template/", NULL,
					 "arn:aws:ec2:REGION:ACCOUNT:launch-template/lt-ID" },
	[CONFIG_ARN_POLICY] = { "autoscaling", "scalingPolicy:", ":policyName/",
				"arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:UUID:autoScalingGroupName/GROUP:policyName/NAME" },
};

const char *cfg_arn_example(enum config_arn_kind kind)
{
	return cfg_arns[kind].example;
}

static int cfg_copy(char *dst, size_t len, const char *src, size_t n)
{
	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int config_arn_name(const char *s, enum config_arn_kind kind, char *name, size_t len)
{
	const char *f[5], *res, *p, *q, *slash;
	int i;

	if ((unsigned int)kind >= sizeof(cfg_arns) / sizeof(cfg_arns[0]))
		return -EINVAL;
	if (strncmp(s, "arn:", 4))
		return cfg_copy(name, len, s, strlen(s));
	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, the resource may hold ':' and '/' */
	p = s + 4;
	for (i = 0; i < 4; i++) {
		f[i] = p;
		q = strchr(p, ':');
		if (!q || q == p)
			return -EINVAL;
		p = q + 1;
	}
	f[4] = res = p;
	if (strncmp(f[0], "aws", 3) ||
	    (size_t)(f[2] - f[1] - 1) != strlen(cfg_arns[kind].service) ||
	    strncmp(f[1], cfg_arns[kind].service, strlen(cfg_arns[kind].service)))
		return -EINVAL;
	if (strncmp(res, cfg_arns[kind].prefix, strlen(cfg_arns[kind].prefix)))
		return -EINVAL;
	p = res + strlen(cfg_arns[kind].prefix);
	switch (kind) {
	case CONFIG_ARN_LOAD_BALANCER:
		if (strncmp(p, "app/", 4) && strncmp(p, "net/", 4))
			return -EINVAL;
		p += 4;
		/* then NAME/ID, as for target groups */
		__attribute__((fallthrough));
	case CONFIG_ARN_TARGET_GROUP:
		slash = strchr(p, '/');
		if (!slash || !slash[1] || strchr(slash + 1, '/'))
			return -EINVAL;
		return cfg_copy(name, len, p, (size_t)(slash - p));
	case CONFIG_ARN_LAUNCH_TEMPLATE:
		if (strncmp(p, "lt-", 3) || strchr(p, '/'))
			return -EINVAL;
		return cfg_copy(name, len, p, strlen(p));
	default:
		q = strstr(p, cfg_arns[kind].marker);
		if (!q)
			return -EINVAL;
		q += strlen(cfg_arns[kind].marker);
		return cfg_copy(name, len, q, strlen(q));
	}
}

/* A reference: a name, or an ARN of that kind; the name lands in buf. */
int cfg_v_ref(struct cfg *c, struct json_object *v, enum config_arn_kind kind, const char *what,
	      char *buf, size_t len)
{
	const char *s;

	if (cfg_v_str(c, v, 1, 1600, what, &s) != CFG_OK)
		return CFG_BAD;
	if (config_arn_name(s, kind, buf, len)) {
		cfg_error(c, "expected %s name or an ARN like %s, got %s", what,
			  cfg_arns[kind].example, GOT(c, v));
		return CFG_BAD;
	}
	return CFG_OK;
}

/* The object's own name: from the first of keys that is present, else from its ARN member.
 * Returns a copy, or NULL after reporting the problem.
 */
char *cfg_obj_name(struct cfg *c, struct json_object *o, const char *const *keys,
		   const char *arn_key, enum config_arn_kind kind, enum cfg_rule rule,
		   const char *what)
{
	char buf[512];
	const char *first = keys[0], *key = NULL, *s;
	struct json_object *v = NULL;
	bool from_arn = false;
	char *ret = NULL;

	for (; *keys && !v; keys++)
		if ((v = cfg_member(o, *keys)))
			key = *keys;
	if (!v && arn_key && (v = cfg_member(o, arn_key))) {
		key = arn_key;
		from_arn = true;
	}
	c->name_key = key;
	if (!v) {
		cfg_missing(c, first, "%s name (%s)", what, cfg_rule_text[rule]);
		return NULL;
	}
	cfg_in(c, key);
	if (cfg_v_str(c, v, 1, 1600, "a string", &s) != CFG_OK)
		goto out;
	if (from_arn && (strncmp(s, "arn:", 4) || config_arn_name(s, kind, buf, sizeof(buf)))) {
		cfg_error(c, "expected an ARN like %s, got %s", cfg_arns[kind].example, GOT(c, v));
		goto out;
	}
	if (!from_arn)
		snprintf(buf, sizeof(buf), "%s", s);
	if (!cfg_name_ok(buf, rule)) {
		cfg_error(c, "expected %s name of %s, got %s", what, cfg_rule_text[rule],
			  GOT(c, v));
		goto out;
	}
	ret = cfg_strdup(c, buf);
out:
	cfg_out(c);
	return ret;
}

/* A list of the names in an array of model objects, for "this file has: ..." hints. */
const char *cfg_known(const void *arr, size_t n, size_t size, size_t name_off, char *buf,
		      size_t len)
{
	size_t i, o = 0, shown = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		const char *name;

		memcpy(&name, (const char *)arr + i * size + name_off, sizeof(name));
		if (!name)
			continue;
		if (shown == 5) {
			o += (size_t)snprintf(buf + o, len - o, ", ...");
			break;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", shown ? ", " : "", name);
		shown++;
	}
	if (!shown)
		snprintf(buf, len, "none");
	return buf;
}

/* The element of arr (n of size bytes) whose name, a char * at name_off, is name; else NULL. */
void *cfg_find(void *arr, size_t n, size_t size, size_t name_off, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *el = (char *)arr + i * size;
		const char *s = *(const char **)(el + name_off);

		if (s && !strcmp(s, name))
			return el;
	}
	return NULL;
}

/* A target group reference at the current path; NULL after reporting. */
struct model_tg *cfg_v_tg(struct cfg *c, struct json_object *v)
{
	char name[512];
	struct model_tg *tg;

	if (cfg_v_ref(c, v, CONFIG_ARN_TARGET_GROUP, "a target group", name, sizeof(name)) !=
	    CFG_OK)
		return NULL;
	tg = FIND(c->m->tgs, c->m->ntgs, name);
	if (!tg)
		cfg_error(c, "expected a target group of this file (%s), got %s",
			  KNOWN(c->m->tgs, c->m->ntgs), GOT(c, v));
	return tg;
}

struct model_asg *cfg_v_asg(struct cfg *c, struct json_object *v)
{
	char name[512];
	struct model_asg *asg;

	if (cfg_v_ref(c, v, CONFIG_ARN_ASG, "an auto-scaling group", name, sizeof(name)) != CFG_OK)
		return NULL;
	asg = FIND(c->m->asgs, c->m->nasgs, name);
	if (!asg)
		cfg_error(c, "expected an auto-scaling group of this file (%s), got %s",
			  KNOWN(c->m->asgs, c->m->nasgs), GOT(c, v));
	return asg;
}

/* The member key of o names an auto-scaling group: required. */
struct model_asg *cfg_asg_member(struct cfg *c, struct json_object *o, const char *key)
{
	struct json_object *v = cfg_member(o, key);
	struct model_asg *asg;

	if (!v) {
		cfg_missing(c, key, "the name or ARN of an auto-scaling group");
		return NULL;
	}
	cfg_in(c, key);
	asg = cfg_v_asg(c, v);
	cfg_out(c);
	return asg;
}
