/*
 * schema.h — a reflected table in the portable type system: columns in order with their types,
 * nullability and the primary key. Every source driver produces one; every destination creates
 * its tables from one.
 */
#ifndef SL_SCHEMA_H
#define SL_SCHEMA_H

#include "common.h"

typedef struct sl_column {
	char *name;	 /* as in the source, UTF-8 */
	sl_type type;	 /* portable type */
	sl_type element; /* LIST: the type of its elements, described by precision and scale */
	int precision;	 /* DECIMAL precision 1..38; fractional-second digits for TIME/TIMESTAMP*;
	                      declared length for TEXT/BLOB (0 unknown) */
	int scale;	 /* DECIMAL scale */
	bool nullable;
	char *source_type; /* the source's own declaration ("datetime(6)", "int(10) unsigned") */
} sl_column;

typedef struct sl_table_schema {
	char *database; /* database / schema the table lives in (for messages) */
	char *name;	/* table name */
	size_t ncolumns;
	sl_column *columns;
	size_t npk; /* number of primary key columns, 0 if none */
	size_t *pk; /* indexes into columns, in key order */
} sl_table_schema;

/* A new empty schema for `database`.`name` (caller frees with sl_schema_free). */
sl_table_schema *sl_schema_new(const char *database, const char *name);

/* Append a column (name and source_type are copied); returns its index or a negative error. */
int sl_schema_add_column(sl_table_schema *schema, const char *name, sl_type type, int precision,
			 int scale, bool nullable, const char *source_type);

/* Append a LIST column of `element` values (precision and scale describe the elements). */
int sl_schema_add_list_column(sl_table_schema *schema, const char *name, sl_type element,
			      int precision, int scale, bool nullable, const char *source_type);

/* Index of column `name` (exact match first, then case-insensitive), or -1. */
int sl_schema_find(const sl_table_schema *schema, const char *name);

/* Set the primary key from a comma-separated column list; SL_ENOTFOUND names a missing column. */
int sl_schema_set_primary_key(sl_table_schema *schema, const char *columns);

/* Append a primary key column by index. */
int sl_schema_add_pk(sl_table_schema *schema, size_t column);

/* Remove the columns whose `drop` flag is set (one flag per column), keeping the others in order
   and the primary key's columns that remain (their indexes follow). */
void sl_schema_drop_columns(sl_table_schema *schema, const bool *drop);

sl_table_schema *sl_schema_copy(const sl_table_schema *schema);
void sl_schema_free(sl_table_schema *schema);

/* True for types whose values are variable-length bytes (TEXT, BLOB, JSON). */
bool sl_type_is_varlen(sl_type type);

/* True for BOOL and the integer types, signed and unsigned. */
static inline bool sl_type_is_integer(sl_type type)
{
	return type == SL_TYPE_BOOL || (type >= SL_TYPE_INT8 && type <= SL_TYPE_UINT64);
}

/* True for the unsigned integer types. */
static inline bool sl_type_is_unsigned(sl_type type)
{
	return type >= SL_TYPE_UINT8 && type <= SL_TYPE_UINT64;
}

#endif
