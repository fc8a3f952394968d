/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Prometheus metrics over HTTP: a small non-blocking HTTP/1.1 server on the event loop that
 * answers GET (and HEAD) /metrics with text a callback writes in the text exposition format
 * (version 0.0.4), and the helpers that write that format: HELP and TYPE lines, samples with
 * escaped label values. The same writer serves xlbctl's `metrics` verb.
 */
#ifndef XLB_PROMHTTP_H
#define XLB_PROMHTTP_H

#include <stddef.h>
#include <stdint.h>

struct loop;

/* Loopback only by default: the figures name every VIP and backend. The exporters' range
 * (9100-9999) is fully handed out on the Prometheus wiki, so 9469 is simply our pick; xlbd's
 * option moves it.
 */
#define PROMHTTP_ADDR_DEFAULT "127.0.0.1"
#define PROMHTTP_PORT_DEFAULT 9469
#define PROMHTTP_REQUEST_MAX 8192 /* request line and headers */
/* From accept to the request's blank line; then the reply has PROMHTTP_TIMEOUT_MS of its own. */
#define PROMHTTP_HEADER_TIMEOUT_MS 2000
#define PROMHTTP_TIMEOUT_MS 5000
/* Connections at once. When all are taken, a new one closes the oldest that has not sent its
 * whole request, so clients that connect and stay silent cannot keep a scraper out.
 */
#define PROMHTTP_CONN_MAX 16
#define PROMHTTP_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A growing text buffer. Errors are sticky (err), so a collector may write without checking
 * each call and the server answers 500 when err is set.
 */
struct promhttp_buf {
	char *data;
	size_t len, cap;
	int err;
};

void promhttp_buf_init(struct promhttp_buf *b);
void promhttp_buf_free(struct promhttp_buf *b);
void promhttp_printf(struct promhttp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum promhttp_type {
	PROMHTTP_COUNTER,
	PROMHTTP_GAUGE,
	PROMHTTP_UNTYPED,
};

/* "# HELP name help" and "# TYPE name type": once per metric family, before its samples. An
 * invalid metric name sets err to -EINVAL.
 */
void promhttp_family(struct promhttp_buf *b, const char *name, enum promhttp_type type,
		     const char *help);
/* One sample: name{label="value",...} value. The labels follow as name, value pairs ended by
 * NULL; values are escaped (\\, \", \n), names checked. A NULL value skips its label.
 */
#define PROMHTTP_END ((const char *)NULL) /* ends the labels: a typed null, as varargs want */
void promhttp_sample(struct promhttp_buf *b, const char *name, double value, ...)
	__attribute__((sentinel));
/* The same for counters past 2^53, which a double would round. */
void promhttp_sample_u64(struct promhttp_buf *b, const char *name, uint64_t value, ...)
	__attribute__((sentinel));

/* Writes every metric into b; runs on the loop for each scrape, so it must not block. */
typedef void (*promhttp_collect_fn)(struct promhttp_buf *b, void *ctx);

struct promhttp_server;

/* Listens on addr (an IPv4 or IPv6 literal; NULL for PROMHTTP_ADDR_DEFAULT) and port (0 for
 * one the kernel picks: see promhttp_server_port).
 */
int promhttp_server_new(struct loop *loop, const char *addr, uint16_t port,
			promhttp_collect_fn collect, void *ctx, struct promhttp_server **out);
void promhttp_server_free(struct promhttp_server *server);
uint16_t promhttp_server_port(const struct promhttp_server *server);
/* Parses "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (loopback) for a --metrics-address option. */
int promhttp_parse_address(const char *s, char *addr, size_t addr_len, uint16_t *port);

#endif /* XLB_PROMHTTP_H */
