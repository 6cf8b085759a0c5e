/*
 * run_summary.c — the lines `sluice run` prints on stdout: one per table and run, the tables
 * that failed, and with several runs a total per table (see run.h; docs/cli.md shows them).
 * Existing scripts read these lines, so their wording stays.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif

#include "run.h"

#include <stdlib.h>
#include <string.h>

/* A table's figures summed over runs; the strings are owned copies. */
struct run_total {
	sl_table_load sum; /* table and last_value point to the copies below */
	char *table;
	char *last_value;
};

void run_summary_free(run_summary *s)
{
	for (size_t i = 0; i < s->count; i++) {
		free(s->tables[i].table);
		free(s->tables[i].last_value);
	}
	free(s->tables);
	s->tables = NULL;
	s->count = 0;
}

static run_total *total_for(run_summary *s, const char *table)
{
	run_total *grown;

	for (size_t i = 0; i < s->count; i++) {
		if (strcmp(s->tables[i].table, table) == 0)
			return &s->tables[i];
	}
	grown = realloc(s->tables, (s->count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	s->tables = grown;
	grown += s->count;
	memset(grown, 0, sizeof(*grown));
	grown->table = strdup(table);
	if (!grown->table)
		return NULL;
	grown->sum.table = grown->table;
	s->count++;
	return grown;
}

static int add_load(run_summary *s, const sl_table_load *l)
{
	run_total *tt = total_for(s, l->table);

	if (!tt)
		return -1;
	tt->sum.rows_extracted += l->rows_extracted;
	tt->sum.rows_loaded += l->rows_loaded;
	tt->sum.chunks += l->chunks;
	tt->sum.rows_deleted += l->rows_deleted;
	tt->sum.seconds += l->seconds;
	tt->sum.exhausted = l->exhausted;
	if (l->last_value) {
		char *copy = strdup(l->last_value);
		if (!copy)
			return -1;
		free(tt->last_value);
		tt->last_value = copy;
		tt->sum.last_value = copy;
	}
	return 0;
}

/* "family: 1000 rows loaded (1000 read) in 1 chunk, 0.21 s, 4762 rows/s, last created = ...";
   the rows deleted too when the hints delete rows. */
static void print_load(const run_summary *s, const char *prefix, const sl_table_load *l,
		       const char *load_id)
{
	run_table_info info = {NULL, false};

	s->lookup(s->lookup_ctx, l->table, &info);
	printf("%s%s: %llu rows loaded (%llu read) in %llu chunk%s, %.2f s", prefix, l->table,
	       (unsigned long long)l->rows_loaded, (unsigned long long)l->rows_extracted,
	       (unsigned long long)l->chunks, l->chunks == 1 ? "" : "s", l->seconds);
	if (l->seconds > 0)
		printf(", %.0f rows/s", (double)l->rows_loaded / l->seconds);
	if (l->last_value)
		printf(", last %s = %s", info.cursor ? info.cursor : "value", l->last_value);
	if (l->rows_deleted || info.deletes)
		printf(", %llu row%s deleted", (unsigned long long)l->rows_deleted,
		       l->rows_deleted == 1 ? "" : "s");
	printf(", %s", l->exhausted ? "all rows loaded" : "more rows left");
	if (load_id)
		printf(" (load %s)", load_id);
	putchar('\n');
}

/* The source's warnings (values loaded as NULL, types loaded as text), one line each. */
static void print_warnings(const sl_table_load *l)
{
	for (const char *w = l->warnings; w && *w;) {
		size_t n = strcspn(w, "\n");
		fprintf(stderr, "sluice: warning: %.*s\n", (int)n, w);
		w += n + (w[n] == '\n');
	}
}

void run_summary_begin(run_summary *s)
{
	s->runs++;
}

int run_summary_report(run_summary *s, const sl_load_info *info)
{
	const char *load_id = sl_load_info_load_id(info);
	char prefix[32] = "";

	if (s->multi)
		snprintf(prefix, sizeof(prefix), "run %llu: ", (unsigned long long)s->runs);
	for (size_t i = 0; i < sl_load_info_table_count(info); i++) {
		const sl_table_load *l = sl_load_info_table(info, i);
		if (l->error) {
			/* a failed table's committed chunks stay; its message is one line */
			printf("%s%s: failed: %s\n", prefix, l->table,
			       l->error_message ? l->error_message : sl_strerror(l->error));
			s->failures++;
		} else {
			print_load(s, prefix, l, s->multi ? load_id : NULL);
		}
		print_warnings(l);
		if (l->schema_changes)
			printf("%s%s: schema changes %s\n", prefix, l->table, l->schema_changes);
		if (add_load(s, l) != 0)
			return -1;
	}
	if (!s->multi && load_id)
		printf("load id: %s\n", load_id);
	fflush(stdout);
	return 0;
}

void run_summary_totals(const run_summary *s)
{
	char prefix[48];

	snprintf(prefix, sizeof(prefix), "total (%llu run%s): ", (unsigned long long)s->runs,
		 s->runs == 1 ? "" : "s");
	for (size_t i = 0; i < s->count; i++)
		print_load(s, prefix, &s->tables[i].sum, NULL);
}
