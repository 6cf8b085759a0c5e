/*
 * test_duckdb_destination.c — the DuckDB destination driver against real DuckDB files in a
 * temporary directory: table creation and evolution, appending every portable type and reading
 * each value back (typed and as text), transactions, parameters, locking and settings.
 *
 * Run with "--hold-lock FILE", the program opens FILE, prints "ready" and keeps it open until its
 * stdin closes: the locked-file test runs it as the other process.
 */
#include "destination.h"
#include "drivers.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const sl_destination_driver *const D = &sl_duckdb_destination;

static char tmpdir[512];

static const char *tmp_path(const char *name)
{
	static char path[4][600];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

static sl_dest_conn *open_file(const char *file, const char *memory_limit)
{
	sl_url url = {.kind = SL_URL_DUCKDB, .scheme = "duckdb", .database = (char *)file};
	sl_dest_setting limit = {"memory_limit", memory_limit};
	sl_dest_options opts = {.settings = &limit, .nsettings = memory_limit ? 1 : 0};
	sl_dest_conn *conn = NULL;
	int rc = D->open(&conn, &url, &opts);
	if (rc)
		fail_msg("open %s: %s", file, sl_error_last()->message);
	assert_non_null(conn);
	return conn;
}

static void exec_ok(sl_dest_conn *conn, const char *sql)
{
	int rc = D->exec(conn, sql, 0, NULL);
	if (rc)
		fail_msg("%s: %s", sql, sl_error_last()->message);
}

/* The first column of the first row as text (caller frees), NULL for SQL NULL. */
static char *query_text(sl_dest_conn *conn, const char *sql)
{
	sl_rows *rows = NULL;
	int rc = D->query(&rows, conn, sql, 0, NULL);
	if (rc)
		fail_msg("%s: %s", sql, sl_error_last()->message);
	assert_int_equal(rows->ops->next(rows), 1);
	const char *t = rows->ops->get_text(rows, 0, NULL);
	char *copy = t ? strdup(t) : NULL;
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

#define NROWS	     4
#define DEC38_MAX_LO UINT64_C(0x098a223fffffffff) /* 10^38 - 1 */
#define DEC38_MAX_HI INT64_C(0x4b3b4ca85a86c47a)

static const char *const expected_text[NROWS][NCOLS] = {
	{"0",
	 "false",
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
	 "\\x00\\x01\\xFF",
	 "{}",
	 "1969-12-31",
	 "00:00:00",
	 "1969-12-31 23:59:59.999999",
	 "1970-01-01 00:00:00+00",
	 "-1 year -1 month -1 day -00:00:01.5",
	 "00000000-0000-0000-0000-000000000000"},
	{"1",
	 "true",
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
	 "abc\\x00def",
	 "{\"a\": [1, 2]}",
	 "2024-01-31",
	 "23:59:59.999999",
	 "2024-01-31 12:00:00.000250",
	 "2024-01-31 12:00:00.000250+00",
	 "1 year 2 months 3 days 04:05:06.789",
	 "ffffffff-ffff-ffff-ffff-ffffffffffff"},
	{"2",  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
	{"3",
	 "true",
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
	 "",
	 "[]",
	 "0044-03-15 (BC)",
	 "12:00:00.250000",
	 "0001-12-31 (BC) 23:59:59",
	 "1970-01-01 00:00:00+00",
	 "00:00:00",
	 "123e4567-e89b-12d3-a456-426614174000"},
};

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
	/* -(10^38 - 1) in two's complement */
	SETV(b, C_DEC38, 0, sl_int128, ((sl_int128){~DEC38_MAX_LO + 1, ~DEC38_MAX_HI}));
	set_bytes(b, C_TXT, 0, "", 0);
	set_bytes(b, C_BLOB, 0, "\0\x01\xff", 3);
	set_bytes(b, C_JSON, 0, "{}", 2);
	SETV(b, C_DATE, 0, int32_t, -1);
	SETV(b, C_TIME, 0, int64_t, 0);
	SETV(b, C_TS, 0, int64_t, -1);
	SETV(b, C_TSTZ, 0, int64_t, 0);
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
	SETV(b, C_DEC38, 1, sl_int128, ((sl_int128){DEC38_MAX_LO, DEC38_MAX_HI}));
	const char *txt = expected_text[1][C_TXT];
	set_bytes(b, C_TXT, 1, txt, strlen(txt));
	set_bytes(b, C_BLOB, 1, "abc\0def", 7);
	const char *js = expected_text[1][C_JSON];
	set_bytes(b, C_JSON, 1, js, strlen(js));
	SETV(b, C_DATE, 1, int32_t, 19753);
	SETV(b, C_TIME, 1, int64_t, INT64_C(86399999999));
	SETV(b, C_TS, 1, int64_t, INT64_C(1706702400000250));
	SETV(b, C_TSTZ, 1, int64_t, INT64_C(1706702400000250));
	SETV(b, C_IV, 1, sl_interval, ((sl_interval){14, 3, INT64_C(14706789000)}));
	SETV(b, C_UUID, 1, sl_int128, ((sl_int128){UINT64_MAX, (int64_t)UINT64_MAX}));
	/* row 2: NULL everywhere but the key */
	SETV(b, C_ID, 2, int64_t, 2);
	/* row 3: small values, a long string, BC dates */
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
	SETV(b, C_DATE, 3, int32_t, -735160);
	SETV(b, C_TIME, 3, int64_t, INT64_C(43200250000));
	SETV(b, C_TS, 3, int64_t, INT64_C(-62135596801000000));
	SETV(b, C_TSTZ, 3, int64_t, 0);
	SETV(b, C_IV, 3, sl_interval, ((sl_interval){0, 0, 0}));
	SETV(b, C_UUID, 3, sl_int128,
	     ((sl_int128){UINT64_C(0xa456426614174000), INT64_C(0x123e4567e89b12d3)}));
	b->nrows = NROWS;
}

static void load_all_types(sl_dest_conn *conn)
{
	sl_table_schema *s = all_types_schema();
	sl_batch *b = sl_batch_new(s, 1);
	assert_non_null(b);
	fill_all_types(b);
	assert_int_equal(D->ensure_dataset(conn, "ds"), 0);
	assert_int_equal(D->ensure_table(conn, "ds", "all_types", s, true), 0);
	sl_dest_appender *app = NULL;
	int rc = D->appender_open(&app, conn, "ds", "all_types", s, "load-1");
	if (rc)
		fail_msg("appender_open: %s", sl_error_last()->message);
	rc = D->append(app, b);
	if (rc)
		fail_msg("append: %s", sl_error_last()->message);
	rc = D->appender_flush(app);
	if (rc)
		fail_msg("flush: %s", sl_error_last()->message);
	D->appender_close(app);
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_all_types_text(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("types.duckdb"), NULL);
	load_all_types(conn);
	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn, "SELECT * FROM ds.all_types ORDER BY id", 0, NULL),
			 0);
	assert_int_equal(sl_rows_column_count(rows), NCOLS + 1);
	assert_string_equal(rows->ops->column_name(rows, NCOLS), "_sluice_load_id");
	static const sl_type types[NCOLS] = {
		SL_TYPE_INT64,	 SL_TYPE_BOOL,	    SL_TYPE_INT8,	 SL_TYPE_INT16,
		SL_TYPE_INT32,	 SL_TYPE_INT64,	    SL_TYPE_UINT8,	 SL_TYPE_UINT16,
		SL_TYPE_UINT32,	 SL_TYPE_UINT64,    SL_TYPE_FLOAT,	 SL_TYPE_DOUBLE,
		SL_TYPE_DECIMAL, SL_TYPE_DECIMAL,   SL_TYPE_DECIMAL,	 SL_TYPE_DECIMAL,
		SL_TYPE_TEXT,	 SL_TYPE_BLOB,	    SL_TYPE_JSON,	 SL_TYPE_DATE,
		SL_TYPE_TIME,	 SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMPTZ, SL_TYPE_INTERVAL,
		SL_TYPE_UUID};
	for (size_t c = 0; c < NCOLS; c++)
		assert_int_equal(rows->ops->column_type(rows, c), types[c]);
	for (size_t r = 0; r < NROWS; r++) {
		assert_int_equal(rows->ops->next(rows), 1);
		for (size_t c = 0; c < NCOLS; c++) {
			size_t len = 99;
			const char *t = rows->ops->get_text(rows, c, &len);
			const char *want = expected_text[r][c];
			if (!want) {
				assert_null(t);
				assert_true(rows->ops->is_null(rows, c));
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
	rows->ops->free(rows);
	D->close(conn);
}

/* What DuckDB itself sees: its own casts to text, so a consistent mistake on both the write and
   the read side of this driver cannot hide. */
static void test_all_types_as_duckdb_sees_them(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("types2.duckdb"), NULL);
	load_all_types(conn);
	static const char *const want[NROWS] = {
		"0|-9999999999999999999999999999.9999999999|00000000-0000-0000-0000-000000000000|"
		"1969-12-31 23:59:59.999999|1969-12-31|-1 year -1 month -1 day "
		"-00:00:01.5|\\x00\\x01\\xFF|"
		"-3.4028235e+38|false|1970-01-01 00:00:00+00||3",
		"1|9999999999999999999999999999.9999999999|ffffffff-ffff-ffff-ffff-ffffffffffff|"
		"2024-01-31 12:00:00.00025|2024-01-31|1 year 2 months 3 days "
		"04:05:06.789|abc\\x00def|"
		"3.4028235e+38|true|2024-01-31 12:00:00.00025+00|h\xc3\xa9llo \xf0\x9f\xa6\x86 "
		"w\xc3\xb6rld|"
		"7",
		"2|||||||||||",
		"3|0.0000000001|123e4567-e89b-12d3-a456-426614174000|0001-12-31 (BC) 23:59:59|"
		"0044-03-15 (BC)|00:00:00||0.1|true|1970-01-01 00:00:00+00|a string longer than "
		"twelve "
		"bytes|0",
	};
	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn,
				  "SELECT concat_ws('|', id, coalesce(dec38::VARCHAR, ''), "
				  "coalesce(uid::VARCHAR, ''), coalesce(ts::VARCHAR, ''), "
				  "coalesce(dt::VARCHAR, ''), coalesce(iv::VARCHAR, ''), "
				  "coalesce(bin::VARCHAR, ''), coalesce(f::VARCHAR, ''), "
				  "coalesce(b::VARCHAR, ''), coalesce(tstz::VARCHAR, ''), "
				  "coalesce(txt, ''), coalesce(octet_length(bin)::VARCHAR, '')) "
				  "FROM ds.all_types ORDER BY id",
				  0, NULL),
			 0);
	for (size_t r = 0; r < NROWS; r++) {
		assert_int_equal(rows->ops->next(rows), 1);
		assert_string_equal(rows->ops->get_text(rows, 0, NULL), want[r]);
	}
	rows->ops->free(rows);
	/* DuckDB orders the UUIDs as their bytes. */
	char *t = query_text(conn,
			     "SELECT string_agg(id::VARCHAR, ',' ORDER BY uid) FROM ds.all_types "
			     "WHERE uid IS NOT NULL");
	assert_string_equal(t, "0,3,1");
	free(t);
	t = query_text(conn,
		       "SELECT json_extract(js, '$.a[1]')::VARCHAR FROM ds.all_types WHERE id = 1");
	assert_string_equal(t, "2");
	free(t);
	t = query_text(conn, "SELECT count(*) FROM ds.all_types WHERE _sluice_load_id = 'load-1'");
	assert_string_equal(t, "4");
	free(t);
	/* NOT NULL kept, no primary key */
	t = query_text(conn, "SELECT string_agg(column_name, ',' ORDER BY column_index) FROM "
			     "duckdb_columns() WHERE table_name = 'all_types' AND NOT is_nullable");
	assert_string_equal(t, "id");
	free(t);
	assert_int_equal(query_int(conn,
				   "SELECT count(*) FROM duckdb_constraints() WHERE "
				   "table_name = 'all_types' AND constraint_type = 'PRIMARY KEY'"),
			 0);
	D->close(conn);
}

static void test_all_types_typed_getters(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("types3.duckdb"), NULL);
	load_all_types(conn);
	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn, "SELECT * FROM ds.all_types ORDER BY id", 0, NULL),
			 0);
	const sl_rows_ops *o = rows->ops;
	int64_t v;
	double d;
	/* row 0 */
	assert_int_equal(o->next(rows), 1);
	assert_int_equal(o->get_int64(&v, rows, C_B), 0);
	assert_int_equal(v, 0);
	assert_int_equal(o->get_int64(&v, rows, C_I64), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(o->get_int64(&v, rows, C_I32), 0);
	assert_int_equal(v, INT32_MIN);
	assert_int_equal(o->get_int64(&v, rows, C_DEC4), 0);
	assert_int_equal(v, -99); /* -99.99 truncated toward zero */
	assert_int_equal(o->get_int64(&v, rows, C_DEC38), SL_ETYPE); /* does not fit */
	assert_int_equal(o->get_double(&d, rows, C_DEC38), 0);
	assert_true(d < -9.99e27 && d > -1.01e28);
	assert_int_equal(o->get_int64(&v, rows, C_DATE), 0);
	assert_int_equal(v, -1);
	assert_int_equal(o->get_int64(&v, rows, C_TS), 0);
	assert_int_equal(v, -1);
	assert_int_equal(o->get_double(&d, rows, C_F), 0);
	assert_true(d == (double)-FLT_MAX);
	assert_int_equal(o->get_double(&d, rows, C_D), 0);
	assert_true(d == -DBL_MAX);
	assert_int_equal(o->get_int64(&v, rows, C_TXT), SL_ETYPE); /* "" is not an integer */
	/* row 1 */
	assert_int_equal(o->next(rows), 1);
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
	assert_int_equal(o->get_int64(&v, rows, C_DATE), 0);
	assert_int_equal(v, 19753);
	assert_int_equal(o->get_int64(&v, rows, C_TIME), 0);
	assert_int_equal(v, INT64_C(86399999999));
	assert_int_equal(o->get_int64(&v, rows, C_TS), 0);
	assert_int_equal(v, INT64_C(1706702400000250));
	assert_int_equal(o->get_int64(&v, rows, C_TSTZ), 0);
	assert_int_equal(v, INT64_C(1706702400000250));
	assert_int_equal(o->get_double(&d, rows, C_D), 0);
	assert_true(d == DBL_MAX);
	/* row 2: NULLs */
	assert_int_equal(o->next(rows), 1);
	assert_true(o->is_null(rows, C_I64));
	assert_false(o->is_null(rows, C_ID));
	assert_int_equal(o->get_int64(&v, rows, C_I64), SL_ETYPE);
	/* row 3 */
	assert_int_equal(o->next(rows), 1);
	assert_int_equal(o->get_int64(&v, rows, C_DEC4), 0);
	assert_int_equal(v, 0); /* -0.05 */
	assert_int_equal(o->get_double(&d, rows, C_DEC4), 0);
	assert_true(d == -0.05);
	assert_int_equal(o->get_double(&d, rows, C_F), 0);
	assert_true(d == (double)0.1f);
	assert_int_equal(o->get_int64(&v, rows, C_DATE), 0);
	assert_int_equal(v, -735160);
	/* several texts of one row stay valid together */
	const char *t1 = o->get_text(rows, C_TXT, NULL);
	const char *t2 = o->get_text(rows, C_UUID, NULL);
	const char *t3 = o->get_text(rows, C_TXT, NULL);
	assert_string_equal(t1, "a string longer than twelve bytes");
	assert_string_equal(t2, "123e4567-e89b-12d3-a456-426614174000");
	assert_ptr_equal(t1, t3);
	assert_int_equal(o->next(rows), 0);
	assert_int_equal(o->next(rows), 0);
	o->free(rows);
	D->close(conn);
}

/* ---- text of values DuckDB computes ---------------------------------------------------------- */

static void test_text_formats(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(":memory:", NULL);
	static const struct {
		const char *expr, *text;
	} cases[] = {
		{"DATE 'infinity'", "infinity"},
		{"DATE '-infinity'", "-infinity"},
		{"TIMESTAMP 'infinity'", "infinity"},
		{"TIMESTAMP '294247-01-10 04:00:54.775806'", "294247-01-10 04:00:54.775806"},
		{"TIMESTAMP '290309-12-22 (BC) 00:00:00'", "290309-12-22 (BC) 00:00:00"},
		{"DATE '5877642-06-25 (BC)'", "5877642-06-25 (BC)"},
		{"TIMESTAMP_S '2024-01-31 12:00:01'", "2024-01-31 12:00:01"},
		{"TIMESTAMP_MS '2024-01-31 12:00:01.5'", "2024-01-31 12:00:01.500000"},
		{"TIMESTAMP_NS '1969-12-31 23:59:59.999999999'", "1969-12-31 23:59:59.999999"},
		{"TIME '24:00:00'", "24:00:00"},
		{"INTERVAL '100 hours'", "100:00:00"},
		{"INTERVAL '2 years'", "2 years"},
		{"INTERVAL '1 month 1 day'", "1 month 1 day"},
		{"INTERVAL '-00:00:00.000001'", "-00:00:00.000001"},
		{"1e20::DOUBLE", "1e+20"},
		{"1e-7::DOUBLE", "1e-07"},
		{"123456789.0::DOUBLE", "123456789"},
		{"'nan'::DOUBLE", "nan"},
		{"'-inf'::FLOAT", "-inf"},
		{"'inf'::DOUBLE", "inf"},
		{"1.5::FLOAT", "1.5"},
		{"(-170141183460469231731687303715884105727)::HUGEINT - 1",
		 "-170141183460469231731687303715884105728"},
		{"340282366920938463463374607431768211455::UHUGEINT",
		 "340282366920938463463374607431768211455"},
		{"sum(x) FROM (VALUES (9223372036854775807), (1)) t(x)", "9223372036854775808"},
		{"'-0.5'::DECIMAL(3,1)", "-0.5"},
		{"12::DECIMAL(5,0)", "12"},
		{"'\\x27\\x22\\x5C\\x7F \\x0A'::BLOB", "\\x27\\x22\\x5C\\x7F \\x0A"},
		{"[1, 2, NULL]", "[1, 2, NULL]"},
		{"{'a': 1, 'b': 'x'}", "{'a': 1, 'b': x}"},
		{"MAP {'k': 1}", "{k=1}"},
		{"'b'::ENUM('a', 'b')", "b"},
		{"TIMETZ '12:00:00+01'", "12:00:00+01"},
		{"NULL", NULL},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT %s", cases[i].expr);
		char *t = query_text(conn, sql);
		if (!cases[i].text ? t != NULL : !t || strcmp(t, cases[i].text) != 0)
			fail_msg("%s: got '%s', want '%s'", sql, t ? t : "(null)",
				 cases[i].text ? cases[i].text : "(null)");
		free(t);
	}
	/* A LIST next to ordinary columns: only the list becomes text, names are kept. */
	sl_rows *rows = NULL;
	assert_int_equal(
		D->query(&rows, conn, "SELECT 42 AS \"n\", [1] AS \"l\", 42 AS \"n\";", 0, NULL),
		0);
	assert_int_equal(sl_rows_column_count(rows), 3);
	assert_string_equal(rows->ops->column_name(rows, 1), "l");
	assert_string_equal(rows->ops->column_name(rows, 2), "n");
	assert_int_equal(rows->ops->column_type(rows, 0), SL_TYPE_INT32);
	assert_int_equal(rows->ops->column_type(rows, 1), SL_TYPE_TEXT);
	assert_int_equal(rows->ops->next(rows), 1);
	assert_string_equal(rows->ops->get_text(rows, 1, NULL), "[1]");
	int64_t v;
	assert_int_equal(rows->ops->get_int64(&v, rows, 2), 0);
	assert_int_equal(v, 42);
	rows->ops->free(rows);
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

/* `n` rows with ids from `first`, names "name-<id>-padded-past-twelve". */
static void fill_small(sl_batch *b, int64_t first, size_t n)
{
	sl_batch_reset(b);
	for (size_t r = 0; r < n; r++) {
		char name[64];
		int len = snprintf(name, sizeof(name), "name-%lld-padded-past-twelve",
				   (long long)(first + (int64_t)r));
		SETV(b, 0, r, int64_t, first + (int64_t)r);
		set_bytes(b, 1, r, name, (size_t)len);
	}
	b->nrows = n;
}

static sl_dest_appender *open_small(sl_dest_conn *conn, sl_table_schema *s, const char *load_id)
{
	assert_int_equal(D->ensure_dataset(conn, "ds"), 0);
	assert_int_equal(D->ensure_table(conn, "ds", "t", s, load_id != NULL), 0);
	sl_dest_appender *app = NULL;
	int rc = D->appender_open(&app, conn, "ds", "t", s, load_id);
	if (rc)
		fail_msg("appender_open: %s", sl_error_last()->message);
	return app;
}

static void test_rollback_discards_appended_rows(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("txn.duckdb"), NULL);
	sl_table_schema *s = small_schema();
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = open_small(conn, s, "L1");

	assert_int_equal(D->begin(conn), 0);
	fill_small(b, 0, 1000);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM ds.t"), 1000); /* visible inside */
	assert_int_equal(D->rollback(conn), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM ds.t"), 0);

	/* the same appender serves the next transaction */
	assert_int_equal(D->begin(conn), 0);
	fill_small(b, 5000, 10);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	exec_ok(conn, "CREATE TABLE ds.state AS SELECT 'x' AS v");
	assert_int_equal(D->commit(conn), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM ds.t"), 10);
	assert_int_equal(query_int(conn, "SELECT min(id) FROM ds.t"), 5000);

	/* rows appended but never flushed before a rollback do not come back on close */
	assert_int_equal(D->begin(conn), 0);
	fill_small(b, 9000, 7);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->rollback(conn), 0);
	D->appender_close(app);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM ds.t"), 10);

	/* rolling back with nothing open (as after a failed COMMIT) is not an error */
	assert_int_equal(D->rollback(conn), 0);
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(conn);
}

static void test_commit_persists_across_reopen(void **state)
{
	(void)state;
	const char *file = tmp_path("persist.duckdb");
	sl_dest_conn *conn = open_file(file, NULL);
	sl_table_schema *s = small_schema();
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = open_small(conn, s, "L7");
	assert_int_equal(D->begin(conn), 0);
	/* several batches: rows cross DuckDB chunk boundaries on the way back */
	for (int k = 0; k < 3; k++) {
		fill_small(b, k * SL_BATCH_CAPACITY, SL_BATCH_CAPACITY);
		assert_int_equal(D->append(app, b), 0);
	}
	fill_small(b, 3 * SL_BATCH_CAPACITY, 100);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	assert_int_equal(D->commit(conn), 0);
	D->appender_close(app);
	D->close(conn);

	conn = open_file(file, NULL);
	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn,
				  "SELECT id, name, _sluice_load_id FROM ds.t ORDER BY id", 0,
				  NULL),
			 0);
	int64_t expect = 0;
	int rc;
	while ((rc = rows->ops->next(rows)) == 1) {
		int64_t id;
		assert_int_equal(rows->ops->get_int64(&id, rows, 0), 0);
		assert_int_equal(id, expect);
		char name[64];
		snprintf(name, sizeof(name), "name-%lld-padded-past-twelve", (long long)id);
		assert_string_equal(rows->ops->get_text(rows, 1, NULL), name);
		assert_string_equal(rows->ops->get_text(rows, 2, NULL), "L7");
		expect++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(expect, 3 * SL_BATCH_CAPACITY + 100);
	rows->ops->free(rows);
	D->close(conn);
	sl_batch_free(b);
	sl_schema_free(s);
}

/* The appender copies string bytes during append: the batch can be refilled right away. */
static void test_batch_reuse_before_flush(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("reuse.duckdb"), NULL);
	sl_table_schema *s = small_schema();
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = open_small(conn, s, NULL);
	fill_small(b, 0, 500);
	assert_int_equal(D->append(app, b), 0);
	fill_small(b, 500, 500); /* same arena memory, new bytes */
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	D->appender_close(app);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM ds.t WHERE name = "
					 "'name-' || id || '-padded-past-twelve'"),
			 1000);
	assert_int_equal(query_int(conn,
				   "SELECT count(*) FROM duckdb_columns() WHERE table_name = 't' "
				   "AND column_name = '_sluice_load_id'"),
			 0);
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(conn);
}

/* ---- schema evolution ------------------------------------------------------------------------ */

static void test_ensure_table_evolves(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("evolve.duckdb"), NULL);
	sl_table_schema *s = small_schema();
	bool exists = true;
	assert_int_equal(D->table_exists(&exists, conn, "ds", "t"), 0);
	assert_false(exists);
	assert_int_equal(D->ensure_dataset(conn, "ds"), 0);
	assert_int_equal(D->ensure_dataset(conn, "ds"), 0);
	assert_int_equal(D->ensure_table(conn, "ds", "t", s, false), 0);
	assert_int_equal(D->table_exists(&exists, conn, "ds", "t"), 0);
	assert_true(exists);
	assert_int_equal(D->table_exists(&exists, conn, "DS", "T"), 0); /* case-insensitive */
	assert_true(exists);
	assert_int_equal(D->ensure_table(conn, "ds", "t", s, false), 0); /* idempotent */

	/* a new source column, a load id column, a column name differing only in case */
	sl_table_schema *s2 = sl_schema_new("src", "t");
	assert_int_equal(sl_schema_add_column(s2, "ID", SL_TYPE_INT64, 0, 0, false, NULL), 0);
	assert_int_equal(sl_schema_add_column(s2, "price", SL_TYPE_DECIMAL, 12, 2, false, NULL), 1);
	assert_int_equal(sl_schema_add_column(s2, "name", SL_TYPE_TEXT, 0, 0, true, NULL), 2);
	assert_int_equal(D->ensure_table(conn, "ds", "t", s2, true), 0);
	char *cols =
		query_text(conn, "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY "
				 "column_index) FROM duckdb_columns() WHERE table_name = 't'");
	assert_string_equal(
		cols, "id BIGINT, name VARCHAR, price DECIMAL(12,2), _sluice_load_id VARCHAR");
	free(cols);
	assert_int_equal(D->ensure_table(conn, "ds", "t", s2, true), 0);

	/* the appender fills by name: the old schema leaves price NULL, columns in another order */
	sl_batch *b = sl_batch_new(s, 0);
	sl_dest_appender *app = NULL;
	assert_int_equal(D->appender_open(&app, conn, "ds", "t", s, "LX"), 0);
	fill_small(b, 1, 2);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	D->appender_close(app);
	sl_batch *b2 = sl_batch_new(s2, 1);
	SETV(b2, 0, 0, int64_t, 3);
	SETV(b2, 1, 0, int64_t, 12345); /* 123.45 */
	set_bytes(b2, 2, 0, "three", 5);
	SETV(b2, 3, 0, uint8_t, 1); /* an extra trailing column the driver ignores */
	b2->nrows = 1;
	assert_int_equal(D->appender_open(&app, conn, "ds", "t", s2, NULL), 0);
	assert_int_equal(D->append(app, b2), 0);
	assert_int_equal(D->appender_flush(app), 0);
	D->appender_close(app);
	char *all = query_text(
		conn, "SELECT string_agg(concat_ws(':', id, name, coalesce(price::VARCHAR, "
		      "'-'), coalesce(_sluice_load_id, '-')), ' ' ORDER BY id) FROM ds.t");
	assert_string_equal(all,
			    "1:name-1-padded-past-twelve:-:LX 2:name-2-padded-past-twelve:-:LX "
			    "3:three:123.45:-");
	free(all);

	/* a schema column the table lacks is caught at appender_open */
	sl_table_schema *s3 = sl_schema_copy(s2);
	assert_int_equal(sl_schema_add_column(s3, "extra", SL_TYPE_INT32, 0, 0, true, NULL), 3);
	assert_int_equal(D->appender_open(&app, conn, "ds", "t", s3, NULL), SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "extra"));
	assert_null(app);
	/* and an appender on a missing table */
	assert_int_equal(D->appender_open(&app, conn, "ds", "nope", s, NULL), SL_ENOTFOUND);
	assert_non_null(strstr(sl_error_last()->message, "ds.nope"));

	sl_batch_free(b);
	sl_batch_free(b2);
	sl_schema_free(s);
	sl_schema_free(s2);
	sl_schema_free(s3);
	D->close(conn);
}

/* A table column wider than the source's: DuckDB casts the chunk on append. */
static void test_append_casts_to_table_type(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(":memory:", NULL);
	exec_ok(conn, "CREATE SCHEMA ds; CREATE TABLE ds.w (n BIGINT, d DECIMAL(20,4), s VARCHAR)");
	sl_table_schema *s = sl_schema_new("src", "w");
	assert_int_equal(sl_schema_add_column(s, "n", SL_TYPE_INT16, 0, 0, true, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "d", SL_TYPE_DECIMAL, 5, 2, true, NULL), 1);
	assert_int_equal(sl_schema_add_column(s, "s", SL_TYPE_UUID, 0, 0, true, NULL), 2);
	sl_batch *b = sl_batch_new(s, 0);
	SETV(b, 0, 0, int16_t, -300);
	SETV(b, 1, 0, int32_t, 12345);
	SETV(b, 2, 0, sl_int128, ((sl_int128){2, 1}));
	b->nrows = 1;
	sl_dest_appender *app = NULL;
	assert_int_equal(D->appender_open(&app, conn, "ds", "w", s, "ignored"), 0);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	D->appender_close(app);
	char *t = query_text(conn, "SELECT concat_ws('|', n, d, s) FROM ds.w");
	assert_string_equal(t, "-300|123.4500|00000000-0000-0001-0000-000000000002");
	free(t);

	/* a batch that does not match the schema is refused, not misread */
	sl_table_schema *other = sl_schema_new("src", "w");
	assert_int_equal(sl_schema_add_column(other, "n", SL_TYPE_INT64, 0, 0, true, NULL), 0);
	sl_batch *wrong = sl_batch_new(other, 0);
	wrong->nrows = 1;
	assert_int_equal(D->appender_open(&app, conn, "ds", "w", s, NULL), 0);
	assert_int_equal(D->append(app, wrong), SL_EINVAL);
	D->appender_close(app);

	/* invalid UTF-8 in text fails the flush with DuckDB's reason */
	sl_table_schema *ts = sl_schema_new("src", "w");
	assert_int_equal(sl_schema_add_column(ts, "s", SL_TYPE_TEXT, 0, 0, true, NULL), 0);
	sl_batch *bad = sl_batch_new(ts, 0);
	set_bytes(bad, 0, 0, "bad \xff\xfe", 6);
	bad->nrows = 1;
	assert_int_equal(D->appender_open(&app, conn, "ds", "w", ts, NULL), 0);
	int rc = D->append(app, bad);
	if (rc == 0)
		rc = D->appender_flush(app);
	assert_int_equal(rc, SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "ds.w"));
	assert_int_equal(D->append(app, bad), SL_EDEST); /* stays failed */
	D->appender_close(app);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM ds.w"), 1);

	sl_batch_free(bad);
	sl_schema_free(ts);
	sl_batch_free(wrong);
	sl_schema_free(other);
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(conn);
}

static void test_decimal_out_of_range_refused(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(":memory:", NULL);
	sl_table_schema *s = sl_schema_new("src", "x");
	assert_int_equal(sl_schema_add_column(s, "big", SL_TYPE_DECIMAL, 65, 30, true, NULL), 0);
	assert_int_equal(D->ensure_table(conn, "main", "x", s, false), SL_ETYPE);
	assert_non_null(strstr(sl_error_last()->message, "big"));
	assert_non_null(strstr(sl_error_last()->message, "main.x"));
	sl_schema_free(s);
	D->close(conn);
}

/* ---- exec and query with parameters ---------------------------------------------------------- */

static void test_exec_and_query_with_params(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("params.duckdb"), NULL);
	exec_ok(conn,
		"CREATE TABLE p (n BIGINT, ts TIMESTAMP, d DECIMAL(10,2), s VARCHAR, b BOOLEAN)");
	const char *p1[] = {"42", "2024-01-31 12:00:00.25", "12.34", "it's", "true"};
	int rc = D->exec(conn, "INSERT INTO p VALUES ($1, $2, $3, $4, $5)", 5, p1);
	if (rc)
		fail_msg("insert: %s", sl_error_last()->message);
	const char *p2[] = {"-7", NULL, NULL, NULL, "false"};
	assert_int_equal(D->exec(conn, "INSERT INTO p VALUES ($1, $2, $3, $4, $5)", 5, p2), 0);

	const char *q[] = {"2024-01-01", "10"};
	sl_rows *rows = NULL;
	assert_int_equal(D->query(&rows, conn,
				  "SELECT n, ts, d, s, b FROM p WHERE ts >= $1 AND n > $2::BIGINT",
				  2, q),
			 0);
	assert_int_equal(rows->ops->next(rows), 1);
	int64_t v;
	assert_int_equal(rows->ops->get_int64(&v, rows, 0), 0);
	assert_int_equal(v, 42);
	assert_string_equal(rows->ops->get_text(rows, 1, NULL), "2024-01-31 12:00:00.250000");
	assert_string_equal(rows->ops->get_text(rows, 2, NULL), "12.34");
	assert_string_equal(rows->ops->get_text(rows, 3, NULL), "it's");
	assert_string_equal(rows->ops->get_text(rows, 4, NULL), "true");
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);

	const char *isnull[] = {NULL};
	assert_int_equal(D->query(&rows, conn,
				  "SELECT count(*) FROM p WHERE ts IS NULL AND $1 IS NULL", 1,
				  isnull),
			 0);
	assert_int_equal(rows->ops->next(rows), 1);
	assert_int_equal(rows->ops->get_int64(&v, rows, 0), 0);
	assert_int_equal(v, 1);
	rows->ops->free(rows);
	const char *neg[] = {"-7"};
	assert_int_equal(D->exec(conn, "DELETE FROM p WHERE n = $1", 1, neg), 0);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM p"), 1);

	/* a text integer reads as one */
	const char *txt[] = {"123"};
	assert_int_equal(D->query(&rows, conn, "SELECT $1::VARCHAR", 1, txt), 0);
	assert_int_equal(rows->ops->next(rows), 1);
	assert_int_equal(rows->ops->get_int64(&v, rows, 0), 0);
	assert_int_equal(v, 123);
	rows->ops->free(rows);

	/* errors */
	assert_int_equal(D->exec(conn, "INSERT INTO p (n) VALUES ($1)", 0, NULL), SL_EDEST);
	assert_int_equal(D->exec(conn, "INSERT INTO p (n) VALUES ($1)", 2, p1), SL_EINVAL);
	assert_non_null(strstr(sl_error_last()->message, "1 parameters, 2 given"));
	const char *notnum[] = {"abc"};
	assert_int_equal(D->exec(conn, "INSERT INTO p (n) VALUES ($1)", 1, notnum), SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, "params.duckdb"));
	assert_int_equal(D->query(&rows, conn, "SELEC 1", 0, NULL), SL_EDEST);
	assert_null(rows);
	assert_non_null(strstr(sl_error_last()->message, "syntax error"));
	assert_null(strchr(sl_error_last()->message, '\n'));
	/* an error while streaming surfaces from next(), after the rows before it */
	assert_int_equal(
		D->query(&rows, conn,
			 "SELECT CASE WHEN range < 3000000 THEN range::VARCHAR "
			 "ELSE CAST('x' || range AS INTEGER)::VARCHAR END FROM range(3000001)",
			 0, NULL),
		0);
	size_t seen = 0;
	while ((rc = rows->ops->next(rows)) == 1)
		seen++;
	assert_int_equal(rc, SL_EDEST);
	assert_true(seen > 0 && seen < 3000001);
	assert_non_null(strstr(sl_error_last()->message, "Conversion Error"));
	assert_int_equal(rows->ops->next(rows), 0);
	rows->ops->free(rows);
	D->close(conn);
}

/* A result is streamed: another statement on the connection ends it. A result read to its end
   loses nothing by that; one with rows left says so instead of ending short. */
static void test_stream_ended_by_another_statement(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("streams.duckdb"), NULL);
	sl_rows *small = NULL, *big = NULL, *other = NULL;
	assert_int_equal(D->query(&small, conn, "SELECT 7", 0, NULL), 0);
	assert_int_equal(small->ops->next(small), 1);
	assert_int_equal(D->query(&big, conn, "SELECT range FROM range(100000)", 0, NULL), 0);
	assert_int_equal(small->ops->next(small), 0); /* it had ended: no error */
	small->ops->free(small);

	size_t seen = 0;
	while (seen < 10 && big->ops->next(big) == 1)
		seen++;
	assert_int_equal(D->query(&other, conn, "SELECT 1", 0, NULL), 0);
	assert_int_equal(other->ops->next(other), 1);
	other->ops->free(other);
	int rc;
	while ((rc = big->ops->next(big)) == 1)
		seen++;
	assert_int_equal(rc, SL_ESTATE);
	assert_true(seen > 10 && seen < 100000);
	assert_non_null(strstr(sl_error_last()->message, "ended this result"));
	assert_int_equal(big->ops->next(big), 0);
	big->ops->free(big);
	D->close(conn);
}

/* ---- open: settings, errors, locks ----------------------------------------------------------- */

/* A schema of one INTEGER column, for an appender. */
static sl_table_schema *one_int_schema(void)
{
	sl_table_schema *s = sl_schema_new("main", "m");
	assert_non_null(s);
	assert_int_equal(sl_schema_add_column(s, "i", SL_TYPE_INT32, 0, 0, true, NULL), 0);
	return s;
}

static void test_memory_limit(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_file(tmp_path("mem.duckdb"), NULL);
	char *query_limit = query_text(conn, "SELECT current_setting('memory_limit')");
	char *query_threads = query_text(conn, "SELECT current_setting('threads')");
	/* while loading: 48MB (DuckDB's units are 1000-based) and one thread, no parallel
	   checkpoints whose buffers would add to the peak RSS */
	sl_table_schema *s = one_int_schema();
	assert_int_equal(D->ensure_dataset(conn, "main"), 0);
	assert_int_equal(D->ensure_table(conn, "main", "m", s, false), 0);
	sl_dest_appender *app = NULL;
	assert_int_equal(D->appender_open(&app, conn, "main", "m", s, NULL), 0);
	char *t = query_text(conn, "SELECT current_setting('memory_limit')");
	assert_string_equal(t, "45.7 MiB");
	free(t);
	t = query_text(conn, "SELECT current_setting('threads')");
	assert_string_equal(t, "1");
	free(t);
	D->appender_close(app);
	/* they hold from one load to the next (leaving them would flush DuckDB's allocator)... */
	t = query_text(conn, "SELECT current_setting('threads')");
	assert_string_equal(t, "1");
	free(t);
	assert_int_equal(D->appender_open(&app, conn, "main", "m", s, NULL), 0);
	D->end_load(conn); /* ...and stay while an appender is open */
	t = query_text(conn, "SELECT current_setting('memory_limit')");
	assert_string_equal(t, "45.7 MiB");
	free(t);
	D->appender_close(app);
	/* until the dataset accessor queries: then queries get DuckDB's own settings back */
	D->end_load(conn);
	t = query_text(conn, "SELECT current_setting('memory_limit')");
	assert_string_equal(t, query_limit);
	assert_string_not_equal(t, "45.7 MiB");
	free(t);
	t = query_text(conn, "SELECT current_setting('threads')");
	assert_string_equal(t, query_threads);
	free(t);
	free(query_limit);
	free(query_threads);
	D->close(conn);
	/* a limit given holds for both */
	conn = open_file(tmp_path("mem.duckdb"), "1GB");
	t = query_text(conn, "SELECT current_setting('memory_limit')");
	assert_string_equal(t, "953.6 MiB");
	free(t);
	assert_int_equal(D->appender_open(&app, conn, "main", "m", s, NULL), 0);
	t = query_text(conn, "SELECT current_setting('memory_limit')");
	assert_string_equal(t, "953.6 MiB");
	free(t);
	D->appender_close(app);
	sl_schema_free(s);
	D->close(conn);

	sl_url url = {.kind = SL_URL_DUCKDB, .database = (char *)tmp_path("mem.duckdb")};
	sl_dest_setting lots = {"memory_limit", "lots"};
	sl_dest_options bad = {.settings = &lots, .nsettings = 1};
	sl_dest_conn *c2 = NULL;
	int rc = D->open(&c2, &url, &bad);
	assert_true(rc == SL_EDEST || rc == SL_EINVAL);
	assert_null(c2);
	assert_non_null(strstr(sl_error_last()->message, "mem.duckdb"));
}

static void test_open_errors(void **state)
{
	(void)state;
	sl_dest_conn *conn = NULL;
	const char *file = tmp_path("no/such/dir/x.duckdb");
	sl_url url = {.kind = SL_URL_DUCKDB, .database = (char *)file};
	assert_int_equal(D->open(&conn, &url, NULL), SL_EDEST);
	assert_null(conn);
	assert_non_null(strstr(sl_error_last()->message, file));
	sl_url wrong = {.kind = SL_URL_SQLITE, .scheme = "sqlite", .database = "x.db"};
	assert_int_equal(D->open(&conn, &wrong, NULL), SL_EINVAL);
	/* not a DuckDB file */
	const char *junk = tmp_path("junk.duckdb");
	FILE *f = fopen(junk, "w");
	assert_non_null(f);
	fputs("this is not a database, just some text long enough to be read as a header........"
	      "................................................................................",
	      f);
	fclose(f);
	url.database = (char *)junk;
	assert_int_equal(D->open(&conn, &url, NULL), SL_EDEST);
	assert_non_null(strstr(sl_error_last()->message, junk));
}

static int hold_lock(const char *file)
{
	sl_dest_conn *conn = open_file(file, NULL);
	exec_ok(conn, "CREATE TABLE IF NOT EXISTS held (x INTEGER)");
	printf("ready\n");
	fflush(stdout);
	char buf[16];
	while (fread(buf, 1, sizeof(buf), stdin) > 0)
		;
	D->close(conn);
	return 0;
}

static void test_locked_file(void **state)
{
	(void)state;
	const char *file = tmp_path("locked.duckdb");
	int to_child[2], from_child[2];
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(from_child), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[1]);
		close(from_child[0]);
		execl("/proc/self/exe", "/proc/self/exe", "--hold-lock", file, (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	char ready[16] = {0};
	ssize_t n = read(from_child[0], ready, sizeof(ready) - 1);
	assert_true(n > 0);
	assert_string_equal(ready, "ready\n");

	sl_url url = {.kind = SL_URL_DUCKDB, .database = (char *)file};
	sl_dest_conn *conn = NULL;
	int rc = D->open(&conn, &url, NULL);
	assert_int_equal(rc, SL_ELOCKED);
	assert_null(conn);
	const char *msg = sl_error_last()->message;
	char want[700];
	snprintf(want, sizeof(want), "DuckDB file '%s' is locked by another process (PID %d)", file,
		 (int)pid);
	assert_string_equal(msg, want);

	close(to_child[1]);
	close(from_child[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* released: opens now */
	conn = open_file(file, NULL);
	assert_int_equal(query_int(conn, "SELECT count(*) FROM held"), 0);
	D->close(conn);
}

static int setup_dir(void **state)
{
	(void)state;
	const char *base = getenv("SLUICE_TEST_WORKDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/duckdb-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--hold-lock") == 0)
		return hold_lock(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types_text),
		cmocka_unit_test(test_all_types_as_duckdb_sees_them),
		cmocka_unit_test(test_all_types_typed_getters),
		cmocka_unit_test(test_text_formats),
		cmocka_unit_test(test_rollback_discards_appended_rows),
		cmocka_unit_test(test_commit_persists_across_reopen),
		cmocka_unit_test(test_batch_reuse_before_flush),
		cmocka_unit_test(test_ensure_table_evolves),
		cmocka_unit_test(test_append_casts_to_table_type),
		cmocka_unit_test(test_decimal_out_of_range_refused),
		cmocka_unit_test(test_exec_and_query_with_params),
		cmocka_unit_test(test_stream_ended_by_another_statement),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_locked_file),
	};
	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
