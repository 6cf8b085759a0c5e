/*
 * workers.c — a run's tables on several threads (see workers.h), and the pipeline views the
 * workers load through.
 *
 * Signals: the worker threads block them all, so a SIGINT handler that calls
 * sl_pipeline_interrupt always runs on the calling thread, never while that thread frees a
 * view; the interrupt reaches the workers through their views' slots (pipeline.h).
 */
#include "workers.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

int sl_pipeline_view_new(sl_pipeline **out, sl_pipeline *p, unsigned k)
{
	*out = NULL;
	sl_pipeline *v = sl_calloc(1, sizeof(*v));
	if (!v)
		return SL_ENOMEM;
	*v = *p; /* the strings stay p's; `serial` is never used in a view */
	v->owner = p;
	v->intr = &p->view_interrupts[k];
	v->lock_fd = -1;
	v->dest_locked = false;
	v->dest = NULL;
	sl_interrupt_clear(v->intr);
	sl_interrupt_watch(v->intr, -1);
	const sl_destination_driver *dd = p->dest_driver;
	int rc;
	if (dd->open_sibling) {
		rc = dd->open_sibling(&v->dest, p->dest);
	} else {
		sl_dest_setting mem = {"memory_limit", p->memory_limit};
		sl_dest_options opts = {&mem, p->memory_limit ? 1 : 0, v->intr};
		rc = dd->open(&v->dest, p->dest_url, &opts);
	}
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	return SL_OK;
}

void sl_pipeline_view_free(sl_pipeline *view)
{
	if (!view)
		return;
	if (view->dest)
		view->dest_driver->close(view->dest);
	free(view);
}

pthread_mutex_t *sl_pipeline_serial(sl_pipeline *p)
{
	return p->owner ? &p->owner->serial : &p->serial;
}

/* What the workers of one run share. */
typedef struct crew {
	size_t ntables;
	atomic_size_t next; /* the next table to start */
	sl_table_job job;
	void *ctx;
} crew;

typedef struct worker {
	crew *crew;
	sl_pipeline *pipeline; /* the pipeline (first worker) or a view */
	sl_source_conn *conn;
	pthread_t thread;
	bool started;
} worker;

static void work(worker *w)
{
	crew *c = w->crew;
	for (;;) {
		if (sl_pipeline_interrupted(w->pipeline))
			return;
		size_t i = atomic_fetch_add(&c->next, 1);
		if (i >= c->ntables)
			return;
		c->job(c->ctx, i, w->pipeline, w->conn);
	}
}

static void *work_thread(void *arg)
{
	work(arg);
	return NULL;
}

/* Worker k's view and source connection, opened before any table starts. */
static int hire(worker *w, sl_pipeline *p, const sl_source *source, unsigned k)
{
	int rc = sl_pipeline_view_new(&w->pipeline, p, k);
	if (rc)
		return sl_error_wrap("cannot open worker %u's destination connection", k + 1);
	rc = sl_source_connect_retrying(&w->conn, source, w->pipeline->intr);
	if (rc)
		return sl_error_wrap("cannot open worker %u's source connection", k + 1);
	return SL_OK;
}

static void dismiss(worker *w)
{
	if (w->conn)
		w->conn->driver->disconnect(w->conn);
	sl_pipeline_view_free(w->pipeline);
}

/* Start the threads of workers 1.. with every signal blocked in them (see the top). */
static int start_threads(worker *ws, unsigned n)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = SL_OK;
	for (unsigned k = 1; k < n && !rc; k++) {
		if (pthread_create(&ws[k].thread, NULL, work_thread, &ws[k]) != 0)
			rc = sl_error_set(SL_ERROR, "cannot start worker %u's thread", k + 1);
		ws[k].started = rc == SL_OK;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int sl_workers_run(sl_pipeline *p, const sl_source *source, sl_source_conn *conn, size_t ntables,
		   sl_table_job job, void *ctx)
{
	unsigned n = p->workers < ntables ? p->workers : (unsigned)ntables;
	crew c = {ntables, 0, job, ctx};
	if (n <= 1) {
		worker only = {&c, p, conn, 0, false};
		work(&only);
		return SL_OK;
	}
	worker *ws = sl_calloc(n, sizeof(*ws));
	if (!ws)
		return SL_ENOMEM;
	ws[0] = (worker){&c, p, conn, 0, false};
	int rc = SL_OK;
	for (unsigned k = 1; k < n && !rc; k++) {
		ws[k].crew = &c;
		rc = hire(&ws[k], p, source, k);
	}
	if (!rc) {
		start_threads(ws,
			      n); /* a worker that cannot start leaves its tables to the others */
		sl_error_clear();
		work(&ws[0]);
	}
	for (unsigned k = 1; k < n; k++) {
		if (ws[k].started)
			pthread_join(ws[k].thread, NULL);
		dismiss(&ws[k]);
	}
	free(ws);
	return rc;
}
