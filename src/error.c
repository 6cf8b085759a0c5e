/*
 * error.c — the thread-local last error, error-code texts, and allocation wrappers that report
 * out-of-memory through it.
 *
 * Setting an error never allocates: the message goes into a fixed thread-local buffer, so an
 * out-of-memory condition can itself be reported.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_ERROR_MESSAGE_MAX 1024

typedef struct sl_error_slot {
	sl_error pub;
	char message[SL_ERROR_MESSAGE_MAX];
} sl_error_slot;

static _Thread_local sl_error_slot last_error = {{SL_OK, ""}, {0}};

const sl_error *sl_error_last(void)
{
	last_error.pub.message = last_error.message;
	return &last_error.pub;
}

void sl_error_clear(void)
{
	last_error.pub.code = SL_OK;
	last_error.message[0] = '\0';
}

int sl_error_last_code(void)
{
	return last_error.pub.code;
}

int sl_error_setv(int code, const char *fmt, va_list ap)
{
	last_error.pub.code = code;
	vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
	return code;
}

int sl_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sl_error_setv(code, fmt, ap);
	va_end(ap);
	return code;
}

int sl_error_wrap(const char *fmt, ...)
{
	char old[SL_ERROR_MESSAGE_MAX];
	char prefix[SL_ERROR_MESSAGE_MAX];
	va_list ap;

	memcpy(old, last_error.message, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* Assemble piecewise: the two parts may not both fit, and truncation is fine. */
	size_t n = strlen(prefix);
	size_t cap = sizeof(last_error.message);
	memcpy(last_error.message, prefix, n);
	if (old[0] && n + 2 < cap) { /* no dangling ": " when there was no message */
		memcpy(last_error.message + n, ": ", 2);
		n += 2;
		size_t rest = strlen(old);
		if (rest > cap - 1 - n)
			rest = cap - 1 - n;
		memcpy(last_error.message + n, old, rest);
		n += rest;
	}
	last_error.message[n < cap ? n : cap - 1] = '\0';
	if (last_error.pub.code == SL_OK)
		last_error.pub.code = SL_ERROR;
	return last_error.pub.code;
}

const char *sl_strerror(int code)
{
	switch (code) {
#define SL__CASE(name, value, text) \
	case value:                 \
		return text;
		SL_ERROR_CODES(SL__CASE)
#undef SL__CASE
	}
	return "unknown error";
}

void *sl_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		sl_error_set(SL_ENOMEM, "out of memory allocating %zu bytes", size);
	return p;
}

void *sl_calloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		sl_error_set(SL_ENOMEM, "out of memory allocating %zu x %zu bytes", count, size);
	return p;
}

void *sl_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (!p)
		sl_error_set(SL_ENOMEM, "out of memory allocating %zu bytes", size);
	return p;
}

char *sl_strndup(const char *s, size_t len)
{
	char *p = sl_malloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *sl_strdup(const char *s)
{
	return s ? sl_strndup(s, strlen(s)) : NULL;
}

char *sl_printf_alloc(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sl_error_set(SL_EINVAL, "bad format string");
		return NULL;
	}
	char *p = sl_malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void sl_free(void *ptr)
{
	free(ptr);
}
