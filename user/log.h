/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one logger of xlbd and the tools: one line per message on stderr, a level below which
 * messages are dropped, an optional prefix. libbpf's messages come in one level quieter.
 */
#ifndef XLB_LOG_H
#define XLB_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Not LOG_INFO and friends: syslog.h owns those names. */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_TRACE, /* libbpf's debug output: the verifier's chatter, relocations */
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Starts every line, e.g. the program's name; NULL for none. The string must outlive its use. */
void log_set_prefix(const char *prefix);
/* Routes libbpf's messages into this log, one level quieter (libbpf_set_print). */
void log_libbpf_setup(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* XLB_LOG_H */
