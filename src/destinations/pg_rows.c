/*
 * pg_rows.c — reading PostgreSQL query results back (sl_rows). Rows stream in libpq's single-row
 * mode, in text format; the session's settings (postgres.c) make that text independent of the
 * server's configuration. Integers and date/time values are parsed from the text on request.
 * While rows are being read the connection is busy: another statement is refused until they
 * are freed.
 */
#include "pg_oid.h"
#include "postgres_internal.h"
#include "value.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- result rows ----------------------------------------------------------------------------- */

struct pgdst_rows {
	sl_rows base;
	pgdst_conn *conn;
	PGresult *meta; /* the first result: column names and types, and maybe the first row */
	PGresult *cur;	/* the result holding the current row (may be meta), NULL when none */
	bool meta_row;	/* meta holds a row next() has not returned yet */
	bool done;	/* every result of the query has been read from the connection */
};

void pgdst_drain(PGconn *pg)
{
	PGresult *res;
	int guard = 0;
	while ((res = PQgetResult(pg)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_COPY_IN &&
		    (++guard > 3 || PQputCopyEnd(pg, "COPY is not supported here") != 1))
			break;
		if (st == PGRES_COPY_OUT) {
			char *buf;
			while (PQgetCopyData(pg, &buf, 0) > 0)
				PQfreemem(buf);
		}
		if (st == PGRES_COPY_BOTH)
			break;
	}
}

void pgdst_abandon_rows(pgdst_conn *c)
{
	pgdst_rows *r = c->streaming;
	if (!r)
		return;
	pgdst_drain(c->pg);
	r->done = true;
	c->streaming = NULL;
}

static void rows_end(pgdst_rows *r)
{
	r->done = true;
	if (r->conn->streaming == r)
		r->conn->streaming = NULL;
}

static int rows_next(sl_rows *rows)
{
	pgdst_rows *r = (pgdst_rows *)rows;
	if (r->cur && r->cur != r->meta)
		PQclear(r->cur);
	r->cur = NULL;
	if (r->meta_row) {
		r->meta_row = false;
		r->cur = r->meta;
		return 1;
	}
	if (r->done)
		return 0;
	PGresult *res = PQgetResult(r->conn->pg);
	if (!res) {
		rows_end(r);
		return 0;
	}
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_SINGLE_TUPLE) {
		r->cur = res;
		return 1;
	}
	int rc = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK
			 ? 0
			 : pgdst_result_error(r->conn, res, NULL);
	PQclear(res);
	pgdst_drain(r->conn->pg);
	rows_end(r);
	return rc;
}

static const char *rows_column_name(const sl_rows *rows, size_t col)
{
	const pgdst_rows *r = (const pgdst_rows *)rows;
	return col < r->base.ncolumns ? PQfname(r->meta, (int)col) : NULL;
}

/* A result column's portable type: text, and anything sluice has no type for, is TEXT. */
static sl_type oid_type(Oid oid)
{
	int precision, scale;
	sl_type type = pgdst_portable_type(oid, -1, &precision, &scale);
	return type == SL_TYPE__COUNT ? SL_TYPE_TEXT : type;
}

static sl_type rows_column_type(const sl_rows *rows, size_t col)
{
	const pgdst_rows *r = (const pgdst_rows *)rows;
	return col < r->base.ncolumns ? oid_type(PQftype(r->meta, (int)col)) : SL_TYPE_TEXT;
}

static bool rows_is_null(const sl_rows *rows, size_t col)
{
	const pgdst_rows *r = (const pgdst_rows *)rows;
	return !r->cur || col >= r->base.ncolumns || PQgetisnull(r->cur, 0, (int)col);
}

static const char *rows_get_text(sl_rows *rows, size_t col, size_t *len)
{
	pgdst_rows *r = (pgdst_rows *)rows;
	if (len)
		*len = 0;
	if (rows_is_null(rows, col))
		return NULL;
	if (len)
		*len = (size_t)PQgetlength(r->cur, 0, (int)col);
	return PQgetvalue(r->cur, 0, (int)col);
}

/* ---- reading values from their text ---------------------------------------------------------- */

/* Between min and max decimal digits at *p; advances *p past them. */
static bool take_digits(const char **p, int min, int max, int64_t *out)
{
	int64_t v = 0;
	int n = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n >= min;
}

static bool take_char(const char **p, char ch)
{
	if (**p != ch)
		return false;
	(*p)++;
	return true;
}

/* "YYYY-MM-DD" (the year may have more digits); the era comes separately (" BC" at the end). */
static bool take_date(const char **p, bool bc, int64_t *days)
{
	int64_t y, m, d;
	if (!take_digits(p, 4, 9, &y) || !take_char(p, '-') || !take_digits(p, 2, 2, &m) ||
	    !take_char(p, '-') || !take_digits(p, 2, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	*days = sl_days_from_civil(bc ? 1 - y : y, (unsigned)m, (unsigned)d);
	return true;
}

/* "HH:MM:SS[.ffffff]" as microseconds. */
static bool take_time(const char **p, int64_t *micros)
{
	int64_t h, m, s, f = 0;
	if (!take_digits(p, 2, 2, &h) || !take_char(p, ':') || !take_digits(p, 2, 2, &m) ||
	    !take_char(p, ':') || !take_digits(p, 2, 2, &s))
		return false;
	if (take_char(p, '.')) {
		const char *start = *p;
		if (!take_digits(p, 1, 6, &f))
			return false;
		for (ptrdiff_t n = *p - start; n < 6; n++)
			f *= 10;
	}
	*micros = ((h * 60 + m) * 60 + s) * SL_MICROS_PER_SEC + f;
	return true;
}

/* A UTC offset "+HH[:MM[:SS]]" as seconds east of UTC. */
static bool take_offset(const char **p, int64_t *seconds)
{
	int sign = **p == '-' ? -1 : 1;
	if (!take_char(p, '+') && !take_char(p, '-'))
		return false;
	int64_t h, m = 0, s = 0;
	if (!take_digits(p, 2, 2, &h))
		return false;
	if (take_char(p, ':') && !take_digits(p, 2, 2, &m))
		return false;
	if (take_char(p, ':') && !take_digits(p, 2, 2, &s))
		return false;
	*seconds = sign * ((h * 60 + m) * 60 + s);
	return true;
}

static bool ends_bc(const char *s)
{
	size_t n = strlen(s);
	return n > 3 && strcmp(s + n - 3, " BC") == 0;
}

/* The era suffix, then the end of the text. */
static bool at_end(const char *p, bool bc)
{
	return bc ? strcmp(p, " BC") == 0 : *p == '\0';
}

/* PostgreSQL's ISO text of a date, time or timestamp as days or microseconds, the infinities as
   INT32/INT64_MAX and their negations (what DuckDB uses). */
static bool parse_temporal(Oid oid, const char *s, int64_t *out)
{
	bool date = oid == OID_DATE;
	if (strcmp(s, "infinity") == 0 || strcmp(s, "-infinity") == 0) {
		int64_t inf = date ? INT32_MAX : INT64_MAX;
		*out = s[0] == '-' ? -inf : inf;
		return oid != OID_TIME;
	}
	bool bc = ends_bc(s);
	const char *p = s;
	int64_t days = 0, micros = 0, offset = 0;
	if (oid == OID_TIME)
		return take_time(&p, out) && *p == '\0';
	if (!take_date(&p, bc, &days))
		return false;
	if (date) {
		*out = days;
		return at_end(p, bc);
	}
	if (!take_char(&p, ' ') || !take_time(&p, &micros))
		return false;
	if (oid == OID_TIMESTAMPTZ && !take_offset(&p, &offset))
		return false;
	if (!at_end(p, bc))
		return false;
	*out = days * SL_MICROS_PER_DAY + micros - offset * SL_MICROS_PER_SEC;
	return true;
}

/* The integer part of numeric text ("-12.75" -> -12), when it fits. */
static bool parse_numeric_int(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	if (neg || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false; /* NaN, Infinity */
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s)
		return false;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > INT64_MAX)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static int value_error(const pgdst_rows *r, size_t col, const char *why)
{
	return sl_error_set(SL_ETYPE, "PostgreSQL %s: column %s: %s", r->conn->where,
			    PQfname(r->meta, (int)col), why);
}

static int rows_get_int64(int64_t *out, const sl_rows *rows, size_t col)
{
	const pgdst_rows *r = (const pgdst_rows *)rows;
	int rc = sl_rows_check_value(rows, col);
	*out = 0;
	if (rc)
		return rc;
	const char *s = PQgetvalue(r->cur, 0, (int)col);
	Oid oid = PQftype(r->meta, (int)col);
	switch (oid) {
	case OID_BOOL:
		*out = s[0] == 't';
		return 0;
	case OID_NUMERIC:
		return parse_numeric_int(s, out)
			       ? 0
			       : value_error(r, col, "value does not fit in a 64-bit integer");
	case OID_FLOAT4:
	case OID_FLOAT8: {
		char *end;
		double d = strtod(s, &end);
		if (*end || !(d > -9223372036854775808.0 && d < 9223372036854775808.0))
			return value_error(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)d;
		return 0;
	}
	case OID_DATE:
	case OID_TIME:
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		return parse_temporal(oid, s, out) ? 0
						   : value_error(r, col, "unreadable date/time");
	default: {
		/* integers, and integers that arrive as text (a state value, a cast) */
		char *end;
		errno = 0;
		long long v = *s ? strtoll(s, &end, 10) : 0;
		if (!*s || errno || *end)
			return value_error(r, col, "value is not an integer");
		*out = v;
		return 0;
	}
	}
}

/* Booleans and dates and times are what get_int64 reads; other values are parsed as numbers. */
static int rows_get_double(double *out, const sl_rows *rows, size_t col)
{
	const pgdst_rows *r = (const pgdst_rows *)rows;
	int rc = sl_rows_check_value(rows, col);
	Oid oid = rc ? 0 : PQftype(r->meta, (int)col);
	*out = 0;
	if (rc)
		return rc;
	if (oid == OID_BOOL || oid == OID_DATE || oid == OID_TIME || oid == OID_TIMESTAMP ||
	    oid == OID_TIMESTAMPTZ) {
		int64_t v;
		rc = rows_get_int64(&v, rows, col);
		*out = (double)v;
		return rc;
	}
	/* a real's text is the shortest that reads back as that float, not as a double */
	const char *s = PQgetvalue(r->cur, 0, (int)col);
	char *end = NULL;
	double d = !*s ? 0 : oid == OID_FLOAT4 ? strtof(s, &end) : strtod(s, &end);
	if (!*s || *end)
		return value_error(r, col, "value is not a number");
	*out = d;
	return 0;
}

static void rows_free(sl_rows *rows)
{
	pgdst_rows *r = (pgdst_rows *)rows;
	if (!r)
		return;
	if (!r->done) {
		/* the rest of the result must be read off the connection before it can be used */
		pgdst_drain(r->conn->pg);
		rows_end(r);
	}
	if (r->cur && r->cur != r->meta)
		PQclear(r->cur);
	PQclear(r->meta);
	free(r);
}

static const sl_rows_ops pgdst_rows_ops = {
	.next = rows_next,
	.column_name = rows_column_name,
	.column_type = rows_column_type,
	.is_null = rows_is_null,
	.get_int64 = rows_get_int64,
	.get_double = rows_get_double,
	.get_text = rows_get_text,
	.free = rows_free,
};

int pgdst_query(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
		const char *const *params)
{
	pgdst_conn *c = (pgdst_conn *)conn;
	*out = NULL;
	if (nparams > INT32_MAX)
		return sl_error_set(SL_EINVAL, "PostgreSQL %s: too many parameters", c->where);
	int rc = pgdst_conn_ready(c);
	if (rc)
		return rc;
	if (!PQsendQueryParams(c->pg, sql, (int)nparams, NULL, params, NULL, NULL, 0))
		return pgdst_conn_error(c, NULL);
	if (!PQsetSingleRowMode(c->pg)) {
		pgdst_drain(c->pg);
		return sl_error_set(SL_EDEST, "PostgreSQL %s: cannot stream the result", c->where);
	}
	PGresult *res = PQgetResult(c->pg);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	switch (st) {
	case PGRES_SINGLE_TUPLE:
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		break;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		rc = sl_error_set(SL_EINVAL, "PostgreSQL %s: COPY cannot run through query",
				  c->where);
		break;
	default:
		rc = res ? pgdst_result_error(c, res, NULL) : pgdst_conn_error(c, NULL);
		break;
	}
	pgdst_rows *r = rc ? NULL : sl_calloc(1, sizeof(*r));
	if (!r) {
		PQclear(res);
		pgdst_drain(c->pg);
		return rc ? rc : SL_ENOMEM;
	}
	r->base.ops = &pgdst_rows_ops;
	r->conn = c;
	r->meta = res;
	r->base.ncolumns = (size_t)PQnfields(res);
	if (st == PGRES_SINGLE_TUPLE) {
		r->meta_row = true;
		c->streaming = r;
	} else {
		pgdst_drain(c->pg);
		r->done = true;
	}
	*out = &r->base;
	return 0;
}
