/*
 * output.c — renders an sl_rows result as an aligned table (for people), CSV (RFC 4180) or a
 * JSON array of objects (through jansson, so escaping and UTF-8 are right). CSV and JSON stream
 * row by row; the table format buffers its cells to know the column widths.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cells longer than this many characters are cut in the table format (only there). */
#define CELL_MAX 40

const cli_enum cli_formats[] = {
	{"table", CLI_FORMAT_TABLE},
	{"csv", CLI_FORMAT_CSV},
	{"json", CLI_FORMAT_JSON},
	{NULL, 0},
};

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

static int print_csv(FILE *out, sl_rows *rows)
{
	size_t ncols = sl_rows_column_count(rows);
	int rc;

	for (size_t i = 0; i < ncols; i++) {
		const char *name = sl_rows_column_name(rows, i);
		if (i)
			fputc(',', out);
		csv_field(out, name, strlen(name));
	}
	fputs("\r\n", out);
	while ((rc = sl_rows_next(rows)) == 1) {
		for (size_t i = 0; i < ncols; i++) {
			size_t len = 0;
			const char *text = sl_rows_text(rows, i, &len);
			if (i)
				fputc(',', out);
			if (text)
				csv_field(out, text, len);
		}
		fputs("\r\n", out);
	}
	return rc < 0 ? cli_fail(rc) : finish_output(out);
}

/* ---------------------------------------------------------------- JSON */

/* Bytes that are not valid UTF-8 (a BLOB) cannot be a JSON string: give them as "\x" + hex. */
static json_t *json_hex(const char *s, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *hex = malloc(2 * len + 3);
	json_t *j;

	if (!hex)
		return NULL;
	hex[0] = '\\';
	hex[1] = 'x';
	for (size_t i = 0; i < len; i++) {
		hex[2 + 2 * i] = digits[(unsigned char)s[i] >> 4];
		hex[3 + 2 * i] = digits[(unsigned char)s[i] & 15];
	}
	j = json_stringn(hex, 2 * len + 2);
	free(hex);
	return j;
}

static json_t *json_text(sl_rows *rows, size_t col)
{
	size_t len = 0;
	const char *text = sl_rows_text(rows, col, &len);
	json_t *j;

	if (!text)
		return json_null();
	j = json_stringn(text, len);
	return j ? j : json_hex(text, len);
}

/* The fewest significant digits (1..17) that give `v` back exactly. */
static int shortest_precision(double v)
{
	char buf[40];

	for (int p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return p;
	}
	return 17;
}

/* A typed JSON value for one cell; *precision grows to what a double in it needs. */
static json_t *json_cell(sl_rows *rows, size_t col, int *precision)
{
	int64_t i;
	double d;

	if (sl_rows_is_null(rows, col))
		return json_null();
	switch (sl_rows_column_type(rows, col)) {
	case SL_TYPE_BOOL:
		if (sl_rows_int64(&i, rows, col) == 0)
			return json_boolean(i != 0);
		break;
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
		/* a UINT64 above INT64_MAX falls through to text */
		if (sl_rows_int64(&i, rows, col) == 0 &&
		    (i >= 0 || sl_rows_column_type(rows, col) != SL_TYPE_UINT64))
			return json_integer(i);
		break;
	case SL_TYPE_FLOAT:
	case SL_TYPE_DOUBLE:
		/* NaN and infinities have no JSON number: they go as text */
		if (sl_rows_double(&d, rows, col) == 0 && isfinite(d)) {
			int p = shortest_precision(d);
			*precision = p > *precision ? p : *precision;
			return json_real(d);
		}
		break;
	default:
		break;
	}
	return json_text(rows, col);
}

/* The current row as an object, keys in column order; NULL when out of memory. */
static json_t *json_row(sl_rows *rows, size_t ncols, int *precision)
{
	json_t *obj = json_object();

	for (size_t i = 0; obj && i < ncols; i++) {
		json_t *value = json_cell(rows, i, precision);
		if (!value || json_object_set_new(obj, sl_rows_column_name(rows, i), value) != 0) {
			json_decref(obj);
			obj = NULL;
		}
	}
	return obj;
}

static int print_json(FILE *out, sl_rows *rows)
{
	size_t ncols = sl_rows_column_count(rows);
	size_t count = 0;
	int rc;

	fputc('[', out);
	while ((rc = sl_rows_next(rows)) == 1) {
		int precision = 1;
		json_t *obj = json_row(rows, ncols, &precision);
		if (!obj)
			return out_of_memory();
		fputs(count++ ? ",\n" : "\n", out);
		/* per row, the shortest precision that is still exact keeps 0.1 from printing as
		   0.10000000000000001 */
		rc = json_dumpf(obj, out, JSON_REAL_PRECISION(precision));
		json_decref(obj);
		if (rc != 0) /* only a failed write makes an object we built fail */
			return finish_output(out) ? CLI_EXIT_FAILURE : out_of_memory();
	}
	if (rc < 0)
		return cli_fail(rc);
	fputs(count ? "\n]\n" : "]\n", out);
	return finish_output(out);
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
	char *cell = display_copy(s, len);
	if (!cell)
		return -1;
	size_t col = g->count % g->ncols;
	size_t width = text_width(cell);
	if (width > g->width[col])
		g->width[col] = width;
	g->cells[g->count++] = cell;
	return 0;
}

static void grid_free(grid *g)
{
	for (size_t i = 0; i < g->count; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->width);
	free(g->numeric);
}

static bool is_numeric(sl_type type)
{
	return (type >= SL_TYPE_INT8 && type <= SL_TYPE_DECIMAL);
}

static int grid_header(grid *g, sl_rows *rows)
{
	for (size_t i = 0; i < g->ncols; i++) {
		const char *name = sl_rows_column_name(rows, i);
		g->numeric[i] = is_numeric(sl_rows_column_type(rows, i));
		if (grid_add(g, name, strlen(name)) != 0)
			return -1;
	}
	return 0;
}

/* Read every row into the grid: 1 done, 0 out of memory, < 0 the error of sl_rows_next. */
static int grid_fill(grid *g, sl_rows *rows)
{
	int rc;

	while ((rc = sl_rows_next(rows)) == 1) {
		for (size_t i = 0; i < g->ncols; i++) {
			size_t len = 0;
			const char *text = sl_rows_text(rows, i, &len);
			if (grid_add(g, text ? text : "NULL", text ? len : 4) != 0)
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

static int print_table(FILE *out, sl_rows *rows)
{
	grid g = {sl_rows_column_count(rows), NULL, 0, 0, NULL, NULL};
	int rc;

	if (g.ncols == 0)
		return finish_output(out);
	g.width = calloc(g.ncols, sizeof(*g.width));
	g.numeric = calloc(g.ncols, sizeof(*g.numeric));
	if (!g.width || !g.numeric || grid_header(&g, rows) != 0)
		rc = 0;
	else
		rc = grid_fill(&g, rows);
	if (rc == 1)
		print_grid(out, &g);
	grid_free(&g);
	if (rc < 0)
		return cli_fail(rc);
	return rc == 0 ? out_of_memory() : finish_output(out);
}

int cli_print_rows(FILE *out, sl_rows *rows, cli_format format)
{
	switch (format) {
	case CLI_FORMAT_CSV:
		return print_csv(out, rows);
	case CLI_FORMAT_JSON:
		return print_json(out, rows);
	case CLI_FORMAT_TABLE:
	default:
		return print_table(out, rows);
	}
}
