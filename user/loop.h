/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one event loop of xlbd, xlb-backend and xlb-load: epoll for file descriptors, one
 * timerfd driven by a min-heap of timers (milliseconds, CLOCK_MONOTONIC), one signalfd for
 * signals. Single-threaded; every callback runs on the loop and must not block.
 */
#ifndef XLB_LOOP_H
#define XLB_LOOP_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct loop_timer;

typedef void (*loop_fd_cb)(struct loop *loop, int fd, uint32_t events, void *arg);
typedef void (*loop_timer_cb)(struct loop *loop, struct loop_timer *timer, void *arg);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *arg);

/* Embedded in its owner, so arming needs no allocation past the heap's growth and disarming
 * is always safe. Zero-initialised (or loop_timer_init) means disarmed.
 */
struct loop_timer {
	uint64_t due;	 /* loop_now() at which it fires */
	uint64_t period; /* ms between firings, 0 for one-shot */
	uint64_t seq;	 /* arming order: equal due times fire first-armed first */
	long idx;	 /* index in the heap + 1, 0 when disarmed */
	loop_timer_cb cb;
	void *arg;
};

/* Milliseconds of CLOCK_MONOTONIC: the `now` every decision function takes. */
uint64_t loop_now(void);

int loop_new(struct loop **out);
/* Closes the loop's own fds, unblocks the signals it blocked; callers' fds stay open. */
void loop_free(struct loop *loop);

/* events are EPOLLIN/EPOLLOUT/...; one callback per fd. -EEXIST when fd is already added. */
int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_fd_mod(struct loop *loop, int fd, uint32_t events);
/* Safe from any callback, including for an fd whose event is pending in the same batch: that
 * event is dropped. Call it before close(fd). -ENOENT when fd was not added.
 */
int loop_fd_del(struct loop *loop, int fd);
/* Takes fd out of the epoll set's interest for delay_ms, then restores its events (those of a
 * loop_fd_mod in between included). For a listener whose accept4 fails with EMFILE or ENFILE:
 * the connection stays queued and the fd readable, so a level-triggered loop would call it
 * again at once, forever. Pausing a paused fd keeps the first pause. -ENOENT when not added.
 */
int loop_fd_pause(struct loop *loop, int fd, uint64_t delay_ms);
bool loop_fd_paused(struct loop *loop, int fd);
/* accept4's errnos that say "no file descriptor or memory now" rather than "no client" */
#define LOOP_ACCEPT_PAUSE_MS 250
static inline bool loop_accept_short(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}
/* Takes one connection from the non-blocking listener lfd, non-blocking and close-on-exec,
 * and returns its fd. Skips connections aborted before they were taken. Returns -EAGAIN when
 * none is waiting; for an errno that loop_accept_short names it pauses lfd for
 * LOOP_ACCEPT_PAUSE_MS (loop_fd_pause) and returns it negated; any other error negated.
 */
int loop_accept(struct loop *loop, int lfd);
/* loop_accept for a server that logs, who naming it ("api: accept on PATH"): the first
 * shortage of a burst at warn level, counted in *fd_short, and the first accept after it at
 * info level with that count. Returns the fd, or a negative errno when there is none to take
 * now (-EAGAIN, a shortage, or another error, logged).
 */
int loop_accept_logged(struct loop *loop, int lfd, const char *who, unsigned long *fd_short);
/* Writes buf[*off..len) to a non-blocking socket as far as it takes it, moving *off. Returns
 * 1 when all is out, 0 when the socket is full (wait for EPOLLOUT), -errno when the peer is
 * gone or the send failed. SIGPIPE is never raised.
 */
/* The socket address of family (AF_INET or AF_INET6) with addr (4 or 16 bytes, network order)
 * and port, zeroed around; its length in *len.
 */
void loop_sockaddr(int family, const void *addr, uint16_t port, struct sockaddr_storage *ss,
		   socklen_t *len);
/* The same from a numeric address of family; -EINVAL when text is not one. */
int loop_sockaddr_parse(int family, const char *text, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len);
int loop_send_pending(int fd, const char *buf, size_t len, size_t *off);

void loop_timer_init(struct loop_timer *timer);
/* Fires cb after delay_ms, then every period_ms if period_ms > 0. Re-arming an armed timer
 * moves it. A periodic timer is re-armed before its callback runs, so the callback may disarm
 * it or free its owner (after disarming). Returns 0 or -ENOMEM.
 */
int loop_timer_arm(struct loop *loop, struct loop_timer *timer, uint64_t delay_ms,
		   uint64_t period_ms, loop_timer_cb cb, void *arg);
/* Idempotent. */
void loop_timer_disarm(struct loop *loop, struct loop_timer *timer);
bool loop_timer_armed(const struct loop_timer *timer);

/* Blocks signo for the process and delivers it through the signalfd to cb. */
int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *arg);

/* Runs until loop_stop; returns 0, or -errno when epoll itself fails. */
int loop_run(struct loop *loop);
/* Makes loop_run return once the current callback is done. */
void loop_stop(struct loop *loop);
/* One round: waits up to timeout_ms (-1 forever) for events and dispatches them. For tests and
 * for callers that interleave their own work. Returns the number of callbacks run or -errno.
 */
int loop_run_once(struct loop *loop, int timeout_ms);

#endif /* XLB_LOOP_H */
