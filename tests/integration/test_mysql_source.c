/*
 * test_mysql_source.c — the MySQL/MariaDB source driver against a real server
 * (SLUICE_TEST_MYSQL_URL, as exported by scripts/test-server): loads tests/data/mysql_alltypes.sql
 * and tests/data/rfam_family_mysql.sql itself, then reflects, scans into batches and checks the
 * values one by one against what the fixtures hold and what the server says.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources/mysql_internal.h"

#include <float.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SL_TEST_DATA_DIR
#define SL_TEST_DATA_DIR "tests/data"
#endif

#define RFAM_ROWS 4178
#define BIG_ROWS  300000

static const sl_source_driver *drv = &sl_mysql_source;

/* ---- helpers: the server, directly through libmariadb -------------------------------------- */

static const char *test_url(void)
{
	const char *url = getenv("SLUICE_TEST_MYSQL_URL");
	if (!url || !*url)
		fail_msg("SLUICE_TEST_MYSQL_URL is not set; start a server with "
			 "eval \"$(scripts/test-server mariadb start /tmp/x)\"");
	return url;
}

static sl_url *parsed_url(void)
{
	sl_url *u = NULL;
	if (sl_url_parse(&u, test_url()) != 0)
		fail_msg("bad SLUICE_TEST_MYSQL_URL: %s", sl_error_last()->message);
	return u;
}

static MYSQL *raw_connect(unsigned long flags)
{
	sl_url *u = parsed_url();
	MYSQL *db = mysql_init(NULL);
	assert_non_null(db);
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(db, u->host, u->user, u->password, u->database, (unsigned)u->port,
				NULL, flags))
		fail_msg("cannot connect to the test server: %s", mysql_error(db));
	sl_url_free(u);
	return db;
}

static void raw_exec(MYSQL *db, const char *sql)
{
	if (mysql_query(db, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(db));
	MYSQL_RES *r = mysql_store_result(db);
	if (r)
		mysql_free_result(r);
}

/* The first column of the first row as a new string ("NULL" for NULL). */
static char *raw_scalar(const char *sql)
{
	MYSQL *db = raw_connect(0);
	raw_exec(db, "SET time_zone = '+00:00'");
	if (mysql_query(db, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(db));
	MYSQL_RES *r = mysql_store_result(db);
	assert_non_null(r);
	MYSQL_ROW row = mysql_fetch_row(r);
	assert_non_null(row);
	char *out = strdup(row[0] ? row[0] : "NULL");
	mysql_free_result(r);
	mysql_close(db);
	return out;
}

static long long raw_count(const char *sql)
{
	char *s = raw_scalar(sql);
	long long n = strtoll(s, NULL, 10);
	free(s);
	return n;
}

/* All values of the first column, in order (caller frees each and the array). */
static char **raw_column(const char *sql, size_t *n)
{
	MYSQL *db = raw_connect(0);
	raw_exec(db, "SET time_zone = '+00:00'");
	if (mysql_query(db, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(db));
	MYSQL_RES *r = mysql_store_result(db);
	assert_non_null(r);
	*n = (size_t)mysql_num_rows(r);
	char **out = calloc(*n + 1, sizeof(*out));
	MYSQL_ROW row;
	for (size_t i = 0; (row = mysql_fetch_row(r)); i++)
		out[i] = strdup(row[0] ? row[0] : "NULL");
	mysql_free_result(r);
	mysql_close(db);
	return out;
}

static void free_column(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
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
	fclose(f);
	MYSQL *db = raw_connect(CLIENT_MULTI_STATEMENTS);
	if (mysql_real_query(db, text, (unsigned long)len) != 0)
		fail_msg("%s: %s", path, mysql_error(db));
	int st;
	do {
		MYSQL_RES *r = mysql_store_result(db);
		if (r)
			mysql_free_result(r);
		else if (mysql_field_count(db))
			fail_msg("%s: %s", path, mysql_error(db));
	} while ((st = mysql_next_result(db)) == 0);
	if (st > 0)
		fail_msg("%s: %s", path, mysql_error(db));
	mysql_close(db);
	free(text);
}

static int group_setup(void **state)
{
	(void)state;
	if (!getenv("SLUICE_TEST_MYSQL_URL"))
		return 0; /* every test then fails with the reason */
	load_sql_file("mysql_alltypes.sql");
	load_sql_file("rfam_family_mysql.sql");
	MYSQL *db = raw_connect(0);
	raw_exec(db, "DROP TABLE IF EXISTS bigscan");
	raw_exec(db, "CREATE TABLE bigscan (id INT PRIMARY KEY, v VARCHAR(40), d DATETIME)");
	raw_exec(db, "SET SESSION max_recursive_iterations = 1000000");
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO bigscan WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM "
		 "s "
		 "WHERE n < %d) SELECT n, CONCAT('value number ', n), "
		 "'2020-01-01' + INTERVAL n SECOND FROM s",
		 BIG_ROWS);
	raw_exec(db, sql);
	mysql_close(db);
	return 0;
}

/* ---- helpers: the driver -------------------------------------------------------------------- */

static sl_source_conn *open_conn(void)
{
	sl_url *u = parsed_url();
	sl_source_conn *c = NULL;
	int rc = drv->connect(&c, u, NULL);
	sl_url_free(u);
	if (rc != 0)
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
	int i = sl_schema_find(s, name);
	if (i < 0)
		fail_msg("no column %s", name);
	return i;
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
	assert_true(sl_batch_is_valid(b, (size_t)c, row));
	const sl_bytes *v = &((const sl_bytes *)sl_batch_data(b, (size_t)c))[row];
	assert_int_equal(v->len, len);
	assert_memory_equal(v->ptr, want, len);
}

#define CHECK_STR(b, c, row, s) check_bytes(b, c, row, s, strlen(s))

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
	} want[] = {
		{"id", SL_TYPE_INT32, 0, 0},
		{"c_bool", SL_TYPE_BOOL, 0, 0},
		{"c_tinyint", SL_TYPE_INT8, 0, 0},
		{"c_tinyint_u", SL_TYPE_UINT8, 0, 0},
		{"c_smallint", SL_TYPE_INT16, 0, 0},
		{"c_smallint_u", SL_TYPE_UINT16, 0, 0},
		{"c_mediumint", SL_TYPE_INT32, 0, 0},
		{"c_mediumint_u", SL_TYPE_UINT32, 0, 0},
		{"c_int", SL_TYPE_INT32, 0, 0},
		{"c_int_u", SL_TYPE_UINT32, 0, 0},
		{"c_bigint", SL_TYPE_INT64, 0, 0},
		{"c_bigint_u", SL_TYPE_UINT64, 0, 0},
		{"c_dec4", SL_TYPE_DECIMAL, 4, 2},
		{"c_dec9", SL_TYPE_DECIMAL, 9, 3},
		{"c_dec18", SL_TYPE_DECIMAL, 18, 6},
		{"c_dec38", SL_TYPE_DECIMAL, 38, 10},
		{"c_dec65", SL_TYPE_TEXT, 0, 0},
		{"c_float", SL_TYPE_FLOAT, 0, 0},
		{"c_double", SL_TYPE_DOUBLE, 0, 0},
		{"c_real", SL_TYPE_DOUBLE, 0, 0},
		{"c_bit1", SL_TYPE_BOOL, 0, 0},
		{"c_bit12", SL_TYPE_UINT64, 0, 0},
		{"c_date", SL_TYPE_DATE, 0, 0},
		{"c_datetime", SL_TYPE_TIMESTAMP, 0, 0},
		{"c_datetime6", SL_TYPE_TIMESTAMP, 6, 0},
		{"c_timestamp", SL_TYPE_TIMESTAMPTZ, 0, 0},
		{"c_timestamp6", SL_TYPE_TIMESTAMPTZ, 6, 0},
		{"c_time", SL_TYPE_INTERVAL, 0, 0},
		{"c_time6", SL_TYPE_INTERVAL, 6, 0},
		{"c_year", SL_TYPE_INT16, 0, 0},
		{"c_char", SL_TYPE_TEXT, 10, 0},
		{"c_varchar", SL_TYPE_TEXT, 255, 0},
		{"c_tinytext", SL_TYPE_TEXT, 255, 0},
		{"c_text", SL_TYPE_TEXT, 65535, 0},
		{"c_mediumtext", SL_TYPE_TEXT, 16777215, 0},
		{"c_longtext", SL_TYPE_TEXT, 0, 0},
		{"c_latin1", SL_TYPE_TEXT, 50, 0},
		{"c_binary", SL_TYPE_BLOB, 4, 0},
		{"c_varbinary", SL_TYPE_BLOB, 16, 0},
		{"c_blob", SL_TYPE_BLOB, 65535, 0},
		{"c_longblob", SL_TYPE_BLOB, 0, 0},
		{"c_enum", SL_TYPE_TEXT, 6, 0},
		{"c_set", SL_TYPE_TEXT, 5, 0},
		{"c_json", SL_TYPE_JSON, 0, 0},
		{"c_geometry", SL_TYPE_BLOB, 0, 0},
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
		assert_int_equal(cl->nullable, i != 0);
	}
	assert_string_equal(s->columns[1].source_type, "tinyint(1)");
	assert_string_equal(s->columns[11].source_type, "bigint(20) unsigned");
	assert_string_equal(s->database, "sluice_test");
	assert_string_equal(s->name, "alltypes");
	assert_int_equal(s->npk, 1);
	assert_int_equal(s->pk[0], 0);
	const char *w = drv->warnings(c);
	assert_non_null(w);
	assert_non_null(strstr(w, "alltypes.c_geometry: MySQL type geometry has no portable type"));
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
	assert_int_equal(drv->scan_next(scan, b), 6);
	assert_int_equal(drv->scan_next(scan, b), 0);
	drv->scan_close(scan);
	return b;
}

#define DATA(T, name)	 ((const T *)sl_batch_data(b, (size_t)col(s, name)))
#define VALID(name, row) sl_batch_is_valid(b, (size_t)col(s, name), row)

static sl_int128 i128_of(int64_t hi, uint64_t lo)
{
	sl_int128 v = {lo, hi};
	return v;
}

static void check_i128(sl_int128 got, sl_int128 want)
{
	assert_int_equal(got.hi, want.hi);
	assert_int_equal(got.lo, want.lo);
}

/* 10^38 - 1 as two 64-bit halves */
#define TEN38_M1_HI INT64_C(5421010862427522170)
#define TEN38_M1_LO UINT64_C(687399551400673279)

static void check_row_nulls(const sl_batch *b, const sl_table_schema *s)
{
	for (size_t c = 1; c < s->ncolumns; c++)
		assert_false(sl_batch_is_valid(b, c, 0));
	assert_int_equal(DATA(int32_t, "id")[0], 1);
}

static void check_row_min(const sl_batch *b, const sl_table_schema *s)
{
	const size_t r = 1;
	assert_int_equal(DATA(uint8_t, "c_bool")[r], 0);
	assert_int_equal(DATA(int8_t, "c_tinyint")[r], INT8_MIN);
	assert_int_equal(DATA(uint8_t, "c_tinyint_u")[r], 0);
	assert_int_equal(DATA(int16_t, "c_smallint")[r], INT16_MIN);
	assert_int_equal(DATA(uint16_t, "c_smallint_u")[r], 0);
	assert_int_equal(DATA(int32_t, "c_mediumint")[r], -8388608);
	assert_int_equal(DATA(uint32_t, "c_mediumint_u")[r], 0);
	assert_int_equal(DATA(int32_t, "c_int")[r], INT32_MIN);
	assert_int_equal(DATA(uint32_t, "c_int_u")[r], 0);
	assert_true(DATA(int64_t, "c_bigint")[r] == INT64_MIN);
	assert_true(DATA(uint64_t, "c_bigint_u")[r] == 0);
	assert_int_equal(DATA(int16_t, "c_dec4")[r], -9999);
	assert_int_equal(DATA(int32_t, "c_dec9")[r], -999999999);
	assert_true(DATA(int64_t, "c_dec18")[r] == INT64_C(-999999999999999999));
	/* -(10^38 - 1) */
	check_i128(DATA(sl_int128, "c_dec38")[r], i128_of(-TEN38_M1_HI - 1, ~TEN38_M1_LO + 1));
	CHECK_STR(b, col(s, "c_dec65"), r,
		  "-99999999999999999999999999999999999.999999999999999999999999999999");
	assert_true(DATA(float, "c_float")[r] == (float)-3.4e38);
	assert_true(DATA(double, "c_double")[r] == -DBL_MAX);
	assert_true(DATA(double, "c_real")[r] == -2.5);
	assert_int_equal(DATA(uint8_t, "c_bit1")[r], 0);
	assert_true(DATA(uint64_t, "c_bit12")[r] == 0);
	assert_int_equal(DATA(int32_t, "c_date")[r], -354285);
	assert_true(DATA(int64_t, "c_datetime")[r] == INT64_C(-354285) * 86400000000);
	assert_true(DATA(int64_t, "c_datetime6")[r] == INT64_C(-354285) * 86400000000);
	assert_true(DATA(int64_t, "c_timestamp")[r] == 1000000);
	assert_true(DATA(int64_t, "c_timestamp6")[r] == 1000000);
	const int64_t t838 = (INT64_C(838) * 3600 + 59 * 60 + 59) * 1000000;
	for (int i = 0; i < 2; i++) {
		sl_interval iv = DATA(sl_interval, i ? "c_time6" : "c_time")[r];
		assert_int_equal(iv.months, 0);
		assert_int_equal(iv.days, 0);
		assert_true(iv.micros == -t838);
	}
	assert_int_equal(DATA(int16_t, "c_year")[r], 1901);
	/* empty strings are values, not NULL */
	const char *empty[] = {"c_char",     "c_varchar", "c_tinytext",	 "c_text", "c_mediumtext",
			       "c_longtext", "c_latin1",  "c_varbinary", "c_blob", "c_set"};
	for (size_t i = 0; i < SL_ARRAY_LEN(empty); i++)
		check_bytes(b, col(s, empty[i]), r, "", 0);
	check_bytes(b, col(s, "c_binary"), r, "\0\0\0\0", 4);
	check_bytes(b, col(s, "c_longblob"), r, "\0", 1);
	CHECK_STR(b, col(s, "c_enum"), r, "small");
	CHECK_STR(b, col(s, "c_json"), r, "[]");
	assert_false(VALID("c_geometry", r));
}

static void check_row_max(const sl_batch *b, const sl_table_schema *s)
{
	const size_t r = 2;
	assert_int_equal(DATA(uint8_t, "c_bool")[r], 1);
	assert_int_equal(DATA(int8_t, "c_tinyint")[r], INT8_MAX);
	assert_int_equal(DATA(uint8_t, "c_tinyint_u")[r], UINT8_MAX);
	assert_int_equal(DATA(int16_t, "c_smallint")[r], INT16_MAX);
	assert_int_equal(DATA(uint16_t, "c_smallint_u")[r], UINT16_MAX);
	assert_int_equal(DATA(int32_t, "c_mediumint")[r], 8388607);
	assert_int_equal(DATA(uint32_t, "c_mediumint_u")[r], 16777215);
	assert_int_equal(DATA(int32_t, "c_int")[r], INT32_MAX);
	assert_int_equal(DATA(uint32_t, "c_int_u")[r], UINT32_MAX);
	assert_true(DATA(int64_t, "c_bigint")[r] == INT64_MAX);
	assert_true(DATA(uint64_t, "c_bigint_u")[r] == UINT64_MAX); /* 18446744073709551615 */
	assert_int_equal(DATA(int16_t, "c_dec4")[r], 9999);
	assert_int_equal(DATA(int32_t, "c_dec9")[r], 999999999);
	assert_true(DATA(int64_t, "c_dec18")[r] == INT64_C(999999999999999999));
	check_i128(DATA(sl_int128, "c_dec38")[r], i128_of(TEN38_M1_HI, TEN38_M1_LO));
	CHECK_STR(b, col(s, "c_dec65"), r,
		  "99999999999999999999999999999999999.999999999999999999999999999999");
	assert_true(DATA(float, "c_float")[r] == (float)3.4e38);
	assert_true(DATA(double, "c_double")[r] == DBL_MAX);
	assert_true(DATA(double, "c_real")[r] == 1e-300);
	assert_int_equal(DATA(uint8_t, "c_bit1")[r], 1);
	assert_true(DATA(uint64_t, "c_bit12")[r] == 4095);
	assert_int_equal(DATA(int32_t, "c_date")[r], 2932896);
	assert_true(DATA(int64_t, "c_datetime")[r] == INT64_C(253402300799000000));
	assert_true(DATA(int64_t, "c_datetime6")[r] == INT64_C(253402300799999999));
	assert_true(DATA(int64_t, "c_timestamp")[r] == INT64_C(2147483647000000));
	assert_true(DATA(int64_t, "c_timestamp6")[r] == INT64_C(2147483647999999));
	const int64_t t838 = (INT64_C(838) * 3600 + 59 * 60 + 59) * 1000000;
	assert_true(DATA(sl_interval, "c_time")[r].micros == t838);
	assert_true(DATA(sl_interval, "c_time6")[r].micros == t838);
	assert_int_equal(DATA(int16_t, "c_year")[r], 2155);
	CHECK_STR(b, col(s, "c_char"), r, "abcdefghij");
	CHECK_STR(b, col(s, "c_varchar"), r,
		  "emoji \xF0\x9F\x98\x80 na\xC3\xAFve \xE2\x9C\x93 "
		  "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
	CHECK_STR(b, col(s, "c_tinytext"), r, "tiny \xF0\x9F\x9A\x80");
	CHECK_STR(b, col(s, "c_text"), r, "text with 'quotes', a backslash \\ and a tab\t.");
	CHECK_STR(b, col(s, "c_mediumtext"), r, "medium \xF0\x9F\x90\xAC");
	CHECK_STR(b, col(s, "c_latin1"), r, "J\xC3\xA4ger caf\xC3\xA9 \xC3\xB1");
	/* 128 KiB: longer than the bound buffer, so its tail comes through fetch_column */
	const sl_bytes *lt = &DATA(sl_bytes, "c_longtext")[r];
	assert_int_equal(lt->len, 16 * 8192);
	for (size_t i = 0; i < lt->len; i++)
		if (lt->ptr[i] != "0123456789abcdef"[i % 16])
			fail_msg("c_longtext differs at byte %zu", i);
	check_bytes(b, col(s, "c_binary"), r, "\x00\xFF\x00\x01", 4);
	check_bytes(b, col(s, "c_varbinary"), r, "\x00\x00\x00\x00\xDE\xAD\xBE\xEF\x00", 9);
	check_bytes(b, col(s, "c_blob"), r, "\x00\x01\x02\x03\x04\x00\xFF", 7);
	const sl_bytes *lb = &DATA(sl_bytes, "c_longblob")[r];
	assert_int_equal(lb->len, 100000);
	for (size_t i = 0; i < lb->len; i++)
		if ((uint8_t)lb->ptr[i] != (i % 2 ? 0xFF : 0x00))
			fail_msg("c_longblob differs at byte %zu", i);
	CHECK_STR(b, col(s, "c_enum"), r, "large");
	CHECK_STR(b, col(s, "c_set"), r, "a,c");
	CHECK_STR(b, col(s, "c_json"), r,
		  "{\"a\": [1, 2.5, \"x\"], \"b\": null, \"s\": \"\xC3\xA9\xF0\x9F\x98\x80\"}");
	/* SRID 0 + WKB point (1 2), little-endian */
	check_bytes(b, col(s, "c_geometry"), r,
		    "\x00\x00\x00\x00\x01\x01\x00\x00\x00"
		    "\x00\x00\x00\x00\x00\x00\xF0\x3F\x00\x00\x00\x00\x00\x00\x00\x40",
		    25);
}

static void check_row_mid(const sl_batch *b, const sl_table_schema *s)
{
	const size_t r = 3;
	assert_int_equal(DATA(uint8_t, "c_bool")[r],
			 1); /* TINYINT(1) holding 5: documented as true */
	assert_int_equal(DATA(int8_t, "c_tinyint")[r], -1);
	assert_int_equal(DATA(uint8_t, "c_tinyint_u")[r], 200);
	assert_int_equal(DATA(int16_t, "c_smallint")[r], -1);
	assert_int_equal(DATA(uint16_t, "c_smallint_u")[r], 40000);
	assert_int_equal(DATA(int32_t, "c_mediumint")[r], -1);
	assert_int_equal(DATA(uint32_t, "c_mediumint_u")[r], 10000000);
	assert_int_equal(DATA(int32_t, "c_int")[r], -1);
	assert_int_equal(DATA(uint32_t, "c_int_u")[r], 3000000000u);
	assert_true(DATA(int64_t, "c_bigint")[r] == -1);
	assert_true(DATA(uint64_t, "c_bigint_u")[r] == UINT64_C(9223372036854775808));
	assert_int_equal(DATA(int16_t, "c_dec4")[r], 1);
	assert_int_equal(DATA(int32_t, "c_dec9")[r], -1);
	assert_true(DATA(int64_t, "c_dec18")[r] == 1);
	check_i128(DATA(sl_int128, "c_dec38")[r], i128_of(-1, UINT64_MAX));
	CHECK_STR(b, col(s, "c_dec65"), r, "0.000000000000000000000000000001");
	assert_true(DATA(float, "c_float")[r] == 0.5f);
	assert_true(DATA(double, "c_double")[r] == 0.1);
	assert_true(DATA(double, "c_real")[r] == 0.0);
	assert_int_equal(DATA(uint8_t, "c_bit1")[r], 1);
	assert_true(DATA(uint64_t, "c_bit12")[r] == 0x801);
	assert_int_equal(DATA(int32_t, "c_date")[r], -1);
	assert_true(DATA(int64_t, "c_datetime")[r] == -1000000);
	assert_true(DATA(int64_t, "c_datetime6")[r] == INT64_C(1709210096000001));
	assert_true(DATA(int64_t, "c_timestamp")[r] == INT64_C(1709210096000000));
	assert_true(DATA(int64_t, "c_timestamp6")[r] == INT64_C(1709210096123456));
	assert_true(DATA(sl_interval, "c_time")[r].micros == INT64_C(25) * 3600 * 1000000);
	assert_true(DATA(sl_interval, "c_time6")[r].micros == -1);
	assert_int_equal(DATA(int16_t, "c_year")[r], 2024);
	CHECK_STR(b, col(s, "c_char"), r, "a");
	CHECK_STR(b, col(s, "c_varchar"), r, " padded ");
	CHECK_STR(b, col(s, "c_longtext"), r, "");
	CHECK_STR(b, col(s, "c_latin1"), r, "\xC3\x9F");
	check_bytes(b, col(s, "c_binary"), r, "A\0\0\0", 4);
	check_bytes(b, col(s, "c_varbinary"), r, "\0\0", 2);
	check_bytes(b, col(s, "c_blob"), r, "\0", 1);
	check_bytes(b, col(s, "c_longblob"), r, "", 0);
	CHECK_STR(b, col(s, "c_enum"), r, "medium");
	CHECK_STR(b, col(s, "c_set"), r, "a,b,c");
	CHECK_STR(b, col(s, "c_json"), r, "\"just a string\"");
}

static void check_rows_bad_dates(const sl_batch *b, const sl_table_schema *s)
{
	/* id 5: zero dates; id 6: month 0 and February 30 -> NULL; .5 s survives */
	assert_int_equal(DATA(int32_t, "id")[4], 5);
	assert_false(VALID("c_date", 4));
	assert_false(VALID("c_datetime", 4));
	assert_false(VALID("c_datetime6", 4));
	assert_false(VALID("c_timestamp", 4));
	assert_false(VALID("c_date", 5));
	assert_false(VALID("c_datetime", 5));
	assert_true(VALID("c_datetime6", 5));
	assert_true(DATA(int64_t, "c_datetime6")[5] == INT64_C(19875) * 86400000000 + 500000);
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
	check_row_mid(b, s);
	check_rows_bad_dates(b, s);
	const char *w = drv->warnings(c);
	assert_non_null(w);
	assert_non_null(strstr(w, "alltypes.c_date: 2 zero or invalid dates loaded as NULL\n"));
	assert_non_null(strstr(w, "alltypes.c_datetime: 2 zero or invalid dates loaded as NULL\n"));
	assert_non_null(
		strstr(w, "alltypes.c_datetime6: 1 zero or invalid dates loaded as NULL\n"));
	assert_non_null(
		strstr(w, "alltypes.c_timestamp: 1 zero or invalid dates loaded as NULL\n"));
	assert_null(strstr(w, "c_timestamp6:"));
	sl_batch_free(b);
	sl_schema_free(s);
	drv->disconnect(c);
}

/* ---- bounds bound as parameters, per type --------------------------------------------------- */

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

/* ---- the index that gives ORDER BY ----------------------------------------------------------- */

static long long priority_queue_sorts(void)
{
	return raw_count("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
			 "WHERE VARIABLE_NAME = 'SORT_PRIORITY_QUEUE_SORTS'");
}

/* The first 16 ids of `ordered` by (column, id), as the scan reads them; *sorted set when the
   server sorted for it (a LIMIT sort counts in Sort_priority_queue_sorts, which is global: a
   concurrent client's sort could add one, so a sort-free read is retried). */
static id_list first_ids_by(sl_source_conn *c, sl_table_schema *t, const char *column, bool *sorted)
{
	size_t order[] = {(size_t)col(t, column), (size_t)col(t, "id")};
	sl_scan_plan plan = {
		.table = t, .cursor = (int)order[0], .norder = 2, .order = order, .limit = 16};
	id_list l;
	for (int attempt = 0; attempt < 3; attempt++) {
		long long before = priority_queue_sorts();
		l = (id_list){{0}, 0};
		scan_all(c, &plan, collect_ids, &l);
		*sorted = priority_queue_sorts() != before;
		if (!*sorted)
			break;
	}
	return l;
}

static void assert_first_ids(id_list l, const char *column)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT id FROM ordered ORDER BY %s, id LIMIT 16", column);
	size_t n;
	char **want = raw_column(sql, &n);
	assert_int_equal(l.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(l.ids[i], atoi(want[i]));
	free_column(want, n);
}

/*
 * An index on the cursor gives ORDER BY cursor, id even to the first, unbounded chunk of a
 * backfill, so the server reads it in order instead of sorting the table (MariaDB sorts when left
 * to itself). Indexes that cannot give the order (on a prefix of the column, or led by another
 * column) are not named, and their scans still come in order.
 */
static void test_ordering_index(void **state)
{
	(void)state;
	MYSQL *db = raw_connect(0);
	raw_exec(db, "DROP TABLE IF EXISTS ordered");
	raw_exec(db, "CREATE TABLE ordered (id INT PRIMARY KEY, c INT NOT NULL, x INT NOT NULL, "
		     "s VARCHAR(20) NOT NULL, KEY `odd ``name` (c), KEY s3 (s(3)), KEY xc (x, c))");
	raw_exec(db, "INSERT INTO ordered SELECT seq, (seq * 7919) % 1000, seq % 7, "
		     "CONCAT('s', (seq * 31) % 977) FROM seq_1_to_2000");
	mysql_close(db);
	sl_source_conn *c = open_conn();
	sl_table_schema *t = reflect(c, "ordered");
	bool sorted;
	id_list l = first_ids_by(c, t, "c", &sorted);
	assert_first_ids(l, "c");
	assert_false(sorted);
	l = first_ids_by(c, t, "s", &sorted);
	assert_first_ids(l, "s");
	l = first_ids_by(c, t, "x", &sorted);
	assert_first_ids(l, "x");
	sl_schema_free(t);
	drv->disconnect(c);
}

static void test_alltypes_bounds(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "alltypes");

	sl_value d = val(SL_TYPE_DECIMAL, 38, 10, "-0.0000000001");
	assert_ids(ids_between(c, s, "c_dec38", &d, false, NULL, false, false), 1, 3);
	assert_ids(ids_between(c, s, "c_dec38", &d, true, NULL, false, false), 2, 3, 4);

	sl_value ts = val(SL_TYPE_TIMESTAMPTZ, 6, 0, "2024-02-29 12:34:56.123456+00");
	assert_ids(ids_between(c, s, "c_timestamp6", &ts, true, NULL, false, false), 2, 3, 4);
	assert_ids(ids_between(c, s, "c_timestamp6", &ts, false, NULL, false, false), 1, 3);
	assert_ids(ids_between(c, s, "c_timestamp6", &ts, false, NULL, false, true), 4, 1, 3, 5, 6);

	sl_value dt = val(SL_TYPE_TIMESTAMP, 6, 0, "2024-02-29 12:34:56.000001");
	sl_value dt_hi = val(SL_TYPE_TIMESTAMP, 6, 0, "2024-06-01 00:00:00.5");
	assert_ids(ids_between(c, s, "c_datetime6", &dt, true, &dt_hi, false, false), 1, 4);
	assert_ids(ids_between(c, s, "c_datetime6", &dt, false, &dt_hi, false, false), 0, 0);
	assert_ids(ids_between(c, s, "c_datetime6", &dt, true, &dt_hi, true, false), 2, 4, 6);

	sl_value lo = val(SL_TYPE_DATE, 0, 0, "1900-01-01"),
		 hi = val(SL_TYPE_DATE, 0, 0, "2000-01-01");
	assert_ids(ids_between(c, s, "c_date", &lo, true, &hi, false, false), 1, 4);

	sl_value iv = SL_VALUE_INIT;
	iv.type = SL_TYPE_INTERVAL;
	iv.is_null = false;
	iv.as.iv.micros = -1; /* -00:00:00.000001 */
	assert_ids(ids_between(c, s, "c_time6", &iv, true, NULL, false, false), 2, 3, 4);
	assert_ids(ids_between(c, s, "c_time6", &iv, false, NULL, false, false), 1, 3);

	sl_value u = val(SL_TYPE_UINT64, 0, 0, "9223372036854775808");
	assert_ids(ids_between(c, s, "c_bigint_u", &u, false, NULL, false, false), 1, 3);
	assert_ids(ids_between(c, s, "c_bigint_u", NULL, false, &u, true, false), 2, 2, 4);

	sl_value t = val(SL_TYPE_TEXT, 0, 0, "emoji");
	assert_ids(ids_between(c, s, "c_varchar", &t, true, NULL, false, false), 1, 3);

	sl_value wide = val(SL_TYPE_TEXT, 0, 0, "0.000000000000000000000000000001");
	assert_ids(ids_between(c, s, "c_dec65", &wide, true, NULL, false, false), 2, 3, 4);
	assert_ids(ids_between(c, s, "c_dec65", &wide, false, NULL, false, false), 1, 3);

	sl_value f = val(SL_TYPE_DOUBLE, 0, 0, "0.1");
	assert_ids(ids_between(c, s, "c_double", &f, true, NULL, false, false), 2, 3, 4);

	/* no bounds: NULL cursors excluded unless asked for */
	assert_ids(ids_between(c, s, "c_year", NULL, false, NULL, false, false), 3, 2, 3, 4);
	assert_ids(ids_between(c, s, "c_year", NULL, false, NULL, false, true), 6, 1, 2, 3, 4, 5,
		   6);

	sl_value_clear(&t);
	sl_value_clear(&wide);
	sl_schema_free(s);
	drv->disconnect(c);
}

/* ---- rfam family ---------------------------------------------------------------------------- */

static void test_rfam_reflect(void **state)
{
	(void)state;
	sl_source_conn *c = open_conn();
	sl_table_schema *s = reflect(c, "sluice_test.family");
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
		{"auto_wiki", SL_TYPE_UINT32, 0, false},
		{"description", SL_TYPE_TEXT, 75, true},
		{"author", SL_TYPE_TEXT, 255, true},
		{"gathering_cutoff", SL_TYPE_DOUBLE, 0, true},
		{"comment", SL_TYPE_TEXT, 0, true},
		{"num_seed", SL_TYPE_INT64, 0, true},
		{"number_3d_structures", SL_TYPE_INT32, 0, true},
		{"tax_seed", SL_TYPE_TEXT, 16777215, true},
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
	assert_string_equal(s->columns[col(s, "auto_wiki")].source_type, "int(10) unsigned");
	sl_schema_free(s);
	drv->disconnect(c);
}

typedef struct rfam_sums {
	size_t rows, long_comments, comment_nulls, tax_empty, big_wiki;
	uint64_t comment_bytes;
	char last_acc[8];
	bool ordered;
} rfam_sums;

static void sum_rfam(const sl_batch *b, void *ctx)
{
	rfam_sums *z = ctx;
	const sl_bytes *acc = sl_batch_data(b, 0);
	const uint32_t *wiki = sl_batch_data(b, 2);
	const sl_bytes *comment = sl_batch_data(b, 9);
	const sl_bytes *tax = sl_batch_data(b, 23);
	for (size_t r = 0; r < b->nrows; r++, z->rows++) {
		char a[8] = {0};
		memcpy(a, acc[r].ptr, acc[r].len < 7 ? acc[r].len : 7);
		if (strcmp(a, z->last_acc) <= 0)
			z->ordered = false;
		memcpy(z->last_acc, a, 8);
		z->big_wiki += wiki[r] > 2147483647u;
		if (!sl_batch_is_valid(b, 9, r))
			z->comment_nulls++;
		else {
			z->comment_bytes += comment[r].len;
			z->long_comments += comment[r].len > 65536;
		}
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
	assert_int_equal(z.long_comments, 4);
	assert_int_equal(z.big_wiki, 3);
	assert_int_equal(z.comment_nulls,
			 raw_count("SELECT COUNT(*) FROM family WHERE comment IS NULL"));
	assert_int_equal(z.tax_empty, raw_count("SELECT COUNT(*) FROM family WHERE tax_seed = ''"));
	assert_int_equal(z.comment_bytes,
			 raw_count("SELECT SUM(LENGTH(CONVERT(comment USING utf8mb4))) "
				   "FROM family"));
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
		assert_true(z.created[i] > z.created[i - 1]);
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
	sl_value_clear(&after[1]);
	rfam_rows_free(&z);
	rfam_rows_free(&z2);
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
		running = raw_count("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
				    "WHERE INFO LIKE 'SELECT `id`, `v`, `d` FROM %bigscan%'");
		if (running) {
			struct timespec ts = {0, 100000000};
			nanosleep(&ts, NULL);
		}
	}
	assert_int_equal(running, 0);

	/* the same connection works again: reflect, then a full scan */
	sl_table_schema *s = reflect(c, "family");
	sl_scan_plan all = {.table = s, .cursor = -1};
	assert_int_equal(scan_all(c, &all, NULL, NULL), RFAM_ROWS);
	assert_int_equal(scan_all(c, &plan, NULL, NULL), BIG_ROWS);

	/* an exhausted scan keeps the session: no reconnect needed (same thread id) */
	sl_schema_free(s);
	sl_schema_free(big);
	drv->disconnect(c);
}

/* KILL the connection(s) matching `where` in PROCESSLIST; returns how many. */
static long long kill_where(const char *where)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND %s",
		 where);
	size_t n;
	char **ids = raw_column(sql, &n);
	MYSQL *db = raw_connect(0);
	for (size_t i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "KILL CONNECTION %s", ids[i]);
		raw_exec(db, sql);
	}
	mysql_close(db);
	free_column(ids, n);
	return (long long)n;
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
	assert_int_equal(kill_where("INFO LIKE 'SELECT `id`, `v`, `d` FROM %bigscan%'"), 1);
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
	assert_true(kill_where("USER = 'sluice' AND COMMAND = 'Sleep'") >= 1);
	assert_int_equal(scan_all(c, &five, NULL, NULL), 5);
	assert_true(kill_where("USER = 'sluice' AND COMMAND = 'Sleep'") >= 1);
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
			    "table 'no_such_table' not found in database 'sluice_test'");
	assert_int_equal(drv->reflect(&s, c, "otherdb.t"), SL_ENOTFOUND);
	assert_string_equal(sl_error_last()->message, "table 't' not found in database 'otherdb'");
	drv->disconnect(c);
}

static int connect_text(const char *url, sl_source_conn **c)
{
	sl_url *u = NULL;
	if (sl_url_parse(&u, url) != 0)
		fail_msg("parse %s: %s", url, sl_error_last()->message);
	int rc = drv->connect(c, u, NULL);
	sl_url_free(u);
	return rc;
}

static void test_connect_errors(void **state)
{
	(void)state;
	sl_url *u = parsed_url();
	char url[512];
	sl_source_conn *c = NULL;

	snprintf(url, sizeof(url), "mysql://%s:wrong-Secret-pw-42@%s:%d/%s", u->user, u->host,
		 u->port, u->database);
	assert_int_equal(connect_text(url, &c), SL_EAUTH);
	assert_null(c);
	const char *msg = sl_error_last()->message;
	char want[256];
	snprintf(want, sizeof(want), "access denied for user '%s' to %s:%d (MySQL 1045)", u->user,
		 u->host, u->port);
	assert_string_equal(msg, want);
	assert_null(strstr(msg, "wrong-Secret-pw-42"));

	assert_int_equal(connect_text("mysql://sluice:pw@127.0.0.1:1/sluice_test", &c),
			 SL_ECONNECT);
	assert_string_equal(sl_error_last()->message,
			    "cannot connect to MySQL at 127.0.0.1:1: Connection refused");

	snprintf(url, sizeof(url), "mysql://%s:%s@%s:%d/no_such_db_xyz", u->user, u->password,
		 u->host, u->port);
	assert_int_equal(connect_text(url, &c), SL_ENOTFOUND);
	assert_non_null(strstr(sl_error_last()->message, "unknown database 'no_such_db_xyz'"));
	assert_null(strstr(sl_error_last()->message, u->password));

	snprintf(url, sizeof(url), "mysql://%s:%s@%s:%d/%s?ssl_mode=bogus", u->user, u->password,
		 u->host, u->port, u->database);
	assert_int_equal(connect_text(url, &c), SL_EURL);

	/* ssl_mode=REQUIRED never falls back to plain text */
	snprintf(url, sizeof(url), "mysql://%s:%s@%s:%d/%s?ssl_mode=REQUIRED", u->user, u->password,
		 u->host, u->port, u->database);
	char *have_ssl = raw_scalar("SELECT @@have_ssl");
	if (strcmp(have_ssl, "YES") == 0) {
		assert_int_equal(connect_text(url, &c), 0);
		drv->disconnect(c);
	} else {
		assert_int_equal(connect_text(url, &c), SL_ECONNECT);
		assert_non_null(strstr(sl_error_last()->message, "does not offer TLS"));
	}
	free(have_ssl);

	/* options that are understood */
	snprintf(url, sizeof(url),
		 "mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8mb4&connect_timeout=5&read_timeout=60"
		 "&ssl_mode=DISABLED",
		 u->user, u->password, u->host, u->port, u->database);
	if (connect_text(url, &c) != 0)
		fail_msg("connect with options: %s", sl_error_last()->message);
	drv->disconnect(c);
	sl_url_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alltypes_reflect),
		cmocka_unit_test(test_alltypes_values),
		cmocka_unit_test(test_alltypes_bounds),
		cmocka_unit_test(test_ordering_index),
		cmocka_unit_test(test_rfam_reflect),
		cmocka_unit_test(test_rfam_full_scan),
		cmocka_unit_test(test_rfam_plan_and_keyset),
		cmocka_unit_test(test_rfam_seen_flag),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_early_close),
		cmocka_unit_test(test_killed_stream_is_an_error),
		cmocka_unit_test(test_missing_table),
		cmocka_unit_test(test_connect_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
