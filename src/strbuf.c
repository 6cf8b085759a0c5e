/*
 * strbuf.c — sl_buf, a growable string with a sticky error (after SQLite's sqlite3_str): build a
 * whole SQL statement or message with plain appends and check for failure once at the end.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool buf_reserve(sl_buf *buf, size_t extra)
{
	if (buf->failed)
		return false;
	size_t need = buf->len + extra + 1;
	if (need <= buf->cap)
		return true;
	size_t cap = buf->cap ? buf->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = sl_realloc(buf->data, cap);
	if (!p) {
		buf->failed = true;
		return false;
	}
	buf->data = p;
	buf->cap = cap;
	return true;
}

void sl_buf_append(sl_buf *buf, const char *data, size_t len)
{
	if (!buf_reserve(buf, len))
		return;
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void sl_buf_puts(sl_buf *buf, const char *s)
{
	sl_buf_append(buf, s, strlen(s));
}

void sl_buf_putc(sl_buf *buf, char c)
{
	sl_buf_append(buf, &c, 1);
}

void sl_buf_printf(sl_buf *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(buf, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
}

void sl_buf_reset(sl_buf *buf)
{
	buf->len = 0;
	buf->failed = false;
	if (buf->data)
		buf->data[0] = '\0';
}

void sl_buf_free(sl_buf *buf)
{
	free(buf->data);
	*buf = (sl_buf)SL_BUF_INIT;
}

const char *sl_buf_cstr(const sl_buf *buf)
{
	return buf->data && !buf->failed ? buf->data : "";
}

char *sl_buf_detach(sl_buf *buf)
{
	if (buf->failed) {
		sl_buf_free(buf);
		sl_error_set(SL_ENOMEM, "out of memory building a string");
		return NULL;
	}
	char *s = buf->data ? buf->data : sl_strdup("");
	*buf = (sl_buf)SL_BUF_INIT;
	return s;
}

static void buf_quote(sl_buf *buf, const char *s, char quote)
{
	sl_buf_putc(buf, quote);
	for (const char *p = s; *p; p++) {
		if (*p == quote)
			sl_buf_putc(buf, quote);
		sl_buf_putc(buf, *p);
	}
	sl_buf_putc(buf, quote);
}

void sl_buf_quote_ident(sl_buf *buf, const char *ident, char quote)
{
	buf_quote(buf, ident, quote);
}

void sl_buf_quote_qualified(sl_buf *buf, const char *schema, const char *name, char quote)
{
	buf_quote(buf, schema, quote);
	sl_buf_putc(buf, '.');
	buf_quote(buf, name, quote);
}

void sl_buf_quote_literal(sl_buf *buf, const char *s)
{
	buf_quote(buf, s, '\'');
}
