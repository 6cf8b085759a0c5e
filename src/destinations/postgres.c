/*
 * postgres.c — the PostgreSQL destination driver (libpq).
 *
 * A dataset is a schema. Tables are created from portable schemas with the closest PostgreSQL
 * types (UINT64 as numeric(20,0), JSON as json so the source's text is kept byte for byte) and
 * evolved by adding columns.
 *
 * Rows go in with COPY ... FROM STDIN (FORMAT binary): each batch is encoded straight into the
 * binary COPY format in a reusable buffer, sent in pieces of about 1 MiB. The COPY starts at the
 * first append after the previous one ended and ends at appender_flush, so its rows join
 * whatever transaction is open. While a COPY is open the connection can do nothing else, so any
 * other statement (exec, query, begin, commit) first ends it as a flush would; rollback and
 * appender_close cancel it instead, dropping its rows.
 *
 * Query results stream in libpq's single-row mode, in text format; the session runs with
 * DateStyle ISO, IntervalStyle postgres, TimeZone UTC and bytea_output hex, so the text of a
 * value does not depend on server settings. While rows are being read the connection is busy:
 * another statement is refused until they are freed.
 */
#include "destination.h"
#include "drivers.h"
#include "pg_connect.h"
#include "pg_oid.h"
#include "value.h"

#include <libpq-fe.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LOAD_ID_COLUMN	"_sluice_load_id"
#define MAX_IDENT	63		  /* NAMEDATALEN - 1: longer names are cut silently */
#define COPY_PIECE	((size_t)1 << 20) /* bytes handed to PQputCopyData at once */
#define MAX_URL_OPTIONS 32

/* PostgreSQL counts dates and timestamps from 2000-01-01. */
#define PG_EPOCH_DAYS	INT64_C(10957)
#define PG_EPOCH_MICROS INT64_C(946684800000000)

typedef struct pg_appender pg_appender;
typedef struct pg_rows pg_rows;

typedef struct pg_conn {
	sl_dest_conn base;
	PGconn *pg;
	char where[320];    /* "host:port/database" for messages, never the password */
	pg_appender *copy;  /* the appender whose COPY is open, or NULL */
	pg_rows *streaming; /* a result still being read, or NULL */
} pg_conn;

/* ---- errors ---------------------------------------------------------------------------------- */

static int nomem(void)
{
	return sl_error_set(SL_ENOMEM, "out of memory");
}

/* Length of the first line of `s`, without a trailing newline. */
static int line_len(const char *s)
{
	return (int)strcspn(s, "\n");
}

/* libpq's own message (connection trouble, no server error), first line. */
static int conn_error(const pg_conn *c, const char *what)
{
	const char *msg = PQerrorMessage(c->pg);
	if (!msg || !*msg)
		msg = "unknown error";
	int code = PQstatus(c->pg) == CONNECTION_BAD ? SL_ECONNECT : SL_EDEST;
	return sl_error_set(code, "PostgreSQL %s: %s%s%.*s", c->where, what ? what : "",
			    what ? ": " : "", line_len(msg), msg);
}

/*
 * A failed statement: PostgreSQL's primary message, its detail, and the first line of its context
 * (for COPY that names the line and column). A cancelled statement is SL_EINTERRUPTED; a
 * parameter count that does not match the statement is SL_EINVAL.
 */
static int result_error(const pg_conn *c, const PGresult *res, const char *what)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (!primary)
		return conn_error(c, what);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	int code = SL_EDEST;
	if (state && strcmp(state, "57014") == 0)
		code = SL_EINTERRUPTED;
	else if (state && strcmp(state, "08P01") == 0 && strstr(primary, "bind message supplies"))
		code = SL_EINVAL;
	else if (PQstatus(c->pg) == CONNECTION_BAD)
		code = SL_ECONNECT;
	return sl_error_set(code, "PostgreSQL %s: %s%s%.*s%s%.*s%s%s%.*s%s", c->where,
			    what ? what : "", what ? ": " : "", line_len(primary), primary,
			    detail ? " (" : "", detail ? line_len(detail) : 0, detail ? detail : "",
			    detail ? ")" : "", context ? " [" : "", context ? line_len(context) : 0,
			    context ? context : "", context ? "]" : "");
}

/* ---- connection ------------------------------------------------------------------------------ */

static void quiet_notices(void *arg, const char *message)
{
	/* "schema already exists, skipping" and the like: libpq would print them on stderr */
	(void)arg;
	(void)message;
}

static const char *option_value(const sl_url *url, const char *key)
{
	const char *v = sl_url_option_get(url, key);
	return v && *v ? v : NULL;
}

static void describe_where(pg_conn *c, const sl_url *url)
{
	const char *host = url->host && *url->host ? url->host : option_value(url, "host");
	const char *db =
		url->database && *url->database ? url->database : option_value(url, "dbname");
	const char *port = option_value(url, "port");
	char portbuf[16];
	if (url->port > 0) {
		snprintf(portbuf, sizeof(portbuf), "%d", url->port);
		port = portbuf;
	}
	if (!db)
		db = url->user && *url->user ? url->user : "(default database)";
	if (!host || host[0] == '/')
		snprintf(c->where, sizeof(c->where), "%s%s:%s/%s", host ? "socket " : "localhost",
			 host ? host : "", port ? port : "5432", db);
	else if (strchr(host, ':'))
		snprintf(c->where, sizeof(c->where), "[%s]:%s/%s", host, port ? port : "5432", db);
	else
		snprintf(c->where, sizeof(c->where), "%s:%s/%s", host, port ? port : "5432", db);
}

/* URL query options are passed to libpq as connection parameters; anything else is refused. */
static int check_options(const sl_url *url)
{
	if (url->noptions == 0)
		return 0;
	if (url->noptions > MAX_URL_OPTIONS)
		return sl_error_set(SL_EINVAL, "PostgreSQL URL: more than %d options",
				    MAX_URL_OPTIONS);
	PQconninfoOption *known = PQconndefaults();
	if (!known)
		return nomem();
	int rc = 0;
	for (size_t i = 0; i < url->noptions && !rc; i++) {
		const char *key = url->options[i].key;
		bool found = false;
		for (PQconninfoOption *o = known; o->keyword && !found; o++)
			found = strcmp(o->keyword, key) == 0;
		if (!found || strcmp(key, "password") == 0 || strcmp(key, "client_encoding") == 0)
			rc = sl_error_set(
				SL_EINVAL,
				"PostgreSQL URL option '%s' is not a connection parameter "
				"sluice can pass to libpq",
				key);
	}
	PQconninfoFree(known);
	return rc;
}

/* Which of libpq's connect failures is the caller's to fix: credentials, database, or network. */
static int connect_error(const pg_conn *c, PGconn *pg)
{
	const char *msg = PQerrorMessage(pg);
	if (!msg || !*msg)
		msg = "unknown error";
	/* 'connection to server at "h" (addr), port p failed: FATAL:  reason' -> 'reason' */
	const char *reason = msg;
	const char *failed = strstr(msg, " failed: ");
	if (failed && failed - msg < line_len(msg))
		reason = failed + strlen(" failed: ");
	if (strncmp(reason, "FATAL:", 6) == 0)
		reason += 6;
	while (*reason == ' ')
		reason++;
	int code = SL_ECONNECT;
	if (strstr(msg, "authentication failed") || strstr(msg, "no password supplied") ||
	    strstr(msg, "pg_hba.conf") || strstr(msg, "permission denied for database") ||
	    (strstr(msg, "role \"") && strstr(msg, "does not exist")))
		code = SL_EAUTH;
	else if (strstr(msg, "database \"") && strstr(msg, "does not exist"))
		code = SL_ENOTFOUND;
	return sl_error_set(code, "cannot connect to PostgreSQL at %s: %.*s", c->where,
			    line_len(reason), reason);
}

static void pg_close(sl_dest_conn *conn);

/* The URL's connect_timeout (libpq refuses a malformed one), else sluice's default. */
static int connect_timeout(const sl_url *url)
{
	const char *text = option_value(url, "connect_timeout");
	char *end;
	errno = 0;
	long v = text ? strtol(text, &end, 10) : -1;
	if (!text || errno || *end || v < 0 || v > INT_MAX)
		return SL_CONNECT_TIMEOUT;
	return (int)v;
}

/* PQconnectdbParams, but interruptible and with connect_timeout over the whole connect. */
static int connect_polled(pg_conn *c, const char *const *keys, const char *const *vals,
			  const sl_url *url, const sl_interrupt *intr)
{
	/* expand_dbname 0: a database name is never read as a connection string */
	c->pg = PQconnectStartParams(keys, vals, 0);
	if (!c->pg)
		return nomem();
	int timeout = connect_timeout(url);
	switch (sl_pg_connect_poll(c->pg, timeout, intr)) {
	case SL_PG_CONNECTED:
		return 0;
	case SL_PG_TIMED_OUT:
		return sl_error_set(SL_ECONNECT,
				    "cannot connect to PostgreSQL at %s: timed out after %d s",
				    c->where, timeout < 2 ? 2 : timeout);
	case SL_PG_INTERRUPTED:
		return sl_error_set(SL_EINTERRUPTED,
				    "interrupted while connecting to PostgreSQL at %s: nothing was "
				    "loaded",
				    c->where);
	case SL_PG_FAILED:
		break;
	}
	return connect_error(c, c->pg);
}

/* Settings that make the text of values independent of the server's configuration. */
static const char SESSION_SQL[] = "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
				  "SET TimeZone = 'UTC'; SET bytea_output = 'hex'; "
				  "SET extra_float_digits = 1";

static int pg_open(sl_dest_conn **out, const sl_url *url, const sl_dest_options *options)
{
	*out = NULL; /* options: memory_limit is DuckDB's */
	if (url->kind != SL_URL_POSTGRES)
		return sl_error_set(SL_EINVAL, "the PostgreSQL destination cannot open a %s:// URL",
				    url->scheme ? url->scheme : "non-PostgreSQL");
	int rc = check_options(url);
	if (rc)
		return rc;
	pg_conn *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	c->base.driver = &sl_postgres_destination;
	describe_where(c, url);

	/* Defaults first, then the URL's options, then what sluice needs: later entries win. */
	const char *keys[MAX_URL_OPTIONS + 14], *vals[MAX_URL_OPTIONS + 14];
	size_t n = 0;
	char port[16], timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", SL_CONNECT_TIMEOUT);
	keys[n] = "application_name", vals[n++] = "sluice";
	keys[n] = "connect_timeout", vals[n++] = timeout;
	/* a vanished peer (host down, connection dropped on the way) shows in about 2 min */
	keys[n] = "keepalives", vals[n++] = "1";
	keys[n] = "keepalives_idle", vals[n++] = "60";
	keys[n] = "keepalives_interval", vals[n++] = "10";
	keys[n] = "keepalives_count", vals[n++] = "6";
	for (size_t i = 0; i < url->noptions; i++)
		keys[n] = url->options[i].key, vals[n++] = url->options[i].value;
	if (url->host && *url->host)
		keys[n] = "host", vals[n++] = url->host;
	if (url->port > 0) {
		snprintf(port, sizeof(port), "%d", url->port);
		keys[n] = "port", vals[n++] = port;
	}
	if (url->user)
		keys[n] = "user", vals[n++] = url->user;
	if (url->password)
		keys[n] = "password", vals[n++] = url->password;
	if (url->database && *url->database)
		keys[n] = "dbname", vals[n++] = url->database;
	keys[n] = "client_encoding", vals[n++] = "UTF8";
	keys[n] = NULL, vals[n] = NULL;

	rc = connect_polled(c, keys, vals, url, options ? options->interrupt : NULL);
	if (rc) {
		pg_close(&c->base);
		return rc;
	}
	PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
	PGresult *res = PQexec(c->pg, SESSION_SQL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = result_error(c, res, "cannot set up the session");
	PQclear(res);
	if (rc) {
		pg_close(&c->base);
		return rc;
	}
	*out = &c->base;
	return 0;
}

/* ---- COPY plumbing (the appender itself is further down) ------------------------------------- */

typedef enum enc_kind {
	ENC_BOOL,
	ENC_INT2, /* any integer type into smallint, integer, bigint: range checked */
	ENC_INT4,
	ENC_INT8,
	ENC_INT_NUMERIC,
	ENC_DEC_NUMERIC,
	ENC_FLOAT4,
	ENC_FLOAT_AS_FLOAT8,
	ENC_FLOAT8,
	ENC_BYTES, /* text, varchar, json, bytea: the bytes as they are */
	ENC_JSONB, /* a version byte, then the text */
	ENC_DATE,
	ENC_TIME,
	ENC_TIMESTAMP, /* timestamp and timestamptz alike: microseconds */
	ENC_INTERVAL,
	ENC_UUID,
	ENC_ARRAY, /* a LIST: array_send's format, each element in element_enc */
	ENC_LOAD_ID
} enc_kind;

typedef struct pg_app_col {
	enc_kind enc;
	size_t batch_col; /* index in the schema and the batch (not for ENC_LOAD_ID) */
	sl_type type;	  /* the schema's type */
	int precision;	  /* DECIMAL: selects the batch's physical width */
	int scale;	  /* DECIMAL */
	char *name;	  /* the table's column name, for messages */
	char *pg_type;	  /* the table column's type ("smallint"), for messages */
	/* ENC_ARRAY: how the elements go, their schema type and the table's element type */
	enc_kind element_enc;
	sl_type element;
	Oid element_oid;
} pg_app_col;

struct pg_appender {
	sl_dest_appender base;
	pg_conn *conn;	/* NULL once the connection closed under the appender */
	char *name;	/* "dataset.table" for messages */
	char *copy_sql; /* COPY "ds"."t" (cols) FROM STDIN (FORMAT binary) */
	size_t ncols;	/* fields per COPY row */
	pg_app_col *cols;
	size_t nschema; /* schema columns the batches must carry */
	char *load_id;
	uint32_t load_id_len;
	unsigned char *buf; /* COPY data not yet handed to libpq */
	size_t len;
	size_t cap;
	bool copying; /* a COPY is open on the connection for this appender */
};

static int end_copy(pg_appender *a, bool keep);

/* Abandon a result still being read: the connection is needed (rollback, close). */
static void abandon_rows(pg_conn *c);

/* Read and drop whatever the connection still has for the last statement. */
static void drain(PGconn *pg);

/* Make the connection free for a statement: a COPY in progress ends (its rows kept). */
static int conn_ready(pg_conn *c)
{
	if (c->streaming)
		return sl_error_set(SL_EINVAL,
				    "PostgreSQL %s: the rows of an earlier query are still being "
				    "read (free them first)",
				    c->where);
	if (c->copy)
		return end_copy(c->copy, true);
	return 0;
}

static void pg_close(sl_dest_conn *conn)
{
	pg_conn *c = (pg_conn *)conn;
	if (!c)
		return;
	if (c->copy) {
		pg_appender *a = c->copy;
		end_copy(a, false);
		a->conn = NULL;
	}
	abandon_rows(c);
	PQfinish(c->pg);
	free(c);
}

/* ---- statements ------------------------------------------------------------------------------ */

/* Run one statement (or several, without parameters) to completion; the result is the caller's. */
static int run(PGresult **out, pg_conn *c, const char *sql, size_t nparams,
	       const char *const *params)
{
	*out = NULL;
	if (nparams > INT32_MAX)
		return sl_error_set(SL_EINVAL, "PostgreSQL %s: too many parameters", c->where);
	int rc = conn_ready(c);
	if (rc)
		return rc;
	PGresult *res =
		nparams ? PQexecParams(c->pg, sql, (int)nparams, NULL, params, NULL, NULL, 0)
			: PQexec(c->pg, sql);
	if (!res)
		return conn_error(c, NULL);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		*out = res;
		return 0;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		/* a COPY run as a statement: sluice has no data for it */
		PQclear(res);
		drain(c->pg);
		return sl_error_set(SL_EINVAL, "PostgreSQL %s: COPY cannot run through exec",
				    c->where);
	default:
		rc = result_error(c, res, NULL);
		PQclear(res);
		return rc;
	}
}

static int run_simple(pg_conn *c, const char *sql)
{
	PGresult *res;
	int rc = run(&res, c, sql, 0, NULL);
	PQclear(res);
	return rc;
}

static int pg_exec(sl_dest_conn *conn, const char *sql, size_t nparams, const char *const *params)
{
	PGresult *res;
	int rc = run(&res, (pg_conn *)conn, sql, nparams, params);
	PQclear(res);
	return rc;
}

/* Leave a failed transaction without touching the last error (which says why it failed). */
static void quiet_rollback(pg_conn *c)
{
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return;
	PQclear(PQexec(c->pg, "ROLLBACK"));
}

static int pg_begin(sl_dest_conn *conn)
{
	pg_conn *c = (pg_conn *)conn;
	int rc = conn_ready(c);
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (!rc && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
		rc = sl_error_set(SL_EINVAL, "PostgreSQL %s: a transaction is already open",
				  c->where);
	if (!rc)
		rc = run_simple(c, "BEGIN");
	return rc ? sl_error_wrap("cannot begin a transaction") : 0;
}

static int pg_commit(sl_dest_conn *conn)
{
	pg_conn *c = (pg_conn *)conn;
	/* a COPY still open ends here; if its rows fail, so does the transaction */
	int rc = conn_ready(c);
	if (rc) {
		if (!c->streaming)
			quiet_rollback(c);
		return sl_error_wrap("cannot commit");
	}
	PGresult *res;
	rc = run(&res, c, "COMMIT", 0, NULL);
	/* COMMIT of a transaction that failed earlier succeeds as a ROLLBACK */
	if (!rc && strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = sl_error_set(SL_EDEST,
				  "PostgreSQL %s: the transaction failed earlier and was rolled "
				  "back",
				  c->where);
	PQclear(res);
	return rc ? sl_error_wrap("cannot commit") : 0;
}

static int pg_rollback(sl_dest_conn *conn)
{
	pg_conn *c = (pg_conn *)conn;
	abandon_rows(c);
	if (c->copy)
		end_copy(c->copy, false);
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return 0;
	return run_simple(c, "ROLLBACK") ? sl_error_wrap("cannot roll back") : 0;
}

/* ---- result rows ----------------------------------------------------------------------------- */

struct pg_rows {
	sl_rows base;
	pg_conn *conn;
	PGresult *meta; /* the first result: column names and types, and maybe the first row */
	PGresult *cur;	/* the result holding the current row (may be meta), NULL when none */
	bool meta_row;	/* meta holds a row next() has not returned yet */
	bool done;	/* every result of the query has been read from the connection */
	size_t ncols;
};

static void drain(PGconn *pg)
{
	PGresult *res;
	int guard = 0;
	while ((res = PQgetResult(pg)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_COPY_IN &&
		    (++guard > 3 || PQputCopyEnd(pg, "COPY is not supported here") != 1))
			break;
		if (st == PGRES_COPY_OUT) {
			char *buf;
			while (PQgetCopyData(pg, &buf, 0) > 0)
				PQfreemem(buf);
		}
		if (st == PGRES_COPY_BOTH)
			break;
	}
}

static void abandon_rows(pg_conn *c)
{
	pg_rows *r = c->streaming;
	if (!r)
		return;
	drain(c->pg);
	r->done = true;
	c->streaming = NULL;
}

static void rows_end(pg_rows *r)
{
	r->done = true;
	if (r->conn->streaming == r)
		r->conn->streaming = NULL;
}

static int rows_next(sl_rows *rows)
{
	pg_rows *r = (pg_rows *)rows;
	if (r->cur && r->cur != r->meta)
		PQclear(r->cur);
	r->cur = NULL;
	if (r->meta_row) {
		r->meta_row = false;
		r->cur = r->meta;
		return 1;
	}
	if (r->done)
		return 0;
	PGresult *res = PQgetResult(r->conn->pg);
	if (!res) {
		rows_end(r);
		return 0;
	}
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_SINGLE_TUPLE) {
		r->cur = res;
		return 1;
	}
	int rc = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ? 0
								 : result_error(r->conn, res, NULL);
	PQclear(res);
	drain(r->conn->pg);
	rows_end(r);
	return rc;
}

static size_t rows_column_count(const sl_rows *rows)
{
	return ((const pg_rows *)rows)->ncols;
}

static const char *rows_column_name(const sl_rows *rows, size_t col)
{
	const pg_rows *r = (const pg_rows *)rows;
	return col < r->ncols ? PQfname(r->meta, (int)col) : NULL;
}

static sl_type describe_type(Oid oid, int typmod, int *precision, int *scale);

/* A result column's portable type: text, and anything sluice has no type for, is TEXT. */
static sl_type oid_type(Oid oid)
{
	int precision, scale;
	sl_type type = describe_type(oid, -1, &precision, &scale);
	return type == SL_TYPE__COUNT ? SL_TYPE_TEXT : type;
}

static sl_type rows_column_type(const sl_rows *rows, size_t col)
{
	const pg_rows *r = (const pg_rows *)rows;
	return col < r->ncols ? oid_type(PQftype(r->meta, (int)col)) : SL_TYPE_TEXT;
}

static bool rows_is_null(const sl_rows *rows, size_t col)
{
	const pg_rows *r = (const pg_rows *)rows;
	return !r->cur || col >= r->ncols || PQgetisnull(r->cur, 0, (int)col);
}

static const char *rows_get_text(sl_rows *rows, size_t col, size_t *len)
{
	pg_rows *r = (pg_rows *)rows;
	if (len)
		*len = 0;
	if (rows_is_null(rows, col))
		return NULL;
	if (len)
		*len = (size_t)PQgetlength(r->cur, 0, (int)col);
	return PQgetvalue(r->cur, 0, (int)col);
}

/* ---- reading values from their text ---------------------------------------------------------- */

/* Between min and max decimal digits at *p; advances *p past them. */
static bool take_digits(const char **p, int min, int max, int64_t *out)
{
	int64_t v = 0;
	int n = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n >= min;
}

static bool take_char(const char **p, char ch)
{
	if (**p != ch)
		return false;
	(*p)++;
	return true;
}

/* "YYYY-MM-DD" (the year may have more digits); the era comes separately (" BC" at the end). */
static bool take_date(const char **p, bool bc, int64_t *days)
{
	int64_t y, m, d;
	if (!take_digits(p, 4, 9, &y) || !take_char(p, '-') || !take_digits(p, 2, 2, &m) ||
	    !take_char(p, '-') || !take_digits(p, 2, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	*days = sl_days_from_civil(bc ? 1 - y : y, (unsigned)m, (unsigned)d);
	return true;
}

/* "HH:MM:SS[.ffffff]" as microseconds. */
static bool take_time(const char **p, int64_t *micros)
{
	int64_t h, m, s, f = 0;
	if (!take_digits(p, 2, 2, &h) || !take_char(p, ':') || !take_digits(p, 2, 2, &m) ||
	    !take_char(p, ':') || !take_digits(p, 2, 2, &s))
		return false;
	if (take_char(p, '.')) {
		const char *start = *p;
		if (!take_digits(p, 1, 6, &f))
			return false;
		for (ptrdiff_t n = *p - start; n < 6; n++)
			f *= 10;
	}
	*micros = ((h * 60 + m) * 60 + s) * SL_MICROS_PER_SEC + f;
	return true;
}

/* A UTC offset "+HH[:MM[:SS]]" as seconds east of UTC. */
static bool take_offset(const char **p, int64_t *seconds)
{
	int sign = **p == '-' ? -1 : 1;
	if (!take_char(p, '+') && !take_char(p, '-'))
		return false;
	int64_t h, m = 0, s = 0;
	if (!take_digits(p, 2, 2, &h))
		return false;
	if (take_char(p, ':') && !take_digits(p, 2, 2, &m))
		return false;
	if (take_char(p, ':') && !take_digits(p, 2, 2, &s))
		return false;
	*seconds = sign * ((h * 60 + m) * 60 + s);
	return true;
}

static bool ends_bc(const char *s)
{
	size_t n = strlen(s);
	return n > 3 && strcmp(s + n - 3, " BC") == 0;
}

/* The era suffix, then the end of the text. */
static bool at_end(const char *p, bool bc)
{
	return bc ? strcmp(p, " BC") == 0 : *p == '\0';
}

/* PostgreSQL's ISO text of a date, time or timestamp as days or microseconds, the infinities as
   INT32/INT64_MAX and their negations (what DuckDB uses). */
static bool parse_temporal(Oid oid, const char *s, int64_t *out)
{
	bool date = oid == OID_DATE;
	if (strcmp(s, "infinity") == 0 || strcmp(s, "-infinity") == 0) {
		int64_t inf = date ? INT32_MAX : INT64_MAX;
		*out = s[0] == '-' ? -inf : inf;
		return oid != OID_TIME;
	}
	bool bc = ends_bc(s);
	const char *p = s;
	int64_t days = 0, micros = 0, offset = 0;
	if (oid == OID_TIME)
		return take_time(&p, out) && *p == '\0';
	if (!take_date(&p, bc, &days))
		return false;
	if (date) {
		*out = days;
		return at_end(p, bc);
	}
	if (!take_char(&p, ' ') || !take_time(&p, &micros))
		return false;
	if (oid == OID_TIMESTAMPTZ && !take_offset(&p, &offset))
		return false;
	if (!at_end(p, bc))
		return false;
	*out = days * SL_MICROS_PER_DAY + micros - offset * SL_MICROS_PER_SEC;
	return true;
}

/* The integer part of numeric text ("-12.75" -> -12), when it fits. */
static bool parse_numeric_int(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	if (neg || *s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false; /* NaN, Infinity */
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s)
		return false;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > INT64_MAX)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static int value_error(const pg_rows *r, size_t col, const char *why)
{
	return sl_error_set(SL_ETYPE, "PostgreSQL %s: column %s: %s", r->conn->where,
			    PQfname(r->meta, (int)col), why);
}

static int rows_get_int64(int64_t *out, const sl_rows *rows, size_t col)
{
	const pg_rows *r = (const pg_rows *)rows;
	*out = 0;
	if (col >= r->ncols)
		return sl_error_set(SL_EINVAL, "no column %zu in the result", col);
	if (rows_is_null(rows, col))
		return value_error(r, col, "value is NULL");
	const char *s = PQgetvalue(r->cur, 0, (int)col);
	Oid oid = PQftype(r->meta, (int)col);
	switch (oid) {
	case OID_BOOL:
		*out = s[0] == 't';
		return 0;
	case OID_NUMERIC:
		return parse_numeric_int(s, out)
			       ? 0
			       : value_error(r, col, "value does not fit in a 64-bit integer");
	case OID_FLOAT4:
	case OID_FLOAT8: {
		char *end;
		double d = strtod(s, &end);
		if (*end || !(d > -9223372036854775808.0 && d < 9223372036854775808.0))
			return value_error(r, col, "value does not fit in a 64-bit integer");
		*out = (int64_t)d;
		return 0;
	}
	case OID_DATE:
	case OID_TIME:
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ:
		return parse_temporal(oid, s, out) ? 0
						   : value_error(r, col, "unreadable date/time");
	default: {
		/* integers, and integers that arrive as text (a state value, a cast) */
		char *end;
		errno = 0;
		long long v = *s ? strtoll(s, &end, 10) : 0;
		if (!*s || errno || *end)
			return value_error(r, col, "value is not an integer");
		*out = v;
		return 0;
	}
	}
}

static int rows_get_double(double *out, const sl_rows *rows, size_t col)
{
	const pg_rows *r = (const pg_rows *)rows;
	*out = 0;
	if (col >= r->ncols)
		return sl_error_set(SL_EINVAL, "no column %zu in the result", col);
	if (rows_is_null(rows, col))
		return value_error(r, col, "value is NULL");
	const char *s = PQgetvalue(r->cur, 0, (int)col);
	switch (PQftype(r->meta, (int)col)) {
	case OID_BOOL:
		*out = s[0] == 't';
		return 0;
	case OID_DATE:
	case OID_TIME:
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ: {
		int64_t v;
		int rc = rows_get_int64(&v, rows, col);
		*out = (double)v;
		return rc;
	}
	default: {
		/* a real's text is the shortest that reads back as that float, not as a double */
		bool single = PQftype(r->meta, (int)col) == OID_FLOAT4;
		char *end = NULL;
		double d = !*s ? 0 : single ? strtof(s, &end) : strtod(s, &end);
		if (!*s || *end)
			return value_error(r, col, "value is not a number");
		*out = d;
		return 0;
	}
	}
}

static void rows_free(sl_rows *rows)
{
	pg_rows *r = (pg_rows *)rows;
	if (!r)
		return;
	if (!r->done) {
		/* the rest of the result must be read off the connection before it can be used */
		drain(r->conn->pg);
		rows_end(r);
	}
	if (r->cur && r->cur != r->meta)
		PQclear(r->cur);
	PQclear(r->meta);
	free(r);
}

static const sl_rows_ops pg_rows_ops = {
	.next = rows_next,
	.column_count = rows_column_count,
	.column_name = rows_column_name,
	.column_type = rows_column_type,
	.is_null = rows_is_null,
	.get_int64 = rows_get_int64,
	.get_double = rows_get_double,
	.get_text = rows_get_text,
	.free = rows_free,
};

static int pg_query(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
		    const char *const *params)
{
	pg_conn *c = (pg_conn *)conn;
	*out = NULL;
	if (nparams > INT32_MAX)
		return sl_error_set(SL_EINVAL, "PostgreSQL %s: too many parameters", c->where);
	int rc = conn_ready(c);
	if (rc)
		return rc;
	if (!PQsendQueryParams(c->pg, sql, (int)nparams, NULL, params, NULL, NULL, 0))
		return conn_error(c, NULL);
	if (!PQsetSingleRowMode(c->pg)) {
		drain(c->pg);
		return sl_error_set(SL_EDEST, "PostgreSQL %s: cannot stream the result", c->where);
	}
	PGresult *res = PQgetResult(c->pg);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	switch (st) {
	case PGRES_SINGLE_TUPLE:
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		break;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		rc = sl_error_set(SL_EINVAL, "PostgreSQL %s: COPY cannot run through query",
				  c->where);
		break;
	default:
		rc = res ? result_error(c, res, NULL) : conn_error(c, NULL);
		break;
	}
	pg_rows *r = rc ? NULL : sl_calloc(1, sizeof(*r));
	if (!r) {
		PQclear(res);
		drain(c->pg);
		return rc ? rc : SL_ENOMEM;
	}
	r->base.ops = &pg_rows_ops;
	r->conn = c;
	r->meta = res;
	r->ncols = (size_t)PQnfields(res);
	if (st == PGRES_SINGLE_TUPLE) {
		r->meta_row = true;
		c->streaming = r;
	} else {
		drain(c->pg);
		r->done = true;
	}
	*out = &r->base;
	return 0;
}

/* ---- tables ---------------------------------------------------------------------------------- */

typedef struct table_col {
	char *name;
	Oid oid;	 /* the column's type, or a domain's base type */
	Oid element_oid; /* an array's element type, else 0 */
	int typmod;	 /* the modifier (an array's is its element's) */
	bool nullable;
	char *type; /* format_type(): "numeric(20,0)", for messages */
} table_col;

typedef struct col_list {
	table_col *cols;
	size_t n;
} col_list;

static void cols_free(col_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->cols[i].name);
		free(l->cols[i].type);
	}
	free(l->cols);
	l->cols = NULL;
	l->n = 0;
}

/* The table column named `name` (exactly, else ignoring case) not yet taken, or -1. */
static int cols_find(const col_list *l, const char *name, const bool *taken)
{
	for (size_t i = 0; i < l->n; i++)
		if ((!taken || !taken[i]) && strcmp(l->cols[i].name, name) == 0)
			return (int)i;
	for (size_t i = 0; i < l->n; i++)
		if ((!taken || !taken[i]) && strcasecmp(l->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The table's columns in order; none when the table does not exist. */
static int table_columns(col_list *out, pg_conn *c, const char *dataset, const char *table)
{
	static const char sql[] =
		"SELECT a.attname, b.oid, format_type(a.atttypid, a.atttypmod), "
		"CASE WHEN b.typcategory = 'A' THEN b.typelem ELSE 0 END, "
		"CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END, a.attnotnull "
		"FROM pg_catalog.pg_attribute a "
		"JOIN pg_catalog.pg_class r ON r.oid = a.attrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace "
		"JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
		"JOIN pg_catalog.pg_type b "
		"ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END "
		"WHERE n.nspname = $1 AND r.relname = $2 AND r.relkind IN ('r', 'p') "
		"AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
	const char *params[2] = {dataset, table};
	memset(out, 0, sizeof(*out));
	PGresult *res;
	int rc = run(&res, c, sql, 2, params);
	if (rc)
		return rc;
	int n = PQntuples(res);
	out->cols = sl_calloc(n > 0 ? (size_t)n : 1, sizeof(*out->cols));
	if (!out->cols)
		rc = SL_ENOMEM;
	for (int i = 0; !rc && i < n; i++) {
		table_col *col = &out->cols[out->n++];
		col->name = sl_strdup(PQgetvalue(res, i, 0));
		col->oid = (Oid)strtoul(PQgetvalue(res, i, 1), NULL, 10);
		col->type = sl_strdup(PQgetvalue(res, i, 2));
		col->element_oid = (Oid)strtoul(PQgetvalue(res, i, 3), NULL, 10);
		col->typmod = (int)strtol(PQgetvalue(res, i, 4), NULL, 10);
		col->nullable = PQgetvalue(res, i, 5)[0] != 't';
		if (!col->name || !col->type)
			rc = SL_ENOMEM;
	}
	PQclear(res);
	if (rc)
		cols_free(out);
	return rc;
}

static int pg_table_exists(bool *out, sl_dest_conn *conn, const char *dataset, const char *table)
{
	static const char sql[] = "SELECT 1 FROM pg_catalog.pg_class r "
				  "JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace "
				  "WHERE n.nspname = $1 AND r.relname = $2 "
				  "AND r.relkind IN ('r', 'p', 'v', 'm', 'f')";
	const char *params[2] = {dataset, table};
	*out = false;
	PGresult *res;
	int rc = run(&res, (pg_conn *)conn, sql, 2, params);
	if (rc)
		return rc;
	*out = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

/* PostgreSQL cuts longer names to 63 bytes with only a NOTICE: refuse them instead. */
static int check_name(const pg_conn *c, const char *kind, const char *name)
{
	if (strlen(name) > MAX_IDENT)
		return sl_error_set(SL_EINVAL,
				    "PostgreSQL %s: %s name '%s' is longer than %d bytes", c->where,
				    kind, name, MAX_IDENT);
	return 0;
}

static int pg_ensure_dataset(sl_dest_conn *conn, const char *dataset)
{
	pg_conn *c = (pg_conn *)conn;
	int rc = check_name(c, "dataset", dataset);
	if (rc)
		return rc;
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE SCHEMA IF NOT EXISTS ");
	sl_buf_quote_ident(&b, dataset, '"');
	rc = b.failed ? SL_ENOMEM : run_simple(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot create dataset %s", dataset) : 0;
}

/* Each portable type's PostgreSQL column type (DECIMAL gets its precision and scale). */
static const char *const pg_type_names[SL_TYPE__COUNT] = {
	[SL_TYPE_BOOL] = "boolean",
	[SL_TYPE_INT8] = "smallint", /* no one-byte integer */
	[SL_TYPE_INT16] = "smallint",
	[SL_TYPE_INT32] = "integer",
	[SL_TYPE_INT64] = "bigint",
	[SL_TYPE_UINT8] = "smallint",
	[SL_TYPE_UINT16] = "integer",
	[SL_TYPE_UINT32] = "bigint",
	[SL_TYPE_UINT64] = "numeric(20,0)",
	[SL_TYPE_FLOAT] = "real",
	[SL_TYPE_DOUBLE] = "double precision",
	[SL_TYPE_DECIMAL] = "numeric",
	[SL_TYPE_TEXT] = "text",
	[SL_TYPE_BLOB] = "bytea",
	[SL_TYPE_JSON] = "json", /* not jsonb: keeps the source's text byte for byte */
	[SL_TYPE_DATE] = "date",
	[SL_TYPE_TIME] = "time",
	[SL_TYPE_TIMESTAMP] = "timestamp",
	[SL_TYPE_TIMESTAMPTZ] = "timestamptz",
	[SL_TYPE_INTERVAL] = "interval",
	[SL_TYPE_UUID] = "uuid",
	[SL_TYPE_LIST] = "[]", /* after the element's type */
};

static int check_column(const pg_conn *c, const sl_column *col)
{
	/* a LIST's precision and scale are its elements' */
	sl_type type = col->type == SL_TYPE_LIST ? col->element : col->type;
	if ((unsigned)col->type >= SL_TYPE__COUNT || (unsigned)type >= SL_TYPE__COUNT ||
	    type == SL_TYPE_LIST)
		return sl_error_set(SL_ETYPE, "column %s: unknown portable type %d", col->name,
				    (int)type);
	if (type == SL_TYPE_DECIMAL && (col->precision < 1 || col->precision > 38 ||
					col->scale < 0 || col->scale > col->precision))
		return sl_error_set(SL_ETYPE,
				    "column %s: DECIMAL(%d,%d) is outside the portable range "
				    "(precision 1..38, scale 0..precision)",
				    col->name, col->precision, col->scale);
	return check_name(c, "column", col->name);
}

static void put_scalar_type(sl_buf *b, sl_type type, int precision, int scale)
{
	if (type == SL_TYPE_DECIMAL)
		sl_buf_printf(b, "numeric(%d,%d)", precision, scale);
	else
		sl_buf_puts(b, pg_type_names[type]);
}

/* The column's type; a LIST's is its element's, then []. */
static void put_type(sl_buf *b, const sl_column *col)
{
	if (col->type == SL_TYPE_LIST) {
		put_scalar_type(b, col->element, col->precision, col->scale);
		sl_buf_puts(b, pg_type_names[SL_TYPE_LIST]);
	} else {
		put_scalar_type(b, col->type, col->precision, col->scale);
	}
}

static void put_column_def(sl_buf *b, const sl_column *col, bool constraints)
{
	sl_buf_quote_ident(b, col->name, '"');
	sl_buf_putc(b, ' ');
	put_type(b, col);
	if (constraints && !col->nullable)
		sl_buf_puts(b, " NOT NULL");
}

/* No PRIMARY KEY: the index would slow COPY down, and the pipeline dedups itself. */
static int create_table(pg_conn *c, const char *dataset, const char *table,
			const sl_table_schema *schema, bool add_load_id)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE TABLE IF NOT EXISTS ");
	sl_buf_quote_qualified(&b, dataset, table, '"');
	sl_buf_puts(&b, " (");
	for (size_t i = 0; i < schema->ncolumns; i++) {
		if (i)
			sl_buf_puts(&b, ", ");
		put_column_def(&b, &schema->columns[i], true);
	}
	if (add_load_id)
		sl_buf_puts(&b, ", \"" LOAD_ID_COLUMN "\" varchar");
	sl_buf_puts(&b, ")");
	int rc = b.failed ? SL_ENOMEM : run_simple(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc;
}

/* Columns added later are nullable: the rows already there have no value for them. A NULL col
   is the load id column. */
static int add_column(pg_conn *c, const char *dataset, const char *table, const sl_column *col)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "ALTER TABLE ");
	sl_buf_quote_qualified(&b, dataset, table, '"');
	sl_buf_puts(&b, " ADD COLUMN IF NOT EXISTS ");
	if (col)
		put_column_def(&b, col, false);
	else
		sl_buf_puts(&b, "\"" LOAD_ID_COLUMN "\" varchar");
	int rc = b.failed ? SL_ENOMEM : run_simple(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot add column %s to %s.%s", col ? col->name : LOAD_ID_COLUMN,
				  dataset, table)
		  : 0;
}

static int pg_ensure_table(sl_dest_conn *conn, const char *dataset, const char *table,
			   const sl_table_schema *schema, bool with_load_id)
{
	pg_conn *c = (pg_conn *)conn;
	if (schema->ncolumns == 0)
		return sl_error_set(SL_EINVAL, "table %s.%s: the schema has no columns", dataset,
				    table);
	int rc = check_name(c, "dataset", dataset);
	if (!rc)
		rc = check_name(c, "table", table);
	for (size_t i = 0; !rc && i < schema->ncolumns; i++)
		rc = check_column(c, &schema->columns[i]);
	if (rc)
		return sl_error_wrap("table %s.%s", dataset, table);
	bool add_load_id = with_load_id && sl_schema_find(schema, LOAD_ID_COLUMN) < 0;
	col_list have;
	rc = table_columns(&have, c, dataset, table);
	if (rc)
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	if (have.n == 0) {
		rc = create_table(c, dataset, table, schema, add_load_id);
		if (rc)
			sl_error_wrap("cannot create table %s.%s", dataset, table);
	} else {
		for (size_t i = 0; !rc && i < schema->ncolumns; i++)
			if (cols_find(&have, schema->columns[i].name, NULL) < 0)
				rc = add_column(c, dataset, table, &schema->columns[i]);
		if (!rc && add_load_id && cols_find(&have, LOAD_ID_COLUMN, NULL) < 0)
			rc = add_column(c, dataset, table, NULL);
	}
	cols_free(&have);
	return rc;
}

/* The portable type of a column's type (a domain's base type); numeric's typmod carries its
   precision and scale. */
static sl_type describe_type(Oid oid, int typmod, int *precision, int *scale)
{
	*precision = *scale = 0;
	switch (oid) {
	case OID_BOOL:
		return SL_TYPE_BOOL;
	case OID_INT2:
		return SL_TYPE_INT16;
	case OID_INT4:
		return SL_TYPE_INT32;
	case OID_INT8:
		return SL_TYPE_INT64;
	case OID_OID:
		return SL_TYPE_UINT32;
	case OID_FLOAT4:
		return SL_TYPE_FLOAT;
	case OID_FLOAT8:
		return SL_TYPE_DOUBLE;
	case OID_NUMERIC:
		if (typmod >= 4) {
			*precision = ((typmod - 4) >> 16) & 0xffff;
			*scale = (typmod - 4) & 0xffff;
		}
		return SL_TYPE_DECIMAL;
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
		return SL_TYPE_TEXT;
	case OID_JSON:
	case OID_JSONB:
		return SL_TYPE_JSON;
	case OID_BYTEA:
		return SL_TYPE_BLOB;
	case OID_DATE:
		return SL_TYPE_DATE;
	case OID_TIME:
		return SL_TYPE_TIME;
	case OID_TIMESTAMP:
		return SL_TYPE_TIMESTAMP;
	case OID_TIMESTAMPTZ:
		return SL_TYPE_TIMESTAMPTZ;
	case OID_INTERVAL:
		return SL_TYPE_INTERVAL;
	case OID_UUID:
		return SL_TYPE_UUID;
	default:
		return SL_TYPE__COUNT;
	}
}

/* A table column in the portable type system: types sluice has none for are SL_TYPE__COUNT. */
static int describe_column(sl_table_schema *schema, const table_col *tc)
{
	int precision, scale;
	Oid oid = tc->element_oid ? tc->element_oid : tc->oid;
	sl_type type = describe_type(oid, tc->typmod, &precision, &scale);
	if (tc->element_oid && type != SL_TYPE__COUNT)
		return sl_schema_add_list_column(schema, tc->name, type, precision, scale,
						 tc->nullable, tc->type);
	return sl_schema_add_column(schema, tc->name, tc->element_oid ? SL_TYPE__COUNT : type,
				    precision, scale, tc->nullable, tc->type);
}

static int pg_describe_table(sl_table_schema **out, sl_dest_conn *conn, const char *dataset,
			     const char *table)
{
	*out = NULL;
	col_list have;
	int rc = table_columns(&have, (pg_conn *)conn, dataset, table);
	if (rc)
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	sl_table_schema *schema = have.n > 0 ? sl_schema_new(dataset, table) : NULL;
	if (have.n > 0 && !schema)
		rc = SL_ENOMEM;
	for (size_t i = 0; !rc && i < have.n; i++) {
		int col = describe_column(schema, &have.cols[i]);
		rc = col < 0 ? col : 0;
	}
	cols_free(&have);
	if (rc)
		sl_schema_free(schema);
	else
		*out = schema;
	return rc;
}

/* ALTER TABLE dataset.table ALTER COLUMN column TYPE ... | DROP NOT NULL */
static int alter_column(pg_conn *c, const char *dataset, const char *table, const char *column,
			const sl_column *type)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "ALTER TABLE ");
	sl_buf_quote_qualified(&b, dataset, table, '"');
	sl_buf_puts(&b, " ALTER COLUMN ");
	sl_buf_quote_ident(&b, column, '"');
	if (type) {
		/* USING: json has no assignment cast to text */
		sl_buf_puts(&b, " TYPE ");
		put_type(&b, type);
		sl_buf_puts(&b, " USING ");
		sl_buf_quote_ident(&b, column, '"');
		sl_buf_puts(&b, "::");
		put_type(&b, type);
	} else {
		sl_buf_puts(&b, " DROP NOT NULL");
	}
	int rc = b.failed ? SL_ENOMEM : run_simple(c, sl_buf_cstr(&b));
	sl_buf_free(&b);
	return rc ? sl_error_wrap("cannot change column %s of %s.%s", column, dataset, table) : 0;
}

static int pg_widen_column(sl_dest_conn *conn, const char *dataset, const char *table,
			   const sl_column *col)
{
	int rc = check_column((pg_conn *)conn, col);
	return rc ? rc : alter_column((pg_conn *)conn, dataset, table, col->name, col);
}

static int pg_drop_not_null(sl_dest_conn *conn, const char *dataset, const char *table,
			    const char *column)
{
	return alter_column((pg_conn *)conn, dataset, table, column, NULL);
}

/* ---- appender: binary COPY ------------------------------------------------------------------- */

/* Big-endian writers; each returns the position after what it wrote. */
static unsigned char *put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	return put32(p + 4, (uint32_t)v);
}

/* Most bytes one numeric field takes: length, 4 header words, at most 13 base-10000 digits. */
#define NUMERIC_FIELD_MAX (4 + 8 + 2 * 13)

/*
 * v / 10^scale as PostgreSQL's binary numeric: ndigits, weight, sign, dscale, then the digits in
 * base 10000, most significant first, aligned on the decimal point (the digit of weight w counts
 * 10000^w). Zero groups at either end are left out, as PostgreSQL stores them.
 */
static unsigned char *put_numeric(unsigned char *p, sl_i128 v, int scale)
{
	sl_u128 mag = v < 0 ? -(sl_u128)v : (sl_u128)v;
	uint16_t g[16]; /* base-10000 digits of mag * 10^pad, least significant first */
	int n = 0;
	if (mag >> 64) {
		/* two 128-bit divisions split it into 16-digit parts; the rest is 64-bit work */
		const sl_u128 e16 = (sl_u128)10000000000000000ULL;
		uint64_t low = (uint64_t)(mag % e16);
		mag /= e16;
		uint64_t mid = (uint64_t)(mag % e16);
		uint64_t top = (uint64_t)(mag / e16);
		for (int k = 0; k < 4; k++, low /= 10000)
			g[n++] = (uint16_t)(low % 10000);
		for (int k = 0; k < 4; k++, mid /= 10000)
			g[n++] = (uint16_t)(mid % 10000);
		for (; top; top /= 10000)
			g[n++] = (uint16_t)(top % 10000);
	} else {
		for (uint64_t x = (uint64_t)mag; x; x /= 10000)
			g[n++] = (uint16_t)(x % 10000);
	}
	/* shift left so the decimal point falls between groups */
	int pad = (4 - scale % 4) % 4;
	if (pad) {
		uint32_t mul = pad == 1 ? 10 : pad == 2 ? 100 : 1000, carry = 0;
		for (int i = 0; i < n; i++) {
			uint32_t t = g[i] * mul + carry;
			g[i] = (uint16_t)(t % 10000);
			carry = t / 10000;
		}
		if (carry)
			g[n++] = (uint16_t)carry;
	}
	int frac_groups = (scale + pad) / 4;
	while (n > 0 && g[n - 1] == 0)
		n--;
	int lo = 0;
	while (lo < n && g[lo] == 0)
		lo++;
	int ndigits = n - lo;
	int weight = ndigits ? n - 1 - frac_groups : 0;
	p = put32(p, (uint32_t)(8 + 2 * ndigits));
	p = put16(p, (uint16_t)ndigits);
	p = put16(p, (uint16_t)(int16_t)weight);
	p = put16(p, v < 0 && ndigits ? 0x4000 : 0x0000);
	p = put16(p, (uint16_t)scale);
	for (int i = n - 1; i >= lo; i--)
		p = put16(p, g[i]);
	return p;
}

/* An integer cell of any width and sign. */
static sl_i128 int_cell(const sl_vector *v, sl_type type, size_t r)
{
	switch (type) {
	case SL_TYPE_INT8:
		return ((const int8_t *)v->data)[r];
	case SL_TYPE_INT16:
		return ((const int16_t *)v->data)[r];
	case SL_TYPE_INT32:
		return ((const int32_t *)v->data)[r];
	case SL_TYPE_UINT8:
		return ((const uint8_t *)v->data)[r];
	case SL_TYPE_UINT16:
		return ((const uint16_t *)v->data)[r];
	case SL_TYPE_UINT32:
		return ((const uint32_t *)v->data)[r];
	case SL_TYPE_UINT64:
		return ((const uint64_t *)v->data)[r];
	default:
		return ((const int64_t *)v->data)[r];
	}
}

/* The unscaled value of a DECIMAL cell (its width follows the precision, see batch.h). */
static sl_i128 dec_cell(const sl_vector *v, int precision, size_t r)
{
	switch (sl_type_value_size(SL_TYPE_DECIMAL, precision)) {
	case 2:
		return ((const int16_t *)v->data)[r];
	case 4:
		return ((const int32_t *)v->data)[r];
	case 8:
		return ((const int64_t *)v->data)[r];
	default:
		return sl_i128_from(((const sl_int128 *)v->data)[r]);
	}
}

static unsigned char *encode_array(unsigned char *p, const pg_app_col *col, const sl_vector *v,
				   size_t r);

/* One non-NULL field (length word and value), or NULL when the value does not fit the column. */
static unsigned char *encode_value(unsigned char *p, const pg_app_col *col, const sl_vector *v,
				   size_t r)
{
	const void *d = v->data;
	switch (col->enc) {
	case ENC_BOOL:
		p = put32(p, 1);
		*p++ = ((const uint8_t *)d)[r] != 0;
		return p;
	case ENC_INT2: {
		sl_i128 x = int_cell(v, col->type, r);
		if (x < INT16_MIN || x > INT16_MAX)
			return NULL;
		return put16(put32(p, 2), (uint16_t)(int16_t)x);
	}
	case ENC_INT4: {
		sl_i128 x = int_cell(v, col->type, r);
		if (x < INT32_MIN || x > INT32_MAX)
			return NULL;
		return put32(put32(p, 4), (uint32_t)(int32_t)x);
	}
	case ENC_INT8: {
		sl_i128 x = int_cell(v, col->type, r);
		if (x < INT64_MIN || x > INT64_MAX)
			return NULL;
		return put64(put32(p, 8), (uint64_t)(int64_t)x);
	}
	case ENC_INT_NUMERIC:
		return put_numeric(p, int_cell(v, col->type, r), 0);
	case ENC_DEC_NUMERIC:
		return put_numeric(p, dec_cell(v, col->precision, r), col->scale);
	case ENC_FLOAT4: {
		uint32_t u;
		memcpy(&u, &((const float *)d)[r], sizeof(u));
		return put32(put32(p, 4), u);
	}
	case ENC_FLOAT_AS_FLOAT8:
	case ENC_FLOAT8: {
		double x = col->enc == ENC_FLOAT8 ? ((const double *)d)[r] : ((const float *)d)[r];
		uint64_t u;
		memcpy(&u, &x, sizeof(u));
		return put64(put32(p, 8), u);
	}
	case ENC_BYTES:
	case ENC_JSONB: {
		const sl_bytes *s = &((const sl_bytes *)d)[r];
		bool jsonb = col->enc == ENC_JSONB;
		p = put32(p, s->len + jsonb);
		if (jsonb)
			*p++ = 1; /* jsonb's binary format version */
		if (s->len)
			memcpy(p, s->ptr, s->len);
		return p + s->len;
	}
	case ENC_DATE: {
		int64_t x = ((const int32_t *)d)[r];
		/* the infinities a batch carries are DuckDB's: +-INT32_MAX; PostgreSQL's -infinity
		   is INT32_MIN, and +infinity the same INT32_MAX */
		if (x <= -INT32_MAX)
			x = INT32_MIN;
		else if (x != INT32_MAX && (x -= PG_EPOCH_DAYS) <= INT32_MIN)
			return NULL;
		return put32(put32(p, 4), (uint32_t)(int32_t)x);
	}
	case ENC_TIME:
		return put64(put32(p, 8), (uint64_t)((const int64_t *)d)[r]);
	case ENC_TIMESTAMP: {
		int64_t x = ((const int64_t *)d)[r];
		if (x <= -INT64_MAX)
			x = INT64_MIN;
		else if (x != INT64_MAX) {
			if (x < INT64_MIN + PG_EPOCH_MICROS + 1)
				return NULL;
			x -= PG_EPOCH_MICROS;
		}
		return put64(put32(p, 8), (uint64_t)x);
	}
	case ENC_INTERVAL: {
		const sl_interval *iv = &((const sl_interval *)d)[r];
		p = put64(put32(p, 16), (uint64_t)iv->micros);
		p = put32(p, (uint32_t)iv->days);
		return put32(p, (uint32_t)iv->months);
	}
	case ENC_UUID: {
		const sl_int128 *u = &((const sl_int128 *)d)[r];
		return put64(put64(put32(p, 16), (uint64_t)u->hi), u->lo);
	}
	case ENC_ARRAY:
		return encode_array(p, col, v, r);
	case ENC_LOAD_ID:
		break;
	}
	return NULL;
}

/* array_send's format: one dimension (none when empty) starting at 1, then the elements. */
static unsigned char *encode_array(unsigned char *p, const pg_app_col *col, const sl_vector *v,
				   size_t r)
{
	const sl_list_entry *e = &((const sl_list_entry *)v->data)[r];
	const sl_vector *child = v->child;
	bool nulls = false;
	for (uint64_t k = 0; k < e->length && !nulls; k++)
		nulls = !sl_vector_is_valid(child, (size_t)(e->offset + k));
	unsigned char *start = p;
	p = put32(p + 4, e->length ? 1 : 0);
	p = put32(p, nulls);
	p = put32(p, col->element_oid);
	if (e->length)
		p = put32(put32(p, (uint32_t)e->length), 1);
	pg_app_col element = {.enc = col->element_enc,
			      .type = col->element,
			      .precision = col->precision,
			      .scale = col->scale};
	for (uint64_t k = 0; k < e->length && p; k++) {
		size_t i = (size_t)(e->offset + k);
		p = sl_vector_is_valid(child, i) ? encode_value(p, &element, child, i)
						 : put32(p, UINT32_MAX);
	}
	if (p)
		put32(start, (uint32_t)(p - start - 4));
	return p;
}

/* How the schema's type goes into the table column's type, if it can. */
static bool choose_encoding(pg_app_col *col, Oid oid)
{
	switch (col->type) {
	case SL_TYPE_BOOL:
		col->enc = ENC_BOOL;
		return oid == OID_BOOL;
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		col->enc = oid == OID_INT2   ? ENC_INT2
			   : oid == OID_INT4 ? ENC_INT4
			   : oid == OID_INT8 ? ENC_INT8
					     : ENC_INT_NUMERIC;
		return oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8 || oid == OID_NUMERIC;
	case SL_TYPE_FLOAT:
		col->enc = oid == OID_FLOAT4 ? ENC_FLOAT4 : ENC_FLOAT_AS_FLOAT8;
		return oid == OID_FLOAT4 || oid == OID_FLOAT8;
	case SL_TYPE_DOUBLE:
		col->enc = ENC_FLOAT8;
		return oid == OID_FLOAT8;
	case SL_TYPE_DECIMAL:
		col->enc = ENC_DEC_NUMERIC;
		return oid == OID_NUMERIC;
	case SL_TYPE_TEXT:
	case SL_TYPE_JSON:
		col->enc = oid == OID_JSONB ? ENC_JSONB : ENC_BYTES;
		return oid == OID_TEXT || oid == OID_VARCHAR || oid == OID_BPCHAR ||
		       oid == OID_JSON || oid == OID_JSONB;
	case SL_TYPE_BLOB:
		col->enc = ENC_BYTES;
		return oid == OID_BYTEA;
	case SL_TYPE_DATE:
		col->enc = ENC_DATE;
		return oid == OID_DATE;
	case SL_TYPE_TIME:
		col->enc = ENC_TIME;
		return oid == OID_TIME;
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		col->enc = ENC_TIMESTAMP;
		return oid == OID_TIMESTAMP || oid == OID_TIMESTAMPTZ;
	case SL_TYPE_INTERVAL:
		col->enc = ENC_INTERVAL;
		return oid == OID_INTERVAL;
	case SL_TYPE_UUID:
		col->enc = ENC_UUID;
		return oid == OID_UUID;
	case SL_TYPE_LIST: {
		pg_app_col element = {.type = col->element};
		if (!col->element_oid || !choose_encoding(&element, col->element_oid))
			return false;
		col->enc = ENC_ARRAY;
		col->element_enc = element.enc;
		return true;
	}
	default:
		return false;
	}
}

static int reserve(pg_appender *a, size_t extra)
{
	if (a->cap - a->len >= extra)
		return 0;
	size_t cap = a->cap ? a->cap : 64 * 1024;
	while (cap - a->len < extra)
		cap *= 2;
	unsigned char *p = sl_realloc(a->buf, cap);
	if (!p)
		return SL_ENOMEM;
	a->buf = p;
	a->cap = cap;
	return 0;
}

/* Hand the buffered bytes to libpq. -1 when the COPY failed (its result says why). */
static int send_buffer(pg_appender *a)
{
	for (size_t off = 0; off < a->len;) {
		size_t n = a->len - off < COPY_PIECE ? a->len - off : COPY_PIECE;
		if (PQputCopyData(a->conn->pg, (const char *)a->buf + off, (int)n) != 1) {
			a->len = 0;
			return -1;
		}
		off += n;
	}
	a->len = 0;
	return 0;
}

/*
 * End the open COPY. keep: send the rest and the trailer, so the rows stay (in the open
 * transaction, or committed by themselves outside one), and report the COPY's error. Otherwise
 * the COPY is cancelled and its rows are dropped; errors are expected then and not reported.
 */
static int end_copy(pg_appender *a, bool keep)
{
	pg_conn *c = a->conn;
	bool report = keep, oom = false;
	if (keep) {
		if (reserve(a, 2)) {
			keep = false;
			oom = true;
		} else {
			a->len = (size_t)(put16(a->buf + a->len, 0xffff) - a->buf);
			keep = send_buffer(a) == 0; /* if not, the result says why */
		}
	}
	a->len = 0;
	int ended = PQputCopyEnd(c->pg, keep ? NULL : "cancelled by sluice");
	char what[300];
	snprintf(what, sizeof(what), "cannot write rows into %s", a->name);
	int rc = 0, guard = 0;
	PGresult *res;
	while ((res = PQgetResult(c->pg)) != NULL) {
		ExecStatusType st = PQresultStatus(res);
		if (report && !rc && st != PGRES_COMMAND_OK && st != PGRES_COPY_IN)
			rc = result_error(c, res, what);
		PQclear(res);
		if (st == PGRES_COPY_IN && (++guard > 3 || PQputCopyEnd(c->pg, "cancelled") != 1))
			break;
	}
	if (report && !rc && oom)
		rc = nomem();
	else if (report && !rc && (ended != 1 || !keep))
		rc = conn_error(c, what);
	a->copying = false;
	c->copy = NULL;
	return rc;
}

static int start_copy(pg_appender *a)
{
	pg_conn *c = a->conn;
	int rc = conn_ready(c); /* ends another appender's COPY */
	if (rc)
		return rc;
	PGresult *res = PQexec(c->pg, a->copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		char what[300];
		snprintf(what, sizeof(what), "cannot start writing rows into %s", a->name);
		rc = res ? result_error(c, res, what) : conn_error(c, what);
		PQclear(res);
		drain(c->pg);
		return rc;
	}
	PQclear(res);
	c->copy = a;
	a->copying = true;
	/* signature, flags, header extension length */
	static const unsigned char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	if (reserve(a, sizeof(header))) {
		end_copy(a, false);
		return SL_ENOMEM;
	}
	memcpy(a->buf + a->len, header, sizeof(header));
	a->len += sizeof(header);
	return 0;
}

static int check_batch(const pg_appender *a, const sl_batch *batch)
{
	if (batch->ncolumns < a->nschema)
		return sl_error_set(SL_EINVAL, "appending to %s: batch has %zu columns, schema %zu",
				    a->name, batch->ncolumns, a->nschema);
	for (size_t i = 0; i < a->ncols; i++) {
		const pg_app_col *col = &a->cols[i];
		if (col->enc == ENC_LOAD_ID)
			continue;
		const sl_vector *v = &batch->columns[col->batch_col];
		if (v->type != col->type || sl_type_value_size(v->type, v->precision) !=
						    sl_type_value_size(col->type, col->precision))
			return sl_error_set(SL_EINVAL,
					    "appending to %s: batch column %zu is %s, schema "
					    "says %s",
					    a->name, col->batch_col, sl_type_name(v->type),
					    sl_type_name(col->type));
	}
	return 0;
}

/* Bytes `n` values of `v` (present or not) take at most when encoded as `enc`. */
static size_t values_bound(enc_kind enc, enc_kind element_enc, const sl_vector *v, size_t n)
{
	switch (enc) {
	case ENC_BYTES:
	case ENC_JSONB: {
		const sl_bytes *s = v->data;
		size_t need = n * 5;
		for (size_t r = 0; r < n; r++)
			if (sl_vector_is_valid(v, r))
				need += s[r].len;
		return need;
	}
	case ENC_INT_NUMERIC:
	case ENC_DEC_NUMERIC:
		return n * NUMERIC_FIELD_MAX;
	case ENC_ARRAY: /* header, one dimension, and every element of the batch at most */
		return n * (4 + 20) +
		       values_bound(element_enc, element_enc, v->child, v->child_len);
	default:
		return n * (4 + 16);
	}
}

/* Bytes the batch can take at most in COPY format, so that encoding needs no checks. */
static size_t batch_bound(const pg_appender *a, const sl_batch *b)
{
	size_t n = b->nrows, need = 2 * n;
	for (size_t i = 0; i < a->ncols; i++) {
		const pg_app_col *col = &a->cols[i];
		if (col->enc == ENC_LOAD_ID)
			need += n * (4 + (size_t)a->load_id_len);
		else
			need += values_bound(col->enc, col->element_enc,
					     &b->columns[col->batch_col], n);
	}
	return need;
}

static void put_i128(char *out, size_t size, sl_i128 v)
{
	char tmp[48];
	size_t i = sizeof(tmp);
	sl_u128 u = v < 0 ? -(sl_u128)v : (sl_u128)v;
	tmp[--i] = '\0';
	do {
		tmp[--i] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	snprintf(out, size, "%s", tmp + i);
}

static int range_error(const pg_appender *a, const pg_app_col *col, const sl_vector *v, size_t r)
{
	char value[48] = "";
	if (col->enc == ENC_INT2 || col->enc == ENC_INT4 || col->enc == ENC_INT8)
		put_i128(value, sizeof(value), int_cell(v, col->type, r));
	return sl_error_set(SL_ETYPE, "appending to %s: column %s: %s value %s%sdoes not fit %s",
			    a->name, col->name, sl_type_name(col->type), value, *value ? " " : "",
			    col->pg_type);
}

/* Encode the batch's rows after what the buffer holds. On error the buffer is left as it was. */
static int encode_batch(pg_appender *a, const sl_batch *b)
{
	if (reserve(a, batch_bound(a, b)))
		return SL_ENOMEM;
	unsigned char *p = a->buf + a->len;
	for (size_t r = 0; r < b->nrows; r++) {
		p = put16(p, (uint16_t)a->ncols);
		for (size_t i = 0; i < a->ncols; i++) {
			const pg_app_col *col = &a->cols[i];
			if (col->enc == ENC_LOAD_ID) {
				p = put32(p, a->load_id_len);
				memcpy(p, a->load_id, a->load_id_len);
				p += a->load_id_len;
				continue;
			}
			const sl_vector *v = &b->columns[col->batch_col];
			if (!(v->validity[r >> 6] >> (r & 63) & 1)) {
				p = put32(p, UINT32_MAX); /* -1: NULL */
				continue;
			}
			unsigned char *next = encode_value(p, col, v, r);
			if (!next)
				return range_error(a, col, v, r);
			p = next;
		}
	}
	a->len = (size_t)(p - a->buf);
	return 0;
}

static int pg_append(sl_dest_appender *appender, const sl_batch *batch)
{
	pg_appender *a = (pg_appender *)appender;
	if (!a->conn)
		return sl_error_set(SL_EINVAL, "appending to %s: the connection is closed",
				    a->name);
	if (batch->nrows == 0)
		return 0;
	int rc = check_batch(a, batch);
	if (!rc && !a->copying)
		rc = start_copy(a);
	/* a value that does not fit leaves the COPY open, without the batch */
	if (!rc)
		rc = encode_batch(a, batch);
	if (!rc && a->len >= COPY_PIECE && send_buffer(a)) {
		rc = end_copy(a, true);
		if (!rc)
			rc = conn_error(a->conn, "cannot write rows");
	}
	return rc;
}

static int pg_appender_flush(sl_dest_appender *appender)
{
	pg_appender *a = (pg_appender *)appender;
	if (!a->conn)
		return sl_error_set(SL_EINVAL, "flushing %s: the connection is closed", a->name);
	return a->copying ? end_copy(a, true) : 0;
}

/* Rows not flushed are dropped: the COPY is cancelled (which fails an open transaction). */
static void pg_appender_close(sl_dest_appender *appender)
{
	pg_appender *a = (pg_appender *)appender;
	if (!a)
		return;
	if (a->conn && a->copying)
		end_copy(a, false);
	for (size_t i = 0; a->cols && i < a->ncols; i++) {
		free(a->cols[i].name);
		free(a->cols[i].pg_type);
	}
	free(a->cols);
	free(a->buf);
	free(a->copy_sql);
	free(a->load_id);
	free(a->name);
	free(a);
}

/* Match each schema column (and the load id) to a table column; build the COPY statement. */
static int appender_setup(pg_appender *a, const col_list *have, const sl_table_schema *schema,
			  const char *dataset, const char *table)
{
	bool *taken = sl_calloc(have->n, sizeof(*taken));
	a->cols = sl_calloc(schema->ncolumns + 1, sizeof(*a->cols));
	if (!taken || !a->cols) {
		free(taken);
		return SL_ENOMEM;
	}
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "COPY ");
	sl_buf_quote_qualified(&sql, dataset, table, '"');
	sl_buf_puts(&sql, " (");
	int rc = 0;
	for (size_t j = 0; j < schema->ncolumns && !rc; j++) {
		const sl_column *sc = &schema->columns[j];
		int t = cols_find(have, sc->name, taken);
		if (t < 0) {
			rc = sl_error_set(SL_EDEST,
					  "table %s has no column %s (ensure_table adds it)",
					  a->name, sc->name);
			break;
		}
		taken[t] = true;
		pg_app_col *col = &a->cols[a->ncols++];
		col->batch_col = j;
		col->type = sc->type;
		col->precision = sc->precision;
		col->scale = sc->scale;
		col->element = sc->element;
		col->element_oid = have->cols[t].element_oid;
		col->name = sl_strdup(have->cols[t].name);
		col->pg_type = sl_strdup(have->cols[t].type);
		if (!col->name || !col->pg_type)
			rc = SL_ENOMEM;
		else if (!choose_encoding(col, have->cols[t].oid))
			rc = sl_error_set(SL_ETYPE,
					  "table %s: column %s is %s in PostgreSQL, which cannot "
					  "take %s values",
					  a->name, col->name, col->pg_type, sl_type_name(sc->type));
		sl_buf_puts(&sql, j ? ", " : "");
		sl_buf_quote_ident(&sql, have->cols[t].name, '"');
	}
	int t = a->load_id && !rc ? cols_find(have, LOAD_ID_COLUMN, taken) : -1;
	if (t >= 0) {
		pg_app_col *col = &a->cols[a->ncols++];
		col->enc = ENC_LOAD_ID;
		col->name = sl_strdup(LOAD_ID_COLUMN);
		if (!col->name)
			rc = SL_ENOMEM;
		sl_buf_puts(&sql, ", ");
		sl_buf_quote_ident(&sql, have->cols[t].name, '"');
	}
	sl_buf_puts(&sql, ") FROM STDIN (FORMAT binary)");
	free(taken);
	if (!rc && sql.failed)
		rc = SL_ENOMEM;
	if (!rc)
		a->copy_sql = sl_buf_detach(&sql);
	sl_buf_free(&sql);
	return rc;
}

static int pg_appender_open(sl_dest_appender **out, sl_dest_conn *conn, const char *dataset,
			    const char *table, const sl_table_schema *schema, const char *load_id)
{
	pg_conn *c = (pg_conn *)conn;
	*out = NULL;
	for (size_t i = 0; i < schema->ncolumns; i++)
		if (check_column(c, &schema->columns[i]))
			return sl_error_wrap("table %s.%s", dataset, table);
	pg_appender *a = sl_calloc(1, sizeof(*a));
	if (!a)
		return SL_ENOMEM;
	a->base.driver = &sl_postgres_destination;
	a->conn = c;
	a->nschema = schema->ncolumns;
	a->name = sl_printf_alloc("%s.%s", dataset, table);
	size_t idlen = load_id ? strlen(load_id) : 0;
	if (load_id)
		a->load_id = sl_strdup(load_id);
	if (!a->name || (load_id && !a->load_id) || idlen > INT32_MAX) {
		pg_appender_close(&a->base);
		return SL_ENOMEM;
	}
	a->load_id_len = (uint32_t)idlen;
	col_list have;
	int rc = table_columns(&have, c, dataset, table);
	if (rc) {
		pg_appender_close(&a->base);
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	}
	if (have.n == 0)
		rc = sl_error_set(SL_ENOTFOUND, "PostgreSQL %s: table %s.%s does not exist",
				  c->where, dataset, table);
	else
		rc = appender_setup(a, &have, schema, dataset, table);
	cols_free(&have);
	if (rc) {
		pg_appender_close(&a->base);
		return rc;
	}
	*out = &a->base;
	return 0;
}

/* ---- the driver ------------------------------------------------------------------------------ */

static pthread_once_t version_once = PTHREAD_ONCE_INIT;
static char version_text[32]; /* written once, under version_once */

static void format_version(void)
{
	int v = PQlibVersion();
	if (v >= 100000)
		snprintf(version_text, sizeof(version_text), "libpq %d.%d", v / 10000, v % 10000);
	else
		snprintf(version_text, sizeof(version_text), "libpq %d.%d.%d", v / 10000,
			 v / 100 % 100, v % 100);
}

static const char *pg_library_version(void)
{
	pthread_once(&version_once, format_version);
	return version_text;
}

/* ---- the pipeline lock ---------------------------------------------------------------------- */

/* Who holds advisory lock `key` (pg_locks splits a bigint key into classid and objid). */
static void lock_holder(pg_conn *c, int64_t key, char *holder, size_t size)
{
	char hi[16], lo[16];
	snprintf(hi, sizeof(hi), "%u", (unsigned)((uint64_t)key >> 32));
	snprintf(lo, sizeof(lo), "%u", (unsigned)((uint64_t)key & 0xffffffffu));
	const char *params[] = {hi, lo};
	PGresult *res;
	snprintf(holder, size, "a session of another run");
	if (run(&res, c,
		"SELECT a.application_name, a.pid, COALESCE(host(a.client_addr), 'local') "
		"FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
		"AND l.classid = $1::oid AND l.objid = $2::oid AND l.database = "
		"(SELECT oid FROM pg_database WHERE datname = current_database())",
		2, params) != 0) {
		sl_error_clear();
		return;
	}
	if (PQntuples(res) == 1)
		snprintf(holder, size, "'%s' (PostgreSQL backend %s, client %s)",
			 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	PQclear(res);
}

/*
 * A session-level advisory lock: unlike locks taken in a transaction it survives the chunk
 * commits and rollbacks, and the server drops it when the session ends, however it ends. The
 * session's application_name then says which process holds it.
 */
static int pg_try_lock(sl_dest_conn *conn, int64_t key, char *holder, size_t size)
{
	pg_conn *c = (pg_conn *)conn;
	char k[24], name[64];
	snprintf(k, sizeof(k), "%lld", (long long)key);
	const char *params[] = {k};
	PGresult *res;
	int rc = run(&res, c, "SELECT pg_try_advisory_lock($1::bigint)", 1, params);
	if (rc)
		return sl_error_wrap("cannot take the pipeline's lock");
	bool got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!got) {
		lock_holder(c, key, holder, size);
		return SL_ELOCKED;
	}
	snprintf(name, sizeof(name), "sluice pid %ld", (long)getpid());
	const char *set[] = {name};
	if (run(&res, c, "SELECT set_config('application_name', $1, false)", 1, set) == 0)
		PQclear(res);
	sl_error_clear(); /* the name only helps messages */
	return SL_OK;
}

static void pg_unlock(sl_dest_conn *conn, int64_t key)
{
	pg_conn *c = (pg_conn *)conn;
	char k[24];
	snprintf(k, sizeof(k), "%lld", (long long)key);
	const char *params[] = {k};
	PGresult *res;
	/* on failure the lock goes with the session */
	if (run(&res, c, "SELECT pg_advisory_unlock($1::bigint)", 1, params) == 0)
		PQclear(res);
}

const sl_destination_driver sl_postgres_destination = {
	.head = {SL_DESTINATION_DRIVER_VERSION, "postgres",
		 (const char *const[]){"postgresql", "postgres", NULL}},
	.open = pg_open,
	.close = pg_close,
	.ensure_dataset = pg_ensure_dataset,
	.ensure_table = pg_ensure_table,
	.table_exists = pg_table_exists,
	.describe_table = pg_describe_table,
	.widen_column = pg_widen_column,
	.drop_not_null = pg_drop_not_null,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.appender_open = pg_appender_open,
	.append = pg_append,
	.appender_flush = pg_appender_flush,
	.appender_close = pg_appender_close,
	.exec = pg_exec,
	.query = pg_query,
	.library_version = pg_library_version,
	.try_lock = pg_try_lock,
	.unlock = pg_unlock,
};
