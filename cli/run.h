/*
 * run.h — what the files of `sluice run` share: the run summary printed on stdout
 * (run_summary.c) and the loop that runs the source and feeds it (run_loop.c).
 */
#ifndef SLUICE_CLI_RUN_H
#define SLUICE_CLI_RUN_H

#include "cli.h"

/* How a table's line reads: the cursor it names and whether it counts deleted rows. */
typedef struct run_table_info {
	const char *cursor; /* NULL: the line says "last value = ..." */
	bool deletes;	    /* sync_deletes or a hard-delete column: "N rows deleted" */
} run_table_info;

/* Fills `out` for a loaded table (the name in its load info). */
typedef void (*run_table_lookup)(void *ctx, const char *table, run_table_info *out);

typedef struct run_total run_total;

/* The lines printed so far and the figures summed over runs for the totals. */
typedef struct run_summary {
	run_total *tables; /* one per table seen, owned */
	size_t count;
	uint64_t runs;	   /* runs begun */
	bool multi;	   /* several runs: lines start "run K: " and end with the load id */
	unsigned failures; /* tables that failed, in every run */
	run_table_lookup lookup;
	void *lookup_ctx;
} run_summary;

/* Start run K+1 (its lines say "run K+1: " when multi). */
void run_summary_begin(run_summary *s);

/*
 * Print the lines of one sl_pipeline_run (a table each, its warnings on stderr, schema changes,
 * "TABLE: failed: MESSAGE" for a table that failed) and add them to the totals. Returns -1 when
 * out of memory.
 */
int run_summary_report(run_summary *s, const sl_load_info *info);

/* With several runs, "total (N runs): ..." per table. */
void run_summary_totals(const run_summary *s);

void run_summary_free(run_summary *s);

/* How often to run (run_loop.c). */
typedef struct run_repeat {
	uint64_t runs;	 /* at least 1 */
	bool until_done; /* instead: until every table is exhausted */
} run_repeat;

/*
 * Run `src` into `p` as `repeat` says, printing the summary (`lookup` labels the tables' lines);
 * stops at the first failure. Returns the exit code.
 */
int run_loop(sl_pipeline *p, sl_source *src, const run_repeat *repeat, cli_progress *progress,
	     run_table_lookup lookup, void *lookup_ctx);

#endif /* SLUICE_CLI_RUN_H */
