// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* How long user/maglev.c takes to build a table, for `make bench`: the median and the slowest
 * of RUNS builds of 65537 slots for 100 backends, built with the normal flags (no sanitizers),
 * beside the 50 ms that a reload may spend on one table. A figure, not a test: it never fails
 * on time, only when a build fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "maglev.h"

#define SIZE 65537
#define NBE 100
#define RUNS 21
#define BUDGET_MS 50.0

static uint32_t table[SIZE];

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	struct maglev_backend bes[NBE];
	double ms[RUNS], t0;
	int i;

	for (i = 0; i < NBE; i++) {
		uint8_t addr[4] = { 198, 18, 1, (uint8_t)i };

		bes[i].id = 100 + i;
		bes[i].weight = 1;
		bes[i].key = maglev_key(addr, sizeof(addr), 8080);
	}
	for (i = 0; i < RUNS; i++) {
		t0 = now_ms();
		if (maglev_build(bes, NBE, SIZE, table)) {
			fprintf(stderr, "bench_maglev: maglev_build failed\n");
			return 1;
		}
		ms[i] = now_ms() - t0;
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_double);
	printf("maglev build, %d slots, %d backends, %d runs: median %.2f ms, slowest %.2f ms "
	       "(budget %.0f ms)\n",
	       SIZE, NBE, RUNS, ms[RUNS / 2], ms[RUNS - 1], BUDGET_MS);
	return 0;
}
