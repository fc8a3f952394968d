// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The event loop: one epoll set; timers in a binary min-heap whose earliest entry arms one
 * timerfd; signals read from one signalfd. Entries removed during a round are kept until the
 * round ends, so an event already returned by epoll never reaches freed memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "log.h"
#include "loop.h"

#define LOOP_BATCH 64
#define LOOP_NO_DUE UINT64_MAX

struct loop_fdent {
	int fd;
	bool dead;
	uint32_t events; /* what the caller asked for, restored when a pause ends */
	loop_fd_cb cb;
	void *arg;
	struct loop_timer pause; /* armed while the fd is out of the epoll set's interest */
	struct loop_fdent *next_dead;
};

struct loop_sig {
	loop_signal_cb cb;
	void *arg;
};

struct loop {
	int epfd;
	int tfd;
	int sfd;
	bool stop;

	struct loop_fdent **fds; /* indexed by fd */
	size_t nfds;
	struct loop_fdent *graveyard;

	struct loop_timer **heap;
	size_t heap_len, heap_cap;
	uint64_t seq;
	uint64_t tfd_due; /* what the timerfd is armed for, LOOP_NO_DUE when unknown or idle */

	sigset_t sigmask; /* the signals we block and read */
	sigset_t oldmask; /* the mask before our first loop_signal_add */
	bool sigs_blocked;
	struct loop_sig sigs[_NSIG];
};

uint64_t loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- file descriptors ---- */

static struct loop_fdent *loop_fd_find(struct loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nfds)
		return NULL;
	return loop->fds[fd];
}

int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_fdent *ent;

	if (fd < 0 || !cb)
		return -EINVAL;
	if (loop_fd_find(loop, fd))
		return -EEXIST;
	if ((size_t)fd >= loop->nfds) {
		size_t n = loop->nfds ? loop->nfds : 64;
		struct loop_fdent **fds;

		while (n <= (size_t)fd)
			n *= 2;
		fds = realloc(loop->fds, n * sizeof(*fds));
		if (!fds)
			return -ENOMEM;
		memset(fds + loop->nfds, 0, (n - loop->nfds) * sizeof(*fds));
		loop->fds = fds;
		loop->nfds = n;
	}
	ent = calloc(1, sizeof(*ent));
	if (!ent)
		return -ENOMEM;
	ent->fd = fd;
	ent->events = events;
	ent->cb = cb;
	ent->arg = arg;
	ev.data.ptr = ent;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(ent);
		return err;
	}
	loop->fds[fd] = ent;
	return 0;
}

int loop_fd_mod(struct loop *loop, int fd, uint32_t events)
{
	struct loop_fdent *ent = loop_fd_find(loop, fd);
	struct epoll_event ev = { .events = events };

	if (!ent)
		return -ENOENT;
	ent->events = events;
	/* a paused fd takes its new events when the pause ends */
	if (loop_timer_armed(&ent->pause))
		return 0;
	ev.data.ptr = ent;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static void loop_fd_resume(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct loop_fdent *ent = arg;
	struct epoll_event ev = { .events = ent->events, .data.ptr = ent };

	(void)timer;
	epoll_ctl(loop->epfd, EPOLL_CTL_MOD, ent->fd, &ev);
}

int loop_fd_pause(struct loop *loop, int fd, uint64_t delay_ms)
{
	struct loop_fdent *ent = loop_fd_find(loop, fd);
	struct epoll_event ev = { .events = 0 };

	if (!ent)
		return -ENOENT;
	if (loop_timer_armed(&ent->pause))
		return 0;
	ev.data.ptr = ent;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return loop_timer_arm(loop, &ent->pause, delay_ms, 0, loop_fd_resume, ent);
}

bool loop_fd_paused(struct loop *loop, int fd)
{
	struct loop_fdent *ent = loop_fd_find(loop, fd);

	return ent && loop_timer_armed(&ent->pause);
}

int loop_fd_del(struct loop *loop, int fd)
{
	struct loop_fdent *ent = loop_fd_find(loop, fd);

	if (!ent)
		return -ENOENT;
	/* an fd closed behind our back is already gone from the epoll set: ignore EBADF */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop_timer_disarm(loop, &ent->pause);
	loop->fds[fd] = NULL;
	ent->dead = true;
	ent->next_dead = loop->graveyard;
	loop->graveyard = ent;
	return 0;
}

static void loop_bury(struct loop *loop)
{
	while (loop->graveyard) {
		struct loop_fdent *ent = loop->graveyard;

		loop->graveyard = ent->next_dead;
		free(ent);
	}
}

/* ---- timers: a min-heap ordered by (due, seq) ---- */

static bool loop_timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void loop_heap_set(struct loop *loop, size_t i, struct loop_timer *t)
{
	loop->heap[i] = t;
	t->idx = (long)i + 1;
}

static void loop_heap_up(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!loop_timer_before(t, loop->heap[parent]))
			break;
		loop_heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	loop_heap_set(loop, i, t);
}

static void loop_heap_down(struct loop *loop, size_t i)
{
	struct loop_timer *t = loop->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct loop_timer *least = t;

		if (l < loop->heap_len && loop_timer_before(loop->heap[l], least)) {
			m = l;
			least = loop->heap[l];
		}
		if (r < loop->heap_len && loop_timer_before(loop->heap[r], least))
			m = r;
		if (m == i)
			break;
		loop_heap_set(loop, i, loop->heap[m]);
		i = m;
	}
	loop_heap_set(loop, i, t);
}

static void loop_heap_remove(struct loop *loop, struct loop_timer *t)
{
	size_t i = (size_t)(t->idx - 1);
	struct loop_timer *last = loop->heap[--loop->heap_len];

	t->idx = 0;
	if (i == loop->heap_len)
		return;
	loop_heap_set(loop, i, last);
	/* the moved entry may belong above or below its new place */
	if (i > 0 && loop_timer_before(last, loop->heap[(i - 1) / 2]))
		loop_heap_up(loop, i);
	else
		loop_heap_down(loop, i);
}

/* Needs room: callers either grew the heap or just removed an entry. */
static void loop_heap_push(struct loop *loop, struct loop_timer *t)
{
	t->seq = ++loop->seq;
	loop->heap[loop->heap_len++] = t;
	loop_heap_up(loop, loop->heap_len - 1);
}

void loop_timer_init(struct loop_timer *timer)
{
	memset(timer, 0, sizeof(*timer));
}

bool loop_timer_armed(const struct loop_timer *timer)
{
	return timer->idx != 0;
}

void loop_timer_disarm(struct loop *loop, struct loop_timer *timer)
{
	if (timer->idx)
		loop_heap_remove(loop, timer);
}

int loop_timer_arm(struct loop *loop, struct loop_timer *timer, uint64_t delay_ms,
		   uint64_t period_ms, loop_timer_cb cb, void *arg)
{
	if (!cb)
		return -EINVAL;
	loop_timer_disarm(loop, timer);
	if (loop->heap_len == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct loop_timer **heap = realloc(loop->heap, cap * sizeof(*heap));

		if (!heap)
			return -ENOMEM;
		loop->heap = heap;
		loop->heap_cap = cap;
	}
	timer->due = loop_now() + delay_ms;
	timer->period = period_ms;
	timer->cb = cb;
	timer->arg = arg;
	loop_heap_push(loop, timer);
	return 0;
}

/* Fires the timers due by now that were armed before this round began: one armed (or re-armed)
 * from a callback with delay 0 waits for the next round, so a round always ends.
 */
static int loop_run_timers(struct loop *loop)
{
	uint64_t now = loop_now(), last_seq = loop->seq;
	int ran = 0;

	while (loop->heap_len && !loop->stop) {
		struct loop_timer *t = loop->heap[0];

		if (t->due > now || t->seq > last_seq)
			break;
		loop_heap_remove(loop, t);
		if (t->period) {
			/* missed periods are skipped, not fired in a burst */
			t->due += t->period;
			if (t->due <= now)
				t->due = now + t->period;
			loop_heap_push(loop, t);
		}
		t->cb(loop, t, t->arg);
		ran++;
	}
	return ran;
}

static int loop_timerfd_arm(struct loop *loop)
{
	struct itimerspec its = { 0 };
	uint64_t due = loop->heap_len ? loop->heap[0]->due : LOOP_NO_DUE;

	if (due == loop->tfd_due)
		return 0;
	if (due != LOOP_NO_DUE) {
		its.it_value.tv_sec = due / 1000;
		its.it_value.tv_nsec = (due % 1000) * 1000000;
		/* an all-zero it_value would disarm rather than fire */
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	loop->tfd_due = due;
	return 0;
}

static void loop_on_timerfd(struct loop *loop, int fd, uint32_t events, void *arg)
{
	uint64_t expirations;

	/* the due timers run at the end of the round; this only clears the fd */
	if (read(fd, &expirations, sizeof(expirations)) < 0) {
		/* EAGAIN: already consumed */
	}
	loop->tfd_due = LOOP_NO_DUE;
}

/* ---- signals ---- */

static void loop_on_signalfd(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo < _NSIG && loop->sigs[si.ssi_signo].cb)
			loop->sigs[si.ssi_signo].cb(loop, (int)si.ssi_signo,
						    loop->sigs[si.ssi_signo].arg);
		if (loop->stop)
			break;
	}
}

int loop_signal_add(struct loop *loop, int signo, loop_signal_cb cb, void *arg)
{
	sigset_t mask;
	int fd, err;

	if (signo <= 0 || signo >= _NSIG || !cb)
		return -EINVAL;
	mask = loop->sigmask;
	sigaddset(&mask, signo);
	/* the signal must be blocked, else its default action runs instead of the signalfd */
	if (sigprocmask(SIG_BLOCK, &mask, loop->sigs_blocked ? NULL : &loop->oldmask) < 0)
		return -errno;
	loop->sigs_blocked = true;
	fd = signalfd(loop->sfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (loop->sfd < 0) {
		err = loop_fd_add(loop, fd, EPOLLIN, loop_on_signalfd, NULL);
		if (err) {
			close(fd);
			return err;
		}
		loop->sfd = fd;
	}
	loop->sigmask = mask;
	loop->sigs[signo] = (struct loop_sig){ .cb = cb, .arg = arg };
	return 0;
}

/* ---- the loop ---- */

int loop_new(struct loop **out)
{
	struct loop *loop;
	int err;

	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->epfd = loop->tfd = loop->sfd = -1;
	loop->tfd_due = LOOP_NO_DUE;
	sigemptyset(&loop->sigmask);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		err = -errno;
		goto fail;
	}
	loop->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->tfd < 0) {
		err = -errno;
		goto fail;
	}
	err = loop_fd_add(loop, loop->tfd, EPOLLIN, loop_on_timerfd, NULL);
	if (err)
		goto fail;
	*out = loop;
	return 0;
fail:
	loop_free(loop);
	return err;
}

void loop_free(struct loop *loop)
{
	size_t i;

	if (!loop)
		return;
	if (loop->sfd >= 0) {
		struct signalfd_siginfo si;

		/* take the pending ones first: unblocked, they would run their default action */
		while (read(loop->sfd, &si, sizeof(si)) == sizeof(si))
			;
		close(loop->sfd);
	}
	if (loop->sigs_blocked)
		sigprocmask(SIG_SETMASK, &loop->oldmask, NULL);
	for (i = 0; i < loop->heap_len; i++)
		loop->heap[i]->idx = 0;
	free(loop->heap);
	for (i = 0; i < loop->nfds; i++)
		free(loop->fds[i]);
	free(loop->fds);
	loop_bury(loop);
	if (loop->tfd >= 0)
		close(loop->tfd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop);
}

int loop_run_once(struct loop *loop, int timeout_ms)
{
	struct epoll_event evs[LOOP_BATCH];
	int n, i, ran = 0, err;

	loop->stop = false;
	if (loop->heap_len && loop->heap[0]->due <= loop_now()) {
		timeout_ms = 0;
	} else {
		err = loop_timerfd_arm(loop);
		if (err)
			return err;
	}
	n = epoll_wait(loop->epfd, evs, LOOP_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n && !loop->stop; i++) {
		struct loop_fdent *ent = evs[i].data.ptr;

		if (ent->dead)
			continue;
		ent->cb(loop, ent->fd, evs[i].events, ent->arg);
		ran++;
	}
	if (!loop->stop)
		ran += loop_run_timers(loop);
	loop_bury(loop);
	return ran;
}

int loop_run(struct loop *loop)
{
	int ret;

	/* loop_run_once clears the stop flag when it starts, and a callback sets it */
	do {
		ret = loop_run_once(loop, -1);
	} while (ret >= 0 && !loop->stop);
	loop->stop = false;
	return ret < 0 ? ret : 0;
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

int loop_accept(struct loop *loop, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), err = errno;

		if (fd >= 0)
			return fd;
		if (err == EINTR || err == ECONNABORTED)
			continue;
		if (err == EWOULDBLOCK)
			return -EAGAIN;
		/* the connection stays queued and lfd readable: without a pause a
		 * level-triggered loop would call back at once, forever
		 */
		if (loop_accept_short(err))
			loop_fd_pause(loop, lfd, LOOP_ACCEPT_PAUSE_MS);
		return -err;
	}
}

int loop_accept_logged(struct loop *loop, int lfd, const char *who, unsigned long *fd_short)
{
	int fd = loop_accept(loop, lfd);

	if (fd < 0) {
		if (loop_accept_short(-fd)) {
			/* the client stays queued: loop_accept paused the listener */
			if (!(*fd_short)++)
				log_warn("%s: %s; listener paused %d ms at a time until a file "
					 "descriptor is free",
					 who, strerror(-fd), LOOP_ACCEPT_PAUSE_MS);
		} else if (fd != -EAGAIN) {
			log_warn("%s: %s", who, strerror(-fd));
		}
		return fd;
	}
	if (*fd_short) {
		log_info("%s: accepting again (%lu accepts paused for want of a file descriptor)",
			 who, *fd_short);
		*fd_short = 0;
	}
	return fd;
}

void loop_sockaddr(int family, const void *addr, uint16_t port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, sizeof(sin6->sin6_addr));
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, sizeof(sin->sin_addr));
		*len = sizeof(*sin);
	}
}

int loop_sockaddr_parse(int family, const char *text, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if ((family != AF_INET && family != AF_INET6) || inet_pton(family, text, bin) != 1)
		return -EINVAL;
	loop_sockaddr(family, bin, port, ss, len);
	return 0;
}

int loop_send_pending(int fd, const char *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		*off += (size_t)n;
	}
	return 1;
}
