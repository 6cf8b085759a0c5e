/*
 * session.c — the session lifecycle the network sources share (session.h).
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>

void sl_session_init(sl_session *s, const sl_source_driver *driver, const sl_session_ops *ops,
		     sl_interrupt *intr)
{
	s->base.driver = driver;
	s->ops = ops;
	s->intr = intr;
}

void sl_session_close(sl_session *s)
{
	sl_interrupt_watch(s->intr, -1); /* before the descriptor can be reused */
	s->ops->close(s);
}

int sl_session_open(sl_session *s)
{
	if (sl_interrupt_requested(s->intr)) /* never reconnect once interrupted */
		return sl_error_set(SL_EINTERRUPTED, "%s at %s: interrupted, not reconnecting",
				    s->ops->dbms, s->where);
	int fd = -1;
	int rc = s->ops->connect(s, &fd);
	if (rc)
		return rc;
	sl_interrupt_watch(s->intr, fd);
	rc = s->ops->setup(s);
	if (rc)
		sl_session_close(s);
	return rc;
}

int sl_session_connect(sl_source_conn **out, sl_session *s, int rc)
{
	*out = NULL;
	if (!rc)
		rc = sl_session_open(s);
	if (rc) {
		s->ops->clear(s);
		free(s);
		return rc;
	}
	*out = &s->base;
	return SL_OK;
}

void sl_session_disconnect(sl_source_conn *conn)
{
	sl_session *s = (sl_session *)conn;
	if (!s)
		return;
	sl_session_close(s);
	sl_warnings_clear(&s->warnings);
	s->ops->clear(s);
	free(s);
}

const char *sl_session_warnings(sl_source_conn *conn)
{
	return sl_warnings_text(&((sl_session *)conn)->warnings);
}

void sl_session_clear_warnings(sl_source_conn *conn)
{
	sl_warnings_clear(&((sl_session *)conn)->warnings);
}

int sl_session_ready(sl_session *s)
{
	if (s->busy)
		return sl_error_set(SL_EINVAL, "%s at %s: a scan is still open on this connection",
				    s->ops->dbms, s->where);
	if (s->ops->usable(s))
		return SL_OK;
	sl_session_close(s);
	return sl_session_open(s);
}

int sl_session_retry(sl_session *s, sl_session_attempt *attempt, void *ctx)
{
	bool lost;
	int rc = attempt(ctx, &lost);
	if (rc && lost) {
		sl_session_close(s);
		rc = sl_session_open(s);
		if (!rc)
			rc = attempt(ctx, &lost);
		if (rc && lost)
			sl_session_close(s);
	}
	return rc;
}

/* ---- scans ---- */

void *sl_session_scan_new(size_t size, sl_session *s, const sl_table_schema *shape)
{
	sl_session_scan *scan = sl_calloc(1, size);
	if (scan) {
		scan->base.driver = s->base.driver;
		scan->session = s;
		scan->table = shape;
	}
	return scan;
}

/* One try at starting a scan, for sl_session_retry. */
typedef struct scan_start {
	sl_session *s;
	const sl_scan_sql *q;
	const sl_table_schema *shape;
	size_t seen_flags;
	sl_session_scan **out;
} scan_start;

static int start_once(void *ctx, bool *lost)
{
	const scan_start *st = ctx;
	return st->s->ops->start(st->out, st->s, st->q, st->shape, st->seen_flags, lost);
}

int sl_session_scan_start(sl_session_scan **out, sl_session *s, const sl_scan_sql *q,
			  const sl_table_schema *shape, size_t seen_flags)
{
	*out = NULL;
	scan_start st = {s, q, shape, seen_flags, out};
	int rc = sl_session_retry(s, start_once, &st);
	if (!rc)
		s->busy = true;
	return rc;
}

int sl_session_scan_check(const sl_session_scan *scan, const sl_batch *batch)
{
	const char *dbms = scan->session->ops->dbms;
	if (scan->exhausted)
		return 1;
	if (scan->failed)
		return sl_error_set(SL_ESOURCE, "%s: scan of %s already failed", dbms,
				    scan->table->name);
	if (batch->ncolumns != scan->ncols)
		return sl_error_set(SL_EINVAL, "%s: batch has %zu columns, the scan reads %zu",
				    dbms, batch->ncolumns, scan->ncols);
	if (batch->nrows >= batch->capacity)
		return sl_error_set(SL_EINVAL, "%s: scan of %s: the batch is already full", dbms,
				    scan->table->name);
	return SL_OK;
}

/* Read the end of a scan that read all its LIMIT allows (ops->drain); true when the session is
   usable again. Its errors are not the caller's: the last error is kept. */
static bool drained(sl_session_scan *scan)
{
	sl_session *s = scan->session;
	if (scan->failed || !scan->limit || scan->rows != scan->limit || !s->ops->drain)
		return false;
	int code = sl_error_last_code();
	char message[1024];
	snprintf(message, sizeof(message), "%s", sl_error_last()->message);
	bool ok = s->ops->drain(scan) == SL_OK;
	if (code)
		sl_error_set(code, "%s", message);
	else
		sl_error_clear();
	return ok;
}

void sl_session_scan_close(sl_scan *base)
{
	sl_session_scan *scan = (sl_session_scan *)base;
	if (!scan)
		return;
	sl_session *s = scan->session;
	s->ops->note(scan);
	if (!scan->exhausted && !drained(scan)) {
		/* the only quick way out of an unfinished result */
		if (s->ops->abandon)
			s->ops->abandon(scan);
		sl_session_close(s);
	}
	s->ops->scan_free(scan);
	s->busy = false;
}

int sl_session_stats(sl_source_stats *out, sl_source_conn *conn, const sl_table_schema *table,
		     int cursor, bool descending, const sl_value *after)
{
	sl_session *s = (sl_session *)conn;
	out->cursor_max = NULL;
	out->rows_total = -1;
	out->rows_after = -1;
	int rc = sl_session_ready(s);
	if (rc)
		return rc;
	sl_table_schema *shape = NULL;
	sl_scan_sql q;
	sl_scan_sql_init(&q, s->ops->dialect, table);
	sl_session_scan *scan = NULL;
	rc = sl_source_stats_shape(&shape, table, cursor);
	if (!rc)
		rc = s->ops->render_stats(&q, cursor, descending, after);
	if (!rc)
		rc = sl_session_scan_start(&scan, s, &q, shape, 0);
	if (!rc)
		rc = sl_source_stats_read(out, &scan->base, shape, cursor);
	sl_scan_sql_free(&q);
	sl_schema_free(shape);
	if (rc)
		sl_source_stats_clear(out);
	return rc;
}
