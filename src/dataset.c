/*
 * dataset.c — reading a dataset back (dlt's pipeline.dataset()): its tables with row counts, the
 * rows of a table, the result of any SQL (a destination that is a SQL database), through
 * whichever destination holds it. The public sl_rows_* functions dispatch to the destination
 * driver's result implementation.
 */
#include "pipeline.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct sl_dataset {
	char *name;
	sl_pipeline *pipeline; /* whose connection is used */
	sl_pipeline *owned;    /* set when the dataset opened its own pipeline */
};

static int dataset_new(sl_dataset **out, sl_pipeline *p, sl_pipeline *owned)
{
	int rc = sl_pipeline_connect(p);
	if (rc)
		return rc;
	sl_dataset *d = sl_calloc(1, sizeof(*d));
	if (!d)
		return SL_ENOMEM;
	d->name = sl_strdup(p->dataset);
	if (!d->name) {
		free(d);
		return SL_ENOMEM;
	}
	d->pipeline = p;
	d->owned = owned;
	*out = d;
	return SL_OK;
}

int sl_pipeline_dataset(sl_dataset **out, sl_pipeline *pipeline)
{
	*out = NULL;
	if (!pipeline)
		return sl_error_set(SL_EINVAL, "sl_pipeline_dataset: NULL pipeline");
	return dataset_new(out, pipeline, NULL);
}

int sl_dataset_open(sl_dataset **out, const char *destination, const char *dataset_name)
{
	*out = NULL;
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = "sluice";
	o.destination = destination;
	o.dataset_name = dataset_name;
	sl_pipeline *p;
	int rc = sl_pipeline_new(&p, &o);
	if (!rc)
		rc = dataset_new(out, p, p);
	if (rc)
		sl_pipeline_free(p);
	return rc;
}

const char *sl_dataset_name(const sl_dataset *dataset)
{
	return dataset->name;
}

void sl_dataset_free(sl_dataset *dataset)
{
	if (!dataset)
		return;
	sl_pipeline_free(dataset->owned);
	free(dataset->name);
	free(dataset);
}

/* Reading back gets the database's own settings, not a load's. */
static const sl_destination_driver *end_load(sl_dataset *d)
{
	sl_pipeline *p = d->pipeline;
	if (p->dest_driver->end_load)
		p->dest_driver->end_load(p->dest);
	return p->dest_driver;
}

static int require_table(sl_dataset *d, const char *table)
{
	bool exists = false;
	sl_pipeline *p = d->pipeline;
	int rc = p->dest_driver->table_exists(&exists, p->dest, d->name, table);
	if (!rc && !exists)
		rc = sl_error_set(SL_ENOTFOUND, "table '%s' not found in dataset '%s'", table,
				  d->name);
	return rc;
}

int sl_dataset_row_count(uint64_t *out, sl_dataset *d, const char *table)
{
	*out = 0;
	int64_t n = 0;
	int rc = require_table(d, table);
	if (!rc)
		rc = end_load(d)->count_rows(&n, d->pipeline->dest, d->name, table);
	*out = (uint64_t)n;
	return rc;
}

int sl_dataset_tables(sl_rows **out, sl_dataset *d)
{
	*out = NULL;
	return end_load(d)->list_tables(out, d->pipeline->dest, d->name);
}

int sl_dataset_read(sl_rows **out, sl_dataset *d, const char *table, uint64_t limit)
{
	*out = NULL;
	int rc = require_table(d, table);
	return rc ? rc : end_load(d)->read_table(out, d->pipeline->dest, d->name, table, limit);
}

/* Unqualified names in the query mean the dataset's tables. */
int sl_dataset_query(sl_rows **out, sl_dataset *d, const char *query)
{
	*out = NULL;
	sl_pipeline *p = d->pipeline;
	const sl_destination_driver *dd = p->dest_driver;
	if (!dd->query || !dd->use_dataset)
		return sl_error_set(SL_EUNSUPPORTED, "destination %s cannot run SQL queries",
				    dd->head.name);
	int rc = dd->use_dataset(p->dest, d->name);
	return rc ? rc : end_load(d)->query(out, p->dest, query, 0, NULL);
}

/* ---- rows ---------------------------------------------------------------------------------- */

int sl_rows_next(sl_rows *rows)
{
	return rows->ops->next(rows);
}

size_t sl_rows_column_count(const sl_rows *rows)
{
	return rows->ncolumns;
}

const char *sl_rows_column_name(const sl_rows *rows, size_t column)
{
	return rows->ops->column_name(rows, column);
}

sl_type sl_rows_column_type(const sl_rows *rows, size_t column)
{
	return rows->ops->column_type(rows, column);
}

bool sl_rows_is_null(const sl_rows *rows, size_t column)
{
	return rows->ops->is_null(rows, column);
}

int sl_rows_int64(int64_t *out, const sl_rows *rows, size_t column)
{
	return rows->ops->get_int64(out, rows, column);
}

int sl_rows_double(double *out, const sl_rows *rows, size_t column)
{
	return rows->ops->get_double(out, rows, column);
}

const char *sl_rows_text(sl_rows *rows, size_t column, size_t *len)
{
	return rows->ops->get_text(rows, column, len);
}

void sl_rows_free(sl_rows *rows)
{
	if (rows)
		rows->ops->free(rows);
}

/* ---- columnar batches ---------------------------------------------------------------------- */

/* One column's arrays. They only grow, so a batch reused for a whole table keeps the memory of
   its largest fetch and no more. */
typedef struct batch_col {
	sl_rows_column pub; /* what sl_rows_batch_column hands out; points into the arrays below */
	void *values;	    /* int64_t or double, `cap` of them */
	uint8_t *status;    /* `cap` */
	uint64_t *offsets;  /* `cap` + 1 */
	size_t cap;
	sl_buf text;
} batch_col;

struct sl_rows_batch {
	batch_col *cols; /* `ncols_cap` allocated, `ncols` in use */
	size_t ncols;
	size_t ncols_cap;
	size_t nrows;
};

int sl_rows_batch_new(sl_rows_batch **out)
{
	*out = sl_calloc(1, sizeof(**out));
	return *out ? SL_OK : SL_ENOMEM;
}

void sl_rows_batch_free(sl_rows_batch *batch)
{
	if (!batch)
		return;
	for (size_t i = 0; i < batch->ncols_cap; i++) {
		batch_col *c = &batch->cols[i];
		free(c->values);
		free(c->status);
		free(c->offsets);
		sl_buf_free(&c->text);
	}
	free(batch->cols);
	free(batch);
}

size_t sl_rows_batch_row_count(const sl_rows_batch *batch)
{
	return batch->nrows;
}

size_t sl_rows_batch_column_count(const sl_rows_batch *batch)
{
	return batch->ncols;
}

const sl_rows_column *sl_rows_batch_column(const sl_rows_batch *batch, size_t column)
{
	return column < batch->ncols ? &batch->cols[column].pub : NULL;
}

static sl_rows_format rows_format(sl_type t)
{
	switch (t) {
	case SL_TYPE_BOOL:
	case SL_TYPE_INT8:
	case SL_TYPE_INT16:
	case SL_TYPE_INT32:
	case SL_TYPE_INT64:
	case SL_TYPE_UINT8:
	case SL_TYPE_UINT16:
	case SL_TYPE_UINT32:
	case SL_TYPE_UINT64:
	case SL_TYPE_DATE:
	case SL_TYPE_TIME:
	case SL_TYPE_TIMESTAMP:
	case SL_TYPE_TIMESTAMPTZ:
		return SL_ROWS_INT64;
	case SL_TYPE_FLOAT:
	case SL_TYPE_DOUBLE:
		return SL_ROWS_DOUBLE;
	default:
		return SL_ROWS_TEXT;
	}
}

/* Room for `want` rows in every column (want <= INT_MAX, so no product overflows). */
static int batch_reserve(sl_rows_batch *b, size_t want)
{
	for (size_t i = 0; i < b->ncols; i++) {
		batch_col *c = &b->cols[i];
		if (c->cap >= want)
			continue;
		size_t cap = c->cap ? c->cap : 1024;
		while (cap < want)
			cap *= 2;
		void *v = sl_realloc(c->values, cap * sizeof(int64_t));
		if (!v)
			return SL_ENOMEM;
		c->values = v;
		uint8_t *st = sl_realloc(c->status, cap);
		if (!st)
			return SL_ENOMEM;
		c->status = st;
		uint64_t *off = sl_realloc(c->offsets, (cap + 1) * sizeof(uint64_t));
		if (!off)
			return SL_ENOMEM;
		c->offsets = off;
		c->cap = cap;
	}
	return SL_OK;
}

/* Start a fetch: one column per result column, described, with no rows. */
static int batch_start(sl_rows_batch *b, const sl_rows *rows)
{
	size_t n = rows->ncolumns;
	if (n > b->ncols_cap) {
		batch_col *cols = sl_realloc(b->cols, n * sizeof(*cols));
		if (!cols)
			return SL_ENOMEM;
		memset(cols + b->ncols_cap, 0, (n - b->ncols_cap) * sizeof(*cols));
		b->cols = cols;
		b->ncols_cap = n;
	}
	b->ncols = n;
	b->nrows = 0;
	for (size_t i = 0; i < n; i++) {
		batch_col *c = &b->cols[i];
		sl_buf_reset(&c->text);
		c->pub.type = rows->ops->column_type(rows, i);
		c->pub.format = rows_format(c->pub.type);
	}
	return batch_reserve(b, 1);
}

/* Append the current row's text of column `col` to c's texts. */
static int batch_put_text(batch_col *c, sl_rows *rows, size_t col)
{
	size_t len;
	const char *s = rows->ops->get_text(rows, col, &len);
	if (!s)
		return sl_error_last_code() ? sl_error_last_code() : SL_ENOMEM;
	sl_buf_append(&c->text, s, len);
	return c->text.failed ? sl_error_set(SL_ENOMEM, "out of memory") : SL_OK;
}

/* Store column `col` of the current row as row `r` of the batch. */
static int batch_put(batch_col *c, sl_rows *rows, size_t col, size_t r)
{
	int rc = SL_OK;
	c->offsets[r] = c->text.len;
	if (rows->ops->is_null(rows, col)) {
		c->status[r] = SL_ROWS_VALUE_NULL;
		((int64_t *)c->values)[r] = 0;
	} else if (c->pub.format == SL_ROWS_INT64) {
		c->status[r] = SL_ROWS_VALUE_OK;
		if (rows->ops->get_int64(&((int64_t *)c->values)[r], rows, col)) {
			/* No number for it (UBIGINT > 2^63-1, infinity): its text tells the value. */
			c->status[r] = SL_ROWS_VALUE_TEXT;
			rc = batch_put_text(c, rows, col);
		}
	} else if (c->pub.format == SL_ROWS_DOUBLE) {
		c->status[r] = SL_ROWS_VALUE_OK;
		rc = rows->ops->get_double(&((double *)c->values)[r], rows, col);
	} else {
		c->status[r] = SL_ROWS_VALUE_OK;
		((int64_t *)c->values)[r] = 0;
		rc = batch_put_text(c, rows, col);
	}
	c->offsets[r + 1] = c->text.len;
	return rc;
}

int sl_rows_fetch(sl_rows_batch *batch, sl_rows *rows, size_t max_rows)
{
	if (!batch || !rows)
		return sl_error_set(SL_EINVAL, "sl_rows_fetch: NULL batch or rows");
	batch->nrows = 0;
	if (max_rows == 0 || max_rows > INT_MAX)
		return sl_error_set(SL_EINVAL, "sl_rows_fetch: max_rows must be 1..%d", INT_MAX);
	int rc = batch_start(batch, rows);
	size_t n = 0;
	while (!rc && n < max_rows) {
		rc = rows->ops->next(rows);
		if (rc <= 0)
			break;
		rc = batch_reserve(batch, n + 1);
		for (size_t i = 0; !rc && i < batch->ncols; i++)
			rc = batch_put(&batch->cols[i], rows, i, n);
		if (!rc)
			n++;
	}
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < batch->ncols; i++) {
		batch_col *c = &batch->cols[i];
		c->offsets[n] = c->text.len;
		c->pub.values = c->pub.format == SL_ROWS_TEXT ? NULL : c->values;
		c->pub.status = c->status;
		c->pub.offsets = c->offsets;
		c->pub.text = c->text.data ? c->text.data : "";
	}
	batch->nrows = n;
	return (int)n;
}
