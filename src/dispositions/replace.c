/*
 * replace.c — the `replace` write disposition: every run reloads the whole table into a staging
 * copy, committing chunk by chunk so that memory stays flat, then swaps the copy in with one
 * short transaction together with the state. Readers never see half a table, and a failed run
 * keeps the old one.
 *
 * One transaction over the whole copy would spare DuckDB a checkpoint per chunk (a third of the
 * CPU at 100k-row chunks), but its storage grows with the rows (peak RSS 164 MB for 1M rows,
 * 186 MB for 2M, against a flat 131-137 MB with a commit per chunk).
 */
#include "../disposition.h"

static int replace_prepare(sl_load_table *t)
{
	t->target = sl_printf_alloc("%s__sluice_staging", t->table);
	if (!t->target)
		return SL_ENOMEM;
	t->state->rows_loaded = 0; /* the table will hold this run's rows only */
	int rc = sl_pipeline_drop_table(t->p, t->target); /* left by a run that crashed */
	if (!rc)
		rc = t->p->dest_driver->ensure_table(t->p->dest, t->p->dataset, t->target,
						     t->schema, !t->p->no_load_id);
	return rc;
}

/* The copy's chunks commit without a state: until the swap, the table and its state are the
   last run's. */
static int replace_end_chunk(sl_load_table *t)
{
	(void)t;
	return SL_OK;
}

static int replace_finish(sl_load_table *t)
{
	const sl_destination_driver *dd = t->p->dest_driver;
	int rc = dd->begin(t->p->dest);
	if (rc)
		return rc;
	rc = dd->swap_table(t->p->dest, t->p->dataset, t->target, t->table);
	if (!rc)
		rc = sl_disposition_write_state(t);
	if (!rc)
		rc = dd->commit(t->p->dest);
	if (rc)
		dd->rollback(t->p->dest);
	return rc;
}

static void replace_abort(sl_load_table *t)
{
	if (t->target)
		sl_pipeline_drop_table(t->p, t->target);
}

const sl_disposition sl_replace_disposition = {
	.name = "replace",
	.incremental = false,
	.keeps_rows = false,
	.prepare = replace_prepare,
	.end_chunk = replace_end_chunk,
	.finish = replace_finish,
	.abort = replace_abort,
};
