/*
 * cmd_status.c — `sluice status PIPELINE`: how far each table has come against its source: rows
 * loaded, last cursor value, the source's maximum, rows left and percent done, the last run, and
 * what could not be read (a destination held by a run, an unreachable source), as text or JSON.
 */
#include "cli.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMD "status"

static const char usage[] =
	"usage: sluice status PIPELINE [--source URL --table T [--table T2 ...] [--cursor COL]]\n"
	"                     [--format text|json] [--pipelines-dir DIR]\n"
	"\n"
	"Show per table how many rows are loaded, the last cursor value, the source's maximum,\n"
	"how many rows are left and the percentage done. The source is the one of the\n"
	"pipeline's last run on this machine unless --source gives another. While a run holds\n"
	"the destination, or when the source cannot be reached, it shows what it can read and\n"
	"says what it could not.\n"
	"\n"
	"      --source URL            ask this source database instead\n"
	"  -t, --table T               with --source: a table to ask about (repeatable)\n"
	"      --cursor COL            with --source: the tables' incremental cursor column\n"
	"      --format F              text (default) or json (one document, for scripts)\n"
	"      --pipelines-dir DIR     where the pipeline's local record is\n"
	"  -h, --help                  show this help\n";

enum {
	OPT_TABLE = 't',
	OPT_SOURCE = CLI_OPT_LONG,
	OPT_CURSOR,
	OPT_FORMAT,
	OPT_PIPELINES_DIR
};

static const struct option long_options[] = {
	{"source", required_argument, NULL, OPT_SOURCE},
	{"table", required_argument, NULL, OPT_TABLE},
	{"cursor", required_argument, NULL, OPT_CURSOR},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

enum {
	FORMAT_TEXT,
	FORMAT_JSON
};

static const cli_enum formats[] = {
	{"text", FORMAT_TEXT},
	{"json", FORMAT_JSON},
	{NULL, 0},
};

typedef struct status_opts {
	const char *pipeline;
	const char *pipelines_dir;
	const char *source_url;
	const char *cursor;
	const char **tables; /* NULL-terminated; the array is owned */
	size_t ntables;
	int format;
} status_opts;

/* The source given with --source, or NULL (the pipeline's last one) when none was. */
static int make_source(sl_source **out, const status_opts *o)
{
	sl_table_hints hints = SL_TABLE_HINTS_INIT;
	int rc;

	*out = NULL;
	if (!o->source_url)
		return 0;
	rc = sl_source_sql_database(out, o->source_url, o->tables, 0);
	hints.incremental.cursor_path = o->cursor;
	for (size_t i = 0; rc == 0 && o->cursor && i < o->ntables; i++)
		rc = sl_source_apply_hints(*out, o->tables[i], &hints);
	return rc;
}

/* Rounded down to 1/scale, so 99.97% with a row left never shows as 100%. */
static double percent_down(double percent, double scale)
{
	return floor(percent * scale) / scale;
}

/* ---- text ---------------------------------------------------------------------------------- */

static void print_header(const sl_status *s)
{
	if (s->run_in_progress)
		printf("a run is in progress: %s%s%s%s\n",
		       s->run_holder ? s->run_holder : "pid unknown",
		       s->run_since ? ", since " : "", s->run_since ? s->run_since : "",
		       s->run_since ? " UTC" : "");
	if (s->destination_error)
		printf("destination unavailable: %s; figures as of the last committed chunk (local "
		       "record)\n",
		       s->destination_error);
	if (s->source_error)
		printf("source figures unavailable: %s\n", s->source_error);
}

/* Why a table holds more rows than its source up to the last value. */
static const char *extra_reason(const sl_table_status *t, char *buf, size_t size)
{
	if (t->reset_kept_at)
		snprintf(buf, size, "rows loaded twice? (reset --keep-data on %.19s)",
			 t->reset_kept_at);
	else
		snprintf(buf, size, "rows loaded twice, or deleted from the source since?");
	return buf;
}

/* The closing line: fully loaded, rows left, or more rows than the source. */
static void print_verdict(const sl_table_status *t)
{
	char why[128];
	if (t->rows_remaining < 0) {
		printf("  rows left unknown\n");
		return;
	}
	if (t->rows_remaining == 0 && t->extra_rows <= 0) {
		printf("  fully loaded\n");
		return;
	}
	if (t->rows_remaining > 0)
		printf("  %lld row%s left\n", (long long)t->rows_remaining,
		       t->rows_remaining == 1 ? "" : "s");
	if (t->extra_rows > 0 && t->rows_remaining == 0)
		printf("  destination has %lld rows, source %lld: %s\n", (long long)t->rows_loaded,
		       (long long)t->source_rows, extra_reason(t, why, sizeof(why)));
	else if (t->extra_rows > 0)
		printf("  destination has %lld rows, %lld more than the source up to the last "
		       "value: "
		       "%s\n",
		       (long long)t->rows_loaded, (long long)t->extra_rows,
		       extra_reason(t, why, sizeof(why)));
}

static void print_table(const sl_status *s, const sl_table_status *t)
{
	printf("%s\n", t->table);
	if (t->rows_loaded >= 0)
		printf("  rows loaded     %lld%s\n", (long long)t->rows_loaded,
		       s->destination_error ? " (local record)" : "");
	else
		printf("  rows loaded     unknown\n");
	printf("  last value      %s\n", t->last_value ? t->last_value : "none");
	printf("  source max      %s\n", t->source_max ? t->source_max : "unknown");
	if (t->rows_remaining >= 0 && t->source_rows >= 0)
		printf("  rows remaining  %lld of %lld\n", (long long)t->rows_remaining,
		       (long long)t->source_rows);
	else
		printf("  rows remaining  unknown\n");
	if (t->percent_done >= 0)
		printf("  percent done    %.1f%%\n", percent_down(t->percent_done, 10));
	else
		printf("  percent done    unknown\n");
	print_verdict(t);
	if (t->last_load_status)
		printf("  last load       %.19s %s, %lld rows\n",
		       t->last_load_started ? t->last_load_started : "?", t->last_load_status,
		       (long long)(t->last_load_rows > 0 ? t->last_load_rows : 0));
	if (t->schema_changes)
		printf("  schema changed  %s\n", t->schema_changes);
	if (t->source_error && (!s->source_error || strcmp(t->source_error, s->source_error) != 0))
		printf("  source figures unavailable: %s\n", t->source_error);
}

static int print_text(const sl_status *s)
{
	print_header(s);
	for (size_t i = 0; i < s->ntables; i++)
		print_table(s, &s->tables[i]);
	return CLI_EXIT_OK;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *int_or_null(int64_t n)
{
	return n >= 0 ? json_integer((json_int_t)n) : json_null();
}

static json_t *fully_loaded_json(const sl_table_status *t)
{
	if (t->rows_remaining > 0 || t->extra_rows > 0)
		return json_false();
	return t->rows_remaining == 0 && t->extra_rows == 0 ? json_true() : json_null();
}

static json_t *last_load_json(const sl_table_status *t)
{
	if (!t->last_load_status)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "started_at", str_or_null(t->last_load_started));
	json_object_set_new(o, "finished_at", str_or_null(t->last_load_finished));
	json_object_set_new(o, "status", json_string(t->last_load_status));
	json_object_set_new(o, "rows", int_or_null(t->last_load_rows));
	return o;
}

static json_t *table_json(const sl_table_status *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "table", json_string(t->table));
	json_object_set_new(o, "rows_loaded", int_or_null(t->rows_loaded));
	json_object_set_new(o, "last_value", str_or_null(t->last_value));
	json_object_set_new(o, "source_max", str_or_null(t->source_max));
	json_object_set_new(o, "rows_remaining", int_or_null(t->rows_remaining));
	json_object_set_new(o, "source_rows", int_or_null(t->source_rows));
	json_object_set_new(o, "percent_done",
			    t->percent_done >= 0 ? json_real(percent_down(t->percent_done, 100))
						 : json_null());
	json_object_set_new(o, "fully_loaded", fully_loaded_json(t));
	json_object_set_new(o, "extra_rows", int_or_null(t->extra_rows));
	json_object_set_new(o, "reset_keep_data_at", str_or_null(t->reset_kept_at));
	json_object_set_new(o, "last_load", last_load_json(t));
	json_object_set_new(o, "schema_changes", str_or_null(t->schema_changes));
	json_object_set_new(o, "source_error", str_or_null(t->source_error));
	return o;
}

static int print_json(const status_opts *o, sl_pipeline *p, const sl_status *s)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "pipeline_name", json_string(o->pipeline));
	json_object_set_new(doc, "destination", str_or_null(sl_pipeline_destination(p)));
	json_object_set_new(doc, "dataset_name", str_or_null(sl_pipeline_dataset_name(p)));
	json_object_set_new(doc, "run_in_progress", json_boolean(s->run_in_progress));
	json_object_set_new(doc, "run_pid",
			    s->run_pid > 0 ? json_integer(s->run_pid) : json_null());
	json_object_set_new(doc, "run_holder", str_or_null(s->run_holder));
	json_object_set_new(doc, "run_since", str_or_null(s->run_since));
	json_object_set_new(doc, "figures_from",
			    json_string(s->destination_error ? "local record" : "destination"));
	json_object_set_new(doc, "destination_error", str_or_null(s->destination_error));
	json_object_set_new(doc, "source_error", str_or_null(s->source_error));
	json_t *tables = json_array();
	for (size_t i = 0; i < s->ntables; i++)
		json_array_append_new(tables, table_json(&s->tables[i]));
	json_object_set_new(doc, "tables", tables);
	/* percentages are cut to two decimals: no 1.3300000000000001 */
	int rc = json_dumpf(doc, stdout,
			    JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(doc);
	if (rc != 0 || putchar('\n') == EOF) {
		fputs("sluice: error: cannot write the status\n", stderr);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

/* ---- command ------------------------------------------------------------------------------- */

static int show_status(const status_opts *o)
{
	sl_pipeline *p = NULL;
	sl_source *src = NULL;
	sl_status *status = NULL;
	int rc = sl_pipeline_open(&p, o->pipeline, o->pipelines_dir);

	if (rc == 0)
		rc = make_source(&src, o);
	if (rc == 0)
		rc = sl_pipeline_status(&status, p, src);
	int code = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
	if (status)
		code = o->format == FORMAT_JSON ? print_json(o, p, status) : print_text(status);
	sl_status_free(status);
	sl_source_free(src);
	sl_pipeline_free(p);
	return code;
}

static int parse_args(status_opts *o, int argc, char **argv)
{
	static const char *const names[] = {"PIPELINE"};
	cli_err err;
	int c;

	while ((c = cli_getopt(CMD, argc, argv, "t:h", long_options)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return -1;
		case OPT_SOURCE:
			o->source_url = optarg;
			break;
		case OPT_TABLE:
			o->tables[o->ntables++] = optarg;
			break;
		case OPT_CURSOR:
			o->cursor = optarg;
			break;
		case OPT_FORMAT:
			if (cli_parse_enum(&o->format, "--format", optarg, formats, &err) != 0)
				return cli_usage_err(CMD, &err);
			break;
		case OPT_PIPELINES_DIR:
			o->pipelines_dir = optarg;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_positionals(CMD, argc, argv, &o->pipeline, 1, names) != 0)
		return CLI_EXIT_USAGE;
	if (o->source_url && o->ntables == 0)
		return cli_usage(CMD, "option '--source' needs --table (the tables to ask about)");
	if (!o->source_url && (o->ntables > 0 || o->cursor))
		return cli_usage(CMD, "options '--table' and '--cursor' need --source");
	return CLI_EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
	status_opts o = {NULL, NULL, NULL, NULL, NULL, 0, FORMAT_TEXT};
	int code;

	/* every argument could be a --table: enough room without counting */
	o.tables = calloc((size_t)argc + 1, sizeof(*o.tables));
	if (!o.tables) {
		fputs("sluice: error: out of memory\n", stderr);
		return CLI_EXIT_FAILURE;
	}
	code = parse_args(&o, argc, argv);
	if (code == CLI_EXIT_OK)
		code = show_status(&o);
	free(o.tables);
	return code < 0 ? CLI_EXIT_OK : code;
}
