/*
 * backfill_in_chunks.c — dlt's "Backfilling in chunks" example, line by line, in C.
 *
 * Loads the Rfam `family` table in chunks of 1000 rows, one chunk per pipeline run, incrementally
 * on the `created` column, into DuckDB, and checks after each run that the destination holds the
 * expected number of rows, each rfam_id once: 1000, 1999, 2998, 3997, then all 4178.
 *
 *     backfill_in_chunks [SOURCE_URL] [DESTINATION]
 *
 * SOURCE_URL defaults to the public Rfam server of the original example, which needs network
 * access; the tests pass the Rfam-like fixture in a local MariaDB or SQLite file instead.
 */
#include <sluice.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* NOTE: this is a live table in the rfam database, so the number of final rows may change */
#define TOTAL_TABLE_ROWS       4178
#define RFAM_CONNECTION_STRING "mysql+pymysql://rfamro@mysql-rfam-public.ebi.ac.uk:4497/Rfam"

static int fail(const char *what)
{
	fprintf(stderr, "backfill_in_chunks: %s: %s\n", what, sl_error_last()->message);
	return 1;
}

/* Assert that the table has the correct number of unique rows. */
static int assert_unique_row_count(sl_pipeline *pipeline, uint64_t num_rows)
{
	sl_dataset *dataset;
	sl_rows *rows;
	if (sl_pipeline_dataset(&dataset, pipeline))
		return fail("dataset");
	if (sl_dataset_query(&rows, dataset,
			     "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family")) {
		sl_dataset_free(dataset);
		return fail("query");
	}
	int64_t count = -1, unique = -1;
	if (sl_rows_next(rows) == 1) {
		sl_rows_int64(&count, rows, 0);
		sl_rows_int64(&unique, rows, 1);
	}
	sl_rows_free(rows);
	sl_dataset_free(dataset);
	printf("family: %" PRId64 " rows, %" PRId64 " unique rfam_id (expected %" PRIu64 ")\n",
	       count, unique, num_rows);
	if (count != (int64_t)num_rows || unique != (int64_t)num_rows) {
		fprintf(stderr, "backfill_in_chunks: expected %" PRIu64 " unique rows\n", num_rows);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *url = argc > 1 ? argv[1] : RFAM_CONNECTION_STRING;
	const char *destination = argc > 2 ? argv[2] : "duckdb";

	/* create sql database source that only loads the family table in chunks of 1000 rows */
	const char *tables[] = {"family", NULL};
	sl_source *source;
	if (sl_source_sql_database(&source, url, tables, 1000))
		return fail("source");

	/* we apply some hints to the table, we know the rfam_id is unique and that we can order
	   and load incrementally on the created datetime column */
	sl_table_hints hints = SL_TABLE_HINTS_INIT;
	hints.primary_key = "rfam_id";
	hints.incremental.cursor_path = "created";
	hints.incremental.initial_value = NULL;
	hints.incremental.row_order = SL_ROW_ORDER_ASC;
	if (sl_source_apply_hints(source, "family", &hints))
		return fail("hints");

	/* with limit we can limit the number of chunks to load, with a chunk size of 1000 and a
	   limit of 1 we will load 1000 rows per pipeline run */
	sl_source_add_limit(source, 1);

	/* create pipeline */
	sl_pipeline_options options = SL_PIPELINE_OPTIONS_INIT;
	options.pipeline_name = "rfam";
	options.destination = destination;
	options.dataset_name = "rfam_data";
	options.dev_mode = true;
	sl_pipeline *pipeline;
	if (sl_pipeline_new(&pipeline, &options))
		return fail("pipeline");
	printf("dataset: %s\n", sl_pipeline_dataset_name(pipeline));

	/* after the first run, the family table should contain the first 1000 rows; after the
	   second 1999: there is some overlap on the incremental to prevent skipping rows; the final
	   run loads all the rows until the end of the table */
	const uint64_t expected[] = {1000, 1999, 2998, 3997, TOTAL_TABLE_ROWS};
	int status = 0;
	for (size_t run = 0; run < sizeof(expected) / sizeof(expected[0]) && !status; run++) {
		if (sl_pipeline_run(NULL, pipeline, source))
			status = fail("run");
		else
			status = assert_unique_row_count(pipeline, expected[run]);
	}

	sl_pipeline_free(pipeline);
	sl_source_free(source);
	return status;
}
