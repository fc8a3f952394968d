// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd: loads or adopts the datapath, attaches it, and keeps its services and backends in line
 * with the configuration file and the targets' health; serves the control socket and the
 * Prometheus metrics, and runs the auto-scaling groups' instances (fleet.c).
 * Exit: 0 ok, 1 runtime failure, 2 usage or configuration.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "api.h"
#include "cluster.h"
#include "config.h"
#include "ctl.h"
#include "ctl_view.h"
#include "dataplane.h"
#include "dpif.h"
#include "fleet.h"
#include "fleet_view.h"
#include "log.h"
#include "loop.h"
#include "opts.h"
#include "promhttp.h"
#include "share.h"
#include "tgstate.h"
#include "xlbd_internal.h"

#define XLBD_CONFIG_DEFAULT "/etc/xlb/xlb.json"
#define XLBD_RUN_DIR_DEFAULT "/run/xlb"
#define XLBD_PREFIX_DEFAULT "xlb-"
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* File descriptors a configuration needs xlbd to hold at most at once (xlbd_fd_need):
 * XLBD_FD_BASE for itself (stdio, the loop's epoll, timerfd and signalfd, the datapath's maps
 * and programs, netlink sockets, files open for a moment), one per control-socket and metrics
 * connection, one health-check socket per target and target group (the file's targets, and
 * MaxSize instances of each auto-scaling group per target group it is attached to), and
 * XLBD_FD_PER_INSTANCE per instance a group may run (pidfd, console, namespace and cgroup
 * while it starts). The soft limit is raised to that plus XLBD_FD_SPARE (targets registered
 * through the API, connections in their last moments).
 */
#define XLBD_FD_BASE 256
#define XLBD_FD_PER_INSTANCE 8
#define XLBD_FD_SPARE 1024
#define XLBD_NR_OPEN "/proc/sys/fs/nr_open"

struct xlbd_fds {
	unsigned long need, targets, instances, checks;
	const struct model_asg *largest; /* the group that needs the most, NULL when none */
	unsigned long largest_need;
};

static void xlbd_fd_need(const struct model *m, struct xlbd_fds *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < m->ntgs; i++)
		f->targets += m->tgs[i].ntargets;
	f->checks = f->targets;
	for (i = 0; i < m->nasgs; i++) {
		unsigned long g = (unsigned long)m->asgs[i].max_size *
				  (XLBD_FD_PER_INSTANCE + m->asgs[i].ntgs);

		f->instances += m->asgs[i].max_size;
		f->checks += (unsigned long)m->asgs[i].max_size * m->asgs[i].ntgs;
		if (g > f->largest_need) {
			f->largest = &m->asgs[i];
			f->largest_need = g;
		}
	}
	f->need = XLBD_FD_BASE + API_CONN_MAX + PROMHTTP_CONN_MAX + f->checks +
		  f->instances * XLBD_FD_PER_INSTANCE;
}

/* The most RLIMIT_NOFILE can become: the hard limit, or for root fs.nr_open. */
static unsigned long xlbd_fd_ceiling(void)
{
	struct rlimit rl;
	unsigned long nr_open = 0;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (geteuid() == 0) {
		f = fopen(XLBD_NR_OPEN, "re");
		if (f) {
			if (fscanf(f, "%lu", &nr_open) != 1)
				nr_open = 0;
			fclose(f);
		}
	}
	if (rl.rlim_max == RLIM_INFINITY || nr_open > rl.rlim_max)
		return nr_open ? nr_open : (unsigned long)rl.rlim_max;
	return (unsigned long)rl.rlim_max;
}

/* Checks that m fits in the file descriptors xlbd can have; when raise is set, raises the soft
 * (and if need be, as root, the hard) limit to fit. -EMFILE with msg filled when it cannot.
 */
static int xlbd_fd_fit(const char *path, const struct model *m, bool raise, char *msg, size_t len)
{
	unsigned long ceiling = xlbd_fd_ceiling(), want;
	struct xlbd_fds f;
	struct rlimit rl;

	xlbd_fd_need(m, &f);
	if (f.need > ceiling) {
		char most[160] = "";

		if (f.largest)
			snprintf(most, sizeof(most),
				 "; the most, %lu, for AutoScalingGroup %s (MaxSize %u)",
				 f.largest_need, f.largest->name, f.largest->max_size);
		snprintf(msg, len,
			 "%s: needs %lu file descriptors (%d for xlbd, %lu health checks of "
			 "targets, %lu instances at MaxSize x %d%s), more than RLIMIT_NOFILE can "
			 "give (%lu%s): lower MaxSize or the targets, or raise the hard limit "
			 "(ulimit -Hn, systemd's LimitNOFILE=)",
			 path, f.need, XLBD_FD_BASE + API_CONN_MAX + PROMHTTP_CONN_MAX, f.checks,
			 f.instances, XLBD_FD_PER_INSTANCE, most, ceiling,
			 geteuid() == 0 ? ", fs.nr_open" : ", the hard limit");
		return -EMFILE;
	}
	if (!raise || getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	want = f.need + XLBD_FD_SPARE < ceiling ? f.need + XLBD_FD_SPARE : ceiling;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
			rl.rlim_max = want;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			snprintf(msg, len,
				 "%s: needs %lu file descriptors; raising RLIMIT_NOFILE to %lu: %s",
				 path, f.need, want, strerror(errno));
			return -EMFILE;
		}
		log_info("RLIMIT_NOFILE raised to %lu (the configuration needs %lu)", want, f.need);
	}
	return 0;
}

static int xlbd_load(const char *path, struct model **m, struct config_error *err)
{
	int i, ret;

	memset(err, 0, sizeof(*err));
	ret = config_load(path, m, err);
	if (ret == -EINVAL) {
		for (i = 0; i < err->count && i < CONFIG_ERR_MAX; i++)
			log_error("%s", err->all[i]);
	} else if (ret) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(-ret));
		log_error("%s", err->msg);
	}
	return ret;
}

static void xlbd_warnings(const struct model *m)
{
	size_t i;

	for (i = 0; i < m->nwarnings; i++)
		log_warn("%s", m->warnings[i]);
}

/* The cluster's shared flow hash secret, so that every node picks the same backend for a flow
 * that ECMP moves; set only when it differs (setting it rehashes the flow table).
 */
static int xlbd_secret(struct xlbd *d, const struct model_cluster *k)
{
	uint8_t cur[16];
	int err;

	if (!k->enabled || !k->has_secret)
		return 0;
	if (!dataplane_secret_get(d->dp, cur) && !memcmp(cur, k->secret, sizeof(cur)))
		return 0;
	err = dataplane_secret_set(d->dp, k->secret);
	if (err)
		log_error("setting the cluster's HashSecret: %s", strerror(-err));
	else
		log_info("flow hash keyed with the cluster's HashSecret");
	return err;
}

/* Loads the file again; only a file that loads replaces the running model. */
int xlbd_reload(struct xlbd *d, struct config_error *cerr)
{
	struct model *m = NULL;
	int err;

	err = xlbd_load(d->config_path, &m, cerr);
	if (!err && xlbd_fd_fit(d->config_path, m, true, cerr->msg, sizeof(cerr->msg))) {
		log_error("%s", cerr->msg);
		cerr->count = 1;
		model_free(m);
		err = -EINVAL;
	}
	if (err) {
		log_error("reload of %s refused; the running configuration stays", d->config_path);
		return err;
	}
	xlbd_warnings(m);
	err = ctl_apply(d->ctl, m);
	if (err)
		log_error("reload of %s: applying it: %s", d->config_path, strerror(-err));
	/* a setting made at run time that the new file changed is gone from its state file too */
	tgstate_save_all(d->run_dir, d->ctl, m);
	if (fleet_apply(d->fleet, m))
		log_error("reload of %s: some auto-scaling groups were not applied",
			  d->config_path);
	if (share_apply(d->share, m))
		log_error("reload of %s: the shared targets were not applied", d->config_path);
	if (d->cluster && m->settings.cluster.enabled) {
		cluster_apply(d->cluster, &m->settings.cluster);
		xlbd_secret(d, &m->settings.cluster);
	} else if (!!d->cluster != m->settings.cluster.enabled)
		log_warn("reload of %s: Xlb.Cluster added or removed; that needs a restart",
			 d->config_path);
	model_free(d->model);
	d->model = m;
	d->loaded_at = time(NULL);
	log_info("configuration %s reloaded", d->config_path);
	return err;
}

/* ---- signals ---- */

static void xlbd_stopped(void *arg)
{
	struct xlbd *d = arg;

	log_info("every instance terminated");
	loop_stop(d->loop);
}

static void xlbd_stop_late(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct xlbd *d = arg;

	(void)t;
	log_warn("%zu instances still terminating after %d s: stopping anyway (a next xlbd "
		 "cleans them up)",
		 fleet_instances(d->fleet), FLEET_STOP_MS / 1000);
	loop_stop(loop);
}

/* Stops, once the cluster's routes are withdrawn: the instances first, then the loop. */
static void xlbd_stop_now(void *arg)
{
	struct xlbd *d = arg;

	if (!d->fleet || d->keep_datapath) {
		log_info("stopping");
		loop_stop(d->loop);
		return;
	}
	log_info("stopping; terminating the instances first");
	loop_timer_arm(d->loop, &d->stop_timer, FLEET_STOP_MS, 0, xlbd_stop_late, d);
	fleet_stop(d->fleet, xlbd_stopped, d);
}

static void xlbd_on_signal(struct loop *loop, int signo, void *arg)
{
	struct xlbd *d = arg;
	struct config_error cerr;

	if (signo == SIGHUP) {
		log_info("SIGHUP: reloading %s", d->config_path);
		xlbd_reload(d, &cerr);
		return;
	}
	if (loop_timer_armed(&d->stop_timer) || d->stopping) {
		/* a second Ctrl-C must not leave instances half-terminated; the timer bounds it */
		log_info("%s: already stopping (instances terminating; at most %d s)",
			 strsignal(signo), FLEET_STOP_MS / 1000);
		return;
	}
	if (d->cluster) {
		if (d->stopping)
			return;
		d->stopping = true;
		/* the router must stop sending flows here before the datapath stops taking them */
		log_info("%s: stopping; withdrawing the VIPs first", strsignal(signo));
		cluster_withdraw(d->cluster, xlbd_stop_now, d);
		return;
	}
	xlbd_stop_now(d);
}

/* ---- interfaces ---- */

static int xlbd_iface_add(struct xlbd *d, const char *name, enum dataplane_role role)
{
	size_t i;

	if (strlen(name) >= IF_NAMESIZE) {
		log_error("interface name '%s' is too long", name);
		return -EINVAL;
	}
	for (i = 0; i < d->nifs; i++)
		if (!strcmp(d->ifs[i].name, name)) {
			/* named as both: nat is the superset (it also rewrites replies) */
			if (role == DATAPLANE_ROLE_NAT)
				d->ifs[i].role = role;
			return 0;
		}
	if (d->nifs == XLBD_IF_MAX) {
		log_error("more than %d interfaces", XLBD_IF_MAX);
		return -E2BIG;
	}
	snprintf(d->ifs[d->nifs].name, IF_NAMESIZE, "%s", name);
	d->ifs[d->nifs].role = role;
	d->nifs++;
	return 0;
}

_Static_assert((int)MODEL_ATTACH_XDP == (int)DATAPLANE_HOOK_XDP &&
		       (int)MODEL_ATTACH_TC == (int)DATAPLANE_HOOK_TC &&
		       (int)MODEL_ATTACH_AUTO == (int)DATAPLANE_HOOK_AUTO,
	       "Xlb.Hook's values are dataplane.h's");

/* Attaches xlb to every interface named, at the configured hook (Xlb.Hook), through dpif. */
static int xlbd_attach(struct xlbd *d)
{
	enum dataplane_hook hook = (enum dataplane_hook)d->model->settings.hook;
	size_t i;
	int err;

	for (i = 0; i < d->nifs; i++) {
		struct xlbd_iface *f = &d->ifs[i];
		char why[64];

		f->ifindex = (int)if_nametoindex(f->name);
		if (!f->ifindex) {
			log_error("no interface '%s' in xlbd's network namespace", f->name);
			return -ENODEV;
		}
		dataplane_hook_pick(f->ifindex, hook, why, sizeof(why));
		err = dpif_attach(d->dpif, f->ifindex, f->role, hook, &f->hook);
		if (err) {
			log_error("attaching to %s (hook %s): %s", f->name,
				  dataplane_hook_name(hook), strerror(-err));
			return err;
		}
		f->attached = true;
		log_info("attached to %s (role %s, %s; Hook %s: %s)", f->name,
			 f->role == DATAPLANE_ROLE_NAT ? "nat" : "vip",
			 f->hook == DATAPLANE_HOOK_TC ? "tc ingress" : "XDP",
			 dataplane_hook_name(hook), why);
	}
	return 0;
}

static void xlbd_teardown(struct xlbd *d)
{
	size_t i;

	if (d->api)
		api_server_free(d->api);
	if (d->prom)
		promhttp_server_free(d->prom);
	if (d->loop)
		loop_timer_disarm(d->loop, &d->stop_timer);
	share_free(d->share);
	cluster_free(d->cluster);
	fleet_free(d->fleet);
	ctl_free(d->ctl);
	if (d->dp && !d->keep_datapath) {
		for (i = 0; i < d->nifs; i++) {
			if (d->ifs[i].attached && dpif_detach(d->dpif, d->ifs[i].ifindex))
				log_warn("detaching from %s failed", d->ifs[i].name);
		}
		if (dataplane_unpin(d->dp))
			log_warn("removing the pins under %s failed", d->pin_dir);
		else
			log_info("datapath detached and unpinned");
	} else if (d->dp) {
		log_info("datapath left running (--keep-datapath), pinned under %s", d->pin_dir);
	}
	dpif_free(d->dpif);
	if (d->dp)
		dataplane_close(d->dp);
	if (d->loop)
		loop_free(d->loop);
	model_free(d->model);
}

static int xlbd_run(struct xlbd *d)
{
	struct dataplane_opts opts = { .pin_dir = d->pin_dir };
	struct fleet_conf fconf = {};
	char addr[INET6_ADDRSTRLEN + 8];
	bool adopted = false;
	uint16_t port = PROMHTTP_PORT_DEFAULT;
	size_t i, j;
	int err;

	d->started_at = time(NULL);
	d->started_ms = loop_now();
	d->loaded_at = d->started_at;
	xlbd_warnings(d->model);
	if (!d->nifs) {
		for (i = 0; i < d->model->nlbs; i++)
			for (j = 0; j < d->model->lbs[i].nifaces; j++) {
				err = xlbd_iface_add(d, d->model->lbs[i].ifaces[j],
						     DATAPLANE_ROLE_VIP);
				if (err)
					return err;
			}
	}
	if (!d->nifs)
		log_warn("no interface to attach to (--interface or XlbInterfaces): the "
			 "datapath sees no packet unless it is attached already");
	err = loop_new(&d->loop);
	if (err)
		return err;
	loop_timer_init(&d->stop_timer);
	err = loop_signal_add(d->loop, SIGTERM, xlbd_on_signal, d);
	err = err ? err : loop_signal_add(d->loop, SIGINT, xlbd_on_signal, d);
	err = err ? err : loop_signal_add(d->loop, SIGHUP, xlbd_on_signal, d);
	if (err)
		return err;
	signal(SIGPIPE, SIG_IGN);
	err = dataplane_open(&d->dp, &opts, &adopted);
	if (err) {
		log_error("opening the datapath (pins under %s): %s", d->pin_dir, strerror(-err));
		return err;
	}
	log_info("%s the datapath pinned under %s", adopted ? "adopted" : "loaded", d->pin_dir);
	err = xlbd_secret(d, &d->model->settings.cluster);
	if (err)
		return err;
	err = dpif_bpf_new(d->dp, &d->dpif);
	if (err)
		return err;
	err = xlbd_attach(d);
	if (err)
		return err;
	err = ctl_new(d->loop, d->dpif, &d->ctl);
	if (err)
		return err;
	err = ctl_apply(d->ctl, d->model);
	if (err)
		log_error("applying %s: %s (going on with what applied)", d->config_path,
			  strerror(-err));
	tgstate_restore(d->run_dir, d->ctl, d->model);
	fconf.run_dir = d->run_dir;
	fconf.prefix = d->prefix;
	memcpy(&fconf.pool4, d->model->settings.pool4.bytes, 4);
	fconf.pool4_len = d->model->settings.pool4_len;
	fconf.has6 = d->model->settings.has_pool6;
	memcpy(&fconf.pool6, d->model->settings.pool6.bytes, 16);
	fconf.pool6_len = d->model->settings.pool6_len;
	fconf.hook = (enum dataplane_hook)d->model->settings.hook;
	err = fleet_new(d->loop, d->dpif, d->ctl, &fconf, &d->fleet);
	if (err)
		return err;
	if (fleet_apply(d->fleet, d->model))
		log_error("applying %s: some auto-scaling groups were not applied", d->config_path);
	if (d->model->settings.cluster.enabled) {
		err = cluster_new(d->loop, d->ctl, &d->model->settings.cluster, &d->cluster);
		if (err)
			return err;
	}
	err = share_new(d->loop, d->ctl, d->fleet, d->dp, &d->share);
	if (!err)
		err = share_apply(d->share, d->model);
	if (err)
		return err;
	err = xlbd_api_setup(d);
	if (err)
		return err;
	if (strcmp(d->metrics_addr, "none")) {
		err = promhttp_parse_address(d->metrics_addr, addr, sizeof(addr), &port);
		err = err ? err :
			    promhttp_server_new(d->loop, addr, port, xlbd_collect, d, &d->prom);
		if (err) {
			log_error("metrics on %s: %s", d->metrics_addr, strerror(-err));
			return err;
		}
		log_info("metrics on http://%s:%u/metrics", addr, promhttp_server_port(d->prom));
	}
	log_info("xlbd %s running: config %s, socket %s", XLBD_VERSION, d->config_path,
		 d->socket_path);
	return loop_run(d->loop);
}

/* ---- options ---- */

#define XLBD_STR(x) #x
#define XLBD_XSTR(x) XLBD_STR(x)

static const char xlbd_synopsis[] =
	"Usage: xlbd [OPTIONS]\n"
	"       xlbd --check [FILE]\n"
	"The xlb controller: loads or adopts the XDP datapath, keeps its services and\n"
	"backends in line with the configuration and the targets' health checks.\n"
	"\n";

static const char xlbd_epilog[] =
	"\n"
	"Signals: SIGHUP reloads the configuration (atomically: a bad file is refused and\n"
	"the running one stays); SIGTERM and SIGINT stop, removing what xlbd created\n"
	"(instances terminated, datapath detached) unless --keep-datapath; a cluster node\n"
	"(Xlb.Cluster) first withdraws its VIPs from BIRD and forwards WithdrawDelayMs more.\n"
	"RLIMIT_NOFILE is raised to what the configuration needs (man xlbd: FILE\n"
	"DESCRIPTORS); one that needs more than can be had is refused, by --check too.\n"
	"Exit status: 0 ok, 1 runtime failure, 2 usage or configuration error.\n";

static const char *xlbd_opt_iface(struct xlbd *d, const char *name, enum dataplane_role role)
{
	int err;

	if (strlen(name) >= IF_NAMESIZE)
		return "an interface name of at most 15 characters";
	err = xlbd_iface_add(d, name, role);
	if (err == -E2BIG)
		return "at most " XLBD_XSTR(XLBD_IF_MAX) " interfaces in all";
	return err ? "an interface xlbd can add" : NULL;
}

static const char *xlbd_opt_vip(const char *arg, void *target)
{
	return xlbd_opt_iface(target, arg, DATAPLANE_ROLE_VIP);
}

static const char *xlbd_opt_nat(const char *arg, void *target)
{
	return xlbd_opt_iface(target, arg, DATAPLANE_ROLE_NAT);
}

static const char *xlbd_opt_prefix(const char *arg, void *target)
{
	if (!arg[0] || strlen(arg) > 11)
		return "1 to 11 characters (links are named PREFIX + slot)";
	*(const char **)target = arg;
	return NULL;
}

int main(int argc, char **argv)
{
	struct xlbd d = {
		.config_path = XLBD_CONFIG_DEFAULT,
		.pin_dir = XLB_PIN_DIR,
		.socket_path = API_SOCKET_DEFAULT,
		.metrics_addr = "127.0.0.1:9469",
		.run_dir = XLBD_RUN_DIR_DEFAULT,
		.prefix = XLBD_PREFIX_DEFAULT,
	};
	bool check = false, foreground = false;
	int verbose = 0, first, err;
	const struct opts_opt opts[] = {
		{ "config", 'c', OPTS_STRING, &d.config_path, "FILE",
		  "configuration (default " XLBD_CONFIG_DEFAULT ")" },
		{ "check", 't', OPTS_FLAG, &check, NULL,
		  "validate the configuration, print the plan, exit" },
		{ "interface", 'i', OPTS_CALL, &d, "IFACE",
		  "client-facing interface (role vip); repeatable;\n"
		  "default: the load balancers' XlbInterfaces",
		  .parse = xlbd_opt_vip },
		{ "nat-interface", 'n', OPTS_CALL, &d, "IFACE",
		  "backend-facing interface (role nat); repeatable", .parse = xlbd_opt_nat },
		{ "pin-dir", 'p', OPTS_STRING, &d.pin_dir, "DIR",
		  "pinned maps (default " XLB_PIN_DIR ")" },
		{ "socket", 's', OPTS_STRING, &d.socket_path, "PATH",
		  "control socket (default " API_SOCKET_DEFAULT ")" },
		{ "metrics-address", 'm', OPTS_STRING, &d.metrics_addr, "A",
		  "ADDR:PORT, [V6]:PORT, :PORT or none\n"
		  "(default 127.0.0.1:" XLBD_XSTR(PROMHTTP_PORT_DEFAULT) ")" },
		{ "run-dir", 'r', OPTS_STRING, &d.run_dir, "DIR",
		  "instances and group state (default " XLBD_RUN_DIR_DEFAULT ")" },
		{ "instance-prefix", 'P', OPTS_CALL, &d.prefix, "P",
		  "names of instance namespaces (P + id), their links\n"
		  "(P + slot) and cgroups (default " XLBD_PREFIX_DEFAULT ")",
		  .parse = xlbd_opt_prefix },
		{ "keep-datapath", 'k', OPTS_FLAG, &d.keep_datapath, NULL,
		  "on SIGTERM, leave the datapath attached and pinned,\n"
		  "and the instances running, for a next xlbd to adopt" },
		{ "foreground", 'f', OPTS_FLAG, &foreground, NULL,
		  "accepted for compatibility: xlbd never forks" },
		{ "verbose", 'v', OPTS_COUNT, &verbose, NULL, "debug output; twice for libbpf's" },
		{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },
		{ NULL },
	};
	const struct opts_tool tool = {
		.prog = "xlbd",
		.synopsis = xlbd_synopsis,
		.epilog = xlbd_epilog,
		.help_col = 28,
		.opts = opts,
	};
	struct config_error cerr;

	log_set_prefix("xlbd");
	err = opts_parse(&tool, argc, argv, &first);
	if (err)
		return err == 1 ? 0 : EXIT_USAGE;
	/* `xlbd --check FILE`, as nginx -t takes one */
	if (check && first == argc - 1)
		d.config_path = argv[first++];
	if (first != argc) {
		fprintf(stderr, "xlbd: unexpected argument '%s'\n", argv[first]);
		opts_usage(&tool, stderr);
		return EXIT_USAGE;
	}
	log_set_level(verbose >= 2 ? LOG_LEVEL_TRACE : verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	log_libbpf_setup();

	err = xlbd_load(d.config_path, &d.model, &cerr);
	if (err) {
		if (check)
			fprintf(stderr, "xlbd: configuration file %s test failed\n", d.config_path);
		return err == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (xlbd_fd_fit(d.config_path, d.model, !check, cerr.msg, sizeof(cerr.msg))) {
		log_error("%s", cerr.msg);
		if (check)
			fprintf(stderr, "xlbd: configuration file %s test failed\n", d.config_path);
		model_free(d.model);
		return EXIT_USAGE;
	}
	if (check) {
		config_plan_print(d.model, stdout);
		xlbd_warnings(d.model);
		printf("xlbd: configuration file %s test is successful\n", d.config_path);
		model_free(d.model);
		return 0;
	}
	err = xlbd_run(&d);
	xlbd_teardown(&d);
	if (err) {
		log_error("exiting: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return 0;
}
