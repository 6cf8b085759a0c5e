/*
 * state.h — the incremental state of one table of one pipeline: where the cursor stands and what
 * identifies the rows already loaded at that exact cursor value. Serialised as JSON (jansson); the
 * destination's _sluice_state table holds the truth, a local file mirrors it.
 *
 * Boundary identity, constant size with a primary key: the rows loaded at `last_value` are those
 * ordered up to and including `last_pk` (the pipeline orders by cursor, then key). Without a key,
 * or without a usable order, `hashes` holds one 64-bit hash per row at `last_value` (dlt's way).
 */
#ifndef SL_STATE_H
#define SL_STATE_H

#include "value.h"

#define SL_STATE_VERSION 1

typedef struct sl_table_state {
	char *table;	     /* table name as selected */
	char *cursor;	     /* cursor column, NULL for tables without incremental loading */
	bool has_last;	     /* last_value is set */
	sl_value last_value; /* the boundary cursor value (type of the cursor column) */
	size_t npk;	     /* number of key values in last_pk (0: hash mode or no boundary) */
	char **last_pk;	     /* key of the last row loaded at last_value, canonical text */
	size_t nhashes;
	uint64_t *hashes;     /* hash mode: hashes of the rows loaded at last_value */
	uint64_t rows_loaded; /* rows loaded into the destination over all runs */
	uint64_t runs;	      /* runs that loaded this table */
	bool nulls_loaded;    /* rows with a NULL cursor were loaded (on_cursor_value_missing
	                         include): they are not read again */
	/* lag: a run that re-reads the rows from last_value - lag remembers here the last value it
	   started from; until the position passes it, later runs resume where the last one
	   stopped instead of stepping back again (or a window larger than one run's limit would
	   never be got through) */
	bool has_lag_until;
	sl_value lag_until;
	char *disposition; /* the write disposition that wrote it ("append", "merge"...);
	                         NULL: not recorded (a sluice before merge) */
} sl_table_state;

void sl_table_state_init(sl_table_state *state);
void sl_table_state_clear(sl_table_state *state);

/* Serialise (caller frees). */
char *sl_table_state_to_json(const sl_table_state *state);

/*
 * Parse JSON written by sl_table_state_to_json. The cursor's type comes from the reflected
 * column (`cursor_type` etc.), so a value is always read as what the column now is. A state of
 * a newer version, or malformed (not JSON, a known key of the wrong type, a last_value that does
 * not parse as the cursor's type), is SL_ESTATE naming the table and what is wrong.
 */
int sl_table_state_from_json(sl_table_state *out, const char *json, const char *table,
			     sl_type cursor_type, int precision, int scale);

/*
 * The same for the run of `table` with cursor column `cursor` (NULL: none): a state kept for
 * another cursor keeps only its counters (the position of another column does not apply). The
 * result names `cursor`, and an empty last_value has the cursor's type. What the pipeline reads
 * from the destination, and what fuzz/fuzz_state.c drives.
 */
int sl_table_state_decode(sl_table_state *out, const char *json, const char *table,
			  const char *cursor, sl_type cursor_type, int precision, int scale);

/* Add a hash to the boundary set (hash mode). */
int sl_table_state_add_hash(sl_table_state *state, uint64_t hash);
bool sl_table_state_has_hash(const sl_table_state *state, uint64_t hash);

/* Make a message quoting a damaged file (e.g. jansson's "near '...'") one line: control
   characters in `text` become '?', in place. Returns `text`. */
char *sl_one_line(char *text);

/* Write `text` to `path` atomically (temp file + rename), creating parent directories;
   `mode` e.g. 0600 for credentials. */
int sl_write_file_atomic(const char *path, const char *text, unsigned mode);

/* Create the missing parent directories of `path` (mode 0700). */
int sl_make_parents(const char *path);
/* Read a whole file (caller frees); SL_ENOTFOUND if missing. */
int sl_read_file(char **out, const char *path);

#endif
