/*
 * cmd_run.c — `sluice run`: gather the run from the command line, a config file (--config) or
 * the pipeline's record (`sluice run PIPELINE`), build the sources and the pipeline, and hand
 * them to run_loop.c (runs, --until-done) and run_summary.c (the lines on stdout).
 *
 * Hints come in layers: the file's top level (every table), the file's entry for a table, and
 * the command line, which overrides both. Each layer keeps the text as given, checked when it is
 * read by the same parsers as the options, so a config key and its option accept and refuse the
 * same values.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, strndup */
#endif

#include "config.h"
#include "run.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define CMD "run"

static const char usage[] =
	"usage: sluice run SOURCE_URL [--table T ...] [options]\n"
	"       sluice run --config FILE [SOURCE_URL] [options]\n"
	"       sluice run PIPELINE [options]\n"
	"\n"
	"Copy tables from SOURCE_URL (mysql://user:pw@host:port/db, sqlite:///file.db,\n"
	"postgresql://...) into the pipeline's destination, committing chunk by chunk.\n"
	"A PIPELINE name instead runs a pipeline again as it last ran on this machine;\n"
	"options given override what it recorded.\n"
	"\n"
	"pipeline:\n"
	"      --config FILE           read the run from a YAML file (docs/cli.md); options\n"
	"                              given here override it\n"
	"  -t, --table T[:DEST]        table or glob pattern to load (repeat for more;\n"
	"                              \"schema.table\" allowed; default: every table), into\n"
	"                              destination table DEST (default: T without schema)\n"
	"      --exclude PATTERN       leave out tables matching PATTERN (repeat for more)\n"
	"      --include-views         let patterns and \"every table\" match views too\n"
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
	"      --workers N             tables loaded at once, 1..64 (default 1)\n"
	"\n"
	"hints (apply to every table; a config file may give them per table):\n"
	"      --chunk-size N          rows per committed chunk, 1..100000000 (default 50000)\n"
	"      --write-disposition replace|append|merge\n"
	"                              merge: upsert by primary key (needs one)\n"
	"      --primary-key COLS      comma separated (default: the table's primary key)\n"
	"      --columns COLS          load only these columns (comma separated)\n"
	"      --exclude-columns COLS  do not load these columns\n"
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
	"Exit codes: 0 success, 1 failure (a table failed, the others still loaded),\n"
	"2 usage error (also a bad config file, an unknown PIPELINE), 3 interrupted,\n"
	"4 pipeline locked.\n";

enum {
	OPT_TABLE = 't',
	/* hints, which a config file may also give per table: OPT_HINT_FIRST..OPT_HINT_LAST */
	OPT_CHUNK_SIZE = CLI_OPT_LONG,
	OPT_WRITE_DISPOSITION,
	OPT_PRIMARY_KEY,
	OPT_COLUMNS,
	OPT_EXCLUDE_COLUMNS,
	OPT_MERGE_KEY,
	OPT_HARD_DELETE_COLUMN,
	OPT_SYNC_DELETES,
	OPT_CURSOR,
	OPT_INITIAL_VALUE, /* from here to OPT_ON_CURSOR_MISSING: only with a cursor */
	OPT_END_VALUE,
	OPT_ROW_ORDER,
	OPT_LAST_VALUE_FUNC,
	OPT_RANGE_START,
	OPT_RANGE_END,
	OPT_LAG,
	OPT_ON_CURSOR_MISSING,
	/* the run's */
	OPT_PIPELINE,
	OPT_DESTINATION,
	OPT_DATASET,
	OPT_DEV_MODE,
	OPT_PIPELINES_DIR,
	OPT_NO_LOAD_ID,
	OPT_MEMORY_LIMIT,
	OPT_WAIT_LOCK,
	OPT_WORKERS,
	OPT_INCLUDE_VIEWS,
	OPT_LIMIT_CHUNKS,
	OPT_MAX_TIME,
	OPT_RETRIES,
	OPT_RUNS,
	OPT_UNTIL_DONE,
	OPT_PROGRESS,
	OPT_END, /* the options above are kept in layers; those below are not */
	OPT_EXCLUDE = OPT_END,
	OPT_CONFIG,
};

#define OPT_HINT_FIRST OPT_CHUNK_SIZE
#define OPT_HINT_LAST  OPT_ON_CURSOR_MISSING
#define N_LAYERED      (OPT_END - CLI_OPT_LONG)

static const struct option long_options[] = {
	{"table", required_argument, NULL, OPT_TABLE},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"exclude", required_argument, NULL, OPT_EXCLUDE},
	{"include-views", no_argument, NULL, OPT_INCLUDE_VIEWS},
	{"pipeline", required_argument, NULL, OPT_PIPELINE},
	{"destination", required_argument, NULL, OPT_DESTINATION},
	{"dataset", required_argument, NULL, OPT_DATASET},
	{"dev-mode", no_argument, NULL, OPT_DEV_MODE},
	{"pipelines-dir", required_argument, NULL, OPT_PIPELINES_DIR},
	{"no-load-id", no_argument, NULL, OPT_NO_LOAD_ID},
	{"memory-limit", required_argument, NULL, OPT_MEMORY_LIMIT},
	{"wait-lock", optional_argument, NULL, OPT_WAIT_LOCK},
	{"workers", required_argument, NULL, OPT_WORKERS},
	{"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
	{"write-disposition", required_argument, NULL, OPT_WRITE_DISPOSITION},
	{"primary-key", required_argument, NULL, OPT_PRIMARY_KEY},
	{"columns", required_argument, NULL, OPT_COLUMNS},
	{"exclude-columns", required_argument, NULL, OPT_EXCLUDE_COLUMNS},
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
/* a flag's value in a config file (on the command line: given, "true") */
static const cli_enum booleans[] = {{"true", 1}, {"false", 0}, {NULL, 0}};

#define CHUNK_SIZE_MAX 100000000
#define WORKERS_MAX    64

/* How the text of a layered option is checked and read. */
typedef enum opt_kind {
	KIND_TEXT,
	KIND_FLAG,
	KIND_UINT,
	KIND_ENUM,
	KIND_DECIMAL,
	KIND_DURATION,
	KIND_SIZE,
	KIND_WAIT, /* a flag or a duration */
} opt_kind;

typedef struct opt_spec {
	opt_kind kind;
	uint64_t min, max;	/* KIND_UINT */
	const cli_enum *values; /* KIND_ENUM */
} opt_spec;

#define SPEC(opt) [(opt)-CLI_OPT_LONG]
static const opt_spec specs[N_LAYERED] = {
	SPEC(OPT_CHUNK_SIZE) = {KIND_UINT, 1, CHUNK_SIZE_MAX, NULL},
	SPEC(OPT_WRITE_DISPOSITION) = {KIND_ENUM, 0, 0, write_dispositions},
	SPEC(OPT_SYNC_DELETES) = {KIND_FLAG, 0, 0, NULL},
	SPEC(OPT_ROW_ORDER) = {KIND_ENUM, 0, 0, row_orders},
	SPEC(OPT_LAST_VALUE_FUNC) = {KIND_ENUM, 0, 0, last_value_funcs},
	SPEC(OPT_RANGE_START) = {KIND_ENUM, 0, 0, range_starts},
	SPEC(OPT_RANGE_END) = {KIND_ENUM, 0, 0, range_ends},
	SPEC(OPT_LAG) = {KIND_DECIMAL, 0, 0, NULL},
	SPEC(OPT_ON_CURSOR_MISSING) = {KIND_ENUM, 0, 0, missing_cursor_actions},
	SPEC(OPT_DEV_MODE) = {KIND_FLAG, 0, 0, NULL},
	SPEC(OPT_NO_LOAD_ID) = {KIND_FLAG, 0, 0, NULL},
	SPEC(OPT_MEMORY_LIMIT) = {KIND_SIZE, 0, 0, NULL},
	SPEC(OPT_WAIT_LOCK) = {KIND_WAIT, 0, 0, NULL},
	SPEC(OPT_WORKERS) = {KIND_UINT, 1, WORKERS_MAX, NULL},
	SPEC(OPT_INCLUDE_VIEWS) = {KIND_FLAG, 0, 0, NULL},
	SPEC(OPT_LIMIT_CHUNKS) = {KIND_UINT, 1, SIZE_MAX, NULL},
	SPEC(OPT_MAX_TIME) = {KIND_DURATION, 0, 0, NULL},
	SPEC(OPT_RETRIES) = {KIND_UINT, 0, 100, NULL},
	SPEC(OPT_RUNS) = {KIND_UINT, 1, UINT64_MAX, NULL},
	SPEC(OPT_UNTIL_DONE) = {KIND_FLAG, 0, 0, NULL},
	SPEC(OPT_PROGRESS) = {KIND_ENUM, 0, 0, cli_progress_modes},
};

/* What one source of settings gives: each layered option's text, NULL where it says nothing. */
typedef struct layer {
	const char *arg[N_LAYERED];
} layer;

/* A table selection: a name or glob pattern, maybe with its own destination table. */
typedef struct selection {
	const char *given;   /* as written: "T", "T:DEST", "clan*" */
	char *name;	     /* the part before ":DEST", owned */
	const char *dest;    /* DEST or NULL */
	layer own;	     /* a config file's hints for it */
	const layer *hints;  /* the file's hints that apply to it (resolve_tables), or NULL */
	uint64_t chunk_size; /* resolved; 0: the library's default */
} selection;

typedef struct sel_list {
	selection *items;
	size_t count, cap;
} sel_list;

/* Everything the run is made of. Strings point into argv, the config (owned) or the record. */
typedef struct run_opts {
	const char *positional;	 /* SOURCE_URL or PIPELINE, or NULL */
	const char *config_path; /* --config */
	const char *rerun;	 /* PIPELINE of `sluice run PIPELINE`, or NULL */
	layer cli;		 /* the command line */
	layer file;		 /* a config file's (or the record's) top level */
	const char *file_source; /* its `source` */
	sel_list cli_tables;	 /* --table */
	sel_list file_tables;	 /* its `tables` */
	const char **excludes;	 /* --exclude and the file's `exclude` */
	size_t nexcludes, excludes_cap;
	cli_config *config; /* owns the file's strings */
	/* resolved by resolve_opts */
	const char *url;
	sel_list *tables; /* cli_tables when --table was given, else file_tables */
	char default_name[64];
	sl_pipeline_options pipeline;
	uint64_t limit_chunks; /* 0: none */
	double max_time;       /* 0: none */
	uint64_t retries;
	uint64_t runs;
	bool until_done;
	bool include_views;
	cli_progress_mode progress;
} run_opts;

/* ---------------------------------------------------------------- checking values */

static const char *option_name(int val)
{
	for (const struct option *l = long_options; l->name; l++) {
		if (l->val == val)
			return l->name;
	}
	return "?";
}

/* Check `arg` for layered option c, named `name` in the error ("--chunk-size", "chunk_size"). */
static int check_value(int c, const char *name, const char *arg, cli_err *err)
{
	const opt_spec *s = &specs[c - CLI_OPT_LONG];
	uint64_t u;
	double d;
	int v;

	switch (s->kind) {
	case KIND_TEXT:
		return 0;
	case KIND_FLAG:
		return cli_parse_enum(&v, name, arg, booleans, err);
	case KIND_UINT:
		return cli_parse_uint(&u, name, arg, s->min, s->max, err);
	case KIND_ENUM:
		return cli_parse_enum(&v, name, arg, s->values, err);
	case KIND_DECIMAL:
		return cli_parse_decimal(&d, name, arg, err);
	case KIND_DURATION:
		return cli_parse_duration(&d, name, arg, err);
	case KIND_SIZE:
		return cli_check_size(name, arg, err);
	case KIND_WAIT:
		if (cli_parse_enum(&v, name, arg, booleans, err) == 0)
			return 0;
		return cli_parse_duration(&d, name, arg, err);
	}
	return 0;
}

/* The value of text already checked by check_value. */
static uint64_t uint_of(const char *arg)
{
	cli_err err;
	uint64_t u = 0;

	cli_parse_uint(&u, "", arg, 0, UINT64_MAX, &err);
	return u;
}

static int enum_of(int c, const char *arg)
{
	const cli_enum *values = specs[c - CLI_OPT_LONG].values;
	cli_err err;
	int v = 0;

	cli_parse_enum(&v, "", arg, values ? values : booleans, &err);
	return v;
}

static double seconds_of(const char *arg)
{
	cli_err err;
	double d = 0;

	cli_parse_duration(&d, "", arg, &err);
	return d;
}

static bool flag_of(const char *arg)
{
	return arg && strcmp(arg, "false") != 0;
}

/* ---------------------------------------------------------------- gathering */

static int out_of_memory(cli_err *err)
{
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -1;
}

/* "T" or "T:DEST" (the last ':' splits) as a new selection of `list`. */
static int add_selection(sel_list *list, const char *given, const char *what, cli_err *err)
{
	const char *colon = strrchr(given, ':');
	char quoted[128];

	if (colon && (colon == given || !colon[1])) {
		cli_redact_url(quoted, sizeof(quoted), given);
		snprintf(err->msg, sizeof(err->msg),
			 "%s: '%s' is not T or T:DEST (a name on each side of ':')", what, quoted);
		return -1;
	}
	char *name = colon ? strndup(given, (size_t)(colon - given)) : strdup(given);
	if (!name)
		return out_of_memory(err);
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i].name, name) == 0) {
			cli_redact_url(quoted, sizeof(quoted), name);
			free(name);
			snprintf(err->msg, sizeof(err->msg), "%s: '%s' given twice", what, quoted);
			return -1;
		}
	}
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		selection *grown = realloc(list->items, cap * sizeof(*grown));
		if (!grown) {
			free(name);
			return out_of_memory(err);
		}
		list->items = grown;
		list->cap = cap;
	}
	selection *s = &list->items[list->count++];
	memset(s, 0, sizeof(*s));
	s->given = given;
	s->name = name;
	s->dest = colon ? colon + 1 : NULL;
	return 0;
}

static void sel_list_free(sel_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].name);
	free(list->items);
}

static int add_exclude(run_opts *o, const char *pattern, cli_err *err)
{
	if (o->nexcludes == o->excludes_cap) {
		size_t cap = o->excludes_cap ? o->excludes_cap * 2 : 8;
		const char **grown = realloc(o->excludes, cap * sizeof(*grown));
		if (!grown)
			return out_of_memory(err);
		o->excludes = grown;
		o->excludes_cap = cap;
	}
	o->excludes[o->nexcludes++] = pattern;
	return 0;
}

/* Set layered option c in `l` after checking it. */
static int set_layered(layer *l, int c, const char *name, const char *arg, cli_err *err)
{
	if (check_value(c, name, arg, err) != 0)
		return -1;
	l->arg[c - CLI_OPT_LONG] = arg;
	return 0;
}

/* One option of the command line; -1 with err set. */
static int cli_option(run_opts *o, int c, const char *arg, cli_err *err)
{
	char name[48];

	switch (c) {
	case OPT_TABLE:
		return add_selection(&o->cli_tables, arg, "--table", err);
	case OPT_EXCLUDE:
		return add_exclude(o, arg, err);
	case OPT_CONFIG:
		o->config_path = arg;
		return 0;
	default:
		snprintf(name, sizeof(name), "--%s", option_name(c));
		/* a flag, or --wait-lock without a duration */
		return set_layered(&o->cli, c, name, arg ? arg : "true", err);
	}
}

/* The layered option a config key names ("chunk_size" for --chunk-size), or -1. */
static int config_option(const char *key)
{
	char name[48];
	size_t n = strlen(key);

	if (n >= sizeof(name))
		return -1;
	for (size_t i = 0; i <= n; i++)
		name[i] = key[i] == '_' ? '-' : key[i];
	for (const struct option *l = long_options; l->name; l++) {
		if (strcmp(l->name, name) == 0)
			return l->val >= CLI_OPT_LONG && l->val < OPT_END ? l->val : -1;
	}
	return -1;
}

/* config.h's sink: a selection of `tables`. */
static int config_table(void *ctx, const char *table, cli_err *err)
{
	run_opts *o = ctx;

	return add_selection(&o->file_tables, table, "tables", err);
}

/* config.h's sink: one key; -2 when the key itself is wrong. */
static int config_set(void *ctx, const char *table, const char *key, const char *value,
		      cli_err *err)
{
	run_opts *o = ctx;
	int c = config_option(key);

	if (!table && strcmp(key, "source") == 0) {
		o->file_source = value;
		return 0;
	}
	if (!table && strcmp(key, "exclude") == 0)
		return add_exclude(o, value, err);
	if (c < 0) {
		snprintf(err->msg, sizeof(err->msg), "unknown key '%.60s'", key);
		return -2;
	}
	if (table && (c < OPT_HINT_FIRST || c > OPT_HINT_LAST)) {
		snprintf(err->msg, sizeof(err->msg),
			 "'%.60s' is not a table hint: give it at the top level", key);
		return -2;
	}
	layer *l = table ? &o->file_tables.items[o->file_tables.count - 1].own : &o->file;
	return set_layered(l, c, key, value, err);
}

static cli_config_sink config_sink_of(run_opts *o)
{
	cli_config_sink sink = {o, config_table, config_set};
	return sink;
}

/* The pipelines directory as the library resolves it, for a message. */
static const char *pipelines_dir_shown(const run_opts *o, char *buf, size_t size)
{
	const char *dir = o->cli.arg[OPT_PIPELINES_DIR - CLI_OPT_LONG];
	const char *env = getenv("SLUICE_PIPELINES_DIR");
	const char *home = getenv("HOME");

	if (dir)
		return dir;
	if (env && *env)
		return env;
	snprintf(buf, size, "%s/.sluice/pipelines", home ? home : "~");
	return buf;
}

/* `sluice run PIPELINE`: the run as the pipeline's record has it, as if from a config file. */
static int read_record(run_opts *o)
{
	const char *dir = o->cli.arg[OPT_PIPELINES_DIR - CLI_OPT_LONG];
	cli_config_sink sink = config_sink_of(o);
	sl_pipeline *p = NULL;
	char *text = NULL;
	char shown[512];

	int rc = sl_pipeline_open(&p, o->rerun, dir);
	if (rc == SL_ENOTFOUND) {
		sl_pipeline_free(p);
		return cli_usage(CMD, "no pipeline '%s' in %s (run it once with a source URL)",
				 o->rerun, pipelines_dir_shown(o, shown, sizeof(shown)));
	}
	rc = rc ? rc : sl_pipeline_last_config(&text, p);
	sl_pipeline_free(p);
	if (rc)
		return cli_fail(rc);
	snprintf(shown, sizeof(shown), "pipeline '%s' as recorded", o->rerun);
	int code = cli_config_parse(&o->config, CMD, shown, text, strlen(text), false, &sink);
	sl_free(text); /* it holds the source's password */
	return code;
}

/* ---------------------------------------------------------------- resolving */

/* A pipeline name rather than a URL: what `--pipeline` accepts, and no "://". */
static bool is_pipeline_name(const char *arg)
{
	if (!*arg)
		return false;
	for (const char *p = arg; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* A run option: the command line's, else the file's. */
static const char *run_arg(const run_opts *o, int c)
{
	const char *arg = o->cli.arg[c - CLI_OPT_LONG];

	return arg ? arg : o->file.arg[c - CLI_OPT_LONG];
}

/* A hint for selection s (NULL: every table's): the command line, its own entry, the file. */
static const char *hint_arg(const run_opts *o, const selection *s, int c)
{
	const char *arg = o->cli.arg[c - CLI_OPT_LONG];

	if (!arg && s && s->hints)
		arg = s->hints->arg[c - CLI_OPT_LONG];
	return arg ? arg : o->file.arg[c - CLI_OPT_LONG];
}

/* Set hint c of `h` from text checked before. */
static void set_hint(sl_table_hints *h, int c, const char *arg)
{
	sl_incremental *inc = &h->incremental;

	switch (c) {
	case OPT_CHUNK_SIZE:
		h->chunk_size = (size_t)uint_of(arg);
		break;
	case OPT_WRITE_DISPOSITION:
		h->write_disposition = (sl_write_disposition)enum_of(c, arg);
		break;
	case OPT_PRIMARY_KEY:
		h->primary_key = arg;
		break;
	case OPT_COLUMNS:
		h->columns = arg;
		break;
	case OPT_EXCLUDE_COLUMNS:
		h->exclude_columns = arg;
		break;
	case OPT_MERGE_KEY:
		h->merge_key = arg;
		break;
	case OPT_HARD_DELETE_COLUMN:
		h->hard_delete_column = arg;
		break;
	case OPT_SYNC_DELETES:
		h->sync_deletes = flag_of(arg);
		break;
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
		inc->row_order = (sl_row_order)enum_of(c, arg);
		break;
	case OPT_LAST_VALUE_FUNC:
		inc->last_value_func = (sl_last_value_func)enum_of(c, arg);
		break;
	case OPT_RANGE_START:
		inc->range_start = (sl_range)enum_of(c, arg);
		break;
	case OPT_RANGE_END:
		inc->range_end = (sl_range)enum_of(c, arg);
		break;
	case OPT_LAG:
		inc->lag = arg;
		break;
	case OPT_ON_CURSOR_MISSING:
		inc->on_cursor_value_missing = (sl_on_missing_cursor)enum_of(c, arg);
		break;
	}
}

/* The hints of selection s (NULL: every table); *given tells whether any was. */
static sl_table_hints hints_for(const run_opts *o, const selection *s, bool *given)
{
	sl_table_hints h = SL_TABLE_HINTS_INIT;

	*given = false;
	for (int c = OPT_HINT_FIRST; c <= OPT_HINT_LAST; c++) {
		const char *arg = hint_arg(o, s, c);
		if (arg) {
			set_hint(&h, c, arg);
			*given = true;
		}
	}
	h.table_name = s ? s->dest : NULL;
	return h;
}

/* What cannot be checked option by option, for one selection (NULL: every table). */
static int check_hints(const run_opts *o, const selection *s)
{
	char where[160] = "";
	bool given;
	sl_table_hints h = hints_for(o, s, &given);

	if (s && s->hints)
		snprintf(where, sizeof(where), "table '%.100s': ", s->name);
	for (int c = OPT_INITIAL_VALUE; c <= OPT_ON_CURSOR_MISSING; c++) {
		if (!h.incremental.cursor_path && hint_arg(o, s, c))
			return cli_usage(CMD, "%soption '--%s' needs --cursor", where,
					 option_name(c));
	}
	/* what only a merge does: lag re-reads loaded rows (appended, they would load twice) */
	const char *merge_only = h.incremental.lag	? "--lag"
				 : h.merge_key		? "--merge-key"
				 : h.hard_delete_column ? "--hard-delete-column"
							: NULL;
	if (merge_only && h.write_disposition != SL_WRITE_MERGE)
		return cli_usage(CMD, "%soption '%s' needs --write-disposition merge%s", where,
				 merge_only, h.incremental.lag ? " (it re-reads loaded rows)" : "");
	return CLI_EXIT_OK;
}

/* The selections of the run, each with the file's hints for it and its chunk size. */
static int resolve_tables(run_opts *o)
{
	o->tables = o->cli_tables.count ? &o->cli_tables : &o->file_tables;
	for (size_t i = 0; i < o->tables->count; i++) {
		selection *s = &o->tables->items[i];
		s->hints = o->tables == &o->file_tables ? &s->own : NULL;
		/* a --table the file also names takes its hints (and its DEST, unless given) */
		for (size_t j = 0; !s->hints && j < o->file_tables.count; j++) {
			selection *f = &o->file_tables.items[j];
			if (strcmp(f->name, s->name) == 0) {
				s->hints = &f->own;
				s->dest = s->dest ? s->dest : f->dest;
			}
		}
		const char *chunk = hint_arg(o, s, OPT_CHUNK_SIZE);
		s->chunk_size = chunk ? uint_of(chunk) : 0;
		int code = check_hints(o, s);
		if (code != CLI_EXIT_OK)
			return code;
	}
	return o->tables->count ? CLI_EXIT_OK : check_hints(o, NULL);
}

static void resolve_pipeline(run_opts *o)
{
	sl_pipeline_options *po = &o->pipeline;
	const char *wait = run_arg(o, OPT_WAIT_LOCK);
	const char *workers = run_arg(o, OPT_WORKERS);

	po->destination = run_arg(o, OPT_DESTINATION);
	po->dataset_name = run_arg(o, OPT_DATASET);
	po->dev_mode = flag_of(run_arg(o, OPT_DEV_MODE));
	po->pipelines_dir = run_arg(o, OPT_PIPELINES_DIR);
	po->no_load_id = flag_of(run_arg(o, OPT_NO_LOAD_ID));
	po->memory_limit = run_arg(o, OPT_MEMORY_LIMIT);
	if (wait)
		po->wait_lock = strcmp(wait, "true") == 0    ? -1 /* as long as it takes */
				: strcmp(wait, "false") == 0 ? 0
							     : seconds_of(wait);
	po->workers = workers ? (unsigned)uint_of(workers) : 1;
	po->pipeline_name = run_arg(o, OPT_PIPELINE);
	if (!po->pipeline_name) {
		cli_default_pipeline_name(o->default_name, sizeof(o->default_name), o->url);
		po->pipeline_name = o->default_name;
	}
}

static int resolve_run(run_opts *o)
{
	const char *arg;

	resolve_pipeline(o);
	o->limit_chunks = (arg = run_arg(o, OPT_LIMIT_CHUNKS)) ? uint_of(arg) : 0;
	o->max_time = (arg = run_arg(o, OPT_MAX_TIME)) ? seconds_of(arg) : 0;
	o->retries = (arg = run_arg(o, OPT_RETRIES)) ? uint_of(arg) : 0;
	o->runs = (arg = run_arg(o, OPT_RUNS)) ? uint_of(arg) : 1;
	o->until_done = flag_of(run_arg(o, OPT_UNTIL_DONE));
	o->include_views = flag_of(run_arg(o, OPT_INCLUDE_VIEWS));
	arg = run_arg(o, OPT_PROGRESS);
	o->progress = arg ? (cli_progress_mode)enum_of(OPT_PROGRESS, arg) : CLI_PROGRESS_AUTO;
	if (o->until_done && o->runs > 1)
		return cli_usage(CMD, "options '--runs' and '--until-done' cannot be combined");
	/* the runs of one process read the same source: connecting once spares a handshake, a
	   login and the session setup per run */
	o->pipeline.keep_connections = o->until_done || o->runs > 1;
	return CLI_EXIT_OK;
}

/* Where the run comes from: a URL, a config file, or a pipeline's record. */
static int read_sources(run_opts *o)
{
	cli_config_sink sink = config_sink_of(o);

	if (o->positional && !strstr(o->positional, "://") && is_pipeline_name(o->positional))
		o->rerun = o->positional;
	if (o->rerun && o->config_path)
		return cli_usage(CMD, "a pipeline name ('%s') and --config cannot be combined",
				 o->rerun);
	if (o->config_path)
		return cli_config_read(&o->config, CMD, o->config_path, &sink);
	return o->rerun ? read_record(o) : CLI_EXIT_OK;
}

static int resolve_opts(run_opts *o)
{
	int code = read_sources(o);

	if (code != CLI_EXIT_OK)
		return code;
	o->url = o->rerun ? o->file_source : o->positional ? o->positional : o->file_source;
	if (!o->url && o->config_path)
		return cli_usage(CMD, "%s has no 'source' and no SOURCE_URL is given",
				 o->config_path);
	if (!o->url)
		return cli_usage(CMD, "pipeline '%s' as recorded has no source", o->rerun);
	code = resolve_tables(o);
	return code == CLI_EXIT_OK ? resolve_run(o) : code;
}

/* Parse argv into o; returns CLI_EXIT_OK, an exit code, or -1 when --help was printed. */
static int parse_args(run_opts *o, int argc, char **argv)
{
	cli_err err;
	int c;

	while ((c = cli_getopt(CMD, argc, argv, "t:h", long_options)) != -1) {
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (cli_option(o, c, optarg, &err) < 0)
			return cli_usage_err(CMD, &err);
	}
	if (optind < argc)
		o->positional = argv[optind++];
	if (!o->positional && !o->config_path)
		return cli_usage(CMD, "missing SOURCE_URL (or PIPELINE, or --config FILE)");
	if (optind < argc) {
		char quoted[128];
		cli_redact_url(quoted, sizeof(quoted), argv[optind]);
		return cli_usage(CMD, "unexpected argument '%s'", quoted);
	}
	return resolve_opts(o);
}

/* ---------------------------------------------------------------- building and running */

/* The run-wide settings of a source. */
static int configure_source(sl_source *src, const run_opts *o)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < o->nexcludes; i++)
		rc = sl_source_exclude(src, o->excludes[i]);
	if (rc == 0 && o->include_views)
		rc = sl_source_include_views(src, true);
	if (rc == 0 && o->limit_chunks > 0)
		rc = sl_source_add_limit(src, (size_t)o->limit_chunks);
	if (rc == 0 && o->max_time > 0)
		rc = sl_source_set_max_time(src, o->max_time);
	if (rc == 0 && o->retries > 0)
		rc = sl_source_set_retries(src, (unsigned)o->retries);
	return rc;
}

/* The source of the run: its selections (none: every table) with their hints in layers; the
   chunk size given for every table is the source's, a table's own is its hint. */
static int make_source(sl_source **out, const run_opts *o)
{
	const sel_list *t = o->tables;
	const char *chunk = hint_arg(o, NULL, OPT_CHUNK_SIZE);
	const char **names = calloc(t->count + 1, sizeof(*names));
	bool given;
	int rc;

	if (!names)
		return SL_ENOMEM;
	for (size_t i = 0; i < t->count; i++)
		names[i] = t->items[i].name;
	rc = sl_source_sql_database(out, o->url, t->count ? names : NULL,
				    chunk ? (size_t)uint_of(chunk) : 0);
	free(names);
	sl_table_hints h = hints_for(o, NULL, &given);
	if (rc == 0 && t->count == 0 && given)
		rc = sl_source_apply_hints(*out, "*", &h);
	for (size_t i = 0; rc == 0 && i < t->count; i++) {
		const selection *s = &t->items[i];
		h = hints_for(o, s, &given);
		if (given || s->dest)
			rc = sl_source_apply_hints(*out, s->name, &h);
	}
	return rc ? rc : configure_source(*out, o);
}

static bool is_pattern(const char *name)
{
	return strpbrk(name, "*?[") != NULL;
}

/* run.h's lookup: the selection a loaded table came from, for its line's cursor. */
static void table_info(void *ctx, const char *table, run_table_info *out)
{
	const run_opts *o = ctx;
	const selection *found = NULL;

	for (size_t i = 0; !found && i < o->tables->count; i++) {
		const selection *s = &o->tables->items[i];
		const char *dot = strrchr(s->name, '.');
		if ((s->dest && strcmp(s->dest, table) == 0) || strcmp(s->name, table) == 0 ||
		    (dot && strcmp(dot + 1, table) == 0))
			found = s;
	}
	for (size_t i = 0; !found && i < o->tables->count; i++) {
		const selection *s = &o->tables->items[i];
		if (is_pattern(s->name) && fnmatch(s->name, table, 0) == 0)
			found = s;
	}
	out->cursor = hint_arg(o, found, OPT_CURSOR);
	out->deletes = flag_of(hint_arg(o, found, OPT_SYNC_DELETES)) ||
		       hint_arg(o, found, OPT_HARD_DELETE_COLUMN);
}

/* "pipeline rfam: dataset rfam_data in duckdb:///..." — with --dev-mode the only place the
   suffixed dataset name shows. The destination may be a URL with a password. */
static void print_target(const sl_pipeline *p, const run_opts *o)
{
	char dest[512];

	cli_redact_url(dest, sizeof(dest), sl_pipeline_destination(p));
	printf("pipeline %s: dataset %s in %s\n", o->pipeline.pipeline_name,
	       sl_pipeline_dataset_name(p), dest);
	fflush(stdout);
}

static int run_pipeline(run_opts *o)
{
	sl_source *src = NULL;
	sl_pipeline *p = NULL;
	cli_progress progress;
	int code;

	cli_progress_init(&progress, o->progress, stderr);
	progress.parallel = o->pipeline.workers > 1;
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
		run_repeat repeat = {o->runs, o->until_done};
		code = run_loop(p, src, &repeat, &progress, table_info, o);
		cli_set_interruptible(NULL);
	}
	sl_pipeline_free(p);
	sl_source_free(src);
	return code;
}

int cmd_run(int argc, char **argv)
{
	run_opts o;

	memset(&o, 0, sizeof(o));
	o.pipeline = (sl_pipeline_options)SL_PIPELINE_OPTIONS_INIT;
	int code = parse_args(&o, argc, argv);
	if (code == CLI_EXIT_OK)
		code = run_pipeline(&o);
	sel_list_free(&o.cli_tables);
	sel_list_free(&o.file_tables);
	free(o.excludes);
	cli_config_free(o.config);
	return code < 0 ? CLI_EXIT_OK : code;
}
