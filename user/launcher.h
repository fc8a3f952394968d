/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Instances: a network namespace joined to the load balancer by a veth pair, an address block
 * from a pool, a cgroup sized from the InstanceType, and UserData run as the boot script. All
 * calls return at once; exits, stops and the end of terminations come back as events on the
 * caller's loop. What a previous xlbd left behind is adopted (or cleaned) by launcher_scan.
 */
#ifndef XLB_LAUNCHER_H
#define XLB_LAUNCHER_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <limits.h>

#include "cgroup.h"
#include "loop.h"
#include "model.h"
#include "netns.h"

#define LAUNCHER_ID_LEN 20	   /* "i-" + 17 hex digits + NUL, as EC2's */
#define LAUNCHER_SLOTS_MAX 256	   /* address blocks, hence instances, at once */
#define LAUNCHER_INST_IF "eth0"	   /* the instance's end of its veth, inside its namespace */
#define LAUNCHER_CONSOLE_MAX 65536 /* what get-console-output returns at most, as EC2 */
#define LAUNCHER_HOST_VCPUS 16	   /* the host plays a machine of this many vCPUs */
#define LAUNCHER_ENV_MAX 64	   /* launcher_launch_env's extra variables, at most */

struct launcher_conf {
	const char *run_dir;   /* per-instance directories RUN_DIR/ID; made if missing */
	const char *ns_prefix; /* namespace = ns_prefix + id, e.g. "xlb-" */
	const char *if_prefix; /* host end of the veth = if_prefix + block number, at most 11 chars */
	const char *cgroup_parent; /* "xlb" when NULL */
	int lb_nsfd;		   /* the load balancer's namespace; -1: the caller's */
	struct in_addr pool4;	   /* IPv4 pool, cut into blocks of block4_len */
	uint8_t pool4_len;
	uint8_t block4_len; /* 30: .1 load balancer, .2 instance; 31: .0 and .1 */
	bool has6;	    /* optional IPv6: a /126 per instance, ::1 lb, ::2 instance */
	struct in6_addr pool6;
	uint8_t pool6_len;
	uint32_t grace_ms;    /* SIGTERM to SIGKILL when terminating; 0: 5000 */
	uint32_t poll_ms;     /* how often running instances are checked for processes; 0: 1000 */
	const char *hide_dir; /* a directory of the host hidden from instances (xlbd's run dir) */
	/* TX checksum offload off on the instance's end: what xlb in XDP on the host's end
	 * needs (an XDP redirect loses CHECKSUM_PARTIAL); at tc the instance keeps its defaults
	 */
	bool tx_csum_off;
};

enum launcher_state {
	LAUNCHER_RUNNING = 0, /* processes in its cgroup (or its boot script still running) */
	LAUNCHER_STOPPED,     /* no process left: EC2 would call it stopped */
	LAUNCHER_TERMINATING, /* processes being stopped, then everything removed */
};

struct launcher_instance {
	char id[LAUNCHER_ID_LEN];
	enum launcher_state state;
	unsigned int block; /* its address block: addresses and host_if derive from it */
	char netns[NETNS_NAME_MAX];
	char host_if[IFNAMSIZ]; /* in the load balancer's namespace */
	struct in_addr ip4, gw4;
	bool has6;
	struct in6_addr ip6, gw6;
	char ip4_str[INET_ADDRSTRLEN];
	char itype[32];
	char group[128];  /* the auto-scaling group that launched it ("" if none) */
	char launch[128]; /* its launch configuration or template (name, or name:version) */
	uint64_t quota_us, period_us, mem_bytes; /* what its cgroup was given */
	uint64_t pids_max;
	pid_t pid;	  /* the boot script; 0 once reaped or when unknown */
	int boot_status;  /* its wait status once it exited, -1 unknown (adopted, running) */
	bool adopted;	  /* found by launcher_scan, not launched by this process */
	int64_t launched; /* wall clock, seconds since the epoch */
	char dir[PATH_MAX];
};

enum launcher_event {
	LAUNCHER_EV_BOOT_EXITED, /* the boot script ended (boot_status); the instance may run on */
	LAUNCHER_EV_STOPPED,	 /* its last process is gone */
	LAUNCHER_EV_TERMINATED,	 /* everything removed; inst is freed when the callback returns */
};

struct launcher;
typedef void (*launcher_cb)(struct launcher *l, const struct launcher_instance *inst,
			    enum launcher_event ev, void *arg);

/* Validates conf (copied), finds the cgroup hierarchies, makes run_dir. */
int launcher_new(struct loop *loop, const struct launcher_conf *conf, launcher_cb cb, void *arg,
		 struct launcher **out);
/* Forgets the instances without touching them: a next xlbd adopts them with launcher_scan. */
void launcher_free(struct launcher *l);

/* Creates an instance for group (may be NULL) from launch (its configuration's name, may be
 * NULL) and starts its boot script (user_data, may be empty: the instance then stops at once).
 * group and launch are recorded, so that a next xlbd knows whose it is. The returned record lives until its TERMINATED event. -ENOSPC when the pool
 * is used up. The netlink and cgroup work is synchronous (milliseconds); the script is not
 * waited for. A failed launch whose half-made processes are still exiting is finished as a
 * termination in the background: its TERMINATED event names an id never returned.
 */
int launcher_launch(struct launcher *l, const char *group, const char *launch,
		    const struct model_instance_type *itype, const char *image,
		    const char *user_data, size_t user_data_len,
		    const struct launcher_instance **out);
/* launcher_launch with more NAME=value strings (NULL-ended, at most LAUNCHER_ENV_MAX) in the
 * boot script's environment, beside XLB_INSTANCE_ID and the others.
 */
int launcher_launch_env(struct launcher *l, const char *group, const char *launch,
			const struct model_instance_type *itype, const char *image,
			const char *user_data, size_t user_data_len, const char *const *env,
			const struct launcher_instance **out);
/* Starts terminating: SIGTERM to its processes, SIGKILL after grace_ms, then removal of the
 * namespace, links, cgroup and files; TERMINATED comes when done. -ENOENT for an unknown id.
 */
int launcher_terminate(struct launcher *l, const char *id);

/* Adopts the instances of run_dir that a previous run left running, and terminates the ones
 * it left half-made or half-terminated. Returns how many were adopted, or -errno.
 */
int launcher_scan(struct launcher *l);

const struct launcher_instance *launcher_find(const struct launcher *l, const char *id);
/* Up to max records into out; returns how many there are. */
size_t launcher_list(const struct launcher *l, const struct launcher_instance **out, size_t max);

/* CPU time the instance used, microseconds, for the scaling metrics. */
int launcher_cpu_usage(const struct launcher *l, const char *id, uint64_t *usec);
/* The last LAUNCHER_CONSOLE_MAX bytes (at most size - 1) of the boot script's output,
 * NUL-terminated; *len without the NUL.
 */
int launcher_console(const struct launcher *l, const char *id, char *buf, size_t size, size_t *len);
const struct cgroup_sys *launcher_cgroup(const struct launcher *l);

/* The instance's XLB_STATE_DIR (/var/lib/xlb), from the host: a file written whole (renamed
 * into place), removed, or read (at most size - 1 bytes, NUL-terminated) and removed. Only
 * regular files, never through a symlink. -ESRCH when the instance has no running init (adopted
 * or ending), -ENOENT when there is no such file. launcher_state_take removes what it finds
 * there and refuses (never opening it) anything else: -EINVAL for what is not a regular file
 * (a symlink, a FIFO, a directory), -EFBIG for a file of size bytes or more.
 */
int launcher_state_write(const struct launcher *l, const char *id, const char *name,
			 const char *data, size_t len);
int launcher_state_remove(const struct launcher *l, const char *id, const char *name);
int launcher_state_take(const struct launcher *l, const char *id, const char *name, char *buf,
			size_t size, size_t *len);
/* Freezes (or thaws) every process of the instance: a warm pool's Stopped state. */
int launcher_freeze(const struct launcher *l, const char *id, bool frozen);

/* The cgroup limits of an instance type on a host with host_cpus CPUs and host_mem bytes of
 * memory (the table is in launcher.c). Pure, for tests and `xlbd --check`.
 */
void launcher_limits(const struct model_instance_type *itype, unsigned int host_cpus,
		     uint64_t host_mem, uint64_t *quota_us, uint64_t *period_us,
		     uint64_t *mem_bytes);
/* pids.max of an instance type: 256 per vCPU, at most 4096 (enforced where the host has a
 * pids controller).
 */
uint64_t launcher_pids_max(const struct model_instance_type *itype);
/* A fresh EC2-shaped id: "i-" and 17 random lowercase hex digits. */
int launcher_id_new(char id[LAUNCHER_ID_LEN]);

#endif /* XLB_LAUNCHER_H */
