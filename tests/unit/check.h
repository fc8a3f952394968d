/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The test protocol shared by tests/unit, tests/root and tests/bpf: each case prints one line,
 * "PASS name", "FAIL name: why" or "SKIP name: why", which tests/run.sh counts. A case is a
 * function returning bool. Every failed assertion says where (file:line), what (the
 * expression, and the values for the _INT and _STR forms) and, when given, a message:
 *   CHECK(cond[, fmt, ...])       the case holds nothing to release: return false at once
 *   ENSURE(cond[, fmt, ...])      the case ends in an `out:` label that releases what it holds:
 *                                 mark the case failed and jump there; the case fails whatever
 *                                 it returns afterwards
 *   CHECK_INT(a, op, b), CHECK_STR(a, b), ENSURE_INT(a, op, b), ENSURE_STR(a, b)
 *                                 compare and print both sides
 */
#ifndef XLB_CHECK_H
#define XLB_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int check_npass, check_nfail, check_nskip;
static const char *check_skip_reason;
static bool check_failed; /* an ENSURE failed in the running case */

__attribute__((format(printf, 4, 5))) static inline void
check_report(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	printf("  %s:%d: check failed: %s", file, line, expr);
	if (fmt[2]) { /* more than the ": " that CHECK_FAIL_ puts first */
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
}

/* The message, when there is one, is a format string literal; ": " before it makes it
 * optional (and never an empty format, which -Wformat refuses).
 */
#define CHECK_FAIL_(cond, action, ...)                                             \
	do {                                                                       \
		if (!(cond)) {                                                     \
			check_report(__FILE__, __LINE__, #cond, ": " __VA_ARGS__); \
			action;                                                    \
		}                                                                  \
	} while (0)

#define CHECK(cond, ...) CHECK_FAIL_(cond, return false, __VA_ARGS__)
#define ENSURE(cond, ...) CHECK_FAIL_(cond, check_failed = true; goto out, __VA_ARGS__)

#define CHECK_INT_(a, op, b, action)                                                               \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (!(a_ op b_)) {                                                                 \
			check_report(__FILE__, __LINE__, #a " " #op " " #b, ": %lld against %lld", \
				     a_, b_);                                                      \
			action;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_STR_(a, b, action)                                                                  \
	do {                                                                                      \
		const char *a_ = (a), *b_ = (b);                                                  \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                               \
			check_report(__FILE__, __LINE__, #a " == " #b, ": \"%s\" against \"%s\"", \
				     a_ ? a_ : "(null)", b_ ? b_ : "(null)");                     \
			action;                                                                   \
		}                                                                                 \
	} while (0)

#define CHECK_INT(a, op, b) CHECK_INT_(a, op, b, return false)
#define CHECK_STR(a, b) CHECK_STR_(a, b, return false)
#define ENSURE_INT(a, op, b) CHECK_INT_(a, op, b, check_failed = true; goto out)
#define ENSURE_STR(a, b) CHECK_STR_(a, b, check_failed = true; goto out)

/* Inside a case: give up on it with a reason, counted as skipped. */
#define SKIP(reason)                          \
	do {                                  \
		check_skip_reason = (reason); \
		return false;                 \
	} while (0)

static inline void check_run(const char *name, bool (*fn)(void))
{
	check_skip_reason = NULL;
	check_failed = false;
	bool ok = fn() && !check_failed;

	if (check_skip_reason && !check_failed) {
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
