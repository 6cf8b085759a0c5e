/*
 * test_table_names.c — which destination table (and state) a source table loads into, through
 * the public API: the table_name hint, two tables that would share a destination table (refused
 * before the destination is touched), and hints structs of version 1, which end before
 * table_name. Source: a SQLite file built here; destination: DuckDB files. MariaDB and
 * PostgreSQL schemas, and a PostgreSQL destination: tests/cli/test_cli_same_name.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice.h"

/* events(id, created): 100 rows; other(id, created): 30 rows. */
static int setup(void **state)
{
	(void)state;
	sqlite3 *db;
	unlink("names.db");
	assert_int_equal(sqlite3_open("names.db", &db), SQLITE_OK);
	const char *sql =
		"CREATE TABLE events (id INTEGER PRIMARY KEY, created INTEGER NOT NULL);"
		"CREATE TABLE other (id INTEGER PRIMARY KEY, created INTEGER NOT NULL);"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
		" INSERT INTO events SELECT i, i FROM n;"
		"INSERT INTO other SELECT id, created FROM events WHERE id <= 30;";
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("building names.db: %s", err);
	sqlite3_close(db);
	return 0;
}

static sl_source *new_source(const char *const *tables)
{
	sl_source *src;
	if (sl_source_sql_database(&src, "sqlite:///names.db", tables, 0))
		fail_msg("source: %s", sl_error_last()->message);
	return src;
}

static sl_pipeline *new_pipeline(const char *name)
{
	char dest[64];
	snprintf(dest, sizeof(dest), "%s.duckdb", name);
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = name;
	o.destination = dest;
	sl_pipeline *p;
	if (sl_pipeline_new(&p, &o))
		fail_msg("pipeline: %s", sl_error_last()->message);
	return p;
}

static void assert_query(sl_pipeline *p, const char *sql, const char *expected)
{
	sl_dataset *ds;
	sl_rows *rows;
	if (sl_pipeline_dataset(&ds, p))
		fail_msg("dataset: %s", sl_error_last()->message);
	if (sl_dataset_query(&rows, ds, sql))
		fail_msg("%s: %s", sql, sl_error_last()->message);
	assert_int_equal(sl_rows_next(rows), 1);
	const char *got = sl_rows_text(rows, 0, NULL);
	if (!got || strcmp(got, expected) != 0)
		fail_msg("%s: expected %s, got %s", sql, expected, got ? got : "NULL");
	sl_rows_free(rows);
	sl_dataset_free(ds);
}

/* The hint names the destination table and the state; the next run resumes from that state. */
static void test_table_name_hint(void **state)
{
	(void)state;
	const char *tables[] = {"events", NULL};
	sl_source *src = new_source(tables);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.incremental.cursor_path = "created";
	h.table_name = "events_copy";
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_OK);
	sl_pipeline *p = new_pipeline("hint");
	sl_load_info *info;
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_OK);
	assert_string_equal(sl_load_info_table(info, 0)->table, "events_copy");
	assert_int_equal(sl_load_info_table(info, 0)->rows_loaded, 100);
	sl_load_info_free(info);
	assert_query(p, "SELECT COUNT(*) FROM events_copy", "100");
	assert_query(p,
		     "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'events'",
		     "0");
	char *json;
	assert_int_equal(sl_pipeline_state_json(&json, p), SL_OK);
	assert_non_null(strstr(json, "\"events_copy\""));
	sl_free(json);

	/* the state is found under the new name: nothing is loaded twice */
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_OK);
	assert_int_equal(sl_load_info_table(info, 0)->rows_loaded, 0);
	sl_load_info_free(info);
	assert_query(p, "SELECT COUNT(*) FROM events_copy", "100");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* One table under two spellings, or a hint naming another table's destination: refused before
   the destination is opened (its file is not even created). */
static void test_shared_destination_refused(void **state)
{
	(void)state;
	const char *spellings[] = {"events", "main.events", NULL};
	sl_source *src = new_source(spellings);
	sl_pipeline *p = new_pipeline("shared");
	assert_int_equal(sl_pipeline_run(NULL, p, src), SL_EINVAL);
	assert_string_equal(sl_error_last()->message,
			    "tables 'events' and 'main.events' would both load into destination "
			    "table 'events' and share its state: give one another name (--table "
			    "main.events:NAME, or the table_name hint)");
	assert_int_equal(access("shared.duckdb", F_OK), -1);
	sl_source_free(src);

	const char *two[] = {"events", "other", NULL};
	src = new_source(two);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.table_name = "EVENTS"; /* DuckDB's names ignore case */
	assert_int_equal(sl_source_apply_hints(src, "other", &h), SL_OK);
	assert_int_equal(sl_pipeline_run(NULL, p, src), SL_EINVAL);
	assert_non_null(strstr(sl_error_last()->message, "'events' and 'other' would both load "
							 "into destination table 'EVENTS'"));
	assert_int_equal(access("shared.duckdb", F_OK), -1);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* The layout of sl_table_hints version 1, as a program built against it passes it. */
typedef struct hints_v1 {
	unsigned version;
	const char *primary_key;
	sl_incremental incremental;
	sl_write_disposition write_disposition;
} hints_v1;

static void test_hints_version_1(void **state)
{
	(void)state;
	const char *tables[] = {"other", NULL};
	sl_source *src = new_source(tables);
	/* on the heap, of its own size: ASan sees a read past it */
	hints_v1 *v1 = calloc(1, sizeof(*v1));
	assert_non_null(v1);
	*v1 = (hints_v1){1, NULL, SL_INCREMENTAL_INIT, SL_WRITE_APPEND};
	v1->incremental.cursor_path = "created";
	assert_int_equal(sl_source_apply_hints(src, "other", (const sl_table_hints *)v1), SL_OK);
	free(v1);
	sl_pipeline *p = new_pipeline("v1");
	assert_int_equal(sl_pipeline_run(NULL, p, src), SL_OK);
	assert_query(p, "SELECT COUNT(*) FROM other", "30");

	sl_table_hints future = SL_TABLE_HINTS_INIT;
	future.version = SL_TABLE_HINTS_VERSION + 1;
	assert_int_equal(sl_source_apply_hints(src, "other", &future), SL_EINVAL);
	sl_table_hints empty = SL_TABLE_HINTS_INIT;
	empty.table_name = "";
	assert_int_equal(sl_source_apply_hints(src, "other", &empty), SL_EINVAL);
	assert_string_equal(sl_error_last()->message,
			    "table 'other': empty destination table name");
	sl_pipeline_free(p);
	sl_source_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_name_hint),
		cmocka_unit_test(test_shared_destination_refused),
		cmocka_unit_test(test_hints_version_1),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
