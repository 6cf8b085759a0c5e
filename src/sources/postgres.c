/*
 * postgres.c — the PostgreSQL source driver (libpq).
 *
 * Reflection reads the catalogs (pg_class, pg_attribute, pg_type, pg_index), with domains
 * resolved to their base types. Scans run `COPY (SELECT ...) TO STDOUT (FORMAT binary)`: the
 * server streams one CopyData message per row in its binary send format, and each row is decoded
 * straight into the batch's typed arrays (network byte order, strings copied into the batch
 * arena). COPY takes no bind parameters, so the plan's values are rendered as literals with an
 * explicit cast ('2024-01-31 12:00:00.000000'::timestamp, '12.50'::numeric); every session sets
 * standard_conforming_strings, so a literal is just the text with its quotes doubled.
 *
 * What arrives on the wire for a column is decided from the reflected schema alone (its portable
 * type and, for TEXT and JSON, its source type): types with no binary form worth decoding are
 * selected as `col::text` (inet, money, timetz, enums, wide numerics...) or `to_json(col)`
 * (arrays, composites), so the decoder only knows a dozen wire formats, each checked by length.
 *
 * Abandoning a COPY part way: libpq can only end it by reading the rest. So a scan closed early
 * cancels the query (PQcancel) and closes the session; the next call reconnects (as mysql.c).
 */
#define _POSIX_C_SOURCE 200809L

#include "drivers.h"
#include "pg_connect.h"
#include "pg_oid.h"
#include "postgres_value.h"
#include "scan_sql.h"
#include "session.h"
#include "warnings.h"

#include <libpq-fe.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* PostgreSQL counts dates and timestamps from 2000-01-01, sluice (and DuckDB) from 1970-01-01. */
#define PG_EPOCH_DAYS	10957
#define PG_EPOCH_MICROS (INT64_C(10957) * SL_MICROS_PER_DAY)

/* ---- connection ----------------------------------------------------------------------------- */

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

static const char *const pg_keywords[PK__COUNT] = {
	"host",	       "port",	  "user",   "password",		"dbname",  "sslmode",
	"sslrootcert", "sslcert", "sslkey", "application_name", "options",
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

static void params_clear(pg_params *p)
{
	sl_wipe_free(p->kw[PK_PASSWORD]);
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

static const sl_session_ops pg_session_ops = {
	.dbms = "PostgreSQL",
	.connect = pg_session_connect,
	.setup = session_setup,
	.close = pg_session_close,
	.usable = pg_session_usable,
	.clear = pg_session_clear,
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
static int meta_query(PGresult **out, pg_conn *c, const char *sql, int nparams, const Oid *types,
		      const char *const *params, const char *what, const sl_table_schema *t)
{
	*out = NULL;
	pg_meta m = {c, sql, nparams, types, params, what, t, out};
	return sl_session_retry(&c->s, meta_try, &m);
}

/* ---- reflection ----------------------------------------------------------------------------- */

/* A table name as given: "table", "schema.table", each part bare or "double-quoted". */
typedef struct pg_name {
	char *schema; /* NULL: none given */
	char *rel;
	bool schema_bare; /* bare parts also match their lower-case form, as SQL folds them */
	bool rel_bare;
} pg_name;

static void name_clear(pg_name *n)
{
	free(n->schema);
	free(n->rel);
	memset(n, 0, sizeof(*n));
}

/* Parse one part at *p; advances *p past it. */
static int name_part(char **out, bool *bare, const char **p, const char *whole)
{
	sl_buf b = SL_BUF_INIT;
	const char *s = *p;
	*bare = *s != '"';
	if (*bare) {
		size_t n = strcspn(s, ".");
		sl_buf_append(&b, s, n);
		s += n;
	} else {
		for (s++;; s++) {
			if (!*s) {
				sl_buf_free(&b);
				return sl_error_set(
					SL_EINVAL,
					"table name '%s': unterminated quoted identifier", whole);
			}
			if (*s == '"' && s[1] == '"')
				sl_buf_putc(&b, *s++);
			else if (*s == '"')
				break;
			else
				sl_buf_putc(&b, *s);
		}
		s++;
	}
	if (b.len == 0 && !b.failed) {
		sl_buf_free(&b);
		return sl_error_set(SL_EINVAL, "table name '%s': empty name", whole);
	}
	*out = sl_buf_detach(&b);
	*p = s;
	return *out ? SL_OK : SL_ENOMEM;
}

static int parse_name(pg_name *out, const char *text)
{
	memset(out, 0, sizeof(*out));
	const char *p = text;
	char *first = NULL;
	bool first_bare;
	int rc = name_part(&first, &first_bare, &p, text);
	if (rc)
		return rc;
	if (!*p) {
		out->rel = first;
		out->rel_bare = first_bare;
		return SL_OK;
	}
	out->schema = first;
	out->schema_bare = first_bare;
	if (*p != '.') {
		name_clear(out);
		return sl_error_set(SL_EINVAL,
				    "table name '%s': expected table or schema.table, quoted with "
				    "\"\" where needed",
				    text);
	}
	p++;
	rc = name_part(&out->rel, &out->rel_bare, &p, text);
	if (!rc && *p)
		rc = sl_error_set(
			SL_EINVAL,
			"table name '%s': expected table or schema.table, quoted with \"\" "
			"where needed",
			text);
	if (rc)
		name_clear(out);
	return rc;
}

/* Find the relation: exact names first, then (for bare parts) their lower-case forms. */
static int find_relation(char **oid, char **nsp, char **rel, pg_conn *c, const pg_name *n)
{
	static const char *const with_schema =
		"SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
		"AND (c.relname = $1 OR ($2 AND c.relname = pg_catalog.lower($1))) "
		"AND (n.nspname = $3 OR ($4 AND n.nspname = pg_catalog.lower($3))) "
		"ORDER BY c.relname = $1 DESC, n.nspname = $3 DESC LIMIT 1";
	static const char *const on_path =
		"SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
		"AND (c.relname = $1 OR ($2 AND c.relname = pg_catalog.lower($1))) "
		"AND n.nspname = ANY (pg_catalog.current_schemas(false)) "
		"ORDER BY c.relname = $1 DESC, "
		"pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname) LIMIT 1";
	const char *schema = n->schema ? n->schema : c->p.schema;
	bool schema_bare = n->schema ? n->schema_bare : true;
	const Oid types[] = {OID_TEXT, OID_BOOL, OID_TEXT, OID_BOOL};
	const char *params[] = {n->rel, n->rel_bare ? "t" : "f", schema, schema_bare ? "t" : "f"};
	char what[200];
	snprintf(what, sizeof(what), "looking up table '%s'", n->rel);
	PGresult *r;
	int rc = meta_query(&r, c, schema ? with_schema : on_path, schema ? 4 : 2, types, params,
			    what, NULL);
	if (rc)
		return rc;
	*oid = *nsp = *rel = NULL;
	if (PQntuples(r) == 1) {
		*oid = sl_strdup(PQgetvalue(r, 0, 0));
		*nsp = sl_strdup(PQgetvalue(r, 0, 1));
		*rel = sl_strdup(PQgetvalue(r, 0, 2));
		rc = *oid && *nsp && *rel ? SL_OK : SL_ENOMEM;
	}
	PQclear(r);
	return rc;
}

static int not_found(pg_conn *c, const pg_name *n)
{
	const char *schema = n->schema ? n->schema : c->p.schema;
	if (schema)
		return sl_error_set(SL_ENOTFOUND, "table '%s.%s' not found in database '%s'",
				    schema, n->rel, c->dbname);
	/* unqualified: name the first schema of the search_path, where it was expected */
	PGresult *r;
	int rc = meta_query(&r, c, "SELECT pg_catalog.current_schema()", 0, NULL, NULL,
			    "reading the search_path", NULL);
	if (rc)
		return rc;
	char cur[128];
	snprintf(cur, sizeof(cur), "%s",
		 PQgetisnull(r, 0, 0) ? "(empty search_path)" : PQgetvalue(r, 0, 0));
	PQclear(r);
	return sl_error_set(SL_ENOTFOUND, "table '%s.%s' not found in database '%s'", cur, n->rel,
			    c->dbname);
}

typedef struct pg_coldef {
	const char *name, *decl;
	bool nullable;
	unsigned long oid; /* of the base type (domains resolved) */
	long typmod;	   /* of the base type */
	char typtype, typcategory;
	const char *typname;
	int ndims; /* declared array dimensions (attndims; 0 when not declared) */
	/* arrays: the element's base type (one level of domain resolved) and its modifier */
	unsigned long elem_oid;
	long elem_typmod;
	char elem_typtype, elem_typcategory;
	const char *elem_typname;
} pg_coldef;

static bool is_oid(const pg_coldef *d, unsigned long oid)
{
	return d->oid == oid;
}

/* numeric(p,s) typmod: precision and scale (negative scales and s > p since PostgreSQL 15). */
static void numeric_typmod(long typmod, int *p, int *s)
{
	long t = typmod - 4; /* VARHDRSZ */
	*p = (int)((t >> 16) & 0xffff);
	*s = (int)(((t & 0x7ff) ^ 1024) - 1024);
}

static void map_type(const pg_coldef *d, sl_type *type, sl_type *element, int *precision,
		     int *scale, const char **note);

/*
 * One-dimensional arrays of a scalar type become a LIST of that type's mapping; arrays declared
 * with more dimensions, and arrays of composites or of arrays, go through to_json() as JSON.
 */
static void map_array(const pg_coldef *d, sl_type *type, sl_type *element, int *precision,
		      int *scale, const char **note)
{
	if (d->ndims > 1 || d->elem_oid == 0 || d->elem_typtype == 'c' || d->elem_typtype == 'd' ||
	    d->elem_typcategory == 'A') {
		*type = SL_TYPE_JSON;
		return;
	}
	pg_coldef e = {.oid = d->elem_oid,
		       .typmod = d->elem_typmod,
		       .typtype = d->elem_typtype,
		       .typcategory = d->elem_typcategory,
		       .typname = d->elem_typname};
	sl_type unused;
	map_type(&e, element, &unused, precision, scale, note);
	*type = SL_TYPE_LIST;
}

/* Map one column to a portable type (and a LIST's element type); *note gets a warning or NULL. */
static void map_type(const pg_coldef *d, sl_type *type, sl_type *element, int *precision,
		     int *scale, const char **note)
{
	static const struct {
		unsigned long oid;
		sl_type type;
	} simple[] = {
		{OID_BOOL, SL_TYPE_BOOL},	  {OID_INT2, SL_TYPE_INT16},
		{OID_INT4, SL_TYPE_INT32},	  {OID_INT8, SL_TYPE_INT64},
		{OID_OID, SL_TYPE_UINT32},	  {OID_FLOAT4, SL_TYPE_FLOAT},
		{OID_FLOAT8, SL_TYPE_DOUBLE},	  {OID_TEXT, SL_TYPE_TEXT},
		{OID_NAME, SL_TYPE_TEXT},	  {OID_CHAR, SL_TYPE_TEXT},
		{OID_BYTEA, SL_TYPE_BLOB},	  {OID_JSON, SL_TYPE_JSON},
		{OID_JSONB, SL_TYPE_JSON},	  {OID_DATE, SL_TYPE_DATE},
		{OID_INTERVAL, SL_TYPE_INTERVAL}, {OID_UUID, SL_TYPE_UUID},
		{OID_TIMETZ, SL_TYPE_TEXT},	  {OID_INET, SL_TYPE_TEXT},
		{OID_CIDR, SL_TYPE_TEXT},	  {OID_MACADDR, SL_TYPE_TEXT},
		{OID_MACADDR8, SL_TYPE_TEXT},	  {OID_MONEY, SL_TYPE_TEXT},
		{OID_XML, SL_TYPE_TEXT},	  {OID_BIT, SL_TYPE_TEXT},
		{OID_VARBIT, SL_TYPE_TEXT},
	};
	*precision = 0;
	*scale = 0;
	*note = NULL;
	if (is_oid(d, OID_NUMERIC)) {
		int p = 0, s = 0;
		if (d->typmod >= 4)
			numeric_typmod(d->typmod, &p, &s);
		/* DuckDB wants 0 <= scale <= precision: numeric(5,-2) holds 7 integer digits,
		   numeric(3,5) five fractional ones */
		int dp = s < 0 ? p - s : (s > p ? s : p), ds = s < 0 ? 0 : s;
		*type = d->typmod >= 4 && dp >= 1 && dp <= 38 ? SL_TYPE_DECIMAL : SL_TYPE_TEXT;
		if (*type == SL_TYPE_DECIMAL) {
			*precision = dp;
			*scale = ds;
		}
		return;
	}
	if (is_oid(d, OID_VARCHAR) || is_oid(d, OID_BPCHAR)) {
		*type = SL_TYPE_TEXT;
		*precision = d->typmod > 4 && d->typmod - 4 <= INT_MAX ? (int)(d->typmod - 4) : 0;
		return;
	}
	if (is_oid(d, OID_TIME) || is_oid(d, OID_TIMESTAMP) || is_oid(d, OID_TIMESTAMPTZ)) {
		*type = is_oid(d, OID_TIME)	   ? SL_TYPE_TIME
			: is_oid(d, OID_TIMESTAMP) ? SL_TYPE_TIMESTAMP
						   : SL_TYPE_TIMESTAMPTZ;
		*precision = d->typmod >= 0 && d->typmod <= 6 ? (int)d->typmod : 6;
		return;
	}
	for (size_t i = 0; i < SL_ARRAY_LEN(simple); i++) {
		if (is_oid(d, simple[i].oid)) {
			*type = simple[i].type;
			return;
		}
	}
	if (d->typtype == 'e' || strcmp(d->typname, "citext") == 0) {
		*type = SL_TYPE_TEXT; /* enum labels; citext is text compared without case */
	} else if (d->typcategory == 'A') {
		map_array(d, type, element, precision, scale, note);
	} else if (d->typtype == 'c') {
		*type = SL_TYPE_JSON; /* composites through to_json() */
	} else {
		*type = SL_TYPE_TEXT;
		*note = "has no portable type; loaded as TEXT (its text form)";
	}
}

static long field_long(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(PQgetvalue(r, row, col), &end, 10);
	if (errno || *end || v > LONG_MAX || v < LONG_MIN)
		return -1;
	return (long)v;
}

static int add_columns(pg_conn *c, sl_table_schema *s, const char *oid)
{
	/* domains resolved to their base type (and the base type's modifier) by recursion */
	static const char *const sql =
		"WITH RECURSIVE cols AS ("
		" SELECT a.attnum, a.attname, NOT a.attnotnull AS nullable,"
		"  pg_catalog.format_type(a.atttypid, a.atttypmod) AS decl,"
		"  a.atttypid AS tid, a.atttypmod AS tmod, a.attndims AS ndims, 0 AS depth"
		" FROM pg_catalog.pg_attribute a"
		" WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped"
		" UNION ALL"
		" SELECT k.attnum, k.attname, k.nullable, k.decl, t.typbasetype, t.typtypmod,"
		"  GREATEST(k.ndims, t.typndims), k.depth + 1"
		" FROM cols k JOIN pg_catalog.pg_type t ON t.oid = k.tid"
		" WHERE t.typtype = 'd' AND k.depth < 64)"
		" SELECT k.attname, k.decl, k.nullable, k.tid, k.tmod, t.typtype, t.typcategory,"
		"  t.typname, k.ndims, e.oid, e.typtype, e.typcategory, e.typname,"
		"  CASE WHEN d.typtype = 'd' THEN d.typtypmod ELSE k.tmod END"
		" FROM cols k JOIN pg_catalog.pg_type t ON t.oid = k.tid"
		" LEFT JOIN pg_catalog.pg_type d ON t.typcategory = 'A' AND d.oid = t.typelem"
		" LEFT JOIN pg_catalog.pg_type e"
		"  ON e.oid = CASE WHEN d.typtype = 'd' THEN d.typbasetype ELSE d.oid END"
		" WHERE t.typtype <> 'd' ORDER BY k.attnum";
	const Oid types[] = {OID_TEXT};
	const char *params[] = {oid};
	PGresult *r;
	int rc = meta_query(&r, c, sql, 1, types, params, "reading the columns of", s);
	if (rc)
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		pg_coldef d = {
			.name = PQgetvalue(r, i, 0),
			.decl = PQgetvalue(r, i, 1),
			.nullable = strcmp(PQgetvalue(r, i, 2), "t") == 0,
			.oid = strtoul(PQgetvalue(r, i, 3), NULL, 10),
			.typmod = field_long(r, i, 4),
			.typtype = PQgetvalue(r, i, 5)[0],
			.typcategory = PQgetvalue(r, i, 6)[0],
			.typname = PQgetvalue(r, i, 7),
			.ndims = (int)field_long(r, i, 8),
			.elem_oid =
				PQgetisnull(r, i, 9) ? 0 : strtoul(PQgetvalue(r, i, 9), NULL, 10),
			.elem_typtype = PQgetvalue(r, i, 10)[0],
			.elem_typcategory = PQgetvalue(r, i, 11)[0],
			.elem_typname = PQgetvalue(r, i, 12),
			.elem_typmod = field_long(r, i, 13),
		};
		sl_type type, element = SL_TYPE_TEXT;
		int precision, scale;
		const char *note;
		map_type(&d, &type, &element, &precision, &scale, &note);
		int idx = type == SL_TYPE_LIST
				  ? sl_schema_add_list_column(s, d.name, element, precision, scale,
							      d.nullable, d.decl)
				  : sl_schema_add_column(s, d.name, type, precision, scale,
							 d.nullable, d.decl);
		rc = idx < 0 ? idx : SL_OK;
		if (!rc && note) {
			char what[300];
			snprintf(what, sizeof(what), "PostgreSQL type %s %s", d.decl, note);
			rc = sl_warnings_add(&c->s.warnings, s->name, d.name, what, false, 0);
		}
	}
	PQclear(r);
	return rc;
}

static int load_pk(pg_conn *c, sl_table_schema *s, const char *oid)
{
	static const char *const sql =
		"SELECT a.attname FROM pg_catalog.pg_index i"
		" CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
		" JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
		" WHERE i.indrelid = $1::pg_catalog.oid AND i.indisprimary ORDER BY k.ord";
	const Oid types[] = {OID_TEXT};
	const char *params[] = {oid};
	PGresult *r;
	int rc = meta_query(&r, c, sql, 1, types, params, "reading the primary key of", s);
	if (rc)
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, 0);
		int idx = -1;
		for (size_t j = 0; j < s->ncolumns && idx < 0; j++)
			if (strcmp(s->columns[j].name, name) == 0)
				idx = (int)j;
		rc = idx < 0 ? sl_error_set(SL_ESOURCE,
					    "table %s.%s: primary key column %s not found",
					    s->database, s->name, name)
			     : sl_schema_add_pk(s, (size_t)idx);
	}
	PQclear(r);
	return rc < 0 ? rc : SL_OK;
}

static int pg_reflect(sl_table_schema **out, sl_source_conn *conn, const char *table)
{
	pg_conn *c = (pg_conn *)conn;
	*out = NULL;
	int rc = sl_session_ready(&c->s);
	if (rc)
		return rc;
	pg_name n;
	rc = parse_name(&n, table);
	if (rc)
		return rc;
	char *oid = NULL, *nsp = NULL, *rel = NULL;
	sl_table_schema *s = NULL;
	rc = find_relation(&oid, &nsp, &rel, c, &n);
	if (!rc && !oid)
		rc = not_found(c, &n);
	if (!rc) {
		s = sl_schema_new(nsp, rel);
		rc = s ? SL_OK : SL_ENOMEM;
	}
	if (!rc)
		rc = add_columns(c, s, oid);
	if (!rc && s->ncolumns == 0)
		rc = sl_error_set(SL_ESOURCE, "table %s.%s in database '%s' has no columns", nsp,
				  rel, c->dbname);
	if (!rc)
		rc = load_pk(c, s, oid);
	free(oid);
	free(nsp);
	free(rel);
	name_clear(&n);
	if (rc) {
		sl_schema_free(s);
		return rc;
	}
	*out = s;
	return SL_OK;
}

/* ---- how a column travels ------------------------------------------------------------------- */

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

/* char(n) keeps its padding only in its own binary form (::text strips it). */
static bool is_bpchar(const char *decl)
{
	return decl && (strcmp(decl, "bpchar") == 0 || strcmp(decl, "character") == 0 ||
			strncmp(decl, "character(", 10) == 0);
}

/* A LIST column's element declaration: "character(3)" of "character(3)[]". */
static void element_decl(char *out, size_t size, const char *decl)
{
	size_t n = decl ? strlen(decl) : 0;
	if (n >= 2 && strcmp(decl + n - 2, "[]") == 0)
		n -= 2;
	snprintf(out, size, "%.*s", (int)n, decl ? decl : "");
}

static pg_expr expr_of(const sl_column *col)
{
	if (col->type == SL_TYPE_LIST) {
		char decl[128];
		element_decl(decl, sizeof(decl), col->source_type);
		return col->element == SL_TYPE_TEXT && !is_bpchar(decl) ? EX_TEXT_ARRAY : EX_PLAIN;
	}
	if (col->type == SL_TYPE_TEXT) {
		if (col->source_type && strcmp(col->source_type, "inet") == 0)
			return EX_ABBREV;
		return is_bpchar(col->source_type) ? EX_PLAIN : EX_TEXT;
	}
	if (col->type == SL_TYPE_JSON) {
		const char *d = col->source_type ? col->source_type : "";
		return strcmp(d, "json") == 0 || strcmp(d, "jsonb") == 0 ? EX_PLAIN : EX_TO_JSON;
	}
	return EX_PLAIN;
}

static pg_wire wire_of(sl_type type, const char *decl)
{
	switch (type) {
	case SL_TYPE_BOOL:
		return W_BOOL;
	case SL_TYPE_INT16:
		return W_INT2;
	case SL_TYPE_INT32:
		return W_INT4;
	case SL_TYPE_UINT32:
		return W_OID;
	case SL_TYPE_FLOAT:
		return W_FLOAT4;
	case SL_TYPE_DOUBLE:
		return W_FLOAT8;
	case SL_TYPE_DECIMAL:
		return W_NUMERIC;
	case SL_TYPE_JSON:
		return decl && strcmp(decl, "jsonb") == 0 ? W_JSONB : W_BYTES;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
		return W_BYTES;
	case SL_TYPE_DATE:
		return W_DATE;
	case SL_TYPE_TIME:
		return W_TIME;
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		return W_TIMESTAMP;
	case SL_TYPE_INTERVAL:
		return W_INTERVAL;
	case SL_TYPE_UUID:
		return W_UUID;
	case SL_TYPE_LIST:
		return W_ARRAY;
	default:
		return W_INT8; /* INT64; other portable types never come from this driver */
	}
}

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
	pg_expr e = expr_of(&r->table->columns[i]);
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

static const sl_sql_dialect pg_dialect = {
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
	sl_scan base;
	pg_conn *conn;
	const sl_table_schema *table; /* for messages and warnings */
	size_t ncols;
	pg_col *cols;
	bool header_seen;  /* the COPY signature and header were read */
	bool trailer_seen; /* the end-of-data marker (field count -1) was read */
	bool exhausted;	   /* COPY ended cleanly: the session is free again */
	bool failed;	   /* the stream broke: the session is not trusted any more */
} pg_scan;

static int setup_columns(pg_scan *s, const sl_table_schema *shape, size_t extra_bools)
{
	s->ncols = shape->ncolumns + extra_bools;
	s->cols = sl_calloc(s->ncols, sizeof(*s->cols));
	if (!s->cols)
		return SL_ENOMEM;
	for (size_t i = 0; i < s->ncols; i++) {
		pg_col *pc = &s->cols[i];
		if (i >= shape->ncolumns) {
			pc->type = SL_TYPE_BOOL;
			pc->wire = W_BOOL;
			pc->null_is_false = true;
			continue;
		}
		const sl_column *col = &shape->columns[i];
		pc->type = col->type;
		pc->precision = col->precision;
		pc->scale = col->scale;
		pc->wire = wire_of(col->type, col->source_type);
		sl_type element = col->type == SL_TYPE_LIST ? col->element : col->type;
		if (col->type == SL_TYPE_LIST) {
			char decl[128];
			element_decl(decl, sizeof(decl), col->source_type);
			pc->element_wire = wire_of(col->element, decl);
		}
		pg_wire value_wire = col->type == SL_TYPE_LIST ? pc->element_wire : pc->wire;
		if ((element != SL_TYPE_INT64 && value_wire == W_INT8) || value_wire == W_ARRAY)
			return sl_error_set(SL_ETYPE, "PostgreSQL: column %s.%s: cannot read %s",
					    shape->name, col->name, sl_type_name(element));
	}
	return SL_OK;
}

static void scan_free(pg_scan *s)
{
	if (!s)
		return;
	free(s->cols);
	free(s);
}

/* A COPY to start: its text, how its rows decode, where its scan goes. */
typedef struct pg_start {
	pg_conn *c;
	const sl_buf *sql;
	const sl_table_schema *shape;
	size_t seen_flags; /* trailing BOOL columns after shape's */
	pg_scan **out;
} pg_start;

/* Run the COPY ... TO STDOUT and set up a scan decoding it as st->shape. */
static int copy_try(void *ctx, bool *lost)
{
	pg_start *st = ctx;
	pg_conn *c = st->c;
	*st->out = NULL;
	*lost = false;
	pg_scan *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->base.driver = &sl_postgres_source;
	s->conn = c;
	s->table = st->shape;
	int rc = setup_columns(s, st->shape, st->seen_flags);
	PGresult *r = NULL;
	if (!rc)
		rc = await_result(&r, c, PQsendQuery(c->db, st->sql->data), "querying", st->shape);
	if (!rc) {
		if (PQresultStatus(r) != PGRES_COPY_OUT) {
			*lost = PQstatus(c->db) != CONNECTION_OK;
			rc = result_error(c, r, "querying", st->shape->database, st->shape->name);
		}
		PQclear(r);
	}
	if (rc) {
		scan_free(s);
		return rc;
	}
	*st->out = s;
	return SL_OK;
}

/* Start the COPY of `sql`, whose rows decode as `shape` plus `seen_flags` BOOL columns. */
static int copy_start(pg_scan **out, pg_conn *c, const sl_table_schema *shape, size_t seen_flags,
		      const sl_buf *sql)
{
	pg_start st = {c, sql, shape, seen_flags, out};
	int rc = sl_session_retry(&c->s, copy_try, &st);
	if (!rc)
		c->s.busy = true;
	return rc;
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
	pg_scan *s = NULL;
	if (!rc)
		rc = copy_start(&s, c, plan->table, plan->seen_pk ? 1 : 0, &q.sql);
	sl_scan_sql_free(&q);
	if (rc)
		return rc;
	if (plan->cursor >= 0)
		s->cols[plan->cursor].infinite_as_null = true;
	*out = &s->base;
	return SL_OK;
}

/* ---- decoding rows -------------------------------------------------------------------------- */

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int bad_value(const pg_scan *s, size_t c, const char *why)
{
	return sl_error_set(SL_ESOURCE, "PostgreSQL: %s.%s: %s", s->table->name,
			    c < s->table->ncolumns ? s->table->columns[c].name : "(seen flag)",
			    why);
}

/* 10^n for 0 <= n <= 38, unsigned: numeric magnitudes are compared and summed unsigned. */
static sl_u128 pow10_u128(int n)
{
	return (sl_u128)sl_pow10_i128(n);
}

/*
 * numeric_send: int16 ndigits, int16 weight, uint16 sign, uint16 dscale, then ndigits base-10000
 * digits; the value is sum(digit[i] * 10000^(weight - i)). Scaled to `scale` decimal places,
 * extra places rounded half away from zero. *special: 0, or the sign word of NaN / ±Infinity.
 */
static int decode_numeric(sl_u128 *mag, bool *neg, unsigned *special, const unsigned char *p,
			  uint32_t len, int scale)
{
	if (len < 8)
		return SL_ETYPE;
	unsigned ndigits = be16(p), sign = be16(p + 4);
	int weight = (int16_t)be16(p + 2);
	if (len != 8 + 2 * ndigits)
		return SL_ETYPE;
	*special = sign == 0xC000 || sign == 0xD000 || sign == 0xF000 ? sign : 0;
	if (!*special && sign != 0 && sign != 0x4000)
		return SL_ETYPE; /* not a sign numeric_send writes */
	*neg = sign == 0x4000;
	*mag = 0;
	if (*special)
		return SL_OK;
	const sl_u128 limit = pow10_u128(38);
	bool rounded = false;
	for (unsigned i = 0; i < ndigits; i++) {
		unsigned d = be16(p + 8 + 2 * i);
		if (d > 9999)
			return SL_ETYPE;
		int e = 4 * (weight - (int)i) + scale; /* this digit's power of ten, scaled */
		/* d * 10^e must stay below 10^38: checked before multiplying, which could wrap */
		if (e > 38 || (e > 34 && d >= pow10_u128(38 - e))) {
			if (d)
				return SL_ETYPE;
			continue;
		}
		if (e >= 0) {
			*mag += (sl_u128)d * pow10_u128(e);
		} else if (!rounded) {
			/* the first digit below the scale decides the rounding; later ones cannot.
			   A group wholly below it (e < -4) follows an implicit zero there */
			rounded = true;
			if (e < -4)
				continue;
			unsigned cut = (unsigned)pow10_u128(-e);
			*mag += d / cut;
			if (d % cut >= cut / 2)
				*mag += 1;
		}
		if (*mag >= limit)
			return SL_ETYPE;
	}
	return SL_OK;
}

static int put_decimal(pg_scan *s, size_t c, void *data, size_t row, const unsigned char *p,
		       uint32_t len)
{
	pg_col *pc = &s->cols[c];
	sl_u128 mag;
	bool neg;
	unsigned special;
	if (decode_numeric(&mag, &neg, &special, p, len, pc->scale))
		return bad_value(s, c, "numeric value does not fit the column's DECIMAL");
	if (special) {
		pc->nans++; /* typmod'd numerics can hold NaN (±Infinity they refuse) */
		return 1;
	}
	if (pc->precision < 38 && mag >= pow10_u128(pc->precision))
		return bad_value(s, c, "numeric value has more digits than the column's precision");
	sl_i128 v = neg ? -(sl_i128)mag : (sl_i128)mag; /* mag < 10^38 */
	sl_decimal_store(data, row, pc->precision, sl_int128_from(v));
	return 0;
}

static int put_bytes(sl_arena *arena, void *data, size_t row, const unsigned char *p, uint32_t len)
{
	const char *copy = len ? sl_arena_copy(arena, (const char *)p, len) : "";
	if (!copy)
		return SL_ENOMEM;
	((sl_bytes *)data)[row] = (sl_bytes){copy, len};
	return 0;
}

/*
 * Temporal values: ±infinity becomes DuckDB's ±infinity (INT64_MAX and -INT64_MAX, INT32_MAX and
 * -INT32_MAX for dates), except in the cursor column, where it becomes NULL (returns 1) and is
 * counted; so do values DuckDB cannot hold.
 */
static int put_timestamp(pg_col *pc, void *data, size_t row, const unsigned char *p)
{
	int64_t v = (int64_t)be64(p);
	if (v == INT64_MAX || v == INT64_MIN) {
		if (pc->infinite_as_null) {
			pc->infinite++;
			return 1;
		}
		((int64_t *)data)[row] = v == INT64_MAX ? INT64_MAX : -INT64_MAX;
		return 0;
	}
	/* DuckDB keeps INT64_MAX for its own infinity: the last 29 years of PostgreSQL's range
	   (294247-01-10 04:00:54.775807 to 294276-12-31) do not fit */
	if (v > INT64_MAX - 1 - PG_EPOCH_MICROS) {
		pc->beyond++;
		return 1;
	}
	((int64_t *)data)[row] = v + PG_EPOCH_MICROS;
	return 0;
}

static int put_date(pg_col *pc, void *data, size_t row, const unsigned char *p)
{
	int32_t v = (int32_t)be32(p);
	if (v == INT32_MAX || v == INT32_MIN) {
		if (pc->infinite_as_null) {
			pc->infinite++;
			return 1;
		}
		((int32_t *)data)[row] = v == INT32_MAX ? INT32_MAX : -INT32_MAX;
		return 0;
	}
	/* PostgreSQL's range (to 5874897 AD) keeps this below DuckDB's infinity; a value past it is
	   no date PostgreSQL sends, and is counted like a timestamp beyond DuckDB's range */
	if ((int64_t)v + PG_EPOCH_DAYS >= INT32_MAX) {
		pc->beyond++;
		return 1;
	}
	((int32_t *)data)[row] = v + PG_EPOCH_DAYS;
	return 0;
}

static const uint32_t wire_len[] = {
	[W_BOOL] = 1,	   [W_INT2] = 2,      [W_INT4] = 4,   [W_INT8] = 8,
	[W_OID] = 4,	   [W_FLOAT4] = 4,    [W_FLOAT8] = 8, [W_NUMERIC] = 0,
	[W_BYTES] = 0,	   [W_JSONB] = 0,     [W_DATE] = 4,   [W_TIME] = 8,
	[W_TIMESTAMP] = 8, [W_INTERVAL] = 16, [W_UUID] = 16,  [W_ARRAY] = 0,
};

static int decode_array(pg_scan *s, size_t c, sl_batch *b, size_t row, const unsigned char *p,
			uint32_t len);

/*
 * Decode one non-NULL value of column `c`, arriving as `wire`, into element `i` of vector `v`
 * (the batch column, or a LIST column's child); returns 0 (stored), 1 (to be stored as NULL) or
 * a negative error.
 */
static int decode_value(pg_scan *s, size_t c, pg_wire wire, sl_vector *v, sl_arena *arena, size_t i,
			const unsigned char *p, uint32_t len)
{
	pg_col *pc = &s->cols[c];
	void *data = v->data;
	if (wire_len[wire] && len != wire_len[wire]) {
		char why[96];
		snprintf(why, sizeof(why), "a %s value of %u bytes (expected %u)",
			 sl_type_name(v->type), len, wire_len[wire]);
		return bad_value(s, c, why);
	}
	switch (wire) {
	case W_BOOL:
		((uint8_t *)data)[i] = p[0] != 0;
		return 0;
	case W_INT2:
		((int16_t *)data)[i] = (int16_t)be16(p);
		return 0;
	case W_INT4:
		((int32_t *)data)[i] = (int32_t)be32(p);
		return 0;
	case W_OID:
		((uint32_t *)data)[i] = be32(p);
		return 0;
	case W_INT8:
		((int64_t *)data)[i] = (int64_t)be64(p);
		return 0;
	case W_FLOAT4: {
		uint32_t u = be32(p);
		memcpy(&((float *)data)[i], &u, sizeof(u));
		return 0;
	}
	case W_FLOAT8: {
		uint64_t u = be64(p);
		memcpy(&((double *)data)[i], &u, sizeof(u));
		return 0;
	}
	case W_NUMERIC:
		return put_decimal(s, c, data, i, p, len);
	case W_BYTES:
		return put_bytes(arena, data, i, p, len);
	case W_JSONB:
		if (len < 1 || p[0] != 1)
			return bad_value(s, c, "unknown jsonb binary version");
		return put_bytes(arena, data, i, p + 1, len - 1);
	case W_DATE:
		return put_date(pc, data, i, p);
	case W_TIME:
		((int64_t *)data)[i] = (int64_t)be64(p);
		return 0;
	case W_TIMESTAMP:
		return put_timestamp(pc, data, i, p);
	case W_INTERVAL:
		((sl_interval *)data)[i] = (sl_interval){(int32_t)be32(p + 12),
							 (int32_t)be32(p + 8), (int64_t)be64(p)};
		return 0;
	case W_UUID:
		((sl_int128 *)data)[i] = (sl_int128){be64(p + 8), (int64_t)be64(p)};
		return 0;
	case W_ARRAY:
		break; /* decode_array's, which knows the row */
	}
	return bad_value(s, c, "unknown wire format");
}

/*
 * array_send: int32 ndim, int32 has-NULLs flag, uint32 element type, per dimension int32 size
 * and lower bound, then each element as int32 length (-1: NULL) and bytes. An empty array has
 * no dimensions. Lower bounds other than 1 are not kept (a LIST starts at 1).
 */
static int decode_array(pg_scan *s, size_t c, sl_batch *b, size_t row, const unsigned char *p,
			uint32_t len)
{
	if (len < 12)
		return bad_value(s, c, "truncated array");
	int32_t ndim = (int32_t)be32(p);
	if (ndim == 0)
		return sl_batch_list_append(b, c, row, 0, &(size_t){0});
	if (ndim != 1) {
		char why[200];
		snprintf(why, sizeof(why),
			 "a %d-dimensional array value in a column loaded as a one-dimensional "
			 "LIST (declare the column with its dimensions, e.g. int[][], to load it "
			 "as JSON)",
			 ndim);
		return bad_value(s, c, why);
	}
	if (len < 20)
		return bad_value(s, c, "truncated array");
	uint32_t n = be32(p + 12), pos = 20;
	if (n > (len - pos) / 4)
		return bad_value(s, c, "an array with more elements than bytes");
	size_t first;
	if (sl_batch_list_append(b, c, row, n, &first))
		return SL_ENOMEM;
	sl_vector *child = b->columns[c].child;
	for (uint32_t k = 0; k < n; k++) {
		if (len - pos < 4)
			return bad_value(s, c, "truncated array element");
		int32_t elen = (int32_t)be32(p + pos);
		pos += 4;
		if (elen < 0)
			continue; /* NULL, as appended */
		if ((uint32_t)elen > len - pos)
			return bad_value(s, c, "truncated array element");
		int rc = decode_value(s, c, s->cols[c].element_wire, child, &b->arena, first + k,
				      p + pos, (uint32_t)elen);
		if (rc < 0)
			return rc;
		if (rc == 0)
			sl_vector_set_valid(child, first + k);
		pos += (uint32_t)elen;
	}
	return pos == len ? 0 : bad_value(s, c, "bytes after the last array element");
}

/* One tuple of the binary COPY format into row `row`; *end set at the end-of-data marker. */
static int decode_tuple(pg_scan *s, sl_batch *b, size_t row, const unsigned char *p, size_t len,
			bool *end)
{
	*end = false;
	if (len < 2)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: truncated COPY row",
				    s->table->name);
	int16_t nfields = (int16_t)be16(p);
	if (nfields == -1) {
		*end = true;
		return SL_OK;
	}
	if ((size_t)nfields != s->ncols)
		return sl_error_set(SL_ESOURCE,
				    "PostgreSQL: %s: a COPY row of %d fields, expected %zu",
				    s->table->name, nfields, s->ncols);
	size_t pos = 2;
	for (size_t c = 0; c < s->ncols; c++) {
		if (len - pos < 4)
			return bad_value(s, c, "truncated COPY row");
		int32_t flen = (int32_t)be32(p + pos);
		pos += 4;
		if (flen < 0) {
			if (s->cols[c].null_is_false) {
				((uint8_t *)b->columns[c].data)[row] = 0;
				sl_batch_set_valid(b, c, row);
			} else {
				sl_batch_set_null(b, c, row);
			}
			continue;
		}
		if (len - pos < (size_t)flen)
			return bad_value(s, c, "truncated COPY row");
		int rc = s->cols[c].wire == W_ARRAY
				 ? decode_array(s, c, b, row, p + pos, (uint32_t)flen)
				 : decode_value(s, c, s->cols[c].wire, &b->columns[c], &b->arena,
						row, p + pos, (uint32_t)flen);
		if (rc < 0)
			return rc;
		if (rc == 1)
			sl_batch_set_null(b, c, row);
		else
			sl_batch_set_valid(b, c, row);
		pos += (size_t)flen;
	}
	return SL_OK;
}

int sl_pg_decode_row(sl_batch *b, size_t row, const sl_table_schema *shape, int cursor,
		     const unsigned char *msg, size_t len, bool *end)
{
	pg_scan s = {0};
	s.base.driver = &sl_postgres_source;
	s.table = shape;
	*end = false;
	int rc = setup_columns(&s, shape, 0);
	if (!rc && cursor >= 0 && (size_t)cursor < s.ncols)
		s.cols[cursor].infinite_as_null = true;
	if (!rc)
		rc = decode_tuple(&s, b, row, msg, len, end);
	free(s.cols);
	return rc;
}

/* The 19+ byte header that precedes the first tuple; returns its length or a negative error. */
static int copy_header(pg_scan *s, const unsigned char *p, size_t len)
{
	static const char sig[11] = "PGCOPY\n\377\r\n";
	if (len < 19 || memcmp(p, sig, 11) != 0)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: not a binary COPY stream",
				    s->table->name);
	uint32_t ext = be32(p + 15);
	if (ext > len - 19)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: truncated COPY header",
				    s->table->name);
	s->header_seen = true;
	return (int)(19 + ext);
}

/* One CopyData message: maybe the header, then one row (or the end marker). 1: a row added. */
static int decode_message(pg_scan *s, sl_batch *b, const unsigned char *p, size_t len)
{
	if (!s->header_seen) {
		int h = copy_header(s, p, len);
		if (h < 0)
			return h;
		p += h;
		len -= (size_t)h;
		if (!len)
			return 0;
	}
	if (s->trailer_seen)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: %s: data after the end of COPY",
				    s->table->name);
	bool end;
	int rc = decode_tuple(s, b, b->nrows, p, len, &end);
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
	pg_conn *c = s->conn;
	PGresult *r;
	int rc = await_result(&r, c, 1, "reading", s->table);
	if (rc)
		return rc;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = result_error(c, r, "reading", s->table->database, s->table->name);
	else if (!s->trailer_seen)
		rc = sl_error_set(SL_ESOURCE,
				  "PostgreSQL at %s: reading %s.%s: the COPY ended "
				  "without its end marker",
				  c->s.where, s->table->database ? s->table->database : "",
				  s->table->name);
	PQclear(r);
	return rc;
}

/* Move the per-column counts of NULLed values into the connection's warnings. */
static void note_nulled(pg_scan *s)
{
	for (size_t c = 0; c < s->ncols && c < s->table->ncolumns; c++) {
		pg_col *pc = &s->cols[c];
		const char *t = s->table->name, *name = s->table->columns[c].name;
		if (pc->infinite)
			sl_warnings_add(
				&s->conn->s.warnings, t, name,
				"infinite cursor values (infinity/-infinity) loaded as NULL", true,
				pc->infinite);
		if (pc->beyond)
			sl_warnings_add(&s->conn->s.warnings, t, name,
					"timestamps after 294247-01-10 loaded as NULL", true,
					pc->beyond);
		if (pc->nans)
			sl_warnings_add(&s->conn->s.warnings, t, name, "NaN values loaded as NULL",
					true, pc->nans);
		pc->infinite = pc->beyond = pc->nans = 0;
	}
}

static int pg_scan_next(sl_scan *scan, sl_batch *batch)
{
	pg_scan *s = (pg_scan *)scan;
	pg_conn *c = s->conn;
	if (s->exhausted)
		return 0;
	if (s->failed || !c->db)
		return sl_error_set(SL_ESOURCE, "PostgreSQL: scan of %s already failed",
				    s->table->name);
	if (batch->ncolumns != s->ncols)
		return sl_error_set(SL_EINVAL,
				    "PostgreSQL: batch has %zu columns, the scan reads %zu",
				    batch->ncolumns, s->ncols);
	if (batch->nrows >= batch->capacity)
		return sl_error_set(SL_EINVAL, "PostgreSQL: scan of %s: the batch is already full",
				    s->table->name);
	size_t added = 0;
	int rc = SL_OK;
	double since = 0; /* silent since (await_input) */
	while (batch->nrows < batch->capacity) {
		char *buf = NULL;
		int n = PQgetCopyData(c->db, &buf, 1);
		if (n == 0 && PQstatus(c->db) == CONNECTION_BAD)
			n = -2; /* what the blocking call says once the server has gone */
		if (n == 0) {	/* no whole row buffered: wait for more */
			rc = await_input(c, &since, "reading", s->table);
			if (rc)
				break;
			continue;
		}
		if (n == -1) {
			rc = copy_finish(s);
			if (!rc)
				s->exhausted = true;
			break;
		}
		if (n < 0) {
			/* libpq adds lines of guesses ("This probably means..."): keep the first */
			char line[400];
			first_line(line, sizeof(line), PQerrorMessage(c->db));
			rc = sl_error_set(SL_ESOURCE, "PostgreSQL at %s: reading %s.%s: %s",
					  c->s.where, s->table->database ? s->table->database : "",
					  s->table->name, line);
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
	note_nulled(s);
	if (rc) {
		s->failed = true;
		return rc;
	}
	return (int)added;
}

/* Stop the server's query now, rather than when it next finds the socket gone. */
static void cancel_query(PGconn *db)
{
	PGcancel *cancel = PQgetCancel(db);
	if (!cancel)
		return;
	char err[256];
	(void)PQcancel(cancel, err, sizeof(err)); /* best effort: the close follows anyway */
	PQfreeCancel(cancel);
}

static void pg_scan_close(sl_scan *scan)
{
	pg_scan *s = (pg_scan *)scan;
	if (!s)
		return;
	pg_conn *c = s->conn;
	note_nulled(s);
	if (!s->exhausted && c->db) {
		/*
		 * The only other way out of COPY OUT is reading the rest of it. A closed socket
		 * alone stops the server only at its next write, which a query filtering a big
		 * table may not reach for minutes: cancel it first.
		 */
		if (!s->failed)
			cancel_query(c->db);
		sl_session_close(&c->s);
	}
	scan_free(s);
	c->s.busy = false;
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

static int pg_stats(sl_source_stats *out, sl_source_conn *conn, const sl_table_schema *table,
		    int cursor, bool descending, const sl_value *after)
{
	pg_conn *c = (pg_conn *)conn;
	out->cursor_max = NULL;
	out->rows_total = -1;
	out->rows_after = -1;
	int rc = sl_session_ready(&c->s);
	if (rc)
		return rc;
	sl_table_schema *shape = NULL;
	sl_scan_sql q;
	sl_scan_sql_init(&q, &pg_dialect, table);
	pg_scan *s = NULL;
	rc = sl_source_stats_shape(&shape, table, cursor);
	if (!rc)
		rc = render_stats(&q, cursor, descending, after);
	if (!rc)
		rc = copy_start(&s, c, shape, 0, &q.sql);
	if (!rc)
		rc = sl_source_stats_read(out, &s->base, shape, cursor);
	sl_scan_sql_free(&q);
	sl_schema_free(shape);
	if (rc)
		sl_source_stats_clear(out);
	return rc;
}

const sl_source_driver sl_postgres_source = {
	.head = {SL_SOURCE_DRIVER_VERSION, "postgresql",
		 (const char *const[]){"postgresql", "postgres", NULL}},
	.connect = pg_connect,
	.disconnect = sl_session_disconnect,
	.reflect = pg_reflect,
	.scan_open = pg_scan_open,
	.scan_next = pg_scan_next,
	.scan_close = pg_scan_close,
	.stats = pg_stats,
	.warnings = sl_session_warnings,
};
