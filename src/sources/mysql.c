/*
 * mysql.c — the MySQL/MariaDB source driver (libmariadb).
 *
 * Reflection reads information_schema. Scans use the binary protocol only: a prepared statement,
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
 * go away and stops the query), and the connection is reopened lazily by the next call.
 */
#define _POSIX_C_SOURCE 200809L

#include "drivers.h"
#include "mysql_value.h"
#include "scan_sql.h"
#include "session.h"
#include "warnings.h"

#include <errno.h>
#include <limits.h>
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
#define MY_BYTES_MIN	     64		 /* smallest bound buffer of a string/blob column */
#define MY_BYTES_MAX	     (16 * 1024) /* larger values are fetched with mysql_stmt_fetch_column */
#define MY_NET_WRITE_TIMEOUT 3600 /* seconds the server waits on us while we commit a chunk */

/* ---- connection ----------------------------------------------------------------------------- */

enum my_ssl_mode {
	MY_SSL_DEFAULT,
	MY_SSL_DISABLED,
	MY_SSL_PREFERRED,
	MY_SSL_REQUIRED,
	MY_SSL_VERIFY_CA,
	MY_SSL_VERIFY_IDENTITY
};

/* What it takes to (re)open the session; kept because an abandoned scan closes the session. */
typedef struct my_params {
	char *host;	/* NULL: localhost through the unix socket */
	unsigned port;	/* 0: default */
	char *user;	/* NULL: libmariadb's default (the login name) */
	char *password; /* NULL: none; wiped when the connection is freed */
	char *database; /* NULL: none selected */
	char *socket;	/* unix_socket option, or NULL */
	char *charset;	/* utf8mb4 unless the URL says utf8/utf8mb3 */
	char *ssl_ca, *ssl_cert, *ssl_key;
	enum my_ssl_mode ssl_mode;
	unsigned connect_timeout;  /* seconds for the whole connect, 0: no limit */
	unsigned read_timeout;	   /* seconds of silence while waiting for the server, 0: none */
	double max_statement_time; /* seconds per statement, 0: the server's */
} my_params;

typedef struct my_conn {
	sl_session s; /* where: "127.0.0.1:3306" or "localhost (socket ...)" */
	my_params p;
	MYSQL *db;	      /* NULL after an abandoned scan: reopened by the next call */
	double waiting_since; /* when the current call to the server began (read timeouts) */
	bool stalled;	      /* the last call ran into read_timeout: do not reconnect for it */
	bool is_mariadb;      /* MariaDB has CHECK_CONSTRAINTS.TABLE_NAME and JSON as LONGTEXT */
} my_conn;

static void params_clear(my_params *p)
{
	char *owned[] = {p->host,    p->user,	p->database, p->socket,
			 p->charset, p->ssl_ca, p->ssl_cert, p->ssl_key};
	for (size_t i = 0; i < SL_ARRAY_LEN(owned); i++)
		free(owned[i]);
	sl_wipe_free(p->password);
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
	my_bool on = 1, off = 0;
	if (p->ssl_mode != MY_SSL_DISABLED && (p->ssl_ca || p->ssl_cert || p->ssl_key))
		mysql_ssl_set(db, p->ssl_key, p->ssl_cert, p->ssl_ca, NULL, NULL);
	switch (p->ssl_mode) {
	case MY_SSL_DEFAULT:
		break;
	case MY_SSL_DISABLED:
		mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &off);
		mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
		break;
	case MY_SSL_PREFERRED:
		/* use_ssl without enforcement: TLS when the server offers it */
		mysql_ssl_set(db, p->ssl_key, p->ssl_cert, p->ssl_ca, NULL, NULL);
		mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
		break;
	case MY_SSL_REQUIRED:
		mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &on);
		mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
		break;
	case MY_SSL_VERIFY_CA:
	case MY_SSL_VERIFY_IDENTITY:
		/* libmariadb checks the chain and the host name together */
		mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &on);
		mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
		break;
	}
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

static const sl_session_ops my_session_ops = {
	.dbms = "MySQL",
	.connect = my_session_connect,
	.setup = session_setup,
	.close = my_session_close,
	.usable = my_session_usable,
	.clear = my_session_clear,
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

/* ---- reflection ----------------------------------------------------------------------------- */

/* Append 'text' as a string literal escaped for the session's character set and SQL mode. */
static void put_literal(sl_buf *sql, MYSQL *db, const char *text)
{
	size_t len = strlen(text);
	char *tmp = sl_malloc(2 * len + 1);
	if (!tmp) {
		sql->failed = true;
		return;
	}
	unsigned long n = mysql_real_escape_string(db, tmp, text, (unsigned long)len);
	sl_buf_putc(sql, '\'');
	sl_buf_append(sql, tmp, n);
	sl_buf_putc(sql, '\'');
	free(tmp);
}

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
static int meta_query(MYSQL_RES **out, my_conn *c, sl_buf *sql, const char *what)
{
	*out = NULL;
	if (sql->failed)
		return sl_error_set(SL_ENOMEM, "out of memory");
	my_meta m = {c, sql, what, out};
	return sl_session_retry(&c->s, meta_try, &m);
}

static long field_long(const char *s, long fallback)
{
	if (!s)
		return fallback;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v > INT_MAX || v < INT_MIN)
		return fallback;
	return (long)v;
}

typedef struct my_coldef {
	const char *name, *data_type, *column_type;
	long precision, scale, dt_precision, char_len;
	bool nullable, is_json;
} my_coldef;

/* How a DATA_TYPE maps when nothing but the sign matters; `extra` says what else to copy. */
enum {
	MAP_PLAIN,
	MAP_FSP,
	MAP_LENGTH
};

static const struct {
	const char *name;
	sl_type type, utype; /* signed / UNSIGNED */
	int extra;	     /* MAP_FSP: DATETIME_PRECISION; MAP_LENGTH: declared length */
} simple_types[] = {
	{"tinyint", SL_TYPE_INT8, SL_TYPE_UINT8, MAP_PLAIN},
	{"smallint", SL_TYPE_INT16, SL_TYPE_UINT16, MAP_PLAIN},
	{"mediumint", SL_TYPE_INT32, SL_TYPE_UINT32, MAP_PLAIN},
	{"int", SL_TYPE_INT32, SL_TYPE_UINT32, MAP_PLAIN},
	{"integer", SL_TYPE_INT32, SL_TYPE_UINT32, MAP_PLAIN},
	{"bigint", SL_TYPE_INT64, SL_TYPE_UINT64, MAP_PLAIN},
	{"float", SL_TYPE_FLOAT, SL_TYPE_FLOAT, MAP_PLAIN},
	{"double", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, MAP_PLAIN},
	{"double precision", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, MAP_PLAIN},
	{"real", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, MAP_PLAIN},
	{"year", SL_TYPE_INT16, SL_TYPE_INT16, MAP_PLAIN},
	{"date", SL_TYPE_DATE, SL_TYPE_DATE, MAP_PLAIN},
	{"datetime", SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMP, MAP_FSP},
	/* TIMESTAMP values arrive in UTC: the session's time_zone is +00:00 */
	{"timestamp", SL_TYPE_TIMESTAMPTZ, SL_TYPE_TIMESTAMPTZ, MAP_FSP},
	/* TIME is a signed duration up to 838 hours: DuckDB's TIME cannot hold it */
	{"time", SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, MAP_FSP},
	{"json", SL_TYPE_JSON, SL_TYPE_JSON, MAP_PLAIN},
	{"char", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"varchar", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"tinytext", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"text", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"mediumtext", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"longtext", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"enum", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"set", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_LENGTH},
	{"uuid", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_PLAIN},
	{"inet4", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_PLAIN},
	{"inet6", SL_TYPE_TEXT, SL_TYPE_TEXT, MAP_PLAIN},
	{"binary", SL_TYPE_BLOB, SL_TYPE_BLOB, MAP_LENGTH},
	{"varbinary", SL_TYPE_BLOB, SL_TYPE_BLOB, MAP_LENGTH},
	{"tinyblob", SL_TYPE_BLOB, SL_TYPE_BLOB, MAP_LENGTH},
	{"blob", SL_TYPE_BLOB, SL_TYPE_BLOB, MAP_LENGTH},
	{"mediumblob", SL_TYPE_BLOB, SL_TYPE_BLOB, MAP_LENGTH},
	{"longblob", SL_TYPE_BLOB, SL_TYPE_BLOB, MAP_LENGTH},
};

/* Map one information_schema column to a portable type; *note gets a warning or NULL. */
static void map_type(const my_coldef *d, sl_type *type, int *precision, int *scale,
		     const char **note)
{
	const char *t = d->data_type;
	*precision = 0;
	*scale = 0;
	*note = NULL;
	if (d->is_json) {
		*type = SL_TYPE_JSON;
	} else if (strcmp(t, "tinyint") == 0 && strncmp(d->column_type, "tinyint(1)", 10) == 0) {
		*type = SL_TYPE_BOOL; /* BOOL is TINYINT(1); values other than 0 become true */
	} else if (strcmp(t, "bit") == 0) {
		*type = d->precision == 1 ? SL_TYPE_BOOL : SL_TYPE_UINT64;
	} else if (strcmp(t, "decimal") == 0 || strcmp(t, "numeric") == 0) {
		/* DuckDB stops at 38 digits: wider decimals keep their exact digits as text */
		*type = d->precision >= 1 && d->precision <= 38 ? SL_TYPE_DECIMAL : SL_TYPE_TEXT;
		if (*type == SL_TYPE_DECIMAL) {
			*precision = (int)d->precision;
			*scale = (int)d->scale;
		}
	} else {
		for (size_t i = 0; i < SL_ARRAY_LEN(simple_types); i++) {
			if (strcmp(t, simple_types[i].name) != 0)
				continue;
			bool is_unsigned = strstr(d->column_type, "unsigned") != NULL;
			*type = is_unsigned ? simple_types[i].utype : simple_types[i].type;
			if (simple_types[i].extra == MAP_FSP)
				*precision = d->dt_precision > 0 && d->dt_precision <= 6
						     ? (int)d->dt_precision
						     : 0;
			else if (simple_types[i].extra == MAP_LENGTH)
				*precision = d->char_len > 0 ? (int)d->char_len : 0;
			return;
		}
		*type = SL_TYPE_BLOB;
		*note = "has no portable type; loaded as BLOB (the server's binary form)";
	}
}

static char *json_clause(const char *col)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "json_valid(");
	sl_buf_quote_ident(&b, col, '`');
	sl_buf_putc(&b, ')');
	return sl_buf_detach(&b);
}

/* MariaDB's JSON is LONGTEXT plus CHECK (json_valid(`col`)) named after the column. */
static bool mariadb_is_json(MYSQL_RES *checks, const char *col)
{
	if (!checks)
		return false;
	char *want = json_clause(col);
	bool found = false;
	mysql_data_seek(checks, 0);
	MYSQL_ROW r;
	while (want && !found && (r = mysql_fetch_row(checks)))
		found = r[0] && strcmp(r[0], want) == 0;
	free(want);
	return found;
}

static void where_table(sl_buf *sql, MYSQL *db, const char *schema_col, const char *dbname,
			const char *table)
{
	sl_buf_printf(sql, " WHERE %s = ", schema_col);
	put_literal(sql, db, dbname);
	sl_buf_puts(sql, " AND TABLE_NAME = ");
	put_literal(sql, db, table);
}

/* `select` (an information_schema query without WHERE) for one table, then `tail` (ORDER BY ...,
   or ""), as a stored result. */
static int table_meta_query(MYSQL_RES **out, my_conn *c, const char *select, const char *schema_col,
			    const char *dbname, const char *table, const char *tail,
			    const char *what)
{
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, select);
	where_table(&sql, c->db, schema_col, dbname, table);
	sl_buf_puts(&sql, tail);
	char doing[400];
	snprintf(doing, sizeof(doing), "%s of %s.%s", what, dbname, table);
	int rc = meta_query(out, c, &sql, doing);
	sl_buf_free(&sql);
	return rc;
}

static int load_checks(MYSQL_RES **out, my_conn *c, const char *dbname, const char *table)
{
	*out = NULL;
	if (!c->is_mariadb)
		return SL_OK;
	return table_meta_query(
		out, c, "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS",
		"CONSTRAINT_SCHEMA", dbname, table, "", "reading check constraints");
}

static int add_columns(my_conn *c, sl_table_schema *s, MYSQL_RES *cols, MYSQL_RES *checks)
{
	MYSQL_ROW r;
	while ((r = mysql_fetch_row(cols))) {
		my_coldef d = {
			.name = r[0],
			.data_type = r[1] ? r[1] : "",
			.column_type = r[2] ? r[2] : "",
			.precision = field_long(r[3], 0),
			.scale = field_long(r[4], 0),
			.dt_precision = field_long(r[5], 0),
			.nullable = r[6] && strcmp(r[6], "YES") == 0,
			.char_len = field_long(r[7], 0),
		};
		d.is_json = strcmp(d.data_type, "longtext") == 0 && mariadb_is_json(checks, d.name);
		sl_type type;
		int precision, scale;
		const char *note;
		map_type(&d, &type, &precision, &scale, &note);
		int rc = sl_schema_add_column(s, d.name, type, precision, scale, d.nullable,
					      d.column_type);
		if (rc < 0)
			return rc;
		if (note) {
			char what[200];
			snprintf(what, sizeof(what), "MySQL type %s %s", d.column_type, note);
			if (sl_warnings_add(&c->s.warnings, s->name, d.name, what, false, 0))
				return SL_ENOMEM;
		}
	}
	return SL_OK;
}

static int load_pk(my_conn *c, sl_table_schema *s)
{
	MYSQL_RES *res;
	int rc = table_meta_query(&res, c, "SELECT COLUMN_NAME FROM information_schema.STATISTICS",
				  "TABLE_SCHEMA", s->database, s->name,
				  " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
				  "reading the primary key");
	if (rc)
		return rc;
	MYSQL_ROW r;
	while (!rc && (r = mysql_fetch_row(res))) {
		int i = r[0] ? sl_schema_find(s, r[0]) : -1;
		if (i < 0)
			rc = sl_error_set(SL_ESOURCE,
					  "table %s.%s: primary key column %s not found",
					  s->database, s->name, r[0] ? r[0] : "NULL");
		else
			rc = sl_schema_add_pk(s, (size_t)i);
	}
	mysql_free_result(res);
	return rc < 0 ? rc : SL_OK;
}

static int current_database(char **out, my_conn *c)
{
	*out = NULL;
	if (c->p.database)
		return (*out = sl_strdup(c->p.database)) ? SL_OK : SL_ENOMEM;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT DATABASE()");
	MYSQL_RES *res;
	int rc = meta_query(&res, c, &sql, "SELECT DATABASE()");
	sl_buf_free(&sql);
	if (rc)
		return rc;
	MYSQL_ROW r = mysql_fetch_row(res);
	if (r && r[0])
		*out = sl_strdup(r[0]);
	mysql_free_result(res);
	if (!*out)
		return sl_error_set(
			SL_EINVAL,
			"MySQL at %s: no database selected; name the table as db.table or "
			"put the database in the URL",
			c->s.where);
	return SL_OK;
}

static int split_table(char **dbname, char **table, my_conn *c, const char *name)
{
	const char *dot = strchr(name, '.');
	*dbname = NULL;
	*table = NULL;
	if (!dot)
		return (*table = sl_strdup(name)) ? current_database(dbname, c) : SL_ENOMEM;
	*dbname = sl_strndup(name, (size_t)(dot - name));
	*table = sl_strdup(dot + 1);
	return *dbname && *table ? SL_OK : SL_ENOMEM;
}

static int reflect_columns(my_conn *c, sl_table_schema *s)
{
	MYSQL_RES *cols = NULL, *checks = NULL;
	int rc = table_meta_query(
		&cols, c,
		"SELECT COLUMN_NAME, LOWER(DATA_TYPE), COLUMN_TYPE, NUMERIC_PRECISION, "
		"NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE, "
		"CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS",
		"TABLE_SCHEMA", s->database, s->name, " ORDER BY ORDINAL_POSITION",
		"reading columns");
	if (!rc && mysql_num_rows(cols) == 0)
		rc = sl_error_set(SL_ENOTFOUND, "table '%s' not found in database '%s'", s->name,
				  s->database);
	if (!rc)
		rc = load_checks(&checks, c, s->database, s->name);
	if (!rc)
		rc = add_columns(c, s, cols, checks);
	if (cols)
		mysql_free_result(cols);
	if (checks)
		mysql_free_result(checks);
	return rc;
}

static int my_reflect(sl_table_schema **out, sl_source_conn *conn, const char *table)
{
	my_conn *c = (my_conn *)conn;
	*out = NULL;
	int rc = sl_session_ready(&c->s);
	if (rc)
		return rc;
	char *dbname, *name;
	rc = split_table(&dbname, &name, c, table);
	sl_table_schema *s = NULL;
	if (!rc) {
		s = sl_schema_new(dbname, name);
		rc = s ? SL_OK : SL_ENOMEM;
	}
	if (!rc)
		rc = reflect_columns(c, s);
	if (!rc)
		rc = load_pk(c, s);
	free(dbname);
	free(name);
	if (rc) {
		sl_schema_free(s);
		return rc;
	}
	*out = s;
	return SL_OK;
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
	switch (v->type) {
	case SL_TYPE_BOOL:
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		p->type = v->type >= SL_TYPE_UINT8 ? SL_PARAM_UINT : SL_PARAM_INT;
		p->i = v->as.i64; /* u64 shares the bits */
		return SL_OK;
	case SL_TYPE_FLOAT:
	case SL_TYPE_DOUBLE:
		p->type = SL_PARAM_DOUBLE;
		p->d = v->as.f64;
		return SL_OK;
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

static const sl_sql_dialect my_dialect = {
	.quote = '`',
	.put_value = my_put_value,
	.put_index_hint = my_put_index_hint,
};

/* Do the columns of one index (names in key order, `n` of them) give the plan's ORDER BY? They
   must be a prefix of the order columns: InnoDB appends the primary key to every secondary index,
   so an index on the cursor alone gives ORDER BY cursor, pk. */
static bool index_orders(const sl_scan_plan *plan, char **cols, size_t n)
{
	if (n == 0 || n > plan->norder)
		return false;
	for (size_t k = 0; k < n; k++)
		if (strcasecmp(cols[k], plan->table->columns[plan->order[k]].name) != 0)
			return false;
	return true;
}

/*
 * An index that delivers the plan's ORDER BY, or NULL. The scan names it with FORCE INDEX FOR
 * ORDER BY: left to itself, MariaDB answers `ORDER BY cursor LIMIT n` with no bound (the first
 * chunk of a backfill) by sorting the whole table (1M rows of the benchmark: 0.81 s against 0.40
 * s through the index; a 500M-row table would be sorted whole for its first 100k rows). Indexes
 * on a prefix of a column (SUB_PART) cannot order by it.
 */
static int ordering_index(char **out, my_conn *c, const sl_scan_plan *plan)
{
	*out = NULL;
	const sl_table_schema *t = plan->table;
	if (plan->norder == 0 || !t->database)
		return SL_OK;
	MYSQL_RES *res;
	int rc = table_meta_query(
		&res, c,
		"SELECT INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS",
		"TABLE_SCHEMA", t->database, t->name,
		" ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX",
		"reading the indexes");
	if (rc)
		return rc;
	char *cols[16];
	size_t n = 0;
	bool usable = true;
	MYSQL_ROW r = mysql_fetch_row(res);
	while (r && !*out) {
		MYSQL_ROW next = mysql_fetch_row(res);
		const char *index = r[0] ? r[0] : "";
		usable = usable && r[1] && !r[2] && n < 16;
		if (usable)
			cols[n++] = r[1];
		bool last = !next || !next[0] || strcmp(next[0], index) != 0;
		if (last && usable && index_orders(plan, cols, n) && !(*out = sl_strdup(index)))
			rc = SL_ENOMEM;
		if (last) {
			n = 0;
			usable = true;
		}
		r = next;
	}
	mysql_free_result(res);
	return rc;
}

/* ---- result columns ------------------------------------------------------------------------- */

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

typedef struct my_scan {
	sl_scan base;
	my_conn *conn;
	const sl_table_schema *table; /* for messages and warnings */
	MYSQL_STMT *stmt;
	size_t ncols;
	my_col *cols;
	MYSQL_BIND *binds;
	char *bytes;	/* all the bound byte buffers */
	bool exhausted; /* MYSQL_NO_DATA seen: the session is free again */
	bool failed;	/* the stream broke: the session is not trusted any more */
} my_scan;

/* Stage a result field of MySQL type `type`, `flags` and declared `length`. */
/* Read the part of column c's value past its bound buffer into dst (len bytes from offset). */
typedef int my_fetch_tail(void *ctx, size_t c, char *dst, unsigned long len, unsigned long offset);

static void stage_of(my_col *mc, enum enum_field_types type, unsigned flags, unsigned long length)
{
	mc->field_type = type;
	mc->is_unsigned = (flags & UNSIGNED_FLAG) != 0;
	switch (type) {
	case MYSQL_TYPE_TINY:
		mc->stage = ST_INT, mc->width = 1;
		break;
	case MYSQL_TYPE_SHORT:
		mc->stage = ST_INT, mc->width = 2;
		break;
	case MYSQL_TYPE_YEAR:
		mc->stage = ST_YEAR, mc->width = 2, mc->field_type = MYSQL_TYPE_SHORT;
		break;
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
		mc->stage = ST_INT, mc->width = 4, mc->field_type = MYSQL_TYPE_LONG;
		break;
	case MYSQL_TYPE_LONGLONG:
		mc->stage = ST_INT, mc->width = 8;
		break;
	case MYSQL_TYPE_FLOAT:
		mc->stage = ST_FLOAT;
		break;
	case MYSQL_TYPE_DOUBLE:
		mc->stage = ST_DOUBLE;
		break;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
		mc->stage = ST_DECIMAL, mc->cap = 96;
		break;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE:
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_TIME:
		mc->stage = ST_TIME;
		mc->field_type = type == MYSQL_TYPE_NEWDATE ? MYSQL_TYPE_DATE : type;
		break;
	case MYSQL_TYPE_BIT:
		mc->stage = ST_BIT, mc->cap = 8;
		break;
	default:
		mc->stage = ST_BYTES;
		mc->cap = length < MY_BYTES_MIN	  ? MY_BYTES_MIN
			  : length > MY_BYTES_MAX ? MY_BYTES_MAX
						  : length;
		break;
	}
}

static bool is_int_type(sl_type t)
{
	return t == SL_TYPE_BOOL || (t >= SL_TYPE_INT8 && t <= SL_TYPE_UINT64);
}

/* Bytes of an integer type (BOOL: 1). */
static int int_size(sl_type t)
{
	switch (t) {
	case SL_TYPE_INT16:
	case SL_TYPE_UINT16:
		return 2;
	case SL_TYPE_INT32:
	case SL_TYPE_UINT32:
		return 4;
	case SL_TYPE_INT64:
	case SL_TYPE_UINT64:
		return 8;
	default:
		return 1;
	}
}

/*
 * An integer of `width` bytes fits `t` without wrapping: a wider (or as wide, same signedness)
 * type. BOOL takes any integer (BOOLEAN is TINYINT(1), the seen flag a BIGINT expression: not
 * zero is true).
 */
static bool int_fits(const my_col *mc, sl_type t)
{
	if (t == SL_TYPE_BOOL)
		return true;
	bool t_unsigned = t >= SL_TYPE_UINT8 && t <= SL_TYPE_UINT64;
	if (mc->is_unsigned == t_unsigned)
		return int_size(t) >= mc->width;
	return mc->is_unsigned && int_size(t) > mc->width;
}

/*
 * The field as it arrives can be read into the target type without losing anything. The target
 * comes from reflecting the same column, so they agree unless the table was altered between
 * reflection and the query: then a narrower target is refused rather than wrapped or cut.
 */
static bool stage_fits(const my_col *mc)
{
	sl_type t = mc->target;
	if (mc->field_type == MYSQL_TYPE_NULL) /* a NULL literal: never decoded */
		return true;
	switch (mc->stage) {
	case ST_INT:
		return is_int_type(t) && int_fits(mc, t);
	case ST_YEAR: /* checked per value: SMALLINT or wider */
		return is_int_type(t) && t != SL_TYPE_BOOL && int_size(t) >= 2;
	case ST_BIT:
		return t == SL_TYPE_BOOL || t == SL_TYPE_UINT64;
	case ST_FLOAT:
		return t == SL_TYPE_FLOAT || t == SL_TYPE_DOUBLE;
	case ST_DOUBLE:
		return t == SL_TYPE_DOUBLE;
	case ST_DECIMAL:
		return t == SL_TYPE_DECIMAL || t == SL_TYPE_TEXT;
	case ST_TIME:
		if (mc->field_type == MYSQL_TYPE_TIME)
			return t == SL_TYPE_INTERVAL;
		if (mc->field_type == MYSQL_TYPE_DATE)
			return t == SL_TYPE_DATE || t == SL_TYPE_TIMESTAMP;
		return t == SL_TYPE_TIMESTAMP || t == SL_TYPE_TIMESTAMPTZ;
	case ST_BYTES:
		return sl_type_is_varlen(t);
	}
	return false;
}

static void bind_col(MYSQL_BIND *b, my_col *mc)
{
	memset(b, 0, sizeof(*b));
	b->is_null = &mc->is_null;
	b->error = &mc->error;
	b->length = &mc->length;
	b->is_unsigned = mc->is_unsigned;
	switch (mc->stage) {
	case ST_INT:
	case ST_YEAR:
		b->buffer_type = mc->field_type;
		b->buffer = &mc->v.i;
		b->buffer_length = sizeof(mc->v.i);
		break;
	case ST_FLOAT:
		b->buffer_type = MYSQL_TYPE_FLOAT;
		b->buffer = &mc->v.f;
		b->buffer_length = sizeof(mc->v.f);
		break;
	case ST_DOUBLE:
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &mc->v.d;
		b->buffer_length = sizeof(mc->v.d);
		break;
	case ST_TIME:
		b->buffer_type = mc->field_type;
		b->buffer = &mc->v.t;
		b->buffer_length = sizeof(mc->v.t);
		break;
	case ST_DECIMAL:
	case ST_BIT:
	case ST_BYTES:
		b->buffer_type = MYSQL_TYPE_BLOB;
		b->buffer = mc->buf;
		b->buffer_length = mc->cap;
		break;
	}
}

/* Call right after the call that failed: errno says whether it ran into read_timeout. */
static int stmt_error(my_scan *s, const char *what)
{
	int err = errno;
	unsigned no = mysql_stmt_errno(s->stmt);
	const char *msg = mysql_stmt_error(s->stmt);
	const sl_table_schema *t = s->table;
	if (no == 0 && s->conn->db) {
		no = mysql_errno(s->conn->db);
		msg = mysql_error(s->conn->db);
	}
	s->conn->stalled = timed_out(s->conn, no, err);
	if (s->conn->stalled)
		return sl_error_set(SL_ESOURCE,
				    "MySQL at %s: %s %s.%s: no data arrived for %u s (URL option "
				    "read_timeout)",
				    s->conn->s.where, what, t->database ? t->database : "", t->name,
				    s->conn->p.read_timeout);
	if (no == 0) /* libmariadb reports a stream cut short (KILL, server gone) without a code */
		return sl_error_set(
			SL_ESOURCE,
			"MySQL at %s: %s %s.%s: the connection broke off (query killed or "
			"server gone)",
			s->conn->s.where, what, t->database ? t->database : "", t->name);
	int code = no == 1146 ? SL_ENOTFOUND : SL_ESOURCE; /* ER_NO_SUCH_TABLE */
	return sl_error_set(code, "MySQL at %s: %s %s.%s: %s (MySQL %u)", s->conn->s.where, what,
			    t->database ? t->database : "", t->name, msg, no);
}

/* Prepare the result buffers from the statement's metadata and the target types. */
static int setup_columns(my_scan *s, const sl_table_schema *shape, size_t extra_bools)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(s->stmt);
	if (!meta)
		return stmt_error(s, "reading result metadata of");
	s->ncols = mysql_num_fields(meta);
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	int rc = SL_OK;
	if (s->ncols != shape->ncolumns + extra_bools)
		rc = sl_error_set(SL_ESOURCE, "MySQL: %s returned %zu columns, expected %zu",
				  shape->name, s->ncols, shape->ncolumns + extra_bools);
	s->cols = rc ? NULL : sl_calloc(s->ncols, sizeof(*s->cols));
	s->binds = rc ? NULL : sl_calloc(s->ncols, sizeof(*s->binds));
	if (!rc && (!s->cols || !s->binds))
		rc = SL_ENOMEM;
	size_t total = 0;
	for (size_t i = 0; !rc && i < s->ncols; i++) {
		my_col *mc = &s->cols[i];
		stage_of(mc, fields[i].type, fields[i].flags, fields[i].length);
		bool extra = i >= shape->ncolumns;
		mc->target = extra ? SL_TYPE_BOOL : shape->columns[i].type;
		mc->precision = extra ? 0 : shape->columns[i].precision;
		mc->scale = extra ? 0 : shape->columns[i].scale;
		mc->null_is_false = extra;
		total += mc->cap;
		if (!stage_fits(mc))
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
	for (size_t i = 0, off = 0; i < s->ncols; i++) {
		s->cols[i].buf = s->cols[i].cap ? s->bytes + off : NULL;
		off += s->cols[i].cap;
		bind_col(&s->binds[i], &s->cols[i]);
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

static void scan_free(my_scan *s)
{
	if (s->stmt)
		mysql_stmt_close(s->stmt);
	free(s->cols);
	free(s->binds);
	free(s->bytes);
	free(s);
}

/* A statement to start: its text and parameters, how its rows decode, where its scan goes. */
typedef struct my_start {
	my_conn *c;
	const sl_scan_sql *q;
	const sl_table_schema *shape;
	size_t seen_flags; /* trailing BOOL columns after shape's */
	my_scan **out;
} my_start;

/* Prepare and execute the statement unbuffered, its rows to be decoded as st->shape. */
static int stmt_try(void *ctx, bool *lost)
{
	my_start *st = ctx;
	my_conn *c = st->c;
	*st->out = NULL;
	*lost = false;
	my_scan *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->base.driver = &sl_mysql_source;
	s->conn = c;
	s->table = st->shape;
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
	if (mysql_stmt_prepare(s->stmt, st->q->sql.data, (unsigned long)st->q->sql.len))
		rc = stmt_error(s, "preparing a query on");
	if (!rc)
		rc = setup_columns(s, st->shape, st->seen_flags);
	if (!rc)
		rc = bind_params(&params, s, st->q);
	if (!rc && mysql_stmt_execute(s->stmt))
		rc = stmt_error(s, "querying");
	free(params);
	if (rc) {
		*lost = !c->stalled && (lost_connection(mysql_stmt_errno(s->stmt)) ||
					lost_connection(mysql_errno(c->db)));
		scan_free(s);
		return rc;
	}
	*st->out = s;
	return SL_OK;
}

/* Start the statement of `q`, whose rows decode as `shape` plus `seen_flags` BOOL columns. */
static int stmt_start(my_scan **out, my_conn *c, const sl_table_schema *shape, size_t seen_flags,
		      const sl_scan_sql *q)
{
	my_start st = {c, q, shape, seen_flags, out};
	int rc = sl_session_retry(&c->s, stmt_try, &st);
	if (rc && c->stalled) /* libmariadb gave the session up */
		sl_session_close(&c->s);
	if (!rc)
		c->s.busy = true;
	return rc;
}

static int my_scan_open(sl_scan **out, sl_source_conn *conn, const sl_scan_plan *plan)
{
	my_conn *c = (my_conn *)conn;
	*out = NULL;
	int rc = sl_session_ready(&c->s);
	if (rc)
		return rc;
	char *index;
	rc = ordering_index(&index, c, plan);
	if (rc)
		return rc;
	my_sql q = {.index = index};
	sl_scan_sql_init(&q.base, &my_dialect, plan->table);
	rc = sl_scan_sql_plan(&q.base, plan);
	my_scan *s = NULL;
	if (!rc)
		rc = stmt_start(&s, c, plan->table, plan->seen_pk ? 1 : 0, &q.base);
	sl_scan_sql_free(&q.base);
	free(index);
	if (rc)
		return rc;
	*out = &s->base;
	return SL_OK;
}

/* ---- decoding rows -------------------------------------------------------------------------- */

static void put_int(void *data, size_t row, sl_type t, int64_t sv, uint64_t uv)
{
	switch (t) {
	case SL_TYPE_BOOL:
		((uint8_t *)data)[row] = uv != 0;
		break;
	case SL_TYPE_INT8:
		((int8_t *)data)[row] = (int8_t)sv;
		break;
	case SL_TYPE_INT16:
		((int16_t *)data)[row] = (int16_t)sv;
		break;
	case SL_TYPE_INT32:
		((int32_t *)data)[row] = (int32_t)sv;
		break;
	case SL_TYPE_INT64:
		((int64_t *)data)[row] = sv;
		break;
	case SL_TYPE_UINT8:
		((uint8_t *)data)[row] = (uint8_t)uv;
		break;
	case SL_TYPE_UINT16:
		((uint16_t *)data)[row] = (uint16_t)uv;
		break;
	case SL_TYPE_UINT32:
		((uint32_t *)data)[row] = (uint32_t)uv;
		break;
	default:
		((uint64_t *)data)[row] = uv;
		break;
	}
}

static void decode_int(const my_col *mc, void *data, size_t row)
{
	int64_t sv;
	const void *p = &mc->v.i;
	switch (mc->width) {
	case 1:
		sv = mc->is_unsigned ? (int64_t) * (const uint8_t *)p
				     : (int64_t) * (const int8_t *)p;
		break;
	case 2:
		sv = mc->is_unsigned ? (int64_t) * (const uint16_t *)p
				     : (int64_t) * (const int16_t *)p;
		break;
	case 4:
		sv = mc->is_unsigned ? (int64_t) * (const uint32_t *)p
				     : (int64_t) * (const int32_t *)p;
		break;
	default:
		sv = mc->v.i;
		break;
	}
	put_int(data, row, mc->target, sv, (uint64_t)sv);
}

/* YEAR's range is 0..2155 (and 0..99 once); anything else is not a year. */
static int decode_year(const my_col *mc, void *data, size_t row)
{
	uint16_t y;
	memcpy(&y, &mc->v.i, sizeof(y));
	if (y > 9999)
		return sl_error_set(SL_ETYPE, "YEAR value %u is out of range", (unsigned)y);
	put_int(data, row, mc->target, y, y);
	return SL_OK;
}

static void decode_bit(const my_col *mc, void *data, size_t row)
{
	uint64_t u = 0;
	for (unsigned long i = 0; i < mc->length && i < 8; i++)
		u = u << 8 | (uint8_t)mc->buf[i];
	put_int(data, row, mc->target, (int64_t)u, u);
}

/* DECIMAL digits as text (DECIMAL, or TEXT when wider than 38 digits). */
static int decode_decimal(const my_col *mc, sl_batch *b, size_t c, size_t row)
{
	void *data = b->columns[c].data;
	if (mc->length > mc->cap) /* cannot happen with 65 digits at most: never cut digits */
		return sl_error_set(SL_ETYPE, "a DECIMAL value of %lu characters is too long",
				    mc->length);
	if (mc->target == SL_TYPE_TEXT) {
		const char *p = sl_arena_copy(&b->arena, mc->buf, mc->length);
		if (!p)
			return SL_ENOMEM;
		((sl_bytes *)data)[row] = (sl_bytes){p, (uint32_t)mc->length};
		return SL_OK;
	}
	sl_int128 v;
	int rc = sl_parse_decimal(&v, mc->buf, mc->length, mc->scale);
	if (rc)
		return rc;
	int p = mc->precision;
	if (!sl_decimal_fits(v, p))
		return sl_error_set(SL_ETYPE, "'%.*s' does not fit DECIMAL(%d,%d)",
				    (int)(mc->length < 80 ? mc->length : 80), mc->buf, p,
				    mc->scale);
	sl_decimal_store(data, row, p, v);
	return SL_OK;
}

/* A date (and time of day) a calendar has: MySQL's zero and invalid dates are not. */
static bool valid_datetime(const MYSQL_TIME *t)
{
	static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (t->year > 9999 || t->month < 1 || t->month > 12 || t->day < 1 ||
	    t->day > mdays[t->month - 1])
		return false;
	if (t->hour > 23 || t->minute > 59 || t->second > 59 || t->second_part > 999999)
		return false;
	if (t->month == 2 && t->day == 29) {
		unsigned y = t->year;
		return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	}
	return true;
}

/* MySQL TIME is -838:59:59.999999 .. 838:59:59.999999; far more is room to spare. */
#define MY_TIME_MAX_HOURS (INT64_C(24) * 366 * 10000)

/* Returns false for a zero or invalid date (stored as NULL by the caller). */
static int decode_time(const my_col *mc, void *data, size_t row, bool *valid)
{
	const MYSQL_TIME *t = &mc->v.t;
	*valid = true;
	if (mc->field_type == MYSQL_TYPE_TIME) {
		/* libmariadb folds days into hours; add both in case a version does not */
		int64_t hours = (int64_t)t->day * 24 + t->hour;
		if (hours > MY_TIME_MAX_HOURS || t->minute > 59 || t->second > 59 ||
		    t->second_part > 999999)
			return sl_error_set(SL_ETYPE,
					    "TIME value %s%lld:%02u:%02u.%06lu is out of range",
					    t->neg ? "-" : "", (long long)hours, t->minute,
					    t->second, t->second_part);
		int64_t secs = (hours * 60 + t->minute) * 60 + t->second;
		int64_t us = secs * SL_MICROS_PER_SEC + (int64_t)t->second_part;
		((sl_interval *)data)[row] = (sl_interval){0, 0, t->neg ? -us : us};
		return SL_OK;
	}
	if (!valid_datetime(t)) {
		*valid = false;
		return SL_OK;
	}
	int32_t days = sl_days_from_civil(t->year, t->month, t->day);
	if (mc->target == SL_TYPE_DATE) {
		((int32_t *)data)[row] = days;
		return SL_OK;
	}
	int64_t secs = ((int64_t)t->hour * 60 + t->minute) * 60 + t->second;
	((int64_t *)data)[row] =
		days * SL_MICROS_PER_DAY + secs * SL_MICROS_PER_SEC + (int64_t)t->second_part;
	return SL_OK;
}

/* A string or blob: copied into the arena, the tail fetched separately if it outgrew the buffer. */
static int decode_bytes(const my_col *mc, sl_batch *b, size_t c, size_t row, my_fetch_tail *tail,
			void *ctx)
{
	unsigned long len = mc->length;
	if (len == 0) {
		((sl_bytes *)b->columns[c].data)[row] = (sl_bytes){"", 0};
		return SL_OK;
	}
	if (len > UINT32_MAX)
		return sl_error_set(SL_ETYPE, "a value of %lu bytes exceeds 4 GiB", len);
	char *p = sl_arena_alloc(&b->arena, len);
	if (!p)
		return SL_ENOMEM;
	unsigned long head = len < mc->cap ? len : mc->cap;
	memcpy(p, mc->buf, head);
	if (head < len) {
		int rc = tail(ctx, c, p + head, len - head, head);
		if (rc)
			return rc;
	}
	((sl_bytes *)b->columns[c].data)[row] = (sl_bytes){p, (uint32_t)len};
	return SL_OK;
}

/*
 * Decode the value libmariadb left in column c's bound buffer into the batch (valid or NULL).
 * Errors are SL_ETYPE for a value the target cannot hold (the caller names the column), or what
 * `tail` returned. Inlined into decode_row: this is the per-value hot path.
 */
static inline int decode_value(my_col *mc, sl_batch *b, size_t c, size_t row, my_fetch_tail *tail,
			       void *ctx)
{
	void *data = b->columns[c].data;
	if (mc->is_null) {
		if (mc->null_is_false) {
			((uint8_t *)data)[row] = 0;
			sl_batch_set_valid(b, c, row);
		} else {
			sl_batch_set_null(b, c, row);
		}
		return SL_OK;
	}
	int rc = SL_OK;
	bool valid = true;
	switch (mc->stage) {
	case ST_INT:
		decode_int(mc, data, row);
		break;
	case ST_YEAR:
		rc = decode_year(mc, data, row);
		break;
	case ST_BIT:
		decode_bit(mc, data, row);
		break;
	case ST_FLOAT:
		if (mc->target == SL_TYPE_FLOAT)
			((float *)data)[row] = mc->v.f;
		else
			((double *)data)[row] = mc->v.f;
		break;
	case ST_DOUBLE:
		((double *)data)[row] = mc->v.d;
		break;
	case ST_DECIMAL:
		rc = decode_decimal(mc, b, c, row);
		break;
	case ST_TIME:
		rc = decode_time(mc, data, row, &valid);
		break;
	case ST_BYTES:
		rc = decode_bytes(mc, b, c, row, tail, ctx);
		break;
	}
	if (rc)
		return rc;
	if (valid) {
		sl_batch_set_valid(b, c, row);
	} else {
		mc->bad_dates++;
		sl_batch_set_null(b, c, row);
	}
	return SL_OK;
}

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
	for (size_t c = 0; c < s->ncols; c++) {
		int rc = decode_value(&s->cols[c], b, c, row, fetch_tail, s);
		if (rc == SL_ETYPE)
			return sl_error_wrap("MySQL: column %s.%s", s->table->name,
					     c < s->table->ncolumns ? s->table->columns[c].name
								    : "(seen flag)");
		if (rc)
			return rc;
	}
	return SL_OK;
}

/* The rest of a long value, from the value's own bytes. */
static int value_tail(void *ctx, size_t c, char *dst, unsigned long len, unsigned long offset)
{
	const sl_mysql_value *v = ctx;
	(void)c;
	memcpy(dst, (const char *)v->bytes + offset, len);
	return SL_OK;
}

int sl_mysql_decode_value(sl_batch *b, size_t c, size_t row, const sl_mysql_value *v)
{
	my_col mc = {0};
	stage_of(&mc, v->field_type, v->flags, v->field_length);
	mc.target = b->columns[c].type;
	mc.precision = b->columns[c].precision;
	mc.scale = b->columns[c].scale;
	mc.is_null = v->is_null;
	if (!stage_fits(&mc))
		return sl_error_set(SL_ETYPE, "MySQL type %d cannot be read as %s",
				    (int)v->field_type, sl_type_name(mc.target));
	char buf[MY_BYTES_MAX];
	const unsigned char *bytes = v->bytes;
	switch (mc.stage) {
	case ST_INT:
	case ST_YEAR:
	case ST_FLOAT:
	case ST_DOUBLE:
	case ST_TIME: /* the value as libmariadb stores it in the bound buffer */
		memcpy(&mc.v, bytes, v->length < sizeof(mc.v) ? v->length : sizeof(mc.v));
		break;
	default: /* the bytes fill the bound buffer; the rest is the tail */
		mc.buf = buf;
		mc.length = v->length;
		memcpy(buf, bytes, v->length < mc.cap ? v->length : mc.cap);
		break;
	}
	return decode_value(&mc, b, c, row, value_tail, (void *)v);
}

/* Move the per-column counts of NULLed dates into the connection's warnings. */
static void note_bad_dates(my_scan *s)
{
	for (size_t c = 0; c < s->ncols && c < s->table->ncolumns; c++) {
		if (!s->cols[c].bad_dates)
			continue;
		sl_warnings_add(&s->conn->s.warnings, s->table->name, s->table->columns[c].name,
				"zero or invalid dates loaded as NULL", true, s->cols[c].bad_dates);
		s->cols[c].bad_dates = 0;
	}
}

static int my_scan_next(sl_scan *scan, sl_batch *batch)
{
	my_scan *s = (my_scan *)scan;
	if (s->exhausted)
		return 0;
	if (s->failed)
		return sl_error_set(SL_ESOURCE, "MySQL: scan of %s already failed", s->table->name);
	if (batch->ncolumns != s->ncols)
		return sl_error_set(SL_EINVAL, "MySQL: batch has %zu columns, the scan reads %zu",
				    batch->ncolumns, s->ncols);
	if (batch->nrows >= batch->capacity)
		return sl_error_set(SL_EINVAL, "MySQL: scan of %s: the batch is already full",
				    s->table->name);
	size_t added = 0;
	s->conn->waiting_since = sl_clock();
	while (batch->nrows < batch->capacity) {
		int f = mysql_stmt_fetch(s->stmt);
		if (f == MYSQL_NO_DATA) {
			s->exhausted = true;
			break;
		}
		if (f != 0 && f != MYSQL_DATA_TRUNCATED) {
			s->failed = true;
			return stmt_error(s, "reading");
		}
		int rc = decode_row(s, batch, batch->nrows);
		if (rc) {
			s->failed = true;
			return rc;
		}
		batch->nrows++;
		added++;
	}
	note_bad_dates(s);
	return (int)added;
}

static void my_scan_close(sl_scan *scan)
{
	my_scan *s = (my_scan *)scan;
	if (!s)
		return;
	my_conn *c = s->conn;
	note_bad_dates(s);
	if (!s->exhausted) {
		/*
		 * Closing the statement now would make libmariadb read the rest of the result. Close
		 * the session instead (mysql_close detaches the statement, which then frees without
		 * talking to the server); the next call reconnects.
		 */
		sl_session_close(&c->s);
	}
	scan_free(s);
	c->s.busy = false;
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

static int my_stats(sl_source_stats *out, sl_source_conn *conn, const sl_table_schema *table,
		    int cursor, bool descending, const sl_value *after)
{
	my_conn *c = (my_conn *)conn;
	out->cursor_max = NULL;
	out->rows_total = -1;
	out->rows_after = -1;
	int rc = sl_session_ready(&c->s);
	if (rc)
		return rc;
	sl_table_schema *shape = NULL;
	sl_scan_sql q;
	sl_scan_sql_init(&q, &my_dialect, table);
	my_scan *s = NULL;
	rc = sl_source_stats_shape(&shape, table, cursor);
	if (!rc)
		rc = render_stats(&q, cursor, descending, after);
	if (!rc)
		rc = stmt_start(&s, c, shape, 0, &q);
	if (!rc)
		rc = sl_source_stats_read(out, &s->base, shape, cursor);
	sl_scan_sql_free(&q);
	sl_schema_free(shape);
	if (rc)
		sl_source_stats_clear(out);
	return rc;
}

const sl_source_driver sl_mysql_source = {
	.head = {SL_SOURCE_DRIVER_VERSION, "mysql",
		 (const char *const[]){"mysql", "mariadb", NULL}},
	.connect = my_connect,
	.disconnect = sl_session_disconnect,
	.reflect = my_reflect,
	.scan_open = my_scan_open,
	.scan_next = my_scan_next,
	.scan_close = my_scan_close,
	.stats = my_stats,
	.warnings = sl_session_warnings,
};
