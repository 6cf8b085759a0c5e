/*
 * cli.c — helpers every command uses: option parsing with precise usage errors, positional
 * arguments, reporting the library's errors with the right exit code, opening a pipeline.
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sluice %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

int cli_usage_err(const char *cmd, const cli_err *err)
{
	return cli_usage(cmd, "%s", err->msg);
}

int cli_fail(int rc)
{
	const sl_error *err = sl_error_last();
	int code = rc < 0 ? rc : err->code;
	const char *msg = err->code != SL_OK && err->message[0] ? err->message : sl_strerror(code);

	/* keep it one line even if a driver's message spans several */
	fputs("sluice: error: ", stderr);
	for (const char *p = msg; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
	fputc('\n', stderr);
	if (code == SL_EINTERRUPTED)
		return CLI_EXIT_INTERRUPTED;
	if (code == SL_ELOCKED)
		return CLI_EXIT_LOCKED;
	return CLI_EXIT_FAILURE;
}

static const struct option *long_option_by_val(const struct option *longopts, int val)
{
	for (; longopts->name; longopts++) {
		if (longopts->flag == NULL && longopts->val == val)
			return longopts;
	}
	return NULL;
}

static int missing_argument(const char *cmd, char **argv, const struct option *longopts)
{
	const struct option *opt = long_option_by_val(longopts, optopt);
	const char *given = argv[optind - 1];

	if (strncmp(given, "--", 2) == 0 && opt)
		return cli_usage(cmd, "option '--%s' needs a value", opt->name);
	return cli_usage(cmd, "option '-%c' needs a value", optopt);
}

static int bad_option(const char *cmd, char **argv, const struct option *longopts)
{
	const struct option *opt = optopt ? long_option_by_val(longopts, optopt) : NULL;
	char quoted[128];

	if (optopt == 0) { /* an unknown or ambiguous long option; optind is past it */
		cli_redact_url(quoted, sizeof(quoted), argv[optind - 1]);
		return cli_usage(cmd, "unknown option '%s'", quoted);
	}
	if (opt && opt->has_arg == no_argument && optopt >= CLI_OPT_LONG)
		return cli_usage(cmd, "option '--%s' takes no value", opt->name);
	if (optopt > ' ' && optopt < 127)
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown option");
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char spec[64];
	int c;

	/* a leading ':' makes getopt tell a missing value (':') from an unknown option ('?') */
	snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c == ':')
		missing_argument(cmd, argv, longopts);
	else if (c == '?')
		bad_option(cmd, argv, longopts);
	return c == ':' || c == '?' ? CLI_OPT_ERROR : c;
}

int cli_positionals(const char *cmd, int argc, char **argv, const char **out, int count,
		    const char *const *names)
{
	int given = argc - optind;
	char quoted[128];

	if (given < count)
		return cli_usage(cmd, "missing %s", names[given]);
	if (given > count) {
		cli_redact_url(quoted, sizeof(quoted), argv[optind + count]);
		return cli_usage(cmd, "unexpected argument '%s'", quoted);
	}
	for (int i = 0; i < count; i++)
		out[i] = argv[optind + i];
	return 0;
}

int cli_open_dataset(sl_pipeline **pipeline, sl_dataset **dataset, const char *name,
		     const char *pipelines_dir)
{
	int rc = sl_pipeline_open(pipeline, name, pipelines_dir);

	if (rc < 0)
		return cli_fail(rc);
	rc = sl_pipeline_dataset(dataset, *pipeline);
	if (rc < 0) {
		int code = cli_fail(rc);
		sl_pipeline_free(*pipeline);
		*pipeline = NULL;
		return code;
	}
	return CLI_EXIT_OK;
}
