/*
 * cmd_run.c — `sluice run SOURCE_URL --table T ...`: build a source and a pipeline from the
 * command line, run it once, N times (--runs) or until every table is exhausted (--until-done),
 * and print a summary per table and run on stdout (progress goes to stderr).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif

#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define CMD "run"

static const char usage[] =
	"usage: sluice run SOURCE_URL --table T [--table T2 ...] [options]\n"
	"\n"
	"Copy tables from SOURCE_URL (mysql://user:pw@host:port/db, sqlite:///file.db,\n"
	"postgresql://...) into the pipeline's destination, committing chunk by chunk.\n"
	"\n"
	"pipeline:\n"
	"  -t, --table T[:DEST]        table to load (repeat for more; \"schema.table\" allowed),\n"
	"                              into destination table DEST (default: T without schema)\n"
	"      --pipeline NAME         pipeline name (default: the database name, e.g. \"rfam\")\n"
	"      --destination URL       \"duckdb\", duckdb:///relative/file.duckdb,\n"
	"                              duckdb:////absolute/file.duckdb or\n"
	"                              postgresql://user:pw@host:port/db\n"
	"                              (default: NAME.duckdb in the working directory)\n"
	"      --dataset NAME          dataset (schema) to write to (default: NAME_dataset)\n"
	"      --dev-mode              new dataset with a timestamp suffix, starting empty\n"
	"      --pipelines-dir DIR     local pipeline state (default: $SLUICE_PIPELINES_DIR or\n"
	"                              ~/.sluice/pipelines)\n"
	"      --no-load-id            do not add the _sluice_load_id column\n"
	"      --memory-limit SIZE     DuckDB memory limit, e.g. 256MB, 2GB\n"
	"      --wait-lock[=DURATION]  if another run holds the pipeline, wait for it (at most\n"
	"                              DURATION, e.g. 30s, 10m) instead of exiting with 4\n"
	"\n"
	"hints (apply to every --table):\n"
	"      --chunk-size N          rows per committed chunk, 1..100000000 (default 50000)\n"
	"      --write-disposition replace|append|merge\n"
	"                              merge: upsert by primary key (needs one)\n"
	"      --primary-key COLS      comma separated (default: the table's primary key)\n"
	"      --merge-key COLS        merge without --cursor: replace whole partitions, every\n"
	"                              destination row whose COLS equal a loaded row's\n"
	"      --hard-delete-column COL  merge: a row whose COL is true (or not NULL) deletes\n"
	"                              its key's row instead of loading\n"
	"      --sync-deletes          after a run that read to the end, delete destination\n"
	"                              rows whose key the source no longer has\n"
	"      --cursor COL            incremental cursor column; the options below need it:\n"
	"      --initial-value V       first lower bound\n"
	"      --end-value V           upper bound of every run (the state still advances)\n"
	"      --row-order asc|desc|none             (default asc)\n"
	"      --last-value-func max|min             (default max)\n"
	"      --range-start closed|open             (default closed: cursor >= last value)\n"
	"      --range-end open|closed               (default open: cursor < end value)\n"
	"      --lag N                 merge: re-read from the last value minus N seconds\n"
	"                              (temporal cursor) or units (numeric cursor)\n"
	"      --on-cursor-missing raise|include|exclude   rows whose cursor is NULL\n"
	"\n"
	"how much to load:\n"
	"      --limit-chunks N        at most N chunks per table per run\n"
	"      --max-time DURATION     stop a table's run after DURATION (90s, 10m, 1h30m, 2.5h)\n"
	"      --retries N             retry connecting to an unreachable source N times\n"
	"                              (1 s, 2 s, 4 s... apart) at the start of each run;\n"
	"                              a connect gives up after 30 s, a read after 3600 s\n"
	"                              of silence (URL options connect_timeout, read_timeout)\n"
	"      --runs N                run the same pipeline N times in this process\n"
	"      --until-done            run again until every table is exhausted\n"
	"      --progress auto|bar|log|none   on stderr (default auto: bar on a terminal)\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Exit codes: 0 success, 1 failure, 2 usage error, 3 interrupted, 4 pipeline locked.\n";

enum {
	OPT_TABLE = 't',
	OPT_PIPELINE = CLI_OPT_LONG,
	OPT_DESTINATION,
	OPT_DATASET,
	OPT_DEV_MODE,
	OPT_PIPELINES_DIR,
	OPT_NO_LOAD_ID,
	OPT_MEMORY_LIMIT,
	OPT_WAIT_LOCK,
	OPT_CHUNK_SIZE,
	OPT_WRITE_DISPOSITION,
	OPT_PRIMARY_KEY,
	OPT_MERGE_KEY,
	OPT_HARD_DELETE_COLUMN,
	OPT_SYNC_DELETES,
	OPT_CURSOR,
	OPT_INITIAL_VALUE,
	OPT_END_VALUE,
	OPT_ROW_ORDER,
	OPT_LAST_VALUE_FUNC,
	OPT_RANGE_START,
	OPT_RANGE_END,
	OPT_LAG,
	OPT_ON_CURSOR_MISSING,
	OPT_LIMIT_CHUNKS,
	OPT_MAX_TIME,
	OPT_RETRIES,
	OPT_RUNS,
	OPT_UNTIL_DONE,
	OPT_PROGRESS,
};

static const struct option long_options[] = {
	{"table", required_argument, NULL, OPT_TABLE},
	{"pipeline", required_argument, NULL, OPT_PIPELINE},
	{"destination", required_argument, NULL, OPT_DESTINATION},
	{"dataset", required_argument, NULL, OPT_DATASET},
	{"dev-mode", no_argument, NULL, OPT_DEV_MODE},
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"no-load-id", no_argument, NULL, OPT_NO_LOAD_ID},
	{"memory-limit", required_argument, NULL, OPT_MEMORY_LIMIT},
	{"wait-lock", optional_argument, NULL, OPT_WAIT_LOCK},
	{"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
	{"write-disposition", required_argument, NULL, OPT_WRITE_DISPOSITION},
	{"primary-key", required_argument, NULL, OPT_PRIMARY_KEY},
	{"merge-key", required_argument, NULL, OPT_MERGE_KEY},
	{"hard-delete-column", required_argument, NULL, OPT_HARD_DELETE_COLUMN},
	{"sync-deletes", no_argument, NULL, OPT_SYNC_DELETES},
	{"cursor", required_argument, NULL, OPT_CURSOR},
	{"initial-value", required_argument, NULL, OPT_INITIAL_VALUE},
	{"end-value", required_argument, NULL, OPT_END_VALUE},
	{"row-order", required_argument, NULL, OPT_ROW_ORDER},
	{"last-value-func", required_argument, NULL, OPT_LAST_VALUE_FUNC},
	{"range-start", required_argument, NULL, OPT_RANGE_START},
	{"range-end", required_argument, NULL, OPT_RANGE_END},
	{"lag", required_argument, NULL, OPT_LAG},
	{"on-cursor-missing", required_argument, NULL, OPT_ON_CURSOR_MISSING},
	{"limit-chunks", required_argument, NULL, OPT_LIMIT_CHUNKS},
	{"max-time", required_argument, NULL, OPT_MAX_TIME},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"runs", required_argument, NULL, OPT_RUNS},
	{"until-done", no_argument, NULL, OPT_UNTIL_DONE},
	{"progress", required_argument, NULL, OPT_PROGRESS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const cli_enum write_dispositions[] = {{"replace", SL_WRITE_REPLACE},
					      {"append", SL_WRITE_APPEND},
					      {"merge", SL_WRITE_MERGE},
					      {NULL, 0}};
static const cli_enum row_orders[] = {{"asc", SL_ROW_ORDER_ASC},
				      {"desc", SL_ROW_ORDER_DESC},
				      {"none", SL_ROW_ORDER_NONE},
				      {NULL, 0}};
static const cli_enum last_value_funcs[] = {
	{"max", SL_LAST_VALUE_MAX}, {"min", SL_LAST_VALUE_MIN}, {NULL, 0}};
static const cli_enum range_starts[] = {
	{"closed", SL_RANGE_CLOSED}, {"open", SL_RANGE_OPEN}, {NULL, 0}};
static const cli_enum range_ends[] = {
	{"open", SL_RANGE_OPEN}, {"closed", SL_RANGE_CLOSED}, {NULL, 0}};
static const cli_enum missing_cursor_actions[] = {{"raise", SL_MISSING_CURSOR_RAISE},
						  {"include", SL_MISSING_CURSOR_INCLUDE},
						  {"exclude", SL_MISSING_CURSOR_EXCLUDE},
						  {NULL, 0}};

#define CHUNK_SIZE_MAX 100000000

/* Everything the command line says; strings point into argv. */
typedef struct run_opts {
	const char *url;
	const char **tables; /* NULL-terminated; the array is owned, the strings are argv's */
	char **renamed;	     /* per table: the source part of T:DEST (owned) or NULL */
	const char **dests;  /* per table: DEST of T:DEST (argv's) or NULL */
	size_t ntables;
	const char *pipeline_name;
	char default_name[64];
	sl_pipeline_options pipeline;
	uint64_t chunk_size; /* 0: the library's default */
	sl_table_hints hints;
	bool hints_given;
	const char *needs_cursor; /* the first option given that only makes sense with --cursor */
	uint64_t limit_chunks;	  /* 0: none */
	double max_time;	  /* 0: none */
	uint64_t retries;
	uint64_t runs;
	bool until_done;
	cli_progress_mode progress;
} run_opts;

/* "T" or "T:DEST": a destination table of its own for T (the last ':' splits). */
static int add_table(run_opts *o, const char *arg, cli_err *err)
{
	char quoted[128];
	const char *colon = strrchr(arg, ':');
	size_t n = o->ntables;
	const char *table = arg;

	if (colon) {
		if (colon == arg || !colon[1]) {
			cli_redact_url(quoted, sizeof(quoted), arg);
			snprintf(err->msg, sizeof(err->msg),
				 "--table: '%s' is not T or T:DEST (a name on each side of ':')",
				 quoted);
			return -1;
		}
		o->renamed[n] = strndup(arg, (size_t)(colon - arg));
		if (!o->renamed[n]) {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			return -1;
		}
		table = o->renamed[n];
		o->dests[n] = colon + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(o->tables[i], table) == 0) {
			cli_redact_url(quoted, sizeof(quoted), table);
			snprintf(err->msg, sizeof(err->msg), "--table: '%s' given twice", quoted);
			return -1;
		}
	}
	o->tables[n] = table;
	o->tables[n + 1] = NULL;
	o->ntables = n + 1;
	return 0;
}

/* The incremental options; -1 with err set, 0 done, 1 not one of them. */
static int hint_option(run_opts *o, int c, const char *arg, cli_err *err)
{
	sl_incremental *inc = &o->hints.incremental;
	int v = 0;
	int rc = 0;
	double lag;

	switch (c) {
	case OPT_CURSOR:
		inc->cursor_path = arg;
		break;
	case OPT_INITIAL_VALUE:
		inc->initial_value = arg;
		break;
	case OPT_END_VALUE:
		inc->end_value = arg;
		break;
	case OPT_ROW_ORDER:
		rc = cli_parse_enum(&v, "--row-order", arg, row_orders, err);
		inc->row_order = (sl_row_order)v;
		break;
	case OPT_LAST_VALUE_FUNC:
		rc = cli_parse_enum(&v, "--last-value-func", arg, last_value_funcs, err);
		inc->last_value_func = (sl_last_value_func)v;
		break;
	case OPT_RANGE_START:
		rc = cli_parse_enum(&v, "--range-start", arg, range_starts, err);
		inc->range_start = (sl_range)v;
		break;
	case OPT_RANGE_END:
		rc = cli_parse_enum(&v, "--range-end", arg, range_ends, err);
		inc->range_end = (sl_range)v;
		break;
	case OPT_LAG:
		rc = cli_parse_decimal(&lag, "--lag", arg, err);
		inc->lag = arg;
		break;
	case OPT_ON_CURSOR_MISSING:
		rc = cli_parse_enum(&v, "--on-cursor-missing", arg, missing_cursor_actions, err);
		inc->on_cursor_value_missing = (sl_on_missing_cursor)v;
		break;
	default:
		return 1;
	}
	return rc;
}

/* The table hints that are not incremental; same returns as hint_option. */
static int table_option(run_opts *o, int c, const char *arg, cli_err *err)
{
	int v = 0;
	int rc = 0;

	switch (c) {
	case OPT_TABLE:
		return add_table(o, arg, err);
	case OPT_PRIMARY_KEY:
		o->hints.primary_key = arg;
		break;
	case OPT_MERGE_KEY:
		o->hints.merge_key = arg;
		break;
	case OPT_HARD_DELETE_COLUMN:
		o->hints.hard_delete_column = arg;
		break;
	case OPT_SYNC_DELETES:
		o->hints.sync_deletes = true;
		break;
	case OPT_CHUNK_SIZE:
		return cli_parse_uint(&o->chunk_size, "--chunk-size", arg, 1, CHUNK_SIZE_MAX, err);
	case OPT_WRITE_DISPOSITION:
		rc = cli_parse_enum(&v, "--write-disposition", arg, write_dispositions, err);
		o->hints.write_disposition = (sl_write_disposition)v;
		break;
	default:
		return 1;
	}
	o->hints_given = true;
	return rc;
}

/* Pipeline and run-control options; same returns as hint_option. */
static int run_option(run_opts *o, int c, const char *arg, cli_err *err)
{
	sl_pipeline_options *po = &o->pipeline;
	int v = 0;
	int rc = 0;

	switch (c) {
	case OPT_PIPELINE:
		o->pipeline_name = arg;
		break;
	case OPT_DESTINATION:
		po->destination = arg;
		break;
	case OPT_DATASET:
		po->dataset_name = arg;
		break;
	case OPT_DEV_MODE:
		po->dev_mode = true;
		break;
	case OPT_PIPELINES_DIR:
		po->pipelines_dir = arg;
		break;
	case OPT_NO_LOAD_ID:
		po->no_load_id = true;
		break;
	case OPT_MEMORY_LIMIT:
		po->memory_limit = arg;
		return cli_check_size("--memory-limit", arg, err);
	case OPT_WAIT_LOCK:
		po->wait_lock = -1; /* no DURATION: as long as it takes */
		return arg ? cli_parse_duration(&po->wait_lock, "--wait-lock", arg, err) : 0;
	case OPT_LIMIT_CHUNKS:
		return cli_parse_uint(&o->limit_chunks, "--limit-chunks", arg, 1, SIZE_MAX, err);
	case OPT_MAX_TIME:
		return cli_parse_duration(&o->max_time, "--max-time", arg, err);
	case OPT_RETRIES:
		return cli_parse_uint(&o->retries, "--retries", arg, 0, 100, err);
	case OPT_RUNS:
		return cli_parse_uint(&o->runs, "--runs", arg, 1, UINT64_MAX, err);
	case OPT_UNTIL_DONE:
		o->until_done = true;
		break;
	case OPT_PROGRESS:
		rc = cli_parse_enum(&v, "--progress", arg, cli_progress_modes, err);
		o->progress = (cli_progress_mode)v;
		break;
	default:
		return 1;
	}
	return rc;
}

static const char *option_name(int val)
{
	for (const struct option *l = long_options; l->name; l++) {
		if (l->val == val)
			return l->name;
	}
	return "?";
}

static int apply_option(run_opts *o, int c, const char *arg, cli_err *err)
{
	int rc = hint_option(o, c, arg, err);

	if (rc <= 0) {
		o->hints_given = true;
		if (c != OPT_CURSOR && !o->needs_cursor)
			o->needs_cursor = option_name(c);
		return rc;
	}
	rc = table_option(o, c, arg, err);
	return rc <= 0 ? rc : run_option(o, c, arg, err);
}

/* What cannot be checked option by option. */
static int check_opts(run_opts *o)
{
	if (o->ntables == 0)
		return cli_usage(CMD, "missing --table (the tables to load)");
	if (o->needs_cursor && !o->hints.incremental.cursor_path)
		return cli_usage(CMD, "option '--%s' needs --cursor", o->needs_cursor);
	/* what only a merge does: lag re-reads loaded rows (appended, they would load twice) */
	bool merge = o->hints.write_disposition == SL_WRITE_MERGE;
	const char *merge_only = o->hints.incremental.lag      ? "--lag"
				 : o->hints.merge_key	       ? "--merge-key"
				 : o->hints.hard_delete_column ? "--hard-delete-column"
							       : NULL;
	if (merge_only && !merge)
		return cli_usage(CMD, "option '%s' needs --write-disposition merge%s", merge_only,
				 o->hints.incremental.lag ? " (it re-reads loaded rows)" : "");
	if (o->until_done && o->runs > 1)
		return cli_usage(CMD, "options '--runs' and '--until-done' cannot be combined");
	if (!o->pipeline_name) {
		cli_default_pipeline_name(o->default_name, sizeof(o->default_name), o->url);
		o->pipeline_name = o->default_name;
	}
	o->pipeline.pipeline_name = o->pipeline_name;
	return CLI_EXIT_OK;
}

/* Parse argv into o; returns CLI_EXIT_OK, an exit code, or -1 when --help was printed. */
static int parse_args(run_opts *o, int argc, char **argv)
{
	static const char *const names[] = {"SOURCE_URL"};
	cli_err err;
	int c;

	while ((c = cli_getopt(CMD, argc, argv, "t:h", long_options)) != -1) {
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (apply_option(o, c, optarg, &err) < 0)
			return cli_usage_err(CMD, &err);
	}
	if (cli_positionals(CMD, argc, argv, &o->url, 1, names) != 0)
		return CLI_EXIT_USAGE;
	return check_opts(o);
}

/* ---------------------------------------------------------------- building and running */

static int make_source(sl_source **out, const run_opts *o)
{
	sl_table_hints hints = o->hints;
	int rc = sl_source_sql_database(out, o->url, o->tables, (size_t)o->chunk_size);

	for (size_t i = 0; rc == 0 && i < o->ntables; i++) {
		hints.table_name = o->dests[i];
		if (o->hints_given || hints.table_name)
			rc = sl_source_apply_hints(*out, o->tables[i], &hints);
	}
	if (rc == 0 && o->limit_chunks > 0)
		rc = sl_source_add_limit(*out, (size_t)o->limit_chunks);
	if (rc == 0 && o->max_time > 0)
		rc = sl_source_set_max_time(*out, o->max_time);
	if (rc == 0 && o->retries > 0)
		rc = sl_source_set_retries(*out, (unsigned)o->retries);
	return rc;
}

/* A table's figures summed over runs; the strings are owned copies. */
typedef struct table_total {
	sl_table_load sum; /* table and last_value point to the copies below */
	char *table;
	char *last_value;
} table_total;

typedef struct totals {
	table_total *tables;
	size_t count;
	uint64_t runs;
} totals;

static void totals_free(totals *t)
{
	for (size_t i = 0; i < t->count; i++) {
		free(t->tables[i].table);
		free(t->tables[i].last_value);
	}
	free(t->tables);
}

static table_total *total_for(totals *t, const char *table)
{
	table_total *grown;

	for (size_t i = 0; i < t->count; i++) {
		if (strcmp(t->tables[i].table, table) == 0)
			return &t->tables[i];
	}
	grown = realloc(t->tables, (t->count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	t->tables = grown;
	grown += t->count;
	memset(grown, 0, sizeof(*grown));
	grown->table = strdup(table);
	if (!grown->table)
		return NULL;
	grown->sum.table = grown->table;
	t->count++;
	return grown;
}

static int add_load(totals *t, const sl_table_load *l)
{
	table_total *tt = total_for(t, l->table);

	if (!tt)
		return -1;
	tt->sum.rows_extracted += l->rows_extracted;
	tt->sum.rows_loaded += l->rows_loaded;
	tt->sum.chunks += l->chunks;
	tt->sum.rows_deleted += l->rows_deleted;
	tt->sum.seconds += l->seconds;
	tt->sum.exhausted = l->exhausted;
	if (l->last_value) {
		char *copy = strdup(l->last_value);
		if (!copy)
			return -1;
		free(tt->last_value);
		tt->last_value = copy;
		tt->sum.last_value = copy;
	}
	return 0;
}

/* "family: 1000 rows loaded (1000 read) in 1 chunk, 0.21 s, 4762 rows/s, last created = ...";
   the rows deleted too when the hints delete rows. */
static void print_load(const char *prefix, const sl_table_load *l, const run_opts *o,
		       const char *load_id)
{
	const char *cursor = o->hints.incremental.cursor_path;

	printf("%s%s: %llu rows loaded (%llu read) in %llu chunk%s, %.2f s", prefix, l->table,
	       (unsigned long long)l->rows_loaded, (unsigned long long)l->rows_extracted,
	       (unsigned long long)l->chunks, l->chunks == 1 ? "" : "s", l->seconds);
	if (l->seconds > 0)
		printf(", %.0f rows/s", (double)l->rows_loaded / l->seconds);
	if (l->last_value)
		printf(", last %s = %s", cursor ? cursor : "value", l->last_value);
	if (l->rows_deleted || o->hints.sync_deletes || o->hints.hard_delete_column)
		printf(", %llu row%s deleted", (unsigned long long)l->rows_deleted,
		       l->rows_deleted == 1 ? "" : "s");
	printf(", %s", l->exhausted ? "all rows loaded" : "more rows left");
	if (load_id)
		printf(" (load %s)", load_id);
	putchar('\n');
}

/* The source's warnings (values loaded as NULL, types loaded as text), one line each. */
static void print_warnings(const sl_table_load *l)
{
	for (const char *w = l->warnings; w && *w;) {
		size_t n = strcspn(w, "\n");
		fprintf(stderr, "sluice: warning: %.*s\n", (int)n, w);
		w += n + (w[n] == '\n');
	}
}

/* Print one run's lines and add them to the totals; -1 when out of memory. */
static int report_run(totals *t, const sl_load_info *info, const run_opts *o, bool multi)
{
	const char *load_id = sl_load_info_load_id(info);
	char prefix[32] = "";

	t->runs++;
	if (multi)
		snprintf(prefix, sizeof(prefix), "run %llu: ", (unsigned long long)t->runs);
	for (size_t i = 0; i < sl_load_info_table_count(info); i++) {
		const sl_table_load *l = sl_load_info_table(info, i);
		print_load(prefix, l, o, multi ? load_id : NULL);
		print_warnings(l);
		if (l->schema_changes)
			printf("%s%s: schema changes %s\n", prefix, l->table, l->schema_changes);
		if (add_load(t, l) != 0)
			return -1;
	}
	if (!multi && load_id)
		printf("load id: %s\n", load_id);
	fflush(stdout);
	return 0;
}

static void print_totals(const totals *t, const run_opts *o)
{
	char prefix[48];

	snprintf(prefix, sizeof(prefix), "total (%llu run%s): ", (unsigned long long)t->runs,
		 t->runs == 1 ? "" : "s");
	for (size_t i = 0; i < t->count; i++)
		print_load(prefix, &t->tables[i].sum, o, NULL);
}

static bool all_exhausted(const sl_load_info *info)
{
	for (size_t i = 0; i < sl_load_info_table_count(info); i++) {
		if (!sl_load_info_table(info, i)->exhausted)
			return false;
	}
	return true;
}

static uint64_t rows_loaded(const sl_load_info *info)
{
	uint64_t n = 0;

	for (size_t i = 0; i < sl_load_info_table_count(info); i++)
		n += sl_load_info_table(info, i)->rows_loaded;
	return n;
}

/* After a successful run: CLI_EXIT_OK to go on, -1 to stop, else the exit code to stop with. */
static int next_step(const sl_load_info *info, const run_opts *o, uint64_t run)
{
	if (cli_interrupted()) {
		fprintf(stderr, "sluice: interrupted after run %llu\n", (unsigned long long)run);
		return CLI_EXIT_INTERRUPTED;
	}
	if (!o->until_done)
		return run < o->runs ? CLI_EXIT_OK : -1;
	if (all_exhausted(info))
		return -1;
	if (rows_loaded(info) == 0) {
		/* the library promises progress while rows are left; do not spin if it breaks that */
		fprintf(stderr,
			"sluice: error: run %llu loaded no row but not every table is "
			"exhausted; stopping\n",
			(unsigned long long)run);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static int run_loop(sl_pipeline *p, sl_source *src, const run_opts *o, cli_progress *progress)
{
	bool multi = o->until_done || o->runs > 1;
	totals t = {NULL, 0, 0};
	int code = CLI_EXIT_OK;

	for (uint64_t run = 1; code == CLI_EXIT_OK; run++) {
		sl_load_info *info = NULL;
		int rc = sl_pipeline_run(&info, p, src);
		cli_progress_end(progress);
		if (rc < 0) {
			code = cli_fail(rc);
			sl_load_info_free(info);
			break;
		}
		if (report_run(&t, info, o, multi) != 0) {
			fputs("sluice: error: out of memory\n", stderr);
			code = CLI_EXIT_FAILURE;
		} else {
			code = next_step(info, o, run);
		}
		sl_load_info_free(info);
	}
	if (multi && t.runs > 0)
		print_totals(&t, o);
	totals_free(&t);
	return code < 0 ? CLI_EXIT_OK : code;
}

/* "pipeline rfam: dataset rfam_data in duckdb:///..." — with --dev-mode the only place the
   suffixed dataset name shows. The destination may be a URL with a password. */
static void print_target(const sl_pipeline *p, const run_opts *o)
{
	char dest[512];

	cli_redact_url(dest, sizeof(dest), sl_pipeline_destination(p));
	printf("pipeline %s: dataset %s in %s\n", o->pipeline_name, sl_pipeline_dataset_name(p),
	       dest);
	fflush(stdout);
}

static int run_pipeline(run_opts *o)
{
	sl_source *src = NULL;
	sl_pipeline *p = NULL;
	cli_progress progress;
	int code;

	cli_progress_init(&progress, o->progress, stderr);
	if (progress.mode != CLI_PROGRESS_NONE) {
		o->pipeline.on_progress = cli_progress_update;
		o->pipeline.progress_ctx = &progress;
	}
	int rc = make_source(&src, o);
	if (rc == 0)
		rc = sl_pipeline_new(&p, &o->pipeline);
	if (rc < 0) {
		code = cli_fail(rc);
	} else {
		print_target(p, o);
		cli_set_interruptible(p);
		code = run_loop(p, src, o, &progress);
		cli_set_interruptible(NULL);
	}
	sl_pipeline_free(p);
	sl_source_free(src);
	return code;
}

int cmd_run(int argc, char **argv)
{
	run_opts o;
	int code;

	memset(&o, 0, sizeof(o));
	o.pipeline = (sl_pipeline_options)SL_PIPELINE_OPTIONS_INIT;
	o.hints = (sl_table_hints)SL_TABLE_HINTS_INIT;
	o.runs = 1;
	o.progress = CLI_PROGRESS_AUTO;
	/* every argument could be a --table: enough room without counting */
	o.tables = calloc((size_t)argc + 1, sizeof(*o.tables));
	o.renamed = calloc((size_t)argc + 1, sizeof(*o.renamed));
	o.dests = calloc((size_t)argc + 1, sizeof(*o.dests));
	if (!o.tables || !o.renamed || !o.dests) {
		fputs("sluice: error: out of memory\n", stderr);
		code = CLI_EXIT_FAILURE;
	} else {
		code = parse_args(&o, argc, argv);
	}
	if (code == CLI_EXIT_OK)
		code = run_pipeline(&o);
	for (int i = 0; o.renamed && i <= argc; i++)
		free(o.renamed[i]);
	free(o.tables);
	free(o.renamed);
	free(o.dests);
	return code < 0 ? CLI_EXIT_OK : code;
}
