/*
 * test_schema.c — unit tests for schema.c: building a table schema, finding columns (exact match
 * first, then case-insensitive), primary keys from a column list, deep copies, dropping columns,
 * and the facts about portable types (names, varlen, physical sizes in a batch).
 */
#include "batch.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static sl_table_schema *abc_schema(void)
{
	sl_table_schema *s = sl_schema_new("shop", "orders");
	assert_non_null(s);
	assert_int_equal(sl_schema_add_column(s, "a", SL_TYPE_INT64, 0, 0, false, "bigint(20)"), 0);
	assert_int_equal(sl_schema_add_column(s, "b", SL_TYPE_TEXT, 255, 0, true, "varchar(255)"),
			 1);
	assert_int_equal(
		sl_schema_add_column(s, "Created At", SL_TYPE_TIMESTAMP, 6, 0, true, "datetime(6)"),
		2);
	assert_int_equal(sl_schema_add_column(s, "amount", SL_TYPE_DECIMAL, 12, 2, true, NULL), 3);
	return s;
}

static void test_new_and_add(void **state)
{
	(void)state;
	sl_table_schema *s = abc_schema();
	assert_string_equal(s->database, "shop");
	assert_string_equal(s->name, "orders");
	assert_int_equal(s->ncolumns, 4);
	assert_int_equal(s->npk, 0);
	const sl_column *c = &s->columns[1];
	assert_string_equal(c->name, "b");
	assert_int_equal(c->type, SL_TYPE_TEXT);
	assert_int_equal(c->precision, 255);
	assert_true(c->nullable);
	assert_string_equal(c->source_type, "varchar(255)");
	assert_false(s->columns[0].nullable);
	/* no source type: the portable type's name */
	assert_string_equal(s->columns[3].source_type, "DECIMAL");
	assert_int_equal(s->columns[3].precision, 12);
	assert_int_equal(s->columns[3].scale, 2);
	sl_schema_free(s);

	/* names are copied, not borrowed */
	char name[] = "col", type[] = "int(11)";
	s = sl_schema_new(NULL, "t");
	assert_string_equal(s->database, "");
	assert_int_equal(sl_schema_add_column(s, name, SL_TYPE_INT32, 0, 0, true, type), 0);
	name[0] = 'X';
	type[0] = 'X';
	assert_string_equal(s->columns[0].name, "col");
	assert_string_equal(s->columns[0].source_type, "int(11)");
	/* many columns: the array grows and keeps earlier ones */
	for (int i = 1; i < 500; i++) {
		char n[16];
		snprintf(n, sizeof(n), "c%d", i);
		assert_int_equal(sl_schema_add_column(s, n, SL_TYPE_DOUBLE, 0, 0, true, NULL), i);
	}
	assert_int_equal(s->ncolumns, 500);
	assert_string_equal(s->columns[0].name, "col");
	assert_string_equal(s->columns[499].name, "c499");
	assert_int_equal(sl_schema_find(s, "c250"), 250);
	sl_schema_free(s);

	s = sl_schema_new(NULL, NULL);
	assert_string_equal(s->name, "");
	sl_schema_free(s);
	sl_schema_free(NULL);
}

static void test_find(void **state)
{
	(void)state;
	sl_table_schema *s = sl_schema_new("db", "t");
	sl_schema_add_column(s, "Id", SL_TYPE_INT32, 0, 0, false, NULL);
	sl_schema_add_column(s, "id", SL_TYPE_INT32, 0, 0, false, NULL);
	sl_schema_add_column(s, "Name", SL_TYPE_TEXT, 0, 0, true, NULL);
	sl_schema_add_column(s, "", SL_TYPE_TEXT, 0, 0, true, NULL);
	static const struct {
		const char *name;
		int index;
	} cases[] = {
		{"Id", 0}, /* exact */
		{"id", 1}, /* exact wins over an earlier case-insensitive match */
		{"ID", 0}, /* first case-insensitive match */
		{"iD", 0},     {"Name", 2},  {"NAME", 2},
		{"name", 2},   {"", 3},	     {"Nam", -1}, /* no prefixes */
		{"Names", -1}, {"nope", -1}, {"Name ", -1},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		int got = sl_schema_find(s, cases[i].name);
		if (got != cases[i].index) {
			print_error("find '%s' = %d, want %d\n", cases[i].name, got,
				    cases[i].index);
			fail();
		}
	}
	sl_schema_free(s);
	sl_table_schema *empty = sl_schema_new("db", "e");
	assert_int_equal(sl_schema_find(empty, "x"), -1);
	sl_schema_free(empty);
}

static void test_primary_key(void **state)
{
	(void)state;
	static const struct {
		const char *list;
		size_t npk;
		size_t pk[4];
	} cases[] = {
		{"a", 1, {0}},
		{"a, b", 2, {0, 1}},
		{"a,b", 2, {0, 1}},
		{" b ,  a ", 2, {1, 0}},
		{"b,a,amount", 3, {1, 0, 3}},
		{"Created At", 1, {2}}, /* spaces inside a name are kept */
		{"a, Created At ,b", 3, {0, 2, 1}},
		{"A, B", 2, {0, 1}}, /* case-insensitive */
		{"created at", 1, {2}},
		{"a,,b", 2, {0, 1}}, /* empty items are skipped */
		{",a,", 1, {0}},
		{"", 0, {0}},
		{" , ", 0, {0}},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
		sl_table_schema *s = abc_schema();
		int rc = sl_schema_set_primary_key(s, cases[i].list);
		if (rc != SL_OK || s->npk != cases[i].npk) {
			print_error("'%s': rc %d npk %zu, want %zu\n", cases[i].list, rc, s->npk,
				    cases[i].npk);
			fail();
		}
		for (size_t k = 0; k < s->npk; k++)
			assert_int_equal(s->pk[k], cases[i].pk[k]);
		sl_schema_free(s);
	}

	/* setting again replaces the key */
	sl_table_schema *s = abc_schema();
	assert_int_equal(sl_schema_set_primary_key(s, "a, b"), SL_OK);
	assert_int_equal(sl_schema_set_primary_key(s, "amount"), SL_OK);
	assert_int_equal(s->npk, 1);
	assert_int_equal(s->pk[0], 3);

	/* a missing column fails, names the column and the table, and leaves no partial key */
	static const struct {
		const char *list, *missing;
	} bad[] = {
		{"missing", "missing"}, {"a, missing", "missing"}, {"a, b, c", "c"},
		{"a b", "a b"},		{"amount;", "amount;"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(bad); i++) {
		sl_error_clear();
		assert_int_equal(sl_schema_set_primary_key(s, bad[i].list), SL_ENOTFOUND);
		assert_int_equal(sl_error_last()->code, SL_ENOTFOUND);
		char want[128];
		snprintf(want, sizeof(want), "primary key column '%s' not found in table 'orders'",
			 bad[i].missing);
		assert_string_equal(sl_error_last()->message, want);
		assert_int_equal(s->npk, 0);
	}
	/* adding by index appends */
	assert_int_equal(sl_schema_add_pk(s, 2), SL_OK);
	assert_int_equal(sl_schema_add_pk(s, 0), SL_OK);
	assert_int_equal(s->npk, 2);
	assert_int_equal(s->pk[0], 2);
	assert_int_equal(s->pk[1], 0);
	sl_schema_free(s);
}

static void test_copy(void **state)
{
	(void)state;
	sl_table_schema *s = abc_schema();
	assert_int_equal(sl_schema_set_primary_key(s, "b, a"), SL_OK);
	sl_table_schema *c = sl_schema_copy(s);
	assert_non_null(c);
	assert_ptr_not_equal(c, s);
	assert_ptr_not_equal(c->columns, s->columns);
	assert_ptr_not_equal(c->pk, s->pk);
	assert_ptr_not_equal(c->name, s->name);
	assert_int_equal(c->ncolumns, s->ncolumns);
	assert_int_equal(c->npk, 2);
	assert_int_equal(c->pk[0], 1);
	assert_int_equal(c->pk[1], 0);
	for (size_t i = 0; i < s->ncolumns; i++) {
		assert_ptr_not_equal(c->columns[i].name, s->columns[i].name);
		assert_string_equal(c->columns[i].name, s->columns[i].name);
		assert_string_equal(c->columns[i].source_type, s->columns[i].source_type);
		assert_int_equal(c->columns[i].type, s->columns[i].type);
		assert_int_equal(c->columns[i].precision, s->columns[i].precision);
		assert_int_equal(c->columns[i].scale, s->columns[i].scale);
		assert_int_equal(c->columns[i].nullable, s->columns[i].nullable);
	}
	/* the copy outlives the original and is independent of it */
	sl_schema_free(s);
	assert_string_equal(c->database, "shop");
	assert_string_equal(c->name, "orders");
	assert_string_equal(c->columns[2].name, "Created At");
	assert_string_equal(c->columns[2].source_type, "datetime(6)");
	assert_int_equal(sl_schema_add_column(c, "extra", SL_TYPE_BOOL, 0, 0, true, NULL), 4);
	assert_int_equal(sl_schema_find(c, "EXTRA"), 4);
	sl_schema_free(c);

	/* an empty schema copies too */
	s = sl_schema_new("d", "e");
	c = sl_schema_copy(s);
	assert_non_null(c);
	assert_int_equal(c->ncolumns, 0);
	assert_int_equal(c->npk, 0);
	assert_string_equal(c->name, "e");
	sl_schema_free(s);
	sl_schema_free(c);
}

/* Dropping columns keeps the others in order and moves the key's indexes down with them. */
static void test_drop_columns(void **state)
{
	(void)state;
	sl_table_schema *s = abc_schema();
	assert_int_equal(sl_schema_set_primary_key(s, "amount, Created At"), 0);
	const bool drop[] = {true, true, false, false};
	sl_schema_drop_columns(s, drop);
	assert_int_equal(s->ncolumns, 2);
	assert_string_equal(s->columns[0].name, "Created At");
	assert_string_equal(s->columns[0].source_type, "datetime(6)");
	assert_string_equal(s->columns[1].name, "amount");
	assert_int_equal(s->columns[1].precision, 12);
	assert_int_equal(s->npk, 2);
	assert_int_equal(s->pk[0], 1);
	assert_int_equal(s->pk[1], 0);
	const bool none[] = {false, false};
	sl_schema_drop_columns(s, none);
	assert_int_equal(s->ncolumns, 2);
	assert_int_equal(s->npk, 2);
	sl_schema_free(s);
}

static void test_type_facts(void **state)
{
	(void)state;
	static const struct {
		sl_type type;
		const char *name;
		size_t size; /* with precision 0 */
		bool varlen;
	} types[] = {
		{SL_TYPE_BOOL, "BOOLEAN", 1, false},
		{SL_TYPE_INT8, "TINYINT", 1, false},
		{SL_TYPE_INT16, "SMALLINT", 2, false},
		{SL_TYPE_INT32, "INTEGER", 4, false},
		{SL_TYPE_INT64, "BIGINT", 8, false},
		{SL_TYPE_UINT8, "UTINYINT", 1, false},
		{SL_TYPE_UINT16, "USMALLINT", 2, false},
		{SL_TYPE_UINT32, "UINTEGER", 4, false},
		{SL_TYPE_UINT64, "UBIGINT", 8, false},
		{SL_TYPE_FLOAT, "FLOAT", 4, false},
		{SL_TYPE_DOUBLE, "DOUBLE", 8, false},
		{SL_TYPE_DECIMAL, "DECIMAL", 2, false},
		{SL_TYPE_TEXT, "TEXT", sizeof(sl_bytes), true},
		{SL_TYPE_BLOB, "BLOB", sizeof(sl_bytes), true},
		{SL_TYPE_JSON, "JSON", sizeof(sl_bytes), true},
		{SL_TYPE_DATE, "DATE", 4, false},
		{SL_TYPE_TIME, "TIME", 8, false},
		{SL_TYPE_TIMESTAMP, "TIMESTAMP", 8, false},
		{SL_TYPE_TIMESTAMPTZ, "TIMESTAMPTZ", 8, false},
		{SL_TYPE_INTERVAL, "INTERVAL", 16, false},
		{SL_TYPE_UUID, "UUID", 16, false},
		{SL_TYPE_LIST, "LIST", sizeof(sl_list_entry), false},
	};
	assert_int_equal(SL_ARRAY_LEN(types), SL_TYPE__COUNT);
	for (size_t i = 0; i < SL_ARRAY_LEN(types); i++) {
		assert_int_equal(types[i].type, (sl_type)i);
		assert_string_equal(sl_type_name(types[i].type), types[i].name);
		assert_int_equal(sl_type_value_size(types[i].type, 0), types[i].size);
		assert_int_equal(sl_type_is_varlen(types[i].type), types[i].varlen);
	}
	assert_string_equal(sl_type_name(SL_TYPE__COUNT), "UNKNOWN");
	assert_string_equal(sl_type_name((sl_type)-1), "UNKNOWN");
	assert_string_equal(sl_type_name((sl_type)1000), "UNKNOWN");
	assert_false(sl_type_is_varlen(SL_TYPE__COUNT));

	/* DECIMAL's physical width follows the precision, as DuckDB's does */
	static const struct {
		int precision;
		size_t size;
	} dec[] = {{1, 2}, {4, 2}, {5, 4}, {9, 4}, {10, 8}, {18, 8}, {19, 16}, {38, 16}};
	for (size_t i = 0; i < SL_ARRAY_LEN(dec); i++)
		assert_int_equal(sl_type_value_size(SL_TYPE_DECIMAL, dec[i].precision),
				 dec[i].size);
	assert_int_equal(sizeof(sl_int128), 16);
	assert_int_equal(sizeof(sl_interval), 16);
	/* precision does not change other types */
	assert_int_equal(sl_type_value_size(SL_TYPE_INT32, 38), 4);
	assert_int_equal(sl_type_value_size(SL_TYPE_TIMESTAMP, 6), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_add),  cmocka_unit_test(test_find),
		cmocka_unit_test(test_primary_key),  cmocka_unit_test(test_copy),
		cmocka_unit_test(test_drop_columns), cmocka_unit_test(test_type_facts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
