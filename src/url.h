/*
 * url.h — SQLAlchemy-style connection URLs, parsed into their parts.
 *
 *   scheme[+driver]://[user[:password]@][host|[ipv6]][:port][/database][?key=value&...]
 *   sqlite:///relative.db   sqlite:////absolute.db   duckdb:///file.duckdb
 *
 * Every part is percent-decoded. The password is kept only in `password` and never appears in
 * sl_url_redacted() or in any error message.
 */
#ifndef SL_URL_H
#define SL_URL_H

#include "common.h"

typedef enum sl_url_kind {
	SL_URL_MYSQL, /* mysql, mysql+pymysql, mysql+mysqldb, mariadb, mariadb+mariadbconnector */
	SL_URL_POSTGRES, /* postgresql, postgres, postgresql+psycopg2 (+ other drivers) */
	SL_URL_SQLITE,	 /* sqlite */
	SL_URL_DUCKDB,	 /* duckdb */
	SL_URL_FILE,	 /* file: a directory (file:///abs/dir, file://rel/dir) */
	SL_URL_OTHER	 /* any other scheme, laid out as a server URL: no driver serves it */
} sl_url_kind;

typedef struct sl_url_option {
	char *key;
	char *value;
} sl_url_option;

typedef struct sl_url {
	sl_url_kind kind;
	char *scheme;	/* as written before "+" or "://", lower case: "mysql", "postgresql" */
	char *driver;	/* after "+" ("pymysql"), or NULL */
	char *user;	/* NULL if absent */
	char *password; /* NULL if absent ("" if given empty) */
	char *host;	/* NULL if absent; IPv6 without brackets */
	int port;	/* 0 if absent */
	char *database; /* NULL if absent; for sqlite/duckdb/file the path ("x.db", "/abs/x.db"),
	                   ":memory:" for sqlite:// with no path */
	size_t noptions;
	sl_url_option *options; /* query options in order, decoded */
} sl_url;

/* The start of every driver struct (source.h, destination.h): what lets a URL find it. */
typedef struct sl_driver_head {
	unsigned version;	    /* the interface version it implements */
	const char *name;	    /* "mysql", "duckdb" */
	const char *const *schemes; /* the URL schemes it serves, NULL-terminated */
} sl_driver_head;

/*
 * Parse `text`. Any well-formed scheme parses: which schemes a source or a destination serves is
 * the drivers' business (drivers.c), so that their errors can list their own. On failure returns SL_EURL with a last error that says what is wrong and at
 * which character position, quoting the URL with any password replaced by "***".
 */
int sl_url_parse(sl_url **out, const char *text);

/* The value of query option `key` (case-sensitive), or NULL. */
const char *sl_url_option_get(const sl_url *url, const char *key);

/* A URL option's whole seconds, 0 to a year; SL_EURL names `dbms`'s option and value if not. */
int sl_url_option_seconds(unsigned *out, const char *dbms, const char *key, const char *value);

/* The URL re-assembled with the password shown as "***" (caller frees). NULL on ENOMEM. */
char *sl_url_redacted(const sl_url *url);

/* Redact the password in a raw URL string without parsing it fully (caller frees); used for
   messages about URLs that failed to parse. */
char *sl_url_redact_text(const char *text);

void sl_url_free(sl_url *url);

/* Overwrite a secret (a password) with zeros, then free it; NULL is fine. */
void sl_secret_free(char *secret);

#endif
