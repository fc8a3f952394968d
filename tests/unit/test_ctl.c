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

#include "api.h"
#include "check.h"
#include "config.h"
#include "ctl.h"
#include "ctl_state.h"
#include "ctl_view.h"
#include "dpif_mem.h"
#include "loop.h"
#include "promhttp.h"
#include "xlbd_internal.h"

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

/* ---- ctl_apply through the datapath in memory ---- */

/* One controller over one datapath in memory; a case's body gets it set up and torn down
 * whatever the body's CHECKs do.
 */
struct fx {
	struct loop *loop;
	struct dpif *dp;
	struct ctl *ctl;
	struct model *m; /* the last one applied */
};

static bool fx_open(struct fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	return !loop_new(&fx->loop) && !dpif_mem_new(&fx->dp) &&
	       !ctl_new(fx->loop, fx->dp, &fx->ctl);
}

static void fx_close(struct fx *fx)
{
	ctl_free(fx->ctl);
	dpif_free(fx->dp);
	loop_free(fx->loop);
	model_free(fx->m);
}

#define FX_CASE(name)                                       \
	static bool name(void)                              \
	{                                                   \
		struct fx fx;                               \
		bool ok = fx_open(&fx) && name##_body(&fx); \
		fx_close(&fx);                              \
		return ok;                                  \
	}

/* A listener on port forwarding to target group tg, and a target group with its targets
 * (JSON objects) and deregistration delay.
 */
#define LISTENER(port, proto, tg)                                                             \
	"{\"Port\": " #port ", \"Protocol\": \"" proto "\", \"DefaultActions\": [{\"Type\": " \
	"\"forward\", \"TargetGroupArn\": \"" tg "\"}]}"
#define TG(name, proto, delay, targets)                                                   \
	"{\"TargetGroupName\": \"" name "\", \"Protocol\": \"" proto "\", \"Port\": 80, " \
	"\"TargetType\": \"ip\", \"Targets\": [" targets "], \"Attributes\": [{\"Key\": " \
	"\"deregistration_delay.timeout_seconds\", \"Value\": \"" #delay "\"}]}"
#define T(ip) "{\"Id\": \"" ip "\"}"

/* Loads a configuration and applies it: ctl_apply's result, or -EBADMSG when the file does
 * not load. The model stays until the next one (what status renders from).
 */
static int fx_apply_json(struct fx *fx, const char *json)
{
	struct config_error cerr;
	struct model *m = NULL;
	int err;

	if (config_load_buffer("ctl.json", json, strlen(json), &m, &cerr)) {
		printf("  config: %s\n", cerr.msg);
		return -EBADMSG;
	}
	err = ctl_apply(fx->ctl, m);
	model_free(fx->m);
	fx->m = m;
	return err;
}

/* The same for one load balancer (addresses and listeners as JSON) and target groups. */
static int fx_apply(struct fx *fx, const char *addrs, const char *listeners, const char *tgs)
{
	size_t len = strlen(addrs) + strlen(listeners) + strlen(tgs) + 256;
	char *buf = malloc(len);
	int err;

	if (!buf)
		return -ENOMEM;
	snprintf(buf, len,
		 "{\"LoadBalancers\": [{\"Name\": \"lb\", \"XlbAddresses\": [%s], "
		 "\"Listeners\": [%s]}], \"TargetGroups\": [%s]}",
		 addrs, listeners, tgs);
	err = fx_apply_json(fx, buf);
	free(buf);
	return err;
}

#define V4 "\"198.18.100.1\""

static struct xlb_vip_key vkey(const char *addr, uint16_t port, uint8_t proto)
{
	struct xlb_vip_key k = {};

	if (inet_pton(AF_INET, addr, k.addr) == 1) {
		k.family = XLB_FAMILY_V4;
	} else {
		inet_pton(AF_INET6, addr, k.addr);
		k.family = XLB_FAMILY_V6;
	}
	k.port = htons(port);
	k.proto = proto;
	return k;
}

/* The service's id in the datapath, 0 when it has none. */
static uint32_t fx_vip_id(struct fx *fx, const char *addr, uint16_t port, uint8_t proto)
{
	struct xlb_vip_key k = vkey(addr, port, proto);
	struct xlb_vip vip;

	return dpif_mem_vip_get(fx->dp, &k, &vip) ? 0 : vip.id;
}

/* The slot that holds (or held) addr:port, -1 when none. */
static int fx_slot(struct fx *fx, const char *addr, uint16_t port)
{
	uint8_t a[4];
	struct xlb_backend be;
	int id;

	inet_pton(AF_INET, addr, a);
	for (id = 1; id < XLB_MAX_BACKENDS; id++)
		if (!dpif_backend_get(fx->dp, (uint32_t)id, &be) && be.family == XLB_FAMILY_V4 &&
		    !memcmp(be.addr, a, 4) && ntohs(be.port) == port)
			return id;
	return -1;
}

static uint8_t fx_flags(struct fx *fx, int slot)
{
	struct xlb_backend be = {};

	if (slot > 0)
		dpif_backend_get(fx->dp, (uint32_t)slot, &be);
	return be.flags;
}

/* The weight the service's table gives slot, 0 when the slot is not in it; *n gets the
 * number of backends in the table.
 */
static uint32_t fx_ring_weight(struct fx *fx, uint32_t vip_id, int slot, size_t *n)
{
	struct maglev_backend bes[16];
	size_t i, k = dpif_mem_ring_get(fx->dp, vip_id, bes, 16);

	if (n)
		*n = k;
	for (i = 0; i < k && i < 16; i++)
		if ((int)bes[i].id == slot)
			return bes[i].weight;
	return 0;
}

static enum health_state fx_state(struct fx *fx, const char *tg, const char *addr)
{
	const struct health_target *h = ctl_target_health(fx->ctl, tg, addr);

	return h ? h->state : HEALTH_STATE_MAX;
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

static const char *fx_target_id(struct json_object *data, size_t i)
{
	struct json_object *arr, *t, *id;

	if (!json_object_object_get_ex(data, "TargetHealthDescriptions", &arr) ||
	    !json_object_object_get_ex(json_object_array_get_idx(arr, i), "Target", &t) ||
	    !json_object_object_get_ex(t, "Id", &id))
		return NULL;
	return json_object_get_string(id);
}

/* describe-target-health's count of targets and the Id of the one at i ("" when none). */
static size_t fx_described(struct fx *fx, const char *tg, size_t i, char *id, size_t len)
{
	struct json_object *data = NULL, *arr;
	size_t n = 0;

	id[0] = '\0';
	if (!ctl_view_target_health(fx->ctl, tg, &data) &&
	    json_object_object_get_ex(data, "TargetHealthDescriptions", &arr)) {
		n = json_object_array_length(arr);
		snprintf(id, len, "%s", fx_target_id(data, i) ? fx_target_id(data, i) : "");
	}
	json_object_put(data);
	return n;
}

static bool instances_by_owner_body(struct fx *fx)
{
	const struct health_target *h;
	char id[32];

	CHECK(!fx_apply_json(fx, conf), "applied");
	CHECK(ctl_has_target_group(fx->ctl, "tg") &&
		      ctl_has_target_group(fx->ctl, "arn:aws:elasticloadbalancing:us-east-1:1:"
						    "targetgroup/tg/0123") &&
		      !ctl_has_target_group(fx->ctl, "other"),
	      "target groups by name and ARN");
	CHECK(!ctl_instance_register(fx->ctl, "tg", "198.18.192.2", "i-0123456789abcdef0") &&
		      ctl_instance_register(fx->ctl, "nope", "198.18.192.2",
					    "i-0123456789abcdef0") == -ENOENT &&
		      ctl_instance_register(fx->ctl, "tg", "not-an-ip", "i-0123456789abcdef0") ==
			      -EINVAL,
	      "registering an instance");
	h = ctl_target_health(fx->ctl, "tg", "198.18.192.2");
	CHECK(h && h->state == HEALTH_INITIAL, "a registered instance starts initial");
	/* describe-target-health names it by its instance id */
	CHECK(fx_described(fx, "tg", 1, id, sizeof(id)) == 2, "two targets described");
	CHECK(!strcmp(id, "i-0123456789abcdef0"), "instance target Id: %s", id);
	/* a reload keeps what a group registered; the file's target stays too */
	CHECK(!fx_apply_json(fx, conf) && ctl_target_health(fx->ctl, "tg", "198.18.192.2") &&
		      ctl_target_health(fx->ctl, "tg", "198.19.1.2"),
	      "a reload dropped a target");
	/* only a group's registration is undone by the group; delay 0: gone at once */
	CHECK(ctl_instance_deregister(fx->ctl, "tg", "198.19.1.2") == -ESRCH &&
		      !ctl_instance_deregister(fx->ctl, "tg", "198.18.192.2") &&
		      !ctl_target_health(fx->ctl, "tg", "198.18.192.2"),
	      "deregistering by owner");
	return true;
}
FX_CASE(instances_by_owner)

/* register-targets and deregister-targets apply a batch whole or not at all: a bad address,
 * a target not registered, or too few backend slots anywhere in it leaves every target as it
 * was.
 */
static bool batch_whole_or_nothing_body(struct fx *fx)
{
	static const struct ctl_target_ref good[] = { { "198.19.2.1", 0 }, { "198.19.2.2", 8080 } },
					   bad_last[] = { { "198.19.3.1", 0 },
							  { "198.19.3.2", 0 },
							  { "not-an-ip", 0 } },
					   unknown[] = { { "198.19.2.1", 0 }, { "198.19.9.9", 0 } },
					   twice[] = { { "198.19.2.1", 0 }, { "198.19.2.1", 0 } };
	static struct ctl_target_ref many[XLB_MAX_BACKENDS];
	static char ips[XLB_MAX_BACKENDS][32];
	const struct health_target *h;
	size_t bad, i, nmany = XLB_MAX_BACKENDS;
	int err;

	CHECK(!fx_apply_json(fx, conf), "applied");
	CHECK(!ctl_register_batch(fx->ctl, "tg", good, 2, &bad) && bad == 2 &&
		      ctl_target_health(fx->ctl, "tg", "198.19.2.1"),
	      "a good batch registered");
	CHECK(ctl_register_batch(fx->ctl, "tg", bad_last, 3, &bad) == -EINVAL && bad == 2 &&
		      !ctl_target_health(fx->ctl, "tg", "198.19.3.1") &&
		      !ctl_target_health(fx->ctl, "tg", "198.19.3.2"),
	      "a batch with a bad address last registered part of it (bad %zu)", bad);
	CHECK(ctl_register_batch(fx->ctl, "nope", good, 2, &bad) == -ENOENT, "unknown group");
	/* one more target than there are free slots: none of them is taken */
	for (i = 0; i < nmany; i++) {
		snprintf(ips[i], sizeof(ips[i]), "198.18.%zu.%zu", 64 + i / 250, 1 + i % 250);
		many[i].addr = ips[i];
	}
	err = ctl_register_batch(fx->ctl, "tg", many, nmany, &bad);
	CHECK(err == -ENOSPC && bad < nmany && !ctl_target_health(fx->ctl, "tg", ips[0]),
	      "a batch larger than the free slots registered part of it (bad %zu)", bad);
	/* deregistering: one target not registered and the other stays */
	CHECK(ctl_deregister_batch(fx->ctl, "tg", unknown, 2, &bad) == -ESRCH && bad == 1 &&
		      (h = ctl_target_health(fx->ctl, "tg", "198.19.2.1")) &&
		      h->state == HEALTH_INITIAL,
	      "a deregistration with an unknown target took part of it away");
	/* a target named twice is not an error; delay 0: gone at once */
	CHECK(!ctl_deregister_batch(fx->ctl, "tg", twice, 2, &bad) &&
		      !ctl_target_health(fx->ctl, "tg", "198.19.2.1"),
	      "deregistering a target named twice");
	return true;
}
FX_CASE(batch_whole_or_nothing)

/* Listeners become services (per address and protocol), change mode in place and leave
 * with their tables.
 */
static bool apply_services_body(struct fx *fx)
{
	const char *addrs = V4 ", \"2001:2:0:100::1\"";
	uint32_t tcp4, tcp6, udp4, udp6;
	size_t n;
	int s1, s2;

	CHECK(!fx_apply(fx, addrs, LISTENER(80, "TCP", "a") ", " LISTENER(53, "UDP", "b"),
			TG("a", "TCP", 0, T("198.19.1.1") "," T("198.19.1.2")) ", " TG(
				"b", "TCP_UDP", 0, T("198.19.2.1"))),
	      "applied");
	CHECK(dpif_mem_vip_count(fx->dp) == 4, "two addresses x two listeners: %zu services",
	      dpif_mem_vip_count(fx->dp));
	tcp4 = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	tcp6 = fx_vip_id(fx, "2001:2:0:100::1", 80, IPPROTO_TCP);
	udp4 = fx_vip_id(fx, "198.18.100.1", 53, IPPROTO_UDP);
	udp6 = fx_vip_id(fx, "2001:2:0:100::1", 53, IPPROTO_UDP);
	CHECK(tcp4 && tcp6 && udp4 && udp6, "every service has an id");
	CHECK(tcp4 != tcp6 && tcp4 != udp4 && tcp4 != udp6 && tcp6 != udp4 && tcp6 != udp6 &&
		      udp4 != udp6,
	      "ids differ");
	s1 = fx_slot(fx, "198.19.1.1", 80);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(s1 > 0 && s2 > 0 && s1 != s2, "a slot each: %d %d", s1, s2);
	CHECK(fx_ring_weight(fx, tcp4, s1, &n) && fx_ring_weight(fx, tcp4, s2, NULL) && n == 2,
	      "the v4 service's table has both targets (%zu)", n);
	fx_ring_weight(fx, tcp6, s1, &n);
	CHECK(n == 0, "IPv4 targets are not in the IPv6 service's table (%zu)", n);
	CHECK(fx_ring_weight(fx, udp4, fx_slot(fx, "198.19.2.1", 80), &n) && n == 1,
	      "the udp service has its group's target");

	/* the udp listener goes, the tcp one turns to ipip */
	CHECK(!fx_apply(fx, addrs,
			"{\"Port\": 80, \"Protocol\": \"TCP\", \"XlbForwardingMode\": \"ipip\", "
			"\"DefaultActions\": [{\"Type\": \"forward\", \"TargetGroupArn\": \"a\"}]}",
			TG("a", "TCP", 0, T("198.19.1.1") "," T("198.19.1.2"))),
	      "applied again");
	CHECK(dpif_mem_vip_count(fx->dp) == 2, "the udp services left (%zu)",
	      dpif_mem_vip_count(fx->dp));
	CHECK(!fx_vip_id(fx, "198.18.100.1", 53, IPPROTO_UDP), "udp gone");
	CHECK(dpif_mem_ring_get(fx->dp, udp4, NULL, 0) == 0, "its table went with it");
	CHECK(fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP) == tcp4, "tcp keeps its id");
	{
		struct xlb_vip_key k = vkey("198.18.100.1", 80, IPPROTO_TCP);
		struct xlb_vip vip;

		CHECK(!dpif_mem_vip_get(fx->dp, &k, &vip) && vip.mode == XLB_MODE_IPIP,
		      "the mode changed in place");
	}
	CHECK(fx_ring_weight(fx, tcp4, s1, &n) && n == 2, "and its table stayed whole");
	return true;
}
FX_CASE(apply_services)

/* Targets hold slots: written active, cleared when they leave, the same slot when they come
 * back; a target's own port gets its own slot.
 */
static bool apply_backends_body(struct fx *fx)
{
	struct xlb_backend be;
	uint32_t id;
	size_t n;
	int s1, s2, s3, s4;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"),
			TG("a", "TCP", 0, T("198.19.1.1") "," T("198.19.1.2"))),
	      "applied");
	id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	s1 = fx_slot(fx, "198.19.1.1", 80);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(s1 > 0 && s2 > 0, "slots written");
	CHECK(fx_flags(fx, s1) == XLB_BE_F_ACTIVE && fx_flags(fx, s2) == XLB_BE_F_ACTIVE,
	      "active, not draining");
	CHECK(!dpif_backend_get(fx->dp, (uint32_t)s1, &be) && be.family == XLB_FAMILY_V4 &&
		      ntohs(be.port) == 80,
	      "address and port");

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"),
			TG("a", "TCP", 0, T("198.19.1.2") "," T("198.19.1.3"))),
	      "one target replaced");
	s3 = fx_slot(fx, "198.19.1.3", 80);
	CHECK(fx_flags(fx, s1) == 0, "the one that left is cleared (delay 0)");
	CHECK(fx_state(fx, "a", "198.19.1.1") == HEALTH_STATE_MAX, "and gone from its group");
	CHECK(fx_slot(fx, "198.19.1.2", 80) == s2, "the one that stayed keeps its slot");
	CHECK(s3 > 0 && s3 != s1, "the new one takes a never-used slot, not the freed one");
	CHECK(!fx_ring_weight(fx, id, s1, &n) && fx_ring_weight(fx, id, s3, NULL) && n == 2,
	      "the table follows");

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"),
			TG("a", "TCP", 0,
			   T("198.19.1.1") "," T("198.19.1.2") ", {\"Id\": \"198.19.1.2\", "
							       "\"Port\": 8080}")),
	      "back, and a second port");
	CHECK(fx_slot(fx, "198.19.1.1", 80) == s1 && fx_flags(fx, s1) == XLB_BE_F_ACTIVE,
	      "a target that comes back gets its slot again");
	s4 = fx_slot(fx, "198.19.1.2", 8080);
	CHECK(s4 > 0 && s4 != s2, "another port, another slot");
	CHECK(fx_flags(fx, s3) == 0, "198.19.1.3 left");
	fx_ring_weight(fx, id, s1, &n);
	CHECK(n == 3, "three backends in the table (%zu)", n);
	return true;
}
FX_CASE(apply_backends)

/* A forward action's weights are the groups' shares of the service, split over each group's
 * targets; weight 0 leaves a group out.
 */
/* Listener 80 forwarding to a (one target) and b (two) with weights wa and wb. */
static int fx_apply_weights(struct fx *fx, int wa, int wb)
{
	char l[512];

	snprintf(l, sizeof(l),
		 "{\"Port\": 80, \"Protocol\": \"TCP\", \"DefaultActions\": [{\"Type\": "
		 "\"forward\", \"ForwardConfig\": {\"TargetGroups\": [{\"TargetGroupArn\": \"a\", "
		 "\"Weight\": %d}, {\"TargetGroupArn\": \"b\", \"Weight\": %d}]}}]}",
		 wa, wb);
	return fx_apply(fx, V4, l,
			TG("a", "TCP", 0, T("198.19.1.1")) ", " TG(
				"b", "TCP", 0, T("198.19.2.1") "," T("198.19.2.2")));
}

static bool apply_weights_body(struct fx *fx)
{
	uint32_t id;
	size_t n;
	int a1, b1, b2;

	CHECK(!fx_apply_weights(fx, 3, 1), "applied");
	id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	a1 = fx_slot(fx, "198.19.1.1", 80);
	b1 = fx_slot(fx, "198.19.2.1", 80);
	b2 = fx_slot(fx, "198.19.2.2", 80);
	CHECK(fx_ring_weight(fx, id, a1, &n) == 3000 && n == 3, "a: 3/4 on its one target (%u)",
	      fx_ring_weight(fx, id, a1, NULL));
	CHECK(fx_ring_weight(fx, id, b1, NULL) == 500 && fx_ring_weight(fx, id, b2, NULL) == 500,
	      "b: 1/4 split over two");

	CHECK(!fx_apply_weights(fx, 0, 2), "weights changed");
	CHECK(!fx_ring_weight(fx, id, a1, &n) && n == 2, "weight 0: a is out of the table");
	CHECK(fx_ring_weight(fx, id, b1, NULL) == 1000, "b has it all");
	return true;
}
FX_CASE(apply_weights)

/* A deregistered target drains: active and draining in its slot, out of the table, kept while
 * it has live flows (not closing ones, not idle ones), gone at the first tick without.
 * Registered again before it drained, it is back. A flow table that cannot be read keeps it.
 */
static bool apply_drain_body(struct fx *fx)
{
	const char *both = TG("a", "TCP", 300, T("198.19.1.1") "," T("198.19.1.2"));
	const char *one = TG("a", "TCP", 300, T("198.19.1.1"));
	uint32_t id;
	size_t n;
	int s2;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), both), "applied");
	id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), one), "one deregistered");
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_DRAINING, "draining");
	CHECK(fx_flags(fx, s2) == (XLB_BE_F_ACTIVE | XLB_BE_F_DRAINING),
	      "its slot says draining: flows stay, no new ones");
	CHECK(!fx_ring_weight(fx, id, s2, &n) && n == 1, "out of the table");

	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 1000, false), "a live flow");
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, true), "a closing one");
	ctl_tick(fx->ctl);
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_DRAINING, "a live flow holds it");

	dpif_mem_flows_clear(fx->dp);
	dpif_mem_fail(fx->dp, DPIF_MEM_FLOW_WALK, -EIO);
	ctl_tick(fx->ctl);
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_DRAINING,
	      "flows that cannot be counted are not taken for none");
	dpif_mem_fail(fx->dp, DPIF_MEM_FLOW_WALK, 0);

	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, true), "a closing flow");
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, CTL_FLOW_IDLE_MS + 1000, false),
	      "an idle one");
	ctl_tick(fx->ctl);
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_STATE_MAX,
	      "closing and idle flows do not hold it: gone");
	CHECK(fx_flags(fx, s2) == 0, "its slot cleared");

	/* registered again while it drains: back in service */
	dpif_mem_flows_clear(fx->dp);
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), both), "back");
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, false), "a flow");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), one), "deregistered");
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_DRAINING, "draining");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), both), "registered before it drained");
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_INITIAL, "checks start over");
	CHECK(fx_flags(fx, s2) == XLB_BE_F_ACTIVE && fx_ring_weight(fx, id, s2, NULL),
	      "active and in the table again");
	return true;
}
FX_CASE(apply_drain)

/* ---- connection termination at the end of the deregistration delay ---- */

/* AWS, "Edit target group attributes for your Network Load Balancer", Deregistration delay:
 * once the delay is over, a deregistered target's connections that are still open are closed
 * only when deregistration_delay.connection_termination.enabled is true (default false);
 * otherwise the load balancer may go on sending them to the target until they end. Nothing
 * to close leaves nothing behind; flows that cannot be counted are taken for some.
 */
static bool dereg_end_rule(void)
{
	CHECK(ctl_dereg_end(true, 3) == CTL_DEREG_TERMINATE, "on: the open flows are ended");
	CHECK(ctl_dereg_end(false, 3) == CTL_DEREG_LINGER, "off: they keep their target");
	CHECK(ctl_dereg_end(true, 0) == CTL_DEREG_GONE && ctl_dereg_end(false, 0) == CTL_DEREG_GONE,
	      "no flow: nothing to keep or end");
	CHECK(ctl_dereg_end(true, -1) == CTL_DEREG_TERMINATE &&
		      ctl_dereg_end(false, -1) == CTL_DEREG_LINGER,
	      "uncounted flows are taken for some");
	return true;
}

/* Which flows termination ends: the target's backend (its slot and that slot's current gen:
 * not those of an earlier backend that held the slot), through the services of its group
 * (vips given: another group's target may share the slot and keep its flows), through any
 * when no service forwards to its group any more (no vips).
 */
static bool flow_terminates_rule(void)
{
	struct dataplane_flow f = { .backend_id = 5, .backend_gen = 2, .vip_id = 7 };
	uint32_t vips[2] = { 3, 7 }, other[1] = { 3 };

	CHECK(ctl_flow_terminates(&f, 5, 2, NULL, 0), "its backend, any service");
	CHECK(!ctl_flow_terminates(&f, 4, 2, NULL, 0), "another backend's");
	CHECK(!ctl_flow_terminates(&f, 5, 1, NULL, 0), "an earlier holder of the slot");
	CHECK(ctl_flow_terminates(&f, 5, 2, vips, 2), "through one of its group's services");
	CHECK(!ctl_flow_terminates(&f, 5, 2, other, 1), "through another group's service");
	CHECK(!ctl_flow_terminates(&f, 5, 2, other, 0), "no service of its group: none");
	f.closing = true;
	CHECK(ctl_flow_terminates(&f, 5, 2, NULL, 0), "a closing one goes too (not counted)");
	return true;
}

#define TG_TERM(name, delay, close, targets)                                               \
	"{\"TargetGroupName\": \"" name "\", \"Protocol\": \"TCP\", \"Port\": 80, "        \
	"\"TargetType\": \"ip\", \"Targets\": [" targets "], \"Attributes\": [{\"Key\": "  \
	"\"deregistration_delay.timeout_seconds\", \"Value\": \"" #delay "\"}, {\"Key\": " \
	"\"deregistration_delay.connection_termination.enabled\", \"Value\": \"" close "\"}]}"

/* Ends target addr's deregistration delay now, as if its time had come. */
static void fx_expire(struct fx *fx, const char *tg, const char *addr)
{
	struct health_target *h = (struct health_target *)ctl_target_health(fx->ctl, tg, addr);

	if (h)
		h->drain_deadline = loop_now();
}

static uint64_t fx_terminated(struct fx *fx, const char *tg)
{
	struct json_object *data = json_object_new_object(), *arr, *o, *v;
	uint64_t n = UINT64_MAX;
	size_t i;

	if (data && !ctl_view_status(fx->ctl, fx->m, data) &&
	    json_object_object_get_ex(data, "TargetGroups", &arr)) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			o = json_object_array_get_idx(arr, i);
			if (json_object_object_get_ex(o, "TargetGroupName", &v) &&
			    !strcmp(json_object_get_string(v), tg) &&
			    json_object_object_get_ex(o, "ConnectionsTerminated", &v))
				n = (uint64_t)json_object_get_int64(v);
		}
	}
	json_object_put(data);
	return n;
}

/* On: at the delay's end the target's flows (live and closing) are gone from the table, the
 * live ones counted; the other target's flow stays; the slot is cleared.
 */
static bool terminate_on_body(struct fx *fx)
{
	const char *both = TG_TERM("a", 300, "true", T("198.19.1.1") "," T("198.19.1.2"));
	const char *one = TG_TERM("a", 300, "true", T("198.19.1.1"));
	uint32_t id;
	int s1, s2;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), both), "applied");
	id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	s1 = fx_slot(fx, "198.19.1.1", 80);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s1, id, 0, false), "a flow of the one kept");
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, false) &&
		      !dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, false) &&
		      !dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, true),
	      "two live flows and a closing one of the one deregistered");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), one), "deregistered");
	ctl_tick(fx->ctl);
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_DRAINING &&
		      dpif_mem_flow_count(fx->dp) == 4,
	      "draining: its flows go on");
	fx_expire(fx, "a", "198.19.1.2");
	ctl_tick(fx->ctl);
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_STATE_MAX, "gone at the delay's end");
	CHECK(dpif_mem_flow_count(fx->dp) == 1, "its three flows ended, the other kept (%zu left)",
	      dpif_mem_flow_count(fx->dp));
	CHECK(fx_terminated(fx, "a") == 2, "the two live ones counted (%llu)",
	      (unsigned long long)fx_terminated(fx, "a"));
	CHECK(fx_flags(fx, s2) == 0, "its slot cleared");
	return true;
}
FX_CASE(terminate_on)

/* Off: at the delay's end the target leaves its group but its live flows keep the slot
 * (active, draining: no new flow) until they end; nothing is counted.
 */
static bool terminate_off_body(struct fx *fx)
{
	const char *both = TG_TERM("a", 300, "false", T("198.19.1.1") "," T("198.19.1.2"));
	const char *one = TG_TERM("a", 300, "false", T("198.19.1.1"));
	uint32_t id;
	int s2;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), both), "applied");
	id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, false), "a live flow");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), one), "deregistered");
	fx_expire(fx, "a", "198.19.1.2");
	ctl_tick(fx->ctl);
	CHECK(fx_state(fx, "a", "198.19.1.2") == HEALTH_STATE_MAX, "gone from its group");
	CHECK(dpif_mem_flow_count(fx->dp) == 1 && fx_terminated(fx, "a") == 0,
	      "its flow kept, none counted");
	CHECK(fx_flags(fx, s2) == (XLB_BE_F_ACTIVE | XLB_BE_F_DRAINING),
	      "its slot still sends the flow there");
	ctl_tick(fx->ctl);
	CHECK(fx_flags(fx, s2) == (XLB_BE_F_ACTIVE | XLB_BE_F_DRAINING), "while the flow lives");
	dpif_mem_flows_clear(fx->dp);
	ctl_tick(fx->ctl);
	CHECK(fx_flags(fx, s2) == 0, "cleared once it ended");
	return true;
}
FX_CASE(terminate_off)

/* No delay at all and termination on: the flows end with the deregistration itself. */
static bool terminate_no_delay_body(struct fx *fx)
{
	const char *both = TG_TERM("a", 0, "true", T("198.19.1.1") "," T("198.19.1.2"));
	const char *one = TG_TERM("a", 0, "true", T("198.19.1.1"));
	uint32_t id;
	int s2;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), both), "applied");
	id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, id, 0, false), "a live flow");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), one), "deregistered");
	CHECK(dpif_mem_flow_count(fx->dp) == 0 && fx_terminated(fx, "a") == 1,
	      "ended at once, counted");
	return true;
}
FX_CASE(terminate_no_delay)

/* One backend in two groups, termination on in one and off in the other: each group's end
 * touches the flows of its own listener only, whichever of them expires first.
 */
static bool terminate_shared_slot_body(struct fx *fx)
{
	const char *tgs = TG_TERM("on", 300, "true", T("198.19.1.2")) "," TG_TERM(
		"off", 300, "false", T("198.19.1.2")) "," TG_TERM("keep", 300, "false",
								  T("198.19.1.9"));
	const char *gone = TG_TERM("on", 300, "true", T("198.19.1.9")) "," TG_TERM(
		"off", 300, "false", T("198.19.1.9")) "," TG_TERM("keep", 300, "false",
								  T("198.19.1.9"));
	const char *ls = LISTENER(80, "TCP", "on") "," LISTENER(81, "TCP", "off");
	uint32_t v80, v81;
	int s2;

	CHECK(!fx_apply(fx, V4, ls, tgs), "applied");
	v80 = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	v81 = fx_vip_id(fx, "198.18.100.1", 81, IPPROTO_TCP);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)s2, v80, 0, false) &&
		      !dpif_mem_flow_add(fx->dp, (uint32_t)s2, v81, 0, false),
	      "a flow through each listener");
	CHECK(!fx_apply(fx, V4, ls, gone), "deregistered from both");
	/* the group that keeps its flows expires first: the slot is no longer shared then */
	fx_expire(fx, "off", "198.19.1.2");
	ctl_tick(fx->ctl);
	fx_expire(fx, "on", "198.19.1.2");
	ctl_tick(fx->ctl);
	CHECK(fx_terminated(fx, "on") == 1 && dpif_mem_flow_count(fx->dp) == 1,
	      "the listener 80 flow ended, the 81 one kept (%zu left)",
	      dpif_mem_flow_count(fx->dp));
	CHECK(fx_flags(fx, s2) == (XLB_BE_F_ACTIVE | XLB_BE_F_DRAINING), "kept for it");
	return true;
}
FX_CASE(terminate_shared_slot)

/* A group's instance being terminated (fleet.c deregisters it, then waits for its target to
 * leave): with termination on, its flows end at the delay's end like any target's, and that
 * is when fleet.c sees it gone. Its IPv6 address is a target like any other.
 */
static bool terminate_instance_body(struct fx *fx)
{
	const char *tg = TG_TERM("a", 300, "true", T("198.19.1.1"));
	struct xlb_vip_key k6 = vkey("2001:2:0:100::1", 80, IPPROTO_TCP);
	struct xlb_vip vip;
	uint32_t id;
	int slot = -1, i;
	struct xlb_backend be;

	CHECK(!fx_apply(fx, V4 ",\"2001:2:0:100::1\"", LISTENER(80, "TCP", "a"), tg), "applied");
	CHECK(!ctl_instance_register(fx->ctl, "a", "2001:2:0:e00::2", "i-0123456789abcdef0"),
	      "an instance by its IPv6 address");
	CHECK(!dpif_mem_vip_get(fx->dp, &k6, &vip), "the v6 service");
	id = vip.id;
	for (i = 1; i < XLB_MAX_BACKENDS && slot < 0; i++)
		if (!dpif_backend_get(fx->dp, (uint32_t)i, &be) && be.family == XLB_FAMILY_V6 &&
		    (be.flags & XLB_BE_F_ACTIVE))
			slot = i;
	CHECK(slot > 0 && fx_ring_weight(fx, id, slot, NULL), "in the v6 service's table");
	CHECK(!dpif_mem_flow_add(fx->dp, (uint32_t)slot, id, 0, false), "a flow");
	CHECK(!ctl_instance_deregister(fx->ctl, "a", "2001:2:0:e00::2"), "deregistered");
	CHECK(fx_state(fx, "a", "2001:2:0:e00::2") == HEALTH_DRAINING, "draining");
	fx_expire(fx, "a", "2001:2:0:e00::2");
	ctl_tick(fx->ctl);
	CHECK(!ctl_target_health(fx->ctl, "a", "2001:2:0:e00::2"),
	      "gone: fleet.c may terminate it");
	CHECK(dpif_mem_flow_count(fx->dp) == 0 && fx_terminated(fx, "a") == 1, "its flow ended");
	return true;
}
FX_CASE(terminate_instance)

/* A write that fails makes ctl_apply fail; what was served stays served, the part that failed
 * is not half there, and the next apply completes it.
 */
static bool apply_failed_write_body(struct fx *fx)
{
	const char *tgs = TG("a", "TCP", 0, T("198.19.1.1"));
	uint32_t id;
	size_t n;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), tgs), "applied");
	id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	dpif_mem_fail(fx->dp, DPIF_MEM_VIP_SET, -ENOSPC);
	CHECK(fx_apply(fx, V4, LISTENER(80, "TCP", "a") ", " LISTENER(81, "TCP", "a"), tgs) ==
		      -ENOSPC,
	      "the map write's error is the apply's");
	CHECK(fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP) == id, "the running service stays");
	CHECK(fx_ring_weight(fx, id, fx_slot(fx, "198.19.1.1", 80), &n) && n == 1,
	      "with its table");
	CHECK(!fx_vip_id(fx, "198.18.100.1", 81, IPPROTO_TCP), "the new one is not there");
	dpif_mem_fail(fx->dp, DPIF_MEM_VIP_SET, 0);
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a") ", " LISTENER(81, "TCP", "a"), tgs),
	      "the next apply succeeds");
	CHECK(fx_vip_id(fx, "198.18.100.1", 81, IPPROTO_TCP), "the new service is there");

	dpif_mem_fail(fx->dp, DPIF_MEM_RING_SET, -EIO);
	CHECK(fx_apply(fx, V4, LISTENER(80, "TCP", "a"),
		       TG("a", "TCP", 0, T("198.19.1.1") "," T("198.19.1.2"))) == -EIO,
	      "a table that cannot be written fails the apply");
	CHECK(fx_ring_weight(fx, id, fx_slot(fx, "198.19.1.1", 80), &n) && n == 1,
	      "the old table serves meanwhile");
	dpif_mem_fail(fx->dp, DPIF_MEM_RING_SET, 0);
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"),
			TG("a", "TCP", 0, T("198.19.1.1") "," T("198.19.1.2"))),
	      "retried");
	fx_ring_weight(fx, id, 0, &n);
	CHECK(n == 2, "the new table is in (%zu)", n);
	return true;
}
FX_CASE(apply_failed_write)

/* More services than the datapath has ids: the ones that fit are served, the apply says
 * -ENOSPC, and a configuration that fits is served afterwards. (A group serves at most
 * 8 nat services, so there is one for every 8 listeners.)
 */
static bool apply_full_service_table_body(struct fx *fx)
{
	size_t i, nl = XLB_MAX_VIPS + 8, ng = nl / 8, len = nl * 160 + ng * 320;
	char *l = malloc(len), *g = malloc(len), *p;
	int err = -ENOMEM;

	if (l && g) {
		for (p = l, i = 0; i < nl; i++)
			p += snprintf(
				p, len - (size_t)(p - l),
				"%s{\"Port\": %zu, \"Protocol\": \"TCP\", \"DefaultActions\": "
				"[{\"Type\": \"forward\", \"TargetGroupArn\": \"t%zu\"}]}",
				i ? ", " : "", 1000 + i, i / 8);
		for (p = g, i = 0; i < ng; i++)
			p += snprintf(p, len - (size_t)(p - g),
				      "%s{\"TargetGroupName\": \"t%zu\", \"Protocol\": \"TCP\", "
				      "\"Port\": 80, \"Targets\": [{\"Id\": \"198.19.3.%zu\"}]}",
				      i ? ", " : "", i, i + 1);
		err = fx_apply(fx, V4, l, g);
	}
	free(l);
	free(g);
	CHECK(err == -ENOSPC, "too many services: %d", err);
	CHECK(dpif_mem_vip_count(fx->dp) == XLB_MAX_VIPS - 1, "every id but 0 used: %zu",
	      dpif_mem_vip_count(fx->dp));
	/* the ids of the services that leave are free once they left: the apply that removes
	 * them may not find one for a new service yet, the next does
	 */
	err = fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 0, T("198.19.1.1")));
	CHECK(!err || err == -ENOSPC, "a configuration that fits: %d", err);
	CHECK(dpif_mem_vip_count(fx->dp) <= 1, "the old services left");
	err = fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 0, T("198.19.1.1")));
	CHECK(!err, "applied again: %d", err);
	CHECK(dpif_mem_vip_count(fx->dp) == 1 && fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP),
	      "and the others left");
	return true;
}
FX_CASE(apply_full_service_table)

/* A controller started over a datapath that an earlier one wrote: services keep their ids,
 * targets their slots, the tables stay as they were until a first health verdict; services
 * and slots the new configuration does not name are removed.
 */
static bool apply_adopts_body(struct fx *fx)
{
	uint32_t id80, id81;
	unsigned int rings;
	size_t n;
	int s1, s2, s3, s4;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a") ", " LISTENER(81, "TCP", "b"),
			TG("a", "TCP", 0, T("198.19.1.1") "," T("198.19.1.2")) ", " TG(
				"b", "TCP", 0, T("198.19.1.4"))),
	      "the first controller applied");
	id80 = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
	id81 = fx_vip_id(fx, "198.18.100.1", 81, IPPROTO_TCP);
	s1 = fx_slot(fx, "198.19.1.1", 80);
	s2 = fx_slot(fx, "198.19.1.2", 80);
	s4 = fx_slot(fx, "198.19.1.4", 80);
	ctl_free(fx->ctl);
	fx->ctl = NULL;

	CHECK(!ctl_new(fx->loop, fx->dp, &fx->ctl), "a second controller over the same datapath");
	rings = dpif_mem_calls(fx->dp, DPIF_MEM_RING_SET);
	/* another order, one more target, listener 81 and its group gone */
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"),
			TG("a", "TCP", 0, T("198.19.1.3") "," T("198.19.1.2") "," T("198.19.1.1"))),
	      "applied");
	CHECK(fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP) == id80, "the service keeps its id");
	CHECK(!fx_vip_id(fx, "198.18.100.1", 81, IPPROTO_TCP), "the one not configured is gone");
	CHECK(dpif_mem_ring_get(fx->dp, id81, NULL, 0) == 0, "with its table");
	CHECK(fx_slot(fx, "198.19.1.1", 80) == s1 && fx_slot(fx, "198.19.1.2", 80) == s2,
	      "targets keep their slots");
	s3 = fx_slot(fx, "198.19.1.3", 80);
	CHECK(s3 > 0 && s3 != s1 && s3 != s2 && s3 != s4, "the new one takes an unused slot");
	CHECK(fx_flags(fx, s4) == 0, "a slot no target claims is cleared");
	CHECK(dpif_mem_calls(fx->dp, DPIF_MEM_RING_SET) == rings,
	      "no table written before a first verdict");
	CHECK(fx_ring_weight(fx, id80, s1, &n) && fx_ring_weight(fx, id80, s2, NULL) && n == 2,
	      "the adopted table serves meanwhile (%zu)", n);
	return true;
}
FX_CASE(apply_adopts)

static const char *fx_str(struct json_object *o, const char *path)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); o && tok; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	return o ? json_object_get_string(o) : "(none)";
}

/* What status and Prometheus show: the model's load balancers with the controller's counts,
 * and the datapath's counters by service and target.
 */
static bool view_status_metrics_body(struct fx *fx)
{
	struct json_object *data = json_object_new_object(), *th = NULL;
	struct promhttp_buf b;
	char want[256];
	uint32_t id;
	int s1;
	bool ok;

	promhttp_buf_init(&b);
	CHECK(data, "memory");
	ok = !fx_apply(fx, V4, LISTENER(80, "TCP", "a"),
		       TG("a", "TCP", 0, T("198.19.1.1") "," T("198.19.1.2"))) &&
	     !ctl_view_status(fx->ctl, fx->m, data);
	if (ok) {
		id = fx_vip_id(fx, "198.18.100.1", 80, IPPROTO_TCP);
		s1 = fx_slot(fx, "198.19.1.1", 80);
		dpif_mem_count(fx->dp, id, (uint32_t)s1, 5, 700);
		ctl_view_metrics(fx->ctl, &b);
		snprintf(want, sizeof(want),
			 "xlb_target_bytes_total{target_group=\"a\",target=\"198.19.1.1\","
			 "port=\"80\",backend=\"%d\"} 700\n",
			 s1);
	}
	ok = ok && !strcmp(fx_str(data, "LoadBalancers.0.LoadBalancerName"), "lb") &&
	     !strcmp(fx_str(data, "LoadBalancers.0.Addresses.0"), "198.18.100.1") &&
	     !strcmp(fx_str(data, "LoadBalancers.0.Listeners.0.TargetGroupName"), "a") &&
	     !strcmp(fx_str(data, "LoadBalancers.0.Listeners.0.Targets"), "2") &&
	     !strcmp(fx_str(data, "LoadBalancers.0.Listeners.0.HealthyTargets"), "0") &&
	     !strcmp(fx_str(data, "LoadBalancers.0.Listeners.0.FailOpen"), "true") &&
	     !strcmp(fx_str(data, "TargetGroups.0.Initial"), "2") &&
	     !strcmp(fx_str(data, "TargetGroups.0.Total"), "2") && b.data && !b.err &&
	     strstr(b.data, "xlb_service_packets_total{service=\"198.18.100.1:80/tcp\"} 5\n") &&
	     strstr(b.data, want) &&
	     strstr(b.data, "xlb_target_group_fail_open{target_group=\"a\"} 1\n") &&
	     ctl_view_target_health(fx->ctl, "nope", &th) == -ENOENT;
	if (!ok)
		printf("  status %s\n  metrics:\n%s\n", json_object_to_json_string(data),
		       b.data ? b.data : "(none)");
	json_object_put(data);
	promhttp_buf_free(&b);
	CHECK(ok, "see above");
	return true;
}
FX_CASE(view_status_metrics)

/* modify-target-group-attributes on a running group. AWS's "ModifyTargetGroupAttributes"
 * (Elastic Load Balancing API Reference): the request's attributes take effect together, or
 * the request fails with a ValidationError and none does. xlb's rule for a runtime change (as
 * set-desired-capacity): it holds across reloads until the file changes that attribute.
 */
static bool tg_attributes_runtime_body(struct fx *fx)
{
	const char *keys[2] = { "deregistration_delay.timeout_seconds", "stickiness.enabled" };
	const char *vals[2] = { "30", "true" };
	const char *bkeys[2] = { "stickiness.enabled", "deregistration_delay.timeout_seconds" };
	const char *bad[2] = { "true", "4000" };
	char err[512] = "";

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 300, T("198.19.1.1"))),
	      "applied");
	CHECK(ctl_tg_set_attributes(fx->ctl, &fx->m->tgs[0], bkeys, bad, 2, err, sizeof(err)) ==
			      -EINVAL &&
		      strstr(err, "Attributes[1]") && !ctl_tg_attribute(fx->ctl, "a", bkeys[0]) &&
		      ctl_tg_find(fx->ctl, "a")->hcfg.dereg_delay_ms == 300000,
	      "the second is bad: neither is kept (%s)", err);
	CHECK(ctl_tg_set_attributes(fx->ctl, &fx->m->tgs[0], keys, vals, 2, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK(ctl_tg_find(fx->ctl, "a")->hcfg.dereg_delay_ms == 30000, "in force at once");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 300, T("198.19.1.1"))),
	      "the same file again");
	CHECK(ctl_tg_find(fx->ctl, "a")->hcfg.dereg_delay_ms == 30000 &&
		      !strcmp(ctl_tg_attribute(fx->ctl, "a", keys[0]), "30"),
	      "a reload that does not change the attribute keeps the runtime value");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 200, T("198.19.1.1"))),
	      "the file changes the delay");
	CHECK(ctl_tg_find(fx->ctl, "a")->hcfg.dereg_delay_ms == 200000 &&
		      !ctl_tg_attribute(fx->ctl, "a", keys[0]),
	      "the file's new value wins");
	CHECK(ctl_tg_attribute(fx->ctl, "a", keys[1]) &&
		      !strcmp(ctl_tg_attribute(fx->ctl, "a", keys[1]), "true"),
	      "the attribute the file did not change stays");
	CHECK(ctl_tg_set_attributes(fx->ctl, &fx->m->tgs[0], keys, vals, 1, err, sizeof(err)) == 0,
	      "%s", err);
	{
		struct model_tg other = fx->m->tgs[0];

		other.name = (char *)"nope";
		CHECK(ctl_tg_set_attributes(fx->ctl, &other, keys, vals, 1, err, sizeof(err)) ==
			      -ENOENT,
		      "no such group");
	}
	return true;
}
FX_CASE(tg_attributes_runtime)

/* One verb's reply from a request in JSON: 0 with *data, or the handler's error with the code. */
static int fx_verb(struct fx *fx, api_handler_fn fn, const char *args, struct json_object **data,
		   char *code)
{
	struct xlbd d = { .model = fx->m, .ctl = fx->ctl };
	struct api_reply reply = { 0 };
	struct json_object *a = json_tokener_parse(args);
	int err = fn(a, &reply, &d);

	json_object_put(a);
	snprintf(code, API_CODE_MAX, "%s", reply.code);
	*data = reply.data;
	return err;
}

/* The elbv2 describes in AWS's shapes. AWS's "DescribeLoadBalancers", "DescribeTargetGroups",
 * "DescribeListeners" and "DescribeTargetGroupAttributes" (Elastic Load Balancing API
 * Reference): LoadBalancers[] with LoadBalancerArn, LoadBalancerName, Type, State.Code;
 * TargetGroups[] with the health check settings and the LoadBalancerArns that use each,
 * filtered by LoadBalancerArn; Listeners[] with DefaultActions' ForwardConfig.TargetGroups and
 * their weights; Attributes[] of Key and Value strings. An unknown name is LoadBalancerNotFound
 * or TargetGroupNotFound.
 */
static bool describe_elbv2_body(struct fx *fx)
{
	struct json_object *d = NULL;
	char code[API_CODE_MAX];
	bool ok = true;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a") "," LISTENER(81, "TCP", "b"),
			TG("a", "TCP", 300,
			   T("198.19.1.1")) "," TG("b", "TCP", 7, "") "," TG("c", "TCP", 300, "")),
	      "applied");
	CHECK(!fx_verb(fx, xlbd_api_describe_lbs, "{}", &d, code), "describe-load-balancers");
	ok = !strcmp(fx_str(d, "LoadBalancers.0.LoadBalancerName"), "lb") &&
	     !strcmp(fx_str(d, "LoadBalancers.0.State.Code"), "active") &&
	     !strcmp(fx_str(d, "LoadBalancers.0.XlbAddresses.0"), "198.18.100.1") &&
	     strstr(fx_str(d, "LoadBalancers.0.LoadBalancerArn"), ":loadbalancer/net/lb/");
	if (!ok)
		printf("  %s\n", json_object_to_json_string(d));
	json_object_put(d);
	CHECK(ok, "load balancers");
	CHECK(fx_verb(fx, xlbd_api_describe_lbs, "{\"Names\": [\"nope\"]}", &d, code) == -EINVAL &&
		      !strcmp(code, "LoadBalancerNotFound"),
	      "%s", code);
	CHECK(!fx_verb(fx, xlbd_api_describe_tgs, "{\"LoadBalancerArn\": \"lb\"}", &d, code),
	      "describe-target-groups");
	ok = json_object_array_length(json_object_object_get(d, "TargetGroups")) == 2 &&
	     !strcmp(fx_str(d, "TargetGroups.1.TargetGroupName"), "b") &&
	     !strcmp(fx_str(d, "TargetGroups.0.HealthCheckIntervalSeconds"), "30") &&
	     !strcmp(fx_str(d, "TargetGroups.0.HealthCheckPort"), "traffic-port") &&
	     !strcmp(fx_str(d, "TargetGroups.0.TargetType"), "ip") &&
	     strstr(fx_str(d, "TargetGroups.0.LoadBalancerArns.0"), "/lb/");
	if (!ok)
		printf("  %s\n", json_object_to_json_string(d));
	json_object_put(d);
	CHECK(ok, "only the two target groups lb forwards to, c left out");
	CHECK(!fx_verb(fx, xlbd_api_describe_listeners, "{\"LoadBalancerArn\": \"lb\"}", &d, code),
	      "describe-listeners");
	ok = !strcmp(fx_str(d, "Listeners.1.Port"), "81") &&
	     strstr(fx_str(d, "Listeners.1.DefaultActions.0.ForwardConfig.TargetGroups.0."
			      "TargetGroupArn"),
		    "targetgroup/b/") &&
	     !strcmp(fx_str(d, "Listeners.1.DefaultActions.0.ForwardConfig.TargetGroups.0.Weight"),
		     "1");
	if (!ok)
		printf("  %s\n", json_object_to_json_string(d));
	json_object_put(d);
	CHECK(ok, "listeners");
	CHECK(fx_verb(fx, xlbd_api_describe_listeners, "{}", &d, code) == -EINVAL,
	      "LoadBalancerArn is required");
	CHECK(!fx_verb(fx, xlbd_api_describe_tg_attrs, "{\"TargetGroupArn\": \"b\"}", &d, code),
	      "describe-target-group-attributes");
	ok = !strcmp(fx_str(d, "Attributes.0.Key"), "deregistration_delay.timeout_seconds") &&
	     !strcmp(fx_str(d, "Attributes.0.Value"), "7") &&
	     !strcmp(fx_str(d, "Attributes.5.Key"), "stickiness.type") &&
	     !strcmp(fx_str(d, "Attributes.5.Value"), "source_ip");
	if (!ok)
		printf("  %s\n", json_object_to_json_string(d));
	json_object_put(d);
	CHECK(ok, "the file's value, and the defaults of a TCP group");
	CHECK(!fx_verb(fx, xlbd_api_modify_tg_attrs,
		       "{\"TargetGroupArn\": \"b\", \"Attributes\": [{\"Key\": "
		       "\"deregistration_delay.timeout_seconds\", \"Value\": \"9\"}]}",
		       &d, code),
	      "modify-target-group-attributes");
	ok = !strcmp(fx_str(d, "Attributes.0.Value"), "9");
	json_object_put(d);
	CHECK(ok, "the reply lists the attributes as they now run");
	CHECK(fx_verb(fx, xlbd_api_modify_tg_attrs,
		      "{\"TargetGroupArn\": \"b\", \"Attributes\": [{\"Key\": \"x\"}]}", &d,
		      code) == -EINVAL &&
		      !strcmp(code, "ValidationError"),
	      "an attribute without a value");
	CHECK(fx_verb(fx, xlbd_api_describe_tg_attrs, "{\"TargetGroupArn\": \"zz\"}", &d, code) ==
			      -EINVAL &&
		      !strcmp(code, "TargetGroupNotFound"),
	      "%s", code);
	return true;
}
FX_CASE(describe_elbv2)

/* modify-target-group's health check settings. AWS's "ModifyTargetGroup" (Elastic Load
 * Balancing API Reference): HealthCheckIntervalSeconds 5..300, HealthCheckTimeoutSeconds less
 * than the interval, thresholds 2..10; the members not given keep their values. As with the
 * attributes, a reload keeps a setting until the file changes it.
 */
static bool tg_modify_health_check_body(struct fx *fx)
{
	struct json_object *d = NULL;
	char err[512] = "", code[API_CODE_MAX];
	bool ok;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 300, T("198.19.1.1"))),
	      "applied");
	CHECK(ctl_tg_modify(fx->ctl, &fx->m->tgs[0], "{\"HealthCheckIntervalSeconds\": 8}", err,
			    sizeof(err)) == -EINVAL &&
		      strstr(err, "HealthCheckIntervalSeconds"),
	      "not above the timeout (10 s for a TCP check): %s", err);
	CHECK(ctl_tg_modify(fx->ctl, &fx->m->tgs[0], "{\"HealthCheckIntervalSeconds\": 400}", err,
			    sizeof(err)) == -EINVAL,
	      "out of AWS's range");
	CHECK(ctl_tg_modify(fx->ctl, &fx->m->tgs[0], "{\"TargetType\": \"ip\"}", err,
			    sizeof(err)) == -EINVAL,
	      "not a health check setting");
	CHECK(ctl_tg_find(fx->ctl, "a")->hcfg.interval_ms == 30000, "nothing changed");
	CHECK(!ctl_tg_modify(fx->ctl, &fx->m->tgs[0],
			     "{\"HealthCheckIntervalSeconds\": 6, \"HealthCheckTimeoutSeconds\": 3}",
			     err, sizeof(err)),
	      "%s", err);
	CHECK(!ctl_tg_modify(fx->ctl, &fx->m->tgs[0], "{\"HealthyThresholdCount\": 3}", err,
			     sizeof(err)),
	      "%s: checked with the interval and timeout set before", err);
	CHECK(ctl_tg_find(fx->ctl, "a")->hcfg.interval_ms == 6000 &&
		      ctl_tg_find(fx->ctl, "a")->hcfg.timeout_ms == 3000 &&
		      ctl_tg_find(fx->ctl, "a")->hcfg.healthy_threshold == 3,
	      "in force");
	CHECK(!fx_verb(fx, xlbd_api_describe_tgs, "{}", &d, code), "describe");
	ok = !strcmp(fx_str(d, "TargetGroups.0.HealthCheckIntervalSeconds"), "6");
	json_object_put(d);
	CHECK(ok, "describe-target-groups shows the running value");
	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 300, T("198.19.1.1"))),
	      "the same file again");
	CHECK(ctl_tg_find(fx->ctl, "a")->hcfg.interval_ms == 6000, "kept");
	return true;
}
FX_CASE(tg_modify_health_check)

/* What a restart gives back (tgstate.c reads it from RUN_DIR/target-groups/NAME): the settings
 * in force again; one value that does not read refuses them all and changes nothing; one whose
 * file value changed since is dropped, as a reload drops it.
 */
static bool tg_runtime_restore_body(struct fx *fx)
{
	const char *keys[] = { "deregistration_delay.timeout_seconds" }, *vals[] = { "7" };
	struct ctl_tg_attr saved[8], bad[8];
	const struct ctl_tg_attr *v;
	char err[512] = "";
	size_t n, i;

	CHECK(!fx_apply(fx, V4, LISTENER(80, "TCP", "a"), TG("a", "TCP", 300, T("198.19.1.1"))),
	      "applied");
	CHECK(!ctl_tg_modify(
		      fx->ctl, &fx->m->tgs[0],
		      "{\"HealthCheckIntervalSeconds\": 12, \"HealthCheckTimeoutSeconds\": 3}", err,
		      sizeof(err)),
	      "%s", err);
	CHECK(!ctl_tg_set_attributes(fx->ctl, &fx->m->tgs[0], keys, vals, 1, err, sizeof(err)),
	      "%s", err);
	v = ctl_tg_runtime(fx->ctl, "a", &n);
	CHECK_INT(n, ==, 3);
	memcpy(saved, v, n * sizeof(*v));
	/* as after a restart: none, then the saved ones */
	CHECK_INT(ctl_tg_runtime_restore(fx->ctl, &fx->m->tgs[0], NULL, 0, err, sizeof(err)), ==,
		  0);
	CHECK_INT(ctl_tg_find(fx->ctl, "a")->hcfg.interval_ms, ==, 30000);
	CHECK_INT(ctl_tg_runtime_restore(fx->ctl, &fx->m->tgs[0], saved, 3, err, sizeof(err)), ==,
		  0);
	CHECK_INT(ctl_tg_find(fx->ctl, "a")->hcfg.interval_ms, ==, 12000);
	CHECK_INT(ctl_tg_find(fx->ctl, "a")->hcfg.timeout_ms, ==, 3000);
	CHECK_STR(ctl_tg_attribute(fx->ctl, "a", keys[0]), "7");
	/* one bad value: refused whole, nothing changed */
	for (i = 0; i < 3; i++) {
		memcpy(bad, saved, sizeof(saved));
		snprintf(bad[i].value, sizeof(bad[i].value), "%s", bad[i].hc ? "400" : "-1");
		CHECK_INT(ctl_tg_runtime_restore(fx->ctl, &fx->m->tgs[0], bad, 3, err, sizeof(err)),
			  ==, -EINVAL);
		CHECK(strstr(err, bad[i].key) != NULL, "names it: %s", err);
		CHECK_INT(ctl_tg_find(fx->ctl, "a")->hcfg.interval_ms, ==, 12000);
		CHECK_STR(ctl_tg_attribute(fx->ctl, "a", keys[0]), "7");
	}
	/* the file's value of the attribute changed since it was set: the file's wins */
	memcpy(bad, saved, sizeof(saved));
	for (i = 0; i < 3; i++)
		if (!bad[i].hc)
			snprintf(bad[i].file_value, sizeof(bad[i].file_value), "42");
	CHECK_INT(ctl_tg_runtime_restore(fx->ctl, &fx->m->tgs[0], bad, 3, err, sizeof(err)), ==, 0);
	CHECK(ctl_tg_attribute(fx->ctl, "a", keys[0]) == NULL, "dropped");
	CHECK_INT(ctl_tg_find(fx->ctl, "a")->hcfg.interval_ms, ==, 12000);
	CHECK(ctl_tg_runtime(fx->ctl, "a", &n) && n == 2, "the health check settings stay");
	CHECK_INT(ctl_tg_runtime_restore(fx->ctl, &fx->m->tgs[0], saved, 3, err, sizeof(err)), ==,
		  0);
	return true;
}
FX_CASE(tg_runtime_restore)

/* Slow start (Application Load Balancer guide, "Slow start mode": the load balancer linearly
 * increases what it sends a target in slow start until the duration ends, then sends it a full
 * share): the weight grows by CTL_SLOW_START_STEPS steps from a tenth to the whole, never 0,
 * and is the full weight outside slow start or after the duration.
 */
static bool slow_start_ramp(void)
{
	const uint64_t t0 = 5000;

	CHECK_INT(ctl_slow_start_weight(10, 0, t0, 60), ==, 10); /* not in slow start */
	CHECK_INT(ctl_slow_start_weight(10, t0, t0, 0), ==, 10); /* slow start off */
	CHECK_INT(ctl_slow_start_weight(10, t0, t0, 60), ==, 1); /* first step */
	CHECK_INT(ctl_slow_start_weight(10, t0, t0 + 5999, 60), ==, 1);
	CHECK_INT(ctl_slow_start_weight(10, t0, t0 + 6000, 60), ==, 2);
	CHECK_INT(ctl_slow_start_weight(10, t0, t0 + 30000, 60), ==, 6); /* half way */
	CHECK_INT(ctl_slow_start_weight(10, t0, t0 + 59999, 60), ==, 10);
	CHECK_INT(ctl_slow_start_weight(10, t0, t0 + 60000, 60), ==, 10); /* over */
	CHECK_INT(ctl_slow_start_weight(1000, t0, t0 + 12000, 60), ==, 300);
	CHECK_INT(ctl_slow_start_weight(3, t0, t0, 900), ==, 1); /* never 0 */
	/* linear: every step adds the same tenth */
	for (int k = 0; k < 10; k++)
		CHECK_INT(ctl_slow_start_weight(1000, t0, t0 + (uint64_t)k * 90000, 900), ==,
			  100 * (k + 1));
	return true;
}

int main(void)
{
	RUN(select_healthy_only);
	RUN(slow_start_ramp);
	RUN(select_fail_open);
	RUN(listener_keys);
	RUN(slot_pick_stable);
	RUN(instances_by_owner);
	RUN(batch_whole_or_nothing);
	RUN(apply_services);
	RUN(apply_backends);
	RUN(apply_weights);
	RUN(apply_drain);
	RUN(dereg_end_rule);
	RUN(flow_terminates_rule);
	RUN(terminate_on);
	RUN(terminate_off);
	RUN(terminate_no_delay);
	RUN(terminate_shared_slot);
	RUN(terminate_instance);
	RUN(apply_failed_write);
	RUN(apply_full_service_table);
	RUN(apply_adopts);
	RUN(view_status_metrics);
	RUN(tg_attributes_runtime);
	RUN(describe_elbv2);
	RUN(tg_modify_health_check);
	RUN(tg_runtime_restore);
	return check_summary();
}
