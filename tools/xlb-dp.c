// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb-dp: the datapath by hand, without xlbd. Loads and pins the maps, attaches the XDP
 * programs, and writes services, backends and Maglev tables through user/dataplane.c; the lab
 * and the end-to-end tests drive it, and so can a user. Exit codes: 0 ok, 1 failure, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "dataplane.h"
#include "log.h"
#include "maglev.h"
#include "nexthop.h"
#include "opts.h"
#include "xlb_decap.skel.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char *cli_pin_dir = XLB_PIN_DIR;
static const char *cli_cmd = "xlb-dp"; /* "vip add", for messages */

/* ---- arguments ---- */

/* Every usage error goes through here: it names the command and points at its help. */
__attribute__((format(printf, 1, 2))) static int cli_usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s: %s (see 'xlb-dp %s --help')", cli_cmd, msg, cli_cmd);
	return EXIT_USAGE;
}

static int cli_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* IPv4 or IPv6, whichever inet_pton recognises; v4 in addr[0], the rest zero. */
static int cli_addr(const char *s, __be32 addr[4], __u8 *family)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = XLB_FAMILY_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = XLB_FAMILY_V6;
		return 0;
	}
	return -EINVAL;
}

static const char *cli_addr_str(const __be32 addr[4], __u8 family, char *buf)
{
	if (!inet_ntop(family == XLB_FAMILY_V4 ? AF_INET : AF_INET6, addr, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

static const char *cli_proto_str(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "ip";
}

/* ADDR PORT tcp|udp, the way every service is named on the command line. */
static int cli_service(char **argv, struct xlb_vip_key *key)
{
	uint32_t port;

	memset(key, 0, sizeof(*key));
	if (cli_addr(argv[0], key->addr, &key->family))
		return cli_usage_error("bad address '%s': neither IPv4 nor IPv6", argv[0]);
	if (cli_u32(argv[1], 1, 65535, &port))
		return cli_usage_error("bad port '%s': want 1-65535", argv[1]);
	key->port = htons(port);
	if (strcmp(argv[2], "tcp") == 0)
		key->proto = IPPROTO_TCP;
	else if (strcmp(argv[2], "udp") == 0)
		key->proto = IPPROTO_UDP;
	else
		return cli_usage_error("bad protocol '%s': want tcp or udp", argv[2]);
	return 0;
}

static const char *cli_service_str(const struct xlb_vip_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, k->family == XLB_FAMILY_V6 ? "[%s]:%u/%s" : "%s:%u/%s",
		 cli_addr_str(k->addr, k->family, a), ntohs(k->port), cli_proto_str(k->proto));
	return buf;
}

static int cli_ifindex(const char *name, int *ifindex)
{
	*ifindex = if_nametoindex(name);
	if (!*ifindex) {
		log_error("%s: no interface '%s' in this network namespace", cli_cmd, name);
		return EXIT_FAIL;
	}
	return 0;
}

/* --xdp-mode's parser: the attach flags in the uint32_t at target. */
static const char *cli_opt_xdp_mode(const char *s, void *target)
{
	uint32_t *flags = target;

	if (strcmp(s, "native") == 0)
		*flags = XDP_FLAGS_DRV_MODE;
	else if (strcmp(s, "generic") == 0)
		*flags = XDP_FLAGS_SKB_MODE;
	else if (strcmp(s, "auto") == 0)
		*flags = 0;
	else
		return "native, generic or auto";
	return NULL;
}

/* --xdp-mode, its value into the uint32_t at flags */
static struct opts_opt cli_opt_xdp_mode_entry(uint32_t *flags)
{
	return (struct opts_opt){ .name = "xdp-mode",
				  .kind = OPTS_CALL,
				  .target = flags,
				  .arg = "MODE",
				  .help = "native, generic, or auto: native, else generic with a\n"
					  "warning (the default)",
				  .parse = cli_opt_xdp_mode };
}

static int cli_verbose; /* -v given this many times, before the command and after it */

#define CLI_MAX_OPTS 16
#define CLI_HELP_COL 24

/* Options every command takes, after its own. */
static const struct opts_opt cli_common_opts[] = {
	{ "pin-dir", 0, OPTS_STRING, &cli_pin_dir, "DIR",
	  "where the maps are pinned (default $XLB_PIN_DIR, else\n" XLB_PIN_DIR ")" },
	{ "verbose", 'v', OPTS_COUNT, &cli_verbose, NULL, "more detail; twice for libbpf's own" },
	{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },
	{ 0 },
};

/* A command's option table: its own options (OPTS_END-ended, or NULL), then the common ones,
 * in all; its help is synopsis, the options and epilog. Errors start with "xlb-dp CMD".
 */
static void cli_tool(struct opts_tool *tool, struct opts_opt *all, const struct opts_opt *own,
		     const char *synopsis, const char *epilog)
{
	static char prog[64];
	size_t n = 0, i;

	for (i = 0; own && own[i].kind != OPTS_END && n < CLI_MAX_OPTS; i++)
		all[n++] = own[i];
	for (i = 0; cli_common_opts[i].kind != OPTS_END; i++)
		all[n++] = cli_common_opts[i];
	memset(&all[n], 0, sizeof(all[n]));
	snprintf(prog, sizeof(prog), "xlb-dp %s", cli_cmd);
	*tool = (struct opts_tool){ .prog = prog,
				    .synopsis = synopsis,
				    .epilog = epilog,
				    .help_col = CLI_HELP_COL,
				    .opts = all };
}

/* Parses a command's options (argv[0] being the command): -1 to go on, with optind at the
 * first operand, else the exit code (0 after --help, 2 after a usage error).
 */
static int cli_parse(int argc, char **argv, const struct opts_opt *own, const char *synopsis,
		     const char *epilog)
{
	struct opts_opt all[CLI_MAX_OPTS + 4];
	struct opts_tool tool;
	int first, r;

	cli_tool(&tool, all, own, synopsis, epilog);
	argv[0] = (char *)tool.prog; /* getopt_long's own messages name the command */
	r = opts_parse(&tool, argc, argv, &first);
	if (r)
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	if (cli_verbose)
		log_set_level(cli_verbose == 1 ? LOG_LEVEL_DEBUG : LOG_LEVEL_TRACE);
	optind = first;
	return -1;
}

/* A command's help, for "xlb-dp CMD --help" before its subcommand. */
static int cli_print_help(const struct opts_opt *own, const char *synopsis, const char *epilog)
{
	struct opts_opt all[CLI_MAX_OPTS + 4];
	struct opts_tool tool;

	cli_tool(&tool, all, own, synopsis, epilog);
	opts_usage(&tool, stdout);
	return EXIT_OK;
}

/* ---- opening the datapath ---- */

/* Opens the datapath in cli_pin_dir. Without create, the maps must be there already: a typo in
 * --pin-dir then fails instead of quietly creating a second datapath.
 */
static int cli_open(struct dataplane **dp, bool create, uint32_t flows, uint32_t ring)
{
	struct dataplane_opts opts = { .pin_dir = cli_pin_dir,
				       .flow_capacity = flows,
				       .ring_size = ring };
	bool adopted;
	int err;

	/* pins of another version go on to dataplane_open, which says what they are */
	if (!create && dataplane_pins_version(cli_pin_dir) <= 0) {
		log_error(
			"%s: no datapath pinned in %s (run 'xlb-dp load' first or give --pin-dir; "
			"'ip netns exec' hides /sys/fs/bpf, 'nsenter --net=' does not)",
			cli_cmd, cli_pin_dir);
		return EXIT_FAIL;
	}
	err = dataplane_open(dp, &opts, &adopted);
	if (err) {
		log_error("%s: cannot open the datapath in %s: %s", cli_cmd, cli_pin_dir,
			  strerror(-err));
		return EXIT_FAIL;
	}
	if (!adopted)
		log_info("created the datapath's maps in %s", cli_pin_dir);
	return 0;
}

/* After the options: the one interface argument, its ifindex in *ifindex. Returns 0 or the
 * exit code to stop with.
 */
static int cli_iface_arg(int argc, char **argv, int *ifindex)
{
	if (argc - optind != 1)
		return cli_usage_error("want one interface");
	return cli_ifindex(argv[optind], ifindex);
}

/* After the options of a command that takes no argument: the pinned datapath, opened as it
 * is. Returns 0 or the exit code to stop with.
 */
static int cli_noarg_open(int argc, char **argv, struct dataplane **dp)
{
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return cli_open(dp, false, 0, 0);
}

/* ---- load ---- */

static const char load_synopsis[] =
	"Usage: xlb-dp load [--flows N] [--ring N]\n"
	"Loads the datapath and pins its maps in the pin directory; adopts them when they are\n"
	"already there (their contents stay).\n";

static const char *cli_opt_ring(const char *arg, void *target)
{
	uint32_t v;

	if (cli_u32(arg, 2, UINT32_MAX, &v) || !maglev_is_prime(v))
		return "a prime such as 65537";
	*(uint32_t *)target = v;
	return NULL;
}

static int cmd_load(int argc, char **argv)
{
	struct dataplane *dp;
	uint32_t flows = 0, ring = 0;
	const struct opts_opt opts[] = {
		{ "flows", 0, OPTS_UINT, &flows, "N", "flow table entries (default 1048576)", 1,
		  UINT32_MAX },
		{ "ring", 0, OPTS_CALL, &ring, "N", "Maglev table size, a prime (default 65537)",
		  .parse = cli_opt_ring },
		{ 0 },
	};
	int ret;

	ret = cli_parse(argc, argv, opts, load_synopsis, NULL);
	if (ret >= 0)
		return ret;
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);

	ret = cli_open(&dp, true, flows, ring);
	if (ret)
		return ret;
	printf("datapath in %s: Maglev tables of %u positions\n", cli_pin_dir,
	       dataplane_ring_size(dp));
	dataplane_close(dp);
	return EXIT_OK;
}

/* ---- attach, detach, tx-port ---- */

static const char attach_synopsis[] =
	"Usage: xlb-dp attach IFACE [--role vip|nat] [--hook auto|xdp|tc]\n"
	"                    [--xdp-mode native|generic|auto]\n"
	"Attaches xlb to IFACE (replacing an xlb program already there without a gap) and lets\n"
	"redirects leave through it. Loads the datapath first when it is not pinned yet.\n";

static const char *cli_opt_role(const char *arg, void *target)
{
	if (strcmp(arg, "vip") == 0)
		*(enum dataplane_role *)target = DATAPLANE_ROLE_VIP;
	else if (strcmp(arg, "nat") == 0)
		*(enum dataplane_role *)target = DATAPLANE_ROLE_NAT;
	else
		return "vip or nat";
	return NULL;
}

static const char *cli_opt_hook(const char *arg, void *target)
{
	return dataplane_hook_parse(arg, target) ? "auto, xdp or tc" : NULL;
}

static const char *cli_attached_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return "unknown";
	return q.drv_prog_id ? "native" :
	       q.skb_prog_id ? "generic" :
	       q.hw_prog_id  ? "offload" :
			       "none";
}

static int cmd_attach(int argc, char **argv)
{
	enum dataplane_role role = DATAPLANE_ROLE_VIP;
	enum dataplane_hook hook = DATAPLANE_HOOK_AUTO, used;
	const char *prog;
	struct dataplane *dp;
	uint32_t flags = 0;
	const struct opts_opt opts[] = {
		{ "role", 0, OPTS_CALL, &role, "ROLE",
		  "vip (the default): client-facing, VIP traffic only\n"
		  "(xlb_rx); nat: also rewrites nat replies from backends\n(xlb_rx_nat)",
		  .parse = cli_opt_role },
		{ "hook", 0, OPTS_CALL, &hook, "HOOK",
		  "auto (the default): tc on veth and other virtual devices\n"
		  "without a bus, where an XDP redirect loses the checksum\n"
		  "state and GSO of what the hosts send, XDP elsewhere\n"
		  "(NICs, virtio); xdp; or tc (the same datapath at clsact\n"
		  "ingress, where the skb keeps them). The choice is printed.",
		  .parse = cli_opt_hook },
		cli_opt_xdp_mode_entry(&flags),
		{ 0 },
	};
	char why[64];
	int ifindex, ret;

	ret = cli_parse(argc, argv, opts, attach_synopsis, NULL);
	if (ret >= 0)
		return ret;
	ret = cli_iface_arg(argc, argv, &ifindex);
	if (ret)
		return ret;
	used = dataplane_hook_pick(ifindex, hook, why, sizeof(why));
	ret = cli_open(&dp, true, 0, 0);
	if (ret)
		return ret;
	prog = role == DATAPLANE_ROLE_NAT ? "xlb_rx_nat" : "xlb_rx";
	if (dataplane_attach_hook(dp, ifindex, role, used, flags, NULL))
		ret = EXIT_FAIL;
	else if (used == DATAPLANE_HOOK_TC)
		printf("%s: %s attached (tc ingress; hook %s: %s)\n", argv[optind], prog,
		       dataplane_hook_name(hook), why);
	else
		printf("%s: %s attached (%s mode; hook %s: %s)\n", argv[optind], prog,
		       cli_attached_mode(ifindex), dataplane_hook_name(hook), why);
	dataplane_close(dp);
	return ret;
}

static const char detach_synopsis[] =
	"Usage: xlb-dp detach IFACE\n"
	"Detaches xlb from IFACE and takes it out of the redirect targets. Another program\n"
	"attached there is left alone.\n";

/* The start of a command whose one argument is an interface: its ifindex and the datapath.
 * Returns -1 to go on, else the exit code to stop with (0 after --help).
 */
static int cli_iface_open(int argc, char **argv, const char *synopsis, int *ifindex,
			  struct dataplane **dp)
{
	int ret = cli_parse(argc, argv, NULL, synopsis, NULL);

	if (ret >= 0)
		return ret;
	ret = cli_iface_arg(argc, argv, ifindex);
	if (!ret)
		ret = cli_open(dp, false, 0, 0);
	return ret ? ret : -1;
}

static int cmd_detach(int argc, char **argv)
{
	struct dataplane *dp;
	int ifindex, ret;

	ret = cli_iface_open(argc, argv, detach_synopsis, &ifindex, &dp);
	if (ret >= 0)
		return ret;
	ret = EXIT_OK;
	{
		__u32 tc_id = 0;

		/* either hook: xlb's tc filter, then xlb's XDP program if there is one */
		if (!dataplane_tc_current(ifindex, &tc_id) && tc_id) {
			if (dataplane_detach_tc(ifindex))
				ret = EXIT_FAIL;
			else
				printf("%s: xlb detached from tc\n", argv[optind]);
		}
		if (ret == EXIT_OK && (!tc_id || strcmp(cli_attached_mode(ifindex), "none"))) {
			if (dataplane_detach(dp, ifindex, 0))
				ret = EXIT_FAIL;
			else
				printf("%s: xlb detached\n", argv[optind]);
		}
	}
	dataplane_close(dp);
	return ret;
}

static const char tx_port_synopsis[] =
	"Usage: xlb-dp tx-port IFACE\n"
	"Lets redirected packets leave through IFACE without attaching xlb to it.\n";

static int cmd_tx_port(int argc, char **argv)
{
	struct dataplane *dp;
	int ifindex, ret;

	ret = cli_iface_open(argc, argv, tx_port_synopsis, &ifindex, &dp);
	if (ret >= 0)
		return ret;
	ret = EXIT_OK;
	if (dataplane_tx_port_add(dp, ifindex))
		ret = EXIT_FAIL;
	else
		printf("%s: redirect target\n", argv[optind]);
	dataplane_close(dp);
	return ret;
}

/* ---- peer ---- */

static const char peer_synopsis[] =
	"Usage: xlb-dp peer IFACE [--xdp-mode native|generic|auto] [--allow-src ADDR]... [--detach]\n"
	"       xlb-dp peer IFACE --stats [--json]\n"
	"Attaches xlb_decap to IFACE, in the namespace the command runs in: for the far end of a\n"
	"veth that receives redirected or XDP_TX frames (a veth delivers them only to a peer with\n"
	"an XDP program), and for ipip backends (it strips the outer header). It passes all else.\n"
	"It unwraps IP-in-IP only from the namespace's gateways (the balancer, as the lab and xlbd\n"
	"set it up) and the --allow-src addresses, and only to the namespace's addresses as they\n"
	"are now; other IP-in-IP is dropped and counted. Attach again after addresses change.\n"
	"Nothing is pinned; the program stays attached after xlb-dp exits.\n";

#define CLI_PEER_ALLOW_MAX 16

struct cli_peer_allow {
	struct xlb_decap_key key[CLI_PEER_ALLOW_MAX];
	size_t n;
};

static const char *cli_opt_allow_src(const char *arg, void *target)
{
	struct cli_peer_allow *a = target;

	if (a->n == CLI_PEER_ALLOW_MAX)
		return "at most 16 of them";
	if (cli_addr(arg, a->key[a->n].addr, &a->key[a->n].family))
		return "an IPv4 or IPv6 address";
	a->key[a->n++].kind = XLB_DECAP_SRC;
	return NULL;
}

static int cli_peer_attach(int ifindex, const char *ifname, uint32_t want, bool detach,
			   const struct xlb_decap_key *allow, size_t n)
{
	if (dataplane_peer_attach_allow(ifindex, ifname, want, detach, allow, n))
		return EXIT_FAIL;
	if (detach)
		printf("%s: xlb_decap detached\n", ifname);
	else
		printf("%s: xlb_decap attached (%s mode)\n", ifname, cli_attached_mode(ifindex));
	return EXIT_OK;
}

static int cli_peer_stats(int ifindex, const char *ifname, bool json)
{
	static const char *const names[XLB_DECAP_STAT_MAX] = {
		[XLB_DECAP_STRIPPED] = "stripped",
		[XLB_DECAP_DROP_SRC] = "drop_outer_src",
		[XLB_DECAP_DROP_DST] = "drop_outer_dst",
	};
	uint64_t v[XLB_DECAP_STAT_MAX];
	int err = dataplane_peer_stats(ifindex, v);

	if (err) {
		fprintf(stderr, "error: %s: reading xlb_decap's counters: %s\n", ifname,
			err == -ENOENT ? "xlb_decap is not attached" : strerror(-err));
		return EXIT_FAIL;
	}
	if (json) {
		printf("{\"interface\": \"%s\"", ifname);
		for (int i = 0; i < XLB_DECAP_STAT_MAX; i++)
			printf(", \"%s\": %llu", names[i], (unsigned long long)v[i]);
		printf("}\n");
		return EXIT_OK;
	}
	printf("%-16s %s\n", "COUNTER", "VALUE");
	for (int i = 0; i < XLB_DECAP_STAT_MAX; i++)
		printf("%-16s %llu\n", names[i], (unsigned long long)v[i]);
	return EXIT_OK;
}

static int cmd_peer(int argc, char **argv)
{
	struct cli_peer_allow allow;
	uint32_t flags = 0;
	bool detach = false, stats = false, json = false;
	const struct opts_opt opts[] = {
		cli_opt_xdp_mode_entry(&flags),
		{ "allow-src", 0, OPTS_CALL, &allow, "ADDR",
		  "also unwrap what ADDR (a balancer) sends, up to 16 of\nthem",
		  .parse = cli_opt_allow_src },
		{ "stats", 0, OPTS_FLAG, &stats, NULL,
		  "print the counters of the xlb_decap attached to IFACE" },
		{ "json", 0, OPTS_FLAG, &json, NULL, "with --stats: as JSON" },
		{ "detach", 0, OPTS_FLAG, &detach, NULL, "remove xlb_decap from IFACE instead" },
		{ 0 },
	};
	int ifindex, ret;

	memset(&allow, 0, sizeof(allow));
	ret = cli_parse(argc, argv, opts, peer_synopsis, NULL);
	if (ret >= 0)
		return ret;
	ret = cli_iface_arg(argc, argv, &ifindex);
	if (ret)
		return ret;
	if (stats)
		return cli_peer_stats(ifindex, argv[optind], json);
	return cli_peer_attach(ifindex, argv[optind], flags, detach, allow.key, allow.n);
}

/* ---- vip ---- */

/* The subcommand in argv[1], one of two words: *first tells which. Prints the usage for
 * --help. Returns -1 to go on (argc, argv then start at the subcommand), else an exit code.
 */
static int cli_subcommand(int argc, char **argv, const struct opts_opt *own, const char *synopsis,
			  const char *epilog, const char *a, const char *b, bool *first)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
			return cli_print_help(own, synopsis, epilog);
		return cli_usage_error("want '%s' or '%s'", a, b);
	}
	if (strcmp(argv[1], a) == 0)
		*first = true;
	else if (strcmp(argv[1], b) == 0)
		*first = false;
	else
		return cli_usage_error("unknown subcommand '%s': want %s or %s", argv[1], a, b);
	return -1;
}

static const char vip_synopsis[] =
	"Usage: xlb-dp vip add ADDR PORT tcp|udp [--mode nat|dsr|ipip] [--id N] [--no-echo]\n"
	"       xlb-dp vip del ADDR PORT tcp|udp\n"
	"Adds (or changes) and removes a service. ADDR is IPv4 or IPv6.\n";
static const char vip_epilog[] =
	"Removing a service removes its table; its address stops being answered when no other\n"
	"service uses it.\n";

/* Calls fn for every service in the map's order (not the address entries, which have no
 * protocol) until fn returns nonzero; returns that, else 0.
 */
static int cli_services_each(struct dataplane *dp,
			     int (*fn)(const struct xlb_vip_key *, const struct xlb_vip *, void *),
			     void *data)
{
	int fd = dataplane_map_fd(dp, "xlb_vips"), ret;
	struct xlb_vip_key cur, next;
	struct xlb_vip vip;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (!cur.proto || bpf_map_lookup_elem(fd, &cur, &vip))
			continue;
		ret = fn(&cur, &vip, data);
		if (ret)
			return ret;
	}
	return 0;
}

/* How many positions of a Maglev table each backend id holds (XLB_MAX_BACKENDS counts). */
static void cli_table_count(const uint32_t *table, uint32_t size, uint32_t *positions)
{
	uint32_t i;

	memset(positions, 0, XLB_MAX_BACKENDS * sizeof(*positions));
	for (i = 0; i < size; i++)
		positions[table[i] < XLB_MAX_BACKENDS ? table[i] : 0]++;
}

static int cli_mark_vip_id(const struct xlb_vip_key *key, const struct xlb_vip *vip, void *used)
{
	if (vip->id < XLB_MAX_VIPS)
		((bool *)used)[vip->id] = true;
	return 0;
}

/* The lowest id no service holds. */
static int cli_free_vip_id(struct dataplane *dp, uint32_t *id)
{
	bool used[XLB_MAX_VIPS] = { false };
	uint32_t i;

	cli_services_each(dp, cli_mark_vip_id, used);
	for (i = 0; i < XLB_MAX_VIPS; i++) {
		if (!used[i]) {
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static const char *cli_opt_mode(const char *s, void *target)
{
	int m;

	for (m = 0; m < XLB_MODE_MAX; m++) {
		if (strcmp(s, dataplane_mode_name(m)) == 0) {
			*(__u8 *)target = m;
			return NULL;
		}
	}
	return "nat, dsr or ipip";
}

static int cmd_vip(int argc, char **argv)
{
	struct xlb_vip vip = { .mode = XLB_MODE_NAT }, old;
	bool add, have_id = false, have_mode = false, no_echo = false;
	struct xlb_vip_key key;
	struct dataplane *dp;
	uint32_t id = 0;
	const struct opts_opt opts[] = {
		{ "mode", 0, OPTS_CALL, &vip.mode, "MODE",
		  "nat (default): destination rewritten, replies rewritten\n"
		  "back; dsr: destination MAC only, backends hold the VIP;\n"
		  "ipip: encapsulated",
		  .parse = cli_opt_mode, .seen = &have_mode },
		{ "id", 0, OPTS_UINT, &id, "N",
		  "the service's table and counter index, 0-511 (default:\n"
		  "kept when the service exists, else the lowest free one)",
		  0, XLB_MAX_VIPS - 1, .seen = &have_id },
		{ "no-echo", 0, OPTS_FLAG, &no_echo, NULL,
		  "do not answer ICMP echo requests to ADDR" },
		{ 0 },
	};
	char name[80];
	int ret, err;

	/* argv[1] is add or del; options may come anywhere after it */
	ret = cli_subcommand(argc, argv, opts, vip_synopsis, vip_epilog, "add", "del", &add);
	if (ret >= 0)
		return ret;
	cli_cmd = add ? "vip add" : "vip del";
	argc--;
	argv++;

	ret = cli_parse(argc, argv, opts, vip_synopsis, vip_epilog);
	if (ret >= 0)
		return ret;
	if (no_echo)
		vip.flags |= XLB_VIP_F_NO_ECHO;
	if (argc - optind != 3)
		return cli_usage_error("want ADDR PORT tcp|udp");
	if (!add && (have_id || have_mode || vip.flags))
		return cli_usage_error("del takes no options but --pin-dir");
	ret = cli_service(argv + optind, &key);
	if (ret)
		return ret;
	cli_service_str(&key, name, sizeof(name));

	ret = cli_open(&dp, false, 0, 0);
	if (ret)
		return ret;
	if (!add) {
		ret = dataplane_vip_del(dp, &key) ? EXIT_FAIL : EXIT_OK;
		if (!ret)
			printf("service %s removed\n", name);
		goto out;
	}
	err = dataplane_vip_get(dp, &key, &old);
	if (!have_id) {
		if (err == 0)
			id = old.id;
		else if (cli_free_vip_id(dp, &id)) {
			log_error("%s: %s: all %u service ids are taken", cli_cmd, name,
				  XLB_MAX_VIPS);
			ret = EXIT_FAIL;
			goto out;
		}
	}
	vip.id = id;
	if (dataplane_vip_set(dp, &key, &vip)) {
		ret = EXIT_FAIL;
		goto out;
	}
	if (err == 0 && old.id != id)
		log_warn("%s: %s moved from id %u to %u: give it its table again (ring set)",
			 cli_cmd, name, old.id, id);
	printf("service %s: id %u, mode %s%s\n", name, id, dataplane_mode_name(vip.mode),
	       vip.flags & XLB_VIP_F_NO_ECHO ? ", no echo" : "");
out:
	dataplane_close(dp);
	return ret;
}

/* ---- backend ---- */

static const char backend_synopsis[] =
	"Usage: xlb-dp backend set ID ADDR [--port P] [--encap-src ADDR] [--draining] [--gen G]\n"
	"                          [--nexthop auto|fib]\n"
	"       xlb-dp backend del ID\n"
	"Writes or removes the backend of ID (0-4095), which tables refer to.\n";
static const char backend_epilog[] =
	"del clears the ID's active flag: its flows are given to other backends.\n";

static const char *cli_opt_nexthop(const char *arg, void *target)
{
	if (strcmp(arg, "auto") && strcmp(arg, "fib"))
		return "auto or fib";
	*(bool *)target = strcmp(arg, "fib") == 0;
	return NULL;
}

struct cli_in_tables {
	struct dataplane *dp;
	uint32_t *table;
	uint32_t be_id;
	const char *what;
};

static int cli_warn_in_table(const struct xlb_vip_key *key, const struct xlb_vip *vip, void *data)
{
	struct cli_in_tables *w = data;
	uint32_t size = dataplane_ring_size(w->dp), i;
	char name[80];

	if (dataplane_ring_get(w->dp, vip->id, w->table))
		return 0;
	for (i = 0; i < size && w->table[i] != w->be_id; i++)
		;
	if (i < size)
		log_warn("%s: backend %u is %s but still in the table of %s: its new flows go to "
			 "it until 'xlb-dp ring set' leaves it out",
			 cli_cmd, w->be_id, w->what, cli_service_str(key, name, sizeof(name)));
	return 0;
}

/* Warns when a removed or draining backend is still in a table: it would get new flows. */
static void cli_warn_in_tables(struct dataplane *dp, uint32_t be_id, const char *what)
{
	struct cli_in_tables w = { .dp = dp, .be_id = be_id, .what = what };

	w.table = calloc(dataplane_ring_size(dp), sizeof(*w.table));
	if (!w.table)
		return;
	cli_services_each(dp, cli_warn_in_table, &w);
	free(w.table);
}

/* Why a backend is on the fib path, in a few words for a table or a message. */
static const char *cli_nexthop_why(int err, const struct nexthop *nh, char *buf, size_t len)
{
	char g[INET6_ADDRSTRLEN];

	switch (err) {
	case -EAGAIN:
		if (nh->gw_family)
			snprintf(buf, len, "gateway %s not resolved yet",
				 inet_ntop(nh->gw_family, nh->gw, g, sizeof(g)));
		else
			snprintf(buf, len, "neighbour not resolved yet");
		return buf;
	case -EHOSTUNREACH:
		return "no route";
	case -EOPNOTSUPP:
		return "egress is not Ethernet";
	default:
		snprintf(buf, len, "lookup failed: %s", strerror(-err));
		return buf;
	}
}

/* Says which next hop a backend got, and warns when its egress cannot be redirected to. */
static void cli_nexthop_report(struct dataplane *dp, const struct xlb_backend *be, int err,
			       const struct nexthop *nh)
{
	char m[18], g[INET6_ADDRSTRLEN], why[96];
	__u32 key, val;

	if (be->flags & XLB_BE_F_NH_CACHED) {
		printf("  next hop cached: dev %s", nh->ifname);
		if (nh->gw_family)
			printf(" via %s", inet_ntop(nh->gw_family, nh->gw, g, sizeof(g)));
		printf(" dmac %s\n", nexthop_mac_str(nh->dmac, m));
		key = be->nh_ifindex;
		fflush(stdout);
		if (bpf_map_lookup_elem(dataplane_map_fd(dp, "xlb_tx_ports"), &key, &val))
			log_warn("%s: %s is neither attached nor a tx-port: packets for this "
				 "backend are dropped (no_tx_port) until 'xlb-dp attach' or "
				 "'xlb-dp tx-port' adds it",
				 cli_cmd, nh->ifname);
		return;
	}
	if (!nh) {
		printf("  next hop: fib (--nexthop fib)\n");
		return;
	}
	printf("  next hop: fib (%s)\n", cli_nexthop_why(err, nh, why, sizeof(why)));
	if (err == -EAGAIN)
		printf("  the first packets resolve it; 'xlb-dp nexthop refresh' then caches it\n");
}

/* backend set and del, as the command line gave them */
struct backend_args {
	bool set;
	uint32_t id;
	const char *addr_arg;
	struct xlb_backend be; /* address, port and --encap-src as given */
	const char *src_arg;   /* NULL: none given */
	bool draining, have_gen, have_port, nh_fib, have_nh;
	uint32_t gen;
};

/* Returns -1 to go on, else an exit code. */
static int backend_parse(int argc, char **argv, struct backend_args *b)
{
	uint32_t port = 0;
	const struct opts_opt opts[] = {
		{ "port", 0, OPTS_UINT, &port, "P",
		  "nat: the backend's port (default 0: the service's port)", 0, 65535,
		  .seen = &b->have_port },
		{ "encap-src", 0, OPTS_STRING, &b->src_arg, "ADDR",
		  "ipip: outer source address (default: this host's address\n"
		  "towards ADDR, from the routing table)" },
		{ "draining", 0, OPTS_FLAG, &b->draining, NULL,
		  "keeps its flows; take it out of the tables (ring set) so\n"
		  "that it gets no new ones" },
		{ "gen", 0, OPTS_UINT, &b->gen, "G",
		  "generation; flows move when it changes (default: kept\n"
		  "while ADDR and port stay, else the old one plus one)",
		  0, UINT32_MAX, .seen = &b->have_gen },
		{ "nexthop", 0, OPTS_CALL, &b->nh_fib, "HOW",
		  "auto (the default): cache the next hop (egress device,\n"
		  "MACs) from this namespace's routes and neighbours when\n"
		  "the neighbour is resolved, else bpf_fib_lookup until\n"
		  "'xlb-dp nexthop refresh' finds it; fib: always\n"
		  "bpf_fib_lookup (follows route changes and multipath at\n"
		  "once), and 'nexthop refresh' leaves the backend alone",
		  .parse = cli_opt_nexthop, .seen = &b->have_nh },
		{ 0 },
	};
	__u8 src_family = 0;
	int ret, nargs;

	ret = cli_subcommand(argc, argv, opts, backend_synopsis, backend_epilog, "set", "del",
			     &b->set);
	if (ret >= 0)
		return ret;
	cli_cmd = b->set ? "backend set" : "backend del";
	argc--;
	argv++;

	ret = cli_parse(argc, argv, opts, backend_synopsis, backend_epilog);
	if (ret >= 0)
		return ret;
	nargs = argc - optind;
	if (b->set ? nargs != 2 : nargs != 1)
		return cli_usage_error(b->set ? "want ID ADDR" : "want ID");
	if (!b->set && (b->have_port || b->src_arg || b->draining || b->have_gen || b->have_nh))
		return cli_usage_error("del takes no options but --pin-dir");
	if (cli_u32(argv[optind], 0, XLB_MAX_BACKENDS - 1, &b->id))
		return cli_usage_error("bad backend id '%s': want 0-%u", argv[optind],
				       XLB_MAX_BACKENDS - 1);
	if (!b->set)
		return -1;
	b->addr_arg = argv[optind + 1];
	if (cli_addr(b->addr_arg, b->be.addr, &b->be.family))
		return cli_usage_error("bad address '%s': neither IPv4 nor IPv6", b->addr_arg);
	if (b->src_arg && cli_addr(b->src_arg, b->be.encap_src, &src_family))
		return cli_usage_error("bad --encap-src '%s': neither IPv4 nor IPv6", b->src_arg);
	if (b->src_arg && src_family != b->be.family)
		return cli_usage_error("--encap-src %s and the backend %s are of different "
				       "families",
				       b->src_arg, b->addr_arg);
	b->be.port = htons(port);
	return -1;
}

/* Clears the active flag of a set backend: its flows are given to other backends. */
static int backend_del(struct dataplane *dp, uint32_t id, struct xlb_backend *old)
{
	if (!(old->flags & XLB_BE_F_ACTIVE)) {
		log_error("%s: backend %u is not set", cli_cmd, id);
		return EXIT_FAIL;
	}
	old->flags &= ~(XLB_BE_F_ACTIVE | XLB_BE_F_DRAINING);
	if (dataplane_backend_set(dp, id, old))
		return EXIT_FAIL;
	printf("backend %u removed\n", id);
	cli_warn_in_tables(dp, id, "removed");
	return EXIT_OK;
}

static int backend_set(struct dataplane *dp, struct backend_args *b, const struct xlb_backend *old)
{
	struct xlb_backend *be = &b->be;
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];
	struct nexthop nh;
	int nh_err = 0;

	/* the same backend keeps its gen (and its flows); another one under the id takes them
	 * over only through a new gen, which makes the datapath choose their backends anew
	 */
	if (old->family == be->family && memcmp(old->addr, be->addr, 16) == 0 &&
	    old->port == be->port) {
		be->gen = old->gen;
		if (!b->src_arg && old->family == be->family)
			memcpy(be->encap_src, old->encap_src, sizeof(be->encap_src));
	} else {
		be->gen = old->gen + 1;
	}
	if (b->have_gen)
		be->gen = b->gen;
	if (!b->src_arg && !memcmp(be->encap_src, (__be32[4]){ 0 }, 16)) {
		int err = nexthop_source(be, be->encap_src);

		if (err)
			log_warn(
				"%s: no route to %s for an ipip source address (%s); give --encap-src "
				"if a service in ipip mode uses backend %u",
				cli_cmd, b->addr_arg, strerror(-err), b->id);
	}
	be->flags |= XLB_BE_F_ACTIVE | (b->draining ? XLB_BE_F_DRAINING : 0);
	/* the next hop is looked up afresh: the old one may belong to another backend */
	if (b->nh_fib) {
		be->flags |= XLB_BE_F_NH_FIB;
	} else {
		nh_err = nexthop_resolve_backend(be, &nh);
		if (!nh_err)
			nexthop_apply(be, &nh);
	}
	if (nexthop_backend_set(dp, b->id, be))
		return EXIT_FAIL;
	printf("backend %u: %s", b->id, cli_addr_str(be->addr, be->family, a));
	if (be->port)
		printf(" port %u", ntohs(be->port));
	printf(", encap-src %s, gen %u%s\n", cli_addr_str(be->encap_src, be->family, s), be->gen,
	       b->draining ? ", draining" : "");
	cli_nexthop_report(dp, be, b->nh_fib ? 0 : nh_err, b->nh_fib ? NULL : &nh);
	if (b->draining)
		cli_warn_in_tables(dp, b->id, "draining");
	return EXIT_OK;
}

static int cmd_backend(int argc, char **argv)
{
	struct backend_args b = { 0 };
	struct xlb_backend old;
	struct dataplane *dp;
	int ret;

	ret = backend_parse(argc, argv, &b);
	if (ret >= 0)
		return ret;
	ret = cli_open(&dp, false, 0, 0);
	if (ret)
		return ret;
	if (dataplane_backend_get(dp, b.id, &old)) {
		log_error("%s: reading backend %u failed", cli_cmd, b.id);
		ret = EXIT_FAIL;
	} else {
		ret = b.set ? backend_set(dp, &b, &old) : backend_del(dp, b.id, &old);
	}
	dataplane_close(dp);
	return ret;
}

/* ---- nexthop ---- */

static const char nexthop_synopsis[] =
	"Usage: xlb-dp nexthop refresh|show [--json]\n"
	"The next hops of the active backends. refresh looks each one up again in this\n"
	"namespace's routes and neighbours: changed ones are updated, newly resolved ones cached,\n"
	"ones that no longer resolve go back to bpf_fib_lookup; backends set with --nexthop fib\n"
	"are left alone. show prints the same table and changes nothing. The datapath does not\n"
	"see route or neighbour changes by itself: refresh after them, or periodically.\n";

/* The row of one backend, printed or added to arr. */
static void cli_nexthop_row(json_object *arr, uint32_t id, const struct xlb_backend *be,
			    const char *note, bool changed, bool tx_port)
{
	char a[INET6_ADDRSTRLEN], dev[IF_NAMESIZE] = "-", dmac[18] = "-", smac[18] = "-";
	bool cached = be->flags & XLB_BE_F_NH_CACHED;
	json_object *j;

	if (cached) {
		if (!if_indextoname(be->nh_ifindex, dev))
			snprintf(dev, sizeof(dev), "#%u", be->nh_ifindex);
		nexthop_mac_str(be->nh_dmac, dmac);
		nexthop_mac_str(be->nh_smac, smac);
	}
	cli_addr_str(be->addr, be->family, a);
	if (!arr) {
		printf("%-4u %-39s %-6s %-15s %-17s %s%s%s%s\n", id, a, cached ? "cached" : "fib",
		       dev, dmac, changed ? "* " : "", note,
		       cached && !tx_port && *note ? "; " : "",
		       cached && !tx_port ? "egress is no tx-port: dropped" : "");
		return;
	}
	j = json_object_new_object();
	json_object_object_add(j, "id", json_object_new_int64(id));
	json_object_object_add(j, "address", json_object_new_string(a));
	json_object_object_add(j, "mode", json_object_new_string(cached ? "cached" : "fib"));
	json_object_object_add(j, "fib_by_choice",
			       json_object_new_boolean(!!(be->flags & XLB_BE_F_NH_FIB)));
	if (cached) {
		json_object_object_add(j, "ifindex", json_object_new_int64(be->nh_ifindex));
		json_object_object_add(j, "ifname", json_object_new_string(dev));
		json_object_object_add(j, "dmac", json_object_new_string(dmac));
		json_object_object_add(j, "smac", json_object_new_string(smac));
		json_object_object_add(j, "tx_port", json_object_new_boolean(tx_port));
	}
	json_object_object_add(j, "note", json_object_new_string(note));
	json_object_object_add(j, "changed", json_object_new_boolean(changed));
	json_object_array_add(arr, j);
}

/* What refresh did to a backend, in a few words for the table. */
static const char *cli_nexthop_note(enum nexthop_change chg, int err, const struct nexthop *nh,
				    char *buf, size_t len)
{
	char why[96];

	switch (chg) {
	case NEXTHOP_UNCHANGED:
		return err ? cli_nexthop_why(err, nh, buf, len) : "unchanged";
	case NEXTHOP_UPDATED:
		return "updated";
	case NEXTHOP_CACHED:
		return "cached now";
	case NEXTHOP_FELL_BACK:
		snprintf(buf, len, "back to fib: %s", cli_nexthop_why(err, nh, why, sizeof(why)));
		return buf;
	case NEXTHOP_FIB_CHOSEN:
		return "--nexthop fib";
	case NEXTHOP_RACED:
		return "changed meanwhile, left alone";
	default:
		return "";
	}
}

static int cmd_nexthop(int argc, char **argv)
{
	uint32_t id, n = 0, ncached = 0, nchanged = 0;
	json_object *arr = NULL;
	struct dataplane *dp;
	bool refresh, json = false;
	const struct opts_opt opts[] = {
		{ "json", 0, OPTS_FLAG, &json, NULL, "the table as JSON" },
		{ 0 },
	};
	int ret, txfd;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
			return cli_print_help(opts, nexthop_synopsis, NULL);
		return cli_usage_error("want 'refresh' or 'show'");
	}
	if (strcmp(argv[1], "refresh") == 0)
		refresh = true;
	else if (strcmp(argv[1], "show") == 0)
		refresh = false;
	else
		return cli_usage_error("unknown subcommand '%s': want refresh or show", argv[1]);
	cli_cmd = refresh ? "nexthop refresh" : "nexthop show";
	argc--;
	argv++;
	ret = cli_parse(argc, argv, opts, nexthop_synopsis, NULL);
	if (ret >= 0)
		return ret;
	ret = cli_noarg_open(argc, argv, &dp);
	if (ret)
		return ret;
	txfd = dataplane_map_fd(dp, "xlb_tx_ports");
	if (json)
		arr = json_object_new_array();
	else
		printf("%-4s %-39s %-6s %-15s %-17s %s\n", "ID", "ADDRESS", "MODE", "DEV", "DMAC",
		       refresh ? "NOTE (* changed)" : "NOTE");
	for (id = 0; id < XLB_MAX_BACKENDS; id++) {
		enum nexthop_change chg;
		struct xlb_backend be;
		char note[160] = "", buf[128];
		bool changed = false, tx_port;
		struct nexthop nh;
		__u32 key, val;
		int err;

		if (refresh) {
			if (nexthop_refresh(dp, id, &be, &nh, &err, &chg)) {
				log_error("%s: backend %u: reading or writing it failed", cli_cmd,
					  id);
				ret = EXIT_FAIL;
				continue;
			}
			changed = chg == NEXTHOP_UPDATED || chg == NEXTHOP_CACHED ||
				  chg == NEXTHOP_FELL_BACK;
			snprintf(note, sizeof(note), "%s",
				 cli_nexthop_note(chg, err, &nh, buf, sizeof(buf)));
		} else {
			if (dataplane_backend_get(dp, id, &be))
				continue;
			if (be.flags & XLB_BE_F_NH_FIB)
				snprintf(note, sizeof(note), "--nexthop fib");
		}
		if (!(be.flags & XLB_BE_F_ACTIVE))
			continue;
		n++;
		key = be.nh_ifindex;
		tx_port = bpf_map_lookup_elem(txfd, &key, &val) == 0;
		ncached += !!(be.flags & XLB_BE_F_NH_CACHED);
		nchanged += changed;
		cli_nexthop_row(arr, id, &be, note, changed, tx_port);
	}
	if (json)
		printf("%s\n",
		       json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (refresh)
		printf("%u backends: %u cached, %u fib; %u changed\n", n, ncached, n - ncached,
		       nchanged);
	else
		printf("%u backends: %u cached, %u fib\n", n, ncached, n - ncached);
	json_object_put(arr);
	dataplane_close(dp);
	return ret;
}

/* ---- ring ---- */

static const char ring_synopsis[] =
	"Usage: xlb-dp ring set ADDR PORT tcp|udp [ID[:WEIGHT]...]\n"
	"Builds the service's Maglev table from the backends (weight 1 unless given, 0 leaves\n"
	"one out) and swaps it in whole. Each backend's place in the table comes from its\n"
	"address and port, so every node builds the same table. No ID removes the table: the\n"
	"service's new flows are then dropped.\n";

static int cmd_ring(int argc, char **argv)
{
	struct maglev_backend *bes = NULL;
	uint32_t *table = NULL, *positions = NULL, size, i;
	struct xlb_vip_key key;
	struct xlb_backend be;
	struct xlb_vip vip;
	struct dataplane *dp = NULL;
	size_t n, j;
	char name[80];
	int ret;

	if (argc < 2 || strcmp(argv[1], "set") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
			return cli_print_help(NULL, ring_synopsis, NULL);
		return cli_usage_error("want 'set'");
	}
	cli_cmd = "ring set";
	argc--;
	argv++;
	ret = cli_parse(argc, argv, NULL, ring_synopsis, NULL);
	if (ret >= 0)
		return ret;
	if (argc - optind < 3)
		return cli_usage_error("want ADDR PORT tcp|udp [ID[:WEIGHT]...]");
	ret = cli_service(argv + optind, &key);
	if (ret)
		return ret;
	cli_service_str(&key, name, sizeof(name));
	n = argc - optind - 3;
	bes = calloc(n ? n : 1, sizeof(*bes));
	if (!bes)
		return EXIT_FAIL;
	for (j = 0; j < n; j++) {
		const char *arg = argv[optind + 3 + j];
		char idbuf[16], *colon;
		uint32_t w = 1;

		snprintf(idbuf, sizeof(idbuf), "%s", arg);
		colon = strchr(idbuf, ':');
		if (colon) {
			*colon = '\0';
			if (cli_u32(strchr(arg, ':') + 1, 0, UINT32_MAX, &w)) {
				ret = cli_usage_error("bad weight in '%s'", arg);
				goto out;
			}
		}
		if (strlen(arg) >= sizeof(idbuf) ||
		    cli_u32(idbuf, 0, XLB_MAX_BACKENDS - 1, &bes[j].id)) {
			ret = cli_usage_error("bad backend '%s': want ID or ID:WEIGHT, ID 0-%u",
					      arg, XLB_MAX_BACKENDS - 1);
			goto out;
		}
		bes[j].weight = w;
		for (i = 0; i < j; i++) {
			if (bes[i].id == bes[j].id) {
				ret = cli_usage_error("backend %u given twice", bes[j].id);
				goto out;
			}
		}
	}

	ret = cli_open(&dp, false, 0, 0);
	if (ret)
		goto out;
	ret = EXIT_FAIL;
	if (dataplane_vip_get(dp, &key, &vip)) {
		log_error("%s: no service %s (xlb-dp vip add first)", cli_cmd, name);
		goto out;
	}
	for (j = 0; j < n; j++) {
		if (dataplane_backend_get(dp, bes[j].id, &be) || !(be.flags & XLB_BE_F_ACTIVE)) {
			log_error("%s: backend %u is not set (xlb-dp backend set %u ADDR first)",
				  cli_cmd, bes[j].id, bes[j].id);
			goto out;
		}
		if (be.family != key.family)
			log_warn("%s: backend %u is IPv%u, service %s is not", cli_cmd, bes[j].id,
				 be.family, name);
		if ((be.flags & XLB_BE_F_DRAINING) && bes[j].weight)
			log_warn(
				"%s: backend %u is draining: it will get new flows from this table",
				cli_cmd, bes[j].id);
		bes[j].key =
			maglev_key(be.addr, be.family == XLB_FAMILY_V4 ? 4 : 16, ntohs(be.port));
	}
	if (dataplane_ring_set(dp, vip.id, bes, n))
		goto out;

	size = dataplane_ring_size(dp);
	table = calloc(size, sizeof(*table));
	positions = calloc(XLB_MAX_BACKENDS, sizeof(*positions));
	if (!table || !positions)
		goto out;
	if (dataplane_ring_get(dp, vip.id, table) == -ENOENT) {
		printf("service %s: no table, new flows are dropped\n", name);
		ret = EXIT_OK;
		goto out;
	}
	cli_table_count(table, size, positions);
	printf("service %s: table of %u positions\n", name, size);
	for (j = 0; j < n; j++)
		printf("  backend %-4u weight %-5u %6u positions %5.1f%%\n", bes[j].id,
		       bes[j].weight, positions[bes[j].id], 100.0 * positions[bes[j].id] / size);
	ret = EXIT_OK;
out:
	dataplane_close(dp);
	free(bes);
	free(table);
	free(positions);
	return ret;
}

/* ---- stats ---- */

static const char stats_synopsis[] =
	"Usage: xlb-dp stats [--json]\n"
	"Services with their counters and table shares, backends with theirs and their flows in\n"
	"the flow table, the paths packets took and the drops by reason, summed over the CPUs.\n";

static json_object *cli_json_counters(json_object *o, const struct xlb_counters *c)
{
	json_object_object_add(o, "packets", json_object_new_uint64(c->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(c->bytes));
	json_object_object_add(o, "new_flows", json_object_new_uint64(c->new_flows));
	json_object_object_add(o, "reply_packets", json_object_new_uint64(c->reply_packets));
	json_object_object_add(o, "reply_bytes", json_object_new_uint64(c->reply_bytes));
	return o;
}

static bool cli_counters_zero(const struct xlb_counters *c)
{
	return !c->packets && !c->bytes && !c->new_flows && !c->reply_packets && !c->reply_bytes;
}

/* What `xlb-dp stats` shows, read from the maps in one pass before anything is printed; the
 * table and the JSON are two renderings of it.
 */
struct stats_share {
	uint32_t backend;
	uint32_t positions; /* of the table's */
};

struct stats_service {
	struct xlb_vip_key key;
	struct xlb_vip vip;
	struct xlb_counters c;
	bool has_table;
	struct stats_share *shares; /* by backend id */
	size_t nshares;
};

struct stats_backend {
	uint32_t id;
	struct xlb_backend be;
	struct xlb_counters c;
	uint32_t flows;		 /* in the flow table */
	const char *state;	 /* active, draining, removed */
	char nhdev[IF_NAMESIZE]; /* the cached next hop's device, "" on the fib path */
};

struct stats_view {
	uint32_t table_size;
	struct stats_service *svcs;
	size_t nsvcs;
	struct stats_backend *bes;
	size_t nbes;
	struct xlb_global_stats g;
};

static void stats_free(struct stats_view *v)
{
	size_t k;

	for (k = 0; k < v->nsvcs; k++)
		free(v->svcs[k].shares);
	free(v->svcs);
	free(v->bes);
}

/* A service's table as (backend, positions) pairs, in backend id order. */
static int stats_collect_shares(struct dataplane *dp, struct stats_service *s, uint32_t *table,
				uint32_t *positions, uint32_t size)
{
	uint32_t i;

	s->has_table = dataplane_ring_get(dp, s->vip.id, table) == 0;
	if (!s->has_table)
		return 0;
	cli_table_count(table, size, positions);
	for (i = 0; i < XLB_MAX_BACKENDS; i++)
		s->nshares += positions[i] != 0;
	s->shares = calloc(s->nshares ? s->nshares : 1, sizeof(*s->shares));
	if (!s->shares)
		return -ENOMEM;
	s->nshares = 0;
	for (i = 0; i < XLB_MAX_BACKENDS; i++)
		if (positions[i])
			s->shares[s->nshares++] = (struct stats_share){ i, positions[i] };
	return 0;
}

/* Every backend id that is set, or was and still counts or holds flows. */
static int stats_collect_backends(struct dataplane *dp, struct stats_view *v, const uint32_t *flows)
{
	struct stats_backend *b;
	uint32_t i;

	v->bes = calloc(XLB_MAX_BACKENDS, sizeof(*v->bes));
	if (!v->bes)
		return -ENOMEM;
	for (i = 0; i < XLB_MAX_BACKENDS; i++) {
		b = &v->bes[v->nbes];
		memset(b, 0, sizeof(*b));
		if (dataplane_backend_get(dp, i, &b->be))
			continue;
		dataplane_backend_stats(dp, i, &b->c);
		/* never used: family 0 and nothing counted */
		if (!(b->be.flags & XLB_BE_F_ACTIVE) &&
		    (!b->be.family || cli_counters_zero(&b->c)) && !flows[i])
			continue;
		b->id = i;
		b->flows = flows[i];
		b->state = !(b->be.flags & XLB_BE_F_ACTIVE)  ? "removed" :
			   (b->be.flags & XLB_BE_F_DRAINING) ? "draining" :
							       "active";
		/* cached next hops by device name (xlb-dp nexthop show has the MACs) */
		if ((b->be.flags & XLB_BE_F_NH_CACHED) &&
		    !if_indextoname(b->be.nh_ifindex, b->nhdev))
			snprintf(b->nhdev, sizeof(b->nhdev), "#%u", b->be.nh_ifindex);
		v->nbes++;
	}
	return 0;
}

static int stats_collect_service(const struct xlb_vip_key *key, const struct xlb_vip *vip,
				 void *data)
{
	struct stats_view *v = data;

	v->svcs[v->nsvcs].key = *key;
	v->svcs[v->nsvcs].vip = *vip;
	return ++v->nsvcs == 2 * XLB_MAX_VIPS;
}

/* Services in id order, the order people and tables think in. */
static int stats_service_cmp(const void *a, const void *b)
{
	const struct stats_service *x = a, *y = b;

	return x->vip.id < y->vip.id ? -1 : x->vip.id > y->vip.id;
}

static int stats_collect(struct dataplane *dp, struct stats_view *v)
{
	uint32_t *table = NULL, *positions = NULL, *flows = NULL;
	size_t k;
	int err = -ENOMEM;

	memset(v, 0, sizeof(*v));
	v->table_size = dataplane_ring_size(dp);
	table = calloc(v->table_size, sizeof(*table));
	positions = calloc(XLB_MAX_BACKENDS, sizeof(*positions));
	flows = calloc(XLB_MAX_BACKENDS, sizeof(*flows));
	if (!table || !positions || !flows)
		goto out;
	v->svcs = calloc(2 * XLB_MAX_VIPS, sizeof(*v->svcs));
	if (!v->svcs)
		goto out;
	cli_services_each(dp, stats_collect_service, v);
	qsort(v->svcs, v->nsvcs, sizeof(*v->svcs), stats_service_cmp);
	if (dataplane_global_stats(dp, &v->g) || dataplane_flow_counts(dp, 0, flows)) {
		log_error("%s: reading the counters or the flow table failed", cli_cmd);
		err = -EIO;
		goto out;
	}
	for (k = 0; k < v->nsvcs; k++) {
		dataplane_vip_stats(dp, v->svcs[k].vip.id, &v->svcs[k].c);
		err = stats_collect_shares(dp, &v->svcs[k], table, positions, v->table_size);
		if (err)
			goto out;
	}
	err = stats_collect_backends(dp, v, flows);
out:
	free(table);
	free(positions);
	free(flows);
	return err;
}

static void stats_print_table(const struct stats_view *v)
{
	char a[INET6_ADDRSTRLEN], name[80];
	size_t k, j;
	int i;

	printf("%-4s %-28s %-5s %-5s %12s %14s %10s %12s  %s\n", "ID", "SERVICE", "MODE", "ECHO",
	       "PACKETS", "BYTES", "NEW_FLOWS", "REPLIES", "TABLE (backend:share)");
	for (k = 0; k < v->nsvcs; k++) {
		const struct stats_service *s = &v->svcs[k];

		printf("%-4u %-28s %-5s %-5s %12" PRIu64 " %14" PRIu64 " %10" PRIu64 " %12" PRIu64
		       " ",
		       s->vip.id, cli_service_str(&s->key, name, sizeof(name)),
		       dataplane_mode_name(s->vip.mode),
		       s->vip.flags & XLB_VIP_F_NO_ECHO ? "no" : "yes", (uint64_t)s->c.packets,
		       (uint64_t)s->c.bytes, (uint64_t)s->c.new_flows,
		       (uint64_t)s->c.reply_packets);
		if (!s->has_table)
			printf(" none");
		for (j = 0; j < s->nshares; j++)
			printf(" %u:%.1f%%", s->shares[j].backend,
			       100.0 * s->shares[j].positions / v->table_size);
		printf("\n");
	}

	printf("\n%-4s %-28s %-6s %-10s %-9s %12s %14s %10s %12s %9s  %s\n", "ID", "BACKEND",
	       "PORT", "GEN", "STATE", "PACKETS", "BYTES", "NEW_FLOWS", "REPLIES", "FLOWS",
	       "NEXTHOP");
	for (k = 0; k < v->nbes; k++) {
		const struct stats_backend *b = &v->bes[k];

		printf("%-4u %-28s %-6u %-10u %-9s %12" PRIu64 " %14" PRIu64 " %10" PRIu64
		       " %12" PRIu64 " %9u  %s%s\n",
		       b->id, cli_addr_str(b->be.addr, b->be.family, a), ntohs(b->be.port),
		       b->be.gen, b->state, (uint64_t)b->c.packets, (uint64_t)b->c.bytes,
		       (uint64_t)b->c.new_flows, (uint64_t)b->c.reply_packets, b->flows,
		       b->nhdev[0] ? "cached:" : "fib", b->nhdev);
	}

	printf("\npaths:");
	for (i = 0; i < XLB_PATH_MAX; i++)
		printf(" %s %" PRIu64, dataplane_path_name(i), (uint64_t)v->g.path[i]);
	printf("\ndrops:");
	for (i = 0; i < XLB_DROP_MAX; i++)
		printf(" %s %" PRIu64, dataplane_drop_name(i), (uint64_t)v->g.drop[i]);
	printf("\n");
}

static json_object *stats_json_service(const struct stats_service *s)
{
	json_object *js = json_object_new_object(), *jt = json_object_new_array(), *je;
	char a[INET6_ADDRSTRLEN];
	size_t j;

	json_object_object_add(js, "id", json_object_new_int64(s->vip.id));
	json_object_object_add(js, "address",
			       json_object_new_string(cli_addr_str(s->key.addr, s->key.family, a)));
	json_object_object_add(js, "port", json_object_new_int64(ntohs(s->key.port)));
	json_object_object_add(js, "protocol", json_object_new_string(cli_proto_str(s->key.proto)));
	json_object_object_add(js, "mode",
			       json_object_new_string(dataplane_mode_name(s->vip.mode)));
	json_object_object_add(js, "echo",
			       json_object_new_boolean(!(s->vip.flags & XLB_VIP_F_NO_ECHO)));
	cli_json_counters(js, &s->c);
	json_object_object_add(js, "table", jt);
	for (j = 0; j < s->nshares; j++) {
		je = json_object_new_object();
		json_object_object_add(je, "backend", json_object_new_int64(s->shares[j].backend));
		/* "slots": the name --json has always given table positions */
		json_object_object_add(je, "slots", json_object_new_int64(s->shares[j].positions));
		json_object_array_add(jt, je);
	}
	return js;
}

static json_object *stats_json_backend(const struct stats_backend *b)
{
	json_object *jb = json_object_new_object();
	char a[INET6_ADDRSTRLEN];

	json_object_object_add(jb, "id", json_object_new_int64(b->id));
	json_object_object_add(jb, "address",
			       json_object_new_string(cli_addr_str(b->be.addr, b->be.family, a)));
	json_object_object_add(jb, "port", json_object_new_int64(ntohs(b->be.port)));
	json_object_object_add(jb, "gen", json_object_new_int64(b->be.gen));
	json_object_object_add(jb, "state", json_object_new_string(b->state));
	json_object_object_add(
		jb, "encap_src",
		json_object_new_string(cli_addr_str(b->be.encap_src, b->be.family, a)));
	cli_json_counters(jb, &b->c);
	json_object_object_add(jb, "flows", json_object_new_int64(b->flows));
	json_object_object_add(jb, "nexthop",
			       json_object_new_string(b->nhdev[0] ? "cached" : "fib"));
	if (b->nhdev[0])
		json_object_object_add(jb, "nexthop_dev", json_object_new_string(b->nhdev));
	return jb;
}

static void stats_print_json(const struct stats_view *v)
{
	json_object *root = json_object_new_object(), *jsvcs = json_object_new_array();
	json_object *jbes = json_object_new_array(), *jpaths = json_object_new_object();
	json_object *jdrops = json_object_new_object();
	size_t k;
	int i;

	json_object_object_add(root, "ring_size", json_object_new_int64(v->table_size));
	json_object_object_add(root, "services", jsvcs);
	json_object_object_add(root, "backends", jbes);
	json_object_object_add(root, "paths", jpaths);
	json_object_object_add(root, "drops", jdrops);
	for (k = 0; k < v->nsvcs; k++)
		json_object_array_add(jsvcs, stats_json_service(&v->svcs[k]));
	for (k = 0; k < v->nbes; k++)
		json_object_array_add(jbes, stats_json_backend(&v->bes[k]));
	for (i = 0; i < XLB_PATH_MAX; i++)
		json_object_object_add(jpaths, dataplane_path_name(i),
				       json_object_new_uint64(v->g.path[i]));
	for (i = 0; i < XLB_DROP_MAX; i++)
		json_object_object_add(jdrops, dataplane_drop_name(i),
				       json_object_new_uint64(v->g.drop[i]));
	printf("%s\n", json_object_to_json_string_ext(
			       root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

static int cmd_stats(int argc, char **argv)
{
	struct dataplane *dp = NULL;
	struct stats_view v;
	bool json = false;
	const struct opts_opt opts[] = {
		{ "json", 0, OPTS_FLAG, &json, NULL, "as JSON" },
		{ 0 },
	};
	int ret;

	ret = cli_parse(argc, argv, opts, stats_synopsis, NULL);
	if (ret >= 0)
		return ret;
	ret = cli_noarg_open(argc, argv, &dp);
	if (ret)
		return ret;
	ret = EXIT_FAIL;
	if (stats_collect(dp, &v) == 0) {
		if (json)
			stats_print_json(&v);
		else
			stats_print_table(&v);
		ret = EXIT_OK;
	}
	stats_free(&v);
	dataplane_close(dp);
	return ret;
}

/* ---- flows ---- */

static const char flows_synopsis[] = "Usage: xlb-dp flows [--json] [--limit N]\n"
				     "The flow table: client, service, backend, idle time.\n";

struct flows_out {
	json_object *arr;
	uint32_t limit;
	uint32_t n;
	bool json;
	bool more;
};

static int flows_one(const struct dataplane_flow *fl, void *arg)
{
	struct flows_out *o = arg;
	const struct xlb_flow_key *k = &fl->key;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], cl[64], sv[64];
	json_object *jf;

	if (o->limit && o->n == o->limit) {
		o->more = true;
		return 1; /* stops the walk */
	}
	o->n++;
	cli_addr_str(k->src, k->family, src);
	cli_addr_str(k->dst, k->family, dst);
	snprintf(cl, sizeof(cl), k->family == XLB_FAMILY_V6 ? "[%s]:%u" : "%s:%u", src,
		 ntohs(k->sport));
	snprintf(sv, sizeof(sv), k->family == XLB_FAMILY_V6 ? "[%s]:%u" : "%s:%u", dst,
		 ntohs(k->dport));
	if (!o->json) {
		printf("%-46s %-46s %-5s %-7u %-10u %8.0f %s\n", cl, sv, cli_proto_str(k->proto),
		       fl->backend_id, fl->backend_gen, fl->idle_ms / 1000.0,
		       fl->closing   ? "closed" :
		       fl->confirmed ? "est" :
				       "new");
		return 0;
	}
	jf = json_object_new_object();
	json_object_object_add(jf, "client", json_object_new_string(src));
	json_object_object_add(jf, "client_port", json_object_new_int64(ntohs(k->sport)));
	json_object_object_add(jf, "address", json_object_new_string(dst));
	json_object_object_add(jf, "port", json_object_new_int64(ntohs(k->dport)));
	json_object_object_add(jf, "protocol", json_object_new_string(cli_proto_str(k->proto)));
	json_object_object_add(jf, "service_id", json_object_new_int64(fl->vip_id));
	json_object_object_add(jf, "backend", json_object_new_int64(fl->backend_id));
	json_object_object_add(jf, "gen", json_object_new_int64(fl->backend_gen));
	json_object_object_add(jf, "idle_s", json_object_new_double(fl->idle_ms / 1000.0));
	json_object_object_add(jf, "closed", json_object_new_boolean(fl->closing));
	json_object_object_add(jf, "confirmed", json_object_new_boolean(fl->confirmed));
	json_object_array_add(o->arr, jf);
	return 0;
}

static int cmd_flows(int argc, char **argv)
{
	struct flows_out o = { .limit = 1000 };
	struct dataplane *dp;
	const struct opts_opt opts[] = {
		{ "json", 0, OPTS_FLAG, &o.json, NULL, "as JSON" },
		{ "limit", 0, OPTS_UINT, &o.limit, "N",
		  "stop after N flows (default 1000, 0 for all)", 0, UINT32_MAX },
		{ 0 },
	};
	int ret;

	ret = cli_parse(argc, argv, opts, flows_synopsis, NULL);
	if (ret >= 0)
		return ret;
	ret = cli_noarg_open(argc, argv, &dp);
	if (ret)
		return ret;
	o.arr = json_object_new_array();
	if (!o.json)
		printf("%-46s %-46s %-5s %-7s %-10s %8s %s\n", "CLIENT", "SERVICE", "PROTO",
		       "BACKEND", "GEN", "IDLE_S", "STATE");
	ret = dataplane_flow_walk(dp, flows_one, &o);
	if (ret < 0) {
		json_object_put(o.arr);
		dataplane_close(dp);
		return EXIT_FAIL;
	}
	if (o.json)
		printf("%s\n",
		       json_object_to_json_string_ext(
			       o.arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		printf("%u flows%s\n", o.n, o.more ? " shown; more in the table (--limit)" : "");
	json_object_put(o.arr);
	dataplane_close(dp);
	return EXIT_OK;
}

/* ---- unload ---- */

static const char unload_synopsis[] =
	"Usage: xlb-dp unload [IFACE...]\n"
	"Detaches xlb from every interface of this namespace where it runs on these maps (and\n"
	"from each IFACE given, which must have it), then unpins the maps; they go away with\n"
	"their last user. Interfaces in other namespaces are not seen: detach those there.\n";

/* Whether the program attached to ifindex uses the map of id map_id: ours, on these maps. */
static bool cli_attached_uses(int ifindex, __u32 map_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info;
	__u32 ids[64], len = sizeof(info), id, i;
	bool found = false;
	int fd;

	if (bpf_xdp_query(ifindex, 0, &q))
		return false;
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (!id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		for (i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
			found |= ids[i] == map_id;
	close(fd);
	return found;
}

static int cmd_unload(int argc, char **argv)
{
	struct if_nameindex *ifs = NULL, *it;
	struct bpf_map_info minfo;
	struct dataplane *dp;
	__u32 len = sizeof(minfo);
	int i, ifindex, ret;

	ret = cli_parse(argc, argv, NULL, unload_synopsis, NULL);
	if (ret >= 0)
		return ret;
	for (i = optind; i < argc; i++) {
		ret = cli_ifindex(argv[i], &ifindex);
		if (ret)
			return ret;
	}
	ret = cli_open(&dp, false, 0, 0);
	if (ret)
		return ret;
	for (i = optind; i < argc; i++) {
		if (dataplane_detach(dp, if_nametoindex(argv[i]), 0))
			ret = EXIT_FAIL;
		else
			printf("%s: xlb detached\n", argv[i]);
	}
	memset(&minfo, 0, sizeof(minfo));
	if (bpf_obj_get_info_by_fd(dataplane_map_fd(dp, "xlb_vips"), &minfo, &len)) {
		log_error("%s: reading xlb_vips: %s", cli_cmd, strerror(errno));
		ret = EXIT_FAIL;
		goto out;
	}
	ifs = if_nameindex();
	for (it = ifs; it && it->if_index; it++) {
		if (!cli_attached_uses(it->if_index, minfo.id))
			continue;
		if (dataplane_detach(dp, it->if_index, 0))
			ret = EXIT_FAIL;
		else
			printf("%s: xlb detached\n", it->if_name);
	}
	if (ret == EXIT_OK) {
		if (dataplane_unpin(dp))
			ret = EXIT_FAIL;
		else
			printf("maps in %s unpinned\n", cli_pin_dir);
	} else {
		log_error("%s: maps left pinned in %s, since a detach failed", cli_cmd,
			  cli_pin_dir);
	}
out:
	if (ifs)
		if_freenameindex(ifs);
	dataplane_close(dp);
	return ret;
}

/* ---- secret ---- */

static const char secret_synopsis[] =
	"Usage: xlb-dp secret show [--json]\n"
	"       xlb-dp secret set HEX32\n"
	"The flow hash's secret, 16 bytes as 32 hex digits. Made at random when the datapath is\n"
	"first loaded and kept with the pinned maps. Balancers that share a VIP behind ECMP must\n"
	"have the same one, so that each picks the same backend for a flow. set moves the table's\n"
	"flows to their new places with their backends; all zeroes is refused.\n";

static int cli_hex16(const char *s, uint8_t key[16])
{
	int i;

	if (strlen(s) != 32)
		return -1;
	for (i = 0; i < 32; i++) {
		int c = s[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (i % 2)
			key[i / 2] |= (uint8_t)v;
		else
			key[i / 2] = (uint8_t)(v << 4);
	}
	return 0;
}

static int cmd_secret(int argc, char **argv)
{
	struct dataplane *dp;
	uint8_t key[16];
	char hex[33];
	bool show, json = false;
	const struct opts_opt opts[] = {
		{ "json", 0, OPTS_FLAG, &json, NULL, "show: as JSON" },
		{ 0 },
	};
	int ret, i;

	ret = cli_subcommand(argc, argv, opts, secret_synopsis, NULL, "show", "set", &show);
	if (ret >= 0)
		return ret;
	argc--;
	argv++;
	cli_cmd = show ? "secret show" : "secret set";
	ret = cli_parse(argc, argv, opts, secret_synopsis, NULL);
	if (ret >= 0)
		return ret;
	if (!show && json)
		return cli_usage_error("set takes no --json");
	if (show && optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!show) {
		if (optind + 1 != argc)
			return cli_usage_error("want one secret, 32 hex digits");
		if (cli_hex16(argv[optind], key))
			return cli_usage_error("bad secret '%s': want 32 hex digits", argv[optind]);
	}
	ret = cli_open(&dp, false, 0, 0);
	if (ret)
		return ret;
	ret = EXIT_OK;
	if (show) {
		if (dataplane_secret_get(dp, key)) {
			ret = EXIT_FAIL;
			goto out;
		}
		for (i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", key[i]);
		if (json)
			printf("{\"secret\": \"%s\"}\n", hex);
		else
			printf("%s\n", hex);
	} else if (dataplane_secret_set(dp, key)) {
		ret = EXIT_FAIL;
	}
out:
	dataplane_close(dp);
	return ret;
}

/* ---- main ---- */

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct cli_command cli_commands[] = {
	{ "load", cmd_load, "load (or adopt) the datapath and pin its maps" },
	{ "attach", cmd_attach, "attach xlb to an interface" },
	{ "detach", cmd_detach, "detach xlb from an interface" },
	{ "peer", cmd_peer, "attach xlb_decap to a veth peer or an ipip backend" },
	{ "tx-port", cmd_tx_port, "allow redirects through an interface" },
	{ "vip", cmd_vip, "add or remove a service" },
	{ "backend", cmd_backend, "set or remove a backend" },
	{ "nexthop", cmd_nexthop, "refresh or show the backends' cached next hops" },
	{ "ring", cmd_ring, "build and swap in a service's Maglev table" },
	{ "stats", cmd_stats, "services, backends, paths and drops" },
	{ "flows", cmd_flows, "the flow table" },
	{ "secret", cmd_secret, "show or set the flow hash's secret" },
	{ "unload", cmd_unload, "detach xlb and unpin the maps" },
};

#define CLI_NCOMMANDS (sizeof(cli_commands) / sizeof(cli_commands[0]))

/* The commands, for the tool's help. */
static void cli_help_commands(FILE *f)
{
	size_t i;

	fprintf(f, "\nCommands:\n");
	for (i = 0; i < CLI_NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(f, "Exit codes: 0 ok, 1 failure, 2 usage.\n");
}

int main(int argc, char **argv)
{
	const char *env = getenv("XLB_PIN_DIR");
	const struct opts_opt opts[] = {
		cli_common_opts[0],
		cli_common_opts[1],
		{ "help", 'h', OPTS_HELP, NULL, NULL,
		  "this text; 'xlb-dp COMMAND --help' for a command's" },
		{ 0 },
	};
	const struct opts_tool tool = {
		.prog = "xlb-dp",
		.synopsis =
			"Usage: xlb-dp [--pin-dir DIR] [-v] COMMAND [ARGS]\n"
			"The xlb datapath by hand. Run it in the load balancer's namespace with\n"
			"'nsenter --net=/run/netns/NAME' ('ip netns exec' hides /sys/fs/bpf).\n\n"
			"Options:\n",
		.help_col = CLI_HELP_COL,
		.opts = opts,
		.more = cli_help_commands,
		.in_order = true,
	};
	size_t i;
	int first, r;

	log_set_prefix("xlb-dp");
	log_libbpf_setup();
	if (env && *env)
		cli_pin_dir = env;
	/* options before the command; the command parses its own, which may repeat these */
	r = opts_parse(&tool, argc, argv, &first);
	if (r)
		return r == 1 ? EXIT_OK : EXIT_USAGE;
	if (cli_verbose)
		log_set_level(cli_verbose == 1 ? LOG_LEVEL_DEBUG : LOG_LEVEL_TRACE);
	if (first >= argc) {
		log_error("no command given (see 'xlb-dp --help')");
		return EXIT_USAGE;
	}
	for (i = 0; i < CLI_NCOMMANDS; i++) {
		if (strcmp(argv[first], cli_commands[i].name) == 0) {
			cli_cmd = cli_commands[i].name;
			return cli_commands[i].run(argc - first, argv + first);
		}
	}
	if (strcmp(argv[first], "help") == 0) {
		opts_usage(&tool, stdout);
		return EXIT_OK;
	}
	log_error("unknown command '%s' (see 'xlb-dp --help')", argv[first]);
	return EXIT_USAGE;
}
