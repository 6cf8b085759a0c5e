/*
 * pipeline_meta.c — a pipeline's bookkeeping: its state and load records in the destination
 * (kept by the driver: a SQL destination's _sluice_state and _sluice_loads tables), what they
 * mean (one state per table, written by a sluice that this one can read), and the local mirror
 * under the pipelines directory (pipeline.json, state.json and the 0600 credentials file that
 * lets `sluice status` reach the source again).
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
	/* the memory limit is the driver's to read (DuckDB's) */
	sl_dest_setting mem = {"memory_limit", p->memory_limit};
	sl_dest_options opts = {&mem, p->memory_limit ? 1 : 0, &p->interrupt};
	int rc = p->dest_driver->open(&p->dest, p->dest_url, &opts);
	if (rc) {
		p->dest = NULL;
		return rc;
	}
	return p->dest_driver->ensure_dataset(p->dest, p->dataset);
}

int sl_pipeline_drop_table(sl_pipeline *p, const char *table)
{
	return p->dest_driver->drop_table(p->dest, p->dataset, table);
}

int sl_pipeline_count_rows(int64_t *out, sl_pipeline *p, const char *table)
{
	bool exists = false;
	*out = 0;
	int rc = p->dest_driver->table_exists(&exists, p->dest, p->dataset, table);
	if (rc || !exists)
		return rc;
	return p->dest_driver->count_rows(out, p->dest, p->dataset, table);
}

/* Reading one table's state: what it is decoded for, and whether it was found. */
typedef struct state_read {
	sl_table_state *out;
	const sl_pipeline *p;
	const char *table, *cursor;
	sl_type cursor_type;
	int precision, scale;
	bool found;
} state_read;

static int decode_state(void *ctx, const sl_state_record *r)
{
	state_read *s = ctx;
	const char *ds = s->p->dataset;
	/* one state per table: two would mean the table was edited by hand, and either may be
	   wrong (one of them could load rows again or skip some) */
	if (s->found)
		return sl_error_set(SL_ESTATE,
				    "%s.%s holds more than one state of table '%s' for pipeline "
				    "'%s'; delete the wrong one(s) or `sluice reset` the table",
				    ds, SL_STATE_TABLE, s->table, s->p->name);
	s->found = true;
	if (r->version > SL_STATE_VERSION)
		return sl_error_set(SL_ESTATE,
				    "%s.%s: state of table '%s' was written by a newer sluice "
				    "(state version %lld, this sluice reads up to %d); upgrade "
				    "sluice",
				    ds, SL_STATE_TABLE, s->table, (long long)r->version,
				    SL_STATE_VERSION);
	if (sl_table_state_decode(s->out, r->state ? r->state : "", s->table, s->cursor,
				  s->cursor_type, s->precision, s->scale))
		return sl_error_wrap("%s.%s", ds, SL_STATE_TABLE);
	return SL_OK;
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
	state_read s = {out, p, table, cursor, cursor_type, precision, scale, false};
	int rc = p->dest_driver->read_states(p->dest, p->dataset, p->name, table, decode_state, &s);
	if (rc)
		sl_table_state_clear(out);
	else if (!s.found)
		rc = fresh_state(out, table, cursor, cursor_type, precision, scale);
	return rc;
}

int sl_pipeline_write_state(sl_pipeline *p, const sl_table_state *state)
{
	char *json = sl_table_state_to_json(state);
	if (!json)
		return SL_ENOMEM;
	char now[40];
	sl_now_utc(now, sizeof(now));
	sl_state_record r = {p->name, state->table, json, SL_STATE_VERSION, now};
	int rc = p->dest_driver->write_state(p->dest, p->dataset, &r);
	free(json);
	return rc;
}

int sl_pipeline_write_load(sl_pipeline *p, const char *load_id, const sl_table_load *t,
			   const char *started, const char *finished, const char *status)
{
	/* one record per (load, table), replaced as the run goes: 'running' from its start, so a
	   killed run still shows which load ids its committed chunks carry */
	sl_load_record r = {
		load_id, p->name,  t->table, (int64_t)t->rows_loaded, (int64_t)t->chunks,
		started, finished, status,   t->schema_changes};
	return p->dest_driver->write_load(p->dest, p->dataset, &r);
}

int sl_pipeline_commit_load(sl_pipeline *p, const char *load_id, const sl_table_load *t,
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

/* The load records of `table` with schema changes: every one, oldest first, or the newest. */
static int read_schema_changes(sl_pipeline *p, const char *table, bool newest,
			       sl_load_visitor visit, void *ctx)
{
	sl_load_filter f = {.pipeline = p->name,
			    .table = table,
			    .with_schema_changes = true,
			    .newest_only = newest};
	return p->dest_driver->read_loads(p->dest, p->dataset, &f, visit, ctx);
}

static int fold_dropped(void *ctx, const sl_load_record *r)
{
	return sl_schema_changes_fold(ctx, r->schema_changes);
}

int sl_pipeline_dropped_columns(sl_name_set *out, sl_pipeline *p, const char *table)
{
	memset(out, 0, sizeof(*out));
	int rc = read_schema_changes(p, table, false, fold_dropped, out);
	if (rc)
		sl_name_set_clear(out);
	return rc;
}

static int describe_change(void *ctx, const sl_load_record *r)
{
	char **out = ctx;
	char *text = sl_schema_changes_text(r->schema_changes);
	if (text)
		*out = sl_printf_alloc("%s (run of %s)", text, r->started ? r->started : "?");
	int rc = text && !*out ? SL_ENOMEM : SL_OK;
	free(text);
	return rc;
}

int sl_pipeline_last_schema_change(char **out, sl_pipeline *p, const char *table)
{
	*out = NULL;
	return read_schema_changes(p, table, true, describe_change, out);
}

/* ---- local mirror -------------------------------------------------------------------------- */

static char *mirror_path(const sl_pipeline *p, const char *file)
{
	return sl_printf_alloc("%s/%s/%s", p->pipelines_dir, p->name, file);
}

static json_t *hints_json(const sl_source_table *t, const sl_source *source)
{
	size_t chunk_size = sl_source_chunk_size(source, t);
	const sl_incremental *inc = &t->incremental;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(t->name));
	/* per table: the record may hold tables of runs with other chunk sizes */
	json_object_set_new(o, "chunk_size", json_integer((json_int_t)chunk_size));
	if (t->columns)
		json_object_set_new(o, "columns", json_string(t->columns));
	if (t->exclude_columns)
		json_object_set_new(o, "exclude_columns", json_string(t->exclude_columns));
	if (t->table_name)
		json_object_set_new(o, "table_name", json_string(t->table_name));
	if (t->merge_key)
		json_object_set_new(o, "merge_key", json_string(t->merge_key));
	if (t->hard_delete_column)
		json_object_set_new(o, "hard_delete_column", json_string(t->hard_delete_column));
	if (t->sync_deletes)
		json_object_set_new(o, "sync_deletes", json_true());
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

/* Whether the file at `path` holds exactly `text` already. */
static bool holds(const char *path, const char *text)
{
	char *now = NULL;
	bool same = sl_read_file(&now, path) == SL_OK && now && strcmp(now, text) == 0;
	sl_error_clear();
	if (now)
		sl_secret_free(now); /* the credentials hold passwords */
	return same;
}

/* Write a mirror file, unless it holds the same already: the runs of a backfill write the same
   record each time, and each write costs an fsync. */
static int write_json_file(sl_pipeline *p, const char *file, json_t *o, unsigned mode)
{
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *path = mirror_path(p, file);
	int rc = text && path ? SL_OK : SL_ENOMEM;
	if (!rc && !holds(path, text))
		rc = sl_write_file_atomic(path, text, mode);
	if (text)
		sl_secret_free(text);
	free(path);
	return rc;
}

/* A JSON file of the mirror, or NULL when it is missing or not an object. */
static json_t *read_mirror_json(const sl_pipeline *p, const char *file)
{
	char *path = mirror_path(p, file);
	char *text = NULL;
	json_t *o = NULL;
	if (path && sl_read_file(&text, path) == SL_OK)
		o = json_loads(text, 0, NULL);
	free(text);
	free(path);
	sl_error_clear();
	if (!json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The table entries of the last record when it was of the same source URL (a run loading other
   tables of that source adds to them; another source starts the record afresh), each with its
   chunk size; NULL when there are none to keep. */
static json_t *kept_tables(const sl_pipeline *p, const sl_source *source)
{
	json_t *cred = read_mirror_json(p, "credentials");
	const char *url = json_string_value(json_object_get(cred, "source_url"));
	json_t *meta =
		url && strcmp(url, source->url) == 0 ? read_mirror_json(p, "pipeline.json") : NULL;
	json_t *version = json_object_get(meta, "version");
	json_t *tables = json_object_get(meta, "tables");
	json_t *chunk = json_object_get(meta, "chunk_size");
	json_t *kept = NULL;
	/* a newer sluice's record may mean something else by its entries: start afresh */
	if (json_is_array(tables) && (!version || json_integer_value(version) <= SL_MIRROR_VERSION))
		kept = json_incref(tables);
	for (size_t i = 0; i < json_array_size(kept); i++) {
		json_t *t = json_array_get(kept, i);
		if (json_is_object(t) && !json_object_get(t, "chunk_size") && chunk)
			json_object_set(t, "chunk_size", chunk); /* a version 1 record's */
	}
	json_decref(cred);
	json_decref(meta);
	return kept;
}

static const sl_source_table *selection_named(const sl_source *source, const char *name)
{
	for (size_t i = 0; name && i < source->ntables; i++) {
		if (strcmp(source->tables[i].name, name) == 0)
			return &source->tables[i];
	}
	return NULL;
}

/* The record's tables: those kept from earlier runs, a selection of this run replacing the
   entry of its name in place, then this run's other selections. */
static json_t *record_tables(const sl_pipeline *p, const sl_source *source)
{
	json_t *kept = kept_tables(p, source);
	json_t *tables = json_array();
	for (size_t i = 0; i < json_array_size(kept); i++) {
		json_t *t = json_array_get(kept, i);
		const sl_source_table *now =
			selection_named(source, json_string_value(json_object_get(t, "name")));
		if (now)
			json_array_append_new(tables, hints_json(now, source));
		else if (json_is_object(t))
			json_array_append(tables, t);
	}
	for (size_t i = 0; i < source->ntables; i++) {
		bool recorded = false;
		for (size_t j = 0; j < json_array_size(kept) && !recorded; j++) {
			const char *name =
				json_string_value(json_object_get(json_array_get(kept, j), "name"));
			recorded = name && strcmp(name, source->tables[i].name) == 0;
		}
		if (!recorded)
			json_array_append_new(tables, hints_json(&source->tables[i], source));
	}
	json_decref(kept);
	return tables;
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
	if (source->nexcludes) {
		json_t *ex = json_array();
		for (size_t i = 0; i < source->nexcludes; i++)
			json_array_append_new(ex, json_string(source->excludes[i]));
		json_object_set_new(o, "exclude", ex);
	}
	if (source->include_views)
		json_object_set_new(o, "include_views", json_true());
	json_object_set_new(o, "tables", record_tables(p, source));
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
