/*
 * mysql_value.h — MySQL binary-protocol values into a batch (mysql_value.c): the result columns
 * a scan binds and decodes row by row, and one value decoded without a server, so that
 * fuzz/fuzz_mysql_value.c can drive the decoding with any field type, flags and bytes. Internal
 * to the driver and its tests.
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

/* ---- the driver's result columns (mysql_value.c) -------------------------------------------- */

#define MY_BYTES_MIN 64		 /* smallest bound buffer of a string/blob column */
#define MY_BYTES_MAX (16 * 1024) /* larger values are fetched with mysql_stmt_fetch_column */

/* How a result column arrives from libmariadb (the "stage" its bound buffer holds). */
typedef enum my_stage {
	ST_INT,	 /* 1, 2, 4 or 8 byte integer */
	ST_YEAR, /* YEAR, a 2 byte integer: 0 or 1901..2155 */
	ST_FLOAT,
	ST_DOUBLE,
	ST_DECIMAL, /* decimal digits as text */
	ST_TIME,    /* MYSQL_TIME */
	ST_BIT,	    /* big-endian bytes */
	ST_BYTES    /* strings and blobs */
} my_stage;

typedef struct my_col {
	my_stage stage;
	sl_type target;	      /* the batch column's type */
	int precision, scale; /* of the target DECIMAL */
	enum enum_field_types field_type;
	int width; /* ST_INT: bytes delivered */
	bool is_unsigned;
	bool null_is_false; /* the seen flag: NULL means "not seen" */
	union {
		int64_t i;
		double d;
		float f;
		MYSQL_TIME t;
	} v;
	char *buf; /* ST_DECIMAL/ST_BIT/ST_BYTES: bound buffer of `cap` bytes */
	unsigned long cap;
	unsigned long length;
	my_bool is_null, error;
	uint64_t bad_dates; /* zero or invalid dates turned into NULL */
} my_col;

/* Read the part of column c's value past its bound buffer into dst (len bytes from offset). */
typedef int my_fetch_tail(void *ctx, size_t c, char *dst, unsigned long len, unsigned long offset);

/* Stage a result field of MySQL type `type`, `flags` and declared `length`. */
void sl_my_stage_of(my_col *mc, enum enum_field_types type, unsigned flags, unsigned long length);

/* Whether the staged field can be read into its target type without losing anything. */
bool sl_my_stage_fits(const my_col *mc);

/* Describe mc's bound buffer for mysql_stmt_bind_result. */
void sl_my_bind_col(MYSQL_BIND *b, my_col *mc);

/*
 * Decode the value libmariadb left in column c's bound buffer into row `row` of `b` (valid or
 * NULL); `tail` reads what outgrew the buffer. Errors are SL_ETYPE for a value the target
 * cannot hold (the caller names the column), or what `tail` returned.
 */
int sl_my_decode_value(my_col *mc, sl_batch *b, size_t c, size_t row, my_fetch_tail *tail,
		       void *ctx);

#endif
