// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Auto-scaling groups across cluster nodes (Xlb.Cluster.SharedDir): a group stays with the node
 * whose file has it; that node writes, for each target group its groups feed, the addresses of
 * their InService instances into SharedDir/<target group>.json; every other node registers
 * those addresses into its own target group of that name, health-checks them itself, and
 * deregisters (drains) those the owner no longer lists. Once a second, and on every apply.
 * Every node also writes its own addresses into SharedDir/nodes/<node>.json and puts the other
 * nodes' into the datapath's xlb_nat_peers: their health checks of this node's instances are
 * answered through this node, whose nat must let those answers pass untranslated. A node's
 * file, like an owner's, is rewritten every SharedRefreshMs and taken for a gone node's when
 * unchanged for SharedStaleMs (Xlb.Cluster).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "ctl.h"
#include "dataplane.h"
#include "fleet_view.h"
#include "log.h"
#include "share.h"

#define SHARE_PERIOD_MS 1000
#define SHARE_FILE_MAX (1u << 20) /* bytes: a file larger is refused unread */
#define SHARE_TARGETS_MAX 1000u	  /* targets a file may list: AWS's quota for a target group */
#define SHARE_PEERS_MAX 1024u	  /* xlb_nat_peers' max_entries */
#define SHARE_ADDRS_MAX 64u	  /* addresses a node file may list */

/* A file of another node's as last seen. Its owner rewrites it every SharedRefreshMs even when
 * nothing changed (a rename: another inode, another modification time); a reader takes one that
 * has not changed for SharedStaleMs, by the reader's own clock (no clock is compared across
 * hosts), for the file of a node that is gone.
 */
struct share_seen {
	struct timespec mtime;
	ino_t ino;
	uint64_t seen_at; /* loop_now() when the file last changed, 0: not seen yet */
	bool stale;
};

/* A file of SharedDir/nodes/ that holds, of another node. */
struct share_node {
	char file[256]; /* its name in nodes/ */
	char node[SHARE_NAME_LEN];
	struct share_seen seen;
	size_t naddrs;
	bool listed; /* found in this round's listing */
};

struct share_tg {
	char name[SHARE_NAME_LEN];
	bool fed;	 /* a group of this node feeds it: exported, not imported */
	char **imported; /* addresses this node registered from the owner's file */
	size_t nimported;
	char *written;		    /* what this node wrote last (exported), to skip equal writes */
	uint64_t written_at;	    /* loop_now() of that write */
	char owner[SHARE_NAME_LEN]; /* the node whose file was read last */
	struct share_seen seen;
	char refused[160]; /* why the file last read was refused, "" when it was taken */
	char failed[160];  /* the last registration that failed, "" when none did */
};

struct share {
	struct loop *loop;
	struct ctl *ctl;
	struct fleet *fleet;
	struct dataplane *dp;
	char *own;	 /* this node's file as written last */
	uint64_t own_at; /* loop_now() of that write */
	char **peers;	 /* "family address" put in xlb_nat_peers */
	size_t npeers;
	char dir[256];
	char node[SHARE_NAME_LEN];
	struct share_tg *tgs;
	size_t ntgs;
	struct loop_timer tick;
	uint64_t imports, exports; /* files read that changed something, files written */
	bool peers_refused;	   /* nodes/ listed more addresses than xlb_nat_peers holds */
	size_t nodes_refused;	   /* files of nodes/ refused in the last round */
	char peer_failed[160];	   /* the last peer address the map refused, "" when none */
	struct share_node *nodes;  /* the other nodes' files that hold */
	size_t nnodes;
	uint32_t refresh_ms, stale_ms; /* Xlb.Cluster's SharedRefreshMs, SharedStaleMs */
};

static void share_tg_clear(struct share_tg *t)
{
	size_t i;

	for (i = 0; i < t->nimported; i++)
		free(t->imported[i]);
	free(t->imported);
	free(t->written);
	memset(t, 0, sizeof(*t));
}

static bool share_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] && !strcmp(v[i], s))
			return true;
	return false;
}

/* Whether a file written at `at` is due for a rewrite that only says this node lives. Half a
 * round early: the rounds come once a second, and a rewrite due a millisecond after one would
 * wait a whole round more.
 */
static bool share_refresh_due(const struct share *s, uint64_t at)
{
	return loop_now() - at + SHARE_PERIOD_MS / 2 >= s->refresh_ms;
}

static void share_path(const struct share *s, const char *tg, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.json", s->dir, tg);
}

/* The InService instances' addresses of every local group that feeds tg, as a JSON array. */
static struct json_object *share_targets_of(struct json_object *groups, const char *tg)
{
	struct json_object *out = json_object_new_array();
	size_t i, j, k;

	for (i = 0; out && i < json_object_array_length(groups); i++) {
		struct json_object *g = json_object_array_get_idx(groups, i), *tgs, *inst;
		bool feeds = false;

		if (!json_object_object_get_ex(g, "TargetGroupARNs", &tgs) ||
		    !json_object_object_get_ex(g, "Instances", &inst))
			continue;
		for (j = 0; j < json_object_array_length(tgs); j++)
			feeds = feeds ||
				!strcmp(json_object_get_string(json_object_array_get_idx(tgs, j)),
					tg);
		if (!feeds)
			continue;
		for (k = 0; k < json_object_array_length(inst); k++) {
			struct json_object *in = json_object_array_get_idx(inst, k), *st, *ip, *id;
			struct json_object *t;

			if (!json_object_object_get_ex(in, "LifecycleState", &st) ||
			    strcmp(json_object_get_string(st), "InService") ||
			    !json_object_object_get_ex(in, "PrivateIpAddress", &ip) ||
			    !json_object_object_get_ex(in, "InstanceId", &id))
				continue;
			t = json_object_new_object();
			json_object_object_add(t, "Id", json_object_get(ip));
			json_object_object_add(t, "InstanceId", json_object_get(id));
			json_object_array_add(out, t);
		}
	}
	return out;
}

/* A shared file, parsed: a regular file (never a FIFO or a device: the directory may be a
 * filesystem others write to, and xlbd's loop must not block) of at most SHARE_FILE_MAX bytes.
 * -ENOENT when it is not there; another error with why in err.
 */
static int share_read(const char *path, struct json_object **doc, struct stat *st, char *err,
		      size_t errlen)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	char *buf = NULL;
	size_t got = 0, end;
	ssize_t n;
	int fd, ret = 0;

	*doc = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		return ret;
	}
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "not a regular file");
		ret = -EINVAL;
		goto out;
	}
	if (st->st_size > (off_t)SHARE_FILE_MAX) {
		snprintf(err, errlen, "%lld bytes, more than the %u allowed",
			 (long long)st->st_size, SHARE_FILE_MAX);
		ret = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto out;
	}
	while (got < (size_t)st->st_size &&
	       (n = read(fd, buf + got, (size_t)st->st_size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	if (strlen(buf) != got) {
		snprintf(err, errlen, "a NUL byte at offset %zu", strlen(buf));
		ret = -EINVAL;
		goto out;
	}
	tok = json_tokener_new();
	if (!tok) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto out;
	}
	*doc = json_tokener_parse_ex(tok, buf, (int)got);
	jerr = json_tokener_get_error(tok);
	if (!*doc) {
		snprintf(err, errlen, "not JSON (%s)",
			 jerr == json_tokener_continue ? "cut short" :
							 json_tokener_error_desc(jerr));
		ret = -EINVAL;
	} else if (buf[end = json_tokener_get_parse_end(tok), end += strspn(buf + end, " \t\r\n")]) {
		/* the parser stops after the first value: what follows makes it no file of ours */
		snprintf(err, errlen, "not JSON (more after the value, at offset %zu)", end);
		json_object_put(*doc);
		*doc = NULL;
		ret = -EINVAL;
	}
	json_tokener_free(tok);
out:
	free(buf);
	close(fd);
	return ret;
}

/* Whether v is a string of 1 to max - 1 characters of [A-Za-z0-9_-] (a node's name) or, with
 * any, of printable ASCII.
 */
static bool share_str_ok(struct json_object *v, size_t max, bool any)
{
	const char *p;

	if (json_object_get_type(v) != json_type_string || !json_object_get_string_len(v) ||
	    (size_t)json_object_get_string_len(v) >= max)
		return false;
	for (p = json_object_get_string(v); *p; p++)
		if (any ? !isprint((unsigned char)*p) :
			  !isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* Whether text is an address a target may have: IPv4 or IPv6, not unspecified, loopback,
 * multicast, broadcast or IPv6 link-local.
 */
static bool share_addr_ok(const char *text)
{
	unsigned char b[16];

	if (strlen(text) >= INET6_ADDRSTRLEN)
		return false;
	if (inet_pton(AF_INET, text, b) == 1)
		return b[0] != 0 && b[0] != 127 && b[0] < 224;
	if (inet_pton(AF_INET6, text, b) != 1)
		return false;
	return !IN6_IS_ADDR_UNSPECIFIED((struct in6_addr *)b) &&
	       !IN6_IS_ADDR_LOOPBACK((struct in6_addr *)b) &&
	       !IN6_IS_ADDR_MULTICAST((struct in6_addr *)b) &&
	       !IN6_IS_ADDR_LINKLOCAL((struct in6_addr *)b) &&
	       !IN6_IS_ADDR_V4MAPPED((struct in6_addr *)b);
}

/* A target group's file as the owner writes it, every value checked before any is used: an
 * object with Node (a node name), Targets (an array of at most SHARE_TARGETS_MAX objects, each
 * with Id an address, and optionally InstanceId, printable text, and Port, 1 to 65535).
 * Returns false with the first fault in err.
 */
static bool share_doc_ok(struct json_object *doc, char *err, size_t errlen)
{
	struct json_object *arr, *v;
	size_t i, n;

	if (json_object_get_type(doc) != json_type_object) {
		snprintf(err, errlen, "not an object");
		return false;
	}
	if (!json_object_object_get_ex(doc, "Node", &v) ||
	    !share_str_ok(v, SHARE_NAME_LEN, false)) {
		snprintf(err, errlen, "$.Node: expected a node name of [A-Za-z0-9_-]");
		return false;
	}
	if (!json_object_object_get_ex(doc, "Targets", &arr) ||
	    json_object_get_type(arr) != json_type_array) {
		snprintf(err, errlen, "$.Targets: expected an array");
		return false;
	}
	n = json_object_array_length(arr);
	if (n > SHARE_TARGETS_MAX) {
		snprintf(err, errlen, "$.Targets: %zu targets, more than a target group holds (%u)",
			 n, SHARE_TARGETS_MAX);
		return false;
	}
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(arr, i);

		if (json_object_get_type(t) != json_type_object ||
		    !json_object_object_get_ex(t, "Id", &v) ||
		    json_object_get_type(v) != json_type_string ||
		    !share_addr_ok(json_object_get_string(v))) {
			snprintf(err, errlen, "$.Targets[%zu].Id: expected a target's IP address",
				 i);
			return false;
		}
		if (json_object_object_get_ex(t, "InstanceId", &v) && !share_str_ok(v, 64, true)) {
			snprintf(err, errlen, "$.Targets[%zu].InstanceId: expected an instance id",
				 i);
			return false;
		}
		if (json_object_object_get_ex(t, "Port", &v) &&
		    (json_object_get_type(v) != json_type_int || json_object_get_int64(v) < 1 ||
		     json_object_get_int64(v) > 65535)) {
			snprintf(err, errlen, "$.Targets[%zu].Port: expected 1 to 65535", i);
			return false;
		}
	}
	return true;
}

static int share_write(const char *path, const char *text)
{
	char tmp[400];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) || rename(tmp, path)) {
		int err = -errno;

		if (f)
			unlink(tmp);
		return err ? err : -EIO;
	}
	return 0;
}

/* Writes tg's file when what it would say changed; atomically (a reader sees the old or the
 * new file, never half of one).
 */
static void share_export(struct share *s, struct share_tg *t, struct json_object *groups)
{
	struct json_object *doc = json_object_new_object();
	char path[340];
	const char *text;
	int err;

	json_object_object_add(doc, "Node", json_object_new_string(s->node));
	json_object_object_add(doc, "TargetGroup", json_object_new_string(t->name));
	json_object_object_add(doc, "Targets", share_targets_of(groups, t->name));
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	if (t->written && !strcmp(t->written, text) && !share_refresh_due(s, t->written_at))
		goto out;
	share_path(s, t->name, path, sizeof(path));
	err = share_write(path, text);
	if (err) {
		log_warn("shared targets: writing %s: %s", path, strerror(-err));
		goto out;
	}
	t->written_at = loop_now();
	if (t->written && !strcmp(t->written, text))
		goto out; /* the same, written again: the readers see that this node lives */
	free(t->written);
	t->written = strdup(text);
	s->exports++;
	log_info("shared targets: %s lists %zu InService instance(s) of target group %s", path,
		 json_object_array_length(json_object_object_get(doc, "Targets")), t->name);
out:
	json_object_put(doc);
}

/* Why tg's file is not taken, logged once for each new reason; the targets stay as they are. */
static void share_refuse(struct share_tg *t, const char *path, const char *why)
{
	if (!strcmp(t->refused, why))
		return;
	snprintf(t->refused, sizeof(t->refused), "%s", why);
	log_warn("shared targets: %s refused, the targets of %s stay as they were: %s", path,
		 t->name, why);
}

/* The file st as seen now, by this node's clock: -1 when it changed after it had been stale
 * (its node is back), 1 when it has just become stale (unchanged for SharedStaleMs: its node is
 * taken for gone), 0 when neither; v->stale says which holds.
 */
static int share_seen_update(const struct share *s, struct share_seen *v, const struct stat *st)
{
	uint64_t now = loop_now();
	bool was = v->stale;

	if (!v->seen_at || st->st_ino != v->ino || st->st_mtim.tv_sec != v->mtime.tv_sec ||
	    st->st_mtim.tv_nsec != v->mtime.tv_nsec) {
		v->seen_at = now;
		v->ino = st->st_ino;
		v->mtime = st->st_mtim;
		v->stale = false;
		return was ? -1 : 0;
	}
	if (now - v->seen_at >= s->stale_ms && !v->stale) {
		v->stale = true;
		return 1;
	}
	return 0;
}

/* Whether the owner's file st has been rewritten within SharedStaleMs; a change either way said
 * once.
 */
static bool share_fresh(const struct share *s, struct share_tg *t, const char *path,
			const struct stat *st)
{
	int change = share_seen_update(s, &t->seen, st);

	if (change < 0)
		log_info("shared targets: %s rewritten again: node %s is back", path, t->owner);
	else if (change > 0)
		log_warn("shared targets: %s not rewritten for %u ms: node %s taken for gone, its "
			 "instances leave %s",
			 path, s->stale_ms, t->owner, t->name);
	return !t->seen.stale;
}

/* Registers what the owner's file lists and this node has not yet registered; deregisters what
 * it no longer lists. A file that cannot be read or is refused (share_doc_ok) leaves the
 * targets as they are (the owner may be rewriting it: the last good state holds), reported once;
 * a file that is not there, or stale (share_fresh, refused or not), takes them all out.
 */
static void share_import(struct share *s, struct share_tg *t)
{
	struct json_object *doc = NULL, *arr = NULL, *node;
	char path[340], why[160], **want = NULL;
	size_t nwant = 0, i;
	bool failed = false;
	struct stat st;
	int err;

	share_path(s, t->name, path, sizeof(path));
	err = share_read(path, &doc, &st, why, sizeof(why));
	if (err == -ENOENT) {
		memset(&t->seen, 0, sizeof(t->seen));
		t->refused[0] = '\0';
	} else if (err || !share_doc_ok(doc, why, sizeof(why))) {
		share_refuse(t, path, why);
		/* one left as it is for SharedStaleMs is as stale as a good one: an owner that
		 * lives rewrites it
		 */
		if (lstat(path, &st) || share_fresh(s, t, path, &st))
			goto out;
	} else {
		node = json_object_object_get(doc, "Node");
		if (!strcmp(json_object_get_string(node), s->node))
			goto out; /* a file of this node's own (a group moved away) */
		if (t->refused[0])
			log_info("shared targets: %s taken again", path);
		t->refused[0] = '\0';
		snprintf(t->owner, sizeof(t->owner), "%s", json_object_get_string(node));
		if (share_fresh(s, t, path, &st))
			arr = json_object_object_get(doc, "Targets");
	}
	want = calloc(arr ? json_object_array_length(arr) + 1 : 1, sizeof(*want));
	if (!want)
		goto out;
	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *id;

		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "Id", &id) &&
		    json_object_get_type(id) == json_type_string)
			want[nwant++] = (char *)json_object_get_string(id);
	}
	for (i = 0; i < nwant; i++) {
		char **v;

		if (share_has(t->imported, t->nimported, want[i]))
			continue;
		err = ctl_register(s->ctl, t->name, want[i], 0);
		if (err) {
			/* tried again each round: said once for each new failure */
			snprintf(why, sizeof(why), "%s: %s", want[i], strerror(-err));
			if (strcmp(t->failed, why))
				log_warn("shared targets: registering %s of node %s in %s: %s",
					 want[i], t->owner, t->name, strerror(-err));
			snprintf(t->failed, sizeof(t->failed), "%s", why);
			failed = true;
			continue;
		}
		v = realloc(t->imported, (t->nimported + 1) * sizeof(*v));
		if (!v || !(v[t->nimported] = strdup(want[i]))) {
			if (v)
				t->imported = v;
			ctl_deregister(s->ctl, t->name, want[i], 0);
			continue;
		}
		t->imported = v;
		t->nimported++;
		s->imports++;
		log_info("shared targets: %s registered in %s (an instance of node %s)", want[i],
			 t->name, t->owner);
	}
	for (i = 0; i < t->nimported;) {
		if (share_has(want, nwant, t->imported[i])) {
			i++;
			continue;
		}
		ctl_deregister(s->ctl, t->name, t->imported[i], 0);
		log_info("shared targets: %s deregistered from %s (node %s no longer lists it)",
			 t->imported[i], t->name, t->owner);
		free(t->imported[i]);
		t->imported[i] = t->imported[--t->nimported];
		s->imports++;
	}
	if (!failed)
		t->failed[0] = '\0';
out:
	free(want);
	json_object_put(doc);
}

/* This node's addresses, the ones its health checks may come from: every address of its
 * namespace but loopback and IPv6 link-local ones.
 */
static struct json_object *share_own_addrs(void)
{
	struct json_object *arr = json_object_new_array();
	struct ifaddrs *ifa, *i;
	char buf[INET6_ADDRSTRLEN];

	if (getifaddrs(&ifa))
		return arr;
	for (i = ifa; i; i = i->ifa_next) {
		const void *a;

		if (!i->ifa_addr || !strcmp(i->ifa_name, "lo"))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a6 =
				&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a6))
				continue;
			a = a6;
		} else {
			continue;
		}
		if (inet_ntop(i->ifa_addr->sa_family, a, buf, sizeof(buf)))
			json_object_array_add(arr, json_object_new_string(buf));
	}
	freeifaddrs(ifa);
	return arr;
}

static void share_nodes_export(struct share *s)
{
	struct json_object *doc = json_object_new_object();
	char path[400];
	const char *text;
	int err;

	json_object_object_add(doc, "Node", json_object_new_string(s->node));
	json_object_object_add(doc, "Addresses", share_own_addrs());
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	if (!s->own || strcmp(s->own, text) || share_refresh_due(s, s->own_at)) {
		snprintf(path, sizeof(path), "%s/nodes/%s.json", s->dir, s->node);
		err = share_write(path, text);
		if (err) {
			log_warn("shared targets: writing %s: %s", path, strerror(-err));
		} else if (s->own && !strcmp(s->own, text)) {
			/* the same, again: the others see that this node lives */
			s->own_at = loop_now();
		} else {
			free(s->own);
			s->own = strdup(text);
			s->own_at = loop_now();
		}
	}
	json_object_put(doc);
}

/* "family address" into xlb_nat_peers (add) or out of it. */
static int share_peer_set(struct share *s, const char *entry, bool add)
{
	unsigned char bin[16];
	int family = entry[0] == '6' ? AF_INET6 : AF_INET;

	if (inet_pton(family, entry + 2, bin) != 1)
		return -EINVAL;
	return dataplane_nat_peer_set(s->dp, family == AF_INET ? XLB_FAMILY_V4 : XLB_FAMILY_V6, bin,
				      add);
}

/* Whether a node's file (Node, a name; Addresses, at most SHARE_ADDRS_MAX addresses) holds. */
static bool share_node_ok(struct json_object *doc, char *err, size_t errlen)
{
	struct json_object *v, *arr;
	size_t i;

	if (json_object_get_type(doc) != json_type_object ||
	    !json_object_object_get_ex(doc, "Node", &v) ||
	    !share_str_ok(v, SHARE_NAME_LEN, false)) {
		snprintf(err, errlen, "$.Node: expected a node name of [A-Za-z0-9_-]");
		return false;
	}
	if (!json_object_object_get_ex(doc, "Addresses", &arr) ||
	    json_object_get_type(arr) != json_type_array ||
	    json_object_array_length(arr) > SHARE_ADDRS_MAX) {
		snprintf(err, errlen, "$.Addresses: expected an array of at most %u addresses",
			 SHARE_ADDRS_MAX);
		return false;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (json_object_get_type(v) != json_type_string ||
		    !share_addr_ok(json_object_get_string(v))) {
			snprintf(err, errlen, "$.Addresses[%zu]: expected an IP address", i);
			return false;
		}
	}
	return true;
}

/* The record of nodes/'s file name, made when there is none; NULL when out of memory. */
static struct share_node *share_node_get(struct share *s, const char *file)
{
	struct share_node *v;
	size_t i;

	for (i = 0; i < s->nnodes; i++)
		if (!strcmp(s->nodes[i].file, file))
			return &s->nodes[i];
	v = realloc(s->nodes, (s->nnodes + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->nodes = v;
	v = &s->nodes[s->nnodes++];
	memset(v, 0, sizeof(*v));
	snprintf(v->file, sizeof(v->file), "%s", file);
	return v;
}

/* A node's file that holds, seen in this round: whether its addresses count (it has changed
 * within SharedStaleMs); its node gone or back said once.
 */
static bool share_node_fresh(struct share *s, struct share_node *n, const char *path,
			     const char *node, size_t naddrs, const struct stat *st)
{
	int change;

	snprintf(n->node, sizeof(n->node), "%s", node);
	n->naddrs = naddrs;
	n->listed = true;
	change = share_seen_update(s, &n->seen, st);
	if (change < 0)
		log_info("shared targets: %s rewritten again: node %s is back, its %zu address(es) "
			 "return to xlb_nat_peers",
			 path, node, naddrs);
	else if (change > 0)
		log_warn("shared targets: %s not rewritten for %u ms: node %s taken for gone, its "
			 "%zu address(es) leave xlb_nat_peers",
			 path, s->stale_ms, node, naddrs);
	return !n->seen.stale;
}

/* The other nodes' addresses, from their files, into xlb_nat_peers; those gone (no file, or
 * one stale), out, before any comes in, so that a full map takes a changed set. More addresses
 * than the map holds change nothing: the peers so far stay, said once.
 */
static void share_nodes_import(struct share *s)
{
	char path[400], why[160], bad[600] = "", **want = NULL, **v;
	size_t nwant = 0, nbad = 0, i, j;
	bool over = false, failed = false;
	struct dirent *e;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof(path), "%s/nodes", s->dir);
	d = opendir(path);
	if (!d)
		return;
	for (i = 0; i < s->nnodes; i++)
		s->nodes[i].listed = false;
	/* one thread: readdir_r (deprecated) would buy nothing */
	// cppcheck-suppress readdirCalled
	while ((e = readdir(d))) {
		struct json_object *doc, *arr, *node;
		size_t len = strlen(e->d_name);
		struct share_node *rec;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/nodes/%s", s->dir, e->d_name);
		if (share_read(path, &doc, &st, why, sizeof(why)) ||
		    !share_node_ok(doc, why, sizeof(why))) {
			if (!nbad++)
				snprintf(bad, sizeof(bad), "%s: %s", path, why);
			json_object_put(doc);
			continue;
		}
		node = json_object_object_get(doc, "Node");
		arr = json_object_object_get(doc, "Addresses");
		rec = strcmp(json_object_get_string(node), s->node) ?
			      share_node_get(s, e->d_name) :
			      NULL; /* this node's own: no peer, and out of memory: none either */
		if (!rec || !share_node_fresh(s, rec, path, json_object_get_string(node),
					      json_object_array_length(arr), &st)) {
			json_object_put(doc);
			continue;
		}
		for (i = 0; i < json_object_array_length(arr) && !over; i++) {
			const char *a = json_object_get_string(json_object_array_get_idx(arr, i));
			char entry[INET6_ADDRSTRLEN + 2];

			if (!a)
				continue;
			snprintf(entry, sizeof(entry), "%c %s", strchr(a, ':') ? '6' : '4', a);
			if (share_has(want, nwant, entry))
				continue;
			if (nwant == SHARE_PEERS_MAX) {
				over = true; /* no need to count further */
				break;
			}
			v = realloc(want, (nwant + 1) * sizeof(*v));
			if (!v)
				break;
			want = v;
			if ((want[nwant] = strdup(entry)))
				nwant++;
		}
		json_object_put(doc);
	}
	closedir(d);
	for (i = 0; i < s->nnodes;) {
		if (s->nodes[i].listed)
			i++;
		else
			s->nodes[i] = s->nodes[--s->nnodes]; /* its file is gone */
	}
	if (nbad != s->nodes_refused && nbad)
		log_warn("shared targets: %zu file(s) of %s/nodes refused; the first: %s", nbad,
			 s->dir, bad);
	s->nodes_refused = nbad;
	if (over) {
		if (!s->peers_refused)
			log_warn(
				"shared targets: %s/nodes lists more than %u addresses of other "
				"nodes, the most xlb_nat_peers holds: none added or removed, the %zu "
				"peers so far kept",
				s->dir, SHARE_PEERS_MAX, s->npeers);
		s->peers_refused = true;
		goto out;
	}
	if (s->peers_refused)
		log_info("shared targets: %s/nodes lists %zu addresses of other nodes again, "
			 "within xlb_nat_peers",
			 s->dir, nwant);
	s->peers_refused = false;
	for (j = 0; j < s->npeers;) {
		if (share_has(want, nwant, s->peers[j])) {
			j++;
			continue;
		}
		share_peer_set(s, s->peers[j], false);
		log_info("shared targets: nat replies to %s translated again (no node lists it)",
			 s->peers[j] + 2);
		free(s->peers[j]);
		s->peers[j] = s->peers[--s->npeers];
	}
	for (i = 0; i < nwant; i++) {
		char *copy;
		int err;

		if (share_has(s->peers, s->npeers, want[i]))
			continue;
		/* the record first: an entry in the map is never one this node forgets */
		v = realloc(s->peers, (s->npeers + 1) * sizeof(*v));
		if (v)
			s->peers = v;
		copy = v ? strdup(want[i]) : NULL;
		err = copy ? share_peer_set(s, want[i], true) : -ENOMEM;
		if (err) {
			/* tried again each round: said once for each new failure */
			snprintf(why, sizeof(why), "%s: %s", want[i] + 2, strerror(-err));
			if (strcmp(s->peer_failed, why))
				log_warn("shared targets: peer address %s", why);
			snprintf(s->peer_failed, sizeof(s->peer_failed), "%s", why);
			free(copy);
			failed = true;
			continue;
		}
		s->peers[s->npeers++] = copy;
		log_info("shared targets: nat replies to %s (another node) pass untranslated",
			 s->peers[s->npeers - 1] + 2);
	}
	if (!failed)
		s->peer_failed[0] = '\0';
out:
	for (i = 0; i < nwant; i++)
		free(want[i]);
	free(want);
}

static void share_run(struct share *s)
{
	struct json_object *data = NULL, *groups = NULL;
	size_t i;

	share_nodes_export(s);
	share_nodes_import(s);
	if (fleet_view_describe(s->fleet, NULL, 0, &data) ||
	    !json_object_object_get_ex(data, "AutoScalingGroups", &groups))
		groups = NULL;
	for (i = 0; i < s->ntgs; i++) {
		if (s->tgs[i].fed && groups)
			share_export(s, &s->tgs[i], groups);
		else if (!s->tgs[i].fed)
			share_import(s, &s->tgs[i]);
	}
	json_object_put(data);
}

static void share_tick(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	share_run(arg);
}

int share_new(struct loop *loop, struct ctl *ctl, struct fleet *fleet, struct dataplane *dp,
	      struct share **out)
{
	struct share *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->ctl = ctl;
	s->fleet = fleet;
	s->dp = dp;
	loop_timer_init(&s->tick);
	*out = s;
	return 0;
}

static bool share_still_fed(const struct share_tg *tgs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(tgs[i].name, name))
			return tgs[i].fed;
	return false;
}

/* Target groups of the new model, each marked fed or not; those kept keep what they imported,
 * those gone give back theirs (their group is gone from ctl too, so nothing to deregister).
 */
int share_apply(struct share *s, const struct model *m)
{
	const struct model_cluster *k = &m->settings.cluster;
	struct share_tg *tgs = NULL;
	size_t i, j, n = 0;

	if (k->enabled && k->shared_dir[0]) {
		tgs = calloc(m->ntgs ? m->ntgs : 1, sizeof(*tgs));
		if (!tgs)
			return -ENOMEM;
	}
	for (i = 0; tgs && i < m->ntgs; i++) {
		struct share_tg *t = &tgs[n++];

		snprintf(t->name, sizeof(t->name), "%s", m->tgs[i].name);
		t->fed = model_tg_group(m, &m->tgs[i]) != NULL;
		for (j = 0; j < s->ntgs; j++) {
			if (strcmp(s->tgs[j].name, t->name))
				continue;
			if (!t->fed) {
				/* still imported: keep the record of what was registered */
				t->imported = s->tgs[j].imported;
				t->nimported = s->tgs[j].nimported;
				s->tgs[j].imported = NULL;
				s->tgs[j].nimported = 0;
			}
			memcpy(t->owner, s->tgs[j].owner, sizeof(t->owner));
		}
	}
	for (j = 0; j < s->ntgs; j++) {
		/* a group of this node no longer feeds it: its file goes, so that the readers take
		 * the instances out (they end here anyway)
		 */
		if (s->tgs[j].written && !share_still_fed(tgs, n, s->tgs[j].name)) {
			char path[340];

			share_path(s, s->tgs[j].name, path, sizeof(path));
			if (unlink(path) && errno != ENOENT)
				log_warn("shared targets: removing %s: %s", path, strerror(errno));
		}
		share_tg_clear(&s->tgs[j]);
	}
	free(s->tgs);
	s->tgs = tgs;
	s->ntgs = n;
	if (!tgs) {
		/* no directory: no node is known, none stays a peer */
		for (i = 0; i < s->npeers; i++) {
			share_peer_set(s, s->peers[i], false);
			free(s->peers[i]);
		}
		s->npeers = 0;
		s->peers_refused = false;
		loop_timer_disarm(s->loop, &s->tick);
		s->dir[0] = '\0';
		return 0;
	}
	if (strcmp(s->dir, k->shared_dir))
		s->nnodes = 0; /* another directory: its files are seen anew */
	snprintf(s->dir, sizeof(s->dir), "%s", k->shared_dir);
	snprintf(s->node, sizeof(s->node), "%s", k->node_name);
	s->refresh_ms = k->shared_refresh_ms;
	s->stale_ms = k->shared_stale_ms;
	if (mkdir(s->dir, 0755) && errno != EEXIST)
		log_warn("shared targets: creating %s: %s", s->dir, strerror(errno));
	{
		char nodes[300];

		snprintf(nodes, sizeof(nodes), "%s/nodes", s->dir);
		if (mkdir(nodes, 0755) && errno != EEXIST)
			log_warn("shared targets: creating %s: %s", nodes, strerror(errno));
	}
	if (!loop_timer_armed(&s->tick))
		loop_timer_arm(s->loop, &s->tick, SHARE_PERIOD_MS, SHARE_PERIOD_MS, share_tick, s);
	share_run(s);
	return 0;
}

void share_status(struct share *s, struct json_object *data)
{
	uint64_t now = loop_now();
	struct json_object *o, *arr;
	size_t i, j;

	if (!s || !s->dir[0])
		return;
	o = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(o, "Dir", json_object_new_string(s->dir));
	for (i = 0; i < s->ntgs; i++) {
		const struct share_tg *t = &s->tgs[i];
		struct json_object *e = json_object_new_object(), *a = json_object_new_array();

		json_object_object_add(e, "TargetGroup", json_object_new_string(t->name));
		json_object_object_add(e, "Role",
				       json_object_new_string(t->fed ? "owner" : "reader"));
		if (!t->fed && t->owner[0])
			json_object_object_add(e, "Owner", json_object_new_string(t->owner));
		for (j = 0; j < t->nimported; j++)
			json_object_array_add(a, json_object_new_string(t->imported[j]));
		if (!t->fed)
			json_object_object_add(e, "Imported", a);
		else
			json_object_put(a);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "TargetGroups", arr);
	json_object_object_add(o, "RefreshMs", json_object_new_int64(s->refresh_ms));
	json_object_object_add(o, "StaleMs", json_object_new_int64(s->stale_ms));
	arr = json_object_new_array();
	for (i = 0; i < s->nnodes; i++) {
		const struct share_node *n = &s->nodes[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "Node", json_object_new_string(n->node));
		json_object_object_add(e, "File", json_object_new_string(n->file));
		json_object_object_add(e, "Addresses", json_object_new_int64((int64_t)n->naddrs));
		json_object_object_add(e, "Stale", json_object_new_boolean(n->seen.stale));
		json_object_object_add(e, "UnchangedMs",
				       json_object_new_int64((int64_t)(now - n->seen.seen_at)));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "Nodes", arr);
	json_object_object_add(o, "NatPeers", json_object_new_int64((int64_t)s->npeers));
	json_object_object_add(o, "NatPeersFull", json_object_new_boolean(s->peers_refused));
	json_object_object_add(data, "SharedTargets", o);
}

void share_free(struct share *s)
{
	size_t i;

	if (!s)
		return;
	loop_timer_disarm(s->loop, &s->tick);
	for (i = 0; i < s->ntgs; i++)
		share_tg_clear(&s->tgs[i]);
	for (i = 0; i < s->npeers; i++)
		free(s->peers[i]);
	free(s->peers);
	free(s->nodes);
	free(s->own);
	free(s->tgs);
	free(s);
}
