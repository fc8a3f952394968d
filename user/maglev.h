/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Maglev consistent hashing: builds a VIP's lookup table from its backends. Pure: no maps, no
 * allocation the caller cannot see, the same input gives the same table on every node.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

struct maglev_backend {
	uint32_t id;	 /* what the table stores: the backend id, its key in xlb_backends */
	uint32_t weight; /* relative share, 0 leaves the backend out */
	uint64_t key;	 /* stable identity (maglev_key), decides its permutation */
};

/* A stable identity from a backend's address bytes and port, so that every node and every
 * restart computes the same permutation for the same backend.
 */
uint64_t maglev_key(const void *addr, size_t len, uint16_t port);

/* Fills table[0..size-1] with backend ids. size must be prime and larger than the number of
 * backends with a weight. Returns 0, -EINVAL on a bad size or no backend with a weight.
 */
int maglev_build(const struct maglev_backend *backends, size_t n, uint32_t size, uint32_t *table);

int maglev_is_prime(uint32_t n);

#endif /* XLB_MAGLEV_H */
