/*
 * cmd_sql.c — `sluice sql PIPELINE "SELECT ..."`: run SQL in the pipeline's destination with its
 * dataset as the default schema, and print the result like `sluice show`.
 */
#include "cli.h"

#define CMD "sql"

static const char usage[] =
	"usage: sluice sql PIPELINE SQL [--format table|csv|json|ndjson] [--pipelines-dir DIR]\n"
	"\n"
	"Run SQL in PIPELINE's destination, with its dataset as the default schema, and print\n"
	"the result. Put '--' before SQL that starts with '-'.\n"
	"\n"
	"      --format F              table (default; long values are cut), csv, json or\n"
	"                              ndjson (one object a line)\n"
	"      --pipelines-dir DIR     where the pipeline's local record is\n"
	"  -h, --help                  show this help\n";

enum {
	OPT_FORMAT = CLI_OPT_LONG,
	OPT_PIPELINES_DIR
};

static const struct option long_options[] = {
	{"format", required_argument, NULL, OPT_FORMAT},
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int run_sql(const char *name, const char *sql, const char *pipelines_dir, cli_format format)
{
	sl_pipeline *p = NULL;
	sl_dataset *d = NULL;
	sl_rows *rows = NULL;
	int code = cli_open_dataset(&p, &d, name, pipelines_dir);

	if (code == CLI_EXIT_OK) {
		int rc = sl_dataset_query(&rows, d, sql);
		code = rc < 0 ? cli_fail(rc) : cli_print_rows(stdout, rows, format, 0, NULL);
	}
	sl_rows_free(rows);
	sl_dataset_free(d);
	sl_pipeline_free(p);
	return code;
}

int cmd_sql(int argc, char **argv)
{
	static const char *const names[] = {"PIPELINE", "SQL"};
	const char *args[2];
	const char *pipelines_dir = NULL;
	int format = CLI_FORMAT_TABLE;
	cli_err err;
	int c;

	while ((c = cli_getopt(CMD, argc, argv, "h", long_options)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		case OPT_PIPELINES_DIR:
			pipelines_dir = optarg;
			break;
		case OPT_FORMAT:
			if (cli_parse_enum(&format, "--format", optarg, cli_formats, &err) != 0)
				return cli_usage_err(CMD, &err);
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_positionals(CMD, argc, argv, args, 2, names) != 0)
		return CLI_EXIT_USAGE;
	return run_sql(args[0], args[1], pipelines_dir, (cli_format)format);
}
