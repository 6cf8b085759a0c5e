/*
 * append.c — the `append` write disposition: rows go straight into the table, and each chunk
 * commits with the state that covers it, so the next run starts after the last commit.
 */
#include "../disposition.h"

static int append_prepare(sl_load_table *t)
{
	t->target = sl_strdup(t->table);
	if (!t->target)
		return SL_ENOMEM;
	return t->p->dest_driver->ensure_table(t->p->dest, t->p->dataset, t->target, t->schema,
					       !t->p->no_load_id);
}

const sl_disposition sl_append_disposition = {
	.name = "append",
	.incremental = true,
	.keeps_rows = true,
	.prepare = append_prepare,
	.end_chunk = sl_disposition_write_state,
};
