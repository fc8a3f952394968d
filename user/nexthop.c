// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Cached next hops through libnl: the route the kernel would take to a backend (RTM_GETROUTE
 * with the destination, as `ip route get` asks), the neighbour entry of its gateway or of the
 * backend itself (RTM_GETNEIGH), and the egress device's MAC (RTM_GETLINK). Nothing is sent to
 * the network and nothing waits for resolution. libnl's error codes end here, as -errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "dataplane.h"
#include "log.h"
#include "loop.h"
#include "netns.h"
#include "nexthop.h"

/* The states in which the kernel itself would send to the entry's address (its NUD_VALID). */
#define NEXTHOP_NUD_USABLE \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

/* A request's wait for its answer; the kernel answers a get in well under a millisecond. */
#define NEXTHOP_TIMEOUT_S 1

/* libnl's NLE_* to -errno, so that no libnl code leaves this file. */
static int nexthop_errno(int nlerr)
{
	/* SO_RCVTIMEO ran out: the only way a blocking read says it */
	if (nlerr == -NLE_AGAIN || nlerr == NLE_AGAIN)
		return -ETIMEDOUT;
	return netns_nl_errno(nlerr);
}

static int nexthop_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static const char *nexthop_addr_str(int family, const void *addr, char *buf)
{
	if (!inet_ntop(family, addr, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

const char *nexthop_mac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

/* A rtnetlink socket whose reads give up after NEXTHOP_TIMEOUT_S. */
static int nexthop_sock_open(struct nl_sock **out)
{
	struct timeval tv = { .tv_sec = NEXTHOP_TIMEOUT_S };
	struct nl_sock *sk;
	int err;

	*out = NULL;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		err = nexthop_errno(err);
		goto fail;
	}
	/* a get is answered by the object or by an error, no ack to wait for besides */
	nl_socket_disable_auto_ack(sk);
	if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		err = -errno;
		goto fail;
	}
	*out = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return err;
}

/* One get request and its one answer. The kernel's errno is kept as it is (libnl would fold
 * ENETUNREACH and EHOSTUNREACH into NLE_FAILURE).
 */
struct nexthop_req {
	int (*parse)(struct nlmsghdr *nlh, void *arg);
	void *arg;
	uint32_t seq;
	int kernel_err; /* from NLMSG_ERROR, negative */
	int parse_err;
	bool answered;
};

static int nexthop_on_valid(struct nl_msg *msg, void *arg)
{
	struct nexthop_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_seq != req->seq)
		return NL_SKIP; /* a late answer to an earlier request */
	req->answered = true;
	req->parse_err = req->parse(nlh, req->arg);
	return NL_STOP;
}

static int nexthop_on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nexthop_req *req = arg;

	if (e->msg.nlmsg_seq != req->seq)
		return NL_SKIP;
	req->answered = true;
	req->kernel_err = e->error < 0 ? e->error : -e->error;
	return NL_STOP;
}

/* Sends msg and reads until its answer: 0 after req->parse accepted it, the kernel's -errno,
 * or -ETIMEDOUT.
 */
static int nexthop_request(struct nl_sock *sk, struct nl_msg *msg, struct nexthop_req *req)
{
	struct nl_cb *cb;
	int err, tries;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nexthop_on_valid, req);
	nl_cb_err(cb, NL_CB_CUSTOM, nexthop_on_error, req);
	err = nl_send_auto(sk, msg);
	if (err < 0) {
		err = nexthop_errno(err);
		goto out;
	}
	req->seq = nlmsg_hdr(msg)->nlmsg_seq;
	/* a few rounds at most: only stale answers on this fresh socket would make it loop */
	for (tries = 0; tries < 4 && !req->answered; tries++) {
		err = nl_recvmsgs(sk, cb);
		if (err < 0 && !req->answered) {
			err = nexthop_errno(err);
			goto out;
		}
	}
	if (!req->answered)
		err = -EPROTO;
	else if (req->kernel_err)
		err = req->kernel_err;
	else
		err = req->parse_err;
out:
	nl_cb_put(cb);
	return err;
}

/* RTM_NEWROUTE, as `ip route get` prints it: device and gateway. */
static int nexthop_parse_route(struct nlmsghdr *nlh, void *arg)
{
	struct nexthop *nh = arg;
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm;
	int err, len;

	if (nlh->nlmsg_type != RTM_NEWROUTE || !nlmsg_valid_hdr(nlh, sizeof(*rtm)))
		return -EPROTO;
	rtm = nlmsg_data(nlh);
	err = nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL);
	if (err < 0)
		return nexthop_errno(err);
	/* IPv6 answers unreachable, blackhole and prohibit with a route of that type */
	if (rtm->rtm_type != RTN_UNICAST)
		return -EHOSTUNREACH;
	if (!tb[RTA_OIF] || nla_len(tb[RTA_OIF]) < (int)sizeof(uint32_t))
		return -EHOSTUNREACH;
	nh->ifindex = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_GATEWAY]) {
		len = nla_len(tb[RTA_GATEWAY]);
		if (len != nexthop_addr_len(rtm->rtm_family))
			return -EPROTO;
		nh->gw_family = rtm->rtm_family;
		memcpy(nh->gw, nla_data(tb[RTA_GATEWAY]), len);
	} else if (tb[RTA_VIA]) {
		/* an IPv4 route through an IPv6 gateway (RFC 5549) */
		struct rtvia *via = nla_data(tb[RTA_VIA]);

		len = nla_len(tb[RTA_VIA]) - (int)sizeof(*via);
		if (len < 0 || len != nexthop_addr_len(via->rtvia_family))
			return -EPROTO;
		nh->gw_family = via->rtvia_family;
		memcpy(nh->gw, via->rtvia_addr, len);
	}
	return 0;
}

static int nexthop_route(struct nl_sock *sk, int family, const void *addr, struct nexthop *nh)
{
	struct rtmsg rtm = { .rtm_family = family, .rtm_dst_len = nexthop_addr_len(family) * 8 };
	struct nexthop_req req = { .parse = nexthop_parse_route, .arg = nh };
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, nexthop_addr_len(family), addr) < 0) {
		err = -ENOMEM;
		goto out;
	}
	err = nexthop_request(sk, msg, &req);
	/* IPv4 answers with the errno of the route type: ENETUNREACH (no route), EHOSTUNREACH
	 * (unreachable), EACCES (prohibit), EINVAL (blackhole), EAGAIN (throw)
	 */
	if (req.kernel_err && err != -ENOMEM && err != -EPERM)
		err = -EHOSTUNREACH;
out:
	nlmsg_free(msg);
	return err;
}

/* RTM_NEWLINK: the device's name and MAC, if it is Ethernet. */
static int nexthop_parse_link(struct nlmsghdr *nlh, void *arg)
{
	struct nexthop *nh = arg;
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi;
	int err;

	if (nlh->nlmsg_type != RTM_NEWLINK || !nlmsg_valid_hdr(nlh, sizeof(*ifi)))
		return -EPROTO;
	ifi = nlmsg_data(nlh);
	err = nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL);
	if (err < 0)
		return nexthop_errno(err);
	if (tb[IFLA_IFNAME])
		nla_strlcpy(nh->ifname, tb[IFLA_IFNAME], sizeof(nh->ifname));
	/* the datapath writes Ethernet headers; other devices have none to write */
	if (ifi->ifi_type != ARPHRD_ETHER || !tb[IFLA_ADDRESS] || nla_len(tb[IFLA_ADDRESS]) != 6)
		return -EOPNOTSUPP;
	memcpy(nh->smac, nla_data(tb[IFLA_ADDRESS]), 6);
	return 0;
}

static int nexthop_link(struct nl_sock *sk, struct nexthop *nh)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = nh->ifindex };
	struct nexthop_req req = { .parse = nexthop_parse_link, .arg = nh };
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		err = -ENOMEM;
	else
		err = nexthop_request(sk, msg, &req);
	nlmsg_free(msg);
	return err;
}

/* RTM_NEWNEIGH: the entry's state and link-layer address. */
static int nexthop_parse_neigh(struct nlmsghdr *nlh, void *arg)
{
	struct nexthop *nh = arg;
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg *ndm;
	int err;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || !nlmsg_valid_hdr(nlh, sizeof(*ndm)))
		return -EPROTO;
	ndm = nlmsg_data(nlh);
	err = nlmsg_parse(nlh, sizeof(*ndm), tb, NDA_MAX, NULL);
	if (err < 0)
		return nexthop_errno(err);
	nh->neigh_state = ndm->ndm_state;
	/* INCOMPLETE (being resolved), FAILED, NONE: the kernel has no address to send to */
	if (!(ndm->ndm_state & NEXTHOP_NUD_USABLE) || !tb[NDA_LLADDR] ||
	    nla_len(tb[NDA_LLADDR]) != 6)
		return -EAGAIN;
	memcpy(nh->dmac, nla_data(tb[NDA_LLADDR]), 6);
	return 0;
}

static int nexthop_neigh(struct nl_sock *sk, int family, const void *addr, struct nexthop *nh)
{
	struct ndmsg ndm = { .ndm_family = family, .ndm_ifindex = nh->ifindex };
	struct nexthop_req req = { .parse = nexthop_parse_neigh, .arg = nh };
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple(RTM_GETNEIGH, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_DST, nexthop_addr_len(family), addr) < 0) {
		err = -ENOMEM;
		goto out;
	}
	err = nexthop_request(sk, msg, &req);
	/* no entry at all: nobody has sent there yet */
	if (err == -ENOENT)
		err = -EAGAIN;
out:
	nlmsg_free(msg);
	return err;
}

int nexthop_resolve(int family, const void *addr, struct nexthop *nh)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], m[18];
	struct nl_sock *sk = NULL;
	const void *target = addr;
	int target_family = family;
	int err;

	memset(nh, 0, sizeof(*nh));
	if (!nexthop_addr_len(family))
		return -EAFNOSUPPORT;
	err = nexthop_sock_open(&sk);
	if (err)
		goto out;
	err = nexthop_route(sk, family, addr, nh);
	if (err)
		goto out;
	/* the device first, so that an unresolved neighbour can still be named with it */
	err = nexthop_link(sk, nh);
	if (err)
		goto out;
	if (nh->gw_family) {
		target = nh->gw;
		target_family = nh->gw_family;
	}
	err = nexthop_neigh(sk, target_family, target, nh);
out:
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		log_debug("next hop of %s: %s %s dev %s dmac %s: %s",
			  nexthop_addr_str(family, addr, a), nh->gw_family ? "via" : "on-link",
			  nh->gw_family ? nexthop_addr_str(nh->gw_family, nh->gw, g) : "",
			  nh->ifname[0] ? nh->ifname : "?", nexthop_mac_str(nh->dmac, m),
			  err ? strerror(-err) : "ok");
	nl_socket_free(sk);
	return err;
}

int nexthop_resolve_backend(const struct xlb_backend *be, struct nexthop *nh)
{
	if (be->family != XLB_FAMILY_V4 && be->family != XLB_FAMILY_V6) {
		memset(nh, 0, sizeof(*nh));
		return -EAFNOSUPPORT;
	}
	return nexthop_resolve(be->family == XLB_FAMILY_V4 ? AF_INET : AF_INET6, be->addr, nh);
}

void nexthop_apply(struct xlb_backend *be, const struct nexthop *nh)
{
	if (!nh) {
		be->flags &= ~XLB_BE_F_NH_CACHED;
		be->nh_ifindex = 0;
		memset(be->nh_dmac, 0, sizeof(be->nh_dmac));
		memset(be->nh_smac, 0, sizeof(be->nh_smac));
		return;
	}
	be->flags |= XLB_BE_F_NH_CACHED;
	be->nh_ifindex = (__u32)nh->ifindex;
	memcpy(be->nh_dmac, nh->dmac, sizeof(be->nh_dmac));
	memcpy(be->nh_smac, nh->smac, sizeof(be->nh_smac));
}

static bool nexthop_fields_equal(const struct xlb_backend *a, const struct xlb_backend *b)
{
	return a->nh_ifindex == b->nh_ifindex && !memcmp(a->nh_dmac, b->nh_dmac, 6) &&
	       !memcmp(a->nh_smac, b->nh_smac, 6);
}

bool nexthop_equal(const struct xlb_backend *be, const struct nexthop *nh)
{
	struct xlb_backend want = *be;

	nexthop_apply(&want, nh);
	return (be->flags & XLB_BE_F_NH_CACHED) && nexthop_fields_equal(be, &want);
}

int nexthop_backend_set(struct dataplane *dp, uint32_t id, const struct xlb_backend *be)
{
	struct xlb_backend cur, step;
	int err;

	/* The kernel copies an array element over the one the datapath reads in place, so a
	 * packet may see some new bytes and some old ones. Change the next hop's fields only
	 * while the flag is clear, and the flag alone: then no packet pairs the flag with
	 * another next hop's device or MACs (at worst it takes bpf_fib_lookup once).
	 */
	if (dataplane_backend_get(dp, id, &cur) == 0 && !nexthop_fields_equal(&cur, be) &&
	    ((cur.flags | be->flags) & XLB_BE_F_NH_CACHED)) {
		if (cur.flags & XLB_BE_F_NH_CACHED) {
			step = cur;
			step.flags &= ~XLB_BE_F_NH_CACHED;
			err = dataplane_backend_set(dp, id, &step);
			if (err)
				return err;
		}
		if (be->flags & XLB_BE_F_NH_CACHED) {
			step = *be;
			step.flags &= ~XLB_BE_F_NH_CACHED;
			err = dataplane_backend_set(dp, id, &step);
			if (err)
				return err;
		}
	}
	return dataplane_backend_set(dp, id, be);
}

int nexthop_refresh(struct dataplane *dp, uint32_t id, struct xlb_backend *be, struct nexthop *nh,
		    int *resolve_err, enum nexthop_change *change)
{
	struct xlb_backend next, now;
	bool was_cached;
	int err;

	memset(nh, 0, sizeof(*nh));
	*resolve_err = 0;
	err = dataplane_backend_get(dp, id, be);
	if (err)
		return err;
	if (!(be->flags & XLB_BE_F_ACTIVE)) {
		*change = NEXTHOP_INACTIVE;
		return 0;
	}
	if (be->flags & XLB_BE_F_NH_FIB) {
		*change = NEXTHOP_FIB_CHOSEN;
		return 0;
	}
	was_cached = be->flags & XLB_BE_F_NH_CACHED;
	next = *be;
	*resolve_err = nexthop_resolve_backend(be, nh);
	if (!*resolve_err) {
		nexthop_apply(&next, nh);
		*change = nexthop_equal(be, nh) ? NEXTHOP_UNCHANGED :
			  was_cached		? NEXTHOP_UPDATED :
						  NEXTHOP_CACHED;
	} else {
		nexthop_apply(&next, NULL);
		*change = was_cached ? NEXTHOP_FELL_BACK : NEXTHOP_UNCHANGED;
	}
	if (!memcmp(&next, be, sizeof(next)))
		return 0;
	/* another writer may have changed the slot during the lookup: its word stands */
	err = dataplane_backend_get(dp, id, &now);
	if (err)
		return err;
	if (memcmp(&now, be, sizeof(now))) {
		*be = now;
		*change = NEXTHOP_RACED;
		return 0;
	}
	err = nexthop_backend_set(dp, id, &next);
	if (err)
		return err;
	*be = next;
	return 0;
}

int nexthop_source(const struct xlb_backend *be, __be32 src[4])
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, err = 0;

	loop_sockaddr(be->family == XLB_FAMILY_V4 ? AF_INET : AF_INET6, be->addr, 9, &ss, &len);
	/* a UDP connect sends nothing; it only asks the routing table */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (void *)&ss, len) || getsockname(fd, (void *)&ss, &len)) {
		err = -errno;
		goto out;
	}
	memset(src, 0, 16);
	if (be->family == XLB_FAMILY_V4)
		memcpy(src, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
out:
	close(fd);
	return err;
}
