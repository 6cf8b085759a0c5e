/*
 * raw_read.c — the floor for sluice's benchmarks: fetch every row of one table as fast as the
 * client library allows, decode nothing beyond what the protocol hands over, write nothing.
 *
 *     raw_read mysql URL TABLE      libmariadb's binary protocol: a prepared SELECT *, executed
 *                                   without a cursor and read unbuffered with mysql_stmt_fetch
 *                                   into bound buffers typed like the columns
 *     raw_read postgres URL TABLE   libpq: COPY (SELECT * FROM TABLE) TO STDOUT (FORMAT binary),
 *                                   read with PQgetCopyData and split into tuples and fields
 *
 * URL is a sluice source URL (mysql://user:pw@host:port/db, postgresql://...). TABLE may be
 * "schema.table". Prints one line, `rows=N bytes=M`, where bytes counts the payload of the
 * non-NULL values as the protocol delivers them (no length prefixes, NULL bitmaps or tuple
 * headers): integers and floats their width, MySQL temporal values their binary-protocol length,
 * strings and decimals their length, PostgreSQL fields their COPY binary length. The benchmark
 * script divides by those bytes to get MB/s for the raw read and for sluice alike.
 */
#include "url.h"

#include <mysql.h>
#include <libpq-fe.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RR_BIND_MAX (16 * 1024) /* bound buffer cap; longer values come via fetch_column */

typedef struct rr_count {
	uint64_t rows;
	uint64_t bytes;
} rr_count;

static int fail(const char *what, const char *detail)
{
	fprintf(stderr, "raw_read: %s: %s\n", what, detail);
	return 1;
}

/* "schema.table" or "table", each part quoted with `quote`, after `prefix`. */
static char *select_sql(const char *prefix, const char *table, char quote, const char *suffix)
{
	sl_buf sql = SL_BUF_INIT;
	const char *dot = strchr(table, '.');
	sl_buf_puts(&sql, prefix);
	if (dot) {
		char *schema = sl_strndup(table, (size_t)(dot - table));
		if (!schema) {
			sl_buf_free(&sql);
			return NULL;
		}
		sl_buf_quote_ident(&sql, schema, quote);
		sl_buf_putc(&sql, '.');
		free(schema);
		table = dot + 1;
	}
	sl_buf_quote_ident(&sql, table, quote);
	sl_buf_puts(&sql, suffix);
	return sl_buf_detach(&sql);
}

/* ---------------------------------------------------------------- MySQL / MariaDB */

/* One result column: its bound buffer and what the last fetch put there. */
typedef struct my_col {
	enum enum_field_types type; /* buffer_type bound */
	unsigned width;		    /* fixed width of numeric types, 0 for variable length */
	unsigned long length;	    /* length of the value fetched (full, even when truncated) */
	my_bool is_null;
	my_bool error;
	union {
		int64_t i;
		double d;
		float f;
		MYSQL_TIME t;
	} fixed;
	char *var; /* buffer for strings, decimals, blobs, bits */
	unsigned long var_cap;
} my_col;

/* Bind `f` to its natural C type, so the fetch costs what a typed client's fetch costs. */
static int my_bind_column(my_col *c, MYSQL_BIND *b, const MYSQL_FIELD *f)
{
	memset(b, 0, sizeof(*b));
	c->width = 0;
	switch (f->type) {
	case MYSQL_TYPE_TINY:
		c->width = 1;
		break;
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_YEAR:
		c->width = 2;
		break;
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
		c->width = 4;
		break;
	case MYSQL_TYPE_LONGLONG:
		c->width = 8;
		break;
	case MYSQL_TYPE_FLOAT:
		c->width = 4;
		break;
	case MYSQL_TYPE_DOUBLE:
		c->width = 8;
		break;
	default:
		break;
	}
	c->type = f->type == MYSQL_TYPE_INT24 ? MYSQL_TYPE_LONG : f->type;
	switch (f->type) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_YEAR:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		b->buffer = &c->fixed;
		b->buffer_length = sizeof(c->fixed);
		break;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE:
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_TIME:
		c->type = f->type == MYSQL_TYPE_NEWDATE ? MYSQL_TYPE_DATE : f->type;
		b->buffer = &c->fixed.t;
		b->buffer_length = sizeof(c->fixed.t);
		break;
	default:
		/* Everything else arrives as bytes: strings, decimals, blobs, bits, JSON, enums. */
		c->type = MYSQL_TYPE_BLOB;
		c->var_cap = f->length ? (unsigned long)f->length : 1;
		if (c->var_cap > RR_BIND_MAX)
			c->var_cap = RR_BIND_MAX;
		c->var = malloc(c->var_cap);
		if (!c->var)
			return -1;
		b->buffer = c->var;
		b->buffer_length = c->var_cap;
		break;
	}
	b->buffer_type = c->type;
	b->is_unsigned = (f->flags & UNSIGNED_FLAG) != 0;
	b->length = &c->length;
	b->is_null = &c->is_null;
	b->error = &c->error;
	return 0;
}

/* Payload bytes of a temporal value on the binary protocol (its length byte not counted). */
static unsigned my_time_bytes(const MYSQL_TIME *t, enum enum_field_types type)
{
	if (type == MYSQL_TYPE_TIME) {
		if (t->second_part)
			return 12;
		return t->day || t->hour || t->minute || t->second ? 8 : 0;
	}
	if (t->second_part)
		return 11;
	if (t->hour || t->minute || t->second)
		return 7;
	return t->year || t->month || t->day ? 4 : 0;
}

/* Fetch the rest of a value longer than its bound buffer, as a client that keeps it must. */
static int my_fetch_long(MYSQL_STMT *stmt, my_col *c, unsigned col, char **big, size_t *big_cap)
{
	if (*big_cap < c->length) {
		char *p = realloc(*big, c->length);
		if (!p)
			return -1;
		*big = p;
		*big_cap = c->length;
	}
	MYSQL_BIND b;
	unsigned long len = 0;
	memset(&b, 0, sizeof(b));
	b.buffer_type = MYSQL_TYPE_BLOB;
	b.buffer = *big;
	b.buffer_length = (unsigned long)*big_cap;
	b.length = &len;
	return mysql_stmt_fetch_column(stmt, &b, col, 0) ? -1 : 0;
}

static int my_count_rows(MYSQL_STMT *stmt, my_col *cols, unsigned n, rr_count *out)
{
	char *big = NULL;
	size_t big_cap = 0;
	int rc = 0;
	for (;;) {
		int f = mysql_stmt_fetch(stmt);
		if (f == MYSQL_NO_DATA)
			break;
		if (f == 1) {
			rc = fail("fetch", mysql_stmt_error(stmt));
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			my_col *c = &cols[i];
			if (c->is_null)
				continue;
			if (c->width)
				out->bytes += c->width;
			else if (c->type == MYSQL_TYPE_BLOB)
				out->bytes += c->length;
			else
				out->bytes += my_time_bytes(&c->fixed.t, c->type);
			if (f == MYSQL_DATA_TRUNCATED && c->type == MYSQL_TYPE_BLOB &&
			    c->length > c->var_cap && my_fetch_long(stmt, c, i, &big, &big_cap)) {
				rc = fail("fetching a long value", mysql_stmt_error(stmt));
				goto out;
			}
		}
		out->rows++;
	}
out:
	free(big);
	return rc;
}

static int my_read(MYSQL_STMT *stmt, const char *sql, rr_count *out)
{
	unsigned long cursor = CURSOR_TYPE_NO_CURSOR;
	my_bool no_max = 0;
	mysql_stmt_attr_set(stmt, STMT_ATTR_CURSOR_TYPE, &cursor);
	mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &no_max);
	if (mysql_stmt_prepare(stmt, sql, (unsigned long)strlen(sql)))
		return fail("prepare", mysql_stmt_error(stmt));
	if (mysql_stmt_execute(stmt))
		return fail("execute", mysql_stmt_error(stmt));
	MYSQL_RES *meta = mysql_stmt_result_metadata(stmt);
	if (!meta)
		return fail("result metadata", mysql_stmt_error(stmt));
	unsigned n = mysql_num_fields(meta);
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	my_col *cols = calloc(n, sizeof(*cols));
	MYSQL_BIND *binds = calloc(n, sizeof(*binds));
	int rc = 0;
	if (!cols || !binds)
		rc = fail("bind", "out of memory");
	for (unsigned i = 0; !rc && i < n; i++)
		if (my_bind_column(&cols[i], &binds[i], &fields[i]))
			rc = fail("bind", "out of memory");
	if (!rc && mysql_stmt_bind_result(stmt, binds))
		rc = fail("bind result", mysql_stmt_error(stmt));
	if (!rc)
		rc = my_count_rows(stmt, cols, n, out);
	for (unsigned i = 0; cols && i < n; i++)
		free(cols[i].var);
	free(cols);
	free(binds);
	mysql_free_result(meta);
	return rc;
}

static int read_mysql(const sl_url *url, const char *table, rr_count *out)
{
	MYSQL *db = mysql_init(NULL);
	if (!db)
		return fail("mysql_init", "out of memory");
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *socket = sl_url_option_get(url, "unix_socket");
	int rc;
	if (!mysql_real_connect(db, url->host ? url->host : "localhost", url->user, url->password,
				url->database, (unsigned)url->port, socket, 0)) {
		char where[300];
		snprintf(where, sizeof(where), "connecting to %s:%d/%s",
			 url->host ? url->host : "localhost", url->port,
			 url->database ? url->database : "");
		rc = fail(where, mysql_error(db));
		mysql_close(db);
		return rc;
	}
	char *sql = select_sql("SELECT * FROM ", table, '`', "");
	MYSQL_STMT *stmt = sql ? mysql_stmt_init(db) : NULL;
	if (!stmt)
		rc = fail("statement", "out of memory");
	else
		rc = my_read(stmt, sql, out);
	if (stmt)
		mysql_stmt_close(stmt);
	free(sql);
	mysql_close(db);
	return rc;
}

/* ---------------------------------------------------------------- PostgreSQL */

/* The 11-byte signature of COPY binary; the string's NUL is its last byte. */
static const char pg_signature[] = "PGCOPY\n\377\r\n";

/*
 * A COPY binary stream split into tuples. The server sends one tuple per CopyData message (the
 * header rides on the first), but nothing in the protocol promises that, so an incomplete tail
 * is carried over to the next message.
 */
typedef struct pg_parser {
	sl_buf carry;	  /* bytes of an incomplete unit from earlier messages */
	int header_done;  /* the file header has been consumed */
	int trailer_seen; /* the -1 field count that ends the data has been consumed */
	rr_count *count;
} pg_parser;

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Size of the complete header at d (0 if it is not all there yet), -1 if it is not COPY binary. */
static long pg_header(const unsigned char *d, size_t len)
{
	if (len < 19)
		return 0;
	if (memcmp(d, pg_signature, sizeof(pg_signature)) != 0)
		return -1;
	uint32_t ext = rd32(d + 15);
	return len - 19 < ext ? 0 : (long)(19 + ext);
}

/* Size of the complete tuple at d (0 if incomplete), adding its fields' bytes to *payload. */
static size_t pg_tuple(const unsigned char *d, size_t len, uint64_t *payload)
{
	uint16_t nf = rd16(d);
	size_t pos = 2;
	uint64_t sum = 0;
	for (uint16_t i = 0; i < nf; i++) {
		if (len - pos < 4)
			return 0;
		uint32_t fl = rd32(d + pos);
		pos += 4;
		if (fl == 0xffffffffu) /* NULL */
			continue;
		if (len - pos < fl)
			return 0;
		pos += fl;
		sum += fl;
	}
	*payload = sum;
	return pos;
}

/* Consume the complete units at the start of d; the number of bytes consumed, or -1 if bad. */
static long pg_parse(pg_parser *p, const unsigned char *d, size_t len)
{
	size_t used = 0;
	if (!p->header_done) {
		long h = pg_header(d, len);
		if (h <= 0)
			return h;
		p->header_done = 1;
		used = (size_t)h;
	}
	while (!p->trailer_seen && len - used >= 2) {
		if (rd16(d + used) == 0xffff) {
			p->trailer_seen = 1;
			used += 2;
			break;
		}
		uint64_t payload = 0;
		size_t t = pg_tuple(d + used, len - used, &payload);
		if (!t)
			break;
		used += t;
		p->count->rows++;
		p->count->bytes += payload;
	}
	return (long)used;
}

/* Feed one CopyData message. */
static int pg_feed(pg_parser *p, const char *msg, size_t len)
{
	const unsigned char *d = (const unsigned char *)msg;
	if (p->carry.len) {
		sl_buf_append(&p->carry, msg, len);
		if (p->carry.failed)
			return -1;
		d = (const unsigned char *)p->carry.data;
		len = p->carry.len;
	}
	long used = pg_parse(p, d, len);
	if (used < 0)
		return -1;
	size_t rest = len - (size_t)used;
	if (p->carry.len) {
		memmove(p->carry.data, p->carry.data + used, rest);
		p->carry.len = rest;
	} else if (rest) {
		sl_buf_append(&p->carry, (const char *)d + used, rest);
	}
	return p->carry.failed ? -1 : 0;
}

static int pg_copy(PGconn *conn, const char *sql, rr_count *out)
{
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		int rc = fail("COPY", PQerrorMessage(conn));
		PQclear(res);
		return rc;
	}
	PQclear(res);
	pg_parser p = {SL_BUF_INIT, 0, 0, out};
	int rc = 0, n;
	char *msg;
	while ((n = PQgetCopyData(conn, &msg, 0)) > 0) {
		if (!rc && pg_feed(&p, msg, (size_t)n))
			rc = fail("COPY", "malformed binary COPY data or out of memory");
		PQfreemem(msg);
	}
	if (n == -2 && !rc)
		rc = fail("COPY", PQerrorMessage(conn));
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !rc)
			rc = fail("COPY", PQresultErrorMessage(res));
		PQclear(res);
	}
	if (!rc && (!p.trailer_seen || p.carry.len))
		rc = fail("COPY", "the binary COPY data ended early");
	sl_buf_free(&p.carry);
	return rc;
}

static int read_postgres(const sl_url *url, const char *table, rr_count *out)
{
	/* Keywords, not the URL itself: sluice's URLs may name a driver libpq does not know. */
	const char *keys[6] = {"host", "port", "user", "password", "dbname", NULL};
	char port[16] = "";
	if (url->port)
		snprintf(port, sizeof(port), "%d", url->port);
	/* libpq skips a keyword whose value is NULL or empty, leaving its default. */
	const char *values[6] = {url->host, port, url->user, url->password, url->database, NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 0);
	if (!conn)
		return fail("PQconnectdbParams", "out of memory");
	int rc;
	if (PQstatus(conn) != CONNECTION_OK) {
		char where[300];
		snprintf(where, sizeof(where), "connecting to %s:%d/%s",
			 url->host ? url->host : "(socket)", url->port,
			 url->database ? url->database : "");
		rc = fail(where, PQerrorMessage(conn));
	} else {
		char *sql = select_sql("COPY (SELECT * FROM ", table, '"',
				       ") TO STDOUT (FORMAT binary)");
		rc = sql ? pg_copy(conn, sql, out) : fail("COPY", "out of memory");
		free(sql);
	}
	PQfinish(conn);
	return rc;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "mysql") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: raw_read mysql|postgres URL TABLE\n");
		return 2;
	}
	sl_url *url;
	if (sl_url_parse(&url, argv[2]))
		return fail("URL", sl_error_last()->message);
	int mysql = strcmp(argv[1], "mysql") == 0;
	if (url->kind != (mysql ? SL_URL_MYSQL : SL_URL_POSTGRES)) {
		sl_url_free(url);
		return fail("URL", mysql ? "expected a mysql:// or mariadb:// URL"
					 : "expected a postgresql:// URL");
	}
	rr_count count = {0, 0};
	int rc = mysql ? read_mysql(url, argv[3], &count) : read_postgres(url, argv[3], &count);
	sl_url_free(url);
	if (rc)
		return rc;
	printf("rows=%" PRIu64 " bytes=%" PRIu64 "\n", count.rows, count.bytes);
	return 0;
}
