/*
 * args.h — the pure parsing helpers of the sluice CLI: numbers, durations, sizes, enum options,
 * URL redaction and the default pipeline name. No I/O and no libsluice calls, so
 * tests/unit/test_cli_parse.c can compile args.c on its own.
 */
#ifndef SLUICE_CLI_ARGS_H
#define SLUICE_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* A parse error: one line naming the option and quoting (redacted) what was given. */
typedef struct cli_err {
	char msg[256];
} cli_err;

/* One accepted spelling of an enum option; tables end with {NULL, 0}. */
typedef struct cli_enum {
	const char *name;
	int value;
} cli_enum;

/*
 * A decimal integer in [min, max]: digits only, no sign, no spaces. `opt` ("--chunk-size") names
 * the option in the error. Returns 0, or -1 with err->msg set.
 */
int cli_parse_uint(uint64_t *out, const char *opt, const char *text, uint64_t min, uint64_t max,
		   cli_err *err);

/* A non-negative decimal number ("3", "0.5"), kept as text by callers that pass it on. */
int cli_parse_decimal(double *out, const char *opt, const char *text, cli_err *err);

/*
 * A duration greater than zero, in seconds: a bare number of seconds ("90", "2.5") or number+unit
 * parts with units d, h, m, s, ms in descending order, each at most once ("10m", "1h30m", "2.5h").
 */
int cli_parse_duration(double *out, const char *opt, const char *text, cli_err *err);

/* A memory size as DuckDB's memory_limit takes it: a number and a unit ("256MB", "2 GiB"). */
int cli_check_size(const char *opt, const char *text, cli_err *err);

/* One of `values` by exact name; the error lists the accepted names. */
int cli_parse_enum(int *out, const char *opt, const char *text, const cli_enum *values,
		   cli_err *err);

/*
 * Copy `text` to `out` (size `outlen` > 0, always NUL-terminated, truncated if need be) with any
 * URL password replaced by "***": the part between the first ':' after "scheme://" and the last
 * '@', and the values of password=, passwd= and pwd= query parameters. Text that is not a URL is
 * copied as is.
 */
void cli_redact_url(char *out, size_t outlen, const char *text);

/*
 * The default pipeline name for a source URL: the database name's basename without extension,
 * lower-cased, characters outside [a-z0-9_-] made '_', '_' trimmed at both ends
 * ("mysql://u@h/Rfam" -> "rfam", "sqlite:///x/rfam.db" -> "rfam"); "sluice" if nothing is left.
 */
void cli_default_pipeline_name(char *out, size_t outlen, const char *url);

#endif /* SLUICE_CLI_ARGS_H */
