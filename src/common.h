/*
 * common.h — what every module of libsluice shares: error reporting, checked allocation and a
 * growable string buffer. Internal; not installed.
 */
#ifndef SL_COMMON_H
#define SL_COMMON_H

#include "sluice.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define SL_UNUSED	     __attribute__((unused))
#else
#define SL_PRINTF(fmt, args)
#define SL_UNUSED
#endif

#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors (error.c) --------------------------------------------------------------------- */

/*
 * Record the calling thread's last error and return `code`, so a failure reads
 * `return sl_error_set(SL_ENOTFOUND, "table %s not found in %s", t, db);`.
 * Never allocates; the message is truncated to the thread-local buffer (1 KiB). Never pass a
 * password: callers format messages from sl_url_redacted() or from parts without credentials.
 */
int sl_error_set(int code, const char *fmt, ...) SL_PRINTF(2, 3);
int sl_error_setv(int code, const char *fmt, va_list ap);

/* Prefix the current last error's message with "context: " (keeps its code); returns the code. */
int sl_error_wrap(const char *fmt, ...) SL_PRINTF(1, 2);

/* Code of the last error (SL_OK if none). */
int sl_error_last_code(void);

/* ---- memory (error.c) --------------------------------------------------------------------- */

/* malloc/calloc/realloc/strdup that set SL_ENOMEM as the last error and return NULL on failure. */
void *sl_malloc(size_t size);
void *sl_calloc(size_t count, size_t size);
void *sl_realloc(void *ptr, size_t size);
char *sl_strdup(const char *s);
char *sl_strndup(const char *s, size_t len);
/* printf into a new string (caller frees), NULL + SL_ENOMEM on failure. */
char *sl_printf_alloc(const char *fmt, ...) SL_PRINTF(1, 2);

/* ---- string buffer (strbuf.c) --------------------------------------------------------------- */

/*
 * A growable NUL-terminated byte buffer with a sticky error, after SQLite's sqlite3_str: append
 * freely, check `failed` (or the return of sl_buf_detach) once at the end.
 */
typedef struct sl_buf {
	char *data;  /* NUL-terminated when len > 0 or after any append; may be NULL when empty */
	size_t len;  /* bytes used, without the NUL */
	size_t cap;  /* bytes allocated */
	bool failed; /* an allocation failed; further appends are ignored */
} sl_buf;

#define SL_BUF_INIT               \
	{                         \
		NULL, 0, 0, false \
	}

void sl_buf_append(sl_buf *buf, const char *data, size_t len);
void sl_buf_puts(sl_buf *buf, const char *s);
void sl_buf_putc(sl_buf *buf, char c);
void sl_buf_printf(sl_buf *buf, const char *fmt, ...) SL_PRINTF(2, 3);
void sl_buf_reset(sl_buf *buf); /* len = 0, keeps memory */
void sl_buf_free(sl_buf *buf);	/* frees memory, back to SL_BUF_INIT */
/* The text ("" when empty), never NULL. Owned by the buffer. */
const char *sl_buf_cstr(const sl_buf *buf);
/* Hand the text to the caller (who frees it) and reset the buffer; NULL + SL_ENOMEM if failed. */
char *sl_buf_detach(sl_buf *buf);

/* Append `ident` quoted with `quote` (" or `), doubling embedded quotes. */
void sl_buf_quote_ident(sl_buf *buf, const char *ident, char quote);
/* Append `schema`.`name`, each part quoted with `quote`. */
void sl_buf_quote_qualified(sl_buf *buf, const char *schema, const char *name, char quote);
/* Append `s` as a SQL string literal '...' (quotes doubled). */
void sl_buf_quote_literal(sl_buf *buf, const char *s);

#endif
