/*
 * test_pipeline_faults.c — sl_pipeline_interrupt and the pipeline lock through the public API,
 * deterministically: the progress callback (called after each commit) interrupts the run or,
 * while the run holds the lock, tries a second run of the same pipeline. Source: a SQLite file
 * built here; destinations: DuckDB files and, for the advisory lock, the PostgreSQL server of
 * scripts/run-tests (SLUICE_TEST_PG_URL; the test fails without it).
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

#define ROWS  10000
#define CHUNK 1000

static const char *const tables[] = {"events", NULL};

/* events(id, created, payload): ROWS rows, created = 10 * id. */
static void make_source(void)
{
	sqlite3 *db;
	unlink("faults.db");
	assert_int_equal(sqlite3_open("faults.db", &db), SQLITE_OK);
	const char *sql =
		"PRAGMA synchronous = OFF;"
		"CREATE TABLE events (id INTEGER PRIMARY KEY, created INTEGER NOT NULL,"
		" payload TEXT);"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)"
		" INSERT INTO events SELECT i, 10 * i, 'row ' || i FROM n;";
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("building faults.db: %s", err);
	sqlite3_close(db);
}

static sl_source *new_source(void)
{
	sl_source *src;
	if (sl_source_sql_database(&src, "sqlite:///faults.db", tables, CHUNK))
		fail_msg("source: %s", sl_error_last()->message);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.incremental.cursor_path = "created";
	assert_int_equal(sl_source_apply_hints(src, "events", &h), 0);
	return src;
}

typedef struct callback {
	sl_pipeline *self;  /* the running pipeline */
	sl_pipeline *other; /* a second pipeline of the same name, run from the callback */
	bool interrupt;	    /* interrupt self after its first commit */
	int other_rc;
	char other_message[1024];
	int reset_rc;
	size_t calls;
} callback;

static void on_progress(void *ctx, const sl_progress *progress)
{
	callback *cb = ctx;
	(void)progress;
	if (cb->calls++ > 0)
		return;
	if (cb->interrupt)
		sl_pipeline_interrupt(cb->self);
	if (cb->other) {
		sl_source *src = new_source();
		cb->other_rc = sl_pipeline_run(NULL, cb->other, src);
		snprintf(cb->other_message, sizeof(cb->other_message), "%s",
			 sl_error_last()->message);
		cb->reset_rc = sl_pipeline_reset(cb->other, "events", false);
		sl_source_free(src);
	}
}

static sl_pipeline *new_pipeline(const char *dest, const char *dataset, const char *dir,
				 callback *cb, double wait_lock)
{
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = "faults";
	o.destination = dest;
	o.dataset_name = dataset;
	o.pipelines_dir = dir;
	o.wait_lock = wait_lock;
	if (cb) {
		o.on_progress = on_progress;
		o.progress_ctx = cb;
	}
	sl_pipeline *p;
	if (sl_pipeline_new(&p, &o))
		fail_msg("pipeline: %s", sl_error_last()->message);
	if (cb)
		cb->self = p;
	return p;
}

/* The one text value of `sql` on the pipeline's dataset (caller frees). */
static char *query_text(sl_pipeline *p, const char *sql)
{
	sl_dataset *ds;
	sl_rows *rows;
	if (sl_pipeline_dataset(&ds, p))
		fail_msg("dataset: %s", sl_error_last()->message);
	if (sl_dataset_query(&rows, ds, sql))
		fail_msg("%s: %s", sql, sl_error_last()->message);
	assert_int_equal(sl_rows_next(rows), 1);
	const char *t = sl_rows_text(rows, 0, NULL);
	char *out = strdup(t ? t : "NULL");
	sl_rows_free(rows);
	sl_dataset_free(ds);
	return out;
}

static void assert_query(sl_pipeline *p, const char *sql, const char *expected)
{
	char *got = query_text(p, sql);
	if (strcmp(got, expected) != 0)
		fail_msg("%s: expected %s, got %s", sql, expected, got);
	free(got);
}

/* The destination holds each of the source's ROWS rows exactly once. */
static void assert_every_row_once(sl_pipeline *p)
{
	assert_query(p,
		     "SELECT COUNT(*) || ',' || COUNT(DISTINCT id) || ',' || SUM(id) FROM events",
		     "10000,10000,50005000");
}

/* The run ends after one more batch: chunk 2 (one batch of 1000 rows) is read, rolled back. */
static void test_interrupt_after_a_commit(void **state)
{
	(void)state;
	make_source();
	callback cb = {.interrupt = true};
	sl_pipeline *p = new_pipeline("interrupt.duckdb", "ds", "pipelines", &cb, 0);
	sl_source *src = new_source();
	sl_load_info *info = (sl_load_info *)1;
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_EINTERRUPTED);
	assert_int_equal(sl_load_info_table(info, 0)->error, SL_EINTERRUPTED);
	assert_int_equal(sl_load_info_table(info, 0)->rows_loaded, 1000);
	sl_load_info_free(info);
	assert_string_equal(sl_error_last()->message,
			    "interrupted: the open chunk of table 'events' was rolled back (1000 "
			    "rows read); 1 chunk (1000 rows) committed in this run stay");
	assert_query(p, "SELECT COUNT(*) || ',' || MAX(id) FROM events", "1000,1000");
	assert_query(p, "SELECT status || ',' || rows || ',' || chunks FROM _sluice_loads",
		     "interrupted,1000,1");

	/* consumed: the next run goes on from the committed chunk to the end */
	cb.interrupt = false;
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	assert_int_equal(sl_load_info_table(info, 0)->rows_loaded, ROWS - 1000);
	assert_true(sl_load_info_table(info, 0)->exhausted);
	sl_load_info_free(info);
	assert_every_row_once(p);
	sl_source_free(src);
	sl_pipeline_free(p);
}

static void source_exec(const char *sql)
{
	sqlite3 *db;
	char *err = NULL;
	assert_int_equal(sqlite3_open("faults.db", &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

/*
 * A value the source cannot decode, met on the thread that reads SQLite ahead: the run fails with
 * that thread's error and message, the open chunk is rolled back and the chunks before it stay.
 * SQLite sorts TEXT after numbers, so the bad row is the last one read.
 */
static void test_reader_thread_error(void **state)
{
	(void)state;
	make_source();
	source_exec("UPDATE events SET created = 'oops' WHERE id = 5500");
	sl_pipeline *p = new_pipeline("reader.duckdb", "ds", "pipelines", NULL, 0);
	sl_source *src = new_source();
	sl_load_info *info = NULL;
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_ETYPE);
	assert_int_equal(sl_load_info_table(info, 0)->error, SL_ETYPE);
	sl_load_info_free(info);
	const char *m = sl_error_last()->message;
	if (!strstr(m, "column 'created'") || !strstr(m, "rowid 5500") || !strstr(m, "'oops'"))
		fail_msg("unexpected message: %s", m);
	assert_query(p, "SELECT COUNT(*) || ',' || MAX(created) FROM events", "9000,90010");

	/* mended, with a cursor after the ones loaded: the next run goes on to the end */
	source_exec("UPDATE events SET created = 100005 WHERE id = 5500");
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	sl_load_info_free(info);
	assert_every_row_once(p);
	sl_source_free(src);
	sl_pipeline_free(p);
}

/* An interrupt made between runs stops the next one before it writes a row, once. */
static void test_interrupt_before_a_run(void **state)
{
	(void)state;
	make_source();
	sl_pipeline *p = new_pipeline("early.duckdb", "ds", "pipelines", NULL, 0);
	sl_source *src = new_source();
	sl_pipeline_interrupt(p);
	assert_int_equal(sl_pipeline_run(NULL, p, src), SL_EINTERRUPTED);
	assert_non_null(
		strstr(sl_error_last()->message, "interrupted before table 'events' started"));
	assert_query(p,
		     "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'events'",
		     "0"); /* not even created */
	assert_int_equal(sl_pipeline_run(NULL, p, src), 0);
	assert_query(p, "SELECT COUNT(*) FROM events", "10000");
	sl_source_free(src);
	sl_pipeline_free(p);
}

/* While a run holds the pipeline, a second run (another handle of the same name and pipelines
   directory) and a reset are refused, also after waiting, and succeed once it is done. */
static void test_second_run_refused(void **state)
{
	(void)state;
	make_source();
	sl_pipeline *other = new_pipeline("second.duckdb", "ds", "pipelines", NULL, 0);
	callback cb = {.other = other};
	sl_pipeline *p = new_pipeline("first.duckdb", "ds", "pipelines", &cb, 0);
	sl_source *src = new_source();
	assert_int_equal(sl_pipeline_run(NULL, p, src), 0);
	assert_int_equal(cb.other_rc, SL_ELOCKED);
	char expected[128];
	snprintf(expected, sizeof(expected),
		 "pipeline 'faults' is locked by another run: pid %ld on ", (long)getpid());
	if (strncmp(cb.other_message, expected, strlen(expected)) != 0)
		fail_msg("expected '%s...', got '%s'", expected, cb.other_message);
	assert_int_equal(cb.reset_rc, SL_ELOCKED);

	/* the first run is over: its lock is gone */
	assert_int_equal(sl_pipeline_run(NULL, other, src), 0);
	assert_query(other, "SELECT COUNT(*) FROM events", "10000");
	assert_int_equal(sl_pipeline_reset(other, "events", false), 0);
	sl_pipeline_free(other);

	/* waiting a bounded time, then giving up */
	other = new_pipeline("third.duckdb", "ds", "pipelines", NULL, 0.2);
	cb = (callback){.other = other};
	assert_int_equal(sl_pipeline_reset(p, "events", false), 0);
	assert_int_equal(sl_pipeline_run(NULL, p, src), 0);
	assert_int_equal(cb.other_rc, SL_ELOCKED);
	assert_non_null(strstr(cb.other_message, "(waited 0."));
	sl_pipeline_free(other);

	/* waiting without a limit stops on an interrupt */
	other = new_pipeline("fourth.duckdb", "ds", "pipelines", NULL, -1);
	sl_pipeline_interrupt(other);
	cb = (callback){.other = other};
	assert_int_equal(sl_pipeline_reset(p, "events", false), 0);
	assert_int_equal(sl_pipeline_run(NULL, p, src), 0);
	assert_int_equal(cb.other_rc, SL_EINTERRUPTED);
	assert_non_null(
		strstr(cb.other_message, "interrupted while waiting for pipeline 'faults'"));
	sl_pipeline_free(other);
	sl_source_free(src);
	sl_pipeline_free(p);
}

/* Two machines (two pipelines directories) sharing a PostgreSQL destination: the advisory lock. */
static void test_postgres_advisory_lock(void **state)
{
	(void)state;
	const char *pg = getenv("SLUICE_TEST_PG_URL");
	if (!pg || !*pg)
		fail_msg("SLUICE_TEST_PG_URL is not set (run the tests with scripts/run-tests)");
	make_source();
	char dataset[64];
	snprintf(dataset, sizeof(dataset), "faults_lock_%ld", (long)getpid());
	sl_pipeline *other = new_pipeline(pg, dataset, "machine-b", NULL, 0);
	callback cb = {.other = other};
	sl_pipeline *p = new_pipeline(pg, dataset, "machine-a", &cb, 0);
	sl_source *src = new_source();
	assert_int_equal(sl_pipeline_run(NULL, p, src), 0);
	assert_int_equal(cb.other_rc, SL_ELOCKED);
	char expected[128];
	snprintf(
		expected, sizeof(expected),
		"pipeline 'faults' is locked by another run: 'sluice pid %ld' (PostgreSQL backend ",
		(long)getpid());
	if (strncmp(cb.other_message, expected, strlen(expected)) != 0)
		fail_msg("expected '%s...', got '%s'", expected, cb.other_message);
	assert_int_equal(sl_pipeline_run(NULL, other, src), 0); /* released at the end of the run */
	assert_query(p, "SELECT COUNT(*) FROM events", "10000");

	char drop[128];
	snprintf(drop, sizeof(drop), "DROP SCHEMA %s CASCADE", dataset);
	sl_dataset *ds;
	sl_rows *rows;
	assert_int_equal(sl_pipeline_dataset(&ds, p), 0);
	if (sl_dataset_query(&rows, ds, drop) == 0)
		sl_rows_free(rows);
	sl_dataset_free(ds);
	sl_source_free(src);
	sl_pipeline_free(other);
	sl_pipeline_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interrupt_after_a_commit),
		cmocka_unit_test(test_interrupt_before_a_run),
		cmocka_unit_test(test_reader_thread_error),
		cmocka_unit_test(test_second_run_refused),
		cmocka_unit_test(test_postgres_advisory_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
