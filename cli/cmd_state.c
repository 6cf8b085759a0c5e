/*
 * cmd_state.c — `sluice state PIPELINE`: the pipeline's incremental state, as JSON, read from
 * its destination (the truth, not the local mirror).
 */
#include "cli.h"

#include <string.h>

#define CMD "state"

static const char usage[] =
	"usage: sluice state PIPELINE [--pipelines-dir DIR]\n"
	"\n"
	"Print PIPELINE's incremental state as JSON, as its destination holds it.\n"
	"\n"
	"      --pipelines-dir DIR     where the pipeline's local record is\n"
	"  -h, --help                  show this help\n";

enum {
	OPT_PIPELINES_DIR = CLI_OPT_LONG
};

static const struct option long_options[] = {
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int print_state(const char *name, const char *pipelines_dir)
{
	sl_pipeline *p = NULL;
	char *json = NULL;
	int rc = sl_pipeline_open(&p, name, pipelines_dir);

	if (rc == 0)
		rc = sl_pipeline_state_json(&json, p);
	int code = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
	if (json) {
		size_t len = strlen(json);
		fputs(json, stdout);
		if (len == 0 || json[len - 1] != '\n')
			putchar('\n');
	}
	sl_free(json);
	sl_pipeline_free(p);
	return code;
}

int cmd_state(int argc, char **argv)
{
	static const char *const names[] = {"PIPELINE"};
	const char *pipelines_dir = NULL;
	const char *name;
	int c;

	while ((c = cli_getopt(CMD, argc, argv, "h", long_options)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		case OPT_PIPELINES_DIR:
			pipelines_dir = optarg;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_positionals(CMD, argc, argv, &name, 1, names) != 0)
		return CLI_EXIT_USAGE;
	return print_state(name, pipelines_dir);
}
