/*
 * prefetch.h — a source scan read ahead on its own thread.
 *
 * The time of a load is the source's time (reading and decoding rows) plus the destination's
 * (DuckDB appending, compressing, committing) when they run one after the other, and the larger
 * of the two when they overlap on two cores. A prefetcher runs the driver's scan_next on a reader
 * thread into a queue of batches while the pipeline's thread appends and commits the batches
 * read before, and the source's server goes on shipping rows while DuckDB commits and
 * checkpoints: the reader may run up to one chunk, and a bounded number of bytes, ahead.
 *
 * The batches come in the sizes the pipeline would have asked for itself: never straddling a
 * chunk boundary (see pipeline.c), so a chunk's last batch still ends where its state is taken.
 * While a prefetcher runs, its thread alone uses the source connection.
 */
#ifndef SL_PREFETCH_H
#define SL_PREFETCH_H

#include "batch.h"
#include "source.h"

typedef struct sl_prefetch sl_prefetch;

/*
 * Start reading `scan` ahead. Batches have the columns of `schema` plus `seen_flags` trailing
 * BOOL columns (sl_batch_new); `chunk_size` rows make a chunk, of which `chunk_read` were read before this scan.
 * The scan stays the caller's: close it after sl_prefetch_stop.
 */
int sl_prefetch_start(sl_prefetch **out, sl_scan *scan, const sl_table_schema *schema,
		      size_t seen_flags, uint64_t chunk_size, uint64_t chunk_read);

/*
 * The next batch read: returns its row count with *batch pointing to it (the caller may filter
 * it; it is the caller's until the next call), 0 when the scan is exhausted, or the scan's error
 * code with its message set on the calling thread; *batch then holds the rows the failed read
 * had read (or is NULL), to count them.
 */
int sl_prefetch_next(sl_prefetch *pf, sl_batch **batch);

/* Stop reading (waiting for the batch being read, if any) and free everything. NULL is a no-op. */
void sl_prefetch_stop(sl_prefetch *pf);

#endif
