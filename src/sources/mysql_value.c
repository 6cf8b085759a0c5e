/*
 * mysql_value.c — MySQL binary-protocol values into batches: how each result field is staged in
 * the buffer bound for it (by its MySQL type), whether that fits the column's portable type, and
 * the decoding of each fetched row, value by value, into the batch's typed arrays. Per value:
 * the hot path of a MySQL scan. sl_mysql_decode_value (mysql_value.h) runs the same decoding
 * without a server, for fuzz/fuzz_mysql_value.c.
 */
#include "mysql_value.h"

#include "value.h"

#include <string.h>

/* MySQL TIME is -838:59:59.999999 .. 838:59:59.999999; far more is room to spare. */
#define MY_TIME_MAX_HOURS (INT64_C(24) * 366 * 10000)

void sl_my_stage_of(my_col *mc, enum enum_field_types type, unsigned flags, unsigned long length)
{
	mc->field_type = type;
	mc->is_unsigned = (flags & UNSIGNED_FLAG) != 0;
	switch (type) {
	case MYSQL_TYPE_TINY:
		mc->stage = ST_INT, mc->width = 1;
		break;
	case MYSQL_TYPE_SHORT:
		mc->stage = ST_INT, mc->width = 2;
		break;
	case MYSQL_TYPE_YEAR:
		mc->stage = ST_YEAR, mc->width = 2, mc->field_type = MYSQL_TYPE_SHORT;
		break;
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
		mc->stage = ST_INT, mc->width = 4, mc->field_type = MYSQL_TYPE_LONG;
		break;
	case MYSQL_TYPE_LONGLONG:
		mc->stage = ST_INT, mc->width = 8;
		break;
	case MYSQL_TYPE_FLOAT:
		mc->stage = ST_FLOAT;
		break;
	case MYSQL_TYPE_DOUBLE:
		mc->stage = ST_DOUBLE;
		break;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
		mc->stage = ST_DECIMAL, mc->cap = 96;
		break;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE:
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_TIME:
		mc->stage = ST_TIME;
		mc->field_type = type == MYSQL_TYPE_NEWDATE ? MYSQL_TYPE_DATE : type;
		break;
	case MYSQL_TYPE_BIT:
		mc->stage = ST_BIT, mc->cap = 8;
		break;
	default:
		mc->stage = ST_BYTES;
		mc->cap = length < MY_BYTES_MIN	  ? MY_BYTES_MIN
			  : length > MY_BYTES_MAX ? MY_BYTES_MAX
						  : length;
		break;
	}
}

/* Bytes of an integer type (BOOL: 1). */
static int int_size(sl_type t)
{
	switch (t) {
	case SL_TYPE_INT16:
	case SL_TYPE_UINT16:
		return 2;
	case SL_TYPE_INT32:
	case SL_TYPE_UINT32:
		return 4;
	case SL_TYPE_INT64:
	case SL_TYPE_UINT64:
		return 8;
	default:
		return 1;
	}
}

/*
 * An integer of `width` bytes fits `t` without wrapping: a wider (or as wide, same signedness)
 * type. BOOL takes any integer (BOOLEAN is TINYINT(1), the seen flag a BIGINT expression: not
 * zero is true).
 */
static bool int_fits(const my_col *mc, sl_type t)
{
	if (t == SL_TYPE_BOOL)
		return true;
	bool t_unsigned = sl_type_is_unsigned(t);
	if (mc->is_unsigned == t_unsigned)
		return int_size(t) >= mc->width;
	return mc->is_unsigned && int_size(t) > mc->width;
}

/*
 * The field as it arrives can be read into the target type without losing anything. The target
 * comes from reflecting the same column, so they agree unless the table was altered between
 * reflection and the query: then a narrower target is refused rather than wrapped or cut.
 */
bool sl_my_stage_fits(const my_col *mc)
{
	sl_type t = mc->target;
	if (mc->field_type == MYSQL_TYPE_NULL) /* a NULL literal: never decoded */
		return true;
	switch (mc->stage) {
	case ST_INT:
		return sl_type_is_integer(t) && int_fits(mc, t);
	case ST_YEAR: /* checked per value: SMALLINT or wider */
		return sl_type_is_integer(t) && t != SL_TYPE_BOOL && int_size(t) >= 2;
	case ST_BIT:
		return t == SL_TYPE_BOOL || t == SL_TYPE_UINT64;
	case ST_FLOAT:
		return t == SL_TYPE_FLOAT || t == SL_TYPE_DOUBLE;
	case ST_DOUBLE:
		return t == SL_TYPE_DOUBLE;
	case ST_DECIMAL:
		return t == SL_TYPE_DECIMAL || t == SL_TYPE_TEXT;
	case ST_TIME:
		if (mc->field_type == MYSQL_TYPE_TIME)
			return t == SL_TYPE_INTERVAL;
		if (mc->field_type == MYSQL_TYPE_DATE)
			return t == SL_TYPE_DATE || t == SL_TYPE_TIMESTAMP;
		return t == SL_TYPE_TIMESTAMP || t == SL_TYPE_TIMESTAMPTZ;
	case ST_BYTES:
		return sl_type_is_varlen(t);
	}
	return false;
}

void sl_my_bind_col(MYSQL_BIND *b, my_col *mc)
{
	memset(b, 0, sizeof(*b));
	b->is_null = &mc->is_null;
	b->error = &mc->error;
	b->length = &mc->length;
	b->is_unsigned = mc->is_unsigned;
	switch (mc->stage) {
	case ST_INT:
	case ST_YEAR:
		b->buffer_type = mc->field_type;
		b->buffer = &mc->v.i;
		b->buffer_length = sizeof(mc->v.i);
		break;
	case ST_FLOAT:
		b->buffer_type = MYSQL_TYPE_FLOAT;
		b->buffer = &mc->v.f;
		b->buffer_length = sizeof(mc->v.f);
		break;
	case ST_DOUBLE:
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &mc->v.d;
		b->buffer_length = sizeof(mc->v.d);
		break;
	case ST_TIME:
		b->buffer_type = mc->field_type;
		b->buffer = &mc->v.t;
		b->buffer_length = sizeof(mc->v.t);
		break;
	case ST_DECIMAL:
	case ST_BIT:
	case ST_BYTES:
		b->buffer_type = MYSQL_TYPE_BLOB;
		b->buffer = mc->buf;
		b->buffer_length = mc->cap;
		break;
	}
}

static void put_int(void *data, size_t row, sl_type t, int64_t sv, uint64_t uv)
{
	switch (t) {
	case SL_TYPE_BOOL:
		((uint8_t *)data)[row] = uv != 0;
		break;
	case SL_TYPE_INT8:
		((int8_t *)data)[row] = (int8_t)sv;
		break;
	case SL_TYPE_INT16:
		((int16_t *)data)[row] = (int16_t)sv;
		break;
	case SL_TYPE_INT32:
		((int32_t *)data)[row] = (int32_t)sv;
		break;
	case SL_TYPE_INT64:
		((int64_t *)data)[row] = sv;
		break;
	case SL_TYPE_UINT8:
		((uint8_t *)data)[row] = (uint8_t)uv;
		break;
	case SL_TYPE_UINT16:
		((uint16_t *)data)[row] = (uint16_t)uv;
		break;
	case SL_TYPE_UINT32:
		((uint32_t *)data)[row] = (uint32_t)uv;
		break;
	default:
		((uint64_t *)data)[row] = uv;
		break;
	}
}

static void decode_int(const my_col *mc, void *data, size_t row)
{
	int64_t sv;
	const void *p = &mc->v.i;
	switch (mc->width) {
	case 1:
		sv = mc->is_unsigned ? (int64_t) * (const uint8_t *)p
				     : (int64_t) * (const int8_t *)p;
		break;
	case 2:
		sv = mc->is_unsigned ? (int64_t) * (const uint16_t *)p
				     : (int64_t) * (const int16_t *)p;
		break;
	case 4:
		sv = mc->is_unsigned ? (int64_t) * (const uint32_t *)p
				     : (int64_t) * (const int32_t *)p;
		break;
	default:
		sv = mc->v.i;
		break;
	}
	put_int(data, row, mc->target, sv, (uint64_t)sv);
}

/* YEAR's range is 0..2155 (and 0..99 once); anything else is not a year. */
static int decode_year(const my_col *mc, void *data, size_t row)
{
	uint16_t y;
	memcpy(&y, &mc->v.i, sizeof(y));
	if (y > 9999)
		return sl_error_set(SL_ETYPE, "YEAR value %u is out of range", (unsigned)y);
	put_int(data, row, mc->target, y, y);
	return SL_OK;
}

static void decode_bit(const my_col *mc, void *data, size_t row)
{
	uint64_t u = 0;
	for (unsigned long i = 0; i < mc->length && i < 8; i++)
		u = u << 8 | (uint8_t)mc->buf[i];
	put_int(data, row, mc->target, (int64_t)u, u);
}

/* DECIMAL digits as text (DECIMAL, or TEXT when wider than 38 digits). */
static int decode_decimal(const my_col *mc, sl_batch *b, size_t c, size_t row)
{
	void *data = b->columns[c].data;
	if (mc->length > mc->cap) /* cannot happen with 65 digits at most: never cut digits */
		return sl_error_set(SL_ETYPE, "a DECIMAL value of %lu characters is too long",
				    mc->length);
	if (mc->target == SL_TYPE_TEXT) {
		const char *p = sl_arena_copy(&b->arena, mc->buf, mc->length);
		if (!p)
			return SL_ENOMEM;
		((sl_bytes *)data)[row] = (sl_bytes){p, (uint32_t)mc->length};
		return SL_OK;
	}
	sl_int128 v;
	int rc = sl_parse_decimal(&v, mc->buf, mc->length, mc->scale);
	if (rc)
		return rc;
	int p = mc->precision;
	if (!sl_decimal_fits(v, p))
		return sl_error_set(SL_ETYPE, "'%.*s' does not fit DECIMAL(%d,%d)",
				    (int)(mc->length < 80 ? mc->length : 80), mc->buf, p,
				    mc->scale);
	sl_decimal_store(data, row, p, v);
	return SL_OK;
}

/* A date (and time of day) a calendar has: MySQL's zero and invalid dates are not. */
static bool valid_datetime(const MYSQL_TIME *t)
{
	static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (t->year > 9999 || t->month < 1 || t->month > 12 || t->day < 1 ||
	    t->day > mdays[t->month - 1])
		return false;
	if (t->hour > 23 || t->minute > 59 || t->second > 59 || t->second_part > 999999)
		return false;
	if (t->month == 2 && t->day == 29) {
		unsigned y = t->year;
		return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	}
	return true;
}

/* Returns false for a zero or invalid date (stored as NULL by the caller). */
static int decode_time(const my_col *mc, void *data, size_t row, bool *valid)
{
	const MYSQL_TIME *t = &mc->v.t;
	*valid = true;
	if (mc->field_type == MYSQL_TYPE_TIME) {
		/* libmariadb folds days into hours; add both in case a version does not */
		int64_t hours = (int64_t)t->day * 24 + t->hour;
		if (hours > MY_TIME_MAX_HOURS || t->minute > 59 || t->second > 59 ||
		    t->second_part > 999999)
			return sl_error_set(SL_ETYPE,
					    "TIME value %s%lld:%02u:%02u.%06lu is out of range",
					    t->neg ? "-" : "", (long long)hours, t->minute,
					    t->second, t->second_part);
		int64_t secs = (hours * 60 + t->minute) * 60 + t->second;
		int64_t us = secs * SL_MICROS_PER_SEC + (int64_t)t->second_part;
		((sl_interval *)data)[row] = (sl_interval){0, 0, t->neg ? -us : us};
		return SL_OK;
	}
	if (!valid_datetime(t)) {
		*valid = false;
		return SL_OK;
	}
	int32_t days = sl_days_from_civil(t->year, t->month, t->day);
	if (mc->target == SL_TYPE_DATE) {
		((int32_t *)data)[row] = days;
		return SL_OK;
	}
	int64_t secs = ((int64_t)t->hour * 60 + t->minute) * 60 + t->second;
	((int64_t *)data)[row] =
		days * SL_MICROS_PER_DAY + secs * SL_MICROS_PER_SEC + (int64_t)t->second_part;
	return SL_OK;
}

/* A string or blob: copied into the arena, the tail fetched separately if it outgrew the buffer. */
static int decode_bytes(const my_col *mc, sl_batch *b, size_t c, size_t row, my_fetch_tail *tail,
			void *ctx)
{
	unsigned long len = mc->length;
	if (len == 0) {
		((sl_bytes *)b->columns[c].data)[row] = (sl_bytes){"", 0};
		return SL_OK;
	}
	if (len > UINT32_MAX)
		return sl_error_set(SL_ETYPE, "a value of %lu bytes exceeds 4 GiB", len);
	char *p = sl_arena_alloc(&b->arena, len);
	if (!p)
		return SL_ENOMEM;
	unsigned long head = len < mc->cap ? len : mc->cap;
	memcpy(p, mc->buf, head);
	if (head < len) {
		int rc = tail(ctx, c, p + head, len - head, head);
		if (rc)
			return rc;
	}
	((sl_bytes *)b->columns[c].data)[row] = (sl_bytes){p, (uint32_t)len};
	return SL_OK;
}

/* The per-value hot path of a scan. */
int sl_my_decode_value(my_col *mc, sl_batch *b, size_t c, size_t row, my_fetch_tail *tail,
		       void *ctx)
{
	void *data = b->columns[c].data;
	if (mc->is_null) {
		if (mc->null_is_false) {
			((uint8_t *)data)[row] = 0;
			sl_batch_set_valid(b, c, row);
		} else {
			sl_batch_set_null(b, c, row);
		}
		return SL_OK;
	}
	int rc = SL_OK;
	bool valid = true;
	switch (mc->stage) {
	case ST_INT:
		decode_int(mc, data, row);
		break;
	case ST_YEAR:
		rc = decode_year(mc, data, row);
		break;
	case ST_BIT:
		decode_bit(mc, data, row);
		break;
	case ST_FLOAT:
		if (mc->target == SL_TYPE_FLOAT)
			((float *)data)[row] = mc->v.f;
		else
			((double *)data)[row] = mc->v.f;
		break;
	case ST_DOUBLE:
		((double *)data)[row] = mc->v.d;
		break;
	case ST_DECIMAL:
		rc = decode_decimal(mc, b, c, row);
		break;
	case ST_TIME:
		rc = decode_time(mc, data, row, &valid);
		break;
	case ST_BYTES:
		rc = decode_bytes(mc, b, c, row, tail, ctx);
		break;
	}
	if (rc)
		return rc;
	if (valid) {
		sl_batch_set_valid(b, c, row);
	} else {
		mc->bad_dates++;
		sl_batch_set_null(b, c, row);
	}
	return SL_OK;
}

/* The rest of a long value, from the value's own bytes. */
static int value_tail(void *ctx, size_t c, char *dst, unsigned long len, unsigned long offset)
{
	const sl_mysql_value *v = ctx;
	(void)c;
	memcpy(dst, (const char *)v->bytes + offset, len);
	return SL_OK;
}

int sl_mysql_decode_value(sl_batch *b, size_t c, size_t row, const sl_mysql_value *v)
{
	my_col mc = {0};
	sl_my_stage_of(&mc, v->field_type, v->flags, v->field_length);
	mc.target = b->columns[c].type;
	mc.precision = b->columns[c].precision;
	mc.scale = b->columns[c].scale;
	mc.is_null = v->is_null;
	if (!sl_my_stage_fits(&mc))
		return sl_error_set(SL_ETYPE, "MySQL type %d cannot be read as %s",
				    (int)v->field_type, sl_type_name(mc.target));
	char buf[MY_BYTES_MAX];
	const unsigned char *bytes = v->bytes;
	switch (mc.stage) {
	case ST_INT:
	case ST_YEAR:
	case ST_FLOAT:
	case ST_DOUBLE:
	case ST_TIME: /* the value as libmariadb stores it in the bound buffer */
		memcpy(&mc.v, bytes, v->length < sizeof(mc.v) ? v->length : sizeof(mc.v));
		break;
	default: /* the bytes fill the bound buffer; the rest is the tail */
		mc.buf = buf;
		mc.length = v->length;
		memcpy(buf, bytes, v->length < mc.cap ? v->length : mc.cap);
		break;
	}
	return sl_my_decode_value(&mc, b, c, row, value_tail, (void *)v);
}
