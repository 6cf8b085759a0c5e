/*
 * sluice.h — the one public header of libsluice.
 *
 * sluice copies tables from SQL databases (MySQL/MariaDB, SQLite, PostgreSQL) into an
 * analytical store (DuckDB by default) in chunks, incrementally and resumably. Each chunk's rows
 * and the incremental state that covers them commit in one destination transaction, so a crash
 * never loses or duplicates a row.
 *
 * Conventions (after libgit2):
 *  - Every handle is opaque and created by `sl_thing_new(sl_thing **out, ...)`; the single output
 *    parameter comes first. Every `sl_thing_free()` accepts NULL and returns nothing.
 *  - Every call that can fail returns an `int`: 0 (SL_OK) on success or a negative SL_E... code.
 *    The detail is in a thread-local last error, `sl_error_last()`, valid until the next failing
 *    sluice call on the same thread. Messages never contain a password.
 *  - Option structs carry a `version` field; initialise them with their SL_..._INIT macro.
 *  - Strings passed in are copied; strings handed out are owned by the handle that returned them
 *    and live as long as the text says.
 *
 * Typical use (the "backfill in chunks" example, see examples/backfill_in_chunks.c):
 *
 *     sl_source *src;
 *     const char *tables[] = {"family", NULL};
 *     sl_source_sql_database(&src, "mysql+pymysql://rfamro@host:4497/Rfam", tables, 1000);
 *     sl_table_hints h = SL_TABLE_HINTS_INIT;
 *     h.primary_key = "rfam_id";
 *     h.incremental.cursor_path = "created";
 *     h.incremental.row_order = SL_ROW_ORDER_ASC;
 *     sl_source_apply_hints(src, "family", &h);
 *     sl_source_add_limit(src, 1);
 *     sl_pipeline_options po = SL_PIPELINE_OPTIONS_INIT;
 *     po.pipeline_name = "rfam"; po.destination = "duckdb"; po.dataset_name = "rfam_data";
 *     sl_pipeline *p;
 *     sl_pipeline_new(&p, &po);
 *     sl_load_info *info;
 *     sl_pipeline_run(&info, p, src);
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SLUICE_BUILDING) && defined(__GNUC__)
#define SL_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define SL_EXTERN(type) type
#endif

#define SLUICE_VERSION_MAJOR 0
#define SLUICE_VERSION_MINOR 1
#define SLUICE_VERSION_PATCH 0
#define SLUICE_VERSION	     "0.1.0"

/* ---------------------------------------------------------------- errors */

/*
 * The error codes, as one X-macro table: X(name, value, description). sl_strerror() is generated
 * from the same table, so a code and its text cannot drift apart.
 */
#define SL_ERROR_CODES(X)                               \
	X(SL_OK, 0, "success")                          \
	X(SL_ERROR, -1, "error")                        \
	X(SL_EINVAL, -2, "invalid argument")            \
	X(SL_ENOMEM, -3, "out of memory")               \
	X(SL_EURL, -4, "malformed connection URL")      \
	X(SL_ECONNECT, -5, "cannot connect")            \
	X(SL_EAUTH, -6, "authentication failed")        \
	X(SL_ENOTFOUND, -7, "not found")                \
	X(SL_ESOURCE, -8, "source error")               \
	X(SL_EDEST, -9, "destination error")            \
	X(SL_ESTATE, -10, "invalid pipeline state")     \
	X(SL_ETYPE, -11, "type error")                  \
	X(SL_ELOCKED, -12, "locked by another process") \
	X(SL_EUNSUPPORTED, -13, "not supported")        \
	X(SL_EIO, -14, "input/output error")            \
	X(SL_EINTERRUPTED, -15, "interrupted")          \
	X(SL_ECURSOR, -16, "missing cursor value")

typedef enum sl_error_code {
#define SL__ENUM(name, value, text) name = value,
	SL_ERROR_CODES(SL__ENUM)
#undef SL__ENUM
} sl_error_code;

/* The last error of the calling thread. `message` is never NULL. */
typedef struct sl_error {
	int code;	     /* an sl_error_code */
	const char *message; /* "context: detail", no trailing newline */
} sl_error;

/*
 * The last error set on this thread by a failing sluice call, or an error with code SL_OK and an
 * empty message when there is none. The pointer stays valid until the thread exits; its contents
 * until the next failing call on this thread.
 */
SL_EXTERN(const sl_error *) sl_error_last(void);

/* Forget the last error of this thread. */
SL_EXTERN(void) sl_error_clear(void);

/* A static description of an error code ("malformed connection URL"). Never NULL. */
SL_EXTERN(const char *) sl_strerror(int code);

/* sluice's version, "0.1.0". */
SL_EXTERN(const char *) sl_version(void);

/* The version of the default destination's library in use, e.g. DuckDB's "v1.4.4". */
SL_EXTERN(const char *) sl_destination_library_version(void);

/* ---------------------------------------------------------------- portable types */

/*
 * The portable type system every driver maps its native types into. See docs/types.md for each
 * source's mapping and the rules for values that do not fit.
 */
typedef enum sl_type {
	SL_TYPE_BOOL,
	SL_TYPE_INT8,
	SL_TYPE_INT16,
	SL_TYPE_INT32,
	SL_TYPE_INT64,
	SL_TYPE_UINT8,
	SL_TYPE_UINT16,
	SL_TYPE_UINT32,
	SL_TYPE_UINT64,
	SL_TYPE_FLOAT,
	SL_TYPE_DOUBLE,
	SL_TYPE_DECIMAL,     /* precision 1..38, scale 0..precision */
	SL_TYPE_TEXT,	     /* UTF-8 */
	SL_TYPE_BLOB,	     /* bytes, zero bytes allowed */
	SL_TYPE_JSON,	     /* UTF-8 JSON text */
	SL_TYPE_DATE,	     /* days since 1970-01-01 */
	SL_TYPE_TIME,	     /* microseconds since midnight, 0..24h */
	SL_TYPE_TIMESTAMP,   /* microseconds since 1970-01-01 00:00, no time zone */
	SL_TYPE_TIMESTAMPTZ, /* microseconds since 1970-01-01 00:00 UTC */
	SL_TYPE_INTERVAL,    /* months, days, microseconds */
	SL_TYPE_UUID,
	SL_TYPE_LIST, /* a list of one scalar type (PostgreSQL arrays); see docs/types.md */
	SL_TYPE__COUNT
} sl_type;

/* "BIGINT", "DECIMAL", "TIMESTAMPTZ"... Never NULL. */
SL_EXTERN(const char *) sl_type_name(sl_type type);

/* ---------------------------------------------------------------- sources */

typedef struct sl_source sl_source;

typedef enum sl_row_order {
	SL_ROW_ORDER_ASC = 0, /* ORDER BY cursor ASC, primary key ASC */
	SL_ROW_ORDER_DESC,    /* ORDER BY cursor DESC, primary key DESC */
	SL_ROW_ORDER_NONE     /* no ORDER BY: the database's order */
} sl_row_order;

typedef enum sl_last_value_func {
	SL_LAST_VALUE_MAX = 0,
	SL_LAST_VALUE_MIN
} sl_last_value_func;

typedef enum sl_range {
	SL_RANGE_DEFAULT = 0,
	SL_RANGE_CLOSED,
	SL_RANGE_OPEN
} sl_range;

typedef enum sl_on_missing_cursor {
	SL_MISSING_CURSOR_RAISE = 0, /* a NULL cursor fails the run, naming table, column and key */
	SL_MISSING_CURSOR_INCLUDE, /* rows with a NULL cursor are loaded (once, in the first run) */
	SL_MISSING_CURSOR_EXCLUDE  /* rows with a NULL cursor are skipped */
} sl_on_missing_cursor;

typedef enum sl_write_disposition {
	SL_WRITE_DEFAULT = 0, /* append with an incremental cursor, otherwise replace */
	SL_WRITE_APPEND,
	SL_WRITE_REPLACE,
	/* Upsert by primary key (dlt's merge): a row replaces the destination's row of its key,
	   and within one chunk the row last in cursor order wins. Needs a primary key (declared
	   or hinted) or a merge_key. A table merged once cannot then be appended to, nor the
	   other way round (the run is refused naming both); see docs/incremental.md. */
	SL_WRITE_MERGE
} sl_write_disposition;

/*
 * The incremental hint of a table, after dlt's `dlt.sources.incremental`. Values are given as
 * text and parsed as the cursor column's type ("2024-01-31 12:00:00.25", "42", "3.14").
 */
typedef struct sl_incremental {
	const char *cursor_path;   /* cursor column; NULL: no incremental loading */
	const char *initial_value; /* first lower bound; NULL: from the start */
	const char *end_value;	   /* upper bound; NULL: none (and state advances) */
	sl_row_order row_order;
	sl_last_value_func last_value_func;
	sl_range range_start; /* default closed: cursor >= last value */
	sl_range range_end;   /* default open: cursor < end value */
	const char *lag;      /* lag applied to the last value: seconds for temporal cursors,
	                              units for numeric ones; NULL: none */
	sl_on_missing_cursor on_cursor_value_missing;
} sl_incremental;

typedef struct sl_table_hints {
	unsigned version;
	const char *primary_key;    /* comma separated columns; NULL: the reflected primary key */
	sl_incremental incremental; /* cursor_path NULL: none */
	sl_write_disposition write_disposition;
	/* Version 2. The destination table, which also names the table's incremental state (dlt's
	   `table_name` hint); NULL: the source table's own name without its schema ("s1.t" loads
	   into "t"). Two tables of one source that would load into one destination table fail the
	   run before anything is written, naming both: give one of them a table_name. */
	const char *table_name;
	/* Version 2, merge only. Comma-separated columns: every destination row whose values
	   there equal a loaded row's is replaced (dlt's merge_key: e.g. reload whole days); NULL:
	   the primary key. */
	const char *merge_key;
	/* Version 2, merge only. A column that marks deleted rows (dlt's hard_delete): a row whose
	   value is true (BOOLEAN) or not NULL (any other type) deletes the destination row of its
	   key and is not loaded. NULL: none (a soft-delete flag stays an ordinary column). */
	const char *hard_delete_column;
	/* Version 2. After a run that read the table to its end, read the source's primary keys
	   alone and delete the destination rows whose key the source no longer has (physical
	   deletes, which no cursor reports), in one transaction with the state. Needs a primary
	   key; merge or append. */
	bool sync_deletes;
	/* Version 3. Comma-separated columns to load (dlt's included_columns); NULL: every column.
	   The primary key, merge key, cursor and hard-delete column must be among them. A column
	   the table does not have fails the run before anything is written, naming it. */
	const char *columns;
	/* Version 3. Comma-separated columns not to load (dlt's excluded_columns); NULL: none.
	   Same rules as `columns`; both may be given (the excluded are taken out of `columns`). */
	const char *exclude_columns;
	/* Version 3. Rows per committed chunk for this table; 0: the source's chunk size. */
	size_t chunk_size;
} sl_table_hints;

#define SL_TABLE_HINTS_VERSION 3
#define SL_INCREMENTAL_INIT                                                              \
	{                                                                                \
		NULL, NULL, NULL, SL_ROW_ORDER_ASC, SL_LAST_VALUE_MAX, SL_RANGE_DEFAULT, \
			SL_RANGE_DEFAULT, NULL, SL_MISSING_CURSOR_RAISE                  \
	}
#define SL_TABLE_HINTS_INIT                                                                      \
	{                                                                                        \
		SL_TABLE_HINTS_VERSION, NULL, SL_INCREMENTAL_INIT, SL_WRITE_DEFAULT, NULL, NULL, \
			NULL, false, NULL, NULL, 0                                               \
	}

/*
 * A SQL database source: `url` in SQLAlchemy style (mysql+pymysql://user:pw@host:port/db,
 * sqlite:///file.db, postgresql://...), the tables to load (NULL-terminated; "schema.table" is
 * allowed) and the chunk size (rows per committed chunk; 0 means the default, 50000). Nothing
 * connects yet: the URL is parsed and checked here, the database is reached by sl_pipeline_run().
 *
 * `table_names` NULL (or empty) loads every base table of the URL's database (MySQL: the URL's
 * database; PostgreSQL: the `schema` URL option, else the first schema of the search path;
 * SQLite: the file), sorted by name, as dlt's sql_database() does; it is the same as {"*"}.
 * A name holding `*`, `?` or `[` is a glob pattern (fnmatch(3)) matched against both "table" and
 * "schema.table" of the base tables there (views too with sl_source_include_views); a pattern
 * that matches no table fails the run, naming it. A table that two selections match takes the
 * hints of its exact name, else of the first pattern given that matches it.
 */
SL_EXTERN(int)
sl_source_sql_database(sl_source **out, const char *url, const char *const *table_names,
		       size_t chunk_size);

/* Set the hints of the tables one selection (a name or pattern, exactly as given to
   sl_source_sql_database; "*" when that was NULL) stands for. Returns SL_ENOTFOUND for a
   selection not made. Hints of versions 1 and 2 are accepted. */
SL_EXTERN(int)
sl_source_apply_hints(sl_source *source, const char *table, const sl_table_hints *hints);

/* Leave out the tables a name or glob pattern matches (as for selections: "table" or
   "schema.table"), even those a selection names. A pattern that matches nothing is no error. */
SL_EXTERN(int) sl_source_exclude(sl_source *source, const char *pattern);

/* Let patterns (and "all tables") match views as well as base tables. Default false: views are
   loaded only when named. */
SL_EXTERN(int) sl_source_include_views(sl_source *source, bool include);

/* Load at most `max_chunks` chunks per table per run (0: no limit). Chunks that hold no new row
   (only boundary overlap) do not count, so a run with rows left always makes progress. */
SL_EXTERN(int) sl_source_add_limit(sl_source *source, size_t max_chunks);

/* Stop a table's run after `seconds` (checked after each chunk; 0: no limit). */
SL_EXTERN(int) sl_source_set_max_time(sl_source *source, double seconds);

/*
 * Retry connecting to the source up to `retries` times (0: never, the default) when the server
 * refuses or cannot be reached (SL_ECONNECT), waiting 1 s, 2 s, 4 s... up to 30 s between tries;
 * sl_pipeline_interrupt stops the waiting. Only the connection at the start of a run is retried:
 * nothing has been read or written then, so a retry cannot lose or duplicate a row. A wrong
 * password or an unknown database is not retried, nor is a connection lost mid-run (the run
 * fails, its open chunk rolls back, and the next run continues from the last commit).
 */
SL_EXTERN(int) sl_source_set_retries(sl_source *source, unsigned retries);

SL_EXTERN(void) sl_source_free(sl_source *source);

/* ---------------------------------------------------------------- pipelines */

typedef struct sl_pipeline sl_pipeline;
typedef struct sl_progress sl_progress;

typedef struct sl_pipeline_options {
	unsigned version;
	const char *pipeline_name; /* required: [A-Za-z0-9_-]+ */
	const char *destination;   /* "duckdb" (default: <pipeline_name>.duckdb in the working
	                              directory) or a URL, e.g. "duckdb:///data/x.duckdb" */
	const char *dataset_name;  /* default: <pipeline_name>_dataset */
	bool dev_mode;		   /* dataset gets a _YYYYMMDDhhmmss suffix and starts empty */
	const char *pipelines_dir; /* local state mirror; default $SLUICE_PIPELINES_DIR or
	                              ~/.sluice/pipelines */
	bool no_load_id;	   /* do not add the _sluice_load_id column */
	const char *memory_limit; /* DuckDB memory_limit; default $SLUICE_DUCKDB_MEMORY, else "48MB"
	                              while loading and DuckDB's own for queries */
	/* Progress callback, called after each committed chunk; NULL for none. */
	void (*on_progress)(void *ctx, const sl_progress *progress);
	void *progress_ctx;
	/* How long sl_pipeline_run waits for the pipeline's lock while another run holds it, in
	   seconds: 0 refuses at once with SL_ELOCKED, a negative value waits until the lock is free
	   (or sl_pipeline_interrupt is called). */
	double wait_lock;
	/* Version 2. Tables loaded at once, each with its own source and destination connections
	   and its own chunk transactions (0 or 1: one after another). Memory is bounded by
	   `workers` times one table's. A table that fails does not stop the others. */
	unsigned workers;
	/* Version 3. Keep the source connection open from one sl_pipeline_run to the next (runs in
	   a loop: a backfill one chunk per run), as the destination connection always is; it
	   closes on sl_pipeline_close or sl_pipeline_free. A run reuses it only when it reads the
	   same source URL, and only after a run that went well: a run that fails or is interrupted
	   closes it, as does an interrupt made between runs. Every run still takes and releases
	   the pipeline's lock and reads each table's state from the destination afresh. */
	bool keep_connections;
} sl_pipeline_options;

/* What the progress callback sees after each committed chunk of a table. */
struct sl_progress {
	const char *table;
	uint64_t rows_loaded;	 /* new rows committed in this run so far */
	uint64_t rows_extracted; /* rows read in this run so far */
	uint64_t chunks;	 /* chunks committed in this run so far */
	int64_t rows_total;	 /* rows this run is expected to read in all, -1 if unknown */
	double seconds;		 /* since the table's run started */
};

#define SL_PIPELINE_OPTIONS_VERSION 3
#define SL_PIPELINE_OPTIONS_INIT                                                               \
	{                                                                                      \
		SL_PIPELINE_OPTIONS_VERSION, NULL, NULL, NULL, false, NULL, false, NULL, NULL, \
			NULL, 0, 0, false                                                      \
	}

/* Create a pipeline. Nothing is opened yet; in dev mode the dataset name is fixed here. */
SL_EXTERN(int) sl_pipeline_new(sl_pipeline **out, const sl_pipeline_options *options);

/*
 * Open an existing pipeline by name from the local pipelines directory (NULL: the default, see
 * sl_pipeline_options.pipelines_dir): its destination and dataset are those of its last run.
 * SL_ENOTFOUND if the pipeline has never run on this machine.
 */
SL_EXTERN(int)
sl_pipeline_open(sl_pipeline **out, const char *pipeline_name, const char *pipelines_dir);

/*
 * The source of the pipeline's last run on this machine (URL, tables, chunk size, hints), e.g. to
 * ask for its status. The URL's password is kept in the pipeline's local `credentials` file
 * (mode 0600), never in the state.
 */
SL_EXTERN(int) sl_pipeline_last_source(sl_source **out, sl_pipeline *pipeline);

/*
 * The pipeline's runs as recorded on this machine, to run it again: a JSON object (one line)
 * with the keys of `sluice run --config` (docs/cli.md) — "source" and "destination" (the URLs
 * with their passwords, from the local credentials file), "pipeline", "dataset", "chunk_size",
 * "exclude", "include_views" and "tables", every selection the pipeline has loaded from that
 * source (a name, a glob pattern or "*"; "T:DEST" for a table loaded under another name) with
 * its hints, enums by name ("row_order": "asc"). *out is freed with sl_free; it holds passwords,
 * so it should not be printed. SL_ENOTFOUND without a record; SL_ESTATE for a damaged one.
 */
SL_EXTERN(int) sl_pipeline_last_config(char **out, sl_pipeline *pipeline);

/* The dataset name the pipeline writes to (with the dev-mode suffix). Owned by the pipeline. */
SL_EXTERN(const char *) sl_pipeline_dataset_name(const sl_pipeline *pipeline);

/* The destination URL the pipeline writes to, any password shown as ***. Owned by the pipeline. */
SL_EXTERN(const char *) sl_pipeline_destination(const sl_pipeline *pipeline);

typedef struct sl_load_info sl_load_info;

/*
 * Run the pipeline once: for each table of the source, reflect it, then stream, dedup and append
 * its rows chunk by chunk, committing each chunk together with the state that covers it, until the
 * source is exhausted or a limit is reached. On success *out (may be NULL if not wanted) receives
 * the load info, freed with sl_load_info_free(). On failure the open chunk is rolled back:
 * everything committed before stays, nothing partial is visible. A table that fails does not
 * stop the others (an interrupt does): the run returns the first failed table's code and *out
 * still receives the load info, whose tables say each its own outcome (sl_table_load.error).
 * When the run fails before any table starts (connecting, reflecting, the lock), *out is NULL.
 *
 * One run of a pipeline at a time: a run first takes the pipeline's lock, an flock(2) on the file
 * `lock` in the pipeline's local directory and, with a PostgreSQL destination, a session-level
 * advisory lock keyed on dataset and pipeline name (runs on other machines may share it). Both
 * die with the process that holds them, so a crashed run never leaves the lock behind. While
 * another run holds it, sl_pipeline_run fails with SL_ELOCKED naming the pipeline and the holder
 * (or waits, see sl_pipeline_options.wait_lock); a DuckDB file opened by another process is
 * SL_ELOCKED naming the file. The lock is released when the run returns.
 */
SL_EXTERN(int) sl_pipeline_run(sl_load_info **out, sl_pipeline *pipeline, sl_source *source);

/*
 * Ask the pipeline's run to stop. The run checks between batches (a batch is at most 2048 rows):
 * it rolls back the open chunk, records the table's load as 'interrupted' in _sluice_loads and
 * returns SL_EINTERRUPTED with a message naming the table and the chunks committed before; every
 * committed chunk stays, with the state that covers it, and the next run continues there. A run
 * blocked on the network stops too, at once: the source's socket is shut down under a read that
 * waits (the read fails and the run ends as above), and connecting (source or destination),
 * waiting for the pipeline's lock or between retries (sl_source_set_retries) stops waiting. An
 * interrupt made while no run is going stops the next run before its first chunk; the run that
 * stops consumes it.
 *
 * Async-signal-safe and thread-safe (it sets an atomic flag and calls shutdown(2)): call it from
 * a SIGINT or SIGTERM handler, or from another thread, while `pipeline` is alive.
 */
SL_EXTERN(void) sl_pipeline_interrupt(sl_pipeline *pipeline);

/*
 * Close the connections the pipeline keeps between runs: the source's
 * (sl_pipeline_options.keep_connections) and the destination's. The next run, or dataset read,
 * opens them again. Call it before another handle opens the pipeline's DuckDB file in this
 * process (sl_dataset_open, or a second pipeline): two DuckDB instances must never hold one
 * file. Datasets from sl_pipeline_dataset share the pipeline's connection: free them first.
 */
SL_EXTERN(void) sl_pipeline_close(sl_pipeline *pipeline);

SL_EXTERN(void) sl_pipeline_free(sl_pipeline *pipeline);

/* Per table figures of one run. Index 0 .. sl_load_info_table_count()-1. */
typedef struct sl_table_load {
	const char *table;
	uint64_t rows_extracted; /* rows read from the source, overlap included */
	uint64_t rows_loaded;	 /* new rows written */
	uint64_t chunks;	 /* chunks committed */
	const char *last_value;	 /* cursor's last value as text, NULL without a cursor */
	double seconds;
	bool exhausted;	      /* the source has no rows left for this table */
	const char *warnings; /* the source's warnings, one per line (e.g. zero dates loaded as
	                            NULL), or NULL */
	/* What this run changed in the destination table because the source table changed, as the
	   JSON array also recorded in the dataset's _sluice_loads table, or NULL:
	   [{"column":"note","change":"added","type":"TEXT"},
	    {"column":"qty","change":"widened","from":"INTEGER","to":"BIGINT"},
	    {"column":"old","change":"dropped"}]   (kept, NULL from now on)
	   Other changes: "nullable" (NOT NULL dropped), "restored" (a dropped column is back), and,
	   for a replaced table, "removed" and "retyped". A change the destination cannot follow
	   fails the run before anything is written. */
	const char *schema_changes;
	/* Destination rows this run deleted: those whose latest source row was flagged
	   (hard_delete_column) and those whose key the source no longer has (sync_deletes). */
	uint64_t rows_deleted;
	/* 0, or the error code that ended this table's run; the chunks it committed before stay.
	   When tables fail, sl_pipeline_run returns the first one's code and still hands out the
	   load info (the other tables went on). */
	int error;
	const char *error_message; /* the error's message, NULL when error is 0 */
} sl_table_load;

SL_EXTERN(size_t) sl_load_info_table_count(const sl_load_info *info);
SL_EXTERN(const sl_table_load *) sl_load_info_table(const sl_load_info *info, size_t index);
SL_EXTERN(const char *) sl_load_info_load_id(const sl_load_info *info);
SL_EXTERN(void) sl_load_info_free(sl_load_info *info);

/* ---------------------------------------------------------------- datasets (read back) */

typedef struct sl_dataset sl_dataset;
typedef struct sl_rows sl_rows;

/* Open the pipeline's dataset in its destination for reading. */
SL_EXTERN(int) sl_pipeline_dataset(sl_dataset **out, sl_pipeline *pipeline);

/* Open a dataset by destination URL (or "duckdb" + pipeline name default) and dataset name. */
SL_EXTERN(int) sl_dataset_open(sl_dataset **out, const char *destination, const char *dataset_name);

SL_EXTERN(const char *) sl_dataset_name(const sl_dataset *dataset);

/* Rows in a table of the dataset. SL_ENOTFOUND if the table does not exist. */
SL_EXTERN(int) sl_dataset_row_count(uint64_t *out, sl_dataset *dataset, const char *table);

/* The dataset's tables (sluice's own _sluice_* tables included) as rows (name, row_count). */
SL_EXTERN(int) sl_dataset_tables(sl_rows **out, sl_dataset *dataset);

/* All rows of a table, in the order they were loaded (optionally at most `limit`, 0: all). */
SL_EXTERN(int)
sl_dataset_read(sl_rows **out, sl_dataset *dataset, const char *table, uint64_t limit);

/* Run SQL in the destination with the dataset as the default schema. */
SL_EXTERN(int) sl_dataset_query(sl_rows **out, sl_dataset *dataset, const char *sql);

SL_EXTERN(void) sl_dataset_free(sl_dataset *dataset);

/*
 * A stream of result rows. sl_rows_next() returns 1 when a row is current, 0 at the end, or a
 * negative error. Getters read the current row; text returned by sl_rows_text() is owned by the
 * rows object and valid until the next sl_rows_next() call.
 */
SL_EXTERN(int) sl_rows_next(sl_rows *rows);
SL_EXTERN(size_t) sl_rows_column_count(const sl_rows *rows);
SL_EXTERN(const char *) sl_rows_column_name(const sl_rows *rows, size_t column);
SL_EXTERN(sl_type) sl_rows_column_type(const sl_rows *rows, size_t column);
SL_EXTERN(bool) sl_rows_is_null(const sl_rows *rows, size_t column);
/* Integers, booleans, decimals (truncated), dates (days) and timestamps (microseconds); SL_ETYPE
   for a value that has none (text that is no integer, an infinite date or timestamp). */
SL_EXTERN(int) sl_rows_int64(int64_t *out, const sl_rows *rows, size_t column);
SL_EXTERN(int) sl_rows_double(double *out, const sl_rows *rows, size_t column);
/* Any value as text (NULL for SQL NULL); `len` (may be NULL) gets its length in bytes. */
SL_EXTERN(const char *) sl_rows_text(sl_rows *rows, size_t column, size_t *len);
SL_EXTERN(void) sl_rows_free(sl_rows *rows);

/*
 * Columnar reading (version 1 of sl_rows_batch): up to `max_rows` rows at a time, each column as one
 * array, for callers that build columns (a Python DataFrame) rather than walk values. One call
 * costs what sl_rows_next and a getter per value cost inside the library, without a call per
 * value across a language boundary.
 *
 * A column's format follows its type: SL_ROWS_INT64 for BOOL (0/1), the integers, DATE (days),
 * TIME, TIMESTAMP and TIMESTAMPTZ (microseconds, UTC); SL_ROWS_DOUBLE for FLOAT and DOUBLE;
 * SL_ROWS_TEXT, sl_rows_text's text, for every other type. Each value has a status byte: a
 * value an INT64 column cannot hold as a number (a UBIGINT above 2^63-1, an infinite date or
 * timestamp) is SL_ROWS_VALUE_TEXT, kept as text like a TEXT column's values.
 */
typedef struct sl_rows_batch sl_rows_batch;

typedef enum sl_rows_format {
	SL_ROWS_INT64 = 0,
	SL_ROWS_DOUBLE,
	SL_ROWS_TEXT
} sl_rows_format;

enum {
	SL_ROWS_VALUE_OK = 0,	/* in `values` (a TEXT column: in `text`) */
	SL_ROWS_VALUE_NULL = 1, /* SQL NULL */
	SL_ROWS_VALUE_TEXT = 2	/* an INT64 column's value that is only in `text` */
};

/* One column of a batch. Every array has sl_rows_batch_row_count() entries (offsets one more). */
typedef struct sl_rows_column {
	sl_type type;		 /* as sl_rows_column_type */
	sl_rows_format format;	 /* how the values are held */
	const void *values;	 /* int64_t[] or double[]; NULL for a TEXT column */
	const uint8_t *status;	 /* SL_ROWS_VALUE_* per row */
	const uint64_t *offsets; /* row i's text is text[offsets[i] .. offsets[i+1]) (empty for a
	                            value not held as text) */
	const char *text;	 /* the texts, end to end (may hold zero bytes; not terminated) */
} sl_rows_column;

/* A reusable batch: its memory grows to the largest batch read and is freed by sl_rows_batch_free. */
SL_EXTERN(int) sl_rows_batch_new(sl_rows_batch **out);

/*
 * Read the next rows (after the current one, if sl_rows_next made one current) into `batch`,
 * replacing what it held: returns how many (0 at the end, at most `max_rows`, which must be
 * 1..INT_MAX) or a negative error. The batch's last row stays current, so sl_rows_next and
 * sl_rows_fetch may be mixed. On an error the batch holds no rows.
 */
SL_EXTERN(int) sl_rows_fetch(sl_rows_batch *batch, sl_rows *rows, size_t max_rows);

SL_EXTERN(size_t) sl_rows_batch_row_count(const sl_rows_batch *batch);
SL_EXTERN(size_t) sl_rows_batch_column_count(const sl_rows_batch *batch);

/* Column `column` of the last fetch, owned by the batch and valid until its next fetch or free;
   NULL for a column the batch does not have. */
SL_EXTERN(const sl_rows_column *) sl_rows_batch_column(const sl_rows_batch *batch, size_t column);

SL_EXTERN(void) sl_rows_batch_free(sl_rows_batch *batch);

/* ---------------------------------------------------------------- state and status */

/* The pipeline's state as JSON text (caller frees with sl_free). Read from the destination. */
SL_EXTERN(int) sl_pipeline_state_json(char **out, sl_pipeline *pipeline);

/* What sl_pipeline_reset does with the rows already loaded into the tables it resets. */
typedef enum sl_reset_data {
	/* Keep them. The next run of an incremental (append) table then loads its rows again, on
	   top of those kept; such a table's reset is recorded in _sluice_loads (status
	   'reset_keep_data', the rows kept) so that sl_pipeline_status can say why it holds more
	   rows than its source. */
	SL_RESET_KEEP_DATA = 0,
	/* Drop the named table from the dataset (ignored when resetting every table). */
	SL_RESET_DROP_DATA = 1,
	/* Keep them, unless a table has rows its next run would load again (a cursor position
	   and rows in the destination): then SL_EINVAL naming the tables, and nothing changes. */
	SL_RESET_REFUSE_RELOAD = 2
} sl_reset_data;

/* Forget a table's incremental state (NULL: every table of the pipeline), doing `data` with
   its loaded rows (false and true, as earlier versions took, are KEEP and DROP). Takes the
   pipeline's lock like sl_pipeline_run (without waiting): SL_ELOCKED while a run holds it. */
SL_EXTERN(int) sl_pipeline_reset(sl_pipeline *pipeline, const char *table, sl_reset_data data);

/* How far a table has come. Counts are -1 and strings NULL when unknown. */
typedef struct sl_table_status {
	char *table;		  /* as named in the destination */
	int64_t rows_loaded;	  /* rows in the destination table; from the local record: rows its
				   state counts */
	char *last_value;	  /* NULL without a cursor or before the first load */
	char *source_max;	  /* the cursor's maximum in the source */
	int64_t rows_remaining;	  /* source rows after the last value (or not yet loaded) */
	int64_t source_rows;	  /* rows in the source table */
	double percent_done;	  /* of the source's rows, those loaded; -1 if unknown */
	int64_t extra_rows;	  /* destination rows beyond what the source holds up to the last
				   value: rows loaded twice (a reset that kept them) or deleted from
				   the source since; 0 if none */
	char *schema_changes;	  /* the last schema change recorded for the table, as one line
	                           ("widened qty INTEGER -> BIGINT (run of ...)"); NULL if none */
	char *last_load_started;  /* the table's last run, from _sluice_loads (UTC) */
	char *last_load_finished; /* NULL while it runs or when it was killed */
	char *last_load_status;	  /* "running", "completed", "failed", "interrupted" */
	int64_t last_load_rows;	  /* rows that run loaded */
	char *reset_kept_at;	  /* the last reset that kept the table's rows (UTC), or NULL */
	char *source_error;	  /* why the source figures are unknown, or NULL */
} sl_table_status;

/* Where a pipeline stands: its tables, and what could not be read. */
typedef struct sl_status {
	sl_table_status *tables;
	size_t ntables;
	bool run_in_progress; /* a run (or reset) on this machine holds the pipeline's lock */
	long run_pid;	      /* its process id, 0 if unknown */
	char *run_holder;     /* "pid 4242 on etl-host", or NULL */
	char *run_since;      /* when it took the lock, "2026-01-31 12:00:00" UTC, or NULL */
	/* The destination could not be opened (a run holds the DuckDB file): its message. The
	   figures are then those of the local record, as of the last committed chunk. */
	char *destination_error;
	char *source_error; /* the source could not be reached: its message (never a password) */
} sl_status;

/*
 * Status of each table of `source` (NULL: the pipeline's last source) against the pipeline's
 * destination; free with sl_status_free. It answers with what it can read: a destination held by
 * a run is replaced by the local record, and an unreachable source leaves the source figures
 * unknown (sl_status.source_error); both are success. Errors are a damaged local record or
 * state, or a destination that cannot be read for another reason.
 */
SL_EXTERN(int) sl_pipeline_status(sl_status **out, sl_pipeline *pipeline, sl_source *source);
SL_EXTERN(void) sl_status_free(sl_status *status);

/* Free memory handed out by sluice (sl_pipeline_state_json...). */
SL_EXTERN(void) sl_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_H */
