/*
 * schema_change.h — how a source table's schema has moved away from its destination table since
 * the last run, and what the destination must do to keep loading: add a column, widen a column's
 * type, stop requiring a value. A change the destination cannot follow without losing data (text
 * into an integer column) is an error found here, before anything is written.
 *
 * The changes are recorded as JSON in the _sluice_loads row of the run that made them.
 */
#ifndef SL_SCHEMA_CHANGE_H
#define SL_SCHEMA_CHANGE_H

#include "schema.h"

/* A destination column whose native type has no portable equivalent: the pipeline leaves it to
   the appender to take the source's values or refuse them. */
#define SL_TYPE_UNKNOWN SL_TYPE__COUNT

typedef enum sl_change_kind {
	SL_CHANGE_ADDED,    /* new in the source: ADD COLUMN, older rows NULL */
	SL_CHANGE_WIDENED,  /* the destination column's type widened to hold the source's values */
	SL_CHANGE_NULLABLE, /* the source column may be NULL now: DROP NOT NULL */
	SL_CHANGE_DROPPED,  /* gone from the source: kept, NULL from now on */
	SL_CHANGE_RESTORED, /* back in the source after it was dropped */
	SL_CHANGE_REMOVED,  /* replace: gone from the source, so from the rebuilt table too */
	SL_CHANGE_RETYPED   /* replace: the rebuilt table has the source's new type */
} sl_change_kind;

typedef struct sl_column_change {
	sl_change_kind kind;
	/* ADDED, RETYPED: the source column; WIDENED: the destination column with its new type;
	   otherwise the destination column. Strings owned. */
	sl_column column;
	char *old_type; /* WIDENED, RETYPED: the destination's type before, e.g. "INTEGER" */
} sl_column_change;

typedef struct sl_schema_diff {
	size_t n;
	sl_column_change *changes; /* owned */
} sl_schema_diff;

/* A set of column names (compared ignoring case, like DuckDB's and the pipeline's lookups). */
typedef struct sl_name_set {
	size_t n;
	char **names; /* owned */
} sl_name_set;

/*
 * The changes that take the destination table `dest` (NULL: not created yet, no changes) to one
 * that can load `src`. `dropped` holds the columns recorded as dropped by earlier runs, so a drop
 * is recorded once. With `replace` the table is rebuilt from `src`: every difference is fine and
 * only recorded. Otherwise a change the destination cannot follow is SL_ETYPE naming the table,
 * the column and both types. *out is empty (n == 0) when nothing changed; free it with
 * sl_schema_diff_free.
 */
int sl_schema_diff_compute(sl_schema_diff *out, const sl_table_schema *dest,
			   const sl_table_schema *src, const sl_name_set *dropped, bool replace);

void sl_schema_diff_free(sl_schema_diff *diff);

/* The changes as a JSON array (caller frees), e.g. [{"column":"qty","change":"widened",
   "from":"INTEGER","to":"BIGINT"}]; NULL when there are none or out of memory. */
char *sl_schema_diff_json(const sl_schema_diff *diff);

/* Follow one recorded JSON array: its dropped columns join `set`, its added, restored and
   removed ones leave it. Text that is not such an array is ignored. */
int sl_schema_changes_fold(sl_name_set *set, const char *json);

/* A recorded JSON array as one line for people: "added note TEXT; widened qty INTEGER ->
   BIGINT". NULL when `json` holds no change (caller frees). */
char *sl_schema_changes_text(const char *json);

/* "DECIMAL(12,2)", "BIGINT": a column's portable type with its parameters. */
void sl_column_type_text(char *buf, size_t size, const sl_column *col);

bool sl_name_set_has(const sl_name_set *set, const char *name);
void sl_name_set_clear(sl_name_set *set);

#endif
