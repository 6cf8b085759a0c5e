/*
 * pipeline_meta.c — a pipeline's bookkeeping: the destination's _sluice_state and _sluice_loads
 * tables, and the local mirror under the pipelines directory (pipeline.json, state.json and the
 * 0600 credentials file that lets `sluice status` reach the source again).
 *
 * The destination is the truth. The mirror is rewritten after each commit (temp file + rename)
 * and is only used to find a pipeline's destination and source by name.
 */
#include "drivers.h"
#include "pipeline.h"
#include "schema_change.h"
#include "url.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sl_now_utc(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%06d", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (int)(ts.tv_nsec / 1000) % 1000000);
}

double sl_monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec_sql(sl_pipeline *p, sl_buf *sql, size_t nparams, const char *const *params)
{
	if (sql->failed)
		return sl_error_set(SL_ENOMEM, "out of memory building SQL");
	return p->dest_driver->exec(p->dest, sl_buf_cstr(sql), nparams, params);
}

/* Datasets from before schema changes were recorded lack the column. */
static int add_schema_changes_column(sl_pipeline *p)
{
	sl_table_schema *loads;
	int rc = p->dest_driver->describe_table(&loads, p->dest, p->dataset, SL_LOADS_TABLE);
	if (rc || !loads || sl_schema_find(loads, "schema_changes") >= 0) {
		sl_schema_free(loads);
		return rc;
	}
	sl_schema_free(loads);
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "ALTER TABLE ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_LOADS_TABLE, '"');
	sl_buf_puts(&sql, " ADD COLUMN schema_changes VARCHAR");
	rc = exec_sql(p, &sql, 0, NULL);
	sl_buf_free(&sql);
	return rc;
}

static int create_bookkeeping(sl_pipeline *p)
{
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_STATE_TABLE, '"');
	sl_buf_puts(&sql,
		    " (pipeline_name VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "
		    "state VARCHAR NOT NULL, version INTEGER NOT NULL, updated_at TIMESTAMP)");
	int rc = exec_sql(p, &sql, 0, NULL);
	sl_buf_reset(&sql);
	sl_buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_LOADS_TABLE, '"');
	sl_buf_puts(&sql, " (load_id VARCHAR NOT NULL, pipeline_name VARCHAR NOT NULL, "
			  "table_name VARCHAR NOT NULL, rows BIGINT, chunks BIGINT, "
			  "started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, "
			  "schema_changes VARCHAR)");
	if (!rc)
		rc = exec_sql(p, &sql, 0, NULL);
	sl_buf_free(&sql);
	return rc ? rc : add_schema_changes_column(p);
}

int sl_pipeline_connect(sl_pipeline *p)
{
	if (p->dest)
		return SL_OK;
	if (!p->dest_url) {
		int rc = sl_url_parse(&p->dest_url, p->destination);
		if (rc)
			return sl_error_wrap("destination");
	}
	p->dest_driver = sl_destination_driver_for(p->dest_url);
	if (!p->dest_driver)
		return sl_error_last_code();
	sl_dest_options opts = {p->memory_limit, &p->interrupt};
	int rc = p->dest_driver->open(&p->dest, p->dest_url, &opts);
	if (rc) {
		p->dest = NULL;
		return rc;
	}
	rc = p->dest_driver->ensure_dataset(p->dest, p->dataset);
	if (!rc)
		rc = create_bookkeeping(p);
	return rc;
}

int sl_pipeline_drop_table(sl_pipeline *p, const char *table)
{
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "DROP TABLE IF EXISTS ");
	sl_buf_quote_qualified(&sql, p->dataset, table, '"');
	int rc = exec_sql(p, &sql, 0, NULL);
	sl_buf_free(&sql);
	return rc;
}

int sl_pipeline_rename_table(sl_pipeline *p, const char *from, const char *to)
{
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "ALTER TABLE ");
	sl_buf_quote_qualified(&sql, p->dataset, from, '"');
	sl_buf_puts(&sql, " RENAME TO ");
	sl_buf_quote_ident(&sql, to, '"');
	int rc = exec_sql(p, &sql, 0, NULL);
	sl_buf_free(&sql);
	return rc;
}

int sl_pipeline_count_rows(int64_t *out, sl_pipeline *p, const char *table)
{
	bool exists = false;
	*out = 0;
	int rc = p->dest_driver->table_exists(&exists, p->dest, p->dataset, table);
	if (rc || !exists)
		return rc;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT COUNT(*) FROM ");
	sl_buf_quote_qualified(&sql, p->dataset, table, '"');
	sl_rows *rows;
	rc = sql.failed ? sl_error_set(SL_ENOMEM, "out of memory building SQL")
			: p->dest_driver->query(&rows, p->dest, sl_buf_cstr(&sql), 0, NULL);
	sl_buf_free(&sql);
	if (rc)
		return rc;
	if ((rc = rows->ops->next(rows)) == 1)
		rc = rows->ops->get_int64(out, rows, 0);
	rows->ops->free(rows);
	return rc < 0 ? rc : SL_OK;
}

/* The state row's version column: what the writer's sluice was (the JSON repeats it). */
static int check_row_version(sl_rows *rows, const char *dataset, const char *table)
{
	int64_t version = 0;
	if (rows->ops->get_int64(&version, rows, 1))
		return sl_error_wrap("%s.%s: version of table '%s'", dataset, SL_STATE_TABLE,
				     table);
	if (version > SL_STATE_VERSION)
		return sl_error_set(SL_ESTATE,
				    "%s.%s: state of table '%s' was written by a newer sluice "
				    "(state version %lld, this sluice reads up to %d); upgrade "
				    "sluice",
				    dataset, SL_STATE_TABLE, table, (long long)version,
				    SL_STATE_VERSION);
	return SL_OK;
}

static int decode_row(sl_table_state *out, sl_pipeline *p, sl_rows *rows, const char *table,
		      const char *cursor, sl_type cursor_type, int precision, int scale)
{
	int rc = check_row_version(rows, p->dataset, table);
	if (rc)
		return rc;
	const char *json = rows->ops->get_text(rows, 0, NULL);
	rc = sl_table_state_decode(out, json ? json : "", table, cursor, cursor_type, precision,
				   scale);
	if (rc)
		return sl_error_wrap("%s.%s", p->dataset, SL_STATE_TABLE);
	/* one row per table: two would mean the table was edited by hand, and either may be
	   wrong (one of them could load rows again or skip some) */
	int more = rows->ops->next(rows);
	if (more == 1)
		rc = sl_error_set(SL_ESTATE,
				  "%s.%s holds more than one state of table '%s' for pipeline "
				  "'%s'; delete the wrong one(s) or `sluice reset` the table",
				  p->dataset, SL_STATE_TABLE, table, p->name);
	else if (more < 0)
		rc = more;
	if (rc)
		sl_table_state_clear(out);
	return rc;
}

/* No state yet: the table's first run. */
static int fresh_state(sl_table_state *out, const char *table, const char *cursor,
		       sl_type cursor_type, int precision, int scale)
{
	out->table = sl_strdup(table);
	out->cursor = cursor ? sl_strdup(cursor) : NULL;
	out->last_value.type = cursor_type;
	out->last_value.precision = precision;
	out->last_value.scale = scale;
	if (!out->table || (cursor && !out->cursor)) {
		sl_table_state_clear(out);
		return SL_ENOMEM;
	}
	return SL_OK;
}

int sl_pipeline_read_state(sl_table_state *out, sl_pipeline *p, const char *table,
			   const char *cursor, sl_type cursor_type, int precision, int scale)
{
	sl_table_state_init(out);
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT state, version FROM ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_STATE_TABLE, '"');
	sl_buf_puts(&sql, " WHERE pipeline_name = $1 AND table_name = $2");
	const char *params[] = {p->name, table};
	sl_rows *rows = NULL;
	int rc = sql.failed ? SL_ENOMEM
			    : p->dest_driver->query(&rows, p->dest, sl_buf_cstr(&sql), 2, params);
	sl_buf_free(&sql);
	if (rc)
		return rc;
	int has = rows->ops->next(rows);
	if (has == 1)
		rc = decode_row(out, p, rows, table, cursor, cursor_type, precision, scale);
	else if (has < 0)
		rc = has;
	else
		rc = fresh_state(out, table, cursor, cursor_type, precision, scale);
	rows->ops->free(rows);
	return rc;
}

int sl_pipeline_write_state(sl_pipeline *p, const sl_table_state *state)
{
	char *json = sl_table_state_to_json(state);
	if (!json)
		return SL_ENOMEM;
	char now[40];
	sl_now_utc(now, sizeof(now));
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "DELETE FROM ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_STATE_TABLE, '"');
	sl_buf_puts(&sql, " WHERE pipeline_name = $1 AND table_name = $2");
	const char *params[] = {p->name, state->table, json, now};
	int rc = exec_sql(p, &sql, 2, params);
	sl_buf_reset(&sql);
	sl_buf_puts(&sql, "INSERT INTO ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_STATE_TABLE, '"');
	sl_buf_printf(&sql, " VALUES ($1, $2, $3, %d, CAST($4 AS TIMESTAMP))", SL_STATE_VERSION);
	if (!rc)
		rc = exec_sql(p, &sql, 4, params);
	sl_buf_free(&sql);
	free(json);
	return rc;
}

int sl_pipeline_write_load(sl_pipeline *p, const char *load_id, const sl_table_load *t,
			   const char *started, const char *finished, const char *status)
{
	char rows[24], chunks[24];
	snprintf(rows, sizeof(rows), "%llu", (unsigned long long)t->rows_loaded);
	snprintf(chunks, sizeof(chunks), "%llu", (unsigned long long)t->chunks);
	const char *params[] = {load_id,  p->name, t->table,	     rows, chunks, started,
				finished, status,  t->schema_changes};
	/* one row per (load, table), replaced as the run goes: 'running' from its start, so a
	   killed run still shows which load ids its committed chunks carry */
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "DELETE FROM ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_LOADS_TABLE, '"');
	sl_buf_puts(&sql, " WHERE load_id = $1 AND pipeline_name = $2 AND table_name = $3");
	int rc = exec_sql(p, &sql, 3, params);
	sl_buf_reset(&sql);
	sl_buf_puts(&sql, "INSERT INTO ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_LOADS_TABLE, '"');
	sl_buf_puts(&sql, " (load_id, pipeline_name, table_name, rows, chunks, started_at, "
			  "finished_at, status, schema_changes) "
			  "VALUES ($1, $2, $3, CAST($4 AS BIGINT), CAST($5 AS BIGINT), "
			  "CAST($6 AS TIMESTAMP), CAST($7 AS TIMESTAMP), $8, $9)");
	if (!rc)
		rc = exec_sql(p, &sql, 9, params);
	sl_buf_free(&sql);
	return rc;
}

int sl_pipeline_record_load(sl_pipeline *p, const char *load_id, const sl_table_load *t,
			    const char *started, const char *finished, const char *status)
{
	int rc = p->dest_driver->begin(p->dest);
	if (!rc)
		rc = sl_pipeline_write_load(p, load_id, t, started, finished, status);
	rc = rc ? rc : p->dest_driver->commit(p->dest);
	if (rc)
		p->dest_driver->rollback(p->dest);
	return rc;
}

/* The schema_changes recorded for a table, oldest first (or only the newest). */
static int query_schema_changes(sl_rows **out, sl_pipeline *p, const char *table, bool newest)
{
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT schema_changes, CAST(started_at AS VARCHAR) FROM ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_LOADS_TABLE, '"');
	sl_buf_puts(&sql, " WHERE pipeline_name = $1 AND table_name = $2 "
			  "AND schema_changes IS NOT NULL ORDER BY ");
	sl_buf_puts(&sql, newest ? "started_at DESC, load_id DESC LIMIT 1" : "started_at, load_id");
	const char *params[] = {p->name, table};
	int rc = sql.failed ? SL_ENOMEM
			    : p->dest_driver->query(out, p->dest, sl_buf_cstr(&sql), 2, params);
	sl_buf_free(&sql);
	return rc;
}

int sl_pipeline_dropped_columns(sl_name_set *out, sl_pipeline *p, const char *table)
{
	memset(out, 0, sizeof(*out));
	sl_rows *rows;
	int rc = query_schema_changes(&rows, p, table, false);
	if (rc)
		return rc;
	while ((rc = rows->ops->next(rows)) == 1)
		if ((rc = sl_schema_changes_fold(out, rows->ops->get_text(rows, 0, NULL))) != 0)
			break;
	rows->ops->free(rows);
	if (rc < 0)
		sl_name_set_clear(out);
	return rc < 0 ? rc : SL_OK;
}

int sl_pipeline_last_schema_change(char **out, sl_pipeline *p, const char *table)
{
	*out = NULL;
	sl_rows *rows;
	int rc = query_schema_changes(&rows, p, table, true);
	if (rc)
		return rc;
	if ((rc = rows->ops->next(rows)) == 1) {
		char *text = sl_schema_changes_text(rows->ops->get_text(rows, 0, NULL));
		const char *when = rows->ops->get_text(rows, 1, NULL);
		if (text)
			*out = sl_printf_alloc("%s (run of %s)", text, when ? when : "?");
		rc = text && !*out ? SL_ENOMEM : SL_OK;
		free(text);
	}
	rows->ops->free(rows);
	return rc < 0 ? rc : SL_OK;
}

/* ---- local mirror -------------------------------------------------------------------------- */

static char *mirror_path(const sl_pipeline *p, const char *file)
{
	return sl_printf_alloc("%s/%s/%s", p->pipelines_dir, p->name, file);
}

static json_t *hints_json(const sl_source_table *t)
{
	const sl_incremental *inc = &t->incremental;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(t->name));
	if (t->table_name)
		json_object_set_new(o, "table_name", json_string(t->table_name));
	if (t->primary_key)
		json_object_set_new(o, "primary_key", json_string(t->primary_key));
	if (inc->cursor_path) {
		json_object_set_new(o, "cursor", json_string(inc->cursor_path));
		if (inc->initial_value)
			json_object_set_new(o, "initial_value", json_string(inc->initial_value));
		if (inc->end_value)
			json_object_set_new(o, "end_value", json_string(inc->end_value));
		if (inc->lag)
			json_object_set_new(o, "lag", json_string(inc->lag));
		json_object_set_new(o, "row_order", json_integer(inc->row_order));
		json_object_set_new(o, "last_value_func", json_integer(inc->last_value_func));
		json_object_set_new(o, "range_start", json_integer(inc->range_start));
		json_object_set_new(o, "range_end", json_integer(inc->range_end));
		json_object_set_new(o, "on_cursor_value_missing",
				    json_integer(inc->on_cursor_value_missing));
	}
	json_object_set_new(o, "write_disposition", json_integer(t->write_disposition));
	return o;
}

static int write_json_file(sl_pipeline *p, const char *file, json_t *o, unsigned mode)
{
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *path = mirror_path(p, file);
	int rc = text && path ? sl_write_file_atomic(path, text, mode) : SL_ENOMEM;
	free(text);
	free(path);
	return rc;
}

int sl_pipeline_write_mirror(sl_pipeline *p, const sl_source *source)
{
	sl_url *url = NULL;
	char *redacted = NULL;
	if (sl_url_parse(&url, source->url) == SL_OK)
		redacted = sl_url_redacted(url);
	sl_url_free(url);
	json_t *o = json_object();
	json_object_set_new(o, "version", json_integer(SL_MIRROR_VERSION));
	json_object_set_new(o, "pipeline_name", json_string(p->name));
	json_object_set_new(o, "destination", json_string(p->destination_shown));
	json_object_set_new(o, "dataset_name", json_string(p->dataset));
	json_object_set_new(o, "source", json_string(redacted ? redacted : ""));
	json_object_set_new(o, "chunk_size", json_integer((json_int_t)source->chunk_size));
	json_t *tables = json_array();
	for (size_t i = 0; i < source->ntables; i++)
		json_array_append_new(tables, hints_json(&source->tables[i]));
	json_object_set_new(o, "tables", tables);
	int rc = write_json_file(p, "pipeline.json", o, 0644);
	json_decref(o);
	free(redacted);
	if (rc)
		return rc;
	/* the URL with its password, readable by the owner only, like ~/.pgpass */
	o = json_object();
	json_object_set_new(o, "source_url", json_string(source->url));
	json_object_set_new(o, "destination_url", json_string(p->destination));
	rc = write_json_file(p, "credentials", o, 0600);
	json_decref(o);
	return rc;
}

int sl_pipeline_mirror_state(sl_pipeline *p, const sl_table_state *state)
{
	char *path = mirror_path(p, "state.json");
	if (!path)
		return SL_ENOMEM;
	char *old = NULL;
	json_t *all = NULL;
	if (sl_read_file(&old, path) == SL_OK)
		all = json_loads(old, 0, NULL);
	free(old);
	sl_error_clear();
	if (!json_is_object(all)) {
		json_decref(all);
		all = json_object();
	}
	char *text = sl_table_state_to_json(state);
	json_t *one = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	free(path);
	if (!one) {
		json_decref(all);
		return SL_ENOMEM;
	}
	json_object_set_new(all, state->table, one);
	int rc = write_json_file(p, "state.json", all, 0644);
	json_decref(all);
	return rc;
}

void sl_pipeline_unmirror_state(sl_pipeline *p, const char *table)
{
	char *path = mirror_path(p, "state.json");
	char *old = NULL;
	json_t *all = NULL;
	if (path && table && sl_read_file(&old, path) == SL_OK)
		all = json_loads(old, 0, NULL);
	if (json_is_object(all)) {
		if (json_object_del(all, table) == 0)
			write_json_file(p, "state.json", all, 0644);
	} else if (path && (!table || old)) { /* every table's, or damaged: a run rewrites it */
		remove(path);
	}
	json_decref(all);
	free(old);
	free(path);
	sl_error_clear();
}
