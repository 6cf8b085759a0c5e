/*
 * source_spec.h — what a user asked to load (the public sl_source): a URL, the tables, their
 * hints, the chunk size and the run limits. Pure data; nothing connects until a pipeline runs.
 */
#ifndef SL_SOURCE_SPEC_H
#define SL_SOURCE_SPEC_H

#include "common.h"
#include "interrupt.h"
#include "schema.h"

#define SL_DEFAULT_CHUNK_SIZE 50000
#define SL_MAX_CHUNK_SIZE     100000000

typedef struct sl_source_table {
	char *name;	   /* as selected: "family" or "schema.family" */
	char *table_name;  /* destination table hint, NULL: the reflected name */
	char *primary_key; /* hint, NULL: reflected */
	char *merge_key;   /* merge: the columns that match destination rows, NULL: the key */
	char *hard_delete_column;   /* merge: the column flagging deleted rows, or NULL */
	bool sync_deletes;	    /* delete what the source no longer has after a full read */
	sl_incremental incremental; /* strings owned (copies of the hint's) */
	sl_write_disposition write_disposition;
	char *columns;	       /* comma-separated columns to load, NULL: all */
	char *exclude_columns; /* comma-separated columns not to load, NULL: none */
	size_t chunk_size;     /* rows per committed chunk, 0: the source's */
} sl_source_table;

struct sl_source {
	char *url; /* as given; holds the password: never print it */
	/* the selections as given: names or glob patterns ("*" for every table), each with its
	   hints; a run resolves them against the database into concrete tables */
	size_t ntables;
	sl_source_table *tables;
	char **excludes; /* names or glob patterns left out */
	size_t nexcludes;
	bool include_views; /* patterns match views too */
	size_t chunk_size;
	size_t max_chunks;  /* 0: none */
	double max_seconds; /* 0: none */
	unsigned retries;   /* connection retries at the start of a run */
};

/* Rows per committed chunk of `table`: its own hint, else the source's. */
size_t sl_source_chunk_size(const sl_source *source, const sl_source_table *table);

/* The table spec called `name`, or NULL. */
sl_source_table *sl_source_find_table(const sl_source *source, const char *name);

/* Free what `t` holds (the struct itself is the caller's). */
void sl_source_table_clear(sl_source_table *t);

/* `src`'s hints, copied into `dst` under the name `name`; on failure `dst` holds what was copied,
   for sl_source_table_clear. */
int sl_source_table_copy(sl_source_table *dst, const sl_source_table *src, const char *name);

/* The destination table of `table`, whose reflected name is `reflected`: its table_name hint, or
   the source table's own name. The table's incremental state is kept under this name too. */
const char *sl_source_table_destination(const sl_source_table *table, const char *reflected);

/* Fail, naming both, when two of `source`'s tables load into one destination table: `reflected`
   holds each table's reflected name. Compared without case, as DuckDB does. */
int sl_source_check_destinations(const sl_source *source, const char *const *reflected);

/* True when a selection is a glob pattern (holds `*`, `?` or `[`) rather than a name. */
bool sl_source_is_pattern(const char *selection);

/*
 * The tables `spec` selects in the database `conn` reads (source_select.c): a new source (caller
 * frees) whose tables are concrete, each with the hints of its exact name, else of the first
 * pattern that matches it, the excluded ones left out; the other fields copied. Names are kept
 * as given and not looked up (a missing table fails when it is reflected, as it always did);
 * the database's tables are listed only when a selection is a pattern. SL_ENOTFOUND names a
 * pattern that matches no table; no table left after the exclusions fails too.
 */
struct sl_source_conn;
int sl_source_resolve(sl_source **out, const sl_source *spec, struct sl_source_conn *conn);

/* Narrow a reflected table to the `columns` hint minus `exclude_columns` (source_select.c).
   A name that is not a column, or the key, cursor, merge key or hard delete column left out,
   fails with a message naming table and column. */
int sl_source_table_select_columns(const sl_source_table *spec, sl_table_schema *schema);

/* Connect to the source's database with the driver its URL names. */
int sl_source_connect(struct sl_source_conn **out, const sl_source *source);

/* The same for a run: the connection watches `intr` (see interrupt.h), and a refused or
   unreachable server (SL_ECONNECT) is retried source->retries times with a backoff;
   SL_EINTERRUPTED when `intr` is raised while it connects or waits. */
int sl_source_connect_retrying(struct sl_source_conn **out, const sl_source *source,
			       sl_interrupt *intr);

#endif
