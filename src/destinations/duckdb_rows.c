/*
 * duckdb_rows.c — reading DuckDB query results back (sl_rows): a prepared statement streamed
 * chunk by chunk, each value readable as an integer, a double or text. The text is DuckDB's own
 * (dates, intervals, BLOBs and UUIDs as DuckDB prints them); types this file does not read are
 * cast to VARCHAR by DuckDB itself.
 */
#include "duckdb_internal.h"
#include "value.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- result rows ----------------------------------------------------------------------------- */

typedef struct duck_rcol {
	const char *name;     /* owned by the result */
	duckdb_type id;	      /* DuckDB type of the values in the vectors */
	sl_type type;	      /* what column_type() reports */
	duckdb_type internal; /* DECIMAL: physical type of the unscaled value */
	uint8_t scale;	      /* DECIMAL */
	const void *data;     /* the current chunk's vector data */
	uint64_t *validity;   /* the current chunk's validity, NULL when all valid */
	sl_buf text;	      /* get_text's result for the current row */
	bool have_text;	      /* text holds the current row's value */
} duck_rcol;

typedef struct duck_rows {
	sl_rows base;
	duck_conn *conn;
	duckdb_prepared_statement stmt;
	duckdb_result result;
	duck_rcol *cols;
	duckdb_data_chunk chunk; /* the chunk holding the current row, or NULL */
	idx_t nrows;		 /* rows in chunk */
	idx_t row;		 /* current row in chunk */
	bool done;
	/* another statement ended the stream (duck_end_stream): `next` is the chunk fetched then
	   (NULL: the stream had ended), and `cut` says rows were left after it */
	bool ended_early;
	bool cut;
	duckdb_data_chunk next;
} duck_rows;

/* Types whose vectors this file reads itself; anything else is cast to VARCHAR by DuckDB. */
static bool readable_type(duckdb_type id)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN:
	case DUCKDB_TYPE_TINYINT:
	case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_BIGINT:
	case DUCKDB_TYPE_UTINYINT:
	case DUCKDB_TYPE_USMALLINT:
	case DUCKDB_TYPE_UINTEGER:
	case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_UHUGEINT:
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE:
	case DUCKDB_TYPE_DECIMAL:
	case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB:
	case DUCKDB_TYPE_DATE:
	case DUCKDB_TYPE_TIME:
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ:
	case DUCKDB_TYPE_INTERVAL:
	case DUCKDB_TYPE_UUID:
	case DUCKDB_TYPE_SQLNULL:
		return true;
	default:
		return false;
	}
}

static sl_type portable_type(duckdb_type id, duckdb_logical_type lt)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN:
		return SL_TYPE_BOOL;
	case DUCKDB_TYPE_TINYINT:
		return SL_TYPE_INT8;
	case DUCKDB_TYPE_SMALLINT:
		return SL_TYPE_INT16;
	case DUCKDB_TYPE_INTEGER:
		return SL_TYPE_INT32;
	case DUCKDB_TYPE_BIGINT:
		return SL_TYPE_INT64;
	case DUCKDB_TYPE_UTINYINT:
		return SL_TYPE_UINT8;
	case DUCKDB_TYPE_USMALLINT:
		return SL_TYPE_UINT16;
	case DUCKDB_TYPE_UINTEGER:
		return SL_TYPE_UINT32;
	case DUCKDB_TYPE_UBIGINT:
		return SL_TYPE_UINT64;
	case DUCKDB_TYPE_FLOAT:
		return SL_TYPE_FLOAT;
	case DUCKDB_TYPE_DOUBLE:
		return SL_TYPE_DOUBLE;
	case DUCKDB_TYPE_HUGEINT: /* exact integers: DECIMAL(38,0) in the portable system */
	case DUCKDB_TYPE_UHUGEINT:
	case DUCKDB_TYPE_DECIMAL:
		return SL_TYPE_DECIMAL;
	case DUCKDB_TYPE_BLOB:
		return SL_TYPE_BLOB;
	case DUCKDB_TYPE_DATE:
		return SL_TYPE_DATE;
	case DUCKDB_TYPE_TIME:
		return SL_TYPE_TIME;
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
		return SL_TYPE_TIMESTAMP;
	case DUCKDB_TYPE_TIMESTAMP_TZ:
		return SL_TYPE_TIMESTAMPTZ;
	case DUCKDB_TYPE_INTERVAL:
		return SL_TYPE_INTERVAL;
	case DUCKDB_TYPE_UUID:
		return SL_TYPE_UUID;
	case DUCKDB_TYPE_VARCHAR: {
		/* JSON is VARCHAR with an alias. */
		char *alias = duckdb_logical_type_get_alias(lt);
		bool json = alias && strcmp(alias, "JSON") == 0;
		duckdb_free(alias);
		return json ? SL_TYPE_JSON : SL_TYPE_TEXT;
	}
	default:
		return SL_TYPE_TEXT;
	}
}

/* Whether a prepared SELECT returns a column of a type this file does not read itself. */
static bool needs_text_cast(duckdb_prepared_statement stmt)
{
	if (duckdb_prepared_statement_type(stmt) != DUCKDB_STATEMENT_TYPE_SELECT)
		return false;
	idx_t n = duckdb_prepared_statement_column_count(stmt);
	for (idx_t i = 0; i < n; i++) {
		duckdb_type id = duckdb_prepared_statement_column_type(stmt, i);
		if (id != DUCKDB_TYPE_INVALID && !readable_type(id))
			return true;
	}
	return false;
}

/*
 * The same query with the unreadable columns cast to VARCHAR (DuckDB's own text of LIST, STRUCT,
 * MAP, ENUM...), columns renamed positionally so duplicate or odd names cannot get in the way.
 */
static char *text_cast_sql(duckdb_prepared_statement stmt, const char *sql)
{
	size_t len = strlen(sql);
	while (len && (sql[len - 1] == ';' || sql[len - 1] == ' ' || sql[len - 1] == '\n' ||
		       sql[len - 1] == '\t' || sql[len - 1] == '\r'))
		len--;
	idx_t n = duckdb_prepared_statement_column_count(stmt);
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "SELECT ");
	for (idx_t i = 0; i < n; i++) {
		duckdb_type id = duckdb_prepared_statement_column_type(stmt, i);
		const char *name =
			duckdb_prepared_statement_column_name(stmt, i); /* ours to free */
		if (i)
			sl_buf_puts(&b, ", ");
		if (readable_type(id) || id == DUCKDB_TYPE_INVALID)
			sl_buf_printf(&b, "_sl_c%" PRIu64, (uint64_t)i);
		else
			sl_buf_printf(&b, "CAST(_sl_c%" PRIu64 " AS VARCHAR)", (uint64_t)i);
		sl_buf_puts(&b, " AS ");
		sl_buf_quote_ident(&b, name ? name : "", '"');
		duckdb_free((void *)(uintptr_t)name);
	}
	sl_buf_puts(&b, " FROM (");
	sl_buf_append(&b, sql, len);
	sl_buf_puts(&b, "\n) AS _sl_q(");
	for (idx_t i = 0; i < n; i++)
		sl_buf_printf(&b, "%s_sl_c%" PRIu64, i ? ", " : "", (uint64_t)i);
	sl_buf_puts(&b, ")");
	return sl_buf_detach(&b);
}

static void rows_free(sl_rows *rows)
{
	duck_rows *r = (duck_rows *)rows;
	if (!r)
		return;
	if (r->conn->stream == r)
		r->conn->stream = NULL;
	if (r->chunk)
		duckdb_destroy_data_chunk(&r->chunk);
	if (r->next)
		duckdb_destroy_data_chunk(&r->next);
	for (size_t i = 0; r->cols && i < r->base.ncolumns; i++)
		sl_buf_free(&r->cols[i].text);
	free(r->cols);
	duckdb_destroy_result(&r->result);
	duckdb_destroy_prepare(&r->stmt);
	free(r);
}

void duck_end_stream(duck_conn *c)
{
	duck_rows *r = c->stream;
	if (!r)
		return;
	c->stream = NULL;
	if (r->done)
		return;
	r->ended_early = true;
	r->next = duckdb_fetch_chunk(r->result);
	r->cut = r->next != NULL; /* a stream's chunks are full until its last: assume more */
}

/* The stream's next chunk, or NULL at its end (or where another statement ended it). */
static duckdb_data_chunk fetch_chunk(duck_rows *r)
{
	if (!r->ended_early)
		return duckdb_fetch_chunk(r->result);
	duckdb_data_chunk next = r->next;
	r->next = NULL;
	return next;
}

static int rows_next(sl_rows *rows)
{
	duck_rows *r = (duck_rows *)rows;
	for (size_t i = 0; i < r->base.ncolumns; i++)
		r->cols[i].have_text = false;
	if (r->done)
		return 0;
	if (r->chunk && r->row + 1 < r->nrows) {
		r->row++;
		return 1;
	}
	for (;;) {
		if (r->chunk)
			duckdb_destroy_data_chunk(&r->chunk);
		r->chunk = fetch_chunk(r);
		if (!r->chunk) {
			r->done = true;
			if (r->cut)
				return sl_error_set(
					SL_ESTATE,
					"DuckDB '%s': another statement on the connection "
					"ended this result before it was read to its end: "
					"read a result to its end (or free it) before the "
					"next query",
					r->conn->path);
			if (duckdb_result_error(&r->result))
				return duck_result_error(r->conn, &r->result);
			return 0;
		}
		r->nrows = duckdb_data_chunk_get_size(r->chunk);
		r->row = 0;
		if (r->nrows > 0)
			break;
	}
	for (size_t i = 0; i < r->base.ncolumns; i++) {
		duckdb_vector v = duckdb_data_chunk_get_vector(r->chunk, i);
		r->cols[i].data = duckdb_vector_get_data(v);
		r->cols[i].validity = duckdb_vector_get_validity(v);
	}
	return 1;
}

static const char *rows_column_name(const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	return col < r->base.ncolumns ? r->cols[col].name : NULL;
}

static sl_type rows_column_type(const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	return col < r->base.ncolumns ? r->cols[col].type : SL_TYPE_TEXT;
}

static bool rows_is_null(const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	if (col >= r->base.ncolumns || !r->chunk)
		return true;
	const duck_rcol *c = &r->cols[col];
	if (c->id == DUCKDB_TYPE_SQLNULL)
		return true;
	return c->validity && !duckdb_validity_row_is_valid(c->validity, r->row);
}

#define CELL(r, c, T) (((const T *)(c)->data)[(r)->row])

static sl_i128 hugeint_value(duckdb_hugeint h)
{
	return (sl_i128)(((sl_u128)(uint64_t)h.upper << 64) | h.lower);
}

/* The unscaled value of a DECIMAL cell, or a HUGEINT. */
static sl_i128 wide_value(const duck_rows *r, const duck_rcol *c)
{
	duckdb_type id = c->id == DUCKDB_TYPE_DECIMAL ? c->internal : c->id;
	switch (id) {
	case DUCKDB_TYPE_SMALLINT:
		return CELL(r, c, int16_t);
	case DUCKDB_TYPE_INTEGER:
		return CELL(r, c, int32_t);
	case DUCKDB_TYPE_BIGINT:
		return CELL(r, c, int64_t);
	default:
		return hugeint_value(CELL(r, c, duckdb_hugeint));
	}
}

static sl_u128 uhugeint_value(duckdb_uhugeint h)
{
	return ((sl_u128)h.upper << 64) | h.lower;
}

/* A timestamp of any unit in microseconds (NS rounds toward minus infinity), the infinities as
   INT64_MAX and -INT64_MAX; 0 and false when int64_t cannot hold its microseconds. */
static bool timestamp_cell(int64_t *out, const duck_rows *r, const duck_rcol *c)
{
	int64_t v = CELL(r, c, int64_t);
	int64_t unit = c->id == DUCKDB_TYPE_TIMESTAMP_S	   ? SL_MICROS_PER_SEC
		       : c->id == DUCKDB_TYPE_TIMESTAMP_MS ? 1000
							   : 1;
	bool fits = v <= INT64_MAX / unit && v >= INT64_MIN / unit;
	if (v == INT64_MAX || v == -INT64_MAX)
		*out = v;
	else if (c->id == DUCKDB_TYPE_TIMESTAMP_NS)
		*out = sl_floor_div(v, 1000);
	else
		*out = fits ? v * unit : 0;
	return fits || v == INT64_MAX || v == -INT64_MAX;
}

/* The cell of an integer type that int64_t holds: all but UBIGINT and the 128-bit ones. */
static bool int_cell(int64_t *out, const duck_rows *r, const duck_rcol *c)
{
	switch (c->id) {
	case DUCKDB_TYPE_TINYINT:
		*out = CELL(r, c, int8_t);
		return true;
	case DUCKDB_TYPE_SMALLINT:
		*out = CELL(r, c, int16_t);
		return true;
	case DUCKDB_TYPE_INTEGER:
		*out = CELL(r, c, int32_t);
		return true;
	case DUCKDB_TYPE_BIGINT:
		*out = CELL(r, c, int64_t);
		return true;
	case DUCKDB_TYPE_UTINYINT:
		*out = CELL(r, c, uint8_t);
		return true;
	case DUCKDB_TYPE_USMALLINT:
		*out = CELL(r, c, uint16_t);
		return true;
	case DUCKDB_TYPE_UINTEGER:
		*out = CELL(r, c, uint32_t);
		return true;
	default:
		return false;
	}
}

static int value_error(const duck_rows *r, size_t col, const char *why)
{
	return sl_error_set(SL_ETYPE, "DuckDB '%s': column %s: %s", r->conn->path,
			    r->cols[col].name, why);
}

static int rows_get_int64(int64_t *out, const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	int rc = sl_rows_check_value(rows, col);
	*out = 0;
	if (rc)
		return rc;
	const duck_rcol *c = &r->cols[col];
	if (int_cell(out, r, c))
		return 0;
	switch (c->id) {
	case DUCKDB_TYPE_BOOLEAN:
		*out = CELL(r, c, bool);
		return 0;
	case DUCKDB_TYPE_DATE:
		*out = CELL(r, c, int32_t);
		return *out == INT32_MAX || *out == -INT32_MAX
			       ? value_error(r, col, "an infinite date has no day number")
			       : 0;
	case DUCKDB_TYPE_TIME:
		*out = CELL(r, c, int64_t);
		return 0;
	case DUCKDB_TYPE_UBIGINT: {
		uint64_t v = CELL(r, c, uint64_t);
		if (v > INT64_MAX)
			return value_error(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)v;
		return 0;
	}
	case DUCKDB_TYPE_UHUGEINT: {
		sl_u128 v = uhugeint_value(CELL(r, c, duckdb_uhugeint));
		if (v > INT64_MAX)
			return value_error(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)v;
		return 0;
	}
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_DECIMAL: {
		sl_i128 v = wide_value(r, c);
		if (c->id == DUCKDB_TYPE_DECIMAL)
			v /= sl_pow10_i128(c->scale); /* truncates toward zero */
		if (v > INT64_MAX || v < INT64_MIN)
			return value_error(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)v;
		return 0;
	}
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE: {
		double d = c->id == DUCKDB_TYPE_FLOAT ? CELL(r, c, float) : CELL(r, c, double);
		if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
			return value_error(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)d;
		return 0;
	}
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ: {
		bool fits = timestamp_cell(out, r, c);
		if (*out == INT64_MAX || *out == -INT64_MAX) {
			*out = 0;
			return value_error(r, col,
					   "an infinite timestamp has no microsecond count");
		}
		return fits ? 0 : value_error(r, col, "timestamp out of the microsecond range");
	}
	case DUCKDB_TYPE_VARCHAR: {
		/* Integers that arrive as text (a cast result, a state value) still read as integers. */
		sl_rows *mut = (sl_rows *)rows;
		size_t len;
		const char *s = mut->ops->get_text(mut, col, &len);
		char *end;
		errno = 0;
		long long v = s && len ? strtoll(s, &end, 10) : 0;
		if (!s || !len || errno || *end)
			return value_error(r, col, "text is not an integer");
		*out = v;
		return 0;
	}
	default:
		return value_error(r, col, "value is not an integer");
	}
}

/* The cell of a type read as a double directly: floating point, and the integers that may not
   fit 64 bits. */
static bool double_cell(double *out, const duck_rows *r, const duck_rcol *c)
{
	switch (c->id) {
	case DUCKDB_TYPE_FLOAT:
	case DUCKDB_TYPE_DOUBLE:
		*out = c->id == DUCKDB_TYPE_FLOAT ? CELL(r, c, float) : CELL(r, c, double);
		return true;
	case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_UHUGEINT:
		*out = c->id == DUCKDB_TYPE_UBIGINT
			       ? (double)CELL(r, c, uint64_t)
			       : (double)uhugeint_value(CELL(r, c, duckdb_uhugeint));
		return true;
	case DUCKDB_TYPE_HUGEINT: /* its scale is 0 */
	case DUCKDB_TYPE_DECIMAL:
		*out = (double)wide_value(r, c) / (double)sl_pow10_i128(c->scale);
		return true;
	default:
		return false;
	}
}

/* Text is parsed; other types are what get_int64 reads. */
static int rows_get_double(double *out, const sl_rows *rows, size_t col)
{
	const duck_rows *r = (const duck_rows *)rows;
	int rc = sl_rows_check_value(rows, col);
	*out = 0;
	if (rc || double_cell(out, r, &r->cols[col]))
		return rc;
	if (r->cols[col].id == DUCKDB_TYPE_VARCHAR) {
		size_t len;
		const char *s = rows->ops->get_text((sl_rows *)rows, col, &len);
		char *end;
		double v = s && len ? strtod(s, &end) : 0;
		if (!s || !len || *end)
			return value_error(r, col, "text is not a number");
		*out = v;
		return 0;
	}
	int64_t v;
	if (rows_get_int64(&v, rows, col))
		return value_error(r, col, "value is not a number");
	*out = (double)v;
	return 0;
}

/* ---- text of values -------------------------------------------------------------------------- */

static void put_u128(sl_buf *b, sl_u128 v)
{
	char tmp[40];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	sl_buf_append(b, tmp + i, sizeof(tmp) - i);
}

/* An unscaled DECIMAL with exactly `scale` digits after the point ("-0.05"). */
static void put_decimal(sl_buf *b, sl_i128 v, int scale)
{
	sl_u128 u = v < 0 ? -(sl_u128)v : (sl_u128)v;
	sl_buf digits = SL_BUF_INIT;
	put_u128(&digits, u);
	if (v < 0)
		sl_buf_putc(b, '-');
	size_t n = digits.len;
	const char *d = sl_buf_cstr(&digits);
	if (scale <= 0) {
		sl_buf_append(b, d, n);
	} else {
		size_t s = (size_t)scale;
		if (n <= s) {
			sl_buf_putc(b, '0');
			sl_buf_putc(b, '.');
			for (size_t i = n; i < s; i++)
				sl_buf_putc(b, '0');
			sl_buf_append(b, d, n);
		} else {
			sl_buf_append(b, d, n - s);
			sl_buf_putc(b, '.');
			sl_buf_append(b, d + n - s, s);
		}
	}
	if (digits.failed)
		b->failed = true;
	sl_buf_free(&digits);
}

/* The shortest text that reads back as the same value. */
static void put_double(sl_buf *b, double v, bool single)
{
	if (!isfinite(v)) {
		sl_buf_puts(b, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
		return;
	}
	char tmp[40];
	/* %g drops trailing zeros, so the first precision that round-trips is the shortest. */
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (single ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
			break;
	}
	sl_buf_puts(b, tmp);
}

/* "YYYY-MM-DD", years before 1 as DuckDB writes them: "0044-03-15 (BC)". */
static void put_date(sl_buf *b, int32_t days)
{
	int64_t y;
	unsigned m, d;
	sl_civil_from_days(days, &y, &m, &d);
	sl_buf_printf(b, "%04" PRId64 "-%02u-%02u%s", y > 0 ? y : 1 - y, m, d,
		      y > 0 ? "" : " (BC)");
}

static void put_time(sl_buf *b, int64_t micros)
{
	int64_t s = micros / 1000000, f = micros % 1000000;
	sl_buf_printf(b, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, s / 3600, s / 60 % 60, s % 60);
	if (f)
		sl_buf_printf(b, ".%06" PRId64, f);
}

static void put_timestamp(sl_buf *b, int64_t micros, bool tz)
{
	if (micros == INT64_MAX || micros == -INT64_MAX) {
		sl_buf_puts(b, micros > 0 ? "infinity" : "-infinity");
		return;
	}
	int64_t days = sl_floor_div(micros, SL_MICROS_PER_DAY);
	put_date(b, (int32_t)days);
	sl_buf_putc(b, ' ');
	put_time(b, micros - days * SL_MICROS_PER_DAY);
	if (tz)
		sl_buf_puts(b, "+00");
}

/* DuckDB's interval text: "1 year 2 months 3 days 04:05:06.789", "00:00:00" when zero. */
static void put_interval(sl_buf *b, duckdb_interval iv)
{
	size_t start = b->len;
	int32_t years = iv.months / 12, months = iv.months % 12;
	const struct {
		int32_t n;
		const char *unit;
	} parts[] = {{years, "year"}, {months, "month"}, {iv.days, "day"}};
	for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++) {
		if (!parts[i].n)
			continue;
		sl_buf_printf(b, "%s%" PRId32 " %s%s", b->len > start ? " " : "", parts[i].n,
			      parts[i].unit, parts[i].n == 1 || parts[i].n == -1 ? "" : "s");
	}
	if (iv.micros == 0) {
		if (b->len == start)
			sl_buf_puts(b, "00:00:00");
		return;
	}
	if (b->len > start)
		sl_buf_putc(b, ' ');
	uint64_t u = iv.micros < 0 ? -(uint64_t)iv.micros : (uint64_t)iv.micros;
	if (iv.micros < 0)
		sl_buf_putc(b, '-');
	uint64_t s = u / 1000000, f = u % 1000000;
	sl_buf_printf(b, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
	if (f) {
		char frac[8];
		snprintf(frac, sizeof(frac), "%06" PRIu64, f);
		size_t n = 6;
		while (frac[n - 1] == '0')
			n--;
		sl_buf_putc(b, '.');
		sl_buf_append(b, frac, n);
	}
}

/* DuckDB stores a UUID as a HUGEINT with the top bit flipped, so that they sort as bytes do. */
static void put_uuid(sl_buf *b, duckdb_hugeint h)
{
	uint64_t hi = (uint64_t)h.upper ^ (UINT64_C(1) << 63), lo = h.lower;
	sl_buf_printf(b, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
		      hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
		      lo & UINT64_C(0xffffffffffff));
}

/* DuckDB's BLOB text: printable ASCII as is, other bytes and quotes/backslash as \xHH. */
static void put_blob(sl_buf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch >= 32 && ch <= 126 && ch != '\\' && ch != '\'' && ch != '"') {
			sl_buf_putc(b, (char)ch);
		} else {
			char esc[4] = {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
			sl_buf_append(b, esc, 4);
		}
	}
}

static void string_bytes(const duckdb_string_t *s, const char **ptr, size_t *len)
{
	*len = s->value.inlined.length;
	*ptr = *len <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
}

static void format_cell(sl_buf *b, const duck_rows *r, const duck_rcol *c)
{
	int64_t v;
	if (int_cell(&v, r, c)) {
		sl_buf_printf(b, "%" PRId64, v);
		return;
	}
	switch (c->id) {
	case DUCKDB_TYPE_BOOLEAN:
		sl_buf_puts(b, CELL(r, c, bool) ? "true" : "false");
		break;
	case DUCKDB_TYPE_UBIGINT:
		sl_buf_printf(b, "%" PRIu64, CELL(r, c, uint64_t));
		break;
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_DECIMAL:
		put_decimal(b, wide_value(r, c), c->id == DUCKDB_TYPE_DECIMAL ? c->scale : 0);
		break;
	case DUCKDB_TYPE_UHUGEINT:
		put_u128(b, uhugeint_value(CELL(r, c, duckdb_uhugeint)));
		break;
	case DUCKDB_TYPE_FLOAT:
		put_double(b, CELL(r, c, float), true);
		break;
	case DUCKDB_TYPE_DOUBLE:
		put_double(b, CELL(r, c, double), false);
		break;
	case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB: {
		const char *p;
		size_t n;
		string_bytes(&CELL(r, c, duckdb_string_t), &p, &n);
		if (c->id == DUCKDB_TYPE_BLOB)
			put_blob(b, (const unsigned char *)p, n);
		else
			sl_buf_append(b, p, n);
		break;
	}
	case DUCKDB_TYPE_DATE: {
		int32_t d = CELL(r, c, int32_t);
		if (d == INT32_MAX || d == -INT32_MAX)
			sl_buf_puts(b, d > 0 ? "infinity" : "-infinity");
		else
			put_date(b, d);
		break;
	}
	case DUCKDB_TYPE_TIME:
		put_time(b, CELL(r, c, int64_t));
		break;
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ: {
		int64_t us;
		timestamp_cell(&us, r, c);
		put_timestamp(b, us, c->id == DUCKDB_TYPE_TIMESTAMP_TZ);
		break;
	}
	case DUCKDB_TYPE_INTERVAL:
		put_interval(b, CELL(r, c, duckdb_interval));
		break;
	case DUCKDB_TYPE_UUID:
		put_uuid(b, CELL(r, c, duckdb_hugeint));
		break;
	default:
		/* Only a non-SELECT statement (not rewritten by text_cast_sql) gets here. */
		sl_buf_puts(b, "?");
		break;
	}
}

static const char *rows_get_text(sl_rows *rows, size_t col, size_t *len)
{
	duck_rows *r = (duck_rows *)rows;
	if (len)
		*len = 0;
	if (rows_is_null(rows, col))
		return NULL;
	duck_rcol *c = &r->cols[col];
	if (!c->have_text) {
		sl_buf_reset(&c->text);
		format_cell(&c->text, r, c);
		if (c->text.failed) {
			sl_error_set(SL_ENOMEM, "out of memory");
			return NULL;
		}
		c->have_text = true;
	}
	if (len)
		*len = c->text.len;
	return sl_buf_cstr(&c->text);
}

static const sl_rows_ops duck_rows_ops = {
	.next = rows_next,
	.column_name = rows_column_name,
	.column_type = rows_column_type,
	.is_null = rows_is_null,
	.get_int64 = rows_get_int64,
	.get_double = rows_get_double,
	.get_text = rows_get_text,
	.free = rows_free,
};

static int describe_columns(duck_rows *r)
{
	r->base.ncolumns = duckdb_column_count(&r->result);
	r->cols = sl_calloc(r->base.ncolumns ? r->base.ncolumns : 1, sizeof(*r->cols));
	if (!r->cols)
		return SL_ENOMEM;
	for (size_t i = 0; i < r->base.ncolumns; i++) {
		duck_rcol *c = &r->cols[i];
		duckdb_logical_type lt = duckdb_column_logical_type(&r->result, i);
		c->name = duckdb_column_name(&r->result, i);
		c->id = duckdb_get_type_id(lt);
		c->type = portable_type(c->id, lt);
		if (c->id == DUCKDB_TYPE_DECIMAL) {
			c->internal = duckdb_decimal_internal_type(lt);
			c->scale = duckdb_decimal_scale(lt);
		}
		duckdb_destroy_logical_type(&lt);
	}
	return 0;
}

int duck_query(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
	       const char *const *params)
{
	duck_conn *c = (duck_conn *)conn;
	*out = NULL;
	duckdb_prepared_statement stmt;
	int rc = duck_prepare(&stmt, c, sql, nparams, params);
	if (rc)
		return rc;
	if (needs_text_cast(stmt)) {
		char *wrapped = text_cast_sql(stmt, sql);
		duckdb_destroy_prepare(&stmt);
		if (!wrapped)
			return SL_ENOMEM;
		rc = duck_prepare(&stmt, c, wrapped, nparams, params);
		free(wrapped);
		if (rc)
			return rc;
	}
	duck_rows *r = sl_calloc(1, sizeof(*r));
	if (!r) {
		duckdb_destroy_prepare(&stmt);
		return SL_ENOMEM;
	}
	r->base.ops = &duck_rows_ops;
	r->conn = c;
	r->stmt = stmt;
	/* Deprecated in 1.4's header, yet the C API's only way to stream a prepared statement. */
	if (duckdb_execute_prepared_streaming(stmt, &r->result) == DuckDBError) {
		rc = duck_result_error(c, &r->result);
		rows_free(&r->base);
		return rc;
	}
	rc = describe_columns(r);
	if (rc) {
		rows_free(&r->base);
		return rc;
	}
	c->stream = r;
	*out = &r->base;
	return 0;
}
