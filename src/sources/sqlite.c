/*
 * sqlite.c — the SQLite source driver: opens a database file read-only, reflects a table from
 * PRAGMA table_xinfo, renders a scan plan to SQL with bound parameters and decodes each stepped
 * row straight into a columnar batch (sqlite_value.c).
 *
 * SQLite stores a value in whatever storage class it was given, whatever the column declares.
 * The declared type picks the portable type (docs/types-sqlite.md); each value is then converted
 * to it when that loses nothing, and otherwise the scan fails with SL_ETYPE naming table, column,
 * row and value. Two exceptions, both counted per column and reported by warnings(): DECIMAL(p,s)
 * rounds extra fractional digits to the declared scale, and an empty string in a column that is
 * not text (what `sqlite3 .import` stores for an empty CSV field) is loaded as NULL.
 *
 * Temporal cursors need care in the WHERE clause: the same instant can be stored as
 * '2024-01-31 12:00:00', '2024-01-31 12:00:00.000000' or 1706702400, which compare unequal in SQL.
 * Comparisons with a temporal value are therefore rendered as half-open ranges in the storage
 * form the column actually uses (see put_compare), so `=`, `>` and `<=` mean what they mean for
 * the decoded values.
 */
#include "scan_sql.h"
#include "sqlite_internal.h"
#include "value.h"
#include "warnings.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define BUSY_TIMEOUT_MS 5000

/* How a temporal column stores its values, as far as comparing them in SQL is concerned. */
typedef enum temporal_mode {
	TM_TEXT_SPACE, /* text, date and time separated by ' ' (or no values at all) */
	TM_TEXT_T,     /* text, ISO 8601 'T' separator */
	TM_UNIX	       /* integers: unix seconds (TIME: seconds since midnight) */
} temporal_mode;

typedef struct mode_entry {
	char *key; /* "schema\x1ftable\x1fcolumn" */
	temporal_mode mode;
} mode_entry;

struct sqlite_conn {
	sl_source_conn base;
	sqlite3 *db;
	char *path; /* as given in the URL, for messages */
	mode_entry *modes;
	size_t nmodes;
	sl_warnings warnings; /* joined: no "\n" after the last line */
};

/* ---- declared type -> portable type --------------------------------------------------------- */

typedef struct type_name {
	const char *name;
	sl_type type;
} type_name;

/* Names whose meaning SQLite's affinity rules do not capture (all have NUMERIC affinity). */
static const type_name known_names[] = {
	{"BOOLEAN", SL_TYPE_BOOL},	  {"BOOL", SL_TYPE_BOOL},
	{"DATE", SL_TYPE_DATE},		  {"DATETIME", SL_TYPE_TIMESTAMP},
	{"TIMESTAMP", SL_TYPE_TIMESTAMP}, {"TIMESTAMP WITHOUT TIME ZONE", SL_TYPE_TIMESTAMP},
	{"TIME", SL_TYPE_TIME},		  {"TIME WITHOUT TIME ZONE", SL_TYPE_TIME},
	{"DECIMAL", SL_TYPE_DECIMAL},	  {"NUMERIC", SL_TYPE_DECIMAL},
	{"JSON", SL_TYPE_JSON},		  {"BINARY", SL_TYPE_BLOB},
	{"VARBINARY", SL_TYPE_BLOB},	  {"BYTEA", SL_TYPE_BLOB},
};

/* Up to two integer arguments of "NAME(p, s)"; returns how many were read. */
static int type_args(const char *paren, int *a, int *b)
{
	int n = 0, *dst[2] = {a, b};
	const char *p = paren + 1;
	while (n < 2) {
		while (*p == ' ')
			p++;
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || v < 0 || v > 1000)
			return n;
		*dst[n++] = (int)v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p != ',')
			break;
		p++;
	}
	return n;
}

static void map_declared_type(const char *decl, sl_type *type, int *precision, int *scale)
{
	char base[64], upper[256];
	size_t nb = 0, nu = 0;
	*precision = 0;
	*scale = 0;
	/* the upper-cased declaration, and its name before "(" with single spaces */
	for (const char *p = decl; *p && nu + 1 < sizeof(upper); p++)
		upper[nu++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
	upper[nu] = '\0';
	const char *paren = strchr(decl, '(');
	for (size_t k = 0; upper[k] && upper[k] != '(' && nb + 1 < sizeof(base); k++) {
		char ch = upper[k] == '\t' || upper[k] == '\n' ? ' ' : upper[k];
		if (ch == ' ' && (nb == 0 || base[nb - 1] == ' '))
			continue;
		base[nb++] = ch;
	}
	while (nb > 0 && base[nb - 1] == ' ')
		nb--;
	base[nb] = '\0';
	int a = 0, b = 0, nargs = paren ? type_args(paren, &a, &b) : 0;

	if (nb == 0) {
		/* no declared type: BLOB affinity, but in practice such columns hold text */
		*type = SL_TYPE_TEXT;
		return;
	}
	for (size_t k = 0; k < SL_ARRAY_LEN(known_names); k++) {
		if (strcmp(base, known_names[k].name) != 0)
			continue;
		*type = known_names[k].type;
		if (*type == SL_TYPE_DECIMAL) {
			if (nargs >= 1 && a >= 1 && a <= 38 && (nargs < 2 || b <= a)) {
				*precision = a;
				*scale = nargs >= 2 ? b : 0;
			} else {
				*type = SL_TYPE_DOUBLE; /* no usable precision */
			}
		} else if (*type == SL_TYPE_TIMESTAMP || *type == SL_TYPE_TIME) {
			*precision = nargs >= 1 && a <= 6 ? a : 6;
		} else if (*type == SL_TYPE_BLOB && nargs >= 1) {
			*precision = a;
		}
		return;
	}
	/* SQLite's affinity rules, in SQLite's order (datatype3.html 3.1) */
	if (strstr(upper, "INT")) {
		*type = SL_TYPE_INT64;
	} else if (strstr(upper, "CHAR") || strstr(upper, "CLOB") || strstr(upper, "TEXT")) {
		*type = SL_TYPE_TEXT;
		*precision = nargs >= 1 ? a : 0;
	} else if (strstr(upper, "BLOB")) {
		*type = SL_TYPE_BLOB;
	} else if (strstr(upper, "REAL") || strstr(upper, "FLOA") || strstr(upper, "DOUB")) {
		*type = SL_TYPE_DOUBLE;
	} else {
		/* NUMERIC affinity under a name we do not know (UUID, STRING, MONEY...): TEXT holds
		   every storage class without loss */
		*type = SL_TYPE_TEXT;
	}
}

/* ---- connection ----------------------------------------------------------------------------- */

static int db_error(sqlite_conn *c, int code, const char *what)
{
	return sl_error_set(code, "SQLite database '%s': %s: %s", c->path, what,
			    sqlite3_errmsg(c->db));
}

static void sqlite_disconnect(sl_source_conn *base)
{
	sqlite_conn *c = (sqlite_conn *)base;
	if (!c)
		return;
	sqlite3_close_v2(c->db);
	for (size_t k = 0; k < c->nmodes; k++)
		free(c->modes[k].key);
	free(c->modes);
	sl_warnings_clear(&c->warnings);
	free(c->path);
	free(c);
}

static int sqlite_connect(sl_source_conn **out, const sl_url *url, sl_interrupt *intr)
{
	(void)intr; /* a local file: the pipeline's check between batches is enough */
	*out = NULL;
	const char *path = url->database;
	if (!path || !*path)
		return sl_error_set(SL_EINVAL, "sqlite URL names no database file");
	bool memory = strcmp(path, ":memory:") == 0;
	struct stat sb;
	if (!memory && stat(path, &sb) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return sl_error_set(SL_ENOTFOUND, "SQLite database file '%s' not found",
					    path);
		return sl_error_set(SL_ECONNECT, "cannot open SQLite database file '%s': %s", path,
				    strerror(errno));
	}
	sqlite_conn *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	c->base.driver = &sl_sqlite_source;
	c->warnings.joined = true;
	c->path = sl_strdup(path);
	/* "./" keeps a name starting with "file:" a plain file name even where URIs are on */
	char *open_path =
		strncmp(path, "file:", 5) == 0 ? sl_printf_alloc("./%s", path) : sl_strdup(path);
	if (!c->path || !open_path) {
		free(open_path);
		sqlite_disconnect(&c->base);
		return SL_ENOMEM;
	}
	/* NOMUTEX: a connection is used by one thread at a time, and SQLite's per-call mutex
	   costs ~10% of a scan (every sqlite3_column_* call takes it) */
	int rc = sqlite3_open_v2(open_path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
				 NULL);
	free(open_path);
	if (rc != SQLITE_OK) {
		rc = sl_error_set(SL_ECONNECT, "cannot open SQLite database file '%s': %s", path,
				  c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite_disconnect(&c->base);
		return rc;
	}
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	/* SQLite opens lazily: read the schema now so that "not a database" shows up here */
	rc = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sl_error_set(SL_ECONNECT, "cannot read SQLite database file '%s': %s", path,
				  sqlite3_errmsg(c->db));
		sqlite_disconnect(&c->base);
		return rc;
	}
	*out = &c->base;
	return SL_OK;
}

/* ---- reflect -------------------------------------------------------------------------------- */

/* The schema ("main", "temp", an attached name) holding `table`, or NULL; caller frees. */
static char *find_schema(sqlite_conn *c, const char *schema, const char *table, int *rc)
{
	static const char *const sql =
		"SELECT name FROM pragma_database_list "
		"WHERE ?1 IS NULL OR name = ?1 COLLATE NOCASE "
		"ORDER BY name <> 'temp', seq"; /* SQLite resolves names in temp first */
	sqlite3_stmt *st = NULL;
	char *found = NULL;
	*rc = SL_OK;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		*rc = db_error(c, SL_ESOURCE, "listing schemas");
		return NULL;
	}
	sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		sqlite3_stmt *probe = NULL;
		if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_xinfo(?1, ?2)", -1,
				       &probe, NULL) != SQLITE_OK) {
			*rc = db_error(c, SL_ESOURCE, "reading table_xinfo");
			break;
		}
		sqlite3_bind_text(probe, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(probe, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(probe) == SQLITE_ROW) {
			found = sl_strdup(name);
			if (!found)
				*rc = SL_ENOMEM;
		}
		sqlite3_finalize(probe);
	}
	sqlite3_finalize(st);
	return found;
}

static int read_columns(sqlite_conn *c, sl_table_schema *s, const char *schema, const char *table)
{
	/* hidden: 0 plain, 1 hidden column of a virtual table, 2/3 generated (readable) */
	static const char *const sql = "SELECT name, type, \"notnull\", pk FROM "
				       "pragma_table_xinfo(?1, ?2) WHERE hidden <> 1 ORDER BY cid";
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(c, SL_ESOURCE, "reading table_xinfo");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	int *pkpos = NULL; /* per column: its position in the primary key (1-based), 0 */
	int rc = SL_OK, step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *decl = (const char *)sqlite3_column_text(st, 1);
		bool notnull = sqlite3_column_int(st, 2) != 0;
		int pk = sqlite3_column_int(st, 3);
		sl_type type;
		int precision, scale;
		map_declared_type(decl ? decl : "", &type, &precision, &scale);
		/* an INTEGER PRIMARY KEY is the rowid: never NULL even without NOT NULL */
		if (pk > 0 && decl && strcasecmp(decl, "INTEGER") == 0)
			notnull = true;
		rc = sl_schema_add_column(s, name ? name : "", type, precision, scale, !notnull,
					  decl ? decl : "");
		if (rc < 0)
			break;
		int *np = sl_realloc(pkpos, s->ncolumns * sizeof(*np));
		if (!np) {
			rc = SL_ENOMEM;
			break;
		}
		pkpos = np;
		pkpos[rc] = pk;
		rc = SL_OK;
	}
	if (rc == SL_OK && step != SQLITE_DONE)
		rc = db_error(c, SL_ESOURCE, "reading table_xinfo");
	sqlite3_finalize(st);
	/* a composite key lists its columns by pk position, not by column order */
	for (int pos = 1; rc == SL_OK && pos <= (int)s->ncolumns; pos++)
		for (size_t k = 0; k < s->ncolumns; k++)
			if (pkpos[k] == pos)
				rc = sl_schema_add_pk(s, k);
	free(pkpos);
	return rc;
}

static int sqlite_reflect(sl_table_schema **out, sl_source_conn *base, const char *table)
{
	sqlite_conn *c = (sqlite_conn *)base;
	*out = NULL;
	int rc;
	const char *name = table;
	char *qualifier = NULL;
	/* "a.b" is first a table named "a.b", then table "b" in schema "a" */
	char *schema = find_schema(c, NULL, table, &rc);
	const char *dot = strchr(table, '.');
	if (!schema && rc == SL_OK && dot) {
		qualifier = sl_strndup(table, (size_t)(dot - table));
		if (!qualifier)
			return SL_ENOMEM;
		name = dot + 1;
		schema = find_schema(c, qualifier, name, &rc);
	}
	free(qualifier);
	if (rc != SL_OK) {
		free(schema);
		return rc;
	}
	if (!schema)
		return sl_error_set(SL_ENOTFOUND, "table '%s' not found in SQLite database '%s'",
				    table, c->path);
	sl_table_schema *s = sl_schema_new(schema, name);
	free(schema);
	if (!s)
		return SL_ENOMEM;
	rc = read_columns(c, s, s->database, name);
	if (rc != SL_OK) {
		sl_schema_free(s);
		return rc;
	}
	*out = s;
	return SL_OK;
}

/* The main schema's tables (and views), SQLite's own sqlite_% tables left out. A name reflects
   as given: reflect tries "a.b" as a whole name first. */
static int sqlite_list_tables(sl_source_table_list *out, sl_source_conn *base, bool include_views)
{
	static const char *const sql = "SELECT name, type = 'view' FROM main.sqlite_master "
				       "WHERE (type = 'table' OR (?1 AND type = 'view')) "
				       "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
	sqlite_conn *c = (sqlite_conn *)base;
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(c, SL_ESOURCE, "listing tables");
	sqlite3_bind_int(st, 1, include_views);
	int rc = SL_OK, step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (name)
			rc = sl_source_table_list_add(out, "main", name, name,
						      sqlite3_column_int(st, 1) != 0);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_error(c, SL_ESOURCE, "listing tables");
	sqlite3_finalize(st);
	if (!rc && !(out->where = sl_printf_alloc("SQLite database '%s'", c->path)))
		rc = SL_ENOMEM;
	if (rc)
		sl_source_table_list_clear(out);
	return rc;
}

/* ---- rendering a plan ----------------------------------------------------------------------- */

static bool is_temporal(sl_type t)
{
	return t == SL_TYPE_DATE || t == SL_TYPE_TIME || t == SL_TYPE_TIMESTAMP;
}

/* A statement being rendered: the connection, whose columns' temporal modes comparisons need,
   and the name a scan selects the rowid by (for messages), or NULL. */
typedef struct sqlite_sql {
	sl_scan_sql base;
	sqlite_conn *conn;
	const char *rowid;
} sqlite_sql;

static const sl_scan_dialect sqlite_dialect;

static void sql_init(sqlite_sql *q, sqlite_conn *c, const sl_table_schema *t)
{
	sl_scan_sql_init(&q->base, &sqlite_dialect, t);
	q->conn = c;
	q->rowid = NULL;
}

/* `?`, its parameter the value as the storage class it is compared with: numbers as such, text
   (and DECIMAL as text: the column's NUMERIC affinity turns it into a number), BLOB. */
static int put_value(sl_scan_sql *r, const sl_column *col, const sl_value *v)
{
	(void)col;
	sl_sql_param *b = sl_scan_sql_param(r);
	if (!b)
		return SL_ENOMEM;
	sl_buf_putc(&r->sql, '?');
	if (v->is_null || sl_sql_param_number(b, v))
		return SL_OK;
	if (v->type == SL_TYPE_BLOB)
		return sl_sql_param_bytes(b, SL_PARAM_BLOB, v->bytes, v->len);
	return sl_sql_param_text(b, sl_value_to_text(v));
}

/* The smallest or the largest stored value of a column: its storage class, and for TEXT the
   character between date and time (0: none). */
static int probe_end(sqlite_sql *r, size_t col, bool largest, int *storage, char *sep)
{
	sqlite_sql q;
	sql_init(&q, r->conn, r->base.table);
	sl_buf_puts(&q.base.sql, "SELECT ");
	sl_scan_sql_column(&q.base, col);
	sl_buf_puts(&q.base.sql, " FROM ");
	sl_scan_sql_table(&q.base);
	sl_buf_puts(&q.base.sql, " WHERE ");
	sl_scan_sql_column(&q.base, col);
	sl_buf_puts(&q.base.sql, " IS NOT NULL ORDER BY ");
	sl_scan_sql_column(&q.base, col);
	sl_buf_puts(&q.base.sql, largest ? " DESC LIMIT 1" : " LIMIT 1");
	sqlite3_stmt *st = NULL;
	int rc = SL_OK;
	if (q.base.sql.failed)
		rc = SL_ENOMEM;
	else if (sqlite3_prepare_v2(r->conn->db, sl_buf_cstr(&q.base.sql), -1, &st, NULL) !=
		 SQLITE_OK)
		rc = db_error(r->conn, SL_ESOURCE, "reading the cursor's storage");
	else if (sqlite3_step(st) == SQLITE_ROW) {
		*storage = sqlite3_column_type(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (*storage == SQLITE_TEXT && sqlite3_column_bytes(st, 0) > 10 &&
		    r->base.table->columns[col].type == SL_TYPE_TIMESTAMP)
			*sep = t[10];
	}
	sqlite3_finalize(st);
	sl_scan_sql_free(&q.base);
	return rc;
}

/* The mode both ends of a column's values agree on, or SL_EUNSUPPORTED. */
static int mode_of(temporal_mode *out, const sl_table_schema *t, size_t col, const int storage[2],
		   const char sep[2])
{
	bool text = storage[0] == SQLITE_TEXT || storage[0] == SQLITE_NULL;
	*out = TM_TEXT_SPACE;
	if (storage[0] == SQLITE_INTEGER && storage[1] == SQLITE_INTEGER) {
		*out = TM_UNIX;
	} else if (!text || (storage[1] != SQLITE_TEXT && storage[1] != SQLITE_NULL) ||
		   (sep[0] && sep[1] && sep[0] != sep[1])) {
		return sl_error_set(SL_EUNSUPPORTED,
				    "table '%s' column '%s': cannot compare cursor values in SQL: "
				    "they are stored as %s and %s%s (see docs/types-sqlite.md)",
				    t->name, t->columns[col].name,
				    sl_sqlite_storage_name(storage[0]),
				    sl_sqlite_storage_name(storage[1]),
				    storage[0] == storage[1] ? " with different layouts" : "");
	} else if (sep[0] == 'T' || sep[1] == 'T' || sep[0] == 't' || sep[1] == 't') {
		*out = TM_TEXT_T;
	}
	return SL_OK;
}

/* Look up (once per connection and column) how a temporal column stores its values. */
static int column_mode(sqlite_sql *r, size_t col, temporal_mode *out)
{
	sqlite_conn *c = r->conn;
	const sl_table_schema *t = r->base.table;
	char *key = sl_printf_alloc("%s\x1f%s\x1f%s", t->database ? t->database : "main", t->name,
				    t->columns[col].name);
	if (!key)
		return SL_ENOMEM;
	for (size_t k = 0; k < c->nmodes; k++) {
		if (strcmp(c->modes[k].key, key) == 0) {
			free(key);
			*out = c->modes[k].mode;
			return SL_OK;
		}
	}
	/* the smallest and the largest value: SQLite sorts by storage class first, so if both
	   ends have the same class, every value has it */
	int storage[2] = {SQLITE_NULL, SQLITE_NULL};
	char sep[2] = {0, 0};
	int rc = probe_end(r, col, false, &storage[0], &sep[0]);
	if (rc == SL_OK)
		rc = probe_end(r, col, true, &storage[1], &sep[1]);
	if (rc == SL_OK)
		rc = mode_of(out, t, col, storage, sep);
	mode_entry *nm = rc ? NULL : sl_realloc(c->modes, (c->nmodes + 1) * sizeof(*nm));
	if (!nm) {
		free(key);
		return rc ? rc : SL_ENOMEM;
	}
	c->modes = nm;
	c->modes[c->nmodes].key = key;
	c->modes[c->nmodes].mode = *out;
	c->nmodes++;
	return SL_OK;
}

/*
 * The smallest stored form of temporal value `x` (in units: days for DATE, micros otherwise)
 * in the column's storage mode: every stored form of an instant >= x compares >= it in SQL,
 * every form of an instant < x compares < it. Text: the canonical text with the fraction's
 * trailing zeros dropped ("12:00:00.5" <= "12:00:00.500000"). Unix: seconds rounded up.
 */
static int bind_temporal_floor(sl_scan_sql *r, sl_type type, temporal_mode mode, int64_t x)
{
	sl_sql_param *b = sl_scan_sql_param(r);
	if (!b)
		return SL_ENOMEM;
	sl_buf_putc(&r->sql, '?');
	if (mode == TM_UNIX) {
		b->type = SL_PARAM_INT;
		if (type == SL_TYPE_DATE)
			b->i = x * 86400;
		else
			b->i = -sl_floor_div(-x, SL_MICROS_PER_SEC); /* ceil */
		return SL_OK;
	}
	sl_value v = SL_VALUE_INIT;
	v.type = type;
	v.is_null = false;
	v.as.i64 = x;
	char *s = sl_value_to_text(&v);
	if (!s)
		return SL_ENOMEM;
	size_t n = strlen(s);
	if (memchr(s, '.', n)) {
		while (n > 0 && s[n - 1] == '0')
			s[--n] = '\0';
	}
	if (mode == TM_TEXT_T && type == SL_TYPE_TIMESTAMP) {
		char *sp = strchr(s + 1, ' ');
		if (sp)
			*sp = 'T';
	}
	return sl_sql_param_text(b, s);
}

/* `column op value`, for temporal columns as a half-open range on the stored forms. */
static int put_compare(sl_scan_sql *r, size_t col, sl_sql_op op, const sl_value *v)
{
	sl_type type = r->table->columns[col].type;
	if (!is_temporal(type) || v->is_null)
		return sl_scan_sql_plain_compare(r, col, op, v);
	temporal_mode mode = TM_TEXT_SPACE;
	int rc = column_mode((sqlite_sql *)r, col, &mode);
	if (rc != SL_OK)
		return rc;
	/* lo = floor(x), hi = floor(x + one unit): x <= c  <=>  c >= lo,  x < c  <=>  c >= hi */
	int64_t lo = v->as.i64, hi = v->as.i64 + 1;
	bool from_hi = op == SL_SQL_GT || op == SL_SQL_LE;
	sl_buf_putc(&r->sql, '(');
	sl_scan_sql_column(r, col);
	sl_buf_puts(&r->sql, op == SL_SQL_LT || op == SL_SQL_LE ? " < " : " >= ");
	rc = bind_temporal_floor(r, type, mode, from_hi ? hi : lo);
	if (rc == SL_OK && op == SL_SQL_EQ) {
		sl_buf_puts(&r->sql, " AND ");
		sl_scan_sql_column(r, col);
		sl_buf_puts(&r->sql, " < ");
		rc = bind_temporal_floor(r, type, mode, hi);
	}
	sl_buf_putc(&r->sql, ')');
	return rc;
}

/*
 * (cols) op (values) for op in <, <=, >, >=. A row value when no column is temporal (SQLite
 * >= 3.15); otherwise spelled out, since each temporal comparison becomes a range.
 */
static int put_row_compare(sl_scan_sql *r, size_t n, const size_t *cols, sl_sql_op op,
			   const sl_value *vals)
{
	bool temporal = false;
	for (size_t k = 0; k < n; k++)
		temporal |= is_temporal(r->table->columns[cols[k]].type) && !vals[k].is_null;
	if (!temporal)
		return sl_scan_sql_plain_row_compare(r, n, cols, op, vals);
	sl_sql_op strict = (op == SL_SQL_LT || op == SL_SQL_LE) ? SL_SQL_LT : SL_SQL_GT;
	bool or_equal = op == SL_SQL_LE || op == SL_SQL_GE;
	/* implied by what follows, but a plain range on the first column lets an index serve */
	sl_buf_putc(&r->sql, '(');
	int rc = put_compare(r, cols[0], strict == SL_SQL_GT ? SL_SQL_GE : SL_SQL_LE, &vals[0]);
	sl_buf_puts(&r->sql, " AND (");
	for (size_t i = 0; i < n + or_equal && rc == SL_OK; i++) {
		sl_buf_puts(&r->sql, i ? " OR (" : "(");
		for (size_t j = 0; j < i && j < n && rc == SL_OK; j++) {
			rc = put_compare(r, cols[j], SL_SQL_EQ, &vals[j]);
			sl_buf_puts(&r->sql, " AND ");
		}
		if (rc == SL_OK && i < n)
			rc = put_compare(r, cols[i], strict, &vals[i]);
		else if (rc == SL_OK)
			sl_buf_puts(&r->sql, "1"); /* all equal */
		sl_buf_putc(&r->sql, ')');
	}
	sl_buf_puts(&r->sql, "))");
	return rc;
}

static void put_rowid(sl_scan_sql *r)
{
	const char *rowid = ((sqlite_sql *)r)->rowid;
	if (rowid)
		sl_buf_printf(&r->sql, ", %s", rowid);
}

static int put_limit(sl_scan_sql *r, uint64_t limit)
{
	sl_sql_param *b = sl_scan_sql_param(r);
	if (!b)
		return SL_ENOMEM;
	sl_buf_puts(&r->sql, " LIMIT ?");
	b->type = SL_PARAM_INT;
	b->i = limit > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
	return SL_OK;
}

static const sl_scan_dialect sqlite_dialect = {
	.quote = '"',
	.schema = "main",
	.put_value = put_value,
	.put_compare = put_compare,
	.put_row_compare = put_row_compare,
	.put_extra_columns = put_rowid,
	.put_limit = put_limit,
};

/* A name for the rowid that no column shadows, or NULL. */
static const char *rowid_alias(const sl_table_schema *t)
{
	static const char *const names[] = {"rowid", "_rowid_", "oid"};
	for (size_t k = 0; k < SL_ARRAY_LEN(names); k++) {
		bool taken = false;
		for (size_t i = 0; i < t->ncolumns && !taken; i++)
			taken = strcasecmp(t->columns[i].name, names[k]) == 0;
		if (!taken)
			return names[k];
	}
	return NULL;
}

static int bind_param(sqlite3_stmt *st, int idx, const sl_sql_param *b)
{
	switch (b->type) {
	case SL_PARAM_INT:
	case SL_PARAM_UINT:
		return sqlite3_bind_int64(st, idx, b->i);
	case SL_PARAM_DOUBLE:
		return sqlite3_bind_double(st, idx, b->d);
	case SL_PARAM_TEXT:
		return sqlite3_bind_text(st, idx, b->bytes, (int)b->len, SQLITE_TRANSIENT);
	case SL_PARAM_BLOB:
		return sqlite3_bind_blob(st, idx, b->bytes, (int)b->len, SQLITE_TRANSIENT);
	default:
		return sqlite3_bind_null(st, idx);
	}
}

/* Prepare the rendered SQL and bind its parameters (copied by SQLite). */
static int prepare(sqlite_sql *q, sqlite3_stmt **out)
{
	sqlite_conn *c = q->conn;
	*out = NULL;
	if (sqlite3_prepare_v2(c->db, sl_buf_cstr(&q->base.sql), -1, out, NULL) != SQLITE_OK)
		return db_error(c, SL_ESOURCE, "preparing a scan");
	for (size_t k = 0; k < q->base.nparams; k++) {
		if (bind_param(*out, (int)k + 1, &q->base.params[k]) != SQLITE_OK) {
			int rc = db_error(c, SL_ESOURCE, "binding a scan parameter");
			sqlite3_finalize(*out);
			*out = NULL;
			return rc;
		}
	}
	return SL_OK;
}

/* ---- scans ---------------------------------------------------------------------------------- */

/* Sum the scan's counts into the connection's lines, summed over its scans. */
static void add_warnings(sqlite_scan *s)
{
	for (size_t col = 0; col < s->table->ncolumns; col++) {
		const sl_column *column = &s->table->columns[col];
		for (int kind = 0; kind < WARN__COUNT; kind++) {
			uint64_t n = s->counts[col * WARN__COUNT + (size_t)kind];
			if (!n)
				continue;
			const char *one = "empty string loaded as NULL";
			const char *many = "empty strings loaded as NULL";
			char dec1[64], decn[64];
			if (kind == WARN_ROUNDED) {
				snprintf(dec1, sizeof(dec1), "value rounded to DECIMAL(%d,%d)",
					 column->precision, column->scale);
				snprintf(decn, sizeof(decn), "values rounded to DECIMAL(%d,%d)",
					 column->precision, column->scale);
				one = dec1;
				many = decn;
			}
			/* a lost warning is not worth failing a finished scan */
			(void)sl_warnings_add_plural(&s->conn->warnings, s->table->name,
						     column->name, one, many, n);
		}
	}
}

static void sqlite_scan_close(sl_scan *base)
{
	sqlite_scan *s = (sqlite_scan *)base;
	if (!s)
		return;
	/* finalizing stops the statement where it is: nothing to drain */
	sqlite3_finalize(s->stmt);
	if (s->counts)
		add_warnings(s);
	free(s->counts);
	free(s);
}

static int sqlite_scan_open(sl_scan **out, sl_source_conn *base, const sl_scan_plan *plan)
{
	sqlite_conn *c = (sqlite_conn *)base;
	*out = NULL;
	sqlite_scan *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	s->base.driver = &sl_sqlite_source;
	s->conn = c;
	s->table = plan->table;
	s->seen = plan->seen_pk != NULL;
	s->counts = sl_calloc(plan->table->ncolumns * WARN__COUNT + 1, sizeof(uint64_t));
	if (!s->counts) {
		free(s);
		return SL_ENOMEM;
	}
	/* select the rowid for messages; WITHOUT ROWID tables and views have none */
	const char *rowid = rowid_alias(plan->table);
	int rc = SL_OK;
	for (int attempt = 0; attempt < 2; attempt++) {
		sqlite_sql q;
		sql_init(&q, c, plan->table);
		q.rowid = rowid;
		rc = sl_scan_sql_plan(&q.base, plan);
		if (rc == SL_OK)
			rc = prepare(&q, &s->stmt);
		sl_scan_sql_free(&q.base);
		if (rc == SL_OK || !rowid || rc != SL_ESOURCE)
			break;
		rowid = NULL; /* retry without */
	}
	if (rc != SL_OK) {
		sqlite_scan_close(&s->base);
		return rc;
	}
	s->rowid_col = rowid ? (int)plan->table->ncolumns + (s->seen ? 1 : 0) : -1;
	*out = &s->base;
	return SL_OK;
}

/* Store a decoded cell into the batch (variable-length bytes copied into its arena). */
static int store(sl_batch *b, size_t col, size_t row, const cell *c)
{
	sl_vector *v = &b->columns[col];
	void *data = v->data;
	switch (v->type) {
	case SL_TYPE_BOOL:
		((uint8_t *)data)[row] = (uint8_t)(c->i != 0);
		break;
	case SL_TYPE_INT64:
	case SL_TYPE_TIME:
	case SL_TYPE_TIMESTAMP:
		((int64_t *)data)[row] = c->i;
		break;
	case SL_TYPE_DATE:
		((int32_t *)data)[row] = (int32_t)c->i;
		break;
	case SL_TYPE_DOUBLE:
		((double *)data)[row] = c->d;
		break;
	case SL_TYPE_DECIMAL:
		sl_decimal_store(data, row, v->precision,
				 v->precision <= 18 ? sl_int128_from(c->i) : c->w);
		break;
	case SL_TYPE_TEXT:
	case SL_TYPE_BLOB:
	case SL_TYPE_JSON: {
		if (c->n > UINT32_MAX)
			return sl_error_set(SL_ETYPE, "value of %zu bytes is too long", c->n);
		const char *p = sl_arena_copy(&b->arena, c->p, c->n);
		if (!p)
			return SL_ENOMEM;
		((sl_bytes *)data)[row].ptr = p;
		((sl_bytes *)data)[row].len = (uint32_t)c->n;
		break;
	}
	default:
		return sl_error_set(SL_ETYPE, "column %zu: unexpected batch type", col);
	}
	sl_batch_set_valid(b, col, row);
	return SL_OK;
}

static int decode_row(sqlite_scan *s, sl_batch *b, size_t row)
{
	row_ref ref = {s->table, s->stmt, s->rowid_col, s->row};
	cell c;
	size_t n = s->table->ncolumns;
	for (size_t col = 0; col < n; col++) {
		bool rounded;
		int rc = sl_sqlite_decode(&ref, col, s->stmt, (int)col, &c, &rounded);
		if (rc < 0)
			return rc;
		if (rc == DECODED_NULL || rc == DECODED_EMPTY) {
			s->counts[col * WARN__COUNT + WARN_EMPTY] += rc == DECODED_EMPTY;
			sl_batch_set_null(b, col, row);
			continue;
		}
		s->counts[col * WARN__COUNT + WARN_ROUNDED] += rounded;
		rc = store(b, col, row, &c);
		if (rc != SL_OK)
			return rc;
	}
	if (s->seen && b->ncolumns > n) {
		/* NULL (a NULL cursor or key) means not seen */
		((uint8_t *)b->columns[n].data)[row] = sqlite3_column_int(s->stmt, (int)n) != 0;
		sl_batch_set_valid(b, n, row);
	}
	return SL_OK;
}

static int sqlite_scan_next(sl_scan *base, sl_batch *b)
{
	sqlite_scan *s = (sqlite_scan *)base;
	int added = 0;
	if (b->ncolumns < s->table->ncolumns + (s->seen ? 1 : 0))
		return sl_error_set(
			SL_EINVAL, "table '%s': batch has %zu columns, the scan needs %zu",
			s->table->name, b->ncolumns, s->table->ncolumns + (s->seen ? 1 : 0));
	while (!s->done && b->nrows < b->capacity) {
		int step = sqlite3_step(s->stmt);
		if (step == SQLITE_DONE) {
			s->done = true;
			break;
		}
		if (step != SQLITE_ROW)
			return sl_error_set(
				SL_ESOURCE, "SQLite database '%s': reading table '%s': %s",
				s->conn->path, s->table->name, sqlite3_errmsg(s->conn->db));
		s->row++;
		int rc = decode_row(s, b, b->nrows);
		if (rc != SL_OK)
			return rc;
		b->nrows++;
		added++;
	}
	return added;
}

/* ---- stats and warnings --------------------------------------------------------------------- */

static int query_count(sqlite_sql *r, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = prepare(r, &st);
	if (rc != SL_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = db_error(r->conn, SL_ESOURCE, "counting rows");
	sqlite3_finalize(st);
	return rc;
}

static int query_extreme(sqlite_sql *r, size_t col, char **out)
{
	sqlite3_stmt *st;
	int rc = prepare(r, &st);
	if (rc != SL_OK)
		return rc;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		row_ref ref = {r->base.table, NULL, -1, 0};
		cell c;
		bool rounded;
		rc = sl_sqlite_decode(&ref, col, st, 0, &c, &rounded);
		if (rc == 0) {
			sl_value v = SL_VALUE_INIT;
			rc = sl_sqlite_cell_to_value(&v, &r->base.table->columns[col], &c);
			if (rc == SL_OK) {
				*out = sl_value_to_text(&v);
				rc = *out ? SL_OK : SL_ENOMEM;
			}
			sl_value_clear(&v);
		} else if (rc == DECODED_NULL || rc == DECODED_EMPTY) {
			rc = SL_OK; /* empty table or only NULLs */
		}
	} else if (step != SQLITE_DONE) {
		rc = db_error(r->conn, SL_ESOURCE, "reading the cursor's maximum");
	}
	sqlite3_finalize(st);
	return rc;
}

/* "SELECT <what> FROM <table>" for the cheap stats queries. */
static void select_from(sqlite_sql *q, sqlite_conn *c, const sl_table_schema *t, const char *what,
			int col)
{
	sql_init(q, c, t);
	sl_buf_puts(&q->base.sql, "SELECT ");
	sl_buf_puts(&q->base.sql, what);
	if (col >= 0) {
		sl_scan_sql_column(&q->base, (size_t)col);
		sl_buf_putc(&q->base.sql, ')');
	}
	sl_buf_puts(&q->base.sql, " FROM ");
	sl_scan_sql_table(&q->base);
}

/* MAX/MIN and COUNT(*) are cheap enough on a local file to answer always. */
static int sqlite_stats(sl_source_stats *out, sl_source_conn *base, const sl_table_schema *t,
			int cursor, bool descending, const sl_value *after)
{
	sqlite_conn *c = (sqlite_conn *)base;
	out->cursor_max = NULL;
	out->rows_total = -1;
	out->rows_after = -1;
	sqlite_sql r;
	select_from(&r, c, t, "COUNT(*)", -1);
	int rc = r.base.sql.failed ? SL_ENOMEM : query_count(&r, &out->rows_total);
	sl_scan_sql_free(&r.base);
	if (rc != SL_OK || cursor < 0)
		return rc;

	sqlite_sql m;
	select_from(&m, c, t, descending ? "MIN(" : "MAX(", cursor);
	rc = m.base.sql.failed ? SL_ENOMEM : query_extreme(&m, (size_t)cursor, &out->cursor_max);
	sl_scan_sql_free(&m.base);
	if (rc != SL_OK)
		return rc;

	/* without `after` nothing is loaded yet: every row with a cursor remains */
	sqlite_sql a;
	size_t cur = (size_t)cursor;
	select_from(&a, c, t, "COUNT(*)", -1);
	sl_buf_puts(&a.base.sql, " WHERE ");
	if (after)
		rc = put_compare(&a.base, cur, descending ? SL_SQL_LT : SL_SQL_GT, after);
	else {
		sl_scan_sql_column(&a.base, cur);
		sl_buf_puts(&a.base.sql, " IS NOT NULL");
	}
	if (rc == SL_OK)
		rc = a.base.sql.failed ? SL_ENOMEM : query_count(&a, &out->rows_after);
	sl_scan_sql_free(&a.base);
	return rc;
}

static const char *sqlite_warnings(sl_source_conn *base)
{
	return sl_warnings_text(&((sqlite_conn *)base)->warnings);
}

static void sqlite_clear_warnings(sl_source_conn *base)
{
	sl_warnings_clear(&((sqlite_conn *)base)->warnings);
}

const sl_source_driver sl_sqlite_source = {
	.head = {SL_SOURCE_DRIVER_VERSION, "sqlite", (const char *const[]){"sqlite", NULL}},
	.connect = sqlite_connect,
	.disconnect = sqlite_disconnect,
	.reflect = sqlite_reflect,
	.list_tables = sqlite_list_tables,
	.scan_open = sqlite_scan_open,
	.scan_next = sqlite_scan_next,
	.scan_close = sqlite_scan_close,
	.stats = sqlite_stats,
	.warnings = sqlite_warnings,
	.clear_warnings = sqlite_clear_warnings,
};
