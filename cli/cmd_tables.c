/*
 * cmd_tables.c — `sluice tables PIPELINE`: the tables of a pipeline's dataset (sluice's own
 * _sluice_* tables included) with their row counts.
 */
#include "cli.h"

#define CMD "tables"

static const char usage[] =
	"usage: sluice tables PIPELINE [--format table|csv|json|ndjson] [--pipelines-dir DIR]\n"
	"\n"
	"List the tables of PIPELINE's dataset and their row counts.\n"
	"\n"
	"      --format F              table (default), csv, json or ndjson\n"
	"      --pipelines-dir DIR     where the pipeline's local record is (default:\n"
	"                              $SLUICE_PIPELINES_DIR or ~/.sluice/pipelines)\n"
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

static int list_tables(const char *name, const char *pipelines_dir, cli_format format)
{
	sl_pipeline *p = NULL;
	sl_dataset *d = NULL;
	sl_rows *rows = NULL;
	int code = cli_open_dataset(&p, &d, name, pipelines_dir);

	if (code == CLI_EXIT_OK) {
		int rc = sl_dataset_tables(&rows, d);
		code = rc < 0 ? cli_fail(rc) : cli_print_rows(stdout, rows, format, 0, NULL);
	}
	sl_rows_free(rows);
	sl_dataset_free(d);
	sl_pipeline_free(p);
	return code;
}

int cmd_tables(int argc, char **argv)
{
	static const char *const names[] = {"PIPELINE"};
	const char *pipelines_dir = NULL;
	const char *name;
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
	if (cli_positionals(CMD, argc, argv, &name, 1, names) != 0)
		return CLI_EXIT_USAGE;
	return list_tables(name, pipelines_dir, (cli_format)format);
}
