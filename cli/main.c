/*
 * main.c — the `sluice` program: the table of commands, the global options (--help, --version)
 * and the signal handlers. Each command lives in its own cmd_*.c and returns an exit code.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

typedef struct cli_command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
	bool catch_signals; /* stop the current run cleanly on SIGINT/SIGTERM, not die at once */
} cli_command;

static const cli_command commands[] = {
	{"run", cmd_run, "copy tables from a source database into the destination", true},
	{"tables", cmd_tables, "list a pipeline's tables and their row counts", false},
	{"show", cmd_show, "print the rows of a loaded table", false},
	{"sql", cmd_sql, "run a SQL query on a pipeline's dataset", false},
	{"status", cmd_status, "how far each table has come against its source", false},
	{"state", cmd_state, "print a pipeline's incremental state as JSON", false},
	{"reset", cmd_reset, "forget incremental state (and optionally loaded rows)", false},
	{NULL, NULL, NULL, false},
};

/* The only global mutable state, shared with the signal handler: the flag it sets (read between
   runs), the pipeline it interrupts, and whether to acknowledge on a terminal. */
static volatile sig_atomic_t interrupted;
static sl_pipeline *volatile interruptible;
static bool tell_terminal;

bool cli_interrupted(void)
{
	return interrupted != 0;
}

void cli_set_interruptible(sl_pipeline *pipeline)
{
	interruptible = pipeline;
}

static void on_signal(int sig)
{
	static const char note[] = "\nsluice: interrupted: rolling back the open chunk "
				   "(committed chunks are kept); interrupt again to stop at once\n";
	sl_pipeline *p = interruptible;
	int saved_errno = errno; /* the code the signal stopped may be about to read it */

	(void)sig;
	interrupted = 1;
	if (p)
		sl_pipeline_interrupt(p); /* async-signal-safe: a flag, and shutdown(2) of a
					     source socket a blocked read waits on */
	/* scripts and logs get the one line of the run's end; a person at a terminal an answer now */
	if (tell_terminal) {
		ssize_t written = write(STDERR_FILENO, note, sizeof(note) - 1);
		(void)written;
	}
	errno = saved_errno;
}

/* The first signal interrupts the run; SA_RESETHAND lets a second one end the process. That is
   safe: each chunk commits with its state, so at worst the open chunk is lost with the process. */
static void catch_signals(void)
{
	struct sigaction sa;

	tell_terminal = isatty(STDERR_FILENO) == 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void print_help(void)
{
	fputs("usage: sluice COMMAND [ARGS...]\n"
	      "       sluice --version | --help | help COMMAND\n"
	      "\n"
	      "Copy tables from SQL databases (MySQL/MariaDB, SQLite, PostgreSQL) into DuckDB,\n"
	      "in chunks, incrementally and resumably.\n"
	      "\n"
	      "commands:\n",
	      stdout);
	for (const cli_command *c = commands; c->name; c++)
		printf("  %-8s %s\n", c->name, c->summary);
	fputs("\n"
	      "Run 'sluice COMMAND --help' for a command's options.\n"
	      "\n"
	      "exit codes:\n"
	      "  0  success\n"
	      "  1  runtime failure (the error is printed as 'sluice: error: ...')\n"
	      "  2  usage error (bad command line)\n"
	      "  3  interrupted (SIGINT/SIGTERM)\n"
	      "  4  the pipeline is locked by another process\n",
	      stdout);
}

static const cli_command *find_command(const char *name)
{
	for (const cli_command *c = commands; c->name; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

/* Shared by "unknown command" and "help COMMAND": quote the name without a URL password. */
static int unknown_command(const char *name)
{
	char quoted[128];

	cli_redact_url(quoted, sizeof(quoted), name);
	fprintf(stderr, "sluice: unknown command '%s' (see 'sluice --help')\n", quoted);
	return CLI_EXIT_USAGE;
}

/* "sluice help [COMMAND]": the program's help, or the command's own --help. */
static int help_command(int argc, char **argv)
{
	char help_opt[] = "--help";
	const cli_command *c;

	if (argc < 3) {
		print_help();
		return CLI_EXIT_OK;
	}
	c = find_command(argv[2]);
	if (!c)
		return unknown_command(argv[2]);
	char *args[] = {argv[2], help_opt, NULL};
	return c->main(2, args);
}

int main(int argc, char **argv)
{
	const cli_command *c;

	if (argc < 2) {
		fputs("sluice: missing command (see 'sluice --help')\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_help();
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sluice %s (DuckDB %s)\n", sl_version(), sl_destination_library_version());
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help_command(argc, argv);
	c = find_command(argv[1]);
	if (!c && argv[1][0] == '-') {
		char quoted[128];
		cli_redact_url(quoted, sizeof(quoted), argv[1]);
		fprintf(stderr, "sluice: unknown option '%s' (see 'sluice --help')\n", quoted);
		return CLI_EXIT_USAGE;
	}
	if (!c)
		return unknown_command(argv[1]);
	if (c->catch_signals)
		catch_signals();
	/* Past a file size limit (ulimit -f) write() fails with EFBIG, which the destination reports
	   and rolls back, instead of SIGXFSZ killing the process without a word. */
	signal(SIGXFSZ, SIG_IGN);
	return c->main(argc - 1, argv + 1);
}
