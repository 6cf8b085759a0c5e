/*
 * scan_sql.h — a scan plan (source.h) rendered to SQL, once for every SQL source, over a small
 * description of the driver's dialect: how identifiers are quoted, how a value goes in (a `?`
 * with its parameter recorded for binding, or a literal), and optional hooks for the parts a
 * driver writes its own way (PostgreSQL's select expressions, MySQL's index hint, SQLite's
 * comparisons of temporal values and its bound LIMIT).
 *
 * The rendered form, each part optional (see sl_scan_plan):
 *   SELECT <columns>[, (<seen flag>)][<extra columns>] FROM <table>[<index hint>]
 *   WHERE ((<cursor> >= lower AND <cursor> < upper)[ OR <cursor> IS NULL])
 *     AND (<order columns>) > (<after>)  ORDER BY <order columns> ASC|DESC  LIMIT n
 */
#ifndef SL_SCAN_SQL_H
#define SL_SCAN_SQL_H

#include "source.h"

typedef enum sl_sql_op {
	SL_SQL_EQ,
	SL_SQL_LT,
	SL_SQL_LE,
	SL_SQL_GT,
	SL_SQL_GE
} sl_sql_op;

/* "=", "<", "<=", ">", ">=". */
const char *sl_sql_op_text(sl_sql_op op);

/* A value bound to a `?`, for the dialects that bind parameters (MySQL, SQLite). */
typedef enum sl_sql_param_type {
	SL_PARAM_NULL,
	SL_PARAM_INT,
	SL_PARAM_UINT,
	SL_PARAM_DOUBLE,
	SL_PARAM_TEXT,
	SL_PARAM_BLOB
} sl_sql_param_type;

typedef struct sl_sql_param {
	sl_sql_param_type type;
	int64_t i;   /* INT; UINT as its bits */
	double d;    /* DOUBLE */
	char *bytes; /* TEXT, BLOB: owned, NUL-terminated, never NULL */
	size_t len;  /* of bytes, without the NUL */
} sl_sql_param;

typedef struct sl_scan_dialect sl_scan_dialect;

/*
 * One statement being rendered: its text and its parameters. A driver that needs more in its
 * hooks (its connection, an index name) embeds this first in a struct of its own.
 */
typedef struct sl_scan_sql {
	const sl_scan_dialect *dialect;
	const sl_table_schema *table; /* whose columns the plan's indexes name */
	sl_buf sql;
	sl_sql_param *params; /* one per `?`, in order; owned */
	size_t nparams, cap;
} sl_scan_sql;

struct sl_scan_dialect {
	char quote;	    /* around identifiers: '`' or '"' (doubled inside) */
	const char *schema; /* qualifies a table whose schema has no name; NULL: left bare */
	/* Append `v`, compared with column `col`: a `?` and its parameter, or a literal. */
	int (*put_value)(sl_scan_sql *r, const sl_column *col, const sl_value *v);

	/* Optional; NULL renders the standard form shown. */
	/* A selected column: "col". */
	void (*put_select)(sl_scan_sql *r, size_t col);
	/* "col op v". */
	int (*put_compare)(sl_scan_sql *r, size_t col, sl_sql_op op, const sl_value *v);
	/* "(a, b) op (x, y)", for two columns or more. */
	int (*put_row_compare)(sl_scan_sql *r, size_t n, const size_t *cols, sl_sql_op op,
			       const sl_value *vals);
	/* Nothing: columns the driver selects for itself, after the plan's. */
	void (*put_extra_columns)(sl_scan_sql *r);
	/* Nothing: a hint after the table name. */
	void (*put_index_hint)(sl_scan_sql *r);
	/* " LIMIT n". */
	int (*put_limit)(sl_scan_sql *r, uint64_t limit);
};

/* Start rendering a statement about `table`; free with sl_scan_sql_free. */
void sl_scan_sql_init(sl_scan_sql *r, const sl_scan_dialect *dialect, const sl_table_schema *table);
void sl_scan_sql_free(sl_scan_sql *r);

/* Append the SELECT of `plan` (whose table is r->table). */
int sl_scan_sql_plan(sl_scan_sql *r, const sl_scan_plan *plan);

/* SL_ENOMEM with a message when appending ran out of memory, else `rc`. */
int sl_scan_sql_done(sl_scan_sql *r, int rc);

/* Pieces, for the statements drivers write themselves (stats, probes). */
void sl_scan_sql_ident(sl_scan_sql *r, const char *name);
void sl_scan_sql_column(sl_scan_sql *r, size_t col);
void sl_scan_sql_table(sl_scan_sql *r);
/* Comparisons through the dialect's hooks... */
int sl_scan_sql_compare(sl_scan_sql *r, size_t col, sl_sql_op op, const sl_value *v);
int sl_scan_sql_row_compare(sl_scan_sql *r, size_t n, const size_t *cols, sl_sql_op op,
			    const sl_value *vals);
/* ... and their standard forms, "col op v" and "(a, b) op (x, y)", for hooks that fall back. */
int sl_scan_sql_plain_compare(sl_scan_sql *r, size_t col, sl_sql_op op, const sl_value *v);
int sl_scan_sql_plain_row_compare(sl_scan_sql *r, size_t n, const size_t *cols, sl_sql_op op,
				  const sl_value *vals);

/* A new parameter (SL_PARAM_NULL until set), or NULL (SL_ENOMEM); the caller writes its `?`. */
sl_sql_param *sl_scan_sql_param(sl_scan_sql *r);
/* Set `p` to a number's value (BOOL, an integer, FLOAT, DOUBLE); false for other types. */
bool sl_sql_param_number(sl_sql_param *p, const sl_value *v);
/* Set `p` to a copy of `len` bytes (TEXT or BLOB). */
int sl_sql_param_bytes(sl_sql_param *p, sl_sql_param_type type, const char *bytes, size_t len);
/* Set `p` to TEXT `text`, which it takes (NULL: SL_ENOMEM, from the allocation that failed). */
int sl_sql_param_text(sl_sql_param *p, char *text);

#endif
