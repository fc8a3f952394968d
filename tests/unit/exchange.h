/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A raw stream client for the unit tests' servers (the API's Unix socket, the metrics' TCP
 * port): one request out, the whole answer in, whatever the bytes are.
 */
#ifndef XLB_TEST_EXCHANGE_H
#define XLB_TEST_EXCHANGE_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

/* Connects to sa, sends len bytes of buf (a peer that stops reading ends the sending), then
 * reads to EOF into out, NUL-ended; 3 s at most for each send and read. The number of bytes
 * read, or -1 when the socket or the connection fails.
 */
static inline ssize_t exchange(const struct sockaddr *sa, socklen_t salen, const char *buf,
			       size_t len, char *out, size_t out_len)
{
	struct timeval tv = { .tv_sec = 3 };
	size_t off = 0, got = 0;
	int fd = socket(sa->sa_family, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, sa, salen)) {
		close(fd);
		return -1;
	}
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	while (got + 1 < out_len) {
		ssize_t n = recv(fd, out + got, out_len - got - 1, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(fd);
	return (ssize_t)got;
}

#endif
