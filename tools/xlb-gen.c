// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xlb-gen: a packet-rate generator on BPF_PROG_TEST_RUN live frames (the mechanism of
 * xdp-trafficgen). One thread per CPU runs bpf/xlb_gen.bpf.c in batches; every frame leaves
 * through the given device by XDP_TX, so it arrives at the device's peer (a veth's other end,
 * which needs an XDP program of its own, e.g. xlb). UDP or TCP to a fixed set of tuples, or a
 * SYN flood of random ones; a rate, a duration and a packet cap bound every run. Where the
 * kernel refuses live frames, the same frames go out through an AF_PACKET socket instead
 * (slower: an skb each), built here with the same tuples and checksum updates.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "opts.h"
#include "pkt.h"
#include "xlb_gen.skel.h"

#define GEN_HDR_MAX 128 /* as in bpf/xlb_gen.bpf.c */
#define GEN_PORT_FIRST 1024
#define GEN_MAX_CPUS 64
#define GEN_CHUNK 4096 /* frames a run when unpaced */
#define GEN_PORTS (65536 - GEN_PORT_FIRST)
#define GEN_BATCH 64 /* frames a sendmmsg call of the packet sender */

enum gen_mode {
	GEN_UDP,
	GEN_SYN,
	GEN_TCP
};

static const char *mode_names[] = { "udp", "syn-flood", "tcp" };

/* How frames leave: live frames (XDP_TX from BPF_PROG_TEST_RUN), an AF_PACKET socket, or
 * live frames where the kernel allows them and the socket otherwise.
 */
enum gen_sender {
	GEN_SEND_AUTO,
	GEN_SEND_LIVE,
	GEN_SEND_PACKET
};

static const char *sender_names[] = { "auto", "live", "packet" };

struct gen_opts {
	const char *dev;
	int ifindex;
	uint8_t family;
	uint8_t src[16], dst[16];
	uint8_t smac[6], dmac[6];
	bool smac_set;
	uint16_t dport;
	uint32_t src_bits;
	enum gen_mode mode;
	enum gen_sender sender;
	uint32_t flows, size;
	uint64_t rate, count;
	double duration;
	int cpus[GEN_MAX_CPUS], ncpus;
	bool json;
	const char *attach; /* sink, tx or redirect: attach that program instead of sending */
	int to_ifindex;	    /* redirect: the egress device */
};

struct gen_thread {
	pthread_t tid;
	int cpu, prog_fd, err;
	const struct gen_opts *o;
	const struct pkt *frame;
	uint32_t l3, l4;      /* where the frame's IP and L4 headers are */
	uint64_t rate, count; /* this thread's share */
	uint64_t frames;
	double seconds;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char gen_synopsis[] =
	"usage: xlb-gen -i DEV --src ADDR --dst ADDR [--dport N] [--mode udp|syn-flood|tcp]\n"
	"               [--flows N] [--size BYTES] [--rate PPS] [--duration S] [--count N]\n"
	"               [--cpus LIST] [--src-bits N] [--dst-mac MAC] [--src-mac MAC]\n"
	"               [--sender auto|live|packet] [--json]\n"
	"       xlb-gen -i DEV --attach sink|tx|redirect [--to DEV] [--duration S] [--json]\n"
	"Sends frames out of DEV with BPF_PROG_TEST_RUN live frames (XDP_TX), or an AF_PACKET\n"
	"socket where the kernel refuses live frames, one thread per CPU. Run it in DEV's\n"
	"network namespace (nsenter --net=/run/netns/NAME). Needs root.\n"
	"\n";

static const char gen_epilog[] =
	"\n"
	"Prints the frames the program sent (runs that returned XDP_TX) and the rate achieved.\n"
	"Frames that the peer cannot take are lost silently: count them at the receiver.\n";

static int parse_mac(const char *s, uint8_t *m)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -EINVAL;
		m[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_cpus(const char *s, struct gen_opts *o)
{
	char buf[256], *save = NULL, *tok;
	uint64_t v;

	snprintf(buf, sizeof(buf), "%s", s);
	o->ncpus = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->ncpus >= GEN_MAX_CPUS || parse_u64(tok, 4095, &v))
			return -EINVAL;
		o->cpus[o->ncpus++] = (int)v;
	}
	return o->ncpus ? 0 : -EINVAL;
}

static int dev_mac(const char *dev, uint8_t *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static const char *gen_opt_port(const char *arg, void *port)
{
	uint64_t v;

	if (parse_u64(arg, 65535, &v) || !v)
		return "a port 1..65535";
	*(uint16_t *)port = (uint16_t)v;
	return NULL;
}

static const char *gen_opt_mode(const char *arg, void *mode)
{
	if (!strcmp(arg, "udp"))
		*(enum gen_mode *)mode = GEN_UDP;
	else if (!strcmp(arg, "tcp"))
		*(enum gen_mode *)mode = GEN_TCP;
	else if (!strcmp(arg, "syn-flood") || !strcmp(arg, "syn"))
		*(enum gen_mode *)mode = GEN_SYN;
	else
		return "udp, tcp or syn-flood";
	return NULL;
}

static const char *gen_opt_sender(const char *arg, void *sender)
{
	for (int i = 0; i < 3; i++) {
		if (!strcmp(arg, sender_names[i])) {
			*(enum gen_sender *)sender = (enum gen_sender)i;
			return NULL;
		}
	}
	return "auto, live or packet";
}

static const char *gen_opt_duration(const char *arg, void *secs)
{
	char *end;
	double d = strtod(arg, &end);

	if (end == arg || *end || !(d > 0) || d > 86400)
		return "seconds, more than 0 and at most 86400";
	*(double *)secs = d;
	return NULL;
}

static const char *gen_opt_cpus(const char *arg, void *o)
{
	return parse_cpus(arg, o) ? "a list of CPU numbers, e.g. 0,1" : NULL;
}

static const char *gen_opt_mac(const char *arg, void *mac)
{
	return parse_mac(arg, mac) ? "six hex bytes, e.g. 02:00:5e:00:00:01" : NULL;
}

static const char *gen_opt_attach(const char *arg, void *what)
{
	if (strcmp(arg, "sink") && strcmp(arg, "tx") && strcmp(arg, "redirect"))
		return "sink, tx or redirect";
	*(const char **)what = arg;
	return NULL;
}

static const char *gen_opt_to(const char *arg, void *ifindex)
{
	*(int *)ifindex = (int)if_nametoindex(arg);
	return *(int *)ifindex ? NULL : "a device of this network namespace";
}

/* Reads the options; returns 0, 2 after printing the usage error, or 1 after the help. */
static int gen_parse_opts(int argc, char **argv, struct gen_opts *o)
{
	const char *src = NULL, *dst = NULL;
	const struct opts_opt opts[] = {
		{ "dev", 'i', OPTS_STRING, &o->dev, "DEV",
		  "the device the frames leave through (to its peer)" },
		{ "src", 's', OPTS_STRING, &src, "ADDR",
		  "source address of the first tuple (IPv4 or IPv6)" },
		{ "dst", 'd', OPTS_STRING, &dst, "ADDR",
		  "destination address, of the same family" },
		{ "dport", 'p', OPTS_CALL, &o->dport, "N", "destination port (default 80)",
		  .parse = gen_opt_port },
		{ "mode", 'm', OPTS_CALL, &o->mode, "MODE",
		  "udp: UDP to the fixed set of tuples (default)\n"
		  "tcp: TCP ACK segments to the fixed set of tuples\n"
		  "syn-flood: TCP SYNs from random tuples (random sources in\n"
		  "the prefix of --src, random ports and sequence numbers)",
		  .parse = gen_opt_mode },
		{ "flows", 'f', OPTS_UINT, &o->flows, "N",
		  "distinct tuples of the fixed set (default 1): tuple k has\n"
		  "source port 1024 + k % 64512 and the source address plus\n"
		  "k / 64512 (its low --src-bits wrap)",
		  1, 1u << 31 },
		{ "src-bits", 0, OPTS_UINT, &o->src_bits, "N",
		  "low bits of the source address that tuples vary, 0..16\n"
		  "(default 16: sources stay in the /16 of --src)",
		  0, 16 },
		{ "size", 'S', OPTS_UINT, &o->size, "BYTES",
		  "frame size without the FCS (default 64, IPv6 78)", 60, 3000,
		  .want = "60..3000 bytes" },
		{ "rate", 'r', OPTS_U64, &o->rate, "PPS",
		  "frames a second over all CPUs (default 0: as fast as it can)", 0, 100000000,
		  .want = "frames a second, 0..100000000" },
		{ "duration", 't', OPTS_CALL, &o->duration, "S", "seconds to send (default 10)",
		  .parse = gen_opt_duration },
		{ "count", 'n', OPTS_U64, &o->count, "N", "stop after N frames (default: no cap)",
		  0, UINT64_MAX, .want = "a number of frames" },
		{ "cpus", 'c', OPTS_CALL, o, "LIST", "CPUs to send from, e.g. 0 or 0,1 (default 0)",
		  .parse = gen_opt_cpus },
		{ "dst-mac", 0, OPTS_CALL, o->dmac, "MAC",
		  "destination MAC (default ff:ff:ff:ff:ff:ff)", .parse = gen_opt_mac },
		{ "src-mac", 0, OPTS_CALL, o->smac, "MAC", "source MAC (default: DEV's)",
		  .parse = gen_opt_mac, .seen = &o->smac_set },
		{ "sender", 0, OPTS_CALL, &o->sender, "HOW",
		  "live: BPF_PROG_TEST_RUN live frames (XDP_TX; fastest)\n"
		  "packet: an AF_PACKET socket on DEV (an skb a frame,\n"
		  "slower; needs no live frames)\n"
		  "auto: live where the kernel allows it, else packet, said\n"
		  "in one line on stderr (default)",
		  .parse = gen_opt_sender },
		{ "json", 'j', OPTS_FLAG, &o->json, NULL, "print the result as JSON" },
		{ "attach", 0, OPTS_CALL, &o->attach, "WHAT",
		  "instead of sending, attach a program to DEV (native XDP) for\n"
		  "--duration seconds, then detach it: sink counts and drops\n"
		  "what arrives (prints UDP, TCP, other), tx sends it back\n"
		  "(XDP_TX ceiling), redirect sends it out of --to DEV (redirect\n"
		  "ceiling); the far end of a packet-rate measurement",
		  .parse = gen_opt_attach },
		{ "to", 0, OPTS_CALL, &o->to_ifindex, "DEV",
		  "with --attach redirect: the egress device", .parse = gen_opt_to },
		{ "help", 'h', OPTS_HELP, NULL, NULL, "this text" },
		{},
	};
	const struct opts_tool tool = { "xlb-gen", gen_synopsis, gen_epilog, 22, opts };
	int first, rc;

	o->dport = 80;
	o->flows = 1;
	o->duration = 10;
	o->src_bits = 16;
	o->ncpus = 1;
	o->cpus[0] = 0;
	memset(o->dmac, 0xff, 6);
	rc = opts_parse(&tool, argc, argv, &first);
	if (rc)
		return rc;
	if (o->attach && o->dev && first == argc) {
		if (!strcmp(o->attach, "redirect") && !o->to_ifindex) {
			fprintf(stderr, "xlb-gen: --attach redirect needs --to DEV\n");
			return 2;
		}
		o->ifindex = (int)if_nametoindex(o->dev);
		if (!o->ifindex) {
			fprintf(stderr,
				"xlb-gen: --dev %s: no such device in this network namespace\n",
				o->dev);
			return 2;
		}
		return 0;
	}
	if (first < argc || !o->dev || !src || !dst) {
		fprintf(stderr, "xlb-gen: %s\n",
			first < argc ? "unexpected argument" :
				       "-i DEV, --src and --dst are needed");
		opts_usage(&tool, stderr);
		return 2;
	}
	if (inet_pton(AF_INET, dst, o->dst) == 1 && inet_pton(AF_INET, src, o->src) == 1) {
		o->family = 4;
	} else if (inet_pton(AF_INET6, dst, o->dst) == 1 && inet_pton(AF_INET6, src, o->src) == 1) {
		o->family = 6;
	} else {
		fprintf(stderr, "xlb-gen: --src %s and --dst %s: two addresses of one family\n",
			src, dst);
		return 2;
	}
	if (!o->size)
		o->size = o->family == 4 ? 64 : 78;
	if (o->size < (o->family == 4 ? 60u : 78u)) {
		fprintf(stderr, "xlb-gen: --size %u: too small for the headers (IPv6 needs 78)\n",
			o->size);
		return 2;
	}
	o->ifindex = (int)if_nametoindex(o->dev);
	if (!o->ifindex) {
		fprintf(stderr, "xlb-gen: --dev %s: no such device in this network namespace\n",
			o->dev);
		return 2;
	}
	return 0;
}

/* The frame of tuple 0, and where its headers are. */
static void frame_build(const struct gen_opts *o, struct pkt *p, uint32_t *l3, uint32_t *l4)
{
	static const uint8_t zeros[3000];
	struct pkt_spec s = {};
	uint32_t hdrs;

	memcpy(s.dmac, o->dmac, 6);
	memcpy(s.smac, o->smac, 6);
	s.family = o->family;
	memcpy(s.src, o->src, 16);
	memcpy(s.dst, o->dst, 16);
	s.proto = o->mode == GEN_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	s.sport = GEN_PORT_FIRST;
	s.dport = o->dport;
	s.tcp_flags = o->mode == GEN_SYN ? PKT_TCP_SYN : PKT_TCP_ACK;
	s.seq = 1;
	s.df = true;
	hdrs = 14 + (o->family == 4 ? 20 : 40) + (s.proto == IPPROTO_UDP ? 8 : 20);
	s.payload = zeros;
	s.payload_len = o->size - hdrs;
	pkt_build(p, &s);
	*l3 = 14;
	*l4 = 14 + (o->family == 4 ? 20 : 40);
}

/* Live frames: n runs of the program, each sending one frame by XDP_TX. */
static int gen_send_live(struct gen_thread *t, uint64_t n)
{
	struct xdp_md ctx = { .data_end = t->frame->len, .ingress_ifindex = (__u32)t->o->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = t->frame->b, .data_size_in = t->frame->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = (__u32)n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

	return bpf_prog_test_run_opts(t->prog_fd, &ro) ? -errno : 0;
}

/* RFC 1624: the checksum at c after the n bytes at old (n even, at an even offset of the
 * summed data) became those at new.
 */
static void gen_csum_update(uint8_t *c, const uint8_t *old, const uint8_t *new, size_t n)
{
	uint64_t s = (uint16_t)~pkt_get16(c);

	for (size_t i = 0; i < n; i += 2)
		s += (uint16_t)~pkt_get16(old + i) + (uint64_t)pkt_get16(new + i);
	pkt_put16(c, (uint16_t)~pkt_fold(s));
}

static uint64_t gen_random(uint64_t *state)
{
	/* xorshift64*: enough for random tuples, and every thread has its own */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

/* The frame of tuple f into b, from the template: what bpf/xlb_gen.bpf.c does to a live
 * frame (source port and the source address's low bits from f, a SYN flood's sequence number
 * from seq), both checksums updated the same way.
 */
static void gen_frame_tuple(const struct gen_thread *t, uint8_t *b, uint32_t f, uint32_t seq)
{
	const struct gen_opts *o = t->o;
	uint32_t l3 = t->l3, l4 = t->l4, m = (1u << o->src_bits) - 1, a;
	uint8_t *saddr = b + l3 + (o->family == 6 ? 8 + 12 : 12), old[4], port[2];
	uint8_t *csum = b + l4 + (o->mode == GEN_UDP ? 6 : 16);

	memcpy(b, t->frame->b, t->frame->len);
	if (o->mode != GEN_SYN && o->flows == 1)
		return;
	memcpy(old, saddr, 4);
	a = (uint32_t)old[0] << 24 | (uint32_t)old[1] << 16 | (uint32_t)pkt_get16(old + 2);
	pkt_put32(saddr, (a & ~m) | ((a + f / GEN_PORTS) & m));
	pkt_put16(port, (uint16_t)(GEN_PORT_FIRST + f % GEN_PORTS));
	gen_csum_update(csum, old, saddr, 4);
	gen_csum_update(csum, b + l4, port, 2);
	memcpy(b + l4, port, 2);
	if (o->family == 4)
		gen_csum_update(b + l3 + 10, old, saddr, 4);
	if (o->mode == GEN_SYN) {
		uint8_t s[4];

		pkt_put32(s, seq);
		gen_csum_update(csum, b + l4 + 4, s, 4);
		memcpy(b + l4 + 4, s, 4);
	}
	if (o->mode == GEN_UDP && pkt_get16(csum) == 0)
		pkt_put16(csum, 0xffff); /* a computed zero is sent as all ones */
}

struct gen_packet {
	int fd;
	uint64_t next, rnd; /* the next tuple of the fixed set; the random state */
	uint8_t buf[GEN_BATCH][PKT_MAX];
	struct iovec iov[GEN_BATCH];
	struct mmsghdr msg[GEN_BATCH];
};

/* An AF_PACKET socket on the device, bypassing its qdisc (the frames go straight to the
 * driver, as XDP_TX frames do); protocol 0, so that it receives nothing.
 */
static int gen_packet_open(struct gen_thread *t, struct gen_packet *p)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = t->o->ifindex };
	int one = 1;

	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) ||
	    bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -errno;
	p->rnd = ((uint64_t)now_s() * 1000003u) ^ ((uint64_t)t->cpu << 32) ^ (uint64_t)p->fd;
	p->rnd |= 1;
	for (int i = 0; i < GEN_BATCH; i++) {
		p->iov[i].iov_base = p->buf[i];
		p->iov[i].iov_len = t->frame->len;
		p->msg[i].msg_hdr.msg_iov = &p->iov[i];
		p->msg[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

/* The socket: n frames in batches; a full device queue (ENOBUFS) is waited out. */
static int gen_send_packet(struct gen_thread *t, struct gen_packet *p, uint64_t n)
{
	const struct gen_opts *o = t->o;

	while (n && !stop) {
		unsigned int k = n < GEN_BATCH ? (unsigned int)n : GEN_BATCH, i;
		int sent;

		for (i = 0; i < k; i++) {
			uint64_t r = o->mode == GEN_SYN ? gen_random(&p->rnd) : 0;
			uint32_t f = o->mode == GEN_SYN ? (uint32_t)r :
							  (uint32_t)(p->next++ % o->flows);

			gen_frame_tuple(t, p->buf[i], f, (uint32_t)(r >> 32));
		}
		sent = sendmmsg(p->fd, p->msg, k, 0);
		if (sent < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
				return -errno;
			sched_yield();
			continue;
		}
		/* frames not taken are built again (other tuples: a set cycles on regardless) */
		t->frames += (uint64_t)sent;
		n -= (uint64_t)sent;
	}
	return 0;
}

static void *gen_thread_run(void *arg)
{
	struct gen_thread *t = arg;
	struct gen_packet *pk = NULL;
	uint64_t chunk = GEN_CHUNK;
	double start, next, end;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		t->err = -EINVAL;
		return NULL;
	}
	if (t->o->sender == GEN_SEND_PACKET) {
		pk = calloc(1, sizeof(*pk));
		if (!pk) {
			t->err = -ENOMEM;
			return NULL;
		}
		t->err = gen_packet_open(t, pk);
		if (t->err)
			goto out;
	}
	/* paced: a run every millisecond at most, of the frames that millisecond owes */
	if (t->rate)
		chunk = t->rate / 1000 ? t->rate / 1000 : 1;
	start = next = now_s();
	end = start + t->o->duration;
	while (!stop) {
		uint64_t n = chunk;
		double now;
		int err;

		if (t->count && t->count - t->frames < n)
			n = t->count - t->frames;
		if (!n)
			break;
		if (pk) {
			err = gen_send_packet(t, pk, n);
		} else {
			err = gen_send_live(t, n);
			if (!err)
				t->frames += n;
		}
		if (err) {
			t->err = err;
			break;
		}
		now = now_s();
		if (now >= end)
			break;
		if (t->rate) {
			struct timespec ts;
			double wait;

			next = start + (double)t->frames / (double)t->rate;
			wait = next - now;
			if (wait > 0) {
				ts.tv_sec = (time_t)wait;
				ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
	}
	t->seconds = now_s() - start;
out:
	if (pk && pk->fd >= 0)
		close(pk->fd);
	free(pk);
	return NULL;
}

/* --attach: one of the far-end programs on o->dev for the duration (or until a signal). */
static int gen_attach(const struct gen_opts *o, struct xlb_gen_bpf *skel)
{
	struct bpf_program *prog = !strcmp(o->attach, "sink") ? skel->progs.gen_sink :
				   !strcmp(o->attach, "tx")   ? skel->progs.gen_tx :
								skel->progs.gen_redirect;
	uint64_t sum[3] = {}, *v = NULL;
	int ncpu = libbpf_num_possible_cpus(), err, rc = 0;
	double start = now_s(), secs;

	if (!strcmp(o->attach, "redirect")) {
		uint32_t zero = 0, to = (uint32_t)o->to_ifindex;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.gen_ports), &zero, &to, BPF_ANY)) {
			fprintf(stderr, "xlb-gen: --to: %s\n", strerror(errno));
			return 1;
		}
	}
	err = bpf_xdp_attach(o->ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr,
			"xlb-gen: attaching %s to %s (native XDP; another program there?): %s\n",
			o->attach, o->dev, strerror(-err));
		return 1;
	}
	while (!stop && now_s() - start < o->duration)
		usleep(20000);
	secs = now_s() - start;
	bpf_xdp_detach(o->ifindex, XDP_FLAGS_DRV_MODE, NULL);
	v = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*v)) : NULL;
	for (uint32_t k = 0; v && k < 3; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.gen_sink_count), &k, v)) {
			rc = 1;
			break;
		}
		for (int i = 0; i < ncpu; i++)
			sum[k] += v[i];
	}
	free(v);
	if (o->json)
		printf("{\"attach\":\"%s\",\"dev\":\"%s\",\"seconds\":%.3f,\"udp\":%llu,"
		       "\"tcp\":%llu,\"other\":%llu}\n",
		       o->attach, o->dev, secs, (unsigned long long)sum[0],
		       (unsigned long long)sum[1], (unsigned long long)sum[2]);
	else
		printf("%s on %s for %.2f s: udp %llu tcp %llu other %llu\n", o->attach, o->dev,
		       secs, (unsigned long long)sum[0], (unsigned long long)sum[1],
		       (unsigned long long)sum[2]);
	return rc;
}

/* Loads the live-frames program for the frame. With --sender auto, a kernel that refuses
 * the program or live frames (EPERM without CAP_SYS_RESOURCE, or no live frames at all)
 * turns the sender into packet, said in one line; returns 0 or an exit code.
 */
static int gen_live_load(struct gen_opts *o, const struct pkt *frame, uint32_t l3, uint32_t l4,
			 struct xlb_gen_bpf **skelp)
{
	struct xlb_gen_bpf *skel = xlb_gen_bpf__open();
	uint32_t hdr = frame->len < GEN_HDR_MAX ? frame->len : GEN_HDR_MAX;
	const char *what = "loading the BPF program";
	int err;

	*skelp = skel;
	if (!skel) {
		fprintf(stderr, "xlb-gen: opening the BPF object: %s\n", strerror(errno));
		return 1;
	}
	memcpy(skel->data->gen_tmpl, frame->b, hdr);
	skel->data->gen_hdr_len = hdr;
	skel->data->gen_flows = o->mode == GEN_SYN ? 0 : o->flows;
	skel->data->gen_l3_off = l3;
	skel->data->gen_l4_off = l4;
	skel->bss->gen_v6 = o->family == 6;
	skel->data->gen_udp = o->mode == GEN_UDP;
	skel->data->gen_src_mask = (1u << o->src_bits) - 1;
	err = xlb_gen_bpf__load(skel);
	if (!err && o->sender == GEN_SEND_AUTO) {
		/* one run of the sink, which drops its frame: sends nothing */
		struct xdp_md ctx = { .data_end = frame->len,
				      .ingress_ifindex = (__u32)o->ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = frame->b, .data_size_in = frame->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 1);

		what = "BPF_PROG_TEST_RUN with live frames";
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.gen_sink), &ro))
			err = -errno;
	}
	if (!err) {
		o->sender = GEN_SEND_LIVE;
		return 0;
	}
	if (o->sender == GEN_SEND_AUTO) {
		fprintf(stderr,
			"xlb-gen: %s refused (%s): sending through an AF_PACKET socket on %s "
			"instead (--sender packet)\n",
			what, strerror(-err), o->dev);
		o->sender = GEN_SEND_PACKET;
		xlb_gen_bpf__destroy(skel);
		*skelp = NULL;
		return 0;
	}
	fprintf(stderr, "xlb-gen: %s (needs root): %s\n", what, strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	struct gen_opts o = {};
	struct xlb_gen_bpf *skel = NULL;
	struct gen_thread th[GEN_MAX_CPUS] = {};
	struct pkt frame;
	uint32_t l3, l4;
	uint64_t total = 0, runs = 0, errors = 0;
	double secs = 0;
	int rc, err = 0, ncpu = libbpf_num_possible_cpus();

	rc = gen_parse_opts(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (o.attach) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		skel = xlb_gen_bpf__open_and_load();
		if (!skel) {
			fprintf(stderr, "xlb-gen: loading the BPF object (needs root): %s\n",
				strerror(errno));
			return 1;
		}
		rc = gen_attach(&o, skel);
		goto out;
	}
	if (!o.smac_set && (err = dev_mac(o.dev, o.smac))) {
		fprintf(stderr, "xlb-gen: %s: reading its MAC: %s\n", o.dev, strerror(-err));
		return 1;
	}
	frame_build(&o, &frame, &l3, &l4);

	if (o.sender != GEN_SEND_PACKET) {
		rc = gen_live_load(&o, &frame, l3, l4, &skel);
		if (rc)
			goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (int i = 0; i < o.ncpus; i++) {
		th[i].cpu = o.cpus[i];
		th[i].prog_fd = skel ? bpf_program__fd(skel->progs.xlb_gen) : -1;
		th[i].o = &o;
		th[i].frame = &frame;
		th[i].l3 = l3;
		th[i].l4 = l4;
		th[i].rate = o.rate / (uint64_t)o.ncpus + (i < (int)(o.rate % (uint64_t)o.ncpus));
		if (o.rate && !th[i].rate)
			th[i].rate = 1;
		th[i].count = o.count ? o.count / (uint64_t)o.ncpus +
						(i < (int)(o.count % (uint64_t)o.ncpus)) :
					0;
		if (o.count && !th[i].count)
			th[i].count = 1;
		if (pthread_create(&th[i].tid, NULL, gen_thread_run, &th[i])) {
			fprintf(stderr, "xlb-gen: starting a thread\n");
			stop = 1;
			o.ncpus = i;
			rc = 1;
			break;
		}
	}
	for (int i = 0; i < o.ncpus; i++) {
		pthread_join(th[i].tid, NULL);
		if (th[i].err && !err) {
			err = th[i].err;
			fprintf(stderr, "xlb-gen: CPU %d: %s\n", th[i].cpu,
				err == -EINVAL ? "cannot run there (no such CPU, or the run "
						 "was refused)" :
						 strerror(-err));
			rc = 1;
		}
		total += th[i].frames;
		if (th[i].seconds > secs)
			secs = th[i].seconds;
	}
	/* what the program itself counted: every run, and runs that could not build a frame */
	if (skel && ncpu > 0) {
		struct {
			uint64_t runs, next, errors;
		} *v = calloc((size_t)ncpu, 24);
		uint32_t zero = 0;

		if (v && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.gen_stats), &zero, v))
			for (int i = 0; i < ncpu; i++) {
				runs += v[i].runs;
				errors += v[i].errors;
			}
		free(v);
	}
	if (errors) {
		fprintf(stderr, "xlb-gen: %llu frames could not be built\n",
			(unsigned long long)errors);
		rc = 1;
	}
	if (o.json) {
		printf("{\"mode\":\"%s\",\"sender\":\"%s\",\"dev\":\"%s\",\"size\":%u,"
		       "\"flows\":%u,\"cpus\":%d,"
		       "\"rate_asked\":%llu,\"frames\":%llu,\"program_runs\":%llu,"
		       "\"seconds\":%.3f,\"pps\":%.0f,\"per_cpu\":[",
		       mode_names[o.mode], sender_names[o.sender], o.dev, o.size,
		       o.mode == GEN_SYN ? 0 : o.flows, o.ncpus, (unsigned long long)o.rate,
		       (unsigned long long)total, (unsigned long long)runs, secs,
		       secs > 0 ? (double)total / secs : 0);
		for (int i = 0; i < o.ncpus; i++)
			printf("%s{\"cpu\":%d,\"frames\":%llu,\"pps\":%.0f}", i ? "," : "",
			       th[i].cpu, (unsigned long long)th[i].frames,
			       th[i].seconds > 0 ? (double)th[i].frames / th[i].seconds : 0);
		printf("]}\n");
	} else {
		printf("%-10s %-7s %-8s %6s %9s %5s %12s %8s %12s\n", "mode", "sender", "dev",
		       "size", "flows", "cpus", "frames", "seconds", "pps");
		char fl[16];

		snprintf(fl, sizeof(fl), "%u", o.flows);
		printf("%-10s %-7s %-8s %6u %9s %5d %12llu %8.2f %12.0f\n", mode_names[o.mode],
		       sender_names[o.sender], o.dev, o.size, o.mode == GEN_SYN ? "random" : fl,
		       o.ncpus, (unsigned long long)total, secs,
		       secs > 0 ? (double)total / secs : 0);
	}
out:
	xlb_gen_bpf__destroy(skel);
	return rc;
}
