// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Typed readers: integers, numbers, booleans, strings, enumerations, arrays, addresses,
 * UserData and ISO 8601 times, each checking its range and reporting at the member. Each returns
 * CFG_OK (value stored), CFG_ABSENT (missing or null) or CFG_BAD (error reported).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "cfg_internal.h"

struct json_object *cfg_member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

bool cfg_is_object(struct cfg *c, struct json_object *v, const char *what)
{
	if (json_object_is_type(v, json_type_object))
		return true;
	cfg_error(c, "expected %s, got %s", what, GOT(c, v));
	return false;
}

/* Integers: JSON numbers with no fraction, or digits in a string (CloudFormation's style). */
bool cfg_as_int(struct json_object *v, int64_t *out)
{
	const char *s, *p;
	double d;

	switch (json_object_get_type(v)) {
	case json_type_int:
		*out = json_object_get_int64(v);
		return true;
	case json_type_double:
		d = json_object_get_double(v);
		if (!(d >= -9e15 && d <= 9e15) || d != (double)(int64_t)d)
			return false;
		*out = (int64_t)d;
		return true;
	case json_type_string:
		s = json_object_get_string(v);
		p = (*s == '-') ? s + 1 : s;
		if (!*p || strlen(p) > 15 || strspn(p, "0123456789") != strlen(p))
			return false;
		*out = strtoll(s, NULL, 10);
		return true;
	default:
		return false;
	}
}

int cfg_v_int(struct cfg *c, struct json_object *v, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t x;

	if (!cfg_as_int(v, &x) || x < lo || x > hi) {
		cfg_error(c, "expected an integer %lld..%lld, got %s", (long long)lo, (long long)hi,
			  GOT(c, v));
		return CFG_BAD;
	}
	*out = x;
	return CFG_OK;
}

int cfg_int(struct cfg *c, struct json_object *o, const char *key, int64_t lo, int64_t hi,
	    int64_t *out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_int(c, v, lo, hi, out);
	cfg_out(c);
	return ret;
}

int cfg_u32(struct cfg *c, struct json_object *o, const char *key, uint32_t lo, uint32_t hi,
	    uint32_t *out)
{
	int64_t x;
	int ret = cfg_int(c, o, key, lo, hi, &x);

	if (ret == CFG_OK)
		*out = (uint32_t)x;
	return ret;
}

static int cfg_v_double(struct cfg *c, struct json_object *v, double lo, double hi, double *out)
{
	double d = 0;
	bool ok = false;
	char *end;

	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
		d = json_object_get_double(v);
		ok = true;
		break;
	case json_type_string:
		d = strtod(json_object_get_string(v), &end);
		ok = *json_object_get_string(v) && !*end;
		break;
	default:
		break;
	}
	if (!ok || !(d >= lo && d <= hi)) {
		cfg_error(c, "expected a number %g..%g, got %s", lo, hi, GOT(c, v));
		return CFG_BAD;
	}
	*out = d;
	return CFG_OK;
}

int cfg_double(struct cfg *c, struct json_object *o, const char *key, double lo, double hi,
	       double *out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_double(c, v, lo, hi, out);
	cfg_out(c);
	return ret;
}

int cfg_bool(struct cfg *c, struct json_object *o, const char *key, bool *out)
{
	struct json_object *v = cfg_member(o, key);
	const char *s;
	int ret = CFG_OK;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	s = json_object_get_string(v);
	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v);
	} else if (json_object_is_type(v, json_type_string) &&
		   (!strcmp(s, "true") || !strcmp(s, "false"))) {
		*out = !strcmp(s, "true");
	} else {
		cfg_error(c, "expected true or false, got %s", GOT(c, v));
		ret = CFG_BAD;
	}
	cfg_out(c);
	return ret;
}

/* A string of minlen..maxlen bytes without NUL; what describes it in the message. */
int cfg_v_str(struct cfg *c, struct json_object *v, size_t minlen, size_t maxlen, const char *what,
	      const char **out)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string)) {
		cfg_error(c, "expected %s, got %s", what, GOT(c, v));
		return CFG_BAD;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (strlen(s) != len || len < minlen || len > maxlen) {
		cfg_error(c, "expected %s (%zu..%zu characters), got %s", what, minlen, maxlen,
			  GOT(c, v));
		return CFG_BAD;
	}
	*out = s;
	return CFG_OK;
}

int cfg_str(struct cfg *c, struct json_object *o, const char *key, size_t minlen, size_t maxlen,
	    const char *what, const char **out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_str(c, v, minlen, maxlen, what, out);
	cfg_out(c);
	return ret;
}

int cfg_v_enum(struct cfg *c, struct json_object *v, const struct cfg_choice *ch, int *out)
{
	char list[256] = "";
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	const char *hint = "";
	size_t o = 0;
	int i;

	for (i = 0; s && ch->names[i]; i++) {
		if (!strcmp(s, ch->names[i]) || (ch->any_case && !strcasecmp(s, ch->names[i]))) {
			*out = i;
			return CFG_OK;
		}
	}
	for (i = 0; ch->names[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
				      ch->names[i]);
	for (i = 0; s && ch->names[i]; i++)
		if (!strcasecmp(s, ch->names[i]))
			hint = " (names are case-sensitive)";
	if (s && cfg_in_list(ch->unsupported, s)) {
		cfg_error(c, "expected %s%s, got %s: %s", ch->names[1] ? "one of " : "", list,
			  GOT(c, v), ch->why);
		return CFG_BAD;
	}
	cfg_error(c, "expected %s%s, got %s%s", ch->names[1] ? "one of " : "", list, GOT(c, v),
		  hint);
	return CFG_BAD;
}

int cfg_enum(struct cfg *c, struct json_object *o, const char *key, const struct cfg_choice *ch,
	     int *out)
{
	struct json_object *v = cfg_member(o, key);
	int ret;

	if (!v)
		return CFG_ABSENT;
	cfg_in(c, key);
	ret = cfg_v_enum(c, v, ch, out);
	cfg_out(c);
	return ret;
}

/* An array member; CFG_OK with *arr set. */
int cfg_array(struct cfg *c, struct json_object *o, const char *key, const char *what,
	      struct json_object **arr)
{
	struct json_object *v = cfg_member(o, key);

	if (!v)
		return CFG_ABSENT;
	if (!json_object_is_type(v, json_type_array)) {
		cfg_in(c, key);
		cfg_error(c, "expected an array of %s, got %s", what, GOT(c, v));
		cfg_out(c);
		return CFG_BAD;
	}
	*arr = v;
	return CFG_OK;
}

int cfg_v_addr(struct cfg *c, struct json_object *v, const char *what, struct model_addr *a)
{
	const char *s;

	if (cfg_v_str(c, v, 2, 64, what, &s) != CFG_OK)
		return CFG_BAD;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return CFG_OK;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return CFG_OK;
	}
	cfg_error(c, "expected %s, got %s", what, GOT(c, v));
	return CFG_BAD;
}

bool cfg_addr_eq(const struct model_addr *a, const struct model_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

const char *cfg_addr_str(const struct model_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static int cfg_b64(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Text a script could be: UTF-8, no control characters but tab, CR and LF. */
static bool cfg_is_text(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char ch = s[i];
		size_t more;

		if (ch < 0x80)
			more = 0;
		else if ((ch & 0xe0) == 0xc0)
			more = 1;
		else if ((ch & 0xf0) == 0xe0)
			more = 2;
		else if ((ch & 0xf8) == 0xf0)
			more = 3;
		else
			return false;
		if (i + more >= n)
			return false;
		if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
			return false;
		if (ch == 0x7f)
			return false;
		for (size_t k = 1; k <= more; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += more + 1;
	}
	return true;
}

/* User data arrives in base64 (the API's form, and what launch templates need) or as the
 * script itself (what the walkthrough pastes). It is base64 when it uses only that alphabet
 * (line breaks allowed), is padded to whole quanta, and decodes to text. Returns a new buffer.
 */
char *cfg_user_data(struct cfg *c, const char *s, size_t *len, bool *was_b64)
{
	size_t n = strlen(s), sig = 0, i, o = 0;
	unsigned int acc = 0, bits = 0, pad = 0;
	char *out;

	*was_b64 = false;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			continue;
		if (s[i] == '=') {
			pad++;
		} else if (cfg_b64(s[i]) < 0 || pad) {
			sig = 0;
			break;
		}
		sig++;
	}
	out = malloc(n + 1);
	if (!out) {
		c->nomem = true;
		return NULL;
	}
	if (sig >= 4 && sig % 4 == 0 && pad <= 2) {
		for (i = 0; i < n; i++) {
			int v = cfg_b64(s[i]);

			if (v < 0)
				continue;
			acc = (acc << 6) | (unsigned int)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[o++] = (char)((acc >> bits) & 0xff);
			}
		}
		if (cfg_is_text((const unsigned char *)out, o)) {
			out[o] = '\0';
			*len = o;
			*was_b64 = true;
			return out;
		}
	}
	memcpy(out, s, n + 1);
	*len = n;
	return out;
}

/* The forms config.h states; scheduled actions and xlbctl simulate's traces read times with it. */
bool config_time_parse(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec = 0, n = 0, zh = 0, zm = 0, sign = 0;
	const char *p;
	struct tm tm;
	time_t t;

	if (strlen(s) < 16 || sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 ||
	    n != 16)
		return false;
	p = s + n;
	if (p[0] == ':') {
		if (p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
			return false;
		sec = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d%n", &zh, &zm, &n) != 2 || n != 5)
			return false;
		p += 6;
	}
	if (*p || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || h < 0 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 60 || zh > 23 || zm > 59)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t - sign * (zh * 3600 + zm * 60);
	return true;
}

/* Cron as scheduled actions take it: five fields (minute hour day month weekday). The
 * scheduler parses them; here only the shape is checked.
 */
bool cfg_cron_ok(const char *s)
{
	int fields = 0;
	const char *p = s;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		fields++;
		for (; *p && *p != ' ' && *p != '\t'; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= 'a' && *p <= 'z') || strchr("*,-/?#", *p)))
				return false;
	}
	return fields == 5;
}

void cfg_extras_free(struct model_extras *ex)
{
	size_t i;

	for (i = 0; i < ex->n; i++) {
		free(ex->v[i].key);
		free(ex->v[i].json);
	}
	free(ex->v);
	ex->v = NULL;
	ex->n = 0;
}

/* A required member: reports it missing when absent. */
int cfg_need(struct cfg *c, struct json_object *o, const char *key, int ret, const char *expected)
{
	if (ret == CFG_ABSENT)
		cfg_missing(c, key, "%s", expected);
	return ret;
}

/* Reports name as a duplicate when an earlier element of list already has it. */
void cfg_dup_name(struct cfg *c, const char *name, const void *arr, size_t idx, size_t size,
		  size_t name_off, const char *list, const char *what)
{
	size_t j;

	for (j = 0; name && j < idx; j++) {
		const char *other;

		memcpy(&other, (const char *)arr + j * size + name_off, sizeof(other));
		if (other && !strcmp(other, name)) {
			cfg_in(c, c->name_key ? c->name_key : "Name");
			cfg_error(
				c,
				"expected a unique %s name, got \"%s\" again (also $.%s[%zu] at line %d)",
				what, name, list, j, cfg_line_of(c, list, j));
			cfg_out(c);
			return;
		}
	}
}
