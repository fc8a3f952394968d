// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The controller's decisions without a datapath: which targets get traffic (healthy ones, or
 * fail-open), a listener's services, stable backend slots, and target groups applied from a
 * file with instance targets registered and deregistered by a group's owner only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "ctl.h"
#include "dpif_mem.h"
#include "loop.h"

static bool select_healthy_only(void)
{
	enum health_state st[] = { HEALTH_HEALTHY, HEALTH_UNHEALTHY, HEALTH_INITIAL, HEALTH_HEALTHY,
				   HEALTH_DRAINING };
	bool pick[5], open = true;

	CHECK(ctl_select(st, 5, pick, &open) == 2, "two healthy");
	CHECK(pick[0] && !pick[1] && !pick[2] && pick[3] && !pick[4], "the healthy ones");
	CHECK(!open, "not fail-open");
	return true;
}

static bool select_fail_open(void)
{
	enum health_state st[] = { HEALTH_UNHEALTHY, HEALTH_INITIAL, HEALTH_DRAINING,
				   HEALTH_UNUSED };
	bool pick[4], open = false;

	CHECK(ctl_select(st, 4, pick, &open) == 2, "unhealthy and initial get traffic");
	CHECK(pick[0] && pick[1] && !pick[2] && !pick[3], "never draining or unused");
	CHECK(open, "fail-open said");
	CHECK(ctl_select(st + 2, 2, pick, &open) == 0 && !open, "nothing registered: no fail-open");
	return true;
}

static bool listener_keys(void)
{
	struct model_addr addrs[2] = { { .family = AF_INET }, { .family = AF_INET6 } };
	struct model_lb lb = { .name = "lb", .addrs = addrs, .naddrs = 2 };
	struct model_listener l = { .lb = &lb, .port = 53, .protocol = MODEL_PROTO_TCP_UDP };
	struct xlb_vip_key k[8];

	inet_pton(AF_INET, "198.18.100.1", addrs[0].bytes);
	inet_pton(AF_INET6, "2001:2:0:100::1", addrs[1].bytes);
	CHECK(ctl_listener_keys(&l, k, 8) == 4, "two addresses x two protocols");
	CHECK(k[0].family == XLB_FAMILY_V4 && k[0].proto == IPPROTO_UDP && ntohs(k[0].port) == 53,
	      "v4 udp first");
	CHECK(k[1].proto == IPPROTO_TCP && k[2].family == XLB_FAMILY_V6, "then tcp, then v6");
	l.protocol = MODEL_PROTO_HTTP;
	CHECK(ctl_listener_keys(&l, k, 8) == 2 && k[0].proto == IPPROTO_TCP, "HTTP is TCP");
	CHECK(ctl_listener_keys(&l, k, 1) == 1, "bounded by max");
	return true;
}

static bool slot_pick_stable(void)
{
	struct ctl_slot s[5] = {};
	uint8_t a[16] = { 198, 19, 1, 2 }, b[16] = { 198, 19, 1, 3 };

	CHECK(ctl_slot_pick(s, 5, XLB_FAMILY_V4, a, 80) == 1, "slot 0 is never used");
	s[1] = (struct ctl_slot){
		.used = false, .known = true, .family = XLB_FAMILY_V4, .port = 80
	};
	memcpy(s[1].addr, a, 4);
	CHECK(ctl_slot_pick(s, 5, XLB_FAMILY_V4, a, 80) == 1, "the same backend, the same slot");
	CHECK(ctl_slot_pick(s, 5, XLB_FAMILY_V4, a, 81) == 2, "another port: another slot");
	CHECK(ctl_slot_pick(s, 5, XLB_FAMILY_V4, b, 80) == 2,
	      "a never-used slot before a freed one (old flows may name it)");
	s[2].used = s[3].used = s[4].used = true;
	s[2].known = s[3].known = s[4].known = true;
	CHECK(ctl_slot_pick(s, 5, XLB_FAMILY_V4, b, 80) == 1, "then the freed one");
	s[1].used = true;
	CHECK(ctl_slot_pick(s, 5, XLB_FAMILY_V4, b, 80) == -ENOSPC, "none left");
	return true;
}

static const char conf[] = "{\n"
			   " \"LoadBalancers\": [{ \"Name\": \"lb\", \"XlbAddresses\": "
			   "[\"198.18.100.1\"],\n"
			   "  \"Listeners\": [{ \"Port\": 80, \"Protocol\": \"TCP\",\n"
			   "   \"DefaultActions\": [{ \"Type\": \"forward\", "
			   "\"TargetGroupArn\": \"tg\" }] }] }],\n"
			   " \"TargetGroups\": [{ \"TargetGroupName\": \"tg\", \"Protocol\": "
			   "\"TCP\", \"Port\": 80,\n"
			   "  \"TargetType\": \"ip\", \"Targets\": [{ \"Id\": \"198.19.1.2\" }],\n"
			   "  \"Attributes\": [{ \"Key\": "
			   "\"deregistration_delay.timeout_seconds\", \"Value\": \"0\" }] }]\n"
			   "}\n";

static bool instances_by_owner(void)
{
	struct config_error cerr;
	struct model *m = NULL;
	struct loop *loop = NULL;
	struct ctl *ctl = NULL;
	struct dpif *dp = NULL;
	const struct health_target *h;
	struct json_object *data = NULL, *arr, *t, *id;
	bool ok = false;

	if (config_load_buffer("ctl.json", conf, sizeof(conf) - 1, &m, &cerr)) {
		printf("  config: %s\n", cerr.msg);
		return false;
	}
	if (loop_new(&loop) || dpif_mem_new(&dp) || ctl_new(loop, dp, &ctl) || ctl_apply(ctl, m))
		goto out;
	if (!ctl_has_target_group(ctl, "tg") ||
	    !ctl_has_target_group(ctl, "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/"
				       "tg/0123") ||
	    ctl_has_target_group(ctl, "other")) {
		printf("  target groups by name and ARN\n");
		goto out;
	}
	if (ctl_instance_register(ctl, "tg", "198.18.192.2", "i-0123456789abcdef0") ||
	    ctl_instance_register(ctl, "nope", "198.18.192.2", "i-0123456789abcdef0") != -ENOENT ||
	    ctl_instance_register(ctl, "tg", "not-an-ip", "i-0123456789abcdef0") != -EINVAL) {
		printf("  registering an instance\n");
		goto out;
	}
	h = ctl_target_health(ctl, "tg", "198.18.192.2");
	if (!h || h->state != HEALTH_INITIAL) {
		printf("  a registered instance starts initial\n");
		goto out;
	}
	/* describe-target-health names it by its instance id */
	if (ctl_describe_target_health(ctl, "tg", &data) ||
	    !json_object_object_get_ex(data, "TargetHealthDescriptions", &arr) ||
	    json_object_array_length(arr) != 2) {
		printf("  two targets described\n");
		goto out;
	}
	json_object_object_get_ex(json_object_array_get_idx(arr, 1), "Target", &t);
	json_object_object_get_ex(t, "Id", &id);
	if (strcmp(json_object_get_string(id), "i-0123456789abcdef0")) {
		printf("  instance target Id: %s\n", json_object_get_string(id));
		goto out;
	}
	/* a reload keeps what a group registered; the file's target stays too */
	if (ctl_apply(ctl, m) || !ctl_target_health(ctl, "tg", "198.18.192.2") ||
	    !ctl_target_health(ctl, "tg", "198.19.1.2")) {
		printf("  a reload dropped a target\n");
		goto out;
	}
	/* only a group's registration is undone by the group; delay 0: gone at once */
	if (ctl_instance_deregister(ctl, "tg", "198.19.1.2") != -ESRCH ||
	    ctl_instance_deregister(ctl, "tg", "198.18.192.2") ||
	    ctl_target_health(ctl, "tg", "198.18.192.2")) {
		printf("  deregistering by owner\n");
		goto out;
	}
	ok = true;
out:
	json_object_put(data);
	ctl_free(ctl);
	dpif_free(dp);
	loop_free(loop);
	model_free(m);
	CHECK(ok, "see above");
	return true;
}

/* register-targets and deregister-targets apply a batch whole or not at all: a bad address,
 * a target not registered, or too few backend slots anywhere in it leaves every target as it
 * was.
 */
static bool batch_whole_or_nothing(void)
{
	static const struct ctl_target_ref good[] = { { "198.19.2.1", 0 }, { "198.19.2.2", 8080 } },
					   bad_last[] = { { "198.19.3.1", 0 },
							  { "198.19.3.2", 0 },
							  { "not-an-ip", 0 } },
					   unknown[] = { { "198.19.2.1", 0 }, { "198.19.9.9", 0 } };
	struct ctl_target_ref *many = NULL;
	char(*ips)[32] = NULL;
	struct config_error cerr;
	struct model *m = NULL;
	struct loop *loop = NULL;
	struct ctl *ctl = NULL;
	struct dpif *dp = NULL;
	const struct health_target *h;
	size_t bad, i, nmany = XLB_MAX_BACKENDS;
	bool ok = false;

	if (config_load_buffer("ctl.json", conf, sizeof(conf) - 1, &m, &cerr)) {
		printf("  config: %s\n", cerr.msg);
		return false;
	}
	if (loop_new(&loop) || dpif_mem_new(&dp) || ctl_new(loop, dp, &ctl) || ctl_apply(ctl, m))
		goto out;
	if (ctl_register_batch(ctl, "tg", good, 2, &bad) || bad != 2 ||
	    !ctl_target_health(ctl, "tg", "198.19.2.1")) {
		printf("  a good batch registered\n");
		goto out;
	}
	if (ctl_register_batch(ctl, "tg", bad_last, 3, &bad) != -EINVAL || bad != 2 ||
	    ctl_target_health(ctl, "tg", "198.19.3.1") ||
	    ctl_target_health(ctl, "tg", "198.19.3.2")) {
		printf("  a batch with a bad address last registered part of it (bad %zu)\n", bad);
		goto out;
	}
	if (ctl_register_batch(ctl, "nope", good, 2, &bad) != -ENOENT) {
		printf("  unknown group\n");
		goto out;
	}
	/* one more target than there are free slots: none of them is taken */
	many = calloc(nmany, sizeof(*many));
	ips = calloc(nmany, sizeof(*ips));
	if (!many || !ips)
		goto out;
	for (i = 0; i < nmany; i++) {
		snprintf(ips[i], sizeof(ips[i]), "198.18.%zu.%zu", 64 + i / 250, 1 + i % 250);
		many[i].addr = ips[i];
	}
	if (ctl_register_batch(ctl, "tg", many, nmany, &bad) != -ENOSPC || bad >= nmany ||
	    ctl_target_health(ctl, "tg", ips[0])) {
		printf("  a batch larger than the free slots registered part of it (bad %zu)\n",
		       bad);
		goto out;
	}
	/* deregistering: one target not registered and the other stays */
	if (ctl_deregister_batch(ctl, "tg", unknown, 2, &bad) != -ESRCH || bad != 1 ||
	    !(h = ctl_target_health(ctl, "tg", "198.19.2.1")) || h->state != HEALTH_INITIAL) {
		printf("  a deregistration with an unknown target took part of it away\n");
		goto out;
	}
	/* a target named twice is not an error; delay 0: gone at once */
	{
		const struct ctl_target_ref twice[] = { { "198.19.2.1", 0 }, { "198.19.2.1", 0 } };

		if (ctl_deregister_batch(ctl, "tg", twice, 2, &bad) ||
		    ctl_target_health(ctl, "tg", "198.19.2.1")) {
			printf("  deregistering a target named twice\n");
			goto out;
		}
	}
	ok = true;
out:
	free(many);
	free(ips);
	ctl_free(ctl);
	dpif_free(dp);
	loop_free(loop);
	model_free(m);
	CHECK(ok, "see above");
	return true;
}

int main(void)
{
	RUN(select_healthy_only);
	RUN(select_fail_open);
	RUN(listener_keys);
	RUN(slot_pick_stable);
	RUN(instances_by_owner);
	RUN(batch_whole_or_nothing);
	return check_summary();
}
