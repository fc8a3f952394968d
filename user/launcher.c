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
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"
#include "log.h"

#define LAUNCHER_PERIOD_US 100000 /* the CFS period: 100 ms, the kernel's default */
#define LAUNCHER_TERM_TICK_MS 50  /* how often a termination looks at what is left */
#define LAUNCHER_STATE "instance" /* the state file, key=value lines */
#define LAUNCHER_CONSOLE "console.log"
#define LAUNCHER_SCRIPT "user-data"
#define LAUNCHER_DATA "data" /* XLB_STATE_DIR */

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct launcher_rec {
	struct launcher_instance pub;
	struct launcher *owner;
	int pidfd;		 /* the boot script while it runs, else -1 */
	struct loop_timer timer; /* terminating: the teardown tick */
	uint64_t kill_at;	 /* loop_now() when SIGTERM turns to SIGKILL */
	bool killed;
};

struct launcher {
	struct loop *loop;
	struct launcher_conf conf;
	char *run_dir, *ns_prefix, *if_prefix, *cg_parent;
	struct cgroup_sys cg;
	launcher_cb cb;
	void *arg;
	unsigned int nslots;
	struct launcher_rec *slots[LAUNCHER_SLOTS_MAX];
	struct loop_timer poll;
	unsigned int host_cpus;
	uint64_t host_mem;
	/* the boot scripts' PATH: the launching program's own directory first, so that the
	 * tools beside it (xlb-backend) are found in a build tree as well as installed
	 */
	char path_env[PATH_MAX + 4096];
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
		if (l->slots[i] && !strcmp(l->slots[i]->pub.id, id))
			return l->slots[i];
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
		if (l->slots[i]) {
			if (n < max)
				out[n] = &l->slots[i]->pub;
			n++;
		}
	return n;
}

const struct cgroup_sys *launcher_cgroup(const struct launcher *l)
{
	return &l->cg;
}

/* The addresses of a slot: its block's first usable pair. */
static void launcher_addrs(const struct launcher *l, unsigned int slot,
			   struct launcher_instance *in)
{
	uint32_t bs = 1u << (32 - l->conf.block4_len);
	uint32_t base = ntohl(l->conf.pool4.s_addr) & ~((1ull << (32 - l->conf.pool4_len)) - 1);
	uint32_t blk = base + slot * bs, low;

	in->gw4.s_addr = htonl(bs == 2 ? blk : blk + 1);
	in->ip4.s_addr = htonl(bs == 2 ? blk + 1 : blk + 2);
	inet_ntop(AF_INET, &in->ip4, in->ip4_str, sizeof(in->ip4_str));
	in->has6 = l->conf.has6;
	if (!in->has6)
		return;
	/* slots are few enough (nslots) that the low 32 bits never carry out of the pool */
	in->gw6 = l->conf.pool6;
	memcpy(&low, &in->gw6.s6_addr[12], 4);
	low = htonl(ntohl(low) + slot * 4 + 1);
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
		"id=%s\nphase=%s\nslot=%u\nnetns=%s\nhost_if=%s\nip4=%s\nip6=%s\nitype=%s\n"
		"pid=%d\nlaunched=%" PRId64 "\nquota_us=%" PRIu64 "\nperiod_us=%" PRIu64
		"\nmem_bytes=%" PRIu64 "\ngroup=%s\nlaunch=%s\n",
		in->id, phase, in->slot, in->netns, in->host_if, in->ip4_str, ip6, in->itype,
		(int)in->pid, in->launched, in->quota_us, in->period_us, in->mem_bytes, in->group,
		in->launch);
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
	if (l->slots[r->pub.slot] == r)
		l->slots[r->pub.slot] = NULL;
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
			cgroup_kill(&l->cg, r->pub.id, SIGKILL);
			if (r->pub.pid > 0)
				kill(r->pub.pid, SIGKILL);
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
	cgroup_kill(&l->cg, r->pub.id, SIGTERM);
	if (r->pub.pid > 0 && r->pidfd >= 0)
		kill(r->pub.pid, SIGTERM);
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
		log_info("instance %s: boot script exited with %d", r->pub.id,
			 WEXITSTATUS(r->pub.boot_status));
	else if (r->pub.boot_status >= 0)
		log_info("instance %s: boot script killed by signal %d", r->pub.id,
			 r->pub.boot_status & 0x7f);
	r->pub.pid = 0;
	if (r->pub.state == LAUNCHER_TERMINATING)
		return;
	launcher_emit(l, r, LAUNCHER_EV_BOOT_EXITED);
	/* a boot script that exec'd the instance's server: its end is the instance's, said now
	 * rather than at the next poll, so that no new flow goes to it meanwhile
	 */
	if (l->cg.mode != CGROUP_NONE && r->pub.state == LAUNCHER_RUNNING &&
	    !launcher_nprocs(l, r)) {
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
		struct launcher_rec *r = l->slots[i];

		if (!r || r->pub.state != LAUNCHER_RUNNING || r->pidfd >= 0 ||
		    launcher_nprocs(l, r))
			continue;
		r->pub.state = LAUNCHER_STOPPED;
		log_info("instance %s: no process left: stopped", r->pub.id);
		launcher_emit(l, r, LAUNCHER_EV_STOPPED);
	}
}

static int launcher_watch(struct launcher *l, struct launcher_rec *r)
{
	int fd, err;

	fd = (int)syscall(SYS_pidfd_open, r->pub.pid, 0);
	if (fd < 0)
		return -errno;
	err = loop_fd_add(l->loop, fd, EPOLLIN, launcher_boot_exited, r);
	if (err) {
		close(fd);
		return err;
	}
	r->pidfd = fd;
	return 0;
}

/* Never returns. Runs between fork and exec, so only the plainest calls: the parent is one
 * thread, but its signal mask (the loop blocks signals for its signalfd) and ignored signals
 * would be inherited by the script.
 */
static void launcher_child(struct launcher *l, struct launcher_rec *r, int nsfd, int console,
			   const char *script, bool shebang)
{
	const struct launcher_instance *in = &r->pub;
	char e_id[64], e_ip[64], e_ip6[96], e_type[64], e_dir[PATH_MAX + 64];
	char e_home[PATH_MAX + 64], data[PATH_MAX + 32], ip6[INET6_ADDRSTRLEN];
	char *envp[9], *argv[3];
	sigset_t all;
	int i, n = 0, fd;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	setsid();
	if (setns(nsfd, CLONE_NEWNET)) {
		dprintf(console, "xlb: cannot enter namespace %s: %s\n", in->netns,
			strerror(errno));
		_exit(127);
	}
	i = cgroup_attach(&l->cg, in->id, 0);
	if (i)
		dprintf(console, "xlb: cannot join cgroup %s: %s\n", in->id, strerror(-i));
	snprintf(data, sizeof(data), "%s/%s", in->dir, LAUNCHER_DATA);
	if (chdir(data))
		dprintf(console, "xlb: chdir %s: %s\n", data, strerror(errno));
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(console, 1);
	dup2(console, 2);
	if (console > 2)
		close(console);
	syscall(SYS_close_range, 3, ~0u, 0);

	snprintf(e_id, sizeof(e_id), "XLB_INSTANCE_ID=%s", in->id);
	snprintf(e_ip, sizeof(e_ip), "XLB_INSTANCE_IP=%s", in->ip4_str);
	snprintf(e_type, sizeof(e_type), "XLB_INSTANCE_TYPE=%s", in->itype);
	snprintf(e_dir, sizeof(e_dir), "XLB_STATE_DIR=%s", data);
	snprintf(e_home, sizeof(e_home), "HOME=%s", data);
	envp[n++] = l->path_env;
	envp[n++] = e_home;
	envp[n++] = e_id;
	envp[n++] = e_ip;
	envp[n++] = e_type;
	envp[n++] = e_dir;
	if (in->has6) {
		inet_ntop(AF_INET6, &in->ip6, ip6, sizeof(ip6));
		snprintf(e_ip6, sizeof(e_ip6), "XLB_INSTANCE_IP6=%s", ip6);
		envp[n++] = e_ip6;
	}
	envp[n] = NULL;
	/* as cloud-init: a script with #! runs by its interpreter, anything else by bash */
	if (shebang) {
		argv[0] = (char *)script;
		argv[1] = NULL;
		execve(script, argv, envp);
	} else {
		argv[0] = "bash";
		argv[1] = (char *)script;
		argv[2] = NULL;
		execve("/bin/bash", argv, envp);
	}
	dprintf(2, "xlb: cannot run the boot script: %s\n", strerror(errno));
	_exit(127);
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
	step = "tx checksum offload off";
	err = netns_tx_csum_off(nsfd, LAUNCHER_INST_IF);
out:
	if (err)
		log_error("instance %s: %s: %s", in->id, step, strerror(-err));
	return err;
}

int launcher_launch(struct launcher *l, const char *group, const char *launch,
		    const struct model_instance_type *itype, const char *user_data,
		    size_t user_data_len, const struct launcher_instance **out)
{
	char path[PATH_MAX + 32], script[PATH_MAX + 32];
	struct launcher_instance *in;
	struct launcher_rec *r;
	unsigned int slot;
	int nsfd = -1, console = -1, err;
	bool shebang;
	pid_t pid;

	*out = NULL;
	for (slot = 0; slot < l->nslots && l->slots[slot]; slot++)
		;
	if (slot == l->nslots)
		return -ENOSPC;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->owner = l;
	r->pidfd = -1;
	loop_timer_init(&r->timer);
	in = &r->pub;
	in->boot_status = -1;
	in->slot = slot;
	in->launched = (int64_t)time(NULL);
	do {
		err = launcher_id_new(in->id);
		if (err)
			goto fail_free;
	} while (launcher_rec(l, in->id));
	snprintf(in->itype, sizeof(in->itype), "%s", itype->name);
	/* names from the file are checked there; a newline would break the state file */
	snprintf(in->group, sizeof(in->group), "%s", group ? group : "");
	snprintf(in->launch, sizeof(in->launch), "%s", launch ? launch : "");
	in->group[strcspn(in->group, "\n")] = '\0';
	in->launch[strcspn(in->launch, "\n")] = '\0';
	launcher_limits(itype, l->host_cpus, l->host_mem, &in->quota_us, &in->period_us,
			&in->mem_bytes);
	launcher_addrs(l, slot, in);
	snprintf(in->netns, sizeof(in->netns), "%s%s", l->ns_prefix, in->id);
	snprintf(in->host_if, sizeof(in->host_if), "%s%u", l->if_prefix, slot);
	err = launcher_dir_path(l, in->id, NULL, in->dir, sizeof(in->dir));
	if (err)
		goto fail_free;
	if (mkdir(in->dir, 0700)) {
		err = -errno;
		goto fail_free;
	}
	/* the record of what is about to be made comes first */
	err = launcher_save(r, "creating");
	if (err)
		goto fail;
	l->slots[slot] = r;

	snprintf(path, sizeof(path), "%s/%s", in->dir, LAUNCHER_DATA);
	if (mkdir(path, 0700)) {
		err = -errno;
		goto fail;
	}
	err = netns_create(in->netns);
	if (err) {
		log_error("instance %s: create namespace %s: %s", in->id, in->netns,
			  strerror(-err));
		goto fail;
	}
	nsfd = netns_open(in->netns);
	if (nsfd < 0) {
		err = nsfd;
		goto fail;
	}
	err = launcher_net(l, in, nsfd);
	if (err)
		goto fail;
	if (l->cg.mode != CGROUP_NONE) {
		err = cgroup_create(&l->cg, in->id, in->quota_us, in->period_us, in->mem_bytes);
		if (err) {
			log_error("instance %s: create cgroup: %s", in->id, strerror(-err));
			goto fail;
		}
	}
	snprintf(script, sizeof(script), "%s/%s", in->dir, LAUNCHER_SCRIPT);
	err = launcher_write_file(script, user_data ? user_data : "", user_data_len, 0700);
	if (err)
		goto fail;
	shebang = user_data_len >= 2 && user_data[0] == '#' && user_data[1] == '!';
	snprintf(path, sizeof(path), "%s/%s", in->dir, LAUNCHER_CONSOLE);
	console = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (console < 0) {
		err = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto fail;
	}
	if (pid == 0)
		launcher_child(l, r, nsfd, console, script, shebang);
	in->pid = pid;
	err = launcher_watch(l, r);
	if (err) {
		/* cannot watch it: do not leave it running unseen */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		in->pid = 0;
		goto fail;
	}
	err = launcher_save(r, "running");
	if (err)
		log_warn("instance %s: cannot record its state: %s", in->id, strerror(-err));
	close(console);
	close(nsfd);
	log_info("instance %s: launched (%s, %s via %s, namespace %s, %s, CPU %" PRIu64
		 "%%, memory %" PRIu64 " MiB, pid %d)",
		 in->id, in->itype, in->ip4_str, in->host_if, in->netns,
		 cgroup_mode_name(l->cg.mode), in->quota_us * 100 / in->period_us,
		 in->mem_bytes >> 20, (int)pid);
	*out = in;
	return 0;

fail:
	if (console >= 0)
		close(console);
	if (nsfd >= 0)
		close(nsfd);
	cgroup_kill(&l->cg, in->id, SIGKILL);
	if (launcher_teardown(l, r) == -EBUSY) {
		/* a process is still exiting: finish in the background, as a termination */
		launcher_start_termination(l, r, 0);
		return err;
	}
	if (l->slots[slot] == r)
		l->slots[slot] = NULL;
	free(r);
	return err;
fail_free:
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
	unsigned long slot;
	bool running;
	ssize_t n;
	int fd;

	if (launcher_rec(l, id))
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->owner = l;
	r->pidfd = -1;
	loop_timer_init(&r->timer);
	in = &r->pub;
	in->adopted = true;
	in->boot_status = -1;
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
	slot = launcher_kv(text, "slot", v, sizeof(v)) ? strtoul(v, NULL, 10) : ULONG_MAX;
	if (launcher_kv(text, "ip4", in->ip4_str, sizeof(in->ip4_str)))
		inet_pton(AF_INET, in->ip4_str, &in->ip4);
	if (launcher_kv(text, "ip6", v, sizeof(v)) && v[0])
		in->has6 = inet_pton(AF_INET6, v, &in->ip6) == 1;
	in->pid = (pid_t)launcher_kv_u64(text, "pid");
	in->launched = (int64_t)launcher_kv_u64(text, "launched");
	in->quota_us = launcher_kv_u64(text, "quota_us");
	in->period_us = launcher_kv_u64(text, "period_us");
	in->mem_bytes = launcher_kv_u64(text, "mem_bytes");

	/* a slot taken twice (or out of range) means the record cannot be trusted */
	running = !strcmp(phase, "running") && slot < l->nslots && !l->slots[slot] &&
		  netns_exists(in->netns);
	if (slot >= LAUNCHER_SLOTS_MAX || l->slots[slot]) {
		for (slot = 0; slot < LAUNCHER_SLOTS_MAX && l->slots[slot]; slot++)
			;
		if (slot == LAUNCHER_SLOTS_MAX) {
			free(r);
			return -ENOSPC;
		}
		in->host_if[0] = '\0'; /* not ours to delete: it may be another slot's */
	}
	in->slot = (unsigned int)slot;
	l->slots[slot] = r;

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
	size_t want = size ? size - 1 : 0;
	struct stat st;
	off_t from;
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
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	from = st.st_size > (off_t)want ? st.st_size - (off_t)want : 0;
	n = pread(fd, buf, want, from);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	buf[n] = '\0';
	*len = (size_t)n;
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
	launcher_path_env(l);
	if (!l->run_dir || !l->ns_prefix || !l->if_prefix || !l->cg_parent) {
		err = -ENOMEM;
		goto fail;
	}
	l->conf.run_dir = l->run_dir;
	l->conf.ns_prefix = l->ns_prefix;
	l->conf.if_prefix = l->if_prefix;
	l->conf.cgroup_parent = l->cg_parent;
	if (!l->conf.grace_ms)
		l->conf.grace_ms = 5000;
	if (!l->conf.poll_ms)
		l->conf.poll_ms = 1000;
	bits = conf->block4_len - conf->pool4_len;
	l->nslots = bits >= 8 ? LAUNCHER_SLOTS_MAX : 1u << bits;
	if (conf->has6 && 126 - conf->pool6_len < 8 && (1u << (126 - conf->pool6_len)) < l->nslots)
		l->nslots = 1u << (126 - conf->pool6_len);
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
	free(l->run_dir);
	free(l->ns_prefix);
	free(l->if_prefix);
	free(l->cg_parent);
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
		if (l->slots[i])
			launcher_rec_free(l, l->slots[i]);
	free(l->run_dir);
	free(l->ns_prefix);
	free(l->if_prefix);
	free(l->cg_parent);
	free(l);
}
