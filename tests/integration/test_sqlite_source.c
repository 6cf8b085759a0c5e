/*
 * test_sqlite_source.c — the SQLite source driver against real database files, built in a temp
 * directory from tests/data/sqlite_alltypes.sql and tests/data/rfam_family_sqlite.sql: reflect,
 * scan into batches and check every value, render plans (bounds, order, limit, keyset, seen flag)
 * and compare with what SQLite itself answers, and the messages for missing files, tables and
 * values that do not fit their declared type (docs/types-sqlite.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources/sqlite_internal.h"
#include "source.h"
#include "value.h"

#ifndef SL_TEST_DATA_DIR
#define SL_TEST_DATA_DIR "tests/data"
#endif

#define RFAM_ROWS 4178

typedef struct fixture {
	char dir[512];
	char alltypes[600];
	char rfam[600];
} fixture;

/* ---- helpers ---------------------------------------------------------------------------- */

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

static void build_db(const char *db_path, const char *sql_file)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", SL_TEST_DATA_DIR, sql_file);
	char *sql = read_file(path);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	char *err = NULL;
	/* a throwaway file: no need to wait for the disk */
	assert_int_equal(sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql_file, err);
	sqlite3_close(db);
	free(sql);
}

static int group_setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	const char *base = getenv("SLUICE_TEST_WORKDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/sqlite_src_XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->alltypes, sizeof(fx->alltypes), "%s/alltypes.db", fx->dir);
	snprintf(fx->rfam, sizeof(fx->rfam), "%s/rfam.db", fx->dir);
	build_db(fx->alltypes, "sqlite_alltypes.sql");
	build_db(fx->rfam, "rfam_family_sqlite.sql");
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	fixture *fx = *state;
	if (!fx)
		return 0;
	unlink(fx->alltypes);
	unlink(fx->rfam);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int connect_path(sl_source_conn **out, const char *path)
{
	sl_url url;
	memset(&url, 0, sizeof(url));
	url.kind = SL_URL_SQLITE;
	url.scheme = (char *)"sqlite";
	url.database = (char *)path;
	return sl_sqlite_source.connect(out, &url, NULL);
}

static sl_source_conn *open_db(const char *path)
{
	sl_source_conn *c = NULL;
	int rc = connect_path(&c, path);
	if (rc)
		fail_msg("connect %s: %s", path, sl_error_last()->message);
	return c;
}

static sl_table_schema *reflect(sl_source_conn *c, const char *table)
{
	sl_table_schema *t = NULL;
	int rc = sl_sqlite_source.reflect(&t, c, table);
	if (rc)
		fail_msg("reflect %s: %s", table, sl_error_last()->message);
	return t;
}

static size_t col(const sl_table_schema *t, const char *name)
{
	int i = sl_schema_find(t, name);
	if (i < 0)
		fail_msg("no column %s", name);
	return (size_t)i;
}

static sl_scan_plan plain_plan(const sl_table_schema *t)
{
	sl_scan_plan p;
	memset(&p, 0, sizeof(p));
	p.table = t;
	p.cursor = -1;
	return p;
}

/* Scan a plan whose rows fit one batch. */
static sl_batch *scan(sl_source_conn *c, const sl_scan_plan *plan)
{
	sl_batch *b = sl_batch_new(plan->table, plan->seen_pk ? 1 : 0);
	assert_non_null(b);
	sl_scan *s = NULL;
	int rc = sl_sqlite_source.scan_open(&s, c, plan);
	if (rc)
		fail_msg("scan_open: %s", sl_error_last()->message);
	rc = sl_sqlite_source.scan_next(s, b);
	if (rc < 0)
		fail_msg("scan_next: %s", sl_error_last()->message);
	assert_int_equal(rc, (int)b->nrows);
	assert_int_equal(sl_sqlite_source.scan_next(s, b), 0);
	sl_sqlite_source.scan_close(s);
	return b;
}

/* The error code of a scan expected to fail (at open or while reading). */
static int scan_error(sl_source_conn *c, const sl_scan_plan *plan)
{
	sl_batch *b = sl_batch_new(plan->table, plan->seen_pk ? 1 : 0);
	sl_scan *s = NULL;
	int rc = sl_sqlite_source.scan_open(&s, c, plan);
	if (rc == 0) {
		rc = sl_sqlite_source.scan_next(s, b);
		sl_sqlite_source.scan_close(s);
	}
	sl_batch_free(b);
	return rc < 0 ? rc : 0;
}

#define I64(b, c, r)   (((const int64_t *)(b)->columns[c].data)[r])
#define I32(b, c, r)   (((const int32_t *)(b)->columns[c].data)[r])
#define I16(b, c, r)   (((const int16_t *)(b)->columns[c].data)[r])
#define U8(b, c, r)    (((const uint8_t *)(b)->columns[c].data)[r])
#define DBL(b, c, r)   (((const double *)(b)->columns[c].data)[r])
#define BYTES(b, c, r) (((const sl_bytes *)(b)->columns[c].data)[r])
#define I128(b, c, r)  (((const sl_int128 *)(b)->columns[c].data)[r])

static void assert_null_at(const sl_batch *b, size_t c, size_t r)
{
	assert_false(sl_batch_is_valid(b, c, r));
}

static void assert_bytes(const sl_batch *b, size_t c, size_t r, const char *exp, size_t n)
{
	assert_true(sl_batch_is_valid(b, c, r));
	sl_bytes v = BYTES(b, c, r);
	assert_int_equal(v.len, n);
	assert_non_null(v.ptr);
	assert_memory_equal(v.ptr, exp, n);
}

static void assert_text(const sl_batch *b, size_t c, size_t r, const char *exp)
{
	assert_bytes(b, c, r, exp, strlen(exp));
}

static void assert_i64(const sl_batch *b, size_t c, size_t r, int64_t exp)
{
	assert_true(sl_batch_is_valid(b, c, r));
	assert_int_equal(I64(b, c, r), exp);
}

static void assert_dbl(const sl_batch *b, size_t c, size_t r, double exp)
{
	assert_true(sl_batch_is_valid(b, c, r));
	assert_true(DBL(b, c, r) == exp);
}

static int64_t ts(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
		  unsigned us)
{
	return sl_micros_from_civil(y, mo, d, h, mi, s, us);
}

static sl_value parse_value(sl_type type, const char *text)
{
	sl_value v = SL_VALUE_INIT;
	if (sl_value_parse(&v, type, 0, 0, text))
		fail_msg("parse %s: %s", text, sl_error_last()->message);
	return v;
}

/* The first column of every row of `sql` run directly against `path`, as text. */
static size_t sql_column(const char *path, const char *sql, char ***out)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	size_t n = 0, cap = 0;
	char **v = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
		}
		const char *t = (const char *)sqlite3_column_text(st, 0);
		v[n++] = t ? strdup(t) : NULL;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	*out = v;
	return n;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The ids (INTEGER column `c`) of a batch, as a string "2,3,4". */
static void ids_of(const sl_batch *b, size_t c, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t r = 0; r < b->nrows && o < cap; r++)
		o += (size_t)snprintf(out + o, cap - o, "%s%lld", r ? "," : "",
				      (long long)I64(b, c, r));
}

/* ---- connect and reflect ------------------------------------------------------------------ */

static void test_missing_file(void **state)
{
	fixture *fx = *state;
	char path[700];
	snprintf(path, sizeof(path), "%s/nope.db", fx->dir);
	sl_source_conn *c = NULL;
	assert_int_equal(connect_path(&c, path), SL_ENOTFOUND);
	assert_null(c);
	char exp[800];
	snprintf(exp, sizeof(exp), "SQLite database file '%s' not found", path);
	assert_string_equal(sl_error_last()->message, exp);
	struct stat sb;
	assert_int_not_equal(stat(path, &sb), 0); /* not created */
}

static void test_not_a_database(void **state)
{
	fixture *fx = *state;
	char path[700];
	snprintf(path, sizeof(path), "%s/text.db", fx->dir);
	FILE *f = fopen(path, "w");
	fputs("this is not a database, just some text that is long enough to look like a header\n",
	      f);
	fclose(f);
	sl_source_conn *c = NULL;
	assert_int_equal(connect_path(&c, path), SL_ECONNECT);
	assert_non_null(strstr(sl_error_last()->message, path));
	assert_non_null(strstr(sl_error_last()->message, "not a database"));
	unlink(path);
}

static void test_memory_and_missing_table(void **state)
{
	fixture *fx = *state;
	sl_source_conn *m = open_db(":memory:");
	sl_table_schema *t = NULL;
	assert_int_equal(sl_sqlite_source.reflect(&t, m, "x"), SL_ENOTFOUND);
	assert_string_equal(sl_error_last()->message,
			    "table 'x' not found in SQLite database ':memory:'");
	sl_sqlite_source.disconnect(m);

	sl_source_conn *c = open_db(fx->alltypes);
	assert_int_equal(sl_sqlite_source.reflect(&t, c, "nope"), SL_ENOTFOUND);
	char exp[800];
	snprintf(exp, sizeof(exp), "table 'nope' not found in SQLite database '%s'", fx->alltypes);
	assert_string_equal(sl_error_last()->message, exp);
	assert_int_equal(sl_sqlite_source.reflect(&t, c, "nope.alltypes"), SL_ENOTFOUND);
	sl_sqlite_source.disconnect(c);
}

static void test_reflect_declared_types(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);
	sl_table_schema *t = reflect(c, "decls");
	static const struct {
		const char *name;
		sl_type type;
		int precision, scale;
	} exp[] = {
		{"a", SL_TYPE_INT64, 0, 0},	 {"b", SL_TYPE_INT64, 0, 0},
		{"c", SL_TYPE_INT64, 0, 0},	 {"d", SL_TYPE_INT64, 0, 0},
		{"e", SL_TYPE_INT64, 0, 0},	 {"f", SL_TYPE_INT64, 0, 0},
		{"g", SL_TYPE_INT64, 0, 0},	 {"h", SL_TYPE_BOOL, 0, 0},
		{"i", SL_TYPE_BOOL, 0, 0},	 {"j", SL_TYPE_DOUBLE, 0, 0},
		{"k", SL_TYPE_DOUBLE, 0, 0},	 {"l", SL_TYPE_DOUBLE, 0, 0},
		{"m", SL_TYPE_DOUBLE, 0, 0},	 {"n", SL_TYPE_DECIMAL, 10, 2},
		{"o", SL_TYPE_DECIMAL, 38, 10},	 {"p", SL_TYPE_DOUBLE, 0, 0},
		{"q", SL_TYPE_DOUBLE, 0, 0},	 {"r", SL_TYPE_DECIMAL, 5, 0},
		{"s", SL_TYPE_TEXT, 0, 0},	 {"t", SL_TYPE_TEXT, 255, 0},
		{"u", SL_TYPE_TEXT, 20, 0},	 {"v", SL_TYPE_TEXT, 10, 0},
		{"w", SL_TYPE_TEXT, 0, 0},	 {"x", SL_TYPE_BLOB, 0, 0},
		{"y", SL_TYPE_TEXT, 0, 0},	 {"z", SL_TYPE_JSON, 0, 0},
		{"aa", SL_TYPE_DATE, 0, 0},	 {"ab", SL_TYPE_TIMESTAMP, 6, 0},
		{"ac", SL_TYPE_TIMESTAMP, 6, 0}, {"ad", SL_TYPE_TIMESTAMP, 3, 0},
		{"ae", SL_TYPE_TIME, 6, 0},	 {"af", SL_TYPE_TEXT, 0, 0},
		{"ag", SL_TYPE_TEXT, 0, 0},	 {"ah", SL_TYPE_BLOB, 16, 0},
		{"ai", SL_TYPE_INT64, 0, 0},	 {"aj", SL_TYPE_TEXT, 0, 0},
	};
	assert_int_equal(t->ncolumns, SL_ARRAY_LEN(exp));
	for (size_t i = 0; i < SL_ARRAY_LEN(exp); i++) {
		const sl_column *column = &t->columns[i];
		assert_string_equal(column->name, exp[i].name);
		if (column->type != exp[i].type)
			fail_msg("column %s (%s): %s, expected %s", column->name,
				 column->source_type, sl_type_name(column->type),
				 sl_type_name(exp[i].type));
		assert_int_equal(column->precision, exp[i].precision);
		assert_int_equal(column->scale, exp[i].scale);
		assert_true(column->nullable);
	}
	assert_string_equal(t->columns[col(t, "n")].source_type, "DECIMAL(10,2)");
	assert_string_equal(t->columns[col(t, "e")].source_type, "UNSIGNED BIG INT");
	assert_string_equal(t->columns[col(t, "y")].source_type, "");
	assert_int_equal(t->npk, 0);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

static void test_reflect_keys(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);

	sl_table_schema *t = reflect(c, "alltypes");
	assert_string_equal(t->database, "main");
	assert_string_equal(t->name, "alltypes");
	assert_int_equal(t->npk, 1);
	assert_int_equal(t->pk[0], col(t, "id"));
	assert_false(t->columns[col(t, "id")].nullable); /* INTEGER PRIMARY KEY is the rowid */
	sl_schema_free(t);

	t = reflect(c, "nopk");
	assert_int_equal(t->npk, 0); /* no invented rowid */
	sl_schema_free(t);

	t = reflect(c, "kv"); /* PRIMARY KEY (b, a): key order, not column order */
	assert_int_equal(t->npk, 2);
	assert_int_equal(t->pk[0], col(t, "b"));
	assert_int_equal(t->pk[1], col(t, "a"));
	assert_false(t->columns[col(t, "a")].nullable);
	assert_true(t->columns[col(t, "v")].nullable);
	sl_schema_free(t);

	t = reflect(c, "we\"ird");
	assert_int_equal(t->ncolumns, 2);
	assert_string_equal(t->columns[0].name, "co\"l");
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);

	c = open_db(fx->rfam);
	t = reflect(c, "main.family");
	assert_string_equal(t->database, "main");
	assert_string_equal(t->name, "family");
	assert_int_equal(t->ncolumns, 35);
	assert_int_equal(t->npk, 1);
	assert_string_equal(t->columns[t->pk[0]].name, "rfam_acc");
	assert_int_equal(t->columns[col(t, "rfam_acc")].type, SL_TYPE_TEXT);
	assert_int_equal(t->columns[col(t, "rfam_acc")].precision, 7);
	assert_false(t->columns[col(t, "rfam_acc")].nullable);
	assert_true(t->columns[col(t, "description")].nullable);
	assert_int_equal(t->columns[col(t, "auto_wiki")].type, SL_TYPE_INT64);
	assert_int_equal(t->columns[col(t, "ecmli_cal_db")].type, SL_TYPE_INT64);
	assert_int_equal(t->columns[col(t, "gathering_cutoff")].type, SL_TYPE_DOUBLE);
	assert_int_equal(t->columns[col(t, "match_pair_node")].type, SL_TYPE_BOOL);
	assert_int_equal(t->columns[col(t, "created")].type, SL_TYPE_TIMESTAMP);
	assert_int_equal(t->columns[col(t, "updated")].type, SL_TYPE_TIMESTAMP);
	assert_false(t->columns[col(t, "created")].nullable);
	assert_string_equal(t->columns[col(t, "updated")].source_type, "TIMESTAMP");
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

/* ---- values ------------------------------------------------------------------------------- */

static void test_alltypes_values(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);
	sl_table_schema *t = reflect(c, "alltypes");
	sl_scan_plan p = plain_plan(t);
	size_t order[] = {col(t, "id")};
	p.norder = 1;
	p.order = order;
	sl_batch *b = scan(c, &p);
	assert_int_equal(b->nrows, 3);

	/* row 0: every column but id NULL */
	assert_i64(b, 0, 0, 1);
	for (size_t k = 1; k < t->ncolumns; k++)
		assert_null_at(b, k, 0);

	/* row 1 */
	assert_i64(b, col(t, "i"), 1, INT64_MIN);
	assert_i64(b, col(t, "bi"), 1, INT64_MAX);
	assert_i64(b, col(t, "si"), 1, -32768);
	assert_true(sl_batch_is_valid(b, col(t, "b"), 1));
	assert_int_equal(U8(b, col(t, "b"), 1), 0);
	assert_dbl(b, col(t, "r"), 1, -1.5);
	assert_dbl(b, col(t, "d"), 1, 1.7976931348623157e308);
	assert_dbl(b, col(t, "dp"), 1, 5e-324);
	assert_i64(b, col(t, "dec"), 1, -9999999999); /* DECIMAL(10,2): int64 */
	size_t d38 = col(t, "dec38");
	assert_true(sl_batch_is_valid(b, d38, 1));
	/* 1.5e20 at scale 10 = 15 * 10^29 */
	__extension__ __int128 big = (__int128)15;
	for (int k = 0; k < 29; k++)
		big *= 10;
	assert_int_equal(I128(b, d38, 1).lo, (uint64_t)big);
	assert_int_equal(I128(b, d38, 1).hi, (int64_t)(big >> 64));
	assert_true(sl_batch_is_valid(b, col(t, "dec4"), 1));
	assert_int_equal(I16(b, col(t, "dec4"), 1), -9999); /* DECIMAL(4,1): int16 */
	assert_dbl(b, col(t, "num"), 1, 42.0);		    /* NUMERIC: DOUBLE */
	assert_text(b, col(t, "t"), 1, "");		    /* empty, not NULL */
	assert_text(b, col(t, "vc"), 1, "Grüße 🎉");
	assert_text(b, col(t, "untyped"), 1, "x");
	assert_bytes(b, col(t, "bl"), 1, "", 0); /* empty blob, not NULL */
	assert_text(b, col(t, "j"), 1, "[]");
	assert_true(sl_batch_is_valid(b, col(t, "dt"), 1));
	assert_int_equal(I32(b, col(t, "dt"), 1), sl_days_from_civil(1, 1, 1));
	assert_i64(b, col(t, "ts"), 1, 0);
	assert_i64(b, col(t, "ts3"), 1, ts(2024, 1, 31, 12, 0, 0, 123000));
	assert_i64(b, col(t, "tm"), 1, 0);

	/* row 2 */
	assert_i64(b, col(t, "i"), 2, 0);
	assert_i64(b, col(t, "bi"), 2, 1);
	assert_i64(b, col(t, "si"), 2, 32767);
	assert_int_equal(U8(b, col(t, "b"), 2), 1);
	assert_dbl(b, col(t, "r"), 2, 3.14);
	assert_dbl(b, col(t, "d"), 2, 2.2250738585072014e-308);
	assert_dbl(b, col(t, "dp"), 2, 0.1);
	assert_i64(b, col(t, "dec"), 2, 1234567891);
	assert_int_equal(I128(b, d38, 2).lo, 1); /* 0.0000000001 at scale 10 */
	assert_int_equal(I128(b, d38, 2).hi, 0);
	assert_int_equal(I16(b, col(t, "dec4"), 2), 1);
	assert_dbl(b, col(t, "num"), 2, 2.5);
	assert_text(b, col(t, "t"), 2, "line1\nline2 'quoted' \\ tab\tend");
	assert_text(b, col(t, "vc"), 2, "🙂🙃");
	assert_text(b, col(t, "untyped"), 2, "emoji 🎉");
	assert_bytes(b, col(t, "bl"), 2, "\0\xff\0", 3);
	assert_text(b, col(t, "j"), 2, "{\"a\":[1,2,{\"b\":null}]}");
	assert_int_equal(I32(b, col(t, "dt"), 2), sl_days_from_civil(9999, 12, 31));
	assert_i64(b, col(t, "ts"), 2, ts(2024, 2, 29, 23, 59, 59, 999999));
	assert_i64(b, col(t, "ts3"), 2, ts(1999, 12, 31, 23, 59, 59, 500000));
	assert_i64(b, col(t, "tm"), 2, INT64_C(86399999999));

	sl_batch_free(b);
	sl_schema_free(t);
	assert_null(sl_sqlite_source.warnings(c));
	sl_sqlite_source.disconnect(c);
}

static sl_batch *scan_table(sl_source_conn *c, const char *name, sl_table_schema **t)
{
	*t = reflect(c, name);
	sl_scan_plan p = plain_plan(*t);
	size_t order[] = {0};
	p.norder = 1;
	p.order = order;
	return scan(c, &p);
}

static void test_lossless_conversions(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);
	sl_table_schema *t;
	sl_batch *b;

	b = scan_table(c, "conv_int", &t);
	assert_i64(b, 1, 0, 7);
	assert_dbl(b, 2, 0, 42.0);
	assert_null_at(b, 1, 1);
	assert_dbl(b, 2, 1, 9007199254740992.0);
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_bool", &t);
	static const uint8_t bools[] = {1, 0, 1, 0, 1, 1};
	assert_int_equal(b->nrows, 6);
	for (size_t r = 0; r < 6; r++) {
		assert_true(sl_batch_is_valid(b, 1, r));
		assert_int_equal(U8(b, 1, r), bools[r]);
	}
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_double", &t);
	assert_dbl(b, 1, 0, INFINITY);
	assert_dbl(b, 1, 1, -INFINITY);
	assert_dbl(b, 1, 2, 42.0);
	assert_dbl(b, 1, 3, INFINITY);
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_dec", &t);
	static const int64_t decs[] = {500, 10, 101, 1500000000, 0};
	assert_int_equal(b->nrows, 5);
	for (size_t r = 0; r < 5; r++)
		assert_i64(b, 1, r, decs[r]);
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_text", &t);
	assert_text(b, 1, 0, "42");
	assert_text(b, 1, 1, "1.5");
	assert_text(b, 1, 2, "hi\n");
	assert_text(b, 1, 3, "plain");
	assert_text(b, 2, 0, "550e8400-e29b-41d4-a716-446655440000"); /* UUID: TEXT */
	assert_text(b, 2, 1, "123");
	assert_text(b, 2, 2, "1e+20");
	assert_null_at(b, 2, 3);
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_json", &t);
	assert_text(b, 1, 0, "{\"k\": \"v\"}");
	assert_text(b, 1, 1, "7");
	assert_text(b, 1, 2, "2.5");
	assert_text(b, 1, 3, "[1]");
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_blob", &t);
	assert_bytes(b, 1, 0, "abc", 3);
	assert_bytes(b, 1, 1, "5", 1);
	assert_bytes(b, 1, 2, "0.25", 4);
	assert_bytes(b, 1, 3, "\0\1\2", 3);
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_date", &t);
	static const int32_t dates[][3] = {
		{2024, 2, 29}, {2024, 1, 31}, {2024, 1, 1}, {2024, 1, 1}, {1969, 12, 31}};
	assert_int_equal(b->nrows, 5);
	for (size_t r = 0; r < 5; r++) {
		assert_true(sl_batch_is_valid(b, 1, r));
		assert_int_equal(I32(b, 1, r),
				 sl_days_from_civil(dates[r][0], (unsigned)dates[r][1],
						    (unsigned)dates[r][2]));
	}
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_ts", &t);
	int64_t noon = ts(2024, 1, 31, 12, 0, 0, 0);
	assert_int_equal(noon, INT64_C(1706702400000000));
	const int64_t stamps[] = {noon + 250000, noon,
				  noon,		 noon,
				  noon,		 ts(2024, 1, 31, 18, 0, 0, 0),
				  noon + 500000, ts(2024, 1, 31, 0, 0, 0, 0),
				  noon + 250000, -1};
	assert_int_equal(b->nrows, 10);
	for (size_t r = 0; r < 10; r++)
		assert_i64(b, 1, r, stamps[r]);
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "conv_time", &t);
	assert_i64(b, 1, 0, INT64_C(45296789000));
	assert_i64(b, 1, 1, INT64_C(86340000000));
	assert_i64(b, 1, 2, INT64_C(3600000000));
	assert_i64(b, 1, 3, INT64_C(86400000000));
	sl_batch_free(b);
	sl_schema_free(t);

	/* 1.005 -> 1.01 and -0.004 -> 0.00 were rounded to the declared scale: said so */
	const char *w = sl_sqlite_source.warnings(c);
	assert_non_null(w);
	assert_string_equal(w, "conv_dec.v: 2 values rounded to DECIMAL(10,2)");
	sl_sqlite_source.disconnect(c);
}

static void test_empty_strings(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);
	sl_table_schema *t;
	sl_batch *b = scan_table(c, "empties", &t);
	assert_int_equal(b->nrows, 3);
	for (size_t k = 1; k <= 4; k++)
		assert_null_at(b, k, 0);
	assert_text(b, 5, 0, ""); /* TEXT keeps '' */
	assert_i64(b, 1, 1, 5);
	assert_null_at(b, 2, 1);
	assert_i64(b, 3, 1, ts(2024, 1, 31, 0, 0, 0, 0));
	assert_int_equal(U8(b, 4, 1), 1);
	assert_text(b, 5, 1, "x");
	assert_null_at(b, 1, 2);
	assert_dbl(b, 2, 2, 1.5);
	assert_null_at(b, 3, 2);
	assert_int_equal(U8(b, 4, 2), 0);
	assert_text(b, 5, 2, "");
	sl_batch_free(b);
	sl_schema_free(t);
	assert_string_equal(sl_sqlite_source.warnings(c),
			    "empties.i: 2 empty strings loaded as NULL\n"
			    "empties.d: 2 empty strings loaded as NULL\n"
			    "empties.ts: 2 empty strings loaded as NULL\n"
			    "empties.b: 1 empty string loaded as NULL");
	sl_sqlite_source.disconnect(c);
}

/* Each row of `bad` holds one value that does not fit: scanning that row alone fails. */
static void test_values_that_do_not_fit(void **state)
{
	fixture *fx = *state;
	static const struct {
		int id;
		const char *column;
		const char *detail;
	} cases[] = {
		{1, "i", "TEXT '12abc' is not an integer"},
		{2, "i", "REAL 1.5 is not an integer in the BIGINT range"},
		{3, "i", "REAL 9.223372036854776e+18 is not an integer in the BIGINT range"},
		{4, "b", "INTEGER 2 is not a boolean (0 or 1)"},
		{5, "b", "TEXT 'maybe' is not a boolean"},
		{6, "d", "TEXT 'abc' is not a number"},
		{7, "num", "INTEGER 9007199254740993 cannot be represented exactly as a DOUBLE"},
		{8, "dec", "REAL 123456.7 does not fit the declared precision"},
		{9, "dec", "TEXT '12abc' is not a decimal number"},
		{10, "t", "BLOB x'ff00' (2 bytes) is not valid UTF-8"},
		{11, "t", "TEXT x'c328' (2 bytes) is not valid UTF-8"},
		{12, "untyped", "BLOB x'80' (1 bytes) is not valid UTF-8"},
		{13, "j", "REAL inf is not a JSON number"},
		{14, "dt", "TEXT '2024-01-01 10:00:00' has a time of day, not a date"},
		{15, "dt", "TEXT '2024-13-01' is not a date (YYYY-MM-DD)"},
		{16, "ts", "TEXT 'yesterday' is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff])"},
		{17, "ts", "TEXT '2024-01-01 10:00:00.1234567' has digits below the microsecond"},
		{18, "ts", "REAL 1e+300 is neither a julian day number nor unix seconds"},
		{19, "tm", "TEXT '25:00:00' is not a time of day (HH:MM:SS[.ffffff])"},
		{20, "tm", "REAL 1.5 is not a time of day"},
		{21, "dec", "REAL inf is not a finite number"},
		{22, "ts",
		 "TEXT '123456789-01-01' is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff])"},
		{23, "dec", "INTEGER 1000 does not fit the declared precision"},
	};
	sl_source_conn *c = open_db(fx->alltypes);
	sl_table_schema *t = reflect(c, "bad");
	for (size_t k = 0; k < SL_ARRAY_LEN(cases); k++) {
		char idtext[16], exp[400];
		snprintf(idtext, sizeof(idtext), "%d", cases[k].id);
		sl_value id = parse_value(SL_TYPE_INT64, idtext);
		sl_scan_plan p = plain_plan(t);
		p.cursor = (int)col(t, "id");
		p.lower = p.upper = &id;
		p.lower_inclusive = p.upper_inclusive = true;
		assert_int_equal(scan_error(c, &p), SL_ETYPE);
		const sl_column *column = &t->columns[col(t, cases[k].column)];
		snprintf(exp, sizeof(exp), "table 'bad' column '%s' (%s) rowid %d: %s",
			 column->name,
			 *column->source_type ? column->source_type : "no declared type",
			 cases[k].id, cases[k].detail);
		if (strcmp(sl_error_last()->message, exp) != 0)
			fail_msg("case %d:\n got  %s\n want %s", cases[k].id,
				 sl_error_last()->message, exp);
		sl_value_clear(&id);
	}
	sl_schema_free(t);

	t = reflect(c, "bad_norowid");
	sl_scan_plan p = plain_plan(t);
	assert_int_equal(scan_error(c, &p), SL_ETYPE);
	assert_string_equal(sl_error_last()->message,
			    "table 'bad_norowid' column 'v' (INTEGER) primary key k='key-1': "
			    "TEXT 'seven' is not an integer");
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

static void test_quoted_names_and_rowid_column(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);
	sl_table_schema *t;
	/* a column named "rowid" shadows the rowid: the driver must pick another alias */
	sl_batch *b = scan_table(c, "we\"ird", &t);
	assert_int_equal(b->nrows, 2);
	assert_i64(b, 0, 0, 1);
	assert_text(b, 1, 0, "one");
	assert_i64(b, 0, 1, 2);
	assert_text(b, 1, 1, "two");
	sl_batch_free(b);
	sl_schema_free(t);

	b = scan_table(c, "nopk", &t);
	assert_int_equal(b->nrows, 2);
	assert_text(b, 1, 1, "y");
	sl_batch_free(b);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

/* ---- rfam family -------------------------------------------------------------------------- */

static void test_rfam_full_scan(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->rfam);
	sl_table_schema *t = reflect(c, "family");
	sl_scan_plan p = plain_plan(t);
	size_t order[] = {col(t, "rfam_acc")};
	p.norder = 1;
	p.order = order;

	/* the same rows straight from SQLite, to compare value by value */
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(fx->rfam, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT rfam_acc, auto_wiki, gathering_cutoff, comment, "
				   "match_pair_node, strftime('%s', created), "
				   "num_pseudonokts, tax_seed, description, "
				   "strftime('%s', updated), hmm_tau "
				   "FROM family ORDER BY rfam_acc",
				   -1, &st, NULL),
		SQLITE_OK);
	size_t acc = col(t, "rfam_acc"), wiki = col(t, "auto_wiki"),
	       ga = col(t, "gathering_cutoff");
	size_t comment = col(t, "comment"), mpn = col(t, "match_pair_node");
	size_t created = col(t, "created"), pk3 = col(t, "num_pseudonokts");
	size_t tax = col(t, "tax_seed"), desc = col(t, "description"), upd = col(t, "updated");
	size_t tau = col(t, "hmm_tau");

	sl_batch *b = sl_batch_new(t, 0);
	sl_scan *s;
	assert_int_equal(sl_sqlite_source.scan_open(&s, c, &p), 0);
	size_t total = 0, batches = 0, long_comments = 0, empty_tax = 0;
	int n;
	while ((n = sl_sqlite_source.scan_next(s, b)) > 0) {
		batches++;
		for (size_t r = 0; r < b->nrows; r++, total++) {
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_text(b, acc, r, (const char *)sqlite3_column_text(st, 0));
			assert_i64(b, wiki, r, sqlite3_column_int64(st, 1));
			assert_dbl(b, ga, r, sqlite3_column_double(st, 2));
			if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
				assert_null_at(b, comment, r);
			} else {
				assert_bytes(b, comment, r,
					     (const char *)sqlite3_column_text(st, 3),
					     (size_t)sqlite3_column_bytes(st, 3));
				long_comments += BYTES(b, comment, r).len > 65536;
			}
			assert_int_equal(U8(b, mpn, r), sqlite3_column_int(st, 4));
			assert_i64(b, created, r, sqlite3_column_int64(st, 5) * 1000000);
			if (sqlite3_column_type(st, 6) == SQLITE_NULL)
				assert_null_at(b, pk3, r);
			else
				assert_i64(b, pk3, r, sqlite3_column_int64(st, 6));
			if (sqlite3_column_type(st, 7) == SQLITE_NULL) {
				assert_null_at(b, tax, r);
			} else {
				assert_text(b, tax, r, (const char *)sqlite3_column_text(st, 7));
				empty_tax += BYTES(b, tax, r).len == 0;
			}
			if (sqlite3_column_type(st, 8) == SQLITE_NULL)
				assert_null_at(b, desc, r);
			else
				assert_text(b, desc, r, (const char *)sqlite3_column_text(st, 8));
			assert_i64(b, upd, r, sqlite3_column_int64(st, 9) * 1000000);
			assert_dbl(b, tau, r, sqlite3_column_double(st, 10));
		}
		sl_batch_reset(b);
	}
	assert_int_equal(n, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(total, RFAM_ROWS);
	assert_int_equal(batches, (RFAM_ROWS + SL_BATCH_CAPACITY - 1) / SL_BATCH_CAPACITY);
	assert_int_equal(long_comments, 4);
	assert_true(empty_tax > 1000); /* '' is kept apart from NULL */
	sl_sqlite_source.scan_close(s);
	sqlite3_finalize(st);
	sqlite3_close(db);

	/* the first row, spelled out */
	p.limit = 1;
	sl_batch_free(b);
	b = scan(c, &p);
	assert_int_equal(b->nrows, 1);
	assert_text(b, acc, 0, "RF00001");
	assert_text(b, col(t, "rfam_id"), 0, "Hammerhead_1919");
	assert_i64(b, wiki, 0, 1023);
	assert_text(b, col(t, "author"), 0, "Griffiths-Jones SR; Jäger D; Bateman A");
	assert_dbl(b, ga, 0, 32.63);
	assert_i64(b, col(t, "num_seed"), 0, 869);
	assert_int_equal(U8(b, mpn, 0), 1);
	assert_text(b, tax, 0, "");
	assert_null_at(b, pk3, 0);
	assert_i64(b, created, 0, ts(2011, 1, 4, 17, 57, 19, 0));
	assert_i64(b, upd, 0, ts(2012, 8, 23, 11, 15, 40, 0));
	sl_batch_free(b);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

static void test_rfam_bound_order_limit(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->rfam);
	sl_table_schema *t = reflect(c, "family");
	sl_value lower = parse_value(SL_TYPE_TIMESTAMP, "2015-01-01 00:00:00");
	size_t order[] = {col(t, "created"), col(t, "rfam_acc")};
	sl_scan_plan p = plain_plan(t);
	p.cursor = (int)col(t, "created");
	p.lower = &lower;
	p.lower_inclusive = true;
	p.norder = 2;
	p.order = order;
	p.limit = 1000;
	sl_batch *b = scan(c, &p);
	assert_int_equal(b->nrows, 1000);

	char **exp;
	size_t n = sql_column(fx->rfam,
			      "SELECT rfam_acc FROM family WHERE created >= '2015-01-01 00:00:00' "
			      "ORDER BY created, rfam_acc LIMIT 1000",
			      &exp);
	assert_int_equal(n, 1000);
	for (size_t r = 0; r < n; r++) {
		assert_text(b, order[1], r, exp[r]);
		assert_true(I64(b, order[0], r) >= lower.as.i64);
		if (r)
			assert_true(I64(b, order[0], r) >
				    I64(b, order[0], r - 1)); /* distinct, ordered */
	}
	free_strings(exp, n);

	/* keyset continuation from row 1000: the next rows are SQLite's OFFSET 1000 */
	sl_value after[2] = {SL_VALUE_INIT, SL_VALUE_INIT};
	assert_int_equal(sl_value_from_batch(&after[0], b, order[0], 999), 0);
	assert_int_equal(sl_value_from_batch(&after[1], b, order[1], 999), 0);
	sl_batch_free(b);
	p.after = after;
	p.limit = 500;
	b = scan(c, &p);
	n = sql_column(fx->rfam,
		       "SELECT rfam_acc FROM family WHERE created >= '2015-01-01 00:00:00' "
		       "ORDER BY created, rfam_acc LIMIT 500 OFFSET 1000",
		       &exp);
	assert_int_equal(n, 500);
	assert_int_equal(b->nrows, 500);
	for (size_t r = 0; r < n; r++)
		assert_text(b, order[1], r, exp[r]);
	free_strings(exp, n);
	sl_batch_free(b);

	/* descending, bounded above: cursor < 2015-01-01 */
	p.after = NULL;
	p.lower = NULL;
	p.upper = &lower;
	p.upper_inclusive = false;
	p.descending = true;
	p.limit = 0;
	b = scan(c, &p);
	n = sql_column(fx->rfam,
		       "SELECT rfam_acc FROM family WHERE created < '2015-01-01 00:00:00' "
		       "ORDER BY created DESC, rfam_acc DESC",
		       &exp);
	assert_int_equal(b->nrows, n);
	assert_true(n > 100);
	for (size_t r = 0; r < n; r++)
		assert_text(b, order[1], r, exp[r]);
	free_strings(exp, n);
	sl_batch_free(b);

	sl_value_clear(&after[0]);
	sl_value_clear(&after[1]);
	sl_value_clear(&lower);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

static void test_rfam_seen_flag(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->rfam);
	sl_table_schema *t = reflect(c, "family");
	size_t created = col(t, "created"), acc = col(t, "rfam_acc");
	/* RF00001 was created at 2011-01-04 17:57:19: start there, tell the scan it was loaded */
	sl_value v = parse_value(SL_TYPE_TIMESTAMP, "2011-01-04 17:57:19");
	sl_value k = parse_value(SL_TYPE_TEXT, "RF00001");
	size_t order[] = {created, acc};
	sl_scan_plan p = plain_plan(t);
	p.cursor = (int)created;
	p.lower = &v;
	p.lower_inclusive = true;
	p.norder = 2;
	p.order = order;
	p.limit = 10;
	p.seen_cursor = &v;
	p.nseen_pk = 1;
	p.seen_pk_cols = &acc;
	p.seen_pk = &k;
	sl_batch *b = scan(c, &p);
	assert_int_equal(b->ncolumns, 36);
	assert_int_equal(b->nrows, 10);
	assert_text(b, acc, 0, "RF00001");
	for (size_t r = 0; r < 10; r++) {
		assert_true(sl_batch_is_valid(b, 35, r));
		assert_int_equal(U8(b, 35, r), r == 0);
	}
	sl_batch_free(b);

	/* a key before RF00001: nothing at that instant was seen */
	sl_value k0 = parse_value(SL_TYPE_TEXT, "RF00000");
	p.seen_pk = &k0;
	b = scan(c, &p);
	for (size_t r = 0; r < 10; r++)
		assert_int_equal(U8(b, 35, r), 0);
	sl_batch_free(b);

	sl_value_clear(&k0);
	sl_value_clear(&k);
	sl_value_clear(&v);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

/* ---- temporal cursors in their three storage layouts ------------------------------------- */

static void expect_ids(sl_source_conn *c, const sl_scan_plan *p, const char *exp)
{
	sl_batch *b = scan(c, p);
	char got[256];
	ids_of(b, 0, got, sizeof(got));
	if (strcmp(got, exp) != 0)
		fail_msg("table %s: ids %s, expected %s", p->table->name, got, exp);
	sl_batch_free(b);
}

static void check_events(sl_source_conn *c, const char *table, const char *min)
{
	sl_table_schema *t = reflect(c, table);
	size_t id = col(t, "id"), tsc = col(t, "ts");
	size_t order[] = {tsc, id};
	sl_value ten = parse_value(SL_TYPE_TIMESTAMP, "2024-01-01 10:00:00");
	sl_value half = parse_value(SL_TYPE_TIMESTAMP, "2024-01-01 10:00:00.5");
	sl_value three = parse_value(SL_TYPE_INT64, "3");
	sl_scan_plan p = plain_plan(t);
	p.cursor = (int)tsc;
	p.norder = 2;
	p.order = order;

	p.lower = &ten;
	p.lower_inclusive = true;
	expect_ids(c, &p, "2,3,4,5,6,7,9"); /* '...10:00:00.000000' >= 10:00:00 */
	p.lower_inclusive = false;
	expect_ids(c, &p, "6,7,9"); /* and not > it */
	p.lower = NULL;
	p.upper = &ten;
	p.upper_inclusive = true;
	expect_ids(c, &p, "1,2,3,4,5");
	p.upper = &half;
	p.upper_inclusive = false;
	expect_ids(c, &p, "1,2,3,4,5");
	p.upper = NULL;

	/* NULL cursors: excluded unless asked for */
	expect_ids(c, &p, "1,2,3,4,5,6,7,9");
	p.include_null_cursor = true;
	expect_ids(c, &p, "8,1,2,3,4,5,6,7,9");
	p.lower = &ten;
	p.lower_inclusive = true;
	expect_ids(c, &p, "8,2,3,4,5,6,7,9");
	p.include_null_cursor = false;

	/* seen: ts = 10:00:00 and id <= 3 */
	p.seen_cursor = &ten;
	p.nseen_pk = 1;
	p.seen_pk_cols = &id;
	p.seen_pk = &three;
	sl_batch *b = scan(c, &p);
	assert_int_equal(b->nrows, 7);
	static const uint8_t seen[] = {1, 1, 0, 0, 0, 0, 0};
	for (size_t r = 0; r < 7; r++)
		assert_int_equal(U8(b, t->ncolumns, r), seen[r]);
	sl_batch_free(b);
	p.seen_pk = NULL;

	/* keyset: (ts, id) > (10:00:00, 3) */
	sl_value after[2] = {ten, three};
	p.lower = NULL;
	p.after = after;
	expect_ids(c, &p, "4,5,6,7,9");
	p.descending = true;
	expect_ids(c, &p, "2,1"); /* (ts, id) < (10:00:00, 3), descending */
	p.after = NULL;
	p.descending = false;

	/* stats: max, count, rows beyond 10:00:00 */
	sl_source_stats st;
	assert_int_equal(sl_sqlite_source.stats(&st, c, t, (int)tsc, false, &ten), 0);
	assert_string_equal(st.cursor_max, "2024-01-02 00:00:00");
	assert_int_equal(st.rows_total, 9);
	assert_int_equal(st.rows_after, 3);
	free(st.cursor_max);
	assert_int_equal(sl_sqlite_source.stats(&st, c, t, (int)tsc, true, &ten), 0);
	assert_string_equal(st.cursor_max, min);
	assert_int_equal(st.rows_after, 1);
	free(st.cursor_max);

	sl_value_clear(&half);
	sl_value_clear(&ten);
	sl_schema_free(t);
}

static void test_temporal_cursor_layouts(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);
	/* '2024-01-01 10:00:00.000000' */
	check_events(c, "events", "2024-01-01 09:59:59.999999");
	/* '2024-01-01T10:00:00', '...T10:00:00.5' */
	check_events(c, "events_t", "2024-01-01 09:59:59.999999");
	/* 1704103200 */
	check_events(c, "events_unix", "2024-01-01 09:59:59");

	/* DATE stored as unix seconds */
	sl_table_schema *t = reflect(c, "events_unix");
	size_t order[] = {col(t, "d"), 0};
	sl_value jan2 = parse_value(SL_TYPE_DATE, "2024-01-02");
	sl_scan_plan p = plain_plan(t);
	p.cursor = (int)col(t, "d");
	p.lower = &jan2;
	p.lower_inclusive = true;
	p.norder = 2;
	p.order = order;
	expect_ids(c, &p, "3,4,6,7,9");
	p.lower_inclusive = false;
	expect_ids(c, &p, "6,7,9");
	sl_value_clear(&jan2);
	sl_schema_free(t);

	/* one column, two storage classes: reading works, comparing in SQL cannot */
	sl_batch *b = scan_table(c, "events_mixed", &t);
	assert_i64(b, 1, 0, ts(2024, 1, 1, 10, 0, 0, 0));
	assert_i64(b, 1, 1, ts(2024, 1, 1, 10, 0, 0, 0));
	sl_batch_free(b);
	sl_value ten = parse_value(SL_TYPE_TIMESTAMP, "2024-01-01 10:00:00");
	p = plain_plan(t);
	p.cursor = 1;
	p.lower = &ten;
	p.lower_inclusive = true;
	assert_int_equal(scan_error(c, &p), SL_EUNSUPPORTED);
	assert_string_equal(
		sl_error_last()->message,
		"table 'events_mixed' column 'ts': cannot compare cursor values in SQL: "
		"they are stored as INTEGER and TEXT (see docs/types-sqlite.md)");
	sl_value_clear(&ten);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

static void test_composite_key_keyset(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->alltypes);
	sl_table_schema *t = reflect(c, "kv");
	size_t order[] = {t->pk[0], t->pk[1]}; /* (b, a) */
	sl_value after[2] = {parse_value(SL_TYPE_INT64, "4"), parse_value(SL_TYPE_TEXT, "m")};
	sl_scan_plan p = plain_plan(t);
	p.norder = 2;
	p.order = order;
	p.after = after;
	sl_batch *b = scan(c, &p);
	/* (b, a) > (4, 'm'): (5,'m'), (6,'m') */
	assert_int_equal(b->nrows, 2);
	assert_i64(b, col(t, "v"), 0, 3);
	assert_i64(b, col(t, "v"), 1, 4);
	sl_batch_free(b);
	sl_value_clear(&after[1]);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

static void test_rfam_stats(void **state)
{
	fixture *fx = *state;
	sl_source_conn *c = open_db(fx->rfam);
	sl_table_schema *t = reflect(c, "family");
	sl_value after = parse_value(SL_TYPE_TIMESTAMP, "2020-01-01 00:00:00");
	sl_source_stats st;
	assert_int_equal(sl_sqlite_source.stats(&st, c, t, (int)col(t, "created"), false, &after),
			 0);
	assert_string_equal(st.cursor_max, "2022-07-04 22:56:39");
	assert_int_equal(st.rows_total, RFAM_ROWS);
	char **exp;
	size_t n = sql_column(fx->rfam,
			      "SELECT COUNT(*) FROM family WHERE created > '2020-01-01 00:00:00'",
			      &exp);
	assert_int_equal(n, 1);
	assert_int_equal(st.rows_after, strtoll(exp[0], NULL, 10));
	assert_true(st.rows_after > 0 && st.rows_after < RFAM_ROWS);
	free_strings(exp, n);
	free(st.cursor_max);

	assert_int_equal(sl_sqlite_source.stats(&st, c, t, -1, false, NULL), 0);
	assert_null(st.cursor_max);
	assert_int_equal(st.rows_total, RFAM_ROWS);
	assert_int_equal(st.rows_after, -1);
	sl_value_clear(&after);
	sl_schema_free(t);
	sl_sqlite_source.disconnect(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_memory_and_missing_table),
		cmocka_unit_test(test_reflect_declared_types),
		cmocka_unit_test(test_reflect_keys),
		cmocka_unit_test(test_alltypes_values),
		cmocka_unit_test(test_lossless_conversions),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_values_that_do_not_fit),
		cmocka_unit_test(test_quoted_names_and_rowid_column),
		cmocka_unit_test(test_rfam_full_scan),
		cmocka_unit_test(test_rfam_bound_order_limit),
		cmocka_unit_test(test_rfam_seen_flag),
		cmocka_unit_test(test_temporal_cursor_layouts),
		cmocka_unit_test(test_composite_key_keyset),
		cmocka_unit_test(test_rfam_stats),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
