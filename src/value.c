/*
 * value.c — single typed values: taken out of batches, compared, parsed from and formatted to the
 * canonical text that the state stores and users type (`--initial-value`). Also the calendar and
 * decimal arithmetic that drivers share, so that each date format is parsed in one place.
 */
#include "value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- calendar (Howard Hinnant's days_from_civil, valid for any year) ----------------------- */

int32_t sl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int64_t)doe - 719468);
}

void sl_civil_from_days(int32_t days, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t z = (int64_t)days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = y + (*month <= 2);
}

int64_t sl_micros_from_civil(int64_t year, unsigned month, unsigned day, unsigned hour,
			     unsigned minute, unsigned second, unsigned micros)
{
	int64_t days = sl_days_from_civil(year, month, day);
	return days * SL_MICROS_PER_DAY +
	       ((int64_t)hour * 3600 + (int64_t)minute * 60 + second) * SL_MICROS_PER_SEC + micros;
}

sl_i128 sl_pow10_i128(int n)
{
	/* a lookup and at most one multiply: decoders call this per digit group of a value */
	static const uint64_t p10[20] = {
		1,
		10,
		100,
		1000,
		10000,
		100000,
		1000000,
		10000000,
		100000000,
		1000000000,
		10000000000,
		100000000000,
		1000000000000,
		10000000000000,
		100000000000000,
		1000000000000000,
		10000000000000000,
		100000000000000000,
		1000000000000000000,
		10000000000000000000ULL,
	};
	if (n <= 19)
		return n < 0 ? 1 : p10[n];
	return (sl_i128)p10[19] * p10[n > 38 ? 19 : n - 19];
}

/* ---- small parsers ------------------------------------------------------------------------- */

typedef struct cursor_text {
	const char *p, *end;
} cursor_text;

static bool take_digits(cursor_text *c, int min, int max, int64_t *out)
{
	int n = 0;
	int64_t v = 0;
	while (c->p < c->end && n < max && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (*c->p++ - '0');
		n++;
	}
	*out = v;
	return n >= min;
}

static bool take_char(cursor_text *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* ".ffffff" -> micros (more than 6 digits are truncated, as MySQL and DuckDB do). */
static unsigned take_fraction(cursor_text *c)
{
	if (!take_char(c, '.'))
		return 0;
	unsigned v = 0;
	int n = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (n < 6) {
			v = v * 10 + (unsigned)(*c->p - '0');
			n++;
		}
		c->p++;
	}
	while (n++ < 6)
		v *= 10;
	return v;
}

static bool valid_date(int64_t y, int64_t m, int64_t d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

static bool take_date(cursor_text *c, int32_t *out)
{
	int64_t y, m, d;
	bool neg = take_char(c, '-');
	if (!take_digits(c, 4, 9, &y) || !take_char(c, '-') || !take_digits(c, 1, 2, &m) ||
	    !take_char(c, '-') || !take_digits(c, 1, 2, &d))
		return false;
	if (neg)
		y = -y;
	if (y > 5877000 || y < -5877000 || !valid_date(y, m, d)) /* days fit int32 */
		return false;
	*out = sl_days_from_civil(y, (unsigned)m, (unsigned)d);
	return true;
}

/* The first 80 bytes of a refused text for a message, control characters as \xNN so the
   message stays one line (a value may come from a hand-edited state file). */
static const char *shown_text(char out[static 4 * 80 + 1], const char *text, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < len && i < 80; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(out + k, 5, "\\x%02x", c);
		else
			out[k++] = (char)c;
	}
	out[k] = '\0';
	return out;
}

static int type_error(const char *what, const char *text, size_t len)
{
	char shown[4 * 80 + 1];
	return sl_error_set(SL_ETYPE, "'%s' is not a valid %s", shown_text(shown, text, len), what);
}

int sl_parse_date(int32_t *out, const char *text, size_t len)
{
	cursor_text c = {text, text + len};
	if (!take_date(&c, out) || c.p != c.end)
		return type_error("date (YYYY-MM-DD)", text, len);
	return SL_OK;
}

/* Optional UTC offset: Z, +HH, +HHMM, +HH:MM; returns the offset in micros to subtract. */
static bool take_offset(cursor_text *c, int64_t *offset)
{
	*offset = 0;
	while (c->p < c->end && *c->p == ' ')
		c->p++;
	if (c->p == c->end)
		return true;
	if (take_char(c, 'Z') || take_char(c, 'z'))
		return true;
	int sign = take_char(c, '+') ? 1 : take_char(c, '-') ? -1 : 0;
	int64_t hh, mm = 0;
	if (!sign || !take_digits(c, 2, 2, &hh))
		return false;
	take_char(c, ':');
	if (c->p < c->end && !take_digits(c, 2, 2, &mm))
		return false;
	*offset = sign * (hh * 3600 + mm * 60) * SL_MICROS_PER_SEC;
	return true;
}

/* Days whose microseconds (plus a day and an offset of slack) fit int64: about year 294000. */
#define DAYS_MAX_TS 106750000

int sl_parse_timestamp(int64_t *out, const char *text, size_t len)
{
	cursor_text c = {text, text + len};
	int32_t days;
	int64_t hh = 0, mi = 0, ss = 0, offset = 0;
	unsigned frac = 0;
	if (!take_date(&c, &days) || days > DAYS_MAX_TS || days < -DAYS_MAX_TS)
		goto bad;
	if (take_char(&c, ' ') || take_char(&c, 'T') || take_char(&c, 't')) {
		if (!take_digits(&c, 1, 2, &hh) || !take_char(&c, ':') ||
		    !take_digits(&c, 2, 2, &mi))
			goto bad;
		if (take_char(&c, ':') && !take_digits(&c, 2, 2, &ss))
			goto bad;
		frac = take_fraction(&c);
		if (hh > 24 || mi > 59 || ss > 60)
			goto bad;
	}
	if (!take_offset(&c, &offset) || c.p != c.end)
		goto bad;
	*out = (int64_t)days * SL_MICROS_PER_DAY + (hh * 3600 + mi * 60 + ss) * SL_MICROS_PER_SEC +
	       frac - offset;
	return SL_OK;
bad:
	return type_error("timestamp (YYYY-MM-DD HH:MM:SS[.ffffff])", text, len);
}

int sl_parse_time(int64_t *out, const char *text, size_t len)
{
	cursor_text c = {text, text + len};
	bool neg = take_char(&c, '-');
	int64_t hh, mi, ss = 0;
	if (!take_digits(&c, 1, 9, &hh) || !take_char(&c, ':') || !take_digits(&c, 2, 2, &mi) ||
	    mi > 59)
		return type_error("time ([-]HH:MM:SS[.ffffff])", text, len);
	if (take_char(&c, ':') && (!take_digits(&c, 2, 2, &ss) || ss > 59))
		return type_error("time ([-]HH:MM:SS[.ffffff])", text, len);
	unsigned frac = take_fraction(&c);
	if (c.p != c.end)
		return type_error("time ([-]HH:MM:SS[.ffffff])", text, len);
	int64_t v = (hh * 3600 + mi * 60 + ss) * SL_MICROS_PER_SEC + frac;
	*out = neg ? -v : v;
	return SL_OK;
}

/* 10^38 - 1: the largest unscaled DECIMAL(38, s) */
static const sl_i128 I128_MAX_38 =
	(sl_i128)UINT64_C(10000000000000000000) * UINT64_C(10000000000000000000) - 1;

int sl_parse_decimal(sl_int128 *out, const char *text, size_t len, int scale)
{
	cursor_text c = {text, text + len};
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	bool neg = take_char(&c, '-');
	if (!neg)
		take_char(&c, '+');
	sl_i128 v = 0;
	int digits = 0, frac_digits = 0;
	bool seen_point = false, any = false, round_up = false;
	for (; c.p < c.end; c.p++) {
		char ch = *c.p;
		if (ch == '.' && !seen_point) {
			seen_point = true;
			continue;
		}
		if (ch < '0' || ch > '9')
			break;
		any = true;
		if (seen_point && frac_digits >= scale) {
			/* beyond the scale: only the first dropped digit matters for rounding */
			if (frac_digits++ == scale)
				round_up = ch >= '5';
			continue;
		}
		if (seen_point)
			frac_digits++;
		if (v != 0 || ch != '0')
			digits++;
		if (digits > 38)
			return type_error("decimal of at most 38 digits", text, len);
		v = v * 10 + (ch - '0');
	}
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	if (!any || c.p != c.end)
		return type_error("decimal number", text, len);
	for (; frac_digits < scale; frac_digits++) {
		if (v > I128_MAX_38 / 10)
			return type_error("decimal of at most 38 digits", text, len);
		v *= 10;
	}
	if (round_up && ++v > I128_MAX_38)
		return type_error("decimal of at most 38 digits", text, len);
	if (neg)
		v = -v;
	out->lo = (uint64_t)(sl_u128)v;
	out->hi = (int64_t)(v >> 64);
	return SL_OK;
}

/* ---- formatting ---------------------------------------------------------------------------- */

static void format_i128(sl_buf *buf, sl_i128 v, int scale)
{
	char tmp[48];
	int n = 0;
	bool neg = v < 0;
	sl_u128 u = neg ? (sl_u128)(-(v + 1)) + 1 : (sl_u128)v;
	do {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u || n <= scale);
	if (neg)
		sl_buf_putc(buf, '-');
	for (int i = n - 1; i >= 0; i--) {
		sl_buf_putc(buf, tmp[i]);
		if (i == scale && scale > 0)
			sl_buf_putc(buf, '.');
	}
}

static void format_double(sl_buf *buf, double d, bool is_float)
{
	if (isnan(d)) {
		sl_buf_puts(buf, "nan");
		return;
	}
	if (isinf(d)) {
		sl_buf_puts(buf, d < 0 ? "-inf" : "inf");
		return;
	}
	char tmp[40];
	/* the shortest precision that reads back to the same value */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (is_float ? (float)strtod(tmp, NULL) == (float)d : strtod(tmp, NULL) == d)
			break;
	}
	/* Few digits make %g write 100 as "1e+02": integers the type holds exactly (below 10^15 for
	   double, 10^7 for float) are written out in full. */
	if (strchr(tmp, 'e') && fabs(d) >= 1 && fabs(d) < (is_float ? 1e7 : 1e15))
		snprintf(tmp, sizeof(tmp), "%.*g", is_float ? 7 : 15, d);
	sl_buf_puts(buf, tmp);
}

static void format_date(sl_buf *buf, int32_t days)
{
	int64_t y;
	unsigned m, d;
	sl_civil_from_days(days, &y, &m, &d);
	if (y < 0)
		sl_buf_printf(buf, "-%04lld-%02u-%02u", (long long)-y, m, d);
	else
		sl_buf_printf(buf, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* [-]HH:MM:SS[.ffffff]; hours are not wrapped at 24 (MySQL TIME and intervals). */
static void format_clock(sl_buf *buf, int64_t micros)
{
	if (micros < 0) {
		sl_buf_putc(buf, '-');
		micros = -micros;
	}
	int64_t secs = micros / SL_MICROS_PER_SEC, frac = micros % SL_MICROS_PER_SEC;
	sl_buf_printf(buf, "%02lld:%02lld:%02lld", (long long)(secs / 3600),
		      (long long)(secs / 60 % 60), (long long)(secs % 60));
	if (frac)
		sl_buf_printf(buf, ".%06lld", (long long)frac);
}

static void format_timestamp(sl_buf *buf, int64_t micros)
{
	int64_t days = sl_floor_div(micros, SL_MICROS_PER_DAY);
	format_date(buf, (int32_t)days);
	sl_buf_putc(buf, ' ');
	format_clock(buf, micros - days * SL_MICROS_PER_DAY);
}

static void format_interval(sl_buf *buf, sl_interval iv)
{
	if (iv.months || iv.days)
		sl_buf_printf(buf, "%d months %d days ", iv.months, iv.days);
	format_clock(buf, iv.micros);
}

static void format_uuid(sl_buf *buf, sl_int128 v)
{
	uint8_t b[16];
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)((uint64_t)v.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(v.lo >> (56 - 8 * i));
	}
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			sl_buf_putc(buf, '-');
		sl_buf_printf(buf, "%02x", b[i]);
	}
}

static void format_scalar(sl_buf *buf, const sl_value *v)
{
	switch (v->type) {
	case SL_TYPE_BOOL:
		sl_buf_puts(buf, v->as.i64 ? "true" : "false");
		break;
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
		sl_buf_printf(buf, "%lld", (long long)v->as.i64);
		break;
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		sl_buf_printf(buf, "%llu", (unsigned long long)v->as.u64);
		break;
	case SL_TYPE_FLOAT:
	case SL_TYPE_DOUBLE:
		format_double(buf, v->as.f64, v->type == SL_TYPE_FLOAT);
		break;
	case SL_TYPE_DECIMAL:
		format_i128(buf, v->precision <= 18 ? (sl_i128)v->as.i64 : sl_i128_from(v->as.i128),
			    v->scale);
		break;
	case SL_TYPE_DATE:
		format_date(buf, (int32_t)v->as.i64);
		break;
	case SL_TYPE_TIME:
		format_clock(buf, v->as.i64);
		break;
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		format_timestamp(buf, v->as.i64);
		break;
	case SL_TYPE_INTERVAL:
		format_interval(buf, v->as.iv);
		break;
	case SL_TYPE_UUID:
		format_uuid(buf, v->as.i128);
		break;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON:
		sl_buf_append(buf, v->bytes ? v->bytes : "", v->len);
		break;
	case SL_TYPE_LIST: /* never a cursor or key value: an sl_value holds one scalar */
	case SL_TYPE__COUNT:
		break;
	}
}

char *sl_value_to_text(const sl_value *value)
{
	sl_buf buf = SL_BUF_INIT;
	if (!value->is_null)
		format_scalar(&buf, value);
	return sl_buf_detach(&buf);
}

/* ---- values in and out of batches ---------------------------------------------------------- */

void sl_value_clear(sl_value *v)
{
	free(v->bytes);
	v->bytes = NULL;
	v->len = 0;
	v->is_null = true;
	memset(&v->as, 0, sizeof(v->as));
}

static int set_bytes(sl_value *v, const char *data, size_t len)
{
	char *p = sl_strndup(len ? data : "", len);
	if (!p)
		return SL_ENOMEM;
	free(v->bytes);
	v->bytes = p;
	v->len = len;
	return SL_OK;
}

/* Read a fixed-width element into the union, widening ints to 64 bits. */
static void load_fixed(sl_value *v, const void *data, size_t row)
{
	switch (v->type) {
	case SL_TYPE_BOOL:
	case SL_TYPE_UINT8:
		v->as.u64 = ((const uint8_t *)data)[row];
		break;
	case SL_TYPE_INT8:
		v->as.i64 = ((const int8_t *)data)[row];
		break;
	case SL_TYPE_INT16:
		v->as.i64 = ((const int16_t *)data)[row];
		break;
	case SL_TYPE_UINT16:
		v->as.u64 = ((const uint16_t *)data)[row];
		break;
	case SL_TYPE_INT32:
	case SL_TYPE_DATE:
		v->as.i64 = ((const int32_t *)data)[row];
		break;
	case SL_TYPE_UINT32:
		v->as.u64 = ((const uint32_t *)data)[row];
		break;
	case SL_TYPE_INT64:
	case SL_TYPE_TIME:
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		v->as.i64 = ((const int64_t *)data)[row];
		break;
	case SL_TYPE_UINT64:
		v->as.u64 = ((const uint64_t *)data)[row];
		break;
	case SL_TYPE_FLOAT:
		v->as.f64 = ((const float *)data)[row];
		break;
	case SL_TYPE_DOUBLE:
		v->as.f64 = ((const double *)data)[row];
		break;
	case SL_TYPE_DECIMAL: {
		sl_int128 d = sl_decimal_load(data, row, v->precision);
		if (v->precision <= 18)
			v->as.i64 = (int64_t)d.lo;
		else
			v->as.i128 = d;
		break;
	}
	case SL_TYPE_INTERVAL:
		v->as.iv = ((const sl_interval *)data)[row];
		break;
	case SL_TYPE_UUID:
		v->as.i128 = ((const sl_int128 *)data)[row];
		break;
	default:
		break;
	}
}

/* A view of element `i` of a vector as an sl_value (bytes borrowed, not owned). */
static void view_vector(sl_value *v, const sl_vector *vec, size_t i)
{
	memset(v, 0, sizeof(*v));
	v->type = vec->type;
	v->precision = vec->precision;
	v->scale = vec->scale;
	v->is_null = !sl_vector_is_valid(vec, i);
	if (v->is_null)
		return;
	if (sl_type_is_varlen(v->type)) {
		const sl_bytes *b = &((const sl_bytes *)vec->data)[i];
		v->bytes = (char *)b->ptr;
		v->len = b->len;
	} else {
		load_fixed(v, vec->data, i);
	}
}

static void view_batch(sl_value *v, const sl_batch *batch, size_t col, size_t row)
{
	view_vector(v, &batch->columns[col], row);
}

/* A LIST for messages and tests: [1, NULL, "a \"b\""] (strings quoted, " and \ escaped). */
static void format_list(sl_buf *buf, const sl_vector *list, size_t row)
{
	sl_list_entry e = ((const sl_list_entry *)list->data)[row];
	sl_buf_putc(buf, '[');
	for (uint64_t k = 0; k < e.length; k++) {
		sl_value el;
		view_vector(&el, list->child, (size_t)(e.offset + k));
		if (k)
			sl_buf_puts(buf, ", ");
		if (el.is_null) {
			sl_buf_puts(buf, "NULL");
		} else if (sl_type_is_varlen(el.type)) {
			sl_buf_putc(buf, '"');
			for (size_t j = 0; j < el.len; j++) {
				if (el.bytes[j] == '"' || el.bytes[j] == '\\')
					sl_buf_putc(buf, '\\');
				sl_buf_putc(buf, el.bytes[j]);
			}
			sl_buf_putc(buf, '"');
		} else {
			format_scalar(buf, &el);
		}
	}
	sl_buf_putc(buf, ']');
}

int sl_value_from_batch(sl_value *out, const sl_batch *batch, size_t col, size_t row)
{
	sl_value view;
	view_batch(&view, batch, col, row);
	return sl_value_copy(out, &view);
}

void sl_value_format_batch(sl_buf *buf, const sl_batch *batch, size_t col, size_t row)
{
	sl_value view;
	view_batch(&view, batch, col, row);
	if (view.is_null)
		return;
	if (view.type == SL_TYPE_LIST)
		format_list(buf, &batch->columns[col], row);
	else
		format_scalar(buf, &view);
}

int sl_value_copy(sl_value *out, const sl_value *in)
{
	char *old = out->bytes;
	*out = *in;
	out->bytes = NULL;
	out->len = 0;
	int rc = SL_OK;
	if (!in->is_null && sl_type_is_varlen(in->type))
		rc = set_bytes(out, in->bytes, in->len);
	if (old != in->bytes)
		free(old);
	return rc;
}

static int cmp_num(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int compare_same(const sl_value *a, const sl_value *b)
{
	switch (a->type) {
	case SL_TYPE_BOOL:
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		return a->as.u64 < b->as.u64 ? -1 : a->as.u64 > b->as.u64;
	case SL_TYPE_FLOAT:
	case SL_TYPE_DOUBLE:
		return cmp_num(a->as.f64, b->as.f64);
	case SL_TYPE_DECIMAL:
		if (a->precision > 18) {
			sl_i128 x = sl_i128_from(a->as.i128), y = sl_i128_from(b->as.i128);
			return x < y ? -1 : x > y;
		}
		return a->as.i64 < b->as.i64 ? -1 : a->as.i64 > b->as.i64;
	case SL_TYPE_INTERVAL: {
		/* months as 30 days, as PostgreSQL and DuckDB order intervals */
		sl_i128 x = ((sl_i128)a->as.iv.months * 30 + a->as.iv.days) * SL_MICROS_PER_DAY +
			    a->as.iv.micros;
		sl_i128 y = ((sl_i128)b->as.iv.months * 30 + b->as.iv.days) * SL_MICROS_PER_DAY +
			    b->as.iv.micros;
		return x < y ? -1 : x > y;
	}
	case SL_TYPE_UUID:
		if ((uint64_t)a->as.i128.hi != (uint64_t)b->as.i128.hi)
			return (uint64_t)a->as.i128.hi < (uint64_t)b->as.i128.hi ? -1 : 1;
		return a->as.i128.lo < b->as.i128.lo ? -1 : a->as.i128.lo > b->as.i128.lo;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON: {
		size_t n = a->len < b->len ? a->len : b->len;
		int c = n ? memcmp(a->bytes, b->bytes, n) : 0;
		if (c)
			return c < 0 ? -1 : 1;
		return a->len < b->len ? -1 : a->len > b->len;
	}
	default:
		return a->as.i64 < b->as.i64 ? -1 : a->as.i64 > b->as.i64;
	}
}

int sl_value_compare(const sl_value *a, const sl_value *b)
{
	if (a->is_null || b->is_null)
		return a->is_null == b->is_null ? 0 : a->is_null ? -1 : 1;
	return compare_same(a, b);
}

int sl_value_compare_batch(const sl_batch *batch, size_t col, size_t row, const sl_value *v)
{
	sl_value view;
	view_batch(&view, batch, col, row);
	return sl_value_compare(&view, v);
}

/* ---- parsing ------------------------------------------------------------------------------- */

static int parse_int(sl_value *out, const char *text, bool is_unsigned)
{
	char *end;
	errno = 0;
	if (is_unsigned) {
		if (strchr(text, '-'))
			return type_error("unsigned integer", text, strlen(text));
		out->as.u64 = strtoull(text, &end, 10);
	} else {
		out->as.i64 = strtoll(text, &end, 10);
	}
	if (errno || end == text || *end)
		return type_error(is_unsigned ? "unsigned integer" : "integer", text, strlen(text));
	return SL_OK;
}

static int parse_bool(sl_value *out, const char *text)
{
	static const char *const truths[] = {"true", "t", "1", "yes", "on"};
	static const char *const lies[] = {"false", "f", "0", "no", "off"};
	for (size_t i = 0; i < SL_ARRAY_LEN(truths); i++) {
		if (strcasecmp(text, truths[i]) == 0) {
			out->as.u64 = 1;
			return SL_OK;
		}
		if (strcasecmp(text, lies[i]) == 0) {
			out->as.u64 = 0;
			return SL_OK;
		}
	}
	return type_error("boolean", text, strlen(text));
}

static int parse_double(sl_value *out, const char *text)
{
	char *end;
	errno = 0;
	out->as.f64 = strtod(text, &end);
	if (end == text || *end || (errno == ERANGE && isinf(out->as.f64)))
		return type_error("number", text, strlen(text));
	return SL_OK;
}

static int parse_interval(sl_value *out, const char *text)
{
	int months = 0, days = 0, consumed = 0;
	if (sscanf(text, "%d months %d days %n", &months, &days, &consumed) == 2)
		text += consumed;
	else
		months = days = 0;
	out->as.iv.months = months;
	out->as.iv.days = days;
	return sl_parse_time(&out->as.iv.micros, text, strlen(text));
}

static int parse_uuid(sl_value *out, const char *text)
{
	uint8_t b[16];
	int n = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '-')
			continue;
		if (n == 32)
			return type_error("UUID", text, strlen(text));
		int h = (*p >= '0' && *p <= '9')   ? *p - '0'
			: (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
			: (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
						   : -1;
		if (h < 0)
			return type_error("UUID", text, strlen(text));
		b[n / 2] = (uint8_t)(n % 2 ? (b[n / 2] | h) : h << 4);
		n++;
	}
	if (n != 32)
		return type_error("UUID", text, strlen(text));
	uint64_t hi = 0, lo = 0;
	for (int i = 0; i < 8; i++) {
		hi = hi << 8 | b[i];
		lo = lo << 8 | b[8 + i];
	}
	out->as.i128.hi = (int64_t)hi;
	out->as.i128.lo = lo;
	return SL_OK;
}

/* |v| < 10^precision; precision outside 1..38 (unknown) only needs 64 bits when <= 18. */
bool sl_decimal_fits(sl_int128 value, int precision)
{
	sl_i128 v = sl_i128_from(value);
	if (precision < 1 || precision > 38)
		return precision > 38 || (v >= INT64_MIN && v <= INT64_MAX);
	sl_i128 limit = sl_pow10_i128(precision);
	return v < limit && v > -limit;
}

static int parse_scalar(sl_value *out, const char *text)
{
	size_t len = strlen(text);
	switch (out->type) {
	case SL_TYPE_BOOL:
		return parse_bool(out, text);
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
		return parse_int(out, text, false);
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		return parse_int(out, text, true);
	case SL_TYPE_FLOAT: {
		int rc = parse_double(out, text);
		float f = (float)out->as.f64; /* IEEE: rounds, or overflows to inf */
		if (rc == SL_OK && isinf(f) && !isinf(out->as.f64))
			return type_error("float", text, len);
		out->as.f64 = f;
		return rc;
	}
	case SL_TYPE_DOUBLE:
		return parse_double(out, text);
	case SL_TYPE_DECIMAL: {
		char shown[4 * 80 + 1];
		sl_int128 d;
		int rc = sl_parse_decimal(&d, text, len, out->scale);
		if (rc)
			return rc;
		if (!sl_decimal_fits(d, out->precision))
			return sl_error_set(SL_ETYPE, "'%s' does not fit DECIMAL(%d,%d)",
					    shown_text(shown, text, len), out->precision,
					    out->scale);
		if (out->precision <= 18)
			out->as.i64 = (int64_t)sl_i128_from(d);
		else
			out->as.i128 = d;
		return SL_OK;
	}
	case SL_TYPE_DATE: {
		int32_t days;
		int rc = sl_parse_date(&days, text, len);
		out->as.i64 = days;
		return rc;
	}
	case SL_TYPE_TIME:
		return sl_parse_time(&out->as.i64, text, len);
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		return sl_parse_timestamp(&out->as.i64, text, len);
	case SL_TYPE_INTERVAL:
		return parse_interval(out, text);
	case SL_TYPE_UUID:
		return parse_uuid(out, text);
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON:
		return set_bytes(out, text, len);
	case SL_TYPE_LIST:
		return sl_error_set(SL_ETYPE, "a LIST value cannot be given as text");
	case SL_TYPE__COUNT:
		break;
	}
	return sl_error_set(SL_ETYPE, "unknown type");
}

int sl_value_parse(sl_value *out, sl_type type, int precision, int scale, const char *text)
{
	sl_value_clear(out);
	out->type = type;
	out->precision = precision;
	out->scale = scale;
	out->is_null = false;
	int rc = parse_scalar(out, text);
	if (rc) {
		sl_value_clear(out);
		return sl_error_wrap("%s value", sl_type_name(type));
	}
	return SL_OK;
}

/* ---- lag ----------------------------------------------------------------------------------- */

int sl_value_apply_lag(sl_value *v, const char *lag)
{
	char *end;
	errno = 0;
	double amount = strtod(lag, &end);
	if (end == lag || *end || errno || !isfinite(amount))
		return sl_error_set(SL_EINVAL, "lag '%s' is not a number", lag);
	if (v->is_null)
		return SL_OK;
	switch (v->type) {
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
	case SL_TYPE_TIME:
		v->as.i64 -= (int64_t)llround(amount * (double)SL_MICROS_PER_SEC);
		return SL_OK;
	case SL_TYPE_DATE:
		v->as.i64 -= (int64_t)llround(amount);
		return SL_OK;
	case SL_TYPE_INTERVAL:
		v->as.iv.micros -= (int64_t)llround(amount * (double)SL_MICROS_PER_SEC);
		return SL_OK;
	case SL_TYPE_FLOAT:
	case SL_TYPE_DOUBLE:
		v->as.f64 -= amount;
		return SL_OK;
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
		v->as.i64 -= (int64_t)llround(amount);
		return SL_OK;
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64: {
		uint64_t d = (uint64_t)llround(fabs(amount));
		v->as.u64 = v->as.u64 > d ? v->as.u64 - d : 0;
		return SL_OK;
	}
	case SL_TYPE_DECIMAL: {
		sl_i128 scaled = (sl_i128)llround(amount * pow(10.0, v->scale));
		if (v->precision <= 18) {
			v->as.i64 -= (int64_t)scaled;
		} else {
			sl_i128 x = sl_i128_from(v->as.i128) - scaled;
			v->as.i128.lo = (uint64_t)(sl_u128)x;
			v->as.i128.hi = (int64_t)(x >> 64);
		}
		return SL_OK;
	}
	default:
		return sl_error_set(SL_EUNSUPPORTED, "lag is not supported for %s cursors",
				    sl_type_name(v->type));
	}
}
