/*
 * postgres.c — the PostgreSQL source driver (libpq): URL options, the session, rendering, scans
 * and stats. Reflection (the catalogs) is in postgres_reflect.c, row decoding in
 * postgres_value.c.
 *
 * Scans run `COPY (SELECT ...) TO STDOUT (FORMAT binary)`: the server streams one CopyData
 * message per row in its binary send format, and each row is decoded straight into the batch's
 * typed arrays (postgres_value.c). COPY takes no bind parameters, so the plan's values are
 * rendered as literals with an explicit cast ('2024-01-31 12:00:00.000000'::timestamp,
 * '12.50'::numeric); every session sets standard_conforming_strings, so a literal is just the
 * text with its quotes doubled.
 *
 * Types with no binary form worth decoding are selected as `col::text` (inet, money, timetz,
 * enums, wide numerics...) or `to_json(col)` (arrays, composites), so the decoder only knows a
 * dozen wire formats (sl_pg_expr_of, from the reflected schema alone).
 *
 * Abandoning a COPY part way: libpq can only end it by reading the rest. So a scan closed early
 * cancels the query (PQcancel) and closes the session; the next call reconnects (as mysql.c).
 * Except when the scan read every row its LIMIT allows (a chunk that filled exactly): then only
 * the end marker and the COMMAND_OK are left, and reading them (drain) keeps the session.
 */
#define _POSIX_C_SOURCE 200809L

#include "pg_connect.h"
#include "postgres_internal.h"
#include "scan_sql.h"
#include "warnings.h"

#include <libpq-fe.h>

#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- connection ----------------------------------------------------------------------------- */

static const char *const pg_keywords[PK__COUNT] = {
	"host",	       "port",	  "user",   "password",		"dbname",  "sslmode",
	"sslrootcert", "sslcert", "sslkey", "application_name", "options",
};

static void params_clear(pg_params *p)
{
	sl_secret_free(p->kw[PK_PASSWORD]);
	p->kw[PK_PASSWORD] = NULL;
	for (size_t i = 0; i < PK__COUNT; i++)
		free(p->kw[i]);
	free(p->schema);
	memset(p, 0, sizeof(*p));
}

/* Replace *out with a copy of s. */
static int set_opt(char **out, const char *s)
{
	free(*out);
	*out = NULL;
	if (!s)
		return SL_OK;
	*out = sl_strdup(s);
	return *out ? SL_OK : SL_ENOMEM;
}

static int check_sslmode(const char *value)
{
	static const char *const modes[] = {"disable", "allow",	    "prefer",
					    "require", "verify-ca", "verify-full"};
	for (size_t i = 0; i < SL_ARRAY_LEN(modes); i++)
		if (strcmp(value, modes[i]) == 0)
			return SL_OK;
	return sl_error_set(SL_EURL,
			    "PostgreSQL URL option sslmode=%s: expected disable, allow, prefer, "
			    "require, verify-ca or verify-full",
			    value);
}

static int apply_option(pg_params *p, const char *key, const char *value)
{
	for (size_t k = PK_SSLMODE; k < PK__COUNT; k++) {
		if (strcmp(key, pg_keywords[k]) != 0)
			continue;
		int rc = k == PK_SSLMODE ? check_sslmode(value) : SL_OK;
		return rc ? rc : set_opt(&p->kw[k], value);
	}
	if (strcmp(key, "host") == 0)
		return set_opt(&p->kw[PK_HOST], value);
	if (strcmp(key, "schema") == 0)
		return set_opt(&p->schema, value[0] ? value : NULL);
	if (strcmp(key, "connect_timeout") == 0 || strcmp(key, "read_timeout") == 0)
		return sl_url_option_seconds(key[0] == 'c' ? &p->connect_timeout : &p->read_timeout,
					     "PostgreSQL", key, value);
	return sl_error_set(
		SL_EURL,
		"unknown PostgreSQL URL option '%s' (known: host, sslmode, sslrootcert, "
		"sslcert, sslkey, application_name, connect_timeout, read_timeout, options, "
		"schema)",
		key);
}

static int params_from_url(pg_params *p, const sl_url *url)
{
	memset(p, 0, sizeof(*p));
	p->connect_timeout = SL_CONNECT_TIMEOUT;
	p->read_timeout = SL_READ_TIMEOUT;
	char port[16];
	snprintf(port, sizeof(port), "%d", url->port);
	const char *given[] = {
		[PK_HOST] = url->host,
		[PK_PORT] = url->port > 0 ? port : NULL,
		[PK_USER] = url->user,
		[PK_PASSWORD] = url->password,
		[PK_DBNAME] = url->database && url->database[0] ? url->database : NULL,
	};
	int rc = SL_OK;
	for (size_t k = 0; !rc && k < SL_ARRAY_LEN(given); k++)
		rc = set_opt(&p->kw[k], given[k]);
	for (size_t i = 0; !rc && i < url->noptions; i++)
		rc = apply_option(p, url->options[i].key, url->options[i].value);
	return rc;
}

/* Where libpq tried to connect, for messages: host:port or the socket path. */
static void describe_where(pg_conn *c, PGconn *db)
{
	const char *host = db ? PQhost(db) : NULL;
	const char *port = db ? PQport(db) : NULL;
	if (!host || !*host)
		host = c->p.kw[PK_HOST] ? c->p.kw[PK_HOST] : "localhost";
	if (!port || !*port)
		port = c->p.kw[PK_PORT] ? c->p.kw[PK_PORT] : "5432";
	if (host[0] == '/')
		snprintf(c->s.where, sizeof(c->s.where), "%s/.s.PGSQL.%s", host, port);
	else if (strchr(host, ':'))
		snprintf(c->s.where, sizeof(c->s.where), "[%s]:%s", host, port);
	else
		snprintf(c->s.where, sizeof(c->s.where), "%s:%s", host, port);
}

/*
 * The SQLSTATE in a verbose libpq message ("...failed: FATAL:  28P01: password authentication
 * failed..."), copied to `state` (6 bytes), and the server's text after it in *text. The
 * severity word may be translated; the "SEVERITY:  CODE: " shape is not.
 */
static bool message_sqlstate(char *state, const char **text, const char *msg)
{
	for (const char *p = strstr(msg, ":  "); p; p = strstr(p + 1, ":  ")) {
		const char *code = p + 3;
		if (strspn(code, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 5 || code[5] != ':')
			continue;
		memcpy(state, code, 5);
		state[5] = '\0';
		*text = code[6] == ' ' ? code + 7 : code + 6;
		return true;
	}
	return false;
}

/* The first line of `text`, at most size-1 bytes, into out. */
static void first_line(char *out, size_t size, const char *text)
{
	size_t n = strcspn(text, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

static int connect_error(pg_conn *c, PGconn *db)
{
	const char *msg = db ? PQerrorMessage(db) : "out of memory";
	const char *user = c->p.kw[PK_USER];
	const char *dbname = c->p.kw[PK_DBNAME];
	if (!user)
		user = db && PQuser(db) ? PQuser(db) : "";
	if (!dbname)
		dbname = db && PQdb(db) ? PQdb(db) : "";
	char state[6], line[400];
	const char *text;
	if (message_sqlstate(state, &text, msg)) {
		first_line(line, sizeof(line), text);
		if (strcmp(state, "28P01") == 0 || strcmp(state, "28000") == 0)
			return sl_error_set(SL_EAUTH,
					    "access denied for user '%s' to %s: %s (PostgreSQL %s)",
					    user, c->s.where, line, state);
		if (strcmp(state, "3D000") == 0)
			return sl_error_set(SL_ENOTFOUND,
					    "unknown database '%s' on %s (PostgreSQL %s)", dbname,
					    c->s.where, state);
		return sl_error_set(SL_ECONNECT,
				    "cannot connect to PostgreSQL at %s: %s (PostgreSQL %s)",
				    c->s.where, line, state);
	}
	if (db && PQconnectionNeedsPassword(db))
		return sl_error_set(SL_EAUTH,
				    "access denied for user '%s' to %s: the server asks for a "
				    "password and none was given (URL, PGPASSWORD or ~/.pgpass)",
				    user, c->s.where);
	/* libpq's own messages: "connection to server at "h", port p failed: <cause>" */
	const char *cause = strstr(msg, "failed: ");
	first_line(line, sizeof(line), cause ? cause + 8 : msg);
	return sl_error_set(SL_ECONNECT, "cannot connect to PostgreSQL at %s: %s", c->s.where,
			    line);
}

static void pg_session_close(sl_session *base)
{
	pg_conn *c = (pg_conn *)base;
	if (c->db)
		PQfinish(c->db);
	c->db = NULL;
}

/* ---- waiting for the server ----------------------------------------------------------------- */

/* A wait for the server that ended without its answer: the session is not trusted any more. */
static int wait_failed(pg_conn *c, int code, const char *what, const sl_table_schema *t)
{
	char why[96];
	if (code == SL_EINTERRUPTED)
		snprintf(why, sizeof(why), "interrupted");
	else
		snprintf(why, sizeof(why), "no data arrived for %u s (URL option read_timeout)",
			 c->p.read_timeout);
	sl_session_close(&c->s);
	if (t)
		return sl_error_set(code, "PostgreSQL at %s: %s %s.%s: %s", c->s.where, what,
				    t->database ? t->database : "", t->name, why);
	return sl_error_set(code, "PostgreSQL at %s: %s: %s", c->s.where, what, why);
}

/*
 * Wait for more of the server's answer and hand it to libpq; what libpq's blocking calls do,
 * plus the read timeout and the interrupt. Each wait lasts a second at most and ends in
 * PQconsumeInput whatever poll said, as bytes TLS has already decrypted are invisible to poll.
 * *since is when the silence began (0: not yet); a broken connection is left for libpq to
 * report to the caller.
 */
static int await_input(pg_conn *c, double *since, const char *what, const sl_table_schema *t)
{
	if (PQstatus(c->db) == CONNECTION_BAD) /* no socket to wait on */
		return SL_OK;
	double now = sl_clock();
	if (*since == 0)
		*since = now;
	int ready = sl_interrupt_poll(c->s.intr, PQsocket(c->db), POLLIN, now + 1.0);
	if (ready == SL_EINTERRUPTED)
		return wait_failed(c, SL_EINTERRUPTED, what, t);
	if (ready > 0)
		*since = 0;
	else if (c->p.read_timeout > 0 && sl_clock() - *since >= c->p.read_timeout)
		return wait_failed(c, SL_ESOURCE, what, t);
	PQconsumeInput(c->db);
	return SL_OK;
}

/*
 * PQexec's second half for a query `sent` with PQsendQuery*: *out is the last result, as
 * PQexec's (NULL when it could not be sent, as PQexec's), or the COPY result that starts a
 * COPY. Fails only when the wait does (the session is then closed).
 */
static int await_result(PGresult **out, pg_conn *c, int sent, const char *what,
			const sl_table_schema *t)
{
	*out = NULL;
	double since = 0;
	while (sent) {
		while (PQisBusy(c->db) && PQstatus(c->db) == CONNECTION_OK) {
			int rc = await_input(c, &since, what, t);
			if (rc) {
				PQclear(*out);
				*out = NULL;
				return rc;
			}
		}
		PGresult *r = PQgetResult(c->db);
		if (!r)
			break;
		PQclear(*out);
		*out = r;
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COPY_OUT || st == PGRES_COPY_IN || st == PGRES_COPY_BOTH)
			break;
	}
	return SL_OK;
}

/* ---- sessions ------------------------------------------------------------------------------- */

/* From PostgreSQL 14, a query whose client went away (an interrupted or timed-out run) ends
   within 10 s rather than when it next sends a row. Best effort: a server on a platform that
   cannot watch its sockets refuses the setting. */
static int watch_client(pg_conn *c)
{
	if (PQserverVersion(c->db) < 140000)
		return SL_OK;
	PGresult *r;
	int rc = await_result(&r, c,
			      PQsendQuery(c->db, "SET client_connection_check_interval = '10s'"),
			      "setting up the session", NULL);
	PQclear(r);
	return rc;
}

static int session_setup(sl_session *base)
{
	pg_conn *c = (pg_conn *)base;
	/* UTC for timestamptz literals and ::text forms; literals never need backslash escapes */
	PGresult *r;
	int rc =
		await_result(&r, c,
			     PQsendQuery(c->db, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
						"SET IntervalStyle = 'postgres'; "
						"SET standard_conforming_strings = on; "
						"SET extra_float_digits = 3"),
			     "setting up the session", NULL);
	if (rc)
		return rc;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = sl_error_set(SL_ESOURCE, "PostgreSQL at %s: setting up the session: %s",
				  c->s.where, PQerrorMessage(c->db));
	PQclear(r);
	const char *db = PQdb(c->db);
	snprintf(c->dbname, sizeof(c->dbname), "%s", db ? db : "");
	return rc ? rc : watch_client(c);
}

/* The connection parameters for libpq, in keys/vals (room for 24 pairs and the NULLs). */
static void session_params(const char **keys, const char **vals, const pg_params *p, char *timeout,
			   size_t timeout_size)
{
	/* a peer that vanished (host down, connection dropped on the way) shows in about 2 min,
	   however long a query may be silent */
	static const char *const fixed[][2] = {
		{"fallback_application_name", "sluice"},
		{"client_encoding", "UTF8"},
		{"keepalives", "1"},
		{"keepalives_idle", "60"},
		{"keepalives_interval", "10"},
		{"keepalives_count", "6"},
	};
	size_t n = 0;
	for (size_t k = 0; k < PK__COUNT; k++) {
		if (p->kw[k]) {
			keys[n] = pg_keywords[k];
			vals[n++] = p->kw[k];
		}
	}
	snprintf(timeout, timeout_size, "%u", p->connect_timeout);
	keys[n] = "connect_timeout";
	vals[n++] = timeout;
	for (size_t i = 0; i < SL_ARRAY_LEN(fixed); i++) {
		keys[n] = fixed[i][0];
		vals[n++] = fixed[i][1];
	}
	keys[n] = NULL;
	vals[n] = NULL;
}

/* Connecting failed: say why (timed out, interrupted, or libpq's reason). */
static int session_failed(pg_conn *c, PGconn *db, sl_pg_connect_end end)
{
	if (end == SL_PG_INTERRUPTED)
		return sl_error_set(SL_EINTERRUPTED,
				    "interrupted while connecting to PostgreSQL at %s: nothing was "
				    "loaded",
				    c->s.where);
	if (end == SL_PG_TIMED_OUT)
		return sl_error_set(
			SL_ECONNECT, "cannot connect to PostgreSQL at %s: timed out after %u s",
			c->s.where, c->p.connect_timeout < 2 ? 2 : c->p.connect_timeout);
	return connect_error(c, db);
}

/* The session's ops->connect: a connected, logged in handle and its socket. */
static int pg_session_connect(sl_session *base, int *fd)
{
	pg_conn *c = (pg_conn *)base;
	const char *keys[24], *vals[24];
	char timeout[16];
	session_params(keys, vals, &c->p, timeout, sizeof(timeout));
	/* expand_dbname 0: a database name that looks like a URL stays a name */
	PGconn *db = PQconnectStartParams(keys, vals, 0);
	if (!db)
		return sl_error_set(SL_ENOMEM, "PostgreSQL: out of memory in PQconnectStartParams");
	/* set before the server answers, so that failures carry their SQLSTATE (28P01, 3D000)
	   instead of only translated text */
	PQsetErrorVerbosity(db, PQERRORS_VERBOSE);
	sl_pg_connect_end end = sl_pg_connect_poll(db, (int)c->p.connect_timeout, c->s.intr);
	describe_where(c, db);
	if (end != SL_PG_CONNECTED) {
		int rc = session_failed(c, db, end);
		PQfinish(db);
		return rc;
	}
	PQsetErrorVerbosity(db, PQERRORS_DEFAULT);
	c->db = db;
	*fd = PQsocket(db);
	return SL_OK;
}

static bool pg_session_usable(const sl_session *base)
{
	const pg_conn *c = (const pg_conn *)base;
	return c->db && PQstatus(c->db) == CONNECTION_OK;
}

static void pg_session_clear(sl_session *base)
{
	params_clear(&((pg_conn *)base)->p);
}

/* ---- metadata queries ----------------------------------------------------------------------- */

/* An error result as an sl error: SQLSTATE picks the code, the message names what and where. */
static int result_error(pg_conn *c, const PGresult *r, const char *what, const char *schema,
			const char *table)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char line[400];
	first_line(line, sizeof(line), msg ? msg : (c->db ? PQerrorMessage(c->db) : "no session"));
	int code = SL_ESOURCE;
	if (state && (strcmp(state, "42P01") == 0 || strcmp(state, "3F000") == 0))
		code = SL_ENOTFOUND; /* undefined table, invalid schema name */
	else if (state && strcmp(state, "42501") == 0)
		code = SL_EAUTH; /* insufficient privilege */
	if (table)
		return sl_error_set(code, "PostgreSQL at %s: %s %s.%s: %s%s%s%s", c->s.where, what,
				    schema ? schema : "", table, line, state ? " (SQLSTATE " : "",
				    state ? state : "", state ? ")" : "");
	return sl_error_set(code, "PostgreSQL at %s: %s: %s%s%s%s", c->s.where, what, line,
			    state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
}

/* A catalog query with text parameters, and where its result goes. */
typedef struct pg_meta {
	pg_conn *c;
	const char *sql;
	int nparams;
	const Oid *types;
	const char *const *params;
	const char *what;
	const sl_table_schema *t; /* for messages, or NULL */
	PGresult **out;
} pg_meta;

static int meta_try(void *ctx, bool *lost)
{
	pg_meta *m = ctx;
	pg_conn *c = m->c;
	*lost = false;
	PGresult *r;
	int sent = PQsendQueryParams(c->db, m->sql, m->nparams, m->types, m->params, NULL, NULL, 0);
	int rc = await_result(&r, c, sent, m->what, m->t);
	if (rc)
		return rc; /* silent or interrupted: reconnecting would not help */
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		*m->out = r;
		return SL_OK;
	}
	*lost = PQstatus(c->db) != CONNECTION_OK; /* e.g. dropped while idle: restart, timeout */
	rc = result_error(c, r, m->what, m->t ? m->t->database : NULL, m->t ? m->t->name : NULL);
	PQclear(r);
	return rc;
}

/* Run a small catalog query with text parameters; *out is a PGRES_TUPLES_OK result. */
int sl_pg_meta_query(PGresult **out, pg_conn *c, const char *sql, int nparams, const Oid *types,
		     const char *const *params, const char *what, const sl_table_schema *t)
{
	*out = NULL;
	pg_meta m = {c, sql, nparams, types, params, what, t, out};
	return sl_session_retry(&c->s, meta_try, &m);
}

/* ---- reflection ----------------------------------------------------------------------------- */

/* ---- how a column travels ------------------------------------------------------------------- */

/* ---- rendering a scan plan ------------------------------------------------------------------ */

/* The column as selected: itself, or cast so that it arrives in a form the decoder reads. */
static void pg_put_select(sl_scan_sql *r, size_t i)
{
	static const char *const wrap[][2] = {
		[EX_PLAIN] = {"", ""},
		[EX_TEXT] = {"", "::pg_catalog.text"},
		[EX_ABBREV] = {"pg_catalog.abbrev(", ")"},
		[EX_TO_JSON] = {"pg_catalog.to_json(", ")"},
		[EX_TEXT_ARRAY] = {"", "::pg_catalog.text[]"},
	};
	pg_expr e = sl_pg_expr_of(&r->table->columns[i]);
	sl_buf_puts(&r->sql, wrap[e][0]);
	sl_scan_sql_column(r, i);
	sl_buf_puts(&r->sql, wrap[e][1]);
}

/* A date (and time of day) in PostgreSQL's input syntax: years <= 0 are written "N BC". */
static void put_civil(sl_buf *sql, int32_t days, int64_t micros, bool with_time, bool utc)
{
	int64_t y;
	unsigned m, d;
	sl_civil_from_days(days, &y, &m, &d);
	bool bc = y <= 0;
	sl_buf_printf(sql, "%04lld-%02u-%02u", (long long)(bc ? 1 - y : y), m, d);
	if (with_time) {
		int64_t secs = micros / SL_MICROS_PER_SEC;
		sl_buf_printf(sql, " %02u:%02u:%02u.%06u", (unsigned)(secs / 3600),
			      (unsigned)(secs / 60 % 60), (unsigned)(secs % 60),
			      (unsigned)(micros % SL_MICROS_PER_SEC));
	}
	if (utc)
		sl_buf_puts(sql, "+00");
	if (bc)
		sl_buf_puts(sql, " BC");
}

static void put_float(sl_buf *sql, double f)
{
	if (isnan(f))
		sl_buf_puts(sql, "'NaN'");
	else if (isinf(f))
		sl_buf_puts(sql, f > 0 ? "'Infinity'" : "'-Infinity'");
	else
		sl_buf_printf(sql, "'%.17g'", f);
	sl_buf_puts(sql, "::pg_catalog.float8");
}

/*
 * Append `v` as a literal to compare with column `col`. Most values get an explicit cast to the
 * base type without modifier (a timestamp(0) column compared with '... .5'::timestamp is not
 * rounded first). TEXT values stay untyped literals: they resolve to the column's own type, so
 * an enum, char(n), citext, inet or wide numeric column compares with its own operators and
 * ordering, the same ones ORDER BY uses.
 */
static int pg_put_value(sl_scan_sql *r, const sl_column *col, const sl_value *v)
{
	sl_buf *sql = &r->sql;
	if (v->is_null) {
		sl_buf_puts(sql, "NULL");
		return SL_OK;
	}
	switch (v->type) {
	case SL_TYPE_BOOL:
		sl_buf_puts(sql, v->as.i64 ? "true" : "false");
		return SL_OK;
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
		sl_buf_printf(sql, "'%lld'::pg_catalog.int8", (long long)v->as.i64);
		return SL_OK;
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		sl_buf_printf(sql, "'%llu'", (unsigned long long)v->as.u64); /* oid */
		return SL_OK;
	case SL_TYPE_FLOAT:
	case SL_TYPE_DOUBLE:
		put_float(sql, v->as.f64);
		return SL_OK;
	case SL_TYPE_DATE:
		sl_buf_putc(sql, '\'');
		put_civil(sql, (int32_t)v->as.i64, 0, false, false);
		sl_buf_puts(sql, "'::pg_catalog.date");
		return SL_OK;
	case SL_TYPE_TIME: {
		int64_t us = v->as.i64, secs = us / SL_MICROS_PER_SEC;
		sl_buf_printf(sql, "'%02lld:%02u:%02u.%06u'::pg_catalog.time",
			      (long long)(secs / 3600), (unsigned)(secs / 60 % 60),
			      (unsigned)(secs % 60), (unsigned)(us % SL_MICROS_PER_SEC));
		return SL_OK;
	}
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ: {
		int64_t days = sl_floor_div(v->as.i64, SL_MICROS_PER_DAY);
		sl_buf_putc(sql, '\'');
		put_civil(sql, (int32_t)days, v->as.i64 - days * SL_MICROS_PER_DAY, true,
			  v->type == SL_TYPE_TIMESTAMPTZ);
		sl_buf_puts(sql, v->type == SL_TYPE_TIMESTAMPTZ ? "'::pg_catalog.timestamptz"
								: "'::pg_catalog.timestamp");
		return SL_OK;
	}
	case SL_TYPE_INTERVAL:
		sl_buf_printf(sql, "'%d mons %d days %lld microseconds'::pg_catalog.interval",
			      v->as.iv.months, v->as.iv.days, (long long)v->as.iv.micros);
		return SL_OK;
	case SL_TYPE_BLOB:
		sl_buf_puts(sql, "'\\x");
		for (size_t i = 0; i < v->len; i++)
			sl_buf_printf(sql, "%02x", (unsigned char)v->bytes[i]);
		sl_buf_puts(sql, "'::pg_catalog.bytea");
		return SL_OK;
	case SL_TYPE_TEXT:
	case SL_TYPE_JSON:
		if (v->bytes && memchr(v->bytes, 0, v->len))
			return sl_error_set(
				SL_EINVAL,
				"PostgreSQL: a text value for column %s contains a zero "
				"byte",
				col->name);
		sl_buf_quote_literal(sql, v->bytes ? v->bytes : "");
		return SL_OK;
	default: {
		char *text = sl_value_to_text(v); /* DECIMAL, UUID: canonical text is their input */
		if (!text)
			return SL_ENOMEM;
		sl_buf_quote_literal(sql, text);
		free(text);
		sl_buf_puts(sql,
			    v->type == SL_TYPE_UUID ? "::pg_catalog.uuid" : "::pg_catalog.numeric");
		return SL_OK;
	}
	}
}

static const sl_scan_dialect pg_dialect = {
	.quote = '"',
	.put_value = pg_put_value,
	.put_select = pg_put_select,
};

static void copy_begin(sl_buf *sql)
{
	sl_buf_puts(sql, "COPY (");
}

static int copy_end(sl_buf *sql)
{
	sl_buf_puts(sql, ") TO STDOUT (FORMAT binary)");
	return sql->failed ? sl_error_set(SL_ENOMEM, "out of memory") : SL_OK;
}

static int render_plan(sl_scan_sql *q, const sl_scan_plan *plan)
{
	copy_begin(&q->sql);
	int rc = sl_scan_sql_plan(q, plan);
	int end = copy_end(&q->sql);
	return rc ? rc : end;
}

/* ---- scans ---------------------------------------------------------------------------------- */

static void scan_free(sl_session_scan *scan)
{
	pg_scan *s = (pg_scan *)scan;
	free(s->cols);
	free(s);
}

/* The session's ops->start: run the COPY ... TO STDOUT of `q` and set up a scan decoding it as
   `shape` (plus `seen_flags` BOOL columns). */
static int pg_start(sl_session_scan **out, sl_session *base, const sl_scan_sql *q,
		    const sl_table_schema *shape, size_t seen_flags, bool *lost)
{
	pg_conn *c = (pg_conn *)base;
	*out = NULL;
	*lost = false;
	pg_scan *s = sl_session_scan_new(sizeof(*s), base, shape);
	if (!s)
		return SL_ENOMEM;
	int rc = sl_pg_setup_columns(s, shape, seen_flags);
	PGresult *r = NULL;
	if (!rc)
		rc = await_result(&r, c, PQsendQuery(c->db, q->sql.data), "querying", shape);
	if (!rc) {
		if (PQresultStatus(r) != PGRES_COPY_OUT) {
			*lost = PQstatus(c->db) != CONNECTION_OK;
			rc = result_error(c, r, "querying", shape->database, shape->name);
		}
		PQclear(r);
	}
	if (rc) {
		scan_free(&s->base);
		return rc;
	}
	*out = &s->base;
	return SL_OK;
}

static int pg_scan_open(sl_scan **out, sl_source_conn *conn, const sl_scan_plan *plan)
{
	pg_conn *c = (pg_conn *)conn;
	*out = NULL;
	int rc = sl_session_ready(&c->s);
	if (rc)
		return rc;
	sl_scan_sql q;
	sl_scan_sql_init(&q, &pg_dialect, plan->table);
	rc = render_plan(&q, plan);
	sl_session_scan *s = NULL;
	if (!rc)
		rc = sl_session_scan_start(&s, &c->s, &q, plan->table, plan->seen_pk ? 1 : 0);
	sl_scan_sql_free(&q);
	if (rc)
		return rc;
	if (plan->cursor >= 0)
		((pg_scan *)s)->cols[plan->cursor].infinite_as_null = true;
	s->limit = plan->limit;
	*out = &s->base;
	return SL_OK;
}

/* ---- reading rows --------------------------------------------------------------------------- */

/* One CopyData message: maybe the header, then one row (or the end marker). 1: a row added. */
static int decode_message(pg_scan *s, sl_batch *b, const unsigned char *p, size_t len)
{
	if (!s->header_seen) {
		int h = sl_pg_copy_header(s, p, len);
		if (h < 0)
			return h;
		p += h;
		len -= (size_t)h;
		if (!len)
			return 0;
	}
	if (s->trailer_seen)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: data after the end of COPY",
				    s->base.table->name);
	bool end;
	int rc = sl_pg_decode_tuple(s, b, b->nrows, p, len, &end);
	if (rc)
		return rc;
	if (end) {
		s->trailer_seen = true;
		return 0;
	}
	return 1;
}

/* After PQgetCopyData said -1: the COPY's own result says whether it ended well. */
static int copy_finish(pg_scan *s)
{
	pg_conn *c = (pg_conn *)s->base.session;
	PGresult *r;
	int rc = await_result(&r, c, 1, "reading", s->base.table);
	if (rc)
		return rc;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = result_error(c, r, "reading", s->base.table->database, s->base.table->name);
	else if (!s->trailer_seen)
		rc = sl_error_set(SL_ESOURCE,
				  "PostgreSQL at %s: reading %s.%s: the COPY ended "
				  "without its end marker",
				  c->s.where,
				  s->base.table->database ? s->base.table->database : "",
				  s->base.table->name);
	PQclear(r);
	return rc;
}

/* Move the per-column counts of NULLed values into the connection's warnings. */
static void note_nulled(sl_session_scan *scan)
{
	pg_scan *s = (pg_scan *)scan;
	sl_warnings *w = &scan->session->warnings;
	for (size_t c = 0; c < scan->ncols && c < scan->table->ncolumns; c++) {
		pg_col *pc = &s->cols[c];
		const char *t = scan->table->name, *name = scan->table->columns[c].name;
		if (pc->infinite)
			sl_warnings_add(
				w, t, name,
				"infinite cursor values (infinity/-infinity) loaded as NULL", true,
				pc->infinite);
		if (pc->beyond)
			sl_warnings_add(w, t, name, "timestamps after 294247-01-10 loaded as NULL",
					true, pc->beyond);
		if (pc->nans)
			sl_warnings_add(w, t, name, "NaN values loaded as NULL", true, pc->nans);
		pc->infinite = pc->beyond = pc->nans = 0;
	}
}

static int pg_scan_next(sl_scan *scan, sl_batch *batch)
{
	pg_scan *s = (pg_scan *)scan;
	pg_conn *c = (pg_conn *)s->base.session;
	/* the session closes only when a wait fails, which fails the scan too */
	int rc = sl_session_scan_check(&s->base, batch);
	if (rc)
		return rc > 0 ? 0 : rc;
	size_t added = 0;
	double since = 0; /* silent since (await_input) */
	while (batch->nrows < batch->capacity) {
		char *buf = NULL;
		int n = PQgetCopyData(c->db, &buf, 1);
		if (n == 0 && PQstatus(c->db) == CONNECTION_BAD)
			n = -2; /* what the blocking call says once the server has gone */
		if (n == 0) {	/* no whole row buffered: wait for more */
			rc = await_input(c, &since, "reading", s->base.table);
			if (rc)
				break;
			continue;
		}
		if (n == -1) {
			rc = copy_finish(s);
			if (!rc)
				s->base.exhausted = true;
			break;
		}
		if (n < 0) {
			/* libpq adds lines of guesses ("This probably means..."): keep the first */
			char line[400];
			first_line(line, sizeof(line), PQerrorMessage(c->db));
			rc = sl_error_set(SL_ESOURCE, "PostgreSQL at %s: reading %s.%s: %s",
					  c->s.where,
					  s->base.table->database ? s->base.table->database : "",
					  s->base.table->name, line);
			break;
		}
		rc = decode_message(s, batch, (const unsigned char *)buf, (size_t)n);
		PQfreemem(buf);
		if (rc < 0)
			break;
		batch->nrows += (size_t)rc;
		added += (size_t)rc;
		rc = SL_OK;
	}
	note_nulled(&s->base);
	s->base.rows += added;
	if (rc) {
		s->base.failed = true;
		return rc;
	}
	return (int)added;
}

/* The COPY's next message into *buf (PQfreemem it), waiting for it: its length, -1 at the end of
   the COPY, or an error. */
static int next_message(pg_scan *s, char **buf)
{
	pg_conn *c = (pg_conn *)s->base.session;
	double since = 0;
	for (;;) {
		int n = PQgetCopyData(c->db, buf, 1);
		if (n == 0 && PQstatus(c->db) == CONNECTION_BAD)
			n = -2;
		if (n == -1 || n > 0)
			return n;
		if (n < 0) {
			char line[400];
			first_line(line, sizeof(line), PQerrorMessage(c->db));
			return sl_error_set(SL_ESOURCE, "PostgreSQL at %s: reading %s: %s",
					    c->s.where, s->base.table->name, line);
		}
		int rc = await_input(c, &since, "reading", s->base.table);
		if (rc)
			return rc;
	}
}

/* The session's ops->drain: after the LIMIT's last row only the end marker (field count -1) and
   the end of the COPY may come; a row instead fails (the session is then closed). */
static int drain(sl_session_scan *scan)
{
	pg_scan *s = (pg_scan *)scan;
	for (;;) {
		char *buf = NULL;
		int n = next_message(s, &buf);
		if (n == -1)
			return copy_finish(s);
		if (n < -1)
			return n;
		const unsigned char *m = (const unsigned char *)buf;
		bool marker = n == 2 && m[0] == 0xff && m[1] == 0xff;
		PQfreemem(buf);
		if (!marker || s->trailer_seen)
			return sl_error_set(SL_ESOURCE,
					    "PostgreSQL: %s: data after the last row of the LIMIT",
					    scan->table->name);
		s->trailer_seen = true;
	}
}

/* The session's ops->abandon. The only other way out of COPY OUT is reading the rest of it; a
   closed socket alone stops the server only at its next write, which a query filtering a big
   table may not reach for minutes: cancel the query first. */
static void abandon(sl_session_scan *scan)
{
	pg_conn *c = (pg_conn *)scan->session;
	PGcancel *cancel = !scan->failed && c->db ? PQgetCancel(c->db) : NULL;
	if (!cancel)
		return;
	char err[256];
	(void)PQcancel(cancel, err, sizeof(err)); /* best effort: the close follows anyway */
	PQfreeCancel(cancel);
}

/* ---- stats ---------------------------------------------------------------------------------- */

/* The extreme cursor by ORDER BY ... LIMIT 1 (uses an index; works for types without MAX). */
static int render_stats(sl_scan_sql *q, int cursor, bool descending, const sl_value *after)
{
	sl_buf *sql = &q->sql;
	copy_begin(sql);
	sl_buf_puts(sql, "SELECT ");
	int rc = SL_OK;
	if (cursor >= 0) {
		size_t cur = (size_t)cursor;
		sl_buf_puts(sql, "(SELECT ");
		pg_put_select(q, cur);
		sl_buf_puts(sql, " FROM ");
		sl_scan_sql_table(q);
		sl_buf_puts(sql, " WHERE ");
		sl_scan_sql_column(q, cur);
		sl_buf_puts(sql, " IS NOT NULL ORDER BY ");
		sl_scan_sql_column(q, cur);
		sl_buf_puts(sql, descending ? " ASC" : " DESC");
		sl_buf_puts(sql, " LIMIT 1), ");
	}
	sl_buf_puts(sql, "(SELECT pg_catalog.count(*) FROM ");
	sl_scan_sql_table(q);
	sl_buf_puts(sql, "), ");
	if (cursor >= 0 && after) {
		sl_buf_puts(sql, "(SELECT pg_catalog.count(*) FROM ");
		sl_scan_sql_table(q);
		sl_buf_puts(sql, " WHERE ");
		rc = sl_scan_sql_compare(q, (size_t)cursor, descending ? SL_SQL_LT : SL_SQL_GT,
					 after);
		sl_buf_puts(sql, ")");
	} else {
		sl_buf_puts(sql, "NULL::pg_catalog.int8");
	}
	int end = copy_end(sql);
	return rc ? rc : end;
}

/* ---- the driver ---- */

static const sl_session_ops pg_session_ops = {
	.dbms = "PostgreSQL",
	.connect = pg_session_connect,
	.setup = session_setup,
	.close = pg_session_close,
	.usable = pg_session_usable,
	.clear = pg_session_clear,
	.dialect = &pg_dialect,
	.render_stats = render_stats,
	.start = pg_start,
	.abandon = abandon,
	.drain = drain,
	.note = note_nulled,
	.scan_free = scan_free,
};

static int pg_connect(sl_source_conn **out, const sl_url *url, sl_interrupt *intr)
{
	*out = NULL;
	pg_conn *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	sl_session_init(&c->s, &sl_postgres_source, &pg_session_ops, intr);
	return sl_session_connect(out, &c->s, params_from_url(&c->p, url));
}

const sl_source_driver sl_postgres_source = {
	.head = {SL_SOURCE_DRIVER_VERSION, "postgresql",
		 (const char *const[]){"postgresql", "postgres", NULL}},
	.connect = pg_connect,
	.disconnect = sl_session_disconnect,
	.reflect = sl_pg_reflect,
	.scan_open = pg_scan_open,
	.scan_next = pg_scan_next,
	.scan_close = sl_session_scan_close,
	.stats = sl_session_stats,
	.warnings = sl_session_warnings,
	.clear_warnings = sl_session_clear_warnings,
	.list_tables = sl_pg_list_tables,
};
