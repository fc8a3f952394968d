// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Instance types, launch configurations and launch templates (with their versions),
 * auto-scaling groups (capacities, target groups, tags, termination policies) and attachments.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cfg_internal.h"

/* AWS's figures. Burstable types (t2, t3) sustain baseline_pct of each vCPU; the launcher turns
 * vCPUs x baseline into a cgroup CPU quota scaled to this host.
 */
static const struct model_instance_type config_itypes[] = {
	{ "t2.nano", 1, 512, 5 },	{ "t2.micro", 1, 1024, 10 },
	{ "t2.small", 1, 2048, 20 },	{ "t2.medium", 2, 4096, 20 },
	{ "t3.nano", 2, 512, 5 },	{ "t3.micro", 2, 1024, 10 },
	{ "t3.small", 2, 2048, 20 },	{ "t3.medium", 2, 4096, 20 },
	{ "t3.large", 2, 8192, 30 },	{ "t3.xlarge", 4, 16384, 40 },
	{ "t3.2xlarge", 8, 32768, 40 }, { "m5.large", 2, 8192, 100 },
	{ "m5.xlarge", 4, 16384, 100 }, { "c5.large", 2, 4096, 100 },
	{ "c5.xlarge", 4, 8192, 100 },
};

const struct model_instance_type *config_instance_types(size_t *n)
{
	*n = sizeof(config_itypes) / sizeof(config_itypes[0]);
	return config_itypes;
}

const struct model_instance_type *config_instance_type(const char *name)
{
	size_t i, n;
	const struct model_instance_type *t = config_instance_types(&n);

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static const char *cfg_itype_list(void)
{
	static char buf[256];
	size_t i, n, o = 0;
	const struct model_instance_type *t = config_instance_types(&n);

	if (!buf[0])
		for (i = 0; i < n && o < sizeof(buf); i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "",
					      t[i].name);
	return buf;
}

/* InstanceType and UserData, shared by launch configurations and template data. */
static void cfg_launch_spec(struct cfg *c, struct json_object *o, struct model_launch *l)
{
	struct json_object *v = cfg_member(o, "InstanceType");
	const char *s;

	if (!v) {
		cfg_missing(c, "InstanceType", "an instance type (%s)", cfg_itype_list());
	} else {
		cfg_in(c, "InstanceType");
		if (cfg_v_str(c, v, 1, 64, "an instance type", &s) == CFG_OK) {
			l->itype = config_instance_type(s);
			if (!l->itype)
				cfg_error(c,
					  "expected an instance type of xlb's table (%s), got %s",
					  cfg_itype_list(), GOT(c, v));
			else
				l->instance_type = cfg_strdup(c, s);
		}
		cfg_out(c);
	}
	if (cfg_str(c, o, "UserData", 0, 4 * CFG_USER_DATA_MAX, "a boot script, or its base64",
		    &s) == CFG_OK) {
		l->user_data = cfg_user_data(c, s, &l->user_data_len, &l->user_data_was_base64);
		if (l->user_data_len > CFG_USER_DATA_MAX) {
			cfg_in(c, "UserData");
			cfg_error(c,
				  "expected at most %d bytes of user data (AWS's limit), got %zu",
				  CFG_USER_DATA_MAX, l->user_data_len);
			cfg_out(c);
		}
		if (l->user_data)
			cfg_user_data_advice(c, l->user_data, l->user_data_len,
					     l->user_data_was_base64);
	}
	/* its directory comes from Xlb.Images, read later (cfg_images_resolve) */
	if (cfg_str(c, o, "ImageId", 1, CFG_IMAGE_ID_MAX,
		    "an image id such as ami-0abcdef1234567890", &s) == CFG_OK)
		l->image_id = cfg_strdup(c, s);
}

static const char *const cfg_lc_typed[] = { "LaunchConfigurationName",
					    "LaunchConfigurationARN",
					    "InstanceType",
					    "UserData",
					    "InstanceId",
					    "ImageId",
					    NULL };
static const char *const cfg_lc_kept[] = { "KeyName",
					   "SecurityGroups",
					   "ClassicLinkVPCId",
					   "ClassicLinkVPCSecurityGroups",
					   "IamInstanceProfile",
					   "InstanceMonitoring",
					   "SpotPrice",
					   "EbsOptimized",
					   "AssociatePublicIpAddress",
					   "PlacementTenancy",
					   "BlockDeviceMappings",
					   "MetadataOptions",
					   "KernelId",
					   "RamdiskId",
					   "CreatedTime",
					   NULL };

void cfg_lc(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "LaunchConfigurationName", NULL };
	struct model *m = c->m;
	struct model_launch *lc = cfg_push(c, &m->lcs, &m->nlcs, sizeof(*lc));

	if (!lc || !cfg_is_object(c, o, "a launch configuration object"))
		return;
	lc->kind = MODEL_LAUNCH_CONFIGURATION;
	lc->name = cfg_obj_name(c, o, names, "LaunchConfigurationARN", CONFIG_ARN_LAUNCH_CONFIG,
				CFG_NAME_ASG, "a launch configuration");
	DUP_NAME(c, lc->name, m->lcs, idx, "LaunchConfigurations", "launch configuration");
	if (cfg_member(o, "InstanceId")) {
		cfg_in(c, "InstanceId");
		cfg_error(
			c,
			"expected InstanceType and UserData: launch configurations copied from an instance are not supported here");
		cfg_out(c);
	}
	cfg_launch_spec(c, o, lc);
	cfg_finish(c, o, cfg_lc_typed, cfg_lc_kept, &lc->extras);
}

static const char *const cfg_lt_typed[] = { "LaunchTemplateName",
					    "LaunchTemplateId",
					    "VersionNumber",
					    "DefaultVersion",
					    "LaunchTemplateData",
					    "SourceVersion",
					    NULL };
static const char *const cfg_lt_kept[] = {
	"VersionDescription", "TagSpecifications", "CreatedBy", "CreateTime",
	"ClientToken",	      "Operator",	   NULL
};
static const char *const cfg_ltd_typed[] = { "InstanceType", "UserData", "ImageId", NULL };
static const char *const cfg_ltd_kept[] = { "KeyName",
					    "SecurityGroupIds",
					    "SecurityGroups",
					    "NetworkInterfaces",
					    "BlockDeviceMappings",
					    "IamInstanceProfile",
					    "TagSpecifications",
					    "Monitoring",
					    "MetadataOptions",
					    "Placement",
					    "CreditSpecification",
					    "EbsOptimized",
					    "InstanceMarketOptions",
					    "CpuOptions",
					    "DisableApiTermination",
					    "DisableApiStop",
					    "InstanceInitiatedShutdownBehavior",
					    "KernelId",
					    "RamdiskId",
					    "PrivateDnsNameOptions",
					    "MaintenanceOptions",
					    "CapacityReservationSpecification",
					    "HibernationOptions",
					    "EnclaveOptions",
					    "LicenseSpecifications",
					    "ElasticGpuSpecifications",
					    "ElasticInferenceAccelerators",
					    "InstanceRequirements",
					    "NetworkPerformanceOptions",
					    "Operator",
					    NULL };

static bool cfg_lt_id_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 3 && len <= 20 && !strncmp(s, "lt-", 3) &&
	       strspn(s + 3, "0123456789abcdef") == len - 3;
}

/* One launch template version; entries with the same name are versions of one template. */
void cfg_lt(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "LaunchTemplateName", NULL };
	struct model *m = c->m;
	struct model_launch *lt = cfg_push(c, &m->lts, &m->nlts, sizeof(*lt)), *other;
	struct json_object *data;
	uint32_t version = 0;
	const char *s;
	size_t j;

	if (!lt || !cfg_is_object(c, o, "a launch template object"))
		return;
	lt->kind = MODEL_LAUNCH_TEMPLATE;
	if (cfg_str(c, o, "LaunchTemplateId", 4, 20,
		    "a launch template id such as lt-0abcdef1234567890", &s) == CFG_OK) {
		cfg_in(c, "LaunchTemplateId");
		if (!cfg_lt_id_ok(s))
			cfg_error(c, "expected \"lt-\" and up to 17 hex digits, got %s",
				  GOT(c, cfg_member(o, "LaunchTemplateId")));
		else
			lt->template_id = cfg_strdup(c, s);
		cfg_out(c);
	}
	if (!cfg_member(o, "LaunchTemplateName") && lt->template_id) {
		/* a later version may name its template by id only */
		for (j = 0; j < idx && !lt->name; j++)
			if (m->lts[j].template_id && m->lts[j].name &&
			    !strcmp(m->lts[j].template_id, lt->template_id))
				lt->name = cfg_strdup(c, m->lts[j].name);
	}
	if (!lt->name)
		lt->name = cfg_obj_name(c, o, names, NULL, CONFIG_ARN_LAUNCH_TEMPLATE, CFG_NAME_LT,
					"a launch template");
	for (j = 0; j < idx && lt->name && lt->template_id; j++) {
		other = &m->lts[j];
		if (!other->name || !other->template_id)
			continue;
		if (!strcmp(other->name, lt->name) !=
		    !strcmp(other->template_id, lt->template_id)) {
			cfg_in(c, "LaunchTemplateId");
			cfg_error(
				c,
				"expected one id per launch template name, got %s, which $.LaunchTemplates[%zu] (line %d) pairs with %s",
				lt->template_id, j, cfg_line_of(c, "LaunchTemplates", j),
				strcmp(other->name, lt->name) ? other->name : other->template_id);
			cfg_out(c);
			break;
		}
	}
	for (j = 0; j < idx && lt->name; j++)
		if (m->lts[j].name && !strcmp(m->lts[j].name, lt->name) &&
		    m->lts[j].version > version)
			version = m->lts[j].version;
	lt->version = version + 1;
	cfg_u32(c, o, "VersionNumber", 1, 1000000, &lt->version);
	for (j = 0; j < idx && lt->name; j++) {
		other = &m->lts[j];
		if (other->name && !strcmp(other->name, lt->name) &&
		    other->version == lt->version) {
			cfg_in(c, cfg_member(o, "VersionNumber") ? "VersionNumber" :
								   "LaunchTemplateName");
			cfg_error(
				c,
				"expected a new version of launch template %s, got version %u again (also $.LaunchTemplates[%zu] at line %d)",
				lt->name, lt->version, j, cfg_line_of(c, "LaunchTemplates", j));
			cfg_out(c);
			break;
		}
	}
	if (cfg_bool(c, o, "DefaultVersion", &lt->default_version) == CFG_OK &&
	    lt->default_version) {
		for (j = 0; j < idx && lt->name; j++) {
			other = &m->lts[j];
			if (other->name && !strcmp(other->name, lt->name) &&
			    other->default_version) {
				cfg_in(c, "DefaultVersion");
				cfg_error(
					c,
					"expected one default version of launch template %s, got a second (version %u is one)",
					lt->name, other->version);
				cfg_out(c);
				break;
			}
		}
	}
	if (cfg_member(o, "SourceVersion")) {
		cfg_in(c, "SourceVersion");
		cfg_warn_key(c, "ignored: each version here is written out whole");
		cfg_out(c);
	}
	data = cfg_member(o, "LaunchTemplateData");
	if (!data) {
		cfg_missing(c, "LaunchTemplateData", "an object with InstanceType and UserData");
	} else {
		cfg_in(c, "LaunchTemplateData");
		if (cfg_is_object(c, data, "an object with InstanceType and UserData")) {
			cfg_launch_spec(c, data, lt);
			cfg_finish(c, data, cfg_ltd_typed, cfg_ltd_kept, &lt->extras);
		}
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_lt_typed, cfg_lt_kept, &lt->extras);
}

/* After all templates: ids for those that gave none, and a default version for each. */
void cfg_lt_post(struct cfg *c)
{
	struct model *m = c->m;
	size_t i, j;

	for (i = 0; i < m->nlts; i++) {
		struct model_launch *lt = &m->lts[i], *low = NULL;
		bool has_default = false;
		uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the name: a stable made-up id */
		char id[24];

		if (!lt->name)
			continue;
		for (j = 0; j < m->nlts && !lt->template_id; j++)
			if (m->lts[j].name && m->lts[j].template_id &&
			    !strcmp(m->lts[j].name, lt->name))
				lt->template_id = cfg_strdup(c, m->lts[j].template_id);
		if (!lt->template_id) {
			for (const char *p = lt->name; *p; p++)
				h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
			snprintf(id, sizeof(id), "lt-0%016llx", (unsigned long long)h);
			lt->template_id = cfg_strdup(c, id);
		}
		for (j = 0; j < m->nlts; j++) {
			struct model_launch *o = &m->lts[j];

			if (!o->name || strcmp(o->name, lt->name))
				continue;
			has_default |= o->default_version;
			if (!low || o->version < low->version)
				low = o;
		}
		if (!has_default && low)
			low->default_version = true; /* AWS: version 1 until changed */
	}
}

static void cfg_asg_lt(struct cfg *c, struct json_object *v, struct model_asg *asg)
{
	static const char *const typed[] = { "LaunchTemplateId", "LaunchTemplateName", "Version",
					     NULL };
	struct model *m = c->m;
	struct json_object *id, *nm, *ver;
	struct model_launch *pick = NULL;
	const char *vs = "$Default";
	char name[512], vbuf[32];
	uint32_t maxv = 0;
	bool found = false;
	size_t i;

	cfg_in(c, "LaunchTemplate");
	if (!cfg_is_object(c, v, "an object {\"LaunchTemplateName\": ..., \"Version\": ...}"))
		goto out;
	id = cfg_member(v, "LaunchTemplateId");
	nm = cfg_member(v, "LaunchTemplateName");
	if (id && nm) {
		cfg_in(c, "LaunchTemplateName");
		cfg_error(c, "expected LaunchTemplateId or LaunchTemplateName, not both");
		cfg_out(c);
		goto finish;
	}
	if (!id && !nm) {
		cfg_missing(c, "LaunchTemplateName", "LaunchTemplateName or LaunchTemplateId");
		goto finish;
	}
	cfg_in(c, id ? "LaunchTemplateId" : "LaunchTemplateName");
	if (cfg_v_ref(c, id ? id : nm, CONFIG_ARN_LAUNCH_TEMPLATE, "a launch template", name,
		      sizeof(name)) == CFG_OK) {
		for (i = 0; i < m->nlts; i++) {
			const char *key = id ? m->lts[i].template_id : m->lts[i].name;

			if (key && !strcmp(key, name)) {
				found = true;
				if (m->lts[i].version > maxv)
					maxv = m->lts[i].version;
			}
		}
		if (!found)
			cfg_error(c, "expected a launch template of this file (%s), got %s",
				  KNOWN(m->lts, m->nlts), GOT(c, id ? id : nm));
	}
	cfg_out(c);
	if (!found)
		goto finish;
	if ((ver = cfg_member(v, "Version"))) {
		int64_t x;

		cfg_in(c, "Version");
		if (cfg_as_int(ver, &x) && x >= 1 && x <= 1000000) {
			snprintf(vbuf, sizeof(vbuf), "%lld", (long long)x);
			vs = vbuf;
		} else if (json_object_is_type(ver, json_type_string)) {
			vs = json_object_get_string(ver);
		} else {
			vs = "";
		}
		cfg_out(c);
	}
	for (i = 0; i < m->nlts; i++) {
		struct model_launch *lt = &m->lts[i];
		const char *key = id ? lt->template_id : lt->name;

		if (!key || strcmp(key, name))
			continue;
		if ((!strcmp(vs, "$Default") && lt->default_version) ||
		    (!strcmp(vs, "$Latest") && lt->version == maxv) ||
		    (vs == vbuf && lt->version == strtoul(vbuf, NULL, 10)))
			pick = lt;
	}
	if (!pick) {
		cfg_in(c, "Version");
		cfg_error(
			c,
			"expected \"$Default\", \"$Latest\" or a version of launch template %s (up to %u), got %s",
			name, maxv, GOT(c, ver));
		cfg_out(c);
	} else {
		asg->launch = pick;
		asg->launch_version = cfg_strdup(c, vs);
	}
finish:
	cfg_finish(c, v, typed, NULL, NULL);
out:
	cfg_out(c);
}

static void cfg_asg_add_tg(struct cfg *c, struct model_asg *asg, struct model_tg *tg)
{
	struct model_tg **slot;
	size_t i;

	for (i = 0; i < asg->ntgs; i++)
		if (asg->tgs[i] == tg)
			return;
	slot = cfg_push(c, &asg->tgs, &asg->ntgs, sizeof(*slot));
	if (slot)
		*slot = tg;
}

/* Target groups listed under key (an array of names or ARNs) join asg (which may be NULL when
 * the group itself could not be found: the references are still checked).
 */
static int cfg_tg_list(struct cfg *c, struct json_object *o, const char *key, struct model_asg *asg)
{
	struct json_object *arr;
	size_t i;

	if (cfg_array(c, o, key, "target group names or ARNs", &arr) != CFG_OK)
		return cfg_member(o, key) ? CFG_BAD : CFG_ABSENT;
	cfg_in(c, key);
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct model_tg *tg;

		cfg_at(c, i);
		tg = cfg_v_tg(c, json_object_array_get_idx(arr, i));
		if (tg && asg)
			cfg_asg_add_tg(c, asg, tg);
		cfg_out(c);
	}
	cfg_out(c);
	return CFG_OK;
}

const char *const cfg_term_names[] = { "Default",
				       "OldestInstance",
				       "NewestInstance",
				       "OldestLaunchConfiguration",
				       "OldestLaunchTemplate",
				       "ClosestToNextInstanceHour",
				       "AllocationStrategy",
				       NULL };

static void cfg_asg_tags(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	static const char *const typed[] = { "Key", "Value", "PropagateAtLaunch", NULL };
	static const char *const kept[] = { "ResourceId", "ResourceType", NULL };
	struct json_object *arr;
	size_t i, j;

	if (cfg_array(c, o, "Tags", "{\"Key\": ..., \"Value\": ...} objects", &arr) != CFG_OK)
		return;
	cfg_in(c, "Tags");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *t = json_object_array_get_idx(arr, i);
		struct model_tag tag = { 0 }, *slot;
		const char *k = NULL, *v = "";

		cfg_at(c, i);
		if (!cfg_is_object(c, t, "a {\"Key\": ..., \"Value\": ...} object"))
			goto next;
		if (cfg_need(c, t, "Key", cfg_str(c, t, "Key", 1, 128, "a tag key", &k),
			     "a tag key (1..128 characters)") != CFG_OK)
			k = NULL;
		cfg_str(c, t, "Value", 0, 256, "a tag value", &v);
		cfg_bool(c, t, "PropagateAtLaunch", &tag.propagate_at_launch);
		cfg_finish(c, t, typed, kept, NULL);
		if (!k)
			goto next;
		for (j = 0; j < asg->ntags; j++) {
			if (!strcmp(asg->tags[j].key, k)) {
				cfg_in(c, "Key");
				cfg_error(c, "expected each tag key once, got \"%s\" again", k);
				cfg_out(c);
				goto next;
			}
		}
		if ((slot = cfg_push(c, &asg->tags, &asg->ntags, sizeof(*slot)))) {
			slot->key = cfg_strdup(c, k);
			slot->value = cfg_strdup(c, v);
			slot->propagate_at_launch = tag.propagate_at_launch;
		}
next:
		cfg_out(c);
	}
	cfg_out(c);
}

/* One hook of LifecycleHookSpecificationList (or a PutLifecycleHook request): PutLifecycleHook's
 * fields, with the API's defaults and bounds (HeartbeatTimeout 30..7200, 3600 by default;
 * DefaultResult ABANDON by default; the name 1..255 of [A-Za-z0-9_./-]). The notification
 * target and role have nowhere to send here: kept, named in the plan. false when h is no hook.
 */
static bool cfg_asg_hook(struct cfg *c, struct json_object *h, const char *const *more,
			 struct model_hook *hook)
{
	static const char *const typed[] = { "LifecycleHookName",
					     "LifecycleTransition",
					     "HeartbeatTimeout",
					     "DefaultResult",
					     "NotificationMetadata",
					     "NotificationTargetARN",
					     "RoleARN",
					     NULL };
	static const char *const tr[] = { "autoscaling:EC2_INSTANCE_LAUNCHING",
					  "autoscaling:EC2_INSTANCE_TERMINATING", NULL };
	static const char *const res[] = { "ABANDON", "CONTINUE", NULL };
	static const struct cfg_choice tr_choice = { tr, NULL, NULL, false };
	static const struct cfg_choice res_choice = { res, NULL, NULL, false };
	const char *name = NULL, *md = "";
	bool ok = true;
	size_t j;
	int e;

	*hook = (struct model_hook){ .heartbeat_s = 3600 };
	if (!cfg_is_object(c, h, "a lifecycle hook object"))
		return false;
	if (cfg_need(c, h, "LifecycleHookName",
		     cfg_str(c, h, "LifecycleHookName", 1, 255, "a hook name", &name),
		     "a hook name (1..255 characters)") != CFG_OK)
		ok = false;
	for (j = 0; name && name[j]; j++) {
		if (!isalnum((unsigned char)name[j]) && !strchr("_./-", name[j])) {
			cfg_in(c, "LifecycleHookName");
			cfg_error(c,
				  "expected a hook name of letters, digits and _ . / -, got '%c'",
				  name[j]);
			cfg_out(c);
			ok = false;
			break;
		}
	}
	e = 0;
	if (cfg_need(c, h, "LifecycleTransition",
		     cfg_enum(c, h, "LifecycleTransition", &tr_choice, &e),
		     "autoscaling:EC2_INSTANCE_LAUNCHING or "
		     "autoscaling:EC2_INSTANCE_TERMINATING") != CFG_OK)
		ok = false;
	hook->transition = (enum model_hook_transition)e;
	cfg_u32(c, h, "HeartbeatTimeout", 30, 7200, &hook->heartbeat_s);
	e = MODEL_HOOK_ABANDON;
	cfg_enum(c, h, "DefaultResult", &res_choice, &e);
	hook->default_result = (enum model_hook_result)e;
	cfg_str(c, h, "NotificationMetadata", 0, 1023, "text", &md);
	for (j = 0; j < 2; j++) {
		const char *k = j ? "RoleARN" : "NotificationTargetARN";

		if (!cfg_member(h, k))
			continue;
		cfg_in(c, k);
		cfg_warn_key(c, "no effect here: xlb sends no notifications; the instance "
				"reads its wait in /var/lib/xlb/lifecycle-action");
		cfg_out(c);
	}
	cfg_finish(c, h, typed, more, NULL);
	if (!ok)
		return false;
	snprintf(hook->name, sizeof(hook->name), "%s", name);
	snprintf(hook->metadata, sizeof(hook->metadata), "%s", md);
	return true;
}

/* LifecycleHookSpecificationList: each name once, at most MODEL_HOOKS_MAX. */
static void cfg_asg_hooks(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	struct json_object *arr;
	size_t i, j;

	if (cfg_array(c, o, "LifecycleHookSpecificationList", "lifecycle hook objects", &arr) !=
	    CFG_OK)
		return;
	cfg_in(c, "LifecycleHookSpecificationList");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct model_hook hook;
		bool ok;

		cfg_at(c, i);
		ok = cfg_asg_hook(c, json_object_array_get_idx(arr, i), NULL, &hook);
		for (j = 0; ok && j < asg->nhooks; j++) {
			if (!strcmp(asg->hooks[j].name, hook.name)) {
				cfg_in(c, "LifecycleHookName");
				cfg_error(c, "expected each hook name once, got \"%s\" again",
					  hook.name);
				cfg_out(c);
				ok = false;
			}
		}
		if (ok && asg->nhooks == MODEL_HOOKS_MAX) {
			cfg_error(c, "expected at most %d lifecycle hooks per group here",
				  MODEL_HOOKS_MAX);
			ok = false;
		}
		if (ok)
			asg->hooks[asg->nhooks++] = hook;
		cfg_out(c);
	}
	cfg_out(c);
}

/* WarmPoolConfiguration (or a PutWarmPool request): PutWarmPool's fields. Hibernated is
 * accepted and kept as Stopped (the cgroup frozen either way: there is no memory image to write
 * to a disk here).
 */
static void cfg_asg_warm_obj(struct cfg *c, struct json_object *v, const char *const *more,
			     struct model_warm_pool *w)
{
	static const char *const typed[] = { "MinSize", "MaxGroupPreparedCapacity", "PoolState",
					     "InstanceReusePolicy", NULL };
	static const char *const reuse_typed[] = { "ReuseOnScaleIn", NULL };
	static const char *const st[] = { "Stopped", "Running", "Hibernated", NULL };
	static const struct cfg_choice st_choice = { st, NULL, NULL, false };
	struct json_object *r;
	int e = MODEL_WARM_STOPPED;

	*w = (struct model_warm_pool){ .max_prepared = -1 };
	if (!cfg_is_object(c, v, "a warm pool object"))
		return;
	w->enabled = true;
	cfg_u32(c, v, "MinSize", 0, CONFIG_MAX_CAPACITY, &w->min_size);
	/* AWS: -1 means "not set" (the group's MaxSize) */
	cfg_int(c, v, "MaxGroupPreparedCapacity", -1, CONFIG_MAX_CAPACITY, &w->max_prepared);
	if (cfg_enum(c, v, "PoolState", &st_choice, &e) == CFG_OK && e == MODEL_WARM_HIBERNATED) {
		cfg_in(c, "PoolState");
		cfg_warn_key(c, "Hibernated is kept as Stopped here: the instance's cgroup is "
				"frozen, its memory stays where it is");
		cfg_out(c);
	}
	w->state = (enum model_warm_state)e;
	if ((r = cfg_member(v, "InstanceReusePolicy")) != NULL) {
		cfg_in(c, "InstanceReusePolicy");
		if (cfg_is_object(c, r, "{\"ReuseOnScaleIn\": true|false}")) {
			cfg_bool(c, r, "ReuseOnScaleIn", &w->reuse_on_scale_in);
			cfg_finish(c, r, reuse_typed, NULL, NULL);
		}
		cfg_out(c);
	}
	cfg_finish(c, v, typed, more, NULL);
}

static void cfg_asg_warm(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	struct json_object *v;

	if (!(v = cfg_member(o, "WarmPoolConfiguration")))
		return;
	cfg_in(c, "WarmPoolConfiguration");
	cfg_asg_warm_obj(c, v, NULL, &asg->warm);
	cfg_out(c);
}

static const char *const cfg_asg_request_more[] = { "AutoScalingGroupName", NULL };

static void cfg_asg_hook_request(struct cfg *c, struct json_object *o, void *out)
{
	cfg_asg_hook(c, o, cfg_asg_request_more, out);
}

static void cfg_asg_warm_request(struct cfg *c, struct json_object *o, void *out)
{
	cfg_asg_warm_obj(c, o, cfg_asg_request_more, out);
}

int config_hook_parse(const char *verb, const char *text, struct model_hook *out,
		      struct config_error *err)
{
	struct model scratch = { 0 };

	return cfg_request(&scratch, verb, text, "an object", cfg_asg_hook_request, out, err);
}

int config_warm_parse(const char *verb, const char *text, struct model_warm_pool *out,
		      struct config_error *err)
{
	struct model scratch = { 0 };

	return cfg_request(&scratch, verb, text, "an object", cfg_asg_warm_request, out, err);
}

static const char *const cfg_asg_typed[] = { "AutoScalingGroupName",
					     "AutoScalingGroupARN",
					     "LaunchConfigurationName",
					     "LaunchTemplate",
					     "MixedInstancesPolicy",
					     "InstanceId",
					     "MinSize",
					     "MaxSize",
					     "DesiredCapacity",
					     "DefaultCooldown",
					     "HealthCheckType",
					     "HealthCheckGracePeriod",
					     "TargetGroupARNs",
					     "TerminationPolicies",
					     "NewInstancesProtectedFromScaleIn",
					     "MaxInstanceLifetime",
					     "DefaultInstanceWarmup",
					     "Tags",
					     "LifecycleHookSpecificationList",
					     "WarmPoolConfiguration",
					     NULL };
static const char *const cfg_asg_kept[] = { "AvailabilityZones",
					    "VPCZoneIdentifier",
					    "LoadBalancerNames",
					    "PlacementGroup",
					    "ServiceLinkedRoleARN",
					    "CapacityRebalance",
					    "Context",
					    "DesiredCapacityType",
					    "TrafficSources",
					    "InstanceMaintenancePolicy",
					    "CreatedTime",
					    "Instances",
					    "SuspendedProcesses",
					    "EnabledMetrics",
					    "Status",
					    "WarmPoolSize",
					    "AvailabilityZoneDistribution",
					    "AvailabilityZoneImpairmentPolicy",
					    "SkipZonalShiftValidation",
					    "CapacityReservationSpecification",
					    "PredictedCapacity",
					    NULL };

/* MinSize and MaxSize (required), DesiredCapacity between them (MinSize when not given). */
static void cfg_asg_capacity(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	bool min_ok, max_ok;
	int dres;

	min_ok = cfg_need(c, o, "MinSize",
			  cfg_u32(c, o, "MinSize", 0, CONFIG_MAX_CAPACITY, &asg->min_size),
			  "an integer 0..10000") == CFG_OK;
	max_ok = cfg_need(c, o, "MaxSize",
			  cfg_u32(c, o, "MaxSize", 0, CONFIG_MAX_CAPACITY, &asg->max_size),
			  "an integer 0..10000") == CFG_OK;
	dres = cfg_u32(c, o, "DesiredCapacity", 0, CONFIG_MAX_CAPACITY, &asg->desired);
	if (min_ok && max_ok && asg->min_size > asg->max_size) {
		cfg_in(c, "MinSize");
		cfg_error(c, "expected at most MaxSize (%u), got %u", asg->max_size, asg->min_size);
		cfg_out(c);
	} else if (min_ok && max_ok && dres == CFG_OK &&
		   (asg->desired < asg->min_size || asg->desired > asg->max_size)) {
		cfg_in(c, "DesiredCapacity");
		cfg_error(c, "expected an integer between MinSize and MaxSize (%u..%u), got %u",
			  asg->min_size, asg->max_size, asg->desired);
		cfg_out(c);
	}
	asg->desired_given = dres == CFG_OK;
	if (!asg->desired_given)
		asg->desired = asg->min_size; /* AWS: DesiredCapacity defaults to MinSize */
}

/* The health check type and the group's times, with the API's defaults. */
static void cfg_asg_times(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	static const char *const hct[] = { "EC2", "ELB", NULL };
	static const char *const hct_no[] = { "VPC_LATTICE", "EBS", NULL };
	static const struct cfg_choice hct_choice = {
		hct, hct_no, "xlb's instances have no EBS volumes and no VPC Lattice", false
	};
	int e;

	if (cfg_enum(c, o, "HealthCheckType", &hct_choice, &e) == CFG_OK)
		asg->hc_type = (enum model_asg_hc)e;
	/* the API's default grace period is 0 (the console's is 300): files hold API objects */
	cfg_u32(c, o, "HealthCheckGracePeriod", 0, 86400, &asg->grace_s);
	asg->cooldown_s = 300;
	cfg_u32(c, o, "DefaultCooldown", 0, 86400, &asg->cooldown_s);
	asg->warmup_s = -1;
	cfg_int(c, o, "DefaultInstanceWarmup", -1, 86400, &asg->warmup_s);
	if (cfg_u32(c, o, "MaxInstanceLifetime", 0, 31536000, &asg->max_lifetime_s) == CFG_OK &&
	    asg->max_lifetime_s && asg->max_lifetime_s < 86400) {
		cfg_in(c, "MaxInstanceLifetime");
		cfg_error(c, "expected 0 (no limit) or 86400..31536000 seconds, got %u",
			  asg->max_lifetime_s);
		cfg_out(c);
	}
}

/* What the group launches: a launch configuration or a launch template, exactly one. */
static void cfg_asg_launch(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	struct model *m = c->m;
	struct json_object *v;
	char name[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		const char *k = i ? "InstanceId" : "MixedInstancesPolicy";

		if (!cfg_member(o, k))
			continue;
		cfg_in(c, k);
		cfg_error(c,
			  "not supported here: expected LaunchConfigurationName or LaunchTemplate");
		cfg_out(c);
	}
	if ((v = cfg_member(o, "LaunchConfigurationName"))) {
		cfg_in(c, "LaunchConfigurationName");
		if (cfg_member(o, "LaunchTemplate")) {
			cfg_error(c,
				  "expected LaunchConfigurationName or LaunchTemplate, not both");
		} else if (cfg_v_ref(c, v, CONFIG_ARN_LAUNCH_CONFIG, "a launch configuration", name,
				     sizeof(name)) == CFG_OK) {
			asg->launch = FIND(m->lcs, m->nlcs, name);
			if (!asg->launch)
				cfg_error(
					c,
					"expected a launch configuration of this file (%s), got %s",
					KNOWN(m->lcs, m->nlcs), GOT(c, v));
		}
		cfg_out(c);
	} else if ((v = cfg_member(o, "LaunchTemplate"))) {
		cfg_asg_lt(c, v, asg);
	} else if (!cfg_member(o, "MixedInstancesPolicy") && !cfg_member(o, "InstanceId")) {
		cfg_missing(c, "LaunchConfigurationName",
			    "LaunchConfigurationName or LaunchTemplate: what to launch");
	}
}

/* TerminationPolicies: AWS's named ones in order, Default when none is given. */
static void cfg_asg_termination(struct cfg *c, struct json_object *o, struct model_asg *asg)
{
	static const struct cfg_choice term_choice = { cfg_term_names, NULL, NULL, false };
	enum model_termination *slot;
	struct json_object *v, *arr;
	size_t i;
	int e;

	if (cfg_array(c, o, "TerminationPolicies", "policy names", &arr) == CFG_OK) {
		cfg_in(c, "TerminationPolicies");
		for (i = 0; i < json_object_array_length(arr); i++) {
			v = json_object_array_get_idx(arr, i);
			cfg_at(c, i);
			if (json_object_is_type(v, json_type_string) &&
			    !strncmp(json_object_get_string(v), "arn:", 4))
				cfg_error(
					c,
					"expected one of AWS's termination policies: custom (Lambda) policies are not supported here, got %s",
					GOT(c, v));
			else if (cfg_v_enum(c, v, &term_choice, &e) == CFG_OK &&
				 (slot = cfg_push(c, &asg->term, &asg->nterm, sizeof(*slot))))
				*slot = (enum model_termination)e;
			cfg_out(c);
		}
		cfg_out(c);
	}
	if (!asg->nterm && (slot = cfg_push(c, &asg->term, &asg->nterm, sizeof(*slot))))
		*slot = MODEL_TERM_DEFAULT;
}

void cfg_asg(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const names[] = { "AutoScalingGroupName", NULL };
	struct model *m = c->m;
	struct model_asg *asg = cfg_push(c, &m->asgs, &m->nasgs, sizeof(*asg));
	struct json_object *v;

	if (!asg || !cfg_is_object(c, o, "an auto-scaling group object"))
		return;
	asg->name = cfg_obj_name(c, o, names, "AutoScalingGroupARN", CONFIG_ARN_ASG, CFG_NAME_ASG,
				 "an auto-scaling group");
	DUP_NAME(c, asg->name, m->asgs, idx, "AutoScalingGroups", "auto-scaling group");
	cfg_asg_capacity(c, o, asg);
	cfg_asg_times(c, o, asg);
	cfg_bool(c, o, "NewInstancesProtectedFromScaleIn", &asg->protect_from_scale_in);
	cfg_asg_launch(c, o, asg);
	cfg_tg_list(c, o, "TargetGroupARNs", asg);
	cfg_asg_termination(c, o, asg);
	cfg_asg_tags(c, o, asg);
	cfg_asg_hooks(c, o, asg);
	cfg_asg_warm(c, o, asg);
	if ((v = cfg_member(o, "LoadBalancerNames")) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v)) {
		cfg_in(c, "LoadBalancerNames");
		cfg_warn_key(
			c,
			"ignored: Classic Load Balancers are not modelled here; attach target groups with TargetGroupARNs");
		cfg_out(c);
	}
	cfg_finish(c, o, cfg_asg_typed, cfg_asg_kept, &asg->extras);
}

/* {"AutoScalingGroupName", "TargetGroupARNs": [...]}: attach-load-balancer-target-groups as a
 * file entry ("TargetGroupARN" with one is accepted, as the walkthrough writes it).
 */
void cfg_attachment(struct cfg *c, struct json_object *o, size_t idx)
{
	static const char *const typed[] = { "AutoScalingGroupName", "TargetGroupARN",
					     "TargetGroupArn",	     "TargetGroupARNs",
					     "TargetGroupArns",	     NULL };
	struct model_asg *asg;
	struct json_object *v;
	bool any = false;
	size_t i;

	if (!cfg_is_object(c, o,
			   "an attachment object {\"AutoScalingGroupName\": ..., "
			   "\"TargetGroupARNs\": [...]}"))
		return;
	asg = cfg_asg_member(c, o, "AutoScalingGroupName");
	for (i = 1; i < 3; i++) {
		struct model_tg *tg;

		if (!(v = cfg_member(o, typed[i])))
			continue;
		any = true;
		cfg_in(c, typed[i]);
		tg = cfg_v_tg(c, v);
		if (tg && asg)
			cfg_asg_add_tg(c, asg, tg);
		cfg_out(c);
	}
	for (i = 3; i < 5; i++)
		if (cfg_tg_list(c, o, typed[i], asg) != CFG_ABSENT)
			any = true;
	if (!any)
		cfg_missing(
			c, "TargetGroupARNs",
			"the target groups to attach (TargetGroupARNs: [...], or TargetGroupARN)");
	cfg_finish(c, o, typed, NULL, NULL);
}
