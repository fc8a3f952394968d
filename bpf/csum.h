/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Incremental Internet checksum updates (RFC 1624): a rewrite accumulates the one's complement
 * difference of the words it changes and applies it once to each checksum that covers them.
 * Words are summed as loaded, in network byte order; the one's complement sum does not care as
 * long as the checksum field is read the same way.
 */
#ifndef XLB_CSUM_H
#define XLB_CSUM_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Loops the BPF build must unroll; the host build (tests, fuzzing) may do as it likes. */
#ifdef __clang__
#define XLB_UNROLL _Pragma("unroll")
#else
#define XLB_UNROLL
#endif

static __always_inline __u16 xlb_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* Difference for a 32-bit word changed from a to b. */
static __always_inline __u64 xlb_csum_diff32(__u32 a, __u32 b)
{
	return (__u64)(__u32)~a + b;
}

static __always_inline __u64 xlb_csum_diff16(__u16 a, __u16 b)
{
	return (__u64)(__u16)~a + b;
}

/* Difference for a 16-byte address changed from a to b. */
static __always_inline __u64 xlb_csum_diff_addr6(const __u32 *a, const __u32 *b)
{
	__u64 d = 0;

	XLB_UNROLL
	for (int i = 0; i < 4; i++)
		d += xlb_csum_diff32(a[i], b[i]);
	return d;
}

static __always_inline void xlb_csum_apply(__u16 *csum, __u64 diff)
{
	__u64 s = (__u16) ~*csum;

	*csum = (__u16)~xlb_csum_fold(s + diff);
}

/* UDP, either family: a zero checksum field stays zero (IPv4: "no checksum"; IPv6: invalid,
 * and left for the receiver to judge), and a computed zero is sent as 0xffff (RFC 768; for
 * IPv6 RFC 8200 8.1), since the update yields 0x0000 exactly where the right field is 0xffff.
 */
static __always_inline void xlb_csum_apply_udp(__u16 *csum, __u64 diff)
{
	if (*csum == 0)
		return;
	xlb_csum_apply(csum, diff);
	if (*csum == 0)
		*csum = 0xffff;
}

/* The L4 checksum of a TCP or UDP header (proto: IPPROTO_TCP = 6, IPPROTO_UDP = 17). */
static __always_inline void xlb_csum_apply_l4(__u16 *csum, __u64 diff, __u8 proto)
{
	if (proto == 17)
		xlb_csum_apply_udp(csum, diff);
	else
		xlb_csum_apply(csum, diff);
}

/* One's complement sum of the 16-bit words in n bytes at p (n even, at most 512), reading
 * no further than end: a short buffer sums what it has. For checksums built from scratch, as
 * those of the ICMP errors the datapath makes.
 */
static __always_inline __u64 xlb_csum_bytes(const __u8 *p, const void *end, __u32 n)
{
	__u64 s = 0;

	for (__u32 i = 0; i < 256; i++) {
		const __u16 *w = (const __u16 *)(p + 2 * i);

		if (2 * i >= n || (const void *)(w + 1) > end)
			break;
		s += *w;
	}
	return s;
}

/* Full checksum of an IPv4 header without options (the outer header that ipip builds). */
static __always_inline __u16 xlb_csum_ipv4_hdr(const __u16 *w)
{
	__u64 s = 0;

	XLB_UNROLL
	for (int i = 0; i < 10; i++)
		s += w[i];
	return (__u16)~xlb_csum_fold(s);
}

#endif /* XLB_CSUM_H */
