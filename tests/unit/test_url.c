/*
 * test_url.c — the connection URL parser, from a table of inputs with their expected parts,
 * re-assembled (redacted) form, or expected error text and position; after libpq's URI tests.
 *
 * Every accepted URL is also re-parsed from its redacted form, which must give the same parts
 * with the password "***". Every case with a password names it in `secret`, which must never
 * appear in an error message or a redacted URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

typedef struct url_case {
	const char *text;
	int rc;		  /* SL_OK or SL_EURL */
	sl_url_kind kind; /* the rest of the fields apply when rc == SL_OK */
	const char *scheme;
	const char *driver;
	const char *user;
	const char *password;
	const char *host;
	int port;
	const char *database;
	const char *options;  /* decoded options as "k=v|k=v", NULL for none */
	const char *redacted; /* expected sl_url_redacted() */
	const char *error;    /* when rc == SL_EURL: a substring of the message */
	int at;		      /* when rc == SL_EURL: the "at character N" position */
	const char *secret;   /* never in a message nor in the redacted URL */
} url_case;

#define OK(t, k, sch)	 .text = (t), .rc = SL_OK, .kind = (k), .scheme = (sch)
#define BAD(t, msg, pos) .text = (t), .rc = SL_EURL, .error = (msg), .at = (pos)

static const url_case CASES[] = {
	/* ---- MySQL / MariaDB ---- */
	{OK("mysql://user:pw@localhost:3306/shop", SL_URL_MYSQL, "mysql"), .user = "user",
	 .password = "pw", .host = "localhost", .port = 3306, .database = "shop",
	 .redacted = "mysql://user:***@localhost:3306/shop", .secret = "pw"},
	{OK("mysql+pymysql://u:s3cret@db.example.com/shop?charset=utf8mb4", SL_URL_MYSQL, "mysql"),
	 .driver = "pymysql", .user = "u", .password = "s3cret", .host = "db.example.com",
	 .database = "shop", .options = "charset=utf8mb4",
	 .redacted = "mysql+pymysql://u:***@db.example.com/shop?charset=utf8mb4",
	 .secret = "s3cret"},
	{OK("mysql+mysqldb://root@127.0.0.1/test", SL_URL_MYSQL, "mysql"), .driver = "mysqldb",
	 .user = "root", .host = "127.0.0.1", .database = "test",
	 .redacted = "mysql+mysqldb://root@127.0.0.1/test"},
	{OK("mariadb://u:hunter2@h/db", SL_URL_MYSQL, "mariadb"), .user = "u",
	 .password = "hunter2", .host = "h", .database = "db", .redacted = "mariadb://u:***@h/db",
	 .secret = "hunter2"},
	{OK("mariadb+mariadbconnector://u@h:3307/db", SL_URL_MYSQL, "mariadb"),
	 .driver = "mariadbconnector", .user = "u", .host = "h", .port = 3307, .database = "db",
	 .redacted = "mariadb+mariadbconnector://u@h:3307/db"},
	{OK("MySQL+PyMySQL://u@HOST.Example.COM/db", SL_URL_MYSQL, "mysql"), .driver = "PyMySQL",
	 .user = "u", .host = "HOST.Example.COM", .database = "db",
	 .redacted = "mysql+PyMySQL://u@HOST.Example.COM/db"},
	{OK("mysql://h", SL_URL_MYSQL, "mysql"), .host = "h", .redacted = "mysql://h"},
	{OK("mysql://h/", SL_URL_MYSQL, "mysql"), .host = "h", .redacted = "mysql://h"},
	{OK("mysql://", SL_URL_MYSQL, "mysql"), .redacted = "mysql://"},
	{OK("mysql:///db", SL_URL_MYSQL, "mysql"), .database = "db", .redacted = "mysql:///db"},
	{OK("mysql://:3306/db", SL_URL_MYSQL, "mysql"), .port = 3306, .database = "db",
	 .redacted = "mysql://:3306/db"},
	{OK("mysql://h:1", SL_URL_MYSQL, "mysql"), .host = "h", .port = 1,
	 .redacted = "mysql://h:1"},
	{OK("mysql://h:65535/db", SL_URL_MYSQL, "mysql"), .host = "h", .port = 65535,
	 .database = "db", .redacted = "mysql://h:65535/db"},
	{OK("mysql://u:pw@/db?unix_socket=/tmp/mysql.sock", SL_URL_MYSQL, "mysql"), .user = "u",
	 .password = "pw", .database = "db", .options = "unix_socket=/tmp/mysql.sock",
	 .redacted = "mysql://u:***@/db?unix_socket=%2Ftmp%2Fmysql.sock", .secret = "pw"},
	{OK("mysql://h/db?charset=utf8mb4&ssl_mode=REQUIRED", SL_URL_MYSQL, "mysql"), .host = "h",
	 .database = "db", .options = "charset=utf8mb4|ssl_mode=REQUIRED",
	 .redacted = "mysql://h/db?charset=utf8mb4&ssl_mode=REQUIRED"},

	/* ---- user info: encodings, raw '@', empty parts ---- */
	{OK("mysql://user:p%40ss@h/db", SL_URL_MYSQL, "mysql"), .user = "user", .password = "p@ss",
	 .host = "h", .database = "db", .redacted = "mysql://user:***@h/db", .secret = "p@ss"},
	{OK("mysql://user:p@ss@h/db", SL_URL_MYSQL, "mysql"), .user = "user", .password = "p@ss",
	 .host = "h", .database = "db", .redacted = "mysql://user:***@h/db", .secret = "p@ss"},
	{OK("mysql://user:a@b@c@h/db", SL_URL_MYSQL, "mysql"), .user = "user", .password = "a@b@c",
	 .host = "h", .database = "db", .redacted = "mysql://user:***@h/db", .secret = "a@b@c"},
	{OK("mysql://us%3Aer:pa%3Ass%2F@h/db", SL_URL_MYSQL, "mysql"), .user = "us:er",
	 .password = "pa:ss/", .host = "h", .database = "db",
	 .redacted = "mysql://us%3Aer:***@h/db", .secret = "pa%3Ass%2F"},
	{OK("mysql://user:pa:ss@h/db", SL_URL_MYSQL, "mysql"), .user = "user", .password = "pa:ss",
	 .host = "h", .database = "db", .redacted = "mysql://user:***@h/db", .secret = "pa:ss"},
	{OK("mysql://user:@h/db", SL_URL_MYSQL, "mysql"), .user = "user", .password = "",
	 .host = "h", .database = "db", .redacted = "mysql://user:***@h/db"},
	{OK("mysql://user@h/db", SL_URL_MYSQL, "mysql"), .user = "user", .host = "h",
	 .database = "db", .redacted = "mysql://user@h/db"},
	{OK("mysql://:topsecret@h/db", SL_URL_MYSQL, "mysql"), .password = "topsecret", .host = "h",
	 .database = "db", .redacted = "mysql://:***@h/db", .secret = "topsecret"},
	{OK("mysql://u+x:p+y@h/d+b", SL_URL_MYSQL, "mysql"), .user = "u+x", .password = "p+y",
	 .host = "h", .database = "d+b", .redacted = "mysql://u%2Bx:***@h/d%2Bb", .secret = "p+y"},
	{OK("mysql://user:p%25ss@h", SL_URL_MYSQL, "mysql"), .user = "user", .password = "p%ss",
	 .host = "h", .redacted = "mysql://user:***@h", .secret = "p%25ss"},
	{OK("mysql://user:p#ss w0rd@h/db", SL_URL_MYSQL, "mysql"), .user = "user",
	 .password = "p#ss w0rd", .host = "h", .database = "db",
	 .redacted = "mysql://user:***@h/db", .secret = "p#ss w0rd"},
	{OK("mysql://j%C3%BCrgen:%C3%A4%0Ab@h/db", SL_URL_MYSQL, "mysql"), .user = "j\xc3\xbcrgen",
	 .password = "\xc3\xa4\nb", .host = "h", .database = "db",
	 .redacted = "mysql://j%C3%BCrgen:***@h/db", .secret = "%C3%A4%0Ab"},
	{OK("mysql://u:pw@h:3306/db?e=a@b", SL_URL_MYSQL, "mysql"), .user = "u", .password = "pw",
	 .host = "h", .port = 3306, .database = "db", .options = "e=a@b",
	 .redacted = "mysql://u:***@h:3306/db?e=a%40b", .secret = "pw"},
	{OK("mysql://h/db?e=a@b", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .options = "e=a@b", .redacted = "mysql://h/db?e=a%40b"},

	/* ---- database names ---- */
	{OK("mysql://h/my%2Fdb", SL_URL_MYSQL, "mysql"), .host = "h", .database = "my/db",
	 .redacted = "mysql://h/my%2Fdb"},
	{OK("mysql://h/caf%C3%A9", SL_URL_MYSQL, "mysql"), .host = "h", .database = "caf\xc3\xa9",
	 .redacted = "mysql://h/caf%C3%A9"},
	{OK("mysql://h/caf\xc3\xa9 2", SL_URL_MYSQL, "mysql"), .host = "h",
	 .database = "caf\xc3\xa9 2", .redacted = "mysql://h/caf%C3%A9%202"},

	/* ---- query options ---- */
	{OK("mysql://h/db?a=1&a=2", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .options = "a=1|a=2", .redacted = "mysql://h/db?a=1&a=2"},
	{OK("mysql://h/db?q=a+b%2Bc", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .options = "q=a b+c", .redacted = "mysql://h/db?q=a%20b%2Bc"},
	{OK("mysql://h/db?flag", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .options = "flag=", .redacted = "mysql://h/db?flag="},
	{OK("mysql://h/db?a=1&&b=2&", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .options = "a=1|b=2", .redacted = "mysql://h/db?a=1&b=2"},
	{OK("mysql://h/db?x=1=2&y=?", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .options = "x=1=2|y=?", .redacted = "mysql://h/db?x=1%3D2&y=%3F"},
	{OK("mysql://h/db?", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .redacted = "mysql://h/db"},
	{OK("mysql://h?ssl_mode=DISABLED", SL_URL_MYSQL, "mysql"), .host = "h",
	 .options = "ssl_mode=DISABLED", .redacted = "mysql://h?ssl_mode=DISABLED"},
	{OK("mysql://h/db?na%6De=v%61l+ue", SL_URL_MYSQL, "mysql"), .host = "h", .database = "db",
	 .options = "name=val ue", .redacted = "mysql://h/db?name=val%20ue"},

	/* ---- IPv6 ---- */
	{OK("mysql://[::1]:3306/db", SL_URL_MYSQL, "mysql"), .host = "::1", .port = 3306,
	 .database = "db", .redacted = "mysql://[::1]:3306/db"},
	{OK("mysql://u:pw@[2001:DB8::1]/db", SL_URL_MYSQL, "mysql"), .user = "u", .password = "pw",
	 .host = "2001:DB8::1", .database = "db", .redacted = "mysql://u:***@[2001:DB8::1]/db",
	 .secret = "pw"},
	{OK("mysql://[::ffff:127.0.0.1]", SL_URL_MYSQL, "mysql"), .host = "::ffff:127.0.0.1",
	 .redacted = "mysql://[::ffff:127.0.0.1]"},
	{OK("postgresql://[fe80::1%25eth0]:5432/db", SL_URL_POSTGRES, "postgresql"),
	 .host = "fe80::1%eth0", .port = 5432, .database = "db",
	 .redacted = "postgresql://[fe80::1%25eth0]:5432/db"},

	/* ---- PostgreSQL ---- */
	{OK("postgresql://u:pw@h:5432/db", SL_URL_POSTGRES, "postgresql"), .user = "u",
	 .password = "pw", .host = "h", .port = 5432, .database = "db",
	 .redacted = "postgresql://u:***@h:5432/db", .secret = "pw"},
	{OK("postgres://u@h/db", SL_URL_POSTGRES, "postgres"), .user = "u", .host = "h",
	 .database = "db", .redacted = "postgres://u@h/db"},
	{OK("postgresql+psycopg2://u:pgpass@h/db?sslmode=require", SL_URL_POSTGRES, "postgresql"),
	 .driver = "psycopg2", .user = "u", .password = "pgpass", .host = "h", .database = "db",
	 .options = "sslmode=require",
	 .redacted = "postgresql+psycopg2://u:***@h/db?sslmode=require", .secret = "pgpass"},
	{OK("postgresql+pg8000://h/db", SL_URL_POSTGRES, "postgresql"), .driver = "pg8000",
	 .host = "h", .database = "db", .redacted = "postgresql+pg8000://h/db"},
	{OK("postgresql:///db?host=/var/run/postgresql", SL_URL_POSTGRES, "postgresql"),
	 .database = "db", .options = "host=/var/run/postgresql",
	 .redacted = "postgresql:///db?host=%2Fvar%2Frun%2Fpostgresql"},
	{OK("postgresql://%2Fvar%2Frun%2Fpostgresql/db", SL_URL_POSTGRES, "postgresql"),
	 .host = "/var/run/postgresql", .database = "db",
	 .redacted = "postgresql://%2Fvar%2Frun%2Fpostgresql/db"},
	{OK("postgresql://u:pw@h/db?options=-c%20search_path%3Dx&schema=raw", SL_URL_POSTGRES,
	    "postgresql"),
	 .user = "u", .password = "pw", .host = "h", .database = "db",
	 .options = "options=-c search_path=x|schema=raw",
	 .redacted = "postgresql://u:***@h/db?options=-c%20search_path%3Dx&schema=raw",
	 .secret = "pw"},

	/* ---- SQLite ---- */
	{OK("sqlite:///relative.db", SL_URL_SQLITE, "sqlite"), .database = "relative.db",
	 .redacted = "sqlite:///relative.db"},
	{OK("sqlite:////abs/x.db", SL_URL_SQLITE, "sqlite"), .database = "/abs/x.db",
	 .redacted = "sqlite:////abs/x.db"},
	{OK("sqlite://", SL_URL_SQLITE, "sqlite"),
	 .database = ":memory:", .redacted = "sqlite:///:memory:"},
	{OK("sqlite:///", SL_URL_SQLITE, "sqlite"),
	 .database = ":memory:", .redacted = "sqlite:///:memory:"},
	{OK("sqlite:///:memory:", SL_URL_SQLITE, "sqlite"),
	 .database = ":memory:", .redacted = "sqlite:///:memory:"},
	{OK("sqlite+pysqlite:///x.db", SL_URL_SQLITE, "sqlite"), .driver = "pysqlite",
	 .database = "x.db", .redacted = "sqlite+pysqlite:///x.db"},
	{OK("sqlite:///x.db?timeout=5&mode=ro", SL_URL_SQLITE, "sqlite"), .database = "x.db",
	 .options = "timeout=5|mode=ro", .redacted = "sqlite:///x.db?timeout=5&mode=ro"},
	{OK("sqlite://?mode=memory", SL_URL_SQLITE, "sqlite"), .database = ":memory:",
	 .options = "mode=memory", .redacted = "sqlite:///:memory:?mode=memory"},
	{OK("sqlite:///my%20file.db", SL_URL_SQLITE, "sqlite"), .database = "my file.db",
	 .redacted = "sqlite:///my%20file.db"},
	{OK("sqlite:///dir/sub dir/x+y.db", SL_URL_SQLITE, "sqlite"),
	 .database = "dir/sub dir/x+y.db", .redacted = "sqlite:///dir/sub%20dir/x%2By.db"},
	{OK("sqlite:///a:b@c.db", SL_URL_SQLITE, "sqlite"), .database = "a:b@c.db",
	 .redacted = "sqlite:///a:b%40c.db"},
	{OK("sqlite:///C:/data/x.db", SL_URL_SQLITE, "sqlite"), .database = "C:/data/x.db",
	 .redacted = "sqlite:///C:/data/x.db"},

	/* ---- DuckDB ---- */
	{OK("duckdb:///file.duckdb", SL_URL_DUCKDB, "duckdb"), .database = "file.duckdb",
	 .redacted = "duckdb:///file.duckdb"},
	{OK("duckdb:////abs/file.duckdb", SL_URL_DUCKDB, "duckdb"), .database = "/abs/file.duckdb",
	 .redacted = "duckdb:////abs/file.duckdb"},
	{OK("duckdb:///:memory:", SL_URL_DUCKDB, "duckdb"),
	 .database = ":memory:", .redacted = "duckdb:///:memory:"},
	{OK("duckdb://", SL_URL_DUCKDB, "duckdb"), .redacted = "duckdb://"},
	{OK("DuckDB:///md:my_db?threads=2", SL_URL_DUCKDB, "duckdb"), .database = "md:my_db",
	 .options = "threads=2", .redacted = "duckdb:///md:my_db?threads=2"},

	/* ---- files: file:///abs/dir is /abs/dir, file://rel/dir is rel/dir (files.c) ---- */
	{OK("file:///abs/dir?format=csv", SL_URL_FILE, "file"), .database = "/abs/dir",
	 .options = "format=csv", .redacted = "file:///abs/dir?format=csv"},
	{OK("file:////abs/dir", SL_URL_FILE, "file"), .database = "/abs/dir",
	 .redacted = "file:///abs/dir"},
	{OK("file://out/sub", SL_URL_FILE, "file"), .database = "out/sub",
	 .redacted = "file://out/sub"},
	{OK("file://out_dir", SL_URL_FILE, "file"), .database = "out_dir",
	 .redacted = "file://out_dir"},

	/* ---- refused: scheme ---- */
	{BAD("localhost/db", "no '://' after the scheme", 10)},
	{BAD("MYSQL", "no '://' after the scheme", 6)},
	{BAD("mysql:/u:pw1@h/db", "no '://' after the scheme", 6), .secret = "pw1"},
	{BAD("://h/db", "empty scheme before '://'", 1)},
	/* any scheme parses; the drivers tell which they serve (test_cli_errors.sh) */
	{OK("foo://u:pw@h/db", SL_URL_OTHER, "foo"), .user = "u", .password = "pw", .host = "h",
	 .database = "db", .redacted = "foo://u:***@h/db", .secret = "pw"},
	{OK("Oracle+cx_oracle://h/db", SL_URL_OTHER, "oracle"), .driver = "cx_oracle", .host = "h",
	 .database = "db", .redacted = "oracle+cx_oracle://h/db"},
	{BAD("my sql://h", "invalid character ' ' in scheme", 3)},
	{BAD("+mysql://h", "invalid character '+' in scheme", 1)},
	{BAD("mysql+a+b://h", "invalid character '+' in scheme", 8)},
	{BAD("mysql+://h", "empty driver after '+' in scheme", 7)},
	{BAD("x y://u:secret@h", "invalid character ' ' in scheme", 2), .secret = "secret"},

	/* ---- refused: port ---- */
	{BAD("mysql://u:pw@h:99x/db", "port '99x' is not a number", 19), .secret = "pw"},
	{BAD("postgresql://u:pw@h:abc/db", "port 'abc' is not a number", 22), .secret = "pw"},
	{BAD("mysql://h:/db", "empty port after ':'", 10)},
	{BAD("mysql://h:", "empty port after ':'", 10)},
	{BAD("mysql://h:0/db", "port '0' is out of range (1-65535)", 11)},
	{BAD("mysql://h:65536/db", "port '65536' is out of range", 11)},
	{BAD("mysql://h:99999999999999999999/db", "is out of range", 11)},
	{BAD("mysql://h:-1/db", "port '-1' is not a number", 11)},
	{BAD("mysql://::1/db", "port ':1' is not a number (IPv6 addresses go in brackets", 10)},
	{BAD("mysql://u:pw@h:3306:1/db", "port '3306:1' is not a number", 21), .secret = "pw"},

	/* ---- refused: host ---- */
	{BAD("mysql://[::1/db", "unclosed '[' in IPv6 host", 9)},
	{BAD("mysql://u:pw@[::1", "unclosed '[' in IPv6 host", 15), .secret = "pw"},
	{BAD("mysql://[::1]x/db", "unexpected 'x' after the IPv6 address", 14)},
	{BAD("mysql://[]/db", "empty IPv6 address", 9)},
	{BAD("mysql://[zz::1]/db", "invalid IPv6 address 'zz::1'", 10)},
	{BAD("mysql://[127.0.0.1]/db", "invalid IPv6 address '127.0.0.1' (no ':')", 10)},
	{BAD("mysql://[fe80::1%eth0]/db", "invalid IPv6 address", 17)},
	{BAD("mysql://my host/db", "space or control character in host 'my host'", 11)},
	{BAD("mysql://h%20x/db", "space or control character in host", 10)},
	{BAD("mysql://h%0Ax/db", "space or control character in host", 10)},
	{BAD("mysql://h[1]/db", "stray bracket in host", 10)},
	{BAD("mysql://h%3A1/db", "':' in host", 10)},
	{BAD("mysql://h%zz/db", "bad percent escape '%zz' in host", 10)},
	{BAD("mysql://h%00/db", "NUL byte (%00) in host", 10)},

	/* ---- refused: percent escapes and NUL ---- */
	{BAD("mysql://u:p%zzw@h/db", "bad percent escape in password; write a literal '%' as %25",
	     11),
	 .secret = "p%zzw"},
	{BAD("mysql://u:50%@h/db", "truncated percent escape in password", 11), .secret = "50%"},
	{BAD("mysql://u:pw@h/d%zzb", "bad percent escape '%zz' in database name", 18),
	 .secret = "pw"},
	{BAD("mysql://u:pw@h/db%4", "truncated percent escape '%4' in database name", 19),
	 .secret = "pw"},
	{BAD("mysql://h/db%", "truncated percent escape '%' in database name", 13)},
	{BAD("mysql://u%zz@h/db", "bad percent escape '%zz' in user name", 10)},
	{BAD("mysql://h/d%00b", "NUL byte (%00) in database name", 12)},
	{BAD("mysql://u%00:pw@h/db", "NUL byte (%00) in user name", 10), .secret = "pw"},
	{BAD("mysql://u:p%00w@h/db", "NUL byte (%00) in password", 11), .secret = "p%00w"},
	{BAD("sqlite:///x.db%", "truncated percent escape '%' in file path", 15)},
	{BAD("mysql://h/db?a=%zz", "bad percent escape '%zz' in option value", 16)},
	{BAD("mysql://u:pw@h/db?a=1&%zz=2", "bad percent escape '%zz' in option name", 24),
	 .secret = "pw"},
	{BAD("mysql://h/db?a=%00", "NUL byte (%00) in option value", 16)},

	/* ---- refused: control characters ---- */
	{BAD("mysql://h/db\n", "control character 0x0A", 13)},
	{BAD("mysql://u:pw@h/db?x=1\r", "control character 0x0D", 23), .secret = "pw"},
	{BAD("mysql://u:p\tw@h/db", "control character in password", 11), .secret = "p\tw"},
	{BAD("mysql://u:secret\x7f@h", "control character in password", 11), .secret = "secret"},

	/* ---- refused: path and query ---- */
	{BAD("mysql://h/a/b", "database name 'a/b' contains '/' (write it as %2F)", 12)},
	{BAD("mysql://h/db/", "database name 'db/' contains '/'", 13)},
	{BAD("mysql://h/db?=v", "empty option name in query", 14)},
	{BAD("mysql://h/db?a=1&=2", "empty option name in query", 18)},

	/* ---- refused: sqlite / duckdb ---- */
	{BAD("sqlite://localhost/x.db",
	     "sqlite URLs have no host; use sqlite:///relative.db or "
	     "sqlite:////absolute.db",
	     10)},
	{BAD("sqlite://:5/x.db", "sqlite URLs have no host", 10)},
	{BAD("duckdb://h/x.duckdb",
	     "duckdb URLs have no host; use duckdb:///relative.db or "
	     "duckdb:////absolute.db",
	     10)},
	{BAD("sqlite://u:pw@/x.db", "sqlite URLs take no user name or password", 10),
	 .secret = "pw"},

	/* ---- refused: a password holding '/' or '?' unencoded ---- */
	{BAD("mysql://u:p/w@h/db", "ambiguous '@' after the host", 12), .secret = "p/w"},
	{BAD("mysql://u:p?w@h/db", "ambiguous '@' after the host", 12), .secret = "p?w"},
	{BAD("mysql://u:12/ss@h", "ambiguous '@'", 12), .secret = "12/ss"},
	{BAD("mysql://h:3306/db?e=a@b", "percent-encode '/', '?' and '@'", 12)},
};

static const char *str_or_null(const char *s)
{
	return s ? s : "(null)";
}

/* The options joined as "k=v|k=v", or NULL when there are none. */
static char *join_options(const sl_url *url)
{
	if (url->noptions == 0)
		return NULL;
	sl_buf b = SL_BUF_INIT;
	for (size_t i = 0; i < url->noptions; i++)
		sl_buf_printf(&b, "%s%s=%s", i > 0 ? "|" : "", url->options[i].key,
			      url->options[i].value);
	char *s = sl_buf_detach(&b);
	assert_non_null(s);
	return s;
}

static void assert_str_eq(const char *what, const char *text, const char *got, const char *want)
{
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
		fail_msg("%s: %s is '%s', expected '%s'", text, what, str_or_null(got),
			 str_or_null(want));
}

/* The parts other than the password agree. */
static void assert_same_parts(const char *text, const sl_url *url, const url_case *c)
{
	char *options = join_options(url);
	assert_int_equal(url->kind, c->kind);
	assert_str_eq("scheme", text, url->scheme, c->scheme);
	assert_str_eq("driver", text, url->driver, c->driver);
	assert_str_eq("user", text, url->user, c->user);
	assert_str_eq("host", text, url->host, c->host);
	assert_str_eq("database", text, url->database, c->database);
	assert_str_eq("options", text, options, c->options);
	if (url->port != c->port)
		fail_msg("%s: port is %d, expected %d", text, url->port, c->port);
	free(options);
}

static void check_accepted(const url_case *c)
{
	sl_url *url = NULL;
	int rc = sl_url_parse(&url, c->text);
	if (rc != SL_OK)
		fail_msg("%s: refused (%d): %s", c->text, rc, sl_error_last()->message);
	assert_same_parts(c->text, url, c);
	assert_str_eq("password", c->text, url->password, c->password);

	char *red = sl_url_redacted(url);
	assert_non_null(red);
	assert_str_eq("redacted", c->text, red, c->redacted);
	if (c->secret)
		assert_null(strstr(red, c->secret));

	/* The redacted form reads back as the same URL with the password "***". */
	sl_url *again = NULL;
	rc = sl_url_parse(&again, red);
	if (rc != SL_OK)
		fail_msg("%s: redacted form %s refused: %s", c->text, red,
			 sl_error_last()->message);
	assert_same_parts(red, again, c);
	assert_str_eq("password", red, again->password, c->password ? "***" : NULL);

	sl_url_free(again);
	sl_url_free(url);
	free(red);
}

/* Returns the number of mismatches, each printed, so one run shows every wrong case. */
static int check_refused(const url_case *c)
{
	sl_url *url = (sl_url *)&url; /* must be reset to NULL */
	int rc = sl_url_parse(&url, c->text);
	if (rc != SL_EURL)
		fail_msg("%s: returned %d, expected SL_EURL", c->text, rc);
	assert_null(url);
	const sl_error *err = sl_error_last();
	assert_int_equal(err->code, SL_EURL);
	char where[48];
	snprintf(where, sizeof where, " at character %d: ", c->at);
	int bad = 0;
	if (!strstr(err->message, c->error) || !strstr(err->message, where)) {
		print_error("%s: message '%s' lacks '%s' or '%s'\n", c->text, err->message,
			    c->error, where);
		bad++;
	}
	if (c->secret && strstr(err->message, c->secret))
		fail_msg("%s: message '%s' shows the password", c->text, err->message);
	assert_non_null(strstr(err->message, "malformed URL '"));
	assert_null(strchr(err->message, '\n'));
	return bad;
}

static void test_table(void **state)
{
	(void)state;
	size_t accepted = 0;
	int bad = 0;
	for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
		if (CASES[i].rc == SL_OK) {
			check_accepted(&CASES[i]);
			accepted++;
		} else {
			bad += check_refused(&CASES[i]);
		}
	}
	assert_int_equal(bad, 0);
	/* Keep the table from silently shrinking. */
	assert_true(accepted >= 60);
	assert_true(sizeof CASES / sizeof CASES[0] - accepted >= 60);
}

static void test_empty_and_null(void **state)
{
	(void)state;
	sl_url *url = NULL;
	assert_int_equal(sl_url_parse(&url, ""), SL_EURL);
	assert_null(url);
	assert_non_null(strstr(sl_error_last()->message, "the URL is empty"));
	assert_int_equal(sl_url_parse(&url, NULL), SL_EINVAL);
	assert_int_equal(sl_url_parse(NULL, "mysql://h"), SL_EINVAL);
	sl_url_free(NULL);
	assert_null(sl_url_option_get(NULL, "a"));
	assert_null(sl_url_redacted(NULL));
}

static void test_option_get(void **state)
{
	(void)state;
	sl_url *url = NULL;
	assert_int_equal(sl_url_parse(&url, "mysql://h/db?a=1&b=x+y&a=2&A=3&e="), SL_OK);
	assert_int_equal(url->noptions, 5);
	assert_string_equal(sl_url_option_get(url, "a"), "2"); /* the last wins */
	assert_string_equal(sl_url_option_get(url, "A"), "3"); /* case-sensitive */
	assert_string_equal(sl_url_option_get(url, "b"), "x y");
	assert_string_equal(sl_url_option_get(url, "e"), "");
	assert_null(sl_url_option_get(url, "c"));
	assert_null(sl_url_option_get(url, NULL));
	assert_string_equal(url->options[0].value, "1"); /* all kept, in order */
	sl_url_free(url);
}

static void test_redact_text(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"mysql://u:pw@h/db", "mysql://u:***@h/db"},
		{"mysql://u:p@ss@h:1/db?x=@", "mysql://u:***@h:1/db?x=@"},
		{"mysql://u:@h", "mysql://u:***@h"},
		{"mysql://u@h/db", "mysql://u@h/db"},
		{"mysql://h:99x/db", "mysql://h:99x/db"},
		{"mysql://u:p/w@h/db", "mysql://***@h/db"},
		{"mysql://u:p?w@h/db", "mysql://***@h/db"},
		{"sqlite:///a:b@c.db", "sqlite:///a:b@c.db"},
		{"x y://u:secret@h", "x y://***@h"},
		{"mysql:/u:secret@h", "mysql:/***@h"},
		{"u:secret@h", "u:***@h"},
		{"not a url", "not a url"},
		{"mysql://h/db\n", "mysql://h/db\\x0A"},
		{"mysql://u:p\tw@h", "mysql://u:***@h"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = sl_url_redact_text(cases[i].in);
		assert_non_null(got);
		assert_str_eq("redact_text", cases[i].in, got, cases[i].out);
		free(got);
	}
	char *got = sl_url_redact_text(NULL);
	assert_string_equal(got, "");
	free(got);
}

/* A long URL is cut short in the message, which stays one bounded line without the password. */
static void test_long_url_message(void **state)
{
	(void)state;
	char text[3000];
	int n = snprintf(text, sizeof text, "mysql://u:longsecret@h:x/");
	memset(text + n, 'd', sizeof text - (size_t)n - 1);
	text[sizeof text - 1] = '\0';
	sl_url *url = NULL;
	assert_int_equal(sl_url_parse(&url, text), SL_EURL);
	const char *msg = sl_error_last()->message;
	assert_non_null(strstr(msg, "...'"));
	assert_non_null(strstr(msg, "port 'x' is not a number"));
	assert_non_null(strstr(msg, "at character 17: "));
	assert_null(strstr(msg, "longsecret"));
	assert_true(strlen(msg) < 1000);
}

/* Positions count characters, not bytes, so they match what a reader sees. */
static void test_position_counts_characters(void **state)
{
	(void)state;
	sl_url *url = NULL;
	assert_int_equal(sl_url_parse(&url, "mysql://\xc3\xbc\xc3\xbc:pw@h:p/db"), SL_EURL);
	assert_non_null(strstr(sl_error_last()->message, "at character 18: port 'p'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_option_get),
		cmocka_unit_test(test_redact_text),
		cmocka_unit_test(test_long_url_message),
		cmocka_unit_test(test_position_counts_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
