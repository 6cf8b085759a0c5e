/*
 * run_loop.c — running `sluice run`'s source: one run, N runs (--runs) or
 * until every table is exhausted (--until-done), reporting each run through run_summary.c.
 */
#include "run.h"

static bool all_exhausted(const sl_load_info *info)
{
	for (size_t i = 0; i < sl_load_info_table_count(info); i++) {
		const sl_table_load *l = sl_load_info_table(info, i);
		if (!l->exhausted && !l->error)
			return false;
	}
	return true;
}

static uint64_t rows_loaded(const sl_load_info *info)
{
	uint64_t n = 0;

	for (size_t i = 0; i < sl_load_info_table_count(info); i++)
		n += sl_load_info_table(info, i)->rows_loaded;
	return n;
}

/* One run's progress: whether every table is done, and the rows loaded. */
typedef struct run_result {
	bool exhausted;
	uint64_t rows;
} run_result;

/* After a successful run: CLI_EXIT_OK to go on, -1 to stop, else the exit code to stop with. */
static int next_step(const run_result *r, const run_repeat *o, uint64_t run)
{
	if (cli_interrupted()) {
		fprintf(stderr, "sluice: interrupted after run %llu\n", (unsigned long long)run);
		return CLI_EXIT_INTERRUPTED;
	}
	if (!o->until_done)
		return run < o->runs ? CLI_EXIT_OK : -1;
	if (r->exhausted)
		return -1;
	if (r->rows == 0) {
		/* the library promises progress while rows are left; do not spin if it breaks that */
		fprintf(stderr,
			"sluice: error: run %llu loaded no row but not every table is "
			"exhausted; stopping\n",
			(unsigned long long)run);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

/* Run one source once and report it; the exit code (0 when it went well). */
static int run_source(run_summary *s, run_result *r, sl_pipeline *p, sl_source *src,
		      cli_progress *progress)
{
	sl_load_info *info = NULL;
	int rc = sl_pipeline_run(&info, p, src);
	int code = CLI_EXIT_OK;

	cli_progress_end(progress);
	if (info && run_summary_report(s, info) != 0) {
		fputs("sluice: error: out of memory\n", stderr);
		code = CLI_EXIT_FAILURE;
	} else if (rc < 0) {
		/* with the load info, the failed tables are on stdout and the first one here */
		code = cli_fail(rc);
	} else {
		r->exhausted = r->exhausted && all_exhausted(info);
		r->rows += rows_loaded(info);
	}
	sl_load_info_free(info);
	return code;
}

int run_loop(sl_pipeline *p, sl_source *src, const run_repeat *repeat, cli_progress *progress,
	     run_table_lookup lookup, void *lookup_ctx)
{
	run_summary s = {.multi = repeat->until_done || repeat->runs > 1, .lookup = lookup};
	int code = CLI_EXIT_OK;

	s.lookup_ctx = lookup_ctx;
	for (uint64_t run = 1; code == CLI_EXIT_OK; run++) {
		run_result r = {true, 0};
		run_summary_begin(&s);
		code = run_source(&s, &r, p, src, progress);
		if (code == CLI_EXIT_OK)
			code = next_step(&r, repeat, run);
	}
	if (s.multi && s.runs > 0)
		run_summary_totals(&s);
	run_summary_free(&s);
	return code < 0 ? CLI_EXIT_OK : code;
}
