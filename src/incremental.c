/*
 * incremental.c — the incremental boundary (see incremental.h for the two modes).
 *
 * Bounds follow dlt: with last_value_func max the cursor moves up, the lower bound is the last
 * value (or initial_value) and end_value is the upper bound; with min everything is mirrored.
 * range_start closed (default) re-reads the boundary value and drops what was loaded; open skips
 * it. range_end open (default) excludes end_value.
 */
#include "incremental.h"

#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack: no allocation per row */
#include <xxhash.h>

static bool orderable(sl_type t)
{
	return t != SL_TYPE_BLOB && t != SL_TYPE_JSON && t != SL_TYPE_BOOL && t != SL_TYPE_UUID &&
	       t != SL_TYPE_LIST;
}

static int copy_key(sl_incremental_run *run, const size_t *pk, size_t npk)
{
	if (!npk)
		return SL_OK;
	run->pk = sl_calloc(npk, sizeof(size_t));
	if (!run->pk)
		return SL_ENOMEM;
	memcpy(run->pk, pk, npk * sizeof(size_t));
	run->npk = npk;
	return SL_OK;
}

static int resolve_key(sl_incremental_run *run, const char *primary_key)
{
	if (!primary_key || !*primary_key)
		return copy_key(run, run->schema->pk, run->schema->npk);
	/* resolve the hint on a scratch copy: the reflected schema stays as the source has it */
	sl_table_schema *tmp = sl_schema_copy(run->schema);
	if (!tmp)
		return SL_ENOMEM;
	int rc = sl_schema_set_primary_key(tmp, primary_key);
	if (!rc)
		rc = copy_key(run, tmp->pk, tmp->npk);
	sl_schema_free(tmp);
	return rc;
}

static int parse_hint_value(sl_value *out, const sl_incremental_run *run, const char *text,
			    const char *what)
{
	const sl_column *c = &run->schema->columns[run->cursor];
	if (sl_value_parse(out, c->type, c->precision, c->scale, text))
		return sl_error_wrap("%s for cursor '%s' of table '%s'", what, c->name, run->table);
	return SL_OK;
}

/* The bound that comes from the state, or from initial_value on the first run. */
static int start_bound(sl_value *out, bool *has, const sl_incremental_run *run)
{
	*has = false;
	if (run->state->has_last) {
		*has = true;
		int rc = sl_value_copy(out, &run->state->last_value);
		return rc || !run->lag_window ? rc : sl_value_apply_lag(out, run->hint.lag);
	}
	if (run->hint.initial_value) {
		*has = true;
		return parse_hint_value(out, run, run->hint.initial_value, "initial_value");
	}
	return SL_OK;
}

static int build_bounds(sl_incremental_run *run)
{
	sl_value start = SL_VALUE_INIT, end = SL_VALUE_INIT;
	bool has_start = false, has_end = run->hint.end_value != NULL;
	/* a bad initial_value fails every run, not only the first (the state hides it after) */
	sl_value check = SL_VALUE_INIT;
	int rc = run->hint.initial_value
			 ? parse_hint_value(&check, run, run->hint.initial_value, "initial_value")
			 : SL_OK;
	sl_value_clear(&check);
	if (!rc)
		rc = start_bound(&start, &has_start, run);
	if (!rc && has_end)
		rc = parse_hint_value(&end, run, run->hint.end_value, "end_value");
	if (rc) {
		sl_value_clear(&start);
		sl_value_clear(&end);
		return rc;
	}
	bool start_incl = run->hint.range_start != SL_RANGE_OPEN;
	bool end_incl = run->hint.range_end == SL_RANGE_CLOSED;
	run->lower = run->forward ? start : end;
	run->upper = run->forward ? end : start;
	bool has_lo = run->forward ? has_start : has_end;
	bool has_hi = run->forward ? has_end : has_start;
	run->plan.lower = has_lo ? &run->lower : NULL;
	run->plan.upper = has_hi ? &run->upper : NULL;
	run->plan.lower_inclusive = run->forward ? start_incl : end_incl;
	run->plan.upper_inclusive = run->forward ? end_incl : start_incl;
	return SL_OK;
}

/* The server-side seen flag: rows at the boundary value up to the last loaded key. */
static int build_seen_flag(sl_incremental_run *run)
{
	const sl_table_state *st = run->state;
	if (run->mode != SL_BOUNDARY_KEYSET || !st->has_last || st->npk != run->npk ||
	    run->lag_window || /* every row of the window is read again */
	    run->hint.range_start == SL_RANGE_OPEN)
		return SL_OK;
	run->seen_pk = sl_calloc(run->npk, sizeof(sl_value));
	if (!run->seen_pk || sl_value_copy(&run->seen_cursor, &st->last_value))
		return SL_ENOMEM;
	for (size_t i = 0; i < run->npk; i++) {
		const sl_column *c = &run->schema->columns[run->pk[i]];
		run->seen_pk[i] = (sl_value)SL_VALUE_INIT;
		if (sl_value_parse(&run->seen_pk[i], c->type, c->precision, c->scale,
				   st->last_pk[i]))
			return sl_error_wrap("state of table '%s': last key column '%s'",
					     run->table, c->name);
	}
	run->plan.seen_cursor = &run->seen_cursor;
	run->plan.nseen_pk = run->npk;
	run->plan.seen_pk_cols = run->pk;
	run->plan.seen_pk = run->seen_pk;
	return SL_OK;
}

/*
 * Hints that would load a row twice are refused rather than honoured silently: NULL-cursor rows
 * have no place in the (cursor, key) order a limited run resumes from, so `include` loads them
 * all in one unlimited run. (Lag re-reads loaded rows too: the pipeline lets only a disposition
 * that upserts have it.)
 */
static int refuse_duplicating_hints(const sl_incremental_run *run, bool limited)
{
	if (limited && run->hint.on_cursor_value_missing == SL_MISSING_CURSOR_INCLUDE &&
	    !run->state->nulls_loaded)
		return sl_error_set(
			SL_EUNSUPPORTED,
			"table '%s': on_cursor_value_missing=include loads the rows with a "
			"NULL cursor in one run without a chunk or time limit; run once "
			"without --limit-chunks and --max-time first",
			run->table);
	return SL_OK;
}

/*
 * Lag re-reads from last_value - lag, once: the state remembers where that window ends
 * (lag_until), so that a run cut short inside it is continued, not started over. Resuming inside
 * the window needs the (cursor, key) order of the keyset mode, and the window lies below the last
 * value, so the cursor must go up (last_value_func max).
 */
static int prepare_lag(sl_incremental_run *run)
{
	sl_table_state *st = run->state;
	sl_value check = SL_VALUE_INIT; /* a NULL value: only the lag's text is checked */
	int rc = sl_value_apply_lag(&check, run->hint.lag);
	if (!rc && (run->mode != SL_BOUNDARY_KEYSET || !run->forward))
		rc = sl_error_set(SL_EINVAL,
				  "table '%s': lag needs a primary key, row_order asc and "
				  "last_value_func max (it resumes inside the rows it re-reads by "
				  "cursor and key)",
				  run->table);
	run->lag_window = !rc && st->has_last && !st->has_lag_until;
	if (run->lag_window) {
		rc = sl_value_copy(&st->lag_until, &st->last_value);
		st->has_lag_until = rc == SL_OK;
	}
	return rc;
}

/* A keyset boundary writes key values into SQL: lists and JSON have no literal for that. */
static bool key_comparable(const sl_incremental_run *run)
{
	for (size_t i = 0; i < run->npk; i++) {
		sl_type t = run->schema->columns[run->pk[i]].type;
		if (t == SL_TYPE_LIST || t == SL_TYPE_JSON)
			return false;
	}
	return true;
}

static int choose_mode(sl_incremental_run *run, bool limited)
{
	int rc = refuse_duplicating_hints(run, limited);
	if (rc)
		return rc;
	sl_row_order order = run->hint.row_order;
	bool with_direction = (order == SL_ROW_ORDER_ASC && run->forward) ||
			      (order == SL_ROW_ORDER_DESC && !run->forward);
	run->mode = with_direction && run->npk && key_comparable(run) ? SL_BOUNDARY_KEYSET
								      : SL_BOUNDARY_HASH;
	if (limited && !with_direction)
		return sl_error_set(SL_EINVAL,
				    "table '%s': a chunk or time limit needs row_order %s with "
				    "last_value_func %s, or a limited run could skip rows",
				    run->table, run->forward ? "asc" : "desc",
				    run->forward ? "max" : "min");
	return SL_OK;
}

/*
 * The state's boundary must be one this run can honour. A key that appeared since (the state kept
 * row hashes) finishes the boundary with those hashes; a key that changed its columns, or went
 * away, leaves the rows at the boundary value impossible to tell apart: refused, as loading them
 * again would duplicate them and skipping them could lose some.
 */
static int check_state_boundary(sl_incremental_run *run)
{
	const sl_table_state *st = run->state;
	if (!st->has_last || run->hint.range_start == SL_RANGE_OPEN)
		return SL_OK;
	if (run->mode == SL_BOUNDARY_KEYSET && st->npk == 0 && st->nhashes > 0) {
		run->mode = SL_BOUNDARY_HASH;
		run->hash_whole_rows = true;
	}
	size_t want = run->mode == SL_BOUNDARY_KEYSET ? run->npk : 0;
	if (st->npk == want)
		return SL_OK;
	return sl_error_set(
		SL_ESTATE,
		"state of table '%s' ends inside the rows at its last cursor value, "
		"told apart by a key of %zu column(s), but the table's key now has %zu: "
		"give the old key with the primary_key hint, or reset the table's state",
		run->table, st->npk, want);
}

static int build_order(sl_incremental_run *run)
{
	if (run->hint.row_order == SL_ROW_ORDER_NONE)
		return SL_OK;
	run->order = sl_calloc(1 + run->npk, sizeof(size_t));
	if (!run->order)
		return SL_ENOMEM;
	run->order[run->norder++] = (size_t)run->cursor;
	for (size_t i = 0; i < run->npk; i++)
		if (run->pk[i] != (size_t)run->cursor)
			run->order[run->norder++] = run->pk[i];
	run->plan.order = run->order;
	run->plan.norder = run->norder;
	run->plan.descending = run->hint.row_order == SL_ROW_ORDER_DESC;
	return SL_OK;
}

static int snapshot_hashes(sl_incremental_run *run)
{
	/* the hash set as loaded: rows in it are old; rows added during this run are not */
	size_t n = run->state->nhashes;
	if (!n)
		return SL_OK;
	run->start_hashes = sl_malloc(n * sizeof(uint64_t));
	if (!run->start_hashes)
		return SL_ENOMEM;
	memcpy(run->start_hashes, run->state->hashes, n * sizeof(uint64_t));
	run->nstart_hashes = n;
	return sl_value_copy(&run->start_last, &run->state->last_value);
}

/* The scan plan from the hints and the state, step by step. */
static int build_plan(sl_incremental_run *run, bool limited)
{
	static int (*const steps[])(sl_incremental_run *) = {check_state_boundary, build_bounds,
							     build_order, build_seen_flag};
	int rc = choose_mode(run, limited);
	if (!rc && run->hint.lag)
		rc = prepare_lag(run);
	for (size_t i = 0; !rc && i < SL_ARRAY_LEN(steps); i++)
		rc = steps[i](run);
	if (!rc && run->mode == SL_BOUNDARY_HASH)
		rc = snapshot_hashes(run);
	return rc;
}

static int prepare_cursor(sl_incremental_run *run, bool limited, uint64_t max_rows)
{
	int idx = sl_schema_find(run->schema, run->hint.cursor_path);
	if (idx < 0)
		return sl_error_set(SL_ENOTFOUND, "cursor column '%s' not found in table '%s'",
				    run->hint.cursor_path, run->table);
	const sl_column *c = &run->schema->columns[idx];
	if (!orderable(c->type))
		return sl_error_set(
			SL_ETYPE,
			"cursor column '%s' of table '%s' has type %s (%s), which cannot be "
			"used as an incremental cursor",
			c->name, run->table, sl_type_name(c->type), c->source_type);
	run->cursor = idx;
	run->plan.cursor = idx;
	run->forward = run->hint.last_value_func != SL_LAST_VALUE_MIN;
	int rc = build_plan(run, limited);
	if (rc)
		return rc;
	/* NULL cursors: raise must see them, include loads them once (while there is no state). A
	   NOT NULL column has none to see, and without "OR cursor IS NULL" the bound is an index
	   condition: with it PostgreSQL walked the cursor's index from the start every run. */
	sl_on_missing_cursor m = run->hint.on_cursor_value_missing;
	run->plan.include_null_cursor =
		c->nullable && (m == SL_MISSING_CURSOR_RAISE ||
				(m == SL_MISSING_CURSOR_INCLUDE && !run->state->nulls_loaded));
	if (run->mode == SL_BOUNDARY_KEYSET && max_rows)
		run->plan.limit = max_rows;
	return SL_OK;
}

int sl_incremental_prepare(sl_incremental_run *run, const sl_table_schema *schema,
			   const char *table, const sl_incremental *hint, const char *primary_key,
			   sl_table_state *state, bool limited, uint64_t max_rows)
{
	memset(run, 0, sizeof(*run));
	run->schema = schema;
	run->table = table;
	run->state = state;
	run->cursor = -1;
	run->plan.table = schema;
	run->plan.cursor = -1;
	run->lower = run->upper = run->seen_cursor = run->start_last = (sl_value)SL_VALUE_INIT;
	if (hint)
		run->hint = *hint;
	run->seen_col = schema->ncolumns;
	int rc = resolve_key(run, primary_key);
	if (rc)
		return rc;
	if (!run->hint.cursor_path) {
		run->mode = SL_BOUNDARY_NONE;
		return SL_OK;
	}
	return prepare_cursor(run, limited, max_rows);
}

bool sl_incremental_limited(const sl_incremental_run *run)
{
	return run->plan.limit > 0;
}

/* ---- per row ------------------------------------------------------------------------------- */

/* One value into the hash: present flag, then the bytes (a LIST's elements one by one). */
static void hash_cell(XXH3_state_t *st, const sl_vector *v, const sl_vector *child, size_t i)
{
	unsigned char present = sl_vector_is_valid(v, i);
	XXH3_64bits_update(st, &present, 1);
	if (!present)
		return;
	if (v->type == SL_TYPE_LIST) {
		sl_list_entry e = ((const sl_list_entry *)v->data)[i];
		XXH3_64bits_update(st, &e.length, sizeof(e.length));
		for (uint64_t k = 0; k < e.length; k++)
			hash_cell(st, child, NULL, (size_t)(e.offset + k));
	} else if (sl_type_is_varlen(v->type)) {
		const sl_bytes *b = &((const sl_bytes *)v->data)[i];
		uint32_t len = b->len;
		XXH3_64bits_update(st, &len, sizeof(len));
		XXH3_64bits_update(st, b->ptr, b->len);
	} else {
		size_t sz = sl_type_value_size(v->type, v->precision);
		XXH3_64bits_update(st, (const char *)v->data + i * sz, sz);
	}
}

uint64_t sl_row_hash(const sl_batch *batch, size_t row, const size_t *cols, size_t ncols)
{
	XXH3_state_t st;
	XXH3_64bits_reset(&st);
	for (size_t i = 0; i < ncols; i++) {
		const sl_vector *v = &batch->columns[cols ? cols[i] : i];
		hash_cell(&st, v, v->child, row);
	}
	return XXH3_64bits_digest(&st);
}

static uint64_t boundary_hash(const sl_incremental_run *run, const sl_batch *batch, size_t row)
{
	return run->npk && !run->hash_whole_rows
		       ? sl_row_hash(batch, row, run->pk, run->npk)
		       : sl_row_hash(batch, row, NULL, run->schema->ncolumns);
}

static int null_cursor_error(const sl_incremental_run *run, const sl_batch *batch, size_t row)
{
	sl_buf key = SL_BUF_INIT;
	for (size_t i = 0; i < run->npk; i++) {
		const sl_column *c = &run->schema->columns[run->pk[i]];
		sl_buf_printf(&key, "%s%s = '", i ? ", " : "", c->name);
		sl_value_format_batch(&key, batch, run->pk[i], row);
		sl_buf_putc(&key, '\'');
	}
	int rc = sl_error_set(
		SL_ECURSOR,
		"table '%s': cursor column '%s' is NULL in the row with %s "
		"(on_cursor_value_missing=raise; use include or exclude to load or skip "
		"such rows)",
		run->table, run->schema->columns[run->cursor].name,
		run->npk ? sl_buf_cstr(&key) : "no primary key");
	sl_buf_free(&key);
	return rc;
}

static bool seen_by_hash(const sl_incremental_run *run, const sl_batch *batch, size_t row)
{
	if (!run->nstart_hashes ||
	    sl_value_compare_batch(batch, (size_t)run->cursor, row, &run->start_last) != 0)
		return false;
	uint64_t h = boundary_hash(run, batch, row);
	for (size_t i = 0; i < run->nstart_hashes; i++)
		if (run->start_hashes[i] == h)
			return true;
	return false;
}

/* Hash mode: the state follows the extreme value and the rows that share it. */
static int advance_hash(sl_incremental_run *run, const sl_batch *batch, size_t row)
{
	sl_table_state *st = run->state;
	int cmp = st->has_last
			  ? sl_value_compare_batch(batch, (size_t)run->cursor, row, &st->last_value)
			  : 1;
	if (!run->forward)
		cmp = -cmp;
	if (cmp < 0)
		return SL_OK;
	if (cmp > 0) {
		if (sl_value_from_batch(&st->last_value, batch, (size_t)run->cursor, row))
			return SL_ENOMEM;
		st->has_last = true;
		st->nhashes = 0;
	}
	return sl_table_state_add_hash(st, boundary_hash(run, batch, row));
}

/* Keyset mode: the state is the last row kept, since rows come in boundary order. */
static int advance_keyset(sl_incremental_run *run, const sl_batch *batch, size_t row)
{
	sl_table_state *st = run->state;
	if (sl_value_from_batch(&st->last_value, batch, (size_t)run->cursor, row))
		return SL_ENOMEM;
	st->has_last = true;
	if (st->npk != run->npk) {
		for (size_t i = 0; i < st->npk; i++)
			free(st->last_pk[i]);
		free(st->last_pk);
		st->npk = 0;
		st->last_pk = sl_calloc(run->npk, sizeof(char *));
		if (!st->last_pk)
			return SL_ENOMEM;
		st->npk = run->npk;
	}
	for (size_t i = 0; i < run->npk; i++) {
		sl_buf b = SL_BUF_INIT;
		sl_value_format_batch(&b, batch, run->pk[i], row);
		free(st->last_pk[i]);
		st->last_pk[i] = sl_buf_detach(&b);
		if (!st->last_pk[i])
			return SL_ENOMEM;
	}
	/* out of the lag window: the next run steps back again */
	if (st->has_lag_until && sl_value_compare(&st->last_value, &st->lag_until) >= 0)
		st->has_lag_until = false;
	return SL_OK;
}

static int remember_last_read(sl_incremental_run *run, const sl_batch *batch, size_t row)
{
	if (!run->norder)
		return SL_OK;
	if (!run->after) {
		run->after = sl_calloc(run->norder, sizeof(sl_value));
		if (!run->after)
			return SL_ENOMEM;
		for (size_t i = 0; i < run->norder; i++)
			run->after[i] = (sl_value)SL_VALUE_INIT;
	}
	for (size_t i = 0; i < run->norder; i++)
		if (sl_value_from_batch(&run->after[i], batch, run->order[i], row))
			return SL_ENOMEM;
	run->have_after = true;
	return SL_OK;
}

static int decide_null_cursor(sl_incremental_run *run, const sl_batch *batch, size_t row,
			      bool *keep)
{
	switch (run->hint.on_cursor_value_missing) {
	case SL_MISSING_CURSOR_INCLUDE:
		run->null_cursor_rows++;
		run->state->nulls_loaded = true;
		*keep = true;
		return SL_OK;
	case SL_MISSING_CURSOR_EXCLUDE:
		run->null_cursor_rows++;
		return SL_OK;
	case SL_MISSING_CURSOR_RAISE:
		break;
	}
	return null_cursor_error(run, batch, row);
}

static int decide_row(sl_incremental_run *run, const sl_batch *batch, size_t row, bool *keep)
{
	*keep = false;
	if (!sl_batch_is_valid(batch, (size_t)run->cursor, row))
		return decide_null_cursor(run, batch, row, keep);
	if (run->plan.seen_pk && sl_batch_is_valid(batch, run->seen_col, row) &&
	    ((const uint8_t *)batch->columns[run->seen_col].data)[row])
		return SL_OK;
	if (run->mode == SL_BOUNDARY_HASH && seen_by_hash(run, batch, row))
		return SL_OK;
	*keep = true;
	return run->mode == SL_BOUNDARY_HASH ? advance_hash(run, batch, row)
					     : advance_keyset(run, batch, row);
}

int sl_incremental_filter(sl_incremental_run *run, const sl_batch *batch, bool *keep)
{
	if (run->mode == SL_BOUNDARY_NONE) {
		for (size_t r = 0; r < batch->nrows; r++)
			keep[r] = true;
		return (int)batch->nrows;
	}
	size_t kept = 0;
	for (size_t r = 0; r < batch->nrows; r++) {
		int rc = decide_row(run, batch, r, &keep[r]);
		if (rc)
			return rc;
		kept += keep[r];
	}
	if (batch->nrows) {
		int rc = remember_last_read(run, batch, batch->nrows - 1);
		if (rc)
			return rc;
	}
	return (int)kept;
}

int sl_incremental_continue(sl_incremental_run *run, uint64_t max_rows)
{
	if (!run->have_after)
		return sl_error_set(SL_ESTATE, "table '%s': nothing read to continue from",
				    run->table);
	run->plan.after = run->after;
	/* the seen flag stays: when more rows share the boundary value than one LIMIT reads, rows
	   after the last one read can still be at or before the last key loaded */
	run->plan.include_null_cursor = false;
	run->plan.limit = max_rows;
	return SL_OK;
}

static void free_values(sl_value *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		sl_value_clear(&v[i]);
	free(v);
}

void sl_incremental_free(sl_incremental_run *run)
{
	sl_value_clear(&run->lower);
	sl_value_clear(&run->upper);
	sl_value_clear(&run->seen_cursor);
	sl_value_clear(&run->start_last);
	free_values(run->seen_pk, run->seen_pk ? run->npk : 0);
	free_values(run->after, run->norder);
	free(run->order);
	free(run->pk);
	free(run->start_hashes);
	memset(run, 0, sizeof(*run));
}
