/*
 * fuzz_pg_value.c — libFuzzer target for the PostgreSQL source's decoding of binary COPY rows into
 * typed batch columns (sl_pg_decode_row, src/sources/postgres_value.c), without a server.
 *
 * Input: byte 0 gives the number of columns (1 + b % 4), the next bytes each column's kind (a
 * declared type from `kinds` below: scalars and arrays), the next the cursor column (none or one
 * of them); the rest is one COPY tuple as the server sends it in a CopyData message: int16 field
 * count, then per field an int32 length (-1: NULL) and the value in its binary send format.
 * Invariants:
 *  - a refusal is SL_ESOURCE or SL_ETYPE with a bounded one-line message naming the table;
 *  - an accepted row has each field NULL exactly when sent as NULL (or as a value the column
 *    loads as NULL: ±infinity in the cursor, NaN in a DECIMAL, a date or timestamp beyond
 *    DuckDB's range), and otherwise the value sent: integers, floats, UUIDs, intervals and times equal,
 *    bytes identical, dates and timestamps moved to the Unix epoch, NUMERIC equal to its digits
 *    read as decimal text, arrays with as many elements, each checked the same way.
 * A broken invariant aborts, so the corpus replay (fuzz/replay.c) fails too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "sources/postgres_value.h"
#include "value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz_pg_value: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                             \
			abort();                                                              \
		}                                                                             \
	} while (0)

#define PG_EPOCH_DAYS	10957
#define PG_EPOCH_MICROS (INT64_C(10957) * 86400000000)

typedef struct kind {
	sl_type type;	 /* the column's type; LIST: `element` is the elements' */
	sl_type element; /* the value's own type */
	int precision, scale;
	const char *decl;
} kind;

static const kind kinds[] = {
	{SL_TYPE_BOOL, SL_TYPE_BOOL, 0, 0, "boolean"},
	{SL_TYPE_INT16, SL_TYPE_INT16, 0, 0, "smallint"},
	{SL_TYPE_INT32, SL_TYPE_INT32, 0, 0, "integer"},
	{SL_TYPE_INT64, SL_TYPE_INT64, 0, 0, "bigint"},
	{SL_TYPE_UINT32, SL_TYPE_UINT32, 0, 0, "oid"},
	{SL_TYPE_FLOAT, SL_TYPE_FLOAT, 0, 0, "real"},
	{SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, 0, 0, "double precision"},
	{SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, 10, 2, "numeric(10,2)"},
	{SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, 38, 10, "numeric(38,10)"},
	{SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, 4, 0, "numeric(4,0)"},
	{SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, 18, 4, "numeric(18,4)"},
	{SL_TYPE_TEXT, SL_TYPE_TEXT, 0, 0, "text"},
	{SL_TYPE_TEXT, SL_TYPE_TEXT, 5, 0, "character(5)"},
	{SL_TYPE_BLOB, SL_TYPE_BLOB, 0, 0, "bytea"},
	{SL_TYPE_JSON, SL_TYPE_JSON, 0, 0, "json"},
	{SL_TYPE_JSON, SL_TYPE_JSON, 0, 0, "jsonb"},
	{SL_TYPE_DATE, SL_TYPE_DATE, 0, 0, "date"},
	{SL_TYPE_TIME, SL_TYPE_TIME, 0, 0, "time without time zone"},
	{SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMP, 0, 0, "timestamp without time zone"},
	{SL_TYPE_TIMESTAMPTZ, SL_TYPE_TIMESTAMPTZ, 0, 0, "timestamp with time zone"},
	{SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, 0, 0, "interval"},
	{SL_TYPE_UUID, SL_TYPE_UUID, 0, 0, "uuid"},
	{SL_TYPE_LIST, SL_TYPE_INT32, 0, 0, "integer[]"},
	{SL_TYPE_LIST, SL_TYPE_TEXT, 0, 0, "text[]"},
	{SL_TYPE_LIST, SL_TYPE_DECIMAL, 10, 2, "numeric(10,2)[]"},
	{SL_TYPE_LIST, SL_TYPE_DATE, 0, 0, "date[]"},
	{SL_TYPE_LIST, SL_TYPE_TIMESTAMPTZ, 0, 0, "timestamp with time zone[]"},
	{SL_TYPE_LIST, SL_TYPE_BLOB, 0, 0, "bytea[]"},
	{SL_TYPE_LIST, SL_TYPE_JSON, 0, 0, "jsonb[]"},
	{SL_TYPE_LIST, SL_TYPE_BOOL, 0, 0, "boolean[]"},
	{SL_TYPE_LIST, SL_TYPE_DOUBLE, 0, 0, "double precision[]"},
	{SL_TYPE_LIST, SL_TYPE_UUID, 0, 0, "uuid[]"},
	{SL_TYPE_LIST, SL_TYPE_INTERVAL, 0, 0, "interval[]"},
	{SL_TYPE_LIST, SL_TYPE_INT64, 0, 0, "bigint[]"},
	{SL_TYPE_LIST, SL_TYPE_TEXT, 3, 0, "character(3)[]"},
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* NUMERIC's base-10000 digits as exact decimal text ("-12.3400"); false for NaN/±Infinity. */
static bool numeric_text(sl_buf *out, const uint8_t *p, uint32_t len)
{
	unsigned ndigits = (unsigned)(p[0] << 8 | p[1]), sign = (unsigned)(p[4] << 8 | p[5]);
	int weight = (int16_t)(p[2] << 8 | p[3]);
	CHECK(len == 8 + 2 * ndigits);
	if (sign != 0 && sign != 0x4000)
		return false;
	if (sign == 0x4000)
		sl_buf_putc(out, '-');
	/* integer part: the digit groups of weight >= 0, then the fraction */
	int first = weight < 0 ? weight : 0;
	for (int w = weight >= 0 ? weight : 0; w >= first && w >= 0; w--) {
		int i = weight - w;
		unsigned d = i >= 0 && (unsigned)i < ndigits
				     ? (unsigned)(p[8 + 2 * i] << 8 | p[9 + 2 * i])
				     : 0;
		sl_buf_printf(out, "%04u", d);
	}
	int last = weight - (int)ndigits + 1;
	if (last < 0) {
		sl_buf_putc(out, '.');
		for (int w = -1; w >= last; w--) {
			int i = weight - w;
			unsigned d = i >= 0 && (unsigned)i < ndigits
					     ? (unsigned)(p[8 + 2 * i] << 8 | p[9 + 2 * i])
					     : 0;
			sl_buf_printf(out, "%04u", d);
		}
	}
	return true;
}

/* Check element i of vector v (of kind k) against the value's wire bytes. */
static void check_value(const sl_vector *v, size_t i, const kind *k, const uint8_t *p, uint32_t len,
			bool is_cursor)
{
	bool valid = sl_vector_is_valid(v, i);
	const void *d = v->data;
	switch (k->element) {
	case SL_TYPE_BOOL:
		CHECK(valid && len == 1 && ((const uint8_t *)d)[i] == (p[0] != 0));
		return;
	case SL_TYPE_INT16:
		CHECK(valid && len == 2 && ((const int16_t *)d)[i] == (int16_t)(p[0] << 8 | p[1]));
		return;
	case SL_TYPE_INT32:
		CHECK(valid && len == 4 && ((const int32_t *)d)[i] == (int32_t)be32(p));
		return;
	case SL_TYPE_UINT32:
		CHECK(valid && len == 4 && ((const uint32_t *)d)[i] == be32(p));
		return;
	case SL_TYPE_INT64:
		CHECK(valid && len == 8 && ((const int64_t *)d)[i] == (int64_t)be64(p));
		return;
	case SL_TYPE_FLOAT: {
		uint32_t u = be32(p), got;
		memcpy(&got, &((const float *)d)[i], 4);
		CHECK(valid && len == 4 && got == u);
		return;
	}
	case SL_TYPE_DOUBLE: {
		uint64_t u = be64(p), got;
		memcpy(&got, &((const double *)d)[i], 8);
		CHECK(valid && len == 8 && got == u);
		return;
	}
	case SL_TYPE_TIME:
		CHECK(valid && len == 8 && ((const int64_t *)d)[i] == (int64_t)be64(p));
		return;
	case SL_TYPE_INTERVAL: {
		const sl_interval *iv = &((const sl_interval *)d)[i];
		CHECK(valid && len == 16 && iv->micros == (int64_t)be64(p) &&
		      iv->days == (int32_t)be32(p + 8) && iv->months == (int32_t)be32(p + 12));
		return;
	}
	case SL_TYPE_UUID: {
		const sl_int128 *u = &((const sl_int128 *)d)[i];
		CHECK(valid && len == 16 && (uint64_t)u->hi == be64(p) && u->lo == be64(p + 8));
		return;
	}
	case SL_TYPE_DATE: {
		CHECK(len == 4);
		int32_t w = (int32_t)be32(p);
		bool inf = w == INT32_MAX || w == INT32_MIN;
		bool beyond = !inf && (int64_t)w + PG_EPOCH_DAYS >= INT32_MAX;
		CHECK(valid == !((inf && is_cursor) || beyond));
		if (valid)
			CHECK(((const int32_t *)d)[i] ==
			      (inf ? (w == INT32_MAX ? INT32_MAX : -INT32_MAX)
				   : w + PG_EPOCH_DAYS));
		return;
	}
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ: {
		CHECK(len == 8);
		int64_t w = (int64_t)be64(p);
		bool inf = w == INT64_MAX || w == INT64_MIN;
		bool beyond = !inf && w > INT64_MAX - 1 - PG_EPOCH_MICROS;
		CHECK(valid == !((inf && is_cursor) || beyond));
		if (valid)
			CHECK(((const int64_t *)d)[i] ==
			      (inf ? (w == INT64_MAX ? INT64_MAX : -INT64_MAX)
				   : w + PG_EPOCH_MICROS));
		return;
	}
	case SL_TYPE_DECIMAL: {
		sl_buf text = SL_BUF_INIT;
		bool finite = numeric_text(&text, p, len);
		CHECK(valid == finite && !text.failed);
		if (finite) {
			/* the text parser skips leading zeros and places below the scale: it
			   refuses only what has over 38 digits, which the decoder must refuse too */
			sl_int128 want;
			if (sl_parse_decimal(&want, sl_buf_cstr(&text), text.len, k->scale)) {
				fprintf(stderr,
					"fuzz_pg_value: numeric %s accepted, over 38 digits\n",
					sl_buf_cstr(&text));
				abort();
			}
			CHECK(sl_decimal_fits(want, k->precision));
			sl_int128 got;
			int prec = k->precision;
			if (prec <= 4)
				got = (sl_int128){(uint64_t)(int64_t)((const int16_t *)d)[i],
						  ((const int16_t *)d)[i] < 0 ? -1 : 0};
			else if (prec <= 9)
				got = (sl_int128){(uint64_t)(int64_t)((const int32_t *)d)[i],
						  ((const int32_t *)d)[i] < 0 ? -1 : 0};
			else if (prec <= 18)
				got = (sl_int128){(uint64_t)((const int64_t *)d)[i],
						  ((const int64_t *)d)[i] < 0 ? -1 : 0};
			else
				got = ((const sl_int128 *)d)[i];
			if (got.lo != want.lo || got.hi != want.hi) {
				fprintf(stderr, "fuzz_pg_value: numeric %s decoded wrong\n",
					sl_buf_cstr(&text));
				abort();
			}
		}
		sl_buf_free(&text);
		return;
	}
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON: {
		bool jsonb = strcmp(k->decl, "jsonb") == 0 || strcmp(k->decl, "jsonb[]") == 0;
		const sl_bytes *b = &((const sl_bytes *)d)[i];
		if (jsonb) {
			CHECK(len >= 1 && p[0] == 1);
			p++, len--;
		}
		CHECK(valid && b->len == len && (len == 0 || memcmp(b->ptr, p, len) == 0));
		return;
	}
	default:
		CHECK(!"a kind this target does not know");
	}
}

static void check_array(const sl_batch *b, size_t c, const kind *k, const uint8_t *p, uint32_t len)
{
	CHECK(sl_batch_is_valid(b, c, 0));
	const sl_list_entry *e = b->columns[c].data;
	int32_t ndim = (int32_t)be32(p);
	if (ndim == 0) {
		CHECK(e[0].length == 0);
		return;
	}
	CHECK(ndim == 1);
	uint32_t n = be32(p + 12), pos = 20;
	CHECK(e[0].length == n);
	const sl_vector *child = b->columns[c].child;
	for (uint32_t j = 0; j < n; j++) {
		int32_t elen = (int32_t)be32(p + pos);
		pos += 4;
		if (elen < 0) {
			CHECK(!sl_vector_is_valid(child, e[0].offset + j));
			continue;
		}
		check_value(child, e[0].offset + j, k, p + pos, (uint32_t)elen, false);
		pos += (uint32_t)elen;
	}
	CHECK(pos == len);
}

static void check_row(const sl_batch *b, const kind *const *cols, size_t ncols, int cursor,
		      const uint8_t *msg, size_t len)
{
	CHECK(len >= 2 && (size_t)(int16_t)(msg[0] << 8 | msg[1]) == ncols);
	size_t pos = 2;
	for (size_t c = 0; c < ncols; c++) {
		CHECK(len - pos >= 4);
		int32_t flen = (int32_t)be32(msg + pos);
		pos += 4;
		if (flen < 0) {
			CHECK(!sl_batch_is_valid(b, c, 0));
			continue;
		}
		CHECK(len - pos >= (size_t)flen);
		if (cols[c]->type == SL_TYPE_LIST)
			check_array(b, c, cols[c], msg + pos, (uint32_t)flen);
		else
			check_value(&b->columns[c], 0, cols[c], msg + pos, (uint32_t)flen,
				    (int)c == cursor);
		pos += (size_t)flen;
	}
}

static void check_refused(int rc)
{
	const sl_error *err = sl_error_last();
	CHECK((rc == SL_ESOURCE || rc == SL_ETYPE) && err->code == rc);
	CHECK(strlen(err->message) < 1000 && strstr(err->message, "fz_table"));
	for (const char *c = err->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			fprintf(stderr, "fuzz_pg_value: message is not one line: %s\n",
				err->message);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	size_t ncols = 1 + data[0] % 4;
	if (size < 2 + ncols)
		return 0;
	const kind *cols[4];
	sl_table_schema *schema = sl_schema_new("db", "fz_table");
	CHECK(schema);
	for (size_t c = 0; c < ncols; c++) {
		const kind *k = &kinds[data[1 + c] % SL_ARRAY_LEN(kinds)];
		char name[8];
		snprintf(name, sizeof(name), "c%zu", c);
		cols[c] = k;
		int rc = k->type == SL_TYPE_LIST
				 ? sl_schema_add_list_column(schema, name, k->element, k->precision,
							     k->scale, true, k->decl)
				 : sl_schema_add_column(schema, name, k->type, k->precision,
							k->scale, true, k->decl);
		CHECK(rc >= 0);
	}
	int cursor = (int)(data[1 + ncols] % (ncols + 1)) - 1;
	if (cursor >= 0 && cols[cursor]->type == SL_TYPE_LIST)
		cursor = -1; /* a list is never a cursor */
	const uint8_t *msg = data + 2 + ncols;
	size_t len = size - 2 - ncols;

	sl_batch *b = sl_batch_new(schema, 0);
	CHECK(b);
	bool end = false;
	int rc = sl_pg_decode_row(b, 0, schema, cursor, msg, len, &end);
	if (rc)
		check_refused(rc);
	else if (end)
		CHECK(len >= 2 && msg[0] == 0xff && msg[1] == 0xff);
	else
		check_row(b, cols, ncols, cursor, msg, len);
	sl_batch_free(b);
	sl_schema_free(schema);
	sl_error_clear();
	return 0;
}
