/*
 * prefetch.c — a source scan read ahead on its own thread (see prefetch.h).
 *
 * A ring of batches shared by two threads under one mutex. The reader fills the free slots in
 * order; the pipeline's thread takes the filled ones in the same order and holds one at a time
 * (the batch it is filtering and appending) until it asks for the next. The index the reader
 * writes next, head + held + filled, does not move when the other thread takes or gives back a
 * slot, so the reader fills its slot without holding the lock.
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
 * Batches read ahead: enough to carry the reader past the append of a batch and into a commit;
 * more only hold memory (~0.4 MB a batch of the benchmark's rows) without overlapping more, as
 * whichever side is slower sets the pace.
 */
#define PREFETCH_SLOTS 4

struct sl_prefetch {
	sl_scan *scan;
	uint64_t chunk_size;
	uint64_t chunk_read; /* the reader's position in its chunk */

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a slot was filled or given back, or stop was asked */

	sl_batch *batch[PREFETCH_SLOTS];
	int result[PREFETCH_SLOTS]; /* scan_next's return for the slot */
	size_t head;   /* the slot held by the pipeline's thread, or the next it takes */
	size_t filled; /* slots read and not taken yet */
	bool held;     /* the pipeline's thread holds slot `head` */
	bool stopping;
	bool ended; /* the pipeline's thread took the last result */
	int last;   /* that result: 0 or an error code */

	int error_code; /* the reader's error, copied from its thread */
	char error_message[1024];
};

/* Wait for a free slot; returns its index, or -1 when asked to stop. */
static long free_slot(sl_prefetch *pf)
{
	pthread_mutex_lock(&pf->lock);
	while (!pf->stopping && pf->filled + pf->held == PREFETCH_SLOTS)
		pthread_cond_wait(&pf->changed, &pf->lock);
	long slot = pf->stopping ? -1 : (long)((pf->head + pf->held + pf->filled) % PREFETCH_SLOTS);
	pthread_mutex_unlock(&pf->lock);
	return slot;
}

static void *read_ahead(void *arg)
{
	sl_prefetch *pf = arg;
	int n;
	do {
		long slot = free_slot(pf);
		if (slot < 0)
			break;
		sl_batch *b = pf->batch[slot];
		sl_batch_reset_in_chunk(b, pf->chunk_size, pf->chunk_read);
		n = pf->scan->driver->scan_next(pf->scan, b);
		if (n > 0) {
			pf->chunk_read += (uint64_t)n;
			if (pf->chunk_read == pf->chunk_size)
				pf->chunk_read = 0;
		} else if (n < 0) {
			const sl_error *e = sl_error_last();
			pf->error_code = e->code != SL_OK ? e->code : n;
			snprintf(pf->error_message, sizeof(pf->error_message), "%s", e->message);
		}
		pthread_mutex_lock(&pf->lock);
		pf->result[slot] = n;
		pf->filled++;
		pthread_cond_signal(&pf->changed);
		pthread_mutex_unlock(&pf->lock);
	} while (n > 0);
	return NULL;
}

static void free_batches(sl_prefetch *pf)
{
	for (size_t i = 0; i < PREFETCH_SLOTS; i++)
		sl_batch_free(pf->batch[i]);
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
	pf->chunk_size = chunk_size;
	pf->chunk_read = chunk_read;
	for (size_t i = 0; i < PREFETCH_SLOTS; i++) {
		pf->batch[i] = sl_batch_new(schema, seen_flags);
		if (!pf->batch[i]) {
			free_batches(pf);
			free(pf);
			return SL_ENOMEM;
		}
	}
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
		free_batches(pf);
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
		pf->head = (pf->head + 1) % PREFETCH_SLOTS;
		pf->held = false;
		pthread_cond_signal(&pf->changed);
	}
	while (pf->filled == 0)
		pthread_cond_wait(&pf->changed, &pf->lock);
	pf->filled--;
	pf->held = true;
	size_t slot = pf->head;
	pthread_mutex_unlock(&pf->lock);

	int n = pf->result[slot];
	if (n > 0) {
		*batch = pf->batch[slot];
		return n;
	}
	pf->ended = true;
	pf->last = n < 0 ? sl_error_set(pf->error_code, "%s", pf->error_message) : 0;
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
