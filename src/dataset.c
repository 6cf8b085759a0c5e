/*
 * dataset.c — reading a dataset back (dlt's pipeline.dataset()): its tables with row counts, the
 * rows of a table, the result of any SQL, through whichever destination holds it. The public
 * sl_rows_* functions dispatch to the destination driver's result implementation.
 */
#include "drivers.h"
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

static int run_query(sl_rows **out, sl_dataset *d, sl_buf *sql, size_t n, const char *const *params)
{
	*out = NULL;
	if (sql->failed)
		return sl_error_set(SL_ENOMEM, "out of memory building SQL");
	sl_pipeline *p = d->pipeline;
	if (p->dest_driver->end_load) /* a query may need more than a load */
		p->dest_driver->end_load(p->dest);
	return p->dest_driver->query(out, p->dest, sl_buf_cstr(sql), n, params);
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
	int rc = require_table(d, table);
	if (rc)
		return rc;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT COUNT(*) FROM ");
	sl_buf_quote_qualified(&sql, d->name, table, '"');
	sl_rows *rows;
	rc = run_query(&rows, d, &sql, 0, NULL);
	sl_buf_free(&sql);
	if (rc)
		return rc;
	int64_t n = 0;
	rc = sl_rows_next(rows);
	if (rc == 1)
		rc = sl_rows_int64(&n, rows, 0);
	sl_rows_free(rows);
	*out = (uint64_t)n;
	return rc < 0 ? rc : SL_OK;
}

int sl_dataset_tables(sl_rows **out, sl_dataset *d)
{
	*out = NULL;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql,
		    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 "
		    "ORDER BY table_name");
	const char *params[] = {d->name};
	sl_rows *names;
	int rc = run_query(&names, d, &sql, 1, params);
	sl_buf_reset(&sql);
	if (rc) {
		sl_buf_free(&sql);
		return rc;
	}
	/* one statement counting every table, so the result streams like any other */
	size_t n = 0;
	while ((rc = sl_rows_next(names)) == 1) {
		const char *t = sl_rows_text(names, 0, NULL);
		sl_buf_puts(&sql, n++ ? " UNION ALL " : "");
		sl_buf_puts(&sql, "SELECT ");
		sl_buf_quote_literal(&sql, t ? t : "");
		sl_buf_puts(&sql, " AS name, (SELECT COUNT(*) FROM ");
		sl_buf_quote_qualified(&sql, d->name, t ? t : "", '"');
		sl_buf_puts(&sql, ") AS row_count");
	}
	sl_rows_free(names);
	if (rc == 0 && n == 0)
		sl_buf_puts(&sql,
			    "SELECT CAST(NULL AS VARCHAR) AS name, CAST(0 AS BIGINT) AS row_count "
			    "WHERE 1 = 0");
	else if (rc == 0)
		sl_buf_puts(&sql, " ORDER BY name");
	if (rc == 0)
		rc = run_query(out, d, &sql, 0, NULL);
	sl_buf_free(&sql);
	return rc;
}

int sl_dataset_read(sl_rows **out, sl_dataset *d, const char *table, uint64_t limit)
{
	*out = NULL;
	int rc = require_table(d, table);
	if (rc)
		return rc;
	sl_buf sql = SL_BUF_INIT;
	sl_buf_puts(&sql, "SELECT * FROM ");
	sl_buf_quote_qualified(&sql, d->name, table, '"');
	if (limit)
		sl_buf_printf(&sql, " LIMIT %llu", (unsigned long long)limit);
	rc = run_query(out, d, &sql, 0, NULL);
	sl_buf_free(&sql);
	return rc;
}

int sl_dataset_query(sl_rows **out, sl_dataset *d, const char *query)
{
	*out = NULL;
	sl_buf sql = SL_BUF_INIT;
	/* unqualified names resolve in the dataset (DuckDB and PostgreSQL both take search_path);
	 * the value is a list of identifiers, so the name goes in quoted, or a '"', ',' or '.' in
	 * it would be parsed. DuckDB reads that list from a string ('"my ds"'); PostgreSQL takes
	 * the identifiers themselves ("my ds") and would keep the quotes of a string as part of
	 * the name */
	sl_pipeline *p = d->pipeline;
	sl_buf ident = SL_BUF_INIT;
	sl_buf_quote_ident(&ident, d->name, '"');
	sl_buf_puts(&sql, "SET search_path = ");
	if (p->dest_url->kind == SL_URL_POSTGRES)
		sl_buf_puts(&sql, ident.failed ? "" : sl_buf_cstr(&ident));
	else
		sl_buf_quote_literal(&sql, ident.failed ? "" : sl_buf_cstr(&ident));
	if (ident.failed)
		sql.failed = true;
	sl_buf_free(&ident);
	int rc = sql.failed ? SL_ENOMEM : p->dest_driver->exec(p->dest, sl_buf_cstr(&sql), 0, NULL);
	sl_buf_reset(&sql);
	sl_buf_puts(&sql, query);
	if (!rc)
		rc = run_query(out, d, &sql, 0, NULL);
	sl_buf_free(&sql);
	return rc;
}

/* ---- rows ---------------------------------------------------------------------------------- */

int sl_rows_next(sl_rows *rows)
{
	return rows->ops->next(rows);
}

size_t sl_rows_column_count(const sl_rows *rows)
{
	return rows->ops->column_count(rows);
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
