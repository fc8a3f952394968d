// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Network namespaces, veth pairs, addresses and routes for instances. A namespace is made as
 * `ip netns add` makes it (unshare, then a bind mount of the new namespace's file); netlink
 * sockets are opened inside the target namespace (a socket stays in the namespace it was made
 * in), so the calling thread returns to its own namespace at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "log.h"
#include "netns.h"

#define NETNS_SELF "/proc/thread-self/ns/net"

int netns_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	default:
		return -EIO;
	}
}

/* Link lookups by name answer "not found" in two ways depending on the kernel's errno. */
static int netns_nlerr_link(int nlerr)
{
	int err = netns_nl_errno(nlerr);

	return err == -ENOENT ? -ENODEV : err;
}

static int netns_path(const char *name, char *buf, size_t size)
{
	size_t len = name ? strlen(name) : 0;

	if (!len || len >= NETNS_NAME_MAX || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	if ((size_t)snprintf(buf, size, "%s/%s", NETNS_RUN_DIR, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* As iproute2 does: /run/netns a shared mount point, so that a namespace bound into it is seen
 * by every mount namespace that shares /run/netns (and the bind mount does not pin it in ours).
 */
static int netns_prepare_dir(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (!mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* not a mount point yet: make it one, then shared */
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL))
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL))
		return -errno;
	return 0;
}

int netns_enter(int nsfd, int *saved)
{
	int fd;

	*saved = -1;
	if (nsfd < 0)
		return 0;
	fd = open(NETNS_SELF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*saved = fd;
	return 0;
}

int netns_leave(int saved)
{
	int err = 0;

	if (saved < 0)
		return 0;
	if (setns(saved, CLONE_NEWNET)) {
		/* the thread is now in the wrong namespace: nothing after this can be trusted */
		err = -errno;
		log_error("netns: cannot return to the original network namespace: %s",
			  strerror(-err));
	}
	close(saved);
	return err;
}

int netns_create(const char *name)
{
	char path[PATH_MAX];
	int fd, saved = -1, err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	err = netns_prepare_dir();
	if (err) {
		log_error("netns %s: cannot prepare %s: %s", name, NETNS_RUN_DIR, strerror(-err));
		return err;
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);

	saved = open(NETNS_SELF, O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = -errno;
		goto out_unlink;
	}
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		goto out_unlink;
	}
	if (mount(NETNS_SELF, path, "none", MS_BIND, NULL))
		err = -errno;
	if (netns_leave(saved) && !err)
		err = -EIO;
	saved = -1;
	if (!err)
		return 0;
out_unlink:
	if (saved >= 0)
		close(saved);
	umount2(path, MNT_DETACH);
	unlink(path);
	return err;
}

int netns_delete(const char *name)
{
	char path[PATH_MAX];
	int err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	if (access(path, F_OK))
		return -errno;
	/* EINVAL: not mounted (a half-made one); the file still goes */
	if (umount2(path, MNT_DETACH) && errno != EINVAL)
		err = -errno;
	if (unlink(path) && !err)
		err = -errno;
	return err;
}

bool netns_exists(const char *name)
{
	char path[PATH_MAX];

	return !netns_path(name, path, sizeof(path)) && !access(path, F_OK);
}

int netns_open(const char *name)
{
	char path[PATH_MAX];
	int err, fd;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

/* A NETLINK_ROUTE socket living in nsfd. */
static int netns_sock(int nsfd, struct nl_sock **out)
{
	struct nl_sock *sk;
	int saved, err, lerr;

	*out = NULL;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = netns_enter(nsfd, &saved);
	if (err)
		goto out;
	err = netns_nl_errno(nl_connect(sk, NETLINK_ROUTE));
	lerr = netns_leave(saved);
	if (!err)
		err = lerr;
out:
	if (err) {
		nl_socket_free(sk);
		return err;
	}
	*out = sk;
	return 0;
}

int netns_veth_create(int lb_nsfd, const char *host_if, int inst_nsfd, const char *inst_if)
{
	struct rtnl_link *link = NULL, *peer = NULL;
	struct nl_sock *sk = NULL;
	int err;

	if (strlen(host_if) >= IFNAMSIZ || strlen(inst_if) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	err = netns_sock(lb_nsfd, &sk);
	if (err)
		return err;
	link = rtnl_link_veth_alloc();
	if (!link) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, host_if);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, inst_if);
	/* made in place rather than moved: its name never appears in the load balancer's
	 * namespace, so it cannot clash with a link there
	 */
	if (inst_nsfd >= 0)
		rtnl_link_set_ns_fd(peer, inst_nsfd);
	err = netns_nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (peer)
		rtnl_link_put(peer);
	if (link)
		rtnl_link_veth_release(link);
	nl_socket_free(sk);
	return err;
}

/* Runs op on the link ifname in nsfd's namespace, through a netlink socket there. Returns
 * what op returns, or a negative errno when the socket or the link is not to be had.
 */
static int netns_link_with(int nsfd, const char *ifname,
			   int (*op)(struct nl_sock *sk, struct rtnl_link *link, void *arg),
			   void *arg)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	int err;

	err = netns_sock(nsfd, &sk);
	if (err)
		return err;
	err = netns_nlerr_link(rtnl_link_get_kernel(sk, 0, ifname, &link));
	if (!err)
		err = op(sk, link, arg);
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}

static int netns_link_op_delete(struct nl_sock *sk, struct rtnl_link *link, void *arg)
{
	(void)arg;
	return netns_nlerr_link(rtnl_link_delete(sk, link));
}

int netns_link_delete(int nsfd, const char *ifname)
{
	return netns_link_with(nsfd, ifname, netns_link_op_delete, NULL);
}

static int netns_link_op_up(struct nl_sock *sk, struct rtnl_link *link, void *arg)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int err;

	(void)arg;
	if (!change)
		return -ENOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	err = netns_nlerr_link(rtnl_link_change(sk, link, change, 0));
	rtnl_link_put(change);
	return err;
}

int netns_link_up(int nsfd, const char *ifname)
{
	return netns_link_with(nsfd, ifname, netns_link_op_up, NULL);
}

static int netns_link_op_ifindex(struct nl_sock *sk, struct rtnl_link *link, void *arg)
{
	(void)sk;
	(void)arg;
	return rtnl_link_get_ifindex(link);
}

int netns_ifindex(int nsfd, const char *ifname)
{
	return netns_link_with(nsfd, ifname, netns_link_op_ifindex, NULL);
}

static int netns_link_op_mac(struct nl_sock *sk, struct rtnl_link *link, void *mac)
{
	struct nl_addr *lladdr = rtnl_link_get_addr(link);

	(void)sk;
	if (!lladdr || nl_addr_get_len(lladdr) != NETNS_MAC_LEN)
		return -ENODATA;
	memcpy(mac, nl_addr_get_binary_addr(lladdr), NETNS_MAC_LEN);
	return 0;
}

int netns_link_mac(int nsfd, const char *ifname, unsigned char *mac)
{
	return netns_link_with(nsfd, ifname, netns_link_op_mac, mac);
}

static int netns_nladdr(int family, const void *addr, int prefixlen, struct nl_addr **out)
{
	size_t len = family == AF_INET ? 4 : 16;

	*out = NULL;
	if ((family != AF_INET && family != AF_INET6) || prefixlen < 0 || prefixlen > (int)len * 8)
		return -EINVAL;
	*out = nl_addr_build(family, addr, len);
	if (!*out)
		return -ENOMEM;
	nl_addr_set_prefixlen(*out, prefixlen);
	return 0;
}

int netns_addr_add(int nsfd, const char *ifname, int family, const void *addr, int prefixlen)
{
	struct rtnl_addr *ra = NULL;
	struct nl_addr *local = NULL;
	struct nl_sock *sk = NULL;
	int err, ifindex;

	ifindex = netns_ifindex(nsfd, ifname);
	if (ifindex < 0)
		return ifindex;
	err = netns_nladdr(family, addr, prefixlen, &local);
	if (err)
		return err;
	err = netns_sock(nsfd, &sk);
	if (err)
		goto out;
	ra = rtnl_addr_alloc();
	if (!ra) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, family);
	err = netns_nl_errno(rtnl_addr_set_local(ra, local));
	if (err)
		goto out;
	if (family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	err = netns_nl_errno(rtnl_addr_add(sk, ra, NLM_F_EXCL));
out:
	if (ra)
		rtnl_addr_put(ra);
	nl_addr_put(local);
	nl_socket_free(sk);
	return err;
}

int netns_neigh_add(int nsfd, const char *ifname, int family, const void *addr,
		    const unsigned char *mac)
{
	struct nl_addr *dst = NULL, *ll = NULL;
	struct rtnl_neigh *n = NULL;
	struct nl_sock *sk = NULL;
	int err, ifindex;

	ifindex = netns_ifindex(nsfd, ifname);
	if (ifindex < 0)
		return ifindex;
	err = netns_nladdr(family, addr, family == AF_INET ? 32 : 128, &dst);
	if (!err)
		err = netns_sock(nsfd, &sk);
	if (err)
		goto out;
	n = rtnl_neigh_alloc();
	ll = nl_addr_build(AF_LLC, mac, NETNS_MAC_LEN);
	if (!n || !ll) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_neigh_set_ifindex(n, ifindex);
	err = netns_nl_errno(rtnl_neigh_set_dst(n, dst));
	if (err)
		goto out;
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	err = netns_nl_errno(rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE));
out:
	if (n)
		rtnl_neigh_put(n);
	nl_addr_put(ll);
	nl_addr_put(dst);
	nl_socket_free(sk);
	return err;
}

int netns_route_add_default(int nsfd, const char *ifname, int family, const void *gw)
{
	static const unsigned char any[16];
	struct nl_addr *dst = NULL, *via = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct rtnl_route *route = NULL;
	struct nl_sock *sk = NULL;
	int err, ifindex;

	ifindex = netns_ifindex(nsfd, ifname);
	if (ifindex < 0)
		return ifindex;
	err = netns_nladdr(family, any, 0, &dst);
	if (!err)
		err = netns_nladdr(family, gw, family == AF_INET ? 32 : 128, &via);
	if (!err)
		err = netns_sock(nsfd, &sk);
	if (err)
		goto out;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_route_set_family(route, family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(route, RTPROT_BOOT);
	rtnl_route_set_type(route, RTN_UNICAST);
	err = netns_nl_errno(rtnl_route_set_dst(route, dst));
	if (err)
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* the route owns it now */
	err = netns_nl_errno(rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	nl_addr_put(via);
	nl_addr_put(dst);
	nl_socket_free(sk);
	return err;
}

/* An ioctl socket in nsfd: SIOCETHTOOL acts in the namespace of the socket. */
static int netns_ethtool(int nsfd, const char *ifname, struct ethtool_value *ev)
{
	struct ifreq ifr;
	int saved, fd, err, lerr;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	err = netns_enter(nsfd, &saved);
	if (err)
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : 0;
	lerr = netns_leave(saved);
	if (!err && lerr)
		err = lerr;
	if (err)
		goto out;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
out:
	if (fd >= 0)
		close(fd);
	return err;
}

int netns_tx_csum_off(int nsfd, const char *ifname)
{
	/* the legacy command clears every TX checksum feature, as `ethtool -K tx off` does, and
	 * the kernel drops TSO with it
	 */
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };

	return netns_ethtool(nsfd, ifname, &ev);
}

int netns_tx_csum_get(int nsfd, const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GTXCSUM };
	int err = netns_ethtool(nsfd, ifname, &ev);

	return err ? err : !!ev.data;
}
