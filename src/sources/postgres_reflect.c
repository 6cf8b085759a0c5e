/*
 * postgres_reflect.c — the PostgreSQL source's catalog reads: a table found by its name as
 * given (bare parts also by their lower-case form, as SQL folds them), its columns with domains
 * resolved to their base types, their portable types (docs/types.md) and its primary key, from
 * pg_class, pg_attribute, pg_type and pg_index. The queries run through the driver's session
 * (sl_pg_meta_query), which reopens it when the server dropped it while idle.
 */
#include "pg_oid.h"
#include "postgres_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	int rc = sl_pg_meta_query(&r, c, schema ? with_schema : on_path, schema ? 4 : 2, types,
				  params, what, NULL);
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
	int rc = sl_pg_meta_query(&r, c, "SELECT pg_catalog.current_schema()", 0, NULL, NULL,
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

/* A relation's columns: domains resolved to their base type (and the base type's modifier) by
   recursion, and for arrays the element's type. */
static const char *const columns_sql =
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

/* A relation's primary key, in key order. */
static const char *const pk_sql =
	"SELECT a.attname FROM pg_catalog.pg_index i"
	" CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
	" JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
	" WHERE i.indrelid = $1::pg_catalog.oid AND i.indisprimary ORDER BY k.ord";

typedef int row_fn(pg_conn *c, sl_table_schema *s, const PGresult *r, int i);

/* Run a catalog query about the relation `oid` ($1) and hand its rows to `row`, in order, until
   one fails; `what` says what it does to `s`, for messages. */
static int each_row(pg_conn *c, const char *sql, const char *oid, const char *what,
		    sl_table_schema *s, row_fn *row)
{
	const Oid types[] = {OID_TEXT};
	const char *params[] = {oid};
	PGresult *r;
	int rc = sl_pg_meta_query(&r, c, sql, 1, types, params, what, s);
	for (int i = 0; !rc && i < PQntuples(r); i++)
		rc = row(c, s, r, i);
	PQclear(r);
	return rc;
}

/* One row of columns_sql as a column of `s`. */
static int add_column(pg_conn *c, sl_table_schema *s, const PGresult *r, int i)
{
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
		.elem_oid = PQgetisnull(r, i, 9) ? 0 : strtoul(PQgetvalue(r, i, 9), NULL, 10),
		.elem_typtype = PQgetvalue(r, i, 10)[0],
		.elem_typcategory = PQgetvalue(r, i, 11)[0],
		.elem_typname = PQgetvalue(r, i, 12),
		.elem_typmod = field_long(r, i, 13),
	};
	sl_type type, element = SL_TYPE_TEXT;
	int precision, scale;
	const char *note;
	map_type(&d, &type, &element, &precision, &scale, &note);
	int idx = type == SL_TYPE_LIST ? sl_schema_add_list_column(s, d.name, element, precision,
								   scale, d.nullable, d.decl)
				       : sl_schema_add_column(s, d.name, type, precision, scale,
							      d.nullable, d.decl);
	if (idx < 0 || !note)
		return idx < 0 ? idx : SL_OK;
	char what[300];
	snprintf(what, sizeof(what), "PostgreSQL type %s %s", d.decl, note);
	return sl_warnings_add(&c->s.warnings, s->name, d.name, what, false, 0);
}

/* One row of pk_sql as the next column of s's primary key. */
static int add_pk_column(pg_conn *c, sl_table_schema *s, const PGresult *r, int i)
{
	(void)c;
	const char *name = PQgetvalue(r, i, 0);
	int idx = -1;
	for (size_t j = 0; j < s->ncolumns && idx < 0; j++)
		if (strcmp(s->columns[j].name, name) == 0)
			idx = (int)j;
	if (idx < 0)
		return sl_error_set(SL_ESOURCE, "table %s.%s: primary key column %s not found",
				    s->database, s->name, name);
	return sl_schema_add_pk(s, (size_t)idx);
}

int sl_pg_reflect(sl_table_schema **out, sl_source_conn *conn, const char *table)
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
		rc = each_row(c, columns_sql, oid, "reading the columns of", s, add_column);
	if (!rc && s->ncolumns == 0)
		rc = sl_error_set(SL_ESOURCE, "table %s.%s in database '%s' has no columns", nsp,
				  rel, c->dbname);
	if (!rc)
		rc = each_row(c, pk_sql, oid, "reading the primary key of", s, add_pk_column);
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

/* The schema unqualified names are found in: the `schema` option's (by its name, else its
   lower-case form, as reflect finds it), else current_schema(), the first schema of the search
   path that exists. */
static int listed_schema(char **out, pg_conn *c)
{
	static const char *const option =
		"SELECT COALESCE((SELECT nspname FROM pg_catalog.pg_namespace "
		"WHERE nspname = $1 OR nspname = pg_catalog.lower($1) "
		"ORDER BY nspname = $1 DESC LIMIT 1), $1)";
	*out = NULL;
	const Oid types[] = {OID_TEXT};
	const char *params[] = {c->p.schema};
	PGresult *r;
	int rc = c->p.schema ? sl_pg_meta_query(&r, c, option, 1, types, params,
						"looking up the schema", NULL)
			     : sl_pg_meta_query(&r, c, "SELECT pg_catalog.current_schema()", 0,
						NULL, NULL, "reading the search_path", NULL);
	if (rc)
		return rc;
	if (PQgetisnull(r, 0, 0))
		rc = sl_error_set(SL_ENOTFOUND,
				  "database '%s': no schema of the search_path exists, so there "
				  "are no tables to list: give the schema URL option",
				  c->dbname);
	else if (!(*out = sl_strdup(PQgetvalue(r, 0, 0))))
		rc = SL_ENOMEM;
	PQclear(r);
	return rc;
}

/* A listed name as reflect takes it: bare, unless a dot or a leading quote would be parsed. */
static int add_listed(sl_source_table_list *out, const char *schema, const char *name, bool is_view)
{
	sl_buf ref = SL_BUF_INIT;
	if (strchr(name, '.') || name[0] == '"')
		sl_buf_quote_ident(&ref, name, '"');
	else
		sl_buf_puts(&ref, name);
	int rc = ref.failed
			 ? SL_ENOMEM
			 : sl_source_table_list_add(out, schema, name, sl_buf_cstr(&ref), is_view);
	sl_buf_free(&ref);
	return rc;
}

/* Partitions are left out: their rows are loaded through their partitioned table. */
int sl_pg_list_tables(sl_source_table_list *out, sl_source_conn *conn, bool include_views)
{
	static const char *const sql =
		"SELECT c.relname, c.relkind IN ('v', 'm') FROM pg_catalog.pg_class c "
		"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
		"WHERE n.nspname = $1 AND NOT c.relispartition "
		"AND (c.relkind IN ('r', 'p') OR ($2 AND c.relkind IN ('v', 'm')))";
	pg_conn *c = (pg_conn *)conn;
	memset(out, 0, sizeof(*out));
	char *schema;
	int rc = sl_session_ready(&c->s);
	rc = rc ? rc : listed_schema(&schema, c);
	if (rc)
		return rc;
	const Oid types[] = {OID_TEXT, OID_BOOL};
	const char *params[] = {schema, include_views ? "t" : "f"};
	char what[200];
	snprintf(what, sizeof(what), "listing the tables of schema '%s'", schema);
	PGresult *r;
	rc = sl_pg_meta_query(&r, c, sql, 2, types, params, what, NULL);
	for (int i = 0; !rc && i < PQntuples(r); i++)
		rc = add_listed(out, schema, PQgetvalue(r, i, 0),
				strcmp(PQgetvalue(r, i, 1), "t") == 0);
	PQclear(r);
	if (!rc &&
	    !(out->where = sl_printf_alloc("schema '%s' of database '%s'", schema, c->dbname)))
		rc = SL_ENOMEM;
	free(schema);
	if (rc)
		sl_source_table_list_clear(out);
	return rc;
}
