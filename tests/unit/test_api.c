// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The control socket: a server on the loop in a thread of its own, a unix socket in a temporary
 * directory, and clients on the test's thread: the round trip, error replies (unknown verb,
 * malformed JSON, oversized request, a handler's error), mode 0600, stale and live sockets, the
 * per-connection deadline, the client's errors; and build/xlbctl's options against it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "api.h"
#include "check.h"
#include "exchange.h"
#include "loop.h"

static char tmpdir[64];
static char sockpath[128];

struct server {
	struct loop *loop;
	struct api_server *api;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t lock;
	struct json_object *last_args; /* what the capture handler saw last, under lock */
	char last_verb[64];
};

static void *server_thread(void *arg)
{
	struct server *s = arg;

	while (!atomic_load(&s->stop))
		loop_run_once(s->loop, 20);
	return NULL;
}

static int echo_handler(struct json_object *args, struct api_reply *reply, void *ctx)
{
	reply->data = json_object_get(args);
	return 0;
}

static int fail_handler(struct json_object *args, struct api_reply *reply, void *ctx)
{
	const char *name;
	int err = api_arg_string(args, "AutoScalingGroupName", true, &name, reply);

	if (err)
		return err;
	return api_error(reply, API_ERR_NOT_FOUND, "group %s not found", name);
}

static int errno_handler(struct json_object *args, struct api_reply *reply, void *ctx)
{
	return -EBUSY;
}

/* Records the verb and args, as xlbd's handlers would see them, and answers {}. */
static int capture_handler(struct json_object *args, struct api_reply *reply, void *ctx)
{
	struct server *s = ctx;

	pthread_mutex_lock(&s->lock);
	json_object_put(s->last_args);
	s->last_args = json_object_get(args);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int big_handler(struct json_object *args, struct api_reply *reply, void *ctx)
{
	size_t n = 3 * 1024 * 1024;
	char *s = malloc(n + 1);

	if (!s)
		return -ENOMEM;
	memset(s, 'x', n);
	s[n] = '\0';
	reply->data = json_object_new_object();
	json_object_object_add(reply->data, "Output", json_object_new_string(s));
	free(s);
	return 0;
}

static const char *const capture_verbs[] = {
	"set-desired-capacity",
	"register-targets",
	"describe-scaling-activities",
	"describe-target-health",
	"attach-load-balancer-target-groups",
	NULL,
};

/* The next server's per-connection deadline (0: the default), set before its thread runs. */
static unsigned int next_timeout_ms;

static bool server_start(struct server *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	if (loop_new(&s->loop))
		return false;
	if (api_server_new(s->loop, sockpath, &s->api)) {
		loop_free(s->loop);
		return false;
	}
	api_server_set_timeout(s->api, next_timeout_ms);
	api_register(s->api, "echo", echo_handler, NULL);
	api_register(s->api, "fail", fail_handler, NULL);
	api_register(s->api, "busy", errno_handler, NULL);
	api_register(s->api, "big", big_handler, NULL);
	for (int i = 0; capture_verbs[i]; i++)
		api_register(s->api, capture_verbs[i], capture_handler, s);
	return pthread_create(&s->thread, NULL, server_thread, s) == 0;
}

static void server_stop(struct server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	api_server_free(s->api);
	loop_free(s->loop);
	json_object_put(s->last_args);
	pthread_mutex_destroy(&s->lock);
}

/* A raw client: sends len bytes (ignoring a peer that stops reading), then reads to EOF. */
static bool raw_exchange(const char *buf, size_t len, char *out, size_t out_len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(sun.sun_path, sockpath);
	return exchange((struct sockaddr *)&sun, sizeof(sun), buf, len, out, out_len) >= 0;
}

static bool reply_error_is(struct json_object *reply, const char *code)
{
	struct json_object *data;
	const char *c, *m;

	return reply && !api_reply_ok(reply, &data, &c, &m) && !strcmp(c, code);
}

static bool test_round_trip(void)
{
	struct json_object *args, *reply = NULL, *data, *v;
	const char *code, *msg;
	struct server s;
	bool ok = false;
	int err;

	if (!server_start(&s))
		return false;
	args = json_tokener_parse("{\"AutoScalingGroupName\": \"my-app-asg\", \"N\": 3, "
				  "\"L\": [\"a\", \"b\"], \"U\": \"caf\\u00e9\\n\\\"\"}");
	err = api_call(sockpath, "echo", args, &reply, 2000);
	if (err) {
		printf("  api_call: %s\n", strerror(-err));
		goto out;
	}
	if (!api_reply_ok(reply, &data, &code, &msg)) {
		printf("  error %s: %s\n", code, msg);
		goto out;
	}
	if (!json_object_equal(data, args)) {
		printf("  data %s\n", json_object_to_json_string(data));
		goto out;
	}
	json_object_put(reply);
	reply = NULL;
	/* no args at all: the handler sees {} */
	ENSURE(!api_call(sockpath, "echo", NULL, &reply, 2000));
	ENSURE(api_reply_ok(reply, &data, &code, &msg));
	ENSURE(json_object_is_type(data, json_type_object));
	ENSURE(!json_object_object_length(data));
	json_object_put(reply);
	reply = NULL;
	/* a reply larger than any socket buffer arrives whole */
	if (api_call(sockpath, "big", NULL, &reply, 5000) ||
	    !api_reply_ok(reply, &data, &code, &msg) ||
	    !json_object_object_get_ex(data, "Output", &v) ||
	    json_object_get_string_len(v) != 3 * 1024 * 1024) {
		printf("  big reply lost\n");
		goto out;
	}
	ok = true;
out:
	json_object_put(reply);
	json_object_put(args);
	server_stop(&s);
	return ok;
}

static bool test_error_replies(void)
{
	struct json_object *reply = NULL, *args = json_object_new_object(), *data;
	const char *code, *msg;
	struct server s;
	bool ok = false;

	if (!server_start(&s))
		return false;
	if (api_call(sockpath, "no-such-verb", NULL, &reply, 2000) ||
	    !reply_error_is(reply, API_ERR_INVALID_ACTION)) {
		printf("  unknown verb: %s\n", json_object_to_json_string(reply));
		goto out;
	}
	api_reply_ok(reply, &data, &code, &msg);
	if (!strstr(msg, "no-such-verb")) {
		printf("  message does not name the verb: %s\n", msg);
		goto out;
	}
	json_object_put(reply);
	reply = NULL;
	/* a required argument missing: the helper's ValidationError */
	if (api_call(sockpath, "fail", args, &reply, 2000) ||
	    !reply_error_is(reply, API_ERR_VALIDATION)) {
		printf("  missing arg: %s\n", json_object_to_json_string(reply));
		goto out;
	}
	json_object_put(reply);
	reply = NULL;
	json_object_object_add(args, "AutoScalingGroupName", json_object_new_string("g1"));
	if (api_call(sockpath, "fail", args, &reply, 2000) ||
	    !reply_error_is(reply, API_ERR_NOT_FOUND)) {
		printf("  handler error: %s\n", json_object_to_json_string(reply));
		goto out;
	}
	api_reply_ok(reply, &data, &code, &msg);
	ENSURE(!strcmp(msg, "group g1 not found"));
	json_object_put(reply);
	reply = NULL;
	/* a bare errno becomes a code */
	ENSURE(!api_call(sockpath, "busy", NULL, &reply, 2000));
	ENSURE(reply_error_is(reply, API_ERR_CONTENTION));
	ok = true;
out:
	json_object_put(reply);
	json_object_put(args);
	server_stop(&s);
	return ok;
}

/* Sends raw bytes and checks the error code of the reply line. */
static bool raw_expect(const char *req, size_t len, const char *code)
{
	char out[4096];
	struct json_object *reply;
	bool ok;

	if (!raw_exchange(req, len, out, sizeof(out)))
		return false;
	reply = json_tokener_parse(out);
	ok = reply_error_is(reply, code) && strchr(out, '\n') == out + strlen(out) - 1;
	if (!ok)
		printf("  sent %.40s...: got \"%s\", expected %s\n", req, out, code);
	json_object_put(reply);
	return ok;
}

static bool test_malformed(void)
{
	static const struct {
		const char *req, *code;
	} cases[] = {
		{ "{not json\n", API_ERR_MALFORMED },
		{ "[1, 2]\n", API_ERR_MALFORMED },
		{ "{\"verb\": \"echo\"} trailing\n", API_ERR_MALFORMED },
		{ "{\"args\": {}}\n", API_ERR_MISSING_ACTION },
		{ "{\"verb\": 7}\n", API_ERR_MISSING_ACTION },
		{ "{\"verb\": \"echo\", \"args\": [1]}\n", API_ERR_VALIDATION },
		{ "\n", API_ERR_MALFORMED },
	};
	struct server s;
	bool ok = true;
	char out[4096];
	size_t i;

	if (!server_start(&s))
		return false;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok &= raw_expect(cases[i].req, strlen(cases[i].req), cases[i].code);
	/* a request ended by EOF rather than a newline is still answered */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		const char *req = "{\"verb\": \"echo\", \"args\": {\"a\": 1}}";
		ssize_t n;
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		strcpy(sun.sun_path, sockpath);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
		    send(fd, req, strlen(req), 0) < 0 || shutdown(fd, SHUT_WR)) {
			ok = false;
		} else {
			n = recv(fd, out, sizeof(out) - 1, MSG_WAITALL);
			out[n > 0 ? n : 0] = '\0';
			if (!strstr(out, "\"ok\":true")) {
				printf("  EOF-terminated: %s\n", out);
				ok = false;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	server_stop(&s);
	return ok;
}

static bool test_oversized(void)
{
	size_t len = API_REQUEST_MAX + 4096;
	char *big = malloc(len);
	struct server s;
	bool ok;

	if (!big || !server_start(&s)) {
		free(big);
		return false;
	}
	memset(big, ' ', len);
	memcpy(big, "{\"verb\": \"echo\", \"args\": {\"pad\": \"", 34);
	ok = raw_expect(big, len, API_ERR_TOO_LARGE);
	/* and the server still serves the next client */
	ok = ok && raw_expect("{\"verb\": \"nope\"}\n", 17, API_ERR_INVALID_ACTION);
	server_stop(&s);
	free(big);
	return ok;
}

static bool test_socket_mode_and_removal(void)
{
	struct server s;
	struct stat st;
	bool ok;

	if (!server_start(&s))
		return false;
	ok = !stat(sockpath, &st) && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0600;
	if (!ok)
		printf("  mode %o\n", st.st_mode & 07777);
	server_stop(&s);
	if (!stat(sockpath, &st)) {
		printf("  socket left behind after api_server_free\n");
		ok = false;
	}
	return ok;
}

static bool test_stale_live_and_foreign(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct api_server *api = NULL;
	struct loop *loop;
	struct server s;
	bool ok = false;
	int fd, err;
	FILE *f;

	if (loop_new(&loop))
		return false;
	/* stale: a socket file with nobody listening, as a killed xlbd leaves it */
	strcpy(sun.sun_path, sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ENSURE(fd >= 0);
	ENSURE(!bind(fd, (struct sockaddr *)&sun, sizeof(sun)));
	close(fd);
	err = api_server_new(loop, sockpath, &api);
	CHECK(err == 0, "stale socket not replaced: %s", strerror(-err));
	api_server_free(api);
	api = NULL;

	/* live: another server answers there */
	ENSURE(server_start(&s));
	err = api_server_new(loop, sockpath, &api);
	server_stop(&s);
	CHECK(err == -EADDRINUSE, "live socket: %d", err);

	/* foreign: a regular file is never removed */
	f = fopen(sockpath, "w");
	ENSURE(f);
	fclose(f);
	err = api_server_new(loop, sockpath, &api);
	CHECK(err == -EEXIST && access(sockpath, F_OK) == 0, "regular file: %d", err);
	unlink(sockpath);
	ok = true;
out:
	api_server_free(api);
	loop_free(loop);
	return ok;
}

static bool test_deadline(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 3 };
	uint64_t t0;
	struct server s;
	char out[512];
	bool ok = false;
	ssize_t n;
	int fd;

	next_timeout_ms = 200;
	if (!server_start(&s))
		return false;
	next_timeout_ms = 0;
	strcpy(sun.sun_path, sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	t0 = loop_now();
	ENSURE(!connect(fd, (struct sockaddr *)&sun, sizeof(sun)));
	ENSURE(send(fd, "{\"ve", 4, 0) == 4);
	n = recv(fd, out, sizeof(out) - 1, MSG_WAITALL);
	out[n > 0 ? n : 0] = '\0';
	ok = strstr(out, API_ERR_TIMEOUT) && loop_now() - t0 >= 190 && loop_now() - t0 < 2000;
	if (!ok)
		printf("  after %llu ms: \"%s\"\n", (unsigned long long)(loop_now() - t0), out);
out:
	close(fd);
	server_stop(&s);
	return ok;
}

static bool test_client_errors(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct json_object *reply = NULL;
	uint64_t t0;
	int fd, err;

	err = api_call(sockpath, "status", NULL, &reply, 500);
	CHECK(err == -ENOENT && !reply, "no socket: %d", err);

	/* a listener that never accepts nor answers: the client gives up at its deadline */
	strcpy(sun.sun_path, sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&sun, sizeof(sun)) && !listen(fd, 4),
	      "listen: %s", strerror(errno));
	t0 = loop_now();
	err = api_call(sockpath, "status", NULL, &reply, 300);
	close(fd);
	unlink(sockpath);
	CHECK(err == -ETIMEDOUT, "silent server: %d", err);
	CHECK(loop_now() - t0 < 2000, "took %llu ms", (unsigned long long)(loop_now() - t0));

	err = api_call(sockpath, "status", NULL, &reply, 300);
	CHECK(err == -ENOENT, "after unlink: %d", err);
	return true;
}

static bool test_register(void)
{
	struct api_server *api;
	struct loop *loop;
	bool ok;

	if (loop_new(&loop))
		return false;
	if (api_server_new(loop, sockpath, &api)) {
		loop_free(loop);
		return false;
	}
	ok = api_register(api, "echo", echo_handler, NULL) == 0 &&
	     api_register(api, "echo", echo_handler, NULL) == -EEXIST &&
	     api_register(api, "", echo_handler, NULL) == -EINVAL &&
	     api_register(api, "x", NULL, NULL) == -EINVAL && api_server_conns(api) == 0;
	api_server_free(api);
	loop_free(loop);
	return ok;
}

/* Hostile Targets arguments: every wrong type a clear ValidationError naming the member,
 * never a crash (a null Id once reached strcmp in xlbd).
 */
static bool test_hostile_targets(void)
{
	static const struct {
		const char *args;
		bool required, nonempty;
		int err;
		const char *msg; /* a part of the error message, or for 0 the first Id */
	} rows[] = {
		{ "{\"Targets\":[{\"Id\":null}]}", false, false, -EINVAL,
		  "Targets[0].Id must be a non-empty string, not null" },
		{ "{\"Targets\":[{\"Id\":\"198.18.1.2\"},{\"Id\":7}]}", true, true, -EINVAL,
		  "Targets[1].Id must be a non-empty string, not int" },
		{ "{\"Targets\":[{\"Id\":{\"a\":1}}]}", true, true, -EINVAL, "not object" },
		{ "{\"Targets\":[{\"Id\":[\"198.18.1.2\"]}]}", true, true, -EINVAL, "not array" },
		{ "{\"Targets\":[{\"Id\":\"\"}]}", true, true, -EINVAL, "not \"\"" },
		{ "{\"Targets\":[{}]}", true, true, -EINVAL,
		  "Targets[0].Id must be a non-empty "
		  "string, not missing" },
		{ "{\"Targets\":[null]}", true, true, -EINVAL, "Targets[0] must be an object" },
		{ "{\"Targets\":[\"198.18.1.2\"]}", true, true, -EINVAL, "not string" },
		{ "{\"Targets\":[[]]}", true, true, -EINVAL, "not array" },
		{ "{\"Targets\":{\"Id\":\"198.18.1.2\"}}", true, true, -EINVAL,
		  "Targets must be an array" },
		{ "{\"Targets\":\"198.18.1.2\"}", true, true, -EINVAL, "not string" },
		{ "{\"Targets\":[]}", true, true, -EINVAL, "at least one target" },
		{ "{\"Targets\":null}", true, true, -EINVAL, "Targets is required" },
		{ "{}", true, true, -EINVAL, "Targets is required" },
		{ "{\"Targets\":[{\"Id\":\"a\",\"Port\":\"80\"}]}", true, true, -EINVAL,
		  "Targets[0].Port must be an integer 1..65535, not string" },
		{ "{\"Targets\":[{\"Id\":\"a\",\"Port\":80.5}]}", true, true, -EINVAL,
		  "not double" },
		{ "{\"Targets\":[{\"Id\":\"a\",\"Port\":0}]}", true, true, -EINVAL, "not 0" },
		{ "{\"Targets\":[{\"Id\":\"a\",\"Port\":65536}]}", true, true, -EINVAL,
		  "not 65536" },
		{ "{\"Targets\":[{\"Id\":\"a\",\"Port\":-1}]}", true, true, -EINVAL, "not -1" },
		{ "{\"Targets\":[{\"Id\":\"a\",\"Port\":{}}]}", true, true, -EINVAL, "not object" },
		{ "{\"Targets\":[{\"Id\":\"a\",\"Port\":true}]}", true, true, -EINVAL,
		  "not boolean" },
		{ "{}", false, false, -ENOENT, NULL },
		{ "{\"Targets\":[]}", false, false, 0, NULL },
		{ "{\"Targets\":[{\"Id\":\"198.18.1.2\",\"Port\":null}]}", true, true, 0,
		  "198.18.1.2" },
		{ "{\"Targets\":[{\"Id\":\"198.18.1.2\",\"Port\":8080,\"X\":null}]}", true, true, 0,
		  "198.18.1.2" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct json_object *args = json_tokener_parse(rows[i].args);
		struct api_reply r = {};
		struct api_target *v = NULL;
		size_t n = 99;
		int err;

		CHECK(args, "row %zu parses", i);
		err = api_arg_targets(args, "Targets", rows[i].required, rows[i].nonempty, &v, &n,
				      &r);
		if (err != rows[i].err || (err == -EINVAL && strcmp(r.code, API_ERR_VALIDATION)) ||
		    (err == -EINVAL && !strstr(r.message, rows[i].msg)) || (err && (v || n)) ||
		    (!err && rows[i].msg && (!v || n != 1 || strcmp(v[0].id, rows[i].msg)))) {
			printf("  row %zu %s: got %d %s: %s\n", i, rows[i].args, err, r.code,
			       r.message);
			free(v);
			json_object_put(args);
			return false;
		}
		if (!err && v && strstr(rows[i].args, "8080") && v[0].port != 8080) {
			printf("  row %zu: port %u\n", i, v[0].port);
			free(v);
			json_object_put(args);
			return false;
		}
		free(v);
		json_object_put(args);
	}
	return true;
}

/* With no file descriptor left, accept4 fails with EMFILE and the client stays queued, so the
 * listener stays readable: the loop must not call it again and again (it once did, about
 * 400,000 times a second). The queued clients are served once descriptors are free.
 */
static bool test_accept_emfile(void)
{
	struct rlimit old, low;
	struct api_server *api;
	struct loop *loop;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int clients[4] = { -1, -1, -1, -1 }, fill[64], nfill = 0, i;
	long calls = 0;
	uint64_t until;
	bool ok = false;
	char buf[256];

	strcpy(sun.sun_path, sockpath);
	if (loop_new(&loop))
		return false;
	if (api_server_new(loop, sockpath, &api)) {
		loop_free(loop);
		return false;
	}
	api_register(api, "echo", echo_handler, NULL);
	for (i = 0; i < 4; i++) {
		clients[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ENSURE(clients[i] >= 0);
		ENSURE(!connect(clients[i], (struct sockaddr *)&sun, sizeof(sun)));
		ENSURE(send(clients[i], "{\"verb\":\"echo\"}\n", 16, MSG_NOSIGNAL) == 16);
	}
	/* every descriptor below the limit taken: the next accept4 is EMFILE */
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = (rlim_t)clients[3] + 8;
	ENSURE(!setrlimit(RLIMIT_NOFILE, &low));
	while (nfill < 64) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			break;
		fill[nfill++] = fd;
	}
	CHECK(errno == EMFILE, "descriptors used up (%d filled)", nfill);
	until = loop_now() + 600;
	while (loop_now() < until) {
		int n = loop_run_once(loop, 50);

		if (n > 0)
			calls += n;
	}
	printf("  %ld callbacks in 600 ms with no descriptor left\n", calls);
	if (calls > 20) {
		printf("  the loop spins\n");
		goto restore;
	}
	if (api_server_conns(api) != 0) {
		printf("  %u clients taken with no descriptor to take them\n",
		       api_server_conns(api));
		goto restore;
	}
	ok = true;
restore:
	while (nfill)
		close(fill[--nfill]);
	setrlimit(RLIMIT_NOFILE, &old);
	ENSURE(ok);
	/* descriptors back: the clients that waited in the queue get their replies */
	until = loop_now() + 2000;
	for (i = 0; i < 4 && loop_now() < until;) {
		ssize_t n = recv(clients[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);

		if (n > 0) {
			buf[n] = '\0';
			if (!strstr(buf, "\"ok\":true")) {
				printf("  client %d got %s\n", i, buf);
				ok = false;
				break;
			}
			i++;
			continue;
		}
		loop_run_once(loop, 20);
	}
	if (i < 4) {
		printf("  only %d of 4 queued clients served once descriptors were free\n", i);
		ok = false;
	}
out:
	for (i = 0; i < 4; i++)
		if (clients[i] >= 0)
			close(clients[i]);
	api_server_free(api);
	loop_free(loop);
	return ok;
}

/* Runs build/xlbctl with args; its exit status, stdout and stderr in out (joined). */
/* The two shape helpers of handlers and views: the first unknown member by name, and reply
 * data holding an empty list.
 */
static bool test_args_known_and_data_list(void)
{
	static const char *const known[] = { "AutoScalingGroupName", "MinSize", NULL };
	struct json_object *args = json_tokener_parse("{\"AutoScalingGroupName\":\"web\","
						      "\"MinSize\":1,\"MaxSize\":3}");
	struct json_object *data = NULL, *list = NULL, *got = NULL;
	bool ok = false;

	ENSURE(args);
	ENSURE_STR(api_args_known(args, known), "MaxSize");
	json_object_object_del(args, "MaxSize");
	ENSURE(api_args_known(args, known) == NULL, "all known");
	ENSURE(api_args_known(NULL, known) == NULL, "no args");
	ENSURE_INT(api_data_list("Things", &data, &list), ==, 0);
	ENSURE(json_object_object_get_ex(data, "Things", &got) && got == list);
	ENSURE(json_object_is_type(list, json_type_array) && json_object_array_length(list) == 0);
	ENSURE_INT(json_object_object_length(data), ==, 1);
	ok = true;
out:
	json_object_put(data);
	json_object_put(args);
	return ok;
}

static int run_xlbctl(const char *const *argv, char *out, size_t out_len)
{
	int pipefd[2], status;
	size_t got = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execv("build/xlbctl", (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t n = read(pipefd[0], out + got, out_len - got - 1);

		if (n <= 0)
			break;
		got += n;
	}
	out[got] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static bool captured_is(struct server *s, const char *json)
{
	struct json_object *want = json_tokener_parse(json);
	bool ok;

	pthread_mutex_lock(&s->lock);
	ok = want && s->last_args && json_object_equal(want, s->last_args);
	if (!ok)
		printf("  captured %s, expected %s\n", json_object_to_json_string(s->last_args),
		       json);
	pthread_mutex_unlock(&s->lock);
	json_object_put(want);
	return ok;
}

static bool test_xlbctl_options(void)
{
	char out[8192];
	struct server s;
	bool ok = false;
	int rc;

	if (access("build/xlbctl", X_OK))
		SKIP("build/xlbctl not built");
	if (!server_start(&s))
		return false;
	/* each call's arguments as xlbd receives them */
	{
		const struct {
			const char *argv[11], *want;
		} good[] = {
			{ { "xlbctl", "--socket", sockpath, "set-desired-capacity",
			    "--auto-scaling-group-name", "my-app-asg", "--desired-capacity", "4",
			    "--honor-cooldown", NULL },
			  "{\"AutoScalingGroupName\": \"my-app-asg\", \"DesiredCapacity\": 4, "
			  "\"HonorCooldown\": true}" },
			{ { "xlbctl", "register-targets", "--target-group-arn",
			    "arn:aws:elasticloadbalancing:r:1:targetgroup/my-app-tg/1", "--targets",
			    "Id=198.18.1.2,Port=80", "Id=198.18.1.3", "--socket", sockpath, NULL },
			  "{\"TargetGroupArn\": "
			  "\"arn:aws:elasticloadbalancing:r:1:targetgroup/my-app-tg/1\", "
			  "\"Targets\": [{\"Id\": \"198.18.1.2\", \"Port\": 80}, "
			  "{\"Id\": \"198.18.1.3\"}]}" },
			{ { "xlbctl", "--socket", sockpath, "attach-load-balancer-target-groups",
			    "--auto-scaling-group-name=g", "--target-group-arns", "tg1", "tg2",
			    NULL },
			  "{\"AutoScalingGroupName\": \"g\", \"TargetGroupARNs\": [\"tg1\", \"tg2\"]}" },
			{ { "xlbctl", "--socket", sockpath, "describe-target-health",
			    "--target-group-name", "my-app-tg", NULL },
			  "{\"TargetGroupArn\": \"my-app-tg\"}" },
		};

		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			rc = run_xlbctl(good[i].argv, out, sizeof(out));
			if (rc != 0 || !captured_is(&s, good[i].want))
				goto fail;
		}
	}
	/* usage errors: exit 2, nothing sent */
	{
		const char *bad[][8] = {
			{ "xlbctl", "--socket", sockpath, "set-desired-capacity",
			  "--auto-scaling-group-name", "g", NULL },
			{ "xlbctl", "--socket", sockpath, "set-desired-capacity",
			  "--auto-scaling-group-name", "g", "--desired-capacity", "x" },
			{ "xlbctl", "--socket", sockpath, "frobnicate", NULL },
			{ "xlbctl", "--socket", sockpath, "register-targets", "--target-group-arn",
			  "t", "--targets", "Port=80" },
			{ "xlbctl", "--socket", sockpath, "status", "--bogus", NULL },
			{ "xlbctl", NULL },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *argv[9] = { 0 };

			memcpy(argv, bad[i], sizeof(bad[i]));
			rc = run_xlbctl(argv, out, sizeof(out));
			if (rc != 2) {
				printf("  case %zu: exit %d, expected 2: %s\n", i, rc, out);
				goto fail;
			}
		}
	}
	/* an error reply: exit 1 with the AWS CLI's wording */
	{
		const char *argv[] = { "xlbctl", "--socket", sockpath, "status", NULL };

		rc = run_xlbctl(argv, out, sizeof(out));
		if (rc != 1 || !strstr(out, "(InvalidAction) when calling the Status operation")) {
			printf("  error reply: exit %d: %s\n", rc, out);
			goto fail;
		}
	}
	/* --help: exit 0 */
	{
		const char *argv[] = { "xlbctl", "set-desired-capacity", "--help", NULL };

		rc = run_xlbctl(argv, out, sizeof(out));
		if (rc != 0 || !strstr(out, "--desired-capacity")) {
			printf("  --help: exit %d: %s\n", rc, out);
			goto fail;
		}
	}
	ok = true;
fail:
	if (!ok)
		printf("  xlbctl exit %d: %s\n", rc, out);
	server_stop(&s);
	if (ok) {
		/* no daemon: exit 1, naming the socket and how to start xlbd */
		const char *argv[] = { "xlbctl", "--socket", sockpath, "status", NULL };

		rc = run_xlbctl(argv, out, sizeof(out));
		CHECK(rc == 1 && strstr(out, sockpath) && strstr(out, "xlbd --config"),
		      "unreachable: exit %d: %s", rc, out);
	}
	return ok;
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/xlb-test-api.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	/* a subdirectory that api_server_new has to create, as it does /run/xlb */
	snprintf(sockpath, sizeof(sockpath), "%s/run/xlbd.sock", tmpdir);

	RUN(test_round_trip);
	RUN(test_error_replies);
	RUN(test_malformed);
	RUN(test_oversized);
	RUN(test_socket_mode_and_removal);
	RUN(test_stale_live_and_foreign);
	RUN(test_deadline);
	RUN(test_client_errors);
	RUN(test_register);
	RUN(test_hostile_targets);
	RUN(test_accept_emfile);
	RUN(test_xlbctl_options);
	RUN(test_args_known_and_data_list);

	unlink(sockpath);
	snprintf(sockpath, sizeof(sockpath), "%s/run", tmpdir);
	rmdir(sockpath);
	rmdir(tmpdir);
	return check_summary();
}
