/*
 * duckdb.c — the DuckDB destination driver.
 *
 * Tables are created from portable schemas and evolved by adding columns. A batch is laid out
 * like a DuckDB data chunk (see batch.h), so appending a batch is one duckdb_append_data_chunk:
 * fixed-width columns and validity words are memcpy'd, and string headers point straight into
 * the batch's arena (the appender copies the bytes before the call returns). Appended rows join
 * the connection's open transaction. Query results are read in duckdb_rows.c.
 */
#include "drivers.h"
#include "duckdb_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * Memory, measured on a 100k-row-chunk load (bench/README.md, "Memory"): DuckDB keeps every block
 * a checkpoint writes in its buffer pool until memory_limit forces it out, so the pool grows with
 * the table (about 30 MB a million rows of `events`) up to the limit. A load never reads those
 * blocks back, so a small limit costs it nothing and makes its memory independent of the table.
 * Queries (sluice sql, show, a checksum over a big table) do need memory, so the load settings
 * hold from a load's first appender until the dataset accessor queries (end_load) or the
 * connection closes; otherwise DuckDB's defaults apply, unless the user gave a memory limit,
 * which then holds for both. Not leaving them after each run matters: changing the thread count
 * makes DuckDB hand all the memory its allocator keeps back to the system, and the next run
 * faults it in again (--limit-chunks 1 --until-done: 128k page faults for 1M rows instead of
 * 44k, a third of the CPU).
 */
/* Per connection loading (a parallel run's siblings add theirs). 48 rather than 64 since the
   reader thread holds up to 8 MB of batches (prefetch.c): PostgreSQL -> DuckDB, 2M rows, 5
   alternated runs: 3.20 s either way, peak RSS 136 -> 125 MB. */
#define LOAD_MEMORY_LIMIT_MB	  48
/* One thread while loading: sluice appends and commits from a single thread, so DuckDB's worker
   threads only checkpoint row groups in parallel, each with its own compression buffers (+20-25
   MB peak RSS on 2 cores, more on more cores) and no faster on a machine the source also needs. */
#define LOAD_THREADS		  "1"
/*
 * Checkpoint after 8 MB of WAL instead of DuckDB's 16 MB. A commit that makes DuckDB checkpoint
 * skips the WAL (its rows go straight into the file, durable once the commit returns), so with a
 * smaller threshold more of a load's chunks are written once instead of twice. With 16 MB a
 * 100000-row chunk of bench's `events` (15.6 MB of WAL) went to the WAL every second commit.
 * MySQL -> DuckDB, 1M rows, medians of 3-4 alternated runs (wall s, CPU s), 16 MB -> 8 MB:
 * chunk 50000 (the default) 5.77/3.89 -> 3.61/2.52; chunk 100000 4.26/2.71 -> 3.50/2.04; chunk
 * 20000 5.20/2.59 -> 6.34/3.14 (+22 %: small chunks now checkpoint twice as often, compressing
 * the last, partial row group again each time; the floor at 10000: CPU +21 %); the floor
 * (bench/duckdb_floor) at 5000 and 200000 rows a chunk: no change. File +4 %, peak RSS unchanged. Lower (1 MB: every commit
 * checkpoints) made 10000-row chunks 2.3x slower and their file +32 %; higher (64 MB) was slower
 * at 100000 too (more WAL).
 */
#define LOAD_CHECKPOINT_THRESHOLD "8MB"

/* Each portable type's DuckDB column type (DECIMAL gets its precision and scale added)... */
static const char *const duck_type_names[SL_TYPE__COUNT] = {
	[SL_TYPE_BOOL] = "BOOLEAN",	   [SL_TYPE_INT8] = "TINYINT",
	[SL_TYPE_INT16] = "SMALLINT",	   [SL_TYPE_INT32] = "INTEGER",
	[SL_TYPE_INT64] = "BIGINT",	   [SL_TYPE_UINT8] = "UTINYINT",
	[SL_TYPE_UINT16] = "USMALLINT",	   [SL_TYPE_UINT32] = "UINTEGER",
	[SL_TYPE_UINT64] = "UBIGINT",	   [SL_TYPE_FLOAT] = "FLOAT",
	[SL_TYPE_DOUBLE] = "DOUBLE",	   [SL_TYPE_DECIMAL] = "DECIMAL",
	[SL_TYPE_TEXT] = "VARCHAR",	   [SL_TYPE_BLOB] = "BLOB",
	[SL_TYPE_JSON] = "JSON", /* the json extension is built in */
	[SL_TYPE_DATE] = "DATE",	   [SL_TYPE_TIME] = "TIME",
	[SL_TYPE_TIMESTAMP] = "TIMESTAMP", [SL_TYPE_TIMESTAMPTZ] = "TIMESTAMPTZ",
	[SL_TYPE_INTERVAL] = "INTERVAL",   [SL_TYPE_UUID] = "UUID",
	[SL_TYPE_LIST] = "LIST", /* ELEMENT[] */
};

/* ...and the type of its values in a data chunk. */
static const duckdb_type duck_type_ids[SL_TYPE__COUNT] = {
	[SL_TYPE_BOOL] = DUCKDB_TYPE_BOOLEAN,
	[SL_TYPE_INT8] = DUCKDB_TYPE_TINYINT,
	[SL_TYPE_INT16] = DUCKDB_TYPE_SMALLINT,
	[SL_TYPE_INT32] = DUCKDB_TYPE_INTEGER,
	[SL_TYPE_INT64] = DUCKDB_TYPE_BIGINT,
	[SL_TYPE_UINT8] = DUCKDB_TYPE_UTINYINT,
	[SL_TYPE_UINT16] = DUCKDB_TYPE_USMALLINT,
	[SL_TYPE_UINT32] = DUCKDB_TYPE_UINTEGER,
	[SL_TYPE_UINT64] = DUCKDB_TYPE_UBIGINT,
	[SL_TYPE_FLOAT] = DUCKDB_TYPE_FLOAT,
	[SL_TYPE_DOUBLE] = DUCKDB_TYPE_DOUBLE,
	[SL_TYPE_DECIMAL] = DUCKDB_TYPE_DECIMAL,
	[SL_TYPE_TEXT] = DUCKDB_TYPE_VARCHAR,
	[SL_TYPE_BLOB] = DUCKDB_TYPE_BLOB,
	[SL_TYPE_JSON] = DUCKDB_TYPE_VARCHAR,
	[SL_TYPE_DATE] = DUCKDB_TYPE_DATE,
	[SL_TYPE_TIME] = DUCKDB_TYPE_TIME,
	[SL_TYPE_TIMESTAMP] = DUCKDB_TYPE_TIMESTAMP,
	[SL_TYPE_TIMESTAMPTZ] = DUCKDB_TYPE_TIMESTAMP_TZ,
	[SL_TYPE_INTERVAL] = DUCKDB_TYPE_INTERVAL,
	[SL_TYPE_UUID] = DUCKDB_TYPE_UUID,
	[SL_TYPE_LIST] = DUCKDB_TYPE_LIST,
};

static int duck_exec_changed(int64_t *changed, sl_dest_conn *conn, const char *sql);

static const sl_sql_dialect duck_dialect = {
	.name = "DuckDB",
	.scratch_kind = "",
	.exec_changed = duck_exec_changed,
	.type_names = duck_type_names,
	.search_path_literal = true,
	.table_exists_sql =
		"SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() "
		"AND lower(schema_name) = lower($1) AND lower(table_name) = lower($2)",
};

/* ---- errors ---------------------------------------------------------------------------------- */

/* The first line of a DuckDB message: the rest repeats the SQL with a caret under it. */
int duck_error(int code, const duck_conn *c, const char *msg)
{
	if (!msg)
		msg = "unknown error";
	int n = (int)strcspn(msg, "\n");
	return sl_error_set(code, "DuckDB '%s': %.*s", c->path, n, msg);
}

int duck_result_error(const duck_conn *c, duckdb_result *res)
{
	int code = duckdb_result_error_type(res) == DUCKDB_ERROR_INTERRUPT ? SL_EINTERRUPTED
									   : SL_EDEST;
	return duck_error(code, c, duckdb_result_error(res));
}

static int nomem(void)
{
	return sl_error_set(SL_ENOMEM, "out of memory");
}

/* Run SQL without parameters (several statements allowed). */
static int run(duck_conn *c, const char *sql)
{
	duckdb_result res;
	int rc = 0;
	duck_end_stream(c);
	if (duckdb_query(c->con, sql, &res) == DuckDBError)
		rc = duck_result_error(c, &res);
	duckdb_destroy_result(&res);
	return rc;
}

static int duck_exec_changed(int64_t *changed, sl_dest_conn *conn, const char *sql)
{
	duck_conn *c = (duck_conn *)conn;
	duckdb_result res;
	int rc = SL_OK;
	duck_end_stream(c);
	if (duckdb_query(c->con, sql, &res) == DuckDBError)
		rc = duck_result_error(c, &res);
	else
		*changed = (int64_t)duckdb_rows_changed(&res);
	duckdb_destroy_result(&res);
	return rc;
}

/* ---- connection ------------------------------------------------------------------------------ */

/* The catalog the destination file is attached as (see attach_file). */
#define SL_DUCKDB_CATALOG "sluice_db"

/* DuckDB says 'Could not set lock on file "x": Conflicting lock is held in prog (PID n) ...'. */
static int open_error(const char *path, const char *msg)
{
	if (!msg)
		msg = "unknown error";
	int line = (int)strcspn(msg, "\n");
	if (strstr(msg, "Could not set lock") || strstr(msg, "Conflicting lock")) {
		const char *pid = strstr(msg, "(PID ");
		if (pid)
			return sl_error_set(SL_ELOCKED,
					    "DuckDB file '%s' is locked by another process %.*s",
					    path, (int)strcspn(pid, ")") + 1, pid);
		return sl_error_set(SL_ELOCKED,
				    "DuckDB file '%s' is locked by another process: %.*s", path,
				    line, msg);
	}
	return sl_error_set(SL_EDEST, "cannot open DuckDB file '%s': %.*s", path, line, msg);
}

static void duck_close(sl_dest_conn *conn)
{
	duck_conn *c = (duck_conn *)conn;
	if (!c)
		return;
	if (c->con)
		duckdb_disconnect(&c->con);
	if (c->primary)
		c->primary->siblings--;
	else if (c->db)
		duckdb_close(&c->db);
	free(c->path);
	free(c);
}

/*
 * The file is attached under a fixed catalog name rather than opened directly: opened directly,
 * its catalog is named after the file, and a dataset (schema) of the same name makes every
 * "dataset"."table" ambiguous in DuckDB ("Ambiguous reference to catalog or schema").
 */
static int attach_file(duck_conn *c)
{
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "ATTACH ");
	sl_buf_quote_literal(&sql, c->path);
	sl_buf_puts(&sql, " AS " SL_DUCKDB_CATALOG "; USE " SL_DUCKDB_CATALOG);
	if (sql.failed) {
		sl_buf_free(&sql);
		return nomem();
	}
	duckdb_result res;
	int rc = 0;
	if (duckdb_query(c->con, sl_buf_cstr(&sql), &res) == DuckDBError)
		rc = open_error(c->path, duckdb_result_error(&res));
	duckdb_destroy_result(&res);
	sl_buf_free(&sql);
	return rc;
}

static int open_database(duck_conn *c, const char *memory_limit)
{
	duckdb_config cfg = NULL;
	if (duckdb_create_config(&cfg) == DuckDBError)
		return nomem();
	if (memory_limit && duckdb_set_config(cfg, "memory_limit", memory_limit) == DuckDBError) {
		duckdb_destroy_config(&cfg);
		return sl_error_set(SL_EINVAL, "DuckDB '%s': memory_limit '%s' is not accepted",
				    c->path, memory_limit);
	}
	char *err = NULL;
	duckdb_state st = duckdb_open_ext(":memory:", &c->db, cfg, &err);
	duckdb_destroy_config(&cfg);
	if (st == DuckDBError) {
		int rc = open_error(c->path, err);
		duckdb_free(err);
		c->db = NULL;
		return rc;
	}
	if (duckdb_connect(c->db, &c->con) == DuckDBError) {
		c->con = NULL;
		return sl_error_set(SL_EDEST, "DuckDB '%s': cannot connect to the open database",
				    c->path);
	}
	return strcmp(c->path, ":memory:") == 0 ? 0 : attach_file(c);
}

/* Enter (load) or leave the load settings; best effort: a setting DuckDB refuses (memory in use
   above a new limit) leaves the old one. A memory limit the user gave holds throughout. */
void duck_load_settings(duck_conn *c, bool load)
{
	if (c->loading == load || c->primary) /* a sibling's primary set them before it opened */
		return;
	c->loading = load;
	sl_buf sql = SL_BUF_INIT;
	if (!c->user_limit && load)
		sl_buf_printf(&sql, "SET memory_limit = '%uMB'; ",
			      LOAD_MEMORY_LIMIT_MB * (1 + c->siblings));
	else if (!c->user_limit)
		sl_buf_puts(&sql, "RESET memory_limit; ");
	sl_buf_puts(&sql, load ? "SET threads = " LOAD_THREADS
				 "; SET checkpoint_threshold = '" LOAD_CHECKPOINT_THRESHOLD "'"
			       : "RESET threads; RESET checkpoint_threshold");
	if (!sql.failed) {
		duckdb_result res;
		duckdb_query(c->con, sl_buf_cstr(&sql), &res);
		duckdb_destroy_result(&res);
	}
	sl_buf_free(&sql);
}

/* The memory_limit setting, else $SLUICE_DUCKDB_MEMORY; NULL (DuckDB's default) when empty. */
static const char *memory_limit(const sl_dest_options *options)
{
	const char *limit = sl_dest_setting_get(options, "memory_limit");
	if (!limit)
		limit = getenv("SLUICE_DUCKDB_MEMORY");
	return limit && *limit ? limit : NULL;
}

static int duck_open(sl_dest_conn **out, const sl_url *url, const sl_dest_options *options)
{
	*out = NULL;
	if (url->kind != SL_URL_DUCKDB)
		return sl_error_set(SL_EINVAL, "the DuckDB destination cannot open a %s:// URL",
				    url->scheme ? url->scheme : "non-DuckDB");
	duck_conn *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	c->path = sl_strdup(url->database && url->database[0] ? url->database : ":memory:");
	if (!c->path) {
		free(c);
		return SL_ENOMEM;
	}
	c->sql = (sl_sql_conn){{&sl_duckdb_destination}, &duck_dialect, c->path};
	const char *limit = memory_limit(options);
	c->user_limit = limit != NULL;
	int rc = open_database(c, limit);
	if (rc) {
		duck_close(&c->sql.base);
		return rc;
	}
	*out = &c->sql.base;
	return 0;
}

/* Called before any worker runs: the primary's connection is free to set the load settings for
   all of them (DuckDB's settings are the database's). */
static int duck_open_sibling(sl_dest_conn **out, sl_dest_conn *conn)
{
	duck_conn *primary = (duck_conn *)conn;
	*out = NULL;
	duck_conn *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	*c = (duck_conn){.sql = primary->sql, .db = primary->db, .primary = primary};
	c->path = sl_strdup(primary->path);
	c->sql.where = c->path;
	if (!c->path || duckdb_connect(c->db, &c->con) == DuckDBError) {
		c->con = NULL;
		duck_close(&c->sql.base);
		return c->path ? sl_error_set(SL_EDEST,
					      "DuckDB '%s': cannot open another connection",
					      primary->path)
			       : SL_ENOMEM;
	}
	primary->siblings++;
	primary->loading = false; /* (again) with the sibling's share of memory */
	duck_load_settings(primary, true);
	int rc = strcmp(c->path, ":memory:") == 0 ? 0 : run(c, "USE " SL_DUCKDB_CATALOG);
	if (rc) {
		duck_close(&c->sql.base);
		return rc;
	}
	*out = &c->sql.base;
	return 0;
}

static int duck_begin(sl_dest_conn *conn)
{
	duck_conn *c = (duck_conn *)conn;
	if (run(c, "BEGIN TRANSACTION"))
		return sl_error_wrap("cannot begin a transaction");
	c->in_txn = true;
	c->txn_seq++;
	return 0;
}

static int duck_commit(sl_dest_conn *conn)
{
	duck_conn *c = (duck_conn *)conn;
	/* A failed COMMIT rolls the transaction back: either way it is over. */
	c->in_txn = false;
	if (run(c, "COMMIT"))
		return sl_error_wrap("cannot commit");
	return 0;
}

static int duck_rollback(sl_dest_conn *conn)
{
	duck_conn *c = (duck_conn *)conn;
	bool was_open = c->in_txn;
	c->in_txn = false;
	duckdb_result res;
	int rc = 0;
	if (duckdb_query(c->con, "ROLLBACK", &res) == DuckDBError) {
		/* After a failed COMMIT DuckDB has already ended the transaction. */
		const char *msg = duckdb_result_error(&res);
		if (!(msg && strstr(msg, "no transaction is active") && !was_open))
			rc = duck_result_error(c, &res);
	}
	duckdb_destroy_result(&res);
	return rc ? sl_error_wrap("cannot roll back") : 0;
}

/* ---- statements with text parameters --------------------------------------------------------- */

int duck_prepare(duckdb_prepared_statement *out, duck_conn *c, const char *sql, size_t nparams,
		 const char *const *params)
{
	duck_end_stream(c);
	if (duckdb_prepare(c->con, sql, out) == DuckDBError) {
		int rc = duck_error(SL_EDEST, c, duckdb_prepare_error(*out));
		duckdb_destroy_prepare(out);
		return rc;
	}
	idx_t want = duckdb_nparams(*out);
	if (want != nparams) {
		duckdb_destroy_prepare(out);
		return sl_error_set(
			SL_EINVAL, "DuckDB '%s': statement takes %" PRIu64 " parameters, %zu given",
			c->path, (uint64_t)want, nparams);
	}
	/* Bound as VARCHAR: DuckDB casts each to the type the statement infers for it. */
	for (size_t i = 0; i < nparams; i++) {
		duckdb_state st = params[i] ? duckdb_bind_varchar(*out, i + 1, params[i])
					    : duckdb_bind_null(*out, i + 1);
		if (st == DuckDBError) {
			const char *msg = duckdb_prepare_error(*out);
			duck_error(SL_EINVAL, c, msg ? msg : "cannot bind the value");
			duckdb_destroy_prepare(out);
			return sl_error_wrap("parameter $%zu", i + 1);
		}
	}
	return 0;
}

static int duck_exec(sl_dest_conn *conn, const char *sql, size_t nparams, const char *const *params)
{
	duck_conn *c = (duck_conn *)conn;
	if (nparams == 0)
		return run(c, sql);
	duckdb_prepared_statement stmt;
	int rc = duck_prepare(&stmt, c, sql, nparams, params);
	if (rc)
		return rc;
	duckdb_result res;
	if (duckdb_execute_prepared(stmt, &res) == DuckDBError)
		rc = duck_result_error(c, &res);
	duckdb_destroy_result(&res);
	duckdb_destroy_prepare(&stmt);
	return rc;
}

/* ---- tables ---------------------------------------------------------------------------------- */

/* The portable type of a native type name as duckdb_columns() spells it; DECIMAL comes with its
   precision and scale from there too. */
static sl_type type_from_name(const char *name)
{
	if (strcmp(name, "TIMESTAMP WITH TIME ZONE") == 0)
		return SL_TYPE_TIMESTAMPTZ;
	if (strcmp(name, "HUGEINT") == 0 || strncmp(name, "DECIMAL(", 8) == 0)
		return SL_TYPE_DECIMAL;
	for (int t = 0; t < SL_TYPE__COUNT; t++)
		if (t != SL_TYPE_DECIMAL && strcmp(name, duck_type_names[t]) == 0)
			return (sl_type)t;
	return SL_TYPE__COUNT;
}

/* A LIST column, spelled "INTEGER[]" or "DECIMAL(10,2)[]"; a nested list is of no portable type. */
static int describe_list(sl_table_schema *schema, const char *name, bool nullable, const char *type)
{
	char element[64];
	snprintf(element, sizeof(element), "%.*s", (int)(strlen(type) - 2), type);
	sl_type t = type_from_name(element);
	int precision = 0, scale = 0;
	if (t == SL_TYPE_DECIMAL && sscanf(element, "DECIMAL(%d,%d)", &precision, &scale) != 2)
		precision = 38, scale = 0; /* HUGEINT */
	if (t == SL_TYPE__COUNT || t == SL_TYPE_LIST)
		return sl_schema_add_column(schema, name, SL_TYPE__COUNT, 0, 0, nullable, type);
	return sl_schema_add_list_column(schema, name, t, precision, scale, nullable, type);
}

static int describe_rows(sl_table_schema *schema, sl_rows *rows)
{
	int rc;
	while ((rc = rows->ops->next(rows)) == 1) {
		const char *name = rows->ops->get_text(rows, 0, NULL);
		const char *type = rows->ops->get_text(rows, 2, NULL);
		if (!name || !type)
			return SL_ENOMEM;
		int64_t nullable = 1, precision = 0, scale = 0;
		rows->ops->get_int64(&nullable, rows, 1);
		size_t tlen = strlen(type);
		if (tlen > 2 && strcmp(type + tlen - 2, "[]") == 0) {
			int col = describe_list(schema, name, nullable != 0, type);
			if (col < 0)
				return col;
			continue;
		}
		sl_type t = type_from_name(type);
		if (t == SL_TYPE_DECIMAL && !rows->ops->is_null(rows, 3)) {
			rows->ops->get_int64(&precision, rows, 3);
			rows->ops->get_int64(&scale, rows, 4);
			if (strcmp(type, "HUGEINT") == 0)
				precision = 38, scale = 0;
		}
		int col = sl_schema_add_column(schema, name, t, (int)precision, (int)scale,
					       nullable != 0, type);
		if (col < 0)
			return col;
	}
	return rc;
}

static int duck_describe_table(sl_table_schema **out, sl_dest_conn *conn, const char *dataset,
			       const char *table)
{
	static const char sql[] = "SELECT column_name, is_nullable, data_type, numeric_precision, "
				  "numeric_scale FROM duckdb_columns() "
				  "WHERE database_name = current_database() "
				  "AND lower(schema_name) = lower($1) "
				  "AND lower(table_name) = lower($2) ORDER BY column_index";
	const char *params[2] = {dataset, table};
	*out = NULL;
	sl_rows *rows;
	int rc = duck_query(&rows, conn, sql, 2, params);
	if (rc)
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	sl_table_schema *schema = sl_schema_new(dataset, table);
	rc = schema ? describe_rows(schema, rows) : SL_ENOMEM;
	rows->ops->free(rows);
	if (rc < 0 || schema->ncolumns == 0) {
		sl_schema_free(schema);
		return rc < 0 ? rc : 0;
	}
	*out = schema;
	return 0;
}

/* ---- appender -------------------------------------------------------------------------------- */

typedef enum fill_kind {
	FILL_BATCH,   /* a column of the batch */
	FILL_LOAD_ID, /* the load id in every row */
	FILL_NULL     /* a table column the schema lacks */
} fill_kind;

typedef struct duck_app_col {
	fill_kind kind;
	size_t batch_col; /* FILL_BATCH: index in the schema and the batch */
	sl_type type;	  /* FILL_BATCH: the schema's type */
	int precision;	  /* FILL_BATCH, DECIMAL: the schema's precision */
	size_t zeroed;	  /* bytes per NULL row to zero: strings and list entries must be */
} duck_app_col;

typedef struct duck_appender {
	sl_dest_appender base;
	duck_conn *conn;
	duckdb_appender app;
	duckdb_data_chunk chunk; /* reused for every batch */
	size_t ncols;		 /* the table's column count */
	duck_app_col *cols;
	size_t pending;	      /* rows appended since the last flush */
	uint64_t pending_txn; /* txn_seq those rows belong to, 0 outside a transaction */
	bool failed;	      /* DuckDB invalidated the appender */
	bool counted;	      /* in conn->appenders */
} duck_appender;

static int appender_error(duck_appender *a, const char *what)
{
	duckdb_error_data err = duckdb_appender_error_data(a->app);
	const char *msg = err ? duckdb_error_data_message(err) : NULL;
	duck_error(SL_EDEST, a->conn, msg ? msg : "appender failed");
	duckdb_destroy_error_data(&err);
	return sl_error_wrap("%s %s", what, a->base.name);
}

static duckdb_logical_type scalar_type(sl_type type, int precision, int scale)
{
	if (type == SL_TYPE_DECIMAL)
		return duckdb_create_decimal_type((uint8_t)precision, (uint8_t)scale);
	return duckdb_create_logical_type(duck_type_ids[type]);
}

/* Whether a table column of type `tt` holds `type` (a LIST's element type) byte for byte. */
static bool same_type(duckdb_logical_type tt, sl_type type, int precision, int scale)
{
	duckdb_type id = duck_type_ids[type], tid = duckdb_get_type_id(tt);
	return tid == id && (id != DUCKDB_TYPE_DECIMAL || (duckdb_decimal_width(tt) == precision &&
							   duckdb_decimal_scale(tt) == scale));
}

/* The chunk type for a schema column: the table's own type when it holds the same bytes, else the
   schema's, which the appender casts to the table's (an INTEGER batch into a BIGINT column). */
static duckdb_logical_type chunk_type(const sl_column *col, duckdb_logical_type table_type)
{
	bool same;
	if (col->type == SL_TYPE_LIST) {
		duckdb_logical_type child = duckdb_get_type_id(table_type) == DUCKDB_TYPE_LIST
						    ? duckdb_list_type_child_type(table_type)
						    : NULL;
		same = child && same_type(child, col->element, col->precision, col->scale);
		if (child)
			duckdb_destroy_logical_type(&child);
	} else {
		same = same_type(table_type, col->type, col->precision, col->scale);
	}
	if (same)
		return table_type;
	duckdb_destroy_logical_type(&table_type);
	if (col->type != SL_TYPE_LIST)
		return scalar_type(col->type, col->precision, col->scale);
	duckdb_logical_type child = scalar_type(col->element, col->precision, col->scale);
	duckdb_logical_type list = duckdb_create_list_type(child);
	duckdb_destroy_logical_type(&child);
	return list;
}

static void duck_appender_close(sl_dest_appender *appender);

/* Where table column `i`, named `name`, takes its values from; its type in the chunk. */
static duckdb_logical_type map_column(duck_appender *a, size_t i, const char *name,
				      const sl_table_schema *schema, bool *seen)
{
	duck_app_col *col = &a->cols[i];
	duckdb_logical_type type = duckdb_appender_column_type(a->app, i);
	int j = sl_schema_find(schema, name);
	if (j >= 0 && !seen[j]) {
		const sl_column *sc = &schema->columns[j];
		seen[j] = true;
		col->kind = FILL_BATCH;
		col->batch_col = (size_t)j;
		col->type = sc->type;
		col->precision = sc->precision;
		type = chunk_type(sc, type);
	} else {
		col->kind = a->base.load_id && strcasecmp(name, SL_LOAD_ID_COLUMN) == 0
				    ? FILL_LOAD_ID
				    : FILL_NULL;
	}
	duckdb_type id = duckdb_get_type_id(type);
	col->zeroed = id == DUCKDB_TYPE_VARCHAR || id == DUCKDB_TYPE_BLOB ? sizeof(duckdb_string_t)
		      : id == DUCKDB_TYPE_LIST ? sizeof(duckdb_list_entry)
					       : 0;
	return type;
}

/* Map each column of the table (`have`) to its source and build the reusable chunk. */
static int appender_setup(duck_appender *a, const sl_table_schema *have,
			  const sl_table_schema *schema)
{
	a->ncols = have->ncolumns;
	a->cols = sl_calloc(a->ncols, sizeof(*a->cols));
	duckdb_logical_type *types = sl_calloc(a->ncols, sizeof(*types));
	bool *seen = sl_calloc(schema->ncolumns ? schema->ncolumns : 1, sizeof(*seen));
	int rc = a->cols && types && seen ? SL_OK : SL_ENOMEM;
	for (size_t i = 0; !rc && i < a->ncols; i++)
		types[i] = map_column(a, i, have->columns[i].name, schema, seen);
	for (size_t j = 0; j < schema->ncolumns && !rc; j++)
		if (!seen[j])
			rc = sl_error_set(SL_EDEST,
					  "table %s has no column %s (ensure_table adds it)",
					  a->base.name, schema->columns[j].name);
	if (!rc && !(a->chunk = duckdb_create_data_chunk(types, a->ncols)))
		rc = nomem();
	for (size_t i = 0; types && i < a->ncols; i++)
		if (types[i])
			duckdb_destroy_logical_type(&types[i]);
	free(types);
	free(seen);
	return rc;
}

/* Open the DuckDB appender on the table and map its columns to the schema's. */
static int attach_table(duck_appender *a, const char *dataset, const char *table,
			const sl_table_schema *schema)
{
	duck_conn *c = a->conn;
	sl_table_schema *have;
	int rc = duck_describe_table(&have, &c->sql.base, dataset, table);
	if (rc)
		return rc;
	if (!have)
		rc = sl_error_set(SL_ENOTFOUND, "DuckDB '%s': table %s.%s does not exist", c->path,
				  dataset, table);
	else if (duckdb_appender_create_ext(c->con, NULL, dataset, table, &a->app) == DuckDBError)
		rc = appender_error(a, "cannot open an appender on");
	else if (duckdb_appender_column_count(a->app) != have->ncolumns)
		rc = sl_error_set(SL_EDEST,
				  "DuckDB '%s': table %s changed while opening an appender",
				  c->path, a->base.name);
	else
		rc = appender_setup(a, have, schema);
	sl_schema_free(have);
	return rc;
}

static int duck_appender_open(sl_dest_appender **out, sl_dest_conn *conn, const char *dataset,
			      const char *table, const sl_table_schema *schema, const char *load_id)
{
	duck_conn *c = (duck_conn *)conn;
	*out = NULL;
	if ((idx_t)SL_BATCH_CAPACITY > duckdb_vector_size())
		return sl_error_set(SL_EUNSUPPORTED,
				    "DuckDB's vector size %" PRIu64 " is below the batch size %d",
				    (uint64_t)duckdb_vector_size(), SL_BATCH_CAPACITY);
	int rc = sl_sql_check_schema(conn, dataset, table, schema);
	if (rc)
		return rc;
	duck_appender *a = sl_calloc(1, sizeof(*a));
	if (!a)
		return SL_ENOMEM;
	a->conn = c;
	rc = sl_dest_appender_init(&a->base, &sl_duckdb_destination, dataset, table, schema,
				   load_id);
	if (!rc)
		rc = attach_table(a, dataset, table, schema);
	if (rc) {
		duck_appender_close(&a->base);
		return rc;
	}
	c->appenders++;
	duck_load_settings(c, true);
	a->counted = true;
	*out = &a->base;
	return 0;
}

/* A string header: inlined up to 12 bytes, else a prefix and a pointer to `p`, which must
   stay valid until duckdb_append_data_chunk returns (the appender copies it). */
static void make_string(duckdb_string_t *s, const char *p, uint32_t len)
{
	memset(s, 0, sizeof(*s));
	s->value.inlined.length = len;
	if (len <= 12) {
		if (len)
			memcpy(s->value.inlined.inlined, p, len);
	} else {
		memcpy(s->value.pointer.prefix, p, 4);
		s->value.pointer.ptr = (char *)(uintptr_t)p;
	}
}

/* `fresh`: the vector is all valid unless written (a top-level vector of a reset chunk). */
static void copy_validity(duckdb_vector vec, const uint64_t *validity, size_t nrows, bool fresh)
{
	size_t words = (nrows + 63) / 64;
	bool all = fresh;
	for (size_t w = 0; w < words && all; w++) {
		size_t bits = w + 1 < words || nrows % 64 == 0 ? 64 : nrows % 64;
		uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
		all = (validity[w] & mask) == mask;
	}
	if (all || !words)
		return;
	duckdb_vector_ensure_validity_writable(vec);
	memcpy(duckdb_vector_get_validity(vec), validity, words * sizeof(uint64_t));
}

static void fill_null(duckdb_vector vec, const duck_app_col *col, size_t nrows)
{
	duckdb_vector_ensure_validity_writable(vec);
	memset(duckdb_vector_get_validity(vec), 0, (nrows + 63) / 64 * sizeof(uint64_t));
	if (col->zeroed)
		memset(duckdb_vector_get_data(vec), 0, nrows * col->zeroed);
}

static void fill_load_id(duckdb_vector vec, const duck_appender *a, size_t nrows)
{
	duckdb_string_t *dst = duckdb_vector_get_data(vec);
	for (size_t r = 0; r < nrows; r++)
		make_string(&dst[r], a->base.load_id, a->base.load_id_len);
}

/* Copy `n` values of `src` into `vec`; a LIST's elements go into the list's child vector. */
static void fill_vector(duckdb_vector vec, const sl_vector *src, size_t n, bool fresh)
{
	copy_validity(vec, src->validity, n, fresh);
	void *dst = duckdb_vector_get_data(vec);
	switch (src->type) {
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON: {
		const sl_bytes *s = src->data;
		duckdb_string_t *d = dst;
		for (size_t r = 0; r < n; r++) {
			if (sl_vector_is_valid(src, r))
				make_string(&d[r], s[r].ptr, s[r].len);
			else
				memset(&d[r], 0, sizeof(d[r]));
		}
		break;
	}
	case SL_TYPE_UUID: {
		const sl_int128 *s = src->data;
		duckdb_hugeint *d = dst;
		for (size_t r = 0; r < n; r++) {
			d[r].lower = s[r].lo;
			d[r].upper = (int64_t)((uint64_t)s[r].hi ^ (UINT64_C(1) << 63));
		}
		break;
	}
	case SL_TYPE_LIST: {
		/* entries of NULL rows are left from earlier batches: zero them */
		const sl_list_entry *s = src->data;
		duckdb_list_entry *d = dst;
		for (size_t r = 0; r < n; r++)
			d[r] = sl_vector_is_valid(src, r)
				       ? (duckdb_list_entry){s[r].offset, s[r].length}
				       : (duckdb_list_entry){0, 0};
		duckdb_list_vector_reserve(vec, src->child_len);
		duckdb_list_vector_set_size(vec, src->child_len);
		fill_vector(duckdb_list_vector_get_child(vec), src->child, src->child_len, false);
		break;
	}
	default:
		/* Same layout as DuckDB's (batch.h). */
		memcpy(dst, src->data, n * sl_type_value_size(src->type, src->precision));
		break;
	}
}

static int duck_append(sl_dest_appender *appender, const sl_batch *batch)
{
	duck_appender *a = (duck_appender *)appender;
	if (a->failed)
		return sl_error_set(SL_EDEST, "the appender of %s failed earlier", a->base.name);
	if (batch->nrows == 0)
		return 0;
	if (batch->nrows > SL_BATCH_CAPACITY)
		return sl_error_set(SL_EINVAL, "appending to %s: batch of %zu rows exceeds %d",
				    a->base.name, batch->nrows, SL_BATCH_CAPACITY);
	int rc = sl_dest_appender_check(&a->base, batch);
	if (rc)
		return rc;
	uint64_t txn = a->conn->in_txn ? a->conn->txn_seq : 0;
	if (a->pending && a->pending_txn != txn)
		return sl_error_set(SL_EINVAL,
				    "appending to %s: rows of an earlier transaction were "
				    "never flushed",
				    a->base.name);
	for (size_t i = 0; i < a->ncols; i++) {
		duckdb_vector vec = duckdb_data_chunk_get_vector(a->chunk, i);
		switch (a->cols[i].kind) {
		case FILL_BATCH:
			fill_vector(vec, &batch->columns[a->cols[i].batch_col], batch->nrows, true);
			break;
		case FILL_LOAD_ID:
			fill_load_id(vec, a, batch->nrows);
			break;
		case FILL_NULL:
			fill_null(vec, &a->cols[i], batch->nrows);
			break;
		}
	}
	duckdb_data_chunk_set_size(a->chunk, batch->nrows);
	duckdb_state st = duckdb_append_data_chunk(a->app, a->chunk);
	duckdb_data_chunk_reset(a->chunk);
	if (st == DuckDBError) {
		a->failed = true;
		return appender_error(a, "cannot append to");
	}
	a->pending_txn = txn;
	a->pending += batch->nrows;
	return 0;
}

static int duck_appender_flush(sl_dest_appender *appender)
{
	duck_appender *a = (duck_appender *)appender;
	if (a->failed)
		return sl_error_set(SL_EDEST, "the appender of %s failed earlier", a->base.name);
	if (duckdb_appender_flush(a->app) == DuckDBError) {
		a->failed = true;
		return appender_error(a, "cannot write rows into");
	}
	a->pending = 0;
	return 0;
}

/*
 * Destroying an appender flushes what it still holds. Rows whose transaction has ended would land
 * in a new auto-committed one, so they go into a transaction that is rolled back instead.
 * Close reports nothing: it must not overwrite the error that led to the rollback.
 */
static void duck_appender_close(sl_dest_appender *appender)
{
	duck_appender *a = (duck_appender *)appender;
	if (!a)
		return;
	if (a->app) {
		duck_conn *c = a->conn;
		bool stale = a->pending && a->pending_txn != 0 &&
			     !(c->in_txn && c->txn_seq == a->pending_txn);
		duckdb_result res;
		bool discard =
			stale && duckdb_query(c->con, "BEGIN TRANSACTION", &res) == DuckDBSuccess;
		if (stale)
			duckdb_destroy_result(&res);
		duckdb_appender_destroy(&a->app);
		if (discard) {
			duckdb_query(c->con, "ROLLBACK", &res);
			duckdb_destroy_result(&res);
		}
	}
	if (a->chunk)
		duckdb_destroy_data_chunk(&a->chunk);
	if (a->counted)
		a->conn->appenders--;
	free(a->cols);
	sl_dest_appender_clear(&a->base);
	free(a);
}

static const char *duck_library_version(void)
{
	return duckdb_library_version();
}

static void duck_end_load(sl_dest_conn *conn)
{
	duck_conn *c = (duck_conn *)conn;
	if (c->appenders == 0)
		duck_load_settings(c, false);
}

/* A relative file is made absolute, so that the pipeline can be reopened by name from any working
   directory. */
static char *duck_absolute_url(const sl_url *url, const char *given)
{
	const char *path = url->database;
	char cwd[4096];
	if (!path)
		return sl_strdup(given);
	if (path[0] == '/' || strcmp(path, ":memory:") == 0 || !getcwd(cwd, sizeof(cwd)))
		return sl_printf_alloc("duckdb:///%s", path);
	return sl_printf_alloc("duckdb:///%s/%s", cwd, path);
}

const sl_destination_driver sl_duckdb_destination = {
	.head = {SL_DESTINATION_DRIVER_VERSION, "duckdb", (const char *const[]){"duckdb", NULL}},
	.open = duck_open,
	.close = duck_close,
	.open_sibling = duck_open_sibling,
	.absolute_url = duck_absolute_url,
	.library_version = duck_library_version,
	.describe_table = duck_describe_table,
	.begin = duck_begin,
	.commit = duck_commit,
	.rollback = duck_rollback,
	.appender_open = duck_appender_open,
	.append = duck_append,
	.appender_flush = duck_appender_flush,
	.appender_close = duck_appender_close,
	.end_load = duck_end_load,
	.query = duck_query,
	.exec = duck_exec,
	SL_SQL_METHODS,
};
