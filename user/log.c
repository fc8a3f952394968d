// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* A small logger: each message goes out in one writev(2), so lines from several processes
 * sharing stderr (the lab, the tests) do not interleave mid-line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include <bpf/libbpf.h>

#include "log.h"

static enum log_level log_level = LOG_LEVEL_INFO;
static const char *log_prefix;

/* indexed by enum log_level */
static const char *const log_names[] = {
	"error", "warn", "info", "debug", "trace",
};

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char head[128], *msg = NULL;
	struct iovec iov[3];
	size_t hlen = 0, mlen;
	int saved = errno, n;

	if (level > log_level)
		return;
	/* info is the normal voice; the other levels say what they are */
	n = snprintf(head + hlen, sizeof(head) - hlen, "%s%s%s%s", log_prefix ? log_prefix : "",
		     log_prefix ? ": " : "", level != LOG_LEVEL_INFO ? log_names[level] : "",
		     level != LOG_LEVEL_INFO ? ": " : "");
	hlen += n > 0 ? (size_t)n : 0;
	if (hlen >= sizeof(head))
		hlen = sizeof(head) - 1;
	/* allocated, not a fixed buffer: libbpf hands over whole verifier logs, whose end matters */
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
		mlen = 0;
	} else {
		mlen = strlen(msg);
	}
	while (mlen && msg[mlen - 1] == '\n') /* libbpf ends its messages with one */
		mlen--;
	iov[0] = (struct iovec){ .iov_base = head, .iov_len = hlen };
	iov[1] = (struct iovec){ .iov_base = msg ? msg : (char *)"(no memory for the message)",
				 .iov_len = msg ? mlen : 27 };
	iov[2] = (struct iovec){ .iov_base = (char *)"\n", .iov_len = 1 };
	if (writev(STDERR_FILENO, iov, 3) < 0) {
		/* nowhere left to report it */
	}
	free(msg);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int log_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level ours;

	switch (level) {
	case LIBBPF_WARN:
		ours = LOG_LEVEL_INFO;
		break;
	case LIBBPF_INFO:
		ours = LOG_LEVEL_DEBUG;
		break;
	default:
		ours = LOG_LEVEL_TRACE;
		break;
	}
	log_vmsg(ours, fmt, ap);
	return 0;
}

void log_libbpf_setup(void)
{
	libbpf_set_print(log_libbpf_print);
}
