/*
 * url.c — parse SQLAlchemy-style connection URLs (see url.h) and redact their passwords.
 *
 * The split follows SQLAlchemy and RFC 3986 where they agree: the authority runs from "://" to
 * the first '/' or '?'; the LAST '@' in it ends the user info, so raw '@' in a password works;
 * the first ':' in the user info starts the password. '+' means space only in the query, as in
 * urllib.parse.parse_qsl; elsewhere it is a plain '+'. "%00" is refused everywhere, the password
 * included: a C string would silently cut the value short, and a truncated password fails later
 * with a misleading "access denied".
 *
 * A password holding a raw '/' or '?' ends the authority early ("mysql://u:p/w@h"); such a URL
 * reads as host "u", port "p", database "w@h" and would put password bytes into other parts. So
 * when the authority has no '@' but a later '@' follows some ':', the URL is refused as
 * ambiguous, and everything from "://" to that '@' is treated as secret.
 *
 * Error messages quote the URL with the password as "***" and control characters as \xHH, and
 * point at a 1-based character position in that quoted text (what the reader sees). All messages
 * go through fail(), which never quotes a fragment that overlaps the password.
 */
#include "url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

static const struct {
	const char *name;
	sl_url_kind kind;
} SCHEMES[] = {
	{"mysql", SL_URL_MYSQL},       {"mariadb", SL_URL_MYSQL}, {"postgresql", SL_URL_POSTGRES},
	{"postgres", SL_URL_POSTGRES}, {"sqlite", SL_URL_SQLITE}, {"duckdb", SL_URL_DUCKDB},
	{"file", SL_URL_FILE},
};

/* Where the parts of a URL lie, found without validating anything (shared with redaction). */
typedef struct layout {
	size_t len;
	size_t sep;	   /* offset of the first "://", NONE if absent */
	bool plain_scheme; /* the text before sep is made of scheme characters only */
	size_t auth;	   /* authority [auth, auth_end): after "://" up to the first '/' or '?' */
	size_t auth_end;
	size_t at;	 /* last '@' in the authority, NONE if absent */
	size_t stray_at; /* an '@' after the authority that may end a user info, NONE if absent */
	bool has_pw;	 /* [pw_start, pw_end) is secret and shown as "***" */
	size_t pw_start;
	size_t pw_end;
} layout;

typedef struct parser {
	const char *text;
	layout lay;
} parser;

/* Flags for decode(). */
enum {
	DEC_PLUS = 1, /* '+' is a space (query strings) */
	DEC_HOST = 2, /* refuse spaces, control characters, brackets and ':' */
};

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_scheme_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '+' || c == '.' || c == '-' || c == '_';
}

/* RFC 3986 unreserved characters: never percent-encoded when re-assembling. */
static bool is_unreserved(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static size_t last_index(const char *s, size_t from, size_t to, char c)
{
	for (size_t i = to; i > from; i--)
		if (s[i - 1] == c)
			return i - 1;
	return NONE;
}

static size_t first_index(const char *s, size_t from, size_t to, char c)
{
	const char *p = memchr(s + from, c, to - from);
	return p ? (size_t)(p - s) : NONE;
}

static void layout_find(const char *text, size_t len, layout *l)
{
	memset(l, 0, sizeof *l);
	l->len = len;
	l->sep = l->at = l->stray_at = NONE;
	const char *sep = strstr(text, "://");
	if (sep) {
		l->sep = (size_t)(sep - text);
		l->plain_scheme = true;
		for (size_t i = 0; i < l->sep; i++)
			l->plain_scheme = l->plain_scheme && is_scheme_char((unsigned char)text[i]);
	}
	if (!l->plain_scheme) {
		/* Too broken to tell the parts apart: hide from the first ':' to the last '@'. */
		const char *colon = strchr(text, ':');
		const char *at = strrchr(text, '@');
		if (colon && at && colon < at) {
			size_t start = (size_t)(colon - text) + 1;
			while (text[start] == '/')
				start++;
			l->has_pw = start <= (size_t)(at - text);
			l->pw_start = start;
			l->pw_end = (size_t)(at - text);
		}
		return;
	}
	l->auth = l->sep + 3;
	l->auth_end = l->auth + strcspn(text + l->auth, "/?");
	l->at = last_index(text, l->auth, l->auth_end, '@');
	if (l->at != NONE) {
		size_t colon = first_index(text, l->auth, l->at, ':');
		if (colon != NONE) {
			l->has_pw = true;
			l->pw_start = colon + 1;
			l->pw_end = l->at;
		}
		return;
	}
	if (l->auth_end == l->auth)
		return; /* "sqlite:///a:b@c.db": nothing before the path, so no user info */
	size_t at = last_index(text, l->auth_end, len, '@');
	if (at != NONE && first_index(text, l->auth, at, ':') != NONE) {
		l->stray_at = at;
		l->has_pw = true;
		l->pw_start = l->auth;
		l->pw_end = at;
	}
}

/* Output for the quoted URL: a growable buffer, or a fixed array cut short with "...". */
typedef struct sink {
	sl_buf *buf;  /* target, or NULL to fill `fixed` */
	char *fixed;  /* NUL-terminated after every put */
	size_t cap;   /* size of `fixed`, at least 8 */
	size_t used;  /* bytes in `fixed` */
	bool cut;     /* `fixed` is full and ends in "..." */
	size_t chars; /* characters (UTF-8 lead bytes) emitted so far, cut or not */
} sink;

static void sink_put(sink *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			s->chars++;
	if (s->buf) {
		sl_buf_append(s->buf, p, n);
		return;
	}
	if (s->cut)
		return;
	size_t room = s->cap - s->used - 4; /* keep space for "..." and the NUL */
	if (n > room) {
		memcpy(s->fixed + s->used, p, room);
		memcpy(s->fixed + s->used + room, "...", 4);
		s->used += room + 3;
		s->cut = true;
		return;
	}
	memcpy(s->fixed + s->used, p, n);
	s->used += n;
	s->fixed[s->used] = '\0';
}

static void sink_escaped(sink *s, unsigned char c)
{
	char hex[8];
	int n = snprintf(hex, sizeof hex, "\\x%02X", c);
	sink_put(s, hex, (size_t)n);
}

/*
 * Emit `text` with the password span as "***" and control characters as \xHH. Returns the
 * 1-based character position, in the emitted text, of byte offset `at` (0 if `at` is NONE).
 */
static size_t emit_redacted(sink *s, const char *text, const layout *l, size_t at)
{
	size_t pos = 0;
	bool pw_done = !l->has_pw;
	size_t i = 0;
	while (i <= l->len) {
		if (!pw_done && i == l->pw_start) {
			pw_done = true;
			if (at >= l->pw_start && at < l->pw_end)
				pos = s->chars + 1;
			sink_put(s, "***", 3);
			i = l->pw_end;
			continue;
		}
		if (i == at)
			pos = s->chars + 1;
		if (i == l->len)
			break;
		unsigned char c = (unsigned char)text[i];
		if (is_control(c))
			sink_escaped(s, c);
		else
			sink_put(s, text + i, 1);
		i++;
	}
	return pos;
}

/*
 * Set an SL_EURL last error and return SL_EURL:
 *   malformed URL '<url>' at character <n>: <what> '<fragment>' <rest>
 * `at` is a byte offset into the text; the fragment [frag, frag + flen) is left out (frag NONE)
 * and is never quoted when it overlaps the password.
 */
static int fail(const parser *p, size_t at, const char *what, size_t frag, size_t flen,
		const char *rest)
{
	char shown[480];
	char quoted[64];
	sink s = {.fixed = shown, .cap = sizeof shown};
	shown[0] = '\0';
	size_t pos = emit_redacted(&s, p->text, &p->lay, at);

	const layout *l = &p->lay;
	bool secret = l->has_pw && frag != NONE && frag < l->pw_end && frag + flen > l->pw_start;
	quoted[0] = '\0';
	if (frag != NONE && !secret) {
		sink q = {.fixed = quoted, .cap = sizeof quoted};
		sink_put(&q, "'", 1);
		for (size_t i = frag; i < frag + flen && !q.cut; i++) {
			unsigned char c = (unsigned char)p->text[i];
			if (is_control(c) || c >= 0x80)
				sink_escaped(&q, c);
			else
				sink_put(&q, (const char *)&c, 1);
		}
		sink_put(&q, "'", 1);
	}
	return sl_error_set(SL_EURL, "malformed URL '%s' at character %zu: %s%s%s%s%s", shown, pos,
			    what, quoted[0] ? " " : "", quoted, rest[0] ? " " : "", rest);
}

/*
 * Percent-decode text[s, e) into a new string in *out; `part` names it in messages
 * ("user name", "host", ...).
 */
static int decode(const parser *p, size_t s, size_t e, int flags, const char *part, char **out)
{
	char rest[96];
	char *dst = sl_malloc(e - s + 1);
	if (!dst)
		return SL_ENOMEM;
	size_t n = 0;
	for (size_t i = s; i < e; i++) {
		unsigned char c = (unsigned char)p->text[i];
		size_t at = i;
		if (c == '%') {
			int hi = i + 1 < e ? hex_value((unsigned char)p->text[i + 1]) : -1;
			int lo = i + 2 < e ? hex_value((unsigned char)p->text[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				bool cut = i + 2 >= e;
				snprintf(rest, sizeof rest, "in %s%s", part,
					 strcmp(part, "password") == 0
						 ? "; write a literal '%' as %25"
						 : "");
				free(dst);
				return fail(p, i,
					    cut ? "truncated percent escape" : "bad percent escape",
					    i, cut ? e - i : 3, rest);
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == '\0') {
				snprintf(rest, sizeof rest, "in %s", part);
				free(dst);
				return fail(p, at, "NUL byte (%00)", NONE, 0, rest);
			}
		} else if (c == '+' && (flags & DEC_PLUS)) {
			c = ' ';
		}
		if (flags & DEC_HOST) {
			const char *bad = NULL;
			if (c == ' ' || is_control(c))
				bad = "space or control character in host";
			else if (c == ':')
				bad = "':' in host (IPv6 addresses go in brackets: [::1])";
			else if ((c == '[' || c == ']') && at == i)
				bad = "stray bracket in host";
			if (bad) {
				free(dst);
				return fail(p, at, bad, s, e - s, "");
			}
		}
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	*out = dst;
	return SL_OK;
}

static int check_controls(const parser *p)
{
	const layout *l = &p->lay;
	for (size_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)p->text[i];
		if (!is_control(c))
			continue;
		if (l->has_pw && i >= l->pw_start && i < l->pw_end)
			return fail(p, i, "control character in password", NONE, 0, "");
		char what[48];
		snprintf(what, sizeof what, "control character 0x%02X", c);
		return fail(p, i, what, NONE, 0, "");
	}
	return SL_OK;
}

static int parse_scheme(const parser *p, sl_url *url)
{
	const char *text = p->text;
	const layout *l = &p->lay;
	if (l->sep == NONE) {
		size_t i = 0;
		while (i < l->len && is_scheme_char((unsigned char)text[i]))
			i++;
		return fail(p, i, "no '://' after the scheme", NONE, 0,
			    "(expected e.g. mysql://user@host/db)");
	}
	if (l->sep == 0)
		return fail(p, 0, "empty scheme before '://'", NONE, 0, "");
	size_t plus = NONE;
	for (size_t i = 0; i < l->sep; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '+' && plus == NONE && i > 0) {
			plus = i;
			continue;
		}
		if (is_alpha(c) || (i > 0 && (is_digit(c) || c == '_' || c == '.' || c == '-')))
			continue;
		return fail(p, i, "invalid character", i, 1, "in scheme");
	}
	if (plus == l->sep - 1)
		return fail(p, l->sep, "empty driver after '+' in scheme", NONE, 0, "");
	size_t name_len = plus == NONE ? l->sep : plus;
	url->scheme = sl_strndup(text, name_len);
	if (!url->scheme)
		return SL_ENOMEM;
	for (char *c = url->scheme; *c; c++)
		*c = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
	url->kind = SL_URL_OTHER;
	for (size_t i = 0; i < SL_ARRAY_LEN(SCHEMES); i++)
		if (strcmp(url->scheme, SCHEMES[i].name) == 0)
			url->kind = SCHEMES[i].kind;
	if (plus != NONE) {
		url->driver = sl_strndup(text + plus + 1, l->sep - plus - 1);
		if (!url->driver)
			return SL_ENOMEM;
	}
	return SL_OK;
}

static bool is_file_kind(sl_url_kind kind)
{
	return kind == SL_URL_SQLITE || kind == SL_URL_DUCKDB || kind == SL_URL_FILE;
}

/* "[...]" content at text[s, e): hex digits, ':' and '.', then an optional "%25zone". */
static int parse_ipv6(const parser *p, size_t s, size_t e, char **out)
{
	const char *text = p->text;
	if (s == e)
		return fail(p, s - 1, "empty IPv6 address in '[]'", NONE, 0, "");
	bool colon = false;
	size_t zone = NONE;
	for (size_t i = s; i < e && zone == NONE; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == ':')
			colon = true;
		else if (c == '%' && i + 3 < e && text[i + 1] == '2' && text[i + 2] == '5')
			zone = i;
		else if (hex_value(c) < 0 && c != '.')
			return fail(p, i, "invalid IPv6 address", s, e - s, "");
	}
	if (!colon)
		return fail(p, s, "invalid IPv6 address", s, e - s, "(no ':')");
	for (size_t i = zone == NONE ? e : zone + 3; i < e; i++) {
		if (!is_unreserved((unsigned char)text[i]))
			return fail(p, i, "invalid IPv6 zone in", s, e - s, "");
	}
	if (zone == NONE) {
		*out = sl_strndup(text + s, e - s);
	} else {
		*out = sl_printf_alloc("%.*s%%%.*s", (int)(zone - s), text + s, (int)(e - zone - 3),
				       text + zone + 3);
	}
	return *out ? SL_OK : SL_ENOMEM;
}

static int parse_port(const parser *p, size_t s, size_t e, int *port)
{
	if (s == e)
		return fail(p, s - 1, "empty port after ':'", NONE, 0, "");
	long v = 0;
	for (size_t i = s; i < e; i++) {
		unsigned char c = (unsigned char)p->text[i];
		if (!is_digit(c)) {
			bool v6 = first_index(p->text, s, e, ':') != NONE;
			return fail(p, i, "port", s, e - s,
				    v6 ? "is not a number (IPv6 addresses go in brackets: [::1])"
				       : "is not a number");
		}
		if (v <= 65535)
			v = v * 10 + (c - '0');
	}
	if (v < 1 || v > 65535)
		return fail(p, s, "port", s, e - s, "is out of range (1-65535)");
	*port = (int)v;
	return SL_OK;
}

static int parse_authority(const parser *p, sl_url *url)
{
	const char *text = p->text;
	const layout *l = &p->lay;
	int rc;
	char what[128];
	if (url->kind == SL_URL_FILE)
		return SL_OK; /* all path: parse_dir */
	if (l->stray_at != NONE) {
		return fail(
			p, l->stray_at, "ambiguous '@' after the host:", NONE, 0,
			"percent-encode '/', '?' and '@' in user names and passwords (%2F, %3F, "
			"%40) and '@' elsewhere as %40");
	}
	size_t hp = l->auth;
	if (l->at != NONE) {
		if (is_file_kind(url->kind)) {
			snprintf(what, sizeof what, "%s URLs take no user name or password",
				 url->scheme);
			return fail(p, l->auth, what, NONE, 0, "");
		}
		size_t user_end = l->has_pw ? l->pw_start - 1 : l->at;
		if (user_end > l->auth &&
		    (rc = decode(p, l->auth, user_end, 0, "user name", &url->user)) < 0)
			return rc;
		if (l->has_pw &&
		    (rc = decode(p, l->pw_start, l->pw_end, 0, "password", &url->password)) < 0)
			return rc;
		hp = l->at + 1;
	}
	if (is_file_kind(url->kind)) {
		if (hp == l->auth_end)
			return SL_OK;
		snprintf(what, sizeof what,
			 "%s URLs have no host; use %s:///relative.db or %s:////absolute.db",
			 url->scheme, url->scheme, url->scheme);
		return fail(p, hp, what, NONE, 0, "");
	}
	size_t i = hp;
	if (i < l->auth_end && text[i] == '[') {
		size_t close = first_index(text, i, l->auth_end, ']');
		if (close == NONE)
			return fail(p, i, "unclosed '[' in IPv6 host", NONE, 0, "");
		if ((rc = parse_ipv6(p, i + 1, close, &url->host)) < 0)
			return rc;
		i = close + 1;
		if (i < l->auth_end && text[i] != ':')
			return fail(p, i, "unexpected", i, 1,
				    "after the IPv6 address (expected ':' and a port)");
	} else {
		size_t colon = first_index(text, i, l->auth_end, ':');
		size_t host_end = colon == NONE ? l->auth_end : colon;
		if (host_end > i && (rc = decode(p, i, host_end, DEC_HOST, "host", &url->host)) < 0)
			return rc;
		i = host_end;
	}
	if (i < l->auth_end)
		return parse_port(p, i + 1, l->auth_end, &url->port);
	return SL_OK;
}

/* file:///abs/dir (or file:////abs/dir) is the directory /abs/dir, as in any file URL;
   file://rel/dir is rel/dir, relative to the working directory. */
static int parse_dir(const parser *p, sl_url *url)
{
	const char *text = p->text;
	const layout *l = &p->lay;
	size_t e = l->auth_end + strcspn(text + l->auth_end, "?");
	if (l->auth < l->auth_end)
		return decode(p, l->auth, e, 0, "directory", &url->database);
	if (e <= l->auth_end + 1)
		return SL_OK;
	size_t s = l->auth_end + (text[l->auth_end + 1] == '/' ? 1 : 0);
	return decode(p, s, e, 0, "directory", &url->database);
}

static int parse_path(const parser *p, sl_url *url)
{
	const char *text = p->text;
	const layout *l = &p->lay;
	size_t s = l->auth_end + 1;
	size_t e = l->auth_end + strcspn(text + l->auth_end, "?");
	if (url->kind == SL_URL_FILE)
		return parse_dir(p, url);
	if (!is_file_kind(url->kind)) {
		if (l->auth_end == l->len || text[l->auth_end] != '/' || s == e)
			return SL_OK;
		size_t slash = first_index(text, s, e, '/');
		if (slash != NONE)
			return fail(p, slash, "database name", s, e - s,
				    "contains '/' (write it as %2F)");
		return decode(p, s, e, 0, "database name", &url->database);
	}
	if (l->auth_end < l->len && text[l->auth_end] == '/' && s < e)
		return decode(p, s, e, 0, "file path", &url->database);
	if (url->kind == SL_URL_SQLITE) {
		url->database = sl_strdup(":memory:");
		if (!url->database)
			return SL_ENOMEM;
	}
	return SL_OK;
}

static int parse_query(const parser *p, sl_url *url)
{
	const char *text = p->text;
	const layout *l = &p->lay;
	size_t q = first_index(text, l->auth_end, l->len, '?');
	if (q == NONE)
		return SL_OK;
	size_t max = 1;
	for (size_t i = q + 1; i < l->len; i++)
		max += text[i] == '&';
	url->options = sl_calloc(max, sizeof *url->options);
	if (!url->options)
		return SL_ENOMEM;
	size_t s = q + 1;
	while (s <= l->len) {
		size_t e = first_index(text, s, l->len, '&');
		if (e == NONE)
			e = l->len;
		if (e > s) {
			size_t eq = first_index(text, s, e, '=');
			size_t key_end = eq == NONE ? e : eq;
			if (key_end == s)
				return fail(p, s, "empty option name in query", NONE, 0, "");
			sl_url_option *opt = &url->options[url->noptions++];
			int rc = decode(p, s, key_end, DEC_PLUS, "option name", &opt->key);
			if (rc < 0)
				return rc;
			if (eq == NONE)
				rc = decode(p, e, e, 0, "option value", &opt->value);
			else
				rc = decode(p, eq + 1, e, DEC_PLUS, "option value", &opt->value);
			if (rc < 0)
				return rc;
		}
		s = e + 1;
	}
	return SL_OK;
}

int sl_url_parse(sl_url **out, const char *text)
{
	if (!out)
		return sl_error_set(SL_EINVAL, "sl_url_parse: out is NULL");
	*out = NULL;
	if (!text)
		return sl_error_set(SL_EINVAL, "sl_url_parse: text is NULL");
	if (!text[0])
		return sl_error_set(SL_EURL, "malformed URL '': the URL is empty");
	parser p = {.text = text};
	layout_find(text, strlen(text), &p.lay);
	sl_url *url = sl_calloc(1, sizeof *url);
	if (!url)
		return SL_ENOMEM;
	int rc;
	if ((rc = check_controls(&p)) < 0 || (rc = parse_scheme(&p, url)) < 0 ||
	    (rc = parse_authority(&p, url)) < 0 || (rc = parse_path(&p, url)) < 0 ||
	    (rc = parse_query(&p, url)) < 0) {
		sl_url_free(url);
		return rc;
	}
	*out = url;
	return SL_OK;
}

const char *sl_url_option_get(const sl_url *url, const char *key)
{
	if (!url || !key)
		return NULL;
	for (size_t i = url->noptions; i > 0; i--)
		if (strcmp(url->options[i - 1].key, key) == 0)
			return url->options[i - 1].value;
	return NULL;
}

int sl_url_option_seconds(unsigned *out, const char *dbms, const char *key, const char *value)
{
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < 0 || v > 86400 * 365)
		return sl_error_set(SL_EURL, "%s URL option %s=%s: expected seconds (0..31536000)",
				    dbms, key, value);
	*out = (unsigned)v;
	return SL_OK;
}

/* Append `s`, percent-encoding all but unreserved characters and those in `keep`. */
static void put_encoded(sl_buf *b, const char *s, const char *keep)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (is_unreserved(c) || strchr(keep, c))
			sl_buf_putc(b, (char)c);
		else
			sl_buf_printf(b, "%%%02X", c);
	}
}

char *sl_url_redacted(const sl_url *url)
{
	if (!url || !url->scheme) {
		sl_error_set(SL_EINVAL, "sl_url_redacted: no URL");
		return NULL;
	}
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, url->scheme);
	if (url->driver) {
		sl_buf_putc(&b, '+');
		put_encoded(&b, url->driver, "");
	}
	sl_buf_puts(&b, "://");
	if (url->user || url->password) {
		if (url->user)
			put_encoded(&b, url->user, "");
		if (url->password)
			sl_buf_puts(&b, ":***");
		sl_buf_putc(&b, '@');
	}
	if (url->host && strchr(url->host, ':')) {
		sl_buf_putc(&b, '[');
		put_encoded(&b, url->host, ":");
		sl_buf_putc(&b, ']');
	} else if (url->host) {
		put_encoded(&b, url->host, "");
	}
	if (url->port)
		sl_buf_printf(&b, ":%d", url->port);
	if (url->database) {
		if (url->kind != SL_URL_FILE) /* file:///abs, file://rel: parse_dir */
			sl_buf_putc(&b, '/');
		put_encoded(&b, url->database, is_file_kind(url->kind) ? "/:" : "");
	}
	for (size_t i = 0; i < url->noptions; i++) {
		sl_buf_putc(&b, i == 0 ? '?' : '&');
		put_encoded(&b, url->options[i].key, "");
		sl_buf_putc(&b, '=');
		put_encoded(&b, url->options[i].value, "");
	}
	return sl_buf_detach(&b);
}

char *sl_url_redact_text(const char *text)
{
	if (!text || !text[0])
		return sl_strdup("");
	layout l;
	layout_find(text, strlen(text), &l);
	sl_buf b = SL_BUF_INIT;
	sink s = {.buf = &b};
	emit_redacted(&s, text, &l, NONE);
	return sl_buf_detach(&b);
}

/* Overwrite a secret before freeing it; volatile so the stores are not optimised away. */
void sl_secret_free(char *secret)
{
	if (!secret)
		return;
	volatile char *v = secret;
	while (*v)
		*v++ = '\0';
	free(secret);
}

void sl_url_free(sl_url *url)
{
	if (!url)
		return;
	char *parts[] = {url->scheme, url->driver, url->user, url->host, url->database};
	for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++)
		free(parts[i]);
	sl_secret_free(url->password);
	for (size_t i = 0; i < url->noptions; i++) {
		free(url->options[i].key);
		free(url->options[i].value);
	}
	free(url->options);
	free(url);
}
