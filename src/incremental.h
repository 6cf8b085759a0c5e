/*
 * incremental.h — the incremental boundary: turns a table's hints and state into a scan plan,
 * decides row by row which fetched rows are new, and advances the state from the rows kept.
 * Knows nothing of drivers (it only fills an sl_scan_plan) nor of destinations.
 *
 * Two ways to know which rows at the boundary value were loaded already:
 *  - keyset (ordered by cursor then primary key, order matching last_value_func): the state keeps
 *    (last cursor value, key of the last row loaded). The source computes, per row, whether
 *    (cursor = v AND key <= k) with its own collation, so the state stays constant-size.
 *  - hash (no primary key, row_order none, or an order against last_value_func): the state keeps
 *    one 64-bit hash per row loaded at the last cursor value (dlt's way).
 */
#ifndef SL_INCREMENTAL_H
#define SL_INCREMENTAL_H

#include "source.h"
#include "state.h"

typedef enum sl_boundary_mode {
	SL_BOUNDARY_NONE, /* no cursor: every row is new */
	SL_BOUNDARY_KEYSET,
	SL_BOUNDARY_HASH
} sl_boundary_mode;

typedef struct sl_incremental_run {
	const sl_table_schema *schema;
	const char *table;     /* for messages */
	sl_incremental hint;   /* strings borrowed from the source's hints */
	sl_table_state *state; /* advanced as rows are kept; owned by the caller */
	sl_boundary_mode mode;
	int cursor;   /* column index, -1 without a cursor */
	bool forward; /* last_value_func max: the cursor moves up */
	size_t npk;
	size_t *pk; /* key columns (hint or reflected) */

	/* the plan and the values it points to (owned) */
	sl_scan_plan plan;
	sl_value lower, upper;
	size_t *order; /* cursor, then key columns */
	size_t norder;
	sl_value seen_cursor;
	sl_value *seen_pk;
	sl_value *after; /* last row read (order columns), for continuing after LIMIT */
	bool have_after;
	size_t seen_col; /* batch column of the server-computed seen flag */

	/* hash mode: the boundary set as it was when the run started */
	bool hash_whole_rows; /* hash all columns even with a key: the state's hashes were */
	size_t nstart_hashes;
	uint64_t *start_hashes;
	sl_value start_last;

	uint64_t null_cursor_rows; /* rows with a NULL cursor seen (include/exclude modes) */
	bool lag_window;	   /* this run re-reads from last_value - lag */
} sl_incremental_run;

/*
 * Resolve hints against the reflected schema (cursor and key columns must exist; the cursor type
 * must be orderable; initial/end values must parse) and build the first scan plan.
 * `primary_key` is the comma-separated hint or NULL for the reflected key. `limited`: the run may
 * stop before the source is exhausted (a chunk or time limit); `max_rows` > 0 asks for a LIMIT
 * when it is safe to continue after it. `state` may be fresh (no last value).
 */
int sl_incremental_prepare(sl_incremental_run *run, const sl_table_schema *schema,
			   const char *table, const sl_incremental *hint, const char *primary_key,
			   sl_table_state *state, bool limited, uint64_t max_rows);

/* Whether a LIMIT was put in the plan (and so sl_incremental_continue may follow). */
bool sl_incremental_limited(const sl_incremental_run *run);

/*
 * Decide for each fetched row of `batch` whether it is new (keep[row]); advance the state from
 * the kept rows; remember the last row read. SL_ECURSOR for a NULL cursor in raise mode (the
 * message names table, column and the row's key). Returns the number of rows kept.
 */
int sl_incremental_filter(sl_incremental_run *run, const sl_batch *batch, bool *keep);

/* Re-plan to continue right after the last row read (keyset), with a fresh LIMIT. */
int sl_incremental_continue(sl_incremental_run *run, uint64_t max_rows);

void sl_incremental_free(sl_incremental_run *run);

/* 64-bit hash of a whole row (or of the given columns), stable across runs and machines. */
uint64_t sl_row_hash(const sl_batch *batch, size_t row, const size_t *cols, size_t ncols);

#endif
