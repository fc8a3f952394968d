// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Maglev table: balance with equal and unequal weights, minimal disruption when a backend
 * comes or goes, determinism, bad input. Pure functions, no privileges. The build's time is a
 * figure of `make bench` (tests/bench/bench_maglev.c), not a test.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "maglev.h"

#define SIZE 65537u
#define MAX_BE 128

static uint32_t table_a[SIZE], table_b[SIZE];

/* Backend i at 198.18.1.i (198.18.2.x past 255), port 8080, weight 1, id 100 + i. */
static void make_backends(struct maglev_backend *bes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t addr[4] = { 198, 18, 1 + i / 256, i % 256 };

		bes[i].id = 100 + i;
		bes[i].weight = 1;
		bes[i].key = maglev_key(addr, sizeof(addr), 8080);
	}
}

/* Positions per id, for ids 100..100+MAX_BE; returns false on an id outside that range. */
static bool count_positions(const uint32_t *table, uint32_t *counts)
{
	uint32_t i;

	memset(counts, 0, MAX_BE * sizeof(*counts));
	for (i = 0; i < SIZE; i++) {
		if (table[i] < 100 || table[i] >= 100 + MAX_BE)
			return false;
		counts[table[i] - 100]++;
	}
	return true;
}

static bool balance_n(size_t n)
{
	struct maglev_backend bes[MAX_BE];
	uint32_t counts[MAX_BE];
	double ideal = (double)SIZE / n;
	size_t i;

	make_backends(bes, n);
	CHECK(maglev_build(bes, n, SIZE, table_a) == 0, "build with %zu backends", n);
	CHECK(count_positions(table_a, counts), "table holds an id that was not given");
	for (i = 0; i < n; i++) {
		double dev = (counts[i] - ideal) / ideal;

		CHECK(dev > -0.02 && dev < 0.02, "n=%zu backend %zu has %u positions, ideal %.1f",
		      n, i, counts[i], ideal);
	}
	return true;
}

static bool test_balance_3(void)
{
	return balance_n(3);
}

static bool test_balance_10(void)
{
	return balance_n(10);
}

static bool test_balance_100(void)
{
	return balance_n(100);
}

static bool weights_hold(const uint32_t *weights, size_t n)
{
	struct maglev_backend bes[MAX_BE];
	uint32_t counts[MAX_BE];
	uint64_t total = 0;
	size_t i;

	make_backends(bes, n);
	for (i = 0; i < n; i++) {
		bes[i].weight = weights[i];
		total += weights[i];
	}
	CHECK(maglev_build(bes, n, SIZE, table_a) == 0, "build");
	CHECK(count_positions(table_a, counts), "table holds an id that was not given");
	for (i = 0; i < n; i++) {
		double want = (double)SIZE * weights[i] / total, got = counts[i];

		/* 2%, or one position for a share so small that a position is more than 2% of it */
		CHECK(got > want * 0.98 - 1 && got < want * 1.02 + 1,
		      "backend %zu weight %u: %u positions, want %.1f", i, weights[i], counts[i],
		      want);
	}
	return true;
}

static bool test_weights_1_2_3(void)
{
	static const uint32_t w[] = { 1, 2, 3 };

	return weights_hold(w, 3);
}

static bool test_weights_uneven(void)
{
	static const uint32_t w[] = { 1, 100, 7, 50, 13, 1000, 3, 3, 250, 64 };

	return weights_hold(w, 10);
}

static bool test_weight_zero_left_out(void)
{
	struct maglev_backend bes[4];
	uint32_t counts[MAX_BE];

	make_backends(bes, 4);
	bes[2].weight = 0;
	CHECK(maglev_build(bes, 4, SIZE, table_a) == 0, "build");
	CHECK(count_positions(table_a, counts), "table holds an id that was not given");
	CHECK(counts[2] == 0, "weight 0 backend got %u positions", counts[2]);
	CHECK(counts[0] && counts[1] && counts[3], "a weighted backend got no position");
	return true;
}

/* Positions whose backend differs between the tables, and among them those that a backend present
 * in both tables lost (those are needless moves: only a removed backend's positions must move).
 */
static void diff_tables(uint32_t gone_id, uint32_t *changed, uint32_t *survivor_moved)
{
	uint32_t i;

	*changed = *survivor_moved = 0;
	for (i = 0; i < SIZE; i++) {
		if (table_a[i] == table_b[i])
			continue;
		(*changed)++;
		if (table_a[i] != gone_id)
			(*survivor_moved)++;
	}
}

static bool remove_one(size_t n, double bound)
{
	struct maglev_backend bes[MAX_BE];
	uint32_t changed, moved, gone;
	double frac, extra;

	make_backends(bes, n);
	CHECK(maglev_build(bes, n, SIZE, table_a) == 0, "build before");
	gone = bes[n / 2].id;
	memmove(&bes[n / 2], &bes[n / 2 + 1], (n - n / 2 - 1) * sizeof(bes[0]));
	CHECK(maglev_build(bes, n - 1, SIZE, table_b) == 0, "build after");
	diff_tables(gone, &changed, &moved);
	frac = (double)changed / SIZE;
	extra = (double)moved / SIZE;
	printf("  n=%zu: removing one moved %.4f of the positions (1/n = %.4f), %.4f needlessly\n",
	       n, frac, 1.0 / n, extra);
	CHECK(frac >= 0.95 / n, "only %.4f moved, the removed backend held about 1/%zu", frac, n);
	CHECK(frac < bound / n, "%.4f of the positions moved, want < %.1f/%zu", frac, bound, n);
	CHECK(extra < (bound - 1) / n, "%.4f of the positions moved between surviving backends",
	      extra);
	return true;
}

static bool test_remove_of_3(void)
{
	return remove_one(3, 1.3);
}

static bool test_remove_of_10(void)
{
	return remove_one(10, 1.3);
}

static bool test_remove_of_30(void)
{
	return remove_one(30, 1.3);
}

/* Measured, and inherent to Maglev's fill: with a table only 655 times the number of backends,
 * the cascades of the last rounds move about 1.6/N (2.5/N at N=200); a table of 655373 positions
 * brings N=100 down to 1.14/N. Flows in the flow table do not move either way.
 */
static bool test_remove_of_100(void)
{
	return remove_one(100, 1.8);
}

static bool add_one(size_t n, double bound)
{
	struct maglev_backend bes[MAX_BE];
	uint32_t changed, moved, i, gained = 0;
	double frac;

	make_backends(bes, n + 1);
	CHECK(maglev_build(bes, n, SIZE, table_a) == 0, "build before");
	CHECK(maglev_build(bes, n + 1, SIZE, table_b) == 0, "build after");
	/* nothing in table_a is the new id: every changed position counts as a survivor's move here */
	diff_tables(UINT32_MAX, &changed, &moved);
	for (i = 0; i < SIZE; i++)
		gained += table_b[i] == bes[n].id;
	frac = (double)changed / SIZE;
	printf("  n=%zu: adding one moved %.4f of the positions (1/(n+1) = %.4f)\n", n, frac,
	       1.0 / (n + 1));
	CHECK(frac < bound / (n + 1), "%.4f of the positions moved, want < %.1f/%zu", frac, bound,
	      n + 1);
	CHECK(changed - gained < (bound - 1) * SIZE / (n + 1),
	      "%u positions moved between old backends", changed - gained);
	return true;
}

static bool test_add_to_3(void)
{
	return add_one(3, 1.3);
}

static bool test_add_to_10(void)
{
	return add_one(10, 1.3);
}

static bool test_add_to_29(void)
{
	return add_one(29, 1.3);
}

static bool test_add_to_99(void)
{
	return add_one(99, 1.8);
}

static bool test_deterministic(void)
{
	struct maglev_backend bes[20], rev[20];
	size_t i;

	make_backends(bes, 20);
	for (i = 0; i < 20; i++) {
		bes[i].weight = 1 + i % 4;
		rev[19 - i] = bes[i];
	}
	CHECK(maglev_build(bes, 20, SIZE, table_a) == 0, "build");
	CHECK(maglev_build(bes, 20, SIZE, table_b) == 0, "build again");
	CHECK(memcmp(table_a, table_b, sizeof(table_a)) == 0, "two builds differ");
	/* every node must agree, whatever order its configuration lists the backends in */
	CHECK(maglev_build(rev, 20, SIZE, table_b) == 0, "build reversed");
	CHECK(memcmp(table_a, table_b, sizeof(table_a)) == 0,
	      "order of the input changed the table");
	return true;
}

static bool test_key(void)
{
	uint8_t a4[4] = { 198, 18, 0, 1 }, b4[4] = { 198, 18, 0, 2 };
	uint8_t a6[16] = { 0x20, 0x01, 0, 2 }, b6[16];

	CHECK(maglev_key(a4, 4, 80) == maglev_key(a4, 4, 80), "same input, different keys");
	CHECK(maglev_key(a4, 4, 80) != maglev_key(b4, 4, 80), "address ignored");
	CHECK(maglev_key(a4, 4, 80) != maglev_key(a4, 4, 81), "port ignored");
	CHECK(maglev_key(a4, 4, 0) != maglev_key(a6, 16, 0), "v4 and v6 collide");
	/* two v6 addresses that differ in their last byte only */
	memcpy(b6, a6, sizeof(b6));
	b6[15] = 1;
	CHECK(maglev_key(a6, 16, 0) != maglev_key(b6, 16, 0), "last v6 byte ignored");
	return true;
}

static bool test_bad_input(void)
{
	struct maglev_backend bes[3];

	make_backends(bes, 3);
	CHECK(maglev_build(bes, 3, 65536, table_a) == -EINVAL, "non-prime size accepted");
	CHECK(maglev_build(bes, 3, 0, table_a) == -EINVAL, "size 0 accepted");
	CHECK(maglev_build(bes, 3, 1, table_a) == -EINVAL, "size 1 accepted");
	CHECK(maglev_build(bes, 3, 3, table_a) == -EINVAL, "size not above the backend count");
	CHECK(maglev_build(bes, 0, SIZE, table_a) == -EINVAL, "zero backends accepted");
	CHECK(maglev_build(NULL, 0, SIZE, table_a) == -EINVAL, "NULL backends accepted");
	CHECK(maglev_build(bes, 3, SIZE, NULL) == -EINVAL, "NULL table accepted");
	bes[0].weight = bes[1].weight = bes[2].weight = 0;
	CHECK(maglev_build(bes, 3, SIZE, table_a) == -EINVAL, "all weights zero accepted");
	make_backends(bes, 3);
	CHECK(maglev_build(bes, 3, 5, table_a) == 0, "small prime refused");
	return true;
}

static bool test_is_prime(void)
{
	static const uint32_t primes[] = { 2, 3, 5, 13, 251, 65537, 1000003, 4294967291u };
	static const uint32_t others[] = { 0, 1, 4, 9, 15, 65535, 65536, 1000001, 4294967295u };
	size_t i;

	for (i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		CHECK(maglev_is_prime(primes[i]), "%u is prime", primes[i]);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CHECK(!maglev_is_prime(others[i]), "%u is not prime", others[i]);
	return true;
}

int main(void)
{
	RUN(test_is_prime);
	RUN(test_key);
	RUN(test_bad_input);
	RUN(test_balance_3);
	RUN(test_balance_10);
	RUN(test_balance_100);
	RUN(test_weights_1_2_3);
	RUN(test_weights_uneven);
	RUN(test_weight_zero_left_out);
	RUN(test_remove_of_3);
	RUN(test_remove_of_10);
	RUN(test_remove_of_30);
	RUN(test_remove_of_100);
	RUN(test_add_to_3);
	RUN(test_add_to_10);
	RUN(test_add_to_29);
	RUN(test_add_to_99);
	RUN(test_deterministic);
	return check_summary();
}
