// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Instance cgroups on v2 or v1, whichever has the controllers. The choice is made once, from
 * /proc/self/mountinfo and the v2 root's cgroup.controllers; after that every call is plain
 * file writes under the chosen directories.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"

#define CGROUP_PIDS_MAX 4096

const char *cgroup_mode_name(enum cgroup_mode mode)
{
	switch (mode) {
	case CGROUP_V1:
		return "cgroup v1";
	case CGROUP_V2:
		return "cgroup v2";
	default:
		return "no cgroup";
	}
}

static bool cgroup_name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	return len && len < 128 && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static int cgroup_write(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX * 2];
	ssize_t len = (ssize_t)strlen(val);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, (size_t)len) != len)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

/* The whole (small) file into buf, NUL-terminated. */
static int cgroup_read(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX * 2];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

/* Whether word is one of the separated words of list (commas or spaces). */
static bool cgroup_has_word(const char *list, const char *word, const char *seps)
{
	size_t wlen = strlen(word);
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, seps);

		if (len == wlen && !strncmp(p, word, wlen))
			return true;
		p += len;
		p += strspn(p, seps);
	}
	return false;
}

static bool cgroup_file_exists(const char *dir, const char *file)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return !access(path, F_OK);
}

static int cgroup_mkparent(char *dst, const char *mount, const char *parent)
{
	if ((size_t)snprintf(dst, PATH_MAX, "%s/%s", mount, parent) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (mkdir(dst, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The v2 parent, when the unified hierarchy can give children cpu and memory. */
static int cgroup_try_v2(struct cgroup_sys *sys, const char *mount, const char *parent)
{
	const char *want;
	char ctl[512];
	int err;

	err = cgroup_read(mount, "cgroup.controllers", ctl, sizeof(ctl));
	if (err)
		return err;
	if (!cgroup_has_word(ctl, "cpu", " \n") || !cgroup_has_word(ctl, "memory", " \n")) {
		log_info("cgroup: the v2 hierarchy at %s lacks the cpu or memory controller "
			 "(has: %.*s)",
			 mount, (int)strcspn(ctl, "\n"), ctl);
		return -EOPNOTSUPP;
	}
	/* a child's controllers must be enabled in every ancestor's subtree_control */
	sys->v2_pids = cgroup_has_word(ctl, "pids", " \n");
	want = sys->v2_pids ? "+cpu +memory +pids" : "+cpu +memory";
	err = cgroup_write(mount, "cgroup.subtree_control", want);
	if (!err)
		err = cgroup_mkparent(sys->v2, mount, parent);
	if (!err)
		err = cgroup_write(sys->v2, "cgroup.subtree_control", want);
	if (err) {
		log_warn("cgroup: cannot enable cpu and memory under %s/%s: %s", mount, parent,
			 strerror(-err));
		sys->v2[0] = '\0';
	}
	return err;
}

int cgroup_detect(struct cgroup_sys *sys, const char *parent)
{
	char line[4096], v2mount[PATH_MAX] = "";
	char cpu[PATH_MAX] = "", acct[PATH_MAX] = "", mem[PATH_MAX] = "", pids[PATH_MAX] = "";
	FILE *f;
	int err = 0;

	memset(sys, 0, sizeof(*sys));
	if (!cgroup_name_ok(parent))
		return -EINVAL;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS */
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64], superopts[1024];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, superopts) != 2)
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			if (!v2mount[0])
				snprintf(v2mount, sizeof(v2mount), "%s", mnt);
		} else if (!strcmp(fstype, "cgroup")) {
			if (!cpu[0] && cgroup_has_word(superopts, "cpu", ","))
				snprintf(cpu, sizeof(cpu), "%s", mnt);
			if (!acct[0] && cgroup_has_word(superopts, "cpuacct", ","))
				snprintf(acct, sizeof(acct), "%s", mnt);
			if (!mem[0] && cgroup_has_word(superopts, "memory", ","))
				snprintf(mem, sizeof(mem), "%s", mnt);
			if (!pids[0] && cgroup_has_word(superopts, "pids", ","))
				snprintf(pids, sizeof(pids), "%s", mnt);
		}
	}
	fclose(f);

	if (v2mount[0] && !cgroup_try_v2(sys, v2mount, parent)) {
		sys->mode = CGROUP_V2;
		snprintf(sys->kill, sizeof(sys->kill), "%s", sys->v2);
		log_info("cgroup: using cgroup v2 at %s (cpu.max, memory.max, %s, cgroup.kill)",
			 sys->v2,
			 sys->v2_pids ? "pids.max" : "no pids controller: no process limit");
		return 0;
	}
	/* v1 controllers; a v2 hierarchy beside them still gives cgroup.kill */
	if (v2mount[0] && (cgroup_mkparent(sys->kill, v2mount, parent) || access(v2mount, W_OK) ||
			   !cgroup_file_exists(sys->kill, "cgroup.kill")))
		sys->kill[0] = '\0';
	if (pids[0] && cgroup_mkparent(sys->pids, pids, parent))
		sys->pids[0] = '\0';
	if (cpu[0] && (err = cgroup_mkparent(sys->cpu, cpu, parent)))
		sys->cpu[0] = '\0';
	if (acct[0] && (err = cgroup_mkparent(sys->acct, acct, parent)))
		sys->acct[0] = '\0';
	if (mem[0] && (err = cgroup_mkparent(sys->memory, mem, parent)))
		sys->memory[0] = '\0';
	if (sys->cpu[0] || sys->memory[0]) {
		sys->mode = CGROUP_V1;
		log_info("cgroup: using cgroup v1: cpu %s, cpuacct %s, memory %s, pids %s; "
			 "cgroup.kill %s",
			 sys->cpu[0] ? sys->cpu : "(none: no CPU quota)",
			 sys->acct[0] ? sys->acct : "(none: no CPU usage)",
			 sys->memory[0] ? sys->memory : "(none: no memory limit)",
			 sys->pids[0] ? sys->pids : "(none: no process limit)",
			 sys->kill[0] ? sys->kill : "(none: processes signalled one by one)");
		return 0;
	}
	sys->acct[0] = '\0';
	sys->pids[0] = '\0';
	if (sys->kill[0])
		rmdir(sys->kill);
	sys->kill[0] = '\0';
	log_warn("cgroup: no usable cpu or memory controller%s%s: instances run without limits",
		 err ? ": " : "", err ? strerror(-err) : "");
	return 0;
}

/* The group's directory in each hierarchy used; unused ones are "". */
struct cgroup_dirs {
	char d[5][PATH_MAX + 130];
	int n;
};

static int cgroup_dirs(const struct cgroup_sys *sys, const char *name, struct cgroup_dirs *dirs)
{
	const char *bases[5] = { NULL, NULL, NULL, NULL, NULL };
	int i, j;

	memset(dirs, 0, sizeof(*dirs));
	if (!cgroup_name_ok(name))
		return -EINVAL;
	if (sys->mode == CGROUP_V2) {
		bases[0] = sys->v2;
	} else if (sys->mode == CGROUP_V1) {
		bases[0] = sys->cpu;
		bases[1] = sys->memory;
		bases[2] = sys->acct;
		bases[3] = sys->pids;
		bases[4] = sys->kill;
	}
	for (i = 0; i < 5; i++) {
		bool dup = false;

		if (!bases[i] || !bases[i][0])
			continue;
		/* cpu and cpuacct co-mounted: one directory */
		for (j = 0; j < i; j++)
			dup |= bases[j] && !strcmp(bases[i], bases[j]);
		if (!dup)
			snprintf(dirs->d[dirs->n++], sizeof(dirs->d[0]), "%s/%s", bases[i], name);
	}
	return 0;
}

static void cgroup_dir(const char *base, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", base, name);
}

int cgroup_create(const struct cgroup_sys *sys, const char *name, uint64_t quota_us,
		  uint64_t period_us, uint64_t mem_bytes, uint64_t pids_max)
{
	char dir[PATH_MAX + 130], val[64];
	struct cgroup_dirs dirs;
	int i, err;

	err = cgroup_dirs(sys, name, &dirs);
	if (err)
		return err;
	for (i = 0; i < dirs.n; i++)
		if (mkdir(dirs.d[i], 0755)) {
			err = -errno;
			goto fail;
		}
	if (sys->mode == CGROUP_V2) {
		cgroup_dir(sys->v2, name, dir, sizeof(dir));
		if (quota_us) {
			snprintf(val, sizeof(val), "%" PRIu64 " %" PRIu64, quota_us, period_us);
			err = cgroup_write(dir, "cpu.max", val);
		}
		if (!err && mem_bytes) {
			snprintf(val, sizeof(val), "%" PRIu64, mem_bytes);
			err = cgroup_write(dir, "memory.max", val);
		}
		if (!err && pids_max && sys->v2_pids) {
			snprintf(val, sizeof(val), "%" PRIu64, pids_max);
			err = cgroup_write(dir, "pids.max", val);
		}
	} else if (sys->mode == CGROUP_V1) {
		if (sys->cpu[0] && quota_us) {
			cgroup_dir(sys->cpu, name, dir, sizeof(dir));
			snprintf(val, sizeof(val), "%" PRIu64, period_us);
			err = cgroup_write(dir, "cpu.cfs_period_us", val);
			snprintf(val, sizeof(val), "%" PRIu64, quota_us);
			if (!err)
				err = cgroup_write(dir, "cpu.cfs_quota_us", val);
		}
		if (!err && sys->memory[0] && mem_bytes) {
			cgroup_dir(sys->memory, name, dir, sizeof(dir));
			snprintf(val, sizeof(val), "%" PRIu64, mem_bytes);
			err = cgroup_write(dir, "memory.limit_in_bytes", val);
		}
		if (!err && sys->pids[0] && pids_max) {
			cgroup_dir(sys->pids, name, dir, sizeof(dir));
			snprintf(val, sizeof(val), "%" PRIu64, pids_max);
			err = cgroup_write(dir, "pids.max", val);
		}
	}
	if (!err)
		return 0;
	i = dirs.n;
fail:
	/* the directories made so far; EEXIST on the first means it was not ours */
	while (i-- > 0)
		rmdir(dirs.d[i]);
	return err;
}

bool cgroup_exists(const struct cgroup_sys *sys, const char *name)
{
	struct cgroup_dirs dirs;
	int i;

	if (cgroup_dirs(sys, name, &dirs))
		return false;
	for (i = 0; i < dirs.n; i++)
		if (!access(dirs.d[i], F_OK))
			return true;
	return false;
}

int cgroup_attach(const struct cgroup_sys *sys, const char *name, pid_t pid)
{
	struct cgroup_dirs dirs;
	char val[32];
	int i, err;

	err = cgroup_dirs(sys, name, &dirs);
	if (err)
		return err;
	snprintf(val, sizeof(val), "%d", pid ? (int)pid : (int)getpid());
	for (i = 0; i < dirs.n && !err; i++)
		err = cgroup_write(dirs.d[i], "cgroup.procs", val);
	return err;
}

int cgroup_pids(const struct cgroup_sys *sys, const char *name, pid_t *pids, size_t max, size_t *n)
{
	struct cgroup_dirs dirs;
	char path[PATH_MAX * 2];
	FILE *f;
	int err, pid;

	*n = 0;
	err = cgroup_dirs(sys, name, &dirs);
	if (err)
		return err;
	if (!dirs.n)
		return 0;
	/* every hierarchy holds the same processes: the first one says which */
	snprintf(path, sizeof(path), "%s/cgroup.procs", dirs.d[0]);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fscanf(f, "%d", &pid) == 1) {
		if (*n < max)
			pids[*n] = pid;
		(*n)++;
	}
	fclose(f);
	return 0;
}

bool cgroup_has_pid(const struct cgroup_sys *sys, const char *name, pid_t pid)
{
	pid_t pids[CGROUP_PIDS_MAX];
	size_t n, i;

	if (cgroup_pids(sys, name, pids, CGROUP_PIDS_MAX, &n))
		return false;
	for (i = 0; i < n && i < CGROUP_PIDS_MAX; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

int cgroup_kill(const struct cgroup_sys *sys, const char *name, int sig)
{
	pid_t pids[CGROUP_PIDS_MAX];
	char dir[PATH_MAX + 130];
	size_t n, i;
	int err, count = 0;

	if (!cgroup_name_ok(name))
		return -EINVAL;
	if (sig == SIGKILL && sys->kill[0]) {
		cgroup_dir(sys->kill, name, dir, sizeof(dir));
		err = cgroup_write(dir, "cgroup.kill", "1");
		if (!err || err != -ENOENT)
			return err ? err : 1;
	}
	err = cgroup_pids(sys, name, pids, CGROUP_PIDS_MAX, &n);
	if (err)
		return err;
	for (i = 0; i < n && i < CGROUP_PIDS_MAX; i++) {
		int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);

		if (fd < 0)
			continue;
		/* the pidfd holds whatever process has the pid now: signal it only if that
		 * one is (still) in the group
		 */
		if (cgroup_has_pid(sys, name, pids[i]) &&
		    !syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0))
			count++;
		close(fd);
	}
	return count;
}

/* v2's cgroup.freeze where the host has a v2 group for the instance (the kernel stops every
 * task and keeps them stopped, new ones too); else SIGSTOP or SIGCONT to each process, which an
 * instance cannot undo from inside: its init ignores signals from its own namespace, and a
 * stopped process runs nothing.
 */
int cgroup_freeze(const struct cgroup_sys *sys, const char *name, bool frozen)
{
	char dir[PATH_MAX + 130];
	int err;

	if (!cgroup_name_ok(name))
		return -EINVAL;
	if (sys->kill[0]) {
		cgroup_dir(sys->kill, name, dir, sizeof(dir));
		err = cgroup_write(dir, "cgroup.freeze", frozen ? "1" : "0");
		if (err != -ENOENT)
			return err;
	}
	if (sys->mode == CGROUP_NONE)
		return -EOPNOTSUPP;
	err = cgroup_kill(sys, name, frozen ? SIGSTOP : SIGCONT);
	return err < 0 ? err : 0;
}

static int cgroup_u64(const char *dir, const char *file, const char *key, uint64_t *val)
{
	char buf[4096], *p = buf;
	int err;

	err = cgroup_read(dir, file, buf, sizeof(buf));
	if (err)
		return err;
	if (key) {
		p = strstr(buf, key);
		if (!p)
			return -ENOENT;
		p += strlen(key);
	}
	if (!strncmp(p, "max", 3)) {
		*val = 0;
		return 0;
	}
	*val = strtoull(p, NULL, 10);
	return 0;
}

uint64_t cgroup_pids_max(const struct cgroup_sys *sys, const char *name)
{
	char dir[PATH_MAX + 130];
	uint64_t v = 0;

	if (!cgroup_name_ok(name))
		return 0;
	if (sys->mode == CGROUP_V2 && sys->v2_pids)
		cgroup_dir(sys->v2, name, dir, sizeof(dir));
	else if (sys->mode == CGROUP_V1 && sys->pids[0])
		cgroup_dir(sys->pids, name, dir, sizeof(dir));
	else
		return 0;
	if (cgroup_u64(dir, "pids.max", NULL, &v))
		return 0;
	return v;
}

int cgroup_cpu_usage(const struct cgroup_sys *sys, const char *name, uint64_t *usec)
{
	char dir[PATH_MAX + 130];
	uint64_t ns;
	int err;

	*usec = 0;
	if (!cgroup_name_ok(name))
		return -EINVAL;
	if (sys->mode == CGROUP_V2) {
		cgroup_dir(sys->v2, name, dir, sizeof(dir));
		return cgroup_u64(dir, "cpu.stat", "usage_usec ", usec);
	}
	if (sys->mode != CGROUP_V1 || !sys->acct[0])
		return -EOPNOTSUPP;
	cgroup_dir(sys->acct, name, dir, sizeof(dir));
	err = cgroup_u64(dir, "cpuacct.usage", NULL, &ns);
	if (!err)
		*usec = ns / 1000;
	return err;
}

int cgroup_limits(const struct cgroup_sys *sys, const char *name, uint64_t *quota_us,
		  uint64_t *period_us, uint64_t *mem_bytes)
{
	char dir[PATH_MAX + 130], buf[128];
	unsigned long long q, p;
	int err = 0;

	*quota_us = *period_us = *mem_bytes = 0;
	if (!cgroup_name_ok(name))
		return -EINVAL;
	if (sys->mode == CGROUP_V2) {
		cgroup_dir(sys->v2, name, dir, sizeof(dir));
		err = cgroup_read(dir, "cpu.max", buf, sizeof(buf));
		if (!err && sscanf(buf, "%llu %llu", &q, &p) == 2) {
			*quota_us = q;
			*period_us = p;
		}
		if (!err)
			err = cgroup_u64(dir, "memory.max", NULL, mem_bytes);
	} else if (sys->mode == CGROUP_V1) {
		if (sys->cpu[0]) {
			int64_t quota = 0;

			cgroup_dir(sys->cpu, name, dir, sizeof(dir));
			err = cgroup_read(dir, "cpu.cfs_quota_us", buf, sizeof(buf));
			if (!err)
				quota = strtoll(buf, NULL, 10); /* -1: none */
			*quota_us = quota > 0 ? (uint64_t)quota : 0;
			if (!err)
				err = cgroup_u64(dir, "cpu.cfs_period_us", NULL, period_us);
		}
		if (!err && sys->memory[0]) {
			cgroup_dir(sys->memory, name, dir, sizeof(dir));
			err = cgroup_u64(dir, "memory.limit_in_bytes", NULL, mem_bytes);
		}
	}
	return err;
}

int cgroup_remove(const struct cgroup_sys *sys, const char *name)
{
	struct cgroup_dirs dirs;
	int i, err, ret = 0;

	err = cgroup_dirs(sys, name, &dirs);
	if (err)
		return err;
	/* cgroup.kill where there is one: the kernel's own loop, which also catches processes
	 * forked meanwhile
	 */
	cgroup_kill(sys, name, SIGKILL);
	for (i = 0; i < dirs.n; i++) {
		if (!rmdir(dirs.d[i]) || errno == ENOENT)
			continue;
		err = -errno;
		if (!ret)
			ret = err;
	}
	return ret;
}

int cgroup_remove_parent(const struct cgroup_sys *sys)
{
	const char *dirs[6] = { sys->v2, sys->cpu, sys->acct, sys->memory, sys->pids, sys->kill };
	int i, ret = 0;

	for (i = 0; i < 6; i++)
		if (dirs[i][0] && rmdir(dirs[i]) && errno != ENOENT && !ret)
			ret = -errno;
	return ret;
}
