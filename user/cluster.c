// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Route health injection (cluster.h): the VIPs this node may announce, from ctl's view of
 * their targets, written into BIRD's include and applied with BIRD's `configure`; BIRD's
 * sessions read back with `show protocols`. One request at a time over BIRD's control socket,
 * non-blocking on xlbd's loop; a BIRD that is down is retried on the next tick.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../bpf/xlb_shared.h"
#include "cluster.h"
#include "log.h"
#include "loop.h"

#define CLUSTER_PROTOS_MAX 32

enum cluster_req {
	CLUSTER_REQ_NONE = 0,
	CLUSTER_REQ_CONFIGURE,
	CLUSTER_REQ_SHOW,
};

struct cluster {
	struct loop *loop;
	struct ctl *ctl;
	struct model_cluster conf;
	struct ctl_vip vips[CLUSTER_VIPS_MAX];
	size_t nvips;
	char *text;	     /* what the file holds now */
	bool need_configure; /* the file changed since BIRD last took it */
	bool configured;     /* BIRD took the file as it is now */
	bool withdrawing;
	void (*done)(void *arg);
	void *done_arg;
	struct loop_timer poll, show, delay;
	/* the request in flight */
	enum cluster_req req;
	int fd;
	bool greeted;
	char out[64];
	size_t out_len, out_off;
	char *in;
	size_t in_len;
	struct loop_timer timeout;
	/* BIRD's answers */
	bool reachable;
	char last_error[160];
	struct cluster_proto protos[CLUSTER_PROTOS_MAX];
	size_t nprotos;
	char session[16]; /* xlb_router's BGP state, "" when unknown */
};

/* ---- pure ---- */

static const char *cluster_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == XLB_FAMILY_V6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int cluster_bird_text(const struct model_cluster *k, const struct ctl_vip *vips, size_t n,
		      char *buf, size_t len)
{
	uint8_t fam = k->router.family == AF_INET6 ? XLB_FAMILY_V6 : XLB_FAMILY_V4;
	const char *chan = fam == XLB_FAMILY_V6 ? "ipv6" : "ipv4";
	char a[INET6_ADDRSTRLEN];
	size_t i, o = 0;
	int w;

#define CLUSTER_PUT(...)                                     \
	do {                                                 \
		w = snprintf(buf + o, len - o, __VA_ARGS__); \
		if (w < 0 || (size_t)w >= len - o)           \
			return -ENOSPC;                      \
		o += (size_t)w;                              \
	} while (0)

	if (!len)
		return -ENOSPC;
	CLUSTER_PUT("# Written by xlbd for cluster node %s from Xlb.Cluster; rewritten whenever\n"
		    "# the VIPs it may announce change. BIRD includes it: edits here are lost.\n\n",
		    k->node_name);
	CLUSTER_PUT("protocol bfd xlb_bfd {\n\tinterface \"*\" {\n"
		    "\t\tmin rx interval %u ms;\n\t\tmin tx interval %u ms;\n"
		    "\t\tmultiplier %u;\n\t};\n}\n\n",
		    k->bfd_interval_ms, k->bfd_interval_ms, k->bfd_multiplier);
	CLUSTER_PUT("# the VIPs with a healthy target; never exported to this node's kernel\n"
		    "protocol static xlb_vips {\n\t%s;\n",
		    chan);
	for (i = 0; i < n; i++) {
		if (!vips[i].serving || vips[i].family != fam)
			continue;
		CLUSTER_PUT("\troute %s/%d blackhole;\n",
			    cluster_addr(fam, vips[i].addr, a, sizeof(a)),
			    fam == XLB_FAMILY_V6 ? 128 : 32);
	}
	/* nat: the backends' replies must come back through a node that can translate them;
	 * the router routes them by a default route that the nat nodes announce
	 */
	for (i = 0; i < n; i++)
		if (vips[i].serving && vips[i].nat && vips[i].family == fam)
			break;
	if (i < n)
		CLUSTER_PUT("\troute %s blackhole; # nat replies\n",
			    fam == XLB_FAMILY_V6 ? "::/0" : "0.0.0.0/0");
	CLUSTER_PUT("}\n\n");
	CLUSTER_PUT("protocol bgp xlb_router {\n\tdescription \"xlb node %s\";\n"
		    "\tlocal as %u;\n\tneighbor %s as %u;\n\tbfd on;\n"
		    "\tconnect delay time 1;\n\tconnect retry time 1;\n\terror wait time 1, 2;\n"
		    "\t%s {\n\t\timport none;\n\t\texport where proto = \"xlb_vips\";\n"
		    "\t\tnext hop self;\n\t};\n}\n",
		    k->node_name, k->asn, cluster_addr(fam, k->router.bytes, a, sizeof(a)),
		    k->peer_asn, chan);
#undef CLUSTER_PUT
	return (int)o;
}

/* A reply line: "DDDD-text" or "DDDD text" (the last), or " text" continuing the last code. */
int cluster_parse_protocols(const char *reply, struct cluster_proto *out, size_t max)
{
	static const char *const bgp_states[] = { "Idle",     "Connect",     "Active",
						  "OpenSent", "OpenConfirm", "Established",
						  "Close",    NULL };
	const char *p = reply, *eol, *text;
	int code = -1, n = 0;
	bool header = false;

	while (*p) {
		char line[512], name[64], proto[16], table[32], state[16], *tok, *save = NULL;
		size_t l;
		int i;

		eol = strchr(p, '\n');
		l = eol ? (size_t)(eol - p) : strlen(p);
		if (l >= 5 && p[0] >= '0' && p[0] <= '9' && (p[4] == '-' || p[4] == ' ')) {
			code = atoi(p);
			text = p + 5;
			l -= 5;
		} else if (l && p[0] == ' ') {
			text = p + 1;
			l -= 1;
		} else {
			text = NULL;
		}
		if (!text && l)
			return -EPROTO;
		if (code == 2002)
			header = true;
		if (code >= 8000)
			return -EPROTO;
		if (text && code == 1002 && (size_t)n < max) {
			snprintf(line, sizeof(line), "%.*s",
				 (int)(l < sizeof(line) ? l : sizeof(line) - 1), text);
			if (sscanf(line, "%63s %15s %31s %15s", name, proto, table, state) == 4) {
				struct cluster_proto *c = &out[n++];

				memset(c, 0, sizeof(*c));
				snprintf(c->name, sizeof(c->name), "%s", name);
				snprintf(c->proto, sizeof(c->proto), "%s", proto);
				snprintf(c->state, sizeof(c->state), "%s", state);
				/* the Since column has no fixed shape; BGP's state is a known word */
				for (tok = strtok_r(line, " \t", &save); tok;
				     tok = strtok_r(NULL, " \t", &save))
					for (i = 0; bgp_states[i]; i++)
						if (!strcmp(tok, bgp_states[i]) && !c->info[0])
							snprintf(c->info, sizeof(c->info), "%s",
								 tok);
			}
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return header || n ? n : -EPROTO;
}

/* ---- BIRD's control socket ---- */

static void cluster_kick(struct cluster *cl);
static void cluster_withdrawn(struct loop *loop, struct loop_timer *t, void *arg);

static void cluster_req_end(struct cluster *cl)
{
	if (cl->fd >= 0) {
		loop_fd_del(cl->loop, cl->fd);
		close(cl->fd);
	}
	cl->fd = -1;
	loop_timer_disarm(cl->loop, &cl->timeout);
	free(cl->in);
	cl->in = NULL;
	cl->in_len = 0;
	cl->req = CLUSTER_REQ_NONE;
}

static void cluster_unreachable(struct cluster *cl, const char *why)
{
	if (cl->reachable || strcmp(cl->last_error, why))
		log_warn("cluster: BIRD at %s: %s", cl->conf.bird_socket, why);
	cl->reachable = false;
	snprintf(cl->last_error, sizeof(cl->last_error), "%s", why);
	cl->nprotos = 0;
	cl->session[0] = '\0';
	/* withdrawing with no BIRD to tell: its routes went with it */
	if (cl->withdrawing && cl->done && !loop_timer_armed(&cl->delay))
		loop_timer_arm(cl->loop, &cl->delay, 0, 0, cluster_withdrawn, cl);
}

static void cluster_withdrawn(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct cluster *cl = arg;
	void (*done)(void *) = cl->done;

	(void)loop;
	(void)t;
	cl->done = NULL;
	if (done)
		done(cl->done_arg);
}

/* A whole reply is in: act on it. */
static void cluster_reply(struct cluster *cl, int code)
{
	enum cluster_req req = cl->req;
	int n;

	if (req == CLUSTER_REQ_CONFIGURE) {
		if (code < 1000) {
			cl->configured = true;
			log_info("cluster: BIRD reconfigured with %s", cl->conf.bird_include);
			cl->last_error[0] = '\0';
		} else {
			char *last = strrchr(cl->in, '\n');

			/* the reply's last line says why (a parse error with its file and line) */
			while (last && last > cl->in && last[-1] != '\n')
				last--;
			snprintf(cl->last_error, sizeof(cl->last_error), "configure: %.120s",
				 last ? last : cl->in);
			cl->last_error[strcspn(cl->last_error, "\n")] = '\0';
			log_error("cluster: BIRD refused %s: %s", cl->conf.bird_include,
				  cl->last_error);
		}
		cluster_req_end(cl);
		if (cl->withdrawing && cl->done && !cl->need_configure &&
		    !loop_timer_armed(&cl->delay)) {
			log_info("cluster: VIPs withdrawn; forwarding %u ms more while the router "
				 "moves the flows",
				 cl->conf.withdraw_delay_ms);
			loop_timer_arm(cl->loop, &cl->delay, cl->conf.withdraw_delay_ms, 0,
				       cluster_withdrawn, cl);
		}
	} else if (req == CLUSTER_REQ_SHOW) {
		char old[16];
		size_t i;

		snprintf(old, sizeof(old), "%s", cl->session);
		n = cluster_parse_protocols(cl->in, cl->protos, CLUSTER_PROTOS_MAX);
		cl->nprotos = n > 0 ? (size_t)n : 0;
		cl->session[0] = '\0';
		for (i = 0; i < cl->nprotos; i++)
			if (!strcmp(cl->protos[i].name, "xlb_router"))
				snprintf(cl->session, sizeof(cl->session), "%s",
					 cl->protos[i].info[0] ? cl->protos[i].info :
								 cl->protos[i].state);
		if (strcmp(old, cl->session))
			log_info("cluster: node %s, BGP session to the router: %s",
				 cl->conf.node_name,
				 cl->session[0] ? cl->session : "not configured");
		cluster_req_end(cl);
	}
	cluster_kick(cl);
}

/* The reply ends with a line "DDDD text" (a space after the code). Returns its code, or -1. */
static int cluster_reply_done(const char *in, size_t len)
{
	size_t s;

	if (len < 6 || in[len - 1] != '\n')
		return -1;
	for (s = len - 1; s > 0 && in[s - 1] != '\n'; s--)
		;
	if (len - s >= 6 && in[s + 4] == ' ' && in[s] >= '0' && in[s] <= '9')
		return atoi(in + s);
	return -1;
}

static void cluster_on_fd(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct cluster *cl = arg;
	char buf[4096];
	ssize_t r;
	int code, err;

	(void)loop;
	if (events & EPOLLOUT) {
		err = loop_send_pending(fd, cl->out, cl->out_len, &cl->out_off);
		if (err < 0) {
			cluster_req_end(cl);
			cluster_unreachable(cl, "the control socket closed");
			return;
		}
		if (err == 1)
			loop_fd_mod(cl->loop, fd, EPOLLIN);
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	r = read(fd, buf, sizeof(buf));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		cluster_req_end(cl);
		cluster_unreachable(cl, "the control socket closed mid-reply");
		return;
	}
	if (cl->in_len + (size_t)r > CLUSTER_FILE_MAX) {
		cluster_req_end(cl);
		cluster_unreachable(cl, "reply too long");
		return;
	}
	char *in = realloc(cl->in, cl->in_len + (size_t)r + 1);

	if (!in) {
		cluster_req_end(cl);
		return;
	}
	cl->in = in;
	memcpy(cl->in + cl->in_len, buf, (size_t)r);
	cl->in_len += (size_t)r;
	cl->in[cl->in_len] = '\0';
	code = cluster_reply_done(cl->in, cl->in_len);
	if (code < 0)
		return;
	if (!cl->greeted) {
		/* "0001 BIRD 2.0.12 ready." then the command */
		cl->greeted = true;
		cl->reachable = true;
		cl->in_len = 0;
		cl->out_off = 0;
		err = loop_send_pending(fd, cl->out, cl->out_len, &cl->out_off);
		if (err < 0) {
			cluster_req_end(cl);
			cluster_unreachable(cl, "the control socket closed");
		} else if (err == 0) {
			loop_fd_mod(cl->loop, fd, EPOLLIN | EPOLLOUT);
		}
		return;
	}
	cluster_reply(cl, code);
}

static void cluster_on_timeout(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct cluster *cl = arg;

	(void)loop;
	(void)t;
	cluster_req_end(cl);
	cluster_unreachable(cl, "no answer in time");
}

static int cluster_req_start(struct cluster *cl, enum cluster_req req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cl->conf.bird_socket);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		cluster_unreachable(cl, strerror(-err));
		return err;
	}
	err = loop_fd_add(cl->loop, fd, EPOLLIN, cluster_on_fd, cl);
	if (err) {
		close(fd);
		return err;
	}
	cl->fd = fd;
	cl->req = req;
	cl->greeted = false;
	cl->out_len =
		(size_t)snprintf(cl->out, sizeof(cl->out), "%s\n",
				 req == CLUSTER_REQ_CONFIGURE ? "configure" : "show protocols");
	cl->out_off = 0;
	loop_timer_arm(cl->loop, &cl->timeout, CLUSTER_BIRD_TIMEOUT_MS, 0, cluster_on_timeout, cl);
	return 0;
}

/* Starts the next request if none is in flight: a pending configure first. */
static void cluster_kick(struct cluster *cl)
{
	if (cl->req != CLUSTER_REQ_NONE)
		return;
	if (cl->need_configure) {
		cl->need_configure = false;
		if (cluster_req_start(cl, CLUSTER_REQ_CONFIGURE))
			cl->need_configure = true; /* the next tick retries */
	}
}

/* ---- the file ---- */

static int cluster_write(struct cluster *cl)
{
	char *text = malloc(CLUSTER_FILE_MAX), tmp[sizeof(cl->conf.bird_include) + 8];
	int len, fd = -1, err = 0;

	if (!text)
		return -ENOMEM;
	len = cluster_bird_text(&cl->conf, cl->vips, cl->withdrawing ? 0 : cl->nvips, text,
				CLUSTER_FILE_MAX);
	if (len < 0) {
		err = len;
		goto out;
	}
	if (cl->text && !strcmp(cl->text, text))
		goto out; /* the same as on disk */
	snprintf(tmp, sizeof(tmp), "%s.tmp", cl->conf.bird_include);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)len) != len || fsync(fd) ||
	    rename(tmp, cl->conf.bird_include)) {
		err = -errno;
		log_error("cluster: writing %s: %s", cl->conf.bird_include, strerror(-err));
		unlink(tmp);
		goto out;
	}
	free(cl->text);
	cl->text = text;
	text = NULL;
	cl->need_configure = true;
	cl->configured = false;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return err;
}

static void cluster_log_changes(struct cluster *cl, const struct ctl_vip *now, size_t n)
{
	char a[INET6_ADDRSTRLEN];
	size_t i, j;

	for (i = 0; i < n; i++) {
		bool was = false;

		for (j = 0; j < cl->nvips; j++)
			if (cl->vips[j].family == now[i].family &&
			    !memcmp(cl->vips[j].addr, now[i].addr, 16))
				was = cl->vips[j].serving;
		if (was != now[i].serving)
			log_info("cluster: %s %s", now[i].serving ? "announcing" : "withdrawing",
				 cluster_addr(now[i].family, now[i].addr, a, sizeof(a)));
	}
}

static void cluster_on_poll(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct cluster *cl = arg;
	struct ctl_vip now[CLUSTER_VIPS_MAX];
	size_t n;

	(void)loop;
	(void)t;
	if (!cl->withdrawing) {
		n = ctl_vips(cl->ctl, now, CLUSTER_VIPS_MAX);
		cluster_log_changes(cl, now, n);
		memcpy(cl->vips, now, n * sizeof(now[0]));
		cl->nvips = n;
	}
	cluster_write(cl);
	cluster_kick(cl);
}

static void cluster_on_show(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct cluster *cl = arg;

	(void)loop;
	(void)t;
	if (cl->req == CLUSTER_REQ_NONE && !cl->need_configure)
		cluster_req_start(cl, CLUSTER_REQ_SHOW);
}

/* ---- the API ---- */

int cluster_new(struct loop *loop, struct ctl *ctl, const struct model_cluster *k,
		struct cluster **out)
{
	struct cluster *cl = calloc(1, sizeof(*cl));
	int err;

	if (!cl)
		return -ENOMEM;
	cl->loop = loop;
	cl->ctl = ctl;
	cl->conf = *k;
	cl->fd = -1;
	loop_timer_init(&cl->poll);
	loop_timer_init(&cl->show);
	loop_timer_init(&cl->delay);
	loop_timer_init(&cl->timeout);
	err = loop_timer_arm(loop, &cl->poll, 0, CLUSTER_POLL_MS, cluster_on_poll, cl);
	err = err ? err : loop_timer_arm(loop, &cl->show, 0, CLUSTER_SHOW_MS, cluster_on_show, cl);
	if (err) {
		cluster_free(cl);
		return err;
	}
	log_info("cluster: node %s, AS %u, BGP to the router as %u, BIRD %s including %s",
		 k->node_name, k->asn, k->peer_asn, k->bird_socket, k->bird_include);
	*out = cl;
	return 0;
}

int cluster_apply(struct cluster *cl, const struct model_cluster *k)
{
	if (!memcmp(&cl->conf, k, sizeof(*k)))
		return 0;
	cl->conf = *k;
	free(cl->text);
	cl->text = NULL; /* written again on the next tick */
	return 0;
}

void cluster_withdraw(struct cluster *cl, void (*done)(void *arg), void *arg)
{
	size_t i;

	cl->done = done;
	cl->done_arg = arg;
	if (cl->withdrawing)
		return;
	cl->withdrawing = true;
	for (i = 0; i < cl->nvips; i++)
		cl->vips[i].serving = false;
	log_info("cluster: withdrawing every VIP before forwarding stops");
	if (cluster_write(cl) || (!cl->need_configure && cl->configured) || !cl->reachable) {
		/* nothing to tell, or nobody to tell it to: the delay still lets flows finish */
		loop_timer_arm(cl->loop, &cl->delay, cl->reachable ? cl->conf.withdraw_delay_ms : 0,
			       0, cluster_withdrawn, cl);
		return;
	}
	/* a show in flight finishes first; its end kicks the configure */
	cluster_kick(cl);
}

void cluster_status(struct cluster *cl, struct json_object *data)
{
	struct json_object *o = json_object_new_object(), *ann = json_object_new_array();
	struct json_object *held = json_object_new_array(), *ps = json_object_new_array();
	char a[INET6_ADDRSTRLEN + 8];
	size_t i;

	if (!o || !ann || !held || !ps) {
		json_object_put(o);
		json_object_put(ann);
		json_object_put(held);
		json_object_put(ps);
		return;
	}
	json_object_object_add(o, "NodeName", json_object_new_string(cl->conf.node_name));
	json_object_object_add(o, "Asn", json_object_new_int64(cl->conf.asn));
	json_object_object_add(o, "PeerAsn", json_object_new_int64(cl->conf.peer_asn));
	cluster_addr(cl->conf.router.family == AF_INET6 ? XLB_FAMILY_V6 : XLB_FAMILY_V4,
		     cl->conf.router.bytes, a, sizeof(a));
	json_object_object_add(o, "RouterAddress", json_object_new_string(a));
	json_object_object_add(o, "BirdSocket", json_object_new_string(cl->conf.bird_socket));
	json_object_object_add(o, "BirdInclude", json_object_new_string(cl->conf.bird_include));
	json_object_object_add(o, "BirdReachable", json_object_new_boolean(cl->reachable));
	json_object_object_add(o, "BirdConfigured", json_object_new_boolean(cl->configured));
	json_object_object_add(o, "HashSecretShared", json_object_new_boolean(cl->conf.has_secret));
	if (cl->withdrawing)
		json_object_object_add(o, "Withdrawing", json_object_new_boolean(1));
	for (i = 0; i < cl->nvips; i++) {
		cluster_addr(cl->vips[i].family, cl->vips[i].addr, a, sizeof(a));
		json_object_array_add(cl->vips[i].serving ? ann : held, json_object_new_string(a));
	}
	json_object_object_add(o, "Announced", ann);
	json_object_object_add(o, "Withheld", held);
	json_object_object_add(o, "BgpSession",
			       json_object_new_string(cl->session[0] ? cl->session : "unknown"));
	for (i = 0; i < cl->nprotos; i++) {
		struct json_object *p = json_object_new_object();

		if (!p)
			break;
		json_object_object_add(p, "Name", json_object_new_string(cl->protos[i].name));
		json_object_object_add(p, "Protocol", json_object_new_string(cl->protos[i].proto));
		json_object_object_add(p, "State", json_object_new_string(cl->protos[i].state));
		json_object_object_add(p, "Info", json_object_new_string(cl->protos[i].info));
		json_object_array_add(ps, p);
	}
	json_object_object_add(o, "BirdProtocols", ps);
	if (cl->last_error[0])
		json_object_object_add(o, "LastError", json_object_new_string(cl->last_error));
	json_object_object_add(data, "Cluster", o);
}

void cluster_free(struct cluster *cl)
{
	if (!cl)
		return;
	cluster_req_end(cl);
	loop_timer_disarm(cl->loop, &cl->poll);
	loop_timer_disarm(cl->loop, &cl->show);
	loop_timer_disarm(cl->loop, &cl->delay);
	free(cl->text);
	free(cl);
}
