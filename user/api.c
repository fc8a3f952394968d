// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The control socket: a non-blocking server on the event loop (accept, read one request line,
 * dispatch by verb, write one reply, close; every connection under a deadline and a size cap)
 * and the blocking client xlbctl uses. The protocol and reply shapes are documented in api.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "api.h"
#include "log.h"
#include "loop.h"

struct api_verb {
	char name[API_VERB_MAX];
	api_handler_fn fn;
	void *ctx;
};

struct api_conn {
	struct api_server *server;
	struct api_conn *next;
	int fd;
	struct loop_timer timer;
	char *in; /* the request, API_REQUEST_MAX + 1 bytes for the NUL */
	size_t in_len;
	char *out; /* the reply line, once built */
	size_t out_len, out_off;
};

struct api_server {
	struct loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char who[sizeof(((struct sockaddr_un *)0)->sun_path) + 20]; /* "api: accept on PATH" */
	dev_t dev; /* of the socket file we bound, so that free removes only ours */
	ino_t ino;
	unsigned int timeout_ms;
	struct api_verb *verbs;
	size_t nverbs;
	struct api_conn *conns;
	unsigned int nconns;
	unsigned long fd_short; /* accepts refused for want of a file descriptor, this burst */
};

static int api_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (!path || !*path || strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

static void api_conn_close(struct api_conn *c)
{
	struct api_server *s = c->server;
	struct api_conn **pp;

	for (pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->nconns--;
	loop_timer_disarm(s->loop, &c->timer);
	loop_fd_del(s->loop, c->fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* Writes what the socket takes; the connection closes once all is out or the peer is gone.
 * Returns true when it closed (c is gone).
 */
static bool api_conn_flush(struct api_conn *c)
{
	int ret = loop_send_pending(c->fd, c->out, c->out_len, &c->out_off);

	if (!ret)
		return false;
	if (ret < 0)
		log_debug("api: reply not delivered: %s", strerror(-ret));
	api_conn_close(c);
	return true;
}

/* Takes the reference to reply; switches the connection from reading to writing. Returns true
 * when the connection is already closed (all written, or failed).
 */
static bool api_conn_send(struct api_conn *c, struct json_object *reply)
{
	const char *text;
	size_t len;

	if (!reply)
		goto fail;
	text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	len = text ? strlen(text) : 0;
	c->out = malloc(len + 1);
	if (!text || !c->out)
		goto fail;
	memcpy(c->out, text, len);
	c->out[len] = '\n';
	c->out_len = len + 1;
	json_object_put(reply);
	if (loop_fd_mod(c->server->loop, c->fd, EPOLLOUT)) {
		api_conn_close(c);
		return true;
	}
	return api_conn_flush(c);
fail:
	json_object_put(reply);
	log_error("api: out of memory building a reply");
	api_conn_close(c);
	return true;
}

static struct json_object *api_error_object(const char *code, const char *message)
{
	struct json_object *reply = json_object_new_object();
	struct json_object *err = json_object_new_object();

	if (!reply || !err || json_object_object_add(err, "code", json_object_new_string(code)) ||
	    json_object_object_add(err, "message", json_object_new_string(message)) ||
	    json_object_object_add(reply, "ok", json_object_new_boolean(0))) {
		json_object_put(err);
		json_object_put(reply);
		return NULL;
	}
	if (json_object_object_add(reply, "error", err)) {
		json_object_put(err);
		json_object_put(reply);
		return NULL;
	}
	return reply;
}

static bool api_conn_send_error(struct api_conn *c, const char *code, const char *message)
{
	return api_conn_send(c, api_error_object(code, message));
}

static struct api_verb *api_find(struct api_server *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nverbs; i++)
		if (!strcmp(s->verbs[i].name, name))
			return &s->verbs[i];
	return NULL;
}

static void api_reply_from_errno(struct api_reply *r, int err)
{
	const char *code = API_ERR_INTERNAL;

	if (r->code[0])
		return;
	if (err == -EINVAL)
		code = API_ERR_VALIDATION;
	else if (err == -ENOENT)
		code = API_ERR_NOT_FOUND;
	else if (err == -EBUSY)
		code = API_ERR_CONTENTION;
	snprintf(r->code, sizeof(r->code), "%s", code);
	if (!r->message[0])
		snprintf(r->message, sizeof(r->message), "%s", strerror(-err));
}

/* Parses the request in c->in and answers it. */
static void api_conn_dispatch(struct api_conn *c)
{
	struct json_object *req = NULL, *jverb, *args = NULL, *reply;
	struct json_tokener *tok;
	struct api_reply r;
	struct api_verb *v;
	const char *verb;
	int err;

	tok = json_tokener_new();
	if (!tok) {
		api_conn_send_error(c, API_ERR_INTERNAL, "out of memory");
		return;
	}
	req = json_tokener_parse_ex(tok, c->in, (int)c->in_len);
	/* one object and nothing after it but blanks */
	if (req && json_tokener_get_error(tok) == json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);

		while (off < c->in_len && strchr(" \t\r\n", c->in[off]))
			off++;
		if (off != c->in_len) {
			json_object_put(req);
			req = NULL;
		}
	} else {
		json_object_put(req);
		req = NULL;
	}
	json_tokener_free(tok);
	if (!req || !json_object_is_type(req, json_type_object)) {
		api_conn_send_error(c, API_ERR_MALFORMED,
				    "the request is not one JSON object on one line");
		goto out;
	}
	if (!json_object_object_get_ex(req, "verb", &jverb) ||
	    !json_object_is_type(jverb, json_type_string)) {
		api_conn_send_error(c, API_ERR_MISSING_ACTION,
				    "the request has no \"verb\" string");
		goto out;
	}
	verb = json_object_get_string(jverb);
	v = api_find(c->server, verb);
	if (!v) {
		char msg[API_VERB_MAX + 64];

		snprintf(msg, sizeof(msg), "unknown verb \"%.*s\"", API_VERB_MAX, verb);
		api_conn_send_error(c, API_ERR_INVALID_ACTION, msg);
		goto out;
	}
	if (json_object_object_get_ex(req, "args", &args) && args &&
	    !json_object_is_type(args, json_type_object)) {
		api_conn_send_error(c, API_ERR_VALIDATION, "\"args\" must be an object");
		goto out;
	}
	args = args ? json_object_get(args) : json_object_new_object();
	if (!args) {
		api_conn_send_error(c, API_ERR_INTERNAL, "out of memory");
		goto out;
	}

	memset(&r, 0, sizeof(r));
	err = v->fn(args, &r, v->ctx);
	json_object_put(args);
	if (err) {
		json_object_put(r.data);
		api_reply_from_errno(&r, err < 0 ? err : -EINVAL);
		log_debug("api: %s: %s: %s", v->name, r.code, r.message);
		api_conn_send_error(c, r.code, r.message);
		goto out;
	}
	reply = json_object_new_object();
	if (!r.data)
		r.data = json_object_new_object();
	if (!reply || !r.data || json_object_object_add(reply, "ok", json_object_new_boolean(1))) {
		json_object_put(r.data);
		json_object_put(reply);
		api_conn_send_error(c, API_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (json_object_object_add(reply, "data", r.data)) {
		json_object_put(r.data);
		json_object_put(reply);
		api_conn_send_error(c, API_ERR_INTERNAL, "out of memory");
		goto out;
	}
	api_conn_send(c, reply);
out:
	json_object_put(req);
}

static void api_conn_read(struct api_conn *c)
{
	for (;;) {
		ssize_t n;
		char *nl;

		if (c->in_len == API_REQUEST_MAX) {
			api_conn_send_error(c, API_ERR_TOO_LARGE,
					    "the request is larger than the limit");
			return;
		}
		n = recv(c->fd, c->in + c->in_len, API_REQUEST_MAX - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			api_conn_close(c);
			return;
		}
		if (n == 0) {
			/* the client shut its side down: what came is the request */
			if (c->in_len == 0) {
				api_conn_close(c);
				return;
			}
			c->in[c->in_len] = '\0';
			api_conn_dispatch(c);
			return;
		}
		nl = memchr(c->in + c->in_len, '\n', n);
		c->in_len += n;
		if (nl) {
			/* one request per connection: anything after the newline is ignored */
			c->in_len = nl - c->in;
			c->in[c->in_len] = '\0';
			api_conn_dispatch(c);
			return;
		}
	}
}

static void api_conn_event(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct api_conn *c = arg;

	if (c->out)
		(void)api_conn_flush(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		api_conn_read(c);
}

static void api_conn_timeout(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct api_conn *c = arg;

	log_debug("api: client timed out");
	if (c->out) {
		api_conn_close(c);
		return;
	}
	/* a best-effort word on why; a client that does not read even that is dropped */
	if (!api_conn_send_error(c, API_ERR_TIMEOUT, "no complete request in time"))
		api_conn_close(c);
}

static void api_accept(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct api_server *s = arg;

	for (;;) {
		struct api_conn *c;
		int cfd;

		cfd = loop_accept_logged(loop, fd, s->who, &s->fd_short);
		if (cfd < 0)
			return;
		if (s->nconns >= API_CONN_MAX) {
			log_warn("api: %u clients already, refusing one more", s->nconns);
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->in = malloc(API_REQUEST_MAX + 1);
		if (!c || !c->in) {
			if (c)
				free(c);
			close(cfd);
			log_error("api: out of memory accepting a client");
			continue;
		}
		c->server = s;
		c->fd = cfd;
		loop_timer_init(&c->timer);
		if (loop_fd_add(loop, cfd, EPOLLIN, api_conn_event, c) ||
		    loop_timer_arm(loop, &c->timer, s->timeout_ms, 0, api_conn_timeout, c)) {
			loop_fd_del(loop, cfd);
			close(cfd);
			free(c->in);
			free(c);
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
	}
}

/* Is anything listening on the socket file at path? */
static bool api_socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return true; /* cannot tell: do not remove it */
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
		(errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	return alive;
}

static int api_prepare_path(const char *path, const struct sockaddr_un *sun)
{
	char dir[sizeof(sun->sun_path)];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("api: %s exists and is not a socket; not replacing it", path);
		return -EEXIST;
	}
	if (api_socket_alive(sun)) {
		log_error("api: %s is in use: is another xlbd running?", path);
		return -EADDRINUSE;
	}
	log_info("api: replacing stale socket %s", path);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

int api_server_new(struct loop *loop, const char *path, struct api_server **out)
{
	struct api_server *s = NULL;
	struct sockaddr_un sun;
	struct stat st;
	mode_t umask_old;
	bool bound = false;
	int err;

	*out = NULL;
	err = api_sockaddr(path, &sun);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->timeout_ms = API_TIMEOUT_MS;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->who, sizeof(s->who), "api: accept on %s", path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		err = -errno;
		goto fail;
	}
	err = api_prepare_path(path, &sun);
	if (err)
		goto fail;
	/* the file is born 0600: no window in which another user could connect */
	umask_old = umask(0177);
	err = bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0;
	umask(umask_old);
	if (err) {
		log_error("api: bind %s: %s", path, strerror(-err));
		goto fail;
	}
	bound = true;
	if (chmod(path, 0600) || stat(path, &st) || listen(s->fd, API_CONN_MAX)) {
		err = -errno;
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	err = loop_fd_add(loop, s->fd, EPOLLIN, api_accept, s);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	if (bound)
		unlink(path);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return err;
}

void api_server_free(struct api_server *s)
{
	struct stat st;

	if (!s)
		return;
	while (s->conns)
		api_conn_close(s->conns);
	loop_fd_del(s->loop, s->fd);
	close(s->fd);
	/* a newer xlbd may have taken the path over: only remove the file we made */
	if (!lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->verbs);
	free(s);
}

int api_register(struct api_server *s, const char *verb, api_handler_fn fn, void *ctx)
{
	struct api_verb *verbs;

	if (!verb || !*verb || strlen(verb) >= API_VERB_MAX || !fn)
		return -EINVAL;
	if (api_find(s, verb))
		return -EEXIST;
	verbs = realloc(s->verbs, (s->nverbs + 1) * sizeof(*verbs));
	if (!verbs)
		return -ENOMEM;
	s->verbs = verbs;
	snprintf(verbs[s->nverbs].name, API_VERB_MAX, "%s", verb);
	verbs[s->nverbs].fn = fn;
	verbs[s->nverbs].ctx = ctx;
	s->nverbs++;
	return 0;
}

void api_server_set_timeout(struct api_server *s, unsigned int timeout_ms)
{
	s->timeout_ms = timeout_ms ? timeout_ms : API_TIMEOUT_MS;
}

unsigned int api_server_conns(const struct api_server *s)
{
	return s->nconns;
}

int api_error(struct api_reply *reply, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(reply->code, sizeof(reply->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(reply->message, sizeof(reply->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int api_data_list(const char *key, struct json_object **data, struct json_object **list)
{
	*data = json_object_new_object();
	*list = json_object_new_array();
	if (!*data || !*list || json_object_object_add(*data, key, *list)) {
		json_object_put(*list);
		json_object_put(*data);
		return -ENOMEM;
	}
	return 0;
}

const char *api_args_known(struct json_object *args, const char *const *known)
{
	size_t i;

	if (!args || !json_object_is_type(args, json_type_object))
		return NULL;
	json_object_object_foreach(args, key, val)
	{
		(void)val;
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i])
			return key;
	}
	return NULL;
}

/* Looks name up; -ENOENT when absent and optional, -EINVAL with the error when required. */
static int api_arg_get(struct json_object *args, const char *name, bool required,
		       struct json_object **val, struct api_reply *reply)
{
	if (args && json_object_object_get_ex(args, name, val) && *val)
		return 0;
	if (required)
		return api_error(reply, API_ERR_VALIDATION, "%s is required", name);
	return -ENOENT;
}

int api_arg_string(struct json_object *args, const char *name, bool required, const char **val,
		   struct api_reply *reply)
{
	struct json_object *j;
	int err = api_arg_get(args, name, required, &j, reply);

	if (err)
		return err;
	if (!json_object_is_type(j, json_type_string) || !json_object_get_string_len(j))
		return api_error(reply, API_ERR_VALIDATION, "%s must be a non-empty string", name);
	*val = json_object_get_string(j);
	return 0;
}

int api_arg_int(struct json_object *args, const char *name, bool required, int64_t min, int64_t max,
		int64_t *val, struct api_reply *reply)
{
	struct json_object *j;
	int64_t v;
	int err = api_arg_get(args, name, required, &j, reply);

	if (err)
		return err;
	if (!json_object_is_type(j, json_type_int))
		return api_error(reply, API_ERR_VALIDATION, "%s must be an integer", name);
	v = json_object_get_int64(j);
	if (v < min || v > max)
		return api_error(reply, API_ERR_VALIDATION, "%s must be between %lld and %lld",
				 name, (long long)min, (long long)max);
	*val = v;
	return 0;
}

int api_arg_bool(struct json_object *args, const char *name, bool required, bool *val,
		 struct api_reply *reply)
{
	struct json_object *j;
	int err = api_arg_get(args, name, required, &j, reply);

	if (err)
		return err;
	if (!json_object_is_type(j, json_type_boolean))
		return api_error(reply, API_ERR_VALIDATION, "%s must be true or false", name);
	*val = json_object_get_boolean(j);
	return 0;
}

int api_arg_string_array(struct json_object *args, const char *name, bool required,
			 struct json_object **val, struct api_reply *reply)
{
	struct json_object *j;
	size_t i, n;
	int err = api_arg_get(args, name, required, &j, reply);

	if (err)
		return err;
	if (!json_object_is_type(j, json_type_array))
		return api_error(reply, API_ERR_VALIDATION, "%s must be a list of strings", name);
	n = json_object_array_length(j);
	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(j, i);

		if (!json_object_is_type(m, json_type_string) || !json_object_get_string_len(m))
			return api_error(reply, API_ERR_VALIDATION,
					 "%s must be a list of non-empty strings", name);
	}
	*val = j;
	return 0;
}

static const char *api_type_name(struct json_object *j)
{
	return json_type_to_name(json_object_get_type(j));
}

int api_arg_targets(struct json_object *args, const char *name, bool required, bool nonempty,
		    struct api_target **out, size_t *n, struct api_reply *reply)
{
	struct api_target *v = NULL;
	struct json_object *j;
	size_t i, len;
	int err = api_arg_get(args, name, required, &j, reply);

	*out = NULL;
	*n = 0;
	if (err)
		return err;
	if (!json_object_is_type(j, json_type_array))
		return api_error(reply, API_ERR_VALIDATION,
				 "%s must be an array of {\"Id\", \"Port\"} objects, not %s", name,
				 api_type_name(j));
	len = json_object_array_length(j);
	if (!len && nonempty)
		return api_error(reply, API_ERR_VALIDATION, "%s must name at least one target",
				 name);
	if (len) {
		v = calloc(len, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (i = 0; i < len; i++) {
		struct json_object *o = json_object_array_get_idx(j, i), *id = NULL, *port = NULL;
		bool has_id;

		if (!json_object_is_type(o, json_type_object)) {
			err = api_error(reply, API_ERR_VALIDATION,
					"%s[%zu] must be an object {\"Id\", \"Port\"}, not %s",
					name, i, api_type_name(o));
			goto fail;
		}
		has_id = json_object_object_get_ex(o, "Id", &id);
		if (!json_object_is_type(id, json_type_string) || !json_object_get_string_len(id)) {
			err = api_error(reply, API_ERR_VALIDATION,
					"%s[%zu].Id must be a non-empty string, not %s", name, i,
					!has_id ? "missing" :
					json_object_is_type(id, json_type_string) ?
						  "\"\"" :
						  api_type_name(id));
			goto fail;
		}
		v[i].id = json_object_get_string(id);
		/* a null Port is an absent one, as for every other argument */
		if (json_object_object_get_ex(o, "Port", &port) && port) {
			int64_t p = json_object_get_int64(port);

			if (!json_object_is_type(port, json_type_int) || p < 1 || p > 65535) {
				err = api_error(reply, API_ERR_VALIDATION,
						"%s[%zu].Port must be an integer 1..65535, not %s",
						name, i,
						json_object_is_type(port, json_type_int) ?
							json_object_get_string(port) :
							api_type_name(port));
				goto fail;
			}
			v[i].port = (uint16_t)p;
		}
	}
	*out = v;
	*n = len;
	return 0;
fail:
	free(v);
	return err;
}

/* Client side. */

static int api_remaining(uint64_t deadline)
{
	uint64_t now = loop_now();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Waits for events on fd until the deadline: 0, or -ETIMEDOUT. */
static int api_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int left = api_remaining(deadline);
		int n;

		if (!left)
			return -ETIMEDOUT;
		n = poll(&p, 1, left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int api_send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	size_t off = 0;
	int ret;

	while ((ret = loop_send_pending(fd, buf, len, &off)) == 0) {
		ret = api_wait(fd, POLLOUT, deadline);
		if (ret)
			return ret;
	}
	return ret < 0 ? ret : 0;
}

/* Reads up to EOF or the newline that ends the reply; *buf is NUL-terminated. */
static int api_recv_line(int fd, char **buf, size_t *len, uint64_t deadline)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap), *nb;
	int err = 0;

	if (!b)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			if (cap > API_REPLY_MAX) {
				err = -EMSGSIZE;
				goto out;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			b = nb;
			cap *= 2;
		}
		r = recv(fd, b + n, cap - n - 1, 0);
		if (r > 0) {
			char *nl = memchr(b + n, '\n', r);

			n += r;
			if (nl) {
				n = nl - b;
				break;
			}
			continue;
		}
		if (r == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			err = -errno;
			goto out;
		}
		err = api_wait(fd, POLLIN, deadline);
		if (err)
			goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	return err;
}

int api_call(const char *path, const char *verb, struct json_object *args,
	     struct json_object **reply, int timeout_ms)
{
	uint64_t deadline = loop_now() + (timeout_ms > 0 ? timeout_ms : API_TIMEOUT_MS);
	struct json_object *req = NULL, *ok, *r = NULL;
	struct sockaddr_un sun;
	char *line = NULL, *text = NULL;
	const char *s;
	size_t len = 0;
	int fd = -1, err;

	*reply = NULL;
	err = api_sockaddr(path, &sun);
	if (err)
		return err;
	req = json_object_new_object();
	if (!req || json_object_object_add(req, "verb", json_object_new_string(verb)) ||
	    json_object_object_add(req, "args",
				   args ? json_object_get(args) : json_object_new_object())) {
		err = -ENOMEM;
		goto out;
	}
	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (!s || asprintf(&text, "%s\n", s) < 0) {
		text = NULL;
		err = -ENOMEM;
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* a unix connect does not block for long, except on a full backlog: EAGAIN */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			err = -errno;
			goto out;
		}
		if (!api_remaining(deadline)) {
			err = -ETIMEDOUT;
			goto out;
		}
		poll(NULL, 0, 10);
	}
	err = api_send_all(fd, text, strlen(text), deadline);
	if (err)
		goto out;
	err = api_recv_line(fd, &line, &len, deadline);
	if (err)
		goto out;
	r = json_tokener_parse(line);
	if (!r || !json_object_is_type(r, json_type_object) ||
	    !json_object_object_get_ex(r, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		json_object_put(r);
		err = -EPROTO;
		goto out;
	}
	*reply = r;
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(text);
	json_object_put(req);
	return err;
}

bool api_reply_ok(struct json_object *reply, struct json_object **data, const char **code,
		  const char **message)
{
	struct json_object *ok = NULL, *err = NULL, *j;

	*data = NULL;
	*code = API_ERR_INTERNAL;
	*message = "the reply carries no error";
	if (json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok)) {
		json_object_object_get_ex(reply, "data", data);
		return true;
	}
	if (json_object_object_get_ex(reply, "error", &err) && err) {
		if (json_object_object_get_ex(err, "code", &j) &&
		    json_object_is_type(j, json_type_string))
			*code = json_object_get_string(j);
		if (json_object_object_get_ex(err, "message", &j) &&
		    json_object_is_type(j, json_type_string))
			*message = json_object_get_string(j);
	}
	return false;
}
