/*
 * pipeline.h — internals shared by pipeline.c (running), pipeline_meta.c (the bookkeeping in
 * the destination and the local mirror), pipeline_lock.c, status.c, reset.c, dataset.c (reading
 * back) and the write dispositions.
 */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H

#include "destination.h"
#include "interrupt.h"
#include "schema_change.h"
#include "source_spec.h"
#include "state.h"

#include <pthread.h>
#include <stdatomic.h>

/* The _sluice_loads status of a reset that kept rows its table's next run loads again. */
#define SL_LOAD_RESET_KEEP_DATA "reset_keep_data"

/* Layout of the local pipeline.json ("version"; a file without it is version 1). A reader
   refuses a newer one rather than guess at it. */
#define SL_MIRROR_VERSION 1

/* The most tables a run loads at once (sl_pipeline_options.workers). */
#define SL_MAX_WORKERS 64

struct sl_pipeline {
	char *name;
	char *destination;	 /* destination URL, with its password if it has one */
	char *destination_shown; /* the same with the password as *** (messages, files) */
	char *dataset;		 /* with the dev-mode suffix */
	char *pipelines_dir;	 /* root of local mirrors */
	char *memory_limit;	 /* the destination's memory_limit setting; NULL: none given */
	bool no_load_id;
	void (*on_progress)(void *ctx, const sl_progress *progress);
	void *progress_ctx;
	unsigned workers; /* tables loaded at once, at least 1 */

	/* the destination, opened on first use and kept until sl_pipeline_free (DuckDB allows one
	   writer process per file; keeping it lets the dataset accessor share the connection) */
	sl_url *dest_url;
	const sl_destination_driver *dest_driver;
	sl_dest_conn *dest;

	/* the source connection kept from one run to the next (keep_connections), with the URL it
	   reads (a copy, password included: wiped when freed); NULL between runs otherwise */
	bool keep_connections;
	struct sl_source_conn *kept_source;
	char *kept_source_url;

	/* one run at a time (pipeline_lock.c) */
	double wait_lock;	/* seconds to wait for the lock; < 0: no limit */
	int lock_fd;		/* the flock(2)ed lock file while locked, else -1 */
	bool dest_locked;	/* the destination's own lock (PostgreSQL advisory lock) is held */
	sl_interrupt interrupt; /* set by sl_pipeline_interrupt, consumed by the run it stops */

	/* A parallel run (workers.c): each worker but the first sees the pipeline through a view,
	   a copy of this struct whose `owner` points here and which owns only its `dest` (see
	   sl_pipeline_view_new). A view's interrupt is `intr`, a slot here that
	   sl_pipeline_interrupt raises with the pipeline's own; in the pipeline, intr is
	   &interrupt. `serial` (the owner's) orders what the workers share: the local mirror and
	   the progress callback. */
	sl_pipeline *owner;
	sl_interrupt *intr;
	sl_interrupt view_interrupts[SL_MAX_WORKERS];
	pthread_mutex_t serial;
};

/* A view of `p` for worker `k` (1 .. SL_MAX_WORKERS-1) of a parallel run, with a destination
   connection of its own (open_sibling). Freed with sl_pipeline_view_free. */
int sl_pipeline_view_new(sl_pipeline **out, sl_pipeline *p, unsigned k);
void sl_pipeline_view_free(sl_pipeline *view);

/* The mutex that orders what a pipeline's workers share (its owner's). */
pthread_mutex_t *sl_pipeline_serial(sl_pipeline *p);

/*
 * Take the pipeline's lock for a run and connect the destination (which may be locked too: a
 * DuckDB file held by another process), waiting up to `wait` seconds (< 0: no limit) while
 * another run holds either. SL_ELOCKED names the pipeline and, when known, the holder.
 */
int sl_pipeline_lock(sl_pipeline *p, double wait);

/* Release what sl_pipeline_lock took (the destination stays open). No-op when not locked. */
void sl_pipeline_unlock(sl_pipeline *p);

/* Who holds a pipeline's lock, as its lock file says. */
typedef struct sl_lock_holder {
	long pid;	  /* 0 if the file does not say */
	char holder[256]; /* "pid 4242 on etl-host" */
	char since[32];	  /* when it took the lock, "2026-01-31 12:00:00" UTC, or "" */
} sl_lock_holder;

/* Whether a run or reset on this machine holds the pipeline's lock now, found without taking
   it; `out` describes the holder when it does. False where the system cannot tell. */
bool sl_pipeline_lock_held(sl_lock_holder *out, const sl_pipeline *p);

/* Whether sl_pipeline_interrupt was called and the interrupt not yet consumed. */
bool sl_pipeline_interrupted(sl_pipeline *p);

/* Open the destination if not yet open and make sure the dataset and bookkeeping tables exist. */
int sl_pipeline_connect(sl_pipeline *p);

/* Drop `table` of the pipeline's dataset, if it exists. */
int sl_pipeline_drop_table(sl_pipeline *p, const char *table);

/* Rows in `table` of the pipeline's dataset; 0 if there is no such table. */
int sl_pipeline_count_rows(int64_t *out, sl_pipeline *p, const char *table);

/* Read a table's state from the destination; a fresh state if none. */
int sl_pipeline_read_state(sl_table_state *out, sl_pipeline *p, const char *table,
			   const char *cursor, sl_type cursor_type, int precision, int scale);

/* Write a table's state into the open transaction. */
int sl_pipeline_write_state(sl_pipeline *p, const sl_table_state *state);

/* Record one table's run in _sluice_loads, into the open transaction. */
int sl_pipeline_write_load(sl_pipeline *p, const char *load_id, const sl_table_load *t,
			   const char *started, const char *finished, const char *status);

/* The same in a transaction of its own, committed (outside chunk transactions). */
int sl_pipeline_commit_load(sl_pipeline *p, const char *load_id, const sl_table_load *t,
			    const char *started, const char *finished, const char *status);

/* The columns of `table` that recorded schema changes say are dropped from the source (and kept
   in the destination); free with sl_name_set_clear. */
int sl_pipeline_dropped_columns(sl_name_set *out, sl_pipeline *p, const char *table);

/* The table's last recorded schema change for people (caller frees); NULL if none. */
int sl_pipeline_last_schema_change(char **out, sl_pipeline *p, const char *table);

/* Mirror what is needed to reopen the pipeline, ask for status and run it again into the local
   directory. The record keeps the tables of earlier runs of the same source URL (this run's
   selections replace their entries); another source URL starts it afresh. */
int sl_pipeline_write_mirror(sl_pipeline *p, const sl_source *source);

/* Copy the state of the given table from the destination into the local state mirror. */
int sl_pipeline_mirror_state(sl_pipeline *p, const sl_table_state *state);

/* Remove a table's state (NULL: every table's) from the local state mirror; best effort. */
void sl_pipeline_unmirror_state(sl_pipeline *p, const char *table);

/* Set p->destination (taking `url`) and p->destination_shown. */
int sl_pipeline_set_destination(sl_pipeline *p, char *url);

/* "2024-01-31 12:00:00.123456" for now, UTC. */
void sl_now_utc(char *buf, size_t size);
double sl_monotonic_seconds(void);

#endif
