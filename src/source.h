/*
 * source.h — the source driver interface. A driver is a static const sl_source_driver listed in
 * drivers.c; each connection/scan struct of a driver starts with the base struct defined here,
 * so the pipeline can hold `sl_source_conn *` without knowing the driver (curl's handlers,
 * SQLite's VFS).
 *
 * A driver knows nothing of incremental state: the pipeline hands it a scan plan (data), the
 * driver renders it to SQL through scan_sql.h, which its dialect description adapts (quoting,
 * and values as bound parameters, as MySQL and SQLite take them, or as literals, as
 * PostgreSQL's COPY needs), and streams rows into columnar batches. The network drivers share
 * their session and scan lifecycle (sources/session.h).
 */
#ifndef SL_SOURCE_H
#define SL_SOURCE_H

#include "batch.h"
#include "interrupt.h"
#include "url.h"
#include "value.h"

typedef struct sl_source_driver sl_source_driver;

/* One table or view of a database, as a driver's list_tables finds it. */
typedef struct sl_listed_table {
	char *schema; /* the database (MySQL), schema (PostgreSQL) or "main" (SQLite) */
	char *name;   /* the table's name there */
	char *ref;    /* the name reflect() finds it by: `name`, quoted or qualified where needed */
	bool is_view;
} sl_listed_table;

/* The tables of a database (source_select.c frees and sorts them). */
typedef struct sl_source_table_list {
	char *where; /* "database 'shop'", "schema 'public' of database 'x'": for messages */
	size_t n;
	sl_listed_table *tables;
} sl_source_table_list;

/* Append a table to `list` (the strings are copied). */
int sl_source_table_list_add(sl_source_table_list *list, const char *schema, const char *name,
			     const char *ref, bool is_view);

/* Free what `list` holds; it is empty again. */
void sl_source_table_list_clear(sl_source_table_list *list);

/* Base of every driver's connection struct. */
typedef struct sl_source_conn {
	const sl_source_driver *driver;
} sl_source_conn;

/* Base of every driver's scan struct. */
typedef struct sl_scan {
	const sl_source_driver *driver;
} sl_scan;

/*
 * What to read. Renders (scan_sql.c) to:
 *   SELECT <all schema columns>[, <seen flag>] FROM <table>
 *   WHERE <cursor> >= / > lower   AND <cursor> < / <= upper
 *         AND (<keyset columns>) > / < (after values)
 *         [AND cursor IS NOT NULL | OR cursor IS NULL ...]
 *   ORDER BY <order columns> ASC|DESC   LIMIT n
 * Every part is optional. `seen flag` is a trailing BOOL column computed by the server:
 *   (cursor = seen_cursor AND (pk...) <= (seen_pk...))  (>= for descending order)
 * which tells the pipeline which boundary rows an earlier chunk already loaded, evaluated with the
 * database's own collation so that it agrees with ORDER BY.
 */
typedef struct sl_scan_plan {
	const sl_table_schema *table;

	int cursor;	       /* column index of the cursor, -1: none */
	const sl_value *lower; /* NULL: no lower bound */
	bool lower_inclusive;  /* >= rather than > */
	const sl_value *upper; /* NULL: no upper bound */
	bool upper_inclusive;  /* <= rather than < */
	/* NULL cursors: 0 exclude them (cursor IS NOT NULL), 1 include them too (OR cursor IS NULL),
	   only relevant when a bound is set; without bounds and with 0, rows with NULL are still
	   excluded when cursor >= 0. */
	bool include_null_cursor;

	/* ORDER BY: these columns (indexes), all in the same direction. */
	size_t norder;
	const size_t *order;
	bool descending;

	/* Keyset continuation: (order columns) > after[] (< when descending); NULL: none. */
	const sl_value *after; /* norder values */

	/* Seen flag: when seen_pk != NULL, add the trailing BOOL column described above. */
	const sl_value *seen_cursor; /* the cursor value (set with seen_pk, as is cursor) */
	size_t nseen_pk;
	const size_t *seen_pk_cols; /* column indexes of the pk */
	const sl_value *seen_pk;    /* nseen_pk values */

	uint64_t limit; /* 0: none */
} sl_scan_plan;

/* Cheap figures about a table for `sluice status`; each field -1/NULL when unknown. */
typedef struct sl_source_stats {
	char *cursor_max;   /* max (or min for descending) of the cursor as canonical text */
	int64_t rows_total; /* COUNT(*) if the driver judges it cheap, else -1 */
	int64_t rows_after; /* rows with cursor beyond `after` (COUNT with the bound), else -1 */
} sl_source_stats;

struct sl_source_driver {
	sl_driver_head head; /* version SL_SOURCE_DRIVER_VERSION, name, schemes */

	/*
	 * Connect; errors name the host/database (never the password). A network driver publishes
	 * its socket in `intr` (may be NULL) for as long as the connection lives, fails with
	 * SL_EINTERRUPTED when it is raised while connecting, and does not reconnect once it is.
	 */
	int (*connect)(sl_source_conn **out, const sl_url *url, sl_interrupt *intr);
	void (*disconnect)(sl_source_conn *conn);

	/* Reflect `table` ("name" or "schema.name"); SL_ENOTFOUND names table and database. */
	int (*reflect)(sl_table_schema **out, sl_source_conn *conn, const char *table);

	/* Start a scan. The plan and the values it points to must outlive the scan. */
	int (*scan_open)(sl_scan **out, sl_source_conn *conn, const sl_scan_plan *plan);

	/*
	 * Append rows to `batch` (created by sl_batch_new for the plan's table, with one seen flag
	 * column when the plan has seen_pk) until it is full or the result ends. Returns the number
	 * of rows added; 0 means the result is exhausted. Negative on error. Called on the scan's
	 * reader thread (prefetch.h), which alone uses the connection until scan_close; values
	 * must be copied into the batch (its arena), as the batch outlives the call.
	 */
	int (*scan_next)(sl_scan *scan, sl_batch *batch);

	/* End a scan, finished or not, quickly (without draining a huge remaining result). */
	void (*scan_close)(sl_scan *scan);

	/* Figures for status (may be NULL: unsupported). `after` may be NULL. */
	int (*stats)(sl_source_stats *out, sl_source_conn *conn, const sl_table_schema *table,
		     int cursor, bool descending, const sl_value *after);

	/* Warnings collected while scanning (e.g. "created: 3 zero dates loaded as NULL"), one per
	   line, or NULL. Owned by the connection. May be NULL. */
	const char *(*warnings)(sl_source_conn *conn);
	/* Forget the warnings collected so far: a connection kept for the next run reports that
	   run's own. May be NULL (with warnings NULL). */
	void (*clear_warnings)(sl_source_conn *conn);

	/*
	 * The base tables, and the views too when `include_views`, of the database the URL names
	 * (MySQL: its database; PostgreSQL: the `schema` option, else the first schema of the
	 * search path, where an unqualified name is found; SQLite: the file's main schema), in any
	 * order, with list->where naming that database. What "*" and patterns select from. May be
	 * NULL: the driver cannot list, and tables must be named.
	 */
	int (*list_tables)(sl_source_table_list *out, sl_source_conn *conn, bool include_views);
};

#define SL_SOURCE_DRIVER_VERSION 1

void sl_source_stats_clear(sl_source_stats *stats);

/* The shape of a stats query's one row, for drivers that decode it as a batch: the cursor column
   (when cursor >= 0, nullable), then rows_total and rows_after (BIGINT). Caller frees. */
int sl_source_stats_shape(sl_table_schema **out, const sl_table_schema *table, int cursor);

/* Read that row from `scan` (a scan of the query, decoding as `shape`) into *out, read the
   scan to its end so that the session stays usable, and close it. */
int sl_source_stats_read(sl_source_stats *out, sl_scan *scan, const sl_table_schema *shape,
			 int cursor);

#endif
