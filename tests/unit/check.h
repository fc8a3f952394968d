/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The test protocol shared by tests/unit and tests/bpf: each case prints one line,
 * "PASS name", "FAIL name: why" or "SKIP name: why", which tests/run.sh counts. A case is a
 * function returning bool; CHECK logs where and why it failed and returns false.
 */
#ifndef XLB_CHECK_H
#define XLB_CHECK_H

#include <stdbool.h>
#include <stdio.h>

static int check_npass, check_nfail, check_nskip;
static const char *check_skip_reason;

#define CHECK(cond, ...)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			printf("  %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                                              \
			printf("\n");                                                     \
			return false;                                                     \
		}                                                                         \
	} while (0)

/* Inside a case: give up on it with a reason, counted as skipped. */
#define SKIP(reason)                          \
	do {                                  \
		check_skip_reason = (reason); \
		return false;                 \
	} while (0)

static inline void check_run(const char *name, bool (*fn)(void))
{
	check_skip_reason = NULL;
	bool ok = fn();

	if (check_skip_reason) {
		printf("SKIP %s: %s\n", name, check_skip_reason);
		check_nskip++;
	} else if (ok) {
		printf("PASS %s\n", name);
		check_npass++;
	} else {
		printf("FAIL %s\n", name);
		check_nfail++;
	}
	fflush(stdout);
}

#define RUN(fn) check_run(#fn, fn)

/* The last line of a test binary; its exit code is 1 when a case failed. */
static inline int check_summary(void)
{
	printf("%d passed, %d failed", check_npass, check_nfail);
	if (check_nskip)
		printf(", %d skipped", check_nskip);
	printf("\n");
	return check_nfail ? 1 : 0;
}

#endif /* XLB_CHECK_H */
