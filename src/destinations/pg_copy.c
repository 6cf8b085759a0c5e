/*
 * pg_copy.c — the PostgreSQL destination's appender: rows go in with COPY ... FROM STDIN
 * (FORMAT binary), each batch encoded straight into the binary COPY format in a reusable buffer
 * and sent in pieces of about 1 MiB. The COPY starts at the first append after the previous one
 * ended and ends at appender_flush, so its rows join whatever transaction is open. While a COPY
 * is open the connection can do nothing else, so any other statement (exec, query, begin,
 * commit) first ends it as a flush would; rollback and appender_close cancel it instead,
 * dropping its rows.
 */
#include "drivers.h"
#include "pg_oid.h"
#include "postgres_internal.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_PIECE ((size_t)1 << 20) /* bytes handed to PQputCopyData at once */

/* PostgreSQL counts dates and timestamps from 2000-01-01. */
#define PG_EPOCH_DAYS	INT64_C(10957)
#define PG_EPOCH_MICROS INT64_C(946684800000000)

typedef enum enc_kind {
	ENC_BOOL,
	ENC_INT2, /* any integer type into smallint, integer, bigint: range checked */
	ENC_INT4,
	ENC_INT8,
	ENC_INT_NUMERIC,
	ENC_DEC_NUMERIC,
	ENC_FLOAT4,
	ENC_FLOAT_AS_FLOAT8,
	ENC_FLOAT8,
	ENC_BYTES, /* text, varchar, json, bytea: the bytes as they are */
	ENC_JSONB, /* a version byte, then the text */
	ENC_DATE,
	ENC_TIME,
	ENC_TIMESTAMP, /* timestamp and timestamptz alike: microseconds */
	ENC_INTERVAL,
	ENC_UUID,
	ENC_ARRAY, /* a LIST: array_send's format, each element in element_enc */
	ENC_LOAD_ID
} enc_kind;

typedef struct pg_app_col {
	enc_kind enc;
	size_t batch_col; /* index in the schema and the batch (not for ENC_LOAD_ID) */
	sl_type type;	  /* the schema's type */
	int precision;	  /* DECIMAL: selects the batch's physical width */
	int scale;	  /* DECIMAL */
	char *name;	  /* the table's column name, for messages */
	char *pg_type;	  /* the table column's type ("smallint"), for messages */
	/* ENC_ARRAY: how the elements go, their schema type and the table's element type */
	enc_kind element_enc;
	sl_type element;
	Oid element_oid;
} pg_app_col;

struct pgdst_appender {
	sl_dest_appender base;
	pgdst_conn *conn; /* NULL once the connection closed under the appender */
	char *copy_sql;	  /* COPY "ds"."t" (cols) FROM STDIN (FORMAT binary) */
	size_t ncols;	  /* fields per COPY row */
	pg_app_col *cols;
	unsigned char *buf; /* COPY data not yet handed to libpq */
	size_t len;
	size_t cap;
	bool copying; /* a COPY is open on the connection for this appender */
};

/* ---- appender: binary COPY ------------------------------------------------------------------- */

/* Big-endian writers; each returns the position after what it wrote. */
static unsigned char *put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	return put32(p + 4, (uint32_t)v);
}

/* Most bytes one numeric field takes: length, 4 header words, at most 13 base-10000 digits. */
#define NUMERIC_FIELD_MAX (4 + 8 + 2 * 13)

/*
 * v / 10^scale as PostgreSQL's binary numeric: ndigits, weight, sign, dscale, then the digits in
 * base 10000, most significant first, aligned on the decimal point (the digit of weight w counts
 * 10000^w). Zero groups at either end are left out, as PostgreSQL stores them.
 */
static unsigned char *put_numeric(unsigned char *p, sl_i128 v, int scale)
{
	sl_u128 mag = v < 0 ? -(sl_u128)v : (sl_u128)v;
	uint16_t g[16]; /* base-10000 digits of mag * 10^pad, least significant first */
	int n = 0;
	if (mag >> 64) {
		/* two 128-bit divisions split it into 16-digit parts; the rest is 64-bit work */
		const sl_u128 e16 = (sl_u128)10000000000000000ULL;
		uint64_t low = (uint64_t)(mag % e16);
		mag /= e16;
		uint64_t mid = (uint64_t)(mag % e16);
		uint64_t top = (uint64_t)(mag / e16);
		for (int k = 0; k < 4; k++, low /= 10000)
			g[n++] = (uint16_t)(low % 10000);
		for (int k = 0; k < 4; k++, mid /= 10000)
			g[n++] = (uint16_t)(mid % 10000);
		for (; top; top /= 10000)
			g[n++] = (uint16_t)(top % 10000);
	} else {
		for (uint64_t x = (uint64_t)mag; x; x /= 10000)
			g[n++] = (uint16_t)(x % 10000);
	}
	/* shift left so the decimal point falls between groups */
	int pad = (4 - scale % 4) % 4;
	if (pad) {
		uint32_t mul = pad == 1 ? 10 : pad == 2 ? 100 : 1000, carry = 0;
		for (int i = 0; i < n; i++) {
			uint32_t t = g[i] * mul + carry;
			g[i] = (uint16_t)(t % 10000);
			carry = t / 10000;
		}
		if (carry)
			g[n++] = (uint16_t)carry;
	}
	int frac_groups = (scale + pad) / 4;
	while (n > 0 && g[n - 1] == 0)
		n--;
	int lo = 0;
	while (lo < n && g[lo] == 0)
		lo++;
	int ndigits = n - lo;
	int weight = ndigits ? n - 1 - frac_groups : 0;
	p = put32(p, (uint32_t)(8 + 2 * ndigits));
	p = put16(p, (uint16_t)ndigits);
	p = put16(p, (uint16_t)(int16_t)weight);
	p = put16(p, v < 0 && ndigits ? 0x4000 : 0x0000);
	p = put16(p, (uint16_t)scale);
	for (int i = n - 1; i >= lo; i--)
		p = put16(p, g[i]);
	return p;
}

/* An integer cell of any width and sign. */
static sl_i128 int_cell(const sl_vector *v, sl_type type, size_t r)
{
	switch (type) {
	case SL_TYPE_INT8:
		return ((const int8_t *)v->data)[r];
	case SL_TYPE_INT16:
		return ((const int16_t *)v->data)[r];
	case SL_TYPE_INT32:
		return ((const int32_t *)v->data)[r];
	case SL_TYPE_UINT8:
		return ((const uint8_t *)v->data)[r];
	case SL_TYPE_UINT16:
		return ((const uint16_t *)v->data)[r];
	case SL_TYPE_UINT32:
		return ((const uint32_t *)v->data)[r];
	case SL_TYPE_UINT64:
		return ((const uint64_t *)v->data)[r];
	default:
		return ((const int64_t *)v->data)[r];
	}
}

/* The unscaled value of a DECIMAL cell (its width follows the precision, see batch.h). */
static sl_i128 dec_cell(const sl_vector *v, int precision, size_t r)
{
	switch (sl_type_value_size(SL_TYPE_DECIMAL, precision)) {
	case 2:
		return ((const int16_t *)v->data)[r];
	case 4:
		return ((const int32_t *)v->data)[r];
	case 8:
		return ((const int64_t *)v->data)[r];
	default:
		return sl_i128_from(((const sl_int128 *)v->data)[r]);
	}
}

static unsigned char *encode_array(unsigned char *p, const pg_app_col *col, const sl_vector *v,
				   size_t r);

/* One non-NULL field (length word and value), or NULL when the value does not fit the column. */
static unsigned char *encode_value(unsigned char *p, const pg_app_col *col, const sl_vector *v,
				   size_t r)
{
	const void *d = v->data;
	switch (col->enc) {
	case ENC_BOOL:
		p = put32(p, 1);
		*p++ = ((const uint8_t *)d)[r] != 0;
		return p;
	case ENC_INT2: {
		sl_i128 x = int_cell(v, col->type, r);
		if (x < INT16_MIN || x > INT16_MAX)
			return NULL;
		return put16(put32(p, 2), (uint16_t)(int16_t)x);
	}
	case ENC_INT4: {
		sl_i128 x = int_cell(v, col->type, r);
		if (x < INT32_MIN || x > INT32_MAX)
			return NULL;
		return put32(put32(p, 4), (uint32_t)(int32_t)x);
	}
	case ENC_INT8: {
		sl_i128 x = int_cell(v, col->type, r);
		if (x < INT64_MIN || x > INT64_MAX)
			return NULL;
		return put64(put32(p, 8), (uint64_t)(int64_t)x);
	}
	case ENC_INT_NUMERIC:
		return put_numeric(p, int_cell(v, col->type, r), 0);
	case ENC_DEC_NUMERIC:
		return put_numeric(p, dec_cell(v, col->precision, r), col->scale);
	case ENC_FLOAT4: {
		uint32_t u;
		memcpy(&u, &((const float *)d)[r], sizeof(u));
		return put32(put32(p, 4), u);
	}
	case ENC_FLOAT_AS_FLOAT8:
	case ENC_FLOAT8: {
		double x = col->enc == ENC_FLOAT8 ? ((const double *)d)[r] : ((const float *)d)[r];
		uint64_t u;
		memcpy(&u, &x, sizeof(u));
		return put64(put32(p, 8), u);
	}
	case ENC_BYTES:
	case ENC_JSONB: {
		const sl_bytes *s = &((const sl_bytes *)d)[r];
		bool jsonb = col->enc == ENC_JSONB;
		p = put32(p, s->len + jsonb);
		if (jsonb)
			*p++ = 1; /* jsonb's binary format version */
		if (s->len)
			memcpy(p, s->ptr, s->len);
		return p + s->len;
	}
	case ENC_DATE: {
		int64_t x = ((const int32_t *)d)[r];
		/* the infinities a batch carries are DuckDB's: +-INT32_MAX; PostgreSQL's -infinity
		   is INT32_MIN, and +infinity the same INT32_MAX */
		if (x <= -INT32_MAX)
			x = INT32_MIN;
		else if (x != INT32_MAX && (x -= PG_EPOCH_DAYS) <= INT32_MIN)
			return NULL;
		return put32(put32(p, 4), (uint32_t)(int32_t)x);
	}
	case ENC_TIME:
		return put64(put32(p, 8), (uint64_t)((const int64_t *)d)[r]);
	case ENC_TIMESTAMP: {
		int64_t x = ((const int64_t *)d)[r];
		if (x <= -INT64_MAX)
			x = INT64_MIN;
		else if (x != INT64_MAX) {
			if (x < INT64_MIN + PG_EPOCH_MICROS + 1)
				return NULL;
			x -= PG_EPOCH_MICROS;
		}
		return put64(put32(p, 8), (uint64_t)x);
	}
	case ENC_INTERVAL: {
		const sl_interval *iv = &((const sl_interval *)d)[r];
		p = put64(put32(p, 16), (uint64_t)iv->micros);
		p = put32(p, (uint32_t)iv->days);
		return put32(p, (uint32_t)iv->months);
	}
	case ENC_UUID: {
		const sl_int128 *u = &((const sl_int128 *)d)[r];
		return put64(put64(put32(p, 16), (uint64_t)u->hi), u->lo);
	}
	case ENC_ARRAY:
		return encode_array(p, col, v, r);
	case ENC_LOAD_ID:
		break;
	}
	return NULL;
}

/* array_send's format: one dimension (none when empty) starting at 1, then the elements. */
static unsigned char *encode_array(unsigned char *p, const pg_app_col *col, const sl_vector *v,
				   size_t r)
{
	const sl_list_entry *e = &((const sl_list_entry *)v->data)[r];
	const sl_vector *child = v->child;
	bool nulls = false;
	for (uint64_t k = 0; k < e->length && !nulls; k++)
		nulls = !sl_vector_is_valid(child, (size_t)(e->offset + k));
	unsigned char *start = p;
	p = put32(p + 4, e->length ? 1 : 0);
	p = put32(p, nulls);
	p = put32(p, col->element_oid);
	if (e->length)
		p = put32(put32(p, (uint32_t)e->length), 1);
	pg_app_col element = {.enc = col->element_enc,
			      .type = col->element,
			      .precision = col->precision,
			      .scale = col->scale};
	for (uint64_t k = 0; k < e->length && p; k++) {
		size_t i = (size_t)(e->offset + k);
		p = sl_vector_is_valid(child, i) ? encode_value(p, &element, child, i)
						 : put32(p, UINT32_MAX);
	}
	if (p)
		put32(start, (uint32_t)(p - start - 4));
	return p;
}

/* How the schema's type goes into the table column's type, if it can. */
static bool choose_encoding(pg_app_col *col, Oid oid)
{
	switch (col->type) {
	case SL_TYPE_BOOL:
		col->enc = ENC_BOOL;
		return oid == OID_BOOL;
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		col->enc = oid == OID_INT2   ? ENC_INT2
			   : oid == OID_INT4 ? ENC_INT4
			   : oid == OID_INT8 ? ENC_INT8
					     : ENC_INT_NUMERIC;
		return oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8 || oid == OID_NUMERIC;
	case SL_TYPE_FLOAT:
		col->enc = oid == OID_FLOAT4 ? ENC_FLOAT4 : ENC_FLOAT_AS_FLOAT8;
		return oid == OID_FLOAT4 || oid == OID_FLOAT8;
	case SL_TYPE_DOUBLE:
		col->enc = ENC_FLOAT8;
		return oid == OID_FLOAT8;
	case SL_TYPE_DECIMAL:
		col->enc = ENC_DEC_NUMERIC;
		return oid == OID_NUMERIC;
	case SL_TYPE_TEXT:
	case SL_TYPE_JSON:
		col->enc = oid == OID_JSONB ? ENC_JSONB : ENC_BYTES;
		return oid == OID_TEXT || oid == OID_VARCHAR || oid == OID_BPCHAR ||
		       oid == OID_JSON || oid == OID_JSONB;
	case SL_TYPE_BLOB:
		col->enc = ENC_BYTES;
		return oid == OID_BYTEA;
	case SL_TYPE_DATE:
		col->enc = ENC_DATE;
		return oid == OID_DATE;
	case SL_TYPE_TIME:
		col->enc = ENC_TIME;
		return oid == OID_TIME;
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		col->enc = ENC_TIMESTAMP;
		return oid == OID_TIMESTAMP || oid == OID_TIMESTAMPTZ;
	case SL_TYPE_INTERVAL:
		col->enc = ENC_INTERVAL;
		return oid == OID_INTERVAL;
	case SL_TYPE_UUID:
		col->enc = ENC_UUID;
		return oid == OID_UUID;
	case SL_TYPE_LIST: {
		pg_app_col element = {.type = col->element};
		if (!col->element_oid || !choose_encoding(&element, col->element_oid))
			return false;
		col->enc = ENC_ARRAY;
		col->element_enc = element.enc;
		return true;
	}
	default:
		return false;
	}
}

static int reserve(pgdst_appender *a, size_t extra)
{
	if (a->cap - a->len >= extra)
		return 0;
	size_t cap = a->cap ? a->cap : 64 * 1024;
	while (cap - a->len < extra)
		cap *= 2;
	unsigned char *p = sl_realloc(a->buf, cap);
	if (!p)
		return SL_ENOMEM;
	a->buf = p;
	a->cap = cap;
	return 0;
}

/* Hand the buffered bytes to libpq. -1 when the COPY failed (its result says why). */
static int send_buffer(pgdst_appender *a)
{
	for (size_t off = 0; off < a->len;) {
		size_t n = a->len - off < COPY_PIECE ? a->len - off : COPY_PIECE;
		if (PQputCopyData(a->conn->pg, (const char *)a->buf + off, (int)n) != 1) {
			a->len = 0;
			return -1;
		}
		off += n;
	}
	a->len = 0;
	return 0;
}

/*
 * End the open COPY. keep: send the rest and the trailer, so the rows stay (in the open
 * transaction, or committed by themselves outside one), and report the COPY's error. Otherwise
 * the COPY is cancelled and its rows are dropped; errors are expected then and not reported.
 */
int pgdst_end_copy(pgdst_appender *a, bool keep)
{
	pgdst_conn *c = a->conn;
	bool report = keep, oom = false;
	if (keep) {
		if (reserve(a, 2)) {
			keep = false;
			oom = true;
		} else {
			a->len = (size_t)(put16(a->buf + a->len, 0xffff) - a->buf);
			keep = send_buffer(a) == 0; /* if not, the result says why */
		}
	}
	a->len = 0;
	int ended = PQputCopyEnd(c->pg, keep ? NULL : "cancelled by sluice");
	char what[300];
	snprintf(what, sizeof(what), "cannot write rows into %s", a->base.name);
	int rc = 0, guard = 0;
	PGresult *res;
	while ((res = PQgetResult(c->pg)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (report && !rc && st != PGRES_COMMAND_OK && st != PGRES_COPY_IN)
			rc = pgdst_result_error(c, res, what);
		PQclear(res);
		if (st == PGRES_COPY_IN && (++guard > 3 || PQputCopyEnd(c->pg, "cancelled") != 1))
			break;
	}
	if (report && !rc && oom)
		rc = sl_error_set(SL_ENOMEM, "out of memory");
	else if (report && !rc && (ended != 1 || !keep))
		rc = pgdst_conn_error(c, what);
	a->copying = false;
	c->copy = NULL;
	return rc;
}

static int start_copy(pgdst_appender *a)
{
	pgdst_conn *c = a->conn;
	int rc = pgdst_conn_ready(c); /* ends another appender's COPY */
	if (rc)
		return rc;
	PGresult *res = PQexec(c->pg, a->copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		char what[300];
		snprintf(what, sizeof(what), "cannot start writing rows into %s", a->base.name);
		rc = res ? pgdst_result_error(c, res, what) : pgdst_conn_error(c, what);
		PQclear(res);
		pgdst_drain(c->pg);
		return rc;
	}
	PQclear(res);
	c->copy = a;
	a->copying = true;
	/* signature, flags, header extension length */
	static const unsigned char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	if (reserve(a, sizeof(header))) {
		pgdst_end_copy(a, false);
		return SL_ENOMEM;
	}
	memcpy(a->buf + a->len, header, sizeof(header));
	a->len += sizeof(header);
	return 0;
}

/* Bytes `n` values of `v` (present or not) take at most when encoded as `enc`. */
static size_t values_bound(enc_kind enc, enc_kind element_enc, const sl_vector *v, size_t n)
{
	switch (enc) {
	case ENC_BYTES:
	case ENC_JSONB: {
		const sl_bytes *s = v->data;
		size_t need = n * 5;
		for (size_t r = 0; r < n; r++)
			if (sl_vector_is_valid(v, r))
				need += s[r].len;
		return need;
	}
	case ENC_INT_NUMERIC:
	case ENC_DEC_NUMERIC:
		return n * NUMERIC_FIELD_MAX;
	case ENC_ARRAY: /* header, one dimension, and every element of the batch at most */
		return n * (4 + 20) +
		       values_bound(element_enc, element_enc, v->child, v->child_len);
	default:
		return n * (4 + 16);
	}
}

/* Bytes the batch can take at most in COPY format, so that encoding needs no checks. */
static size_t batch_bound(const pgdst_appender *a, const sl_batch *b)
{
	size_t n = b->nrows, need = 2 * n;
	for (size_t i = 0; i < a->ncols; i++) {
		const pg_app_col *col = &a->cols[i];
		if (col->enc == ENC_LOAD_ID)
			need += n * (4 + (size_t)a->base.load_id_len);
		else
			need += values_bound(col->enc, col->element_enc,
					     &b->columns[col->batch_col], n);
	}
	return need;
}

static void put_i128(char *out, size_t size, sl_i128 v)
{
	char tmp[48];
	size_t i = sizeof(tmp);
	sl_u128 u = v < 0 ? -(sl_u128)v : (sl_u128)v;
	tmp[--i] = '\0';
	do {
		tmp[--i] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	snprintf(out, size, "%s", tmp + i);
}

static int range_error(const pgdst_appender *a, const pg_app_col *col, const sl_vector *v, size_t r)
{
	char value[48] = "";
	if (col->enc == ENC_INT2 || col->enc == ENC_INT4 || col->enc == ENC_INT8)
		put_i128(value, sizeof(value), int_cell(v, col->type, r));
	return sl_error_set(SL_ETYPE, "appending to %s: column %s: %s value %s%sdoes not fit %s",
			    a->base.name, col->name, sl_type_name(col->type), value,
			    *value ? " " : "", col->pg_type);
}

/* Encode the batch's rows after what the buffer holds. On error the buffer is left as it was. */
static int encode_batch(pgdst_appender *a, const sl_batch *b)
{
	if (reserve(a, batch_bound(a, b)))
		return SL_ENOMEM;
	unsigned char *p = a->buf + a->len;
	for (size_t r = 0; r < b->nrows; r++) {
		p = put16(p, (uint16_t)a->ncols);
		for (size_t i = 0; i < a->ncols; i++) {
			const pg_app_col *col = &a->cols[i];
			if (col->enc == ENC_LOAD_ID) {
				p = put32(p, a->base.load_id_len);
				memcpy(p, a->base.load_id, a->base.load_id_len);
				p += a->base.load_id_len;
				continue;
			}
			const sl_vector *v = &b->columns[col->batch_col];
			if (!(v->validity[r >> 6] >> (r & 63) & 1)) {
				p = put32(p, UINT32_MAX); /* -1: NULL */
				continue;
			}
			unsigned char *next = encode_value(p, col, v, r);
			if (!next)
				return range_error(a, col, v, r);
			p = next;
		}
	}
	a->len = (size_t)(p - a->buf);
	return 0;
}

int pgdst_append(sl_dest_appender *appender, const sl_batch *batch)
{
	pgdst_appender *a = (pgdst_appender *)appender;
	if (!a->conn)
		return sl_error_set(SL_EINVAL, "appending to %s: the connection is closed",
				    a->base.name);
	if (batch->nrows == 0)
		return 0;
	int rc = sl_dest_appender_check(&a->base, batch);
	if (!rc && !a->copying)
		rc = start_copy(a);
	/* a value that does not fit leaves the COPY open, without the batch */
	if (!rc)
		rc = encode_batch(a, batch);
	if (!rc && a->len >= COPY_PIECE && send_buffer(a)) {
		rc = pgdst_end_copy(a, true);
		if (!rc)
			rc = pgdst_conn_error(a->conn, "cannot write rows");
	}
	return rc;
}

int pgdst_appender_flush(sl_dest_appender *appender)
{
	pgdst_appender *a = (pgdst_appender *)appender;
	if (!a->conn)
		return sl_error_set(SL_EINVAL, "flushing %s: the connection is closed",
				    a->base.name);
	return a->copying ? pgdst_end_copy(a, true) : 0;
}

/* Rows not flushed are dropped: the COPY is cancelled (which fails an open transaction). */
void pgdst_appender_close(sl_dest_appender *appender)
{
	pgdst_appender *a = (pgdst_appender *)appender;
	if (!a)
		return;
	if (a->conn && a->copying)
		pgdst_end_copy(a, false);
	for (size_t i = 0; a->cols && i < a->ncols; i++) {
		free(a->cols[i].name);
		free(a->cols[i].pg_type);
	}
	free(a->cols);
	free(a->buf);
	free(a->copy_sql);
	sl_dest_appender_clear(&a->base);
	free(a);
}

/* Schema column `j` into table column `tc`: how its values are encoded. */
static int map_column(pgdst_appender *a, size_t j, const sl_column *sc, const pgdst_column *tc)
{
	pg_app_col *col = &a->cols[a->ncols++];
	col->batch_col = j;
	col->type = sc->type;
	col->precision = sc->precision;
	col->scale = sc->scale;
	col->element = sc->element;
	col->element_oid = tc->element_oid;
	col->name = sl_strdup(tc->name);
	col->pg_type = sl_strdup(tc->type);
	if (!col->name || !col->pg_type)
		return SL_ENOMEM;
	if (!choose_encoding(col, tc->oid))
		return sl_error_set(SL_ETYPE,
				    "table %s: column %s is %s in PostgreSQL, which cannot take %s "
				    "values",
				    a->base.name, col->name, col->pg_type, sl_type_name(sc->type));
	return SL_OK;
}

/* The load id, which every row gets. */
static int map_load_id(pgdst_appender *a)
{
	pg_app_col *col = &a->cols[a->ncols++];
	col->enc = ENC_LOAD_ID;
	col->name = sl_strdup(SL_LOAD_ID_COLUMN);
	return col->name ? SL_OK : SL_ENOMEM;
}

/* Match each schema column (and the load id) to a table column; build the COPY statement. */
static int appender_setup(pgdst_appender *a, const pgdst_columns *have,
			  const sl_table_schema *schema, const char *dataset, const char *table)
{
	bool *taken = sl_calloc(have->n, sizeof(*taken));
	a->cols = sl_calloc(schema->ncolumns + 1, sizeof(*a->cols));
	int rc = taken && a->cols ? SL_OK : SL_ENOMEM;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "COPY ");
	sl_buf_quote_qualified(&sql, dataset, table, '"');
	sl_buf_puts(&sql, " (");
	for (size_t j = 0; j < schema->ncolumns && !rc; j++) {
		const sl_column *sc = &schema->columns[j];
		int t = pgdst_columns_find(have, sc->name, taken);
		if (t < 0) {
			rc = sl_error_set(SL_EDEST,
					  "table %s has no column %s (ensure_table adds it)",
					  a->base.name, sc->name);
			break;
		}
		taken[t] = true;
		rc = map_column(a, j, sc, &have->cols[t]);
		sl_buf_puts(&sql, j ? ", " : "");
		sl_buf_quote_ident(&sql, have->cols[t].name, '"');
	}
	int t = a->base.load_id && !rc ? pgdst_columns_find(have, SL_LOAD_ID_COLUMN, taken) : -1;
	if (t >= 0) {
		rc = map_load_id(a);
		sl_buf_puts(&sql, ", ");
		sl_buf_quote_ident(&sql, have->cols[t].name, '"');
	}
	sl_buf_puts(&sql, ") FROM STDIN (FORMAT binary)");
	free(taken);
	if (!rc && !(a->copy_sql = sl_buf_detach(&sql)))
		rc = SL_ENOMEM;
	sl_buf_free(&sql);
	return rc;
}

/* Map the schema to the table's columns. */
static int attach_table(pgdst_appender *a, const char *dataset, const char *table,
			const sl_table_schema *schema)
{
	pgdst_columns have;
	int rc = pgdst_table_columns(&have, a->conn, dataset, table);
	if (rc)
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	if (have.n == 0)
		rc = sl_error_set(SL_ENOTFOUND, "PostgreSQL %s: table %s.%s does not exist",
				  a->conn->where, dataset, table);
	else
		rc = appender_setup(a, &have, schema, dataset, table);
	pgdst_columns_free(&have);
	return rc;
}

int pgdst_appender_open(sl_dest_appender **out, sl_dest_conn *conn, const char *dataset,
			const char *table, const sl_table_schema *schema, const char *load_id)
{
	*out = NULL;
	int rc = sl_sql_check_schema(conn, dataset, table, schema);
	if (rc)
		return rc;
	pgdst_appender *a = sl_calloc(1, sizeof(*a));
	if (!a)
		return SL_ENOMEM;
	a->conn = (pgdst_conn *)conn;
	rc = sl_dest_appender_init(&a->base, &sl_postgres_destination, dataset, table, schema,
				   load_id);
	if (!rc)
		rc = attach_table(a, dataset, table, schema);
	if (rc) {
		pgdst_appender_close(&a->base);
		return rc;
	}
	*out = &a->base;
	return 0;
}

void pgdst_close_copy(pgdst_conn *c)
{
	pgdst_appender *a = c->copy;
	if (!a)
		return;
	pgdst_end_copy(a, false);
	a->conn = NULL;
}
