/*
 * test_incremental_plan.c — the scan plans incremental.c builds from hints, schema and state
 * (the integration tests run them against real databases; these check what is asked for).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "incremental.h"
#include "sluice.h"
#include "schema.h"
#include "state.h"

/* t(id BIGINT PRIMARY KEY, c TIMESTAMP NOT NULL, n TIMESTAMP NULL) */
static sl_table_schema *table(void)
{
	sl_table_schema *s = sl_schema_new("main", "t");
	assert_non_null(s);
	assert_int_equal(sl_schema_add_column(s, "id", SL_TYPE_INT64, 0, 0, false, NULL), 0);
	assert_int_equal(sl_schema_add_column(s, "c", SL_TYPE_TIMESTAMP, 6, 0, false, NULL), 1);
	assert_int_equal(sl_schema_add_column(s, "n", SL_TYPE_TIMESTAMP, 6, 0, true, NULL), 2);
	assert_int_equal(sl_schema_add_pk(s, 0), 0);
	return s;
}

/* Whether the first plan for a cursor on `column` asks for NULL cursors too, with `missing`. */
static bool asks_for_nulls(const char *column, sl_on_missing_cursor missing)
{
	sl_table_schema *s = table();
	sl_incremental hint = SL_INCREMENTAL_INIT;
	hint.cursor_path = column;
	hint.initial_value = "2024-01-01 00:00:00";
	hint.on_cursor_value_missing = missing;
	sl_table_state state;
	sl_table_state_init(&state);
	sl_incremental_run run;
	if (sl_incremental_prepare(&run, s, "t", &hint, NULL, &state, false, 0))
		fail_msg("%s", sl_error_last()->message);
	assert_non_null(run.plan.lower);
	bool nulls = run.plan.include_null_cursor;
	sl_incremental_free(&run);
	sl_table_state_clear(&state);
	sl_schema_free(s);
	return nulls;
}

/*
 * A NOT NULL cursor holds no NULL to raise on or include, so the bound stays a plain range the
 * database can answer from an index on the cursor; with "OR cursor IS NULL" PostgreSQL walked
 * that index from its start on every run.
 */
static void test_not_null_cursor_asks_for_no_nulls(void **state)
{
	(void)state;
	assert_false(asks_for_nulls("c", SL_MISSING_CURSOR_RAISE));
	assert_false(asks_for_nulls("c", SL_MISSING_CURSOR_INCLUDE));
	assert_false(asks_for_nulls("c", SL_MISSING_CURSOR_EXCLUDE));
}

static void test_nullable_cursor_asks_for_nulls(void **state)
{
	(void)state;
	assert_true(asks_for_nulls("n", SL_MISSING_CURSOR_RAISE));   /* to raise on them */
	assert_true(asks_for_nulls("n", SL_MISSING_CURSOR_INCLUDE)); /* to load them once */
	assert_false(asks_for_nulls("n", SL_MISSING_CURSOR_EXCLUDE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_null_cursor_asks_for_no_nulls),
		cmocka_unit_test(test_nullable_cursor_asks_for_nulls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
