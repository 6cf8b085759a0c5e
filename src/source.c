/*
 * source.c — the public sl_source: a SQL database source with its tables, per-table hints and
 * run limits (dlt's sql_database(...).apply_hints / add_limit); connecting to it; and the stats
 * query's row that drivers read as a scan.
 */
#include "disposition.h"
#include "drivers.h"
#include "source_spec.h"
#include "url.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

sl_source_table *sl_source_find_table(const sl_source *source, const char *name)
{
	for (size_t i = 0; i < source->ntables; i++)
		if (strcmp(source->tables[i].name, name) == 0)
			return &source->tables[i];
	return NULL;
}

static void clear_incremental(sl_incremental *inc)
{
	free((char *)inc->cursor_path);
	free((char *)inc->initial_value);
	free((char *)inc->end_value);
	free((char *)inc->lag);
	memset(inc, 0, sizeof(*inc));
}

const char *sl_source_table_destination(const sl_source_table *table, const char *reflected)
{
	return table->table_name ? table->table_name : reflected;
}

int sl_source_check_destinations(const sl_source *source, const char *const *reflected)
{
	for (size_t i = 0; i < source->ntables; i++) {
		const sl_source_table *a = &source->tables[i];
		const char *name = sl_source_table_destination(a, reflected[i]);
		for (size_t j = 0; j < i; j++) {
			const sl_source_table *b = &source->tables[j];
			if (strcasecmp(name, sl_source_table_destination(b, reflected[j])) == 0)
				return sl_error_set(
					SL_EINVAL,
					"tables '%s' and '%s' would both load into destination "
					"table '%s' and share its state: give one another name "
					"(--table %s:NAME, or the table_name hint)",
					b->name, a->name, name, a->name);
		}
	}
	return SL_OK;
}

void sl_source_table_clear(sl_source_table *t)
{
	free(t->name);
	free(t->table_name);
	free(t->primary_key);
	free(t->merge_key);
	free(t->hard_delete_column);
	free(t->columns);
	free(t->exclude_columns);
	clear_incremental(&t->incremental);
}

void sl_source_free(sl_source *source)
{
	if (!source)
		return;
	for (size_t i = 0; i < source->ntables; i++)
		sl_source_table_clear(&source->tables[i]);
	for (size_t i = 0; i < source->nexcludes; i++)
		free(source->excludes[i]);
	free(source->excludes);
	free(source->tables);
	free(source->url);
	free(source);
}

int sl_source_sql_database(sl_source **out, const char *url, const char *const *table_names,
			   size_t chunk_size)
{
	*out = NULL;
	static const char *const every_table[] = {"*", NULL};
	if (!table_names || !table_names[0])
		table_names = every_table;
	if (!url)
		return sl_error_set(SL_EINVAL, "a source needs a URL");
	if (chunk_size > SL_MAX_CHUNK_SIZE)
		return sl_error_set(SL_EINVAL, "chunk size %zu is too large (at most %d)",
				    chunk_size, SL_MAX_CHUNK_SIZE);
	sl_url *parsed;
	int rc = sl_url_parse(&parsed, url);
	if (rc)
		return rc;
	rc = sl_source_driver_for(parsed) ? SL_OK : SL_EUNSUPPORTED;
	sl_url_free(parsed);
	if (rc)
		return rc;

	sl_source *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->chunk_size = chunk_size ? chunk_size : SL_DEFAULT_CHUNK_SIZE;
	s->url = sl_strdup(url);
	size_t n = 0;
	while (table_names[n])
		n++;
	s->tables = sl_calloc(n, sizeof(*s->tables));
	if (!s->url || !s->tables)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		if (!*table_names[i]) {
			sl_source_free(s);
			return sl_error_set(SL_EINVAL, "empty table name");
		}
		s->tables[i].name = sl_strdup(table_names[i]);
		if (!s->tables[i].name)
			goto nomem;
		s->ntables = i + 1;
	}
	*out = s;
	return SL_OK;
nomem:
	sl_source_free(s);
	return SL_ENOMEM;
}

static int dup_opt(const char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = sl_strdup(src)))
		return SL_ENOMEM;
	return SL_OK;
}

/* The hint strings of `h` copied into `t` (name and disposition aside); on failure `t` holds what
   was copied, for sl_source_table_clear. Reads only the fields of `h`'s version. */
static int copy_hints(sl_source_table *t, const sl_table_hints *h)
{
	t->incremental = h->incremental;
	sl_incremental *inc = &t->incremental;
	inc->cursor_path = inc->initial_value = inc->end_value = inc->lag = NULL;
	int rc = dup_opt((const char **)&t->primary_key, h->primary_key);
	rc = rc ? rc : dup_opt(&inc->cursor_path, h->incremental.cursor_path);
	rc = rc ? rc : dup_opt(&inc->initial_value, h->incremental.initial_value);
	rc = rc ? rc : dup_opt(&inc->end_value, h->incremental.end_value);
	rc = rc ? rc : dup_opt(&inc->lag, h->incremental.lag);
	if (rc || h->version < 2) /* a version 1 struct ends before table_name */
		return rc;
	rc = dup_opt((const char **)&t->table_name, h->table_name);
	rc = rc ? rc : dup_opt((const char **)&t->merge_key, h->merge_key);
	rc = rc ? rc : dup_opt((const char **)&t->hard_delete_column, h->hard_delete_column);
	t->sync_deletes = h->sync_deletes;
	if (rc || h->version < 3) /* a version 2 struct ends before columns */
		return rc;
	t->chunk_size = h->chunk_size;
	rc = dup_opt((const char **)&t->columns, h->columns);
	return rc ? rc : dup_opt((const char **)&t->exclude_columns, h->exclude_columns);
}

size_t sl_source_chunk_size(const sl_source *source, const sl_source_table *table)
{
	return table->chunk_size ? table->chunk_size : source->chunk_size;
}

int sl_source_table_copy(sl_source_table *dst, const sl_source_table *src, const char *name)
{
	/* the spec's strings seen as hints of the newest version, which copy_hints duplicates */
	sl_table_hints h = {.version = SL_TABLE_HINTS_VERSION,
			    .primary_key = src->primary_key,
			    .incremental = src->incremental,
			    .write_disposition = src->write_disposition,
			    .table_name = src->table_name,
			    .merge_key = src->merge_key,
			    .hard_delete_column = src->hard_delete_column,
			    .sync_deletes = src->sync_deletes,
			    .columns = src->columns,
			    .exclude_columns = src->exclude_columns,
			    .chunk_size = src->chunk_size};
	memset(dst, 0, sizeof(*dst));
	dst->write_disposition = src->write_disposition;
	int rc = copy_hints(dst, &h);
	if (!rc && !(dst->name = sl_strdup(name)))
		rc = SL_ENOMEM;
	return rc;
}

/* An empty string where a name is wanted says nothing sensible: refused, naming the hint. */
static int check_names(const char *table, const sl_table_hints *h)
{
	const char *empty = NULL;
	if (h->version >= 2 && h->table_name && !*h->table_name)
		empty = "destination table name";
	else if (h->version >= 2 && h->merge_key && !*h->merge_key)
		empty = "merge key";
	else if (h->version >= 2 && h->hard_delete_column && !*h->hard_delete_column)
		empty = "hard delete column";
	else if (h->version >= 3 && h->columns && !*h->columns)
		empty = "column list";
	else if (h->version >= 3 && h->exclude_columns && !*h->exclude_columns)
		empty = "list of columns to exclude";
	return empty ? sl_error_set(SL_EINVAL, "table '%s': empty %s", table, empty) : SL_OK;
}

int sl_source_apply_hints(sl_source *source, const char *table, const sl_table_hints *hints)
{
	if (!source || !table || !hints)
		return sl_error_set(SL_EINVAL, "sl_source_apply_hints: NULL argument");
	if (hints->version < 1 || hints->version > SL_TABLE_HINTS_VERSION)
		return sl_error_set(SL_EINVAL,
				    "sl_table_hints version %u is not supported (expected 1 to %d)",
				    hints->version, SL_TABLE_HINTS_VERSION);
	if (!sl_disposition_for(hints->write_disposition, true))
		return sl_error_set(SL_EINVAL, "table '%s': unknown write disposition %d", table,
				    (int)hints->write_disposition);
	if (hints->version >= 3 && hints->chunk_size > SL_MAX_CHUNK_SIZE)
		return sl_error_set(SL_EINVAL, "table '%s': chunk size %zu is above the maximum %d",
				    table, hints->chunk_size, SL_MAX_CHUNK_SIZE);
	int rc = check_names(table, hints);
	if (rc)
		return rc;
	sl_source_table *t = sl_source_find_table(source, table);
	if (!t)
		return sl_error_set(SL_ENOTFOUND, "table '%s' is not selected in this source",
				    table);
	sl_source_table next = {.write_disposition = hints->write_disposition};
	rc = copy_hints(&next, hints);
	if (rc) {
		sl_source_table_clear(&next);
		return rc;
	}
	next.name = t->name;
	t->name = NULL;
	sl_source_table_clear(t);
	*t = next;
	return SL_OK;
}

int sl_source_exclude(sl_source *source, const char *pattern)
{
	if (!source || !pattern || !*pattern)
		return sl_error_set(SL_EINVAL, "sl_source_exclude: NULL source or empty pattern");
	char **grown = sl_realloc(source->excludes, (source->nexcludes + 1) * sizeof(*grown));
	if (!grown)
		return SL_ENOMEM;
	source->excludes = grown;
	if (!(grown[source->nexcludes] = sl_strdup(pattern)))
		return SL_ENOMEM;
	source->nexcludes++;
	return SL_OK;
}

int sl_source_include_views(sl_source *source, bool include)
{
	if (!source)
		return sl_error_set(SL_EINVAL, "sl_source_include_views: NULL source");
	source->include_views = include;
	return SL_OK;
}

int sl_source_add_limit(sl_source *source, size_t max_chunks)
{
	if (!source)
		return sl_error_set(SL_EINVAL, "sl_source_add_limit: NULL source");
	source->max_chunks = max_chunks;
	return SL_OK;
}

int sl_source_set_max_time(sl_source *source, double seconds)
{
	if (!source || !(seconds >= 0))
		return sl_error_set(SL_EINVAL, "max time must be a non-negative number of seconds");
	source->max_seconds = seconds;
	return SL_OK;
}

int sl_source_set_retries(sl_source *source, unsigned retries)
{
	if (!source)
		return sl_error_set(SL_EINVAL, "sl_source_set_retries: NULL source");
	source->retries = retries;
	return SL_OK;
}

static int connect_watched(sl_source_conn **out, const sl_source *source, sl_interrupt *intr)
{
	sl_url *url;
	int rc = sl_url_parse(&url, source->url);
	if (rc)
		return rc;
	const sl_source_driver *sd = sl_source_driver_for(url);
	rc = sd ? sd->connect(out, url, intr) : sl_error_last_code();
	sl_url_free(url);
	return rc;
}

int sl_source_connect(sl_source_conn **out, const sl_source *source)
{
	return connect_watched(out, source, NULL);
}

#define RETRY_FIRST 1.0	 /* seconds before the first retry */
#define RETRY_MAX   30.0 /* ... doubling up to this */

/* Sleep `seconds`, in steps of 100 ms so that an interrupt is seen soon; true when it is. */
static bool nap(double seconds, const sl_interrupt *intr)
{
	for (double left = seconds; left > 0; left -= 0.1) {
		if (sl_interrupt_requested(intr))
			return true;
		double step = left < 0.1 ? left : 0.1;
		struct timespec ts = {0, (long)(step * 1e9)};
		nanosleep(&ts, NULL);
	}
	return sl_interrupt_requested(intr);
}

/*
 * Only connecting is retried: nothing has been read or written yet, so a retry cannot lose or
 * duplicate a row. A lost connection in the middle of a run fails the run instead (its open
 * chunk rolls back); the next run continues from the last commit.
 */
int sl_source_connect_retrying(sl_source_conn **out, const sl_source *source, sl_interrupt *intr)
{
	double pause = RETRY_FIRST;
	int rc = connect_watched(out, source, intr);
	unsigned tries = 1;
	char message[1024];
	for (; rc == SL_ECONNECT && tries <= source->retries; tries++) {
		snprintf(message, sizeof(message), "%s", sl_error_last()->message);
		if (nap(pause, intr))
			return sl_error_set(SL_EINTERRUPTED,
					    "interrupted while waiting to retry (tried %u time%s: "
					    "%s): nothing was loaded",
					    tries, tries == 1 ? "" : "s", message);
		pause = pause * 2 < RETRY_MAX ? pause * 2 : RETRY_MAX;
		rc = connect_watched(out, source, intr);
	}
	if (rc == SL_ECONNECT && source->retries) {
		snprintf(message, sizeof(message), "%s", sl_error_last()->message);
		return sl_error_set(SL_ECONNECT, "%s (tried %u times)", message, tries);
	}
	return rc;
}

int sl_source_stats_shape(sl_table_schema **out, const sl_table_schema *t, int cursor)
{
	sl_table_schema *s = sl_schema_new(t->database, t->name);
	int rc = s ? SL_OK : SL_ENOMEM;
	if (!rc && cursor >= 0) {
		const sl_column *col = &t->columns[cursor];
		rc = sl_schema_add_column(s, col->name, col->type, col->precision, col->scale, true,
					  col->source_type);
	}
	if (rc >= 0)
		rc = sl_schema_add_column(s, "rows_total", SL_TYPE_INT64, 0, 0, false, "bigint");
	if (rc >= 0)
		rc = sl_schema_add_column(s, "rows_after", SL_TYPE_INT64, 0, 0, true, "bigint");
	if (rc < 0) {
		sl_schema_free(s);
		return rc;
	}
	*out = s;
	return SL_OK;
}

/* The figures of a stats row (sl_source_stats_shape) in `b`. */
static int stats_from_row(sl_source_stats *out, const sl_batch *b, int cursor)
{
	size_t col = 0;
	if (cursor >= 0 && sl_batch_is_valid(b, col++, 0)) {
		sl_buf text = SL_BUF_INIT;
		sl_value_format_batch(&text, b, 0, 0);
		out->cursor_max = sl_buf_detach(&text);
		if (!out->cursor_max)
			return SL_ENOMEM;
	}
	out->rows_total = ((const int64_t *)b->columns[col].data)[0];
	if (sl_batch_is_valid(b, col + 1, 0))
		out->rows_after = ((const int64_t *)b->columns[col + 1].data)[0];
	return SL_OK;
}

int sl_source_stats_read(sl_source_stats *out, sl_scan *scan, const sl_table_schema *shape,
			 int cursor)
{
	const sl_source_driver *d = scan->driver;
	sl_batch *b = sl_batch_new(shape, 0);
	int n = b ? d->scan_next(scan, b) : SL_ENOMEM;
	int rc = n < 0 ? n : n > 0 ? stats_from_row(out, b, cursor) : SL_OK;
	while (!rc && n > 0) { /* one row, then the end of the result */
		sl_batch_reset(b);
		n = d->scan_next(scan, b);
		rc = n < 0 ? n : SL_OK;
	}
	sl_batch_free(b);
	d->scan_close(scan);
	return rc;
}
