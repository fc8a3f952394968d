// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The target groups' runtime settings across a restart (tgstate.h): written after each
 * modify-target-group(-attributes) and each reload, read back once at start, whole or not at
 * all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "log.h"
#include "model.h"
#include "statefile.h"
#include "tgstate.h"

#define TGSTATE_MAGIC "xlb-target-group-state 1"
#define TGSTATE_MAX 64 /* settings a file may hold: more than the readers know */

/* RUN_DIR/target-groups/NAME; -EINVAL for a name that is no file name (the file's reader
 * allows only letters, digits and hyphens: this is a second guard).
 */
static int tgstate_path(const char *run_dir, const char *tg, char *buf, size_t len)
{
	if (!tg[0] || tg[0] == '.' || strchr(tg, '/'))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s/target-groups/%s", run_dir, tg) >= len)
		return -ENAMETOOLONG;
	return 0;
}

void tgstate_save(const char *run_dir, struct ctl *ctl, const char *tg)
{
	char path[1024], what[160], dir[1024], *text = NULL;
	const struct ctl_tg_attr *v;
	size_t n = 0, len = 0, i;
	FILE *mem;

	if (tgstate_path(run_dir, tg, path, sizeof(path)))
		return;
	v = ctl_tg_runtime(ctl, tg, &n);
	if (!n) {
		if (unlink(path) && errno != ENOENT)
			log_warn("target group %s: cannot remove %s: %s", tg, path,
				 strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "%s/target-groups", run_dir);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		log_warn("target group %s: cannot save its runtime settings in %s: %s", tg, dir,
			 strerror(errno));
		return;
	}
	mem = open_memstream(&text, &len);
	if (!mem)
		return;
	fprintf(mem, TGSTATE_MAGIC "\n");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Key", json_object_new_string(v[i].key));
		json_object_object_add(o, "Value", json_object_new_string(v[i].value));
		json_object_object_add(o, "HealthCheck", json_object_new_boolean(v[i].hc));
		json_object_object_add(o, "FileHad", json_object_new_boolean(v[i].file_had));
		json_object_object_add(o, "FileValue", json_object_new_string(v[i].file_value));
		/* one line: json-c escapes the newlines of strings */
		fprintf(mem, "set=%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	if (!fclose(mem) && text) {
		snprintf(what, sizeof(what), "target group %s", tg);
		statefile_save(path, text, len, what);
	}
	free(text);
}

void tgstate_save_all(const char *run_dir, struct ctl *ctl, const struct model *m)
{
	size_t i;

	for (i = 0; i < m->ntgs; i++)
		tgstate_save(run_dir, ctl, m->tgs[i].name);
}

/* A string member that fits in n bytes, copied; false when absent, not a string or too long. */
static bool tgstate_str(struct json_object *o, const char *key, char *out, size_t n)
{
	struct json_object *v = NULL;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	if (strlen(s) >= n)
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

static bool tgstate_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* The file's lines into v (at most TGSTATE_MAX); the count, or -EINVAL with *why set. */
static int tgstate_parse(char *text, struct ctl_tg_attr *v, const char **why)
{
	char *cursor = strchr(text, '\n'), *key, *val;
	size_t n = 0;
	int e;

	cursor = cursor ? cursor + 1 : NULL;
	while ((e = statefile_next(&cursor, &key, &val)) > 0) {
		struct json_object *o;
		bool ok;

		if (strcmp(key, "set")) {
			*why = "a line of an unknown kind";
			return -EINVAL;
		}
		if (n == TGSTATE_MAX) {
			*why = "too many settings";
			return -EINVAL;
		}
		o = json_tokener_parse(val);
		memset(&v[n], 0, sizeof(v[n]));
		ok = o && tgstate_str(o, "Key", v[n].key, sizeof(v[n].key)) &&
		     tgstate_str(o, "Value", v[n].value, sizeof(v[n].value)) &&
		     tgstate_str(o, "FileValue", v[n].file_value, sizeof(v[n].file_value)) &&
		     tgstate_bool(o, "HealthCheck", &v[n].hc) &&
		     tgstate_bool(o, "FileHad", &v[n].file_had);
		json_object_put(o);
		if (!ok) {
			*why = "a setting does not read";
			return -EINVAL;
		}
		n++;
	}
	if (e) {
		*why = "a line without '='";
		return -EINVAL;
	}
	return (int)n;
}

void tgstate_restore(const char *run_dir, struct ctl *ctl, const struct model *m)
{
	struct ctl_tg_attr *v = calloc(TGSTATE_MAX, sizeof(*v));
	char path[1024], what[160], err[256], *text;
	const struct ctl_tg_attr *kept;
	const char *why = NULL;
	size_t i, j, nkept;
	int n, e;

	for (i = 0; v && i < m->ntgs; i++) {
		const struct model_tg *tg = &m->tgs[i];

		if (tgstate_path(run_dir, tg->name, path, sizeof(path)))
			continue;
		snprintf(what, sizeof(what), "target group %s", tg->name);
		text = statefile_load(path, TGSTATE_MAGIC, what);
		if (!text)
			continue;
		n = tgstate_parse(text, v, &why);
		free(text);
		if (n < 0) {
			log_warn("%s: state file %s ignored (%s): the configuration's values are "
				 "used",
				 what, path, why);
			continue;
		}
		e = ctl_tg_runtime_restore(ctl, tg, v, (size_t)n, err, sizeof(err));
		if (e) {
			log_warn("%s: state file %s ignored (%s): the configuration's values are "
				 "used",
				 what, path, e == -EINVAL ? err : strerror(-e));
			continue;
		}
		/* what the file changed since is dropped by now: the rest is in force */
		kept = ctl_tg_runtime(ctl, tg->name, &nkept);
		for (j = 0; j < nkept; j++)
			log_info("%s: %s %s, set at run time before the restart, kept", what,
				 kept[j].key, kept[j].value);
		if (nkept != (size_t)n)
			tgstate_save(run_dir, ctl, tg->name);
	}
	free(v);
}
