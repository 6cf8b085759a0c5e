/*
 * config.h — reading a `sluice run --config FILE` (YAML): the document's keys are handed one by
 * one to the command that reads it, which checks and keeps them. The reader knows the file's
 * shape (a mapping; `tables` a mapping of selections to mappings, or a list of selections; list
 * values) and nothing of what the keys mean, so the checks are the command line's own.
 */
#ifndef SLUICE_CLI_CONFIG_H
#define SLUICE_CLI_CONFIG_H

#include "args.h"

#include <stdbool.h>
#include <stddef.h>

/* Where the keys go. Every string handed over is owned by the cli_config and lives until
   cli_config_free. */
typedef struct cli_config_sink {
	void *ctx;
	/* A selection of `tables` (a table name or glob pattern, maybe "T:DEST"), before its
	   keys. 0, or -1 with err set. */
	int (*table)(void *ctx, const char *table, cli_err *err);
	/* `key` (as written, "chunk_size") = `value`, for every table and the run (`table` NULL)
	   or for the selection `table`. The items of a list come one call each for the keys
	   cli_config_repeated() names, joined with ',' ("a,b") for the column keys (columns,
	   exclude_columns, primary_key, merge_key); other keys take no list. 0, or -1 with err
	   set (the message names the key; the reader adds where the value is), -2 when the key
	   itself is wrong (the reader points at the key). */
	int (*set)(void *ctx, const char *table, const char *key, const char *value, cli_err *err);
} cli_config_sink;

typedef struct cli_config cli_config;

/*
 * Parse `text` (`len` bytes; YAML, so JSON too) named `name` in messages, handing its keys to
 * `sink`. With `expand_env`, "${VAR}" in a value is replaced by the environment's VAR (unset:
 * an error naming it). On any error prints one line "sluice CMD: NAME:LINE:COLUMN: MESSAGE" on
 * stderr and returns CLI_EXIT_USAGE (or CLI_EXIT_FAILURE when out of memory), *out NULL.
 * Returns 0 with *out owning every string handed over.
 */
int cli_config_parse(cli_config **out, const char *cmd, const char *name, const char *text,
		     size_t len, bool expand_env, const cli_config_sink *sink);

/* Read the file `path` and parse it as above, with ${VAR} expanded. A file that cannot be read
   is a usage error too ("FILE: No such file or directory"). */
int cli_config_read(cli_config **out, const char *cmd, const char *path,
		    const cli_config_sink *sink);

void cli_config_free(cli_config *config);

/* Whether `key`'s list items are handed over one by one ("exclude") rather than joined. */
bool cli_config_repeated(const char *key);

#endif /* SLUICE_CLI_CONFIG_H */
