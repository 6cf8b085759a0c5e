/*
 * cmd_status.c — `sluice status PIPELINE`: how far each table has come against its source: rows
 * loaded, last cursor value, the source's maximum, rows left and percent done.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>

#define CMD "status"

static const char usage[] =
	"usage: sluice status PIPELINE [--source URL --table T [--table T2 ...] [--cursor COL]]\n"
	"                     [--pipelines-dir DIR]\n"
	"\n"
	"Show per table how many rows are loaded, the last cursor value, the source's maximum,\n"
	"how many rows are left and the percentage done. The source is the one of the\n"
	"pipeline's last run on this machine unless --source gives another.\n"
	"\n"
	"      --source URL            ask this source database instead\n"
	"  -t, --table T               with --source: a table to ask about (repeatable)\n"
	"      --cursor COL            with --source: the tables' incremental cursor column\n"
	"      --pipelines-dir DIR     where the pipeline's local record is\n"
	"  -h, --help                  show this help\n";

enum {
	OPT_TABLE = 't',
	OPT_SOURCE = CLI_OPT_LONG,
	OPT_CURSOR,
	OPT_PIPELINES_DIR
};

static const struct option long_options[] = {
	{"source", required_argument, NULL, OPT_SOURCE},
	{"table", required_argument, NULL, OPT_TABLE},
	{"cursor", required_argument, NULL, OPT_CURSOR},
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

typedef struct status_opts {
	const char *pipeline;
	const char *pipelines_dir;
	const char *source_url;
	const char *cursor;
	const char **tables; /* NULL-terminated; the array is owned */
	size_t ntables;
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

static void print_status(const sl_table_status *st)
{
	printf("%s\n", st->table);
	printf("  rows loaded     %llu\n", (unsigned long long)st->rows_loaded);
	printf("  last value      %s\n", st->last_value ? st->last_value : "none");
	printf("  source max      %s\n", st->source_max ? st->source_max : "unknown");
	if (st->rows_remaining >= 0)
		printf("  rows remaining  %lld of %llu\n", (long long)st->rows_remaining,
		       (unsigned long long)st->source_rows);
	else
		printf("  rows remaining  unknown\n");
	/* rounded down, so 99.97% with a row left never shows as 100.0% */
	if (st->percent_done >= 0)
		printf("  percent done    %.1f%%\n", floor(st->percent_done * 10) / 10);
	else
		printf("  percent done    unknown\n");
	if (st->rows_remaining == 0)
		printf("  fully loaded\n");
	else if (st->rows_remaining > 0)
		printf("  %lld row%s left\n", (long long)st->rows_remaining,
		       st->rows_remaining == 1 ? "" : "s");
	else
		printf("  rows left unknown\n");
	if (st->schema_changes)
		printf("  schema changed  %s\n", st->schema_changes);
}

static int show_status(const status_opts *o)
{
	sl_pipeline *p = NULL;
	sl_source *src = NULL;
	sl_table_status *status = NULL;
	size_t count = 0;
	int rc = sl_pipeline_open(&p, o->pipeline, o->pipelines_dir);

	if (rc == 0)
		rc = make_source(&src, o);
	if (rc == 0)
		rc = sl_pipeline_status(&status, &count, p, src);
	int code = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
	for (size_t i = 0; i < count; i++)
		print_status(&status[i]);
	sl_status_free(status, count);
	sl_source_free(src);
	sl_pipeline_free(p);
	return code;
}

static int parse_args(status_opts *o, int argc, char **argv)
{
	static const char *const names[] = {"PIPELINE"};
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
	status_opts o = {NULL, NULL, NULL, NULL, NULL, 0};
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
