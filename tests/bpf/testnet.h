/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the datapath's tests (test_datapath, test_fuzz_datapath, test_nexthop) set up alike: a
 * network namespace of the process's own, gone with it (nothing to undo), holding two veth
 * pairs, A (198.18.0.1/24, 2001:2::1/64) and B (198.18.9.1/24, 2001:2:9::1/64) with the MACs
 * the test gives, to which each test adds its own neighbours and routes; the datapath opened
 * in it with its programs and tx ports; a frame run through a program by BPF_PROG_TEST_RUN.
 */
#ifndef XLB_TESTNET_H
#define XLB_TESTNET_H

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "dataplane.h"
#include "pkt.h"

struct testnet {
	char name_a[IF_NAMESIZE], name_b[IF_NAMESIZE];
	int if_a, if_b;
};

/* A shell command, formatted; 0 when it exits 0, else -1 with the command on stderr. */
__attribute__((format(printf, 1, 2))) static inline int testnet_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "setup: '%s' failed (%d)\n", cmd, rc);
	return rc ? -1 : 0;
}

static inline int testnet_sysctl_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/* buf holds 18 bytes */
static inline const char *testnet_mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* Moves the process into a new network namespace and builds A and B there, named
 * PREFIX<pid>a and PREFIX<pid>b (each with a peer ending in p), up, with their addresses.
 * forwarding: IPv4 and IPv6 forwarding on (bpf_fib_lookup answers FWD_DISABLED without).
 */
static inline int testnet_enter(struct testnet *n, const char *prefix, const uint8_t *mac_a,
				const uint8_t *mac_b, bool forwarding)
{
	unsigned int id = (unsigned int)getpid() % 100000;
	const char *a = n->name_a, *b = n->name_b;
	char m[18];

	snprintf(n->name_a, sizeof(n->name_a), "%s%ua", prefix, id);
	snprintf(n->name_b, sizeof(n->name_b), "%s%ub", prefix, id);
	if (unshare(CLONE_NEWNET))
		return -errno;
	/* IPv6 may be off by default for new namespaces on some hosts */
	testnet_sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "0");
	testnet_sysctl_write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "0");
	if (testnet_sh("ip link set lo up") ||
	    testnet_sh("ip link add %s address %s type veth peer name %sp", a,
		       testnet_mac_str(mac_a, m), a) ||
	    testnet_sh("ip link add %s address %s type veth peer name %sp", b,
		       testnet_mac_str(mac_b, m), b) ||
	    testnet_sh("ip link set %s up && ip link set %sp up", a, a) ||
	    testnet_sh("ip link set %s up && ip link set %sp up", b, b) ||
	    testnet_sh("ip addr add 198.18.0.1/24 dev %s", a) ||
	    testnet_sh("ip -6 addr add 2001:2::1/64 dev %s nodad", a) ||
	    testnet_sh("ip addr add 198.18.9.1/24 dev %s", b) ||
	    testnet_sh("ip -6 addr add 2001:2:9::1/64 dev %s nodad", b))
		return -EIO;
	if (forwarding && (testnet_sysctl_write("/proc/sys/net/ipv4/ip_forward", "1") ||
			   testnet_sysctl_write("/proc/sys/net/ipv6/conf/all/forwarding", "1")))
		return -EIO;
	n->if_a = (int)if_nametoindex(a);
	n->if_b = (int)if_nametoindex(b);
	return n->if_a && n->if_b ? 0 : -ENODEV;
}

/* The datapath with its VIP and nat programs; with n, A and B as its tx ports. */
static inline int testnet_dp_open(struct dataplane **dp, const struct dataplane_opts *o,
				  const struct testnet *n, int *prog_rx, int *prog_nat)
{
	int err = dataplane_open(dp, o, NULL);

	if (err) {
		*dp = NULL;
		return err;
	}
	*prog_rx = dataplane_prog_fd(*dp, DATAPLANE_ROLE_VIP);
	*prog_nat = dataplane_prog_fd(*dp, DATAPLANE_ROLE_NAT);
	if (n) {
		err = dataplane_tx_port_add(*dp, n->if_a);
		if (!err)
			err = dataplane_tx_port_add(*dp, n->if_b);
	}
	if (err) {
		dataplane_close(*dp);
		*dp = NULL;
	}
	return err;
}

/* One frame through an XDP program as if received on ifindex: its verdict, or -errno. */
static inline int testnet_xdp_run(int prog, int ifindex, const struct pkt *in, struct pkt *out)
{
	struct xdp_md ctx = { .data_end = in->len, .ingress_ifindex = (__u32)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(prog, &o);
	if (err)
		return err < 0 ? err : -errno;
	out->len = o.data_size_out;
	return (int)o.retval;
}

#endif /* XLB_TESTNET_H */
