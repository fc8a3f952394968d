// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbd: loads or adopts the datapath, attaches it, and keeps its services and backends in line
 * with the configuration file and the targets' health; serves the control socket and the
 * Prometheus metrics. Static target groups only: auto-scaling groups are not managed yet.
 * Exit: 0 ok, 1 runtime failure, 2 usage or configuration.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "ctl.h"
#include "dataplane.h"
#include "log.h"
#include "loop.h"
#include "promhttp.h"

#define XLBD_VERSION "0.1"
#define XLBD_CONFIG_DEFAULT "/etc/xlb/xlb.json"
#define XLBD_IF_MAX 64
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct xlbd_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	enum dataplane_role role;
	bool attached;
};

struct xlbd {
	const char *config_path;
	const char *pin_dir;
	const char *socket_path;
	const char *metrics_addr;
	bool keep_datapath;
	struct xlbd_iface ifs[XLBD_IF_MAX];
	size_t nifs;
	struct model *model;
	time_t loaded_at;
	time_t started_at;
	uint64_t started_ms;
	struct loop *loop;
	struct dataplane *dp;
	struct ctl *ctl;
	struct api_server *api;
	struct promhttp_server *prom;
};

static void xlbd_usage(FILE *f)
{
	fprintf(f,
		"Usage: xlbd [OPTIONS]\n"
		"       xlbd --check [FILE]\n"
		"The xlb controller: loads or adopts the XDP datapath, keeps its services and\n"
		"backends in line with the configuration and the targets' health checks.\n"
		"\n"
		"  -c, --config FILE         configuration (default " XLBD_CONFIG_DEFAULT ")\n"
		"  -t, --check               validate the configuration, print the plan, exit\n"
		"  -i, --interface IFACE     client-facing interface (role vip); repeatable;\n"
		"                            default: the load balancers' XlbInterfaces\n"
		"  -n, --nat-interface IFACE backend-facing interface (role nat); repeatable\n"
		"  -p, --pin-dir DIR         pinned maps (default " XLB_PIN_DIR ")\n"
		"  -s, --socket PATH         control socket (default " API_SOCKET_DEFAULT ")\n"
		"  -m, --metrics-address A   ADDR:PORT, [V6]:PORT, :PORT or none\n"
		"                            (default 127.0.0.1:%d)\n"
		"  -k, --keep-datapath       on SIGTERM, leave the datapath attached and pinned\n"
		"  -f, --foreground          accepted for compatibility: xlbd never forks\n"
		"  -v, --verbose             debug output; twice for libbpf's\n"
		"  -h, --help                this text\n"
		"\n"
		"Signals: SIGHUP reloads the configuration (atomically: a bad file is refused and\n"
		"the running one stays); SIGTERM and SIGINT stop, removing what xlbd created.\n"
		"Exit status: 0 ok, 1 runtime failure, 2 usage or configuration error.\n",
		PROMHTTP_PORT_DEFAULT);
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

/* Loads the file again; only a file that loads replaces the running model. */
static int xlbd_reload(struct xlbd *d, struct config_error *cerr)
{
	struct model *m = NULL;
	int err;

	err = xlbd_load(d->config_path, &m, cerr);
	if (err) {
		log_error("reload of %s refused; the running configuration stays", d->config_path);
		return err;
	}
	xlbd_warnings(m);
	err = ctl_apply(d->ctl, m);
	if (err)
		log_error("reload of %s: applying it: %s", d->config_path, strerror(-err));
	model_free(d->model);
	d->model = m;
	d->loaded_at = time(NULL);
	log_info("configuration %s reloaded", d->config_path);
	return err;
}

/* ---- signals ---- */

static void xlbd_on_signal(struct loop *loop, int signo, void *arg)
{
	struct xlbd *d = arg;
	struct config_error cerr;

	if (signo == SIGHUP) {
		log_info("SIGHUP: reloading %s", d->config_path);
		xlbd_reload(d, &cerr);
		return;
	}
	log_info("%s: stopping", strsignal(signo));
	loop_stop(loop);
}

/* ---- the API ---- */

static void xlbd_iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int xlbd_api_status(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *data = json_object_new_object(), *w;
	char when[32];
	size_t i;
	int err;

	(void)args;
	if (!data)
		return -ENOMEM;
	json_object_object_add(data, "Version", json_object_new_string(XLBD_VERSION));
	json_object_object_add(data, "Pid", json_object_new_int(getpid()));
	json_object_object_add(data, "UptimeSeconds",
			       json_object_new_int64((int64_t)(loop_now() - d->started_ms) / 1000));
	json_object_object_add(data, "ConfigFile", json_object_new_string(d->config_path));
	xlbd_iso_time(d->loaded_at, when, sizeof(when));
	json_object_object_add(data, "ConfigLoadedTime", json_object_new_string(when));
	err = ctl_status(d->ctl, data);
	if (err) {
		json_object_put(data);
		return err;
	}
	json_object_object_add(data, "AutoScalingGroups", json_object_new_array());
	w = json_object_new_array();
	for (i = 0; i < d->model->nwarnings; i++)
		json_object_array_add(w, json_object_new_string(d->model->warnings[i]));
	for (i = 0; i < d->model->nasgs; i++) {
		char msg[320];

		snprintf(msg, sizeof(msg),
			 "auto-scaling group %s: not managed by this xlbd yet (no instances are "
			 "launched)",
			 d->model->asgs[i].name);
		json_object_array_add(w, json_object_new_string(msg));
	}
	if (json_object_array_length(w))
		json_object_object_add(data, "Warnings", w);
	else
		json_object_put(w);
	reply->data = data;
	return 0;
}

/* A Targets filter entry matches t when its Id is t's and its Port, if given, too. */
static bool xlbd_target_wanted(struct json_object *want, struct json_object *t)
{
	struct json_object *id, *port, *wid, *wport;
	size_t i;

	if (!want)
		return true;
	json_object_object_get_ex(t, "Id", &id);
	json_object_object_get_ex(t, "Port", &port);
	for (i = 0; i < json_object_array_length(want); i++) {
		struct json_object *w = json_object_array_get_idx(want, i);

		if (!json_object_object_get_ex(w, "Id", &wid) ||
		    strcmp(json_object_get_string(wid), json_object_get_string(id)))
			continue;
		if (json_object_object_get_ex(w, "Port", &wport) &&
		    json_object_get_int(wport) != json_object_get_int(port))
			continue;
		return true;
	}
	return false;
}

static int xlbd_api_health(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct json_object *data = NULL, *want = NULL, *all, *keep;
	const char *tg;
	size_t i;
	int err;

	err = api_arg_string(args, "TargetGroupArn", true, &tg, reply);
	if (err)
		return err;
	if (json_object_object_get_ex(args, "Targets", &want) &&
	    !json_object_is_type(want, json_type_array))
		return api_error(reply, API_ERR_VALIDATION, "Targets must be an array");
	err = ctl_describe_target_health(d->ctl, tg, &data);
	if (err == -ENOENT)
		return api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found", tg);
	if (err)
		return err;
	if (want) {
		json_object_object_get_ex(data, "TargetHealthDescriptions", &all);
		keep = json_object_new_array();
		for (i = 0; i < json_object_array_length(all); i++) {
			struct json_object *o = json_object_array_get_idx(all, i), *t;

			json_object_object_get_ex(o, "Target", &t);
			if (xlbd_target_wanted(want, t))
				json_object_array_add(keep, json_object_get(o));
		}
		json_object_object_add(data, "TargetHealthDescriptions", keep);
	}
	reply->data = data;
	return 0;
}

static int xlbd_api_targets(struct json_object *args, struct api_reply *reply, void *ctx, bool reg)
{
	struct xlbd *d = ctx;
	struct json_object *targets, *o, *id, *port;
	const char *tg;
	size_t i, n;
	int err;

	err = api_arg_string(args, "TargetGroupArn", true, &tg, reply);
	if (err)
		return err;
	if (!json_object_object_get_ex(args, "Targets", &targets) ||
	    !json_object_is_type(targets, json_type_array) ||
	    !(n = json_object_array_length(targets)))
		return api_error(reply, API_ERR_VALIDATION,
				 "Targets: a non-empty array of {\"Id\", \"Port\"} is required");
	/* every entry checked before the first is applied */
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(targets, i);
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, "Id", &id) ||
		    !json_object_is_type(id, json_type_string))
			return api_error(reply, API_ERR_VALIDATION,
					 "Targets[%zu]: an object with a string Id is required", i);
		if (json_object_object_get_ex(o, "Port", &port) &&
		    (!json_object_is_type(port, json_type_int) || json_object_get_int64(port) < 1 ||
		     json_object_get_int64(port) > 65535))
			return api_error(reply, API_ERR_VALIDATION,
					 "Targets[%zu].Port: an integer 1..65535 is required", i);
	}
	for (i = 0; i < n; i++) {
		const char *ip;
		int p = 0;

		o = json_object_array_get_idx(targets, i);
		json_object_object_get_ex(o, "Id", &id);
		ip = json_object_get_string(id);
		if (json_object_object_get_ex(o, "Port", &port))
			p = json_object_get_int(port);
		err = reg ? ctl_register(d->ctl, tg, ip, (uint16_t)p) :
			    ctl_deregister(d->ctl, tg, ip, (uint16_t)p);
		if (err == -ENOENT)
			return api_error(reply, API_ERR_TG_NOT_FOUND, "target group '%s' not found",
					 tg);
		if (err == -EINVAL)
			return api_error(reply, API_ERR_INVALID_TARGET,
					 "'%s' is not an IP address (this xlbd registers targets "
					 "by IP; instance ids need auto-scaling groups)",
					 ip);
		if (err == -ESRCH)
			return api_error(reply, API_ERR_INVALID_TARGET,
					 "%s is not registered in target group '%s'", ip, tg);
		if (err)
			return err;
	}
	return 0;
}

static int xlbd_api_register(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_targets(args, reply, ctx, true);
}

static int xlbd_api_deregister(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return xlbd_api_targets(args, reply, ctx, false);
}

static int xlbd_api_reload(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct xlbd *d = ctx;
	struct config_error cerr;
	struct json_object *data;
	int err;

	(void)args;
	err = xlbd_reload(d, &cerr);
	if (err == -EINVAL && cerr.count)
		return api_error(reply, API_ERR_VALIDATION, "%s%s", cerr.msg,
				 cerr.count > 1 ? " (and more errors: see xlbd --check)" : "");
	if (err && cerr.msg[0])
		return api_error(reply, API_ERR_VALIDATION, "%s", cerr.msg);
	if (err)
		return api_error(reply, API_ERR_INTERNAL, "applying %s: %s", d->config_path,
				 strerror(-err));
	data = json_object_new_object();
	if (data)
		json_object_object_add(data, "ConfigFile", json_object_new_string(d->config_path));
	reply->data = data;
	return 0;
}

static void xlbd_collect(struct promhttp_buf *b, void *ctx)
{
	struct xlbd *d = ctx;

	ctl_metrics(d->ctl, b);
}

static int xlbd_api_metrics(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct promhttp_buf b;
	int err;

	(void)args;
	promhttp_buf_init(&b);
	xlbd_collect(&b, ctx);
	err = b.err;
	if (!err) {
		reply->data = json_object_new_object();
		if (reply->data)
			json_object_object_add(reply->data, "Text",
					       json_object_new_string_len(b.data ? b.data : "",
									  (int)b.len));
	}
	promhttp_buf_free(&b);
	return err;
}

static int xlbd_api_asg(struct json_object *args, struct api_reply *reply, void *ctx)
{
	(void)args;
	(void)ctx;
	return api_error(reply, API_ERR_INVALID_ACTION,
			 "not managed yet: this xlbd has no auto-scaling groups (static target "
			 "groups only)");
}

static int xlbd_api_setup(struct xlbd *d)
{
	static const char *const asg_verbs[] = {
		"describe-auto-scaling-groups",
		"describe-scaling-activities",
		"set-desired-capacity",
		"attach-load-balancer-target-groups",
		"detach-load-balancer-target-groups",
		"get-console-output",
	};
	size_t i;
	int err;

	err = api_server_new(d->loop, d->socket_path, &d->api);
	if (err) {
		log_error("control socket %s: %s", d->socket_path,
			  err == -EADDRINUSE ? "another xlbd answers on it" : strerror(-err));
		return err;
	}
	err = api_register(d->api, "status", xlbd_api_status, d);
	err = err ? err : api_register(d->api, "describe-target-health", xlbd_api_health, d);
	err = err ? err : api_register(d->api, "register-targets", xlbd_api_register, d);
	err = err ? err : api_register(d->api, "deregister-targets", xlbd_api_deregister, d);
	err = err ? err : api_register(d->api, "reload", xlbd_api_reload, d);
	err = err ? err : api_register(d->api, "metrics", xlbd_api_metrics, d);
	for (i = 0; i < sizeof(asg_verbs) / sizeof(asg_verbs[0]) && !err; i++)
		err = api_register(d->api, asg_verbs[i], xlbd_api_asg, d);
	return err;
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

static int xlbd_attach(struct xlbd *d)
{
	size_t i;
	int err;

	for (i = 0; i < d->nifs; i++) {
		struct xlbd_iface *f = &d->ifs[i];

		f->ifindex = (int)if_nametoindex(f->name);
		if (!f->ifindex) {
			log_error("no interface '%s' in xlbd's network namespace", f->name);
			return -ENODEV;
		}
		err = dataplane_attach(d->dp, f->ifindex, f->role, 0);
		if (err) {
			log_error("attaching to %s: %s", f->name, strerror(-err));
			return err;
		}
		f->attached = true;
		log_info("attached to %s (role %s)", f->name,
			 f->role == DATAPLANE_ROLE_NAT ? "nat" : "vip");
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
	ctl_free(d->ctl);
	if (d->dp && !d->keep_datapath) {
		for (i = 0; i < d->nifs; i++) {
			if (d->ifs[i].attached && dataplane_detach(d->dp, d->ifs[i].ifindex, 0))
				log_warn("detaching from %s failed", d->ifs[i].name);
		}
		if (dataplane_unpin(d->dp))
			log_warn("removing the pins under %s failed", d->pin_dir);
		else
			log_info("datapath detached and unpinned");
	} else if (d->dp) {
		log_info("datapath left running (--keep-datapath), pinned under %s", d->pin_dir);
	}
	if (d->dp)
		dataplane_close(d->dp);
	if (d->loop)
		loop_free(d->loop);
	model_free(d->model);
}

static int xlbd_run(struct xlbd *d)
{
	struct dataplane_opts opts = { .pin_dir = d->pin_dir };
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
	err = xlbd_attach(d);
	if (err)
		return err;
	err = ctl_new(d->loop, d->dp, &d->ctl);
	if (err)
		return err;
	err = ctl_apply(d->ctl, d->model);
	if (err)
		log_error("applying %s: %s (going on with what applied)", d->config_path,
			  strerror(-err));
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "interface", required_argument, NULL, 'i' },
		{ "nat-interface", required_argument, NULL, 'n' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "metrics-address", required_argument, NULL, 'm' },
		{ "keep-datapath", no_argument, NULL, 'k' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xlbd d = {
		.config_path = XLBD_CONFIG_DEFAULT,
		.pin_dir = XLB_PIN_DIR,
		.socket_path = API_SOCKET_DEFAULT,
		.metrics_addr = "127.0.0.1:9469",
	};
	struct config_error cerr;
	bool check = false;
	int opt, verbose = 0, err;

	log_set_prefix("xlbd");
	while ((opt = getopt_long(argc, argv, "c:ti:n:p:s:m:kfvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.config_path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'i':
		case 'n':
			if (xlbd_iface_add(&d, optarg,
					   opt == 'n' ? DATAPLANE_ROLE_NAT : DATAPLANE_ROLE_VIP))
				return EXIT_USAGE;
			break;
		case 'p':
			d.pin_dir = optarg;
			break;
		case 's':
			d.socket_path = optarg;
			break;
		case 'm':
			d.metrics_addr = optarg;
			break;
		case 'k':
			d.keep_datapath = true;
			break;
		case 'f':
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			xlbd_usage(stdout);
			return 0;
		default:
			xlbd_usage(stderr);
			return EXIT_USAGE;
		}
	}
	/* `xlbd --check FILE`, as nginx -t takes one */
	if (check && optind == argc - 1)
		d.config_path = argv[optind++];
	if (optind != argc) {
		fprintf(stderr, "xlbd: unexpected argument '%s'\n", argv[optind]);
		xlbd_usage(stderr);
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
