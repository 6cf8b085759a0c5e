/*
 * postgres_value.c — PostgreSQL's binary COPY rows into batches: which wire format each column
 * arrives in (chosen from the reflected schema alone: the portable type and, for TEXT and JSON,
 * the declared type) and the decoding of each CopyData message, value by value, into the
 * batch's typed arrays (network byte order, strings copied into the batch arena, each format
 * checked by its length). Per value: the hot path of a PostgreSQL scan. sl_pg_decode_row
 * (postgres_value.h) runs the same decoding without a server, for fuzz/fuzz_pg_value.c.
 */
#include "postgres_internal.h"

#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* char(n) keeps its padding only in its own binary form (::text strips it). */
static bool is_bpchar(const char *decl)
{
	return decl && (strcmp(decl, "bpchar") == 0 || strcmp(decl, "character") == 0 ||
			strncmp(decl, "character(", 10) == 0);
}

/* A LIST column's element declaration: "character(3)" of "character(3)[]". */
static void element_decl(char *out, size_t size, const char *decl)
{
	size_t n = decl ? strlen(decl) : 0;
	if (n >= 2 && strcmp(decl + n - 2, "[]") == 0)
		n -= 2;
	snprintf(out, size, "%.*s", (int)n, decl ? decl : "");
}

pg_expr sl_pg_expr_of(const sl_column *col)
{
	if (col->type == SL_TYPE_LIST) {
		char decl[128];
		element_decl(decl, sizeof(decl), col->source_type);
		return col->element == SL_TYPE_TEXT && !is_bpchar(decl) ? EX_TEXT_ARRAY : EX_PLAIN;
	}
	if (col->type == SL_TYPE_TEXT) {
		if (col->source_type && strcmp(col->source_type, "inet") == 0)
			return EX_ABBREV;
		return is_bpchar(col->source_type) ? EX_PLAIN : EX_TEXT;
	}
	if (col->type == SL_TYPE_JSON) {
		const char *d = col->source_type ? col->source_type : "";
		return strcmp(d, "json") == 0 || strcmp(d, "jsonb") == 0 ? EX_PLAIN : EX_TO_JSON;
	}
	return EX_PLAIN;
}

static pg_wire wire_of(sl_type type, const char *decl)
{
	switch (type) {
	case SL_TYPE_BOOL:
		return W_BOOL;
	case SL_TYPE_INT16:
		return W_INT2;
	case SL_TYPE_INT32:
		return W_INT4;
	case SL_TYPE_UINT32:
		return W_OID;
	case SL_TYPE_FLOAT:
		return W_FLOAT4;
	case SL_TYPE_DOUBLE:
		return W_FLOAT8;
	case SL_TYPE_DECIMAL:
		return W_NUMERIC;
	case SL_TYPE_JSON:
		return decl && strcmp(decl, "jsonb") == 0 ? W_JSONB : W_BYTES;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
		return W_BYTES;
	case SL_TYPE_DATE:
		return W_DATE;
	case SL_TYPE_TIME:
		return W_TIME;
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		return W_TIMESTAMP;
	case SL_TYPE_INTERVAL:
		return W_INTERVAL;
	case SL_TYPE_UUID:
		return W_UUID;
	case SL_TYPE_LIST:
		return W_ARRAY;
	default:
		return W_INT8; /* INT64; other portable types never come from this driver */
	}
}

int sl_pg_setup_columns(pg_scan *s, const sl_table_schema *shape, size_t seen_flags)
{
	s->base.ncols = shape->ncolumns + seen_flags;
	s->cols = sl_calloc(s->base.ncols, sizeof(*s->cols));
	if (!s->cols)
		return SL_ENOMEM;
	for (size_t i = 0; i < s->base.ncols; i++) {
		pg_col *pc = &s->cols[i];
		if (i >= shape->ncolumns) {
			pc->type = SL_TYPE_BOOL;
			pc->wire = W_BOOL;
			pc->null_is_false = true;
			continue;
		}
		const sl_column *col = &shape->columns[i];
		pc->type = col->type;
		pc->precision = col->precision;
		pc->scale = col->scale;
		pc->wire = wire_of(col->type, col->source_type);
		sl_type element = col->type == SL_TYPE_LIST ? col->element : col->type;
		if (col->type == SL_TYPE_LIST) {
			char decl[128];
			element_decl(decl, sizeof(decl), col->source_type);
			pc->element_wire = wire_of(col->element, decl);
		}
		pg_wire value_wire = col->type == SL_TYPE_LIST ? pc->element_wire : pc->wire;
		if ((element != SL_TYPE_INT64 && value_wire == W_INT8) || value_wire == W_ARRAY)
			return sl_error_set(SL_ETYPE, "PostgreSQL: column %s.%s: cannot read %s",
					    shape->name, col->name, sl_type_name(element));
	}
	return SL_OK;
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int bad_value(const pg_scan *s, size_t c, const char *why)
{
	return sl_error_set(
		SL_ESOURCE, "PostgreSQL: %s.%s: %s", s->base.table->name,
		c < s->base.table->ncolumns ? s->base.table->columns[c].name : "(seen flag)", why);
}

/* 10^n for 0 <= n <= 38, unsigned: numeric magnitudes are compared and summed unsigned. */
static sl_u128 pow10_u128(int n)
{
	return (sl_u128)sl_pow10_i128(n);
}

/*
 * numeric_send: int16 ndigits, int16 weight, uint16 sign, uint16 dscale, then ndigits base-10000
 * digits; the value is sum(digit[i] * 10000^(weight - i)). Scaled to `scale` decimal places,
 * extra places rounded half away from zero. *special: 0, or the sign word of NaN / ±Infinity.
 */
static int decode_numeric(sl_u128 *mag, bool *neg, unsigned *special, const unsigned char *p,
			  uint32_t len, int scale)
{
	if (len < 8)
		return SL_ETYPE;
	unsigned ndigits = be16(p), sign = be16(p + 4);
	int weight = (int16_t)be16(p + 2);
	if (len != 8 + 2 * ndigits)
		return SL_ETYPE;
	*special = sign == 0xC000 || sign == 0xD000 || sign == 0xF000 ? sign : 0;
	if (!*special && sign != 0 && sign != 0x4000)
		return SL_ETYPE; /* not a sign numeric_send writes */
	*neg = sign == 0x4000;
	*mag = 0;
	if (*special)
		return SL_OK;
	const sl_u128 limit = pow10_u128(38);
	bool rounded = false;
	for (unsigned i = 0; i < ndigits; i++) {
		unsigned d = be16(p + 8 + 2 * i);
		if (d > 9999)
			return SL_ETYPE;
		int e = 4 * (weight - (int)i) + scale; /* this digit's power of ten, scaled */
		/* d * 10^e must stay below 10^38: checked before multiplying, which could wrap */
		if (e > 38 || (e > 34 && d >= pow10_u128(38 - e))) {
			if (d)
				return SL_ETYPE;
			continue;
		}
		if (e >= 0) {
			*mag += (sl_u128)d * pow10_u128(e);
		} else if (!rounded) {
			/* the first digit below the scale decides the rounding; later ones cannot.
			   A group wholly below it (e < -4) follows an implicit zero there */
			rounded = true;
			if (e < -4)
				continue;
			unsigned cut = (unsigned)pow10_u128(-e);
			*mag += d / cut;
			if (d % cut >= cut / 2)
				*mag += 1;
		}
		if (*mag >= limit)
			return SL_ETYPE;
	}
	return SL_OK;
}

static int put_decimal(pg_scan *s, size_t c, void *data, size_t row, const unsigned char *p,
		       uint32_t len)
{
	pg_col *pc = &s->cols[c];
	sl_u128 mag;
	bool neg;
	unsigned special;
	if (decode_numeric(&mag, &neg, &special, p, len, pc->scale))
		return bad_value(s, c, "numeric value does not fit the column's DECIMAL");
	if (special) {
		pc->nans++; /* typmod'd numerics can hold NaN (±Infinity they refuse) */
		return 1;
	}
	if (pc->precision < 38 && mag >= pow10_u128(pc->precision))
		return bad_value(s, c, "numeric value has more digits than the column's precision");
	sl_i128 v = neg ? -(sl_i128)mag : (sl_i128)mag; /* mag < 10^38 */
	sl_decimal_store(data, row, pc->precision, sl_int128_from(v));
	return 0;
}

static int put_bytes(sl_arena *arena, void *data, size_t row, const unsigned char *p, uint32_t len)
{
	const char *copy = len ? sl_arena_copy(arena, (const char *)p, len) : "";
	if (!copy)
		return SL_ENOMEM;
	((sl_bytes *)data)[row] = (sl_bytes){copy, len};
	return 0;
}

/*
 * A date or timestamp `v` counted from PostgreSQL's epoch, of a type whose extremes `max` and
 * -max - 1 mean ±infinity, into *out counted from 1970 (`shift` units later). ±infinity becomes
 * DuckDB's ±infinity (max and -max), except in the cursor column, where it becomes NULL
 * (returns 1) and is counted; so do values DuckDB cannot hold.
 */
static int from_pg_epoch(pg_col *pc, int64_t v, int64_t max, int64_t shift, int64_t *out)
{
	if (v > -max - 1 && v <= max - 1 - shift) { /* finite, and DuckDB holds it */
		*out = v + shift;
		return 0;
	}
	bool infinite = v == max || v == -max - 1;
	/* DuckDB keeps max for its own infinity: the last 29 years of PostgreSQL's timestamps
	   (294247-01-10 04:00:54.775807 to 294276-12-31) do not fit; PostgreSQL's dates (to
	   5874897 AD) all do, and a date past them is counted the same way */
	if (!infinite) {
		pc->beyond++;
		return 1;
	}
	if (pc->infinite_as_null) {
		pc->infinite++;
		return 1;
	}
	*out = v == max ? max : -max;
	return 0;
}

static const uint32_t wire_len[] = {
	[W_BOOL] = 1,	   [W_INT2] = 2,      [W_INT4] = 4,   [W_INT8] = 8,
	[W_OID] = 4,	   [W_FLOAT4] = 4,    [W_FLOAT8] = 8, [W_NUMERIC] = 0,
	[W_BYTES] = 0,	   [W_JSONB] = 0,     [W_DATE] = 4,   [W_TIME] = 8,
	[W_TIMESTAMP] = 8, [W_INTERVAL] = 16, [W_UUID] = 16,  [W_ARRAY] = 0,
};

static int decode_array(pg_scan *s, size_t c, sl_batch *b, size_t row, const unsigned char *p,
			uint32_t len);

/*
 * Decode one non-NULL value of column `c`, arriving as `wire`, into element `i` of vector `v`
 * (the batch column, or a LIST column's child); returns 0 (stored), 1 (to be stored as NULL) or
 * a negative error.
 */
static int decode_value(pg_scan *s, size_t c, pg_wire wire, sl_vector *v, sl_arena *arena, size_t i,
			const unsigned char *p, uint32_t len)
{
	pg_col *pc = &s->cols[c];
	void *data = v->data;
	int64_t t;
	int rc;
	if (wire_len[wire] && len != wire_len[wire]) {
		char why[96];
		snprintf(why, sizeof(why), "a %s value of %u bytes (expected %u)",
			 sl_type_name(v->type), len, wire_len[wire]);
		return bad_value(s, c, why);
	}
	switch (wire) {
	case W_BOOL:
		((uint8_t *)data)[i] = p[0] != 0;
		return 0;
	case W_INT2:
		((int16_t *)data)[i] = (int16_t)be16(p);
		return 0;
	case W_INT4:
		((int32_t *)data)[i] = (int32_t)be32(p);
		return 0;
	case W_OID:
		((uint32_t *)data)[i] = be32(p);
		return 0;
	case W_INT8:
		((int64_t *)data)[i] = (int64_t)be64(p);
		return 0;
	case W_FLOAT4: {
		uint32_t u = be32(p);
		memcpy(&((float *)data)[i], &u, sizeof(u));
		return 0;
	}
	case W_FLOAT8: {
		uint64_t u = be64(p);
		memcpy(&((double *)data)[i], &u, sizeof(u));
		return 0;
	}
	case W_NUMERIC:
		return put_decimal(s, c, data, i, p, len);
	case W_BYTES:
		return put_bytes(arena, data, i, p, len);
	case W_JSONB:
		if (len < 1 || p[0] != 1)
			return bad_value(s, c, "unknown jsonb binary version");
		return put_bytes(arena, data, i, p + 1, len - 1);
	case W_DATE:
		rc = from_pg_epoch(pc, (int32_t)be32(p), INT32_MAX, PG_EPOCH_DAYS, &t);
		if (rc == 0)
			((int32_t *)data)[i] = (int32_t)t;
		return rc;
	case W_TIME:
		((int64_t *)data)[i] = (int64_t)be64(p);
		return 0;
	case W_TIMESTAMP:
		rc = from_pg_epoch(pc, (int64_t)be64(p), INT64_MAX, PG_EPOCH_MICROS, &t);
		if (rc == 0)
			((int64_t *)data)[i] = t;
		return rc;
	case W_INTERVAL:
		((sl_interval *)data)[i] = (sl_interval){(int32_t)be32(p + 12),
							 (int32_t)be32(p + 8), (int64_t)be64(p)};
		return 0;
	case W_UUID:
		((sl_int128 *)data)[i] = (sl_int128){be64(p + 8), (int64_t)be64(p)};
		return 0;
	case W_ARRAY:
		break; /* decode_array's, which knows the row */
	}
	return bad_value(s, c, "unknown wire format");
}

/*
 * array_send: int32 ndim, int32 has-NULLs flag, uint32 element type, per dimension int32 size
 * and lower bound, then each element as int32 length (-1: NULL) and bytes. An empty array has
 * no dimensions. Lower bounds other than 1 are not kept (a LIST starts at 1).
 */
static int decode_array(pg_scan *s, size_t c, sl_batch *b, size_t row, const unsigned char *p,
			uint32_t len)
{
	if (len < 12)
		return bad_value(s, c, "truncated array");
	int32_t ndim = (int32_t)be32(p);
	if (ndim == 0)
		return sl_batch_list_append(b, c, row, 0, &(size_t){0});
	if (ndim != 1) {
		char why[200];
		snprintf(why, sizeof(why),
			 "a %d-dimensional array value in a column loaded as a one-dimensional "
			 "LIST (declare the column with its dimensions, e.g. int[][], to load it "
			 "as JSON)",
			 ndim);
		return bad_value(s, c, why);
	}
	if (len < 20)
		return bad_value(s, c, "truncated array");
	uint32_t n = be32(p + 12), pos = 20;
	if (n > (len - pos) / 4)
		return bad_value(s, c, "an array with more elements than bytes");
	size_t first;
	if (sl_batch_list_append(b, c, row, n, &first))
		return SL_ENOMEM;
	sl_vector *child = b->columns[c].child;
	for (uint32_t k = 0; k < n; k++) {
		if (len - pos < 4)
			return bad_value(s, c, "truncated array element");
		int32_t elen = (int32_t)be32(p + pos);
		pos += 4;
		if (elen < 0)
			continue; /* NULL, as appended */
		if ((uint32_t)elen > len - pos)
			return bad_value(s, c, "truncated array element");
		int rc = decode_value(s, c, s->cols[c].element_wire, child, &b->arena, first + k,
				      p + pos, (uint32_t)elen);
		if (rc < 0)
			return rc;
		if (rc == 0)
			sl_vector_set_valid(child, first + k);
		pos += (uint32_t)elen;
	}
	return pos == len ? 0 : bad_value(s, c, "bytes after the last array element");
}

int sl_pg_decode_tuple(pg_scan *s, sl_batch *b, size_t row, const unsigned char *p, size_t len,
		       bool *end)
{
	*end = false;
	if (len < 2)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: truncated COPY row",
				    s->base.table->name);
	int16_t nfields = (int16_t)be16(p);
	if (nfields == -1) {
		*end = true;
		return SL_OK;
	}
	if ((size_t)nfields != s->base.ncols)
		return sl_error_set(SL_ESOURCE,
				    "PostgreSQL: %s: a COPY row of %d fields, expected %zu",
				    s->base.table->name, nfields, s->base.ncols);
	size_t pos = 2;
	for (size_t c = 0; c < s->base.ncols; c++) {
		if (len - pos < 4)
			return bad_value(s, c, "truncated COPY row");
		int32_t flen = (int32_t)be32(p + pos);
		pos += 4;
		if (flen < 0) {
			if (s->cols[c].null_is_false) {
				((uint8_t *)b->columns[c].data)[row] = 0;
				sl_batch_set_valid(b, c, row);
			} else {
				sl_batch_set_null(b, c, row);
			}
			continue;
		}
		if (len - pos < (size_t)flen)
			return bad_value(s, c, "truncated COPY row");
		int rc = s->cols[c].wire == W_ARRAY
				 ? decode_array(s, c, b, row, p + pos, (uint32_t)flen)
				 : decode_value(s, c, s->cols[c].wire, &b->columns[c], &b->arena,
						row, p + pos, (uint32_t)flen);
		if (rc < 0)
			return rc;
		if (rc == 1)
			sl_batch_set_null(b, c, row);
		else
			sl_batch_set_valid(b, c, row);
		pos += (size_t)flen;
	}
	return SL_OK;
}

int sl_pg_decode_row(sl_batch *b, size_t row, const sl_table_schema *shape, int cursor,
		     const unsigned char *msg, size_t len, bool *end)
{
	pg_scan s = {0};
	s.base.base.driver = &sl_postgres_source;
	s.base.table = shape;
	*end = false;
	int rc = sl_pg_setup_columns(&s, shape, 0);
	if (!rc && cursor >= 0 && (size_t)cursor < s.base.ncols)
		s.cols[cursor].infinite_as_null = true;
	if (!rc)
		rc = sl_pg_decode_tuple(&s, b, row, msg, len, end);
	free(s.cols);
	return rc;
}

int sl_pg_copy_header(pg_scan *s, const unsigned char *p, size_t len)
{
	static const char sig[11] = "PGCOPY\n\377\r\n";
	if (len < 19 || memcmp(p, sig, 11) != 0)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: not a binary COPY stream",
				    s->base.table->name);
	uint32_t ext = be32(p + 15);
	if (ext > len - 19)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: truncated COPY header",
				    s->base.table->name);
	s->header_seen = true;
	return (int)(19 + ext);
}
