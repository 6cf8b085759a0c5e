/*
 * pipeline.c — sl_pipeline: runs a source into a destination, table by table, chunk by chunk.
 *
 * One chunk is one destination transaction: its rows are appended, then the state that covers
 * them is written, then COMMIT. A crash at any instant leaves the destination at the end of the
 * last committed chunk, and the next run starts from the state committed with it.
 *
 * Rows stream from the source in batches sized so that a batch never straddles a chunk boundary
 * (batch capacity = min(vector size, rows left in the chunk)): a chunk's last batch ends exactly
 * where its state is taken. The batches are read ahead in those sizes on a second thread
 * (prefetch.h) while this one appends and commits the ones before. Chunks count
 * rows read, boundary overlap included (as dlt counts);
 * a chunk that holds no new row does not count against the run's chunk limit, so a run with rows
 * left always makes progress.
 */
#include "pipeline.h"
#include "workers.h"
#include "disposition.h"
#include "drivers.h"
#include "incremental.h"
#include "prefetch.h"
#include "sync_deletes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct sl_load_info {
	char *load_id;
	size_t ntables;
	sl_table_load *tables; /* strings owned */
	bool tables_ran;       /* the run got to its tables: they say how each ended */
};

/* ---- creating pipelines -------------------------------------------------------------------- */

static bool valid_name(const char *name)
{
	if (!name || !*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return false;
	return true;
}

static char *default_pipelines_dir(void)
{
	const char *env = getenv("SLUICE_PIPELINES_DIR");
	if (env && *env)
		return sl_strdup(env);
	const char *home = getenv("HOME");
	return sl_printf_alloc("%s/.sluice/pipelines", home && *home ? home : ".");
}

/*
 * The destination a pipeline writes to: "duckdb" (or none) is <name>.duckdb and a bare path a
 * DuckDB file, both in the working directory; the driver makes what is relative in its URL
 * absolute, so that the pipeline can be reopened by name from any working directory. A URL that
 * does not parse, or that no driver serves, is kept as given, for check_destination to report.
 */
/* A bare path named like a data file ("out.parquet"): a files destination meant as a file,
   refused by check_destination rather than made a DuckDB file of that name. */
static bool names_data_file(const char *dest)
{
	static const char *const exts[] = {".parquet", ".csv", ".jsonl", ".json"};
	size_t n = strlen(dest);
	for (size_t i = 0; !strstr(dest, "://") && i < SL_ARRAY_LEN(exts); i++)
		if (n > strlen(exts[i]) && strcasecmp(dest + n - strlen(exts[i]), exts[i]) == 0)
			return true;
	return false;
}

static char *resolve_destination(const char *dest, const char *name)
{
	char *given = !dest || !*dest || strcmp(dest, "duckdb") == 0
			      ? sl_printf_alloc("duckdb:///%s.duckdb", name)
		      : !strstr(dest, "://") && !names_data_file(dest)
			      ? sl_printf_alloc("duckdb:///%s", dest)
			      : sl_strdup(dest);
	sl_url *url;
	if (!given || sl_url_parse(&url, given) != SL_OK) {
		sl_error_clear();
		return given;
	}
	const sl_destination_driver *driver = sl_destination_driver_for(url);
	sl_error_clear();
	char *out = driver && driver->absolute_url ? driver->absolute_url(url, given) : NULL;
	sl_url_free(url);
	if (!out)
		return given;
	free(given);
	return out;
}

/* A destination URL that no driver can open fails the pipeline's creation, before any run. */
static int check_destination(const char *dest)
{
	if (names_data_file(dest))
		return sl_error_set(SL_EINVAL,
				    "destination '%s' names a file: files go into a directory, one "
				    "per table; use file:///DIR (Parquet; ?format=csv or jsonl)",
				    dest);
	sl_url *url;
	int rc = sl_url_parse(&url, dest);
	if (!rc && !sl_destination_driver_for(url))
		rc = SL_EUNSUPPORTED;
	sl_url_free(url);
	return rc ? sl_error_wrap("destination") : SL_OK;
}

static char *dev_mode_dataset(const char *base)
{
	time_t now = time(NULL);
	struct tm tm;
	char suffix[32];
	gmtime_r(&now, &tm);
	strftime(suffix, sizeof(suffix), "_%Y%m%d%H%M%S", &tm); /* 24-hour clock */
	return sl_printf_alloc("%s%s", base, suffix);
}

static int pipeline_alloc(sl_pipeline **out, const char *name, const char *dir)
{
	*out = NULL;
	if (!valid_name(name))
		return sl_error_set(
			SL_EINVAL,
			"pipeline name '%s' is not valid: use letters, digits, '_' and '-'",
			name ? name : "");
	sl_pipeline *p = sl_calloc(1, sizeof(*p));
	if (!p)
		return SL_ENOMEM;
	p->lock_fd = -1;
	p->intr = &p->interrupt;
	pthread_mutex_init(&p->serial, NULL);
	p->name = sl_strdup(name);
	p->pipelines_dir = dir && *dir ? sl_strdup(dir) : default_pipelines_dir();
	if (!p->name || !p->pipelines_dir) {
		sl_pipeline_free(p);
		return SL_ENOMEM;
	}
	*out = p;
	return SL_OK;
}

int sl_pipeline_new(sl_pipeline **out, const sl_pipeline_options *o)
{
	*out = NULL;
	if (!o || o->version < 1 || o->version > SL_PIPELINE_OPTIONS_VERSION)
		return sl_error_set(SL_EINVAL, "sl_pipeline_options: missing or wrong version");
	sl_pipeline *p;
	int rc = pipeline_alloc(&p, o->pipeline_name, o->pipelines_dir);
	if (rc)
		return rc;
	char *base = o->dataset_name && *o->dataset_name
			     ? sl_strdup(o->dataset_name)
			     : sl_printf_alloc("%s_dataset", o->pipeline_name);
	p->dataset = base && o->dev_mode ? dev_mode_dataset(base) : base;
	if (p->dataset != base)
		free(base);
	sl_pipeline_set_destination(p, resolve_destination(o->destination, o->pipeline_name));
	p->memory_limit = o->memory_limit ? sl_strdup(o->memory_limit) : NULL;
	p->no_load_id = o->no_load_id;
	p->on_progress = o->on_progress;
	p->progress_ctx = o->progress_ctx;
	p->wait_lock = o->wait_lock;
	p->workers = o->version >= 2 && o->workers > 1 ? o->workers : 1; /* v1 ends before it */
	p->keep_connections = o->version >= 3 && o->keep_connections;
	rc = p->dataset && p->destination ? check_destination(p->destination) : SL_ENOMEM;
	if (rc) {
		sl_pipeline_free(p);
		return rc;
	}
	*out = p;
	return SL_OK;
}

int sl_pipeline_set_destination(sl_pipeline *p, char *url)
{
	free(p->destination);
	free(p->destination_shown);
	p->destination = url;
	p->destination_shown = NULL;
	if (!url)
		return SL_ENOMEM;
	sl_url *parsed;
	if (sl_url_parse(&parsed, url) == SL_OK) {
		p->destination_shown = sl_url_redacted(parsed);
		sl_url_free(parsed);
	} else {
		p->destination_shown = sl_url_redact_text(url);
	}
	sl_error_clear();
	return p->destination_shown ? SL_OK : SL_ENOMEM;
}

const char *sl_pipeline_dataset_name(const sl_pipeline *pipeline)
{
	return pipeline->dataset;
}

const char *sl_pipeline_destination(const sl_pipeline *pipeline)
{
	return pipeline->destination_shown;
}

/* Close the source connection kept from the last run, if any. */
static void drop_kept_source(sl_pipeline *p)
{
	if (p->kept_source)
		p->kept_source->driver->disconnect(p->kept_source);
	p->kept_source = NULL;
	sl_secret_free(p->kept_source_url);
	p->kept_source_url = NULL;
}

void sl_pipeline_close(sl_pipeline *p)
{
	if (!p)
		return;
	drop_kept_source(p);
	if (p->dest)
		p->dest_driver->close(p->dest);
	p->dest = NULL;
}

void sl_pipeline_free(sl_pipeline *p)
{
	if (!p)
		return;
	sl_pipeline_unlock(p);
	sl_pipeline_close(p);
	sl_url_free(p->dest_url);
	free(p->name);
	free(p->destination);
	free(p->destination_shown);
	free(p->dataset);
	free(p->pipelines_dir);
	free(p->memory_limit);
	pthread_mutex_destroy(&p->serial);
	free(p);
}

/* ---- load info ----------------------------------------------------------------------------- */

size_t sl_load_info_table_count(const sl_load_info *info)
{
	return info ? info->ntables : 0;
}

const sl_table_load *sl_load_info_table(const sl_load_info *info, size_t index)
{
	return info && index < info->ntables ? &info->tables[index] : NULL;
}

const char *sl_load_info_load_id(const sl_load_info *info)
{
	return info ? info->load_id : NULL;
}

void sl_load_info_free(sl_load_info *info)
{
	if (!info)
		return;
	for (size_t i = 0; i < info->ntables; i++) {
		free((char *)info->tables[i].table);
		free((char *)info->tables[i].last_value);
		free((char *)info->tables[i].warnings);
		free((char *)info->tables[i].schema_changes);
		free((char *)info->tables[i].error_message);
	}
	free(info->tables);
	free(info->load_id);
	free(info);
}

static char *new_load_id(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return sl_printf_alloc("%lld.%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

/* ---- running one table --------------------------------------------------------------------- */

typedef struct table_run {
	sl_pipeline *p;
	const sl_source *source;
	const sl_source_table *spec;
	const sl_schema_diff *diff; /* how the destination table must change, planned */
	sl_source_conn *conn;
	const char *load_id;
	sl_table_load *info;

	sl_table_schema *schema; /* the source table, as reflected */
	const char *table;	 /* its destination table, which names its state too */
	sl_table_state state;
	sl_incremental_run inc;
	const sl_disposition *disposition;
	sl_load_table load; /* the disposition's view of this table */

	sl_scan *scan;
	sl_prefetch *prefetch; /* reads `scan` ahead on its own thread */
	sl_batch *batch;       /* the batch being appended, the prefetcher's */
	bool *keep;
	sl_dest_appender *appender;
	bool in_txn;

	uint64_t chunk_size; /* rows per chunk: the table's hint, else the source's */
	uint64_t chunk_read; /* rows read in the open chunk, overlap included */
	uint64_t chunk_new;  /* rows appended in the open chunk */
	uint64_t query_read; /* rows read by the current query (to know if its LIMIT cut it) */
	double started;
	bool stop; /* a limit was reached */
} table_run;

static const sl_disposition *disposition_of(const sl_source_table *spec)
{
	return sl_disposition_for(spec->write_disposition, spec->incremental.cursor_path != NULL);
}

static uint64_t rows_left_in_run(const table_run *r)
{
	size_t limit = r->source->max_chunks;
	if (!limit)
		return 0;
	return (uint64_t)(limit - r->info->chunks) * r->chunk_size - r->chunk_read;
}

static void report_progress(table_run *r)
{
	if (!r->p->on_progress)
		return;
	/* with a chunk limit the run reads at most limit x chunk_size rows: a total to show */
	int64_t total = r->source->max_chunks && r->inc.plan.limit
				? (int64_t)(r->source->max_chunks * r->chunk_size)
				: -1;
	sl_progress pr = {r->info->table,
			  r->info->rows_loaded,
			  r->info->rows_extracted,
			  r->info->chunks,
			  total,
			  sl_monotonic_seconds() - r->started};
	pthread_mutex_lock(sl_pipeline_serial(r->p)); /* one caller at a time, as documented */
	r->p->on_progress(r->p->progress_ctx, &pr);
	pthread_mutex_unlock(sl_pipeline_serial(r->p));
}

static int begin_if_needed(table_run *r)
{
	if (r->in_txn)
		return SL_OK;
	int rc = r->p->dest_driver->begin(r->p->dest);
	if (!rc)
		r->in_txn = true;
	return rc;
}

/* The state the committed transaction held is the destination's now: mirror it locally (best
   effort: the truth is committed). */
static void mirror_committed_state(table_run *r)
{
	if (r->load.state_written) {
		pthread_mutex_lock(sl_pipeline_serial(r->p)); /* workers share state.json */
		sl_pipeline_mirror_state(r->p, &r->state);
		pthread_mutex_unlock(sl_pipeline_serial(r->p));
	}
	r->load.state_written = false;
}

/* Commit the open chunk with what its disposition adds; decide whether the run stops here. */
static int end_chunk(table_run *r)
{
	const sl_destination_driver *dd = r->p->dest_driver;
	if (r->chunk_new > 0) {
		r->state.rows_loaded += r->chunk_new;
		if (r->info->chunks == 0)
			r->state.runs++;
		int rc = dd->appender_flush(r->appender);
		if (!rc)
			rc = r->disposition->end_chunk(&r->load);
		if (!rc) {
			rc = dd->commit(r->p->dest);
			r->in_txn = rc != 0;
		}
		if (rc)
			return rc;
		r->info->chunks++;
		r->info->rows_loaded += r->chunk_new;
		mirror_committed_state(r);
		report_progress(r);
		if (r->source->max_chunks && r->info->chunks >= r->source->max_chunks)
			r->stop = true;
	}
	if (r->source->max_seconds > 0 &&
	    sl_monotonic_seconds() - r->started >= r->source->max_seconds)
		r->stop = true;
	r->chunk_read = r->chunk_new = 0;
	return SL_OK;
}

static void close_scan(table_run *r)
{
	sl_prefetch_stop(r->prefetch); /* first: its thread uses the scan */
	r->prefetch = NULL;
	r->batch = NULL;
	if (r->scan)
		r->conn->driver->scan_close(r->scan);
	r->scan = NULL;
}

static int open_scan(table_run *r)
{
	const sl_source_driver *sd = r->conn->driver;
	r->query_read = 0;
	int rc = sd->scan_open(&r->scan, r->conn, &r->inc.plan);
	if (rc) {
		r->scan = NULL;
		return rc;
	}
	/* the batches carry the seen flag column only while the plan asks for it */
	size_t seen_flags = r->inc.plan.seen_pk ? 1 : 0;
	rc = sl_prefetch_start(&r->prefetch, r->scan, r->schema, seen_flags, r->chunk_size,
			       r->chunk_read);
	if (rc)
		close_scan(r);
	return rc;
}

/* The query ended: continue after its LIMIT if the run still wants rows, else the source is
   exhausted. Returns 1 to go on reading, 0 when done. */
static int query_ended(table_run *r)
{
	bool cut_by_limit = sl_incremental_limited(&r->inc) && r->query_read == r->inc.plan.limit;
	close_scan(r);
	if (!cut_by_limit) {
		r->info->exhausted = true;
		return 0;
	}
	uint64_t more = rows_left_in_run(r);
	if (more == 0)
		return 0;
	int rc = sl_incremental_continue(&r->inc, more);
	if (!rc)
		rc = open_scan(r);
	return rc ? rc : 1;
}

static int append_batch(table_run *r, size_t nread)
{
	int kept = sl_incremental_filter(&r->inc, r->batch, r->keep);
	if (kept < 0)
		return kept;
	r->query_read += nread;
	r->chunk_read += nread;
	r->info->rows_extracted += nread;
	if (kept > 0) {
		if ((size_t)kept < r->batch->nrows)
			sl_batch_filter(r->batch, r->keep);
		int rc = begin_if_needed(r);
		if (!rc && r->disposition->appending)
			rc = r->disposition->appending(&r->load, r->batch);
		if (!rc)
			rc = r->p->dest_driver->append(r->appender, r->batch);
		if (rc)
			return rc;
		r->chunk_new += (uint64_t)kept;
	}
	if (r->chunk_read == r->chunk_size)
		return end_chunk(r);
	return SL_OK;
}

/* sl_pipeline_interrupt was called: the open chunk, with the `unsent` rows just read, is about to
   be rolled back. */
static int interrupted(const table_run *r, size_t unsent)
{
	return sl_error_set(SL_EINTERRUPTED,
			    "interrupted: the open chunk of table '%s' was rolled back (%llu rows "
			    "read); %llu chunk%s (%llu rows) committed in this run stay",
			    r->info->table, (unsigned long long)(r->chunk_read + unsent),
			    (unsigned long long)r->info->chunks, r->info->chunks == 1 ? "" : "s",
			    (unsigned long long)r->info->rows_loaded);
}

static int stream_rows(table_run *r)
{
	int rc = open_scan(r);
	while (!rc && !r->stop) {
		int n = sl_prefetch_next(r->prefetch, &r->batch);
		/* checked once per batch read, before it is written: a chunk may be one batch. A
		   read the interrupt cut short (interrupt.h) fails: that is the interrupt too, and
		   the rows it had read count as read. */
		if (sl_pipeline_interrupted(r->p))
			return interrupted(r, n >= 0 ? (size_t)n : r->batch ? r->batch->nrows : 0);
		if (n < 0)
			return n;
		if (n == 0) {
			int more = query_ended(r);
			if (more <= 0) {
				rc = more;
				break;
			}
			continue;
		}
		rc = append_batch(r, (size_t)n);
	}
	if (!rc && r->chunk_read > 0)
		rc = end_chunk(r);
	if (rc && sl_pipeline_interrupted(r->p)) /* a query start the interrupt cut short */
		return interrupted(r, 0);
	return rc;
}

/* Where the rows go is the disposition's choice; the appender writes there. */
static int prepare_target(table_run *r)
{
	r->load = (sl_load_table){.p = r->p,
				  .spec = r->spec,
				  .table = r->table,
				  .load_id = r->p->no_load_id ? NULL : r->load_id,
				  .schema = r->schema,
				  .state = &r->state};
	int rc = r->disposition->prepare(&r->load);
	if (!rc)
		rc = r->p->dest_driver->appender_open(&r->appender, r->p->dest, r->p->dataset,
						      r->load.target, r->schema,
						      r->p->no_load_id ? NULL : r->load_id);
	if (rc)
		r->appender = NULL;
	return rc;
}

/* After the last chunk: the disposition's last step, outside the chunks' transactions. */
static int finish_target(table_run *r)
{
	if (!r->disposition->finish)
		return SL_OK;
	int rc = r->disposition->finish(&r->load);
	if (!rc)
		mirror_committed_state(r);
	return rc;
}

/*
 * The state says which disposition loaded the table; one that keeps rows cannot take over from
 * another that does: merged rows appended to would get a second row per updated key, appended
 * rows merged into may already hold a key twice. A state from before dispositions were recorded
 * with a cursor position was an append's.
 */
static int record_disposition(table_run *r)
{
	const sl_disposition *now = r->disposition;
	const char *was = r->state.disposition ? r->state.disposition
			  : r->state.has_last  ? sl_append_disposition.name
					       : NULL;
	const sl_disposition *before = was ? sl_disposition_named(was) : NULL;
	if (before && before != now && before->keeps_rows && now->keeps_rows)
		return sl_error_set(
			SL_EINVAL,
			"table '%s' was loaded with write disposition %s and cannot go "
			"on with %s: keep %s, or `sluice reset` it with --drop-data and "
			"load it again",
			r->table, before->name, now->name, before->name);
	char *name = sl_strdup(now->name);
	if (!name)
		return SL_ENOMEM;
	free(r->state.disposition);
	r->state.disposition = name;
	return SL_OK;
}

static int prepare_table(table_run *r)
{
	const sl_incremental *hint = &r->spec->incremental;
	int rc;
	int cursor = hint->cursor_path ? sl_schema_find(r->schema, hint->cursor_path) : -1;
	if (hint->cursor_path && cursor < 0)
		return sl_error_set(SL_ENOTFOUND, "cursor column '%s' not found in table '%s'",
				    hint->cursor_path, r->spec->name);
	const sl_column *cc = cursor >= 0 ? &r->schema->columns[cursor] : NULL;
	rc = sl_pipeline_read_state(&r->state, r->p, r->table, hint->cursor_path,
				    cc ? cc->type : SL_TYPE_INT64, cc ? cc->precision : 0,
				    cc ? cc->scale : 0);
	if (!rc)
		rc = record_disposition(r);
	if (rc)
		return rc;
	uint64_t max_rows = (uint64_t)r->source->max_chunks * r->chunk_size;
	bool limited = r->source->max_chunks || r->source->max_seconds > 0;
	/* a table reloaded whole is not filtered by its cursor */
	sl_incremental none = SL_INCREMENTAL_INIT;
	rc = sl_incremental_prepare(&r->inc, r->schema, r->spec->name,
				    r->disposition->incremental ? hint : &none,
				    r->spec->primary_key, &r->state, limited, max_rows);
	if (rc)
		return rc;
	r->keep = sl_calloc(SL_BATCH_CAPACITY, sizeof(bool));
	if (!r->keep)
		return SL_ENOMEM;
	return prepare_target(r);
}

/* The last error, kept while cleanup that may fail too runs, so the first failure is reported. */
typedef struct saved_error {
	int code;
	char message[1024];
} saved_error;

static void save_error(saved_error *e, int rc)
{
	e->code = sl_error_last_code() ? sl_error_last_code() : rc;
	snprintf(e->message, sizeof(e->message), "%s", sl_error_last()->message);
}

static int restore_error(const saved_error *e)
{
	return sl_error_set(e->code, "%s", e->message);
}

/* A failed load undoes what its disposition prepared (a replace's staging copy), keeping the
   error that failed it. */
static void abort_target(table_run *r)
{
	if (!r->disposition->abort)
		return;
	saved_error e;
	save_error(&e, SL_ERROR);
	r->disposition->abort(&r->load);
	restore_error(&e);
}

static const char *source_warnings(sl_source_conn *conn)
{
	const char *w = conn->driver->warnings ? conn->driver->warnings(conn) : NULL;
	return w ? w : "";
}

/* A connection's warnings add up over its tables, one "table.column: ..." line each: keep the
   lines of `table` (caller frees; NULL when there are none). */
static char *table_warnings(const char *all, const char *table)
{
	sl_buf out = SL_BUF_INIT;
	size_t tlen = strlen(table);
	for (const char *line = all; *line;) {
		size_t len = strcspn(line, "\n");
		if (len > tlen && strncmp(line, table, tlen) == 0 && line[tlen] == '.') {
			if (out.len)
				sl_buf_putc(&out, '\n');
			sl_buf_append(&out, line, len);
		}
		line += len + (line[len] == '\n');
	}
	return out.len ? sl_buf_detach(&out) : (sl_buf_free(&out), NULL);
}

static void finish_table(table_run *r, int rc)
{
	const sl_destination_driver *dd = r->p->dest_driver;
	close_scan(r);
	if (r->appender)
		dd->appender_close(r->appender);
	if (r->in_txn)
		dd->rollback(r->p->dest);
	if (rc != SL_OK)
		abort_target(r);
	if (rc == SL_OK && r->inc.mode != SL_BOUNDARY_NONE && r->state.has_last)
		r->info->last_value = sl_value_to_text(&r->state.last_value);
	r->info->warnings = table_warnings(source_warnings(r->conn), r->schema->name);
	r->info->rows_deleted = r->load.rows_deleted;
	sl_incremental_free(&r->inc);
	sl_table_state_clear(&r->state);
	free(r->keep);
	if (r->disposition->release)
		r->disposition->release(&r->load);
	free(r->load.target);
	sl_schema_free(r->schema);
}

/*
 * Append: change the destination table as planned, in one transaction with the load's 'running'
 * row that records the changes, so that no change is ever made unrecorded. Added columns are
 * added by ensure_table, as for a new table.
 */
static int apply_schema_changes(table_run *r, const char *started)
{
	const sl_destination_driver *dd = r->p->dest_driver;
	sl_dest_conn *dest = r->p->dest;
	const char *ds = r->p->dataset, *table = r->table;
	r->info->schema_changes = sl_schema_diff_json(r->diff);
	int rc = r->info->schema_changes ? dd->begin(dest) : SL_ENOMEM;
	if (rc)
		return rc;
	r->in_txn = true;
	for (size_t i = 0; !rc && i < r->diff->n; i++) {
		const sl_column_change *c = &r->diff->changes[i];
		if (c->kind == SL_CHANGE_WIDENED)
			rc = dd->widen_column(dest, ds, table, &c->column);
		else if (c->kind == SL_CHANGE_NULLABLE ||
			 (c->kind == SL_CHANGE_DROPPED && !c->column.nullable))
			rc = dd->drop_not_null(dest, ds, table, c->column.name);
	}
	if (!rc)
		rc = dd->ensure_table(dest, ds, table, r->schema, !r->p->no_load_id);
	if (!rc)
		rc = sl_pipeline_write_load(r->p, r->load_id, r->info, started, NULL, "running");
	if (!rc)
		rc = dd->commit(dest);
	if (rc) {
		/* nothing changed: the 'failed' row must not claim the changes */
		saved_error e;
		save_error(&e, rc);
		dd->rollback(dest);
		free((char *)r->info->schema_changes);
		r->info->schema_changes = NULL;
		restore_error(&e);
	}
	r->in_txn = false;
	return rc;
}

/* The source was read to its end: what it no longer has goes from the destination too. */
static int sync_deletes(table_run *r)
{
	uint64_t deleted;
	int rc = sl_sync_deletes(&deleted, r->p, r->conn, r->schema, r->table, &r->state,
				 r->chunk_size);
	r->load.rows_deleted += deleted;
	return rc;
}

/* Run one table; takes ownership of its reflected r->schema. */
static int run_table(table_run *r)
{
	sl_pipeline *p = r->p;
	sl_table_load *info = r->info;
	char started[40], finished[40];
	sl_now_utc(started, sizeof(started));
	r->started = sl_monotonic_seconds();
	bool keeps_rows = r->disposition->keeps_rows;
	int rc = r->diff->n && keeps_rows
			 ? apply_schema_changes(r, started)
			 : sl_pipeline_commit_load(p, r->load_id, info, started, NULL, "running");
	if (!rc)
		rc = prepare_table(r);
	if (!rc)
		rc = stream_rows(r);
	if (!rc)
		rc = finish_target(r);
	if (!rc && r->spec->sync_deletes && info->exhausted)
		rc = sync_deletes(r);
	/* a rebuilt table took the source's schema when it was finished */
	if (!rc && !keeps_rows && r->diff->n &&
	    !(info->schema_changes = sl_schema_diff_json(r->diff)))
		rc = SL_ENOMEM;
	info->seconds = sl_monotonic_seconds() - r->started;
	finish_table(r, rc);
	sl_now_utc(finished, sizeof(finished));
	if (rc) {
		saved_error e;
		save_error(&e, rc);
		sl_pipeline_commit_load(p, r->load_id, info, started, finished,
					rc == SL_EINTERRUPTED ? "interrupted" : "failed");
		return restore_error(&e);
	}
	return sl_pipeline_commit_load(p, r->load_id, info, started, finished, "completed");
}

/* ---- running a pipeline -------------------------------------------------------------------- */

/* The hints beyond the cursor's, against the reflected table, which takes the key hint as its
   primary key: what the dispositions and sync_deletes go by. */
static int check_hints(const sl_source_table *spec, sl_table_schema *schema)
{
	const sl_disposition *d = disposition_of(spec);
	int rc = spec->primary_key ? sl_schema_set_primary_key(schema, spec->primary_key) : SL_OK;
	if (!rc && d->check)
		rc = d->check(spec, schema);
	if (!rc && spec->incremental.lag && !d->upserts)
		rc = sl_error_set(
			SL_EUNSUPPORTED,
			"table '%s': lag re-reads rows already loaded, which write "
			"disposition %s would load twice; it needs write disposition merge",
			spec->name, d->name);
	if (!rc && spec->sync_deletes && !d->keeps_rows)
		rc = sl_error_set(SL_EINVAL,
				  "table '%s': sync_deletes is for tables that keep their rows "
				  "(merge, append); a %s table is loaded whole each run",
				  spec->name, d->name);
	if (!rc && spec->sync_deletes && !schema->npk)
		rc = sl_error_set(SL_EINVAL,
				  "table '%s': sync_deletes needs a primary key and the table "
				  "declares none: give one with --primary-key COLS",
				  spec->name);
	return rc;
}

/*
 * Reflect a table and check its hints against it (columns exist, types fit, values parse) before
 * the destination is touched: bad input changes nothing. Checks that need the table's state run
 * again, with it, in prepare_table.
 */
static int reflect_and_check(sl_table_schema **out, sl_source_conn *conn,
			     const sl_source_table *spec)
{
	int rc = conn->driver->reflect(out, conn, spec->name);
	if (rc)
		return rc;
	sl_table_state fresh;
	sl_incremental_run dry = {0}; /* freed even when the columns fail it before its prepare */
	sl_table_state_init(&fresh);
	const sl_incremental *hint = spec->incremental.cursor_path ? &spec->incremental : NULL;
	rc = sl_source_table_select_columns(spec, *out); /* what is not loaded is never read */
	rc = rc ? rc
		: sl_incremental_prepare(&dry, *out, spec->name, hint, spec->primary_key, &fresh,
					 false, 0);
	sl_incremental_free(&dry);
	sl_table_state_clear(&fresh);
	if (!rc)
		rc = check_hints(spec, *out);
	if (rc) {
		sl_schema_free(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * Compare a reflected table with its destination table, once the destination is open and before
 * anything is written: a change the destination cannot follow fails the run here.
 */
static int plan_schema(sl_schema_diff *out, sl_pipeline *p, const sl_source_table *spec,
		       const sl_table_schema *schema, const char *table)
{
	sl_table_schema *dest;
	memset(out, 0, sizeof(*out));
	int rc = p->dest_driver->describe_table(&dest, p->dest, p->dataset, table);
	if (rc || !dest)
		return rc;
	sl_name_set dropped;
	rc = sl_pipeline_dropped_columns(&dropped, p, table);
	if (!rc)
		rc = sl_schema_diff_compute(out, dest, schema, &dropped,
					    !disposition_of(spec)->keeps_rows);
	sl_name_set_clear(&dropped);
	sl_schema_free(dest);
	return rc;
}

/* What run_tables knows of one table before it loads it. */
typedef struct table_plan {
	sl_table_schema *schema; /* reflected; handed to run_table */
	const char *table;	 /* destination table: a hint's, or the reflected name */
	sl_schema_diff diff;
} table_plan;

/*
 * Reflect every table and check its hints, then make sure no two tables share a destination
 * table (and with it a state): `s1.t` and `s2.t` would both load into `t`. All before the
 * destination is touched.
 */
static int reflect_tables(table_plan *plans, sl_source_conn *conn, const sl_source *source)
{
	int rc = SL_OK;
	for (size_t i = 0; i < source->ntables && !rc; i++) {
		rc = reflect_and_check(&plans[i].schema, conn, &source->tables[i]);
		/* the reflected name: "Odd Schema"."MixedCase" loads into MixedCase */
		if (!rc)
			plans[i].table = sl_source_table_destination(&source->tables[i],
								     plans[i].schema->name);
	}
	const char **names = rc ? NULL : sl_calloc(source->ntables, sizeof(*names));
	if (!rc && !names)
		rc = SL_ENOMEM;
	for (size_t i = 0; !rc && i < source->ntables; i++)
		names[i] = plans[i].table;
	if (!rc)
		rc = sl_source_check_destinations(source, names);
	free(names);
	return rc;
}

static void free_plans(table_plan *plans, size_t n)
{
	for (size_t i = 0; plans && i < n; i++) {
		sl_schema_free(plans[i].schema);
		sl_schema_diff_free(&plans[i].diff);
	}
	free(plans);
}

/* Before the first chunk: a call the interrupt cut short (interrupt.h) fails as the interrupt,
   in words of its own unless it already said "interrupted while ..." (waits, connects). */
static int unless_interrupted(sl_pipeline *p, int rc, const char *doing)
{
	if (rc == SL_OK || !sl_pipeline_interrupted(p))
		return rc;
	if (rc == SL_EINTERRUPTED && strncmp(sl_error_last()->message, "interrupted", 11) == 0)
		return rc;
	return sl_error_set(SL_EINTERRUPTED, "interrupted while %s: nothing was loaded", doing);
}

/* What the tables of one run share once they are planned. */
typedef struct planned_run {
	sl_load_info *info;
	const sl_source *source;
	table_plan *plans;
} planned_run;

/* Keep a failed table's error in its load info: the other tables go on. */
static void record_failure(sl_table_load *t, int rc)
{
	t->error = sl_error_last_code() ? sl_error_last_code() : rc;
	t->error_message = sl_strdup(sl_error_last()->message);
}

/* The sl_table_job of workers.h: table i through `p` (the pipeline or a worker's view). */
static void run_planned_table(void *ctx, size_t i, sl_pipeline *p, sl_source_conn *conn)
{
	planned_run *run = ctx;
	const sl_source_table *spec = &run->source->tables[i];
	sl_table_load *t = &run->info->tables[i];
	table_run r = {.p = p,
		       .source = run->source,
		       .spec = spec,
		       .diff = &run->plans[i].diff,
		       .conn = conn,
		       .load_id = run->info->load_id,
		       .info = t,
		       .disposition = disposition_of(spec),
		       .schema = run->plans[i].schema,
		       .table = t->table,
		       .chunk_size = sl_source_chunk_size(run->source, spec)};
	run->plans[i].schema = NULL; /* run_table frees it */
	int rc = run_table(&r);
	if (rc)
		record_failure(t, rc);
}

/* The run's outcome, once its tables ran: an interrupt if one was interrupted or never
   started, else the first failed table's error, set again on this thread. */
static int run_outcome(const planned_run *run, size_t ntables)
{
	const sl_table_load *failed = NULL, *stopped = NULL;
	for (size_t i = 0; i < ntables; i++) {
		const sl_table_load *t = &run->info->tables[i];
		if (t->error == SL_EINTERRUPTED && !stopped)
			stopped = t;
		else if (t->error && !failed)
			failed = t;
	}
	for (size_t i = 0; i < ntables; i++) {
		sl_table_load *t = &run->info->tables[i];
		if (!run->plans[i].schema)
			continue; /* started */
		sl_error_set(SL_EINTERRUPTED,
			     "interrupted before table '%s' started: nothing of it was loaded",
			     t->table);
		record_failure(t, SL_EINTERRUPTED);
		stopped = stopped ? stopped : t;
	}
	failed = stopped ? stopped : failed;
	if (!failed)
		return SL_OK;
	return sl_error_set(failed->error, "%s",
			    failed->error_message ? failed->error_message : "");
}

static int name_tables(sl_load_info *info, const table_plan *plans, size_t n)
{
	info->tables = sl_calloc(n, sizeof(*info->tables));
	if (!info->tables)
		return SL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		info->tables[i].table = sl_strdup(plans[i].table);
		info->ntables = i + 1;
		if (!info->tables[i].table)
			return SL_ENOMEM;
	}
	return SL_OK;
}

/*
 * The run's source connection: the one the last run kept, when it reads the same URL and no
 * interrupt came since (its socket may have been shut down), else a new one. The run owns it
 * until release_source.
 */
static int source_connection(sl_source_conn **out, sl_pipeline *p, const sl_source *spec)
{
	if (p->kept_source && strcmp(p->kept_source_url, spec->url) == 0 &&
	    !sl_pipeline_interrupted(p)) {
		*out = p->kept_source;
		p->kept_source = NULL;
		sl_secret_free(p->kept_source_url); /* release_source notes it afresh */
		p->kept_source_url = NULL;
		if ((*out)->driver->clear_warnings)
			(*out)->driver->clear_warnings(*out); /* the last run's were reported */
		return SL_OK;
	}
	drop_kept_source(p);
	return sl_source_connect_retrying(out, spec, p->intr);
}

/* After the run: keep the connection for the next one when asked and the run went well, else
   close it. A failed or interrupted run may have left it in any state: never reused. */
static void release_source(sl_pipeline *p, const sl_source *spec, sl_source_conn *conn, int rc)
{
	p->kept_source_url = rc || !p->keep_connections || sl_pipeline_interrupted(p)
				     ? NULL
				     : sl_strdup(spec->url);
	if (!p->kept_source_url) {
		conn->driver->disconnect(conn);
		return;
	}
	p->kept_source = conn;
}

static int run_tables(sl_load_info *info, sl_pipeline *p, const sl_source *spec)
{
	sl_source_conn *conn;
	int rc = source_connection(&conn, p, spec);
	if (rc)
		return unless_interrupted(p, rc, "connecting to the source");
	/* the selections (names, patterns) become the tables they stand for, one load info each */
	sl_source *source = NULL;
	rc = sl_source_resolve(&source, spec, conn);
	if (rc) {
		sl_source_free(source);
		conn->driver->disconnect(conn);
		return unless_interrupted(p, rc, "reading the source's tables");
	}
	table_plan *plans = sl_calloc(source->ntables, sizeof(*plans));
	rc = plans ? reflect_tables(plans, conn, source) : SL_ENOMEM;
	rc = unless_interrupted(p, rc, "reading the source's tables");
	if (!rc)
		rc = sl_pipeline_lock(p, p->wait_lock); /* and connect the destination */
	rc = unless_interrupted(p, rc, "connecting to the destination");
	if (!rc) {
		sl_pipeline_write_mirror(p, spec); /* best effort: the destination is the truth */
		sl_error_clear();
	}
	for (size_t i = 0; i < source->ntables && !rc; i++) {
		rc = sl_sync_deletes_check(p, &source->tables[i], plans[i].table);
		rc = rc ? rc
			: plan_schema(&plans[i].diff, p, &source->tables[i], plans[i].schema,
				      plans[i].table);
	}
	if (!rc)
		rc = name_tables(info, plans, source->ntables);
	planned_run run = {info, source, plans};
	if (!rc)
		rc = sl_workers_run(p, source, conn, source->ntables, run_planned_table, &run);
	info->tables_ran = rc == SL_OK;
	if (!rc)
		rc = run_outcome(&run, source->ntables);
	free_plans(plans, source->ntables);
	sl_source_free(source);
	release_source(p, spec, conn, rc);
	return rc;
}

int sl_pipeline_run(sl_load_info **out, sl_pipeline *p, sl_source *source)
{
	if (out)
		*out = NULL;
	if (!p || !source)
		return sl_error_set(SL_EINVAL, "sl_pipeline_run: NULL pipeline or source");
	sl_load_info *info = sl_calloc(1, sizeof(*info));
	if (!info)
		return SL_ENOMEM;
	info->load_id = new_load_id();
	if (!info->load_id) {
		sl_load_info_free(info);
		return SL_ENOMEM;
	}
	int rc = run_tables(info, p, source);
	sl_pipeline_unlock(p);
	if (rc == SL_EINTERRUPTED)
		sl_interrupt_clear(&p->interrupt); /* consumed by this run */
	/* once tables ran, the info says how each ended, failed or not */
	if (!out || !info->tables_ran)
		sl_load_info_free(info);
	else
		*out = info;
	return rc;
}
