// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The "Xlb" settings' cluster node (user/cfg_settings.c).
 */
#include "test_config.h"

/* Xlb.Cluster: values, defaults, and the secret as bytes whatever the hex digits' case. */
static bool cluster_node(void)
{
	static const uint8_t secret[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	char path[PATH_MAX + 64];
	struct config_error err;
	struct model *m = NULL;
	const struct model_cluster *k;
	int ret;

	fixture("cluster.json", path, sizeof(path));
	ret = config_load(path, &m, &err);
	CHECK(ret == 0, "cluster.json: %s", err.msg);
	k = &m->settings.cluster;
	CHECK(k->enabled && !strcmp(k->node_name, "node2"), "node %s", k->node_name);
	CHECK(k->asn == 65001 && k->peer_asn == 65000, "AS %u/%u", k->asn, k->peer_asn);
	CHECK(k->router.family == AF_INET && k->router.bytes[2] == 202, "router address");
	CHECK(k->bfd_interval_ms == 50 && k->bfd_multiplier == 3, "bfd %u x %u", k->bfd_interval_ms,
	      k->bfd_multiplier);
	CHECK(k->has_secret && !memcmp(k->secret, secret, 16), "secret");
	CHECK(k->withdraw_delay_ms == 500, "withdraw delay %u", k->withdraw_delay_ms);
	CHECK(!strcmp(k->bird_socket, "/tmp/b.ctl") && !strcmp(k->bird_include, "/tmp/xlb.conf"),
	      "bird paths");
	CHECK(m->nwarnings == 0, "%zu warnings", m->nwarnings);
	model_free(m);
	return true;
}

static bool defaults_settings(void)
{
	struct model *m;
	bool ok;

	if (!load_fixture("good_defaults.json", &m, false))
		return false;
	/* no "Xlb": the defaults */
	ok = m->settings.time_scale == 1 && m->settings.pool4.family == AF_INET &&
	     m->settings.pool4.bytes[0] == 198 && m->settings.pool4.bytes[1] == 18 &&
	     m->settings.pool4.bytes[2] == 128 && m->settings.pool4_len == 17 &&
	     !m->settings.has_pool6 && m->settings.metrics_interval_s == 1 && m->nalarms == 0 &&
	     m->settings.hook == MODEL_ATTACH_AUTO;
	model_free(m);
	CHECK(ok, "default settings wrong");
	return true;
}

static bool full_settings(void)
{
	struct model *m;
	bool ok;

	if (!load_fixture("good_full.json", &m, false))
		return false;
	ok = m->settings.time_scale == 60 && m->settings.pool4.family == AF_INET &&
	     m->settings.pool4.bytes[0] == 198 && m->settings.pool4.bytes[1] == 19 &&
	     m->settings.pool4_len == 16 && m->settings.has_pool6 &&
	     m->settings.pool6.family == AF_INET6 && m->settings.pool6.bytes[1] == 0x01 &&
	     m->settings.pool6.bytes[7] == 0x00 && m->settings.pool6.bytes[6] == 0x80 &&
	     m->settings.pool6_len == 64 && m->settings.metrics_interval_s == 2 &&
	     m->settings.hook == MODEL_ATTACH_XDP;
	model_free(m);
	CHECK(ok, "settings wrong");
	return true;
}

CONFIG_TEST_MAIN(defaults_settings, full_settings, cluster_node)
