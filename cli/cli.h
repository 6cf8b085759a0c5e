/*
 * cli.h — what the commands of the `sluice` program share: exit codes, the command entry points,
 * option parsing and error reporting (cli.c), row rendering (output.c) and the progress display
 * (progress.c). The CLI is a client of the public API in sluice.h only.
 */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include "args.h"
#include "sluice.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#if defined(__GNUC__)
#define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CLI_PRINTF(fmt, args)
#endif

/* Exit codes; docs/cli.md and `sluice --help` list them. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,	  /* the library reported an error */
	CLI_EXIT_USAGE = 2,	  /* bad command line */
	CLI_EXIT_INTERRUPTED = 3, /* SIGINT / SIGTERM, or SL_EINTERRUPTED */
	CLI_EXIT_LOCKED = 4	  /* SL_ELOCKED: another process holds the pipeline */
};

/* ---- commands (cmd_*.c): argv[0] is the command name; each returns an exit code ---------- */

int cmd_run(int argc, char **argv);
int cmd_tables(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_reset(int argc, char **argv);

/* ---- shared helpers (cli.c) ---------------------------------------------------------------- */

/* What cli_getopt returns for a bad option, after printing the usage error. */
#define CLI_OPT_ERROR (-2)

/* Option values without a short form start here, so they never clash with a character. */
#define CLI_OPT_LONG 256

/* Print "sluice CMD: MESSAGE" on stderr (one line) and return CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);

/* Print a parse error from args.c as a usage error; returns CLI_EXIT_USAGE. */
int cli_usage_err(const char *cmd, const cli_err *err);

/*
 * Report the library's last error for the failed call that returned `rc` as
 * "sluice: error: MESSAGE" on stderr and return the exit code for it (3 interrupted, 4 locked,
 * otherwise 1).
 */
int cli_fail(int rc);

/*
 * getopt_long with errors reported as one usage line naming the option: returns the option, -1
 * at the end, or CLI_OPT_ERROR. Options may follow positional arguments; "--" ends options.
 */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/*
 * Take exactly `count` positional arguments left after option parsing (argv[optind..]) into
 * out[], naming the first missing one from names[] or quoting (redacted) the first extra one.
 * Returns 0 or CLI_EXIT_USAGE.
 */
int cli_positionals(const char *cmd, int argc, char **argv, const char **out, int count,
		    const char *const *names);

/* Open a pipeline by name and its dataset; on failure reports it and returns the exit code. */
int cli_open_dataset(sl_pipeline **pipeline, sl_dataset **dataset, const char *name,
		     const char *pipelines_dir);

/* True once SIGINT or SIGTERM arrived (main.c installs the handlers). */
bool cli_interrupted(void);

/* The pipeline the signal handlers interrupt (sl_pipeline_interrupt), or NULL: set it after
   creating the pipeline and clear it before freeing it. */
void cli_set_interruptible(sl_pipeline *pipeline);

/* ---- rendering rows (output.c) ------------------------------------------------------------- */

typedef enum cli_format {
	CLI_FORMAT_TABLE,
	CLI_FORMAT_CSV,
	CLI_FORMAT_JSON,
	CLI_FORMAT_NDJSON
} cli_format;

/* The accepted spellings of --format. */
extern const cli_enum cli_formats[];

/*
 * Write the rows of `rows` to `out` in `format`: all of them, or at most `limit` when it is not
 * 0. When `more` is not NULL it tells whether rows were left at the limit (one more row is read
 * to know). Returns an exit code: 0, or after reporting the error on stderr (a failing
 * sl_rows_next, out of memory, a failed write) non-zero. docs/cli.md describes the formats.
 */
int cli_print_rows(FILE *out, sl_rows *rows, cli_format format, uint64_t limit, bool *more);

/* ---- progress display (progress.c) --------------------------------------------------------- */

typedef enum cli_progress_mode {
	CLI_PROGRESS_AUTO, /* bar when stderr is a terminal, else none */
	CLI_PROGRESS_BAR,  /* one line rewritten in place */
	CLI_PROGRESS_LOG,  /* one line per committed chunk */
	CLI_PROGRESS_NONE
} cli_progress_mode;

extern const cli_enum cli_progress_modes[];

/* The tables a bar line shows at once: those loading in parallel (--workers). */
#define CLI_PROGRESS_SLOTS 8

/* A table's last progress, for the bar line. */
typedef struct cli_progress_slot {
	char table[64];
	uint64_t rows_loaded;
	double at; /* when it was reported (monotonic seconds), 0: free */
} cli_progress_slot;

/* State of the display; owned by the caller, passed as sl_pipeline_options.progress_ctx. */
typedef struct cli_progress {
	cli_progress_mode mode; /* never AUTO after cli_progress_init */
	FILE *out;
	size_t last_len; /* length of the bar line on screen, 0 if none */
	char table[128]; /* the table of that line */
	bool parallel;	 /* tables load at once (--workers): one line shows them all */
	cli_progress_slot running[CLI_PROGRESS_SLOTS]; /* tables reported lately */
} cli_progress;

/* Resolve AUTO against `out` (a terminal or not). */
void cli_progress_init(cli_progress *progress, cli_progress_mode mode, FILE *out);

/* The sl_pipeline_options.on_progress callback; ctx is a cli_progress. */
void cli_progress_update(void *ctx, const sl_progress *progress);

/* End a bar line left on screen, so what follows starts on a fresh line. */
void cli_progress_end(cli_progress *progress);

#endif /* SLUICE_CLI_H */
