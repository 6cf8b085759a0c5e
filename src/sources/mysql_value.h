/*
 * mysql_value.h — one MySQL binary-protocol value into a batch, without a server: the decoding
 * the MySQL source does for each fetched row, callable by itself so that fuzz/fuzz_mysql_value.c
 * can drive it with any field type, flags and bytes. Internal to the driver and its tests.
 */
#ifndef SL_MYSQL_VALUE_H
#define SL_MYSQL_VALUE_H

#include "batch.h"

#include <mysql.h>

/* A result field and the value libmariadb delivered for it into its bound buffer. */
typedef struct sl_mysql_value {
	enum enum_field_types field_type; /* MYSQL_FIELD.type, .flags, .length */
	unsigned flags;
	unsigned long field_length;
	bool is_null;
	/*
	 * The buffer's content as libmariadb writes it: for integers their 1, 2, 4 or 8 bytes,
	 * FLOAT and DOUBLE as such, temporal types as a MYSQL_TIME; for DECIMAL, BIT, strings and
	 * blobs the value's bytes, all of them (the part that outgrows the bound buffer is read
	 * the way a long value is fetched, mysql_stmt_fetch_column).
	 */
	const void *bytes;
	unsigned long length;
} sl_mysql_value;

/*
 * Decode `v` into row `row` of column `c` of `b` (whose type, precision and scale are the
 * target), exactly as a scan does: valid, or NULL for NULL and for a zero or invalid date.
 * SL_ETYPE when the field cannot be read as the column's type or the value does not fit it.
 */
int sl_mysql_decode_value(sl_batch *b, size_t c, size_t row, const sl_mysql_value *v);

#endif
