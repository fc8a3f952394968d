/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Network namespaces the iproute2 way (a bind mount under /run/netns, so `ip netns` sees them)
 * and the links, addresses and routes inside them, made through libnl-route. Every function
 * that takes an nsfd works in that namespace (-1: the caller's) and returns to the caller's
 * namespace before it returns. Errors are -errno; libnl's own codes never leave this file.
 */
#ifndef XLB_NETNS_H
#define XLB_NETNS_H

#include <stdbool.h>

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_NAME_MAX 64
#define NETNS_MAC_LEN 6

/* libnl's error code (NLE_*, either sign; 0 stays 0) as -errno, for the modules that speak
 * netlink through libnl: no libnl code leaves them.
 */
int netns_nl_errno(int nlerr);

/* A new, empty namespace bound at /run/netns/NAME. -EEXIST when the name is taken. */
int netns_create(const char *name);
/* Unmounts and unlinks /run/netns/NAME; the kernel frees the namespace when its last user
 * (process, open fd, mount) is gone. -ENOENT when there is no such name.
 */
int netns_delete(const char *name);
bool netns_exists(const char *name);
/* An O_CLOEXEC fd of the namespace, for the nsfd arguments and setns(); -errno. */
int netns_open(const char *name);

/* Enters nsfd (-1: stays) and puts a handle on the namespace left into *saved (-1 when none);
 * netns_leave goes back and closes it. For sockets that must live in another namespace: a
 * socket stays in the namespace it was created in.
 */
int netns_enter(int nsfd, int *saved);
int netns_leave(int saved);

/* A veth pair: host_if stays in lb_nsfd, inst_if is made directly inside inst_nsfd (both -1:
 * the caller's namespace). Both ends are left down. -EEXIST when host_if exists.
 */
int netns_veth_create(int lb_nsfd, const char *host_if, int inst_nsfd, const char *inst_if);
/* Deletes a link (a veth's peer goes with it). -ENODEV when there is no such link. */
int netns_link_delete(int nsfd, const char *ifname);
int netns_link_up(int nsfd, const char *ifname);
/* > 0, or -ENODEV. */
int netns_ifindex(int nsfd, const char *ifname);
/* The link's MAC address into mac (NETNS_MAC_LEN bytes); -ENODATA when it has none. */
int netns_link_mac(int nsfd, const char *ifname, unsigned char *mac);
/* addr is a struct in_addr (AF_INET) or struct in6_addr (AF_INET6), network order. IPv6
 * addresses are added without duplicate address detection, so they are usable at once.
 */
int netns_addr_add(int nsfd, const char *ifname, int family, const void *addr, int prefixlen);
/* A permanent neighbour entry (created or replaced): addr, as for netns_addr_add, is at mac
 * (NETNS_MAC_LEN bytes) on ifname.
 */
int netns_neigh_add(int nsfd, const char *ifname, int family, const void *addr,
		    const unsigned char *mac);
/* The default route of family via gw on ifname, in the main table. */
int netns_route_add_default(int nsfd, const char *ifname, int family, const void *gw);
/* `ethtool -K IF tx off`: a host that sends TCP over veth leaves CHECKSUM_PARTIAL, which an
 * XDP-redirected frame loses, so the receiver drops the segment (LAB-NOTES, Checksums).
 */
int netns_tx_csum_off(int nsfd, const char *ifname);
/* 1 when TX checksum offload is on, 0 when off, or -errno. */
int netns_tx_csum_get(int nsfd, const char *ifname);

#endif /* XLB_NETNS_H */
