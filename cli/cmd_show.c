/*
 * cmd_show.c — `sluice show PIPELINE TABLE`: the rows of a loaded table, in load order, as an
 * aligned table, CSV, JSON or NDJSON. The table format shows 20 rows unless told otherwise and
 * says on stderr when it left rows out; the other formats are exports and give every row.
 */
#include "cli.h"

#include <inttypes.h>

#define CMD "show"

static const char usage[] =
	"usage: sluice show PIPELINE TABLE [--limit N] [--format table|csv|json|ndjson]\n"
	"                   [--pipelines-dir DIR]\n"
	"\n"
	"Print the rows of TABLE in PIPELINE's dataset, in the order they were loaded.\n"
	"\n"
	"      --limit N               at most N rows, 0 = all (default: 20 for table, all\n"
	"                              for the other formats)\n"
	"      --format F              table (default; long values are cut), csv (RFC 4180,\n"
	"                              NULL as an empty field), json (an array of objects)\n"
	"                              or ndjson (one object a line)\n"
	"      --pipelines-dir DIR     where the pipeline's local record is\n"
	"  -h, --help                  show this help\n";

enum {
	OPT_LIMIT = CLI_OPT_LONG,
	OPT_FORMAT,
	OPT_PIPELINES_DIR
};

static const struct option long_options[] = {
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

typedef struct show_opts {
	const char *args[2]; /* PIPELINE, TABLE */
	const char *pipelines_dir;
	uint64_t limit;
	bool limit_given; /* else the format's default */
	int format;
} show_opts;

/* The rows the table format shows when --limit is not given. */
#define TABLE_ROWS 20

/* Say on stderr that rows were left out, so that none go missing unnoticed. */
static void report_cut(sl_dataset *d, const char *table, uint64_t shown)
{
	uint64_t total = 0;

	if (sl_dataset_row_count(&total, d, table) == 0)
		fprintf(stderr, "sluice: showing %" PRIu64 " of %" PRIu64 " rows", shown, total);
	else
		fprintf(stderr, "sluice: showing the first %" PRIu64 " rows", shown);
	fputs(" (--limit N or --limit 0 for all)\n", stderr);
}

static int show_rows(const show_opts *o)
{
	sl_pipeline *p = NULL;
	sl_dataset *d = NULL;
	sl_rows *rows = NULL;
	cli_format format = (cli_format)o->format;
	uint64_t limit = o->limit_given ? o->limit : format == CLI_FORMAT_TABLE ? TABLE_ROWS : 0;
	bool more = false;
	int code = cli_open_dataset(&p, &d, o->args[0], o->pipelines_dir);

	if (code == CLI_EXIT_OK) {
		/* one row past the limit tells whether rows were left */
		uint64_t read = limit && limit < UINT64_MAX ? limit + 1 : limit;
		int rc = sl_dataset_read(&rows, d, o->args[1], read);
		code = rc < 0 ? cli_fail(rc) : cli_print_rows(stdout, rows, format, limit, &more);
	}
	sl_rows_free(rows); /* before counting: a PostgreSQL connection reads one result at once */
	if (code == CLI_EXIT_OK && more && format == CLI_FORMAT_TABLE)
		report_cut(d, o->args[1], limit);
	sl_dataset_free(d);
	sl_pipeline_free(p);
	return code;
}

/* One option into o: 0, or -1 with err set. */
static int show_option(show_opts *o, int c, cli_err *err)
{
	if (c == OPT_LIMIT) {
		o->limit_given = true;
		return cli_parse_uint(&o->limit, "--limit", optarg, 0, UINT64_MAX, err);
	}
	if (c == OPT_FORMAT)
		return cli_parse_enum(&o->format, "--format", optarg, cli_formats, err);
	o->pipelines_dir = optarg;
	return 0;
}

int cmd_show(int argc, char **argv)
{
	static const char *const names[] = {"PIPELINE", "TABLE"};
	show_opts o = {{NULL, NULL}, NULL, 0, false, CLI_FORMAT_TABLE};
	cli_err err;
	int c;

	while ((c = cli_getopt(CMD, argc, argv, "h", long_options)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (show_option(&o, c, &err) != 0)
			return cli_usage_err(CMD, &err);
	}
	if (cli_positionals(CMD, argc, argv, o.args, 2, names) != 0)
		return CLI_EXIT_USAGE;
	return show_rows(&o);
}
