/*
 * test_value.c — unit tests for value.c: canonical text round trips for every portable type,
 * malformed input, ordering, lag arithmetic, batch cells as values and the calendar helpers.
 * Most cases are tables: one line per input, its canonical output, or the ordering it must obey.
 */
#include "value.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

__extension__ typedef __int128 i128;

/* ---- helpers ------------------------------------------------------------------------------- */

/* Parse or fail the test, printing the library's message. */
static void parse_ok(sl_value *v, sl_type type, int precision, int scale, const char *text)
{
	int rc = sl_value_parse(v, type, precision, scale, text);
	if (rc != SL_OK) {
		print_error("parse %s(%d,%d) '%s' failed: %d %s\n", sl_type_name(type), precision,
			    scale, text, rc, sl_error_last()->message);
		fail();
	}
	assert_false(v->is_null);
}

static void assert_text(const sl_value *v, const char *expected)
{
	char *s = sl_value_to_text(v);
	assert_non_null(s);
	if (strcmp(s, expected) != 0) {
		print_error("%s value: expected '%s', got '%s'\n", sl_type_name(v->type), expected,
			    s);
		free(s);
		fail();
	}
	free(s);
}

static i128 get_i128(sl_int128 v)
{
	return (i128)(((unsigned __int128)(uint64_t)v.hi << 64) | v.lo);
}

static bool is_float_type(sl_type t)
{
	return t == SL_TYPE_FLOAT || t == SL_TYPE_DOUBLE;
}

/* ---- round trips ---------------------------------------------------------------------------- */

typedef struct rt_case {
	sl_type type;
	int precision, scale;
	const char *in;
	const char *out; /* canonical text; NULL: same as `in` */
} rt_case;

#define NINES38 "99999999999999999999999999999999999999"

static const rt_case round_trips[] = {
	/* booleans */
	{SL_TYPE_BOOL, 0, 0, "true", NULL},
	{SL_TYPE_BOOL, 0, 0, "false", NULL},
	{SL_TYPE_BOOL, 0, 0, "t", "true"},
	{SL_TYPE_BOOL, 0, 0, "1", "true"},
	{SL_TYPE_BOOL, 0, 0, "YES", "true"},
	{SL_TYPE_BOOL, 0, 0, "on", "true"},
	{SL_TYPE_BOOL, 0, 0, "F", "false"},
	{SL_TYPE_BOOL, 0, 0, "0", "false"},
	{SL_TYPE_BOOL, 0, 0, "no", "false"},
	{SL_TYPE_BOOL, 0, 0, "Off", "false"},
	/* signed integers */
	{SL_TYPE_INT8, 0, 0, "-128", NULL},
	{SL_TYPE_INT8, 0, 0, "127", NULL},
	{SL_TYPE_INT16, 0, 0, "-32768", NULL},
	{SL_TYPE_INT16, 0, 0, "32767", NULL},
	{SL_TYPE_INT32, 0, 0, "-2147483648", NULL},
	{SL_TYPE_INT32, 0, 0, "2147483647", NULL},
	{SL_TYPE_INT64, 0, 0, "-9223372036854775808", NULL},
	{SL_TYPE_INT64, 0, 0, "9223372036854775807", NULL},
	{SL_TYPE_INT64, 0, 0, "0", NULL},
	{SL_TYPE_INT64, 0, 0, "-0", "0"},
	{SL_TYPE_INT64, 0, 0, "+42", "42"},
	{SL_TYPE_INT64, 0, 0, "007", "7"},
	/* unsigned integers */
	{SL_TYPE_UINT8, 0, 0, "255", NULL},
	{SL_TYPE_UINT16, 0, 0, "65535", NULL},
	{SL_TYPE_UINT32, 0, 0, "4294967295", NULL},
	{SL_TYPE_UINT64, 0, 0, "18446744073709551615", NULL},
	{SL_TYPE_UINT64, 0, 0, "9223372036854775808", NULL},
	{SL_TYPE_UINT64, 0, 0, "0", NULL},
	/* doubles: shortest text that reads back to the same bits */
	{SL_TYPE_DOUBLE, 0, 0, "0.1", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "0.30000000000000004", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "1.5", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "100", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "1e14", "100000000000000"},
	{SL_TYPE_DOUBLE, 0, 0, "-123000000000000", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "1e15", "1e+15"},
	{SL_TYPE_DOUBLE, 0, 0, "0.0001", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "0.00001", "1e-05"},
	{SL_TYPE_DOUBLE, 0, 0, "-2.5e-10", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "0", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "-0.0", "-0"},
	{SL_TYPE_DOUBLE, 0, 0, "nan", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "NaN", "nan"},
	{SL_TYPE_DOUBLE, 0, 0, "inf", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "-inf", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "Infinity", "inf"},
	{SL_TYPE_DOUBLE, 0, 0, "1e308", "1e+308"},
	{SL_TYPE_DOUBLE, 0, 0, "1.7976931348623157e308", "1.7976931348623157e+308"},
	{SL_TYPE_DOUBLE, 0, 0, "2.2250738585072014e-308", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "5e-324", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "4.9406564584124654e-324", "5e-324"},
	{SL_TYPE_DOUBLE, 0, 0, "-5e-324", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "1e-320", NULL},
	{SL_TYPE_DOUBLE, 0, 0, "1e21", "1e+21"},
	{SL_TYPE_DOUBLE, 0, 0, "123456789012345678", "1.2345678901234568e+17"},
	{SL_TYPE_DOUBLE, 0, 0, "9007199254740993", "9007199254740992"},
	/* floats: shortest text for the float, not for the widened double */
	{SL_TYPE_FLOAT, 0, 0, "0.1", NULL},
	{SL_TYPE_FLOAT, 0, 0, "1.5", NULL},
	{SL_TYPE_FLOAT, 0, 0, "1000000", NULL},
	{SL_TYPE_FLOAT, 0, 0, "1e10", "1e+10"},
	{SL_TYPE_FLOAT, 0, 0, "16777217", "16777216"},
	{SL_TYPE_FLOAT, 0, 0, "3.4028235e38", "3.4028235e+38"},
	{SL_TYPE_FLOAT, 0, 0, "1.1754944e-38", NULL},
	{SL_TYPE_FLOAT, 0, 0, "1e-45", NULL},
	{SL_TYPE_FLOAT, 0, 0, "1.401298464324817e-45", "1e-45"},
	{SL_TYPE_FLOAT, 0, 0, "-0", NULL},
	{SL_TYPE_FLOAT, 0, 0, "nan", NULL},
	{SL_TYPE_FLOAT, 0, 0, "-inf", NULL},
	/* DECIMAL(4,2): int16 */
	{SL_TYPE_DECIMAL, 4, 2, "12.34", NULL},
	{SL_TYPE_DECIMAL, 4, 2, "99.99", NULL},
	{SL_TYPE_DECIMAL, 4, 2, "-99.99", NULL},
	{SL_TYPE_DECIMAL, 4, 2, "0", "0.00"},
	{SL_TYPE_DECIMAL, 4, 2, "0.5", "0.50"},
	{SL_TYPE_DECIMAL, 4, 2, ".5", "0.50"},
	{SL_TYPE_DECIMAL, 4, 2, "-.5", "-0.50"},
	{SL_TYPE_DECIMAL, 4, 2, "+1.5", "1.50"},
	{SL_TYPE_DECIMAL, 4, 2, " 1.5 ", "1.50"},
	{SL_TYPE_DECIMAL, 4, 2, "1.", "1.00"},
	{SL_TYPE_DECIMAL, 4, 2, "0.05", NULL},
	{SL_TYPE_DECIMAL, 4, 2, "-0.05", NULL},
	{SL_TYPE_DECIMAL, 4, 2, "1.005", "1.01"}, /* half away from zero */
	{SL_TYPE_DECIMAL, 4, 2, "-1.005", "-1.01"},
	{SL_TYPE_DECIMAL, 4, 2, "1.0049999", "1.00"},
	{SL_TYPE_DECIMAL, 4, 2, "-0.001", "0.00"},
	{SL_TYPE_DECIMAL, 4, 2, "-0.005", "-0.01"},
	{SL_TYPE_DECIMAL, 4, 2, "9.995", "10.00"},
	{SL_TYPE_DECIMAL, 4, 2, "0099.99", "99.99"},
	{SL_TYPE_DECIMAL, 4, 0, "9999", NULL},
	{SL_TYPE_DECIMAL, 4, 0, "-9999", NULL},
	/* DECIMAL(9,s): int32 */
	{SL_TYPE_DECIMAL, 9, 0, "999999999", NULL},
	{SL_TYPE_DECIMAL, 9, 0, "-999999999", NULL},
	{SL_TYPE_DECIMAL, 9, 0, "1.5", "2"},
	{SL_TYPE_DECIMAL, 9, 0, "-1.5", "-2"},
	{SL_TYPE_DECIMAL, 9, 0, "2.4999", "2"},
	{SL_TYPE_DECIMAL, 9, 3, "123456.789", NULL},
	{SL_TYPE_DECIMAL, 9, 3, "-0.0005", "-0.001"},
	/* DECIMAL(18,s): int64 */
	{SL_TYPE_DECIMAL, 18, 0, "999999999999999999", NULL},
	{SL_TYPE_DECIMAL, 18, 0, "-999999999999999999", NULL},
	{SL_TYPE_DECIMAL, 18, 4, "99999999999999.9999", NULL},
	{SL_TYPE_DECIMAL, 18, 4, "-99999999999999.9999", NULL},
	{SL_TYPE_DECIMAL, 18, 18, "0.999999999999999999", NULL},
	{SL_TYPE_DECIMAL, 18, 18, "-0.000000000000000001", NULL},
	/* DECIMAL(38,s): int128 */
	{SL_TYPE_DECIMAL, 38, 0, NINES38, NULL},
	{SL_TYPE_DECIMAL, 38, 0, "-" NINES38, NULL},
	{SL_TYPE_DECIMAL, 38, 0, "18446744073709551616", NULL},
	{SL_TYPE_DECIMAL, 38, 0, "-18446744073709551616", NULL},
	{SL_TYPE_DECIMAL, 38, 0, "9223372036854775808", NULL},
	{SL_TYPE_DECIMAL, 38, 0, "0", NULL},
	{SL_TYPE_DECIMAL, 38, 0, "00000000000000000000000000000000000000001", "1"},
	{SL_TYPE_DECIMAL, 38, 10, "9999999999999999999999999999.9999999999", NULL},
	{SL_TYPE_DECIMAL, 38, 10, "-9999999999999999999999999999.9999999999", NULL},
	{SL_TYPE_DECIMAL, 38, 10, "1", "1.0000000000"},
	{SL_TYPE_DECIMAL, 38, 10, "-0.00000000005", "-0.0000000001"},
	{SL_TYPE_DECIMAL, 38, 10, "0.00000000004999", "0.0000000000"},
	{SL_TYPE_DECIMAL, 38, 38, "0.99999999999999999999999999999999999999", NULL},
	{SL_TYPE_DECIMAL, 38, 38, "-0.00000000000000000000000000000000000001", NULL},
	{SL_TYPE_DECIMAL, 38, 0, "99999999999999999999999999999999999998.5", NINES38},
	/* DATE */
	{SL_TYPE_DATE, 0, 0, "1970-01-01", NULL},
	{SL_TYPE_DATE, 0, 0, "0001-01-01", NULL},
	{SL_TYPE_DATE, 0, 0, "9999-12-31", NULL},
	{SL_TYPE_DATE, 0, 0, "2000-02-29", NULL},
	{SL_TYPE_DATE, 0, 0, "2024-02-29", NULL},
	{SL_TYPE_DATE, 0, 0, "1600-02-29", NULL},
	{SL_TYPE_DATE, 0, 0, "0000-02-29", NULL}, /* year 0 is a leap year, proleptically */
	{SL_TYPE_DATE, 0, 0, "-0044-03-15", NULL},
	{SL_TYPE_DATE, 0, 0, "-0001-12-31", NULL},
	{SL_TYPE_DATE, 0, 0, "-0004-02-29", NULL},
	{SL_TYPE_DATE, 0, 0, "1969-12-31", NULL},
	{SL_TYPE_DATE, 0, 0, "2024-1-5", "2024-01-05"},
	{SL_TYPE_DATE, 0, 0, "12345-06-07", NULL},
	/* TIME: MySQL's range, hours not wrapped */
	{SL_TYPE_TIME, 0, 0, "00:00:00", NULL},
	{SL_TYPE_TIME, 0, 0, "12:00:00", NULL},
	{SL_TYPE_TIME, 0, 0, "23:59:59.999999", NULL},
	{SL_TYPE_TIME, 0, 0, "12:00:00.25", "12:00:00.250000"},
	{SL_TYPE_TIME, 0, 0, "12:00:00.1234567", "12:00:00.123456"},
	{SL_TYPE_TIME, 0, 0, "1:02:03", "01:02:03"},
	{SL_TYPE_TIME, 0, 0, "12:34", "12:34:00"},
	{SL_TYPE_TIME, 0, 0, "24:00:00", NULL},
	{SL_TYPE_TIME, 0, 0, "100:00:00", NULL},
	{SL_TYPE_TIME, 0, 0, "838:59:59", NULL},
	{SL_TYPE_TIME, 0, 0, "838:59:59.000001", NULL},
	{SL_TYPE_TIME, 0, 0, "-838:59:59", NULL},
	{SL_TYPE_TIME, 0, 0, "-00:00:01", NULL},
	{SL_TYPE_TIME, 0, 0, "-00:00:00.5", "-00:00:00.500000"},
	/* TIMESTAMP */
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00.250000", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00.25", "2024-01-31 12:00:00.250000"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00.000001", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00.1234569", "2024-01-31 12:00:00.123456"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31T12:00:00", "2024-01-31 12:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31t12:00:00", "2024-01-31 12:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31T12:00:00Z", "2024-01-31 12:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31T12:00:00.5Z", "2024-01-31 12:00:00.500000"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00+02:00", "2024-01-31 10:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00+0200", "2024-01-31 10:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00+02", "2024-01-31 10:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00 +02:00", "2024-01-31 10:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00-05:30", "2024-01-31 17:30:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-01 01:00:00+02:00", "2023-12-31 23:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2023-12-31 23:00:00-02:00", "2024-01-01 01:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31", "2024-01-31 00:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00", "2024-01-31 12:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 7:05:09", "2024-01-31 07:05:09"},
	{SL_TYPE_TIMESTAMP, 0, 0, "1970-01-01 00:00:00", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "1969-12-31 23:59:59.999999", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "1969-12-31 23:59:59", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "1900-01-01 00:00:00", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "1900-03-01 12:34:56.789", "1900-03-01 12:34:56.789000"},
	{SL_TYPE_TIMESTAMP, 0, 0, "0001-01-01 00:00:00", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "9999-12-31 23:59:59.999999", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "-0044-03-15 12:00:00", NULL},
	{SL_TYPE_TIMESTAMP, 0, 0, "1970-01-01 00:00:00+00:01", "1969-12-31 23:59:00"},
	{SL_TYPE_TIMESTAMPTZ, 0, 0, "2024-01-31 12:00:00", NULL},
	{SL_TYPE_TIMESTAMPTZ, 0, 0, "2024-01-31T12:00:00+02:00", "2024-01-31 10:00:00"},
	{SL_TYPE_TIMESTAMPTZ, 0, 0, "1960-06-15T00:00:00.000001-01:00",
	 "1960-06-15 01:00:00.000001"},
	/* INTERVAL */
	{SL_TYPE_INTERVAL, 0, 0, "01:00:00", NULL},
	{SL_TYPE_INTERVAL, 0, 0, "-838:59:59", NULL},
	{SL_TYPE_INTERVAL, 0, 0, "838:59:59.000001", NULL},
	{SL_TYPE_INTERVAL, 0, 0, "1 months 2 days 03:00:00", NULL},
	{SL_TYPE_INTERVAL, 0, 0, "-1 months -2 days -00:00:01.500000", NULL},
	{SL_TYPE_INTERVAL, 0, 0, "14 months 0 days 00:00:00", NULL},
	{SL_TYPE_INTERVAL, 0, 0, "0 months 0 days 01:00:00", "01:00:00"},
	/* UUID */
	{SL_TYPE_UUID, 0, 0, "123e4567-e89b-12d3-a456-426614174000", NULL},
	{SL_TYPE_UUID, 0, 0, "123E4567-E89B-12D3-A456-426614174000",
	 "123e4567-e89b-12d3-a456-426614174000"},
	{SL_TYPE_UUID, 0, 0, "123e4567e89b12d3a456426614174000",
	 "123e4567-e89b-12d3-a456-426614174000"},
	{SL_TYPE_UUID, 0, 0, "00000000-0000-0000-0000-000000000000", NULL},
	{SL_TYPE_UUID, 0, 0, "ffffffff-ffff-ffff-ffff-ffffffffffff", NULL},
	{SL_TYPE_UUID, 0, 0, "80000000-0000-0000-8000-000000000001", NULL},
	/* TEXT, JSON, BLOB as is */
	{SL_TYPE_TEXT, 0, 0, "hello", NULL},
	{SL_TYPE_TEXT, 0, 0, "", NULL},
	{SL_TYPE_TEXT, 0, 0, "caf\xc3\xa9 'quoted' \"x\"", NULL},
	{SL_TYPE_JSON, 0, 0, "{\"a\": [1, 2]}", NULL},
	{SL_TYPE_BLOB, 0, 0, "\x01\xff\x7f", NULL},
};

static void test_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < SL_ARRAY_LEN(round_trips); i++) {
		const rt_case *c = &round_trips[i];
		const char *want = c->out ? c->out : c->in;
		sl_value v = SL_VALUE_INIT, w = SL_VALUE_INIT;
		parse_ok(&v, c->type, c->precision, c->scale, c->in);
		assert_int_equal(v.type, c->type);
		assert_int_equal(v.precision, c->precision);
		assert_int_equal(v.scale, c->scale);
		assert_text(&v, want);
		/* the canonical text is a fixed point and denotes the same value */
		parse_ok(&w, c->type, c->precision, c->scale, want);
		assert_text(&w, want);
		assert_int_equal(sl_value_compare(&v, &w), 0);
		if (is_float_type(c->type) && !isnan(v.as.f64))
			assert_memory_equal(&v.as.f64, &w.as.f64, sizeof(double));
		sl_value_clear(&v);
		sl_value_clear(&w);
	}
}

/* ---- malformed input ----------------------------------------------------------------------- */

typedef struct bad_case {
	sl_type type;
	int precision, scale;
	const char *in;
} bad_case;

static const bad_case bad_inputs[] = {
	{SL_TYPE_BOOL, 0, 0, ""},
	{SL_TYPE_BOOL, 0, 0, "maybe"},
	{SL_TYPE_BOOL, 0, 0, "2"},
	{SL_TYPE_BOOL, 0, 0, "truex"},
	{SL_TYPE_INT64, 0, 0, ""},
	{SL_TYPE_INT64, 0, 0, "12a"},
	{SL_TYPE_INT64, 0, 0, "1.5"},
	{SL_TYPE_INT64, 0, 0, "abc"},
	{SL_TYPE_INT64, 0, 0, "9223372036854775808"},
	{SL_TYPE_INT64, 0, 0, "-9223372036854775809"},
	{SL_TYPE_INT64, 0, 0, "1e3"},
	{SL_TYPE_INT32, 0, 0, "-"},
	{SL_TYPE_UINT64, 0, 0, "18446744073709551616"},
	{SL_TYPE_UINT64, 0, 0, "-1"},
	{SL_TYPE_UINT64, 0, 0, " -1"},
	{SL_TYPE_UINT64, 0, 0, "1.0"},
	{SL_TYPE_UINT64, 0, 0, ""},
	{SL_TYPE_DOUBLE, 0, 0, ""},
	{SL_TYPE_DOUBLE, 0, 0, "abc"},
	{SL_TYPE_DOUBLE, 0, 0, "1.5x"},
	{SL_TYPE_DOUBLE, 0, 0, "1e999"},
	{SL_TYPE_DOUBLE, 0, 0, "-1e999"},
	{SL_TYPE_FLOAT, 0, 0, "1e39"},
	{SL_TYPE_FLOAT, 0, 0, "-3.5e38"},
	{SL_TYPE_DECIMAL, 4, 2, ""},
	{SL_TYPE_DECIMAL, 4, 2, " "},
	{SL_TYPE_DECIMAL, 4, 2, "abc"},
	{SL_TYPE_DECIMAL, 4, 2, "1e3"},
	{SL_TYPE_DECIMAL, 4, 2, "1.2.3"},
	{SL_TYPE_DECIMAL, 4, 2, "--1"},
	{SL_TYPE_DECIMAL, 4, 2, "-"},
	{SL_TYPE_DECIMAL, 4, 2, "."},
	{SL_TYPE_DECIMAL, 4, 2, "1 2"},
	{SL_TYPE_DECIMAL, 4, 2, "0x10"},
	{SL_TYPE_DECIMAL, 4, 2, "+-1"},
	{SL_TYPE_DECIMAL, 4, 2, "nan"},
	{SL_TYPE_DECIMAL, 4, 2, "100.00"}, /* 5 digits in DECIMAL(4,2) */
	{SL_TYPE_DECIMAL, 4, 2, "-100"},
	{SL_TYPE_DECIMAL, 4, 2, "99.995"}, /* rounds to 100.00 */
	{SL_TYPE_DECIMAL, 4, 0, "10000"},
	{SL_TYPE_DECIMAL, 9, 0, "1000000000"},
	{SL_TYPE_DECIMAL, 18, 0, "1000000000000000000"},
	{SL_TYPE_DECIMAL, 18, 0, "-9223372036854775809"},
	{SL_TYPE_DECIMAL, 18, 4, "100000000000000"},
	{SL_TYPE_DECIMAL, 38, 0, "1" NINES38}, /* 39 digits */
	{SL_TYPE_DECIMAL, 38, 0, "-1" NINES38},
	{SL_TYPE_DECIMAL, 38, 0, NINES38 ".5"}, /* rounds to 10^38 */
	{SL_TYPE_DECIMAL, 38, 10, NINES38},	/* 48 digits once scaled */
	{SL_TYPE_DECIMAL, 38, 10, "10000000000000000000000000000"},
	{SL_TYPE_DECIMAL, 38, 10, "9999999999999999999999999999.99999999995"},
	{SL_TYPE_DECIMAL, 38, 38, "1"},
	{SL_TYPE_DATE, 0, 0, ""},
	{SL_TYPE_DATE, 0, 0, "1900-02-29"},
	{SL_TYPE_DATE, 0, 0, "2023-02-29"},
	{SL_TYPE_DATE, 0, 0, "2100-02-29"},
	{SL_TYPE_DATE, 0, 0, "2024-02-30"},
	{SL_TYPE_DATE, 0, 0, "2024-04-31"},
	{SL_TYPE_DATE, 0, 0, "2024-13-01"},
	{SL_TYPE_DATE, 0, 0, "2024-00-10"},
	{SL_TYPE_DATE, 0, 0, "2024-01-00"},
	{SL_TYPE_DATE, 0, 0, "2024-01-32"},
	{SL_TYPE_DATE, 0, 0, "24-01-01"},
	{SL_TYPE_DATE, 0, 0, "2024/01/01"},
	{SL_TYPE_DATE, 0, 0, "2024-01-01x"},
	{SL_TYPE_DATE, 0, 0, "2024-01-01 00:00:00"},
	{SL_TYPE_DATE, 0, 0, "2024-01-"},
	{SL_TYPE_DATE, 0, 0, "999999999-01-01"}, /* beyond 32-bit days */
	{SL_TYPE_TIME, 0, 0, ""},
	{SL_TYPE_TIME, 0, 0, "12"},
	{SL_TYPE_TIME, 0, 0, "abc"},
	{SL_TYPE_TIME, 0, 0, "12:60:00"},
	{SL_TYPE_TIME, 0, 0, "12:00:60"},
	{SL_TYPE_TIME, 0, 0, "12:0:00"},
	{SL_TYPE_TIME, 0, 0, "12:00:00x"},
	{SL_TYPE_TIME, 0, 0, "--12:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, ""},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 25:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:60:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:61"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31X12:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00 junk"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00+2"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00+02:0"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-02-30 00:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "1900-02-29 00:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "999999-01-01 00:00:00"}, /* beyond 64-bit microseconds */
	{SL_TYPE_TIMESTAMPTZ, 0, 0, "2024-01-31 12:00:00 CET"},
	{SL_TYPE_INTERVAL, 0, 0, ""},
	{SL_TYPE_INTERVAL, 0, 0, "x"},
	{SL_TYPE_INTERVAL, 0, 0, "1 months"},
	{SL_TYPE_INTERVAL, 0, 0, "1 months 2 days"},
	{SL_TYPE_UUID, 0, 0, ""},
	{SL_TYPE_UUID, 0, 0, "123e4567-e89b-12d3-a456-42661417400"},
	{SL_TYPE_UUID, 0, 0, "123e4567-e89b-12d3-a456-4266141740000"},
	{SL_TYPE_UUID, 0, 0, "123e4567-e89b-12d3-a456-42661417400g"},
	{SL_TYPE_UUID, 0, 0, "123e4567-e89b-12d3-a456-426614174000 trailing"},
	{SL_TYPE_UUID, 0, 0, "{123e4567-e89b-12d3-a456-426614174000}"},
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < SL_ARRAY_LEN(bad_inputs); i++) {
		const bad_case *c = &bad_inputs[i];
		sl_value v = SL_VALUE_INIT;
		sl_error_clear();
		int rc = sl_value_parse(&v, c->type, c->precision, c->scale, c->in);
		if (rc != SL_ETYPE) {
			char *s = sl_value_to_text(&v);
			print_error("%s(%d,%d) '%s' was accepted (rc %d) as '%s'\n",
				    sl_type_name(c->type), c->precision, c->scale, c->in, rc, s);
			free(s);
			sl_value_clear(&v);
			fail();
		}
		assert_true(v.is_null);
		assert_null(v.bytes);
		assert_int_equal(sl_error_last()->code, SL_ETYPE);
		/* "DECIMAL value: '1e3' is not a valid ..." */
		const char *msg = sl_error_last()->message;
		size_t tl = strlen(sl_type_name(c->type));
		assert_memory_equal(msg, sl_type_name(c->type), tl);
		assert_memory_equal(msg + tl, " value: ", 8);
		assert_true(strlen(msg) > tl + 8);
	}
}

static void test_error_message_names_input(void **state)
{
	(void)state;
	sl_value v = SL_VALUE_INIT;
	assert_int_equal(sl_value_parse(&v, SL_TYPE_DATE, 0, 0, "1900-02-29"), SL_ETYPE);
	assert_string_equal(sl_error_last()->message,
			    "DATE value: '1900-02-29' is not a valid date (YYYY-MM-DD)");
	/* a long input is cut in the message, not the message overflowed */
	char big[400];
	memset(big, '7', sizeof(big) - 1);
	big[200] = 'x';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sl_value_parse(&v, SL_TYPE_INT64, 0, 0, big), SL_ETYPE);
	assert_true(strlen(sl_error_last()->message) < 200);
	assert_non_null(strstr(sl_error_last()->message, "is not a valid integer"));
}

/* ---- exact internal values ------------------------------------------------------------------ */

static void test_internal_values(void **state)
{
	(void)state;
	sl_value v = SL_VALUE_INIT;

	parse_ok(&v, SL_TYPE_INT64, 0, 0, "-9223372036854775808");
	assert_true(v.as.i64 == INT64_MIN);
	parse_ok(&v, SL_TYPE_INT64, 0, 0, "9223372036854775807");
	assert_true(v.as.i64 == INT64_MAX);
	parse_ok(&v, SL_TYPE_UINT64, 0, 0, "18446744073709551615");
	assert_true(v.as.u64 == UINT64_MAX);
	parse_ok(&v, SL_TYPE_BOOL, 0, 0, "true");
	assert_int_equal(v.as.u64, 1);

	parse_ok(&v, SL_TYPE_DECIMAL, 5, 2, "123.45");
	assert_int_equal(v.as.i64, 12345);
	parse_ok(&v, SL_TYPE_DECIMAL, 5, 2, "-123.45");
	assert_true(v.as.i64 == -12345);
	parse_ok(&v, SL_TYPE_DECIMAL, 38, 0, NINES38);
	i128 max38 = (i128)UINT64_C(10000000000000000000) * UINT64_C(10000000000000000000) - 1;
	assert_true(get_i128(v.as.i128) == max38);
	parse_ok(&v, SL_TYPE_DECIMAL, 38, 0, "-" NINES38);
	assert_true(get_i128(v.as.i128) == -max38);
	parse_ok(&v, SL_TYPE_DECIMAL, 38, 0, "-1");
	assert_true(v.as.i128.hi == -1 && v.as.i128.lo == UINT64_MAX);
	parse_ok(&v, SL_TYPE_DECIMAL, 38, 2, "184467440737095516.16");
	assert_true(v.as.i128.hi == 1 && v.as.i128.lo == 0);

	parse_ok(&v, SL_TYPE_DOUBLE, 0, 0, "-0.0");
	assert_true(v.as.f64 == 0.0 && signbit(v.as.f64));
	parse_ok(&v, SL_TYPE_DOUBLE, 0, 0, "5e-324");
	assert_true(v.as.f64 == 4.9406564584124654e-324);
	parse_ok(&v, SL_TYPE_DOUBLE, 0, 0, "nan");
	assert_true(isnan(v.as.f64));
	/* a FLOAT value is the float nearest the text, as a batch would hold it */
	parse_ok(&v, SL_TYPE_FLOAT, 0, 0, "0.1");
	assert_true(v.as.f64 == (double)0.1f);

	parse_ok(&v, SL_TYPE_DATE, 0, 0, "1970-01-01");
	assert_int_equal(v.as.i64, 0);
	parse_ok(&v, SL_TYPE_DATE, 0, 0, "2000-02-29");
	assert_int_equal(v.as.i64, 11016);
	parse_ok(&v, SL_TYPE_DATE, 0, 0, "0001-01-01");
	assert_true(v.as.i64 == -719162);
	parse_ok(&v, SL_TYPE_DATE, 0, 0, "9999-12-31");
	assert_int_equal(v.as.i64, 2932896);
	parse_ok(&v, SL_TYPE_DATE, 0, 0, "1969-12-31");
	assert_true(v.as.i64 == -1);

	parse_ok(&v, SL_TYPE_TIMESTAMP, 0, 0, "1969-12-31 23:59:59.999999");
	assert_true(v.as.i64 == -1);
	parse_ok(&v, SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00.25");
	assert_true(v.as.i64 == INT64_C(1706702400250000));
	parse_ok(&v, SL_TYPE_TIMESTAMPTZ, 0, 0, "2024-01-31T14:00:00.25+02:00");
	assert_true(v.as.i64 == INT64_C(1706702400250000));
	parse_ok(&v, SL_TYPE_TIMESTAMP, 0, 0, "0001-01-01 00:00:00");
	assert_true(v.as.i64 == INT64_C(-62135596800000000));

	parse_ok(&v, SL_TYPE_TIME, 0, 0, "-838:59:59");
	assert_true(v.as.i64 == -INT64_C(3020399000000));
	parse_ok(&v, SL_TYPE_TIME, 0, 0, "838:59:59.000001");
	assert_true(v.as.i64 == INT64_C(3020399000001));

	parse_ok(&v, SL_TYPE_INTERVAL, 0, 0, "-1 months -2 days -00:00:01.500000");
	assert_true(v.as.iv.months == -1 && v.as.iv.days == -2 && v.as.iv.micros == -1500000);

	parse_ok(&v, SL_TYPE_UUID, 0, 0, "01234567-89ab-cdef-fedc-ba9876543210");
	assert_true((uint64_t)v.as.i128.hi == UINT64_C(0x0123456789abcdef));
	assert_true(v.as.i128.lo == UINT64_C(0xfedcba9876543210));

	parse_ok(&v, SL_TYPE_TEXT, 0, 0, "");
	assert_non_null(v.bytes);
	assert_int_equal(v.len, 0);
	parse_ok(&v, SL_TYPE_TEXT, 0, 0, "abc");
	assert_int_equal(v.len, 3);
	assert_string_equal(v.bytes, "abc");
	sl_value_clear(&v);
	assert_true(v.is_null);
	assert_null(v.bytes);
	char *s = sl_value_to_text(&v);
	assert_string_equal(s, ""); /* NULL formats as empty text */
	free(s);
}

/* Parsers that take a length read no further than it. */
static void test_parse_with_length(void **state)
{
	(void)state;
	int32_t d;
	int64_t t;
	sl_int128 x;
	assert_int_equal(sl_parse_date(&d, "2024-01-31XYZ", 10), SL_OK);
	assert_int_equal(d, sl_days_from_civil(2024, 1, 31));
	assert_int_equal(sl_parse_date(&d, "2024-01-31", 9), SL_OK); /* "2024-01-3" */
	assert_int_equal(d, sl_days_from_civil(2024, 1, 3));
	assert_int_equal(sl_parse_date(&d, "2024-01-31", 8), SL_ETYPE); /* "2024-01-" */
	assert_int_equal(sl_parse_date(&d, "2024-01-31", 7), SL_ETYPE);
	assert_int_equal(sl_parse_timestamp(&t, "2024-01-31 12:00:00.5junk", 21), SL_OK);
	assert_true(t == INT64_C(1706702400500000));
	assert_int_equal(sl_parse_time(&t, "01:00:00999", 8), SL_OK);
	assert_true(t == INT64_C(3600000000));
	assert_int_equal(sl_parse_decimal(&x, "12.345", 4, 2), SL_OK); /* "12.3" */
	assert_true(get_i128(x) == 1230);
	assert_int_equal(sl_parse_decimal(&x, "12.345", 6, 2), SL_OK);
	assert_true(get_i128(x) == 1235);
	assert_int_equal(sl_parse_decimal(&x, "-12.344", 7, 2), SL_OK);
	assert_true(get_i128(x) == -1234);
	assert_int_equal(sl_parse_decimal(&x, "1e3", 3, 0), SL_ETYPE);
	assert_int_equal(sl_parse_decimal(&x, NINES38, 38, 0), SL_OK);
	assert_int_equal(sl_parse_decimal(&x, NINES38, 38, 1), SL_ETYPE);
	assert_int_equal(sl_parse_decimal(&x, NINES38 ".4", 40, 0), SL_OK);
	assert_int_equal(sl_parse_decimal(&x, NINES38 ".5", 40, 0), SL_ETYPE);
}

/* ---- doubles and floats: shortest round trip, checked on many bit patterns ----------------- */

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64: deterministic, so a failure reproduces */
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The fewest significant digits that read back as `d` (as a float when is_float). */
static int shortest_digits(double d, bool is_float)
{
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		double back = strtod(tmp, NULL);
		if (is_float ? (float)back == (float)d : back == d)
			return prec;
	}
	return 17;
}

/* Significant digits written in a number's text: "100" 1, "0.0250" 2, "1.5e-07" 2. */
static int written_digits(const char *s)
{
	char digits[40];
	size_t n = 0;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && n < sizeof(digits))
			digits[n++] = *s;
	size_t lead = 0;
	while (lead < n && digits[lead] == '0')
		lead++;
	while (n > lead && digits[n - 1] == '0')
		n--;
	return n > lead ? (int)(n - lead) : 1;
}

/* The text reads back to the same value, uses the fewest digits, and is positional (no
   exponent) from 0.0001 up to where the type stops holding every integer. */
static void check_float_text(double d, sl_type type)
{
	bool is_float = type == SL_TYPE_FLOAT;
	sl_value v = SL_VALUE_INIT, w = SL_VALUE_INIT;
	v.type = type;
	v.is_null = false;
	v.as.f64 = d;
	char *s = sl_value_to_text(&v);
	assert_non_null(s);
	if (written_digits(s) != shortest_digits(d, is_float) ||
	    (fabs(d) >= 1e-4 && fabs(d) < (is_float ? 1e7 : 1e15) && strchr(s, 'e'))) {
		print_error("%s %.17g written as '%s', shortest has %d digits\n",
			    sl_type_name(type), d, s, shortest_digits(d, is_float));
		fail();
	}
	parse_ok(&w, type, 0, 0, s);
	if (is_float)
		assert_true((float)w.as.f64 == (float)d);
	else
		assert_memory_equal(&w.as.f64, &d, sizeof(d));
	free(s);
}

static void test_double_shortest_many(void **state)
{
	(void)state;
	uint64_t seed = 42;
	for (int i = 0; i < 20000; i++) {
		uint64_t bits = rng_next(&seed);
		if (i % 4 == 1)
			bits &= UINT64_C(0x800fffffffffffff); /* subnormals */
		else if (i % 4 == 2)
			bits = (bits & UINT64_C(0x3fffffffffffffff)) | UINT64_C(0x3000000000000000);
		double d;
		memcpy(&d, &bits, sizeof(d));
		if (isnan(d) || isinf(d))
			continue;
		check_float_text(d, SL_TYPE_DOUBLE);
	}
	/* small integers and simple decimals print as people write them */
	for (int i = -1000; i <= 1000; i++) {
		char want[32];
		snprintf(want, sizeof(want), "%d", i);
		sl_value v = {.type = SL_TYPE_DOUBLE, .is_null = false, .as.f64 = i};
		assert_text(&v, want);
		snprintf(want, sizeof(want), "%s%d.5", i < 0 ? "-" : "", abs(i));
		v.as.f64 = i < 0 ? i - 0.5 : i + 0.5;
		assert_text(&v, want);
	}
	double p = 1;
	for (int e = 0; e < 15; e++, p *= 10) {
		char want[32];
		snprintf(want, sizeof(want), "1%.*s", e, "00000000000000000000");
		sl_value v = {.type = SL_TYPE_DOUBLE, .is_null = false, .as.f64 = p};
		assert_text(&v, want);
		check_float_text(p * 7, SL_TYPE_DOUBLE);
		check_float_text(p / 1e20, SL_TYPE_DOUBLE);
		check_float_text(p, SL_TYPE_FLOAT);
	}
}

static void test_float_shortest_many(void **state)
{
	(void)state;
	uint64_t seed = 7;
	for (int i = 0; i < 20000; i++) {
		uint32_t bits = (uint32_t)rng_next(&seed);
		if (i % 3 == 1)
			bits &= UINT32_C(0x807fffff); /* subnormals */
		float f;
		memcpy(&f, &bits, sizeof(f));
		if (isnan(f) || isinf(f))
			continue;
		check_float_text((double)f, SL_TYPE_FLOAT);
	}
}

/* ---- ordering ------------------------------------------------------------------------------- */

typedef struct order_case {
	sl_type type;
	int precision, scale;
	const char *asc[12]; /* strictly ascending, NULL-terminated */
} order_case;

static const order_case orderings[] = {
	{SL_TYPE_BOOL, 0, 0, {"false", "true"}},
	{SL_TYPE_INT8, 0, 0, {"-128", "-1", "0", "1", "127"}},
	{SL_TYPE_INT64,
	 0,
	 0,
	 {"-9223372036854775808", "-9223372036854775807", "-1", "0", "1", "9223372036854775806",
	  "9223372036854775807"}},
	{SL_TYPE_UINT64,
	 0,
	 0,
	 {"0", "1", "9223372036854775807", "9223372036854775808", "18446744073709551614",
	  "18446744073709551615"}},
	{SL_TYPE_UINT32, 0, 0, {"0", "2147483647", "2147483648", "4294967295"}},
	{SL_TYPE_DOUBLE,
	 0,
	 0,
	 {"-inf", "-1.7976931348623157e308", "-1", "-5e-324", "0", "5e-324", "0.1", "1", "1e308",
	  "inf"}},
	{SL_TYPE_FLOAT, 0, 0, {"-inf", "-3.4028235e38", "-1", "0", "1e-45", "0.1", "1", "inf"}},
	{SL_TYPE_DECIMAL, 4, 2, {"-99.99", "-0.01", "0", "0.01", "99.99"}},
	{SL_TYPE_DECIMAL,
	 18,
	 3,
	 {"-999999999999999.999", "-1", "0", "0.001", "999999999999999.999"}},
	{SL_TYPE_DECIMAL,
	 38,
	 0,
	 {"-" NINES38, "-18446744073709551616", "-18446744073709551615", "-9223372036854775808",
	  "-1", "0", "1", "9223372036854775807", "9223372036854775808", "18446744073709551615",
	  "18446744073709551616", NINES38}},
	{SL_TYPE_DECIMAL,
	 38,
	 10,
	 {"-9999999999999999999999999999.9999999999", "-0.0000000001", "0", "0.0000000001",
	  "1844674407.3709551616", "9999999999999999999999999999.9999999999"}},
	{SL_TYPE_TEXT,
	 0,
	 0,
	 {"", "A", "Z", "a", "ab", "abc", "b", "z", "\x7f", "\xc3\xa9", "\xff"}},
	{SL_TYPE_BLOB, 0, 0, {"", "\x01", "\x01\x01", "\x02", "\x80", "\xff\xff"}},
	{SL_TYPE_DATE,
	 0,
	 0,
	 {"-0044-03-15", "0001-01-01", "1900-02-28", "1969-12-31", "1970-01-01", "2000-02-29",
	  "9999-12-31"}},
	{SL_TYPE_TIME,
	 0,
	 0,
	 {"-838:59:59", "-00:00:00.000001", "00:00:00", "23:59:59", "838:59:59"}},
	{SL_TYPE_TIMESTAMP,
	 0,
	 0,
	 {"0001-01-01 00:00:00", "1900-01-01 00:00:00", "1969-12-31 23:59:59.999999",
	  "1970-01-01 00:00:00", "1970-01-01 00:00:00.000001", "2024-01-31 12:00:00+02:00",
	  "2024-01-31 11:00:00", "9999-12-31 23:59:59.999999"}},
	{SL_TYPE_INTERVAL,
	 0,
	 0,
	 {"-1 months 0 days 00:00:00", "-00:00:01", "00:00:00", "23:59:59",
	  "0 months 1 days 00:00:00", "0 months 29 days 23:59:59", "1 months 0 days 00:00:00",
	  "838:59:59"}},
	{SL_TYPE_UUID,
	 0,
	 0,
	 {"00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000001",
	  "00000000-0000-0000-8000-000000000000", "00000000-0000-0001-0000-000000000000",
	  "7fffffff-ffff-ffff-ffff-ffffffffffff", "80000000-0000-0000-0000-000000000000",
	  "ffffffff-ffff-ffff-ffff-ffffffffffff"}},
};

static void test_compare_order(void **state)
{
	(void)state;
	for (size_t i = 0; i < SL_ARRAY_LEN(orderings); i++) {
		const order_case *c = &orderings[i];
		sl_value vals[12];
		size_t n = 0;
		for (; n < 12 && c->asc[n]; n++) {
			vals[n] = (sl_value)SL_VALUE_INIT;
			parse_ok(&vals[n], c->type, c->precision, c->scale, c->asc[n]);
		}
		sl_value null = SL_VALUE_INIT;
		null.type = c->type;
		null.precision = c->precision;
		null.scale = c->scale;
		for (size_t a = 0; a < n; a++) {
			for (size_t b = 0; b < n; b++) {
				int want = a < b ? -1 : a > b ? 1 : 0;
				int got = sl_value_compare(&vals[a], &vals[b]);
				if ((got > 0) - (got < 0) != want) {
					print_error("%s: compare('%s', '%s') = %d, want %d\n",
						    sl_type_name(c->type), c->asc[a], c->asc[b],
						    got, want);
					fail();
				}
			}
			/* NULL sorts first */
			assert_true(sl_value_compare(&null, &vals[a]) < 0);
			assert_true(sl_value_compare(&vals[a], &null) > 0);
		}
		assert_int_equal(sl_value_compare(&null, &null), 0);
		for (size_t a = 0; a < n; a++)
			sl_value_clear(&vals[a]);
	}
}

static void test_compare_special(void **state)
{
	(void)state;
	sl_value a = SL_VALUE_INIT, b = SL_VALUE_INIT;
	/* -0.0 and 0.0 are the same number */
	parse_ok(&a, SL_TYPE_DOUBLE, 0, 0, "-0");
	parse_ok(&b, SL_TYPE_DOUBLE, 0, 0, "0");
	assert_int_equal(sl_value_compare(&a, &b), 0);
	/* text compares bytes, embedded zeros included */
	sl_value_clear(&a);
	sl_value_clear(&b);
	a.type = b.type = SL_TYPE_BLOB;
	a.is_null = b.is_null = false;
	a.bytes = (char *)"a\0b";
	a.len = 3;
	b.bytes = (char *)"a\0c";
	b.len = 3;
	assert_true(sl_value_compare(&a, &b) < 0);
	assert_true(sl_value_compare(&b, &a) > 0);
	b.len = 2; /* "a\0" is a prefix of "a\0b" */
	assert_true(sl_value_compare(&a, &b) > 0);
	assert_true(sl_value_compare(&b, &a) < 0);
	b.bytes = (char *)"a\0b";
	b.len = 3;
	assert_int_equal(sl_value_compare(&a, &b), 0);
	/* TEXT is not collated: 'B' < 'a' */
	sl_value t1 = SL_VALUE_INIT, t2 = SL_VALUE_INIT;
	parse_ok(&t1, SL_TYPE_TEXT, 0, 0, "B");
	parse_ok(&t2, SL_TYPE_TEXT, 0, 0, "a");
	assert_true(sl_value_compare(&t1, &t2) < 0);
	sl_value_clear(&t1);
	sl_value_clear(&t2);
}

/* ---- lag ------------------------------------------------------------------------------------ */

typedef struct lag_case {
	sl_type type;
	int precision, scale;
	const char *in, *lag, *out;
} lag_case;

static const lag_case lags[] = {
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00", "3600", "2024-01-31 11:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00", "0.5", "2024-01-31 11:59:59.500000"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00", "0.000001", "2024-01-31 11:59:59.999999"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00", "-60", "2024-01-31 12:01:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-01-31 12:00:00", "0", "2024-01-31 12:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "2024-03-01 00:00:00", "86400", "2024-02-29 00:00:00"},
	{SL_TYPE_TIMESTAMP, 0, 0, "1970-01-01 00:00:00", "1", "1969-12-31 23:59:59"},
	{SL_TYPE_TIMESTAMP, 0, 0, "1970-01-01 00:00:00", "1e9", "1938-04-24 22:13:20"},
	{SL_TYPE_TIMESTAMPTZ, 0, 0, "2024-01-31 12:00:00", "7200", "2024-01-31 10:00:00"},
	{SL_TYPE_DATE, 0, 0, "2024-03-01", "1", "2024-02-29"},
	{SL_TYPE_DATE, 0, 0, "1970-01-01", "365", "1969-01-01"},
	{SL_TYPE_DATE, 0, 0, "2024-01-31", "-1", "2024-02-01"},
	{SL_TYPE_TIME, 0, 0, "01:00:00", "3600", "00:00:00"},
	{SL_TYPE_TIME, 0, 0, "00:00:00", "1.5", "-00:00:01.500000"},
	{SL_TYPE_INT64, 0, 0, "100", "10", "90"},
	{SL_TYPE_INT64, 0, 0, "0", "1", "-1"},
	{SL_TYPE_INT32, 0, 0, "5", "1.6", "3"},
	{SL_TYPE_INT8, 0, 0, "-5", "-5", "0"},
	{SL_TYPE_UINT64, 0, 0, "18446744073709551615", "5", "18446744073709551610"},
	{SL_TYPE_UINT64, 0, 0, "5", "10", "0"},
	{SL_TYPE_DECIMAL, 10, 2, "100.00", "0.25", "99.75"},
	{SL_TYPE_DECIMAL, 4, 2, "0.10", "1", "-0.90"},
	{SL_TYPE_DECIMAL, 18, 0, "1000", "1.5", "998"},
	{SL_TYPE_DECIMAL, 38, 10, "1", "1.5", "-0.5000000000"},
	{SL_TYPE_DECIMAL, 38, 0, "18446744073709551616", "1", "18446744073709551615"},
	{SL_TYPE_DECIMAL, 38, 0, "0", "1", "-1"},
	{SL_TYPE_DOUBLE, 0, 0, "1.5", "0.25", "1.25"},
	{SL_TYPE_DOUBLE, 0, 0, "-inf", "10", "-inf"},
	{SL_TYPE_FLOAT, 0, 0, "2", "0.5", "1.5"},
	{SL_TYPE_INTERVAL, 0, 0, "01:00:00", "60", "00:59:00"},
};

static void test_apply_lag(void **state)
{
	(void)state;
	for (size_t i = 0; i < SL_ARRAY_LEN(lags); i++) {
		const lag_case *c = &lags[i];
		sl_value v = SL_VALUE_INIT;
		parse_ok(&v, c->type, c->precision, c->scale, c->in);
		int rc = sl_value_apply_lag(&v, c->lag);
		if (rc != SL_OK) {
			print_error("lag %s '%s' - '%s': %d %s\n", sl_type_name(c->type), c->in,
				    c->lag, rc, sl_error_last()->message);
			fail();
		}
		assert_text(&v, c->out);
		sl_value_clear(&v);
	}
}

static void test_apply_lag_errors(void **state)
{
	(void)state;
	static const sl_type unsupported[] = {SL_TYPE_TEXT, SL_TYPE_JSON, SL_TYPE_BLOB,
					      SL_TYPE_UUID, SL_TYPE_BOOL};
	static const char *const samples[] = {"x", "{}", "y",
					      "00000000-0000-0000-0000-000000000000", "true"};
	for (size_t i = 0; i < SL_ARRAY_LEN(unsupported); i++) {
		sl_value v = SL_VALUE_INIT;
		parse_ok(&v, unsupported[i], 0, 0, samples[i]);
		assert_int_equal(sl_value_apply_lag(&v, "10"), SL_EUNSUPPORTED);
		assert_non_null(strstr(sl_error_last()->message, sl_type_name(unsupported[i])));
		sl_value_clear(&v);
	}
	/* a malformed lag fails whatever the value */
	static const char *const bad[] = {"", "abc", "1x", "10 s", "inf", "-inf", "nan", "1e999"};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		sl_value v = SL_VALUE_INIT;
		parse_ok(&v, SL_TYPE_INT64, 0, 0, "100");
		assert_int_equal(sl_value_apply_lag(&v, bad[i]), SL_EINVAL);
		assert_int_equal(v.as.i64, 100); /* untouched */
		assert_non_null(strstr(sl_error_last()->message, "lag '"));
	}
	/* a NULL cursor stays NULL */
	sl_value n = SL_VALUE_INIT;
	n.type = SL_TYPE_TIMESTAMP;
	assert_int_equal(sl_value_apply_lag(&n, "3600"), SL_OK);
	assert_true(n.is_null);
}

/* ---- calendar ------------------------------------------------------------------------------- */

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

static void test_calendar_anchors(void **state)
{
	(void)state;
	assert_int_equal(sl_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(sl_days_from_civil(2000, 3, 1), 11017);
	assert_true(sl_days_from_civil(1, 1, 1) == -719162);
	assert_true(sl_days_from_civil(0, 1, 1) == -719528);
	assert_true(sl_days_from_civil(-1, 12, 31) == -719529);
	assert_int_equal(sl_days_from_civil(9999, 12, 31), 2932896);
	int64_t y;
	unsigned m, d;
	sl_civil_from_days(-719529, &y, &m, &d);
	assert_true(y == -1 && m == 12 && d == 31);
	sl_civil_from_days(INT32_MAX, &y, &m, &d);
	assert_true(sl_days_from_civil(y, m, d) == INT32_MAX);
	sl_civil_from_days(INT32_MIN, &y, &m, &d);
	assert_true(sl_days_from_civil(y, m, d) == INT32_MIN);

	assert_true(sl_micros_from_civil(1970, 1, 1, 0, 0, 0, 0) == 0);
	assert_true(sl_micros_from_civil(1969, 12, 31, 23, 59, 59, 999999) == -1);
	assert_true(sl_micros_from_civil(2024, 1, 31, 12, 0, 0, 250000) ==
		    INT64_C(1706702400250000));
	assert_true(sl_micros_from_civil(1, 1, 1, 0, 0, 0, 0) == INT64_C(-62135596800000000));
}

/* Every day from -100000 to 3000000: the day after each date is the calendar's next date. */
static void test_calendar_every_day(void **state)
{
	(void)state;
	int64_t py;
	unsigned pm, pd;
	sl_civil_from_days(-100001, &py, &pm, &pd);
	assert_true(py == 1696 && pm == 3 && pd == 16);
	for (int32_t days = -100000; days <= 3000000; days++) {
		int64_t y;
		unsigned m, d;
		sl_civil_from_days(days, &y, &m, &d);
		bool next;
		if (pd < month_days(py, pm))
			next = y == py && m == pm && d == pd + 1;
		else if (pm < 12)
			next = y == py && m == pm + 1 && d == 1;
		else
			next = y == py + 1 && m == 1 && d == 1;
		if (!next || sl_days_from_civil(y, m, d) != days) {
			print_error("day %d: %lld-%u-%u after %lld-%u-%u\n", days, (long long)y, m,
				    d, (long long)py, pm, pd);
			fail();
		}
		py = y;
		pm = m;
		pd = d;
	}
	assert_true(py == 10183 && pm == 9 && pd == 21); /* day 3000000 */
}

/* ---- values in batches ---------------------------------------------------------------------- */

typedef struct batch_col {
	const char *name;
	sl_type type;
	int precision, scale;
	const char *text; /* row 0's canonical text */
} batch_col;

static const batch_col batch_cols[] = {
	{"b", SL_TYPE_BOOL, 0, 0, "true"},
	{"i8", SL_TYPE_INT8, 0, 0, "-128"},
	{"i16", SL_TYPE_INT16, 0, 0, "-32768"},
	{"i32", SL_TYPE_INT32, 0, 0, "-2147483648"},
	{"i64", SL_TYPE_INT64, 0, 0, "-9223372036854775808"},
	{"u8", SL_TYPE_UINT8, 0, 0, "255"},
	{"u16", SL_TYPE_UINT16, 0, 0, "65535"},
	{"u32", SL_TYPE_UINT32, 0, 0, "4294967295"},
	{"u64", SL_TYPE_UINT64, 0, 0, "18446744073709551615"},
	{"f", SL_TYPE_FLOAT, 0, 0, "0.1"},
	{"d", SL_TYPE_DOUBLE, 0, 0, "5e-324"},
	{"dec4", SL_TYPE_DECIMAL, 4, 2, "-99.99"},
	{"dec9", SL_TYPE_DECIMAL, 9, 3, "999999.999"},
	{"dec18", SL_TYPE_DECIMAL, 18, 4, "-99999999999999.9999"},
	{"dec38", SL_TYPE_DECIMAL, 38, 10, "9999999999999999999999999999.9999999999"},
	{"t", SL_TYPE_TEXT, 0, 0, "caf\xc3\xa9"},
	{"bl", SL_TYPE_BLOB, 0, 0, "\x01\x02"},
	{"j", SL_TYPE_JSON, 0, 0, "[1]"},
	{"dt", SL_TYPE_DATE, 0, 0, "0001-01-01"},
	{"tm", SL_TYPE_TIME, 0, 0, "-838:59:59"},
	{"ts", SL_TYPE_TIMESTAMP, 0, 0, "1969-12-31 23:59:59.999999"},
	{"tz", SL_TYPE_TIMESTAMPTZ, 0, 0, "9999-12-31 23:59:59.999999"},
	{"iv", SL_TYPE_INTERVAL, 0, 0, "1 months 2 days 03:00:00"},
	{"u", SL_TYPE_UUID, 0, 0, "123e4567-e89b-12d3-a456-426614174000"},
};

/* Store a parsed value into a batch cell in the layout batch.h documents. */
static void store_cell(sl_batch *b, size_t col, size_t row, const sl_value *v)
{
	void *data = sl_batch_data(b, col);
	const sl_vector *vec = &b->columns[col];
	switch (vec->type) {
	case SL_TYPE_BOOL:
	case SL_TYPE_UINT8:
		((uint8_t *)data)[row] = (uint8_t)v->as.u64;
		break;
	case SL_TYPE_INT8:
		((int8_t *)data)[row] = (int8_t)v->as.i64;
		break;
	case SL_TYPE_INT16:
		((int16_t *)data)[row] = (int16_t)v->as.i64;
		break;
	case SL_TYPE_UINT16:
		((uint16_t *)data)[row] = (uint16_t)v->as.u64;
		break;
	case SL_TYPE_INT32:
	case SL_TYPE_DATE:
		((int32_t *)data)[row] = (int32_t)v->as.i64;
		break;
	case SL_TYPE_UINT32:
		((uint32_t *)data)[row] = (uint32_t)v->as.u64;
		break;
	case SL_TYPE_INT64:
	case SL_TYPE_TIME:
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		((int64_t *)data)[row] = v->as.i64;
		break;
	case SL_TYPE_UINT64:
		((uint64_t *)data)[row] = v->as.u64;
		break;
	case SL_TYPE_FLOAT:
		((float *)data)[row] = (float)v->as.f64;
		break;
	case SL_TYPE_DOUBLE:
		((double *)data)[row] = v->as.f64;
		break;
	case SL_TYPE_DECIMAL:
		if (vec->precision <= 4)
			((int16_t *)data)[row] = (int16_t)v->as.i64;
		else if (vec->precision <= 9)
			((int32_t *)data)[row] = (int32_t)v->as.i64;
		else if (vec->precision <= 18)
			((int64_t *)data)[row] = v->as.i64;
		else
			((sl_int128 *)data)[row] = v->as.i128;
		break;
	case SL_TYPE_INTERVAL:
		((sl_interval *)data)[row] = v->as.iv;
		break;
	case SL_TYPE_UUID:
		((sl_int128 *)data)[row] = v->as.i128;
		break;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON: {
		sl_bytes *by = &((sl_bytes *)data)[row];
		by->ptr = sl_arena_copy(&b->arena, v->bytes, v->len);
		assert_non_null(by->ptr);
		by->len = (uint32_t)v->len;
		break;
	}
	default:
		fail();
	}
	sl_batch_set_valid(b, col, row);
}

static sl_batch *all_types_batch(sl_table_schema **schema_out)
{
	sl_table_schema *s = sl_schema_new("db", "all_types");
	assert_non_null(s);
	for (size_t i = 0; i < SL_ARRAY_LEN(batch_cols); i++) {
		const batch_col *c = &batch_cols[i];
		assert_int_equal(sl_schema_add_column(s, c->name, c->type, c->precision, c->scale,
						      true, NULL),
				 (int)i);
	}
	sl_batch *b = sl_batch_new(s, 0);
	assert_non_null(b);
	/* row 0: the values, row 1: all NULL */
	for (size_t i = 0; i < SL_ARRAY_LEN(batch_cols); i++) {
		const batch_col *c = &batch_cols[i];
		sl_value v = SL_VALUE_INIT;
		parse_ok(&v, c->type, c->precision, c->scale, c->text);
		store_cell(b, i, 0, &v);
		sl_value_clear(&v);
	}
	b->nrows = 2;
	*schema_out = s;
	return b;
}

static void test_batch_cells(void **state)
{
	(void)state;
	sl_table_schema *s;
	sl_batch *b = all_types_batch(&s);
	for (size_t i = 0; i < SL_ARRAY_LEN(batch_cols); i++) {
		const batch_col *c = &batch_cols[i];
		sl_buf buf = SL_BUF_INIT;
		sl_buf_puts(&buf, "<");
		sl_value_format_batch(&buf, b, i, 0);
		sl_buf_puts(&buf, ">");
		char want[128];
		snprintf(want, sizeof(want), "<%s>", c->text);
		assert_string_equal(sl_buf_cstr(&buf), want);
		sl_buf_reset(&buf);
		sl_value_format_batch(&buf, b, i, 1); /* NULL appends nothing */
		assert_int_equal(buf.len, 0);
		sl_buf_free(&buf);

		sl_value v = SL_VALUE_INIT, p = SL_VALUE_INIT;
		assert_int_equal(sl_value_from_batch(&v, b, i, 0), SL_OK);
		assert_false(v.is_null);
		assert_int_equal(v.type, c->type);
		assert_int_equal(v.precision, c->precision);
		assert_int_equal(v.scale, c->scale);
		assert_text(&v, c->text);
		parse_ok(&p, c->type, c->precision, c->scale, c->text);
		assert_int_equal(sl_value_compare(&v, &p), 0);
		assert_int_equal(sl_value_compare_batch(b, i, 0, &p), 0);
		assert_true(sl_value_compare_batch(b, i, 1, &p) < 0); /* NULL first */
		if (sl_type_is_varlen(c->type)) {
			/* an owned copy, not the arena's bytes */
			const sl_bytes *by = &((const sl_bytes *)sl_batch_data(b, i))[0];
			assert_ptr_not_equal(v.bytes, by->ptr);
			assert_int_equal(v.bytes[v.len], '\0');
		}
		/* reuse `v` for the NULL cell: its old bytes are released */
		assert_int_equal(sl_value_from_batch(&v, b, i, 1), SL_OK);
		assert_true(v.is_null);
		assert_null(v.bytes);
		assert_true(sl_value_compare(&v, &p) < 0);
		sl_value_clear(&v);
		sl_value_clear(&p);
	}
	sl_batch_free(b);
	sl_schema_free(s);
}

/* Neighbouring values compare the right way round against a batch cell, per physical width. */
static void test_batch_compare_neighbours(void **state)
{
	(void)state;
	sl_table_schema *s;
	sl_batch *b = all_types_batch(&s);
	static const struct {
		const char *col, *below, *above;
	} n[] = {
		{"i8", NULL, "-127"},
		{"u64", "18446744073709551614", NULL},
		{"u32", "4294967294", "9999999999"},
		{"f", "0.099999994", "0.10000001"},
		{"d", "0", "1e-323"},
		{"dec4", NULL, "-99.98"},
		{"dec9", "999999.998", NULL},
		{"dec18", NULL, "-99999999999999.9998"},
		{"dec38", "9999999999999999999999999999.9999999998", NULL},
		{"t", "caf", "cag"},
		{"dt", "0000-12-31", "0001-01-02"},
		{"tm", "-839:00:00", "-838:59:58"},
		{"ts", "1969-12-31 23:59:59.999998", "1970-01-01 00:00:00"},
		{"iv", "1 months 2 days 02:59:59", "1 months 2 days 03:00:01"},
		{"u", "123e4567-e89b-12d3-a456-426614173fff",
		 "123e4567-e89b-12d3-a456-426614174001"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(n); i++) {
		int col = sl_schema_find(s, n[i].col);
		assert_true(col >= 0);
		const sl_column *c = &s->columns[col];
		sl_value v = SL_VALUE_INIT;
		if (n[i].below) {
			parse_ok(&v, c->type, c->precision, c->scale, n[i].below);
			assert_true(sl_value_compare_batch(b, (size_t)col, 0, &v) > 0);
		}
		if (n[i].above) {
			parse_ok(&v, c->type, c->precision, c->scale, n[i].above);
			assert_true(sl_value_compare_batch(b, (size_t)col, 0, &v) < 0);
		}
		sl_value_clear(&v);
	}
	sl_batch_free(b);
	sl_schema_free(s);
}

/* TEXT and BLOB cells with zero bytes keep every byte through format, copy and compare. */
static void test_zero_bytes(void **state)
{
	(void)state;
	sl_table_schema *s = sl_schema_new(NULL, "z");
	sl_schema_add_column(s, "t", SL_TYPE_TEXT, 0, 0, true, NULL);
	sl_schema_add_column(s, "b", SL_TYPE_BLOB, 0, 0, true, NULL);
	sl_batch *b = sl_batch_new(s, 0);
	assert_non_null(b);
	static const char t0[] = "a\0b\0";
	static const char b0[] = "\0\0\xff";
	sl_bytes *tc = sl_batch_data(b, 0), *bc = sl_batch_data(b, 1);
	tc[0].ptr = sl_arena_copy(&b->arena, t0, 4);
	tc[0].len = 4;
	bc[0].ptr = sl_arena_copy(&b->arena, b0, 3);
	bc[0].len = 3;
	tc[1].ptr = sl_arena_copy(&b->arena, "", 0); /* empty, not NULL */
	tc[1].len = 0;
	sl_batch_set_valid(b, 0, 0);
	sl_batch_set_valid(b, 1, 0);
	sl_batch_set_valid(b, 0, 1);
	b->nrows = 2;

	sl_buf buf = SL_BUF_INIT;
	sl_value_format_batch(&buf, b, 0, 0);
	assert_int_equal(buf.len, 4);
	assert_memory_equal(buf.data, t0, 4);
	sl_buf_reset(&buf);
	sl_value_format_batch(&buf, b, 1, 0);
	assert_int_equal(buf.len, 3);
	assert_memory_equal(buf.data, b0, 3);
	sl_buf_free(&buf);

	sl_value v = SL_VALUE_INIT, c = SL_VALUE_INIT, e = SL_VALUE_INIT;
	assert_int_equal(sl_value_from_batch(&v, b, 0, 0), SL_OK);
	assert_int_equal(v.len, 4);
	assert_memory_equal(v.bytes, t0, 5); /* with the terminating NUL */
	assert_int_equal(sl_value_copy(&c, &v), SL_OK);
	assert_ptr_not_equal(c.bytes, v.bytes);
	assert_int_equal(c.len, 4);
	assert_memory_equal(c.bytes, t0, 4);
	assert_int_equal(sl_value_compare(&c, &v), 0);
	assert_int_equal(sl_value_compare_batch(b, 0, 0, &c), 0);
	c.len = 3; /* "a\0b" < "a\0b\0" */
	assert_true(sl_value_compare_batch(b, 0, 0, &c) > 0);
	c.len = 4;

	assert_int_equal(sl_value_from_batch(&e, b, 0, 1), SL_OK);
	assert_false(e.is_null);
	assert_int_equal(e.len, 0);
	assert_non_null(e.bytes);
	assert_true(sl_value_compare(&e, &v) < 0);
	assert_true(sl_value_compare_batch(b, 0, 1, &v) < 0);

	/* copying over a value that owns bytes frees them (LeakSanitizer checks) */
	assert_int_equal(sl_value_copy(&c, &e), SL_OK);
	assert_int_equal(c.len, 0);
	sl_value null = SL_VALUE_INIT;
	assert_int_equal(sl_value_copy(&v, &null), SL_OK);
	assert_true(v.is_null);
	assert_null(v.bytes);

	sl_value_clear(&v);
	sl_value_clear(&c);
	sl_value_clear(&e);
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_value_copy(void **state)
{
	(void)state;
	sl_value a = SL_VALUE_INIT, b = SL_VALUE_INIT;
	parse_ok(&a, SL_TYPE_TEXT, 0, 0, "hello");
	assert_int_equal(sl_value_copy(&b, &a), SL_OK);
	assert_ptr_not_equal(a.bytes, b.bytes);
	sl_value_clear(&a);
	assert_string_equal(b.bytes, "hello");
	assert_int_equal(b.len, 5);
	/* a fixed-width value over a text one: no bytes left behind */
	parse_ok(&a, SL_TYPE_DECIMAL, 38, 2, "-12.34");
	assert_int_equal(sl_value_copy(&b, &a), SL_OK);
	assert_null(b.bytes);
	assert_int_equal(b.type, SL_TYPE_DECIMAL);
	assert_int_equal(b.precision, 38);
	assert_int_equal(b.scale, 2);
	assert_text(&b, "-12.34");
	assert_int_equal(sl_value_compare(&a, &b), 0);
	/* parse over a text value frees it */
	parse_ok(&a, SL_TYPE_TEXT, 0, 0, "x");
	parse_ok(&a, SL_TYPE_INT64, 0, 0, "1");
	assert_null(a.bytes);
	/* a failed parse over a text value leaves a NULL */
	parse_ok(&a, SL_TYPE_TEXT, 0, 0, "x");
	assert_int_equal(sl_value_parse(&a, SL_TYPE_DATE, 0, 0, "x"), SL_ETYPE);
	assert_true(a.is_null);
	assert_null(a.bytes);
	sl_value_clear(&a);
	sl_value_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_error_message_names_input),
		cmocka_unit_test(test_internal_values),
		cmocka_unit_test(test_parse_with_length),
		cmocka_unit_test(test_double_shortest_many),
		cmocka_unit_test(test_float_shortest_many),
		cmocka_unit_test(test_compare_order),
		cmocka_unit_test(test_compare_special),
		cmocka_unit_test(test_apply_lag),
		cmocka_unit_test(test_apply_lag_errors),
		cmocka_unit_test(test_calendar_anchors),
		cmocka_unit_test(test_calendar_every_day),
		cmocka_unit_test(test_batch_cells),
		cmocka_unit_test(test_batch_compare_neighbours),
		cmocka_unit_test(test_zero_bytes),
		cmocka_unit_test(test_value_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
