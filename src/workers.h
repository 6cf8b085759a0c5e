/*
 * workers.h — a run's tables loaded several at once (sl_pipeline_options.workers).
 *
 * Each worker has a source connection and a destination connection of its own, so each table
 * keeps its own chunk transactions exactly as in a run that loads one table after another; the
 * workers only share the next-table counter, the local mirror and the progress callback (both
 * under the pipeline's `serial` mutex). The first worker is the calling thread with the
 * pipeline itself and the connection the run reflected the tables with.
 */
#ifndef SL_WORKERS_H
#define SL_WORKERS_H

#include "pipeline.h"
#include "source.h"

/* Load table `index` of the run through `pipeline` (the pipeline or a worker's view of it) and
   `conn`; records its own outcome (a failed table does not stop the others). */
typedef void (*sl_table_job)(void *ctx, size_t index, sl_pipeline *pipeline, sl_source_conn *conn);

/*
 * Call `job` for every index in [0, ntables), at most p->workers at once, in index order of
 * starting; no table starts once the pipeline is interrupted. `conn` is the first worker's
 * source connection. Fails (before any table starts) only when a worker's connections cannot
 * be opened, naming them.
 */
int sl_workers_run(sl_pipeline *p, const sl_source *source, sl_source_conn *conn, size_t ntables,
		   sl_table_job job, void *ctx);

#endif
