/*
 * args.c — pure parsing helpers of the sluice CLI (see args.h). Everything here is a function of
 * its arguments: no I/O, no allocation, no libsluice, so the unit test compiles this file alone.
 */
#include "args.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest user text quoted in an error; longer text is cut and marked "...". */
#define QUOTE_MAX 60

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '-';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool prefix_nocase(const char *text, const char *prefix)
{
	for (; *prefix; prefix++, text++) {
		if (to_lower(*text) != *prefix)
			return false;
	}
	return true;
}

/* Quote user text for a message: redacted first (it may be a URL), then shortened. */
static void quote_text(char *out, size_t outlen, const char *text)
{
	char redacted[sizeof(((cli_err *)0)->msg)];

	cli_redact_url(redacted, sizeof(redacted), text);
	size_t len = strlen(redacted);
	if (len > QUOTE_MAX) {
		len = QUOTE_MAX - 3;
		/* do not cut a UTF-8 sequence in two */
		while (len > 0 && ((unsigned char)redacted[len] & 0xC0) == 0x80)
			len--;
		memcpy(redacted + len, "...", 4);
		len += 3;
	}
	/* truncation is intended (out may be shorter still): copy by hand, not with snprintf */
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, redacted, len);
	out[len] = '\0';
}

/* Fill err with "OPT: 'TEXT' WHY" and return -1. */
static int arg_error(cli_err *err, const char *opt, const char *text, const char *why)
{
	char quoted[QUOTE_MAX + 1];

	quote_text(quoted, sizeof(quoted), text);
	snprintf(err->msg, sizeof(err->msg), "%s: '%s' %s", opt, quoted, why);
	return -1;
}

int cli_parse_uint(uint64_t *out, const char *opt, const char *text, uint64_t min, uint64_t max,
		   cli_err *err)
{
	const char *p = text;
	bool negative = *p == '-';
	bool overflow = false;
	uint64_t value = 0;
	char why[96];

	if (negative)
		p++;
	if (*p == '\0')
		return arg_error(err, opt, text, "is not a number");
	for (; *p; p++) {
		if (!is_digit(*p))
			return arg_error(err, opt, text, "is not a number");
		unsigned digit = (unsigned)(*p - '0');
		if (value > (UINT64_MAX - digit) / 10)
			overflow = true;
		else
			value = value * 10 + digit;
	}
	if (negative && value == 0 && min == 0)
		negative = false; /* "-0" is zero */
	if (!negative && !overflow && value >= min && value <= max) {
		*out = value;
		return 0;
	}
	if (max == UINT64_MAX)
		snprintf(why, sizeof(why), overflow ? "is too large" : "must be at least %llu",
			 (unsigned long long)min);
	else
		snprintf(why, sizeof(why), "must be between %llu and %llu", (unsigned long long)min,
			 (unsigned long long)max);
	return arg_error(err, opt, text, why);
}

/* Length of a plain decimal number at p ("12", "2.5", ".5", "3."), 0 if there is none. */
static size_t number_span(const char *p)
{
	size_t n = 0;
	size_t digits = 0;

	while (is_digit(p[n]))
		n++, digits++;
	if (p[n] == '.') {
		n++;
		while (is_digit(p[n]))
			n++, digits++;
	}
	return digits > 0 ? n : 0;
}

/* The value of the number_span() at p; strtod is safe here because the span was validated and
   copied (so it cannot read an exponent or hex prefix beyond it). -1 if absurdly long. */
static double span_value(const char *p, size_t n)
{
	char buf[64];

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return strtod(buf, NULL);
}

int cli_parse_decimal(double *out, const char *opt, const char *text, cli_err *err)
{
	size_t n = number_span(text);
	double value = n > 0 ? span_value(text, n) : -1;

	if (n == 0 || text[n] != '\0' || value < 0 || !isfinite(value))
		return arg_error(err, opt, text, "is not a non-negative number");
	*out = value;
	return 0;
}

/* Duration units, longest spelling first where one is a prefix of another ("ms" before "m");
   rank gives the order they must appear in. */
static const struct {
	const char *name;
	double seconds;
	int rank;
} duration_units[] = {
	{"d", 86400, 0}, {"h", 3600, 1}, {"ms", 0.001, 4}, {"m", 60, 2}, {"s", 1, 3},
};

static int duration_unit(const char *p, size_t *len)
{
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		size_t n = strlen(duration_units[i].name);
		if (strncmp(p, duration_units[i].name, n) == 0) {
			*len = n;
			return (int)i;
		}
	}
	return -1;
}

/* Sum of "number unit" parts; -1 if malformed. */
static double duration_parts(const char *p)
{
	double total = 0;
	int last_rank = -1;

	while (*p) {
		size_t n = number_span(p);
		size_t unit_len = 0;
		int unit = n > 0 ? duration_unit(p + n, &unit_len) : -1;
		if (unit < 0 || duration_units[unit].rank <= last_rank)
			return -1;
		double value = span_value(p, n);
		if (value < 0)
			return -1;
		total += value * duration_units[unit].seconds;
		last_rank = duration_units[unit].rank;
		p += n + unit_len;
	}
	return total;
}

int cli_parse_duration(double *out, const char *opt, const char *text, cli_err *err)
{
	size_t n = number_span(text);
	double seconds = (n > 0 && text[n] == '\0') ? span_value(text, n) : duration_parts(text);

	if (*text == '\0' || seconds < 0 || !isfinite(seconds))
		return arg_error(err, opt, text, "is not a duration (e.g. 90s, 10m, 1h30m, 2.5h)");
	if (seconds == 0)
		return arg_error(err, opt, text, "must be greater than zero");
	*out = seconds;
	return 0;
}

/* Size units DuckDB's memory_limit understands, lower case. */
static const char *const size_units[] = {
	"bytes", "b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib", "k", "m", "g", "t", NULL,
};

static bool is_size_unit(const char *p)
{
	for (size_t i = 0; size_units[i]; i++) {
		if (strlen(p) == strlen(size_units[i]) && prefix_nocase(p, size_units[i]))
			return true;
	}
	return false;
}

int cli_check_size(const char *opt, const char *text, cli_err *err)
{
	size_t n = number_span(text);
	const char *unit = text + n;

	if (*unit == ' ')
		unit++;
	if (n == 0 || !is_size_unit(unit))
		return arg_error(err, opt, text, "is not a size (e.g. 256MB, 2GB)");
	if (!(span_value(text, n) > 0))
		return arg_error(err, opt, text, "must be greater than zero");
	return 0;
}

int cli_parse_enum(int *out, const char *opt, const char *text, const cli_enum *values,
		   cli_err *err)
{
	char why[160] = "must be one of ";
	size_t len = strlen(why);

	for (size_t i = 0; values[i].name; i++) {
		if (strcmp(text, values[i].name) == 0) {
			*out = values[i].value;
			return 0;
		}
		int w = snprintf(why + len, sizeof(why) - len, "%s%s", i ? ", " : "",
				 values[i].name);
		if (w > 0 && (size_t)w < sizeof(why) - len)
			len += (size_t)w;
	}
	return arg_error(err, opt, text, why);
}

/* A bounded writer: keeps the output NUL-terminated and drops what does not fit. */
typedef struct out_buf {
	char *data;
	size_t cap;
	size_t len;
} out_buf;

static void out_put(out_buf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->len + 1 < o->cap; i++)
		o->data[o->len++] = s[i];
	o->data[o->len] = '\0';
}

/* If a secret query parameter ("password=") starts at p, its length up to the value; else 0. */
static size_t secret_key(const char *p)
{
	static const char *const keys[] = {"password=", "passwd=", "pwd=", NULL};

	for (size_t i = 0; keys[i]; i++) {
		if (prefix_nocase(p, keys[i]))
			return strlen(keys[i]);
	}
	return 0;
}

void cli_redact_url(char *out, size_t outlen, const char *text)
{
	out_buf o = {out, outlen, 0};
	const char *scheme_end = strstr(text, "://");
	const char *auth = scheme_end ? scheme_end + 3 : NULL;
	const char *at = auth ? strrchr(auth, '@') : NULL;
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	const char *query = auth ? strchr(at ? at : auth, '?') : NULL;

	out_put(&o, "", 0);
	for (const char *p = text; *p;) {
		size_t key = 0;
		if (colon && p == colon + 1) {
			out_put(&o, "***", 3);
			p = at;
			colon = NULL; /* an empty password leaves p where it was */
		} else if (query && p > query && (p[-1] == '?' || p[-1] == '&') &&
			   (key = secret_key(p)) > 0) {
			out_put(&o, p, key);
			out_put(&o, "***", 3);
			p += key + strcspn(p + key, "&#");
		} else {
			out_put(&o, p++, 1);
		}
	}
}

/* The [start, end) of the database name in a URL, without directories and extension. */
static bool url_database(const char *url, const char **start, const char **end)
{
	const char *scheme_end = strstr(url, "://");
	if (!scheme_end)
		return false;
	const char *host = scheme_end + 3;
	const char *path_end = host + strcspn(host, "?#");
	/* skip any user info, whose password may hold a '/' */
	for (const char *p = host; p < path_end; p++) {
		if (*p == '@')
			host = p + 1;
	}
	const char *path = memchr(host, '/', (size_t)(path_end - host));
	if (!path)
		return false;
	const char *base = path + 1;
	for (const char *p = base; p < path_end; p++) {
		if (*p == '/')
			base = p + 1;
	}
	const char *dot = NULL;
	for (const char *p = base + 1; p < path_end; p++) {
		if (*p == '.')
			dot = p;
	}
	*start = base;
	*end = dot ? dot : path_end;
	return true;
}

void cli_default_pipeline_name(char *out, size_t outlen, const char *url)
{
	const char *start = NULL;
	const char *end = NULL;
	size_t len = 0;

	if (url_database(url, &start, &end)) {
		for (const char *p = start; p < end && len + 1 < outlen; p++) {
			char c = to_lower(*p);
			if (!is_name_char(c))
				c = '_';
			if (c != '_' || len > 0) /* no '_' at the start */
				out[len++] = c;
		}
		while (len > 0 && out[len - 1] == '_')
			len--;
	}
	if (len == 0)
		snprintf(out, outlen, "sluice");
	else
		out[len] = '\0';
}
