/*
 * mysql_reflect.c — the MySQL/MariaDB source's catalog reads: a table's columns, their portable
 * types (docs/types.md) and its primary key from information_schema, and the index that gives a
 * scan's ORDER BY. The queries run through the driver's session (sl_my_meta_query), which
 * reopens it when the server dropped it while idle.
 */
#include "mysql_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	int rc = sl_my_meta_query(out, c, &sql, doing);
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
	int rc = sl_my_meta_query(&res, c, &sql, "SELECT DATABASE()");
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

int sl_my_reflect(sl_table_schema **out, sl_source_conn *conn, const char *table)
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

/* A name reflect finds as given, unless a dot would split it into database and table. */
static int add_listed(sl_source_table_list *out, const char *dbname, const char *name, bool is_view)
{
	char *ref = strchr(name, '.') ? sl_printf_alloc("%s.%s", dbname, name) : sl_strdup(name);
	int rc = ref ? sl_source_table_list_add(out, dbname, name, ref, is_view) : SL_ENOMEM;
	free(ref);
	return rc;
}

/* MariaDB calls a system-versioned table 'SYSTEM VERSIONED'; it is a base table too. */
int sl_my_list_tables(sl_source_table_list *out, sl_source_conn *conn, bool include_views)
{
	my_conn *c = (my_conn *)conn;
	memset(out, 0, sizeof(*out));
	char *dbname;
	int rc = sl_session_ready(&c->s);
	rc = rc ? rc : current_database(&dbname, c);
	if (rc)
		return rc;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT TABLE_NAME, TABLE_TYPE = 'VIEW' FROM information_schema.TABLES "
			  "WHERE TABLE_SCHEMA = ");
	put_literal(&sql, c->db, dbname);
	sl_buf_puts(&sql, include_views ? " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', "
					  "'VIEW')"
					: " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')");
	char doing[300];
	snprintf(doing, sizeof(doing), "listing the tables of %s", dbname);
	MYSQL_RES *res;
	rc = sl_my_meta_query(&res, c, &sql, doing);
	sl_buf_free(&sql);
	MYSQL_ROW r;
	while (!rc && (r = mysql_fetch_row(res)))
		if (r[0])
			rc = add_listed(out, dbname, r[0], r[1] && strcmp(r[1], "1") == 0);
	if (res)
		mysql_free_result(res);
	if (!rc && !(out->where = sl_printf_alloc("database '%s'", dbname)))
		rc = SL_ENOMEM;
	free(dbname);
	if (rc)
		sl_source_table_list_clear(out);
	return rc;
}

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
int sl_my_ordering_index(char **out, my_conn *c, const sl_scan_plan *plan)
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
