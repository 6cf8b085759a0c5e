/*
 * postgres_internal.h — what the files of the PostgreSQL source driver share: the connection
 * and scan structs, how a column travels, and the functions one file calls in another.
 * postgres.c holds the URL options, the session, rendering, scans and stats; postgres_reflect.c
 * reads the catalogs; postgres_value.c decodes binary COPY rows (postgres_value.h). Not for use
 * outside src/sources/postgres*.c.
 */
#ifndef SL_POSTGRES_INTERNAL_H
#define SL_POSTGRES_INTERNAL_H

#include "postgres_value.h"
#include "session.h"

#include <libpq-fe.h>

extern const sl_source_driver sl_postgres_source;

/* PostgreSQL counts dates and timestamps from 2000-01-01, sluice (and DuckDB) from 1970-01-01. */
#define PG_EPOCH_DAYS	10957
#define PG_EPOCH_MICROS (INT64_C(10957) * SL_MICROS_PER_DAY)

/* The libpq keywords a URL sets, in the order libpq is given them. */
enum pg_keyword {
	PK_HOST,     /* NULL: libpq's default (PGHOST or the default socket); "/dir": socket */
	PK_PORT,     /* decimal text */
	PK_USER,     /* NULL: libpq's default (PGUSER or the login name) */
	PK_PASSWORD, /* NULL: libpq looks at PGPASSWORD and ~/.pgpass; wiped when freed */
	PK_DBNAME,
	PK_SSLMODE, /* from here on: URL options of the same name */
	PK_SSLROOTCERT,
	PK_SSLCERT,
	PK_SSLKEY,
	PK_APPLICATION_NAME,
	PK_OPTIONS, /* server options ("-c search_path=x") */
	PK__COUNT
};

/* What it takes to (re)open the session; kept because an abandoned scan closes the session. */
typedef struct pg_params {
	char *kw[PK__COUNT];	  /* libpq keyword values, NULL: not given */
	char *schema;		  /* schema of unqualified table names; NULL: the search_path */
	unsigned connect_timeout; /* seconds, 0: none */
	unsigned read_timeout;	  /* seconds of silence while waiting for the server, 0: no limit */
} pg_params;

typedef struct pg_conn {
	sl_session s; /* where: "127.0.0.1:5432" or "/run/postgresql/.s.PGSQL.5432" */
	pg_params p;
	PGconn *db;	  /* NULL after an abandoned scan: reopened by the next call */
	char dbname[128]; /* the database connected to, for messages */
} pg_conn;

/* The SELECT expression of a column. */
typedef enum pg_expr {
	EX_PLAIN,     /* the column itself, in its binary send format */
	EX_TEXT,      /* col::text */
	EX_ABBREV,    /* abbrev(col): inet in its output form ('10.0.0.1', not '10.0.0.1/32') */
	EX_TO_JSON,   /* to_json(col): composites, arrays of them, domains over json */
	EX_TEXT_ARRAY /* col::text[]: arrays whose elements arrive as text */
} pg_expr;

/* What arrives on the wire for a value, checked against its length. */
typedef enum pg_wire {
	W_BOOL,
	W_INT2,
	W_INT4,
	W_INT8,
	W_OID,
	W_FLOAT4,
	W_FLOAT8,
	W_NUMERIC,
	W_BYTES, /* text, bytea, json: the bytes themselves */
	W_JSONB, /* a version byte (1), then the text */
	W_DATE,
	W_TIME,
	W_TIMESTAMP,
	W_INTERVAL,
	W_UUID,
	W_ARRAY /* array_send: dimensions, then each element in its own format */
} pg_wire;

typedef struct pg_col {
	sl_type type;	      /* the batch column's type */
	int precision, scale; /* of a DECIMAL */
	pg_wire wire;
	pg_wire element_wire;  /* W_ARRAY: its elements' */
	bool null_is_false;    /* the seen flag: NULL means "not seen" */
	bool infinite_as_null; /* the cursor: ±infinity is no position a state can record */
	uint64_t infinite;     /* ±infinity dates/timestamps loaded as NULL */
	uint64_t beyond;       /* dates/timestamps past DuckDB's range loaded as NULL */
	uint64_t nans;	       /* NaN in a DECIMAL column loaded as NULL */
} pg_col;

typedef struct pg_scan {
	sl_session_scan base; /* base.session: the pg_conn */
	pg_col *cols;
	bool header_seen;  /* the COPY signature and header were read */
	bool trailer_seen; /* the end-of-data marker (field count -1) was read */
} pg_scan;

/* ---- postgres.c ----------------------------------------------------------------------------- */

/* Run a small catalog query with text parameters; *out is a PGRES_TUPLES_OK result. */
int sl_pg_meta_query(PGresult **out, pg_conn *c, const char *sql, int nparams, const Oid *types,
		     const char *const *params, const char *what, const sl_table_schema *t);

/* ---- postgres_reflect.c --------------------------------------------------------------------- */

int sl_pg_reflect(sl_table_schema **out, sl_source_conn *conn, const char *table);

/* The tables (and views) of the `schema` option's schema, else of the search path's first. */
int sl_pg_list_tables(sl_source_table_list *out, sl_source_conn *conn, bool include_views);

/* ---- postgres_value.c ----------------------------------------------------------------------- */

/* The SELECT expression that makes column `col` arrive in a form the decoder reads. */
pg_expr sl_pg_expr_of(const sl_column *col);

/* Set up s->cols to decode the columns of `shape` plus `seen_flags` trailing BOOLs. */
int sl_pg_setup_columns(pg_scan *s, const sl_table_schema *shape, size_t seen_flags);

/* The 19+ byte header that precedes the first tuple; returns its length or a negative error. */
int sl_pg_copy_header(pg_scan *s, const unsigned char *p, size_t len);

/* One tuple of the binary COPY format into row `row` of `b`; *end set at the end-of-data
   marker. The per-row hot path of a scan. */
int sl_pg_decode_tuple(pg_scan *s, sl_batch *b, size_t row, const unsigned char *p, size_t len,
		       bool *end);

#endif
