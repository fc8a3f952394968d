// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cached next hops (user/nexthop.c) against the kernel's own tables: the test moves into a
 * network namespace of its own (gone with the process) with two veth pairs, static and
 * missing neighbours, gateway and unreachable routes, and checks every answer against what
 * it configured. Needs root; skips otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dataplane.h"
#include "nexthop.h"
#include "testnet.h"

/* A: 198.18.0.1/24 2001:2::1/64, B: 198.18.9.1/24 2001:2:9::1/64 (all inside the namespace).
 *   198.18.0.2, 2001:2::2       on-link, permanent neighbour MAC_HOST
 *   198.18.0.3                  on-link, stale neighbour MAC_STALE
 *   198.18.0.9, 2001:2::9       on-link, no neighbour entry
 *   198.18.0.10 / .11           on-link, INCOMPLETE / FAILED entries
 *   198.18.1.0/24 2001:2:1::/64 via A's router 198.18.0.254 / 2001:2::fe (MAC_GW_A)
 *   198.18.2.0/24 2001:2:2::/64 via B's router 198.18.9.254 / 2001:2:9::fe (MAC_GW_B)
 *   198.18.3.0/24               via 198.18.0.253, no neighbour entry
 *   198.18.4/5/6.0/24           unreachable / blackhole / prohibit; 2001:2:4::/64 unreachable
 *   2001:2:5::/64               via fe80::fe on A (MAC_GW_A)
 *   198.18.7.0/24               via inet6 2001:2::fe on A (an IPv4 route, IPv6 gateway)
 *   198.19.99.1, 2001:2:99::1   no route at all
 */
static const uint8_t MAC_A[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x0b };
static const uint8_t MAC_HOST[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
static const uint8_t MAC_STALE[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x03 };
static const uint8_t MAC_GW_A[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe };
static const uint8_t MAC_GW_B[6] = { 0x02, 0x00, 0x5e, 0x10, 0x09, 0xfe };

static struct {
	const char *skip; /* why every case is skipped, or NULL */
	char name_a[IF_NAMESIZE], name_b[IF_NAMESIZE], name_tun[IF_NAMESIZE];
	int if_a, if_b, if_tun;
} env;

static const char *mac(const uint8_t *m)
{
	static char buf[4][18];
	static int i;

	i = (i + 1) % 4;
	return nexthop_mac_str(m, buf[i]);
}

/* Everything lives in a namespace that dies with the process: nothing to undo. */
static int env_setup(void)
{
	const char *a = env.name_a, *b = env.name_b;
	unsigned int id = (unsigned int)getpid() % 100000;
	struct testnet n;
	int err;

	err = testnet_enter(&n, "nh", MAC_A, MAC_B, false);
	if (err)
		return err;
	memcpy(env.name_a, n.name_a, sizeof(env.name_a));
	memcpy(env.name_b, n.name_b, sizeof(env.name_b));
	snprintf(env.name_tun, sizeof(env.name_tun), "nh%ut", id);
	if (testnet_sh("ip neigh replace 198.18.0.2 lladdr %s dev %s nud permanent", mac(MAC_HOST),
		       a) ||
	    testnet_sh("ip -6 neigh replace 2001:2::2 lladdr %s dev %s nud permanent",
		       mac(MAC_HOST), a) ||
	    testnet_sh("ip neigh replace 198.18.0.3 lladdr %s dev %s nud stale", mac(MAC_STALE),
		       a) ||
	    testnet_sh("ip neigh replace 198.18.0.10 dev %s nud incomplete", a) ||
	    testnet_sh("ip neigh replace 198.18.0.11 dev %s nud failed", a) ||
	    testnet_sh("ip neigh replace 198.18.0.254 lladdr %s dev %s nud permanent",
		       mac(MAC_GW_A), a) ||
	    testnet_sh("ip -6 neigh replace 2001:2::fe lladdr %s dev %s nud permanent",
		       mac(MAC_GW_A), a) ||
	    testnet_sh("ip -6 neigh replace fe80::fe lladdr %s dev %s nud permanent", mac(MAC_GW_A),
		       a) ||
	    testnet_sh("ip neigh replace 198.18.9.254 lladdr %s dev %s nud permanent",
		       mac(MAC_GW_B), b) ||
	    testnet_sh("ip -6 neigh replace 2001:2:9::fe lladdr %s dev %s nud permanent",
		       mac(MAC_GW_B), b) ||
	    testnet_sh("ip route add 198.18.1.0/24 via 198.18.0.254 dev %s", a) ||
	    testnet_sh("ip -6 route add 2001:2:1::/64 via 2001:2::fe dev %s", a) ||
	    testnet_sh("ip route add 198.18.2.0/24 via 198.18.9.254 dev %s", b) ||
	    testnet_sh("ip -6 route add 2001:2:2::/64 via 2001:2:9::fe dev %s", b) ||
	    testnet_sh("ip route add 198.18.3.0/24 via 198.18.0.253 dev %s", a) ||
	    testnet_sh("ip route add unreachable 198.18.4.0/24") ||
	    testnet_sh("ip route add blackhole 198.18.5.0/24") ||
	    testnet_sh("ip route add prohibit 198.18.6.0/24") ||
	    testnet_sh("ip -6 route add unreachable 2001:2:4::/64") ||
	    testnet_sh("ip -6 route add 2001:2:5::/64 via fe80::fe dev %s", a))
		return -EIO;
	env.if_a = (int)if_nametoindex(a);
	env.if_b = (int)if_nametoindex(b);
	if (!env.if_a || !env.if_b)
		return -ENODEV;
	/* optional: older iproute2 or kernels lack these; their cases skip */
	if (testnet_sh("ip route add 198.18.7.0/24 via inet6 2001:2::fe dev %s 2>/dev/null", a))
		fprintf(stderr, "no IPv4 routes over IPv6 gateways here\n");
	if (testnet_sh("ip tuntap add dev %s mode tun 2>/dev/null && ip link set %s up && "
		       "ip route add 198.18.8.0/24 dev %s",
		       env.name_tun, env.name_tun, env.name_tun) == 0)
		env.if_tun = (int)if_nametoindex(env.name_tun);
	return 0;
}

static int resolve4(const char *s, struct nexthop *nh)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -999;
	return nexthop_resolve(AF_INET, &a, nh);
}

static int resolve6(const char *s, struct nexthop *nh)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		return -999;
	return nexthop_resolve(AF_INET6, &a, nh);
}

static bool gw_is(const struct nexthop *nh, int family, const char *s)
{
	uint8_t want[16] = { 0 };

	return inet_pton(family, s, want) == 1 && nh->gw_family == family &&
	       !memcmp(nh->gw, want, family == AF_INET ? 4 : 16);
}

#define NEED_ENV()                      \
	do {                            \
		if (env.skip)           \
			SKIP(env.skip); \
	} while (0)

static bool test_v4_on_link(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve4("198.18.0.2", &nh);
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(nh.ifindex == env.if_a, "ifindex %d, want %d", nh.ifindex, env.if_a);
	CHECK(!strcmp(nh.ifname, env.name_a), "ifname %s", nh.ifname);
	CHECK(!memcmp(nh.dmac, MAC_HOST, 6), "dmac %s, want %s", mac(nh.dmac), mac(MAC_HOST));
	CHECK(!memcmp(nh.smac, MAC_A, 6), "smac %s, want %s", mac(nh.smac), mac(MAC_A));
	CHECK(nh.gw_family == AF_UNSPEC, "on-link, but gateway family %d", nh.gw_family);
	CHECK(nh.neigh_state == NUD_PERMANENT, "state 0x%x", nh.neigh_state);
	return true;
}

static bool test_v6_on_link(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve6("2001:2::2", &nh);
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(nh.ifindex == env.if_a, "ifindex %d, want %d", nh.ifindex, env.if_a);
	CHECK(!memcmp(nh.dmac, MAC_HOST, 6), "dmac %s, want %s", mac(nh.dmac), mac(MAC_HOST));
	CHECK(!memcmp(nh.smac, MAC_A, 6), "smac %s, want %s", mac(nh.smac), mac(MAC_A));
	CHECK(nh.gw_family == AF_UNSPEC, "on-link, but gateway family %d", nh.gw_family);
	return true;
}

/* STALE is what an entry becomes when nothing used it for a while: still usable. */
static bool test_v4_stale_is_usable(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve4("198.18.0.3", &nh);
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(!memcmp(nh.dmac, MAC_STALE, 6), "dmac %s", mac(nh.dmac));
	CHECK(nh.neigh_state == NUD_STALE, "state 0x%x", nh.neigh_state);
	return true;
}

static bool test_v4_via_gateway(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve4("198.18.1.7", &nh);
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(nh.ifindex == env.if_a, "ifindex %d, want %d", nh.ifindex, env.if_a);
	CHECK(!memcmp(nh.dmac, MAC_GW_A, 6), "dmac %s, want the gateway's %s", mac(nh.dmac),
	      mac(MAC_GW_A));
	CHECK(!memcmp(nh.smac, MAC_A, 6), "smac %s", mac(nh.smac));
	CHECK(gw_is(&nh, AF_INET, "198.18.0.254"), "gateway not 198.18.0.254");
	return true;
}

/* A gateway on the other device: the egress and source MAC follow the route. */
static bool test_v4_via_gateway_other_device(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve4("198.18.2.7", &nh);
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(nh.ifindex == env.if_b, "ifindex %d, want %d", nh.ifindex, env.if_b);
	CHECK(!strcmp(nh.ifname, env.name_b), "ifname %s", nh.ifname);
	CHECK(!memcmp(nh.dmac, MAC_GW_B, 6), "dmac %s, want %s", mac(nh.dmac), mac(MAC_GW_B));
	CHECK(!memcmp(nh.smac, MAC_B, 6), "smac %s, want %s", mac(nh.smac), mac(MAC_B));
	return true;
}

static bool test_v6_via_gateway(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve6("2001:2:2::7", &nh);
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(nh.ifindex == env.if_b, "ifindex %d, want %d", nh.ifindex, env.if_b);
	CHECK(!memcmp(nh.dmac, MAC_GW_B, 6), "dmac %s, want %s", mac(nh.dmac), mac(MAC_GW_B));
	CHECK(!memcmp(nh.smac, MAC_B, 6), "smac %s", mac(nh.smac));
	CHECK(gw_is(&nh, AF_INET6, "2001:2:9::fe"), "gateway not 2001:2:9::fe");
	err = resolve6("2001:2:1::7", &nh);
	CHECK(err == 0 && nh.ifindex == env.if_a && !memcmp(nh.dmac, MAC_GW_A, 6),
	      "2001:2:1::7: %s, ifindex %d, dmac %s", strerror(-err), nh.ifindex, mac(nh.dmac));
	return true;
}

/* IPv6 routers usually announce themselves by their link-local address. */
static bool test_v6_via_link_local_gateway(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve6("2001:2:5::7", &nh);
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(nh.ifindex == env.if_a, "ifindex %d", nh.ifindex);
	CHECK(!memcmp(nh.dmac, MAC_GW_A, 6), "dmac %s", mac(nh.dmac));
	CHECK(gw_is(&nh, AF_INET6, "fe80::fe"), "gateway not fe80::fe");
	return true;
}

/* RFC 5549: the kernel answers with RTA_VIA, the neighbour is an IPv6 one. */
static bool test_v4_via_v6_gateway(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	err = resolve4("198.18.7.7", &nh);
	if (err == -EHOSTUNREACH)
		SKIP("no IPv4 route over an IPv6 gateway on this host");
	CHECK(err == 0, "resolve: %s", strerror(-err));
	CHECK(gw_is(&nh, AF_INET6, "2001:2::fe"), "gateway family %d", nh.gw_family);
	CHECK(nh.ifindex == env.if_a && !memcmp(nh.dmac, MAC_GW_A, 6), "ifindex %d dmac %s",
	      nh.ifindex, mac(nh.dmac));
	return true;
}

/* No entry, INCOMPLETE, FAILED: the fib path keeps the backend until the kernel resolves it;
 * and the answer comes at once, nothing waits for ARP.
 */
static bool test_unresolved_neighbour(void)
{
	static const char *const v4[] = { "198.18.0.9", "198.18.0.10", "198.18.0.11",
					  "198.18.3.7" };
	struct timespec t0, t1;
	struct nexthop nh;
	size_t i;
	double ms;
	int err;

	NEED_ENV();
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = resolve4(v4[i], &nh);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		CHECK(err == -EAGAIN, "%s: %s, want EAGAIN", v4[i], strerror(-err));
		CHECK(ms < 200, "%s: took %.1f ms", v4[i], ms);
		/* the route part is known, for messages */
		CHECK(nh.ifindex == env.if_a && !strcmp(nh.ifname, env.name_a),
		      "%s: ifindex %d ifname %s", v4[i], nh.ifindex, nh.ifname);
	}
	CHECK(gw_is(&nh, AF_INET, "198.18.0.253"), "the unresolved gateway is not named");
	err = resolve6("2001:2::9", &nh);
	CHECK(err == -EAGAIN, "2001:2::9: %s, want EAGAIN", strerror(-err));
	return true;
}

static bool test_no_route(void)
{
	static const char *const v4[] = { "198.19.99.1", "198.18.4.1", "198.18.5.1", "198.18.6.1" };
	static const char *const v6[] = { "2001:2:99::1", "2001:2:4::1" };
	struct nexthop nh;
	size_t i;
	int err;

	NEED_ENV();
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		err = resolve4(v4[i], &nh);
		CHECK(err == -EHOSTUNREACH, "%s: %s, want EHOSTUNREACH", v4[i], strerror(-err));
	}
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		err = resolve6(v6[i], &nh);
		CHECK(err == -EHOSTUNREACH, "%s: %s, want EHOSTUNREACH", v6[i], strerror(-err));
	}
	/* this host's own address is no next hop either */
	err = resolve4("198.18.0.1", &nh);
	CHECK(err == -EHOSTUNREACH, "local 198.18.0.1: %s", strerror(-err));
	return true;
}

/* A device without Ethernet headers cannot take a cached next hop. */
static bool test_not_ethernet(void)
{
	struct nexthop nh;
	int err;

	NEED_ENV();
	if (!env.if_tun)
		SKIP("no tun device on this host");
	err = resolve4("198.18.8.1", &nh);
	CHECK(err == -EOPNOTSUPP, "%s, want EOPNOTSUPP", strerror(-err));
	CHECK(nh.ifindex == env.if_tun, "ifindex %d", nh.ifindex);
	return true;
}

static bool test_bad_family(void)
{
	struct nexthop nh;
	struct xlb_backend be = { .family = 5 };
	uint8_t addr[16] = { 0 };

	CHECK(nexthop_resolve(AF_UNIX, addr, &nh) == -EAFNOSUPPORT, "AF_UNIX accepted");
	CHECK(nexthop_resolve_backend(&be, &nh) == -EAFNOSUPPORT, "family 5 accepted");
	return true;
}

static bool test_apply_and_equal(void)
{
	struct xlb_backend be = { .family = XLB_FAMILY_V4, .flags = XLB_BE_F_ACTIVE, .gen = 7 };
	struct nexthop nh = { .ifindex = 42 }, other;

	memcpy(nh.dmac, MAC_HOST, 6);
	memcpy(nh.smac, MAC_A, 6);
	other = nh;
	other.dmac[5] ^= 1;
	CHECK(!nexthop_equal(&be, &nh), "a fib backend equals a next hop");
	nexthop_apply(&be, &nh);
	CHECK(be.flags == (XLB_BE_F_ACTIVE | XLB_BE_F_NH_CACHED), "flags 0x%x", be.flags);
	CHECK(be.nh_ifindex == 42 && !memcmp(be.nh_dmac, MAC_HOST, 6) &&
		      !memcmp(be.nh_smac, MAC_A, 6),
	      "fields not copied");
	CHECK(be.gen == 7 && be.family == XLB_FAMILY_V4, "other fields changed");
	CHECK(nexthop_equal(&be, &nh), "not equal to its own next hop");
	CHECK(!nexthop_equal(&be, &other), "equal to another MAC");
	nexthop_apply(&be, NULL);
	CHECK(be.flags == XLB_BE_F_ACTIVE, "flags 0x%x after fib", be.flags);
	CHECK(be.nh_ifindex == 0 && !be.nh_dmac[5] && !be.nh_smac[5], "fields not cleared");
	return true;
}

/* Through the datapath's maps: resolved, applied, written, read back; then to fib and back,
 * which nexthop_backend_set does in steps.
 */
static bool test_backend_roundtrip(void)
{
	struct dataplane_opts o = { .pin_dir = NULL, .flow_capacity = 1024 };
	struct xlb_backend be = { .family = XLB_FAMILY_V4, .flags = XLB_BE_F_ACTIVE, .gen = 3 };
	struct xlb_backend got;
	struct dataplane *dp = NULL;
	struct nexthop nh;
	bool ok = false;
	int err;

	NEED_ENV();
	inet_pton(AF_INET, "198.18.2.9", be.addr);
	err = dataplane_open(&dp, &o, NULL);
	if (err)
		SKIP("the datapath did not load (see test_datapath)");
	err = nexthop_resolve_backend(&be, &nh);
	ENSURE(!err, "resolve: %s", strerror(-err));
	nexthop_apply(&be, &nh);
	ENSURE(!nexthop_backend_set(dp, 5, &be) && !dataplane_backend_get(dp, 5, &got) &&
		       !memcmp(&got, &be, sizeof(be)),
	       "cached slot not read back as written");
	ENSURE(got.nh_ifindex == (uint32_t)env.if_b && !memcmp(got.nh_dmac, MAC_GW_B, 6),
	       "slot holds ifindex %u dmac %s", got.nh_ifindex, mac(got.nh_dmac));
	nexthop_apply(&be, NULL);
	ENSURE(!nexthop_backend_set(dp, 5, &be) && !dataplane_backend_get(dp, 5, &got) &&
		       !memcmp(&got, &be, sizeof(be)) && !(got.flags & XLB_BE_F_NH_CACHED),
	       "fib slot not read back as written");
	/* another cached next hop over a cached one */
	nexthop_apply(&be, &nh);
	nexthop_backend_set(dp, 5, &be);
	nh.dmac[5] ^= 0x55;
	nexthop_apply(&be, &nh);
	ENSURE(!nexthop_backend_set(dp, 5, &be) && !dataplane_backend_get(dp, 5, &got) &&
		       !memcmp(&got, &be, sizeof(be)),
	       "changed next hop not read back as written");
	ok = true;
out:
	dataplane_close(dp);
	return ok;
}

/* nexthop_refresh through a slot's life: fib -> cached -> unchanged -> updated -> fib again;
 * a backend set to fib by choice and an empty slot are left alone.
 */
static bool test_refresh(void)
{
	struct dataplane_opts o = { .pin_dir = NULL, .flow_capacity = 1024 };
	struct xlb_backend be = { .family = XLB_FAMILY_V4, .flags = XLB_BE_F_ACTIVE, .gen = 1 };
	static const uint8_t mac2[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x66 };
	struct xlb_backend got, fib;
	struct dataplane *dp = NULL;
	enum nexthop_change chg;
	struct nexthop nh;
	bool ok = false;
	int err, rerr;

	NEED_ENV();
	err = dataplane_open(&dp, &o, NULL);
	if (err)
		SKIP("the datapath did not load (see test_datapath)");
	ENSURE(!testnet_sh("ip neigh replace 198.18.0.4 lladdr %s dev %s nud reachable",
			   mac(MAC_HOST), env.name_a),
	       "ip neigh replace");
	inet_pton(AF_INET, "198.18.0.4", be.addr);
	fib = be;
	fib.flags |= XLB_BE_F_NH_FIB;
	inet_pton(AF_INET, "198.18.0.2", fib.addr);
	ENSURE(!dataplane_backend_set(dp, 7, &be) && !dataplane_backend_set(dp, 8, &fib),
	       "writing the slots");

	err = nexthop_refresh(dp, 7, &got, &nh, &rerr, &chg);
	ENSURE(!err && !rerr && chg == NEXTHOP_CACHED, "first: %d %d %d", err, rerr, chg);
	ENSURE((got.flags & XLB_BE_F_NH_CACHED) && !memcmp(got.nh_dmac, MAC_HOST, 6) &&
		       got.nh_ifindex == (uint32_t)env.if_a,
	       "cached slot: flags 0x%x dmac %s", got.flags, mac(got.nh_dmac));
	dataplane_backend_get(dp, 7, &got);
	ENSURE(!memcmp(got.nh_dmac, MAC_HOST, 6), "map holds dmac %s", mac(got.nh_dmac));

	err = nexthop_refresh(dp, 7, &got, &nh, &rerr, &chg);
	ENSURE(!err && chg == NEXTHOP_UNCHANGED, "second: %d %d", err, chg);

	ENSURE(!testnet_sh("ip neigh replace 198.18.0.4 lladdr %s dev %s nud reachable", mac(mac2),
			   env.name_a),
	       "ip neigh");
	err = nexthop_refresh(dp, 7, &got, &nh, &rerr, &chg);
	ENSURE(!err && chg == NEXTHOP_UPDATED, "after a MAC change: %d %d", err, chg);
	dataplane_backend_get(dp, 7, &got);
	ENSURE(!memcmp(got.nh_dmac, mac2, 6) && (got.flags & XLB_BE_F_NH_CACHED), "map holds %s",
	       mac(got.nh_dmac));

	ENSURE(!testnet_sh("ip neigh del 198.18.0.4 dev %s", env.name_a), "ip neigh del");
	err = nexthop_refresh(dp, 7, &got, &nh, &rerr, &chg);
	ENSURE(!err && rerr == -EAGAIN && chg == NEXTHOP_FELL_BACK, "after del: %d %d %d", err,
	       rerr, chg);
	dataplane_backend_get(dp, 7, &got);
	ENSURE(got.flags == XLB_BE_F_ACTIVE && !got.nh_ifindex && got.gen == 1,
	       "fell back: flags 0x%x ifindex %u gen %u", got.flags, got.nh_ifindex, got.gen);
	err = nexthop_refresh(dp, 7, &got, &nh, &rerr, &chg);
	ENSURE(!err && rerr == -EAGAIN && chg == NEXTHOP_UNCHANGED, "still fib: %d %d %d", err,
	       rerr, chg);

	/* 198.18.0.2 resolves, but the slot said fib */
	err = nexthop_refresh(dp, 8, &got, &nh, &rerr, &chg);
	ENSURE(!err && chg == NEXTHOP_FIB_CHOSEN, "fib by choice: %d %d", err, chg);
	dataplane_backend_get(dp, 8, &got);
	ENSURE(!memcmp(&got, &fib, sizeof(got)), "the fib slot was written");

	err = nexthop_refresh(dp, 9, &got, &nh, &rerr, &chg);
	ENSURE(!err && chg == NEXTHOP_INACTIVE, "empty slot: %d %d", err, chg);
	ENSURE(nexthop_refresh(dp, XLB_MAX_BACKENDS, &got, &nh, &rerr, &chg) == -EINVAL,
	       "slot out of range accepted");
	ok = true;
out:
	dataplane_close(dp);
	return ok;
}

int main(void)
{
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		env.skip = "needs root (a network namespace of its own)";
	} else if ((err = env_setup())) {
		fprintf(stderr, "network namespace setup failed: %s\n", strerror(-err));
		env.skip = "network namespace setup failed";
	}
	RUN(test_v4_on_link);
	RUN(test_v6_on_link);
	RUN(test_v4_stale_is_usable);
	RUN(test_v4_via_gateway);
	RUN(test_v4_via_gateway_other_device);
	RUN(test_v6_via_gateway);
	RUN(test_v6_via_link_local_gateway);
	RUN(test_v4_via_v6_gateway);
	RUN(test_unresolved_neighbour);
	RUN(test_no_route);
	RUN(test_not_ethernet);
	RUN(test_bad_family);
	RUN(test_apply_and_equal);
	RUN(test_backend_roundtrip);
	RUN(test_refresh);
	return check_summary();
}
