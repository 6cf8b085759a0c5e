/*
 * test_incremental.c — the incremental loading semantics, through the public API only, against
 * real databases: the seed scenario (1000, 1999, 2998, 3997, 4178), runs that never stall on a
 * cursor value shared by more rows than a chunk, hash mode without a key, descending loads,
 * bounds, lag, NULL cursors, cursor types, state kept in the destination, write dispositions,
 * errors, and chunks larger than a batch.
 *
 * The same tests run in several variants (source → destination): SQLite files into DuckDB files
 * (this program), PostgreSQL into DuckDB and a representative subset PostgreSQL into PostgreSQL
 * (test_incremental_pg.c, which includes this file). A test writes its source tables in SQL
 * both SQLite and PostgreSQL take (WITH RECURSIVE, ||, CASE) and asks the env for the few things
 * that differ (list aggregation, blobs, NULL order, cursor types).
 *
 * Each test gets its own temp directory (the SQLite source, the DuckDB destination, the
 * pipelines directory) and, with PostgreSQL on either side, its own database on the test server
 * (SLUICE_TEST_PG_URL): source tables in its `public` schema, datasets as schemas beside it. Both
 * are removed afterwards. Every expectation is an exact figure read back from the destination
 * (or the load info), worked out in the comment next to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <libpq-fe.h>
#include <regex.h>
#include <sluice.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SL_TEST_DATA_DIR
#define SL_TEST_DATA_DIR "tests/data"
#endif

#define RFAM_ROWS 4178

/* The variants this program runs (test_incremental_pg.c includes this file with its own), so
   each is a test of its own for ctest, with its own time limit. */
#ifndef SL_INCR_VARIANTS
#define SL_INCR_VARIANTS "sqlite"
#endif

typedef enum src_kind {
	SRC_SQLITE,
	SRC_POSTGRES
} src_kind;
typedef enum dest_kind {
	DEST_DUCKDB,
	DEST_POSTGRES
} dest_kind;

/* One source → destination combination the tests run in. */
typedef struct variant {
	const char *name;
	src_kind src;
	dest_kind dest;
} variant;

static const variant SQLITE_DUCKDB = {"sqlite to duckdb", SRC_SQLITE, DEST_DUCKDB};
static const variant PG_DUCKDB = {"postgresql to duckdb", SRC_POSTGRES, DEST_DUCKDB};
static const variant PG_PG = {"postgresql to postgresql", SRC_POSTGRES, DEST_POSTGRES};

typedef struct env {
	const variant *v;
	char dir[512];
	char db[600];	    /* SQLite source file, or the test's PostgreSQL database */
	char src_url[700];  /* sqlite:////dir/src.db or postgresql://.../db */
	char dest_url[700]; /* duckdb:////dir/dest.duckdb or postgresql://.../db */
	char pipes[600];    /* pipelines directory */
	PGconn *pg;	    /* the test's PostgreSQL database, for the source side */
} env;

static bool src_is_pg(const env *e)
{
	return e->v->src == SRC_POSTGRES;
}

static bool dest_is_pg(const env *e)
{
	return e->v->dest == DEST_POSTGRES;
}

/* ---- temp directories ----------------------------------------------------------------------- */

/* rm -rf: the pipelines directory nests, the rest is flat */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		struct stat sb;
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- the PostgreSQL server ------------------------------------------------------------------ */

/* SLUICE_TEST_PG_URL with its database replaced by `db` (a plain lower-case name). */
static int pg_url_for(char *out, size_t size, const char *db)
{
	const char *base = getenv("SLUICE_TEST_PG_URL");
	if (!base || !*base)
		return -1;
	const char *auth = strstr(base, "://");
	const char *slash = auth ? strchr(auth + 3, '/') : NULL;
	const char *query = strchr(base, '?');
	if (!slash || (query && query < slash))
		return -1;
	int n = snprintf(out, size, "%.*s/%s%s", (int)(slash - base), base, db, query ? query : "");
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Run `sql` on a fresh session to the server's own test database; false on any failure. */
static bool pg_admin(const char *sql)
{
	const char *base = getenv("SLUICE_TEST_PG_URL");
	if (!base)
		return false;
	PGconn *db = PQconnectdb(base);
	bool ok = PQstatus(db) == CONNECTION_OK;
	if (ok) {
		PQclear(PQexec(db, "SET client_min_messages = warning"));
		PGresult *r = PQexec(db, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			fprintf(stderr, "%s: %s", sql, PQerrorMessage(db));
		PQclear(r);
	} else {
		fprintf(stderr, "cannot connect to SLUICE_TEST_PG_URL: %s", PQerrorMessage(db));
	}
	PQfinish(db);
	return ok;
}

/* A database of the test's own, named after its temp directory (lower case: a plain name). */
static int pg_setup(env *e)
{
	const char *leaf = strrchr(e->dir, '/');
	snprintf(e->db, sizeof(e->db), "sl_%s", leaf ? leaf + 1 : "incr");
	for (char *c = e->db; *c; c++)
		*c = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
	char sql[700];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\"", e->db);
	if (!pg_admin(sql))
		return -1;
	snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\" TEMPLATE template0 ENCODING 'UTF8'",
		 e->db);
	if (!pg_admin(sql) || pg_url_for(e->src_url, sizeof(e->src_url), e->db))
		return -1;
	e->pg = PQconnectdb(e->src_url);
	if (PQstatus(e->pg) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to %s: %s", e->db, PQerrorMessage(e->pg));
		return -1;
	}
	PGresult *r = PQexec(e->pg, "SET client_min_messages = warning; SET TimeZone = 'UTC'");
	PQclear(r);
	return 0;
}

static int setup(void **state)
{
	const variant *v = *state; /* the prestate: which variant */
	env *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->v = v;
	const char *base = getenv("SLUICE_TEST_WORKDIR");
	char tmpl[400];
	snprintf(tmpl, sizeof(tmpl), "%s/incr_XXXXXX", base && *base ? base : "/tmp");
	char *abs = mkdtemp(tmpl) ? realpath(tmpl, NULL) : NULL; /* URLs need an absolute path */
	if (!abs) {
		free(e);
		return -1;
	}
	snprintf(e->dir, sizeof(e->dir), "%s", abs);
	free(abs);
	*state = e;
	if (v->src == SRC_SQLITE) {
		snprintf(e->db, sizeof(e->db), "%s/src.db", e->dir);
		snprintf(e->src_url, sizeof(e->src_url), "sqlite:///%s", e->db);
	}
	if ((v->src == SRC_POSTGRES || v->dest == DEST_POSTGRES) && pg_setup(e)) {
		fprintf(stderr, "no PostgreSQL database for the test (SLUICE_TEST_PG_URL set?)\n");
		return -1;
	}
	if (v->dest == DEST_DUCKDB)
		snprintf(e->dest_url, sizeof(e->dest_url), "duckdb:///%s/dest.duckdb", e->dir);
	else
		pg_url_for(e->dest_url, sizeof(e->dest_url), e->db);
	snprintf(e->pipes, sizeof(e->pipes), "%s/pipelines", e->dir);
	return 0;
}

static int teardown(void **state)
{
	env *e = *state;
	if (e) {
		if (e->pg) {
			PQfinish(e->pg);
			char sql[700];
			snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)",
				 e->db);
			pg_admin(sql);
		}
		remove_tree(e->dir);
		free(e);
	}
	return 0;
}

/* ---- the source ----------------------------------------------------------------------------- */

static sqlite3 *src_open(const env *e)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(e->db, &db), SQLITE_OK);
	/* a throwaway file: no need to wait for the disk */
	assert_int_equal(sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* Run SQL (several statements allowed) on the source. */
static void src_exec(const env *e, const char *sql)
{
	if (src_is_pg(e)) {
		PGresult *r = PQexec(e->pg, sql); /* the simple protocol runs a whole script */
		ExecStatusType st = PQresultStatus(r);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			fail_msg("postgresql: %s\n  in: %.300s", PQerrorMessage(e->pg), sql);
		PQclear(r);
		return;
	}
	sqlite3 *db = src_open(e);
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sqlite: %s\n  in: %.300s", err, sql);
	sqlite3_close(db);
}

/* The first column of the first row as text (malloc'd; NULL for SQL NULL). */
static char *src_text(const env *e, const char *sql)
{
	if (src_is_pg(e)) {
		PGresult *r = PQexec(e->pg, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("postgresql: %s\n  in: %s", PQerrorMessage(e->pg), sql);
		assert_true(PQntuples(r) >= 1);
		char *out = PQgetisnull(r, 0, 0) ? NULL : strdup(PQgetvalue(r, 0, 0));
		PQclear(r);
		return out;
	}
	sqlite3 *db = src_open(e);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("sqlite: %s\n  in: %s", sqlite3_errmsg(db), sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	char *out = t ? strdup((const char *)t) : NULL;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static int64_t src_int(const env *e, const char *sql)
{
	char *t = src_text(e, sql);
	assert_non_null(t);
	int64_t v = strtoll(t, NULL, 10);
	free(t);
	return v;
}

/* The values of `expr` over `from` (a table and an optional WHERE), sorted by `order` and joined
   with ','; "" for none (malloc'd). */
static char *src_joined(const env *e, const char *expr, const char *from, const char *order)
{
	char sql[1024];
	if (src_is_pg(e))
		snprintf(sql, sizeof(sql),
			 "SELECT COALESCE(string_agg(CAST(%s AS TEXT), ',' ORDER BY %s), '') "
			 "FROM %s",
			 expr, order, from);
	else /* SQLite's group_concat keeps the order of its input */
		snprintf(sql, sizeof(sql),
			 "SELECT COALESCE(group_concat(x, ','), '') FROM (SELECT %s AS x FROM %s "
			 "ORDER BY %s)",
			 expr, from, order);
	char *out = src_text(e, sql);
	assert_non_null(out);
	return out;
}

/* Where NULL sorts in ascending order: first in SQLite (and MySQL), last in PostgreSQL. So a
   descending load meets a NULL cursor last in SQLite, first in PostgreSQL. */
static bool src_nulls_first(const env *e)
{
	return !src_is_pg(e);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static void load_rfam(const env *e)
{
	char *sql = read_file(src_is_pg(e) ? SL_TEST_DATA_DIR "/rfam_family_postgres.sql"
					   : SL_TEST_DATA_DIR "/rfam_family_sqlite.sql");
	src_exec(e, sql);
	free(sql);
}

/* Table `name` (id INTEGER PRIMARY KEY, c INTEGER) with ids 1..n and c = id. */
static void make_seq_table(const env *e, const char *name, int n)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE %s (id INTEGER PRIMARY KEY, c INTEGER, pad TEXT);"
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
		 "INSERT INTO %s SELECT i, i, 'row ' || i FROM n;",
		 name, n, name);
	src_exec(e, sql);
}

/* ---- sources and pipelines ------------------------------------------------------------------ */

static sl_source *make_source(const env *e, const char *table, size_t chunk,
			      const sl_table_hints *hints, size_t limit)
{
	const char *tables[] = {table, NULL};
	sl_source *s = NULL;
	if (sl_source_sql_database(&s, e->src_url, tables, chunk))
		fail_msg("source: %s", sl_error_last()->message);
	if (hints && sl_source_apply_hints(s, table, hints))
		fail_msg("hints: %s", sl_error_last()->message);
	if (limit)
		assert_int_equal(sl_source_add_limit(s, limit), SL_OK);
	return s;
}

static sl_pipeline *make_pipeline(const env *e, const char *name, const char *dataset, bool dev,
				  bool no_load_id)
{
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = name;
	o.destination = e->dest_url;
	o.dataset_name = dataset;
	o.dev_mode = dev;
	o.pipelines_dir = e->pipes;
	o.no_load_id = no_load_id;
	o.memory_limit = "128MB";
	sl_pipeline *p = NULL;
	if (sl_pipeline_new(&p, &o))
		fail_msg("pipeline: %s", sl_error_last()->message);
	return p;
}

static sl_load_info *run_ok(sl_pipeline *p, sl_source *s)
{
	sl_load_info *info = NULL;
	int rc = sl_pipeline_run(&info, p, s);
	if (rc)
		fail_msg("run failed (%s): %s", sl_strerror(rc), sl_error_last()->message);
	assert_non_null(info);
	assert_int_equal(sl_load_info_table_count(info), 1);
	return info;
}

static const sl_table_load *table0(const sl_load_info *info)
{
	const sl_table_load *t = sl_load_info_table(info, 0);
	assert_non_null(t);
	return t;
}

/* One run; checks its figures and frees its load info. */
static void run_expect(sl_pipeline *p, sl_source *s, uint64_t extracted, uint64_t loaded,
		       uint64_t chunks, bool exhausted)
{
	sl_load_info *info = run_ok(p, s);
	const sl_table_load *t = table0(info);
	assert_int_equal(t->rows_extracted, extracted);
	assert_int_equal(t->rows_loaded, loaded);
	assert_int_equal(t->chunks, chunks);
	assert_int_equal(t->exhausted, exhausted);
	sl_load_info_free(info);
}

/* ---- reading the destination ---------------------------------------------------------------- */

/* The first column of the first row of `sql` in the pipeline's dataset (malloc'd, NULL for SQL
   NULL). */
static char *dest_text(sl_pipeline *p, const char *sql)
{
	sl_dataset *ds = NULL;
	sl_rows *rows = NULL;
	if (sl_pipeline_dataset(&ds, p))
		fail_msg("dataset: %s", sl_error_last()->message);
	if (sl_dataset_query(&rows, ds, sql))
		fail_msg("query: %s\n  in: %s", sl_error_last()->message, sql);
	assert_int_equal(sl_rows_next(rows), 1);
	const char *t = sl_rows_text(rows, 0, NULL);
	char *out = t ? strdup(t) : NULL;
	sl_rows_free(rows);
	sl_dataset_free(ds);
	return out;
}

static int64_t dest_int(sl_pipeline *p, const char *sql)
{
	char *t = dest_text(p, sql);
	assert_non_null(t);
	char *end;
	int64_t v = strtoll(t, &end, 10);
	if (*end)
		fail_msg("'%s' is not an integer (query: %s)", t, sql);
	free(t);
	return v;
}

/* Rows in `table`, and the same with distinct `key`: equal to `expected` both. */
static void assert_unique_rows(sl_pipeline *p, const char *table, const char *key, int64_t expected)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	assert_int_equal(dest_int(p, sql), expected);
	snprintf(sql, sizeof(sql), "SELECT COUNT(DISTINCT %s) FROM %s", key, table);
	assert_int_equal(dest_int(p, sql), expected);
}

/* The destination's `table` holds exactly the keys of the source's `table` matching `where`. */
static void assert_same_keys(const env *e, sl_pipeline *p, const char *table, const char *key,
			     const char *where)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "%s WHERE %s", table, where);
	char *want = src_joined(e, key, sql, key);
	snprintf(sql, sizeof(sql),
		 "SELECT COALESCE(string_agg(CAST(%s AS VARCHAR), ',' ORDER BY %s), '') FROM %s",
		 key, key, table);
	char *got = dest_text(p, sql);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

static void assert_same_ids(const env *e, sl_pipeline *p, const char *table, const char *where)
{
	assert_same_keys(e, p, table, "id", where);
}

static size_t state_json_len(sl_pipeline *p)
{
	char *json = NULL;
	if (sl_pipeline_state_json(&json, p))
		fail_msg("state: %s", sl_error_last()->message);
	size_t n = strlen(json);
	sl_free(json);
	return n;
}

/* ---- 1. the seed scenario ------------------------------------------------------------------- */

/*
 * dlt's "backfill in chunks": 1000-row chunks, one per run, cursor `created`. Each run after the
 * first re-reads the one boundary row (range_start closed) and drops it: 1000 read, 999 new.
 */
static void test_seed_rfam(void **state)
{
	env *e = *state;
	load_rfam(e);
	assert_int_equal(src_int(e, "SELECT COUNT(*) FROM family"), RFAM_ROWS);

	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "rfam_id";
	h.incremental.cursor_path = "created";
	h.incremental.row_order = SL_ROW_ORDER_ASC;
	sl_source *src = make_source(e, "family", 1000, &h, 1);

	char before[32], after[32];
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(before, sizeof(before), "%Y%m%d%H%M%S", &tm);
	sl_pipeline *p = make_pipeline(e, "rfam", "rfam_data", true, false);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(after, sizeof(after), "%Y%m%d%H%M%S", &tm);

	/* rfam_data_YYYYMMDDhhmmss, in UTC on a 24-hour clock: between the two readings */
	const char *ds = sl_pipeline_dataset_name(p);
	regex_t re;
	assert_int_equal(regcomp(&re, "^rfam_data_[0-9]{14}$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, ds, 0, NULL, 0), 0);
	regfree(&re);
	const char *suffix = ds + strlen("rfam_data_");
	assert_true(strcmp(suffix, before) >= 0);
	assert_true(strcmp(suffix, after) <= 0);

	const int64_t total[] = {1000, 1999, 2998, 3997, RFAM_ROWS};
	const uint64_t extracted[] = {1000, 1000, 1000, 1000, 182};
	const uint64_t loaded[] = {1000, 999, 999, 999, 181};
	for (size_t run = 0; run < 5; run++) {
		sl_load_info *info = run_ok(p, src);
		const sl_table_load *t = table0(info);
		assert_string_equal(t->table, "family");
		assert_int_equal(t->rows_extracted, extracted[run]);
		assert_int_equal(t->rows_loaded, loaded[run]);
		assert_int_equal(t->chunks, 1);
		assert_int_equal(t->exhausted, run == 4);
		/* the cursor stands on the newest `created` loaded so far */
		assert_non_null(t->last_value);
		char *max = dest_text(
			p,
			dest_is_pg(e)
				? "SELECT to_char(MAX(created), 'YYYY-MM-DD HH24:MI:SS') "
				  "FROM family"
				: "SELECT strftime(MAX(created), '%Y-%m-%d %H:%M:%S') FROM family");
		assert_string_equal(t->last_value, max);
		free(max);
		sl_load_info_free(info);
		assert_unique_rows(p, "family", "rfam_id", total[run]);
	}
	assert_same_keys(e, p, "family", "rfam_id", "1 = 1");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 1b. connections kept from one run to the next ------------------------------------------ */

static sl_pipeline *make_keeping_pipeline(const env *e, const char *name)
{
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = name;
	o.destination = e->dest_url;
	o.pipelines_dir = e->pipes;
	o.memory_limit = "128MB";
	o.keep_connections = true;
	sl_pipeline *p = NULL;
	if (sl_pipeline_new(&p, &o))
		fail_msg("pipeline: %s", sl_error_last()->message);
	return p;
}

/* The PostgreSQL source's scan connections: the pids of the sessions (but the test's own) whose
   last query was a scan, joined with ','; "" for none, and "-" for a SQLite source. */
static char *scan_sessions(const env *e)
{
	if (!src_is_pg(e))
		return strdup("-");
	return src_text(e, "SELECT COALESCE(string_agg(pid::text, ','), '') FROM pg_stat_activity "
			   "WHERE datname = current_database() AND pid <> pg_backend_pid() "
			   "AND query LIKE 'COPY (SELECT %'");
}

static sl_source *rfam_source(const char *url)
{
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "rfam_id";
	h.incremental.cursor_path = "created";
	h.incremental.row_order = SL_ROW_ORDER_ASC;
	const char *tables[] = {"family", NULL};
	sl_source *s = NULL;
	if (sl_source_sql_database(&s, url, tables, 1000) || sl_source_apply_hints(s, "family", &h))
		fail_msg("source: %s", sl_error_last()->message);
	assert_int_equal(sl_source_add_limit(s, 1), SL_OK);
	return s;
}

/*
 * The seed scenario with the source connection kept: every chunk fills exactly at its LIMIT of
 * 1000, so each run ends with a scan read to its LIMIT, whose end is read (not cancelled) and
 * whose session the next run reuses: one scan session throughout. The dataset is read between
 * runs through the pipeline's own connection, and once through a handle of its own after
 * sl_pipeline_close (one DuckDB instance on the file at a time).
 */
static void test_kept_connections_seed(void **state)
{
	env *e = *state;
	load_rfam(e);
	sl_source *src = rfam_source(e->src_url);
	sl_pipeline *p = make_keeping_pipeline(e, "kept");
	const int64_t total[] = {1000, 1999, 2998, 3997, RFAM_ROWS};
	char *first = NULL;
	for (size_t run = 0; run < 5; run++) {
		sl_load_info *info = run_ok(p, src);
		assert_int_equal(table0(info)->exhausted, run == 4);
		sl_load_info_free(info);
		assert_unique_rows(p, "family", "rfam_id", total[run]);
		char *sessions = scan_sessions(e);
		assert_true(strchr(sessions, ',') == NULL && *sessions); /* one, still open */
		if (first) {
			assert_string_equal(sessions, first);
			free(sessions);
		} else {
			first = sessions;
		}
		if (run == 2 && !dest_is_pg(e)) {
			sl_pipeline_close(p); /* the file is free for another handle */
			sl_dataset *ds = NULL;
			sl_rows *rows = NULL;
			assert_int_equal(sl_dataset_open(&ds, e->dest_url, "kept_dataset"), SL_OK);
			assert_int_equal(sl_dataset_query(&rows, ds, "SELECT COUNT(*) FROM family"),
					 SL_OK);
			assert_int_equal(sl_rows_next(rows), 1);
			assert_string_equal(sl_rows_text(rows, 0, NULL), "2998");
			sl_rows_free(rows);
			sl_dataset_free(ds);
			free(first); /* the closed session is gone; the next run opens another */
			first = NULL;
		}
	}
	free(first);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/*
 * A kept connection is not reused after an interrupt made between runs (its socket was shut
 * down), nor after the run it stopped; a source with another URL gets a connection of its own.
 */
static void test_kept_connection_dropped(void **state)
{
	env *e = *state;
	load_rfam(e);
	sl_source *src = rfam_source(e->src_url);
	sl_pipeline *p = make_keeping_pipeline(e, "dropped");
	sl_load_info_free(run_ok(p, src));
	char *before = scan_sessions(e);

	sl_pipeline_interrupt(p);
	sl_load_info *info = NULL;
	assert_int_equal(sl_pipeline_run(&info, p, src), SL_EINTERRUPTED);
	if (info) /* a SQLite source is open at once: the run stops before its table */
		assert_int_equal(table0(info)->rows_loaded, 0);
	sl_load_info_free(info);
	sl_load_info_free(run_ok(p, src)); /* a fresh connection: the kept socket was shut down */
	assert_unique_rows(p, "family", "rfam_id", 1999);
	char *after = scan_sessions(e);
	if (src_is_pg(e))
		assert_string_not_equal(after, before);
	free(before);
	free(after);

	/* the same database under another URL: not the kept connection's */
	char url[800];
	snprintf(url, sizeof(url), "%s%s", e->src_url,
		 !src_is_pg(e)		   ? ""
		 : strchr(e->src_url, '?') ? "&application_name=other"
					   : "?application_name=other");
	sl_source *other = rfam_source(url);
	sl_load_info_free(run_ok(p, other));
	assert_unique_rows(p, "family", "rfam_id", 2998);
	if (src_is_pg(e))
		assert_int_equal(src_int(e, "SELECT COUNT(*) FROM pg_stat_activity WHERE "
					    "application_name = 'other'"),
				 1);
	sl_pipeline_free(p);
	sl_source_free(src);
	sl_source_free(other);
}

/* ---- 2. a cursor value shared by more rows than a chunk -------------------------------------- */

/*
 * ids 1..300 have c = id, ids 301..2800 all have c = 500 (2.5 chunks' worth), ids 2801..3000 have
 * c = 600 + id. Keyed on id, the state is (last c, last id), whatever the number of ties.
 */
static void make_shared_table(const env *e, bool with_pk)
{
	char sql[640];
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE t (id INTEGER %s, c INTEGER, pad TEXT);"
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
		 "INSERT INTO t SELECT i, CASE WHEN i <= 300 THEN i WHEN i <= 2800 THEN 500 "
		 "ELSE 600 + i END, 'row ' || i FROM n ORDER BY random();",
		 with_pk ? "PRIMARY KEY" : "");
	src_exec(e, sql);
}

static void test_never_stalls_keyset(void **state)
{
	env *e = *state;
	make_shared_table(e, true);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	sl_source *src = make_source(e, "t", 1000, &h, 1);
	sl_pipeline *p = make_pipeline(e, "shared", "shared_ds", false, false);

	/*
	 * run 1: ids 1..1000 (state (500, 1000));
	 * run 2: reads ids 301..1300, 700 seen, 300 new (1300);
	 * run 3: ids 301..1300 all seen: that chunk does not count; continues after (500, 1300) with
	 *        ids 1301..2300, all new (2300);
	 * run 4: two chunks all seen, then ids 2301..3000 (700 rows, fewer than asked): exhausted.
	 */
	const uint64_t want_loaded[] = {1000, 300, 1000, 700};
	const int64_t total = 3000;
	int64_t have = 0;
	bool exhausted = false;
	size_t runs = 0;
	while (!exhausted && runs < 20) {
		sl_load_info *info = run_ok(p, src);
		const sl_table_load *t = table0(info);
		print_message("run %zu: read %llu, loaded %llu, chunks %llu%s\n", runs + 1,
			      (unsigned long long)t->rows_extracted,
			      (unsigned long long)t->rows_loaded, (unsigned long long)t->chunks,
			      t->exhausted ? ", exhausted" : "");
		if (have < total)
			assert_true(t->rows_loaded >= 1);
		if (runs < 4)
			assert_int_equal(t->rows_loaded, want_loaded[runs]);
		have += (int64_t)t->rows_loaded;
		exhausted = t->exhausted;
		sl_load_info_free(info);
		assert_unique_rows(p, "t", "id", have);
		/* constant-size keyset state, however many rows share c = 500 */
		assert_true(state_json_len(p) < 1024);
		runs++;
	}
	assert_int_equal(runs, 4);
	assert_true(exhausted);
	assert_int_equal(have, total);
	assert_same_ids(e, p, "t", "1 = 1");
	/* one more run finds nothing new */
	run_expect(p, src, 1, 0, 0, true);
	assert_unique_rows(p, "t", "id", total);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 3. no primary key: hash mode ------------------------------------------------------------ */

static void test_never_stalls_hash(void **state)
{
	env *e = *state;
	make_shared_table(e, false); /* no declared key, and no key hint: rows differ in id, pad */
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.incremental.cursor_path = "c";
	sl_source *src = make_source(e, "t", 1000, &h, 1);
	sl_pipeline *p = make_pipeline(e, "hashed", "hashed_ds", false, false);

	const int64_t total = 3000;
	int64_t have = 0;
	bool exhausted = false;
	size_t runs = 0;
	while (!exhausted && runs < 20) {
		sl_load_info *info = run_ok(p, src);
		const sl_table_load *t = table0(info);
		if (have < total)
			assert_true(t->rows_loaded >= 1);
		have += (int64_t)t->rows_loaded;
		exhausted = t->exhausted;
		sl_load_info_free(info);
		assert_unique_rows(p, "t", "id", have);
		runs++;
	}
	/* 1000 new rows per run at most, so at least 3 runs */
	assert_true(exhausted);
	assert_true(runs >= 3);
	assert_int_equal(have, total);
	assert_same_ids(e, p, "t", "1 = 1");
	/* and the rows themselves, not only their ids */
	char *want = src_joined(e, "id || ':' || c || ':' || pad", "t", "id");
	char *got = dest_text(p, "SELECT string_agg(id || ':' || c || ':' || pad, ',' ORDER BY id) "
				 "FROM t");
	assert_string_equal(got, want);
	free(want);
	free(got);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 4. descending with min ----------------------------------------------------------------- */

/*
 * 550 rows whose cursor is a permutation of ids (c = id * 263 mod 1009, all distinct), loaded
 * newest-first: each run holds the largest cursor values not loaded yet.
 */
static void test_desc_min(void **state)
{
	env *e = *state;
	src_exec(e, "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, pad TEXT);"
		    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 550) "
		    "INSERT INTO t SELECT i, (i * 263) % 1009, 'row ' || i FROM n;");
	assert_int_equal(src_int(e, "SELECT COUNT(DISTINCT c) FROM t"), 550);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	h.incremental.row_order = SL_ROW_ORDER_DESC;
	h.incremental.last_value_func = SL_LAST_VALUE_MIN;
	sl_source *src = make_source(e, "t", 100, &h, 1);
	sl_pipeline *p = make_pipeline(e, "desc", "desc_ds", false, false);

	/* 100, then 99 new per run (one boundary row re-read), the last run 54 new of 55 read */
	const int64_t total[] = {100, 199, 298, 397, 496, 550};
	for (size_t run = 0; run < 6; run++) {
		sl_load_info *info = run_ok(p, src);
		const sl_table_load *t = table0(info);
		assert_int_equal(t->rows_extracted, run == 5 ? 55 : 100);
		assert_int_equal(t->rows_loaded, run == 0 ? 100 : run == 5 ? 54 : 99);
		assert_int_equal(t->exhausted, run == 5);
		assert_unique_rows(p, "t", "id", total[run]);
		/* exactly the `total` largest cursor values */
		char where[128];
		snprintf(where, sizeof(where),
			 "c >= (SELECT c FROM t ORDER BY c DESC LIMIT 1 OFFSET %lld)",
			 (long long)total[run] - 1);
		assert_same_ids(e, p, "t", where);
		/* the cursor stands on the smallest value loaded */
		char *min = dest_text(p, "SELECT MIN(c) FROM t");
		assert_string_equal(t->last_value, min);
		free(min);
		sl_load_info_free(info);
	}
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 5. end_value and initial_value --------------------------------------------------------- */

/* Load t (c = id = 1..100) with the given bounds into its own dataset; return the count. */
static void load_bounded(const env *e, const char *dataset, const char *initial, sl_range start,
			 const char *end, sl_range stop, int64_t count, int64_t min, int64_t max)
{
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	h.incremental.initial_value = initial;
	h.incremental.range_start = start;
	h.incremental.end_value = end;
	h.incremental.range_end = stop;
	sl_source *src = make_source(e, "t", 30, &h, 0);
	sl_pipeline *p = make_pipeline(e, dataset, dataset, false, false);
	sl_load_info *info = run_ok(p, src);
	assert_int_equal(table0(info)->rows_loaded, (uint64_t)count);
	sl_load_info_free(info);
	assert_unique_rows(p, "t", "id", count);
	assert_int_equal(dest_int(p, "SELECT MIN(c) FROM t"), min);
	assert_int_equal(dest_int(p, "SELECT MAX(c) FROM t"), max);
	sl_pipeline_free(p);
	sl_source_free(src);
}

static void test_bounds(void **state)
{
	env *e = *state;
	make_seq_table(e, "t", 100);
	/* end_value: open by default (c < 50), closed includes it (c <= 50) */
	load_bounded(e, "end_default", NULL, SL_RANGE_DEFAULT, "50", SL_RANGE_DEFAULT, 49, 1, 49);
	load_bounded(e, "end_open", NULL, SL_RANGE_DEFAULT, "50", SL_RANGE_OPEN, 49, 1, 49);
	load_bounded(e, "end_closed", NULL, SL_RANGE_DEFAULT, "50", SL_RANGE_CLOSED, 50, 1, 50);
	/* initial_value: closed by default (c >= 10), open excludes it (c > 10) */
	load_bounded(e, "start_default", "10", SL_RANGE_DEFAULT, NULL, SL_RANGE_DEFAULT, 91, 10,
		     100);
	load_bounded(e, "start_closed", "10", SL_RANGE_CLOSED, NULL, SL_RANGE_DEFAULT, 91, 10, 100);
	load_bounded(e, "start_open", "10", SL_RANGE_OPEN, NULL, SL_RANGE_DEFAULT, 90, 11, 100);
	/* both: 10 < c <= 50 */
	load_bounded(e, "both", "10", SL_RANGE_OPEN, "50", SL_RANGE_CLOSED, 40, 11, 50);
}

/* ---- 6. lag ---------------------------------------------------------------------------------- */

/*
 * After a full load of c = id = 1..100 (state: c = 100), a late row (id 101, c = 95, inside the
 * lag window) and four new rows (ids 102..105, c = 101..104) arrive. A run with lag 10 re-reads
 * the window: c >= 100 - 10 = 90, i.e. ids 90..100 (11 rows loaded before), the late row and the
 * four new ones: 16 rows read. Only the late row and the new rows are new: 5 rows loaded, 105 in
 * all, each id once. (Re-loading ids 90..99 would duplicate them: append has no merge.)
 */
/*
 * lag re-reads rows already loaded; without a merge disposition they would be appended twice,
 * so the hint is refused with a message that says why, and nothing is written.
 */
static void test_lag(void **state)
{
	env *e = *state;
	make_seq_table(e, "t", 100);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	h.incremental.lag = "10";
	sl_source *src = make_source(e, "t", 1000, &h, 0);
	sl_pipeline *p = make_pipeline(e, "lag", "lag_ds", false, false);
	assert_int_equal(sl_pipeline_run(NULL, p, src), SL_EUNSUPPORTED);
	const char *msg = sl_error_last()->message;
	assert_non_null(strstr(msg, "'t'"));
	assert_non_null(strstr(msg, "lag"));
	assert_non_null(strstr(msg, "merge"));
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM information_schema.tables "
				     "WHERE table_schema = 'lag_ds' AND table_name = 't'"),
			 0);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 7. NULL cursors -------------------------------------------------------------------------- */

/*
 * raise: c = id = 1..25 and one NULL (id 26), in chunks of 10, in the order that meets the NULL
 * last (newest-first in SQLite, which sorts NULL lowest; oldest-first in PostgreSQL, which sorts
 * it highest): two chunks (c 25..16 and 15..6, or 1..10 and 11..20) commit; the third (the other
 * five values and the NULL) fails as a whole: 20 rows stay, and the message names table, column
 * and key. In the other order the NULL comes first and nothing is loaded.
 */
static void run_raise(const env *e, bool desc, const char *dataset)
{
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	h.incremental.row_order = desc ? SL_ROW_ORDER_DESC : SL_ROW_ORDER_ASC;
	h.incremental.last_value_func = desc ? SL_LAST_VALUE_MIN : SL_LAST_VALUE_MAX;
	bool null_last = desc == src_nulls_first(e);
	sl_source *src = make_source(e, "t", 10, &h, 0);
	sl_pipeline *p = make_pipeline(e, "nulls", dataset, false, false);
	sl_load_info *info = NULL;
	int rc = sl_pipeline_run(&info, p, src);
	assert_int_equal(rc, SL_ECURSOR);
	assert_int_equal(sl_load_info_table(info, 0)->error, SL_ECURSOR); /* the table's own */
	sl_load_info_free(info);
	const char *msg = sl_error_last()->message;
	assert_int_equal(sl_error_last()->code, SL_ECURSOR);
	assert_non_null(strstr(msg, "'t'"));
	assert_non_null(strstr(msg, "'c'"));
	assert_non_null(strstr(msg, "id = '26'"));
	if (null_last) {
		assert_unique_rows(p, "t", "id", 20);
		assert_same_ids(e, p, "t", desc ? "c >= 6" : "c <= 20");
		/* and the state committed with them says so: the next run fails again, adds
		   nothing */
		assert_int_equal(sl_pipeline_run(NULL, p, src), SL_ECURSOR);
		assert_non_null(strstr(sl_error_last()->message, "id = '26'"));
		assert_unique_rows(p, "t", "id", 20);
	} else {
		assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM t"), 0);
	}
	sl_pipeline_free(p);
	sl_source_free(src);
}

static void test_null_cursor_raise(void **state)
{
	env *e = *state;
	make_seq_table(e, "t", 25);
	src_exec(e, "INSERT INTO t VALUES (26, NULL, 'no cursor');");
	run_raise(e, true, "raise_ds");
	run_raise(e, false, "raise_asc_ds");
}

/* ids 1..nnull have a NULL cursor, ids nnull+1..nnull+30 have c = id. */
static void make_null_table(const env *e, int nnull)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, pad TEXT);"
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
		 "INSERT INTO t SELECT i, CASE WHEN i <= %d THEN NULL ELSE i END, 'row ' || i FROM "
		 "n;",
		 nnull + 30, nnull);
	src_exec(e, sql);
}

/*
 * Run with on_cursor_value_missing `m`, chunk 10 and limit 1 until exhausted; return the runs.
 * include needs one unlimited run first (a limited one is refused): it loads every NULL-cursor
 * row, and they are never read again.
 */
static size_t run_nulls(const env *e, sl_on_missing_cursor m, const char *dataset, int64_t want)
{
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	h.incremental.on_cursor_value_missing = m;
	sl_source *src = make_source(e, "t", 10, &h, 1);
	sl_pipeline *p = make_pipeline(e, "nulls", dataset, false, false);
	bool exhausted = false;
	size_t runs = 0;
	int64_t have = 0;
	if (m == SL_MISSING_CURSOR_INCLUDE) {
		assert_int_equal(sl_pipeline_run(NULL, p, src), SL_EUNSUPPORTED);
		assert_non_null(strstr(sl_error_last()->message, "include"));
		sl_source *all = make_source(e, "t", 10, &h, 0);
		sl_load_info *info = run_ok(p, all);
		have = (int64_t)table0(info)->rows_loaded;
		exhausted = table0(info)->exhausted;
		sl_load_info_free(info);
		sl_source_free(all);
		runs++;
	}
	while (!exhausted && runs < 12) {
		sl_load_info *info = run_ok(p, src);
		have += (int64_t)table0(info)->rows_loaded;
		exhausted = table0(info)->exhausted;
		sl_load_info_free(info);
		runs++;
		/* never a row twice, at any step */
		assert_unique_rows(p, "t", "id", have);
	}
	assert_true(exhausted);
	assert_int_equal(have, want);
	/* one more run adds nothing */
	sl_load_info *info = run_ok(p, src);
	assert_int_equal(table0(info)->rows_loaded, 0);
	sl_load_info_free(info);
	assert_unique_rows(p, "t", "id", want);
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM t WHERE c IS NULL"),
			 m == SL_MISSING_CURSOR_INCLUDE ? want - 30 : 0);
	sl_pipeline_free(p);
	sl_source_free(src);
	return runs;
}

static void test_null_cursor_include(void **state)
{
	env *e = *state;
	/* 5 NULL rows, fewer than a chunk (first in SQLite's order, last in PostgreSQL's) */
	make_null_table(e, 5);
	run_nulls(e, SL_MISSING_CURSOR_INCLUDE, "include_ds", 35);
}

static void test_null_cursor_include_many(void **state)
{
	env *e = *state;
	/* 15 NULL rows, more than a chunk of 10: the first run cannot load them all */
	make_null_table(e, 15);
	run_nulls(e, SL_MISSING_CURSOR_INCLUDE, "include_many_ds", 45);
}

static void test_null_cursor_include_all_null(void **state)
{
	env *e = *state;
	/* no row has a cursor value yet, so no run ever sets a last value */
	src_exec(e, "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, pad TEXT);"
		    "INSERT INTO t VALUES (1, NULL, 'a'), (2, NULL, 'b'), (3, NULL, 'c');");
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	h.incremental.on_cursor_value_missing = SL_MISSING_CURSOR_INCLUDE;
	sl_source *src = make_source(e, "t", 10, &h, 0);
	sl_pipeline *p = make_pipeline(e, "nulls", "include_all_ds", false, false);
	run_expect(p, src, 3, 3, 1, true);
	assert_unique_rows(p, "t", "id", 3);
	sl_load_info *info = run_ok(p, src);
	uint64_t again = table0(info)->rows_loaded;
	sl_load_info_free(info);
	assert_int_equal(again, 0);
	assert_unique_rows(p, "t", "id", 3);
	sl_pipeline_free(p);
	sl_source_free(src);
}

static void test_null_cursor_exclude(void **state)
{
	env *e = *state;
	make_null_table(e, 15);
	/* 30 rows with a cursor in chunks of 10: runs load 10, 9, 9, then 2 (of 3 read) */
	assert_int_equal(run_nulls(e, SL_MISSING_CURSOR_EXCLUDE, "exclude_ds", 30), 4);
}

/* ---- 8. cursor types ------------------------------------------------------------------------- */

typedef struct cursor_case {
	const char *decl;	/* declared column type */
	const char *value;	/* source expression of the k-th value (k = 1..20, ascending) */
	const char *text;	/* the same value as canonical text, in the source */
	const char *duckdb;	/* DuckDB expression printing column c the same way */
	const char *postgresql; /* the same in PostgreSQL, when it is the destination */
} cursor_case;

/*
 * 20 rows; the cursor ascends while the id descends (k = 21 - id), so order by cursor is not order
 * by key. First run: chunk 4, limit 2: the 8 smallest values. Second run, no limit: the other 12
 * and the boundary row again: 13 read.
 */
static void check_cursor_type(const env *e, const cursor_case *cc, const char *dataset)
{
	char sql[1024];
	static const char numbers[] =
		"(WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 20) "
		"SELECT k FROM n) AS kk";
	src_exec(e, "DROP TABLE IF EXISTS t");
	snprintf(sql, sizeof(sql),
		 "CREATE TABLE t (id INTEGER PRIMARY KEY, c %s, pad TEXT);"
		 "INSERT INTO t SELECT 21 - k, %s, 'row ' || k FROM %s;",
		 cc->decl, cc->value, numbers);
	src_exec(e, sql);
	char expr[512];
	snprintf(expr, sizeof(expr), "(21 - k) || '=' || %s", cc->text);
	char *want = src_joined(e, expr, numbers, "21 - k");
	char last8[128], last20[128];
	snprintf(sql, sizeof(sql), "SELECT %s FROM (SELECT 8 AS k) AS kk", cc->text);
	char *t8 = src_text(e, sql);
	snprintf(sql, sizeof(sql), "SELECT %s FROM (SELECT 20 AS k) AS kk", cc->text);
	char *t20 = src_text(e, sql);
	snprintf(last8, sizeof(last8), "%s", t8);
	snprintf(last20, sizeof(last20), "%s", t20);
	free(t8);
	free(t20);

	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	sl_source *src = make_source(e, "t", 4, &h, 2);
	sl_pipeline *p = make_pipeline(e, "types", dataset, false, false);
	sl_load_info *info = run_ok(p, src);
	assert_int_equal(table0(info)->rows_loaded, 8);
	assert_int_equal(table0(info)->chunks, 2);
	assert_non_null(table0(info)->last_value);
	assert_string_equal(table0(info)->last_value, last8);
	sl_load_info_free(info);
	sl_source_free(src);
	assert_unique_rows(p, "t", "id", 8);
	assert_same_ids(e, p, "t", "id >= 13");

	src = make_source(e, "t", 4, &h, 0);
	info = run_ok(p, src);
	assert_int_equal(table0(info)->rows_extracted, 13);
	assert_int_equal(table0(info)->rows_loaded, 12);
	assert_true(table0(info)->exhausted);
	assert_string_equal(table0(info)->last_value, last20);
	sl_load_info_free(info);
	sl_source_free(src);
	assert_unique_rows(p, "t", "id", 20);
	snprintf(sql, sizeof(sql), "SELECT string_agg(id || '=' || %s, ',' ORDER BY id) FROM t",
		 dest_is_pg(e) ? cc->postgresql : cc->duckdb);
	char *got = dest_text(p, sql);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
	free(got);
	sl_pipeline_free(p);
}

/* SQLite: declared types give a column affinity; the values are what users store in them. */
static const cursor_case SQLITE_CURSORS[] = {
	{"INTEGER", "k * 10 - 1000", "CAST(k * 10 - 1000 AS TEXT)", "CAST(c AS VARCHAR)",
	 "CAST(c AS VARCHAR)"},
	/* inserted as text; NUMERIC affinity stores it as a REAL, read back at scale 2 */
	{"DECIMAL(10,2)", "printf('%d.%02d', k, (k * 7) % 100)",
	 "printf('%d.%02d', k, (k * 7) % 100)", "CAST(c AS VARCHAR)", "CAST(c AS VARCHAR)"},
	/* crosses 2024-02-29 */
	{"DATE", "date('2024-02-20', '+' || (k * 3) || ' days')",
	 "date('2024-02-20', '+' || (k * 3) || ' days')", "CAST(c AS VARCHAR)",
	 "CAST(c AS VARCHAR)"},
	{"DATETIME", "printf('2024-01-01 10:%02d:00.%06d', k, k * 12345)",
	 "printf('2024-01-01 10:%02d:00.%06d', k, k * 12345)",
	 "strftime(c, '%Y-%m-%d %H:%M:%S.%f')", "to_char(c, 'YYYY-MM-DD HH24:MI:SS.US')"},
	{"TEXT", "printf('key-%03d', k)", "printf('key-%03d', k)", "c", "c"},
};

/* PostgreSQL: the same values in its own types, and the wider ones it adds. */
static const cursor_case PG_CURSORS[] = {
	{"integer", "k * 10 - 1000", "CAST(k * 10 - 1000 AS TEXT)", "CAST(c AS VARCHAR)",
	 "CAST(c AS VARCHAR)"},
	{"numeric(10,2)", "(k * 100 + (k * 7) % 100) / 100.0",
	 "CAST(CAST((k * 100 + (k * 7) % 100) / 100.0 AS numeric(10,2)) AS TEXT)",
	 "CAST(c AS VARCHAR)", "CAST(c AS VARCHAR)"},
	{"date", "DATE '2024-02-20' + k * 3", "CAST(DATE '2024-02-20' + k * 3 AS TEXT)",
	 "CAST(c AS VARCHAR)", "CAST(c AS VARCHAR)"},
	{"timestamp(6)",
	 "TIMESTAMP '2024-01-01 10:00:00' + k * INTERVAL '1 minute' + k * 12345 * INTERVAL '1 "
	 "microsecond'",
	 "to_char(TIMESTAMP '2024-01-01 10:00:00' + k * INTERVAL '1 minute' + k * 12345 * "
	 "INTERVAL '1 microsecond', 'YYYY-MM-DD HH24:MI:SS.US')",
	 "strftime(c, '%Y-%m-%d %H:%M:%S.%f')", "to_char(c, 'YYYY-MM-DD HH24:MI:SS.US')"},
	{"text", "'key-' || lpad(CAST(k AS TEXT), 3, '0')",
	 "'key-' || lpad(CAST(k AS TEXT), 3, '0')", "c", "c"},
	{"bigint", "k * 10000000007", "CAST(k * 10000000007 AS TEXT)", "CAST(c AS VARCHAR)",
	 "CAST(c AS VARCHAR)"},
	/* written in UTC, on either side of midnight */
	{"timestamptz",
	 "TIMESTAMPTZ '2024-03-01 23:50:00+00' + k * INTERVAL '1 minute' + k * 12345 * INTERVAL "
	 "'1 microsecond'",
	 "to_char((TIMESTAMPTZ '2024-03-01 23:50:00+00' + k * INTERVAL '1 minute' + k * 12345 * "
	 "INTERVAL '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
	 "strftime(c, '%Y-%m-%d %H:%M:%S.%f')",
	 "to_char(c AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"},
};

static void test_cursor_types(void **state)
{
	env *e = *state;
	const cursor_case *cases = src_is_pg(e) ? PG_CURSORS : SQLITE_CURSORS;
	size_t n = src_is_pg(e) ? sizeof(PG_CURSORS) / sizeof(PG_CURSORS[0])
				: sizeof(SQLITE_CURSORS) / sizeof(SQLITE_CURSORS[0]);
	for (size_t i = 0; i < n; i++) {
		char dataset[64];
		snprintf(dataset, sizeof(dataset), "ty_%zu", i);
		print_message("cursor type %s\n", cases[i].decl);
		check_cursor_type(e, &cases[i], dataset);
	}
}

/* ---- 9. the state lives in the destination --------------------------------------------------- */

/*
 * t: ids 1..2500, c = (id + 2) / 3, so three rows share each value. Chunk 500, limit 1.
 * run 1: ids 1..500 (c(500) = 167, shared by ids 499..501);
 * run 2: reads ids 499..998, 499 and 500 seen: 498 new (998);
 * then the local pipelines directory is deleted and a new pipeline object runs without a limit:
 * run 3: c(998) = 333 (ids 997..999), reads ids 997..2500 = 1504 rows, 1502 new, 4 chunks.
 */
static char *load_id_of(sl_load_info *info)
{
	const char *id = sl_load_info_load_id(info);
	assert_non_null(id);
	char *copy = strdup(id);
	sl_load_info_free(info);
	return copy;
}

static void assert_rows_of_load(sl_pipeline *p, const char *load_id, int64_t count, int64_t lo,
				int64_t hi)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM t WHERE _sluice_load_id = '%s'", load_id);
	assert_int_equal(dest_int(p, sql), count);
	snprintf(sql, sizeof(sql), "SELECT MIN(id) FROM t WHERE _sluice_load_id = '%s'", load_id);
	assert_int_equal(dest_int(p, sql), lo);
	snprintf(sql, sizeof(sql), "SELECT MAX(id) FROM t WHERE _sluice_load_id = '%s'", load_id);
	assert_int_equal(dest_int(p, sql), hi);
}

static void assert_load_row(sl_pipeline *p, const char *load_id, int64_t rows, int64_t chunks)
{
	char sql[320];
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) || '|' || MIN(rows) || '|' || MIN(chunks) || '|' || MIN(status) "
		 "|| "
		 "'|' || MIN(table_name) || '|' || MIN(pipeline_name) FROM _sluice_loads "
		 "WHERE load_id = '%s'",
		 load_id);
	char want[128];
	snprintf(want, sizeof(want), "1|%lld|%lld|completed|t|keep", (long long)rows,
		 (long long)chunks);
	char *got = dest_text(p, sql);
	assert_string_equal(got, want);
	free(got);
}

static void test_state_in_destination(void **state)
{
	env *e = *state;
	src_exec(e,
		 "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, pad TEXT);"
		 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) "
		 "INSERT INTO t SELECT i, (i + 2) / 3, 'row ' || i FROM n;");
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	sl_source *src = make_source(e, "t", 500, &h, 1);
	sl_pipeline *p = make_pipeline(e, "keep", "keep_ds", false, false);
	char *l1 = load_id_of(run_ok(p, src));
	assert_unique_rows(p, "t", "id", 500);
	char *l2 = load_id_of(run_ok(p, src));
	assert_unique_rows(p, "t", "id", 998);
	assert_string_not_equal(l1, l2);
	sl_pipeline_free(p);
	sl_source_free(src);

	struct stat sb;
	assert_int_equal(stat(e->pipes, &sb), 0); /* the mirror was there... */
	remove_tree(e->pipes);
	assert_int_not_equal(stat(e->pipes, &sb), 0); /* ...and is gone */

	src = make_source(e, "t", 500, &h, 0);
	p = make_pipeline(e, "keep", "keep_ds", false, false);
	sl_load_info *info = run_ok(p, src);
	assert_int_equal(table0(info)->rows_extracted, 1504);
	assert_int_equal(table0(info)->rows_loaded, 1502);
	assert_int_equal(table0(info)->chunks, 4);
	char *l3 = load_id_of(info);
	assert_unique_rows(p, "t", "id", 2500);
	assert_same_ids(e, p, "t", "1 = 1");

	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM _sluice_loads"), 3);
	assert_load_row(p, l1, 500, 1);
	assert_load_row(p, l2, 498, 1);
	assert_load_row(p, l3, 1502, 4);
	assert_rows_of_load(p, l1, 500, 1, 500);
	assert_rows_of_load(p, l2, 498, 501, 998);
	assert_rows_of_load(p, l3, 1502, 999, 2500);
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM t WHERE _sluice_load_id IS NULL"), 0);
	free(l1);
	free(l2);
	free(l3);
	sl_pipeline_free(p);

	/* no_load_id: the column is not there at all */
	p = make_pipeline(e, "bare", "bare_ds", false, true);
	run_expect(p, src, 2500, 2500, 5, true);
	assert_unique_rows(p, "t", "id", 2500);
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM information_schema.columns WHERE "
				     "table_schema = 'bare_ds' AND table_name = 't' AND "
				     "column_name = '_sluice_load_id'"),
			 0);
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM information_schema.columns WHERE "
				     "table_schema = 'keep_ds' AND table_name = 't' AND "
				     "column_name = '_sluice_load_id'"),
			 1);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 10. write dispositions ------------------------------------------------------------------ */

static void test_write_dispositions(void **state)
{
	env *e = *state;
	make_seq_table(e, "t", 300);

	/* no cursor: replace by default, so two runs leave one copy */
	sl_source *src = make_source(e, "t", 100, NULL, 0);
	sl_pipeline *p = make_pipeline(e, "wd", "replace_ds", false, false);
	run_expect(p, src, 300, 300, 3, true);
	run_expect(p, src, 300, 300, 3, true);
	assert_unique_rows(p, "t", "id", 300);
	assert_same_ids(e, p, "t", "1 = 1");
	/* the staging table was swapped in, not left behind */
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM information_schema.tables WHERE "
				     "table_schema = 'replace_ds' AND table_name LIKE 't%'"),
			 1);
	/* the replace picks up a changed source */
	src_exec(e, "DELETE FROM t WHERE id > 250");
	run_expect(p, src, 250, 250, 3, true);
	assert_unique_rows(p, "t", "id", 250);
	/* a replace that fails part way leaves the table as it was, and no staging copy behind.
	   SQLite: the third chunk holds a value that is no integer. PostgreSQL has no such values,
	   so t becomes a view whose last row fails on the server, in the middle of the stream. */
	int want_rc = SL_ETYPE;
	const char *want_msg = "not a number";
	if (src_is_pg(e)) {
		src_exec(e, "ALTER TABLE t RENAME TO t_base;"
			    "CREATE VIEW t AS SELECT id, CASE WHEN id = 251 THEN 1 / (id - 251) "
			    "ELSE c END AS c, pad FROM t_base;"
			    "INSERT INTO t_base VALUES (251, 251, 'bad')");
		want_rc = SL_ESOURCE;
		want_msg = "division by zero";
	} else {
		src_exec(e, "INSERT INTO t VALUES (251, 'not a number', 'bad')");
	}
	int rc = sl_pipeline_run(NULL, p, src);
	if (rc != want_rc)
		fail_msg("expected %s, got %d: %s", sl_strerror(want_rc), rc,
			 sl_error_last()->message);
	assert_non_null(strstr(sl_error_last()->message, want_msg));
	assert_unique_rows(p, "t", "id", 250);
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM information_schema.tables WHERE "
				     "table_schema = 'replace_ds' AND table_name LIKE 't%'"),
			 1);
	if (src_is_pg(e))
		src_exec(e, "DROP VIEW t; DELETE FROM t_base WHERE id = 251;"
			    "ALTER TABLE t_base RENAME TO t");
	else
		src_exec(e, "DELETE FROM t WHERE id = 251");
	sl_pipeline_free(p);
	sl_source_free(src);

	/* explicit append without a cursor: every run adds everything again */
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.write_disposition = SL_WRITE_APPEND;
	src = make_source(e, "t", 100, &h, 0);
	p = make_pipeline(e, "wd", "append_ds", false, false);
	run_expect(p, src, 250, 250, 3, true);
	run_expect(p, src, 250, 250, 3, true);
	assert_int_equal(dest_int(p, "SELECT COUNT(*) FROM t"), 500);
	assert_int_equal(dest_int(p, "SELECT COUNT(DISTINCT id) FROM t"), 250);
	assert_int_equal(
		dest_int(p, "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM t GROUP BY id) AS g"),
		2);
	assert_int_equal(
		dest_int(p, "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM t GROUP BY id) AS g"),
		2);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 11. errors ------------------------------------------------------------------------------- */

/* Run and expect `code`; the message must hold `needle` (and `needle2` when not NULL). */
static void expect_failure(sl_pipeline *p, sl_source *src, int code, const char *needle,
			   const char *needle2)
{
	sl_load_info *info = NULL;
	int rc = sl_pipeline_run(&info, p, src);
	if (rc != code)
		fail_msg("expected %s, got %d: %s", sl_strerror(code), rc,
			 sl_error_last()->message);
	if (info) /* it failed in a table (not before any): the table says so too */
		assert_int_equal(sl_load_info_table(info, 0)->error, code);
	sl_load_info_free(info);
	const char *msg = sl_error_last()->message;
	if (!strstr(msg, needle) || (needle2 && !strstr(msg, needle2)))
		fail_msg("message '%s' lacks '%s' / '%s'", msg, needle, needle2 ? needle2 : "");
}

/* The destination's data and state as one string, to see that a failure changed nothing. */
static char *snapshot(sl_pipeline *p)
{
	char *rows =
		dest_text(p, "SELECT COUNT(*) || ':' || string_agg(id || '/' || c, ',' ORDER BY "
			     "id) FROM t");
	char *json = NULL;
	if (sl_pipeline_state_json(&json, p))
		fail_msg("state: %s", sl_error_last()->message);
	size_t n = strlen(rows) + strlen(json) + 2;
	char *out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%s|%s", rows, json);
	free(rows);
	sl_free(json);
	return out;
}

static void test_errors(void **state)
{
	env *e = *state;
	src_exec(e,
		 src_is_pg(e)
			 ? "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, b BYTEA);"
			   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
			   "i < 40) INSERT INTO t SELECT i, i, decode(md5(CAST(i AS TEXT)), 'hex') "
			   "FROM n;"
			 : "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER, b BLOB);"
			   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i "
			   "< 40) "
			   "INSERT INTO t SELECT i, i, randomblob(8) FROM n;");
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	sl_source *src = make_source(e, "t", 10, &h, 2);
	sl_pipeline *p = make_pipeline(e, "err", "err_ds", false, false);
	run_expect(p, src, 20, 20, 2, false);
	sl_source_free(src);
	char *before = snapshot(p);

	/* a table the database does not have: named, with the database */
	src = make_source(e, "nosuchtable", 10, NULL, 0);
	expect_failure(p, src, SL_ENOTFOUND, "nosuchtable", src_is_pg(e) ? e->db : "src.db");
	sl_source_free(src);

	/* a cursor column the table does not have */
	sl_table_hints bad = h;
	bad.incremental.cursor_path = "nosuchcolumn";
	src = make_source(e, "t", 10, &bad, 0);
	expect_failure(p, src, SL_ENOTFOUND, "nosuchcolumn", "'t'");
	sl_source_free(src);

	/* a BLOB cursor cannot be ordered */
	bad = h;
	bad.incremental.cursor_path = "b";
	src = make_source(e, "t", 10, &bad, 0);
	expect_failure(p, src, SL_ETYPE, "'b'", "BLOB");
	sl_source_free(src);

	/* an initial_value that is no integer; checked even though the state already has a value */
	bad = h;
	bad.incremental.initial_value = "twelve";
	src = make_source(e, "t", 10, &bad, 0);
	expect_failure(p, src, SL_ETYPE, "initial_value", "twelve");
	sl_source_free(src);

	char *after = snapshot(p);
	assert_string_equal(after, before);
	free(after);
	free(before);

	/* the pipeline still works and continues where it was */
	src = make_source(e, "t", 10, &h, 0);
	run_expect(p, src, 21, 20, 3, true);
	assert_unique_rows(p, "t", "id", 40);
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* ---- 12. chunks larger than a batch ---------------------------------------------------------- */

/*
 * 12345 rows in chunks of 5000 (batches of at most 2048, so a chunk ends inside the third
 * batch's capacity), two chunks per run: run 1 loads 10000 in 2 chunks; run 2 re-reads the
 * boundary row and the other 2345 rows (2346 read, 2345 new, one chunk) and is exhausted.
 */
static void test_big_chunks(void **state)
{
	env *e = *state;
	make_seq_table(e, "t", 12345);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "id";
	h.incremental.cursor_path = "c";
	sl_source *src = make_source(e, "t", 5000, &h, 2);
	sl_pipeline *p = make_pipeline(e, "big", "big_ds", false, false);
	run_expect(p, src, 10000, 10000, 2, false);
	assert_unique_rows(p, "t", "id", 10000);
	assert_int_equal(dest_int(p, "SELECT MAX(id) FROM t"), 10000);
	run_expect(p, src, 2346, 2345, 1, true);
	assert_unique_rows(p, "t", "id", 12345);
	assert_same_ids(e, p, "t", "1 = 1");
	sl_pipeline_free(p);
	sl_source_free(src);
}

/* Whether `name` is one of the comma-separated names in `list`. */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

#define TEST(f, v) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, (void *)&(v))

/* Every test, in one variant. */
#define ALL_TESTS(v)                                                                           \
	TEST(test_seed_rfam, v), TEST(test_kept_connections_seed, v),                          \
		TEST(test_kept_connection_dropped, v), TEST(test_never_stalls_keyset, v),      \
		TEST(test_never_stalls_hash, v), TEST(test_desc_min, v), TEST(test_bounds, v), \
		TEST(test_lag, v), TEST(test_null_cursor_raise, v),                            \
		TEST(test_null_cursor_include, v), TEST(test_null_cursor_include_many, v),     \
		TEST(test_null_cursor_include_all_null, v), TEST(test_null_cursor_exclude, v), \
		TEST(test_cursor_types, v), TEST(test_state_in_destination, v),                \
		TEST(test_write_dispositions, v), TEST(test_errors, v), TEST(test_big_chunks, v)

/* Run `tests` minus those named in SL_TEST_SKIP=name,name,... (e.g. while a known bug is being
   fixed); returns the number of failures. */
static int run_group(const char *name, const struct CMUnitTest *tests, size_t n)
{
	const char *skip = getenv("SL_TEST_SKIP");
	struct CMUnitTest *chosen = calloc(n, sizeof(*chosen));
	if (!chosen)
		return 1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!listed(skip, tests[i].name))
			chosen[k++] = tests[i];
	int failed = _cmocka_run_group_tests(name, chosen, k, NULL, NULL);
	free(chosen);
	return failed;
}

int main(void)
{
	const struct CMUnitTest sqlite_duckdb[] = {ALL_TESTS(SQLITE_DUCKDB)};
	const struct CMUnitTest pg_duckdb[] = {ALL_TESTS(PG_DUCKDB)};
	/* into PostgreSQL: the semantics live in the pipeline and are the same for every
	   destination, so a subset that covers what the destination does (boundary re-reads across
	   runs, hash mode, descending, NULL cursors, cursor types as its own column types, state and
	   load records in its tables, replace through a staging table, errors leaving it unchanged,
	   chunks of several batches) */
	const struct CMUnitTest pg_pg[] = {
		TEST(test_seed_rfam, PG_PG),
		TEST(test_kept_connections_seed, PG_PG),
		TEST(test_never_stalls_keyset, PG_PG),
		TEST(test_never_stalls_hash, PG_PG),
		TEST(test_desc_min, PG_PG),
		TEST(test_null_cursor_raise, PG_PG),
		TEST(test_null_cursor_include_many, PG_PG),
		TEST(test_cursor_types, PG_PG),
		TEST(test_state_in_destination, PG_PG),
		TEST(test_write_dispositions, PG_PG),
		TEST(test_errors, PG_PG),
		TEST(test_big_chunks, PG_PG),
	};
	/* SL_TEST_VARIANTS=sqlite,pg,pgpg picks variants (default: SL_INCR_VARIANTS) */
	const char *only = getenv("SL_TEST_VARIANTS");
	if (!only || !*only)
		only = SL_INCR_VARIANTS;
	int failed = 0;
	if (listed(only, "sqlite"))
		failed += run_group(SQLITE_DUCKDB.name, sqlite_duckdb,
				    sizeof(sqlite_duckdb) / sizeof(sqlite_duckdb[0]));
	if (listed(only, "pg"))
		failed += run_group(PG_DUCKDB.name, pg_duckdb,
				    sizeof(pg_duckdb) / sizeof(pg_duckdb[0]));
	if (listed(only, "pgpg"))
		failed += run_group(PG_PG.name, pg_pg, sizeof(pg_pg) / sizeof(pg_pg[0]));
	return failed;
}
