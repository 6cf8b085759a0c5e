/*
 * pg_connect.h — libpq's PQconnectPoll driven for the PostgreSQL source and destination, with
 * one deadline over the whole connect and an eye on the interrupt.
 *
 * Connecting asynchronously is what makes both possible: libpq's blocking connect cannot be
 * interrupted, and a peer that accepts TCP and never answers holds it for as long as its
 * connect_timeout (none by default). libpq ignores connect_timeout when polled, so the deadline
 * here enforces it, with libpq's own rule that it is at least 2 s.
 */
#ifndef SL_PG_CONNECT_H
#define SL_PG_CONNECT_H

#include "interrupt.h"

#include <libpq-fe.h>

typedef enum sl_pg_connect_end {
	SL_PG_CONNECTED,
	SL_PG_FAILED,	  /* PQerrorMessage says why */
	SL_PG_TIMED_OUT,  /* the deadline passed */
	SL_PG_INTERRUPTED /* intr was raised */
} sl_pg_connect_end;

/* Finish the connect PQconnectStartParams began; `timeout` seconds in all (0: no limit). */
sl_pg_connect_end sl_pg_connect_poll(PGconn *db, int timeout, const sl_interrupt *intr);

#endif
