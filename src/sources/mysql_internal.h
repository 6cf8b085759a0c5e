/*
 * mysql_internal.h — what the files of the MySQL/MariaDB source driver share: the connection
 * and scan structs, and the functions one file calls in another. mysql.c holds the URL options,
 * the session, scans and stats; mysql_reflect.c reads information_schema; mysql_value.c decodes
 * binary-protocol values (mysql_value.h). Not for use outside src/sources/mysql*.c.
 */
#ifndef SL_MYSQL_INTERNAL_H
#define SL_MYSQL_INTERNAL_H

#include "mysql_value.h"
#include "session.h"

#include <mysql.h>

extern const sl_source_driver sl_mysql_source;

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

typedef struct my_scan {
	sl_session_scan base; /* base.session: the my_conn */
	MYSQL_STMT *stmt;
	my_col *cols;
	MYSQL_BIND *binds;
	char *bytes; /* all the bound byte buffers */
} my_scan;

/* ---- mysql.c -------------------------------------------------------------------------------- */

/* Run a small metadata query (text protocol, buffered) and hand back its result. */
int sl_my_meta_query(MYSQL_RES **out, my_conn *c, sl_buf *sql, const char *what);

/* ---- mysql_reflect.c ------------------------------------------------------------------------ */

int sl_my_reflect(sl_table_schema **out, sl_source_conn *conn, const char *table);

/* The base tables (and views) of the URL's database (the session's, without one). */
int sl_my_list_tables(sl_source_table_list *out, sl_source_conn *conn, bool include_views);

/* An index that delivers the plan's ORDER BY, or NULL (see FORCE INDEX in mysql_reflect.c). */
int sl_my_ordering_index(char **out, my_conn *c, const sl_scan_plan *plan);

#endif
