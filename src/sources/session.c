/*
 * session.c — the session lifecycle the network sources share (session.h).
 */
#include "session.h"

#include <stdlib.h>

void sl_wipe_free(char *s)
{
	if (!s)
		return;
	volatile char *v = s;
	while (*v)
		*v++ = 0;
	free(s);
}

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
