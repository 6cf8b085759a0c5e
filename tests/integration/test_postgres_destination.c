/*
 * test_postgres_destination.c — the PostgreSQL destination driver against a real server
 * (SLUICE_TEST_PG_URL, e.g. postgresql://sluice:pw@127.0.0.1:54329/sluice_test; the test fails
 * when it is not set): table creation and evolution, every portable type through binary COPY and
 * back (as this driver reads it and as PostgreSQL prints it), DECIMAL extremes and random values
 * of every width, transactions, parameters, errors, an end-to-end pipeline run from SQLite, and
 * the COPY throughput of a million rows.
 *
 * Every test works in its own schemas (pgdst_*), dropped first, so reruns start clean.
 */
#include "destination.h"
#include "drivers.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

static const sl_destination_driver *const D = &sl_postgres_destination;

static const char *pg_url(void)
{
	return getenv("SLUICE_TEST_PG_URL");
}

static sl_url *parse_url(const char *text)
{
	sl_url *u = NULL;
	if (sl_url_parse(&u, text))
		fail_msg("url: %s", sl_error_last()->message);
	return u;
}

static sl_dest_conn *open_pg(void)
{
	sl_url *u = parse_url(pg_url());
	sl_dest_conn *conn = NULL;
	int rc = D->open(&conn, u, NULL);
	sl_url_free(u);
	if (rc)
		fail_msg("open: %s", sl_error_last()->message);
	assert_non_null(conn);
	return conn;
}

static void exec_ok(sl_dest_conn *conn, const char *sql)
{
	int rc = D->exec(conn, sql, 0, NULL);
	if (rc)
		fail_msg("%s: %s", sql, sl_error_last()->message);
}

/* The first column of the only row as text (caller frees), NULL for SQL NULL. */
static char *query_text(sl_dest_conn *conn, const char *sql)
{
	sl_rows *rows = NULL;
	int rc = D->query(&rows, conn, sql, 0, NULL);
	if (rc)
		fail_msg("%s: %s", sql, sl_error_last()->message);
	assert_int_equal(rows->ops->next(rows), 1);
	const char *t = rows->ops->get_text(rows, 0, NULL);
	char *copy = t ? strdup(t) : NULL;
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);
	return copy;
}

static int64_t query_int(sl_dest_conn *conn, const char *sql)
{
	sl_rows *rows = NULL;
	int rc = D->query(&rows, conn, sql, 0, NULL);
	if (rc)
		fail_msg("%s: %s", sql, sl_error_last()->message);
	assert_int_equal(rows->ops->next(rows), 1);
	int64_t v = 0;
	assert_int_equal(rows->ops->get_int64(&v, rows, 0), 0);
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);
	return v;
}

static void assert_text(sl_dest_conn *conn, const char *sql, const char *want)
{
	char *t = query_text(conn, sql);
	if (!t || strcmp(t, want) != 0)
		fail_msg("%s\n  got  '%s'\n  want '%s'", sql, t ? t : "(null)", want);
	free(t);
}

static void fresh_schema(sl_dest_conn *conn, const char *schema)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS \"%s\" CASCADE", schema);
	exec_ok(conn, sql);
	assert_int_equal(D->ensure_dataset(conn, schema), 0);
}

static void set_bytes(sl_batch *b, size_t col, size_t row, const char *p, size_t n)
{
	const char *copy = sl_arena_copy(&b->arena, p, n);
	assert_non_null(copy);
	((sl_bytes *)sl_batch_data(b, col))[row] = (sl_bytes){copy, (uint32_t)n};
	sl_batch_set_valid(b, col, row);
}

#define SETV(b, col, row, T, v)                                \
	do {                                                   \
		((T *)sl_batch_data((b), (col)))[(row)] = (v); \
		sl_batch_set_valid((b), (col), (row));         \
	} while (0)

static sl_int128 to_s128(i128 v)
{
	return (sl_int128){(uint64_t)(u128)v, (int64_t)((u128)v >> 64)};
}

/* Days since 1970-01-01 (proleptic Gregorian; year 0 is 1 BC). */
static int64_t civil_days(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

#define DAY_US INT64_C(86400000000)

static void append_ok(sl_dest_appender *app, const sl_batch *b)
{
	int rc = D->append(app, b);
	if (rc)
		fail_msg("append: %s", sl_error_last()->message);
}

static void flush_ok(sl_dest_appender *app)
{
	int rc = D->appender_flush(app);
	if (rc)
		fail_msg("flush: %s", sl_error_last()->message);
}

static sl_dest_appender *open_appender(sl_dest_conn *conn, const char *ds, const char *table,
				       const sl_table_schema *s, const char *load_id)
{
	sl_dest_appender *app = NULL;
	int rc = D->appender_open(&app, conn, ds, table, s, load_id);
	if (rc)
		fail_msg("appender_open %s.%s: %s", ds, table, sl_error_last()->message);
	return app;
}

/* ---- every portable type --------------------------------------------------------------------- */

enum {
	C_ID,
	C_B,
	C_I8,
	C_I16,
	C_I32,
	C_I64,
	C_U8,
	C_U16,
	C_U32,
	C_U64,
	C_F,
	C_D,
	C_DEC4,
	C_DEC9,
	C_DEC18,
	C_DEC38,
	C_TXT,
	C_BLOB,
	C_JSON,
	C_DATE,
	C_TIME,
	C_TS,
	C_TSTZ,
	C_IV,
	C_UUID,
	NCOLS
};

static sl_table_schema *all_types_schema(void)
{
	static const struct {
		const char *name;
		sl_type type;
		int p, s;
	} cols[NCOLS] = {
		{"id", SL_TYPE_INT64, 0, 0},	     {"b", SL_TYPE_BOOL, 0, 0},
		{"i8", SL_TYPE_INT8, 0, 0},	     {"i16", SL_TYPE_INT16, 0, 0},
		{"i32", SL_TYPE_INT32, 0, 0},	     {"i64", SL_TYPE_INT64, 0, 0},
		{"u8", SL_TYPE_UINT8, 0, 0},	     {"u16", SL_TYPE_UINT16, 0, 0},
		{"u32", SL_TYPE_UINT32, 0, 0},	     {"u64", SL_TYPE_UINT64, 0, 0},
		{"f", SL_TYPE_FLOAT, 0, 0},	     {"d", SL_TYPE_DOUBLE, 0, 0},
		{"dec4", SL_TYPE_DECIMAL, 4, 2},     {"dec9", SL_TYPE_DECIMAL, 9, 3},
		{"dec18", SL_TYPE_DECIMAL, 18, 4},   {"dec38", SL_TYPE_DECIMAL, 38, 10},
		{"txt", SL_TYPE_TEXT, 0, 0},	     {"bin", SL_TYPE_BLOB, 0, 0},
		{"js", SL_TYPE_JSON, 0, 0},	     {"dt", SL_TYPE_DATE, 0, 0},
		{"tm", SL_TYPE_TIME, 6, 0},	     {"ts", SL_TYPE_TIMESTAMP, 6, 0},
		{"tstz", SL_TYPE_TIMESTAMPTZ, 6, 0}, {"iv", SL_TYPE_INTERVAL, 0, 0},
		{"uid", SL_TYPE_UUID, 0, 0},
	};
	sl_table_schema *s = sl_schema_new("src", "all_types");
	assert_non_null(s);
	for (size_t i = 0; i < NCOLS; i++)
		assert_int_equal(sl_schema_add_column(s, cols[i].name, cols[i].type, cols[i].p,
						      cols[i].s, i != C_ID, NULL),
				 (int)i);
	return s;
}

#define NROWS 6
static const i128 DEC38_MAX = (i128)9999999999999999999ULL * (i128)10000000000000000000ULL +
			      (i128)9999999999999999999ULL; /* 10^38 - 1 */

/* How PostgreSQL prints each value (DateStyle ISO, IntervalStyle postgres, TimeZone UTC). */
static const char *const expected_text[NROWS][NCOLS] = {
	{"0",
	 "f",
	 "-128",
	 "-32768",
	 "-2147483648",
	 "-9223372036854775808",
	 "0",
	 "0",
	 "0",
	 "0",
	 "-3.4028235e+38",
	 "-1.7976931348623157e+308",
	 "-99.99",
	 "-999999.999",
	 "-99999999999999.9999",
	 "-9999999999999999999999999999.9999999999",
	 "",
	 "\\x0001ff",
	 "{}",
	 "1969-12-31",
	 "00:00:00",
	 "1969-12-31 23:59:59.999999",
	 "1970-01-01 00:00:00+00",
	 "-1 years -1 mons -1 days -00:00:01.5",
	 "00000000-0000-0000-0000-000000000000"},
	{"1",
	 "t",
	 "127",
	 "32767",
	 "2147483647",
	 "9223372036854775807",
	 "255",
	 "65535",
	 "4294967295",
	 "18446744073709551615",
	 "3.4028235e+38",
	 "1.7976931348623157e+308",
	 "99.99",
	 "999999.999",
	 "99999999999999.9999",
	 "9999999999999999999999999999.9999999999",
	 "h\xc3\xa9llo \xf0\x9f\xa6\x86 w\xc3\xb6rld",
	 "\\x61626300646566",
	 "{\"a\": [1, 2]}",
	 "2024-01-31",
	 "23:59:59.999999",
	 "2024-01-31 12:00:00.00025",
	 "2024-01-31 12:00:00.00025+00",
	 "1 year 2 mons 3 days 04:05:06.789",
	 "ffffffff-ffff-ffff-ffff-ffffffffffff"},
	{"2",  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{"3",
	 "t",
	 "-1",
	 "-2",
	 "-3",
	 "-4",
	 "1",
	 "2",
	 "3",
	 "4",
	 "0.1",
	 "0.1",
	 "-0.05",
	 "0.001",
	 "0.0000",
	 "0.0000000001",
	 "a string longer than twelve bytes",
	 "\\x",
	 "[]",
	 "0044-03-15 BC",
	 "12:00:00.25",
	 "0001-12-31 23:59:59 BC",
	 "1999-12-31 23:59:59.999999+00",
	 "00:00:00",
	 "123e4567-e89b-12d3-a456-426614174000"},
	{"4",
	 "f",
	 "0",
	 "0",
	 "0",
	 "0",
	 "0",
	 "0",
	 "2147483648",
	 "9223372036854775808",
	 "NaN",
	 "-Infinity",
	 "0.00",
	 "-0.001",
	 "10000000000000.0000",
	 "1000000000000000000000000000.0000000000",
	 "quote ' dq \" backslash \\ tab\t newline\n end",
	 "\\x5c00",
	 "  {\"k\" :  \"v\", \"k\": 1}  ",
	 "12345-06-07",
	 "24:00:00",
	 "10000-01-01 00:00:00.000001",
	 "2000-01-01 00:00:00+00",
	 "-00:00:00.000001",
	 "00000000-0000-0000-0000-000000000001"},
	{"5",  NULL,	   NULL,       NULL,	    NULL,	NULL, NULL, NULL, NULL,
	 NULL, NULL,	   "Infinity", NULL,	    NULL,	NULL, NULL, NULL, NULL,
	 NULL, "infinity", NULL,       "-infinity", "infinity", NULL, NULL},
};

/* The values the batch carries for the temporal columns (checked again by get_int64). */
static const int64_t row_date[NROWS] = {-1, 19753, 0, -735160, 0, INT32_MAX};
static const int64_t row_ts[NROWS] = {
	-1, INT64_C(1706702400000250), 0, INT64_C(-62135596801000000), 0, -INT64_MAX};
static const int64_t row_tstz[NROWS] = {
	0,	  INT64_C(1706702400000250), 0, INT64_C(946684799999999), INT64_C(946684800000000),
	INT64_MAX};

static void fill_all_types(sl_batch *b)
{
	/* row 0: minimums */
	SETV(b, C_ID, 0, int64_t, 0);
	SETV(b, C_B, 0, uint8_t, 0);
	SETV(b, C_I8, 0, int8_t, INT8_MIN);
	SETV(b, C_I16, 0, int16_t, INT16_MIN);
	SETV(b, C_I32, 0, int32_t, INT32_MIN);
	SETV(b, C_I64, 0, int64_t, INT64_MIN);
	SETV(b, C_U8, 0, uint8_t, 0);
	SETV(b, C_U16, 0, uint16_t, 0);
	SETV(b, C_U32, 0, uint32_t, 0);
	SETV(b, C_U64, 0, uint64_t, 0);
	SETV(b, C_F, 0, float, -FLT_MAX);
	SETV(b, C_D, 0, double, -DBL_MAX);
	SETV(b, C_DEC4, 0, int16_t, -9999);
	SETV(b, C_DEC9, 0, int32_t, -999999999);
	SETV(b, C_DEC18, 0, int64_t, INT64_C(-999999999999999999));
	SETV(b, C_DEC38, 0, sl_int128, to_s128(-DEC38_MAX));
	set_bytes(b, C_TXT, 0, "", 0);
	set_bytes(b, C_BLOB, 0, "\0\x01\xff", 3);
	set_bytes(b, C_JSON, 0, "{}", 2);
	SETV(b, C_DATE, 0, int32_t, (int32_t)row_date[0]);
	SETV(b, C_TIME, 0, int64_t, 0);
	SETV(b, C_TS, 0, int64_t, row_ts[0]);
	SETV(b, C_TSTZ, 0, int64_t, row_tstz[0]);
	SETV(b, C_IV, 0, sl_interval, ((sl_interval){-13, -1, -1500000}));
	SETV(b, C_UUID, 0, sl_int128, ((sl_int128){0, 0}));
	/* row 1: maximums, non-ASCII text, a zero byte in a blob */
	SETV(b, C_ID, 1, int64_t, 1);
	SETV(b, C_B, 1, uint8_t, 1);
	SETV(b, C_I8, 1, int8_t, INT8_MAX);
	SETV(b, C_I16, 1, int16_t, INT16_MAX);
	SETV(b, C_I32, 1, int32_t, INT32_MAX);
	SETV(b, C_I64, 1, int64_t, INT64_MAX);
	SETV(b, C_U8, 1, uint8_t, UINT8_MAX);
	SETV(b, C_U16, 1, uint16_t, UINT16_MAX);
	SETV(b, C_U32, 1, uint32_t, UINT32_MAX);
	SETV(b, C_U64, 1, uint64_t, UINT64_MAX);
	SETV(b, C_F, 1, float, FLT_MAX);
	SETV(b, C_D, 1, double, DBL_MAX);
	SETV(b, C_DEC4, 1, int16_t, 9999);
	SETV(b, C_DEC9, 1, int32_t, 999999999);
	SETV(b, C_DEC18, 1, int64_t, INT64_C(999999999999999999));
	SETV(b, C_DEC38, 1, sl_int128, to_s128(DEC38_MAX));
	const char *txt = expected_text[1][C_TXT];
	set_bytes(b, C_TXT, 1, txt, strlen(txt));
	set_bytes(b, C_BLOB, 1, "abc\0def", 7);
	const char *js = expected_text[1][C_JSON];
	set_bytes(b, C_JSON, 1, js, strlen(js));
	SETV(b, C_DATE, 1, int32_t, (int32_t)row_date[1]);
	SETV(b, C_TIME, 1, int64_t, INT64_C(86399999999));
	SETV(b, C_TS, 1, int64_t, row_ts[1]);
	SETV(b, C_TSTZ, 1, int64_t, row_tstz[1]);
	SETV(b, C_IV, 1, sl_interval, ((sl_interval){14, 3, INT64_C(14706789000)}));
	SETV(b, C_UUID, 1, sl_int128, ((sl_int128){UINT64_MAX, (int64_t)UINT64_MAX}));
	/* row 2: NULL everywhere but the key */
	SETV(b, C_ID, 2, int64_t, 2);
	/* row 3: small values, a long string, BC dates, the last microsecond before 2000 */
	SETV(b, C_ID, 3, int64_t, 3);
	SETV(b, C_B, 3, uint8_t, 1);
	SETV(b, C_I8, 3, int8_t, -1);
	SETV(b, C_I16, 3, int16_t, -2);
	SETV(b, C_I32, 3, int32_t, -3);
	SETV(b, C_I64, 3, int64_t, -4);
	SETV(b, C_U8, 3, uint8_t, 1);
	SETV(b, C_U16, 3, uint16_t, 2);
	SETV(b, C_U32, 3, uint32_t, 3);
	SETV(b, C_U64, 3, uint64_t, 4);
	SETV(b, C_F, 3, float, 0.1f);
	SETV(b, C_D, 3, double, 0.1);
	SETV(b, C_DEC4, 3, int16_t, -5);
	SETV(b, C_DEC9, 3, int32_t, 1);
	SETV(b, C_DEC18, 3, int64_t, 0);
	SETV(b, C_DEC38, 3, sl_int128, ((sl_int128){1, 0}));
	txt = expected_text[3][C_TXT];
	set_bytes(b, C_TXT, 3, txt, strlen(txt));
	set_bytes(b, C_BLOB, 3, "", 0);
	set_bytes(b, C_JSON, 3, "[]", 2);
	SETV(b, C_DATE, 3, int32_t, (int32_t)row_date[3]);
	SETV(b, C_TIME, 3, int64_t, INT64_C(43200250000));
	SETV(b, C_TS, 3, int64_t, row_ts[3]);
	SETV(b, C_TSTZ, 3, int64_t, row_tstz[3]);
	SETV(b, C_IV, 3, sl_interval, ((sl_interval){0, 0, 0}));
	SETV(b, C_UUID, 3, sl_int128,
	     ((sl_int128){UINT64_C(0xa456426614174000), INT64_C(0x123e4567e89b12d3)}));
	/* row 4: zeros, powers of ten, year 12345, 24:00, NaN, escapes */
	SETV(b, C_ID, 4, int64_t, 4);
	SETV(b, C_B, 4, uint8_t, 0);
	SETV(b, C_I8, 4, int8_t, 0);
	SETV(b, C_I16, 4, int16_t, 0);
	SETV(b, C_I32, 4, int32_t, 0);
	SETV(b, C_I64, 4, int64_t, 0);
	SETV(b, C_U8, 4, uint8_t, 0);
	SETV(b, C_U16, 4, uint16_t, 0);
	SETV(b, C_U32, 4, uint32_t, UINT32_C(2147483648));
	SETV(b, C_U64, 4, uint64_t, UINT64_C(9223372036854775808));
	SETV(b, C_F, 4, float, NAN);
	SETV(b, C_D, 4, double, -INFINITY);
	SETV(b, C_DEC4, 4, int16_t, 0);
	SETV(b, C_DEC9, 4, int32_t, -1);
	SETV(b, C_DEC18, 4, int64_t, INT64_C(100000000000000000));
	SETV(b, C_DEC38, 4, sl_int128, to_s128((DEC38_MAX + 1) / 10));
	txt = expected_text[4][C_TXT];
	set_bytes(b, C_TXT, 4, txt, strlen(txt));
	set_bytes(b, C_BLOB, 4, "\\\0", 2);
	js = expected_text[4][C_JSON];
	set_bytes(b, C_JSON, 4, js, strlen(js));
	SETV(b, C_DATE, 4, int32_t, (int32_t)civil_days(12345, 6, 7));
	SETV(b, C_TIME, 4, int64_t, DAY_US);
	SETV(b, C_TS, 4, int64_t, civil_days(10000, 1, 1) * DAY_US + 1);
	SETV(b, C_TSTZ, 4, int64_t, row_tstz[4]);
	SETV(b, C_IV, 4, sl_interval, ((sl_interval){0, 0, -1}));
	SETV(b, C_UUID, 4, sl_int128, ((sl_int128){1, 0}));
	/* row 5: the infinities */
	SETV(b, C_ID, 5, int64_t, 5);
	SETV(b, C_D, 5, double, INFINITY);
	SETV(b, C_DATE, 5, int32_t, INT32_MAX);
	SETV(b, C_TS, 5, int64_t, row_ts[5]);
	SETV(b, C_TSTZ, 5, int64_t, row_tstz[5]);
	b->nrows = NROWS;
}

static void load_all_types(sl_dest_conn *conn, const char *ds)
{
	fresh_schema(conn, ds);
	sl_table_schema *s = all_types_schema();
	sl_batch *b = sl_batch_new(s, 1);
	assert_non_null(b);
	fill_all_types(b);
	assert_int_equal(D->ensure_table(conn, ds, "all_types", s, true), 0);
	sl_dest_appender *app = open_appender(conn, ds, "all_types", s, "load-1");
	append_ok(app, b);
	flush_ok(app);
	D->appender_close(app);
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_all_types_text(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	load_all_types(conn, "pgdst_types");
	sl_rows *rows = NULL;
	assert_int_equal(
		D->query(&rows, conn, "SELECT * FROM pgdst_types.all_types ORDER BY id", 0, NULL),
		0);
	assert_int_equal(sl_rows_column_count(rows), NCOLS + 1);
	assert_string_equal(rows->ops->column_name(rows, NCOLS), "_sluice_load_id");
	assert_string_equal(rows->ops->column_name(rows, C_TSTZ), "tstz");
	/* what PostgreSQL's types read back as: no one-byte or unsigned integers there */
	static const sl_type types[NCOLS] = {
		SL_TYPE_INT64,	 SL_TYPE_BOOL,	    SL_TYPE_INT16,	 SL_TYPE_INT16,
		SL_TYPE_INT32,	 SL_TYPE_INT64,	    SL_TYPE_INT16,	 SL_TYPE_INT32,
		SL_TYPE_INT64,	 SL_TYPE_DECIMAL,   SL_TYPE_FLOAT,	 SL_TYPE_DOUBLE,
		SL_TYPE_DECIMAL, SL_TYPE_DECIMAL,   SL_TYPE_DECIMAL,	 SL_TYPE_DECIMAL,
		SL_TYPE_TEXT,	 SL_TYPE_BLOB,	    SL_TYPE_JSON,	 SL_TYPE_DATE,
		SL_TYPE_TIME,	 SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMPTZ, SL_TYPE_INTERVAL,
		SL_TYPE_UUID};
	for (size_t c = 0; c < NCOLS; c++)
		assert_int_equal(rows->ops->column_type(rows, c), types[c]);
	assert_int_equal(rows->ops->column_type(rows, NCOLS), SL_TYPE_TEXT);
	for (size_t r = 0; r < NROWS; r++) {
		assert_int_equal(rows->ops->next(rows), 1);
		for (size_t c = 0; c < NCOLS; c++) {
			size_t len = 99;
			const char *t = rows->ops->get_text(rows, c, &len);
			const char *want = expected_text[r][c];
			if (!want) {
				if (t)
					fail_msg("row %zu column %s: got '%s', want NULL", r,
						 rows->ops->column_name(rows, c), t);
				assert_true(rows->ops->is_null(rows, c));
				assert_int_equal(len, 0);
				continue;
			}
			assert_false(rows->ops->is_null(rows, c));
			if (!t || strcmp(t, want) != 0)
				fail_msg("row %zu column %s: got '%s', want '%s'", r,
					 rows->ops->column_name(rows, c), t ? t : "(null)", want);
			assert_int_equal(len, strlen(want));
		}
		assert_string_equal(rows->ops->get_text(rows, NCOLS, NULL), "load-1");
	}
	assert_int_equal(rows->ops->next(rows), 0);
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);
	D->close(conn);
}

/* What PostgreSQL itself computes from the stored values, so that a mistake made alike on the
   write and the read side cannot hide. */
static void test_all_types_as_postgres_sees_them(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	load_all_types(conn, "pgdst_types2");
	/* column types as created */
	assert_text(
		conn,
		"SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || "
		"CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY attnum) "
		"FROM pg_attribute WHERE attrelid = 'pgdst_types2.all_types'::regclass "
		"AND attnum > 0",
		"id bigint NOT NULL, b boolean, i8 smallint, i16 smallint, i32 integer, "
		"i64 bigint, u8 smallint, u16 integer, u32 bigint, u64 numeric(20,0), f real, "
		"d double precision, dec4 numeric(4,2), dec9 numeric(9,3), dec18 numeric(18,4), "
		"dec38 numeric(38,10), txt text, bin bytea, js json, dt date, "
		"tm time without time zone, ts timestamp without time zone, "
		"tstz timestamp with time zone, iv interval, uid uuid, "
		"_sluice_load_id character varying");
	/* no primary key, no index */
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pg_index WHERE indrelid = "
					 "'pgdst_types2.all_types'::regclass"),
			 0);
	/* values compared inside PostgreSQL */
	assert_text(
		conn,
		"SELECT string_agg(id::text, ',' ORDER BY id) FROM pgdst_types2.all_types WHERE "
		"u64 = 18446744073709551615 OR dec38 = -9999999999999999999999999999.9999999999 "
		"OR dec38 = 1e27 OR dec18 = 1e13 OR i64 = -9223372036854775808",
		"0,1,4");
	assert_text(
		conn,
		"SELECT string_agg(coalesce(octet_length(bin)::text, '-') || ':' || "
		"coalesce(length(txt)::text, '-'), ',' ORDER BY id) FROM pgdst_types2.all_types",
		"3:0,7:13,-:-,0:33,2:42,-:-");
	assert_text(
		conn,
		"SELECT string_agg(id::text, ',' ORDER BY id) FROM pgdst_types2.all_types WHERE "
		"dt = '0044-03-15 BC' OR dt = '12345-06-07' OR dt = 'infinity' OR "
		"ts = '0001-12-31 23:59:59 BC' OR ts = '-infinity' OR "
		"tstz = '2024-01-31 13:00:00.00025+01' OR iv = interval '-1 microsecond'",
		"1,3,4,5");
	assert_text(conn,
		    "SELECT string_agg(id::text, ',' ORDER BY uid) FROM pgdst_types2.all_types "
		    "WHERE uid IS NOT NULL",
		    "0,4,3,1");
	assert_text(conn, "SELECT js->'a'->>1 FROM pgdst_types2.all_types WHERE id = 1", "2");
	/* json keeps the text as sent: whitespace and the duplicate key */
	assert_text(conn, "SELECT js::text FROM pgdst_types2.all_types WHERE id = 4",
		    expected_text[4][C_JSON]);
	assert_text(conn, "SELECT (js::jsonb)->>'k' FROM pgdst_types2.all_types WHERE id = 4", "1");
	assert_text(conn, "SELECT f::text FROM pgdst_types2.all_types WHERE f = 0.1::real", "0.1");
	assert_text(conn,
		    "SELECT extract(epoch FROM ts)::text FROM pgdst_types2.all_types WHERE id = 1",
		    "1706702400.000250");
	assert_text(conn,
		    "SELECT count(*) FROM pgdst_types2.all_types WHERE _sluice_load_id = 'load-1'",
		    "6");
	D->close(conn);
}

static void test_all_types_typed_getters(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	load_all_types(conn, "pgdst_types3");
	sl_rows *rows = NULL;
	assert_int_equal(
		D->query(&rows, conn, "SELECT * FROM pgdst_types3.all_types ORDER BY id", 0, NULL),
		0);
	const sl_rows_ops *o = rows->ops;
	int64_t v;
	double d;
	for (size_t r = 0; r < NROWS; r++) {
		assert_int_equal(o->next(rows), 1);
		/* dates, times and timestamps come back as the numbers that went in */
		if (!o->is_null(rows, C_DATE)) {
			int64_t want = r == 4 ? civil_days(12345, 6, 7) : row_date[r];
			assert_int_equal(o->get_int64(&v, rows, C_DATE), 0);
			assert_int_equal(v, want);
		}
		if (!o->is_null(rows, C_TS)) {
			int64_t want = r == 4 ? civil_days(10000, 1, 1) * DAY_US + 1 : row_ts[r];
			assert_int_equal(o->get_int64(&v, rows, C_TS), 0);
			assert_true(v == want);
		}
		if (!o->is_null(rows, C_TSTZ)) {
			assert_int_equal(o->get_int64(&v, rows, C_TSTZ), 0);
			assert_true(v == row_tstz[r]);
		}
		assert_int_equal(o->get_int64(&v, rows, C_ID), 0);
		assert_int_equal(v, (int64_t)r);
		switch (r) {
		case 0:
			assert_int_equal(o->get_int64(&v, rows, C_B), 0);
			assert_int_equal(v, 0);
			assert_int_equal(o->get_int64(&v, rows, C_I64), 0);
			assert_true(v == INT64_MIN);
			assert_int_equal(o->get_int64(&v, rows, C_I32), 0);
			assert_int_equal(v, INT32_MIN);
			assert_int_equal(o->get_int64(&v, rows, C_DEC4), 0);
			assert_int_equal(v, -99); /* -99.99 truncated toward zero */
			assert_int_equal(o->get_int64(&v, rows, C_DEC38), SL_ETYPE);
			assert_non_null(strstr(sl_error_last()->message, "dec38"));
			assert_int_equal(o->get_double(&d, rows, C_DEC38), 0);
			assert_true(d < -9.99e27 && d > -1.01e28);
			assert_int_equal(o->get_double(&d, rows, C_F), 0);
			assert_true(d == (double)-FLT_MAX);
			assert_int_equal(o->get_double(&d, rows, C_D), 0);
			assert_true(d == -DBL_MAX);
			assert_int_equal(o->get_int64(&v, rows, C_TXT), SL_ETYPE); /* "" */
			assert_int_equal(o->get_int64(&v, rows, C_TIME), 0);
			assert_int_equal(v, 0);
			break;
		case 1:
			assert_int_equal(o->get_int64(&v, rows, C_B), 0);
			assert_int_equal(v, 1);
			assert_int_equal(o->get_int64(&v, rows, C_I64), 0);
			assert_true(v == INT64_MAX);
			assert_int_equal(o->get_int64(&v, rows, C_U32), 0);
			assert_int_equal(v, UINT32_MAX);
			assert_int_equal(o->get_int64(&v, rows, C_U64), SL_ETYPE);
			assert_non_null(strstr(sl_error_last()->message, "u64"));
			assert_int_equal(o->get_double(&d, rows, C_U64), 0);
			assert_true(d == 18446744073709551615.0);
			assert_int_equal(o->get_int64(&v, rows, C_DEC18), 0);
			assert_int_equal(v, INT64_C(99999999999999));
			assert_int_equal(o->get_double(&d, rows, C_DEC9), 0);
			assert_true(d == 999999.999);
			assert_int_equal(o->get_int64(&v, rows, C_TIME), 0);
			assert_int_equal(v, INT64_C(86399999999));
			assert_int_equal(o->get_double(&d, rows, C_D), 0);
			assert_true(d == DBL_MAX);
			assert_int_equal(o->get_int64(&v, rows, C_IV), SL_ETYPE);
			break;
		case 2:
			assert_true(o->is_null(rows, C_I64));
			assert_int_equal(o->get_int64(&v, rows, C_I64), SL_ETYPE);
			assert_int_equal(o->get_double(&d, rows, C_D), SL_ETYPE);
			break;
		case 3:
			assert_int_equal(o->get_int64(&v, rows, C_DEC4), 0);
			assert_int_equal(v, 0); /* -0.05 */
			assert_int_equal(o->get_double(&d, rows, C_DEC4), 0);
			assert_true(d == -0.05);
			assert_int_equal(o->get_double(&d, rows, C_F), 0);
			assert_true(d == (double)0.1f);
			assert_int_equal(o->get_int64(&v, rows, C_TIME), 0);
			assert_int_equal(v, INT64_C(43200250000));
			break;
		case 4:
			assert_int_equal(o->get_int64(&v, rows, C_U64), SL_ETYPE); /* 2^63 */
			assert_int_equal(o->get_int64(&v, rows, C_U32), 0);
			assert_int_equal(v, INT64_C(2147483648));
			assert_int_equal(o->get_double(&d, rows, C_F), 0);
			assert_true(isnan(d));
			assert_int_equal(o->get_int64(&v, rows, C_F), SL_ETYPE);
			assert_int_equal(o->get_double(&d, rows, C_D), 0);
			assert_true(isinf(d) && d < 0);
			assert_int_equal(o->get_int64(&v, rows, C_TIME), 0);
			assert_true(v == DAY_US);
			break;
		default:
			break;
		}
	}
	/* several texts of one row stay valid together */
	o->free(rows);
	assert_int_equal(D->query(&rows, conn,
				  "SELECT txt, uid FROM pgdst_types3.all_types WHERE id = 3", 0,
				  NULL),
			 0);
	assert_int_equal(o->next(rows), 1);
	const char *t1 = o->get_text(rows, 0, NULL);
	const char *t2 = o->get_text(rows, 1, NULL);
	assert_string_equal(t1, "a string longer than twelve bytes");
	assert_string_equal(t2, "123e4567-e89b-12d3-a456-426614174000");
	assert_ptr_equal(t1, o->get_text(rows, 0, NULL));
	assert_int_equal(o->next(rows), 0);
	o->free(rows);
	D->close(conn);
}

/* ---- DECIMAL of every width, random values ------------------------------------------------ */

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static i128 pow10_i(int n)
{
	i128 p = 1;
	while (n-- > 0)
		p *= 10;
	return p;
}

/* A random value of at most `digits` digits (of every length, not just long ones). */
static i128 random_unscaled(int digits)
{
	int len = (int)(rng() % (uint64_t)(digits + 1));
	i128 v = 0;
	for (int i = 0; i < len; i++)
		v = v * 10 + (i128)(rng() % 10);
	/* runs of zeros and nines make carries and zero groups */
	switch (rng() % 4) {
	case 0:
		v = v / pow10_i(len / 2) * pow10_i(len / 2);
		break;
	case 1:
		v = pow10_i(len) - 1;
		break;
	default:
		break;
	}
	return rng() % 2 ? -v : v;
}

/* The text PostgreSQL prints for a numeric of scale `scale` (exactly `scale` decimals). */
static void decimal_text(char *out, size_t size, i128 v, int scale)
{
	char digits[64];
	size_t n = 0;
	u128 u = v < 0 ? -(u128)v : (u128)v;
	do {
		digits[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	while (n <= (size_t)scale)
		digits[n++] = '0';
	size_t o = 0;
	if (v < 0)
		out[o++] = '-';
	for (size_t i = n; i-- > 0;) {
		out[o++] = digits[i];
		if (i == (size_t)scale && scale > 0)
			out[o++] = '.';
	}
	out[o] = '\0';
	assert_true(o < size);
}

static void test_decimal_every_width(void **state)
{
	(void)state;
	static const struct {
		int p, s;
	} widths[] = {{1, 0},  {1, 1},	 {2, 1},   {4, 0},   {4, 2},   {4, 4},	 {5, 1},
		      {5, 5},  {8, 3},	 {9, 0},   {9, 3},   {9, 9},   {10, 0},	 {10, 5},
		      {12, 2}, {17, 7},	 {18, 0},  {18, 4},  {18, 18}, {19, 0},	 {19, 1},
		      {20, 0}, {20, 20}, {27, 13}, {28, 10}, {33, 3},  {37, 36}, {38, 0},
		      {38, 1}, {38, 2},	 {38, 3},  {38, 10}, {38, 19}, {38, 37}, {38, 38}};
	enum {
		NW = sizeof(widths) / sizeof(widths[0]),
		ROWS = 2000
	};
	sl_dest_conn *conn = open_pg();
	fresh_schema(conn, "pgdst_dec");
	sl_table_schema *s = sl_schema_new("src", "dec");
	assert_int_equal(sl_schema_add_column(s, "id", SL_TYPE_INT32, 0, 0, false, NULL), 0);
	for (size_t w = 0; w < NW; w++) {
		char name[32];
		snprintf(name, sizeof(name), "d%d_%d", widths[w].p, widths[w].s);
		assert_int_equal(sl_schema_add_column(s, name, SL_TYPE_DECIMAL, widths[w].p,
						      widths[w].s, true, NULL),
				 (int)w + 1);
	}
	assert_int_equal(D->ensure_table(conn, "pgdst_dec", "dec", s, false), 0);
	i128(*values)[NW] = calloc(ROWS, sizeof(*values));
	assert_non_null(values);
	sl_dest_appender *app = open_appender(conn, "pgdst_dec", "dec", s, NULL);
	sl_batch *b = sl_batch_new(s, 0);
	for (int row = 0; row < ROWS;) {
		sl_batch_reset(b);
		size_t n = 0;
		for (; n < SL_BATCH_CAPACITY && row < ROWS; n++, row++) {
			SETV(b, 0, n, int32_t, row);
			for (size_t w = 0; w < NW; w++) {
				int p = widths[w].p;
				i128 max = pow10_i(p) - 1, v;
				/* the extremes first, then random values */
				switch (row) {
				case 0:
					v = max;
					break;
				case 1:
					v = -max;
					break;
				case 2:
					v = 0;
					break;
				case 3:
					v = 1;
					break;
				case 4:
					v = -1;
					break;
				default:
					v = random_unscaled(p);
					break;
				}
				values[row][w] = v;
				if (row == 5 && w == 3) {
					sl_batch_set_null(b, w + 1, n); /* a NULL among them */
					continue;
				}
				if (p <= 4)
					SETV(b, w + 1, n, int16_t, (int16_t)v);
				else if (p <= 9)
					SETV(b, w + 1, n, int32_t, (int32_t)v);
				else if (p <= 18)
					SETV(b, w + 1, n, int64_t, (int64_t)v);
				else
					SETV(b, w + 1, n, sl_int128, to_s128(v));
			}
		}
		b->nrows = n;
		append_ok(app, b);
	}
	flush_ok(app);
	D->appender_close(app);
	sl_batch_free(b);

	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn, "SELECT * FROM pgdst_dec.dec ORDER BY id", 0, NULL),
			 0);
	for (int row = 0; row < ROWS; row++) {
		assert_int_equal(rows->ops->next(rows), 1);
		for (size_t w = 0; w < NW; w++) {
			const char *got = rows->ops->get_text(rows, w + 1, NULL);
			if (row == 5 && w == 3) {
				assert_null(got);
				continue;
			}
			char want[64];
			decimal_text(want, sizeof(want), values[row][w], widths[w].s);
			if (!got || strcmp(got, want) != 0)
				fail_msg("row %d DECIMAL(%d,%d): got '%s', want '%s'", row,
					 widths[w].p, widths[w].s, got ? got : "(null)", want);
		}
	}
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);
	/* PostgreSQL agrees on the sums as well (not only on the text) */
	assert_text(conn,
		    "SELECT sum(\"d38_10\") = sum(\"d38_10\"::text::numeric) FROM pgdst_dec.dec",
		    "t");
	free(values);
	sl_schema_free(s);
	D->close(conn);
}

/* UINT64 of every size into numeric(20,0), and integers into narrower pre-made columns. */
static void test_integers_and_narrowing(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	fresh_schema(conn, "pgdst_int");
	sl_table_schema *s = sl_schema_new("src", "u");
	assert_int_equal(sl_schema_add_column(s, "id", SL_TYPE_INT32, 0, 0, false, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "u", SL_TYPE_UINT64, 0, 0, true, NULL), 1);
	assert_int_equal(D->ensure_table(conn, "pgdst_int", "u", s, false), 0);
	sl_batch *b = sl_batch_new(s, 0);
	uint64_t vals[128];
	for (int i = 0; i < 128; i++) {
		vals[i] = i < 64 ? (UINT64_C(1) << i) - (i % 2) : rng() >> (i % 64);
		SETV(b, 0, (size_t)i, int32_t, i);
		SETV(b, 1, (size_t)i, uint64_t, vals[i]);
	}
	vals[127] = UINT64_MAX;
	SETV(b, 1, 127, uint64_t, UINT64_MAX);
	b->nrows = 128;
	sl_dest_appender *app = open_appender(conn, "pgdst_int", "u", s, NULL);
	append_ok(app, b);
	flush_ok(app);
	D->appender_close(app);
	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn, "SELECT u FROM pgdst_int.u ORDER BY id", 0, NULL),
			 0);
	for (int i = 0; i < 128; i++) {
		assert_int_equal(rows->ops->next(rows), 1);
		char want[32];
		snprintf(want, sizeof(want), "%" PRIu64, vals[i]);
		assert_string_equal(rows->ops->get_text(rows, 0, NULL), want);
	}
	rows->ops->free(rows);
	sl_batch_free(b);
	sl_schema_free(s);

	/* a table made elsewhere with narrower or other types: values are checked one by one */
	exec_ok(conn, "CREATE TABLE pgdst_int.n (a integer, b smallint, c numeric(30,5), "
		      "d double precision, e varchar(10), f jsonb, g timestamptz)");
	s = sl_schema_new("src", "n");
	assert_int_equal(sl_schema_add_column(s, "a", SL_TYPE_INT64, 0, 0, true, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "b", SL_TYPE_UINT8, 0, 0, true, NULL), 1);
	assert_int_equal(sl_schema_add_column(s, "c", SL_TYPE_INT16, 0, 0, true, NULL), 2);
	assert_int_equal(sl_schema_add_column(s, "d", SL_TYPE_FLOAT, 0, 0, true, NULL), 3);
	assert_int_equal(sl_schema_add_column(s, "e", SL_TYPE_TEXT, 0, 0, true, NULL), 4);
	assert_int_equal(sl_schema_add_column(s, "f", SL_TYPE_JSON, 0, 0, true, NULL), 5);
	assert_int_equal(sl_schema_add_column(s, "g", SL_TYPE_TIMESTAMP, 6, 0, true, NULL), 6);
	b = sl_batch_new(s, 0);
	SETV(b, 0, 0, int64_t, -2147483648);
	SETV(b, 1, 0, uint8_t, 255);
	SETV(b, 2, 0, int16_t, -32768);
	SETV(b, 3, 0, float, 0.5f);
	set_bytes(b, 4, 0, "ten chars!", 10);
	set_bytes(b, 5, 0, "{\"b\": 1,  \"a\": 2}", 17);
	SETV(b, 6, 0, int64_t, INT64_C(1706702400000250));
	b->nrows = 1;
	app = open_appender(conn, "pgdst_int", "n", s, "no load id column: ignored");
	append_ok(app, b);
	flush_ok(app);
	assert_text(conn, "SELECT concat_ws('|', a, b, c, d, e, f, g) FROM pgdst_int.n",
		    "-2147483648|255|-32768.00000|0.5|ten chars!|{\"a\": 2, \"b\": 1}|"
		    "2024-01-31 12:00:00.00025+00");
	/* 2^31 does not fit integer: refused with the column and the value, nothing sent */
	SETV(b, 0, 0, int64_t, INT64_C(2147483648));
	assert_int_equal(D->append(app, b), SL_ETYPE);
	const char *msg = sl_error_last()->message;
	if (!strstr(msg, "pgdst_int.n") || !strstr(msg, "column a") || !strstr(msg, "2147483648") ||
	    !strstr(msg, "integer"))
		fail_msg("message: %s", msg);
	/* the COPY stays usable: the next good batch goes in */
	SETV(b, 0, 0, int64_t, 7);
	append_ok(app, b);
	flush_ok(app);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_int.n"), 2);
	/* a text longer than varchar(10) fails the flush with PostgreSQL's reason */
	set_bytes(b, 4, 0, "eleven chars", 12);
	append_ok(app, b);
	assert_int_equal(D->appender_flush(app), SL_EDEST);
	msg = sl_error_last()->message;
	if (!strstr(msg, "pgdst_int.n") || !strstr(msg, "too long") || !strstr(msg, "column e"))
		fail_msg("message: %s", msg);
	D->appender_close(app);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_int.n"), 2);
	sl_batch_free(b);
	sl_schema_free(s);

	/* types that cannot go in are refused when the appender opens */
	s = sl_schema_new("src", "n");
	assert_int_equal(sl_schema_add_column(s, "d", SL_TYPE_UUID, 0, 0, true, NULL), 0);
	app = NULL;
	assert_int_equal(D->appender_open(&app, conn, "pgdst_int", "n", s, NULL), SL_ETYPE);
	assert_null(app);
	msg = sl_error_last()->message;
	if (!strstr(msg, "column d") || !strstr(msg, "double precision") || !strstr(msg, "UUID"))
		fail_msg("message: %s", msg);
	sl_schema_free(s);
	D->close(conn);
}

/* Invalid UTF-8 and invalid JSON are PostgreSQL's to refuse: the flush fails, nothing stays. */
static void test_bad_text_refused(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	fresh_schema(conn, "pgdst_bad");
	sl_table_schema *s = sl_schema_new("src", "t");
	assert_int_equal(sl_schema_add_column(s, "s", SL_TYPE_TEXT, 0, 0, true, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "j", SL_TYPE_JSON, 0, 0, true, NULL), 1);
	assert_int_equal(D->ensure_table(conn, "pgdst_bad", "t", s, false), 0);
	sl_batch *b = sl_batch_new(s, 0);
	set_bytes(b, 0, 0, "bad \xff\xfe", 6);
	b->nrows = 1;
	sl_dest_appender *app = open_appender(conn, "pgdst_bad", "t", s, NULL);
	assert_int_equal(D->begin(conn), 0);
	append_ok(app, b);
	assert_int_equal(D->appender_flush(app), SL_EDEST);
	const char *msg = sl_error_last()->message;
	if (!strstr(msg, "pgdst_bad.t") || !strstr(msg, "UTF8") || strchr(msg, '\n'))
		fail_msg("message: %s", msg);
	/* the transaction failed with it: commit says so */
	assert_int_equal(D->commit(conn), SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "rolled back"));
	set_bytes(b, 0, 0, "ok", 2);
	set_bytes(b, 1, 0, "{not json", 9);
	append_ok(app, b);
	assert_int_equal(D->appender_flush(app), SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "json"));
	D->appender_close(app);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_bad.t"), 0);
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(conn);
}

/* Values of several MiB go through the COPY in 1 MiB pieces, byte for byte. */
static void test_large_values(void **state)
{
	(void)state;
	enum {
		BIN = 3 * 1024 * 1024 + 7,
		TXT = 2 * 1024 * 1024
	};
	sl_dest_conn *conn = open_pg();
	fresh_schema(conn, "pgdst_large");
	sl_table_schema *s = sl_schema_new("src", "t");
	assert_int_equal(sl_schema_add_column(s, "id", SL_TYPE_INT32, 0, 0, false, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "b", SL_TYPE_BLOB, 0, 0, true, NULL), 1);
	assert_int_equal(sl_schema_add_column(s, "t", SL_TYPE_TEXT, 0, 0, true, NULL), 2);
	assert_int_equal(D->ensure_table(conn, "pgdst_large", "t", s, false), 0);
	char *bin = malloc(BIN), *txt = malloc(TXT);
	assert_non_null(bin);
	assert_non_null(txt);
	for (size_t i = 0; i < BIN; i++)
		bin[i] = (char)(i % 251);
	for (size_t i = 0; i < TXT; i++)
		txt[i] = (char)('a' + i % 26);
	sl_batch *b = sl_batch_new(s, 0);
	for (size_t r = 0; r < 3; r++) {
		SETV(b, 0, r, int32_t, (int32_t)r);
		set_bytes(b, 1, r, bin, BIN - r);
		set_bytes(b, 2, r, txt, TXT - r);
	}
	b->nrows = 3;
	sl_dest_appender *app = open_appender(conn, "pgdst_large", "t", s, NULL);
	append_ok(app, b);
	flush_ok(app);
	D->appender_close(app);
	assert_text(conn,
		    "SELECT string_agg(length(b) || ':' || length(t), ',' ORDER BY id) FROM "
		    "pgdst_large.t",
		    "3145735:2097152,3145734:2097151,3145733:2097150");
	/* the same bytes, built inside PostgreSQL */
	assert_text(
		conn,
		"SELECT b = (SELECT string_agg(set_byte('\\x00'::bytea, 0, i % 251), ''::bytea "
		"ORDER BY i) FROM generate_series(0, 3145732) i) FROM pgdst_large.t WHERE id = 2",
		"t");
	assert_text(conn,
		    "SELECT t = left(repeat('abcdefghijklmnopqrstuvwxyz', 80660), 2097150) FROM "
		    "pgdst_large.t WHERE id = 2",
		    "t");
	free(bin);
	free(txt);
	sl_batch_free(b);
	sl_schema_free(s);
	exec_ok(conn, "DROP SCHEMA pgdst_large CASCADE");
	D->close(conn);
}

/* ---- transactions ---------------------------------------------------------------------------- */

static sl_table_schema *small_schema(void)
{
	sl_table_schema *s = sl_schema_new("src", "t");
	assert_non_null(s);
	assert_int_equal(sl_schema_add_column(s, "id", SL_TYPE_INT64, 0, 0, false, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "name", SL_TYPE_TEXT, 0, 0, true, NULL), 1);
	return s;
}

static void fill_small(sl_batch *b, int64_t first, size_t n)
{
	sl_batch_reset(b);
	for (size_t i = 0; i < n; i++) {
		char name[64];
		int len = snprintf(name, sizeof(name), "name-%" PRId64, first + (int64_t)i);
		SETV(b, 0, i, int64_t, first + (int64_t)i);
		set_bytes(b, 1, i, name, (size_t)len);
	}
	b->nrows = n;
}

static void test_rollback_discards(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	fresh_schema(conn, "pgdst_txn");
	sl_table_schema *s = small_schema();
	assert_int_equal(D->ensure_table(conn, "pgdst_txn", "t", s, true), 0);
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = open_appender(conn, "pgdst_txn", "t", s, "L1");

	/* BEGIN, append, flush, ROLLBACK: nothing */
	assert_int_equal(D->begin(conn), 0);
	fill_small(b, 1, 2048);
	append_ok(app, b);
	flush_ok(app);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_txn.t"), 2048); /* inside */
	assert_int_equal(D->rollback(conn), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_txn.t"), 0);

	/* BEGIN, append without flush, ROLLBACK: the open COPY is cancelled */
	assert_int_equal(D->begin(conn), 0);
	append_ok(app, b);
	assert_int_equal(D->rollback(conn), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_txn.t"), 0);

	/* the same appender goes on working after a rollback */
	assert_int_equal(D->begin(conn), 0);
	fill_small(b, 1, 10);
	append_ok(app, b);
	flush_ok(app);
	assert_int_equal(D->commit(conn), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_txn.t WHERE "
					 "_sluice_load_id = 'L1' AND name = 'name-' || id"),
			 10);

	/* closing an appender with rows not flushed drops them, and fails the transaction */
	assert_int_equal(D->begin(conn), 0);
	append_ok(app, b);
	D->appender_close(app);
	assert_int_equal(D->commit(conn), SL_EDEST);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_txn.t"), 10);

	/* a statement of the transaction that fails: commit reports it, nothing stays */
	assert_int_equal(D->begin(conn), 0);
	app = open_appender(conn, "pgdst_txn", "t", s, "L2");
	append_ok(app, b);
	flush_ok(app);
	assert_int_equal(D->exec(conn, "INSERT INTO pgdst_txn.nope VALUES (1)", 0, NULL), SL_EDEST);
	assert_int_equal(D->commit(conn), SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "cannot commit"));
	assert_int_equal(D->rollback(conn), 0); /* harmless after that */
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_txn.t"), 10);
	/* begin twice is refused */
	assert_int_equal(D->begin(conn), 0);
	assert_int_equal(D->begin(conn), SL_EINVAL);
	assert_int_equal(D->rollback(conn), 0);
	D->appender_close(app);
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(conn);
}

/* Two chunks as the pipeline runs them: append, flush, state rows through exec, commit. Another
   connection sees each chunk only once it is committed. */
static void test_chunks_commit(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg(), *other = open_pg();
	fresh_schema(conn, "pgdst_chunks");
	exec_ok(conn, "CREATE TABLE pgdst_chunks.st (k varchar, v varchar, at timestamp)");
	sl_table_schema *s = small_schema();
	assert_int_equal(D->ensure_table(conn, "pgdst_chunks", "t", s, true), 0);
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = open_appender(conn, "pgdst_chunks", "t", s, "LOAD");
	for (int chunk = 0; chunk < 2; chunk++) {
		assert_int_equal(D->begin(conn), 0);
		for (int batch = 0; batch < 3; batch++) {
			fill_small(b, chunk * 10000 + batch * 2048, 2048);
			append_ok(app, b);
		}
		flush_ok(app);
		char v[16];
		snprintf(v, sizeof(v), "%d", chunk);
		const char *params[] = {"state", v, "2024-01-31 12:00:00.123456"};
		assert_int_equal(
			D->exec(conn, "DELETE FROM pgdst_chunks.st WHERE k = $1", 1, params), 0);
		int rc = D->exec(
			conn, "INSERT INTO pgdst_chunks.st VALUES ($1, $2, CAST($3 AS TIMESTAMP))",
			3, params);
		if (rc)
			fail_msg("insert: %s", sl_error_last()->message);
		assert_int_equal(query_int(other, "SELECT count(*) FROM pgdst_chunks.t"),
				 chunk * 6144);
		assert_int_equal(D->commit(conn), 0);
		assert_int_equal(query_int(other, "SELECT count(*) FROM pgdst_chunks.t"),
				 (chunk + 1) * 6144);
		assert_text(other, "SELECT v || ' ' || at FROM pgdst_chunks.st",
			    chunk ? "1 2024-01-31 12:00:00.123456"
				  : "0 2024-01-31 12:00:00.123456");
	}
	D->appender_close(app);
	/* a statement while a COPY is open ends it first, keeping its rows */
	fill_small(b, 99999, 1);
	app = open_appender(conn, "pgdst_chunks", "t", s, NULL);
	append_ok(app, b);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_chunks.t WHERE id = 99999"),
			 1);
	flush_ok(app); /* nothing left to flush: fine */
	D->appender_close(app);
	assert_int_equal(query_int(other, "SELECT count(*) FROM pgdst_chunks.t WHERE "
					  "_sluice_load_id IS NULL"),
			 1);
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(other);
	D->close(conn);
}

/* ---- schema evolution ------------------------------------------------------------------------ */

static void test_ensure_table_evolves(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	exec_ok(conn, "DROP SCHEMA IF EXISTS pgdst_evolve CASCADE");
	sl_table_schema *s = small_schema();
	bool exists = true;
	assert_int_equal(D->table_exists(&exists, conn, "pgdst_evolve", "t"), 0);
	assert_false(exists);
	assert_int_equal(D->ensure_dataset(conn, "pgdst_evolve"), 0);
	assert_int_equal(D->ensure_dataset(conn, "pgdst_evolve"), 0);
	assert_int_equal(D->ensure_table(conn, "pgdst_evolve", "t", s, false), 0);
	assert_int_equal(D->table_exists(&exists, conn, "pgdst_evolve", "t"), 0);
	assert_true(exists);
	assert_int_equal(D->table_exists(&exists, conn, "pgdst_evolve", "T"), 0);
	assert_false(exists); /* PostgreSQL's quoted names are case-sensitive */
	assert_int_equal(D->ensure_table(conn, "pgdst_evolve", "t", s, false), 0); /* idempotent */

	/* a new source column, a load id column, a column name differing only in case */
	sl_table_schema *s2 = sl_schema_new("src", "t");
	assert_int_equal(sl_schema_add_column(s2, "ID", SL_TYPE_INT64, 0, 0, false, NULL), 0);
	assert_int_equal(sl_schema_add_column(s2, "price", SL_TYPE_DECIMAL, 12, 2, false, NULL), 1);
	assert_int_equal(sl_schema_add_column(s2, "name", SL_TYPE_TEXT, 0, 0, true, NULL), 2);
	assert_int_equal(D->ensure_table(conn, "pgdst_evolve", "t", s2, true), 0);
	const char *cols_sql = "SELECT string_agg(attname || ' ' || format_type(atttypid, "
			       "atttypmod), ', ' ORDER BY attnum) FROM pg_attribute WHERE "
			       "attrelid = 'pgdst_evolve.t'::regclass AND attnum > 0";
	assert_text(conn, cols_sql,
		    "id bigint, name text, price numeric(12,2), _sluice_load_id character varying");
	assert_int_equal(D->ensure_table(conn, "pgdst_evolve", "t", s2, true), 0);
	assert_text(conn, cols_sql,
		    "id bigint, name text, price numeric(12,2), _sluice_load_id character varying");

	/* the appender fills by name: the old schema leaves price NULL */
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = open_appender(conn, "pgdst_evolve", "t", s, "LX");
	fill_small(b, 1, 2);
	append_ok(app, b);
	flush_ok(app);
	D->appender_close(app);
	sl_batch *b2 = sl_batch_new(s2, 1);
	SETV(b2, 0, 0, int64_t, 3);
	SETV(b2, 1, 0, int64_t, 12345); /* 123.45 */
	set_bytes(b2, 2, 0, "three", 5);
	SETV(b2, 3, 0, uint8_t, 1); /* an extra trailing column the driver ignores */
	b2->nrows = 1;
	app = open_appender(conn, "pgdst_evolve", "t", s2, NULL);
	append_ok(app, b2);
	flush_ok(app);
	D->appender_close(app);
	assert_text(conn,
		    "SELECT string_agg(concat_ws(':', id, name, coalesce(price::text, '-'), "
		    "coalesce(_sluice_load_id, '-')), ' ' ORDER BY id) FROM pgdst_evolve.t",
		    "1:name-1:-:LX 2:name-2:-:LX 3:three:123.45:-");

	/* a schema column the table lacks is caught at appender_open */
	sl_table_schema *s3 = sl_schema_copy(s2);
	assert_int_equal(sl_schema_add_column(s3, "extra", SL_TYPE_INT32, 0, 0, true, NULL), 3);
	app = NULL;
	assert_int_equal(D->appender_open(&app, conn, "pgdst_evolve", "t", s3, NULL), SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "extra"));
	assert_null(app);
	/* and an appender on a missing table */
	assert_int_equal(D->appender_open(&app, conn, "pgdst_evolve", "nope", s, NULL),
			 SL_ENOTFOUND);
	assert_non_null(strstr(sl_error_last()->message, "pgdst_evolve.nope"));
	/* a batch that does not match the schema is refused, not misread */
	app = open_appender(conn, "pgdst_evolve", "t", s2, NULL);
	assert_int_equal(D->append(app, b), SL_EINVAL);
	D->appender_close(app);

	/* names PostgreSQL would cut to 63 bytes, and DECIMALs outside the portable range */
	char longname[80];
	memset(longname, 'x', 64);
	longname[64] = '\0';
	assert_int_equal(D->ensure_table(conn, "pgdst_evolve", longname, s, false), SL_EINVAL);
	assert_non_null(strstr(sl_error_last()->message, "63"));
	assert_int_equal(D->ensure_dataset(conn, longname), SL_EINVAL);
	sl_table_schema *big = sl_schema_new("src", "x");
	assert_int_equal(sl_schema_add_column(big, "big", SL_TYPE_DECIMAL, 65, 30, true, NULL), 0);
	assert_int_equal(D->ensure_table(conn, "pgdst_evolve", "x", big, false), SL_ETYPE);
	assert_non_null(strstr(sl_error_last()->message, "big"));
	assert_non_null(strstr(sl_error_last()->message, "pgdst_evolve.x"));

	sl_schema_free(big);
	sl_batch_free(b);
	sl_batch_free(b2);
	sl_schema_free(s);
	sl_schema_free(s2);
	sl_schema_free(s3);
	D->close(conn);
}

/* ---- exec and query with parameters ---------------------------------------------------------- */

static void test_exec_and_query_with_params(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_pg();
	fresh_schema(conn, "pgdst_params");
	exec_ok(conn, "CREATE TABLE pgdst_params.p (n BIGINT, ts TIMESTAMP, d DECIMAL(10,2), "
		      "s VARCHAR, b BOOLEAN)");
	const char *p1[] = {"42", "2024-01-31 12:00:00.25", "12.34", "it's", "true"};
	int rc = D->exec(conn, "INSERT INTO pgdst_params.p VALUES ($1, $2, $3, $4, $5)", 5, p1);
	if (rc)
		fail_msg("insert: %s", sl_error_last()->message);
	const char *p2[] = {"-7", NULL, NULL, NULL, "false"};
	assert_int_equal(
		D->exec(conn, "INSERT INTO pgdst_params.p VALUES ($1, $2, $3, $4, $5)", 5, p2), 0);

	const char *q[] = {"2024-01-01", "10"};
	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn,
				  "SELECT n, ts, d, s, b FROM pgdst_params.p WHERE ts >= $1 AND "
				  "n > CAST($2 AS BIGINT)",
				  2, q),
			 0);
	assert_int_equal(rows->ops->next(rows), 1);
	int64_t v;
	assert_int_equal(rows->ops->get_int64(&v, rows, 0), 0);
	assert_int_equal(v, 42);
	assert_string_equal(rows->ops->get_text(rows, 1, NULL), "2024-01-31 12:00:00.25");
	assert_string_equal(rows->ops->get_text(rows, 2, NULL), "12.34");
	assert_string_equal(rows->ops->get_text(rows, 3, NULL), "it's");
	assert_string_equal(rows->ops->get_text(rows, 4, NULL), "t");
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);

	const char *isnull[] = {NULL};
	assert_int_equal(D->query(&rows, conn,
				  "SELECT count(*) FROM pgdst_params.p WHERE ts IS NULL AND "
				  "$1::text IS NULL",
				  1, isnull),
			 0);
	assert_int_equal(rows->ops->next(rows), 1);
	assert_int_equal(rows->ops->get_int64(&v, rows, 0), 0);
	assert_int_equal(v, 1);
	rows->ops->free(rows);
	const char *neg[] = {"-7"};
	assert_int_equal(D->exec(conn, "DELETE FROM pgdst_params.p WHERE n = $1", 1, neg), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_params.p"), 1);

	/* a text integer reads as one; a query that is no SELECT has no rows */
	const char *txt[] = {"123"};
	assert_int_equal(D->query(&rows, conn, "SELECT $1::varchar", 1, txt), 0);
	assert_int_equal(rows->ops->column_type(rows, 0), SL_TYPE_TEXT);
	assert_int_equal(rows->ops->next(rows), 1);
	assert_int_equal(rows->ops->get_int64(&v, rows, 0), 0);
	assert_int_equal(v, 123);
	rows->ops->free(rows);
	assert_int_equal(D->query(&rows, conn, "CREATE TABLE pgdst_params.q (x int)", 0, NULL), 0);
	assert_int_equal(sl_rows_column_count(rows), 0);
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);
	/* an empty result still names its columns */
	assert_int_equal(D->query(&rows, conn, "SELECT x AS the_x FROM pgdst_params.q", 0, NULL),
			 0);
	assert_int_equal(sl_rows_column_count(rows), 1);
	assert_string_equal(rows->ops->column_name(rows, 0), "the_x");
	assert_int_equal(rows->ops->column_type(rows, 0), SL_TYPE_INT32);
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);
	/* several statements through exec without parameters */
	exec_ok(conn,
		"INSERT INTO pgdst_params.q VALUES (1); INSERT INTO pgdst_params.q VALUES (2)");
	assert_int_equal(query_int(conn, "SELECT sum(x) FROM pgdst_params.q"), 3);

	/* COPY has no data to go with it here: refused, and the connection stays usable */
	assert_int_equal(D->exec(conn, "COPY pgdst_params.q FROM STDIN", 0, NULL), SL_EINVAL);
	assert_int_equal(D->exec(conn, "COPY pgdst_params.q TO STDOUT", 0, NULL), SL_EINVAL);
	assert_int_equal(D->query(&rows, conn, "COPY pgdst_params.q TO STDOUT", 0, NULL),
			 SL_EINVAL);
	assert_int_equal(D->query(&rows, conn, "COPY pgdst_params.q FROM STDIN", 0, NULL),
			 SL_EINVAL);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM pgdst_params.q"), 2);

	/* errors */
	assert_int_equal(D->exec(conn, "INSERT INTO pgdst_params.p (n) VALUES ($1)", 0, NULL),
			 SL_EDEST);
	assert_int_equal(D->exec(conn, "INSERT INTO pgdst_params.p (n) VALUES ($1)", 2, p1),
			 SL_EINVAL);
	assert_non_null(strstr(sl_error_last()->message, "supplies 2 parameters"));
	const char *notnum[] = {"abc"};
	assert_int_equal(D->exec(conn, "INSERT INTO pgdst_params.p (n) VALUES ($1)", 1, notnum),
			 SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "127.0.0.1"));
	assert_non_null(strstr(sl_error_last()->message, "invalid input syntax"));
	assert_int_equal(D->query(&rows, conn, "SELEC 1", 0, NULL), SL_EDEST);
	assert_null(rows);
	assert_non_null(strstr(sl_error_last()->message, "syntax error"));
	assert_null(strchr(sl_error_last()->message, '\n'));
	assert_null(strstr(sl_error_last()->message, "sluice-test-pw"));
	/* an error while streaming surfaces from next(), after the rows before it */
	assert_int_equal(D->query(&rows, conn,
				  "SELECT CASE WHEN g < 300000 THEN g ELSE 1 / (g - 300000) END "
				  "FROM generate_series(1, 300001) g",
				  0, NULL),
			 0);
	size_t seen = 0;
	while ((rc = rows->ops->next(rows)) == 1)
		seen++;
	assert_int_equal(rc, SL_EDEST);
	assert_true(seen > 0 && seen < 300001);
	assert_non_null(strstr(sl_error_last()->message, "division by zero"));
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);

	/* while rows are being read the connection is busy; freeing them early frees it */
	assert_int_equal(
		D->query(&rows, conn, "SELECT g FROM generate_series(1, 100000) g", 0, NULL), 0);
	assert_int_equal(rows->ops->next(rows), 1);
	assert_int_equal(D->exec(conn, "SELECT 1", 0, NULL), SL_EINVAL);
	assert_non_null(strstr(sl_error_last()->message, "still being read"));
	sl_rows *again = NULL;
	assert_int_equal(D->query(&again, conn, "SELECT 1", 0, NULL), SL_EINVAL);
	rows->ops->free(rows);
	assert_int_equal(query_int(conn, "SELECT 41 + 1"), 42);
	D->close(conn);
}

/* ---- open ------------------------------------------------------------------------------------ */

static sl_url *url_with(const char *user, const char *password, int port, const char *db)
{
	sl_url *u = parse_url(pg_url());
	if (user) {
		free(u->user);
		u->user = strdup(user);
	}
	if (password) {
		free(u->password);
		u->password = strdup(password);
	}
	if (port)
		u->port = port;
	if (db) {
		free(u->database);
		u->database = strdup(db);
	}
	return u;
}

static void expect_open_error(sl_url *u, int code, const char *part)
{
	sl_dest_conn *conn = NULL;
	int rc = D->open(&conn, u, NULL);
	assert_null(conn);
	const char *msg = sl_error_last()->message;
	if (rc != code || !strstr(msg, part))
		fail_msg("open: %d '%s' (want %d with '%s')", rc, msg, code, part);
	if (u->password && *u->password)
		assert_null(strstr(msg, u->password));
	assert_null(strchr(msg, '\n'));
	sl_url_free(u);
}

static void test_open_errors(void **state)
{
	(void)state;
	sl_url *base = parse_url(pg_url());
	char where[300];
	snprintf(where, sizeof(where), "%s:%d/%s", base->host, base->port, base->database);
	char other_port[300];
	snprintf(other_port, sizeof(other_port), "%s:%d/%s", base->host, 1, base->database);
	sl_url_free(base);

	expect_open_error(url_with(NULL, "wrong-password-123", 0, NULL), SL_EAUTH, where);
	expect_open_error(url_with("no_such_user", "x-secret-x", 0, NULL), SL_EAUTH,
			  "authentication failed");
	expect_open_error(url_with(NULL, NULL, 0, "no_such_db"), SL_ENOTFOUND, "no_such_db");
	expect_open_error(url_with(NULL, NULL, 1, NULL), SL_ECONNECT, other_port);

	sl_url *u = url_with(NULL, NULL, 0, NULL);
	free(u->options);
	u->noptions = 1;
	u->options = calloc(1, sizeof(*u->options));
	u->options[0].key = strdup("no_such_option");
	u->options[0].value = strdup("1");
	expect_open_error(u, SL_EINVAL, "no_such_option");

	/* a libpq option from the URL is passed on */
	char text[600];
	snprintf(text, sizeof(text), "%s?application_name=pgdst_test&sslmode=disable", pg_url());
	u = parse_url(text);
	sl_dest_conn *conn = NULL;
	assert_int_equal(D->open(&conn, u, NULL), 0);
	sl_url_free(u);
	assert_text(conn, "SELECT current_setting('application_name')", "pgdst_test");
	assert_text(conn, "SELECT current_setting('TimeZone')", "UTC");
	D->close(conn);

	sl_url wrong = {.kind = SL_URL_SQLITE, .scheme = "sqlite", .database = "x.db"};
	assert_int_equal(D->open(&conn, &wrong, NULL), SL_EINVAL);
	assert_null(conn);

	/* the driver table finds it, and names its library */
	u = parse_url(pg_url());
	assert_ptr_equal(sl_destination_driver_for(u), D);
	sl_url_free(u);
	const char *ver = D->library_version();
	assert_non_null(ver);
	assert_int_equal(strncmp(ver, "libpq 1", 7), 0);
	assert_ptr_equal(ver, D->library_version());
}

/* ---- end to end: SQLite -> PostgreSQL through the public API ---------------------------------- */

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

static char *dataset_text(sl_dataset *ds, const char *sql)
{
	sl_rows *rows = NULL;
	if (sl_dataset_query(&rows, ds, sql))
		fail_msg("%s: %s", sql, sl_error_last()->message);
	assert_int_equal(sl_rows_next(rows), 1);
	const char *t = sl_rows_text(rows, 0, NULL);
	char *out = t ? strdup(t) : NULL;
	sl_rows_free(rows);
	return out;
}

static void test_pipeline_sqlite_to_postgres(void **state)
{
	(void)state;
	const char *work = getenv("SLUICE_TEST_WORKDIR");
	char dir[512], dbfile[600], pipes[600], src_url[700];
	snprintf(dir, sizeof(dir), "%s/pgdst-XXXXXX", work && *work ? work : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(dbfile, sizeof(dbfile), "%s/rfam.db", dir);
	snprintf(pipes, sizeof(pipes), "%s/pipelines", dir);
	snprintf(src_url, sizeof(src_url), "sqlite:///%s", dbfile);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(dbfile, &db), SQLITE_OK);
	char *sql = read_file(SL_TEST_DATA_DIR "/rfam_family_sqlite.sql");
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("sqlite: %s", err);
	free(sql);
	sqlite3_close(db);

	sl_dest_conn *conn = open_pg();
	exec_ok(conn, "DROP SCHEMA IF EXISTS pgdst_rfam CASCADE");
	D->close(conn);

	const char *tables[] = {"family", NULL};
	sl_source *src = NULL;
	if (sl_source_sql_database(&src, src_url, tables, 1000))
		fail_msg("source: %s", sl_error_last()->message);
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.primary_key = "rfam_id";
	h.incremental.cursor_path = "created";
	h.incremental.row_order = SL_ROW_ORDER_ASC;
	assert_int_equal(sl_source_apply_hints(src, "family", &h), 0);
	assert_int_equal(sl_source_add_limit(src, 1), 0);
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = "rfam_pg";
	o.destination = pg_url();
	o.dataset_name = "pgdst_rfam";
	o.pipelines_dir = pipes;
	sl_pipeline *p = NULL;
	assert_int_equal(sl_pipeline_new(&p, &o), 0);

	const int64_t total[] = {1000, 1999, 2998, 3997, 4178};
	const uint64_t loaded[] = {1000, 999, 999, 999, 181};
	for (size_t run = 0; run < 5; run++) {
		sl_load_info *info = NULL;
		if (sl_pipeline_run(&info, p, src))
			fail_msg("run %zu: %s", run + 1, sl_error_last()->message);
		const sl_table_load *t = sl_load_info_table(info, 0);
		assert_string_equal(t->table, "family");
		assert_int_equal(t->rows_loaded, loaded[run]);
		assert_int_equal(t->chunks, 1);
		assert_int_equal(t->exhausted, run == 4);
		sl_dataset *ds = NULL;
		assert_int_equal(sl_pipeline_dataset(&ds, p), 0);
		char *n = dataset_text(ds, "SELECT count(*) || '/' || count(DISTINCT rfam_id) FROM "
					   "family");
		char want[64];
		snprintf(want, sizeof(want), "%" PRId64 "/%" PRId64, total[run], total[run]);
		assert_string_equal(n, want);
		free(n);
		char *max =
			dataset_text(ds, "SELECT to_char(max(created), 'YYYY-MM-DD HH24:MI:SS') "
					 "FROM family");
		assert_string_equal(t->last_value, max);
		free(max);
		uint64_t count = 0;
		assert_int_equal(sl_dataset_row_count(&count, ds, "family"), 0);
		assert_int_equal(count, (uint64_t)total[run]);
		sl_dataset_free(ds);
		sl_load_info_free(info);
	}

	/* the same values as the source, read back through the public API */
	sl_dataset *ds = NULL;
	assert_int_equal(sl_dataset_open(&ds, pg_url(), "pgdst_rfam"), 0);
	sqlite3 *check = NULL;
	assert_int_equal(sqlite3_open(dbfile, &check), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(
		sqlite3_prepare_v2(check,
				   "SELECT count(*), sum(num_full), sum(length(description)), "
				   "sum(length(tax_seed)), sum(match_pair_node), "
				   "sum(gathering_cutoff) FROM family",
				   -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char want[300];
	snprintf(want, sizeof(want), "%lld|%lld|%lld|%lld|%lld|%.2f", sqlite3_column_int64(st, 0),
		 sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
		 sqlite3_column_double(st, 5));
	sqlite3_finalize(st);
	sqlite3_close(check);
	char *got =
		dataset_text(ds, "SELECT concat_ws('|', count(*), sum(num_full), "
				 "sum(length(description)), sum(length(tax_seed)), "
				 "sum(match_pair_node::int), "
				 "to_char(sum(gathering_cutoff), 'FM999999990.00')) FROM family");
	assert_string_equal(got, want);
	free(got);
	/* the dataset's tables with their counts, and the bookkeeping */
	sl_rows *rows = NULL;
	assert_int_equal(sl_dataset_tables(&rows, ds), 0);
	char list[300] = "";
	while (sl_rows_next(rows) == 1) {
		int64_t n = 0;
		assert_int_equal(sl_rows_int64(&n, rows, 1), 0);
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s=%" PRId64 " ",
			 sl_rows_text(rows, 0, NULL), n);
	}
	sl_rows_free(rows);
	/* (the order is the database collation's) */
	assert_int_equal(strlen(list), strlen("_sluice_loads=5 _sluice_state=1 family=4178 "));
	assert_non_null(strstr(list, "_sluice_loads=5 "));
	assert_non_null(strstr(list, "_sluice_state=1 "));
	assert_non_null(strstr(list, "family=4178 "));
	got = dataset_text(ds, "SELECT count(DISTINCT _sluice_load_id) FROM family");
	assert_string_equal(got, "5");
	free(got);
	sl_dataset_free(ds);
	/* a dataset name that needs quoting everywhere, the search path included */
	assert_int_equal(sl_dataset_open(&ds, pg_url(), "pgdst we,ird.\"ds"), 0);
	assert_int_equal(sl_dataset_query(&rows, ds, "CREATE TABLE t AS SELECT 5 AS x"), 0);
	sl_rows_free(rows);
	got = dataset_text(ds, "SELECT x FROM t");
	assert_string_equal(got, "5");
	free(got);
	got = dataset_text(ds, "SELECT count(*) FROM \"pgdst we,ird.\"\"ds\".t");
	assert_string_equal(got, "1");
	free(got);
	assert_int_equal(sl_dataset_query(&rows, ds, "DROP SCHEMA \"pgdst we,ird.\"\"ds\" CASCADE"),
			 0);
	sl_rows_free(rows);
	sl_dataset_free(ds);
	char *json = NULL;
	assert_int_equal(sl_pipeline_state_json(&json, p), 0);
	assert_non_null(strstr(json, "\"family\""));
	sl_free(json);
	/* a sixth run finds nothing new */
	sl_load_info *info = NULL;
	assert_int_equal(sl_pipeline_run(&info, p, src), 0);
	assert_int_equal(sl_load_info_table(info, 0)->rows_loaded, 0);
	sl_load_info_free(info);
	sl_pipeline_free(p);
	sl_source_free(src);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- throughput -------------------------------------------------------------------------------- */

/* Many batches of a mixed 8-column table through COPY in one transaction: sums check every row.
   (Speed is measured by bench/, not here; SLUICE_TEST_PG_ROWS makes the table bigger.) */
static void test_copy_volume(void **state)
{
	(void)state;
	const char *env = getenv("SLUICE_TEST_PG_ROWS");
	long total = env && *env ? strtol(env, NULL, 10) : 50000;
	sl_dest_conn *conn = open_pg();
	fresh_schema(conn, "pgdst_bench");
	sl_table_schema *s = sl_schema_new("src", "bench");
	assert_int_equal(sl_schema_add_column(s, "id", SL_TYPE_INT64, 0, 0, false, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "qty", SL_TYPE_INT32, 0, 0, true, NULL), 1);
	assert_int_equal(sl_schema_add_column(s, "price", SL_TYPE_DECIMAL, 12, 2, true, NULL), 2);
	assert_int_equal(sl_schema_add_column(s, "score", SL_TYPE_DOUBLE, 0, 0, true, NULL), 3);
	assert_int_equal(sl_schema_add_column(s, "name", SL_TYPE_TEXT, 0, 0, true, NULL), 4);
	assert_int_equal(sl_schema_add_column(s, "created", SL_TYPE_TIMESTAMP, 6, 0, true, NULL),
			 5);
	assert_int_equal(sl_schema_add_column(s, "active", SL_TYPE_BOOL, 0, 0, true, NULL), 6);
	assert_int_equal(sl_schema_add_column(s, "ref", SL_TYPE_UUID, 0, 0, true, NULL), 7);
	assert_int_equal(D->ensure_table(conn, "pgdst_bench", "bench", s, true), 0);
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = open_appender(conn, "pgdst_bench", "bench", s, "bench-load");
	assert_int_equal(D->begin(conn), 0);
	for (long id = 0; id < total;) {
		sl_batch_reset(b);
		size_t n = 0;
		for (; n < SL_BATCH_CAPACITY && id < total; n++, id++) {
			char name[48];
			int len = snprintf(name, sizeof(name), "customer %ld of the bench", id);
			SETV(b, 0, n, int64_t, id);
			SETV(b, 1, n, int32_t, (int32_t)(id % 1000));
			SETV(b, 2, n, int64_t, id * 7 % 1000000);
			SETV(b, 3, n, double, (double)id / 3.0);
			set_bytes(b, 4, n, name, (size_t)len);
			SETV(b, 5, n, int64_t, INT64_C(1700000000000000) + id * 1000);
			if (id % 10)
				SETV(b, 6, n, uint8_t, (uint8_t)(id % 2));
			SETV(b, 7, n, sl_int128, ((sl_int128){(uint64_t)id, (int64_t)id * 31}));
		}
		b->nrows = n;
		append_ok(app, b);
	}
	flush_ok(app);
	assert_int_equal(D->commit(conn), 0);
	D->appender_close(app);
	char want[64];
	snprintf(want, sizeof(want), "%ld|%ld|%ld", total, total * (total - 1) / 2, total / 10);
	assert_text(conn,
		    "SELECT concat_ws('|', count(*), sum(id), count(*) - count(active)) FROM "
		    "pgdst_bench.bench",
		    want);
	exec_ok(conn, "DROP SCHEMA pgdst_bench CASCADE");
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(conn);
}

int main(void)
{
	if (!pg_url() || !*pg_url()) {
		fprintf(stderr, "test_postgres_destination: SLUICE_TEST_PG_URL is not set "
				"(scripts/test-server starts a server and sets it)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types_text),
		cmocka_unit_test(test_all_types_as_postgres_sees_them),
		cmocka_unit_test(test_all_types_typed_getters),
		cmocka_unit_test(test_decimal_every_width),
		cmocka_unit_test(test_integers_and_narrowing),
		cmocka_unit_test(test_bad_text_refused),
		cmocka_unit_test(test_large_values),
		cmocka_unit_test(test_rollback_discards),
		cmocka_unit_test(test_chunks_commit),
		cmocka_unit_test(test_ensure_table_evolves),
		cmocka_unit_test(test_exec_and_query_with_params),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_pipeline_sqlite_to_postgres),
		cmocka_unit_test(test_copy_volume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
