/*
 * output.c — renders an sl_rows result for `show`, `sql` and `tables`: an aligned table (for
 * people), CSV (RFC 4180 with LF line ends), a JSON array of objects, or NDJSON (one object a
 * line). Every format takes a cell's text from cell_text, which renders booleans, floats and
 * fractions of seconds itself, so that a DuckDB and a PostgreSQL destination print the same data
 * alike. CSV and JSON stream row by row; the table buffers its cells to know the column widths.
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cells longer than this many characters are cut in the table format (only there). */
#define CELL_MAX 40

/* JSON column values nested deeper than this are given as strings: bounds the recursion. */
#define JSON_MAX_DEPTH 512

const cli_enum cli_formats[] = {
	{"table", CLI_FORMAT_TABLE},
	{"csv", CLI_FORMAT_CSV},
	{"json", CLI_FORMAT_JSON},
	{"ndjson", CLI_FORMAT_NDJSON},
	{NULL, 0},
};

/* One cli_print_rows call: where to, what, and how many rows. */
typedef struct printer {
	FILE *out;
	sl_rows *rows;
	size_t ncols;
	sl_type *types; /* per column, read once; owned */
	uint64_t limit; /* rows to print at most, 0: all */
	uint64_t count; /* rows printed so far */
	bool more;	/* rows were left when the limit was reached */
} printer;

/* A cell's text: lent by the rows until the next row, or rendered into buf. */
typedef struct cell {
	const char *text; /* NULL for SQL NULL */
	size_t len;
	char buf[64];
} cell;

static int out_of_memory(void)
{
	fputs("sluice: error: out of memory\n", stderr);
	return CLI_EXIT_FAILURE;
}

/* Flush and check the stream once at the end, rather than every fputc. */
static int finish_output(FILE *out)
{
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "sluice: error: writing output: %s\n", strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

/* Step to the next row to print: 1, 0 at the end or at the limit, < 0 the rows' error. At the
   limit one more row is read, to know whether any were left. */
static int next_row(printer *p)
{
	int rc = sl_rows_next(p->rows);

	if (p->limit && p->count == p->limit) {
		p->more = rc == 1;
		return rc < 0 ? rc : 0;
	}
	p->count += rc == 1;
	return rc;
}

/* ---------------------------------------------------------------- the text of a cell */

static bool is_numeric(sl_type type)
{
	return type >= SL_TYPE_INT8 && type <= SL_TYPE_DECIMAL;
}

static bool is_float(sl_type type)
{
	return type == SL_TYPE_FLOAT || type == SL_TYPE_DOUBLE;
}

/* The fewest significant digits that read back as the same float (single) or double, in %g's
   notation ("0.1", "1e+20"); NaN and the infinities as PostgreSQL spells them. */
static size_t float_text(char *buf, size_t size, double v, bool single)
{
	int n = 0;

	if (isnan(v))
		return (size_t)snprintf(buf, size, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, size, "%s", v < 0 ? "-Infinity" : "Infinity");
	/* up to FLT_DIG / DBL_DIG digits every decimal reads back, so the search starts there;
	   %g drops trailing zeros, so the first precision that reads back gives the shortest */
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
			break;
	}
	return (size_t)n;
}

/* "12:00:00.500000" -> "12:00:00.5", as PostgreSQL and DuckDB's own casts write fractions of
   seconds (the DuckDB driver writes six digits). */
static void trim_fraction(cell *c)
{
	const char *dot = memchr(c->text, '.', c->len);
	size_t start, end, keep;

	if (!dot || c->len >= sizeof(c->buf))
		return;
	start = end = (size_t)(dot - c->text) + 1;
	while (end < c->len && c->text[end] >= '0' && c->text[end] <= '9')
		end++;
	for (keep = end; keep > start && c->text[keep - 1] == '0'; keep--)
		;
	if (keep == end)
		return;
	if (keep == start)
		keep--; /* no digits left: the point goes too */
	memcpy(c->buf, c->text, keep);
	memcpy(c->buf + keep, c->text + end, c->len - end);
	c->len = keep + c->len - end;
	c->buf[c->len] = '\0';
	c->text = c->buf;
}

/* The text of column `col` of the current row, the same in every format and from every
   destination (PostgreSQL's own text of a boolean is t/f, and its float notation differs). */
static void cell_text(cell *c, const printer *p, size_t col)
{
	sl_type type = p->types[col];
	int64_t i;
	double d;

	c->text = NULL;
	c->len = 0;
	if (sl_rows_is_null(p->rows, col))
		return;
	if (type == SL_TYPE_BOOL && sl_rows_int64(&i, p->rows, col) == 0) {
		c->text = i ? "true" : "false";
		c->len = strlen(c->text);
	} else if (is_float(type) && sl_rows_double(&d, p->rows, col) == 0) {
		c->len = float_text(c->buf, sizeof(c->buf), d, type == SL_TYPE_FLOAT);
		c->text = c->buf;
	} else {
		c->text = sl_rows_text(p->rows, col, &c->len);
		if (c->text && (type == SL_TYPE_TIME || type == SL_TYPE_TIMESTAMP ||
				type == SL_TYPE_TIMESTAMPTZ))
			trim_fraction(c);
	}
}

/* ---------------------------------------------------------------- CSV */

/* RFC 4180: quote fields holding a comma, quote or line break. An empty string is quoted too, so
   it stays distinguishable from NULL, which is written as an empty field. */
static void csv_field(FILE *out, const char *s, size_t len)
{
	bool quote = len == 0;

	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		fwrite(s, 1, len, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

/* Lines end in LF alone, as psql --csv and DuckDB's COPY write them, so cut and awk see no \r. */
static int print_csv(printer *p)
{
	cell c;
	int rc;

	for (size_t i = 0; i < p->ncols; i++) {
		const char *name = sl_rows_column_name(p->rows, i);
		if (i)
			fputc(',', p->out);
		csv_field(p->out, name, strlen(name));
	}
	fputc('\n', p->out);
	while ((rc = next_row(p)) == 1) {
		for (size_t i = 0; i < p->ncols; i++) {
			cell_text(&c, p, i);
			if (i)
				fputc(',', p->out);
			if (c.text)
				csv_field(p->out, c.text, c.len);
		}
		fputc('\n', p->out);
	}
	return rc < 0 ? cli_fail(rc) : finish_output(p->out);
}

/* ---------------------------------------------------------------- JSON text */

/* Whether s is well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static bool utf8_valid(const char *s, size_t len)
{
	static const unsigned min_code[] = {0, 0x80, 0x800, 0x10000};
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p++;
		size_t n = c < 0x80		    ? 0 /* continuation bytes after c */
			   : c >= 0xC2 && c <= 0xDF ? 1
			   : (c & 0xF0) == 0xE0	    ? 2
			   : c >= 0xF0 && c <= 0xF4 ? 3
						    : 4;
		if (n == 4 || (size_t)(end - p) < n)
			return false;
		unsigned code = c & (0x7Fu >> n);
		for (size_t i = 0; i < n; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return false;
			code = code << 6 | (*p & 0x3F);
		}
		if (code < min_code[n] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
			return false;
	}
	return true;
}

/* A scan through JSON text that checks its grammar (RFC 8259) and writes nothing. */
typedef struct jscan {
	const char *p, *end;
	int depth;
} jscan;

static bool js_value(jscan *s);

static bool js_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void js_skip_space(jscan *s)
{
	while (s->p < s->end && js_space(*s->p))
		s->p++;
}

static bool js_take(jscan *s, char ch)
{
	if (s->p == s->end || *s->p != ch)
		return false;
	s->p++;
	return true;
}

static bool js_digits(jscan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start;
}

static bool js_number(jscan *s)
{
	js_take(s, '-');
	if (!js_take(s, '0') && (s->p == s->end || *s->p < '1' || *s->p > '9' || !js_digits(s)))
		return false;
	if (js_take(s, '.') && !js_digits(s))
		return false;
	if (js_take(s, 'e') || js_take(s, 'E')) {
		if (!js_take(s, '+'))
			js_take(s, '-');
		return js_digits(s);
	}
	return true;
}

static bool js_hex_digit(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* After a backslash in a string: one of JSON's escapes. */
static bool js_escape(jscan *s)
{
	if (s->p == s->end)
		return false;
	char ch = *s->p++;
	if (ch != 'u')
		return ch != '\0' && strchr("\"\\/bfnrt", ch) != NULL;
	for (int i = 0; i < 4; i++, s->p++)
		if (s->p == s->end || !js_hex_digit(*s->p))
			return false;
	return true;
}

/* After the opening quote; the text's UTF-8 is checked as a whole, elsewhere. */
static bool js_string(jscan *s)
{
	while (s->p < s->end) {
		unsigned char ch = (unsigned char)*s->p++;
		if (ch == '"')
			return true;
		if (ch < 0x20 || (ch == '\\' && !js_escape(s)))
			return false;
	}
	return false;
}

static bool js_word(jscan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return true;
}

/* After '[' or '{': values (members, with keys) separated by ',' up to `close`. */
static bool js_items(jscan *s, bool keys, char close)
{
	js_skip_space(s);
	if (js_take(s, close))
		return true;
	do {
		js_skip_space(s);
		if (keys && !(js_take(s, '"') && js_string(s)))
			return false;
		js_skip_space(s);
		if ((keys && !js_take(s, ':')) || !js_value(s))
			return false;
		js_skip_space(s);
	} while (js_take(s, ','));
	return js_take(s, close);
}

static bool js_value(jscan *s)
{
	bool ok;

	js_skip_space(s);
	if (s->p == s->end || ++s->depth > JSON_MAX_DEPTH)
		return false;
	switch (*s->p++) {
	case '{':
		ok = js_items(s, true, '}');
		break;
	case '[':
		ok = js_items(s, false, ']');
		break;
	case '"':
		ok = js_string(s);
		break;
	case 't':
		ok = js_word(s, "rue");
		break;
	case 'f':
		ok = js_word(s, "alse");
		break;
	case 'n':
		ok = js_word(s, "ull");
		break;
	default:
		s->p--;
		ok = js_number(s);
		break;
	}
	s->depth--;
	return ok;
}

/* Whether the whole of s is one JSON value (with whitespace around it); or, when number_only, one
   JSON number and nothing else. */
static bool json_valid(const char *s, size_t len, bool number_only)
{
	jscan scan = {s, s + len, 0};

	if (number_only)
		return js_number(&scan) && scan.p == scan.end;
	if (!utf8_valid(s, len) || !js_value(&scan))
		return false;
	js_skip_space(&scan);
	return scan.p == scan.end;
}

/* ---------------------------------------------------------------- JSON output */

static void json_escape(FILE *out, unsigned char ch)
{
	switch (ch) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\r':
		fputs("\\r", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	default:
		fprintf(out, "\\u%04x", ch);
		break;
	}
}

/* Bytes that are not valid UTF-8 (a BLOB) cannot be a JSON string: give them as "\x" + hex. */
static void json_hex(FILE *out, const char *s, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	fputs("\"\\\\x", out);
	for (size_t i = 0; i < len; i++) {
		fputc(digits[(unsigned char)s[i] >> 4], out);
		fputc(digits[(unsigned char)s[i] & 15], out);
	}
	fputc('"', out);
}

static void json_string(FILE *out, const char *s, size_t len)
{
	size_t start = 0;

	if (!utf8_valid(s, len)) {
		json_hex(out, s, len);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		fwrite(s + start, 1, i - start, out);
		json_escape(out, ch);
		start = i + 1;
	}
	fwrite(s + start, 1, len - start, out);
	fputc('"', out);
}

/* Valid JSON text without the whitespace between its tokens, so a value spans one line. */
static void json_minified(FILE *out, const char *s, size_t len)
{
	bool in_string = false;
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = false;
		} else if (s[i] == '"') {
			in_string = true;
		} else if (js_space(s[i])) {
			fwrite(s + start, 1, i - start, out);
			start = i + 1;
		}
	}
	fwrite(s + start, 1, len - start, out);
}

/*
 * One JSON type per column: numbers (every digit, never rounded through a double; floats with a
 * point or an exponent, so typed readers see a float in every row) or null where the value has
 * no JSON number (NaN, infinities); booleans; JSON columns nested (text that is not valid JSON,
 * which DuckDB accepts into a JSON column, as a string); everything else a string.
 */
static void json_cell(const printer *p, size_t col)
{
	sl_type type = p->types[col];
	cell c;

	cell_text(&c, p, col);
	if (!c.text) {
		fputs("null", p->out);
	} else if (is_numeric(type)) {
		if (!json_valid(c.text, c.len, true)) {
			fputs("null", p->out);
			return;
		}
		fwrite(c.text, 1, c.len, p->out);
		if (is_float(type) && !memchr(c.text, '.', c.len) && !memchr(c.text, 'e', c.len))
			fputs(".0", p->out);
	} else if ((type == SL_TYPE_JSON || type == SL_TYPE_BOOL) &&
		   json_valid(c.text, c.len, false)) {
		json_minified(p->out, c.text, c.len);
	} else {
		json_string(p->out, c.text, c.len);
	}
}

/* The current row as an object, keys in column order. */
static void json_row(const printer *p)
{
	fputc('{', p->out);
	for (size_t i = 0; i < p->ncols; i++) {
		const char *name = sl_rows_column_name(p->rows, i);
		if (i)
			fputs(", ", p->out);
		json_string(p->out, name, strlen(name));
		fputs(": ", p->out);
		json_cell(p, i);
	}
	fputc('}', p->out);
}

/* json: one array, an object a line; ndjson (lines): the objects alone, one a line. */
static int print_json(printer *p, bool lines)
{
	int rc;

	if (!lines)
		fputc('[', p->out);
	while ((rc = next_row(p)) == 1) {
		if (!lines)
			fputs(p->count > 1 ? ",\n" : "\n", p->out);
		json_row(p);
		if (lines)
			fputc('\n', p->out);
	}
	if (rc < 0)
		return cli_fail(rc);
	if (!lines)
		fputs(p->count ? "\n]\n" : "]\n", p->out);
	return finish_output(p->out);
}

/* ---------------------------------------------------------------- table */

/* The cells of the table, header row first, each a display-ready copy. */
typedef struct grid {
	size_t ncols;
	char **cells; /* row-major; owned */
	size_t count; /* cells in use */
	size_t cap;
	size_t *width; /* per column, in characters */
	bool *numeric; /* per column: right-aligned */
} grid;

/* Characters (UTF-8 code points) in s. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A copy of the cell for display: control characters become spaces (so a line break cannot
   break the layout) and text beyond CELL_MAX characters is cut and marked "...". */
static char *display_copy(const char *s, size_t len)
{
	size_t chars = 0;
	size_t cut_at = len; /* byte offset after the first CELL_MAX - 3 characters */

	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (chars++ == CELL_MAX - 3)
			cut_at = i;
	}
	bool cut = chars > CELL_MAX;
	size_t keep = cut ? cut_at : len;
	char *copy = malloc(keep + 4);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];
		copy[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	if (cut)
		memcpy(copy + keep, "...", 3);
	copy[keep + (cut ? 3 : 0)] = '\0';
	return copy;
}

static int grid_add(grid *g, const char *s, size_t len)
{
	if (g->count == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		char **cells = realloc(g->cells, cap * sizeof(*cells));
		if (!cells)
			return -1;
		g->cells = cells;
		g->cap = cap;
	}
	char *copy = display_copy(s, len);
	if (!copy)
		return -1;
	size_t col = g->count % g->ncols;
	size_t width = text_width(copy);
	if (width > g->width[col])
		g->width[col] = width;
	g->cells[g->count++] = copy;
	return 0;
}

/* NULL is shown as NULL; a value that reads NULL is quoted ('NULL'), so the two stay apart. */
static int grid_add_cell(grid *g, const cell *c)
{
	if (!c->text)
		return grid_add(g, "NULL", 4);
	if (c->len == 4 && memcmp(c->text, "NULL", 4) == 0)
		return grid_add(g, "'NULL'", 6);
	return grid_add(g, c->text, c->len);
}

static void grid_free(grid *g)
{
	for (size_t i = 0; i < g->count; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->width);
	free(g->numeric);
}

static int grid_header(grid *g, const printer *p)
{
	for (size_t i = 0; i < g->ncols; i++) {
		const char *name = sl_rows_column_name(p->rows, i);
		g->numeric[i] = is_numeric(p->types[i]);
		if (grid_add(g, name, strlen(name)) != 0)
			return -1;
	}
	return 0;
}

/* Read the rows to print into the grid: 1 done, 0 out of memory, < 0 the rows' error. */
static int grid_fill(grid *g, printer *p)
{
	cell c;
	int rc;

	while ((rc = next_row(p)) == 1) {
		for (size_t i = 0; i < g->ncols; i++) {
			cell_text(&c, p, i);
			if (grid_add_cell(g, &c) != 0)
				return 0;
		}
	}
	return rc < 0 ? rc : 1;
}

static void pad(FILE *out, size_t n, char c)
{
	while (n-- > 0)
		fputc(c, out);
}

static void print_grid_row(FILE *out, const grid *g, char *const *cells)
{
	for (size_t i = 0; i < g->ncols; i++) {
		size_t gap = g->width[i] - text_width(cells[i]);
		bool last = i + 1 == g->ncols;
		if (i)
			fputs("  ", out);
		if (g->numeric[i])
			pad(out, gap, ' ');
		fputs(cells[i], out);
		if (!g->numeric[i] && !last)
			pad(out, gap, ' ');
	}
	fputc('\n', out);
}

static void print_grid(FILE *out, const grid *g)
{
	size_t nrows = g->count / g->ncols - 1;

	print_grid_row(out, g, g->cells);
	for (size_t i = 0; i < g->ncols; i++) {
		if (i)
			fputs("  ", out);
		pad(out, g->width[i], '-');
	}
	fputc('\n', out);
	for (size_t r = 1; r <= nrows; r++)
		print_grid_row(out, g, g->cells + r * g->ncols);
	fprintf(out, "(%zu row%s)\n", nrows, nrows == 1 ? "" : "s");
}

static int print_table(printer *p)
{
	grid g = {p->ncols, NULL, 0, 0, NULL, NULL};
	int rc;

	if (g.ncols == 0)
		return finish_output(p->out);
	g.width = calloc(g.ncols, sizeof(*g.width));
	g.numeric = calloc(g.ncols, sizeof(*g.numeric));
	if (!g.width || !g.numeric || grid_header(&g, p) != 0)
		rc = 0;
	else
		rc = grid_fill(&g, p);
	if (rc == 1)
		print_grid(p->out, &g);
	grid_free(&g);
	if (rc < 0)
		return cli_fail(rc);
	return rc == 0 ? out_of_memory() : finish_output(p->out);
}

/* ---------------------------------------------------------------- entry point */

static int print_format(printer *p, cli_format format)
{
	switch (format) {
	case CLI_FORMAT_CSV:
		return print_csv(p);
	case CLI_FORMAT_JSON:
		return print_json(p, false);
	case CLI_FORMAT_NDJSON:
		return print_json(p, true);
	case CLI_FORMAT_TABLE:
	default:
		return print_table(p);
	}
}

int cli_print_rows(FILE *out, sl_rows *rows, cli_format format, uint64_t limit, bool *more)
{
	printer p = {out, rows, sl_rows_column_count(rows), NULL, limit, 0, false};
	int code;

	p.types = calloc(p.ncols ? p.ncols : 1, sizeof(*p.types));
	if (!p.types)
		return out_of_memory();
	for (size_t i = 0; i < p.ncols; i++)
		p.types[i] = sl_rows_column_type(rows, i);
	code = print_format(&p, format);
	free(p.types);
	if (more)
		*more = p.more;
	return code;
}
