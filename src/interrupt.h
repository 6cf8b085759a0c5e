/*
 * interrupt.h — how sl_pipeline_interrupt reaches a run that is blocked in network I/O.
 *
 * The pipeline looks at the stop flag between batches, but a call blocked in a read (a stalled
 * server) or in a connect (a peer that accepted TCP and says nothing) never gets back there. So
 * a source driver publishes the socket it may block on, and the interrupt shuts it down
 * (shutdown(2) is async-signal-safe): the blocked read returns at once, the call fails, and the
 * pipeline reports that failure as the interrupt it is. While connecting, drivers also wait in
 * steps of at most 100 ms that look at the flag (sl_interrupt_poll).
 *
 * Nothing is added to the streaming path: a socket is published when a session opens.
 */
#ifndef SL_INTERRUPT_H
#define SL_INTERRUPT_H

#include "common.h"

#include <stdatomic.h>

/* How long a network peer may keep a run waiting, in seconds, unless its URL says otherwise
   (connect_timeout=, read_timeout=; 0: no limit). The read timeout bounds silence, not a query:
   it counts while sluice waits for bytes that do not come, from the last that came. docs/cli.md
   ("Timeouts") has the rule behind the hour. */
#define SL_CONNECT_TIMEOUT 30
#define SL_READ_TIMEOUT	   3600

typedef struct sl_interrupt {
	atomic_int stop;   /* set by sl_interrupt_raise, cleared by the run it stops */
	atomic_int socket; /* fd + 1 of the socket a driver may block on, 0: none (so a
	                      zeroed struct is ready to use) */
} sl_interrupt;

/* Set the flag and shut down the published socket. Async-signal-safe and thread-safe. */
void sl_interrupt_raise(sl_interrupt *intr);

/* Whether sl_interrupt_raise was called and not cleared since; false for NULL. */
bool sl_interrupt_requested(const sl_interrupt *intr);

/* The interrupt has been acted on. */
void sl_interrupt_clear(sl_interrupt *intr);

/* Publish the socket a blocking call may wait on (-1: none). Call with -1 before closing it, so
   that an interrupt never shuts down a reused descriptor. NULL intr: nothing. */
void sl_interrupt_watch(sl_interrupt *intr, int fd);

/*
 * Wait until `fd` is ready for `events` (POLLIN, POLLOUT), until `deadline` (sl_clock seconds;
 * 0: none) or until the interrupt, looking at the flag every 100 ms at least. Returns the poll
 * revents (> 0), 0 when the deadline passed, or SL_EINTERRUPTED (no error message set: the
 * caller knows what it was doing).
 */
int sl_interrupt_poll(const sl_interrupt *intr, int fd, short events, double deadline);

/* Monotonic seconds, for deadlines. */
double sl_clock(void);

#endif
