// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The "Xlb" settings' cluster node and directory images (user/cfg_settings.c).
 */
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

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
	CHECK(k->shared_refresh_ms == 5000 && k->shared_stale_ms == 30000,
	      "SharedDir's times %u/%u ms, want the defaults 5000/30000", k->shared_refresh_ms,
	      k->shared_stale_ms);
	CHECK(m->nwarnings == 0, "%zu warnings", m->nwarnings);
	model_free(m);
	return true;
}

/* Xlb.Cluster's SharedRefreshMs and SharedStaleMs: taken as given; a staleness under 3 rewrite
 * periods warned at the member (under 2 is refused: test_config_bad).
 */
static bool cluster_shared_times(void)
{
	static const char fmt[] =
		"{\"Xlb\": {\"Cluster\": {\"NodeName\": \"n1\", \"Asn\": 65001, "
		"\"RouterAddress\": \"198.18.201.1\", \"HashSecret\": "
		"\"00112233445566778899aabbccddeeff\", \"SharedDir\": \"/tmp/s\", %s}}}";
	char text[512];
	struct config_error err;
	struct model *m = NULL;
	bool ok = false;

	snprintf(text, sizeof(text), fmt, "\"SharedRefreshMs\": 1000, \"SharedStaleMs\": 4000");
	ENSURE(load_text(text, &m, &err) == 0, "1000/4000: %s", err.msg);
	ENSURE(m->settings.cluster.shared_refresh_ms == 1000 &&
		       m->settings.cluster.shared_stale_ms == 4000 && m->nwarnings == 0,
	       "1000/4000 read as %u/%u with %zu warnings", m->settings.cluster.shared_refresh_ms,
	       m->settings.cluster.shared_stale_ms, m->nwarnings);
	model_free(m);
	m = NULL;
	snprintf(text, sizeof(text), fmt, "\"SharedStaleMs\": 12000");
	ENSURE(load_text(text, &m, &err) == 0, "12000 alone: %s", err.msg);
	ENSURE(m->settings.cluster.shared_refresh_ms == 5000 &&
		       warnings_with(m, "$.Xlb.Cluster.SharedStaleMs: SharedStaleMs 12000 is less "
					"than 3 x SharedRefreshMs 5000") == 1 &&
		       m->nwarnings == 1,
	       "12000 with the default 5000: %zu warnings", m->nwarnings);
	ok = true;
out:
	model_free(m);
	return ok;
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

static int images_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) ? -1 : 0;
}

/* Loads launch configurations a, b, c (ImageIds ami-00000000000000001, ami-2, ami-2) and a
 * template t (ami-00000000000000001) with images as Xlb.Images' members.
 */
static int images_load(const char *images, struct model **m, struct config_error *err)
{
	char text[4 * PATH_MAX + 1024];

	snprintf(text, sizeof(text),
		 "{\"Xlb\": {\"Images\": {%s}},\n"
		 "\"LaunchConfigurations\": [\n"
		 "{\"LaunchConfigurationName\": \"a\", \"InstanceType\": \"t3.micro\",\n"
		 "  \"ImageId\": \"ami-00000000000000001\"},\n"
		 "{\"LaunchConfigurationName\": \"b\", \"InstanceType\": \"t3.micro\",\n"
		 "  \"ImageId\": \"ami-2\"},\n"
		 "{\"LaunchConfigurationName\": \"c\", \"InstanceType\": \"t3.micro\",\n"
		 "  \"ImageId\": \"ami-2\"}],\n"
		 "\"LaunchTemplates\": [{\"LaunchTemplateName\": \"tpl\", \"LaunchTemplateData\":\n"
		 "  {\"InstanceType\": \"t3.micro\", \"ImageId\": \"ami-00000000000000001\"}}]}\n",
		 images);
	return load_text(text, m, err);
}

/* Xlb.Images: a mapped ImageId gets its directory, in launch configurations and templates; an
 * unmapped one keeps the host's root and is said once; a path that is not an absolute
 * directory holding a root filesystem is refused at its member, and so is an ImageId that is
 * not a string.
 */
static bool images(void)
{
	char dir[] = "/tmp/xlb-test-images-XXXXXX", img[PATH_MAX], bare[PATH_MAX], file[PATH_MAX],
	     members[3 * PATH_MAX], want[PATH_MAX + 256];
	struct config_error err;
	struct model *m = NULL;
	bool ok = false;
	int ret, fd;

	CHECK(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(img, sizeof(img), "%s/bookworm", dir);
	snprintf(bare, sizeof(bare), "%s/empty", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(members, sizeof(members), "%s/usr", img);
	ENSURE(!mkdir(img, 0755) && !mkdir(members, 0755) && !mkdir(bare, 0755), "image dirs");
	snprintf(members, sizeof(members), "%s/usr/bin", img);
	ENSURE(!mkdir(members, 0755), "usr/bin");
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	ENSURE(fd >= 0, "a file");
	close(fd);

	snprintf(members, sizeof(members), "\"ami-00000000000000001\": \"%s\"", img);
	ret = images_load(members, &m, &err);
	ENSURE(ret == 0, "mapped: %s", err.msg);
	ENSURE(m->nlcs == 3 && m->nlts == 1, "launches read");
	ENSURE(m->lcs[0].image_dir && !strcmp(m->lcs[0].image_dir, img), "a: %s",
	       m->lcs[0].image_dir ? m->lcs[0].image_dir : "(none)");
	ENSURE(m->lts[0].image_dir && !strcmp(m->lts[0].image_dir, img), "t: its image");
	ENSURE(!m->lcs[1].image_dir && !m->lcs[2].image_dir, "b, c: the host's root");
	ENSURE(!strcmp(m->lcs[1].image_id, "ami-2"), "b's ImageId kept");
	ENSURE(warnings_with(m, "is not in Xlb.Images") == 1 &&
		       warnings_with(m, "mem.json:6:14: $.LaunchConfigurations[1].ImageId: ami-2 "
					"is not in Xlb.Images: instances of it run on the host's "
					"own root filesystem") == 1,
	       "one warning for ami-2, at its first use");
	model_free(m);
	m = NULL;

	/* each refusal names the member, and what was found */
	static const struct {
		const char *fmt, *want;
	} bad[] = {
		{ "\"ami-1\": \"%s/nowhere\"",
		  "$.Xlb.Images[\"ami-1\"]: expected a directory image, got \"%s/nowhere\": No such file" },
		{ "\"ami-1\": \"%s/file\"", "which is not a directory" },
		{ "\"ami-1\": \"%s/empty\"",
		  "expected a root filesystem (with bin/sh or usr/bin), got \"%s/empty\", which has "
		  "neither" },
		{ "\"ami-1\": \"tmp%s\"", "expected an absolute path of a directory image" },
		{ "\"ami-1\": \"%s/a,b\"", "expected a path without ','" },
		{ "\"ami-1\": [\"%s\"]",
		  "$.Xlb.Images[\"ami-1\"]: expected an absolute path of a directory image, got an array" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(members, sizeof(members), bad[i].fmt, dir);
		snprintf(want, sizeof(want), bad[i].want, dir);
		ret = images_load(members, &m, &err);
		ENSURE(ret != 0 && !m, "case %zu accepted", i);
		ENSURE(strstr(err.msg, want) && strstr(err.msg, "mem.json:1:"), "case %zu: %s", i,
		       err.msg);
	}
	ret = load_text("{\"LaunchConfigurations\": [{\"LaunchConfigurationName\": \"a\", "
			"\"InstanceType\": \"t3.micro\", \"ImageId\": 5}]}",
			&m, &err);
	ENSURE(ret != 0 &&
		       strstr(err.msg, "$.LaunchConfigurations[0].ImageId: expected an image id"),
	       "ImageId 5: %s", err.msg);
	ok = true;
out:
	model_free(m);
	if (nftw(dir, images_rm_one, 8, FTW_DEPTH | FTW_PHYS))
		printf("  cannot remove %s\n", dir);
	return ok;
}

CONFIG_TEST_MAIN(defaults_settings, full_settings, cluster_node, cluster_shared_times, images)
