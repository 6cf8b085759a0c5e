/*
 * session.h — what the network sources (MySQL, PostgreSQL) share about their connection and
 * their scans; not a driver. A session opens at connect, and a scan holds it until it closes. A
 * scan closed before the end of its result closes the session (the only quick way out of an
 * unfinished result); the next call reopens it. A query that finds the session dropped by the
 * server while idle reopens it once and runs again: nothing was read yet, so that is safe. A scan
 * closed once it read all its LIMIT allows has only the end of its result left: that end is read
 * (ops->drain) and the session stays open, so a connection kept across runs stays warm. The
 * protocol stays in the driver, behind sl_session_ops.
 */
#ifndef SL_SESSION_H
#define SL_SESSION_H

#include "scan_sql.h"
#include "source.h"
#include "warnings.h"

typedef struct sl_session sl_session;
typedef struct sl_session_scan sl_session_scan;

typedef struct sl_session_ops {
	const char *dbms; /* "MySQL", "PostgreSQL": in messages */
	/* Connect and log in, keep the handle, set *fd to its socket; errors say why not. */
	int (*connect)(sl_session *s, int *fd);
	/* Set the new session up (time zone, character set, ...). */
	int (*setup)(sl_session *s);
	/* Close the handle, if there is one. */
	void (*close)(sl_session *s);
	/* There is a handle, and it can still be used. */
	bool (*usable)(const sl_session *s);
	/* Free the connection parameters, the password wiped. */
	void (*clear)(sl_session *s);

	const sl_scan_dialect *dialect; /* of the driver's queries */
	/* Append the stats query of q->table: one row, decoded as sl_source_stats_shape says. */
	int (*render_stats)(sl_scan_sql *q, int cursor, bool descending, const sl_value *after);
	/* Send `q` and set up a scan (sl_session_scan_new) reading its rows as `shape` plus
	   `seen_flags` BOOL columns; *lost: it failed because the server had dropped the
	   session. */
	int (*start)(sl_session_scan **out, sl_session *s, const sl_scan_sql *q,
		     const sl_table_schema *shape, size_t seen_flags, bool *lost);
	/* Before a scan closed early closes the session: stop its query (NULL: nothing to do). */
	void (*abandon)(sl_session_scan *scan);
	/* A scan closed once it read every row its LIMIT allows: only the end of its result is
	   left. Read that end (a row instead fails), so that the session stays usable rather than
	   being closed and reopened. NULL: close the session as for any scan closed early. */
	int (*drain)(sl_session_scan *scan);
	/* Move a scan's counts (values loaded as NULL...) into the session's warnings. */
	void (*note)(sl_session_scan *scan);
	/* Free a scan with what start set up in it. */
	void (*scan_free)(sl_session_scan *scan);
} sl_session_ops;

/* The start of a network driver's connection struct. */
struct sl_session {
	sl_source_conn base;
	const sl_session_ops *ops;
	sl_interrupt *intr; /* where the session's socket is published; may be NULL */
	bool busy;	    /* a scan is open (until scan_close, even when read to the end) */
	char where[300];    /* the server for messages: "127.0.0.1:3306", a socket's path */
	sl_warnings warnings;
};

/* The start of a network driver's scan struct. */
struct sl_session_scan {
	sl_scan base;
	sl_session *session;
	const sl_table_schema *table; /* what the rows decode as; for messages and warnings */
	size_t ncols;		      /* columns read: the table's and the seen flags */
	bool exhausted;		      /* the result ended cleanly: the session is free again */
	bool failed;		      /* the stream broke: the session is not trusted any more */
	uint64_t limit;		      /* the query's LIMIT, 0: none (set by the driver) */
	uint64_t rows;		      /* rows read so far (counted by the driver) */
};

void sl_session_init(sl_session *s, const sl_source_driver *driver, const sl_session_ops *ops,
		     sl_interrupt *intr);

/*
 * The end of a driver's connect(): unless `rc` (its parameters failed) open the first session
 * and hand `s` out; on failure free it (ops->clear, then free(s)) and return the error.
 */
int sl_session_connect(sl_source_conn **out, sl_session *s, int rc);

/* disconnect(), scan_close(), stats(), warnings() and clear_warnings() of a network driver. */
void sl_session_disconnect(sl_source_conn *conn);
void sl_session_scan_close(sl_scan *scan);
int sl_session_stats(sl_source_stats *out, sl_source_conn *conn, const sl_table_schema *table,
		     int cursor, bool descending, const sl_value *after);
const char *sl_session_warnings(sl_source_conn *conn);
void sl_session_clear_warnings(sl_source_conn *conn);

/* A zeroed scan struct of `size` bytes reading `shape` on `s`, or NULL (SL_ENOMEM). */
void *sl_session_scan_new(size_t size, sl_session *s, const sl_table_schema *shape);

/* Start a scan of `q` (ops->start), reopening the session once if the server had dropped it;
   the session is busy until the scan closes. */
int sl_session_scan_start(sl_session_scan **out, sl_session *s, const sl_scan_sql *q,
			  const sl_table_schema *shape, size_t seen_flags);

/* What scan_next checks first: 1 when the result is exhausted (return 0 then), an error when
   the scan failed before or `batch` does not fit it, else 0. */
int sl_session_scan_check(const sl_session_scan *scan, const sl_batch *batch);

/* Open the session (refused once the run is interrupted) and publish its socket. */
int sl_session_open(sl_session *s);

/* Close the session, first withdrawing its socket from the interrupt. */
void sl_session_close(sl_session *s);

/* The session for a new call: refused while a scan is open, reopened if it was closed. */
int sl_session_ready(sl_session *s);

/* One try at a query; *lost: it failed because the server had dropped the session. */
typedef int sl_session_attempt(void *ctx, bool *lost);

/* Run `attempt`; if the session was lost, reopen it and run `attempt` once more (and close the
   session if that loses it again). */
int sl_session_retry(sl_session *s, sl_session_attempt *attempt, void *ctx);

#endif
