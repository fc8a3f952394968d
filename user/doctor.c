// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlbctl doctor: one finding per check, each with its fix, for the traps that LAB-NOTES lists
 * (native XDP on veth and virtio, checksums, forwarding for bpf_fib_lookup) and what instances
 * need of the host (cgroup controllers, overlayfs). Reads sysfs, procfs, ethtool ioctls,
 * rtnetlink (libnl) and the kernel's netdev genetlink family for XDP features.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "dataplane.h"
#include "doctor.h"
#include "netns.h"
#include "table.h"

/* linux/netdev.h (kernel 6.3+) is newer than the build host's headers: the uapi values */
#define DOCTOR_NETDEV_CMD_DEV_GET 1
#define DOCTOR_NETDEV_A_DEV_IFINDEX 1
#define DOCTOR_NETDEV_A_DEV_XDP_FEATURES 3
#define DOCTOR_XDP_ACT_BASIC (1u << 0)
#define DOCTOR_XDP_ACT_REDIRECT (1u << 1)
#define DOCTOR_XDP_ACT_NDO_XMIT (1u << 2)
#define DOCTOR_XDP_ACT_RX_SG (1u << 5)
/* the largest MTU a one-page frame takes on x86 (veth and virtio_net, LAB-NOTES: 3506) */
#define DOCTOR_XDP_PAGE_MTU 3498
#define DOCTOR_MAX 256

enum doctor_status {
	DOCTOR_OK,
	DOCTOR_INFO,
	DOCTOR_WARN,
	DOCTOR_FAIL,
	DOCTOR_FIXED
};
static const char *const doctor_status_names[] = { "ok", "info", "warn", "FAIL", "fixed" };

enum doctor_fix_kind {
	DOCTOR_FIX_NONE = 0,
	DOCTOR_FIX_BPFFS,
	DOCTOR_FIX_SYSCTL,    /* arg: path, value */
	DOCTOR_FIX_CGROUP,    /* arg: cgroup2 mount, arg2: controllers to enable */
	DOCTOR_FIX_LRO_OFF,   /* ifname */
	DOCTOR_FIX_CHANNELS,  /* ifname, n */
	DOCTOR_FIX_VETH_PEER, /* ifindex of the peer, netns path */
};

struct doctor_finding {
	char check[24];
	char subject[32];
	enum doctor_status status;
	char what[192];
	char fix[192];
	enum doctor_fix_kind kind;
	char arg[PATH_MAX];
	char arg2[64];
	int n;
};

struct doctor {
	struct doctor_finding f[DOCTOR_MAX];
	int nf;
	bool fix;
};

static struct doctor_finding *doctor_add(struct doctor *d, const char *check, const char *subject,
					 enum doctor_status st, const char *fix, const char *fmt,
					 ...) __attribute__((format(printf, 6, 7)));

static struct doctor_finding *doctor_add(struct doctor *d, const char *check, const char *subject,
					 enum doctor_status st, const char *fix, const char *fmt,
					 ...)
{
	static struct doctor_finding spare;
	struct doctor_finding *f = d->nf < DOCTOR_MAX ? &d->f[d->nf++] : &spare;
	va_list ap;

	memset(f, 0, sizeof(*f));
	snprintf(f->check, sizeof(f->check), "%s", check);
	snprintf(f->subject, sizeof(f->subject), "%s", subject);
	f->status = st;
	snprintf(f->fix, sizeof(f->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	return f;
}

static int doctor_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int doctor_write(const char *path, const char *s)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static long doctor_read_long(const char *path, long dflt)
{
	char buf[64];

	return doctor_read(path, buf, sizeof(buf)) ? dflt : strtol(buf, NULL, 10);
}

/* ---- the machine ---- */

static void doctor_kernel(struct doctor *d)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;
	struct statfs sfs;

	uname(&u);
	sscanf(u.release, "%u.%u", &major, &minor);
	if (major > 6 || (major == 6 && minor >= 1))
		doctor_add(d, "kernel", u.release, DOCTOR_OK, NULL, "%s %s", u.sysname, u.machine);
	else
		doctor_add(d, "kernel", u.release, DOCTOR_FAIL, "a 6.1 or newer kernel",
			   "xlb's datapath is tested on 6.1 and newer");
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		doctor_add(d, "btf", "/sys/kernel/btf/vmlinux", DOCTOR_OK, NULL,
			   "the kernel describes itself (BTF)");
	else
		doctor_add(d, "btf", "/sys/kernel/btf/vmlinux", DOCTOR_FAIL,
			   "a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			   "no kernel BTF: maps with BTF and bpftool's views need it");
	if (statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC) {
		doctor_add(d, "bpffs", "/sys/fs/bpf", DOCTOR_OK, NULL,
			   "mounted: xlb pins its maps and program there");
	} else {
		struct doctor_finding *f = doctor_add(
			d, "bpffs", "/sys/fs/bpf", DOCTOR_FAIL, "mount -t bpf bpf /sys/fs/bpf",
			"not a bpf file system: nothing can be pinned, xlbd cannot "
			"outlive a restart");
		f->kind = DOCTOR_FIX_BPFFS;
	}
}

/* The maps pinned in pin_dir: of this xlb's datapath ABI, of another one (which xlbd and
 * xlb-dp refuse to adopt), or none yet.
 */
static void doctor_pins(struct doctor *d, const char *pin_dir)
{
	int v = dataplane_pins_version(pin_dir);
	char fix[192];

	if (v < 0) {
		doctor_add(d, "pins", pin_dir, DOCTOR_WARN, "run as root", "cannot read it: %s",
			   strerror(-v));
	} else if (v == 0) {
		doctor_add(d, "pins", pin_dir, DOCTOR_INFO, NULL,
			   "nothing pinned: xlbd or xlb-dp load creates the maps");
	} else if (v == XLB_ABI_VERSION) {
		doctor_add(d, "pins", pin_dir, DOCTOR_OK, NULL,
			   "maps of datapath ABI v%d, this xlb's", v);
	} else {
		snprintf(fix, sizeof(fix),
			 "xlb-dp --pin-dir %s unload with the xlb that pinned them, or detach xlb "
			 "and rm %s/xlb_*",
			 pin_dir, pin_dir);
		doctor_add(d, "pins", pin_dir, DOCTOR_WARN, fix,
			   "maps of datapath ABI v%d; this xlb is v%u: xlbd and xlb-dp refuse them",
			   v, XLB_ABI_VERSION);
	}
}

/* Where cgroup2 is mounted, and which controllers cgroup v1 hierarchies hold (hybrid hosts) */
static void doctor_cgroup_mounts(char *v2, size_t v2len, char *v1, size_t v1len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	*v2 = *v1 = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *sep = strstr(line, " - "), fstype[32], src[256], opts[512];

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%31s %255s %511s", fstype, src, opts) != 3)
			continue;
		if (!strcmp(fstype, "cgroup2") && !*v2) {
			snprintf(v2, v2len, "%s", mnt);
		} else if (!strcmp(fstype, "cgroup")) {
			static const char *const ctl[] = { "cpu", "memory", "pids" };
			char o[520];
			size_t i;

			snprintf(o, sizeof(o), ",%s,", opts);
			for (i = 0; i < 3; i++) {
				char w[16];

				snprintf(w, sizeof(w), ",%s,", ctl[i]);
				if (strstr(o, w) && !strstr(v1, ctl[i]))
					snprintf(v1 + strlen(v1), v1len - strlen(v1), "%s%s",
						 *v1 ? " " : "", ctl[i]);
			}
		}
	}
	if (f)
		fclose(f);
}

static bool doctor_has_word(const char *list, const char *word)
{
	char l[512], w[40];

	snprintf(l, sizeof(l), " %s ", list);
	snprintf(w, sizeof(w), " %s ", word);
	return strstr(l, w) != NULL;
}

static void doctor_cgroups(struct doctor *d)
{
	static const char *const want[] = { "cpu", "memory", "pids" };
	static const char *const gives[] = { "a CPU quota (InstanceType's vCPUs)",
					     "a memory limit (InstanceType's memory)",
					     "a process limit" };
	char v2[PATH_MAX], v1[64], avail[256] = "", on[256] = "", missing[64] = "";
	char enable[64] = "", got[256] = "", path[PATH_MAX + 32];
	struct doctor_finding *f;
	size_t i;

	doctor_cgroup_mounts(v2, sizeof(v2), v1, sizeof(v1));
	if (!*v2 && !*v1) {
		doctor_add(
			d, "cgroup", "/sys/fs/cgroup", DOCTOR_FAIL,
			"mount -t cgroup2 none /sys/fs/cgroup",
			"no cgroup file system: instances get no CPU, memory or process limits and "
			"CPU metrics read nothing");
		return;
	}
	if (*v2) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", v2);
		doctor_read(path, avail, sizeof(avail));
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2);
		doctor_read(path, on, sizeof(on));
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (doctor_has_word(avail, want[i])) {
			if (!doctor_has_word(on, want[i]))
				snprintf(enable + strlen(enable), sizeof(enable) - strlen(enable),
					 "%s+%s", *enable ? " " : "", want[i]);
		} else if (!doctor_has_word(v1, want[i])) {
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 "%s%s", *missing ? " " : "", want[i]);
			continue;
		}
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", *got ? ", " : "",
			 gives[i]);
	}
	doctor_add(d, "cgroup", *v2 ? v2 : "v1", DOCTOR_INFO, NULL, "cgroup2 %s%s%s%s%s",
		   *v2 ? "controllers: " : "not mounted", *v2 ? (*avail ? avail : "none") : "",
		   *v1 ? "; v1 hierarchies: " : "", v1, *v1 && *v2 ? " (a hybrid host)" : "");
	if (*missing)
		doctor_add(d, "cgroup", "controllers", DOCTOR_WARN,
			   "a kernel (or container) that delegates them", "not available: %s",
			   missing);
	if (*enable) {
		char fix[PATH_MAX + 64];

		snprintf(fix, sizeof(fix), "echo '%s' > %s/cgroup.subtree_control", enable, v2);
		f = doctor_add(d, "cgroup", "subtree_control", DOCTOR_WARN, fix,
			       "not enabled for child groups: %s (xlbd enables cpu and memory "
			       "itself)",
			       enable);
		f->kind = DOCTOR_FIX_CGROUP;
		snprintf(f->arg, sizeof(f->arg), "%s", v2);
		snprintf(f->arg2, sizeof(f->arg2), "%s", enable);
	}
	doctor_add(d, "instances", "limits", *got ? DOCTOR_INFO : DOCTOR_WARN, NULL,
		   "instances get %s", *got ? got : "no limits");
	{
		char fs[8192] = "";
		bool overlay;

		doctor_read("/proc/filesystems", fs, sizeof(fs));
		overlay = strstr(fs, "\toverlay") != NULL ||
			  access("/sys/module/overlay", F_OK) == 0;
		doctor_add(d, "instances", "filesystem", DOCTOR_INFO,
			   overlay ? NULL : "modprobe overlay",
			   overlay ? "overlayfs: a root of their own over the host's, read-only" :
				     "no overlayfs loaded yet (the kernel loads it on demand where "
				     "it can)");
	}
}

static void doctor_sysctl(struct doctor *d, const char *path, const char *subject, long want,
			  bool at_least, const char *why)
{
	long v = doctor_read_long(path, -1);
	struct doctor_finding *f;
	char fix[160], val[16];
	const char *name = path + strlen("/proc/sys/");
	char dotted[128];
	size_t i;

	if (v < 0)
		return;
	snprintf(dotted, sizeof(dotted), "%s", name);
	for (i = 0; dotted[i]; i++)
		if (dotted[i] == '/')
			dotted[i] = '.';
	if (at_least ? v >= want : v == want) {
		doctor_add(d, "sysctl", subject, DOCTOR_OK, NULL, "%s = %ld", dotted, v);
		return;
	}
	snprintf(fix, sizeof(fix), "sysctl -w %s=%ld", dotted, want);
	f = doctor_add(d, "sysctl", subject, DOCTOR_WARN, fix, "%s = %ld: %s", dotted, v, why);
	f->kind = DOCTOR_FIX_SYSCTL;
	snprintf(f->arg, sizeof(f->arg), "%s", path);
	snprintf(val, sizeof(val), "%ld", want);
	snprintf(f->arg2, sizeof(f->arg2), "%s", val);
}

/* ---- interfaces ---- */

static int doctor_ethtool(const char *ifname, void *data)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* By ioctl: /sys/class/net shows the namespace that mounted sysfs, not ours */
static long doctor_mtu(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long mtu = 0;

	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* One generic netlink request carrying one attribute (attr: vlen bytes of val), and the
 * payload of attribute want in its reply, copied into out (at most outlen bytes, the rest
 * zeroed). -ENOENT when the reply is an error or lacks it, else 0 or -errno.
 */
static int doctor_genl_ask(int fd, uint16_t type, uint8_t cmd, uint32_t seq, uint16_t attr,
			   const void *val, size_t vlen, uint16_t want, void *out, size_t outlen)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
		char attrs[64];
	} req;
	char buf[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlattr *na;
	int len, err = -ENOENT;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.gh.cmd = cmd;
	req.gh.version = 1;
	na = (struct nlattr *)req.attrs;
	na->nla_type = attr;
	na->nla_len = NLA_HDRLEN + vlen;
	memcpy((char *)na + NLA_HDRLEN, val, vlen);
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(na->nla_len));
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = seq;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, (size_t)n) || nh->nlmsg_type == NLMSG_ERROR)
		return -ENOENT;
	len = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (na = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
	     len >= NLA_HDRLEN && na->nla_len >= NLA_HDRLEN && na->nla_len <= len;
	     len -= NLA_ALIGN(na->nla_len),
	    na = (struct nlattr *)((char *)na + NLA_ALIGN(na->nla_len))) {
		if (na->nla_type != want)
			continue;
		size_t plen = (size_t)na->nla_len - NLA_HDRLEN;

		memset(out, 0, outlen);
		memcpy(out, (char *)na + NLA_HDRLEN, plen < outlen ? plen : outlen);
		err = 0;
	}
	return err;
}

/* The netdev family's XDP features of ifindex (kernel 6.3+); -errno when it does not say. */
static int doctor_xdp_features(int ifindex, uint32_t *features)
{
	struct timeval tv = { .tv_sec = 2 };
	uint16_t family;
	uint64_t v; /* the attribute is a u64 */
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* the family's id by name; none: a kernel older than 6.3 */
	err = doctor_genl_ask(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, CTRL_ATTR_FAMILY_NAME,
			      "netdev", sizeof("netdev"), CTRL_ATTR_FAMILY_ID, &family,
			      sizeof(family));
	if (!err)
		err = doctor_genl_ask(fd, family, DOCTOR_NETDEV_CMD_DEV_GET, 2,
				      DOCTOR_NETDEV_A_DEV_IFINDEX, &ifindex, sizeof(uint32_t),
				      DOCTOR_NETDEV_A_DEV_XDP_FEATURES, &v, sizeof(v));
	if (!err)
		*features = (uint32_t)v;
	close(fd);
	return err;
}

/* Drivers with native XDP, for kernels that do not report xdp features */
static bool doctor_driver_native(const char *drv)
{
	static const char *const native[] = { "veth",	   "virtio_net",  "mlx5_core", "mlx4_en",
					      "i40e",	   "ice",	  "ixgbe",     "igb",
					      "igc",	   "bnxt_en",	  "ena",       "nfp",
					      "qede",	   "tun",	  "gve",       "hv_netvsc",
					      "stmmaceth", "xen-netfront" };
	size_t i;

	for (i = 0; i < sizeof(native) / sizeof(native[0]); i++)
		if (!strcmp(drv, native[i]))
			return true;
	return false;
}

/* The id that this namespace gives the namespace nsfd (RTM_GETNSID), -1 when it has none */
static int doctor_nsid_of(int nsfd)
{
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
		char pad[3];
		struct nlattr na;
		uint32_t fd;
	} req;
	char buf[1024];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlattr *na;
	int sk, id = -1, len;
	ssize_t n;

	sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sk < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETNSID;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.g.rtgen_family = AF_UNSPEC;
	req.na.nla_type = NETNSA_FD;
	req.na.nla_len = NLA_HDRLEN + sizeof(uint32_t);
	req.fd = (uint32_t)nsfd;
	if (send(sk, &req, sizeof(req), 0) < 0)
		goto out;
	n = recv(sk, buf, sizeof(buf), 0);
	if (n < 0 || !NLMSG_OK(nh, (size_t)n) || nh->nlmsg_type != RTM_NEWNSID)
		goto out;
	len = nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	for (na = (struct nlattr *)((char *)NLMSG_DATA(nh) + NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	     len >= NLA_HDRLEN && na->nla_len >= NLA_HDRLEN && na->nla_len <= len;
	     len -= NLA_ALIGN(na->nla_len),
	    na = (struct nlattr *)((char *)na + NLA_ALIGN(na->nla_len)))
		if (na->nla_type == NETNSA_NSID)
			memcpy(&id, (char *)na + NLA_HDRLEN, sizeof(id));
out:
	close(sk);
	return id;
}

/* The veth peer of ifindex: in this namespace, or in one of /run/netns; its ifindex and the
 * namespace's path ("" here). -ENOENT when not found.
 */
static int doctor_veth_peer(int ifindex, int *peer, char *ns, size_t nslen)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *link = NULL;
	int32_t nsid = -1;
	int err = -ENOENT, link_to;
	DIR *dir = NULL;
	struct dirent *de;

	if (!sk || nl_connect(sk, NETLINK_ROUTE))
		goto out;
	if (rtnl_link_get_kernel(sk, ifindex, NULL, &link))
		goto out;
	link_to = rtnl_link_get_link(link);
	if (link_to <= 0)
		goto out;
	*peer = link_to;
	if (rtnl_link_get_link_netnsid(link, &nsid) || nsid < 0) {
		ns[0] = '\0';
		err = 0;
		goto out;
	}
	/* another namespace: the one this namespace calls nsid (ifindexes repeat across them) */
	dir = opendir("/run/netns");
	/* one thread: readdir_r (deprecated) would buy nothing */
	// cppcheck-suppress readdirCalled
	while (dir && (de = readdir(dir))) {
		char path[PATH_MAX];
		int fd, saved = -1;
		struct nl_sock *s2;
		struct rtnl_link *l2 = NULL;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (doctor_nsid_of(fd) != nsid || netns_enter(fd, &saved)) {
			close(fd);
			continue;
		}
		s2 = nl_socket_alloc();
		if (s2 && !nl_connect(s2, NETLINK_ROUTE) &&
		    !rtnl_link_get_kernel(s2, link_to, NULL, &l2) &&
		    rtnl_link_get_link(l2) == ifindex && rtnl_link_get_type(l2) &&
		    !strcmp(rtnl_link_get_type(l2), "veth")) {
			snprintf(ns, nslen, "%s", path);
			err = 0;
		}
		if (l2)
			rtnl_link_put(l2);
		if (s2)
			nl_socket_free(s2);
		netns_leave(saved);
		close(fd);
		if (!err)
			break;
	}
	if (err)
		err = -ESRCH; /* a namespace not under /run/netns */
out:
	if (dir)
		closedir(dir);
	if (link)
		rtnl_link_put(link);
	if (sk)
		nl_socket_free(sk);
	return err;
}

/* tc: xlb is attached at tc on ifname, where the skb keeps CHECKSUM_PARTIAL and GSO and a
 * redirect into a veth is delivered without a program on the peer.
 */
static void doctor_veth(struct doctor *d, const char *ifname, int ifindex, bool tc)
{
	char ns[PATH_MAX] = "", peername[IF_NAMESIZE] = "?", where[PATH_MAX + 16];
	int peer = 0, saved = -1, fd = -1, err, csum;
	struct bpf_xdp_query_opts q = { .sz = sizeof(q) };
	struct doctor_finding *f;

	err = doctor_veth_peer(ifindex, &peer, ns, sizeof(ns));
	if (err) {
		doctor_add(d, "veth peer", ifname, DOCTOR_INFO, NULL,
			   "the peer is in a namespace not under /run/netns: not looked at");
		return;
	}
	if (*ns) {
		fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || netns_enter(fd, &saved)) {
			if (fd >= 0)
				close(fd);
			return;
		}
	}
	if_indextoname(peer, peername);
	err = bpf_xdp_query(peer, 0, &q);
	csum = netns_tx_csum_get(-1, peername);
	if (*ns) {
		netns_leave(saved);
		close(fd);
	}
	snprintf(where, sizeof(where), "%s%s%s", peername, *ns ? " in " : "",
		 *ns ? strrchr(ns, '/') + 1 : "");
	if (!err && q.prog_id) {
		doctor_add(d, "veth peer", ifname, DOCTOR_OK, NULL,
			   "%s has an XDP program (id %u): XDP_TX and redirects are delivered",
			   where, q.prog_id);
	} else if (tc) {
		doctor_add(d, "veth peer", ifname, DOCTOR_OK, NULL,
			   "%s has no XDP program: xlb is at tc here, its redirects are delivered "
			   "without one (ipip backends still need xlb_decap)",
			   where);
	} else {
		char fix[160];

		snprintf(fix, sizeof(fix), "%sxlb-dp peer %s", *ns ? "in its namespace: " : "",
			 peername);
		f = doctor_add(d, "veth peer", ifname, DOCTOR_WARN, fix,
			       "%s has no XDP program: XDP_TX towards it stalls and redirects "
			       "into it are dropped",
			       where);
		f->kind = DOCTOR_FIX_VETH_PEER;
		f->n = peer;
		snprintf(f->arg, sizeof(f->arg), "%s", ns);
		snprintf(f->arg2, sizeof(f->arg2), "%s", peername);
	}
	if (csum == 1 && tc) {
		doctor_add(d, "checksum", ifname, DOCTOR_OK, NULL,
			   "%s offloads TX checksums: fine, xlb is at tc here (the skb keeps "
			   "CHECKSUM_PARTIAL and GSO)",
			   where);
	} else if (csum == 1) {
		char fix[160];

		snprintf(fix, sizeof(fix), "%sethtool -K %s tx off (or xlb's tc hook)",
			 *ns ? "in its namespace: " : "", peername);
		doctor_add(d, "checksum", ifname, DOCTOR_WARN, fix,
			   "%s offloads TX checksums: TCP it sends arrives CHECKSUM_PARTIAL, "
			   "which a redirected frame loses (receiver drops it)",
			   where);
	} else if (csum == 0) {
		doctor_add(d, "checksum", ifname, DOCTOR_OK, NULL,
			   "%s sends full checksums (tx offload off)", where);
	}
}

/* virtio_net: what its virtio device negotiated, and the queues XDP needs */
static void doctor_virtio(struct doctor *d, const char *ifname, bool has_prog)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	char path[PATH_MAX], feat[256] = "";
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct doctor_finding *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/features", ifname);
	if (!doctor_read(path, feat, sizeof(feat)) && strlen(feat) > 7) {
		/* bits: 1 GUEST_CSUM, 2 CTRL_GUEST_OFFLOADS, 7/8 GUEST_TSO4/6 */
		bool offloads = feat[1] == '1' || feat[7] == '1' || feat[8] == '1';

		if (offloads && feat[2] != '1')
			doctor_add(d, "virtio", ifname, DOCTOR_FAIL,
				   "generic mode, or the hypervisor's guest offloads off "
				   "(QEMU: guest_tso4=off,guest_tso6=off,guest_csum=off)",
				   "the device offers guest offloads without the control to turn "
				   "them off: virtio_net refuses native XDP");
		else
			doctor_add(
				d, "virtio", ifname, DOCTOR_OK, NULL,
				"guest offloads controllable: virtio_net turns them off for XDP");
	}
	if (doctor_ethtool(ifname, &ch))
		return;
	if (has_prog) {
		/* attached: the pairs in use include those virtio_net took for XDP, if it could */
		doctor_add(
			d, "queues", ifname,
			ch.combined_count >= (uint32_t)cpus + 1 ? DOCTOR_INFO : DOCTOR_WARN,
			"detach, ethtool -L IF combined CPUs, attach again",
			"%u of %u combined in use with XDP attached, %ld CPUs: XDP has a TX queue "
			"a CPU unless dmesg says \"locked tx mode\"",
			ch.combined_count, ch.max_combined, cpus);
	} else if (ch.max_combined >= ch.combined_count + cpus) {
		doctor_add(d, "queues", ifname, DOCTOR_OK, NULL,
			   "%u of %u combined in use, %ld CPUs: XDP gets a TX queue a CPU",
			   ch.combined_count, ch.max_combined, cpus);
	} else if (ch.max_combined > cpus) {
		char fix[96];

		snprintf(fix, sizeof(fix), "ethtool -L %s combined %ld", ifname,
			 (long)ch.max_combined - cpus);
		f = doctor_add(d, "queues", ifname, DOCTOR_WARN, fix,
			       "%u of %u combined in use, %ld CPUs: XDP shares locked TX queues",
			       ch.combined_count, ch.max_combined, cpus);
		f->kind = DOCTOR_FIX_CHANNELS;
		f->n = (int)(ch.max_combined - cpus);
		snprintf(f->arg2, sizeof(f->arg2), "%s", ifname);
	} else {
		char fix[192];

		snprintf(fix, sizeof(fix),
			 "%ld queue pairs on the host (QEMU: -netdev tap,queues=%ld -device "
			 "virtio-net-pci,mq=on,vectors=%ld)",
			 2 * cpus, 2 * cpus, 4 * cpus + 2);
		doctor_add(d, "queues", ifname, DOCTOR_WARN, fix,
			   "%u queue pairs for %ld CPUs: XDP_TX and redirects share locked TX "
			   "queues",
			   ch.max_combined, cpus);
	}
}

static void doctor_iface(struct doctor *d, const char *ifname)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_value lro = { .cmd = ETHTOOL_GFLAGS }, gro = { .cmd = ETHTOOL_GGRO };
	struct bpf_xdp_query_opts q = { .sz = sizeof(q) };
	uint32_t feat = 0;
	int ifindex = (int)if_nametoindex(ifname), err;
	char path[PATH_MAX], subject[48];
	long mtu;
	struct doctor_finding *f;
	enum dataplane_hook hook;
	bool native, multibuf = false;

	if (!ifindex) {
		doctor_add(d, "interface", ifname, DOCTOR_FAIL, "ip link (the name, the namespace)",
			   "no such interface in this network namespace");
		return;
	}
	if (doctor_ethtool(ifname, &di))
		snprintf(di.driver, sizeof(di.driver), "?");
	err = doctor_xdp_features(ifindex, &feat);
	if (!err) {
		native = feat & DOCTOR_XDP_ACT_BASIC;
		multibuf = feat & DOCTOR_XDP_ACT_RX_SG;
		doctor_add(d, "xdp", ifname, native ? DOCTOR_OK : DOCTOR_WARN,
			   native ? NULL :
				    "--xdp-mode generic (slower), or a NIC whose driver has XDP",
			   "driver %s; native %s%s%s%s (xdp features 0x%x, from the kernel)",
			   di.driver, native ? "yes" : "no, generic only",
			   feat & DOCTOR_XDP_ACT_REDIRECT ? ", redirect" : "",
			   feat & DOCTOR_XDP_ACT_NDO_XMIT ? ", redirect target" : "",
			   multibuf ? ", multi-buffer" : "", feat);
	} else {
		native = doctor_driver_native(di.driver);
		doctor_add(d, "xdp", ifname, native ? DOCTOR_OK : DOCTOR_WARN,
			   native ? NULL : "--xdp-mode generic",
			   "driver %s; native %s (by driver: this kernel reports no xdp features)",
			   di.driver, native ? "yes" : "unknown, generic works everywhere");
	}
	if (!bpf_xdp_query(ifindex, 0, &q) && q.prog_id)
		doctor_add(d, "xdp", ifname, DOCTOR_INFO, NULL, "program %u attached (%s)",
			   q.prog_id,
			   q.attach_mode == XDP_ATTACHED_DRV ? "native" :
			   q.attach_mode == XDP_ATTACHED_SKB ? "generic" :
			   q.attach_mode == XDP_ATTACHED_HW  ? "offloaded" :
							       "several modes");
	mtu = doctor_mtu(ifname);
	if (mtu > DOCTOR_XDP_PAGE_MTU && !multibuf)
		doctor_add(d, "mtu", ifname, DOCTOR_WARN, "ip link set dev IF mtu 1500",
			   "%ld: native XDP takes one page a frame (up to %d) on a driver without "
			   "multi-buffer",
			   mtu, DOCTOR_XDP_PAGE_MTU);
	else
		doctor_add(d, "mtu", ifname, DOCTOR_OK, NULL, "%ld fits a page a frame", mtu);
	if (!doctor_ethtool(ifname, &lro) && (lro.data & ETH_FLAG_LRO)) {
		char fix[64];

		snprintf(fix, sizeof(fix), "ethtool -K %s lro off", ifname);
		f = doctor_add(d, "offload", ifname, DOCTOR_WARN, fix,
			       "LRO on: drivers refuse native XDP with LRO");
		f->kind = DOCTOR_FIX_LRO_OFF;
		snprintf(f->arg2, sizeof(f->arg2), "%s", ifname);
	} else {
		doctor_add(d, "offload", ifname, DOCTOR_OK, NULL, "LRO off; GRO %s%s",
			   !doctor_ethtool(ifname, &gro) && gro.data ? "on" : "off",
			   !strcmp(di.driver, "veth") ? " (on a veth: it makes redirects into it "
							"deliver, not XDP_TX)" :
							"");
	}
	hook = dataplane_hook_current(ifindex);
	if (hook != DATAPLANE_HOOK_AUTO) {
		doctor_add(d, "hook", ifname, DOCTOR_INFO, NULL, "xlb is attached %s",
			   hook == DATAPLANE_HOOK_TC ? "at tc (clsact ingress)" : "in XDP");
	} else {
		char why[64];

		hook = dataplane_hook_pick(ifindex, DATAPLANE_HOOK_AUTO, why, sizeof(why));
		doctor_add(d, "hook", ifname, DOCTOR_INFO, NULL,
			   "xlb is not attached; --hook auto would put it %s (%s)",
			   hook == DATAPLANE_HOOK_TC ? "at tc" : "in XDP", why);
		hook = DATAPLANE_HOOK_AUTO;
	}
	if (!strcmp(di.driver, "veth"))
		doctor_veth(d, ifname, ifindex, hook == DATAPLANE_HOOK_TC);
	if (!strcmp(di.driver, "virtio_net"))
		doctor_virtio(d, ifname, q.prog_id != 0);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
	snprintf(subject, sizeof(subject), "%s rp_filter", ifname);
	{
		long all = doctor_read_long("/proc/sys/net/ipv4/conf/all/rp_filter", 0);
		long v = doctor_read_long(path, 0);

		if ((all > v ? all : v) == 1) {
			char fix[128];

			snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.%s.rp_filter=2%s",
				 ifname, all == 1 ? " net.ipv4.conf.all.rp_filter=2" : "");
			f = doctor_add(
				d, "sysctl", subject, DOCTOR_WARN, fix,
				"strict reverse-path filter: packets the kernel forwards for "
				"XDP (XDP_PASS on a missing neighbour, dsr replies) may be "
				"dropped");
			f->kind = DOCTOR_FIX_SYSCTL;
			snprintf(f->arg, sizeof(f->arg), "%s",
				 all == 1 ? "/proc/sys/net/ipv4/conf/all/rp_filter" : path);
			snprintf(f->arg2, sizeof(f->arg2), "2");
			if (all == 1 && v == 1) {
				f = doctor_add(d, "sysctl", subject, DOCTOR_WARN, fix,
					       "and the interface's own setting is strict too");
				f->kind = DOCTOR_FIX_SYSCTL;
				snprintf(f->arg, sizeof(f->arg), "%s", path);
				snprintf(f->arg2, sizeof(f->arg2), "2");
			}
		} else {
			doctor_add(d, "sysctl", subject, DOCTOR_OK, NULL,
				   "%ld (all: %ld): not strict", v, all);
		}
	}
}

/* ---- fixes ---- */

static int doctor_apply(struct doctor_finding *f)
{
	int err = 0, fd = -1, saved = -1;

	switch (f->kind) {
	case DOCTOR_FIX_NONE:
		return 0;
	case DOCTOR_FIX_BPFFS:
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
			err = -errno;
		break;
	case DOCTOR_FIX_SYSCTL:
		err = doctor_write(f->arg, f->arg2);
		break;
	case DOCTOR_FIX_CGROUP: {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", f->arg);
		err = doctor_write(path, f->arg2);
		break;
	}
	case DOCTOR_FIX_LRO_OFF: {
		struct ethtool_value v = { .cmd = ETHTOOL_GFLAGS };

		err = doctor_ethtool(f->arg2, &v);
		if (!err) {
			v.cmd = ETHTOOL_SFLAGS;
			v.data &= ~(uint32_t)ETH_FLAG_LRO;
			err = doctor_ethtool(f->arg2, &v);
		}
		break;
	}
	case DOCTOR_FIX_CHANNELS: {
		struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };

		err = doctor_ethtool(f->arg2, &ch);
		if (!err) {
			ch.cmd = ETHTOOL_SCHANNELS;
			ch.combined_count = (uint32_t)f->n;
			err = doctor_ethtool(f->arg2, &ch);
		}
		break;
	}
	case DOCTOR_FIX_VETH_PEER:
		if (*f->arg) {
			fd = open(f->arg, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || netns_enter(fd, &saved)) {
				err = fd < 0 ? -errno : -EPERM;
				break;
			}
		}
		err = dataplane_peer_attach(f->n, f->arg2, 0, false);
		if (err)
			err = dataplane_peer_attach(f->n, f->arg2, XDP_FLAGS_SKB_MODE, false);
		if (*f->arg)
			netns_leave(saved);
		break;
	}
	if (fd >= 0)
		close(fd);
	if (err) {
		fprintf(stderr, "xlbctl: doctor: %s %s: could not fix (%s): %s\n", f->check,
			f->subject, f->fix, strerror(-err));
		return err;
	}
	f->status = DOCTOR_FIXED;
	return 0;
}

/* Every interface of this namespace but lo, when none is named */
static int doctor_all_ifaces(char names[][IF_NAMESIZE], int max)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	int n = 0;

	for (p = ni; p && p->if_index && n < max; p++)
		if (strcmp(p->if_name, "lo"))
			snprintf(names[n++], IF_NAMESIZE, "%s", p->if_name);
	if (ni)
		if_freenameindex(ni);
	return n;
}

static const char doctor_usage[] =
	"usage: xlbctl doctor [--json] [--fix] [--pin-dir DIR] [IFACE...]\n\n"
	"Looks at this machine and its interfaces (all but lo when none is named) and says, each\n"
	"with its fix: kernel, BTF, bpffs, the datapath ABI of the pinned maps; per interface the XDP modes the driver has, MTU against\n"
	"a page, LRO/GRO, a virtio NIC's queues, a veth peer's program and checksum offload,\n"
	"rp_filter; forwarding sysctls; cgroup controllers and what instances get.\n\n"
	"options:\n"
	"  --fix     apply the safe fixes: mount bpffs, forwarding and rp_filter sysctls, cgroup\n"
	"            controllers, LRO off, virtio queues, xlb_decap on a veth peer\n"
	"  --json    the findings as JSON\n"
	"  --pin-dir DIR  where xlbd pins the maps (default $XLB_PIN_DIR, else " XLB_PIN_DIR ")\n\n"
	"exit status: 0 nothing failed, 1 a check failed (FAIL), 2 usage\n";

int doctor_main(int argc, char **argv)
{
	static struct doctor d;
	char names[64][IF_NAMESIZE];
	int n = 0, i, failed = 0, rc = 0;
	bool json = false, verb = false;
	const char *pin_dir = getenv("XLB_PIN_DIR");
	struct table *t = NULL;

	for (i = 1; i < argc; i++) {
		if (!verb && !strcmp(argv[i], "doctor")) {
			verb = true; /* the verb itself, maybe after global options */
			continue;
		}
		if (!strcmp(argv[i], "--socket") || !strcmp(argv[i], "--cli-read-timeout")) {
			i++; /* xlbctl's global options with a value: no meaning here */
			continue;
		}
		if (!strcmp(argv[i], "--output") && i + 1 < argc) {
			json = !strcmp(argv[++i], "json");
			continue;
		}
		if (!strcmp(argv[i], "--pin-dir")) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "xlbctl: doctor: --pin-dir wants a directory\n");
				return 2;
			}
			pin_dir = argv[++i];
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--fix")) {
			d.fix = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(doctor_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr,
				"xlbctl: doctor: unknown option %s\nsee: xlbctl doctor --help\n",
				argv[i]);
			return 2;
		} else if (n < 64) {
			if (strlen(argv[i]) >= IF_NAMESIZE) {
				fprintf(stderr, "xlbctl: doctor: \"%s\": not an interface name\n",
					argv[i]);
				return 2;
			}
			snprintf(names[n++], IF_NAMESIZE, "%s", argv[i]);
		}
	}
	libbpf_set_print(NULL);
	doctor_kernel(&d);
	doctor_pins(&d, pin_dir && *pin_dir ? pin_dir : XLB_PIN_DIR);
	doctor_sysctl(&d, "/proc/sys/net/ipv4/ip_forward", "ip_forward", 1, true,
		      "bpf_fib_lookup answers FWD_DISABLED: nothing is forwarded");
	doctor_sysctl(&d, "/proc/sys/net/ipv6/conf/all/forwarding", "ipv6 forwarding", 1, true,
		      "IPv6 VIPs: bpf_fib_lookup answers FWD_DISABLED");
	if (!n)
		n = doctor_all_ifaces(names, 64);
	for (i = 0; i < n; i++)
		doctor_iface(&d, names[i]);
	doctor_cgroups(&d);
	for (i = 0; i < d.nf; i++) {
		if (d.fix && d.f[i].kind != DOCTOR_FIX_NONE && d.f[i].status >= DOCTOR_WARN)
			doctor_apply(&d.f[i]);
		if (d.f[i].status == DOCTOR_FAIL)
			failed++;
	}
	if (json) {
		struct json_object *arr = json_object_new_array();

		for (i = 0; i < d.nf && arr; i++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "check", json_object_new_string(d.f[i].check));
			json_object_object_add(o, "subject",
					       json_object_new_string(d.f[i].subject));
			json_object_object_add(
				o, "status",
				json_object_new_string(d.f[i].status == DOCTOR_FAIL ?
							       "fail" :
							       doctor_status_names[d.f[i].status]));
			json_object_object_add(o, "finding", json_object_new_string(d.f[i].what));
			json_object_object_add(
				o, "fix", *d.f[i].fix ? json_object_new_string(d.f[i].fix) : NULL);
			json_object_object_add(o, "fixable",
					       json_object_new_boolean(d.f[i].kind !=
								       DOCTOR_FIX_NONE));
			json_object_array_add(arr, o);
		}
		printf("%s\n",
		       json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else {
		if (table_new(&t))
			return 1;
		table_add_column(t, "Check", TABLE_ALIGN_LEFT);
		table_add_column(t, "Subject", TABLE_ALIGN_LEFT);
		table_add_column(t, "Status", TABLE_ALIGN_LEFT);
		table_add_column(t, "Finding", TABLE_ALIGN_LEFT);
		table_add_column(t, "Fix", TABLE_ALIGN_LEFT);
		for (i = 0; i < d.nf; i++) {
			table_add_row(t);
			table_set(t, 0, d.f[i].check);
			table_set(t, 1, d.f[i].subject);
			table_set(t, 2, doctor_status_names[d.f[i].status]);
			table_set(t, 3, d.f[i].what);
			table_set(t, 4, d.f[i].status == DOCTOR_OK ? "" : d.f[i].fix);
		}
		rc = table_print(t, stdout, table_term_width(STDOUT_FILENO));
		table_free(t);
		if (rc)
			return 1;
	}
	return failed ? 1 : 0;
}
