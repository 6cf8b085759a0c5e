/*
 * status.c — asking a pipeline where it stands: reopening it by name from its local mirror, its
 * state as JSON, how far each table's backfill has come, and forgetting a table's state.
 */
#include "drivers.h"
#include "pipeline.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *mirror_file(const sl_pipeline *p, const char *file)
{
	return sl_printf_alloc("%s/%s/%s", p->pipelines_dir, p->name, file);
}

static int load_mirror_json(json_t **out, const sl_pipeline *p, const char *file)
{
	*out = NULL;
	char *path = mirror_file(p, file);
	if (!path)
		return SL_ENOMEM;
	char *text;
	int rc = sl_read_file(&text, path);
	if (rc == SL_ENOTFOUND)
		rc = sl_error_set(
			SL_ENOTFOUND,
			"pipeline '%s' has no local record in %s/%s (run it on this machine "
			"first, or pass its destination and dataset)",
			p->name, p->pipelines_dir, p->name);
	if (!rc) {
		json_error_t err;
		*out = json_loads(text, 0, &err);
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = sl_error_set(SL_ESTATE, "%s is not valid JSON: %s", path, err.text);
		}
		free(text);
	}
	free(path);
	return rc;
}

/* pipeline.json shows the destination without its password; the credentials file has the
   URL itself. Returns a copy (caller frees). */
static char *full_destination(const sl_pipeline *p, const char *shown)
{
	json_t *cred;
	if (load_mirror_json(&cred, p, "credentials") != SL_OK) {
		sl_error_clear();
		return sl_strdup(shown);
	}
	const char *full = json_string_value(json_object_get(cred, "destination_url"));
	char *copy = sl_strdup(full ? full : shown);
	json_decref(cred);
	return copy;
}

int sl_pipeline_open(sl_pipeline **out, const char *pipeline_name, const char *pipelines_dir)
{
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = pipeline_name;
	o.pipelines_dir = pipelines_dir;
	sl_pipeline *p;
	int rc = sl_pipeline_new(&p, &o);
	if (rc)
		return rc;
	json_t *meta;
	rc = load_mirror_json(&meta, p, "pipeline.json");
	if (!rc) {
		const char *dest = json_string_value(json_object_get(meta, "destination"));
		const char *ds = json_string_value(json_object_get(meta, "dataset_name"));
		if (dest && ds) {
			free(p->dataset);
			p->dataset = sl_strdup(ds);
			rc = sl_pipeline_set_destination(p, full_destination(p, dest));
			rc = rc ? rc : p->dataset ? SL_OK : SL_ENOMEM;
		} else {
			rc = sl_error_set(SL_ESTATE,
					  "pipeline '%s': pipeline.json lacks destination or "
					  "dataset_name",
					  pipeline_name);
		}
		json_decref(meta);
	}
	if (rc) {
		sl_pipeline_free(p);
		return rc;
	}
	*out = p;
	return SL_OK;
}

static int apply_mirrored_hints(sl_source *src, json_t *t)
{
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	sl_incremental *inc = &h.incremental;
	h.primary_key = json_string_value(json_object_get(t, "primary_key"));
	inc->cursor_path = json_string_value(json_object_get(t, "cursor"));
	inc->initial_value = json_string_value(json_object_get(t, "initial_value"));
	inc->end_value = json_string_value(json_object_get(t, "end_value"));
	inc->lag = json_string_value(json_object_get(t, "lag"));
	inc->row_order = (sl_row_order)json_integer_value(json_object_get(t, "row_order"));
	inc->last_value_func =
		(sl_last_value_func)json_integer_value(json_object_get(t, "last_value_func"));
	inc->range_start = (sl_range)json_integer_value(json_object_get(t, "range_start"));
	inc->range_end = (sl_range)json_integer_value(json_object_get(t, "range_end"));
	inc->on_cursor_value_missing = (sl_on_missing_cursor)json_integer_value(
		json_object_get(t, "on_cursor_value_missing"));
	h.write_disposition =
		(sl_write_disposition)json_integer_value(json_object_get(t, "write_disposition"));
	return sl_source_apply_hints(src, json_string_value(json_object_get(t, "name")), &h);
}

static int source_from_mirror(sl_source **out, json_t *meta, const char *url)
{
	json_t *tables = json_object_get(meta, "tables");
	size_t n = json_array_size(tables);
	const char **names = sl_calloc(n + 1, sizeof(char *));
	if (!names)
		return SL_ENOMEM;
	for (size_t i = 0; i < n; i++)
		names[i] = json_string_value(json_object_get(json_array_get(tables, i), "name"));
	size_t chunk = (size_t)json_integer_value(json_object_get(meta, "chunk_size"));
	int rc = sl_source_sql_database(out, url, names, chunk);
	free(names);
	for (size_t i = 0; i < n && !rc; i++)
		rc = apply_mirrored_hints(*out, json_array_get(tables, i));
	if (rc) {
		sl_source_free(*out);
		*out = NULL;
	}
	return rc;
}

int sl_pipeline_last_source(sl_source **out, sl_pipeline *p)
{
	*out = NULL;
	json_t *meta, *cred;
	int rc = load_mirror_json(&meta, p, "pipeline.json");
	if (rc)
		return rc;
	rc = load_mirror_json(&cred, p, "credentials");
	if (!rc) {
		const char *url = json_string_value(json_object_get(cred, "source_url"));
		rc = url ? source_from_mirror(out, meta, url)
			 : sl_error_set(SL_ESTATE, "pipeline '%s': credentials hold no source_url",
					p->name);
		json_decref(cred);
	}
	json_decref(meta);
	return rc;
}

/* ---- state --------------------------------------------------------------------------------- */

static int query_rows(sl_rows **out, sl_pipeline *p, sl_buf *sql, size_t n,
		      const char *const *params)
{
	if (sql->failed)
		return sl_error_set(SL_ENOMEM, "out of memory building SQL");
	return p->dest_driver->query(out, p->dest, sl_buf_cstr(sql), n, params);
}

int sl_pipeline_state_json(char **out, sl_pipeline *p)
{
	*out = NULL;
	int rc = sl_pipeline_connect(p);
	if (rc)
		return rc;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT table_name, state FROM ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_STATE_TABLE, '"');
	sl_buf_puts(&sql, " WHERE pipeline_name = $1 ORDER BY table_name");
	const char *params[] = {p->name};
	sl_rows *rows;
	rc = query_rows(&rows, p, &sql, 1, params);
	sl_buf_free(&sql);
	if (rc)
		return rc;
	json_t *tables = json_object();
	while ((rc = rows->ops->next(rows)) == 1) {
		const char *name = rows->ops->get_text(rows, 0, NULL);
		const char *state = rows->ops->get_text(rows, 1, NULL);
		json_t *v = state ? json_loads(state, 0, NULL) : NULL;
		json_object_set_new(tables, name ? name : "",
				    v ? v : json_string(state ? state : ""));
	}
	rows->ops->free(rows);
	json_t *o = json_object();
	json_object_set_new(o, "pipeline_name", json_string(p->name));
	json_object_set_new(o, "destination", json_string(p->destination_shown));
	json_object_set_new(o, "dataset_name", json_string(p->dataset));
	json_object_set_new(o, "tables", tables);
	*out = rc < 0 ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc < 0)
		return rc;
	return *out ? SL_OK : sl_error_set(SL_ENOMEM, "out of memory");
}

int sl_pipeline_reset(sl_pipeline *p, const char *table, bool drop_data)
{
	/* not under a running pipeline: its next commit would write the state back */
	int rc = sl_pipeline_lock(p, 0);
	if (rc)
		return rc;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "DELETE FROM ");
	sl_buf_quote_qualified(&sql, p->dataset, SL_STATE_TABLE, '"');
	sl_buf_puts(&sql, " WHERE pipeline_name = $1");
	if (table)
		sl_buf_puts(&sql, " AND table_name = $2");
	const char *params[] = {p->name, table};
	rc = sql.failed ? SL_ENOMEM
			: p->dest_driver->exec(p->dest, sl_buf_cstr(&sql), table ? 2 : 1, params);
	sl_buf_free(&sql);
	if (rc || !drop_data || !table)
		goto mirror;
	rc = sl_pipeline_drop_table(p, table);
mirror:
	if (!rc) {
		/* the local mirror follows the destination: drop it, the next commit rewrites it */
		char *path = mirror_file(p, "state.json");
		if (path)
			remove(path);
		free(path);
	}
	sl_pipeline_unlock(p);
	return rc;
}

/* ---- status -------------------------------------------------------------------------------- */

static int count_loaded(uint64_t *out, sl_pipeline *p, const char *table)
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
	rc = query_rows(&rows, p, &sql, 0, NULL);
	sl_buf_free(&sql);
	if (rc)
		return rc;
	int64_t n = 0;
	if ((rc = rows->ops->next(rows)) == 1)
		rc = rows->ops->get_int64(&n, rows, 0);
	rows->ops->free(rows);
	*out = (uint64_t)n;
	return rc < 0 ? rc : SL_OK;
}

static void fill_figures(sl_table_status *st, const sl_source_stats *stats)
{
	st->source_max = stats->cursor_max;
	if (stats->rows_after >= 0) {
		st->rows_remaining = stats->rows_after;
	} else if (stats->rows_total >= 0) {
		int64_t left = stats->rows_total - (int64_t)st->rows_loaded;
		st->rows_remaining = left > 0 ? left : 0;
	}
	if (st->rows_remaining >= 0) {
		st->source_rows = st->rows_loaded + (uint64_t)st->rows_remaining;
		st->percent_done =
			st->source_rows ? 100.0 * (double)st->rows_loaded / (double)st->source_rows
					: 100.0;
	}
}

static int table_status(sl_table_status *st, sl_pipeline *p, sl_source_conn *conn,
			const sl_source_table *spec)
{
	st->rows_remaining = -1;
	st->percent_done = -1;
	sl_table_schema *schema;
	int rc = conn->driver->reflect(&schema, conn, spec->name);
	if (rc)
		return rc;
	const char *name = schema->name; /* as the destination table is named */
	st->table = sl_strdup(name);
	const char *cursor = spec->incremental.cursor_path;
	int ci = cursor ? sl_schema_find(schema, cursor) : -1;
	const sl_column *cc = ci >= 0 ? &schema->columns[ci] : NULL;
	sl_table_state state;
	rc = sl_pipeline_read_state(&state, p, name, cursor, cc ? cc->type : SL_TYPE_INT64,
				    cc ? cc->precision : 0, cc ? cc->scale : 0);
	if (!rc)
		rc = count_loaded(&st->rows_loaded, p, name);
	if (!rc)
		rc = sl_pipeline_last_schema_change(&st->schema_changes, p, name);
	if (!rc && state.has_last)
		st->last_value = sl_value_to_text(&state.last_value);
	sl_source_stats stats = {NULL, -1, -1};
	bool desc = spec->incremental.last_value_func == SL_LAST_VALUE_MIN;
	if (!rc && conn->driver->stats)
		rc = conn->driver->stats(&stats, conn, schema, ci, desc,
					 state.has_last ? &state.last_value : NULL);
	if (!rc)
		fill_figures(st, &stats);
	else
		sl_source_stats_clear(&stats);
	sl_table_state_clear(&state);
	sl_schema_free(schema);
	return rc;
}

int sl_pipeline_status(sl_table_status **out, size_t *count, sl_pipeline *p, sl_source *source)
{
	*out = NULL;
	*count = 0;
	sl_source *own = NULL;
	int rc = source ? SL_OK : sl_pipeline_last_source(&own, p);
	if (!source)
		source = own;
	if (!rc)
		rc = sl_pipeline_connect(p);
	sl_source_conn *conn = NULL;
	if (!rc)
		rc = sl_source_connect(&conn, source);
	sl_table_status *all = rc ? NULL : sl_calloc(source->ntables, sizeof(*all));
	if (!rc && !all)
		rc = SL_ENOMEM;
	for (size_t i = 0; !rc && i < source->ntables; i++) {
		rc = table_status(&all[i], p, conn, &source->tables[i]);
		*count = i + 1;
	}
	if (conn)
		conn->driver->disconnect(conn);
	sl_source_free(own);
	if (rc) {
		sl_status_free(all, *count);
		*count = 0;
		return rc;
	}
	*out = all;
	return SL_OK;
}

void sl_status_free(sl_table_status *status, size_t count)
{
	for (size_t i = 0; status && i < count; i++) {
		free(status[i].table);
		free(status[i].last_value);
		free(status[i].source_max);
		free(status[i].schema_changes);
	}
	free(status);
}

void sl_source_stats_clear(sl_source_stats *stats)
{
	free(stats->cursor_max);
	stats->cursor_max = NULL;
}
