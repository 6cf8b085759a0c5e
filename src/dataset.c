/*
 * dataset.c — reading a dataset back (dlt's pipeline.dataset()): its tables with row counts, the
 * rows of a table, the result of any SQL (a destination that is a SQL database), through
 * whichever destination holds it. The public sl_rows_* functions dispatch to the destination
 * driver's result implementation.
 */
#include "pipeline.h"

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
