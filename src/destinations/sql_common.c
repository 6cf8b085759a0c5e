/*
 * sql_common.c — the destination methods DuckDB and PostgreSQL share (sql_common.h), written
 * once in the SQL both speak, with the dialect filling in type names and the few other
 * differences.
 *
 * The bookkeeping lives in two tables of the dataset: _sluice_state, one row per pipeline and
 * table with the state's JSON and the layout version, and _sluice_loads, one row per load and
 * table. A record is replaced by a DELETE and an INSERT, which join the open transaction.
 */
#include "sql_common.h"

#include <stdio.h>
#include <string.h>

/* The load id column, as every destination table made with one has it. */
#define LOAD_ID_DEF "\"" SL_LOAD_ID_COLUMN "\" VARCHAR"

static const sl_sql_conn *sql_conn(const sl_dest_conn *conn)
{
	return (const sl_sql_conn *)conn;
}

/* Run the statement built in `sql`. */
static int run(sl_dest_conn *conn, const sl_buf *sql, size_t nparams, const char *const *params)
{
	if (sql->failed)
		return sl_error_set(SL_ENOMEM, "out of memory building SQL");
	return conn->driver->exec(conn, sl_buf_cstr(sql), nparams, params);
}

/* Start the query built in `sql` and free it. */
static int open_rows(sl_rows **out, sl_dest_conn *conn, sl_buf *sql, size_t nparams,
		     const char *const *params)
{
	*out = NULL;
	int rc = sql->failed ? sl_error_set(SL_ENOMEM, "out of memory building SQL")
			     : conn->driver->query(out, conn, sl_buf_cstr(sql), nparams, params);
	sl_buf_free(sql);
	return rc;
}

/* "<verb> "dataset"."table"<rest>": the start of most statements here. */
static void put_statement(sl_buf *b, const char *verb, const char *dataset, const char *table,
			  const char *rest)
{
	sl_buf_puts(b, verb);
	sl_buf_quote_qualified(b, dataset, table, '"');
	sl_buf_puts(b, rest);
}

/* ---- columns -------------------------------------------------------------------------------- */

static int check_name(const sl_sql_conn *c, const char *kind, const char *name)
{
	size_t max = c->dialect->max_identifier;
	if (max && strlen(name) > max)
		return sl_error_set(SL_EINVAL, "%s %s: %s name '%s' is longer than %zu bytes",
				    c->dialect->name, c->where, kind, name, max);
	return SL_OK;
}

int sl_sql_check_column(const sl_dest_conn *conn, const sl_column *col)
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
				    "column %s: DECIMAL(%d,%d) is outside the portable range "
				    "(precision 1..38, scale 0..precision)",
				    col->name, col->precision, col->scale);
	return check_name(sql_conn(conn), "column", col->name);
}

/* The column's type; a LIST's is its element's, then []. */
static void put_type(sl_buf *b, const sl_sql_dialect *d, const sl_column *col)
{
	sl_type type = col->type == SL_TYPE_LIST ? col->element : col->type;
	sl_buf_puts(b, d->type_names[type]);
	if (type == SL_TYPE_DECIMAL)
		sl_buf_printf(b, "(%d,%d)", col->precision, col->scale);
	if (col->type == SL_TYPE_LIST)
		sl_buf_puts(b, "[]");
}

static void put_column_def(sl_buf *b, const sl_sql_dialect *d, const sl_column *col,
			   bool constraints)
{
	sl_buf_quote_ident(b, col->name, '"');
	sl_buf_putc(b, ' ');
	put_type(b, d, col);
	if (constraints && !col->nullable)
		sl_buf_puts(b, " NOT NULL");
}

/* ---- tables ---------------------------------------------------------------------------------- */

int sl_sql_table_exists(bool *out, sl_dest_conn *conn, const char *dataset, const char *table)
{
	const char *params[] = {dataset, table};
	sl_rows *rows;
	*out = false;
	int rc = conn->driver->query(&rows, conn, sql_conn(conn)->dialect->table_exists_sql, 2,
				     params);
	if (rc)
		return rc;
	rc = rows->ops->next(rows);
	rows->ops->free(rows);
	*out = rc == 1;
	return rc < 0 ? rc : SL_OK;
}

/* No PRIMARY KEY: the index costs most of the append speed, and the pipeline dedups itself. */
/* CREATE `kind`TABLE ...: kind "" or the dialect's scratch_kind. */
static int create_table(sl_dest_conn *conn, const char *dataset, const char *table,
			const sl_table_schema *schema, bool add_load_id, const char *kind)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE ");
	sl_buf_puts(&b, kind);
	put_statement(&b, "TABLE IF NOT EXISTS ", dataset, table, " (");
	for (size_t i = 0; i < schema->ncolumns; i++) {
		if (i)
			sl_buf_puts(&b, ", ");
		put_column_def(&b, sql_conn(conn)->dialect, &schema->columns[i], true);
	}
	if (add_load_id)
		sl_buf_puts(&b, ", " LOAD_ID_DEF);
	sl_buf_puts(&b, ")");
	int rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot create table %s.%s", dataset, table) : SL_OK;
}

/* Columns added later are nullable: the rows already there have no value for them. A NULL col
   is the load id column. */
static int add_column(sl_dest_conn *conn, const char *dataset, const char *table,
		      const sl_column *col)
{
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "ALTER TABLE ", dataset, table, " ADD COLUMN IF NOT EXISTS ");
	if (col)
		put_column_def(&b, sql_conn(conn)->dialect, col, false);
	else
		sl_buf_puts(&b, LOAD_ID_DEF);
	int rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot add column %s to %s.%s",
				  col ? col->name : SL_LOAD_ID_COLUMN, dataset, table)
		  : SL_OK;
}

/* The columns of `schema` (and the load id) that `have` lacks. */
static int add_columns(sl_dest_conn *conn, const char *dataset, const char *table,
		       const sl_table_schema *have, const sl_table_schema *schema, bool add_load_id)
{
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < schema->ncolumns; i++)
		if (sl_schema_find(have, schema->columns[i].name) < 0)
			rc = add_column(conn, dataset, table, &schema->columns[i]);
	if (!rc && add_load_id && sl_schema_find(have, SL_LOAD_ID_COLUMN) < 0)
		rc = add_column(conn, dataset, table, NULL);
	return rc;
}

int sl_sql_check_schema(const sl_dest_conn *conn, const char *dataset, const char *table,
			const sl_table_schema *schema)
{
	if (schema->ncolumns == 0)
		return sl_error_set(SL_EINVAL, "table %s.%s: the schema has no columns", dataset,
				    table);
	int rc = check_name(sql_conn(conn), "dataset", dataset);
	if (!rc)
		rc = check_name(sql_conn(conn), "table", table);
	for (size_t i = 0; !rc && i < schema->ncolumns; i++)
		rc = sl_sql_check_column(conn, &schema->columns[i]);
	return rc ? sl_error_wrap("table %s.%s", dataset, table) : SL_OK;
}

int sl_sql_ensure_table(sl_dest_conn *conn, const char *dataset, const char *table,
			const sl_table_schema *schema, bool with_load_id)
{
	int rc = sl_sql_check_schema(conn, dataset, table, schema);
	if (rc)
		return rc;
	bool add_load_id = with_load_id && sl_schema_find(schema, SL_LOAD_ID_COLUMN) < 0;
	sl_table_schema *have;
	rc = conn->driver->describe_table(&have, conn, dataset, table);
	if (rc)
		return rc;
	if (!have)
		return create_table(conn, dataset, table, schema, add_load_id, "");
	rc = add_columns(conn, dataset, table, have, schema, add_load_id);
	sl_schema_free(have);
	return rc;
}

int sl_sql_create_scratch(sl_dest_conn *conn, const char *dataset, const char *table,
			  const sl_table_schema *schema, bool with_load_id)
{
	int rc = sl_sql_check_schema(conn, dataset, table, schema);
	rc = rc ? rc : sl_sql_drop_table(conn, dataset, table);
	return rc ? rc
		  : create_table(conn, dataset, table, schema, with_load_id,
				 sql_conn(conn)->dialect->scratch_kind);
}

/* ALTER TABLE dataset.table ALTER COLUMN column SET DATA TYPE ... | DROP NOT NULL */
static int alter_column(sl_dest_conn *conn, const char *dataset, const char *table,
			const char *column, const sl_column *type)
{
	const sl_sql_dialect *d = sql_conn(conn)->dialect;
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "ALTER TABLE ", dataset, table, " ALTER COLUMN ");
	sl_buf_quote_ident(&b, column, '"');
	if (type) {
		sl_buf_puts(&b, " SET DATA TYPE ");
		put_type(&b, d, type);
	} else {
		sl_buf_puts(&b, " DROP NOT NULL");
	}
	if (type && d->cast_on_alter) {
		sl_buf_puts(&b, " USING ");
		sl_buf_quote_ident(&b, column, '"');
		sl_buf_puts(&b, "::");
		put_type(&b, d, type);
	}
	int rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot change column %s of %s.%s", column, dataset, table)
		  : SL_OK;
}

int sl_sql_widen_column(sl_dest_conn *conn, const char *dataset, const char *table,
			const sl_column *col)
{
	int rc = sl_sql_check_column(conn, col);
	return rc ? rc : alter_column(conn, dataset, table, col->name, col);
}

int sl_sql_drop_not_null(sl_dest_conn *conn, const char *dataset, const char *table,
			 const char *column)
{
	return alter_column(conn, dataset, table, column, NULL);
}

int sl_sql_drop_table(sl_dest_conn *conn, const char *dataset, const char *table)
{
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "DROP TABLE IF EXISTS ", dataset, table, "");
	int rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc;
}

int sl_sql_swap_table(sl_dest_conn *conn, const char *dataset, const char *staging,
		      const char *table)
{
	int rc = sl_sql_drop_table(conn, dataset, table);
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "ALTER TABLE ", dataset, staging, " RENAME TO ");
	sl_buf_quote_ident(&b, table, '"');
	if (!rc)
		rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc;
}

/* ---- merge ---------------------------------------------------------------------------------- */

/* "a", "b" — the named columns of the spec's schema, quoted, with `prefix` before each. */
static void put_columns(sl_buf *b, const sl_merge_spec *m, const size_t *cols, size_t n,
			const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		sl_buf_puts(b, i ? ", " : "");
		sl_buf_puts(b, prefix);
		sl_buf_quote_ident(b, m->schema->columns[cols[i]].name, '"');
	}
}

/* s."a" = t."a" AND s."b" = t."b" for the columns `cols` of `schema` (NULL: its first n). */
static void put_match(sl_buf *b, const sl_table_schema *schema, const size_t *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = schema->columns[cols ? cols[i] : i].name;
		sl_buf_puts(b, i ? " AND s." : "s.");
		sl_buf_quote_ident(b, name, '"');
		sl_buf_puts(b, " = t.");
		sl_buf_quote_ident(b, name, '"');
	}
}

/* Every column a staged row carries, into `b` (quoted, comma-separated). */
static void put_all_columns(sl_buf *b, const sl_merge_spec *m)
{
	for (size_t i = 0; i < m->schema->ncolumns; i++) {
		sl_buf_puts(b, i ? ", " : "");
		sl_buf_quote_ident(b, m->schema->columns[i].name, '"');
	}
	if (m->with_load_id)
		sl_buf_puts(b, ", \"" SL_LOAD_ID_COLUMN "\"");
}

/* The staged rows that win, one per key: (SELECT * FROM (... row_number() ...) WHERE rn = 1).
   Without a key, or when no key comes twice, every row wins: the window costs DuckDB a copy of
   the chunk's rows, and spilling it under the load's memory limit. */
static void put_winners(sl_buf *b, const char *dataset, const char *staging, const sl_merge_spec *m)
{
	if (m->nkey == 0 || !m->repeats) {
		put_statement(b, "(SELECT * FROM ", dataset, staging, ")");
		return;
	}
	sl_buf_puts(b, "(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ");
	put_columns(b, m, m->key, m->nkey, "");
	if (m->order >= 0) {
		size_t order = (size_t)m->order;
		sl_buf_puts(b, " ORDER BY ");
		put_columns(b, m, &order, 1, "");
		sl_buf_puts(b, m->descending ? " ASC NULLS LAST" : " DESC NULLS LAST");
	}
	put_statement(b, ") AS _sluice_rn FROM ", dataset, staging, ") w WHERE _sluice_rn = 1)");
}

/* The condition that a staged row deletes, on alias s. */
static void put_deleted(sl_buf *b, const sl_merge_spec *m)
{
	const sl_column *c = &m->schema->columns[m->deleted];
	sl_buf_puts(b, "s.");
	sl_buf_quote_ident(b, c->name, '"');
	sl_buf_puts(b, c->type == SL_TYPE_BOOL ? " IS TRUE" : " IS NOT NULL");
}

static int exec_changed(int64_t *changed, sl_dest_conn *conn, const sl_buf *b)
{
	if (b->failed)
		return sl_error_set(SL_ENOMEM, "out of memory building SQL");
	return sql_conn(conn)->dialect->exec_changed(changed, conn, sl_buf_cstr(b));
}

/* The rows of `table` a winning staged row flags as deleted: removed and counted. */
static int delete_flagged(int64_t *deleted, sl_dest_conn *conn, const char *dataset,
			  const char *staging, const char *table, const sl_merge_spec *m)
{
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "DELETE FROM ", dataset, table, " t WHERE EXISTS (SELECT 1 FROM ");
	put_winners(&b, dataset, staging, m);
	sl_buf_puts(&b, " s WHERE ");
	put_deleted(&b, m);
	sl_buf_puts(&b, " AND ");
	if (m->nkey)
		put_match(&b, m->schema, m->key, m->nkey);
	else
		put_match(&b, m->schema, m->match, m->nmatch);
	sl_buf_puts(&b, ")");
	int rc = exec_changed(deleted, conn, &b);
	sl_buf_free(&b);
	return rc;
}

/* Whether values of `type` compare with < and > in both databases (json, lists and blobs do not,
   or not alike). */
static bool ranged(sl_type type)
{
	return type != SL_TYPE_JSON && type != SL_TYPE_LIST && type != SL_TYPE_BLOB &&
	       type != SL_TYPE_BOOL && type != SL_TYPE_INTERVAL;
}

/* AND t."k" BETWEEN (SELECT MIN("k") FROM staging) AND (SELECT MAX(...)): the staged keys' range
   on the first key column, which an index (PostgreSQL) or the zone maps (DuckDB) narrow the scan
   to. A backfill's keys mostly lie past the table's: its chunks' deletes then read almost
   nothing (PostgreSQL, 1M rows: 358 ms a chunk without it). */
static void put_range(sl_buf *b, const char *dataset, const char *staging, const sl_column *c)
{
	if (!ranged(c->type))
		return;
	sl_buf_puts(b, " AND t.");
	sl_buf_quote_ident(b, c->name, '"');
	for (int i = 0; i < 2; i++) {
		sl_buf_puts(b, i ? " AND (SELECT MAX(" : " BETWEEN (SELECT MIN(");
		sl_buf_quote_ident(b, c->name, '"');
		put_statement(b, ") FROM ", dataset, staging, ")");
	}
}

/* The rows of `table` whose `cols` equal a staged row's, but those of load `spare` (if any). */
static int delete_matching(sl_dest_conn *conn, const char *dataset, const char *staging,
			   const char *table, const sl_merge_spec *m, const size_t *cols, size_t n,
			   const char *spare)
{
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "DELETE FROM ", dataset, table, " t WHERE EXISTS (SELECT 1 FROM ");
	sl_buf_quote_qualified(&b, dataset, staging, '"');
	sl_buf_puts(&b, " s WHERE ");
	put_match(&b, m->schema, cols, n);
	sl_buf_puts(&b, ")");
	put_range(&b, dataset, staging, &m->schema->columns[cols[0]]);
	if (spare) {
		sl_buf_puts(&b, " AND t.\"" SL_LOAD_ID_COLUMN "\" IS DISTINCT FROM ");
		sl_buf_quote_literal(&b, spare);
	}
	int rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc;
}

/* An index on the columns rows are matched by, where the dialect wants one: without it each
   chunk's delete scans the whole table (PostgreSQL: 176 ms at 100k rows, 458 ms at 1M). */
static int index_match(sl_dest_conn *conn, const char *dataset, const char *table,
		       const sl_merge_spec *m)
{
	if (!sql_conn(conn)->dialect->index_merge_key)
		return SL_OK;
	const size_t *cols = m->nkey ? m->key : m->match;
	size_t n = m->nkey ? m->nkey : m->nmatch;
	sl_buf b = SL_BUF_INIT, name = SL_BUF_INIT;
	sl_buf_printf(&name, "%s__sluice_key", table);
	sl_buf_puts(&b, "CREATE INDEX IF NOT EXISTS ");
	sl_buf_quote_ident(&b, name.failed ? "" : sl_buf_cstr(&name), '"');
	put_statement(&b, " ON ", dataset, table, " (");
	put_columns(&b, m, cols, n, "");
	sl_buf_puts(&b, ")");
	b.failed |= name.failed;
	int rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	sl_buf_free(&name);
	return rc;
}

int sl_sql_merge(int64_t *deleted, sl_dest_conn *conn, const char *dataset, const char *staging,
		 const char *table, const sl_merge_spec *m)
{
	*deleted = 0;
	int rc = index_match(conn, dataset, table, m);
	if (!rc && m->deleted >= 0)
		rc = delete_flagged(deleted, conn, dataset, staging, table, m);
	if (!rc && m->nmatch)
		rc = delete_matching(conn, dataset, staging, table, m, m->match, m->nmatch,
				     m->load_id);
	if (!rc && m->nkey)
		rc = delete_matching(conn, dataset, staging, table, m, m->key, m->nkey, NULL);
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "INSERT INTO ", dataset, table, " (");
	put_all_columns(&b, m);
	sl_buf_puts(&b, ") SELECT ");
	put_all_columns(&b, m);
	sl_buf_puts(&b, " FROM ");
	put_winners(&b, dataset, staging, m);
	sl_buf_puts(&b, " s");
	if (m->deleted >= 0) {
		sl_buf_puts(&b, " WHERE NOT (");
		put_deleted(&b, m);
		sl_buf_puts(&b, ")");
	}
	if (!rc)
		rc = run(conn, &b, 0, NULL);
	sl_buf_reset(&b);
	put_statement(&b, "TRUNCATE ", dataset, staging, "");
	if (!rc)
		rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc;
}

int sl_sql_delete_missing(int64_t *deleted, sl_dest_conn *conn, const char *dataset,
			  const char *table, const char *keys, const sl_table_schema *key)
{
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "DELETE FROM ", dataset, table, " t WHERE NOT EXISTS (SELECT 1 FROM ");
	sl_buf_quote_qualified(&b, dataset, keys, '"');
	sl_buf_puts(&b, " s WHERE ");
	put_match(&b, key, NULL, key->ncolumns);
	sl_buf_puts(&b, ")");
	int rc = exec_changed(deleted, conn, &b);
	sl_buf_free(&b);
	return rc;
}

/* ---- the dataset and its bookkeeping -------------------------------------------------------- */

/* Datasets from before schema changes were recorded lack the column. */
static int add_schema_changes_column(sl_dest_conn *conn, const char *dataset)
{
	sl_table_schema *loads;
	int rc = conn->driver->describe_table(&loads, conn, dataset, SL_LOADS_TABLE);
	bool lacks = !rc && loads && sl_schema_find(loads, "schema_changes") < 0;
	sl_schema_free(loads);
	if (!lacks)
		return rc;
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "ALTER TABLE ", dataset, SL_LOADS_TABLE,
		      " ADD COLUMN schema_changes VARCHAR");
	rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc;
}

/* The bookkeeping tables: one row per pipeline and table, one per load and table. */
static const struct {
	const char *table, *columns;
} bookkeeping[] = {
	{SL_STATE_TABLE, " (pipeline_name VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "
			 "state VARCHAR NOT NULL, version INTEGER NOT NULL, updated_at TIMESTAMP)"},
	{SL_LOADS_TABLE, " (load_id VARCHAR NOT NULL, pipeline_name VARCHAR NOT NULL, "
			 "table_name VARCHAR NOT NULL, rows BIGINT, chunks BIGINT, "
			 "started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, "
			 "schema_changes VARCHAR)"},
};

static int create_bookkeeping(sl_dest_conn *conn, const char *dataset)
{
	sl_buf b = SL_BUF_INIT;
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < SL_ARRAY_LEN(bookkeeping); i++) {
		sl_buf_reset(&b);
		put_statement(&b, "CREATE TABLE IF NOT EXISTS ", dataset, bookkeeping[i].table,
			      bookkeeping[i].columns);
		rc = run(conn, &b, 0, NULL);
	}
	sl_buf_free(&b);
	return rc ? rc : add_schema_changes_column(conn, dataset);
}

int sl_sql_ensure_dataset(sl_dest_conn *conn, const char *dataset)
{
	int rc = check_name(sql_conn(conn), "dataset", dataset);
	if (rc)
		return rc;
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE SCHEMA IF NOT EXISTS ");
	sl_buf_quote_ident(&b, dataset, '"');
	rc = run(conn, &b, 0, NULL);
	sl_buf_free(&b);
	if (rc)
		return sl_error_wrap("cannot create dataset %s", dataset);
	return create_bookkeeping(conn, dataset);
}

/* ---- states ---------------------------------------------------------------------------------- */

/* "... WHERE pipeline_name = $1[ AND table_name = $2]" of the state table: the parameters. */
static size_t put_states_where(sl_buf *b, const char *dataset, const char *table)
{
	sl_buf_quote_qualified(b, dataset, SL_STATE_TABLE, '"');
	sl_buf_puts(b, " WHERE pipeline_name = $1");
	if (table)
		sl_buf_puts(b, " AND table_name = $2");
	return table ? 2 : 1;
}

static int visit_states(sl_rows *rows, const char *dataset, const char *pipeline,
			sl_state_visitor visit, void *ctx)
{
	int rc;
	while ((rc = rows->ops->next(rows)) == 1) {
		sl_state_record r = {.pipeline = pipeline,
				     .table = rows->ops->get_text(rows, 0, NULL),
				     .state = rows->ops->get_text(rows, 1, NULL)};
		/* the version column says what the writer's sluice was (the JSON repeats it) */
		if (rows->ops->get_int64(&r.version, rows, 2))
			return sl_error_wrap("%s.%s: version of table '%s'", dataset,
					     SL_STATE_TABLE, r.table ? r.table : "");
		if ((rc = visit(ctx, &r)) != 0)
			return rc;
	}
	return rc;
}

int sl_sql_read_states(sl_dest_conn *conn, const char *dataset, const char *pipeline,
		       const char *table, sl_state_visitor visit, void *ctx)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "SELECT table_name, state, version FROM ");
	size_t n = put_states_where(&b, dataset, table);
	sl_buf_puts(&b, " ORDER BY table_name");
	const char *params[] = {pipeline, table};
	sl_rows *rows;
	int rc = open_rows(&rows, conn, &b, n, params);
	if (rc)
		return rc;
	rc = visit_states(rows, dataset, pipeline, visit, ctx);
	rows->ops->free(rows);
	return rc < 0 ? rc : SL_OK;
}

int sl_sql_delete_states(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			 const char *table)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "DELETE FROM ");
	size_t n = put_states_where(&b, dataset, table);
	const char *params[] = {pipeline, table};
	int rc = run(conn, &b, n, params);
	sl_buf_free(&b);
	return rc;
}

/* Replace a bookkeeping record: delete the rows `where` selects with the first `nwhere`
   parameters, then insert the `columns` and `values` that take them all. */
static int replace_record(sl_dest_conn *conn, const char *dataset, const char *table,
			  const char *where, size_t nwhere, const char *columns, const char *values,
			  size_t nparams, const char *const *params)
{
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "DELETE FROM ", dataset, table, where);
	int rc = run(conn, &b, nwhere, params);
	sl_buf_reset(&b);
	put_statement(&b, "INSERT INTO ", dataset, table, columns);
	sl_buf_puts(&b, values);
	if (!rc)
		rc = run(conn, &b, nparams, params);
	sl_buf_free(&b);
	return rc;
}

int sl_sql_write_state(sl_dest_conn *conn, const char *dataset, const sl_state_record *state)
{
	char version[24];
	snprintf(version, sizeof(version), "%lld", (long long)state->version);
	const char *params[] = {state->pipeline, state->table, state->state, version,
				state->updated_at};
	return replace_record(conn, dataset, SL_STATE_TABLE,
			      " WHERE pipeline_name = $1 AND table_name = $2", 2, "",
			      " VALUES ($1, $2, $3, CAST($4 AS INTEGER), CAST($5 AS TIMESTAMP))",
			      SL_ARRAY_LEN(params), params);
}

/* ---- loads ----------------------------------------------------------------------------------- */

int sl_sql_write_load(sl_dest_conn *conn, const char *dataset, const sl_load_record *load)
{
	char rows[24], chunks[24];
	snprintf(rows, sizeof(rows), "%lld", (long long)load->rows);
	snprintf(chunks, sizeof(chunks), "%lld", (long long)load->chunks);
	const char *params[] = {load->load_id,
				load->pipeline,
				load->table,
				load->rows < 0 ? NULL : rows,
				load->chunks < 0 ? NULL : chunks,
				load->started,
				load->finished,
				load->status,
				load->schema_changes};
	return replace_record(conn, dataset, SL_LOADS_TABLE,
			      " WHERE load_id = $1 AND pipeline_name = $2 AND table_name = $3", 3,
			      " (load_id, pipeline_name, table_name, rows, chunks, started_at, "
			      "finished_at, status, schema_changes)",
			      " VALUES ($1, $2, $3, CAST($4 AS BIGINT), CAST($5 AS BIGINT), "
			      "CAST($6 AS TIMESTAMP), CAST($7 AS TIMESTAMP), $8, $9)",
			      SL_ARRAY_LEN(params), params);
}

/* The query of the records `f` selects; its parameters go to `params`, their count returned. */
static size_t put_loads_query(sl_buf *b, const char *dataset, const sl_load_filter *f,
			      const char *params[4])
{
	size_t n = 0;
	params[n++] = f->pipeline;
	params[n++] = f->table;
	sl_buf_puts(b, "SELECT load_id, pipeline_name, table_name, rows, chunks, "
		       "CAST(started_at AS VARCHAR), CAST(finished_at AS VARCHAR), status, "
		       "schema_changes FROM ");
	sl_buf_quote_qualified(b, dataset, SL_LOADS_TABLE, '"');
	sl_buf_puts(b, " WHERE pipeline_name = $1 AND table_name = $2");
	if (f->with_schema_changes)
		sl_buf_puts(b, " AND schema_changes IS NOT NULL");
	if (f->status) {
		params[n++] = f->status;
		sl_buf_printf(b, " AND status = $%zu", n);
	}
	if (f->not_status) {
		params[n++] = f->not_status;
		sl_buf_printf(b, " AND status <> $%zu", n);
	}
	sl_buf_puts(b, f->newest_only ? " ORDER BY started_at DESC, load_id DESC LIMIT 1"
				      : " ORDER BY started_at, load_id");
	return n;
}

/* Column `col` as an integer, -1 for NULL. */
static int64_t int_or_unknown(sl_rows *rows, size_t col)
{
	int64_t v = -1;
	if (!rows->ops->is_null(rows, col))
		rows->ops->get_int64(&v, rows, col);
	return v;
}

int sl_sql_read_loads(sl_dest_conn *conn, const char *dataset, const sl_load_filter *filter,
		      sl_load_visitor visit, void *ctx)
{
	const char *params[4];
	sl_buf b = SL_BUF_INIT;
	size_t n = put_loads_query(&b, dataset, filter, params);
	sl_rows *rows;
	int rc = open_rows(&rows, conn, &b, n, params);
	while (!rc && (rc = rows->ops->next(rows)) == 1) {
		sl_load_record r = {.load_id = rows->ops->get_text(rows, 0, NULL),
				    .pipeline = rows->ops->get_text(rows, 1, NULL),
				    .table = rows->ops->get_text(rows, 2, NULL),
				    .rows = int_or_unknown(rows, 3),
				    .chunks = int_or_unknown(rows, 4),
				    .started = rows->ops->get_text(rows, 5, NULL),
				    .finished = rows->ops->get_text(rows, 6, NULL),
				    .status = rows->ops->get_text(rows, 7, NULL),
				    .schema_changes = rows->ops->get_text(rows, 8, NULL)};
		rc = visit(ctx, &r);
	}
	if (rows)
		rows->ops->free(rows);
	return rc < 0 ? rc : SL_OK;
}

int sl_sql_recorded_tables(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			   sl_name_visitor visit, void *ctx)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "SELECT table_name FROM ");
	sl_buf_quote_qualified(&b, dataset, SL_STATE_TABLE, '"');
	sl_buf_puts(&b, " WHERE pipeline_name = $1 UNION SELECT table_name FROM ");
	sl_buf_quote_qualified(&b, dataset, SL_LOADS_TABLE, '"');
	sl_buf_puts(&b, " WHERE pipeline_name = $1");
	const char *params[] = {pipeline};
	sl_rows *rows;
	int rc = open_rows(&rows, conn, &b, 1, params);
	while (!rc && (rc = rows->ops->next(rows)) == 1) {
		const char *name = rows->ops->get_text(rows, 0, NULL);
		rc = name ? visit(ctx, name) : SL_OK;
	}
	if (rows)
		rows->ops->free(rows);
	return rc < 0 ? rc : SL_OK;
}

/* ---- reading back ---------------------------------------------------------------------------- */

int sl_sql_count_rows(int64_t *out, sl_dest_conn *conn, const char *dataset, const char *table)
{
	*out = 0;
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "SELECT COUNT(*) FROM ", dataset, table, "");
	sl_rows *rows;
	int rc = open_rows(&rows, conn, &b, 0, NULL);
	if (rc)
		return rc;
	if ((rc = rows->ops->next(rows)) == 1)
		rc = rows->ops->get_int64(out, rows, 0);
	rows->ops->free(rows);
	return rc < 0 ? rc : SL_OK;
}

/* One statement counting every table, so that the result streams like any other. */
static int count_each(sl_rows **out, sl_dest_conn *conn, const char *dataset, sl_rows *names)
{
	sl_buf b = SL_BUF_INIT;
	size_t n = 0;
	int rc;
	while ((rc = names->ops->next(names)) == 1) {
		const char *t = names->ops->get_text(names, 0, NULL);
		sl_buf_puts(&b, n++ ? " UNION ALL SELECT " : "SELECT ");
		sl_buf_quote_literal(&b, t ? t : "");
		sl_buf_puts(&b, " AS name, (SELECT COUNT(*) FROM ");
		sl_buf_quote_qualified(&b, dataset, t ? t : "", '"');
		sl_buf_puts(&b, ") AS row_count");
	}
	names->ops->free(names);
	if (rc == 0 && n == 0)
		sl_buf_puts(&b,
			    "SELECT CAST(NULL AS VARCHAR) AS name, CAST(0 AS BIGINT) AS row_count "
			    "WHERE 1 = 0");
	else if (rc == 0)
		sl_buf_puts(&b, " ORDER BY name");
	if (rc == 0)
		return open_rows(out, conn, &b, 0, NULL);
	sl_buf_free(&b);
	return rc;
}

int sl_sql_list_tables(sl_rows **out, sl_dest_conn *conn, const char *dataset)
{
	static const char sql[] = "SELECT table_name FROM information_schema.tables "
				  "WHERE table_schema = $1 ORDER BY table_name";
	const char *params[] = {dataset};
	sl_rows *names;
	*out = NULL;
	int rc = conn->driver->query(&names, conn, sql, 1, params);
	return rc ? rc : count_each(out, conn, dataset, names);
}

int sl_sql_read_table(sl_rows **out, sl_dest_conn *conn, const char *dataset, const char *table,
		      uint64_t limit)
{
	sl_buf b = SL_BUF_INIT;
	put_statement(&b, "SELECT * FROM ", dataset, table, "");
	if (limit)
		sl_buf_printf(&b, " LIMIT %llu", (unsigned long long)limit);
	return open_rows(out, conn, &b, 0, NULL);
}

/*
 * search_path is a list of identifiers, so the name goes in quoted, or a '"', ',' or '.' in it
 * would be parsed. DuckDB reads that list from a string ('"my ds"'); PostgreSQL takes the
 * identifiers themselves ("my ds") and would keep the quotes of a string as part of the name.
 */
int sl_sql_use_dataset(sl_dest_conn *conn, const char *dataset)
{
	sl_buf ident = SL_BUF_INIT, b = SL_BUF_INIT;
	sl_buf_quote_ident(&ident, dataset, '"');
	sl_buf_puts(&b, "SET search_path = ");
	if (sql_conn(conn)->dialect->search_path_literal)
		sl_buf_quote_literal(&b, sl_buf_cstr(&ident));
	else
		sl_buf_puts(&b, sl_buf_cstr(&ident));
	b.failed = b.failed || ident.failed;
	int rc = run(conn, &b, 0, NULL);
	sl_buf_free(&ident);
	sl_buf_free(&b);
	return rc;
}
