// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Freeing the model that config.c builds, and finding objects in it: by name or ARN, and the
 * group feeding a target group.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cfg_internal.h"

static void cfg_launch_free(struct model_launch *l)
{
	free(l->name);
	free(l->template_id);
	free(l->instance_type);
	free(l->user_data);
	free(l->image_id);
	cfg_extras_free(&l->extras);
}

void cfg_policy_clear(struct model_policy *p)
{
	free(p->name);
	free(p->steps);
	free(p->tt.resource_label);
	free(p->raw);
}

void model_free(struct model *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; i < m->nlbs; i++) {
		struct model_lb *lb = &m->lbs[i];

		for (j = 0; j < lb->nlisteners; j++) {
			free(lb->listeners[j].where);
			cfg_extras_free(&lb->listeners[j].extras);
		}
		for (j = 0; j < lb->nifaces; j++)
			free(lb->ifaces[j]);
		free(lb->name);
		free(lb->addrs);
		free(lb->ifaces);
		free(lb->listeners);
		cfg_extras_free(&lb->extras);
	}
	for (i = 0; i < m->ntgs; i++) {
		struct model_tg *tg = &m->tgs[i];

		free(tg->name);
		free(tg->hc.path);
		free(tg->hc.matcher_text);
		free(tg->targets);
		cfg_extras_free(&tg->extras);
	}
	for (i = 0; i < m->nasgs; i++) {
		struct model_asg *a = &m->asgs[i];

		for (j = 0; j < a->ntags; j++) {
			free(a->tags[j].key);
			free(a->tags[j].value);
		}
		free(a->name);
		free(a->launch_version);
		free(a->tgs);
		free(a->term);
		free(a->tags);
		cfg_extras_free(&a->extras);
	}
	for (i = 0; i < m->nlcs; i++)
		cfg_launch_free(&m->lcs[i]);
	for (i = 0; i < m->nlts; i++)
		cfg_launch_free(&m->lts[i]);
	for (i = 0; i < m->npolicies; i++)
		cfg_policy_clear(&m->policies[i]);
	for (i = 0; i < m->nactions; i++) {
		free(m->actions[i].name);
		free(m->actions[i].recurrence);
		free(m->actions[i].time_zone);
		free(m->actions[i].raw);
	}
	for (i = 0; i < m->nalarms; i++) {
		free(m->alarms[i].name);
		free(m->alarms[i].actions);
		free(m->alarms[i].raw);
	}
	free(m->alarms);
	for (i = 0; i < m->settings.nimages; i++) {
		free(m->settings.images[i].id);
		free(m->settings.images[i].dir);
	}
	free(m->settings.images);
	for (i = 0; i < m->nwarnings; i++)
		free(m->warnings[i]);
	free(m->lbs);
	free(m->tgs);
	free(m->asgs);
	free(m->lcs);
	free(m->lts);
	free(m->policies);
	free(m->actions);
	free(m->warnings);
	free(m->file);
	free(m);
}

/* The element of arr whose name is the one inside ref (an ARN of that kind, or a name). */
static void *model_find(void *arr, size_t n, size_t size, size_t name_off, const char *ref,
			enum config_arn_kind kind)
{
	char name[256];

	if (config_arn_name(ref, kind, name, sizeof(name)))
		return NULL;
	return cfg_find(arr, n, size, name_off, name);
}

#define MODEL_FIND(arr, n, ref, kind) \
	model_find((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), name), (ref), (kind))

const struct model_lb *model_lb_find(const struct model *m, const char *ref)
{
	return MODEL_FIND(m->lbs, m->nlbs, ref, CONFIG_ARN_LOAD_BALANCER);
}

const struct model_tg *model_tg_find(const struct model *m, const char *ref)
{
	return MODEL_FIND(m->tgs, m->ntgs, ref, CONFIG_ARN_TARGET_GROUP);
}

const struct model_asg *model_asg_find(const struct model *m, const char *ref)
{
	return MODEL_FIND(m->asgs, m->nasgs, ref, CONFIG_ARN_ASG);
}

const struct model_asg *model_tg_group(const struct model *m, const struct model_tg *tg)
{
	size_t g, t;

	for (g = 0; g < m->nasgs; g++)
		for (t = 0; t < m->asgs[g].ntgs; t++)
			if (m->asgs[g].tgs[t] == tg)
				return &m->asgs[g];
	return NULL;
}
