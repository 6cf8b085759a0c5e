/*
 * postgres_value.h — one row of PostgreSQL's binary COPY format into a batch, without a server:
 * the decoding the PostgreSQL source does for each CopyData message, callable by itself so that
 * fuzz/fuzz_pg_value.c can drive it with any columns and bytes. Internal to the driver and its
 * tests.
 */
#ifndef SL_POSTGRES_VALUE_H
#define SL_POSTGRES_VALUE_H

#include "batch.h"

/*
 * Decode the COPY tuple `msg` (int16 field count, then per field int32 length, -1 for NULL, and
 * the value in its binary send format) into row `row` of `b`, whose columns are `shape`'s (as
 * reflected: the type, precision and scale, a LIST's element, and source_type, the declared type
 * that picks the wire format); `cursor` is the cursor column's index or -1 (its ±infinity loads
 * as NULL). *end is set for the end-of-data marker (field count -1). Errors are SL_ESOURCE for
 * bytes that are not a valid value, SL_ETYPE for a column this driver cannot read, each naming the
 * column. The scan decodes through the same functions.
 */
int sl_pg_decode_row(sl_batch *b, size_t row, const sl_table_schema *shape, int cursor,
		     const unsigned char *msg, size_t len, bool *end);

#endif
