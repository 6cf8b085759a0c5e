/*
 * mysql.c — the MySQL/MariaDB source driver (libmariadb): URL options, the session, scans and
 * stats. Reflection (information_schema) is in mysql_reflect.c, value decoding in mysql_value.c.
 *
 * Scans use the binary protocol only: a prepared statement,
 * executed and fetched row by row without buffering the result on the client, into result
 * buffers bound once per scan; each fetched row is decoded straight into the batch's typed arrays
 * (strings and blobs copied into the batch arena, long values fetched with
 * mysql_stmt_fetch_column when they outgrow their bound buffer).
 *
 * Every session runs with time_zone '+00:00' (so TIMESTAMP values arrive as UTC) and character set
 * utf8mb4 (so the server converts latin1 and other column charsets to UTF-8).
 *
 * Abandoning a scan: libmariadb drains an unfinished unbuffered result row by row when the
 * statement is closed, which takes as long as reading the rest of the table. So a scan closed
 * before its result is exhausted closes the whole connection instead (the server sees the socket
 * go away and stops the query), and the connection is reopened lazily by the next call. A scan
 * that read every row its LIMIT allows has only the end of its result left: fetching that
 * (drain) keeps the connection.
 */
#define _POSIX_C_SOURCE 200809L

#include "mysql_internal.h"
#include "scan_sql.h"
#include "warnings.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MY_DEFAULT_PORT	     3306
#define MY_NET_WRITE_TIMEOUT 3600 /* seconds the server waits on us while we commit a chunk */

/* ---- connection ----------------------------------------------------------------------------- */

static void params_clear(my_params *p)
{
	char *owned[] = {p->host,    p->user,	p->database, p->socket,
			 p->charset, p->ssl_ca, p->ssl_cert, p->ssl_key};
	for (size_t i = 0; i < SL_ARRAY_LEN(owned); i++)
		free(owned[i]);
	sl_secret_free(p->password);
	memset(p, 0, sizeof(*p));
}

static int dup_opt(char **out, const char *s)
{
	if (!s)
		return SL_OK;
	*out = sl_strdup(s);
	return *out ? SL_OK : SL_ENOMEM;
}

static int parse_statement_time(double *out, const char *text)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end || !(v >= 0 && v <= 86400.0 * 365))
		return sl_error_set(SL_EURL,
				    "MySQL URL option max_statement_time=%s: expected seconds "
				    "(0..31536000, fractions allowed)",
				    text);
	*out = v;
	return SL_OK;
}

static int parse_ssl_mode(enum my_ssl_mode *out, const char *text)
{
	static const struct {
		const char *name;
		enum my_ssl_mode mode;
	} modes[] = {
		{"DISABLED", MY_SSL_DISABLED},
		{"PREFERRED", MY_SSL_PREFERRED},
		{"REQUIRED", MY_SSL_REQUIRED},
		{"VERIFY_CA", MY_SSL_VERIFY_CA},
		{"VERIFY_IDENTITY", MY_SSL_VERIFY_IDENTITY},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(modes); i++) {
		if (strcasecmp(text, modes[i].name) == 0) {
			*out = modes[i].mode;
			return SL_OK;
		}
	}
	return sl_error_set(SL_EURL,
			    "MySQL URL option ssl_mode=%s: expected DISABLED, PREFERRED, REQUIRED, "
			    "VERIFY_CA or VERIFY_IDENTITY",
			    text);
}

static int apply_option(my_params *p, const char *key, const char *value)
{
	if (strcmp(key, "unix_socket") == 0)
		return dup_opt(&p->socket, value);
	if (strcmp(key, "charset") == 0) {
		/* Batches hold UTF-8 text: only the UTF-8 character sets make sense. */
		if (strcasecmp(value, "utf8mb4") && strcasecmp(value, "utf8mb3") &&
		    strcasecmp(value, "utf8"))
			return sl_error_set(
				SL_EURL,
				"MySQL URL option charset=%s: sluice reads text as UTF-8; "
				"use utf8mb4 (default) or utf8mb3",
				value);
		free(p->charset);
		p->charset = NULL;
		return dup_opt(&p->charset, value);
	}
	if (strcmp(key, "ssl_mode") == 0)
		return parse_ssl_mode(&p->ssl_mode, value);
	if (strcmp(key, "ssl_ca") == 0)
		return dup_opt(&p->ssl_ca, value);
	if (strcmp(key, "ssl_cert") == 0)
		return dup_opt(&p->ssl_cert, value);
	if (strcmp(key, "ssl_key") == 0)
		return dup_opt(&p->ssl_key, value);
	if (strcmp(key, "connect_timeout") == 0)
		return sl_url_option_seconds(&p->connect_timeout, "MySQL", key, value);
	if (strcmp(key, "read_timeout") == 0)
		return sl_url_option_seconds(&p->read_timeout, "MySQL", key, value);
	if (strcmp(key, "max_statement_time") == 0)
		return parse_statement_time(&p->max_statement_time, value);
	return sl_error_set(SL_EURL,
			    "unknown MySQL URL option '%s' (known: unix_socket, charset, ssl_mode, "
			    "ssl_ca, ssl_cert, ssl_key, connect_timeout, read_timeout, "
			    "max_statement_time)",
			    key);
}

static int params_from_url(my_params *p, const sl_url *url)
{
	memset(p, 0, sizeof(*p));
	p->port = url->port > 0 ? (unsigned)url->port : 0;
	p->connect_timeout = SL_CONNECT_TIMEOUT;
	p->read_timeout = SL_READ_TIMEOUT;
	int rc = dup_opt(&p->host, url->host);
	if (!rc)
		rc = dup_opt(&p->user, url->user);
	if (!rc)
		rc = dup_opt(&p->password, url->password);
	if (!rc && url->database && url->database[0])
		rc = dup_opt(&p->database, url->database);
	if (!rc)
		rc = dup_opt(&p->charset, "utf8mb4");
	for (size_t i = 0; !rc && i < url->noptions; i++)
		rc = apply_option(p, url->options[i].key, url->options[i].value);
	return rc;
}

static bool uses_socket(const my_params *p)
{
	return !p->host || strcmp(p->host, "localhost") == 0;
}

static void describe_where(my_conn *c)
{
	const my_params *p = &c->p;
	if (uses_socket(p))
		snprintf(c->s.where, sizeof(c->s.where), "localhost (socket %s)",
			 p->socket ? p->socket : "default");
	else if (strchr(p->host, ':'))
		snprintf(c->s.where, sizeof(c->s.where), "[%s]:%u", p->host,
			 p->port ? p->port : MY_DEFAULT_PORT);
	else
		snprintf(c->s.where, sizeof(c->s.where), "%s:%u", p->host,
			 p->port ? p->port : MY_DEFAULT_PORT);
}

static void set_ssl_options(MYSQL *db, const my_params *p)
{
	/* per ssl_mode: enforce TLS, verify the server's certificate (libmariadb checks the chain
	   and the host name together); -1 leaves libmariadb's default */
	static const struct {
		signed char enforce, verify;
	} modes[] = {
		[MY_SSL_DEFAULT] = {-1, -1},  [MY_SSL_DISABLED] = {0, 0},
		[MY_SSL_PREFERRED] = {-1, 0}, [MY_SSL_REQUIRED] = {1, 0},
		[MY_SSL_VERIFY_CA] = {1, 1},  [MY_SSL_VERIFY_IDENTITY] = {1, 1},
	};
	/* PREFERRED sets use_ssl without enforcement: TLS when the server offers it */
	bool files = p->ssl_ca || p->ssl_cert || p->ssl_key;
	if (p->ssl_mode == MY_SSL_PREFERRED || (p->ssl_mode != MY_SSL_DISABLED && files))
		mysql_ssl_set(db, p->ssl_key, p->ssl_cert, p->ssl_ca, NULL, NULL);
	my_bool enforce = modes[p->ssl_mode].enforce == 1, verify = modes[p->ssl_mode].verify == 1;
	if (modes[p->ssl_mode].enforce >= 0)
		mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &enforce);
	if (modes[p->ssl_mode].verify >= 0)
		mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
}

/*
 * libmariadb 3.x connects non-blocking and then reports EINPROGRESS (115) instead of the real
 * cause. To say "Connection refused" or "No route to host", try one plain blocking connect to
 * the same address (only on this failure path, bounded by the connect timeout).
 */
static bool probe_tcp(char *out, size_t size, const my_params *p)
{
	char port[16];
	snprintf(port, sizeof(port), "%u", p->port ? p->port : MY_DEFAULT_PORT);
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	int gai = getaddrinfo(p->host, port, &hints, &res);
	if (gai != 0) {
		snprintf(out, size, "%s", gai_strerror(gai));
		return true;
	}
	int err = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		struct timeval tv = {p->connect_timeout ? (time_t)p->connect_timeout : 10, 0};
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		err = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
		close(fd);
		if (!err)
			break;
	}
	freeaddrinfo(res);
	if (!err)
		return false; /* reachable now: keep libmariadb's own message */
	return strerror_r(err == EINPROGRESS ? ETIMEDOUT : err, out, size) == 0;
}

/* libmariadb ends connect errors with the OS errno in parentheses: "... (111)". */
static bool os_error_text(char *out, size_t size, const char *msg)
{
	const char *open = strrchr(msg, '(');
	if (!open)
		return false;
	char *end;
	errno = 0;
	long e = strtol(open + 1, &end, 10);
	if (errno || end == open + 1 || *end != ')' || e <= 0 || e > 4095)
		return false;
	return strerror_r((int)e, out, size) == 0;
}

static int connect_error(my_conn *c, MYSQL *db)
{
	unsigned no = mysql_errno(db);
	const char *msg = mysql_error(db);
	const char *user = c->p.user ? c->p.user : "";
	switch (no) {
	case 1044: /* ER_DBACCESS_DENIED_ERROR (also for a database that does not exist) */
		return sl_error_set(SL_EAUTH,
				    "access denied for user '%s' to database '%s' on %s (MySQL %u)",
				    user, c->p.database ? c->p.database : "", c->s.where, no);
	case 1045: /* ER_ACCESS_DENIED_ERROR */
	case 1698: /* ER_ACCESS_DENIED_NO_PASSWORD_ERROR */
	case 1251: /* ER_NOT_SUPPORTED_AUTH_MODE */
	case 2059: /* CR_AUTH_PLUGIN_CANNOT_LOAD */
		return sl_error_set(SL_EAUTH, "access denied for user '%s' to %s (MySQL %u)", user,
				    c->s.where, no);
	case 1049: /* ER_BAD_DB_ERROR */
		return sl_error_set(SL_ENOTFOUND, "unknown database '%s' on %s (MySQL %u)",
				    c->p.database ? c->p.database : "", c->s.where, no);
	default:
		break;
	}
	char os[256];
	if ((no == 2002 || no == 2003) && !uses_socket(&c->p) && strstr(msg, "(115)") &&
	    probe_tcp(os, sizeof(os), &c->p))
		return sl_error_set(SL_ECONNECT, "cannot connect to MySQL at %s: %s", c->s.where,
				    os);
	if (no >= 2000 && no < 3000 && os_error_text(os, sizeof(os), msg))
		return sl_error_set(SL_ECONNECT, "cannot connect to MySQL at %s: %s", c->s.where,
				    os);
	if (no >= 2000 && no < 3000)
		return sl_error_set(SL_ECONNECT, "cannot connect to MySQL at %s: %s (MySQL %u)",
				    c->s.where, msg, no);
	return sl_error_set(SL_ESOURCE, "connecting to MySQL at %s: %s (MySQL %u)", c->s.where, msg,
			    no);
}

/* The server ends statements that run longer: MariaDB's max_statement_time (seconds, any
   statement), MySQL's max_execution_time (milliseconds, SELECT only). */
static int set_statement_time(my_conn *c)
{
	char sql[96];
	if (c->p.max_statement_time <= 0)
		return SL_OK;
	if (c->is_mariadb)
		snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %.6f",
			 c->p.max_statement_time);
	else
		snprintf(sql, sizeof(sql), "SET SESSION max_execution_time = %.0f",
			 ceil(c->p.max_statement_time * 1000));
	if (mysql_query(c->db, sql) != 0)
		return sl_error_set(SL_ESOURCE, "MySQL at %s: %s: %s (MySQL %u)", c->s.where, sql,
				    mysql_error(c->db), mysql_errno(c->db));
	return SL_OK;
}

static int session_setup(sl_session *base)
{
	my_conn *c = (my_conn *)base;
	char sql[128];
	unsigned wt =
		c->p.read_timeout > MY_NET_WRITE_TIMEOUT ? c->p.read_timeout : MY_NET_WRITE_TIMEOUT;
	/* net_write_timeout: the server must keep a paused stream open while a chunk commits. */
	snprintf(sql, sizeof(sql), "SET time_zone = '+00:00', net_write_timeout = %u", wt);
	if (mysql_query(c->db, sql) != 0)
		return sl_error_set(SL_ESOURCE, "MySQL at %s: %s: %s (MySQL %u)", c->s.where, sql,
				    mysql_error(c->db), mysql_errno(c->db));
	/* SET NAMES, and libmariadb learns the charset too (for escaping) */
	if (mysql_set_character_set(c->db, c->p.charset) != 0)
		return sl_error_set(SL_ESOURCE, "MySQL at %s: SET NAMES %s: %s (MySQL %u)",
				    c->s.where, c->p.charset, mysql_error(c->db),
				    mysql_errno(c->db));
	const char *info = mysql_get_server_info(c->db);
	c->is_mariadb = info && strstr(info, "MariaDB") != NULL;
	return set_statement_time(c);
}

/*
 * Whether the peer of `fd` answers PostgreSQL's SSLRequest with its one-byte 'S' or 'N'. A
 * MySQL server speaks first; a PostgreSQL server waits for the client, so a MySQL URL pointed
 * at one meets silence. Asked once, on a connection of its own, after a second of that
 * silence, and given a second at most.
 */
static bool speaks_postgres(int fd, const sl_interrupt *intr)
{
	static const unsigned char ssl_request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	if (getpeername(fd, (struct sockaddr *)&addr, &len) != 0)
		return false;
	int s = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	double deadline = sl_clock() + 1.0;
	unsigned char reply[16];
	ssize_t n = -1;
	if ((connect(s, (struct sockaddr *)&addr, len) == 0 || errno == EINPROGRESS) &&
	    sl_interrupt_poll(intr, s, POLLOUT, deadline) > 0 &&
	    send(s, ssl_request, sizeof(ssl_request), MSG_NOSIGNAL) ==
		    (ssize_t)sizeof(ssl_request) &&
	    sl_interrupt_poll(intr, s, POLLIN, deadline) > 0)
		n = recv(s, reply, sizeof(reply), 0);
	close(s);
	return n == 1 && (reply[0] == 'S' || reply[0] == 'N');
}

/* How a connect ended, besides libmariadb's own success or error. */
typedef enum my_connect_end {
	MY_CONNECT_DONE,	/* libmariadb finished: mysql_errno says how */
	MY_CONNECT_TIMED_OUT,	/* connect_timeout passed */
	MY_CONNECT_INTERRUPTED, /* the run was interrupted */
	MY_CONNECT_POSTGRES	/* the server is a PostgreSQL server */
} my_connect_end;

/* The poll events libmariadb's non-blocking call waits for, and back. */
static short poll_events(int status)
{
	return (short)((status & MYSQL_WAIT_READ ? POLLIN : 0) |
		       (status & MYSQL_WAIT_WRITE ? POLLOUT : 0) |
		       (status & MYSQL_WAIT_EXCEPT ? POLLPRI : 0));
}

/*
 * One wait of a non-blocking connect: until the socket is ready, the deadline, the interrupt,
 * or (before the first byte of a TCP connection) a second of silence that makes us ask whether
 * the server speaks PostgreSQL. Returns the status to resume with; *end says why it gave up.
 */
static int connect_wait(my_conn *c, MYSQL *db, int status, double deadline, bool *asked,
			my_connect_end *end)
{
	int fd = (int)mysql_get_socket(db);
	double until = deadline;
	if (!*asked && (status & MYSQL_WAIT_READ) && !uses_socket(&c->p)) {
		double second = sl_clock() + 1;
		if (deadline == 0 || deadline > second)
			until = second;
	}
	int ready = sl_interrupt_poll(c->s.intr, fd, poll_events(status), until);
	if (ready > 0)
		return status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT);
	if (ready == SL_EINTERRUPTED) {
		*end = MY_CONNECT_INTERRUPTED;
	} else if (until == deadline) {
		*end = MY_CONNECT_TIMED_OUT;
	} else {
		*asked = true;
		if (!speaks_postgres(fd, c->s.intr))
			return 0; /* not that: wait on */
		*end = MY_CONNECT_POSTGRES;
	}
	return MYSQL_WAIT_TIMEOUT; /* makes libmariadb give up the connect */
}

/* Why a connect that did not end in libmariadb's own error failed. */
static int connect_failed(my_conn *c, my_connect_end end)
{
	if (end == MY_CONNECT_INTERRUPTED)
		return sl_error_set(
			SL_EINTERRUPTED,
			"interrupted while connecting to MySQL at %s: nothing was loaded",
			c->s.where);
	if (end == MY_CONNECT_POSTGRES)
		return sl_error_set(SL_ECONNECT,
				    "cannot connect to MySQL at %s: the server there speaks the "
				    "PostgreSQL protocol (a postgresql:// URL?)",
				    c->s.where);
	return sl_error_set(SL_ECONNECT, "cannot connect to MySQL at %s: timed out after %u s",
			    c->s.where, c->p.connect_timeout);
}

/*
 * mysql_real_connect through libmariadb's non-blocking API, so that the waits are ours: one
 * deadline over TCP, TLS and login (libmariadb's connect timeout counts each wait alone, and its
 * blocking connect cannot be interrupted), an eye on the interrupt, and a question for a server
 * that says nothing.
 */
static int connect_nonblocking(my_conn *c, MYSQL *db)
{
	const my_params *p = &c->p;
	double deadline = p->connect_timeout ? sl_clock() + p->connect_timeout : 0;
	my_connect_end end = MY_CONNECT_DONE;
	bool asked = false;
	MYSQL *ret = NULL;
	int status = mysql_real_connect_start(&ret, db, p->host ? p->host : "localhost", p->user,
					      p->password, p->database, p->port, p->socket, 0);
	while (status) {
		int ready = end == MY_CONNECT_DONE
				    ? connect_wait(c, db, status, deadline, &asked, &end)
				    : MYSQL_WAIT_TIMEOUT;
		if (ready)
			status = mysql_real_connect_cont(&ret, db, ready);
	}
	if (ret)
		return SL_OK;
	return end == MY_CONNECT_DONE ? connect_error(c, db) : connect_failed(c, end);
}

/* Notice a vanished peer (host down, connection dropped on the way) in about 2 minutes, however
   long a query may be silent: libmariadb turns keepalives on with the kernel's 2-hour idle. */
static void tune_keepalive(int fd)
{
	int on = 1, idle = 60, interval = 10, count = 6;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

/* The session's ops->connect: a connected, logged in handle and its socket. */
static int my_session_connect(sl_session *base, int *fd)
{
	my_conn *c = (my_conn *)base;
	const my_params *p = &c->p;
	MYSQL *db = mysql_init(NULL);
	if (!db)
		return sl_error_set(SL_ENOMEM, "MySQL: out of memory in mysql_init");
	mysql_options(db, MYSQL_SET_CHARSET_NAME, p->charset);
	mysql_options(db, MYSQL_OPT_NONBLOCK, 0);
	/* each wait of the connect, as a backstop to connect_nonblocking's deadline */
	if (p->connect_timeout)
		mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &p->connect_timeout);
	/* after the connect: how long a read or write may wait (silence, not a query's time) */
	if (p->read_timeout) {
		mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &p->read_timeout);
		mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &p->read_timeout);
	}
	set_ssl_options(db, p);
	int rc = connect_nonblocking(c, db);
	if (rc) {
		mysql_close(db);
		return rc;
	}
	/* libmariadb 3.3 falls back to plain text when the server has no TLS, even when enforced */
	if (p->ssl_mode >= MY_SSL_REQUIRED && !mysql_get_ssl_cipher(db)) {
		mysql_close(db);
		return sl_error_set(SL_ECONNECT,
				    "cannot connect to MySQL at %s: the server does not offer TLS "
				    "(ssl_mode=REQUIRED or stricter)",
				    c->s.where);
	}
	c->db = db;
	c->stalled = false;
	*fd = (int)mysql_get_socket(db);
	if (!uses_socket(p))
		tune_keepalive(*fd);
	return SL_OK;
}

static void my_session_close(sl_session *base)
{
	my_conn *c = (my_conn *)base;
	if (c->db)
		mysql_close(c->db);
	c->db = NULL;
}

static bool my_session_usable(const sl_session *base)
{
	return ((const my_conn *)base)->db != NULL;
}

static void my_session_clear(sl_session *base)
{
	params_clear(&((my_conn *)base)->p);
}

/* ---- queries and their errors --------------------------------------------------------------- */

static bool lost_connection(unsigned no)
{
	return no == 2006 || no == 2013; /* CR_SERVER_GONE_ERROR, CR_SERVER_LOST */
}

/*
 * Whether the call that failed with `no`, errno `err`, ran into read_timeout: libmariadb reports
 * that as a lost connection (2013), or over TLS as a TLS error (2026), its poll having left
 * errno at ETIMEDOUT. A peer that keepalives found dead looks the same, but before the timeout
 * has passed.
 */
static bool timed_out(const my_conn *c, unsigned no, int err)
{
	return (no == 2013 || no == 2026) && err == ETIMEDOUT && c->p.read_timeout > 0 &&
	       sl_clock() - c->waiting_since >= c->p.read_timeout - 0.05;
}

/* `err` is errno right after the call that failed. */
static int query_error(my_conn *c, const char *what, int err)
{
	unsigned no = mysql_errno(c->db);
	c->stalled = timed_out(c, no, err);
	int rc = c->stalled ? sl_error_set(SL_ESOURCE,
					   "MySQL at %s: %s: no data arrived for %u s (URL option "
					   "read_timeout)",
					   c->s.where, what, c->p.read_timeout)
			    : sl_error_set(SL_ESOURCE, "MySQL at %s: %s: %s (MySQL %u)", c->s.where,
					   what, mysql_error(c->db), no);
	if (lost_connection(no)) /* reopen next time */
		sl_session_close(&c->s);
	return rc;
}

/* A metadata query: its text, and where its result goes. */
typedef struct my_meta {
	my_conn *c;
	const sl_buf *sql;
	const char *what;
	MYSQL_RES **out;
} my_meta;

static int meta_try(void *ctx, bool *lost)
{
	my_meta *m = ctx;
	my_conn *c = m->c;
	*lost = false;
	c->waiting_since = sl_clock();
	if (mysql_real_query(c->db, m->sql->data, (unsigned long)m->sql->len) != 0) {
		int err = errno;
		bool gone = lost_connection(mysql_errno(c->db));
		int rc = query_error(c, m->what, err);
		*lost = gone && !c->stalled; /* dropped while idle, not silent */
		return rc;
	}
	*m->out = mysql_store_result(c->db);
	return *m->out ? SL_OK : query_error(c, m->what, errno);
}

/* Run a small metadata query (text protocol, buffered) and hand back its result. */
int sl_my_meta_query(MYSQL_RES **out, my_conn *c, sl_buf *sql, const char *what)
{
	*out = NULL;
	if (sql->failed)
		return sl_error_set(SL_ENOMEM, "out of memory");
	my_meta m = {c, sql, what, out};
	return sl_session_retry(&c->s, meta_try, &m);
}

/* ---- query parameters ----------------------------------------------------------------------- */

static void format_clock(char *out, size_t size, int64_t micros)
{
	const char *sign = micros < 0 ? "-" : "";
	uint64_t u = micros < 0 ? (uint64_t)0 - (uint64_t)micros : (uint64_t)micros;
	uint64_t secs = u / SL_MICROS_PER_SEC;
	snprintf(out, size, "%s%llu:%02u:%02u.%06u", sign, (unsigned long long)(secs / 3600),
		 (unsigned)(secs / 60 % 60), (unsigned)(secs % 60),
		 (unsigned)(u % SL_MICROS_PER_SEC));
}

/* Temporal values as MySQL literals: no "+00" suffix (session time zone is UTC already). */
static char *temporal_text(const sl_value *v)
{
	int64_t y;
	unsigned m, d;
	char clock[48];
	if (v->type == SL_TYPE_DATE) {
		sl_civil_from_days((int32_t)v->as.i64, &y, &m, &d);
		return sl_printf_alloc("%04lld-%02u-%02u", (long long)y, m, d);
	}
	if (v->type == SL_TYPE_INTERVAL || v->type == SL_TYPE_TIME) {
		int64_t us = v->type == SL_TYPE_TIME
				     ? v->as.i64
				     : v->as.iv.micros + v->as.iv.days * SL_MICROS_PER_DAY;
		format_clock(clock, sizeof(clock), us);
		return sl_strdup(clock);
	}
	int64_t days = sl_floor_div(v->as.i64, SL_MICROS_PER_DAY);
	sl_civil_from_days((int32_t)days, &y, &m, &d);
	format_clock(clock, sizeof(clock), v->as.i64 - days * SL_MICROS_PER_DAY);
	return sl_printf_alloc("%04lld-%02u-%02u %s", (long long)y, m, d, clock);
}

/* The type a string parameter is CAST to so it compares as the column's type; "" for none. */
static void cast_for(char *out, size_t size, const sl_column *col, sl_type vt)
{
	unsigned p = 0, s = 0;
	out[0] = '\0';
	switch (vt) {
	case SL_TYPE_DECIMAL:
		snprintf(out, size, "DECIMAL(%d,%d)", col->precision, col->scale);
		break;
	case SL_TYPE_DATE:
		snprintf(out, size, "DATE");
		break;
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		snprintf(out, size, "DATETIME(6)");
		break;
	case SL_TYPE_TIME:
	case SL_TYPE_INTERVAL:
		snprintf(out, size, "TIME(6)");
		break;
	case SL_TYPE_TEXT: /* a DECIMAL wider than 38 digits, loaded as text */
		if (col->source_type && sscanf(col->source_type, "decimal(%u,%u)", &p, &s) == 2)
			snprintf(out, size, "DECIMAL(%u,%u)", p, s);
		break;
	default:
		break;
	}
}

/* The parameter of a value that is not NULL: numbers as such, the rest as text. */
static int set_param(sl_sql_param *p, const sl_value *v)
{
	if (sl_sql_param_number(p, v))
		return SL_OK;
	switch (v->type) {
	case SL_TYPE_TEXT:
	case SL_TYPE_JSON:
		return sl_sql_param_bytes(p, SL_PARAM_TEXT, v->bytes, v->len);
	case SL_TYPE_BLOB:
		return sl_sql_param_bytes(p, SL_PARAM_BLOB, v->bytes, v->len);
	case SL_TYPE_DATE:
	case SL_TYPE_TIME:
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
	case SL_TYPE_INTERVAL:
		return sl_sql_param_text(p, temporal_text(v));
	default:
		return sl_sql_param_text(p, sl_value_to_text(v));
	}
}

/* A placeholder for `v` (compared with column `col`), cast where text must compare as the
   column's type, and its parameter. */
static int my_put_value(sl_scan_sql *r, const sl_column *col, const sl_value *v)
{
	sl_sql_param *p = sl_scan_sql_param(r);
	int rc = !p ? SL_ENOMEM : v->is_null ? SL_OK : set_param(p, v);
	if (rc)
		return rc;
	char cast[64];
	cast_for(cast, sizeof(cast), col, v->type);
	if (p->type == SL_PARAM_TEXT && cast[0])
		sl_buf_printf(&r->sql, "CAST(? AS %s)", cast);
	else
		sl_buf_putc(&r->sql, '?');
	return SL_OK;
}

/* ---- rendering a scan plan ------------------------------------------------------------------ */

/* A statement being rendered, with the index that gives its ORDER BY (or NULL). */
typedef struct my_sql {
	sl_scan_sql base;
	const char *index;
} my_sql;

static void my_put_index_hint(sl_scan_sql *r)
{
	const char *index = ((my_sql *)r)->index;
	if (!index)
		return;
	sl_buf_puts(&r->sql, " FORCE INDEX FOR ORDER BY (");
	sl_scan_sql_ident(r, index);
	sl_buf_putc(&r->sql, ')');
}

static const sl_scan_dialect my_dialect = {
	.quote = '`',
	.put_value = my_put_value,
	.put_index_hint = my_put_index_hint,
};

/* ---- starting a scan ------------------------------------------------------------------------ */

static my_conn *conn_of(const my_scan *s)
{
	return (my_conn *)s->base.session;
}

/* Call right after the call that failed: errno says whether it ran into read_timeout. */
static int stmt_error(my_scan *s, const char *what)
{
	int err = errno;
	my_conn *c = conn_of(s);
	unsigned no = mysql_stmt_errno(s->stmt);
	const char *msg = mysql_stmt_error(s->stmt);
	const sl_table_schema *t = s->base.table;
	const char *db = t->database ? t->database : "";
	if (no == 0 && c->db) {
		no = mysql_errno(c->db);
		msg = mysql_error(c->db);
	}
	c->stalled = timed_out(c, no, err);
	if (c->stalled)
		return sl_error_set(SL_ESOURCE,
				    "MySQL at %s: %s %s.%s: no data arrived for %u s (URL option "
				    "read_timeout)",
				    c->s.where, what, db, t->name, c->p.read_timeout);
	if (no == 0) /* libmariadb reports a stream cut short (KILL, server gone) without a code */
		return sl_error_set(SL_ESOURCE,
				    "MySQL at %s: %s %s.%s: the connection broke off (query killed "
				    "or server gone)",
				    c->s.where, what, db, t->name);
	int code = no == 1146 ? SL_ENOTFOUND : SL_ESOURCE; /* ER_NO_SUCH_TABLE */
	return sl_error_set(code, "MySQL at %s: %s %s.%s: %s (MySQL %u)", c->s.where, what, db,
			    t->name, msg, no);
}

/* Prepare the result buffers from the statement's metadata and the target types. */
static int setup_columns(my_scan *s, const sl_table_schema *shape, size_t seen_flags)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(s->stmt);
	if (!meta)
		return stmt_error(s, "reading result metadata of");
	s->base.ncols = mysql_num_fields(meta);
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	int rc = SL_OK;
	if (s->base.ncols != shape->ncolumns + seen_flags)
		rc = sl_error_set(SL_ESOURCE, "MySQL: %s returned %zu columns, expected %zu",
				  shape->name, s->base.ncols, shape->ncolumns + seen_flags);
	s->cols = rc ? NULL : sl_calloc(s->base.ncols, sizeof(*s->cols));
	s->binds = rc ? NULL : sl_calloc(s->base.ncols, sizeof(*s->binds));
	if (!rc && (!s->cols || !s->binds))
		rc = SL_ENOMEM;
	size_t total = 0;
	for (size_t i = 0; !rc && i < s->base.ncols; i++) {
		my_col *mc = &s->cols[i];
		sl_my_stage_of(mc, fields[i].type, fields[i].flags, fields[i].length);
		bool extra = i >= shape->ncolumns;
		mc->target = extra ? SL_TYPE_BOOL : shape->columns[i].type;
		mc->precision = extra ? 0 : shape->columns[i].precision;
		mc->scale = extra ? 0 : shape->columns[i].scale;
		mc->null_is_false = extra;
		total += mc->cap;
		if (!sl_my_stage_fits(mc))
			rc = sl_error_set(
				SL_ETYPE,
				"MySQL: column %s.%s (MySQL type %d) cannot be read as %s",
				shape->name, extra ? "(seen flag)" : shape->columns[i].name,
				(int)fields[i].type, sl_type_name(mc->target));
	}
	mysql_free_result(meta);
	if (rc)
		return rc;
	s->bytes = total ? sl_malloc(total) : NULL;
	if (total && !s->bytes)
		return SL_ENOMEM;
	for (size_t i = 0, off = 0; i < s->base.ncols; i++) {
		s->cols[i].buf = s->cols[i].cap ? s->bytes + off : NULL;
		off += s->cols[i].cap;
		sl_my_bind_col(&s->binds[i], &s->cols[i]);
	}
	if (mysql_stmt_bind_result(s->stmt, s->binds))
		return stmt_error(s, "binding the result of");
	return SL_OK;
}

static enum enum_field_types param_type(sl_sql_param_type t)
{
	switch (t) {
	case SL_PARAM_INT:
	case SL_PARAM_UINT:
		return MYSQL_TYPE_LONGLONG;
	case SL_PARAM_DOUBLE:
		return MYSQL_TYPE_DOUBLE;
	case SL_PARAM_TEXT:
		return MYSQL_TYPE_STRING;
	case SL_PARAM_BLOB:
		return MYSQL_TYPE_BLOB;
	default:
		return MYSQL_TYPE_NULL;
	}
}

/* Bind the rendered parameters; *out holds their descriptions, which libmariadb reads (the
   lengths) until the statement executes: the caller frees it after. */
static int bind_params(MYSQL_BIND **out, my_scan *s, const sl_scan_sql *q)
{
	*out = NULL;
	if (mysql_stmt_param_count(s->stmt) != q->nparams)
		return sl_error_set(SL_ESOURCE, "MySQL: statement has %lu parameters, bound %zu",
				    mysql_stmt_param_count(s->stmt), q->nparams);
	if (!q->nparams)
		return SL_OK;
	MYSQL_BIND *b = *out = sl_calloc(q->nparams, sizeof(*b));
	if (!b)
		return SL_ENOMEM;
	for (size_t i = 0; i < q->nparams; i++) {
		sl_sql_param *p = &q->params[i];
		b[i].buffer_type = param_type(p->type);
		b[i].is_unsigned = p->type == SL_PARAM_UINT;
		if (p->bytes) {
			b[i].buffer = p->bytes;
			b[i].buffer_length = (unsigned long)p->len;
			b[i].length = &b[i].buffer_length;
		} else if (p->type != SL_PARAM_NULL) {
			b[i].buffer = p->type == SL_PARAM_DOUBLE ? (void *)&p->d : (void *)&p->i;
			b[i].buffer_length = 8;
		}
	}
	return mysql_stmt_bind_param(s->stmt, b) ? stmt_error(s, "binding parameters of") : SL_OK;
}

static void scan_free(sl_session_scan *scan)
{
	my_scan *s = (my_scan *)scan;
	if (s->stmt)
		mysql_stmt_close(s->stmt);
	free(s->cols);
	free(s->binds);
	free(s->bytes);
	free(s);
}

/* The session's ops->start: prepare and execute `q` unbuffered, its rows to decode as `shape`
   (plus `seen_flags` BOOL columns). */
static int my_start(sl_session_scan **out, sl_session *base, const sl_scan_sql *q,
		    const sl_table_schema *shape, size_t seen_flags, bool *lost)
{
	my_conn *c = (my_conn *)base;
	*out = NULL;
	*lost = false;
	my_scan *s = sl_session_scan_new(sizeof(*s), base, shape);
	if (!s)
		return SL_ENOMEM;
	s->stmt = mysql_stmt_init(c->db);
	if (!s->stmt) {
		free(s);
		return sl_error_set(SL_ENOMEM, "MySQL: out of memory in mysql_stmt_init");
	}
	/* No server-side cursor: rows stream as the server produces them, read one by one. */
	unsigned long cursor = CURSOR_TYPE_NO_CURSOR;
	my_bool no_max = 0;
	mysql_stmt_attr_set(s->stmt, STMT_ATTR_CURSOR_TYPE, &cursor);
	mysql_stmt_attr_set(s->stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &no_max);
	c->waiting_since = sl_clock();
	int rc = SL_OK;
	MYSQL_BIND *params = NULL;
	if (mysql_stmt_prepare(s->stmt, q->sql.data, (unsigned long)q->sql.len))
		rc = stmt_error(s, "preparing a query on");
	if (!rc)
		rc = setup_columns(s, shape, seen_flags);
	if (!rc)
		rc = bind_params(&params, s, q);
	if (!rc && mysql_stmt_execute(s->stmt))
		rc = stmt_error(s, "querying");
	free(params);
	if (rc) {
		*lost = !c->stalled && (lost_connection(mysql_stmt_errno(s->stmt)) ||
					lost_connection(mysql_errno(c->db)));
		scan_free(&s->base);
		if (c->stalled) /* libmariadb gave the session up */
			sl_session_close(&c->s);
		return rc;
	}
	*out = &s->base;
	return SL_OK;
}

static int my_scan_open(sl_scan **out, sl_source_conn *conn, const sl_scan_plan *plan)
{
	my_conn *c = (my_conn *)conn;
	*out = NULL;
	int rc = sl_session_ready(&c->s);
	if (rc)
		return rc;
	char *index;
	rc = sl_my_ordering_index(&index, c, plan);
	if (rc)
		return rc;
	my_sql q = {.index = index};
	sl_scan_sql_init(&q.base, &my_dialect, plan->table);
	rc = sl_scan_sql_plan(&q.base, plan);
	sl_session_scan *s = NULL;
	if (!rc)
		rc = sl_session_scan_start(&s, &c->s, &q.base, plan->table, plan->seen_pk ? 1 : 0);
	sl_scan_sql_free(&q.base);
	free(index);
	if (!rc)
		s->limit = plan->limit;
	*out = rc ? NULL : &s->base;
	return rc;
}

/* ---- reading rows --------------------------------------------------------------------------- */

/* The rest of a long value, from the server. */
static int fetch_tail(void *ctx, size_t c, char *dst, unsigned long len, unsigned long offset)
{
	my_scan *s = ctx;
	unsigned long got = 0;
	MYSQL_BIND tail = {0};
	tail.buffer_type = MYSQL_TYPE_BLOB;
	tail.buffer = dst;
	tail.buffer_length = len;
	tail.length = &got;
	if (mysql_stmt_fetch_column(s->stmt, &tail, (unsigned)c, offset))
		return stmt_error(s, "fetching a long value of");
	return SL_OK;
}

static int decode_row(my_scan *s, sl_batch *b, size_t row)
{
	const sl_table_schema *t = s->base.table;
	my_col *cols = s->cols;
	for (size_t c = 0, n = s->base.ncols; c < n; c++) {
		int rc = sl_my_decode_value(&cols[c], b, c, row, fetch_tail, s);
		if (rc == SL_ETYPE)
			return sl_error_wrap("MySQL: column %s.%s", t->name,
					     c < t->ncolumns ? t->columns[c].name : "(seen flag)");
		if (rc)
			return rc;
	}
	return SL_OK;
}

/* Move the per-column counts of NULLed dates into the connection's warnings. */
static void note_bad_dates(sl_session_scan *scan)
{
	my_scan *s = (my_scan *)scan;
	const sl_table_schema *t = s->base.table;
	for (size_t c = 0; c < s->base.ncols && c < t->ncolumns; c++) {
		if (!s->cols[c].bad_dates)
			continue;
		sl_warnings_add(&scan->session->warnings, t->name, t->columns[c].name,
				"zero or invalid dates loaded as NULL", true, s->cols[c].bad_dates);
		s->cols[c].bad_dates = 0;
	}
}

static int my_scan_next(sl_scan *scan, sl_batch *batch)
{
	my_scan *s = (my_scan *)scan;
	int rc = sl_session_scan_check(&s->base, batch);
	if (rc)
		return rc > 0 ? 0 : rc;
	size_t added = 0;
	conn_of(s)->waiting_since = sl_clock();
	while (batch->nrows < batch->capacity) {
		int f = mysql_stmt_fetch(s->stmt);
		if (f == MYSQL_NO_DATA) {
			s->base.exhausted = true;
			break;
		}
		if (f != 0 && f != MYSQL_DATA_TRUNCATED) {
			s->base.failed = true;
			return stmt_error(s, "reading");
		}
		rc = decode_row(s, batch, batch->nrows);
		if (rc) {
			s->base.failed = true;
			return rc;
		}
		batch->nrows++;
		added++;
	}
	note_bad_dates(&s->base);
	s->base.rows += added;
	return (int)added;
}

/* The session's ops->drain: after the LIMIT's last row only the end of the result may come. */
static int drain(sl_session_scan *scan)
{
	my_scan *s = (my_scan *)scan;
	conn_of(s)->waiting_since = sl_clock();
	int f = mysql_stmt_fetch(s->stmt);
	if (f == MYSQL_NO_DATA)
		return SL_OK;
	if (f != 0 && f != MYSQL_DATA_TRUNCATED)
		return stmt_error(s, "reading");
	return sl_error_set(SL_ESOURCE, "MySQL: %s: a row after the last row of the LIMIT",
			    scan->table->name);
}

/* ---- stats ---------------------------------------------------------------------------------- */

static int render_stats(sl_scan_sql *q, int cursor, bool descending, const sl_value *after)
{
	sl_buf *sql = &q->sql;
	sl_buf_puts(sql, "SELECT ");
	if (cursor >= 0) {
		sl_buf_puts(sql, descending ? "MIN(" : "MAX(");
		sl_scan_sql_column(q, (size_t)cursor);
		sl_buf_puts(sql, "), ");
	}
	sl_buf_puts(sql, "COUNT(*), ");
	int rc = SL_OK;
	if (cursor >= 0 && after) {
		sl_buf_puts(sql, "COUNT(CASE WHEN ");
		rc = sl_scan_sql_compare(q, (size_t)cursor, descending ? SL_SQL_LT : SL_SQL_GT,
					 after);
		sl_buf_puts(sql, " THEN 1 END)");
	} else {
		sl_buf_puts(sql, "NULL");
	}
	sl_buf_puts(sql, " FROM ");
	sl_scan_sql_table(q);
	return sl_scan_sql_done(q, rc);
}

/* ---- the driver ---- */

static const sl_session_ops my_session_ops = {
	.dbms = "MySQL",
	.connect = my_session_connect,
	.setup = session_setup,
	.close = my_session_close,
	.usable = my_session_usable,
	.clear = my_session_clear,
	.dialect = &my_dialect,
	.render_stats = render_stats,
	.start = my_start,
	.drain = drain,
	.note = note_bad_dates,
	.scan_free = scan_free,
};

static int my_connect(sl_source_conn **out, const sl_url *url, sl_interrupt *intr)
{
	*out = NULL;
	my_conn *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	sl_session_init(&c->s, &sl_mysql_source, &my_session_ops, intr);
	int rc = params_from_url(&c->p, url);
	if (!rc)
		describe_where(c);
	return sl_session_connect(out, &c->s, rc);
}

const sl_source_driver sl_mysql_source = {
	.head = {SL_SOURCE_DRIVER_VERSION, "mysql",
		 (const char *const[]){"mysql", "mariadb", NULL}},
	.connect = my_connect,
	.disconnect = sl_session_disconnect,
	.reflect = sl_my_reflect,
	.scan_open = my_scan_open,
	.scan_next = my_scan_next,
	.scan_close = sl_session_scan_close,
	.stats = sl_session_stats,
	.warnings = sl_session_warnings,
	.clear_warnings = sl_session_clear_warnings,
	.list_tables = sl_my_list_tables,
};
