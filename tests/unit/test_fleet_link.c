// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* How xlbd's fleet attaches the datapath to an instance's link (fleet_link_attach), through the
 * datapath interface in memory (dpif_mem.c): the hook Xlb.Hook names is the one asked for,
 * auto is left to the datapath to decide, and a failure is returned, not swallowed.
 */
#include <errno.h>

#include "check.h"
#include "../../user/dpif_mem.h"
#include "../../user/fleet.h"

/* What dpif_mem recorded for ifindex; false when it holds nothing for it. */
static bool attached_as(struct dpif *d, int ifindex, struct dpif_mem_attach *out)
{
	struct dpif_mem_attach a[DPIF_MEM_ATTACH_MAX];
	size_t n = dpif_mem_attached(d, a, DPIF_MEM_ATTACH_MAX);

	for (size_t i = 0; i < n && i < DPIF_MEM_ATTACH_MAX; i++)
		if (a[i].ifindex == ifindex && !a[i].peer) {
			*out = a[i];
			return true;
		}
	return false;
}

static bool hook_asked_is_hook_used(void)
{
	static const enum dataplane_hook hooks[] = { DATAPLANE_HOOK_XDP, DATAPLANE_HOOK_TC };
	struct dpif_mem_attach a;
	enum dataplane_hook used = DATAPLANE_HOOK_MAX;
	struct dpif *d;

	CHECK(!dpif_mem_new(&d), "dpif_mem_new");
	dpif_mem_set_auto(d, DATAPLANE_HOOK_XDP); /* so that auto cannot pass for tc */
	for (int i = 0; i < 2; i++) {
		CHECK(!fleet_link_attach(d, hooks[i], 10 + i, "i-test", &used), "attach");
		CHECK(attached_as(d, 10 + i, &a), "ifindex %d not attached", 10 + i);
		CHECK(a.role == DATAPLANE_ROLE_NAT, "role %d: an instance's link carries replies",
		      a.role);
		CHECK(a.asked == hooks[i] && a.used == hooks[i] && used == hooks[i],
		      "asked %s, recorded %s, used %s", dataplane_hook_name(hooks[i]),
		      dataplane_hook_name(a.asked), dataplane_hook_name(used));
	}
	dpif_free(d);
	return true;
}

static bool auto_is_the_datapaths_choice(void)
{
	struct dpif_mem_attach a;
	enum dataplane_hook used;
	struct dpif *d;

	CHECK(!dpif_mem_new(&d), "dpif_mem_new");
	for (int h = DATAPLANE_HOOK_XDP; h <= DATAPLANE_HOOK_TC; h++) {
		dpif_mem_set_auto(d, (enum dataplane_hook)h);
		CHECK(!fleet_link_attach(d, DATAPLANE_HOOK_AUTO, 20 + h, "i-test", &used),
		      "attach");
		CHECK(attached_as(d, 20 + h, &a), "not attached");
		CHECK(a.asked == DATAPLANE_HOOK_AUTO, "asked %s, want auto as configured",
		      dataplane_hook_name(a.asked));
		CHECK(used == (enum dataplane_hook)h, "auto went to %s, want %s",
		      dataplane_hook_name(used), dataplane_hook_name((enum dataplane_hook)h));
	}
	dpif_free(d);
	return true;
}

static bool failure_is_returned(void)
{
	struct dpif_mem_attach a;
	struct dpif *d;

	CHECK(!dpif_mem_new(&d), "dpif_mem_new");
	CHECK(fleet_link_attach(d, DATAPLANE_HOOK_TC, 0, "i-test", NULL) == -ENODEV,
	      "no link: -ENODEV");
	dpif_mem_fail(d, DPIF_MEM_ATTACH, -EBUSY);
	CHECK(fleet_link_attach(d, DATAPLANE_HOOK_TC, 30, "i-test", NULL) == -EBUSY,
	      "the datapath's error");
	CHECK(!attached_as(d, 30, &a), "recorded although it failed");
	CHECK(dpif_mem_calls(d, DPIF_MEM_ATTACH) == 1, "%u calls, want 1 (no device, no call)",
	      dpif_mem_calls(d, DPIF_MEM_ATTACH));
	dpif_mem_fail(d, DPIF_MEM_ATTACH, 0);
	CHECK(!fleet_link_attach(d, DATAPLANE_HOOK_TC, 30, "i-test", NULL), "attach again");
	CHECK(!dpif_detach(d, 30) && !attached_as(d, 30, &a), "detach");
	CHECK(dpif_detach(d, 30) == -ENOENT, "a second detach");
	dpif_free(d);
	return true;
}

int main(void)
{
	RUN(hook_asked_is_hook_used);
	RUN(auto_is_the_datapaths_choice);
	RUN(failure_is_returned);
	return check_summary();
}
