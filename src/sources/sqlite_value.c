/*
 * sqlite_value.c — SQLite's stored values converted to their columns' portable types. A value
 * is converted when that loses nothing, and otherwise refused with SL_ETYPE naming table,
 * column, row and value; DECIMAL rounding to the declared scale and '' in a column that is not
 * text (loaded as NULL) are counted for warnings() instead. sl_sqlite_decode is the per-value
 * hot path of a scan.
 */
#include "sqlite_internal.h"

#include "value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Julian day of 1970-01-01 00:00 in milliseconds, as SQLite's date functions count. */
#define UNIX_EPOCH_JD_MS INT64_C(210866760000000)
/* SQLite's 'auto' modifier: REALs up to here are julian day numbers, beyond are unix seconds. */
#define JD_MAX		 5373484.499999
#define UNIX_MIN	 -210866760000.0
#define UNIX_MAX	 253402300799.0

/* ---- small helpers -------------------------------------------------------------------------- */

static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		/* mostly ASCII: skip 8 bytes at a time while no high bit is set */
		uint64_t word;
		if (n - i >= 8 &&
		    (memcpy(&word, s + i, 8), (word & UINT64_C(0x8080808080808080)) == 0)) {
			i += 8;
			continue;
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp;
		if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += len;
	}
	return true;
}

/* The shortest "%.*g" text that reads back as the same double. */
static void format_double(char *out, size_t cap, double d)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

const char *sl_sqlite_storage_name(int storage)
{
	switch (storage) {
	case SQLITE_INTEGER:
		return "INTEGER";
	case SQLITE_FLOAT:
		return "REAL";
	case SQLITE_TEXT:
		return "TEXT";
	case SQLITE_BLOB:
		return "BLOB";
	default:
		return "NULL";
	}
}

/* ---- error messages naming the row ---------------------------------------------------------- */

static void describe_value(sl_buf *b, sqlite3_stmt *st, int idx)
{
	int storage = sqlite3_column_type(st, idx);
	if (storage == SQLITE_INTEGER) {
		sl_buf_printf(b, "INTEGER %lld", (long long)sqlite3_column_int64(st, idx));
	} else if (storage == SQLITE_FLOAT) {
		char tmp[40];
		format_double(tmp, sizeof(tmp), sqlite3_column_double(st, idx));
		sl_buf_printf(b, "REAL %s", tmp);
	} else if (storage == SQLITE_TEXT && valid_utf8(sqlite3_column_text(st, idx),
							(size_t)sqlite3_column_bytes(st, idx))) {
		const unsigned char *t = sqlite3_column_text(st, idx);
		int n = sqlite3_column_bytes(st, idx), shown = n;
		if (shown > 60) {
			shown = 60;
			while (shown > 0 && (t[shown] & 0xC0) == 0x80) /* whole characters only */
				shown--;
		}
		sl_buf_printf(b, "TEXT '%.*s'%s", shown, (const char *)t, shown < n ? "..." : "");
	} else if (storage == SQLITE_TEXT || storage == SQLITE_BLOB) {
		/* bytes that are not UTF-8 are shown in hex, so the message itself stays UTF-8 */
		const unsigned char *p = sqlite3_column_blob(st, idx);
		int n = sqlite3_column_bytes(st, idx);
		sl_buf_printf(b, "%s x'", sl_sqlite_storage_name(storage));
		for (int k = 0; k < n && k < 16; k++)
			sl_buf_printf(b, "%02x", p[k]);
		sl_buf_printf(b, "'%s (%d bytes)", n > 16 ? "..." : "", n);
	} else {
		sl_buf_puts(b, "NULL");
	}
}

static void describe_row(sl_buf *b, const row_ref *ref)
{
	const sl_table_schema *t = ref->table;
	if (!ref->stmt)
		return;
	if (ref->rowid_col >= 0) {
		sl_buf_printf(b, " rowid %lld",
			      (long long)sqlite3_column_int64(ref->stmt, ref->rowid_col));
	} else if (t->npk > 0) {
		sl_buf_puts(b, " primary key");
		for (size_t k = 0; k < t->npk; k++) {
			sl_buf_printf(b, "%s%s=", k ? ", " : " ", t->columns[t->pk[k]].name);
			const char *v = (const char *)sqlite3_column_text(ref->stmt, (int)t->pk[k]);
			sl_buf_printf(b, "'%.40s'", v ? v : "NULL");
		}
	} else {
		sl_buf_printf(b, " row %llu of the scan", (unsigned long long)ref->row);
	}
}

/* SL_ETYPE: "table 't' column 'c' (DECL) rowid 7: TEXT value '12abc' is not an integer". */
static int value_error(const row_ref *ref, size_t col, sqlite3_stmt *st, int idx, const char *why)
{
	const sl_column *c = &ref->table->columns[col];
	sl_buf b = SL_BUF_INIT;
	sl_buf_printf(&b, "table '%s' column '%s' (%s)", ref->table->name, c->name,
		      c->source_type && *c->source_type ? c->source_type : "no declared type");
	describe_row(&b, ref);
	sl_buf_puts(&b, ": ");
	describe_value(&b, st, idx);
	sl_buf_printf(&b, " %s", why);
	int rc = sl_error_set(SL_ETYPE, "%s", b.failed ? why : sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc;
}

/* ---- conversions ---------------------------------------------------------------------------- */

typedef enum plain_rc {
	PLAIN_OK,
	PLAIN_BAD,
	PLAIN_OVERFLOW,
	PLAIN_TINY
} plain_rc;

/*
 * Rewrite a decimal literal with an optional exponent ("-1.5e-3", "1e+20") as plain digits
 * ("-0.0015", "100000000000000000000") into out, and tell whether a non-zero digit lies beyond
 * `scale` fractional digits. PLAIN_TINY: non-zero but far below any scale (rounds to 0).
 */
static plain_rc plain_decimal(const char *t, size_t n, int scale, char *out, size_t cap,
			      bool *rounded)
{
	const char *p = t, *end = t + n;
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	bool neg = false;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	char digits[128];
	size_t nd = 0;
	long pos = 0; /* significant digits before the point; negative: zeros after it */
	bool point = false, nonzero_beyond = false, any = false;
	for (; p < end; p++) {
		if (*p == '.' && !point) {
			point = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		any = true;
		if (nd == 0 && *p == '0') {
			/* a leading zero is no digit; after the point it moves the point right */
			if (point)
				pos--;
			continue;
		}
		if (!point)
			pos++;
		if (nd < sizeof(digits))
			digits[nd++] = *p;
		else if (*p != '0')
			nonzero_beyond = true;
	}
	if (!any)
		return PLAIN_BAD;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		bool eneg = false;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		long e = 0;
		const char *estart = p;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		if (p == estart)
			return PLAIN_BAD;
		pos += eneg ? -e : e;
	}
	if (p != end)
		return PLAIN_BAD;
	if (nd == 0) {
		*rounded = false;
		snprintf(out, cap, "0");
		return PLAIN_OK;
	}
	/* digit k (0-based) sits at fractional position k - pos + 1 */
	*rounded = nonzero_beyond;
	for (size_t k = 0; k < nd; k++)
		if (digits[k] != '0' && (long)k - pos + 1 > scale)
			*rounded = true;
	if (pos > 39)
		return PLAIN_OVERFLOW;
	if (pos < -(long)scale - 2) {
		*rounded = true;
		return PLAIN_TINY;
	}
	size_t o = 0;
	if (neg)
		out[o++] = '-';
	if (pos <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (long z = pos; z < 0; z++)
			out[o++] = '0';
		for (size_t k = 0; k < nd && o + 1 < cap; k++)
			out[o++] = digits[k];
	} else {
		for (long k = 0; k < pos; k++)
			out[o++] = (size_t)k < nd ? digits[k] : '0';
		if ((size_t)pos < nd) {
			out[o++] = '.';
			for (size_t k = (size_t)pos; k < nd && o + 1 < cap; k++)
				out[o++] = digits[k];
		}
	}
	out[o] = '\0';
	return PLAIN_OK;
}

/* Text -> DECIMAL(p,s) unscaled; 0, or a reason. */
static const char *decimal_from_text(const char *t, size_t n, int p, int s, sl_i128 *out,
				     bool *rounded)
{
	char plain[256];
	plain_rc prc = plain_decimal(t, n, s, plain, sizeof(plain), rounded);
	if (prc == PLAIN_BAD)
		return "is not a decimal number";
	if (prc == PLAIN_OVERFLOW)
		return "does not fit the declared precision";
	if (prc == PLAIN_TINY) {
		*out = 0;
		return NULL;
	}
	sl_int128 w;
	if (sl_parse_decimal(&w, plain, strlen(plain), s) != SL_OK)
		return "does not fit the declared precision";
	sl_i128 v = sl_i128_from(w);
	sl_i128 lim = sl_pow10_i128(p);
	if (v >= lim || v <= -lim)
		return "does not fit the declared precision";
	*out = v;
	return NULL;
}

/* More than 6 fractional-second digits that are not all zero would be cut by the parser. */
static bool sub_micro_digits(const char *t, size_t n)
{
	const char *dot = memchr(t, '.', n);
	if (!dot)
		return false;
	size_t k = 0;
	for (const char *q = dot + 1; q < t + n && *q >= '0' && *q <= '9'; q++, k++)
		if (k >= 6 && *q != '0')
			return true;
	return false;
}

/* A REAL timestamp: julian day number or unix seconds, by SQLite's 'auto' rule. */
static bool micros_from_real(double r, int64_t *out)
{
	if (r >= 0.0 && r <= JD_MAX) {
		/* SQLite's own date functions keep julian days to the millisecond */
		int64_t ms = (int64_t)llround(r * 86400000.0);
		*out = (ms - UNIX_EPOCH_JD_MS) * 1000;
		return true;
	}
	if (r >= UNIX_MIN && r <= UNIX_MAX) {
		*out = (int64_t)llround(r * 1e6);
		return true;
	}
	return false;
}

static bool text_is_bool(const char *t, size_t n, int64_t *out)
{
	static const char *const truths[] = {"true", "t", "1", "yes", "on"};
	static const char *const lies[] = {"false", "f", "0", "no", "off"};
	for (size_t k = 0; k < SL_ARRAY_LEN(truths); k++) {
		if (strlen(truths[k]) == n && strncasecmp(t, truths[k], n) == 0) {
			*out = 1;
			return true;
		}
		if (strlen(lies[k]) == n && strncasecmp(t, lies[k], n) == 0) {
			*out = 0;
			return true;
		}
	}
	return false;
}

/* Whether nothing but spaces follows a number's text. */
static bool spaces_only(const char *end)
{
	while (*end == ' ')
		end++;
	return *end == '\0';
}

static bool text_is_int64(const char *t, int64_t *out)
{
	char *end;
	errno = 0;
	while (*t == ' ')
		t++;
	long long v = strtoll(t, &end, 10);
	if (errno || end == t || !spaces_only(end))
		return false;
	*out = v;
	return true;
}

static bool text_is_double(const char *t, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(t, &end);
	if (end == t || (errno == ERANGE && isinf(v)) || !spaces_only(end))
		return false;
	*out = v;
	return true;
}

static bool double_is_int64(double d, int64_t *out)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || floor(d) != d)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool int64_is_double(int64_t i, double *out)
{
	double d = (double)i;
	int64_t back;
	if (!double_is_int64(d, &back) || back != i)
		return false;
	*out = d;
	return true;
}

/* TEXT, BLOB, JSON from any storage class: the bytes, or the text of a number. */
static const char *decode_bytes(sl_type type, sqlite3_stmt *st, int idx, int storage, cell *c)
{
	if (storage == SQLITE_INTEGER) {
		snprintf(c->tmp, sizeof(c->tmp), "%lld", (long long)sqlite3_column_int64(st, idx));
	} else if (storage == SQLITE_FLOAT) {
		double d = sqlite3_column_double(st, idx);
		if (type == SL_TYPE_JSON && !isfinite(d))
			return "is not a JSON number";
		format_double(c->tmp, sizeof(c->tmp), d);
	} else {
		const void *p = storage == SQLITE_BLOB ? sqlite3_column_blob(st, idx)
						       : (const void *)sqlite3_column_text(st, idx);
		c->n = (size_t)sqlite3_column_bytes(st, idx);
		c->p = p ? p : "";
		if (type != SL_TYPE_BLOB && !valid_utf8((const unsigned char *)c->p, c->n))
			return "is not valid UTF-8";
		return NULL;
	}
	c->p = c->tmp;
	c->n = strlen(c->tmp);
	return NULL;
}

/*
 * BIGINT or DOUBLE (`as_double`) from any storage class: as stored, converted exactly from the
 * other numeric class, or parsed from text. Per value: always inlined, so that each call site,
 * with its constant as_double, keeps only its half.
 */
__attribute__((always_inline)) static inline const char *
decode_number(sqlite3_stmt *st, int idx, int storage, cell *c, bool as_double)
{
	if (storage == (as_double ? SQLITE_FLOAT : SQLITE_INTEGER)) {
		if (as_double)
			c->d = sqlite3_column_double(st, idx);
		else
			c->i = sqlite3_column_int64(st, idx);
		return NULL;
	}
	if (storage == SQLITE_INTEGER)
		return int64_is_double(sqlite3_column_int64(st, idx), &c->d)
			       ? NULL
			       : "cannot be represented exactly as a DOUBLE";
	if (storage == SQLITE_FLOAT)
		return double_is_int64(sqlite3_column_double(st, idx), &c->i)
			       ? NULL
			       : "is not an integer in the BIGINT range";
	const char *t = storage == SQLITE_TEXT ? (const char *)sqlite3_column_text(st, idx) : NULL;
	if (t && (as_double ? text_is_double(t, &c->d) : text_is_int64(t, &c->i)))
		return NULL;
	return as_double ? "is not a number" : "is not an integer";
}

static const char *decode_bool(sqlite3_stmt *st, int idx, int storage, cell *c)
{
	if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT) {
		double d = sqlite3_column_double(st, idx);
		int64_t i = storage == SQLITE_INTEGER ? sqlite3_column_int64(st, idx) : -1;
		if (i == 0 || i == 1 || (storage == SQLITE_FLOAT && (d == 0.0 || d == 1.0))) {
			c->i = storage == SQLITE_INTEGER ? i : d == 1.0;
			return NULL;
		}
		return "is not a boolean (0 or 1)";
	}
	if (storage == SQLITE_TEXT && text_is_bool((const char *)sqlite3_column_text(st, idx),
						   (size_t)sqlite3_column_bytes(st, idx), &c->i))
		return NULL;
	return "is not a boolean";
}

static const char *decode_decimal(const sl_column *col, sqlite3_stmt *st, int idx, int storage,
				  cell *c, bool *rounded)
{
	sl_i128 v;
	const char *why = NULL;
	*rounded = false;
	if (storage == SQLITE_INTEGER) {
		/* compare before scaling: 2^63 * 10^38 does not fit even 128 bits */
		sl_i128 x = sqlite3_column_int64(st, idx),
			lim = sl_pow10_i128(col->precision - col->scale);
		if (x >= lim || x <= -lim)
			return "does not fit the declared precision";
		v = x * sl_pow10_i128(col->scale);
	} else if (storage == SQLITE_FLOAT) {
		double d = sqlite3_column_double(st, idx);
		char tmp[40];
		if (!isfinite(d))
			return "is not a finite number";
		/* the shortest text is what was inserted: 0.1 stays 0.1, not 0.1000000000000000055 */
		format_double(tmp, sizeof(tmp), d);
		why = decimal_from_text(tmp, strlen(tmp), col->precision, col->scale, &v, rounded);
	} else if (storage == SQLITE_TEXT) {
		why = decimal_from_text((const char *)sqlite3_column_text(st, idx),
					(size_t)sqlite3_column_bytes(st, idx), col->precision,
					col->scale, &v, rounded);
	} else {
		why = "is not a decimal number";
	}
	if (why)
		return why;
	if (col->precision <= 18)
		c->i = (int64_t)v;
	else
		c->w = sl_int128_from(v);
	return NULL;
}

static const char *decode_timestamp(sqlite3_stmt *st, int idx, int storage, cell *c)
{
	if (storage == SQLITE_INTEGER) {
		int64_t s = sqlite3_column_int64(st, idx);
		if (s > INT64_MAX / SL_MICROS_PER_SEC || s < INT64_MIN / SL_MICROS_PER_SEC)
			return "is out of the timestamp range";
		c->i = s * SL_MICROS_PER_SEC;
		return NULL;
	}
	if (storage == SQLITE_FLOAT)
		return micros_from_real(sqlite3_column_double(st, idx), &c->i)
			       ? NULL
			       : "is neither a julian day number nor unix seconds";
	if (storage == SQLITE_TEXT) {
		const char *t = (const char *)sqlite3_column_text(st, idx);
		size_t n = (size_t)sqlite3_column_bytes(st, idx);
		/* four-digit years, as SQLite's date functions require (and no int64 overflow) */
		bool year4 = n >= 5 && t[4] == '-';
		for (int k = 0; k < 4 && year4; k++)
			year4 = t[k] >= '0' && t[k] <= '9';
		if (!year4 || sl_parse_timestamp(&c->i, t, n) != SL_OK)
			return "is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff])";
		if (sub_micro_digits(t, n))
			return "has digits below the microsecond";
		return NULL;
	}
	return "is not a timestamp";
}

static const char *decode_date(sqlite3_stmt *st, int idx, int storage, cell *c)
{
	if (storage == SQLITE_BLOB)
		return "is not a date";
	const char *why = decode_timestamp(st, idx, storage, c);
	if (why)
		return storage == SQLITE_TEXT ? "is not a date (YYYY-MM-DD)" : why;
	if (c->i % SL_MICROS_PER_DAY != 0)
		return "has a time of day, not a date";
	c->i /= SL_MICROS_PER_DAY;
	return NULL;
}

static const char *decode_time(sqlite3_stmt *st, int idx, int storage, cell *c)
{
	if (storage == SQLITE_INTEGER) {
		int64_t s = sqlite3_column_int64(st, idx);
		if (s < 0 || s > 86400)
			return "is not a number of seconds since midnight";
		c->i = s * SL_MICROS_PER_SEC;
		return NULL;
	}
	if (storage == SQLITE_TEXT) {
		const char *t = (const char *)sqlite3_column_text(st, idx);
		size_t n = (size_t)sqlite3_column_bytes(st, idx);
		if (sl_parse_time(&c->i, t, n) != SL_OK || c->i < 0 || c->i > SL_MICROS_PER_DAY)
			return "is not a time of day (HH:MM:SS[.ffffff])";
		if (sub_micro_digits(t, n))
			return "has digits below the microsecond";
		return NULL;
	}
	return "is not a time of day";
}

int sl_sqlite_decode(const row_ref *ref, size_t col, sqlite3_stmt *st, int idx, cell *c,
		     bool *rounded)
{
	const sl_column *column = &ref->table->columns[col];
	int storage = sqlite3_column_type(st, idx);
	const char *why = NULL;
	*rounded = false;
	if (storage == SQLITE_NULL)
		return DECODED_NULL;
	if (storage == SQLITE_TEXT && !sl_type_is_varlen(column->type) &&
	    sqlite3_column_bytes(st, idx) == 0)
		return DECODED_EMPTY;
	switch (column->type) {
	case SL_TYPE_BOOL:
		why = decode_bool(st, idx, storage, c);
		break;
	case SL_TYPE_INT64:
		why = decode_number(st, idx, storage, c, false);
		break;
	case SL_TYPE_DOUBLE:
		why = decode_number(st, idx, storage, c, true);
		break;
	case SL_TYPE_DECIMAL:
		why = decode_decimal(column, st, idx, storage, c, rounded);
		break;
	case SL_TYPE_TEXT:
	case SL_TYPE_JSON:
	case SL_TYPE_BLOB:
		why = decode_bytes(column->type, st, idx, storage, c);
		break;
	case SL_TYPE_DATE:
		why = decode_date(st, idx, storage, c);
		break;
	case SL_TYPE_TIME:
		why = decode_time(st, idx, storage, c);
		break;
	case SL_TYPE_TIMESTAMP:
		why = decode_timestamp(st, idx, storage, c);
		break;
	default:
		why = "has a type the SQLite driver does not produce";
		break;
	}
	if (why)
		return value_error(ref, col, st, idx, why);
	return 0;
}

/* ---- into batches and values ---------------------------------------------------------------- */

int sl_sqlite_cell_to_value(sl_value *out, const sl_column *col, const cell *c)
{
	sl_value_clear(out);
	out->type = col->type;
	out->precision = col->precision;
	out->scale = col->scale;
	out->is_null = false;
	switch (col->type) {
	case SL_TYPE_DOUBLE:
		out->as.f64 = c->d;
		return SL_OK;
	case SL_TYPE_DECIMAL:
		if (col->precision <= 18)
			out->as.i64 = c->i;
		else
			out->as.i128 = c->w;
		return SL_OK;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON:
		out->bytes = sl_strndup(c->p, c->n);
		out->len = c->n;
		return out->bytes ? SL_OK : SL_ENOMEM;
	default:
		out->as.i64 = c->i;
		return SL_OK;
	}
}
