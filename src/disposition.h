/*
 * disposition.h — write dispositions as strategies: what `append`, `replace` and `merge`
 * do to the destination table at each step of a table's load. The pipeline (pipeline.c) streams
 * rows and commits chunks; it asks the table's disposition where the rows go and what each
 * chunk's transaction holds besides them, and never tests which disposition it has.
 *
 * A new disposition is one file under dispositions/ and one line in disposition.c.
 */
#ifndef SL_DISPOSITION_H
#define SL_DISPOSITION_H

#include "pipeline.h"

/* One table being loaded, as a disposition sees it. */
typedef struct sl_load_table {
	sl_pipeline *p;		       /* destination driver, connection and dataset */
	const sl_source_table *spec;   /* the table's hints */
	const char *table;	       /* the destination table, which names the state too */
	const char *load_id;	       /* this load's, which loaded rows carry; NULL: none */
	const sl_table_schema *schema; /* the source table's columns, with the key in use */
	sl_table_state *state;	       /* the incremental state the rows so far leave */
	char *target;		       /* where prepare wants rows appended (owned) */
	bool state_written;	       /* the open transaction holds the state (to mirror it) */
	uint64_t rows_deleted;	       /* destination rows this load deleted */
	void *own;		       /* the disposition's own, freed by its release */
} sl_load_table;

typedef struct sl_disposition {
	const char *name; /* "append" */
	/* The cursor filters what is read; else every run reads the whole table. */
	bool incremental;
	/* The table keeps its rows from run to run, so a change of the source's columns is
	   applied to it in place; else each run rebuilds it with the source's columns. */
	bool keeps_rows;
	/* A row loaded again replaces itself (upsert), so the lag hint may re-read loaded rows. */
	bool upserts;

	/* Whether the table's hints suit the disposition, right after the source table was
	   reflected, before anything is read or written; may be NULL. */
	int (*check)(const sl_source_table *spec, const sl_table_schema *schema);
	/* Before the first chunk: set t->target and make it ready for appends (outside
	   transactions). */
	int (*prepare)(sl_load_table *t);
	/* Each batch of new rows, before it is appended; may be NULL. */
	int (*appending)(sl_load_table *t, const sl_batch *batch);
	/* In a chunk's transaction, after its rows were appended, before COMMIT. */
	int (*end_chunk)(sl_load_table *t);
	/* After the last chunk committed (outside transactions); may be NULL. */
	int (*finish)(sl_load_table *t);
	/* The load failed and its open chunk was rolled back: undo what prepare made that must
	   not stay (outside transactions); may be NULL. Failures here are not reported. */
	void (*abort)(sl_load_table *t);
	/* Free t->own: called last, whatever happened; may be NULL. */
	void (*release)(sl_load_table *t);
} sl_disposition;

extern const sl_disposition sl_append_disposition;
extern const sl_disposition sl_replace_disposition;
extern const sl_disposition sl_merge_disposition;

/* Write the table's state into the open transaction, noting it for the mirror. */
int sl_disposition_write_state(sl_load_table *t);

/* The disposition a table's hint asks for; the default is append for a table with a cursor,
   replace for one without. */
const sl_disposition *sl_disposition_for(sl_write_disposition hint, bool has_cursor);

/* The disposition called `name` ("merge"), or NULL. */
const sl_disposition *sl_disposition_named(const char *name);

#endif
