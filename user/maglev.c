// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights. Each backend walks its
 * own permutation of the table, derived from two hashes of its stable key, and claims the first
 * free position on its turn; weights decide how often its turn comes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

/* One backend while the table fills: where its permutation is and how much it may claim. */
struct maglev_walk {
	uint64_t credit; /* weight gained and not yet spent, in units of the max weight */
	uint32_t weight;
	uint32_t id;
	uint32_t pos;  /* current index into its permutation */
	uint32_t skip; /* step of its permutation, 1..size-1 */
	uint64_t key;
};

/* The finaliser of MurmurHash3's 64-bit variant: every input bit reaches every output bit. */
static uint64_t maglev_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint64_t maglev_key(const void *addr, size_t len, uint16_t port)
{
	const uint8_t *p = addr;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	size_t i;

	/* bytes in order, 8 at a time, so that the key does not depend on the host's endianness */
	for (i = 0; i < len; i += 8) {
		uint64_t w = 0;
		size_t j;

		for (j = 0; j < 8 && i + j < len; j++)
			w |= (uint64_t)p[i + j] << (8 * j);
		h = maglev_mix64(h ^ w) + 0x9e3779b97f4a7c15ull;
	}
	return maglev_mix64(h ^ ((uint64_t)port << 48 | port));
}

int maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; (uint64_t)d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}

/* Orders the backends by key (then id), so that the table depends on the set of backends and
 * not on the order a caller happened to list them in: every node builds the same table.
 */
static int maglev_walk_cmp(const void *a, const void *b)
{
	const struct maglev_walk *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

int maglev_build(const struct maglev_backend *backends, size_t n, uint32_t size, uint32_t *table)
{
	struct maglev_walk *walk = NULL;
	uint8_t *taken = NULL;
	uint32_t filled = 0, wmax = 0;
	size_t i, nw = 0;
	int err = 0;

	if (!table || (n && !backends) || size < 2 || !maglev_is_prime(size))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!backends[i].weight)
			continue;
		nw++;
		if (backends[i].weight > wmax)
			wmax = backends[i].weight;
	}
	if (!nw || nw >= size)
		return -EINVAL;

	walk = calloc(nw, sizeof(*walk));
	taken = calloc(size / 8 + 1, 1);
	if (!walk || !taken) {
		err = -ENOMEM;
		goto out;
	}
	nw = 0;
	for (i = 0; i < n; i++) {
		if (!backends[i].weight)
			continue;
		walk[nw].key = backends[i].key;
		walk[nw].id = backends[i].id;
		walk[nw].weight = backends[i].weight;
		nw++;
	}
	qsort(walk, nw, sizeof(*walk), maglev_walk_cmp);
	for (i = 0; i < nw; i++) {
		/* two independent hashes of the key: offset and skip of the permutation */
		uint64_t h1 = maglev_mix64(walk[i].key ^ 0x5bd1e9955bd1e995ull);
		uint64_t h2 = maglev_mix64(walk[i].key ^ 0xc2b2ae3d27d4eb4full);

		walk[i].pos = h1 % size;
		walk[i].skip = h2 % (size - 1) + 1;
	}

	/* Each round every backend gains its weight as credit and, holding a max weight of it,
	 * claims its next free position; so a backend of the max weight claims every round and one of
	 * half the weight every other round: position shares follow the weights. With equal weights
	 * this is the paper's round robin.
	 */
	while (filled < size) {
		for (i = 0; i < nw && filled < size; i++) {
			struct maglev_walk *w = &walk[i];

			w->credit += w->weight;
			if (w->credit < wmax)
				continue;
			w->credit -= wmax;
			while (taken[w->pos / 8] & (1u << (w->pos % 8))) {
				/* pos + skip < 2^33: no overflow in 64 bits, one subtraction wraps */
				uint64_t next = (uint64_t)w->pos + w->skip;

				w->pos = next >= size ? next - size : next;
			}
			taken[w->pos / 8] |= 1u << (w->pos % 8);
			table[w->pos] = w->id;
			filled++;
		}
	}
out:
	free(walk);
	free(taken);
	return err;
}
