/*
 * cmd_reset.c — `sluice reset PIPELINE`: forget incremental state, of named tables or of every
 * table, so the next run starts from the beginning; and drop the tables' loaded rows, or keep
 * them when told to: kept, an incremental table's rows would be loaded again on top of them, so
 * a reset that would do that is refused unless --drop-data or --keep-data says which.
 */
#include "cli.h"

#include <stdlib.h>

#define CMD "reset"

static const char usage[] =
	"usage: sluice reset PIPELINE [--table T [--table T2 ...]] [--drop-data | --keep-data]\n"
	"                    [--pipelines-dir DIR]\n"
	"\n"
	"Forget the incremental state of the named tables (default: every table of PIPELINE),\n"
	"so that the next run loads them from the start. A table that holds rows its next run\n"
	"would load again (an incremental table) needs --drop-data or --keep-data.\n"
	"\n"
	"  -t, --table T               a table to reset (repeatable)\n"
	"      --drop-data             also drop the named tables from the dataset\n"
	"      --keep-data             keep their rows: the next run appends them again\n"
	"      --pipelines-dir DIR     where the pipeline's local record is\n"
	"  -h, --help                  show this help\n";

enum {
	OPT_TABLE = 't',
	OPT_DROP_DATA = CLI_OPT_LONG,
	OPT_KEEP_DATA,
	OPT_PIPELINES_DIR
};

static const struct option long_options[] = {
	{"table", required_argument, NULL, OPT_TABLE},
	{"drop-data", no_argument, NULL, OPT_DROP_DATA},
	{"keep-data", no_argument, NULL, OPT_KEEP_DATA},
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

typedef struct reset_opts {
	const char *pipeline;
	const char *pipelines_dir;
	const char **tables; /* NULL-terminated; the array is owned */
	size_t ntables;
	bool drop_data;
	bool keep_data;
} reset_opts;

static int reset_one(sl_pipeline *p, const reset_opts *o, const char *table)
{
	sl_reset_data data = o->drop_data   ? SL_RESET_DROP_DATA
			     : o->keep_data ? SL_RESET_KEEP_DATA
					    : SL_RESET_REFUSE_RELOAD;
	int rc = sl_pipeline_reset(p, table, data);

	/* refused, nothing changed: say which option decides, as for a usage error */
	if (rc == SL_EINVAL && data == SL_RESET_REFUSE_RELOAD)
		return cli_usage(CMD,
				 "%s; add --drop-data to drop %s first, or --keep-data to keep the "
				 "rows anyway",
				 sl_error_last()->message,
				 table ? "the table" : "the tables (name them with --table)");
	if (rc < 0)
		return cli_fail(rc);
	if (!table)
		printf("pipeline %s: forgot the incremental state of every table\n", o->pipeline);
	else
		printf("pipeline %s: forgot the incremental state of table %s%s\n", o->pipeline,
		       table,
		       o->drop_data   ? " and dropped its rows"
		       : o->keep_data ? " and kept its rows (its next run may load them again)"
				      : "");
	return CLI_EXIT_OK;
}

static int reset_tables(const reset_opts *o)
{
	sl_pipeline *p = NULL;
	int rc = sl_pipeline_open(&p, o->pipeline, o->pipelines_dir);
	int code = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;

	if (code == CLI_EXIT_OK && o->ntables == 0)
		code = reset_one(p, o, NULL);
	for (size_t i = 0; code == CLI_EXIT_OK && i < o->ntables; i++)
		code = reset_one(p, o, o->tables[i]);
	sl_pipeline_free(p);
	return code;
}

static int parse_args(reset_opts *o, int argc, char **argv)
{
	static const char *const names[] = {"PIPELINE"};
	int c;

	while ((c = cli_getopt(CMD, argc, argv, "t:h", long_options)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return -1;
		case OPT_TABLE:
			o->tables[o->ntables++] = optarg;
			break;
		case OPT_DROP_DATA:
			o->drop_data = true;
			break;
		case OPT_KEEP_DATA:
			o->keep_data = true;
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
	if (o->drop_data && o->keep_data)
		return cli_usage(CMD, "options '--drop-data' and '--keep-data' exclude each other");
	/* dropping every table of a dataset another pipeline may share is too blunt a default */
	if (o->drop_data && o->ntables == 0)
		return cli_usage(CMD, "option '--drop-data' needs --table (the tables to drop)");
	return CLI_EXIT_OK;
}

int cmd_reset(int argc, char **argv)
{
	reset_opts o = {NULL, NULL, NULL, 0, false, false};
	int code;

	/* every argument could be a --table: enough room without counting */
	o.tables = calloc((size_t)argc + 1, sizeof(*o.tables));
	if (!o.tables) {
		fputs("sluice: error: out of memory\n", stderr);
		return CLI_EXIT_FAILURE;
	}
	code = parse_args(&o, argc, argv);
	if (code == CLI_EXIT_OK)
		code = reset_tables(&o);
	free(o.tables);
	return code < 0 ? CLI_EXIT_OK : code;
}
