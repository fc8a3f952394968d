// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The only writer of the datapath's maps: loads the skeleton (or adopts maps pinned by an
 * earlier run), attaches the XDP programs, and writes services, backends and Maglev tables,
 * each table built whole in a fresh map and swapped in with one update.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
#include "hash.h"
#include "log.h"
#include "xlb.skel.h"
#include "xlb_decap.skel.h"
#include "xlb_tc.skel.h"

struct dataplane {
	struct xlb_bpf *skel;
	struct xlb_tc_bpf *tc; /* the same datapath at tc, on the same maps; NULL if it failed */
	char *pin_dir;	       /* NULL: nothing pinned */
	uint32_t ring_size;
	uint32_t ring_flags;	/* map_flags of the inner map template, copied by every table */
	uint32_t flow_capacity; /* ways: buckets x XLB_FLOW_WAYS */
	struct xlb_flow_bucket *flows; /* the flow table, mapped */
	size_t flows_len;
	struct xlb_secret *secret; /* xlb_secret's one value, mapped */
	int ncpus;
};

/* Every map of bpf/xlb_maps.h, the names they are pinned under. */
static const char *const dataplane_maps[] = {
	"xlb_vips",	 /* services */
	"xlb_backends",	 /* backends by id */
	"xlb_rings",	 /* Maglev tables */
	"xlb_flows",	 /* flow table */
	"xlb_nat_src",	 /* the nat VIPs of each backend */
	"xlb_tx_ports",	 /* redirect targets */
	"xlb_vip_stats", /* counters per service */
	"xlb_be_stats",	 /* counters per backend */
	"xlb_stats",	 /* paths and drops */
	"xlb_secret",	 /* the flow hash's key */
	"xlb_be_active", /* active flows per backend (least outstanding requests) */
};

#define DATAPLANE_NMAPS (sizeof(dataplane_maps) / sizeof(dataplane_maps[0]))

/* Pinned beside the maps: an empty table of the table size, the template every table copies.
 * The kernel keeps xlb_rings' template to itself; this one tells a later run the size.
 */
#define DATAPLANE_TMPL_PIN "xlb_ring_tmpl"

static const char *const dataplane_prog_names[DATAPLANE_ROLE_MAX] = {
	[DATAPLANE_ROLE_VIP] = "xlb_rx",
	[DATAPLANE_ROLE_NAT] = "xlb_rx_nat",
};

static int dataplane_fd(const struct dataplane *dp, struct bpf_map *map)
{
	return bpf_map__fd(map);
}

static const char *dataplane_ifname(int ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex %d", ifindex);
	return buf;
}

/* ---- opening and adopting ---- */

static int dataplane_map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* A Maglev table: XLB_RING_LANES ids to an element, so max_entries does not tell the size;
 * the map's name does ("xlbr_65537"), for a later run that adopts the maps.
 */
static int dataplane_table_create(uint32_t size, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = flags);
	char name[BPF_OBJ_NAME_LEN];

	snprintf(name, sizeof(name), "xlbr_%u", size);
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), sizeof(__u64),
			      XLB_RING_ELEMS(size), &copts);
}

/* The table size a Maglev table map was made for, or 0. */
static uint32_t dataplane_table_size_of(const struct bpf_map_info *info)
{
	unsigned int size;

	if (sscanf(info->name, "xlbr_%u", &size) != 1 || XLB_RING_ELEMS(size) != info->max_entries)
		return 0;
	return size;
}

/* Where a map is pinned: its name and the ABI version, xlb_vips_v2. */
static int dataplane_pin_path(char *path, size_t len, const char *pin_dir, const char *name)
{
	if (snprintf(path, len, "%s/%s_v%u", pin_dir, name, (unsigned int)XLB_ABI_VERSION) >=
	    (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* Opens a pinned map by name; -ENOENT when it is not pinned there. */
static int dataplane_pin_open(const char *pin_dir, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	err = dataplane_pin_path(path, sizeof(path), pin_dir, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* The ABI version a pin's file name says it has, or 0 when the file is none of ours. */
static unsigned int dataplane_pin_version(const char *file)
{
	unsigned int version;
	size_t i, n;
	char end;

	for (i = 0; i <= DATAPLANE_NMAPS; i++) {
		const char *name = i < DATAPLANE_NMAPS ? dataplane_maps[i] : DATAPLANE_TMPL_PIN;

		n = strlen(name);
		if (strncmp(file, name, n) != 0)
			continue;
		if (file[n] == '\0')
			return 1; /* pinned before the names carried a version */
		if (sscanf(file + n, "_v%u%c", &version, &end) == 1 && version)
			return version;
	}
	return 0;
}

int dataplane_pins_version(const char *pin_dir)
{
	unsigned int version, found = 0;
	struct dirent *de;
	DIR *dir;

	dir = opendir(pin_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	// cppcheck-suppress readdirCalled
	while ((de = readdir(dir))) {
		version = dataplane_pin_version(de->d_name);
		/* another version wins: those pins are the ones to speak of */
		if (version && (!found || found == XLB_ABI_VERSION))
			found = version;
	}
	closedir(dir);
	return (int)found;
}

/* Refuses pins of another ABI version: their keys and values may mean other things even where
 * the sizes agree, so adopting them would corrupt flows and tables silently.
 */
static int dataplane_pins_refuse_foreign(const char *pin_dir)
{
	int version = dataplane_pins_version(pin_dir);

	if (version < 0) {
		log_error("%s: %s", pin_dir, strerror(-version));
		return version;
	}
	if (version == 0 || version == XLB_ABI_VERSION)
		return 0;
	log_error("%s holds maps pinned by an xlb of datapath ABI v%d, this one is v%u: their "
		  "layout may differ, so they are not adopted; unload them with the xlb-dp that "
		  "pinned them (xlb-dp --pin-dir %s unload), or detach xlb and remove them "
		  "(rm %s/xlb_*), then start again",
		  pin_dir, version, XLB_ABI_VERSION, pin_dir, pin_dir);
	return -EPROTO;
}

/* The table size of pinned xlb_rings: from a table it holds, else by offering it an empty
 * table of the wanted size under a service id no service uses (the kernel refuses an inner map whose
 * size differs from the template's: -EINVAL). *size stays 0 when it cannot tell.
 */
static int dataplane_pinned_table_size(int rings_fd, int vips_fd, uint32_t want, uint32_t flags,
				       uint32_t *size)
{
	bool used[XLB_MAX_VIPS] = { false };
	struct xlb_vip_key key, next;
	struct bpf_map_info info;
	struct xlb_vip vip;
	__u32 i, id, free_id = XLB_MAX_VIPS;
	int fd = -1, err = 0;
	void *prev = NULL;

	*size = 0;
	for (i = 0; i < XLB_MAX_VIPS; i++) {
		if (bpf_map_lookup_elem(rings_fd, &i, &id))
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue; /* swapped out meanwhile */
		err = dataplane_map_info(fd, &info);
		close(fd);
		if (err)
			return err;
		*size = dataplane_table_size_of(&info);
		return 0;
	}
	/* no table yet: probe with an id that no service uses, so no packet can see the probe */
	while (bpf_map_get_next_key(vips_fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(vips_fd, &next, &vip) == 0 && vip.id < XLB_MAX_VIPS)
			used[vip.id] = true;
		key = next;
		prev = &key;
	}
	for (i = 0; i < XLB_MAX_VIPS && free_id == XLB_MAX_VIPS; i++)
		if (!used[i])
			free_id = i;
	if (free_id == XLB_MAX_VIPS)
		return 0; /* every id in use: cannot tell, ring_set will */
	fd = dataplane_table_create(want, flags);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(rings_fd, &free_id, &fd, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	bpf_map_delete_elem(rings_fd, &free_id);
	*size = want;
out:
	close(fd);
	return err;
}

/* Buckets for a flow capacity: a power of two (the datapath masks the hash), at least one. */
static uint32_t dataplane_flow_buckets(uint32_t flows)
{
	uint32_t want = (flows + XLB_FLOW_WAYS - 1) / XLB_FLOW_WAYS, b = 1;

	while (b < want && b < (1u << 28))
		b <<= 1;
	return b;
}

/* Pins under /sys/fs/bpf need the bpf filesystem there. systemd mounts it at boot; minimal
 * hosts and some containers do not, so mount it as systemd would rather than fail.
 */
static void dataplane_bpffs_ensure(const char *pin_dir)
{
	struct statfs sfs;

	if (strncmp(pin_dir, "/sys/fs/bpf/", 12) != 0)
		return;
	if (!statfs("/sys/fs/bpf", &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		log_warn("mounting the bpf filesystem on /sys/fs/bpf: %s", strerror(errno));
	else
		log_info("mounted the bpf filesystem on /sys/fs/bpf");
}

/* The pin directory is on a bpf filesystem, or will be where libbpf creates it; other
 * failures are libbpf's to report.
 */
static int dataplane_pin_dir_usable(const char *pin_dir)
{
	struct statfs sfs;
	int rc;

	dataplane_bpffs_ensure(pin_dir);
	rc = statfs(pin_dir, &sfs);
	if (rc && errno == ENOENT) {
		char parent[PATH_MAX], *slash;

		snprintf(parent, sizeof(parent), "%s", pin_dir);
		slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		else
			snprintf(parent, sizeof(parent), "%s", slash ? "/" : ".");
		rc = statfs(parent, &sfs);
	}
	if (!rc && sfs.f_type != BPF_FS_MAGIC) {
		log_error(
			"%s is not on a bpf filesystem: mount one (mount -t bpf bpf /sys/fs/bpf); "
			"under 'ip netns exec', which mounts a fresh /sys, use 'nsenter "
			"--net=/run/netns/NAME' instead",
			pin_dir);
		return -EINVAL;
	}
	return 0;
}

/* Looks at what an earlier run pinned in pin_dir: whether anything is, and the sizes that
 * must match (taken when the caller gave 0). A size the caller asked for that differs is an
 * error here, with a message, rather than libbpf's "parameter mismatch" later. *ring_known is
 * false when pinned tables exist whose size could not be learnt.
 */
static int dataplane_pins_check(const char *pin_dir, uint32_t *ring_size, uint32_t *flows,
				uint32_t ring_flags, bool *pinned, bool *ring_known)
{
	int vips_fd = -1, rings_fd = -1, flows_fd = -1, fd, err = 0;
	struct bpf_map_info info;
	uint32_t pinned_ring = 0;
	size_t i;

	*pinned = false;
	*ring_known = true;
	err = dataplane_pin_dir_usable(pin_dir);
	if (err)
		return err;
	err = dataplane_pins_refuse_foreign(pin_dir);
	if (err)
		return err;
	for (i = 0; i < DATAPLANE_NMAPS; i++) {
		fd = dataplane_pin_open(pin_dir, dataplane_maps[i]);
		if (fd == -ENOENT)
			continue;
		if (fd < 0) {
			err = fd;
			log_error("%s/%s_v%u: %s", pin_dir, dataplane_maps[i], XLB_ABI_VERSION,
				  strerror(-err));
			goto out;
		}
		*pinned = true;
		if (strcmp(dataplane_maps[i], "xlb_vips") == 0)
			vips_fd = fd;
		else if (strcmp(dataplane_maps[i], "xlb_rings") == 0)
			rings_fd = fd;
		else if (strcmp(dataplane_maps[i], "xlb_flows") == 0)
			flows_fd = fd;
		else
			close(fd);
	}
	if (flows_fd >= 0) {
		err = dataplane_map_info(flows_fd, &info);
		if (err)
			goto out;
		if (*flows && dataplane_flow_buckets(*flows) != info.max_entries) {
			log_error(
				"%s holds a flow table of %u entries, not %u: use that size, or unpin "
				"the maps first",
				pin_dir, info.max_entries * XLB_FLOW_WAYS, *flows);
			err = -EINVAL;
			goto out;
		}
		*flows = info.max_entries * XLB_FLOW_WAYS;
	}
	fd = dataplane_pin_open(pin_dir, DATAPLANE_TMPL_PIN);
	if (fd >= 0) {
		err = dataplane_map_info(fd, &info);
		close(fd);
		if (err) {
			log_error("%s/%s_v%u: %s", pin_dir, DATAPLANE_TMPL_PIN, XLB_ABI_VERSION,
				  strerror(-err));
			goto out;
		}
		pinned_ring = dataplane_table_size_of(&info);
	} else if (rings_fd >= 0 && vips_fd >= 0) {
		/* pinned by a run that left no template: learn it from the tables, or probe */
		uint32_t want = *ring_size ? *ring_size : XLB_RING_SIZE_DEFAULT;

		err = dataplane_pinned_table_size(rings_fd, vips_fd, want, ring_flags,
						  &pinned_ring);
		if (err == -EINVAL) {
			log_error(
				"%s holds Maglev tables of another size than %u: give their size, or "
				"unpin the maps first",
				pin_dir, want);
			goto out;
		}
		if (err) {
			log_error("%s/xlb_rings_v%u: %s", pin_dir, XLB_ABI_VERSION, strerror(-err));
			goto out;
		}
		*ring_known = pinned_ring != 0;
	}
	if (pinned_ring && *ring_size && pinned_ring != *ring_size) {
		log_error(
			"%s holds Maglev tables of %u positions, not %u: use that size, or unpin the "
			"maps first",
			pin_dir, pinned_ring, *ring_size);
		err = -EINVAL;
		goto out;
	}
	if (pinned_ring)
		*ring_size = pinned_ring;
out:
	if (vips_fd >= 0)
		close(vips_fd);
	if (rings_fd >= 0)
		close(rings_fd);
	if (flows_fd >= 0)
		close(flows_fd);
	return err;
}

/* libbpf pins a map by its name; the pins carry the ABI version as well. */
static int dataplane_pins_name(struct dataplane *dp, const char *pin_dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	for (map = bpf_object__next_map(dp->skel->obj, NULL); map;
	     map = bpf_object__next_map(dp->skel->obj, map)) {
		if (!bpf_map__pin_path(map))
			continue; /* not pinned at all */
		err = dataplane_pin_path(path, sizeof(path), pin_dir, bpf_map__name(map));
		if (!err)
			err = bpf_map__set_pin_path(map, path);
		if (err) {
			log_error("pinning %s in %s: %s", bpf_map__name(map), pin_dir,
				  strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The kernel adds BPF_F_RDONLY_PROG to every devmap, and libbpf 1.1 then finds the pinned
 * xlb_tx_ports' flags different from the object's and refuses to reuse it (fixed in later
 * libbpf). So that one map is adopted here, by hand, and libbpf told not to pin it.
 */
static int dataplane_tx_ports_adopt(struct dataplane *dp, const char *pin_dir)
{
	struct bpf_map *map = dp->skel->maps.xlb_tx_ports;
	int fd, err;

	fd = dataplane_pin_open(pin_dir, bpf_map__name(map));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		log_error("%s/%s_v%u: %s", pin_dir, bpf_map__name(map), XLB_ABI_VERSION,
			  strerror(-fd));
		return fd;
	}
	err = bpf_map__reuse_fd(map, fd);
	if (!err)
		err = bpf_map__set_pin_path(map, NULL);
	if (err)
		log_error("adopting %s/%s_v%u: %s", pin_dir, bpf_map__name(map), XLB_ABI_VERSION,
			  strerror(-err));
	close(fd); /* reuse_fd took a duplicate */
	return err;
}

/* The key's bytes as SipHash reads them: two little-endian 64-bit words. */
static void dataplane_secret_store(struct xlb_secret *s, const uint8_t key[16])
{
	uint64_t k[2] = { 0, 0 };
	int i;

	for (i = 0; i < 16; i++)
		k[i / 8] |= (uint64_t)key[i] << (8 * (i % 8));
	s->k[1] = k[1];
	s->k[0] = k[0];
}

static size_t dataplane_secret_len(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static bool dataplane_secret_unset(const volatile struct xlb_secret *s)
{
	return !s->k[0] && !s->k[1];
}

/* Maps xlb_secret and, where it holds none yet (a first load, nothing pinned before), makes
 * one: 128 bits from the kernel's random pool.
 */
static int dataplane_secret_map(struct dataplane *dp)
{
	uint8_t key[16];
	void *m;
	int err;

	m = mmap(NULL, dataplane_secret_len(), PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(dp->skel->maps.xlb_secret), 0);
	if (m == MAP_FAILED) {
		err = -errno;
		log_error("mapping the flow hash secret: %s", strerror(-err));
		return err;
	}
	dp->secret = m;
	if (!dataplane_secret_unset(dp->secret))
		return 0;
	do {
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
			err = -errno;
			log_error("making the flow hash secret: %s", strerror(-err));
			return err;
		}
	} while (!memcmp(key, (uint8_t[16]){ 0 }, sizeof(key)));
	dataplane_secret_store(dp->secret, key);
	log_debug("flow hash secret made");
	return 0;
}

/* The tc build of the datapath, on the XDP build's maps (so one set of flows and counters) and
 * with its load-time settings. A failure only leaves the tc hook unavailable.
 */
static void dataplane_tc_load(struct dataplane *dp)
{
	struct xlb_tc_bpf *tc = xlb_tc_bpf__open();
	struct bpf_map *map, *twin;
	int err = tc ? 0 : -errno;

	for (map = tc ? bpf_object__next_map(tc->obj, NULL) : NULL; map && !err;
	     map = bpf_object__next_map(tc->obj, map)) {
		if (bpf_map__is_internal(map))
			continue;
		/* never pinned from here: the XDP build's maps carry the pins */
		err = bpf_map__set_pin_path(map, NULL);
		twin = bpf_object__find_map_by_name(dp->skel->obj, bpf_map__name(map));
		if (!err)
			err = twin ? bpf_map__reuse_fd(map, bpf_map__fd(twin)) : -ENOENT;
	}
	if (!err) {
		tc->rodata->xlb_ring_size = dp->skel->rodata->xlb_ring_size;
		tc->rodata->xlb_flow_mask = dp->skel->rodata->xlb_flow_mask;
		tc->rodata->xlb_new_flow_rate = dp->skel->rodata->xlb_new_flow_rate;
		err = xlb_tc_bpf__load(tc);
	}
	if (err) {
		log_warn("the tc build of the datapath did not load (%s): --hook tc unavailable",
			 strerror(-err));
		xlb_tc_bpf__destroy(tc);
		return;
	}
	dp->tc = tc;
}

/* What dataplane_open learns on the way: the sizes to build with, whether maps were pinned. */
struct dataplane_open_state {
	uint32_t ring_size; /* 0: the default, or the pinned one */
	uint32_t flows;	    /* 0: likewise */
	bool pinned;	    /* maps of an earlier run are adopted */
	bool ring_known;    /* false: pinned tables whose size could not be learnt */
	int template_fd;    /* the Maglev table template, -1 until made */
};

/* Opens the skeleton, with pins under pin_dir when there is one. */
static int dataplane_skel_open(struct dataplane *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts);
	struct bpf_map *inner;
	int err;

	oopts.pin_root_path = dp->pin_dir;
	dp->skel = xlb_bpf__open_opts(&oopts);
	if (!dp->skel) {
		err = -errno;
		log_error("opening the datapath object: %s", strerror(-err));
		return err;
	}
	inner = bpf_map__inner_map(dp->skel->maps.xlb_rings);
	if (!inner) {
		log_error("xlb_rings has no inner map template");
		return -EINVAL;
	}
	dp->ring_flags = bpf_map__map_flags(inner);
	return 0;
}

/* With a pin_dir: what is pinned there, and the versioned names to pin under. Without: no pins
 * at all, since libbpf would pin LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf.
 */
static int dataplane_pins_prepare(struct dataplane *dp, struct dataplane_open_state *st)
{
	struct bpf_map *map;
	int err;

	if (dp->pin_dir) {
		err = dataplane_pins_check(dp->pin_dir, &st->ring_size, &st->flows, dp->ring_flags,
					   &st->pinned, &st->ring_known);
		return err ? err : dataplane_pins_name(dp, dp->pin_dir);
	}
	for (map = bpf_object__next_map(dp->skel->obj, NULL); map;
	     map = bpf_object__next_map(dp->skel->obj, map)) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err) {
			log_error("unpinning %s: %s", bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The flow table's and the Maglev tables' sizes, and the settings the verifier prunes on. */
static int dataplane_size(struct dataplane *dp, const struct dataplane_opts *opts,
			  struct dataplane_open_state *st)
{
	int err;

	dp->ring_size = st->ring_size ? st->ring_size : XLB_RING_SIZE_DEFAULT;
	dp->flow_capacity =
		dataplane_flow_buckets(st->flows ? st->flows : XLB_FLOWS_DEFAULT) * XLB_FLOW_WAYS;
	err = bpf_map__set_max_entries(dp->skel->maps.xlb_flows, dp->flow_capacity / XLB_FLOW_WAYS);
	if (err) {
		log_error("sizing the flow table: %s", strerror(-err));
		return err;
	}
	dp->skel->rodata->xlb_flow_mask = dp->flow_capacity / XLB_FLOW_WAYS - 1;
	if (opts && opts->new_flow_rate)
		dp->skel->rodata->xlb_new_flow_rate = opts->new_flow_rate;
	/* The table size lives in the inner map template. libbpf 1.1 crashes resizing its own
	 * template (bpf_map__set_max_entries on bpf_map__inner_map), so give it one of ours.
	 */
	st->template_fd = dataplane_table_create(dp->ring_size, dp->ring_flags);
	if (st->template_fd < 0) {
		err = -errno;
		log_error("creating the Maglev table template: %s", strerror(-err));
		return err;
	}
	err = bpf_map__set_inner_map_fd(dp->skel->maps.xlb_rings, st->template_fd);
	if (err) {
		log_error("setting the Maglev table template: %s", strerror(-err));
		return err;
	}
	dp->skel->rodata->xlb_ring_size = dp->ring_size;
	return 0;
}

/* Loads the programs (creating or adopting the maps) and maps what user space writes in place:
 * the flow table and the secret. The tc build follows, on the same maps.
 */
static int dataplane_load(struct dataplane *dp, const struct dataplane_open_state *st)
{
	int err;

	err = xlb_bpf__load(dp->skel);
	if (err) {
		if (st->pinned)
			log_error("loading the datapath with the maps pinned in %s: %s (maps of an "
				  "older layout? unpin them first)",
				  dp->pin_dir, strerror(-err));
		else
			log_error("loading the datapath: %s", strerror(-err));
		return err;
	}
	dp->flows_len = (size_t)dp->flow_capacity / XLB_FLOW_WAYS * sizeof(struct xlb_flow_bucket);
	dp->flows = mmap(NULL, dp->flows_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(dp->skel->maps.xlb_flows), 0);
	if (dp->flows == MAP_FAILED) {
		err = -errno;
		dp->flows = NULL;
		log_error("mapping the flow table: %s", strerror(-err));
		return err;
	}
	err = dataplane_secret_map(dp);
	if (err)
		return err;
	dataplane_tc_load(dp);
	return 0;
}

/* Pins the Maglev table template beside the maps: it tells a later run the tables' size. */
static int dataplane_template_pin(struct dataplane *dp, const struct dataplane_open_state *st)
{
	char path[PATH_MAX];
	int err;

	if (!dp->pin_dir || !st->ring_known)
		return 0;
	dataplane_pin_path(path, sizeof(path), dp->pin_dir, DATAPLANE_TMPL_PIN);
	if (bpf_obj_pin(st->template_fd, path) && errno != EEXIST) {
		err = -errno;
		log_error("pinning %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

int dataplane_open(struct dataplane **dpp, const struct dataplane_opts *opts, bool *adopted)
{
	struct dataplane_open_state st = { .ring_known = true, .template_fd = -1 };
	const char *pin_dir = opts ? opts->pin_dir : NULL;
	struct dataplane *dp = NULL;
	int err;

	*dpp = NULL;
	if (adopted)
		*adopted = false;
	st.ring_size = opts ? opts->ring_size : 0;
	st.flows = opts ? opts->flow_capacity : 0;
	if (st.ring_size && !maglev_is_prime(st.ring_size)) {
		log_error("Maglev table size %u is not a prime", st.ring_size);
		return -EINVAL;
	}
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		log_error("counting the possible CPUs: %s", strerror(-err));
		goto out;
	}
	if (pin_dir) {
		dp->pin_dir = strdup(pin_dir);
		if (!dp->pin_dir) {
			err = -ENOMEM;
			goto out;
		}
	}
	err = dataplane_skel_open(dp);
	if (!err)
		err = dataplane_pins_prepare(dp, &st);
	if (!err && pin_dir)
		err = dataplane_tx_ports_adopt(dp, pin_dir);
	if (!err)
		err = dataplane_size(dp, opts, &st);
	if (!err)
		err = dataplane_load(dp, &st);
	if (!err)
		err = dataplane_template_pin(dp, &st);
	if (err)
		goto out;
	log_debug("datapath loaded: %u flows, Maglev tables of %u positions, maps %s %s",
		  dp->flow_capacity, dp->ring_size, st.pinned ? "adopted from" : "pinned in",
		  pin_dir ? pin_dir : "(none)");
	if (adopted)
		*adopted = st.pinned;
	*dpp = dp;
	dp = NULL;
out:
	if (st.template_fd >= 0)
		close(st.template_fd); /* the outer map keeps its own copy of the template */
	dataplane_close(dp);
	return err;
}

void dataplane_close(struct dataplane *dp)
{
	if (!dp)
		return;
	if (dp->flows)
		munmap(dp->flows, dp->flows_len);
	if (dp->secret)
		munmap(dp->secret, dataplane_secret_len());
	xlb_tc_bpf__destroy(dp->tc);
	xlb_bpf__destroy(dp->skel);
	free(dp->pin_dir);
	free(dp);
}

int dataplane_unpin(struct dataplane *dp)
{
	char path[PATH_MAX];
	int err = 0;
	size_t i;

	if (!dp->pin_dir)
		return 0;
	for (i = 0; i < DATAPLANE_NMAPS; i++) {
		dataplane_pin_path(path, sizeof(path), dp->pin_dir, dataplane_maps[i]);
		if (unlink(path) && errno != ENOENT && !err) {
			err = -errno;
			log_error("unpinning %s: %s", path, strerror(-err));
		}
	}
	dataplane_pin_path(path, sizeof(path), dp->pin_dir, DATAPLANE_TMPL_PIN);
	if (unlink(path) && errno != ENOENT && !err) {
		err = -errno;
		log_error("unpinning %s: %s", path, strerror(-err));
	}
	/* the directory goes too when nothing else lives there */
	if (!err && rmdir(dp->pin_dir) && errno != ENOENT)
		log_debug("keeping %s: %s", dp->pin_dir, strerror(errno));
	return err;
}

/* ---- attaching ---- */

/* The XDP program attached to ifindex: its id (0 for none), mode flag and name. */
static int dataplane_xdp_current(int ifindex, __u32 *id, __u32 *mode_flag, char *name)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, err;

	*id = 0;
	*mode_flag = 0;
	name[0] = '\0';
	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	/* generic and native cannot both be active; hardware offload is not ours */
	if (q.drv_prog_id) {
		*id = q.drv_prog_id;
		*mode_flag = XDP_FLAGS_DRV_MODE;
	} else if (q.skb_prog_id) {
		*id = q.skb_prog_id;
		*mode_flag = XDP_FLAGS_SKB_MODE;
	} else if (q.hw_prog_id) {
		*id = q.hw_prog_id;
		*mode_flag = XDP_FLAGS_HW_MODE;
	}
	if (!*id)
		return 0;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	close(fd);
	if (!err)
		snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
	return err;
}

static bool dataplane_is_ours(const char *name)
{
	return strcmp(name, dataplane_prog_names[DATAPLANE_ROLE_VIP]) == 0 ||
	       strcmp(name, dataplane_prog_names[DATAPLANE_ROLE_NAT]) == 0;
}

static const char *dataplane_xdp_mode_name(__u32 mode_flag)
{
	switch (mode_flag) {
	case XDP_FLAGS_DRV_MODE:
		return "native";
	case XDP_FLAGS_SKB_MODE:
		return "generic";
	case XDP_FLAGS_HW_MODE:
		return "offload";
	default:
		return "any";
	}
}

int dataplane_attach(struct dataplane *dp, int ifindex, enum dataplane_role role,
		     uint32_t xdp_flags)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);
	uint32_t want = xdp_flags & XDP_FLAGS_MODES;
	char ifname[IF_NAMESIZE], cur[BPF_OBJ_NAME_LEN];
	__u32 cur_id, cur_mode;
	int prog_fd, old_fd = -1, err;

	prog_fd = dataplane_prog_fd(dp, role);
	if (prog_fd < 0) {
		log_error("no program for role %d", role);
		return -EINVAL;
	}
	dataplane_ifname(ifindex, ifname);
	err = dataplane_xdp_current(ifindex, &cur_id, &cur_mode, cur);
	if (err) {
		log_error("%s: querying its XDP program: %s", ifname, strerror(-err));
		return err;
	}

	if (cur_id) {
		/* ours already there: swap programs in one step, no packet goes unprocessed */
		if (!dataplane_is_ours(cur)) {
			log_error(
				"%s: another XDP program (%s, id %u) is attached; detach it first",
				ifname, cur, cur_id);
			return -EBUSY;
		}
		if (want && want != cur_mode) {
			log_error(
				"%s: xlb is attached in %s mode; detach it before attaching in %s mode",
				ifname, dataplane_xdp_mode_name(cur_mode),
				dataplane_xdp_mode_name(want));
			return -EBUSY;
		}
		old_fd = bpf_prog_get_fd_by_id(cur_id);
		if (old_fd < 0) {
			err = -errno;
			log_error("%s: getting the attached program: %s", ifname, strerror(-err));
			return err;
		}
		aopts.old_prog_fd = old_fd;
		err = bpf_xdp_attach(ifindex, prog_fd, cur_mode | XDP_FLAGS_REPLACE, &aopts);
		close(old_fd);
		if (err) {
			log_error("%s: replacing %s with %s: %s", ifname, cur,
				  dataplane_prog_names[role], strerror(-err));
			return err;
		}
		log_debug("%s: %s replaced by %s (%s mode)", ifname, cur,
			  dataplane_prog_names[role], dataplane_xdp_mode_name(cur_mode));
	} else if (want) {
		err = bpf_xdp_attach(ifindex, prog_fd, want | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err) {
			log_error("%s: attaching %s in %s mode: %s", ifname,
				  dataplane_prog_names[role], dataplane_xdp_mode_name(want),
				  strerror(-err));
			return err;
		}
	} else {
		err = bpf_xdp_attach(ifindex, prog_fd,
				     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err && err != -EEXIST && err != -EBUSY) {
			log_warn(
				"%s: native XDP failed (%s); falling back to generic mode, which is "
				"much slower",
				ifname, strerror(-err));
			err = bpf_xdp_attach(ifindex, prog_fd,
					     XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
					     NULL);
		}
		if (err) {
			log_error("%s: attaching %s: %s", ifname, dataplane_prog_names[role],
				  strerror(-err));
			return err;
		}
	}
	return dataplane_tx_port_add(dp, ifindex);
}

int dataplane_prog_fd_tc(const struct dataplane *dp, enum dataplane_role role)
{
	if (!dp->tc)
		return -ENOENT;
	switch (role) {
	case DATAPLANE_ROLE_VIP:
		return bpf_program__fd(dp->tc->progs.xlb_rx);
	case DATAPLANE_ROLE_NAT:
		return bpf_program__fd(dp->tc->progs.xlb_rx_nat);
	default:
		return -EINVAL;
	}
}

/* xlb's tc filter: clsact ingress, this handle and priority, so that it is found again. */
#define DATAPLANE_TC_HANDLE 0x71b
#define DATAPLANE_TC_PRIO 1

/* A tc call whose expected failures (the clsact qdisc already there, or not there yet) libbpf
 * would print as the kernel's messages; the caller reports what is an error.
 */
static libbpf_print_fn_t dataplane_tc_print;
#define dataplane_tc_quiet(call)                             \
	({                                                   \
		dataplane_tc_print = libbpf_set_print(NULL); \
		int quiet_err_ = (call);                     \
		libbpf_set_print(dataplane_tc_print);        \
		quiet_err_;                                  \
	})

bool dataplane_hook_auto_tc(int ifindex)
{
	return dataplane_hook_pick(ifindex, DATAPLANE_HOOK_AUTO, NULL, 0) == DATAPLANE_HOOK_TC;
}

static const char *const dataplane_hook_names[DATAPLANE_HOOK_MAX] = {
	[DATAPLANE_HOOK_AUTO] = "auto",
	[DATAPLANE_HOOK_XDP] = "xdp",
	[DATAPLANE_HOOK_TC] = "tc",
};

const char *dataplane_hook_name(enum dataplane_hook hook)
{
	return (unsigned int)hook < DATAPLANE_HOOK_MAX ? dataplane_hook_names[hook] : NULL;
}

int dataplane_hook_parse(const char *name, enum dataplane_hook *hook)
{
	for (int i = 0; i < DATAPLANE_HOOK_MAX; i++)
		if (!strcmp(name, dataplane_hook_names[i])) {
			*hook = (enum dataplane_hook)i;
			return 0;
		}
	return -EINVAL;
}

enum dataplane_hook dataplane_hook_pick(int ifindex, enum dataplane_hook asked, char *why,
					size_t why_len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	bool tc = false;
	int fd, err = -1;

	if (asked != DATAPLANE_HOOK_AUTO) {
		if (why)
			snprintf(why, why_len, "asked");
		return asked;
	}
	if (if_indextoname((unsigned int)ifindex, ifr.ifr_name)) {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			err = ioctl(fd, SIOCETHTOOL, &ifr);
			close(fd);
		}
	}
	if (!err)
		tc = strcmp(info.driver, "veth") == 0 || !info.bus_info[0];
	if (why) {
		if (err)
			snprintf(why, why_len, "driver unknown");
		else if (tc && strcmp(info.driver, "veth"))
			snprintf(why, why_len, "%.32s, a virtual device", info.driver);
		else
			snprintf(why, why_len, "%s%.32s", tc ? "" : "driver ", info.driver);
	}
	return tc ? DATAPLANE_HOOK_TC : DATAPLANE_HOOK_XDP;
}

int dataplane_attach_tc(struct dataplane *dp, int ifindex, enum dataplane_role role)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = DATAPLANE_TC_HANDLE,
		    .priority = DATAPLANE_TC_PRIO, .flags = BPF_TC_F_REPLACE);
	char ifname[IF_NAMESIZE], cur[BPF_OBJ_NAME_LEN];
	__u32 cur_id, cur_mode;
	int prog_fd = dataplane_prog_fd_tc(dp, role), err;

	dataplane_ifname(ifindex, ifname);
	if (prog_fd < 0) {
		log_error("%s: the tc build of the datapath is not loaded", ifname);
		return -ENOENT;
	}
	/* one hook at a time: xlb's XDP program goes, somebody else's stays and is refused */
	err = dataplane_xdp_current(ifindex, &cur_id, &cur_mode, cur);
	if (!err && cur_id && !dataplane_is_ours(cur)) {
		log_error("%s: another XDP program (%s, id %u) is attached; detach it first",
			  ifname, cur, cur_id);
		return -EBUSY;
	}
	err = dataplane_tc_quiet(bpf_tc_hook_create(&hook));
	if (err && err != -EEXIST) {
		log_error("%s: creating the clsact qdisc: %s", ifname, strerror(-err));
		return err;
	}
	topts.prog_fd = prog_fd;
	err = bpf_tc_attach(&hook, &topts);
	if (err) {
		log_error("%s: attaching %s at tc: %s", ifname, dataplane_prog_names[role],
			  strerror(-err));
		return err;
	}
	if (cur_id) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);

		err = bpf_xdp_detach(ifindex, cur_mode, &aopts);
		if (err)
			log_warn("%s: xlb's XDP program stays attached beside tc: %s", ifname,
				 strerror(-err));
	}
	return dataplane_tx_port_add(dp, ifindex);
}

int dataplane_tc_current(int ifindex, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = DATAPLANE_TC_HANDLE,
		    .priority = DATAPLANE_TC_PRIO);
	int err = dataplane_tc_quiet(bpf_tc_query(&hook, &topts));

	*prog_id = err ? 0 : topts.prog_id;
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

int dataplane_detach_tc(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = DATAPLANE_TC_HANDLE,
		    .priority = DATAPLANE_TC_PRIO);

	return bpf_tc_detach(&hook, &topts);
}

int dataplane_attach_hook(struct dataplane *dp, int ifindex, enum dataplane_role role,
			  enum dataplane_hook hook, uint32_t xdp_flags, enum dataplane_hook *used)
{
	__u32 tc_id = 0;
	int err;

	hook = dataplane_hook_pick(ifindex, hook, NULL, 0);
	if (used)
		*used = hook;
	if (hook == DATAPLANE_HOOK_TC)
		return dataplane_attach_tc(dp, ifindex, role);
	err = dataplane_attach(dp, ifindex, role, xdp_flags);
	/* from tc to XDP: xlb's tc filter goes once XDP is in place */
	if (!err && !dataplane_tc_current(ifindex, &tc_id) && tc_id)
		dataplane_detach_tc(ifindex);
	return err;
}

enum dataplane_hook dataplane_hook_current(int ifindex)
{
	char name[BPF_OBJ_NAME_LEN];
	__u32 id = 0, mode;

	if (!dataplane_tc_current(ifindex, &id) && id)
		return DATAPLANE_HOOK_TC;
	if (!dataplane_xdp_current(ifindex, &id, &mode, name) && id && dataplane_is_ours(name))
		return DATAPLANE_HOOK_XDP;
	return DATAPLANE_HOOK_AUTO;
}

int dataplane_detach_any(struct dataplane *dp, int ifindex)
{
	char ifname[IF_NAMESIZE];
	__u32 tc_id = 0, key = ifindex;
	int err;

	if (!dataplane_tc_current(ifindex, &tc_id) && tc_id) {
		err = dataplane_detach_tc(ifindex);
		if (err) {
			log_error("%s: detaching xlb's tc filter: %s",
				  dataplane_ifname(ifindex, ifname), strerror(-err));
			return err;
		}
		if (dataplane_hook_current(ifindex) != DATAPLANE_HOOK_XDP) {
			if (bpf_map_delete_elem(dataplane_fd(dp, dp->skel->maps.xlb_tx_ports),
						&key) &&
			    errno != ENOENT)
				return -errno;
			return 0;
		}
	}
	return dataplane_detach(dp, ifindex, 0);
}

/* Detaches only xlb's programs, and takes the device out of xlb_tx_ports: undoes attach. */
int dataplane_detach(struct dataplane *dp, int ifindex, uint32_t xdp_flags)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);
	uint32_t want = xdp_flags & XDP_FLAGS_MODES;
	char ifname[IF_NAMESIZE], cur[BPF_OBJ_NAME_LEN];
	__u32 cur_id, cur_mode, key = ifindex;
	int err;

	dataplane_ifname(ifindex, ifname);
	err = dataplane_xdp_current(ifindex, &cur_id, &cur_mode, cur);
	if (err) {
		log_error("%s: querying its XDP program: %s", ifname, strerror(-err));
		return err;
	}
	if (!cur_id || (want && want != cur_mode)) {
		log_error("%s: xlb is not attached%s%s", ifname, want ? " in " : "",
			  want ? dataplane_xdp_mode_name(want) : "");
		return -ENOENT;
	}
	if (!dataplane_is_ours(cur)) {
		log_error("%s: the attached XDP program (%s, id %u) is not xlb's", ifname, cur,
			  cur_id);
		return -EBUSY;
	}
	/* REPLACE with the expected program: a concurrent attach is not undone by mistake */
	aopts.old_prog_fd = bpf_prog_get_fd_by_id(cur_id);
	if (aopts.old_prog_fd < 0) {
		err = -errno;
		log_error("%s: getting the attached program: %s", ifname, strerror(-err));
		return err;
	}
	err = bpf_xdp_detach(ifindex, cur_mode | XDP_FLAGS_REPLACE, &aopts);
	close(aopts.old_prog_fd);
	if (err) {
		log_error("%s: detaching %s: %s", ifname, cur, strerror(-err));
		return err;
	}
	if (bpf_map_delete_elem(dataplane_fd(dp, dp->skel->maps.xlb_tx_ports), &key) &&
	    errno != ENOENT) {
		err = -errno;
		log_error("%s: removing it from xlb_tx_ports: %s", ifname, strerror(-err));
	}
	return err;
}

int dataplane_tx_port_add(struct dataplane *dp, int ifindex)
{
	__u32 key = ifindex, val = ifindex;
	char ifname[IF_NAMESIZE];
	int err;

	if (bpf_map_update_elem(dataplane_fd(dp, dp->skel->maps.xlb_tx_ports), &key, &val,
				BPF_ANY)) {
		err = -errno;
		log_error("%s: adding it to xlb_tx_ports: %s", dataplane_ifname(ifindex, ifname),
			  strerror(-err));
		return err;
	}
	return 0;
}

/* ---- counters ---- */

static int dataplane_percpu_zero(struct dataplane *dp, struct bpf_map *map, uint32_t first,
				 uint32_t entries, size_t value_size)
{
	size_t stride = (value_size + 7) & ~7ul;
	int fd = dataplane_fd(dp, map), err = 0;
	char *zero;
	__u32 k;

	zero = calloc(dp->ncpus, stride);
	if (!zero)
		return -ENOMEM;
	for (k = first; k < first + entries; k++) {
		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY)) {
			err = -errno;
			log_error("zeroing %s: %s", bpf_map__name(map), strerror(-err));
			break;
		}
	}
	free(zero);
	return err;
}

/* ---- services ---- */

/* Validates a key and zeroes what its family does not use, so that lookups match. */
static int dataplane_key_norm(const struct xlb_vip_key *in, struct xlb_vip_key *out)
{
	if (in->family != XLB_FAMILY_V4 && in->family != XLB_FAMILY_V6)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(out->addr, in->addr, in->family == XLB_FAMILY_V4 ? 4 : 16);
	out->port = in->port;
	out->proto = in->proto;
	out->family = in->family;
	return 0;
}

static bool dataplane_same_addr(const struct xlb_vip_key *a, const struct xlb_vip_key *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Walks the services: how many other services share key's address, whether any of them (or
 * set_flags) asks for no echo, and whether another service holds id.
 */
struct dataplane_scan {
	int addr_users;
	bool no_echo;
	bool id_taken;
};

static int dataplane_vips_scan(struct dataplane *dp, const struct xlb_vip_key *key, uint32_t id,
			       struct dataplane_scan *s)
{
	int fd = dataplane_fd(dp, dp->skel->maps.xlb_vips);
	struct xlb_vip_key cur, next;
	struct xlb_vip vip;
	void *prev = NULL;

	memset(s, 0, sizeof(*s));
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (cur.proto == 0 || memcmp(&cur, key, sizeof(cur)) == 0)
			continue;
		if (bpf_map_lookup_elem(fd, &cur, &vip))
			continue; /* deleted meanwhile */
		if (vip.id == id)
			s->id_taken = true;
		if (dataplane_same_addr(&cur, key)) {
			s->addr_users++;
			s->no_echo |= !!(vip.flags & XLB_VIP_F_NO_ECHO);
		}
	}
	return errno == ENOENT ? 0 : -errno;
}

static void dataplane_vip_str(const struct xlb_vip_key *k, char *buf, size_t len)
{
	const char *proto = k->proto == IPPROTO_TCP ? "tcp" : "udp";
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(k->family == XLB_FAMILY_V4 ? AF_INET : AF_INET6, k->addr, addr, sizeof(addr));
	snprintf(buf, len, k->family == XLB_FAMILY_V6 ? "[%s]:%u/%s" : "%s:%u/%s", addr,
		 ntohs(k->port), k->proto ? proto : "ip");
}

/* The address entry mirrors its services: echo answered unless one of them says no. */
static int dataplane_addr_entry_set(struct dataplane *dp, const struct xlb_vip_key *svc,
				    const struct xlb_vip *vip, bool no_echo)
{
	struct xlb_vip_key ak = *svc;
	struct xlb_vip av = {
		.id = vip->id,
		.mode = vip->mode,
		.flags = XLB_VIP_F_ADDR | (no_echo ? XLB_VIP_F_NO_ECHO : 0),
	};

	ak.port = 0;
	ak.proto = 0;
	if (bpf_map_update_elem(dataplane_fd(dp, dp->skel->maps.xlb_vips), &ak, &av, BPF_ANY))
		return -errno;
	return 0;
}

int dataplane_vip_set(struct dataplane *dp, const struct xlb_vip_key *key,
		      const struct xlb_vip *vip)
{
	struct xlb_vip_key k;
	struct xlb_vip v = {};
	struct dataplane_scan s;
	char name[80];
	int err;

	if (dataplane_key_norm(key, &k) || (k.proto != IPPROTO_TCP && k.proto != IPPROTO_UDP)) {
		log_error("service: bad family %u or protocol %u", key->family, key->proto);
		return -EINVAL;
	}
	dataplane_vip_str(&k, name, sizeof(name));
	if (vip->id >= XLB_MAX_VIPS || vip->mode >= XLB_MODE_MAX ||
	    (vip->flags & ~(XLB_VIP_F_NO_ECHO | XLB_VIP_F_SRC_IP | XLB_VIP_F_LOR))) {
		log_error("service %s: bad id %u (max %u), mode %u or flags %#x", name, vip->id,
			  XLB_MAX_VIPS - 1, vip->mode, vip->flags);
		return -EINVAL;
	}
	err = dataplane_vips_scan(dp, &k, vip->id, &s);
	if (err) {
		log_error("service %s: reading xlb_vips: %s", name, strerror(-err));
		return err;
	}
	if (s.id_taken) {
		/* two services on one id would share one table and one set of counters */
		log_error("service %s: id %u belongs to another service", name, vip->id);
		return -EEXIST;
	}
	v.id = vip->id;
	v.mode = vip->mode;
	v.flags = vip->flags;
	if (bpf_map_update_elem(dataplane_fd(dp, dp->skel->maps.xlb_vips), &k, &v, BPF_ANY)) {
		err = -errno;
		log_error("service %s: writing xlb_vips: %s", name, strerror(-err));
		return err;
	}
	err = dataplane_addr_entry_set(dp, &k, &v, s.no_echo || (v.flags & XLB_VIP_F_NO_ECHO));
	if (err)
		log_error("service %s: writing its address entry: %s", name, strerror(-err));
	return err;
}

int dataplane_vip_get(struct dataplane *dp, const struct xlb_vip_key *key, struct xlb_vip *vip)
{
	struct xlb_vip_key k;

	if (dataplane_key_norm(key, &k))
		return -EINVAL;
	if (bpf_map_lookup_elem(dataplane_fd(dp, dp->skel->maps.xlb_vips), &k, vip))
		return -errno;
	return 0;
}

/* ---- nat replies ---- */

/* The service that holds id (not an address entry). */
static int dataplane_vip_by_id(struct dataplane *dp, uint32_t id, struct xlb_vip_key *key,
			       struct xlb_vip *vip)
{
	int fd = dataplane_fd(dp, dp->skel->maps.xlb_vips);
	struct xlb_vip_key cur;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &cur) == 0) {
		*key = cur;
		prev = key;
		if (cur.proto && !bpf_map_lookup_elem(fd, &cur, vip) && vip->id == id)
			return 0;
	}
	return -ENOENT;
}

/* Records that backend be answers for the nat service (key, id): its replies, from its
 * address and port, are rewritten to come from the VIP when they answer a flow in the table.
 */
static int dataplane_nat_src_add(struct dataplane *dp, const struct xlb_backend *be,
				 const struct xlb_vip_key *key, uint32_t id)
{
	int fd = dataplane_fd(dp, dp->skel->maps.xlb_nat_src);
	struct xlb_vip_key sk = {};
	struct xlb_nat_src ns = {};
	uint32_t i;

	memcpy(sk.addr, be->addr, sizeof(sk.addr));
	sk.port = be->port ? be->port : key->port;
	sk.proto = key->proto;
	sk.family = be->family;
	if (bpf_map_lookup_elem(fd, &sk, &ns) && errno != ENOENT)
		return -errno;
	for (i = 0; i < ns.n && i < XLB_NAT_SRC_VIPS; i++)
		if (ns.vip[i].id == id)
			break;
	if (i == XLB_NAT_SRC_VIPS) {
		log_error("a backend serves more than %d nat services on one port",
			  XLB_NAT_SRC_VIPS);
		return -ENOSPC;
	}
	memcpy(ns.vip[i].addr, key->addr, sizeof(ns.vip[i].addr));
	ns.vip[i].port = key->port;
	ns.vip[i].id = id;
	if (i == ns.n)
		ns.n++;
	if (bpf_map_update_elem(fd, &sk, &ns, BPF_ANY))
		return -errno;
	return 0;
}

/* Forgets service id in every backend's list, when the service goes. */
static int dataplane_nat_src_forget(struct dataplane *dp, uint32_t id)
{
	int fd = dataplane_fd(dp, dp->skel->maps.xlb_nat_src);
	struct xlb_vip_key cur, next;
	struct xlb_nat_src ns;
	void *prev = NULL;
	uint32_t i, j;
	int err = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &ns))
			continue;
		for (i = j = 0; i < ns.n && i < XLB_NAT_SRC_VIPS; i++)
			if (ns.vip[i].id != id)
				ns.vip[j++] = ns.vip[i];
		if (j == ns.n)
			continue;
		ns.n = j;
		if (j ? bpf_map_update_elem(fd, &cur, &ns, BPF_EXIST) :
			bpf_map_delete_elem(fd, &cur))
			err = -errno;
	}
	return err;
}

/* After a new table: every backend of a nat service is in xlb_nat_src. Backends that leave the
 * table stay listed (their draining flows still get replies rewritten) until the service goes.
 */
static int dataplane_nat_src_sync(struct dataplane *dp, uint32_t vip_id,
				  const struct maglev_backend *bes, size_t n)
{
	struct xlb_vip_key key;
	struct xlb_backend be;
	struct xlb_vip vip;
	size_t i;
	int err;

	if (dataplane_vip_by_id(dp, vip_id, &key, &vip) || vip.mode != XLB_MODE_NAT)
		return 0;
	for (i = 0; i < n; i++) {
		if (!bes[i].weight || dataplane_backend_get(dp, bes[i].id, &be))
			continue;
		err = dataplane_nat_src_add(dp, &be, &key, vip_id);
		if (err) {
			log_error("service id %u: listing backend %u for nat replies: %s", vip_id,
				  bes[i].id, strerror(-err));
			return err;
		}
	}
	return 0;
}

int dataplane_vip_del(struct dataplane *dp, const struct xlb_vip_key *key)
{
	int fd = dataplane_fd(dp, dp->skel->maps.xlb_vips);
	struct xlb_vip_key k, ak;
	struct dataplane_scan s;
	struct xlb_vip vip, other;
	char name[80];
	int err;

	if (dataplane_key_norm(key, &k) || k.proto == 0)
		return -EINVAL;
	dataplane_vip_str(&k, name, sizeof(name));
	if (bpf_map_lookup_elem(fd, &k, &vip)) {
		err = -errno;
		log_error("service %s: %s", name,
			  err == -ENOENT ? "no such service" : strerror(-err));
		return err;
	}
	if (bpf_map_delete_elem(fd, &k)) {
		err = -errno;
		log_error("service %s: deleting it: %s", name, strerror(-err));
		return err;
	}
	/* the service is gone, so nothing looks its table up any more; a service that gets its
	 * id later starts from zero
	 */
	err = dataplane_ring_set(dp, vip.id, NULL, 0);
	if (!err)
		err = dataplane_nat_src_forget(dp, vip.id);
	if (err)
		return err;
	err = dataplane_percpu_zero(dp, dp->skel->maps.xlb_vip_stats, vip.id, 1,
				    sizeof(struct xlb_counters));
	if (err)
		return err;
	err = dataplane_vips_scan(dp, &k, UINT32_MAX, &s);
	if (err) {
		log_error("service %s: reading xlb_vips: %s", name, strerror(-err));
		return err;
	}
	ak = k;
	ak.port = 0;
	ak.proto = 0;
	if (s.addr_users) {
		/* others still use the address: keep its entry, now with their echo setting */
		if (bpf_map_lookup_elem(fd, &ak, &other))
			other = vip;
		err = dataplane_addr_entry_set(dp, &k, &other, s.no_echo);
	} else if (bpf_map_delete_elem(fd, &ak) && errno != ENOENT) {
		err = -errno;
	}
	if (err)
		log_error("service %s: updating its address entry: %s", name, strerror(-err));
	return err;
}

/* ---- backends ---- */

int dataplane_backend_set(struct dataplane *dp, uint32_t id, const struct xlb_backend *be)
{
	struct xlb_backend b = *be;
	int err;

	if (id >= XLB_MAX_BACKENDS ||
	    (be->family != XLB_FAMILY_V4 && be->family != XLB_FAMILY_V6)) {
		log_error("backend %u: bad id (max %u) or family %u", id, XLB_MAX_BACKENDS - 1,
			  be->family);
		return -EINVAL;
	}
	if (b.family == XLB_FAMILY_V4) {
		/* the datapath copies the words a family uses; the rest stays zero for comparisons */
		memset(&b.addr[1], 0, 12);
		memset(&b.encap_src[1], 0, 12);
	}
	if (bpf_map_update_elem(dataplane_fd(dp, dp->skel->maps.xlb_backends), &id, &b, BPF_ANY)) {
		err = -errno;
		log_error("backend %u: writing xlb_backends: %s", id, strerror(-err));
		return err;
	}
	return 0;
}

int dataplane_backend_get(struct dataplane *dp, uint32_t id, struct xlb_backend *be)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	if (bpf_map_lookup_elem(dataplane_fd(dp, dp->skel->maps.xlb_backends), &id, be))
		return -errno;
	return 0;
}

/* ---- Maglev tables ---- */

/* A table's elements, as mapped: XLB_RING_LANES 16-bit backend ids in each __u64, position i in
 * bits 16 * (i % XLB_RING_LANES) of element i / XLB_RING_LANES, as the datapath reads it.
 */
static size_t dataplane_table_bytes(const struct dataplane *dp)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return ((size_t)XLB_RING_ELEMS(dp->ring_size) * sizeof(__u64) + page - 1) / page * page;
}

int dataplane_ring_set(struct dataplane *dp, uint32_t vip_id, const struct maglev_backend *bes,
		       size_t n)
{
	int rings_fd = dataplane_fd(dp, dp->skel->maps.xlb_rings), fd = -1, err = 0;
	size_t i, weighted = 0, len = dataplane_table_bytes(dp);
	uint32_t *table = NULL;
	char *mem = MAP_FAILED;

	if (vip_id >= XLB_MAX_VIPS) {
		log_error("Maglev table: service id %u out of range (max %u)", vip_id,
			  XLB_MAX_VIPS - 1);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (bes[i].id >= XLB_MAX_BACKENDS) {
			log_error("service id %u: backend id %u out of range (max %u)", vip_id,
				  bes[i].id, XLB_MAX_BACKENDS - 1);
			return -EINVAL;
		}
		weighted += bes[i].weight != 0;
	}
	if (!weighted) {
		/* no backend to send to: no table, and new flows are dropped as NO_BACKEND */
		if (bpf_map_delete_elem(rings_fd, &vip_id) && errno != ENOENT) {
			err = -errno;
			log_error("service id %u: removing its Maglev table: %s", vip_id,
				  strerror(-err));
		}
		return err;
	}

	/* a fresh map, filled whole before any packet can see it */
	fd = dataplane_table_create(dp->ring_size, dp->ring_flags);
	if (fd < 0) {
		err = -errno;
		log_error("service id %u: creating a Maglev table: %s", vip_id, strerror(-err));
		goto out;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		log_error("service id %u: mapping its Maglev table: %s", vip_id, strerror(-err));
		goto out;
	}
	table = malloc((size_t)dp->ring_size * sizeof(*table));
	if (!table) {
		err = -ENOMEM;
		goto out;
	}
	err = maglev_build(bes, n, dp->ring_size, table);
	if (err) {
		log_error("service id %u: building its Maglev table of %zu backends: %s", vip_id, n,
			  strerror(-err));
		goto out;
	}
	for (i = 0; i < dp->ring_size; i++)
		((__u64 *)mem)[i / XLB_RING_LANES] |= (__u64)table[i]
						      << (16 * (i % XLB_RING_LANES));
	/* replies are recognised before the first flow can reach a new backend */
	err = dataplane_nat_src_sync(dp, vip_id, bes, n);
	if (err)
		goto out;
	/* the swap: one update of the outer map, packets see the old table or this one */
	if (bpf_map_update_elem(rings_fd, &vip_id, &fd, BPF_ANY)) {
		err = -errno;
		if (err == -EINVAL)
			log_error(
				"service id %u: the kernel refused a table of %u positions (maps pinned "
				"with another table size?)",
				vip_id, dp->ring_size);
		else
			log_error("service id %u: swapping in its Maglev table: %s", vip_id,
				  strerror(-err));
	}
out:
	free(table);
	if (mem != MAP_FAILED)
		munmap(mem, len);
	if (fd >= 0)
		close(fd); /* xlb_rings holds the table now */
	return err;
}

int dataplane_ring_get(struct dataplane *dp, uint32_t vip_id, uint32_t *table)
{
	size_t i, len = dataplane_table_bytes(dp);
	struct bpf_map_info info;
	char *mem = MAP_FAILED;
	__u32 id;
	int fd = -1, err;

	if (vip_id >= XLB_MAX_VIPS)
		return -EINVAL;
	if (bpf_map_lookup_elem(dataplane_fd(dp, dp->skel->maps.xlb_rings), &vip_id, &id))
		return -errno; /* -ENOENT: no table */
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = dataplane_map_info(fd, &info);
	if (err)
		goto out;
	if (dataplane_table_size_of(&info) != dp->ring_size) {
		err = -EINVAL;
		goto out;
	}
	mem = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < dp->ring_size; i++)
		table[i] = (((__u64 *)mem)[i / XLB_RING_LANES] >> (16 * (i % XLB_RING_LANES))) &
			   0xffff;
out:
	if (err)
		log_error("service id %u: reading its Maglev table: %s", vip_id, strerror(-err));
	if (mem != MAP_FAILED)
		munmap(mem, len);
	if (fd >= 0)
		close(fd);
	return err;
}

uint32_t dataplane_ring_size(const struct dataplane *dp)
{
	return dp->ring_size;
}

static void dataplane_counters_add(struct xlb_counters *sum, const struct xlb_counters *c)
{
	sum->packets += c->packets;
	sum->bytes += c->bytes;
	sum->new_flows += c->new_flows;
	sum->reply_packets += c->reply_packets;
	sum->reply_bytes += c->reply_bytes;
}

/* Per-CPU values come as one value per possible CPU, each rounded up to 8 bytes. */
static int dataplane_percpu_sum(struct dataplane *dp, struct bpf_map *map, uint32_t key,
				struct xlb_counters *sum)
{
	size_t stride = (sizeof(*sum) + 7) & ~7ul;
	char *vals;
	int i, err = 0;

	memset(sum, 0, sizeof(*sum));
	vals = calloc(dp->ncpus, stride);
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dataplane_fd(dp, map), &key, vals)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < dp->ncpus; i++)
		dataplane_counters_add(sum, (const void *)(vals + i * stride));
out:
	free(vals);
	return err;
}

int dataplane_vip_stats(struct dataplane *dp, uint32_t vip_id, struct xlb_counters *sum)
{
	if (vip_id >= XLB_MAX_VIPS)
		return -EINVAL;
	return dataplane_percpu_sum(dp, dp->skel->maps.xlb_vip_stats, vip_id, sum);
}

int dataplane_backend_stats(struct dataplane *dp, uint32_t id, struct xlb_counters *sum)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	return dataplane_percpu_sum(dp, dp->skel->maps.xlb_be_stats, id, sum);
}

int dataplane_global_stats(struct dataplane *dp, struct xlb_global_stats *sum)
{
	size_t stride = (sizeof(*sum) + 7) & ~7ul;
	__u32 key = 0;
	char *vals;
	int i, j, err = 0;

	memset(sum, 0, sizeof(*sum));
	vals = calloc(dp->ncpus, stride);
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dataplane_fd(dp, dp->skel->maps.xlb_stats), &key, vals)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < dp->ncpus; i++) {
		const struct xlb_global_stats *g = (const void *)(vals + i * stride);

		for (j = 0; j < XLB_PATH_MAX; j++)
			sum->path[j] += g->path[j];
		for (j = 0; j < XLB_DROP_MAX; j++)
			sum->drop[j] += g->drop[j];
	}
out:
	free(vals);
	return err;
}

int dataplane_stats_reset(struct dataplane *dp)
{
	int err;

	err = dataplane_percpu_zero(dp, dp->skel->maps.xlb_vip_stats, 0, XLB_MAX_VIPS,
				    sizeof(struct xlb_counters));
	if (!err)
		err = dataplane_percpu_zero(dp, dp->skel->maps.xlb_be_stats, 0, XLB_MAX_BACKENDS,
					    sizeof(struct xlb_counters));
	if (!err)
		err = dataplane_percpu_zero(dp, dp->skel->maps.xlb_stats, 0, 1,
					    sizeof(struct xlb_global_stats));
	return err;
}

/* ---- flows ---- */

/* The datapath's clock: bpf_ktime_get_coarse_ns() is CLOCK_MONOTONIC_COARSE, in units of
 * 2^30 ns (about 1.07 s) as xlb_flow.atime stores it.
 */
static __u32 dataplane_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u32)(((__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec) >> 30);
}

static bool dataplane_flow_recent(__u32 now, __u32 atime, uint32_t max_idle_s)
{
	int32_t idle = (int32_t)(now - atime); /* wraps safely; a CPU ahead of us gives < 0 */

	if (!max_idle_s || idle <= 1)
		return true;
	/* the least it can have been idle, given the 2^30 ns granularity */
	return ((__u64)(idle - 1) << 30) <= (__u64)max_idle_s * 1000000000ull;
}

/* Way w of bucket b holds a flow if its header says so and its check word agrees. */
static bool dataplane_flow_valid(const struct dataplane *dp, const struct xlb_flow_bucket *b,
				 uint32_t w, const struct xlb_flow *f)
{
	uint32_t hash = xlb_flow_hash(&f->key, dp->secret);

	return (b->flags[w] & XLB_FLOW_F_VALID) && b->tag[w] == xlb_flow_tag(hash) &&
	       f->check == xlb_flow_check(hash, f->backend_id, f->backend_gen);
}

static void dataplane_flow_fill(struct dataplane_flow *out, const struct xlb_flow *f, __u32 atime,
				__u32 flags, __u32 now)
{
	int32_t idle = (int32_t)(now - atime);

	out->key = f->key;
	out->backend_id = f->backend_id;
	out->backend_gen = f->backend_gen;
	out->vip_id = f->vip_id;
	out->idle_ms = idle > 0 ? (uint64_t)idle * 1073741824ull / 1000000 : 0;
	out->closing = XLB_FLOW_CLOSED(flags);
	out->confirmed = !!(flags & XLB_FLOW_F_CONFIRMED);
	out->flags = flags;
	out->atime = atime;
}

int dataplane_flow_walk(struct dataplane *dp,
			int (*fn)(const struct dataplane_flow *flow, void *arg), void *arg)
{
	uint32_t nb = dp->flow_capacity / XLB_FLOW_WAYS, now = dataplane_now(), i, w;
	struct dataplane_flow out;
	struct xlb_flow f;
	int err;

	for (i = 0; i < nb; i++) {
		const struct xlb_flow_bucket *b = &dp->flows[i];

		for (w = 0; w < XLB_FLOW_WAYS; w++) {
			if (!(b->flags[w] & XLB_FLOW_F_VALID))
				continue;
			/* a copy: the datapath may be writing this way right now */
			memcpy(&f, &b->way[w], sizeof(f));
			if (!dataplane_flow_valid(dp, b, w, &f))
				continue;
			dataplane_flow_fill(&out, &f, b->atime[w], b->flags[w], now);
			err = fn(&out, arg);
			if (err)
				return err;
		}
	}
	return 0;
}

int dataplane_flows_end(struct dataplane *dp,
			bool (*pick)(const struct dataplane_flow *flow, void *arg), void *arg)
{
	uint32_t nb = dp->flow_capacity / XLB_FLOW_WAYS, now = dataplane_now(), i, w;
	struct dataplane_flow out;
	struct xlb_flow f;
	int n = 0;

	for (i = 0; i < nb; i++) {
		struct xlb_flow_bucket *b = &dp->flows[i];

		for (w = 0; w < XLB_FLOW_WAYS; w++) {
			if (!(b->flags[w] & XLB_FLOW_F_VALID))
				continue;
			memcpy(&f, &b->way[w], sizeof(f));
			if (!dataplane_flow_valid(dp, b, w, &f))
				continue;
			dataplane_flow_fill(&out, &f, b->atime[w], b->flags[w], now);
			if (!pick(&out, arg))
				continue;
			/* The header first: the datapath takes a way without VALID as free. A
			 * packet that rewrote this way since the copy was taken is the same flow
			 * (same key) or a new one; only the first is ended.
			 */
			if (memcmp(&b->way[w].key, &f.key, sizeof(f.key)))
				continue;
			b->flags[w] = 0;
			b->tag[w] = 0;
			n++;
		}
	}
	return n;
}

struct dataplane_count_arg {
	uint32_t max_idle_s;
	uint32_t now;
	uint32_t *counts;
};

static int dataplane_count_one(const struct dataplane_flow *f, void *arg)
{
	struct dataplane_count_arg *c = arg;

	if (f->backend_id < XLB_MAX_BACKENDS &&
	    dataplane_flow_recent(c->now, f->atime, c->max_idle_s))
		c->counts[f->backend_id]++;
	return 0;
}

int dataplane_flow_counts(struct dataplane *dp, uint32_t max_idle_s, uint32_t *counts)
{
	struct dataplane_count_arg c = { max_idle_s, dataplane_now(), counts };

	memset(counts, 0, XLB_MAX_BACKENDS * sizeof(*counts));
	return dataplane_flow_walk(dp, dataplane_count_one, &c);
}

/* The way of key's bucket that holds it (*found), or where it would go: a free way, a closed
 * flow's, the unconfirmed one idle longest, the confirmed one idle longest. The datapath's
 * order, so the two fill the table alike (only the datapath declines to evict).
 */
static uint32_t dataplane_flow_way(struct dataplane *dp, const struct xlb_flow_key *key,
				   struct xlb_flow_bucket **bp, bool *found)
{
	uint32_t hash = xlb_flow_hash(key, dp->secret);
	struct xlb_flow_bucket *b = &dp->flows[hash & (dp->flow_capacity / XLB_FLOW_WAYS - 1)];
	uint64_t best = UINT64_MAX;
	uint32_t w, victim = 0;

	*bp = b;
	*found = false;
	for (w = 0; w < XLB_FLOW_WAYS; w++) {
		if (dataplane_flow_valid(dp, b, w, &b->way[w]) &&
		    memcmp(&b->way[w].key, key, sizeof(*key)) == 0) {
			*found = true;
			return w;
		}
	}
	for (w = 0; w < XLB_FLOW_WAYS; w++) {
		uint64_t rank;

		if (!(b->flags[w] & XLB_FLOW_F_VALID))
			return w;
		if (XLB_FLOW_CLOSED(b->flags[w]))
			rank = 0;
		else
			rank = (b->flags[w] & XLB_FLOW_F_CONFIRMED ? 2ull << 32 : 1ull << 32) |
			       b->atime[w];
		if (rank < best) {
			best = rank;
			victim = w;
		}
	}
	return victim;
}

int dataplane_flow_lookup(struct dataplane *dp, const struct xlb_flow_key *key,
			  struct dataplane_flow *flow)
{
	struct xlb_flow_bucket *b;
	bool found;
	uint32_t w = dataplane_flow_way(dp, key, &b, &found);

	if (!found)
		return -ENOENT;
	dataplane_flow_fill(flow, &b->way[w], b->atime[w], b->flags[w], dataplane_now());
	return 0;
}

int dataplane_flow_set(struct dataplane *dp, const struct xlb_flow_key *key, uint32_t backend_id,
		       uint32_t backend_gen, uint32_t vip_id, bool confirmed)
{
	struct xlb_flow_bucket *b;
	struct xlb_flow *f;
	bool found, took_free;
	uint32_t w, hash;

	if (key->pad || (key->family != XLB_FAMILY_V4 && key->family != XLB_FAMILY_V6) ||
	    backend_id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	hash = xlb_flow_hash(key, dp->secret);
	w = dataplane_flow_way(dp, key, &b, &found);
	took_free = !found && !(b->flags[w] & XLB_FLOW_F_VALID);
	f = &b->way[w];
	b->tag[w] = 0; /* nobody matches the way while it is written */
	f->key = *key;
	f->backend_id = backend_id;
	f->backend_gen = backend_gen;
	f->vip_id = vip_id;
	f->check = xlb_flow_check(hash, backend_id, backend_gen);
	b->atime[w] = dataplane_now();
	b->flags[w] = XLB_FLOW_F_VALID | (confirmed ? XLB_FLOW_F_CONFIRMED : 0);
	__atomic_store_n(&b->tag[w], xlb_flow_tag(hash), __ATOMIC_RELEASE);
	return took_free;
}

int dataplane_nat_peer_set(struct dataplane *dp, uint8_t family, const void *addr, bool add)
{
	int fd = dataplane_fd(dp, dp->skel->maps.xlb_nat_peers);
	struct xlb_vip_key k = { .family = family };
	uint8_t one = 1;

	if (family != XLB_FAMILY_V4 && family != XLB_FAMILY_V6)
		return -EINVAL;
	memcpy(k.addr, addr, family == XLB_FAMILY_V4 ? 4 : 16);
	if (add)
		return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(fd, &k) ? -errno : 0;
}

int dataplane_secret_get(struct dataplane *dp, uint8_t key[16])
{
	struct xlb_secret s = *dp->secret;
	int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)(s.k[i / 8] >> (8 * (i % 8)));
	return 0;
}

/* A flow of the table with its header words, kept while the table is hashed anew. */
struct dataplane_rehash {
	struct xlb_flow f;
	__u32 atime;
	__u32 flags;
};

int dataplane_secret_set(struct dataplane *dp, const uint8_t key[16])
{
	uint32_t nb = dp->flow_capacity / XLB_FLOW_WAYS, i, w, hash;
	struct dataplane_rehash *keep = NULL;
	struct xlb_secret s;
	size_t n = 0, cap = 0, j;
	bool found;

	if (!memcmp(key, (uint8_t[16]){ 0 }, 16)) {
		log_error("an all-zero flow hash secret is the unset one; pick another");
		return -EINVAL;
	}
	dataplane_secret_store(&s, key);
	if (s.k[0] == dp->secret->k[0] && s.k[1] == dp->secret->k[1])
		return 0;
	/* Every flow's bucket, tag and check change with the key: the flows move to their new
	 * places with their backends, so that no connection is re-picked. A packet that comes
	 * between the switch and its flow's move is a miss for that moment.
	 */
	for (i = 0; i < nb; i++) {
		const struct xlb_flow_bucket *b = &dp->flows[i];

		for (w = 0; w < XLB_FLOW_WAYS; w++) {
			struct xlb_flow f;

			if (!(b->flags[w] & XLB_FLOW_F_VALID))
				continue;
			memcpy(&f, &b->way[w], sizeof(f));
			if (!dataplane_flow_valid(dp, b, w, &f))
				continue;
			if (n == cap) {
				struct dataplane_rehash *k;

				cap = cap ? 2 * cap : 4096;
				k = realloc(keep, cap * sizeof(*keep));
				if (!k) {
					free(keep);
					return -ENOMEM;
				}
				keep = k;
			}
			keep[n].f = f;
			keep[n].atime = b->atime[w];
			keep[n].flags = b->flags[w];
			n++;
		}
	}
	dp->secret->k[1] = s.k[1];
	__atomic_store_n(&dp->secret->k[0], s.k[0], __ATOMIC_RELEASE);
	memset(dp->flows, 0, dp->flows_len);
	for (j = 0; j < n; j++) {
		struct xlb_flow_bucket *b;
		struct xlb_flow *f;

		hash = xlb_flow_hash(&keep[j].f.key, dp->secret);
		w = dataplane_flow_way(dp, &keep[j].f.key, &b, &found);
		if (b->flags[w] & XLB_FLOW_F_VALID)
			continue; /* the new bucket is full: the flow goes back to Maglev */
		f = &b->way[w];
		*f = keep[j].f;
		f->check = xlb_flow_check(hash, f->backend_id, f->backend_gen);
		b->atime[w] = keep[j].atime;
		b->flags[w] = keep[j].flags;
		__atomic_store_n(&b->tag[w], xlb_flow_tag(hash), __ATOMIC_RELEASE);
	}
	log_info("flow hash secret set; %zu flows hashed anew", n);
	free(keep);
	return 0;
}

void dataplane_flows_clear(struct dataplane *dp)
{
	int fd = bpf_map__fd(dp->skel->maps.xlb_be_active);
	int64_t zero = 0;

	memset(dp->flows, 0, dp->flows_len);
	/* no flow left, none counted */
	for (uint32_t id = 0; id < XLB_MAX_BACKENDS; id++)
		bpf_map_update_elem(fd, &id, &zero, BPF_ANY);
}

int dataplane_active_get(struct dataplane *dp, uint32_t id, int64_t *n)
{
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.xlb_be_active), &id, n))
		return -errno;
	return 0;
}

struct dataplane_active_arg {
	uint32_t now;
	int64_t *counts;
};

static int dataplane_active_one(const struct dataplane_flow *f, void *arg)
{
	struct dataplane_active_arg *a = arg;

	if ((f->flags & XLB_FLOW_F_COUNTED) && f->backend_id < XLB_MAX_BACKENDS &&
	    dataplane_flow_recent(a->now, f->atime, XLB_FLOW_IDLE_S))
		a->counts[f->backend_id]++;
	return 0;
}

int dataplane_active_resync(struct dataplane *dp, uint32_t *fixed)
{
	int fd = bpf_map__fd(dp->skel->maps.xlb_be_active), err;
	struct dataplane_active_arg a = { dataplane_now(), NULL };
	int64_t cur;

	*fixed = 0;
	a.counts = calloc(XLB_MAX_BACKENDS, sizeof(*a.counts));
	if (!a.counts)
		return -ENOMEM;
	err = dataplane_flow_walk(dp, dataplane_active_one, &a);
	for (uint32_t id = 0; id < XLB_MAX_BACKENDS && !err; id++) {
		if (bpf_map_lookup_elem(fd, &id, &cur)) {
			err = -errno;
			break;
		}
		if (cur == a.counts[id])
			continue;
		/* flows counted or ended between the walk and now are lost: the next pass sees
		 * them; what stays is a drift of the few flows begun within one pass
		 */
		if (bpf_map_update_elem(fd, &id, &a.counts[id], BPF_ANY)) {
			err = -errno;
			break;
		}
		(*fixed)++;
	}
	free(a.counts);
	return err;
}

uint32_t dataplane_flow_capacity(const struct dataplane *dp)
{
	return dp->flow_capacity;
}

/* ---- for tests and the benchmark ---- */

int dataplane_prog_fd(const struct dataplane *dp, enum dataplane_role role)
{
	switch (role) {
	case DATAPLANE_ROLE_VIP:
		return bpf_program__fd(dp->skel->progs.xlb_rx);
	case DATAPLANE_ROLE_NAT:
		return bpf_program__fd(dp->skel->progs.xlb_rx_nat);
	default:
		return -EINVAL;
	}
}

int dataplane_map_fd(const struct dataplane *dp, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(dp->skel->obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

int dataplane_reuse_maps(const struct dataplane *dp, struct bpf_object *obj)
{
	struct bpf_map *map;
	size_t i;
	int fd, err;

	for (map = bpf_object__next_map(obj, NULL); map; map = bpf_object__next_map(obj, map)) {
		for (i = 0; i < DATAPLANE_NMAPS; i++)
			if (strcmp(bpf_map__name(map), dataplane_maps[i]) == 0)
				break;
		if (i == DATAPLANE_NMAPS)
			continue;
		fd = dataplane_map_fd(dp, dataplane_maps[i]);
		/* no pin path either: libbpf would otherwise swap in, or create, a pinned map */
		err = bpf_map__set_pin_path(map, NULL);
		if (!err && fd >= 0)
			err = bpf_map__reuse_fd(map, fd);
		if (err) {
			log_error("sharing %s: %s", dataplane_maps[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

/* ---- names ---- */

const char *dataplane_mode_name(int mode)
{
	static const char *const names[XLB_MODE_MAX] = {
		[XLB_MODE_NAT] = "nat",
		[XLB_MODE_DSR] = "dsr",
		[XLB_MODE_IPIP] = "ipip",
	};

	return mode >= 0 && mode < XLB_MODE_MAX && names[mode] ? names[mode] : "unknown";
}

const char *dataplane_path_name(int path)
{
	static const char *const names[XLB_PATH_MAX] = {
		[XLB_PATH_PASS] = "pass",
		[XLB_PATH_FLOW_HIT] = "flow_hit",
		[XLB_PATH_FLOW_NEW] = "flow_new",
		[XLB_PATH_FLOW_MOVED] = "flow_moved",
		[XLB_PATH_NAT_REPLY] = "nat_reply",
		[XLB_PATH_ICMP_ECHO] = "icmp_echo",
		[XLB_PATH_ICMP_ERROR] = "icmp_error",
		[XLB_PATH_TX] = "tx",
		[XLB_PATH_REDIRECT] = "redirect",
		[XLB_PATH_FIB_PASS] = "fib_pass",
		[XLB_PATH_FLOW_NO_WAY] = "flow_no_way",
		[XLB_PATH_NAT_STATELESS] = "nat_stateless",
		[XLB_PATH_TOO_BIG] = "too_big",
		[XLB_PATH_IPIP_FRAG] = "ipip_frag",
		[XLB_PATH_NAT_ICMP] = "nat_icmp",
	};

	return path >= 0 && path < XLB_PATH_MAX && names[path] ? names[path] : "unknown";
}

const char *dataplane_drop_name(int drop)
{
	static const char *const names[XLB_DROP_MAX] = {
		[XLB_DROP_TRUNCATED] = "truncated",
		[XLB_DROP_BAD_HEADER] = "bad_header",
		[XLB_DROP_FRAGMENT] = "fragment",
		[XLB_DROP_NO_BACKEND] = "no_backend",
		[XLB_DROP_ICMP_NO_FLOW] = "icmp_no_flow",
		[XLB_DROP_FIB] = "fib",
		[XLB_DROP_ENCAP] = "encap",
		[XLB_DROP_NO_TX_PORT] = "no_tx_port",
		[XLB_DROP_NAT_NO_FLOW] = "nat_no_flow",
	};

	return drop >= 0 && drop < XLB_DROP_MAX && names[drop] ? names[drop] : "unknown";
}

/* ---- the peer program ---- */

static int peer_allow_put(int fd, const void *addr, uint8_t family, uint8_t kind)
{
	struct xlb_decap_key k = { .family = family, .kind = kind };
	uint8_t one = 1;

	memcpy(k.addr, addr, family == XLB_FAMILY_V4 ? 4 : 16);
	return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
}

/* Gateways of the namespace's routes, from /proc/net/route (hex, in network order as read on
 * this host) and /proc/net/ipv6_route (32 hex digits), which show the reader's namespace.
 */
static int peer_allow_gateways(int fd)
{
	char line[512], iface[64], hex[33];
	unsigned int dst, gw, flags;
	int n = 0, err;
	FILE *f;

	f = fopen("/proc/net/route", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %x %x %x", iface, &dst, &gw, &flags) != 4 ||
			    !(flags & 0x2) || !gw) /* RTF_GATEWAY */
				continue;
			err = peer_allow_put(fd, &gw, XLB_FAMILY_V4, XLB_DECAP_SRC);
			if (err) {
				fclose(f);
				return err;
			}
			n++;
		}
		fclose(f);
	}
	f = fopen("/proc/net/ipv6_route", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			uint8_t a[16] = { 0 };
			bool any = false;

			if (sscanf(line, "%*32s %*x %*32s %*x %32s", hex) != 1 || strlen(hex) != 32)
				continue;
			for (int i = 0; i < 16; i++) {
				unsigned int b;

				if (sscanf(hex + 2 * i, "%2x", &b) != 1)
					break;
				a[i] = (uint8_t)b;
				any |= b != 0;
			}
			if (!any)
				continue;
			err = peer_allow_put(fd, a, XLB_FAMILY_V6, XLB_DECAP_SRC);
			if (err) {
				fclose(f);
				return err;
			}
			n++;
		}
		fclose(f);
	}
	return n;
}

int dataplane_peer_allow_fill(int map_fd, const struct xlb_decap_key *extra, size_t n)
{
	struct ifaddrs *ifa = NULL, *i;
	int count = 0, err = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && !err; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			err = peer_allow_put(map_fd, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
					     XLB_FAMILY_V4, XLB_DECAP_DST);
		else if (i->ifa_addr->sa_family == AF_INET6)
			err = peer_allow_put(map_fd,
					     &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					     XLB_FAMILY_V6, XLB_DECAP_DST);
		else
			continue;
		count++;
	}
	freeifaddrs(ifa);
	if (err)
		return err;
	err = peer_allow_gateways(map_fd);
	if (err < 0)
		return err;
	count += err;
	for (size_t k = 0; k < n; k++) {
		uint8_t one = 1;

		if (bpf_map_update_elem(map_fd, &extra[k], &one, BPF_ANY))
			return -errno;
		count++;
	}
	return count;
}

/* The attached xlb_decap's map called name, as a new fd, or a negative errno. */
static int peer_map_fd(int ifindex, const char *name)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info;
	__u32 len = sizeof(info), ids[16], id;
	int prog_fd = -1, fd = -ENOENT;

	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (!id)
		return -ENOENT;
	prog_fd = bpf_prog_get_fd_by_id(id);
	if (prog_fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		fd = -errno;
		goto out;
	}
	if (strcmp(info.name, "xlb_decap") != 0) {
		fd = -ENOENT;
		goto out;
	}
	for (__u32 k = 0; k < info.nr_map_ids && k < 16; k++) {
		struct bpf_map_info mi;
		__u32 ml = sizeof(mi);
		int m = bpf_map_get_fd_by_id(ids[k]);

		if (m < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (!bpf_obj_get_info_by_fd(m, &mi, &ml) && !strcmp(mi.name, name)) {
			fd = m;
			break;
		}
		close(m);
	}
out:
	close(prog_fd);
	return fd;
}

int dataplane_peer_stats(int ifindex, uint64_t out[XLB_DECAP_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus(), fd, err = 0;
	uint64_t *v;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	fd = peer_map_fd(ifindex, "xlb_decap_stats");
	if (fd < 0)
		return fd;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v) {
		close(fd);
		return -ENOMEM;
	}
	for (uint32_t s = 0; s < XLB_DECAP_STAT_MAX && !err; s++) {
		out[s] = 0;
		if (bpf_map_lookup_elem(fd, &s, v)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpu; c++)
			out[s] += v[c];
	}
	free(v);
	close(fd);
	return err;
}

int dataplane_peer_attach(int ifindex, const char *ifname, uint32_t xdp_flags, bool detach)
{
	return dataplane_peer_attach_allow(ifindex, ifname, xdp_flags, detach, NULL, 0);
}

int dataplane_peer_attach_allow(int ifindex, const char *ifname, uint32_t xdp_flags, bool detach,
				const struct xlb_decap_key *extra, size_t n)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xlb_decap_bpf *skel = NULL;
	struct bpf_prog_info info;
	__u32 len = sizeof(info), cur_id, cur_mode;
	int old_fd = -1, prog_fd, err;

	if (bpf_xdp_query(ifindex, 0, &q)) {
		err = -errno;
		log_error("%s: querying its XDP program: %s", ifname, strerror(-err));
		return err;
	}
	cur_id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	cur_mode = q.drv_prog_id ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	memset(&info, 0, sizeof(info));
	if (cur_id) {
		old_fd = bpf_prog_get_fd_by_id(cur_id);
		if (old_fd < 0 || bpf_obj_get_info_by_fd(old_fd, &info, &len)) {
			err = -errno;
			log_error("%s: reading the attached program: %s", ifname, strerror(-err));
			goto out;
		}
		if (strcmp(info.name, "xlb_decap") != 0) {
			err = -EBUSY;
			log_error("%s: another XDP program (%s, id %u) is attached", ifname,
				  info.name, cur_id);
			goto out;
		}
		aopts.old_prog_fd = old_fd;
	}
	if (detach) {
		err = cur_id ? bpf_xdp_detach(ifindex, cur_mode | XDP_FLAGS_REPLACE, &aopts) :
			       -ENOENT;
		if (err)
			log_error("%s: detaching xlb_decap: %s", ifname,
				  err == -ENOENT ? "it is not attached" : strerror(-err));
		goto out;
	}
	skel = xlb_decap_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		log_error("%s: loading xlb_decap: %s", ifname, strerror(-err));
		goto out;
	}
	err = dataplane_peer_allow_fill(bpf_map__fd(skel->maps.xlb_decap_allow), extra, n);
	if (err < 0) {
		log_error("%s: filling xlb_decap's allowed addresses: %s", ifname, strerror(-err));
		goto out;
	}
	prog_fd = bpf_program__fd(skel->progs.xlb_decap);
	if (cur_id) {
		if (xdp_flags && xdp_flags != cur_mode) {
			err = -EEXIST;
			log_error("%s: xlb_decap is attached in the other mode; detach it first",
				  ifname);
			goto out;
		}
		err = bpf_xdp_attach(ifindex, prog_fd, cur_mode | XDP_FLAGS_REPLACE, &aopts);
	} else if (xdp_flags) {
		err = bpf_xdp_attach(ifindex, prog_fd, xdp_flags | XDP_FLAGS_UPDATE_IF_NOEXIST,
				     NULL);
	} else {
		err = bpf_xdp_attach(ifindex, prog_fd,
				     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err && err != -EEXIST && err != -EBUSY) {
			log_warn("%s: native XDP failed (%s); using generic mode", ifname,
				 strerror(-err));
			err = bpf_xdp_attach(ifindex, prog_fd,
					     XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
					     NULL);
		}
	}
	if (err)
		log_error("%s: attaching xlb_decap: %s", ifname, strerror(-err));
out:
	if (old_fd >= 0)
		close(old_fd);
	xlb_decap_bpf__destroy(skel);
	return err;
}
