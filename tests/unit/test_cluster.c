// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cluster.c's pure parts: the include that BIRD reads (only serving VIPs of the session's
 * family, nothing when withdrawn, and text that BIRD itself accepts when it is installed) and
 * the parser of BIRD's `show protocols` reply.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cluster.h"

static void conf(struct model_cluster *k)
{
	memset(k, 0, sizeof(*k));
	k->enabled = true;
	snprintf(k->node_name, sizeof(k->node_name), "node1");
	k->asn = 65001;
	k->peer_asn = 65000;
	k->router.family = AF_INET;
	inet_pton(AF_INET, "198.18.201.1", k->router.bytes);
	k->bfd_interval_ms = 100;
	k->bfd_multiplier = 3;
}

static void vip(struct ctl_vip *v, const char *addr, bool serving)
{
	memset(v, 0, sizeof(*v));
	v->family = strchr(addr, ':') ? XLB_FAMILY_V6 : XLB_FAMILY_V4;
	inet_pton(v->family == XLB_FAMILY_V6 ? AF_INET6 : AF_INET, addr, v->addr);
	v->serving = serving;
}

static bool text_routes(void)
{
	struct model_cluster k;
	struct ctl_vip v[3];
	char buf[4096];
	int n;

	conf(&k);
	vip(&v[0], "198.18.100.1", true);
	vip(&v[1], "198.18.100.2", false);
	vip(&v[2], "2001:2:0:100::1", true);
	n = cluster_bird_text(&k, v, 3, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n == strlen(buf), "length %d", n);
	CHECK(strstr(buf, "route 198.18.100.1/32 blackhole;"), "serving VIP missing:\n%s", buf);
	CHECK(!strstr(buf, "198.18.100.2"), "a VIP with no healthy target announced");
	CHECK(!strstr(buf, "2001:2:0:100::1"), "an IPv6 VIP on an IPv4 session");
	CHECK(strstr(buf, "neighbor 198.18.201.1 as 65000;") && strstr(buf, "local as 65001;"),
	      "session:\n%s", buf);
	CHECK(strstr(buf, "min rx interval 100 ms;") && strstr(buf, "multiplier 3;"), "bfd");
	n = cluster_bird_text(&k, v, 0, buf, sizeof(buf));
	CHECK(n > 0 && !strstr(buf, "route "), "withdrawn, yet a route:\n%s", buf);
	CHECK(cluster_bird_text(&k, v, 3, buf, 64) == -ENOSPC, "a short buffer not refused");
	return true;
}

/* BIRD parses what xlbd writes: the include inside a minimal main file, `bird -p`. */
static bool text_parses_in_bird(void)
{
	char dir[] = "/tmp/xlb-test-cluster.XXXXXX", main_path[128], inc[128], cmd[512];
	struct model_cluster k;
	struct ctl_vip v[1];
	char buf[4096];
	FILE *f;
	int n, rc;

	if (system("command -v bird >/dev/null 2>&1"))
		SKIP("bird is not installed (bird2)");
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(main_path, sizeof(main_path), "%s/bird.conf", dir);
	snprintf(inc, sizeof(inc), "%s/xlb.conf", dir);
	conf(&k);
	vip(&v[0], "198.18.100.1", true);
	n = cluster_bird_text(&k, v, 1, buf, sizeof(buf));
	CHECK(n > 0, "text");
	f = fopen(inc, "w");
	CHECK(f && fwrite(buf, 1, (size_t)n, f) == (size_t)n && !fclose(f), "writing %s", inc);
	f = fopen(main_path, "w");
	CHECK(f, "writing %s", main_path);
	fprintf(f, "router id 198.18.201.2;\nprotocol device {}\ninclude \"%s\";\n", inc);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "bird -p -c %s", main_path);
	rc = system(cmd);
	unlink(inc);
	unlink(main_path);
	rmdir(dir);
	CHECK(rc == 0, "bird -p refused the include (exit %d):\n%s", rc, buf);
	return true;
}

static bool parse_protocols(void)
{
	/* as BIRD 2.0.12 sends it on its control socket */
	static const char reply[] =
		"2002-Name       Proto      Table      State  Since         Info\n"
		"1002-device1    Device     ---        up     13:30:29      \n"
		" xlb_bfd    BFD        ---        up     13:30:29      \n"
		" xlb_vips   Static     master4    up     13:30:29      \n"
		" xlb_router BGP        ---        start  13:30:29      Active        Socket: "
		"Connection refused\n"
		"0000 \n";
	struct cluster_proto p[8];
	int n;

	n = cluster_parse_protocols(reply, p, 8);
	CHECK(n == 4, "%d protocols", n);
	CHECK(!strcmp(p[3].name, "xlb_router") && !strcmp(p[3].proto, "BGP") &&
		      !strcmp(p[3].state, "start") && !strcmp(p[3].info, "Active"),
	      "%s %s %s %s", p[3].name, p[3].proto, p[3].state, p[3].info);
	CHECK(!strcmp(p[2].proto, "Static") && !p[2].info[0], "static: '%s'", p[2].info);
	CHECK(cluster_parse_protocols(reply, p, 2) == 2, "max not honoured");
	CHECK(cluster_parse_protocols("9001 Permission denied\n", p, 8) == -EPROTO,
	      "an error reply parsed");
	CHECK(cluster_parse_protocols("garbage\n", p, 8) == -EPROTO, "garbage parsed");
	return true;
}

int main(void)
{
	RUN(text_routes);
	RUN(text_parses_in_bird);
	RUN(parse_protocols);
	return check_summary();
}
