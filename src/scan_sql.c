/*
 * scan_sql.c — the one renderer of scan plans to SQL; each source driver describes its dialect
 * (scan_sql.h) and binds or sends what comes out.
 */
#include "scan_sql.h"

#include <stdlib.h>
#include <string.h>

const char *sl_sql_op_text(sl_sql_op op)
{
	static const char *const text[] = {"=", "<", "<=", ">", ">="};
	return text[op];
}

void sl_scan_sql_init(sl_scan_sql *r, const sl_scan_dialect *dialect, const sl_table_schema *table)
{
	memset(r, 0, sizeof(*r));
	r->dialect = dialect;
	r->table = table;
}

void sl_scan_sql_free(sl_scan_sql *r)
{
	for (size_t i = 0; i < r->nparams; i++)
		free(r->params[i].bytes);
	free(r->params);
	sl_buf_free(&r->sql);
	r->params = NULL;
	r->nparams = r->cap = 0;
}

int sl_scan_sql_done(sl_scan_sql *r, int rc)
{
	if (!rc && r->sql.failed)
		return sl_error_set(SL_ENOMEM, "out of memory");
	return rc;
}

sl_sql_param *sl_scan_sql_param(sl_scan_sql *r)
{
	if (r->nparams == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		sl_sql_param *grown = sl_realloc(r->params, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		r->params = grown;
		r->cap = cap;
	}
	sl_sql_param *p = &r->params[r->nparams++];
	memset(p, 0, sizeof(*p));
	return p;
}

bool sl_sql_param_number(sl_sql_param *p, const sl_value *v)
{
	if (v->type == SL_TYPE_FLOAT || v->type == SL_TYPE_DOUBLE) {
		p->type = SL_PARAM_DOUBLE;
		p->d = v->as.f64;
		return true;
	}
	if (!sl_type_is_integer(v->type))
		return false;
	p->type = sl_type_is_unsigned(v->type) ? SL_PARAM_UINT : SL_PARAM_INT;
	p->i = v->as.i64; /* u64 shares the bits */
	return true;
}

int sl_sql_param_bytes(sl_sql_param *p, sl_sql_param_type type, const char *bytes, size_t len)
{
	char *copy = sl_strndup(len ? bytes : "", len);
	if (!copy)
		return SL_ENOMEM;
	p->type = type;
	p->bytes = copy;
	p->len = len;
	return SL_OK;
}

int sl_sql_param_text(sl_sql_param *p, char *text)
{
	if (!text)
		return SL_ENOMEM;
	p->type = SL_PARAM_TEXT;
	p->bytes = text;
	p->len = strlen(text);
	return SL_OK;
}

/* ---- pieces ------------------------------------------------------------------------------- */

void sl_scan_sql_ident(sl_scan_sql *r, const char *name)
{
	sl_buf_quote_ident(&r->sql, name, r->dialect->quote);
}

void sl_scan_sql_column(sl_scan_sql *r, size_t col)
{
	sl_scan_sql_ident(r, r->table->columns[col].name);
}

void sl_scan_sql_table(sl_scan_sql *r)
{
	const char *db = r->table->database;
	const char *schema = db && db[0] ? db : r->dialect->schema;
	if (schema) {
		sl_scan_sql_ident(r, schema);
		sl_buf_putc(&r->sql, '.');
	}
	sl_scan_sql_ident(r, r->table->name);
}

int sl_scan_sql_compare(sl_scan_sql *r, size_t col, sl_sql_op op, const sl_value *v)
{
	if (r->dialect->put_compare)
		return r->dialect->put_compare(r, col, op, v);
	return sl_scan_sql_plain_compare(r, col, op, v);
}

int sl_scan_sql_plain_compare(sl_scan_sql *r, size_t col, sl_sql_op op, const sl_value *v)
{
	sl_scan_sql_column(r, col);
	sl_buf_printf(&r->sql, " %s ", sl_sql_op_text(op));
	return r->dialect->put_value(r, &r->table->columns[col], v);
}

int sl_scan_sql_plain_row_compare(sl_scan_sql *r, size_t n, const size_t *cols, sl_sql_op op,
				  const sl_value *vals)
{
	sl_buf_putc(&r->sql, '(');
	for (size_t i = 0; i < n; i++) {
		sl_buf_puts(&r->sql, i ? ", " : "");
		sl_scan_sql_column(r, cols[i]);
	}
	sl_buf_printf(&r->sql, ") %s (", sl_sql_op_text(op));
	for (size_t i = 0; i < n; i++) {
		sl_buf_puts(&r->sql, i ? ", " : "");
		int rc = r->dialect->put_value(r, &r->table->columns[cols[i]], &vals[i]);
		if (rc)
			return rc;
	}
	sl_buf_putc(&r->sql, ')');
	return SL_OK;
}

int sl_scan_sql_row_compare(sl_scan_sql *r, size_t n, const size_t *cols, sl_sql_op op,
			    const sl_value *vals)
{
	if (n == 1)
		return sl_scan_sql_compare(r, cols[0], op, &vals[0]);
	if (r->dialect->put_row_compare)
		return r->dialect->put_row_compare(r, n, cols, op, vals);
	return sl_scan_sql_plain_row_compare(r, n, cols, op, vals);
}

/* ---- the plan ----------------------------------------------------------------------------- */

/* ", (cursor = v AND (pk) <= (k))": >= when descending. */
static int put_seen_flag(sl_scan_sql *r, const sl_scan_plan *plan)
{
	sl_buf_puts(&r->sql, ", (");
	if (plan->cursor >= 0 && plan->seen_cursor) {
		int rc = sl_scan_sql_compare(r, (size_t)plan->cursor, SL_SQL_EQ, plan->seen_cursor);
		if (rc)
			return rc;
		sl_buf_puts(&r->sql, " AND ");
	}
	int rc = sl_scan_sql_row_compare(r, plan->nseen_pk, plan->seen_pk_cols,
					 plan->descending ? SL_SQL_GE : SL_SQL_LE, plan->seen_pk);
	sl_buf_putc(&r->sql, ')');
	return rc;
}

static void put_null_test(sl_scan_sql *r, size_t col, const char *test)
{
	sl_scan_sql_column(r, col);
	sl_buf_puts(&r->sql, test);
}

/* The cursor's range; *where tells whether a WHERE was written. */
static int put_bounds(sl_scan_sql *r, const sl_scan_plan *plan, bool *where)
{
	if (plan->cursor < 0)
		return SL_OK;
	size_t cur = (size_t)plan->cursor;
	if (!plan->lower && !plan->upper) {
		if (!plan->include_null_cursor) {
			sl_buf_puts(&r->sql, " WHERE ");
			put_null_test(r, cur, " IS NOT NULL");
			*where = true;
		}
		return SL_OK;
	}
	sl_buf_puts(&r->sql, " WHERE ((");
	*where = true;
	int rc = SL_OK;
	if (plan->lower)
		rc = sl_scan_sql_compare(r, cur, plan->lower_inclusive ? SL_SQL_GE : SL_SQL_GT,
					 plan->lower);
	if (!rc && plan->upper) {
		sl_buf_puts(&r->sql, plan->lower ? " AND " : "");
		rc = sl_scan_sql_compare(r, cur, plan->upper_inclusive ? SL_SQL_LE : SL_SQL_LT,
					 plan->upper);
	}
	sl_buf_putc(&r->sql, ')');
	if (plan->include_null_cursor) {
		sl_buf_puts(&r->sql, " OR ");
		put_null_test(r, cur, " IS NULL");
	}
	sl_buf_putc(&r->sql, ')');
	return rc;
}

static void put_columns(sl_scan_sql *r)
{
	sl_buf_puts(&r->sql, "SELECT ");
	for (size_t i = 0; i < r->table->ncolumns; i++) {
		sl_buf_puts(&r->sql, i ? ", " : "");
		if (r->dialect->put_select)
			r->dialect->put_select(r, i);
		else
			sl_scan_sql_column(r, i);
	}
}

static void put_order(sl_scan_sql *r, const sl_scan_plan *plan)
{
	for (size_t i = 0; i < plan->norder; i++) {
		sl_buf_puts(&r->sql, i ? ", " : " ORDER BY ");
		sl_scan_sql_column(r, plan->order[i]);
		sl_buf_puts(&r->sql, plan->descending ? " DESC" : " ASC");
	}
}

int sl_scan_sql_plan(sl_scan_sql *r, const sl_scan_plan *plan)
{
	const sl_scan_dialect *d = r->dialect;
	put_columns(r);
	int rc = plan->seen_pk ? put_seen_flag(r, plan) : SL_OK;
	if (d->put_extra_columns)
		d->put_extra_columns(r);
	sl_buf_puts(&r->sql, " FROM ");
	sl_scan_sql_table(r);
	if (d->put_index_hint)
		d->put_index_hint(r);
	bool where = false;
	if (!rc)
		rc = put_bounds(r, plan, &where);
	if (!rc && plan->after && plan->norder) {
		sl_buf_puts(&r->sql, where ? " AND " : " WHERE ");
		rc = sl_scan_sql_row_compare(r, plan->norder, plan->order,
					     plan->descending ? SL_SQL_LT : SL_SQL_GT, plan->after);
	}
	put_order(r, plan);
	if (!rc && plan->limit && d->put_limit)
		rc = d->put_limit(r, plan->limit);
	else if (!rc && plan->limit)
		sl_buf_printf(&r->sql, " LIMIT %llu", (unsigned long long)plan->limit);
	return sl_scan_sql_done(r, rc);
}
