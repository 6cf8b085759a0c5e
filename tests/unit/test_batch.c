/*
 * test_batch.c — unit tests for batch.c: creating batches from a schema (extra BOOL columns
 * included), and reset, filter, drop_front and truncate keeping every column's values and
 * validity in step, fixed-width and variable-length alike; the arena behind the strings.
 */
#include "batch.h"
#include "incremental.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

__extension__ typedef __int128 i128;

/* Columns of the test batch, in order. */
enum {
	C_I32,
	C_TEXT,
	C_F64,
	C_DEC4,
	C_DEC38,
	C_BLOB,
	C_I8,
	C_IV,
	NCOLS
};

static sl_table_schema *test_schema(void)
{
	sl_table_schema *s = sl_schema_new("db", "t");
	assert_non_null(s);
	assert_int_equal(sl_schema_add_column(s, "i", SL_TYPE_INT32, 0, 0, true, "int"), C_I32);
	assert_int_equal(sl_schema_add_column(s, "t", SL_TYPE_TEXT, 0, 0, true, "text"), C_TEXT);
	assert_int_equal(sl_schema_add_column(s, "d", SL_TYPE_DOUBLE, 0, 0, true, NULL), C_F64);
	assert_int_equal(sl_schema_add_column(s, "s", SL_TYPE_DECIMAL, 4, 2, true, NULL), C_DEC4);
	assert_int_equal(sl_schema_add_column(s, "h", SL_TYPE_DECIMAL, 38, 0, true, NULL), C_DEC38);
	assert_int_equal(sl_schema_add_column(s, "b", SL_TYPE_BLOB, 0, 0, true, NULL), C_BLOB);
	assert_int_equal(sl_schema_add_column(s, "c", SL_TYPE_INT8, 0, 0, true, NULL), C_I8);
	assert_int_equal(sl_schema_add_column(s, "v", SL_TYPE_INTERVAL, 0, 0, true, NULL), C_IV);
	return s;
}

/* What row `r` of a filled batch holds: a function of the row's original number `id`. */
static bool null_at(size_t col, uint32_t id)
{
	return (id + col) % (col + 3) == 0;
}

static void text_of(char *out, size_t size, uint32_t id)
{
	/* long enough that 2048 of them need several arena blocks */
	snprintf(out, size, "row %u %.*s", id, (int)(id % 90),
		 "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"
		 "abcdefghijklmnopqrstuvwxyz");
}

static i128 big_of(uint32_t id)
{
	return ((i128)id << 80) - id;
}

static void fill(sl_batch *b, size_t nrows)
{
	for (uint32_t r = 0; r < nrows; r++) {
		char text[128];
		text_of(text, sizeof(text), r);
		((int32_t *)sl_batch_data(b, C_I32))[r] = (int32_t)r * 7 - 5000;
		sl_bytes *t = &((sl_bytes *)sl_batch_data(b, C_TEXT))[r];
		t->ptr = sl_arena_copy(&b->arena, text, strlen(text));
		t->len = (uint32_t)strlen(text);
		assert_non_null(t->ptr);
		((double *)sl_batch_data(b, C_F64))[r] = r + 0.25;
		((int16_t *)sl_batch_data(b, C_DEC4))[r] = (int16_t)(r % 9999);
		i128 big = big_of(r);
		sl_int128 *h = &((sl_int128 *)sl_batch_data(b, C_DEC38))[r];
		h->lo = (uint64_t)big;
		h->hi = (int64_t)(big >> 64);
		unsigned char blob[4] = {0, (unsigned char)r, 0, (unsigned char)(r >> 8)};
		sl_bytes *bl = &((sl_bytes *)sl_batch_data(b, C_BLOB))[r];
		bl->ptr = sl_arena_copy(&b->arena, (const char *)blob, sizeof(blob));
		bl->len = sizeof(blob);
		((int8_t *)sl_batch_data(b, C_I8))[r] = (int8_t)(r & 0x7f);
		((sl_interval *)sl_batch_data(b, C_IV))[r] =
			(sl_interval){(int32_t)r, -(int32_t)r, (int64_t)r * 1000000};
		((uint8_t *)sl_batch_data(b, NCOLS))[r] = r % 2;
		for (size_t c = 0; c <= NCOLS; c++) {
			if (null_at(c, r))
				sl_batch_set_null(b, c, r);
			else
				sl_batch_set_valid(b, c, r);
		}
	}
	b->nrows = nrows;
}

/* Row `r` of `b` holds what fill() put in row `id`; checks every column. */
static void check_row(const sl_batch *b, size_t r, uint32_t id)
{
	for (size_t c = 0; c <= NCOLS; c++) {
		if (sl_batch_is_valid(b, c, r) == null_at(c, id)) {
			print_error("row %zu (id %u) column %zu: validity %d\n", r, id, c,
				    sl_batch_is_valid(b, c, r));
			fail();
		}
	}
	char text[128];
	text_of(text, sizeof(text), id);
	assert_int_equal(((int32_t *)sl_batch_data(b, C_I32))[r], (int32_t)id * 7 - 5000);
	const sl_bytes *t = &((const sl_bytes *)sl_batch_data(b, C_TEXT))[r];
	assert_int_equal(t->len, strlen(text));
	assert_memory_equal(t->ptr, text, t->len);
	assert_true(((double *)sl_batch_data(b, C_F64))[r] == id + 0.25);
	assert_int_equal(((int16_t *)sl_batch_data(b, C_DEC4))[r], (int16_t)(id % 9999));
	const sl_int128 *h = &((const sl_int128 *)sl_batch_data(b, C_DEC38))[r];
	assert_true((i128)(((unsigned __int128)(uint64_t)h->hi << 64) | h->lo) == big_of(id));
	const sl_bytes *bl = &((const sl_bytes *)sl_batch_data(b, C_BLOB))[r];
	unsigned char blob[4] = {0, (unsigned char)id, 0, (unsigned char)(id >> 8)};
	assert_int_equal(bl->len, 4);
	assert_memory_equal(bl->ptr, blob, 4);
	assert_int_equal(((int8_t *)sl_batch_data(b, C_I8))[r], (int8_t)(id & 0x7f));
	const sl_interval *iv = &((const sl_interval *)sl_batch_data(b, C_IV))[r];
	assert_true(iv->months == (int32_t)id && iv->days == -(int32_t)id &&
		    iv->micros == (int64_t)id * 1000000);
	assert_int_equal(((uint8_t *)sl_batch_data(b, NCOLS))[r], id % 2);
}

/* Rows from `from` to the capacity are all NULL in every column. */
static void check_cleared_from(const sl_batch *b, size_t from)
{
	for (size_t c = 0; c < b->ncolumns; c++)
		for (size_t r = from; r < b->capacity; r++)
			if (sl_batch_is_valid(b, c, r)) {
				print_error("row %zu column %zu still valid\n", r, c);
				fail();
			}
}

static void test_new(void **state)
{
	(void)state;
	sl_table_schema *s = test_schema();
	sl_batch *b = sl_batch_new(s, 2);
	assert_non_null(b);
	assert_int_equal(b->ncolumns, NCOLS + 2);
	assert_int_equal(b->nrows, 0);
	assert_int_equal(b->capacity, SL_BATCH_CAPACITY);
	assert_int_equal(b->capacity, 2048);
	for (size_t c = 0; c < NCOLS; c++) {
		assert_int_equal(b->columns[c].type, s->columns[c].type);
		assert_int_equal(b->columns[c].precision, s->columns[c].precision);
		assert_int_equal(b->columns[c].scale, s->columns[c].scale);
	}
	assert_int_equal(b->columns[NCOLS].type, SL_TYPE_BOOL);
	assert_int_equal(b->columns[NCOLS + 1].type, SL_TYPE_BOOL);
	/* fresh: every value NULL and every byte zero; every element addressable (ASan) */
	for (size_t c = 0; c < b->ncolumns; c++) {
		const sl_vector *v = &b->columns[c];
		size_t sz = sl_type_value_size(v->type, v->precision);
		const unsigned char *p = v->data;
		for (size_t i = 0; i < sz * b->capacity; i++)
			assert_int_equal(p[i], 0);
		for (size_t r = 0; r < b->capacity; r++)
			assert_false(sl_batch_is_valid(b, c, r));
	}
	/* the extra columns are usable */
	((uint8_t *)sl_batch_data(b, NCOLS + 1))[2047] = 1;
	sl_batch_set_valid(b, NCOLS + 1, 2047);
	assert_true(sl_batch_is_valid(b, NCOLS + 1, 2047));
	sl_batch_free(b);

	/* a batch that is nothing but extra columns, and one with none */
	sl_table_schema *empty = sl_schema_new("db", "empty");
	b = sl_batch_new(empty, 1);
	assert_non_null(b);
	assert_int_equal(b->ncolumns, 1);
	assert_int_equal(b->columns[0].type, SL_TYPE_BOOL);
	sl_batch_free(b);
	b = sl_batch_new(empty, 0);
	assert_non_null(b);
	assert_int_equal(b->ncolumns, 0);
	sl_batch_free(b);
	sl_batch_free(NULL);
	sl_schema_free(empty);
	sl_schema_free(s);
}

static void test_validity_bits(void **state)
{
	(void)state;
	sl_table_schema *s = test_schema();
	sl_batch *b = sl_batch_new(s, 0);
	static const size_t rows[] = {0, 1, 62, 63, 64, 65, 127, 128, 1023, 2046, 2047};
	for (size_t i = 0; i < SL_ARRAY_LEN(rows); i++) {
		sl_batch_set_valid(b, C_TEXT, rows[i]);
		assert_true(sl_batch_is_valid(b, C_TEXT, rows[i]));
	}
	size_t count = 0;
	for (size_t r = 0; r < b->capacity; r++)
		count += sl_batch_is_valid(b, C_TEXT, r);
	assert_int_equal(count, SL_ARRAY_LEN(rows));
	assert_true(b->columns[C_TEXT].validity[0] == (UINT64_C(3) | UINT64_C(3) << 62));
	assert_true(b->columns[C_TEXT].validity[31] == UINT64_C(3) << 62);
	for (size_t c = 0; c < NCOLS; c++)
		if (c != C_TEXT)
			for (size_t r = 0; r < b->capacity; r++)
				assert_false(sl_batch_is_valid(b, c, r));
	sl_batch_set_null(b, C_TEXT, 64);
	assert_false(sl_batch_is_valid(b, C_TEXT, 64));
	assert_true(sl_batch_is_valid(b, C_TEXT, 63));
	assert_true(sl_batch_is_valid(b, C_TEXT, 65));
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_filter(void **state)
{
	(void)state;
	sl_table_schema *s = test_schema();
	sl_batch *b = sl_batch_new(s, 1);
	assert_non_null(b);
	fill(b, SL_BATCH_CAPACITY);
	assert_true(b->arena.total > 64 * 1024); /* strings span several arena blocks */
	for (uint32_t r = 0; r < SL_BATCH_CAPACITY; r++)
		check_row(b, r, r);

	/* keep rows whose id is not a multiple of 3: moves nearly every row */
	bool keep[SL_BATCH_CAPACITY];
	for (size_t r = 0; r < SL_BATCH_CAPACITY; r++)
		keep[r] = r % 3 != 0;
	size_t n = sl_batch_filter(b, keep);
	assert_int_equal(n, 1365);
	assert_int_equal(b->nrows, 1365);
	uint32_t ids[SL_BATCH_CAPACITY];
	size_t k = 0;
	for (uint32_t r = 0; r < SL_BATCH_CAPACITY; r++)
		if (r % 3 != 0)
			ids[k++] = r;
	for (size_t r = 0; r < n; r++)
		check_row(b, r, ids[r]);
	check_cleared_from(b, n);

	/* filter again: every other remaining row */
	for (size_t r = 0; r < n; r++)
		keep[r] = r % 2 == 1;
	size_t m = sl_batch_filter(b, keep);
	assert_int_equal(m, 682);
	for (size_t r = 0; r < m; r++)
		check_row(b, r, ids[2 * r + 1]);
	check_cleared_from(b, m);

	/* keep all: nothing changes */
	for (size_t r = 0; r < m; r++)
		keep[r] = true;
	assert_int_equal(sl_batch_filter(b, keep), m);
	for (size_t r = 0; r < m; r++)
		check_row(b, r, ids[2 * r + 1]);

	/* keep only the last row */
	for (size_t r = 0; r < m; r++)
		keep[r] = r == m - 1;
	assert_int_equal(sl_batch_filter(b, keep), 1);
	check_row(b, 0, ids[2 * (m - 1) + 1]);
	check_cleared_from(b, 1);

	/* keep none */
	keep[0] = false;
	assert_int_equal(sl_batch_filter(b, keep), 0);
	assert_int_equal(b->nrows, 0);
	check_cleared_from(b, 0);
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_filter_empty_batch(void **state)
{
	(void)state;
	sl_table_schema *s = test_schema();
	sl_batch *b = sl_batch_new(s, 0);
	bool keep[1] = {true};
	assert_int_equal(sl_batch_filter(b, keep), 0);
	assert_int_equal(b->nrows, 0);
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_drop_front(void **state)
{
	(void)state;
	sl_table_schema *s = test_schema();
	sl_batch *b = sl_batch_new(s, 1);
	static const size_t drops[] = {0, 1, 63, 64, 65, 1000, 2047, 2048};
	for (size_t i = 0; i < SL_ARRAY_LEN(drops); i++) {
		size_t d = drops[i];
		sl_batch_reset(b);
		fill(b, SL_BATCH_CAPACITY);
		sl_batch_drop_front(b, d);
		assert_int_equal(b->nrows, SL_BATCH_CAPACITY - d);
		for (size_t r = 0; r < b->nrows; r++)
			check_row(b, r, (uint32_t)(r + d));
		check_cleared_from(b, b->nrows);
	}
	/* a partly filled batch, dropped in steps */
	sl_batch_reset(b);
	fill(b, 100);
	sl_batch_drop_front(b, 10);
	sl_batch_drop_front(b, 30);
	assert_int_equal(b->nrows, 60);
	for (size_t r = 0; r < 60; r++)
		check_row(b, r, (uint32_t)(r + 40));
	check_cleared_from(b, 60);
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_truncate(void **state)
{
	(void)state;
	sl_table_schema *s = test_schema();
	sl_batch *b = sl_batch_new(s, 1);
	fill(b, 500);
	sl_batch_truncate(b, 600); /* beyond nrows: no change */
	assert_int_equal(b->nrows, 500);
	sl_batch_truncate(b, 500);
	assert_int_equal(b->nrows, 500);
	for (size_t r = 0; r < 500; r++)
		check_row(b, r, (uint32_t)r);
	sl_batch_truncate(b, 129);
	assert_int_equal(b->nrows, 129);
	for (size_t r = 0; r < 129; r++)
		check_row(b, r, (uint32_t)r);
	check_cleared_from(b, 129);
	sl_batch_truncate(b, 0);
	assert_int_equal(b->nrows, 0);
	check_cleared_from(b, 0);
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_reset_and_refill(void **state)
{
	(void)state;
	sl_table_schema *s = test_schema();
	sl_batch *b = sl_batch_new(s, 1);
	fill(b, SL_BATCH_CAPACITY);
	size_t warm = b->arena.total;
	sl_batch_reset(b);
	assert_int_equal(b->nrows, 0);
	check_cleared_from(b, 0);
	assert_true(b->arena.total > 0 && b->arena.total <= warm);
	assert_int_equal(b->arena.used, 0);
	/* after a warm-up, refilling the same amount does not grow the arena without bound */
	for (int round = 0; round < 5; round++) {
		fill(b, SL_BATCH_CAPACITY);
		for (uint32_t r = 0; r < SL_BATCH_CAPACITY; r += 97)
			check_row(b, r, r);
		assert_true(b->arena.total <= 2 * warm);
		sl_batch_reset(b);
	}
	sl_batch_free(b);
	sl_schema_free(s);
}

static void test_arena(void **state)
{
	(void)state;
	sl_arena a = {0};
	/* every allocation is 8-aligned and distinct (size 0 may share an address) */
	assert_non_null(sl_arena_alloc(&a, 0));
	char *prev = NULL;
	for (size_t size = 1; size < 100; size++) {
		char *p = sl_arena_alloc(&a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
		if (prev)
			assert_true(p != prev);
		memset(p, 0xab, size); /* ASan checks the size is really there */
		prev = p;
	}
	/* copies keep zero bytes; an empty copy is a valid pointer */
	const char *c = sl_arena_copy(&a, "x\0y", 3);
	assert_memory_equal(c, "x\0y", 3);
	const char *e = sl_arena_copy(&a, NULL, 0);
	assert_non_null(e);
	/* one allocation larger than a block gets a block of its own */
	size_t before = a.total;
	char *big = sl_arena_alloc(&a, 3 * 1024 * 1024);
	assert_non_null(big);
	memset(big, 1, 3 * 1024 * 1024);
	assert_true(a.total >= before + 3 * 1024 * 1024);
	assert_memory_equal(c, "x\0y", 3); /* older blocks stay valid */
	/* reset keeps the newest block only, which the next big allocation reuses */
	sl_arena_reset(&a);
	size_t kept = a.total;
	assert_true(kept >= 3 * 1024 * 1024);
	assert_true(kept < before + 3 * 1024 * 1024 || before == 0);
	char *again = sl_arena_alloc(&a, 3 * 1024 * 1024);
	assert_non_null(again);
	assert_int_equal(a.total, kept);
	/* many small copies across block boundaries stay intact */
	sl_arena_reset(&a);
	const char *ptrs[5000];
	for (int i = 0; i < 5000; i++) {
		char tmp[32];
		int n = snprintf(tmp, sizeof(tmp), "value-%d", i);
		ptrs[i] = sl_arena_copy(&a, tmp, (size_t)n + 1);
		assert_non_null(ptrs[i]);
	}
	for (int i = 0; i < 5000; i++) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "value-%d", i);
		assert_string_equal(ptrs[i], tmp);
	}
	sl_arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
	assert_int_equal(a.used, 0);
	sl_arena_free(&a); /* twice is harmless */
	sl_arena_reset(&a);
}

/* Row r of a LIST(INT32) column gets r elements r*10 .. r*10+r-1, the second one NULL. */
static void fill_lists(sl_batch *b, size_t nrows)
{
	for (size_t r = 0; r < nrows; r++) {
		size_t first;
		assert_int_equal(sl_batch_list_append(b, 0, r, r, &first), 0);
		sl_vector *child = b->columns[0].child;
		for (size_t k = 0; k < r; k++) {
			((int32_t *)child->data)[first + k] = (int32_t)(r * 10 + k);
			if (k != 1)
				sl_vector_set_valid(child, first + k);
		}
		sl_batch_set_valid(b, 0, r);
	}
	b->nrows = nrows;
}

static void check_list(const sl_batch *b, size_t row, size_t want_row)
{
	sl_list_entry e = ((const sl_list_entry *)b->columns[0].data)[row];
	const sl_vector *child = b->columns[0].child;
	assert_int_equal(e.length, want_row);
	for (size_t k = 0; k < e.length; k++) {
		size_t i = (size_t)e.offset + k;
		assert_int_equal(sl_vector_is_valid(child, i), k != 1);
		if (k != 1)
			assert_int_equal(((const int32_t *)child->data)[i],
					 (int32_t)(want_row * 10 + k));
	}
}

/* Lists grow their child vector past its first allocation, survive filter and drop_front, hash
   by their elements (not their offsets) and are emptied by reset. */
static void test_lists(void **state)
{
	(void)state;
	sl_table_schema *s = sl_schema_new("db", "t");
	assert_int_equal(sl_schema_add_list_column(s, "l", SL_TYPE_INT32, 0, 0, true, "int[]"), 0);
	sl_batch *b = sl_batch_new(s, 0);
	assert_non_null(b);
	assert_int_equal(b->columns[0].child->type, SL_TYPE_INT32);
	fill_lists(b, 100); /* 4950 elements: more than the first 1024 */
	assert_true(b->columns[0].child_cap >= 4950);
	for (size_t r = 0; r < 100; r++)
		check_list(b, r, r);

	bool keep[100];
	for (size_t r = 0; r < 100; r++)
		keep[r] = r % 3 == 0;
	uint64_t before = sl_row_hash(b, 9, NULL, 1);
	assert_int_equal(sl_batch_filter(b, keep), 34);
	for (size_t r = 0; r < 34; r++)
		check_list(b, r, r * 3);
	assert_true(sl_row_hash(b, 3, NULL, 1) == before); /* row 9 is now row 3 */
	sl_batch_drop_front(b, 1);
	check_list(b, 0, 3);

	sl_batch_reset(b);
	assert_int_equal(b->columns[0].child_len, 0);
	fill_lists(b, 3);
	check_list(b, 2, 2);
	sl_batch_free(b);
	sl_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_validity_bits),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_filter_empty_batch),
		cmocka_unit_test(test_drop_front),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_reset_and_refill),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
