/*
 * status.c — asking a pipeline where it stands: reopening it by name from its local mirror, its
 * state as JSON, and how far each table's backfill has come.
 */
#include "drivers.h"
#include "pipeline.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *mirror_file(const sl_pipeline *p, const char *file)
{
	return sl_printf_alloc("%s/%s/%s", p->pipelines_dir, p->name, file);
}

/* A local file that is there but cannot be used: name it, say what is wrong and how out. */
static int bad_mirror(const char *path, const char *what)
{
	return sl_error_set(SL_ESTATE,
			    "%s: %s (the file was damaged or edited by hand; run the pipeline "
			    "again to rewrite it)",
			    path, what);
}

static int load_mirror_json(json_t **out, const sl_pipeline *p, const char *file)
{
	*out = NULL;
	char *path = mirror_file(p, file);
	if (!path)
		return SL_ENOMEM;
	char *text;
	int rc = sl_read_file(&text, path);
	if (rc == SL_ENOTFOUND && strcmp(file, "pipeline.json") == 0)
		rc = sl_error_set(
			SL_ENOTFOUND,
			"pipeline '%s' has no local record in %s/%s (run it on this machine "
			"first, or pass its destination and dataset)",
			p->name, p->pipelines_dir, p->name);
	else if (rc == SL_ENOTFOUND)
		rc = sl_error_set(SL_ENOTFOUND,
				  "pipeline '%s': %s is missing (run the pipeline again on this "
				  "machine to rewrite it, or pass its source)",
				  p->name, path);
	if (!rc) {
		json_error_t err;
		*out = json_loads(text, JSON_REJECT_DUPLICATES, &err);
		if (!json_is_object(*out)) {
			/* jansson quotes the text near the fault: never from the credentials */
			bool secret = strcmp(file, "credentials") == 0;
			char what[256];
			if (*out)
				snprintf(what, sizeof(what), "not a JSON object");
			else
				snprintf(what, sizeof(what),
					 "not valid JSON at line %d column %d%s%s", err.line,
					 err.column, secret ? "" : ": ",
					 secret ? "" : sl_one_line(err.text));
			json_decref(*out);
			*out = NULL;
			rc = bad_mirror(path, what);
		}
		free(text);
	}
	/* written by a newer sluice: its layout may differ in ways this one cannot see */
	json_t *v = *out ? json_object_get(*out, "version") : NULL;
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1)) {
		rc = bad_mirror(path, "\"version\" is not a positive integer");
	} else if (v && json_integer_value(v) > SL_MIRROR_VERSION) {
		rc = sl_error_set(SL_ESTATE,
				  "%s was written by a newer sluice (version %lld, this sluice "
				  "reads up to %d); upgrade sluice",
				  path, (long long)json_integer_value(v), SL_MIRROR_VERSION);
	}
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	free(path);
	return rc;
}

/* A string member that must be there (`need`) or may be absent; anything else is refused. */
static int get_string(const char **out, json_t *o, const char *key, bool need, const sl_pipeline *p,
		      const char *file)
{
	json_t *v = json_object_get(o, key); /* NULL when `o` is not an object */
	*out = json_string_value(v);
	if (*out ? strlen(*out) == json_string_length(v) : !v && !need && json_is_object(o))
		return SL_OK;
	char *path = mirror_file(p, file);
	char what[160];
	if (!json_is_object(o))
		snprintf(what, sizeof(what), "an entry that should hold \"%s\" is not an object",
			 key);
	else
		snprintf(what, sizeof(what), "\"%s\" is %s", key,
			 !v		     ? "missing"
			 : json_is_string(v) ? "not text (it holds a NUL character)"
					     : "not a string");
	int rc = path ? bad_mirror(path, what) : SL_ENOMEM;
	free(path);
	return rc;
}

/* pipeline.json shows the destination without its password; the credentials file has the
   URL itself. A pipeline without the file (copied from elsewhere) uses what pipeline.json
   shows; a damaged one is an error rather than a login with "***" as the password. */
static int full_destination(char **out, const sl_pipeline *p, const char *shown)
{
	json_t *cred;
	*out = NULL;
	int rc = load_mirror_json(&cred, p, "credentials");
	if (rc == SL_ENOTFOUND) {
		sl_error_clear();
		*out = sl_strdup(shown);
		return *out ? SL_OK : SL_ENOMEM;
	}
	if (rc)
		return rc;
	const char *full;
	rc = get_string(&full, cred, "destination_url", false, p, "credentials");
	if (!rc && !(*out = sl_strdup(full ? full : shown)))
		rc = SL_ENOMEM;
	json_decref(cred);
	return rc;
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
		const char *dest, *ds;
		char *full = NULL;
		rc = get_string(&dest, meta, "destination", true, p, "pipeline.json");
		rc = rc ? rc : get_string(&ds, meta, "dataset_name", true, p, "pipeline.json");
		rc = rc ? rc : full_destination(&full, p, dest);
		if (!rc) {
			free(p->dataset);
			p->dataset = sl_strdup(ds);
			rc = sl_pipeline_set_destination(p, full);
			rc = rc ? rc : p->dataset ? SL_OK : SL_ENOMEM;
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

/* An enum member: absent is its default (0), otherwise an integer in [0, max]. */
static int get_enum(int *out, json_t *t, const char *key, int max, const char *path)
{
	json_t *v = json_object_get(t, key);
	*out = 0;
	if (!v)
		return SL_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		char what[160];
		snprintf(what, sizeof(what), "\"%s\" of a table is not an integer from 0 to %d",
			 key, max);
		return bad_mirror(path, what);
	}
	*out = (int)json_integer_value(v);
	return SL_OK;
}

static int apply_mirrored_hints(sl_source *src, json_t *t, const sl_pipeline *p)
{
	static const char file[] = "pipeline.json";
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	sl_incremental *inc = &h.incremental;
	const char *name;
	int row_order, func, start, end, missing, wd;
	char *path = mirror_file(p, file);
	if (!path)
		return SL_ENOMEM;
	int rc = get_string(&name, t, "name", true, p, file);
	rc = rc ? rc : get_string(&h.primary_key, t, "primary_key", false, p, file);
	rc = rc ? rc : get_string(&inc->cursor_path, t, "cursor", false, p, file);
	rc = rc ? rc : get_string(&inc->initial_value, t, "initial_value", false, p, file);
	rc = rc ? rc : get_string(&inc->end_value, t, "end_value", false, p, file);
	rc = rc ? rc : get_string(&inc->lag, t, "lag", false, p, file);
	rc = rc ? rc : get_enum(&row_order, t, "row_order", SL_ROW_ORDER_NONE, path);
	rc = rc ? rc : get_enum(&func, t, "last_value_func", SL_LAST_VALUE_MIN, path);
	rc = rc ? rc : get_enum(&start, t, "range_start", SL_RANGE_OPEN, path);
	rc = rc ? rc : get_enum(&end, t, "range_end", SL_RANGE_OPEN, path);
	rc = rc ? rc
		: get_enum(&missing, t, "on_cursor_value_missing", SL_MISSING_CURSOR_EXCLUDE, path);
	rc = rc ? rc : get_enum(&wd, t, "write_disposition", SL_WRITE_REPLACE, path);
	free(path);
	if (rc)
		return rc;
	inc->row_order = (sl_row_order)row_order;
	inc->last_value_func = (sl_last_value_func)func;
	inc->range_start = (sl_range)start;
	inc->range_end = (sl_range)end;
	inc->on_cursor_value_missing = (sl_on_missing_cursor)missing;
	h.write_disposition = (sl_write_disposition)wd;
	return sl_source_apply_hints(src, name, &h);
}

/* The table names of pipeline.json (NULL-terminated; the strings belong to `tables`). */
static int mirrored_names(const char ***out, json_t *tables, const sl_pipeline *p)
{
	*out = NULL;
	size_t n = json_array_size(tables);
	if (!json_is_array(tables) || n == 0) {
		char *path = mirror_file(p, "pipeline.json");
		int rc = path ? bad_mirror(path, "\"tables\" is not a list of tables") : SL_ENOMEM;
		free(path);
		return rc;
	}
	const char **names = sl_calloc(n + 1, sizeof(char *));
	if (!names)
		return SL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_array_get(tables, i);
		int rc = get_string(&names[i], t, "name", true, p, "pipeline.json");
		if (rc) {
			free(names);
			return rc;
		}
	}
	*out = names;
	return SL_OK;
}

static int source_from_mirror(sl_source **out, json_t *meta, const char *url, const sl_pipeline *p)
{
	*out = NULL;
	json_t *tables = json_object_get(meta, "tables");
	json_t *chunk = json_object_get(meta, "chunk_size");
	if (chunk && (!json_is_integer(chunk) || json_integer_value(chunk) < 0)) {
		char *path = mirror_file(p, "pipeline.json");
		int rc = path ? bad_mirror(path, "\"chunk_size\" is not a non-negative integer")
			      : SL_ENOMEM;
		free(path);
		return rc;
	}
	const char **names;
	int rc = mirrored_names(&names, tables, p);
	if (rc)
		return rc;
	rc = sl_source_sql_database(out, url, names, (size_t)json_integer_value(chunk));
	free(names);
	for (size_t i = 0; i < json_array_size(tables) && !rc; i++)
		rc = apply_mirrored_hints(*out, json_array_get(tables, i), p);
	if (rc) {
		sl_source_free(*out);
		*out = NULL;
		if (rc != SL_ESTATE && rc != SL_ENOMEM)
			sl_error_wrap("pipeline '%s' as recorded in %s/%s", p->name,
				      p->pipelines_dir, p->name);
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
		const char *url;
		rc = get_string(&url, cred, "source_url", true, p, "credentials");
		rc = rc ? rc : source_from_mirror(out, meta, url, p);
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
