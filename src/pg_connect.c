/*
 * pg_connect.c — see pg_connect.h.
 */
#include "pg_connect.h"

#include <poll.h>

sl_pg_connect_end sl_pg_connect_poll(PGconn *db, int timeout, const sl_interrupt *intr)
{
	if (PQstatus(db) == CONNECTION_BAD)
		return SL_PG_FAILED;
	double deadline = timeout > 0 ? sl_clock() + (timeout < 2 ? 2 : timeout) : 0;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	for (;;) {
		if (st == PGRES_POLLING_OK)
			return SL_PG_CONNECTED;
		if (st == PGRES_POLLING_FAILED)
			return SL_PG_FAILED;
		int fd = PQsocket(db);
		if (fd >= 0) {
			short events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
			int ready = sl_interrupt_poll(intr, fd, events, deadline);
			if (ready == SL_EINTERRUPTED)
				return SL_PG_INTERRUPTED;
			if (ready == 0)
				return SL_PG_TIMED_OUT;
		}
		st = PQconnectPoll(db);
	}
}
