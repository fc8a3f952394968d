/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The flow hash: picks a flow's Maglev table position. Compiled both in the datapath and on the host
 * (user/maglev.c, tests), so the tests compute expected backends with the very same function.
 * It calls no helper and has no loop the verifier could not see through.
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#include "xlb_shared.h"

static inline __u32 xlb_hash_mix(__u32 h, __u32 v)
{
	v *= 0xcc9e2d51u;
	v = (v << 15) | (v >> 17);
	v *= 0x1b873593u;
	h ^= v;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static inline __u32 xlb_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline __u64 xlb_rotl64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipHash round on the state v[0..3]. */
#define XLB_SIPROUND(v0, v1, v2, v3)     \
	do {                             \
		v0 += v1;                \
		v1 = xlb_rotl64(v1, 13); \
		v1 ^= v0;                \
		v0 = xlb_rotl64(v0, 32); \
		v2 += v3;                \
		v3 = xlb_rotl64(v3, 16); \
		v3 ^= v2;                \
		v0 += v3;                \
		v3 = xlb_rotl64(v3, 21); \
		v3 ^= v0;                \
		v2 += v1;                \
		v1 = xlb_rotl64(v1, 17); \
		v1 ^= v2;                \
		v2 = xlb_rotl64(v2, 32); \
	} while (0)

/* SipHash-1-3's state (see xlb_flow_hash), set up from the datapath's secret. */
struct xlb_sip {
	__u64 v0, v1, v2, v3;
};

static inline __attribute__((always_inline)) void xlb_sip_init(struct xlb_sip *v,
							       const struct xlb_secret *s)
{
	v->v0 = s->k[0] ^ 0x736f6d6570736575ull;
	v->v1 = s->k[1] ^ 0x646f72616e646f6dull;
	v->v2 = s->k[0] ^ 0x6c7967656e657261ull;
	v->v3 = s->k[1] ^ 0x7465646279746573ull;
}

/* One 64-bit message word compressed into the state: one round (the "1" of 1-3). */
static inline __attribute__((always_inline)) void xlb_sip_word(struct xlb_sip *v, __u64 m)
{
	v->v3 ^= m;
	XLB_SIPROUND(v->v0, v->v1, v->v2, v->v3);
	v->v0 ^= m;
}

/* The last word (lengths, family, a mark), three finalization rounds, folded to 32 bits. */
static inline __attribute__((always_inline)) __u32 xlb_sip_final(struct xlb_sip *v, __u64 last)
{
	__u64 m;

	xlb_sip_word(v, last);
	v->v2 ^= 0xff;
	XLB_SIPROUND(v->v0, v->v1, v->v2, v->v3);
	XLB_SIPROUND(v->v0, v->v1, v->v2, v->v3);
	XLB_SIPROUND(v->v0, v->v1, v->v2, v->v3);
	m = v->v0 ^ v->v1 ^ v->v2 ^ v->v3;
	return (__u32)(m ^ (m >> 32));
}

/* The two 32-bit halves a and b as one message word, a in the low half (little-endian). */
static inline __u64 xlb_sip_pair(__u32 a, __u32 b)
{
	return (__u64)a | (__u64)b << 32;
}

/* The 5-tuple of a flow as the client sent it, hashed with SipHash-1-3 under the datapath's
 * secret (struct xlb_secret): nobody who does not know the secret can aim a flow at a bucket,
 * a tag or a Maglev table position. The message is the key's 64-bit words that the family uses, whole
 * addresses (no fold a client could use to choose a collision): IPv4 two words, IPv6 five, the
 * last one ports, protocol, family and the length in words. SipHash-1-3 (Linux's hsiphash on
 * 64-bit hosts) rather than HalfSipHash: on a 64-bit CPU a 64-bit round does twice the work of
 * a 32-bit one in the same instructions, and the IPv6 key is 40 bytes. Compiled in the
 * datapath and on the host (maglev, tests), little-endian on both.
 */
static inline __u32 xlb_flow_hash(const struct xlb_flow_key *k, const struct xlb_secret *s)
{
	struct xlb_sip v;
	__u64 m; /* the last address word: one round for both families, not one each */

	xlb_sip_init(&v, s);
	if (k->family == XLB_FAMILY_V6) {
		xlb_sip_word(&v, xlb_sip_pair(k->src[0], k->src[1]));
		xlb_sip_word(&v, xlb_sip_pair(k->src[2], k->src[3]));
		xlb_sip_word(&v, xlb_sip_pair(k->dst[0], k->dst[1]));
		m = xlb_sip_pair(k->dst[2], k->dst[3]);
	} else {
		m = xlb_sip_pair(k->src[0], k->dst[0]);
	}
	xlb_sip_word(&v, m);
	return xlb_sip_final(&v, (__u64)k->sport | (__u64)k->dport << 16 | (__u64)k->proto << 32 |
					 (__u64)k->family << 40 |
					 (__u64)(k->family == XLB_FAMILY_V6 ? 5 : 2) << 56);
}

/* The client's address alone (both families) hashed under the secret: SipHash-1-3 as in
 * xlb_flow_hash, over the address's words and a last word of family, a mark (0xa5) and length,
 * so that it never equals a flow hash of the same words.
 */
static inline __attribute__((always_inline)) __u32 xlb_src_hash(const struct xlb_flow_key *k,
								const struct xlb_secret *s)
{
	struct xlb_sip v;
	__u64 m;

	xlb_sip_init(&v, s);
	if (k->family == XLB_FAMILY_V6) {
		xlb_sip_word(&v, xlb_sip_pair(k->src[0], k->src[1]));
		m = xlb_sip_pair(k->src[2], k->src[3]);
	} else {
		m = k->src[0];
	}
	xlb_sip_word(&v, m);
	return xlb_sip_final(&v, (__u64)k->family << 40 | 0xa5ull << 48 |
					 (__u64)(k->family == XLB_FAMILY_V6 ? 3 : 2) << 56);
}

/* The hash that picks a flow's table position. A VIP with XLB_VIP_F_SRC_IP hashes the client's
 * address alone, so that all its flows pick one position; others use the flow hash (hash).
 */
static inline __attribute__((always_inline)) __u32
xlb_pick_hash(const struct xlb_flow_key *k, const struct xlb_secret *s, __u32 hash, __u8 vip_flags)
{
	return vip_flags & XLB_VIP_F_SRC_IP ? xlb_src_hash(k, s) : hash;
}

/* Least outstanding requests' second candidate: another position drawn from the pick hash. */
static inline __u32 xlb_pick_hash2(__u32 pick_hash)
{
	return xlb_hash_final(xlb_hash_mix(pick_hash, 0x2545f491u));
}

/* A flow's position in a Maglev table: the hash scaled to [0, size) by a multiply, which costs a few
 * cycles where a modulo by a size known only at load time costs a division.
 */
static inline __u32 xlb_table_pos(__u32 hash, __u32 size)
{
	return (__u32)(((__u64)hash * size) >> 32);
}

/* The check word of a flow table way: ties the backend to the key's hash, so that a way left
 * half-written by two CPUs at once (key of one flow, backend of another) is not believed.
 */
static inline __u32 xlb_flow_check(__u32 hash, __u32 backend_id, __u32 backend_gen)
{
	return xlb_hash_final(xlb_hash_mix(xlb_hash_mix(hash, backend_id), backend_gen)) | 1;
}

/* A way's tag in its bucket's header: the hash bits the bucket index did not use, never 0. */
static inline __u32 xlb_flow_tag(__u32 hash)
{
	return (hash >> 16 | hash << 16) | 1;
}

#endif /* XLB_HASH_H */
