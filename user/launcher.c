// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Instances made and destroyed. Each has a directory RUN_DIR/ID holding its state file (written
 * before anything is made, so a killed xlbd leaves a record of what to adopt or clean), its
 * boot script, its console log and its private state directory. Exits are watched with pidfds
 * on the caller's loop; terminations and liveness checks run on timers.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "launcher.h"
#include "log.h"

#define LAUNCHER_PERIOD_US 100000  /* the CFS period: 100 ms, the kernel's default */
#define LAUNCHER_PIDS_PER_VCPU 256 /* pids.max: processes and threads per vCPU */
#define LAUNCHER_PIDS_MAX 4096
#define LAUNCHER_TERM_TICK_MS 50   /* how often a termination looks at what is left */
#define LAUNCHER_STATE "instance"  /* the state file, key=value lines */
#define LAUNCHER_CONSOLE "console" /* the console ring (launcher_ring_put) */
#define LAUNCHER_SCRIPT "user-data"
#define LAUNCHER_ROOT "root"	/* mount point of the instance's tmpfs, in its namespace only */
#define LAUNCHER_START_MS 10000 /* the init's set-up, at most */
/* inside the instance, as cloud-init has them on EC2 */
#define LAUNCHER_IN_SCRIPT_DIR "/var/lib/cloud/instance"
#define LAUNCHER_IN_SCRIPT LAUNCHER_IN_SCRIPT_DIR "/user-data.txt"
#define LAUNCHER_IN_STATE "/var/lib/xlb" /* XLB_STATE_DIR, in the upper layer */

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

struct launcher_rec {
	struct launcher_instance pub;
	struct launcher *owner;
	int pidfd;		 /* the instance's init while it runs, else -1 */
	struct loop_timer timer; /* terminating: the teardown tick */
	uint64_t kill_at;	 /* loop_now() when SIGTERM turns to SIGKILL */
	bool killed;
};

struct launcher {
	struct loop *loop;
	struct launcher_conf conf;
	char *run_dir, *ns_prefix, *if_prefix, *cg_parent, *hide_dir;
	struct cgroup_sys cg;
	launcher_cb cb;
	void *arg;
	unsigned int nblocks;
	struct launcher_rec *blocks[LAUNCHER_SLOTS_MAX];
	struct loop_timer poll;
	unsigned int host_cpus;
	uint64_t host_mem;
	/* the boot scripts' PATH: the launching program's own directory first, so that the
	 * tools beside it (xlb-backend) are found in a build tree as well as installed
	 */
	char path_env[PATH_MAX + 4096];
	/* where that directory lies under /tmp or /run, which an instance gets fresh: the top
	 * directory below them that holds it ("/tmp/ci-check"), bound read-only into every
	 * instance so that the PATH above finds its tools; "" elsewhere
	 */
	char tools_top[256];
};

/* Instance types on this host, which plays a machine of LAUNCHER_HOST_VCPUS vCPUs carved into
 * instances, as a cloud host is. AWS's vCPUs and memory (config.c's table) become:
 *   CPU quota  = vCPUs x (host CPUs / LAUNCHER_HOST_VCPUS) of a CPU, per 100 ms period, at most
 *                the whole host. Burstable types (t2, t3) run at their burst ceiling, as in
 *                AWS's "unlimited" mode: their baseline would starve a health-checked server.
 *   memory.max = min(AWS memory, a quarter of host RAM), so a few instances cannot take the host.
 * So ten t3.micro fill a host, and CPU-based scaling has something to show on two cores. On a
 * host of 2 CPUs and 24 GiB (one vCPU = 12.5% of a CPU):
 *   t2.nano 12.5% 512M   t2.micro 12.5% 1G    t2.small 12.5% 2G    t2.medium 25% 4G
 *   t3.nano 25% 512M     t3.micro 25% 1G      t3.small 25% 2G      t3.medium 25% 4G
 *   t3.large 25% 6G      t3.xlarge 50% 6G     t3.2xlarge 100% 6G   m5.large 25% 6G
 *   m5.xlarge 50% 6G     c5.large 25% 4G      c5.xlarge 50% 6G
 */
void launcher_limits(const struct model_instance_type *itype, unsigned int host_cpus,
		     uint64_t host_mem, uint64_t *quota_us, uint64_t *period_us,
		     uint64_t *mem_bytes)
{
	uint64_t vcpus = itype->vcpus ? itype->vcpus : 1;
	uint64_t mem = (uint64_t)itype->memory_mib << 20;
	uint64_t cpus = host_cpus ? host_cpus : 1;
	uint64_t quota = vcpus * cpus * LAUNCHER_PERIOD_US / LAUNCHER_HOST_VCPUS;

	if (quota > cpus * LAUNCHER_PERIOD_US)
		quota = cpus * LAUNCHER_PERIOD_US;
	if (quota < 1000) /* the kernel's smallest cfs quota */
		quota = 1000;
	if (host_mem && mem > host_mem / 4)
		mem = host_mem / 4;
	*period_us = LAUNCHER_PERIOD_US;
	*quota_us = quota;
	*mem_bytes = mem;
}

uint64_t launcher_pids_max(const struct model_instance_type *itype)
{
	uint64_t v = (uint64_t)(itype->vcpus ? itype->vcpus : 1) * LAUNCHER_PIDS_PER_VCPU;

	return v > LAUNCHER_PIDS_MAX ? LAUNCHER_PIDS_MAX : v;
}

int launcher_id_new(char id[LAUNCHER_ID_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[17];
	int i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	id[0] = 'i';
	id[1] = '-';
	for (i = 0; i < 17; i++)
		id[2 + i] = hex[rnd[i] & 15];
	id[19] = '\0';
	return 0;
}

static bool launcher_id_ok(const char *id)
{
	size_t i;

	if (strlen(id) != LAUNCHER_ID_LEN - 1 || strncmp(id, "i-", 2))
		return false;
	for (i = 2; i < LAUNCHER_ID_LEN - 1; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

static struct launcher_rec *launcher_rec(const struct launcher *l, const char *id)
{
	unsigned int i;

	for (i = 0; i < LAUNCHER_SLOTS_MAX; i++)
		if (l->blocks[i] && !strcmp(l->blocks[i]->pub.id, id))
			return l->blocks[i];
	return NULL;
}

const struct launcher_instance *launcher_find(const struct launcher *l, const char *id)
{
	struct launcher_rec *r = launcher_rec(l, id);

	return r ? &r->pub : NULL;
}

size_t launcher_list(const struct launcher *l, const struct launcher_instance **out, size_t max)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < LAUNCHER_SLOTS_MAX; i++)
		if (l->blocks[i]) {
			if (n < max)
				out[n] = &l->blocks[i]->pub;
			n++;
		}
	return n;
}

const struct cgroup_sys *launcher_cgroup(const struct launcher *l)
{
	return &l->cg;
}

/* The addresses of an address block: its first usable pair. */
static void launcher_addrs(const struct launcher *l, unsigned int block,
			   struct launcher_instance *in)
{
	uint32_t bs = 1u << (32 - l->conf.block4_len);
	uint32_t base = ntohl(l->conf.pool4.s_addr) & ~((1ull << (32 - l->conf.pool4_len)) - 1);
	uint32_t blk = base + block * bs, low;

	in->gw4.s_addr = htonl(bs == 2 ? blk : blk + 1);
	in->ip4.s_addr = htonl(bs == 2 ? blk + 1 : blk + 2);
	inet_ntop(AF_INET, &in->ip4, in->ip4_str, sizeof(in->ip4_str));
	in->has6 = l->conf.has6;
	if (!in->has6)
		return;
	/* blocks are few enough (nblocks) that the low 32 bits never carry out of the pool */
	in->gw6 = l->conf.pool6;
	memcpy(&low, &in->gw6.s6_addr[12], 4);
	low = htonl(ntohl(low) + block * 4 + 1);
	memcpy(&in->gw6.s6_addr[12], &low, 4);
	in->ip6 = in->gw6;
	low = htonl(ntohl(low) + 1);
	memcpy(&in->ip6.s6_addr[12], &low, 4);
}

static int launcher_dir_path(const struct launcher *l, const char *id, const char *file, char *buf,
			     size_t size)
{
	int n = file ? snprintf(buf, size, "%s/%s/%s", l->run_dir, id, file) :
		       snprintf(buf, size, "%s/%s", l->run_dir, id);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The state file, replaced atomically: a crash leaves the old or the new one. */
static int launcher_save(struct launcher_rec *r, const char *phase)
{
	const struct launcher_instance *in = &r->pub;
	char path[PATH_MAX + 32], tmp[PATH_MAX + 40], ip6[INET6_ADDRSTRLEN] = "";
	FILE *f;
	int err = 0;

	if (in->has6)
		inet_ntop(AF_INET6, &in->ip6, ip6, sizeof(ip6));
	snprintf(path, sizeof(path), "%s/%s", in->dir, LAUNCHER_STATE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f,
		/* "slot": the address block, as the state files have always named it */
		"id=%s\nphase=%s\nslot=%u\nnetns=%s\nhost_if=%s\nip4=%s\nip6=%s\nitype=%s\n"
		"pid=%d\nlaunched=%" PRId64 "\nquota_us=%" PRIu64 "\nperiod_us=%" PRIu64
		"\nmem_bytes=%" PRIu64 "\npids_max=%" PRIu64 "\ngroup=%s\nlaunch=%s\n",
		in->id, phase, in->block, in->netns, in->host_if, in->ip4_str, ip6, in->itype,
		(int)in->pid, in->launched, in->quota_us, in->period_us, in->mem_bytes,
		in->pids_max, in->group, in->launch);
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int launcher_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) && errno != ENOENT ? -1 : 0;
}

static void launcher_rmtree(const char *dir)
{
	if (nftw(dir, launcher_rm_one, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		log_warn("instance directory %s: cannot remove: %s", dir, strerror(errno));
}

/* Removes what exists of an instance, processes already gone or killed. -EBUSY while the
 * cgroup still holds exiting processes.
 */
static int launcher_teardown(struct launcher *l, struct launcher_rec *r)
{
	struct launcher_instance *in = &r->pub;
	int err;

	err = cgroup_remove(&l->cg, in->id);
	if (err == -EBUSY)
		return err;
	if (err)
		log_warn("instance %s: cgroup: %s", in->id, strerror(-err));
	/* the host end first: a namespace is freed asynchronously, and its veth with it */
	if (in->host_if[0]) {
		err = netns_link_delete(l->conf.lb_nsfd, in->host_if);
		if (err && err != -ENODEV)
			log_warn("instance %s: delete link %s: %s", in->id, in->host_if,
				 strerror(-err));
	}
	if (in->netns[0]) {
		err = netns_delete(in->netns);
		if (err && err != -ENOENT)
			log_warn("instance %s: delete namespace %s: %s", in->id, in->netns,
				 strerror(-err));
	}
	if (in->dir[0])
		launcher_rmtree(in->dir);
	return 0;
}

static void launcher_rec_free(struct launcher *l, struct launcher_rec *r)
{
	if (r->pidfd >= 0) {
		loop_fd_del(l->loop, r->pidfd);
		close(r->pidfd);
	}
	loop_timer_disarm(l->loop, &r->timer);
	if (l->blocks[r->pub.block] == r)
		l->blocks[r->pub.block] = NULL;
	free(r);
}

static void launcher_emit(struct launcher *l, struct launcher_rec *r, enum launcher_event ev)
{
	if (l->cb)
		l->cb(l, &r->pub, ev, l->arg);
}

static size_t launcher_nprocs(struct launcher *l, struct launcher_rec *r)
{
	pid_t pids[1];
	size_t n = 0;

	cgroup_pids(&l->cg, r->pub.id, pids, 1, &n);
	return n;
}

/* By handle only: the init's pidfd, never a pid read earlier. */
static int launcher_signal(struct launcher_rec *r, int sig)
{
	if (r->pidfd < 0)
		return -ESRCH;
	return syscall(SYS_pidfd_send_signal, r->pidfd, sig, NULL, 0) ? -errno : 0;
}

static void launcher_term_tick(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct launcher_rec *r = arg;
	struct launcher *l = r->owner;

	if (launcher_nprocs(l, r) || r->pidfd >= 0) {
		if (!r->killed && loop_now() >= r->kill_at) {
			log_info("instance %s: still running after the grace period: SIGKILL",
				 r->pub.id);
			r->killed = true;
		}
		if (r->killed) {
			/* the init's end takes its whole PID namespace with it */
			launcher_signal(r, SIGKILL);
			cgroup_kill(&l->cg, r->pub.id, SIGKILL);
		}
		return;
	}
	if (launcher_teardown(l, r) == -EBUSY)
		return;
	log_info("instance %s: terminated", r->pub.id);
	loop_timer_disarm(loop, t);
	launcher_emit(l, r, LAUNCHER_EV_TERMINATED);
	launcher_rec_free(l, r);
}

/* From SIGTERM to removal; the record stays until the tick finds nothing left. */
static int launcher_start_termination(struct launcher *l, struct launcher_rec *r, uint64_t grace)
{
	r->pub.state = LAUNCHER_TERMINATING;
	if (r->pub.dir[0] && !access(r->pub.dir, F_OK))
		launcher_save(r, "terminating");
	/* the init passes SIGTERM on to every process of the instance */
	if (launcher_signal(r, SIGTERM))
		cgroup_kill(&l->cg, r->pub.id, SIGTERM);
	r->kill_at = loop_now() + grace;
	return loop_timer_arm(l->loop, &r->timer, 0, LAUNCHER_TERM_TICK_MS, launcher_term_tick, r);
}

int launcher_terminate(struct launcher *l, const char *id)
{
	struct launcher_rec *r = launcher_rec(l, id);

	if (!r)
		return -ENOENT;
	if (r->pub.state == LAUNCHER_TERMINATING)
		return 0;
	log_info("instance %s: terminating", id);
	return launcher_start_termination(l, r, l->conf.grace_ms);
}

static void launcher_boot_exited(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct launcher_rec *r = arg;
	struct launcher *l = r->owner;
	siginfo_t si;
	int ret;

	memset(&si, 0, sizeof(si));
	/* ECHILD for an adopted instance's script, which is not our child: status unknown */
	ret = waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG);
	if (!ret && si.si_pid)
		r->pub.boot_status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) :
								si.si_status & 0x7f;
	else if (!ret)
		return; /* not exited yet: a spurious wake-up */
	else if (errno != ECHILD)
		log_warn("instance %s: waitid: %s", r->pub.id, strerror(errno));
	loop_fd_del(loop, fd);
	close(fd);
	r->pidfd = -1;
	if (r->pub.boot_status >= 0 && WIFEXITED(r->pub.boot_status))
		log_info("instance %s: last process gone, boot script exited with %d", r->pub.id,
			 WEXITSTATUS(r->pub.boot_status));
	else if (r->pub.boot_status >= 0)
		log_info("instance %s: init killed by signal %d", r->pub.id,
			 r->pub.boot_status & 0x7f);
	r->pub.pid = 0;
	if (r->pub.state == LAUNCHER_TERMINATING)
		return;
	launcher_emit(l, r, LAUNCHER_EV_BOOT_EXITED);
	/* the init ends with the instance's last process (or takes them with it): said now
	 * rather than at the next poll, so that no new flow goes to it meanwhile
	 */
	if (r->pub.state == LAUNCHER_RUNNING) {
		r->pub.state = LAUNCHER_STOPPED;
		log_info("instance %s: no process left: stopped", r->pub.id);
		launcher_emit(l, r, LAUNCHER_EV_STOPPED);
	}
}

/* Liveness: an instance whose boot script is done and whose cgroup is empty has stopped. */
static void launcher_poll(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct launcher *l = arg;
	unsigned int i;

	if (l->cg.mode == CGROUP_NONE)
		return;
	for (i = 0; i < LAUNCHER_SLOTS_MAX; i++) {
		struct launcher_rec *r = l->blocks[i];

		if (!r || r->pub.state != LAUNCHER_RUNNING || r->pidfd >= 0 ||
		    launcher_nprocs(l, r))
			continue;
		r->pub.state = LAUNCHER_STOPPED;
		log_info("instance %s: no process left: stopped", r->pub.id);
		launcher_emit(l, r, LAUNCHER_EV_STOPPED);
	}
}

/* Watches the init's pidfd: the one clone3 gave, or for an adopted instance one opened from
 * the recorded pid and kept only if the process it holds is in the instance's cgroup (checked
 * after opening: a pid reused meanwhile fails the check, or the pidfd is of a dead process).
 */
static int launcher_watch(struct launcher *l, struct launcher_rec *r)
{
	int fd = r->pidfd, err;

	if (fd < 0) {
		fd = (int)syscall(SYS_pidfd_open, r->pub.pid, 0);
		if (fd < 0)
			return -errno;
		if (l->cg.mode == CGROUP_NONE || !cgroup_has_pid(&l->cg, r->pub.id, r->pub.pid)) {
			close(fd);
			return -ESRCH;
		}
	}
	r->pidfd = -1;
	err = loop_fd_add(l->loop, fd, EPOLLIN, launcher_boot_exited, r);
	if (err) {
		close(fd);
		return err;
	}
	r->pidfd = fd;
	return 0;
}

/* ---- the instance's own side: init, root filesystem, boot script ---- */

/* clone3's arguments (linux/sched.h would clash with glibc's sched.h) */
struct launcher_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* What the instance's init needs from the launch, set up by the parent before the clone. */
struct launcher_boot {
	int nsfd;   /* its network namespace */
	int go_fd;  /* read end: one byte once the parent put the init into the cgroup */
	int err_fd; /* write end: "step: error" on failure, closed on success */
	int ring_fd;
	const char *script; /* the UserData, host path */
	const char *image;  /* the lower layer */
	const char *hide;   /* a host directory the instance must not see, or NULL */
	const char *tools;  /* a host directory under /tmp or /run to bind read-only, or "" */
	bool shebang;
	const char *const *env; /* more NAME=value for the boot script (tags), NULL-ended */
};

/* Capabilities a server needs: bind low ports, drop to a user, own its files, signal its own
 * processes. None of them reaches past the instance's namespaces and cgroup.
 */
#define LAUNCHER_CAPS                                                                              \
	((1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_FOWNER) |                 \
	 (1ull << CAP_FSETID) | (1ull << CAP_KILL) | (1ull << CAP_SETGID) | (1ull << CAP_SETUID) | \
	 (1ull << CAP_NET_BIND_SERVICE))

/* The console: a ring of LAUNCHER_CONSOLE_MAX bytes after an 8-byte count of every byte ever
 * written, so that the last 64 KiB are kept and /run never fills. Written by the instance's
 * init (and by the launcher for launch failures), read by launcher_console.
 */
static void launcher_ring_put(int fd, const char *p, size_t n)
{
	uint64_t total = 0;
	size_t off, k;

	if (pread(fd, &total, sizeof(total), 0) != (ssize_t)sizeof(total))
		total = 0;
	if (n > LAUNCHER_CONSOLE_MAX) {
		total += n - LAUNCHER_CONSOLE_MAX;
		p += n - LAUNCHER_CONSOLE_MAX;
		n = LAUNCHER_CONSOLE_MAX;
	}
	while (n) {
		off = (size_t)(total % LAUNCHER_CONSOLE_MAX);
		k = LAUNCHER_CONSOLE_MAX - off < n ? LAUNCHER_CONSOLE_MAX - off : n;
		if (pwrite(fd, p, k, (off_t)(sizeof(total) + off)) != (ssize_t)k)
			return;
		total += k;
		p += k;
		n -= k;
	}
	if (pwrite(fd, &total, sizeof(total), 0) != (ssize_t)sizeof(total))
		return;
}

static __attribute__((noreturn)) void launcher_init_fail(int err_fd, const char *step, int err)
{
	dprintf(err_fd, "%s: %s", step, strerror(err));
	_exit(127);
}

static int launcher_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX + 64], *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(buf, mode) && errno != EEXIST ? -errno : 0;
}

/* A fresh filesystem of type at root/dir (made if missing). */
static int launcher_mount(const char *root, const char *dir, const char *type, unsigned long flags,
			  const char *opts)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	if (launcher_mkdirs(path, 0755))
		return -errno;
	return mount(type, path, type, flags, opts) ? -errno : 0;
}

/* root/dir bound onto itself read-only, where it exists. */
static int launcher_mount_ro(const char *root, const char *dir)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	if (access(path, F_OK))
		return 0;
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) ||
	    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL))
		return -errno;
	return 0;
}

/* A minimal /dev: the harmless character devices bound from the host's, pts, shm. */
static int launcher_dev(const char *root, uint64_t shm)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = { { "fd", "/proc/self/fd" },
						{ "stdin", "/proc/self/fd/0" },
						{ "stdout", "/proc/self/fd/1" },
						{ "stderr", "/proc/self/fd/2" },
						{ "ptmx", "pts/ptmx" } };
	char path[PATH_MAX + 64], host[64], opts[64];
	size_t i;
	int fd, err;

	err = launcher_mount(root, "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k");
	for (i = 0; !err && i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", root, nodes[i]);
		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0)
			return -errno;
		close(fd);
		if (mount(host, path, NULL, MS_BIND, NULL))
			err = -errno;
	}
	for (i = 0; !err && i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", root, links[i][0]);
		if (symlink(links[i][1], path))
			err = -errno;
	}
	snprintf(opts, sizeof(opts), "mode=1777,size=%" PRIu64, shm);
	if (!err)
		err = launcher_mount(root, "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, opts);
	if (!err)
		err = launcher_mount(root, "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
				     "newinstance,ptmxmode=0666,mode=620");
	return err;
}

static int launcher_copy(const char *from, const char *to, mode_t mode)
{
	char buf[8192];
	int in, out, err = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while (!err && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			err = -EIO;
	if (n < 0)
		err = -errno;
	close(in);
	if (close(out) && !err)
		err = -errno;
	return err;
}

/* The instance's root: an overlay of the image (read-only) and a tmpfs upper layer that goes
 * with the instance's mount namespace, fresh /proc, /sys read-only, a minimal /dev, private
 * /tmp and /run; then pivot_root into it. Runs in the init, in its new mount namespace.
 */
static void launcher_rootfs(const struct launcher_rec *r, const struct launcher_boot *b)
{
	const struct launcher_instance *in = &r->pub;
	char root[PATH_MAX + 32], merged[PATH_MAX + 48], opts[3 * PATH_MAX + 96],
		path[PATH_MAX + 96];
	uint64_t mem = in->mem_bytes ? in->mem_bytes : 1ull << 30;
	static const char *const ro_proc[] = { "proc/sys", "proc/sysrq-trigger", "proc/irq",
					       "proc/bus", "proc/fs" };
	const char *step;
	size_t i;
	int err, fd;

	step = "private mounts";
	err = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ? -errno : 0;
	if (err)
		goto fail;
	/* the upper layer on a tmpfs of its own: on the image's filesystem it would overlap the
	 * lower layer, and its memory is the instance's (charged to its cgroup)
	 */
	step = "upper layer";
	snprintf(root, sizeof(root), "%s/root", in->dir);
	snprintf(opts, sizeof(opts), "mode=700,size=%" PRIu64, mem / 2);
	err = mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, opts) ? -errno : 0;
	if (err)
		goto fail;
	snprintf(path, sizeof(path), "%s/upper", root);
	err = mkdir(path, 0755) ? -errno : 0;
	snprintf(path, sizeof(path), "%s/work", root);
	if (!err)
		err = mkdir(path, 0700) ? -errno : 0;
	snprintf(merged, sizeof(merged), "%s/merged", root);
	if (!err)
		err = mkdir(merged, 0755) ? -errno : 0;
	if (err)
		goto fail;
	step = "overlay of the image";
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", b->image,
		 root, root);
	err = mount("overlay", merged, "overlay", 0, opts) ? -errno : 0;
	if (err)
		goto fail;
	step = "/proc";
	err = launcher_mount(merged, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	for (i = 0; !err && i < sizeof(ro_proc) / sizeof(ro_proc[0]); i++)
		err = launcher_mount_ro(merged, ro_proc[i]);
	if (err)
		goto fail;
	step = "/sys";
	err = launcher_mount(merged, "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     NULL);
	if (err)
		goto fail;
	step = "/dev";
	err = launcher_dev(merged, mem / 8);
	if (err)
		goto fail;
	step = "/tmp";
	snprintf(opts, sizeof(opts), "mode=1777,size=%" PRIu64, mem / 4);
	err = launcher_mount(merged, "tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts);
	if (err)
		goto fail;
	step = "/run";
	err = launcher_mount(merged, "run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m");
	if (err)
		goto fail;
	/* the launching program's tools, where the fresh /tmp or /run above hides them */
	step = "the tools' directory";
	if (b->tools[0] == '/') {
		err = snprintf(path, sizeof(path), "%s%s", merged, b->tools) >= (int)sizeof(path) ?
			      -ENAMETOOLONG :
			      launcher_mkdirs(path, 0755);
		if (!err && (mount(b->tools, path, NULL, MS_BIND | MS_REC, NULL) ||
			     mount(NULL, path, NULL,
				   MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL)))
			err = -errno;
		if (err)
			goto fail;
	}
	/* xlbd's own directory, where the image is the host's root and it is not under /run
	 * or /tmp: an empty read-only tmpfs over it (after the tools: it may lie among them)
	 */
	step = "hiding xlbd's run directory";
	snprintf(path, sizeof(path), "%s%s", merged, b->hide ? b->hide : "");
	if (b->hide && b->hide[0] == '/' && !access(path, F_OK)) {
		err = mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    "size=4k,mode=755") ?
			      -errno :
			      0;
		if (err)
			goto fail;
	}
	/* the host's name servers are out of reach (an instance reaches only the load
	 * balancer): none, so that a lookup fails at once instead of timing out. Unlinked
	 * first: a symlink there would lead out of the new root.
	 */
	step = "/etc/resolv.conf";
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", merged);
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		goto fail;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dprintf(fd, "# xlb: an instance reaches only its load balancer: no name server\n");
		close(fd);
	}
	step = "boot script";
	snprintf(path, sizeof(path), "%s%s", merged, LAUNCHER_IN_SCRIPT_DIR);
	err = launcher_mkdirs(path, 0700);
	snprintf(path, sizeof(path), "%s%s", merged, LAUNCHER_IN_SCRIPT);
	if (!err)
		err = launcher_copy(b->script, path, 0700);
	snprintf(path, sizeof(path), "%s%s", merged, LAUNCHER_IN_STATE);
	if (!err)
		err = launcher_mkdirs(path, 0700);
	if (err)
		goto fail;
	step = "pivot_root";
	if (chdir(merged) || syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) ||
	    chdir("/")) {
		err = -errno;
		goto fail;
	}
	return;
fail:
	launcher_init_fail(b->err_fd, step, -err);
}

/* The boot script, in the instance: its own session, bounded capabilities, no_new_privs,
 * output to the init's console pipe. Never returns.
 */
static __attribute__((noreturn)) void launcher_boot_exec(struct launcher *l,
							 const struct launcher_instance *in,
							 int out, bool shebang,
							 const char *const *extra)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2];
	char e_id[64], e_ip[64], e_ip6[96], e_type[64], ip6[INET6_ADDRSTRLEN];
	char *envp[10 + LAUNCHER_ENV_MAX], *argv[3];
	const char *step = NULL;
	int n = 0, fd, c;

	setsid();
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(out, 1);
	dup2(out, 2);
	syscall(SYS_close_range, 3, ~0u, 0);
	if (chdir("/root"))
		(void)!chdir("/");
	for (c = 0; c < 64; c++)
		if (!(LAUNCHER_CAPS & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) &&
		    errno != EINVAL)
			step = "drop the bounding capabilities";
	memset(caps, 0, sizeof(caps));
	caps[0].effective = caps[0].permitted = caps[0].inheritable = (uint32_t)LAUNCHER_CAPS;
	caps[1].effective = caps[1].permitted = caps[1].inheritable =
		(uint32_t)(LAUNCHER_CAPS >> 32);
	if (!step && syscall(SYS_capset, &hdr, caps))
		step = "set the capabilities";
	if (!step && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		step = "set no_new_privs";
	if (step) {
		dprintf(2, "xlb: cannot %s: %s\n", step, strerror(errno));
		_exit(127);
	}
	snprintf(e_id, sizeof(e_id), "XLB_INSTANCE_ID=%s", in->id);
	snprintf(e_ip, sizeof(e_ip), "XLB_INSTANCE_IP=%s", in->ip4_str);
	snprintf(e_type, sizeof(e_type), "XLB_INSTANCE_TYPE=%s", in->itype);
	envp[n++] = l->path_env;
	envp[n++] = "HOME=/root";
	envp[n++] = "XLB_STATE_DIR=" LAUNCHER_IN_STATE;
	envp[n++] = e_id;
	envp[n++] = e_ip;
	envp[n++] = e_type;
	if (in->has6) {
		inet_ntop(AF_INET6, &in->ip6, ip6, sizeof(ip6));
		snprintf(e_ip6, sizeof(e_ip6), "XLB_INSTANCE_IP6=%s", ip6);
		envp[n++] = e_ip6;
	}
	for (c = 0; extra && extra[c] && c < LAUNCHER_ENV_MAX; c++)
		envp[n++] = (char *)extra[c];
	envp[n] = NULL;
	/* as cloud-init: a script with #! runs by its interpreter, anything else by bash */
	if (shebang) {
		argv[0] = (char *)LAUNCHER_IN_SCRIPT;
		argv[1] = NULL;
		execve(LAUNCHER_IN_SCRIPT, argv, envp);
	} else {
		argv[0] = "bash";
		argv[1] = (char *)LAUNCHER_IN_SCRIPT;
		argv[2] = NULL;
		execve("/bin/bash", argv, envp);
	}
	dprintf(2, "xlb: cannot run the boot script: %s\n", strerror(errno));
	_exit(127);
}

/* Everything of xlbd's closed in its copy (its control socket, listeners, other instances'
 * pidfds), but for the four the init needs; 0, 1 and 2 on /dev/null.
 */
static void launcher_init_fds(const struct launcher_boot *b)
{
	int keep[4] = { b->nsfd, b->go_fd, b->err_fd, b->ring_fd }, i, j, t, from = 3, fd;

	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i < 4; i++) {
		if (keep[i] > from)
			syscall(SYS_close_range, from, keep[i] - 1, 0);
		if (keep[i] + 1 > from)
			from = keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0u, 0);
	fd = open("/dev/null", O_RDWR);
	for (i = 0; fd >= 0 && i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* The instance's init, pid 1 of its PID namespace. Never returns. Runs in a copy of xlbd made
 * by clone3, so only plain calls: it waits for the parent to put it into the cgroup, builds
 * the instance's namespaces and root, starts the boot script, then reaps every process
 * orphaned to it and copies their console output into the ring. It ends (with the boot
 * script's status) when its last process has: the instance ends with it. SIGTERM from
 * outside (the launcher) goes on to every process of the instance; signals from inside are
 * ignored, as a container's init does.
 */
static __attribute__((noreturn)) void launcher_init(struct launcher *l, struct launcher_rec *r,
						    const struct launcher_boot *b)
{
	const struct launcher_instance *in = &r->pub;
	char host[64], buf[4096], *p;
	int con[2], status = -1, sfd, i, code;
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	sigset_t set;
	pid_t boot, pid;
	bool done = false;
	ssize_t n;

	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	/* nobody in the instance may read this process's memory or fds through /proc */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	launcher_init_fds(b);
	if (read(b->go_fd, buf, 1) != 1)
		_exit(127);
	close(b->go_fd);
	if (setns(b->nsfd, CLONE_NEWNET))
		launcher_init_fail(b->err_fd, "enter the network namespace", errno);
	close(b->nsfd);
	/* after the parent moved it into its cgroup: that cgroup is the namespace's root */
	if (unshare(CLONE_NEWCGROUP))
		launcher_init_fail(b->err_fd, "cgroup namespace", errno);
	/* EC2's hostname: ip-198-18-128-2 */
	snprintf(host, sizeof(host), "ip-%s", in->ip4_str);
	for (p = host; *p; p++)
		if (*p == '.')
			*p = '-';
	if (sethostname(host, strlen(host)))
		launcher_init_fail(b->err_fd, "hostname", errno);
	launcher_rootfs(r, b);
	if (pipe2(con, O_CLOEXEC))
		launcher_init_fail(b->err_fd, "console pipe", errno);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		launcher_init_fail(b->err_fd, "signalfd", errno);
	boot = fork();
	if (boot < 0)
		launcher_init_fail(b->err_fd, "fork the boot script", errno);
	if (boot == 0) {
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		launcher_boot_exec(l, in, con[1], b->shebang, b->env);
	}
	close(con[1]);
	close(b->err_fd); /* the launch succeeded */
	pfd[0].fd = con[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	while (!done) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			n = read(con[0], buf, sizeof(buf));
			if (n > 0)
				launcher_ring_put(b->ring_fd, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				pfd[0].fd = -1; /* every writer closed it: the rest may live on */
		}
		if (!pfd[1].revents || read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			/* ssi_pid is 0 for a sender outside the namespace: the launcher */
			if (!si.ssi_pid)
				kill(-1, SIGTERM);
			continue;
		}
		while ((pid = waitpid(-1, &i, WNOHANG)) > 0)
			if (pid == boot)
				status = i;
		done = pid < 0 && errno == ECHILD;
	}
	/* what the last ones wrote */
	fcntl(con[0], F_SETFL, O_NONBLOCK);
	while ((n = read(con[0], buf, sizeof(buf))) > 0)
		launcher_ring_put(b->ring_fd, buf, (size_t)n);
	code = status < 0 ? 127 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	_exit(code);
}

static int launcher_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len && !err) {
		ssize_t w = write(fd, data, len);

		if (w < 0)
			err = -errno;
		else {
			data += w;
			len -= (size_t)w;
		}
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Namespace, veth, addresses, routes: everything network of an instance. */
static int launcher_net(struct launcher *l, struct launcher_instance *in, int nsfd)
{
	int lb = l->conf.lb_nsfd, err;
	int b4 = l->conf.block4_len;
	const char *step;

	step = "veth";
	err = netns_veth_create(lb, in->host_if, nsfd, LAUNCHER_INST_IF);
	if (err)
		goto out;
	step = "addresses";
	err = netns_addr_add(lb, in->host_if, AF_INET, &in->gw4, b4);
	if (!err)
		err = netns_addr_add(nsfd, LAUNCHER_INST_IF, AF_INET, &in->ip4, b4);
	if (!err && in->has6)
		err = netns_addr_add(lb, in->host_if, AF_INET6, &in->gw6, 126);
	if (!err && in->has6)
		err = netns_addr_add(nsfd, LAUNCHER_INST_IF, AF_INET6, &in->ip6, 126);
	if (err)
		goto out;
	step = "links up";
	err = netns_link_up(nsfd, "lo");
	if (!err)
		err = netns_link_up(nsfd, LAUNCHER_INST_IF);
	if (!err)
		err = netns_link_up(lb, in->host_if);
	if (err)
		goto out;
	step = "default route";
	err = netns_route_add_default(nsfd, LAUNCHER_INST_IF, AF_INET, &in->gw4);
	if (!err && in->has6)
		err = netns_route_add_default(nsfd, LAUNCHER_INST_IF, AF_INET6, &in->gw6);
	if (err)
		goto out;
	if (l->conf.tx_csum_off) {
		step = "tx checksum offload off";
		err = netns_tx_csum_off(nsfd, LAUNCHER_INST_IF);
	}
out:
	if (err)
		log_error("instance %s: %s: %s", in->id, step, strerror(-err));
	return err;
}

/* Clones the instance's init into new PID, mount, UTS and IPC namespaces, puts it into the
 * instance's cgroup (a launch whose cgroup cannot be joined fails: nothing runs unlimited or
 * untracked), and waits for its set-up to succeed or say why not. r->pidfd holds it.
 */
static int launcher_start(struct launcher *l, struct launcher_rec *r, int nsfd, int ring,
			  const char *script, const char *image, bool shebang,
			  const char *const *env)
{
	struct launcher_instance *in = &r->pub;
	struct launcher_clone_args ca;
	struct launcher_boot b;
	int go[2] = { -1, -1 }, ep[2] = { -1, -1 }, pidfd = -1, err = 0;
	char msg[600] = "";
	struct pollfd pfd;
	siginfo_t si;
	ssize_t n;
	long pid;

	if (pipe2(go, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
		err = -errno;
		goto out;
	}
	b.nsfd = nsfd;
	b.go_fd = go[0];
	b.err_fd = ep[1];
	b.ring_fd = ring;
	b.script = script;
	b.image = image;
	b.hide = l->hide_dir;
	b.tools = l->tools_top;
	b.shebang = shebang;
	b.env = env;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		err = -errno;
		snprintf(msg, sizeof(msg), "clone3: %s", strerror(-err));
		goto out;
	}
	if (pid == 0) {
		close(go[1]);
		close(ep[0]);
		launcher_init(l, r, &b);
	}
	close(go[0]);
	close(ep[1]);
	go[0] = ep[1] = -1;
	in->pid = (pid_t)pid;
	if (l->cg.mode != CGROUP_NONE) {
		err = cgroup_attach(&l->cg, in->id, (pid_t)pid);
		if (err) {
			snprintf(msg, sizeof(msg), "cannot join cgroup %s: %s", in->id,
				 strerror(-err));
			goto kill;
		}
	}
	if (write(go[1], "g", 1) != 1) {
		err = -errno;
		snprintf(msg, sizeof(msg), "cannot start the init: %s", strerror(-err));
		goto kill;
	}
	pfd.fd = ep[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, LAUNCHER_START_MS) <= 0) {
		err = -ETIMEDOUT;
		snprintf(msg, sizeof(msg), "the init's set-up took more than %d ms",
			 LAUNCHER_START_MS);
		goto kill;
	}
	n = read(ep[0], msg, sizeof(msg) - 1);
	if (n == 0)
		goto out; /* closed without a word: the boot script runs */
	err = n < 0 ? -errno : -EPERM;
	if (n < 0)
		snprintf(msg, sizeof(msg), "reading the init's set-up: %s", strerror(-err));
	else
		msg[n] = '\0';
kill:
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
	close(pidfd);
	pidfd = -1;
	in->pid = 0;
out:
	if (msg[0]) {
		char line[700];
		int len = snprintf(line, sizeof(line), "xlb: launch failed: %s\n", msg);

		log_error("instance %s: %s", in->id, msg);
		launcher_ring_put(ring, line, (size_t)len < sizeof(line) ? (size_t)len : 0);
	}
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	r->pidfd = pidfd;
	return err;
}

/* An empty record of l's: no process, no boot status yet. */
static struct launcher_rec *launcher_rec_alloc(struct launcher *l)
{
	struct launcher_rec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->owner = l;
	r->pidfd = -1;
	loop_timer_init(&r->timer);
	r->pub.boot_status = -1;
	return r;
}

/* A new instance's record: a fresh id, its names, limits, addresses and directory, all
 * derived from the address block it takes. Nothing is made yet.
 */
static int launcher_rec_new(struct launcher *l, unsigned int block, const char *group,
			    const char *launch, const struct model_instance_type *itype,
			    struct launcher_rec **rp)
{
	struct launcher_instance *in;
	struct launcher_rec *r;
	int err;

	r = launcher_rec_alloc(l);
	if (!r)
		return -ENOMEM;
	in = &r->pub;
	in->block = block;
	in->launched = (int64_t)time(NULL);
	do {
		err = launcher_id_new(in->id);
		if (err)
			goto fail;
	} while (launcher_rec(l, in->id));
	snprintf(in->itype, sizeof(in->itype), "%s", itype->name);
	/* names from the file are checked there; a newline would break the state file */
	snprintf(in->group, sizeof(in->group), "%s", group ? group : "");
	snprintf(in->launch, sizeof(in->launch), "%s", launch ? launch : "");
	in->group[strcspn(in->group, "\n")] = '\0';
	in->launch[strcspn(in->launch, "\n")] = '\0';
	launcher_limits(itype, l->host_cpus, l->host_mem, &in->quota_us, &in->period_us,
			&in->mem_bytes);
	in->pids_max = launcher_pids_max(itype);
	launcher_addrs(l, block, in);
	snprintf(in->netns, sizeof(in->netns), "%s%s", l->ns_prefix, in->id);
	snprintf(in->host_if, sizeof(in->host_if), "%s%u", l->if_prefix, block);
	err = launcher_dir_path(l, in->id, NULL, in->dir, sizeof(in->dir));
	if (err)
		goto fail;
	*rp = r;
	return 0;
fail:
	free(r);
	return err;
}

/* The instance's host: its root directory, namespace and link, and cgroup. *nsfd is the
 * namespace, open, for the start.
 */
static int launcher_host_make(struct launcher *l, struct launcher_instance *in, int *nsfd)
{
	char path[PATH_MAX + 32];
	int err;

	snprintf(path, sizeof(path), "%s/%s", in->dir, LAUNCHER_ROOT);
	if (mkdir(path, 0700))
		return -errno;
	err = netns_create(in->netns);
	if (err) {
		log_error("instance %s: create namespace %s: %s", in->id, in->netns,
			  strerror(-err));
		return err;
	}
	*nsfd = netns_open(in->netns);
	if (*nsfd < 0)
		return *nsfd;
	err = launcher_net(l, in, *nsfd);
	if (err)
		return err;
	if (l->cg.mode != CGROUP_NONE) {
		err = cgroup_create(&l->cg, in->id, in->quota_us, in->period_us, in->mem_bytes,
				    in->pids_max);
		if (err) {
			log_error("instance %s: create cgroup: %s", in->id, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Writes the user data as the boot script, starts it with its console, and watches it; *pid is
 * the process started.
 */
static int launcher_boot(struct launcher *l, struct launcher_rec *r, int nsfd, const char *image,
			 const char *user_data, size_t user_data_len, const char *const *env,
			 pid_t *pid)
{
	struct launcher_instance *in = &r->pub;
	char path[PATH_MAX + 32], script[PATH_MAX + 32];
	int console, err;
	bool shebang;

	snprintf(script, sizeof(script), "%s/%s", in->dir, LAUNCHER_SCRIPT);
	err = launcher_write_file(script, user_data ? user_data : "", user_data_len, 0700);
	if (err)
		return err;
	shebang = user_data_len >= 2 && user_data[0] == '#' && user_data[1] == '!';
	snprintf(path, sizeof(path), "%s/%s", in->dir, LAUNCHER_CONSOLE);
	console = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (console < 0)
		return -errno;
	err = launcher_start(l, r, nsfd, console, script, image ? image : "/", shebang, env);
	close(console);
	if (err)
		return err;
	*pid = in->pid;
	err = launcher_watch(l, r);
	if (err) {
		siginfo_t si;

		/* cannot watch it: do not leave it running unseen */
		syscall(SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0);
		waitid((idtype_t)P_PIDFD, (id_t)r->pidfd, &si, WEXITED);
		close(r->pidfd);
		r->pidfd = -1;
		in->pid = 0;
	}
	return err;
}

int launcher_launch(struct launcher *l, const char *group, const char *launch,
		    const struct model_instance_type *itype, const char *image,
		    const char *user_data, size_t user_data_len,
		    const struct launcher_instance **out)
{
	return launcher_launch_env(l, group, launch, itype, image, user_data, user_data_len, NULL,
				   out);
}

int launcher_launch_env(struct launcher *l, const char *group, const char *launch,
			const struct model_instance_type *itype, const char *image,
			const char *user_data, size_t user_data_len, const char *const *env,
			const struct launcher_instance **out)
{
	struct launcher_instance *in;
	struct launcher_rec *r;
	unsigned int block;
	int nsfd = -1, err;
	pid_t pid = 0;

	*out = NULL;
	for (block = 0; block < l->nblocks && l->blocks[block]; block++)
		;
	if (block == l->nblocks)
		return -ENOSPC;
	err = launcher_rec_new(l, block, group, launch, itype, &r);
	if (err)
		return err;
	in = &r->pub;
	if (mkdir(in->dir, 0700)) {
		err = -errno;
		free(r);
		return err;
	}
	/* the record of what is about to be made comes first */
	err = launcher_save(r, "creating");
	if (err)
		goto fail;
	l->blocks[block] = r;
	err = launcher_host_make(l, in, &nsfd);
	if (!err)
		err = launcher_boot(l, r, nsfd, image, user_data, user_data_len, env, &pid);
	if (err)
		goto fail;
	err = launcher_save(r, "running");
	if (err)
		log_warn("instance %s: cannot record its state: %s", in->id, strerror(-err));
	close(nsfd);
	log_info("instance %s: launched (%s, %s via %s, namespace %s, %s, CPU %" PRIu64
		 "%%, memory %" PRIu64 " MiB, pid %d)",
		 in->id, in->itype, in->ip4_str, in->host_if, in->netns,
		 cgroup_mode_name(l->cg.mode), in->quota_us * 100 / in->period_us,
		 in->mem_bytes >> 20, (int)pid);
	*out = in;
	return 0;

fail:
	if (nsfd >= 0)
		close(nsfd);
	cgroup_kill(&l->cg, in->id, SIGKILL);
	if (launcher_teardown(l, r) == -EBUSY) {
		/* a process is still exiting: finish in the background, as a termination */
		launcher_start_termination(l, r, 0);
		return err;
	}
	if (l->blocks[block] == r)
		l->blocks[block] = NULL;
	free(r);
	return err;
}

/* key=value from the state file text. */
static bool launcher_kv(const char *text, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t len = strcspn(p + klen + 1, "\n");

			if (len >= size)
				return false;
			memcpy(val, p + klen + 1, len);
			val[len] = '\0';
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static uint64_t launcher_kv_u64(const char *text, const char *key)
{
	char v[32];

	return launcher_kv(text, key, v, sizeof(v)) ? strtoull(v, NULL, 10) : 0;
}

/* One directory of run_dir: adopted (1), cleaned (0) or -errno. */
static int launcher_scan_one(struct launcher *l, const char *id)
{
	char path[PATH_MAX + 32], text[4096] = "", phase[32] = "", v[64];
	struct launcher_instance *in;
	struct launcher_rec *r;
	unsigned long block;
	bool running;
	ssize_t n;
	int fd;

	if (launcher_rec(l, id))
		return 0;
	r = launcher_rec_alloc(l);
	if (!r)
		return -ENOMEM;
	in = &r->pub;
	in->adopted = true;
	snprintf(in->id, sizeof(in->id), "%s", id);
	launcher_dir_path(l, id, NULL, in->dir, sizeof(in->dir));
	launcher_dir_path(l, id, LAUNCHER_STATE, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		text[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	launcher_kv(text, "phase", phase, sizeof(phase));
	/* a record without a namespace name was cut before anything was made; the default name
	 * is what this configuration would have used
	 */
	if (!launcher_kv(text, "netns", in->netns, sizeof(in->netns)) || !in->netns[0])
		snprintf(in->netns, sizeof(in->netns), "%s%s", l->ns_prefix, id);
	launcher_kv(text, "host_if", in->host_if, sizeof(in->host_if));
	launcher_kv(text, "itype", in->itype, sizeof(in->itype));
	launcher_kv(text, "group", in->group, sizeof(in->group));
	launcher_kv(text, "launch", in->launch, sizeof(in->launch));
	block = launcher_kv(text, "slot", v, sizeof(v)) ? strtoul(v, NULL, 10) : ULONG_MAX;
	if (launcher_kv(text, "ip4", in->ip4_str, sizeof(in->ip4_str)))
		inet_pton(AF_INET, in->ip4_str, &in->ip4);
	if (launcher_kv(text, "ip6", v, sizeof(v)) && v[0])
		in->has6 = inet_pton(AF_INET6, v, &in->ip6) == 1;
	in->pid = (pid_t)launcher_kv_u64(text, "pid");
	in->launched = (int64_t)launcher_kv_u64(text, "launched");
	in->quota_us = launcher_kv_u64(text, "quota_us");
	in->period_us = launcher_kv_u64(text, "period_us");
	in->mem_bytes = launcher_kv_u64(text, "mem_bytes");
	in->pids_max = launcher_kv_u64(text, "pids_max");

	/* a block taken twice (or out of range) means the record cannot be trusted */
	running = !strcmp(phase, "running") && block < l->nblocks && !l->blocks[block] &&
		  netns_exists(in->netns);
	if (block >= LAUNCHER_SLOTS_MAX || l->blocks[block]) {
		for (block = 0; block < LAUNCHER_SLOTS_MAX && l->blocks[block]; block++)
			;
		if (block == LAUNCHER_SLOTS_MAX) {
			free(r);
			return -ENOSPC;
		}
		in->host_if[0] = '\0'; /* not ours to delete: it may be another block's */
	}
	in->block = (unsigned int)block;
	l->blocks[block] = r;

	if (!running) {
		log_info("instance %s: left %s by a previous run: removing it", id,
			 phase[0] ? phase : "without a record");
		in->pid = 0;
		return launcher_start_termination(l, r, 0);
	}
	/* the boot script's pid only counts if it is still in the instance's cgroup: pids are
	 * reused
	 */
	if (in->pid > 0 && !(l->cg.mode != CGROUP_NONE && cgroup_has_pid(&l->cg, id, in->pid)))
		in->pid = 0;
	if (in->pid > 0 && launcher_watch(l, r))
		in->pid = 0;
	in->gw4.s_addr = htonl(ntohl(in->ip4.s_addr) - 1);
	if (in->has6) {
		uint32_t low;

		in->gw6 = in->ip6;
		memcpy(&low, &in->gw6.s6_addr[12], 4);
		low = htonl(ntohl(low) - 1);
		memcpy(&in->gw6.s6_addr[12], &low, 4);
	}
	in->state = LAUNCHER_RUNNING;
	log_info("instance %s: adopted (%s, namespace %s, boot script %s)", id, in->ip4_str,
		 in->netns, in->pid > 0 ? "running" : "done");
	return 1;
}

int launcher_scan(struct launcher *l)
{
	struct dirent *de;
	int n = 0, err = 0;
	DIR *d;

	d = opendir(l->run_dir);
	if (!d)
		return -errno;
	/* one thread: readdir_r (deprecated) would buy nothing */
	// cppcheck-suppress readdirCalled
	while ((de = readdir(d))) {
		int ret;

		if (!launcher_id_ok(de->d_name))
			continue;
		ret = launcher_scan_one(l, de->d_name);
		if (ret < 0) {
			log_warn("instance %s: cannot adopt or clean: %s", de->d_name,
				 strerror(-ret));
			err = ret;
		} else {
			n += ret;
		}
	}
	closedir(d);
	return n ? n : err;
}

int launcher_cpu_usage(const struct launcher *l, const char *id, uint64_t *usec)
{
	if (!launcher_rec(l, id))
		return -ENOENT;
	return cgroup_cpu_usage(&l->cg, id, usec);
}

int launcher_console(const struct launcher *l, const char *id, char *buf, size_t size, size_t *len)
{
	const struct launcher_rec *r = launcher_rec(l, id);
	char path[PATH_MAX + 32];
	size_t want = size ? size - 1 : 0, got = 0, off, k;
	uint64_t total = 0, from;
	ssize_t n;
	int fd, err = 0;

	*len = 0;
	if (!r)
		return -ENOENT;
	if (!size)
		return -EINVAL;
	buf[0] = '\0';
	if (want > LAUNCHER_CONSOLE_MAX)
		want = LAUNCHER_CONSOLE_MAX;
	snprintf(path, sizeof(path), "%s/%s", r->pub.dir, LAUNCHER_CONSOLE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = pread(fd, &total, sizeof(total), 0);
	if (n != (ssize_t)sizeof(total))
		goto out; /* nothing written yet */
	/* the last `want` bytes of the ring, oldest first: at most two reads */
	from = total > want ? total - want : 0;
	while (from < total) {
		off = (size_t)(from % LAUNCHER_CONSOLE_MAX);
		k = LAUNCHER_CONSOLE_MAX - off;
		if (k > total - from)
			k = (size_t)(total - from);
		n = pread(fd, buf + got, k, (off_t)(sizeof(total) + off));
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		from += (uint64_t)n;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return err;
}

static void launcher_path_env(struct launcher *l)
{
	const char *path = getenv("PATH");
	char exe[PATH_MAX];
	ssize_t n;

	if (!path || !path[0] || strlen(path) > 4000)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	if (exe[0])
		snprintf(l->path_env, sizeof(l->path_env), "PATH=%s:%s", exe, path);
	else
		snprintf(l->path_env, sizeof(l->path_env), "PATH=%s", path);
	/* a build tree in /tmp (a fresh clone there): its top directory, not /tmp itself */
	l->tools_top[0] = '\0';
	if (!strncmp(exe, "/tmp/", 5) || !strncmp(exe, "/run/", 5)) {
		size_t top = 5 + strcspn(exe + 5, "/");

		if (top > 5 && top < sizeof(l->tools_top))
			snprintf(l->tools_top, sizeof(l->tools_top), "%.*s", (int)top, exe);
	}
}

/* The launcher's own copies of its configuration's strings. */
static void launcher_strings_free(struct launcher *l)
{
	free(l->run_dir);
	free(l->ns_prefix);
	free(l->if_prefix);
	free(l->cg_parent);
	free(l->hide_dir);
}

int launcher_new(struct loop *loop, const struct launcher_conf *conf, launcher_cb cb, void *arg,
		 struct launcher **out)
{
	struct launcher *l;
	struct sysinfo si;
	unsigned int bits;
	long cpus;
	int err;

	*out = NULL;
	if (!conf->run_dir || !conf->ns_prefix || !conf->if_prefix ||
	    strlen(conf->if_prefix) > IFNAMSIZ - 1 - 3 || conf->pool4_len > 31 ||
	    (conf->block4_len != 30 && conf->block4_len != 31) ||
	    conf->pool4_len > conf->block4_len || (conf->has6 && conf->pool6_len > 124))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->loop = loop;
	l->conf = *conf;
	l->cb = cb;
	l->arg = arg;
	l->run_dir = strdup(conf->run_dir);
	l->ns_prefix = strdup(conf->ns_prefix);
	l->if_prefix = strdup(conf->if_prefix);
	l->cg_parent = strdup(conf->cgroup_parent ? conf->cgroup_parent : "xlb");
	l->hide_dir = conf->hide_dir ? realpath(conf->hide_dir, NULL) : NULL;
	launcher_path_env(l);
	if (!l->run_dir || !l->ns_prefix || !l->if_prefix || !l->cg_parent) {
		err = -ENOMEM;
		goto fail;
	}
	l->conf.run_dir = l->run_dir;
	l->conf.ns_prefix = l->ns_prefix;
	l->conf.if_prefix = l->if_prefix;
	l->conf.cgroup_parent = l->cg_parent;
	l->conf.hide_dir = l->hide_dir;
	if (!l->conf.grace_ms)
		l->conf.grace_ms = 5000;
	if (!l->conf.poll_ms)
		l->conf.poll_ms = 1000;
	bits = conf->block4_len - conf->pool4_len;
	l->nblocks = bits >= 8 ? LAUNCHER_SLOTS_MAX : 1u << bits;
	if (conf->has6 && 126 - conf->pool6_len < 8 && (1u << (126 - conf->pool6_len)) < l->nblocks)
		l->nblocks = 1u << (126 - conf->pool6_len);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	l->host_cpus = cpus > 0 ? (unsigned int)cpus : 1;
	if (!sysinfo(&si))
		l->host_mem = (uint64_t)si.totalram * si.mem_unit;
	if (mkdir(l->run_dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_error("launcher: cannot make %s: %s", l->run_dir, strerror(-err));
		goto fail;
	}
	err = cgroup_detect(&l->cg, l->cg_parent);
	if (err) {
		log_error("launcher: cgroup detection failed: %s", strerror(-err));
		goto fail;
	}
	loop_timer_init(&l->poll);
	err = loop_timer_arm(loop, &l->poll, l->conf.poll_ms, l->conf.poll_ms, launcher_poll, l);
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	launcher_strings_free(l);
	free(l);
	return err;
}

void launcher_free(struct launcher *l)
{
	unsigned int i;

	if (!l)
		return;
	loop_timer_disarm(l->loop, &l->poll);
	for (i = 0; i < LAUNCHER_SLOTS_MAX; i++)
		if (l->blocks[i])
			launcher_rec_free(l, l->blocks[i]);
	launcher_strings_free(l);
	free(l);
}

/* ---- the instance's state directory, from the host ----
 *
 * XLB_STATE_DIR (/var/lib/xlb) lies in the instance's own upper layer, which only its mount
 * namespace shows. xlbd reaches it through /proc/PID/root of the instance's init, resolved
 * with openat2 inside that root and without following any symlink, so that nothing the
 * instance puts there leads xlbd elsewhere; files are regular, small, and opened without
 * blocking. Nothing of the host is shown to the instance for this.
 */
static int launcher_state_dirfd(const struct launcher *l, const char *id)
{
	const struct launcher_rec *r = launcher_rec(l, id);
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	char path[64];
	int root, fd;

	if (!r)
		return -ENOENT;
	if (r->pidfd < 0 || r->pub.pid <= 0 || r->pub.state == LAUNCHER_TERMINATING)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)r->pub.pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, root, &LAUNCHER_IN_STATE[1], &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(root);
	return fd;
}

int launcher_state_write(const struct launcher *l, const char *id, const char *name,
			 const char *data, size_t len)
{
	char tmp[128];
	struct stat st;
	int dir, fd, err = 0;

	if (strchr(name, '/') || snprintf(tmp, sizeof(tmp), ".%s.xlb", name) >= (int)sizeof(tmp))
		return -EINVAL;
	dir = launcher_state_dirfd(l, id);
	if (dir < 0)
		return dir;
	unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		    0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(dir, tmp, dir, name))
		err = -errno;
	if (err)
		unlinkat(dir, tmp, 0);
out:
	close(dir);
	return err;
}

int launcher_state_remove(const struct launcher *l, const char *id, const char *name)
{
	int dir, err = 0;

	if (strchr(name, '/'))
		return -EINVAL;
	dir = launcher_state_dirfd(l, id);
	if (dir < 0)
		return dir;
	if (unlinkat(dir, name, 0) && errno != ENOENT)
		err = -errno;
	close(dir);
	return err;
}

int launcher_state_take(const struct launcher *l, const char *id, const char *name, char *buf,
			size_t size, size_t *len)
{
	struct stat st;
	ssize_t n;
	int dir, fd, err = 0;

	*len = 0;
	if (strchr(name, '/') || !size)
		return -EINVAL;
	buf[0] = '\0';
	dir = launcher_state_dirfd(l, id);
	if (dir < 0)
		return dir;
	/* O_PATH first: a FIFO, socket or device is looked at, never opened (no open blocks, no
	 * driver runs); a symlink is the link itself
	 */
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = -EINVAL;
	} else if ((uint64_t)st.st_size >= size) {
		err = -EFBIG;
	} else {
		char self[64];
		int rfd;

		/* the same inode, now for reading */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		rfd = open(self, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		n = rfd < 0 ? -1 : read(rfd, buf, size - 1);
		if (n < 0)
			err = -errno;
		else
			*len = (size_t)n;
		if (rfd >= 0)
			close(rfd);
	}
	buf[*len] = '\0';
	close(fd);
	/* taken, or refused: either way gone, so that it is seen once */
	if (unlinkat(dir, name, 0) && errno == EISDIR)
		unlinkat(dir, name, AT_REMOVEDIR);
out:
	close(dir);
	return err;
}

int launcher_freeze(const struct launcher *l, const char *id, bool frozen)
{
	if (!launcher_rec(l, id))
		return -ENOENT;
	return cgroup_freeze(&l->cg, id, frozen);
}
