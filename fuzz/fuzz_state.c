/*
 * fuzz_state.c — libFuzzer target for decoding a table's incremental state (src/state.c), the
 * JSON the pipeline reads back from the destination's _sluice_state table (and mirrors into
 * state.json).
 *
 * Input: byte 0 picks the cursor column's type (and, for DECIMAL, byte 1 its precision and
 * scale); byte 1 also picks how the run names its cursor: "id" (as the seeds do), another column,
 * or none. The rest is the state JSON. Invariants:
 *  - an accepted state names the table (and the run's cursor), its last value has the cursor's
 *    type, a boundary (last_pk, hashes) comes with a last value, and it is a fixed point: written
 *    back with sl_table_state_to_json and decoded again, it writes the same JSON;
 *  - a refused one fails with SL_ESTATE or SL_ETYPE and a bounded one-line message that names
 *    the table.
 * A broken invariant aborts, so the corpus replay (fuzz/replay.c) fails too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TABLE "t_fuzz"

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "fuzz_state: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void check_refused(int rc, const sl_table_state *st)
{
	const sl_error *err = sl_error_last();
	CHECK(rc == SL_ESTATE || rc == SL_ETYPE);
	CHECK(err->code == rc);
	CHECK(strlen(err->message) < 1000);
	if (has_control(err->message)) {
		fprintf(stderr, "fuzz_state: message is not one line: %s\n", err->message);
		abort();
	}
	CHECK(strstr(err->message, "'" TABLE "'"));
	CHECK(st->table == NULL && st->cursor == NULL && st->npk == 0 && st->nhashes == 0);
}

/* Decode as the pipeline does (for_cursor) or with the plain decoder. */
static int decode(sl_table_state *st, const char *json, bool for_cursor, const char *cursor,
		  sl_type type, int precision, int scale)
{
	return for_cursor ? sl_table_state_decode(st, json, TABLE, cursor, type, precision, scale)
			  : sl_table_state_from_json(st, json, TABLE, type, precision, scale);
}

static void check_accepted(const sl_table_state *st, bool for_cursor, const char *cursor,
			   sl_type type, int precision, int scale)
{
	CHECK(st->table && strcmp(st->table, TABLE) == 0);
	if (cursor)
		CHECK(st->cursor && strcmp(st->cursor, cursor) == 0);
	CHECK(st->last_value.type == type);
	CHECK(!st->has_last || !st->last_value.is_null);
	CHECK(st->has_last || (st->npk == 0 && st->nhashes == 0));
	CHECK(st->npk == 0 || st->last_pk);
	for (size_t i = 0; i < st->npk; i++)
		CHECK(st->last_pk[i]);

	char *once = sl_table_state_to_json(st);
	CHECK(once);
	sl_table_state again;
	int rc = decode(&again, once, for_cursor, cursor, type, precision, scale);
	if (rc) {
		fprintf(stderr, "fuzz_state: own output refused: %s\n  %s\n",
			sl_error_last()->message, once);
		abort();
	}
	char *twice = sl_table_state_to_json(&again);
	CHECK(twice);
	if (strcmp(once, twice) != 0) {
		fprintf(stderr, "fuzz_state: not a fixed point:\n  %s\n  %s\n", once, twice);
		abort();
	}
	CHECK(again.has_last == st->has_last && again.npk == st->npk &&
	      again.nhashes == st->nhashes && again.rows_loaded == st->rows_loaded &&
	      again.runs == st->runs && again.nulls_loaded == st->nulls_loaded);
	if (st->has_last)
		CHECK(sl_value_compare(&again.last_value, &st->last_value) == 0);
	free(twice);
	free(once);
	sl_table_state_clear(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 8192)
		return 0;
	sl_type type = (sl_type)(data[0] % SL_TYPE__COUNT);
	int precision = 1 + data[1] % 38;
	int scale = (data[1] >> 2) % (precision + 1);
	static const char *const cursors[] = {"id", "id", "updated_at", NULL};
	const char *cursor = cursors[(data[1] >> 6) & 3];

	char *json = malloc(size - 1);
	CHECK(json);
	memcpy(json, data + 2, size - 2);
	json[size - 2] = '\0'; /* an embedded NUL simply ends the text, as in a C string column */

	sl_table_state st;
	int rc = decode(&st, json, true, cursor, type, precision, scale);
	if (rc == SL_OK)
		check_accepted(&st, true, cursor, type, precision, scale);
	else
		check_refused(rc, &st);
	sl_table_state_clear(&st);

	/* The plain decoder (no cursor to match) must agree on what is valid JSON of a state. */
	rc = decode(&st, json, false, NULL, type, precision, scale);
	if (rc == SL_OK)
		check_accepted(&st, false, NULL, type, precision, scale);
	else
		check_refused(rc, &st);
	sl_table_state_clear(&st);

	free(json);
	sl_error_clear();
	return 0;
}
