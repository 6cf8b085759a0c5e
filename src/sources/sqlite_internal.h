/*
 * sqlite_internal.h — what the files of the SQLite source driver share: the scan struct and the
 * decoding of stepped values. sqlite.c holds connecting, reflection, rendering, scans and stats;
 * sqlite_value.c converts each stored value to its column's portable type. Not for use outside
 * src/sources/sqlite*.c.
 */
#ifndef SL_SQLITE_INTERNAL_H
#define SL_SQLITE_INTERNAL_H

#include "source.h"

#include <sqlite3.h>

extern const sl_source_driver sl_sqlite_source;

typedef struct sqlite_conn sqlite_conn;

/* What warnings() reports, counted per column. */
typedef enum warn_kind {
	WARN_ROUNDED, /* DECIMAL value rounded to the declared scale */
	WARN_EMPTY,   /* '' in a column that is not text, loaded as NULL */
	WARN__COUNT
} warn_kind;

typedef struct sqlite_scan {
	sl_scan base;
	sqlite_conn *conn;
	const sl_table_schema *table;
	sqlite3_stmt *stmt;
	bool seen;	  /* the plan asked for the seen flag (statement column ncolumns) */
	int rowid_col;	  /* statement column holding the rowid, -1 when the table has none */
	uint64_t row;	  /* rows stepped so far, for messages about rowid-less tables */
	uint64_t *counts; /* per schema column and warn_kind: [col * WARN__COUNT + kind] */
	bool done;
} sqlite_scan;

/* Where a value came from, for error messages. */
typedef struct row_ref {
	const sl_table_schema *table;
	sqlite3_stmt *stmt; /* NULL: not from a row (stats) */
	int rowid_col;
	uint64_t row;
} row_ref;

/* One decoded value before it is stored into a batch or an sl_value. */
typedef struct cell {
	int64_t i;     /* BOOL, INT64, DATE, TIME, TIMESTAMP, DECIMAL p<=18 */
	double d;      /* DOUBLE */
	sl_int128 w;   /* DECIMAL p>18 */
	const char *p; /* TEXT, BLOB, JSON: not owned, valid until the next step */
	size_t n;
	char tmp[64]; /* text of a number shown as TEXT/BLOB/JSON */
} cell;

/* sl_sqlite_decode() results besides 0 (a value in the cell) */
#define DECODED_NULL  1
#define DECODED_EMPTY 2 /* '' where no text belongs: NULL, counted */

/*
 * Decode statement column `idx` as schema column `col` into `c`. Returns 0 for a value (with
 * *rounded telling whether a DECIMAL was rounded), DECODED_NULL, DECODED_EMPTY, or SL_ETYPE with
 * a message naming the row.
 */
int sl_sqlite_decode(const row_ref *ref, size_t col, sqlite3_stmt *st, int idx, cell *c,
		     bool *rounded);

/* A decoded cell as an sl_value (for stats). */
int sl_sqlite_cell_to_value(sl_value *out, const sl_column *col, const cell *c);

/* "INTEGER", "REAL", "TEXT", "BLOB" or "NULL". */
const char *sl_sqlite_storage_name(int storage);

#endif
