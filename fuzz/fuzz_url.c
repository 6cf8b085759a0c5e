/*
 * fuzz_url.c — libFuzzer target for the connection URL parser (src/url.c).
 *
 * Each input is run twice:
 *  - as a URL itself: no crash or leak; an accepted URL's redacted form is printable ASCII,
 *    re-parses to the same parts with the password "***", and is a fixed point; the span that
 *    sl_url_redact_text() hides decodes to exactly the parsed password; a refusal's message is
 *    one bounded line that quotes the redacted URL and a position inside it, and never shows a
 *    distinctive hidden span.
 *  - with a canary password: "<prefix>" CANARY "<input>", the prefix chosen by the first byte.
 *    When the rest holds an '@' (so the canary sits in user info, or the URL is ambiguous) and
 *    cannot spell the canary itself (no 'S', no '%'), the canary must not appear in any message,
 *    in the redacted URL, or in any parsed part but the password.
 * A broken invariant aborts, so the corpus replay (fuzz/replay.c) fails too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CANARY "SeCrEt9Zq"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_url: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static bool has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static size_t count_occurrences(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0, n) (no '+' rule) into a new string; NULL if an escape is bad. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	CHECK(out);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[k++] = s[i];
			continue;
		}
		int hi = i + 1 < n ? hex((unsigned char)s[i + 1]) : -1;
		int lo = i + 2 < n ? hex((unsigned char)s[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[k++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[k] = '\0';
	return out;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * `red` is `text` with one span replaced by "***": find that span (the first that fits) and
 * return a copy of it, or NULL if `red` is not of that form.
 */
static char *hidden_span(const char *text, const char *red)
{
	size_t len = strlen(text), rlen = strlen(red);
	if (rlen < 3 || rlen - 3 > len)
		return NULL;
	size_t hlen = len - (rlen - 3);
	for (size_t a = 0; a + 3 <= rlen && a + hlen <= len; a++) {
		if (a > 0 && text[a - 1] != red[a - 1])
			break;
		if (memcmp(red + a, "***", 3) == 0 && strcmp(red + a + 3, text + a + hlen) == 0) {
			char *h = malloc(hlen + 1);
			CHECK(h);
			memcpy(h, text + a, hlen);
			h[hlen] = '\0';
			return h;
		}
	}
	return NULL;
}

/* Every part but the password, which no part may repeat. */
static bool any_part_has(const sl_url *u, const char *needle)
{
	if (has(u->scheme, needle) || has(u->driver, needle) || has(u->user, needle) ||
	    has(u->host, needle) || has(u->database, needle))
		return true;
	for (size_t i = 0; i < u->noptions; i++)
		if (has(u->options[i].key, needle) || has(u->options[i].value, needle))
			return true;
	return false;
}

static void check_same_parts(const sl_url *a, const sl_url *b)
{
	CHECK(a->kind == b->kind);
	CHECK(str_eq(a->scheme, b->scheme));
	CHECK(str_eq(a->driver, b->driver));
	CHECK(str_eq(a->user, b->user));
	CHECK(str_eq(a->host, b->host));
	CHECK(a->port == b->port);
	CHECK(str_eq(a->database, b->database));
	CHECK(a->noptions == b->noptions);
	for (size_t i = 0; i < a->noptions; i++) {
		CHECK(str_eq(a->options[i].key, b->options[i].key));
		CHECK(str_eq(a->options[i].value, b->options[i].value));
	}
}

static void check_accepted(const char *text, const sl_url *url)
{
	CHECK(url->scheme && url->port >= 0 && url->port <= 65535);
	CHECK(url->noptions == 0 || url->options);
	for (size_t i = 0; i < url->noptions; i++) {
		CHECK(url->options[i].key[0] != '\0');
		const char *want = url->options[i].value;
		for (size_t j = i + 1; j < url->noptions; j++)
			if (strcmp(url->options[j].key, url->options[i].key) == 0)
				want = url->options[j].value;
		CHECK(sl_url_option_get(url, url->options[i].key) == want);
	}

	char *red = sl_url_redacted(url);
	CHECK(red);
	for (const char *p = red; *p; p++)
		CHECK(*p > 0x20 && *p < 0x7f);
	sl_url *again = NULL;
	if (sl_url_parse(&again, red) != SL_OK) {
		fprintf(stderr, "fuzz_url: redacted %s refused: %s\n", red,
			sl_error_last()->message);
		abort();
	}
	check_same_parts(url, again);
	CHECK(str_eq(again->password, url->password ? "***" : NULL));
	char *red2 = sl_url_redacted(again);
	CHECK(red2 && strcmp(red, red2) == 0);

	/* sl_url_redact_text hides exactly the raw password. */
	char *rt = sl_url_redact_text(text);
	CHECK(rt);
	if (url->password) {
		char *span = hidden_span(text, rt);
		CHECK(span);
		char *decoded = pct_decode(span, strlen(span));
		CHECK(decoded && strcmp(decoded, url->password) == 0);
		free(decoded);
		free(span);
	} else {
		CHECK(strcmp(rt, text) == 0);
	}
	free(rt);
	free(red2);
	free(red);
	sl_url_free(again);
}

static void check_refused(const char *text, int rc)
{
	const sl_error *err = sl_error_last();
	CHECK(rc == SL_EURL && err->code == SL_EURL);
	const char *msg = err->message;
	CHECK(strlen(msg) < 1000 && !has_control(msg));
	char *rt = sl_url_redact_text(text);
	CHECK(rt);
	if (text[0] == '\0') {
		CHECK(has(msg, "empty"));
	} else {
		const char *head = "malformed URL '";
		CHECK(strncmp(msg, head, strlen(head)) == 0);
		size_t rlen = strlen(rt);
		size_t cmp = rlen < 400 ? rlen : 400;
		CHECK(strncmp(msg + strlen(head), rt, cmp) == 0);
		if (rlen < 400) {
			/* Not cut: the position follows the quoted URL, and lies within it. */
			const char *at = msg + strlen(head) + rlen;
			const char *label = "' at character ";
			CHECK(strncmp(at, label, strlen(label)) == 0);
			long pos = strtol(at + strlen(label), NULL, 10);
			CHECK(pos >= 1 && (size_t)pos <= rlen + 1);
		}
	}
	/*
	 * A hidden span that is unique in the URL and holds a character no message uses must not
	 * be in the message after the quoted URL (the quoted URL itself may spell it by chance,
	 * as in ":***@!" hidden in "::***@!@!", so it is left out).
	 */
	if (!has_control(text) && text[0] != '\0' && strlen(rt) < 400) {
		char *span = hidden_span(text, rt);
		const char *tail = msg + strlen("malformed URL '") + strlen(rt);
		if (span && span[strcspn(span, "!#$&<>^`{|}~\"")] != '\0' &&
		    count_occurrences(text, span) == 1) {
			if (has(tail, span)) {
				fprintf(stderr, "fuzz_url: message shows hidden '%s': %s\n", span,
					msg);
				abort();
			}
		}
		free(span);
	}
	free(rt);
}

static void run_raw(const char *text)
{
	sl_url *url = NULL;
	int rc = sl_url_parse(&url, text);
	if (rc == SL_OK) {
		CHECK(url);
		check_accepted(text, url);
	} else {
		CHECK(url == NULL);
		check_refused(text, rc);
	}
	sl_url_free(url);
}

static void run_canary(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = {
		"mysql://u:",	  "postgresql://:", "mariadb+x://us%40er:",
		"sqlite://u:",	  "duckdb://u:",    "foo://u:",
		"mysql:/u:",	  "x y://u:",	    "mysql://[::1:",
		"mysql://u%zz:",  "mysql://u:a/",   "mysql://u:a?",
		"postgres://u::", "://u:",	    "mysql://u\t:",
		"mysql://u:\x7f",
	};
	if (size == 0)
		return;
	const char *prefix = prefixes[data[0] % (sizeof prefixes / sizeof prefixes[0])];
	size_t plen = strlen(prefix), clen = strlen(CANARY);
	char *text = malloc(plen + clen + size);
	CHECK(text);
	memcpy(text, prefix, plen);
	memcpy(text + plen, CANARY, clen);
	memcpy(text + plen + clen, data + 1, size - 1);
	text[plen + clen + size - 1] = '\0';

	const char *rest = text + plen + clen;
	bool secret = strchr(rest, '@') && !strchr(rest, 'S') && !strchr(rest, '%');

	sl_url *url = NULL;
	int rc = sl_url_parse(&url, text);
	if (rc == SL_OK) {
		char *red = sl_url_redacted(url);
		CHECK(red);
		if (secret) {
			CHECK(has(url->password, CANARY));
			CHECK(!has(red, CANARY));
			CHECK(!any_part_has(url, CANARY));
		}
		free(red);
	} else if (secret && has(sl_error_last()->message, CANARY)) {
		fprintf(stderr, "fuzz_url: message shows the password: %s\n",
			sl_error_last()->message);
		abort();
	}
	if (secret) {
		char *rt = sl_url_redact_text(text);
		CHECK(rt && !has(rt, CANARY));
		free(rt);
	}
	sl_url_free(url);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0'; /* an embedded NUL simply ends the URL */
	run_raw(text);
	free(text);
	run_canary(data, size);
	sl_error_clear();
	return 0;
}
