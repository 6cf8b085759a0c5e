/*
 * interrupt.c — the stop flag and the published socket of interrupt.h.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "interrupt.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#define POLL_STEP_MS 100 /* how often a wait looks at the flag */

void sl_interrupt_raise(sl_interrupt *intr)
{
	if (!intr)
		return;
	/* flag first: a driver publishes its socket, then looks at the flag, so one of the two
	   always sees the other (both atomics are sequentially consistent) */
	atomic_store(&intr->stop, 1);
	int fd = atomic_load(&intr->socket) - 1;
	int saved = errno; /* a signal handler must not change what the code it stopped sees */
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	errno = saved;
}

bool sl_interrupt_requested(const sl_interrupt *intr)
{
	return intr && atomic_load(&intr->stop) != 0;
}

void sl_interrupt_clear(sl_interrupt *intr)
{
	if (intr)
		atomic_store(&intr->stop, 0);
}

void sl_interrupt_watch(sl_interrupt *intr, int fd)
{
	if (intr)
		atomic_store(&intr->socket, fd >= 0 ? fd + 1 : 0);
}

double sl_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sl_interrupt_poll(const sl_interrupt *intr, int fd, short events, double deadline)
{
	for (;;) {
		if (sl_interrupt_requested(intr))
			return SL_EINTERRUPTED;
		int step = POLL_STEP_MS;
		if (deadline > 0) {
			double left = deadline - sl_clock();
			if (left <= 0)
				return 0;
			if (left * 1000 < step)
				step = (int)(left * 1000) + 1;
		}
		struct pollfd pfd = {fd, events, 0};
		int n = poll(&pfd, 1, step);
		if (n > 0)
			return pfd.revents;
		if (n < 0 && errno != EINTR)
			return POLLERR; /* let the caller's next call report the socket's error */
	}
}
