/*
 * test_schema_change.c — unit tests for schema_change.c: which source type a destination column
 * holds as it is, which it must widen for (and to what), which it cannot take; the diff of a
 * whole table (added, dropped once, restored, nullable, replace); the JSON record, folding the
 * recorded drops and the one-line text that `sluice status` shows.
 */
#include "schema_change.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct type_case {
	sl_type dest;
	int dp, ds; /* destination DECIMAL precision, scale */
	sl_type src;
	int sp, ss;
	const char *expect; /* "" holds as it is, "ERROR" incompatible, else the widened type */
} type_case;

#define T(t) SL_TYPE_##t
static const type_case cases[] = {
	{T(INT32), 0, 0, T(INT32), 0, 0, ""},
	{T(INT32), 0, 0, T(INT64), 0, 0, "BIGINT"},
	{T(INT64), 0, 0, T(INT32), 0, 0,
	 ""}, /* a narrowing in the source: the wider column holds */
	{T(INT16), 0, 0, T(UINT8), 0, 0, ""}, /* PostgreSQL's smallint for a TINYINT UNSIGNED */
	{T(INT32), 0, 0, T(UINT32), 0, 0, "BIGINT"},
	{T(INT64), 0, 0, T(UINT64), 0, 0, "DECIMAL(20,0)"},
	{T(UINT32), 0, 0, T(INT8), 0, 0, "BIGINT"},
	{T(UINT8), 0, 0, T(UINT16), 0, 0, "USMALLINT"},
	{T(DECIMAL), 20, 0, T(UINT64), 0, 0, ""}, /* PostgreSQL's numeric(20,0) */
	{T(DECIMAL), 10, 2, T(DECIMAL), 12, 2, "DECIMAL(12,2)"},
	{T(DECIMAL), 12, 2, T(DECIMAL), 10, 2, ""},
	{T(DECIMAL), 10, 2, T(DECIMAL), 10, 4, "DECIMAL(12,4)"},
	{T(DECIMAL), 38, 0, T(DECIMAL), 38, 10, "ERROR"}, /* past 38 digits */
	{T(DECIMAL), 0, 0, T(DECIMAL), 30, 10, ""},	  /* bare numeric holds anything */
	{T(DECIMAL), 5, 2, T(INT32), 0, 0, "DECIMAL(12,2)"},
	{T(INT32), 0, 0, T(DECIMAL), 12, 2, "DECIMAL(12,2)"},
	{T(FLOAT), 0, 0, T(DOUBLE), 0, 0, "DOUBLE"},
	{T(DOUBLE), 0, 0, T(FLOAT), 0, 0, ""},
	{T(TEXT), 0, 0, T(TEXT), 0, 0, ""},
	{T(TEXT), 0, 0, T(JSON), 0, 0, ""},
	{T(JSON), 0, 0, T(TEXT), 0, 0, "TEXT"},
	{T(INT64), 0, 0, T(TEXT), 0, 0, "ERROR"},
	{T(INT32), 0, 0, T(DOUBLE), 0, 0, "ERROR"},
	{T(TEXT), 0, 0, T(BLOB), 0, 0, "ERROR"},
	{T(TIMESTAMP), 0, 0, T(TIMESTAMPTZ), 0, 0, "ERROR"},
	{T(DATE), 0, 0, T(DATE), 0, 0, ""},
	{SL_TYPE_UNKNOWN, 0, 0, T(TEXT), 0, 0, ""}, /* left to the appender */
};
#undef T

static sl_table_schema *one_column(const char *table, sl_type type, int p, int s, bool nullable)
{
	sl_table_schema *t = sl_schema_new("db", table);
	assert_non_null(t);
	assert_int_equal(sl_schema_add_column(t, "c", type, p, s, nullable, NULL), 0);
	return t;
}

static void test_type_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const type_case *c = &cases[i];
		sl_table_schema *dest = one_column("t", c->dest, c->dp, c->ds, true);
		sl_table_schema *src = one_column("t", c->src, c->sp, c->ss, true);
		sl_schema_diff d;
		int rc = sl_schema_diff_compute(&d, dest, src, NULL, false);
		char got[64] = "";
		if (rc == SL_ETYPE)
			snprintf(got, sizeof(got), "ERROR");
		else if (rc == 0 && d.n == 1 && d.changes[0].kind == SL_CHANGE_WIDENED)
			sl_column_type_text(got, sizeof(got), &d.changes[0].column);
		else
			assert_int_equal(d.n, 0);
		if (strcmp(got, c->expect) != 0)
			fail_msg("case %zu: %s into %s: expected [%s], got [%s]", i,
				 sl_type_name(c->src), sl_type_name(c->dest), c->expect, got);
		sl_schema_diff_free(&d);
		sl_schema_free(dest);
		sl_schema_free(src);
	}
}

/* Lists join as their elements; a list and a scalar do not. */
static void test_list_rules(void **state)
{
	(void)state;
	static const struct {
		sl_type dest_elem;
		int dp, ds;
		sl_type src_elem;
		int sp, ss;
		const char *expect;
	} lists[] = {
		{SL_TYPE_INT32, 0, 0, SL_TYPE_INT32, 0, 0, ""},
		{SL_TYPE_INT32, 0, 0, SL_TYPE_INT64, 0, 0, "LIST(BIGINT)"},
		{SL_TYPE_DECIMAL, 10, 2, SL_TYPE_DECIMAL, 12, 2, "LIST(DECIMAL(12,2))"},
		{SL_TYPE_TEXT, 0, 0, SL_TYPE_TEXT, 10, 0, ""},
		{SL_TYPE_INT64, 0, 0, SL_TYPE_TEXT, 0, 0, "ERROR"},
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		sl_table_schema *dest = sl_schema_new("db", "t");
		sl_table_schema *src = sl_schema_new("db", "t");
		assert_int_equal(sl_schema_add_list_column(dest, "c", lists[i].dest_elem,
							   lists[i].dp, lists[i].ds, true, NULL),
				 0);
		assert_int_equal(sl_schema_add_list_column(src, "c", lists[i].src_elem, lists[i].sp,
							   lists[i].ss, true, NULL),
				 0);
		sl_schema_diff d;
		int rc = sl_schema_diff_compute(&d, dest, src, NULL, false);
		char got[64] = "";
		if (rc == SL_ETYPE)
			snprintf(got, sizeof(got), "ERROR");
		else if (rc == 0 && d.n == 1 && d.changes[0].kind == SL_CHANGE_WIDENED)
			sl_column_type_text(got, sizeof(got), &d.changes[0].column);
		else
			assert_int_equal(d.n, 0);
		if (strcmp(got, lists[i].expect) != 0)
			fail_msg("list case %zu: expected [%s], got [%s]", i, lists[i].expect, got);
		sl_schema_diff_free(&d);
		sl_schema_free(dest);
		sl_schema_free(src);
	}
	/* a list where the destination has a scalar column: incompatible, never silently cast */
	sl_table_schema *dest = one_column("t", SL_TYPE_TEXT, 0, 0, true);
	sl_table_schema *src = sl_schema_new("db", "t");
	sl_schema_add_list_column(src, "c", SL_TYPE_INT32, 0, 0, true, "integer[]");
	sl_schema_diff d;
	assert_int_equal(sl_schema_diff_compute(&d, dest, src, NULL, false), SL_ETYPE);
	assert_non_null(strstr(sl_error_last()->message, "LIST(INTEGER)"));
	sl_schema_diff_free(&d);
	sl_schema_free(dest);
	sl_schema_free(src);
}

static void test_incompatible_message(void **state)
{
	(void)state;
	sl_table_schema *dest = sl_schema_new("db", "items");
	sl_table_schema *src = sl_schema_new("db", "items");
	sl_schema_add_column(dest, "qty", SL_TYPE_INT64, 0, 0, true, "BIGINT");
	sl_schema_add_column(src, "qty", SL_TYPE_TEXT, 20, 0, true, "varchar(20)");
	sl_schema_diff d;
	assert_int_equal(sl_schema_diff_compute(&d, dest, src, NULL, false), SL_ETYPE);
	assert_int_equal(d.n, 0);
	assert_non_null(strstr(sl_error_last()->message,
			       "table items: column qty is now TEXT in the source (varchar(20)) "
			       "but BIGINT in the destination"));
	/* a replaced table is rebuilt: the same change is only recorded */
	assert_int_equal(sl_schema_diff_compute(&d, dest, src, NULL, true), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.changes[0].kind, SL_CHANGE_RETYPED);
	sl_schema_diff_free(&d);
	sl_schema_free(dest);
	sl_schema_free(src);
}

/* dest (id, keep NOT NULL, old NOT NULL, gone, _sluice_load_id) and src (id, keep, new, gone2). */
static void test_table_diff(void **state)
{
	(void)state;
	sl_table_schema *dest = sl_schema_new("db", "t");
	sl_schema_add_column(dest, "id", SL_TYPE_INT32, 0, 0, false, NULL);
	sl_schema_add_column(dest, "keep", SL_TYPE_TEXT, 0, 0, false, NULL);
	sl_schema_add_column(dest, "old", SL_TYPE_TEXT, 0, 0, false, NULL);
	sl_schema_add_column(dest, "gone", SL_TYPE_TEXT, 0, 0, true, NULL);
	sl_schema_add_column(dest, "_sluice_load_id", SL_TYPE_TEXT, 0, 0, true, NULL);
	sl_table_schema *src = sl_schema_new("db", "t");
	sl_schema_add_column(src, "ID", SL_TYPE_INT32, 0, 0, false, NULL);
	sl_schema_add_column(src, "keep", SL_TYPE_TEXT, 10, 0, true, NULL);
	sl_schema_add_column(src, "new", SL_TYPE_DATE, 0, 0, false, NULL);
	sl_schema_add_column(src, "gone", SL_TYPE_TEXT, 0, 0, true, NULL);

	/* "gone" was recorded as dropped before and is back */
	sl_name_set dropped = {0, NULL};
	assert_int_equal(sl_schema_changes_fold(&dropped, "[{\"column\":\"gone\",\"change\":"
							  "\"dropped\"},{\"column\":\"x\","
							  "\"change\":\"dropped\"}]"),
			 0);
	assert_int_equal(sl_schema_changes_fold(&dropped, "[{\"column\":\"x\",\"change\":"
							  "\"added\",\"type\":\"TEXT\"}]"),
			 0);
	assert_true(sl_name_set_has(&dropped, "GONE"));
	assert_false(sl_name_set_has(&dropped, "x"));
	assert_int_equal(sl_schema_changes_fold(&dropped, "not json"), 0);

	sl_schema_diff d;
	assert_int_equal(sl_schema_diff_compute(&d, dest, src, &dropped, false), 0);
	char *json = sl_schema_diff_json(&d);
	assert_non_null(json);
	assert_string_equal(json, "[{\"column\":\"keep\",\"change\":\"nullable\"},"
				  "{\"column\":\"new\",\"change\":\"added\",\"type\":\"DATE\"},"
				  "{\"column\":\"gone\",\"change\":\"restored\"},"
				  "{\"column\":\"old\",\"change\":\"dropped\"}]");
	assert_true(d.changes[1].column.nullable);  /* older rows have no value */
	assert_false(d.changes[3].column.nullable); /* the pipeline drops its NOT NULL */
	char *text = sl_schema_changes_text(json);
	assert_string_equal(text, "nullable keep; added new DATE; restored gone; dropped old "
				  "(kept, NULL from now on)");
	free(text);

	/* once recorded, a drop is not recorded again */
	assert_int_equal(sl_schema_changes_fold(&dropped, json), 0);
	free(json);
	sl_schema_diff_free(&d);
	sl_schema_add_column(src, "keep2", SL_TYPE_TEXT, 0, 0, true, NULL);
	sl_schema_free(dest);
	dest = sl_schema_copy(src);
	sl_schema_add_column(dest, "old", SL_TYPE_TEXT, 0, 0, true, NULL);
	assert_int_equal(sl_schema_diff_compute(&d, dest, src, &dropped, false), 0);
	assert_int_equal(d.n, 0);
	assert_null(sl_schema_diff_json(&d));

	/* no destination table yet: nothing to change */
	assert_int_equal(sl_schema_diff_compute(&d, NULL, src, NULL, false), 0);
	assert_int_equal(d.n, 0);
	assert_null(sl_schema_changes_text("[]"));
	sl_name_set_clear(&dropped);
	sl_schema_free(dest);
	sl_schema_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_rules),
		cmocka_unit_test(test_list_rules),
		cmocka_unit_test(test_incompatible_message),
		cmocka_unit_test(test_table_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
