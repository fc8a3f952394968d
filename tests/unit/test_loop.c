// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The event loop: timers fire in due order (ties first-armed first) and never early, periodic
 * timers repeat and can be disarmed from their callback, signals arrive through the signalfd,
 * fd callbacks run and a removed fd's pending event is dropped, a listener out of file
 * descriptors is paused rather than called back at once. Every run has a guard timer.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "check.h"
#include "loop.h"

#define GUARD_MS 3000

struct guard {
	struct loop_timer timer;
	bool fired;
};

static void guard_fire(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct guard *g = arg;

	g->fired = true;
	loop_stop(loop);
}

/* Runs the loop until a callback stops it or the guard does; false when the guard did. */
static bool run_guarded(struct loop *loop)
{
	struct guard g = { .fired = false };

	loop_timer_init(&g.timer);
	if (loop_timer_arm(loop, &g.timer, GUARD_MS, 0, guard_fire, &g))
		return false;
	if (loop_run(loop) < 0)
		return false;
	loop_timer_disarm(loop, &g.timer);
	return !g.fired;
}

struct order {
	int seen[16];
	uint64_t at[16];
	int n;
	int stop_after;
};

struct tagged {
	struct loop_timer timer;
	struct order *order;
	int tag;
	uint64_t armed;
	uint64_t delay;
};

static void order_fire(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct tagged *t = arg;
	struct order *o = t->order;

	if (o->n < 16) {
		o->seen[o->n] = t->tag;
		o->at[o->n] = loop_now();
	}
	if (++o->n == o->stop_after)
		loop_stop(loop);
}

static bool test_timers_in_order(void)
{
	static const uint64_t delays[] = { 60, 20, 40, 20, 0 };
	static const int expect[] = { 4, 1, 3, 2, 0 };
	struct order o = { .stop_after = 5 };
	struct tagged t[5];
	struct loop *loop;
	bool ok = true;
	int i;

	CHECK(loop_new(&loop) == 0, "loop_new");
	for (i = 0; i < 5; i++) {
		t[i] = (struct tagged){ .order = &o, .tag = i, .delay = delays[i] };
		loop_timer_init(&t[i].timer);
		t[i].armed = loop_now();
		CHECK(loop_timer_arm(loop, &t[i].timer, delays[i], 0, order_fire, &t[i]) == 0,
		      "arm");
		CHECK(loop_timer_armed(&t[i].timer), "armed");
	}
	ok = run_guarded(loop);
	loop_free(loop);
	CHECK(ok, "the guard fired: %d of 5 timers ran", o.n);
	CHECK(o.n == 5, "%d fired", o.n);
	for (i = 0; i < 5; i++) {
		struct tagged *x = &t[o.seen[i]];

		CHECK(o.seen[i] == expect[i], "position %d: timer %d, expected %d", i, o.seen[i],
		      expect[i]);
		CHECK(o.at[i] >= x->armed + x->delay, "timer %d fired %llu ms early", x->tag,
		      (unsigned long long)(x->armed + x->delay - o.at[i]));
		CHECK(!loop_timer_armed(&x->timer), "one-shot timer %d still armed", x->tag);
	}
	return true;
}

struct periodic {
	struct loop_timer timer;
	int count;
	uint64_t first, last;
};

static void periodic_fire(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct periodic *p = arg;

	if (!p->count++)
		p->first = loop_now();
	p->last = loop_now();
	if (p->count == 5) {
		/* disarming from its own callback: the loop re-armed it before calling */
		loop_timer_disarm(loop, timer);
		loop_stop(loop);
	}
}

static bool test_periodic(void)
{
	struct periodic p = { .count = 0 };
	struct loop *loop;
	uint64_t start;
	bool ok;

	CHECK(loop_new(&loop) == 0, "loop_new");
	loop_timer_init(&p.timer);
	start = loop_now();
	CHECK(loop_timer_arm(loop, &p.timer, 10, 15, periodic_fire, &p) == 0, "arm");
	ok = run_guarded(loop);
	CHECK(!loop_timer_armed(&p.timer), "disarmed from its callback");
	/* run a little longer: a disarmed periodic timer stays quiet */
	loop_run_once(loop, 50);
	loop_free(loop);
	CHECK(ok, "guard fired after %d firings", p.count);
	CHECK(p.count == 5, "%d firings", p.count);
	CHECK(p.first >= start + 10, "first after %llu ms", (unsigned long long)(p.first - start));
	/* the periods run from the first due time, not from a late firing: the fifth is due at
	 * 10 + 4 * 15 ms, and a first firing made late by a busy machine does not move it
	 */
	CHECK(p.last >= start + 10 + 4 * 15, "5 firings within %llu ms of the start",
	      (unsigned long long)(p.last - start));
	return true;
}

struct canceller {
	struct loop_timer a, b, stopper;
	int a_fired, b_fired;
};

static void cancel_a(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct canceller *c = arg;

	c->a_fired++;
	/* b is due in the same round: disarming it here must keep it from firing */
	loop_timer_disarm(loop, &c->b);
}

static void cancel_b(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct canceller *c = arg;

	c->b_fired++;
}

static void stop_now(struct loop *loop, struct loop_timer *timer, void *arg)
{
	loop_stop(loop);
}

static bool test_disarm_and_rearm(void)
{
	struct canceller c = { .a_fired = 0 };
	struct loop *loop;
	bool ok;

	CHECK(loop_new(&loop) == 0, "loop_new");
	loop_timer_init(&c.a);
	loop_timer_init(&c.b);
	loop_timer_init(&c.stopper);
	CHECK(loop_timer_arm(loop, &c.a, 10, 0, cancel_a, &c) == 0, "arm a");
	CHECK(loop_timer_arm(loop, &c.b, 10, 0, cancel_b, &c) == 0, "arm b");
	/* re-arming moves a timer: the stopper first at 5 ms, then moved to 40 ms */
	CHECK(loop_timer_arm(loop, &c.stopper, 5, 0, stop_now, &c) == 0, "arm stopper");
	CHECK(loop_timer_arm(loop, &c.stopper, 40, 0, stop_now, &c) == 0, "re-arm stopper");
	loop_timer_disarm(loop, &c.stopper);
	loop_timer_disarm(loop, &c.stopper); /* idempotent */
	CHECK(loop_timer_arm(loop, &c.stopper, 40, 0, stop_now, &c) == 0, "arm stopper again");
	ok = run_guarded(loop);
	loop_free(loop);
	CHECK(ok, "guard fired");
	CHECK(c.a_fired == 1, "a fired %d times", c.a_fired);
	CHECK(c.b_fired == 0, "b fired after being disarmed");
	return true;
}

struct heapy {
	struct loop_timer t[200];
	int fired[200];
	int n;
	uint64_t last_due;
	bool in_order;
};

static void heapy_fire(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct heapy *h = arg;
	int i = (int)(timer - h->t);

	h->fired[i]++;
	if (timer->due < h->last_due)
		h->in_order = false;
	h->last_due = timer->due;
	if (++h->n == 100)
		loop_stop(loop);
}

/* Many timers armed out of order, half disarmed: the heap gives the rest in order. */
static bool test_many_timers(void)
{
	static struct heapy h;
	struct loop *loop;
	bool ok;
	int i;

	memset(&h, 0, sizeof(h));
	h.in_order = true;
	CHECK(loop_new(&loop) == 0, "loop_new");
	for (i = 0; i < 200; i++) {
		int k = (i * 37) % 200; /* a permutation of 0..199 */

		loop_timer_init(&h.t[k]);
		CHECK(loop_timer_arm(loop, &h.t[k], 5 + k / 4, 0, heapy_fire, &h) == 0, "arm");
	}
	for (i = 1; i < 200; i += 2)
		loop_timer_disarm(loop, &h.t[i]);
	ok = run_guarded(loop);
	loop_free(loop);
	CHECK(ok, "guard fired after %d", h.n);
	for (i = 0; i < 200; i++)
		CHECK(h.fired[i] == (i % 2 == 0), "timer %d fired %d times", i, h.fired[i]);
	CHECK(h.n == 100, "%d fired", h.n);
	CHECK(h.in_order, "a timer fired before one due earlier");
	return true;
}

struct sigstate {
	int signo;
	int count;
};

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct sigstate *s = arg;

	s->signo = signo;
	s->count++;
	loop_stop(loop);
}

static void raise_usr1(struct loop *loop, struct loop_timer *timer, void *arg)
{
	raise(SIGUSR1);
}

static bool test_signal(void)
{
	struct sigstate s = { .signo = 0 };
	struct loop_timer t;
	struct loop *loop;
	sigset_t now;
	bool ok;

	CHECK(loop_new(&loop) == 0, "loop_new");
	CHECK(loop_signal_add(loop, SIGUSR1, on_signal, &s) == 0, "signal add");
	CHECK(loop_signal_add(loop, SIGUSR2, on_signal, &s) == 0, "a second signal");
	CHECK(loop_signal_add(loop, 0, on_signal, &s) == -EINVAL, "signal 0");
	loop_timer_init(&t);
	/* raised from a callback, so the loop is waiting in epoll when it arrives */
	CHECK(loop_timer_arm(loop, &t, 10, 0, raise_usr1, NULL) == 0, "arm");
	ok = run_guarded(loop);
	loop_free(loop);
	CHECK(ok, "guard fired: the signal never came");
	CHECK(s.signo == SIGUSR1 && s.count == 1, "signo %d count %d", s.signo, s.count);
	/* loop_free gave the mask back */
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2), "still blocked");
	return true;
}

struct pipes {
	int a[2], b[2];
	int a_calls, b_calls;
	char got[16];
	bool del_other;
	bool no_stop;
};

static void on_a(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct pipes *p = arg;
	ssize_t n;

	p->a_calls++;
	n = read(fd, p->got, sizeof(p->got) - 1);
	if (n > 0)
		p->got[n] = '\0';
	if (p->del_other)
		loop_fd_del(loop, p->b[0]);
	if (!p->no_stop)
		loop_stop(loop);
}

static void on_b(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct pipes *p = arg;
	char c;

	p->b_calls++;
	if (read(fd, &c, 1) < 0) {
		/* only counted */
	}
	if (p->del_other)
		loop_fd_del(loop, p->a[0]);
	if (!p->no_stop)
		loop_stop(loop);
}

static bool test_fd_callback(void)
{
	struct pipes p = { .a_calls = 0 };
	struct loop *loop;
	bool ok;

	CHECK(pipe(p.a) == 0, "pipe");
	CHECK(loop_new(&loop) == 0, "loop_new");
	CHECK(loop_fd_add(loop, p.a[0], EPOLLIN, on_a, &p) == 0, "add");
	CHECK(loop_fd_add(loop, p.a[0], EPOLLIN, on_a, &p) == -EEXIST, "added twice");
	CHECK(loop_fd_mod(loop, 999, EPOLLIN) == -ENOENT, "mod of an unknown fd");
	CHECK(loop_fd_del(loop, 999) == -ENOENT, "del of an unknown fd");
	CHECK(write(p.a[1], "hello", 5) == 5, "write");
	ok = run_guarded(loop);
	CHECK(loop_fd_del(loop, p.a[0]) == 0, "del");
	loop_free(loop);
	close(p.a[0]);
	close(p.a[1]);
	CHECK(ok, "guard fired");
	CHECK(p.a_calls == 1 && strcmp(p.got, "hello") == 0, "calls %d got \"%s\"", p.a_calls,
	      p.got);
	return true;
}

/* Two fds ready in one batch; whichever runs first removes the other: its event is dropped. */
static bool test_fd_del_in_batch(void)
{
	struct pipes p = { .del_other = true, .no_stop = true };
	struct loop *loop;

	CHECK(pipe(p.a) == 0 && pipe(p.b) == 0, "pipes");
	CHECK(loop_new(&loop) == 0, "loop_new");
	CHECK(loop_fd_add(loop, p.a[0], EPOLLIN, on_a, &p) == 0, "add a");
	CHECK(loop_fd_add(loop, p.b[0], EPOLLIN, on_b, &p) == 0, "add b");
	CHECK(write(p.a[1], "x", 1) == 1 && write(p.b[1], "y", 1) == 1, "write");
	CHECK(loop_run_once(loop, 1000) == 1, "exactly one callback ran");
	CHECK(p.a_calls + p.b_calls == 1, "a %d b %d", p.a_calls, p.b_calls);
	loop_free(loop);
	close(p.a[0]);
	close(p.a[1]);
	close(p.b[0]);
	close(p.b[1]);
	return true;
}

struct spinner {
	struct loop_timer t;
	int spins;
};

static void spin(struct loop *loop, struct loop_timer *timer, void *arg)
{
	struct spinner *s = arg;

	s->spins++;
	loop_timer_arm(loop, timer, 0, 0, spin, s);
}

/* A timer that re-arms itself with no delay fires once per round, so a round always ends and
 * the fds get their turn.
 */
static bool test_zero_delay_no_starvation(void)
{
	struct pipes p = { .no_stop = true };
	struct spinner s = { .spins = 0 };
	struct loop *loop;
	int ran;

	CHECK(pipe(p.a) == 0, "pipe");
	CHECK(loop_new(&loop) == 0, "loop_new");
	loop_timer_init(&s.t);
	CHECK(loop_timer_arm(loop, &s.t, 0, 0, spin, &s) == 0, "arm");
	ran = loop_run_once(loop, 1000);
	CHECK(ran == 1 && s.spins == 1, "first round: %d callbacks, %d spins", ran, s.spins);
	CHECK(loop_fd_add(loop, p.a[0], EPOLLIN, on_a, &p) == 0, "add");
	CHECK(write(p.a[1], "z", 1) == 1, "write");
	ran = loop_run_once(loop, 1000);
	CHECK(ran == 2 && s.spins == 2 && p.a_calls == 1,
	      "second round: %d callbacks, %d spins, "
	      "%d fd calls",
	      ran, s.spins, p.a_calls);
	loop_timer_disarm(loop, &s.t);
	loop_free(loop);
	close(p.a[0]);
	close(p.a[1]);
	return true;
}

static bool test_now_monotonic(void)
{
	uint64_t a = loop_now(), b;

	usleep(20000);
	b = loop_now();
	CHECK(b >= a + 20 && b < a + 2000, "20 ms sleep measured as %llu ms",
	      (unsigned long long)(b - a));
	return true;
}

struct acceptor {
	int calls;
	int fd; /* what loop_accept returned in the callback */
};

static void on_listener(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct acceptor *a = arg;

	a->calls++;
	a->fd = loop_accept(loop, fd);
}

/* accept4 failing with EMFILE leaves the client queued and the listener readable: loop_accept
 * pauses the listener, so the loop does not call it again until the pause is over, and then
 * the waiting client is taken.
 */
static bool test_accept_emfile(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct acceptor a = { .calls = 0, .fd = -1 };
	int lfd, cfd, spare, got, i;
	struct rlimit rl, low;
	struct loop *loop;
	uint64_t t0;

	/* an abstract name: no file, no address of any network */
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "xlb-test-loop-%d", getpid());
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
		      listen(lfd, 8) == 0,
	      "listener");
	CHECK(loop_new(&loop) == 0, "loop_new");
	CHECK(loop_fd_add(loop, lfd, EPOLLIN, on_listener, &a) == 0, "add");
	CHECK(loop_accept(loop, lfd) == -EAGAIN, "nobody waiting");
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(cfd >= 0 && connect(cfd, (struct sockaddr *)&sun, sizeof(sun)) == 0, "connect");

	/* no fd left: the limit at the lowest free number */
	spare = dup(0);
	CHECK(spare >= 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0, "limits");
	close(spare);
	low = rl;
	low.rlim_cur = spare;
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0, "lower the limit");
	got = loop_accept(loop, lfd);
	setrlimit(RLIMIT_NOFILE, &rl);
	CHECK(got == -EMFILE, "accept at the limit: %d", got);
	CHECK(loop_fd_paused(loop, lfd), "the listener is paused");

	/* paused: no call while the client waits, then one that takes it */
	CHECK(loop_run_once(loop, 100) == 0 && a.calls == 0, "called while paused: %d", a.calls);
	t0 = loop_now();
	for (i = 0; i < 20 && a.calls == 0; i++)
		loop_run_once(loop, 100);
	CHECK(a.calls == 1 && a.fd >= 0, "after the pause: %d calls, fd %d", a.calls, a.fd);
	CHECK(loop_now() - t0 < 2 * LOOP_ACCEPT_PAUSE_MS, "taken %llu ms later",
	      (unsigned long long)(loop_now() - t0));
	CHECK(!loop_fd_paused(loop, lfd), "no longer paused");
	loop_fd_del(loop, lfd);
	loop_free(loop);
	close(a.fd);
	close(cfd);
	close(lfd);
	return true;
}

int main(void)
{
	RUN(test_now_monotonic);
	RUN(test_timers_in_order);
	RUN(test_periodic);
	RUN(test_disarm_and_rearm);
	RUN(test_many_timers);
	RUN(test_signal);
	RUN(test_fd_callback);
	RUN(test_fd_del_in_batch);
	RUN(test_zero_delay_no_starvation);
	RUN(test_accept_emfile);
	return check_summary();
}
