/*
 * test_rows_fetch.c — sl_rows_fetch, the columnar read behind the Python package's DataFrames,
 * against a real DuckDB file: each format (INT64, DOUBLE, TEXT) with its NULLs, values an
 * INT64 column holds only as text (UBIGINT above 2^63-1, infinite timestamps), batches across
 * the end of a result, mixing with sl_rows_next, and bad arguments.
 */
#include <sluice.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

static sl_dataset *open_dataset(void)
{
	sl_dataset *d = NULL;
	int rc = sl_dataset_open(&d, "duckdb:///rows_fetch.duckdb", "data");
	if (rc)
		fail_msg("sl_dataset_open: %s", sl_error_last()->message);
	return d;
}

static sl_rows *query(sl_dataset *d, const char *sql)
{
	sl_rows *rows = NULL;
	if (sl_dataset_query(&rows, d, sql))
		fail_msg("%s: %s", sql, sl_error_last()->message);
	return rows;
}

/* Row r's text of a column, as a NUL-terminated copy in buf. */
static const char *text_of(const sl_rows_column *c, size_t r, char *buf, size_t cap)
{
	size_t n = (size_t)(c->offsets[r + 1] - c->offsets[r]);
	assert_true(n < cap);
	memcpy(buf, c->text + c->offsets[r], n);
	buf[n] = '\0';
	return buf;
}

static void test_formats(void **state)
{
	(void)state;
	sl_dataset *d = open_dataset();
	sl_rows *rows =
		query(d, "SELECT * FROM (VALUES "
			 "(1, 1.5::DOUBLE, 'a'::VARCHAR, true, DATE '1970-01-02', "
			 " 18446744073709551615::UBIGINT, TIMESTAMP '1970-01-01 00:00:01', "
			 " 1.25::DECIMAL(5,2)), "
			 "(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
			 "(-3, -0.5, 'zo\xc3\xab', false, DATE '1969-12-31', 7::UBIGINT, "
			 " 'infinity'::TIMESTAMP, -2::DECIMAL(5,2))) t(i, f, s, b, d, u, ts, n)");
	sl_rows_batch *b = NULL;
	assert_int_equal(sl_rows_batch_new(&b), 0);
	assert_int_equal(sl_rows_fetch(b, rows, 100), 3);
	assert_int_equal(sl_rows_batch_row_count(b), 3);
	assert_int_equal(sl_rows_batch_column_count(b), 8);
	assert_null(sl_rows_batch_column(b, 8));

	const sl_rows_column *i = sl_rows_batch_column(b, 0);
	assert_int_equal(i->format, SL_ROWS_INT64);
	assert_int_equal(((const int64_t *)i->values)[0], 1);
	assert_int_equal(i->status[1], SL_ROWS_VALUE_NULL);
	assert_int_equal(((const int64_t *)i->values)[2], -3);

	const sl_rows_column *f = sl_rows_batch_column(b, 1);
	assert_int_equal(f->format, SL_ROWS_DOUBLE);
	assert_true(((const double *)f->values)[0] == 1.5);
	assert_true(((const double *)f->values)[2] == -0.5);
	assert_int_equal(f->status[1], SL_ROWS_VALUE_NULL);

	char buf[64];
	const sl_rows_column *s = sl_rows_batch_column(b, 2);
	assert_int_equal(s->format, SL_ROWS_TEXT);
	assert_null(s->values);
	assert_string_equal(text_of(s, 0, buf, sizeof(buf)), "a");
	assert_int_equal(s->status[1], SL_ROWS_VALUE_NULL);
	assert_int_equal(s->offsets[1], s->offsets[2]); /* a NULL takes no text */
	assert_string_equal(text_of(s, 2, buf, sizeof(buf)), "zo\xc3\xab");

	const sl_rows_column *bo = sl_rows_batch_column(b, 3);
	assert_int_equal(bo->type, SL_TYPE_BOOL);
	assert_int_equal(((const int64_t *)bo->values)[0], 1);
	assert_int_equal(((const int64_t *)bo->values)[2], 0);

	const sl_rows_column *dt = sl_rows_batch_column(b, 4);
	assert_int_equal(dt->type, SL_TYPE_DATE);
	assert_int_equal(((const int64_t *)dt->values)[0], 1);
	assert_int_equal(((const int64_t *)dt->values)[2], -1);

	/* beyond int64: the value is there as text */
	const sl_rows_column *u = sl_rows_batch_column(b, 5);
	assert_int_equal(u->format, SL_ROWS_INT64);
	assert_int_equal(u->status[0], SL_ROWS_VALUE_TEXT);
	assert_string_equal(text_of(u, 0, buf, sizeof(buf)), "18446744073709551615");
	assert_int_equal(u->status[2], SL_ROWS_VALUE_OK);
	assert_int_equal(((const int64_t *)u->values)[2], 7);

	const sl_rows_column *ts = sl_rows_batch_column(b, 6);
	assert_int_equal(((const int64_t *)ts->values)[0], 1000000);
	assert_int_equal(ts->status[2], SL_ROWS_VALUE_TEXT);
	assert_string_equal(text_of(ts, 2, buf, sizeof(buf)), "infinity");

	const sl_rows_column *n = sl_rows_batch_column(b, 7);
	assert_int_equal(n->type, SL_TYPE_DECIMAL);
	assert_int_equal(n->format, SL_ROWS_TEXT);
	assert_string_equal(text_of(n, 0, buf, sizeof(buf)), "1.25");
	assert_string_equal(text_of(n, 2, buf, sizeof(buf)), "-2.00");

	assert_int_equal(sl_rows_fetch(b, rows, 100), 0); /* the end */
	assert_int_equal(sl_rows_batch_row_count(b), 0);
	sl_rows_batch_free(b);
	sl_rows_free(rows);
	sl_dataset_free(d);
}

/* 5000 rows in batches of 2048 after one sl_rows_next: every row once, in order. */
static void test_batches_and_next(void **state)
{
	(void)state;
	sl_dataset *d = open_dataset();
	sl_rows *rows = query(d, "SELECT range AS i, 'v' || range AS s FROM range(5000)");
	assert_int_equal(sl_rows_next(rows), 1);
	int64_t first = -1;
	assert_int_equal(sl_rows_int64(&first, rows, 0), 0);
	assert_int_equal(first, 0);
	sl_rows_batch *b = NULL;
	assert_int_equal(sl_rows_batch_new(&b), 0);
	int64_t expect = 1;
	int got, batches = 0;
	while ((got = sl_rows_fetch(b, rows, 2048)) > 0) {
		const sl_rows_column *c = sl_rows_batch_column(b, 0);
		const sl_rows_column *s = sl_rows_batch_column(b, 1);
		for (int r = 0; r < got; r++, expect++) {
			char want[32], buf[32];
			assert_int_equal(((const int64_t *)c->values)[r], expect);
			snprintf(want, sizeof(want), "v%lld", (long long)expect);
			assert_string_equal(text_of(s, (size_t)r, buf, sizeof(buf)), want);
		}
		batches++;
	}
	assert_int_equal(got, 0);
	assert_int_equal(expect, 5000);
	assert_int_equal(batches, 3);
	sl_rows_batch_free(b);
	sl_rows_free(rows);
	sl_dataset_free(d);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	sl_dataset *d = open_dataset();
	sl_rows *rows = query(d, "SELECT 1");
	sl_rows_batch *b = NULL;
	assert_int_equal(sl_rows_batch_new(&b), 0);
	assert_int_equal(sl_rows_fetch(b, rows, 0), SL_EINVAL);
	assert_non_null(strstr(sl_error_last()->message, "max_rows"));
	assert_int_equal(sl_rows_fetch(b, rows, (size_t)INT_MAX + 1), SL_EINVAL);
	assert_int_equal(sl_rows_fetch(NULL, rows, 1), SL_EINVAL);
	assert_int_equal(sl_rows_fetch(b, rows, 1), 1);
	sl_rows_batch_free(b);
	sl_rows_batch_free(NULL);
	sl_rows_free(rows);
	sl_dataset_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_batches_and_next),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
