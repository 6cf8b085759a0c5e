/*
 * batch.h — a columnar batch of rows: per column a typed array and a validity bitmap, variable
 * length bytes in a per-batch arena. Sized to DuckDB's vector size so that one batch maps onto
 * one DuckDB data chunk directly.
 *
 * Physical layout of a column's `data` by portable type (one element per row):
 *   BOOL              uint8_t (0/1)
 *   INT8..INT64       int8_t..int64_t       UINT8..UINT64   uint8_t..uint64_t
 *   FLOAT, DOUBLE     float, double
 *   DECIMAL           int16_t/int32_t/int64_t/sl_int128 for precision <=4/<=9/<=18/<=38:
 *                     the unscaled value (123.45 as DECIMAL(5,2) is 12345)
 *   TEXT, BLOB, JSON  sl_bytes (pointing into the batch's arena, or into memory that stays valid
 *                     until the next sl_batch_reset)
 *   DATE              int32_t days since 1970-01-01
 *   TIME              int64_t microseconds since midnight
 *   TIMESTAMP(TZ)     int64_t microseconds since 1970-01-01 00:00 (UTC for TIMESTAMPTZ)
 *   INTERVAL          sl_interval
 *   UUID              sl_int128 (big-endian 16 bytes: hi = first 8, lo = last 8, unsigned)
 *   LIST              sl_list_entry: the row's elements are child[offset .. offset + length),
 *                     the child being a vector of the element type (one per column, growing
 *                     as needed, emptied by sl_batch_reset); rows may share no elements
 * These match DuckDB's in-memory layout (duckdb_date, duckdb_timestamp, duckdb_interval,
 * duckdb_hugeint), so fixed-width columns are copied to DuckDB vectors with memcpy.
 */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include "schema.h"

#define SL_BATCH_CAPACITY 2048 /* rows; DuckDB's STANDARD_VECTOR_SIZE */

typedef struct sl_bytes {
	const char *ptr;
	uint32_t len;
} sl_bytes;

typedef struct sl_int128 {
	uint64_t lo;
	int64_t hi;
} sl_int128;

/* Same layout as duckdb_list_entry. */
typedef struct sl_list_entry {
	uint64_t offset;
	uint64_t length;
} sl_list_entry;

typedef struct sl_interval {
	int32_t months;
	int32_t days;
	int64_t micros;
} sl_interval;

/* A bump allocator for one batch's variable-length values: reset, not freed, between batches. */
typedef struct sl_arena_block sl_arena_block;
typedef struct sl_arena {
	sl_arena_block *head; /* current block, older blocks chained behind it */
	size_t used;	      /* bytes used in head */
	size_t total;	      /* bytes allocated over all blocks (for memory accounting) */
} sl_arena;

void *sl_arena_alloc(sl_arena *arena, size_t size);
/* Copy `len` bytes into the arena; returns the copy or NULL (SL_ENOMEM). */
const char *sl_arena_copy(sl_arena *arena, const char *data, size_t len);
/* Forget every allocation; keeps the largest block for reuse. */
void sl_arena_reset(sl_arena *arena);
void sl_arena_free(sl_arena *arena);

/* Size in bytes of one value of `type` in a batch column (the layout above), given the precision for
   DECIMAL. */
size_t sl_type_value_size(sl_type type, int precision);

/* Store the unscaled DECIMAL `v` (which fits `precision` digits) at element `i` of a column's
   data, in the width the precision selects (the layout above). Per value: inline. */
static inline void sl_decimal_store(void *data, size_t i, int precision, sl_int128 v)
{
	if (precision <= 4)
		((int16_t *)data)[i] = (int16_t)(int64_t)v.lo;
	else if (precision <= 9)
		((int32_t *)data)[i] = (int32_t)(int64_t)v.lo;
	else if (precision <= 18)
		((int64_t *)data)[i] = (int64_t)v.lo;
	else
		((sl_int128 *)data)[i] = v;
}

/* The unscaled DECIMAL at element `i` of a column's data, whatever its width. */
static inline sl_int128 sl_decimal_load(const void *data, size_t i, int precision)
{
	int64_t x;
	if (precision <= 4)
		x = ((const int16_t *)data)[i];
	else if (precision <= 9)
		x = ((const int32_t *)data)[i];
	else if (precision <= 18)
		x = ((const int64_t *)data)[i];
	else
		return ((const sl_int128 *)data)[i];
	return (sl_int128){(uint64_t)x, x < 0 ? -1 : 0};
}

typedef struct sl_vector {
	sl_type type;
	int precision; /* for DECIMAL: selects the physical width */
	int scale;
	void *data;	    /* capacity elements, layout above */
	uint64_t *validity; /* bit (row % 64) of word (row / 64) set = value present */
	/* LIST only: the elements of all rows; child_len of child_cap in use */
	struct sl_vector *child;
	size_t child_len, child_cap;
} sl_vector;

static inline void sl_vector_set_null(sl_vector *v, size_t i)
{
	v->validity[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}
static inline void sl_vector_set_valid(sl_vector *v, size_t i)
{
	v->validity[i >> 6] |= (UINT64_C(1) << (i & 63));
}
static inline bool sl_vector_is_valid(const sl_vector *v, size_t i)
{
	return (v->validity[i >> 6] >> (i & 63)) & 1;
}

typedef struct sl_batch {
	size_t ncolumns;
	size_t nrows;	 /* rows filled */
	size_t capacity; /* SL_BATCH_CAPACITY */
	sl_vector *columns;
	sl_arena arena; /* variable-length values of this batch */
} sl_batch;

/*
 * A batch for the columns of `schema`, plus `seen_flags` trailing BOOL columns a source adds
 * for the pipeline: the "already loaded" flag of the incremental boundary (sl_scan_plan), 0 or
 * 1 of them. Caller frees.
 */
sl_batch *sl_batch_new(const sl_table_schema *schema, size_t seen_flags);
void sl_batch_free(sl_batch *batch);

/* Empty the batch for refilling: nrows = 0, all validity cleared, arena reset. */
void sl_batch_reset(sl_batch *batch);

/* The memory the batch holds: its columns at full capacity, LIST elements and arena. */
size_t sl_batch_bytes(const sl_batch *batch);
/* Empty the batch for the next rows of a chunk of `chunk_size` rows of which `chunk_read` are
   read: its capacity is cut to the rows left, so that a batch never straddles a chunk boundary
   and a chunk's last batch ends exactly where its state is taken. */
void sl_batch_reset_in_chunk(sl_batch *batch, uint64_t chunk_size, uint64_t chunk_read);

static inline void sl_batch_set_null(sl_batch *b, size_t col, size_t row)
{
	sl_vector_set_null(&b->columns[col], row);
}
static inline void sl_batch_set_valid(sl_batch *b, size_t col, size_t row)
{
	sl_vector_set_valid(&b->columns[col], row);
}
static inline bool sl_batch_is_valid(const sl_batch *b, size_t col, size_t row)
{
	return sl_vector_is_valid(&b->columns[col], row);
}

/*
 * Give row `row` of LIST column `col` `n` new elements, all NULL until set: *first is the index
 * of the first in the column's child vector. Returns 0 or SL_ENOMEM.
 */
int sl_batch_list_append(sl_batch *b, size_t col, size_t row, size_t n, size_t *first);

/* Typed element pointer: ((T *)sl_batch_data(b, col))[row]. */
static inline void *sl_batch_data(const sl_batch *b, size_t col)
{
	return b->columns[col].data;
}

/* Keep only rows whose keep[row] is true, preserving order; returns the new row count. */
size_t sl_batch_filter(sl_batch *batch, const bool *keep);

/* Remove the first `n` rows (n <= nrows) by shifting the rest down. */
void sl_batch_drop_front(sl_batch *batch, size_t n);

/* Remove rows from `n` on (n <= nrows). */
void sl_batch_truncate(sl_batch *batch, size_t n);

#endif
