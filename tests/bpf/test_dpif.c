// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The in-memory datapath (dpif_mem.c) keeps what the real one keeps: the controller applies
 * the same configurations to both, and the services, backend slots and tables read back the
 * same; the operations refuse the same bad arguments. Needs root (BPF); runs in a network
 * namespace of its own that dies with the process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "ctl.h"
#include "dataplane.h"
#include "dpif_mem.h"
#include "loop.h"

#define RING 257

/* Both datapaths, and a controller over each. */
static struct {
	struct dataplane *dp;
	struct dpif *real, *mem;
	struct loop *loop;
	struct ctl *ctl_real, *ctl_mem;
	const char *skip;
} t;

struct walked {
	struct xlb_vip_key key[64];
	struct xlb_vip vip[64];
	size_t n;
};

static int collect(const struct xlb_vip_key *key, const struct xlb_vip *vip, void *arg)
{
	struct walked *w = arg;

	if (w->n == 64)
		return -E2BIG;
	w->key[w->n] = *key;
	w->vip[w->n++] = *vip;
	return 0;
}

/* The backend ids the real table of vip_id names (-ENOENT: none) into seen[]. */
static int real_ring_ids(uint32_t vip_id, bool *seen)
{
	uint32_t table[RING];
	size_t i;
	int err = dataplane_ring_get(t.dp, vip_id, table);

	if (err)
		return err == -ENOENT ? 0 : err;
	for (i = 0; i < RING; i++)
		if (table[i] < XLB_MAX_BACKENDS)
			seen[table[i]] = true;
	return 0;
}

/* Services, slots and tables read the same from both (next hop fields aside: the real one
 * resolves them, the memory one has no kernel tables).
 */
static bool same_state(const char *when)
{
	struct walked wr = {}, wm = {};
	struct xlb_vip vip;
	struct xlb_backend br, bm;
	struct maglev_backend bes[64];
	bool seen[XLB_MAX_BACKENDS];
	size_t i, k, n;
	uint32_t id;

	CHECK(!dpif_vip_walk(t.real, collect, &wr) && !dpif_vip_walk(t.mem, collect, &wm),
	      "%s: walks", when);
	CHECK(wr.n == wm.n, "%s: %zu services in the maps, %zu in memory", when, wr.n, wm.n);
	for (i = 0; i < wr.n; i++) {
		CHECK(!dpif_mem_vip_get(t.mem, &wr.key[i], &vip), "%s: service %zu not in memory",
		      when, i);
		CHECK(vip.id == wr.vip[i].id && vip.mode == wr.vip[i].mode,
		      "%s: service %zu: id %u mode %u, in memory id %u mode %u", when, i,
		      wr.vip[i].id, wr.vip[i].mode, vip.id, vip.mode);
		memset(seen, 0, sizeof(seen));
		CHECK(!real_ring_ids(wr.vip[i].id, seen), "%s: reading table %u", when,
		      wr.vip[i].id);
		n = dpif_mem_ring_get(t.mem, wr.vip[i].id, bes, 64);
		for (k = 0; k < n && k < 64; k++) {
			CHECK(seen[bes[k].id], "%s: service id %u: backend %u only in memory", when,
			      wr.vip[i].id, bes[k].id);
			seen[bes[k].id] = false;
		}
		for (id = 0; id < XLB_MAX_BACKENDS; id++)
			CHECK(!seen[id], "%s: service id %u: backend %u only in the maps", when,
			      wr.vip[i].id, id);
	}
	for (id = 1; id < 64; id++) {
		CHECK(!dpif_backend_get(t.real, id, &br) && !dpif_backend_get(t.mem, id, &bm),
		      "%s: slot %u", when, id);
		CHECK(br.family == bm.family && !memcmp(br.addr, bm.addr, sizeof(br.addr)) &&
			      br.port == bm.port && br.gen == bm.gen &&
			      (br.flags & (XLB_BE_F_ACTIVE | XLB_BE_F_DRAINING)) ==
				      (bm.flags & (XLB_BE_F_ACTIVE | XLB_BE_F_DRAINING)),
		      "%s: slot %u: flags %#x gen %u in the maps, %#x gen %u in memory", when, id,
		      br.flags, br.gen, bm.flags, bm.gen);
	}
	return true;
}

static bool apply_both(const char *json)
{
	struct config_error cerr;
	struct model *m = NULL;
	int er, em;

	CHECK(!config_load_buffer("dpif.json", json, strlen(json), &m, &cerr), "config: %s",
	      cerr.msg);
	er = ctl_apply(t.ctl_real, m);
	em = ctl_apply(t.ctl_mem, m);
	model_free(m);
	CHECK(er == em, "apply: %d on the maps, %d in memory", er, em);
	return true;
}

#define CONF(mode, lport, targets, delay)                                                       \
	"{\"LoadBalancers\": [{\"Name\": \"lb\", \"XlbAddresses\": [\"198.18.100.1\", "         \
	"\"2001:2:0:100::1\"], \"Listeners\": [{\"Port\": 80, \"Protocol\": \"TCP\", "          \
	"\"XlbForwardingMode\": \"" mode "\", \"DefaultActions\": [{\"Type\": \"forward\", "    \
	"\"TargetGroupArn\": \"a\"}]}, {\"Port\": " #lport ", \"Protocol\": \"UDP\", "          \
	"\"DefaultActions\": [{\"Type\": \"forward\", \"TargetGroupArn\": \"b\"}]}]}], "        \
	"\"TargetGroups\": [{\"TargetGroupName\": \"a\", \"Protocol\": \"TCP\", \"Port\": 80, " \
	"\"Targets\": [" targets "], \"Attributes\": [{\"Key\": "                               \
	"\"deregistration_delay.timeout_seconds\", \"Value\": \"" #delay "\"}]}, "              \
	"{\"TargetGroupName\": \"b\", \"Protocol\": \"UDP\", \"Port\": 80, \"Targets\": "       \
	"[{\"Id\": \"2001:2:0:1::5\"}]}]}"

/* One configuration after another, and a controller restarted over each datapath. */
static bool same_after_applies(void)
{
	if (t.skip)
		SKIP(t.skip);
	CHECK(apply_both(CONF("nat", 53,
			      "{\"Id\": \"198.19.1.1\"}, {\"Id\": \"198.19.1.2\"}, "
			      "{\"Id\": \"2001:2:0:1::2\"}",
			      0)),
	      "first");
	CHECK(same_state("first apply"), "first");
	CHECK(apply_both(
		      CONF("ipip", 54, "{\"Id\": \"198.19.1.2\"}, {\"Id\": \"198.19.1.3\"}", 300)),
	      "second");
	CHECK(same_state("mode, a listener and targets changed"), "second");
	CHECK(apply_both(CONF("ipip", 54, "{\"Id\": \"198.19.1.3\"}", 300)), "third");
	CHECK(same_state("a target draining"), "third");

	ctl_free(t.ctl_real);
	ctl_free(t.ctl_mem);
	t.ctl_real = t.ctl_mem = NULL;
	CHECK(!ctl_new(t.loop, t.real, &t.ctl_real) && !ctl_new(t.loop, t.mem, &t.ctl_mem),
	      "restarted");
	CHECK(apply_both(CONF("dsr", 55, "{\"Id\": \"198.19.1.3\"}, {\"Id\": \"198.19.1.4\"}", 0)),
	      "adopted");
	CHECK(same_state("adopted and applied"), "adopted");
	return true;
}

/* The operations refuse the same bad arguments with the same errors. */
static bool same_refusals(void)
{
	struct xlb_vip_key k = { .family = XLB_FAMILY_V4, .proto = IPPROTO_TCP };
	struct xlb_vip v = { .id = XLB_MAX_VIPS, .mode = XLB_MODE_NAT };
	struct maglev_backend mb = { .id = XLB_MAX_BACKENDS, .weight = 1 };
	struct xlb_backend be = {};
	int r, m;

	if (t.skip)
		SKIP(t.skip);
	k.port = htons(9);
	inet_pton(AF_INET, "198.18.100.9", k.addr);
	r = dpif_vip_del(t.real, &k);
	m = dpif_vip_del(t.mem, &k);
	CHECK(r == -ENOENT && m == r, "deleting no service: %d, %d", r, m);
	r = dpif_vip_set(t.real, &k, &v);
	m = dpif_vip_set(t.mem, &k, &v);
	CHECK(r < 0 && m < 0, "a service id out of range: %d, %d", r, m);
	r = dpif_ring_set(t.real, 1, &mb, 1);
	m = dpif_ring_set(t.mem, 1, &mb, 1);
	CHECK(r == -EINVAL && m == r, "a backend id out of range: %d, %d", r, m);
	r = dpif_ring_set(t.real, XLB_MAX_VIPS, NULL, 0);
	m = dpif_ring_set(t.mem, XLB_MAX_VIPS, NULL, 0);
	CHECK(r == -EINVAL && m == r, "a table id out of range: %d, %d", r, m);
	r = dpif_backend_set(t.real, XLB_MAX_BACKENDS, &be);
	m = dpif_backend_set(t.mem, XLB_MAX_BACKENDS, &be);
	CHECK(r < 0 && m < 0, "a slot out of range: %d, %d", r, m);
	return true;
}

int main(void)
{
	struct dataplane_opts o = { .ring_size = RING, .flow_capacity = 1024 };
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		t.skip = "needs root (BPF)";
	} else if (unshare(CLONE_NEWNET)) {
		t.skip = "no network namespace";
	} else if ((err = dataplane_open(&t.dp, &o, NULL))) {
		fprintf(stderr, "dataplane_open: %s\n", strerror(-err));
		t.skip = "the datapath did not load";
	} else if (dpif_bpf_new(t.dp, &t.real) || dpif_mem_new(&t.mem) || loop_new(&t.loop) ||
		   ctl_new(t.loop, t.real, &t.ctl_real) || ctl_new(t.loop, t.mem, &t.ctl_mem)) {
		t.skip = "out of memory";
	}
	RUN(same_after_applies);
	RUN(same_refusals);
	ctl_free(t.ctl_real);
	ctl_free(t.ctl_mem);
	loop_free(t.loop);
	dpif_free(t.real);
	dpif_free(t.mem);
	if (t.dp)
		dataplane_close(t.dp);
	return check_summary();
}
