/*
 * value.h — one typed scalar value, for the values that leave a batch: incremental cursor values,
 * primary key values at the boundary, bounds bound into queries. Converts to and from text in a
 * canonical form (the form stored in the state and shown to users):
 *   integers "42", "-7"; DECIMAL "123.45" (exactly `scale` digits after the point);
 *   FLOAT/DOUBLE shortest round-trip ("0.1", "nan", "inf", "-inf"); BOOL "true"/"false";
 *   DATE "2024-01-31"; TIME "12:00:00" or "12:00:00.250000";
 *   TIMESTAMP(TZ) "2024-01-31 12:00:00" or with ".ffffff" (TIMESTAMPTZ in UTC, no suffix);
 *   INTERVAL "[-]HHH:MM:SS[.ffffff]" when it has no months or days (MySQL TIME), else
 *   "M months D days [-]HH:MM:SS[.ffffff]"; TEXT and JSON as is; BLOB as raw bytes.
 */
#ifndef SL_VALUE_H
#define SL_VALUE_H

#include "batch.h"

typedef struct sl_value {
	sl_type type;
	int precision, scale; /* DECIMAL */
	bool is_null;
	union {
		int64_t i64;	/* BOOL, signed ints, DATE, TIME, TIMESTAMP(TZ), DECIMAL p<=18 */
		uint64_t u64;	/* unsigned ints */
		double f64;	/* FLOAT, DOUBLE */
		sl_int128 i128; /* DECIMAL p>18, UUID */
		sl_interval iv; /* INTERVAL */
	} as;
	char *bytes; /* TEXT, BLOB, JSON: owned copy, NUL-terminated */
	size_t len;
} sl_value;

#define SL_VALUE_INIT                                   \
	{                                               \
		SL_TYPE_INT64, 0, 0, true, {0}, NULL, 0 \
	}

/* Copy the value at (col,row) of a batch into `out` (which owns a copy of any bytes). */
int sl_value_from_batch(sl_value *out, const sl_batch *batch, size_t col, size_t row);

/* Parse canonical (and common) text into a value of the given type; SL_ETYPE says why not. */
int sl_value_parse(sl_value *out, sl_type type, int precision, int scale, const char *text);

/* Canonical text (caller frees). */
char *sl_value_to_text(const sl_value *value);

/* Format the value at (col,row) of a batch as canonical text into buf (appended). */
void sl_value_format_batch(sl_buf *buf, const sl_batch *batch, size_t col, size_t row);

/* <0, 0, >0 like strcmp; NULLs sort first. Both must have the same type. Text compares bytes. */
int sl_value_compare(const sl_value *a, const sl_value *b);

/* Compare the value at (col,row) with `v` without copying. */
int sl_value_compare_batch(const sl_batch *batch, size_t col, size_t row, const sl_value *v);

/* Subtract a lag ("3600" seconds for temporal types, units for numbers) from `v` in place. */
int sl_value_apply_lag(sl_value *v, const char *lag);

int sl_value_copy(sl_value *out, const sl_value *in);

/* ---- arithmetic shared by drivers, written once ------------------------------------------ */

/* 128-bit integers (GCC and Clang) for DECIMAL(p > 18), UUIDs and overflow-free checks. */
__extension__ typedef __int128 sl_i128;
__extension__ typedef unsigned __int128 sl_u128;

#define SL_MICROS_PER_SEC INT64_C(1000000)
#define SL_MICROS_PER_DAY (INT64_C(86400) * SL_MICROS_PER_SEC)

/* a / b rounded toward negative infinity (b > 0): the day of a negative timestamp. */
static inline int64_t sl_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline sl_i128 sl_i128_from(sl_int128 v)
{
	return (sl_i128)(((sl_u128)(uint64_t)v.hi << 64) | v.lo);
}

static inline sl_int128 sl_int128_from(sl_i128 v)
{
	sl_int128 out = {(uint64_t)(sl_u128)v, (int64_t)(v >> 64)};
	return out;
}

/* 10^n for 0 <= n <= 38. */
sl_i128 sl_pow10_i128(int n);

/* Calendar helpers shared by drivers (proleptic Gregorian, any year). */
int32_t sl_days_from_civil(int64_t year, unsigned month, unsigned day);
void sl_civil_from_days(int32_t days, int64_t *year, unsigned *month, unsigned *day);
/* Microseconds since the epoch from a civil date and time of day. */
int64_t sl_micros_from_civil(int64_t year, unsigned month, unsigned day, unsigned hour,
			     unsigned minute, unsigned second, unsigned micros);

/* Parse "YYYY-MM-DD[( |T)HH:MM[:SS[.f...]]][Z|+00|+00:00|...]" into micros since the epoch (UTC
   offsets applied); SL_ETYPE if malformed. */
int sl_parse_timestamp(int64_t *out, const char *text, size_t len);
int sl_parse_date(int32_t *out, const char *text, size_t len);
/* "[-]H+:MM:SS[.f...]" into microseconds (no 24h limit). */
int sl_parse_time(int64_t *out, const char *text, size_t len);
/* Decimal text ("-12.5", "1e3" not allowed) scaled to `scale` digits: 12.5 at scale 2 -> 1250.
   Extra fractional digits round half away from zero. SL_ETYPE if malformed or over 38 digits. */
int sl_parse_decimal(sl_int128 *out, const char *text, size_t len, int scale);
void sl_value_clear(sl_value *v); /* frees bytes, back to NULL */
/* A scaled DECIMAL value has at most `precision` digits (1..38). */
bool sl_decimal_fits(sl_int128 value, int precision);

#endif
