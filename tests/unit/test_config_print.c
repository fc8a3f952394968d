// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The plan that `xlbd --check` prints (user/cfg_print.c): its wording.
 */
#include "test_config.h"

static bool plan_wording(void)
{
	struct model *m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (!load_fixture("good_pitfall.json", &m, false))
		return false;
	f = open_memstream(&buf, &len);
	CHECK(f, "open_memstream");
	config_plan_print(m, f);
	fclose(f);
	ok = strstr(buf, "load balancer my-app-lb, addresses 198.18.0.10\n") &&
	     strstr(buf, "    listener HTTP :80 (nat) -> target group my-app-tg\n") &&
	     strstr(buf,
		    "health check: HTTP GET / on the traffic port, every 30 s, timeout 5 s, healthy after 3, unhealthy after 2, success codes 200\n") &&
	     strstr(buf, "auto-scaling group my-app-asg: desired 2, min 2, max 10\n") &&
	     strstr(buf, "    target groups: none: its instances get no traffic\n") &&
	     strstr(buf, "kept, no effect here: ImageId, SecurityGroups\n") &&
	     strstr(buf, "\n5 warnings:\n") && strstr(buf, "is attached to no target group");
	if (!ok)
		printf("%s", buf);
	free(buf);
	model_free(m);
	CHECK(ok, "plan lacks an expected line");
	return true;
}

CONFIG_TEST_MAIN(plan_wording)
