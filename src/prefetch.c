/*
 * prefetch.c — a source scan read ahead on its own thread (see prefetch.h).
 *
 * Two threads share a queue of read batches and a stack of spare ones under one mutex. The
 * reader takes a spare batch (or makes one while the queue is under its bounds), fills it without
 * holding the lock, and queues it; the pipeline's thread takes the queued batches in order and
 * holds one at a time (the batch it is filtering and appending) until it asks for the next,
 * which gives the held one back as a spare.
 *
 * The reader stops after a batch with no rows (the scan ended) or an error, whose code and message
 * it keeps for the pipeline's thread: errors are thread-local (error.c).
 */
#include "prefetch.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * How far the reader may run ahead: while the pipeline's thread commits a chunk (DuckDB
 * checkpoints about every other 100k-row commit), the reader goes on reading, up to this many
 * bytes of batches or one chunk of rows, whichever comes first. A batch of the benchmark's rows
 * is ~0.35 MB, so 8 MB is ~23 batches, ~47k rows: past a commit at the reading speed of a local
 * server (bench/README.md, "Threads"), and a bounded 8 MB of memory whatever the table.
 */
#define PREFETCH_BYTES	 ((size_t)8 << 20)
#define PREFETCH_BATCHES 64 /* at most, however small the rows */

typedef struct queued {
	sl_batch *batch; /* NULL when making it failed */
	int result;	 /* scan_next's return for it */
	size_t bytes;	 /* its memory when queued (sl_batch_bytes) */
} queued;

struct sl_prefetch {
	sl_scan *scan;
	const sl_table_schema *schema;
	size_t seen_flags;
	uint64_t chunk_size;
	uint64_t chunk_read; /* the reader's position in its chunk */

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a batch was queued or given back, or stop was asked */

	sl_batch *all[PREFETCH_BATCHES]; /* every batch made, to free them */
	size_t nall;
	queued queue[PREFETCH_BATCHES]; /* read and not taken yet, oldest at `head` */
	size_t head, nqueued;
	size_t queued_bytes;
	uint64_t queued_rows;
	sl_batch *spare[PREFETCH_BATCHES]; /* given back, to read into again */
	size_t nspare;
	bool stopping;

	/* the pipeline's thread's own */
	sl_batch *held;
	bool ended; /* it took the last result */
	int last;   /* that result: 0 or an error code */

	int error_code; /* the reader's error, copied from its thread */
	char error_message[1024];
};

/* A new batch may be made: the queue is under its bounds. Called with the lock held. */
static bool room_to_grow(const sl_prefetch *pf)
{
	return pf->nall < PREFETCH_BATCHES && pf->queued_bytes < PREFETCH_BYTES &&
	       pf->queued_rows < pf->chunk_size;
}

/* The batch to read into next: a spare one, or a new one when there is room; NULL when asked to
   stop. *made_failed is set when a new batch could not be allocated. */
static sl_batch *batch_to_fill(sl_prefetch *pf, bool *made_failed)
{
	pthread_mutex_lock(&pf->lock);
	while (!pf->stopping && pf->nspare == 0 && !room_to_grow(pf))
		pthread_cond_wait(&pf->changed, &pf->lock);
	bool stop = pf->stopping;
	sl_batch *b = !stop && pf->nspare ? pf->spare[--pf->nspare] : NULL;
	pthread_mutex_unlock(&pf->lock);
	if (stop || b)
		return b;
	b = sl_batch_new(pf->schema, pf->seen_flags);
	if (b)
		pf->all[pf->nall++] = b; /* read by sl_prefetch_stop only after the join */
	*made_failed = b == NULL;
	return b;
}

static void enqueue(sl_prefetch *pf, sl_batch *b, int n)
{
	queued q = {b, n, b ? sl_batch_bytes(b) : 0};
	pthread_mutex_lock(&pf->lock);
	pf->queue[(pf->head + pf->nqueued) % PREFETCH_BATCHES] = q;
	pf->nqueued++;
	pf->queued_bytes += q.bytes;
	pf->queued_rows += n > 0 ? (uint64_t)n : 0;
	pthread_cond_signal(&pf->changed);
	pthread_mutex_unlock(&pf->lock);
}

static void keep_error(sl_prefetch *pf, int n)
{
	const sl_error *e = sl_error_last();
	pf->error_code = e->code != SL_OK ? e->code : n;
	snprintf(pf->error_message, sizeof(pf->error_message), "%s", e->message);
}

static void *read_ahead(void *arg)
{
	sl_prefetch *pf = arg;
	int n;
	do {
		bool made_failed = false;
		sl_batch *b = batch_to_fill(pf, &made_failed);
		if (!b && !made_failed)
			break; /* asked to stop */
		if (b) {
			sl_batch_reset_in_chunk(b, pf->chunk_size, pf->chunk_read);
			n = pf->scan->driver->scan_next(pf->scan, b);
		} else {
			n = sl_error_set(SL_ENOMEM, "out of memory reading ahead");
		}
		if (n > 0) {
			pf->chunk_read += (uint64_t)n;
			if (pf->chunk_read == pf->chunk_size)
				pf->chunk_read = 0;
		} else if (n < 0) {
			keep_error(pf, n);
		}
		enqueue(pf, b, n);
	} while (n > 0);
	return NULL;
}

static void free_batches(sl_prefetch *pf)
{
	for (size_t i = 0; i < pf->nall; i++)
		sl_batch_free(pf->all[i]);
}

int sl_prefetch_start(sl_prefetch **out, sl_scan *scan, const sl_table_schema *schema,
		      size_t seen_flags, uint64_t chunk_size, uint64_t chunk_read)
{
	*out = NULL;
	if (chunk_size == 0 || chunk_read >= chunk_size)
		return sl_error_set(SL_EINVAL, "prefetch: %llu rows read of a %llu-row chunk",
				    (unsigned long long)chunk_read, (unsigned long long)chunk_size);
	sl_prefetch *pf = sl_calloc(1, sizeof(*pf));
	if (!pf)
		return SL_ENOMEM;
	pf->scan = scan;
	pf->schema = schema;
	pf->seen_flags = seen_flags;
	pf->chunk_size = chunk_size;
	pf->chunk_read = chunk_read;
	pthread_mutex_init(&pf->lock, NULL);
	pthread_cond_init(&pf->changed, NULL);

	/* Signals (SIGINT, SIGTERM) are for the application's threads, not this one. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&pf->thread, NULL, read_ahead, pf);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&pf->changed);
		pthread_mutex_destroy(&pf->lock);
		free(pf);
		return sl_error_set(SL_ENOMEM, "cannot start the reader thread (error %d)", err);
	}
	*out = pf;
	return SL_OK;
}

int sl_prefetch_next(sl_prefetch *pf, sl_batch **batch)
{
	*batch = NULL;
	if (pf->ended)
		return pf->last;
	pthread_mutex_lock(&pf->lock);
	if (pf->held) {
		pf->spare[pf->nspare++] = pf->held;
		pf->held = NULL;
		pthread_cond_signal(&pf->changed);
	}
	while (pf->nqueued == 0)
		pthread_cond_wait(&pf->changed, &pf->lock);
	queued q = pf->queue[pf->head];
	pf->head = (pf->head + 1) % PREFETCH_BATCHES;
	pf->nqueued--;
	pf->queued_bytes -= q.bytes;
	pf->queued_rows -= q.result > 0 ? (uint64_t)q.result : 0;
	pthread_mutex_unlock(&pf->lock);

	pf->held = q.batch;
	*batch = q.batch;
	if (q.result > 0)
		return q.result;
	pf->ended = true;
	pf->last = q.result < 0 ? sl_error_set(pf->error_code, "%s", pf->error_message) : 0;
	return pf->last;
}

void sl_prefetch_stop(sl_prefetch *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	pf->stopping = true;
	pthread_cond_signal(&pf->changed);
	pthread_mutex_unlock(&pf->lock);
	pthread_join(pf->thread, NULL);
	pthread_cond_destroy(&pf->changed);
	pthread_mutex_destroy(&pf->lock);
	free_batches(pf);
	free(pf);
}
