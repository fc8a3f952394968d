/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-instance cgroups with a CPU quota, a memory limit and a process limit, on whatever the
 * host offers: cgroup v2 when its unified hierarchy has the cpu and memory controllers, else the
 * v1 hierarchies of cpu, cpuacct, memory and pids that are mounted. A host may mix both (v1
 * controllers and a v2 hierarchy without them): the v2 hierarchy then still holds every group,
 * for its cgroup.kill. Groups live under one parent directory, `xlb` by default.
 */
#ifndef XLB_CGROUP_H
#define XLB_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <limits.h>

enum cgroup_mode {
	CGROUP_NONE = 0, /* no usable controller: instances run without limits */
	CGROUP_V1,
	CGROUP_V2,
};

/* What cgroup_detect found: the parent directory of the instance groups in each hierarchy used
 * ("" where that controller is missing).
 */
struct cgroup_sys {
	enum cgroup_mode mode;
	char v2[PATH_MAX];     /* v2: <mount>/<parent> */
	char cpu[PATH_MAX];    /* v1 cpu hierarchy: <mount>/<parent> */
	char acct[PATH_MAX];   /* v1 cpuacct; the same as cpu where they are co-mounted */
	char memory[PATH_MAX]; /* v1 memory */
	char pids[PATH_MAX];   /* v1 pids */
	bool v2_pids;	       /* v2: pids.max enforced */
	char kill[PATH_MAX];   /* a v2 parent with cgroup.kill, in either mode ("" if none) */
};

/* Finds the hierarchies in /proc/self/mountinfo, makes the parent (e.g. "xlb") in each and, on
 * v2, enables +cpu +memory for its children. Logs which it uses. CGROUP_NONE is not an error.
 */
int cgroup_detect(struct cgroup_sys *sys, const char *parent);
const char *cgroup_mode_name(enum cgroup_mode mode);

/* A group NAME under the parent with a CPU quota (quota_us per period_us; 0: no quota), a
 * memory limit (bytes; 0: none) and a process limit (pids_max; 0: none). -EEXIST when it exists.
 */
int cgroup_create(const struct cgroup_sys *sys, const char *name, uint64_t quota_us,
		  uint64_t period_us, uint64_t mem_bytes, uint64_t pids_max);
bool cgroup_exists(const struct cgroup_sys *sys, const char *name);
/* Moves pid (0: the caller) into every hierarchy of the group. */
int cgroup_attach(const struct cgroup_sys *sys, const char *name, pid_t pid);
/* The group's processes; *n may exceed max (then only max are stored). */
int cgroup_pids(const struct cgroup_sys *sys, const char *name, pid_t *pids, size_t max, size_t *n);
bool cgroup_has_pid(const struct cgroup_sys *sys, const char *name, pid_t pid);
/* Sends sig to every process of the group; returns how many were signalled, or -errno. SIGKILL
 * goes through cgroup.kill where there is one (the kernel's loop catches processes forked
 * meanwhile; returns 1); otherwise each process is signalled by a pidfd opened before its
 * membership is checked again, so that a pid reused meanwhile is never signalled.
 */
int cgroup_kill(const struct cgroup_sys *sys, const char *name, int sig);
/* Freezes (true) or thaws the group's processes: v2 cgroup.freeze, else SIGSTOP/SIGCONT to
 * each. -EOPNOTSUPP without any cgroup.
 */
int cgroup_freeze(const struct cgroup_sys *sys, const char *name, bool frozen);
/* CPU time the group used, in microseconds (v2 cpu.stat usage_usec, v1 cpuacct.usage). */
int cgroup_cpu_usage(const struct cgroup_sys *sys, const char *name, uint64_t *usec);
/* The group's pids.max read back; 0 when none or not enforced. */
uint64_t cgroup_pids_max(const struct cgroup_sys *sys, const char *name);
/* The configured limits read back (0 where none), for tests and status. */
int cgroup_limits(const struct cgroup_sys *sys, const char *name, uint64_t *quota_us,
		  uint64_t *period_us, uint64_t *mem_bytes);
/* SIGKILLs what is left, then removes the group; -EBUSY while processes are still exiting
 * (call again later), 0 when gone or never made.
 */
int cgroup_remove(const struct cgroup_sys *sys, const char *name);

/* Removes the parent directories when no group is left in them (xlbd's exit, tests): -EBUSY
 * otherwise.
 */
int cgroup_remove_parent(const struct cgroup_sys *sys);

#endif /* XLB_CGROUP_H */
