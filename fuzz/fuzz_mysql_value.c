/*
 * fuzz_mysql_value.c — libFuzzer target for the MySQL source's decoding of binary-protocol values
 * into typed batch columns (sl_mysql_decode_value, src/sources/mysql_value.c), without a server.
 *
 * Input: byte 0 picks the result field's MySQL type, byte 1 its flags (bit 0 UNSIGNED), whether
 * the value is NULL (bit 1) and a DECIMAL's scale (bits 2-7), byte 2 the batch column's type,
 * byte 3 a DECIMAL's precision, bytes 4-5 the field's declared length (little-endian); the rest is the value as the
 * server sends it. It is put into the bound buffer the way libmariadb does (integers and floats
 * as their bytes, temporal values through the protocol's length-prefixed layout into a
 * MYSQL_TIME, the rest as bytes), then decoded into a one-row batch. Invariants:
 *  - a refusal is SL_ETYPE with a bounded one-line message;
 *  - an accepted value is NULL exactly when the input is NULL or an impossible date, and else
 *    the same value: integers and floats equal, DECIMAL digits that read back to the same
 *    number within the precision, bytes identical, dates and times that convert back to the
 *    same fields.
 * A broken invariant aborts, so the corpus replay (fuzz/replay.c) fails too.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/mysql_value.h"
#include "schema.h"
#include "value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz_mysql_value: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                                \
			abort();                                                                 \
		}                                                                                \
	} while (0)

static const enum enum_field_types field_types[] = {
	MYSQL_TYPE_TINY,      MYSQL_TYPE_SHORT,	     MYSQL_TYPE_LONG,	   MYSQL_TYPE_INT24,
	MYSQL_TYPE_LONGLONG,  MYSQL_TYPE_YEAR,	     MYSQL_TYPE_FLOAT,	   MYSQL_TYPE_DOUBLE,
	MYSQL_TYPE_DECIMAL,   MYSQL_TYPE_NEWDECIMAL, MYSQL_TYPE_DATE,	   MYSQL_TYPE_NEWDATE,
	MYSQL_TYPE_DATETIME,  MYSQL_TYPE_TIMESTAMP,  MYSQL_TYPE_TIME,	   MYSQL_TYPE_BIT,
	MYSQL_TYPE_VARCHAR,   MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_STRING,	   MYSQL_TYPE_BLOB,
	MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_LONG_BLOB,  MYSQL_TYPE_JSON,	   MYSQL_TYPE_ENUM,
	MYSQL_TYPE_SET,	      MYSQL_TYPE_GEOMETRY,   MYSQL_TYPE_NULL,	   MYSQL_TYPE_MEDIUM_BLOB,
	MYSQL_TYPE_DATETIME2, MYSQL_TYPE_TIME2,	     MYSQL_TYPE_TIMESTAMP2};

static bool is_temporal(enum enum_field_types t)
{
	return t == MYSQL_TYPE_DATE || t == MYSQL_TYPE_NEWDATE || t == MYSQL_TYPE_DATETIME ||
	       t == MYSQL_TYPE_TIMESTAMP || t == MYSQL_TYPE_TIME;
}

static int int_width(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
		return 1;
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_YEAR:
		return 2;
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
		return 4;
	case MYSQL_TYPE_LONGLONG:
		return 8;
	default:
		return 0;
	}
}

static int32_t le32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/*
 * The protocol's temporal layout (a length byte, then the fields) into a MYSQL_TIME, as
 * libmariadb's convert_to_datetime (ma_stmt_codec.c) does it, including its unchecked casts:
 * DATE/DATETIME: year (int16), month, day [, hour, minute, second [, micros (int32)]];
 * TIME: neg, days (int32), hour, minute, second [, micros (int32)], days folded into hours
 * and then cleared (ps_fetch_datetime, for a TIME buffer).
 */
static void wire_to_time(MYSQL_TIME *t, enum enum_field_types type, const uint8_t *p, size_t n)
{
	memset(t, 0, sizeof(*t));
	size_t len = n ? p[0] : 0;
	p++;
	if (len > n - (n ? 1 : 0))
		len = 0; /* libmariadb checked the packet: a short value is not delivered */
	if (!len)
		return;
	uint8_t to[16] = {0};
	memcpy(to, p, len < sizeof(to) ? len : sizeof(to));
	const uint8_t *q = to;
	unsigned offset = 7;
	bool has_date = false;
	if (type == MYSQL_TYPE_TIME) {
		t->neg = q[0];
		t->day = (unsigned)le32(q + 1);
		t->time_type = MYSQL_TIMESTAMP_TIME;
		offset = 8;
		q++;
	} else {
		t->year = (unsigned)(int16_t)(q[0] | q[1] << 8);
		t->month = q[2];
		t->day = q[3];
		t->time_type = MYSQL_TIMESTAMP_DATE;
		if (type == MYSQL_TYPE_DATE || type == MYSQL_TYPE_NEWDATE)
			return;
		has_date = true;
	}
	if (len > 4) {
		t->hour = q[4];
		if (type == MYSQL_TYPE_TIME)
			t->hour += t->day * 24;
		t->minute = q[5];
		t->second = q[6];
		if (has_date)
			t->time_type = MYSQL_TIMESTAMP_DATETIME;
	}
	if (len > offset)
		t->second_part = (unsigned long)le32(q + 7);
	if (type == MYSQL_TYPE_TIME)
		t->year = t->day = t->month = 0;
}

static bool valid_civil(const MYSQL_TIME *t)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (t->year > 9999 || t->month < 1 || t->month > 12 || t->day < 1)
		return false;
	unsigned y = t->year;
	bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	unsigned max = mdays[t->month - 1] + (t->month == 2 && leap);
	return t->day <= max && t->hour < 24 && t->minute < 60 && t->second < 60 &&
	       t->second_part < 1000000;
}

static void check_int(const sl_batch *b, sl_type t, const uint8_t *raw, int width, bool is_uns)
{
	uint64_t u = 0;
	for (int i = width - 1; i >= 0; i--)
		u = u << 8 | raw[i];
	int64_t sv;
	if (is_uns)
		sv = (int64_t)u;
	else if (width == 8)
		sv = (int64_t)u;
	else
		sv = (int64_t)(u ^ (UINT64_C(1) << (8 * width - 1))) -
		     (int64_t)(UINT64_C(1) << (8 * width - 1));
	const void *d = b->columns[0].data;
	switch (t) {
	case SL_TYPE_BOOL:
		CHECK(((const uint8_t *)d)[0] == (u != 0));
		break;
	case SL_TYPE_INT8:
		CHECK(((const int8_t *)d)[0] == sv);
		break;
	case SL_TYPE_INT16:
		CHECK(((const int16_t *)d)[0] == sv);
		break;
	case SL_TYPE_INT32:
		CHECK(((const int32_t *)d)[0] == sv);
		break;
	case SL_TYPE_INT64:
		CHECK(is_uns ? u <= INT64_MAX && ((const int64_t *)d)[0] == (int64_t)u
			     : ((const int64_t *)d)[0] == sv);
		break;
	case SL_TYPE_UINT8:
		CHECK(((const uint8_t *)d)[0] == u);
		break;
	case SL_TYPE_UINT16:
		CHECK(((const uint16_t *)d)[0] == u);
		break;
	case SL_TYPE_UINT32:
		CHECK(((const uint32_t *)d)[0] == u);
		break;
	case SL_TYPE_UINT64:
		CHECK(((const uint64_t *)d)[0] == u);
		break;
	default:
		CHECK(!"an integer field accepted into a non-integer column");
	}
}

static void check_time(const sl_batch *b, sl_type t, const MYSQL_TIME *tm, bool is_time)
{
	const void *d = b->columns[0].data;
	if (is_time) {
		CHECK(t == SL_TYPE_INTERVAL);
		const sl_interval *iv = d;
		int64_t us =
			((((int64_t)tm->day * 24 + tm->hour) * 60 + tm->minute) * 60 + tm->second) *
				1000000 +
			(int64_t)tm->second_part;
		CHECK(iv->months == 0 && iv->days == 0 && iv->micros == (tm->neg ? -us : us));
		return;
	}
	int64_t micros = t == SL_TYPE_DATE ? (int64_t)((const int32_t *)d)[0] * 86400000000
					   : ((const int64_t *)d)[0];
	int64_t day_us = INT64_C(86400000000);
	int64_t days = micros / day_us - (micros % day_us < 0);
	int64_t rest = micros - days * day_us;
	int64_t y;
	unsigned m, dd;
	sl_civil_from_days((int32_t)days, &y, &m, &dd);
	CHECK(y == tm->year && m == tm->month && dd == tm->day);
	if (t == SL_TYPE_DATE)
		return;
	CHECK(rest == (((int64_t)tm->hour * 60 + tm->minute) * 60 + tm->second) * 1000000 +
			      (int64_t)tm->second_part);
}

static void check_decimal(const sl_batch *b, const uint8_t *raw, size_t len)
{
	const sl_vector *v = &b->columns[0];
	sl_int128 want;
	CHECK(sl_parse_decimal(&want, (const char *)raw, len, v->scale) == SL_OK);
	CHECK(sl_decimal_fits(want, v->precision));
	/* what the batch holds, as canonical text, reads back to the same number */
	sl_buf text = SL_BUF_INIT;
	sl_value_format_batch(&text, b, 0, 0);
	sl_int128 got;
	CHECK(!text.failed);
	CHECK(sl_parse_decimal(&got, sl_buf_cstr(&text), text.len, v->scale) == SL_OK);
	CHECK(got.lo == want.lo && got.hi == want.hi);
	sl_buf_free(&text);
}

static void check_accepted(const sl_batch *b, const sl_mysql_value *v, const uint8_t *raw,
			   size_t rlen)
{
	sl_type t = b->columns[0].type;
	bool valid = sl_batch_is_valid(b, 0, 0);
	if (v->is_null || v->field_type == MYSQL_TYPE_NULL) {
		CHECK(!valid || v->field_type == MYSQL_TYPE_NULL);
		return;
	}
	int width = int_width(v->field_type);
	if (width) {
		CHECK(valid);
		check_int(b, t, v->bytes, width, (v->flags & UNSIGNED_FLAG) != 0);
	} else if (v->field_type == MYSQL_TYPE_FLOAT || v->field_type == MYSQL_TYPE_DOUBLE) {
		CHECK(valid);
		double want = v->field_type == MYSQL_TYPE_FLOAT ? *(const float *)v->bytes
								: *(const double *)v->bytes;
		double got = t == SL_TYPE_FLOAT ? ((const float *)b->columns[0].data)[0]
						: ((const double *)b->columns[0].data)[0];
		CHECK(t == SL_TYPE_DOUBLE || v->field_type == MYSQL_TYPE_FLOAT);
		CHECK((isnan(want) && isnan(got)) || memcmp(&want, &got, sizeof(got)) == 0);
	} else if (is_temporal(v->field_type)) {
		const MYSQL_TIME *tm = v->bytes;
		bool is_time = v->field_type == MYSQL_TYPE_TIME;
		CHECK(valid == (is_time || valid_civil(tm)));
		if (valid)
			check_time(b, t, tm, is_time);
	} else if ((v->field_type == MYSQL_TYPE_DECIMAL ||
		    v->field_type == MYSQL_TYPE_NEWDECIMAL) &&
		   t == SL_TYPE_DECIMAL) {
		CHECK(valid);
		check_decimal(b, raw, rlen);
	} else if (v->field_type == MYSQL_TYPE_BIT) {
		CHECK(valid && (t == SL_TYPE_BOOL || t == SL_TYPE_UINT64));
	} else {
		CHECK(valid && sl_type_is_varlen(t));
		const sl_bytes *got = b->columns[0].data;
		CHECK(got->len == rlen && (rlen == 0 || memcmp(got->ptr, raw, rlen) == 0));
	}
}

static void check_refused(int rc)
{
	const sl_error *err = sl_error_last();
	CHECK(rc == SL_ETYPE && err->code == SL_ETYPE);
	CHECK(strlen(err->message) < 1000);
	for (const char *c = err->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			fprintf(stderr, "fuzz_mysql_value: message is not one line: %s\n",
				err->message);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 6 || size > 70000)
		return 0;
	sl_mysql_value v = {0};
	v.field_type = field_types[data[0] % SL_ARRAY_LEN(field_types)];
	v.flags = data[1] & 1 ? UNSIGNED_FLAG : 0;
	v.is_null = (data[1] & 2) != 0;
	sl_type target = (sl_type)(data[2] % SL_TYPE__COUNT);
	int precision = 1 + data[3] % 38;
	int scale = (data[1] >> 2) % (precision + 1);
	v.field_length = (unsigned long)data[4] | (unsigned long)data[5] << 8;
	const uint8_t *raw = data + 6;
	size_t rlen = size - 6;

	/* the bound buffer's content, as libmariadb leaves it */
	uint8_t fixed[8] = {0};
	MYSQL_TIME tm;
	int width = int_width(v.field_type);
	if (width || v.field_type == MYSQL_TYPE_FLOAT || v.field_type == MYSQL_TYPE_DOUBLE) {
		size_t n = width ? (size_t)width : v.field_type == MYSQL_TYPE_FLOAT ? 4 : 8;
		memcpy(fixed, raw, rlen < n ? rlen : n);
		v.bytes = fixed;
		v.length = (unsigned long)n;
	} else if (is_temporal(v.field_type)) {
		wire_to_time(&tm, v.field_type, raw, rlen);
		v.bytes = &tm;
		v.length = sizeof(tm);
	} else {
		v.bytes = raw;
		v.length = (unsigned long)rlen;
	}

	sl_table_schema *schema = sl_schema_new(NULL, "t");
	CHECK(schema);
	CHECK(sl_schema_add_column(schema, "c", target, target == SL_TYPE_DECIMAL ? precision : 0,
				   target == SL_TYPE_DECIMAL ? scale : 0, true, "fuzz") >= 0);
	sl_batch *b = sl_batch_new(schema, 0);
	CHECK(b);
	int rc = sl_mysql_decode_value(b, 0, 0, &v);
	if (rc == SL_OK)
		check_accepted(b, &v, raw, rlen);
	else
		check_refused(rc);
	sl_batch_free(b);
	sl_schema_free(schema);
	sl_error_clear();
	return 0;
}
