/*
 * test_select.c — which tables and columns a source loads, through the public API against real
 * servers: every table of a MariaDB database of 25 tables and a view (views only when included
 * or named), glob patterns on "table" and "db.table", exclusions, a pattern that matches nothing
 * (the destination is not even created), the hints of an exact name over a pattern's,
 * PostgreSQL's schema option (partitions load through their parent), every table of a SQLite
 * file (and its status), the columns and exclude_columns hints, and hints structs of version 2.
 * What was loaded is read back from the DuckDB destination: table lists, row counts, columns.
 */
#define _GNU_SOURCE /* vasprintf */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "url.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MY_DATABASE "sl_select"
#define PG_SCHEMA   "sl_sel"

/* ---- helpers ------------------------------------------------------------------------------- */

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *out = NULL;
	if (vasprintf(&out, fmt, ap) < 0)
		fail_msg("out of memory");
	va_end(ap);
	return out;
}

static const char *env_url(const char *name)
{
	const char *url = getenv(name);
	if (!url || !*url)
		fail_msg("%s is not set; run the tests with scripts/run-tests", name);
	return url;
}

/* The MariaDB test URL with `db` as its database. */
static char *my_url(const char *db)
{
	const char *url = env_url("SLUICE_TEST_MYSQL_URL");
	const char *slash = strchr(strstr(url, "://") + 3, '/');
	size_t host_end = slash ? (size_t)(slash - url) : strlen(url);
	return xprintf("%.*s/%s", (int)host_end, url, db);
}

static MYSQL *my_connect(void)
{
	sl_url *u;
	if (sl_url_parse(&u, env_url("SLUICE_TEST_MYSQL_URL")))
		fail_msg("bad SLUICE_TEST_MYSQL_URL: %s", sl_error_last()->message);
	MYSQL *db = mysql_init(NULL);
	assert_non_null(db);
	if (!mysql_real_connect(db, u->host, u->user, u->password, NULL, (unsigned)u->port, NULL,
				0))
		fail_msg("cannot connect to MariaDB: %s", mysql_error(db));
	sl_url_free(u);
	return db;
}

static void my_exec(MYSQL *db, const char *sql)
{
	if (mysql_query(db, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(db));
	MYSQL_RES *r = mysql_store_result(db);
	if (r)
		mysql_free_result(r);
}

static void pg_exec(const char *sql)
{
	PGconn *db = PQconnectdb(env_url("SLUICE_TEST_PG_URL"));
	if (PQstatus(db) != CONNECTION_OK)
		fail_msg("cannot connect to PostgreSQL: %s", PQerrorMessage(db));
	PGresult *r = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%.200s: %s", sql, PQerrorMessage(db));
	PQclear(r);
	PQfinish(db);
}

static sl_source *new_source(const char *url, const char *const *tables)
{
	sl_source *src;
	if (sl_source_sql_database(&src, url, tables, 0))
		fail_msg("source: %s", sl_error_last()->message);
	return src;
}

/* A pipeline into NAME.duckdb, without the load id column so that column lists are the
   source's. */
static sl_pipeline *new_pipeline(const char *name)
{
	char dest[64];
	snprintf(dest, sizeof(dest), "%s.duckdb", name);
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = name;
	o.destination = dest;
	o.no_load_id = true;
	sl_pipeline *p;
	if (sl_pipeline_new(&p, &o))
		fail_msg("pipeline: %s", sl_error_last()->message);
	return p;
}

static void run_ok(sl_pipeline *p, sl_source *src, size_t ntables)
{
	sl_load_info *info;
	if (sl_pipeline_run(&info, p, src))
		fail_msg("run: %s", sl_error_last()->message);
	assert_int_equal(sl_load_info_table_count(info), ntables);
	sl_load_info_free(info);
}

/* The one value `sql` answers in the pipeline's dataset. */
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

/* The dataset's tables (sluice's own left out), comma-separated by name. */
static void assert_tables(sl_pipeline *p, const char *expected)
{
	assert_query(p,
		     "SELECT COALESCE(string_agg(table_name, ',' ORDER BY table_name), '') FROM "
		     "information_schema.tables WHERE table_schema = current_schema() AND NOT "
		     "starts_with(table_name, '_sluice')",
		     expected);
}

/* A destination table's columns, in order. */
static void assert_columns(sl_pipeline *p, const char *table, const char *expected)
{
	char *sql = xprintf("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
			    "information_schema.columns WHERE table_schema = current_schema() "
			    "AND table_name = '%s'",
			    table);
	assert_query(p, sql, expected);
	free(sql);
}

static void assert_count(sl_pipeline *p, const char *table, const char *expected)
{
	char *sql = xprintf("SELECT COUNT(*) FROM \"%s\"", table);
	assert_query(p, sql, expected);
	free(sql);
}

/* The run fails with `code` and `message` before the destination is touched. */
static void assert_refused(const char *name, sl_source *src, int code, const char *message)
{
	sl_pipeline *p = new_pipeline(name);
	assert_int_equal(sl_pipeline_run(NULL, p, src), code);
	assert_string_equal(sl_error_last()->message, message);
	char file[64];
	snprintf(file, sizeof(file), "%s.duckdb", name);
	assert_int_equal(access(file, F_OK), -1);
	sl_pipeline_free(p);
}

/* ---- MariaDB: 25 tables and a view ----------------------------------------------------------- */

/*
 * t01..t20 (id, v) with 1..20 rows; events (id, kind, msg, secret, updated_at) with 50 rows;
 * ev_log and evening (id, msg, extra) with 7 and 3 rows; audit_2023 and audit_2024 (id) with
 * 2 rows each; the view v_events over events.
 */
static int my_setup(void **state)
{
	(void)state;
	if (!getenv("SLUICE_TEST_MYSQL_URL"))
		return 0; /* every test then fails with the reason */
	MYSQL *db = my_connect();
	my_exec(db, "DROP DATABASE IF EXISTS " MY_DATABASE);
	my_exec(db, "CREATE DATABASE " MY_DATABASE);
	my_exec(db, "USE " MY_DATABASE);
	for (int i = 1; i <= 20; i++) {
		char *sql = xprintf("CREATE TABLE t%02d (id INT PRIMARY KEY, v VARCHAR(20))", i);
		my_exec(db, sql);
		free(sql);
		sql = xprintf("INSERT INTO t%02d SELECT seq, CONCAT('v', seq) FROM seq_1_to_%d", i,
			      i);
		my_exec(db, sql);
		free(sql);
	}
	my_exec(db, "CREATE TABLE events (id INT PRIMARY KEY, kind VARCHAR(10), msg TEXT, "
		    "secret VARCHAR(20), updated_at DATETIME NOT NULL)");
	my_exec(db, "INSERT INTO events SELECT seq, IF(seq % 2, 'odd', 'even'), CONCAT('m', seq), "
		    "'hunter2', '2024-01-01' + INTERVAL seq MINUTE FROM seq_1_to_50");
	my_exec(db, "CREATE TABLE ev_log (id INT PRIMARY KEY, msg TEXT, extra INT)");
	my_exec(db, "INSERT INTO ev_log SELECT seq, 'x', seq FROM seq_1_to_7");
	my_exec(db, "CREATE TABLE evening (id INT PRIMARY KEY, msg TEXT, extra INT)");
	my_exec(db, "INSERT INTO evening SELECT seq, 'y', seq FROM seq_1_to_3");
	my_exec(db, "CREATE TABLE audit_2023 (id INT PRIMARY KEY)");
	my_exec(db, "CREATE TABLE audit_2024 (id INT PRIMARY KEY)");
	my_exec(db, "INSERT INTO audit_2023 VALUES (1), (2)");
	my_exec(db, "INSERT INTO audit_2024 VALUES (1), (2)");
	my_exec(db, "CREATE VIEW v_events AS SELECT id, kind FROM events");
	mysql_close(db);
	return 0;
}

static int my_teardown(void **state)
{
	(void)state;
	if (!getenv("SLUICE_TEST_MYSQL_URL"))
		return 0;
	MYSQL *db = my_connect();
	my_exec(db, "DROP DATABASE IF EXISTS " MY_DATABASE);
	mysql_close(db);
	return 0;
}

static sl_source *my_source(const char *const *tables)
{
	char *url = my_url(MY_DATABASE);
	sl_source *src = new_source(url, tables);
	free(url);
	return src;
}

#define ALL_25                                                                                 \
	"audit_2023,audit_2024,ev_log,evening,events,t01,t02,t03,t04,t05,t06,t07,t08,t09,t10," \
	"t11,t12,t13,t14,t15,t16,t17,t18,t19,t20"

/* No table names: every base table, sorted by name, the view left out. */
static void test_my_every_table(void **state)
{
	(void)state;
	sl_source *src = my_source(NULL);
	sl_pipeline *p = new_pipeline("every");
	sl_load_info *info;
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_OK);
	assert_int_equal(sl_load_info_table_count(info), 25);
	assert_string_equal(sl_load_info_table(info, 0)->table, "audit_2023");
	assert_string_equal(sl_load_info_table(info, 4)->table, "events");
	assert_int_equal(sl_load_info_table(info, 4)->rows_loaded, 50);
	assert_string_equal(sl_load_info_table(info, 24)->table, "t20");
	assert_int_equal(sl_load_info_table(info, 24)->rows_loaded, 20);
	sl_load_info_free(info);
	assert_tables(p, ALL_25);
	assert_count(p, "t07", "7");
	assert_count(p, "events", "50");
	assert_query(p,
		     "SELECT SUM(n) FROM (SELECT COUNT(*) AS n FROM t01 UNION ALL SELECT "
		     "COUNT(*) FROM t13 UNION ALL SELECT COUNT(*) FROM evening)",
		     "17");

	/* the selection is "*": hints go to it, and a second run loads nothing new */
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.write_disposition = SL_WRITE_APPEND;
	h.incremental.cursor_path = "id";
	assert_int_equal(sl_source_apply_hints(src, "*", &h), SL_OK);
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_ENOTFOUND);
	sl_pipeline_free(p);
	p = new_pipeline("every_inc");
	run_ok(p, src, 25);
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_OK);
	for (size_t i = 0; i < 25; i++)
		assert_int_equal(sl_load_info_table(info, i)->rows_loaded, 0);
	sl_load_info_free(info);
	assert_count(p, "t20", "20");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* A view loads when named, or through "*" and patterns with include_views. */
static void test_my_views(void **state)
{
	(void)state;
	const char *named[] = {"v_events", NULL};
	sl_source *src = my_source(named);
	sl_pipeline *p = new_pipeline("view_named");
	run_ok(p, src, 1);
	assert_count(p, "v_events", "50");
	sl_pipeline_free(p);
	sl_source_free(src);

	const char *pattern[] = {"v_*", NULL};
	src = my_source(pattern);
	assert_refused("view_skipped", src, SL_ENOTFOUND,
		       "table pattern 'v_*' matches no table in database '" MY_DATABASE "'");
	assert_int_equal(sl_source_include_views(src, true), SL_OK);
	p = new_pipeline("view_pattern");
	run_ok(p, src, 1);
	assert_columns(p, "v_events", "id,kind");
	sl_pipeline_free(p);
	sl_source_free(src);

	src = my_source(NULL);
	assert_int_equal(sl_source_include_views(src, true), SL_OK);
	p = new_pipeline("view_all");
	run_ok(p, src, 26);
	assert_tables(p, ALL_25 ",v_events");
	assert_count(p, "v_events", "50");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* Patterns match "table" and "database.table"; a name beside them is loaded once. */
static void test_my_patterns(void **state)
{
	(void)state;
	const char *ev[] = {"ev*", NULL};
	sl_source *src = my_source(ev);
	sl_pipeline *p = new_pipeline("pat_ev");
	run_ok(p, src, 3);
	assert_tables(p, "ev_log,evening,events");
	assert_count(p, "ev_log", "7");
	sl_pipeline_free(p);
	sl_source_free(src);

	const char *qualified[] = {MY_DATABASE ".t0*", "t1[0-2]", "t05", NULL};
	src = my_source(qualified);
	p = new_pipeline("pat_db");
	run_ok(p, src, 12);
	assert_tables(p, "t01,t02,t03,t04,t05,t06,t07,t08,t09,t10,t11,t12");
	assert_count(p, "t09", "9");
	assert_count(p, "t12", "12");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* Exclusions take out what a pattern or a name selects; taking out everything is an error. */
static void test_my_exclude(void **state)
{
	(void)state;
	sl_source *src = my_source(NULL);
	assert_int_equal(sl_source_exclude(src, "t*"), SL_OK);
	assert_int_equal(sl_source_exclude(src, MY_DATABASE ".audit_2023"), SL_OK);
	assert_int_equal(sl_source_exclude(src, "nothing_like_this*"), SL_OK);
	sl_pipeline *p = new_pipeline("excl");
	run_ok(p, src, 4);
	assert_tables(p, "audit_2024,ev_log,evening,events");
	sl_pipeline_free(p);
	sl_source_free(src);

	const char *named[] = {"events", "ev_log", NULL};
	src = my_source(named);
	assert_int_equal(sl_source_exclude(src, "ev_*"), SL_OK);
	p = new_pipeline("excl_named");
	run_ok(p, src, 1);
	assert_tables(p, "events");
	sl_pipeline_free(p);
	assert_int_equal(sl_source_exclude(src, "events"), SL_OK);
	assert_refused("excl_all", src, SL_EINVAL,
		       "no table left to load: the exclusions leave out every table selected");
	sl_source_free(src);
}

/* A pattern that matches nothing fails the run, naming it, before the destination is opened. */
static void test_my_pattern_matches_nothing(void **state)
{
	(void)state;
	const char *tables[] = {"events", "zz*", NULL};
	sl_source *src = my_source(tables);
	assert_refused("nomatch", src, SL_ENOTFOUND,
		       "table pattern 'zz*' matches no table in database '" MY_DATABASE "'");
	sl_source_free(src);
	/* every table excluded is not a pattern that matched nothing */
	const char *ev[] = {"ev*", NULL};
	src = my_source(ev);
	assert_int_equal(sl_source_exclude(src, "*"), SL_OK);
	assert_refused("nomatch_excl", src, SL_EINVAL,
		       "no table left to load: the exclusions leave out every table selected");
	sl_source_free(src);
}

/* A table two selections stand for takes its exact name's hints, wherever the name comes. */
static void test_my_exact_name_hints(void **state)
{
	(void)state;
	const char *tables[] = {"ev*", "events", NULL};
	sl_source *src = my_source(tables);
	sl_table_hints pat = SL_TABLE_HINTS_INIT;
	pat.columns = "id,msg";
	assert_int_equal(sl_source_apply_hints(src, "ev*", &pat), SL_OK);
	sl_table_hints exact = SL_TABLE_HINTS_INIT;
	exact.exclude_columns = "secret";
	exact.incremental.cursor_path = "updated_at";
	assert_int_equal(sl_source_apply_hints(src, "events", &exact), SL_OK);
	sl_pipeline *p = new_pipeline("exact");
	sl_load_info *info;
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_OK);
	assert_int_equal(sl_load_info_table_count(info), 3);
	/* in the pattern's order: the name did not add a table of its own */
	assert_string_equal(sl_load_info_table(info, 0)->table, "ev_log");
	assert_string_equal(sl_load_info_table(info, 2)->table, "events");
	assert_non_null(sl_load_info_table(info, 2)->last_value);
	assert_string_equal(sl_load_info_table(info, 2)->last_value, "2024-01-01 00:50:00");
	sl_load_info_free(info);
	assert_columns(p, "ev_log", "id,msg");
	assert_columns(p, "evening", "id,msg");
	assert_columns(p, "events", "id,kind,msg,updated_at");
	assert_count(p, "events", "50");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* columns and exclude_columns: the destination has exactly the columns left; a column the table
   lacks, or the cursor or key left out, fails before anything is written. */
static void test_my_columns(void **state)
{
	(void)state;
	const char *tables[] = {"events", NULL};
	sl_source *src = my_source(tables);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.columns = "id, kind,updated_at ,secret";
	h.exclude_columns = "secret";
	h.incremental.cursor_path = "updated_at";
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_OK);
	sl_pipeline *p = new_pipeline("cols");
	run_ok(p, src, 1);
	assert_columns(p, "events", "id,kind,updated_at");
	assert_count(p, "events", "50");
	assert_query(p, "SELECT COUNT(*) FROM events WHERE kind = 'odd'", "25");
	/* the next run finds the same columns: nothing changes, nothing is loaded twice */
	run_ok(p, src, 1);
	assert_count(p, "events", "50");
	sl_pipeline_free(p);

	h.columns = "id,nope";
	h.exclude_columns = NULL;
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_OK);
	assert_refused("cols_unknown", src, SL_EINVAL,
		       "table 'events' has no column 'nope' (given in columns)");
	h.columns = NULL;
	h.exclude_columns = "msg,gone";
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_OK);
	assert_refused("cols_unknown2", src, SL_EINVAL,
		       "table 'events' has no column 'gone' (given in exclude_columns)");
	h.exclude_columns = "updated_at";
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_OK);
	assert_refused("cols_cursor", src, SL_EINVAL,
		       "table 'events': column 'updated_at' is the cursor and cannot be left out "
		       "of the columns loaded");
	h.columns = "kind,updated_at";
	h.exclude_columns = NULL;
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_OK);
	assert_refused("cols_key", src, SL_EINVAL,
		       "table 'events': column 'id' is the primary key and cannot be left out of "
		       "the columns loaded");
	h.columns = "id,kind";
	h.exclude_columns = "id,kind";
	h.incremental.cursor_path = NULL;
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_OK);
	assert_refused("cols_none", src, SL_EINVAL,
		       "table 'events': column 'id' is the primary key and cannot be left out of "
		       "the columns loaded");
	h.columns = "";
	assert_int_equal(sl_source_apply_hints(src, "events", &h), SL_EINVAL);
	assert_string_equal(sl_error_last()->message, "table 'events': empty column list");
	sl_source_free(src);
}

/* The layout of sl_table_hints version 2, as a program built against it passes it. */
typedef struct hints_v2 {
	unsigned version;
	const char *primary_key;
	sl_incremental incremental;
	sl_write_disposition write_disposition;
	const char *table_name;
	const char *merge_key;
	const char *hard_delete_column;
	bool sync_deletes;
} hints_v2;

static void test_my_hints_version_2(void **state)
{
	(void)state;
	const char *tables[] = {"t1*", NULL};
	sl_source *src = my_source(tables);
	/* on the heap, of its own size: ASan sees a read past it */
	hints_v2 *v2 = calloc(1, sizeof(*v2));
	assert_non_null(v2);
	*v2 = (hints_v2){2, NULL, SL_INCREMENTAL_INIT, SL_WRITE_MERGE, NULL, NULL, NULL, true};
	assert_int_equal(sl_source_apply_hints(src, "t1*", (const sl_table_hints *)v2), SL_OK);
	free(v2);
	sl_pipeline *p = new_pipeline("v2");
	run_ok(p, src, 10);
	assert_columns(p, "t15", "id,v");
	assert_count(p, "t15", "15");
	run_ok(p, src, 10); /* merged: still one row per key */
	assert_count(p, "t19", "19");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- PostgreSQL: the schema option ------------------------------------------------------------ */

static int pg_setup(void **state)
{
	(void)state;
	if (!getenv("SLUICE_TEST_PG_URL"))
		return 0;
	pg_exec("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " PG_SCHEMA " CASCADE;"
		"CREATE SCHEMA " PG_SCHEMA ";"
		"CREATE TABLE " PG_SCHEMA ".a1 (id int PRIMARY KEY, v text);"
		"INSERT INTO " PG_SCHEMA ".a1 SELECT n, 'a' || n FROM generate_series(1, 11) n;"
		"CREATE TABLE " PG_SCHEMA ".a2 (id int PRIMARY KEY);"
		"INSERT INTO " PG_SCHEMA ".a2 SELECT generate_series(1, 5);"
		"CREATE TABLE " PG_SCHEMA ".\"Mixed\" (id int PRIMARY KEY);"
		"INSERT INTO " PG_SCHEMA ".\"Mixed\" VALUES (1), (2), (3);"
		"CREATE TABLE " PG_SCHEMA ".parted (id int, day int, PRIMARY KEY (id, day)) "
		"PARTITION BY RANGE (day);"
		"CREATE TABLE " PG_SCHEMA ".parted_1 PARTITION OF " PG_SCHEMA ".parted "
		"FOR VALUES FROM (0) TO (10);"
		"CREATE TABLE " PG_SCHEMA ".parted_2 PARTITION OF " PG_SCHEMA ".parted "
		"FOR VALUES FROM (10) TO (20);"
		"INSERT INTO " PG_SCHEMA ".parted SELECT n, n FROM generate_series(0, 19) n;"
		"CREATE VIEW " PG_SCHEMA ".a_view AS SELECT id FROM " PG_SCHEMA ".a1;");
	return 0;
}

static int pg_teardown(void **state)
{
	(void)state;
	if (getenv("SLUICE_TEST_PG_URL"))
		pg_exec("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " PG_SCHEMA
			" CASCADE");
	return 0;
}

static sl_source *pg_source(const char *const *tables)
{
	char *url = xprintf("%s?schema=" PG_SCHEMA, env_url("SLUICE_TEST_PG_URL"));
	sl_source *src = new_source(url, tables);
	free(url);
	return src;
}

static void test_pg_schema(void **state)
{
	(void)state;
	sl_source *src = pg_source(NULL);
	sl_pipeline *p = new_pipeline("pg_all");
	run_ok(p, src, 4);
	assert_tables(p, "Mixed,a1,a2,parted");
	assert_count(p, "a1", "11");
	assert_count(p, "Mixed", "3");
	assert_count(p, "parted", "20"); /* its partitions are not tables of their own */
	sl_pipeline_free(p);
	sl_source_free(src);

	const char *qualified[] = {PG_SCHEMA ".a*", NULL};
	src = pg_source(qualified);
	assert_int_equal(sl_source_include_views(src, true), SL_OK);
	assert_int_equal(sl_source_exclude(src, "a2"), SL_OK);
	p = new_pipeline("pg_pat");
	run_ok(p, src, 2);
	assert_tables(p, "a1,a_view");
	assert_count(p, "a_view", "11");
	sl_pipeline_free(p);
	sl_source_free(src);

	const char *none[] = {"b*", NULL};
	src = pg_source(none);
	sl_url *u;
	assert_int_equal(sl_url_parse(&u, env_url("SLUICE_TEST_PG_URL")), SL_OK);
	char *message = xprintf("table pattern 'b*' matches no table in schema '" PG_SCHEMA
				"' of database '%s'",
				u->database);
	sl_url_free(u);
	assert_refused("pg_none", src, SL_ENOTFOUND, message);
	free(message);
	sl_source_free(src);
}

/* ---- SQLite: every table of a file ------------------------------------------------------------ */

static void test_sqlite_every_table(void **state)
{
	(void)state;
	sqlite3 *db;
	unlink("select.db");
	assert_int_equal(sqlite3_open("select.db", &db), SQLITE_OK);
	const char *sql =
		"CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, total INTEGER, note "
		"TEXT);"
		"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
		"CREATE TABLE \"odd.name\" (id INTEGER PRIMARY KEY);"
		"CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 5;"
		"CREATE INDEX orders_total ON orders (total);"
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9)"
		" INSERT INTO orders (total, note) SELECT i, 'n' || i FROM n;"
		"INSERT INTO items VALUES (1, 'a'), (2, 'b');"
		"INSERT INTO \"odd.name\" VALUES (1);";
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("building select.db: %s", err);
	sqlite3_close(db);

	/* sqlite_sequence (AUTOINCREMENT) and the view are not loaded */
	sl_source *src = new_source("sqlite:///select.db", NULL);
	sl_pipeline *p = new_pipeline("sqlite_all");
	run_ok(p, src, 3);
	assert_tables(p, "items,odd.name,orders");
	assert_count(p, "orders", "9");
	assert_count(p, "odd.name", "1");
	/* status stands for the same tables */
	sl_status *st;
	assert_int_equal(sl_pipeline_status(&st, p, src), SL_OK);
	assert_int_equal(st->ntables, 3);
	assert_string_equal(st->tables[0].table, "items");
	assert_int_equal(st->tables[2].rows_loaded, 9);
	sl_status_free(st);
	sl_pipeline_free(p);
	sl_source_free(src);

	const char *tables[] = {"*", NULL};
	src = new_source("sqlite:///select.db", tables);
	assert_int_equal(sl_source_include_views(src, true), SL_OK);
	assert_int_equal(sl_source_exclude(src, "main.odd*"), SL_OK);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.exclude_columns = "note";
	assert_int_equal(sl_source_apply_hints(src, "*", &h), SL_OK);
	/* the hint names a column items lacks: that table fails, naming it */
	p = new_pipeline("sqlite_views");
	assert_int_equal(sl_pipeline_run(NULL, p, src), SL_EINVAL);
	assert_string_equal(sl_error_last()->message,
			    "table 'items' has no column 'note' (given in exclude_columns)");
	sl_pipeline_free(p);
	sl_table_hints items = SL_TABLE_HINTS_INIT;
	const char *with_items[] = {"*", "items", NULL};
	sl_source_free(src);
	src = new_source("sqlite:///select.db", with_items);
	assert_int_equal(sl_source_include_views(src, true), SL_OK);
	assert_int_equal(sl_source_exclude(src, "main.odd*"), SL_OK);
	assert_int_equal(sl_source_apply_hints(src, "*", &h), SL_OK);
	assert_int_equal(sl_source_apply_hints(src, "items", &items), SL_OK);
	p = new_pipeline("sqlite_views2");
	run_ok(p, src, 3);
	assert_tables(p, "big_orders,items,orders");
	assert_columns(p, "orders", "id,total");
	assert_columns(p, "big_orders", "id,total");
	assert_columns(p, "items", "id,name");
	assert_count(p, "big_orders", "4");
	sl_pipeline_free(p);
	sl_source_free(src);
}

int main(void)
{
	const struct CMUnitTest my_tests[] = {
		cmocka_unit_test(test_my_every_table),
		cmocka_unit_test(test_my_views),
		cmocka_unit_test(test_my_patterns),
		cmocka_unit_test(test_my_exclude),
		cmocka_unit_test(test_my_pattern_matches_nothing),
		cmocka_unit_test(test_my_exact_name_hints),
		cmocka_unit_test(test_my_columns),
		cmocka_unit_test(test_my_hints_version_2),
	};
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test(test_pg_schema),
	};
	const struct CMUnitTest sqlite_tests[] = {
		cmocka_unit_test(test_sqlite_every_table),
	};
	int failed = cmocka_run_group_tests_name("mariadb", my_tests, my_setup, my_teardown);
	failed += cmocka_run_group_tests_name("postgresql", pg_tests, pg_setup, pg_teardown);
	failed += cmocka_run_group_tests_name("sqlite", sqlite_tests, NULL, NULL);
	return failed;
}
