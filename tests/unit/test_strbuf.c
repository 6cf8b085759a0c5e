/*
 * test_strbuf.c — unit tests for strbuf.c and error.c: the growable string buffer (growth,
 * sticky failure, detach, SQL quoting) and the thread-local last error (set, wrap, truncation
 * at 1 KiB, sl_strerror for every code), plus the allocation helpers.
 */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <cmocka.h>

#define MSG_MAX 1024 /* error.c's message buffer, terminator included */

/* ---- sl_buf --------------------------------------------------------------------------------- */

static void test_buf_basics(void **state)
{
	(void)state;
	sl_buf b = SL_BUF_INIT;
	assert_string_equal(sl_buf_cstr(&b), "");
	assert_int_equal(b.len, 0);
	sl_buf_puts(&b, "hello");
	sl_buf_putc(&b, ' ');
	sl_buf_append(&b, "world!!", 5);
	sl_buf_printf(&b, " %d-%s", 42, "x");
	assert_string_equal(sl_buf_cstr(&b), "hello world 42-x");
	assert_int_equal(b.len, 16);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	/* zero bytes are kept and counted */
	sl_buf_append(&b, "a\0b", 3);
	assert_int_equal(b.len, 19);
	assert_memory_equal(b.data + 16, "a\0b", 4);
	/* empty appends change nothing */
	sl_buf_append(&b, "", 0);
	sl_buf_puts(&b, "");
	sl_buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 19);
	/* reset keeps the memory */
	char *data = b.data;
	size_t cap = b.cap;
	sl_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_string_equal(sl_buf_cstr(&b), "");
	sl_buf_puts(&b, "again");
	assert_string_equal(sl_buf_cstr(&b), "again");
	sl_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_false(b.failed);
	sl_buf_free(&b); /* twice is harmless */

	/* an empty printf still makes a terminated string */
	sl_buf e = SL_BUF_INIT;
	sl_buf_printf(&e, "%s", "");
	assert_int_equal(e.len, 0);
	assert_string_equal(sl_buf_cstr(&e), "");
	sl_buf_free(&e);
	sl_buf_reset(&e); /* on an empty buffer */
	assert_string_equal(sl_buf_cstr(&e), "");
}

/* Many small printfs grow the buffer past 1 MB; every byte lands where it should. */
static void test_buf_printf_growth(void **state)
{
	(void)state;
	sl_buf b = SL_BUF_INIT;
	size_t lines = 0;
	while (b.len < 1024 * 1024) {
		sl_buf_printf(&b, "%07zu,", lines++);
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[b.len], '\0');
	}
	assert_false(b.failed);
	assert_int_equal(b.len, lines * 8);
	assert_int_equal(strlen(sl_buf_cstr(&b)), b.len);
	for (size_t i = 0; i < lines; i++) {
		char want[32];
		snprintf(want, sizeof(want), "%07zu,", i);
		if (memcmp(b.data + i * 8, want, 8) != 0) {
			print_error("line %zu: '%.8s'\n", i, b.data + i * 8);
			fail();
		}
	}
	/* one printf of a whole megabyte at once */
	size_t big_len = 1024 * 1024 + 17;
	char *big = malloc(big_len + 1);
	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	sl_buf c = SL_BUF_INIT;
	sl_buf_printf(&c, "<%s>", big);
	assert_int_equal(c.len, big_len + 2);
	assert_int_equal(c.data[0], '<');
	assert_memory_equal(c.data + 1, big, big_len);
	assert_int_equal(c.data[big_len + 1], '>');
	assert_int_equal(c.data[big_len + 2], '\0');
	/* and appended after existing text */
	sl_buf_printf(&b, "%s", big);
	assert_int_equal(b.len, lines * 8 + big_len);
	assert_memory_equal(b.data + lines * 8, big, big_len + 1);
	free(big);
	sl_buf_free(&b);
	sl_buf_free(&c);
}

static void test_buf_detach(void **state)
{
	(void)state;
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "owned");
	char *s = sl_buf_detach(&b);
	assert_string_equal(s, "owned");
	assert_null(b.data); /* the buffer is back to empty and reusable */
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	sl_buf_puts(&b, "next");
	assert_string_equal(sl_buf_cstr(&b), "next");
	assert_ptr_not_equal(b.data, s);
	free(s);
	sl_buf_free(&b);

	/* an empty buffer detaches to an allocated "" */
	sl_buf e = SL_BUF_INIT;
	s = sl_buf_detach(&e);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	sl_free(NULL);
}

/* After a failed allocation the buffer ignores appends, reads as "" and detaches to NULL. */
static void test_buf_sticky_failure(void **state)
{
	(void)state;
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "partial");
	b.failed = true; /* as buf_reserve leaves it when realloc fails */
	sl_buf_puts(&b, "more");
	sl_buf_putc(&b, 'x');
	sl_buf_printf(&b, "%d", 1);
	sl_buf_quote_literal(&b, "q");
	assert_int_equal(b.len, 7);
	assert_string_equal(sl_buf_cstr(&b), "");
	sl_error_clear();
	assert_null(sl_buf_detach(&b));
	assert_int_equal(sl_error_last()->code, SL_ENOMEM);
	assert_string_equal(sl_error_last()->message, "out of memory building a string");
	assert_null(b.data); /* freed by detach */
	assert_false(b.failed);
	/* reset clears the failure */
	sl_buf c = SL_BUF_INIT;
	sl_buf_puts(&c, "x");
	c.failed = true;
	sl_buf_reset(&c);
	assert_false(c.failed);
	sl_buf_puts(&c, "ok");
	assert_string_equal(sl_buf_cstr(&c), "ok");
	sl_buf_free(&c);
}

static void test_quote(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		char quote;
		const char *out;
	} idents[] = {
		{"plain", '"', "\"plain\""},
		{"", '"', "\"\""},
		{"a\"b", '"', "\"a\"\"b\""},
		{"\"", '"', "\"\"\"\""},
		{"\"\"x\"", '"', "\"\"\"\"\"x\"\"\""},
		{"a`b", '"', "\"a`b\""}, /* only the chosen quote is doubled */
		{"a`b", '`', "`a``b`"},
		{"``", '`', "``````"},
		{"a\"b", '`', "`a\"b`"},
		{"it's", '`', "`it's`"},
		{"Created At", '`', "`Created At`"},
		{"caf\xc3\xa9", '"', "\"caf\xc3\xa9\""},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(idents); i++) {
		sl_buf b = SL_BUF_INIT;
		sl_buf_puts(&b, "x.");
		sl_buf_quote_ident(&b, idents[i].in, idents[i].quote);
		char want[64];
		snprintf(want, sizeof(want), "x.%s", idents[i].out);
		assert_string_equal(sl_buf_cstr(&b), want);
		sl_buf_free(&b);
	}
	static const struct {
		const char *in, *out;
	} literals[] = {
		{"abc", "'abc'"},
		{"", "''"},
		{"it's", "'it''s'"},
		{"''", "''''''"},
		{"'", "''''"},
		{"a\"b`c", "'a\"b`c'"},
		{"back\\slash", "'back\\slash'"},
		{"2024-01-31 12:00:00", "'2024-01-31 12:00:00'"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(literals); i++) {
		sl_buf b = SL_BUF_INIT;
		sl_buf_quote_literal(&b, literals[i].in);
		assert_string_equal(sl_buf_cstr(&b), literals[i].out);
		sl_buf_free(&b);
	}
}

/* ---- allocation helpers --------------------------------------------------------------------- */

static void test_alloc_helpers(void **state)
{
	(void)state;
	char *s = sl_strdup("abc");
	assert_string_equal(s, "abc");
	free(s);
	assert_null(sl_strdup(NULL));
	s = sl_strndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = sl_strndup("a\0c", 3);
	assert_memory_equal(s, "a\0c", 4);
	free(s);
	s = sl_printf_alloc("%s=%d", "x", -5);
	assert_string_equal(s, "x=-5");
	free(s);
	s = sl_printf_alloc("%s", "");
	assert_string_equal(s, "");
	free(s);
	/* zero sizes still give a pointer that free() takes */
	void *p = sl_malloc(0);
	assert_non_null(p);
	free(p);
	p = sl_calloc(0, 8);
	assert_non_null(p);
	free(p);
	int *z = sl_calloc(100, sizeof(int));
	for (int i = 0; i < 100; i++)
		assert_int_equal(z[i], 0);
	z = sl_realloc(z, 1000 * sizeof(int));
	assert_int_equal(z[99], 0);
	z[999] = 7;
	free(z);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_error_set(void **state)
{
	(void)state;
	sl_error_clear();
	assert_int_equal(sl_error_last()->code, SL_OK);
	assert_string_equal(sl_error_last()->message, "");
	assert_int_equal(sl_error_last_code(), SL_OK);

	assert_int_equal(sl_error_set(SL_ENOTFOUND, "table %s not found in %s", "t", "db"),
			 SL_ENOTFOUND);
	const sl_error *e = sl_error_last();
	assert_int_equal(e->code, SL_ENOTFOUND);
	assert_string_equal(e->message, "table t not found in db");
	assert_int_equal(sl_error_last_code(), SL_ENOTFOUND);
	/* the pointer is stable; a later error replaces the contents */
	assert_ptr_equal(sl_error_last(), e);
	assert_int_equal(sl_error_set(SL_ETYPE, "second"), SL_ETYPE);
	assert_int_equal(e->code, SL_ETYPE);
	assert_string_equal(e->message, "second");
	/* a message with a % in an argument is not reformatted */
	sl_error_set(SL_EINVAL, "%s", "100%s sure");
	assert_string_equal(sl_error_last()->message, "100%s sure");
	sl_error_clear();
	assert_int_equal(e->code, SL_OK);
	assert_string_equal(e->message, "");
}

/* Messages are cut at 1 KiB - 1 bytes, never overflowed. */
static void test_error_truncation(void **state)
{
	(void)state;
	char big[3000];
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sl_error_set(SL_EIO, "start:%s", big);
	const char *m = sl_error_last()->message;
	assert_int_equal(strlen(m), MSG_MAX - 1);
	assert_memory_equal(m, "start:mmm", 9);
	assert_int_equal(sl_error_last()->code, SL_EIO);

	/* exactly fitting, and one over */
	memset(big, 'x', sizeof(big));
	big[MSG_MAX - 1] = '\0';
	sl_error_set(SL_EIO, "%s", big);
	assert_string_equal(sl_error_last()->message, big);
	big[MSG_MAX - 1] = 'y';
	big[MSG_MAX] = '\0';
	sl_error_set(SL_EIO, "%s", big);
	assert_int_equal(strlen(sl_error_last()->message), MSG_MAX - 1);
	assert_null(strchr(sl_error_last()->message, 'y'));
}

static void test_error_wrap(void **state)
{
	(void)state;
	sl_error_set(SL_ECONNECT, "connection refused");
	assert_int_equal(sl_error_wrap("mysql %s:%d/%s", "127.0.0.1", 3306, "shop"), SL_ECONNECT);
	assert_string_equal(sl_error_last()->message,
			    "mysql 127.0.0.1:3306/shop: connection refused");
	assert_int_equal(sl_error_wrap("run"), SL_ECONNECT);
	assert_string_equal(sl_error_last()->message,
			    "run: mysql 127.0.0.1:3306/shop: connection refused");
	assert_int_equal(sl_error_last_code(), SL_ECONNECT);

	/* wrapping nothing makes a generic error with the context alone */
	sl_error_clear();
	assert_int_equal(sl_error_wrap("context %d", 7), SL_ERROR);
	assert_int_equal(sl_error_last()->code, SL_ERROR);
	assert_string_equal(sl_error_last()->message, "context 7");

	/* the wrapped message is cut to fit */
	char old[MSG_MAX];
	memset(old, 'o', sizeof(old) - 1);
	old[sizeof(old) - 1] = '\0';
	sl_error_set(SL_EDEST, "%s", old);
	sl_error_wrap("ctx");
	const char *m = sl_error_last()->message;
	assert_int_equal(strlen(m), MSG_MAX - 1);
	assert_memory_equal(m, "ctx: ooo", 8);
	assert_int_equal(sl_error_last()->code, SL_EDEST);

	/* a prefix that leaves room for ": " and one byte of the old message */
	char prefix[MSG_MAX];
	memset(prefix, 'p', 1020);
	prefix[1020] = '\0';
	sl_error_set(SL_EDEST, "detail");
	sl_error_wrap("%s", prefix);
	m = sl_error_last()->message;
	assert_int_equal(strlen(m), MSG_MAX - 1);
	assert_memory_equal(m + 1020, ": d", 3);

	/* a prefix that fills the buffer on its own */
	char huge[1500];
	memset(huge, 'h', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	sl_error_set(SL_EDEST, "detail");
	sl_error_wrap("%s", huge);
	m = sl_error_last()->message;
	assert_int_equal(strlen(m), MSG_MAX - 1);
	assert_null(strchr(m, ':'));
	assert_null(strstr(m, "detail"));
	/* around the edge: ": " fits up to a 1021-byte prefix, then only the prefix is kept */
	static const struct {
		size_t prefix;
		size_t total;
		const char *tail;
	} edge[] = {
		{1018, 1023, ": det"}, {1019, 1023, ": de"}, {1020, 1023, ": d"},
		{1021, 1023, "q: "},   {1022, 1022, "qqq"},  {1023, 1023, "qqq"},
		{1200, 1023, "qqq"},
	};
	for (size_t i = 0; i < SL_ARRAY_LEN(edge); i++) {
		char p[1300];
		memset(p, 'q', edge[i].prefix);
		p[edge[i].prefix] = '\0';
		sl_error_set(SL_EDEST, "detail");
		sl_error_wrap("%s", p);
		m = sl_error_last()->message;
		assert_int_equal(strlen(m), edge[i].total);
		size_t tl = strlen(edge[i].tail);
		assert_string_equal(m + edge[i].total - tl, edge[i].tail);
	}

	/* wrapping with the current message as an argument is safe */
	sl_error_set(SL_EAUTH, "denied");
	sl_error_wrap("again (%s)", sl_error_last()->message);
	assert_string_equal(sl_error_last()->message, "again (denied): denied");
}

static void test_strerror(void **state)
{
	(void)state;
	static const struct {
		int code;
		const char *text;
	} codes[] = {
#define X(name, value, text) {name, text},
		SL_ERROR_CODES(X)
#undef X
	};
	assert_int_equal(SL_ARRAY_LEN(codes), 17);
	for (size_t i = 0; i < SL_ARRAY_LEN(codes); i++) {
		assert_int_equal(codes[i].code, -(int)i); /* dense: 0, -1, ... -16 */
		assert_string_equal(sl_strerror(codes[i].code), codes[i].text);
		assert_true(strlen(sl_strerror(codes[i].code)) > 0);
	}
	/* spot checks against the documented texts */
	assert_string_equal(sl_strerror(SL_OK), "success");
	assert_string_equal(sl_strerror(SL_ENOMEM), "out of memory");
	assert_string_equal(sl_strerror(SL_EURL), "malformed connection URL");
	assert_string_equal(sl_strerror(SL_ETYPE), "type error");
	assert_string_equal(sl_strerror(SL_ECURSOR), "missing cursor value");
	/* unknown codes */
	static const int unknown[] = {1, 5, -17, -100, INT32_MIN, INT32_MAX};
	for (size_t i = 0; i < SL_ARRAY_LEN(unknown); i++)
		assert_string_equal(sl_strerror(unknown[i]), "unknown error");
}

/* The last error belongs to its thread. */
static int other_thread(void *arg)
{
	const char **seen = arg;
	seen[0] = sl_error_last()->message[0] == '\0' ? "empty" : "inherited";
	sl_error_set(SL_ELOCKED, "locked in thread");
	seen[1] = sl_error_last_code() == SL_ELOCKED ? "set" : "not set";
	return 0;
}

static void test_error_thread_local(void **state)
{
	(void)state;
	sl_error_set(SL_EIO, "main thread");
	const char *seen[2] = {NULL, NULL};
	thrd_t t;
	assert_int_equal(thrd_create(&t, other_thread, seen), thrd_success);
	assert_int_equal(thrd_join(t, NULL), thrd_success);
	assert_string_equal(seen[0], "empty");
	assert_string_equal(seen[1], "set");
	assert_int_equal(sl_error_last()->code, SL_EIO);
	assert_string_equal(sl_error_last()->message, "main thread");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_basics),
		cmocka_unit_test(test_buf_printf_growth),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_buf_sticky_failure),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_alloc_helpers),
		cmocka_unit_test(test_error_set),
		cmocka_unit_test(test_error_truncation),
		cmocka_unit_test(test_error_wrap),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_error_thread_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
