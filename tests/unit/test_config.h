/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the configuration tests (tests/unit/test_config*.c) share: the source tree's fixtures
 * and examples, lookups by name in a loaded model, and loading with the errors printed.
 */
#ifndef XLB_TEST_CONFIG_H
#define XLB_TEST_CONFIG_H

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cfg_internal.h" /* FIND: the loader's own lookup by name */
#include "config.h"

static char root[PATH_MAX]; /* the source tree: fixtures and examples are found from it */

static inline bool find_root(void)
{
	const char *env = getenv("XLB_SRCDIR");
	char exe[PATH_MAX], *p;
	ssize_t n;
	int up;

	if (env) {
		snprintf(root, sizeof(root), "%s", env);
		return true;
	}
	if (!access("tests/unit/config", R_OK)) {
		snprintf(root, sizeof(root), ".");
		return true;
	}
	/* build/tests/test_config: the tree is two levels above the binary's directory */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (up = 0; up < 3; up++) {
		p = strrchr(exe, '/');
		if (!p)
			return false;
		*p = '\0';
	}
	snprintf(root, sizeof(root), "%s", exe);
	return true;
}

static inline const char *fixture(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/tests/unit/config/%s", root, name);
	return buf;
}

static inline const char *example(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/examples/%s", root, name);
	return buf;
}

static inline struct model_tg *tg_named(struct model *m, const char *name)
{
	return FIND(m->tgs, m->ntgs, name);
}

static inline struct model_asg *asg_named(struct model *m, const char *name)
{
	return FIND(m->asgs, m->nasgs, name);
}

static inline struct model_policy *policy_named(struct model *m, const char *name)
{
	return FIND(m->policies, m->npolicies, name);
}

static inline size_t warnings_with(const struct model *m, const char *needle)
{
	size_t i, n = 0;

	for (i = 0; i < m->nwarnings; i++)
		n += strstr(m->warnings[i], needle) != NULL;
	return n;
}

static inline void print_warnings(const struct model *m)
{
	size_t i;

	for (i = 0; i < m->nwarnings; i++)
		printf("  warning: %s\n", m->warnings[i]);
}

static inline bool load_fixture(const char *name, struct model **m, bool is_example)
{
	char path[PATH_MAX + 64];
	struct config_error err;
	int ret, i;

	if (is_example)
		example(name, path, sizeof(path));
	else
		fixture(name, path, sizeof(path));
	ret = config_load(path, m, &err);
	for (i = 0; ret && i < err.count && i < CONFIG_ERR_MAX; i++)
		printf("  error: %s\n", err.all[i]);
	CHECK(ret == 0, "%s: ret %d", name, ret);
	CHECK(*m != NULL, "no model");
	return true;
}

/* good_full.json and the objects its module tests look at, found by name. */
struct full {
	struct model *m;
	struct model_tg *st, *fleet_tg, *dns; /* static-443, fleet-443, dns */
	struct model_asg *fleet, *canary;
	struct model_policy *cpu, *req, *steps, *bump; /* req: "requests" */
};

/* good_defaults.json and the objects its module tests look at, found by name. */
struct defaults {
	struct model *m;
	struct model_tg *alb, *nlb, *nlbh, *udp; /* nlbh: "nlb-http" */
	struct model_asg *g;
};

/* Says which object is missing, frees the model and returns false; true when obj is found. */
static inline bool found(struct model *m, const void *obj, const char *name)
{
	if (obj)
		return true;
	printf("  missing object %s\n", name);
	model_free(m);
	return false;
}

static inline bool load_full(struct full *f)
{
	if (!load_fixture("good_full.json", &f->m, false))
		return false;
	f->st = tg_named(f->m, "static-443");
	f->fleet_tg = tg_named(f->m, "fleet-443");
	f->dns = tg_named(f->m, "dns");
	f->fleet = asg_named(f->m, "fleet");
	f->canary = asg_named(f->m, "canary");
	f->cpu = policy_named(f->m, "cpu");
	f->req = policy_named(f->m, "requests");
	f->steps = policy_named(f->m, "steps");
	f->bump = policy_named(f->m, "bump");
	CHECK(found(f->m, f->st, "static-443") && found(f->m, f->fleet_tg, "fleet-443") &&
		      found(f->m, f->dns, "dns") && found(f->m, f->fleet, "fleet") &&
		      found(f->m, f->canary, "canary") && found(f->m, f->cpu, "cpu") &&
		      found(f->m, f->req, "requests") && found(f->m, f->steps, "steps") &&
		      found(f->m, f->bump, "bump"),
	      "missing objects");
	return true;
}

static inline bool load_defaults(struct defaults *d)
{
	if (!load_fixture("good_defaults.json", &d->m, false))
		return false;
	d->alb = tg_named(d->m, "alb");
	d->nlb = tg_named(d->m, "nlb");
	d->nlbh = tg_named(d->m, "nlb-http");
	d->udp = tg_named(d->m, "udp");
	d->g = asg_named(d->m, "g");
	CHECK(found(d->m, d->alb, "alb") && found(d->m, d->nlb, "nlb") &&
		      found(d->m, d->nlbh, "nlb-http") && found(d->m, d->udp, "udp") &&
		      found(d->m, d->g, "g"),
	      "missing objects");
	return true;
}

/* Loads text from memory as "mem.json"; returns the result and fills err. */
static inline int load_text(const char *text, struct model **m, struct config_error *err)
{
	return config_load_buffer("mem.json", text, strlen(text), m, err);
}

/* Finds the tree (XLB_SRCDIR, the current directory or two levels above the binary); says
 * so and returns false when it cannot.
 */
static inline bool config_test_root(void)
{
	if (find_root())
		return true;
	printf("FAIL find_root: cannot find tests/unit/config (set XLB_SRCDIR)\n");
	return false;
}

/* Runs fns[0..n), named by the comma-separated names, once the tree is found. */
static inline int config_test_run(const char *names, bool (*const *fns)(void), size_t n)
{
	char name[64];
	size_t i, len;

	if (!config_test_root())
		return check_summary() | 1;
	for (i = 0; i < n; i++) {
		names += strspn(names, ", ");
		len = strcspn(names, ", ");
		snprintf(name, sizeof(name), "%.*s", (int)len, names);
		check_run(name, fns[i]);
		names += len;
	}
	return check_summary();
}

/* main() running the cases listed, in order: CONFIG_TEST_MAIN(case_a, case_b) */
#define CONFIG_TEST_MAIN(...)                                                            \
	int main(void)                                                                   \
	{                                                                                \
		static bool (*const fns[])(void) = { __VA_ARGS__ };                      \
                                                                                         \
		return config_test_run(#__VA_ARGS__, fns, sizeof(fns) / sizeof(fns[0])); \
	}

#endif /* XLB_TEST_CONFIG_H */
