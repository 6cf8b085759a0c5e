/*
 * postgres.c — the PostgreSQL destination driver (libpq).
 *
 * A dataset is a schema. Tables are created from portable schemas with the closest PostgreSQL
 * types (UINT64 as numeric(20,0), JSON as json so the source's text is kept byte for byte) and
 * evolved by adding columns. Rows go in with binary COPY (pg_copy.c); query results are read in
 * pg_rows.c. The session runs with DateStyle ISO, IntervalStyle postgres, TimeZone UTC and
 * bytea_output hex, so the text of a value does not depend on server settings.
 */
#include "drivers.h"
#include "pg_connect.h"
#include "pg_oid.h"
#include "postgres_internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_URL_OPTIONS 32

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

static int pgdst_exec_changed(int64_t *changed, sl_dest_conn *conn, const char *sql);

static const sl_sql_dialect pg_dialect = {
	.name = "PostgreSQL",
	.scratch_kind = "UNLOGGED ",
	.index_merge_key = true,
	.exec_changed = pgdst_exec_changed,
	.type_names = pg_type_names,
	.cast_on_alter = true,
	.table_exists_sql = "SELECT 1 FROM pg_catalog.pg_class r "
			    "JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace "
			    "WHERE n.nspname = $1 AND r.relname = $2 "
			    "AND r.relkind IN ('r', 'p', 'v', 'm', 'f')",
	.max_identifier = 63, /* NAMEDATALEN - 1 */
};

/* ---- errors ---------------------------------------------------------------------------------- */

/* Length of the first line of `s`, without a trailing newline. */
static int line_len(const char *s)
{
	return (int)strcspn(s, "\n");
}

/* libpq's own message (connection trouble, no server error), first line. */
int pgdst_conn_error(const pgdst_conn *c, const char *what)
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
int pgdst_result_error(const pgdst_conn *c, const PGresult *res, const char *what)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (!primary)
		return pgdst_conn_error(c, what);
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

static void describe_where(pgdst_conn *c, const sl_url *url)
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
		return sl_error_set(SL_ENOMEM, "out of memory");
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
static int connect_error(const pgdst_conn *c, PGconn *pg)
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

static void pgdst_close(sl_dest_conn *conn);

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
static int connect_polled(pgdst_conn *c, const char *const *keys, const char *const *vals,
			  const sl_url *url, const sl_interrupt *intr)
{
	/* expand_dbname 0: a database name is never read as a connection string */
	c->pg = PQconnectStartParams(keys, vals, 0);
	if (!c->pg)
		return sl_error_set(SL_ENOMEM, "out of memory");
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

/* libpq's connection parameters: defaults first, then the URL's options, then what sluice needs
   (later entries win). */
typedef struct conn_params {
	const char *keys[MAX_URL_OPTIONS + 14], *vals[MAX_URL_OPTIONS + 14];
	char port[16], timeout[16];
} conn_params;

static void put_param(conn_params *p, size_t *n, const char *key, const char *value)
{
	p->keys[*n] = key;
	p->vals[(*n)++] = value;
}

static void connect_params(conn_params *p, const sl_url *url)
{
	size_t n = 0;
	snprintf(p->timeout, sizeof(p->timeout), "%d", SL_CONNECT_TIMEOUT);
	snprintf(p->port, sizeof(p->port), "%d", url->port);
	put_param(p, &n, "application_name", "sluice");
	put_param(p, &n, "connect_timeout", p->timeout);
	/* a vanished peer (host down, connection dropped on the way) shows in about 2 min */
	put_param(p, &n, "keepalives", "1");
	put_param(p, &n, "keepalives_idle", "60");
	put_param(p, &n, "keepalives_interval", "10");
	put_param(p, &n, "keepalives_count", "6");
	for (size_t i = 0; i < url->noptions; i++)
		put_param(p, &n, url->options[i].key, url->options[i].value);
	if (url->host && *url->host)
		put_param(p, &n, "host", url->host);
	if (url->port > 0)
		put_param(p, &n, "port", p->port);
	if (url->user)
		put_param(p, &n, "user", url->user);
	if (url->password)
		put_param(p, &n, "password", url->password);
	if (url->database && *url->database)
		put_param(p, &n, "dbname", url->database);
	put_param(p, &n, "client_encoding", "UTF8");
	put_param(p, &n, NULL, NULL);
}

/* Connect, and set the session up so that the text of values does not depend on the server. */
static int start_session(pgdst_conn *c, const sl_url *url, const sl_interrupt *intr)
{
	conn_params params;
	connect_params(&params, url);
	int rc = connect_polled(c, params.keys, params.vals, url, intr);
	if (rc)
		return rc;
	PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
	PGresult *res = PQexec(c->pg, SESSION_SQL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pgdst_result_error(c, res, "cannot set up the session");
	PQclear(res);
	return rc;
}

static int pgdst_open(sl_dest_conn **out, const sl_url *url, const sl_dest_options *options)
{
	*out = NULL; /* no settings of its own */
	if (url->kind != SL_URL_POSTGRES)
		return sl_error_set(SL_EINVAL, "the PostgreSQL destination cannot open a %s:// URL",
				    url->scheme ? url->scheme : "non-PostgreSQL");
	int rc = check_options(url);
	pgdst_conn *c = rc ? NULL : sl_calloc(1, sizeof(*c));
	if (!c)
		return rc ? rc : SL_ENOMEM;
	c->sql = (sl_sql_conn){{&sl_postgres_destination}, &pg_dialect, c->where};
	describe_where(c, url);
	rc = start_session(c, url, options ? options->interrupt : NULL);
	if (rc) {
		pgdst_close(&c->sql.base);
		return rc;
	}
	*out = &c->sql.base;
	return 0;
}

/* Make the connection free for a statement: a COPY in progress ends (its rows kept). */
int pgdst_conn_ready(pgdst_conn *c)
{
	if (c->streaming)
		return sl_error_set(SL_EINVAL,
				    "PostgreSQL %s: the rows of an earlier query are still being "
				    "read (free them first)",
				    c->where);
	if (c->copy)
		return pgdst_end_copy(c->copy, true);
	return 0;
}

static void pgdst_close(sl_dest_conn *conn)
{
	pgdst_conn *c = (pgdst_conn *)conn;
	if (!c)
		return;
	pgdst_close_copy(c);
	pgdst_abandon_rows(c);
	PQfinish(c->pg);
	free(c);
}

/* ---- statements ------------------------------------------------------------------------------ */

/* Run one statement (or several, without parameters) to completion; the result is the caller's. */
int pgdst_run(PGresult **out, pgdst_conn *c, const char *sql, size_t nparams,
	      const char *const *params)
{
	*out = NULL;
	if (nparams > INT32_MAX)
		return sl_error_set(SL_EINVAL, "PostgreSQL %s: too many parameters", c->where);
	int rc = pgdst_conn_ready(c);
	if (rc)
		return rc;
	PGresult *res =
		nparams ? PQexecParams(c->pg, sql, (int)nparams, NULL, params, NULL, NULL, 0)
			: PQexec(c->pg, sql);
	if (!res)
		return pgdst_conn_error(c, NULL);
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
		pgdst_drain(c->pg);
		return sl_error_set(SL_EINVAL, "PostgreSQL %s: COPY cannot run through exec",
				    c->where);
	default:
		rc = pgdst_result_error(c, res, NULL);
		PQclear(res);
		return rc;
	}
}

static int run_simple(pgdst_conn *c, const char *sql)
{
	PGresult *res;
	int rc = pgdst_run(&res, c, sql, 0, NULL);
	PQclear(res);
	return rc;
}

static int pgdst_exec(sl_dest_conn *conn, const char *sql, size_t nparams,
		      const char *const *params)
{
	PGresult *res;
	int rc = pgdst_run(&res, (pgdst_conn *)conn, sql, nparams, params);
	PQclear(res);
	return rc;
}

static int pgdst_exec_changed(int64_t *changed, sl_dest_conn *conn, const char *sql)
{
	PGresult *res;
	int rc = pgdst_run(&res, (pgdst_conn *)conn, sql, 0, NULL);
	if (!rc)
		*changed = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

/* Leave a failed transaction without touching the last error (which says why it failed). */
static void quiet_rollback(pgdst_conn *c)
{
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return;
	PQclear(PQexec(c->pg, "ROLLBACK"));
}

static int pgdst_begin(sl_dest_conn *conn)
{
	pgdst_conn *c = (pgdst_conn *)conn;
	int rc = pgdst_conn_ready(c);
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);
	if (!rc && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
		rc = sl_error_set(SL_EINVAL, "PostgreSQL %s: a transaction is already open",
				  c->where);
	if (!rc)
		rc = run_simple(c, "BEGIN");
	return rc ? sl_error_wrap("cannot begin a transaction") : 0;
}

static int pgdst_commit(sl_dest_conn *conn)
{
	pgdst_conn *c = (pgdst_conn *)conn;
	/* a COPY still open ends here; if its rows fail, so does the transaction */
	int rc = pgdst_conn_ready(c);
	if (rc) {
		if (!c->streaming)
			quiet_rollback(c);
		return sl_error_wrap("cannot commit");
	}
	PGresult *res;
	rc = pgdst_run(&res, c, "COMMIT", 0, NULL);
	/* COMMIT of a transaction that failed earlier succeeds as a ROLLBACK */
	if (!rc && strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = sl_error_set(SL_EDEST,
				  "PostgreSQL %s: the transaction failed earlier and was rolled "
				  "back",
				  c->where);
	PQclear(res);
	return rc ? sl_error_wrap("cannot commit") : 0;
}

static int pgdst_rollback(sl_dest_conn *conn)
{
	pgdst_conn *c = (pgdst_conn *)conn;
	pgdst_abandon_rows(c);
	if (c->copy)
		pgdst_end_copy(c->copy, false);
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return 0;
	return run_simple(c, "ROLLBACK") ? sl_error_wrap("cannot roll back") : 0;
}

void pgdst_columns_free(pgdst_columns *l)
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
int pgdst_columns_find(const pgdst_columns *l, const char *name, const bool *taken)
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
int pgdst_table_columns(pgdst_columns *out, pgdst_conn *c, const char *dataset, const char *table)
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
	int rc = pgdst_run(&res, c, sql, 2, params);
	if (rc)
		return rc;
	int n = PQntuples(res);
	out->cols = sl_calloc(n > 0 ? (size_t)n : 1, sizeof(*out->cols));
	if (!out->cols)
		rc = SL_ENOMEM;
	for (int i = 0; !rc && i < n; i++) {
		pgdst_column *col = &out->cols[out->n++];
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
		pgdst_columns_free(out);
	return rc;
}

/* The portable type of a column's type (a domain's base type); numeric's typmod carries its
   precision and scale. */
sl_type pgdst_portable_type(Oid oid, int typmod, int *precision, int *scale)
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
static int describe_column(sl_table_schema *schema, const pgdst_column *tc)
{
	int precision, scale;
	Oid oid = tc->element_oid ? tc->element_oid : tc->oid;
	sl_type type = pgdst_portable_type(oid, tc->typmod, &precision, &scale);
	if (tc->element_oid && type != SL_TYPE__COUNT)
		return sl_schema_add_list_column(schema, tc->name, type, precision, scale,
						 tc->nullable, tc->type);
	return sl_schema_add_column(schema, tc->name, tc->element_oid ? SL_TYPE__COUNT : type,
				    precision, scale, tc->nullable, tc->type);
}

static int pgdst_describe_table(sl_table_schema **out, sl_dest_conn *conn, const char *dataset,
				const char *table)
{
	*out = NULL;
	pgdst_columns have;
	int rc = pgdst_table_columns(&have, (pgdst_conn *)conn, dataset, table);
	if (rc)
		return sl_error_wrap("cannot read the columns of %s.%s", dataset, table);
	sl_table_schema *schema = have.n > 0 ? sl_schema_new(dataset, table) : NULL;
	if (have.n > 0 && !schema)
		rc = SL_ENOMEM;
	for (size_t i = 0; !rc && i < have.n; i++) {
		int col = describe_column(schema, &have.cols[i]);
		rc = col < 0 ? col : 0;
	}
	pgdst_columns_free(&have);
	if (rc)
		sl_schema_free(schema);
	else
		*out = schema;
	return rc;
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

static const char *pgdst_library_version(void)
{
	pthread_once(&version_once, format_version);
	return version_text;
}

/* ---- the pipeline lock ---------------------------------------------------------------------- */

/* Who holds advisory lock `key` (pg_locks splits a bigint key into classid and objid). */
static void lock_holder(pgdst_conn *c, int64_t key, char *holder, size_t size)
{
	char hi[16], lo[16];
	snprintf(hi, sizeof(hi), "%u", (unsigned)((uint64_t)key >> 32));
	snprintf(lo, sizeof(lo), "%u", (unsigned)((uint64_t)key & 0xffffffffu));
	const char *params[] = {hi, lo};
	PGresult *res;
	snprintf(holder, size, "a session of another run");
	if (pgdst_run(&res, c,
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
static int pgdst_try_lock(sl_dest_conn *conn, int64_t key, char *holder, size_t size)
{
	pgdst_conn *c = (pgdst_conn *)conn;
	char k[24], name[64];
	snprintf(k, sizeof(k), "%lld", (long long)key);
	const char *params[] = {k};
	PGresult *res;
	int rc = pgdst_run(&res, c, "SELECT pg_try_advisory_lock($1::bigint)", 1, params);
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
	if (pgdst_run(&res, c, "SELECT set_config('application_name', $1, false)", 1, set) == 0)
		PQclear(res);
	sl_error_clear(); /* the name only helps messages */
	return SL_OK;
}

static void pgdst_unlock(sl_dest_conn *conn, int64_t key)
{
	pgdst_conn *c = (pgdst_conn *)conn;
	char k[24];
	snprintf(k, sizeof(k), "%lld", (long long)key);
	const char *params[] = {k};
	PGresult *res;
	/* on failure the lock goes with the session */
	if (pgdst_run(&res, c, "SELECT pg_advisory_unlock($1::bigint)", 1, params) == 0)
		PQclear(res);
}

const sl_destination_driver sl_postgres_destination = {
	.head = {SL_DESTINATION_DRIVER_VERSION, "postgres",
		 (const char *const[]){"postgresql", "postgres", NULL}},
	.open = pgdst_open,
	.close = pgdst_close,
	.library_version = pgdst_library_version,
	.try_lock = pgdst_try_lock,
	.unlock = pgdst_unlock,
	.describe_table = pgdst_describe_table,
	.begin = pgdst_begin,
	.commit = pgdst_commit,
	.rollback = pgdst_rollback,
	.appender_open = pgdst_appender_open,
	.append = pgdst_append,
	.appender_flush = pgdst_appender_flush,
	.appender_close = pgdst_appender_close,
	.query = pgdst_query,
	.exec = pgdst_exec,
	SL_SQL_METHODS,
};
