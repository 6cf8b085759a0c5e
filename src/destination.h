/*
 * destination.h — the destination driver interface (DuckDB now, PostgreSQL later). Like sources,
 * a driver is a static const struct of function pointers listed in drivers.c, and each driver's
 * structs start with the base structs below.
 *
 * The pipeline drives one transaction per chunk: begin, append the chunk's batches, write the
 * state rows (exec), commit. A driver must make appended rows part of the open transaction, so a
 * rollback removes them.
 *
 * SQL passed to exec/query is the common dialect of DuckDB and PostgreSQL: identifiers in double
 * quotes (sl_buf_quote_ident with '"'), parameters as $1, $2... bound as text.
 */
#ifndef SL_DESTINATION_H
#define SL_DESTINATION_H

#include "batch.h"
#include "interrupt.h"
#include "url.h"

typedef struct sl_destination_driver sl_destination_driver;

typedef struct sl_dest_conn {
	const sl_destination_driver *driver;
} sl_dest_conn;

typedef struct sl_dest_appender {
	const sl_destination_driver *driver;
} sl_dest_appender;

/*
 * A result set being read (the public sl_rows). Drivers fill the vtable pointer and embed this
 * first in their own struct.
 */
typedef struct sl_rows_ops {
	int (*next)(sl_rows *rows);
	size_t (*column_count)(const sl_rows *rows);
	const char *(*column_name)(const sl_rows *rows, size_t col);
	sl_type (*column_type)(const sl_rows *rows, size_t col);
	bool (*is_null)(const sl_rows *rows, size_t col);
	int (*get_int64)(int64_t *out, const sl_rows *rows, size_t col);
	int (*get_double)(double *out, const sl_rows *rows, size_t col);
	const char *(*get_text)(sl_rows *rows, size_t col, size_t *len);
	void (*free)(sl_rows *rows);
} sl_rows_ops;

struct sl_rows {
	const sl_rows_ops *ops;
};

typedef struct sl_dest_options {
	const char *memory_limit;      /* DuckDB memory_limit, e.g. "256MB"; NULL: driver default */
	const sl_interrupt *interrupt; /* a network driver stops connecting when it is raised
	                                  (SL_EINTERRUPTED); may be NULL */
} sl_dest_options;

struct sl_destination_driver {
	sl_driver_head head; /* version SL_DESTINATION_DRIVER_VERSION, name, schemes */

	/* Open the destination. A file locked by another process is SL_ELOCKED naming the file. */
	int (*open)(sl_dest_conn **out, const sl_url *url, const sl_dest_options *options);
	void (*close)(sl_dest_conn *conn);

	/* Create the dataset (schema) if missing. */
	int (*ensure_dataset)(sl_dest_conn *conn, const char *dataset);

	/* Create `table` from `schema` (plus a trailing `_sluice_load_id VARCHAR` column when
	   with_load_id) if it does not exist; if it exists, add the schema's columns it lacks.
	   Column names are the schema's; the primary key is not enforced (speed). */
	int (*ensure_table)(sl_dest_conn *conn, const char *dataset, const char *table,
			    const sl_table_schema *schema, bool with_load_id);

	/* Whether `dataset`.`table` exists. */
	int (*table_exists)(bool *out, sl_dest_conn *conn, const char *dataset, const char *table);

	/*
	 * The columns of `dataset`.`table` in order, in portable types with their nullability and
	 * the native type as source_type; *out is NULL when the table does not exist (caller frees
	 * with sl_schema_free). A native type with no portable equivalent is SL_TYPE__COUNT; a
	 * DECIMAL without a declared precision (PostgreSQL's bare numeric) has precision 0.
	 */
	int (*describe_table)(sl_table_schema **out, sl_dest_conn *conn, const char *dataset,
			      const char *table);

	/* Change a column's type to `col`'s: a widening the pipeline checked, so every value
	   already there converts without loss. Joins the open transaction. */
	int (*widen_column)(sl_dest_conn *conn, const char *dataset, const char *table,
			    const sl_column *col);

	/* Let a column take NULLs (DROP NOT NULL). Joins the open transaction. */
	int (*drop_not_null)(sl_dest_conn *conn, const char *dataset, const char *table,
			     const char *column);

	int (*begin)(sl_dest_conn *conn);
	int (*commit)(sl_dest_conn *conn);
	int (*rollback)(sl_dest_conn *conn);

	/*
	 * Append batches to `dataset`.`table`, whose first columns match `schema`'s (the batch may
	 * carry more columns after those: they are ignored). When load_id is not NULL, the table's
	 * `_sluice_load_id` column gets it for every row. Rows join the open transaction.
	 */
	int (*appender_open)(sl_dest_appender **out, sl_dest_conn *conn, const char *dataset,
			     const char *table, const sl_table_schema *schema, const char *load_id);
	int (*append)(sl_dest_appender *appender, const sl_batch *batch);
	/* Flush buffered rows into the transaction (call before commit). */
	int (*appender_flush)(sl_dest_appender *appender);
	void (*appender_close)(sl_dest_appender *appender);

	/* Leave the settings loads run under (DuckDB: a small memory limit, one thread), which hold
	   from a load's first appender on, so that the next queries get the database's defaults.
	   No-op while an appender is open. May be NULL. */
	void (*end_load)(sl_dest_conn *conn);

	/* Run a statement with text parameters ($1..; NULL entries are SQL NULL). */
	int (*exec)(sl_dest_conn *conn, const char *sql, size_t nparams, const char *const *params);

	/* Run a query with text parameters and stream its rows. The conn must outlive the rows. */
	int (*query)(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
		     const char *const *params);

	/* The version of the client library, for `sluice --version`; may be NULL. */
	const char *(*library_version)(void);

	/*
	 * A lock that keeps two runs of one pipeline from writing at once across machines, held
	 * by the connection until unlock or until the connection ends (so a crash frees it). NULL
	 * when the destination locks itself (a DuckDB file has one writer process). try_lock
	 * returns SL_ELOCKED, with `holder` (size bytes) describing who holds it, if another
	 * connection does. Called outside transactions.
	 */
	int (*try_lock)(sl_dest_conn *conn, int64_t key, char *holder, size_t size);
	void (*unlock)(sl_dest_conn *conn, int64_t key);
};

#define SL_DESTINATION_DRIVER_VERSION 1

#endif
