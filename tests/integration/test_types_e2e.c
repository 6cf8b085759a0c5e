/*
 * test_types_e2e.c — type fidelity from end to end, through the public API only: a table with
 * every MySQL/MariaDB type and edge values (tests/data/mysql_alltypes.sql and
 * mysql_alltypes_extra.sql, on the server named by SLUICE_TEST_MYSQL_URL), the PostgreSQL
 * fixtures (tests/data/pg_alltypes.sql and pg_arrays.sql, in a database of their own on the
 * server named by SLUICE_TEST_PG_URL) and the SQLite fixtures (tests/data/sqlite_alltypes.sql)
 * are loaded by real pipeline runs into a DuckDB file, read back with sl_dataset_query and
 * checked value by value: the DuckDB column types against docs/types.md, each value through the
 * typed getters, through sl_rows_text and through DuckDB's own CAST(... AS VARCHAR), bytes
 * through octet_length/hex and by decoding the text form, and the run's row counts and warnings.
 * The PostgreSQL tables also go into a PostgreSQL destination, compared there with the source
 * column by column on the server. Then a SQLite value that cannot be converted must fail the
 * run, naming table and column, and leave committed data as it was.
 *
 * Mismatches are collected per test and reported together, so one run shows every wrong value.
 * The expectation tables are kept out of clang-format: one entry per column reads as a table.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <libpq-fe.h>
#include <math.h>
#include <mysql.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice.h"
#include "url.h"

#ifndef SL_TEST_DATA_DIR
#define SL_TEST_DATA_DIR "tests/data"
#endif

#define MAX_ROWS     6
#define MY_DATABASE  "sluice_e2e_types" /* our own database: other tests use `alltypes` too */
#define DATASET	     "e2e"
#define NA	     NULL /* an expected SQL NULL */
#define BIT(r)	     (1u << (r))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define US_PER_SEC   INT64_C(1000000)
#define US_PER_DAY   (INT64_C(86400) * US_PER_SEC)

/* ---- small helpers ------------------------------------------------------------------------- */

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static char *read_text_file(const char *name, size_t *len)
{
	char *path = xprintf("%s/%s", SL_TEST_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	free(path);
	if (len)
		*len = (size_t)n;
	return s;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t micros(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
		      unsigned us)
{
	return days(y, mo, d) * US_PER_DAY + ((int64_t)h * 3600 + mi * 60 + s) * US_PER_SEC + us;
}

/* `pattern` repeated `n` times (n 0 counts as 1). */
static char *repeat(const char *pattern, unsigned n)
{
	size_t pl = strlen(pattern), count = n ? n : 1;
	char *s = malloc(pl * count + 1);
	assert_non_null(s);
	for (size_t i = 0; i < count; i++)
		memcpy(s + i * pl, pattern, pl);
	s[pl * count] = '\0';
	return s;
}

static size_t unhex(const char *hex, unsigned char *out)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
	return n;
}

/* DuckDB's text form of a BLOB: printable ASCII as is, other bytes, quotes and backslash \xHH. */
static char *blob_text(const unsigned char *p, size_t n)
{
	static const char hexd[] = "0123456789ABCDEF";
	char *s = malloc(4 * n + 1), *o = s;
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch >= 32 && ch <= 126 && ch != '\\' && ch != '\'' && ch != '"') {
			*o++ = (char)ch;
		} else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hexd[ch >> 4];
			*o++ = hexd[ch & 15];
		}
	}
	*o = '\0';
	return s;
}

/* The bytes behind a BLOB's text form (the inverse of blob_text); -1 if malformed. */
static long blob_bytes(const char *t, size_t len, unsigned char *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; n++) {
		if (t[i] != '\\') {
			out[n] = (unsigned char)t[i++];
			continue;
		}
		unsigned v;
		if (i + 4 > len || t[i + 1] != 'x' || sscanf(t + i + 2, "%2x", &v) != 1)
			return -1;
		out[n] = (unsigned char)v;
		i += 4;
	}
	return (long)n;
}

/* ---- collecting mismatches ---------------------------------------------------------------- */

typedef struct report {
	char *text;
	size_t len;
	unsigned failures;
	unsigned notes;
} report;

static void vadd(report *rep, const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	rep->text = realloc(rep->text, rep->len + n + 2);
	assert_non_null(rep->text);
	memcpy(rep->text + rep->len, line, n);
	rep->len += n;
	rep->text[rep->len++] = '\n';
	rep->text[rep->len] = '\0';
}

static void mismatch(report *rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(rep, fmt, ap);
	va_end(ap);
	rep->failures++;
}

/* Something worth saying that is not a wrong value (printed, not failed). */
static void note(report *rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	print_message("note: %s\n", line);
	rep->notes++;
}

static void finish(report *rep, const char *what)
{
	unsigned failures = rep->failures;
	if (failures)
		print_error("%s: %u mismatches:\n%s", what, failures, rep->text);
	free(rep->text);
	memset(rep, 0, sizeof(*rep));
	if (failures)
		fail();
}

/* A value for a message: C escapes for control bytes, long values cut short. */
static const char *show(const char *s, size_t len, char *buf, size_t cap)
{
	if (!s)
		return "NULL";
	size_t o = 0;
	buf[o++] = '\'';
	for (size_t i = 0; i < len && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n' || ch == '\t' || ch < 32 || ch == 127)
			o += (size_t)snprintf(buf + o, cap - o, "\\%03o", ch);
		else
			buf[o++] = (char)ch;
		if (i == 200 && len > 240) {
			o += (size_t)snprintf(buf + o, cap - o, "...(%zu bytes)", len);
			break;
		}
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

/* ---- a pipeline into a temp DuckDB file --------------------------------------------------- */

typedef struct e2e {
	char dir[512];	 /* temp dir: the DuckDB file, pipelines dir, SQLite files */
	char *dest;	 /* duckdb:///<dir>/x.duckdb */
	char *pipelines; /* <dir>/pipelines */
	char *src_url;	 /* the source */
	sl_pipeline *p;
	sl_dataset *ds;
	sl_load_info *info;
	int run_rc;
	char run_error[1024];
} e2e;

static e2e *e2e_new(const char *tag)
{
	e2e *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	const char *base = getenv("SLUICE_TEST_WORKDIR");
	snprintf(e->dir, sizeof(e->dir), "%s/e2e_%s_XXXXXX", base && *base ? base : "/tmp", tag);
	if (!mkdtemp(e->dir))
		fail_msg("mkdtemp %s failed", e->dir);
	e->dest = xprintf("duckdb:///%s/x.duckdb", e->dir);
	e->pipelines = xprintf("%s/pipelines", e->dir);
	return e;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void e2e_free(e2e *e)
{
	if (!e)
		return;
	sl_load_info_free(e->info);
	sl_dataset_free(e->ds);
	sl_pipeline_free(e->p);
	if (nftw(e->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		print_message("could not remove %s\n", e->dir);
	free(e->dest);
	free(e->pipelines);
	free(e->src_url);
	free(e);
}

/* Run `tables` of e->src_url once through a pipeline named `name`; keeps rc and message. */
static int run_pipeline(e2e *e, const char *name, const char *const *tables, size_t chunk,
			const sl_table_hints *hints, const char *hinted_table)
{
	sl_load_info_free(e->info);
	e->info = NULL;
	sl_dataset_free(e->ds);
	e->ds = NULL;
	sl_pipeline_free(e->p);
	e->p = NULL;

	sl_source *src = NULL;
	if (sl_source_sql_database(&src, e->src_url, tables, chunk) != 0)
		fail_msg("sl_source_sql_database: %s", sl_error_last()->message);
	if (hints && sl_source_apply_hints(src, hinted_table, hints) != 0)
		fail_msg("sl_source_apply_hints: %s", sl_error_last()->message);
	sl_pipeline_options po = SL_PIPELINE_OPTIONS_INIT;
	po.pipeline_name = name;
	po.destination = e->dest;
	po.dataset_name = DATASET;
	po.pipelines_dir = e->pipelines;
	if (sl_pipeline_new(&e->p, &po) != 0)
		fail_msg("sl_pipeline_new: %s", sl_error_last()->message);
	e->run_rc = sl_pipeline_run(&e->info, e->p, src);
	snprintf(e->run_error, sizeof(e->run_error), "%s",
		 e->run_rc ? sl_error_last()->message : "");
	sl_source_free(src);
	if (sl_pipeline_dataset(&e->ds, e->p) != 0)
		fail_msg("sl_pipeline_dataset: %s", sl_error_last()->message);
	/* DuckDB's own text of a TIMESTAMPTZ follows the session's time zone (the machine's): the
	   CAST comparisons below are written in UTC, what sluice's text and integers always are */
	sl_rows *rows = NULL;
	if (sl_dataset_query(&rows, e->ds, "SET TimeZone = 'UTC'") != 0)
		fail_msg("SET TimeZone: %s", sl_error_last()->message);
	sl_rows_free(rows);
	return e->run_rc;
}

static sl_rows *query(sl_dataset *ds, const char *sql)
{
	sl_rows *rows = NULL;
	if (sl_dataset_query(&rows, ds, sql) != 0)
		fail_msg("%s: %s", sql, sl_error_last()->message);
	return rows;
}

/* The first column of the only row of `sql` as a new string ("NULL" for NULL). */
static char *query_text(sl_dataset *ds, const char *sql)
{
	sl_rows *rows = query(ds, sql);
	if (sl_rows_next(rows) != 1)
		fail_msg("%s: no row", sql);
	const char *t = sl_rows_text(rows, 0, NULL);
	char *out = strdup(t ? t : "NULL");
	assert_int_equal(sl_rows_next(rows), 0);
	sl_rows_free(rows);
	return out;
}

static void expect_query_text(report *rep, sl_dataset *ds, const char *sql, const char *want)
{
	char *got = query_text(ds, sql);
	if (strcmp(got, want) != 0)
		mismatch(rep, "%s: got %s, expected %s", sql, got, want);
	free(got);
}

static const sl_table_load *load_of(const e2e *e, const char *table)
{
	for (size_t i = 0; e->info && i < sl_load_info_table_count(e->info); i++) {
		const sl_table_load *t = sl_load_info_table(e->info, i);
		if (strcmp(t->table, table) == 0)
			return t;
	}
	fail_msg("no load info for table %s", table);
	return NULL;
}

/* ---- the expectations of one column -------------------------------------------------------- */

typedef struct col_spec {
	const char *name;
	/* information_schema's data_type ("TIMESTAMP WITH TIME ZONE" written TIMESTAMPTZ) */
	const char *duck_type;
	sl_type type;		    /* what sl_rows_column_type reports */
	bool bytes;		    /* a BLOB: text[] holds the hex of the bytes */
	const char *text[MAX_ROWS]; /* per row in id order: DuckDB's text of the value; NA: NULL */
	unsigned rep[MAX_ROWS];	    /* text[r] repeated rep[r] times (0: once) */
	bool ints;		    /* check sl_rows_int64 against i[] */
	int64_t i[MAX_ROWS];
	unsigned int_fails; /* rows (BIT(r)) where sl_rows_int64 must fail: out of range */
	bool dbls;	    /* check sl_rows_double against d[] */
	double d[MAX_ROWS];
	double tol;	     /* relative tolerance of d[] (0: exact) */
	bool interval;	     /* i[] holds the INTERVAL's micros; months and days must be 0 */
	bool same_as_source; /* the source server's own text of the value equals text[] */
	/* where DuckDB's own CAST prints another text than the value's (a DuckDB bug, said at
	   the entry), that text; NULL: text[r] */
	const char *duck_cast[MAX_ROWS];
	unsigned no_int; /* rows (BIT(r)) whose sl_rows_int64 is not checked: ±infinity */
	/* a PostgreSQL source copied into a PostgreSQL destination */
	const char *pg_type; /* the destination column's format_type() */
	const char *pg_src;  /* the source's text to compare with; NULL: s."name"::text */
	unsigned pg_differs; /* rows (BIT(r)) where the destination's text is pg_text[r] instead */
	const char *pg_text[MAX_ROWS];
} col_spec;

/* A LIST column (INTEGER[], ...): read as DuckDB's text of the list. */
static bool is_list(const col_spec *s)
{
	size_t n = strlen(s->duck_type);
	return n > 2 && strcmp(s->duck_type + n - 2, "[]") == 0;
}

static bool is_temporal_text(sl_type t)
{
	return t == SL_TYPE_TIME || t == SL_TYPE_TIMESTAMP || t == SL_TYPE_TIMESTAMPTZ;
}

/* "12:00:00.500000+00" -> "12:00:00.5+00": DuckDB drops trailing zeros of fractions. */
static void trim_fraction(char *s)
{
	char *dot = strrchr(s, '.');
	if (!dot || dot < strrchr(s, ':'))
		return;
	char *end = dot + 1;
	while (*end >= '0' && *end <= '9')
		end++;
	char *z = end;
	while (z > dot + 1 && z[-1] == '0')
		z--;
	if (z == dot + 1)
		z = dot;
	memmove(z, end, strlen(end) + 1);
}

/*
 * Whether sl_rows_text's `got` shows the same value as DuckDB's text `want` in another format:
 * "42" for "42.0", "-0" for "-0.0", a fraction with trailing zeros. Values must match; formats
 * may differ (noted, not failed), since the API promises the value as text, not DuckDB's cast.
 */
static bool same_value_other_format(sl_type type, const char *got, const char *want)
{
	if (type == SL_TYPE_FLOAT || type == SL_TYPE_DOUBLE) {
		char *e1, *e2;
		double a = strtod(got, &e1), b = strtod(want, &e2);
		return !*e1 && !*e2 && (a == b || (isnan(a) && isnan(b))) &&
		       signbit(a) == signbit(b);
	}
	if (is_temporal_text(type)) {
		char *a = strdup(got), *b = strdup(want);
		trim_fraction(a);
		trim_fraction(b);
		bool same = strcmp(a, b) == 0;
		free(a);
		free(b);
		return same;
	}
	return false;
}

/* The expected text (and for BLOBs the bytes) of spec row r; NULL for SQL NULL. */
static char *expected_text(const col_spec *s, size_t r, unsigned char **bytes, size_t *nbytes)
{
	*bytes = NULL;
	*nbytes = 0;
	if (!s->text[r])
		return NULL;
	char *t = repeat(s->text[r], s->rep[r]);
	if (!s->bytes)
		return t;
	*bytes = malloc(strlen(t) / 2 + 1);
	assert_non_null(*bytes);
	*nbytes = unhex(t, *bytes);
	free(t);
	return blob_text(*bytes, *nbytes);
}

static char *upper_hex(const unsigned char *p, size_t n)
{
	static const char hexd[] = "0123456789ABCDEF";
	char *s = malloc(2 * n + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hexd[p[i] >> 4];
		s[2 * i + 1] = hexd[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

/* The typed getters of one cell against the spec. */
static void check_getters(report *rep, const char *table, const col_spec *s, size_t r,
			  sl_rows *rows, int64_t id)
{
	if (s->ints && !s->interval && !(s->no_int & BIT(r))) {
		int64_t v = 0;
		int rc = sl_rows_int64(&v, rows, 0);
		if (s->int_fails & BIT(r)) {
			if (rc != SL_ETYPE)
				mismatch(rep,
					 "%s.%s id %lld: sl_rows_int64 gave %d (%lld), expected "
					 "SL_ETYPE (out of range)",
					 table, s->name, (long long)id, rc, (long long)v);
		} else if (rc != 0 || v != s->i[r]) {
			mismatch(rep,
				 "%s.%s id %lld: sl_rows_int64 gave rc %d value %lld, expected "
				 "%lld%s%s",
				 table, s->name, (long long)id, rc, (long long)v,
				 (long long)s->i[r], rc ? ": " : "",
				 rc ? sl_error_last()->message : "");
		}
	}
	if (s->dbls) {
		double v = 0;
		int rc = sl_rows_double(&v, rows, 0);
		double want = s->d[r];
		bool ok = rc == 0 && (s->tol > 0 ? fabs(v - want) <= s->tol * fabs(want)
						 : (v == want && signbit(v) == signbit(want)));
		if (isinf(want))
			ok = rc == 0 && v == want;
		if (isnan(want))
			ok = rc == 0 && isnan(v);
		if (!ok)
			mismatch(rep,
				 "%s.%s id %lld: sl_rows_double gave rc %d value %.17g, expected "
				 "%.17g",
				 table, s->name, (long long)id, rc, v, want);
	}
}

/* One column of `table` (rows ordered by `id`), against its spec. */
static void check_column(report *rep, sl_dataset *ds, const char *table, const col_spec *s,
			 size_t nrows)
{
	bool blob = s->type == SL_TYPE_BLOB;
	bool has_len = !is_list(s) && (blob || s->type == SL_TYPE_TEXT || s->type == SL_TYPE_JSON);
	const char *len_fn = blob ? "octet_length" : "strlen";
	char *len_expr = has_len ? xprintf("%s(\"%s\")", len_fn, s->name) : strdup("0");
	char *hex_expr = blob ? xprintf("hex(\"%s\")", s->name) : strdup("NULL");
	char *sql = xprintf("SELECT \"%s\", CAST(\"%s\" AS VARCHAR), id, %s, %s FROM \"%s\" "
			    "ORDER BY id",
			    s->name, s->name, len_expr, hex_expr, table);
	free(len_expr);
	free(hex_expr);
	sl_rows *rows = query(ds, sql);
	free(sql);
	if (sl_rows_column_type(rows, 0) != s->type)
		mismatch(rep, "%s.%s: sl_rows_column_type %s, expected %s", table, s->name,
			 sl_type_name(sl_rows_column_type(rows, 0)), sl_type_name(s->type));
	size_t r = 0;
	int rc;
	char b1[600], b2[600];
	while ((rc = sl_rows_next(rows)) == 1) {
		if (r >= nrows) {
			r++;
			continue;
		}
		int64_t id = 0;
		assert_int_equal(sl_rows_int64(&id, rows, 2), 0);
		unsigned char *bytes;
		size_t nbytes;
		char *want = expected_text(s, r, &bytes, &nbytes);
		size_t len = 0;
		const char *got = sl_rows_text(rows, 0, &len);
		bool isnull = sl_rows_is_null(rows, 0);
		if (!want) {
			if (!isnull || got)
				mismatch(rep, "%s.%s id %lld: got %s, expected NULL", table,
					 s->name, (long long)id, show(got, len, b1, sizeof(b1)));
			r++;
			continue;
		}
		size_t wlen = strlen(want);
		if (isnull || !got) {
			mismatch(rep, "%s.%s id %lld: got NULL, expected %s", table, s->name,
				 (long long)id, show(want, wlen, b2, sizeof(b2)));
			free(want);
			free(bytes);
			r++;
			continue;
		}
		/* DuckDB's own text of the stored value: the value itself must be exactly right */
		size_t clen = 0;
		const char *cast = sl_rows_text(rows, 1, &clen);
		const char *want_cast = s->duck_cast[r] ? s->duck_cast[r] : want;
		size_t wclen = strlen(want_cast);
		if (!cast || clen != wclen || memcmp(cast, want_cast, wclen) != 0)
			mismatch(rep, "%s.%s id %lld: DuckDB holds %s, expected %s", table, s->name,
				 (long long)id, show(cast, clen, b1, sizeof(b1)),
				 show(want_cast, wclen, b2, sizeof(b2)));
		/* sl_rows_text: the same text (or the same value in another spelling) */
		if (len != strlen(got) && s->type != SL_TYPE_BLOB)
			mismatch(rep, "%s.%s id %lld: sl_rows_text len %zu but strlen %zu", table,
				 s->name, (long long)id, len, strlen(got));
		if (len != wlen || memcmp(got, want, wlen) != 0) {
			if (same_value_other_format(s->type, got, want))
				note(rep, "%s.%s id %lld: sl_rows_text %s, DuckDB's cast %s", table,
				     s->name, (long long)id, show(got, len, b1, sizeof(b1)),
				     show(want, wlen, b2, sizeof(b2)));
			else
				mismatch(rep, "%s.%s id %lld: sl_rows_text %s, expected %s", table,
					 s->name, (long long)id, show(got, len, b1, sizeof(b1)),
					 show(want, wlen, b2, sizeof(b2)));
		}
		if (has_len) {
			int64_t n = -1;
			size_t want_n = s->type == SL_TYPE_BLOB ? nbytes : wlen;
			if (sl_rows_int64(&n, rows, 3) != 0 || (size_t)n != want_n)
				mismatch(rep, "%s.%s id %lld: %s is %lld bytes, expected %zu",
					 table, s->name, (long long)id, len_fn, (long long)n,
					 want_n);
		}
		if (s->type == SL_TYPE_BLOB) {
			/* the bytes: decoded from sl_rows_text, and hex() in DuckDB */
			unsigned char *dec = malloc(len + 1);
			assert_non_null(dec);
			long n = blob_bytes(got, len, dec);
			if (n < 0 || (size_t)n != nbytes || memcmp(dec, bytes, nbytes) != 0)
				mismatch(rep,
					 "%s.%s id %lld: the bytes behind sl_rows_text differ "
					 "(%ld bytes, expected %zu)",
					 table, s->name, (long long)id, n, nbytes);
			free(dec);
			char *hex = upper_hex(bytes, nbytes);
			size_t hlen = 0;
			const char *h = sl_rows_text(rows, 4, &hlen);
			if (!h || hlen != strlen(hex) || memcmp(h, hex, hlen) != 0)
				mismatch(rep, "%s.%s id %lld: hex() %s, expected %s", table,
					 s->name, (long long)id, show(h, hlen, b1, sizeof(b1)),
					 show(hex, strlen(hex), b2, sizeof(b2)));
			free(hex);
		}
		check_getters(rep, table, s, r, rows, id);
		free(want);
		free(bytes);
		r++;
	}
	if (rc < 0)
		fail_msg("%s.%s: %s", table, s->name, sl_error_last()->message);
	if (r != nrows)
		mismatch(rep, "%s.%s: %zu rows, expected %zu", table, s->name, r, nrows);
	sl_rows_free(rows);

	if (s->interval) {
		/* months = 0, days = 0, micros = the signed total (docs/types.md, TIME) */
		sql = xprintf(
			"SELECT id, datepart('month', \"%s\") + 12 * datepart('year', \"%s\"), "
			"datepart('day', \"%s\"), CAST(round(epoch(\"%s\") * 1000000) AS BIGINT) "
			"FROM \"%s\" WHERE \"%s\" IS NOT NULL ORDER BY id",
			s->name, s->name, s->name, s->name, table, s->name);
		rows = query(ds, sql);
		free(sql);
		for (r = 0; r < nrows; r++) {
			if (!s->text[r])
				continue;
			assert_int_equal(sl_rows_next(rows), 1);
			int64_t id, mo, d, us;
			assert_int_equal(sl_rows_int64(&id, rows, 0), 0);
			assert_int_equal(sl_rows_int64(&mo, rows, 1), 0);
			assert_int_equal(sl_rows_int64(&d, rows, 2), 0);
			assert_int_equal(sl_rows_int64(&us, rows, 3), 0);
			if (mo != 0 || d != 0 || us != s->i[r])
				mismatch(rep,
					 "%s.%s id %lld: INTERVAL months %lld days %lld micros "
					 "%lld, expected "
					 "0, 0, %lld",
					 table, s->name, (long long)id, (long long)mo, (long long)d,
					 (long long)us, (long long)s->i[r]);
		}
		assert_int_equal(sl_rows_next(rows), 0);
		sl_rows_free(rows);
	}
}

/* DuckDB's information_schema says type `duck_type` for each column, in this order. */
static void check_column_types(report *rep, sl_dataset *ds, const char *table,
			       const col_spec *specs, size_t n)
{
	char *sql =
		xprintf("SELECT column_name, data_type FROM information_schema.columns "
			"WHERE table_schema = '%s' AND table_name = '%s' ORDER BY ordinal_position",
			DATASET, table);
	sl_rows *rows = query(ds, sql);
	free(sql);
	size_t i = 0;
	while (sl_rows_next(rows) == 1) {
		const char *name = sl_rows_text(rows, 0, NULL);
		const char *type = sl_rows_text(rows, 1, NULL);
		if (strcmp(type, "TIMESTAMP WITH TIME ZONE") == 0)
			type = "TIMESTAMPTZ";
		if (i >= n) {
			if (strcmp(name, "_sluice_load_id") != 0 || strcmp(type, "VARCHAR") != 0)
				mismatch(rep, "%s: unexpected column %s %s", table, name, type);
			i++;
			continue;
		}
		if (strcmp(name, specs[i].name) != 0)
			mismatch(rep, "%s: column %zu is %s, expected %s", table, i, name,
				 specs[i].name);
		else if (strcmp(type, specs[i].duck_type) != 0)
			mismatch(rep, "%s.%s: DuckDB type %s, expected %s", table, name, type,
				 specs[i].duck_type);
		i++;
	}
	sl_rows_free(rows);
	if (i != n + 1)
		mismatch(rep, "%s: %zu columns in DuckDB, expected %zu and _sluice_load_id", table,
			 i, n);
}

static void check_table(report *rep, sl_dataset *ds, const char *table, const col_spec *specs,
			size_t n, size_t nrows)
{
	check_column_types(rep, ds, table, specs, n);
	for (size_t i = 0; i < n; i++)
		check_column(rep, ds, table, &specs[i], nrows);
}

/* Each line of `want` is a line of `got`, and `got` has no other line. */
static void check_warning_lines(report *rep, const char *table, const char *got,
				const char *const *want, size_t n)
{
	for (const char *p = got; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool known = false;
		for (size_t i = 0; i < n; i++)
			known |= strlen(want[i]) == len && memcmp(want[i], p, len) == 0;
		if (!known)
			mismatch(rep, "%s: unexpected warning line '%.*s'", table, (int)len, p);
		p += len + (nl ? 1 : 0);
	}
	for (size_t i = 0; i < n; i++) {
		const char *at = got ? strstr(got, want[i]) : NULL;
		size_t wl = strlen(want[i]);
		if (!at || (at != got && at[-1] != '\n') || (at[wl] != '\n' && at[wl] != '\0'))
			mismatch(rep, "%s: warning line '%s' missing from %s", table, want[i],
				 got ? got : "NULL");
	}
}

/* ================================================================ MySQL / MariaDB */

static const char *mysql_url(void)
{
	const char *url = getenv("SLUICE_TEST_MYSQL_URL");
	if (!url || !*url)
		fail_msg("SLUICE_TEST_MYSQL_URL is not set; start a server with "
			 "eval \"$(scripts/test-server mariadb start /tmp/x)\"");
	return url;
}

/* SLUICE_TEST_MYSQL_URL with its database replaced by `db`. */
static char *url_with_database(const char *url, const char *db)
{
	const char *auth = strstr(url, "://");
	assert_non_null(auth);
	const char *slash = strchr(auth + 3, '/');
	const char *query = strchr(auth + 3, '?');
	size_t host_end = strlen(url);
	if (slash)
		host_end = (size_t)(slash - url);
	else if (query)
		host_end = (size_t)(query - url);
	return xprintf("%.*s/%s%s", (int)host_end, url, db, query ? query : "");
}

static MYSQL *my_connect(const char *database, unsigned long flags)
{
	sl_url *u = NULL;
	if (sl_url_parse(&u, mysql_url()) != 0)
		fail_msg("bad SLUICE_TEST_MYSQL_URL: %s", sl_error_last()->message);
	MYSQL *db = mysql_init(NULL);
	assert_non_null(db);
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(db, u->host, u->user, u->password, database, (unsigned)u->port,
				NULL, flags))
		fail_msg("cannot connect to the test server: %s", mysql_error(db));
	sl_url_free(u);
	return db;
}

static void my_exec(MYSQL *db, const char *sql)
{
	if (mysql_query(db, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(db));
	MYSQL_RES *r = mysql_store_result(db);
	if (r)
		mysql_free_result(r);
}

static void my_load_file(const char *name)
{
	size_t len;
	char *text = read_text_file(name, &len);
	MYSQL *db = my_connect(MY_DATABASE, CLIENT_MULTI_STATEMENTS);
	if (mysql_real_query(db, text, (unsigned long)len) != 0)
		fail_msg("%s: %s", name, mysql_error(db));
	int st;
	do {
		MYSQL_RES *r = mysql_store_result(db);
		if (r)
			mysql_free_result(r);
		else if (mysql_field_count(db))
			fail_msg("%s: %s", name, mysql_error(db));
	} while ((st = mysql_next_result(db)) == 0);
	if (st > 0)
		fail_msg("%s: %s", name, mysql_error(db));
	mysql_close(db);
	free(text);
}

/* The server's own text of column `col` of `table`, per row in id order (NULL for NULL). */
static char **my_column_text(const char *table, const char *col, size_t *n)
{
	MYSQL *db = my_connect(MY_DATABASE, 0);
	my_exec(db, "SET time_zone = '+00:00'");
	char *sql = xprintf("SELECT `%s` FROM `%s` ORDER BY id", col, table);
	if (mysql_query(db, sql) != 0)
		fail_msg("%s: %s", sql, mysql_error(db));
	free(sql);
	MYSQL_RES *res = mysql_store_result(db);
	assert_non_null(res);
	*n = (size_t)mysql_num_rows(res);
	char **out = calloc(*n + 1, sizeof(*out));
	assert_non_null(out);
	MYSQL_ROW row;
	for (size_t i = 0; (row = mysql_fetch_row(res)); i++) {
		unsigned long *lens = mysql_fetch_lengths(res);
		if (row[0]) {
			out[i] = malloc(lens[0] + 1);
			assert_non_null(out[i]);
			memcpy(out[i], row[0], lens[0]);
			out[i][lens[0]] = '\0';
		}
	}
	mysql_free_result(res);
	mysql_close(db);
	return out;
}

static long long my_count(const char *table)
{
	size_t n;
	char **v = my_column_text(table, "id", &n);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return (long long)n;
}

#define DEC38_MAX "9999999999999999999999999999.9999999999"
#define DEC65_MAX "99999999999999999999999999999999999.999999999999999999999999999999"
#define NINES38	  "99999999999999999999999999999999999999"
#define NINES65	  "99999999999999999999999999999999999999999999999999999999999999999"
#define POINT_1_2 "000000000101000000000000000000F03F0000000000000040"

/* clang-format off */
/* tests/data/mysql_alltypes.sql, rows id 1..6, as DuckDB must hold them (docs/types.md). */
static const col_spec my_alltypes[] = {
	{.name = "id", .duck_type = "INTEGER", .type = SL_TYPE_INT32,
	 .text = {"1", "2", "3", "4", "5", "6"}, .ints = true, .i = {1, 2, 3, 4, 5, 6}},
	{.name = "c_bool", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL,
	 /* TINYINT(1) = 5 is true (docs/types.md, TINYINT(1)) */
	 .text = {NA, "false", "true", "true", NA, NA}, .ints = true, .i = {0, 0, 1, 1}},
	{.name = "c_tinyint", .duck_type = "TINYINT", .type = SL_TYPE_INT8,
	 .text = {NA, "-128", "127", "-1", NA, NA}, .ints = true, .i = {0, -128, 127, -1},
	 .same_as_source = true},
	{.name = "c_tinyint_u", .duck_type = "UTINYINT", .type = SL_TYPE_UINT8,
	 .text = {NA, "0", "255", "200", NA, NA}, .ints = true, .i = {0, 0, 255, 200},
	 .same_as_source = true},
	{.name = "c_smallint", .duck_type = "SMALLINT", .type = SL_TYPE_INT16,
	 .text = {NA, "-32768", "32767", "-1", NA, NA}, .ints = true, .i = {0, -32768, 32767, -1},
	 .same_as_source = true},
	{.name = "c_smallint_u", .duck_type = "USMALLINT", .type = SL_TYPE_UINT16,
	 .text = {NA, "0", "65535", "40000", NA, NA}, .ints = true, .i = {0, 0, 65535, 40000},
	 .same_as_source = true},
	{.name = "c_mediumint", .duck_type = "INTEGER", .type = SL_TYPE_INT32,
	 .text = {NA, "-8388608", "8388607", "-1", NA, NA}, .ints = true,
	 .i = {0, -8388608, 8388607, -1}, .same_as_source = true},
	{.name = "c_mediumint_u", .duck_type = "UINTEGER", .type = SL_TYPE_UINT32,
	 .text = {NA, "0", "16777215", "10000000", NA, NA}, .ints = true,
	 .i = {0, 0, 16777215, 10000000}, .same_as_source = true},
	{.name = "c_int", .duck_type = "INTEGER", .type = SL_TYPE_INT32,
	 .text = {NA, "-2147483648", "2147483647", "-1", NA, NA}, .ints = true,
	 .i = {0, INT32_MIN, INT32_MAX, -1}, .same_as_source = true},
	{.name = "c_int_u", .duck_type = "UINTEGER", .type = SL_TYPE_UINT32,
	 .text = {NA, "0", "4294967295", "3000000000", NA, NA}, .ints = true,
	 .i = {0, 0, INT64_C(4294967295), INT64_C(3000000000)}, .same_as_source = true},
	{.name = "c_bigint", .duck_type = "BIGINT", .type = SL_TYPE_INT64,
	 .text = {NA, "-9223372036854775808", "9223372036854775807", "-1", NA, NA}, .ints = true,
	 .i = {0, INT64_MIN, INT64_MAX, -1}, .same_as_source = true},
	{.name = "c_bigint_u", .duck_type = "UBIGINT", .type = SL_TYPE_UINT64,
	 .text = {NA, "0", "18446744073709551615", "9223372036854775808", NA, NA}, .ints = true,
	 .i = {0, 0}, .int_fails = BIT(2) | BIT(3), .dbls = true,
	 .d = {0, 0.0, 18446744073709551615.0, 9223372036854775808.0}, .same_as_source = true},
	{.name = "c_dec4", .duck_type = "DECIMAL(4,2)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-99.99", "99.99", "0.01", NA, NA}, .ints = true, .i = {0, -99, 99, 0},
	 .dbls = true, .d = {0, -99.99, 99.99, 0.01}, .same_as_source = true},
	{.name = "c_dec9", .duck_type = "DECIMAL(9,3)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-999999.999", "999999.999", "-0.001", NA, NA}, .ints = true,
	 .i = {0, -999999, 999999, 0}, .dbls = true, .d = {0, -999999.999, 999999.999, -0.001},
	 .same_as_source = true},
	{.name = "c_dec18", .duck_type = "DECIMAL(18,6)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-999999999999.999999", "999999999999.999999", "0.000001", NA, NA},
	 .ints = true, .i = {0, -999999999999, 999999999999, 0}, .dbls = true,
	 .d = {0, -999999999999.999999, 999999999999.999999, 0.000001}, .tol = 1e-15,
	 .same_as_source = true},
	{.name = "c_dec38", .duck_type = "DECIMAL(38,10)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-" DEC38_MAX, DEC38_MAX, "-0.0000000001", NA, NA}, .ints = true,
	 .i = {0, 0, 0, 0}, .int_fails = BIT(1) | BIT(2), .dbls = true,
	 .d = {0, -1e28, 1e28, -1e-10}, .tol = 1e-15, .same_as_source = true},
	/* wider than DuckDB's 38 digits: the exact text (docs/types.md) */
	{.name = "c_dec65", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "-" DEC65_MAX, DEC65_MAX, "0.000000000000000000000000000001", NA, NA},
	 .same_as_source = true},
	{.name = "c_float", .duck_type = "FLOAT", .type = SL_TYPE_FLOAT,
	 .text = {NA, "-3.4e+38", "3.4e+38", "0.5", NA, NA}, .dbls = true,
	 .d = {0, (double)-3.4e38f, (double)3.4e38f, 0.5}},
	{.name = "c_double", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
	 .text = {NA, "-1.7976931348623157e+308", "1.7976931348623157e+308", "0.1", NA, NA},
	 .dbls = true, .d = {0, -1.7976931348623157e308, 1.7976931348623157e308, 0.1}},
	{.name = "c_real", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
	 /* -0.0 is a DECIMAL literal in MySQL: the server stores +0 */
	 .text = {NA, "-2.5", "1e-300", "0.0", NA, NA}, .dbls = true, .d = {0, -2.5, 1e-300, 0.0}},
	{.name = "c_bit1", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL,
	 .text = {NA, "false", "true", "true", NA, NA}, .ints = true, .i = {0, 0, 1, 1}},
	{.name = "c_bit12", .duck_type = "UBIGINT", .type = SL_TYPE_UINT64,
	 .text = {NA, "0", "4095", "2049", NA, NA}, .ints = true, .i = {0, 0, 4095, 2049}},
	{.name = "c_date", .duck_type = "DATE", .type = SL_TYPE_DATE,
	 /* 5: '0000-00-00', 6: '2024-00-10': NULL */
	 .text = {NA, "1000-01-01", "9999-12-31", "1969-12-31", NA, NA}, .ints = true,
	 .i = {0, -354285, 2932896, -1}},
	{.name = "c_datetime", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	 /* 5: '0000-00-00 00:00:00', 6: '2024-02-30 10:00:00': NULL */
	 .text = {NA, "1000-01-01 00:00:00", "9999-12-31 23:59:59", "1969-12-31 23:59:59", NA, NA},
	 .ints = true,
	 .i = {0, INT64_C(-30610224000000000), INT64_C(253402300799000000), -1000000}},
	{.name = "c_datetime6", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	 /* 5: '2024-00-10 00:00:00': NULL */
	 .text = {NA, "1000-01-01 00:00:00", "9999-12-31 23:59:59.999999",
		  "2024-02-29 12:34:56.000001", NA, "2024-06-01 00:00:00.5"},
	 .ints = true,
	 .i = {0, INT64_C(-30610224000000000), INT64_C(253402300799999999),
	       INT64_C(1709210096000001), 0, INT64_C(1717200000500000)}},
	{.name = "c_timestamp", .duck_type = "TIMESTAMPTZ", .type = SL_TYPE_TIMESTAMPTZ,
	 .text = {NA, "1970-01-01 00:00:01+00", "2038-01-19 03:14:07+00", "2024-02-29 12:34:56+00",
		  NA, NA},
	 .ints = true, .i = {0, 1000000, INT64_C(2147483647000000), INT64_C(1709210096000000)}},
	{.name = "c_timestamp6", .duck_type = "TIMESTAMPTZ", .type = SL_TYPE_TIMESTAMPTZ,
	 .text = {NA, "1970-01-01 00:00:01+00", "2038-01-19 03:14:07.999999+00",
		  "2024-02-29 12:34:56.123456+00", NA, NA},
	 .ints = true, .i = {0, 1000000, INT64_C(2147483647999999), INT64_C(1709210096123456)}},
	{.name = "c_time", .duck_type = "INTERVAL", .type = SL_TYPE_INTERVAL,
	 .text = {NA, "-838:59:59", "838:59:59", "25:00:00", NA, NA},
	 .ints = true, .interval = true,
	 .i = {0, INT64_C(-3020399000000), INT64_C(3020399000000), INT64_C(90000000000)}},
	{.name = "c_time6", .duck_type = "INTERVAL", .type = SL_TYPE_INTERVAL,
	 .text = {NA, "-838:59:59", "838:59:59", "-00:00:00.000001", NA, NA}, .ints = true,
	 .interval = true, .i = {0, INT64_C(-3020399000000), INT64_C(3020399000000), -1}},
	{.name = "c_year", .duck_type = "SMALLINT", .type = SL_TYPE_INT16,
	 .text = {NA, "1901", "2155", "2024", NA, NA}, .ints = true, .i = {0, 1901, 2155, 2024},
	 .same_as_source = true},
	{.name = "c_char", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "abcdefghij", "a", NA, NA}, .same_as_source = true},
	{.name = "c_varchar", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "",
		  "emoji \xF0\x9F\x98\x80 na\xC3\xAFve \xE2\x9C\x93 "
		  "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
		  " padded ", NA, NA},
	 .same_as_source = true},
	{.name = "c_tinytext", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "tiny \xF0\x9F\x9A\x80", "x", NA, NA}, .same_as_source = true},
	{.name = "c_text", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "text with 'quotes', a backslash \\ and a tab\t.", "y", NA, NA},
	 .same_as_source = true},
	{.name = "c_mediumtext", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "medium \xF0\x9F\x90\xAC", "z", NA, NA}, .same_as_source = true},
	{.name = "c_longtext", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "0123456789abcdef", "", NA, NA}, .rep = {0, 0, 8192},
	 .same_as_source = true},
	{.name = "c_latin1", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "J\xC3\xA4ger caf\xC3\xA9 \xC3\xB1", "\xC3\x9F", NA, NA},
	 .same_as_source = true},
	{.name = "c_binary", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "00000000", "00FF0001", "41000000", NA, NA}},
	{.name = "c_varbinary", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "", "00000000DEADBEEF00", "0000", NA, NA}},
	{.name = "c_blob", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "", "000102030400FF", "00", NA, NA}},
	{.name = "c_longblob", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "00", "00FF", "", NA, NA}, .rep = {0, 0, 50000}},
	{.name = "c_enum", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "small", "large", "medium", NA, NA}, .same_as_source = true},
	{.name = "c_set", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "a,c", "a,b,c", NA, NA}, .same_as_source = true},
	{.name = "c_json", .duck_type = "JSON", .type = SL_TYPE_JSON,
	 .text = {NA, "[]",
		  "{\"a\": [1, 2.5, \"x\"], \"b\": null, \"s\": \"\xC3\xA9\xF0\x9F\x98\x80\"}",
		  "\"just a string\"", NA, NA},
	 .same_as_source = true},
	/* no portable type: the server's binary form, SRID 0 + WKB of POINT(1 2) */
	{.name = "c_geometry", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, NA, POINT_1_2, NA, NA, NA}},
};
/* clang-format on */

/* clang-format off */
/* tests/data/mysql_alltypes_extra.sql, rows id 1..3. */
static const col_spec my_extra[] = {
	{.name = "id", .duck_type = "INTEGER", .type = SL_TYPE_INT32, .text = {"1", "2", "3"},
	 .ints = true, .i = {1, 2, 3}},
	/* TINYINT(1) UNSIGNED = 255 and BOOLEAN = -1: any non-zero value is true */
	{.name = "c_bool_u", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL,
	 .text = {NA, "true", "false"}, .ints = true, .i = {0, 1, 0}},
	{.name = "c_boolean", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL,
	 .text = {NA, "true", "false"}, .ints = true, .i = {0, 1, 0}},
	{.name = "c_numeric", .duck_type = "DECIMAL(10,0)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-9999999999", "0"}, .ints = true, .i = {0, INT64_C(-9999999999), 0},
	 .same_as_source = true},
	/* DOUBLE(10,3) rounds on the way in: the stored double of -0.001 is not -0.001e0
	   (the server prints it with 3 decimals; `c_double_md = -0.001e0` is false there) */
	{.name = "c_double_md", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
	 .text = {NA, "12345.678", "-0.0010000000000000009"}, .dbls = true,
	 .d = {0, 12345.678, -0.0010000000000000009}},
	{.name = "c_dec38_0", .duck_type = "DECIMAL(38,0)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, NINES38, "-" NINES38}, .ints = true, .int_fails = BIT(1) | BIT(2),
	 .dbls = true, .d = {0, 1e38, -1e38}, .tol = 1e-15, .same_as_source = true},
	{.name = "c_dec39", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "-9999999999999999999999999999999999.99999", "0.00001"},
	 .same_as_source = true},
	{.name = "c_dec65_0", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, NINES65, "-" NINES65}, .same_as_source = true},
	{.name = "c_datetime3", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	 .text = {NA, "2024-01-31 12:00:00.123", "1970-01-01 00:00:00.001"}, .ints = true,
	 .i = {0, INT64_C(1706702400123000), 1000}},
	/* written as 05:30:00.25 in a +05:30 session: the UTC instant is midnight */
	{.name = "c_timestamp_tz", .duck_type = "TIMESTAMPTZ", .type = SL_TYPE_TIMESTAMPTZ,
	 .text = {NA, "2024-01-31 00:00:00.25+00", "1970-01-01 00:00:01+00"}, .ints = true,
	 .i = {0, INT64_C(1706659200250000), 1000000}},
	{.name = "c_time3", .duck_type = "INTERVAL", .type = SL_TYPE_INTERVAL,
	 .text = {NA, "-12:30:00.5", "838:59:58.999"}, .ints = true, .interval = true,
	 .i = {0, INT64_C(-45000500000), INT64_C(3020398999000)}},
	/* the year 0000 with a real month and day is a date (1 BC), kept */
	{.name = "c_date0", .duck_type = "DATE", .type = SL_TYPE_DATE,
	 .text = {NA, "0001-01-01 (BC)", "0001-12-31 (BC)"}, .ints = true,
	 .i = {0, -719528, -719163}},
	/* CHAR loses its trailing spaces on the server (docs/types.md) */
	{.name = "c_char_pad", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT, .text = {NA, "ab", ""},
	 .same_as_source = true},
	{.name = "c_year", .duck_type = "SMALLINT", .type = SL_TYPE_INT16,
	 .text = {NA, "0", "2000"},
	 .ints = true, .i = {0, 0, 2000}},
	{.name = "c_uuid", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "123e4567-e89b-12d3-a456-426655440000",
		  "00000000-0000-0000-0000-000000000000"},
	 .same_as_source = true},
	{.name = "c_inet4", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "192.168.0.1", "0.0.0.0"}, .same_as_source = true},
	{.name = "c_inet6", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "2001:db8::ff00:42:8329", "::"}, .same_as_source = true},
	{.name = "c_bit64", .duck_type = "UBIGINT", .type = SL_TYPE_UINT64,
	 .text = {NA, "18446744073709551615", "0"}, .ints = true, .int_fails = BIT(1),
	 .dbls = true, .d = {0, 18446744073709551615.0, 0.0}},
	/* 16777217 does not fit a FLOAT: MySQL stored 16777216 */
	{.name = "c_float", .duck_type = "FLOAT", .type = SL_TYPE_FLOAT,
	 .text = {NA, "16777216.0", "0.1"}, .dbls = true, .d = {0, 16777216.0, (double)0.1f}},
	{.name = "c_utf8mb3", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "\xC3\x9Cn\xC3\xAF" "c\xC3\xB6" "d\xC3\xA9 \xE2\x9C\x93", ""},
	 .same_as_source = true},
	{.name = "c_mediumblob", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "FF00FE", ""}},
	{.name = "c_tinyblob", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "00", ""}},
	{.name = "c_json_obj", .duck_type = "JSON", .type = SL_TYPE_JSON,
	 .text = {NA, "{\"k\": [true, false, null]}", "{}"}, .same_as_source = true},
};
/* clang-format on */

typedef struct my_state {
	e2e *e;
} my_state;

/* The MySQL tables into a DuckDB file, or into a files destination of `format`. */
static int my_setup_into(void **state, const char *format)
{
	my_state *st = calloc(1, sizeof(*st));
	*state = st;
	if (!getenv("SLUICE_TEST_MYSQL_URL") || !*getenv("SLUICE_TEST_MYSQL_URL"))
		return 0; /* every test then fails, saying why */
	MYSQL *db = my_connect(NULL, 0);
	my_exec(db, "DROP DATABASE IF EXISTS `" MY_DATABASE "`");
	my_exec(db, "CREATE DATABASE `" MY_DATABASE "` CHARACTER SET utf8mb4");
	mysql_close(db);
	my_load_file("mysql_alltypes.sql");
	my_load_file("mysql_alltypes_extra.sql");

	/* one run, both tables, chunks of 4 rows: values cross chunk and batch boundaries */
	st->e = e2e_new("mysql");
	if (format) {
		free(st->e->dest);
		st->e->dest = xprintf("file://%s/files?format=%s", st->e->dir, format);
	}
	st->e->src_url = url_with_database(getenv("SLUICE_TEST_MYSQL_URL"), MY_DATABASE);
	const char *tables[] = {"alltypes", "alltypes_extra", NULL};
	run_pipeline(st->e, "e2e_mysql", tables, 4, NULL, NULL);
	return 0;
}

static int my_group_setup(void **state)
{
	return my_setup_into(state, NULL);
}

/* The same values through Parquet, CSV and JSON lines files, read back by DuckDB (files.c). */
static int my_parquet_setup(void **state)
{
	return my_setup_into(state, "parquet");
}

static int my_csv_setup(void **state)
{
	return my_setup_into(state, "csv");
}

static int my_jsonl_setup(void **state)
{
	return my_setup_into(state, "jsonl");
}

static int my_group_teardown(void **state)
{
	my_state *st = *state;
	if (st && st->e) {
		e2e_free(st->e);
		MYSQL *db = my_connect(NULL, 0);
		my_exec(db, "DROP DATABASE IF EXISTS `" MY_DATABASE "`");
		mysql_close(db);
	}
	free(st);
	return 0;
}

static e2e *my_run(void **state)
{
	mysql_url(); /* fails the test when the server is not configured */
	my_state *st = *state;
	assert_non_null(st->e);
	if (st->e->run_rc != 0)
		fail_msg("the MySQL pipeline run failed: %d %s", st->e->run_rc, st->e->run_error);
	return st->e;
}

static void test_mysql_run_counts_and_warnings(void **state)
{
	e2e *e = my_run(state);
	report rep = {0};
	assert_int_equal(sl_load_info_table_count(e->info), 2);
	static const struct {
		const char *table;
		long long rows;
		uint64_t chunks;
	} want[] = {{"alltypes", 6, 2}, {"alltypes_extra", 3, 1}};
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		const sl_table_load *t = load_of(e, want[i].table);
		long long src = my_count(want[i].table);
		assert_int_equal(src, want[i].rows);
		uint64_t n = 0;
		assert_int_equal(sl_dataset_row_count(&n, e->ds, want[i].table), 0);
		if ((long long)t->rows_extracted != src || (long long)t->rows_loaded != src ||
		    (long long)n != src)
			mismatch(&rep,
				 "%s: extracted %llu, loaded %llu, in DuckDB %llu; source has %lld",
				 want[i].table, (unsigned long long)t->rows_extracted,
				 (unsigned long long)t->rows_loaded, (unsigned long long)n, src);
		if (t->chunks != want[i].chunks)
			mismatch(&rep, "%s: %llu chunks, expected %llu", want[i].table,
				 (unsigned long long)t->chunks, (unsigned long long)want[i].chunks);
		if (!t->exhausted)
			mismatch(&rep, "%s: not exhausted", want[i].table);
	}
	/* zero dates: per column, the count, in the load info; the geometry note */
	static const char *const lines[] = {
		"alltypes.c_date: 2 zero or invalid dates loaded as NULL",
		"alltypes.c_datetime: 2 zero or invalid dates loaded as NULL",
		"alltypes.c_datetime6: 1 zero or invalid dates loaded as NULL",
		"alltypes.c_timestamp: 1 zero or invalid dates loaded as NULL",
		("alltypes.c_geometry: MySQL type geometry has no portable type; loaded as BLOB "
		 "(the server's binary form)"),
	};
	check_warning_lines(&rep, "alltypes", load_of(e, "alltypes")->warnings, lines,
			    ARRAY_LEN(lines));
	/* alltypes_extra has nothing to warn about: another table's lines do not belong here */
	check_warning_lines(&rep, "alltypes_extra", load_of(e, "alltypes_extra")->warnings, NULL,
			    0);
	finish(&rep, "mysql run");
}

static void test_mysql_alltypes_values(void **state)
{
	e2e *e = my_run(state);
	report rep = {0};
	check_table(&rep, e->ds, "alltypes", my_alltypes, ARRAY_LEN(my_alltypes), 6);
	/* the extremes compare equal to typed literals in DuckDB, not only as text */
	expect_query_text(&rep, e->ds,
			  "SELECT count(*) FROM alltypes WHERE c_bigint_u = "
			  "CAST('18446744073709551615' AS UBIGINT) AND id = 3",
			  "1");
	expect_query_text(&rep, e->ds,
			  "SELECT count(*) FROM alltypes WHERE c_dec38 = "
			  "CAST('-" DEC38_MAX "' AS DECIMAL(38,10)) AND id = 2",
			  "1");
	expect_query_text(&rep, e->ds,
			  "SELECT CAST(c_time AS VARCHAR) || '|' || CAST(epoch(c_time) AS BIGINT) "
			  "FROM alltypes WHERE id = 2",
			  "-838:59:59|-3020399");
	expect_query_text(
		&rep, e->ds,
		"SELECT strftime(c_timestamp6 AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f') "
		"FROM alltypes WHERE id = 4",
		"2024-02-29 12:34:56.123456");
	expect_query_text(&rep, e->ds,
			  "SELECT json_extract_string(c_json, '$.s') FROM alltypes WHERE id = 3",
			  "\xC3\xA9\xF0\x9F\x98\x80");
	expect_query_text(&rep, e->ds, "SELECT count(*) FROM alltypes WHERE c_char = ''", "1");
	expect_query_text(&rep, e->ds, "SELECT count(*) FROM alltypes WHERE c_char IS NULL", "3");
	finish(&rep, "mysql alltypes");
}

static void test_mysql_extra_values(void **state)
{
	e2e *e = my_run(state);
	report rep = {0};
	check_table(&rep, e->ds, "alltypes_extra", my_extra, ARRAY_LEN(my_extra), 3);
	finish(&rep, "mysql alltypes_extra");
}

/* The source server's own text of column `col` of `table`, per row in id order (NULL for
   NULL); the caller frees each and the array. */
typedef char **column_text_fn(const char *table, const char *col, size_t *n);

/* Where the server's own text is the value (numbers, text, ENUM, SET, JSON...), DuckDB's text
   of the loaded value is that same text, byte for byte. */
static void check_same_as_source(report *rep, sl_dataset *ds, column_text_fn *column_text,
				 const char *table, const col_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!specs[i].same_as_source)
			continue;
		size_t nsrc;
		char **src = column_text(table, specs[i].name, &nsrc);
		char *sql = xprintf("SELECT CAST(\"%s\" AS VARCHAR) FROM \"%s\" ORDER BY id",
				    specs[i].name, table);
		sl_rows *rows = query(ds, sql);
		free(sql);
		size_t r = 0;
		char b1[600], b2[600];
		while (sl_rows_next(rows) == 1) {
			size_t len;
			const char *got = sl_rows_text(rows, 0, &len);
			const char *want = r < nsrc ? src[r] : NULL;
			if ((!got) != (!want) ||
			    (got && (len != strlen(want) || memcmp(got, want, len) != 0)))
				mismatch(rep, "%s.%s row %zu: DuckDB %s, server %s", table,
					 specs[i].name, r + 1,
					 show(got, got ? len : 0, b1, sizeof(b1)),
					 show(want, want ? strlen(want) : 0, b2, sizeof(b2)));
			r++;
		}
		sl_rows_free(rows);
		if (r != nsrc)
			mismatch(rep, "%s.%s: %zu rows in DuckDB, %zu on the server", table,
				 specs[i].name, r, nsrc);
		for (size_t k = 0; k < nsrc; k++)
			free(src[k]);
		free(src);
	}
}

static void test_mysql_same_as_server(void **state)
{
	e2e *e = my_run(state);
	report rep = {0};
	check_same_as_source(&rep, e->ds, my_column_text, "alltypes", my_alltypes,
			     ARRAY_LEN(my_alltypes));
	check_same_as_source(&rep, e->ds, my_column_text, "alltypes_extra", my_extra,
			     ARRAY_LEN(my_extra));
	finish(&rep, "mysql against the server");
}

/* ================================================================ SQLite */

static void build_sqlite(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", path, err);
	sqlite3_close(db);
}

typedef struct lite_state {
	e2e *e;
	char *db; /* the SQLite file built from sqlite_alltypes.sql */
} lite_state;

/* The tables of sqlite_alltypes.sql that load (the others hold values that must fail). */
static const char *const lite_tables[] = {
	"alltypes",  "conv_int",  "conv_bool", "conv_double", "conv_dec", "conv_text", "conv_json",
	"conv_blob", "conv_date", "conv_ts",   "conv_time",   "empties",  NULL};

static int lite_group_setup(void **state)
{
	lite_state *st = calloc(1, sizeof(*st));
	*state = st;
	st->e = e2e_new("sqlite");
	st->db = xprintf("%s/alltypes.db", st->e->dir);
	char *sql = read_text_file("sqlite_alltypes.sql", NULL);
	build_sqlite(st->db, sql);
	free(sql);
	st->e->src_url = xprintf("sqlite:///%s", st->db);
	/* chunks of 2 rows: most tables take several chunks */
	run_pipeline(st->e, "e2e_sqlite", lite_tables, 2, NULL, NULL);
	return 0;
}

static int lite_group_teardown(void **state)
{
	lite_state *st = *state;
	e2e_free(st->e);
	free(st->db);
	free(st);
	return 0;
}

static e2e *lite_run(void **state)
{
	lite_state *st = *state;
	if (st->e->run_rc != 0)
		fail_msg("the SQLite pipeline run failed: %d %s", st->e->run_rc, st->e->run_error);
	return st->e;
}

/* clang-format off */
/* The SQLite declared types and what they become (docs/types-sqlite.md). */
static const col_spec lite_alltypes[] = {
	{.name = "id", .duck_type = "BIGINT", .type = SL_TYPE_INT64, .text = {"1", "2", "3"},
	 .ints = true, .i = {1, 2, 3}},
	{.name = "i", .duck_type = "BIGINT", .type = SL_TYPE_INT64,
	 .text = {NA, "-9223372036854775808", "0"}, .ints = true, .i = {0, INT64_MIN, 0}},
	{.name = "bi", .duck_type = "BIGINT", .type = SL_TYPE_INT64,
	 .text = {NA, "9223372036854775807", "1"}, .ints = true, .i = {0, INT64_MAX, 1}},
	{.name = "si", .duck_type = "BIGINT", .type = SL_TYPE_INT64,
	 .text = {NA, "-32768", "32767"},
	 .ints = true, .i = {0, -32768, 32767}},
	{.name = "b", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL, .text = {NA, "false", "true"},
	 .ints = true, .i = {0, 0, 1}},
	{.name = "r", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE, .text = {NA, "-1.5", "3.14"},
	 .dbls = true, .d = {0, -1.5, 3.14}},
	{.name = "d", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
	 .text = {NA, "1.7976931348623157e+308", "2.2250738585072014e-308"}, .dbls = true,
	 .d = {0, 1.7976931348623157e308, 2.2250738585072014e-308}},
	{.name = "dp", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE, .text = {NA, "5e-324", "0.1"},
	 .dbls = true, .d = {0, 5e-324, 0.1}},
	{.name = "dec", .duck_type = "DECIMAL(10,2)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-99999999.99", "12345678.91"}, .ints = true, .i = {0, -99999999, 12345678},
	 .dbls = true, .d = {0, -99999999.99, 12345678.91}},
	{.name = "dec38", .duck_type = "DECIMAL(38,10)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "150000000000000000000.0000000000", "0.0000000001"}, .ints = true,
	 .int_fails = BIT(1), .dbls = true, .d = {0, 1.5e20, 1e-10}, .tol = 1e-15},
	{.name = "dec4", .duck_type = "DECIMAL(4,1)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-999.9", "0.1"}, .ints = true, .i = {0, -999, 0}, .dbls = true,
	 .d = {0, -999.9, 0.1}},
	{.name = "num", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE, .text = {NA, "42.0", "2.5"},
	 .dbls = true, .d = {0, 42.0, 2.5}},
	{.name = "t", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "line1\nline2 'quoted' \\ tab\tend"}},
	{.name = "vc", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "Gr\xC3\xBC\xC3\x9F" "e \xF0\x9F\x8E\x89",
		  "\xF0\x9F\x99\x82\xF0\x9F\x99\x83"}},
	{.name = "untyped", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "x", "emoji \xF0\x9F\x8E\x89"}},
	{.name = "bl", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "", "00FF00"}},
	{.name = "j", .duck_type = "JSON", .type = SL_TYPE_JSON,
	 .text = {NA, "[]", "{\"a\":[1,2,{\"b\":null}]}"}},
	{.name = "dt", .duck_type = "DATE", .type = SL_TYPE_DATE,
	 .text = {NA, "0001-01-01", "9999-12-31"}, .ints = true, .i = {0, -719162, 2932896}},
	{.name = "ts", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	 .text = {NA, "1970-01-01 00:00:00", "2024-02-29 23:59:59.999999"}, .ints = true,
	 .i = {0, 0, INT64_C(1709251199999999)}},
	{.name = "ts3", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	 .text = {NA, "2024-01-31 12:00:00.123", "1999-12-31 23:59:59.5"}, .ints = true,
	 .i = {0, INT64_C(1706702400123000), INT64_C(946684799500000)}},
	{.name = "tm", .duck_type = "TIME", .type = SL_TYPE_TIME,
	 .text = {NA, "00:00:00", "23:59:59.999999"},
	 .ints = true, .i = {0, 0, INT64_C(86399999999)}},
};
/* clang-format on */

static void test_sqlite_alltypes_values(void **state)
{
	e2e *e = lite_run(state);
	report rep = {0};
	const sl_table_load *t = load_of(e, "alltypes");
	if (t->rows_extracted != 3 || t->rows_loaded != 3 || t->chunks != 2)
		mismatch(&rep,
			 "alltypes: extracted %llu, loaded %llu, %llu chunks; expected 3, 3, 2",
			 (unsigned long long)t->rows_extracted, (unsigned long long)t->rows_loaded,
			 (unsigned long long)t->chunks);
	if (t->warnings)
		mismatch(&rep, "alltypes: warnings '%s', expected none", t->warnings);
	check_table(&rep, e->ds, "alltypes", lite_alltypes, ARRAY_LEN(lite_alltypes), 3);
	finish(&rep, "sqlite alltypes");
}

/* One two-column table (id, v[, u]) of conv_*: v's type and values. */
typedef struct conv_case {
	const char *table;
	size_t nrows;
	col_spec v;
	const char *warnings; /* the run's exact warnings for the table, or NULL */
} conv_case;

/* clang-format off */
static const conv_case lite_conv[] = {
	{.table = "conv_int", .nrows = 2,
	 .v = {.name = "v", .duck_type = "BIGINT", .type = SL_TYPE_INT64, .text = {"7", NA},
	  .ints = true,
	  .i = {7}}},
	{.table = "conv_int", .nrows = 2,
	 .v = {.name = "n", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
	  .text = {"42.0", "9007199254740992.0"}, .dbls = true, .d = {42.0, 9007199254740992.0}}},
	{.table = "conv_bool", .nrows = 6,
	 .v = {.name = "v", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL,
	  .text = {"true", "false", "true", "false", "true", "true"}, .ints = true,
	  .i = {1, 0, 1, 0, 1, 1}}},
	{.table = "conv_double", .nrows = 4,
	 .v = {.name = "v", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
	  .text = {"inf", "-inf", "42.0", "inf"}, .dbls = true,
	  .d = {INFINITY, -INFINITY, 42.0, INFINITY}}},
	{.table = "conv_dec", .nrows = 5,
	 .v = {.name = "v", .duck_type = "DECIMAL(10,2)", .type = SL_TYPE_DECIMAL,
	  .text = {"5.00", "0.10", "1.01", "15000000.00", "0.00"}, .ints = true,
	  .i = {5, 0, 1, 15000000, 0}},
	 .warnings = "conv_dec.v: 2 values rounded to DECIMAL(10,2)"},
	{.table = "conv_text", .nrows = 4,
	 .v = {.name = "v", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	  .text = {"42", "1.5", "hi\n", "plain"}}},
	{.table = "conv_text", .nrows = 4,
	 .v = {.name = "u", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	  .text = {"550e8400-e29b-41d4-a716-446655440000", "123", "1e+20", NA}}},
	{.table = "conv_json", .nrows = 4,
	 .v = {.name = "v", .duck_type = "JSON", .type = SL_TYPE_JSON,
	  .text = {"{\"k\": \"v\"}", "7", "2.5", "[1]"}}},
	{.table = "conv_blob", .nrows = 4,
	 .v = {.name = "v", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	  .text = {"616263", "35", "302E3235", "000102"}}},
	{.table = "conv_date", .nrows = 5,
	 .v = {.name = "v", .duck_type = "DATE", .type = SL_TYPE_DATE,
	  .text = {"2024-02-29", "2024-01-31", "2024-01-01", "2024-01-01", "1969-12-31"},
	  .ints = true, .i = {19782, 19753, 19723, 19723, -1}}},
	{.table = "conv_ts", .nrows = 10,
	 .v = {.name = "v", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	  .text = {"2024-01-31 12:00:00.25", "2024-01-31 12:00:00", "2024-01-31 12:00:00",
		   "2024-01-31 12:00:00", "2024-01-31 12:00:00", "2024-01-31 18:00:00"}}},
	{.table = "conv_time", .nrows = 4,
	 .v = {.name = "v", .duck_type = "TIME", .type = SL_TYPE_TIME,
	  .text = {"12:34:56.789", "23:59:00", "01:00:00", "24:00:00"}, .ints = true,
	  .i = {INT64_C(45296789000), INT64_C(86340000000), INT64_C(3600000000),
		INT64_C(86400000000)}}},
};
/* clang-format on */

/* conv_ts has 10 rows: more than MAX_ROWS, checked on its own. */
static void check_conv_ts(report *rep, sl_dataset *ds)
{
	const int64_t noon = micros(2024, 1, 31, 12, 0, 0, 0);
	const int64_t want[] = {
		noon + 250000, noon,
		noon,	       noon,				 /* 14:00+02:00 */
		noon,	       micros(2024, 1, 31, 18, 0, 0, 0), /* julian day .25 */
		noon + 500000, micros(2024, 1, 31, 0, 0, 0, 0),
		noon + 250000, -1};
	sl_rows *rows = query(ds, "SELECT v, id FROM conv_ts ORDER BY id");
	size_t r = 0;
	while (sl_rows_next(rows) == 1) {
		int64_t v = 0;
		if (r < ARRAY_LEN(want) && (sl_rows_int64(&v, rows, 0) != 0 || v != want[r]))
			mismatch(rep, "conv_ts.v row %zu: %lld, expected %lld", r + 1, (long long)v,
				 (long long)want[r]);
		r++;
	}
	sl_rows_free(rows);
	if (r != ARRAY_LEN(want))
		mismatch(rep, "conv_ts: %zu rows, expected %zu", r, ARRAY_LEN(want));
}

static void test_sqlite_conversions(void **state)
{
	e2e *e = lite_run(state);
	report rep = {0};
	for (size_t k = 0; k < ARRAY_LEN(lite_conv); k++) {
		const conv_case *c = &lite_conv[k];
		if (strcmp(c->table, "conv_ts") == 0)
			check_conv_ts(&rep, e->ds);
		else
			check_column(&rep, e->ds, c->table, &c->v, c->nrows);
		char *sql =
			xprintf("SELECT data_type FROM information_schema.columns WHERE "
				"table_schema = '%s' AND table_name = '%s' AND column_name = '%s'",
				DATASET, c->table, c->v.name);
		expect_query_text(&rep, e->ds, sql, c->v.duck_type);
		free(sql);
		const sl_table_load *t = load_of(e, c->table);
		if ((long long)t->rows_loaded != (long long)c->nrows)
			mismatch(&rep, "%s: loaded %llu rows, expected %zu", c->table,
				 (unsigned long long)t->rows_loaded, c->nrows);
		const char *want[] = {c->warnings};
		if (k == 0 || strcmp(lite_conv[k - 1].table, c->table) != 0) /* once per table */
			check_warning_lines(&rep, c->table, t->warnings, want, c->warnings ? 1 : 0);
	}
	finish(&rep, "sqlite conversions");
}

static void test_sqlite_empty_strings(void **state)
{
	e2e *e = lite_run(state);
	report rep = {0};
	/* '' in a typed column is NULL; in TEXT it stays '' (not NULL) */
	/* clang-format off */
	static const col_spec specs[] = {
		{.name = "id", .duck_type = "BIGINT", .type = SL_TYPE_INT64,
		 .text = {"1", "2", "3"}},
		{.name = "i", .duck_type = "BIGINT", .type = SL_TYPE_INT64, .text = {NA, "5", NA}},
		{.name = "d", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
		 .text = {NA, NA, "1.5"}},
		{.name = "ts", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
		 .text = {NA, "2024-01-31 00:00:00", NA}},
		{.name = "b", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL,
		 .text = {NA, "true", "false"}},
		{.name = "t", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT, .text = {"", "x", ""}},
	}; /* clang-format on */

	check_table(&rep, e->ds, "empties", specs, ARRAY_LEN(specs), 3);
	static const char *const lines[] = {
		"empties.i: 2 empty strings loaded as NULL",
		"empties.d: 2 empty strings loaded as NULL",
		"empties.ts: 2 empty strings loaded as NULL",
		"empties.b: 1 empty string loaded as NULL",
	};
	check_warning_lines(&rep, "empties", load_of(e, "empties")->warnings, lines,
			    ARRAY_LEN(lines));
	finish(&rep, "sqlite empties");
}

/* The dataset's tables and row counts as one string ("a=3,b=2"), sluice's own tables left out. */
static char *dataset_snapshot(sl_dataset *ds)
{
	sl_rows *rows = NULL;
	if (sl_dataset_tables(&rows, ds) != 0)
		fail_msg("sl_dataset_tables: %s", sl_error_last()->message);
	char *out = strdup("");
	while (sl_rows_next(rows) == 1) {
		const char *name = sl_rows_text(rows, 0, NULL);
		const char *count = sl_rows_text(rows, 1, NULL);
		if (strncmp(name, "_sluice", 7) == 0)
			continue;
		char *next = xprintf("%s%s%s=%s", out, *out ? "," : "", name, count);
		free(out);
		out = next;
	}
	sl_rows_free(rows);
	return out;
}

/* Every value of a table as one string, for comparing before and after. */
static char *table_dump(sl_dataset *ds, const char *table)
{
	char *sql = xprintf("SELECT * EXCLUDE (_sluice_load_id) FROM \"%s\" ORDER BY ALL", table);
	sl_rows *rows = query(ds, sql);
	free(sql);
	char *out = strdup("");
	while (sl_rows_next(rows) == 1) {
		for (size_t c = 0; c < sl_rows_column_count(rows); c++) {
			const char *t = sl_rows_text(rows, c, NULL);
			char *next = xprintf("%s%s%s", out, c ? "|" : "\n", t ? t : "NULL");
			free(out);
			out = next;
		}
	}
	sl_rows_free(rows);
	return out;
}

/*
 * A value that cannot be converted fails the run with SL_ETYPE naming table, column and row
 * (docs/types-sqlite.md); what was committed before stays as it was: a replaced table keeps its
 * previous copy, an incremental table keeps the chunks committed before the bad one, and the next
 * run after the fix continues without duplicates.
 */
static void expect_equal_text(report *rep, const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		mismatch(rep, "%s:\n   got  %s\n   want %s", what, got, want);
}

static void expect_run_failure(report *rep, const e2e *e, const char *want)
{
	if (e->run_rc != SL_ETYPE)
		mismatch(rep, "run: rc %d (%s), expected SL_ETYPE", e->run_rc, e->run_error);
	else
		expect_equal_text(rep, "the run's error", e->run_error, want);
}

static void test_sqlite_bad_value_fails_run(void **state)
{
	(void)state;
	report rep = {0};
	e2e *e = e2e_new("sqlite_bad");
	char *path = xprintf("%s/bad.db", e->dir);
	build_sqlite(path, "CREATE TABLE rep (id INTEGER PRIMARY KEY, v INTEGER, s TEXT);"
			   "INSERT INTO rep VALUES (1, 10, 'a'), (2, 20, 'b'), (3, NULL, '');"
			   "CREATE TABLE inc (id INTEGER PRIMARY KEY, v INTEGER);"
			   "INSERT INTO inc VALUES (1, 1), (2, 2), (3, 3);");
	e->src_url = xprintf("sqlite:///%s", path);

	/* 1: both load; rep is replaced on each run, inc appends by its cursor */
	const char *both[] = {"rep", "inc", NULL};
	sl_table_hints h = SL_TABLE_HINTS_INIT;
	h.incremental.cursor_path = "id";
	if (run_pipeline(e, "e2e_bad", both, 2, &h, "inc") != 0)
		fail_msg("first run: %s", e->run_error);
	char *snap = dataset_snapshot(e->ds);
	assert_string_equal(snap, "inc=3,rep=3");
	char *rep_before = table_dump(e->ds, "rep");
	assert_string_equal(rep_before, "\n1|10|a\n2|20|b\n3|NULL|");

	/* 2: a value that does not convert, in each table */
	build_sqlite(path, "INSERT INTO rep VALUES (4, 'four', 'd');"
			   "INSERT INTO inc VALUES (4, 4), (5, 5), (6, 'six'), (7, 7);");
	const char *only_rep[] = {"rep", NULL};
	run_pipeline(e, "e2e_bad", only_rep, 2, NULL, NULL);
	expect_run_failure(&rep, e,
			   "table 'rep' column 'v' (INTEGER) rowid 4: "
			   "TEXT 'four' is not an integer");
	char *got = dataset_snapshot(e->ds);
	expect_equal_text(&rep, "tables after the failed replace (none new, none changed)", got,
			  snap);
	free(got);
	got = table_dump(e->ds, "rep");
	expect_equal_text(&rep, "rep after the failed replace", got, rep_before);
	free(got);

	const char *only_inc[] = {"inc", NULL};
	run_pipeline(e, "e2e_bad", only_inc, 2, &h, "inc");
	expect_run_failure(&rep, e,
			   "table 'inc' column 'v' (INTEGER) rowid 6: "
			   "TEXT 'six' is not an integer");
	/* chunks committed before the one holding id 6 stay; nothing of that chunk is visible */
	got = table_dump(e->ds, "inc");
	if (strcmp(got, "\n1|1\n2|2\n3|3\n4|4\n5|5") != 0 &&
	    strcmp(got, "\n1|1\n2|2\n3|3\n4|4") != 0)
		mismatch(&rep, "inc after the failed run: %s", got);
	free(got);

	/* 3: fixed at the source, the next run loads the rest, each row once */
	build_sqlite(path,
		     "UPDATE inc SET v = 6 WHERE id = 6; UPDATE rep SET v = 40 WHERE id = 4;");
	if (run_pipeline(e, "e2e_bad", both, 2, &h, "inc") != 0)
		fail_msg("third run: %s", e->run_error);
	got = table_dump(e->ds, "inc");
	expect_equal_text(&rep, "inc after the fix", got, "\n1|1\n2|2\n3|3\n4|4\n5|5\n6|6\n7|7");
	free(got);
	got = table_dump(e->ds, "rep");
	expect_equal_text(&rep, "rep after the fix", got, "\n1|10|a\n2|20|b\n3|NULL|\n4|40|d");
	free(got);
	got = dataset_snapshot(e->ds);
	expect_equal_text(&rep, "tables after the fix", got, "inc=7,rep=4");
	free(got);
	free(snap);
	free(rep_before);
	free(path);
	e2e_free(e);
	finish(&rep, "sqlite failed runs");
}

/* ================================================================ PostgreSQL */

/* Our own database: test_postgres_source loads the same fixtures into the server's default one.
   The source tables are in its schema public, a PostgreSQL destination's dataset is its schema
   DATASET, so one query on the server sees both. */
#define PG_DATABASE "sluice_e2e_types"

static const char *pg_url(void)
{
	const char *url = getenv("SLUICE_TEST_PG_URL");
	if (!url || !*url)
		fail_msg("SLUICE_TEST_PG_URL is not set; start a server with "
			 "eval \"$(scripts/test-server postgresql start /tmp/x)\"");
	return url;
}

static void pg_exec(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql); /* the simple query protocol: a whole script at once */
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%.200s: %s", sql, PQerrorMessage(db));
	PQclear(r);
}

/* A plain libpq session on `url`, in UTC, quiet about NOTICEs. */
static PGconn *pg_connect(const char *url)
{
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *vals[] = {url, "sluice-test", NULL};
	PGconn *db = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(db) != CONNECTION_OK)
		fail_msg("cannot connect to the test server: %s", PQerrorMessage(db));
	pg_exec(db, "SET TimeZone = 'UTC'");
	pg_exec(db, "SET client_min_messages = warning");
	return db;
}

/* PG_DATABASE afresh, owned by the test user; made by the admin (SLUICE_TEST_PG_ADMIN_URL)
   when there is one. Dropping it ends any session left in it. */
static void pg_recreate_database(bool create)
{
	const char *admin = getenv("SLUICE_TEST_PG_ADMIN_URL");
	PGconn *db = pg_connect(admin && *admin ? admin : pg_url());
	pg_exec(db, "DROP DATABASE IF EXISTS " PG_DATABASE " WITH (FORCE)");
	if (create) {
		sl_url *u = NULL;
		if (sl_url_parse(&u, pg_url()) != 0)
			fail_msg("bad SLUICE_TEST_PG_URL: %s", sl_error_last()->message);
		char *owner = PQescapeIdentifier(db, u->user, strlen(u->user));
		assert_non_null(owner);
		char *sql = xprintf("CREATE DATABASE " PG_DATABASE " OWNER %s", owner);
		pg_exec(db, sql);
		free(sql);
		PQfreemem(owner);
		sl_url_free(u);
	}
	PQfinish(db);
}

static void pg_load_file(const char *url, const char *name)
{
	char *text = read_text_file(name, NULL);
	PGconn *db = pg_connect(url);
	pg_exec(db, text);
	PQfinish(db);
	free(text);
}

static const char *const pg_tables[] = {"alltypes", "shapes", "arrays", NULL};

typedef struct pg_state {
	e2e *duck; /* PostgreSQL -> DuckDB */
	e2e *pg;   /* PostgreSQL -> PostgreSQL */
} pg_state;

/* The PostgreSQL tables into a DuckDB file, or a files destination of `format`, and into
   PostgreSQL. */
static int pg_setup_into(void **state, const char *format)
{
	pg_state *st = calloc(1, sizeof(*st));
	*state = st;
	if (!getenv("SLUICE_TEST_PG_URL") || !*getenv("SLUICE_TEST_PG_URL"))
		return 0; /* every test then fails, saying why */
	pg_recreate_database(true);
	char *src = url_with_database(pg_url(), PG_DATABASE);
	pg_load_file(src, "pg_alltypes.sql");
	pg_load_file(src, "pg_arrays.sql");

	/* chunks of 4 rows: alltypes takes two */
	st->duck = e2e_new("pg_duckdb");
	if (format) {
		free(st->duck->dest);
		st->duck->dest = xprintf("file://%s/files?format=%s", st->duck->dir, format);
	}
	st->duck->src_url = strdup(src);
	run_pipeline(st->duck, "e2e_pg_duckdb", pg_tables, 4, NULL, NULL);

	/* the same tables into the schema DATASET of the source's own database */
	st->pg = e2e_new("pg_pg");
	free(st->pg->dest);
	st->pg->dest = strdup(src);
	st->pg->src_url = src;
	run_pipeline(st->pg, "e2e_pg_pg", pg_tables, 4, NULL, NULL);
	return 0;
}

static int pg_group_setup(void **state)
{
	return pg_setup_into(state, NULL);
}

/* Lists, TIMESTAMPTZ, numerics and the rest through Parquet files (files.c). */
static int pg_parquet_setup(void **state)
{
	return pg_setup_into(state, "parquet");
}

static int pg_group_teardown(void **state)
{
	pg_state *st = *state;
	if (st && st->duck) {
		e2e_free(st->duck);
		e2e_free(st->pg);
		pg_recreate_database(false);
	}
	free(st);
	return 0;
}

static e2e *pg_run(void **state, bool duckdb)
{
	pg_url(); /* fails the test when the server is not configured */
	pg_state *st = *state;
	e2e *e = duckdb ? st->duck : st->pg;
	assert_non_null(e);
	if (e->run_rc != 0)
		fail_msg("the PostgreSQL -> %s run failed: %d %s", duckdb ? "DuckDB" : "PostgreSQL",
			 e->run_rc, e->run_error);
	return e;
}

#define NUM38_MAX "9999999999999999999999999999.9999999999"
#define NUM50_MAX "999999999999999999999999999999.99999999999999999999"
#define TS_MAX	  "294247-01-10 04:00:54.775806" /* DuckDB's last timestamp */
#define TS_MAX_US (INT64_MAX - 1)
#define TS_MIN	  "4713-11-24 (BC) 00:00:00" /* PostgreSQL's first timestamp */
#define EMOJI	  "\xF0\x9F\x98\x80"	     /* U+1F600 */

/* clang-format off */
/*
 * tests/data/pg_alltypes.sql, rows id 1..6, as DuckDB must hold them and as a PostgreSQL
 * destination must hold them (docs/types.md, "PostgreSQL" and "PostgreSQL as a destination").
 * Row 1 is all NULL, 2 the minimum values, 3 the maximum, 4 NaN and infinities, 5 and 6 others.
 */
static const col_spec pg_alltypes[] = {
	{.name = "id", .duck_type = "INTEGER", .type = SL_TYPE_INT32,
	 .text = {"1", "2", "3", "4", "5", "6"}, .ints = true, .i = {1, 2, 3, 4, 5, 6},
	 .pg_type = "integer", .same_as_source = true},
	{.name = "c_bool", .duck_type = "BOOLEAN", .type = SL_TYPE_BOOL,
	 .text = {NA, "false", "true", NA, "true", NA}, .ints = true, .i = {0, 0, 1, 0, 1},
	 .pg_type = "boolean"},
	{.name = "c_int2", .duck_type = "SMALLINT", .type = SL_TYPE_INT16,
	 .text = {NA, "-32768", "32767", NA, NA, NA}, .ints = true, .i = {0, -32768, 32767},
	 .pg_type = "smallint", .same_as_source = true},
	{.name = "c_int4", .duck_type = "INTEGER", .type = SL_TYPE_INT32,
	 .text = {NA, "-2147483648", "2147483647", NA, "-1", "0"}, .ints = true,
	 .i = {0, INT32_MIN, INT32_MAX, 0, -1, 0}, .pg_type = "integer", .same_as_source = true},
	{.name = "c_int8", .duck_type = "BIGINT", .type = SL_TYPE_INT64,
	 .text = {NA, "-9223372036854775808", "9223372036854775807", NA, NA, NA}, .ints = true,
	 .i = {0, INT64_MIN, INT64_MAX}, .pg_type = "bigint", .same_as_source = true},
	/* an unsigned 32-bit number: the next wider signed type in PostgreSQL */
	{.name = "c_oid", .duck_type = "UINTEGER", .type = SL_TYPE_UINT32,
	 .text = {NA, "0", "4294967295", NA, NA, NA}, .ints = true,
	 .i = {0, 0, INT64_C(4294967295)}, .pg_type = "bigint", .same_as_source = true},
	{.name = "c_num4", .duck_type = "DECIMAL(4,2)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-99.99", "99.99", NA, "0.01", NA}, .ints = true, .i = {0, -99, 99, 0, 0},
	 .dbls = true, .d = {0, -99.99, 99.99, 0, 0.01},
	 .pg_type = "numeric(4,2)", .same_as_source = true},
	/* NaN has no DECIMAL: NULL, counted in a warning, in both destinations */
	{.name = "c_num9", .duck_type = "DECIMAL(9,3)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-999999.999", "999999.999", NA, "0.001", "1.000"}, .ints = true,
	 .i = {0, -999999, 999999, 0, 0, 1}, .dbls = true,
	 .d = {0, -999999.999, 999999.999, 0, 0.001, 1.0},
	 .pg_type = "numeric(9,3)", .pg_differs = BIT(3), .pg_text = {[3] = NA}},
	{.name = "c_num18", .duck_type = "DECIMAL(18,6)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-999999999999.999999", "999999999999.999999", NA, NA, NA}, .ints = true,
	 .i = {0, -999999999999, 999999999999}, .dbls = true,
	 .d = {0, -999999999999.999999, 999999999999.999999}, .tol = 1e-15,
	 .pg_type = "numeric(18,6)", .same_as_source = true},
	{.name = "c_num38", .duck_type = "DECIMAL(38,10)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-" NUM38_MAX, NUM38_MAX, NA, "-0.0000000001", "0.0000000000"},
	 .ints = true, .i = {0, 0, 0, 0, 0, 0}, .int_fails = BIT(1) | BIT(2), .dbls = true,
	 .d = {0, -1e28, 1e28, 0, -1e-10, 0}, .tol = 1e-15,
	 .pg_type = "numeric(38,10)", .same_as_source = true},
	/* numeric(5,-2): 5 significant digits, rounded to hundreds: 7 integer digits */
	{.name = "c_num_neg", .duck_type = "DECIMAL(7,0)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-9999900", "9999900", NA, "100", NA}, .ints = true,
	 .i = {0, -9999900, 9999900, 0, 100}, .pg_type = "numeric(7,0)", .same_as_source = true},
	/* numeric without precision, and with more than 38 digits: the exact digits as text */
	{.name = "c_num_free", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "-0.5", "123456789012345678901234567890.123456789012345678901234567890",
		  "Infinity", "-Infinity", NA}, .pg_type = "text", .same_as_source = true},
	{.name = "c_num50", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "-" NUM50_MAX, NUM50_MAX, "NaN", NA, NA},
	 .pg_type = "text", .same_as_source = true},
	{.name = "c_real", .duck_type = "FLOAT", .type = SL_TYPE_FLOAT,
	 .text = {NA, "-3.4e+38", "3.4e+38", "nan", "0.1", NA}, .dbls = true,
	 .d = {0, (double)-3.4e38f, (double)3.4e38f, NAN, (double)0.1f}, .pg_type = "real"},
	{.name = "c_double", .duck_type = "DOUBLE", .type = SL_TYPE_DOUBLE,
	 .text = {NA, "-1.7976931348623157e+308", "1.7976931348623157e+308", "-inf", "inf", NA},
	 .dbls = true, .d = {0, -1.7976931348623157e308, 1.7976931348623157e308, -INFINITY,
			     INFINITY}, .pg_type = "double precision"},
	{.name = "c_text", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "emoji " EMOJI " na\xC3\xAFve \xE2\x9C\x93 "
		  "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", /* naïve ✓ 日本語 */
		  "line1\nline2\ttab", "with 'quotes', \"double\", a backslash \\ and a tab\t.",
		  "emoji"}, .pg_type = "text", .same_as_source = true},
	{.name = "c_varchar", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "x'y\"z\\w", NA, NA, NA}, .pg_type = "text", .same_as_source = true},
	/* char(n) keeps its padding (PostgreSQL's ::text would drop it: compare its own text) */
	{.name = "c_char", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "     ", "abcde", "a    ", NA, NA}, .pg_type = "text", .same_as_source = true,
	 .pg_src = "textin(bpcharout(s.c_char))"},
	{.name = "c_name", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "pg_name", NA, NA, NA}, .pg_type = "text", .same_as_source = true},
	{.name = "c_qchar", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "z", NA, NA, NA}, .pg_type = "text", .same_as_source = true},
	{.name = "c_citext", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "MiXeD Case", NA, "abc", NA}, .pg_type = "text", .same_as_source = true},
	{.name = "c_bytea", .duck_type = "BLOB", .type = SL_TYPE_BLOB, .bytes = true,
	 .text = {NA, "", "00FF000100", NA, NA, NA}, .pg_type = "bytea"},
	{.name = "c_date", .duck_type = "DATE", .type = SL_TYPE_DATE,
	 .text = {NA, "4713-11-24 (BC)", "5874897-12-31", "infinity", "10000-01-01",
		  "0045-03-15 (BC)"}, .ints = true, .no_int = BIT(3),
	 .i = {0, -2440222, INT64_C(2145042905), 0, 2932897, -735525}, .pg_type = "date"},
	{.name = "c_time", .duck_type = "TIME", .type = SL_TYPE_TIME,
	 .text = {NA, "00:00:00", "24:00:00", NA, "12:34:56.789012", NA}, .ints = true,
	 .i = {0, 0, INT64_C(86400000000), 0, INT64_C(45296789012)},
	 .pg_type = "time without time zone"},
	{.name = "c_time3", .duck_type = "TIME", .type = SL_TYPE_TIME,
	 .text = {NA, "00:00:00", "23:59:59.999", NA, "12:34:56.789", NA}, .ints = true,
	 .i = {0, 0, INT64_C(86399999000), 0, INT64_C(45296789000)},
	 .pg_type = "time without time zone"},
	/* text: normalising to UTC would move values across midnight */
	{.name = "c_timetz", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "00:00:00+15:59", "23:59:59.999999-15:59", NA, NA, NA},
	 .pg_type = "text", .same_as_source = true},
	{.name = "c_ts", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	 .text = {NA, TS_MIN, TS_MAX, "-infinity", "12345-06-07 08:09:10.111213",
		  "2024-02-29 12:34:56.5"}, .ints = true, .no_int = BIT(3),
	 .i = {0, INT64_C(-210835180800000000), TS_MAX_US, 0, INT64_C(327416976550111213),
	       INT64_C(1709210096500000)},
	 .pg_type = "timestamp without time zone"},
	/* 294276-12-31 is past DuckDB's last timestamp: NULL, counted, in both destinations */
	{.name = "c_ts0", .duck_type = "TIMESTAMP", .type = SL_TYPE_TIMESTAMP,
	 .text = {NA, TS_MIN, NA, "infinity", "0045-03-15 (BC) 12:00:00", NA}, .ints = true,
	 .no_int = BIT(3), .i = {0, INT64_C(-210835180800000000), 0, 0,
				 INT64_C(-63549316800000000)},
	 .pg_type = "timestamp without time zone", .pg_differs = BIT(2), .pg_text = {[2] = NA}},
	/* DuckDB 1.4's CAST of its last TIMESTAMPTZ says .776806: its calendar (ICU) rounds to
	   milliseconds on the way; the microseconds (i[]) and sluice's own text are right */
	{.name = "c_tstz", .duck_type = "TIMESTAMPTZ", .type = SL_TYPE_TIMESTAMPTZ,
	 .text = {NA, TS_MIN "+00", TS_MAX "+00", "infinity", "2024-02-29 07:04:56.123456+00",
		  "2024-02-29 07:04:56.123456+00"},
	 .duck_cast = {[2] = "294247-01-10 04:00:54.776806+00"}, .ints = true, .no_int = BIT(3),
	 .i = {0, INT64_C(-210835180800000000), TS_MAX_US, 0, INT64_C(1709190296123456),
	       INT64_C(1709190296123456)},
	 .pg_type = "timestamp with time zone"},
	/* months, days and microseconds as stored: DuckDB prints each field on its own */
	{.name = "c_interval", .duck_type = "INTERVAL", .type = SL_TYPE_INTERVAL,
	 .text = {NA, "-178956970 years -8 months -2147483648 days -2562047788:00:54.775807",
		  "178956970 years 7 months 2147483647 days 2562047788:00:54.775807", NA,
		  "1 year 2 months 3 days 04:05:06.789", NA}, .pg_type = "interval"},
	{.name = "c_uuid", .duck_type = "UUID", .type = SL_TYPE_UUID,
	 .text = {NA, "00000000-0000-0000-0000-000000000000",
		  "ffffffff-ffff-ffff-ffff-ffffffffffff", NA,
		  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000001"},
	 .pg_type = "uuid", .same_as_source = true},
	/* json: the document as written; jsonb: the server's text of it (keys sorted) */
	{.name = "c_json", .duck_type = "JSON", .type = SL_TYPE_JSON,
	 .text = {NA, "[]", "{\"a\": [1, 2.5, \"x\"], \"b\": null, \"s\": \"\xC3\xA9" EMOJI "\"}",
		  NA, NA, NA}, .pg_type = "json", .same_as_source = true},
	{.name = "c_jsonb", .duck_type = "JSON", .type = SL_TYPE_JSON,
	 .text = {NA, "{}", "{\"a\": [1, 2.50, \"x\"], \"b\": 1, \"c\": {\"d\": \"\xC3\xA9\"}}", NA,
		  "\"just a string\"", NA}, .pg_type = "json", .same_as_source = true},
	{.name = "c_enum", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "sad", "happy", NA, "ok", "sad"}, .pg_type = "text", .same_as_source = true},
	{.name = "c_posint", .duck_type = "INTEGER", .type = SL_TYPE_INT32,
	 .text = {NA, "1", "2147483647", NA, NA, NA}, .ints = true, .i = {0, 1, INT32_MAX},
	 .pg_type = "integer", .same_as_source = true},
	{.name = "c_amount", .duck_type = "DECIMAL(10,2)", .type = SL_TYPE_DECIMAL,
	 .text = {NA, "-99999999.99", "99999999.99", NA, NA, NA}, .ints = true,
	 .i = {0, -99999999, 99999999}, .dbls = true, .d = {0, -99999999.99, 99999999.99},
	 .pg_type = "numeric(10,2)", .same_as_source = true},
	/* inet in its output form (abbrev): no /32 for a single address */
	{.name = "c_inet", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "0.0.0.0", "2001:db8::1/64", NA, NA, NA},
	 .pg_type = "text", .same_as_source = true,
	 .pg_src = "abbrev(s.c_inet)"},
	{.name = "c_cidr", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "10.0.0.0/8", "2001:db8::/32", NA, NA, NA},
	 .pg_type = "text", .same_as_source = true},
	{.name = "c_macaddr", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "00:00:00:00:00:00", "08:00:2b:01:02:03", NA, NA, NA},
	 .pg_type = "text", .same_as_source = true},
	/* as the server formats it (lc_monetary C) */
	{.name = "c_money", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "-$92,233,720,368,547,758.08", "$92,233,720,368,547,758.07", NA, "$12.50",
		  NA}, .pg_type = "text", .same_as_source = true},
	{.name = "c_xml", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "<a/>", "<doc><p lang=\"fr\">caf\xC3\xA9</p></doc>", NA, NA, NA},
	 .pg_type = "text", .same_as_source = true},
	{.name = "c_bit", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "0000", "1111", NA, NA, NA}, .pg_type = "text", .same_as_source = true},
	{.name = "c_varbit", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "", "10101010", NA, NA, NA}, .pg_type = "text", .same_as_source = true},
	/* the lower bound of [0:1]={-1,2147483647} is not kept */
	{.name = "c_int_arr", .duck_type = "INTEGER[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[1, NULL, 3]", NA, "[-1, 2147483647]", NA},
	 .pg_type = "integer[]", .pg_differs = BIT(4), .pg_text = {[4] = "{-1,2147483647}"}},
	{.name = "c_text_arr", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[a b, 'c\"d', NULL]", NA, NA, NA}, .pg_type = "text[]"},
	/* declared with two dimensions: to_json() */
	{.name = "c_int_arr2", .duck_type = "JSON", .type = SL_TYPE_JSON,
	 .text = {NA, "[]", "[[1,2],[3,null]]", NA, "[[1,2],[3,4]]", NA}, .pg_type = "json",
	 .pg_src = "to_json(s.c_int_arr2)::text"},
	/* no portable type: the text form, with a warning */
	{.name = "c_point", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "(0,0)", "(1.5,-2)", NA, NA, NA}, .pg_type = "text", .same_as_source = true},
	{.name = "c_range", .duck_type = "VARCHAR", .type = SL_TYPE_TEXT,
	 .text = {NA, "empty", "[1,10)", NA, NA, NA}, .pg_type = "text", .same_as_source = true},
};

/* tests/data/pg_alltypes.sql's composites and arrays, rows id 1..2. */
static const col_spec pg_shapes[] = {
	{.name = "id", .duck_type = "INTEGER", .type = SL_TYPE_INT32, .text = {"1", "2"},
	 .ints = true, .i = {1, 2}, .pg_type = "integer"},
	{.name = "p", .duck_type = "JSON", .type = SL_TYPE_JSON, .text = {"{\"a\":1,\"b\":\"x\"}", NA},
	 .pg_type = "json", .pg_src = "to_json(s.p)::text"},
	/* an array of a text-form type: each element's text */
	{.name = "spans", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {"['[1,3)', empty]", "[]"}, .pg_type = "text[]"},
	{.name = "tags", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT, .text = {"[a, b c]", NA},
	 .pg_type = "text[]"},
	/* an array of a domain over numeric(10,2) */
	{.name = "amounts", .duck_type = "DECIMAL(10,2)[]", .type = SL_TYPE_TEXT,
	 .text = {"[1.50, NULL]", "[]"}, .pg_type = "numeric(10,2)[]"},
	{.name = "flat", .duck_type = "INTEGER[]", .type = SL_TYPE_TEXT, .text = {"[1]", "[]"},
	 .pg_type = "integer[]"},
};

/*
 * tests/data/pg_arrays.sql, rows id 1..4: one-dimensional arrays of every type are lists of
 * that type's mapping (docs/types.md, "Arrays"). Row 1 is all NULL, 2 empty, 3 edge values,
 * 4 lists of NULLs, a lower bound of -2 and NaN elements. DuckDB's text of a list puts an
 * element in '' when it is empty, the word NULL, has spaces at an end or holds a quote, comma,
 * colon, bracket, brace or parenthesis; tabs and newlines stay bare (see the element checks).
 */
static const col_spec pg_arrays[] = {
	{.name = "id", .duck_type = "INTEGER", .type = SL_TYPE_INT32, .text = {"1", "2", "3", "4"},
	 .ints = true, .i = {1, 2, 3, 4}, .pg_type = "integer"},
	{.name = "a_bool", .duck_type = "BOOLEAN[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[true, false, NULL]", NA}, .pg_type = "boolean[]"},
	{.name = "a_int2", .duck_type = "SMALLINT[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[-32768, 32767, NULL]", "[1, NULL, 3]"}, .pg_type = "smallint[]",
	 .pg_differs = BIT(3), .pg_text = {[3] = "{1,NULL,3}"}},
	{.name = "a_int8", .duck_type = "BIGINT[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[-9223372036854775808, 9223372036854775807]", NA},
	 .pg_type = "bigint[]"},
	{.name = "a_oid", .duck_type = "UINTEGER[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[0, 4294967295]", NA}, .pg_type = "bigint[]"},
	/* NaN elements are NULL (and counted), as scalars */
	{.name = "a_num", .duck_type = "DECIMAL(10,2)[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[-99999999.99, NULL, 0.01, NULL]", "[NULL, NULL]"},
	 .pg_type = "numeric(10,2)[]", .pg_differs = BIT(2) | BIT(3),
	 .pg_text = {[2] = "{-99999999.99,NULL,0.01,NULL}", [3] = "{NULL,NULL}"}},
	{.name = "a_num_free", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[NaN, Infinity, -Infinity, 123456789012345678901234567890.5, "
		  "-0.000000000000000000000000000000000000000001]", NA}, .pg_type = "text[]"},
	{.name = "a_real", .duck_type = "FLOAT[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[nan, inf, -inf, -0.0, 3.4e+38, 1e-45]", "[NULL]"},
	 .pg_type = "real[]"},
	{.name = "a_double", .duck_type = "DOUBLE[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[nan, -inf, 1.7976931348623157e+308, 5e-324, -0.0]", NA},
	 .pg_type = "double precision[]"},
	/* '', 'NULL', NULL, 'a,b', '{x}', 'q"uote', back\slash, tab<TAB>nl<LF>end, the emoji */
	{.name = "a_text", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['', 'NULL', NULL, 'a,b', '{x}', 'q\"uote', back\\slash, "
		  "tab\tnl\nend, " EMOJI "]", "[NULL]"}, .pg_type = "text[]"},
	{.name = "a_varchar", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[abcde, '', NULL]", NA}, .pg_type = "text[]"},
	{.name = "a_char", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['a  ', '   ', abc]", NA}, .pg_type = "text[]"},
	{.name = "a_bytea", .duck_type = "BLOB[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['', \\x00\\xFF, NULL]", NA}, .pg_type = "bytea[]"},
	{.name = "a_date", .duck_type = "DATE[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[infinity, -infinity, '4713-11-24 (BC)', 5874897-12-31, "
		  "'0045-03-15 (BC)', NULL]", NA}, .pg_type = "date[]"},
	{.name = "a_time", .duck_type = "TIME[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['00:00:00', '24:00:00', '12:34:56.789012']", NA},
	 .pg_type = "time without time zone[]"},
	/* the element after DuckDB's last timestamp is NULL (and counted) */
	{.name = "a_ts", .duck_type = "TIMESTAMP[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[-infinity, infinity, '" TS_MIN "', '" TS_MAX "', NULL, "
		  "'2024-02-29 12:34:56.5', NULL]", NA},
	 .pg_type = "timestamp without time zone[]", .pg_differs = BIT(2),
	 .pg_text = {[2] = "{-infinity,infinity,\"4713-11-24 00:00:00 BC\",\"294247-01-10 "
			   "04:00:54.775806\",NULL,\"2024-02-29 12:34:56.5\",NULL}"}},
	{.name = "a_tstz", .duck_type = "TIMESTAMP WITH TIME ZONE[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['2024-02-29 07:04:56.123456+00', infinity, -infinity, "
		  "'1969-12-31 23:59:59.999999+00', '0045-03-15 (BC) 12:00:00+00']", "[NULL, NULL]"},
	 .pg_type = "timestamp with time zone[]"},
	{.name = "a_interval", .duck_type = "INTERVAL[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['-178956970 years -8 months -2147483648 days "
		  "-2562047788:00:54.775807', '1 year 2 months 3 days 04:05:06.789', NULL]", NA},
	 .pg_type = "interval[]"},
	{.name = "a_uuid", .duck_type = "UUID[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11, NULL, "
		  "ffffffff-ffff-ffff-ffff-ffffffffffff]", NA}, .pg_type = "uuid[]"},
	/* JSON elements: the JSON null, then an SQL NULL */
	{.name = "a_json", .duck_type = "JSON[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[{\"b\": 1,  \"a\": [1, 2.50]}, null, NULL, \"x,y\"]", NA},
	 .pg_type = "json[]"},
	{.name = "a_jsonb", .duck_type = "JSON[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[{\"a\": [1, 2.50], \"b\": 1}, null, NULL, \"x,y\"]", NA},
	 .pg_type = "json[]"},
	/* arrays of text-form types: each element's text (col::text[]: inet keeps its /32) */
	{.name = "a_enum", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[happy, sad, NULL]", NA}, .pg_type = "text[]"},
	{.name = "a_posint", .duck_type = "INTEGER[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[1, 2147483647]", NA}, .pg_type = "integer[]"},
	{.name = "a_inet", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[10.0.0.1/32, 10.0.0.0/8, '::1/128', '2001:db8::1/64', NULL]", NA},
	 .pg_type = "text[]", .pg_src = "s.a_inet::text[]::text"},
	{.name = "a_timetz", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['00:00:00+15:59', '23:59:59.999999-15:59']", NA},
	 .pg_type = "text[]"},
	{.name = "a_money", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "['-$92,233,720,368,547,758.08', $0.00, $12.50]", NA},
	 .pg_type = "text[]"},
	{.name = "a_bit", .duck_type = "VARCHAR[]", .type = SL_TYPE_TEXT,
	 .text = {NA, "[]", "[00, 11, NULL]", NA}, .pg_type = "text[]"},
};
/* clang-format on */

/* The run's warnings per table (each line once, no others), from the source: the same for
   both destinations. */
static const char *const pg_alltypes_warnings[] = {
	"alltypes.c_point: PostgreSQL type point has no portable type; loaded as TEXT (its text "
	"form)",
	"alltypes.c_range: PostgreSQL type int4range has no portable type; loaded as TEXT (its "
	"text form)",
	"alltypes.c_num9: 1 NaN values loaded as NULL",
	"alltypes.c_ts0: 1 timestamps after 294247-01-10 loaded as NULL",
};
static const char *const pg_shapes_warnings[] = {
	"shapes.spans: PostgreSQL type int4range[] has no portable type; loaded as TEXT (its "
	"text form)",
};
static const char *const pg_arrays_warnings[] = {
	"arrays.a_num: 3 NaN values loaded as NULL",
	"arrays.a_ts: 1 timestamps after 294247-01-10 loaded as NULL",
};

static const struct pg_table {
	const char *name;
	const col_spec *specs;
	size_t ncols, nrows;
	uint64_t chunks; /* of 4 rows */
	const char *const *warnings;
	size_t nwarnings;
} pg_table_specs[] = {
	{"alltypes", pg_alltypes, ARRAY_LEN(pg_alltypes), 6, 2, pg_alltypes_warnings,
	 ARRAY_LEN(pg_alltypes_warnings)},
	{"shapes", pg_shapes, ARRAY_LEN(pg_shapes), 2, 1, pg_shapes_warnings,
	 ARRAY_LEN(pg_shapes_warnings)},
	{"arrays", pg_arrays, ARRAY_LEN(pg_arrays), 4, 1, pg_arrays_warnings,
	 ARRAY_LEN(pg_arrays_warnings)},
};

/* The server's own text (its output functions, in UTC) of a column of a source table. */
static char **pg_column_text(const char *table, const char *col, size_t *n)
{
	char *url = url_with_database(pg_url(), PG_DATABASE);
	PGconn *db = pg_connect(url);
	char *sql = xprintf("SELECT \"%s\" FROM public.\"%s\" ORDER BY id", col, table);
	PGresult *r = PQexec(db, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(db));
	*n = (size_t)PQntuples(r);
	char **out = calloc(*n + 1, sizeof(*out));
	assert_non_null(out);
	for (size_t i = 0; i < *n; i++)
		if (!PQgetisnull(r, (int)i, 0))
			out[i] = strdup(PQgetvalue(r, (int)i, 0));
	PQclear(r);
	PQfinish(db);
	free(sql);
	free(url);
	return out;
}

static long long pg_count(const char *table)
{
	size_t n;
	char **v = pg_column_text(table, "id", &n);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return (long long)n;
}

/* Rows, chunks and warnings of one run, per table. */
static void check_pg_run(report *rep, const e2e *e, const char *dest)
{
	if (sl_load_info_table_count(e->info) != ARRAY_LEN(pg_table_specs))
		mismatch(rep, "%s: %zu tables loaded, expected %zu", dest,
			 sl_load_info_table_count(e->info), ARRAY_LEN(pg_table_specs));
	for (size_t i = 0; i < ARRAY_LEN(pg_table_specs); i++) {
		const struct pg_table *w = &pg_table_specs[i];
		const sl_table_load *t = load_of(e, w->name);
		long long src = pg_count(w->name);
		assert_int_equal(src, (long long)w->nrows);
		uint64_t n = 0;
		assert_int_equal(sl_dataset_row_count(&n, e->ds, w->name), 0);
		if ((long long)t->rows_extracted != src || (long long)t->rows_loaded != src ||
		    (long long)n != src)
			mismatch(rep,
				 "%s %s: extracted %llu, loaded %llu, in the destination %llu; "
				 "source has %lld",
				 dest, w->name, (unsigned long long)t->rows_extracted,
				 (unsigned long long)t->rows_loaded, (unsigned long long)n, src);
		if (t->chunks != w->chunks)
			mismatch(rep, "%s %s: %llu chunks, expected %llu", dest, w->name,
				 (unsigned long long)t->chunks, (unsigned long long)w->chunks);
		if (!t->exhausted)
			mismatch(rep, "%s %s: not exhausted", dest, w->name);
		check_warning_lines(rep, w->name, t->warnings, w->warnings, w->nwarnings);
	}
}

static void test_pg_run_counts_and_warnings(void **state)
{
	report rep = {0};
	check_pg_run(&rep, pg_run(state, true), "DuckDB");
	check_pg_run(&rep, pg_run(state, false), "PostgreSQL");
	finish(&rep, "postgresql runs");
}

static void test_pg_alltypes_values(void **state)
{
	e2e *e = pg_run(state, true);
	report rep = {0};
	check_table(&rep, e->ds, "alltypes", pg_alltypes, ARRAY_LEN(pg_alltypes), 6);
	/* the extremes and the infinities compare equal to typed literals, not only as text */
	expect_query_text(&rep, e->ds,
			  "SELECT count(*) FROM alltypes WHERE c_num38 = "
			  "CAST('-" NUM38_MAX "' AS DECIMAL(38,10)) AND id = 2",
			  "1");
	expect_query_text(&rep, e->ds,
			  "SELECT string_agg(id, ',' ORDER BY id) FROM alltypes WHERE "
			  "c_date = 'infinity'::DATE OR c_ts = '-infinity'::TIMESTAMP OR "
			  "c_ts0 = 'infinity'::TIMESTAMP OR c_tstz = 'infinity'::TIMESTAMPTZ",
			  "4");
	expect_query_text(&rep, e->ds,
			  "SELECT count(*) FROM alltypes WHERE c_tstz = "
			  "CAST('2024-02-29 12:34:56.123456+05:30' AS TIMESTAMPTZ) AND id = 5",
			  "1");
	/* the interval's three fields, as stored */
	expect_query_text(
		&rep, e->ds,
		"SELECT to_json(c_interval)::VARCHAR || '|' || "
		"datepart('month', c_interval) + 12 * datepart('year', c_interval) || '|' "
		"|| datepart('day', c_interval) FROM alltypes WHERE id = 2",
		"\"-178956970 years -8 months -2147483648 days "
		"-2562047788:00:54.775807\"|-2147483648|-2147483648");
	expect_query_text(&rep, e->ds,
			  "SELECT json_extract_string(c_json, '$.s') FROM alltypes WHERE id = 3",
			  "\xC3\xA9" EMOJI);
	expect_query_text(&rep, e->ds,
			  "SELECT json_extract_string(c_jsonb, '$.c.d') FROM alltypes WHERE id = 3",
			  "\xC3\xA9");
	finish(&rep, "postgresql alltypes");
}

static void test_pg_arrays_values(void **state)
{
	e2e *e = pg_run(state, true);
	report rep = {0};
	check_table(&rep, e->ds, "shapes", pg_shapes, ARRAY_LEN(pg_shapes), 2);
	check_table(&rep, e->ds, "arrays", pg_arrays, ARRAY_LEN(pg_arrays), 4);
	/* elements by their own types: what the text of a list cannot show unambiguously */
	/* clang-format off */
	static const struct {
		const char *sql, *want;
	} elems[] = {
		{"SELECT a_text[1] = '' AND a_text[2] = 'NULL' AND a_text[3] IS NULL AND "
		 "a_text[7] = 'back\\slash' AND "
		 "a_text[8] = 'tab' || chr(9) || 'nl' || chr(10) || 'end' AND len(a_text) = 9 "
		 "FROM arrays WHERE id = 3", "true"},
		{"SELECT a_int8[1] FROM arrays WHERE id = 3", "-9223372036854775808"},
		{"SELECT a_oid[2] FROM arrays WHERE id = 3", "4294967295"},
		{"SELECT a_num[1] = -99999999.99 AND a_num[2] IS NULL FROM arrays WHERE id = 3",
		 "true"},
		{"SELECT isnan(a_real[1]) AND a_real[2] = 'inf'::FLOAT AND signbit(a_real[4]) "
		 "AND a_real[6] > 0 FROM arrays WHERE id = 3", "true"},
		{"SELECT a_double[4] = 5e-324 AND signbit(a_double[5]) FROM arrays WHERE id = 3",
		 "true"},
		{"SELECT hex(a_bytea[2]) || '|' || octet_length(a_bytea[1]) "
		 "FROM arrays WHERE id = 3", "00FF|0"},
		{"SELECT a_date[1] = 'infinity'::DATE AND a_date[2] = '-infinity'::DATE "
		 "FROM arrays WHERE id = 3", "true"},
		{"SELECT epoch_us(a_ts[4]) FROM arrays WHERE id = 3", "9223372036854775806"},
		{"SELECT a_ts[5] IS NULL AND len(a_ts) = 7 FROM arrays WHERE id = 3", "true"},
		{"SELECT epoch_us(a_tstz[1]) FROM arrays WHERE id = 3", "1709190296123456"},
		{"SELECT epoch_us(a_tstz[4]) FROM arrays WHERE id = 3", "-1"},
		{"SELECT json_extract_string(a_jsonb[1], '$.b') || '|' || "
		 "(a_json[2] = 'null'::JSON) || '|' || (a_json[3] IS NULL) "
		 "FROM arrays WHERE id = 3", "1|true|true"},
		{"SELECT len(a_int2) || '|' || a_int2[1] FROM arrays WHERE id = 4", "3|1"},
		{"SELECT len(a_tstz) FROM arrays WHERE id = 4", "2"},
		{"SELECT count(*) FROM arrays WHERE len(a_bool) = 0 AND len(a_bit) = 0", "1"},
	};
	/* clang-format on */
	for (size_t i = 0; i < ARRAY_LEN(elems); i++)
		expect_query_text(&rep, e->ds, elems[i].sql, elems[i].want);
	finish(&rep, "postgresql arrays");
}

static void test_pg_same_as_server(void **state)
{
	e2e *e = pg_run(state, true);
	report rep = {0};
	for (size_t i = 0; i < ARRAY_LEN(pg_table_specs); i++)
		check_same_as_source(&rep, e->ds, pg_column_text, pg_table_specs[i].name,
				     pg_table_specs[i].specs, pg_table_specs[i].ncols);
	finish(&rep, "postgresql against the server");
}

/* The destination's column types, in order, then _sluice_load_id. */
static void check_pg_column_types(report *rep, sl_dataset *ds, const char *table,
				  const col_spec *specs, size_t n)
{
	char *sql = xprintf("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
			    "WHERE attrelid = '%s.%s'::regclass AND attnum > 0 AND NOT "
			    "attisdropped ORDER BY attnum",
			    DATASET, table);
	sl_rows *rows = query(ds, sql);
	free(sql);
	size_t i = 0;
	while (sl_rows_next(rows) == 1) {
		const char *name = sl_rows_text(rows, 0, NULL);
		const char *type = sl_rows_text(rows, 1, NULL);
		const char *want_name = i < n ? specs[i].name : "_sluice_load_id";
		const char *want_type = i < n ? specs[i].pg_type : "character varying";
		if (i > n || strcmp(name, want_name) != 0)
			mismatch(rep, "%s: column %zu is %s, expected %s", table, i, name,
				 i > n ? "none" : want_name);
		else if (strcmp(type, want_type) != 0)
			mismatch(rep, "%s.%s: PostgreSQL type %s, expected %s", table, name, type,
				 want_type);
		i++;
	}
	sl_rows_free(rows);
	if (i != n + 1)
		mismatch(rep, "%s: %zu columns in PostgreSQL, expected %zu and _sluice_load_id",
			 table, i, n);
}

/*
 * Each column of the destination's table against the source's, on the server: the ids whose
 * text differs (from pg_src when the text forms differ by design) must be exactly the rows of
 * pg_differs, and there the destination's text must be pg_text[r]. Rows are ids 1..n.
 */
static void check_pg_same_as_source(report *rep, sl_dataset *ds, const char *table,
				    const col_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const col_spec *s = &specs[i];
		char *src = s->pg_src ? strdup(s->pg_src) : xprintf("s.\"%s\"::text", s->name);
		char *sql =
			xprintf("SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM "
				"public.\"%s\" s FULL JOIN \"%s\".\"%s\" d USING (id) "
				"WHERE (%s) IS DISTINCT FROM d.\"%s\"::text",
				table, DATASET, table, src, s->name);
		char want[64] = "";
		for (unsigned r = 0; r < MAX_ROWS; r++)
			if (s->pg_differs & BIT(r))
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%u",
					 *want ? "," : "", r + 1);
		expect_query_text(rep, ds, sql, want);
		free(sql);
		free(src);
		for (unsigned r = 0; r < MAX_ROWS; r++) {
			if (!(s->pg_differs & BIT(r)))
				continue;
			sql = xprintf("SELECT d.\"%s\"::text FROM \"%s\".\"%s\" d WHERE id = %u",
				      s->name, DATASET, table, r + 1);
			expect_query_text(rep, ds, sql, s->pg_text[r] ? s->pg_text[r] : "NULL");
			free(sql);
		}
	}
}

static void test_pg_destination_values(void **state)
{
	e2e *e = pg_run(state, false);
	report rep = {0};
	for (size_t i = 0; i < ARRAY_LEN(pg_table_specs); i++) {
		const struct pg_table *t = &pg_table_specs[i];
		check_pg_column_types(&rep, e->ds, t->name, t->specs, t->ncols);
		check_pg_same_as_source(&rep, e->ds, t->name, t->specs, t->ncols);
	}
	/* the infinities are PostgreSQL's again, and the far past is kept to the microsecond */
	expect_query_text(&rep, e->ds,
			  "SELECT string_agg(id::text, ',' ORDER BY id) FROM alltypes WHERE "
			  "c_date = 'infinity' OR c_ts = '-infinity' OR c_ts0 = 'infinity' OR "
			  "c_tstz = 'infinity'",
			  "4");
	expect_query_text(&rep, e->ds,
			  "SELECT count(*) FROM alltypes a JOIN public.alltypes s USING (id) "
			  "WHERE a.c_ts IS NOT DISTINCT FROM s.c_ts "
			  "AND a.c_tstz IS NOT DISTINCT FROM s.c_tstz "
			  "AND a.c_date IS NOT DISTINCT FROM s.c_date "
			  "AND a.c_double IS NOT DISTINCT FROM s.c_double "
			  "AND a.c_real IS NOT DISTINCT FROM s.c_real "
			  "AND a.c_interval IS NOT DISTINCT FROM s.c_interval "
			  "AND a.c_bytea IS NOT DISTINCT FROM s.c_bytea",
			  "6");
	finish(&rep, "postgresql destination");
}

int main(void)
{
	const struct CMUnitTest mysql_tests[] = {
		cmocka_unit_test(test_mysql_run_counts_and_warnings),
		cmocka_unit_test(test_mysql_alltypes_values),
		cmocka_unit_test(test_mysql_extra_values),
		cmocka_unit_test(test_mysql_same_as_server),
	};
	const struct CMUnitTest sqlite_tests[] = {
		cmocka_unit_test(test_sqlite_alltypes_values),
		cmocka_unit_test(test_sqlite_conversions),
		cmocka_unit_test(test_sqlite_empty_strings),
		cmocka_unit_test(test_sqlite_bad_value_fails_run),
	};
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test(test_pg_run_counts_and_warnings),
		cmocka_unit_test(test_pg_alltypes_values),
		cmocka_unit_test(test_pg_arrays_values),
		cmocka_unit_test(test_pg_same_as_server),
		cmocka_unit_test(test_pg_destination_values),
	};
	const struct CMUnitTest pg_files_tests[] = {
		cmocka_unit_test(test_pg_run_counts_and_warnings),
		cmocka_unit_test(test_pg_alltypes_values),
		cmocka_unit_test(test_pg_arrays_values),
		cmocka_unit_test(test_pg_same_as_server),
	};
	int failed = cmocka_run_group_tests_name("types_e2e_mysql", mysql_tests, my_group_setup,
						 my_group_teardown);
	failed += cmocka_run_group_tests_name("types_e2e_mysql_parquet", mysql_tests,
					      my_parquet_setup, my_group_teardown);
	failed += cmocka_run_group_tests_name("types_e2e_mysql_csv", mysql_tests, my_csv_setup,
					      my_group_teardown);
	failed += cmocka_run_group_tests_name("types_e2e_mysql_jsonl", mysql_tests, my_jsonl_setup,
					      my_group_teardown);
	failed += cmocka_run_group_tests_name("types_e2e_postgresql", pg_tests, pg_group_setup,
					      pg_group_teardown);
	failed += cmocka_run_group_tests_name("types_e2e_postgresql_parquet", pg_files_tests,
					      pg_parquet_setup, pg_group_teardown);
	failed += cmocka_run_group_tests_name("types_e2e_sqlite", sqlite_tests, lite_group_setup,
					      lite_group_teardown);
	return failed;
}
