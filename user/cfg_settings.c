// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The "Xlb" settings object: xlb's own knobs with their defaults, the instance address pools,
 * the directory images that ImageIds name, and the cluster node settings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

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

/* SharedRefreshMs and SharedStaleMs: a reader that sees a file unchanged for the staleness
 * takes its node for gone, so a live node must rewrite it several times within that time (a
 * loaded machine or a slow shared filesystem delays a rewrite or two). Files are looked at
 * once a second (share.c), so neither is shorter than that.
 */
static void cfg_shared_times(struct cfg *c, struct json_object *o, struct model_cluster *k)
{
	int refresh = cfg_u32(c, o, "SharedRefreshMs", 1000, 600000, &k->shared_refresh_ms);
	int stale = cfg_u32(c, o, "SharedStaleMs", 2000, 3600000, &k->shared_stale_ms);
	const char *key = stale == CFG_OK ? "SharedStaleMs" : "SharedRefreshMs";

	if (refresh == CFG_BAD || stale == CFG_BAD || (refresh != CFG_OK && stale != CFG_OK))
		return; /* said already, or both the defaults */
	cfg_in(c, key);
	if (k->shared_stale_ms < 2 * k->shared_refresh_ms && stale == CFG_OK)
		cfg_error(c,
			  "expected at least twice SharedRefreshMs (%u), or a live node's files "
			  "are taken for a gone node's, got %u",
			  k->shared_refresh_ms, k->shared_stale_ms);
	else if (k->shared_stale_ms < 2 * k->shared_refresh_ms)
		cfg_error(c,
			  "expected at most half of SharedStaleMs (%u), or a live node's files "
			  "are taken for a gone node's, got %u",
			  k->shared_stale_ms, k->shared_refresh_ms);
	else if (k->shared_stale_ms < 3 * k->shared_refresh_ms)
		cfg_warn(c,
			 "SharedStaleMs %u is less than 3 x SharedRefreshMs %u: one late rewrite "
			 "and the other nodes take this one for gone",
			 k->shared_stale_ms, k->shared_refresh_ms);
	cfg_out(c);
}

/* "Cluster": this node among balancers behind ECMP (cluster.h). Defaults: PeerAsn = Asn,
 * BFD 100 ms x 3, WithdrawDelayMs 500, Debian's BIRD socket, an include under /etc/bird,
 * SharedDir's files rewritten every 5 s and taken for a gone node's after 30 s.
 */
static void cfg_cluster(struct cfg *c, struct json_object *o)
{
	static const char *const typed[] = {
		"NodeName",	 "Asn",
		"PeerAsn",	 "RouterAddress",
		"BfdIntervalMs", "BfdMultiplier",
		"HashSecret",	 "WithdrawDelayMs",
		"BirdSocket",	 "BirdInclude",
		"SharedDir",	 "SharedRefreshMs",
		"SharedStaleMs", NULL,
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
	k->shared_refresh_ms = 5000;
	k->shared_stale_ms = 30000;
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
	cfg_shared_times(c, o, k);
	cfg_finish(c, o, typed, NULL, NULL);
out:
	cfg_out(c);
}

/* path (an image's root) has name in it, resolved inside it: an absolute symlink there
 * (bin -> /usr/bin) means the image's own /usr/bin, not the host's.
 */
static bool cfg_image_has(int root, const char *name, bool dir)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root, name, &how, sizeof(how));

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* One member of "Images": "ImageId": "/a/directory/image". The directory must be there now
 * and look like a root filesystem (bin/sh or usr/bin), so that a launch does not find out.
 */
static void cfg_image(struct cfg *c, const char *id, struct json_object *v)
{
	struct model_settings *st = &c->m->settings;
	struct model_image *img;
	struct stat sb;
	const char *s;
	bool rootfs;
	int root;

	cfg_in(c, id);
	if (!id[0] || strlen(id) > CFG_IMAGE_ID_MAX || strcspn(id, " \t\n\r\"") != strlen(id)) {
		cfg_error(c,
			  "expected an image id of 1 to %d characters without spaces or quotes "
			  "(ami-0abcdef1234567890) as the name of this member",
			  CFG_IMAGE_ID_MAX);
		goto out;
	}
	if (cfg_v_str(c, v, 2, CFG_IMAGE_DIR_MAX, "an absolute path of a directory image", &s) !=
	    CFG_OK)
		goto out;
	if (s[0] != '/') {
		cfg_error(c, "expected an absolute path of a directory image, got %s", GOT(c, v));
		goto out;
	}
	/* overlayfs takes the lower layer in a list of options: these would split it */
	if (strpbrk(s, ",:\\\n")) {
		cfg_error(c,
			  "expected a path without ',', ':', '\\' or a newline (overlayfs's "
			  "options cannot hold them), got %s",
			  GOT(c, v));
		goto out;
	}
	if (stat(s, &sb)) {
		cfg_error(c, "expected a directory image, got %s: %s", GOT(c, v), strerror(errno));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		cfg_error(c, "expected a directory image, got %s, which is not a directory",
			  GOT(c, v));
		goto out;
	}
	root = open(s, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		cfg_error(c, "expected a directory image, got %s: %s", GOT(c, v), strerror(errno));
		goto out;
	}
	rootfs = cfg_image_has(root, "bin/sh", false) || cfg_image_has(root, "usr/bin", true);
	close(root);
	if (!rootfs) {
		cfg_error(c,
			  "expected a root filesystem (with bin/sh or usr/bin), got %s, which has "
			  "neither: make one with mmdebstrap or debootstrap (see the README)",
			  GOT(c, v));
		goto out;
	}
	img = cfg_push(c, &st->images, &st->nimages, sizeof(*img));
	if (img) {
		img->id = cfg_strdup(c, id);
		img->dir = cfg_strdup(c, s);
	}
out:
	cfg_out(c);
}

static void cfg_images(struct cfg *c, struct json_object *o)
{
	cfg_in(c, "Images");
	if (cfg_is_object(c, o,
			  "an object mapping ImageIds to directory images "
			  "({\"ami-0abcdef1234567890\": \"/srv/xlb/images/bookworm\"})")) {
		json_object_object_foreach(o, k, v)
		{
			cfg_image(c, k, v);
		}
	}
	cfg_out(c);
}

/* Whether a launch before (kind, idx) names image id too: one warning per id is enough. */
static bool cfg_image_named_before(const struct model *m, enum model_launch_kind kind, size_t idx,
				   const char *id)
{
	size_t i, nlc = kind == MODEL_LAUNCH_CONFIGURATION ? idx : m->nlcs;

	for (i = 0; i < nlc; i++)
		if (m->lcs[i].image_id && !strcmp(m->lcs[i].image_id, id))
			return true;
	for (i = 0; kind == MODEL_LAUNCH_TEMPLATE && i < idx; i++)
		if (m->lts[i].image_id && !strcmp(m->lts[i].image_id, id))
			return true;
	return false;
}

/* Each launch's ImageId to its directory image; an id that Images does not map runs on the
 * host's root filesystem, said once per id.
 */
static void cfg_images_resolve(struct cfg *c)
{
	const struct model_settings *st = &c->m->settings;
	struct model *m = c->m;
	size_t k, i, j;

	for (k = 0; k < 2; k++) {
		enum model_launch_kind kind = k ? MODEL_LAUNCH_TEMPLATE :
						  MODEL_LAUNCH_CONFIGURATION;
		struct model_launch *v = k ? m->lts : m->lcs;
		size_t n = k ? m->nlts : m->nlcs;

		for (i = 0; i < n; i++) {
			if (!v[i].image_id)
				continue;
			for (j = 0; j < st->nimages && !v[i].image_dir; j++)
				if (!strcmp(st->images[j].id, v[i].image_id))
					v[i].image_dir = st->images[j].dir;
			if (v[i].image_dir || cfg_image_named_before(m, kind, i, v[i].image_id))
				continue;
			cfg_in(c, k ? "LaunchTemplates" : "LaunchConfigurations");
			cfg_at(c, i);
			if (k)
				cfg_in(c, "LaunchTemplateData");
			cfg_in(c, "ImageId");
			cfg_warn(
				c,
				"%s is not in Xlb.Images: instances of it run on the host's own root "
				"filesystem (read-only, under a writable layer of their own); map it "
				"to a directory image to give them another",
				v[i].image_id);
			cfg_out(c); /* ImageId */
			if (k)
				cfg_out(c);
			cfg_out(c); /* [i] */
			cfg_out(c);
		}
	}
}

static void cfg_settings_obj(struct cfg *c, struct json_object *top)
{
	static const char *const typed[] = { "TimeScale",
					     "InstanceAddressPool",
					     "InstanceAddressPool6",
					     "MetricsIntervalSeconds",
					     "Hook",
					     "Cluster",
					     "Images",
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
	if (cfg_member(o, "Images"))
		cfg_images(c, cfg_member(o, "Images"));
	cfg_finish(c, o, typed, NULL, NULL);
out:
	cfg_out(c);
}

void cfg_settings(struct cfg *c, struct json_object *top)
{
	cfg_settings_obj(c, top);
	cfg_images_resolve(c);
}
