/*
 * duckdb.c — the DuckDB destination driver.
 *
 * Tables are created from portable schemas and evolved by adding columns. A batch is laid out
 * like a DuckDB data chunk (see batch.h), so appending a batch is one duckdb_append_data_chunk:
 * fixed-width columns and validity words are memcpy'd, and string headers point straight into
 * the batch's arena (the appender copies the bytes before the call returns). Appended rows join
 * the connection's open transaction. Query results stream chunk by chunk behind sl_rows, with
 * every value also readable as text.
 */
#include "destination.h"
#include "drivers.h"
#include "value.h"

/* duckdb.h declares a few `f()` functions without `void`. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <duckdb.h>
#pragma GCC diagnostic pop

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
#define LOAD_MEMORY_LIMIT "64MB"
/* One thread while loading: sluice appends and commits from a single thread, so DuckDB's worker
   threads only checkpoint row groups in parallel, each with its own compression buffers (+20-25
   MB peak RSS on 2 cores, more on more cores) and no faster on a machine the source also needs. */
#define LOAD_THREADS	  "1"
#define LOAD_ID_COLUMN	  "_sluice_load_id"

typedef struct duck_conn {
	sl_dest_conn base;
	duckdb_database db;
	duckdb_connection con;
	char *path;	  /* the database file (or ":memory:"), for messages */
	bool in_txn;	  /* between begin() and commit()/rollback() */
	uint64_t txn_seq; /* counts begin() calls: which transaction an appender's rows belong to */
	bool user_limit; /* a memory_limit was given: it holds throughout (see LOAD_MEMORY_LIMIT) */
	bool loading;	 /* the load settings are in force */
	unsigned appenders; /* open appenders: end_load waits for none */
} duck_conn;

/* ---- errors ---------------------------------------------------------------------------------- */

/* The first line of a DuckDB message: the rest repeats the SQL with a caret under it. */
static int duck_error(int code, const duck_conn *c, const char *msg)
{
	if (!msg)
		msg = "unknown error";
	int n = (int)strcspn(msg, "\n");
	return sl_error_set(code, "DuckDB '%s': %.*s", c->path, n, msg);
}

static int result_error(const duck_conn *c, duckdb_result *res)
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
	if (duckdb_query(c->con, sql, &res) == DuckDBError)
		rc = result_error(c, &res);
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
	if (c->db)
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
static void load_settings(duck_conn *c, bool load)
{
	if (c->loading == load)
		return;
	c->loading = load;
	sl_buf sql = SL_BUF_INIT;
	if (!c->user_limit && load)
		sl_buf_puts(&sql, "SET memory_limit = '" LOAD_MEMORY_LIMIT "'; ");
	else if (!c->user_limit)
		sl_buf_puts(&sql, "RESET memory_limit; ");
	sl_buf_puts(&sql, load ? "SET threads = " LOAD_THREADS : "RESET threads");
	if (!sql.failed) {
		duckdb_result res;
		duckdb_query(c->con, sl_buf_cstr(&sql), &res);
		duckdb_destroy_result(&res);
	}
	sl_buf_free(&sql);
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
	c->base.driver = &sl_duckdb_destination;
	c->path = sl_strdup(url->database && url->database[0] ? url->database : ":memory:");
	if (!c->path) {
		free(c);
		return SL_ENOMEM;
	}
	const char *limit = options && options->memory_limit && options->memory_limit[0]
				    ? options->memory_limit
				    : NULL;
	c->user_limit = limit != NULL;
	int rc = open_database(c, limit);
	if (rc) {
		duck_close(&c->base);
		return rc;
	}
	*out = &c->base;
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
			rc = result_error(c, &res);
	}
	duckdb_destroy_result(&res);
	return rc ? sl_error_wrap("cannot roll back") : 0;
}

/* ---- statements with text parameters --------------------------------------------------------- */

static int prepare(duckdb_prepared_statement *out, duck_conn *c, const char *sql, size_t nparams,
		   const char *const *params)
{
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
	int rc = prepare(&stmt, c, sql, nparams, params);
	if (rc)
		return rc;
	duckdb_result res;
	if (duckdb_execute_prepared(stmt, &res) == DuckDBError)
		rc = result_error(c, &res);
	duckdb_destroy_result(&res);
	duckdb_destroy_prepare(&stmt);
	return rc;
}

/* ---- result rows ----------------------------------------------------------------------------- */

typedef struct duck_rcol {
	const char *name;     /* owned by the result */
	duckdb_type id;	      /* DuckDB type of the values in the vectors */
	sl_type type;	      /* what column_type() reports */
	duckdb_type internal; /* DECIMAL: physical type of the unscaled value */
	uint8_t scale;	      /* DECIMAL */
	const void *data;     /* the current chunk's vector data */
	uint64_t *validity;   /* the current chunk's validity, NULL when all valid */
	sl_buf text;	      /* get_text's result for the current row */
	bool have_text;	      /* text holds the current row's value */
} duck_rcol;

typedef struct duck_rows {
	sl_rows base;
	duck_conn *conn;
	duckdb_prepared_statement stmt;
	duckdb_result result;
	size_t ncols;
	duck_rcol *cols;
	duckdb_data_chunk chunk; /* the chunk holding the current row, or NULL */
	idx_t nrows;		 /* rows in chunk */
	idx_t row;		 /* current row in chunk */
	bool done;
} duck_rows;

/* Types whose vectors this file reads itself; anything else is cast to VARCHAR by DuckDB. */
static bool readable_type(duckdb_type id)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN:
	case DUCKDB_TYPE_TINYINT:
	case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_BIGINT:
	case DUCKDB_TYPE_UTINYINT:
	case DUCKDB_TYPE_USMALLINT:
	case DUCKDB_TYPE_UINTEGER:
	case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_UHUGEINT:
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE:
	case DUCKDB_TYPE_DECIMAL:
	case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB:
	case DUCKDB_TYPE_DATE:
	case DUCKDB_TYPE_TIME:
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ:
	case DUCKDB_TYPE_INTERVAL:
	case DUCKDB_TYPE_UUID:
	case DUCKDB_TYPE_SQLNULL:
		return true;
	default:
		return false;
	}
}

static sl_type portable_type(duckdb_type id, duckdb_logical_type lt)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN:
		return SL_TYPE_BOOL;
	case DUCKDB_TYPE_TINYINT:
		return SL_TYPE_INT8;
	case DUCKDB_TYPE_SMALLINT:
		return SL_TYPE_INT16;
	case DUCKDB_TYPE_INTEGER:
		return SL_TYPE_INT32;
	case DUCKDB_TYPE_BIGINT:
		return SL_TYPE_INT64;
	case DUCKDB_TYPE_UTINYINT:
		return SL_TYPE_UINT8;
	case DUCKDB_TYPE_USMALLINT:
		return SL_TYPE_UINT16;
	case DUCKDB_TYPE_UINTEGER:
		return SL_TYPE_UINT32;
	case DUCKDB_TYPE_UBIGINT:
		return SL_TYPE_UINT64;
	case DUCKDB_TYPE_FLOAT:
		return SL_TYPE_FLOAT;
	case DUCKDB_TYPE_DOUBLE:
		return SL_TYPE_DOUBLE;
	case DUCKDB_TYPE_HUGEINT: /* exact integers: DECIMAL(38,0) in the portable system */
	case DUCKDB_TYPE_UHUGEINT:
	case DUCKDB_TYPE_DECIMAL:
		return SL_TYPE_DECIMAL;
	case DUCKDB_TYPE_BLOB:
		return SL_TYPE_BLOB;
	case DUCKDB_TYPE_DATE:
		return SL_TYPE_DATE;
	case DUCKDB_TYPE_TIME:
		return SL_TYPE_TIME;
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
		return SL_TYPE_TIMESTAMP;
	case DUCKDB_TYPE_TIMESTAMP_TZ:
		return SL_TYPE_TIMESTAMPTZ;
	case DUCKDB_TYPE_INTERVAL:
		return SL_TYPE_INTERVAL;
	case DUCKDB_TYPE_UUID:
		return SL_TYPE_UUID;
	case DUCKDB_TYPE_VARCHAR: {
		/* JSON is VARCHAR with an alias. */
		char *alias = duckdb_logical_type_get_alias(lt);
		bool json = alias && strcmp(alias, "JSON") == 0;
		duckdb_free(alias);
		return json ? SL_TYPE_JSON : SL_TYPE_TEXT;
	}
	default:
		return SL_TYPE_TEXT;
	}
}

/* Whether a prepared SELECT returns a column of a type this file does not read itself. */
static bool needs_text_cast(duckdb_prepared_statement stmt)
{
	if (duckdb_prepared_statement_type(stmt) != DUCKDB_STATEMENT_TYPE_SELECT)
		return false;
	idx_t n = duckdb_prepared_statement_column_count(stmt);
	for (idx_t i = 0; i < n; i++) {
		duckdb_type id = duckdb_prepared_statement_column_type(stmt, i);
		if (id != DUCKDB_TYPE_INVALID && !readable_type(id))
			return true;
	}
	return false;
}

/*
 * The same query with the unreadable columns cast to VARCHAR (DuckDB's own text of LIST, STRUCT,
 * MAP, ENUM...), columns renamed positionally so duplicate or odd names cannot get in the way.
 */
static char *text_cast_sql(duckdb_prepared_statement stmt, const char *sql)
{
	size_t len = strlen(sql);
	while (len && (sql[len - 1] == ';' || sql[len - 1] == ' ' || sql[len - 1] == '\n' ||
		       sql[len - 1] == '\t' || sql[len - 1] == '\r'))
		len--;
	idx_t n = duckdb_prepared_statement_column_count(stmt);
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "SELECT ");
	for (idx_t i = 0; i < n; i++) {
		duckdb_type id = duckdb_prepared_statement_column_type(stmt, i);
		const char *name =
			duckdb_prepared_statement_column_name(stmt, i); /* ours to free */
		if (i)
			sl_buf_puts(&b, ", ");
		if (readable_type(id) || id == DUCKDB_TYPE_INVALID)
			sl_buf_printf(&b, "_sl_c%" PRIu64, (uint64_t)i);
		else
			sl_buf_printf(&b, "CAST(_sl_c%" PRIu64 " AS VARCHAR)", (uint64_t)i);
		sl_buf_puts(&b, " AS ");
		sl_buf_quote_ident(&b, name ? name : "", '"');
		duckdb_free((void *)(uintptr_t)name);
	}
	sl_buf_puts(&b, " FROM (");
	sl_buf_append(&b, sql, len);
	sl_buf_puts(&b, "\n) AS _sl_q(");
	for (idx_t i = 0; i < n; i++)
		sl_buf_printf(&b, "%s_sl_c%" PRIu64, i ? ", " : "", (uint64_t)i);
	sl_buf_puts(&b, ")");
	return sl_buf_detach(&b);
}

static void rows_free(sl_rows *rows)
{
	duck_rows *r = (duck_rows *)rows;
	if (!r)
		return;
	if (r->chunk)
		duckdb_destroy_data_chunk(&r->chunk);
	for (size_t i = 0; r->cols && i < r->ncols; i++)
		sl_buf_free(&r->cols[i].text);
	free(r->cols);
	duckdb_destroy_result(&r->result);
	duckdb_destroy_prepare(&r->stmt);
	free(r);
}

static int rows_next(sl_rows *rows)
{
	duck_rows *r = (duck_rows *)rows;
	for (size_t i = 0; i < r->ncols; i++)
		r->cols[i].have_text = false;
	if (r->done)
		return 0;
	if (r->chunk && r->row + 1 < r->nrows) {
		r->row++;
		return 1;
	}
	for (;;) {
		if (r->chunk)
			duckdb_destroy_data_chunk(&r->chunk);
		r->chunk = duckdb_fetch_chunk(r->result);
		if (!r->chunk) {
			r->done = true;
			if (duckdb_result_error(&r->result))
				return result_error(r->conn, &r->result);
			return 0;
		}
		r->nrows = duckdb_data_chunk_get_size(r->chunk);
		r->row = 0;
		if (r->nrows > 0)
			break;
	}
	for (size_t i = 0; i < r->ncols; i++) {
		duckdb_vector v = duckdb_data_chunk_get_vector(r->chunk, i);
		r->cols[i].data = duckdb_vector_get_data(v);
		r->cols[i].validity = duckdb_vector_get_validity(v);
	}
	return 1;
}

static size_t rows_column_count(const sl_rows *rows)
{
	return ((const duck_rows *)rows)->ncols;
}

static const char *rows_column_name(const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	return col < r->ncols ? r->cols[col].name : NULL;
}

static sl_type rows_column_type(const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	return col < r->ncols ? r->cols[col].type : SL_TYPE_TEXT;
}

static bool rows_is_null(const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	if (col >= r->ncols || !r->chunk)
		return true;
	const duck_rcol *c = &r->cols[col];
	if (c->id == DUCKDB_TYPE_SQLNULL)
		return true;
	return c->validity && !duckdb_validity_row_is_valid(c->validity, r->row);
}

#define CELL(r, c, T) (((const T *)(c)->data)[(r)->row])

static sl_i128 hugeint_value(duckdb_hugeint h)
{
	return (sl_i128)(((sl_u128)(uint64_t)h.upper << 64) | h.lower);
}

/* The unscaled value of a DECIMAL cell, or a HUGEINT. */
static sl_i128 wide_value(const duck_rows *r, const duck_rcol *c)
{
	duckdb_type id = c->id == DUCKDB_TYPE_DECIMAL ? c->internal : c->id;
	switch (id) {
	case DUCKDB_TYPE_SMALLINT:
		return CELL(r, c, int16_t);
	case DUCKDB_TYPE_INTEGER:
		return CELL(r, c, int32_t);
	case DUCKDB_TYPE_BIGINT:
		return CELL(r, c, int64_t);
	default:
		return hugeint_value(CELL(r, c, duckdb_hugeint));
	}
}

static sl_u128 uhugeint_value(duckdb_uhugeint h)
{
	return ((sl_u128)h.upper << 64) | h.lower;
}

/* Timestamps of any unit as microseconds (NS rounds toward minus infinity). */
static int64_t timestamp_micros(const duck_rows *r, const duck_rcol *c, bool *ok)
{
	int64_t v = CELL(r, c, int64_t);
	*ok = true;
	switch (c->id) {
	case DUCKDB_TYPE_TIMESTAMP_S:
		if (v > INT64_MAX / 1000000 || v < INT64_MIN / 1000000)
			*ok = false;
		return v * (*ok ? 1000000 : 0);
	case DUCKDB_TYPE_TIMESTAMP_MS:
		if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
			*ok = false;
		return v * (*ok ? 1000 : 0);
	case DUCKDB_TYPE_TIMESTAMP_NS:
		return v / 1000 - (v % 1000 < 0);
	default:
		return v;
	}
}

static int not_integer(const duck_rows *r, size_t col, const char *why)
{
	return sl_error_set(SL_ETYPE, "DuckDB '%s': column %s: %s", r->conn->path,
			    r->cols[col].name, why);
}

static int rows_get_int64(int64_t *out, const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	*out = 0;
	if (col >= r->ncols)
		return sl_error_set(SL_EINVAL, "no column %zu in the result", col);
	if (rows_is_null(rows, col))
		return not_integer(r, col, "value is NULL");
	const duck_rcol *c = &r->cols[col];
	switch (c->id) {
	case DUCKDB_TYPE_BOOLEAN:
		*out = CELL(r, c, bool);
		return 0;
	case DUCKDB_TYPE_TINYINT:
		*out = CELL(r, c, int8_t);
		return 0;
	case DUCKDB_TYPE_SMALLINT:
		*out = CELL(r, c, int16_t);
		return 0;
	case DUCKDB_TYPE_INTEGER:
		*out = CELL(r, c, int32_t);
		return 0;
	case DUCKDB_TYPE_DATE:
		*out = CELL(r, c, int32_t);
		return *out == INT32_MAX || *out == -INT32_MAX
			       ? not_integer(r, col, "an infinite date has no day number")
			       : 0;
	case DUCKDB_TYPE_BIGINT:
	case DUCKDB_TYPE_TIME:
		*out = CELL(r, c, int64_t);
		return 0;
	case DUCKDB_TYPE_UTINYINT:
		*out = CELL(r, c, uint8_t);
		return 0;
	case DUCKDB_TYPE_USMALLINT:
		*out = CELL(r, c, uint16_t);
		return 0;
	case DUCKDB_TYPE_UINTEGER:
		*out = CELL(r, c, uint32_t);
		return 0;
	case DUCKDB_TYPE_UBIGINT: {
		uint64_t v = CELL(r, c, uint64_t);
		if (v > INT64_MAX)
			return not_integer(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)v;
		return 0;
	}
	case DUCKDB_TYPE_UHUGEINT: {
		sl_u128 v = uhugeint_value(CELL(r, c, duckdb_uhugeint));
		if (v > INT64_MAX)
			return not_integer(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)v;
		return 0;
	}
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_DECIMAL: {
		sl_i128 v = wide_value(r, c);
		if (c->id == DUCKDB_TYPE_DECIMAL)
			v /= sl_pow10_i128(c->scale); /* truncates toward zero */
		if (v > INT64_MAX || v < INT64_MIN)
			return not_integer(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)v;
		return 0;
	}
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE: {
		double d = c->id == DUCKDB_TYPE_FLOAT ? CELL(r, c, float) : CELL(r, c, double);
		if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
			return not_integer(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)d;
		return 0;
	}
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ: {
		int64_t raw = CELL(r, c, int64_t);
		if (raw == INT64_MAX || raw == -INT64_MAX)
			return not_integer(r, col,
					   "an infinite timestamp has no microsecond count");
		bool ok;
		*out = timestamp_micros(r, c, &ok);
		return ok ? 0 : not_integer(r, col, "timestamp out of the microsecond range");
	}
	case DUCKDB_TYPE_VARCHAR: {
		/* Integers that arrive as text (a cast result, a state value) still read as integers. */
		sl_rows *mut = (sl_rows *)rows;
		size_t len;
		const char *s = mut->ops->get_text(mut, col, &len);
		char *end;
		errno = 0;
		long long v = s && len ? strtoll(s, &end, 10) : 0;
		if (!s || !len || errno || *end)
			return not_integer(r, col, "text is not an integer");
		*out = v;
		return 0;
	}
	default:
		return not_integer(r, col, "value is not an integer");
	}
}

static int rows_get_double(double *out, const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	*out = 0;
	if (col >= r->ncols)
		return sl_error_set(SL_EINVAL, "no column %zu in the result", col);
	if (rows_is_null(rows, col))
		return not_integer(r, col, "value is NULL");
	const duck_rcol *c = &r->cols[col];
	switch (c->id) {
	case DUCKDB_TYPE_FLOAT:
		*out = CELL(r, c, float);
		return 0;
	case DUCKDB_TYPE_DOUBLE:
		*out = CELL(r, c, double);
		return 0;
	case DUCKDB_TYPE_HUGEINT:
		*out = (double)wide_value(r, c);
		return 0;
	case DUCKDB_TYPE_UHUGEINT:
		*out = (double)uhugeint_value(CELL(r, c, duckdb_uhugeint));
		return 0;
	case DUCKDB_TYPE_UBIGINT:
		*out = (double)CELL(r, c, uint64_t);
		return 0;
	case DUCKDB_TYPE_DECIMAL:
		*out = (double)wide_value(r, c) / (double)sl_pow10_i128(c->scale);
		return 0;
	case DUCKDB_TYPE_VARCHAR: {
		sl_rows *mut = (sl_rows *)rows;
		size_t len;
		const char *s = mut->ops->get_text(mut, col, &len);
		char *end;
		errno = 0;
		double v = s && len ? strtod(s, &end) : 0;
		if (!s || !len || *end)
			return not_integer(r, col, "text is not a number");
		*out = v;
		return 0;
	}
	default: {
		int64_t v;
		if (rows_get_int64(&v, rows, col))
			return not_integer(r, col, "value is not a number");
		*out = (double)v;
		return 0;
	}
	}
}

/* ---- text of values -------------------------------------------------------------------------- */

static void put_u128(sl_buf *b, sl_u128 v)
{
	char tmp[40];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	sl_buf_append(b, tmp + i, sizeof(tmp) - i);
}

/* An unscaled DECIMAL with exactly `scale` digits after the point ("-0.05"). */
static void put_decimal(sl_buf *b, sl_i128 v, int scale)
{
	sl_u128 u = v < 0 ? -(sl_u128)v : (sl_u128)v;
	sl_buf digits = SL_BUF_INIT;
	put_u128(&digits, u);
	if (v < 0)
		sl_buf_putc(b, '-');
	size_t n = digits.len;
	const char *d = sl_buf_cstr(&digits);
	if (scale <= 0) {
		sl_buf_append(b, d, n);
	} else {
		size_t s = (size_t)scale;
		if (n <= s) {
			sl_buf_putc(b, '0');
			sl_buf_putc(b, '.');
			for (size_t i = n; i < s; i++)
				sl_buf_putc(b, '0');
			sl_buf_append(b, d, n);
		} else {
			sl_buf_append(b, d, n - s);
			sl_buf_putc(b, '.');
			sl_buf_append(b, d + n - s, s);
		}
	}
	if (digits.failed)
		b->failed = true;
	sl_buf_free(&digits);
}

/* The shortest text that reads back as the same value. */
static void put_double(sl_buf *b, double v, bool single)
{
	if (isnan(v)) {
		sl_buf_puts(b, "nan");
		return;
	}
	if (isinf(v)) {
		sl_buf_puts(b, v < 0 ? "-inf" : "inf");
		return;
	}
	char tmp[40];
	/* %g drops trailing zeros, so the first precision that round-trips is the shortest. */
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (single ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
			break;
	}
	sl_buf_puts(b, tmp);
}

/* "YYYY-MM-DD", years before 1 as DuckDB writes them: "0044-03-15 (BC)". */
static void put_date(sl_buf *b, int32_t days)
{
	int64_t y;
	unsigned m, d;
	sl_civil_from_days(days, &y, &m, &d);
	sl_buf_printf(b, "%04" PRId64 "-%02u-%02u%s", y > 0 ? y : 1 - y, m, d,
		      y > 0 ? "" : " (BC)");
}

static void put_time(sl_buf *b, int64_t micros)
{
	int64_t s = micros / 1000000, f = micros % 1000000;
	sl_buf_printf(b, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, s / 3600, s / 60 % 60, s % 60);
	if (f)
		sl_buf_printf(b, ".%06" PRId64, f);
}

static void put_timestamp(sl_buf *b, int64_t micros, bool tz)
{
	if (micros == INT64_MAX || micros == -INT64_MAX) {
		sl_buf_puts(b, micros > 0 ? "infinity" : "-infinity");
		return;
	}
	int64_t days = sl_floor_div(micros, SL_MICROS_PER_DAY);
	put_date(b, (int32_t)days);
	sl_buf_putc(b, ' ');
	put_time(b, micros - days * SL_MICROS_PER_DAY);
	if (tz)
		sl_buf_puts(b, "+00");
}

/* DuckDB's interval text: "1 year 2 months 3 days 04:05:06.789", "00:00:00" when zero. */
static void put_interval(sl_buf *b, duckdb_interval iv)
{
	size_t start = b->len;
	int32_t years = iv.months / 12, months = iv.months % 12;
	const struct {
		int32_t n;
		const char *unit;
	} parts[] = {{years, "year"}, {months, "month"}, {iv.days, "day"}};
	for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++) {
		if (!parts[i].n)
			continue;
		sl_buf_printf(b, "%s%" PRId32 " %s%s", b->len > start ? " " : "", parts[i].n,
			      parts[i].unit, parts[i].n == 1 || parts[i].n == -1 ? "" : "s");
	}
	if (iv.micros == 0) {
		if (b->len == start)
			sl_buf_puts(b, "00:00:00");
		return;
	}
	if (b->len > start)
		sl_buf_putc(b, ' ');
	uint64_t u = iv.micros < 0 ? -(uint64_t)iv.micros : (uint64_t)iv.micros;
	if (iv.micros < 0)
		sl_buf_putc(b, '-');
	uint64_t s = u / 1000000, f = u % 1000000;
	sl_buf_printf(b, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
	if (f) {
		char frac[8];
		snprintf(frac, sizeof(frac), "%06" PRIu64, f);
		size_t n = 6;
		while (frac[n - 1] == '0')
			n--;
		sl_buf_putc(b, '.');
		sl_buf_append(b, frac, n);
	}
}

/* DuckDB stores a UUID as a HUGEINT with the top bit flipped, so that they sort as bytes do. */
static void put_uuid(sl_buf *b, duckdb_hugeint h)
{
	uint64_t hi = (uint64_t)h.upper ^ (UINT64_C(1) << 63), lo = h.lower;
	sl_buf_printf(b, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
		      hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
		      lo & UINT64_C(0xffffffffffff));
}

/* DuckDB's BLOB text: printable ASCII as is, other bytes and quotes/backslash as \xHH. */
static void put_blob(sl_buf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch >= 32 && ch <= 126 && ch != '\\' && ch != '\'' && ch != '"') {
			sl_buf_putc(b, (char)ch);
		} else {
			char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
			sl_buf_append(b, esc, 4);
		}
	}
}

static void string_bytes(const duckdb_string_t *s, const char **ptr, size_t *len)
{
	*len = s->value.inlined.length;
	*ptr = *len <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
}

static void format_cell(sl_buf *b, const duck_rows *r, const duck_rcol *c)
{
	switch (c->id) {
	case DUCKDB_TYPE_BOOLEAN:
		sl_buf_puts(b, CELL(r, c, bool) ? "true" : "false");
		break;
	case DUCKDB_TYPE_TINYINT:
		sl_buf_printf(b, "%d", CELL(r, c, int8_t));
		break;
	case DUCKDB_TYPE_SMALLINT:
		sl_buf_printf(b, "%d", CELL(r, c, int16_t));
		break;
	case DUCKDB_TYPE_INTEGER:
		sl_buf_printf(b, "%" PRId32, CELL(r, c, int32_t));
		break;
	case DUCKDB_TYPE_BIGINT:
		sl_buf_printf(b, "%" PRId64, CELL(r, c, int64_t));
		break;
	case DUCKDB_TYPE_UTINYINT:
		sl_buf_printf(b, "%u", CELL(r, c, uint8_t));
		break;
	case DUCKDB_TYPE_USMALLINT:
		sl_buf_printf(b, "%u", CELL(r, c, uint16_t));
		break;
	case DUCKDB_TYPE_UINTEGER:
		sl_buf_printf(b, "%" PRIu32, CELL(r, c, uint32_t));
		break;
	case DUCKDB_TYPE_UBIGINT:
		sl_buf_printf(b, "%" PRIu64, CELL(r, c, uint64_t));
		break;
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_DECIMAL:
		put_decimal(b, wide_value(r, c), c->id == DUCKDB_TYPE_DECIMAL ? c->scale : 0);
		break;
	case DUCKDB_TYPE_UHUGEINT:
		put_u128(b, uhugeint_value(CELL(r, c, duckdb_uhugeint)));
		break;
	case DUCKDB_TYPE_FLOAT:
		put_double(b, CELL(r, c, float), true);
		break;
	case DUCKDB_TYPE_DOUBLE:
		put_double(b, CELL(r, c, double), false);
		break;
	case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB: {
		const char *p;
		size_t n;
		string_bytes(&CELL(r, c, duckdb_string_t), &p, &n);
		if (c->id == DUCKDB_TYPE_BLOB)
			put_blob(b, (const unsigned char *)p, n);
		else
			sl_buf_append(b, p, n);
		break;
	}
	case DUCKDB_TYPE_DATE: {
		int32_t d = CELL(r, c, int32_t);
		if (d == INT32_MAX || d == -INT32_MAX)
			sl_buf_puts(b, d > 0 ? "infinity" : "-infinity");
		else
			put_date(b, d);
		break;
	}
	case DUCKDB_TYPE_TIME:
		put_time(b, CELL(r, c, int64_t));
		break;
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ: {
		int64_t raw = CELL(r, c, int64_t);
		bool ok;
		int64_t us = timestamp_micros(r, c, &ok);
		if (raw == INT64_MAX || raw == -INT64_MAX)
			us = raw;
		put_timestamp(b, us, c->id == DUCKDB_TYPE_TIMESTAMP_TZ);
		break;
	}
	case DUCKDB_TYPE_INTERVAL:
		put_interval(b, CELL(r, c, duckdb_interval));
		break;
	case DUCKDB_TYPE_UUID:
		put_uuid(b, CELL(r, c, duckdb_hugeint));
		break;
	default:
		/* Only a non-SELECT statement (not rewritten by text_cast_sql) gets here. */
		sl_buf_puts(b, "?");
		break;
	}
}

static const char *rows_get_text(sl_rows *rows, size_t col, size_t *len)
{
	duck_rows *r = (duck_rows *)rows;
	if (len)
		*len = 0;
	if (rows_is_null(rows, col))
		return NULL;
	duck_rcol *c = &r->cols[col];
	if (!c->have_text) {
		sl_buf_reset(&c->text);
		format_cell(&c->text, r, c);
		if (c->text.failed) {
			nomem();
			return NULL;
		}
		c->have_text = true;
	}
	if (len)
		*len = c->text.len;
	return sl_buf_cstr(&c->text);
}

static const sl_rows_ops duck_rows_ops = {
	.next = rows_next,
	.column_count = rows_column_count,
	.column_name = rows_column_name,
	.column_type = rows_column_type,
	.is_null = rows_is_null,
	.get_int64 = rows_get_int64,
	.get_double = rows_get_double,
	.get_text = rows_get_text,
	.free = rows_free,
};

static int describe_columns(duck_rows *r)
{
	r->ncols = duckdb_column_count(&r->result);
	r->cols = sl_calloc(r->ncols ? r->ncols : 1, sizeof(*r->cols));
	if (!r->cols)
		return SL_ENOMEM;
	for (size_t i = 0; i < r->ncols; i++) {
		duck_rcol *c = &r->cols[i];
		duckdb_logical_type lt = duckdb_column_logical_type(&r->result, i);
		c->name = duckdb_column_name(&r->result, i);
		c->id = duckdb_get_type_id(lt);
		c->type = portable_type(c->id, lt);
		if (c->id == DUCKDB_TYPE_DECIMAL) {
			c->internal = duckdb_decimal_internal_type(lt);
			c->scale = duckdb_decimal_scale(lt);
		}
		duckdb_destroy_logical_type(&lt);
	}
	return 0;
}

static int duck_query(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
		      const char *const *params)
{
	duck_conn *c = (duck_conn *)conn;
	*out = NULL;
	duckdb_prepared_statement stmt;
	int rc = prepare(&stmt, c, sql, nparams, params);
	if (rc)
		return rc;
	if (needs_text_cast(stmt)) {
		char *wrapped = text_cast_sql(stmt, sql);
		duckdb_destroy_prepare(&stmt);
		if (!wrapped)
			return SL_ENOMEM;
		rc = prepare(&stmt, c, wrapped, nparams, params);
		free(wrapped);
		if (rc)
			return rc;
	}
	duck_rows *r = sl_calloc(1, sizeof(*r));
	if (!r) {
		duckdb_destroy_prepare(&stmt);
		return SL_ENOMEM;
	}
	r->base.ops = &duck_rows_ops;
	r->conn = c;
	r->stmt = stmt;
	/* Deprecated in 1.4's header, yet the C API's only way to stream a prepared statement. */
	if (duckdb_execute_prepared_streaming(stmt, &r->result) == DuckDBError) {
		rc = result_error(c, &r->result);
		rows_free(&r->base);
		return rc;
	}
	rc = describe_columns(r);
	if (rc) {
		rows_free(&r->base);
		return rc;
	}
	*out = &r->base;
	return 0;
}

/* ---- tables ---------------------------------------------------------------------------------- */

typedef struct name_list {
	char **names;
	size_t n;
} name_list;

static void names_free(name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

static bool names_has(const name_list *l, const char *name)
{
	/* DuckDB identifiers are case-insensitive, quoted or not. */
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->names[i], name) == 0)
			return true;
	return false;
}

/* The table's columns in order; none when the table does not exist. */
static int table_columns(name_list *out, duck_conn *c, const char *dataset, const char *table)
{
	static const char sql[] = "SELECT column_name FROM duckdb_columns() "
				  "WHERE database_name = current_database() "
				  "AND lower(schema_name) = lower($1) "
				  "AND lower(table_name) = lower($2) ORDER BY column_index";
	const char *params[2] = {dataset, table};
	sl_rows *rows;
	memset(out, 0, sizeof(*out));
	int rc = duck_query(&rows, &c->base, sql, 2, params);
	if (rc)
		return rc;
	size_t cap = 0;
	while ((rc = rows_next(rows)) == 1) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			char **p = sl_realloc(out->names, cap * sizeof(*p));
			if (!p) {
				rc = SL_ENOMEM;
				break;
			}
			out->names = p;
		}
		const char *name = rows_get_text(rows, 0, NULL);
		if (!name || !(out->names[out->n] = sl_strdup(name))) {
			rc = SL_ENOMEM;
			break;
		}
		out->n++;
	}
	rows_free(rows);
	if (rc < 0) {
		names_free(out);
		return rc;
	}
	return 0;
}

static int duck_table_exists(bool *out, sl_dest_conn *conn, const char *dataset, const char *table)
{
	static const char sql[] = "SELECT 1 FROM duckdb_tables() "
				  "WHERE database_name = current_database() "
				  "AND lower(schema_name) = lower($1) "
				  "AND lower(table_name) = lower($2)";
	const char *params[2] = {dataset, table};
	sl_rows *rows;
	*out = false;
	int rc = duck_query(&rows, conn, sql, 2, params);
	if (rc)
		return rc;
	rc = rows_next(rows);
	rows_free(rows);
	if (rc < 0)
		return rc;
	*out = rc == 1;
	return 0;
}

static int duck_ensure_dataset(sl_dest_conn *conn, const char *dataset)
{
	duck_conn *c = (duck_conn *)conn;
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE SCHEMA IF NOT EXISTS ");
	sl_buf_quote_ident(&b, dataset, '"');
	if (b.failed) {
		sl_buf_free(&b);
		return SL_ENOMEM;
	}
	int rc = run(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot create dataset %s", dataset) : 0;
}

/* Each portable type's DuckDB column type (DECIMAL gets its precision and scale added). */
static const struct {
	const char *name;
	duckdb_type id;
} duck_types[SL_TYPE__COUNT] = {
	[SL_TYPE_BOOL] = {"BOOLEAN", DUCKDB_TYPE_BOOLEAN},
	[SL_TYPE_INT8] = {"TINYINT", DUCKDB_TYPE_TINYINT},
	[SL_TYPE_INT16] = {"SMALLINT", DUCKDB_TYPE_SMALLINT},
	[SL_TYPE_INT32] = {"INTEGER", DUCKDB_TYPE_INTEGER},
	[SL_TYPE_INT64] = {"BIGINT", DUCKDB_TYPE_BIGINT},
	[SL_TYPE_UINT8] = {"UTINYINT", DUCKDB_TYPE_UTINYINT},
	[SL_TYPE_UINT16] = {"USMALLINT", DUCKDB_TYPE_USMALLINT},
	[SL_TYPE_UINT32] = {"UINTEGER", DUCKDB_TYPE_UINTEGER},
	[SL_TYPE_UINT64] = {"UBIGINT", DUCKDB_TYPE_UBIGINT},
	[SL_TYPE_FLOAT] = {"FLOAT", DUCKDB_TYPE_FLOAT},
	[SL_TYPE_DOUBLE] = {"DOUBLE", DUCKDB_TYPE_DOUBLE},
	[SL_TYPE_DECIMAL] = {"DECIMAL", DUCKDB_TYPE_DECIMAL},
	[SL_TYPE_TEXT] = {"VARCHAR", DUCKDB_TYPE_VARCHAR},
	[SL_TYPE_BLOB] = {"BLOB", DUCKDB_TYPE_BLOB},
	[SL_TYPE_JSON] = {"JSON", DUCKDB_TYPE_VARCHAR}, /* the json extension is built in */
	[SL_TYPE_DATE] = {"DATE", DUCKDB_TYPE_DATE},
	[SL_TYPE_TIME] = {"TIME", DUCKDB_TYPE_TIME},
	[SL_TYPE_TIMESTAMP] = {"TIMESTAMP", DUCKDB_TYPE_TIMESTAMP},
	[SL_TYPE_TIMESTAMPTZ] = {"TIMESTAMPTZ", DUCKDB_TYPE_TIMESTAMP_TZ},
	[SL_TYPE_INTERVAL] = {"INTERVAL", DUCKDB_TYPE_INTERVAL},
	[SL_TYPE_UUID] = {"UUID", DUCKDB_TYPE_UUID},
	[SL_TYPE_LIST] = {"LIST", DUCKDB_TYPE_LIST}, /* ELEMENT[] */
};

static int check_column_type(const sl_column *col)
{
	/* a LIST's precision and scale are its elements' */
	sl_type type = col->type == SL_TYPE_LIST ? col->element : col->type;
	if ((unsigned)col->type >= SL_TYPE__COUNT || (unsigned)type >= SL_TYPE__COUNT ||
	    type == SL_TYPE_LIST)
		return sl_error_set(SL_ETYPE, "column %s: unknown portable type %d", col->name,
				    (int)type);
	if (type == SL_TYPE_DECIMAL && (col->precision < 1 || col->precision > 38 ||
					col->scale < 0 || col->scale > col->precision))
		return sl_error_set(SL_ETYPE,
				    "column %s: DECIMAL(%d,%d) is outside DuckDB's range "
				    "(precision 1..38, scale 0..precision)",
				    col->name, col->precision, col->scale);
	return 0;
}

static void put_scalar_type(sl_buf *b, sl_type type, int precision, int scale)
{
	if (type == SL_TYPE_DECIMAL)
		sl_buf_printf(b, "DECIMAL(%d,%d)", precision, scale);
	else
		sl_buf_puts(b, duck_types[type].name);
}

/* The column's type; a LIST's is its element's, then []. */
static void put_type(sl_buf *b, const sl_column *col)
{
	if (col->type == SL_TYPE_LIST) {
		put_scalar_type(b, col->element, col->precision, col->scale);
		sl_buf_puts(b, "[]");
	} else {
		put_scalar_type(b, col->type, col->precision, col->scale);
	}
}

static void put_column_def(sl_buf *b, const sl_column *col, bool constraints)
{
	sl_buf_quote_ident(b, col->name, '"');
	sl_buf_putc(b, ' ');
	put_type(b, col);
	if (constraints && !col->nullable)
		sl_buf_puts(b, " NOT NULL");
}

/* No PRIMARY KEY: the index costs most of the append speed, and the pipeline dedups itself. */
static int create_table(duck_conn *c, const char *dataset, const char *table,
			const sl_table_schema *schema, bool add_load_id)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE TABLE IF NOT EXISTS ");
	sl_buf_quote_qualified(&b, dataset, table, '"');
	sl_buf_puts(&b, " (");
	for (size_t i = 0; i < schema->ncolumns; i++) {
		if (i)
			sl_buf_puts(&b, ", ");
		put_column_def(&b, &schema->columns[i], true);
	}
	if (add_load_id)
		sl_buf_puts(&b, ", \"" LOAD_ID_COLUMN "\" VARCHAR");
	sl_buf_puts(&b, ")");
	int rc = b.failed ? SL_ENOMEM : run(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc;
}

/* Columns added later are nullable: DuckDB cannot add a NOT NULL column to existing rows. */
static int add_column(duck_conn *c, const char *dataset, const char *table, const sl_column *col)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "ALTER TABLE ");
	sl_buf_quote_qualified(&b, dataset, table, '"');
	sl_buf_puts(&b, " ADD COLUMN ");
	put_column_def(&b, col, false);
	int rc = b.failed ? SL_ENOMEM : run(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot add column %s to %s.%s", col->name, dataset, table) : 0;
}

static int duck_ensure_table(sl_dest_conn *conn, const char *dataset, const char *table,
			     const sl_table_schema *schema, bool with_load_id)
{
	duck_conn *c = (duck_conn *)conn;
	if (schema->ncolumns == 0)
		return sl_error_set(SL_EINVAL, "table %s.%s: the schema has no columns", dataset,
				    table);
	for (size_t i = 0; i < schema->ncolumns; i++) {
		int rc = check_column_type(&schema->columns[i]);
		if (rc)
			return sl_error_wrap("table %s.%s", dataset, table);
	}
	bool add_load_id = with_load_id && sl_schema_find(schema, LOAD_ID_COLUMN) < 0;
	name_list have;
	int rc = table_columns(&have, c, dataset, table);
	if (rc)
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	if (have.n == 0) {
		rc = create_table(c, dataset, table, schema, add_load_id);
		if (rc)
			sl_error_wrap("cannot create table %s.%s", dataset, table);
	} else {
		for (size_t i = 0; !rc && i < schema->ncolumns; i++)
			if (!names_has(&have, schema->columns[i].name))
				rc = add_column(c, dataset, table, &schema->columns[i]);
		if (!rc && add_load_id && !names_has(&have, LOAD_ID_COLUMN)) {
			sl_column load = {
				.name = LOAD_ID_COLUMN, .type = SL_TYPE_TEXT, .nullable = true};
			rc = add_column(c, dataset, table, &load);
		}
	}
	names_free(&have);
	return rc;
}

/* The portable type of a native type name as duckdb_columns() spells it; DECIMAL comes with its
   precision and scale from there too. */
static sl_type type_from_name(const char *name)
{
	if (strcmp(name, "TIMESTAMP WITH TIME ZONE") == 0)
		return SL_TYPE_TIMESTAMPTZ;
	if (strcmp(name, "HUGEINT") == 0 || strncmp(name, "DECIMAL(", 8) == 0)
		return SL_TYPE_DECIMAL;
	for (int t = 0; t < SL_TYPE__COUNT; t++)
		if (t != SL_TYPE_DECIMAL && strcmp(name, duck_types[t].name) == 0)
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
	while ((rc = rows_next(rows)) == 1) {
		const char *name = rows_get_text(rows, 0, NULL);
		const char *type = rows_get_text(rows, 2, NULL);
		if (!name || !type)
			return SL_ENOMEM;
		int64_t nullable = 1, precision = 0, scale = 0;
		rows_get_int64(&nullable, rows, 1);
		size_t tlen = strlen(type);
		if (tlen > 2 && strcmp(type + tlen - 2, "[]") == 0) {
			int col = describe_list(schema, name, nullable != 0, type);
			if (col < 0)
				return col;
			continue;
		}
		sl_type t = type_from_name(type);
		if (t == SL_TYPE_DECIMAL && !rows_is_null(rows, 3)) {
			rows_get_int64(&precision, rows, 3);
			rows_get_int64(&scale, rows, 4);
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
	rows_free(rows);
	if (rc < 0 || schema->ncolumns == 0) {
		sl_schema_free(schema);
		return rc < 0 ? rc : 0;
	}
	*out = schema;
	return 0;
}

/* ALTER TABLE dataset.table ALTER COLUMN column <what> */
static int alter_column(duck_conn *c, const char *dataset, const char *table, const char *column,
			const sl_column *type)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "ALTER TABLE ");
	sl_buf_quote_qualified(&b, dataset, table, '"');
	sl_buf_puts(&b, " ALTER COLUMN ");
	sl_buf_quote_ident(&b, column, '"');
	if (type) {
		sl_buf_puts(&b, " SET DATA TYPE ");
		put_type(&b, type);
	} else {
		sl_buf_puts(&b, " DROP NOT NULL");
	}
	int rc = b.failed ? SL_ENOMEM : run(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot change column %s of %s.%s", column, dataset, table) : 0;
}

static int duck_widen_column(sl_dest_conn *conn, const char *dataset, const char *table,
			     const sl_column *col)
{
	int rc = check_column_type(col);
	return rc ? rc : alter_column((duck_conn *)conn, dataset, table, col->name, col);
}

static int duck_drop_not_null(sl_dest_conn *conn, const char *dataset, const char *table,
			      const char *column)
{
	return alter_column((duck_conn *)conn, dataset, table, column, NULL);
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
	size_t nschema; /* schema columns the batches must carry */
	char *load_id;
	uint32_t load_id_len;
	char *name;	      /* "dataset.table" for messages */
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
	return sl_error_wrap("%s %s", what, a->name);
}

static duckdb_logical_type scalar_type(sl_type type, int precision, int scale)
{
	if (type == SL_TYPE_DECIMAL)
		return duckdb_create_decimal_type((uint8_t)precision, (uint8_t)scale);
	return duckdb_create_logical_type(duck_types[type].id);
}

/* Whether a table column of type `tt` holds `type` (a LIST's element type) byte for byte. */
static bool same_type(duckdb_logical_type tt, sl_type type, int precision, int scale)
{
	duckdb_type id = duck_types[type].id, tid = duckdb_get_type_id(tt);
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

/* Map each table column to its source and build the reusable chunk. */
static int appender_setup(duck_appender *a, const name_list *names, const sl_table_schema *schema)
{
	a->ncols = names->n;
	a->cols = sl_calloc(a->ncols, sizeof(*a->cols));
	duckdb_logical_type *types = sl_calloc(a->ncols, sizeof(*types));
	if (!a->cols || !types) {
		free(types);
		return SL_ENOMEM;
	}
	bool *seen = sl_calloc(schema->ncolumns ? schema->ncolumns : 1, sizeof(*seen));
	if (!seen) {
		free(types);
		return SL_ENOMEM;
	}
	for (size_t i = 0; i < a->ncols; i++) {
		duck_app_col *col = &a->cols[i];
		duckdb_logical_type tt = duckdb_appender_column_type(a->app, i);
		int j = sl_schema_find(schema, names->names[i]);
		if (j >= 0 && !seen[j]) {
			const sl_column *sc = &schema->columns[j];
			seen[j] = true;
			col->kind = FILL_BATCH;
			col->batch_col = (size_t)j;
			col->type = sc->type;
			col->precision = sc->precision;
			types[i] = chunk_type(sc, tt);
		} else {
			col->kind = a->load_id && strcasecmp(names->names[i], LOAD_ID_COLUMN) == 0
					    ? FILL_LOAD_ID
					    : FILL_NULL;
			types[i] = tt;
		}
		duckdb_type id = duckdb_get_type_id(types[i]);
		col->zeroed = id == DUCKDB_TYPE_VARCHAR || id == DUCKDB_TYPE_BLOB
				      ? sizeof(duckdb_string_t)
			      : id == DUCKDB_TYPE_LIST ? sizeof(duckdb_list_entry)
						       : 0;
	}
	int rc = 0;
	for (size_t j = 0; j < schema->ncolumns && !rc; j++)
		if (!seen[j])
			rc = sl_error_set(SL_EDEST,
					  "table %s has no column %s (ensure_table adds it)",
					  a->name, schema->columns[j].name);
	if (!rc) {
		a->chunk = duckdb_create_data_chunk(types, a->ncols);
		if (!a->chunk)
			rc = nomem();
	}
	for (size_t i = 0; i < a->ncols; i++)
		duckdb_destroy_logical_type(&types[i]);
	free(types);
	free(seen);
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
	for (size_t i = 0; i < schema->ncolumns; i++)
		if (check_column_type(&schema->columns[i]))
			return sl_error_wrap("table %s.%s", dataset, table);
	duck_appender *a = sl_calloc(1, sizeof(*a));
	if (!a)
		return SL_ENOMEM;
	a->base.driver = &sl_duckdb_destination;
	a->conn = c;
	a->nschema = schema->ncolumns;
	a->name = sl_printf_alloc("%s.%s", dataset, table);
	size_t idlen = load_id ? strlen(load_id) : 0;
	if (load_id)
		a->load_id = sl_strdup(load_id);
	if (!a->name || (load_id && !a->load_id) || idlen > UINT32_MAX) {
		duck_appender_close(&a->base);
		return SL_ENOMEM;
	}
	a->load_id_len = (uint32_t)idlen;
	name_list names;
	int rc = table_columns(&names, c, dataset, table);
	if (rc) {
		duck_appender_close(&a->base);
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	}
	if (names.n == 0)
		rc = sl_error_set(SL_ENOTFOUND, "DuckDB '%s': table %s.%s does not exist", c->path,
				  dataset, table);
	else if (duckdb_appender_create_ext(c->con, NULL, dataset, table, &a->app) == DuckDBError)
		rc = appender_error(a, "cannot open an appender on");
	else if (duckdb_appender_column_count(a->app) != names.n)
		rc = sl_error_set(SL_EDEST,
				  "DuckDB '%s': table %s changed while opening an appender",
				  c->path, a->name);
	else
		rc = appender_setup(a, &names, schema);
	names_free(&names);
	if (rc) {
		duck_appender_close(&a->base);
		return rc;
	}
	c->appenders++;
	load_settings(c, true);
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
		make_string(&dst[r], a->load_id, a->load_id_len);
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

static int check_batch(const duck_appender *a, const sl_batch *batch)
{
	if (batch->ncolumns < a->nschema)
		return sl_error_set(SL_EINVAL, "appending to %s: batch has %zu columns, schema %zu",
				    a->name, batch->ncolumns, a->nschema);
	if (batch->nrows > SL_BATCH_CAPACITY)
		return sl_error_set(SL_EINVAL, "appending to %s: batch of %zu rows exceeds %d",
				    a->name, batch->nrows, SL_BATCH_CAPACITY);
	for (size_t i = 0; i < a->ncols; i++) {
		const duck_app_col *col = &a->cols[i];
		if (col->kind != FILL_BATCH)
			continue;
		const sl_vector *v = &batch->columns[col->batch_col];
		if (v->type != col->type || sl_type_value_size(v->type, v->precision) !=
						    sl_type_value_size(col->type, col->precision))
			return sl_error_set(SL_EINVAL,
					    "appending to %s: batch column %zu is %s, schema "
					    "says %s",
					    a->name, col->batch_col, sl_type_name(v->type),
					    sl_type_name(col->type));
	}
	return 0;
}

static int duck_append(sl_dest_appender *appender, const sl_batch *batch)
{
	duck_appender *a = (duck_appender *)appender;
	if (a->failed)
		return sl_error_set(SL_EDEST, "the appender of %s failed earlier", a->name);
	if (batch->nrows == 0)
		return 0;
	int rc = check_batch(a, batch);
	if (rc)
		return rc;
	uint64_t txn = a->conn->in_txn ? a->conn->txn_seq : 0;
	if (a->pending && a->pending_txn != txn)
		return sl_error_set(SL_EINVAL,
				    "appending to %s: rows of an earlier transaction were "
				    "never flushed",
				    a->name);
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
		return sl_error_set(SL_EDEST, "the appender of %s failed earlier", a->name);
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
	free(a->load_id);
	free(a->name);
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
		load_settings(c, false);
}

const sl_destination_driver sl_duckdb_destination = {
	.head = {SL_DESTINATION_DRIVER_VERSION, "duckdb", (const char *const[]){"duckdb", NULL}},
	.open = duck_open,
	.close = duck_close,
	.ensure_dataset = duck_ensure_dataset,
	.ensure_table = duck_ensure_table,
	.table_exists = duck_table_exists,
	.describe_table = duck_describe_table,
	.widen_column = duck_widen_column,
	.drop_not_null = duck_drop_not_null,
	.begin = duck_begin,
	.commit = duck_commit,
	.rollback = duck_rollback,
	.appender_open = duck_appender_open,
	.append = duck_append,
	.appender_flush = duck_appender_flush,
	.appender_close = duck_appender_close,
	.end_load = duck_end_load,
	.exec = duck_exec,
	.query = duck_query,
	.library_version = duck_library_version,
};
