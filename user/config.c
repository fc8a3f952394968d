// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Configuration loading as a whole: json-c parses the text (comments allowed), then each list
 * of AWS objects goes to its reader (cfg_lb.c, cfg_asg.c, cfg_policy.c, cfg_alarm.c,
 * cfg_settings.c), the cross-object checks and advice run (cfg_advise.c), and every problem is
 * placed at a file:line:col and a JSON path (cfg_json.c, cfg_diag.c), since json-c keeps no
 * positions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../bpf/xlb_shared.h"
#include "cfg_internal.h"

_Static_assert((int)MODEL_MODE_NAT == (int)XLB_MODE_NAT &&
		       (int)MODEL_MODE_DSR == (int)XLB_MODE_DSR &&
		       (int)MODEL_MODE_IPIP == (int)XLB_MODE_IPIP,
	       "enum model_mode follows enum xlb_mode");

static void cfg_listener_top(struct cfg *c, struct json_object *o, size_t idx)
{
	cfg_listener(c, o, NULL, c->nfile_lbs);
}

static void cfg_list(struct cfg *c, struct json_object *top, const char *key, const char *what,
		     void (*fn)(struct cfg *c, struct json_object *o, size_t idx))
{
	struct json_object *arr;
	size_t i;

	if (cfg_array(c, top, key, what, &arr) != CFG_OK)
		return;
	cfg_in(c, key);
	for (i = 0; i < json_object_array_length(arr); i++) {
		cfg_at(c, i);
		fn(c, json_object_array_get_idx(arr, i), i);
		cfg_out(c);
	}
	cfg_out(c);
}

static const char *const cfg_top_keys[] = {
	"LoadBalancers",	"Listeners",	   "TargetGroups", "AutoScalingGroups",
	"LaunchConfigurations", "LaunchTemplates", "Attachments",  "ScalingPolicies",
	"ScheduledActions",	"MetricAlarms",	   "Xlb",	   NULL
};

/* What a lone pasted object most likely is, to say which list it belongs in. */
static const char *cfg_guess_list(struct json_object *o)
{
	static const struct {
		const char *key, *list;
	} sig[] = {
		{ "MinSize", "AutoScalingGroups" },
		{ "TargetGroupName", "TargetGroups" },
		{ "LaunchTemplateData", "LaunchTemplates" },
		{ "LaunchConfigurationName", "LaunchConfigurations" },
		{ "DefaultActions", "Listeners" },
		{ "PolicyName", "ScalingPolicies" },
		{ "ScheduledActionName", "ScheduledActions" },
		{ "AlarmName", "MetricAlarms" },
		{ "TargetGroupARN", "Attachments" },
		{ "TargetGroupARNs", "Attachments" },
	};
	size_t i;

	for (i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
		if (cfg_member(o, sig[i].key))
			return sig[i].list;
	return NULL;
}

static void cfg_syntax_error(struct cfg *c, enum json_tokener_error jerr, size_t off)
{
	const char *what;
	char got[80], path[256], msg[CONFIG_MSG_LEN];

	if (off >= c->len) {
		snprintf(got, sizeof(got), "the end of the file");
	} else {
		size_t end = cfg_scan_value(c->text, c->len, off), n = end - off;

		if (n == 0 || n > 40 || c->text[off] == '{' || c->text[off] == '[')
			n = 1;
		if ((unsigned char)c->text[off] < 0x20)
			snprintf(got, sizeof(got), "byte 0x%02x", (unsigned char)c->text[off]);
		else
			snprintf(got, sizeof(got), "%.*s", (int)n, c->text + off);
	}
	switch (jerr) {
	case json_tokener_error_depth:
		what = "nesting too deep";
		break;
	case json_tokener_continue:
	case json_tokener_error_parse_eof:
		what = "expected the rest of the JSON text (a '}' or ']' missing?)";
		break;
	case json_tokener_error_parse_unexpected:
	case json_tokener_error_parse_null:
	case json_tokener_error_parse_boolean:
		what = "expected a value (a string, number, object, array, true, false or null)";
		break;
	case json_tokener_error_parse_number:
		what = "expected a number";
		break;
	case json_tokener_error_parse_array:
		what = "expected ',' or ']' after an array element";
		break;
	case json_tokener_error_parse_object_key_name:
		what = "expected a member name in double quotes";
		break;
	case json_tokener_error_parse_object_key_sep:
		what = "expected ':' after the member name";
		break;
	case json_tokener_error_parse_object_value_sep:
		what = "expected ',' or '}' after a member";
		break;
	case json_tokener_error_parse_string:
		what = "expected a valid escape in the string";
		break;
	case json_tokener_error_parse_comment:
		what = "expected a comment after '/'";
		break;
	case json_tokener_error_parse_utf8_string:
		what = "expected UTF-8 text";
		break;
	default:
		what = json_tokener_error_desc(jerr);
		break;
	}
	if (off > c->len)
		off = c->len;
	cfg_path_at(c->text, c->len, off, path, sizeof(path));
	snprintf(msg, sizeof(msg), "syntax error: %s, got %s", what, got);
	cfg_emit_at(c, true, off, path, msg);
}

static void cfg_model(struct cfg *c, struct json_object *top)
{
	struct model *m = c->m;
	bool any = false;
	const char *guess;
	size_t i, j;

	cfg_settings_defaults(&m->settings);
	if (!json_object_is_type(top, json_type_object)) {
		cfg_error(
			c,
			"expected an object holding lists such as \"TargetGroups\": [...] and \"AutoScalingGroups\": [...], got %s",
			GOT(c, top));
		return;
	}
	for (i = 0; cfg_top_keys[i]; i++)
		any |= cfg_member(top, cfg_top_keys[i]) != NULL;
	if (!any && json_object_object_length(top)) {
		guess = cfg_guess_list(top);
		if (guess)
			cfg_error(
				c,
				"expected an object holding lists, got what looks like one entry of \"%s\": write {\"%s\": [ {...} ]}",
				guess, guess);
		else
			cfg_error(
				c,
				"expected an object holding lists such as \"TargetGroups\": [...] and \"AutoScalingGroups\": [...]");
		return;
	}
	/* references point backwards in this order, so each target exists when it is named */
	cfg_list(c, top, "TargetGroups", "target group objects", cfg_tg);
	cfg_list(c, top, "LaunchConfigurations", "launch configuration objects", cfg_lc);
	cfg_list(c, top, "LaunchTemplates", "launch template objects", cfg_lt);
	cfg_lt_post(c);
	cfg_list(c, top, "LoadBalancers", "load balancer objects", cfg_lb);
	c->nfile_lbs = m->nlbs;
	cfg_list(c, top, "Listeners", "listener objects", cfg_listener_top);
	cfg_list(c, top, "AutoScalingGroups", "auto-scaling group objects", cfg_asg);
	cfg_list(c, top, "Attachments", "attachment objects", cfg_attachment);
	cfg_list(c, top, "ScalingPolicies", "scaling policy objects", cfg_policy);
	cfg_list(c, top, "ScheduledActions", "scheduled action objects", cfg_action);
	cfg_list(c, top, "MetricAlarms", "metric alarm objects", cfg_alarm);
	cfg_alarms_post(c);
	cfg_settings(c, top);
	cfg_finish(c, top, cfg_top_keys, NULL, NULL);
	/* the arrays are final now: pointers into them hold */
	for (i = 0; i < m->nlbs; i++)
		for (j = 0; j < m->lbs[i].nlisteners; j++)
			m->lbs[i].listeners[j].lb = &m->lbs[i];
	if (c->err->count)
		return;
	if (!any)
		cfg_warn(c, "nothing configured");
	cfg_advise(c);
}

int config_load_buffer(const char *name, const char *buf, size_t len, struct model **out,
		       struct config_error *err)
{
	struct cfg c = { 0 };
	struct json_tokener *tok = NULL;
	struct json_object *top = NULL;
	enum json_tokener_error jerr;
	char *text = NULL;
	const char *nul;
	size_t end, bom;
	int ret = -EINVAL;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	c.file = name;
	c.err = err;
	c.m = calloc(1, sizeof(*c.m));
	text = malloc(len + 1);
	if (!c.m || !text || !(c.m->file = strdup(name))) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	c.text = text;
	c.len = len;
	if (len > CONFIG_MAX_BYTES) {
		cfg_emit_at(&c, true, 0, "$", "expected a configuration of at most 16 MiB");
		goto out;
	}
	nul = memchr(text, '\0', len);
	if (nul) {
		char path[256];

		cfg_path_at(text, len, (size_t)(nul - text), path, sizeof(path));
		cfg_emit_at(&c, true, (size_t)(nul - text), path,
			    "syntax error: expected text, got a NUL byte");
		goto out;
	}
	tok = json_tokener_new();
	if (!tok) {
		ret = -ENOMEM;
		goto out;
	}
	/* editors on some systems start files with a byte order mark, which json-c refuses */
	bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
	/* the terminating NUL is passed too, so that a number at the very end is complete */
	top = json_tokener_parse_ex(tok, text + bom, (int)(len - bom) + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok) + bom;
	if (!top || jerr != json_tokener_success) {
		cfg_syntax_error(&c, jerr, jerr == json_tokener_continue ? len : end);
		goto out;
	}
	end = cfg_scan_ws(text, len, end);
	if (end < len) {
		cfg_emit_at(
			&c, true, end, "$",
			"syntax error: expected the end of the file after the top-level object (paste objects into its lists)");
		goto out;
	}
	cfg_lint(&c);
	cfg_model(&c, top);
	if (c.warn_dropped)
		cfg_emit_at(&c, false, 0, "$", "more warnings were dropped");
	if (c.nomem)
		ret = -ENOMEM;
	else if (!err->count)
		ret = 0;
out:
	if (ret == -ENOMEM && !err->count) {
		err->count = 1;
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		snprintf(err->all[0], sizeof(err->all[0]), "%s", err->msg);
	}
	if (top)
		json_object_put(top);
	if (tok)
		json_tokener_free(tok);
	free(text);
	if (ret)
		model_free(c.m);
	else
		*out = c.m;
	return ret;
}

int config_load(const char *path, struct model **out, struct config_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > CONFIG_MAX_BYTES) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* the file may change size under us: read what is there, up to what was allocated */
	while (len < (size_t)st.st_size &&
	       (n = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		len += (size_t)n;
	}
	ret = config_load_buffer(path, buf, len, out, err);
out:
	if (ret && !err->count) {
		err->count = 1;
		snprintf(err->path, sizeof(err->path), "$");
		snprintf(err->msg, sizeof(err->msg), "%s: cannot read: %s", path,
			 ret == -EINVAL ? "not a regular file" :
			 ret == -EFBIG	? "larger than 16 MiB" :
					  strerror(-ret));
		snprintf(err->all[0], sizeof(err->all[0]), "%s", err->msg);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}
