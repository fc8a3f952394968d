/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The flow hash: picks a flow's Maglev slot. Compiled both in the datapath and on the host
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

/* The 5-tuple of a flow as the client sent it. Only the words a family uses are mixed, and
 * IPv6 addresses are folded first: the client's to two words (prefix half xor interface half,
 * both of which vary between clients), the VIP's to one. A flow costs three rounds (IPv4) or
 * four (IPv6), not ten.
 */
static inline __u32 xlb_flow_hash(const struct xlb_flow_key *k)
{
	__u32 h = 0x9747b28cu ^ k->family ^ ((__u32)k->proto << 8);

	if (k->family == XLB_FAMILY_V6) {
		h = xlb_hash_mix(h, k->src[0] ^ k->src[2]);
		h = xlb_hash_mix(h, k->src[1] ^ k->src[3]);
		h = xlb_hash_mix(h, k->dst[0] ^ k->dst[2] ^ k->dst[1] ^ k->dst[3]);
	} else {
		h = xlb_hash_mix(h, k->src[0]);
		h = xlb_hash_mix(h, k->dst[0]);
	}
	h = xlb_hash_mix(h, ((__u32)k->sport << 16) | k->dport);
	return xlb_hash_final(h);
}

/* The Maglev slot of a flow: the hash scaled to [0, size) by a multiply, which costs a few
 * cycles where a modulo by a size known only at load time costs a division.
 */
static inline __u32 xlb_ring_slot(__u32 hash, __u32 size)
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
