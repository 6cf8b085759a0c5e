/*
 * status.c — asking a pipeline where it stands: reopening it by name from its local mirror, its
 * state as JSON, and how far each table's backfill has come. Status answers with what it can
 * read: while a run holds a DuckDB file the local record stands in for the destination, and an
 * unreachable source leaves only the source's figures unknown.
 */
#include "drivers.h"
#include "pipeline.h"
#include "url.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	rc = rc ? rc : get_string(&h.table_name, t, "table_name", false, p, file);
	rc = rc ? rc : get_string(&h.primary_key, t, "primary_key", false, p, file);
	rc = rc ? rc : get_string(&h.merge_key, t, "merge_key", false, p, file);
	rc = rc ? rc : get_string(&h.hard_delete_column, t, "hard_delete_column", false, p, file);
	rc = rc ? rc : get_string(&inc->cursor_path, t, "cursor", false, p, file);
	rc = rc ? rc : get_string(&inc->initial_value, t, "initial_value", false, p, file);
	rc = rc ? rc : get_string(&inc->end_value, t, "end_value", false, p, file);
	rc = rc ? rc : get_string(&inc->lag, t, "lag", false, p, file);
	rc = rc ? rc : get_string(&h.columns, t, "columns", false, p, file);
	rc = rc ? rc : get_string(&h.exclude_columns, t, "exclude_columns", false, p, file);
	rc = rc ? rc : get_enum(&row_order, t, "row_order", SL_ROW_ORDER_NONE, path);
	rc = rc ? rc : get_enum(&func, t, "last_value_func", SL_LAST_VALUE_MIN, path);
	rc = rc ? rc : get_enum(&start, t, "range_start", SL_RANGE_OPEN, path);
	rc = rc ? rc : get_enum(&end, t, "range_end", SL_RANGE_OPEN, path);
	rc = rc ? rc
		: get_enum(&missing, t, "on_cursor_value_missing", SL_MISSING_CURSOR_EXCLUDE, path);
	rc = rc ? rc : get_enum(&wd, t, "write_disposition", SL_WRITE_MERGE, path);
	free(path);
	if (rc)
		return rc;
	inc->row_order = (sl_row_order)row_order;
	inc->last_value_func = (sl_last_value_func)func;
	inc->range_start = (sl_range)start;
	inc->range_end = (sl_range)end;
	inc->on_cursor_value_missing = (sl_on_missing_cursor)missing;
	h.write_disposition = (sl_write_disposition)wd;
	h.sync_deletes = json_is_true(json_object_get(t, "sync_deletes"));
	json_t *chunk = json_object_get(t, "chunk_size");
	h.chunk_size = json_is_integer(chunk) && json_integer_value(chunk) > 0
			       ? (size_t)json_integer_value(chunk)
			       : 0;
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
	json_t *ex = json_object_get(meta, "exclude");
	for (size_t i = 0; i < json_array_size(ex) && !rc; i++) {
		const char *pattern = json_string_value(json_array_get(ex, i));
		rc = pattern ? sl_source_exclude(*out, pattern) : SL_OK;
	}
	if (!rc && json_is_true(json_object_get(meta, "include_views")))
		rc = sl_source_include_views(*out, true);
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

/* Each table's state into `ctx`, a JSON object: parsed, or as the text it is when damaged. */
static int add_state(void *ctx, const sl_state_record *r)
{
	json_t *v = r->state ? json_loads(r->state, 0, NULL) : NULL;
	json_object_set_new(ctx, r->table ? r->table : "",
			    v ? v : json_string(r->state ? r->state : ""));
	return SL_OK;
}

int sl_pipeline_state_json(char **out, sl_pipeline *p)
{
	*out = NULL;
	int rc = sl_pipeline_connect(p);
	if (rc)
		return rc;
	json_t *tables = json_object();
	rc = p->dest_driver->read_states(p->dest, p->dataset, p->name, NULL, add_state, tables);
	json_t *o = json_object();
	json_object_set_new(o, "pipeline_name", json_string(p->name));
	json_object_set_new(o, "destination", json_string(p->destination_shown));
	json_object_set_new(o, "dataset_name", json_string(p->dataset));
	json_object_set_new(o, "tables", tables);
	*out = rc ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc)
		return rc;
	return *out ? SL_OK : sl_error_set(SL_ENOMEM, "out of memory");
}

/* ---- status: where the figures come from --------------------------------------------------- */

/* What one sl_pipeline_status call reads. */
typedef struct status_ctx {
	sl_pipeline *p;
	bool dest;	      /* the destination is open */
	json_t *mirror;	      /* else the local state mirror, as an object (maybe empty) */
	sl_source_conn *conn; /* the source, or NULL (status->source_error says why) */
	const sl_status *status;
	json_t *known; /* names of the pipeline's destination tables, read when needed */
} status_ctx;

static void lock_status(sl_status *st, const sl_pipeline *p)
{
	sl_lock_holder h;
	st->run_in_progress = sl_pipeline_lock_held(&h, p);
	if (!st->run_in_progress)
		return;
	st->run_pid = h.pid;
	st->run_holder = h.holder[0] ? sl_strdup(h.holder) : NULL;
	st->run_since = h.since[0] ? sl_strdup(h.since) : NULL;
}

/* The message of the error just met (then cleared), for a figure that stays unknown. */
static int keep_message(char **out, int rc)
{
	if (rc == SL_ENOMEM)
		return rc;
	free(*out);
	*out = sl_strdup(sl_error_last()->message);
	sl_error_clear();
	return *out ? SL_OK : SL_ENOMEM;
}

/* state.json as an object: damaged or missing, it is only a cache, and the figures unknown. */
static json_t *load_state_mirror(const sl_pipeline *p)
{
	char *path = mirror_file(p, "state.json");
	char *text = NULL;
	json_t *o = path && sl_read_file(&text, path) == SL_OK ? json_loads(text, 0, NULL) : NULL;
	free(text);
	free(path);
	sl_error_clear();
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}

/* The destination, or, while a run holds it (a DuckDB file), the local record. */
static int open_destination(status_ctx *c, sl_status *st)
{
	int rc = sl_pipeline_connect(c->p);
	c->dest = rc == SL_OK;
	if (rc != SL_ELOCKED)
		return rc;
	rc = keep_message(&st->destination_error, rc);
	c->mirror = rc ? NULL : load_state_mirror(c->p);
	return rc ? rc : c->mirror ? SL_OK : SL_ENOMEM;
}

/* A MySQL password given to the run in MYSQL_PWD is not in the URL the pipeline recorded (a
   PostgreSQL driver's message already names PGPASSWORD). */
static int no_password_hint(sl_status *st, const sl_source *source)
{
	sl_url *url = NULL;
	bool none = sl_url_parse(&url, source->url) == SL_OK && url->kind == SL_URL_MYSQL &&
		    !url->password;
	sl_url_free(url);
	sl_error_clear();
	char *more = none ? sl_printf_alloc("%s; the source URL has no password: set MYSQL_PWD as "
					    "for the run",
					    st->source_error)
			  : NULL;
	if (none && !more)
		return SL_ENOMEM;
	if (more) {
		free(st->source_error);
		st->source_error = more;
	}
	return SL_OK;
}

static int open_source(status_ctx *c, sl_status *st, const sl_source *source)
{
	int rc = sl_source_connect(&c->conn, source);
	if (rc == SL_OK || rc == SL_ENOMEM)
		return rc;
	c->conn = NULL;
	bool auth = rc == SL_EAUTH;
	rc = keep_message(&st->source_error, rc);
	if (!rc && auth)
		rc = no_password_hint(st, source);
	return rc;
}

/* The tables the selections stand for (patterns listed); when that fails, *out stays NULL, the
   selections are shown as given and the source's figures unknown, saying why. */
static int resolve_tables(sl_source **out, status_ctx *c, sl_status *st, const sl_source *spec)
{
	*out = NULL;
	if (!c->conn)
		return SL_OK;
	int rc = sl_source_resolve(out, spec, c->conn);
	if (rc == SL_OK || rc == SL_ENOMEM)
		return rc;
	c->conn->driver->disconnect(c->conn);
	c->conn = NULL;
	return keep_message(&st->source_error, rc);
}

/* ---- status: one table ---------------------------------------------------------------------- */

static int add_known(void *ctx, const char *name)
{
	json_object_set_new(ctx, name, json_true());
	return SL_OK;
}

/* The destination tables the pipeline has state or loads for (or the local record has state
   for): without the source, a selected name ("Odd Schema"."MixedCase") is matched to them. */
static int load_known(status_ctx *c)
{
	if (c->known)
		return SL_OK;
	if (!(c->known = json_object()))
		return SL_ENOMEM;
	if (c->dest)
		return c->p->dest_driver->recorded_tables(c->p->dest, c->p->dataset, c->p->name,
							  add_known, c->known);
	const char *k;
	json_t *v;
	json_object_foreach(c->mirror, k, v)
	{
		add_known(c->known, k);
	}
	return SL_OK;
}

/* The table part of a selected name: after its last '.' outside double quotes, unquoted. */
static char *base_name(const char *selected)
{
	const char *start = selected;
	bool quoted = false;
	for (const char *s = selected; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '.' && !quoted)
			start = s + 1;
	}
	size_t len = strlen(start);
	if (len < 2 || start[0] != '"' || start[len - 1] != '"')
		return sl_strdup(start);
	sl_buf b = SL_BUF_INIT;
	for (size_t i = 1; i + 1 < len; i++) {
		sl_buf_putc(&b, start[i]);
		if (start[i] == '"' && start[i + 1] == '"') /* "" in a quoted name is one " */
			i++;
	}
	return sl_buf_detach(&b);
}

/* The destination table's name: a table_name hint's, the reflected one, else the selected one
   matched to the known tables (exactly, then ignoring case: PostgreSQL folds unquoted names). */
static int name_table(sl_table_status *st, status_ctx *c, const sl_source_table *spec,
		      const sl_table_schema *schema)
{
	if (spec->table_name || schema) {
		const char *name = sl_source_table_destination(spec, schema ? schema->name : NULL);
		return (st->table = sl_strdup(name)) ? SL_OK : SL_ENOMEM;
	}
	char *base = base_name(spec->name);
	int rc = base ? load_known(c) : SL_ENOMEM;
	const char *k, *match = NULL;
	json_t *v;
	if (!rc && !json_object_get(c->known, base))
		json_object_foreach(c->known, k, v)
		{
			if (strcasecmp(k, base) == 0)
				match = k;
		}
	if (!rc && !(st->table = sl_strdup(match ? match : base)))
		rc = SL_ENOMEM;
	free(base);
	return rc;
}

/* A table's state from the local mirror; a damaged entry leaves the figures unknown. */
static int mirror_state(sl_table_state *out, status_ctx *c, sl_table_status *st, const char *cursor,
			const sl_column *cc)
{
	json_t *one = json_object_get(c->mirror, st->table);
	char *text = one ? json_dumps(one, JSON_COMPACT) : NULL;
	if (one && !text)
		return SL_ENOMEM;
	int rc = text ? sl_table_state_decode(out, text, st->table, cursor,
					      cc ? cc->type : SL_TYPE_TEXT, cc ? cc->precision : 0,
					      cc ? cc->scale : 0)
		      : SL_ENOTFOUND;
	free(text);
	if (rc == SL_OK)
		st->rows_loaded = (int64_t)out->rows_loaded;
	else
		sl_error_clear();
	return rc == SL_ENOMEM ? rc : SL_OK;
}

/* The table's state: from the destination, or the local record while a run holds it. Without
   the cursor column (no source) the last value is read as text, as it is stored. */
static int read_state(sl_table_state *out, status_ctx *c, sl_table_status *st, const char *cursor,
		      const sl_column *cc)
{
	sl_table_state_init(out);
	if (!c->dest)
		return mirror_state(out, c, st, cursor, cc);
	return sl_pipeline_read_state(out, c->p, st->table, cursor, cc ? cc->type : SL_TYPE_TEXT,
				      cc ? cc->precision : 0, cc ? cc->scale : 0);
}

/* A copy of `text` (NULL stays NULL); *rc set to SL_ENOMEM when the copy failed. */
static char *dup_text(const char *text, int *rc)
{
	char *copy = text ? sl_strdup(text) : NULL;
	if (text && !copy)
		*rc = SL_ENOMEM;
	return copy;
}

static int take_last_load(void *ctx, const sl_load_record *r)
{
	sl_table_status *st = ctx;
	int rc = SL_OK;
	st->last_load_started = dup_text(r->started, &rc);
	st->last_load_finished = dup_text(r->finished, &rc);
	st->last_load_status = dup_text(r->status, &rc);
	st->last_load_rows = r->rows;
	return rc;
}

static int take_last_reset(void *ctx, const sl_load_record *r)
{
	sl_table_status *st = ctx;
	int rc = SL_OK;
	st->reset_kept_at = dup_text(r->started, &rc);
	return rc;
}

/* The table's last run, and its last reset that kept rows. */
static int last_loads(sl_table_status *st, sl_pipeline *p)
{
	sl_load_filter f = {.pipeline = p->name,
			    .table = st->table,
			    .not_status = SL_LOAD_RESET_KEEP_DATA,
			    .newest_only = true};
	int rc = p->dest_driver->read_loads(p->dest, p->dataset, &f, take_last_load, st);
	f.status = SL_LOAD_RESET_KEEP_DATA;
	f.not_status = NULL;
	return rc ? rc : p->dest_driver->read_loads(p->dest, p->dataset, &f, take_last_reset, st);
}

static int destination_figures(sl_table_status *st, sl_pipeline *p)
{
	int rc = sl_pipeline_count_rows(&st->rows_loaded, p, st->table);
	if (!rc)
		rc = sl_pipeline_last_schema_change(&st->schema_changes, p, st->table);
	return rc ? rc : last_loads(st, p);
}

/* Remaining rows, percent done and the rows beyond the source's, from the source's counts. */
static void fill_figures(sl_table_status *st, sl_source_stats *stats)
{
	st->source_max = stats->cursor_max;
	stats->cursor_max = NULL;
	int64_t loaded = st->rows_loaded;
	if (stats->rows_after >= 0)
		st->rows_remaining = stats->rows_after;
	else if (stats->rows_total >= 0 && loaded >= 0)
		st->rows_remaining = stats->rows_total > loaded ? stats->rows_total - loaded : 0;
	if (stats->rows_total >= 0)
		st->source_rows = stats->rows_total;
	else if (loaded >= 0 && st->rows_remaining >= 0)
		st->source_rows = loaded + st->rows_remaining;
	if (loaded < 0 || st->rows_remaining < 0 || st->source_rows < 0)
		return;
	/* what the source holds up to the last value is what the destination should */
	int64_t beyond = loaded + st->rows_remaining - st->source_rows;
	st->extra_rows = beyond > 0 ? beyond : 0;
	int64_t covered = loaded - st->extra_rows;
	st->percent_done =
		covered + st->rows_remaining
			? 100.0 * (double)covered / (double)(covered + st->rows_remaining)
			: 100.0;
}

/* Ask the source; a failure leaves its figures unknown, saying why. */
static int source_figures(sl_table_status *st, status_ctx *c, const sl_source_table *spec,
			  const sl_table_schema *schema, int cursor, const sl_table_state *state)
{
	sl_source_stats stats = {NULL, -1, -1};
	bool desc = spec->incremental.last_value_func == SL_LAST_VALUE_MIN;
	int rc = c->conn->driver->stats
			 ? c->conn->driver->stats(&stats, c->conn, schema, cursor, desc,
						  state->has_last ? &state->last_value : NULL)
			 : SL_OK;
	if (rc)
		rc = keep_message(&st->source_error, rc);
	else
		fill_figures(st, &stats);
	sl_source_stats_clear(&stats);
	return rc;
}

static void status_init(sl_table_status *st)
{
	memset(st, 0, sizeof(*st));
	st->rows_loaded = st->rows_remaining = st->source_rows = st->extra_rows = -1;
	st->last_load_rows = -1;
	st->percent_done = -1;
}

static int table_status(sl_table_status *st, status_ctx *c, const sl_source_table *spec)
{
	sl_table_schema *schema = NULL;
	int rc = c->conn ? c->conn->driver->reflect(&schema, c->conn, spec->name) : SL_OK;
	if (rc)
		rc = keep_message(&st->source_error, rc);
	else if (!c->conn && !(st->source_error = sl_strdup(c->status->source_error)))
		rc = SL_ENOMEM;
	rc = rc ? rc : name_table(st, c, spec, schema);
	const char *cursor = spec->incremental.cursor_path;
	int ci = schema && cursor ? sl_schema_find(schema, cursor) : -1;
	sl_table_state state;
	sl_table_state_init(&state);
	if (!rc)
		rc = read_state(&state, c, st, cursor, ci >= 0 ? &schema->columns[ci] : NULL);
	if (!rc && c->dest)
		rc = destination_figures(st, c->p);
	if (!rc && state.has_last && !(st->last_value = sl_value_to_text(&state.last_value)))
		rc = SL_ENOMEM;
	if (!rc && schema)
		rc = source_figures(st, c, spec, schema, ci, &state);
	sl_table_state_clear(&state);
	sl_schema_free(schema);
	return rc;
}

/* ---- status ------------------------------------------------------------------------------- */

static int all_tables(sl_status *st, status_ctx *c, const sl_source *source)
{
	st->tables = sl_calloc(source->ntables ? source->ntables : 1, sizeof(*st->tables));
	if (!st->tables)
		return SL_ENOMEM;
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < source->ntables; i++) {
		status_init(&st->tables[i]);
		st->ntables = i + 1;
		rc = table_status(&st->tables[i], c, &source->tables[i]);
	}
	return rc;
}

int sl_pipeline_status(sl_status **out, sl_pipeline *p, sl_source *source)
{
	*out = NULL;
	sl_status *st = sl_calloc(1, sizeof(*st));
	if (!st)
		return SL_ENOMEM;
	sl_source *own = NULL, *resolved = NULL;
	int rc = source ? SL_OK : sl_pipeline_last_source(&own, p);
	const sl_source *spec = source ? source : own;
	status_ctx c = {.p = p, .status = st};
	lock_status(st, p);
	if (!rc)
		rc = open_destination(&c, st);
	if (!rc)
		rc = open_source(&c, st, spec);
	if (!rc)
		rc = resolve_tables(&resolved, &c, st, spec);
	if (!rc)
		rc = all_tables(st, &c, resolved ? resolved : spec);
	if (c.conn)
		c.conn->driver->disconnect(c.conn);
	json_decref(c.mirror);
	json_decref(c.known);
	sl_source_free(resolved);
	sl_source_free(own);
	if (rc) {
		sl_status_free(st);
		return rc;
	}
	*out = st;
	return SL_OK;
}

static void table_status_clear(sl_table_status *t)
{
	free(t->table);
	free(t->last_value);
	free(t->source_max);
	free(t->schema_changes);
	free(t->last_load_started);
	free(t->last_load_finished);
	free(t->last_load_status);
	free(t->reset_kept_at);
	free(t->source_error);
}

void sl_status_free(sl_status *status)
{
	if (!status)
		return;
	for (size_t i = 0; i < status->ntables; i++)
		table_status_clear(&status->tables[i]);
	free(status->tables);
	free(status->run_holder);
	free(status->run_since);
	free(status->destination_error);
	free(status->source_error);
	free(status);
}

void sl_source_stats_clear(sl_source_stats *stats)
{
	free(stats->cursor_max);
	stats->cursor_max = NULL;
}
