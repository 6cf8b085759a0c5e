/*
 * postgres_internal.h — what the PostgreSQL destination's files share: the connection, its
 * errors, statements and catalog (postgres.c), the result reader behind sl_rows (pg_rows.c) and
 * the binary COPY appender (pg_copy.c).
 */
#ifndef SL_POSTGRES_INTERNAL_H
#define SL_POSTGRES_INTERNAL_H

#include "sql_common.h"

#include <libpq-fe.h>

typedef struct pgdst_appender pgdst_appender;
typedef struct pgdst_rows pgdst_rows;

/* A connection of the PostgreSQL destination (the PostgreSQL source has connections of its own). */
typedef struct pgdst_conn {
	sl_sql_conn sql; /* dialect: postgres.c */
	PGconn *pg;
	char where[320];       /* "host:port/database" for messages, never the password */
	pgdst_appender *copy;  /* the appender whose COPY is open, or NULL */
	pgdst_rows *streaming; /* a result still being read, or NULL */
} pgdst_conn;

/* A table column as the catalog describes it. */
typedef struct pgdst_column {
	char *name;
	Oid oid;	 /* the column's type, or a domain's base type */
	Oid element_oid; /* an array's element type, else 0 */
	int typmod;	 /* the modifier (an array's is its element's) */
	bool nullable;
	char *type; /* format_type(): "numeric(20,0)", for messages */
} pgdst_column;

typedef struct pgdst_columns {
	pgdst_column *cols;
	size_t n;
} pgdst_columns;

/* ---- postgres.c ---- */

/* libpq's own message (connection trouble, no server error), first line. */
int pgdst_conn_error(const pgdst_conn *c, const char *what);

/* A failed statement, with PostgreSQL's detail and context; a cancelled one is SL_EINTERRUPTED. */
int pgdst_result_error(const pgdst_conn *c, const PGresult *res, const char *what);

/* Make the connection free for a statement: a COPY in progress ends (its rows kept). */
int pgdst_conn_ready(pgdst_conn *c);

/* Run one statement (or several, without parameters) to completion; the result is the caller's. */
int pgdst_run(PGresult **out, pgdst_conn *c, const char *sql, size_t nparams,
	      const char *const *params);

/* The table's columns in order; none when the table does not exist. */
int pgdst_table_columns(pgdst_columns *out, pgdst_conn *c, const char *dataset, const char *table);
void pgdst_columns_free(pgdst_columns *l);

/* The table column named `name` (exactly, else ignoring case) not yet taken, or -1. */
int pgdst_columns_find(const pgdst_columns *l, const char *name, const bool *taken);

/* The portable type of a column's type (a domain's base type), SL_TYPE__COUNT for none;
   numeric's typmod carries its precision and scale. */
sl_type pgdst_portable_type(Oid oid, int typmod, int *precision, int *scale);

/* ---- pg_rows.c ---- */

/* Read and drop whatever the connection still has for the last statement. */
void pgdst_drain(PGconn *pg);

/* Abandon a result still being read: the connection is needed (rollback, close). */
void pgdst_abandon_rows(pgdst_conn *c);

/* The driver's query: rows streamed in libpq's single-row mode, as text. */
int pgdst_query(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
		const char *const *params);

/* ---- pg_copy.c ---- */

/* End the appender's open COPY, keeping its rows or cancelling it (pg_copy.c says more). */
int pgdst_end_copy(pgdst_appender *a, bool keep);

/* The connection closes: cancel its open COPY; the appender outlives it, disconnected. */
void pgdst_close_copy(pgdst_conn *c);

int pgdst_appender_open(sl_dest_appender **out, sl_dest_conn *conn, const char *dataset,
			const char *table, const sl_table_schema *schema, const char *load_id);
int pgdst_append(sl_dest_appender *appender, const sl_batch *batch);
int pgdst_appender_flush(sl_dest_appender *appender);
void pgdst_appender_close(sl_dest_appender *appender);

#endif
