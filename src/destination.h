/*
 * destination.h — the destination driver interface. A driver is a static const struct of function
 * pointers listed in drivers.c; its structs start with the base structs below.
 *
 * The methods say what the pipeline means, not how a database does it: a dataset with its
 * bookkeeping (each table's incremental state, a record of each load), tables made and evolved
 * from portable schemas, rows appended in transactions, a staging table swapped in, tables read
 * back. DuckDB and PostgreSQL write most of them in the same SQL, once
 * (destinations/sql_common.c); a destination that is not a SQL database (files in a directory)
 * implements the same methods its own way and leaves the SQL ones (use_dataset, query, exec)
 * NULL.
 *
 * The pipeline drives one transaction per chunk: begin, append the chunk's batches, flush, write
 * the state, commit. Appended rows and what write_state, delete_states, write_load, swap_table,
 * widen_column and drop_not_null change are part of the open transaction: a rollback removes
 * them. Without an open transaction each commits by itself.
 */
#ifndef SL_DESTINATION_H
#define SL_DESTINATION_H

#include "batch.h"
#include "interrupt.h"
#include "url.h"

/* The bookkeeping a destination keeps in each dataset, and the column of loaded rows that names
   their load (schema_change.c leaves it out of comparisons). */
#define SL_STATE_TABLE	  "_sluice_state"
#define SL_LOADS_TABLE	  "_sluice_loads"
#define SL_LOAD_ID_COLUMN "_sluice_load_id"

typedef struct sl_destination_driver sl_destination_driver;

typedef struct sl_dest_conn {
	const sl_destination_driver *driver;
} sl_dest_conn;

/*
 * A result set being read (the public sl_rows). Drivers fill the vtable pointer and the column
 * count, and embed this first in their own struct. Columns are numbered from 0; a text stays
 * valid until the next row.
 */
typedef struct sl_rows_ops {
	int (*next)(sl_rows *rows);
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
	size_t ncolumns;
};

/* For a driver's get_int64 and get_double: SL_EINVAL for a column the result lacks, SL_ETYPE
   for a NULL value, else SL_OK. */
int sl_rows_check_value(const sl_rows *rows, size_t col);

/* A setting of one driver ({"memory_limit", "256MB"} for DuckDB), passed on unread. */
typedef struct sl_dest_setting {
	const char *key;
	const char *value;
} sl_dest_setting;

typedef struct sl_dest_options {
	/* settings for the driver: it takes the keys it knows, checks their values and ignores
	   the other keys (they are another driver's) */
	const sl_dest_setting *settings;
	size_t nsettings;
	/* a network driver stops connecting when it is raised (SL_EINTERRUPTED); may be NULL */
	const sl_interrupt *interrupt;
} sl_dest_options;

/* The value of setting `key`, or NULL (options may be NULL). */
const char *sl_dest_setting_get(const sl_dest_options *options, const char *key);

/* One table's incremental state in the destination: one per pipeline and table. */
typedef struct sl_state_record {
	const char *pipeline;
	const char *table;
	const char *state;	/* JSON (sl_table_state_to_json); NULL only if edited by hand */
	int64_t version;	/* the layout the writing sluice used (SL_STATE_VERSION) */
	const char *updated_at; /* "2024-01-31 12:00:00.123456" UTC; written, not read back */
} sl_state_record;

/* One table's part of a load (a run, or a reset that kept the table's rows). */
typedef struct sl_load_record {
	const char *load_id; /* "1706702400.123456" */
	const char *pipeline;
	const char *table;
	int64_t rows;		    /* rows loaded; -1: unknown */
	int64_t chunks;		    /* chunks committed; -1: unknown */
	const char *started;	    /* "2024-01-31 12:00:00.123456" UTC */
	const char *finished;	    /* the same, or NULL while it runs */
	const char *status;	    /* "running", "completed", "failed", ... */
	const char *schema_changes; /* JSON (schema_change.h), or NULL */
} sl_load_record;

/* Which load records read_loads visits: one table's of one pipeline, and of those... */
typedef struct sl_load_filter {
	const char *pipeline;
	const char *table;
	const char *status;	  /* ...only those with this status, unless NULL */
	const char *not_status;	  /* ...none with this status, unless NULL */
	bool with_schema_changes; /* ...only those that record schema changes */
	bool newest_only;	  /* ...only the newest (by started, then load_id); else all,
				     oldest first */
} sl_load_filter;

/* Read methods lend each record to a visitor for the length of the call; the visitor must not
   use the connection. A non-zero return stops the walk and is what the method returns. */
typedef int (*sl_state_visitor)(void *ctx, const sl_state_record *state);
typedef int (*sl_load_visitor)(void *ctx, const sl_load_record *load);
typedef int (*sl_name_visitor)(void *ctx, const char *name);

/*
 * How staged rows replace a table's (merge): the destination rows whose `key` columns equal a
 * staged row's go, and those whose `match` columns (dlt's merge_key) do unless this load
 * inserted them; then the staged rows come in, one per value of the `key` columns (the one with
 * the greatest `order` value, the least when `descending`), leaving out those whose `deleted`
 * column is true (BOOLEAN) or not NULL (any other type). Columns are indexes into `schema`, the
 * staged rows' columns (then the load id column, when with_load_id).
 */
typedef struct sl_merge_spec {
	const sl_table_schema *schema;
	bool with_load_id;
	size_t nmatch;
	const size_t *match; /* dlt's merge_key: replaces whole partitions; 0 columns: none */
	const char *load_id; /* with a merge_key: the load whose rows it spares */
	size_t nkey;
	const size_t *key; /* the primary key; 0 columns: every staged row comes in */
	bool repeats;	   /* a key may come twice among the staged rows: one per key comes in */
	int order;	   /* -1: any of a key's rows */
	bool descending;
	int deleted; /* -1: none */
} sl_merge_spec;

/* What every driver's appender keeps (sl_dest_appender_init), first in its own struct. */
typedef struct sl_dest_appender {
	const sl_destination_driver *driver;
	char *name;	      /* "dataset.table", for messages */
	char *load_id;	      /* what the load id column gets in every row, or NULL */
	uint32_t load_id_len; /* its bytes */
	size_t nschema;	      /* the schema's columns, which every batch carries first... */
	sl_type *types;	      /* ...in these types... */
	int *precisions;      /* ...and (DECIMAL) precisions, which select their widths */
} sl_dest_appender;

/* Fill the base of a new (zeroed) appender of `schema`'s rows into `dataset`.`table`. */
int sl_dest_appender_init(sl_dest_appender *a, const sl_destination_driver *driver,
			  const char *dataset, const char *table, const sl_table_schema *schema,
			  const char *load_id);

/* Free what sl_dest_appender_init allocated. */
void sl_dest_appender_clear(sl_dest_appender *a);

/* Whether `batch` carries the schema's columns first, in their types and widths (SL_EINVAL). */
int sl_dest_appender_check(const sl_dest_appender *a, const sl_batch *batch);

struct sl_destination_driver {
	sl_driver_head head; /* version SL_DESTINATION_DRIVER_VERSION, name, schemes */

	/* ---- connection ---------------------------------------------------------------------- */

	/* Open the destination. A file locked by another process is SL_ELOCKED naming the file. */
	int (*open)(sl_dest_conn **out, const sl_url *url, const sl_dest_options *options);
	void (*close)(sl_dest_conn *conn);
	/* Another connection to what `conn` is connected to, for a table loaded in parallel with
	   conn's (its own transactions, used from another thread); closed before `conn`. NULL:
	   another open() of the URL (a network destination). */
	int (*open_sibling)(sl_dest_conn **out, sl_dest_conn *conn);

	/* `given` (which parsed as `url`) with any path relative to the working directory made
	   absolute, so that a pipeline can be reopened by name from anywhere (caller frees; NULL on
	   ENOMEM). May be NULL: URLs are kept as given. */
	char *(*absolute_url)(const sl_url *url, const char *given);

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

	/* ---- the dataset and its bookkeeping ------------------------------------------------- */

	/* Create the dataset and its bookkeeping if missing, bringing bookkeeping written by an
	   older sluice up to date. */
	int (*ensure_dataset)(sl_dest_conn *conn, const char *dataset);

	/* Visit the states of `pipeline`: `table`'s, or every table's (table NULL) by table
	   name. More than one for a table is possible (edited by hand): each is visited. */
	int (*read_states)(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			   const char *table, sl_state_visitor visit, void *ctx);

	/* Replace the state of (state->pipeline, state->table). */
	int (*write_state)(sl_dest_conn *conn, const char *dataset, const sl_state_record *state);

	/* Remove the states of `pipeline`: `table`'s, or every table's (table NULL). */
	int (*delete_states)(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			     const char *table);

	/* Replace the record of (load->load_id, load->pipeline, load->table). */
	int (*write_load)(sl_dest_conn *conn, const char *dataset, const sl_load_record *load);

	/* Visit the load records `filter` selects. */
	int (*read_loads)(sl_dest_conn *conn, const char *dataset, const sl_load_filter *filter,
			  sl_load_visitor visit, void *ctx);

	/* Visit the names of the tables `pipeline` has a state or a load record for, each once. */
	int (*recorded_tables)(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			       sl_name_visitor visit, void *ctx);

	/* ---- tables --------------------------------------------------------------------------- */

	/* Create `table` from `schema` (plus a trailing `_sluice_load_id` text column when
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
	   already there converts without loss. */
	int (*widen_column)(sl_dest_conn *conn, const char *dataset, const char *table,
			    const sl_column *col);

	/* Let a column take NULLs. */
	int (*drop_not_null)(sl_dest_conn *conn, const char *dataset, const char *table,
			     const char *column);

	/* Remove `table` if it exists, with its rows. */
	int (*drop_table)(sl_dest_conn *conn, const char *dataset, const char *table);

	/* Put `staging` in the place of `table`: `table` (if any) goes, `staging` takes its name. */
	int (*swap_table)(sl_dest_conn *conn, const char *dataset, const char *staging,
			  const char *table);

	/* Make `table` afresh (dropped if there) for the load's own use, as ensure_table makes
	   tables: nobody else reads it, and a crash may lose its rows (PostgreSQL: UNLOGGED). May
	   be NULL where merge and delete_missing are. */
	int (*create_scratch)(sl_dest_conn *conn, const char *dataset, const char *table,
			      const sl_table_schema *schema, bool with_load_id);

	/* Apply the rows appended to `staging` (a table create_scratch made like `table`) to `table`
	   as `spec` says, then empty `staging`; *deleted gets the rows of `table` that staged
	   delete flags removed. May be NULL: the destination cannot merge. */
	int (*merge)(int64_t *deleted, sl_dest_conn *conn, const char *dataset, const char *staging,
		     const char *table, const sl_merge_spec *spec);

	/* Delete the rows of `table` whose values in `keys`' columns (a table of those columns
	   alone, of the same names) no row of `keys` has; *deleted gets how many. May be NULL. */
	int (*delete_missing)(int64_t *deleted, sl_dest_conn *conn, const char *dataset,
			      const char *table, const char *keys, const sl_table_schema *key);

	/* The rows of `dataset`.`table`, which exists. */
	int (*count_rows)(int64_t *out, sl_dest_conn *conn, const char *dataset, const char *table);

	/* ---- transactions and appends ----------------------------------------------------------- */

	int (*begin)(sl_dest_conn *conn);
	int (*commit)(sl_dest_conn *conn);
	int (*rollback)(sl_dest_conn *conn);

	/*
	 * Append batches to `dataset`.`table`, whose first columns match `schema`'s (the batch may
	 * carry more columns after those: they are ignored). When load_id is not NULL, the table's
	 * `_sluice_load_id` column gets it for every row.
	 */
	int (*appender_open)(sl_dest_appender **out, sl_dest_conn *conn, const char *dataset,
			     const char *table, const sl_table_schema *schema, const char *load_id);
	int (*append)(sl_dest_appender *appender, const sl_batch *batch);
	/* Flush buffered rows into the transaction (call before commit). */
	int (*appender_flush)(sl_dest_appender *appender);
	void (*appender_close)(sl_dest_appender *appender);

	/* Leave the settings loads run under (DuckDB: a small memory limit, one thread), which hold
	   from a load's first appender on, so that reading back gets the database's defaults.
	   No-op while an appender is open. May be NULL. */
	void (*end_load)(sl_dest_conn *conn);

	/* ---- reading back ----------------------------------------------------------------------- */

	/* The dataset's tables, bookkeeping included, with their rows: columns name and
	   row_count, by name. The conn must outlive the rows. */
	int (*list_tables)(sl_rows **out, sl_dest_conn *conn, const char *dataset);

	/* The rows of `dataset`.`table` (which exists), at most `limit` of them unless 0. */
	int (*read_table)(sl_rows **out, sl_dest_conn *conn, const char *dataset, const char *table,
			  uint64_t limit);

	/* ---- SQL: destinations that are SQL databases only; may be NULL ------------------------ */

	/* Let unqualified table names of later queries mean the tables of `dataset`. */
	int (*use_dataset)(sl_dest_conn *conn, const char *dataset);

	/* Run a query in the destination's SQL with text parameters ($1..; NULL entries are SQL
	   NULL) and stream its rows (`sluice sql`). The conn must outlive the rows. */
	int (*query)(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
		     const char *const *params);

	/* Run a statement with text parameters. Not called by the pipeline: for tools and tests. */
	int (*exec)(sl_dest_conn *conn, const char *sql, size_t nparams, const char *const *params);
};

#define SL_DESTINATION_DRIVER_VERSION 2

#endif
