/*
 * test_postgres_source.c — the PostgreSQL source driver against a real server
 * (SLUICE_TEST_PG_URL, as exported by `scripts/test-server postgresql start DIR`): loads
 * tests/data/pg_alltypes.sql and tests/data/rfam_family_postgres.sql itself, then reflects,
 * scans into batches and checks the values one by one against what the fixtures hold and what
 * the server says.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources/postgres_internal.h"
#include "value.h"

#include <float.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef SL_TEST_DATA_DIR
#define SL_TEST_DATA_DIR "tests/data"
#endif

#define RFAM_ROWS 4178
#define BIG_ROWS  300000
#define PASSWORD  "sluice-test-pw"

static const sl_source_driver *drv = &sl_postgres_source;

/* ---- helpers: the server, directly through libpq ------------------------------------------- */

static const char *test_url(void)
{
	const char *url = getenv("SLUICE_TEST_PG_URL");
	if (!url || !*url)
		fail_msg("SLUICE_TEST_PG_URL is not set; start a server with "
			 "eval \"$(scripts/test-server postgresql start /tmp/x)\"");
	return url;
}

static sl_url *parsed_url(void)
{
	sl_url *u = NULL;
	if (sl_url_parse(&u, test_url()) != 0)
		fail_msg("bad SLUICE_TEST_PG_URL: %s", sl_error_last()->message);
	return u;
}

/* A plain libpq session (application_name sluice-test, so tests can tell it from the driver's). */
static PGconn *raw_connect(void)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *vals[] = {test_url(), "sluice-test", NULL};
	PGconn *db = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(db) != CONNECTION_OK)
		fail_msg("cannot connect to the test server: %s", PQerrorMessage(db));
	PGresult *r = PQexec(db, "SET TimeZone = 'UTC'");
	PQclear(r);
	return db;
}

static void raw_exec(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%.200s: %s", sql, PQerrorMessage(db));
	PQclear(r);
}

/* All values of the first column, in order (caller frees each and the array). */
static char **raw_column(const char *sql, size_t *n)
{
	PGconn *db = raw_connect();
	PGresult *r = PQexec(db, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(db));
	*n = (size_t)PQntuples(r);
	char **out = calloc(*n + 1, sizeof(*out));
	for (size_t i = 0; i < *n; i++)
		out[i] = strdup(PQgetisnull(r, (int)i, 0) ? "NULL" : PQgetvalue(r, (int)i, 0));
	PQclear(r);
	PQfinish(db);
	return out;
}

static void free_column(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The first column of the first row as a new string ("NULL" for NULL). */
static char *raw_scalar(const char *sql)
{
	size_t n;
	char **v = raw_column(sql, &n);
	if (n == 0)
		fail_msg("no rows from %s", sql);
	char *out = v[0];
	v[0] = NULL;
	free_column(v, n);
	return out;
}

static long long raw_count(const char *sql)
{
	char *s = raw_scalar(sql);
	long long n = strtoll(s, NULL, 10);
	free(s);
	return n;
}

static void load_sql_file(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", SL_TEST_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	PGconn *db = raw_connect();
	raw_exec(db, "SET client_min_messages = warning");
	raw_exec(db, text); /* the simple query protocol runs the whole script */
	PQfinish(db);
	free(text);
}

static int group_setup(void **state)
{
	(void)state;
	if (!getenv("SLUICE_TEST_PG_URL"))
		return 0; /* every test then fails with the reason */
	load_sql_file("pg_alltypes.sql");
	load_sql_file("rfam_family_postgres.sql");
	PGconn *db = raw_connect();
	raw_exec(db, "SET client_min_messages = warning");
	raw_exec(db, "DROP TABLE IF EXISTS bigscan CASCADE");
	raw_exec(db, "CREATE TABLE bigscan (id integer PRIMARY KEY, v text, d timestamp)");
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO bigscan SELECT n, 'value number ' || n, "
		 "'2020-01-01'::timestamp + n * interval '1 second' FROM generate_series(1, %d) n",
		 BIG_ROWS);
	raw_exec(db, sql);
	raw_exec(db, "ANALYZE bigscan");
	/* 999 rows at once, then 20 s of filtering that finds nothing more to send */
	raw_exec(db, "CREATE OR REPLACE VIEW slow_view AS SELECT id, v FROM bigscan "
		     "WHERE id <= 3000 AND CASE WHEN id < 1000 THEN true "
		     "ELSE pg_sleep(0.01) IS NULL END");
	PQfinish(db);
	return 0;
}

/* ---- helpers: the driver -------------------------------------------------------------------- */

static int connect_text(const char *url, sl_source_conn **c)
{
	sl_url *u = NULL;
	if (sl_url_parse(&u, url) != 0)
		fail_msg("parse %s: %s", url, sl_error_last()->message);
	int rc = drv->connect(c, u, NULL);
	sl_url_free(u);
	return rc;
}

static sl_source_conn *open_conn(void)
{
	sl_source_conn *c = NULL;
	if (connect_text(test_url(), &c) != 0)
		fail_msg("connect: %s", sl_error_last()->message);
	return c;
}

static sl_table_schema *reflect(sl_source_conn *c, const char *table)
{
	sl_table_schema *s = NULL;
	if (drv->reflect(&s, c, table) != 0)
		fail_msg("reflect %s: %s", table, sl_error_last()->message);
	return s;
}

static int col(const sl_table_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ncolumns; i++)
		if (strcmp(s->columns[i].name, name) == 0)
			return (int)i;
	fail_msg("no column %s", name);
	return -1;
}

/* Run a plan to the end, one batch at a time; calls `each` per batch. Returns rows. */
static size_t scan_all(sl_source_conn *c, const sl_scan_plan *plan,
		       void (*each)(const sl_batch *, void *), void *ctx)
{
	sl_scan *scan = NULL;
	if (drv->scan_open(&scan, c, plan) != 0)
		fail_msg("scan_open: %s", sl_error_last()->message);
	sl_batch *b = sl_batch_new(plan->table, plan->seen_pk ? 1 : 0);
	assert_non_null(b);
	size_t total = 0;
	int n;
	while ((n = drv->scan_next(scan, b)) > 0) {
		total += (size_t)n;
		if (each)
			each(b, ctx);
		sl_batch_reset(b);
	}
	if (n < 0)
		fail_msg("scan_next: %s", sl_error_last()->message);
	drv->scan_close(scan);
	sl_batch_free(b);
	return total;
}

static sl_value val(sl_type type, int precision, int scale, const char *text)
{
	sl_value v = SL_VALUE_INIT;
	if (sl_value_parse(&v, type, precision, scale, text) != 0)
		fail_msg("parse %s: %s", text, sl_error_last()->message);
	return v;
}

static void check_bytes(const sl_batch *b, int c, size_t row, const char *want, size_t len)
{
	if (!sl_batch_is_valid(b, (size_t)c, row))
		fail_msg("column %d row %zu is NULL, want '%.*s'", c, row, (int)len, want);
	const sl_bytes *v = &((const sl_bytes *)sl_batch_data(b, (size_t)c))[row];
	if (v->len != len || memcmp(v->ptr, want, len) != 0)
		fail_msg("column %d row %zu: got '%.*s' (%u bytes), want '%.*s' (%zu bytes)", c,
			 row, (int)v->len, v->ptr, v->len, (int)len, want, len);
}

#define CHECK_STR(b, c, row, s) check_bytes(b, c, row, s, strlen(s))

/* A LIST cell in sl_value_format_batch's form: [1, NULL, "a b"]. */
static void check_list(const sl_batch *b, int c, size_t row, const char *want)
{
	if (!sl_batch_is_valid(b, (size_t)c, row))
		fail_msg("column %d row %zu is NULL, want %s", c, row, want);
	sl_buf got = SL_BUF_INIT;
	sl_value_format_batch(&got, b, (size_t)c, row);
	if (strcmp(sl_buf_cstr(&got), want) != 0)
		fail_msg("column %d row %zu: got %s, want %s", c, row, sl_buf_cstr(&got), want);
	sl_buf_free(&got);
}

/* ---- alltypes ------------------------------------------------------------------------------- */

static void test_alltypes_reflect(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "alltypes");
	static const struct {
		const char *name;
		sl_type type;
		int precision, scale;
		const char *source_type;
	} want[] = {
		{"id", SL_TYPE_INT32, 0, 0, "integer"},
		{"c_bool", SL_TYPE_BOOL, 0, 0, "boolean"},
		{"c_int2", SL_TYPE_INT16, 0, 0, "smallint"},
		{"c_int4", SL_TYPE_INT32, 0, 0, "integer"},
		{"c_int8", SL_TYPE_INT64, 0, 0, "bigint"},
		{"c_oid", SL_TYPE_UINT32, 0, 0, "oid"},
		{"c_num4", SL_TYPE_DECIMAL, 4, 2, "numeric(4,2)"},
		{"c_num9", SL_TYPE_DECIMAL, 9, 3, "numeric(9,3)"},
		{"c_num18", SL_TYPE_DECIMAL, 18, 6, "numeric(18,6)"},
		{"c_num38", SL_TYPE_DECIMAL, 38, 10, "numeric(38,10)"},
		{"c_num_neg", SL_TYPE_DECIMAL, 7, 0, "numeric(5,-2)"},
		{"c_num_free", SL_TYPE_TEXT, 0, 0, "numeric"},
		{"c_num50", SL_TYPE_TEXT, 0, 0, "numeric(50,20)"},
		{"c_real", SL_TYPE_FLOAT, 0, 0, "real"},
		{"c_double", SL_TYPE_DOUBLE, 0, 0, "double precision"},
		{"c_text", SL_TYPE_TEXT, 0, 0, "text"},
		{"c_varchar", SL_TYPE_TEXT, 20, 0, "character varying(20)"},
		{"c_char", SL_TYPE_TEXT, 5, 0, "character(5)"},
		{"c_name", SL_TYPE_TEXT, 0, 0, "name"},
		{"c_qchar", SL_TYPE_TEXT, 0, 0, "\"char\""},
		{"c_citext", SL_TYPE_TEXT, 0, 0, "citext"},
		{"c_bytea", SL_TYPE_BLOB, 0, 0, "bytea"},
		{"c_date", SL_TYPE_DATE, 0, 0, "date"},
		{"c_time", SL_TYPE_TIME, 6, 0, "time without time zone"},
		{"c_time3", SL_TYPE_TIME, 3, 0, "time(3) without time zone"},
		{"c_timetz", SL_TYPE_TEXT, 0, 0, "time with time zone"},
		{"c_ts", SL_TYPE_TIMESTAMP, 6, 0, "timestamp without time zone"},
		{"c_ts0", SL_TYPE_TIMESTAMP, 0, 0, "timestamp(0) without time zone"},
		{"c_tstz", SL_TYPE_TIMESTAMPTZ, 6, 0, "timestamp with time zone"},
		{"c_interval", SL_TYPE_INTERVAL, 0, 0, "interval"},
		{"c_uuid", SL_TYPE_UUID, 0, 0, "uuid"},
		{"c_json", SL_TYPE_JSON, 0, 0, "json"},
		{"c_jsonb", SL_TYPE_JSON, 0, 0, "jsonb"},
		{"c_enum", SL_TYPE_TEXT, 0, 0, "mood"},
		{"c_posint", SL_TYPE_INT32, 0, 0, "posint"},
		{"c_amount", SL_TYPE_DECIMAL, 10, 2, "amount2"},
		{"c_inet", SL_TYPE_TEXT, 0, 0, "inet"},
		{"c_cidr", SL_TYPE_TEXT, 0, 0, "cidr"},
		{"c_macaddr", SL_TYPE_TEXT, 0, 0, "macaddr"},
		{"c_money", SL_TYPE_TEXT, 0, 0, "money"},
		{"c_xml", SL_TYPE_TEXT, 0, 0, "xml"},
		{"c_bit", SL_TYPE_TEXT, 0, 0, "bit(4)"},
		{"c_varbit", SL_TYPE_TEXT, 0, 0, "bit varying(8)"},
		{"c_int_arr", SL_TYPE_LIST, 0, 0, "integer[]"},
		{"c_text_arr", SL_TYPE_LIST, 0, 0, "text[]"},
		{"c_int_arr2", SL_TYPE_JSON, 0, 0, "integer[]"},
		{"c_point", SL_TYPE_TEXT, 0, 0, "point"},
		{"c_range", SL_TYPE_TEXT, 0, 0, "int4range"},
	};
	assert_int_equal(s->ncolumns, SL_ARRAY_LEN(want));
	for (size_t i = 0; i < SL_ARRAY_LEN(want); i++) {
		const sl_column *cl = &s->columns[i];
		assert_string_equal(cl->name, want[i].name);
		if (cl->type != want[i].type || cl->precision != want[i].precision ||
		    cl->scale != want[i].scale)
			fail_msg("%s: got %s(%d,%d), want %s(%d,%d)", cl->name,
				 sl_type_name(cl->type), cl->precision, cl->scale,
				 sl_type_name(want[i].type), want[i].precision, want[i].scale);
		assert_string_equal(cl->source_type, want[i].source_type);
		assert_int_equal(cl->nullable, i != 0);
	}
	assert_string_equal(s->database, "public");
	assert_string_equal(s->name, "alltypes");
	assert_int_equal(s->npk, 1);
	assert_int_equal(s->pk[0], 0);
	assert_int_equal(s->columns[col(s, "c_int_arr")].element, SL_TYPE_INT32);
	assert_int_equal(s->columns[col(s, "c_text_arr")].element, SL_TYPE_TEXT);
	const char *w = drv->warnings(c);
	assert_non_null(w);
	assert_non_null(strstr(w, "alltypes.c_point: PostgreSQL type point has no portable type; "
				  "loaded as TEXT (its text form)\n"));
	assert_non_null(strstr(w, "alltypes.c_range: PostgreSQL type int4range has no portable"));
	assert_null(strstr(w, "c_inet"));
	assert_null(strstr(w, "c_enum"));
	sl_schema_free(s);
	drv->disconnect(c);
}

/* Scan the whole table ordered by id into one batch; rows are id - 1. */
static sl_batch *scan_alltypes(sl_source_conn *c, sl_table_schema *s)
{
	size_t order[] = {0};
	sl_scan_plan plan = {.table = s, .cursor = -1, .norder = 1, .order = order};
	sl_scan *scan = NULL;
	if (drv->scan_open(&scan, c, &plan) != 0)
		fail_msg("scan_open: %s", sl_error_last()->message);
	sl_batch *b = sl_batch_new(s, 0);
	int n = drv->scan_next(scan, b);
	if (n < 0)
		fail_msg("scan_next: %s", sl_error_last()->message);
	assert_int_equal(n, 6);
	assert_int_equal(drv->scan_next(scan, b), 0);
	drv->scan_close(scan);
	return b;
}

#define DATA(T, name)	      ((const T *)sl_batch_data(b, (size_t)col(s, name)))
#define VALID(name, row)      sl_batch_is_valid(b, (size_t)col(s, name), row)
#define STR(name, row, text)  CHECK_STR(b, col(s, name), row, text)
#define LIST(name, row, text) check_list(b, col(s, name), row, text)

static void check_i128(sl_int128 got, int64_t hi, uint64_t lo)
{
	assert_int_equal(got.hi, hi);
	assert_true(got.lo == lo);
}

/* 10^38 - 1 as two 64-bit halves */
#define TEN38_M1_HI INT64_C(5421010862427522170)
#define TEN38_M1_LO UINT64_C(687399551400673279)
#define DAY_US	    INT64_C(86400000000)

static void check_row_nulls(const sl_batch *b, const sl_table_schema *s)
{
	for (size_t c = 1; c < s->ncolumns; c++)
		if (sl_batch_is_valid(b, c, 0))
			fail_msg("row 1: %s is not NULL", s->columns[c].name);
	assert_int_equal(DATA(int32_t, "id")[0], 1);
}

static void check_row_min(const sl_batch *b, const sl_table_schema *s)
{
	const size_t r = 1;
	assert_int_equal(DATA(uint8_t, "c_bool")[r], 0);
	assert_int_equal(DATA(int16_t, "c_int2")[r], INT16_MIN);
	assert_int_equal(DATA(int32_t, "c_int4")[r], INT32_MIN);
	assert_true(DATA(int64_t, "c_int8")[r] == INT64_MIN);
	assert_int_equal(DATA(uint32_t, "c_oid")[r], 0);
	assert_int_equal(DATA(int16_t, "c_num4")[r], -9999);
	assert_int_equal(DATA(int32_t, "c_num9")[r], -999999999);
	assert_true(DATA(int64_t, "c_num18")[r] == INT64_C(-999999999999999999));
	check_i128(DATA(sl_int128, "c_num38")[r], -TEN38_M1_HI - 1, ~TEN38_M1_LO + 1);
	assert_int_equal(DATA(int32_t, "c_num_neg")[r], -9999900);
	STR("c_num_free", r, "-0.5");
	STR("c_num50", r, "-999999999999999999999999999999.99999999999999999999");
	assert_true(DATA(float, "c_real")[r] == -3.4e38f);
	assert_true(DATA(double, "c_double")[r] == -DBL_MAX);
	/* empty strings are values, not NULL; char(5) keeps its padding */
	STR("c_text", r, "");
	STR("c_varchar", r, "");
	STR("c_char", r, "     ");
	STR("c_name", r, "");
	STR("c_qchar", r, "");
	STR("c_citext", r, "");
	check_bytes(b, col(s, "c_bytea"), r, "", 0);
	/* 4713-11-24 BC, the first day PostgreSQL knows */
	assert_int_equal(DATA(int32_t, "c_date")[r], -2440222);
	assert_int_equal(DATA(int64_t, "c_time")[r], 0);
	assert_int_equal(DATA(int64_t, "c_time3")[r], 0);
	STR("c_timetz", r, "00:00:00+15:59");
	assert_true(DATA(int64_t, "c_ts")[r] == INT64_C(-2440222) * DAY_US);
	assert_true(DATA(int64_t, "c_ts0")[r] == INT64_C(-2440222) * DAY_US);
	assert_true(DATA(int64_t, "c_tstz")[r] == INT64_C(-2440222) * DAY_US);
	sl_interval iv = DATA(sl_interval, "c_interval")[r];
	assert_int_equal(iv.months, INT32_MIN);
	assert_int_equal(iv.days, INT32_MIN);
	assert_true(iv.micros == -INT64_MAX);
	check_i128(DATA(sl_int128, "c_uuid")[r], 0, 0);
	STR("c_json", r, "[]");
	STR("c_jsonb", r, "{}");
	STR("c_enum", r, "sad");
	assert_int_equal(DATA(int32_t, "c_posint")[r], 1);
	assert_true(DATA(int64_t, "c_amount")[r] == INT64_C(-9999999999));
	STR("c_inet", r, "0.0.0.0"); /* the output function's form, not inet::text's "/32" */
	STR("c_cidr", r, "10.0.0.0/8");
	STR("c_macaddr", r, "00:00:00:00:00:00");
	STR("c_xml", r, "<a/>");
	STR("c_bit", r, "0000");
	STR("c_varbit", r, "");
	LIST("c_int_arr", r, "[]");
	LIST("c_text_arr", r, "[]");
	STR("c_int_arr2", r, "[]");
	STR("c_point", r, "(0,0)");
	STR("c_range", r, "empty");
	char *money = raw_scalar("SELECT c_money::text FROM alltypes WHERE id = 2");
	STR("c_money", r, money);
	free(money);
}

static void check_row_max(const sl_batch *b, const sl_table_schema *s)
{
	const size_t r = 2;
	assert_int_equal(DATA(uint8_t, "c_bool")[r], 1);
	assert_int_equal(DATA(int16_t, "c_int2")[r], INT16_MAX);
	assert_int_equal(DATA(int32_t, "c_int4")[r], INT32_MAX);
	assert_true(DATA(int64_t, "c_int8")[r] == INT64_MAX);
	assert_true(DATA(uint32_t, "c_oid")[r] == UINT32_MAX);
	assert_int_equal(DATA(int16_t, "c_num4")[r], 9999);
	assert_int_equal(DATA(int32_t, "c_num9")[r], 999999999);
	assert_true(DATA(int64_t, "c_num18")[r] == INT64_C(999999999999999999));
	check_i128(DATA(sl_int128, "c_num38")[r], TEN38_M1_HI, TEN38_M1_LO);
	assert_int_equal(DATA(int32_t, "c_num_neg")[r], 9999900);
	STR("c_num_free", r, "123456789012345678901234567890.123456789012345678901234567890");
	STR("c_num50", r, "999999999999999999999999999999.99999999999999999999");
	assert_true(DATA(float, "c_real")[r] == 3.4e38f);
	assert_true(DATA(double, "c_double")[r] == DBL_MAX);
	STR("c_text", r,
	    "emoji \xF0\x9F\x98\x80 na\xC3\xAFve \xE2\x9C\x93 "
	    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
	STR("c_varchar", r, "x'y\"z\\w");
	STR("c_char", r, "abcde");
	STR("c_name", r, "pg_name");
	STR("c_qchar", r, "z");
	STR("c_citext", r, "MiXeD Case");
	check_bytes(b, col(s, "c_bytea"), r, "\x00\xFF\x00\x01\x00", 5);
	/* 5874897-12-31, PostgreSQL's last date */
	assert_int_equal(DATA(int32_t, "c_date")[r], 2145042905);
	assert_true(DATA(int64_t, "c_time")[r] == 24 * INT64_C(3600000000));
	assert_true(DATA(int64_t, "c_time3")[r] == INT64_C(86399999000));
	STR("c_timetz", r, "23:59:59.999999-15:59");
	/* 294247-01-10 04:00:54.775806: the last microsecond DuckDB holds */
	assert_true(DATA(int64_t, "c_ts")[r] == INT64_MAX - 1);
	assert_false(VALID("c_ts0", r)); /* 294276-12-31: beyond DuckDB */
	assert_true(DATA(int64_t, "c_tstz")[r] == INT64_MAX - 1);
	sl_interval iv = DATA(sl_interval, "c_interval")[r];
	assert_int_equal(iv.months, INT32_MAX);
	assert_int_equal(iv.days, INT32_MAX);
	assert_true(iv.micros == INT64_MAX);
	check_i128(DATA(sl_int128, "c_uuid")[r], -1, UINT64_MAX);
	STR("c_json", r,
	    "{\"a\": [1, 2.5, \"x\"], \"b\": null, \"s\": \"\xC3\xA9\xF0\x9F\x98\x80\"}");
	STR("c_jsonb", r, "{\"a\": [1, 2.50, \"x\"], \"b\": 1, \"c\": {\"d\": \"\xC3\xA9\"}}");
	STR("c_enum", r, "happy");
	assert_int_equal(DATA(int32_t, "c_posint")[r], INT32_MAX);
	assert_true(DATA(int64_t, "c_amount")[r] == INT64_C(9999999999));
	STR("c_inet", r, "2001:db8::1/64");
	STR("c_cidr", r, "2001:db8::/32");
	STR("c_macaddr", r, "08:00:2b:01:02:03");
	STR("c_xml", r, "<doc><p lang=\"fr\">caf\xC3\xA9</p></doc>");
	STR("c_bit", r, "1111");
	STR("c_varbit", r, "10101010");
	LIST("c_int_arr", r, "[1, NULL, 3]");
	LIST("c_text_arr", r, "[\"a b\", \"c\\\"d\", NULL]");
	STR("c_int_arr2", r, "[[1,2],[3,null]]");
	STR("c_point", r, "(1.5,-2)");
	STR("c_range", r, "[1,10)");
}

static void check_row_special(const sl_batch *b, const sl_table_schema *s)
{
	const size_t r = 3;
	assert_false(VALID("c_num9", r)); /* NaN has no DECIMAL: NULL and a warning */
	STR("c_num_free", r, "Infinity");
	STR("c_num50", r, "NaN");
	assert_true(isnan(DATA(float, "c_real")[r]));
	assert_true(isinf(DATA(double, "c_double")[r]) && DATA(double, "c_double")[r] < 0);
	/* ±infinity: DuckDB's own infinities (NULL only in a cursor column) */
	assert_int_equal(DATA(int32_t, "c_date")[r], INT32_MAX);
	assert_true(DATA(int64_t, "c_ts")[r] == -INT64_MAX);
	assert_true(DATA(int64_t, "c_ts0")[r] == INT64_MAX);
	assert_true(DATA(int64_t, "c_tstz")[r] == INT64_MAX);
	STR("c_text", r, "line1\nline2\ttab");
	STR("c_char", r, "a    ");
}

static void check_rows_ordinary(const sl_batch *b, const sl_table_schema *s)
{
	size_t r = 4;
	assert_int_equal(DATA(uint8_t, "c_bool")[r], 1);
	assert_int_equal(DATA(int32_t, "c_int4")[r], -1);
	assert_int_equal(DATA(int16_t, "c_num4")[r], 1);
	check_i128(DATA(sl_int128, "c_num38")[r], -1, UINT64_MAX);
	assert_int_equal(DATA(int32_t, "c_num_neg")[r], 100);
	STR("c_num_free", r, "-Infinity");
	assert_true(DATA(float, "c_real")[r] == 0.1f);
	assert_true(isinf(DATA(double, "c_double")[r]) && DATA(double, "c_double")[r] > 0);
	assert_int_equal(DATA(int32_t, "c_date")[r], 2932897); /* 10000-01-01 */
	assert_true(DATA(int64_t, "c_time")[r] == INT64_C(45296789012));
	assert_true(DATA(int64_t, "c_time3")[r] == INT64_C(45296789000));
	assert_true(DATA(int64_t, "c_ts")[r] == INT64_C(327416976550111213));
	assert_true(DATA(int64_t, "c_ts0")[r] == INT64_C(-63549316800000000)); /* 45 BC, noon */
	assert_true(DATA(int64_t, "c_tstz")[r] == INT64_C(1709190296123456));  /* +05:30 -> UTC */
	sl_interval iv = DATA(sl_interval, "c_interval")[r];
	assert_int_equal(iv.months, 14);
	assert_int_equal(iv.days, 3);
	assert_true(iv.micros == INT64_C(14706789000));
	check_i128(DATA(sl_int128, "c_uuid")[r], (int64_t)UINT64_C(0xa0eebc999c0b4ef8),
		   UINT64_C(0xbb6d6bb9bd380a11));
	STR("c_jsonb", r, "\"just a string\"");
	STR("c_enum", r, "ok");
	STR("c_text", r, "with 'quotes', \"double\", a backslash \\ and a tab\t.");
	STR("c_citext", r, "abc");
	LIST("c_int_arr", r, "[-1, 2147483647]"); /* the lower bound 0 is not kept */
	STR("c_int_arr2", r, "[[1,2],[3,4]]");
	assert_int_equal(DATA(int32_t, "c_num9")[r], 1);
	char *money = raw_scalar("SELECT c_money::text FROM alltypes WHERE id = 5");
	STR("c_money", r, money);
	free(money);

	r = 5;
	assert_int_equal(DATA(int32_t, "c_int4")[r], 0);
	assert_int_equal(DATA(int32_t, "c_date")[r], -735525); /* 0045-03-15 BC */
	assert_true(DATA(int64_t, "c_ts")[r] == INT64_C(1709210096500000));
	assert_true(DATA(int64_t, "c_tstz")[r] == INT64_C(1709190296123456));
	check_i128(DATA(sl_int128, "c_num38")[r], 0, 0);
	assert_int_equal(DATA(int32_t, "c_num9")[r], 1000);
	check_i128(DATA(sl_int128, "c_uuid")[r], 0, 1);
}

static void test_alltypes_values(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "alltypes");
	sl_batch *b = scan_alltypes(c, s);
	for (size_t r = 0; r < 6; r++)
		assert_int_equal(((int32_t *)sl_batch_data(b, 0))[r], (int32_t)r + 1);
	check_row_nulls(b, s);
	check_row_min(b, s);
	check_row_max(b, s);
	check_row_special(b, s);
	check_rows_ordinary(b, s);
	const char *w = drv->warnings(c);
	assert_non_null(w);
	static const char *const lines[] = {
		"alltypes.c_num9: 1 NaN values loaded as NULL\n",
		"alltypes.c_ts0: 1 timestamps after 294247-01-10 loaded as NULL\n",
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(lines); i++)
		if (!strstr(w, lines[i]))
			fail_msg("warning '%s' missing from:\n%s", lines[i], w);
	assert_null(strstr(w, "c_num50:"));
	assert_null(strstr(w, "c_ts: 1 timestamps"));
	assert_null(strstr(w, "infinite"));
	sl_batch_free(b);
	sl_schema_free(s);
	drv->disconnect(c);
}

/* ---- bounds rendered as typed literals ------------------------------------------------------ */

typedef struct id_list {
	int32_t ids[16];
	size_t n;
} id_list;

static void collect_ids(const sl_batch *b, void *ctx)
{
	id_list *l = ctx;
	for (size_t r = 0; r < b->nrows && l->n < 16; r++)
		l->ids[l->n++] = ((const int32_t *)sl_batch_data(b, 0))[r];
}

/* ids with lower </<= cursor </<= upper (either may be NULL), ordered by id */
static id_list ids_between(sl_source_conn *c, sl_table_schema *s, const char *cursor,
			   const sl_value *lower, bool lower_incl, const sl_value *upper,
			   bool upper_incl, bool include_null)
{
	size_t order[] = {0};
	sl_scan_plan plan = {.table = s,
			     .cursor = col(s, cursor),
			     .lower = lower,
			     .lower_inclusive = lower_incl,
			     .upper = upper,
			     .upper_inclusive = upper_incl,
			     .include_null_cursor = include_null,
			     .norder = 1,
			     .order = order};
	id_list l = {{0}, 0};
	scan_all(c, &plan, collect_ids, &l);
	return l;
}

static void check_ids(id_list l, const int32_t *want, size_t n, int line)
{
	if (l.n != n)
		fail_msg("line %d: got %zu rows, want %zu", line, l.n, n);
	for (size_t i = 0; i < n; i++)
		if (l.ids[i] != want[i])
			fail_msg("line %d: row %zu is id %d, want %d", line, i, l.ids[i], want[i]);
}

#define assert_ids(l, n, ...) check_ids(l, (const int32_t[]){__VA_ARGS__}, n, __LINE__)
#define NONE		      0

static void test_alltypes_bounds(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "alltypes");

	sl_value d = val(SL_TYPE_DECIMAL, 38, 10, "-0.0000000001");
	assert_ids(ids_between(c, s, "c_num38", &d, false, NULL, false, false), 2, 3, 6);
	assert_ids(ids_between(c, s, "c_num38", &d, true, NULL, false, false), 3, 3, 5, 6);

	/* the server's infinity is later than any bound */
	sl_value ts = val(SL_TYPE_TIMESTAMPTZ, 6, 0, "2024-02-29 07:04:56.123456+00");
	assert_ids(ids_between(c, s, "c_tstz", &ts, true, NULL, false, false), 4, 3, 4, 5, 6);
	assert_ids(ids_between(c, s, "c_tstz", &ts, false, NULL, false, false), 2, 3, 4);
	assert_ids(ids_between(c, s, "c_tstz", &ts, false, NULL, false, true), 3, 1, 3, 4);

	sl_value lo = val(SL_TYPE_TIMESTAMP, 6, 0, "2024-01-01 00:00:00");
	sl_value hi = val(SL_TYPE_TIMESTAMP, 6, 0, "2024-02-29 12:34:56.5");
	assert_ids(ids_between(c, s, "c_ts", &lo, true, &hi, true, false), 1, 6);
	assert_ids(ids_between(c, s, "c_ts", &lo, true, &hi, false, false), 0, NONE);
	/* years past 9999 in a literal */
	sl_value y10k = SL_VALUE_INIT;
	y10k.type = SL_TYPE_TIMESTAMP;
	y10k.is_null = false;
	y10k.as.i64 = INT64_C(327416976550111213); /* 12345-06-07 08:09:10.111213 */
	assert_ids(ids_between(c, s, "c_ts", &y10k, true, NULL, false, false), 2, 3, 5);
	assert_ids(ids_between(c, s, "c_ts", &y10k, false, NULL, false, false), 1, 3);

	/* BC in a literal; a timestamp(0) column is compared without rounding the bound */
	sl_value bc = SL_VALUE_INIT;
	bc.type = SL_TYPE_TIMESTAMP;
	bc.is_null = false;
	bc.as.i64 = INT64_C(-63549316800000000) + 400000; /* 0045-03-15 12:00:00.4 BC */
	assert_ids(ids_between(c, s, "c_ts0", NULL, false, &bc, false, false), 2, 2, 5);
	sl_value dbc = SL_VALUE_INIT;
	dbc.type = SL_TYPE_DATE;
	dbc.is_null = false;
	dbc.as.i64 = -735525; /* 0045-03-15 BC */
	sl_value d2k = val(SL_TYPE_DATE, 0, 0, "2000-01-01");
	assert_ids(ids_between(c, s, "c_date", &dbc, true, &d2k, false, false), 1, 6);
	assert_ids(ids_between(c, s, "c_date", &dbc, false, &d2k, false, false), 0, NONE);

	sl_value iv = SL_VALUE_INIT;
	iv.type = SL_TYPE_INTERVAL;
	iv.is_null = false;
	iv.as.iv.micros = -1;
	assert_ids(ids_between(c, s, "c_interval", &iv, true, NULL, false, false), 2, 3, 5);

	sl_value u0 = val(SL_TYPE_UUID, 0, 0, "00000000-0000-0000-0000-000000000000");
	sl_value u1 = val(SL_TYPE_UUID, 0, 0, "00000000-0000-0000-0000-000000000001");
	assert_ids(ids_between(c, s, "c_uuid", &u0, false, NULL, false, false), 3, 3, 5, 6);
	assert_ids(ids_between(c, s, "c_uuid", &u0, true, &u1, true, false), 2, 2, 6);

	/* TEXT from an enum compares in the enum's order (sad < ok < happy), not bytewise */
	sl_value ok = val(SL_TYPE_TEXT, 0, 0, "ok");
	assert_ids(ids_between(c, s, "c_enum", &ok, true, NULL, false, false), 2, 3, 5);
	/* TEXT from a numeric compares as a number */
	sl_value half = val(SL_TYPE_TEXT, 0, 0, "-0.5");
	assert_ids(ids_between(c, s, "c_num_free", &half, false, NULL, false, false), 2, 3, 4);
	sl_value emoji = val(SL_TYPE_TEXT, 0, 0, "emoji");
	assert_ids(ids_between(c, s, "c_text", &emoji, true, NULL, false, false), 4, 3, 4, 5, 6);
	sl_value quote = val(SL_TYPE_TEXT, 0, 0, "x'y\"z\\w");
	assert_ids(ids_between(c, s, "c_varchar", &quote, true, &quote, true, false), 1, 3);

	sl_value blob = SL_VALUE_INIT;
	blob.type = SL_TYPE_BLOB;
	blob.is_null = false;
	blob.bytes = "\x00\xff";
	blob.len = 2;
	assert_ids(ids_between(c, s, "c_bytea", &blob, true, NULL, false, false), 1, 3);

	sl_value f = val(SL_TYPE_DOUBLE, 0, 0, "0.1");
	assert_ids(ids_between(c, s, "c_double", &f, true, NULL, false, false), 2, 3, 5);
	sl_value f4 = SL_VALUE_INIT;
	f4.type = SL_TYPE_FLOAT;
	f4.is_null = false;
	f4.as.f64 = (double)0.1f; /* a real compares exactly with its own value widened */
	/* PostgreSQL sorts NaN (id 4) above every number */
	assert_ids(ids_between(c, s, "c_real", &f4, true, NULL, false, false), 3, 3, 4, 5);
	assert_ids(ids_between(c, s, "c_real", &f4, false, NULL, false, false), 2, 3, 4);

	sl_value i8 = val(SL_TYPE_INT64, 0, 0, "-9223372036854775808");
	assert_ids(ids_between(c, s, "c_int8", &i8, false, NULL, false, false), 1, 3);
	assert_ids(ids_between(c, s, "c_int8", NULL, false, &i8, true, false), 1, 2);

	sl_value t12 = val(SL_TYPE_TIME, 6, 0, "12:00:00");
	assert_ids(ids_between(c, s, "c_time", &t12, true, NULL, false, false), 2, 3, 5);

	/* no bounds: NULL cursors excluded unless asked for */
	assert_ids(ids_between(c, s, "c_enum", NULL, false, NULL, false, false), 4, 2, 3, 5, 6);
	assert_ids(ids_between(c, s, "c_enum", NULL, false, NULL, false, true), 6, 1, 2, 3, 4, 5,
		   6);

	sl_value_clear(&ok);
	sl_value_clear(&half);
	sl_value_clear(&emoji);
	sl_value_clear(&quote);
	sl_schema_free(s);
	drv->disconnect(c);
}

/* ---- rfam family ---------------------------------------------------------------------------- */

static void test_rfam_reflect(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "public.family");
	assert_int_equal(s->ncolumns, 35);
	assert_int_equal(s->npk, 1);
	assert_string_equal(s->columns[s->pk[0]].name, "rfam_acc");
	static const struct {
		const char *name;
		sl_type type;
		int precision;
		bool nullable;
	} want[] = {
		{"rfam_acc", SL_TYPE_TEXT, 7, false},
		{"auto_wiki", SL_TYPE_INT64, 0, false},
		{"description", SL_TYPE_TEXT, 75, true},
		{"author", SL_TYPE_TEXT, 0, true},
		{"gathering_cutoff", SL_TYPE_DOUBLE, 0, true},
		{"comment", SL_TYPE_TEXT, 0, true},
		{"num_seed", SL_TYPE_INT64, 0, true},
		{"number_3d_structures", SL_TYPE_INT32, 0, true},
		{"ecmli_cal_db", SL_TYPE_INT32, 0, true},
		{"match_pair_node", SL_TYPE_BOOL, 0, true},
		{"created", SL_TYPE_TIMESTAMP, 0, false},
		{"updated", SL_TYPE_TIMESTAMPTZ, 0, false},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(want); i++) {
		const sl_column *cl = &s->columns[col(s, want[i].name)];
		if (cl->type != want[i].type || cl->precision != want[i].precision)
			fail_msg("%s: got %s(%d)", cl->name, sl_type_name(cl->type), cl->precision);
		assert_int_equal(cl->nullable, want[i].nullable);
	}
	assert_string_equal(s->columns[0].name, "rfam_acc");
	assert_string_equal(s->columns[34].name, "updated");
	assert_string_equal(s->columns[col(s, "created")].source_type,
			    "timestamp(0) without time zone");
	sl_schema_free(s);
	drv->disconnect(c);
}

typedef struct rfam_sums {
	size_t rows, comment_nulls, tax_empty;
	uint64_t comment_bytes;
	char last_acc[8];
	bool ordered;
} rfam_sums;

static void sum_rfam(const sl_batch *b, void *ctx)
{
	rfam_sums *z = ctx;
	const sl_bytes *acc = sl_batch_data(b, 0);
	const sl_bytes *comment = sl_batch_data(b, 9);
	const sl_bytes *tax = sl_batch_data(b, 23);
	for (size_t r = 0; r < b->nrows; r++, z->rows++) {
		char a[8] = {0};
		memcpy(a, acc[r].ptr, acc[r].len < 7 ? acc[r].len : 7);
		if (strcmp(a, z->last_acc) <= 0)
			z->ordered = false;
		memcpy(z->last_acc, a, 8);
		if (!sl_batch_is_valid(b, 9, r))
			z->comment_nulls++;
		else
			z->comment_bytes += comment[r].len;
		z->tax_empty += sl_batch_is_valid(b, 23, r) && tax[r].len == 0;
	}
}

static void test_rfam_full_scan(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "family");
	size_t order[] = {0};
	sl_scan_plan plan = {.table = s, .cursor = -1, .norder = 1, .order = order};
	rfam_sums z = {.ordered = true};
	assert_int_equal(scan_all(c, &plan, sum_rfam, &z), RFAM_ROWS);
	assert_int_equal(z.rows, RFAM_ROWS);
	assert_true(z.ordered);
	assert_int_equal(z.comment_nulls,
			 raw_count("SELECT COUNT(*) FROM family WHERE comment IS NULL"));
	assert_int_equal(z.tax_empty, raw_count("SELECT COUNT(*) FROM family WHERE tax_seed = ''"));
	assert_int_equal(z.comment_bytes,
			 raw_count("SELECT SUM(octet_length(comment)) FROM family"));
	/* unordered, as the server pleases */
	sl_scan_plan any = {.table = s, .cursor = -1};
	assert_int_equal(scan_all(c, &any, NULL, NULL), RFAM_ROWS);
	sl_schema_free(s);
	drv->disconnect(c);
}

typedef struct rfam_rows {
	char **acc; /* rfam_acc in scan order */
	int64_t *created;
	uint8_t *seen;
	size_t n, cap;
} rfam_rows;

static void collect_rfam(const sl_batch *b, void *ctx)
{
	rfam_rows *z = ctx;
	for (size_t r = 0; r < b->nrows; r++) {
		if (z->n == z->cap) {
			z->cap = z->cap ? z->cap * 2 : 1024;
			z->acc = realloc(z->acc, z->cap * sizeof(*z->acc));
			z->created = realloc(z->created, z->cap * sizeof(*z->created));
			z->seen = realloc(z->seen, z->cap);
		}
		const sl_bytes *a = &((const sl_bytes *)sl_batch_data(b, 0))[r];
		z->acc[z->n] = strndup(a->ptr, a->len);
		z->created[z->n] = ((const int64_t *)sl_batch_data(b, 33))[r];
		z->seen[z->n] = b->ncolumns > 35 ? ((const uint8_t *)sl_batch_data(b, 35))[r] : 2;
		if (b->ncolumns > 35)
			assert_true(sl_batch_is_valid(b, 35, r));
		z->n++;
	}
}

static void rfam_rows_free(rfam_rows *z)
{
	free_column(z->acc, z->n);
	free(z->created);
	free(z->seen);
	memset(z, 0, sizeof(*z));
}

static void assert_same_accs(const rfam_rows *z, const char *sql)
{
	size_t n;
	char **want = raw_column(sql, &n);
	if (z->n != n)
		fail_msg("got %zu rows, the server says %zu for %s", z->n, n, sql);
	for (size_t i = 0; i < n; i++)
		if (strcmp(z->acc[i], want[i]) != 0)
			fail_msg("row %zu: got %s, want %s", i, z->acc[i], want[i]);
	free_column(want, n);
}

static void test_rfam_plan_and_keyset(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "family");
	int created = col(s, "created");
	size_t order[] = {(size_t)created, 0};
	sl_value lower = val(SL_TYPE_TIMESTAMP, 0, 0, "2015-01-01 00:00:00");
	sl_scan_plan plan = {.table = s,
			     .cursor = created,
			     .lower = &lower,
			     .lower_inclusive = true,
			     .norder = 2,
			     .order = order,
			     .limit = 1000};
	rfam_rows z = {0};
	assert_int_equal(scan_all(c, &plan, collect_rfam, &z), 1000);
	assert_same_accs(&z, "SELECT rfam_acc FROM family WHERE created >= '2015-01-01' "
			     "ORDER BY created, rfam_acc LIMIT 1000");
	for (size_t i = 1; i < z.n; i++)
		assert_true(z.created[i] >= z.created[i - 1]);
	assert_true(z.created[0] >= INT64_C(1420070400) * 1000000);

	/* continue after the last row: (created, rfam_acc) > (last created, last acc) */
	sl_value after[2] = {SL_VALUE_INIT, SL_VALUE_INIT};
	after[0].type = SL_TYPE_TIMESTAMP;
	after[0].is_null = false;
	after[0].as.i64 = z.created[999];
	after[1] = val(SL_TYPE_TEXT, 0, 0, z.acc[999]);
	plan.after = after;
	rfam_rows z2 = {0};
	assert_int_equal(scan_all(c, &plan, collect_rfam, &z2), 1000);
	assert_same_accs(&z2, "SELECT rfam_acc FROM family WHERE created >= '2015-01-01' "
			      "ORDER BY created, rfam_acc LIMIT 1000 OFFSET 1000");

	/* descending with an upper bound, continued after a key */
	plan.lower = NULL;
	plan.upper = &lower;
	plan.upper_inclusive = false;
	plan.descending = true;
	plan.after = NULL;
	plan.limit = 10;
	rfam_rows z3 = {0};
	assert_int_equal(scan_all(c, &plan, collect_rfam, &z3), 10);
	assert_same_accs(&z3, "SELECT rfam_acc FROM family WHERE created < '2015-01-01' "
			      "ORDER BY created DESC, rfam_acc DESC LIMIT 10");
	sl_value_clear(&after[1]);
	rfam_rows_free(&z);
	rfam_rows_free(&z2);
	rfam_rows_free(&z3);
	sl_schema_free(s);
	drv->disconnect(c);
}

static void test_rfam_seen_flag(void **state)
{
	(void)state;
	char *v = raw_scalar("SELECT updated FROM family GROUP BY updated "
			     "ORDER BY COUNT(*) DESC, updated LIMIT 1");
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT rfam_acc FROM family WHERE updated = '%s' ORDER BY rfam_acc LIMIT 1 "
		 "OFFSET 9",
		 v);
	char *k = raw_scalar(sql);
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "family");
	int updated = col(s, "updated");
	size_t order[] = {(size_t)updated, 0};
	size_t pkcols[] = {0};
	sl_value cur = val(SL_TYPE_TIMESTAMPTZ, 0, 0, v);
	sl_value pk = val(SL_TYPE_TEXT, 0, 0, k);
	sl_scan_plan plan = {.table = s,
			     .cursor = updated,
			     .lower = &cur,
			     .lower_inclusive = true,
			     .norder = 2,
			     .order = order,
			     .seen_cursor = &cur,
			     .nseen_pk = 1,
			     .seen_pk_cols = pkcols,
			     .seen_pk = &pk};
	rfam_rows z = {0};
	size_t n = scan_all(c, &plan, collect_rfam, &z);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM family WHERE updated >= '%s'", v);
	assert_int_equal(n, raw_count(sql));
	/* ascending: exactly the first ten rows (updated = v, rfam_acc <= k) are flagged */
	for (size_t i = 0; i < z.n; i++)
		if (z.seen[i] != (i < 10))
			fail_msg("row %zu (%s): seen=%d", i, z.acc[i], z.seen[i]);
	rfam_rows_free(&z);

	/* descending: the flag is cursor = v AND pk >= k */
	plan.lower = NULL;
	plan.upper = &cur;
	plan.upper_inclusive = true;
	plan.descending = true;
	n = scan_all(c, &plan, collect_rfam, &z);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM family WHERE updated <= '%s'", v);
	assert_int_equal(n, raw_count(sql));
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM family WHERE updated = '%s' AND rfam_acc >= '%s'", v, k);
	size_t want_seen = (size_t)raw_count(sql);
	assert_true(want_seen > 1);
	for (size_t i = 0; i < z.n; i++)
		if (z.seen[i] != (i < want_seen))
			fail_msg("descending row %zu (%s): seen=%d", i, z.acc[i], z.seen[i]);
	rfam_rows_free(&z);
	sl_value_clear(&pk);
	free(v);
	free(k);
	sl_schema_free(s);
	drv->disconnect(c);
}

static void test_stats(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "family");
	sl_value after = val(SL_TYPE_TIMESTAMP, 0, 0, "2015-01-01 00:00:00");
	sl_source_stats st;
	if (drv->stats(&st, c, s, col(s, "created"), false, &after) != 0)
		fail_msg("stats: %s", sl_error_last()->message);
	char *max = raw_scalar("SELECT MAX(created) FROM family");
	assert_string_equal(st.cursor_max, max);
	assert_int_equal(st.rows_total, RFAM_ROWS);
	assert_int_equal(st.rows_after,
			 raw_count("SELECT COUNT(*) FROM family WHERE created > '2015-01-01'"));
	free(max);
	sl_source_stats_clear(&st);

	if (drv->stats(&st, c, s, col(s, "created"), true, NULL) != 0)
		fail_msg("stats: %s", sl_error_last()->message);
	char *min = raw_scalar("SELECT MIN(created) FROM family");
	assert_string_equal(st.cursor_max, min);
	assert_int_equal(st.rows_after, -1);
	free(min);
	sl_source_stats_clear(&st);

	/* no cursor: just the count */
	if (drv->stats(&st, c, s, -1, false, NULL) != 0)
		fail_msg("stats: %s", sl_error_last()->message);
	assert_null(st.cursor_max);
	assert_int_equal(st.rows_total, RFAM_ROWS);
	sl_source_stats_clear(&st);

	/* a uuid cursor: PostgreSQL has no max(uuid); ORDER BY ... LIMIT 1 works for any type */
	sl_table_schema *a = reflect(c, "alltypes");
	sl_value u1 = val(SL_TYPE_UUID, 0, 0, "00000000-0000-0000-0000-000000000001");
	if (drv->stats(&st, c, a, col(a, "c_uuid"), false, &u1) != 0)
		fail_msg("stats: %s", sl_error_last()->message);
	assert_string_equal(st.cursor_max, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	assert_int_equal(st.rows_total, 6);
	assert_int_equal(st.rows_after, 2);
	sl_source_stats_clear(&st);
	/* the session is still usable after stats */
	sl_scan_plan all = {.table = a, .cursor = -1};
	assert_int_equal(scan_all(c, &all, NULL, NULL), 6);
	sl_schema_free(a);
	sl_schema_free(s);
	drv->disconnect(c);
}

/* ---- partitions, views, names --------------------------------------------------------------- */

typedef struct sums {
	size_t rows;
	int64_t id_sum;
} sums;

static void sum_ids(const sl_batch *b, void *ctx)
{
	sums *z = ctx;
	for (size_t r = 0; r < b->nrows; r++, z->rows++)
		z->id_sum += ((const int32_t *)sl_batch_data(b, 0))[r];
}

static void test_partitioned_and_view(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "measurements");
	assert_int_equal(s->ncolumns, 4);
	assert_int_equal(s->columns[2].type, SL_TYPE_TIMESTAMPTZ);
	assert_false(s->columns[0].nullable);
	assert_int_equal(s->npk, 2);
	assert_int_equal(s->pk[0], 1); /* PRIMARY KEY (region, id) */
	assert_int_equal(s->pk[1], 0);
	sums z = {0};
	sl_scan_plan all = {.table = s, .cursor = -1};
	assert_int_equal(scan_all(c, &all, sum_ids, &z), 3000);
	assert_true(z.id_sum == 3000 * 3001 / 2);
	/* across partitions, by the cursor, keyset continued */
	size_t order[] = {2, 1, 0};
	sl_value lower = val(SL_TYPE_TIMESTAMPTZ, 0, 0, "2024-01-01 16:40:00");
	sl_scan_plan plan = {.table = s,
			     .cursor = 2,
			     .lower = &lower,
			     .lower_inclusive = true,
			     .norder = 3,
			     .order = order,
			     .limit = 500};
	z = (sums){0};
	assert_int_equal(scan_all(c, &plan, sum_ids, &z), 500);
	assert_true(z.id_sum == (int64_t)(1000 + 1499) * 500 / 2); /* ids 1000..1499 */
	sl_schema_free(s);

	s = reflect(c, "alltypes_view");
	assert_int_equal(s->ncolumns, 4);
	assert_int_equal(s->npk, 0);
	for (size_t i = 0; i < s->ncolumns; i++)
		assert_true(s->columns[i].nullable);
	assert_int_equal(s->columns[3].type, SL_TYPE_TEXT);
	sl_scan_plan v = {.table = s, .cursor = -1};
	z = (sums){0};
	assert_int_equal(scan_all(c, &v, sum_ids, &z), 5);
	assert_int_equal(z.id_sum, 2 + 3 + 4 + 5 + 6);
	sl_schema_free(s);
	drv->disconnect(c);
}

static void test_composites_and_arrays(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "shapes");
	static const struct {
		const char *name, *decl;
		sl_type type, element;
		int precision, scale;
	} want[] = {
		{"p", "pair", SL_TYPE_JSON, 0, 0, 0},
		{"spans", "int4range[]", SL_TYPE_LIST, SL_TYPE_TEXT, 0, 0},
		{"tags", "character varying(10)[]", SL_TYPE_LIST, SL_TYPE_TEXT, 10, 0},
		{"amounts", "amount[]", SL_TYPE_LIST, SL_TYPE_DECIMAL, 10, 2},
		{"flat", "integer[]", SL_TYPE_LIST, SL_TYPE_INT32, 0, 0},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(want); i++) {
		const sl_column *cl = &s->columns[col(s, want[i].name)];
		assert_int_equal(cl->type, want[i].type);
		if (cl->type == SL_TYPE_LIST)
			assert_int_equal(cl->element, want[i].element);
		assert_int_equal(cl->precision, want[i].precision);
		assert_int_equal(cl->scale, want[i].scale);
		assert_string_equal(cl->source_type, want[i].decl);
	}
	const char *w = drv->warnings(c);
	assert_non_null(w);
	assert_non_null(strstr(w, "shapes.spans: PostgreSQL type int4range[] has no portable"));
	size_t order[] = {0};
	sl_scan_plan plan = {.table = s, .cursor = -1, .norder = 1, .order = order};
	sl_scan *scan = NULL;
	assert_int_equal(drv->scan_open(&scan, c, &plan), 0);
	sl_batch *b = sl_batch_new(s, 0);
	assert_int_equal(drv->scan_next(scan, b), 2);
	drv->scan_close(scan);
	STR("p", 0, "{\"a\":1,\"b\":\"x\"}");
	LIST("spans", 0, "[\"[1,3)\", \"empty\"]");
	LIST("tags", 0, "[\"a\", \"b c\"]");
	LIST("amounts", 0, "[1.50, NULL]");
	LIST("flat", 0, "[1]");
	assert_false(VALID("p", 1));
	LIST("spans", 1, "[]");
	assert_false(VALID("tags", 1));
	LIST("amounts", 1, "[]");
	sl_batch_free(b);
	sl_schema_free(s);

	/* a 2-dimensional value where the column declares one dimension fails, naming it */
	s = reflect(c, "flat_2d");
	assert_int_equal(s->columns[1].type, SL_TYPE_LIST);
	plan.table = s;
	assert_int_equal(drv->scan_open(&scan, c, &plan), 0);
	b = sl_batch_new(s, 0);
	assert_true(drv->scan_next(scan, b) < 0);
	assert_non_null(strstr(sl_error_last()->message, "flat_2d.a: a 2-dimensional array"));
	drv->scan_close(scan);
	sl_batch_free(b);
	sl_schema_free(s);
	drv->disconnect(c);
}

static size_t count_rows(sl_source_conn *c, const sl_table_schema *s)
{
	sl_scan_plan all = {.table = s, .cursor = -1};
	return scan_all(c, &all, NULL, NULL);
}

static void test_quoted_names(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	/* a bare name matches exactly first */
	sl_table_schema *s = reflect(c, "MixedCase");
	assert_string_equal(s->database, "public");
	assert_string_equal(s->name, "MixedCase");
	assert_string_equal(s->columns[0].name, "Id");
	assert_string_equal(s->columns[1].name, "Value \"quoted\"");
	assert_int_equal(s->npk, 1);
	assert_int_equal(count_rows(c, s), 2);
	sl_schema_free(s);

	s = reflect(c, "\"Odd Schema\".\"MixedCase\"");
	assert_string_equal(s->database, "Odd Schema");
	assert_int_equal(s->columns[0].type, SL_TYPE_INT64);
	assert_int_equal(count_rows(c, s), 1);
	sl_schema_free(s);
	s = reflect(c, "Odd Schema.MixedCase");
	assert_string_equal(s->database, "Odd Schema");
	sl_schema_free(s);

	/* a bare name also matches its lower-case form, as unquoted SQL identifiers do */
	s = reflect(c, "LOWER_ONLY");
	assert_string_equal(s->name, "lower_only");
	assert_int_equal(count_rows(c, s), 1);
	sl_schema_free(s);
	s = NULL;
	assert_int_equal(drv->reflect(&s, c, "\"LOWER_ONLY\""), SL_ENOTFOUND);
	assert_int_equal(drv->reflect(&s, c, "odd schema.MixedCase"), SL_ENOTFOUND);

	s = reflect(c, "public.\"dotted.name\"");
	assert_string_equal(s->name, "dotted.name");
	assert_int_equal(count_rows(c, s), 3);
	sl_schema_free(s);
	s = reflect(c, "\"dotted.name\"");
	sl_schema_free(s);
	s = NULL;
	assert_int_equal(drv->reflect(&s, c, "\"unterminated"), SL_EINVAL);
	assert_int_equal(drv->reflect(&s, c, "a.b.c"), SL_EINVAL);
	drv->disconnect(c);

	/* schema= in the URL: where unqualified names live */
	char url[600];
	snprintf(url, sizeof(url), "%s%sschema=Odd%%20Schema", test_url(),
		 strchr(test_url(), '?') ? "&" : "?");
	if (connect_text(url, &c) != 0)
		fail_msg("connect with schema: %s", sl_error_last()->message);
	s = reflect(c, "MixedCase");
	assert_string_equal(s->database, "Odd Schema");
	assert_int_equal(s->columns[0].type, SL_TYPE_INT64);
	sl_schema_free(s);
	s = NULL;
	assert_int_equal(drv->reflect(&s, c, "alltypes"), SL_ENOTFOUND);
	assert_string_equal(sl_error_last()->message,
			    "table 'Odd Schema.alltypes' not found in database 'sluice_test'");
	s = reflect(c, "public.alltypes");
	sl_schema_free(s);
	drv->disconnect(c);
}

/* ---- abandoning a scan ---------------------------------------------------------------------- */

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

#define BIGSCAN_RUNNING                                                            \
	"SELECT COUNT(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "     \
	"AND query LIKE 'COPY (SELECT \"id\", \"v\"::pg_catalog.text, \"d\" FROM " \
	"\"public\".\"bigscan\"%%'"

static void test_early_close(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *big = reflect(c, "bigscan");
	sl_scan_plan plan = {.table = big, .cursor = -1};
	sl_scan *scan = NULL;
	assert_int_equal(drv->scan_open(&scan, c, &plan), 0);
	sl_batch *b = sl_batch_new(big, 0);
	assert_int_equal(drv->scan_next(scan, b), SL_BATCH_CAPACITY);
	assert_int_equal(((int32_t *)sl_batch_data(b, 0))[0], 1);
	CHECK_STR(b, 1, 0, "value number 1");
	/* a second scan on a busy connection is refused, not corrupted */
	sl_scan *other = NULL;
	assert_int_equal(drv->scan_open(&other, c, &plan), SL_EINVAL);
	double t0 = now_seconds();
	drv->scan_close(scan);
	double closed = now_seconds() - t0;
	print_message("early scan_close of %d rows after one batch: %.4f s\n", BIG_ROWS, closed);
	assert_true(closed < 1.0);
	sl_batch_free(b);

	/* the server drops the abandoned query */
	long long running = 1;
	for (int i = 0; i < 50 && running; i++) {
		running = raw_count(BIGSCAN_RUNNING);
		if (running)
			sleep_ms(100);
	}
	assert_int_equal(running, 0);

	/* a query busy between writes (it would notice the closed socket only at its next one)
	   is cancelled, not left running */
	sl_table_schema *slow = reflect(c, "slow_view");
	sl_scan_plan filtered = {.table = slow, .cursor = -1};
	assert_int_equal(drv->scan_open(&scan, c, &filtered), 0);
	sleep_ms(200);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM pg_stat_activity WHERE pid <> "
				   "pg_backend_pid() AND query LIKE 'COPY (SELECT%slow_view%'"),
			 1);
	t0 = now_seconds();
	drv->scan_close(scan);
	print_message("scan_close of a query between writes: %.4f s\n", now_seconds() - t0);
	running = 1;
	for (int i = 0; i < 10 && running; i++) {
		running = raw_count("SELECT COUNT(*) FROM pg_stat_activity WHERE pid <> "
				    "pg_backend_pid() AND query LIKE 'COPY (SELECT%slow_view%'");
		if (running)
			sleep_ms(100);
	}
	assert_int_equal(running, 0);
	sl_schema_free(slow);

	/* the same connection works again: reflect, then full scans */
	sl_table_schema *s = reflect(c, "family");
	sl_scan_plan all = {.table = s, .cursor = -1};
	assert_int_equal(scan_all(c, &all, NULL, NULL), RFAM_ROWS);
	assert_int_equal(scan_all(c, &plan, NULL, NULL), BIG_ROWS);
	sl_schema_free(s);
	sl_schema_free(big);
	drv->disconnect(c);
}

static long long terminate_where(const char *where)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
		 "WHERE pid <> pg_backend_pid() AND %s",
		 where);
	return raw_count(sql);
}

static void test_killed_stream_is_an_error(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *big = reflect(c, "bigscan");
	sl_scan_plan plan = {.table = big, .cursor = -1};
	sl_scan *scan = NULL;
	assert_int_equal(drv->scan_open(&scan, c, &plan), 0);
	sl_batch *b = sl_batch_new(big, 0);
	assert_int_equal(drv->scan_next(scan, b), SL_BATCH_CAPACITY);
	/* a full batch is refused rather than reported as the end of the result */
	assert_int_equal(drv->scan_next(scan, b), SL_EINVAL);
	assert_int_equal(terminate_where("query LIKE 'COPY (SELECT%bigscan%'"), 1);
	/* what was already in flight may still arrive, then an error: never a silent end */
	int n;
	size_t rows = SL_BATCH_CAPACITY;
	do {
		sl_batch_reset(b);
		n = drv->scan_next(scan, b);
		if (n > 0)
			rows += (size_t)n;
	} while (n > 0);
	assert_int_equal(n, SL_ESOURCE);
	assert_true(rows < BIG_ROWS);
	assert_non_null(strstr(sl_error_last()->message, "bigscan"));
	drv->scan_close(scan);
	sl_batch_free(b);

	/* the next scan reconnects */
	sl_scan_plan five = {.table = big, .cursor = -1, .limit = 5};
	assert_int_equal(scan_all(c, &five, NULL, NULL), 5);

	/* a session the server dropped while idle is reopened transparently, for scans and
	   for reflection */
	const char *idle = "application_name = 'sluice' AND state = 'idle'";
	assert_true(terminate_where(idle) >= 1);
	sleep_ms(100);
	assert_int_equal(scan_all(c, &five, NULL, NULL), 5);
	assert_true(terminate_where(idle) >= 1);
	sleep_ms(100);
	sl_table_schema *again = reflect(c, "bigscan");
	assert_int_equal(again->ncolumns, 3);
	sl_schema_free(again);
	sl_schema_free(big);
	drv->disconnect(c);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_missing_table(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = NULL;
	assert_int_equal(drv->reflect(&s, c, "no_such_table"), SL_ENOTFOUND);
	assert_null(s);
	assert_string_equal(sl_error_last()->message,
			    "table 'public.no_such_table' not found in database 'sluice_test'");
	assert_int_equal(drv->reflect(&s, c, "otherschema.t"), SL_ENOTFOUND);
	assert_string_equal(sl_error_last()->message,
			    "table 'otherschema.t' not found in database 'sluice_test'");
	/* a table dropped after reflection: the scan says so */
	PGconn *db = raw_connect();
	raw_exec(db, "CREATE TABLE short_lived (id integer)");
	sl_table_schema *t = reflect(c, "short_lived");
	raw_exec(db, "DROP TABLE short_lived");
	PQfinish(db);
	sl_scan_plan plan = {.table = t, .cursor = -1};
	sl_scan *scan = NULL;
	assert_int_equal(drv->scan_open(&scan, c, &plan), SL_ENOTFOUND);
	assert_non_null(strstr(sl_error_last()->message, "public.short_lived"));
	assert_non_null(strstr(sl_error_last()->message, "42P01"));
	sl_schema_free(t);
	drv->disconnect(c);
}

static void test_connect_errors(void **state)
{
	(void)state;
	sl_url *u = parsed_url();
	char url[600], want[400];
	sl_source_conn *c = NULL;

	snprintf(url, sizeof(url), "postgresql://%s:wrong-Secret-pw-42@%s:%d/%s", u->user, u->host,
		 u->port, u->database);
	assert_int_equal(connect_text(url, &c), SL_EAUTH);
	assert_null(c);
	const char *msg = sl_error_last()->message;
	snprintf(want, sizeof(want),
		 "access denied for user '%s' to %s:%d: password authentication failed for user "
		 "\"%s\" (PostgreSQL 28P01)",
		 u->user, u->host, u->port, u->user);
	assert_string_equal(msg, want);
	assert_null(strstr(msg, "wrong-Secret-pw-42"));

	/* no password at all (and none in PGPASSWORD or a password file) */
	unsetenv("PGPASSWORD");
	setenv("PGPASSFILE", "/nonexistent/pgpass", 1);
	snprintf(url, sizeof(url), "postgresql://%s@%s:%d/%s", u->user, u->host, u->port,
		 u->database);
	assert_int_equal(connect_text(url, &c), SL_EAUTH);
	assert_non_null(strstr(sl_error_last()->message, "none was given"));

	/* libpq's own sources of passwords: PGPASSWORD, then the password file */
	setenv("PGPASSWORD", u->password, 1);
	if (connect_text(url, &c) != 0)
		fail_msg("connect with PGPASSWORD: %s", sl_error_last()->message);
	drv->disconnect(c);
	unsetenv("PGPASSWORD");
	const char *pgpass = "pgpass-test";
	FILE *f = fopen(pgpass, "w");
	assert_non_null(f);
	fprintf(f, "%s:%d:%s:%s:%s\n", u->host, u->port, u->database, u->user, u->password);
	fclose(f);
	chmod(pgpass, 0600);
	setenv("PGPASSFILE", pgpass, 1);
	if (connect_text(url, &c) != 0)
		fail_msg("connect with a password file: %s", sl_error_last()->message);
	drv->disconnect(c);
	unsetenv("PGPASSFILE");
	remove(pgpass);

	assert_int_equal(connect_text("postgresql://sluice:pw@127.0.0.1:1/sluice_test", &c),
			 SL_ECONNECT);
	assert_string_equal(sl_error_last()->message,
			    "cannot connect to PostgreSQL at 127.0.0.1:1: Connection refused");

	snprintf(url, sizeof(url), "postgresql://%s:%s@%s:%d/no_such_db_xyz", u->user, u->password,
		 u->host, u->port);
	assert_int_equal(connect_text(url, &c), SL_ENOTFOUND);
	snprintf(want, sizeof(want),
		 "unknown database 'no_such_db_xyz' on %s:%d (PostgreSQL 3D000)", u->host, u->port);
	assert_string_equal(sl_error_last()->message, want);
	assert_null(strstr(sl_error_last()->message, u->password));

	snprintf(url, sizeof(url), "postgresql://%s:%s@%s:%d/%s?sslmode=bogus", u->user,
		 u->password, u->host, u->port, u->database);
	assert_int_equal(connect_text(url, &c), SL_EURL);
	snprintf(url, sizeof(url), "postgresql://%s:%s@%s:%d/%s?charset=utf8", u->user, u->password,
		 u->host, u->port, u->database);
	assert_int_equal(connect_text(url, &c), SL_EURL);

	/* sslmode=require against a server without TLS fails rather than falling back */
	snprintf(url, sizeof(url), "postgresql://%s:%s@%s:%d/%s?sslmode=require", u->user,
		 u->password, u->host, u->port, u->database);
	char *ssl = raw_scalar("SHOW ssl");
	if (strcmp(ssl, "on") == 0) {
		assert_int_equal(connect_text(url, &c), 0);
		drv->disconnect(c);
	} else {
		assert_int_equal(connect_text(url, &c), SL_ECONNECT);
		assert_non_null(strstr(sl_error_last()->message, "SSL"));
	}
	free(ssl);

	/* options that are understood; application_name shows up on the server */
	snprintf(url, sizeof(url),
		 "postgresql+psycopg2://%s:%s@%s:%d/%s?sslmode=disable&connect_timeout=5"
		 "&application_name=sluice-probe&options=-c%%20work_mem%%3D8MB",
		 u->user, u->password, u->host, u->port, u->database);
	if (connect_text(url, &c) != 0)
		fail_msg("connect with options: %s", sl_error_last()->message);
	assert_int_equal(raw_count("SELECT COUNT(*) FROM pg_stat_activity "
				   "WHERE application_name = 'sluice-probe'"),
			 1);
	drv->disconnect(c);

	/* the unix socket, named by host= */
	const char *sock = getenv("SLUICE_TEST_PG_SOCKET_DIR");
	if (!sock || !*sock)
		fail_msg("SLUICE_TEST_PG_SOCKET_DIR is not set");
	snprintf(url, sizeof(url), "postgresql://%s:%s@:%d/%s?host=%s", u->user, u->password,
		 u->port, u->database, sock);
	if (connect_text(url, &c) != 0)
		fail_msg("connect through the socket: %s", sl_error_last()->message);
	sl_table_schema *s = reflect(c, "lower_only");
	assert_int_equal(count_rows(c, s), 1);
	sl_schema_free(s);
	drv->disconnect(c);
	sl_url_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alltypes_reflect),
		cmocka_unit_test(test_alltypes_values),
		cmocka_unit_test(test_alltypes_bounds),
		cmocka_unit_test(test_rfam_reflect),
		cmocka_unit_test(test_rfam_full_scan),
		cmocka_unit_test(test_rfam_plan_and_keyset),
		cmocka_unit_test(test_rfam_seen_flag),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_partitioned_and_view),
		cmocka_unit_test(test_composites_and_arrays),
		cmocka_unit_test(test_quoted_names),
		cmocka_unit_test(test_early_close),
		cmocka_unit_test(test_killed_stream_is_an_error),
		cmocka_unit_test(test_missing_table),
		cmocka_unit_test(test_connect_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
