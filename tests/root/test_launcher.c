// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The launcher for real, as root: instances launched into namespaces of this run (a scratch
 * load balancer namespace of its own), reached over TCP from it, limited by their cgroups,
 * adopted by a second launcher, terminated without a trace; half-made ones cleaned.
 * Run as `test_launcher --listen PORT`, it is the tiny server the UserData starts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "launcher.h"
#include "log.h"
#include "netns.h"

#define PORT 8080
#define NINST 2

static char prefix[32], lb_name[64], run_dir[PATH_MAX], cg_parent[64], self_exe[PATH_MAX];
static int lb_fd = -1;
static struct loop *loop;
static struct launcher *lch;
static char ids[NINST][LAUNCHER_ID_LEN];
static pid_t inst_pids[NINST][8];
static size_t inst_npids[NINST];
static int n_boot_exited, n_stopped, n_terminated;
static const char *root_skip;

static void on_event(struct launcher *l, const struct launcher_instance *in, enum launcher_event ev,
		     void *arg)
{
	if (ev == LAUNCHER_EV_BOOT_EXITED)
		n_boot_exited++;
	else if (ev == LAUNCHER_EV_STOPPED)
		n_stopped++;
	else if (ev == LAUNCHER_EV_TERMINATED)
		n_terminated++;
}

/* Drives the loop until *counter reaches want or timeout_ms passes. */
static bool wait_for(int *counter, int want, int timeout_ms)
{
	uint64_t end = loop_now() + (uint64_t)timeout_ms;

	while (*counter < want && loop_now() < end)
		loop_run_once(loop, 50);
	return *counter >= want;
}

/* The first line of a command's output that contains needle, or none. */
static bool cmd_has(const char *cmd, const char *needle)
{
	char line[1024];
	bool found = false;
	FILE *p = popen(cmd, "r");

	if (!p)
		return false;
	while (fgets(line, sizeof(line), p))
		found |= strstr(line, needle) != NULL;
	pclose(p);
	return found;
}

static bool file_has(const char *path, const char *needle)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Gone, or a zombie that its new parent (init, after the boot script exited) has yet to reap. */
static bool pid_gone(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* A TCP connection from the load balancer's namespace; what the server says into reply.
 * Retried for a few seconds: the server is started in the background by the boot script.
 */
static int tcp_ask(int family, const void *addr, char *reply, size_t size)
{
	struct timeval tv = { .tv_sec = 2 };
	uint64_t end = loop_now() + 5000;
	int err = -ETIMEDOUT;

	while (loop_now() < end) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int saved, fd;
		ssize_t n;

		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(PORT);
			memcpy(&s4->sin_addr, addr, 4);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(PORT);
			memcpy(&s6->sin6_addr, addr, 16);
			sl = sizeof(*s6);
		}
		if (netns_enter(lb_fd, &saved))
			return -EIO;
		fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		netns_leave(saved);
		if (fd < 0)
			return -errno;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (!connect(fd, (struct sockaddr *)&ss, sl)) {
			n = read(fd, reply, size - 1);
			close(fd);
			if (n > 0) {
				reply[n] = '\0';
				return 0;
			}
			err = n < 0 ? -errno : -ENODATA;
		} else {
			err = -errno;
			close(fd);
		}
		usleep(100 * 1000);
	}
	return err;
}

static bool test_limits_table(void)
{
	const struct model_instance_type *t;
	uint64_t q, p, m;

	t = config_instance_type("t3.nano");
	CHECK(t, "t3.nano in the table");
	launcher_limits(t, 2, 24ull << 30, &q, &p, &m);
	CHECK(q == 25000 && p == 100000 && m == 512ull << 20, "t3.nano: %lu/%lu %lu",
	      (unsigned long)q, (unsigned long)p, (unsigned long)m);
	t = config_instance_type("t2.micro");
	CHECK(t, "t2.micro in the table");
	launcher_limits(t, 2, 24ull << 30, &q, &p, &m);
	CHECK(q == 12500 && m == 1024ull << 20, "t2.micro: %lu %lu", (unsigned long)q,
	      (unsigned long)m);
	t = config_instance_type("c5.xlarge");
	CHECK(t, "c5.xlarge in the table");
	launcher_limits(t, 2, 24ull << 30, &q, &p, &m);
	CHECK(q == 50000 && m == 6ull << 30, "c5.xlarge, memory capped: %lu %lu", (unsigned long)q,
	      (unsigned long)m);
	t = config_instance_type("t3.2xlarge");
	CHECK(t, "t3.2xlarge in the table");
	launcher_limits(t, 2, 24ull << 30, &q, &p, &m);
	CHECK(q == 100000, "8 of 16 vCPUs: one CPU of two: %lu", (unsigned long)q);
	launcher_limits(t, 1, 24ull << 30, &q, &p, &m);
	CHECK(q == 50000, "on one CPU: half of it: %lu", (unsigned long)q);
	return true;
}

static bool test_id_shape(void)
{
	char a[LAUNCHER_ID_LEN], b[LAUNCHER_ID_LEN];
	int i;

	CHECK(!launcher_id_new(a) && !launcher_id_new(b), "ids made");
	CHECK(strlen(a) == 19 && !strncmp(a, "i-", 2), "shape: %s", a);
	for (i = 2; i < 19; i++)
		CHECK((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'), "hex: %s", a);
	CHECK(strcmp(a, b), "random: %s twice", a);
	return true;
}

static int launcher_open(void)
{
	struct launcher_conf conf = {
		.run_dir = run_dir,
		.ns_prefix = prefix,
		.if_prefix = "xlbt",
		.cgroup_parent = cg_parent,
		.lb_nsfd = lb_fd,
		.pool4_len = 24,
		.block4_len = 30,
		.has6 = true,
		.pool6_len = 120,
		.grace_ms = 1000,
		.poll_ms = 200,
		.tx_csum_off = true, /* as for xlb in XDP; checked below */
	};

	inet_pton(AF_INET, "198.18.100.0", &conf.pool4);
	inet_pton(AF_INET6, "2001:2:0:100::", &conf.pool6);
	return launcher_new(loop, &conf, on_event, NULL, &lch);
}

static bool test_launch(void)
{
	const struct model_instance_type *t = config_instance_type("t3.nano");
	const struct launcher_instance *in;
	char ud[PATH_MAX + 512];
	int i, err;

	if (root_skip)
		SKIP(root_skip);
	snprintf(ud, sizeof(ud),
		 "env | grep '^XLB_' | sort > \"$XLB_STATE_DIR/env\"\n"
		 "echo \"booting $XLB_INSTANCE_ID\"\n"
		 "sleep 600 &\n"
		 "'%s' --listen %d &\n"
		 "echo booted\n",
		 self_exe, PORT);
	n_boot_exited = 0;
	for (i = 0; i < NINST; i++) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = launcher_launch(lch, "test-asg", "test-lc", t, NULL, ud, strlen(ud), &in);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK(!err, "launch %d: %s", i, strerror(-err));
		printf("# launch %d: launcher_launch took %.1f ms (namespaces, veth, cgroup, root)\n",
		       i, (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
		snprintf(ids[i], sizeof(ids[i]), "%s", in->id);
		CHECK(in->state == LAUNCHER_RUNNING && in->pid > 0, "running with a pid");
	}
	/* the boot scripts leave their servers running: the instances run on */
	for (i = 0; i < NINST; i++) {
		char con[4096];
		size_t len = 0;
		uint64_t end = loop_now() + 10000;

		while (loop_now() < end && (launcher_console(lch, ids[i], con, sizeof(con), &len) ||
					    !strstr(con, "booted")))
			loop_run_once(loop, 50);
		CHECK(strstr(con, "booted"), "%s booted: %s", ids[i], con);
	}
	CHECK(n_boot_exited == 0, "no instance ended: %d", n_boot_exited);
	return true;
}

/* Namespaces other than ours, and its processes (beside the init) bounded: no CAP_SYS_ADMIN,
 * no_new_privs.
 */
static bool sandboxed(const struct launcher_instance *in, int idx)
{
	static const char *const nss[] = { "pid", "mnt", "uts", "ipc", "cgroup", "net" };
	char a[PATH_MAX], b[64], c[64], line[256];
	size_t i, k, nsrv = 0;
	FILE *f;

	for (i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
		ssize_t n1, n2;

		snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)in->pid, nss[i]);
		n1 = readlink(a, b, sizeof(b) - 1);
		snprintf(a, sizeof(a), "/proc/self/ns/%s", nss[i]);
		n2 = readlink(a, c, sizeof(c) - 1);
		CHECK(n1 > 0 && n2 > 0, "%s namespace links", nss[i]);
		b[n1] = c[n2] = '\0';
		CHECK(strcmp(b, c), "its own %s namespace: %s", nss[i], b);
	}
	for (k = 0; k < inst_npids[idx] && k < 8; k++) {
		pid_t p = inst_pids[idx][k];
		unsigned long long eff = ~0ull;
		int nnp = -1;

		if (p == in->pid)
			continue;
		snprintf(a, sizeof(a), "/proc/%d/status", (int)p);
		f = fopen(a, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "CapEff: %llx", &eff);
			sscanf(line, "NoNewPrivs: %d", &nnp);
		}
		fclose(f);
		CHECK(!(eff & (1ull << 21)) && !(eff & (1ull << 12)), "pid %d: CapEff %llx", (int)p,
		      eff);
		CHECK(nnp == 1, "pid %d: no_new_privs %d", (int)p, nnp);
		nsrv++;
	}
	CHECK(nsrv >= 2, "its processes looked at: %zu", nsrv);
	return true;
}

static bool test_instances_work(void)
{
	const struct cgroup_sys *cg;
	char cmd[256], path[PATH_MAX + 64], want[PATH_MAX + 64], reply[128], con[4096];
	uint64_t q, p, m, usec;
	size_t len;
	int i, err;

	if (root_skip)
		SKIP(root_skip);
	cg = launcher_cgroup(lch);
	for (i = 0; i < NINST; i++) {
		const struct launcher_instance *in = launcher_find(lch, ids[i]);

		CHECK(in, "instance %s known", ids[i]);
		CHECK(cmd_has("ip netns list", in->netns), "ip netns list shows %s", in->netns);
		CHECK(netns_ifindex(lb_fd, in->host_if) > 0, "host end %s", in->host_if);
		snprintf(cmd, sizeof(cmd), "ip -n %s -4 addr show dev eth0", in->netns);
		snprintf(want, sizeof(want), "inet %s/30", in->ip4_str);
		CHECK(cmd_has(cmd, want), "%s: %s", cmd, want);
		snprintf(cmd, sizeof(cmd), "ip -n %s -6 route show default", in->netns);
		CHECK(cmd_has(cmd, "via 2001:2:0:100::"), "%s", cmd);
		snprintf(cmd, sizeof(cmd), "ip -n %s -4 route show default", in->netns);
		CHECK(cmd_has(cmd, "via 198.18.100."), "%s", cmd);
		{
			int nsfd = netns_open(in->netns);

			CHECK(nsfd >= 0, "open %s", in->netns);
			err = netns_tx_csum_get(nsfd, "eth0");
			close(nsfd);
			CHECK(err == 0, "tx checksum offload off on eth0: %d", err);
		}
		/* the instance's own root, seen from here through its init */
		snprintf(path, sizeof(path), "/proc/%d/root/var/lib/xlb/env", (int)in->pid);
		snprintf(want, sizeof(want), "XLB_INSTANCE_ID=%s", in->id);
		CHECK(file_has(path, want), "%s has %s", path, want);
		snprintf(want, sizeof(want), "XLB_INSTANCE_IP=%s", in->ip4_str);
		CHECK(file_has(path, want), "%s has %s", path, want);
		snprintf(want, sizeof(want), "XLB_STATE_DIR=/var/lib/xlb");
		CHECK(file_has(path, want), "%s has %s", path, want);

		err = tcp_ask(AF_INET, &in->ip4, reply, sizeof(reply));
		CHECK(!err, "TCP to %s:%d from the lb namespace: %s", in->ip4_str, PORT,
		      strerror(-err));
		CHECK(strstr(reply, in->id), "the server names its instance: %s", reply);
		err = tcp_ask(AF_INET6, &in->ip6, reply, sizeof(reply));
		CHECK(!err && strstr(reply, in->id), "TCP over IPv6: %s", strerror(-err));

		if (cg->mode != CGROUP_NONE) {
			CHECK(!cgroup_limits(cg, in->id, &q, &p, &m), "limits read");
			if (cg->mode == CGROUP_V2 || cg->cpu[0]) {
				uint64_t eq, ep, em;

				/* the type's share of this host (launcher_limits' table) */
				launcher_limits(config_instance_type(in->itype),
						(unsigned int)sysconf(_SC_NPROCESSORS_ONLN), 0, &eq,
						&ep, &em);
				CHECK(q == in->quota_us && p == 100000 && q == eq,
				      "cpu quota %lu/%lu, want %lu", (unsigned long)q,
				      (unsigned long)p, (unsigned long)eq);
			}
			if (cg->mode == CGROUP_V2 || cg->memory[0])
				CHECK(m == 512ull << 20, "memory limit %lu", (unsigned long)m);
			CHECK(!cgroup_pids(cg, in->id, inst_pids[i], 8, &inst_npids[i]),
			      "pids read");
			CHECK(inst_npids[i] >= 3, "init, sleep and the server in the cgroup: %zu",
			      inst_npids[i]);
			if (cg->mode == CGROUP_V2 ? cg->v2_pids : cg->pids[0] != '\0')
				CHECK(cgroup_pids_max(cg, in->id) ==
					      launcher_pids_max(config_instance_type(in->itype)),
				      "pids.max %lu", (unsigned long)cgroup_pids_max(cg, in->id));
		}
		CHECK(sandboxed(in, i), "%s is sandboxed", in->id);
		if (cg->mode != CGROUP_NONE) {
			CHECK(!launcher_cpu_usage(lch, in->id, &usec) || !cg->acct[0],
			      "cpu usage read");
		}
		CHECK(!launcher_console(lch, in->id, con, sizeof(con), &len), "console read");
		snprintf(want, sizeof(want), "booting %s", in->id);
		CHECK(strstr(con, want) && strstr(con, "booted"), "console output: %s", con);
	}
	return true;
}

static bool test_adopt(void)
{
	const struct launcher_instance *in;
	char reply[128];
	int i, n, err;

	if (root_skip)
		SKIP(root_skip);
	launcher_free(lch);
	lch = NULL;
	err = launcher_open();
	CHECK(!err, "second launcher: %s", strerror(-err));
	n = launcher_scan(lch);
	CHECK(n == NINST, "adopted %d", n);
	for (i = 0; i < NINST; i++) {
		in = launcher_find(lch, ids[i]);
		CHECK(in && in->adopted && in->state == LAUNCHER_RUNNING, "%s adopted", ids[i]);
		CHECK(strstr(in->host_if, "xlbt") && in->ip4.s_addr, "its record read back");
		CHECK(!strcmp(in->group, "test-asg") && !strcmp(in->launch, "test-lc"),
		      "its group and launch configuration read back: '%s' '%s'", in->group,
		      in->launch);
		err = tcp_ask(AF_INET, &in->ip4, reply, sizeof(reply));
		CHECK(!err && strstr(reply, in->id), "still serving: %s", strerror(-err));
	}
	/* a second scan adopts nothing twice */
	CHECK(launcher_scan(lch) == 0, "rescan is a no-op");
	return true;
}

/* What a launcher killed in the middle of a launch leaves: a record saying "creating", a
 * namespace, a veth and a cgroup with a process in it.
 */
static bool test_half_made(void)
{
	const struct cgroup_sys *cg;
	char id[LAUNCHER_ID_LEN], ns[NETNS_NAME_MAX], dir[PATH_MAX + 32], path[PATH_MAX + 64];
	char bare[LAUNCHER_ID_LEN], bare_dir[PATH_MAX + 32];
	int nsfd, before = n_terminated, err;
	FILE *f;
	pid_t pid = -1;

	if (root_skip)
		SKIP(root_skip);
	cg = launcher_cgroup(lch);
	CHECK(!launcher_id_new(id) && !launcher_id_new(bare), "ids");
	snprintf(ns, sizeof(ns), "%s%s", prefix, id);
	snprintf(dir, sizeof(dir), "%s/%s", run_dir, id);
	CHECK(!mkdir(dir, 0700), "mkdir %s", dir);
	snprintf(path, sizeof(path), "%s/instance", dir);
	f = fopen(path, "w");
	CHECK(f, "state file");
	fprintf(f, "id=%s\nphase=creating\nslot=200\nnetns=%s\nhost_if=xlbt200\n", id, ns);
	fclose(f);
	CHECK(!netns_create(ns), "namespace");
	nsfd = netns_open(ns);
	CHECK(nsfd >= 0, "open namespace");
	err = netns_veth_create(lb_fd, "xlbt200", nsfd, "eth0");
	close(nsfd);
	CHECK(!err, "veth: %s", strerror(-err));
	if (cg->mode != CGROUP_NONE) {
		CHECK(!cgroup_create(cg, id, 100000, 100000, 64 << 20, 64), "cgroup");
		pid = fork();
		if (pid == 0) {
			execlp("sleep", "sleep", "600", (char *)NULL);
			_exit(127);
		}
		CHECK(pid > 0 && !cgroup_attach(cg, id, pid), "a process in it");
	}
	/* and a directory cut before its record was written */
	snprintf(bare_dir, sizeof(bare_dir), "%s/%s", run_dir, bare);
	CHECK(!mkdir(bare_dir, 0700), "mkdir %s", bare_dir);

	CHECK(launcher_scan(lch) == 0, "nothing adopted");
	CHECK(wait_for(&n_terminated, before + 2, 10000), "both cleaned: %d",
	      n_terminated - before);
	CHECK(!netns_exists(ns), "namespace gone");
	CHECK(netns_ifindex(lb_fd, "xlbt200") == -ENODEV, "veth gone");
	CHECK(!cgroup_exists(cg, id), "cgroup gone");
	if (pid > 0) {
		int st = 0;

		CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "its process was killed");
	}
	CHECK(access(dir, F_OK) && access(bare_dir, F_OK), "directories gone");
	CHECK(!launcher_find(lch, id) && !launcher_find(lch, bare), "records gone");
	return true;
}

static bool test_terminate(void)
{
	const struct cgroup_sys *cg;
	struct launcher_instance copy[NINST];
	int i, before = n_terminated;
	size_t k;

	if (root_skip)
		SKIP(root_skip);
	cg = launcher_cgroup(lch);
	for (i = 0; i < NINST; i++) {
		const struct launcher_instance *in = launcher_find(lch, ids[i]);

		CHECK(in, "%s known", ids[i]);
		copy[i] = *in;
		CHECK(!launcher_terminate(lch, ids[i]), "terminate %s", ids[i]);
	}
	CHECK(launcher_terminate(lch, "i-00000000000000000") == -ENOENT, "unknown id");
	CHECK(wait_for(&n_terminated, before + NINST, 10000), "terminated: %d",
	      n_terminated - before);
	for (i = 0; i < NINST; i++) {
		CHECK(!launcher_find(lch, ids[i]), "record gone");
		CHECK(!cmd_has("ip netns list", copy[i].netns), "%s gone from ip netns list",
		      copy[i].netns);
		CHECK(netns_ifindex(lb_fd, copy[i].host_if) == -ENODEV, "%s gone", copy[i].host_if);
		CHECK(!cgroup_exists(cg, ids[i]), "cgroup gone");
		CHECK(access(copy[i].dir, F_OK), "%s gone", copy[i].dir);
		for (k = 0; k < inst_npids[i] && k < 8; k++)
			CHECK(pid_gone(inst_pids[i][k]), "pid %d gone", (int)inst_pids[i][k]);
	}
	return true;
}

/* path made, with the directories before it, under root. */
static int image_mkdirs(const char *root, const char *path)
{
	char buf[PATH_MAX * 2], *p;

	snprintf(buf, sizeof(buf), "%s/%s", root, path);
	for (p = buf + strlen(root) + 1; (p = strchr(p + 1, '/'));) {
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* The file at path (symlinks followed) copied to the same path under root. */
static int image_copy(const char *root, const char *path)
{
	char to[PATH_MAX * 2], buf[65536];
	int in, out, err = 0;
	ssize_t n;

	if (path[0] != '/' || image_mkdirs(root, path))
		return -EINVAL;
	snprintf(to, sizeof(to), "%s%s", root, path);
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	close(out);
	return err;
}

/* A program and the libraries ldd names for it, copied into the image at root. */
static int image_add_program(const char *root, const char *prog)
{
	char cmd[PATH_MAX + 16], line[1024], *p, *q;
	int err = image_copy(root, prog), n = 0;
	FILE *f;

	if (err)
		return err;
	snprintf(cmd, sizeof(cmd), "ldd '%s'", prog);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	/* "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)", "/lib64/ld-linux... (0x...)" */
	while (!err && fgets(line, sizeof(line), f)) {
		p = strstr(line, "=> ");
		p = p ? p + 3 : line + strspn(line, " \t");
		if (*p != '/')
			continue;
		q = p + strcspn(p, " \t\n");
		*q = '\0';
		err = image_copy(root, p);
		n++;
	}
	pclose(f);
	return err ? err : n ? 0 : -ENOENT;
}

static int image_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) ? -1 : 0;
}

/* A directory image as the instance's root: the instance sees that image (its marker) and not
 * the host's files; what it writes lands in its upper layer, visible in its own root only,
 * and the image's directory is left as it was. The image: /bin/sh and sleep with their
 * libraries (by ldd), an empty /etc, a marker file.
 */
static bool test_image(void)
{
	const struct model_instance_type *t = config_instance_type("t2.nano");
	const struct launcher_instance *in;
	char img[64], path[PATH_MAX], marker[64], con[4096] = "", id[LAUNCHER_ID_LEN];
	static const char ud[] =
		"#!/bin/sh\n"
		"read m </xlb-image-marker; echo \"marker: $m\"\n"
		"if [ -e /etc/passwd ]; then echo host-visible; else echo host-hidden; fi\n"
		"echo changed >/xlb-image-marker && echo instance >/etc/xlb-written &&\n"
		"  read m </xlb-image-marker && echo \"wrote: $m\"\n"
		"echo image-booted\n"
		"exec /bin/sleep 60\n";
	int te = n_terminated, err, fd;
	struct timespec t0, t1;
	uint64_t end;
	size_t len = 0;
	bool ok = false;

	if (root_skip)
		SKIP(root_skip);
	CHECK(!access("/etc/passwd", F_OK), "the host has /etc/passwd, which the image lacks");
	snprintf(img, sizeof(img), "/tmp/xlb-test-%d-image", (int)getpid());
	snprintf(marker, sizeof(marker), "image-%d", (int)getpid());
	CHECK(!mkdir(img, 0755), "mkdir %s: %s", img, strerror(errno));
	snprintf(path, sizeof(path), "%s/etc", img);
	ENSURE(!mkdir(path, 0755), "mkdir %s", path);
	ENSURE(!(err = image_add_program(img, "/bin/sh")), "/bin/sh into the image: %s",
	       strerror(-err));
	ENSURE(!(err = image_add_program(img, "/bin/sleep")), "sleep into the image: %s",
	       strerror(-err));
	snprintf(path, sizeof(path), "%s/xlb-image-marker", img);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ENSURE(fd >= 0 && dprintf(fd, "%s\n", marker) > 0, "marker written");
	close(fd);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = launcher_launch(lch, NULL, NULL, t, img, ud, strlen(ud), &in);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ENSURE(!err, "launch from %s: %s", img, strerror(-err));
	printf("# launch from a directory image: launcher_launch took %.1f ms\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	snprintf(id, sizeof(id), "%s", in->id);
	end = loop_now() + 10000;
	while (loop_now() < end &&
	       (launcher_console(lch, id, con, sizeof(con), &len) || !strstr(con, "image-booted")))
		loop_run_once(loop, 50);
	ENSURE(strstr(con, "image-booted"), "booted from the image: %s", con);
	ENSURE(strstr(con, "marker: image-"), "the image's marker seen: %s", con);
	ENSURE(strstr(con, marker), "this run's marker: %s", con);
	ENSURE(strstr(con, "host-hidden\n"), "the host's /etc/passwd not seen: %s", con);
	ENSURE(strstr(con, "wrote: changed"), "the instance wrote over the image: %s", con);
	/* its writes: in its own root, not in the image */
	in = launcher_find(lch, id);
	ENSURE(in && in->pid > 0, "running");
	snprintf(path, sizeof(path), "/proc/%d/root/xlb-image-marker", (int)in->pid);
	ENSURE(file_has(path, "changed"), "%s changed in the instance", path);
	snprintf(path, sizeof(path), "/proc/%d/root/etc/xlb-written", (int)in->pid);
	ENSURE(file_has(path, "instance"), "%s written in the instance", path);
	snprintf(path, sizeof(path), "%s/xlb-image-marker", img);
	ENSURE(file_has(path, marker), "%s unchanged", path);
	snprintf(path, sizeof(path), "%s/etc/xlb-written", img);
	ENSURE(access(path, F_OK) && errno == ENOENT, "%s not in the image", path);
	ENSURE(!launcher_terminate(lch, id), "terminate");
	ENSURE(wait_for(&n_terminated, te + 1, 10000), "terminated");
	snprintf(path, sizeof(path), "%s/xlb-image-marker", img);
	ENSURE(file_has(path, marker), "%s unchanged after the instance", path);
	ok = true;
out:
	if (nftw(img, image_rm_one, 16, FTW_DEPTH | FTW_PHYS))
		printf("  cannot remove %s: %s\n", img, strerror(errno));
	return ok;
}

/* A boot script that leaves nothing behind: the instance stops, as EC2 would see it. */
static bool test_stops(void)
{
	const struct model_instance_type *t = config_instance_type("t2.nano");
	const struct launcher_instance *in;
	char id[LAUNCHER_ID_LEN], out[256];
	int st = n_stopped, te = n_terminated, err;
	size_t len;

	if (root_skip)
		SKIP(root_skip);
	err = launcher_launch(lch, NULL, NULL, t, NULL, "#!/bin/sh\necho short-lived\nexit 3\n", 35,
			      &in);
	CHECK(!err, "launch: %s", strerror(-err));
	snprintf(id, sizeof(id), "%s", in->id);
	CHECK(wait_for(&n_stopped, st + 1, 5000), "stopped");
	in = launcher_find(lch, id);
	CHECK(in && in->state == LAUNCHER_STOPPED, "state stopped");
	CHECK(WIFEXITED(in->boot_status) && WEXITSTATUS(in->boot_status) == 3, "exit status 3");
	CHECK(!launcher_console(lch, id, out, sizeof(out), &len) && strstr(out, "short-lived"),
	      "console: %s", out);
	CHECK(!launcher_terminate(lch, id), "terminate");
	CHECK(wait_for(&n_terminated, te + 1, 5000), "terminated");
	return true;
}

static int listen_main(int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	const char *id = getenv("XLB_INSTANCE_ID");
	int fd, c, off = 0, on = 1;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		perror("listen");
		return 1;
	}
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		dprintf(c, "%s\n", id ? id : "?");
		close(c);
	}
}

int main(int argc, char **argv)
{
	ssize_t n;
	int err;

	if (argc == 3 && !strcmp(argv[1], "--listen"))
		return listen_main(atoi(argv[2]));
	signal(SIGPIPE, SIG_IGN);
	log_set_level(getenv("XLB_TEST_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = '\0';
	snprintf(prefix, sizeof(prefix), "xlbt%d-", (int)getpid());
	snprintf(lb_name, sizeof(lb_name), "%slb", prefix);
	snprintf(run_dir, sizeof(run_dir), "/run/xlb-test-%d", (int)getpid());
	snprintf(cg_parent, sizeof(cg_parent), "xlb-test-%d", (int)getpid());

	RUN(test_limits_table);
	RUN(test_id_shape);

	if (geteuid() != 0) {
		root_skip = "needs root (namespaces, cgroups)";
	} else if ((err = netns_create(lb_name)) || (lb_fd = netns_open(lb_name)) < 0) {
		root_skip = "cannot make a network namespace here";
	} else if ((err = loop_new(&loop)) || (err = launcher_open())) {
		printf("  setup: %s\n", strerror(-err));
		root_skip = "launcher setup failed";
	}
	if (!root_skip)
		printf("  cgroups: %s\n", cgroup_mode_name(launcher_cgroup(lch)->mode));
	RUN(test_launch);
	RUN(test_instances_work);
	RUN(test_adopt);
	RUN(test_half_made);
	RUN(test_terminate);
	RUN(test_stops);
	RUN(test_image);

	/* whatever a failed case left: terminate it, then the namespace and files of this run */
	if (lch) {
		struct cgroup_sys cg = *launcher_cgroup(lch);
		const struct launcher_instance *left[LAUNCHER_SLOTS_MAX];
		size_t i, nl = launcher_list(lch, left, LAUNCHER_SLOTS_MAX);
		int want = n_terminated + (int)nl;
		char ids_left[LAUNCHER_SLOTS_MAX][LAUNCHER_ID_LEN];

		for (i = 0; i < nl; i++)
			snprintf(ids_left[i], sizeof(ids_left[i]), "%s", left[i]->id);
		for (i = 0; i < nl; i++)
			launcher_terminate(lch, ids_left[i]);
		wait_for(&n_terminated, want, 10000);
		launcher_free(lch);
		cgroup_remove_parent(&cg);
	}
	if (loop)
		loop_free(loop);
	if (lb_fd >= 0) {
		close(lb_fd);
		netns_delete(lb_name);
	}
	if (!root_skip)
		rmdir(run_dir);
	return check_summary();
}
