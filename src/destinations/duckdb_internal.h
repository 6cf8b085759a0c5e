/*
 * duckdb_internal.h — what the DuckDB destination's files share: the connection with its errors
 * and prepared statements (duckdb.c) and the result reader behind sl_rows (duckdb_rows.c).
 */
#ifndef SL_DUCKDB_INTERNAL_H
#define SL_DUCKDB_INTERNAL_H

#include "sql_common.h"

/* duckdb.h declares a few `f()` functions without `void`. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <duckdb.h>
#pragma GCC diagnostic pop

typedef struct duck_conn {
	sl_sql_conn sql; /* dialect: duckdb.c */
	duckdb_database db;
	duckdb_connection con;
	char *path;	  /* the database file (or ":memory:"), for messages */
	bool in_txn;	  /* between begin() and commit()/rollback() */
	uint64_t txn_seq; /* counts begin() calls: which transaction an appender's rows belong to */
	bool user_limit;  /* a memory_limit was set: it holds throughout (see LOAD_MEMORY_LIMIT) */
	bool loading;	  /* the load settings are in force */
	unsigned appenders; /* open appenders: end_load waits for none */
	/* a parallel run's other connections to db: a sibling's `primary` owns db (and the load
	   settings, which are the database's); the primary counts its siblings */
	struct duck_conn *primary;
	unsigned siblings;
	/* the streamed result being read, which the connection's next statement ends (DuckDB
	   closes it without an error): duck_end_stream keeps it honest */
	struct duck_rows *stream;
} duck_conn;
/* Enter (load true) or leave the settings a load runs under (duckdb.c); bench/duckdb_floor.c
   uses them too, so that DuckDB's own ingest floor is measured with exactly a load's settings. */
void duck_load_settings(duck_conn *c, bool load);

/* Set the last error from DuckDB's message `msg` (its first line), naming the file. */
int duck_error(int code, const duck_conn *c, const char *msg);

/* The error of a failed result; an interrupted statement is SL_EINTERRUPTED. */
int duck_result_error(const duck_conn *c, duckdb_result *res);

/* Prepare `sql` with its text parameters bound ($1..; NULL entries are SQL NULL). */
int duck_prepare(duckdb_prepared_statement *out, duck_conn *c, const char *sql, size_t nparams,
		 const char *const *params);

/* Before any statement on `c`: the streamed result still being read is about to end. It keeps
   the chunk DuckDB has next, and fails where more rows would have been lost. */
void duck_end_stream(duck_conn *c);

/* The driver's query: a prepared statement streamed chunk by chunk behind sl_rows. */
int duck_query(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
	       const char *const *params);

#endif
