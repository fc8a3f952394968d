// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The "Xlb" settings object: xlb's own knobs with their defaults, the instance address pools
 * and the cluster node settings.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "cfg_internal.h"

void cfg_settings_defaults(struct model_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->time_scale = 1;
	s->pool4.family = AF_INET;
	inet_pton(AF_INET, "198.18.128.0", s->pool4.bytes);
	s->pool4_len = 17;
	s->metrics_interval_s = 1;
}

/* "ADDRESS/LEN" of family af, with no host bits set. */
static int cfg_cidr(struct cfg *c, struct json_object *o, const char *key, int af,
		    struct model_addr *a, uint8_t *len)
{
	const char *s,
		*what = af == AF_INET ?
				"an IPv4 network such as \"198.18.128.0/17\"" :
				"an IPv6 network inside 2001:2::/48 such as \"2001:2:0:8000::/64\"";
	int ret = cfg_str(c, o, key, 3, 64, what, &s), maxlen = af == AF_INET ? 30 : 126, bits, i;
	struct model_addr tmp = { .family = af };
	char addr[64], *end;
	const char *slash;
	long n;

	if (ret != CFG_OK)
		return ret;
	cfg_in(c, key);
	slash = strchr(s, '/');
	ret = CFG_BAD;
	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - s), s);
	n = strtol(slash + 1, &end, 10);
	if (*end || slash[1] < '0' || slash[1] > '9' || n < 1 || n > maxlen ||
	    inet_pton(af, addr, tmp.bytes) != 1)
		goto bad;
	for (i = 0, bits = (int)n; i < 16; i++, bits -= 8) {
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		if (tmp.bytes[i] & ~mask) {
			cfg_error(c, "expected a network address with no host bits set, got %s",
				  GOT(c, cfg_member(o, key)));
			goto out;
		}
	}
	*a = tmp;
	*len = (uint8_t)n;
	ret = CFG_OK;
	goto out;
bad:
	cfg_error(c, "expected %s (a prefix of at most /%d), got %s", what, maxlen,
		  GOT(c, cfg_member(o, key)));
out:
	cfg_out(c);
	return ret;
}

/* "Cluster": this node among balancers behind ECMP (cluster.h). Defaults: PeerAsn = Asn,
 * BFD 100 ms x 3, WithdrawDelayMs 500, Debian's BIRD socket, an include under /etc/bird.
 */
static void cfg_cluster(struct cfg *c, struct json_object *o)
{
	static const char *const typed[] = {
		"NodeName",	 "Asn",		  "PeerAsn",	"RouterAddress",
		"BfdIntervalMs", "BfdMultiplier", "HashSecret", "WithdrawDelayMs",
		"BirdSocket",	 "BirdInclude",	  "SharedDir",	NULL
	};
	struct model_cluster *k = &c->m->settings.cluster;
	struct json_object *v;
	const char *s;
	size_t i;

	cfg_in(c, "Cluster");
	if (!cfg_is_object(c, o, "an object (NodeName, Asn, RouterAddress, ...)"))
		goto out;
	k->enabled = true;
	k->bfd_interval_ms = 100;
	k->bfd_multiplier = 3;
	k->withdraw_delay_ms = 500;
	snprintf(k->bird_socket, sizeof(k->bird_socket), "/run/bird/bird.ctl");
	snprintf(k->bird_include, sizeof(k->bird_include), "/etc/bird/xlb-cluster.conf");
	if (cfg_need(c, o, "NodeName",
		     cfg_str(c, o, "NodeName", 1, 32, "a node name of [A-Za-z0-9_-]", &s),
		     "a node name") == CFG_OK) {
		if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
		    strlen(s)) {
			cfg_in(c, "NodeName");
			cfg_error(c, "expected a node name of [A-Za-z0-9_-], got %s",
				  GOT(c, cfg_member(o, "NodeName")));
			cfg_out(c);
		} else {
			snprintf(k->node_name, sizeof(k->node_name), "%s", s);
		}
	}
	cfg_need(c, o, "Asn", cfg_u32(c, o, "Asn", 1, UINT32_MAX, &k->asn), "an AS number");
	if (cfg_u32(c, o, "PeerAsn", 1, UINT32_MAX, &k->peer_asn) == CFG_ABSENT)
		k->peer_asn = k->asn;
	v = cfg_member(o, "RouterAddress");
	if (!v) {
		cfg_missing(c, "RouterAddress", "%s", "the router's address (the BGP neighbour)");
	} else {
		cfg_in(c, "RouterAddress");
		cfg_v_addr(c, v, "an IPv4 or IPv6 address", &k->router);
		cfg_out(c);
	}
	cfg_u32(c, o, "BfdIntervalMs", 10, 10000, &k->bfd_interval_ms);
	cfg_u32(c, o, "BfdMultiplier", 1, 255, &k->bfd_multiplier);
	cfg_u32(c, o, "WithdrawDelayMs", 0, 30000, &k->withdraw_delay_ms);
	if (cfg_str(c, o, "HashSecret", 32, 32, "32 hex digits (16 bytes)", &s) == CFG_OK) {
		i = strspn(s, "0123456789abcdefABCDEF");
		cfg_in(c, "HashSecret");
		if (i < 32) {
			cfg_error(c, "expected 32 hex digits (16 bytes), got %s",
				  GOT(c, cfg_member(o, "HashSecret")));
		} else {
			for (i = 0; i < 16; i++)
				sscanf(s + 2 * i, "%2hhx", &k->secret[i]);
			k->has_secret = strspn(s, "0") != 32;
			if (!k->has_secret)
				cfg_error(c, "expected a secret that is not all zeros (use "
					     "`xlb-dp secret show` or `openssl rand -hex 16`)");
		}
		cfg_out(c);
	} else if (!cfg_member(o, "HashSecret")) {
		cfg_warn(c, "no HashSecret: each node hashes flows with its own secret, so a flow "
			    "that ECMP moves to another node may land on another backend");
	}
	if (cfg_str(c, o, "BirdSocket", 1, sizeof(k->bird_socket) - 1, "a path", &s) == CFG_OK)
		snprintf(k->bird_socket, sizeof(k->bird_socket), "%s", s);
	if (cfg_str(c, o, "BirdInclude", 1, sizeof(k->bird_include) - 1, "a path", &s) == CFG_OK)
		snprintf(k->bird_include, sizeof(k->bird_include), "%s", s);
	if (cfg_str(c, o, "SharedDir", 2, sizeof(k->shared_dir) - 1, "an absolute directory path",
		    &s) == CFG_OK) {
		if (s[0] != '/') {
			cfg_in(c, "SharedDir");
			cfg_error(c, "expected an absolute directory path, got %s",
				  GOT(c, cfg_member(o, "SharedDir")));
			cfg_out(c);
		} else {
			snprintf(k->shared_dir, sizeof(k->shared_dir), "%s", s);
		}
	}
	cfg_finish(c, o, typed, NULL, NULL);
out:
	cfg_out(c);
}

void cfg_settings(struct cfg *c, struct json_object *top)
{
	static const char *const typed[] = { "TimeScale",
					     "InstanceAddressPool",
					     "InstanceAddressPool6",
					     "MetricsIntervalSeconds",
					     "Hook",
					     "Cluster",
					     NULL };
	static const char *const hooks[] = { "auto", "xdp", "tc", NULL };
	static const struct cfg_choice hook_choice = { hooks, NULL, NULL, false };
	static const uint8_t net6[6] = { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 };
	struct model_settings *s = &c->m->settings;
	struct json_object *o = cfg_member(top, "Xlb");
	int e;

	if (!o)
		return;
	cfg_in(c, "Xlb");
	if (!cfg_is_object(c, o,
			   "an object of xlb's settings (TimeScale, InstanceAddressPool, ...)"))
		goto out;
	cfg_double(c, o, "TimeScale", 1, 1e6, &s->time_scale);
	cfg_u32(c, o, "MetricsIntervalSeconds", 1, 60, &s->metrics_interval_s);
	if (cfg_enum(c, o, "Hook", &hook_choice, &e) == CFG_OK)
		s->hook = (enum model_attach)e;
	if (cfg_cidr(c, o, "InstanceAddressPool", AF_INET, &s->pool4, &s->pool4_len) == CFG_OK &&
	    (s->pool4.bytes[0] != 198 || (s->pool4.bytes[1] & 0xfe) != 18 || s->pool4_len < 15)) {
		cfg_in(c, "InstanceAddressPool");
		cfg_warn(
			c,
			"outside 198.18.0.0/15, the range set aside for benchmarks: make sure no network of yours uses it");
		cfg_out(c);
	}
	if (cfg_cidr(c, o, "InstanceAddressPool6", AF_INET6, &s->pool6, &s->pool6_len) == CFG_OK) {
		if (memcmp(s->pool6.bytes, net6, sizeof(net6)) || s->pool6_len < 48) {
			cfg_in(c, "InstanceAddressPool6");
			cfg_error(
				c,
				"expected a network inside 2001:2::/48 (the benchmarking range), got %s",
				GOT(c, cfg_member(o, "InstanceAddressPool6")));
			cfg_out(c);
		} else {
			s->has_pool6 = true;
		}
	}
	if (cfg_member(o, "Cluster"))
		cfg_cluster(c, cfg_member(o, "Cluster"));
	cfg_finish(c, o, typed, NULL, NULL);
out:
	cfg_out(c);
}
