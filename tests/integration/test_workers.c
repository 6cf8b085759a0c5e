/*
 * test_workers.c — tables loaded in parallel (sl_pipeline_options.workers) through the public
 * API: every row exactly once with 1, 2 and 4 workers, incremental runs after, a table that
 * fails while the others finish (its error in the load info, the run's return code, the next
 * run continuing it), an interrupt that stops every worker with their committed chunks kept,
 * and a MariaDB source into a PostgreSQL destination when the harness's servers are up.
 * SQLite sources are built here; destinations are DuckDB files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <mysql.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice.h"

#define NTABLES	 12
#define BIG_ROWS 60000

/* Rows of table t%02d: table 0 is the big one, the others 100 * (i + 1). */
static int table_rows(int i)
{
	return i == 0 ? BIG_ROWS : 100 * (i + 1);
}

static void sqlite_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

/* t00..t11 (id, created, note), `created` = id; plus `bad` whose cursor is NULL from row 500. */
static void build_source(const char *file)
{
	sqlite3 *db;
	unlink(file);
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	char sql[512];
	for (int i = 0; i < NTABLES; i++) {
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE t%02d (id INTEGER PRIMARY KEY, created INTEGER, note TEXT);"
			 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
			 "%d)"
			 " INSERT INTO t%02d SELECT i, i, 'row ' || i FROM n;",
			 i, table_rows(i), i);
		sqlite_exec(db, sql);
	}
	sqlite_exec(db,
		    "CREATE TABLE bad (id INTEGER PRIMARY KEY, created INTEGER, note TEXT);"
		    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
		    "1000) INSERT INTO bad SELECT i, CASE WHEN i < 500 THEN i END, 'x' FROM n;");
	sqlite3_close(db);
}

static void add_rows(const char *file, const char *table, int from, int to)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
		 " INSERT INTO %s SELECT i, i, 'new ' || i FROM n;",
		 from, to, table);
	sqlite_exec(db, sql);
	sqlite3_close(db);
}

/* The source of `tables` (NULL-terminated) with a cursor on `created` and 1000-row chunks. */
static sl_source *new_source(const char *url, const char *const *tables)
{
	sl_source *src;
	if (sl_source_sql_database(&src, url, tables, 1000))
		fail_msg("source: %s", sl_error_last()->message);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.incremental.cursor_path = "created";
	for (size_t i = 0; tables[i]; i++) {
		if (sl_source_apply_hints(src, tables[i], &h))
			fail_msg("hints: %s", sl_error_last()->message);
	}
	return src;
}

static sl_pipeline *new_pipeline(const char *name, const char *dest, unsigned workers,
				 void (*on_progress)(void *, const sl_progress *), void *ctx)
{
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = name;
	o.destination = dest;
	o.workers = workers;
	o.on_progress = on_progress;
	o.progress_ctx = ctx;
	sl_pipeline *p;
	if (sl_pipeline_new(&p, &o))
		fail_msg("pipeline: %s", sl_error_last()->message);
	return p;
}

/* The first column of the first row of `sql` in the pipeline's dataset, as a number. */
static long long query_number(sl_pipeline *p, const char *sql)
{
	sl_dataset *ds;
	sl_rows *rows;
	if (sl_pipeline_dataset(&ds, p))
		fail_msg("dataset: %s", sl_error_last()->message);
	if (sl_dataset_query(&rows, ds, sql))
		fail_msg("%s: %s", sql, sl_error_last()->message);
	assert_int_equal(sl_rows_next(rows), 1);
	int64_t v = 0;
	if (sl_rows_int64(&v, rows, 0))
		fail_msg("%s: not a number", sql);
	sl_rows_free(rows);
	sl_dataset_free(ds);
	return (long long)v;
}

/* Every table holds each source row exactly once. */
static void assert_tables(sl_pipeline *p, int extra_in_t05)
{
	char sql[256];
	for (int i = 0; i < NTABLES; i++) {
		long long want = table_rows(i) + (i == 5 ? extra_in_t05 : 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM t%02d", i);
		assert_int_equal(query_number(p, sql), want);
		snprintf(sql, sizeof(sql), "SELECT count(DISTINCT id) FROM t%02d", i);
		assert_int_equal(query_number(p, sql), want);
	}
}

static const char *const all_tables[] = {"t00", "t01", "t02", "t03", "t04", "t05", "t06",
					 "t07", "t08", "t09", "t10", "t11", NULL};

static uint64_t loaded(const sl_load_info *info)
{
	uint64_t n = 0;
	for (size_t i = 0; i < sl_load_info_table_count(info); i++) {
		assert_int_equal(sl_load_info_table(info, i)->error, 0);
		n += sl_load_info_table(info, i)->rows_loaded;
	}
	return n;
}

/* The threads the progress callback was called on (at most 8 told apart). */
typedef struct threads_seen {
	pthread_t ids[8];
	size_t n;
} threads_seen;

static void note_thread(void *ctx, const sl_progress *progress)
{
	threads_seen *seen = ctx;
	(void)progress;
	for (size_t i = 0; i < seen->n; i++) {
		if (pthread_equal(seen->ids[i], pthread_self()))
			return;
	}
	if (seen->n < 8)
		seen->ids[seen->n++] = pthread_self();
}

/* 1, 2 and 4 workers load the same rows; the next runs load only the new ones. */
static void test_all_rows_once(void **state)
{
	(void)state;
	build_source("par.db");
	uint64_t total = 0;
	for (int i = 0; i < NTABLES; i++)
		total += (uint64_t)table_rows(i);
	const unsigned workers[] = {1, 2, 4};
	for (size_t w = 0; w < 3; w++) {
		char name[32], dest[48];
		snprintf(name, sizeof(name), "par%u", workers[w]);
		snprintf(dest, sizeof(dest), "%s.duckdb", name);
		sl_source *src = new_source("sqlite:///par.db", all_tables);
		threads_seen seen = {.n = 0};
		sl_pipeline *p = new_pipeline(name, dest, workers[w], note_thread, &seen);
		sl_load_info *info = NULL;
		if (sl_pipeline_run(&info, p, src))
			fail_msg("run with %u workers: %s", workers[w], sl_error_last()->message);
		/* the big table keeps one worker busy while the others take the rest */
		assert_int_equal(seen.n, workers[w]);
		assert_int_equal(sl_load_info_table_count(info), NTABLES);
		for (int i = 0; i < NTABLES; i++)
			assert_string_equal(sl_load_info_table(info, (size_t)i)->table,
					    all_tables[i]);
		assert_int_equal(loaded(info), total);
		sl_load_info_free(info);
		assert_tables(p, 0);
		assert_int_equal(sl_pipeline_run(&info, p, src), 0);
		assert_int_equal(loaded(info), 0);
		sl_load_info_free(info);
		sl_pipeline_free(p);
		sl_source_free(src);
	}
	/* rows added to one table reach only that table */
	add_rows("par.db", "t05", 1001, 1250);
	sl_source *src = new_source("sqlite:///par.db", all_tables);
	sl_pipeline *p = new_pipeline("par4", "par4.duckdb", 4, NULL, NULL);
	sl_load_info *info = NULL;
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	assert_int_equal(loaded(info), 250);
	sl_load_info_free(info);
	assert_tables(p, 250);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* A files destination: each worker opens the directory again (no open_sibling), each table its
   own directory and state file; every row once, and the next runs load only new ones. */
static void test_files_workers(void **state)
{
	(void)state;
	build_source("files.db");
	uint64_t total = 0;
	for (int i = 0; i < NTABLES; i++)
		total += (uint64_t)table_rows(i);
	char cwd[512], dest[600];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(dest, sizeof(dest), "file://%s/files_out", cwd);
	sl_source *src = new_source("sqlite:///files.db", all_tables);
	threads_seen seen = {.n = 0};
	sl_pipeline *p = new_pipeline("files3", dest, 3, note_thread, &seen);
	sl_load_info *info = NULL;
	if (sl_pipeline_run(&info, p, src))
		fail_msg("run into files with 3 workers: %s", sl_error_last()->message);
	assert_int_equal(seen.n, 3);
	assert_int_equal(loaded(info), total);
	sl_load_info_free(info);
	assert_tables(p, 0);
	add_rows("files.db", "t05", 1001, 1250);
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	assert_int_equal(loaded(info), 250);
	sl_load_info_free(info);
	assert_tables(p, 250);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* `bad` fails on its NULL cursor; the other tables load in full, with 1 and 3 workers. */
static void test_one_table_fails(void **state)
{
	(void)state;
	build_source("fail.db");
	const char *const tables[] = {"t01", "bad", "t02", "t03", "t00", NULL};
	for (unsigned workers = 1; workers <= 3; workers += 2) {
		char name[32], dest[48];
		snprintf(name, sizeof(name), "fail%u", workers);
		snprintf(dest, sizeof(dest), "%s.duckdb", name);
		sl_source *src = new_source("sqlite:///fail.db", tables);
		sl_pipeline *p = new_pipeline(name, dest, workers, NULL, NULL);
		sl_load_info *info = NULL;
		int rc = sl_pipeline_run(&info, p, src);
		assert_true(rc < 0);
		assert_non_null(strstr(sl_error_last()->message, "bad"));
		assert_non_null(info);
		assert_int_equal(sl_load_info_table_count(info), 5);
		for (size_t i = 0; i < 5; i++) {
			const sl_table_load *t = sl_load_info_table(info, i);
			if (strcmp(t->table, "bad") == 0) {
				assert_int_equal(t->error, rc);
				assert_non_null(strstr(t->error_message, "created"));
			} else {
				assert_int_equal(t->error, 0);
				assert_null(t->error_message);
				assert_true(t->exhausted);
			}
		}
		sl_load_info_free(info);
		assert_int_equal(query_number(p, "SELECT count(*) FROM t00"), BIG_ROWS);
		assert_int_equal(query_number(p, "SELECT count(*) FROM t03"), 400);
		/* the failed table's committed chunks stay; its next run fails again, alone */
		assert_int_equal(sl_pipeline_run(&info, p, src), rc);
		for (size_t i = 0; i < 5; i++)
			assert_int_equal(sl_load_info_table(info, i)->rows_loaded, 0);
		sl_load_info_free(info);
		sl_pipeline_free(p);
		sl_source_free(src);
	}
}

typedef struct interrupter {
	sl_pipeline *p;
	int chunks;
} interrupter;

static void interrupt_after_chunks(void *ctx, const sl_progress *progress)
{
	interrupter *in = ctx;
	(void)progress;
	if (++in->chunks == 20)
		sl_pipeline_interrupt(in->p);
}

/* An interrupt stops every worker; what they committed stays and the next run completes it. */
static void test_interrupt(void **state)
{
	(void)state;
	build_source("intr.db");
	interrupter in = {NULL, 0};
	sl_source *src = new_source("sqlite:///intr.db", all_tables);
	sl_pipeline *p = new_pipeline("intr", "intr.duckdb", 3, interrupt_after_chunks, &in);
	in.p = p;
	sl_load_info *info = NULL;
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_EINTERRUPTED);
	assert_non_null(info);
	uint64_t first = 0;
	size_t stopped = 0;
	for (size_t i = 0; i < sl_load_info_table_count(info); i++) {
		const sl_table_load *t = sl_load_info_table(info, i);
		first += t->rows_loaded;
		stopped += t->error == SL_EINTERRUPTED;
		assert_true(t->error == 0 || t->error == SL_EINTERRUPTED);
	}
	assert_true(stopped > 0);
	sl_load_info_free(info);
	in.chunks = -1000000; /* no more interrupts */
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	uint64_t total = 0;
	for (int i = 0; i < NTABLES; i++)
		total += (uint64_t)table_rows(i);
	assert_int_equal(first + loaded(info), total);
	sl_load_info_free(info);
	assert_tables(p, 0);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- MariaDB into PostgreSQL ---------------------------------------------------------------- */

static void mysql_exec(MYSQL *db, const char *sql)
{
	if (mysql_query(db, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(db));
}

/* w0..w5 in the MariaDB test database, 2000 * (i + 1) rows each. */
static void build_mysql_tables(const char *url)
{
	char host[128], user[64], pw[128], dbname[64];
	unsigned port;
	if (sscanf(url, "mysql://%63[^:]:%127[^@]@%127[^:]:%u/%63[^?]", user, pw, host, &port,
		   dbname) != 5)
		fail_msg("cannot read SLUICE_TEST_MYSQL_URL");
	MYSQL *db = mysql_init(NULL);
	if (!mysql_real_connect(db, host, user, pw, dbname, port, NULL, 0))
		fail_msg("mysql: %s", mysql_error(db));
	char sql[512];
	for (int i = 0; i < 6; i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS w%d", i);
		mysql_exec(db, sql);
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE w%d (id INT PRIMARY KEY, created INT, note VARCHAR(40))", i);
		mysql_exec(db, sql);
		snprintf(sql, sizeof(sql),
			 "INSERT INTO w%d SELECT seq, seq, CONCAT('row ', seq) FROM seq_1_to_%d", i,
			 2000 * (i + 1));
		mysql_exec(db, sql);
	}
	mysql_close(db);
}

static void test_mysql_into_postgres(void **state)
{
	(void)state;
	const char *my = getenv("SLUICE_TEST_MYSQL_URL");
	const char *pg = getenv("SLUICE_TEST_PG_URL");
	if (!my || !*my || !pg || !*pg)
		fail_msg("SLUICE_TEST_MYSQL_URL and SLUICE_TEST_PG_URL must be set "
			 "(scripts/run-tests)");
	build_mysql_tables(my);
	const char *const tables[] = {"w0", "w1", "w2", "w3", "w4", "w5", NULL};
	sl_source *src = new_source(my, tables);
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = "workers_pg";
	o.destination = pg;
	o.dataset_name = "workers_pg_data";
	o.workers = 3;
	sl_pipeline *p;
	if (sl_pipeline_new(&p, &o))
		fail_msg("pipeline: %s", sl_error_last()->message);
	sl_load_info *info = NULL;
	if (sl_pipeline_run(&info, p, src))
		fail_msg("run: %s", sl_error_last()->message);
	assert_int_equal(loaded(info), 2000 * 21);
	sl_load_info_free(info);
	char sql[128];
	for (int i = 0; i < 6; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(DISTINCT id) FROM w%d", i);
		assert_int_equal(query_number(p, sql), 2000 * (i + 1));
	}
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	assert_int_equal(loaded(info), 0);
	sl_load_info_free(info);
	assert_int_equal(query_number(p, "SELECT count(*) FROM _sluice_state WHERE pipeline_name = "
					 "'workers_pg'"),
			 6);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* A version 1 options struct (before `workers`) still loads, one table at a time. */
static void test_options_v1(void **state)
{
	(void)state;
	build_source("v1.db");
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.version = 1;
	o.pipeline_name = "v1";
	o.destination = "v1.duckdb";
	sl_pipeline_options *heap = malloc(offsetof(sl_pipeline_options, workers));
	memcpy(heap, &o, offsetof(sl_pipeline_options, workers));
	sl_pipeline *p;
	if (sl_pipeline_new(&p, heap))
		fail_msg("pipeline: %s", sl_error_last()->message);
	free(heap);
	const char *const tables[] = {"t01", "t02", NULL};
	sl_source *src = new_source("sqlite:///v1.db", tables);
	sl_load_info *info = NULL;
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	assert_int_equal(loaded(info), 500);
	sl_load_info_free(info);
	sl_pipeline_free(p);
	sl_source_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_rows_once), cmocka_unit_test(test_one_table_fails),
		cmocka_unit_test(test_interrupt),     cmocka_unit_test(test_mysql_into_postgres),
		cmocka_unit_test(test_options_v1),    cmocka_unit_test(test_files_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
